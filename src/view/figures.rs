//! The list of figures: one entry each drives the navigation, the keys, the
//! embed names and which commands bring a figure on screen.
//!
//! Adding a figure is one entry here, its view-model module, and its panel in
//! `ui::figures`.

use crate::core::event::Event;

/// A figure's identity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FigureId {
    Blocks,
    Lvm,
    Images,
}

/// What the app needs to know about a figure, apart from drawing it.
#[derive(Debug, Clone, Copy)]
pub struct Figure {
    pub id: FigureId,
    /// The embed name (`?embed=blocks`) and the `data-figure` attribute.
    pub slug: &'static str,
    /// The heading above the figure.
    pub title: &'static str,
    /// The navigation button's text.
    pub nav: &'static str,
    /// The key that brings it on screen.
    pub key: char,
    /// Whether this figure is the natural home of an event.
    pub home_of: fn(&Event) -> bool,
}

pub const FIGURES: &[Figure] = &[
    Figure { id: FigureId::Blocks, slug: "blocks", title: "Figure 1 · Block devices, partitions and the lsblk tree", nav: "1 · Disks & partitions", key: '1', home_of: is_block_event },
    Figure { id: FigureId::Lvm, slug: "lvm", title: "Figure 2 · LVM: physical volumes → volume group → logical volumes", nav: "2 · LVM", key: '2', home_of: is_lvm_event },
    Figure { id: FigureId::Images, slug: "qcow2", title: "Figure 5 · Virtual disk formats: raw vs qcow2 as files on the host", nav: "5 · Disk images", key: '5', home_of: is_image_event },
];

impl FigureId {
    pub fn info(self) -> &'static Figure {
        FIGURES.iter().find(|f| f.id == self).unwrap_or(&FIGURES[0])
    }

    /// A figure by embed name or number (`lvm`, `2`).
    pub fn from_slug(slug: &str) -> Option<FigureId> {
        FIGURES.iter().find(|f| f.slug == slug || slug.chars().eq(std::iter::once(f.key))).map(|f| f.id)
    }

    pub fn slug(self) -> &'static str {
        self.info().slug
    }
}

/// Partition tables and what the kernel makes of them.
fn is_block_event(e: &Event) -> bool {
    event_home(e) == Some(FigureId::Blocks)
}

fn is_lvm_event(e: &Event) -> bool {
    event_home(e) == Some(FigureId::Lvm)
}

fn is_image_event(e: &Event) -> bool {
    event_home(e) == Some(FigureId::Images)
}

/// The figure an event belongs to; filesystems, mounts and files belong to
/// none, so `mkfs` on an LV leaves the LVM figure on screen.
pub fn event_home(e: &Event) -> Option<FigureId> {
    match e {
        Event::DiskAttached { .. }
        | Event::EditorOpened { .. }
        | Event::LabelCreated { .. }
        | Event::PartitionPlanned { .. }
        | Event::PartitionUnplanned { .. }
        | Event::PartitionTypeChanged { .. }
        | Event::EditDiscarded { .. }
        | Event::TableWritten { .. }
        | Event::TableDestroyed { .. }
        | Event::PartitionAppeared { .. }
        | Event::PartitionVanished { .. }
        | Event::RereadRefused { .. } => Some(FigureId::Blocks),
        #[cfg(feature = "loop-devices")]
        Event::DiskDetached { .. } => Some(FigureId::Blocks),
        Event::PvCreated { .. }
        | Event::PvRemoved { .. }
        | Event::VgCreated { .. }
        | Event::VgExtended { .. }
        | Event::VgReduced { .. }
        | Event::VgRemoved { .. }
        | Event::LvCreated { .. }
        | Event::LvRemoved { .. }
        | Event::LvRenamed { .. }
        | Event::TpoolStacked { .. }
        | Event::ExtentsAllocated { .. }
        | Event::ExtentsFreed { .. }
        | Event::LvResized { .. }
        | Event::ThinChunksAllocated { .. }
        | Event::ThinChunksFreed { .. }
        | Event::ThinPoolFull { .. }
        | Event::ChunksCopied { .. }
        | Event::SnapshotInvalidated { .. }
        | Event::SnapshotMerged { .. } => Some(FigureId::Lvm),
        #[cfg(feature = "vgrename")]
        Event::VgRenamed { .. } => Some(FigureId::Lvm),
        #[cfg(feature = "thin-snapshots")]
        Event::ThinSnapshotTaken { .. } | Event::ThinChunksCopied { .. } | Event::ThinSnapshotMerged { .. } => Some(FigureId::Lvm),
        Event::FilesystemCreated { .. }
        | Event::SignatureWiped { .. }
        | Event::Mounted { .. }
        | Event::Unmounted { .. }
        | Event::SwapOn { .. }
        | Event::SwapOff { .. }
        | Event::DataDestroyed { .. }
        | Event::FilesystemResized { .. }
        | Event::BytesWritten { .. }
        | Event::FileCreated { .. }
        | Event::FileWritten { .. }
        | Event::FileResized { .. }
        | Event::FileRemoved { .. } => None,
        Event::ImageLaidOut { .. } | Event::GuestRead { .. } | Event::L1EntryRead { .. } | Event::L2EntryRead { .. } => Some(FigureId::Images),
        // ZFS has no figure yet (Figures 3 and 4 come with the console wiring).
        Event::PoolCreated { .. }
        | Event::PoolDestroyed { .. }
        | Event::VdevAttached { .. }
        | Event::VdevDetached { .. }
        | Event::VdevOffline { .. }
        | Event::VdevOnline { .. }
        | Event::VdevReplaced { .. }
        | Event::Resilvered { .. }
        | Event::DatasetCreated { .. }
        | Event::DatasetDestroyed { .. }
        | Event::PropertySet { .. }
        | Event::BlockAllocated { .. }
        | Event::BlockWritten { .. }
        | Event::PointerRewritten { .. }
        | Event::UberblockWritten { .. }
        | Event::ChecksumMismatch { .. }
        | Event::BlockHealed { .. }
        | Event::BlockUnrecoverable { .. }
        | Event::BlockFreed { .. }
        | Event::BlockRetained { .. }
        | Event::SnapshotTaken { .. }
        | Event::SnapshotDestroyed { .. }
        | Event::RolledBack { .. }
        | Event::ScrubStarted { .. }
        | Event::ScrubProgressed { .. }
        | Event::ScrubFinished { .. }
        | Event::ScrubCanceled { .. }
        | Event::ErrorsCleared { .. } => None,
        #[cfg(feature = "zfs")]
        Event::BookmarkCreated { .. } | Event::BookmarkDestroyed { .. } | Event::HoldPlaced { .. } | Event::HoldReleased { .. } => None,
        #[cfg(feature = "zfs")]
        Event::RaidDriveCreated { .. } | Event::RaidMemberCorrupted { .. } | Event::RaidMemberFailed { .. } | Event::RaidMembersResynced { .. } => None,
    }
}

/// The figure a command's events call for: the home of its first event that
/// has one.
pub fn follow(events: &[Event]) -> Option<FigureId> {
    events.iter().find_map(|e| FIGURES.iter().find(|f| (f.home_of)(e)).map(|f| f.id))
}
