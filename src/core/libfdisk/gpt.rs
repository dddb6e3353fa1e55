//! libfdisk's gpt.c: a new table's geometry (`count_first_last_lba`, the
//! table length) and a scripted partition's place (`gpt_add_partition`).

use super::{Align, Errno, Notice, Placed, Refusal, Request, SizeRequest};
use crate::core::gpt::{entry_array_sectors, ENTRY_SIZE};
use crate::core::label::Label;

/// A new GPT's number of entries and usable sectors.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Geometry {
    pub entries: u32,
    pub first_lba: u64,
    pub last_lba: u64,
}

/// The script headers that shape a new GPT, each already read as a number of
/// sectors (or the error reading it gave).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ScriptGeometry {
    pub table_length: Option<Result<u64, Errno>>,
    pub first_lba: Option<Result<u64, Errno>>,
    pub last_lba: Option<Result<u64, Errno>>,
}

/// The most entries whose two arrays leave a usable sector between them.
fn max_entries(total_sectors: u64) -> u64 {
    match total_sectors.checked_sub(4) {
        Some(room) => (room / 2 * 4).min(u64::from(u32::MAX)),
        None => 0,
    }
}

/// `count_first_last_lba()`: the table length the disk can hold (libfdisk
/// counts down from the asked length, each try cut to 32 bits), the first and
/// last usable sectors, and the script's first-lba and last-lba checked
/// against them. `topology_first` is the context's first LBA (1 MiB).
pub fn geometry(total_sectors: u64, script: &ScriptGeometry, topology_first: u64) -> Result<Geometry, Refusal> {
    let wanted = match script.table_length {
        Some(Err(e)) => return Err(Refusal::silent(e)),
        Some(Ok(n)) => n,
        None => u64::from(crate::core::gpt::ENTRY_COUNT),
    };
    let (entries, usable_first, usable_last) = match wanted {
        // The count-down never runs: the empty table fails later.
        0 => (0, 0, 0),
        _ => {
            let most = max_entries(total_sectors);
            let tried = if wanted > u64::from(u32::MAX) { wanted % (1 << 32) } else { wanted };
            let entries = if (1..=most).contains(&tried) { tried } else { most };
            let entries = u32::try_from(entries).map_err(|_| Refusal::silent(Errno::NoSpc))?;
            if entries == 0 {
                return Err(Refusal::silent(Errno::NoSpc));
            }
            let array = entry_array_sectors(entries);
            (entries, array + 2, total_sectors - 2 - array)
        }
    };
    let first = script_lba(script.first_lba, usable_first, usable_last, Notice::FirstLbaOutOfRange)?;
    let last = script_lba(script.last_lba, usable_first, usable_last, Notice::LastLbaOutOfRange)?;
    let last = last.unwrap_or(usable_last);
    let first = first.unwrap_or(if usable_first < topology_first && topology_first < last { topology_first } else { usable_first });
    Ok(Geometry { entries, first_lba: first, last_lba: last })
}

/// A first-lba or last-lba header: it must lie in the usable range.
fn script_lba(value: Option<Result<u64, Errno>>, low: u64, high: u64, out_of_range: Notice) -> Result<Option<u64>, Refusal> {
    match value {
        None => Ok(None),
        Some(Err(e)) => Err(Refusal::silent(e)),
        Some(Ok(v)) if v < low || v > high => Err(Refusal::said(out_of_range, Errno::Range)),
        Some(Ok(v)) => Ok(Some(v)),
    }
}

/// `fdisk_gpt_set_npartitions()` right after the table was made: None when
/// the length is already `current`, else the table's new geometry (the
/// usable area then starts right after the entries, unaligned).
pub fn set_entries(total_sectors: u64, current: u32, wanted: u64) -> Result<Option<Geometry>, Refusal> {
    // The header field is 32 bits wide; libfdisk passes the value on cut to that.
    let wanted = (wanted % (1 << 32)) as u32;
    if wanted == current {
        return Ok(None);
    }
    if wanted == 0 {
        let limit = u64::from(u32::MAX) / u64::from(ENTRY_SIZE);
        return Err(Refusal::said(Notice::TooManyEntries { limit }, Errno::Range));
    }
    let array = entry_array_sectors(wanted);
    let first_lba = array + 2;
    let last_lba = total_sectors.checked_sub(2 + array).ok_or(Refusal::silent(Errno::NoSpc))?;
    if wanted > current && first_lba > last_lba {
        return Err(Refusal::said(Notice::NoSpaceForTable, Errno::NoSpc));
    }
    Ok(Some(Geometry { entries: wanted, first_lba, last_lba }))
}

/// The partitions' sector ranges, for gdisk's free-space walks.
fn used(label: &Label) -> Vec<(u64, u64)> {
    label.partitions.iter().map(|p| (p.start_lba, p.end_lba())).collect()
}

/// `find_first_available()`: the first free sector from `start`, or 0.
fn first_available(label: &Label, start: u64) -> u64 {
    let used = used(label);
    let mut first = start.max(label.first_lba);
    while let Some(&(_, end)) = used.iter().find(|(s, e)| *s <= first && first <= *e) {
        first = end.saturating_add(1);
    }
    if first > label.last_lba {
        0
    } else {
        first
    }
}

/// `find_last_free()`: the last sector of the free area that `start` is in
/// (gdisk's walk, which keeps a partition starting exactly there).
fn last_free(label: &Label, start: u64) -> u64 {
    used(label).iter().map(|(s, _)| *s).filter(|s| *s > start).fold(label.last_lba, |nearest, s| if nearest > s { s - 1 } else { nearest })
}

/// `find_first_in_largest()`: the start of the largest free area, or 0.
fn first_in_largest(label: &Label) -> u64 {
    let (mut start, mut best) = (0u64, (0u64, 0u64));
    loop {
        let first = first_available(label, start);
        if first == 0 {
            return best.1;
        }
        let last = last_free(label, first);
        let size = last.saturating_sub(first).saturating_add(1);
        if size > best.0 {
            best = (size, first);
        }
        start = last.saturating_add(1);
    }
}

/// The number a new partition takes: the asked one if free, else the first free.
fn number(label: &Label, wanted: Option<u32>) -> Result<u32, Refusal> {
    let free = |n: u32| label.partition(n).is_none();
    let found = match wanted {
        Some(n) => (n >= 1 && n <= label.gpt_entries && free(n)).then_some(n),
        None => (1..=label.gpt_entries).find(|n| free(*n)),
    };
    found.ok_or(Refusal::silent(Errno::Range))
}

/// `gpt_add_partition()` with a script's template: the number, first and last sector.
pub fn place(label: &Label, align: &Align, req: &Request) -> Result<Placed, Refusal> {
    let number = number(label, req.number)?;
    if first_available(label, 0) == 0 {
        return Err(Refusal::said(Notice::NoFreeSectors, Errno::NoSpc));
    }
    if req.type_unreadable {
        return Err(Refusal::silent(Errno::Inval));
    }
    let largest = first_in_largest(label);
    let largest_end = last_free(label, largest);
    if req.start.is_none() && largest_end.wrapping_sub(largest).wrapping_add(1) < align.grain_sectors {
        return Err(Refusal::said(Notice::NoEnoughFreeSectors, Errno::NoSpc));
    }
    let first = match req.start {
        None => align.lba_in_range(largest, largest, largest_end),
        Some(s) if s != first_available(label, s) => return Err(Refusal::said(Notice::SectorAlreadyUsed(s), Errno::Range)),
        Some(s) => s,
    };
    let last = last_sector(label, align, first, req.size);
    if first > last {
        return Err(Refusal::said(Notice::CouldNotCreate(number), Errno::Inval));
    }
    if last > label.last_lba {
        return Err(Refusal::said(Notice::LastUsableIs { last: label.last_lba, requested: last }, Errno::Inval));
    }
    if first < label.first_lba {
        return Err(Refusal::said(Notice::FirstUsableIs { first: label.first_lba, requested: first }, Errno::Inval));
    }
    Ok(Placed { number, start_lba: first, last_lba: last, notices: Vec::new() })
}

/// The last sector: the free area's end (aligned when it is the table's end),
/// or first + size - 1 with C's unsigned wrap-around, a size with a unit
/// ending one sector before an aligned boundary.
fn last_sector(label: &Label, align: &Align, first: u64, size: SizeRequest) -> u64 {
    let max_last = last_free(label, first);
    let default_last = if max_last == label.last_lba { align.lba_in_range(max_last, first, max_last).wrapping_sub(1) } else { max_last };
    let (sectors, explicit) = match size {
        SizeRequest::Default => return default_last,
        SizeRequest::Sectors(n) => (n, true),
        SizeRequest::Relative(n) => (n, false),
    };
    let last = first.wrapping_add(sectors).wrapping_sub(1);
    if last == default_last || explicit || !align.required() || last.wrapping_sub(first) <= align.grain_sectors {
        return last;
    }
    let aligned = align.lba_in_range(last, first, default_last);
    if aligned > first {
        aligned - 1
    } else {
        aligned
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::gpt::Guid;

    fn gpt_1g() -> Label {
        Label::new_gpt(2 * 1024 * 1024, Guid::ZERO).unwrap()
    }

    fn req(size: SizeRequest) -> Request {
        Request { number: None, start: None, size, extended: false, type_unreadable: false }
    }

    #[test]
    fn table_length_and_lba_headers_shape_the_table() {
        let total = 2 * 1024 * 1024;
        let length = |n| ScriptGeometry { table_length: Some(Ok(n)), ..Default::default() };
        assert_eq!(geometry(total, &length(2), 2048), Ok(Geometry { entries: 2, first_lba: 2048, last_lba: 2097149 }));
        assert_eq!(geometry(total, &length(0), 2048), Ok(Geometry { entries: 0, first_lba: 0, last_lba: 0 }));
        let huge = geometry(total, &length(1 << 40), 2048).unwrap();
        assert_eq!((huge.entries, huge.first_lba, huge.last_lba), (4194296, 1048576, 1048574 + 2));
        let first = ScriptGeometry { first_lba: Some(Ok(1)), ..Default::default() };
        assert_eq!(geometry(total, &first, 2048), Err(Refusal::said(Notice::FirstLbaOutOfRange, Errno::Range)));
        assert_eq!(geometry(3, &length(128), 2048), Err(Refusal::silent(Errno::NoSpc)));
    }

    #[test]
    fn sizes_end_before_an_aligned_boundary_unless_given_in_sectors() {
        let label = gpt_1g();
        let a = Align::default();
        assert_eq!(place(&label, &a, &req(SizeRequest::Relative(204800))).map(|p| (p.start_lba, p.last_lba)), Ok((2048, 206847)));
        assert_eq!(place(&label, &a, &req(SizeRequest::Default)).map(|p| p.last_lba), Ok(2095103));
        // ,0M: the end wraps below the start and aligning brings it back.
        assert_eq!(place(&label, &a, &req(SizeRequest::Relative(0))).map(|p| (p.start_lba, p.last_lba)), Ok((2048, 2048)));
        assert_eq!(place(&label, &a, &req(SizeRequest::Sectors(0))), Err(Refusal::said(Notice::CouldNotCreate(1), Errno::Inval)));
        let too_big = place(&label, &a, &req(SizeRequest::Sectors(u64::MAX / 2)));
        assert!(matches!(too_big, Err(Refusal { notice: Some(Notice::LastUsableIs { .. }), .. })));
    }
}
