//! The files of one filesystem: directories, regular files as sparse maps of
//! blocks, and the block accounting that `ls -s`, `du` and `df` show.
//!
//! A `Tree` is pure metadata. A file maps its logical blocks to filesystem
//! blocks in extents; unmapped blocks are holes and read as zeros; blocks
//! from `fallocate` are "unwritten" (allocated, still reading zeros). The
//! machine turns filesystem blocks into device offsets and moves the bytes.
//! Space follows ext4: statfs's total excludes the metadata overhead, root may
//! use the 5% reserve but not the extra 2% (at most 4096 blocks) ext4 keeps,
//! a directory takes a block, and a file that has had more than four
//! extents needs blocks for its extent tree. Simplified: names are kept in a sorted
//! map and ordered by ext4's hash only when listed; inode numbers are handed
//! out in order; timestamps have one-second resolution.

use crate::core::order::VecMap;

use super::ranges::RangeSet;

pub type Ino = u64;

/// The root directory's inode number, as on ext2/3/4.
pub const ROOT_INO: Ino = 2;

/// One run of a file's blocks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Extent {
    /// The first filesystem block (counted from the start of the data area).
    pub block: u64,
    pub count: u64,
    /// Allocated by fallocate and never written: reads as zeros.
    pub unwritten: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Node {
    Dir { entries: VecMap<String, Ino>, blocks: u64 },
    /// `deep`: the extent tree has left the inode (it had more than four
    /// extents); ext4 keeps a leaf block until the tree is emptied.
    File { size: u64, extents: VecMap<u64, Extent>, deep: bool },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Inode {
    pub node: Node,
    /// Permission bits, e.g. 0o644.
    pub mode: u32,
    pub mtime: u64,
    pub parent: Ino,
}

/// What `stat` reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stat {
    pub ino: Ino,
    pub is_dir: bool,
    pub size: u64,
    /// st_blocks: 512-byte units allocated.
    pub blocks_512: u64,
    pub mode: u32,
    pub nlink: u64,
    pub mtime: u64,
}

/// Why a file operation failed; the console prints each tool's errno text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VfsError {
    NotFound,
    NotADirectory,
    IsADirectory,
    Exists,
    NotEmpty,
    NoSpace,
    InvalidArgument,
    /// The device below failed (a thin pool out of space).
    Io,
    /// A mount point cannot be removed.
    Busy,
    /// A rename across filesystems.
    CrossDevice,
    /// Past the filesystem's largest file (`EFBIG`).
    FileTooLarge,
    /// A ZFS quota (`EDQUOT`).
    #[cfg(feature = "zfs")]
    QuotaExceeded,
    /// A ZFS dataset with `readonly=on` (`EROFS`).
    #[cfg(feature = "zfs")]
    ReadOnly,
}

impl VfsError {
    /// The C library's `strerror` text.
    pub fn text(self) -> &'static str {
        match self {
            VfsError::NotFound => "No such file or directory",
            VfsError::NotADirectory => "Not a directory",
            VfsError::IsADirectory => "Is a directory",
            VfsError::Exists => "File exists",
            VfsError::NotEmpty => "Directory not empty",
            VfsError::NoSpace => "No space left on device",
            VfsError::InvalidArgument => "Invalid argument",
            VfsError::FileTooLarge => "File too large",
            VfsError::Io => "Input/output error",
            VfsError::Busy => "Device or resource busy",
            VfsError::CrossDevice => "Invalid cross-device link",
            #[cfg(feature = "zfs")]
            VfsError::QuotaExceeded => "Disk quota exceeded",
            #[cfg(feature = "zfs")]
            VfsError::ReadOnly => "Read-only file system",
        }
    }
}

impl std::fmt::Display for VfsError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.text())
    }
}

/// The blocks of a file's ext4 extent tree: the inode holds four entries;
/// past that, leaf blocks of `(block_size - 12) / 12` extents each (340 in
/// 4 KiB blocks), and index blocks above them while a level has more than
/// four. Simplified: leaves are full, as appends leave them; real writes in
/// another order split leaves half-full (a 680 GiB metadata-preallocated
/// qcow2 image has 1,358 extents in six tree blocks, not four).
fn tree_blocks(extents: u64, deep: bool, block_size: u64) -> u64 {
    let per_block = (block_size - 12) / 12;
    let (mut level, mut blocks) = (extents, 0);
    while level > 4 {
        level = level.div_ceil(per_block);
        blocks += level;
    }
    blocks.max(u64::from(deep && extents > 0))
}

/// statfs's numbers, in blocks of `block_size`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct StatFs {
    /// `f_type`, the filesystem's magic number (0xEF53 for ext4). The
    /// browser, whose filesystems stat names as ext4, has neither this nor
    /// `fsid` (stat takes its ID from the UUID there).
    #[cfg(any(feature = "xfs", feature = "zfs"))]
    pub f_type: u32,
    /// `f_fsid`, as stat's ID prints it: the first word above the second.
    #[cfg(any(feature = "xfs", feature = "zfs"))]
    pub fsid: u64,
    pub block_size: u64,
    pub blocks: u64,
    pub free: u64,
    pub avail: u64,
    pub files: u64,
    pub files_free: u64,
}

/// A filesystem's namespace and block map.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tree {
    pub block_size: u64,
    /// Blocks files may use (statfs's total minus what a fresh fs uses).
    capacity: u64,
    /// statfs's total: `capacity` plus the blocks a fresh filesystem uses.
    total: u64,
    /// Root's reserve (5%) and the reserve nobody may use.
    reserved: u64,
    hidden_reserve: u64,
    /// Used blocks of the device (metadata included), numbered from its start.
    allocated: RangeSet,
    /// How many of `allocated` the fresh filesystem's metadata took.
    metadata: u64,
    /// Blocks on the device; allocation stays below.
    limit: u64,
    /// The longest extent (ext4: 32768 blocks, 32767 when unwritten).
    max_extent: u64,
    inodes: VecMap<Ino, Inode>,
    next_ino: Ino,
    inode_count: u64,
    system_inodes: u64,
    /// ext4's directory hash seed, for readdir order (None: name order).
    pub hash_seed: Option<[u8; 16]>,
}

/// How a new filesystem's space is laid out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Space {
    pub block_size: u64,
    /// statfs's total blocks.
    pub total: u64,
    /// Blocks a fresh filesystem already uses (root dir, lost+found, ...).
    pub used: u64,
    pub reserved: u64,
    pub hidden_reserve: u64,
    pub inodes: u64,
    /// Inodes in use that are not in the tree: ext4's reserved inodes 1 and
    /// 3 to 10, XFS's realtime bitmap and summary.
    pub system_inodes: u64,
}

impl Tree {
    /// An empty filesystem with a root directory and, when `lost_found_blocks`
    /// is non-zero, ext4's lost+found (inode 11).
    pub fn new(space: Space, lost_found_blocks: u64, now: u64) -> Tree {
        let mut metadata = RangeSet::new();
        metadata.insert(0, space.used);
        Tree::with_layout(space, metadata, space.total, lost_found_blocks, now)
    }

    /// A filesystem whose fresh metadata occupies `metadata` of a device of
    /// `limit` blocks.
    pub fn with_layout(space: Space, metadata: RangeSet, limit: u64, lost_found_blocks: u64, now: u64) -> Tree {
        let mut t = Tree {
            block_size: space.block_size,
            capacity: space.total - space.used,
            total: space.total,
            reserved: space.reserved,
            hidden_reserve: space.hidden_reserve,
            metadata: metadata.total(),
            allocated: metadata,
            limit,
            max_extent: u64::MAX,
            inodes: VecMap::new(),
            next_ino: 12,
            inode_count: space.inodes,
            system_inodes: space.system_inodes,
            hash_seed: None,
        };
        let root = Inode { node: Node::Dir { entries: VecMap::new(), blocks: 1 }, mode: 0o755, mtime: now, parent: ROOT_INO };
        t.inodes.insert(ROOT_INO, root);
        if lost_found_blocks > 0 {
            let lf = Inode { node: Node::Dir { entries: VecMap::new(), blocks: lost_found_blocks }, mode: 0o700, mtime: now, parent: ROOT_INO };
            t.inodes.insert(11, lf);
            t.link(ROOT_INO, "lost+found", 11);
        }
        t
    }

    /// Marks `blocks` blocks as used by files the lab does not model (an
    /// installed system), so df shows them.
    pub fn reserve_system_blocks(&mut self, blocks: u64) {
        let free = self.allocated.first_free_near(self.limit / 2, blocks.min(self.capacity), self.limit).unwrap_or_default();
        for (start, n) in free {
            self.allocated.insert(start, n);
            self.metadata += n;
            self.capacity -= n;
        }
    }

    /// Caps extents at ext4's lengths.
    pub fn set_max_extent(&mut self, blocks: u64) {
        self.max_extent = blocks;
    }

    /// Grows or shrinks the filesystem (resize2fs): new totals, same files.
    pub fn resize(&mut self, total: u64, reserved: u64, hidden_reserve: u64, inodes: u64, now: u64) {
        let fresh_used = self.total - self.capacity;
        self.total = total;
        self.capacity = total.saturating_sub(fresh_used);
        self.reserved = reserved;
        self.hidden_reserve = hidden_reserve;
        self.inode_count = inodes;
        self.touch(ROOT_INO, now);
    }

    pub fn statfs(&self) -> StatFs {
        let used = self.allocated.total() - self.metadata;
        let free = self.capacity.saturating_sub(used + self.dir_and_tree_blocks());
        StatFs {
            #[cfg(any(feature = "xfs", feature = "zfs"))]
            f_type: 0,
            #[cfg(any(feature = "xfs", feature = "zfs"))]
            fsid: 0,
            block_size: self.block_size,
            blocks: self.total,
            free,
            avail: free.saturating_sub(self.reserved + self.hidden_reserve),
            files: self.inode_count,
            files_free: self.inode_count.saturating_sub(self.inodes.len() as u64 + self.system_inodes),
        }
    }

    /// Blocks used by directories and extent trees beyond the fresh filesystem's.
    fn dir_and_tree_blocks(&self) -> u64 {
        self.inodes
            .iter()
            .filter(|(ino, _)| **ino != ROOT_INO && **ino != 11)
            .map(|(_, i)| match &i.node {
                Node::Dir { blocks, .. } => *blocks,
                Node::File { extents, deep, .. } => tree_blocks(extents.len() as u64, *deep, self.block_size),
            })
            .sum()
    }

    /// Blocks root may still take.
    pub fn free_for_root(&self) -> u64 {
        self.statfs().free.saturating_sub(self.hidden_reserve)
    }

    pub fn inode(&self, ino: Ino) -> Option<&Inode> {
        self.inodes.get(&ino)
    }

    /// Walks `components` from the root directory.
    pub fn lookup(&self, components: &[&str]) -> Result<Ino, VfsError> {
        let mut ino = ROOT_INO;
        for c in components {
            ino = match &self.inodes.get(&ino).ok_or(VfsError::NotFound)?.node {
                Node::Dir { entries, .. } => match *c {
                    "." => ino,
                    ".." => self.inodes.get(&ino).map_or(ROOT_INO, |i| i.parent),
                    name => *entries.get(name).ok_or(VfsError::NotFound)?,
                },
                Node::File { .. } => return Err(VfsError::NotADirectory),
            };
        }
        Ok(ino)
    }

    fn link(&mut self, dir: Ino, name: &str, ino: Ino) {
        if let Some(Inode { node: Node::Dir { entries, .. }, .. }) = self.inodes.get_mut(&dir) {
            entries.insert(name.to_string(), ino);
        }
    }

    fn entries(&self, dir: Ino) -> Result<&VecMap<String, Ino>, VfsError> {
        match &self.inodes.get(&dir).ok_or(VfsError::NotFound)?.node {
            Node::Dir { entries, .. } => Ok(entries),
            Node::File { .. } => Err(VfsError::NotADirectory),
        }
    }

    fn new_inode(&mut self, dir: Ino, name: &str, node: Node, mode: u32, now: u64) -> Result<Ino, VfsError> {
        if self.entries(dir)?.contains_key(name) {
            return Err(VfsError::Exists);
        }
        if self.statfs().files_free == 0 {
            return Err(VfsError::NoSpace);
        }
        let ino = self.next_ino;
        self.next_ino += 1;
        self.inodes.insert(ino, Inode { node, mode, mtime: now, parent: dir });
        self.link(dir, name, ino);
        self.touch(dir, now);
        Ok(ino)
    }

    pub fn mkdir(&mut self, dir: Ino, name: &str, now: u64) -> Result<Ino, VfsError> {
        if self.entries(dir)?.contains_key(name) {
            return Err(VfsError::Exists);
        }
        if self.free_for_root() == 0 {
            return Err(VfsError::NoSpace);
        }
        self.new_inode(dir, name, Node::Dir { entries: VecMap::new(), blocks: 1 }, 0o755, now)
    }

    /// Creates an empty regular file.
    pub fn create(&mut self, dir: Ino, name: &str, now: u64) -> Result<Ino, VfsError> {
        self.new_inode(dir, name, Node::File { size: 0, extents: VecMap::new(), deep: false }, 0o644, now)
    }

    pub fn touch(&mut self, ino: Ino, now: u64) {
        if let Some(i) = self.inodes.get_mut(&ino) {
            i.mtime = now;
        }
    }

    /// Removes a name; a directory must be empty. Frees the file's blocks.
    pub fn unlink(&mut self, dir: Ino, name: &str, now: u64) -> Result<(), VfsError> {
        let ino = *self.entries(dir)?.get(name).ok_or(VfsError::NotFound)?;
        if let Some(Node::Dir { entries, .. }) = self.inodes.get(&ino).map(|i| &i.node) {
            if !entries.is_empty() {
                return Err(VfsError::NotEmpty);
            }
        }
        if let Some(Inode { node: Node::File { extents, .. }, .. }) = self.inodes.get(&ino) {
            for e in extents.values() {
                self.allocated.remove(e.block, e.count);
            }
        }
        self.inodes.remove(&ino);
        if let Some(Inode { node: Node::Dir { entries, .. }, .. }) = self.inodes.get_mut(&dir) {
            entries.remove(name);
        }
        self.touch(dir, now);
        Ok(())
    }

    /// Moves `name` in `from` to `to_name` in `to`.
    pub fn rename(&mut self, from: Ino, name: &str, to: Ino, to_name: &str, now: u64) -> Result<(), VfsError> {
        let ino = *self.entries(from)?.get(name).ok_or(VfsError::NotFound)?;
        self.entries(to)?;
        if let Some(existing) = self.entries(to)?.get(to_name).copied() {
            if existing == ino {
                return Ok(());
            }
            self.unlink(to, to_name, now)?;
        }
        if let Some(Inode { node: Node::Dir { entries, .. }, .. }) = self.inodes.get_mut(&from) {
            entries.remove(name);
        }
        self.link(to, to_name, ino);
        if let Some(i) = self.inodes.get_mut(&ino) {
            i.parent = to;
        }
        self.touch(from, now);
        self.touch(to, now);
        Ok(())
    }

    pub fn stat(&self, ino: Ino) -> Result<Stat, VfsError> {
        let i = self.inodes.get(&ino).ok_or(VfsError::NotFound)?;
        let per_block = self.block_size / 512;
        Ok(match &i.node {
            Node::Dir { entries, blocks } => {
                let subdirs = entries.values().filter(|c| matches!(self.inodes.get(c).map(|x| &x.node), Some(Node::Dir { .. }))).count() as u64;
                Stat { ino, is_dir: true, size: blocks * self.block_size, blocks_512: blocks * per_block, mode: i.mode, nlink: 2 + subdirs, mtime: i.mtime }
            }
            Node::File { size, extents, deep } => {
                let data: u64 = extents.values().map(|e| e.count).sum();
                let tree = tree_blocks(extents.len() as u64, *deep, self.block_size);
                Stat { ino, is_dir: false, size: *size, blocks_512: (data + tree) * per_block, mode: i.mode, nlink: 1, mtime: i.mtime }
            }
        })
    }

    /// A directory's names in readdir order: ext4's hash order (with `.` and
    /// `..` placed by their own hashes), or name order without a seed.
    pub fn read_dir(&self, dir: Ino, with_dots: bool) -> Result<Vec<(String, Ino)>, VfsError> {
        let entries = self.entries(dir)?;
        let parent = self.inodes.get(&dir).map_or(ROOT_INO, |i| i.parent);
        let mut v: Vec<(String, Ino)> = entries.iter().map(|(n, i)| (n.clone(), *i)).collect();
        if with_dots {
            v.push((".".into(), dir));
            v.push(("..".into(), parent));
        }
        if let Some(seed) = &self.hash_seed {
            v.sort_by_key(|(n, _)| super::ext4::dir_hash(n.as_bytes(), seed));
        }
        Ok(v)
    }

    fn file_mut(&mut self, ino: Ino) -> Result<(&mut u64, &mut VecMap<u64, Extent>), VfsError> {
        match self.inodes.get_mut(&ino).map(|i| &mut i.node) {
            Some(Node::File { size, extents, .. }) => Ok((size, extents)),
            Some(Node::Dir { .. }) => Err(VfsError::IsADirectory),
            None => Err(VfsError::NotFound),
        }
    }

    /// The extent covering logical block `b`, as (start, extent).
    fn extent_at(extents: &VecMap<u64, Extent>, b: u64) -> Option<(u64, Extent)> {
        extents.floor(&b).filter(|(s, e)| b < **s + e.count).map(|(s, e)| (*s, *e))
    }

    /// The runs of a file's bytes that have blocks, written or unwritten,
    /// as (offset, length).
    pub fn block_runs(&self, ino: Ino) -> Result<Vec<(u64, u64)>, VfsError> {
        let Some(Inode { node: Node::File { extents, size, .. }, .. }) = self.inodes.get(&ino) else {
            return Err(VfsError::IsADirectory);
        };
        let bs = self.block_size;
        let mut runs: Vec<(u64, u64)> = Vec::new();
        for (s, e) in extents.iter() {
            let (at, n) = (s * bs, (e.count * bs).min(size.saturating_sub(s * bs)));
            match runs.last_mut() {
                Some(last) if last.0 + last.1 == at => last.1 += n,
                _ => runs.push((at, n)),
            }
        }
        Ok(runs)
    }

    /// Where the bytes `offset..offset + len` of a file live, as
    /// (offset in file, length, filesystem byte offset or None for zeros).
    pub fn map(&self, ino: Ino, offset: u64, len: u64) -> Result<Vec<(u64, u64, Option<u64>)>, VfsError> {
        let Some(Inode { node: Node::File { extents, .. }, .. }) = self.inodes.get(&ino) else {
            return Err(VfsError::IsADirectory);
        };
        let bs = self.block_size;
        let mut out = Vec::new();
        let mut at = offset;
        let end = offset + len;
        while at < end {
            let b = at / bs;
            let (n, loc) = match Self::extent_at(extents, b) {
                Some((s, e)) => {
                    let run_end = (s + e.count) * bs;
                    let where_ = (!e.unwritten).then(|| (e.block + (b - s)) * bs + at % bs);
                    (run_end.min(end) - at, where_)
                }
                None => {
                    let next = extents.ceiling(&b).map_or(end, |(s, _)| (s * bs).min(end));
                    (next.max(at + 1).min(end) - at, None)
                }
            };
            out.push((at, n, loc));
            at += n;
        }
        Ok(out)
    }

    /// Allocates blocks for `offset..offset + len` of a file (marking them
    /// written unless `unwritten`), without changing its size. Either all
    /// needed blocks are allocated or none (ENOSPC), as a delayed-allocation
    /// write reserves its blocks up front.
    /// ext4's `s_maxbytes` for extent-mapped files: 2^32 - 1 blocks
    /// (16 TiB less 4 KiB with 4 KiB blocks).
    pub fn max_file_bytes(&self) -> u64 {
        u64::from(u32::MAX) * self.block_size
    }

    pub fn allocate(&mut self, ino: Ino, offset: u64, len: u64, unwritten: bool) -> Result<(), VfsError> {
        if offset.checked_add(len).is_none_or(|end| end > self.max_file_bytes()) {
            return Err(VfsError::FileTooLarge);
        }
        if len == 0 {
            return Ok(());
        }
        let bs = self.block_size;
        let (first, last) = (offset / bs, (offset + len - 1) / bs);
        let holes = self.holes(ino, first, last)?;
        let need: u64 = holes.iter().map(|h| h.1).sum();
        if need > self.free_for_root() {
            return Err(VfsError::NoSpace);
        }
        for (start, count) in holes {
            self.fill_hole(ino, start, count, unwritten)?;
        }
        if !unwritten {
            self.mark_written(ino, first, last)?;
        }
        self.settle_depth(ino);
        Ok(())
    }

    /// ext4 moves a file's extents out of the inode at the fifth, and
    /// keeps the leaf block however few remain, until none do.
    fn settle_depth(&mut self, ino: Ino) {
        if let Some(Inode { node: Node::File { extents, deep, .. }, .. }) = self.inodes.get_mut(&ino) {
            *deep = (*deep || extents.len() > 4) && !extents.is_empty();
        }
    }

    /// Allocates unwritten blocks from the start of a file for up to `len`
    /// bytes, as many as root may still take; returns the bytes covered.
    pub fn allocate_available(&mut self, ino: Ino, len: u64) -> Result<u64, VfsError> {
        let blocks = len.div_ceil(self.block_size).min(self.free_for_root());
        let bytes = blocks * self.block_size;
        self.allocate(ino, 0, bytes, true)?;
        Ok(bytes)
    }

    /// Unmapped runs of logical blocks `first..=last`, as (start, count).
    fn holes(&mut self, ino: Ino, first: u64, last: u64) -> Result<Vec<(u64, u64)>, VfsError> {
        let (_, extents) = self.file_mut(ino)?;
        let mut holes = Vec::new();
        let mut b = first;
        while b <= last {
            match Self::extent_at(extents, b) {
                Some((s, e)) => b = s + e.count,
                None => {
                    let next = extents.ceiling(&b).map_or(last + 1, |(s, _)| (*s).min(last + 1));
                    holes.push((b, next - b));
                    b = next;
                }
            }
        }
        Ok(holes)
    }

    fn fill_hole(&mut self, ino: Ino, start: u64, count: u64, unwritten: bool) -> Result<(), VfsError> {
        let goal = self.goal(ino, start);
        let runs = self.allocated.first_free_near(goal, count, self.limit).ok_or(VfsError::NoSpace)?;
        let max = if unwritten { self.max_extent.saturating_sub(1).max(1) } else { self.max_extent };
        let mut logical = start;
        for (block, n) in runs {
            self.allocated.insert(block, n);
            let (_, extents) = self.file_mut(ino)?;
            insert_extent(extents, logical, Extent { block, count: n, unwritten }, max);
            logical += n;
        }
        Ok(())
    }

    /// Where to look for free blocks: right after the file's previous block, so
    /// appending stays contiguous.
    fn goal(&self, ino: Ino, logical: u64) -> u64 {
        match self.inodes.get(&ino).map(|i| &i.node) {
            Some(Node::File { extents, .. }) => extents.below(&logical).map_or(0, |(s, e)| e.block + (logical - s).min(e.count)),
            _ => 0,
        }
    }

    /// Turns unwritten extents in `first..=last` into written ones.
    fn mark_written(&mut self, ino: Ino, first: u64, last: u64) -> Result<(), VfsError> {
        self.convert(ino, first, last, false)
    }

    /// `fallocate(FALLOC_FL_ZERO_RANGE)` over whole blocks `first..=last`:
    /// holes get unwritten blocks and written blocks turn unwritten, so
    /// all of them read as zeros and stay allocated. Either all needed
    /// blocks are allocated or none (ENOSPC).
    pub fn zero_range(&mut self, ino: Ino, first: u64, last: u64) -> Result<(), VfsError> {
        self.allocate(ino, first * self.block_size, (last + 1 - first) * self.block_size, true)?;
        self.convert(ino, first, last, true)?;
        self.settle_depth(ino);
        Ok(())
    }

    /// Splits the extents in `first..=last` of the other state and turns
    /// that part to `unwritten` (ext4 converting an extent in place).
    fn convert(&mut self, ino: Ino, first: u64, last: u64, unwritten: bool) -> Result<(), VfsError> {
        let (_, extents) = self.file_mut(ino)?;
        let touched: Vec<(u64, Extent)> =
            extents.range_inclusive(&0, last).filter(|(s, e)| **s + e.count > first && e.unwritten != unwritten).map(|(s, e)| (*s, *e)).collect();
        for (s, e) in touched {
            extents.remove(&s);
            let lo = first.max(s);
            let hi = (last + 1).min(s + e.count);
            let piece = |from: u64, to: u64, unwritten: bool| Extent { block: e.block + (from - s), count: to - from, unwritten };
            if lo > s {
                insert_extent(extents, s, piece(s, lo, e.unwritten), u64::MAX);
            }
            insert_extent(extents, lo, piece(lo, hi, unwritten), u64::MAX);
            if hi < s + e.count {
                insert_extent(extents, hi, piece(hi, s + e.count, e.unwritten), u64::MAX);
            }
        }
        Ok(())
    }

    /// `fallocate(PUNCH_HOLE)` over whole blocks `first..first + count`:
    /// their extents are cut out and the blocks freed; the size stays.
    pub fn punch(&mut self, ino: Ino, first: u64, count: u64) -> Result<(), VfsError> {
        let end = first + count;
        if count == 0 {
            return Ok(());
        }
        let (_, extents) = self.file_mut(ino)?;
        let hit: Vec<(u64, Extent)> = extents.range_inclusive(&0, end - 1).filter(|(s, e)| **s + e.count > first).map(|(s, e)| (*s, *e)).collect();
        let mut freed = Vec::new();
        for (s, e) in hit {
            extents.remove(&s);
            let (lo, hi) = (first.max(s), end.min(s + e.count));
            if lo > s {
                extents.insert(s, Extent { count: lo - s, ..e });
            }
            if hi < s + e.count {
                extents.insert(hi, Extent { block: e.block + (hi - s), count: s + e.count - hi, ..e });
            }
            freed.push((e.block + (lo - s), hi - lo));
        }
        for (b, n) in freed {
            self.allocated.remove(b, n);
        }
        self.settle_depth(ino);
        Ok(())
    }

    pub fn set_size(&mut self, ino: Ino, size: u64, now: u64) -> Result<(), VfsError> {
        if size > self.max_file_bytes() {
            return Err(VfsError::FileTooLarge);
        }
        let bs = self.block_size;
        let (cur, extents) = self.file_mut(ino)?;
        *cur = size;
        let keep = size.div_ceil(bs);
        let cut: Vec<(u64, Extent)> = extents.iter().filter(|(s, e)| **s + e.count > keep).map(|(s, e)| (*s, *e)).collect();
        let mut freed = Vec::new();
        for (s, e) in cut {
            extents.remove(&s);
            let stay = keep.saturating_sub(s);
            if stay > 0 {
                extents.insert(s, Extent { count: stay, ..e });
            }
            freed.push((e.block + stay, e.count - stay));
        }
        for (b, n) in freed {
            self.allocated.remove(b, n);
        }
        self.settle_depth(ino);
        self.touch(ino, now);
        Ok(())
    }

    /// The size of a file.
    pub fn size(&self, ino: Ino) -> u64 {
        match self.inodes.get(&ino).map(|i| &i.node) {
            Some(Node::File { size, .. }) => *size,
            _ => 0,
        }
    }
}

/// Inserts an extent, merging it with the previous one when both are
/// contiguous on disk and of the same kind, and cutting it at `max` blocks.
fn insert_extent(extents: &mut VecMap<u64, Extent>, logical: u64, e: Extent, max: u64) {
    let mut logical = logical;
    let mut e = e;
    if let Some((&ps, &p)) = extents.below(&logical) {
        if ps + p.count == logical && p.block + p.count == e.block && p.unwritten == e.unwritten && p.count < max {
            let grow = e.count.min(max - p.count);
            extents.insert(ps, Extent { count: p.count + grow, ..p });
            logical += grow;
            e = Extent { block: e.block + grow, count: e.count - grow, ..e };
        }
    }
    let mut last = None;
    while e.count > 0 {
        let n = e.count.min(max);
        extents.insert(logical, Extent { count: n, ..e });
        last = Some(logical);
        logical += n;
        e = Extent { block: e.block + n, count: e.count - n, ..e };
    }
    // ext4 merges with the extent after too (`ext4_ext_try_to_merge`), so
    // filling the hole between two extents leaves one.
    let Some(at) = last else { return };
    if let (Some(&l), Some(&r)) = (extents.get(&at), extents.get(&logical)) {
        if l.block + l.count == r.block && l.unwritten == r.unwritten && l.count + r.count <= max {
            extents.remove(&logical);
            extents.insert(at, Extent { count: l.count + r.count, ..l });
        }
    }
}


/// Growing a file keeps the blocks it has past its end (native: features
/// `zero-range-edges` and `coreutils-extras`, for `fallocate -n`).
#[cfg(any(feature = "zero-range-edges", feature = "coreutils-extras"))]
impl Tree {
    pub fn grow_size(&mut self, ino: Ino, size: u64, now: u64) -> Result<(), VfsError> {
        if size > self.max_file_bytes() {
            return Err(VfsError::FileTooLarge);
        }
        let (cur, _) = self.file_mut(ino)?;
        *cur = (*cur).max(size);
        self.touch(ino, now);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tree() -> Tree {
        Tree::new(Space { block_size: 4096, total: 1000, used: 6, reserved: 50, hidden_reserve: 20, inodes: 100, system_inodes: 9 }, 4, 0)
    }

    #[test]
    fn holes_cost_nothing_and_writes_allocate() {
        let mut t = tree();
        let f = t.create(ROOT_INO, "disk.raw", 1).unwrap();
        t.set_size(f, 10 << 30, 1).unwrap();
        assert_eq!(t.stat(f).unwrap().blocks_512, 0);
        t.allocate(f, 100 * 4096, 8192, false).unwrap();
        assert_eq!(t.stat(f).unwrap().blocks_512, 16);
        let m = t.map(f, 99 * 4096, 3 * 4096).unwrap();
        assert_eq!(m.len(), 2);
        assert_eq!((m[0].2, m[1].2.is_some()), (None, true));
    }

    #[test]
    fn space_runs_out_and_frees_again() {
        let mut t = tree();
        let before = t.statfs();
        let f = t.create(ROOT_INO, "big", 1).unwrap();
        assert_eq!(t.allocate(f, 0, 4096 * 2000, false), Err(VfsError::NoSpace));
        t.allocate(f, 0, 4096 * 100, false).unwrap();
        assert_eq!((t.statfs().free, t.statfs().files_free), (before.free - 100, before.files_free - 1));
        t.unlink(ROOT_INO, "big", 2).unwrap();
        assert_eq!(t.statfs(), before);
    }

    #[test]
    fn unwritten_blocks_read_as_zeros_until_written() {
        let mut t = tree();
        let f = t.create(ROOT_INO, "pre", 1).unwrap();
        t.allocate(f, 0, 4096 * 4, true).unwrap();
        assert!(t.map(f, 0, 4096 * 4).unwrap().iter().all(|p| p.2.is_none()));
        t.allocate(f, 4096, 10, false).unwrap();
        let m = t.map(f, 0, 4096 * 4).unwrap();
        assert!(m.iter().any(|p| p.2.is_some()));
        assert_eq!(t.stat(f).unwrap().blocks_512, 32);
    }
}
