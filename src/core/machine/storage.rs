//! Filesystems, mounts and swap areas.
//!
//! `mkfs` writes a filesystem's signature to the device's bytes and keeps a
//! record of its contents (a `vfs::Tree`) keyed by the UUID in that signature;
//! `mount` probes the bytes, so a wiped superblock cannot be mounted and a
//! re-created partition over an intact one can. Mounts and swaps refer to
//! devices by `DevId`. Simplified: only ext4's space accounting is exact;
//! XFS and FAT use the same tree with a plain 4 KiB block map.

use super::Machine;
#[cfg(feature = "loop-devices")]
use super::IoError;
use crate::core::device::DevId;
use crate::core::event::Event;
use crate::core::ext4::Geometry;
use crate::core::media::{Chunk, Media};
use crate::core::signature::{self, Ext4Layout, FsType};
use crate::core::vfs::{Space, StatFs, Tree};

/// A filesystem's contents, beyond its signature.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Filesystem {
    pub fstype: FsType,
    pub uuid: String,
    pub tree: Tree,
    /// Where block 0 of the tree's data area lies on the device, in bytes.
    pub data_offset: u64,
    /// The root of a machine without a root disk keeps its bytes in memory.
    pub memory: Option<Media>,
    /// An ext4 filesystem's layout, which resize2fs changes.
    pub geometry: Option<Geometry>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mount {
    pub dev: DevId,
    pub target: String,
    /// The UUID of the mounted filesystem.
    pub uuid: String,
    /// The lab clock when it was mounted, which orders it among ZFS mounts.
    pub since: u64,
}

/// A filesystem or swap area to create.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NewFs {
    Ext4(Ext4Layout),
    #[cfg(feature = "xfs")]
    Xfs { uuid: String, label: String, geometry: crate::core::xfs::Geometry },
    Vfat { serial: u32, label: String },
    Swap { uuid: String, label: String },
}

/// Why a filesystem operation was refused. The console prints each tool's text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FsError {
    /// The device's bytes carry no filesystem this operation can use.
    NoFilesystem,
    /// The filesystem says it is larger than its device: it was cut short.
    Truncated,
    /// Something is already mounted on the target.
    TargetBusy,
    /// The mount point is not a directory that exists.
    NoMountPoint,
    /// Neither that target nor that device is mounted.
    NotMounted,
    /// Files below the mount point are in use (a mount inside it).
    Busy,
    /// The device has no swap signature.
    NotSwap,
    /// The swap area is already active.
    SwapActive,
    /// The swap area is not active.
    SwapInactive,
    /// The write of the signature failed.
    Io,
    /// The device is a read-only loop device (EPERM).
    #[cfg(feature = "loop-devices")]
    ReadOnly,
    /// A classic snapshot: the lab keys filesystems by UUID, so its files
    /// would be its origin's.
    Snapshot,
}

impl std::fmt::Display for FsError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            FsError::NoFilesystem => "the device holds no filesystem that can be used here",
            FsError::Truncated => "the filesystem is larger than its device, so it was damaged",
            FsError::TargetBusy => "something is already mounted there",
            FsError::NoMountPoint => "the mount point does not exist",
            FsError::NotMounted => "it is not mounted",
            FsError::Busy => "another filesystem is mounted below it",
            FsError::NotSwap => "the device holds no swap signature",
            FsError::SwapActive => "the swap area is already in use",
            FsError::SwapInactive => "the swap area is not in use",
            FsError::Io => "the device could not be written",
            #[cfg(feature = "loop-devices")]
            FsError::ReadOnly => "Operation not permitted",
            FsError::Snapshot => "the lab does not mount a classic snapshot (its files would be its origin's); read its bytes with dd or hexdump, or roll the origin back with lvconvert --merge",
        })
    }
}

/// Why a filesystem's first write failed.
fn fs_write_error(e: super::IoFailure) -> FsError {
    match e.error {
        #[cfg(feature = "loop-devices")]
        IoError::ReadOnly => FsError::ReadOnly,
        _ => FsError::Io,
    }
}

/// A tree with 4 KiB blocks filling `size_bytes` minus `used_bytes` of metadata.
fn plain_tree(size_bytes: u64, used_bytes: u64, now: u64) -> Tree {
    let total = size_bytes / 4096;
    let space = Space { block_size: 4096, total, used: (used_bytes / 4096).min(total), reserved: 0, hidden_reserve: 0, inodes: total.max(1024), system_inodes: 9 };
    Tree::new(space, 0, now)
}

/// An ext4 tree with mke2fs's geometry and the kernel's reserves.
pub fn ext4_tree(g: &Geometry, hash_seed: [u8; 16], now: u64) -> Tree {
    let space = Space {
        block_size: g.block_size,
        total: g.data_blocks(),
        used: g.initial_used,
        reserved: g.reserved_blocks,
        hidden_reserve: g.resv_clusters,
        inodes: g.inodes,
        system_inodes: 9,
    };
    let mut t = Tree::with_layout(space, g.metadata(), g.blocks, g.lost_found_blocks, now);
    t.hash_seed = Some(hash_seed);
    t.set_max_extent(32768);
    t
}

impl Machine {
    /// Writes a new filesystem or swap signature, replacing what was there.
    pub fn mkfs(&mut self, dev: DevId, fs: NewFs) -> Result<Vec<Event>, FsError> {
        let size = self.size_of(dev);
        let now = self.clock;
        // mke2fs and mkswap zero the first sectors, which removes older signatures.
        let mut events = self.write_at(dev, 0, Chunk::zeros(4096.min(size))).map_err(fs_write_error)?;
        self.wipe_signatures(dev);
        let (offset, bytes, record) = match fs {
            NewFs::Ext4(layout) => {
                let g = layout.geometry;
                let tree = ext4_tree(&g, layout.hash_seed, now);
                let uuid = uuid_text(&layout.uuid);
                (1024, signature::ext4_superblock(&layout), Some(Filesystem { fstype: FsType::Ext4, uuid, tree, data_offset: 0, memory: None, geometry: Some(g) }))
            }
            #[cfg(feature = "xfs")]
            NewFs::Xfs { uuid, label, geometry: g } => {
                let sb = signature::xfs_superblock(g.data_blocks, signature::uuid_bytes(&uuid), &label);
                let space = Space { block_size: 4096, total: g.statfs_blocks(), used: g.fresh_used_blocks(), reserved: 0, hidden_reserve: 0, inodes: g.max_inodes(), system_inodes: 2 };
                let tree = Tree::new(space, 0, now);
                (0, sb, Some(Filesystem { fstype: FsType::Xfs, uuid, tree, data_offset: 0, memory: None, geometry: None }))
            }
            NewFs::Vfat { serial, label } => {
                let bs = signature::fat32_boot_sector(size, serial, &label);
                let uuid = format!("{:04X}-{:04X}", serial >> 16, serial & 0xFFFF);
                let tree = plain_tree(size, 1 << 20, now);
                (0, bs, Some(Filesystem { fstype: FsType::Vfat, uuid, tree, data_offset: 0, memory: None, geometry: None }))
            }
            NewFs::Swap { uuid, label } => (0, signature::swap_header(size, signature::uuid_bytes(&uuid), &label), None),
        };
        let fstype = record.as_ref().map_or(FsType::Swap, |r| r.fstype);
        events.extend(self.write_at(dev, offset, Chunk::bytes(&bytes)).map_err(|_| FsError::Io)?);
        if let Some(r) = record {
            self.filesystems.retain(|f| f.uuid != r.uuid);
            self.filesystems.push(r);
        }
        // The figure follows the pool's chunks; the bytes themselves are the filesystem's.
        events.retain(|e| !matches!(e, Event::BytesWritten { .. }));
        events.push(Event::FilesystemCreated { dev: self.name_of(dev), fstype: fstype.name().into() });
        Ok(events)
    }

    pub fn name_of(&self, dev: DevId) -> String {
        self.devices.get(dev).map(|d| d.name.clone()).unwrap_or_default()
    }

    /// The record of the filesystem with this UUID.
    pub fn filesystem(&self, uuid: &str) -> Option<&Filesystem> {
        self.filesystems.iter().find(|f| f.uuid == uuid)
    }

    pub(crate) fn filesystem_mut(&mut self, uuid: &str) -> Option<&mut Filesystem> {
        self.filesystems.iter_mut().find(|f| f.uuid == uuid)
    }

    /// The filesystem a device's bytes identify, if it can be mounted.
    pub fn mountable(&self, dev: DevId) -> Result<signature::Signature, FsError> {
        let sig = self.probe(dev).filter(|s| s.fstype.is_filesystem()).ok_or(FsError::NoFilesystem)?;
        if sig.size_bytes > self.size_of(dev) {
            return Err(FsError::Truncated);
        }
        Ok(sig)
    }

    pub fn mount(&mut self, dev: DevId, target: &str) -> Result<Vec<Event>, FsError> {
        if self.mounts.iter().any(|m| m.target == target) {
            return Err(FsError::TargetBusy);
        }
        let first_root = target == "/" && self.rootfs.is_none();
        if !first_root && !self.is_dir(target) {
            return Err(FsError::NoMountPoint);
        }
        let sig = self.mountable(dev)?;
        if matches!(self.devices.get(dev).map(|d| &d.kind), Some(crate::core::device::DevKind::Lv { role: crate::core::device::LvRole::Snapshot, .. })) {
            return Err(FsError::Snapshot);
        }
        if self.filesystem(&sig.uuid).is_none() {
            // A signature copied from elsewhere (dd) mounts as an empty filesystem.
            let geometry = Geometry::for_size(sig.size_bytes).filter(|_| sig.fstype == FsType::Ext4);
            let tree = match &geometry {
                Some(g) => ext4_tree(g, [0; 16], self.clock),
                None => plain_tree(sig.size_bytes, 0, self.clock),
            };
            self.filesystems.push(Filesystem { fstype: sig.fstype, uuid: sig.uuid.clone(), tree, data_offset: 0, memory: None, geometry });
        }
        let journal = sig.fstype == FsType::Ext4;
        self.mounts.push(Mount { dev, target: target.into(), uuid: sig.uuid, since: self.clock });
        let mut events = if journal { self.ext4_superblock_mounted(dev, Some(target)) } else { Vec::new() };
        events.push(Event::Mounted { dev: self.name_of(dev), target: target.into() });
        Ok(events)
    }

    /// What the kernel writes in an ext4 superblock at mount (`target`) and
    /// at unmount (None): the `needs_recovery` flag (INCOMPAT_RECOVER) while
    /// the journal is live, and at mount `s_mtime` and `s_last_mounted`
    /// (which ext4 really records at the first file opened), as `file -s`
    /// and mke2fs's question show them.
    fn ext4_superblock_mounted(&mut self, dev: DevId, target: Option<&str>) -> Vec<Event> {
        // Only `file` and mke2fs's question read these fields, and both
        // are native (the browser's budget).
        if cfg!(not(feature = "mke2fs-options")) {
            return Vec::new();
        }
        // s_mtime (0x2C) to the end of s_last_mounted (0xC8).
        const START: u64 = 1024 + 0x2C;
        let Ok(mut b) = self.read_at(dev, START, 0xC8 - 0x2C) else { return Vec::new() };
        let old = b.clone();
        let incompat = 0x60 - 0x2C;
        match target {
            Some(path) => {
                b[incompat] |= 4;
                b[0..4].copy_from_slice(&(self.clock as u32).to_le_bytes());
                let last = &mut b[0x88 - 0x2C..];
                last.fill(0);
                let path = path.as_bytes();
                last[..path.len().min(63)].copy_from_slice(&path[..path.len().min(63)]);
            }
            None => b[incompat] &= !4,
        }
        if b == old {
            return Vec::new();
        }
        self.write_at(dev, START, Chunk::bytes(&b)).unwrap_or_else(|f| f.events)
    }

    /// Unmounts by mount point or by device; refused while a mount lies below.
    pub fn umount(&mut self, target: &str, dev: Option<DevId>) -> Result<Vec<Event>, FsError> {
        let i = self.mounts.iter().position(|m| m.target == target || Some(m.dev) == dev).ok_or(FsError::NotMounted)?;
        let below = format!("{}/", self.mounts[i].target.trim_end_matches('/'));
        if self.mounts.iter().any(|m| m.target.starts_with(&below)) {
            return Err(FsError::Busy);
        }
        let m = self.mounts.remove(i);
        let journal = self.filesystem(&m.uuid).is_some_and(|f| f.fstype == FsType::Ext4);
        let mut events = if journal { self.ext4_superblock_mounted(m.dev, None) } else { Vec::new() };
        events.push(Event::Unmounted { dev: self.name_of(m.dev), target: m.target });
        Ok(events)
    }

    /// The mount whose target is exactly `target`.
    pub fn mount_at(&self, target: &str) -> Option<&Mount> {
        self.mounts.iter().find(|m| m.target == target)
    }

    pub fn swapon(&mut self, dev: DevId) -> Result<Vec<Event>, FsError> {
        if self.probe(dev).is_none_or(|s| s.fstype != FsType::Swap) {
            return Err(FsError::NotSwap);
        }
        if self.swaps.contains(&dev) {
            return Err(FsError::SwapActive);
        }
        self.swaps.push(dev);
        Ok(vec![Event::SwapOn { dev: self.name_of(dev) }])
    }

    pub fn swapoff(&mut self, dev: DevId) -> Result<Vec<Event>, FsError> {
        let before = self.swaps.len();
        self.swaps.retain(|s| *s != dev);
        if self.swaps.len() == before {
            return Err(FsError::SwapInactive);
        }
        Ok(vec![Event::SwapOff { dev: self.name_of(dev) }])
    }

    /// statfs of a filesystem.
    pub fn statfs_of(&self, uuid: &str) -> Option<StatFs> {
        self.filesystem(uuid).map(|f| f.tree.statfs())
    }

    /// (size, used, available) bytes of a filesystem, as df shows them.
    pub fn fs_usage(&self, uuid: &str) -> Option<(u64, u64, u64)> {
        let s = self.statfs_of(uuid)?;
        Some((s.blocks * s.block_size, (s.blocks - s.free) * s.block_size, s.avail * s.block_size))
    }

    /// Sets a filesystem's size after a resize (resize2fs), in its superblock too.
    pub fn fs_resize(&mut self, uuid: &str, size_bytes: u64) {
        let devs: Vec<DevId> = self.devices.iter().map(|d| d.id).filter(|d| self.probe(*d).is_some_and(|s| s.uuid == uuid)).collect();
        for dev in devs {
            if let Some(sig) = self.probe(dev).filter(|s| s.fstype == FsType::Ext4) {
                let Ok(mut sb) = self.read_at(dev, 1024, 1024) else { continue };
                signature::ext4_set_blocks(&mut sb, size_bytes / sig.block_size);
                let _ = self.write_at(dev, 1024, Chunk::bytes(&sb));
            }
        }
        let now = self.clock;
        let Some(f) = self.filesystem_mut(uuid) else { return };
        #[cfg(feature = "e2fs-tools")]
        let resized = match f.geometry {
            Some(old) => old.resized(size_bytes / old.block_size),
            None => Geometry::for_size(size_bytes),
        };
        #[cfg(not(feature = "e2fs-tools"))]
        let resized = Geometry::for_size(size_bytes);
        if let Some(g) = resized {
            f.tree.resize(g.data_blocks(), g.reserved_blocks, g.resv_clusters, g.inodes, now);
            f.geometry = Some(g);
        }
    }
}

pub fn uuid_text(b: &[u8; 16]) -> String {
    let h: String = b.iter().map(|x| format!("{x:02x}")).collect();
    format!("{}-{}-{}-{}-{}", &h[0..8], &h[8..12], &h[12..16], &h[16..20], &h[20..32])
}
