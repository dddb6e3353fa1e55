//! Micro ZAPs (`mzap_phys_t`): the name → number maps of directories, the
//! master node and a zvol's properties.
//!
//! A micro ZAP block starts with a 64-byte header (`ZBT_MICRO`) and holds
//! 64-byte entries: an 8-byte value, a collision differentiator and a name of
//! at most 49 bytes. The block starts at 512 bytes and grows by 512 when it
//! is full (`mzap_addent`), up to 128 KiB; it never shrinks. Simplified:
//! no fat ZAP, so a directory holds at most 2047 entries and names are at
//! most 49 bytes; entries are kept in insertion order (ZFS hashes them).

use super::dnode::{get64, put64};

const ZBT_MICRO: u64 = (1 << 63) + 3;
const ENTRY_BYTES: usize = 64;
pub const MAX_NAME_BYTES: usize = 49;
pub const MAX_BLOCK_BYTES: u64 = 128 * 1024;

/// The block size a micro ZAP of `entries` entries needs (at least 512):
/// room for the header and the entries, in whole 512-byte steps.
pub fn block_bytes_for(entries: usize) -> u64 {
    ((entries + 1) * ENTRY_BYTES).div_ceil(512) as u64 * 512
}

pub fn encode(entries: &[(String, u64)], block_bytes: u64) -> Vec<u8> {
    let mut b = vec![0u8; block_bytes as usize];
    put64(&mut b, 0, ZBT_MICRO);
    for (i, (name, value)) in entries.iter().enumerate() {
        let at = ENTRY_BYTES * (i + 1);
        if at + ENTRY_BYTES > b.len() {
            break;
        }
        put64(&mut b, at, *value);
        let n = name.len().min(MAX_NAME_BYTES);
        b[at + 14..at + 14 + n].copy_from_slice(&name.as_bytes()[..n]);
    }
    b
}

pub fn decode(b: &[u8]) -> Vec<(String, u64)> {
    if b.len() < ENTRY_BYTES || get64(b, 0) != ZBT_MICRO {
        return Vec::new();
    }
    b.chunks_exact(ENTRY_BYTES)
        .skip(1)
        .filter(|e| e[14] != 0)
        .map(|e| {
            let name = &e[14..14 + 50];
            let end = name.iter().position(|c| *c == 0).unwrap_or(name.len());
            (String::from_utf8_lossy(&name[..end]).into_owned(), get64(e, 0))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_round_trip_at_mzap_offsets() {
        let entries = vec![("ROOT".to_string(), 34), ("VERSION".to_string(), 4)];
        let b = encode(&entries, 512);
        assert_eq!(get64(&b, 0), ZBT_MICRO);
        assert_eq!(get64(&b, 64), 34);
        assert_eq!(&b[64 + 14..64 + 18], b"ROOT");
        assert_eq!(decode(&b), entries);
        assert_eq!(block_bytes_for(7), 512);
        assert_eq!(block_bytes_for(8), 1024);
        // The SA registry's 22 attributes: 1.5K, as zdb shows it.
        assert_eq!(block_bytes_for(22), 1536);
        assert_eq!(block_bytes_for(24), 2048);
    }
}
