//! `qemu-img check` of a qcow2 image (`qcow2_check_refcounts`): every
//! cluster the metadata references is counted from the file's own tables
//! (header, active and snapshot L1 tables, their L2 tables and data
//! clusters, the snapshot table, the refcount table and blocks), and the
//! counts are compared with the refcount blocks: a cluster counted higher
//! on disk is leaked, lower is an error. Then `QCOW_OFLAG_COPIED` must be
//! set exactly where a refcount is 1.
//!
//! `-r leaks` and `-r all` repair as QEMU does: a second comparison sets
//! each wrong count to the references found (a leaked cluster that drops to
//! 0 is punched out of the file), and `-r all` sets or clears the COPIED
//! flags.
//!
//! Simplified: the repair that rebuilds the refcount structure (a
//! referenced cluster counted 0) is not modelled, 16-bit refcounts only, no
//! external data file, no subclusters or bitmaps; the browser counts errors
//! and leaks without naming each one.

use super::guest::{be64, be64s, FileWrite, Image, OFFSET_MASK, OFLAG_COPIED, OFLAG_ZERO};
use super::Header;

/// `QCOW_OFLAG_COMPRESSED`.
const OFLAG_COMPRESSED: u64 = 1 << 62;
/// `L1E_RESERVED_MASK` and `L2E_STD_RESERVED_MASK`.
const L1_RESERVED: u64 = 0x7f00_0000_0000_01ff;
const L2_RESERVED: u64 = 0x3f00_0000_0000_01fe;

/// `QCOW_MAX_L1_SIZE`.
const MAX_L1_BYTES: u64 = 32 << 20;
/// The most clusters of file the lab counts references for (2 bytes each).
pub const MAX_FILE_CLUSTERS: u64 = 1 << 25;

/// What the check found, as `ImageCheck` reports it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Report {
    /// The lines written to standard error, in order.
    pub messages: Vec<String>,
    pub corruptions: u64,
    pub leaks: u64,
    pub total_clusters: u64,
    pub allocated_clusters: u64,
    pub fragmented_clusters: u64,
    pub compressed_clusters: u64,
    /// The end of the highest cluster either counted or referenced.
    pub image_end_offset: u64,
    pub leaks_fixed: u64,
    pub corruptions_fixed: u64,
    /// A referenced cluster counted 0: only rebuilding the refcount
    /// structure repairs it ("ERROR need to rebuild refcount structures").
    pub rebuild: bool,
    /// The repairs, as writes to the image file.
    pub writes: Vec<FileWrite>,
}

/// `BdrvCheckMode`: what `-r` repairs.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Fix {
    pub leaks: bool,
    pub errors: bool,
}

impl Report {
    /// qemu-img check's exit status: 2 for errors, 3 for leaks alone.
    pub fn exit_status(&self) -> i32 {
        if self.corruptions > 0 {
            2
        } else if self.leaks > 0 {
            3
        } else {
            0
        }
    }
}

struct Checker<'a> {
    cluster_bits: u32,
    file_length: u64,
    /// The references counted so far, one per cluster.
    counted: Vec<u16>,
    report: Report,
    read: &'a mut dyn FnMut(u64, u64) -> Vec<u8>,
}

/// Checks the image whose file is `file_length` bytes long, and plans the
/// repairs `fix` asks for (`Report::writes`).
pub fn check(header: &Header, file_length: u64, read: &mut dyn FnMut(u64, u64) -> Vec<u8>, fix: Fix) -> Report {
    let mut image = Image::open(header.clone(), read);
    let cluster = header.cluster_bytes();
    let clusters = file_length.div_ceil(cluster);
    let mut c = Checker { cluster_bits: header.cluster_bits, file_length, counted: vec![0; clusters as usize], report: Report::default(), read };
    c.report.total_clusters = header.size.div_ceil(cluster);
    c.count(0, cluster);
    c.l1_table(header.l1_table_offset, header.l1_size, true);
    for s in &image.snapshots {
        if s.l1_table_offset % cluster != 0 {
            c.error(|| format!("ERROR snapshot {} ({}) l1_offset={:#x}: L1 table is not cluster aligned; snapshot table entry corrupted", s.id, s.name, s.l1_table_offset));
            continue;
        }
        if u64::from(s.l1_size) * 8 > MAX_L1_BYTES {
            c.error(|| format!("ERROR snapshot {} ({}) l1_size={:#x}: L1 table is too large; snapshot table entry corrupted", s.id, s.name, s.l1_size));
            continue;
        }
        c.l1_table(s.l1_table_offset, s.l1_size, false);
    }
    c.count(header.snapshots_offset, super::snapshot::table_bytes(&image.snapshots));
    c.count(header.refcount_table_offset, u64::from(header.refcount_table_clusters) * cluster);
    c.refcount_blocks(&image, clusters);
    // The first comparison only reports; with `-r` and something to repair
    // the counts start over and a second one repairs (its lines follow).
    let before = c.report.clone();
    c.compare(&mut image, Fix::default());
    if (fix.leaks || fix.errors) && c.report.rebuild {
        return c.report;
    }
    if (fix.leaks || fix.errors) && c.report.leaks + c.report.corruptions > 0 {
        let messages = std::mem::take(&mut c.report.messages);
        c.report = Report { messages, ..before };
        c.compare(&mut image, fix);
    }
    c.copied_flags(&mut image, fix);
    c.report
}

impl Checker<'_> {
    fn cluster(&self) -> u64 {
        1 << self.cluster_bits
    }

    fn error(&mut self, line: impl FnOnce() -> String) {
        self.note(line);
        self.report.corruptions += 1;
    }

    /// A line for standard error. The browser build counts what it finds
    /// without the lines (feature `qcow2-check-messages`: about 2 KB of its
    /// bundle).
    fn note(&mut self, line: impl FnOnce() -> String) {
        if cfg!(feature = "qcow2-check-messages") {
            self.report.messages.push(line());
        }
    }

    /// `qcow2_inc_refcounts_imrt`: one more reference to every cluster of
    /// `offset..offset + len`, unless the range ends a cluster or more past
    /// the file.
    fn count(&mut self, offset: u64, len: u64) {
        if len == 0 {
            return;
        }
        if offset.saturating_add(len).saturating_sub(self.file_length) >= self.cluster() {
            self.error(|| format!("ERROR: counting reference for region exceeding the end of the file by one cluster or more: offset {offset:#x} size {len:#x}"));
            return;
        }
        for k in offset >> self.cluster_bits..=(offset + len - 1) >> self.cluster_bits {
            let k = k as usize;
            if k >= self.counted.len() {
                self.counted.resize(k + 1, 0);
            }
            if self.counted[k] == u16::MAX {
                let at = (k as u64) << self.cluster_bits;
                self.error(|| format!("ERROR: overflow cluster offset={at:#x}"));
                continue;
            }
            self.counted[k] += 1;
        }
    }

    /// `check_refcounts_l1`: the table, each L2 table it names, and theirs.
    fn l1_table(&mut self, offset: u64, entries: u32, active: bool) {
        // QEMU opens no image whose active table is larger.
        if entries == 0 || u64::from(entries) * 8 > MAX_L1_BYTES {
            return;
        }
        let bytes = u64::from(entries) * 8;
        self.count(offset, bytes);
        let mut table = (self.read)(offset, bytes);
        table.resize(bytes as usize, 0);
        for entry in table.chunks_exact(8).map(be64).filter(|e| *e != 0) {
            if entry & L1_RESERVED != 0 {
                self.error(|| format!("ERROR found L1 entry with reserved bits set: {entry:x}"));
            }
            let l2 = entry & OFFSET_MASK;
            self.count(l2, self.cluster());
            if l2 % self.cluster() != 0 {
                self.error(|| format!("ERROR l2_offset={l2:x}: Table is not cluster aligned; L1 entry corrupted"));
            }
            self.l2_table(l2, active);
        }
    }

    /// `check_refcounts_l2`: each data cluster once more, and for the
    /// active table the allocation and fragmentation counts.
    fn l2_table(&mut self, offset: u64, active: bool) {
        let cluster = self.cluster();
        let mut table = (self.read)(offset, cluster);
        table.resize(cluster as usize, 0);
        let mut next = 0;
        for entry in table.chunks_exact(8).map(be64) {
            if entry & OFLAG_COMPRESSED != 0 {
                self.compressed(entry, active);
                continue;
            }
            if entry & L2_RESERVED != 0 {
                self.error(|| format!("ERROR found l2 entry with reserved bits set: {entry:x}"));
            }
            let host = entry & OFFSET_MASK;
            if host == 0 {
                continue;
            }
            if host % cluster != 0 {
                let what = if entry & OFLAG_ZERO != 0 { "Preallocated cluster is not properly aligned" } else { "Data cluster is not properly aligned" };
                self.error(|| format!("ERROR offset={host:x}: {what}; L2 entry corrupted."));
            }
            if active {
                self.report.allocated_clusters += 1;
                self.report.fragmented_clusters += u64::from(next != 0 && host != next);
                next = host + cluster;
            }
            self.count(host, cluster);
        }
    }

    /// A compressed cluster's entry: its sectors are counted.
    fn compressed(&mut self, entry: u64, active: bool) {
        let shift = 62 - (self.cluster_bits - 8);
        let offset = entry & ((1 << shift) - 1) & !OFLAG_COPIED;
        if entry & OFLAG_COPIED != 0 {
            self.error(|| format!("ERROR: coffset=0x{offset:x}: copied flag must never be set for compressed clusters"));
        }
        let sectors = ((entry >> shift) & ((1 << (self.cluster_bits - 8)) - 1)) + 1;
        self.count(offset, sectors * 512 - (offset & 511));
        if active {
            self.report.allocated_clusters += 1;
            self.report.compressed_clusters += 1;
            self.report.fragmented_clusters += 1;
        }
    }

    /// `check_refblocks`: each refcount block is one cluster of the file,
    /// counted once.
    fn refcount_blocks(&mut self, image: &Image, clusters: u64) {
        for (i, entry) in image.refcount_blocks().iter().enumerate() {
            let offset = entry & OFFSET_MASK;
            if entry & !OFFSET_MASK != 0 {
                self.error(|| format!("ERROR refcount table entry {i} has reserved bits set"));
            } else if offset % self.cluster() != 0 {
                self.error(|| format!("ERROR refcount block {i} is not cluster aligned; refcount table entry corrupted"));
            } else if offset >> self.cluster_bits >= clusters {
                self.error(|| format!("ERROR refcount block {i} is outside image"));
            } else if offset != 0 {
                self.count(offset, self.cluster());
                let n = self.counted[(offset >> self.cluster_bits) as usize];
                if n != 1 {
                    self.error(|| format!("ERROR refcount block {i} refcount={n}"));
                }
            }
        }
    }

    /// `compare_refcounts`: the counts on disk against the references; a
    /// count `fix` allows is set to the references (a leaked cluster left
    /// with none is discarded: `QCOW2_DISCARD_ALWAYS`).
    fn compare(&mut self, image: &mut Image, fix: Fix) {
        let mut highest = None;
        for (i, counted) in self.counted.clone().into_iter().enumerate() {
            let on_disk = image.refcount(i as u64);
            if on_disk > 0 || counted > 0 {
                highest = Some(i as u64);
            }
            if on_disk == counted {
                continue;
            }
            self.report.rebuild |= on_disk == 0;
            let fixing = on_disk != 0 && if on_disk > counted { fix.leaks } else { fix.errors };
            if fixing {
                self.note(|| format!("Repairing cluster {i} refcount={on_disk} reference={counted}"));
                image.add(i as u64, i32::from(counted) - i32::from(on_disk), &mut self.report.writes);
                if counted == 0 {
                    self.report.writes.push(FileWrite::Punch((i as u64) << self.cluster_bits, self.cluster()));
                }
                *if on_disk > counted { &mut self.report.leaks_fixed } else { &mut self.report.corruptions_fixed } += 1;
            } else if on_disk < counted {
                self.error(|| format!("ERROR cluster {i} refcount={on_disk} reference={counted}"));
            } else {
                self.note(|| format!("Leaked cluster {i} refcount={on_disk} reference={counted}"));
                self.report.leaks += 1;
            }
        }
        self.report.image_end_offset = highest.map_or(0, |i| (i + 1) << self.cluster_bits);
    }

    /// A COPIED flag that disagrees with its cluster's count: an error, or
    /// with `-r all` repaired.
    fn copied_error(&mut self, what: &str, fix: Fix, line: String) -> bool {
        if fix.errors {
            self.note(|| format!("Repairing {what}{line}"));
            self.report.corruptions_fixed += 1;
        } else {
            self.error(|| format!("ERROR {what}{line}"));
        }
        fix.errors
    }

    /// `check_oflag_copied`: over the active tables, the flag is set
    /// exactly on entries whose cluster's refcount is 1 (and with `-r all`,
    /// or `-r leaks` once the counts are right, set so).
    fn copied_flags(&mut self, image: &mut Image, fix: Fix) {
        let cluster = self.cluster();
        // `-r leaks` repairs the flags too when the counts are now right.
        let repair = fix.errors || (fix.leaks && self.report.corruptions == 0 && self.report.leaks == 0);
        let fix = Fix { leaks: fix.leaks, errors: repair };
        let flagged = |entry: u64, refcount: u16| if refcount == 1 { entry | OFLAG_COPIED } else { entry & !OFLAG_COPIED };
        for i in 0..image.l1.len() {
            let l1_entry = image.l1[i];
            let l2 = l1_entry & OFFSET_MASK;
            if l2 == 0 {
                continue;
            }
            let refcount = image.refcount(l2 >> self.cluster_bits);
            if (refcount == 1) != (l1_entry & OFLAG_COPIED != 0) && self.copied_error("OFLAG_COPIED L2 cluster", fix, format!(": l1_index={i} l1_entry={l1_entry:x} refcount={refcount}")) {
                image.l1[i] = flagged(l1_entry, refcount);
                self.report.writes.push(FileWrite::Bytes(image.header.l1_table_offset + 8 * i as u64, image.l1[i].to_be_bytes().to_vec()));
            }
            let mut table = (self.read)(l2, cluster);
            table.resize(cluster as usize, 0);
            let mut entries: Vec<u64> = table.chunks_exact(8).map(be64).collect();
            let mut dirty = false;
            for e in entries.iter_mut().filter(|e| **e & OFLAG_COMPRESSED == 0 && **e & OFFSET_MASK != 0) {
                let entry = *e;
                let refcount = image.refcount((entry & OFFSET_MASK) >> self.cluster_bits);
                if (refcount == 1) != (entry & OFLAG_COPIED != 0) && self.copied_error("OFLAG_COPIED data cluster", fix, format!(": l2_entry={entry:x} refcount={refcount}")) {
                    *e = flagged(entry, refcount);
                    dirty = true;
                }
            }
            if dirty {
                self.report.writes.push(FileWrite::Bytes(l2, be64s(&entries)));
            }
        }
    }
}
