//! Logical volume operations: allocation of extents, create, resize, remove and
//! rename, as lvm2's metadata sees them.

use super::{Lv, LvKind, Lvm, LvmError, Segment, Vg};
use crate::core::device::DevId;
use crate::core::event::{Event, LvRole};

impl Lvm {
    /// Picks `extents` free extents: lowest free runs first, PVs in VG order.
    pub(super) fn allocate(&self, vg: &Vg, extents: u64) -> Result<Vec<(DevId, u64, u64)>, LvmError> {
        let mut left = extents;
        let mut picks = Vec::new();
        for d in &vg.pvs {
            let Some(pv) = self.pv(*d) else { continue };
            for (start, count) in self.free_runs(pv) {
                if left == 0 {
                    break;
                }
                let take = count.min(left);
                picks.push((*d, start, take));
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

    pub(super) fn next_minor(&mut self) -> u32 {
        let m = self.next_dm_minor;
        self.next_dm_minor += 1;
        m
    }

    /// Appends `extents` extents to an existing LV.
    pub(super) fn grow_segments(&mut self, vg_name: &str, lv_name: &str, extents: u64) -> Result<Vec<Event>, LvmError> {
        let vg = self.vg(vg_name).ok_or_else(|| LvmError::NoSuchVg(vg_name.to_string()))?;
        let picks = self.allocate(vg, extents)?;
        let names: Vec<String> = picks.iter().map(|(d, _, _)| self.pv_name(*d)).collect();
        let vg = self.vg_mut(vg_name)?;
        let lv = vg.lv_mut(lv_name).ok_or_else(|| LvmError::NoSuchLv { vg: vg_name.into(), lv: lv_name.into() })?;
        let mut le = lv.extent_count();
        let mut events = Vec::new();
        for ((pv, pe_start, count), pv_name) in picks.into_iter().zip(names) {
            // Extending onto the physically next extents merges into the last segment.
            match lv.segments.last_mut() {
                Some(last) if last.pv == pv && last.pe_start + last.extent_count == pe_start => last.extent_count += count,
                _ => lv.segments.push(Segment { le_start: le, extent_count: count, pv, pe_start }),
            }
            le += count;
            events.push(Event::ExtentsAllocated { vg: vg_name.into(), lv: lv_name.into(), pv: pv_name, pe_start, count });
        }
        vg.seqno += 1;
        Ok(events)
    }

    /// Adds a new LV with no extents yet.
    pub(super) fn push_lv(&mut self, vg_name: &str, name: &str, uuid: String, kind: LvKind, dm_minor: Option<u32>) -> Result<(), LvmError> {
        let active = dm_minor.is_some();
        self.vg_mut(vg_name)?.lvs.push(Lv { name: name.into(), uuid, kind, segments: Vec::new(), active, dm_minor });
        Ok(())
    }

    /// Creates a linear LV of `extents` extents.
    pub fn lvcreate_linear(&mut self, vg_name: &str, lv_name: &str, extents: u64, uuid: String) -> Result<Vec<Event>, LvmError> {
        self.check_new_lv(vg_name, lv_name)?;
        let vg = self.vg(vg_name).ok_or_else(|| LvmError::NoSuchVg(vg_name.to_string()))?;
        self.allocate(vg, extents)?;
        let minor = self.next_minor();
        self.push_lv(vg_name, lv_name, uuid, LvKind::Linear, Some(minor))?;
        let device = Some(crate::core::machine::dm_name(vg_name, lv_name));
        let mut events = vec![Event::LvCreated { vg: vg_name.into(), lv: lv_name.into(), role: LvRole::Linear, virtual_bytes: 0, chunk_bytes: 0, pool: None, device }];
        events.extend(self.grow_segments(vg_name, lv_name, extents)?);
        Ok(events)
    }

    pub(super) fn check_new_lv(&self, vg_name: &str, lv_name: &str) -> Result<(), LvmError> {
        let vg = self.vg(vg_name).ok_or_else(|| LvmError::NoSuchVg(vg_name.to_string()))?;
        if vg.lv(lv_name).is_some() {
            return Err(LvmError::LvExists { vg: vg_name.into(), lv: lv_name.into() });
        }
        Ok(())
    }

    /// Resizes an LV to `new_extents`; shrinking frees the highest logical
    /// extents. A pool resizes its data LV; a thin volume only changes its
    /// virtual size (and forgets chunks past its new end).
    pub fn lvresize(&mut self, vg_name: &str, lv_name: &str, new_extents: u64) -> Result<Vec<Event>, LvmError> {
        let vg = self.vg(vg_name).ok_or_else(|| LvmError::NoSuchVg(vg_name.to_string()))?;
        let lv = vg.lv(lv_name).ok_or_else(|| LvmError::NoSuchLv { vg: vg_name.into(), lv: lv_name.into() })?;
        let extent = vg.extent_size_bytes;
        if let LvKind::Thin { virtual_bytes, .. } = lv.kind {
            return self.resize_thin(vg_name, lv_name, virtual_bytes, new_extents * extent);
        }
        let target = match lv.kind {
            LvKind::ThinPool(_) => vg.pool_data(lv_name).map(|d| d.name.clone()).unwrap_or_default(),
            _ => lv_name.to_string(),
        };
        let old = vg.lv(&target).map_or(0, |l| l.extent_count());
        if new_extents == old {
            return Err(LvmError::SizeUnchanged { extents: old });
        }
        let mut events = if new_extents > old {
            let free = self.vg_free_extents(vg);
            if new_extents - old > free {
                return Err(LvmError::InsufficientExtents { needed: new_extents - old, available: free });
            }
            let e = self.grow_segments(vg_name, &target, new_extents - old)?;
            if let Some(LvKind::ThinPool(p)) = self.vg_mut(vg_name)?.lv_mut(lv_name).map(|l| &mut l.kind) {
                p.out_of_space = false;
            }
            e
        } else {
            self.shrink_segments(vg_name, &target, old - new_extents)?
        };
        events.insert(0, Event::LvResized { vg: vg_name.into(), lv: lv_name.into(), old_bytes: old * extent, new_bytes: new_extents * extent });
        Ok(events)
    }

    /// Frees the last `drop` logical extents of an LV.
    fn shrink_segments(&mut self, vg_name: &str, lv_name: &str, mut drop: u64) -> Result<Vec<Event>, LvmError> {
        let names: Vec<(DevId, String)> = self.pvs.iter().map(|p| (p.dev, p.name.clone())).collect();
        let name_of = |d: DevId| names.iter().find(|n| n.0 == d).map_or_else(|| "[unknown]".into(), |n| n.1.clone());
        let vg = self.vg_mut(vg_name)?;
        let lv = vg.lv_mut(lv_name).ok_or_else(|| LvmError::NoSuchLv { vg: vg_name.into(), lv: lv_name.into() })?;
        let mut events = Vec::new();
        while drop > 0 {
            let Some(last) = lv.segments.last_mut() else { break };
            let take = last.extent_count.min(drop);
            events.push(Event::ExtentsFreed {
                vg: vg_name.into(),
                lv: lv_name.into(),
                pv: name_of(last.pv),
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
        let mut doomed = vec![lv_name.to_string()];
        if lv.is_pool() {
            doomed.extend(vg.thin_users(lv_name).iter().map(|l| l.name.clone()));
            doomed.extend(vg.lvs.iter().filter(|l| l.part_of_pool() == Some(lv_name)).map(|l| l.name.clone()));
            if !vg.lvs.iter().any(|l| l.is_pool() && l.name != lv_name) {
                doomed.extend(vg.pmspare().map(|l| l.name.clone()));
            }
        }
        let freed = match &lv.kind {
            LvKind::Thin { pool, map, .. } => Some((pool.clone(), map.clone())),
            _ => None,
        };
        let mut events = Vec::new();
        for name in &doomed {
            if let Some(l) = vg.lv(name) {
                for s in &l.segments {
                    let pv = self.pv_name(s.pv);
                    events.push(Event::ExtentsFreed { vg: vg_name.into(), lv: name.clone(), pv, pe_start: s.pe_start, count: s.extent_count });
                }
                events.push(Event::LvRemoved { vg: vg_name.into(), lv: name.clone() });
            }
        }
        let vg = self.vg_mut(vg_name)?;
        vg.lvs.retain(|l| !doomed.contains(&l.name));
        if let Some((pool, map)) = freed {
            if let Some(LvKind::ThinPool(p)) = vg.lv_mut(&pool).map(|l| &mut l.kind) {
                p.release(&map);
            }
        }
        vg.seqno += 1;
        Ok(events)
    }

    pub fn lvrename(&mut self, vg_name: &str, from: &str, to: &str) -> Result<Vec<Event>, LvmError> {
        self.check_new_lv(vg_name, to)?;
        let vg = self.vg_mut(vg_name)?;
        let lv = vg.lv_mut(from).ok_or_else(|| LvmError::NoSuchLv { vg: vg_name.into(), lv: from.into() })?;
        lv.name = to.to_string();
        for l in vg.lvs.iter_mut() {
            match &mut l.kind {
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
        vg.seqno += 1;
        Ok(vec![Event::LvRenamed { vg: vg_name.into(), from: from.into(), to: to.into() }])
    }
}
