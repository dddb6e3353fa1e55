//! Filesystems, mounts and swap areas.
//!
//! `mkfs` writes a filesystem's signature to the device's bytes and keeps a
//! record of its contents keyed by the UUID in that signature; `mount` probes the
//! bytes, so a wiped superblock cannot be mounted and a re-created partition
//! over an intact one can. Mounts and swaps refer to devices by `DevId`.

use super::Machine;
use crate::core::device::DevId;
use crate::core::event::Event;
use crate::core::media::Chunk;
use crate::core::signature::{self, Ext4Layout, FsType};

/// What a filesystem holds, beyond its signature.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Filesystem {
    pub fstype: FsType,
    pub uuid: String,
    /// The size the filesystem was made with.
    pub size_bytes: u64,
    /// Bytes its metadata and files take.
    pub used_bytes: u64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mount {
    pub dev: DevId,
    pub target: String,
    /// The UUID of the mounted filesystem.
    pub uuid: String,
}

/// A filesystem or swap area to create.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NewFs {
    Ext4 { layout: Ext4Layout, used_bytes: u64 },
    Xfs { uuid: String, label: String },
    Vfat { serial: u32, label: String, used_bytes: u64 },
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
    /// Neither that target nor that device is mounted.
    NotMounted,
    /// The device has no swap signature.
    NotSwap,
    /// The swap area is already active.
    SwapActive,
    /// The swap area is not active.
    SwapInactive,
    /// The write of the signature failed.
    Io,
}

impl std::fmt::Display for FsError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            FsError::NoFilesystem => "the device holds no filesystem that can be used here",
            FsError::Truncated => "the filesystem is larger than its device, so it was damaged",
            FsError::TargetBusy => "something is already mounted there",
            FsError::NotMounted => "it is not mounted",
            FsError::NotSwap => "the device holds no swap signature",
            FsError::SwapActive => "the swap area is already in use",
            FsError::SwapInactive => "the swap area is not in use",
            FsError::Io => "the device could not be written",
        })
    }
}

impl Machine {
    /// Writes a new filesystem or swap signature, replacing what was there.
    pub fn mkfs(&mut self, dev: DevId, fs: NewFs) -> Result<Vec<Event>, FsError> {
        let size = self.size_of(dev);
        // mke2fs and mkswap zero the first sectors, which removes older signatures.
        self.write_at(dev, 0, Chunk::zeros(4096.min(size))).map_err(|_| FsError::Io)?;
        self.wipe_signatures(dev);
        let (offset, bytes, record) = match fs {
            NewFs::Ext4 { layout, used_bytes } => {
                let uuid = uuid_text(&layout.uuid);
                let rec = Filesystem { fstype: FsType::Ext4, uuid, size_bytes: layout.blocks * layout.block_size, used_bytes };
                (1024, signature::ext4_superblock(&layout), Some(rec))
            }
            NewFs::Xfs { uuid, label } => {
                let sb = signature::xfs_superblock(size / 4096, signature::uuid_bytes(&uuid), &label);
                (0, sb, Some(Filesystem { fstype: FsType::Xfs, uuid, size_bytes: size, used_bytes: 70 << 20 }))
            }
            NewFs::Vfat { serial, label, used_bytes } => {
                let bs = signature::fat32_boot_sector(size, serial, &label);
                let uuid = format!("{:04X}-{:04X}", serial >> 16, serial & 0xFFFF);
                (0, bs, Some(Filesystem { fstype: FsType::Vfat, uuid, size_bytes: size, used_bytes }))
            }
            NewFs::Swap { uuid, label } => (0, signature::swap_header(size, signature::uuid_bytes(&uuid), &label), None),
        };
        let fstype = record.as_ref().map_or(FsType::Swap, |r| r.fstype);
        self.write_at(dev, offset, Chunk::bytes(&bytes)).map_err(|_| FsError::Io)?;
        if let Some(r) = record {
            self.filesystems.retain(|f| f.uuid != r.uuid);
            self.filesystems.push(r);
        }
        Ok(vec![Event::FilesystemCreated { dev: self.name_of(dev), fstype: fstype.name().into() }])
    }

    pub fn name_of(&self, dev: DevId) -> String {
        self.devices.get(dev).map(|d| d.name.clone()).unwrap_or_default()
    }

    /// The record of the filesystem with this UUID.
    pub fn filesystem(&self, uuid: &str) -> Option<&Filesystem> {
        self.filesystems.iter().find(|f| f.uuid == uuid)
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
        let sig = self.mountable(dev)?;
        if self.filesystem(&sig.uuid).is_none() {
            // A signature copied from elsewhere (dd) mounts as an empty filesystem.
            self.filesystems.push(Filesystem { fstype: sig.fstype, uuid: sig.uuid.clone(), size_bytes: sig.size_bytes, used_bytes: 0 });
        }
        self.mounts.push(Mount { dev, target: target.into(), uuid: sig.uuid });
        Ok(vec![Event::Mounted { dev: self.name_of(dev), target: target.into() }])
    }

    /// Unmounts by mount point or by device.
    pub fn umount(&mut self, target: &str, dev: Option<DevId>) -> Result<Vec<Event>, FsError> {
        let i = self.mounts.iter().position(|m| m.target == target || Some(m.dev) == dev).ok_or(FsError::NotMounted)?;
        let m = self.mounts.remove(i);
        Ok(vec![Event::Unmounted { dev: self.name_of(m.dev), target: m.target }])
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
        Ok(Vec::new())
    }

    pub fn swapoff(&mut self, dev: DevId) -> Result<Vec<Event>, FsError> {
        let before = self.swaps.len();
        self.swaps.retain(|s| *s != dev);
        if self.swaps.len() == before {
            return Err(FsError::SwapInactive);
        }
        Ok(Vec::new())
    }

    /// (size, used, available) bytes of a filesystem, as df shows them.
    pub fn fs_usage(&self, uuid: &str) -> Option<(u64, u64, u64)> {
        let f = self.filesystem(uuid)?;
        Some((f.size_bytes, f.used_bytes, f.size_bytes.saturating_sub(f.used_bytes) / 100 * 95))
    }

    /// Records `bytes` more data in a filesystem (data written through it).
    pub fn fs_add_used(&mut self, uuid: &str, bytes: u64) {
        if let Some(f) = self.filesystems.iter_mut().find(|f| f.uuid == uuid) {
            f.used_bytes = f.used_bytes.saturating_add(bytes).min(f.size_bytes);
        }
    }

    /// Sets a filesystem's size after a resize (resize2fs), in its superblock too.
    pub fn fs_resize(&mut self, uuid: &str, size_bytes: u64) {
        if let Some(f) = self.filesystems.iter_mut().find(|f| f.uuid == uuid) {
            f.size_bytes = size_bytes;
        }
        let devs: Vec<DevId> = self.devices.iter().map(|d| d.id).filter(|d| self.probe(*d).is_some_and(|s| s.uuid == uuid)).collect();
        for dev in devs {
            if let Some(sig) = self.probe(dev).filter(|s| s.fstype == FsType::Ext4) {
                let Ok(mut sb) = self.read_at(dev, 1024, 1024) else { continue };
                signature::ext4_set_blocks(&mut sb, size_bytes / sig.block_size);
                let _ = self.write_at(dev, 1024, Chunk::bytes(&sb));
            }
        }
    }
}

fn uuid_text(b: &[u8; 16]) -> String {
    let h: String = b.iter().map(|x| format!("{x:02x}")).collect();
    format!("{}-{}-{}-{}-{}", &h[0..8], &h[8..12], &h[12..16], &h[16..20], &h[20..32])
}
