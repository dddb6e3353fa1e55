//! `zpool export` and `zpool import`: a pool leaves the host with its labels
//! marked exported, and comes back from whichever of its devices still
//! carry its label.
//!
//! Simplified: the lab keeps a pool's DSL bookkeeping in memory, so an
//! exported pool's state waits in `Zfs::exported` and import takes it back
//! from there rather than reading the MOS; what the devices decide is which
//! leaves are there (a leaf whose device is gone or whose label no longer
//! names the pool and the leaf is UNAVAIL). A destroyed pool waits there
//! too, for `-D`. No renaming on import, and no other hosts (`-f` is never
//! needed).

use super::Machine;
use crate::core::event::Event;
use crate::core::signature::FsType;
use crate::core::zfs::{LeafState, Pool, ZfsError};

/// Why `zpool import` refuses a pool.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ImportError {
    /// No exported pool of that name or guid.
    NotFound,
    /// A top-level vdev lacks too many devices (`ZPOOL_STATUS_MISSING_DEV_NR`).
    MissingDevices,
    /// An imported pool has the name already.
    NameTaken,
    Zfs(ZfsError),
}

impl Machine {
    /// `zpool export`: one last txg writes the labels with the pool
    /// exported; its datasets go (unmounted, volumes' devices removed) and
    /// the ARC drops its blocks.
    pub fn zpool_export(&mut self, name: &str) -> Result<Vec<Event>, ZfsError> {
        if self.zfs.pool(name).is_none() {
            return Err(ZfsError::NoSuchPool(name.to_string()));
        }
        if self.zvol_busy(name) {
            return Err(ZfsError::PoolBusy(name.to_string()));
        }
        let (_, events) = self.with_pool(name, |tx| {
            tx.pool.exported = true;
            tx.touch_mos();
            tx.relabel();
            Ok(())
        })?;
        let Some(at) = self.zfs.pools.iter().position(|p| p.name == name) else {
            return Err(ZfsError::NoSuchPool(name.to_string()));
        };
        let names: Vec<String> = self.zfs.pool(name).map(|p| p.datasets.iter().map(|d| d.name.clone()).collect()).unwrap_or_default();
        let mut mountpoints = self.mountpoints_of(&names);
        let mut pool = self.zfs.pools.remove(at);
        for leaf in pool.vdevs.iter_mut().flat_map(|v| v.children.iter_mut()) {
            let name = crate::core::zfs::Disks::name(self, leaf.dev);
            if !name.is_empty() {
                leaf.exported_path = Some(format!("/dev/{name}"));
            }
        }
        std::rc::Rc::make_mut(&mut self.zfs.arc).flush_pool(pool.guid);
        self.zfs.exported.push(pool);
        self.refresh();
        // `remove_mountpoint`: each unmounted directory goes if it is empty.
        mountpoints.sort_by_key(|mp| std::cmp::Reverse(mp.len()));
        for mp in mountpoints {
            let _ = self.remove(&mp, true);
        }
        Ok(events)
    }

    /// The exported pools (or with `destroyed`, the destroyed ones) with
    /// each leaf's state as an import would find it: present and labelled,
    /// or UNAVAIL.
    pub fn zpool_importable(&self, destroyed: bool) -> Vec<Pool> {
        let found = self.zfs.exported.iter().filter(|p| p.destroyed == destroyed).map(|p| self.as_found(p));
        found.filter(|p| p.vdevs.iter().any(|v| v.children.iter().any(|l| l.state != LeafState::Unavail))).collect()
    }

    fn as_found(&self, pool: &Pool) -> Pool {
        let mut found = pool.clone();
        for leaf in found.vdevs.iter_mut().flat_map(|v| v.children.iter_mut()) {
            let labelled = self.devices.get(leaf.dev).is_some()
                && self.probe(leaf.dev).is_some_and(|s| s.fstype == FsType::ZfsMember { vdev_guid: leaf.guid } && s.uuid == pool.guid.to_string());
            if labelled {
                leaf.not_present = None;
                if leaf.state == LeafState::Unavail {
                    leaf.state = LeafState::Online;
                }
            } else {
                leaf.state = LeafState::Unavail;
            }
        }
        found
    }

    /// `zpool import NAME|GUID`: the pool returns, missing leaves UNAVAIL,
    /// and one txg writes its labels active again.
    pub fn zpool_import(&mut self, which: &str, destroyed: bool) -> Result<Vec<Event>, ImportError> {
        let Some(at) = self.zfs.exported.iter().position(|p| p.destroyed == destroyed && (p.name == which || p.guid.to_string() == which)) else {
            return Err(ImportError::NotFound);
        };
        let mut pool = self.as_found(&self.zfs.exported[at]);
        if self.zfs.pool(&pool.name).is_some() {
            return Err(ImportError::NameTaken);
        }
        if pool.health() == "UNAVAIL" {
            return Err(ImportError::MissingDevices);
        }
        pool.exported = false;
        pool.destroyed = false;
        // A vdev's error and I/O counts live in memory only (the labels
        // carry no `vdev_stats`): an import starts them at zero.
        for v in &mut pool.vdevs {
            v.errors = Default::default();
            for leaf in &mut v.children {
                leaf.errors = Default::default();
                leaf.io = Default::default();
            }
        }
        // `vdev_open` at import marks each leaf it cannot open not present.
        for leaf in pool.vdevs.iter_mut().flat_map(|v| v.children.iter_mut()).filter(|l| l.state == LeafState::Unavail) {
            leaf.not_present = leaf.exported_path.clone();
        }
        let name = pool.name.clone();
        self.make_mountpoints(&pool);
        self.zfs.exported.remove(at);
        self.zfs.pools.push(pool);
        let (_, events) = self
            .with_pool(&name, |tx| {
                tx.touch_mos();
                tx.relabel();
                Ok(())
            })
            .map_err(ImportError::Zfs)?;
        self.refresh();
        Ok(events)
    }

    /// The directories the pool's filesystems mount on, made (as `zfs
    /// mount` does) before the pool is back, so they land in the
    /// filesystems that hold them; those inside another of its mount points
    /// come with that filesystem.
    fn make_mountpoints(&mut self, pool: &Pool) {
        let mut mountpoints: Vec<String> = pool.datasets.iter().filter(|d| !d.is_volume() && !d.unmounted()).map(|d| pool.mountpoint_of(&d.name)).filter(|mp| mp.starts_with('/')).collect();
        mountpoints.sort();
        let mut made: Vec<String> = Vec::new();
        for mp in mountpoints {
            if made.iter().any(|m| mp.starts_with(&format!("{m}/"))) {
                continue;
            }
            let _ = self.mkdir(&mp, true);
            made.push(mp);
        }
    }
}
