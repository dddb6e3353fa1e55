//! Paths: which mounted filesystem a path lands on, and file operations whose
//! bytes go through that filesystem's device.
//!
//! Paths are absolute and already joined with the shell's working directory.
//! A path is handled by the mount with the longest matching mount point; its
//! data blocks map to device offsets after the filesystem's metadata, so a
//! file on a thin LV really takes pool chunks. `/dev/NAME` names a device
//! node. Simplified: no permissions, owners, symlinks or hard links.

use super::storage::{ext4_tree, Filesystem};
use super::Machine;
use crate::core::device::DevId;
use crate::core::event::Event;
use crate::core::ext4::Geometry;
use crate::core::media::{Chunk, Media};
use crate::core::signature::FsType;
use crate::core::units::GIB;
use crate::core::vfs::{Ino, Stat, StatFs, VfsError, ROOT_INO};
use super::zfs_files::ZFS_UUID_PREFIX;

/// What a path names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Found {
    /// A file or directory: its filesystem (by UUID) and inode.
    Node { uuid: String, ino: Ino },
    /// A block device node under /dev.
    Device(DevId),
}

/// `stat` of a path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileStat {
    pub stat: Stat,
    /// st_blksize: the filesystem's block size.
    pub io_block: u64,
    /// The device the file lives on (its kernel name), for stat's Device line.
    pub device: Option<DevId>,
}

/// The directories every lab machine's root filesystem starts with.
const ROOT_DIRS: &[&str] = &[
    "/bin", "/boot", "/dev", "/etc", "/home", "/media", "/mnt", "/opt", "/proc", "/root", "/run", "/srv", "/sys", "/tmp", "/usr",
    "/var", "/var/lib", "/var/lib/vz", "/var/lib/vz/dump", "/var/lib/vz/images", "/var/lib/vz/template", "/var/lib/vz/template/iso",
];

/// Splits an absolute path into its components, resolving `.` and `..`.
pub fn components(path: &str) -> Vec<&str> {
    let mut out: Vec<&str> = Vec::new();
    for c in path.split('/') {
        match c {
            "" | "." => {}
            ".." => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}

/// The normal form of an absolute path (`/a/b`, or `/`).
pub fn normalize(path: &str) -> String {
    format!("/{}", components(path).join("/"))
}

impl Machine {
    /// Gives a machine without a root disk an in-memory root filesystem.
    pub(super) fn install_memory_root(&mut self) {
        let Some(g) = Geometry::for_size(32 * GIB) else { return };
        let tree = ext4_tree(&g, [0x5e; 16], self.clock);
        let uuid = "rootfs".to_string();
        self.filesystems.push(Filesystem { fstype: FsType::Ext4, uuid: uuid.clone(), tree, data_offset: 0, memory: Some(Media::default()), geometry: Some(g) });
        self.rootfs = Some(uuid);
        self.make_root_dirs();
    }

    /// Creates the standard directories of a Linux root filesystem.
    pub(super) fn make_root_dirs(&mut self) {
        for d in ROOT_DIRS {
            let _ = self.mkdir(d, true);
        }
    }

    /// The filesystem a path is on, and the path's components inside it.
    fn locate<'p>(&self, path: &'p str) -> Result<(String, Vec<&'p str>), VfsError> {
        let parts = components(path);
        let mut best: Option<(&str, usize)> = None;
        for m in &self.mounts {
            let mp = components(&m.target);
            if parts.len() >= mp.len() && parts[..mp.len()] == mp[..] && best.is_none_or(|b| mp.len() > b.1) {
                best = Some((&m.uuid, mp.len()));
            }
        }
        match best {
            Some((uuid, n)) => Ok((uuid.to_string(), parts[n..].to_vec())),
            None => self.rootfs.clone().map(|u| (u, parts)).ok_or(VfsError::NotFound),
        }
    }

    pub(super) fn fs(&self, uuid: &str) -> Result<&Filesystem, VfsError> {
        self.filesystem(uuid).ok_or(VfsError::NotFound)
    }

    fn fs_mut(&mut self, uuid: &str) -> Result<&mut Filesystem, VfsError> {
        self.filesystem_mut(uuid).ok_or(VfsError::NotFound)
    }

    /// What a path names.
    pub fn lookup(&self, path: &str) -> Result<Found, VfsError> {
        if let Some(dev) = path.strip_prefix("/dev/").and_then(|_| self.resolve(&normalize(path))) {
            return Ok(Found::Device(dev));
        }
        if let Some((ds, rel)) = self.zfs_path(&normalize(path)) {
            let ino = self.zfs_stat_path(&ds, &rel)?.ino;
            return Ok(Found::Node { uuid: format!("{ZFS_UUID_PREFIX}{ds}"), ino });
        }
        let (uuid, parts) = self.locate(path)?;
        let ino = self.fs(&uuid)?.tree.lookup(&parts)?;
        Ok(Found::Node { uuid, ino })
    }

    pub(super) fn inode_at(&self, path: &str) -> Result<(String, Ino), VfsError> {
        match self.lookup(path)? {
            Found::Node { uuid, ino } => Ok((uuid, ino)),
            Found::Device(_) => Err(VfsError::InvalidArgument),
        }
    }

    /// The parent directory of a path and the last component.
    fn parent<'p>(&self, path: &'p str) -> Result<(String, Ino, &'p str), VfsError> {
        let (uuid, parts) = self.locate(path)?;
        let (name, dirs) = parts.split_last().ok_or(VfsError::Exists)?;
        let ino = self.fs(&uuid)?.tree.lookup(dirs)?;
        Ok((uuid, ino, name))
    }

    pub fn is_dir(&self, path: &str) -> bool {
        self.stat_path(path).is_ok_and(|s| s.stat.is_dir)
    }

    pub fn stat_path(&self, path: &str) -> Result<FileStat, VfsError> {
        if let Some((ds, rel)) = self.zfs_path(&normalize(path)) {
            return Ok(FileStat { stat: self.zfs_stat_path(&ds, &rel)?, io_block: 131072, device: None });
        }
        let (uuid, ino) = self.inode_at(path)?;
        let fs = self.fs(&uuid)?;
        let device = self.mounts.iter().find(|m| m.uuid == uuid).map(|m| m.dev);
        Ok(FileStat { stat: fs.tree.stat(ino)?, io_block: fs.tree.block_size.max(4096), device })
    }

    /// A directory's entries in readdir order, with `.` and `..` when asked.
    /// At a mount point `..` is the directory the filesystem is mounted on.
    /// An entry that is a mount point shows the mounted root, as `lstat`
    /// of its path does.
    pub fn read_dir(&self, path: &str, with_dots: bool) -> Result<Vec<(String, Stat)>, VfsError> {
        let mut entries = self.read_dir_below_mounts(path, with_dots)?;
        for (name, stat) in entries.iter_mut().filter(|(n, _)| n != "." && n != "..") {
            let child = normalize(&format!("{path}/{name}"));
            let mounted = self.mounts.iter().any(|m| m.target == child) || self.zfs_path(&child).is_some_and(|(_, rel)| rel == "/");
            if mounted {
                *stat = self.stat_path(&child)?.stat;
            }
        }
        Ok(entries)
    }

    fn read_dir_below_mounts(&self, path: &str, with_dots: bool) -> Result<Vec<(String, Stat)>, VfsError> {
        if let Some((ds, rel)) = self.zfs_path(&normalize(path)) {
            let parent = if rel == "/" { self.stat_path(&normalize(&format!("{path}/.."))).ok().map(|s| s.stat) } else { None };
            return self.zfs_read_dir(&ds, &rel, with_dots, parent);
        }
        let (uuid, ino) = self.inode_at(path)?;
        let tree = &self.fs(&uuid)?.tree;
        let mut out = Vec::new();
        for (name, child) in tree.read_dir(ino, with_dots)? {
            let stat = if name == ".." && ino == ROOT_INO && normalize(path) != "/" {
                let up = normalize(&format!("{path}/.."));
                self.stat_path(&up)?.stat
            } else {
                tree.stat(child)?
            };
            out.push((name, stat));
        }
        Ok(out)
    }

    pub fn mkdir(&mut self, path: &str, parents: bool) -> Result<Vec<Event>, VfsError> {
        if parents {
            let parts = components(path);
            for i in 1..=parts.len() {
                let p = format!("/{}", parts[..i].join("/"));
                match self.stat_path(&p) {
                    Ok(s) if s.stat.is_dir => continue,
                    Ok(_) => return Err(VfsError::Exists),
                    Err(VfsError::NotFound) => self.mkdir(&p, false).map(|_| ())?,
                    Err(e) => return Err(e),
                }
            }
            return Ok(Vec::new());
        }
        if let Some((ds, rel)) = self.zfs_path(&normalize(path)) {
            return self.zfs_mkdir(&ds, &rel);
        }
        let now = self.clock;
        let (uuid, dir, name) = self.parent(path)?;
        self.fs_mut(&uuid)?.tree.mkdir(dir, name, now)?;
        Ok(vec![Event::FileCreated { path: normalize(path), dir: true }])
    }

    /// Opens a file for writing: creates it if needed, empties it if `truncate`.
    pub fn create_file(&mut self, path: &str, truncate: bool) -> Result<Vec<Event>, VfsError> {
        if let Some((ds, rel)) = self.zfs_path(&normalize(path)) {
            return self.zfs_open(&ds, &rel, truncate);
        }
        let now = self.clock;
        match self.inode_at(path) {
            Ok((uuid, ino)) => {
                let tree = &mut self.fs_mut(&uuid)?.tree;
                if tree.stat(ino)?.is_dir {
                    return Err(VfsError::IsADirectory);
                }
                if truncate {
                    tree.set_size(ino, 0, now)?;
                }
                Ok(Vec::new())
            }
            Err(VfsError::NotFound) => {
                let (uuid, dir, name) = self.parent(path)?;
                self.fs_mut(&uuid)?.tree.create(dir, name, now)?;
                Ok(vec![Event::FileCreated { path: normalize(path), dir: false }])
            }
            Err(e) => Err(e),
        }
    }

    pub fn file_size(&self, path: &str) -> Result<u64, VfsError> {
        if let Some((ds, rel)) = self.zfs_path(&normalize(path)) {
            return self.zfs_stat_path(&ds, &rel).map(|s| s.size);
        }
        let (uuid, ino) = self.inode_at(path)?;
        Ok(self.fs(&uuid)?.tree.size(ino))
    }

    /// Writes `chunk` at `offset` of an existing file, allocating its blocks
    /// first; the file grows to cover what was written.
    pub fn write_file(&mut self, path: &str, offset: u64, chunk: Chunk) -> Result<Vec<Event>, VfsError> {
        if let Some((ds, rel)) = self.zfs_path(&normalize(path)) {
            return self.zfs_write(&ds, &rel, offset, chunk);
        }
        let (uuid, ino) = self.inode_at(path)?;
        let len = chunk.len;
        self.write_inode(&uuid, ino, offset, chunk)?;
        Ok(vec![Event::FileWritten { path: normalize(path), offset, len }])
    }

    /// Writes `chunk` at `offset` of inode `ino` of an ext4 tree (see `write_file`).
    pub(super) fn write_inode(&mut self, uuid: &str, ino: Ino, offset: u64, chunk: Chunk) -> Result<(), VfsError> {
        let now = self.clock;
        let len = chunk.len;
        let tree = &mut self.fs_mut(uuid)?.tree;
        let bs = tree.block_size;
        let (first, end) = (offset / bs * bs, (offset + len).div_ceil(bs) * bs);
        // Blocks that held no file data yet (holes, unwritten extents): a
        // freed block keeps its old bytes, so the parts of them this write
        // leaves out are zeroed, as ext4 zeroes a new block around a write.
        let fresh: Vec<(u64, u64)> = tree.map(ino, first, end - first)?.into_iter().filter(|r| r.2.is_none()).map(|r| (r.0, r.0 + r.1)).collect();
        tree.allocate(ino, offset, len, false)?;
        let size = tree.size(ino).max(offset + len);
        tree.set_size(ino, size, now)?;
        let mut parts = vec![(offset, chunk)];
        for (start, stop) in fresh {
            parts.extend([(start, offset.min(stop)), (start.max(offset + len), stop)].into_iter().filter(|(a, b)| a < b).map(|(a, b)| (a, Chunk::zeros(b - a))));
        }
        for (part_offset, part) in parts {
            for (at, n, loc) in self.fs(uuid)?.tree.map(ino, part_offset, part.len)? {
                if let Some(fs_offset) = loc {
                    self.write_fs_bytes(uuid, fs_offset, part.slice(at - part_offset, n))?;
                }
            }
        }
        self.mirror_from_file(uuid, ino, offset, len);
        Ok(())
    }

    /// Carries out a qcow2 driver's file writes on the image at `path`;
    /// `backing(machine, guest, len)` gives the bytes a new cluster copies
    /// from the backing file.
    pub fn apply_qcow2_writes(
        &mut self,
        path: &str,
        writes: Vec<crate::core::qcow2::guest::FileWrite>,
        backing: &mut dyn FnMut(&Machine, u64, u64) -> Vec<u8>,
    ) -> Result<Vec<Event>, VfsError> {
        use crate::core::qcow2::guest::FileWrite;
        let mut events = Vec::new();
        for w in crate::core::qcow2::guest::coalesce(writes) {
            events.extend(match w {
                FileWrite::Backing(at, guest, n) => {
                    let bytes = backing(self, guest, n);
                    self.write_file(path, at, Chunk::bytes(&bytes))
                }
                FileWrite::Bytes(at, b) => self.write_file(path, at, Chunk::bytes(&b)),
                FileWrite::Zeros(at, n) => self.write_file(path, at, Chunk::zeros(n)),
                FileWrite::ZeroRange(at, n) => self.zero_range_file(path, at, n),
                FileWrite::Data(at, chunk) => self.write_file(path, at, chunk),
                FileWrite::Punch(at, n) => self.punch_file(path, at, n),
                FileWrite::Truncate(n) => match self.stat_path(path) {
                    Ok(s) if s.stat.size > n => self.truncate_file(path, n),
                    _ => Ok(Vec::new()),
                },
            }?);
        }
        Ok(events)
    }

    fn write_fs_bytes(&mut self, uuid: &str, fs_offset: u64, chunk: Chunk) -> Result<(), VfsError> {
        let dev = self.mounts.iter().find(|m| m.uuid == uuid).map(|m| m.dev);
        let fs = self.fs_mut(uuid)?;
        let at = fs.data_offset + fs_offset;
        if let Some(m) = fs.memory.as_mut() {
            m.write(at, chunk);
            return Ok(());
        }
        let dev = dev.ok_or(VfsError::Io)?;
        self.write_at(dev, at, chunk).map(|_| ()).map_err(|_| VfsError::Io)
    }

    /// The written runs of `offset..offset + len` of a file, as (offset in the
    /// file, chunk); everything else reads as zeros.
    pub fn file_pieces(&self, path: &str, offset: u64, len: u64) -> Result<Vec<(u64, Chunk)>, VfsError> {
        if let Some((ds, rel)) = self.zfs_path(&normalize(path)) {
            return self.zfs_pieces(&ds, &rel, offset, len);
        }
        let (uuid, ino) = self.inode_at(path)?;
        self.inode_pieces(&uuid, ino, offset, len)
    }

    /// `file_pieces` of inode `ino` of an ext4 tree.
    pub(super) fn inode_pieces(&self, uuid: &str, ino: Ino, offset: u64, len: u64) -> Result<Vec<(u64, Chunk)>, VfsError> {
        let fs = self.fs(uuid)?;
        let size = fs.tree.size(ino);
        let len = len.min(size.saturating_sub(offset));
        let dev = self.mounts.iter().find(|m| m.uuid == uuid).map(|m| m.dev);
        let mut out = Vec::new();
        for (at, n, loc) in fs.tree.map(ino, offset, len)? {
            let Some(fs_offset) = loc else { continue };
            let dev_at = fs.data_offset + fs_offset;
            let pieces = match (&fs.memory, dev) {
                (Some(m), _) => m.pieces(dev_at, n),
                (None, Some(d)) => self.written_pieces(d, dev_at, n).map_err(|_| VfsError::Io)?,
                (None, None) => Vec::new(),
            };
            out.extend(pieces.into_iter().map(|(o, c)| (at + (o - dev_at), c)));
        }
        Ok(out)
    }

    /// The allocated runs of a file, as (offset, length): what SEEK_DATA
    /// finds (`qemu-img map` of a raw image). A ZFS file is one run.
    pub fn allocated_runs(&self, path: &str) -> Result<Vec<(u64, u64)>, VfsError> {
        let size = self.file_size(path)?;
        if self.zfs_path(&normalize(path)).is_some() {
            return Ok(if size > 0 { vec![(0, size)] } else { Vec::new() });
        }
        let (uuid, ino) = self.inode_at(path)?;
        let mut runs: Vec<(u64, u64)> = Vec::new();
        for (at, n, loc) in self.fs(&uuid)?.tree.map(ino, 0, size)? {
            if loc.is_none() {
                continue;
            }
            match runs.last_mut() {
                Some(last) if last.0 + last.1 == at => last.1 += n,
                _ => runs.push((at, n)),
            }
        }
        Ok(runs)
    }

    /// The runs of a file that have blocks, unwritten ones too: what
    /// SEEK_DATA finds once the page cache holds them, as it does after
    /// QEMU has read the metadata around them (readahead). A ZFS file is
    /// one run.
    pub fn block_runs(&self, path: &str) -> Result<Vec<(u64, u64)>, VfsError> {
        if self.zfs_path(&normalize(path)).is_some() {
            return self.allocated_runs(path);
        }
        let (uuid, ino) = self.inode_at(path)?;
        self.fs(&uuid)?.tree.block_runs(ino)
    }

    /// The bytes `offset..offset + len` of a file (cut at its end).
    pub fn read_file(&self, path: &str, offset: u64, len: u64) -> Result<Vec<u8>, VfsError> {
        let size = self.file_size(path)?;
        let len = len.min(size.saturating_sub(offset));
        let mut out = vec![0u8; len as usize];
        for (at, c) in self.file_pieces(path, offset, len)? {
            let start = (at - offset) as usize;
            out[start..start + c.len as usize].copy_from_slice(&c.to_vec());
        }
        Ok(out)
    }

    /// `fallocate --punch-hole --keep-size`: the whole blocks of
    /// `offset..offset + len` are freed, the bytes of partly covered blocks
    /// zeroed; everything there reads as zeros and the size stays.
    pub fn punch_file(&mut self, path: &str, offset: u64, len: u64) -> Result<Vec<Event>, VfsError> {
        if self.zfs_path(&normalize(path)).is_some() {
            return self.write_file(path, offset, Chunk::zeros(len));
        }
        let (uuid, ino) = self.inode_at(path)?;
        let tree = &mut self.fs_mut(&uuid)?.tree;
        let bs = tree.block_size;
        let (first, end) = (offset.div_ceil(bs), (offset + len) / bs);
        tree.punch(ino, first, end.saturating_sub(first))?;
        let edges = if first < end { vec![(offset, first * bs), (end * bs, offset + len)] } else { vec![(offset, offset + len)] };
        for (a, b) in edges.into_iter().filter(|(a, b)| a < b) {
            for (_, n, loc) in self.fs(&uuid)?.tree.map(ino, a, b - a)? {
                if let Some(fs_offset) = loc {
                    self.write_fs_bytes(&uuid, fs_offset, Chunk::zeros(n))?;
                }
            }
        }
        self.mirror_from_file(&uuid, ino, offset, len);
        Ok(vec![Event::FileWritten { path: normalize(path), offset, len }])
    }

    /// `truncate -s`: sets a file's size (creating it), freeing blocks past the end.
    pub fn truncate_file(&mut self, path: &str, size: u64) -> Result<Vec<Event>, VfsError> {
        if let Some((ds, rel)) = self.zfs_path(&normalize(path)) {
            let mut events = self.zfs_open(&ds, &rel, false)?;
            events.extend(self.zfs_set_size(&ds, &rel, size)?);
            return Ok(events);
        }
        let mut events = self.create_file(path, false)?;
        let (uuid, ino) = self.inode_at(path)?;
        let now = self.clock;
        let old = if cfg!(feature = "loop-devices") { self.fs(&uuid)?.tree.size(ino) } else { 0 };
        self.fs_mut(&uuid)?.tree.set_size(ino, size, now)?;
        if size < old {
            self.mirror_from_file(&uuid, ino, size, old - size);
        }
        events.push(Event::FileResized { path: normalize(path), size });
        Ok(events)
    }

    /// `fallocate -l`: allocates `len` bytes from the start without writing
    /// them. When space runs out, what could be allocated stays allocated and
    /// the file covers it, as ext4 leaves it.
    pub fn fallocate(&mut self, path: &str, len: u64) -> Result<Vec<Event>, VfsError> {
        self.fallocate_range(path, 0, len)
    }

    /// `fallocate -o OFFSET -l LEN`: as `fallocate`, for a range; a range
    /// past the start that does not fit allocates nothing.
    pub fn fallocate_range(&mut self, path: &str, offset: u64, len: u64) -> Result<Vec<Event>, VfsError> {
        let end = offset.checked_add(len).ok_or(VfsError::FileTooLarge)?;
        if let Some((ds, rel)) = self.zfs_path(&normalize(path)) {
            let mut events = self.zfs_open(&ds, &rel, false)?;
            events.extend(self.zfs_set_size(&ds, &rel, end.max(self.zfs_stat_path(&ds, &rel)?.size))?);
            return Ok(events);
        }
        let mut events = self.create_file(path, false)?;
        let (uuid, ino) = self.inode_at(path)?;
        let now = self.clock;
        let tree = &mut self.fs_mut(&uuid)?.tree;
        if tree.allocate(ino, offset, len, true) == Err(VfsError::NoSpace) {
            if offset > 0 {
                return Err(VfsError::NoSpace);
            }
            let covered = tree.allocate_available(ino, len)?;
            let size = tree.size(ino).max(covered);
            tree.set_size(ino, size, now)?;
            return Err(VfsError::NoSpace);
        }
        let size = tree.size(ino).max(end);
        tree.set_size(ino, size, now)?;
        events.push(Event::FileResized { path: normalize(path), size });
        Ok(events)
    }

    /// `fallocate(FALLOC_FL_ZERO_RANGE)` as ext4 does it (qemu-io's `write
    /// -z` on a raw file, qcow2's zeroing of new clusters): the blocks it
    /// touches become unwritten in place (allocated, reading zeros whatever
    /// they held; SEEK_DATA skips them), except a partial block at an edge
    /// that has a block already, which is written with zeros; and the file
    /// grows to cover the range. A ZFS file gets zeros.
    #[cfg(feature = "zero-range-edges")]
    pub fn zero_range_file(&mut self, path: &str, offset: u64, len: u64) -> Result<Vec<Event>, VfsError> {
        if self.zfs_path(&normalize(path)).is_some() || len == 0 {
            return self.write_file(path, offset, Chunk::zeros(len));
        }
        let (uuid, ino) = self.inode_at(path)?;
        let bs = self.fs(&uuid)?.tree.block_size;
        let end = offset + len;
        let (first, stop) = self.unwritten_span(path, offset, end, bs)?;
        if first >= stop {
            return self.write_file(path, offset, Chunk::zeros(len));
        }
        let mut events = Vec::new();
        for (at, n) in [(offset, first.saturating_sub(offset)), (stop, end.saturating_sub(stop))].into_iter().filter(|e| e.1 > 0) {
            events.extend(self.write_file(path, at, Chunk::zeros(n))?);
        }
        let now = self.clock;
        let tree = &mut self.fs_mut(&uuid)?.tree;
        tree.zero_range(ino, first / bs, stop / bs - 1)?;
        // Blocks kept past the end (`fallocate -n`) stay.
        let size = tree.size(ino).max(end);
        tree.grow_size(ino, size, now)?;
        self.mirror_from_file(&uuid, ino, first, stop - first);
        events.push(Event::FileResized { path: normalize(path), size });
        Ok(events)
    }

    /// The browser's `zero_range_file` (its budget: stop 54): both partial
    /// edges get zeros, holes or not.
    ///
    /// `fallocate(FALLOC_FL_ZERO_RANGE)` as ext4 does it (qemu-io's `write
    /// -z` on a raw file, qcow2's zeroing of new clusters): the whole blocks
    /// in the range become unwritten in place (allocated, reading zeros
    /// whatever they held; SEEK_DATA skips them), the partial blocks at its
    /// edges are written with zeros, and the file grows to cover the range.
    /// A ZFS file gets zeros.
    #[cfg(not(feature = "zero-range-edges"))]
    pub fn zero_range_file(&mut self, path: &str, offset: u64, len: u64) -> Result<Vec<Event>, VfsError> {
        if self.zfs_path(&normalize(path)).is_some() {
            return self.write_file(path, offset, Chunk::zeros(len));
        }
        let (uuid, ino) = self.inode_at(path)?;
        let bs = self.fs(&uuid)?.tree.block_size;
        let end = offset + len;
        let (first, stop) = (offset.next_multiple_of(bs), end / bs * bs);
        if first >= stop {
            return self.write_file(path, offset, Chunk::zeros(len));
        }
        let mut events = Vec::new();
        for (at, n) in [(offset, first - offset), (stop, end - stop)].into_iter().filter(|e| e.1 > 0) {
            events.extend(self.write_file(path, at, Chunk::zeros(n))?);
        }
        let now = self.clock;
        let tree = &mut self.fs_mut(&uuid)?.tree;
        tree.zero_range(ino, first / bs, stop / bs - 1)?;
        let size = tree.size(ino).max(end);
        tree.set_size(ino, size, now)?;
        self.mirror_from_file(&uuid, ino, first, stop - first);
        events.push(Event::FileResized { path: normalize(path), size });
        Ok(events)
    }

    /// The blocks `zero_range_file` makes unwritten, as a byte span:
    /// `ext4_alloc_file_blocks` makes a hole at a partial edge unwritten
    /// too, and an unwritten one stays so; only a block the file already
    /// has data in gets `ext4_zero_partial_blocks`' zeros.
    #[cfg(feature = "zero-range-edges")]
    fn unwritten_span(&self, path: &str, offset: u64, end: u64, bs: u64) -> Result<(u64, u64), VfsError> {
        let runs = self.allocated_runs(path)?;
        let has_block = |at: u64| runs.iter().any(|&(a, n)| a / bs <= at / bs && at / bs < (a + n).div_ceil(bs));
        let first = if offset % bs != 0 && has_block(offset) { offset.next_multiple_of(bs) } else { offset / bs * bs };
        let stop = if end % bs != 0 && has_block(end - 1) { end / bs * bs } else { end.next_multiple_of(bs) };
        Ok((first, stop))
    }

    /// Removes a file, or an empty directory when `dir` is set.
    pub fn remove(&mut self, path: &str, dir: bool) -> Result<Vec<Event>, VfsError> {
        if let Some((ds, rel)) = self.zfs_path(&normalize(path)) {
            return self.zfs_unlink(&ds, &rel, dir);
        }
        let st = self.stat_path(path)?;
        if st.stat.is_dir != dir {
            return Err(if dir { VfsError::NotADirectory } else { VfsError::IsADirectory });
        }
        if self.mounts.iter().any(|m| normalize(&m.target) == normalize(path)) {
            return Err(VfsError::Busy);
        }
        let now = self.clock;
        let held = if cfg!(feature = "loop-devices") { self.inode_at(path).ok() } else { None };
        let (uuid, parent, name) = self.parent(path)?;
        self.fs_mut(&uuid)?.tree.unlink(parent, name, now)?;
        if let Some((fs, ino)) = held {
            self.loop_file_removed(&fs, ino);
        }
        Ok(vec![Event::FileRemoved { path: normalize(path) }])
    }

    /// `mv` within one filesystem.
    pub fn rename(&mut self, from: &str, to: &str) -> Result<Vec<Event>, VfsError> {
        // rename(2)'s EINVAL: a directory cannot move into itself.
        let (f, t) = (normalize(from), normalize(to));
        if t.strip_prefix(&f).is_some_and(|rest| rest.starts_with('/')) {
            return Err(VfsError::InvalidArgument);
        }
        match (self.zfs_path(&f), self.zfs_path(&t)) {
            (None, None) => {}
            (Some((a, from_rel)), Some((b, to_rel))) if a == b => return self.zfs_move(&a, &from_rel, &to_rel),
            _ => return Err(VfsError::CrossDevice),
        }
        let now = self.clock;
        let (u1, d1, n1) = self.parent(from)?;
        let (u2, d2, n2) = self.parent(to)?;
        if u1 != u2 {
            return Err(VfsError::CrossDevice);
        }
        self.fs_mut(&u1)?.tree.rename(d1, n1, d2, n2, now)?;
        Ok(vec![Event::FileRemoved { path: normalize(from) }, Event::FileCreated { path: normalize(to), dir: false }])
    }

    /// Bytes root may still write on the filesystem a path is on.
    pub fn space_for_files(&self, path: &str) -> Result<u64, VfsError> {
        if let Some((ds, _)) = self.zfs_path(&normalize(path)) {
            return self.zfs_file_room(&ds);
        }
        let (uuid, _) = self.locate(path)?;
        let tree = &self.fs(&uuid)?.tree;
        Ok(tree.free_for_root() * tree.block_size)
    }

    /// statfs of the filesystem a path is on, with its mount.
    pub fn statfs_path(&self, path: &str) -> Result<(Option<super::Mount>, StatFs), VfsError> {
        if let Some((ds, rel)) = self.zfs_path(&normalize(path)) {
            self.zfs_stat_path(&ds, &rel)?;
            return Ok((None, self.zfs_statfs(&ds)?));
        }
        let (uuid, _) = self.locate(path)?;
        self.inode_at(path)?;
        let mount = self.mounts.iter().find(|m| m.uuid == uuid).cloned();
        let fs = self.fs(&uuid)?;
        #[cfg_attr(not(any(feature = "xfs", feature = "zfs")), allow(unused_mut))]
        let mut s = fs.tree.statfs();
        #[cfg(any(feature = "xfs", feature = "zfs"))]
        {
            s.f_type = fs.fstype.magic();
            s.fsid = match (fs.fstype, &mount) {
                (crate::core::signature::FsType::Ext4, _) | (_, None) => uuid_fsid(&uuid),
                #[cfg(not(feature = "xfs"))]
                _ => uuid_fsid(&uuid),
                // XFS's and FAT's f_fsid is the device number (`huge_encode_dev`).
                #[cfg(feature = "xfs")]
                (_, Some(m)) => self.devices.get(m.dev).map_or(0, |d| {
                    let (major, minor) = (u64::from(d.major), u64::from(d.minor));
                    ((minor & 0xff) | (major << 8) | ((minor & !0xff) << 12)) << 32
                }),
            };
        }
        Ok((mount, s))
    }
}

/// ext4's `f_fsid`, from the UUID's four words (`ext4_statfs`).
pub fn uuid_fsid(uuid: &str) -> u64 {
    let b = crate::core::signature::uuid_bytes(uuid);
    let word = |i: usize| u32::from_le_bytes([b[i], b[i + 1], b[i + 2], b[i + 3]]);
    (u64::from(word(0) ^ word(8)) << 32) | u64::from(word(4) ^ word(12))
}

/// fallocate's keep-size modes (native: feature `coreutils-extras`).
#[cfg(feature = "coreutils-extras")]
impl Machine {
    /// `fallocate -n` (`FALLOC_FL_KEEP_SIZE`): unwritten blocks for the
    /// range, past the end of the file too, which keeps its size.
    pub fn fallocate_keep_size(&mut self, path: &str, offset: u64, len: u64) -> Result<Vec<Event>, VfsError> {
        if self.zfs_path(&normalize(path)).is_some() {
            return Ok(Vec::new());
        }
        let (uuid, ino) = self.inode_at(path)?;
        self.fs_mut(&uuid)?.tree.allocate(ino, offset, len, true)?;
        Ok(vec![Event::FileWritten { path: normalize(path), offset, len: 0 }])
    }

    /// `fallocate -z -n`: the zeroed range as `zero_range_file` leaves it,
    /// within the file's old size.
    pub fn zero_range_keep_size(&mut self, path: &str, offset: u64, len: u64) -> Result<Vec<Event>, VfsError> {
        let size = self.file_size(path)?;
        let inside = len.min(size.saturating_sub(offset));
        let mut events = if inside > 0 { self.zero_range_file(path, offset, inside)? } else { Vec::new() };
        if offset + len > size.max(offset) {
            events.extend(self.fallocate_keep_size(path, offset.max(size), offset + len - offset.max(size))?);
        }
        Ok(events)
    }
}
