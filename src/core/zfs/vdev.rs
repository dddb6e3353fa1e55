//! The vdev tree: top-level vdevs (a single disk, a mirror, a raidz1 group)
//! over leaf devices, their sizes and metaslabs, and how a block's bytes are
//! laid out on the leaves.
//!
//! Sizes follow OpenZFS 2.2: a leaf loses 4 MiB at the front (labels L0, L1
//! and the boot area) and 512 KiB at the end (L2, L3); a mirror is as large
//! as its smallest side; a raidz1 group is its smallest child times the
//! children. The space is cut into metaslabs (`vdev_metaslab_set_size`), and
//! when there are more than 64 the first is kept for the embedded ZIL. A
//! raidz1 block is mapped to columns as `vdev_raidz_map_alloc` maps it,
//! parity first, with real XOR parity and the 1 MiB parity rotation.
//! Simplified: allocation is first-fit from the lowest offset of each
//! metaslab (no space maps on disk, no weighting); no raidz2/3 or dRAID.

use crate::core::device::DevId;
use crate::core::ranges::RangeSet;

pub const MIB: u64 = 1024 * 1024;
/// One vdev label (`sizeof (vdev_label_t)`).
pub const VDEV_LABEL_BYTES: u64 = 256 * 1024;
/// L0, L1 and the boot area before the first allocatable byte.
pub const VDEV_LABEL_START_BYTES: u64 = 4 * MIB;
/// L2 and L3 after the last one.
pub const VDEV_LABEL_END_BYTES: u64 = 2 * VDEV_LABEL_BYTES;
/// `SPA_MINDEVSIZE`: zpool refuses smaller devices.
pub const SPA_MINDEVSIZE: u64 = 64 * MIB;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VdevKind {
    Disk,
    Mirror,
    Raidz1,
}

impl VdevKind {
    /// The type string of the label's vdev tree (`zpool status` prints it).
    pub fn name(self) -> &'static str {
        match self {
            VdevKind::Disk => "disk",
            VdevKind::Mirror => "mirror",
            VdevKind::Raidz1 => "raidz1",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LeafState {
    Online,
    /// Taken offline by `zpool offline`: no I/O until `zpool online`.
    Offline,
    /// The device is gone (its partition was deleted, say).
    Unavail,
}

/// `zpool status`' READ, WRITE and CKSUM columns.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ErrorCounts {
    pub read: u64,
    pub write: u64,
    pub cksum: u64,
}

/// A leaf vdev: one block device.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Leaf {
    pub dev: DevId,
    pub guid: u64,
    /// The disk, when `zpool create` was given a whole disk and made the
    /// partition itself (`zpool status` then names the disk).
    pub whole_disk: Option<DevId>,
    pub state: LeafState,
    pub errors: ErrorCounts,
    /// Blocks born from this txg on are missing here (it was offline, or it
    /// is new): a resilver copies them.
    pub missing_from_txg: Option<u64>,
    /// `vs_ops` and `vs_bytes` for `zpool iostat`: I/Os that reached the device.
    pub io: IoCounts,
    /// When `zpool trim` and `zpool initialize` last completed here (the
    /// lab's finish within their command).
    #[cfg(feature = "zfs")]
    pub trimmed_at: Option<u64>,
    #[cfg(feature = "zfs")]
    pub initialized_at: Option<u64>,
    /// zed degraded it for too many checksum errors (`VDEV_AUX_ERR_EXCEEDED`).
    #[cfg(feature = "zfs")]
    pub too_many_errors: bool,
    /// When its recent checksum ereports came, for zed's SERD engine.
    #[cfg(feature = "zfs")]
    pub cksum_reports: Vec<u64>,
    /// The path it had when an import could not open it
    /// (`ZPOOL_CONFIG_NOT_PRESENT`): `zpool status` names it by guid.
    #[cfg(feature = "zfs")]
    pub not_present: Option<String>,
    /// Its path when the pool was exported, as the labels record it.
    #[cfg(feature = "zfs")]
    pub exported_path: Option<String>,
    /// It is the new side of `zpool replace`: with the child just before
    /// it, it forms a `replacing-N` vdev until its resilver completes.
    #[cfg(feature = "zfs")]
    pub replacing: bool,
    /// Bytes the scan under way wrote here (`vs_scan_processed`).
    #[cfg(feature = "zfs")]
    pub scan_processed_bytes: u64,
}

/// zed's checksum SERD engine: this many ereports within `CHECKSUM_T_SECS`
/// degrade a leaf (`DEFAULT_CHECKSUM_N`, `DEFAULT_CHECKSUM_T`).
#[cfg(feature = "zfs")]
const CHECKSUM_N: usize = 10;
#[cfg(feature = "zfs")]
const CHECKSUM_T_SECS: u64 = 600;

/// What `zpool trim` and `zpool initialize` do to a leaf.
#[cfg(feature = "zfs")]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LeafTask {
    Trim,
    Initialize,
    /// `zpool initialize -u`: back to never initialized.
    Uninitialize,
}

/// Operations and bytes by direction, as `vdev_stat_t` counts them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct IoCounts {
    pub read_ops: u64,
    pub write_ops: u64,
    pub read_bytes: u64,
    pub write_bytes: u64,
}

impl IoCounts {
    pub fn read(&mut self, bytes: u64) {
        self.read_ops += 1;
        self.read_bytes += bytes;
    }

    pub fn wrote(&mut self, bytes: u64) {
        self.write_ops += 1;
        self.write_bytes += bytes;
    }
}

impl Leaf {
    pub fn new(dev: DevId, guid: u64, whole_disk: Option<DevId>) -> Leaf {
        Leaf {
            dev,
            guid,
            whole_disk,
            state: LeafState::Online,
            errors: ErrorCounts::default(),
            missing_from_txg: None,
            io: IoCounts::default(),
            #[cfg(feature = "zfs")]
            trimmed_at: None,
            #[cfg(feature = "zfs")]
            initialized_at: None,
            #[cfg(feature = "zfs")]
            too_many_errors: false,
            #[cfg(feature = "zfs")]
            cksum_reports: Vec::new(),
            #[cfg(feature = "zfs")]
            not_present: None,
            #[cfg(feature = "zfs")]
            exported_path: None,
            #[cfg(feature = "zfs")]
            replacing: false,
            #[cfg(feature = "zfs")]
            scan_processed_bytes: 0,
        }
    }

    /// A new leaf that holds no block yet: a resilver fills it.
    pub fn empty(dev: DevId, guid: u64, whole_disk: Option<DevId>) -> Leaf {
        Leaf { missing_from_txg: Some(0), ..Leaf::new(dev, guid, whole_disk) }
    }

    /// A checksum error read from this leaf. zed counts those of ordinary
    /// reads (it ignores a scrub's and a resilver's) and degrades the leaf
    /// once its SERD engine fires.
    pub fn checksum_error(&mut self, now: u64, scrubbing: bool) {
        self.errors.cksum += 1;
        #[cfg(feature = "zfs")]
        if !scrubbing && !self.too_many_errors {
            self.cksum_reports.retain(|t| now.saturating_sub(*t) < CHECKSUM_T_SECS);
            self.cksum_reports.push(now);
            if self.cksum_reports.len() >= CHECKSUM_N {
                self.too_many_errors = true;
                self.cksum_reports.clear();
            }
        }
        #[cfg(not(feature = "zfs"))]
        let _ = (now, scrubbing);
    }

    /// Whether zed has degraded it (its state shows DEGRADED, though it still serves I/O).
    pub fn degraded(&self) -> bool {
        #[cfg(feature = "zfs")]
        return self.too_many_errors;
        #[cfg(not(feature = "zfs"))]
        false
    }

    /// `zpool clear`: the counters, and zed's verdict, go.
    pub fn clear(&mut self) {
        self.errors = ErrorCounts::default();
        #[cfg(feature = "zfs")]
        {
            self.too_many_errors = false;
            self.cksum_reports.clear();
        }
    }

    /// Whether it is the new side of a `replacing-N` vdev.
    pub fn replacing(&self) -> bool {
        #[cfg(feature = "zfs")]
        return self.replacing;
        #[cfg(not(feature = "zfs"))]
        false
    }

    pub fn set_replacing(&mut self, on: bool) {
        #[cfg(feature = "zfs")]
        {
            self.replacing = on;
        }
        #[cfg(not(feature = "zfs"))]
        let _ = on;
    }

    /// What the scan under way has written here.
    pub fn scan_processed_bytes(&self) -> u64 {
        #[cfg(feature = "zfs")]
        return self.scan_processed_bytes;
        #[cfg(not(feature = "zfs"))]
        0
    }

    /// Counts bytes a scan wrote here; `None` starts a new scan's count.
    pub fn count_scan_write(&mut self, bytes: Option<u64>) {
        #[cfg(feature = "zfs")]
        {
            self.scan_processed_bytes = bytes.map_or(0, |b| self.scan_processed_bytes + b);
        }
        #[cfg(not(feature = "zfs"))]
        let _ = bytes;
    }

    /// Whether reads may use it: online and holding every block.
    pub fn readable(&self) -> bool {
        self.state == LeafState::Online && self.missing_from_txg.is_none()
    }

    pub fn writable(&self) -> bool {
        self.state == LeafState::Online
    }
}

/// A top-level vdev: the unit blocks are allocated from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TopVdev {
    pub id: u32,
    pub guid: u64,
    pub kind: VdevKind,
    pub children: Vec<Leaf>,
    pub ashift: u8,
    /// Usable bytes (`vdev_asize`), before cutting into metaslabs.
    pub asize: u64,
    pub ms_shift: u32,
    pub ms_count: u64,
    /// The metaslab set aside for the embedded ZIL, if any.
    pub log_ms: Option<u64>,
    /// Allocated byte ranges of the vdev's space.
    pub allocated: RangeSet,
    pub errors: ErrorCounts,
}

fn highbit64(x: u64) -> u32 {
    64 - x.leading_zeros()
}

/// A leaf's usable bytes: its size aligned to a label, minus the labels.
pub fn leaf_asize(dev_bytes: u64) -> u64 {
    (dev_bytes / VDEV_LABEL_BYTES * VDEV_LABEL_BYTES).saturating_sub(VDEV_LABEL_START_BYTES + VDEV_LABEL_END_BYTES)
}

/// `vdev_metaslab_set_size` with OpenZFS 2.2's tunables.
pub fn metaslab_shift(asize: u64) -> u32 {
    const DEFAULT_SHIFT: u32 = 29;
    const MIN_COUNT: u64 = 16;
    const DEFAULT_COUNT: u64 = 200;
    const MAX_SHIFT: u32 = 34;
    const COUNT_LIMIT: u64 = 131_072;
    const SPA_MAXBLOCKSHIFT: u32 = 24;
    let count = asize >> DEFAULT_SHIFT;
    let mut shift = if count < MIN_COUNT {
        highbit64(asize / MIN_COUNT)
    } else if count > DEFAULT_COUNT {
        highbit64(asize / DEFAULT_COUNT)
    } else {
        DEFAULT_SHIFT
    };
    if shift < SPA_MAXBLOCKSHIFT {
        shift = SPA_MAXBLOCKSHIFT;
    } else if shift > MAX_SHIFT {
        shift = MAX_SHIFT;
        if asize >> shift > COUNT_LIMIT {
            shift = highbit64(asize / COUNT_LIMIT);
        }
    }
    shift
}

fn roundup(x: u64, to: u64) -> u64 {
    x.div_ceil(to) * to
}

/// One raidz column of a block: which child, where on it, how many bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Column {
    pub child: usize,
    /// Bytes from the start of the child's allocatable space.
    pub offset: u64,
    pub size: u64,
}

/// `vdev_raidz_map_alloc` for one parity column: column 0 is parity, the
/// rest hold the block's bytes in order. `size` is a multiple of the sector.
pub fn raidz1_map(offset: u64, size: u64, ashift: u8, children: usize) -> Vec<Column> {
    let (dcols, nparity) = (children as u64, 1u64);
    let b = offset >> ashift;
    let s = size >> ashift;
    let f = b % dcols;
    let o = (b / dcols) << ashift;
    let q = s / (dcols - nparity);
    let r = s - q * (dcols - nparity);
    let bc = if r == 0 { 0 } else { r + nparity };
    let acols = if q == 0 { bc } else { dcols };
    let mut cols: Vec<Column> = (0..acols)
        .map(|c| {
            let (mut col, mut coff) = (f + c, o);
            if col >= dcols {
                col -= dcols;
                coff += 1 << ashift;
            }
            let sectors = if c < bc { q + 1 } else { q };
            Column { child: col as usize, offset: coff, size: sectors << ashift }
        })
        .collect();
    // The on-disk format swaps parity with the first data column every other MiB.
    if offset & (1 << 20) != 0 && cols.len() >= 2 {
        let (c0, o0) = (cols[0].child, cols[0].offset);
        cols[0].child = cols[1].child;
        cols[0].offset = cols[1].offset;
        cols[1].child = c0;
        cols[1].offset = o0;
    }
    cols
}

/// XOR parity of data columns, each zero-padded to the parity column's size.
pub fn xor_parity(columns: &[&[u8]], size: usize) -> Vec<u8> {
    let mut p = vec![0u8; size];
    for c in columns {
        for (x, y) in p.iter_mut().zip(c.iter()) {
            *x ^= *y;
        }
    }
    p
}

impl TopVdev {
    /// Its name in `zpool status`: type and id (`mirror-0`, `raidz1-1`).
    pub fn type_id(&self) -> String {
        format!("{}-{}", self.kind.name(), self.id)
    }

    /// A top-level vdev over leaves of the given sizes.
    pub fn new(id: u32, guid: u64, kind: VdevKind, children: Vec<Leaf>, ashift: u8, leaf_bytes: &[u64]) -> TopVdev {
        let smallest = leaf_bytes.iter().map(|b| leaf_asize(*b)).min().unwrap_or(0);
        let asize = match kind {
            VdevKind::Raidz1 => smallest * children.len() as u64,
            _ => smallest,
        };
        let ms_shift = metaslab_shift(asize);
        let ms_count = asize >> ms_shift;
        let log_ms = (ms_count > 64).then_some(0);
        TopVdev { id, guid, kind, children, ashift, asize, ms_shift, ms_count, log_ms, allocated: RangeSet::new(), errors: ErrorCounts::default() }
    }

    pub fn sector(&self) -> u64 {
        1 << self.ashift
    }

    /// `vdev_psize_to_asize`: what a block of `psize` bytes takes here.
    pub fn psize_to_asize(&self, psize: u64) -> u64 {
        match self.kind {
            VdevKind::Disk | VdevKind::Mirror => roundup(psize, self.sector()),
            VdevKind::Raidz1 => {
                let cols = self.children.len() as u64;
                let mut sectors = ((psize - 1) >> self.ashift) + 1;
                sectors += sectors.div_ceil(cols - 1);
                roundup(sectors, 2) << self.ashift
            }
        }
    }

    /// `vdev_deflate_ratio`: space accounting shows raidz blocks without parity.
    pub fn deflate_ratio(&self) -> u64 {
        (1 << 17) / (self.psize_to_asize(1 << 17) >> 9)
    }

    /// Allocated bytes as the DSL accounts them.
    pub fn deflate(&self, asize: u64) -> u64 {
        (asize >> 9) * self.deflate_ratio()
    }

    /// Bytes in the normal class: every metaslab but the embedded log's.
    pub fn normal_space(&self) -> u64 {
        (self.ms_count - u64::from(self.log_ms.is_some())) << self.ms_shift
    }

    /// All metaslabs' bytes, as `zpool list` counts SIZE.
    pub fn metaslab_space(&self) -> u64 {
        self.ms_count << self.ms_shift
    }

    fn ms_range(&self, ms: u64) -> (u64, u64) {
        (ms << self.ms_shift, (ms + 1) << self.ms_shift)
    }

    /// The lowest free, sector-aligned run of `asize` bytes, trying metaslabs
    /// from `first_ms` on (wrapping), skipping the embedded log's.
    pub fn find_free(&self, asize: u64, first_ms: u64) -> Option<u64> {
        (0..self.ms_count).map(|i| (first_ms + i) % self.ms_count.max(1)).filter(|ms| Some(*ms) != self.log_ms).find_map(|ms| {
            let (start, end) = self.ms_range(ms);
            self.first_gap(start, end, asize)
        })
    }

    fn first_gap(&self, start: u64, end: u64, asize: u64) -> Option<u64> {
        let mut cursor = start;
        for (s, l) in self.allocated.runs() {
            if s + l <= cursor {
                continue;
            }
            if s >= end {
                break;
            }
            if s >= cursor + asize {
                return Some(cursor);
            }
            cursor = roundup(s + l, self.sector());
        }
        (cursor + asize <= end).then_some(cursor)
    }

    /// The metaslab an offset falls in.
    pub fn metaslab_of(&self, offset: u64) -> u64 {
        offset >> self.ms_shift
    }

    /// Where a block's bytes sit: (child, offset on the child past the front
    /// labels, length, offset within the block or `None` for parity).
    pub fn layout(&self, offset: u64, size: u64) -> Vec<(usize, u64, u64, Option<u64>)> {
        match self.kind {
            VdevKind::Disk | VdevKind::Mirror => {
                (0..self.children.len()).map(|c| (c, offset + VDEV_LABEL_START_BYTES, size, Some(0))).collect()
            }
            VdevKind::Raidz1 => {
                let mut at = 0;
                raidz1_map(offset, size, self.ashift, self.children.len())
                    .into_iter()
                    .enumerate()
                    .map(|(i, col)| {
                        let data_at = (i > 0).then_some(at);
                        if i > 0 {
                            at += col.size;
                        }
                        (col.child, col.offset + VDEV_LABEL_START_BYTES, col.size, data_at)
                    })
                    .collect()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn leaves(n: usize) -> Vec<Leaf> {
        (0..n).map(|i| Leaf::new(DevId(i as u32), i as u64, None)).collect()
    }

    // A 1 GiB disk: 1 GiB - 4.5 MiB usable; fewer than 16 metaslabs of
    // 512 MiB, so the shift is highbit(asize / 16) = 26 (64 MiB metaslabs).
    #[test]
    fn metaslabs_follow_vdev_metaslab_set_size() {
        let v = TopVdev::new(0, 1, VdevKind::Disk, leaves(1), 12, &[1 << 30]);
        assert_eq!(v.asize, (1 << 30) - 4 * MIB - 512 * 1024);
        assert_eq!((v.ms_shift, v.ms_count, v.log_ms), (26, 15, None));
        // 256 GiB: more than 200 metaslabs of 512 MiB, so highbit(asize / 200) = 31.
        let big = TopVdev::new(0, 1, VdevKind::Disk, leaves(1), 12, &[256 << 30]);
        assert_eq!((big.ms_shift, big.ms_count, big.log_ms), (31, 127, Some(0)));
    }

    // vdev_raidz_asize for 3 children, ashift 12: a 128 KiB block is 32 data
    // sectors plus 16 parity sectors, rounded to a multiple of 2: 48 sectors.
    #[test]
    fn raidz1_asize_counts_parity_and_padding() {
        let v = TopVdev::new(0, 1, VdevKind::Raidz1, leaves(3), 12, &[1 << 30; 3]);
        assert_eq!(v.psize_to_asize(128 * 1024), 48 * 4096);
        // One 4 KiB sector: one data and one parity sector.
        assert_eq!(v.psize_to_asize(4096), 2 * 4096);
        // 131072 / (196608 / 512) = 341.
        assert_eq!(v.deflate_ratio(), 341);
    }

    // By hand: 3 columns, 5 sectors at sector 7 of the vdev. f = 7 % 3 = 1,
    // o = 2 sectors; q = 2, r = 1, bc = 2: parity and one data column get 3
    // sectors, the last 2; the third column wraps to child 0 one sector later.
    #[test]
    fn raidz1_columns_follow_vdev_raidz_map_alloc() {
        let cols = raidz1_map(7 << 12, 5 << 12, 12, 3);
        let want = [
            Column { child: 1, offset: 2 << 12, size: 3 << 12 },
            Column { child: 2, offset: 2 << 12, size: 3 << 12 },
            Column { child: 0, offset: 3 << 12, size: 2 << 12 },
        ];
        assert_eq!(cols, want);
        // With bit 20 of the offset set, parity and the first data column
        // swap: sector 263 gives f = 2, so columns on children 2, 0, 1 become
        // parity on child 0 (sector 88) and data first on child 2 (sector 87).
        let swapped = raidz1_map((1 << 20) + (7 << 12), 5 << 12, 12, 3);
        assert_eq!((swapped[0].child, swapped[0].offset), (0, 88 << 12));
        assert_eq!((swapped[1].child, swapped[1].offset), (2, 87 << 12));
    }

    #[test]
    fn parity_rebuilds_any_one_column() {
        let a = [1u8, 2, 3, 4];
        let b = [9u8, 8];
        let p = xor_parity(&[&a, &b], 4);
        let rebuilt_b = xor_parity(&[&p, &a], 4);
        assert_eq!(&rebuilt_b[..2], &b);
        assert_eq!(xor_parity(&[&p, &b], 4), a);
    }

    #[test]
    fn allocation_is_first_fit_within_metaslabs() {
        let mut v = TopVdev::new(0, 1, VdevKind::Disk, leaves(1), 12, &[1 << 30]);
        assert_eq!(v.find_free(8192, 0), Some(0));
        v.allocated.insert(0, 8192);
        v.allocated.insert(12288, 4096);
        assert_eq!(v.find_free(4096, 0), Some(8192));
        assert_eq!(v.find_free(8192, 0), Some(16384));
        assert_eq!(v.find_free(4096, 1), Some(64 * MIB));
    }
}
