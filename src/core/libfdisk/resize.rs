//! libfdisk's `recount_resize()`: where `sfdisk -N` may move a partition's
//! start and how far it may grow or shrink it. libfdisk lists the table's
//! partitions and its free areas (found with a grain of one sector), sorts
//! them by start, and lets a partition reach over free areas only. An
//! extended partition is a container: a primary grows past it as if it were
//! not there (libfdisk does, so a primary can end up overlapping it), and a
//! logical partition stays among the areas inside it.

use super::free::freespaces;
use super::Align;
use crate::core::label::Label;
use crate::core::order::SmallSort;

/// A script line's start for an existing partition (`parse_start_value()`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StartChange {
    /// No start given: it stays.
    Keep,
    /// `+` alone: the first free sector of the free areas just before it.
    FirstPossible,
    /// `+N`: N sectors later.
    Up(u64),
    /// `-N`: N sectors earlier.
    Down(u64),
    /// `N`: at sector N.
    At(u64),
}

/// A script line's size for an existing partition (`parse_size_value()`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SizeChange {
    Keep,
    /// `+` alone: to the end of the free areas behind it.
    AllPossible,
    Grow(u64),
    Shrink(u64),
    To(u64),
}

/// One entry of libfdisk's sorted table: a partition or a free area.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Area {
    start_lba: u64,
    size_sectors: u64,
    /// None for free space.
    number: Option<u32>,
    /// An extended partition.
    container: bool,
    /// The extended partition a logical partition or a free area lies in.
    parent: Option<u32>,
}

impl Area {
    fn holds(&self, lba: u64) -> bool {
        lba >= self.start_lba && lba < self.start_lba.saturating_add(self.size_sectors)
    }

    /// libfdisk's `pa->size - (start - pa->start)`, in unsigned arithmetic:
    /// from `start` to this area's end, even when `start` lies before it.
    fn room_from(&self, start: u64) -> u64 {
        self.size_sectors.wrapping_sub(start.wrapping_sub(self.start_lba))
    }
}

/// The partitions in number order, then the free areas, sorted by start
/// (a stable sort, as libfdisk's list sort).
fn areas(label: &Label) -> Vec<Area> {
    let ext = label.extended().map(|e| (e.number, e.start_lba, e.end_lba()));
    let inside = |first: u64, last: u64| ext.filter(|&(_, s, e)| first >= s && last <= e).map(|x| x.0);
    let mut parts: Vec<&crate::core::label::Partition> = label.partitions.iter().collect();
    parts.small_sort_by_key(|p| p.number);
    let mut out: Vec<Area> = parts
        .iter()
        .map(|p| Area {
            start_lba: p.start_lba,
            size_sectors: p.size_sectors,
            number: Some(p.number),
            container: p.part_type.is_extended() && !p.is_logical(),
            parent: if p.is_logical() { ext.map(|x| x.0) } else { None },
        })
        .collect();
    let one_sector = Align { grain_sectors: 1, first_lba: label.first_lba };
    for (first, last) in freespaces(label, &one_sector) {
        out.push(Area { start_lba: first, size_sectors: last - first + 1, number: None, container: false, parent: inside(first, last) });
    }
    out.small_sort_by_key(|a| a.start_lba);
    out
}

/// `resize_get_first_possible()`: the start of the free areas that end
/// right before the partition, with no partition between.
fn first_possible(areas: &[Area], cur: usize) -> Option<u64> {
    let mut first = None;
    for (i, pa) in areas.iter().enumerate() {
        if pa.start_lba > areas[cur].start_lba || i == cur {
            break;
        }
        let usable = pa.number.is_none() && (areas[cur].parent.is_none() || pa.parent == areas[cur].parent);
        if !usable {
            first = None;
        } else if pa.start_lba.saturating_add(pa.size_sectors) <= areas[cur].start_lba {
            first = Some(pa.start_lba);
        }
    }
    first
}

/// `resize_get_last_possible()`: how many sectors the partition may span
/// from `start`, over itself and the free areas behind it.
fn last_possible(areas: &[Area], cur: usize, start: u64) -> Option<u64> {
    let c = areas[cur];
    let (mut found, mut max) = (false, 0);
    for (i, pa) in areas.iter().enumerate() {
        let child_of_cur = pa.parent.is_some() && c.container && pa.parent == c.number;
        let other_parent = c.parent.is_some() && pa.parent != c.parent;
        if (pa.container && i != cur) || child_of_cur || other_parent {
            continue;
        }
        let free_or_cur = pa.number.is_none() || i == cur;
        if !found {
            if pa.holds(start) {
                if !free_or_cur {
                    break;
                }
                found = true;
                max = pa.room_from(start);
            }
        } else if !free_or_cur {
            break;
        } else {
            max = pa.room_from(start);
        }
    }
    found.then_some(max)
}

/// `area_by_offset()`: the first entry that holds `lba` (containers too).
fn area_at(areas: &[Area], cur: usize, lba: u64) -> Option<usize> {
    let parent = areas[cur].parent;
    areas.iter().position(|a| (parent.is_none() || a.parent == parent) && a.holds(lba))
}

/// The new (start, size) of partition `number`, or None where libfdisk says
/// "Failed to resize partition". `grain_sectors` is the disk's alignment,
/// which lets a start fall in the first grain of the usable area.
pub fn recount(label: &Label, number: u32, start: StartChange, size: SizeChange, grain_sectors: u64) -> Option<(u64, u64)> {
    let areas = areas(label);
    let cur = areas.iter().position(|a| a.number == Some(number))?;
    let c = areas[cur];
    let new_start = match start {
        StartChange::Keep => c.start_lba,
        StartChange::FirstPossible => first_possible(&areas, cur)?,
        StartChange::Up(n) => c.start_lba.saturating_add(n),
        StartChange::Down(n) => c.start_lba.checked_sub(n)?,
        StartChange::At(n) => n,
    };
    if start != StartChange::Keep {
        let ok = match area_at(&areas, cur, new_start) {
            Some(i) => i == cur || areas[i].number.is_none(),
            None => new_start >= label.first_lba && new_start < label.first_lba.saturating_add(grain_sectors),
        };
        if !ok {
            return None;
        }
    }
    let new_size = match size {
        SizeChange::Keep => c.size_sectors,
        SizeChange::AllPossible => last_possible(&areas, cur, new_start)?,
        SizeChange::Grow(n) => c.size_sectors.saturating_add(n),
        SizeChange::Shrink(n) => c.size_sectors.checked_sub(n)?,
        SizeChange::To(n) => n,
    };
    let max = last_possible(&areas, cur, new_start)?;
    (new_size <= max).then_some((new_start, new_size))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::gpt::Guid;
    use crate::core::label::{PartType, Partition};

    fn part(number: u32, start_lba: u64, size_sectors: u64, code: u8) -> Partition {
        Partition { number, start_lba, size_sectors, part_type: PartType::Dos(code), unique_guid: Guid::ZERO, name: String::new(), bootable: false }
    }

    /// A 64 MiB DOS disk: 1 at 2048 (10 MiB), extended 2 at 22528 (30 MiB)
    /// holding logicals 5 and 6 (5 MiB each, a grain apart).
    fn dos_with_logicals() -> Label {
        let mut l = Label::new_dos(131072, 1).unwrap();
        l.partitions = vec![part(1, 2048, 20480, 0x83), part(2, 22528, 61440, 0x05), part(5, 24576, 10240, 0x83), part(6, 36864, 10240, 0x83)];
        l
    }

    #[test]
    fn a_primary_grows_over_free_space_and_an_empty_extended_partition() {
        let mut l = Label::new_dos(131072, 1).unwrap();
        l.partitions = vec![part(1, 2048, 20480, 0x83), part(2, 22528, 20480, 0x05), part(3, 43008, 8192, 0x83)];
        // Measured with sfdisk 2.38.1: `echo ,+ | sfdisk -N 1` ends at 43007.
        assert_eq!(recount(&l, 1, StartChange::Keep, SizeChange::AllPossible, 2048), Some((2048, 40960)));
    }

    #[test]
    fn logicals_stay_inside_the_extended_partition() {
        let l = dos_with_logicals();
        // Logical 5 cannot grow into logical 6; 6 grows to the end of 2.
        assert_eq!(recount(&l, 5, StartChange::Keep, SizeChange::AllPossible, 2048), Some((24576, 10240)));
        assert_eq!(recount(&l, 6, StartChange::Keep, SizeChange::AllPossible, 2048), Some((36864, 47104)));
        assert_eq!(recount(&l, 5, StartChange::Up(2048), SizeChange::Keep, 2048), None);
        // The extended partition grows over the free space behind it.
        assert_eq!(recount(&l, 2, StartChange::Keep, SizeChange::AllPossible, 2048), Some((22528, 108544)));
    }

    #[test]
    fn starts_move_within_the_partition_or_into_free_space() {
        let mut l = Label::new_gpt_with(131072, Guid::ZERO, 128, 2048, 131038).unwrap();
        l.partitions = vec![part(1, 4096, 10240, 0), part(2, 22528, 108511, 0)];
        assert_eq!(recount(&l, 1, StartChange::Down(2048), SizeChange::Keep, 2048), Some((2048, 10240)));
        assert_eq!(recount(&l, 1, StartChange::Down(4096), SizeChange::Keep, 2048), None);
        assert_eq!(recount(&l, 1, StartChange::At(30000), SizeChange::Keep, 2048), None);
        assert_eq!(recount(&l, 1, StartChange::FirstPossible, SizeChange::Keep, 2048), Some((2048, 10240)));
        assert_eq!(recount(&l, 1, StartChange::Keep, SizeChange::Grow(204800), 2048), None);
        assert_eq!(recount(&l, 1, StartChange::Keep, SizeChange::Shrink(20480), 2048), None);
    }
}
