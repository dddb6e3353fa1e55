//! `zfs hold`, `zfs release` and `zfs holds`: user holds on snapshots, as
//! `dsl_userhold.c` keeps them. A held snapshot cannot be destroyed; one
//! destroyed with `-d` while held goes when its last hold is released.
//! Each hold or release runs as one txg.
//!
//! Simplified: no temporary holds (`zfs send -h`), and a snapshot's tags
//! list in the order they were placed, not in the ZAP's hash order.

use super::zfs::pool_of;
use super::Machine;
use crate::core::event::Event;
use crate::core::zfs::ZfsError;

/// Why `zfs hold` or `zfs release` placed or released nothing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HoldError {
    /// The file system or volume before the `@` does not exist.
    NoDataset(String),
    /// No snapshot of that name (ENOENT).
    NoSnapshot,
    /// This snapshot has the tag already (EEXIST).
    TagExists(String),
    /// A tag longer than `MAXNAMELEN` (E2BIG).
    TagTooLong(String),
    /// No snapshot named has the tag (ESRCH).
    NoSuchTag,
}

/// The longest tag, in bytes (`MAXNAMELEN`).
const MAX_TAG_BYTES: usize = 256;

impl Machine {
    /// The snapshots `fs@snap` names: the one of `fs`, and with `recursive`
    /// those of the same name below it (`zfs_hold_one`), by name.
    pub fn snapshots_named(&self, fs: &str, snap: &str, recursive: bool) -> Result<Vec<String>, HoldError> {
        let pool = self.zfs.pool(pool_of(fs)).ok_or_else(|| HoldError::NoDataset(fs.into()))?;
        pool.dataset(fs).ok_or_else(|| HoldError::NoDataset(fs.into()))?;
        let below = format!("{fs}/");
        let mut names: Vec<&str> = pool.datasets.iter().map(|d| d.name.as_str()).filter(|n| *n == fs || recursive && n.starts_with(&below)).collect();
        names.sort_unstable();
        let has = |n: &str| pool.dataset(n).and_then(|d| d.snapshot(snap)).is_some();
        Ok(names.into_iter().filter(|n| has(n)).map(|n| format!("{n}@{snap}")).collect())
    }

    /// A snapshot's holds, oldest first; None if there is no such snapshot.
    pub fn zfs_holds(&self, snapshot: &str) -> Option<&[(String, u64)]> {
        let (fs, snap) = snapshot.split_once('@')?;
        let s = self.zfs.pool(pool_of(fs))?.dataset(fs)?.snapshot(snap)?;
        Some(&s.holds)
    }

    /// `zfs hold [-r] TAG FS@SNAP`: every snapshot named gets the tag, or
    /// (the first refusal failing the whole sync task) none does.
    pub fn zfs_hold(&mut self, fs: &str, snap: &str, tag: &str, recursive: bool) -> Result<Vec<Event>, HoldError> {
        let targets = self.snapshots_named(fs, snap, recursive)?;
        if targets.is_empty() {
            return Err(HoldError::NoSnapshot);
        }
        for t in &targets {
            if tag.len() > MAX_TAG_BYTES {
                return Err(HoldError::TagTooLong(t.clone()));
            }
            if self.zfs_holds(t).is_some_and(|h| h.iter().any(|(k, _)| k == tag)) {
                return Err(HoldError::TagExists(t.clone()));
            }
        }
        let now = self.clock;
        let (_, mut events) = self
            .with_pool(pool_of(fs), |tx| {
                for t in &targets {
                    let (d, s) = t.split_once('@').ok_or(ZfsError::Io)?;
                    let snapshot = tx.pool.dataset_mut(d).and_then(|ds| ds.snapshots.iter_mut().find(|x| x.name == s)).ok_or(ZfsError::Io)?;
                    snapshot.holds.push((tag.to_string(), now));
                    let obj = snapshot.obj;
                    tx.touch_record(obj)?;
                }
                Ok(())
            })
            .map_err(|_| HoldError::NoSnapshot)?;
        events.extend(targets.into_iter().map(|snapshot| Event::HoldPlaced { snapshot, tag: tag.to_string() }));
        Ok(events)
    }

    /// `zfs release [-r] TAG FS@SNAP`: the tag comes off each snapshot named
    /// that has it; a snapshot marked `defer_destroy` goes with its last hold.
    pub fn zfs_release(&mut self, fs: &str, snap: &str, tag: &str, recursive: bool) -> Result<Vec<Event>, HoldError> {
        let found = self.snapshots_named(fs, snap, recursive)?;
        if found.is_empty() {
            return Err(HoldError::NoSnapshot);
        }
        let targets: Vec<String> = found.into_iter().filter(|t| self.zfs_holds(t).is_some_and(|h| h.iter().any(|(k, _)| k == tag))).collect();
        if targets.is_empty() {
            return Err(HoldError::NoSuchTag);
        }
        let (_, events) = self
            .with_pool(pool_of(fs), |tx| {
                for t in &targets {
                    let (d, s) = t.split_once('@').ok_or(ZfsError::Io)?;
                    let snapshot = tx.pool.dataset_mut(d).and_then(|ds| ds.snapshots.iter_mut().find(|x| x.name == s)).ok_or(ZfsError::Io)?;
                    snapshot.holds.retain(|(k, _)| k != tag);
                    let (obj, doomed) = (snapshot.obj, snapshot.holds.is_empty() && snapshot.defer_destroy);
                    tx.touch_record(obj)?;
                    tx.events.push(Event::HoldReleased { snapshot: t.clone(), tag: tag.to_string() });
                    if doomed {
                        tx.destroy_snapshot(d, s)?;
                    }
                }
                Ok(())
            })
            .map_err(|_| HoldError::NoSnapshot)?;
        self.refresh();
        Ok(events)
    }

    /// `zfs destroy -d` of a held snapshot: marked `defer_destroy`, it stays
    /// until its last hold is released.
    pub fn zfs_defer_destroy(&mut self, snapshot: &str) -> Result<Vec<Event>, ZfsError> {
        let (fs, snap) = snapshot.split_once('@').ok_or_else(|| ZfsError::NoSuchDataset(snapshot.into()))?;
        Ok(self
            .with_pool(pool_of(fs), |tx| {
                let s = tx.pool.dataset_mut(fs).and_then(|ds| ds.snapshots.iter_mut().find(|x| x.name == snap)).ok_or_else(|| ZfsError::NoSuchDataset(snapshot.into()))?;
                s.defer_destroy = true;
                let obj = s.obj;
                tx.touch_record(obj)
            })?
            .1)
    }
}
