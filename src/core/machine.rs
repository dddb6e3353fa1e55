//! One host's storage: its disks, the kernel's view of their partitions, LVM, and
//! the filesystems and mounts above them.
//!
//! `Machine` is the state the interpreter replays commands on. It answers the
//! questions the real tools ask the kernel: which block devices exist, what holds
//! them open, and whether a partition table may be re-read. Simplification: a
//! filesystem is a record (type, UUID, size) rather than bytes, and mounting only
//! records the mount point.

use crate::core::order::SmallSort;
use super::disk::{self, Disk, KernelPartition, Transport, BLKEXT_MAJOR, DM_MAJOR, LOOP_MAJOR, SD_MAJOR};
use super::event::Event;
use super::gpt::Guid;
use super::label::{Label, PartType};
use super::lvm::{self, Lvm, LvKind};
use super::media::Media;
use super::rng::Rng;
use super::units::{GIB, MIB, SECTOR_BYTES};

/// A filesystem (or swap) signature on a block device.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Filesystem {
    /// `ext4`, `xfs`, `vfat`, `swap`.
    pub fstype: String,
    pub uuid: String,
    pub label: String,
    /// The size the filesystem believes it has; larger than its device means damage.
    pub size_bytes: u64,
    /// Bytes of data stored in it, for FSAVAIL and FSUSE%.
    pub used_bytes: u64,
}

impl Filesystem {
    /// The FSVER column of lsblk.
    pub fn version(&self) -> &'static str {
        match self.fstype.as_str() {
            "ext4" => "1.0",
            "vfat" => "FAT32",
            "swap" => "1",
            "LVM2_member" => "LVM2 001",
            _ => "",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mount {
    /// Canonical device path, such as `/dev/sdb1` or `/dev/mapper/pve-root`.
    pub device: String,
    pub target: String,
}

/// What a device path resolves to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BlockRef {
    Disk { disk: usize },
    Partition { disk: usize, number: u32 },
    Lv { vg: String, lv: String },
}

/// A block device as lsblk lists it, with its children (partitions, LVs).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BlockNode {
    pub name: String,
    pub path: String,
    pub major: u32,
    pub minor: u32,
    pub size_bytes: u64,
    /// `disk`, `part`, `lvm` or `loop`.
    pub kind: &'static str,
    pub removable: bool,
    pub read_only: bool,
    pub mountpoints: Vec<String>,
    pub fs: Option<Filesystem>,
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
    pub children: Vec<BlockNode>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Machine {
    pub hostname: String,
    pub disks: Vec<Disk>,
    pub lvm: Lvm,
    /// Filesystems keyed by canonical device path.
    pub filesystems: super::order::VecMap<String, Filesystem>,
    pub mounts: Vec<Mount>,
    pub swaps: Vec<String>,
    pub rng: Rng,
    next_blkext_minor: u32,
}

/// Why a disk could not be attached.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AttachError {
    BadName(String),
    NameTaken(String),
    TooSmall(String),
}

impl std::fmt::Display for AttachError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            AttachError::BadName(n) => write!(f, "'{n}' is not a disk name like sdb, nvme0n1 or loop0"),
            AttachError::NameTaken(n) => write!(f, "a disk named {n} already exists"),
            AttachError::TooSmall(n) => write!(f, "disk {n} must be at least 1 MiB"),
        }
    }
}

/// What happened when the kernel was asked to re-read a disk's table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reread {
    Done,
    Busy,
}

impl Machine {
    /// A host with no disks.
    pub fn empty(seed: u64) -> Machine {
        Machine {
            hostname: "pve".into(),
            disks: Vec::new(),
            lvm: Lvm::default(),
            filesystems: super::order::VecMap::new(),
            mounts: Vec::new(),
            swaps: Vec::new(),
            rng: Rng::new(seed),
            next_blkext_minor: 0,
        }
    }

    /// A host with only the given blank disks (`--disks sdb=500G,...`).
    pub fn with_disks(seed: u64, disks: &[(String, u64)]) -> Result<Machine, AttachError> {
        let mut m = Machine::empty(seed);
        for (name, size) in disks {
            m.attach_disk(name, *size, None)?;
        }
        Ok(m)
    }

    /// Plugs in a blank disk named `name`.
    pub fn attach_disk(&mut self, name: &str, size_bytes: u64, model: Option<String>) -> Result<Vec<Event>, AttachError> {
        let transport = disk::transport_for_name(name).ok_or_else(|| AttachError::BadName(name.into()))?;
        if self.disk_index(name).is_some() {
            return Err(AttachError::NameTaken(name.into()));
        }
        if size_bytes < MIB {
            return Err(AttachError::TooSmall(name.into()));
        }
        let (major, minor) = match transport {
            Transport::Sata => (SD_MAJOR, disk::sd_index(name) * 16),
            Transport::Nvme => (BLKEXT_MAJOR, self.take_blkext_minor()),
            Transport::Loop => (LOOP_MAJOR, name.trim_start_matches("loop").parse().unwrap_or(0)),
        };
        let serial = model.as_ref().map(|_| format!("{:016X}", self.rng.next_u64()));
        self.disks.push(Disk {
            name: name.into(),
            transport,
            size_bytes: size_bytes / SECTOR_BYTES * SECTOR_BYTES,
            model,
            serial,
            rotational: transport == Transport::Sata,
            major,
            minor,
            media: Media::default(),
            kernel_partitions: Vec::new(),
        });
        Ok(vec![Event::DiskAttached { disk: name.into() }])
    }

    /// The next free name for a new disk of `transport` (`sdd`, `nvme2n1`).
    pub fn next_disk_name(&self, transport: Transport) -> String {
        let taken = |n: &str| self.disk_index(n).is_some();
        match transport {
            Transport::Sata => (0..26u8).map(|i| format!("sd{}", (b'a' + i) as char)).find(|n| !taken(n)),
            Transport::Nvme => (0..100).map(|i| format!("nvme{i}n1")).find(|n| !taken(n)),
            Transport::Loop => (0..100).map(|i| format!("loop{i}")).find(|n| !taken(n)),
        }
        .unwrap_or_else(|| "sdzz".into())
    }

    fn take_blkext_minor(&mut self) -> u32 {
        let m = self.next_blkext_minor;
        self.next_blkext_minor += 1;
        m
    }

    pub fn disk_index(&self, name: &str) -> Option<usize> {
        self.disks.iter().position(|d| d.name == name)
    }

    pub fn disk(&self, name: &str) -> Option<&Disk> {
        self.disks.iter().find(|d| d.name == name)
    }

    /// Resolves `/dev/sdb1`, `/dev/mapper/vg-lv`, `/dev/vg/lv` and `/dev/dm-N`.
    pub fn resolve(&self, path: &str) -> Option<BlockRef> {
        let name = path.strip_prefix("/dev/")?;
        if let Some(i) = self.disk_index(name) {
            return Some(BlockRef::Disk { disk: i });
        }
        for (i, d) in self.disks.iter().enumerate() {
            if let Some(p) = d.kernel_partitions.iter().find(|p| d.partition_name(p.number) == name) {
                return Some(BlockRef::Partition { disk: i, number: p.number });
            }
        }
        if let Some(dm) = name.strip_prefix("mapper/") {
            return self.lv_by_dm_name(dm);
        }
        if let Some(n) = name.strip_prefix("dm-").and_then(|n| n.parse::<u32>().ok()) {
            return self.lvm.vgs.iter().find_map(|vg| {
                vg.lvs.iter().find(|l| l.dm_minor == Some(n)).map(|l| BlockRef::Lv { vg: vg.name.clone(), lv: l.name.clone() })
            });
        }
        let (vg, lv) = name.split_once('/')?;
        let l = self.lvm.vg(vg)?.lv(lv)?;
        (l.active && !l.is_hidden() && !matches!(l.kind, LvKind::ThinPool { .. }))
            .then(|| BlockRef::Lv { vg: vg.into(), lv: lv.into() })
    }

    fn lv_by_dm_name(&self, dm: &str) -> Option<BlockRef> {
        self.lvm.vgs.iter().find_map(|vg| {
            vg.lvs
                .iter()
                .find(|l| dm_name(&vg.name, &l.name) == dm && l.dm_minor.is_some())
                .map(|l| BlockRef::Lv { vg: vg.name.clone(), lv: l.name.clone() })
        })
    }

    /// The size of a resolved block device.
    pub fn size_of(&self, r: &BlockRef) -> u64 {
        match r {
            BlockRef::Disk { disk } => self.disks[*disk].size_bytes,
            BlockRef::Partition { disk, number } => self.disks[*disk]
                .kernel_partitions
                .iter()
                .find(|p| p.number == *number)
                .map_or(0, |p| p.size_sectors * SECTOR_BYTES),
            BlockRef::Lv { vg, lv } => self
                .lvm
                .vg(vg)
                .and_then(|v| v.lv(lv).map(|l| v.lv_size_bytes(l)))
                .unwrap_or(0),
        }
    }

    /// The canonical path of a resolved device (`/dev/mapper/vg-lv` for LVs).
    pub fn canonical_path(&self, r: &BlockRef) -> String {
        match r {
            BlockRef::Disk { disk } => self.disks[*disk].path(),
            BlockRef::Partition { disk, number } => format!("/dev/{}", self.disks[*disk].partition_name(*number)),
            BlockRef::Lv { vg, lv } => format!("/dev/mapper/{}", dm_name(vg, lv)),
        }
    }

    /// Why a device is held open, if it is: "mounted", "swap", "LVM PV in VG x".
    pub fn holder_of(&self, path: &str) -> Option<String> {
        if let Some(m) = self.mounts.iter().find(|m| m.device == path) {
            return Some(format!("mounted on {}", m.target));
        }
        if self.swaps.iter().any(|s| s == path) {
            return Some("in use as swap".into());
        }
        if let Some(pv) = self.lvm.pv(path) {
            return Some(match &pv.vg_name {
                Some(vg) => format!("a physical volume of volume group {vg}"),
                None => "an LVM physical volume".into(),
            });
        }
        None
    }

    /// True when any partition of the disk is held, so the kernel cannot re-read it.
    pub fn disk_busy(&self, disk: usize) -> bool {
        let d = &self.disks[disk];
        d.kernel_partitions.iter().any(|p| self.holder_of(&format!("/dev/{}", d.partition_name(p.number))).is_some())
    }

    /// Writes `label` to the disk's sectors, then asks the kernel to re-read it.
    pub fn write_label(&mut self, disk: usize, label: &Label) -> (Reread, Vec<Event>) {
        let name = self.disks[disk].name.clone();
        label.write_to(&mut self.disks[disk].media);
        let mut events = vec![Event::TableWritten { disk: name, kind: label.kind.name() }];
        let reread = self.reread(disk, &mut events);
        (reread, events)
    }

    /// BLKRRPART: replaces the kernel's partitions with what is on disk, unless a
    /// partition is in use, in which case the kernel keeps its old view.
    pub fn reread(&mut self, disk: usize, events: &mut Vec<Event>) -> Reread {
        let name = self.disks[disk].name.clone();
        if self.disk_busy(disk) {
            events.push(Event::RereadRefused { disk: name });
            return Reread::Busy;
        }
        let label = self.disks[disk].label();
        let old = std::mem::take(&mut self.disks[disk].kernel_partitions);
        for p in &old {
            events.push(Event::PartitionVanished { dev: self.disks[disk].partition_name(p.number) });
        }
        let mut fresh = Vec::new();
        for p in label.iter().flat_map(|l| l.partitions.iter()) {
            // An extended partition shows up as a 1 KiB stub, as on Linux.
            let size_sectors = if p.part_type.is_extended() { 2 } else { p.size_sectors };
            let d = &self.disks[disk];
            let (major, minor) = match d.transport {
                Transport::Sata if p.number <= 15 => (SD_MAJOR, d.minor + p.number),
                _ => {
                    // Reuse the minor the kernel gave this partition number before.
                    match old.iter().find(|o| o.number == p.number && o.major == BLKEXT_MAJOR) {
                        Some(o) => (BLKEXT_MAJOR, o.minor),
                        None => (BLKEXT_MAJOR, self.take_blkext_minor()),
                    }
                }
            };
            fresh.push(KernelPartition { number: p.number, start_lba: p.start_lba, size_sectors, major, minor });
            events.push(Event::PartitionAppeared {
                dev: self.disks[disk].partition_name(p.number),
                start_lba: p.start_lba,
                size_sectors,
            });
        }
        self.disks[disk].kernel_partitions = fresh;
        Reread::Done
    }

    /// Writes `label`, then updates the kernel partition by partition, as parted
    /// does with BLKPG: partitions in use keep their old geometry, free ones are
    /// removed, added or resized. Returns the numbers the kernel could not update.
    pub fn write_label_per_partition(&mut self, disk: usize, label: &Label) -> (Vec<u32>, Vec<Event>) {
        let name = self.disks[disk].name.clone();
        label.write_to(&mut self.disks[disk].media);
        let mut events = vec![Event::TableWritten { disk: name, kind: label.kind.name() }];
        let on_disk = self.disks[disk].label().map(|l| l.partitions).unwrap_or_default();
        let old = self.disks[disk].kernel_partitions.clone();
        let busy = |m: &Machine, number: u32| m.holder_of(&format!("/dev/{}", m.disks[disk].partition_name(number))).is_some();
        let geometry = |p: &super::label::Partition| (p.start_lba, if p.part_type.is_extended() { 2 } else { p.size_sectors });
        let mut numbers: Vec<u32> = old.iter().map(|k| k.number).chain(on_disk.iter().map(|p| p.number)).collect();
        super::order::small_sort(&mut numbers);
        numbers.dedup();
        let mut failed = Vec::new();
        let mut kept: Vec<KernelPartition> = Vec::new();
        for n in &numbers {
            let k = old.iter().find(|k| k.number == *n);
            let p = on_disk.iter().find(|p| p.number == *n);
            match (k, p) {
                (Some(k), Some(p)) if (k.start_lba, k.size_sectors) == geometry(p) => kept.push(k.clone()),
                (Some(k), _) if busy(self, *n) => {
                    failed.push(*n);
                    kept.push(k.clone());
                }
                _ => {}
            }
        }
        let mut fresh = kept.clone();
        for n in &numbers {
            if kept.iter().any(|k| k.number == *n) {
                continue;
            }
            if let Some(k) = old.iter().find(|k| k.number == *n) {
                events.push(Event::PartitionVanished { dev: self.disks[disk].partition_name(k.number) });
            }
            let Some(p) = on_disk.iter().find(|p| p.number == *n) else { continue };
            let (start, size) = geometry(p);
            let overlaps = kept.iter().any(|k| start < k.start_lba + k.size_sectors && k.start_lba < start + size);
            if overlaps {
                failed.push(*n);
                continue;
            }
            let d = &self.disks[disk];
            let (major, minor) = match d.transport {
                Transport::Sata if *n <= 15 => (SD_MAJOR, d.minor + n),
                _ => (BLKEXT_MAJOR, self.take_blkext_minor()),
            };
            fresh.push(KernelPartition { number: *n, start_lba: start, size_sectors: size, major, minor });
            events.push(Event::PartitionAppeared { dev: self.disks[disk].partition_name(*n), start_lba: start, size_sectors: size });
        }
        fresh.small_sort_by_key(|k| k.number);
        self.disks[disk].kernel_partitions = fresh;
        super::order::small_sort(&mut failed);
        failed.dedup();
        (failed, events)
    }

    /// A fresh random 32-bit DOS disk identifier.
    pub fn new_dos_signature(&mut self) -> u32 {
        self.rng.next_u32()
    }

    pub fn new_guid(&mut self) -> Guid {
        Guid::from_uuid_bytes(self.rng.uuid_v4())
    }

    pub fn new_lvm_uuid(&mut self) -> String {
        let rng = &mut self.rng;
        lvm::format_lvm_uuid(&mut || rng.next_u64())
    }

    /// A filesystem UUID in the lowercase text form blkid prints.
    pub fn new_fs_uuid(&mut self) -> String {
        Guid::from_uuid_bytes(self.rng.uuid_v4()).to_string().to_ascii_lowercase()
    }

    /// The block-device tree lsblk prints: disks, partitions, then device-mapper
    /// volumes under every device they sit on.
    pub fn block_tree(&self) -> Vec<BlockNode> {
        let mut nodes = Vec::new();
        for d in &self.disks {
            let label = d.label();
            let fs = self.filesystems.get(&d.path()).cloned().or_else(|| self.pv_signature(&d.path()));
            let mut node = BlockNode {
                name: d.name.clone(),
                path: d.path(),
                major: d.major,
                minor: d.minor,
                size_bytes: d.size_bytes,
                kind: if d.transport == Transport::Loop { "loop" } else { "disk" },
                removable: false,
                read_only: false,
                mountpoints: self.mountpoints_of(&d.path()),
                fs,
                model: d.model.clone(),
                serial: d.serial.clone(),
                tran: d.transport.tran(),
                rotational: d.rotational,
                pttype: label.as_ref().map(|l| l.kind.name()),
                ptuuid: label.as_ref().map(|l| match l.disk_id {
                    super::label::DiskId::Dos(s) => format!("{s:08x}"),
                    super::label::DiskId::Gpt(g) => g.to_string().to_ascii_lowercase(),
                }),
                parttype: None,
                parttypename: None,
                partuuid: None,
                partlabel: None,
                start_lba: None,
                children: Vec::new(),
            };
            node.children = self.lv_children(&d.path());
            for kp in &d.kernel_partitions {
                let path = format!("/dev/{}", d.partition_name(kp.number));
                let on_disk = label.as_ref().and_then(|l| l.partition(kp.number));
                let (parttype, partuuid) = match (on_disk, &label) {
                    (Some(p), Some(l)) => match (p.part_type, l.disk_id) {
                        (PartType::Gpt(g), _) => (Some(g.to_string().to_ascii_lowercase()), Some(p.unique_guid.to_string().to_ascii_lowercase())),
                        (PartType::Dos(c), super::label::DiskId::Dos(sig)) => (Some(format!("0x{c:x}")), Some(format!("{sig:08x}-{:02x}", kp.number))),
                        _ => (None, None),
                    },
                    _ => (None, None),
                };
                node.children.push(BlockNode {
                    name: d.partition_name(kp.number),
                    path: path.clone(),
                    major: kp.major,
                    minor: kp.minor,
                    size_bytes: kp.size_sectors * SECTOR_BYTES,
                    kind: "part",
                    removable: false,
                    read_only: false,
                    mountpoints: self.mountpoints_of(&path),
                    fs: self.filesystems.get(&path).cloned().or_else(|| self.pv_signature(&path)),
                    model: None,
                    serial: None,
                    tran: "",
                    rotational: d.rotational,
                    pttype: node.pttype,
                    ptuuid: node.ptuuid.clone(),
                    parttype,
                    parttypename: on_disk.map(|p| p.part_type.name()),
                    partuuid,
                    partlabel: on_disk.map(|p| p.name.clone()).filter(|n| !n.is_empty()),
                    start_lba: Some(kp.start_lba),
                    children: self.lv_children(&path),
                });
            }
            nodes.push(node);
        }
        nodes
    }

    fn pv_signature(&self, path: &str) -> Option<Filesystem> {
        self.lvm.pv(path).map(|pv| Filesystem {
            fstype: "LVM2_member".into(),
            uuid: pv.uuid.clone(),
            label: String::new(),
            size_bytes: pv.dev_size_bytes,
            used_bytes: 0,
        })
    }

    fn mountpoints_of(&self, path: &str) -> Vec<String> {
        let mut v: Vec<String> = self.mounts.iter().filter(|m| m.device == path).map(|m| m.target.clone()).collect();
        if self.swaps.iter().any(|s| s == path) {
            v.push("[SWAP]".into());
        }
        v
    }

    /// Device-mapper volumes that sit on `pv_path`, in device-number order as lsblk lists them.
    fn lv_children(&self, pv_path: &str) -> Vec<BlockNode> {
        let Some(vg_name) = self.lvm.pv(pv_path).and_then(|p| p.vg_name.clone()) else { return Vec::new() };
        let Some(vg) = self.lvm.vg(&vg_name) else { return Vec::new() };
        let mut out = Vec::new();
        for lv in &vg.lvs {
            if !lv.segments.iter().any(|s| s.pv == pv_path) {
                continue;
            }
            match lv.kind {
                LvKind::Linear => {
                    if let Some(n) = self.dm_node(&vg.name, &lv.name) {
                        out.push(n);
                    }
                }
                LvKind::Hidden => {
                    // A pool's _tdata/_tmeta carry the pool (and its thin volumes) above them.
                    let Some(pool) = lv.name.strip_suffix("_tdata").or_else(|| lv.name.strip_suffix("_tmeta")) else { continue };
                    let Some(mut n) = self.hidden_dm_node(vg, &lv.name) else { continue };
                    n.children = self.pool_children(vg, pool);
                    out.push(n);
                }
                _ => {}
            }
        }
        out.small_sort_by_key(|n| (n.major, n.minor));
        out
    }

    fn hidden_dm_node(&self, vg: &lvm::Vg, name: &str) -> Option<BlockNode> {
        let lv = vg.lv(name)?;
        let minor = lv.dm_minor?;
        Some(self.make_dm_node(dm_name(&vg.name, name), minor, lv.extent_count() * vg.extent_size_bytes))
    }

    fn make_dm_node(&self, name: String, minor: u32, size_bytes: u64) -> BlockNode {
        let path = format!("/dev/mapper/{name}");
        BlockNode {
            name,
            mountpoints: self.mountpoints_of(&path),
            fs: self.filesystems.get(&path).cloned(),
            path,
            major: DM_MAJOR,
            minor,
            size_bytes,
            kind: "lvm",
            removable: false,
            read_only: false,
            model: None,
            serial: None,
            tran: "",
            rotational: false,
            pttype: None,
            ptuuid: None,
            parttype: None,
            parttypename: None,
            partuuid: None,
            partlabel: None,
            start_lba: None,
            children: Vec::new(),
        }
    }

    fn dm_node(&self, vg: &str, lv: &str) -> Option<BlockNode> {
        let v = self.lvm.vg(vg)?;
        let l = v.lv(lv)?;
        let minor = l.dm_minor?;
        Some(self.make_dm_node(dm_name(vg, lv), minor, v.lv_size_bytes(l)))
    }

    /// Under a pool's data and metadata devices: the pool itself, or, once thin
    /// volumes exist, the `-tpool` device with the pool and its thin volumes above.
    fn pool_children(&self, vg: &lvm::Vg, pool: &str) -> Vec<BlockNode> {
        let Some(pool_lv) = vg.lv(pool) else { return Vec::new() };
        let Some(minor) = pool_lv.dm_minor else { return Vec::new() };
        let size = vg.lv_size_bytes(pool_lv);
        let pool_node = self.make_dm_node(dm_name(&vg.name, pool), minor, size);
        let LvKind::ThinPool { tpool_minor: Some(tpool_minor), .. } = pool_lv.kind else { return vec![pool_node] };
        let mut children: Vec<BlockNode> = vg
            .lvs
            .iter()
            .filter(|l| matches!(&l.kind, LvKind::Thin { pool: p, .. } if p == pool))
            .filter_map(|l| self.dm_node(&vg.name, &l.name))
            .collect();
        children.push(pool_node);
        children.small_sort_by(|a, b| a.name.cmp(&b.name));
        let mut tpool = self.make_dm_node(format!("{}-tpool", dm_name(&vg.name, pool)), tpool_minor, size);
        tpool.children = children;
        vec![tpool]
    }

    /// Builds the default lab machine: a Proxmox VE host with PVE's LVM layout on
    /// `sda`, two NVMe disks for a later ZFS mirror, and two blank SATA disks.
    pub fn lab(seed: u64) -> Machine {
        let mut m = Machine::empty(seed);
        let attach = |m: &mut Machine, name: &str, size: u64, model: &str| {
            // The names and sizes are fixed and valid, so attaching cannot fail.
            let _ = m.attach_disk(name, size, Some(model.into()));
        };
        attach(&mut m, "sda", 128 * GIB, "QEMU HARDDISK");
        attach(&mut m, "sdb", 500 * GIB, "QEMU HARDDISK");
        attach(&mut m, "sdc", 500 * GIB, "QEMU HARDDISK");
        attach(&mut m, "nvme0n1", 256 * GIB, "QEMU NVMe Ctrl");
        attach(&mut m, "nvme1n1", 256 * GIB, "QEMU NVMe Ctrl");
        m.install_pve_layout();
        m
    }

    /// PVE's installer layout on sda: BIOS boot, a 1 GiB ESP, and an LVM PV with
    /// swap, root and the `data` thin pool, sized as the installer sizes them.
    fn install_pve_layout(&mut self) {
        let Some(sda) = self.disk_index("sda") else { return };
        let total = self.disks[sda].total_sectors();
        let guid = self.new_guid();
        let Ok(mut label) = Label::new_gpt(total, guid) else { return };
        label.first_lba = 34;
        let bios = PartType::gpt_named("21686148-6449-6E6F-744E-656564454649");
        let esp = PartType::gpt_named("C12A7328-F81F-11D2-BA4B-00A0C93EC93B");
        let lvm_type = PartType::gpt_named("E6D6D379-F507-44C2-A23C-238F2A3DF928");
        let esp_sectors = GIB / SECTOR_BYTES;
        let parts = [
            (1, 34, 2048 - 34, bios),
            (2, 2048, esp_sectors, esp),
            (3, 2048 + esp_sectors, label.last_lba - (2048 + esp_sectors) + 1, lvm_type),
        ];
        for (number, start, size, t) in parts {
            let unique = self.new_guid();
            let _ = label.add(super::label::Partition {
                number,
                start_lba: start,
                size_sectors: size,
                part_type: t,
                unique_guid: unique,
                name: String::new(),
                bootable: false,
            });
        }
        let mut sink = Vec::new();
        label.write_to(&mut self.disks[sda].media);
        self.reread(sda, &mut sink);

        let pv_path = "/dev/sda3".to_string();
        let pv_size = self.size_of(&BlockRef::Partition { disk: sda, number: 3 });
        let rng = &mut self.rng;
        let mut uuids = || lvm::format_lvm_uuid(&mut || rng.next_u64());
        let _ = self.lvm.vgcreate("pve", &[(pv_path, pv_size)], lvm::DEFAULT_EXTENT_BYTES, &mut uuids);
        let extent = lvm::DEFAULT_EXTENT_BYTES;
        let hd = 128 * GIB;
        let swap_ext = (8 * GIB).min(hd / 8) / extent;
        let root_ext = (hd / 4).min(96 * GIB) / extent;
        let minfree_ext = (hd / 8).min(16 * GIB) / extent;
        let vg_ext = self.lvm.vg("pve").map_or(0, |v| self.lvm.vg_extent_count(v));
        let swap_uuid = self.new_lvm_uuid();
        let root_uuid = self.new_lvm_uuid();
        let _ = self.lvm.lvcreate_linear("pve", "swap", swap_ext, swap_uuid);
        let _ = self.lvm.lvcreate_linear("pve", "root", root_ext, root_uuid);
        let rest = vg_ext.saturating_sub(swap_ext + root_ext + minfree_ext);
        let meta = Lvm::thin_meta_extents(rest * extent, lvm::DEFAULT_THIN_CHUNK_BYTES, extent);
        let data_ext = rest.saturating_sub(2 * meta);
        let rng = &mut self.rng;
        let mut uuids = || lvm::format_lvm_uuid(&mut || rng.next_u64());
        let _ = self.lvm.lvcreate_thin_pool("pve", "data", data_ext, &mut uuids);
        let efi_uuid = format!("{:04X}-{:04X}", self.rng.next_u32() >> 16, self.rng.next_u32() >> 16);
        self.filesystems.insert("/dev/sda2".into(), Filesystem {
            fstype: "vfat".into(), uuid: efi_uuid, label: String::new(), size_bytes: GIB, used_bytes: 350 * 1024,
        });
        let root_size = root_ext * extent;
        let swap_size = swap_ext * extent;
        let root_fs_uuid = self.new_fs_uuid();
        let swap_fs_uuid = self.new_fs_uuid();
        self.filesystems.insert("/dev/mapper/pve-root".into(), Filesystem {
            fstype: "ext4".into(), uuid: root_fs_uuid, label: String::new(), size_bytes: root_size, used_bytes: 3 * GIB + 300 * MIB,
        });
        self.filesystems.insert("/dev/mapper/pve-swap".into(), Filesystem {
            fstype: "swap".into(), uuid: swap_fs_uuid, label: String::new(), size_bytes: swap_size, used_bytes: 0,
        });
        self.mounts.push(Mount { device: "/dev/mapper/pve-root".into(), target: "/".into() });
        self.mounts.push(Mount { device: "/dev/sda2".into(), target: "/boot/efi".into() });
        self.swaps.push("/dev/mapper/pve-swap".into());
    }
}

/// The device-mapper name of an LV: dashes in either name are doubled.
pub fn dm_name(vg: &str, lv: &str) -> String {
    format!("{}-{}", vg.replace('-', "--"), lv.replace('-', "--"))
}
