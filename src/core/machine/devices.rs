//! The registry of block devices, derived from disks and LVM metadata; device
//! paths; the one rule for "is this device in use?"; and the tree lsblk prints.

use super::{dm_name, Machine};
use crate::core::device::{BlockDev, DevId, DevKind, LvRole};
use crate::core::disk::{Transport, DM_MAJOR};
use crate::core::label::{DiskId, PartType};
use crate::core::lvm::{Lv, LvKind, Vg};
use crate::core::order::SmallSort;
use crate::core::signature::{self, Signature};
use crate::core::units::SECTOR_BYTES;

/// Why a device is in use. Each reason is a way the kernel holds a device open,
/// which is what makes a partition table re-read fail and `mkfs` refuse.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Busy {
    /// A filesystem on it is mounted: the kernel reads and writes it.
    Mounted { target: String },
    /// It is an active swap area: the kernel pages to it.
    Swap,
    /// A device-mapper device is built on it (an LV on a PV, a pool on its parts).
    Held { holder: String },
    /// It is a vdev of an imported ZFS pool, which holds it open exclusively.
    Pool { pool: String },
}

impl std::fmt::Display for Busy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Busy::Mounted { target } => write!(f, "mounted on {target}"),
            Busy::Swap => write!(f, "in use as swap"),
            Busy::Held { holder } => write!(f, "held by {holder}"),
            Busy::Pool { pool } => write!(f, "part of ZFS pool {pool}"),
        }
    }
}

/// Probe results by device, with the size and the fingerprint of the ranges
/// the probe reads (`Machine::fingerprint`): a ZFS member's probe reads
/// 512 KiB, and lsblk, blkid and LVM's scan probe every device on each
/// command. Not part of the machine's state, so machines compare equal
/// whatever their caches hold.
#[cfg(feature = "zfs")]
#[derive(Debug, Clone, Default)]
pub(super) struct ProbeCache(std::cell::RefCell<Vec<(DevId, u64, Vec<u64>, Option<Signature>)>>);

#[cfg(feature = "zfs")]
impl PartialEq for ProbeCache {
    fn eq(&self, _: &ProbeCache) -> bool {
        true
    }
}

#[cfg(feature = "zfs")]
impl Eq for ProbeCache {}

/// A block device as lsblk lists it, with its children (partitions, holders).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BlockNode {
    pub dev: DevId,
    pub name: String,
    pub path: String,
    pub major: u32,
    pub minor: u32,
    pub size_bytes: u64,
    /// `disk`, `part`, `lvm` or `loop`.
    pub kind: &'static str,
    pub mountpoints: Vec<String>,
    /// What its bytes say it holds.
    pub sig: Option<Signature>,
    /// (size, used, available) bytes of its mounted filesystem.
    pub usage: Option<(u64, u64, u64)>,
    pub model: Option<String>,
    pub serial: Option<String>,
    pub tran: &'static str,
    pub rotational: bool,
    pub pttype: Option<&'static str>,
    pub ptuuid: Option<String>,
    pub parttype: Option<String>,
    pub parttypename: Option<&'static str>,
    pub partuuid: Option<String>,
    pub partlabel: Option<String>,
    pub start_lba: Option<u64>,
    /// Physical block, minimum and optimal I/O size (`Machine::io_size_bytes`).
    pub io_bytes: u64,
    /// A RAID controller's drive: its target number (SCSI address 0:2:N:0).
    #[cfg(feature = "zfs")]
    pub raid_unit: Option<usize>,
    pub children: Vec<BlockNode>,
}

impl Machine {
    /// Derives the registry again from the disks' kernel partitions and the
    /// active LVs. Devices that still exist keep their `DevId`.
    pub(crate) fn refresh(&mut self) {
        let mut devs: Vec<BlockDev> = Vec::new();
        for d in &self.disks {
            devs.push(BlockDev { id: d.dev, name: d.name.clone(), major: d.major, minor: d.minor, size_bytes: d.size_bytes, kind: DevKind::Disk, slaves: Vec::new() });
            for kp in &d.kernel_partitions {
                devs.push(BlockDev {
                    id: kp.dev,
                    name: d.partition_name(kp.number),
                    major: kp.major,
                    minor: kp.minor,
                    size_bytes: kp.size_sectors * SECTOR_BYTES,
                    kind: DevKind::Partition { disk: d.dev, number: kp.number, start_lba: kp.start_lba },
                    // A partition is part of its disk, not built on it: sysfs lists
                    // it under the disk, and the disk's holders/ stays empty.
                    slaves: Vec::new(),
                });
            }
        }
        let lvm = self.lvm.clone();
        for vg in &lvm.vgs {
            for lv in &vg.lvs {
                self.lv_devices(vg, lv, &mut devs);
            }
        }
        link_lv_slaves(&lvm, &mut devs);
        #[cfg(feature = "zfs")]
        self.zvol_devices(&mut devs);
        self.devices.replace(devs);
        self.rebind_pvs();
    }

    /// The device-mapper devices of one active LV (a pool with thin volumes has two).
    fn lv_devices(&mut self, vg: &Vg, lv: &Lv, devs: &mut Vec<BlockDev>) {
        let Some(minor) = lv.dm_minor.filter(|_| lv.active) else { return };
        // A snapshot's device is the origin's size; its extents are the store.
        let size = match &lv.kind {
            LvKind::Snapshot(c) => vg.lv(&c.origin).map_or(0, |o| vg.lv_size_bytes(o)),
            _ => vg.lv_size_bytes(lv),
        };
        let mut add = |m: &mut Machine, role: LvRole, name: String, minor: u32| {
            let id = m.existing_lv_dev(&lv.uuid, role).unwrap_or_else(|| m.devices.new_id());
            devs.push(BlockDev {
                id,
                name,
                major: DM_MAJOR,
                minor,
                size_bytes: size,
                kind: DevKind::Lv { vg: vg.name.clone(), lv: lv.name.clone(), uuid: lv.uuid.clone(), role },
                slaves: Vec::new(),
            });
        };
        let dm = dm_name(&vg.name, &lv.name);
        match &lv.kind {
            LvKind::Linear => add(self, LvRole::Linear, dm, minor),
            LvKind::PoolData { .. } => add(self, LvRole::PoolData, dm, minor),
            LvKind::PoolMeta { .. } => add(self, LvRole::PoolMeta, dm, minor),
            LvKind::Thin { .. } => add(self, LvRole::Thin, dm, minor),
            LvKind::ThinPool(p) => {
                if let Some(t) = p.tpool_minor {
                    add(self, LvRole::TPool, format!("{dm}-tpool"), t);
                }
                add(self, LvRole::Pool, dm, minor);
            }
            LvKind::Pmspare => {}
            LvKind::Snapshot(_) => add(self, LvRole::Snapshot, dm, minor),
        }
    }

    /// By UUID, so that a renamed VG or LV keeps its device.
    fn existing_lv_dev(&self, uuid: &str, role: LvRole) -> Option<DevId> {
        self.devices.iter().find_map(|d| match &d.kind {
            DevKind::Lv { uuid: u, role: r, .. } if u == uuid && *r == role => Some(d.id),
            _ => None,
        })
    }

    /// A PV whose device vanished is looked for again by its label, as lvm2
    /// scans devices: a partition re-created at the same place still carries it.
    fn rebind_pvs(&mut self) {
        let lost: Vec<(DevId, String)> =
            self.lvm.pvs.iter().filter(|p| self.devices.get(p.dev).is_none()).map(|p| (p.dev, p.uuid.clone())).collect();
        for (old, uuid) in lost {
            let found = self.devices.iter().map(|d| d.id).find(|id| self.probe(*id).is_some_and(|s| s.uuid == uuid));
            match found {
                Some(new) => {
                    let name = self.path(new);
                    self.lvm.rebind(old, new, &name);
                }
                None => self.lvm.forget_orphan(old),
            }
        }
        for pv in &mut self.lvm.pvs {
            if let Some(d) = self.devices.get(pv.dev) {
                pv.name = d.path();
            }
        }
    }

    /// Resolves `/dev/sdb1`, `/dev/mapper/vg-lv`, `/dev/vg/lv` and `/dev/dm-N`.
    /// The device nodes directly in /dev: disks, partitions, loop and zvol
    /// devices by name, device-mapper devices as `dm-N`.
    pub fn dev_nodes(&self) -> Vec<String> {
        self.devices.iter().map(|d| if d.is_dm() { format!("dm-{}", d.minor) } else { d.name.clone() }).collect()
    }

    pub fn resolve(&self, path: &str) -> Option<DevId> {
        let name = path.strip_prefix("/dev/")?;
        if let Some(d) = self.devices.iter().find(|d| !d.is_dm() && d.name == name) {
            return Some(d.id);
        }
        if let Some(dm) = name.strip_prefix("mapper/") {
            return self.devices.iter().find(|d| d.is_dm() && d.name == dm).map(|d| d.id);
        }
        #[cfg(feature = "zfs")]
        if let Some(vol) = name.strip_prefix("zvol/") {
            return self.devices.iter().find(|d| matches!(&d.kind, DevKind::Zvol { dataset } if dataset == vol)).map(|d| d.id);
        }
        if let Some(n) = name.strip_prefix("dm-").and_then(|n| n.parse::<u32>().ok()) {
            return self.devices.iter().find(|d| d.is_dm() && d.minor == n).map(|d| d.id);
        }
        let (vg, lv) = name.split_once('/')?;
        self.devices.iter().find_map(|d| match &d.kind {
            DevKind::Lv { vg: v, lv: l, role: LvRole::Linear | LvRole::Thin | LvRole::Snapshot, .. } if v == vg && l == lv => Some(d.id),
            _ => None,
        })
    }

    /// The path users type for a device (`/dev/sdb1`, `/dev/mapper/vg-lv`).
    pub fn path(&self, dev: DevId) -> String {
        self.devices.get(dev).map_or_else(|| "/dev/(gone)".into(), |d| d.path())
    }

    pub fn size_of(&self, dev: DevId) -> u64 {
        self.devices.get(dev).map_or(0, |d| d.size_bytes)
    }

    /// The device's physical block size, which is also its minimum and
    /// optimal I/O size: 512 bytes, or a ZFS volume's volblocksize.
    pub fn io_size_bytes(&self, dev: DevId) -> u64 {
        #[cfg(feature = "zfs")]
        if let Some(bytes) = self.zvol_block_bytes(dev) {
            return bytes;
        }
        let _ = dev;
        SECTOR_BYTES
    }

    /// The one rule for "in use": mounted, active swap, or held by a device
    /// built on it. Every tool and figure asks this.
    pub fn busy(&self, dev: DevId) -> Option<Busy> {
        if let Some(m) = self.mounts.iter().find(|m| m.dev == dev) {
            return Some(Busy::Mounted { target: m.target.clone() });
        }
        if self.swaps.contains(&dev) {
            return Some(Busy::Swap);
        }
        if let Some(p) = self.zfs.pool_of_dev(dev) {
            return Some(Busy::Pool { pool: p.name.clone() });
        }
        self.devices.holders(dev).first().map(|h| Busy::Held { holder: h.name.clone() })
    }

    /// True when a partition of the disk is in use, so the kernel cannot re-read
    /// its table.
    pub fn disk_busy(&self, disk: DevId) -> bool {
        self.devices.partitions(disk).iter().any(|p| self.busy(p.id).is_some())
    }

    /// What a device's bytes say it holds, probed as libblkid does.
    #[cfg(feature = "zfs")]
    pub fn probe(&self, dev: DevId) -> Option<Signature> {
        let size = self.size_of(dev);
        let mut ranges = vec![(0, size.min(4096))];
        if size >= 1 << 20 {
            ranges.extend(crate::core::zfs::label::label_offsets(size).map(|l| (l, crate::core::zfs::vdev::VDEV_LABEL_BYTES)));
        }
        let Some(print) = self.fingerprint(dev, &ranges) else { return self.probe_bytes(dev) };
        if let Some(hit) = self.probe_cache.0.borrow().iter().find(|e| e.0 == dev && e.1 == size && e.2 == print) {
            return hit.3.clone();
        }
        let sig = self.probe_bytes(dev);
        let mut cache = self.probe_cache.0.borrow_mut();
        cache.retain(|e| e.0 != dev && self.devices.get(e.0).is_some());
        cache.push((dev, size, print, sig.clone()));
        sig
    }

    #[cfg(not(feature = "zfs"))]
    pub fn probe(&self, dev: DevId) -> Option<Signature> {
        self.probe_bytes(dev)
    }

    /// What blkid and lsblk report: `probe`, except that an LVM2 label on
    /// a disk that now has a partition table is taken as older than the
    /// table (libblkid's wiper: pvcreate clears the first 8 KiB, so a table
    /// there came later) and left out. wipefs still lists it.
    pub fn probe_shown(&self, dev: DevId) -> Option<Signature> {
        let sig = self.probe(dev)?;
        let under_table = sig.fstype == signature::FsType::LvmPv && self.disk(dev).and_then(|d| d.label()).is_some();
        (!under_table).then_some(sig)
    }

    fn probe_bytes(&self, dev: DevId) -> Option<Signature> {
        let read = |offset: u64, len: u64| self.read_at(dev, offset, len).unwrap_or_default();
        #[cfg(feature = "zfs")]
        if !self.zfs_labels_written(dev) {
            return signature::probe_superblocks(&read, self.size_of(dev));
        }
        signature::probe(&read, self.size_of(dev))
    }

    /// Whether anything was ever written where ZFS keeps its four labels.
    #[cfg(feature = "zfs")]
    fn zfs_labels_written(&self, dev: DevId) -> bool {
        let size = self.size_of(dev);
        size >= 1 << 20 && crate::core::zfs::label::label_offsets(size).iter().any(|l| self.written_pieces(dev, *l, crate::core::zfs::vdev::VDEV_LABEL_BYTES).is_ok_and(|p| !p.is_empty()))
    }

    /// What the bytes `offset..offset + len` of a device hold, probed as if they
    /// were a device of their own (parted probing a partition from its disk).
    pub fn probe_at(&self, dev: DevId, offset: u64, len: u64) -> Option<Signature> {
        let read = |o: u64, n: u64| self.read_at(dev, offset + o, n.min(len.saturating_sub(o))).unwrap_or_default();
        signature::probe(&read, len)
    }

    /// Mount points of a device as lsblk shows them (`[SWAP]` for swap).
    pub fn mountpoints(&self, dev: DevId) -> Vec<String> {
        let mut v: Vec<String> = self.mounts.iter().filter(|m| m.dev == dev).map(|m| m.target.clone()).collect();
        if self.swaps.contains(&dev) {
            v.push("[SWAP]".into());
        }
        v
    }

    /// The tree lsblk prints: disks, their partitions, then the devices built on
    /// each, nested as holders.
    pub fn block_tree(&self) -> Vec<BlockNode> {
        let roots = self.disks.iter().map(|d| self.node(d.dev));
        #[cfg(feature = "zfs")]
        let roots = roots.chain(self.devices.iter().filter(|d| matches!(d.kind, DevKind::Zvol { .. })).map(|d| self.node(d.id)));
        roots.collect()
    }

    fn node(&self, dev: DevId) -> BlockNode {
        let Some(d) = self.devices.get(dev) else { return self.blank_node(dev) };
        let mut n = self.blank_node(dev);
        n.children = match &d.kind {
            DevKind::Disk => {
                self.fill_disk(&mut n);
                let mut kids: Vec<BlockNode> = self.holder_nodes(dev);
                kids.extend(self.devices.partitions(dev).iter().map(|p| self.node(p.id)));
                kids
            }
            DevKind::Partition { disk, number, start_lba } => {
                self.fill_partition(&mut n, *disk, *number, *start_lba);
                self.holder_nodes(dev)
            }
            DevKind::Lv { role: LvRole::TPool, .. } => {
                let mut kids = self.holder_nodes(dev);
                kids.small_sort_by(|a, b| a.name.cmp(&b.name));
                kids
            }
            DevKind::Lv { .. } => self.holder_nodes(dev),
            #[cfg(feature = "zfs")]
            DevKind::Zvol { .. } => self.holder_nodes(dev),
        };
        n
    }

    fn holder_nodes(&self, dev: DevId) -> Vec<BlockNode> {
        self.devices.holders(dev).iter().map(|h| self.node(h.id)).collect()
    }

    fn blank_node(&self, dev: DevId) -> BlockNode {
        let d = self.devices.get(dev);
        let kind = match d.map(|d| &d.kind) {
            Some(DevKind::Partition { .. }) => "part",
            Some(DevKind::Lv { .. }) => "lvm",
            _ if self.disk(dev).is_some_and(|k| k.transport == Transport::Loop) => "loop",
            _ => "disk",
        };
        let mounted = self.mounts.iter().find(|m| m.dev == dev);
        BlockNode {
            dev,
            name: d.map(|d| d.name.clone()).unwrap_or_default(),
            path: self.path(dev),
            major: d.map_or(0, |d| d.major),
            minor: d.map_or(0, |d| d.minor),
            size_bytes: self.size_of(dev),
            kind,
            mountpoints: self.mountpoints(dev),
            sig: self.probe_shown(dev),
            usage: mounted.and_then(|m| self.fs_usage(&m.uuid)),
            model: None,
            serial: None,
            // A partition shares its disk's request queue.
            tran: if kind == "part" { self.lower_disk(dev).map_or("", |k| k.transport.tran()) } else { "" },
            rotational: self.lower_disk(dev).is_some_and(|k| k.rotational) && kind != "lvm",
            pttype: None,
            ptuuid: None,
            parttype: None,
            parttypename: None,
            partuuid: None,
            partlabel: None,
            start_lba: None,
            io_bytes: self.io_size_bytes(dev),
            #[cfg(feature = "zfs")]
            raid_unit: None,
            children: Vec::new(),
        }
    }

    fn fill_disk(&self, n: &mut BlockNode) {
        let Some(d) = self.disk(n.dev) else { return };
        let label = d.label();
        n.model = d.model.clone();
        n.serial = d.serial.clone();
        n.tran = d.transport.tran();
        // A RAID controller's drive has no transport lsblk knows.
        #[cfg(feature = "zfs")]
        if d.raid.is_some() {
            n.tran = "";
            n.raid_unit = self.raid_unit(d.dev);
        }
        n.pttype = label.as_ref().map(|l| l.kind.name());
        n.ptuuid = label.as_ref().map(|l| match l.disk_id {
            DiskId::Dos(s) => format!("{s:08x}"),
            DiskId::Gpt(g) => g.to_string().to_ascii_lowercase(),
        });
    }

    fn fill_partition(&self, n: &mut BlockNode, disk: crate::core::device::DevId, number: u32, start_lba: u64) {
        let Some(d) = self.disk(disk) else { return };
        let label = d.label();
        n.pttype = label.as_ref().map(|l| l.kind.name());
        n.ptuuid = label.as_ref().map(|l| match l.disk_id {
            DiskId::Dos(s) => format!("{s:08x}"),
            DiskId::Gpt(g) => g.to_string().to_ascii_lowercase(),
        });
        n.start_lba = Some(start_lba);
        let on_disk = label.as_ref().and_then(|l| l.partition(number));
        if let (Some(p), Some(l)) = (on_disk, &label) {
            match (p.part_type, l.disk_id) {
                (PartType::Gpt(g), _) => {
                    n.parttype = Some(g.to_string().to_ascii_lowercase());
                    n.partuuid = Some(p.unique_guid.to_string().to_ascii_lowercase());
                }
                (PartType::Dos(c), DiskId::Dos(sig)) => {
                    n.parttype = Some(format!("0x{c:x}"));
                    n.partuuid = Some(format!("{sig:08x}-{number:02x}"));
                }
                _ => {}
            }
            n.parttypename = Some(p.part_type.name());
            n.partlabel = Some(p.name.clone()).filter(|s| !s.is_empty());
        }
    }

    /// The disk at the bottom of a device's stack (the first one, for LVs on several).
    pub fn lower_disk(&self, dev: DevId) -> Option<&crate::core::disk::Disk> {
        self.devices.lower_closure(dev).into_iter().find_map(|id| self.disk(id))
    }
}

/// Fills in `slaves` of device-mapper devices: an LV sits on the PVs of its
/// segments; a pool's `-tpool` (or the pool, before thin volumes) on its
/// metadata and data; the pool and its thin volumes on the `-tpool`.
fn link_lv_slaves(lvm: &crate::core::lvm::Lvm, devs: &mut [BlockDev]) {
    let find = |devs: &[BlockDev], vg: &str, lv: &str, role: LvRole| {
        devs.iter().find_map(|d| match &d.kind {
            DevKind::Lv { vg: v, lv: l, role: r, .. } if v == vg && l == lv && *r == role => Some(d.id),
            _ => None,
        })
    };
    let mut links: Vec<(DevId, Vec<DevId>)> = Vec::new();
    for d in devs.iter() {
        let DevKind::Lv { vg, lv, role, .. } = &d.kind else { continue };
        let Some(v) = lvm.vg(vg) else { continue };
        let Some(l) = v.lv(lv) else { continue };
        let pool_parts = |pool: &str| {
            let meta = v.pool_meta(pool).and_then(|m| find(devs, vg, &m.name, LvRole::PoolMeta));
            let data = v.pool_data(pool).and_then(|m| find(devs, vg, &m.name, LvRole::PoolData));
            meta.into_iter().chain(data).collect::<Vec<DevId>>()
        };
        let slaves = match role {
            LvRole::Linear | LvRole::PoolData | LvRole::PoolMeta | LvRole::Snapshot => {
                let mut s: Vec<DevId> = Vec::new();
                for a in l.segments.iter().flat_map(|seg| seg.areas.iter()) {
                    if !s.contains(&a.pv) {
                        s.push(a.pv);
                    }
                }
                s
            }
            LvRole::TPool => pool_parts(lv),
            LvRole::Pool => match find(devs, vg, lv, LvRole::TPool) {
                Some(t) => vec![t],
                None => pool_parts(lv),
            },
            LvRole::Thin => l.thin_pool().and_then(|p| find(devs, vg, p, LvRole::TPool)).into_iter().collect(),
        };
        links.push((d.id, slaves));
    }
    for (id, slaves) in links {
        if let Some(d) = devs.iter_mut().find(|d| d.id == id) {
            d.slaves = slaves;
        }
    }
}
