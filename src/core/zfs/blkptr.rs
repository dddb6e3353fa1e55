//! Block pointers (`blkptr_t`), the edges of ZFS's tree, in their on-disk form.
//!
//! A block pointer is 128 bytes: up to three DVAs (vdev, offset, allocated
//! size: one per copy), a property word (logical and physical size,
//! compression, checksum algorithm, object type, level), the birth txg, the
//! fill count and the 256-bit checksum of the child's physical bytes. The
//! fields are packed with `spa.h`'s bit layout, so a pointer read back from an
//! indirect block decodes to what was written. Simplified: no gang blocks, no
//! embedded data, no dedup or encryption bits.

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
    Zvol,
    ZvolProp,
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
            ObjType::Zvol => 23,
            ObjType::ZvolProp => 24,
        }
    }

    pub fn from_code(code: u8) -> ObjType {
        const ALL: [ObjType; 11] = [
            ObjType::None,
            ObjType::ObjectDirectory,
            ObjType::Dnode,
            ObjType::Objset,
            ObjType::DslDataset,
            ObjType::Znode,
            ObjType::PlainFileContents,
            ObjType::DirectoryContents,
            ObjType::MasterNode,
            ObjType::Zvol,
            ObjType::ZvolProp,
        ];
        ALL.into_iter().find(|t| t.code() == code).unwrap_or(ObjType::None)
    }

    /// File and volume contents are data; everything else is metadata, which
    /// ZFS compresses and stores with an extra copy.
    pub fn is_metadata(self) -> bool {
        !matches!(self, ObjType::PlainFileContents | ObjType::Zvol)
    }
}

/// `enum zio_compress`, the values the lab writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Compress {
    Off,
    Zle,
}

impl Compress {
    pub fn code(self) -> u8 {
        match self {
            Compress::Off => 2,
            Compress::Zle => 14,
        }
    }
}

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
        self.dvas.is_empty()
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

    /// Decodes 128 bytes; all zeros (or no allocated copy) is a hole.
    pub fn decode(b: &[u8]) -> Blkptr {
        let w = |i: usize| le64(b, i * 8);
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
            14 => Some(Compress::Zle),
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
            compress: Some(Compress::Zle),
            checksum: Some(ChecksumAlg::Fletcher4),
            obj_type: Some(ObjType::PlainFileContents),
            level: 1,
            birth_txg: 42,
            fill: 3,
            cksum: Cksum([1, 2, 3, 4]),
        };
        let b = bp.encode();
        // dva_word[0]: asize 0x20000 >> 9 = 0x100 in bits 0..24, vdev 1 in bits 32..64.
        assert_eq!(le64(&b, 0), 0x0000_0001_0000_0100);
        // dva_word[1]: offset 0x400000 >> 9 = 0x2000.
        assert_eq!(le64(&b, 8), 0x2000);
        // blk_prop: byteorder 1, level 1, type 19, checksum 7, compress 14,
        // psize 0x1000/512 - 1 = 7, lsize 0x20000/512 - 1 = 0xff.
        assert_eq!(le64(&b, 48), 0x8113_070e_0007_00ff);
        assert_eq!(le64(&b, 80), 42);
        assert_eq!(le64(&b, 96), 1);
        assert_eq!(Blkptr::decode(&b), bp);
    }

    #[test]
    fn zeros_decode_as_a_hole() {
        assert!(Blkptr::decode(&[0u8; 128]).is_hole());
        assert_eq!(Blkptr::hole().encode(), [0u8; 128]);
    }
}
