//! Figure 5: a raw and a qcow2 image as files on the host. Each image gets a
//! guest bar (the disk the VM sees, with the parts that are stored) and a
//! host bar (the file, with qcow2's own clusters and the data clusters in
//! file order), the sizes `ls -l` and `du` report, and the latest read's
//! table walk. The summary table compares the two from these numbers, and
//! `SpaceLog` keeps each image's host space after every command for the plot.

use super::scene::{SLookup, Scene};
use crate::console::fmt::{human_size, SizeStyle};
use crate::core::image::{Area, ImageLayout};
use crate::core::event::LvRole;
use crate::core::Event;

/// What a stretch of a bar holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SegKind {
    Data,
    /// Mapped by qcow2 but still a hole in the file (preallocated metadata).
    Unwritten,
    Header,
    L1,
    Refcount,
    L2,
    Snapshots,
    /// Data a snapshot shares with the active image.
    Shared,
    /// Data only a snapshot still uses.
    Held,
}

impl SegKind {
    pub fn class(self) -> &'static str {
        match self {
            SegKind::Data => "data",
            SegKind::Unwritten => "unwritten",
            SegKind::Header => "header",
            SegKind::L1 => "l1",
            SegKind::Refcount => "refcount",
            SegKind::L2 => "l2",
            SegKind::Snapshots => "snapshots",
            SegKind::Shared => "data shared",
            SegKind::Held => "held",
        }
    }
}

/// A stretch of a bar, as fractions of the bar's length.
#[derive(Debug, Clone, PartialEq)]
pub struct Seg {
    pub start: f64,
    pub width: f64,
    pub kind: SegKind,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ImageView {
    pub path: String,
    pub name: String,
    pub format: &'static str,
    pub virtual_text: String,
    pub file_text: String,
    pub alloc_text: String,
    /// How much of the virtual size the host has allocated, 0 to 1.
    pub alloc_fraction: f64,
    pub guest: Vec<Seg>,
    pub host: Vec<Seg>,
    pub data_text: String,
    pub meta_text: String,
    pub snapshots: u32,
    /// qcow2's first clusters in file order, one cell each (None: a hole),
    /// so the small metadata clusters can be seen next to the data.
    pub first_clusters: Vec<Option<SegKind>>,
}

/// How many of a qcow2 file's first clusters the figure draws one by one.
pub const FIRST_CLUSTERS: u64 = 24;

/// What each of the file's first `FIRST_CLUSTERS` clusters holds.
fn first_clusters(l: &ImageLayout) -> Vec<Option<SegKind>> {
    if !l.qcow2 {
        return Vec::new();
    }
    let c = l.cluster_bytes.max(1);
    let covers = |start: u64, len: u64, i: u64| start < (i + 1) * c && start + len > i * c;
    (0..FIRST_CLUSTERS.min(l.file_bytes.div_ceil(c)))
        .map(|i| {
            l.meta
                .iter()
                .find(|m| covers(m.0, m.1, i))
                .map(|m| area_kind(m.2))
                .or_else(|| l.shared.iter().any(|h| covers(*h, c, i)).then_some(SegKind::Shared))
                .or_else(|| l.held.iter().any(|h| covers(*h, c, i)).then_some(SegKind::Held))
                .or_else(|| l.data.iter().any(|d| covers(d.1, d.2, i)).then_some(SegKind::Data))
                .or_else(|| l.unwritten.iter().any(|d| covers(d.1, d.2, i)).then_some(SegKind::Unwritten))
        })
        .collect()
}

/// The latest read's way to its bytes, one line per step taken so far.
#[derive(Debug, Clone, PartialEq)]
pub struct LookupView {
    pub image: String,
    pub steps: Vec<String>,
    /// The file's clusters the walk has read so far (the L1 table, the L2
    /// table, the data cluster), as cluster indexes.
    pub clusters: Vec<u64>,
}

/// The notes' comparison, from the measured images.
#[derive(Debug, Clone, PartialEq)]
pub struct SummaryRow {
    pub feature: &'static str,
    pub raw: String,
    pub qcow2: String,
}

fn size(bytes: u64) -> String {
    human_size(bytes, SizeStyle::Iec)
}

fn area_kind(a: Area) -> SegKind {
    match a {
        Area::Header => SegKind::Header,
        Area::L1 | Area::SnapshotL1 => SegKind::L1,
        Area::RefcountTable | Area::RefcountBlock => SegKind::Refcount,
        Area::L2 => SegKind::L2,
        Area::Snapshots => SegKind::Snapshots,
    }
}

fn seg(start: u64, len: u64, total: u64, kind: SegKind) -> Seg {
    let total = total.max(1) as f64;
    Seg { start: start as f64 / total, width: len as f64 / total, kind }
}

pub fn image_view(l: &ImageLayout) -> ImageView {
    let data_bytes: u64 = l.data.iter().map(|d| d.2).sum();
    let unwritten_bytes: u64 = l.unwritten.iter().map(|d| d.2).sum();
    let meta_bytes: u64 = l.meta.iter().map(|m| m.1).sum();
    let mut host: Vec<Seg> = l.meta.iter().map(|m| seg(m.0, m.1, l.file_bytes, area_kind(m.2))).collect();
    host.extend(l.data.iter().map(|d| seg(d.1, d.2, l.file_bytes, SegKind::Data)));
    host.extend(l.unwritten.iter().map(|d| seg(d.1, d.2, l.file_bytes, SegKind::Unwritten)));
    host.extend(l.held.iter().map(|h| seg(*h, l.cluster_bytes, l.file_bytes, SegKind::Held)));
    let mut guest: Vec<Seg> = l.unwritten.iter().map(|d| seg(d.0, d.2, l.virtual_bytes, SegKind::Unwritten)).collect();
    guest.extend(l.data.iter().map(|d| seg(d.0, d.2, l.virtual_bytes, SegKind::Data)));
    ImageView {
        path: l.path.clone(),
        name: l.path.rsplit('/').next().unwrap_or_default().to_string(),
        format: if l.qcow2 { "qcow2" } else { "raw" },
        virtual_text: size(l.virtual_bytes),
        file_text: size(l.file_bytes),
        alloc_text: size(l.alloc_bytes),
        alloc_fraction: (l.alloc_bytes as f64 / l.virtual_bytes.max(1) as f64).min(1.0),
        guest,
        host,
        data_text: if unwritten_bytes == 0 { size(data_bytes) } else { format!("{} (+{} mapped, not written)", size(data_bytes), size(unwritten_bytes)) },
        meta_text: if l.qcow2 { format!("{} in {} clusters", size(meta_bytes), meta_bytes / l.cluster_bytes.max(1)) } else { "none".into() },
        snapshots: l.snapshots,
        first_clusters: first_clusters(l),
    }
}

pub fn image_views(s: &Scene) -> Vec<ImageView> {
    s.images.iter().map(image_view).collect()
}

pub fn lookup_view(s: &Scene) -> Option<LookupView> {
    let l: &SLookup = s.lookup.as_ref()?;
    let image = s.images.iter().find(|i| i.path == l.image);
    let mut steps = vec![format!("guest byte {:#x}", l.guest_offset)];
    let Some(image) = image.filter(|i| i.qcow2) else {
        steps.push(format!("raw: file offset {:#x}, read directly", l.guest_offset));
        return Some(LookupView { image: l.image.clone(), steps, clusters: Vec::new() });
    };
    let c = image.cluster_bytes.max(1);
    let mut clusters = Vec::new();
    if let Some((index, table)) = l.l1 {
        clusters.extend(image.meta.iter().find(|m| m.2 == Area::L1).map(|m| (m.0 + index * 8) / c));
        steps.push(if table == 0 { format!("L1[{index}] is empty: zeros") } else { format!("L1[{index}] → L2 table at {table:#x}") });
    }
    if let Some((index, host)) = l.l2 {
        clusters.extend(l.l1.map(|(_, table)| table / c));
        clusters.extend((host != 0).then_some(host / c));
        steps.push(if host == 0 { format!("L2[{index}] is empty: zeros") } else { format!("L2[{index}] → cluster at {host:#x}") });
    }
    Some(LookupView { image: l.image.clone(), steps, clusters })
}

/// Where Figure 5's raw disk on LVM-thin lives: Proxmox's thin pool.
pub const THIN_VG: &str = "pve";
pub const THIN_POOL: &str = "data";

/// A thin LV of `pve/data`: a raw disk with snapshots from below.
#[derive(Debug, Clone, PartialEq)]
pub struct ThinLvView {
    pub name: String,
    pub virtual_text: String,
    pub mapped_text: String,
    /// The fraction of the virtual size that is mapped, 0 to 1.
    pub mapped_fraction: f64,
    /// A snapshot: inactive, with no device of its own.
    pub snapshot: bool,
}

/// The thin pool `pve/data` and its thin LVs, once it has any.
#[derive(Debug, Clone, PartialEq)]
pub struct ThinView {
    pub lvs: Vec<ThinLvView>,
    pub pool_text: String,
    pub used_text: String,
    /// The pool's data in use, 0 to 1.
    pub used_fraction: f64,
    pub promised_text: String,
    /// The thin LVs' sizes over the pool's size: over 1 is over-committed.
    pub overcommit: f64,
}

fn percent(fraction: f64) -> String {
    // Under 1 %, two decimals, so a little use is not shown as none.
    let digits = if fraction > 0.0 && fraction < 0.01 { 2 } else { 0 };
    format!("{}%", crate::console::fmt::fixed(fraction * 100.0, digits))
}

pub fn thin_view(s: &Scene) -> Option<ThinView> {
    let vg = s.vgs.iter().find(|v| v.name == THIN_VG)?;
    let pool = vg.lvs.iter().find(|l| l.name == THIN_POOL && l.role == LvRole::Pool)?;
    let thin: Vec<_> = vg.lvs.iter().filter(|l| l.role == LvRole::Thin && l.pool.as_deref() == Some(THIN_POOL)).collect();
    if thin.is_empty() {
        return None;
    }
    let chunk = pool.chunk_bytes.max(1);
    let pool_bytes = super::lvm::lv_bytes(vg, THIN_POOL).max(1);
    let promised: u64 = thin.iter().map(|l| l.virtual_bytes).sum();
    let used = pool.chunks * chunk;
    let lvs = thin
        .iter()
        .map(|l| ThinLvView {
            name: l.name.clone(),
            virtual_text: size(l.virtual_bytes),
            mapped_text: size(l.chunks * chunk),
            mapped_fraction: ((l.chunks * chunk) as f64 / l.virtual_bytes.max(1) as f64).min(1.0),
            snapshot: l.device.is_none(),
        })
        .collect();
    Some(ThinView {
        lvs,
        pool_text: format!("{THIN_VG}/{THIN_POOL}: {}", size(pool_bytes)),
        used_text: format!("{} ({})", size(used), percent(used as f64 / pool_bytes as f64)),
        used_fraction: (used as f64 / pool_bytes as f64).min(1.0),
        promised_text: size(promised),
        overcommit: promised as f64 / pool_bytes as f64,
    })
}

/// The root file system the image files live on, as (size, name).
fn host_fs(s: &Scene) -> Option<(u64, &str)> {
    let (name, node) = s.nodes.iter().find(|(_, n)| n.mounts.iter().any(|m| m == "/"))?;
    Some((super::blocks::node_size(s, node), name.as_str()))
}

/// Thin provisioning in numbers: what the image files and the thin LVs
/// promise against what holds them. One line each, once there is something.
pub fn promises(s: &Scene) -> Vec<String> {
    let mut out = Vec::new();
    if let (Some((fs, name)), false) = (host_fs(s), s.images.is_empty()) {
        let virtual_bytes: u64 = s.images.iter().map(|i| i.virtual_bytes).sum();
        let alloc: u64 = s.images.iter().map(|i| i.alloc_bytes).sum();
        let over = if virtual_bytes > fs { ": over-committed" } else { "" };
        out.push(format!("Image files: {} promised on the {} root file system ({name}), {} of it{over}; they take {}.", size(virtual_bytes), size(fs), percent(virtual_bytes as f64 / fs.max(1) as f64), size(alloc)));
    }
    if let Some(t) = thin_view(s) {
        let over = if t.overcommit > 1.0 { ": over-committed, a write may find the pool full" } else { "" };
        out.push(format!("LVM-thin: {} promised on {}, {} of it{over}; in use {}.", t.promised_text, t.pool_text, percent(t.overcommit), t.used_text));
    }
    out
}

/// The notes' table for the first raw and the first qcow2 image on screen.
pub fn summary(s: &Scene) -> Option<Vec<SummaryRow>> {
    let raw = s.images.iter().find(|i| !i.qcow2)?;
    let q = s.images.iter().find(|i| i.qcow2)?;
    let l2_tables = q.meta.iter().filter(|m| m.2 == Area::L2).count();
    let meta: u64 = q.meta.iter().map(|m| m.1).sum();
    let kind = if raw.alloc_bytes >= raw.virtual_bytes { "fully allocated" } else { "sparse: holes cost nothing" };
    Some(vec![
        SummaryRow {
            feature: "Performance",
            raw: "direct: guest offset = file offset, no lookup".into(),
            qcow2: format!("one L1 and one L2 entry per cluster looked up ({l2_tables} L2 table(s), {} of metadata)", size(meta)),
        },
        SummaryRow {
            feature: "Space usage",
            raw: format!("{} on disk for {} virtual ({kind})", size(raw.alloc_bytes), size(raw.virtual_bytes)),
            qcow2: format!("{} on disk for {} virtual: grows cluster by cluster", size(q.alloc_bytes), size(q.virtual_bytes)),
        },
        SummaryRow {
            feature: "Snapshots",
            raw: match thin_view(s).map(|t| t.lvs.into_iter().filter(|l| l.snapshot).map(|l| l.name).collect::<Vec<_>>()) {
                Some(snaps) if !snaps.is_empty() => format!("none inside: no metadata to hold them; from below, on LVM-thin: {}", snaps.join(", ")),
                _ => "none inside: no metadata to hold them; take them below (LVM-thin, ZFS zvol)".into(),
            },
            qcow2: format!("internal: {} in the file's snapshot table", q.snapshots),
        },
        SummaryRow {
            feature: "Portability",
            raw: "a plain byte stream any tool can read or dd".into(),
            qcow2: format!("needs a qcow2 reader (header QFI\\xfb, {} clusters)", size(q.cluster_bytes)),
        },
    ])
}

/// Figure 5's plot: the host space of each image (what `du` counts) after
/// every command that changed an image, so the lines grow as the guest
/// writes. Built from the events alone, so a replay of the log rebuilds it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SpaceLog {
    /// Commands that changed an image so far: the plot's x axis.
    pub steps: u32,
    pub series: Vec<SpaceSeries>,
}

/// One image's line: (step, allocated bytes), oldest first.
#[derive(Debug, Clone, PartialEq)]
pub struct SpaceSeries {
    pub path: String,
    pub qcow2: bool,
    pub virtual_bytes: u64,
    pub points: Vec<(u32, u64)>,
}

/// Points a line keeps: a long session drops its oldest, so the plot stays
/// readable and a render stays cheap.
pub const SPACE_POINTS: usize = 48;

impl SpaceLog {
    /// Adds one command's events: a step if it laid out an image, with that
    /// image's new allocation; a removed image's line goes.
    pub fn record(&mut self, events: &[Event]) {
        let mut stepped = false;
        for e in events {
            match e {
                Event::ImageLaidOut { layout } => {
                    if !stepped {
                        self.steps += 1;
                        stepped = true;
                    }
                    self.point(layout);
                }
                Event::FileRemoved { path } => self.series.retain(|s| s.path != *path),
                _ => {}
            }
        }
    }

    fn point(&mut self, l: &ImageLayout) {
        let i = match self.series.iter().position(|s| s.path == l.path) {
            Some(i) => i,
            None => {
                self.series.push(SpaceSeries { path: l.path.clone(), qcow2: l.qcow2, virtual_bytes: 0, points: Vec::new() });
                self.series.len() - 1
            }
        };
        let (s, step) = (&mut self.series[i], self.steps);
        (s.qcow2, s.virtual_bytes) = (l.qcow2, l.virtual_bytes);
        match s.points.last_mut() {
            Some(p) if p.0 == step => p.1 = l.alloc_bytes,
            _ => s.points.push((step, l.alloc_bytes)),
        }
        if s.points.len() > SPACE_POINTS {
            s.points.remove(0);
        }
    }

    /// The lines as a frame shows them: the latest command's point follows
    /// the frame's image (the old size until the animation lays it out), and
    /// an image the frame does not have yet is left out.
    pub fn at(&self, frame: &Scene) -> Vec<SpaceSeries> {
        self.series
            .iter()
            .filter_map(|s| {
                let now = frame.images.iter().find(|i| i.path == s.path)?;
                let mut s = s.clone();
                match s.points.last_mut() {
                    Some(p) if p.0 == self.steps => p.1 = now.alloc_bytes,
                    _ => s.points.push((self.steps, now.alloc_bytes)),
                }
                Some(s)
            })
            .collect()
    }
}
