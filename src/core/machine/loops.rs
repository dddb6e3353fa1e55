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
            self.disks.iter().enumerate().filter(|(_, d)| d.backing.is_some() && d.transport == Transport::Loop).map(|(i, d)| (kernfs_name_hash(&d.name), d.name.as_str(), i)).collect();
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
        d.backing = Some(LoopBacking { path: super::files::normalize(path), fs, ino, fs_dev, read_only: setup.read_only, partscan: setup.partscan, autoclear: false, deleted: false, qcow2: false, below: None, backing_files: Vec::new() });
        let dev = d.dev;
        if setup.partscan {
            self.reread(dev, &mut events);
        }
        Ok((name, events))
    }

    /// `losetup -d`: detaches a loop device; its partitions disappear with it.
    pub fn loop_detach(&mut self, name: &str) -> Result<Vec<Event>, LoopError> {
        let d = self.disk_named(name).filter(|d| d.backing.is_some() && d.transport == Transport::Loop).ok_or(LoopError::NotAttached)?;
        let dev = d.dev;
        if self.disk_busy(dev) || self.busy(dev).is_some() {
            // LOOP_CLR_FD on an open device only marks it: it goes at the last close.
            if let Some(b) = self.disk_mut(dev).and_then(|d| d.backing.as_mut()) {
                b.autoclear = true;
            }
            return Ok(Vec::new());
        }
        Ok(self.remove_backed_disk(dev))
    }

    /// Removes a loop or nbd device and its partitions.
    fn remove_backed_disk(&mut self, dev: DevId) -> Vec<Event> {
        let Some(d) = self.disk(dev) else { return Vec::new() };
        let name = d.name.clone();
        let mut events: Vec<Event> =
            d.kernel_partitions.iter().map(|p| Event::PartitionVanished { disk: name.clone(), dev: d.partition_name(p.number), number: p.number }).collect();
        self.disks.retain(|d| d.dev != dev);
        self.refresh();
        events.push(Event::DiskDetached { disk: name });
        events
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
        if b.deleted {
            return;
        }
        if b.qcow2 {
            self.nbd_qcow2_write(disk, &b, offset, chunk);
        } else if self.write_inode(&b.fs, b.ino, offset, chunk).is_err() {
            return;
        }
        if !self.loop_writes.contains(&b.path) {
            self.loop_writes.push(b.path);
        }
    }

    /// File → device: the range `offset..offset + len` of a file changed, so
    /// every loop device over it shows the file's bytes there again.
    pub(super) fn mirror_from_file(&mut self, fs: &str, ino: u64, offset: u64, len: u64) {
        // A qcow2 image's guest disk changes only through qemu-nbd itself.
        let over = |d: &crate::core::disk::Disk| d.backing.as_ref().is_some_and(|b| b.fs == fs && b.ino == ino && !b.deleted && !b.qcow2);
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

/// Why `qemu-nbd` could not connect or disconnect an image.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NbdError {
    /// No `/dev/nbdN` node: the nbd module is not loaded, or N is past its 16 devices.
    NoDevice,
    /// The device already serves an image.
    DeviceBusy,
    /// The image could not be opened.
    File(VfsError),
    /// Another `qemu-nbd` holds the image's write lock.
    Locked,
    /// The lab serves images without a backing file only.
    Backing,
    /// The device is mounted or held by another device.
    InUse,
}

/// A qcow2 clone's guest disk as its backing chain shows it, worked out by
/// the console (which opens the chain): the guest size, the bytes of every
/// range with data, the ranges the images below the top hold, the backing
/// file's size, and the paths of the files below.
pub struct ChainView {
    pub size: u64,
    pub pieces: Vec<(u64, Chunk)>,
    pub below: Vec<(u64, u64)>,
    pub backing_size: u64,
    pub files: Vec<String>,
}

/// `fls`: the position of the highest set bit, 0 for 0.
fn fls(n: u32) -> u32 {
    u32::BITS - n.leading_zeros()
}

impl Machine {
    /// `modprobe nbd max_part=N`: creates /dev/nbd0 to /dev/nbd15 (size 0,
    /// so lsblk does not list them). Loading it again changes nothing.
    pub fn load_nbd(&mut self, max_part: u32) {
        self.nbd_max_part.get_or_insert(max_part);
    }

    pub fn nbd_loaded(&self) -> bool {
        self.nbd_max_part.is_some()
    }

    /// `modprobe -r nbd`: refused while a device serves an image.
    pub fn unload_nbd(&mut self) -> Result<(), NbdError> {
        if self.disks.iter().any(|d| d.transport == Transport::Nbd) {
            return Err(NbdError::InUse);
        }
        self.nbd_max_part = None;
        Ok(())
    }

    /// Each nbd device has `1 << shift` minors: itself and its partitions.
    pub(super) fn nbd_part_shift(&self) -> u32 {
        fls(self.nbd_max_part.unwrap_or(16))
    }

    /// Whether `qemu-nbd` serves the image at `path` (and holds its write lock).
    pub fn image_served(&self, path: &str) -> bool {
        let path = super::files::normalize(path);
        self.disks.iter().any(|d| d.transport == Transport::Nbd && d.backing.as_ref().is_some_and(|b| b.path == path && !b.deleted))
    }

    /// Whether `path` is a backing file of a clone `qemu-nbd` serves: others
    /// may read it, not write it.
    pub fn image_backs_served(&self, path: &str) -> bool {
        let path = super::files::normalize(path);
        self.disks.iter().any(|d| d.transport == Transport::Nbd && d.backing.as_ref().is_some_and(|b| b.backing_files.contains(&path)))
    }

    /// `qemu-nbd --connect=/dev/NAME [-f qcow2|raw] FILE`: the device shows
    /// the image's guest disk, and its partitions when max_part allows. A
    /// qcow2 clone comes with its guest disk as the backing chain makes it
    /// (the console opens the chain); without one, a clone is refused.
    pub fn nbd_connect(&mut self, name: &str, path: &str, qcow2: bool, chain: Option<ChainView>) -> Result<Vec<Event>, NbdError> {
        let index: Option<u32> = name.strip_prefix("nbd").and_then(|n| n.parse().ok());
        let max_part = self.nbd_max_part.filter(|_| index.is_some_and(|i| i < 16)).ok_or(NbdError::NoDevice)?;
        if self.disk_named(name).is_some() {
            return Err(NbdError::DeviceBusy);
        }
        let st = self.stat_path(path).map_err(NbdError::File)?;
        if st.stat.is_dir {
            return Err(NbdError::File(VfsError::IsADirectory));
        }
        if self.image_served(path) || self.image_backs_served(path) {
            return Err(NbdError::Locked);
        }
        let (fs, ino) = self.inode_at(path).map_err(NbdError::File)?;
        let mut backing_files = Vec::new();
        let (size_bytes, pieces, below) = match (qcow2, chain) {
            (true, Some(c)) => {
                backing_files = c.files.iter().map(|f| super::files::normalize(f)).collect();
                (c.size, c.pieces, Some((c.below, c.backing_size)))
            }
            (true, None) => {
                let (size, pieces) = self.qcow2_guest_pieces(&fs, ino)?;
                (size, pieces, None)
            }
            (false, _) => (st.stat.size, self.inode_pieces(&fs, ino, 0, st.stat.size).map_err(NbdError::File)?, None),
        };
        let mut events = vec![Event::DiskAttached { disk: name.to_string(), transport: Transport::Nbd.label(), size_bytes }];
        self.add_disk(name, Transport::Nbd, size_bytes, None);
        let Some(d) = self.disks.iter_mut().find(|d| d.name == name) else { return Err(NbdError::NoDevice) };
        for (at, c) in pieces {
            d.media.write(at, c);
        }
        let path = super::files::normalize(path);
        d.backing = Some(LoopBacking { path, fs, ino, fs_dev: (0, 0), read_only: false, partscan: max_part > 0, autoclear: false, deleted: false, qcow2, below, backing_files });
        let dev = d.dev;
        if max_part > 0 {
            self.reread(dev, &mut events);
        }
        Ok(events)
    }

    /// `qemu-nbd --disconnect /dev/NAME`; a device serving nothing is left alone.
    pub fn nbd_disconnect(&mut self, name: &str) -> Result<Vec<Event>, NbdError> {
        let Some(d) = self.disk_named(name).filter(|d| d.transport == Transport::Nbd) else { return Ok(Vec::new()) };
        let dev = d.dev;
        if self.disk_busy(dev) || self.busy(dev).is_some() {
            return Err(NbdError::InUse);
        }
        Ok(self.remove_backed_disk(dev))
    }

    /// The guest disk of a qcow2 file without a backing file: its size and
    /// the file's pieces at their guest offsets (zero clusters and holes
    /// read as zeros).
    fn qcow2_guest_pieces(&self, fs: &str, ino: u64) -> Result<(u64, Vec<(u64, Chunk)>), NbdError> {
        let mut read = |o: u64, n: u64| self.read_inode(fs, ino, o, n);
        let header = crate::core::qcow2::Header::decode(&read(0, 512)).ok_or(NbdError::File(VfsError::InvalidArgument))?;
        if header.backing_file_offset != 0 {
            return Err(NbdError::Backing);
        }
        let cluster = 1u64 << header.cluster_bits;
        let size = header.size;
        let image = crate::core::qcow2::guest::Image::open(header, &mut read);
        let mut out = Vec::new();
        for (guest, entry) in image.entries(&mut read) {
            let host = entry & crate::core::qcow2::guest::OFFSET_MASK;
            let at = guest * cluster;
            if entry & crate::core::qcow2::compress::OFLAG_COMPRESSED != 0 {
                let bytes = image.inflate_entry(entry, &mut read).ok_or(NbdError::File(VfsError::InvalidArgument))?;
                out.push((at, Chunk::bytes(&bytes[..cluster.min(size.saturating_sub(at)) as usize])));
                continue;
            }
            if host == 0 || entry & crate::core::qcow2::guest::OFLAG_ZERO != 0 {
                continue;
            }
            let pieces = self.inode_pieces(fs, ino, host, cluster.min(size.saturating_sub(at))).map_err(NbdError::File)?;
            out.extend(pieces.into_iter().map(|(o, c)| (at + (o - host), c)));
        }
        Ok((size, out))
    }

    /// A guest write through `qemu-nbd` into a qcow2 file, as QEMU's driver
    /// allocates and writes it. A clone's new cluster is filled from below
    /// first; the device still shows the backing chain's bytes around the
    /// ones just written, so they are read from it.
    fn nbd_qcow2_write(&mut self, disk: DevId, b: &LoopBacking, offset: u64, chunk: Chunk) {
        let writes = {
            let mut read = |o: u64, n: u64| self.read_inode(&b.fs, b.ino, o, n);
            let Some(header) = crate::core::qcow2::Header::decode(&read(0, 512)) else { return };
            let mut image = crate::core::qcow2::guest::Image::open(header, &mut read);
            if let Some((below, size)) = &b.below {
                image.below = Some(below.clone());
                image.backing_size = *size;
            }
            image.write(offset, &chunk, &mut read)
        };
        if let Ok(writes) = writes {
            let _ = self.apply_qcow2_writes(&b.path, writes, &mut |m, guest, n| m.disk(disk).map_or_else(|| vec![0; n as usize], |d| d.media.read(guest, n)));
        }
    }

    /// The bytes `offset..offset + len` of inode `ino` (cut at its end).
    fn read_inode(&self, fs: &str, ino: u64, offset: u64, len: u64) -> Vec<u8> {
        let size = self.fs(fs).ok().and_then(|f| f.tree.stat(ino).ok()).map_or(0, |s| s.size);
        let len = len.min(size.saturating_sub(offset));
        let mut out = vec![0u8; len as usize];
        for (at, c) in self.inode_pieces(fs, ino, offset, len).unwrap_or_default() {
            let start = (at - offset) as usize;
            out[start..start + c.len as usize].copy_from_slice(&c.to_vec());
        }
        out
    }
}
