//! The bytes of a disk, stored sparsely.
//!
//! Models a block device's contents as a map from sector number to the sectors
//! that were ever written; unwritten sectors read as zeros. Memory therefore grows
//! with what was written, never with the disk's size, so a 500 GB disk costs nothing
//! until a partition table lands on it.

use super::units::SECTOR_BYTES;
use super::order::VecMap;

const SECTOR: usize = SECTOR_BYTES as usize;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Media {
    sectors: VecMap<u64, Box<[u8; SECTOR]>>,
}

impl Media {
    pub fn read_sector(&self, lba: u64) -> [u8; SECTOR] {
        self.sectors.get(&lba).map(|s| **s).unwrap_or([0u8; SECTOR])
    }

    /// Writes one sector; an all-zero sector is dropped from the map.
    pub fn write_sector(&mut self, lba: u64, data: &[u8; SECTOR]) {
        if data.iter().all(|b| *b == 0) {
            self.sectors.remove(&lba);
        } else {
            self.sectors.insert(lba, Box::new(*data));
        }
    }

    /// Writes `data` from sector `lba` on; a short final sector is zero-padded.
    pub fn write_bytes(&mut self, lba: u64, data: &[u8]) {
        for (i, chunk) in data.chunks(SECTOR).enumerate() {
            let mut s = [0u8; SECTOR];
            s[..chunk.len()].copy_from_slice(chunk);
            self.write_sector(lba + i as u64, &s);
        }
    }

    pub fn read_bytes(&self, lba: u64, sectors: u64) -> Vec<u8> {
        (0..sectors).flat_map(|i| self.read_sector(lba + i)).collect()
    }

    /// Number of sectors that hold data: the simulator's real memory cost.
    pub fn stored_sectors(&self) -> usize {
        self.sectors.len()
    }

    /// Zeroes sectors `first..=last` (used by `wipefs`-like signature removal).
    pub fn discard(&mut self, first: u64, last: u64) {
        let keys: Vec<u64> = self.sectors.range_inclusive(&first, &last).map(|(k, _)| *k).collect();
        for k in keys {
            self.sectors.remove(&k);
        }
    }
}
