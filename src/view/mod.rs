//! The figures' view-models: what each figure shows, as plain data with no
//! drawing and no web types.
//!
//! `scene` holds the facts a figure needs and moves one event at a time;
//! `timeline` turns a command's events into frames with captions; `blocks`,
//! `lvm` and `images` compute Figures 1, 2 and 5 from a scene. The UI only scales
//! and draws them, and native tests check them.

pub mod blocks;
pub mod figures;
pub mod images;
pub mod lvm;
pub mod scene;
pub mod timeline;

pub use blocks::{disk_views, tree, DiskView, PartState, PartView, TreeRow};
pub use lvm::{lvm_figure, LvView, LvmFigure, PoolView, PvView, Run, VgView};
pub use scene::{Scene, Shown};
pub use figures::{FigureId, FIGURES};
pub use images::{image_views, lookup_view, promises, summary, thin_view, ImageView, ThinLvView, ThinView, LookupView, Seg, SegKind, SpaceLog, SpaceSeries, SummaryRow};
pub use timeline::{caption, Timeline};
