//! The kernel's block devices: one registry of typed devices and who sits on whom.
//!
//! Models what `/sys/block` tells lsblk: every block device (disk, partition,
//! device-mapper volume) with its name, device numbers and size, and its
//! `slaves/` (the devices it is built on). `holders/` is the same relation read
//! the other way. The registry is derived from the machine's topology after
//! every change, and a device keeps its `DevId` for as long as it exists, so
//! mounts, swaps and PVs can refer to it without path strings.
//! Simplification: device-mapper devices exist exactly while their LV is
//! active, and every LV is active.

/// A block device's identity; never reused within one machine's life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct DevId(pub u32);

/// What an LV's device-mapper device is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LvRole {
    /// A linear volume, the device users format and mount.
    Linear,
    /// A thin pool's hidden data volume (`pool_tdata`).
    PoolData,
    /// A thin pool's hidden metadata volume (`pool_tmeta`).
    PoolMeta,
    /// The pool's own device (`vg-pool`).
    Pool,
    /// The `-tpool` device lvm2 stacks under a pool once it has thin volumes.
    TPool,
    /// A thin volume.
    Thin,
    /// A classic (COW) snapshot: the origin's bytes as they were.
    Snapshot,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DevKind {
    /// A whole disk (SATA, NVMe or loop); its bytes are the disk's media.
    Disk,
    /// A partition the kernel registered from a disk's table.
    Partition { disk: DevId, number: u32, start_lba: u64 },
    /// A device-mapper device of an LVM logical volume: names as in the
    /// metadata, and the LV's UUID, which survives a rename.
    Lv { vg: String, lv: String, uuid: String, role: LvRole },
    /// A ZFS volume's device (`zd0`): its bytes are the volume's blocks in
    /// the pool.
    #[cfg(feature = "zfs")]
    Zvol { dataset: String },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BlockDev {
    pub id: DevId,
    /// lsblk's NAME: `sdb`, `sdb1`, `nvme0n1p1`, `pve-root`.
    pub name: String,
    pub major: u32,
    pub minor: u32,
    pub size_bytes: u64,
    pub kind: DevKind,
    /// The devices this one is built on, as sysfs `slaves/` lists them.
    pub slaves: Vec<DevId>,
}

impl BlockDev {
    /// The path a user types: `/dev/sdb1`, or `/dev/mapper/vg-lv` for device-mapper.
    pub fn path(&self) -> String {
        match self.kind {
            DevKind::Lv { .. } => format!("/dev/mapper/{}", self.name),
            _ => format!("/dev/{}", self.name),
        }
    }

    /// The kernel's own name: `sdb1`, or `dm-3` for device-mapper.
    pub fn kernel_name(&self) -> String {
        match self.kind {
            DevKind::Lv { .. } => format!("dm-{}", self.minor),
            _ => self.name.clone(),
        }
    }

    pub fn is_dm(&self) -> bool {
        matches!(self.kind, DevKind::Lv { .. })
    }
}

/// Every block device of one machine, ordered by `DevId`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Registry {
    devs: Vec<BlockDev>,
    next_id: u32,
}

impl Registry {
    pub fn get(&self, id: DevId) -> Option<&BlockDev> {
        self.devs.binary_search_by_key(&id, |d| d.id).ok().map(|i| &self.devs[i])
    }

    pub fn iter(&self) -> impl Iterator<Item = &BlockDev> {
        self.devs.iter()
    }

    /// Renames the volume behind each `zd` device (`zfs rename`).
    #[cfg(feature = "zfs")]
    pub fn rename_zvols(&mut self, rename: impl Fn(&str) -> Option<String>) {
        for d in &mut self.devs {
            if let DevKind::Zvol { dataset } = &mut d.kind {
                if let Some(n) = rename(dataset) {
                    *dataset = n;
                }
            }
        }
    }

    pub fn by_name(&self, name: &str) -> Option<&BlockDev> {
        self.devs.iter().find(|d| d.name == name)
    }

    /// Devices built on `id` (sysfs `holders/`), in device-number order.
    pub fn holders(&self, id: DevId) -> Vec<&BlockDev> {
        let mut v: Vec<&BlockDev> = self.devs.iter().filter(|d| d.slaves.contains(&id)).collect();
        super::order::SmallSort::small_sort_by_key(&mut v[..], |d| (d.major, d.minor));
        v
    }

    /// Partitions of disk `disk`, by number.
    pub fn partitions(&self, disk: DevId) -> Vec<&BlockDev> {
        let mut v: Vec<&BlockDev> =
            self.devs.iter().filter(|d| matches!(d.kind, DevKind::Partition { disk: p, .. } if p == disk)).collect();
        super::order::SmallSort::small_sort_by_key(&mut v[..], |d| match d.kind {
            DevKind::Partition { number, .. } => number,
            _ => 0,
        });
        v
    }

    /// A fresh identity.
    pub fn new_id(&mut self) -> DevId {
        let id = DevId(self.next_id);
        self.next_id += 1;
        id
    }

    /// Replaces the device list (kept sorted by id).
    pub fn replace(&mut self, mut devs: Vec<BlockDev>) {
        super::order::SmallSort::small_sort_by_key(&mut devs[..], |d| d.id);
        self.devs = devs;
    }

    /// The devices `id` sits on, all the way down to disks (itself included):
    /// slaves, and a partition's disk.
    pub fn lower_closure(&self, id: DevId) -> Vec<DevId> {
        let mut out = vec![id];
        let mut i = 0;
        while i < out.len() {
            if let Some(d) = self.get(out[i]) {
                let disk = match d.kind {
                    DevKind::Partition { disk, .. } => Some(disk),
                    _ => None,
                };
                for s in d.slaves.iter().chain(disk.iter()) {
                    if !out.contains(s) {
                        out.push(*s);
                    }
                }
            }
            i += 1;
        }
        out
    }
}
