//! Datasets and snapshots (the DSL): names, properties, the dead lists that
//! decide which old blocks a snapshot still holds, and space accounting as
//! `zfs list` reports it.
//!
//! A head dataset's dead list holds the blocks its latest snapshot still
//! references but the head no longer does; each snapshot's holds those its
//! predecessor referenced and it does not. So the space only snapshots
//! hold (`usedbysnapshots`) is the sum of all dead lists, and a snapshot's
//! own `used` is what its successor's dead list holds that was born after
//! its predecessor. Taking a snapshot records the head's root pointer and
//! hands it the head's dead list: O(1), no block is read or copied.
//! Simplified: dead lists, properties and names live in memory (ZFS keeps
//! them in MOS objects); no quotas, clones, holds or bookmarks.

use super::blkptr::Blkptr;
use super::checksum::ChecksumAlg;
use super::dmu::{Os, Tx};
use super::dnode::{Dnode, DslDatasetPhys, ObjsetPhys, OsType, DSL_DATASET_BONUS_BYTES};
use super::pool::Pool;
use super::vdev::{TopVdev, VdevKind};
use super::{ObjType, ZfsError};
use crate::core::event::Event;

pub const DEFAULT_RECORDSIZE: u64 = 128 * 1024;
pub const DEFAULT_VOLBLOCKSIZE: u64 = 16 * 1024;
pub const MAX_RECORDSIZE: u64 = 16 * 1024 * 1024;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DatasetKind {
    Filesystem,
    Volume { size_bytes: u64, volblocksize: u64 },
}

/// Properties set locally on a dataset; `None` inherits (or is the default).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Props {
    pub checksum: Option<ChecksumAlg>,
    pub recordsize: Option<u64>,
    pub copies: Option<u8>,
    pub mountpoint: Option<String>,
    /// Set by `zfs create -V` without `-s`, as ZFS sets it.
    pub refreservation: Option<u64>,
    /// The properties of `props::STORED` and user properties set here, as
    /// (name, value). Only with the `zfs` feature: the browser build carries
    /// `Props` inside `Machine` without ZFS (this field measured 0.6 KB).
    #[cfg(feature = "zfs")]
    pub stored: Vec<(String, String)>,
    /// quota, refquota and reservation (only with `zfs`, as `stored`).
    #[cfg(feature = "zfs")]
    pub limits: Limits,
}

/// The space limits `zfs set` takes; `Some(0)` is a local `none`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Limits {
    /// Caps `used`: the dataset, its snapshots and its descendants.
    pub quota: Option<u64>,
    /// Caps `referenced`.
    pub refquota: Option<u64>,
    /// Space kept for the dataset and its descendants: the parent is
    /// charged at least this much.
    pub reservation: Option<u64>,
}

impl Props {
    pub fn limits(&self) -> Limits {
        #[cfg(feature = "zfs")]
        return self.limits;
        #[cfg(not(feature = "zfs"))]
        Limits::default()
    }
}

#[cfg(feature = "zfs")]
impl Props {
    pub fn stored(&self, name: &str) -> Option<&String> {
        self.stored.iter().find(|s| s.0 == name).map(|s| &s.1)
    }

    pub fn set_stored(&mut self, name: &str, value: String) {
        self.stored.retain(|s| s.0 != name);
        self.stored.push((name.to_string(), value));
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Snapshot {
    /// The part after `@`.
    pub name: String,
    /// Its record in the MOS.
    pub obj: u64,
    pub txg: u64,
    pub creation_time: u64,
    pub referenced_bytes: u64,
    /// `logicalreferenced`: its blocks' `ucsize`.
    pub logical_referenced_bytes: u64,
    /// `ds_compressed_bytes`: its blocks' compressed sizes.
    pub compressed_referenced_bytes: u64,
    /// Blocks its predecessor held that it does not.
    pub deadlist: Vec<Blkptr>,
    /// `ds_guid`; a received snapshot keeps the sender's (`drr_toguid`).
    pub guid: u64,
    /// User properties set on the snapshot itself (the only ones `zfs set`
    /// takes on a snapshot).
    #[cfg(feature = "zfs")]
    pub user_props: Vec<(String, String)>,
    /// `zfs hold` tags, each with when it was placed.
    #[cfg(feature = "zfs")]
    pub holds: Vec<(String, u64)>,
    /// `defer_destroy`: `zfs destroy -d` while held; it goes with its last hold.
    #[cfg(feature = "zfs")]
    pub defer_destroy: bool,
}

/// A dataset's or snapshot's `guid`: random in ZFS; the lab derives one
/// from the pool's guid and the record's object, so a replay gives the same.
pub fn dataset_guid(pool_guid: u64, obj: u64) -> u64 {
    (pool_guid ^ obj.wrapping_mul(0x9e37_79b9_7f4a_7c15)).rotate_left(17)
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dataset {
    /// The full name: `rpool/data/vm-100-disk-0`.
    pub name: String,
    pub obj: u64,
    pub kind: DatasetKind,
    pub props: Props,
    pub snapshots: Vec<Snapshot>,
    /// Blocks the latest snapshot holds and the head no longer does.
    pub deadlist: Vec<Blkptr>,
    pub referenced_bytes: u64,
    /// `logicalreferenced`: the `ucsize` of the blocks it references.
    pub logical_referenced_bytes: u64,
    /// `ds_compressed_bytes`: their compressed sizes, one copy each.
    pub compressed_referenced_bytes: u64,
    pub creation_txg: u64,
    pub creation_time: u64,
    /// The next free object number in its object set.
    pub next_object: u64,
    /// The next number in the chunk another CPU took (`os_obj_next_percpu`).
    pub next_chunk_object: u64,
    /// The snapshot a clone was made from (only with `zfs`, as `Props::stored`).
    #[cfg(feature = "zfs")]
    pub origin: Option<Origin>,
    /// Taken off its mount point by `zfs unmount` (until `zfs mount`).
    #[cfg(feature = "zfs")]
    pub unmounted: bool,
    /// Its bookmarks (`zfs bookmark`), in the order they were made.
    #[cfg(feature = "zfs")]
    pub bookmarks: Vec<super::bookmark::ZfsBookmark>,
}

/// A clone's origin snapshot: the blocks born up to its txg are the
/// snapshot's, which the clone shares and never frees or counts as its own.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Origin {
    /// `pool/fs@snap`.
    pub snapshot: String,
    pub obj: u64,
    pub txg: u64,
    pub referenced_bytes: u64,
    pub logical_referenced_bytes: u64,
    pub compressed_referenced_bytes: u64,
}

impl Dataset {
    /// Whether `zfs unmount` took this filesystem off its mount point.
    pub fn unmounted(&self) -> bool {
        #[cfg(feature = "zfs")]
        return self.unmounted;
        #[cfg(not(feature = "zfs"))]
        false
    }

    /// The txg of the latest snapshot (or of a clone's origin): older blocks
    /// are shared with it.
    pub fn prev_snap_txg(&self) -> u64 {
        self.snapshots.last().map_or(self.origin().map_or(0, |o| o.txg), |s| s.txg)
    }

    pub fn origin(&self) -> Option<&Origin> {
        #[cfg(feature = "zfs")]
        return self.origin.as_ref();
        #[cfg(not(feature = "zfs"))]
        None
    }

    /// Bytes of a dead list that are this dataset's snapshots' (a clone's
    /// dead list also holds blocks of its origin).
    fn snapshot_bytes(&self, pool: &Pool, bps: &[Blkptr]) -> u64 {
        let origin_txg = self.origin().map_or(0, |o| o.txg);
        bps.iter().filter(|b| b.birth_txg > origin_txg).map(|b| pool.dsize(b)).sum()
    }

    /// `usedbydataset`: the blocks the head references that are its own; a
    /// clone's blocks from its origin are the origin snapshot's (the ones it
    /// no longer references sit in its dead lists).
    pub fn dataset_bytes(&self, pool: &Pool) -> u64 {
        let Some(o) = self.origin() else { return self.referenced_bytes };
        let old = |bps: &[Blkptr]| bps.iter().filter(|b| b.birth_txg <= o.txg).map(|b| pool.dsize(b)).sum::<u64>();
        let dropped = old(&self.deadlist) + self.snapshots.iter().map(|s| old(&s.deadlist)).sum::<u64>();
        (self.referenced_bytes + dropped).saturating_sub(o.referenced_bytes)
    }

    /// What the blocks born in it that the head or a snapshot still holds
    /// come to by `measure`, given the head's and a clone origin's totals by
    /// the same measure (a clone's blocks from its origin are the origin's).
    fn own_bytes(&self, measure: fn(&Blkptr) -> u64, head: u64, origin: u64) -> u64 {
        let origin_txg = self.origin().map_or(0, |o| o.txg);
        let dead = || [&self.deadlist].into_iter().chain(self.snapshots.iter().map(|s| &s.deadlist)).flatten();
        let old: u64 = dead().filter(|b| b.birth_txg <= origin_txg).map(measure).sum();
        let new: u64 = dead().filter(|b| b.birth_txg > origin_txg).map(measure).sum();
        (head + old).saturating_sub(origin) + new
    }

    /// Its own `dd_uncompressed_bytes` (`logicalused` without children).
    pub fn logical_used_bytes(&self) -> u64 {
        self.own_bytes(Blkptr::ucsize, self.logical_referenced_bytes, self.origin().map_or(0, |o| o.logical_referenced_bytes))
    }

    /// Its own `dd_compressed_bytes`.
    pub fn compressed_used_bytes(&self) -> u64 {
        self.own_bytes(Blkptr::compressed_size, self.compressed_referenced_bytes, self.origin().map_or(0, |o| o.compressed_referenced_bytes))
    }

    /// `usedbysnapshots`: every dead list, the head's and each snapshot's.
    fn usedbysnapshots(&self, pool: &Pool) -> u64 {
        self.snapshot_bytes(pool, &self.deadlist) + self.snapshots.iter().map(|s| self.snapshot_bytes(pool, &s.deadlist)).sum::<u64>()
    }

    pub fn is_volume(&self) -> bool {
        matches!(self.kind, DatasetKind::Volume { .. })
    }

    pub fn snapshot(&self, name: &str) -> Option<&Snapshot> {
        self.snapshots.iter().find(|s| s.name == name)
    }
}

/// `zfs list`'s space columns for one dataset or snapshot, in bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Space {
    pub used: u64,
    pub referenced: u64,
    pub usedbysnapshots: u64,
    pub usedbydataset: u64,
    pub usedbychildren: u64,
    pub usedbyrefreservation: u64,
    pub written: u64,
    /// `None` for a snapshot (AVAIL shows `-`).
    pub available: Option<u64>,
}

impl Tx<'_> {
    /// `EDQUOT` when writing `len` more bytes to a filesystem would pass a
    /// quota or refquota.
    pub fn check_quota(&self, dataset: &str, len: u64) -> Result<(), ZfsError> {
        #[cfg(feature = "zfs")]
        if self.pool.dataset(dataset).is_some_and(|ds| !self.pool.quota_allows(ds, len)) {
            return Err(ZfsError::QuotaExceeded);
        }
        let _ = (dataset, len);
        Ok(())
    }
}

fn sum(pool: &Pool, bps: &[Blkptr]) -> u64 {
    bps.iter().map(|b| pool.dsize(b)).sum()
}

impl Pool {
    /// Bytes of blocks only the head references: born after its latest snapshot.
    pub fn unique_bytes(&self, ds: &Dataset) -> u64 {
        let prev = ds.snapshots.last().map_or(ds.origin().map_or(0, |o| o.referenced_bytes), |s| s.referenced_bytes);
        (ds.referenced_bytes + sum(self, &ds.deadlist)).saturating_sub(prev)
    }

    /// The space of a head dataset, or of `ds@snap`.
    pub fn space(&self, name: &str) -> Option<Space> {
        match name.split_once('@') {
            Some((head, snap)) => self.snapshot_space(self.dataset(head)?, snap),
            None => Some(self.head_space(self.dataset(name)?)),
        }
    }

    fn head_space(&self, ds: &Dataset) -> Space {
        let usedbysnapshots = ds.usedbysnapshots(self);
        let unique = self.unique_bytes(ds);
        let refreserv = ds.props.refreservation.unwrap_or(0);
        let usedbyrefreservation = refreserv.saturating_sub(unique);
        let mut usedbychildren: u64 = self.children(&ds.name).map(|c| self.dir_used(c).max(c.props.limits().reservation.unwrap_or(0))).sum();
        if ds.name == self.name {
            usedbychildren += self.mos_bytes;
        }
        let usedbydataset = ds.dataset_bytes(self);
        let used = usedbydataset + usedbysnapshots + usedbychildren + usedbyrefreservation;
        let mut available = self.dir_available(ds) + usedbyrefreservation;
        if let Some(q) = ds.props.limits().refquota.filter(|q| *q > 0) {
            available = available.min(q.saturating_sub(ds.referenced_bytes));
        }
        Space { used, referenced: ds.referenced_bytes, usedbysnapshots, usedbydataset, usedbychildren, usedbyrefreservation, written: unique, available: Some(available) }
    }

    /// `dsl_dir_space_available`: what the parent leaves, plus this
    /// dataset's unused reservation, within its quota (the pool's size for
    /// the root).
    pub fn dir_available(&self, ds: &Dataset) -> u64 {
        let used = self.dir_used(ds);
        let limits = ds.props.limits();
        let mut quota = limits.quota.filter(|q| *q > 0).unwrap_or(u64::MAX);
        let mut parent = match ds.name.rsplit_once('/').and_then(|(p, _)| self.dataset(p)) {
            Some(p) => self.dir_available(p),
            None => {
                quota = quota.min(self.dspace().saturating_sub(self.slop_bytes()));
                u64::MAX
            }
        };
        let reserved = limits.reservation.unwrap_or(0);
        if reserved > used && parent != u64::MAX {
            parent += reserved - used;
        }
        quota.checked_sub(used).map_or(0, |room| room.min(parent))
    }

    /// Whether a write of `len` bytes may start, as `dsl_dir_tempreserve_space`
    /// decides: it fails once the dataset's refquota, or the quota of it or
    /// of an ancestor, is reached. The write is charged with its copies; a
    /// dataset's unused refreservation (and each parent's unused
    /// reservation) absorbs its share first (`parent_delta`). The lab writes
    /// a whole request in one transaction where ZFS commits a record at a
    /// time, so a request may pass a quota by at most one record.
    #[cfg(feature = "zfs")]
    pub fn quota_allows(&self, ds: &Dataset, len: u64) -> bool {
        let asize = len.saturating_mul(u64::from(self.copies_of(&ds.name)));
        let record = if ds.is_volume() { DEFAULT_VOLBLOCKSIZE } else { self.recordsize_of(&ds.name) };
        let reached = |used: u64, delta: u64, quota: Option<u64>| quota.filter(|q| *q > 0).is_some_and(|q| used >= q || used + delta > q + record);
        if reached(ds.referenced_bytes, asize, ds.props.limits().refquota) {
            return false;
        }
        let spare = ds.props.refreservation.unwrap_or(0).saturating_sub(self.unique_bytes(ds));
        let mut delta = asize - asize.min(spare);
        let mut used = self.dir_used(ds).saturating_sub(spare);
        let mut dir = Some(ds);
        while let Some(d) = dir {
            if reached(used, delta, d.props.limits().quota) {
                return false;
            }
            let reserved = d.props.limits().reservation.unwrap_or(0);
            delta = (used + delta).max(reserved) - used.max(reserved);
            dir = d.name.rsplit_once('/').and_then(|(p, _)| self.dataset(p));
            if delta == 0 {
                break;
            }
            used = dir.map_or(0, |p| self.dir_used(p));
        }
        true
    }

    fn snapshot_space(&self, ds: &Dataset, snap: &str) -> Option<Space> {
        let i = ds.snapshots.iter().position(|s| s.name == snap)?;
        let s = &ds.snapshots[i];
        let prev = if i == 0 { None } else { Some(&ds.snapshots[i - 1]) };
        let origin = ds.origin().map_or((0, 0), |o| (o.txg, o.referenced_bytes));
        let prev_txg = prev.map_or(origin.0, |p| p.txg);
        let next_deadlist = ds.snapshots.get(i + 1).map_or(&ds.deadlist, |n| &n.deadlist);
        let used: u64 = next_deadlist.iter().filter(|b| b.birth_txg > prev_txg).map(|b| self.dsize(b)).sum();
        let written = (s.referenced_bytes + sum(self, &s.deadlist)).saturating_sub(prev.map_or(origin.1, |p| p.referenced_bytes));
        Some(Space { used, referenced: s.referenced_bytes, usedbydataset: used, written, ..Space::default() })
    }

    /// `zfs_iter_dependents`' post-order under `name`, a dataset or a
    /// snapshot: each child dataset's own, then its snapshots oldest first,
    /// each after the clones made from it (with `clones`); `name` last. It
    /// is an order to destroy them in.
    pub fn post_order(&self, name: &str, clones: bool) -> Vec<String> {
        let mut out = Vec::new();
        if name.contains('@') {
            if clones {
                for c in self.clones_of(&[name.to_string()]) {
                    out.extend(self.post_order(&c, clones));
                }
            }
        } else {
            for child in self.children(name) {
                out.extend(self.post_order(&child.name, clones));
            }
            for s in self.dataset(name).map(|d| d.snapshots.as_slice()).unwrap_or_default() {
                out.extend(self.post_order(&format!("{name}@{}", s.name), clones));
            }
        }
        out.push(name.to_string());
        out
    }

    /// The clones made from any of `snapshots`.
    pub fn clones_of(&self, snapshots: &[String]) -> Vec<String> {
        self.datasets.iter().filter(|d| d.origin().is_some_and(|o| snapshots.contains(&o.snapshot))).map(|d| d.name.clone()).collect()
    }

    /// Direct children of a dataset.
    pub fn children<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Dataset> + 'a {
        self.datasets.iter().filter(move |d| d.name.strip_prefix(name).and_then(|r| r.strip_prefix('/')).is_some_and(|r| !r.contains('/')))
    }

    /// Every descendant, deepest first (the order `zfs destroy -r` takes).
    pub fn descendants(&self, name: &str) -> Vec<String> {
        let prefix = format!("{name}/");
        let mut v: Vec<String> = self.datasets.iter().filter(|d| d.name.starts_with(&prefix)).map(|d| d.name.clone()).collect();
        v.sort_by_key(|n| std::cmp::Reverse(n.matches('/').count()));
        v
    }

    /// Pool-wide available bytes: deflated space less the slop and what the
    /// root dataset uses (children and the MOS included).
    pub fn available_bytes(&self) -> u64 {
        let used = self.dataset(&self.name).map_or(0, |r| self.dir_used(r));
        self.dspace().saturating_sub(self.slop_bytes()).saturating_sub(used)
    }

    /// `zfs set` of quota, refquota, reservation or refreservation to
    /// `value` bytes (0: none), with the kernel's checks
    /// (`dsl_dir_set_quota_check` and its siblings); the error is libzfs'
    /// reason.
    #[cfg(feature = "zfs")]
    pub fn set_limit(&mut self, name: &str, property: &str, value: u64) -> Result<(), String> {
        let ds = self.dataset(name).ok_or_else(|| "dataset does not exist".to_string())?;
        if property.ends_with("quota") && ds.is_volume() {
            return Err(format!("'{property}' does not apply to datasets of this type"));
        }
        let (used, unique, limits) = (self.dir_used(ds), self.unique_bytes(ds), ds.props.limits());
        let (quota, refquota) = (limits.quota.unwrap_or(0), limits.refquota.unwrap_or(0));
        let (reserved, refreserved) = (limits.reservation.unwrap_or(0), ds.props.refreservation.unwrap_or(0));
        let fits = match property {
            "quota" => value == 0 || (value >= reserved && value >= used),
            "refquota" => value == 0 || (value >= ds.referenced_bytes && value >= refreserved),
            "reservation" => {
                let room = match name.rsplit_once('/').and_then(|(p, _)| self.dataset(p)) {
                    Some(parent) => self.dir_available(parent),
                    None => self.available_bytes(),
                };
                let grow = used.max(value).saturating_sub(used.max(reserved));
                grow == 0 || (grow <= room && (quota == 0 || value <= quota))
            }
            _ => {
                let grow = unique.max(value).saturating_sub(unique.max(refreserved));
                grow == 0 || (grow <= self.dir_available(ds) && (refquota == 0 || value <= refquota))
            }
        };
        if !fits {
            return Err(if property.ends_with("quota") { "size is less than current used or reserved space" } else { "size is greater than available space" }.into());
        }
        let ds = self.dataset_mut(name).ok_or_else(|| "dataset does not exist".to_string())?;
        let slot = match property {
            "quota" => &mut ds.props.limits.quota,
            "refquota" => &mut ds.props.limits.refquota,
            "reservation" => &mut ds.props.limits.reservation,
            _ => &mut ds.props.refreservation,
        };
        *slot = Some(value);
        Ok(())
    }

    /// `zfs set volsize`: a volume grows, and a refreservation that is still
    /// the automatic one follows it (`zfs_add_synthetic_resv`); the error is
    /// libzfs' reason.
    #[cfg(feature = "zfs")]
    pub fn set_volsize(&mut self, name: &str, size_bytes: u64) -> Result<(), String> {
        let ds = self.dataset(name).ok_or_else(|| "dataset does not exist".to_string())?;
        let DatasetKind::Volume { size_bytes: old, volblocksize } = ds.kind else {
            return Err("'volsize' does not apply to datasets of this type".into());
        };
        if size_bytes < old {
            return Err("the lab grows volumes only (ZFS would drop the data past the new end)".into());
        }
        if ds.props.refreservation == Some(volsize_to_reservation(&self.vdevs, old, volblocksize)) {
            self.set_limit(name, "refreservation", volsize_to_reservation(&self.vdevs, size_bytes, volblocksize))?;
        }
        let ds = self.dataset_mut(name).ok_or_else(|| "dataset does not exist".to_string())?;
        ds.kind = DatasetKind::Volume { size_bytes, volblocksize };
        Ok(())
    }

    /// A dataset's `used` (`dd_used_bytes`): itself, its snapshots, its
    /// refreservation and its children, each charged at least its
    /// reservation.
    pub fn dir_used(&self, ds: &Dataset) -> u64 {
        let snaps = ds.usedbysnapshots(self);
        let refres = ds.props.refreservation.unwrap_or(0).saturating_sub(self.unique_bytes(ds));
        let mut children: u64 = self.children(&ds.name).map(|c| self.dir_used(c).max(c.props.limits().reservation.unwrap_or(0))).sum();
        if ds.name == self.name {
            children += self.mos_bytes;
        }
        ds.dataset_bytes(self) + snaps + children + refres
    }

    /// A property's effective value and where it comes from: `None` for the
    /// default, or the dataset that sets it.
    pub fn inherited<T: Clone>(&self, name: &str, get: impl Fn(&Props) -> Option<T>) -> Option<(T, String)> {
        let mut at = name.split('@').next().unwrap_or(name).to_string();
        loop {
            if let Some(v) = self.dataset(&at).and_then(|d| get(&d.props)) {
                return Some((v, at));
            }
            at = at.rsplit_once('/')?.0.to_string();
        }
    }

    pub fn checksum_of(&self, name: &str) -> ChecksumAlg {
        self.inherited(name, |p| p.checksum).map_or(ChecksumAlg::Fletcher4, |v| v.0)
    }

    pub fn recordsize_of(&self, name: &str) -> u64 {
        self.inherited(name, |p| p.recordsize).map_or(DEFAULT_RECORDSIZE, |v| v.0)
    }

    /// Whether `readonly=on` is set here or inherited: the filesystem is
    /// mounted read-only (`SB_RDONLY`).
    #[cfg(feature = "zfs")]
    pub fn readonly(&self, name: &str) -> bool {
        self.inherited(name, |p| p.stored("readonly").cloned()).is_some_and(|v| v.0 == "on")
    }

    /// `compression`, as set here or inherited; `on` by default.
    pub fn compression_of(&self, name: &str) -> String {
        #[cfg(feature = "zfs")]
        return self.inherited(name, |p| p.stored("compression").cloned()).map_or("on".to_string(), |v| v.0);
        #[cfg(not(feature = "zfs"))]
        {
            let _ = name;
            "on".to_string()
        }
    }

    pub fn copies_of(&self, name: &str) -> u8 {
        self.inherited(name, |p| p.copies).map_or(1, |v| v.0)
    }

    /// `mountpoint`: a local value, the parent's with this name appended,
    /// or `/NAME`.
    pub fn mountpoint_of(&self, name: &str) -> String {
        match self.inherited(name, |p| p.mountpoint.clone()) {
            Some((mp, from)) if from == name || mp == "none" || mp == "legacy" => mp,
            Some((mp, from)) => format!("{}{}", mp.trim_end_matches('/'), &name[from.len()..]),
            None => format!("/{name}"),
        }
    }
}

impl Tx<'_> {
    fn new_mos_object(&mut self, rec: &DslDatasetPhys) -> Result<u64, ZfsError> {
        let obj = self.pool.mos_next_obj;
        self.pool.mos_next_obj += 1;
        let mut dn = Dnode::new(ObjType::DslDataset, 512, Some(ObjType::DslDataset), rec.encode());
        dn.bonus.truncate(DSL_DATASET_BONUS_BYTES);
        self.set_dnode(Os::Mos, obj, dn)?;
        Ok(obj)
    }

    /// A new object in a dataset's object set.
    pub fn new_object(&mut self, os: Os, dn: Dnode) -> Result<u64, ZfsError> {
        let Os::Ds(n) = os else { return Err(ZfsError::Io) };
        let other_cpu = self.other_cpu;
        let ds = self.pool.head_by_obj(n).ok_or(ZfsError::Io)?;
        let mut obj = if other_cpu { ds.next_chunk_object } else { ds.next_object };
        loop {
            // A new ZPL dataset's system objects sit at 32 to 36 (the root
            // directory at 34), after the first CPU's chunk of small numbers
            // that its files then take, so `ls -i` and `zfs diff` order as ZFS's.
            if ZPL_SYSTEM_OBJECTS.contains(&obj) {
                obj = ZPL_SYSTEM_OBJECTS.end;
            }
            if self.dnode(os, obj)?.is_free() {
                break;
            }
            obj += 1;
        }
        let ds = self.pool.head_by_obj_mut(n).ok_or(ZfsError::Io)?;
        if other_cpu {
            ds.next_chunk_object = obj + 1;
        } else {
            ds.next_object = obj + 1;
        }
        self.set_dnode(os, obj, dn)?;
        Ok(obj)
    }

    /// A dnode at a number the allocator never hands out (`ZPL_SYSTEM_OBJECTS`).
    pub fn new_object_at(&mut self, os: Os, obj: u64, dn: Dnode) -> Result<u64, ZfsError> {
        debug_assert!(ZPL_SYSTEM_OBJECTS.contains(&obj));
        self.set_dnode(os, obj, dn)?;
        Ok(obj)
    }

    /// Creates a filesystem or volume with its first objects.
    pub fn create_dataset(&mut self, name: &str, kind: DatasetKind, props: Props) -> Result<(), ZfsError> {
        // `dsl_dataset_create_sync_dd`: the pool's root, made in the pool's
        // first txg, records txg 1.
        let creation_txg = if self.txg == super::pool::TXG_INITIAL { 1 } else { self.txg };
        let rec = DslDatasetPhys { creation_time: self.now, creation_txg, ..DslDatasetPhys::default() };
        let obj = self.new_mos_object(&rec)?;
        let os_type = if matches!(kind, DatasetKind::Filesystem) { OsType::Zfs } else { OsType::Zvol };
        self.pool.datasets.push(Dataset {
            name: name.to_string(),
            obj,
            kind: kind.clone(),
            props,
            snapshots: Vec::new(),
            deadlist: Vec::new(),
            referenced_bytes: 0,
            logical_referenced_bytes: 0,
            compressed_referenced_bytes: 0,
            creation_txg,
            creation_time: self.now,
            next_object: 1,
            next_chunk_object: DNODES_PER_CHUNK,
            #[cfg(feature = "zfs")]
            origin: None,
            #[cfg(feature = "zfs")]
            unmounted: false,
            #[cfg(feature = "zfs")]
            bookmarks: Vec::new(),
        });
        self.create_objset(Os::Ds(obj), ObjsetPhys::new(os_type));
        match kind {
            DatasetKind::Filesystem => self.create_zpl(Os::Ds(obj)),
            DatasetKind::Volume { size_bytes, volblocksize } => self.create_zvol(Os::Ds(obj), size_bytes, volblocksize),
        }?;
        self.events.push(Event::DatasetCreated { dataset: name.to_string(), volume_bytes: self.pool.dataset(name).and_then(volume_bytes) });
        Ok(())
    }

    /// Takes snapshots of several datasets in this one txg.
    pub fn snapshot(&mut self, dataset: &str, snap: &str) -> Result<(), ZfsError> {
        let n = self.pool.dataset(dataset).ok_or_else(|| ZfsError::NoSuchDataset(dataset.into()))?.obj;
        if self.pool.dataset(dataset).is_some_and(|d| d.snapshot(snap).is_some()) {
            return Err(ZfsError::DatasetExists(format!("{dataset}@{snap}")));
        }
        let head = DslDatasetPhys::decode(&self.dnode(Os::Mos, n)?.bonus);
        let ds = self.pool.dataset(dataset).ok_or(ZfsError::Io)?;
        // `dsl_dataset_snapshot_reserve_space`: with a refreservation, the
        // blocks the snapshot takes over must fit beside the new reservation.
        if ds.props.refreservation.unwrap_or(0).min(self.pool.unique_bytes(ds)) > self.pool.dir_available(ds) {
            return Err(ZfsError::NoSpace);
        }
        let rec = DslDatasetPhys {
            prev_snap_obj: ds.snapshots.last().map_or(0, |s| s.obj),
            prev_snap_txg: ds.prev_snap_txg(),
            next_snap_obj: n,
            creation_time: self.now,
            creation_txg: self.txg,
            referenced_bytes: ds.referenced_bytes,
            unique_bytes: 0,
            guid: self.txg,
            bp: head.bp.clone(),
        };
        let obj = self.new_mos_object(&rec)?;
        let (txg, now, guid) = (self.txg, self.now, dataset_guid(self.pool.guid, obj));
        let ds = self.pool.dataset_mut(dataset).ok_or(ZfsError::Io)?;
        let deadlist = std::mem::take(&mut ds.deadlist);
        let (referenced_bytes, logical_referenced_bytes, compressed_referenced_bytes) = (ds.referenced_bytes, ds.logical_referenced_bytes, ds.compressed_referenced_bytes);
        ds.snapshots.push(Snapshot {
            name: snap.to_string(),
            obj,
            txg,
            creation_time: now,
            referenced_bytes,
            logical_referenced_bytes,
            compressed_referenced_bytes,
            deadlist,
            guid,
            #[cfg(feature = "zfs")]
            user_props: Vec::new(),
            #[cfg(feature = "zfs")]
            holds: Vec::new(),
            #[cfg(feature = "zfs")]
            defer_destroy: false,
        });
        let mut head_dn = self.dnode(Os::Mos, n)?;
        head_dn.bonus = DslDatasetPhys { prev_snap_obj: obj, prev_snap_txg: txg, ..head }.encode();
        self.set_dnode(Os::Mos, n, head_dn)?;
        self.events.push(Event::SnapshotTaken { snapshot: format!("{dataset}@{snap}"), txg });
        Ok(())
    }

    /// `zfs clone SNAPSHOT NAME`: a new head whose tree is the snapshot's
    /// (its record points at the same root block), so nothing is copied.
    #[cfg(feature = "zfs")]
    pub fn clone_dataset(&mut self, name: &str, origin: &str, props: Props) -> Result<(), ZfsError> {
        let missing = || ZfsError::NoSuchDataset(origin.into());
        let (head, snap) = origin.split_once('@').ok_or_else(missing)?;
        let src = self.pool.dataset(head).ok_or_else(missing)?;
        let s = src.snapshot(snap).ok_or_else(missing)?;
        let (kind, next_object, next_chunk_object) = (src.kind.clone(), src.next_object, src.next_chunk_object);
        let o = Origin { snapshot: origin.to_string(), obj: s.obj, txg: s.txg, referenced_bytes: s.referenced_bytes, logical_referenced_bytes: s.logical_referenced_bytes, compressed_referenced_bytes: s.compressed_referenced_bytes };
        let bp = DslDatasetPhys::decode(&self.dnode(Os::Mos, o.obj)?.bonus).bp;
        let rec = DslDatasetPhys { prev_snap_obj: o.obj, prev_snap_txg: o.txg, creation_time: self.now, creation_txg: self.txg, referenced_bytes: o.referenced_bytes, guid: self.txg, bp, ..DslDatasetPhys::default() };
        let obj = self.new_mos_object(&rec)?;
        self.pool.datasets.push(Dataset {
            name: name.to_string(),
            obj,
            kind,
            props,
            snapshots: Vec::new(),
            deadlist: Vec::new(),
            referenced_bytes: o.referenced_bytes,
            logical_referenced_bytes: o.logical_referenced_bytes,
            compressed_referenced_bytes: o.compressed_referenced_bytes,
            creation_txg: self.txg,
            creation_time: self.now,
            next_object,
            next_chunk_object,
            origin: Some(o),
            unmounted: false,
            bookmarks: Vec::new(),
        });
        self.events.push(Event::DatasetCreated { dataset: name.to_string(), volume_bytes: self.pool.dataset(name).and_then(volume_bytes) });
        Ok(())
    }

    /// Frees every block of a tree born after `min_birth`.
    fn free_tree(&mut self, os: Os, root: &Blkptr, min_birth: u64) -> Result<(), ZfsError> {
        let mut doomed = Vec::new();
        self.walk(root, os, min_birth, &mut |_, bp| doomed.push(bp.clone()))?;
        for bp in doomed {
            self.free(os, &bp);
        }
        Ok(())
    }

    /// Destroys `dataset@snap`, freeing the blocks only it held.
    pub fn destroy_snapshot(&mut self, dataset: &str, snap: &str) -> Result<(), ZfsError> {
        let ds = self.pool.dataset(dataset).ok_or_else(|| ZfsError::NoSuchDataset(dataset.into()))?;
        let i = ds.snapshots.iter().position(|s| s.name == snap).ok_or_else(|| ZfsError::NoSuchDataset(format!("{dataset}@{snap}")))?;
        let prev_txg = if i == 0 { ds.origin().map_or(0, |o| o.txg) } else { ds.snapshots[i - 1].txg };
        let head_obj = ds.obj;
        let ds = self.pool.dataset_mut(dataset).ok_or(ZfsError::Io)?;
        let gone = ds.snapshots.remove(i);
        let next_deadlist = match ds.snapshots.get_mut(i) {
            Some(next) => &mut next.deadlist,
            None => &mut ds.deadlist,
        };
        let (freed, kept): (Vec<Blkptr>, Vec<Blkptr>) = std::mem::take(next_deadlist).into_iter().partition(|b| b.birth_txg > prev_txg);
        *next_deadlist = kept;
        next_deadlist.extend(gone.deadlist);
        for bp in &freed {
            self.free(Os::Ds(head_obj), bp);
        }
        self.set_dnode(Os::Mos, gone.obj, Dnode::default())?;
        self.touch_record(head_obj)?;
        self.events.push(Event::SnapshotDestroyed { snapshot: format!("{dataset}@{snap}") });
        Ok(())
    }

    /// Rolls a dataset back to its latest snapshot `snap`.
    pub fn rollback(&mut self, dataset: &str, snap: &str) -> Result<(), ZfsError> {
        let ds = self.pool.dataset(dataset).ok_or_else(|| ZfsError::NoSuchDataset(dataset.into()))?;
        let s = ds.snapshot(snap).ok_or_else(|| ZfsError::NoSuchDataset(format!("{dataset}@{snap}")))?;
        let (n, snap_obj, snap_txg, snap_ref) = (ds.obj, s.obj, s.txg, s.referenced_bytes);
        let (snap_logical, snap_compressed) = (s.logical_referenced_bytes, s.compressed_referenced_bytes);
        let current = self.objset_bp(Os::Ds(n))?;
        self.free_tree(Os::Ds(n), &current, snap_txg)?;
        let snap_bp = DslDatasetPhys::decode(&self.dnode(Os::Mos, snap_obj)?.bonus).bp;
        let ds = self.pool.dataset_mut(dataset).ok_or(ZfsError::Io)?;
        ds.deadlist.clear();
        ds.referenced_bytes = snap_ref;
        ds.logical_referenced_bytes = snap_logical;
        ds.compressed_referenced_bytes = snap_compressed;
        self.forget_objset(Os::Ds(n));
        let mut dn = self.dnode(Os::Mos, n)?;
        dn.bonus = DslDatasetPhys { bp: snap_bp, referenced_bytes: snap_ref, ..DslDatasetPhys::decode(&dn.bonus) }.encode();
        self.set_dnode(Os::Mos, n, dn)?;
        self.events.push(Event::RolledBack { dataset: dataset.to_string(), snapshot: format!("{dataset}@{snap}"), txg: snap_txg });
        Ok(())
    }

    /// Destroys a dataset that has no snapshots or children left (a
    /// clone's blocks born up to its origin stay the origin's).
    pub fn destroy_head(&mut self, dataset: &str) -> Result<(), ZfsError> {
        let ds = self.pool.dataset(dataset).ok_or_else(|| ZfsError::NoSuchDataset(dataset.into()))?;
        let (n, origin_txg) = (ds.obj, ds.prev_snap_txg());
        let root = self.objset_bp(Os::Ds(n))?;
        self.free_tree(Os::Ds(n), &root, origin_txg)?;
        self.forget_objset(Os::Ds(n));
        self.set_dnode(Os::Mos, n, Dnode::default())?;
        self.pool.datasets.retain(|d| d.name != dataset);
        self.events.push(Event::DatasetDestroyed { dataset: dataset.to_string() });
        Ok(())
    }

    /// Rewrites a dataset's MOS record so the change it records gets a txg.
    pub fn touch_record(&mut self, obj: u64) -> Result<(), ZfsError> {
        let mut dn = self.dnode(Os::Mos, obj)?;
        if let Some(ds) = self.pool.head_by_obj(obj) {
            let mut rec = DslDatasetPhys::decode(&dn.bonus);
            rec.prev_snap_obj = ds.snapshots.last().map_or(ds.origin().map_or(0, |o| o.obj), |s| s.obj);
            rec.prev_snap_txg = ds.prev_snap_txg();
            rec.referenced_bytes = ds.referenced_bytes;
            dn.bonus = rec.encode();
        }
        self.set_dnode(Os::Mos, obj, dn)
    }
}

fn volume_bytes(d: &Dataset) -> Option<u64> {
    match d.kind {
        DatasetKind::Volume { size_bytes, .. } => Some(size_bytes),
        DatasetKind::Filesystem => None,
    }
}

/// Object numbers a ZPL dataset's own objects take (SA master node, delete
/// queue, root directory, SA tables, shares directory).
pub const ZPL_SYSTEM_OBJECTS: std::ops::Range<u64> = 32..37;
/// `1 << dmu_object_alloc_chunk_shift`: the object numbers a CPU takes at once.
pub const DNODES_PER_CHUNK: u64 = 128;

/// `zvol_volsize_to_reservation`: the volume's data blocks as the least
/// efficient raidz vdev would allocate them, plus room for its indirect
/// blocks (128 KiB each, counted uncompressed, two copies). libzfs reads
/// `copies` only as a string it never has there, so one copy is assumed.
pub fn volsize_to_reservation(vdevs: &[TopVdev], volsize: u64, volblocksize: u64) -> u64 {
    let mut nblocks = volsize / volblocksize;
    let data = volsize_from_vdevs(vdevs, nblocks, volblocksize);
    let mut numdb: u64 = 7;
    while nblocks > 1 {
        nblocks = nblocks.div_ceil(1024);
        numdb += nblocks;
    }
    data + numdb * 2 * 128 * 1024
}

/// `volsize_from_vdevs`: raidz pads a small block to whole rows of
/// `nparity + 1` sectors, so its data is scaled by that block's allocation
/// against a 128 KiB block's.
fn volsize_from_vdevs(vdevs: &[TopVdev], nblocks: u64, blksize: u64) -> u64 {
    let scaled = vdevs.iter().filter(|v| v.kind == VdevKind::Raidz1).map(|v| {
        let (ndisks, ashift) = (v.children.len() as u64, u32::from(v.ashift));
        let asize = |b: u64| raidz_asize(ndisks, 1, ashift, b);
        u128::from(nblocks) * u128::from(asize(blksize)) * (128 << 10) / u128::from(asize(128 << 10).max(1))
    });
    scaled.max().map_or(nblocks * blksize, |v| u64::try_from(v).unwrap_or(u64::MAX))
}

/// `vdev_raidz_asize`: the bytes a block of `blksize` takes on a raidz vdev.
fn raidz_asize(ndisks: u64, nparity: u64, ashift: u32, blksize: u64) -> u64 {
    let ndata = ndisks.saturating_sub(nparity).max(1);
    let mut sectors = ((blksize.max(1) - 1) >> ashift) + 1;
    sectors += nparity * sectors.div_ceil(ndata);
    sectors.next_multiple_of(nparity + 1) << ashift
}
