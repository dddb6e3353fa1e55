//! ZFS as a data model: pools of vdevs, a copy-on-write block tree whose
//! every byte goes through the machine's block I/O, snapshots, and
//! self-healing reads.
//!
//! A `Pool` (`pool`) is a vdev tree (`vdev`: disks, mirrors, raidz1) over
//! devices of the registry. Its blocks form one tree: the uberblock (`label`)
//! points at the MOS object set, whose dnodes (`dnode`) hold each dataset's
//! record, which points at that dataset's object set, whose dnodes point
//! through indirect blocks at data blocks. Every edge is a `Blkptr`
//! (`blkptr`) carrying the child's DVAs, its checksum (`checksum`) and its
//! birth txg. `dmu` gathers one operation's changes as dirty buffers and
//! syncs them as one txg: new blocks first, then every parent up to a new
//! uberblock. `zio` allocates, writes copies, and on reads verifies the
//! checksum, falls back to other copies (mirror sides, raidz1 parity, ditto
//! DVAs) and rewrites bad ones. `dsl` keeps datasets, snapshots and their
//! dead lists and space accounting; `zpl` files and directories; `scrub`
//! walks the tree. `arc` is the read cache the data blocks go through.
//!
//! Simplified, against OpenZFS 2.2: the DSL's bookkeeping (names,
//! properties, snapshot lists, dead lists), the space maps and the error
//! log live in memory rather than in MOS objects (each dataset's record and
//! root pointer are in the MOS); metadata is compressed with ZLE, not lz4;
//! no ZIL, dedup, encryption, gang blocks, clones or bookmarks; one
//! operation is one txg.

#[cfg(feature = "zfs")]
pub mod arc;
pub mod blkptr;
pub mod checksum;
mod dmu;
pub mod dnode;
pub mod dsl;
mod fzap;
pub mod label;
pub mod nvlist;
pub mod pool;
pub mod props;
pub mod scrub;
pub mod vdev;
pub mod zap;
mod zio;
pub mod zpl;
#[cfg(feature = "zfs")]
pub mod written;
#[cfg(feature = "zfs")]
pub mod bookmark;

pub use blkptr::{Blkptr, Dva, ObjType};
pub use checksum::{ChecksumAlg, Cksum};
pub use dmu::{Bookmark, Os};
pub(crate) use dmu::Tx;
pub use dsl::{Dataset, DatasetKind, Props, Snapshot, Space};
pub use pool::{LoggedError, Pool, VdevSpec};
pub use zpl::ZStat;
pub use vdev::{ErrorCounts, Leaf, LeafState, TopVdev, VdevKind};
#[cfg(feature = "zfs")]
pub use vdev::LeafTask;

use crate::core::device::DevId;
use crate::core::media::Chunk;

/// The block devices under a pool, as ZFS reads and writes them.
pub trait Disks {
    fn read(&self, dev: DevId, offset: u64, len: u64) -> Option<Vec<u8>>;
    /// Writes a chunk; false when the device refused it.
    fn write(&mut self, dev: DevId, offset: u64, chunk: Chunk) -> bool;
    fn size(&self, dev: DevId) -> u64;
    /// The device's name for events (`sdb1`).
    fn name(&self, dev: DevId) -> String;
    /// The range as one described piece (all zeros when never written), or
    /// `None` when it holds several pieces or literal bytes would be needed.
    fn read_described(&self, _dev: DevId, _offset: u64, _len: u64) -> Option<Chunk> {
        None
    }
}

/// Every imported pool of a machine.
#[derive(Debug, Default, PartialEq, Eq)]
#[cfg_attr(feature = "zfs", derive(Clone))]
pub struct Zfs {
    pub pools: Vec<Pool>,
    /// zinject's registered handlers (id, pool, vdev guid), kept for its
    /// listing and `-c`; the rot itself is done when one is added.
    pub injections: Vec<(u32, String, u64)>,
    /// The next handler's id (`inject_next_id`: ids are never reused).
    pub next_injection: u32,
    /// The host's one ARC, shared by copies of the machine until one of
    /// them reads or writes (a copy for every undo step would be costly).
    #[cfg(feature = "zfs")]
    pub arc: std::rc::Rc<arc::Arc>,
    /// Pools `zpool export` left on their devices, for `zpool import`. The
    /// lab keeps the DSL's bookkeeping in memory, so an exported pool's
    /// state waits here; its devices' labels decide whether it can return.
    #[cfg(feature = "zfs")]
    pub exported: Vec<Pool>,
}

/// Without the `zfs` feature (the browser build) no command can create a
/// pool, so a copy of the machine (undo, replay) has none to copy either;
/// saying so keeps the pools' copying code out of that bundle
/// (measured: 2.3 KB gzipped of dist/).
#[cfg(not(feature = "zfs"))]
impl Clone for Zfs {
    fn clone(&self) -> Zfs {
        Zfs::default()
    }
}

impl Zfs {
    pub fn pool(&self, name: &str) -> Option<&Pool> {
        self.pools.iter().find(|p| p.name == name)
    }

    pub fn pool_mut(&mut self, name: &str) -> Option<&mut Pool> {
        self.pools.iter_mut().find(|p| p.name == name)
    }

    /// The pool a device is a leaf of (none without the `zfs` feature, which
    /// keeps the walk over vdevs out of the browser build).
    pub fn pool_of_dev(&self, dev: DevId) -> Option<&Pool> {
        if !cfg!(feature = "zfs") {
            return None;
        }
        self.pools.iter().find(|p| p.leaves().any(|l| l.dev == dev))
    }
}

/// Why a ZFS operation failed. The texts are ZFS's own where it has one; the
/// console adds the command's framing (`cannot open 'x': `...).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ZfsError {
    NoSuchPool(String),
    PoolExists(String),
    NoSuchDataset(String),
    DatasetExists(String),
    ParentMissing(String),
    /// `zpool create`'s "invalid vdev specification" with its reason.
    InvalidVdev(String),
    /// A device is part of a pool, mounted, or held by another device.
    DeviceBusy { dev: DevId, why: String },
    /// A device carries a signature; `-f` overrides.
    HasSignature { dev: DevId, fstype: String },
    DeviceTooSmall(DevId),
    NoSuchDevice(DevId),
    NoValidReplicas(DevId),
    NotAMirror(DevId),
    MoreRecentSnapshots { target: String, snapshots: Vec<String> },
    HasChildren { dataset: String, children: Vec<String> },
    BadProperty { property: String, value: String, why: String },
    NoSpace,
    /// Clones depend on the snapshot (or the snapshots of the dataset).
    HasClones { dataset: String, clones: Vec<String> },
    /// `zfs clone` into another pool.
    PoolsDiffer(String),
    /// A write would pass a quota (`EDQUOT`).
    #[cfg(feature = "zfs")]
    QuotaExceeded,
    /// A device holds a label of an exported pool; `-f` overrides.
    #[cfg(feature = "zfs")]
    ExportedMember { dev: DevId, pool: String },
    /// A block could not be read from any copy: the data is lost.
    Io,
    NotFound,
    Exists,
    NotADirectory,
    IsADirectory,
    NotEmpty,
    NameTooLong,
    NotAVolume(String),
    NotAFilesystem(String),
    NoActiveScrub(String),
    ScrubPaused(String),
    /// A scrub asked for during a resilver (EZFS_RESILVERING), after "cannot ... POOL".
    Resilvering(String),
    /// `zfs destroy` of a volume whose device is open (mounted, a PV, a vdev).
    DatasetBusy(String),
    /// `zpool destroy` of a pool with such a volume.
    PoolBusy(String),
    /// Destroying a snapshot with user holds (EBUSY).
    #[cfg(feature = "zfs")]
    SnapshotHeld(String),
    /// The dataset was made, but its mount point could not be: it lies
    /// in a read-only filesystem (`zfs_mount_at`'s mkdirp failed).
    MountpointReadOnly(String),
    /// One device named twice: the kernel's exclusive open of the second
    /// fails (EBUSY from `ZFS_IOC_POOL_CREATE` or `ZFS_IOC_VDEV_ADD`).
    SameDevice,
}

impl std::fmt::Display for ZfsError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ZfsError::NoSuchPool(p) => write!(f, "cannot open '{p}': no such pool"),
            ZfsError::PoolExists(p) => write!(f, "cannot create '{p}': pool already exists"),
            ZfsError::NoSuchDataset(d) => write!(f, "cannot open '{d}': dataset does not exist"),
            ZfsError::DatasetExists(d) => write!(f, "cannot create '{d}': dataset already exists"),
            ZfsError::ParentMissing(d) => write!(f, "cannot create '{d}': parent does not exist"),
            ZfsError::InvalidVdev(why) => write!(f, "invalid vdev specification: {why}"),
            ZfsError::DeviceBusy { why, .. } => write!(f, "device is busy: {why}"),
            ZfsError::HasSignature { fstype, .. } => write!(f, "device contains a filesystem of type '{fstype}'"),
            ZfsError::DeviceTooSmall(_) => write!(f, "one or more devices is less than the minimum size (64M)"),
            ZfsError::NoSuchDevice(_) => write!(f, "no such device in pool"),
            ZfsError::NoValidReplicas(_) => write!(f, "no valid replicas"),
            ZfsError::NotAMirror(_) => write!(f, "only applicable to mirror and replacing vdevs"),
            ZfsError::MoreRecentSnapshots { target, .. } => {
                write!(f, "cannot rollback to '{target}': more recent snapshots or bookmarks exist")
            }
            ZfsError::HasChildren { dataset, .. } => write!(f, "cannot destroy '{dataset}': filesystem has children"),
            ZfsError::BadProperty { property, value, why } => write!(f, "bad property value '{value}' for '{property}': {why}"),
            ZfsError::NoSpace => write!(f, "out of space"),
            ZfsError::HasClones { dataset, .. } => write!(f, "cannot destroy '{dataset}': dependent clones exist"),
            ZfsError::PoolsDiffer(name) => write!(f, "cannot create '{name}': source and target pools differ"),
            #[cfg(feature = "zfs")]
            ZfsError::QuotaExceeded => write!(f, "Disk quota exceeded"),
            #[cfg(feature = "zfs")]
            ZfsError::ExportedMember { pool, .. } => write!(f, "device is part of exported pool '{pool}'"),
            ZfsError::Io => write!(f, "Input/output error"),
            ZfsError::NotFound => write!(f, "No such file or directory"),
            ZfsError::Exists => write!(f, "File exists"),
            ZfsError::NotADirectory => write!(f, "Not a directory"),
            ZfsError::IsADirectory => write!(f, "Is a directory"),
            ZfsError::NotEmpty => write!(f, "Directory not empty"),
            ZfsError::NameTooLong => write!(f, "File name too long"),
            ZfsError::NotAVolume(d) => write!(f, "'{d}' is not a volume"),
            ZfsError::NotAFilesystem(d) => write!(f, "'{d}' is not a filesystem"),
            ZfsError::NoActiveScrub(p) => write!(f, "cannot cancel scrubbing {p}: there is no active scrub"),
            ZfsError::ScrubPaused(p) => write!(f, "cannot pause scrubbing {p}: scrub is paused; use 'zpool scrub' to resume scrub"),
            ZfsError::Resilvering(what) => write!(f, "{what}: currently resilvering"),
            ZfsError::DatasetBusy(d) => write!(f, "cannot destroy '{d}': dataset is busy"),
            ZfsError::PoolBusy(p) => write!(f, "cannot destroy '{p}': pool is busy"),
            #[cfg(feature = "zfs")]
            ZfsError::SnapshotHeld(s) => write!(f, "cannot destroy snapshot {s}: dataset is busy"),
            ZfsError::SameDevice => write!(f, "one or more vdevs refer to the same device"),
            ZfsError::MountpointReadOnly(mp) => write!(f, "cannot mount '{mp}': failed to create mountpoint: Read-only file system"),
        }
    }
}

#[cfg(test)]
mod tests;

/// A block's name in the ARC; none for a hole.
#[cfg(feature = "zfs")]
fn arc_key(pool: &Pool, bp: &Blkptr) -> Option<arc::ArcKey> {
    let dva = bp.dvas.first()?;
    Some(arc::ArcKey { spa_guid: pool.guid, vdev: dva.vdev as u64, offset: dva.offset, birth_txg: bp.birth_txg })
}
