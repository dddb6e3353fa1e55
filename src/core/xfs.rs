//! XFS as mkfs.xfs (xfsprogs 6.1.0) lays it out and statfs reports it.
//!
//! Models `calc_default_ag_geometry` (four allocation groups, at most 1 TiB
//! each), the internal log (1/2048 of the filesystem, from 64 MiB up to
//! 2 GiB less 10 MiB) in the middle group, `imaxpct` and the inode limit it
//! sets, and the blocks statfs counts on Linux 6.1 with mkfs's defaults: the
//! data blocks without the log, less the reserve pool, the set-aside, each
//! group's headers and btree roots, the root inode chunk, and each group's
//! reservation for its refcount and free-inode btrees at their largest
//! (`xfs_ag_resv_init`). Checked against 14 real filesystems from 300 MB to
//! 2 TiB. Simplified: 4 KiB blocks and 512-byte sectors only, no stripe
//! geometry.

const BLOCK_BYTES: u64 = 4096;
/// XFS_AG_MAX_BLOCKS for 4 KiB blocks: one block short of 1 TiB.
const AG_MAX_BLOCKS: u64 = (1 << 28) - 1;
/// XFS_AG_MIN_BLOCKS: a last group smaller than 16 MiB is dropped.
pub const AG_MIN_BLOCKS: u64 = 4096;
/// XFS_MIN_DATA_BLOCKS: 300 MB.
pub const MIN_DATA_BLOCKS: u64 = 300 * (1 << 20) / BLOCK_BYTES;
/// The default log's bounds: 64 MiB, and XFS_MAX_LOG_BYTES (2 GiB - 10 MiB).
const MIN_LOG_BLOCKS: u64 = 16384;
const MAX_LOG_BLOCKS: u64 = ((2 << 30) - (10 << 20)) / BLOCK_BYTES;

/// The layout mkfs.xfs chooses for a device.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Geometry {
    pub agcount: u64,
    pub agsize_blocks: u64,
    pub data_blocks: u64,
    pub imaxpct: u64,
    pub log_blocks: u64,
}

/// `calc_default_ag_geometry` and the default log size for a device of
/// `size_bytes`.
pub fn geometry(size_bytes: u64) -> Geometry {
    let blocks = size_bytes / BLOCK_BYTES;
    let agsize_blocks = if blocks >= 1 << 30 { AG_MAX_BLOCKS } else { blocks.div_ceil(4).max(1) };
    let mut agcount = blocks.div_ceil(agsize_blocks);
    let mut data_blocks = blocks;
    let last = blocks % agsize_blocks;
    if last != 0 && last < AG_MIN_BLOCKS && agcount > 1 {
        agcount -= 1;
        data_blocks = agcount * agsize_blocks;
    }
    let imaxpct = match data_blocks {
        b if b < 1 << 28 => 25,
        b if b < 50 << 28 => 5,
        _ => 1,
    };
    let log_blocks = (data_blocks / 2048).clamp(MIN_LOG_BLOCKS, MAX_LOG_BLOCKS);
    Geometry { agcount, agsize_blocks, data_blocks, imaxpct, log_blocks }
}

impl Geometry {
    /// statfs's `f_blocks`: the data blocks without the internal log.
    pub fn statfs_blocks(&self) -> u64 {
        self.data_blocks - self.log_blocks
    }

    /// Blocks a fresh filesystem counts as used (statfs's `f_blocks -
    /// f_bfree`): the reserve pool (`xfs_default_resblks`: 5%, at most 8192),
    /// the 64-inode chunk of the root directory, and per group its header
    /// block, the roots of the free-space and inode btrees, the AGFL
    /// set-aside (`xfs_alloc_set_aside`), and the metadata reservation.
    pub fn fresh_used_blocks(&self) -> u64 {
        let reserve_pool = (self.data_blocks / 20).min(8192);
        let groups: u64 = (0..self.agcount).map(|ag| 4 + 8 + self.metadata_reservation(ag)).sum();
        reserve_pool + 8 + groups
    }

    /// `xfs_refcountbt_calc_reserves` plus `xfs_finobt_calc_reserves`: the
    /// largest each btree can grow to in group `ag`, whose log blocks can
    /// never need it.
    fn metadata_reservation(&self, ag: u64) -> u64 {
        let mut blocks = if ag + 1 == self.agcount { self.data_blocks - ag * self.agsize_blocks } else { self.agsize_blocks };
        if ag == self.agcount / 2 {
            blocks -= self.log_blocks;
        }
        // Minimum records per leaf and node block (4096 bytes less the
        // 56-byte CRC btree header): 12-byte refcount records, 16-byte
        // inode records, 8-byte key and pointer pairs.
        btree_size([168, 252], blocks) + btree_size([126, 252], blocks * 8 / 64)
    }

    /// `m_maxicount`: `imaxpct` of the blocks, in whole 64-inode chunks, as
    /// inodes (eight 512-byte inodes a block).
    pub fn max_inodes(&self) -> u64 {
        let blocks = self.data_blocks * self.imaxpct / 100;
        blocks / 8 * 8 * 8
    }
}

/// `xfs_btree_calc_size`: the blocks of a btree of `records` records with
/// `min_records` a leaf and a node.
fn btree_size(min_records: [u64; 2], mut records: u64) -> u64 {
    let (mut per_block, mut blocks) = (min_records[0], 0);
    while records > 1 {
        records = records.div_ceil(per_block);
        per_block = min_records[1];
        blocks += records;
    }
    blocks
}
