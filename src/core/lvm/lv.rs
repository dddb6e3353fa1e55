//! Logical volume operations: allocation of extents, create, resize, remove and
//! rename, as lvm2's metadata sees them.

use super::{Area, Lv, LvKind, Lvm, LvmError, Segment, Vg};
use crate::core::device::DevId;
use crate::core::event::{Event, LvRole};
use crate::core::order::SmallSort;

/// How a new segment is spread: stripes and the stripe size (lvm2's `-i`, `-I`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Striping {
    pub stripes: u64,
    pub stripe_size_bytes: u64,
}

impl Striping {
    pub const LINEAR: Striping = Striping { stripes: 1, stripe_size_bytes: 0 };
}

impl Lvm {
    /// Places `extents` new logical extents; striped takes whole rows of
    /// parallel areas, linear follows lvm2's policies in turn (`_allocate`):
    /// after the LV's last segment (contiguous), then on its PV's largest free
    /// run (cling), then normal: each PV offers its smallest run that holds
    /// what is left, or else its largest, and the biggest offer wins (the
    /// first PV on a tie). `only` names the PVs it may use (all when empty),
    /// as the PVs after the VG on lvcreate's command line do.
    pub(super) fn allocate(&self, vg: &Vg, lv_name: &str, extents: u64, s: Striping, only: &[DevId]) -> Result<Vec<Segment>, LvmError> {
        let pvs = if only.is_empty() { &vg.pvs[..] } else { only };
        let available = self.pvs_free_extents(pvs);
        if extents > available {
            return Err(if only.is_empty() {
                LvmError::InsufficientFreeSpace { vg: vg.name.clone(), free_extents: available, needed_extents: extents }
            } else {
                LvmError::InsufficientExtents { needed: extents, available }
            });
        }
        if s.stripes > 1 {
            return self.allocate_striped(pvs, lv_name, extents, s, !only.is_empty());
        }
        let mut runs: Vec<(DevId, Vec<(u64, u64)>)> = pvs.iter().filter_map(|d| self.pv(*d)).map(|p| (p.dev, self.free_runs(p))).collect();
        let mut tail = vg.lv(lv_name).and_then(|l| l.segments.last()).filter(|s| s.areas.len() == 1).map(|s| (s.areas[0].pv, s.areas[0].pe_start + s.extent_count));
        let (mut left, mut picks) = (extents, Vec::new());
        while left > 0 {
            let Some((pv, run)) = pick_run(&runs, tail, left) else { break };
            let dev = runs[pv].0;
            let r = &mut runs[pv].1[run];
            let take = r.1.min(left);
            picks.push(Segment::linear(0, take, dev, r.0));
            *r = (r.0 + take, r.1 - take);
            tail = Some((dev, r.0));
            left -= take;
        }
        Ok(picks)
    }

    fn allocate_striped(&self, pvs: &[DevId], lv_name: &str, extents: u64, s: Striping, listed: bool) -> Result<Vec<Segment>, LvmError> {
        let (picks, left) = self.parallel_areas(pvs, s, extents.div_ceil(s.stripes), listed);
        if left > 0 {
            return Err(LvmError::InsufficientAllocatable { lv: lv_name.into(), more: left.saturating_mul(s.stripes) });
        }
        Ok(picks)
    }

    /// The most logical extents a new LV striped as `s` can get (what
    /// lvm2 settles for when a percentage asks for more).
    pub fn striped_capacity(&self, vg: &Vg, s: Striping) -> u64 {
        let (picks, _) = self.parallel_areas(&vg.pvs, s, u64::MAX, false);
        picks.iter().map(|p| p.extent_count).sum()
    }

    /// lvm2's parallel allocation, simplified: each round takes every PV's
    /// largest free run, the largest runs (up to what is wanted) first, one PV per stripe, and fills
    /// as many of `rows` as the shortest of them holds. Returns the segments
    /// and the rows left without room.
    fn parallel_areas(&self, pvs: &[DevId], s: Striping, mut rows: u64, listed: bool) -> (Vec<Segment>, u64) {
        let mut free: Vec<(DevId, Vec<(u64, u64)>)> = pvs.iter().filter_map(|d| self.pv(*d)).map(|p| (p.dev, self.free_runs(p))).collect();
        let mut picks = Vec::new();
        let stripes = s.stripes.max(1) as usize;
        while rows > 0 {
            let mut largest: Vec<(usize, usize, u64)> = free
                .iter()
                .enumerate()
                .filter_map(|(i, (_, runs))| {
                    let best = runs.iter().enumerate().rev().max_by_key(|r| r.1 .1)?;
                    (best.1 .1 > 0).then_some((i, best.0, best.1 .1))
                })
                .collect();
            // PVs named on the command line keep their order (measured with
            // lvm2 2.03.16); otherwise the largest runs go first, where a run
            // counts only up to the rows still wanted, so PVs with room
            // enough keep the VG's order.
            if !listed {
                largest.small_sort_by(|a, b| b.2.min(rows).cmp(&a.2.min(rows)));
            }
            let Some(shortest) = largest.get(stripes - 1).map(|l| l.2) else { break };
            let len = shortest.min(rows);
            let mut areas = Vec::new();
            for &(pv, run, _) in &largest[..stripes] {
                let (dev, runs) = &mut free[pv];
                let r = &mut runs[run];
                areas.push(Area { pv: *dev, pe_start: r.0 });
                *r = (r.0 + len, r.1 - len);
            }
            picks.push(Segment { le_start: 0, extent_count: len.saturating_mul(s.stripes), stripe_size_bytes: s.stripe_size_bytes, areas });
            rows -= len;
        }
        (picks, rows)
    }

    pub(super) fn next_minor(&mut self) -> u32 {
        let m = self.next_dm_minor;
        self.next_dm_minor += 1;
        m
    }

    /// Appends `extents` linear extents to an existing LV.
    pub(super) fn grow_segments(&mut self, vg_name: &str, lv_name: &str, extents: u64) -> Result<Vec<Event>, LvmError> {
        self.grow(vg_name, lv_name, extents, Striping::LINEAR, &[])
    }

    /// Appends `extents` extents spread as `s` to an existing LV.
    fn grow(&mut self, vg_name: &str, lv_name: &str, extents: u64, s: Striping, only: &[DevId]) -> Result<Vec<Event>, LvmError> {
        let vg = self.vg(vg_name).ok_or_else(|| LvmError::NoSuchVg(vg_name.to_string()))?;
        let picks = self.allocate(vg, lv_name, extents, s, only)?;
        let mut events = Vec::new();
        for seg in &picks {
            for (pv, pe_start, count) in seg.runs() {
                events.push(Event::ExtentsAllocated { vg: vg_name.into(), lv: lv_name.into(), pv: self.pv_name(pv), pe_start, count });
            }
        }
        let vg = self.vg_mut(vg_name)?;
        let lv = vg.lv_mut(lv_name).ok_or_else(|| LvmError::NoSuchLv { vg: vg_name.into(), lv: lv_name.into() })?;
        for seg in picks {
            append(lv, seg);
        }
        Ok(events)
    }

    /// Adds a new LV with no extents yet.
    pub(super) fn push_lv(&mut self, vg_name: &str, name: &str, uuid: String, kind: LvKind, dm_minor: Option<u32>) -> Result<(), LvmError> {
        let active = dm_minor.is_some();
        let skip_activation = matches!(kind, LvKind::Thin { origin: Some(_), .. });
        self.vg_mut(vg_name)?.lvs.push(Lv { name: name.into(), uuid, kind, segments: Vec::new(), active, skip_activation, dm_minor, creation_time: 0 });
        Ok(())
    }

    /// Creates an LV of `extents` extents, linear or striped.
    pub fn lvcreate(&mut self, vg_name: &str, lv_name: &str, extents: u64, s: Striping, uuid: String, only: &[DevId]) -> Result<Vec<Event>, LvmError> {
        self.check_new_lv(vg_name, lv_name)?;
        let vg = self.vg(vg_name).ok_or_else(|| LvmError::NoSuchVg(vg_name.to_string()))?;
        self.allocate(vg, lv_name, extents, s, only)?;
        let minor = self.next_minor();
        self.push_lv(vg_name, lv_name, uuid, LvKind::Linear, Some(minor))?;
        let device = Some(crate::core::machine::dm_name(vg_name, lv_name));
        let mut events = vec![Event::LvCreated { vg: vg_name.into(), lv: lv_name.into(), role: LvRole::Linear, virtual_bytes: 0, chunk_bytes: 0, pool: None, device }];
        events.extend(self.grow(vg_name, lv_name, extents, s, only)?);
        self.vg_mut(vg_name)?.commit();
        Ok(events)
    }

    /// `lvcreate -s -L SIZE VG/ORIGIN`: a classic snapshot whose store is
    /// `extents` new extents, allocated as a linear LV's.
    pub fn lvcreate_snapshot(&mut self, vg_name: &str, lv_name: &str, origin: &str, extents: u64, chunk_bytes: u64, uuid: String) -> Result<Vec<Event>, LvmError> {
        self.check_new_lv(vg_name, lv_name)?;
        let vg = self.vg(vg_name).ok_or_else(|| LvmError::NoSuchVg(vg_name.to_string()))?;
        self.allocate(vg, lv_name, extents, Striping::LINEAR, &[])?;
        let minor = self.next_minor();
        self.push_lv(vg_name, lv_name, uuid, LvKind::Snapshot(super::cow::Cow::new(origin, chunk_bytes)), Some(minor))?;
        let device = Some(crate::core::machine::dm_name(vg_name, lv_name));
        let mut events = vec![Event::LvCreated { vg: vg_name.into(), lv: lv_name.into(), role: LvRole::Linear, virtual_bytes: 0, chunk_bytes, pool: None, device }];
        events.extend(self.grow(vg_name, lv_name, extents, Striping::LINEAR, &[])?);
        self.vg_mut(vg_name)?.commit();
        Ok(events)
    }

    /// Gives the LVs created by the current command (time 0) the time `now`.
    pub fn stamp_new_lvs(&mut self, vg_name: &str, now: u64) {
        if let Ok(vg) = self.vg_mut(vg_name) {
            for lv in vg.lvs.iter_mut().filter(|l| l.creation_time == 0) {
                lv.creation_time = now;
            }
        }
    }

    pub(super) fn check_new_lv(&self, vg_name: &str, lv_name: &str) -> Result<(), LvmError> {
        let vg = self.vg(vg_name).ok_or_else(|| LvmError::NoSuchVg(vg_name.to_string()))?;
        if vg.lv(lv_name).is_some() {
            return Err(LvmError::LvExists { vg: vg_name.into(), lv: lv_name.into() });
        }
        Ok(())
    }

    /// Resizes an LV to `new_extents`; growing repeats the last segment's
    /// striping, shrinking frees the highest logical extents in whole rows. A
    /// pool resizes its data LV; a thin volume only changes its virtual size
    /// (and forgets chunks past its new end). `only` names the PVs growth
    /// may use (all when empty), as lvextend's PVs after the LV do.
    pub fn lvresize(&mut self, vg_name: &str, lv_name: &str, new_extents: u64, only: &[DevId]) -> Result<Vec<Event>, LvmError> {
        let events = self.resize_unsaved(vg_name, lv_name, new_extents, only)?;
        self.vg_mut(vg_name)?.commit();
        Ok(events)
    }

    fn resize_unsaved(&mut self, vg_name: &str, lv_name: &str, new_extents: u64, only: &[DevId]) -> Result<Vec<Event>, LvmError> {
        let vg = self.vg(vg_name).ok_or_else(|| LvmError::NoSuchVg(vg_name.to_string()))?;
        let lv = vg.lv(lv_name).ok_or_else(|| LvmError::NoSuchLv { vg: vg_name.into(), lv: lv_name.into() })?;
        let extent = vg.extent_size_bytes;
        if let LvKind::Thin { virtual_bytes, .. } = lv.kind {
            return self.resize_thin(vg_name, lv_name, virtual_bytes, new_extents.saturating_mul(extent));
        }
        let target = match lv.kind {
            LvKind::ThinPool(_) => vg.pool_data(lv_name).map(|d| d.name.clone()).unwrap_or_default(),
            _ => lv_name.to_string(),
        };
        let target_lv = vg.lv(&target);
        let old = target_lv.map_or(0, |l| l.extent_count());
        let striping = target_lv.and_then(|l| l.segments.last()).map_or(Striping::LINEAR, |s| Striping { stripes: s.stripes(), stripe_size_bytes: s.stripe_size_bytes });
        if new_extents == old {
            return Err(LvmError::SizeUnchanged { extents: old });
        }
        let mut events = if new_extents > old {
            let free = if only.is_empty() { self.vg_free_extents(vg) } else { self.pvs_free_extents(only) };
            if new_extents - old > free {
                return Err(LvmError::InsufficientExtents { needed: new_extents - old, available: free });
            }
            let e = self.grow(vg_name, &target, new_extents - old, striping, only)?;
            if let Some(LvKind::ThinPool(p)) = self.vg_mut(vg_name)?.lv_mut(lv_name).map(|l| &mut l.kind) {
                p.out_of_space = false;
            }
            e
        } else {
            self.shrink_segments(vg_name, &target, old - new_extents)?
        };
        let new = self.vg(vg_name).and_then(|v| v.lv(&target)).map_or(0, |l| l.extent_count());
        events.insert(0, Event::LvResized { vg: vg_name.into(), lv: lv_name.into(), old_bytes: old * extent, new_bytes: new * extent });
        Ok(events)
    }

    /// Frees the last `drop` logical extents of an LV, a striped segment by whole rows.
    fn shrink_segments(&mut self, vg_name: &str, lv_name: &str, mut drop: u64) -> Result<Vec<Event>, LvmError> {
        let names: Vec<(DevId, String)> = self.pvs.iter().map(|p| (p.dev, p.name.clone())).collect();
        let name_of = |d: DevId| names.iter().find(|n| n.0 == d).map_or_else(|| "[unknown]".into(), |n| n.1.clone());
        let vg = self.vg_mut(vg_name)?;
        let lv = vg.lv_mut(lv_name).ok_or_else(|| LvmError::NoSuchLv { vg: vg_name.into(), lv: lv_name.into() })?;
        let mut events = Vec::new();
        while drop > 0 {
            let Some(last) = lv.segments.last_mut() else { break };
            let rows = last.extent_count.min(drop) / last.stripes();
            if rows == 0 {
                break;
            }
            let kept = last.area_len() - rows;
            for a in &last.areas {
                events.push(Event::ExtentsFreed { vg: vg_name.into(), lv: lv_name.into(), pv: name_of(a.pv), pe_start: a.pe_start + kept, count: rows });
            }
            last.extent_count -= rows * last.stripes();
            drop -= rows * last.stripes();
            if last.extent_count == 0 {
                lv.segments.pop();
            }
        }
        Ok(events)
    }

    /// Removes an LV; removing a pool removes its hidden LVs and its thin LVs
    /// (the console asks first), and the spare when no other pool is left.
    pub fn lvremove(&mut self, vg_name: &str, lv_name: &str) -> Result<Vec<Event>, LvmError> {
        let vg = self.vg(vg_name).ok_or_else(|| LvmError::NoSuchVg(vg_name.to_string()))?;
        let lv = vg
            .lv(lv_name)
            .filter(|l| !l.is_hidden() || l.is_pmspare())
            .ok_or_else(|| LvmError::NoSuchLv { vg: vg_name.into(), lv: lv_name.into() })?;
        // An origin goes with its classic snapshots, which lvm2 removes first.
        let mut doomed: Vec<String> = vg.snapshots_of(lv_name).map(|l| l.name.clone()).collect();
        doomed.push(lv_name.to_string());
        if lv.is_pool() {
            doomed.extend(vg.thin_users(lv_name).iter().map(|l| l.name.clone()));
            doomed.extend(vg.lvs.iter().filter(|l| l.part_of_pool() == Some(lv_name)).map(|l| l.name.clone()));
            if !vg.lvs.iter().any(|l| l.is_pool() && l.name != lv_name) {
                doomed.extend(vg.pmspare().map(|l| l.name.clone()));
            }
        }
        let freed = match &lv.kind {
            LvKind::Thin { pool, map, .. } => Some((pool.clone(), map.mapped())),
            _ => None,
        };
        let mut events = Vec::new();
        for name in &doomed {
            if let Some(l) = vg.lv(name) {
                for (pv, pe_start, count) in l.segments.iter().flat_map(|s| s.runs()) {
                    events.push(Event::ExtentsFreed { vg: vg_name.into(), lv: name.clone(), pv: self.pv_name(pv), pe_start, count });
                }
                events.push(Event::LvRemoved { vg: vg_name.into(), lv: name.clone() });
            }
        }
        let vg = self.vg_mut(vg_name)?;
        vg.lvs.retain(|l| !doomed.contains(&l.name));
        #[cfg(feature = "thin-snapshots")]
        for l in vg.lvs.iter_mut() {
            if let LvKind::Thin { origin, .. } = &mut l.kind {
                if origin.as_deref() == Some(lv_name) {
                    *origin = None;
                }
            }
        }
        if let Some((pool, chunks)) = freed.filter(|(_, c)| *c > 0) {
            let returned = super::thin::reclaim(vg, &pool);
            events.insert(0, Event::ThinChunksFreed { vg: vg_name.into(), pool, lv: lv_name.into(), chunks, returned });
        }
        vg.commit();
        Ok(events)
    }

    pub fn lvrename(&mut self, vg_name: &str, from: &str, to: &str) -> Result<Vec<Event>, LvmError> {
        self.check_new_lv(vg_name, to)?;
        let vg = self.vg_mut(vg_name)?;
        let lv = vg.lv_mut(from).ok_or_else(|| LvmError::NoSuchLv { vg: vg_name.into(), lv: from.into() })?;
        lv.name = to.to_string();
        for l in vg.lvs.iter_mut() {
            match &mut l.kind {
                #[cfg(feature = "thin-snapshots")]
                LvKind::Thin { origin: Some(o), .. } if o == from => *o = to.to_string(),
                LvKind::Snapshot(c) if c.origin == from => c.origin = to.to_string(),
                LvKind::PoolData { pool } | LvKind::PoolMeta { pool } | LvKind::Thin { pool, .. } if pool == from => {
                    *pool = to.to_string();
                    // A pool's data and metadata LVs are renamed with it.
                    if let Some(part) = l.name.strip_prefix(from).filter(|p| matches!(*p, "_tdata" | "_tmeta")) {
                        l.name = format!("{to}{part}");
                    }
                }
                _ => {}
            }
        }
        vg.commit();
        Ok(vec![Event::LvRenamed { vg: vg_name.into(), from: from.into(), to: to.into() }])
    }
}

/// The free run (PV index, run index) the next piece of a linear LV goes to:
/// on the PV of the LV's tail the run right after it, else that PV's largest;
/// otherwise the best offer of all PVs.
fn pick_run(runs: &[(DevId, Vec<(u64, u64)>)], tail: Option<(DevId, u64)>, left: u64) -> Option<(usize, usize)> {
    let mut best: Option<(usize, usize, u64)> = None;
    for (i, (dev, pv_runs)) in runs.iter().enumerate() {
        let on_tail = tail.filter(|t| t.0 == *dev);
        let (mut fit, mut big): (Option<(usize, u64)>, Option<(usize, u64)>) = (None, None);
        for (j, &(start, count)) in pv_runs.iter().enumerate().filter(|r| r.1 .1 > 0) {
            if on_tail.is_some_and(|t| t.1 == start) {
                return Some((i, j));
            }
            if count >= left && fit.is_none_or(|f| count < f.1) {
                fit = Some((j, count));
            }
            if big.is_none_or(|b| count > b.1) {
                big = Some((j, count));
            }
        }
        match (on_tail, fit.or(big)) {
            (Some(_), Some(_)) => return big.map(|b| (i, b.0)),
            (None, Some((j, count))) if best.is_none_or(|b| count.min(left) > b.2) => best = Some((i, j, count.min(left))),
            _ => {}
        }
    }
    best.map(|b| (b.0, b.1))
}

/// Adds a segment at the end of an LV; one that continues the last segment's
/// areas on the same PVs, striped alike, merges into it (lvm2's `lv_merge_segments`).
fn append(lv: &mut Lv, mut seg: Segment) {
    seg.le_start = lv.extent_count();
    if let Some(last) = lv.segments.last_mut() {
        let follows = last.stripe_size_bytes == seg.stripe_size_bytes
            && last.areas.len() == seg.areas.len()
            && last.areas.iter().zip(&seg.areas).all(|(a, b)| a.pv == b.pv && a.pe_start + last.area_len() == b.pe_start);
        if follows {
            last.extent_count += seg.extent_count;
            return;
        }
    }
    lv.segments.push(seg);
}
