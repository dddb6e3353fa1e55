//! ZFS on the machine: pools over the registry's devices, every block read
//! and written through `read_at`/`write_at`, and a vdev counted as in use.
//!
//! Each operation runs as one transaction group over a copy of the pool's
//! in-memory state, committed when it succeeds; a failed one leaves the pool
//! as it was, except for what it learned about the devices (error counts,
//! the error log, repairs). Given a whole disk, `zpool create` labels it GPT
//! as OpenZFS does: partition 1 for ZFS from sector 2048, an 8 MiB
//! partition 9 at the end, both 1 MiB aligned.

use super::Machine;
use crate::core::device::{DevId, DevKind};
use crate::core::event::Event;
use crate::core::label::{Label, PartType, Partition};
use crate::core::media::Chunk;
use crate::core::zfs::props;
#[cfg(feature = "zfs")]
use crate::core::zfs::LeafTask;
use crate::core::zfs::dsl::{volsize_to_reservation, DEFAULT_VOLBLOCKSIZE, MAX_RECORDSIZE};
use crate::core::zfs::{Blkptr, LoggedError, ChecksumAlg, DatasetKind, Disks, Os, Pool, Props, Tx, VdevSpec, ZStat, Zfs, ZfsError};

/// How fast a scrub examines the pool, per second of the lab clock (one
/// command): a small pool is scrubbed within its `zpool scrub`, 10 GiB take
/// ten commands, so `zpool status` can show one under way.
pub const SCRUB_BYTES_PER_SECOND: u64 = 1 << 30;

/// The most one operation writes into a dataset or volume: every block is
/// held as a block pointer (16 GiB of 16 KiB volume blocks is a million), so
/// a `dd` with no count into a big pool is refused instead of exhausting memory.
pub const ZFS_WRITE_LIMIT_BYTES: u64 = 16 << 30;

const ZFS_PART_TYPE: &str = "6A898CC3-1DD2-11B2-99A6-080020736631";
const RESERVED_PART_TYPE: &str = "6A945A3B-1DD2-11B2-99A6-080020736631";
const NEW_START_BLOCK: u64 = 2048;
const EFI_MIN_RESV_SIZE: u64 = 16 * 1024;
const PARTITION_END_ALIGNMENT: u64 = 2048;

impl Disks for Machine {
    fn read(&self, dev: DevId, offset: u64, len: u64) -> Option<Vec<u8>> {
        self.read_at(dev, offset, len).ok()
    }

    fn write(&mut self, dev: DevId, offset: u64, chunk: Chunk) -> bool {
        self.write_at(dev, offset, chunk).is_ok()
    }

    fn size(&self, dev: DevId) -> u64 {
        self.size_of(dev)
    }

    fn name(&self, dev: DevId) -> String {
        self.devices.get(dev).map(|d| d.name.clone()).unwrap_or_default()
    }

    fn read_described(&self, dev: DevId, offset: u64, len: u64) -> Option<Chunk> {
        let pieces = self.written_pieces(dev, offset, len).ok()?;
        match pieces.as_slice() {
            [] => Some(Chunk::zeros(len)),
            [(at, c)] if *at == offset && c.len == len => Some(c.clone()),
            _ => None,
        }
    }
}

/// The pool a dataset name belongs to: the part before the first `/` or `@`.
pub fn pool_of(name: &str) -> &str {
    name.split(['/', '@']).next().unwrap_or(name)
}

/// What `zfs create` is asked to make.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NewDataset {
    Filesystem,
    /// `-V SIZE`, with `-b`, and `-s` for a sparse volume (no refreservation).
    Volume { size_bytes: u64, volblocksize: Option<u64>, sparse: bool },
}

impl Machine {
    pub fn zfs(&self) -> &Zfs {
        &self.zfs
    }

    /// Runs `op` as one txg of pool `name`; a failure rolls the pool back.
    pub(super) fn with_pool<R>(&mut self, name: &str, op: impl FnOnce(&mut Tx) -> Result<R, ZfsError>) -> Result<(R, Vec<Event>), ZfsError> {
        let mut zfs = std::mem::take(&mut self.zfs);
        let now = self.clock;
        #[cfg(feature = "zfs")]
        let Zfs { pools, arc, .. } = &mut zfs;
        #[cfg(not(feature = "zfs"))]
        let Zfs { pools, .. } = &mut zfs;
        let result = match pools.iter_mut().find(|p| p.name == name) {
            None => Err(ZfsError::NoSuchPool(name.to_string())),
            Some(pool) => {
                // The scan's frontier and seen blocks stay out of the copy
                // (a scrub step would copy its whole progress): a failed txg
                // keeps the scan as it got, as the disks keep its repairs.
                let scan = pool.scan.take();
                let backup = pool.clone();
                pool.scan = scan;
                let mut tx = Tx::new(pool, self, now);
                #[cfg(feature = "zfs")]
                {
                    tx.arc = Some(arc);
                }
                let r = op(&mut tx).and_then(|v| tx.sync().map(|_| v));
                let events = std::mem::take(&mut tx.events);
                drop(tx);
                match r {
                    Ok(v) => Ok((v, events)),
                    Err(e) => {
                        let failed = std::mem::replace(pool, backup);
                        pool.keep_health(&failed);
                        pool.scan = failed.scan;
                        Err(e)
                    }
                }
            }
        };
        self.zfs = zfs;
        result
    }

    /// Without ZFS in the build there are no volume devices to be busy.
    #[cfg(not(feature = "zfs"))]
    fn zvol_busy(&self, _: &str) -> bool {
        false
    }

    pub(super) fn pool_and_os(&self, dataset: &str) -> Result<(String, Os), ZfsError> {
        let pool = self.zfs.pool(pool_of(dataset)).ok_or_else(|| ZfsError::NoSuchPool(pool_of(dataset).into()))?;
        let os = pool.os_of(dataset).ok_or_else(|| ZfsError::NoSuchDataset(dataset.into()))?;
        Ok((pool.name.clone(), os))
    }

    /// A device a pool may take: present, not in use, and without a
    /// signature unless forced. A whole disk is labelled and its partition 1 returned.
    fn claim_device(&mut self, dev: DevId, force: bool) -> Result<(DevId, Option<DevId>), ZfsError> {
        let d = self.devices.get(dev).ok_or(ZfsError::NoSuchDevice(dev))?;
        if let Some(b) = self.busy(dev) {
            return Err(ZfsError::DeviceBusy { dev, why: b.to_string() });
        }
        let whole = matches!(d.kind, DevKind::Disk);
        if whole && self.disk_busy(dev) {
            return Err(ZfsError::DeviceBusy { dev, why: "a partition is in use".into() });
        }
        if !force {
            self.check_disk(dev, whole)?;
        }
        if !whole {
            return Ok((dev, None));
        }
        let part = self.label_whole_disk(dev)?;
        Ok((part, Some(dev)))
    }

    /// libzfs's `check_disk`: a GPT disk is judged by its partitions, anything
    /// else by its own signature. A member of an exported pool needs `-f`;
    /// one of a pool no longer in use (destroyed) is free to take.
    fn check_disk(&self, dev: DevId, whole: bool) -> Result<(), ZfsError> {
        let gpt = whole && self.disk(dev).and_then(|k| k.label()).is_some_and(|l| l.kind == crate::core::label::LabelKind::Gpt);
        let slices: Vec<DevId> = if gpt { self.devices.partitions(dev).iter().map(|p| p.id).collect() } else { vec![dev] };
        for s in slices {
            let sig = self.probe(s);
            #[cfg(feature = "zfs")]
            if let Some(pool) = sig.as_ref().and_then(|sig| self.zfs.exported.iter().find(|p| !p.destroyed && p.guid.to_string() == sig.uuid)) {
                return Err(ZfsError::ExportedMember { dev: s, pool: pool.name.clone() });
            }
            if let Some(t) = sig.map(|sig| sig.fstype.name()).filter(|t| *t != "zfs_member") {
                return Err(ZfsError::HasSignature { dev: s, fstype: t.to_string() });
            }
        }
        Ok(())
    }

    /// `zpool_label_disk`: GPT with ZFS on partition 1 and reserved partition 9.
    fn label_whole_disk(&mut self, disk: DevId) -> Result<DevId, ZfsError> {
        let total = self.disk(disk).map_or(0, |d| d.total_sectors());
        let guid = self.new_guid();
        let mut label = Label::new_gpt(total, guid).map_err(|_| ZfsError::DeviceTooSmall(disk))?;
        label.first_lba = 34;
        if label.last_lba + 1 < NEW_START_BLOCK + EFI_MIN_RESV_SIZE + PARTITION_END_ALIGNMENT {
            return Err(ZfsError::DeviceTooSmall(disk));
        }
        let slice = (label.last_lba + 1 - EFI_MIN_RESV_SIZE - NEW_START_BLOCK) / PARTITION_END_ALIGNMENT * PARTITION_END_ALIGNMENT;
        let name = format!("zfs-{:016x}", self.rng.next_u64());
        let parts = [
            (1, NEW_START_BLOCK, slice, ZFS_PART_TYPE, name),
            (9, NEW_START_BLOCK + slice, EFI_MIN_RESV_SIZE, RESERVED_PART_TYPE, String::new()),
        ];
        for (number, start_lba, size_sectors, t, name) in parts {
            let unique_guid = self.new_guid();
            // Pushed directly: `Label::add` takes numbers above 4 for DOS logicals.
            label.partitions.push(Partition { number, start_lba, size_sectors, part_type: PartType::gpt_named(t), unique_guid, name, bootable: false });
        }
        let _ = self.write_label(disk, &label);
        self.devices.partitions(disk).iter().find(|p| matches!(p.kind, DevKind::Partition { number: 1, .. })).map(|p| p.id).ok_or(ZfsError::NoSuchDevice(disk))
    }

    fn guids(&mut self, n: usize) -> Vec<u64> {
        (0..n).map(|_| self.rng.next_u64()).collect()
    }

    /// `zpool create [-f] [-o ashift=N] NAME [mirror|raidz1] DEVS...`.
    /// `zpool create`; `root` holds the root filesystem's properties (`-O`, `-m`).
    pub fn zpool_create(&mut self, name: &str, vdevs: &[(crate::core::zfs::VdevKind, Vec<DevId>)], ashift: Option<u8>, force: bool, root: Props) -> Result<Vec<Event>, ZfsError> {
        if self.zfs.pool(name).is_some() {
            return Err(ZfsError::PoolExists(name.to_string()));
        }
        let specs = self.claim_vdevs(vdevs, force)?;
        let mut guids = self.guids(64);
        let mut next = move || guids.pop().unwrap_or(1);
        let now = self.clock;
        let mountpoint = root.mountpoint.clone().unwrap_or(format!("/{name}"));
        let (pool, events) = Pool::create(self, name, &specs, ashift.unwrap_or(9), &mut next, now, root)?;
        // The mount point is made before the pool is in place, so it lands
        // in the filesystem that holds it.
        if mountpoint.starts_with('/') {
            let _ = self.mkdir(&mountpoint, true);
        }
        self.zfs.pools.push(pool);
        Ok(events)
    }

    /// Each vdev's devices, claimed for ZFS (`claim_device`).
    fn claim_vdevs(&mut self, vdevs: &[(crate::core::zfs::VdevKind, Vec<DevId>)], force: bool) -> Result<Vec<VdevSpec>, ZfsError> {
        let mut specs = Vec::new();
        for (kind, devs) in vdevs {
            let claimed = devs.iter().map(|d| self.claim_device(*d, force)).collect::<Result<Vec<_>, _>>()?;
            specs.push(VdevSpec { kind: *kind, devs: claimed });
        }
        Ok(specs)
    }

    /// `zpool add POOL VDEV...`: the devices become new top-level vdevs, and
    /// every label is rewritten with the larger config.
    pub fn zpool_add(&mut self, pool: &str, vdevs: &[(crate::core::zfs::VdevKind, Vec<DevId>)], force: bool) -> Result<Vec<Event>, ZfsError> {
        self.zfs.pool(pool).ok_or_else(|| ZfsError::NoSuchPool(pool.to_string()))?;
        let specs = self.claim_vdevs(vdevs, force)?;
        let mut guids = self.guids(64);
        let mut next = move || guids.pop().unwrap_or(1);
        let (_, events) = self.with_pool(pool, |tx| {
            tx.pool.add_vdevs(&*tx.io, &specs, &mut next)?;
            tx.touch_mos();
            Ok(())
        })?;
        Ok(events)
    }

    /// `zpool destroy`: the devices are free again; their bytes stay.
    pub fn zpool_destroy(&mut self, name: &str) -> Result<Vec<Event>, ZfsError> {
        if self.zfs.pool(name).is_none() {
            return Err(ZfsError::NoSuchPool(name.to_string()));
        }
        if self.zvol_busy(name) {
            return Err(ZfsError::PoolBusy(name.to_string()));
        }
        #[cfg(feature = "zfs")]
        if let Some(guid) = self.zfs.pool(name).map(|p| p.guid) {
            std::rc::Rc::make_mut(&mut self.zfs.arc).flush_pool(guid);
        }
        let names: Vec<String> = self.zfs.pool(name).map(|p| p.datasets.iter().map(|d| d.name.clone()).collect()).unwrap_or_default();
        let mountpoints = self.mountpoints_of(&names);
        // `spa_destroy`: a last txg writes every label POOL_STATE_DESTROYED,
        // which `zpool import -D` can still find.
        #[cfg(feature = "zfs")]
        {
            let _ = self.with_pool(name, |tx| {
                tx.pool.destroyed = true;
                tx.touch_mos();
                tx.relabel();
                Ok(())
            });
            if let Some(at) = self.zfs.pools.iter().position(|p| p.name == name) {
                let pool = self.zfs.pools.remove(at);
                self.zfs.exported.push(pool);
            }
        }
        self.zfs.pools.retain(|p| p.name != name);
        self.refresh();
        // `zpool_disable_datasets` unmounts each filesystem and removes its
        // directory when empty (the ones inside the pool go with it).
        for mp in mountpoints {
            let _ = self.remove(&mp, true);
        }
        Ok(vec![Event::PoolDestroyed { pool: name.to_string() }])
    }

    fn leaf_of(&self, pool: &str, dev: DevId) -> Result<(usize, usize), ZfsError> {
        let p = self.zfs.pool(pool).ok_or_else(|| ZfsError::NoSuchPool(pool.into()))?;
        p.find_leaf(dev).ok_or(ZfsError::NoSuchDevice(dev))
    }

    /// `zpool attach POOL DEV NEW`: NEW mirrors DEV and is resilvered.
    pub fn zpool_attach(&mut self, pool: &str, existing: DevId, new: DevId, force: bool) -> Result<Vec<Event>, ZfsError> {
        let (t, _) = self.leaf_of(pool, existing)?;
        let top = &self.zfs.pool(pool).ok_or(ZfsError::Io)?.vdevs[t];
        if top.kind == crate::core::zfs::VdevKind::Raidz1 {
            return Err(ZfsError::NotAMirror(existing));
        }
        let need = top.asize;
        let (dev, whole) = self.claim_device(new, force)?;
        if crate::core::zfs::vdev::leaf_asize(self.size_of(dev)) < need {
            return Err(ZfsError::DeviceTooSmall(new));
        }
        let guid = self.rng.next_u64();
        let (names, to) = (self.name(whole.unwrap_or(dev)), self.name(existing));
        let (_, mut events) = self.with_pool(pool, |tx| {
            let top = &mut tx.pool.vdevs[t];
            top.kind = crate::core::zfs::VdevKind::Mirror;
            top.children.push(crate::core::zfs::vdev::Leaf::empty(dev, guid, whole));
            tx.touch_mos();
            Ok(())
        })?;
        events.insert(0, Event::VdevAttached { pool: pool.into(), dev: names, to });
        events.extend(self.resilver_second(pool)?);
        Ok(events)
    }

    /// `zpool detach POOL DEV`: only a mirror side can go.
    pub fn zpool_detach(&mut self, pool: &str, dev: DevId) -> Result<Vec<Event>, ZfsError> {
        let (t, c) = self.leaf_of(pool, dev)?;
        let name = self.name(dev);
        let (_, mut events) = self.with_pool(pool, |tx| {
            let top = &mut tx.pool.vdevs[t];
            let replacing = top.children[c].replacing() || top.children.get(c + 1).is_some_and(|l| l.replacing());
            if top.kind != crate::core::zfs::VdevKind::Mirror && !replacing {
                return Err(ZfsError::NotAMirror(dev));
            }
            // Either side of a `replacing-N` vdev may go; the other stays.
            if let Some(new) = top.children.get_mut(c + 1).filter(|l| l.replacing()) {
                new.set_replacing(false);
            }
            top.children.remove(c);
            if top.children.len() == 1 {
                top.kind = crate::core::zfs::VdevKind::Disk;
            }
            tx.touch_mos();
            Ok(())
        })?;
        events.insert(0, Event::VdevDetached { pool: pool.into(), dev: name });
        Ok(events)
    }

    /// `zpool offline`: refused when no other copy could serve reads.
    pub fn zpool_offline(&mut self, pool: &str, dev: DevId) -> Result<Vec<Event>, ZfsError> {
        let (t, c) = self.leaf_of(pool, dev)?;
        let name = self.name(dev);
        let (_, mut events) = self.with_pool(pool, |tx| {
            let txg = tx.txg;
            let top = &mut tx.pool.vdevs[t];
            let others = top.children.iter().enumerate().filter(|(i, l)| *i != c && l.readable()).count();
            let needed = if top.kind == crate::core::zfs::VdevKind::Raidz1 { top.children.len() - 1 } else { 1 };
            if others < needed {
                return Err(ZfsError::NoValidReplicas(dev));
            }
            let leaf = &mut top.children[c];
            leaf.state = crate::core::zfs::LeafState::Offline;
            leaf.missing_from_txg = Some(leaf.missing_from_txg.unwrap_or(txg));
            tx.touch_mos();
            Ok(())
        })?;
        events.insert(0, Event::VdevOffline { pool: pool.into(), dev: name });
        Ok(events)
    }

    /// `zpool online`: the device gets the blocks it missed.
    pub fn zpool_online(&mut self, pool: &str, dev: DevId) -> Result<Vec<Event>, ZfsError> {
        let (t, c) = self.leaf_of(pool, dev)?;
        let name = self.name(dev);
        let (_, mut events) = self.with_pool(pool, |tx| {
            tx.pool.vdevs[t].children[c].state = crate::core::zfs::LeafState::Online;
            tx.touch_mos();
            Ok(())
        })?;
        events.insert(0, Event::VdevOnline { pool: pool.into(), dev: name });
        events.extend(self.resilver_second(pool)?);
        Ok(events)
    }

    /// `zpool replace POOL OLD NEW`: NEW takes OLD's place and gets its blocks.
    pub fn zpool_replace(&mut self, pool: &str, old: DevId, new: DevId, force: bool) -> Result<Vec<Event>, ZfsError> {
        let (t, c) = self.leaf_of(pool, old)?;
        let children = &self.zfs.pool(pool).ok_or(ZfsError::Io)?.vdevs[t].children;
        if children[c].replacing() || children.get(c + 1).is_some_and(|l| l.replacing()) {
            return Err(ZfsError::NotAMirror(old));
        }
        let raidz = self.zfs.pool(pool).is_some_and(|p| p.vdevs[t].kind == crate::core::zfs::VdevKind::Raidz1);
        let (old_name, mut events) = (self.name(old), Vec::new());
        if raidz {
            let (dev, whole) = self.claim_device(new, force)?;
            // vdev_attach's EOVERFLOW: the new disk must hold a child's share.
            let share = self.zfs.pool(pool).map_or(0, |p| p.vdevs[t].children.iter().map(|l| crate::core::zfs::vdev::leaf_asize(self.size_of(l.dev))).min().unwrap_or(0));
            if crate::core::zfs::vdev::leaf_asize(self.size_of(dev)) < share {
                return Err(ZfsError::DeviceTooSmall(new));
            }
            let guid = self.rng.next_u64();
            let (_, ev) = self.with_pool(pool, |tx| {
                tx.pool.vdevs[t].children[c] = crate::core::zfs::vdev::Leaf::empty(dev, guid, whole);
                tx.touch_mos();
                Ok(())
            })?;
            events.extend(ev);
        } else {
            events.extend(self.replacing_side(pool, (t, c), new, force)?);
        }
        events.insert(0, Event::VdevReplaced { pool: pool.into(), old: old_name, new: self.name(new) });
        events.extend(self.resilver_second(pool)?);
        Ok(events)
    }

    /// A mirror side or a single disk being replaced: NEW joins it as a
    /// `replacing-N` vdev; the old side goes when the resilver is done.
    fn replacing_side(&mut self, pool: &str, (t, c): (usize, usize), new: DevId, force: bool) -> Result<Vec<Event>, ZfsError> {
        let need = self.zfs.pool(pool).ok_or(ZfsError::Io)?.vdevs[t].asize;
        let (dev, whole) = self.claim_device(new, force)?;
        if crate::core::zfs::vdev::leaf_asize(self.size_of(dev)) < need {
            return Err(ZfsError::DeviceTooSmall(new));
        }
        let guid = self.rng.next_u64();
        let (_, events) = self.with_pool(pool, |tx| {
            let mut leaf = crate::core::zfs::vdev::Leaf::empty(dev, guid, whole);
            leaf.set_replacing(true);
            tx.pool.vdevs[t].children.insert(c + 1, leaf);
            tx.touch_mos();
            Ok(())
        })?;
        Ok(events)
    }

    /// `zpool scrub`: starts a scrub; `zpool_scrub_step` advances it.
    pub fn zpool_scrub_start(&mut self, pool: &str) -> Result<Vec<Event>, ZfsError> {
        if self.resilvering(pool) {
            return Err(ZfsError::Resilvering(format!("cannot scrub {pool}")));
        }
        Ok(self.with_pool(pool, |tx| {
            tx.scrub_start();
            Ok(())
        })?
        .1)
    }

    /// Examines up to `budget_bytes` more; true once the scrub is done.
    pub fn zpool_scrub_step(&mut self, pool: &str, budget_bytes: u64) -> Result<(bool, Vec<Event>), ZfsError> {
        self.with_pool(pool, |tx| Ok(tx.scrub_step(budget_bytes)))
    }

    /// Starts a resilver when an online leaf misses blocks, and runs its
    /// first second within the command that made the need. It starts after
    /// that command's txg: the tree it walks is the new one.
    fn resilver_second(&mut self, pool: &str) -> Result<Vec<Event>, ZfsError> {
        let (_, mut events) = self.with_pool(pool, |tx| {
            tx.resilver_start();
            Ok(())
        })?;
        if self.resilvering(pool) {
            events.extend(self.zpool_scrub_step(pool, SCRUB_BYTES_PER_SECOND)?.1);
        }
        Ok(events)
    }

    /// Whether a resilver is under way on the pool (`dsl_scan_resilvering`).
    pub fn resilvering(&self, pool: &str) -> bool {
        self.zfs.pool(pool).and_then(|p| p.scan.as_ref()).is_some_and(|s| s.resilver && s.state == crate::core::zfs::scrub::ScanState::Scanning)
    }

    /// Whether a scrub is under way (and not paused) on any pool.
    pub(super) fn scrubbing(&self) -> bool {
        cfg!(feature = "zfs") && self.zfs.pools.iter().any(|p| p.scan.as_ref().is_some_and(|s| s.state == crate::core::zfs::scrub::ScanState::Scanning && s.paused_since == 0))
    }

    /// One second of every scrub under way: `SCRUB_BYTES_PER_SECOND` more
    /// examined (their events are not shown; `zpool status` reports them).
    pub(super) fn advance_scrubs(&mut self) {
        if cfg!(not(feature = "zfs")) {
            return;
        }
        let scanning: Vec<String> = self.zfs.pools.iter().filter(|p| p.scan.as_ref().is_some_and(|s| s.state == crate::core::zfs::scrub::ScanState::Scanning && s.paused_since == 0)).map(|p| p.name.clone()).collect();
        for pool in scanning {
            let _ = self.zpool_scrub_step(&pool, SCRUB_BYTES_PER_SECOND);
        }
    }

    /// A whole scrub, in ten visible steps.
    pub fn zpool_scrub(&mut self, pool: &str) -> Result<Vec<Event>, ZfsError> {
        let mut events = self.zpool_scrub_start(pool)?;
        let total = self.zfs.pool(pool).and_then(|p| p.scan.as_ref()).map_or(0, |s| s.to_examine_bytes);
        loop {
            let (done, ev) = self.zpool_scrub_step(pool, (total / 10).max(1))?;
            events.extend(ev);
            if done {
                return Ok(events);
            }
        }
    }

    /// `zpool scrub -s`.
    pub fn zpool_scrub_cancel(&mut self, pool: &str) -> Result<Vec<Event>, ZfsError> {
        let now = self.clock;
        if self.resilvering(pool) {
            return Err(ZfsError::Resilvering(format!("cannot cancel scrubbing {pool}")));
        }
        let p = self.zfs.pool_mut(pool).ok_or_else(|| ZfsError::NoSuchPool(pool.into()))?;
        match &mut p.scan {
            Some(s) if s.state == crate::core::zfs::scrub::ScanState::Scanning => {
                s.state = crate::core::zfs::scrub::ScanState::Canceled;
                s.end_time = now;
                p.errlog = s.take_found();
                Ok(vec![Event::ScrubCanceled { pool: pool.into() }])
            }
            _ => Err(ZfsError::NoActiveScrub(pool.into())),
        }
    }

    /// `zpool scrub -p`: pauses a running scrub; with none running there
    /// is nothing to do (libzfs returns 0 for ENOENT).
    pub fn zpool_scrub_pause(&mut self, pool: &str) -> Result<Vec<Event>, ZfsError> {
        let now = self.clock;
        let p = self.zfs.pool_mut(pool).ok_or_else(|| ZfsError::NoSuchPool(pool.into()))?;
        match &mut p.scan {
            Some(s) if s.state == crate::core::zfs::scrub::ScanState::Scanning && !s.resilver => {
                if s.paused_since != 0 {
                    return Err(ZfsError::ScrubPaused(pool.into()));
                }
                s.paused_since = now.max(1);
                Ok(Vec::new())
            }
            _ => Ok(Vec::new()),
        }
    }

    /// `zpool scrub` on a paused scrub: it goes on where it stopped.
    /// Returns whether there was one to resume.
    pub fn zpool_scrub_resume(&mut self, pool: &str) -> bool {
        let now = self.clock;
        match self.zfs.pool_mut(pool).and_then(|p| p.scan.as_mut()) {
            Some(s) if s.state == crate::core::zfs::scrub::ScanState::Scanning && s.paused_since != 0 => {
                s.paused_secs += now.saturating_sub(s.paused_since);
                s.paused_since = 0;
                true
            }
            _ => false,
        }
    }

    /// `zpool clear`: the error counters are reset (`vdev_clear`).
    pub fn zpool_clear(&mut self, pool: &str) -> Result<Vec<Event>, ZfsError> {
        let p = self.zfs.pool_mut(pool).ok_or_else(|| ZfsError::NoSuchPool(pool.into()))?;
        p.clear();
        Ok(vec![Event::ErrorsCleared { pool: pool.into() }])
    }

    /// `zpool trim` and `zpool initialize` on some leaves of a pool: the
    /// lab's complete at once (it writes no pattern into free space).
    #[cfg(feature = "zfs")]
    pub fn zpool_leaf_task(&mut self, pool: &str, devs: &[DevId], task: LeafTask) -> Result<Vec<Event>, ZfsError> {
        let now = self.clock;
        let p = self.zfs.pool_mut(pool).ok_or_else(|| ZfsError::NoSuchPool(pool.into()))?;
        for leaf in p.vdevs.iter_mut().flat_map(|v| v.children.iter_mut()).filter(|l| devs.contains(&l.dev)) {
            match task {
                LeafTask::Trim => leaf.trimmed_at = Some(now),
                LeafTask::Initialize => leaf.initialized_at = Some(now),
                LeafTask::Uninitialize => leaf.initialized_at = None,
            }
        }
        Ok(Vec::new())
    }

    /// `zpool labelclear`: zeroes the four vdev labels of a device that no
    /// pool uses, or `false` when it holds no ZFS label to clear.
    #[cfg(feature = "zfs")]
    pub fn zpool_labelclear(&mut self, dev: DevId) -> Result<(bool, Vec<Event>), ZfsError> {
        if !self.probe(dev).is_some_and(|s| s.fstype.name() == "zfs_member") {
            return Ok((false, Vec::new()));
        }
        let mut events = Vec::new();
        for at in crate::core::zfs::label::label_offsets(self.size_of(dev)) {
            let label = crate::core::zfs::vdev::VDEV_LABEL_BYTES;
            events.extend(self.write_at(dev, at, Chunk::zeros(label)).map_err(|_| ZfsError::Io)?);
        }
        self.refresh();
        Ok((true, events))
    }

    /// `zfs create [-V SIZE [-s] [-b BS]] [-o prop=val] NAME`.
    pub fn zfs_create(&mut self, name: &str, what: NewDataset, props: Props) -> Result<Vec<Event>, ZfsError> {
        let (pool_name, parent) = self.new_dataset_name(name)?;
        let pool = self.zfs.pool(&pool_name).ok_or_else(|| ZfsError::NoSuchPool(pool_name.clone()))?;
        if let Some(rs) = props.recordsize {
            check_block_size("recordsize", rs)?;
        }
        let (kind, props) = match what {
            NewDataset::Filesystem => (DatasetKind::Filesystem, props),
            NewDataset::Volume { size_bytes, volblocksize, sparse } => {
                let vbs = volblocksize.unwrap_or(DEFAULT_VOLBLOCKSIZE);
                check_block_size("volblocksize", vbs)?;
                // `zfs create -V` adds the refreservation unless one is given.
                let reserve = props.refreservation.or((!sparse).then(|| volsize_to_reservation(&pool.vdevs, size_bytes, vbs)));
                (DatasetKind::Volume { size_bytes, volblocksize: vbs }, Props { refreservation: reserve, ..props })
            }
        };
        if let Some(r) = props.refreservation.max(props.limits().reservation) {
            if r > pool.available_bytes() {
                return Err(ZfsError::NoSpace);
            }
        }
        let (mut events, made) = match self.mount_dir(name, parent, &kind, &props) {
            Ok(made) => made,
            #[cfg(not(feature = "zfs"))]
            Err(_) => (Vec::new(), None),
            #[cfg(feature = "zfs")]
            Err(mountpoint) => {
                // Made, but left unmounted, as `zfs_do_create` leaves it.
                self.with_pool(&pool_name, |tx| create_with_limits(tx, name, kind, props))?;
                self.zfs_set_mounted(name, false)?;
                self.refresh();
                return Err(ZfsError::MountpointReadOnly(mountpoint));
            }
        };
        match self.with_pool(&pool_name, |tx| create_with_limits(tx, name, kind, props)) {
            Ok((_, e)) => events.extend(e),
            Err(e) => {
                // The mount point made for it goes again.
                if let Some(dir) = made {
                    let _ = self.remove(&dir, true);
                }
                return Err(e);
            }
        }
        self.refresh();
        Ok(events)
    }

    /// A new dataset's pool and parent, or why the name cannot be one.
    fn new_dataset_name<'a>(&self, name: &'a str) -> Result<(String, &'a str), ZfsError> {
        let pool_name = pool_of(name).to_string();
        let pool = self.zfs.pool(&pool_name).ok_or_else(|| ZfsError::NoSuchPool(pool_name.clone()))?;
        if pool.dataset(name).is_some() {
            return Err(ZfsError::DatasetExists(name.into()));
        }
        let parent = name.rsplit_once('/').map(|p| p.0).ok_or_else(|| ZfsError::DatasetExists(name.into()))?;
        if pool.dataset(parent).is_none_or(|p| p.is_volume()) {
            return Err(ZfsError::ParentMissing(name.into()));
        }
        Ok((pool_name, parent))
    }

    /// A new filesystem's mount point directory, made before the dataset
    /// exists, so it lands in the filesystem that holds it (the parent
    /// dataset, or the root).
    /// Returns the events and the directory, when it was new, or the mount
    /// point when it would land in a read-only dataset.
    fn mount_dir(&mut self, name: &str, parent: &str, kind: &DatasetKind, props: &Props) -> Result<(Vec<Event>, Option<String>), String> {
        let Some(pool) = self.zfs.pool(pool_of(name)) else { return Ok((Vec::new(), None)) };
        let mountpoint = match &props.mountpoint {
            Some(mp) => mp.clone(),
            None => format!("{}/{}", pool.mountpoint_of(parent).trim_end_matches('/'), name.rsplit('/').next().unwrap_or(name)),
        };
        #[cfg(feature = "zfs")]
        let never_mounted = props.stored("canmount").is_some_and(|v| v != "on");
        #[cfg(not(feature = "zfs"))]
        let never_mounted = false;
        if !matches!(kind, DatasetKind::Filesystem) || !mountpoint.starts_with('/') || never_mounted {
            return Ok((Vec::new(), None));
        }
        if self.stat_path(&mountpoint).is_ok() {
            return Ok((Vec::new(), None));
        }
        if self.zfs_path(&mountpoint).is_some_and(|(ds, _)| self.zfs_writable(&ds).is_err()) {
            return Err(mountpoint);
        }
        Ok((self.make_mount_dir(&mountpoint), Some(mountpoint)))
    }

    /// Makes a missing mount point directory, and its parents. In a ZFS
    /// filesystem the directory itself is a `zfs create` thread's new object
    /// (`Tx::create_mount_dir`).
    fn make_mount_dir(&mut self, path: &str) -> Vec<Event> {
        let path = super::files::normalize(path);
        let parent = match path.rsplit_once('/') {
            Some(("", _)) | None => "/".to_string(),
            Some((p, _)) => p.to_string(),
        };
        let mut events = self.mkdir(&parent, true).unwrap_or_default();
        let made = match self.zfs_path(&path) {
            Some((ds, rel)) if !rel.is_empty() => self.fs_op(&ds, |tx, os, _| tx.create_mount_dir(os, &rel)).map(|r| r.1).unwrap_or_default(),
            _ => self.mkdir(&path, false).unwrap_or_default(),
        };
        events.extend(made);
        events
    }

    /// `zfs clone [-o prop=val] SNAPSHOT NAME`, in the snapshot's pool.
    #[cfg(feature = "zfs")]
    pub fn zfs_clone(&mut self, origin: &str, name: &str, props: Props) -> Result<Vec<Event>, ZfsError> {
        let (head, _) = origin.split_once('@').ok_or_else(|| ZfsError::NoSuchDataset(origin.into()))?;
        let kind = self.zfs.pool(pool_of(head)).and_then(|p| p.dataset(head)).map(|d| d.kind.clone()).ok_or_else(|| ZfsError::NoSuchDataset(origin.into()))?;
        let (pool_name, parent) = self.new_dataset_name(name)?;
        if pool_name != pool_of(head) {
            return Err(ZfsError::PoolsDiffer(name.into()));
        }
        let made = self.mount_dir(name, parent, &kind, &props);
        let mut events = made.as_ref().map(|m| m.0.clone()).unwrap_or_default();
        events.extend(self.with_pool(&pool_name, |tx| tx.clone_dataset(name, origin, props))?.1);
        if let Err(mountpoint) = made {
            self.zfs_set_mounted(name, false)?;
            self.refresh();
            return Err(ZfsError::MountpointReadOnly(mountpoint));
        }
        self.refresh();
        Ok(events)
    }

    /// `zfs snapshot [-r] DATASET@SNAP`, all in one txg.
    pub fn zfs_snapshot(&mut self, name: &str, recursive: bool) -> Result<Vec<Event>, ZfsError> {
        let (dataset, snap) = name.split_once('@').ok_or_else(|| ZfsError::NoSuchDataset(name.into()))?;
        let pool = self.zfs.pool(pool_of(dataset)).ok_or_else(|| ZfsError::NoSuchPool(pool_of(dataset).into()))?;
        pool.dataset(dataset).ok_or_else(|| ZfsError::NoSuchDataset(dataset.into()))?;
        let mut targets = vec![dataset.to_string()];
        if recursive {
            targets.extend(pool.datasets.iter().filter(|d| d.name.starts_with(&format!("{dataset}/"))).map(|d| d.name.clone()));
        }
        let pool = pool.name.clone();
        Ok(self
            .with_pool(&pool, |tx| {
                for t in &targets {
                    tx.snapshot(t, snap)?;
                }
                Ok(())
            })?
            .1)
    }

    /// The snapshot a `zfs receive` ends with, carrying the sender's guid
    /// (`drr_toguid`), so that replicas can be matched.
    #[cfg(feature = "zfs")]
    pub fn zfs_snapshot_received(&mut self, name: &str, guid: u64) -> Result<Vec<Event>, ZfsError> {
        let events = self.zfs_snapshot(name, false)?;
        let (head, snap) = name.split_once('@').unwrap_or((name, ""));
        let received = self.zfs.pool_mut(pool_of(head)).and_then(|p| p.dataset_mut(head)).and_then(|d| d.snapshots.iter_mut().find(|s| s.name == snap));
        if let (Some(s), true) = (received, guid != 0) {
            s.guid = guid;
        }
        Ok(events)
    }

    /// `zfs rollback [-r] DATASET@SNAP`.
    pub fn zfs_rollback(&mut self, name: &str, recursive: bool) -> Result<Vec<Event>, ZfsError> {
        self.rollback(name, recursive, false)
    }

    /// `zfs rollback [-r|-R]`: with `dependents` the clones of the newer
    /// snapshots go too.
    pub fn rollback(&mut self, name: &str, recursive: bool, dependents: bool) -> Result<Vec<Event>, ZfsError> {
        let (dataset, snap) = name.split_once('@').ok_or_else(|| ZfsError::NoSuchDataset(name.into()))?;
        let pool = self.zfs.pool(pool_of(dataset)).ok_or_else(|| ZfsError::NoSuchPool(pool_of(dataset).into()))?;
        let ds = pool.dataset(dataset).ok_or_else(|| ZfsError::NoSuchDataset(dataset.into()))?;
        let i = ds.snapshots.iter().position(|s| s.name == snap).ok_or_else(|| ZfsError::NoSuchDataset(name.into()))?;
        let newer: Vec<String> = ds.snapshots[i + 1..].iter().map(|s| format!("{dataset}@{}", s.name)).collect();
        // Bookmarks newer than the snapshot go too (`rollback_destroy`), in txg order.
        #[cfg(feature = "zfs")]
        let snap_txg = ds.snapshots[i].txg;
        #[cfg(feature = "zfs")]
        {
            let mut marks: Vec<_> = ds.bookmarks.iter().filter(|b| b.txg > snap_txg).collect();
            marks.sort_by(|a, b| (a.txg, &a.name).cmp(&(b.txg, &b.name)));
            if !marks.is_empty() && !recursive {
                let snapshots = newer.iter().cloned().chain(marks.iter().map(|b| format!("{dataset}#{}", b.name))).collect();
                return Err(ZfsError::MoreRecentSnapshots { target: name.into(), snapshots });
            }
        }
        if !newer.is_empty() && !recursive {
            return Err(ZfsError::MoreRecentSnapshots { target: name.into(), snapshots: newer });
        }
        #[cfg(feature = "zfs")]
        if let Some(held) = newer.iter().find(|d| self.zfs_holds(d).is_some_and(|h| !h.is_empty())) {
            return Err(ZfsError::SnapshotHeld(held.clone()));
        }
        let mut clones = Vec::new();
        for clone in pool.clones_of(&newer) {
            clones.extend(self.destroy_plan(&clone, true, true)?);
        }
        if !clones.is_empty() && !dependents {
            return Err(ZfsError::HasClones { dataset: name.into(), clones });
        }
        let pool = pool.name.clone();
        let events = self
            .with_pool(&pool, |tx| {
                destroy_all(tx, &clones)?;
                for s in newer.iter().rev() {
                    tx.destroy_snapshot(dataset, s.split_once('@').map_or("", |p| p.1))?;
                }
                #[cfg(feature = "zfs")]
                tx.pool.dataset_mut(dataset).ok_or(ZfsError::Io)?.bookmarks.retain(|b| b.txg <= snap_txg);
                tx.rollback(dataset, snap)
            })?
            .1;
        if !clones.is_empty() {
            self.refresh();
        }
        Ok(events)
    }

    /// What `zfs destroy [-r] NAME` destroys, in order (each dataset's
    /// snapshots, newest first, then the dataset, children before parents),
    /// or why it may not.
    pub fn zfs_destroy_plan(&self, name: &str, recursive: bool) -> Result<Vec<String>, ZfsError> {
        self.destroy_plan(name, recursive, false)
    }

    /// `zfs_destroy_plan`; with `dependents` (`-R`) the clones of the
    /// snapshots that go are destroyed first, each with its own plan.
    pub fn destroy_plan(&self, name: &str, recursive: bool, dependents: bool) -> Result<Vec<String>, ZfsError> {
        let pool = self.zfs.pool(pool_of(name)).ok_or_else(|| ZfsError::NoSuchPool(pool_of(name).into()))?;
        match name.split_once('@') {
            Some((dataset, snap)) => pool.dataset(dataset).and_then(|d| d.snapshot(snap)).map(|_| ()),
            None => pool.dataset(name).map(|_| ()),
        }
        .ok_or_else(|| ZfsError::NoSuchDataset(name.into()))?;
        // A pool's root goes only with the pool; `-r` takes everything
        // under it (the plan still names it, as `zfs destroy -v` does).
        if name == pool.name && !recursive {
            return Err(ZfsError::HasChildren { dataset: name.into(), children: Vec::new() });
        }
        let own = pool.post_order(name, false);
        let all = pool.post_order(name, true);
        if own.len() > 1 && !recursive && !name.contains('@') {
            return Err(ZfsError::HasChildren { dataset: name.into(), children: own[..own.len() - 1].to_vec() });
        }
        let plan = if dependents { all.clone() } else { own.clone() };
        if plan.iter().any(|d| !d.contains('@') && self.zvol_busy(d)) {
            return Err(ZfsError::DatasetBusy(name.into()));
        }
        #[cfg(feature = "zfs")]
        if let Some(held) = plan.iter().find(|d| self.zfs_holds(d).is_some_and(|h| !h.is_empty())) {
            return Err(ZfsError::SnapshotHeld(held.clone()));
        }
        let clones: Vec<String> = all.into_iter().filter(|n| !own.contains(n)).collect();
        if !clones.is_empty() && !dependents {
            return Err(ZfsError::HasClones { dataset: name.into(), clones });
        }
        Ok(plan)
    }

    /// `zfs destroy [-r] NAME` (a dataset or a snapshot).
    pub fn zfs_destroy(&mut self, name: &str, recursive: bool) -> Result<Vec<Event>, ZfsError> {
        self.destroy(name, recursive, false)
    }

    /// `zfs destroy [-r|-R] NAME`: `zfs_destroy`, clones too with `dependents`.
    pub fn destroy(&mut self, name: &str, recursive: bool, dependents: bool) -> Result<Vec<Event>, ZfsError> {
        let mut plan = self.destroy_plan(name, recursive, dependents)?;
        let pool = pool_of(name).to_string();
        plan.retain(|d| *d != pool);
        let mut mountpoints = self.mountpoints_of(&plan);
        let events = self
            .with_pool(&pool, |tx| destroy_all(tx, &plan))?
            .1;
        self.refresh();
        // `remove_mountpoint`: each destroyed filesystem's directory goes
        // if it is empty, the deepest first.
        mountpoints.sort_by_key(|mp| std::cmp::Reverse(mp.len()));
        for mp in mountpoints {
            let _ = self.remove(&mp, true);
        }
        Ok(events)
    }

    /// The mount points of the mounted filesystems among `names` that
    /// `remove_mountpoint` may remove: default or inherited ones (a
    /// directory someone chose stays).
    pub(super) fn mountpoints_of(&self, names: &[String]) -> Vec<String> {
        let mounts = self.zfs_mounts();
        let chosen = |n: &str| self.zfs.pool(pool_of(n)).and_then(|p| p.dataset(n)).is_some_and(|d| d.props.mountpoint.is_some());
        names.iter().filter(|n| !chosen(n)).filter_map(|n| mounts.iter().find(|(ds, _, _)| ds == n).map(|(_, mp, _)| mp.clone())).collect()
    }

    /// `zfs set PROP=VALUE NAME` for checksum, recordsize, copies,
    /// mountpoint, compression (off only) and refreservation.
    pub fn zfs_set(&mut self, name: &str, property: &str, value: &str) -> Result<Vec<Event>, ZfsError> {
        #[cfg(feature = "zfs")]
        if name.contains('@') && props::is_user_property(property) {
            return self.snapshot_user_prop(name, property, Some(value));
        }
        let (pool, os) = self.pool_and_os(name)?;
        let bad = |why: &str| ZfsError::BadProperty { property: property.into(), value: value.into(), why: format!("'{property}' {why}") };
        let mounts_before = self.zfs_mounts();
        let (_, mut events) = self.with_pool(&pool, |tx| {
            #[cfg(feature = "zfs")]
            if property == "volsize" {
                let bytes = value.parse().map_err(|_| bad("must be a number"))?;
                tx.pool.set_volsize(name, bytes).map_err(|why| ZfsError::BadProperty { property: property.into(), value: value.into(), why })?;
                tx.set_zvol_size(os, bytes)?;
                let obj = tx.pool.dataset(name).map_or(0, |d| d.obj);
                return tx.touch_record(obj);
            }
            let _ = os;
            #[cfg(feature = "zfs")]
            if matches!(property, "quota" | "refquota" | "reservation" | "refreservation") {
                let bytes = if value == "none" { 0 } else { value.parse().map_err(|_| bad("must be a number"))? };
                tx.pool.set_limit(name, property, bytes).map_err(|why| ZfsError::BadProperty { property: property.into(), value: value.into(), why })?;
                let obj = tx.pool.dataset(name).map_or(0, |d| d.obj);
                return tx.touch_record(obj);
            }
            let ds = tx.pool.dataset_mut(name).ok_or_else(|| ZfsError::NoSuchDataset(name.into()))?;
            match property {
                "checksum" => ds.props.checksum = Some(parse_checksum(value).ok_or_else(|| bad("not a checksum the lab models"))?),
                "recordsize" => {
                    let v = crate::core::units::parse_size_bytes(value).map_err(|_| bad("not a size"))?;
                    check_block_size("recordsize", v)?;
                    ds.props.recordsize = Some(v);
                }
                "copies" => ds.props.copies = Some(value.parse().ok().filter(|c| (1..=3).contains(c)).ok_or_else(|| bad("must be one of '1 | 2 | 3'"))?),
                "mountpoint" => ds.props.mountpoint = Some(value.to_string()),
                "refreservation" => ds.props.refreservation = if value == "none" { None } else { crate::core::units::parse_size_bytes(value).ok() },
                #[cfg(not(feature = "zfs"))]
                _ => return Err(bad("is not a property the lab can set")),
                #[cfg(feature = "zfs")]
                _ => {
                    let kind = if ds.is_volume() { props::VOL } else { props::FS };
                    let value = stored_value(property, value, kind).map_err(|why| ZfsError::BadProperty { property: property.into(), value: value.into(), why })?;
                    ds.props.set_stored(property, value);
                }
            }
            let obj = ds.obj;
            tx.touch_record(obj)
        })?;
        events.insert(0, Event::PropertySet { dataset: name.into(), property: property.into(), value: value.into() });
        if property == "volsize" {
            self.refresh();
        }
        #[cfg(feature = "zfs")]
        events.extend(self.move_mount_dirs(&mounts_before));
        #[cfg(not(feature = "zfs"))]
        let _ = mounts_before;
        Ok(events)
    }

    /// Sets (or, with `None`, removes) a user property of a snapshot: a
    /// change to its dataset's records, so one txg.
    #[cfg(feature = "zfs")]
    fn snapshot_user_prop(&mut self, name: &str, property: &str, value: Option<&str>) -> Result<Vec<Event>, ZfsError> {
        let (head, snap) = name.split_once('@').ok_or_else(|| ZfsError::NoSuchDataset(name.into()))?;
        let missing = || ZfsError::NoSuchDataset(name.into());
        let obj = self.zfs.pool(pool_of(head)).and_then(|p| p.dataset(head)).filter(|d| d.snapshot(snap).is_some()).ok_or_else(missing)?.obj;
        let (_, mut events) = self.with_pool(pool_of(head), |tx| {
            let s = tx.pool.dataset_mut(head).and_then(|d| d.snapshots.iter_mut().find(|s| s.name == snap)).ok_or_else(missing)?;
            s.user_props.retain(|p| p.0 != property);
            s.user_props.extend(value.map(|v| (property.to_string(), v.to_string())));
            tx.touch_record(obj)
        })?;
        events.insert(0, Event::PropertySet { dataset: name.into(), property: property.into(), value: value.unwrap_or("inherited").into() });
        Ok(events)
    }

    /// `zpool set PROP=VALUE POOL`: a value the caller checked, stored in
    /// the pool's config (a MOS change, so one txg).
    #[cfg(feature = "zfs")]
    pub fn zpool_set(&mut self, pool: &str, property: &str, value: &str) -> Result<Vec<Event>, ZfsError> {
        let (_, events) = self.with_pool(pool, |tx| {
            tx.pool.props.retain(|p| p.0 != property);
            tx.pool.props.push((property.to_string(), value.to_string()));
            tx.touch_mos();
            Ok(())
        })?;
        Ok(events)
    }

    /// `zfs rename OLD NEW`: a dataset and its descendants, or a snapshot,
    /// take the new name (mount points and `/dev/zvol` links follow it; a
    /// volume keeps its `zd` device). Checked by the caller: same pool, the
    /// new parent exists, the new name is free.
    #[cfg(feature = "zfs")]
    pub fn zfs_rename(&mut self, old: &str, new: &str) -> Result<Vec<Event>, ZfsError> {
        let (pool, _) = self.pool_and_os(old)?;
        let renamed = |name: &str| match name.strip_prefix(old) {
            Some("") => Some(new.to_string()),
            Some(rest) if rest.starts_with('/') => Some(format!("{new}{rest}")),
            _ => None,
        };
        self.devices.rename_zvols(renamed);
        let mounts_before = self.zfs_mounts();
        let (_, mut events) = self.with_pool(&pool, |tx| {
            match (old.split_once('@'), new.split_once('@')) {
                (Some((ds, snap)), Some((_, to))) => {
                    let d = tx.pool.dataset_mut(ds).ok_or_else(|| ZfsError::NoSuchDataset(old.into()))?;
                    if let Some(s) = d.snapshots.iter_mut().find(|s| s.name == snap) {
                        s.name = to.to_string();
                    }
                }
                _ => {
                    for d in &mut tx.pool.datasets {
                        if let Some(n) = renamed(&d.name) {
                            d.name = n;
                        }
                    }
                }
            }
            for o in tx.pool.datasets.iter_mut().filter_map(|d| d.origin.as_mut()) {
                if o.snapshot == old {
                    o.snapshot = new.to_string();
                } else if let Some(n) = o.snapshot.split_once('@').and_then(|(ds, snap)| Some(format!("{}@{snap}", renamed(ds)?))) {
                    o.snapshot = n;
                }
            }
            tx.touch_mos();
            Ok(())
        })?;
        self.refresh();
        #[cfg(feature = "zfs")]
        events.extend(self.move_mount_dirs(&mounts_before));
        #[cfg(not(feature = "zfs"))]
        let _ = (&mut events, mounts_before);
        Ok(events)
    }

    /// `changelist_prefix` and `changelist_postfix` around a change that
    /// moves mount points (rename, `mountpoint` set or inherited): a mount
    /// point no filesystem uses any more is removed if empty
    /// (`remove_mountpoint`), and each new one is made in what lies below
    /// it before the filesystem goes on top (`zfs_mount_at`'s mkdirp).
    #[cfg(feature = "zfs")]
    fn move_mount_dirs(&mut self, before: &[(String, String, u64)]) -> Vec<Event> {
        let after = self.zfs_mounts();
        let mut events = Vec::new();
        for (_, mp, _) in before.iter().filter(|b| !after.iter().any(|a| a.1 == b.1)) {
            events.extend(self.remove(mp, true).unwrap_or_default());
        }
        let mut fresh: Vec<&(String, String, u64)> = after.iter().filter(|a| !before.iter().any(|b| b.1 == a.1)).collect();
        fresh.sort_by_key(|a| a.1.len());
        for (ds, mp, _) in fresh {
            self.set_unmounted_flag(ds, true);
            if self.stat_path(mp).is_err() {
                events.extend(self.make_mount_dir(mp));
            }
            self.set_unmounted_flag(ds, false);
        }
        events
    }

    #[cfg(feature = "zfs")]
    fn set_unmounted_flag(&mut self, ds: &str, unmounted: bool) {
        if let Some(d) = self.zfs.pool_mut(pool_of(ds)).and_then(|p| p.dataset_mut(ds)) {
            d.unmounted = unmounted;
        }
    }

    #[cfg(feature = "zfs")]
    /// `zfs inherit [-r] PROPERTY NAME`: the local value goes, so the
    /// dataset (and with `recursive` every descendant) takes its parent's
    /// or the default.
    pub fn zfs_inherit(&mut self, name: &str, property: &str, recursive: bool) -> Result<Vec<Event>, ZfsError> {
        #[cfg(feature = "zfs")]
        if name.contains('@') {
            return self.snapshot_user_prop(name, property, None);
        }
        let (pool, _) = self.pool_and_os(name)?;
        let p = self.zfs.pool(&pool).ok_or(ZfsError::Io)?;
        let mut targets = if recursive { p.descendants(name) } else { Vec::new() };
        targets.insert(0, name.to_string());
        let mounts_before = self.zfs_mounts();
        let (_, mut events) = self.with_pool(&pool, |tx| {
            for t in &targets {
                let Some(ds) = tx.pool.dataset_mut(t) else { continue };
                match property {
                    "checksum" => ds.props.checksum = None,
                    "recordsize" => ds.props.recordsize = None,
                    "copies" => ds.props.copies = None,
                    "mountpoint" => ds.props.mountpoint = None,
                    // `zfs inherit -S` with nothing received: the default.
                    #[cfg(feature = "zfs")]
                    "quota" => ds.props.limits.quota = None,
                    #[cfg(feature = "zfs")]
                    "refquota" => ds.props.limits.refquota = None,
                    #[cfg(feature = "zfs")]
                    "reservation" => ds.props.limits.reservation = None,
                    #[cfg(feature = "zfs")]
                    "refreservation" => ds.props.refreservation = None,
                    _ => ds.props.stored.retain(|s| s.0 != property),
                }
                let obj = ds.obj;
                tx.touch_record(obj)?;
            }
            Ok(())
        })?;
        events.insert(0, Event::PropertySet { dataset: name.into(), property: property.into(), value: "inherited".into() });
        events.extend(self.move_mount_dirs(&mounts_before));
        Ok(events)
    }

    pub(super) fn fs_op<R>(&mut self, dataset: &str, op: impl FnOnce(&mut Tx, Os, u64) -> Result<R, ZfsError>) -> Result<(R, Vec<Event>), ZfsError> {
        let (pool, os) = self.pool_and_os(dataset)?;
        let p = self.zfs.pool(&pool).ok_or(ZfsError::Io)?;
        if p.dataset(dataset.split('@').next().unwrap_or(dataset)).is_some_and(|d| d.is_volume()) {
            return Err(ZfsError::NotAFilesystem(dataset.into()));
        }
        let recordsize = p.recordsize_of(dataset);
        self.with_pool(&pool, |tx| op(tx, os, recordsize))
    }

    /// Creates a file (or a directory) in a filesystem dataset.
    pub fn zfs_create_file(&mut self, dataset: &str, path: &str, dir: bool) -> Result<Vec<Event>, ZfsError> {
        Ok(self.fs_op(dataset, |tx, os, _| tx.create(os, path, dir).map(|_| ()))?.1)
    }

    /// The datasets (heads or snapshots) that still hold a logged bad block.
    pub fn zfs_error_holders(&mut self, pool: &str, e: LoggedError) -> Vec<Os> {
        self.with_pool(pool, |tx| Ok(tx.error_holders(e))).map(|r| r.0).unwrap_or_default()
    }

    /// Writes into a file, creating it when missing.
    pub fn zfs_write_file(&mut self, dataset: &str, path: &str, offset: u64, chunk: Chunk) -> Result<Vec<Event>, ZfsError> {
        if chunk.len > ZFS_WRITE_LIMIT_BYTES {
            return Err(ZfsError::NoSpace);
        }
        Ok(self
            .fs_op(dataset, |tx, os, recordsize| {
                let obj = match tx.lookup(os, path) {
                    Ok(o) => o,
                    Err(ZfsError::NotFound) => tx.create(os, path, false)?,
                    Err(e) => return Err(e),
                };
                let len = chunk.len;
                tx.check_quota(dataset, len)?;
                tx.write_file(os, obj, offset, &chunk, recordsize)?;
                tx.events.push(Event::FileWritten { path: path.to_string(), offset, len });
                Ok(())
            })?
            .1)
    }

    /// Reads from a file of a dataset or snapshot (`pool/fs@snap`).
    pub fn zfs_read_file(&mut self, dataset: &str, path: &str, offset: u64, len: u64) -> Result<(Vec<u8>, Vec<Event>), ZfsError> {
        self.fs_op(dataset, |tx, os, _| {
            let obj = tx.lookup(os, path)?;
            tx.read_file(os, obj, offset, len)
        })
    }

    /// `>` and `>>` in one txg: opens (creating, or emptying unless
    /// `append`) and writes `chunk` at the start or the end.
    pub fn zfs_put_file(&mut self, dataset: &str, path: &str, append: bool, chunk: Chunk) -> Result<Vec<Event>, ZfsError> {
        Ok(self
            .fs_op(dataset, |tx, os, recordsize| {
                let obj = match tx.lookup(os, path) {
                    Ok(o) => {
                        let st = tx.stat(os, o)?;
                        if st.is_dir {
                            return Err(ZfsError::IsADirectory);
                        }
                        if !append && st.size > 0 {
                            tx.truncate(os, o)?;
                        }
                        o
                    }
                    Err(ZfsError::NotFound) => tx.create(os, path, false)?,
                    Err(e) => return Err(e),
                };
                let at = if append { tx.stat(os, obj)?.size } else { 0 };
                if chunk.len > 0 {
                    let len = chunk.len;
                    tx.check_quota(dataset, len)?;
                    tx.write_file(os, obj, at, &chunk, recordsize)?;
                    tx.events.push(Event::FileWritten { path: path.to_string(), offset: at, len });
                }
                Ok(())
            })?
            .1)
    }

    /// A file's written pieces (see `Tx::read_pieces`).
    pub fn zfs_read_pieces(&mut self, dataset: &str, path: &str, offset: u64, len: u64) -> Result<(Vec<(u64, Vec<u8>)>, Vec<Event>), ZfsError> {
        self.fs_op(dataset, |tx, os, _| {
            let obj = tx.lookup(os, path)?;
            tx.read_pieces(os, obj, offset, len)
        })
    }

    /// Grows a file without writing (`truncate -s` past its end).
    pub fn zfs_grow(&mut self, dataset: &str, path: &str, size: u64) -> Result<Vec<Event>, ZfsError> {
        Ok(self
            .fs_op(dataset, |tx, os, _| {
                let obj = tx.lookup(os, path)?;
                tx.grow_file(os, obj, size)
            })?
            .1)
    }

    pub fn zfs_remove(&mut self, dataset: &str, path: &str) -> Result<Vec<Event>, ZfsError> {
        Ok(self.fs_op(dataset, |tx, os, _| tx.remove(os, path))?.1)
    }

    /// A directory's entries: (name, is a directory).
    pub fn zfs_readdir(&mut self, dataset: &str, path: &str) -> Result<Vec<(String, bool)>, ZfsError> {
        let (entries, _) = self.fs_op(dataset, |tx, os, _| {
            let obj = tx.lookup(os, path)?;
            tx.readdir(os, obj)
        })?;
        Ok(entries.into_iter().map(|(n, _, d)| (n, d)).collect())
    }

    pub fn zfs_stat(&mut self, dataset: &str, path: &str) -> Result<ZStat, ZfsError> {
        Ok(self
            .fs_op(dataset, |tx, os, _| {
                let obj = tx.lookup(os, path)?;
                tx.stat(os, obj)
            })?
            .0)
    }

    fn zvol_size(&self, dataset: &str) -> Result<u64, ZfsError> {
        let head = dataset.split('@').next().unwrap_or(dataset);
        let ds = self.zfs.pool(pool_of(head)).and_then(|p| p.dataset(head)).ok_or_else(|| ZfsError::NoSuchDataset(dataset.into()))?;
        match ds.kind {
            DatasetKind::Volume { size_bytes, .. } => Ok(size_bytes),
            DatasetKind::Filesystem => Err(ZfsError::NotAVolume(dataset.into())),
        }
    }

    /// Writes to a volume as `dd` to its device would.
    pub fn zvol_write(&mut self, dataset: &str, offset: u64, chunk: Chunk) -> Result<Vec<Event>, ZfsError> {
        if chunk.len > ZFS_WRITE_LIMIT_BYTES {
            return Err(ZfsError::NoSpace);
        }
        if offset.saturating_add(chunk.len) > self.zvol_size(dataset)? {
            return Err(ZfsError::NoSpace);
        }
        let (pool, os) = self.pool_and_os(dataset)?;
        Ok(self
            .with_pool(&pool, |tx| {
                tx.check_quota(dataset, chunk.len)?;
                tx.write_zvol(os, offset, &chunk)
            })?
            .1)
    }

    /// Reads a volume (or a snapshot of one).
    pub fn zvol_read(&mut self, dataset: &str, offset: u64, len: u64) -> Result<(Vec<u8>, Vec<Event>), ZfsError> {
        if offset.saturating_add(len) > self.zvol_size(dataset)? {
            return Err(ZfsError::NoSpace);
        }
        let (pool, os) = self.pool_and_os(dataset)?;
        self.with_pool(&pool, |tx| tx.read_zvol(os, offset, len))
    }

    /// Records a command that changed the pool, for `zpool history`.
    pub fn zpool_log_history(&mut self, pool: &str, line: &str) {
        let now = self.clock;
        if let Some(p) = self.zfs.pool_mut(pool) {
            p.history.push((now, line.to_string()));
        }
    }

    /// Bit rot on one leaf: flips a bit in that device's copy of every data
    /// block (file contents and volume data), as `zinject -d DEV -e checksum`
    /// makes reads see. Returns the leaf's GUID and the bytes written.
    /// Registers a zinject handler; returns its id.
    pub fn zfs_add_handler(&mut self, pool: &str, guid: u64) -> u32 {
        self.zfs.next_injection += 1;
        let id = self.zfs.next_injection;
        self.zfs.injections.push((id, pool.to_string(), guid));
        id
    }

    /// Removes handler `id`, or all of them; false when there was none such.
    pub fn zfs_remove_handlers(&mut self, id: Option<u32>) -> bool {
        let before = self.zfs.injections.len();
        self.zfs.injections.retain(|h| id.is_some_and(|id| h.0 != id));
        self.zfs.injections.len() < before || id.is_none()
    }

    pub fn zfs_inject_rot(&mut self, pool: &str, dev: DevId) -> Result<(u64, Vec<Event>), ZfsError> {
        let (guid, offsets) = self.zfs_data_offsets(pool, dev)?;
        let mut events = Vec::new();
        for offset in offsets {
            let mut byte = self.read_at(dev, offset, 1).map_err(|_| ZfsError::Io)?;
            byte[0] ^= 0x10;
            events.extend(self.write_at(dev, offset, Chunk::bytes(&byte)).map_err(|_| ZfsError::Io)?);
        }
        Ok((guid, events))
    }

    /// The leaf's guid, and where on the leaf device each data block's part
    /// on it starts: where `zinject -e corrupt` flips a bit.
    pub(crate) fn zfs_data_offsets(&mut self, pool: &str, dev: DevId) -> Result<(u64, Vec<u64>), ZfsError> {
        let blocks = self.zfs_blocks(pool)?;
        let p = self.zfs.pool(pool).ok_or_else(|| ZfsError::NoSuchPool(pool.into()))?;
        let (t, c) = p.find_leaf(dev).ok_or(ZfsError::NoSuchDevice(dev))?;
        let guid = p.vdevs[t].children[c].guid;
        let top = &p.vdevs[t];
        let mut offsets = Vec::new();
        let data = blocks.iter().filter(|b| b.level == 0 && matches!(b.kind(), crate::core::zfs::ObjType::PlainFileContents | crate::core::zfs::ObjType::Zvol));
        for bp in data {
            for dva in bp.dvas.iter().filter(|d| d.vdev as usize == t) {
                let size = bp.psize.div_ceil(top.sector()) * top.sector();
                let parts = top.layout(dva.offset, size);
                offsets.extend(parts.into_iter().filter(|(child, _, len, _)| *child == c && *len > 0).map(|(_, offset, _, _)| offset));
            }
        }
        Ok((guid, offsets))
    }

    /// Every block reachable from the pool's uberblock, each once (what
    /// `zdb -b` counts): for checks and figures.
    pub fn zfs_blocks(&mut self, pool: &str) -> Result<Vec<Blkptr>, ZfsError> {
        let (blocks, _) = self.with_pool(pool, |tx| {
            let root = tx.pool.uberblock.ub_rootbp.clone();
            let mut seen = std::collections::BTreeSet::new();
            let mut out = Vec::new();
            tx.walk(&root, Os::Mos, 0, &mut |_, bp| {
                if seen.insert(bp.dvas.first().copied()) {
                    out.push(bp.clone());
                }
            })?;
            Ok(out)
        })?;
        Ok(blocks)
    }

    /// The best uberblock on a pool's devices, as an import would pick it.
    pub fn zfs_disk_uberblock(&self, pool: &str) -> Option<crate::core::zfs::label::Uberblock> {
        let p = self.zfs.pool(pool)?;
        let slot = crate::core::zfs::label::slot_bytes(p.ashift);
        p.leaves()
            .flat_map(|l| {
                crate::core::zfs::label::all_slot_offsets(self.size_of(l.dev), p.ashift)
                    .into_iter()
                    .filter_map(move |off| self.read_at(l.dev, off, slot).ok().and_then(|b| crate::core::zfs::label::Uberblock::decode(&b, off)))
            })
            .max_by_key(|u| u.ub_txg)
    }
}

/// Destroys the snapshots and datasets of a plan, in its order.
fn destroy_all(tx: &mut crate::core::zfs::Tx, plan: &[String]) -> Result<(), ZfsError> {
    for doomed in plan {
        match doomed.split_once('@') {
            Some((d, s)) => tx.destroy_snapshot(d, s)?,
            None => tx.destroy_head(doomed)?,
        }
    }
    Ok(())
}

/// `zfs_ioc_create`: the dataset, then its space limits through the same
/// checks `zfs set` makes; one that does not fit fails the create with
/// ENOSPC ("out of space").
fn create_with_limits(tx: &mut crate::core::zfs::Tx, name: &str, kind: DatasetKind, props: Props) -> Result<(), ZfsError> {
    #[cfg(feature = "zfs")]
    {
        let (limits, refreservation) = (props.limits, props.refreservation);
        tx.create_dataset(name, kind, Props { limits: Default::default(), refreservation: None, ..props })?;
        let wanted = [("quota", limits.quota), ("refquota", limits.refquota), ("reservation", limits.reservation), ("refreservation", refreservation)];
        for (property, value) in wanted {
            if let Some(v) = value {
                tx.pool.set_limit(name, property, v).map_err(|_| ZfsError::NoSpace)?;
            }
        }
        Ok(())
    }
    #[cfg(not(feature = "zfs"))]
    tx.create_dataset(name, kind, props)
}

fn parse_checksum(v: &str) -> Option<ChecksumAlg> {
    match v {
        "on" | "fletcher4" => Some(ChecksumAlg::Fletcher4),
        "sha256" => Some(ChecksumAlg::Sha256),
        "off" => Some(ChecksumAlg::Off),
        _ => None,
    }
}

/// Properties ZFS computes, which `zfs set` refuses.
/// (`zfs_prop_readonly()`: also those set only when a dataset is made.)
const READONLY: &[&str] = &[
    "type", "creation", "used", "available", "referenced", "compressratio", "mounted", "origin", "createtxg", "guid",
    "usedbysnapshots", "usedbydataset", "usedbychildren", "usedbyrefreservation", "written", "logicalused",
    "logicalreferenced", "refcompressratio", "objsetid", "clones", "defer_destroy", "userrefs", "name",
    "snapshots_changed", "volblocksize", "normalization", "utf8only", "casesensitivity", "encryption", "keystatus",
    "encryptionroot", "receive_resume_token", "redact_snaps", "snapshot_count", "filesystem_count",
];

/// Properties ZFS lets one set that the lab does not model at all.
const UNMODELLED: &[&str] = &[
    "sharenfs", "sharesmb", "xattr", "dnodesize", "volmode", "snapdev",
    "aclmode", "aclinherit", "redundant_metadata", "special_small_blocks", "filesystem_limit", "snapshot_limit",
    "keylocation", "zoned", "vscan", "nbmand", "overlay", "mlslabel", "context", "fscontext", "defcontext",
    "rootcontext", "prefetch", "keyformat", "pbkdf2iters",
];

/// A property of `props::STORED` or a user property as ZFS stores it on a
/// dataset of `kind` (`props::FS`, `props::VOL`), or libzfs' complaint (what
/// follows "cannot set property for 'X': ").
pub fn stored_value(property: &str, value: &str, kind: u8) -> Result<String, String> {
    if props::is_user_property(property) {
        return Ok(value.to_string());
    }
    let Some(s) = props::Stored::named(property) else {
        return Err(if READONLY.contains(&property) || property.starts_with("written@") || property.starts_with("written#") {
            format!("'{property}' is readonly")
        } else if UNMODELLED.contains(&property) {
            format!("the lab does not model '{property}'")
        } else {
            format!("invalid property '{property}'")
        });
    };
    if s.applies & kind == 0 {
        return Err(format!("'{property}' does not apply to datasets of this type"));
    }
    s.read(value).ok_or_else(|| format!("'{property}' must be one of '{}'", s.values))
}

fn check_block_size(property: &str, v: u64) -> Result<(), ZfsError> {
    if v.is_power_of_two() && (512..=MAX_RECORDSIZE).contains(&v) {
        Ok(())
    } else {
        Err(ZfsError::BadProperty { property: property.into(), value: v.to_string(), why: format!("'{property}' must be power of 2 from 512B to 16M") })
    }
}
