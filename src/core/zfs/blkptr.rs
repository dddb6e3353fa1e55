//! Block pointers (`blkptr_t`), the edges of ZFS's tree, in their on-disk form.
//!
//! A block pointer is 128 bytes: up to three DVAs (vdev, offset, allocated
//! size: one per copy), a property word (logical and physical size,
//! compression, checksum algorithm, object type, level), the birth txg, the
//! fill count and the 256-bit checksum of the child's physical bytes. The
//! fields are packed with `spa.h`'s bit layout, so a pointer read back from an
//! indirect block decodes to what was written.
//!
//! An embedded block pointer (`BP_IS_EMBEDDED`) carries a small block's
//! compressed bytes itself, in the 112 bytes the DVAs, fill and checksum
//! would take: such a block has no copy on disk and takes no space.
//! Simplified: no gang blocks, no dedup or encryption bits.

use super::checksum::{ChecksumAlg, Cksum};

/// The smallest unit of a block's size: sizes are stored in 512-byte sectors.
pub const SPA_MINBLOCKSHIFT: u32 = 9;
/// `sizeof (blkptr_t)`.
pub const BLKPTR_BYTES: usize = 128;

/// A data virtual address: where one copy of a block lives.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Dva {
    /// The top-level vdev's id.
    pub vdev: u32,
    /// Bytes from the start of the vdev's allocatable space (after the front labels).
    pub offset: u64,
    /// Bytes allocated, parity and padding included.
    pub asize: u64,
}

/// `dmu_object_type_t`: what a block holds. Numbers are `dmu.h`'s.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ObjType {
    None,
    ObjectDirectory,
    Dnode,
    Objset,
    DslDataset,
    Znode,
    PlainFileContents,
    DirectoryContents,
    MasterNode,
    UnlinkedSet,
    Zvol,
    ZvolProp,
    Sa,
    SaMasterNode,
    SaAttrRegistration,
    SaAttrLayouts,
}

impl ObjType {
    pub fn code(self) -> u8 {
        match self {
            ObjType::None => 0,
            ObjType::ObjectDirectory => 1,
            ObjType::Dnode => 10,
            ObjType::Objset => 11,
            ObjType::DslDataset => 16,
            ObjType::Znode => 17,
            ObjType::PlainFileContents => 19,
            ObjType::DirectoryContents => 20,
            ObjType::MasterNode => 21,
            ObjType::UnlinkedSet => 22,
            ObjType::Zvol => 23,
            ObjType::ZvolProp => 24,
            ObjType::Sa => 44,
            ObjType::SaMasterNode => 45,
            ObjType::SaAttrRegistration => 46,
            ObjType::SaAttrLayouts => 47,
        }
    }

    pub fn from_code(code: u8) -> ObjType {
        const ALL: [ObjType; 16] = [
            ObjType::None,
            ObjType::ObjectDirectory,
            ObjType::Dnode,
            ObjType::Objset,
            ObjType::DslDataset,
            ObjType::Znode,
            ObjType::PlainFileContents,
            ObjType::DirectoryContents,
            ObjType::MasterNode,
            ObjType::UnlinkedSet,
            ObjType::Zvol,
            ObjType::ZvolProp,
            ObjType::Sa,
            ObjType::SaMasterNode,
            ObjType::SaAttrRegistration,
            ObjType::SaAttrLayouts,
        ];
        ALL.into_iter().find(|t| t.code() == code).unwrap_or(ObjType::None)
    }

    /// File and volume contents are data; everything else is metadata, which
    /// ZFS compresses and stores with an extra copy.
    pub fn is_metadata(self) -> bool {
        !matches!(self, ObjType::PlainFileContents | ObjType::Zvol)
    }

    /// `DMU_OT_HAS_FILL`: dnode and object set blocks count what they hold,
    /// so they are never embedded.
    pub fn has_fill(self) -> bool {
        matches!(self, ObjType::Dnode | ObjType::Objset)
    }
}

/// `enum zio_compress`, the values the lab writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Compress {
    Off,
    Lz4,
}

impl Compress {
    pub fn code(self) -> u8 {
        match self {
            Compress::Off => 2,
            Compress::Lz4 => 15,
        }
    }
}

/// `BPE_PAYLOAD_SIZE`: the most compressed bytes a pointer can embed.
pub const BPE_PAYLOAD_BYTES: usize = 112;
/// The words of an embedded pointer that hold payload: all but `blk_prop`
/// (word 6) and the birth txg (word 10).
const PAYLOAD_WORDS: [usize; 14] = [0, 1, 2, 3, 4, 5, 7, 8, 9, 11, 12, 13, 14, 15];

/// One block pointer. A hole (a never-written or freed region) has no DVAs.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Blkptr {
    pub dvas: Vec<Dva>,
    pub lsize: u64,
    pub psize: u64,
    pub compress: Option<Compress>,
    pub checksum: Option<ChecksumAlg>,
    pub obj_type: Option<ObjType>,
    pub level: u8,
    pub birth_txg: u64,
    /// Non-hole level-0 blocks below this pointer.
    pub fill: u64,
    pub cksum: Cksum,
    /// An embedded pointer's payload: the block's compressed bytes, `psize`
    /// of them (a fixed array keeps the pointer plain data to clone).
    pub embedded: Option<[u8; BPE_PAYLOAD_BYTES]>,
}

fn get(word: u64, low: u32, len: u32) -> u64 {
    (word >> low) & ((1u64 << len) - 1)
}

fn set(word: &mut u64, low: u32, len: u32, value: u64) {
    let mask = ((1u64 << len) - 1) << low;
    *word = (*word & !mask) | ((value << low) & mask);
}

fn le64(b: &[u8], at: usize) -> u64 {
    let mut w = [0u8; 8];
    w.copy_from_slice(&b[at..at + 8]);
    u64::from_le_bytes(w)
}

impl Blkptr {
    pub fn hole() -> Blkptr {
        Blkptr::default()
    }

    pub fn is_hole(&self) -> bool {
        self.dvas.is_empty() && self.embedded.is_none()
    }

    /// A small block stored in the pointer itself (`BP_IS_EMBEDDED`).
    /// A level-0 block of file or volume contents, which the ARC caches.
    pub fn is_data(&self) -> bool {
        self.level == 0 && self.obj_type.is_some_and(|t| !t.is_metadata())
    }

    pub fn embed(payload: &[u8], lsize: u64, obj_type: ObjType, birth_txg: u64) -> Blkptr {
        let mut bytes = [0u8; BPE_PAYLOAD_BYTES];
        bytes[..payload.len()].copy_from_slice(payload);
        Blkptr { lsize, psize: payload.len() as u64, compress: Some(Compress::Lz4), obj_type: Some(obj_type), birth_txg, fill: 1, embedded: Some(bytes), ..Blkptr::default() }
    }

    /// An embedded pointer's compressed bytes.
    pub fn payload(&self) -> Option<&[u8]> {
        self.embedded.as_ref().map(|b| &b[..self.psize as usize])
    }

    /// `BP_GET_UCSIZE`: what the block counts toward the logical sizes,
    /// once however many copies it has: data its logical size, metadata its
    /// compressed size (none when embedded).
    pub fn ucsize(&self) -> u64 {
        match () {
            _ if self.is_hole() => 0,
            _ if self.level == 0 && !self.kind().is_metadata() => self.lsize,
            _ if self.embedded.is_some() => 0,
            _ => self.psize,
        }
    }

    /// `BP_GET_PSIZE` as the space accounting reads it: one copy's
    /// compressed size, none for an embedded block or a hole.
    pub fn compressed_size(&self) -> u64 {
        if self.dvas.is_empty() {
            0
        } else {
            self.psize
        }
    }

    /// The bytes of all copies together.
    pub fn asize(&self) -> u64 {
        self.dvas.iter().map(|d| d.asize).sum()
    }

    pub fn alg(&self) -> ChecksumAlg {
        self.checksum.unwrap_or(ChecksumAlg::Off)
    }

    pub fn kind(&self) -> ObjType {
        self.obj_type.unwrap_or(ObjType::None)
    }

    /// The 128 bytes ZFS stores, little-endian.
    pub fn encode(&self) -> [u8; BLKPTR_BYTES] {
        let mut out = [0u8; BLKPTR_BYTES];
        if self.is_hole() {
            return out;
        }
        if let Some(payload) = self.payload() {
            return self.encode_embedded(payload);
        }
        let mut words = [0u64; 16];
        for (i, d) in self.dvas.iter().take(3).enumerate() {
            set(&mut words[2 * i], 0, 24, d.asize >> SPA_MINBLOCKSHIFT);
            set(&mut words[2 * i], 32, 32, u64::from(d.vdev));
            set(&mut words[2 * i + 1], 0, 63, d.offset >> SPA_MINBLOCKSHIFT);
        }
        let prop = &mut words[6];
        set(prop, 0, 16, (self.lsize >> SPA_MINBLOCKSHIFT) - 1);
        set(prop, 16, 16, (self.psize >> SPA_MINBLOCKSHIFT) - 1);
        set(prop, 32, 7, u64::from(self.compress.map_or(0, |c| c.code())));
        set(prop, 40, 8, u64::from(self.alg().code()));
        set(prop, 48, 8, u64::from(self.kind().code()));
        set(prop, 56, 5, u64::from(self.level));
        // Bit 63 records the byte order the block was written in: little-endian.
        set(prop, 63, 1, 1);
        words[9] = self.birth_txg; // blk_phys_birth
        words[10] = self.birth_txg;
        words[11] = self.fill;
        words[12..16].copy_from_slice(&self.cksum.0);
        for (i, w) in words.iter().enumerate() {
            out[i * 8..i * 8 + 8].copy_from_slice(&w.to_le_bytes());
        }
        out
    }

    /// `blk_prop` of an embedded pointer: sizes in bytes (lsize in bits
    /// 0..25, psize in 25..32), the embedded flag at bit 39 and
    /// `BP_EMBEDDED_TYPE_DATA` (0) where the checksum algorithm would be.
    fn encode_embedded(&self, payload: &[u8]) -> [u8; BLKPTR_BYTES] {
        let mut out = [0u8; BLKPTR_BYTES];
        let mut padded = [0u8; BPE_PAYLOAD_BYTES];
        padded[..payload.len()].copy_from_slice(payload);
        for (i, w) in PAYLOAD_WORDS.iter().enumerate() {
            out[w * 8..w * 8 + 8].copy_from_slice(&padded[i * 8..i * 8 + 8]);
        }
        let mut prop = 0u64;
        set(&mut prop, 0, 25, self.lsize - 1);
        set(&mut prop, 25, 7, payload.len() as u64 - 1);
        set(&mut prop, 32, 7, u64::from(Compress::Lz4.code()));
        set(&mut prop, 39, 1, 1);
        set(&mut prop, 48, 8, u64::from(self.kind().code()));
        set(&mut prop, 56, 5, u64::from(self.level));
        set(&mut prop, 63, 1, 1);
        out[48..56].copy_from_slice(&prop.to_le_bytes());
        out[80..88].copy_from_slice(&self.birth_txg.to_le_bytes());
        out
    }

    fn decode_embedded(b: &[u8]) -> Blkptr {
        let prop = le64(b, 48);
        let psize = get(prop, 25, 7) as usize + 1;
        let payload: Vec<u8> = PAYLOAD_WORDS.iter().flat_map(|w| b[w * 8..w * 8 + 8].iter().copied()).take(psize).collect();
        let mut bp = Blkptr::embed(&payload, get(prop, 0, 25) + 1, ObjType::from_code(get(prop, 48, 8) as u8), le64(b, 80));
        bp.level = get(prop, 56, 5) as u8;
        bp
    }

    /// Decodes 128 bytes; all zeros (or no allocated copy) is a hole.
    pub fn decode(b: &[u8]) -> Blkptr {
        let w = |i: usize| le64(b, i * 8);
        if get(w(6), 39, 1) == 1 {
            return Blkptr::decode_embedded(b);
        }
        let mut dvas = Vec::new();
        for i in 0..3 {
            let asize = get(w(2 * i), 0, 24) << SPA_MINBLOCKSHIFT;
            if asize > 0 {
                dvas.push(Dva { vdev: get(w(2 * i), 32, 32) as u32, offset: get(w(2 * i + 1), 0, 63) << SPA_MINBLOCKSHIFT, asize });
            }
        }
        if dvas.is_empty() {
            return Blkptr::hole();
        }
        let prop = w(6);
        let compress = match get(prop, 32, 7) {
            15 => Some(Compress::Lz4),
            2 => Some(Compress::Off),
            _ => None,
        };
        Blkptr {
            dvas,
            lsize: (get(prop, 0, 16) + 1) << SPA_MINBLOCKSHIFT,
            psize: (get(prop, 16, 16) + 1) << SPA_MINBLOCKSHIFT,
            compress,
            checksum: ChecksumAlg::from_code(get(prop, 40, 8) as u8),
            obj_type: Some(ObjType::from_code(get(prop, 48, 8) as u8)),
            level: get(prop, 56, 5) as u8,
            birth_txg: w(10),
            fill: w(11),
            cksum: Cksum([w(12), w(13), w(14), w(15)]),
            embedded: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_sit_where_spa_h_puts_them() {
        let bp = Blkptr {
            dvas: vec![Dva { vdev: 1, offset: 0x40_0000, asize: 0x2_0000 }],
            lsize: 0x2_0000,
            psize: 0x1000,
            compress: Some(Compress::Lz4),
            checksum: Some(ChecksumAlg::Fletcher4),
            obj_type: Some(ObjType::PlainFileContents),
            level: 1,
            birth_txg: 42,
            fill: 3,
            cksum: Cksum([1, 2, 3, 4]),
            embedded: None,
        };
        let b = bp.encode();
        // dva_word[0]: asize 0x20000 >> 9 = 0x100 in bits 0..24, vdev 1 in bits 32..64.
        assert_eq!(le64(&b, 0), 0x0000_0001_0000_0100);
        // dva_word[1]: offset 0x400000 >> 9 = 0x2000.
        assert_eq!(le64(&b, 8), 0x2000);
        // blk_prop: byteorder 1, level 1, type 19, checksum 7, compress 15,
        // psize 0x1000/512 - 1 = 7, lsize 0x20000/512 - 1 = 0xff.
        assert_eq!(le64(&b, 48), 0x8113_070f_0007_00ff);
        assert_eq!(le64(&b, 80), 42);
        assert_eq!(le64(&b, 96), 1);
        assert_eq!(Blkptr::decode(&b), bp);
    }

    #[test]
    fn an_embedded_pointer_keeps_its_payload_around_prop_and_birth() {
        let payload: Vec<u8> = (1..=69).collect();
        let mut bp = Blkptr::embed(&payload, 512, ObjType::SaMasterNode, 7);
        bp.level = 0;
        let b = bp.encode();
        // Words 0..6 hold the first 48 payload bytes; word 7 goes on after blk_prop.
        assert_eq!(&b[..48], &payload[..48]);
        assert_eq!(&b[56..77], &payload[48..69]);
        // blk_prop: byteorder 1, type 45, embedded (bit 39), compress 15,
        // psize 69 - 1 at bit 25, lsize 512 - 1.
        assert_eq!(le64(&b, 48), 0x802d_008f_8800_01ff);
        assert_eq!(le64(&b, 80), 7);
        let back = Blkptr::decode(&b);
        assert_eq!(back, bp);
        assert!(!back.is_hole() && back.dvas.is_empty());
    }

    #[test]
    fn zeros_decode_as_a_hole() {
        assert!(Blkptr::decode(&[0u8; 128]).is_hole());
        assert_eq!(Blkptr::hole().encode(), [0u8; 128]);
    }
}
