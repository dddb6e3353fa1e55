//! libfdisk's view of a table's free space: `fdisk_get_freespaces()` (fdisk's
//! `F`, `sfdisk -F`) and what `fdisk_verify_disklabel()` counts (fdisk's `v`,
//! `sfdisk -V`).
//!
//! Simplified: the lab's tables never overlap and a GPT's CRCs and headers
//! agree, so verifying finds no errors, and DOS labels are never in the
//! old CHS-compatible mode, whose checks libfdisk skips too.

use super::{Align, Direction};
use crate::core::label::{Label, LabelKind, Partition};
use crate::core::order::SmallSort;

/// The free areas `fdisk_get_freespaces()` lists, as (first, last) sectors in
/// disk order: gaps of more than a grain between primaries (and before the
/// first one when that starts past an aligned first sector), the space left
/// in an extended partition, and the space behind the last partition.
pub fn freespaces(label: &Label, align: &Align) -> Vec<(u64, u64)> {
    let grain = align.grain_sectors.max(1);
    let first_lba = label.first_lba;
    let mut outer: Vec<&Partition> = label.partitions.iter().filter(|p| !p.is_logical()).collect();
    outer.small_sort_by_key(|p| p.start_lba);
    let (mut out, mut last, mut nparts) = (Vec::new(), first_lba, 0u64);
    for p in outer {
        let before_first = nparts == 0 && align.lba(last, Direction::Up) < p.start_lba;
        if last + grain < p.start_lba || before_first {
            out.extend(free_area(align, last + u64::from(nparts > 0), p.start_lba - 1));
        }
        if p.part_type.is_extended() {
            out.extend(container_free(label, p, grain));
        }
        last = last.max(p.end_lba());
        nparts += 1;
    }
    if last + grain < label.last_lba.saturating_sub(1) {
        out.extend(free_area(align, last + u64::from(last > first_lba || nparts > 0), label.last_lba));
    }
    out.small_sort_by_key(|a| a.0);
    out
}

/// `check_container_freespace()`: the gaps between logical partitions, each
/// starting `first_lba` after the previous one's end, as libfdisk counts
/// them (its end is the next logical's first sector, not the one before).
fn container_free(label: &Label, ext: &Partition, grain: u64) -> Vec<(u64, u64)> {
    let align = Align { grain_sectors: grain, first_lba: label.first_lba };
    let mut logicals: Vec<&Partition> = label.logicals().collect();
    logicals.small_sort_by_key(|p| p.start_lba);
    let (mut out, mut last) = (Vec::new(), ext.start_lba);
    for p in logicals {
        let from = last + label.first_lba;
        if p.start_lba > from && p.start_lba - from > grain {
            out.extend(free_area(&align, from, p.start_lba));
        }
        last = p.end_lba();
    }
    let (from, end) = (last + label.first_lba, ext.end_lba());
    if from < end && end - from > grain {
        out.extend(free_area(&align, from, end));
    }
    out
}

/// `new_freespace()`: the area's start aligned within it.
fn free_area(align: &Align, start: u64, end: u64) -> Option<(u64, u64)> {
    if start >= end {
        return None;
    }
    let aligned = align.lba_in_range(start, start, end);
    (aligned <= end).then_some((aligned, end))
}

/// What `fdisk_verify_disklabel()` reports for a table without errors.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verified {
    /// GPT: entries in use, entries in the table, and the free sectors in
    /// their segments (every gap, however small).
    Gpt { used: u32, entries: u32, free_sectors: u64, segments: u32, largest_sectors: u64 },
    /// DOS: the sectors libfdisk counts as allocated, against the disk's.
    Dos { allocated: u64, total: u64 },
}

pub fn verify(label: &Label) -> Verified {
    match label.kind {
        LabelKind::Gpt => {
            let mut used: Vec<(u64, u64)> = label.partitions.iter().map(|p| (p.start_lba, p.end_lba())).collect();
            let gaps = Label::gaps(label.first_lba, label.last_lba, &mut used);
            Verified::Gpt {
                used: label.partitions.len() as u32,
                entries: label.gpt_entries,
                free_sectors: gaps.iter().map(|(s, e)| e - s + 1).sum(),
                segments: gaps.len() as u32,
                largest_sectors: gaps.iter().map(|(s, e)| e - s + 1).max().unwrap_or(0),
            }
        }
        LabelKind::Dos => Verified::Dos { allocated: dos_allocated(label), total: label.total_sectors },
    }
}

/// `dos_verify_disklabel()`'s count: the MBR, every partition's data but the
/// extended one's, what lies before partition 1, and one sector for each
/// logical partition's EBR.
fn dos_allocated(label: &Label) -> u64 {
    let data: u64 = label.partitions.iter().filter(|p| !p.part_type.is_extended()).map(|p| p.size_sectors).sum();
    let before_first = label.partition(1).filter(|p| !p.part_type.is_extended()).map_or(0, |p| p.start_lba.saturating_sub(1));
    1 + data + before_first + label.logicals().count() as u64
}
