//! The DMU's on-disk records: dnodes (`dnode_phys_t`), object sets
//! (`objset_phys_t`), a dataset's record in the MOS (`dsl_dataset_phys_t`)
//! and a file's znode (`znode_phys_t`), at their real offsets.
//!
//! A dnode describes one object: its type, block sizes, number of levels and
//! the one to three block pointers at the top of its tree (as many as the
//! bonus buffer leaves room for), plus the bonus buffer (a file's size, a
//! dataset's root pointer). Dnodes are 512 bytes, 32 to a 16 KiB
//! block; those blocks are the contents of object 0, the meta-dnode, which
//! lives in the object set block. A dataset's meta-dnode has six levels
//! from the start, enough for 2^48 objects, as ZFS sets it up; the MOS's
//! grows as needed. A file's or directory's attributes are system
//! attributes (`sa_hdr_phys_t` and the attributes of SA layout 2) in its
//! bonus. Simplified: object sets without user-accounting dnodes; every
//! file and directory has the same layout (with a project id), owner root,
//! and the three entries of a trivial ACL.

use super::blkptr::{Blkptr, ObjType, BLKPTR_BYTES};

pub const DNODE_BYTES: usize = 512;
pub const DNODE_BLOCK_BYTES: u64 = 16 * 1024;
pub const DNODES_PER_BLOCK: u64 = DNODE_BLOCK_BYTES / DNODE_BYTES as u64;
/// Indirect blocks are 128 KiB: 1024 block pointers each.
pub const INDBLKSHIFT: u8 = 17;
pub const BPS_PER_INDIRECT_SHIFT: u32 = INDBLKSHIFT as u32 - 7;
/// `OBJSET_PHYS_SIZE_V3`.
pub const OBJSET_PHYS_BYTES: usize = 4096;
/// `DN_MAX_OBJECT_SHIFT`: how many objects a dataset's object set may hold.
const DN_MAX_OBJECT_SHIFT: u32 = 48;
const BLKPTRS_AT: usize = 64;
/// `DN_MAX_BONUSLEN` of a one-slot dnode: what one block pointer leaves.
pub const MAX_BONUS_BYTES: usize = DNODE_BYTES - BLKPTRS_AT - BLKPTR_BYTES;
/// `DN_MAX_NBLKPTR`.
const MAX_NBLKPTR: usize = 3;

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
    /// The top of the tree (`dn_blkptr[dn_nblkptr]`): blocks 0, 1, 2 of
    /// the top level.
    pub blkptrs: Vec<Blkptr>,
    pub bonus: Vec<u8>,
}

impl Dnode {
    /// `dnode_allocate`: as many top block pointers as the bonus leaves room for.
    pub fn new(obj_type: ObjType, data_block_bytes: u64, bonus_type: Option<ObjType>, bonus: Vec<u8>) -> Dnode {
        let nblkptr = (1 + (MAX_BONUS_BYTES - bonus.len().min(MAX_BONUS_BYTES)) / BLKPTR_BYTES).min(MAX_NBLKPTR);
        Dnode { obj_type: Some(obj_type), nlevels: 1, data_block_bytes, bonus_type, max_blkid: 0, used_bytes: 0, blkptrs: vec![Blkptr::hole(); nblkptr], bonus }
    }

    /// A file or directory (`zfs_mknode`): its system attributes in the
    /// bonus. ZFS allocates the whole bonus area first, so it keeps one block
    /// pointer, then sets the bonus length to what the attributes take.
    pub fn zpl(obj_type: ObjType, data_block_bytes: u64, bonus: Vec<u8>) -> Dnode {
        let mut d = Dnode::new(obj_type, data_block_bytes, Some(ObjType::Sa), bonus);
        d.blkptrs.truncate(1);
        d
    }

    /// The top-level pointer to block `blkid` of the top level.
    pub fn top(&self, blkid: u64) -> Blkptr {
        self.blkptrs.get(blkid as usize).cloned().unwrap_or_default()
    }

    pub fn has_blocks(&self) -> bool {
        self.blkptrs.iter().any(|b| !b.is_hole())
    }

    pub fn is_free(&self) -> bool {
        self.obj_type.is_none()
    }

    pub fn kind(&self) -> ObjType {
        self.obj_type.unwrap_or(ObjType::None)
    }

    /// Level-0 blocks its levels can address.
    pub fn capacity_blocks(&self) -> u64 {
        (self.blkptrs.len().max(1) as u64) << (BPS_PER_INDIRECT_SHIFT * u32::from(self.nlevels.max(1) - 1))
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
        b[3] = self.blkptrs.len() as u8;
        b[4] = self.bonus_type.map_or(0, |t| t.code());
        // dn_flags: DNODE_FLAG_USED_BYTES.
        b[7] = 1;
        b[8..10].copy_from_slice(&((self.data_block_bytes >> 9) as u16).to_le_bytes());
        b[10..12].copy_from_slice(&(self.bonus.len() as u16).to_le_bytes());
        put64(&mut b, 16, self.max_blkid);
        put64(&mut b, 24, self.used_bytes);
        for (i, bp) in self.blkptrs.iter().enumerate() {
            let at = BLKPTRS_AT + i * BLKPTR_BYTES;
            b[at..at + BLKPTR_BYTES].copy_from_slice(&bp.encode());
        }
        let bonus_at = BLKPTRS_AT + self.blkptrs.len() * BLKPTR_BYTES;
        let n = self.bonus.len().min(DNODE_BYTES - bonus_at);
        b[bonus_at..bonus_at + n].copy_from_slice(&self.bonus[..n]);
        b
    }

    pub fn decode(b: &[u8]) -> Dnode {
        if b[0] == 0 {
            return Dnode::default();
        }
        let nblkptr = usize::from(b[3]).clamp(1, MAX_NBLKPTR);
        let bonus_at = BLKPTRS_AT + nblkptr * BLKPTR_BYTES;
        let bonus_len = usize::from(u16::from_le_bytes([b[10], b[11]])).min(DNODE_BYTES - bonus_at);
        Dnode {
            obj_type: Some(ObjType::from_code(b[0])),
            nlevels: b[2],
            data_block_bytes: u64::from(u16::from_le_bytes([b[8], b[9]])) << 9,
            bonus_type: (b[4] != 0).then(|| ObjType::from_code(b[4])),
            max_blkid: get64(b, 16),
            used_bytes: get64(b, 24),
            blkptrs: (0..nblkptr).map(|i| Blkptr::decode(&b[BLKPTRS_AT + i * BLKPTR_BYTES..][..BLKPTR_BYTES])).collect(),
            bonus: b[bonus_at..bonus_at + bonus_len].to_vec(),
        }
    }
}

/// An object set: its meta-dnode and type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObjsetPhys {
    pub meta_dnode: Dnode,
    pub os_type: OsType,
}

/// `dmu_objset_create_impl_dnstats`: the levels a dataset's meta-dnode
/// gets up front so that `DN_MAX_OBJECT` dnodes fit (6).
pub const fn meta_dnode_levels() -> u8 {
    let dnodes_per_block_shift = DNODE_BLOCK_BYTES.trailing_zeros() - DNODE_BYTES.trailing_zeros();
    let mut levels = 1;
    while dnodes_per_block_shift + (levels - 1) * BPS_PER_INDIRECT_SHIFT < DN_MAX_OBJECT_SHIFT {
        levels += 1;
    }
    levels as u8
}

impl ObjsetPhys {
    pub fn new(os_type: OsType) -> ObjsetPhys {
        let mut meta_dnode = Dnode::new(ObjType::Dnode, DNODE_BLOCK_BYTES, None, Vec::new());
        if os_type != OsType::Meta {
            meta_dnode.nlevels = meta_dnode_levels();
        }
        ObjsetPhys { meta_dnode, os_type }
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

/// The attributes a file or directory needs, kept as system attributes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Znode {
    pub mtime: u64,
    pub mode: u64,
    pub size: u64,
    pub parent: u64,
    pub links: u64,
    /// `ZPL_GEN`: the txg that created it.
    pub gen: u64,
}

pub const S_IFDIR: u64 = 0o040000;
pub const S_IFREG: u64 = 0o100000;
/// `SA_MAGIC`.
const SA_MAGIC: u32 = 0x2F_505A;
/// The SA layout every file and directory uses (the first after the two
/// legacy ones).
const SA_LAYOUT: u16 = 2;
/// A trivial ACL's entries (`zfs_ace_hdr_t`: type, flags, access mask):
/// owner@, group@ and everyone@ allowed what the mode gives them.
const TRIVIAL_ACES: [(u16, u16, u32); 3] = [(0, 0x1000, 0x0016_01a7), (0, 0x2040, 0x0012_0089), (0, 0x4000, 0x0012_0089)];
/// `zfs_mknode`'s flags for a new file: `ZFS_ARCHIVE | ZFS_AV_MODIFIED | ZFS_ACL_TRIVIAL`.
const ZPL_FLAGS: u64 = 0x408_0000_0004;
/// Where each attribute sits in the bonus, after the 8-byte header:
/// MODE, SIZE, GEN, UID, GID, PARENT, FLAGS, ATIME, MTIME, CTIME, CRTIME
/// (16 bytes each), LINKS, PROJID, DACL_COUNT, then DACL_ACES.
const SA_MODE: usize = 8;
const SA_SIZE: usize = 16;
const SA_GEN: usize = 24;
const SA_PARENT: usize = 48;
const SA_FLAGS: usize = 56;
const SA_TIMES: usize = 64;
const SA_LINKS: usize = 128;
const SA_DACL_COUNT: usize = 144;
const SA_ACES: usize = 152;
pub const SA_BONUS_BYTES: usize = SA_ACES + 8 * TRIVIAL_ACES.len();

impl Znode {
    pub fn is_dir(&self) -> bool {
        self.mode & 0o170000 == S_IFDIR
    }

    /// The bonus: `sa_hdr_phys_t` (magic, layout and header size, the ACL's
    /// length), then the attributes in layout order.
    pub fn encode(&self) -> Vec<u8> {
        let mut b = vec![0u8; SA_BONUS_BYTES];
        b[0..4].copy_from_slice(&SA_MAGIC.to_le_bytes());
        b[4..6].copy_from_slice(&((8 / 8) << 10 | SA_LAYOUT).to_le_bytes());
        b[6..8].copy_from_slice(&((8 * TRIVIAL_ACES.len()) as u16).to_le_bytes());
        put64(&mut b, SA_MODE, self.mode);
        put64(&mut b, SA_SIZE, self.size);
        put64(&mut b, SA_GEN, self.gen);
        put64(&mut b, SA_PARENT, self.parent);
        put64(&mut b, SA_FLAGS, ZPL_FLAGS);
        for t in 0..4 {
            put64(&mut b, SA_TIMES + 16 * t, self.mtime);
        }
        put64(&mut b, SA_LINKS, self.links);
        put64(&mut b, SA_DACL_COUNT, TRIVIAL_ACES.len() as u64);
        for (i, (kind, flags, mask)) in TRIVIAL_ACES.iter().enumerate() {
            let at = SA_ACES + 8 * i;
            b[at..at + 2].copy_from_slice(&kind.to_le_bytes());
            b[at + 2..at + 4].copy_from_slice(&flags.to_le_bytes());
            b[at + 4..at + 8].copy_from_slice(&mask.to_le_bytes());
        }
        b
    }

    pub fn decode(b: &[u8]) -> Znode {
        if b.len() < SA_BONUS_BYTES || b[0..4] != SA_MAGIC.to_le_bytes() {
            return Znode::default();
        }
        Znode { mtime: get64(b, SA_TIMES + 16), mode: get64(b, SA_MODE), size: get64(b, SA_SIZE), parent: get64(b, SA_PARENT), links: get64(b, SA_LINKS), gen: get64(b, SA_GEN) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dnode_fields_sit_at_dnode_phys_offsets() {
        let mut d = Dnode::zpl(ObjType::PlainFileContents, 128 * 1024, Znode { size: 5, mode: S_IFREG | 0o644, ..Znode::default() }.encode());
        d.nlevels = 2;
        d.max_blkid = 7;
        let b = d.encode();
        // One block pointer; bonus type DMU_OT_SA (44).
        assert_eq!((b[0], b[1], b[2], b[3], b[4]), (19, 17, 2, 1, 44));
        assert_eq!(u16::from_le_bytes([b[8], b[9]]), 256);
        assert_eq!(u16::from_le_bytes([b[10], b[11]]), 176);
        assert_eq!(get64(&b, 16), 7);
        // The bonus starts at 192 with SA_MAGIC, layout 2 and an 8-byte
        // header; ZPL_MODE follows the header and ZPL_SIZE comes next.
        assert_eq!(&b[192..198], &[0x5a, 0x50, 0x2f, 0, 2, 4]);
        assert_eq!((get64(&b, 192 + 8), get64(&b, 192 + 16)), (S_IFREG | 0o644, 5));
        assert_eq!(Dnode::decode(&b), d);
    }

    #[test]
    fn a_dnode_without_bonus_has_three_top_pointers() {
        let mut d = Dnode::new(ObjType::SaAttrLayouts, 16 * 1024, None, Vec::new());
        assert_eq!((d.blkptrs.len(), d.capacity_blocks()), (3, 3));
        d.blkptrs[1] = Blkptr { dvas: vec![super::super::blkptr::Dva { vdev: 0, offset: 0x2000, asize: 0x1000 }], lsize: 16384, psize: 4096, compress: Some(super::super::blkptr::Compress::Lz4), checksum: Some(super::super::ChecksumAlg::Fletcher4), obj_type: Some(ObjType::SaAttrLayouts), birth_txg: 9, fill: 1, ..Blkptr::default() };
        let b = d.encode();
        assert_eq!(b[3], 3);
        // dn_blkptr[1] sits at 64 + 128; its first DVA word holds asize 4096 / 512.
        assert_eq!(get64(&b, 192), 8);
        assert_eq!(Dnode::decode(&b), d);
        // A dataset record's 320-byte bonus leaves room for one.
        assert_eq!(Dnode::new(ObjType::DslDataset, 512, Some(ObjType::DslDataset), vec![0; 320]).blkptrs.len(), 1);
    }

    #[test]
    fn a_dataset_meta_dnode_has_six_levels_and_the_mos_one() {
        assert_eq!(meta_dnode_levels(), 6);
        assert_eq!(ObjsetPhys::new(OsType::Zfs).meta_dnode.nlevels, 6);
        assert_eq!(ObjsetPhys::new(OsType::Meta).meta_dnode.nlevels, 1);
    }

    #[test]
    fn dataset_record_round_trips() {
        let r = DslDatasetPhys { prev_snap_txg: 9, referenced_bytes: 4096, guid: 77, ..DslDatasetPhys::default() };
        assert_eq!(DslDatasetPhys::decode(&r.encode()), r);
    }
}
