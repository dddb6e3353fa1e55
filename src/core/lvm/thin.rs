//! Thin provisioning: pools, their sizing rules, and the map from a thin
//! volume's chunks to the pool's data chunks.
//!
//! A pool gets lvm2's "generic" chunk size (64 KiB, doubled until the metadata
//! estimate fits 128 MiB), metadata of 64 bytes per chunk (2 MiB at least, whole
//! extents), and a spare metadata LV (`lvolN_pmspare`) as large as the largest
//! pool metadata; the spare is allocated first, then the pool's data, then its
//! metadata. A thin volume's chunk is mapped to the lowest free pool chunk the
//! first time it is written, as dm-thin does; unmapped chunks read as zeros.
//!
//! A thin snapshot starts as a copy of its origin's map, so it costs no data
//! chunk. A write to a chunk that two volumes map copies it to a new chunk
//! first (dm-thin's `break_sharing`; a write covering the whole chunk needs no
//! copy), so the other volume keeps the old bytes. A pool chunk is free when no
//! volume maps it. Simplified: the metadata LV's contents are not written, and
//! Meta% is an estimate from the mapped chunks.

use crate::core::order::VecMap;

use super::{LvKind, Lvm, LvmError, Vg};
use crate::core::event::{Event, LvRole};
use crate::core::ranges::RangeSet;

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

/// A thin pool's state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pool {
    pub chunk_size_bytes: u64,
    /// The last write found no free chunk.
    pub out_of_space: bool,
    /// The minor of the `-tpool` device, once a thin volume exists.
    pub tpool_minor: Option<u32>,
    /// Data chunks given to thin volumes.
    pub allocated: RangeSet,
}

impl Pool {
    pub fn new(chunk_size_bytes: u64) -> Pool {
        Pool { chunk_size_bytes, out_of_space: false, tpool_minor: None, allocated: RangeSet::new() }
    }

    pub fn used_chunks(&self) -> u64 {
        self.allocated.total()
    }
}

/// Frees the chunks of `pool` that no thin volume maps any more; returns how
/// many went back.
pub(super) fn reclaim(vg: &mut Vg, pool: &str) -> u64 {
    let mut mapped = RangeSet::new();
    for t in vg.thin_users(pool) {
        if let LvKind::Thin { map, .. } = &t.kind {
            map.add_pool_chunks(&mut mapped);
        }
    }
    let Some(LvKind::ThinPool(p)) = vg.lv_mut(pool).map(|l| &mut l.kind) else { return 0 };
    let returned = p.allocated.total() - mapped.total();
    p.allocated = mapped;
    if returned > 0 {
        p.out_of_space = false;
    }
    returned
}

/// A thin volume's chunk map: runs of virtual chunks → pool chunks.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ThinMap {
    /// virtual start → (pool start, count); runs never overlap.
    runs: VecMap<u64, (u64, u64)>,
}

impl ThinMap {
    /// Chunks mapped.
    pub fn mapped(&self) -> u64 {
        self.runs.values().map(|r| r.1).sum()
    }

    /// The pool chunk behind virtual chunk `v`.
    pub fn lookup(&self, v: u64) -> Option<u64> {
        let (start, (p, n)) = self.runs.floor(&v)?;
        (v < start + n).then(|| p + (v - start))
    }

    /// Maps virtual chunks `v..v + n` to pool chunks `p..p + n`.
    pub fn insert(&mut self, v: u64, p: u64, n: u64) {
        if let Some((&vs, &(ps, pn))) = self.runs.below(&v) {
            if vs + pn == v && ps + pn == p {
                self.runs.insert(vs, (ps, pn + n));
                return;
            }
        }
        self.runs.insert(v, (p, n));
    }

    /// Maps virtual chunk `v`, mapped or not, to pool chunk `p`.
    #[cfg(feature = "thin-snapshots")]
    fn remap(&mut self, v: u64, p: u64) {
        if let Some((start, (ps, n))) = self.runs.floor(&v).map(|(s, r)| (*s, *r)).filter(|(s, (_, n))| v < s + n) {
            self.runs.remove(&start);
            if v > start {
                self.runs.insert(start, (ps, v - start));
            }
            if v + 1 < start + n {
                self.runs.insert(v + 1, (ps + (v + 1 - start), start + n - v - 1));
            }
        }
        self.insert(v, p, 1);
    }

    /// Unmaps virtual chunks `first..end`; returns how many were mapped.
    fn unmap(&mut self, first: u64, end: u64) -> u64 {
        let mut unmapped = 0;
        let hit: Vec<(u64, u64, u64)> = self.runs().filter(|(v, _, n)| *v < end && v + n > first).collect();
        for (v, p, n) in hit {
            self.runs.remove(&v);
            let (from, to) = (v.max(first), (v + n).min(end));
            unmapped += to - from;
            if v < from {
                self.runs.insert(v, (p, from - v));
            }
            if to < v + n {
                self.runs.insert(to, (p + (to - v), v + n - to));
            }
        }
        unmapped
    }

    /// Adds the pool chunks this map uses to `set`.
    fn add_pool_chunks(&self, set: &mut RangeSet) {
        for (_, p, n) in self.runs() {
            set.insert(p, n);
        }
    }

    /// Every run as (virtual start, pool start, count).
    pub fn runs(&self) -> impl Iterator<Item = (u64, u64, u64)> + '_ {
        self.runs.iter().map(|(v, (p, n))| (*v, *p, *n))
    }

    /// Forgets the mappings at or beyond virtual chunk `end`; returns how many.
    fn truncate(&mut self, end: u64) -> u64 {
        self.unmap(end, u64::MAX)
    }
}

impl Lvm {
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
    /// lvm2's estimate, at least 2 MiB, in whole extents.
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

    /// How much data a pool with this chunk size can address.
    pub fn thin_max_data_bytes(chunk_bytes: u64) -> u64 {
        MAX_THIN_META_BYTES / 64 * chunk_bytes
    }

    /// Creates a thin pool the way the lab host's installer does.
    pub fn lvcreate_thin_pool(&mut self, vg_name: &str, pool: &str, data_extents: u64, uuids: &mut dyn FnMut() -> String) -> Result<Vec<Event>, LvmError> {
        let extent = self.vg(vg_name).ok_or_else(|| LvmError::NoSuchVg(vg_name.to_string()))?.extent_size_bytes;
        let chunk = Self::thin_chunk_bytes(data_extents * extent);
        let meta = Self::thin_meta_extents(data_extents * extent, chunk, extent);
        self.lvcreate_thin_pool_sized(vg_name, pool, data_extents, meta, chunk, uuids)
    }

    /// Checks that a pool of `data` + `meta` extents (and the spare it needs)
    /// fits; returns how many extents the spare must grow by.
    fn check_pool_fits(&self, vg: &Vg, data: u64, meta: u64) -> Result<u64, LvmError> {
        let free = self.vg_free_extents(vg);
        let spare_now = vg.pmspare().map(|l| l.extent_count());
        let spare_grow = spare_now.map_or(meta, |have| meta.saturating_sub(have));
        if spare_now.is_none() && spare_grow > free {
            return Err(LvmError::InsufficientFreeSpace { vg: vg.name.clone(), free_extents: free, needed_extents: spare_grow });
        }
        let after_spare = free.saturating_sub(spare_grow);
        if data > after_spare {
            return Err(LvmError::InsufficientFreeSpace { vg: vg.name.clone(), free_extents: after_spare, needed_extents: data });
        }
        if data + meta > after_spare {
            return Err(LvmError::InsufficientExtents { needed: data + meta, available: after_spare });
        }
        Ok(spare_grow)
    }

    /// Creates a thin pool as lvm2 does: first the spare metadata LV is created
    /// (or grown) to `meta_extents`, then the pool's data and its metadata are
    /// allocated, data first. Nothing changes on failure.
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
        let spare_grow = self.check_pool_fits(vg, data_extents, meta_extents)?;
        let mut events = Vec::new();
        match vg.pmspare().map(|l| l.name.clone()) {
            None => {
                let name = format!("lvol{}_pmspare", vg.next_lvol_index());
                self.push_lv(vg_name, &name, uuids(), LvKind::Pmspare, None)?;
                events.push(Event::LvCreated { vg: vg_name.into(), lv: name.clone(), role: LvRole::Spare, virtual_bytes: 0, chunk_bytes: 0, pool: None, device: None });
                events.extend(self.grow_segments(vg_name, &name, meta_extents)?);
            }
            Some(name) if spare_grow > 0 => events.extend(self.grow_segments(vg_name, &name, spare_grow)?),
            Some(_) => {}
        }
        // Activation brings the metadata device up before the data device, so
        // `_tmeta` takes the lower device-mapper minor (PVE: 253:2 and 253:3).
        let meta_minor = self.next_minor();
        let data_minor = self.next_minor();
        let parts = [
            (format!("{pool}_tdata"), data_extents, data_minor, LvKind::PoolData { pool: pool.into() }, LvRole::PoolData),
            (format!("{pool}_tmeta"), meta_extents, meta_minor, LvKind::PoolMeta { pool: pool.into() }, LvRole::PoolMeta),
        ];
        for (name, extents, minor, kind, role) in parts {
            self.push_lv(vg_name, &name, uuids(), kind, Some(minor))?;
            let device = Some(crate::core::machine::dm_name(vg_name, &name));
            events.push(Event::LvCreated { vg: vg_name.into(), lv: name.clone(), role, virtual_bytes: 0, chunk_bytes: 0, pool: Some(pool.into()), device });
            events.extend(self.grow_segments(vg_name, &name, extents)?);
        }
        let minor = self.next_minor();
        self.push_lv(vg_name, pool, uuids(), LvKind::ThinPool(Pool::new(chunk_size_bytes)), Some(minor))?;
        let device = Some(crate::core::machine::dm_name(vg_name, pool));
        events.push(Event::LvCreated { vg: vg_name.into(), lv: pool.into(), role: LvRole::Pool, virtual_bytes: 0, chunk_bytes: chunk_size_bytes, pool: None, device });
        self.vg_mut(vg_name)?.commit();
        Ok(events)
    }

    /// Grows the spare metadata LV to the largest pool metadata LV, as lvm2 does
    /// after pool metadata grows; silently does nothing without room.
    pub fn grow_pmspare(&mut self, vg_name: &str) -> Vec<Event> {
        let Some(vg) = self.vg(vg_name) else { return Vec::new() };
        let Some(spare) = vg.pmspare() else { return Vec::new() };
        let largest = vg.lvs.iter().filter(|l| matches!(l.kind, LvKind::PoolMeta { .. })).map(|l| l.extent_count()).max().unwrap_or(0);
        let grow = largest.saturating_sub(spare.extent_count());
        if grow == 0 || grow > self.vg_free_extents(vg) {
            return Vec::new();
        }
        let name = spare.name.clone();
        let events = self.grow_segments(vg_name, &name, grow).unwrap_or_default();
        if let Ok(vg) = self.vg_mut(vg_name) {
            vg.commit();
        }
        events
    }

    /// Creates a thin LV of `virtual_bytes` in `pool`.
    pub fn lvcreate_thin(&mut self, vg_name: &str, pool: &str, lv_name: &str, virtual_bytes: u64, uuid: String) -> Result<Vec<Event>, LvmError> {
        self.check_new_lv(vg_name, lv_name)?;
        let vg = self.vg(vg_name).ok_or_else(|| LvmError::NoSuchVg(vg_name.to_string()))?;
        let needs_tpool = match vg.lv(pool).map(|l| &l.kind) {
            Some(LvKind::ThinPool(p)) => p.tpool_minor.is_none(),
            Some(_) => return Err(LvmError::NotAThinPool { vg: vg_name.into(), lv: pool.into() }),
            None => return Err(LvmError::NoSuchLv { vg: vg_name.into(), lv: pool.into() }),
        };
        // The first thin volume makes lvm2 stack a `-tpool` device under the pool.
        let mut events = Vec::new();
        if needs_tpool {
            let m = self.next_minor();
            if let Some(LvKind::ThinPool(p)) = self.vg_mut(vg_name)?.lv_mut(pool).map(|l| &mut l.kind) {
                p.tpool_minor = Some(m);
            }
            let device = format!("{}-tpool", crate::core::machine::dm_name(vg_name, pool));
            events.push(Event::TpoolStacked { vg: vg_name.into(), pool: pool.into(), device });
        }
        let minor = self.next_minor();
        let kind = LvKind::Thin { pool: pool.into(), virtual_bytes, map: ThinMap::default(), origin: None };
        self.push_lv(vg_name, lv_name, uuid, kind, Some(minor))?;
        let device = Some(crate::core::machine::dm_name(vg_name, lv_name));
        events.insert(0, Event::LvCreated { vg: vg_name.into(), lv: lv_name.into(), role: LvRole::Thin, virtual_bytes, chunk_bytes: 0, pool: Some(pool.into()), device });
        self.vg_mut(vg_name)?.commit();
        Ok(events)
    }

    /// Takes a thin snapshot of thin volume `origin`: a new thin volume in the
    /// same pool with a copy of the origin's map, inactive with the activation
    /// skip flag, as lvm2 makes it.
    #[cfg(feature = "thin-snapshots")]
    pub fn lvcreate_thin_snapshot(&mut self, vg_name: &str, origin: &str, lv_name: &str, uuid: String) -> Result<Vec<Event>, LvmError> {
        self.check_new_lv(vg_name, lv_name)?;
        let vg = self.vg(vg_name).ok_or_else(|| LvmError::NoSuchVg(vg_name.to_string()))?;
        let Some(LvKind::Thin { pool, virtual_bytes, map, .. }) = vg.lv(origin).map(|l| &l.kind) else {
            return Err(LvmError::NoSuchLv { vg: vg_name.into(), lv: origin.into() });
        };
        let (pool, virtual_bytes, chunks) = (pool.clone(), *virtual_bytes, map.mapped());
        let kind = LvKind::Thin { pool: pool.clone(), virtual_bytes, map: map.clone(), origin: Some(origin.into()) };
        self.push_lv(vg_name, lv_name, uuid, kind, None)?;
        self.vg_mut(vg_name)?.commit();
        let (vg, lv) = (vg_name.to_string(), lv_name.to_string());
        Ok(vec![
            Event::LvCreated { vg: vg.clone(), lv: lv.clone(), role: LvRole::Thin, virtual_bytes, chunk_bytes: 0, pool: Some(pool), device: None },
            Event::ThinSnapshotTaken { vg, lv, origin: origin.into(), chunks },
        ])
    }

    /// `lvconvert --merge` of an inactive thin snapshot into its origin, which
    /// nothing holds open: the origin keeps its name, UUID and device but takes
    /// the snapshot's map and size (lvm2's `thin_merge_finish`), and the
    /// snapshot is gone.
    #[cfg(feature = "thin-snapshots")]
    pub fn merge_thin_snapshot(&mut self, vg_name: &str, snapshot: &str) -> Result<Vec<Event>, LvmError> {
        let vg = self.vg_mut(vg_name)?;
        let not_mergeable = || LvmError::NotMergeable { vg: vg_name.into(), lv: snapshot.into() };
        let Some(LvKind::Thin { pool, virtual_bytes, map, origin: Some(origin) }) = vg.lv(snapshot).map(|l| l.kind.clone()) else {
            return Err(not_mergeable());
        };
        let Some(kept) = vg.lv_mut(&origin).filter(|l| l.thin_pool().is_some()) else { return Err(not_mergeable()) };
        kept.kind = LvKind::Thin { pool: pool.clone(), virtual_bytes, map, origin: None };
        vg.lvs.retain(|l| l.name != snapshot);
        for l in vg.lvs.iter_mut() {
            if let LvKind::Thin { origin: o @ Some(_), .. } = &mut l.kind {
                // The snapshot's own snapshots now hang off the merged origin;
                // the old origin's other snapshots lose theirs, as it is removed.
                if o.as_deref() == Some(snapshot) {
                    *o = Some(origin.clone());
                } else if o.as_deref() == Some(&origin) {
                    *o = None;
                }
            }
        }
        let returned = reclaim(vg, &pool);
        vg.commit();
        Ok(vec![Event::ThinSnapshotMerged { vg: vg_name.into(), pool, snapshot: snapshot.into(), origin, returned }])
    }

    /// Sum of thin volume sizes in a pool, for the over-provisioning warning.
    pub fn thin_virtual_total(&self, vg: &Vg, pool: &str) -> u64 {
        vg.thin_users(pool).iter().map(|l| vg.lv_size_bytes(l)).sum()
    }

    /// Total chunks a pool's data LV holds.
    pub fn pool_total_chunks(vg: &Vg, pool: &super::Lv) -> u64 {
        match &pool.kind {
            LvKind::ThinPool(p) => vg.lv_size_bytes(pool) / p.chunk_size_bytes,
            _ => 0,
        }
    }

    /// Maps every unmapped or shared chunk of `offset..offset + len` of a thin
    /// LV to a free pool chunk, lowest first. Returns the newly mapped
    /// (virtual, pool) runs, the shared chunks to copy first, and the events;
    /// when the pool fills, maps what fits, marks the pool out of space and
    /// reports how many bytes from `offset` are now backed.
    pub fn provision(&mut self, vg_name: &str, lv_name: &str, offset: u64, len: u64) -> Result<Provisioned, LvmError> {
        let vg = self.vg(vg_name).ok_or_else(|| LvmError::NoSuchVg(vg_name.to_string()))?;
        let lv = vg.lv(lv_name).ok_or_else(|| LvmError::NoSuchLv { vg: vg_name.into(), lv: lv_name.into() })?;
        let LvKind::Thin { pool, map, .. } = &lv.kind else { return Ok(Provisioned::complete(len)) };
        let pool_lv = vg.lv(pool).ok_or_else(|| LvmError::NoSuchLv { vg: vg_name.into(), lv: pool.clone() })?;
        let Some(p) = pool_lv.pool() else { return Err(LvmError::NotAThinPool { vg: vg_name.into(), lv: pool.clone() }) };
        let chunk = p.chunk_size_bytes;
        let total = Self::pool_total_chunks(vg, pool_lv);
        let shared = shared_chunks(vg, pool, lv_name);
        let (first, end) = (offset / chunk, offset.saturating_add(len).div_ceil(chunk));
        let missing: Vec<u64> = (first..end).filter(|v| map.lookup(*v).is_none_or(&shared)).collect();
        // The shared chunks among them, which the write breaks away from.
        #[cfg(feature = "thin-snapshots")]
        let old: Vec<Option<u64>> = missing.iter().map(|v| map.lookup(*v)).collect();
        let free = p.allocated.first_free(missing.len() as u64, total);
        let grant = free.clone().unwrap_or_else(|| p.allocated.first_free(total - p.used_chunks(), total).unwrap_or_default());
        let granted: Vec<u64> = grant.iter().flat_map(|(s, n)| *s..*s + n).collect();
        let pairs: Vec<(u64, u64)> = missing.iter().copied().zip(granted).collect();
        let pool = pool.clone();
        let full = free.is_none();
        // Bytes backed from `offset`: up to the first virtual chunk left unmapped.
        let backed = match missing.get(pairs.len()) {
            Some(v) if full => (v * chunk).saturating_sub(offset).min(len),
            _ => len,
        };
        let vg = self.vg_mut(vg_name)?;
        if let Some(LvKind::Thin { map, .. }) = vg.lv_mut(lv_name).map(|l| &mut l.kind) {
            for (v, p) in &pairs {
                #[cfg(feature = "thin-snapshots")]
                map.remap(*v, *p);
                #[cfg(not(feature = "thin-snapshots"))]
                map.insert(*v, *p, 1);
            }
        }
        if let Some(LvKind::ThinPool(p)) = vg.lv_mut(&pool).map(|l| &mut l.kind) {
            for (_, c) in &pairs {
                p.allocated.insert(*c, 1);
            }
            if full || !pairs.is_empty() {
                p.out_of_space = full;
            }
        }
        let mut events = Vec::new();
        let mut provisioned = Provisioned { new_chunks: pairs, backed_bytes: backed, full, events: Vec::new(), ..Provisioned::complete(len) };
        #[cfg(feature = "thin-snapshots")]
        {
            // A write that covers a whole shared chunk needs no copy of it.
            let covered = |v: u64| v * chunk >= offset && (v + 1) * chunk <= offset.saturating_add(len);
            let (copied, fresh): (Vec<_>, Vec<_>) = provisioned.new_chunks.iter().zip(&old).partition(|(_, o)| o.is_some());
            provisioned.copies = copied.iter().filter(|((v, _), _)| !covered(*v)).map(|((_, new), o)| (o.unwrap_or_default(), *new)).collect();
            if !copied.is_empty() {
                events.push(Event::ThinChunksCopied { vg: vg_name.into(), pool: pool.clone(), lv: lv_name.into(), chunks: copied.len() as u64 });
            }
            provisioned.new_chunks = fresh.into_iter().map(|(pair, _)| *pair).collect();
        }
        if !provisioned.new_chunks.is_empty() {
            events.insert(0, Event::ThinChunksAllocated { vg: vg_name.into(), pool: pool.clone(), lv: lv_name.into(), chunks: provisioned.new_chunks.len() as u64 });
        }
        if full {
            events.push(Event::ThinPoolFull { vg: vg_name.into(), pool });
        }
        provisioned.events = events;
        Ok(provisioned)
    }

    /// Unmaps every chunk of a thin volume (a whole-device discard): the chunks
    /// no other volume maps go back to the pool, and the volume reads as zeros.
    pub fn discard_thin(&mut self, vg_name: &str, lv_name: &str) -> Vec<Event> {
        let Ok(vg) = self.vg_mut(vg_name) else { return Vec::new() };
        let Some(LvKind::Thin { map, pool, .. }) = vg.lv_mut(lv_name).map(|l| &mut l.kind) else { return Vec::new() };
        let chunks = std::mem::take(map).mapped();
        let pool = pool.clone();
        let returned = reclaim(vg, &pool);
        if chunks == 0 {
            return Vec::new();
        }
        vec![Event::ThinChunksFreed { vg: vg_name.into(), pool, lv: lv_name.into(), chunks, returned }]
    }

    /// Unmaps the chunks of a thin volume that `offset..offset + len` covers
    /// whole, as dm-thin passes a discard down; a partly covered chunk stays.
    pub fn discard_thin_range(&mut self, vg_name: &str, lv_name: &str, offset: u64, len: u64) -> Vec<Event> {
        let Ok(vg) = self.vg_mut(vg_name) else { return Vec::new() };
        let Some(pool) = vg.lv(lv_name).and_then(|l| l.thin_pool()).map(str::to_string) else { return Vec::new() };
        let chunk = vg.lv(&pool).and_then(|l| l.pool()).map_or(1, |p| p.chunk_size_bytes).max(1);
        let (first, end) = (offset.div_ceil(chunk), offset.saturating_add(len) / chunk);
        let Some(LvKind::Thin { map, .. }) = vg.lv_mut(lv_name).map(|l| &mut l.kind) else { return Vec::new() };
        let chunks = if first < end { map.unmap(first, end) } else { 0 };
        if chunks == 0 {
            return Vec::new();
        }
        let returned = reclaim(vg, &pool);
        vec![Event::ThinChunksFreed { vg: vg_name.into(), pool, lv: lv_name.into(), chunks, returned }]
    }

    /// A thin volume changes its virtual size; chunks past a smaller end go back
    /// to the pool unless another volume maps them.
    pub(super) fn resize_thin(&mut self, vg_name: &str, lv_name: &str, old_bytes: u64, new_bytes: u64) -> Result<Vec<Event>, LvmError> {
        let vg = self.vg_mut(vg_name)?;
        let extent = vg.extent_size_bytes;
        if old_bytes / extent == new_bytes / extent {
            return Err(LvmError::SizeUnchanged { extents: old_bytes / extent });
        }
        let pool = vg.lv(lv_name).and_then(|l| l.thin_pool()).unwrap_or_default().to_string();
        let chunk = vg.lv(&pool).and_then(|l| l.pool()).map_or(1, |p| p.chunk_size_bytes);
        let mut chunks = 0;
        if let Some(LvKind::Thin { virtual_bytes, map, .. }) = vg.lv_mut(lv_name).map(|l| &mut l.kind) {
            *virtual_bytes = new_bytes;
            chunks = map.truncate(new_bytes.div_ceil(chunk));
        }
        let returned = reclaim(vg, &pool);
        let mut events = vec![Event::LvResized { vg: vg_name.into(), lv: lv_name.into(), old_bytes: old_bytes / extent * extent, new_bytes }];
        if chunks > 0 {
            events.push(Event::ThinChunksFreed { vg: vg_name.into(), pool, lv: lv_name.into(), chunks, returned });
        }
        Ok(events)
    }
}

/// Whether a pool chunk that `lv` maps is mapped by another thin volume of
/// `pool` too.
#[cfg(feature = "thin-snapshots")]
fn shared_chunks(vg: &Vg, pool: &str, lv: &str) -> impl Fn(u64) -> bool {
    let mut others = RangeSet::new();
    for t in vg.thin_users(pool).into_iter().filter(|t| t.name != lv) {
        if let LvKind::Thin { map, .. } = &t.kind {
            map.add_pool_chunks(&mut others);
        }
    }
    move |c| others.contains(c)
}

/// Without thin snapshots no two volumes share a chunk.
#[cfg(not(feature = "thin-snapshots"))]
fn shared_chunks(_: &Vg, _: &str, _: &str) -> impl Fn(u64) -> bool {
    |_| false
}

/// What `Lvm::provision` did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Provisioned {
    /// Newly mapped chunks as (virtual chunk, pool chunk), to be zeroed.
    pub new_chunks: Vec<(u64, u64)>,
    /// Shared chunks to copy before the write, as (old pool chunk, new pool chunk).
    #[cfg(feature = "thin-snapshots")]
    pub copies: Vec<(u64, u64)>,
    /// Bytes from the requested offset that are backed by pool chunks.
    pub backed_bytes: u64,
    pub full: bool,
    pub events: Vec<Event>,
}

impl Provisioned {
    fn complete(len: u64) -> Provisioned {
        Provisioned {
            new_chunks: Vec::new(),
            #[cfg(feature = "thin-snapshots")]
            copies: Vec::new(),
            backed_bytes: len,
            full: false,
            events: Vec::new(),
        }
    }
}

/// Checks each pool's bookkeeping: chunks in range, every thin volume's chunks
/// allocated in its pool and none mapped twice by one volume, every allocated
/// chunk mapped, a snapshot's origin in its pool, and both hidden parts present.
pub(super) fn check_pools(vg: &Vg) -> Result<(), String> {
    for pool in vg.lvs.iter().filter(|l| l.is_pool()) {
        let Some(p) = pool.pool() else { continue };
        if p.used_chunks() > Lvm::pool_total_chunks(vg, pool) {
            return Err(format!("pool {} uses more chunks than it has", pool.name));
        }
        let mut seen = RangeSet::new();
        for t in vg.thin_users(&pool.name) {
            let LvKind::Thin { map, origin, .. } = &t.kind else { continue };
            let mut own = RangeSet::new();
            for (_, ps, n) in map.runs() {
                if own.count_in(ps, n) > 0 {
                    return Err(format!("pool {}: {} maps one chunk twice", pool.name, t.name));
                }
                if p.allocated.count_in(ps, n) != n {
                    return Err(format!("pool {}: {} maps a chunk the pool did not allocate", pool.name, t.name));
                }
                own.insert(ps, n);
                seen.insert(ps, n);
            }
            if origin.as_ref().is_some_and(|o| vg.lv(o).and_then(|l| l.thin_pool()) != Some(&pool.name)) {
                return Err(format!("thin snapshot {} has no origin in pool {}", t.name, pool.name));
            }
        }
        if seen.total() != p.used_chunks() {
            return Err(format!("pool {} counts {} used chunks, its thin volumes map {}", pool.name, p.used_chunks(), seen.total()));
        }
        if vg.pool_data(&pool.name).is_none() || vg.pool_meta(&pool.name).is_none() {
            return Err(format!("pool {} lacks its data or metadata volume", pool.name));
        }
    }
    for thin in &vg.lvs {
        if let Some(pool) = thin.thin_pool() {
            if !vg.lv(pool).is_some_and(|p| p.is_pool()) {
                return Err(format!("thin volume {} lives in missing pool {pool}", thin.name));
            }
        }
    }
    Ok(())
}
