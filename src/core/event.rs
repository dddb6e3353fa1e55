//! Events: what a command did, as past-tense facts the figures animate.
//!
//! The core returns these beside the new state; it never decides how they look.
//! Devices are named by kernel name (`sdb1`, `nvme0n1p2`) or, for LVM, by `vg/lv`.

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// A new blank disk was plugged in.
    DiskAttached { disk: String },
    /// An editor created a new, empty label in memory (fdisk `g`/`o`).
    LabelCreated { disk: String, kind: &'static str },
    /// An editor added a partition to its in-memory label; nothing is on disk yet.
    PartitionPlanned { disk: String, number: u32, start_lba: u64, size_sectors: u64 },
    /// An editor removed a partition from its in-memory label.
    PartitionUnplanned { disk: String, number: u32 },
    /// An editor changed a partition's type in memory.
    PartitionTypeChanged { disk: String, number: u32, type_name: String },
    /// The in-memory label was discarded without writing (fdisk `q`).
    EditDiscarded { disk: String },
    /// A partition table was written to the disk's sectors.
    TableWritten { disk: String, kind: &'static str },
    /// The kernel re-read the table and registered a partition.
    PartitionAppeared { dev: String, start_lba: u64, size_sectors: u64 },
    /// The kernel re-read the table and dropped a partition.
    PartitionVanished { dev: String },
    /// The kernel refused to re-read the table because a partition is in use.
    RereadRefused { disk: String },
    /// A filesystem or swap signature was written to a device.
    FilesystemCreated { dev: String, fstype: String },
    Mounted { dev: String, target: String },
    Unmounted { dev: String, target: String },
    PvCreated { dev: String },
    PvRemoved { dev: String },
    VgCreated { vg: String },
    VgExtended { vg: String, pv: String },
    VgReduced { vg: String, pv: String },
    VgRemoved { vg: String },
    LvCreated { vg: String, lv: String },
    LvRemoved { vg: String, lv: String },
    LvRenamed { vg: String, from: String, to: String },
    /// Physical extents were mapped into a logical volume.
    ExtentsAllocated { vg: String, lv: String, pv: String, pe_start: u64, count: u64 },
    /// Physical extents were returned to the volume group's free space.
    ExtentsFreed { vg: String, lv: String, pv: String, pe_start: u64, count: u64 },
    /// A logical volume changed size.
    LvResized { vg: String, lv: String, old_bytes: u64, new_bytes: u64 },
    /// A thin volume's writes took chunks from its pool.
    ThinChunksAllocated { vg: String, pool: String, lv: String, chunks: u64 },
    /// A discard gave a thin volume's chunks back to its pool.
    ThinChunksFreed { vg: String, pool: String, lv: String, chunks: u64 },
    /// A thin pool ran out of data space and writes failed.
    ThinPoolFull { vg: String, pool: String },
    /// Data beyond a shrunken device's new end was destroyed.
    DataDestroyed { dev: String, bytes: u64 },
    /// A filesystem was grown or shrunk to match its device.
    FilesystemResized { dev: String, new_bytes: u64 },
    /// A file or directory was created.
    FileCreated { path: String, dir: bool },
    /// Bytes were written into a file.
    FileWritten { path: String, offset: u64, len: u64 },
    /// A file's size was set (truncate, fallocate).
    FileResized { path: String, size: u64 },
    /// A file or directory was removed.
    FileRemoved { path: String },
    /// Bytes were written to a block device (through whatever lies below it).
    BytesWritten { dev: String, offset: u64, len: u64 },
}
