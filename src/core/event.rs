//! Events: what a command did, as past-tense facts the figures animate.
//!
//! The core returns these beside the new state; it never decides how they look.
//! Each event carries what a figure needs to redraw itself from the previous
//! frame, so the animation can be stepped forwards and backwards. Devices are
//! named as lsblk names them (`sdb1`, `nvme0n1p2`, `vg-lv`); PVs by path.

/// A partition as a table records it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PartInfo {
    pub number: u32,
    pub start_lba: u64,
    pub size_sectors: u64,
    pub type_name: String,
}

/// What an LV is, as the figures draw it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LvRole {
    Linear,
    Pool,
    Thin,
    PoolData,
    PoolMeta,
    Spare,
}

/// A ZFS block as the figures name it: whose it is, what it holds, where
/// its copies are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ZBlock {
    pub pool: String,
    /// `rpool/data`, `rpool/data@snap`, or `$MOS`.
    pub dataset: String,
    /// `data`, `indirect`, `dnode`, `objset`, `zap`, `dataset` or `other`.
    pub kind: &'static str,
    pub level: u8,
    pub birth_txg: u64,
    /// (top-level vdev, offset, allocated bytes) of each copy.
    pub dvas: Vec<(u32, u64, u64)>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// A new blank disk was plugged in.
    DiskAttached { disk: String, transport: &'static str, size_bytes: u64 },
    /// A loop device let go of its file (`losetup -d`).
    #[cfg(feature = "loop-devices")]
    DiskDetached { disk: String },
    /// An editor opened a disk's existing table to change it in memory.
    EditorOpened { disk: String, kind: &'static str, parts: Vec<PartInfo> },
    /// An editor created a new, empty label in memory (fdisk `g`/`o`).
    LabelCreated { disk: String, kind: &'static str },
    /// An editor added a partition to its in-memory label; nothing is on disk yet.
    PartitionPlanned { disk: String, part: PartInfo },
    /// An editor removed a partition from its in-memory label.
    PartitionUnplanned { disk: String, number: u32 },
    /// An editor changed a partition's type in memory.
    PartitionTypeChanged { disk: String, number: u32, type_name: String },
    /// The in-memory label was discarded without writing (fdisk `q`).
    EditDiscarded { disk: String },
    /// A partition table was written to the disk's sectors.
    TableWritten { disk: String, kind: &'static str, parts: Vec<PartInfo> },
    /// A write over the disk's first or last sectors left no readable table.
    TableDestroyed { disk: String },
    /// The kernel re-read the table and registered a partition; `fstype` is a
    /// signature already in the bytes it covers, and `fs_larger` says that
    /// filesystem is larger than the partition.
    PartitionAppeared { disk: String, dev: String, number: u32, start_lba: u64, size_sectors: u64, fstype: Option<String>, fs_larger: bool },
    /// The kernel re-read the table and dropped a partition.
    PartitionVanished { disk: String, dev: String, number: u32 },
    /// The kernel refused to re-read the table because a partition is in use.
    RereadRefused { disk: String },
    /// A filesystem or swap signature was written to a device.
    FilesystemCreated { dev: String, fstype: String },
    /// Signatures were erased from a device (wipefs, pvcreate over a filesystem).
    SignatureWiped { dev: String },
    Mounted { dev: String, target: String },
    Unmounted { dev: String, target: String },
    SwapOn { dev: String },
    SwapOff { dev: String },
    PvCreated { dev: String },
    PvRemoved { dev: String },
    /// A VG was created over PVs of `pe_count` extents each.
    VgCreated { vg: String, extent_bytes: u64, pvs: Vec<(String, u64)> },
    VgExtended { vg: String, pv: String, pe_count: u64 },
    VgReduced { vg: String, pv: String },
    VgRemoved { vg: String },
#[cfg(feature = "vgrename")]
    VgRenamed { from: String, to: String },
    /// An LV was created with no extents yet; `device` is its device-mapper
    /// name when it gets one. A thin volume has its virtual size, a pool its
    /// chunk size.
    LvCreated { vg: String, lv: String, role: LvRole, virtual_bytes: u64, chunk_bytes: u64, pool: Option<String>, device: Option<String> },
    LvRemoved { vg: String, lv: String },
    LvRenamed { vg: String, from: String, to: String },
    /// lvm2 stacked a `-tpool` device under a pool for its first thin volume.
    TpoolStacked { vg: String, pool: String, device: String },
    /// Physical extents were mapped into a logical volume.
    ExtentsAllocated { vg: String, lv: String, pv: String, pe_start: u64, count: u64 },
    /// Physical extents were returned to the volume group's free space.
    ExtentsFreed { vg: String, lv: String, pv: String, pe_start: u64, count: u64 },
    /// A logical volume changed size.
    LvResized { vg: String, lv: String, old_bytes: u64, new_bytes: u64 },
    /// A thin volume's writes took chunks from its pool.
    ThinChunksAllocated { vg: String, pool: String, lv: String, chunks: u64 },
    /// A thin snapshot of `origin` maps the same `chunks` chunks: nothing is copied.
    #[cfg(feature = "thin-snapshots")]
    ThinSnapshotTaken { vg: String, lv: String, origin: String, chunks: u64 },
    /// A thin volume's writes found chunks it shares with a snapshot (or its
    /// origin): each was copied to a new pool chunk before the write.
    #[cfg(feature = "thin-snapshots")]
    ThinChunksCopied { vg: String, pool: String, lv: String, chunks: u64 },
    /// A thin volume let go of `chunks` chunks (a discard, a shrink, its
    /// removal); `returned` of them went back to the pool, the rest are still
    /// shared with a snapshot or its origin.
    ThinChunksFreed { vg: String, pool: String, lv: String, chunks: u64, returned: u64 },
    /// `lvconvert --merge`: the origin now maps what its thin snapshot mapped
    /// (a rollback), the snapshot is gone, and `returned` chunks only the old
    /// origin held went back to the pool.
    #[cfg(feature = "thin-snapshots")]
    ThinSnapshotMerged { vg: String, pool: String, snapshot: String, origin: String, returned: u64 },
    /// A write to a classic snapshot's origin (or to the snapshot) first
    /// copied the chunks it changes into the snapshot's store.
    ChunksCopied { vg: String, snapshot: String, chunks: u64 },
    /// A classic snapshot's store filled up: dm-snapshot invalidated it.
    SnapshotInvalidated { vg: String, snapshot: String },
    /// A classic snapshot was merged back: its origin has its old chunks again.
    SnapshotMerged { vg: String, snapshot: String, origin: String, chunks: u64 },
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
    /// A command left a disk image file laid out like this.
    ImageLaidOut { layout: crate::core::image::ImageLayout },
    /// The guest read its disk at `guest_offset` (raw: the same file offset).
    GuestRead { image: String, guest_offset: u64 },
    /// qcow2 read the L1 entry covering the guest cluster: the L2 table's
    /// offset in the file (0: none, the guest reads zeros).
    L1EntryRead { image: String, l1_index: u64, l2_offset: u64 },
    /// qcow2 read the L2 entry: the cluster's offset in the file (0: none).
    L2EntryRead { image: String, l2_index: u64, host_offset: u64 },
    /// A ZFS pool was created over these top-level vdevs and devices.
    PoolCreated { pool: String, vdevs: Vec<String>, devices: Vec<String>, size_bytes: u64 },
    PoolDestroyed { pool: String },
    /// A device joined a mirror (or made a single disk a mirror) next to `to`.
    VdevAttached { pool: String, dev: String, to: String },
    VdevDetached { pool: String, dev: String },
    VdevOffline { pool: String, dev: String },
    VdevOnline { pool: String, dev: String },
    VdevReplaced { pool: String, old: String, new: String },
    /// The blocks a device missed were copied to it from the other copies.
    Resilvered { pool: String, dev: String, bytes: u64 },
    DatasetCreated { dataset: String, volume_bytes: Option<u64> },
    DatasetDestroyed { dataset: String },
    PropertySet { dataset: String, property: String, value: String },
    /// Space was found for a new block's copies (copy-on-write never reuses a live block).
    BlockAllocated { block: ZBlock },
    /// One leaf device received its part of a block.
    BlockWritten { pool: String, dev: String, offset_bytes: u64, size_bytes: u64 },
    /// A parent now points at a new child, with the child's checksum; `parent`
    /// is `indirect`, `dnode` or `dataset`.
    PointerRewritten { child: ZBlock, parent: &'static str, checksum: [u64; 4] },
    /// A transaction group ended with a new uberblock pointing at the MOS.
    UberblockWritten { pool: String, txg: u64, root: (u32, u64) },
    /// A copy read from a device did not match its parent's checksum.
    ChecksumMismatch { pool: String, dev: String, offset_bytes: u64, size_bytes: u64, expected: [u64; 4], actual: [u64; 4] },
    /// A bad copy was rewritten with good bytes from another copy.
    BlockHealed { pool: String, dev: String, offset_bytes: u64, size_bytes: u64 },
    /// No copy of a block was good: its data is lost.
    BlockUnrecoverable { block: ZBlock, object: u64, blkid: u64 },
    BlockFreed { block: ZBlock },
    /// A replaced block stays allocated because a snapshot still holds it.
    BlockRetained { block: ZBlock, snapshot: String },
    SnapshotTaken { snapshot: String, txg: u64 },
    SnapshotDestroyed { snapshot: String },
    #[cfg(feature = "zfs")]
    HoldPlaced { snapshot: String, tag: String },
    #[cfg(feature = "zfs")]
    HoldReleased { snapshot: String, tag: String },
    #[cfg(feature = "zfs")]
    BookmarkCreated { bookmark: String, txg: u64 },
    #[cfg(feature = "zfs")]
    BookmarkDestroyed { bookmark: String },
    /// A RAID logical drive was set up over two member disks.
    #[cfg(feature = "zfs")]
    RaidDriveCreated { disk: String, member_bytes: u64 },
    /// Bits flipped on one member disk of a RAID logical drive, below the controller.
    #[cfg(feature = "zfs")]
    RaidMemberCorrupted { disk: String, member: usize, offset_bytes: u64 },
    /// A member disk died; the drive runs on the other.
    #[cfg(feature = "zfs")]
    RaidMemberFailed { disk: String, member: usize },
    /// The controller's consistency check copied the first member over the
    /// second where they differed.
    #[cfg(feature = "zfs")]
    RaidMembersResynced { disk: String, bytes: u64 },
    RolledBack { dataset: String, snapshot: String, txg: u64 },
    ScrubStarted { pool: String, total_bytes: u64 },
    ScrubProgressed { pool: String, examined_bytes: u64, total_bytes: u64 },
    ScrubFinished { pool: String, repaired_bytes: u64, errors: u64 },
    ScrubCanceled { pool: String },
    ErrorsCleared { pool: String },
}
