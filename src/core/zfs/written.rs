//! What was written after a snapshot: `dsl_dataset_space_written`, the
//! count behind `zfs get written@snap` and `zfs send -nv`'s estimates.
//!
//! The walk follows `ds_prev_snap_obj` from the newer dataset back to the
//! older snapshot, through a clone's origin when it has to. Each link's dead
//! list holds what its predecessor had and it does not; blocks born up to
//! the older snapshot that died on the way were in it, so they count as
//! changed. Bookmarks (`written#bm`) are not modelled.

use super::blkptr::Blkptr;
use super::dsl::Dataset;
use super::pool::Pool;

/// `dsl_dataset_space_written`'s three sums, in bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Written {
    /// Allocated space, as `used` counts it (`written@snap`).
    pub used_bytes: u64,
    /// Compressed size, one copy (`ds_compressed_bytes`).
    pub compressed_bytes: u64,
    /// Logical size (`ds_uncompressed_bytes`), what a send stream carries.
    pub uncompressed_bytes: u64,
}

/// One dataset or snapshot on the `ds_prev_snap_obj` chain.
struct Link<'a> {
    /// `(dataset, snapshot)` names; `None` for the head.
    name: Option<(&'a str, &'a str)>,
    deadlist: &'a [Blkptr],
    referenced: [u64; 3],
}

impl Pool {
    /// The space written in `new` (a head or `fs@snap`) since snapshot
    /// `old` (`fs@snap`): `None` when either is missing or `old` is not an
    /// earlier snapshot of `new`'s dataset or of its origins
    /// (`dsl_dataset_is_before`).
    pub fn space_written(&self, old: &str, new: &str) -> Option<Written> {
        let (old_head, old_snap) = old.split_once('@')?;
        let old = self.dataset(old_head)?.snapshot(old_snap)?;
        let chain = self.chain(new)?;
        let at = chain.iter().skip(1).position(|l| l.name == Some((old_head, old_snap)))? + 1;
        let measures: [&dyn Fn(&Blkptr) -> u64; 3] = [&|b| self.dsize(b), &Blkptr::compressed_size, &Blkptr::ucsize];
        let old_refs = [old.referenced_bytes, old.compressed_referenced_bytes, old.logical_referenced_bytes];
        let mut sums = [0u64; 3];
        for (k, measure) in measures.iter().enumerate() {
            let mut total = chain[0].referenced[k] as i128 - old_refs[k] as i128;
            for link in &chain[..at - 1] {
                total += link.deadlist.iter().filter(|b| b.birth_txg <= old.txg).map(measure).sum::<u64>() as i128;
            }
            total += chain[at - 1].deadlist.iter().map(measure).sum::<u64>() as i128;
            sums[k] = total.max(0) as u64;
        }
        Some(Written { used_bytes: sums[0], compressed_bytes: sums[1], uncompressed_bytes: sums[2] })
    }

    /// `new` and every snapshot before it, newest first, through origins.
    fn chain(&self, new: &str) -> Option<Vec<Link<'_>>> {
        let (head, snap) = match new.split_once('@') {
            Some((h, s)) => (h, Some(s)),
            None => (new, None),
        };
        let mut ds = self.dataset(head)?;
        let mut end = match snap {
            Some(s) => ds.snapshots.iter().position(|x| x.name == s)? + 1,
            None => ds.snapshots.len(),
        };
        let mut chain = Vec::new();
        if snap.is_none() {
            chain.push(Link { name: None, deadlist: &ds.deadlist, referenced: head_refs(ds) });
        }
        loop {
            for i in (0..end).rev() {
                let s = &ds.snapshots[i];
                chain.push(Link { name: Some((ds.name.as_str(), s.name.as_str())), deadlist: &s.deadlist, referenced: [s.referenced_bytes, s.compressed_referenced_bytes, s.logical_referenced_bytes] });
            }
            let Some(origin) = ds.origin() else { return Some(chain) };
            let (origin_head, origin_snap) = origin.snapshot.split_once('@')?;
            ds = self.dataset(origin_head)?;
            end = ds.snapshots.iter().position(|x| x.name == origin_snap)? + 1;
        }
    }
}

fn head_refs(ds: &Dataset) -> [u64; 3] {
    [ds.referenced_bytes, ds.compressed_referenced_bytes, ds.logical_referenced_bytes]
}
