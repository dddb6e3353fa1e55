//! Loop devices (`losetup`): block devices whose bytes are a regular file's.
//!
//! The kernel's loop driver turns every request into a read or a write of the
//! backing file. Here a loop device is a disk (`Transport::Loop`) whose media
//! mirrors its file: what is written to the device is written to the file
//! (allocating its blocks, so a sparse image fills in where the device was
//! written), and what is written to the file (qemu-img, dd, cp) is copied to
//! the device's media. Partitions appear only with `-P` (LO_FLAGS_PARTSCAN);
//! without it the kernel refuses to re-read the table.
//! Simplified: the bytes are kept twice, as extents (a sparse 1 TiB image
//! costs nothing); no `--offset` or `--sizelimit`; BACK-FILE is the path
//! given at setup, even after a rename; a removed file's loop device keeps
//! its bytes but no longer writes them anywhere.

use super::Machine;
use crate::core::device::DevId;
use crate::core::disk::{LoopBacking, Transport};
use crate::core::event::Event;
use crate::core::media::Chunk;
use crate::core::units::SECTOR_BYTES;
use crate::core::vfs::VfsError;

/// How `losetup` sets a device up.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LoopSetup {
    /// `-r`: writes to the device fail.
    pub read_only: bool,
    /// `-P`: the kernel reads the device's partition table.
    pub partscan: bool,
}

/// Why a loop device could not be set up or detached.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LoopError {
    /// The file could not be opened.
    File(VfsError),
    /// The requested device already has a file (EBUSY).
    DeviceBusy,
    /// The device has no file (ENXIO).
    NotAttached,
    /// The device is open (mounted, a PV, or holds a partition in use).
    InUse,
    /// `-c` would change the device's size, which the lab does not model.
    Resize,
}

impl LoopError {
    /// The strerror text losetup prints after its own words.
    pub fn strerror(&self) -> &'static str {
        match self {
            LoopError::File(VfsError::NotFound) => "No such file or directory",
            LoopError::File(VfsError::IsADirectory) => "Is a directory",
            LoopError::File(_) => "Invalid argument",
            LoopError::DeviceBusy | LoopError::InUse => "Device or resource busy",
            LoopError::NotAttached => "No such device or address",
            LoopError::Resize => "the lab cannot resize a loop device: detach it (losetup -d) and set it up again",
        }
    }
}

/// The order sysfs lists `/sys/block` in, which is the order `losetup -a`
/// and `losetup -l` print: kernfs keeps a directory's entries sorted by
/// `kernfs_name_hash`, then by name.
pub fn kernfs_name_hash(name: &str) -> u32 {
    let mut hash: u64 = 0;
    for c in name.bytes().map(u64::from) {
        hash = hash.wrapping_add(c << 4).wrapping_add(c >> 4).wrapping_mul(11);
    }
    // end_name_hash is hash_long(hash, 32) on 64-bit kernels.
    let hash = (hash.wrapping_mul(0x61C8_8646_80B5_83EB) >> 32) as u32 & 0x7fff_ffff;
    hash.clamp(2, 0x7fff_fffe)
}

impl Machine {
    /// The loop devices with a backing file, in the order sysfs lists them.
    pub fn loop_devices(&self) -> Vec<&crate::core::disk::Disk> {
        let mut keyed: Vec<(u32, &str, usize)> =
            self.disks.iter().enumerate().filter(|(_, d)| d.backing.is_some()).map(|(i, d)| (kernfs_name_hash(&d.name), d.name.as_str(), i)).collect();
        crate::core::order::small_sort(&mut keyed);
        keyed.into_iter().map(|(_, _, i)| &self.disks[i]).collect()
    }

    /// `losetup -f`: the first loop device without a file.
    pub fn loop_first_free(&self) -> String {
        self.next_disk_name(Transport::Loop)
    }

    /// `losetup [-r] [-P] [DEVICE] FILE`: sets up `name` (or the first free
    /// loop device) over the file at `path`. Returns the device's name.
    pub fn loop_attach(&mut self, name: Option<&str>, path: &str, setup: LoopSetup) -> Result<(String, Vec<Event>), LoopError> {
        let st = self.stat_path(path).map_err(LoopError::File)?;
        if st.stat.is_dir {
            return Err(LoopError::File(VfsError::IsADirectory));
        }
        let (fs, ino) = self.inode_at(path).map_err(LoopError::File)?;
        let name = match name {
            Some(n) if self.disk_named(n).is_some() => return Err(LoopError::DeviceBusy),
            Some(n) => n.to_string(),
            None => self.loop_first_free(),
        };
        let fs_dev = st.device.and_then(|d| self.devices.get(d)).map_or((0, 31), |d| (d.major, d.minor));
        let size_bytes = st.stat.size / SECTOR_BYTES * SECTOR_BYTES;
        let mut events = vec![Event::DiskAttached { disk: name.clone(), transport: Transport::Loop.label(), size_bytes }];
        self.add_disk(&name, Transport::Loop, size_bytes, None);
        let pieces = self.inode_pieces(&fs, ino, 0, size_bytes).map_err(LoopError::File)?;
        let Some(d) = self.disks.iter_mut().find(|d| d.name == name) else { return Err(LoopError::NotAttached) };
        for (at, c) in pieces {
            d.media.write(at, c);
        }
        d.backing = Some(LoopBacking { path: super::files::normalize(path), fs, ino, fs_dev, read_only: setup.read_only, partscan: setup.partscan, autoclear: false, deleted: false });
        let dev = d.dev;
        if setup.partscan {
            self.reread(dev, &mut events);
        }
        Ok((name, events))
    }

    /// `losetup -d`: detaches a loop device; its partitions disappear with it.
    pub fn loop_detach(&mut self, name: &str) -> Result<Vec<Event>, LoopError> {
        let d = self.disk_named(name).filter(|d| d.backing.is_some()).ok_or(LoopError::NotAttached)?;
        let dev = d.dev;
        if self.disk_busy(dev) || self.busy(dev).is_some() {
            // LOOP_CLR_FD on an open device only marks it: it goes at the last close.
            if let Some(b) = self.disk_mut(dev).and_then(|d| d.backing.as_mut()) {
                b.autoclear = true;
            }
            return Ok(Vec::new());
        }
        let mut events: Vec<Event> = d
            .kernel_partitions
            .iter()
            .map(|p| Event::PartitionVanished { disk: name.to_string(), dev: d.partition_name(p.number), number: p.number })
            .collect();
        self.disks.retain(|d| d.dev != dev);
        self.refresh();
        events.push(Event::DiskDetached { disk: name.to_string() });
        Ok(events)
    }

    /// The backing files written through loop devices since the last call.
    pub fn take_loop_writes(&mut self) -> Vec<String> {
        std::mem::take(&mut self.loop_writes)
    }

    /// Loop devices marked for autoclear that nothing holds any more go away
    /// (after `umount`, `swapoff`, `vgchange -an`).
    pub fn autoclear_loops(&mut self) -> Vec<Event> {
        let due: Vec<String> = self.disks.iter().filter(|d| d.backing.as_ref().is_some_and(|b| b.autoclear)).map(|d| d.name.clone()).collect();
        due.iter().flat_map(|n| self.loop_detach(n).unwrap_or_default()).collect()
    }

    /// `losetup -c`: the device takes its file's size again. The lab refuses a
    /// change of size (`LoopError::Resize`); the real kernel resizes.
    pub fn loop_set_capacity(&mut self, name: &str) -> Result<Vec<Event>, LoopError> {
        let d = self.disk_named(name).filter(|d| d.backing.is_some()).ok_or(LoopError::NotAttached)?;
        let b = d.backing.clone().ok_or(LoopError::NotAttached)?;
        let size = self.fs(&b.fs).ok().and_then(|f| f.tree.stat(b.ino).ok()).map_or(d.size_bytes, |s| s.size / SECTOR_BYTES * SECTOR_BYTES);
        if b.deleted || size == d.size_bytes {
            return Ok(Vec::new());
        }
        Err(LoopError::Resize)
    }

    /// Puts a label's sectors on a disk; a loop device's go on to its file:
    /// the sectors the label fills, and any old bytes it wiped.
    pub(super) fn write_label_bytes(&mut self, disk: DevId, label: &crate::core::label::Label) {
        let backed = self.is_backed(disk);
        let Some(d) = self.disk_mut(disk) else { return };
        let before = backed.then(|| d.media.clone());
        label.write_to(&mut d.media);
        let Some(before) = before else { return };
        let mut sectors = label.sectors_written();
        let last = d.size_bytes / SECTOR_BYTES - 1;
        sectors.extend([(1, 1), (last, 1)].into_iter().filter(|(lba, _)| !before.pieces(lba * SECTOR_BYTES, SECTOR_BYTES).is_empty()));
        let writes: Vec<(u64, Chunk)> = sectors.iter().map(|(lba, n)| (lba * SECTOR_BYTES, Chunk::bytes(&d.media.read(lba * SECTOR_BYTES, n * SECTOR_BYTES)))).collect();
        for (at, chunk) in writes {
            self.mirror_to_file(disk, at, chunk);
        }
    }

    /// Whether the kernel refuses to re-read this loop device's table (no `-P`).
    pub(super) fn partscan_refused(&self, disk: DevId) -> bool {
        self.disk(disk).and_then(|d| d.backing.as_ref()).is_some_and(|b| !b.partscan)
    }

    /// Whether a disk is a loop device over a file.
    pub(super) fn is_backed(&self, disk: DevId) -> bool {
        self.disk(disk).is_some_and(|d| d.backing.is_some())
    }

    /// Whether writes to this disk fail because its loop device is read-only.
    pub(super) fn read_only(&self, disk: DevId) -> bool {
        self.disk(disk).and_then(|d| d.backing.as_ref()).is_some_and(|b| b.read_only)
    }

    /// Device → file: what was just written to a loop device's media at
    /// `offset` goes to its backing file.
    pub(super) fn mirror_to_file(&mut self, disk: DevId, offset: u64, chunk: Chunk) {
        let Some(b) = self.disk(disk).and_then(|d| d.backing.clone()) else { return };
        if !b.deleted && self.write_inode(&b.fs, b.ino, offset, chunk).is_ok() && !self.loop_writes.contains(&b.path) {
            self.loop_writes.push(b.path);
        }
    }

    /// File → device: the range `offset..offset + len` of a file changed, so
    /// every loop device over it shows the file's bytes there again.
    pub(super) fn mirror_from_file(&mut self, fs: &str, ino: u64, offset: u64, len: u64) {
        let over = |d: &crate::core::disk::Disk| d.backing.as_ref().is_some_and(|b| b.fs == fs && b.ino == ino && !b.deleted);
        let targets: Vec<(DevId, u64)> = self.disks.iter().filter(|d| over(d)).map(|d| (d.dev, d.size_bytes)).collect();
        for (dev, size) in targets {
            let end = offset.saturating_add(len).min(size);
            if offset >= end {
                continue;
            }
            let pieces = self.inode_pieces(fs, ino, offset, end - offset).unwrap_or_default();
            if let Some(d) = self.disk_mut(dev) {
                d.media.punch(offset, end - offset);
                for (at, c) in pieces {
                    d.media.write(at, c);
                }
            }
        }
    }

    /// The file behind the loop devices over inode `ino` was removed.
    pub(super) fn loop_file_removed(&mut self, fs: &str, ino: u64) {
        for b in self.disks.iter_mut().filter_map(|d| d.backing.as_mut()) {
            if b.fs == fs && b.ino == ino {
                b.deleted = true;
            }
        }
    }
}
