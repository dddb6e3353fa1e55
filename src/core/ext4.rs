//! The geometry `mke2fs` 1.47 gives a new ext4 filesystem with Debian's
//! defaults, the space the kernel's `statfs` reports for it, and the directory
//! hash that decides the order `readdir` returns names in.
//!
//! Models mke2fs's profile choice, group layout, inode count, reserved GDT
//! blocks, last-group trim and journal size, then the kernel's overhead and
//! its two reserves (5% for root, and 2% up to 4096 blocks that nobody may
//! use). Checked against 174 real filesystems in
//! `tests/fixtures/files/ext4_model.py`. Simplified: filesystems of 16 TiB
//! and more (meta_bg) are not modelled.

use super::ranges::RangeSet;

const INODE_SIZE: u64 = 256;
/// mke2fs's default flex_bg size: 16 groups share their metadata area.
const FLEX_GROUPS: u64 = 16;
const FIRST_INO: u64 = 11;
const MAX_32: u64 = 0xFFFF_FFFF;

/// A new filesystem's layout and its initial space accounting.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Geometry {
    pub block_size: u64,
    pub blocks: u64,
    pub blocks_per_group: u64,
    pub groups: u64,
    pub desc_blocks: u64,
    pub reserved_gdt_blocks: u64,
    pub inodes_per_group: u64,
    pub inode_blocks_per_group: u64,
    pub inodes: u64,
    /// Blocks reserved for root (5%).
    pub reserved_blocks: u64,
    pub journal_blocks: u64,
    /// 1 with 1 KiB blocks (block 0 holds the boot sector), else 0.
    pub first_data_block: u64,
    /// Blocks statfs does not count at all: group tables, backups, journal.
    pub overhead: u64,
    /// Blocks of a fresh filesystem in use: root dir, lost+found, resize inode,
    /// and a journal extent block on large filesystems.
    pub initial_used: u64,
    /// The blocks of lost+found.
    pub lost_found_blocks: u64,
    /// Blocks kept back for unwritten-extent conversion (2%, at most 4096).
    pub resv_clusters: u64,
}

fn ceil(a: u64, b: u64) -> u64 {
    a.div_ceil(b)
}

/// sparse_super: groups 0, 1 and powers of 3, 5 and 7 hold a superblock backup.
pub fn has_super(group: u64) -> bool {
    let power_of = |mut a: u64, b: u64| {
        while a > 1 && a % b == 0 {
            a /= b;
        }
        a == 1
    };
    group <= 1 || group % 2 == 1 && (power_of(group, 3) || power_of(group, 5) || power_of(group, 7))
}

/// e2fsprogs' default journal size in blocks (none below 2048 blocks).
fn journal_blocks(blocks: u64) -> u64 {
    const LIMITS: [(u64, u64); 8] =
        [(2048, 0), (32768, 1024), (256 << 10, 4096), (512 << 10, 8192), (4 << 20, 16384), (8 << 20, 32768), (16 << 20, 65536), (32 << 20, 131072)];
    LIMITS.iter().find(|(limit, _)| blocks < *limit).map_or(262144, |(_, j)| *j)
}

/// Group descriptor blocks of a filesystem of `blocks`: 64-byte descriptors
/// (the 64bit feature), a group per 8 × `block_size` blocks.
pub fn desc_blocks(blocks: u64, block_size: u64) -> u64 {
    let first = u64::from(block_size == 1024);
    ceil(ceil(blocks.saturating_sub(first), block_size * 8), block_size / 64)
}

/// Debian's mke2fs.conf profile: (block size, bytes per inode) from the size in KiB.
fn profile(kib: u64) -> (u64, u64) {
    match kib {
        k if k < 3 << 10 => (1024, 8192),
        k if k < 512 << 10 => (1024, 4096),
        k if k < 4 << 30 => (4096, 16384),
        k if k < 16 << 30 => (4096, 32768),
        _ => (4096, 65536),
    }
}

/// Inodes per group and inode-table blocks per group: whole table blocks,
/// then a multiple of 8 inodes.
fn inodes_per_group(inodes: u64, groups: u64, bs: u64) -> (u64, u64) {
    let ipg = ceil(inodes.max(FIRST_INO + 1), groups).min(65536 - bs / INODE_SIZE);
    let itb = ceil(ipg * INODE_SIZE, bs);
    let ipg = ((itb * bs / INODE_SIZE).max(8)) & !7;
    (ipg, ceil(ipg * INODE_SIZE, bs))
}

/// Reserved GDT blocks: room for growing to 1024 times the size, capped.
fn reserved_gdt(blocks: u64, fdb: u64, bpg: u64, desc_blocks: u64, bs: u64) -> u64 {
    let max_blocks = if blocks < MAX_32 / 1024 { blocks * 1024 } else { MAX_32 };
    (ceil(ceil(max_blocks - fdb, bpg), bs / 64) - desc_blocks).min(bs / 4)
}

impl Geometry {
    /// The layout mke2fs picks for a device of `size_bytes`, or None when the
    /// device is too small (or too large) for the model.
    pub fn for_size(size_bytes: u64) -> Option<Geometry> {
        let kib = (size_bytes / 1024) & !3;
        let (bs, ratio) = profile(kib);
        let blocks_param = kib / (bs / 1024);
        if blocks_param < 64 || blocks_param > MAX_32 {
            return None;
        }
        let inodes_param = (blocks_param * bs / ratio).min(MAX_32);
        let r_param = (5.0 * blocks_param as f64 / 100.0) as u64;
        let fdb = u64::from(bs == 1024);
        let bpg = bs * 8;
        let mut blocks = blocks_param;
        let mut reserved = r_param;
        loop {
            let groups = ceil(blocks - fdb, bpg);
            let desc_blocks = ceil(groups, bs / 64);
            let (ipg, itb) = inodes_per_group(inodes_param, groups, bs);
            let rsv = reserved_gdt(blocks, fdb, bpg, desc_blocks, bs);
            let last_over = 2 + itb + if has_super(groups - 1) { 1 + desc_blocks + rsv } else { 0 };
            let rem = (blocks - fdb) % bpg;
            if groups == 1 && rem > 0 && rem < last_over {
                return None;
            }
            if rem > 0 && rem < last_over + 50 {
                // mke2fs drops a last group too small to be useful and derives
                // the reserve again through a double.
                blocks -= rem;
                let ratio = 100.0 * r_param as f64 / blocks_param as f64;
                reserved = (ratio * blocks as f64 / 100.0) as u64;
                continue;
            }
            return Some(Geometry::finish(bs, blocks, bpg, groups, desc_blocks, rsv, ipg, itb, reserved, fdb));
        }
    }

    #[allow(clippy::too_many_arguments)]
    #[inline(never)]
    fn finish(bs: u64, blocks: u64, bpg: u64, groups: u64, desc_blocks: u64, rsv: u64, ipg: u64, itb: u64, reserved: u64, fdb: u64) -> Geometry {
        let journal = journal_blocks(blocks);
        let journal_tree = u64::from(ceil(journal, 32768) > 4);
        let backups = (0..groups).filter(|g| has_super(*g)).count() as u64;
        let overhead = fdb + backups * (1 + desc_blocks + rsv) + groups * (2 + itb) + journal;
        // mke2fs grows lost+found to 16 KiB, but by at most 11 blocks.
        let lost_found = (16 * 1024 / bs).clamp(2, 12);
        Geometry {
            block_size: bs,
            blocks,
            blocks_per_group: bpg,
            groups,
            desc_blocks,
            reserved_gdt_blocks: rsv,
            inodes_per_group: ipg,
            inode_blocks_per_group: itb,
            inodes: ipg * groups,
            reserved_blocks: reserved,
            journal_blocks: journal,
            first_data_block: fdb,
            overhead,
            initial_used: 1 + lost_found + 1 + journal_tree,
            lost_found_blocks: lost_found,
            resv_clusters: (blocks / 50).min(4096),
        }
    }

    /// The layout after `resize2fs` to `blocks`: groups are added or taken
    /// away with the same inode tables, the journal stays, the reserved GDT
    /// blocks pay for new descriptor blocks, and the root reserve keeps its
    /// share (resize2fs's `adjust_fs_info`). None when too small. Native
    /// only (feature `e2fs-tools`, 440 bytes gzipped): the browser lays a
    /// resized filesystem out as a new one of the new size.
    #[cfg(feature = "e2fs-tools")]
    pub fn resized(&self, blocks: u64) -> Option<Geometry> {
        let (bs, bpg, fdb) = (self.block_size, self.blocks_per_group, self.first_data_block);
        let mut blocks = blocks;
        loop {
            let groups = ceil(blocks.checked_sub(fdb)?, bpg);
            if groups == 0 {
                return None;
            }
            let desc_blocks = ceil(groups, bs / 64);
            let rsv = (self.reserved_gdt_blocks + self.desc_blocks).saturating_sub(desc_blocks).min(bs / 4);
            let last_over = 2 + self.inode_blocks_per_group + if has_super(groups - 1) { 1 + desc_blocks + rsv } else { 0 };
            let rem = (blocks - fdb) % bpg;
            if rem > 0 && rem < last_over + 50 * u64::from(groups > 1) {
                if groups == 1 {
                    return None;
                }
                blocks -= rem;
                continue;
            }
            // resize2fs keeps the reserve's percentage (in a double).
            let reserved = (self.reserved_blocks as f64 * 100.0 / self.blocks as f64 * blocks as f64 / 100.0) as u64;
            let mut g = Geometry::finish(bs, blocks, bpg, groups, desc_blocks, rsv, self.inodes_per_group, self.inode_blocks_per_group, reserved, fdb);
            g.overhead = g.overhead - g.journal_blocks + self.journal_blocks;
            g.journal_blocks = self.journal_blocks;
            g.initial_used = self.initial_used;
            return Some(g);
        }
    }

    /// Block groups holding superblock backups (group 0 is the primary).
    pub fn backup_groups(&self) -> Vec<u64> {
        (1..self.groups).filter(|g| has_super(*g)).collect()
    }

    /// The blocks a fresh filesystem uses, laid out as mke2fs lays them out:
    /// superblock copies with their descriptors, each flex group's bitmaps and
    /// inode tables in its first group, the journal near the middle, then the
    /// root directory and lost+found. Files fill what is left, so a large file
    /// is cut into extents wherever it meets metadata. (The journal's exact
    /// group is an approximation; the counts are exact.)
    pub fn metadata(&self) -> RangeSet {
        let mut m = RangeSet::new();
        let fdb = self.first_data_block;
        let bpg = self.blocks_per_group;
        if fdb > 0 {
            m.insert(0, fdb);
        }
        for g in (0..self.groups).filter(|g| has_super(*g)) {
            m.insert(g * bpg + fdb, 1 + self.desc_blocks + self.reserved_gdt_blocks);
        }
        let take = |m: &mut RangeSet, goal: u64, count: u64| {
            for (start, n) in m.first_free_near(goal, count, self.blocks).unwrap_or_default() {
                m.insert(start, n);
            }
        };
        for first in (0..self.groups).step_by(FLEX_GROUPS as usize) {
            let n = FLEX_GROUPS.min(self.groups - first);
            take(&mut m, first * bpg + fdb, n * (2 + self.inode_blocks_per_group));
        }
        take(&mut m, (self.groups - 1) / 2 * bpg + fdb, self.journal_blocks);
        take(&mut m, fdb, self.initial_used);
        m
    }

    /// statfs's f_blocks: what df calls the filesystem's size.
    pub fn data_blocks(&self) -> u64 {
        self.blocks - self.overhead
    }

    /// Free blocks of the fresh filesystem (the superblock's count).
    pub fn free_blocks(&self) -> u64 {
        self.data_blocks() - self.initial_used
    }
}

/// ext4's half-MD4 directory hash of `name` with the filesystem's hash seed
/// (the "signed" variant mke2fs sets on x86): the htree orders names by it.
pub fn dir_hash(name: &[u8], seed: &[u8; 16]) -> (u32, u32) {
    let mut buf = [0u32; 4];
    for (i, b) in buf.iter_mut().enumerate() {
        *b = u32::from_le_bytes([seed[4 * i], seed[4 * i + 1], seed[4 * i + 2], seed[4 * i + 3]]);
    }
    if buf == [0; 4] {
        buf = [0x6745_2301, 0xEFCD_AB89, 0x98BA_DCFE, 0x1032_5476];
    }
    let mut rest = name;
    loop {
        buf = half_md4(buf, &str_to_hashbuf(rest, 8));
        rest = &rest[rest.len().min(32)..];
        if rest.is_empty() {
            break;
        }
    }
    let mut hash = buf[1] & !1;
    if hash == 0x7FFF_FFFF << 1 {
        hash = (0x7FFF_FFFF - 1) << 1;
    }
    (hash, buf[2])
}

fn str_to_hashbuf(msg: &[u8], num: usize) -> [u32; 8] {
    let len = msg.len() as u32;
    let mut pad = len | (len << 8);
    pad |= pad << 16;
    let mut out = [pad; 8];
    let mut val = pad;
    let mut k = 0;
    for (i, b) in msg.iter().take(num * 4).enumerate() {
        let ch = *b as i8 as i32 as u32;
        val = ch.wrapping_add(val << 8);
        if i % 4 == 3 {
            out[k] = val;
            k += 1;
            val = pad;
        }
    }
    if k < num {
        out[k] = val;
    }
    out
}

fn half_md4(buf: [u32; 4], input: &[u32; 8]) -> [u32; 4] {
    let f = |x: u32, y: u32, z: u32| z ^ (x & (y ^ z));
    let g = |x: u32, y: u32, z: u32| (x & y).wrapping_add((x ^ y) & z);
    let h = |x: u32, y: u32, z: u32| x ^ y ^ z;
    let rounds: [(&dyn Fn(u32, u32, u32) -> u32, u32, [(usize, u32); 8]); 3] = [
        (&f, 0, [(0, 3), (1, 7), (2, 11), (3, 19), (4, 3), (5, 7), (6, 11), (7, 19)]),
        (&g, 0o13240474631, [(1, 3), (3, 5), (5, 9), (7, 13), (0, 3), (2, 5), (4, 9), (6, 13)]),
        (&h, 0o15666365641, [(3, 3), (7, 9), (2, 11), (6, 15), (1, 3), (5, 9), (0, 11), (4, 15)]),
    ];
    let [mut a, mut b, mut c, mut d] = buf;
    for (func, k, steps) in rounds {
        for (i, (idx, s)) in steps.iter().enumerate() {
            let x = input[*idx].wrapping_add(k);
            match i % 4 {
                0 => a = a.wrapping_add(func(b, c, d)).wrapping_add(x).rotate_left(*s),
                1 => d = d.wrapping_add(func(a, b, c)).wrapping_add(x).rotate_left(*s),
                2 => c = c.wrapping_add(func(d, a, b)).wrapping_add(x).rotate_left(*s),
                _ => b = b.wrapping_add(func(c, d, a)).wrapping_add(x).rotate_left(*s),
            }
        }
    }
    [buf[0].wrapping_add(a), buf[1].wrapping_add(b), buf[2].wrapping_add(c), buf[3].wrapping_add(d)]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn statfs(size: u64) -> (u64, u64, u64, u64) {
        let g = Geometry::for_size(size).expect("geometry");
        let bavail = g.free_blocks().saturating_sub(g.reserved_blocks + g.resv_clusters);
        (g.data_blocks(), g.free_blocks(), bavail, g.inodes)
    }

    #[test]
    fn statfs_matches_real_filesystems() {
        // (size, f_blocks, f_bfree, f_bavail, f_files) measured with stat -f.
        assert_eq!(statfs(1 << 30), (249195, 249189, 231986, 65536));
        assert_eq!(statfs(100 << 20), (90333, 90319, 83151, 25584));
    }

    #[test]
    #[cfg(feature = "e2fs-tools")]
    fn resize2fs_keeps_the_journal_and_the_inode_tables() {
        // Real filesystems: mkfs.ext4 of 1 GiB, resize2fs to 2 GiB and to
        // 3500M (df -B1's size), and back to 1 GiB (e2fsck's counts).
        let g = Geometry::for_size(1 << 30).expect("1 GiB");
        let two = g.resized(524_288).expect("2 GiB");
        assert_eq!(two.data_blocks() * 4096, 2_077_073_408);
        assert_eq!(g.resized(896_000).expect("3500M").data_blocks() * 4096, 3_573_284_864);
        assert_eq!(two.inodes, 131_072);
        let back = two.resized(262_144).expect("1 GiB again");
        assert_eq!((back.inodes, back.overhead + back.initial_used), (65_536, 12_955));
        assert_eq!((g.resized(0), g.resized(100)), (None, None), "smaller than one group's metadata");
    }

    #[test]
    fn the_layout_uses_exactly_the_overhead() {
        for size in [64 << 20, 100 << 20, 1 << 30, 10 << 30] {
            let g = Geometry::for_size(size).expect("geometry");
            assert_eq!(g.metadata().total(), g.overhead + g.initial_used, "size {size}");
        }
    }

    #[test]
    fn readdir_order_follows_the_hash() {
        let seed = [0x5e, 0xed, 0, 0, 0, 0, 0x40, 0, 0x80, 0, 0, 0, 0, 0, 0, 2];
        let mut names = vec!["disk.raw", "pre.raw"];
        names.sort_by_key(|n| dir_hash(n.as_bytes(), &seed));
        assert_eq!(names, ["pre.raw", "disk.raw"]);
        let mut names = vec!["lost+found", "images"];
        names.sort_by_key(|n| dir_hash(n.as_bytes(), &seed));
        assert_eq!(names, ["images", "lost+found"]);
    }
}
