//! `zfs bookmark` and the destruction of bookmarks: what
//! `dsl_bookmark_create_sync` and `dsl_bookmark_destroy_sync` record. Each
//! runs as one txg, as ZFS's sync tasks do.

use super::zfs::pool_of;
use super::Machine;
use crate::core::event::Event;
use crate::core::zfs::bookmark::{BookmarkError, ZfsBookmark};
use crate::core::zfs::written::Written;
use crate::core::zfs::ZfsError;
use super::IoError;

impl Machine {
    /// `lzc_bookmark`: makes `fs#name` from `source`, a snapshot or a
    /// bookmark of `fs` or of a dataset it was cloned from. `contents` is
    /// the console's digest of the snapshot (a bookmark's source keeps its own).
    pub fn zfs_bookmark(&mut self, source: &str, new: &str, contents: Option<Vec<(String, Option<u64>)>>) -> Result<Vec<Event>, BookmarkError> {
        let (fs, name) = new.split_once('#').ok_or(BookmarkError::Invalid)?;
        // The pool is the name up to the first `/`, `@` or `#`.
        let pool_name = |n: &str| n.split(['/', '@', '#']).next().unwrap_or_default().to_string();
        if pool_name(source) != pool_name(fs) {
            return Err(BookmarkError::DifferentPool);
        }
        // ZFS_MAX_DATASET_NAME_LEN counts the terminating NUL.
        if new.len() >= 256 {
            return Err(BookmarkError::Invalid);
        }
        let pool = self.zfs.pool(pool_of(fs)).ok_or(BookmarkError::NoDataset)?;
        let ds = pool.dataset(fs).ok_or(BookmarkError::NoDataset)?;
        if name.is_empty() || name.contains(['@', '#', '/']) {
            return Err(BookmarkError::Invalid);
        }
        if ds.bookmark(name).is_some() {
            return Err(BookmarkError::Exists);
        }
        let mut mark = match source.split_once('@') {
            Some((src_fs, snap)) => {
                let s = pool.dataset(src_fs).and_then(|d| d.snapshot(snap)).ok_or(BookmarkError::NoDataset)?;
                if pool.space_written(source, fs).is_none() {
                    return Err(BookmarkError::NotAncestor);
                }
                ZfsBookmark {
                    name: String::new(),
                    guid: s.guid,
                    txg: s.txg,
                    creation_time: s.creation_time,
                    referenced_bytes: s.referenced_bytes,
                    compressed_referenced_bytes: s.compressed_referenced_bytes,
                    logical_referenced_bytes: s.logical_referenced_bytes,
                    contents,
                }
            }
            None => {
                let (src_fs, bm) = source.split_once('#').ok_or(BookmarkError::Invalid)?;
                let b = pool.dataset(src_fs).and_then(|d| d.bookmark(bm)).ok_or(BookmarkError::NoDataset)?;
                if src_fs != fs && !self.zfs_origins(fs).iter().any(|(o, txg)| o == src_fs && b.txg <= *txg) {
                    return Err(BookmarkError::NotAncestor);
                }
                b.clone()
            }
        };
        mark.name = name.to_string();
        let (obj, txg) = (ds.obj, mark.txg);
        let pool = pool.name.clone();
        let (_, mut events) = self
            .with_pool(&pool, |tx| {
                tx.pool.dataset_mut(fs).ok_or(ZfsError::Io)?.bookmarks.push(mark);
                tx.touch_record(obj)
            })
            .map_err(|_| BookmarkError::NoDataset)?;
        events.push(Event::BookmarkCreated { bookmark: new.to_string(), txg });
        Ok(events)
    }

    /// Destroys `fs#name` (`lzc_destroy_bookmarks`); `NotFound` if there is none.
    pub fn zfs_destroy_bookmark(&mut self, name: &str) -> Result<Vec<Event>, ZfsError> {
        let (fs, bm) = name.split_once('#').ok_or(ZfsError::NotFound)?;
        let ds = self.zfs.pool(pool_of(fs)).and_then(|p| p.dataset(fs)).ok_or(ZfsError::NotFound)?;
        ds.bookmark(bm).ok_or(ZfsError::NotFound)?;
        let obj = ds.obj;
        let (_, mut events) = self.with_pool(pool_of(fs), |tx| {
            tx.pool.dataset_mut(fs).ok_or(ZfsError::Io)?.bookmarks.retain(|b| b.name != bm);
            tx.touch_record(obj)
        })?;
        events.push(Event::BookmarkDestroyed { bookmark: name.to_string() });
        Ok(events)
    }

    /// What `name` (a dataset or a snapshot) references that was born
    /// after `txg`: `dsl_dataset_space_written`'s meaning, found by walking
    /// its tree on a copy of the pool, as ZFS's bookkeeping for a bookmark
    /// (`zbm_*_freed_before_next_snap`) keeps it without one.
    pub fn zfs_written_since(&self, name: &str, txg: u64) -> Result<Written, IoError> {
        self.zvol_tx(name, |tx, os| {
            let root = tx.objset_bp(os)?;
            let mut w = Written::default();
            tx.walk_with_embedded(&root, os, txg, &mut |tx, bp| {
                w.used_bytes += tx.pool.dsize(bp);
                w.compressed_bytes += bp.compressed_size();
                w.uncompressed_bytes += bp.ucsize();
            })?;
            Ok(w)
        })
    }

    /// A volume's (or its snapshot's) written blocks of `block` bytes each,
    /// by offset, read without changing the machine; at most 256 MiB.
    pub fn zvol_blocks(&self, name: &str, block: u64) -> Result<Vec<(u64, Vec<u8>)>, IoError> {
        let block = block.max(512);
        self.zvol_tx(name, |tx, os| {
            let ranges = tx.zvol_written(os, 0, u64::MAX)?;
            if ranges.iter().map(|r| r.1).sum::<u64>() > 256 << 20 {
                return Err(ZfsError::NoSpace);
            }
            let mut out = Vec::new();
            for (at, len) in ranges {
                for off in (at..at + len).step_by(block as usize) {
                    out.push((off, tx.read_zvol(os, off, block.min(at + len - off))?));
                }
            }
            Ok(out)
        })
    }

    /// The datasets `fs` was cloned from, nearest first, with the txg of
    /// the origin snapshot in each.
    fn zfs_origins(&self, fs: &str) -> Vec<(String, u64)> {
        let mut out = Vec::new();
        let mut ds = self.zfs.pool(pool_of(fs)).and_then(|p| p.dataset(fs));
        while let Some(o) = ds.and_then(|d| d.origin()) {
            let head = o.snapshot.split('@').next().unwrap_or_default().to_string();
            out.push((head.clone(), o.txg));
            ds = self.zfs.pool(pool_of(fs)).and_then(|p| p.dataset(&head));
        }
        out
    }
}
