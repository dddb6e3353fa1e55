//! The geometry `mke2fs` 1.47 gives a new ext4 filesystem with Debian's
//! defaults: block size, block groups, inodes, journal and the superblock
//! backups of `sparse_super`.
//!
//! Models the numbers mkfs.ext4 prints and the kernel's `statfs` reports.
//! Simplified: the "small" and "floppy" usage types are folded into one rule
//! (1 KiB blocks below 512 MiB), and the metadata overhead is computed from
//! group counts rather than laid out block by block.

use super::units::MIB;

/// A new filesystem's layout.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Geometry {
    pub block_size: u64,
    pub blocks: u64,
    pub blocks_per_group: u64,
    pub groups: u64,
    pub inodes_per_group: u64,
    pub inodes: u64,
    pub journal_blocks: u64,
    /// 1 with 1 KiB blocks (block 0 holds the boot sector), else 0.
    pub first_data_block: u64,
}

/// e2fsprogs' default journal size in blocks for a filesystem of `blocks`.
fn journal_blocks(blocks: u64) -> u64 {
    match blocks {
        b if b < 32768 => 1024,
        b if b < 256 * 1024 => 4096,
        b if b < 512 * 1024 => 8192,
        b if b < 4096 * 1024 => 16384,
        b if b < 8192 * 1024 => 32768,
        b if b < 16384 * 1024 => 65536,
        b if b < 32768 * 1024 => 131072,
        _ => 262144,
    }
}

impl Geometry {
    /// The layout mke2fs picks for a device of `size_bytes`, or None when the
    /// device is too small for a filesystem.
    pub fn for_size(size_bytes: u64) -> Option<Geometry> {
        let small = size_bytes < 512 * MIB;
        let (block_size, ratio, blocks_per_group) = if small { (1024u64, 4096u64, 8192u64) } else { (4096, 16384, 32768) };
        let blocks = size_bytes / block_size;
        if blocks < 64 {
            return None;
        }
        let groups = blocks.div_ceil(blocks_per_group);
        // Inodes per group fill whole inode-table blocks: a multiple of 16.
        let inodes_per_group = ((size_bytes / ratio).div_ceil(groups) / 16 * 16).max(16);
        Some(Geometry {
            block_size,
            blocks,
            blocks_per_group,
            groups,
            inodes_per_group,
            inodes: inodes_per_group * groups,
            journal_blocks: journal_blocks(blocks),
            first_data_block: u64::from(small),
        })
    }

    /// Block groups holding superblock backups with sparse_super: 1 and powers of 3, 5, 7.
    pub fn backup_groups(&self) -> Vec<u64> {
        let mut v = vec![];
        for base in [3u64, 5, 7] {
            let mut g = 1;
            while g < self.groups {
                v.push(g);
                g *= base;
            }
        }
        super::order::small_sort(&mut v);
        v.dedup();
        v
    }

    /// The 5% of blocks reserved for root.
    pub fn reserved_blocks(&self) -> u64 {
        self.blocks / 20
    }

    /// Blocks taken by metadata before any file is written: group tables, the
    /// journal and the root and lost+found directories.
    pub fn initial_used_blocks(&self) -> u64 {
        self.journal_blocks + self.groups * 2 + self.inodes * 256 / self.block_size / 64
    }
}
