//! Files and directories in a filesystem dataset (the ZPL), and the bytes of
//! a volume.
//!
//! A filesystem's object set starts as `zfs_create_fs` leaves it: the master
//! node (object 1, a micro ZAP of the ZPL version and the system objects),
//! then, at 32 to 36, the SA master node, the delete queue, the root
//! directory, the SA attribute registry (22 attributes) and the SA layouts
//! (a fat ZAP). Files take 2 to 31, then 37 on; a mount point directory
//! that `zfs create` makes comes from another CPU's chunk, 128 on. A directory is a
//! micro ZAP from names to object numbers (with the entry type in the top
//! bits, as `ZFS_DIRENT_MAKE` packs it); a file is an object of
//! `recordsize` blocks, except that a file smaller than one record has a
//! single block of its size rounded up to 512 bytes, which grows as the
//! file does. A volume is object 1 of `volblocksize` blocks, with its size
//! in a micro ZAP (object 2). A write of whole blocks hands described
//! content (zeros, a fill, seeded random data) down without materialising
//! it; a partial block is read, changed and written whole.
//! Simplified: one SA layout for every file and directory (see `dnode`);
//! no permissions, hard links (beyond directories' counts), xattrs or
//! timestamps beyond mtime.

use super::blkptr::ObjType;
use super::dmu::{Bookmark, Buf, Os, Tx};
use super::dnode::{Dnode, Znode, DNODES_PER_BLOCK, S_IFDIR, S_IFREG};
use super::fzap;
use super::{zap, ZfsError};
use crate::core::event::Event;
use crate::core::media::Chunk;

const MASTER_NODE_OBJ: u64 = 1;
const SA_MASTER_OBJ: u64 = 32;
const DELETE_QUEUE_OBJ: u64 = 33;
/// The root directory's object (and inode) number, as ZFS gives it.
pub const ROOT_OBJ: u64 = 34;
const SA_REGISTRY_OBJ: u64 = 35;
const SA_LAYOUTS_OBJ: u64 = 36;
/// `ZPL_VERSION`: system attributes, which OpenZFS 2.2 creates.
const ZPL_VERSION: u64 = 5;
/// `zfs_attr_table`: each attribute's name, length in bytes and byte-swap
/// kind (`SA_UINT64_ARRAY` 0, `SA_UINT8_ARRAY` 3, `SA_ACL` 4); its number is
/// its place in the table.
const ZPL_ATTRS: [(&str, u64, u64); 22] = [
    ("ZPL_ATIME", 16, 0),
    ("ZPL_MTIME", 16, 0),
    ("ZPL_CTIME", 16, 0),
    ("ZPL_CRTIME", 16, 0),
    ("ZPL_GEN", 8, 0),
    ("ZPL_MODE", 8, 0),
    ("ZPL_SIZE", 8, 0),
    ("ZPL_PARENT", 8, 0),
    ("ZPL_LINKS", 8, 0),
    ("ZPL_XATTR", 8, 0),
    ("ZPL_RDEV", 8, 0),
    ("ZPL_FLAGS", 8, 0),
    ("ZPL_UID", 8, 0),
    ("ZPL_GID", 8, 0),
    ("ZPL_PAD", 32, 0),
    ("ZPL_ZNODE_ACL", 88, 3),
    ("ZPL_DACL_COUNT", 8, 0),
    ("ZPL_SYMLINK", 0, 3),
    ("ZPL_SCANSTAMP", 32, 3),
    ("ZPL_DACL_ACES", 0, 4),
    ("ZPL_DXATTR", 0, 3),
    ("ZPL_PROJID", 8, 0),
];
/// SA layout 2: the attributes `zfs_mknode` gives a file or directory, in
/// its order: MODE, SIZE, GEN, UID, GID, PARENT, FLAGS, the four times,
/// LINKS, PROJID, DACL_COUNT, DACL_ACES. (ZFS leaves PROJID out of a pool
/// root's own directory, made before the pool's features are on; the lab
/// uses this one layout throughout.)
const ZPL_LAYOUT: [u64; 15] = [5, 6, 4, 12, 13, 7, 11, 0, 1, 2, 3, 8, 21, 16, 19];
pub const ZVOL_OBJ: u64 = 1;
const ZVOL_ZAP_OBJ: u64 = 2;
const DT_DIR: u64 = 4;
const DT_REG: u64 = 8;

/// What `stat` needs of a file or directory.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ZStat {
    pub object: u64,
    pub is_dir: bool,
    pub size: u64,
    pub mode: u64,
    pub mtime: u64,
    /// Bytes its blocks take (`dn_used`).
    pub used_bytes: u64,
    pub block_bytes: u64,
    /// Hard links: 1 for a file, 2 plus its subdirectories for a directory.
    pub links: u64,
}

/// One object `zfs diff` reports (`write_inuse_diffs_one`, `describe_free`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DiffEntry {
    pub object: u64,
    /// `+`, `-`, `M` or `R`.
    pub change: char,
    /// Its path from the dataset's root (`/` for the root itself).
    pub path: String,
    /// A rename's new path.
    pub renamed_to: Option<String>,
    pub is_dir: bool,
    /// Its change time, in seconds (the lab keeps one time per inode).
    pub ctime: u64,
}

fn bm(os: Os, object: u64, blkid: u64) -> Bookmark {
    Bookmark { os, object, level: 0, blkid }
}

fn components(path: &str) -> Vec<&str> {
    path.split('/').filter(|c| !c.is_empty() && *c != ".").collect()
}

impl Tx<'_> {
    fn write_zap(&mut self, os: Os, obj: u64, entries: &[(String, u64)]) -> Result<(), ZfsError> {
        let mut dn = self.dnode(os, obj)?;
        let size = zap::block_bytes_for(entries.len()).max(dn.data_block_bytes);
        if size > zap::MAX_BLOCK_BYTES {
            return Err(ZfsError::NoSpace);
        }
        if dn.data_block_bytes != size {
            dn.data_block_bytes = size;
            self.set_dnode(os, obj, dn)?;
        }
        self.write(os, obj, 0, Buf::Bytes(zap::encode(entries, size)))
    }

    fn read_zap(&mut self, os: Os, obj: u64) -> Result<Vec<(String, u64)>, ZfsError> {
        Ok(zap::decode(&self.read(bm(os, obj, 0))?))
    }

    /// `zfs_create_fs`.
    pub(super) fn create_zpl(&mut self, os: Os) -> Result<(), ZfsError> {
        let master = self.new_object(os, Dnode::new(ObjType::MasterNode, 512, None, Vec::new()))?;
        let zap_object = |t| Dnode::new(t, 512, None, Vec::new());
        self.new_object_at(os, SA_MASTER_OBJ, zap_object(ObjType::SaMasterNode))?;
        self.new_object_at(os, DELETE_QUEUE_OBJ, zap_object(ObjType::UnlinkedSet))?;
        let root = self.new_dir_object(os, ROOT_OBJ)?;
        self.new_object_at(os, SA_REGISTRY_OBJ, zap_object(ObjType::SaAttrRegistration))?;
        let layouts = Dnode::new(ObjType::SaAttrLayouts, fzap::FZAP_BLOCK_BYTES as u64, None, Vec::new());
        self.new_object_at(os, SA_LAYOUTS_OBJ, layouts)?;
        let registry: Vec<(String, u64)> = ZPL_ATTRS.iter().enumerate().map(|(num, (name, len, bswap))| (name.to_string(), len << 24 | bswap << 16 | num as u64)).collect();
        self.write_zap(os, SA_REGISTRY_OBJ, &registry)?;
        self.write_sa_layouts(os)?;
        self.write_zap(os, SA_MASTER_OBJ, &[("REGISTRY".into(), SA_REGISTRY_OBJ), ("LAYOUTS".into(), SA_LAYOUTS_OBJ)])?;
        self.write_zap(os, DELETE_QUEUE_OBJ, &[])?;
        let master_entries = [("normalization", 0), ("utf8only", 0), ("casesensitivity", 0), ("VERSION", ZPL_VERSION), ("SA_ATTRS", SA_MASTER_OBJ), ("DELETE_QUEUE", DELETE_QUEUE_OBJ), ("ROOT", root)];
        self.write_zap(os, master, &master_entries.map(|(n, v)| (n.to_string(), v)))
    }

    /// The SA layouts: layout "2" as a fat ZAP (its value is an array,
    /// which a micro ZAP cannot hold).
    fn write_sa_layouts(&mut self, os: Os) -> Result<(), ZfsError> {
        let Os::Ds(n) = os else { return Err(ZfsError::Io) };
        let salt = super::dsl::dataset_guid(self.pool.guid, n).rotate_left(29) | 1;
        let entries = [fzap::Entry { name: "2", int_bytes: 2, values: ZPL_LAYOUT.to_vec() }];
        self.write(os, SA_LAYOUTS_OBJ, 0, Buf::Bytes(fzap::header_block(entries.len() as u64, salt)))?;
        self.write(os, SA_LAYOUTS_OBJ, 1, Buf::Bytes(fzap::leaf_block(&entries, salt)))
    }

    pub(super) fn create_zvol(&mut self, os: Os, size_bytes: u64, volblocksize: u64) -> Result<(), ZfsError> {
        self.new_object(os, Dnode::new(ObjType::Zvol, volblocksize, None, Vec::new()))?;
        self.new_object(os, Dnode::new(ObjType::ZvolProp, 512, None, Vec::new()))?;
        self.write_zap(os, ZVOL_ZAP_OBJ, &[("size".into(), size_bytes)])
    }

    /// The volume's size in its property ZAP (`zvol_set_volsize`).
    #[cfg(feature = "zfs")]
    pub fn set_zvol_size(&mut self, os: Os, size_bytes: u64) -> Result<(), ZfsError> {
        self.write_zap(os, ZVOL_ZAP_OBJ, &[("size".into(), size_bytes)])
    }

    /// A mount point directory for `zfs create`: made in that command's own
    /// thread, so ZFS hands it a number from another CPU's chunk of 128
    /// (`dmu_object_alloc`), which starts a new block of dnodes.
    pub fn create_mount_dir(&mut self, os: Os, path: &str) -> Result<u64, ZfsError> {
        self.other_cpu = true;
        let made = self.create(os, path, true);
        self.other_cpu = false;
        made
    }

    /// A new empty directory; the root (`parent` is itself) takes its fixed number.
    fn new_dir_object(&mut self, os: Os, parent: u64) -> Result<u64, ZfsError> {
        let z = Znode { mtime: self.now, mode: S_IFDIR | 0o755, size: 2, parent, links: 2, gen: self.txg };
        let dn = Dnode::zpl(ObjType::DirectoryContents, 512, z.encode());
        let obj = if parent == ROOT_OBJ && self.dnode(os, ROOT_OBJ)?.is_free() { self.new_object_at(os, ROOT_OBJ, dn)? } else { self.new_object(os, dn)? };
        self.write_zap(os, obj, &[])?;
        Ok(obj)
    }

    fn znode(&mut self, os: Os, obj: u64) -> Result<Znode, ZfsError> {
        Ok(Znode::decode(&self.dnode(os, obj)?.bonus))
    }

    fn set_znode(&mut self, os: Os, obj: u64, z: Znode) -> Result<(), ZfsError> {
        let mut dn = self.dnode(os, obj)?;
        dn.bonus = z.encode();
        self.set_dnode(os, obj, dn)
    }

    /// The object a path names, from the root directory.
    pub fn lookup(&mut self, os: Os, path: &str) -> Result<u64, ZfsError> {
        let master = self.read_zap(os, MASTER_NODE_OBJ)?;
        let mut obj = master.iter().find(|(n, _)| n == "ROOT").map(|e| e.1).ok_or(ZfsError::Io)?;
        for name in components(path) {
            if !self.znode(os, obj)?.is_dir() {
                return Err(ZfsError::NotADirectory);
            }
            let entries = self.read_zap(os, obj)?;
            obj = entries.iter().find(|(n, _)| n == name).map(|e| e.1 & ((1 << 48) - 1)).ok_or(ZfsError::NotFound)?;
        }
        Ok(obj)
    }

    fn parent_and_name<'p>(&mut self, os: Os, path: &'p str) -> Result<(u64, &'p str), ZfsError> {
        let parts = components(path);
        let (name, dirs) = parts.split_last().ok_or(ZfsError::Exists)?;
        let parent = self.lookup(os, &dirs.join("/"))?;
        if !self.znode(os, parent)?.is_dir() {
            return Err(ZfsError::NotADirectory);
        }
        if name.len() > zap::MAX_NAME_BYTES {
            return Err(ZfsError::NameTooLong);
        }
        Ok((parent, name))
    }

    /// Creates a file or directory at `path`; its parent must exist.
    pub fn create(&mut self, os: Os, path: &str, dir: bool) -> Result<u64, ZfsError> {
        let (parent, name) = self.parent_and_name(os, path)?;
        let mut entries = self.read_zap(os, parent)?;
        if entries.iter().any(|(n, _)| n == name) {
            return Err(ZfsError::Exists);
        }
        let obj = if dir {
            self.new_dir_object(os, parent)?
        } else {
            let z = Znode { mtime: self.now, mode: S_IFREG | 0o644, size: 0, parent, links: 1, gen: self.txg };
            self.new_object(os, Dnode::zpl(ObjType::PlainFileContents, 512, z.encode()))?
        };
        entries.push((name.to_string(), ((if dir { DT_DIR } else { DT_REG }) << 60) | obj));
        self.write_zap(os, parent, &entries)?;
        // A subdirectory's ".." links to its parent (`zfs_link_create`).
        let pz = self.znode(os, parent)?;
        self.set_znode(os, parent, Znode { size: entries.len() as u64 + 2, mtime: self.now, links: pz.links + u64::from(dir), ..pz })?;
        self.events.push(Event::FileCreated { path: path.to_string(), dir });
        Ok(obj)
    }

    /// `zfs diff`: the files and directories that differ between two object
    /// sets of one filesystem, in object order. A change to an entry
    /// rewrites its directory, so the directory is listed as modified.
    /// Simplified: object numbers are never reused, so an object on both
    /// sides is the same file (ZFS compares generation numbers).
    pub fn diff(&mut self, from: Os, to: Os) -> Result<Vec<DiffEntry>, ZfsError> {
        let blocks = self.dnode(from, 0)?.max_blkid.max(self.dnode(to, 0)?.max_blkid) + 1;
        let mut out = Vec::new();
        for object in 1..blocks.saturating_mul(DNODES_PER_BLOCK) {
            let (old, new) = (self.dnode(from, object)?, self.dnode(to, object)?);
            if old == new {
                continue;
            }
            let entry = |change, path, z: Znode| DiffEntry { object, change, path, renamed_to: None, is_dir: z.is_dir(), ctime: z.mtime };
            out.push(match (zpl_znode(&old), zpl_znode(&new)) {
                (None, None) => continue,
                (Some(z), None) => entry('-', self.path_of(from, object)?, z),
                (None, Some(z)) => entry('+', self.path_of(to, object)?, z),
                (Some(_), Some(z)) => {
                    let (was, is) = (self.path_of(from, object)?, self.path_of(to, object)?);
                    if was == is {
                        entry('M', is, z)
                    } else {
                        DiffEntry { renamed_to: Some(is), ..entry('R', was, z) }
                    }
                }
            });
        }
        Ok(out)
    }

    /// An object's path, by its parents' entries up to the root.
    pub fn path_of(&mut self, os: Os, object: u64) -> Result<String, ZfsError> {
        if object == 0 || zpl_znode(&self.dnode(os, object)?).is_none() {
            return Err(ZfsError::NotFound);
        }
        let mut names = Vec::new();
        let mut at = object;
        loop {
            let parent = self.znode(os, at)?.parent;
            if parent == at {
                break;
            }
            if names.len() > 4096 {
                return Err(ZfsError::Io);
            }
            let entries = self.read_zap(os, parent)?;
            names.push(entries.into_iter().find(|e| e.1 & ((1 << 48) - 1) == at).ok_or(ZfsError::Io)?.0);
            at = parent;
        }
        names.reverse();
        Ok(format!("/{}", names.join("/")))
    }

    /// A directory's entries: (name, object, is a directory).
    pub fn readdir(&mut self, os: Os, obj: u64) -> Result<Vec<(String, u64, bool)>, ZfsError> {
        if !self.znode(os, obj)?.is_dir() {
            return Err(ZfsError::NotADirectory);
        }
        Ok(self.read_zap(os, obj)?.into_iter().map(|(n, v)| (n, v & ((1 << 48) - 1), v >> 60 == DT_DIR)).collect())
    }

    pub fn stat(&mut self, os: Os, obj: u64) -> Result<ZStat, ZfsError> {
        let dn = self.dnode(os, obj)?;
        let z = Znode::decode(&dn.bonus);
        Ok(ZStat { object: obj, is_dir: z.is_dir(), size: z.size, mode: z.mode, mtime: z.mtime, used_bytes: dn.used_bytes, block_bytes: dn.data_block_bytes, links: z.links })
    }

    /// Grows a file's single block toward `end` (at most `recordsize`).
    fn fit_block_size(&mut self, os: Os, obj: u64, end: u64, recordsize: u64) -> Result<u64, ZfsError> {
        let mut dn = self.dnode(os, obj)?;
        if dn.max_blkid > 0 || dn.data_block_bytes >= recordsize || end <= dn.data_block_bytes {
            return Ok(dn.data_block_bytes);
        }
        let new = end.min(recordsize).div_ceil(512) * 512;
        let old = self.read(bm(os, obj, 0))?;
        dn.data_block_bytes = new;
        self.set_dnode(os, obj, dn)?;
        let mut grown = old;
        grown.resize(new as usize, 0);
        self.write(os, obj, 0, Buf::Bytes(grown))?;
        Ok(new)
    }

    /// Writes `chunk` at `offset` of an object of fixed block size.
    fn write_blocks(&mut self, os: Os, obj: u64, offset: u64, chunk: &Chunk, block: u64) -> Result<(), ZfsError> {
        let mut at = 0;
        while at < chunk.len {
            let pos = offset + at;
            let (blkid, within) = (pos / block, pos % block);
            let n = (block - within).min(chunk.len - at);
            if n == block {
                self.write(os, obj, blkid, Buf::Described(chunk.slice(at, n)))?;
            } else {
                let piece = chunk.slice(at, n).to_vec();
                self.modify(bm(os, obj, blkid))?[within as usize..(within + n) as usize].copy_from_slice(&piece);
            }
            at += n;
        }
        Ok(())
    }

    /// Reads `len` bytes at `offset` of an object (holes read as zeros).
    fn read_blocks(&mut self, os: Os, obj: u64, offset: u64, len: u64) -> Result<Vec<u8>, ZfsError> {
        let block = self.dnode(os, obj)?.data_block_bytes;
        let mut out = Vec::with_capacity(len as usize);
        let mut pos = offset;
        while pos < offset + len {
            let (blkid, within) = (pos / block, pos % block);
            let n = (block - within).min(offset + len - pos);
            let data = self.read(bm(os, obj, blkid))?;
            out.extend_from_slice(&data[within as usize..(within + n) as usize]);
            pos += n;
        }
        Ok(out)
    }

    /// Writes into a file, growing it.
    pub fn write_file(&mut self, os: Os, obj: u64, offset: u64, chunk: &Chunk, recordsize: u64) -> Result<(), ZfsError> {
        let z = self.znode(os, obj)?;
        if z.is_dir() {
            return Err(ZfsError::IsADirectory);
        }
        let end = offset.checked_add(chunk.len).ok_or(ZfsError::NoSpace)?;
        let block = self.fit_block_size(os, obj, end, recordsize)?;
        let block = if end > block && block < recordsize { self.fit_block_size(os, obj, recordsize, recordsize)? } else { block };
        self.write_blocks(os, obj, offset, chunk, block)?;
        self.set_znode(os, obj, Znode { size: z.size.max(end), mtime: self.now, ..z })?;
        Ok(())
    }

    /// Reads from a file, up to its end.
    pub fn read_file(&mut self, os: Os, obj: u64, offset: u64, len: u64) -> Result<Vec<u8>, ZfsError> {
        let z = self.znode(os, obj)?;
        if z.is_dir() {
            return Err(ZfsError::IsADirectory);
        }
        let end = offset.saturating_add(len).min(z.size);
        if end <= offset {
            return Ok(Vec::new());
        }
        self.read_blocks(os, obj, offset, end - offset)
    }

    /// Grows a file's size without writing: the new range reads as zeros.
    pub fn grow_file(&mut self, os: Os, obj: u64, size: u64) -> Result<(), ZfsError> {
        let z = self.znode(os, obj)?;
        if z.is_dir() {
            return Err(ZfsError::IsADirectory);
        }
        self.set_znode(os, obj, Znode { size: z.size.max(size), mtime: self.now, ..z })
    }

    /// A file's written blocks in `offset..offset + len` (cut at its end),
    /// as (file offset, bytes): holes and everything past the last block
    /// ever written are left out, so a sparse file costs only its data.
    pub fn read_pieces(&mut self, os: Os, obj: u64, offset: u64, len: u64) -> Result<Vec<(u64, Vec<u8>)>, ZfsError> {
        let z = self.znode(os, obj)?;
        if z.is_dir() {
            return Err(ZfsError::IsADirectory);
        }
        let dn = self.dnode(os, obj)?;
        let block = dn.data_block_bytes.max(1);
        // A read "to the end" asks for u64::MAX bytes.
        let end = offset.saturating_add(len).min(z.size).min(dn.max_blkid.saturating_add(1).saturating_mul(block));
        let mut out = Vec::new();
        let mut pos = offset;
        while pos < end {
            let (blkid, within) = (pos / block, pos % block);
            let n = (block - within).min(end - pos);
            if !self.parent_bp(bm(os, obj, blkid))?.is_hole() {
                let data = self.read(bm(os, obj, blkid))?;
                out.push((pos, data[within as usize..(within + n) as usize].to_vec()));
            }
            pos += n;
        }
        Ok(out)
    }

    /// Frees an object's blocks and its dnode.
    fn free_object(&mut self, os: Os, obj: u64) -> Result<(), ZfsError> {
        self.free_blocks(os, obj)?;
        self.set_dnode(os, obj, Dnode::default())
    }

    /// Empties a file and frees its blocks, keeping its object (`O_TRUNC`).
    pub fn truncate(&mut self, os: Os, obj: u64) -> Result<(), ZfsError> {
        let z = self.znode(os, obj)?;
        if z.is_dir() {
            return Err(ZfsError::IsADirectory);
        }
        self.free_blocks(os, obj)?;
        let bonus = Znode { size: 0, mtime: self.now, ..z }.encode();
        self.set_dnode(os, obj, Dnode::zpl(ObjType::PlainFileContents, 512, bonus))
    }

    fn free_blocks(&mut self, os: Os, obj: u64) -> Result<(), ZfsError> {
        let dn = self.dnode(os, obj)?;
        let mut doomed = Vec::new();
        let top = dn.nlevels.saturating_sub(1);
        let mut stack: Vec<_> = dn.blkptrs.iter().enumerate().map(|(i, bp)| (bp.clone(), Bookmark { os, object: obj, level: top, blkid: i as u64 })).collect();
        while let Some((bp, at)) = stack.pop() {
            if bp.is_hole() {
                continue;
            }
            if bp.level > 0 {
                let bytes = self.read_bp(&bp, at)?;
                for (i, c) in bytes.chunks_exact(128).enumerate() {
                    stack.push((super::Blkptr::decode(c), Bookmark { level: at.level - 1, blkid: (at.blkid << 10) + i as u64, ..at }));
                }
            }
            doomed.push(bp);
        }
        self.drop_object(os, obj);
        for bp in doomed {
            self.kill(os, &bp);
        }
        Ok(())
    }

    /// Removes a file, or an empty directory.
    pub fn remove(&mut self, os: Os, path: &str) -> Result<(), ZfsError> {
        let (parent, name) = self.parent_and_name(os, path)?;
        let mut entries = self.read_zap(os, parent)?;
        let i = entries.iter().position(|(n, _)| n == name).ok_or(ZfsError::NotFound)?;
        let obj = entries[i].1 & ((1 << 48) - 1);
        let dir = self.znode(os, obj)?.is_dir();
        if dir && !self.read_zap(os, obj)?.is_empty() {
            return Err(ZfsError::NotEmpty);
        }
        entries.remove(i);
        self.write_zap(os, parent, &entries)?;
        let pz = self.znode(os, parent)?;
        self.set_znode(os, parent, Znode { size: entries.len() as u64 + 2, mtime: self.now, links: pz.links - u64::from(dir && pz.links > 2), ..pz })?;
        self.free_object(os, obj)?;
        self.events.push(Event::FileRemoved { path: path.to_string() });
        Ok(())
    }

    /// `rename(2)` within one filesystem: the entry moves, an existing
    /// target (a file, or an empty directory) is replaced, and both
    /// directories and the moved object take a new change time.
    pub fn rename(&mut self, os: Os, from: &str, to: &str) -> Result<(), ZfsError> {
        let (old_dir, old_name) = self.parent_and_name(os, from)?;
        let (new_dir, new_name) = self.parent_and_name(os, to)?;
        let entries = self.read_zap(os, old_dir)?;
        let entry = entries.iter().find(|e| e.0 == old_name).map(|e| e.1).ok_or(ZfsError::NotFound)?;
        let obj = entry & ((1 << 48) - 1);
        let is_dir = self.znode(os, obj)?.is_dir();
        if let Ok(target) = self.lookup(os, to) {
            if target == obj {
                return Ok(());
            }
            match (is_dir, self.znode(os, target)?.is_dir()) {
                (false, true) => return Err(ZfsError::IsADirectory),
                (true, false) => return Err(ZfsError::NotADirectory),
                _ => self.remove(os, to)?,
            }
        }
        self.unlink_entry(os, old_dir, old_name)?;
        let mut entries = self.read_zap(os, new_dir)?;
        entries.push((new_name.to_string(), entry));
        self.write_zap(os, new_dir, &entries)?;
        let moved_dir = u64::from(is_dir && old_dir != new_dir);
        for (dir, gained) in [(old_dir, 0), (new_dir, moved_dir)] {
            let size = self.read_zap(os, dir)?.len() as u64 + 2;
            let z = self.znode(os, dir)?;
            let lost = if dir == old_dir { moved_dir.min(z.links.saturating_sub(2)) } else { 0 };
            self.set_znode(os, dir, Znode { size, mtime: self.now, links: z.links + gained - lost, ..z })?;
        }
        let z = self.znode(os, obj)?;
        self.set_znode(os, obj, Znode { parent: new_dir, mtime: self.now, ..z })?;
        self.events.push(Event::FileRemoved { path: from.to_string() });
        self.events.push(Event::FileCreated { path: to.to_string(), dir: is_dir });
        Ok(())
    }

    fn unlink_entry(&mut self, os: Os, dir: u64, name: &str) -> Result<(), ZfsError> {
        let mut entries = self.read_zap(os, dir)?;
        entries.retain(|e| e.0 != name);
        self.write_zap(os, dir, &entries)
    }

    /// Writes into a volume.
    pub fn write_zvol(&mut self, os: Os, offset: u64, chunk: &Chunk) -> Result<(), ZfsError> {
        let block = self.dnode(os, ZVOL_OBJ)?.data_block_bytes;
        self.write_blocks(os, ZVOL_OBJ, offset, chunk, block)
    }

    pub fn read_zvol(&mut self, os: Os, offset: u64, len: u64) -> Result<Vec<u8>, ZfsError> {
        self.read_blocks(os, ZVOL_OBJ, offset, len)
    }

    /// The volume's blocks that are not holes, as byte ranges within
    /// `offset..offset + len`, in order. Descends only into indirect blocks
    /// that exist, so a big, mostly empty volume is cheap.
    #[cfg(feature = "zfs")]
    pub fn zvol_written(&mut self, os: Os, offset: u64, len: u64) -> Result<Vec<(u64, u64)>, ZfsError> {
        let dn = self.dnode(os, ZVOL_OBJ)?;
        let block = dn.data_block_bytes.max(1);
        let (mut blkids, end) = (Vec::new(), offset.saturating_add(len));
        let span = (offset / block, end.saturating_sub(1) / block);
        for (i, bp) in dn.blkptrs.iter().enumerate() {
            if len > 0 && !bp.is_hole() {
                self.written_blkids(os, dn.nlevels.saturating_sub(1), i as u64, span, &mut blkids)?;
            }
        }
        Ok(blkids.into_iter().map(|b| {
            let (lo, hi) = ((b * block).max(offset), ((b + 1) * block).min(end));
            (lo, hi - lo)
        }).collect())
    }

    #[cfg(feature = "zfs")]
    fn written_blkids(&mut self, os: Os, level: u8, blkid: u64, span: (u64, u64), out: &mut Vec<u64>) -> Result<(), ZfsError> {
        use super::dnode::BPS_PER_INDIRECT_SHIFT as SHIFT;
        let shift = SHIFT * u32::from(level);
        let first = blkid.checked_shl(shift).unwrap_or(u64::MAX);
        let last = (blkid + 1).checked_shl(shift).map_or(u64::MAX, |x| x - 1);
        if last < span.0 || first > span.1 {
            return Ok(());
        }
        if level == 0 {
            out.push(blkid);
            return Ok(());
        }
        for i in 0..1u64 << SHIFT {
            let child = (blkid << SHIFT) + i;
            if !self.parent_bp(Bookmark { os, object: ZVOL_OBJ, level: level - 1, blkid: child })?.is_hole() {
                self.written_blkids(os, level - 1, child, span, out)?;
            }
        }
        Ok(())
    }
}

/// A file's or directory's znode; `None` for other objects (the master node).
fn zpl_znode(dn: &Dnode) -> Option<Znode> {
    (dn.bonus_type == Some(ObjType::Sa)).then(|| Znode::decode(&dn.bonus))
}
