//! LVM2 as a data model: physical volumes cut into extents, volume groups pooling
//! them, and logical volumes mapping runs of logical extents onto physical ones,
//! including thin pools and thin volumes.
//!
//! Numbers follow lvm2 2.03.16: the data area starts 1 MiB into a PV (after a
//! metadata area at 4 KiB, unless `pvcreate` options move it), the default
//! extent is 4 MiB, a PV holds floor((size - pe_start - mda1) / extent)
//! extents, linear allocation takes the lowest free extents of each PV in VG
//! order and striped allocation one area per PV, largest first. Every change a
//! command commits raises the VG's `seqno` by one. Thin pools are in `thin`, LV
//! operations in `lv`, the PV layout in `layout`. PVs, segments and VGs refer
//! to block devices by `DevId`; paths are the console's business. Simplified:
//! no bootloader area, mirrors, RAID or cache; thin snapshots are in `thin`,
//! classic (COW) snapshots in `cow`.

pub mod cow;
mod layout;
mod lv;
pub mod thin;

use super::device::DevId;
use super::event::Event;
pub use layout::{Mda, PvOptions};
pub use lv::Striping;
pub use thin::ThinMap;

/// Where the first physical extent starts on a new PV: 1 MiB.
pub const DEFAULT_PE_START_BYTES: u64 = 1024 * 1024;
/// The extent size `vgcreate` uses without `-s`: 4 MiB.
pub const DEFAULT_EXTENT_BYTES: u64 = 4 * 1024 * 1024;
pub use thin::{DEFAULT_THIN_CHUNK_BYTES, MAX_THIN_CHUNK_BYTES, MAX_THIN_META_BYTES, MIN_THIN_META_BYTES, OPTIMAL_THIN_META_BYTES};

/// A physical volume: a block device with an LVM label.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pv {
    /// The block device the label is on.
    pub dev: DevId,
    /// The device's path as lvm2 prints it (`/dev/sdb`), refreshed by the
    /// machine when devices change; for messages and events only.
    pub name: String,
    pub uuid: String,
    pub dev_size_bytes: u64,
    pub pe_start_bytes: u64,
    /// Metadata areas: none, one after the label, or also one at the end.
    pub mdas: Vec<Mda>,
    pub vg_name: Option<String>,
    /// Extents on this PV; set when it joins a VG (0 while orphaned).
    pub pe_count: u64,
}

impl Pv {
    /// The size of the metadata area at the end of the device (the second
    /// one), which the data area stops before.
    pub fn mda1_bytes(&self) -> u64 {
        self.mdas.get(1).map_or(0, |m| m.size_bytes)
    }
}

/// Where one stripe of a segment lies: consecutive physical extents on a PV.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Area {
    pub pv: DevId,
    pub pe_start: u64,
}

/// lvm2's `lv_segment`: a run of logical extents laid over one area (linear)
/// or several (striped), each area holding `area_len()` extents.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Segment {
    pub le_start: u64,
    pub extent_count: u64,
    /// Bytes written to one area before the next; 0 when linear.
    pub stripe_size_bytes: u64,
    pub areas: Vec<Area>,
}

impl Segment {
    pub fn linear(le_start: u64, extent_count: u64, pv: DevId, pe_start: u64) -> Segment {
        Segment { le_start, extent_count, stripe_size_bytes: 0, areas: vec![Area { pv, pe_start }] }
    }

    pub fn stripes(&self) -> u64 {
        self.areas.len().max(1) as u64
    }

    pub fn area_len(&self) -> u64 {
        self.extent_count / self.stripes()
    }

    /// Each area as (PV, first physical extent, extents).
    pub fn runs(&self) -> impl Iterator<Item = (DevId, u64, u64)> + '_ {
        self.areas.iter().map(|a| (a.pv, a.pe_start, self.area_len()))
    }

    /// Whether `pv` holds one of this segment's areas.
    pub fn uses(&self, pv: DevId) -> bool {
        self.areas.iter().any(|a| a.pv == pv)
    }
}

/// What a logical volume is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LvKind {
    /// A plain linear volume.
    Linear,
    /// A thin pool; its data and metadata live in its `PoolData`/`PoolMeta` LVs.
    ThinPool(thin::Pool),
    /// A thin volume: virtual size, with chunks taken from `pool` as it is
    /// written; a snapshot names its `origin` and starts with the origin's map.
    Thin { pool: String, virtual_bytes: u64, map: ThinMap, origin: Option<String> },
    /// A pool's hidden data volume (`[pool_tdata]`).
    PoolData { pool: String },
    /// A pool's hidden metadata volume (`[pool_tmeta]`).
    PoolMeta { pool: String },
    /// The spare pool metadata volume (`[lvol0_pmspare]`).
    Pmspare,
    /// A classic snapshot: its extents are the COW store of `origin`.
    Snapshot(cow::Cow),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lv {
    pub name: String,
    pub uuid: String,
    pub kind: LvKind,
    pub segments: Vec<Segment>,
    pub active: bool,
    /// lvm2's ACTIVATION_SKIP flag (attr `k`): set on thin snapshots, which
    /// stay inactive.
    pub skip_activation: bool,
    /// The device-mapper minor while active.
    pub dm_minor: Option<u32>,
    /// Seconds since the epoch when the LV was created (lvm2's `creation_time`).
    pub creation_time: u64,
}

impl Lv {
    pub fn extent_count(&self) -> u64 {
        self.segments.iter().map(|s| s.extent_count).sum()
    }

    /// Hidden LVs are a pool's parts and the spare; `lvs -a` shows them in brackets.
    pub fn is_hidden(&self) -> bool {
        matches!(self.kind, LvKind::PoolData { .. } | LvKind::PoolMeta { .. } | LvKind::Pmspare)
    }

    pub fn is_pmspare(&self) -> bool {
        matches!(self.kind, LvKind::Pmspare)
    }

    pub fn is_pool(&self) -> bool {
        matches!(self.kind, LvKind::ThinPool(_))
    }

    pub fn pool(&self) -> Option<&thin::Pool> {
        match &self.kind {
            LvKind::ThinPool(p) => Some(p),
            _ => None,
        }
    }

    /// The pool this LV is a part of (data or metadata), if it is one.
    pub fn part_of_pool(&self) -> Option<&str> {
        match &self.kind {
            LvKind::PoolData { pool } | LvKind::PoolMeta { pool } => Some(pool),
            _ => None,
        }
    }

    /// The thin volume a thin snapshot was taken of, while it exists.
    pub fn thin_origin(&self) -> Option<&str> {
        match &self.kind {
            LvKind::Thin { origin, .. } => origin.as_deref(),
            _ => None,
        }
    }

    /// The pool a thin volume takes its chunks from.
    pub fn thin_pool(&self) -> Option<&str> {
        match &self.kind {
            LvKind::Thin { pool, .. } => Some(pool),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Vg {
    pub name: String,
    pub uuid: String,
    pub extent_size_bytes: u64,
    /// Member PVs' devices, in the order they joined.
    pub pvs: Vec<DevId>,
    pub lvs: Vec<Lv>,
    /// Raised by one with every committed change.
    pub seqno: u64,
    /// The `description` written with the metadata last committed
    /// (`Write from <command line>.`).
    pub description: String,
}

impl Vg {
    pub fn lv(&self, name: &str) -> Option<&Lv> {
        self.lvs.iter().find(|l| l.name == name)
    }

    /// The classic snapshots of `origin`, in VG order.
    pub fn snapshots_of<'a>(&'a self, origin: &'a str) -> impl Iterator<Item = &'a Lv> + 'a {
        // Without the feature there are none, and the code that asks is left out.
        self.lvs.iter().filter(move |l| cfg!(feature = "classic-snapshots") && matches!(&l.kind, LvKind::Snapshot(c) if c.origin == origin))
    }

    pub fn lv_mut(&mut self, name: &str) -> Option<&mut Lv> {
        self.lvs.iter_mut().find(|l| l.name == name)
    }

    /// The spare pool metadata LV, if the VG has one.
    pub fn pmspare(&self) -> Option<&Lv> {
        self.lvs.iter().find(|l| l.is_pmspare())
    }

    /// The data LV of `pool`.
    pub fn pool_data(&self, pool: &str) -> Option<&Lv> {
        self.lvs.iter().find(|l| matches!(&l.kind, LvKind::PoolData { pool: p } if p == pool))
    }

    /// The metadata LV of `pool`.
    pub fn pool_meta(&self, pool: &str) -> Option<&Lv> {
        self.lvs.iter().find(|l| matches!(&l.kind, LvKind::PoolMeta { pool: p } if p == pool))
    }

    /// lvm2's `generate_lv_name(vg, "lvol%d")`: one more than the highest N of
    /// any LV whose name scans as `lvol<N>` (trailing text allowed, so
    /// `lvol0_pmspare` counts), and 0 when there is none.
    pub fn next_lvol_index(&self) -> i64 {
        let mut high: i64 = -1;
        for l in &self.lvs {
            let Some(rest) = l.name.strip_prefix("lvol") else { continue };
            let (neg, digits) = match rest.as_bytes().first() {
                Some(b'-') => (true, &rest[1..]),
                Some(b'+') => (false, &rest[1..]),
                _ => (false, rest),
            };
            let end = digits.find(|c: char| !c.is_ascii_digit()).unwrap_or(digits.len());
            if end == 0 {
                continue;
            }
            let n = digits[..end].parse::<i64>().unwrap_or(i64::from(i32::MAX)).min(i64::from(i32::MAX));
            high = high.max(if neg { -n } else { n });
        }
        high + 1
    }

    /// The runs of extents LVs hold on `pv`: (LV, segment, first extent, extents).
    pub fn runs_on(&self, pv: DevId) -> impl Iterator<Item = (&Lv, &Segment, u64, u64)> + '_ {
        self.lvs.iter().flat_map(move |l| {
            l.segments.iter().flat_map(move |s| s.runs().filter(move |r| r.0 == pv).map(move |(_, start, n)| (l, s, start, n)))
        })
    }

    /// Raises `seqno` for one committed change.
    pub fn commit(&mut self) {
        self.seqno += 1;
    }

    /// Thin volumes of `pool`, in creation order.
    pub fn thin_users(&self, pool: &str) -> Vec<&Lv> {
        self.lvs.iter().filter(|l| l.thin_pool() == Some(pool)).collect()
    }

    /// The size an LV shows: a pool shows its data LV, a thin LV its virtual size.
    pub fn lv_size_bytes(&self, lv: &Lv) -> u64 {
        match &lv.kind {
            LvKind::Thin { virtual_bytes, .. } => *virtual_bytes,
            LvKind::ThinPool(_) => self.pool_data(&lv.name).map_or(0, |d| d.extent_count() * self.extent_size_bytes),
            _ => lv.extent_count() * self.extent_size_bytes,
        }
    }
}

/// Why an LVM operation was refused. The console renders each as lvm2's message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LvmError {
    DeviceTooSmall(DevId),
    AlreadyInVg { device: DevId, vg: String },
    NotAPv(DevId),
    PvInUseByVg { device: DevId, vg: String },
    VgExists(String),
    NoSuchVg(String),
    NoSuchLv { vg: String, lv: String },
    LvExists { vg: String, lv: String },
    InsufficientFreeSpace { vg: String, free_extents: u64, needed_extents: u64 },
    InsufficientExtents { needed: u64, available: u64 },
    PvStillUsed(DevId),
    LastPv { vg: String },
    SizeUnchanged { extents: u64 },
    InvalidExtentSize,
    NotAThinPool { vg: String, lv: String },
    /// `lvconvert --merge` of a thin volume that is no snapshot.
    NotMergeable { vg: String, lv: String },
    AlignmentExceedsDevice,
    MdaTooSmall { bytes: u64 },
    NoSpaceForMda { index: u32 },
    /// Enough free extents, but not on enough PVs at once for the stripes.
    InsufficientAllocatable { lv: String, more: u64 },
}

/// The sentences follow lvm2's own messages for the same conditions; devices
/// are named by the console, which knows their paths.
impl std::fmt::Display for LvmError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            LvmError::DeviceTooSmall(_) => write!(f, "The device is too small (pv_min_size)."),
            LvmError::AlreadyInVg { vg, .. } => write!(f, "The physical volume is already in volume group '{vg}'."),
            LvmError::NotAPv(_) => write!(f, "No PV found on the device."),
            LvmError::PvInUseByVg { vg, .. } => write!(f, "The PV is used by VG {vg}, so use vgreduce first."),
            LvmError::VgExists(vg) => write!(f, "A volume group called {vg} already exists."),
            LvmError::NoSuchVg(vg) => write!(f, "Volume group \"{vg}\" not found"),
            LvmError::NoSuchLv { vg, lv } => write!(f, "Failed to find logical volume \"{vg}/{lv}\""),
            LvmError::LvExists { vg, lv } => write!(f, "Logical Volume \"{lv}\" already exists in volume group \"{vg}\""),
            LvmError::InsufficientFreeSpace { vg, free_extents, needed_extents } => {
                write!(f, "Volume group \"{vg}\" has insufficient free space ({free_extents} extents): {needed_extents} required.")
            }
            LvmError::InsufficientExtents { needed, available } => {
                write!(f, "Insufficient free space: {needed} extents needed, but only {available} available")
            }
            LvmError::PvStillUsed(_) => write!(f, "The physical volume is still in use."),
            LvmError::LastPv { vg } => write!(f, "Can't remove final physical volume from volume group \"{vg}\""),
            LvmError::SizeUnchanged { extents } => write!(f, "New size ({extents} extents) matches existing size ({extents} extents)."),
            LvmError::InvalidExtentSize => write!(f, "Physical extent size may not be zero or this small."),
            LvmError::NotAThinPool { vg, lv } => write!(f, "Logical volume {vg}/{lv} is not a thin pool."),
            LvmError::NotMergeable { vg, lv } => write!(f, "{vg}/{lv} is not a mergeable logical volume."),
            LvmError::AlignmentExceedsDevice => write!(f, "Data alignment must not exceed device size."),
            LvmError::MdaTooSmall { bytes } => write!(f, "Metadata area size too small: {bytes} bytes. It must be at least 32768 bytes."),
            LvmError::NoSpaceForMda { index } => write!(f, "Not enough space available for metadata area with index {index}"),
            LvmError::InsufficientAllocatable { lv, more } => {
                write!(f, "Insufficient suitable allocatable extents for logical volume {lv}: {more} more required")
            }
        }
    }
}

/// A device offered to `vgcreate`/`vgextend`: its identity, path and size.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewPv {
    pub dev: DevId,
    pub name: String,
    pub size_bytes: u64,
    pub options: PvOptions,
}

/// The LVM state of one host.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Lvm {
    pub pvs: Vec<Pv>,
    pub vgs: Vec<Vg>,
    /// The next device-mapper minor to hand out.
    pub next_dm_minor: u32,
}

impl Lvm {
    pub fn pv(&self, dev: DevId) -> Option<&Pv> {
        self.pvs.iter().find(|p| p.dev == dev)
    }

    pub fn vg(&self, name: &str) -> Option<&Vg> {
        self.vgs.iter().find(|v| v.name == name)
    }

    /// The VGs in the order lvm2's tools process them: by name.
    pub fn vgs_by_name(&self) -> Vec<&Vg> {
        let mut vgs: Vec<&Vg> = self.vgs.iter().collect();
        crate::core::order::SmallSort::small_sort_by(&mut vgs[..], |x, y| x.name.cmp(&y.name));
        vgs
    }

    /// A VG to change in place (the machine's copy-on-write of classic
    /// snapshots records exceptions without a metadata commit, as the
    /// kernel does).
    pub fn vg_named_mut(&mut self, name: &str) -> Option<&mut Vg> {
        self.vgs.iter_mut().find(|v| v.name == name)
    }

    fn vg_mut(&mut self, name: &str) -> Result<&mut Vg, LvmError> {
        self.vgs.iter_mut().find(|v| v.name == name).ok_or_else(|| LvmError::NoSuchVg(name.to_string()))
    }

    /// The name lvm2 prints for the PV on `dev`.
    pub fn pv_name(&self, dev: DevId) -> String {
        self.pv(dev).map_or_else(|| "[unknown]".into(), |p| p.name.clone())
    }

    /// Sets the description of a VG's metadata (see `Vg::description`).
    pub fn describe(&mut self, vg: &str, description: String) {
        if let Ok(vg) = self.vg_mut(vg) {
            vg.description = description;
        }
    }

    /// Extents of `pv` that no LV segment uses, as sorted (start, count) runs.
    pub fn free_runs(&self, pv: &Pv) -> Vec<(u64, u64)> {
        let Some(vg) = pv.vg_name.as_deref().and_then(|n| self.vg(n)) else { return Vec::new() };
        let mut used: Vec<(u64, u64)> = vg.runs_on(pv.dev).map(|r| (r.2, r.3)).collect();
        crate::core::order::small_sort(&mut used);
        let mut runs = Vec::new();
        let mut cursor = 0;
        for (start, count) in used {
            if start > cursor {
                runs.push((cursor, start - cursor));
            }
            cursor = cursor.max(start + count);
        }
        if cursor < pv.pe_count {
            runs.push((cursor, pv.pe_count - cursor));
        }
        runs
    }

    pub fn pv_free_extents(&self, pv: &Pv) -> u64 {
        self.free_runs(pv).iter().map(|r| r.1).sum()
    }

    pub fn vg_extent_count(&self, vg: &Vg) -> u64 {
        vg.pvs.iter().filter_map(|d| self.pv(*d)).map(|p| p.pe_count).sum()
    }

    pub fn vg_free_extents(&self, vg: &Vg) -> u64 {
        self.pvs_free_extents(&vg.pvs)
    }

    /// The free extents of these PVs together.
    pub fn pvs_free_extents(&self, pvs: &[DevId]) -> u64 {
        pvs.iter().filter_map(|d| self.pv(*d)).map(|p| self.pv_free_extents(p)).sum()
    }

    /// Labels a device as a PV. Re-labelling an orphan PV lays it out again, as in lvm2.
    pub fn pvcreate(&mut self, new: &NewPv, uuid: String) -> Result<Vec<Event>, LvmError> {
        if let Some(vg) = self.pv(new.dev).and_then(|p| p.vg_name.clone()) {
            return Err(LvmError::AlreadyInVg { device: new.dev, vg });
        }
        // lvm.conf's pv_min_size: 2048 KiB.
        if new.size_bytes < 2 << 20 {
            return Err(LvmError::DeviceTooSmall(new.dev));
        }
        let (pe_start_bytes, mdas) = layout::pv_layout(new.size_bytes, &new.options)?;
        if let Some(pv) = self.pvs.iter_mut().find(|p| p.dev == new.dev) {
            pv.pe_start_bytes = pe_start_bytes;
            pv.mdas = mdas;
            return Ok(vec![Event::PvCreated { dev: new.name.clone() }]);
        }
        self.pvs.push(Pv {
            dev: new.dev,
            name: new.name.clone(),
            uuid,
            dev_size_bytes: new.size_bytes,
            pe_start_bytes,
            mdas,
            vg_name: None,
            pe_count: 0,
        });
        Ok(vec![Event::PvCreated { dev: new.name.clone() }])
    }

    /// `pvresize`: the PV takes the size its device has now. In a VG its
    /// extents are counted again (the caller has checked that no extent in
    /// use is lost) and the VG's metadata changes; a metadata area at the
    /// end moves with the end.
    #[cfg(feature = "lvm-extras")]
    pub fn pvresize(&mut self, dev: DevId, size_bytes: u64) -> Result<(), LvmError> {
        let vg = self.pv(dev).ok_or(LvmError::NotAPv(dev))?.vg_name.clone();
        let extent_bytes = vg.as_deref().and_then(|v| self.vg(v)).map(|v| v.extent_size_bytes);
        let pv = self.pvs.iter_mut().find(|p| p.dev == dev).ok_or(LvmError::NotAPv(dev))?;
        let mda1 = pv.mda1_bytes();
        if let Some(m) = pv.mdas.get_mut(1) {
            m.start_bytes = size_bytes.saturating_sub(mda1);
        }
        pv.dev_size_bytes = size_bytes;
        if let (Some(vg), Some(e)) = (vg, extent_bytes) {
            pv.pe_count = size_bytes.saturating_sub(pv.pe_start_bytes + mda1) / e;
            self.vg_mut(&vg)?.commit();
        }
        Ok(())
    }

    /// The extents `pvresize` would give `dev` at `size_bytes`, and the
    /// extent just past the last one an LV uses there.
    #[cfg(feature = "lvm-extras")]
    pub fn pvresize_extents(&self, dev: DevId, size_bytes: u64) -> Option<(u64, u64)> {
        let pv = self.pv(dev)?;
        let vg = self.vg(pv.vg_name.as_deref()?)?;
        let count = size_bytes.saturating_sub(pv.pe_start_bytes + pv.mda1_bytes()) / vg.extent_size_bytes;
        Some((count, vg.runs_on(dev).map(|r| r.2 + r.3).max().unwrap_or(0)))
    }

    pub fn pvremove(&mut self, dev: DevId) -> Result<Vec<Event>, LvmError> {
        let pv = self.pv(dev).ok_or(LvmError::NotAPv(dev))?;
        if let Some(vg) = &pv.vg_name {
            return Err(LvmError::PvInUseByVg { device: dev, vg: vg.clone() });
        }
        let name = pv.name.clone();
        self.pvs.retain(|p| p.dev != dev);
        Ok(vec![Event::PvRemoved { dev: name }])
    }

    fn join(&mut self, vg: &str, dev: DevId, extent_size_bytes: u64) {
        if let Some(pv) = self.pvs.iter_mut().find(|p| p.dev == dev) {
            pv.vg_name = Some(vg.to_string());
            pv.pe_count = pv.dev_size_bytes.saturating_sub(pv.pe_start_bytes + pv.mda1_bytes()) / extent_size_bytes;
        }
    }

    /// Checks that every device is an orphan PV or can become one.
    fn check_joinable(&self, devices: &[NewPv]) -> Result<(), LvmError> {
        for d in devices {
            if let Some(vg) = self.pv(d.dev).and_then(|p| p.vg_name.clone()) {
                return Err(LvmError::AlreadyInVg { device: d.dev, vg });
            }
        }
        Ok(())
    }

    /// Labels the devices that are not PVs yet, as vgcreate and vgextend do.
    fn create_missing_pvs(&mut self, devices: &[NewPv], uuids: &mut dyn FnMut() -> String) -> Result<Vec<Event>, LvmError> {
        let mut events = Vec::new();
        for d in devices {
            if self.pv(d.dev).is_none() {
                events.extend(self.pvcreate(d, uuids())?);
            }
        }
        Ok(events)
    }

    /// Creates a VG. Devices that are not yet PVs are initialised first.
    pub fn vgcreate(
        &mut self,
        name: &str,
        devices: &[NewPv],
        extent_size_bytes: u64,
        uuids: &mut dyn FnMut() -> String,
    ) -> Result<Vec<Event>, LvmError> {
        if self.vg(name).is_some() {
            return Err(LvmError::VgExists(name.to_string()));
        }
        if extent_size_bytes < 512 || !extent_size_bytes.is_power_of_two() && !extent_size_bytes.is_multiple_of(128 * 1024) {
            return Err(LvmError::InvalidExtentSize);
        }
        self.check_joinable(devices)?;
        let mut events = self.create_missing_pvs(devices, uuids)?;
        self.vgs.push(Vg {
            name: name.to_string(),
            uuid: uuids(),
            extent_size_bytes,
            pvs: devices.iter().map(|d| d.dev).collect(),
            lvs: Vec::new(),
            seqno: 1,
            description: String::new(),
        });
        for d in devices {
            self.join(name, d.dev, extent_size_bytes);
        }
        let pvs = devices.iter().filter_map(|d| self.pv(d.dev)).map(|p| (p.name.clone(), p.pe_count)).collect();
        events.push(Event::VgCreated { vg: name.to_string(), extent_bytes: extent_size_bytes, pvs });
        Ok(events)
    }

    pub fn vgextend(&mut self, name: &str, devices: &[NewPv], uuids: &mut dyn FnMut() -> String) -> Result<Vec<Event>, LvmError> {
        let extent = self.vg(name).ok_or_else(|| LvmError::NoSuchVg(name.to_string()))?.extent_size_bytes;
        self.check_joinable(devices)?;
        let mut events = self.create_missing_pvs(devices, uuids)?;
        let vg = self.vg_mut(name)?;
        vg.pvs.extend(devices.iter().map(|d| d.dev));
        vg.commit();
        for d in devices {
            self.join(name, d.dev, extent);
            let pe_count = self.pv(d.dev).map_or(0, |p| p.pe_count);
            events.push(Event::VgExtended { vg: name.to_string(), pv: d.name.clone(), pe_count });
        }
        Ok(events)
    }

    pub fn vgreduce(&mut self, name: &str, dev: DevId) -> Result<Vec<Event>, LvmError> {
        let vg = self.vg(name).ok_or_else(|| LvmError::NoSuchVg(name.to_string()))?;
        if !vg.pvs.contains(&dev) {
            return Err(LvmError::NotAPv(dev));
        }
        if vg.runs_on(dev).next().is_some() {
            return Err(LvmError::PvStillUsed(dev));
        }
        if vg.pvs.len() == 1 {
            return Err(LvmError::LastPv { vg: name.to_string() });
        }
        let vg = self.vg_mut(name)?;
        vg.pvs.retain(|d| *d != dev);
        vg.commit();
        let mut pv_name = String::new();
        if let Some(pv) = self.pvs.iter_mut().find(|p| p.dev == dev) {
            pv.vg_name = None;
            pv.pe_count = 0;
            pv_name = pv.name.clone();
        }
        Ok(vec![Event::VgReduced { vg: name.to_string(), pv: pv_name }])
    }

    /// Removes a VG and every LV in it; the PVs stay as orphans.
    pub fn vgremove(&mut self, name: &str) -> Result<Vec<Event>, LvmError> {
        let vg = self.vg(name).ok_or_else(|| LvmError::NoSuchVg(name.to_string()))?.clone();
        let mut events = Vec::new();
        for lv in &vg.lvs {
            events.push(Event::LvRemoved { vg: name.to_string(), lv: lv.name.clone() });
        }
        for pv in self.pvs.iter_mut().filter(|p| p.vg_name.as_deref() == Some(name)) {
            pv.vg_name = None;
            pv.pe_count = 0;
        }
        self.vgs.retain(|v| v.name != name);
        events.push(Event::VgRemoved { vg: name.to_string() });
        Ok(events)
    }

    /// Renames a VG: its PVs follow, and its LVs keep their UUIDs (lvm2's `vg_rename`).
#[cfg(feature = "vgrename")]
    pub fn vgrename(&mut self, from: &str, to: &str) -> Result<Vec<Event>, LvmError> {
        if self.vg(to).is_some() {
            return Err(LvmError::VgExists(to.to_string()));
        }
        let vg = self.vg_mut(from)?;
        vg.name = to.to_string();
        vg.commit();
        for pv in self.pvs.iter_mut().filter(|p| p.vg_name.as_deref() == Some(from)) {
            pv.vg_name = Some(to.to_string());
        }
        Ok(vec![Event::VgRenamed { from: from.to_string(), to: to.to_string() }])
    }

    /// Points everything that used device `old` at `new` (a PV found again on a
    /// re-registered device), and refreshes its printed name.
    pub fn rebind(&mut self, old: DevId, new: DevId, name: &str) {
        for pv in self.pvs.iter_mut().filter(|p| p.dev == old) {
            pv.dev = new;
            pv.name = name.to_string();
        }
        for vg in &mut self.vgs {
            for d in vg.pvs.iter_mut().filter(|d| **d == old) {
                *d = new;
            }
            for a in vg.lvs.iter_mut().flat_map(|l| l.segments.iter_mut()).flat_map(|s| s.areas.iter_mut()).filter(|a| a.pv == old) {
                a.pv = new;
            }
        }
    }

    /// Drops an orphan PV whose device is gone (a PV in a VG stays, missing).
    pub fn forget_orphan(&mut self, dev: DevId) {
        self.pvs.retain(|p| p.dev != dev || p.vg_name.is_some());
    }

    /// Checks the model's own invariants; used by property tests.
    pub fn check_invariants(&self) -> Result<(), String> {
        for vg in &self.vgs {
            let total = self.vg_extent_count(vg);
            let used: u64 = vg.lvs.iter().flat_map(|l| l.segments.iter()).map(|s| s.area_len() * s.stripes()).sum();
            if vg.lvs.iter().flat_map(|l| l.segments.iter()).any(|s| s.extent_count % s.stripes() != 0) {
                return Err(format!("VG {}: a striped segment is not whole rows", vg.name));
            }
            if used + self.vg_free_extents(vg) != total {
                return Err(format!("VG {}: free + used != total", vg.name));
            }
            for d in &vg.pvs {
                let Some(pv) = self.pv(*d) else { return Err(format!("VG {} lists a missing PV", vg.name)) };
                let mut runs: Vec<(u64, u64)> = vg.runs_on(*d).map(|r| (r.2, r.3)).collect();
                crate::core::order::small_sort(&mut runs);
                if runs.windows(2).any(|w| w[0].0 + w[0].1 > w[1].0) {
                    return Err(format!("extent on {} belongs to two LVs", pv.name));
                }
                if runs.last().is_some_and(|r| r.0 + r.1 > pv.pe_count) {
                    return Err(format!("segment beyond the end of {}", pv.name));
                }
            }
            thin::check_pools(vg)?;
            if vg.lvs.iter().filter(|l| l.is_pmspare()).count() > 1 {
                return Err(format!("VG {}: more than one spare metadata volume", vg.name));
            }
            let mut names: Vec<&str> = vg.lvs.iter().map(|l| l.name.as_str()).collect();
            crate::core::order::small_sort(&mut names);
            if names.windows(2).any(|w| w[0] == w[1]) {
                return Err(format!("VG {}: two LVs share a name", vg.name));
            }
        }
        Ok(())
    }
}

/// An LVM UUID: 32 characters from [A-Za-z0-9] in lvm2's 6-4-4-4-4-4-6 grouping.
pub fn format_lvm_uuid(random: &mut dyn FnMut() -> u64) -> String {
    const CHARS: &[u8] = b"0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
    let mut out = String::with_capacity(38);
    for (i, group) in [6, 4, 4, 4, 4, 4, 6].iter().enumerate() {
        if i > 0 {
            out.push('-');
        }
        for _ in 0..*group {
            out.push(CHARS[(random() % CHARS.len() as u64) as usize] as char);
        }
    }
    out
}
