//! LVM2 as a data model: physical volumes cut into extents, volume groups pooling
//! them, and logical volumes mapping runs of logical extents onto physical ones,
//! including thin pools and thin volumes.
//!
//! Numbers follow lvm2 2.03.16: the data area starts 1 MiB into a PV, the default
//! extent is 4 MiB, a PV holds floor((size - pe_start) / extent) extents, and
//! allocation takes the lowest free extents of each PV in VG order. A thin pool
//! gets lvm2's "generic" chunk size (64 KiB, doubled until the metadata estimate
//! fits 128 MiB), metadata of 64 bytes per chunk (2 MiB at least, whole extents),
//! and a spare metadata LV (`lvolN_pmspare`) as large as the largest pool
//! metadata; the spare is allocated first, then the pool's data, then its
//! metadata. Simplified: no on-disk metadata text is written, there is one
//! metadata area per PV, no mirrors, RAID, cache or snapshots, and a thin pool's
//! metadata usage is estimated from its mapped chunks.

use super::event::Event;

/// Where the first physical extent starts on a new PV: 1 MiB.
pub const DEFAULT_PE_START_BYTES: u64 = 1024 * 1024;
/// The extent size `vgcreate` uses without `-s`: 4 MiB.
pub const DEFAULT_EXTENT_BYTES: u64 = 4 * 1024 * 1024;
/// The chunk size of a new thin pool: 64 KiB.
pub const DEFAULT_THIN_CHUNK_BYTES: u64 = 64 * 1024;
/// The smallest thin pool metadata LV lvm2 creates: 2 MiB.
pub const MIN_THIN_META_BYTES: u64 = 2 * 1024 * 1024;
/// The metadata size above which the generic policy doubles the chunk size: 128 MiB.
pub const OPTIMAL_THIN_META_BYTES: u64 = 128 * 1024 * 1024;
/// The largest thin pool chunk: 1 GiB.
pub const MAX_THIN_CHUNK_BYTES: u64 = 1024 * 1024 * 1024;
/// The largest usable (uncropped) thin pool metadata: 255 * (2^14 - 64) * 4 KiB.
pub const MAX_THIN_META_BYTES: u64 = 255 * ((1 << 14) - 64) * 4 * 1024;

/// A physical volume: a block device with an LVM label.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pv {
    /// Device path, such as `/dev/sdb` or `/dev/sda3`.
    pub device: String,
    pub uuid: String,
    pub dev_size_bytes: u64,
    pub pe_start_bytes: u64,
    pub vg_name: Option<String>,
    /// Extents on this PV; set when it joins a VG (0 while orphaned).
    pub pe_count: u64,
}

/// One run of logical extents mapped to consecutive physical extents on one PV.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Segment {
    pub le_start: u64,
    pub extent_count: u64,
    pub pv: String,
    pub pe_start: u64,
}

/// What a logical volume is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LvKind {
    /// A plain linear (or striped-free) volume.
    Linear,
    /// A thin pool; its data and metadata live in the hidden `_tdata`/`_tmeta` LVs.
    ThinPool { chunk_size_bytes: u64, used_chunks: u64, out_of_space: bool, tpool_minor: Option<u32> },
    /// A thin volume: virtual size, with chunks taken from `pool` as it is written.
    Thin { pool: String, virtual_bytes: u64, mapped_chunks: u64 },
    /// A hidden sub-volume (`[pool_tdata]`, `[pool_tmeta]`, `[lvol0_pmspare]`).
    Hidden,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lv {
    pub name: String,
    pub uuid: String,
    pub kind: LvKind,
    pub segments: Vec<Segment>,
    pub active: bool,
    /// The device-mapper minor while active.
    pub dm_minor: Option<u32>,
}

impl Lv {
    pub fn extent_count(&self) -> u64 {
        self.segments.iter().map(|s| s.extent_count).sum()
    }

    pub fn is_hidden(&self) -> bool {
        matches!(self.kind, LvKind::Hidden)
    }

    /// The spare pool metadata LV (`[lvol0_pmspare]`).
    pub fn is_pmspare(&self) -> bool {
        self.is_hidden() && self.name.ends_with("_pmspare")
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Vg {
    pub name: String,
    pub uuid: String,
    pub extent_size_bytes: u64,
    /// Member PV device paths, in the order they joined.
    pub pv_devices: Vec<String>,
    pub lvs: Vec<Lv>,
    pub seqno: u64,
}

impl Vg {
    pub fn lv(&self, name: &str) -> Option<&Lv> {
        self.lvs.iter().find(|l| l.name == name)
    }

    pub fn lv_mut(&mut self, name: &str) -> Option<&mut Lv> {
        self.lvs.iter_mut().find(|l| l.name == name)
    }

    /// The spare pool metadata LV, if the VG has one.
    pub fn pmspare(&self) -> Option<&Lv> {
        self.lvs.iter().find(|l| l.is_pmspare())
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

    /// Thin volumes of `pool`, in creation order.
    pub fn thin_users(&self, pool: &str) -> Vec<&Lv> {
        self.lvs.iter().filter(|l| matches!(&l.kind, LvKind::Thin { pool: p, .. } if p == pool)).collect()
    }

    /// The size an LV shows: a pool shows its data LV, a thin LV its virtual size.
    pub fn lv_size_bytes(&self, lv: &Lv) -> u64 {
        match &lv.kind {
            LvKind::Thin { virtual_bytes, .. } => *virtual_bytes,
            LvKind::ThinPool { .. } => self
                .lv(&format!("{}_tdata", lv.name))
                .map_or(0, |d| d.extent_count() * self.extent_size_bytes),
            _ => lv.extent_count() * self.extent_size_bytes,
        }
    }
}

/// Why an LVM operation was refused. The console renders each as lvm2's message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LvmError {
    NoSuchDevice(String),
    DeviceTooSmall(String),
    AlreadyInVg { device: String, vg: String },
    NotAPv(String),
    PvInUseByVg { device: String, vg: String },
    VgExists(String),
    NoSuchVg(String),
    NoSuchLv { vg: String, lv: String },
    LvExists { vg: String, lv: String },
    InsufficientFreeSpace { vg: String, free_extents: u64, needed_extents: u64 },
    InsufficientExtents { needed: u64, available: u64 },
    PvStillUsed(String),
    LastPv { vg: String },
    VgHasLvs { vg: String, count: usize },
    SizeUnchanged { extents: u64 },
    InvalidExtentSize,
    NotAThinPool { vg: String, lv: String },
    LvInUse { vg: String, lv: String },
}

/// The sentences follow lvm2's own messages for the same conditions.
impl std::fmt::Display for LvmError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            LvmError::NoSuchDevice(d) => write!(f, "No device found for {d}."),
            LvmError::DeviceTooSmall(d) => write!(f, "Cannot use {d}: device is too small (pv_min_size)"),
            LvmError::AlreadyInVg { device, vg } => write!(f, "Physical volume '{device}' is already in volume group '{vg}'"),
            LvmError::NotAPv(d) => write!(f, "No PV found on device {d}."),
            LvmError::PvInUseByVg { device, vg } => write!(f, "PV {device} is used by VG {vg} so please use vgreduce first."),
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
            LvmError::PvStillUsed(d) => write!(f, "Physical volume \"{d}\" still in use"),
            LvmError::LastPv { vg } => write!(f, "Can't remove final physical volume from volume group \"{vg}\""),
            LvmError::VgHasLvs { vg, count } => write!(f, "Volume group \"{vg}\" still contains {count} logical volume(s)"),
            LvmError::SizeUnchanged { extents } => write!(f, "New size ({extents} extents) matches existing size ({extents} extents)."),
            LvmError::InvalidExtentSize => write!(f, "Physical extent size may not be zero or this small."),
            LvmError::NotAThinPool { vg, lv } => write!(f, "Logical volume {vg}/{lv} is not a thin pool."),
            LvmError::LvInUse { vg, lv } => write!(f, "Logical volume {vg}/{lv} contains a filesystem in use."),
        }
    }
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
    pub fn pv(&self, device: &str) -> Option<&Pv> {
        self.pvs.iter().find(|p| p.device == device)
    }

    pub fn vg(&self, name: &str) -> Option<&Vg> {
        self.vgs.iter().find(|v| v.name == name)
    }

    fn vg_mut(&mut self, name: &str) -> Result<&mut Vg, LvmError> {
        self.vgs.iter_mut().find(|v| v.name == name).ok_or_else(|| LvmError::NoSuchVg(name.to_string()))
    }

    /// Extents of `pv` that no LV segment uses, as sorted (start, count) runs.
    pub fn free_runs(&self, pv: &Pv) -> Vec<(u64, u64)> {
        let Some(vg) = pv.vg_name.as_deref().and_then(|n| self.vg(n)) else { return Vec::new() };
        let mut used: Vec<(u64, u64)> = vg
            .lvs
            .iter()
            .flat_map(|l| l.segments.iter())
            .filter(|s| s.pv == pv.device)
            .map(|s| (s.pe_start, s.extent_count))
            .collect();
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
        vg.pv_devices.iter().filter_map(|d| self.pv(d)).map(|p| p.pe_count).sum()
    }

    pub fn vg_free_extents(&self, vg: &Vg) -> u64 {
        vg.pv_devices.iter().filter_map(|d| self.pv(d)).map(|p| self.pv_free_extents(p)).sum()
    }

    /// Labels a device as a PV. Re-labelling an orphan PV is allowed, as in lvm2.
    pub fn pvcreate(&mut self, device: &str, dev_size_bytes: u64, uuid: String) -> Result<Vec<Event>, LvmError> {
        if let Some(pv) = self.pv(device) {
            if let Some(vg) = &pv.vg_name {
                return Err(LvmError::AlreadyInVg { device: device.to_string(), vg: vg.clone() });
            }
            return Ok(vec![Event::PvCreated { dev: device.to_string() }]);
        }
        if dev_size_bytes < DEFAULT_PE_START_BYTES + DEFAULT_EXTENT_BYTES {
            return Err(LvmError::DeviceTooSmall(device.to_string()));
        }
        self.pvs.push(Pv {
            device: device.to_string(),
            uuid,
            dev_size_bytes,
            pe_start_bytes: DEFAULT_PE_START_BYTES,
            vg_name: None,
            pe_count: 0,
        });
        Ok(vec![Event::PvCreated { dev: device.to_string() }])
    }

    pub fn pvremove(&mut self, device: &str) -> Result<Vec<Event>, LvmError> {
        let pv = self.pv(device).ok_or_else(|| LvmError::NotAPv(device.to_string()))?;
        if let Some(vg) = &pv.vg_name {
            return Err(LvmError::PvInUseByVg { device: device.to_string(), vg: vg.clone() });
        }
        self.pvs.retain(|p| p.device != device);
        Ok(vec![Event::PvRemoved { dev: device.to_string() }])
    }

    fn join(&mut self, vg: &str, device: &str, extent_size_bytes: u64) {
        if let Some(pv) = self.pvs.iter_mut().find(|p| p.device == device) {
            pv.vg_name = Some(vg.to_string());
            pv.pe_count = pv.dev_size_bytes.saturating_sub(pv.pe_start_bytes) / extent_size_bytes;
        }
    }

    /// Checks that every device is an orphan PV or can become one.
    fn check_joinable(&self, devices: &[(String, u64)]) -> Result<(), LvmError> {
        for (d, _) in devices {
            if let Some(vg) = self.pv(d).and_then(|p| p.vg_name.clone()) {
                return Err(LvmError::AlreadyInVg { device: d.clone(), vg });
            }
        }
        Ok(())
    }

    /// Creates a VG. Devices that are not yet PVs are initialised first, as
    /// `vgcreate` does; `devices` pairs each path with its size.
    pub fn vgcreate(
        &mut self,
        name: &str,
        devices: &[(String, u64)],
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
        let mut events = Vec::new();
        for (d, size) in devices {
            if self.pv(d).is_none() {
                events.extend(self.pvcreate(d, *size, uuids())?);
            }
        }
        self.vgs.push(Vg {
            name: name.to_string(),
            uuid: uuids(),
            extent_size_bytes,
            pv_devices: devices.iter().map(|d| d.0.clone()).collect(),
            lvs: Vec::new(),
            seqno: 1,
        });
        for (d, _) in devices {
            self.join(name, d, extent_size_bytes);
        }
        events.push(Event::VgCreated { vg: name.to_string() });
        Ok(events)
    }

    pub fn vgextend(
        &mut self,
        name: &str,
        devices: &[(String, u64)],
        uuids: &mut dyn FnMut() -> String,
    ) -> Result<Vec<Event>, LvmError> {
        let extent = self.vg(name).ok_or_else(|| LvmError::NoSuchVg(name.to_string()))?.extent_size_bytes;
        self.check_joinable(devices)?;
        let mut events = Vec::new();
        for (d, size) in devices {
            if self.pv(d).is_none() {
                events.extend(self.pvcreate(d, *size, uuids())?);
            }
        }
        let vg = self.vg_mut(name)?;
        vg.pv_devices.extend(devices.iter().map(|d| d.0.clone()));
        vg.seqno += 1;
        for (d, _) in devices {
            self.join(name, d, extent);
            events.push(Event::VgExtended { vg: name.to_string(), pv: d.clone() });
        }
        Ok(events)
    }

    pub fn vgreduce(&mut self, name: &str, device: &str) -> Result<Vec<Event>, LvmError> {
        let vg = self.vg(name).ok_or_else(|| LvmError::NoSuchVg(name.to_string()))?;
        if !vg.pv_devices.iter().any(|d| d == device) {
            return Err(LvmError::NotAPv(device.to_string()));
        }
        if vg.lvs.iter().flat_map(|l| l.segments.iter()).any(|s| s.pv == device) {
            return Err(LvmError::PvStillUsed(device.to_string()));
        }
        if vg.pv_devices.len() == 1 {
            return Err(LvmError::LastPv { vg: name.to_string() });
        }
        let vg = self.vg_mut(name)?;
        vg.pv_devices.retain(|d| d != device);
        vg.seqno += 1;
        if let Some(pv) = self.pvs.iter_mut().find(|p| p.device == device) {
            pv.vg_name = None;
            pv.pe_count = 0;
        }
        Ok(vec![Event::VgReduced { vg: name.to_string(), pv: device.to_string() }])
    }

    /// Removes a VG and every LV in it; the PVs stay as orphans.
    pub fn vgremove(&mut self, name: &str) -> Result<Vec<Event>, LvmError> {
        let vg = self.vg(name).ok_or_else(|| LvmError::NoSuchVg(name.to_string()))?.clone();
        let mut events = Vec::new();
        for lv in vg.lvs.iter().filter(|l| !l.is_hidden()) {
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

    /// Picks `extents` free extents: lowest free runs first, PVs in VG order.
    fn allocate(&self, vg: &Vg, extents: u64, avoid: &[String]) -> Result<Vec<(String, u64, u64)>, LvmError> {
        let mut left = extents;
        let mut picks = Vec::new();
        for d in vg.pv_devices.iter().filter(|d| !avoid.contains(d)) {
            let Some(pv) = self.pv(d) else { continue };
            for (start, count) in self.free_runs(pv) {
                if left == 0 {
                    break;
                }
                let take = count.min(left);
                picks.push((d.clone(), start, take));
                left -= take;
            }
        }
        if left > 0 {
            return Err(LvmError::InsufficientFreeSpace {
                vg: vg.name.clone(),
                free_extents: self.vg_free_extents(vg),
                needed_extents: extents,
            });
        }
        Ok(picks)
    }

    fn next_minor(&mut self) -> u32 {
        let m = self.next_dm_minor;
        self.next_dm_minor += 1;
        m
    }

    /// Appends `extents` extents to an LV (creating it if `kind` is given).
    fn grow_segments(&mut self, vg_name: &str, lv_name: &str, extents: u64) -> Result<Vec<Event>, LvmError> {
        let vg = self.vg(vg_name).ok_or_else(|| LvmError::NoSuchVg(vg_name.to_string()))?;
        let picks = self.allocate(vg, extents, &[])?;
        let vg = self.vg_mut(vg_name)?;
        let lv = vg.lv_mut(lv_name).ok_or_else(|| LvmError::NoSuchLv { vg: vg_name.into(), lv: lv_name.into() })?;
        let mut le = lv.extent_count();
        let mut events = Vec::new();
        for (pv, pe_start, count) in picks {
            // Extending onto the physically next extents merges into the last segment.
            match lv.segments.last_mut() {
                Some(last) if last.pv == pv && last.pe_start + last.extent_count == pe_start => {
                    last.extent_count += count
                }
                _ => lv.segments.push(Segment { le_start: le, extent_count: count, pv: pv.clone(), pe_start }),
            }
            le += count;
            events.push(Event::ExtentsAllocated {
                vg: vg_name.into(),
                lv: lv_name.into(),
                pv,
                pe_start,
                count,
            });
        }
        vg.seqno += 1;
        Ok(events)
    }

    /// Creates a linear LV of `extents` extents.
    pub fn lvcreate_linear(&mut self, vg_name: &str, lv_name: &str, extents: u64, uuid: String) -> Result<Vec<Event>, LvmError> {
        self.check_new_lv(vg_name, lv_name)?;
        let vg = self.vg(vg_name).ok_or_else(|| LvmError::NoSuchVg(vg_name.to_string()))?;
        self.allocate(vg, extents, &[])?;
        let minor = self.next_minor();
        self.vg_mut(vg_name)?.lvs.push(Lv {
            name: lv_name.into(),
            uuid,
            kind: LvKind::Linear,
            segments: Vec::new(),
            active: true,
            dm_minor: Some(minor),
        });
        let mut events = vec![Event::LvCreated { vg: vg_name.into(), lv: lv_name.into() }];
        events.extend(self.grow_segments(vg_name, lv_name, extents)?);
        Ok(events)
    }

    fn check_new_lv(&self, vg_name: &str, lv_name: &str) -> Result<(), LvmError> {
        let vg = self.vg(vg_name).ok_or_else(|| LvmError::NoSuchVg(vg_name.to_string()))?;
        if vg.lv(lv_name).is_some() {
            return Err(LvmError::LvExists { vg: vg_name.into(), lv: lv_name.into() });
        }
        Ok(())
    }

    /// lvm2's estimate of the metadata a pool needs, in bytes: 64 bytes per chunk
    /// (`_estimate_metadata_size`, computed in 512-byte sectors).
    pub fn thin_meta_estimate_bytes(data_bytes: u64, chunk_bytes: u64) -> u64 {
        (data_bytes / 512) / ((chunk_bytes / 512).max(1) * 8) * 512
    }

    /// The metadata LV size `lvcreate` picks for a pool (lvm2's
    /// `update_thin_pool_params`): the estimate rounded up to whole extents, then
    /// kept between 2 MiB and the usable maximum (both rounded up to whole extents).
    pub fn lvcreate_meta_extents(data_bytes: u64, chunk_bytes: u64, extent_bytes: u64) -> u64 {
        let round = |b: u64| b.div_ceil(extent_bytes) * extent_bytes;
        let bytes = round(Self::thin_meta_estimate_bytes(data_bytes, chunk_bytes))
            .clamp(round(MIN_THIN_META_BYTES), round(MAX_THIN_META_BYTES));
        bytes / extent_bytes
    }

    /// The metadata the lab host's installer reserves for its `data` pool: twice
    /// lvm2's estimate, at least 2 MiB, in whole extents. (`lvcreate` itself uses
    /// `lvcreate_meta_extents`.)
    pub fn thin_meta_extents(data_bytes: u64, chunk_bytes: u64, extent_bytes: u64) -> u64 {
        let bytes = (data_bytes / chunk_bytes * 64 * 2).max(MIN_THIN_META_BYTES);
        bytes.div_ceil(extent_bytes)
    }

    /// The chunk size of lvm2's "generic" policy: 64 KiB, doubled while the
    /// metadata estimate exceeds 128 MiB (up to 1 GiB chunks).
    pub fn thin_chunk_bytes(data_bytes: u64) -> u64 {
        let mut chunk = DEFAULT_THIN_CHUNK_BYTES;
        let mut meta = Self::thin_meta_estimate_bytes(data_bytes, chunk);
        while meta > OPTIMAL_THIN_META_BYTES && chunk < MAX_THIN_CHUNK_BYTES {
            chunk <<= 1;
            meta >>= 1;
        }
        chunk
    }

    /// How much data a pool with this chunk size can address (lvm2's
    /// "can address at most" figure).
    pub fn thin_max_data_bytes(chunk_bytes: u64) -> u64 {
        MAX_THIN_META_BYTES / 64 * chunk_bytes
    }

    /// Creates a thin pool with its hidden data, metadata and spare-metadata LVs
    /// the way the lab host's installer does (`thin_meta_extents` of metadata,
    /// lvm2's default chunk size).
    pub fn lvcreate_thin_pool(
        &mut self,
        vg_name: &str,
        pool: &str,
        data_extents: u64,
        uuids: &mut dyn FnMut() -> String,
    ) -> Result<Vec<Event>, LvmError> {
        let extent = self.vg(vg_name).ok_or_else(|| LvmError::NoSuchVg(vg_name.to_string()))?.extent_size_bytes;
        let chunk = Self::thin_chunk_bytes(data_extents * extent);
        let meta = Self::thin_meta_extents(data_extents * extent, chunk, extent);
        self.lvcreate_thin_pool_sized(vg_name, pool, data_extents, meta, chunk, uuids)
    }

    /// Creates a thin pool as lvm2 does: first the spare metadata LV is created
    /// (or grown) to `meta_extents`, then the pool's data and its metadata are
    /// allocated, data first. Fails like lvm2: `InsufficientFreeSpace` when the
    /// spare or the data alone does not fit, `InsufficientExtents` when data and
    /// metadata together do not; nothing changes on failure.
    pub fn lvcreate_thin_pool_sized(
        &mut self,
        vg_name: &str,
        pool: &str,
        data_extents: u64,
        meta_extents: u64,
        chunk_size_bytes: u64,
        uuids: &mut dyn FnMut() -> String,
    ) -> Result<Vec<Event>, LvmError> {
        self.check_new_lv(vg_name, pool)?;
        let vg = self.vg(vg_name).ok_or_else(|| LvmError::NoSuchVg(vg_name.to_string()))?;
        let free = self.vg_free_extents(vg);
        let spare_now = vg.pmspare().map(|l| l.extent_count());
        let spare_grow = match spare_now {
            None => meta_extents,
            Some(have) => meta_extents.saturating_sub(have),
        };
        if spare_now.is_none() && spare_grow > free {
            return Err(LvmError::InsufficientFreeSpace { vg: vg_name.into(), free_extents: free, needed_extents: spare_grow });
        }
        let free_after_spare = free.saturating_sub(spare_grow);
        if data_extents > free_after_spare {
            return Err(LvmError::InsufficientFreeSpace { vg: vg_name.into(), free_extents: free_after_spare, needed_extents: data_extents });
        }
        if data_extents + meta_extents > free_after_spare {
            return Err(LvmError::InsufficientExtents { needed: data_extents + meta_extents, available: free_after_spare });
        }
        let mut events = Vec::new();
        match vg.pmspare().map(|l| l.name.clone()) {
            None => {
                let name = format!("lvol{}_pmspare", vg.next_lvol_index());
                let uuid = uuids();
                self.vg_mut(vg_name)?.lvs.push(Lv { name: name.clone(), uuid, kind: LvKind::Hidden, segments: Vec::new(), active: false, dm_minor: None });
                events.extend(self.grow_segments(vg_name, &name, meta_extents)?);
            }
            Some(name) if spare_grow > 0 => events.extend(self.grow_segments(vg_name, &name, spare_grow)?),
            Some(_) => {}
        }
        // Activation brings the metadata device up before the data device, so
        // `_tmeta` takes the lower device-mapper minor (PVE: 253:2 and 253:3).
        let meta_minor = self.next_minor();
        let data_minor = self.next_minor();
        for (name, extents, minor) in [(format!("{pool}_tdata"), data_extents, data_minor), (format!("{pool}_tmeta"), meta_extents, meta_minor)] {
            let uuid = uuids();
            let dm_minor = Some(minor);
            self.vg_mut(vg_name)?.lvs.push(Lv { name: name.clone(), uuid, kind: LvKind::Hidden, segments: Vec::new(), active: true, dm_minor });
            events.extend(self.grow_segments(vg_name, &name, extents)?);
        }
        let minor = self.next_minor();
        let uuid = uuids();
        self.vg_mut(vg_name)?.lvs.push(Lv {
            name: pool.into(),
            uuid,
            kind: LvKind::ThinPool { chunk_size_bytes, used_chunks: 0, out_of_space: false, tpool_minor: None },
            segments: Vec::new(),
            active: true,
            dm_minor: Some(minor),
        });
        events.insert(0, Event::LvCreated { vg: vg_name.into(), lv: pool.into() });
        Ok(events)
    }

    /// Grows the spare metadata LV to the largest pool metadata LV, as lvm2 does
    /// after pool metadata grows; silently does nothing without room.
    pub fn grow_pmspare(&mut self, vg_name: &str) -> Vec<Event> {
        let Some(vg) = self.vg(vg_name) else { return Vec::new() };
        let Some(spare) = vg.pmspare() else { return Vec::new() };
        let largest = vg.lvs.iter().filter(|l| l.is_hidden() && l.name.ends_with("_tmeta")).map(|l| l.extent_count()).max().unwrap_or(0);
        let grow = largest.saturating_sub(spare.extent_count());
        if grow == 0 || grow > self.vg_free_extents(vg) {
            return Vec::new();
        }
        let name = spare.name.clone();
        self.grow_segments(vg_name, &name, grow).unwrap_or_default()
    }

    /// Creates a thin LV of `virtual_bytes` (rounded up to extents) in `pool`.
    pub fn lvcreate_thin(&mut self, vg_name: &str, pool: &str, lv_name: &str, virtual_bytes: u64, uuid: String) -> Result<Vec<Event>, LvmError> {
        self.check_new_lv(vg_name, lv_name)?;
        let vg = self.vg(vg_name).ok_or_else(|| LvmError::NoSuchVg(vg_name.to_string()))?;
        match vg.lv(pool).map(|l| &l.kind) {
            Some(LvKind::ThinPool { .. }) => {}
            Some(_) => return Err(LvmError::NotAThinPool { vg: vg_name.into(), lv: pool.into() }),
            None => return Err(LvmError::NoSuchLv { vg: vg_name.into(), lv: pool.into() }),
        }
        // The first thin volume makes lvm2 stack a `-tpool` device under the pool.
        let needs_tpool = matches!(vg.lv(pool).map(|l| &l.kind), Some(LvKind::ThinPool { tpool_minor: None, .. }));
        if needs_tpool {
            let m = self.next_minor();
            if let Some(LvKind::ThinPool { tpool_minor, .. }) = self.vg_mut(vg_name)?.lv_mut(pool).map(|l| &mut l.kind) {
                *tpool_minor = Some(m);
            }
        }
        let minor = self.next_minor();
        self.vg_mut(vg_name)?.lvs.push(Lv {
            name: lv_name.into(),
            uuid,
            kind: LvKind::Thin { pool: pool.into(), virtual_bytes, mapped_chunks: 0 },
            segments: Vec::new(),
            active: true,
            dm_minor: Some(minor),
        });
        Ok(vec![Event::LvCreated { vg: vg_name.into(), lv: lv_name.into() }])
    }

    /// Sum of thin volume sizes in a pool, for the over-provisioning warning.
    pub fn thin_virtual_total(&self, vg: &Vg, pool: &str) -> u64 {
        vg.lvs
            .iter()
            .filter_map(|l| match &l.kind {
                LvKind::Thin { pool: p, virtual_bytes, .. } if p == pool => Some(*virtual_bytes),
                _ => None,
            })
            .sum()
    }

    /// Total chunks a pool's data LV holds.
    pub fn pool_total_chunks(vg: &Vg, pool: &Lv) -> u64 {
        match pool.kind {
            LvKind::ThinPool { chunk_size_bytes, .. } => vg.lv_size_bytes(pool) / chunk_size_bytes,
            _ => 0,
        }
    }

    /// Writes `bytes` from offset `offset_bytes` of a thin LV: chunks not yet
    /// mapped are taken from the pool. Returns the bytes actually written (less when
    /// the pool fills) and the events.
    pub fn write_thin(&mut self, vg_name: &str, lv_name: &str, offset_bytes: u64, bytes: u64) -> Result<(u64, Vec<Event>), LvmError> {
        let vg = self.vg(vg_name).ok_or_else(|| LvmError::NoSuchVg(vg_name.to_string()))?;
        let lv = vg.lv(lv_name).ok_or_else(|| LvmError::NoSuchLv { vg: vg_name.into(), lv: lv_name.into() })?;
        let LvKind::Thin { pool, virtual_bytes, mapped_chunks } = lv.kind.clone() else {
            return Ok((bytes, Vec::new()));
        };
        let pool_lv = vg.lv(&pool).ok_or_else(|| LvmError::NoSuchLv { vg: vg_name.into(), lv: pool.clone() })?;
        let LvKind::ThinPool { chunk_size_bytes, used_chunks, .. } = pool_lv.kind else {
            return Err(LvmError::NotAThinPool { vg: vg_name.into(), lv: pool });
        };
        let total = Self::pool_total_chunks(vg, pool_lv);
        let end = (offset_bytes.saturating_add(bytes)).min(virtual_bytes);
        // Writes are modelled as sequential from the start, so the mapped chunks are
        // the high-water mark of what was written.
        let want_chunks = end.div_ceil(chunk_size_bytes);
        let new_chunks = want_chunks.saturating_sub(mapped_chunks);
        let grant = new_chunks.min(total.saturating_sub(used_chunks));
        let full = grant < new_chunks;
        let written = if full {
            ((mapped_chunks + grant) * chunk_size_bytes).saturating_sub(offset_bytes).min(bytes)
        } else {
            end.saturating_sub(offset_bytes)
        };
        let vg = self.vg_mut(vg_name)?;
        if let Some(LvKind::ThinPool { used_chunks, out_of_space, .. }) = vg.lv_mut(&pool).map(|l| &mut l.kind) {
            *used_chunks += grant;
            *out_of_space = full;
        }
        if let Some(LvKind::Thin { mapped_chunks, .. }) = vg.lv_mut(lv_name).map(|l| &mut l.kind) {
            *mapped_chunks += grant;
        }
        let mut events = Vec::new();
        if grant > 0 {
            events.push(Event::ThinChunksAllocated { vg: vg_name.into(), pool: pool.clone(), lv: lv_name.into(), chunks: grant });
        }
        if full {
            events.push(Event::ThinPoolFull { vg: vg_name.into(), pool });
        }
        Ok((written, events))
    }

    /// Resizes an LV to `new_extents`; shrinking frees the highest logical extents.
    pub fn lvresize(&mut self, vg_name: &str, lv_name: &str, new_extents: u64) -> Result<Vec<Event>, LvmError> {
        let vg = self.vg(vg_name).ok_or_else(|| LvmError::NoSuchVg(vg_name.to_string()))?;
        let lv = vg.lv(lv_name).ok_or_else(|| LvmError::NoSuchLv { vg: vg_name.into(), lv: lv_name.into() })?;
        let extent = vg.extent_size_bytes;
        let old = lv.extent_count();
        if let LvKind::Thin { virtual_bytes, .. } = lv.kind {
            let old_ext = virtual_bytes / extent;
            if old_ext == new_extents {
                return Err(LvmError::SizeUnchanged { extents: old_ext });
            }
            let vg = self.vg_mut(vg_name)?;
            if let Some(LvKind::Thin { virtual_bytes, mapped_chunks, pool }) = vg.lv_mut(lv_name).map(|l| &mut l.kind) {
                *virtual_bytes = new_extents * extent;
                let _ = (mapped_chunks, pool);
            }
            return Ok(vec![Event::LvResized { vg: vg_name.into(), lv: lv_name.into(), old_bytes: old_ext * extent, new_bytes: new_extents * extent }]);
        }
        let (target, old) = if matches!(lv.kind, LvKind::ThinPool { .. }) {
            let data = format!("{lv_name}_tdata");
            let old = vg.lv(&data).map_or(0, |d| d.extent_count());
            (data, old)
        } else {
            (lv_name.to_string(), old)
        };
        if new_extents == old {
            return Err(LvmError::SizeUnchanged { extents: old });
        }
        let mut events = Vec::new();
        if new_extents > old {
            let vg = self.vg(vg_name).ok_or_else(|| LvmError::NoSuchVg(vg_name.to_string()))?;
            let free = self.vg_free_extents(vg);
            if new_extents - old > free {
                return Err(LvmError::InsufficientExtents { needed: new_extents - old, available: free });
            }
            events.extend(self.grow_segments(vg_name, &target, new_extents - old)?);
            if let Some(LvKind::ThinPool { out_of_space, .. }) = self.vg_mut(vg_name)?.lv_mut(lv_name).map(|l| &mut l.kind) {
                *out_of_space = false;
            }
        } else {
            let vg = self.vg_mut(vg_name)?;
            let lv = vg.lv_mut(&target).ok_or_else(|| LvmError::NoSuchLv { vg: vg_name.into(), lv: target.clone() })?;
            let mut drop = old - new_extents;
            while drop > 0 {
                let Some(last) = lv.segments.last_mut() else { break };
                let take = last.extent_count.min(drop);
                events.push(Event::ExtentsFreed {
                    vg: vg_name.into(),
                    lv: target.clone(),
                    pv: last.pv.clone(),
                    pe_start: last.pe_start + last.extent_count - take,
                    count: take,
                });
                last.extent_count -= take;
                drop -= take;
                if last.extent_count == 0 {
                    lv.segments.pop();
                }
            }
            vg.seqno += 1;
        }
        events.insert(0, Event::LvResized { vg: vg_name.into(), lv: lv_name.into(), old_bytes: old * extent, new_bytes: new_extents * extent });
        Ok(events)
    }

    /// Removes an LV; removing a pool removes its hidden LVs (and its thin LVs must
    /// be gone first).
    pub fn lvremove(&mut self, vg_name: &str, lv_name: &str) -> Result<Vec<Event>, LvmError> {
        let vg = self.vg(vg_name).ok_or_else(|| LvmError::NoSuchVg(vg_name.to_string()))?;
        let lv = vg
            .lv(lv_name)
            .filter(|l| !l.is_hidden() || l.is_pmspare())
            .ok_or_else(|| LvmError::NoSuchLv { vg: vg_name.into(), lv: lv_name.into() })?;
        let mut doomed = vec![lv_name.to_string()];
        if matches!(lv.kind, LvKind::ThinPool { .. }) {
            let users: Vec<String> = vg.lvs.iter().filter(|l| matches!(&l.kind, LvKind::Thin { pool, .. } if pool == lv_name)).map(|l| l.name.clone()).collect();
            doomed.extend(users);
            doomed.push(format!("{lv_name}_tdata"));
            doomed.push(format!("{lv_name}_tmeta"));
            let other_pools = vg.lvs.iter().filter(|l| matches!(l.kind, LvKind::ThinPool { .. }) && l.name != lv_name).count();
            if other_pools == 0 {
                doomed.extend(vg.pmspare().map(|l| l.name.clone()));
            }
        }
        let mut events = Vec::new();
        let freed_pool = match &lv.kind {
            LvKind::Thin { pool, mapped_chunks, .. } => Some((pool.clone(), *mapped_chunks)),
            _ => None,
        };
        let vg = self.vg_mut(vg_name)?;
        for name in &doomed {
            if let Some(l) = vg.lv(name) {
                for s in &l.segments {
                    events.push(Event::ExtentsFreed { vg: vg_name.into(), lv: name.clone(), pv: s.pv.clone(), pe_start: s.pe_start, count: s.extent_count });
                }
                if !l.is_hidden() {
                    events.push(Event::LvRemoved { vg: vg_name.into(), lv: name.clone() });
                }
            }
        }
        vg.lvs.retain(|l| !doomed.contains(&l.name));
        if let Some((pool, chunks)) = freed_pool {
            if let Some(LvKind::ThinPool { used_chunks, out_of_space, .. }) = vg.lv_mut(&pool).map(|l| &mut l.kind) {
                *used_chunks = used_chunks.saturating_sub(chunks);
                *out_of_space = false;
            }
        }
        vg.seqno += 1;
        Ok(events)
    }

    pub fn lvrename(&mut self, vg_name: &str, from: &str, to: &str) -> Result<Vec<Event>, LvmError> {
        self.check_new_lv(vg_name, to)?;
        let vg = self.vg_mut(vg_name)?;
        let lv = vg.lv_mut(from).ok_or_else(|| LvmError::NoSuchLv { vg: vg_name.into(), lv: from.into() })?;
        let is_pool = matches!(lv.kind, LvKind::ThinPool { .. });
        lv.name = to.to_string();
        if is_pool {
            // A pool's data and metadata LVs are renamed with it.
            for part in ["_tdata", "_tmeta"] {
                if let Some(sub) = vg.lv_mut(&format!("{from}{part}")) {
                    sub.name = format!("{to}{part}");
                }
            }
        }
        for l in vg.lvs.iter_mut() {
            if let LvKind::Thin { pool, .. } = &mut l.kind {
                if pool == from {
                    *pool = to.to_string();
                }
            }
        }
        Ok(vec![Event::LvRenamed { vg: vg_name.into(), from: from.into(), to: to.into() }])
    }

    /// Checks the model's own invariants; used by property tests.
    pub fn check_invariants(&self) -> Result<(), String> {
        for vg in &self.vgs {
            let total = self.vg_extent_count(vg);
            let used: u64 = vg.lvs.iter().map(|l| l.extent_count()).sum();
            if used + self.vg_free_extents(vg) != total {
                return Err(format!("VG {}: free + used != total", vg.name));
            }
            for d in &vg.pv_devices {
                let Some(pv) = self.pv(d) else { return Err(format!("VG {} lists missing PV {d}", vg.name)) };
                let mut runs: Vec<(u64, u64)> = vg.lvs.iter().flat_map(|l| l.segments.iter()).filter(|s| &s.pv == d).map(|s| (s.pe_start, s.extent_count)).collect();
                crate::core::order::small_sort(&mut runs);
                for w in runs.windows(2) {
                    if w[0].0 + w[0].1 > w[1].0 {
                        return Err(format!("extent on {d} belongs to two LVs"));
                    }
                }
                if runs.last().is_some_and(|r| r.0 + r.1 > pv.pe_count) {
                    return Err(format!("segment beyond the end of {d}"));
                }
            }
            for pool in vg.lvs.iter().filter(|l| matches!(l.kind, LvKind::ThinPool { .. })) {
                if let LvKind::ThinPool { used_chunks, .. } = pool.kind {
                    if used_chunks > Self::pool_total_chunks(vg, pool) {
                        return Err(format!("pool {} uses more chunks than it has", pool.name));
                    }
                    let mapped: u64 = vg.thin_users(&pool.name).iter().map(|t| match t.kind {
                        LvKind::Thin { mapped_chunks, .. } => mapped_chunks,
                        _ => 0,
                    }).sum();
                    if mapped != used_chunks {
                        return Err(format!("pool {} counts {used_chunks} used chunks, its thin volumes map {mapped}", pool.name));
                    }
                    for part in ["_tdata", "_tmeta"] {
                        if vg.lv(&format!("{}{part}", pool.name)).is_none_or(|l| !l.is_hidden()) {
                            return Err(format!("pool {} has no {part} volume", pool.name));
                        }
                    }
                }
            }
            for thin in &vg.lvs {
                if let LvKind::Thin { pool, .. } = &thin.kind {
                    if !vg.lv(pool).is_some_and(|p| matches!(p.kind, LvKind::ThinPool { .. })) {
                        return Err(format!("thin volume {} lives in missing pool {pool}", thin.name));
                    }
                }
            }
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
