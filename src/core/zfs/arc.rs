//! The ARC, ZFS's read cache in memory: which blocks it holds, on its MRU
//! (used once) or MFU (used again) list, and the counters that
//! `/proc/spl/kstat/zfs/arcstats` and `arc_summary` print.
//!
//! A block joins the MRU list when it is written or first read (a miss). A
//! later read is a hit and moves it to the MFU list (`arc_access`). Past
//! `c_max` the least recently used blocks are evicted to a ghost list, which
//! keeps only their names: a read of a ghost is still a miss, counted as a
//! ghost hit. Freed blocks leave the cache; `zpool destroy` and `zpool
//! export` flush the pool's blocks (`arc_flush`), so reads after an import
//! miss. One ARC serves every pool of the host.
//!
//! Simplified, against OpenZFS 2.2: only data blocks (file contents and
//! zvol blocks) are cached and counted, since the lab walks metadata again
//! for every lookup where ZFS keeps it in its dbuf cache; the counted reads
//! are those that heal (`cat`, `md5sum`, `zfs send`), not a zvol's device
//! reads (`dd if=/dev/zd0`) or scrubs (which bypass the ARC in ZFS too).
//! A hit still reads and verifies the disk copy, so rot under a cached block
//! is found at once, where ZFS would return the cached copy until the
//! block left the ARC. No prefetch, L2ARC, memory pressure or headers'
//! own size; eviction is plain LRU over both lists, and the ghost lists
//! together keep at most `c_max` bytes. The host has 16 GiB of memory, so
//! `c_min` is 512 MiB and `c_max` 8 GiB (half, OpenZFS's Linux default).

use std::collections::{HashMap, VecDeque};

/// The lab host's memory (`arc_all_memory`).
pub const HOST_MEMORY_BYTES: u64 = 16 << 30;
/// What the host uses besides the ARC: kernel, services, no running VMs.
pub const HOST_USED_BYTES: u64 = 1 << 30;
/// `SPA_MAXBLOCKSIZE`: `arc_c` grows when the size comes within two of it.
const SPA_MAXBLOCKSIZE: u64 = 16 << 20;

/// `arc_set_limits`: a 32nd of memory, at least 32 MiB.
pub const fn c_min_bytes() -> u64 {
    let min = HOST_MEMORY_BYTES / 32;
    if min > 2 * SPA_MAXBLOCKSIZE {
        min
    } else {
        2 * SPA_MAXBLOCKSIZE
    }
}

/// `arc_default_max` on Linux: half of memory.
pub const fn c_max_bytes() -> u64 {
    HOST_MEMORY_BYTES / 2
}

/// A buffer's identity in the hash table: the pool, the first DVA and the
/// birth txg (`buf_hash`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ArcKey {
    pub spa_guid: u64,
    pub vdev: u64,
    pub offset: u64,
    pub birth_txg: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ArcState {
    Mru,
    Mfu,
    MruGhost,
    MfuGhost,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Hdr {
    state: ArcState,
    psize: u64,
    lsize: u64,
    /// The tick of the last access, which its entry in `order` (or
    /// `ghosts`) carries.
    tick: u64,
}

/// The counters of `arcstats` that the lab moves; the others stay 0.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ArcStats {
    pub hits: u64,
    pub misses: u64,
    pub demand_data_hits: u64,
    pub demand_data_misses: u64,
    pub mru_hits: u64,
    pub mfu_hits: u64,
    pub mru_ghost_hits: u64,
    pub mfu_ghost_hits: u64,
    pub deleted: u64,
    pub evict_l2_eligible: u64,
    pub evict_l2_eligible_mru: u64,
    pub evict_l2_eligible_mfu: u64,
    pub hash_elements_max: u64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Arc {
    hdrs: HashMap<ArcKey, Hdr>,
    /// Cached buffers by last access, oldest first: the eviction order.
    /// An entry whose header has moved on (touched again, made a ghost or
    /// freed) is stale and skipped. Queues keep the 600,000 headers of a
    /// 10 GiB write in a few allocations; B-trees' small nodes fragmented
    /// the heap and slowed the bench's scrub after it from 0.85 s to 1.1 s.
    order: VecDeque<(u64, ArcKey)>,
    /// Ghosts by eviction, oldest first, stale entries as in `order`.
    ghosts: VecDeque<(u64, ArcKey)>,
    tick: u64,
    /// Each list's bytes, kept as headers move (indexed by `ArcState`).
    sizes: [ListSize; 4],
    /// `arc_c`, the adaptive target.
    pub c_bytes: u64,
    pub stats: ArcStats,
}

impl Default for Arc {
    fn default() -> Arc {
        Arc { hdrs: HashMap::new(), order: VecDeque::new(), ghosts: VecDeque::new(), tick: 0, sizes: Default::default(), c_bytes: c_min_bytes(), stats: ArcStats::default() }
    }
}

/// What one list holds: compressed bytes of data (the ARC keeps blocks
/// compressed) and, for ghosts, the logical bytes they stood for.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ListSize {
    pub bytes: u64,
    pub lsize: u64,
}

fn is_ghost(state: ArcState) -> bool {
    matches!(state, ArcState::MruGhost | ArcState::MfuGhost)
}

impl Arc {
    /// A demand read of a data block: true for a hit.
    pub fn read(&mut self, key: ArcKey, psize: u64, lsize: u64) -> bool {
        let state = self.hdrs.get(&key).map(|h| h.state);
        let hit = matches!(state, Some(ArcState::Mru | ArcState::Mfu));
        if hit {
            self.stats.hits += 1;
            self.stats.demand_data_hits += 1;
        } else {
            self.stats.misses += 1;
            self.stats.demand_data_misses += 1;
        }
        match state {
            Some(ArcState::Mru) => self.stats.mru_hits += 1,
            Some(ArcState::Mfu) => self.stats.mfu_hits += 1,
            Some(ArcState::MruGhost) => self.stats.mru_ghost_hits += 1,
            Some(ArcState::MfuGhost) => self.stats.mfu_ghost_hits += 1,
            None => {}
        }
        // `arc_access`: a second use, or a ghost's return, goes to the MFU.
        let next = if state.is_some() { ArcState::Mfu } else { ArcState::Mru };
        self.place(key, next, psize, lsize);
        hit
    }

    /// A block just written: cached on the MRU list, not counted as a read.
    pub fn written(&mut self, key: ArcKey, psize: u64, lsize: u64) {
        self.place(key, ArcState::Mru, psize, lsize);
    }

    /// A freed block leaves the cache (`arc_freed`).
    pub fn freed(&mut self, key: &ArcKey) {
        if let Some(h) = self.hdrs.remove(key) {
            self.account(&h, false);
        }
    }

    /// `arc_flush` of one pool: its buffers are evicted, then their ghosts
    /// deleted.
    pub fn flush_pool(&mut self, spa_guid: u64) {
        let live: Vec<(u64, ArcKey)> = self.order.iter().filter(|(t, k)| k.spa_guid == spa_guid && self.is_live(*t, k, false)).copied().collect();
        for (_, key) in live {
            self.evict(key);
        }
        let ghosts: Vec<ArcKey> = self.ghosts.iter().filter(|(t, k)| k.spa_guid == spa_guid && self.is_live(*t, k, true)).map(|(_, k)| *k).collect();
        for key in ghosts {
            self.delete_ghost(key);
        }
        self.compact();
    }

    /// Whether a queue entry still stands for its header.
    fn is_live(&self, tick: u64, key: &ArcKey, ghost: bool) -> bool {
        self.hdrs.get(key).is_some_and(|h| h.tick == tick && is_ghost(h.state) == ghost)
    }

    fn place(&mut self, key: ArcKey, state: ArcState, psize: u64, lsize: u64) {
        self.freed(&key);
        self.tick += 1;
        self.order.push_back((self.tick, key));
        let hdr = Hdr { state, psize, lsize, tick: self.tick };
        self.account(&hdr, true);
        self.hdrs.insert(key, hdr);
        self.stats.hash_elements_max = self.stats.hash_elements_max.max(self.hdrs.len() as u64);
        self.grow(psize);
        while self.size().bytes > c_max_bytes() {
            let Some(key) = self.oldest(false) else { break };
            self.evict(key);
        }
        self.compact();
    }

    /// Pops stale entries off a queue's front; the oldest live key.
    fn oldest(&mut self, ghost: bool) -> Option<ArcKey> {
        loop {
            let &(tick, key) = if ghost { self.ghosts.front()? } else { self.order.front()? };
            if self.is_live(tick, &key, ghost) {
                return Some(key);
            }
            if ghost { self.ghosts.pop_front() } else { self.order.pop_front() };
        }
    }

    /// Drops stale entries once they outnumber the headers.
    fn compact(&mut self) {
        let limit = 2 * self.hdrs.len() + 64;
        if self.order.len() > limit {
            let order = std::mem::take(&mut self.order);
            self.order = order.into_iter().filter(|(t, k)| self.is_live(*t, k, false)).collect();
        }
        if self.ghosts.len() > limit {
            let ghosts = std::mem::take(&mut self.ghosts);
            self.ghosts = ghosts.into_iter().filter(|(t, k)| self.is_live(*t, k, true)).collect();
        }
    }

    /// `arc_adapt`'s growth: near the target, the target rises by what was
    /// added, up to `c_max`.
    fn grow(&mut self, added: u64) {
        if self.size().bytes + 2 * SPA_MAXBLOCKSIZE >= self.c_bytes {
            self.c_bytes = (self.c_bytes + added).min(c_max_bytes());
        }
    }

    /// `arc_evict_hdr`: the buffer's data goes, its name stays as a ghost.
    fn evict(&mut self, key: ArcKey) {
        let Some(mut h) = self.hdrs.remove(&key) else { return };
        self.account(&h, false);
        self.stats.evict_l2_eligible += h.lsize;
        if h.state == ArcState::Mru {
            self.stats.evict_l2_eligible_mru += h.lsize;
            h.state = ArcState::MruGhost;
        } else {
            self.stats.evict_l2_eligible_mfu += h.lsize;
            h.state = ArcState::MfuGhost;
        }
        self.account(&h, true);
        self.ghosts.push_back((h.tick, key));
        self.hdrs.insert(key, h);
        while self.ghost_lsize() > c_max_bytes() {
            let Some(oldest) = self.oldest(true) else { break };
            self.delete_ghost(oldest);
        }
    }

    fn delete_ghost(&mut self, key: ArcKey) {
        if let Some(h) = self.hdrs.remove(&key) {
            self.account(&h, false);
            self.stats.deleted += 1;
        }
    }

    fn ghost_lsize(&self) -> u64 {
        self.list(ArcState::MruGhost).lsize + self.list(ArcState::MfuGhost).lsize
    }

    /// Adds a header's bytes to its list's size, or takes them away.
    fn account(&mut self, h: &Hdr, add: bool) {
        let ghost = matches!(h.state, ArcState::MruGhost | ArcState::MfuGhost);
        let size = &mut self.sizes[h.state as usize];
        let bytes = if ghost { 0 } else { h.psize };
        if add {
            size.bytes += bytes;
            size.lsize += h.lsize;
        } else {
            size.bytes -= bytes;
            size.lsize -= h.lsize;
        }
    }

    /// The bytes of one list.
    pub fn list(&self, state: ArcState) -> ListSize {
        self.sizes[state as usize]
    }

    /// What the cached buffers take: compressed and logical bytes.
    pub fn size(&self) -> ListSize {
        let (mru, mfu) = (self.list(ArcState::Mru), self.list(ArcState::Mfu));
        ListSize { bytes: mru.bytes + mfu.bytes, lsize: mru.lsize + mfu.lsize }
    }

    /// Every header: its block, list and compressed size.
    pub fn headers(&self) -> impl Iterator<Item = (&ArcKey, ArcState, u64)> {
        self.hdrs.iter().map(|(k, h)| (k, h.state, h.psize))
    }

    /// Headers in the hash table, ghosts included (`hash_elements`).
    pub fn hash_elements(&self) -> u64 {
        self.hdrs.len() as u64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const BLOCK: u64 = 128 << 10;

    fn key(n: u64) -> ArcKey {
        ArcKey { spa_guid: 7, vdev: 0, offset: n * BLOCK, birth_txg: 5 }
    }

    /// Writes blocks 0..n, as many as fill `c_max` exactly when n is 65536.
    fn filled(n: u64) -> Arc {
        let mut arc = Arc::default();
        for i in 0..n {
            arc.written(key(i), BLOCK, BLOCK);
        }
        arc
    }

    #[test]
    fn limits_follow_sixteen_gib_of_memory() {
        assert_eq!(c_min_bytes(), 512 << 20);
        assert_eq!(c_max_bytes(), 8 << 30);
        assert_eq!(Arc::default().c_bytes, 512 << 20);
    }

    #[test]
    fn the_target_grows_with_the_size_up_to_c_max() {
        // At 480 MiB the size is within two 16 MiB blocks of 512 MiB.
        let arc = filled(3839);
        assert_eq!(arc.c_bytes, 512 << 20);
        let arc = filled(3840);
        assert_eq!(arc.c_bytes, (512 << 20) + BLOCK);
        let arc = filled(65536);
        assert_eq!(arc.c_bytes, 8 << 30);
        assert_eq!(arc.size(), ListSize { bytes: 8 << 30, lsize: 8 << 30 });
    }

    #[test]
    fn past_c_max_the_oldest_block_becomes_a_ghost_and_its_read_a_miss() {
        let mut arc = filled(65536);
        assert!(arc.read(key(1), BLOCK, BLOCK), "block 1 is cached");
        arc.written(key(65536), BLOCK, BLOCK);
        assert_eq!(arc.list(ArcState::MruGhost), ListSize { bytes: 0, lsize: BLOCK });
        assert_eq!((arc.stats.evict_l2_eligible, arc.stats.evict_l2_eligible_mru), (BLOCK, BLOCK));
        assert!(!arc.read(key(0), BLOCK, BLOCK), "block 0 was evicted");
        assert_eq!((arc.stats.misses, arc.stats.mru_ghost_hits, arc.stats.hits), (1, 1, 1));
        // The ghost came back to the MFU list, pushing out block 2 (block 1
        // was read after it, so it is newer).
        assert_eq!(arc.list(ArcState::Mfu).bytes, 2 * BLOCK);
        assert!(arc.read(key(1), BLOCK, BLOCK));
        assert!(!arc.read(key(2), BLOCK, BLOCK));
        // Block 3 made room for block 2 and is the one ghost left.
        assert_eq!(arc.hash_elements(), 65536 + 1);
    }

    #[test]
    fn ghosts_past_c_max_are_deleted() {
        let mut arc = filled(65536);
        for i in 65536..2 * 65536 + 3 {
            arc.written(key(i), BLOCK, BLOCK);
        }
        assert_eq!(arc.list(ArcState::MruGhost).lsize, 8 << 30);
        assert_eq!(arc.stats.deleted, 3);
        assert_eq!(arc.hash_elements(), 2 * 65536);
        assert_eq!(arc.stats.hash_elements_max, 2 * 65536 + 1);
    }

    #[test]
    fn compressed_blocks_take_their_physical_size() {
        let mut arc = Arc::default();
        arc.written(key(0), 4096, BLOCK);
        assert!(arc.read(key(0), 4096, BLOCK));
        assert_eq!(arc.size(), ListSize { bytes: 4096, lsize: BLOCK });
        arc.freed(&key(0));
        assert_eq!(arc.size(), ListSize::default());
        assert_eq!(arc.hash_elements(), 0);
    }

    #[test]
    fn a_flush_evicts_one_pool_and_deletes_its_ghosts() {
        let mut arc = Arc::default();
        arc.written(key(0), BLOCK, BLOCK);
        arc.written(ArcKey { spa_guid: 9, ..key(0) }, BLOCK, BLOCK);
        arc.read(key(0), BLOCK, BLOCK);
        arc.flush_pool(7);
        assert_eq!(arc.size().bytes, BLOCK);
        assert_eq!((arc.stats.deleted, arc.stats.evict_l2_eligible_mfu), (1, BLOCK));
        assert_eq!(arc.hash_elements(), 1);
    }
}
