//! ZFS filesystems in the file tree: each filesystem dataset is mounted at
//! its `mountpoint` (`/POOL/NAME` unless set), so `echo`, `cat`, `ls`, `dd`
//! and friends reach its files through the ZPL, one txg per change.
//!
//! Reads through `&self` (stat, ls, the console's `cat`) run on a copy of the
//! machine: they verify checksums and return good data, but their repairs are
//! kept only by `read_file_healing`, which the tools that read file data use.
//! `zfs unmount` takes a filesystem off its mount point (and `zfs diff`
//! compares its object sets). Simplified: no preallocation (ZFS has none:
//! `fallocate` only grows the file, as OpenZFS 2.2 emulates mode 0), and
//! shrinking a file rewrites what it keeps.

use super::Machine;
use crate::core::event::Event;
use crate::core::machine::files::{components, normalize};
use crate::core::media::Chunk;
use crate::core::vfs::{Stat, StatFs, VfsError};
use super::zfs::pool_of;
use crate::core::zfs::zpl::DiffEntry;
use crate::core::zfs::{ZStat, ZfsError};

/// The `uuid` a ZFS dataset's nodes carry in `Found::Node`.
pub const ZFS_UUID_PREFIX: &str = "zfs:";

/// The most a shrinking truncate rewrites.
const SHRINK_LIMIT_BYTES: u64 = 64 << 20;

fn vfs_error(e: ZfsError) -> VfsError {
    match e {
        ZfsError::NotFound | ZfsError::NoSuchDataset(_) | ZfsError::NoSuchPool(_) => VfsError::NotFound,
        ZfsError::Exists => VfsError::Exists,
        ZfsError::NotADirectory => VfsError::NotADirectory,
        ZfsError::IsADirectory => VfsError::IsADirectory,
        ZfsError::NotEmpty => VfsError::NotEmpty,
        ZfsError::NoSpace => VfsError::NoSpace,
        #[cfg(feature = "zfs")]
        ZfsError::QuotaExceeded => VfsError::QuotaExceeded,
        ZfsError::NameTooLong => VfsError::InvalidArgument,
        _ => VfsError::Io,
    }
}

fn stat_of(z: &ZStat) -> Stat {
    Stat {
        ino: z.object,
        is_dir: z.is_dir,
        size: z.size,
        // `dmu_object_size_from_db`: the blocks, rounded, plus the dnode's slot.
        blocks_512: (z.used_bytes + 256) / 512 + 1,
        mode: z.mode as u32,
        nlink: z.links,
        mtime: z.mtime,
    }
}

/// The control directory every ZFS filesystem has at its root, hidden
/// from its listing (`snapdir=hidden`) but there to be named.
const CTLDIR: &str = ".zfs";
/// `zfs_ctldir.h`: the control directories' inode numbers; a snapshot's
/// is `ZFSCTL_INO_SNAPDIRS - objsetid`.
const ZFSCTL_INO_ROOT: u64 = 0x0000_FFFF_FFFF_FFFF;
const ZFSCTL_INO_SHARES: u64 = 0x0000_FFFF_FFFF_FFFE;
const ZFSCTL_INO_SNAPDIR: u64 = 0x0000_FFFF_FFFF_FFFD;
const ZFSCTL_INO_SNAPDIRS: u64 = 0x0000_FFFF_FFFF_FFFC;

impl Machine {
    /// The mounted ZFS filesystem a path is in, when its mount point is
    /// deeper than any other mount's: (dataset, path within it).
    pub fn zfs_path(&self, path: &str) -> Option<(String, String)> {
        // Without the console's zpool and zfs (the browser build) no pool can
        // exist; saying so here keeps the ZFS core out of that bundle.
        if cfg!(not(feature = "zfs")) {
            return None;
        }
        let parts = components(path);
        let mut best: Option<(String, usize)> = None;
        for pool in &self.zfs.pools {
            for ds in pool.datasets.iter().filter(|d| !d.is_volume() && !d.unmounted()) {
                let mp = pool.mountpoint_of(&ds.name);
                if !mp.starts_with('/') {
                    continue;
                }
                let mp = components(&mp);
                if parts.len() >= mp.len() && parts[..mp.len()] == mp[..] && best.as_ref().is_none_or(|b| mp.len() > b.1) {
                    best = Some((ds.name.clone(), mp.len()));
                }
            }
        }
        let (ds, n) = best?;
        let deeper = self.mounts.iter().any(|m| {
            let mp = components(&m.target);
            mp.len() > n && parts.len() >= mp.len() && parts[..mp.len()] == mp[..]
        });
        if deeper {
            return None;
        }
        // `.zfs/snapshot/NAME/...` is the snapshot's own tree.
        if let [CTLDIR, "snapshot", snap, rest @ ..] = &parts[n..] {
            if self.zfs.pool(super::zfs::pool_of(&ds)).and_then(|p| p.dataset(&ds)).is_some_and(|d| d.snapshot(snap).is_some()) {
                return Some((format!("{ds}@{snap}"), format!("/{}", rest.join("/"))));
            }
        }
        Some((ds, format!("/{}", parts[n..].join("/"))))
    }

    /// The control directories `.zfs`, `.zfs/snapshot` and `.zfs/shares`
    /// of a mounted filesystem, as `zpl_ctldir.c`'s getattr fills them in;
    /// None for any other path.
    fn ctldir_stat(&self, ds: &str, rel: &str) -> Option<Result<Stat, VfsError>> {
        let dir = |ino, size, nlink, mtime| Ok(Stat { ino, is_dir: true, size, blocks_512: 0, mode: 0o777, nlink, mtime });
        let dataset = self.zfs.pool(super::zfs::pool_of(ds)).and_then(|p| p.dataset(ds))?;
        let mounted_at = dataset.creation_time.max(super::BOOT_TIME);
        match rel.strip_prefix("/.zfs")? {
            "" => Some(dir(ZFSCTL_INO_ROOT, 0, 1, mounted_at)),
            "/shares" => Some(dir(ZFSCTL_INO_SHARES, 2, 2, mounted_at)),
            // `dmu_objset_snap_cmtime`: when a snapshot last came or went.
            "/snapshot" => Some(dir(ZFSCTL_INO_SNAPDIR, 2, 2 + dataset.snapshots.len() as u64, dataset.snapshots.iter().map(|s| s.creation_time).max().unwrap_or(mounted_at))),
            _ => None,
        }
    }

    /// The entries of a control directory: `zpl_root_iterate` and
    /// `zpl_snapdir_iterate`. A snapshot's entry is the directory inode
    /// made before its automount (mode 777, one link, made now).
    fn ctldir_entries(&self, ds: &str, rel: &str) -> Option<Vec<(String, Stat)>> {
        let dataset = self.zfs.pool(super::zfs::pool_of(ds)).and_then(|p| p.dataset(ds))?;
        let entry = |name: &str, stat: Result<Stat, VfsError>| stat.ok().map(|s| (name.to_string(), s));
        match rel {
            "/.zfs" => [entry("snapshot", self.ctldir_stat(ds, "/.zfs/snapshot")?), entry("shares", self.ctldir_stat(ds, "/.zfs/shares")?)].into_iter().collect(),
            "/.zfs/snapshot" => Some(
                dataset
                    .snapshots
                    .iter()
                    .map(|snap| (snap.name.clone(), Stat { ino: ZFSCTL_INO_SNAPDIRS - snap.obj, is_dir: true, size: 0, blocks_512: 0, mode: 0o777, nlink: 1, mtime: self.clock }))
                    .collect(),
            ),
            _ => None,
        }
    }

    /// The volume a `/dev/zvol/POOL/NAME` or `/dev/zdN` path names.
    #[cfg(feature = "zfs")]
    pub fn zvol_path(&self, path: &str) -> Option<String> {
        self.resolve(path).and_then(|d| self.zvol_of(d))
    }

    #[cfg(not(feature = "zfs"))]
    pub fn zvol_path(&self, _: &str) -> Option<String> {
        None
    }

    /// Mounted ZFS filesystems, as (dataset, mount point, when it was
    /// mounted: at boot, or when it was created), pool by pool.
    pub fn zfs_mounts(&self) -> Vec<(String, String, u64)> {
        let mut out = Vec::new();
        // As in `zfs_path`: without ZFS in the build no pool exists.
        if cfg!(not(feature = "zfs")) {
            return out;
        }
        for pool in &self.zfs.pools {
            for ds in pool.datasets.iter().filter(|d| !d.is_volume() && !d.unmounted()) {
                let mp = pool.mountpoint_of(&ds.name);
                if mp.starts_with('/') {
                    out.push((ds.name.clone(), mp, ds.creation_time.max(super::BOOT_TIME)));
                }
            }
        }
        out
    }

    /// Runs a read on a copy of the machine, so `&self` callers can read.
    fn zfs_peek<R>(&self, op: impl FnOnce(&mut Machine) -> Result<R, ZfsError>) -> Result<R, VfsError> {
        let mut copy = self.clone();
        op(&mut copy).map_err(vfs_error)
    }

    pub(super) fn zfs_stat_path(&self, ds: &str, rel: &str) -> Result<Stat, VfsError> {
        if let Some(stat) = self.ctldir_stat(ds, rel) {
            return stat;
        }
        self.zfs_peek(|m| m.zfs_stat(ds, rel)).map(|z| stat_of(&z))
    }

    pub(super) fn zfs_read_dir(&self, ds: &str, rel: &str, with_dots: bool, parent: Option<Stat>) -> Result<Vec<(String, Stat)>, VfsError> {
        if let Some(entries) = self.ctldir_entries(ds, rel) {
            let here = self.zfs_stat_path(ds, rel)?;
            let up = self.zfs_stat_path(ds, rel.rsplit_once('/').map_or("/", |(p, _)| if p.is_empty() { "/" } else { p }))?;
            let dots = [(".".to_string(), here), ("..".to_string(), up)];
            return Ok(dots.into_iter().filter(|_| with_dots).chain(entries).collect());
        }
        // `zfs_show_ctldir`: snapdir=visible lists `.zfs` after the dots
        // (a snapshot's own root has none: `zfsctl_create` skips it).
        #[cfg(feature = "zfs")]
        let visible = rel == "/" && !ds.contains('@') && self.zfs.pool(super::zfs::pool_of(ds)).is_some_and(|p| p.inherited(ds, |p| p.stored("snapdir").cloned()).is_some_and(|v| v.0 == "visible"));
        #[cfg(not(feature = "zfs"))]
        let visible = false;
        let ctldir = match self.ctldir_stat(ds, "/.zfs") {
            Some(Ok(stat)) if visible => Some((CTLDIR.to_string(), stat)),
            _ => None,
        };
        self.zfs_peek(|m| {
            let here = m.zfs_stat(ds, rel)?;
            let mut out = Vec::new();
            if with_dots {
                out.push((".".to_string(), stat_of(&here)));
                out.push(("..".to_string(), parent.unwrap_or_else(|| stat_of(&here))));
            }
            out.extend(ctldir);
            for (name, _) in m.zfs_readdir(ds, rel)? {
                let path = format!("{}/{name}", rel.trim_end_matches('/'));
                out.push((name, stat_of(&m.zfs_stat(ds, &path)?)));
            }
            Ok(out)
        })
    }

    /// `readonly=on` (set here or inherited) mounts the dataset read-only:
    /// every change through its files fails with EROFS.
    pub(super) fn zfs_writable(&self, ds: &str) -> Result<(), VfsError> {
        // A snapshot, reached through `.zfs/snapshot`, is read-only.
        #[cfg(feature = "zfs")]
        if ds.contains('@') {
            return Err(VfsError::ReadOnly);
        }
        #[cfg(feature = "zfs")]
        if let Some(pool) = self.zfs.pool(crate::core::machine::zfs::pool_of(ds)) {
            if pool.readonly(ds) {
                return Err(VfsError::ReadOnly);
            }
        }
        #[cfg(not(feature = "zfs"))]
        let _ = ds;
        Ok(())
    }

    pub(super) fn zfs_move(&mut self, ds: &str, from: &str, to: &str) -> Result<Vec<Event>, VfsError> {
        self.zfs_writable(ds)?;
        self.zfs_rename_file(ds, from, to).map_err(vfs_error)
    }

    pub(super) fn zfs_mkdir(&mut self, ds: &str, rel: &str) -> Result<Vec<Event>, VfsError> {
        // `zfsctl_snapdir_mkdir`: a directory made in `.zfs/snapshot` is a
        // new snapshot of the filesystem.
        if let Some(snap) = rel.strip_prefix("/.zfs/snapshot/").filter(|s| !s.contains('/')) {
            return self.zfs_snapshot(&format!("{ds}@{snap}"), false).map_err(vfs_error);
        }
        self.zfs_writable(ds)?;
        self.zfs_create_file(ds, rel, true).map_err(vfs_error)
    }

    pub(super) fn zfs_open(&mut self, ds: &str, rel: &str, truncate: bool) -> Result<Vec<Event>, VfsError> {
        self.zfs_writable(ds)?;
        match self.zfs_stat(ds, rel) {
            Ok(z) if z.is_dir => Err(VfsError::IsADirectory),
            Ok(z) if truncate && z.size > 0 => self.zfs_set_size(ds, rel, 0),
            Ok(_) => Ok(Vec::new()),
            Err(ZfsError::NotFound) => self.zfs_create_file(ds, rel, false).map_err(vfs_error),
            Err(e) => Err(vfs_error(e)),
        }
    }

    /// Whether a quota, rather than the pool, bounds the space left for a
    /// file at `path` (so a full write fails with `EDQUOT`).
    #[cfg(feature = "zfs")]
    pub fn zfs_quota_bound(&self, path: &str) -> bool {
        let ds = self.zfs_path(&normalize(path)).map(|p| p.0).or_else(|| self.zvol_path(path));
        let Some(ds) = ds else { return false };
        let Some(pool) = self.zfs.pool(crate::core::machine::zfs::pool_of(&ds)) else { return false };
        pool.space(&ds).and_then(|s| s.available).is_some_and(|a| a < pool.available_bytes())
    }

    /// The file bytes a dataset still takes: its AVAIL, which counts every
    /// copy of a block (`copies`).
    pub fn zfs_file_room(&self, ds: &str) -> Result<u64, VfsError> {
        let pool = self.zfs.pool(crate::core::machine::zfs::pool_of(ds)).ok_or(VfsError::NotFound)?;
        let available = pool.space(ds).ok_or(VfsError::NotFound)?.available.unwrap_or(0);
        Ok(available / u64::from(pool.copies_of(ds)).max(1))
    }

    pub(super) fn zfs_write(&mut self, ds: &str, rel: &str, offset: u64, chunk: Chunk) -> Result<Vec<Event>, VfsError> {
        self.zfs_writable(ds)?;
        self.zfs_write_file(ds, rel, offset, chunk).map_err(vfs_error)
    }

    /// A file's written blocks; holes read as zeros without being produced.
    pub(super) fn zfs_pieces(&self, ds: &str, rel: &str, offset: u64, len: u64) -> Result<Vec<(u64, Chunk)>, VfsError> {
        let pieces = self.zfs_peek(|m| m.zfs_read_pieces(ds, rel, offset, len).map(|r| r.0))?;
        Ok(pieces.into_iter().map(|(at, b)| (at, Chunk::bytes(&b))).collect())
    }

    /// Sets a file's size: growing leaves zeros; shrinking keeps the start.
    pub(super) fn zfs_set_size(&mut self, ds: &str, rel: &str, size: u64) -> Result<Vec<Event>, VfsError> {
        self.zfs_writable(ds)?;
        let z = self.zfs_stat(ds, rel).map_err(vfs_error)?;
        if z.is_dir {
            return Err(VfsError::IsADirectory);
        }
        if size >= z.size {
            return self.zfs_grow(ds, rel, size).map_err(vfs_error);
        }
        if size > SHRINK_LIMIT_BYTES {
            return Err(VfsError::InvalidArgument);
        }
        let (kept, mut events) = self.zfs_read_file(ds, rel, 0, size).map_err(vfs_error)?;
        events.extend(self.zfs_truncate(ds, rel).map_err(vfs_error)?);
        if !kept.is_empty() {
            events.extend(self.zfs_write_file(ds, rel, 0, Chunk::bytes(&kept)).map_err(vfs_error)?);
        }
        Ok(events)
    }

    pub(super) fn zfs_unlink(&mut self, ds: &str, rel: &str, dir: bool) -> Result<Vec<Event>, VfsError> {
        self.zfs_writable(ds)?;
        let z = self.zfs_stat(ds, rel).map_err(vfs_error)?;
        if z.is_dir != dir {
            return Err(if dir { VfsError::NotADirectory } else { VfsError::IsADirectory });
        }
        if rel == "/" {
            return Err(VfsError::Busy);
        }
        self.zfs_remove(ds, rel).map_err(vfs_error)
    }

    /// statfs of a dataset: its referenced bytes and what is available, in
    /// 512-byte units as ZFS reports them (`zfs_statvfs`).
    pub(super) fn zfs_statfs(&self, ds: &str) -> Result<StatFs, VfsError> {
        let pool = self.zfs.pool(super::zfs::pool_of(ds)).ok_or(VfsError::NotFound)?;
        let space = pool.space(ds).ok_or(VfsError::NotFound)?;
        // `dsl_dataset_space`: a snapshot has its filesystem's room.
        let head = ds.split('@').next().unwrap_or(ds);
        let available = if head == ds { space.available } else { pool.space(head).and_then(|h| h.available) }.unwrap_or(0);
        // `zfs_statvfs`: blocks of the recordsize (`z_max_blksz`), the
        // referenced bytes rounded up so that no filesystem uses 0 blocks, and
        // one file for each 512 bytes free (the objects in use uncounted).
        let block_size = pool.recordsize_of(head).max(512);
        let referenced = space.referenced.div_ceil(block_size) * block_size;
        let free = available / block_size;
        #[cfg(any(feature = "xfs", feature = "zfs"))]
        let guid = crate::core::zfs::dsl::dataset_guid(pool.guid, pool.dataset(head).map_or(0, |d| d.obj)).rotate_left(32);
        Ok(StatFs {
            #[cfg(any(feature = "xfs", feature = "zfs"))]
            f_type: 0x2fc1_2fc1,
            #[cfg(any(feature = "xfs", feature = "zfs"))]
            fsid: guid,
            block_size, blocks: (referenced + available) / block_size, free, avail: free, files: available >> 9, files_free: available >> 9 })
    }

    /// Writes a whole redirect's output (`>` or `>>`): on ZFS one txg, as
    /// one command's writes land in one transaction group.
    pub fn put_file(&mut self, path: &str, append: bool, chunk: Chunk) -> Result<Vec<Event>, VfsError> {
        if let Some((ds, rel)) = self.zfs_path(&normalize(path)) {
            self.zfs_writable(&ds)?;
            return self.zfs_put_file(&ds, &rel, append, chunk).map_err(vfs_error);
        }
        let mut events = self.create_file(path, !append)?;
        let at = if append { self.file_size(path)? } else { 0 };
        if chunk.len > 0 {
            events.extend(self.write_file(path, at, chunk)?);
        }
        Ok(events)
    }

    /// Reads file data, keeping what the read repaired (`cat` on a file
    /// whose copy rotted heals it, as ZFS does).
    pub fn read_file_healing(&mut self, path: &str, offset: u64, len: u64) -> Result<(Vec<u8>, Vec<Event>), VfsError> {
        match self.zfs_path(&normalize(path)) {
            Some((ds, rel)) => self.zfs_read_file(&ds, &rel, offset, len).map_err(vfs_error),
            None => self.read_file(path, offset, len).map(|b| (b, Vec::new())),
        }
    }
}

impl Machine {
    /// `zfs mount` and `zfs unmount` of one filesystem; an unmount takes its
    /// descendants off too (`zfs_unmountall`).
    #[cfg(feature = "zfs")]
    pub fn zfs_set_mounted(&mut self, name: &str, mounted: bool) -> Result<Vec<Event>, ZfsError> {
        let before: Vec<(String, String, u64)> = self.zfs_mounts();
        let pool = self.zfs.pool_mut(pool_of(name)).ok_or_else(|| ZfsError::NoSuchPool(pool_of(name).into()))?;
        let below = format!("{name}/");
        for ds in pool.datasets.iter_mut().filter(|d| d.name == name || (!mounted && d.name.starts_with(&below))) {
            ds.unmounted = !mounted;
        }
        let after = self.zfs_mounts();
        let changed = |from: &[(String, String, u64)], to: &[(String, String, u64)]| from.iter().filter(|m| !to.iter().any(|n| n.0 == m.0)).map(|m| (m.0.clone(), m.1.clone())).collect::<Vec<_>>();
        let mut events: Vec<Event> = changed(&before, &after).into_iter().rev().map(|(dev, target)| Event::Unmounted { dev, target }).collect();
        events.extend(changed(&after, &before).into_iter().map(|(dev, target)| Event::Mounted { dev, target }));
        Ok(events)
    }

    pub fn zfs_truncate(&mut self, dataset: &str, path: &str) -> Result<Vec<Event>, ZfsError> {
        Ok(self.fs_op(dataset, |tx, os, _| tx.lookup(os, path).and_then(|o| tx.truncate(os, o)))?.1)
    }

    /// An object's path in a filesystem or snapshot, from its root.
    pub fn zfs_object_path(&mut self, dataset: &str, object: u64) -> Option<String> {
        self.fs_op(dataset, |tx, os, _| tx.path_of(os, object)).ok().map(|r| r.0)
    }

    pub fn zfs_rename_file(&mut self, dataset: &str, from: &str, to: &str) -> Result<Vec<Event>, ZfsError> {
        Ok(self.fs_op(dataset, |tx, os, _| tx.rename(os, from, to))?.1)
    }

    /// `zfs diff`'s objects between a snapshot and a later snapshot or the
    /// head, both of one filesystem (or its clone).
    pub fn zfs_diff(&mut self, from: &str, to: &str) -> Result<Vec<DiffEntry>, ZfsError> {
        let pool = self.zfs.pool(pool_of(to)).ok_or_else(|| ZfsError::NoSuchPool(pool_of(to).into()))?;
        let os = |n: &str| pool.os_of(n).ok_or_else(|| ZfsError::NoSuchDataset(n.into()));
        let (from_os, to_os) = (os(from)?, os(to)?);
        Ok(self.with_pool(&pool_of(to).to_string(), |tx| tx.diff(from_os, to_os))?.0)
    }
}
