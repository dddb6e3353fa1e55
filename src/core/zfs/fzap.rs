//! Fat ZAPs (`zap_phys_t` and `zap_leaf_phys_t`): the form a ZAP takes when
//! a value is more than one integer, as the SA attribute layouts are.
//!
//! Block 0 is the header, with the pointer table embedded in its second
//! half; block 1 is the one leaf every pointer names. A leaf holds a hash
//! table of chunk numbers and 24-byte chunks: entries, arrays of name and
//! value bytes (integers big-endian) and a free list. Names hash with
//! ZFS's CRC-64 and the ZAP's salt. Simplified: one leaf, written whole
//! when the ZAP is created; the lab never reads one back.

use super::dnode::put64;

/// `fzap_default_block_shift`: 16 KiB blocks.
pub const FZAP_BLOCK_BYTES: usize = 16 * 1024;
const ZBT_LEAF: u64 = 1 << 63;
const ZBT_HEADER: u64 = (1 << 63) + 1;
const ZAP_MAGIC: u64 = 0x2_F52A_B2AB;
const ZAP_LEAF_MAGIC: u32 = 0x2AB_1EAF;
const CHUNK_BYTES: usize = 24;
const ARRAY_BYTES: usize = CHUNK_BYTES - 3;
const CHAIN_END: u16 = 0xffff;
const CHUNK_ARRAY: u8 = 251;
const CHUNK_ENTRY: u8 = 252;
const CHUNK_FREE: u8 = 253;
/// `ZAP_LEAF_HASH_SHIFT`: 512 hash slots in a 16 KiB leaf.
const LEAF_HASH_SHIFT: u32 = FZAP_BLOCK_BYTES.trailing_zeros() - 5;
const LEAF_HASH_AT: usize = 48;
const CHUNKS_AT: usize = LEAF_HASH_AT + (2 << LEAF_HASH_SHIFT);
/// `ZAP_LEAF_NUMCHUNKS`: 638.
const NUM_CHUNKS: usize = (FZAP_BLOCK_BYTES - (2 << LEAF_HASH_SHIFT)) / CHUNK_BYTES - 2;
/// `ZAP_EMBEDDED_PTRTBL_SHIFT`: 1024 leaf pointers in the header's second half.
const PTRTBL_SHIFT: u32 = FZAP_BLOCK_BYTES.trailing_zeros() - 3 - 1;
/// `ZAP_HASHBITS`: the hash bits a ZAP without `ZAP_FLAG_HASH64` keeps.
const HASH_BITS: u32 = 28;

/// `ZFS_CRC64_POLY`, the ECMA-182 polynomial reflected.
const CRC64_POLY: u64 = 0xC96C_5795_D787_0F42;

fn crc64_table_entry(i: u8) -> u64 {
    (0..8).fold(u64::from(i), |crc, _| (crc >> 1) ^ ((crc & 1).wrapping_neg() & CRC64_POLY))
}

/// `zap_hash` of a string key.
pub fn zap_hash(salt: u64, name: &str) -> u64 {
    let h = name.bytes().fold(salt, |h, c| (h >> 8) ^ crc64_table_entry((h ^ u64::from(c)) as u8));
    h & !((1u64 << (64 - HASH_BITS)) - 1)
}

/// One entry: a name and its value, integers of `int_bytes` each.
pub struct Entry<'a> {
    pub name: &'a str,
    pub int_bytes: u8,
    pub values: Vec<u64>,
}

/// The header block of a fat ZAP with one leaf and `entries` entries.
pub fn header_block(entries: u64, salt: u64) -> Vec<u8> {
    let mut b = vec![0u8; FZAP_BLOCK_BYTES];
    put64(&mut b, 0, ZBT_HEADER);
    put64(&mut b, 8, ZAP_MAGIC);
    // zap_ptrtbl: embedded (no blocks of its own), `zt_shift` bits.
    put64(&mut b, 32, u64::from(PTRTBL_SHIFT));
    put64(&mut b, 56, 2); // zap_freeblk
    put64(&mut b, 64, 1); // zap_num_leafs
    put64(&mut b, 72, entries);
    put64(&mut b, 80, salt);
    let table = FZAP_BLOCK_BYTES / 2;
    for i in 0..1usize << PTRTBL_SHIFT {
        put64(&mut b, table + 8 * i, 1);
    }
    b
}

/// The leaf block, with the entries in order and the rest on the free list.
pub fn leaf_block(entries: &[Entry], salt: u64) -> Vec<u8> {
    let mut b = vec![0u8; FZAP_BLOCK_BYTES];
    put64(&mut b, 0, ZBT_LEAF);
    b[24..28].copy_from_slice(&ZAP_LEAF_MAGIC.to_le_bytes());
    for slot in 0..1usize << LEAF_HASH_SHIFT {
        put16(&mut b, LEAF_HASH_AT + 2 * slot, CHAIN_END);
    }
    let mut next = 0usize;
    for e in entries {
        let entry = next;
        let name: Vec<u8> = e.name.bytes().chain([0]).collect();
        let name_chunk = next + 1;
        next = write_array(&mut b, name_chunk, &name);
        let value: Vec<u8> = e.values.iter().flat_map(|v| v.to_be_bytes()[8 - usize::from(e.int_bytes)..].to_vec()).collect();
        let value_chunk = next;
        next = write_array(&mut b, value_chunk, &value);
        let hash = zap_hash(salt, e.name);
        let slot = (hash >> (64 - LEAF_HASH_SHIFT)) as usize;
        let c = chunk_at(entry);
        b[c] = CHUNK_ENTRY;
        b[c + 1] = e.int_bytes;
        let chained = get16(&b, LEAF_HASH_AT + 2 * slot);
        put16(&mut b, c + 2, chained);
        put16(&mut b, c + 4, name_chunk as u16);
        put16(&mut b, c + 6, name.len() as u16);
        put16(&mut b, c + 8, value_chunk as u16);
        put16(&mut b, c + 10, e.values.len() as u16);
        put64(&mut b, c + 16, hash);
        put16(&mut b, LEAF_HASH_AT + 2 * slot, entry as u16);
    }
    for i in next..NUM_CHUNKS {
        let c = chunk_at(i);
        b[c] = CHUNK_FREE;
        put16(&mut b, c + 22, if i + 1 < NUM_CHUNKS { i as u16 + 1 } else { CHAIN_END });
    }
    put16(&mut b, 28, (NUM_CHUNKS - next) as u16); // lh_nfree
    put16(&mut b, 30, entries.len() as u16); // lh_nentries
    put16(&mut b, 34, if next < NUM_CHUNKS { next as u16 } else { CHAIN_END }); // lh_freelist
    b
}

fn chunk_at(i: usize) -> usize {
    CHUNKS_AT + i * CHUNK_BYTES
}

/// Writes `bytes` as a chain of array chunks from `first`; returns the next free chunk.
fn write_array(b: &mut [u8], first: usize, bytes: &[u8]) -> usize {
    let parts: Vec<&[u8]> = bytes.chunks(ARRAY_BYTES).collect();
    for (i, part) in parts.iter().enumerate() {
        let c = chunk_at(first + i);
        b[c] = CHUNK_ARRAY;
        b[c + 1..c + 1 + part.len()].copy_from_slice(part);
        put16(b, c + 22, if i + 1 < parts.len() { (first + i + 1) as u16 } else { CHAIN_END });
    }
    first + parts.len()
}

fn put16(b: &mut [u8], at: usize, v: u16) {
    b[at..at + 2].copy_from_slice(&v.to_le_bytes());
}

fn get16(b: &[u8], at: usize) -> u16 {
    u16::from_le_bytes([b[at], b[at + 1]])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::zfs::dnode::get64;

    #[test]
    fn crc64_is_zfs_table() {
        // `spa_init` builds zfs_crc64_table from ZFS_CRC64_POLY; it is the
        // CRC-64/XZ table, whose entry 1 is published with that algorithm.
        assert_eq!(crc64_table_entry(0), 0);
        assert_eq!(crc64_table_entry(1), 0xB32E_4CBE_03A7_5F6F);
        assert_eq!(crc64_table_entry(128), CRC64_POLY);
    }

    #[test]
    fn a_leaf_holds_its_entry_and_chains_the_free_chunks() {
        let salt = 0x1234_5678_9abc_def1;
        let values: Vec<u64> = (1..=15).collect();
        let leaf = leaf_block(&[Entry { name: "2", int_bytes: 2, values }], salt);
        assert_eq!(NUM_CHUNKS, 638);
        assert_eq!(get64(&leaf, 0), ZBT_LEAF);
        // Entry in chunk 0, the name in 1, 30 value bytes in 2 and 3.
        let hash = zap_hash(salt, "2");
        let slot = (hash >> 55) as usize;
        assert_eq!(get16(&leaf, LEAF_HASH_AT + 2 * slot), 0);
        let e = chunk_at(0);
        assert_eq!((leaf[e], leaf[e + 1], get16(&leaf, e + 4), get16(&leaf, e + 6), get16(&leaf, e + 8), get16(&leaf, e + 10)), (252, 2, 1, 2, 2, 15));
        assert_eq!(get64(&leaf, e + 16), hash);
        assert_eq!(&leaf[chunk_at(1)..chunk_at(1) + 3], &[251, b'2', 0]);
        // uint16 values big-endian: 1, 2, ... in the array bytes.
        assert_eq!(&leaf[chunk_at(2) + 1..chunk_at(2) + 5], &[0, 1, 0, 2]);
        assert_eq!(get16(&leaf, chunk_at(2) + 22), 3);
        assert_eq!((get16(&leaf, 28), get16(&leaf, 30), get16(&leaf, 34)), (634, 1, 4));
        assert_eq!(get16(&leaf, chunk_at(637) + 22), CHAIN_END);
        let header = header_block(1, salt);
        assert_eq!((get64(&header, 8), get64(&header, 32), get64(&header, 8192), get64(&header, 16376)), (ZAP_MAGIC, 10, 1, 1));
    }
}
