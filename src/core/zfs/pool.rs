//! A pool: its vdev tree, the current uberblock and txg, the DSL, the
//! deferred frees and error log; creating it and changing its vdevs.
//!
//! Freed space returns to the allocator only `TXG_DEFER_SIZE` txgs later,
//! so the trees of the last uberblocks stay intact on disk (what lets an
//! import after a power cut use an older uberblock). Space follows
//! OpenZFS 2.2: `dspace` is the deflated space of the normal-class
//! metaslabs, and the slop (1/32, at least 128 MiB but at most half, and at
//! most 128 GiB, less half the embedded log) is kept back from AVAIL.
//! Attach, replace and online start a resilver that goes on for as many
//! seconds as a scrub would (`scrub`). Simplified: spares, log and cache
//! devices are not modelled.

use super::blkptr::{Blkptr, Dva};
use super::checksum::ChecksumAlg;
use super::dmu::{Bookmark, Os, Tx};
use super::dnode::ObjsetPhys;
use super::dnode::OsType;
use super::dsl::{Dataset, DatasetKind, Props};
use super::label::Uberblock;
use super::vdev::{Leaf, LeafState, TopVdev, VdevKind, SPA_MINDEVSIZE};
use super::{Disks, ZfsError};
use crate::core::device::DevId;
use crate::core::event::Event;

/// The first txg of a new pool (`TXG_INITIAL`).
pub const TXG_INITIAL: u64 = 4;
/// Txgs a freed block waits before it can be allocated again.
pub const TXG_DEFER_SIZE: u64 = 2;

/// One top-level vdev to create: its kind and devices; each device with the
/// disk it stands for when ZFS partitioned a whole disk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VdevSpec {
    pub kind: VdevKind,
    pub devs: Vec<(DevId, Option<DevId>)>,
}

/// A block no copy of could be read, as the error log keeps it
/// (`zbookmark_err_phys_t`): where, and its birth, which tells the datasets
/// still holding that very block from those that rewrote it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct LoggedError {
    pub bookmark: Bookmark,
    pub birth_txg: u64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pool {
    pub name: String,
    pub guid: u64,
    pub ashift: u8,
    pub vdevs: Vec<TopVdev>,
    /// The last synced txg.
    pub txg: u64,
    pub uberblock: Uberblock,
    /// Head datasets, the root (named as the pool) first.
    pub datasets: Vec<Dataset>,
    pub mos_next_obj: u64,
    /// Deflated bytes of the MOS's blocks (the hidden `$MOS` child).
    pub mos_bytes: u64,
    deferred: Vec<(u64, Dva)>,
    /// Blocks no copy of which could be read (`zpool status -v`).
    pub errlog: Vec<LoggedError>,
    /// Reads that found no good copy: the root vdev's CKSUM count, which
    /// `zpool clear` resets while the error log stays.
    pub lost_reads: u64,
    pub scan: Option<super::scrub::Scan>,
    /// Bytes rewritten by self-healing and scrubs since import.
    pub repaired_bytes: u64,
    pub creation_time: u64,
    /// `zpool history`: (time, command line) of each change, oldest first.
    pub history: Vec<(u64, String)>,
    /// Checksums of described content already computed (a cache).
    pub memo: super::checksum::ChecksumMemo,
    /// Pool properties `zpool set` stored, as (name, value); only with the
    /// `zfs` feature (the browser carries `Pool` without ZFS).
    #[cfg(feature = "zfs")]
    pub props: Vec<(String, String)>,
    /// Set by `zpool export`: the labels say so (`POOL_STATE_EXPORTED`).
    #[cfg(feature = "zfs")]
    pub exported: bool,
    /// Set by `zpool destroy`: the labels say so (`POOL_STATE_DESTROYED`),
    /// and only `zpool import -D` finds the pool.
    #[cfg(feature = "zfs")]
    pub destroyed: bool,
}

impl Pool {
    /// Creates a pool with its root dataset, committing its first txg.
    pub fn create(io: &mut dyn Disks, name: &str, specs: &[VdevSpec], ashift: u8, guid: &mut dyn FnMut() -> u64, now: u64, root: Props) -> Result<(Pool, Vec<Event>), ZfsError> {
        check_specs(io, specs)?;
        let vdevs = specs.iter().enumerate().map(|(i, s)| top_vdev(io, i as u32, s, ashift, guid)).collect();
        let mut pool = Pool {
            name: name.to_string(),
            guid: guid(),
            ashift,
            vdevs,
            txg: TXG_INITIAL - 1,
            uberblock: Uberblock::default(),
            datasets: Vec::new(),
            mos_next_obj: 1,
            mos_bytes: 0,
            deferred: Vec::new(),
            errlog: Vec::new(),
            lost_reads: 0,
            scan: None,
            repaired_bytes: 0,
            creation_time: now,
            history: Vec::new(),
            memo: Default::default(),
            #[cfg(feature = "zfs")]
            props: Vec::new(),
            #[cfg(feature = "zfs")]
            exported: false,
            #[cfg(feature = "zfs")]
            destroyed: false,
        };
        let devices: Vec<String> = pool.leaves().map(|l| io.name(l.whole_disk.unwrap_or(l.dev))).collect();
        let mut events = vec![Event::PoolCreated { pool: name.to_string(), vdevs: pool.vdev_names(), devices, size_bytes: pool.size_bytes() }];
        let mut tx = Tx::new(&mut pool, io, now);
        tx.create_objset(Os::Mos, ObjsetPhys::new(OsType::Meta));
        tx.create_dataset(name, DatasetKind::Filesystem, root)?;
        tx.sync()?;
        events.append(&mut tx.events);
        Ok((pool, events))
    }

    /// `zpool add`: new top-level vdevs after the existing ones, with the
    /// pool's ashift; new blocks may land on them from the next txg.
    pub fn add_vdevs(&mut self, io: &dyn Disks, specs: &[VdevSpec], guid: &mut dyn FnMut() -> u64) -> Result<(), ZfsError> {
        check_specs(io, specs)?;
        for s in specs {
            let id = self.vdevs.len() as u32;
            self.vdevs.push(top_vdev(io, id, s, self.ashift, guid));
        }
        Ok(())
    }

    pub fn leaves(&self) -> impl Iterator<Item = &Leaf> {
        self.vdevs.iter().flat_map(|v| v.children.iter())
    }

    /// The top-level vdev and child index of a leaf.
    pub fn find_leaf(&self, dev: DevId) -> Option<(usize, usize)> {
        self.vdevs.iter().enumerate().find_map(|(t, v)| v.children.iter().position(|l| l.dev == dev || l.whole_disk == Some(dev)).map(|c| (t, c)))
    }

    /// `mirror-0`, `raidz1-1`; a single disk is named by its device.
    pub fn vdev_names(&self) -> Vec<String> {
        self.vdevs.iter().map(TopVdev::type_id).collect()
    }

    pub fn guid_sum(&self) -> u64 {
        self.vdevs.iter().flat_map(|v| std::iter::once(v.guid).chain(v.children.iter().map(|l| l.guid))).fold(self.guid, u64::wrapping_add)
    }

    /// A block's space as the DSL counts it (raidz parity deflated away).
    pub fn dsize(&self, bp: &Blkptr) -> u64 {
        bp.dvas.iter().map(|d| self.vdevs.get(d.vdev as usize).map_or(d.asize, |v| v.deflate(d.asize))).sum()
    }

    pub fn dataset(&self, name: &str) -> Option<&Dataset> {
        self.datasets.iter().find(|d| d.name == name)
    }

    pub fn dataset_mut(&mut self, name: &str) -> Option<&mut Dataset> {
        self.datasets.iter_mut().find(|d| d.name == name)
    }

    pub fn head_by_obj(&self, obj: u64) -> Option<&Dataset> {
        self.datasets.iter().find(|d| d.obj == obj)
    }

    pub fn head_by_obj_mut(&mut self, obj: u64) -> Option<&mut Dataset> {
        self.datasets.iter_mut().find(|d| d.obj == obj)
    }

    /// The object set of `name` or `name@snap`.
    pub fn os_of(&self, name: &str) -> Option<Os> {
        match name.split_once('@') {
            Some((head, snap)) => Some(Os::Ds(self.dataset(head)?.snapshot(snap)?.obj)),
            None => Some(Os::Ds(self.dataset(name)?.obj)),
        }
    }

    /// The name of an object set's dataset (`$MOS` for the MOS).
    pub fn os_name(&self, os: Os) -> String {
        let Os::Ds(n) = os else { return "$MOS".into() };
        self.datasets
            .iter()
            .find_map(|d| if d.obj == n { Some(d.name.clone()) } else { d.snapshots.iter().find(|s| s.obj == n).map(|s| format!("{}@{}", d.name, s.name)) })
            .unwrap_or_default()
    }

    /// The checksum a block gets: the dataset's, though metadata is never
    /// left unchecksummed.
    pub fn checksum_for(&self, os: Os, metadata: bool) -> ChecksumAlg {
        let alg = match os {
            Os::Mos => ChecksumAlg::Fletcher4,
            Os::Ds(_) => self.checksum_of(&self.os_name(os)),
        };
        if metadata && alg == ChecksumAlg::Off {
            ChecksumAlg::Fletcher4
        } else {
            alg
        }
    }

    /// Copies of a block: `copies`, one more for metadata, three for the MOS.
    /// Whether data blocks of `os` are compressed (`compression` is not off).
    pub fn compresses(&self, os: Os) -> bool {
        match os {
            Os::Mos => true,
            Os::Ds(_) => self.compression_of(&self.os_name(os)) != "off",
        }
    }

    pub fn copies_for(&self, os: Os, metadata: bool) -> usize {
        match os {
            Os::Mos => 3,
            Os::Ds(_) => usize::from(self.copies_of(&self.os_name(os))) + usize::from(metadata),
        }
        .min(3)
    }

    pub fn defer_free(&mut self, txg: u64, dva: Dva) {
        if let Some(scan) = &mut self.scan {
            scan.forget(&dva);
        }
        self.deferred.push((txg, dva));
    }

    /// Frees for good what was freed `TXG_DEFER_SIZE` txgs before `txg`.
    pub fn release_deferred(&mut self, txg: u64) {
        let vdevs = &mut self.vdevs;
        self.deferred.retain(|(freed, d)| {
            let ready = freed + TXG_DEFER_SIZE <= txg;
            if ready {
                if let Some(v) = vdevs.get_mut(d.vdev as usize) {
                    v.allocated.remove(d.offset, d.asize);
                }
            }
            !ready
        });
    }

    /// Allocated space still waiting out its deferral.
    pub fn deferred_dvas(&self) -> impl Iterator<Item = &Dva> {
        self.deferred.iter().map(|(_, d)| d)
    }

    pub fn record_error(&mut self, e: LoggedError) {
        self.lost_reads += 1;
        if !self.errlog.contains(&e) {
            self.errlog.push(e);
        }
    }

    /// `zpool list` SIZE: every metaslab of every top-level vdev.
    pub fn size_bytes(&self) -> u64 {
        self.vdevs.iter().map(|v| v.metaslab_space()).sum()
    }

    /// `zpool list` ALLOC: allocated bytes, parity and deferred frees included.
    pub fn allocated_bytes(&self) -> u64 {
        self.vdevs.iter().map(|v| v.allocated.total()).sum()
    }

    /// Deflated normal-class space (`spa_get_dspace`).
    pub fn dspace(&self) -> u64 {
        self.vdevs.iter().map(|v| v.deflate(v.normal_space())).sum()
    }

    /// `spa_get_slop_space` as in OpenZFS 2.2.
    pub fn slop_bytes(&self) -> u64 {
        const MIN_SLOP: u64 = 128 << 20;
        const MAX_SLOP: u64 = 128 << 30;
        let space = self.dspace();
        let embedded_log: u64 = self.vdevs.iter().filter(|v| v.log_ms.is_some()).map(|v| v.deflate(1 << v.ms_shift)).sum();
        let mut slop = (space >> 5).min(MAX_SLOP);
        slop -= embedded_log.min(slop >> 1);
        slop.max((space >> 1).min(MIN_SLOP))
    }

    /// `ONLINE`, `DEGRADED` or `UNAVAIL`, as `zpool status` derives it.
    pub fn health(&self) -> &'static str {
        let mut degraded = false;
        for v in &self.vdevs {
            let up = v.children.iter().filter(|l| l.state == LeafState::Online).count();
            let needed = if v.kind == VdevKind::Raidz1 { v.children.len() - 1 } else { 1 };
            if up < needed {
                return "UNAVAIL";
            }
            degraded |= up < v.children.len() || v.children.iter().any(Leaf::degraded);
        }
        if degraded {
            "DEGRADED"
        } else {
            "ONLINE"
        }
    }

    /// Resets the error counters (`zpool clear`); the error log stays
    /// until a scrub finishes without meeting its blocks again.
    pub fn clear(&mut self) {
        self.lost_reads = 0;
        for v in &mut self.vdevs {
            v.errors = Default::default();
            for l in &mut v.children {
                l.clear();
            }
        }
    }
}

fn check_specs(io: &dyn Disks, specs: &[VdevSpec]) -> Result<(), ZfsError> {
    let mut seen = Vec::new();
    for s in specs {
        let min = match s.kind {
            VdevKind::Disk => 1,
            _ => 2,
        };
        if s.devs.len() < min {
            return Err(ZfsError::InvalidVdev(format!("{} requires at least {min} devices", s.kind.name())));
        }
        for (dev, _) in &s.devs {
            if seen.contains(dev) {
                return Err(ZfsError::SameDevice);
            }
            seen.push(*dev);
            if io.size(*dev) < SPA_MINDEVSIZE {
                return Err(ZfsError::DeviceTooSmall(*dev));
            }
        }
    }
    if specs.is_empty() {
        return Err(ZfsError::InvalidVdev("no devices".into()));
    }
    Ok(())
}

fn top_vdev(io: &dyn Disks, id: u32, s: &VdevSpec, ashift: u8, guid: &mut dyn FnMut() -> u64) -> TopVdev {
    let leaves: Vec<Leaf> = s.devs.iter().map(|(d, whole)| Leaf::new(*d, guid(), *whole)).collect();
    let sizes: Vec<u64> = s.devs.iter().map(|(d, _)| io.size(*d)).collect();
    TopVdev::new(id, guid(), s.kind, leaves, ashift, &sizes)
}

impl Pool {
    /// Keeps what a failed operation learned about the devices.
    pub fn keep_health(&mut self, failed: &Pool) {
        for (v, f) in self.vdevs.iter_mut().zip(&failed.vdevs) {
            v.errors = f.errors;
            for (l, fl) in v.children.iter_mut().zip(&f.children) {
                l.errors = fl.errors;
            }
        }
        self.errlog = failed.errlog.clone();
        self.lost_reads = failed.lost_reads;
        self.repaired_bytes = failed.repaired_bytes;
    }
}
