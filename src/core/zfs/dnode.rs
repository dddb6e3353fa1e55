//! The DMU's on-disk records: dnodes (`dnode_phys_t`), object sets
//! (`objset_phys_t`), a dataset's record in the MOS (`dsl_dataset_phys_t`)
//! and a file's znode (`znode_phys_t`), at their real offsets.
//!
//! A dnode describes one object: its type, block sizes, number of levels and
//! the block pointer at the top of its tree, plus a bonus buffer (a file's
//! size, a dataset's root pointer). Dnodes are 512 bytes, 32 to a 16 KiB
//! block; those blocks are the contents of object 0, the meta-dnode, which
//! lives in the object set block. Simplified: one block pointer per dnode
//! (`dn_nblkptr` = 1), 1 KiB object sets without user-accounting dnodes, and
//! the legacy znode bonus (ZPL version 4) rather than system attributes.

use super::blkptr::{Blkptr, ObjType, BLKPTR_BYTES};

pub const DNODE_BYTES: usize = 512;
pub const DNODE_BLOCK_BYTES: u64 = 16 * 1024;
pub const DNODES_PER_BLOCK: u64 = DNODE_BLOCK_BYTES / DNODE_BYTES as u64;
/// Indirect blocks are 128 KiB: 1024 block pointers each.
pub const INDBLKSHIFT: u8 = 17;
pub const BPS_PER_INDIRECT_SHIFT: u32 = INDBLKSHIFT as u32 - 7;
pub const OBJSET_PHYS_BYTES: usize = 1024;
const BONUS_AT: usize = 64 + BLKPTR_BYTES;
pub const MAX_BONUS_BYTES: usize = DNODE_BYTES - BONUS_AT;

/// `dmu_objset_type_t`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OsType {
    Meta,
    Zfs,
    Zvol,
}

impl OsType {
    fn code(self) -> u64 {
        match self {
            OsType::Meta => 1,
            OsType::Zfs => 2,
            OsType::Zvol => 3,
        }
    }
}

pub(super) fn get64(b: &[u8], at: usize) -> u64 {
    let mut w = [0u8; 8];
    w.copy_from_slice(&b[at..at + 8]);
    u64::from_le_bytes(w)
}

pub(super) fn put64(b: &mut [u8], at: usize, v: u64) {
    b[at..at + 8].copy_from_slice(&v.to_le_bytes());
}

/// One object's dnode.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Dnode {
    pub obj_type: Option<ObjType>,
    pub nlevels: u8,
    pub data_block_bytes: u64,
    pub bonus_type: Option<ObjType>,
    pub max_blkid: u64,
    /// Bytes allocated to the object's blocks (`dn_used`, in bytes).
    pub used_bytes: u64,
    pub blkptr: Blkptr,
    pub bonus: Vec<u8>,
}

impl Dnode {
    pub fn new(obj_type: ObjType, data_block_bytes: u64, bonus_type: Option<ObjType>, bonus: Vec<u8>) -> Dnode {
        Dnode { obj_type: Some(obj_type), nlevels: 1, data_block_bytes, bonus_type, max_blkid: 0, used_bytes: 0, blkptr: Blkptr::hole(), bonus }
    }

    pub fn is_free(&self) -> bool {
        self.obj_type.is_none()
    }

    pub fn kind(&self) -> ObjType {
        self.obj_type.unwrap_or(ObjType::None)
    }

    /// Level-0 blocks its levels can address.
    pub fn capacity_blocks(&self) -> u64 {
        1u64 << (BPS_PER_INDIRECT_SHIFT * u32::from(self.nlevels.max(1) - 1))
    }

    pub fn block_bytes(&self, level: u8) -> u64 {
        if level == 0 {
            self.data_block_bytes
        } else {
            1 << INDBLKSHIFT
        }
    }

    pub fn encode(&self) -> [u8; DNODE_BYTES] {
        let mut b = [0u8; DNODE_BYTES];
        let Some(t) = self.obj_type else { return b };
        b[0] = t.code();
        b[1] = INDBLKSHIFT;
        b[2] = self.nlevels;
        b[3] = 1;
        b[4] = self.bonus_type.map_or(0, |t| t.code());
        // dn_flags: DNODE_FLAG_USED_BYTES.
        b[7] = 1;
        b[8..10].copy_from_slice(&((self.data_block_bytes >> 9) as u16).to_le_bytes());
        b[10..12].copy_from_slice(&(self.bonus.len() as u16).to_le_bytes());
        put64(&mut b, 16, self.max_blkid);
        put64(&mut b, 24, self.used_bytes);
        b[64..BONUS_AT].copy_from_slice(&self.blkptr.encode());
        let n = self.bonus.len().min(MAX_BONUS_BYTES);
        b[BONUS_AT..BONUS_AT + n].copy_from_slice(&self.bonus[..n]);
        b
    }

    pub fn decode(b: &[u8]) -> Dnode {
        if b[0] == 0 {
            return Dnode::default();
        }
        let bonus_len = usize::from(u16::from_le_bytes([b[10], b[11]])).min(MAX_BONUS_BYTES);
        Dnode {
            obj_type: Some(ObjType::from_code(b[0])),
            nlevels: b[2],
            data_block_bytes: u64::from(u16::from_le_bytes([b[8], b[9]])) << 9,
            bonus_type: (b[4] != 0).then(|| ObjType::from_code(b[4])),
            max_blkid: get64(b, 16),
            used_bytes: get64(b, 24),
            blkptr: Blkptr::decode(&b[64..BONUS_AT]),
            bonus: b[BONUS_AT..BONUS_AT + bonus_len].to_vec(),
        }
    }
}

/// An object set: its meta-dnode and type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObjsetPhys {
    pub meta_dnode: Dnode,
    pub os_type: OsType,
}

impl ObjsetPhys {
    pub fn new(os_type: OsType) -> ObjsetPhys {
        ObjsetPhys { meta_dnode: Dnode::new(ObjType::Dnode, DNODE_BLOCK_BYTES, None, Vec::new()), os_type }
    }

    pub fn encode(&self) -> Vec<u8> {
        let mut b = vec![0u8; OBJSET_PHYS_BYTES];
        b[..DNODE_BYTES].copy_from_slice(&self.meta_dnode.encode());
        put64(&mut b, 704, self.os_type.code());
        b
    }

    pub fn decode(b: &[u8]) -> Option<ObjsetPhys> {
        if b.len() < OBJSET_PHYS_BYTES {
            return None;
        }
        let os_type = match get64(b, 704) {
            1 => OsType::Meta,
            2 => OsType::Zfs,
            3 => OsType::Zvol,
            _ => return None,
        };
        Some(ObjsetPhys { meta_dnode: Dnode::decode(&b[..DNODE_BYTES]), os_type })
    }
}

/// The fields of `dsl_dataset_phys_t` the lab keeps, at their offsets. It is
/// the bonus of a dataset's (or snapshot's) object in the MOS.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct DslDatasetPhys {
    pub prev_snap_obj: u64,
    pub prev_snap_txg: u64,
    pub next_snap_obj: u64,
    pub creation_time: u64,
    pub creation_txg: u64,
    pub referenced_bytes: u64,
    pub unique_bytes: u64,
    pub guid: u64,
    /// The root of the dataset's object set.
    pub bp: Blkptr,
}

pub const DSL_DATASET_BONUS_BYTES: usize = 320;

impl DslDatasetPhys {
    pub fn encode(&self) -> Vec<u8> {
        let mut b = vec![0u8; DSL_DATASET_BONUS_BYTES];
        put64(&mut b, 8, self.prev_snap_obj);
        put64(&mut b, 16, self.prev_snap_txg);
        put64(&mut b, 24, self.next_snap_obj);
        put64(&mut b, 48, self.creation_time);
        put64(&mut b, 56, self.creation_txg);
        put64(&mut b, 72, self.referenced_bytes);
        put64(&mut b, 96, self.unique_bytes);
        put64(&mut b, 112, self.guid);
        b[128..256].copy_from_slice(&self.bp.encode());
        b
    }

    pub fn decode(b: &[u8]) -> DslDatasetPhys {
        if b.len() < DSL_DATASET_BONUS_BYTES {
            return DslDatasetPhys::default();
        }
        DslDatasetPhys {
            prev_snap_obj: get64(b, 8),
            prev_snap_txg: get64(b, 16),
            next_snap_obj: get64(b, 24),
            creation_time: get64(b, 48),
            creation_txg: get64(b, 56),
            referenced_bytes: get64(b, 72),
            unique_bytes: get64(b, 96),
            guid: get64(b, 112),
            bp: Blkptr::decode(&b[128..256]),
        }
    }
}

/// The fields of `znode_phys_t` a file or directory needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Znode {
    pub mtime: u64,
    pub mode: u64,
    pub size: u64,
    pub parent: u64,
    pub links: u64,
}

pub const ZNODE_BYTES: usize = 264;
pub const S_IFDIR: u64 = 0o040000;
pub const S_IFREG: u64 = 0o100000;

impl Znode {
    pub fn is_dir(&self) -> bool {
        self.mode & 0o170000 == S_IFDIR
    }

    pub fn encode(&self) -> Vec<u8> {
        let mut b = vec![0u8; ZNODE_BYTES];
        for at in [0, 16, 32, 48] {
            put64(&mut b, at, self.mtime);
        }
        put64(&mut b, 72, self.mode);
        put64(&mut b, 80, self.size);
        put64(&mut b, 88, self.parent);
        put64(&mut b, 96, self.links);
        b
    }

    pub fn decode(b: &[u8]) -> Znode {
        if b.len() < ZNODE_BYTES {
            return Znode::default();
        }
        Znode { mtime: get64(b, 16), mode: get64(b, 72), size: get64(b, 80), parent: get64(b, 88), links: get64(b, 96) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dnode_fields_sit_at_dnode_phys_offsets() {
        let mut d = Dnode::new(ObjType::PlainFileContents, 128 * 1024, Some(ObjType::Znode), Znode { size: 5, ..Znode::default() }.encode());
        d.nlevels = 2;
        d.max_blkid = 7;
        let b = d.encode();
        assert_eq!((b[0], b[1], b[2], b[3], b[4]), (19, 17, 2, 1, 17));
        assert_eq!(u16::from_le_bytes([b[8], b[9]]), 256);
        assert_eq!(u16::from_le_bytes([b[10], b[11]]), 264);
        assert_eq!(get64(&b, 16), 7);
        // The znode's zp_size sits 80 bytes into the bonus, which starts at 192.
        assert_eq!(get64(&b, 192 + 80), 5);
        assert_eq!(Dnode::decode(&b), d);
    }

    #[test]
    fn dataset_record_round_trips() {
        let r = DslDatasetPhys { prev_snap_txg: 9, referenced_bytes: 4096, guid: 77, ..DslDatasetPhys::default() };
        assert_eq!(DslDatasetPhys::decode(&r.encode()), r);
    }
}
