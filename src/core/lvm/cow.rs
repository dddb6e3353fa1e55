//! Classic (COW) snapshots, as dm-snapshot's persistent exception store
//! keeps them (`dm-snap-persistent.c`): the snapshot LV's own extents are
//! the COW store. Chunk 0 holds the header ("SnAp", valid, version 1, the
//! chunk size in sectors); metadata areas of `chunk / 16` exceptions
//! (`{old_chunk, new_chunk}`, little-endian) sit at chunk 1 and after every
//! `chunk / 16` data chunks. The first write to an origin chunk after the
//! snapshot copies the old chunk into the store; the snapshot reads its
//! exceptions from there and the rest from the origin. A store that fills
//! invalidates the snapshot.
//!
//! Simplified: no merging snapshot state (a merge is done at once), no
//! transient (non-persistent) stores.

use std::collections::BTreeMap;

/// lvm2's default snapshot chunk: 8 sectors.
pub const DEFAULT_CHUNK_BYTES: u64 = 4096;
/// The `-c` range lvm2 accepts for snapshots.
pub const MIN_CHUNK_BYTES: u64 = 4096;
pub const MAX_CHUNK_BYTES: u64 = 512 * 1024;
const SECTOR: u64 = 512;
/// `SNAP_MAGIC`: "SnAp" read as a little-endian word.
const MAGIC: u32 = 0x7041_6e53;

/// One snapshot's exception store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cow {
    pub origin: String,
    pub chunk_bytes: u64,
    /// Origin chunk → store chunk.
    pub exceptions: BTreeMap<u64, u64>,
    /// `next_free`: the store chunk the next exception takes.
    pub next_free: u64,
    /// The store filled up ("Invalidating snapshot: Unable to allocate exception.").
    pub invalid: bool,
}

/// Where a new exception went: its chunk in the store, and its metadata
/// entry (byte offset in the store, bytes).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Exception {
    pub new_chunk: u64,
    pub entry_at: u64,
    pub entry: [u8; 16],
}

impl Cow {
    pub fn new(origin: &str, chunk_bytes: u64) -> Cow {
        Cow { origin: origin.to_string(), chunk_bytes, exceptions: BTreeMap::new(), next_free: 2, invalid: false }
    }

    /// `exceptions_per_area`.
    fn per_area(&self) -> u64 {
        self.chunk_bytes / 16
    }

    /// Chunk 0: magic, valid, version and chunk size (in sectors), little-endian.
    pub fn header(&self) -> Vec<u8> {
        let valid = u32::from(!self.invalid);
        [MAGIC, valid, 1, (self.chunk_bytes / SECTOR) as u32].iter().flat_map(|w| w.to_le_bytes()).collect()
    }

    /// `persistent_prepare_exception` and `persistent_commit_exception`: the
    /// next free chunk for origin chunk `old`, stepping over the metadata
    /// areas; `None` (and the snapshot invalid) when a store of
    /// `store_bytes` has no room left.
    pub fn allocate(&mut self, old: u64, store_bytes: u64) -> Option<Exception> {
        if self.invalid || (self.next_free + 1) * self.chunk_bytes > store_bytes {
            self.invalid = true;
            return None;
        }
        let new_chunk = self.next_free;
        self.next_free += 1;
        if self.next_free % (self.per_area() + 1) == 1 {
            self.next_free += 1;
        }
        let index = self.exceptions.len() as u64;
        let area = index / self.per_area();
        let area_chunk = 1 + (self.per_area() + 1) * area;
        let entry_at = area_chunk * self.chunk_bytes + (index % self.per_area()) * 16;
        let mut entry = [0u8; 16];
        entry[..8].copy_from_slice(&old.to_le_bytes());
        entry[8..].copy_from_slice(&new_chunk.to_le_bytes());
        self.exceptions.insert(old, new_chunk);
        Some(Exception { new_chunk, entry_at, entry })
    }

    /// `persistent_usage`, in sectors: (allocated, total, metadata).
    pub fn usage(&self, store_bytes: u64) -> (u64, u64, u64) {
        let chunk = self.chunk_bytes / SECTOR;
        let area = (self.exceptions.len() as u64).saturating_sub(1) / self.per_area();
        (self.next_free * chunk, store_bytes / SECTOR, (area + 2) * chunk)
    }

    /// lvm2's `cow_max_extents`: the largest store an origin of
    /// `origin_bytes` can use (every chunk an exception, the areas with a
    /// terminating one, the header), in whole extents. A kernel with
    /// dm-snapshot's leak fix needs no extra chunks.
    pub fn max_store_extents(origin_bytes: u64, chunk_bytes: u64, extent_bytes: u64) -> u64 {
        let chunks = origin_bytes.div_ceil(chunk_bytes);
        let per_area = chunk_bytes / 16;
        let bytes = (1 + chunks + (chunks + per_area) / per_area) * chunk_bytes;
        bytes.div_ceil(extent_bytes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exceptions_step_over_the_metadata_areas() {
        let mut c = Cow::new("lv", 4096);
        let store = 20 << 20;
        // Chunk 0 is the header, chunk 1 the first area, 2..=257 its data.
        let first = c.allocate(7, store).expect("room");
        assert_eq!((first.new_chunk, first.entry_at), (2, 4096));
        assert_eq!(&first.entry[..8], &7u64.to_le_bytes());
        for old in 8..8 + 255 {
            c.allocate(old, store);
        }
        assert_eq!(c.next_free, 259, "chunk 258 is the second area");
        let next = c.allocate(1000, store).expect("room");
        assert_eq!((next.new_chunk, next.entry_at), (259, 258 * 4096));
        // 16 sectors of header and area used: lvm2 shows 0.00 then.
        assert_eq!(Cow::new("lv", 4096).usage(store), (16, 40960, 16));
    }

    #[test]
    fn a_full_store_invalidates_the_snapshot() {
        let mut c = Cow::new("lv", 4096);
        // 4 chunks: header, area, and room for two exceptions.
        assert!(c.allocate(1, 4 * 4096).is_some());
        assert!(c.allocate(2, 4 * 4096).is_some());
        assert!(c.allocate(3, 4 * 4096).is_none());
        assert!(c.invalid);
        assert_eq!(&c.header()[4..8], &0u32.to_le_bytes());
    }

    #[test]
    fn the_largest_store_is_lvm2s() {
        // A 100 MiB origin with 4 KiB chunks and 4 MiB extents: 104 MiB.
        assert_eq!(Cow::max_store_extents(100 << 20, 4096, 4 << 20), 26);
    }
}
