//! A command's animation: the scene before it, then one frame per event a
//! figure draws, each with a caption that says what happened in plain words.
//!
//! Frames are computed, not stored: frame `i` is the scene before the command
//! with the first `i` drawn events applied, so stepping back is as cheap as
//! stepping forward and no frame can disagree with the events.

use super::scene::{Scene, Shown};
use crate::console::fmt::{human_size, SizeStyle};
use crate::core::event::{Event, LvRole};

/// The events of one command that a figure draws, over the scene before it.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Timeline {
    pub before: Scene,
    pub events: Vec<Event>,
}

impl Timeline {
    /// Keeps the events some figure draws; file-level events have no picture.
    pub fn new(before: Scene, events: Vec<Event>) -> Timeline {
        let mut probe = before.clone();
        let events = events.into_iter().filter(|e| probe.apply(e) != Shown::No).collect();
        Timeline { before, events }
    }

    pub fn len(&self) -> usize {
        self.events.len()
    }

    pub fn is_empty(&self) -> bool {
        self.events.is_empty()
    }

    /// The scene after the first `step` events.
    pub fn frame(&self, step: usize) -> Scene {
        let mut s = self.before.clone();
        for e in self.events.iter().take(step) {
            s.apply(e);
        }
        if step == 0 {
            s.focus = None;
        }
        s
    }

    /// Which figures draw event `i`.
    pub fn shown(&self, i: usize) -> Shown {
        let mut s = self.frame(i);
        self.events.get(i).map_or(Shown::No, |e| s.apply(e))
    }

    /// The caption of the frame after `step` events (the latest event's).
    pub fn caption(&self, step: usize) -> Option<String> {
        step.checked_sub(1).and_then(|i| self.events.get(i)).map(caption)
    }
}

fn size(bytes: u64) -> String {
    human_size(bytes, SizeStyle::Iec)
}

/// The path of a device named as lsblk names it: device-mapper devices live
/// under `/dev/mapper/`.
fn path(dev: &str) -> String {
    let kernel = ["sd", "nvme", "loop", "vd", "hd"].iter().any(|p| dev.starts_with(p)) && !dev.contains('-');
    if kernel {
        format!("/dev/{dev}")
    } else {
        format!("/dev/mapper/{dev}")
    }
}

fn role(r: LvRole) -> &'static str {
    match r {
        LvRole::Linear => "logical volume",
        LvRole::Pool => "thin pool",
        LvRole::Thin => "thin volume",
        LvRole::PoolData => "pool data volume (hidden)",
        LvRole::PoolMeta => "pool metadata volume (hidden)",
        LvRole::Spare => "spare metadata volume (hidden)",
    }
}

/// What an event means, in one sentence for the figure's caption.
pub fn caption(e: &Event) -> String {
    match e {
        Event::DiskAttached { disk, transport, size_bytes } => format!("A {} {transport} disk appears as /dev/{disk}.", size(*size_bytes)),
        #[cfg(feature = "loop-devices")]
        Event::DiskDetached { disk } => format!("/dev/{disk} lets go of its file and disappears."),
        Event::EditorOpened { disk, kind, parts } => format!("The editor reads /dev/{disk}'s {kind} table ({} partitions) into memory; changes stay there until w.", parts.len()),
        Event::LabelCreated { disk, kind } => format!("A new, empty {kind} label for /dev/{disk}, in memory only."),
        Event::PartitionPlanned { disk, part } => format!("Partition {} of /dev/{disk} is planned in memory: {} from sector {}.", part.number, size(part.size_sectors * 512), part.start_lba),
        Event::PartitionUnplanned { disk, number } => format!("Partition {number} of /dev/{disk} is deleted in memory."),
        Event::PartitionTypeChanged { disk, number, type_name } => format!("Partition {number} of /dev/{disk} gets the type '{type_name}' in memory."),
        Event::EditDiscarded { disk } => format!("The editor quits: the changes to /dev/{disk} are forgotten, the disk is untouched."),
        Event::TableWritten { disk, kind, parts } => format!("The {kind} table with {} partitions is written to /dev/{disk}'s sectors.", parts.len()),
        Event::TableDestroyed { disk } => format!("The bytes that held /dev/{disk}'s partition table were overwritten: no table is left on the disk."),
        Event::PartitionAppeared { dev, .. } => format!("The kernel re-reads the table and registers {}.", path(dev)),
        Event::PartitionVanished { dev, .. } => format!("The kernel re-reads the table and drops {}.", path(dev)),
        Event::RereadRefused { disk } => format!("The kernel keeps its old view of /dev/{disk}: a partition is in use, so it refuses to re-read."),
        Event::FilesystemCreated { dev, fstype } => format!("An {fstype} signature and metadata are written to {}.", path(dev)),
        Event::SignatureWiped { dev } => format!("The signature on {} is erased.", path(dev)),
        Event::Mounted { dev, target } => format!("{} is mounted on {target}.", path(dev)),
        Event::Unmounted { dev, target } => format!("{} is unmounted from {target}.", path(dev)),
        Event::SwapOn { dev } => format!("{} is in use as swap.", path(dev)),
        Event::SwapOff { dev } => format!("{} is no longer used as swap.", path(dev)),
        Event::DataDestroyed { dev, bytes } => format!("{} at the end of the filesystem on {} now lie outside the device: that data is gone.", size(*bytes), path(dev)),
        Event::FilesystemResized { dev, new_bytes } => format!("The filesystem on {} is resized to {}.", path(dev), size(*new_bytes)),
        Event::BytesWritten { dev, offset, len } => format!("{} are written to {} at byte {offset}.", size(*len), path(dev)),
        Event::PvCreated { dev } => format!("An LVM label is written to {dev}: it is now a physical volume."),
        Event::PvRemoved { dev } => format!("The LVM label on {dev} is wiped."),
        Event::VgCreated { vg, extent_bytes, pvs } => format!("Volume group {vg} pools {} PV(s), cut into {} extents.", pvs.len(), size(*extent_bytes)),
        Event::VgExtended { vg, pv, pe_count } => format!("{pv} joins {vg}, adding {pe_count} extents."),
        Event::VgReduced { vg, pv } => format!("{pv} leaves {vg}."),
        Event::VgRemoved { vg } => format!("Volume group {vg} is removed; its PVs are free again."),
        Event::LvCreated { vg, lv, role: r, .. } => format!("{vg}/{lv} is created: a {}.", role(*r)),
        Event::LvRemoved { vg, lv } => format!("{vg}/{lv} is removed and its extents are free."),
        #[cfg(feature = "vgrename")]
        Event::VgRenamed { from, to } => format!("Volume group {from} is renamed to {to}; its LVs' device names follow."),
        Event::LvRenamed { vg, from, to } => format!("{vg}/{from} is renamed to {to}."),
        Event::TpoolStacked { vg, pool, device } => format!("{vg}/{pool} gets a second device-mapper layer, {device}, once a thin volume uses it."),
        Event::LvResized { vg, lv, old_bytes, new_bytes } => format!("{vg}/{lv} changes from {} to {}.", size(*old_bytes), size(*new_bytes)),
        Event::ExtentsAllocated { vg, lv, pv, pe_start, count } => format!("{vg}/{lv} gets extents {pe_start}–{} on {pv}.", pe_start + count - 1),
        Event::ExtentsFreed { vg, lv, pv, pe_start, count } => format!("{vg}/{lv} gives back extents {pe_start}–{} on {pv}.", pe_start + count - 1),
        Event::ThinChunksAllocated { vg, pool, lv, chunks } => format!("Writes to {vg}/{lv} take {chunks} chunk(s) from pool {pool}: space is used only when written."),
        #[cfg(feature = "thin-snapshots")]
        Event::ThinSnapshotTaken { vg, lv, origin, chunks } => {
            format!("Snapshot {vg}/{lv} maps the same {chunks} chunk(s) as {origin}: nothing is copied.")
        }
        #[cfg(feature = "thin-snapshots")]
        Event::ThinChunksCopied { vg, pool, lv, chunks } => {
            format!("Writes to {vg}/{lv} copy {chunks} shared chunk(s) to new chunks of pool {pool} first: the snapshot keeps the old ones.")
        }
        #[cfg(feature = "thin-snapshots")]
        Event::ThinChunksFreed { vg, pool, lv, chunks, returned } if chunks != returned => {
            format!("{vg}/{lv} lets go of {chunks} chunk(s); {returned} go back to pool {pool}, the rest are shared.")
        }
        Event::ThinChunksFreed { vg, pool, lv, chunks, .. } => format!("{chunks} chunk(s) of {vg}/{lv} go back to pool {pool}."),
        #[cfg(feature = "thin-snapshots")]
        Event::ThinSnapshotMerged { vg, pool, snapshot, origin, returned } => {
            format!("{vg}/{origin} rolls back to snapshot {snapshot}'s chunks; {returned} chunk(s) go back to pool {pool}.")
        }
        Event::ThinPoolFull { vg, pool } => format!("Pool {vg}/{pool} is full: writes to its thin volumes fail."),
        Event::FileCreated { path, dir } => format!("{} {path} is created.", if *dir { "Directory" } else { "File" }),
        Event::FileWritten { path, len, .. } => format!("{} are written to {path}.", size(*len)),
        Event::FileResized { path, size: s } => format!("{path} is now {} long.", size(*s)),
        Event::FileRemoved { path } => format!("{path} is removed."),
        Event::ImageLaidOut { layout: l } => image_caption(l),
        Event::GuestRead { image, guest_offset } => format!("The guest reads its disk at byte {guest_offset} of {}.", file_name(image)),
        Event::L1EntryRead { l1_index, l2_offset: 0, .. } => format!("L1 entry {l1_index} is empty: no L2 table, so the guest reads zeros."),
        Event::L1EntryRead { l1_index, l2_offset, .. } => format!("L1 entry {l1_index} points to the L2 table at file offset {l2_offset:#x}."),
        Event::L2EntryRead { l2_index, host_offset: 0, .. } => format!("L2 entry {l2_index} is empty: the cluster was never written, so the guest reads zeros."),
        Event::L2EntryRead { l2_index, host_offset, .. } => format!("L2 entry {l2_index} points to the data cluster at file offset {host_offset:#x}: one more read gets the bytes."),
        _ => zfs_caption(e),
    }
}

fn file_name(path: &str) -> &str {
    path.rsplit('/').next().unwrap_or(path)
}

fn image_caption(l: &crate::core::image::ImageLayout) -> String {
    let kind = if l.qcow2 { "qcow2" } else { "raw" };
    format!("{} ({kind}, {} virtual) now takes {} on the host; ls -l says {}.", file_name(&l.path), size(l.virtual_bytes), size(l.alloc_bytes), size(l.file_bytes))
}

/// ZFS's captions; the browser build has no ZFS, so it leaves their text out.
#[cfg(feature = "zfs")]
fn zfs_caption(e: &Event) -> String {
    match e {
        Event::PoolCreated { pool, devices, size_bytes, .. } => format!("Pool {pool} is created on {} ({}).", devices.join(", "), size(*size_bytes)),
        Event::PoolDestroyed { pool } => format!("Pool {pool} is destroyed; its devices are free again."),
        Event::VdevAttached { pool, dev, to } => format!("{dev} is attached to {to} in {pool}: they now mirror each other."),
        Event::VdevDetached { pool, dev } => format!("{dev} is detached from {pool}."),
        Event::VdevOffline { pool, dev } => format!("{dev} in {pool} is taken offline."),
        Event::VdevOnline { pool, dev } => format!("{dev} in {pool} is back online."),
        Event::VdevReplaced { pool, old, new } => format!("{new} replaces {old} in {pool}."),
        Event::Resilvered { dev, bytes, .. } => format!("{} the device missed are copied to {dev} (resilver).", size(*bytes)),
        Event::DatasetCreated { dataset, volume_bytes: Some(v) } => format!("Volume {dataset} ({}) is created.", size(*v)),
        Event::DatasetCreated { dataset, volume_bytes: None } => format!("Filesystem {dataset} is created."),
        Event::DatasetDestroyed { dataset } => format!("{dataset} is destroyed and its blocks are freed."),
        Event::PropertySet { dataset, property, value } => format!("{dataset}: {property} is set to {value}."),
        Event::BlockAllocated { block } => format!("A new {} block of {} gets fresh space: the old one is not overwritten.", block.kind, block.dataset),
        Event::BlockWritten { dev, offset_bytes, size_bytes, .. } => format!("{} are written to {} at byte {offset_bytes}.", size(*size_bytes), path(dev)),
        Event::PointerRewritten { child, parent, .. } => format!("The {parent} above it now points at the new {} block, with its checksum.", child.kind),
        Event::UberblockWritten { pool, txg, .. } => format!("Uberblock for txg {txg} is written: {pool}'s new tree is now the current one."),
        Event::ChecksumMismatch { dev, .. } => format!("The copy read from {} does not match the checksum in its parent: bit rot detected.", path(dev)),
        Event::BlockHealed { dev, .. } => format!("The bad copy on {} is rewritten from a good one.", path(dev)),
        Event::BlockUnrecoverable { block, .. } => format!("No copy of a {} block of {} is good: its data is lost.", block.kind, block.dataset),
        Event::BlockFreed { block } => format!("A {} block of {} is no longer referenced and is freed.", block.kind, block.dataset),
        Event::BlockRetained { snapshot, .. } => format!("The replaced block stays on disk: {snapshot} still holds it."),
        Event::SnapshotTaken { snapshot, .. } => format!("Snapshot {snapshot} records the current root pointer: no data is copied."),
        Event::SnapshotDestroyed { snapshot } => format!("Snapshot {snapshot} is destroyed; blocks only it held are freed."),
        #[cfg(feature = "zfs")]
        Event::BookmarkCreated { bookmark, txg } => format!("Bookmark {bookmark} records a snapshot's txg {txg} and guid: it holds no blocks."),
        #[cfg(feature = "zfs")]
        Event::BookmarkDestroyed { bookmark } => format!("Bookmark {bookmark} is destroyed; no blocks are freed."),
        #[cfg(feature = "zfs")]
        Event::RaidDriveCreated { disk, member_bytes } => format!("A RAID controller mirrors two {} disks and shows Linux one: {disk}.", size(*member_bytes)),
        #[cfg(feature = "zfs")]
        Event::RaidMemberCorrupted { disk, member, offset_bytes } => format!("Bit rot on member {member} of {disk} at byte {offset_bytes}: the controller keeps no checksum, so nothing notices."),
        #[cfg(feature = "zfs")]
        Event::RaidMemberFailed { disk, member } => format!("Member {member} of {disk} dies; the controller reads the other one."),
        #[cfg(feature = "zfs")]
        Event::RaidMembersResynced { disk, bytes } => format!("The controller's check copied {} of member 0 over member 1 of {disk}: it cannot tell which copy was right.", size(*bytes)),
        Event::RolledBack { dataset, snapshot, .. } => format!("{dataset} points at {snapshot}'s tree again; newer blocks are freed."),
        Event::ScrubStarted { pool, total_bytes } => format!("A scrub of {pool} starts: {} to examine.", size(*total_bytes)),
        Event::ScrubProgressed { examined_bytes, total_bytes, .. } => format!("Scrub: {} of {} examined.", size(*examined_bytes), size(*total_bytes)),
        Event::ScrubFinished { repaired_bytes, errors, .. } => format!("Scrub done: {} repaired, {errors} errors.", size(*repaired_bytes)),
        Event::ScrubCanceled { pool } => format!("The scrub of {pool} is canceled."),
        Event::ErrorsCleared { pool } => format!("{pool}'s error counters are reset."),
        _ => String::new(),
    }
}

#[cfg(not(feature = "zfs"))]
fn zfs_caption(_: &Event) -> String {
    String::new()
}
