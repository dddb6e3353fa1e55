//! libfdisk's dos.c as a script drives it: `dos_add_partition()` picks a
//! primary slot or a logical partition, and `add_partition()` finds the first
//! and last sector with the same walks over the table that libfdisk makes.
//!
//! Simplification: where libfdisk would report a partition of 0 B (or of a
//! wrapped-around size) that it never writes, the lab refuses with "No free
//! sectors available.".

use super::{Align, Errno, Notice, Placed, Refusal, Request, SizeRequest};
use crate::core::label::{Label, DOS_MAX_LOGICAL};

/// A DOS label with the alignment it is edited under.
struct Dos<'a> {
    label: &'a Label,
    align: Align,
}

/// The sector walks `add_partition()` makes: one for primaries, one inside
/// the extended partition.
impl Dos<'_> {
    /// The areas the walks treat as used: every partition, a logical one from
    /// one `first_lba` before it (its EBR).
    fn areas(&self, logical: bool) -> Vec<(u64, u64)> {
        self.label
            .partitions
            .iter()
            .filter(|p| !logical || p.is_logical())
            .map(|p| (if p.is_logical() { p.start_lba.wrapping_sub(self.align.first_lba) } else { p.start_lba }, p.end_lba()))
            .collect()
    }

    /// `get_disk_ranges()`.
    fn disk_ranges(&self, logical: bool) -> Result<(u64, u64), Errno> {
        if logical {
            let ext = self.label.extended().ok_or(Errno::Inval)?;
            return Ok((ext.start_lba.wrapping_add(self.align.first_lba), ext.end_lba()));
        }
        Ok((self.align.first_lba, self.label.total_sectors.saturating_sub(1).min(u64::from(u32::MAX))))
    }

    /// `find_first_free_sector_in_range()`.
    fn first_free_in_range(&self, logical: bool, begin: u64, end: u64) -> Result<u64, Errno> {
        let areas = self.areas(logical);
        let mut first = begin;
        let skip = if logical { self.align.first_lba } else { 0 };
        while let Some(&(_, p_end)) = areas.iter().find(|(s, e)| *s <= first && first <= *e) {
            first = p_end.wrapping_add(1).wrapping_add(skip);
            if first > end {
                return Err(Errno::NoSpc);
            }
        }
        Ok(first)
    }

    /// `find_first_free_sector()`.
    fn first_free(&self, logical: bool, start: u64) -> Result<u64, Errno> {
        let (_, last) = self.disk_ranges(logical)?;
        self.first_free_in_range(logical, start, last)
    }

    /// `find_last_free_sector_in_range()`.
    fn last_free_in_range(&self, logical: bool, begin: u64, end: u64) -> Result<u64, Errno> {
        let areas = self.areas(logical);
        let mut last = end;
        while let Some(&(p_start, _)) = areas.iter().find(|(s, e)| *s <= last && last <= *e) {
            last = p_start.wrapping_sub(1);
            if last < begin {
                return Err(Errno::NoSpc);
            }
        }
        Ok(last)
    }

    /// The default first sector: aligned, and moved on while the aligned
    /// sector is in use.
    fn aligned_free(&self, logical: bool, free: u64, limit: u64) -> u64 {
        let mut dflt = free;
        loop {
            let aligned = self.align.lba_in_range(dflt, dflt, limit);
            dflt = self.first_free(logical, aligned).unwrap_or(dflt);
            if !(dflt != aligned && dflt > aligned && dflt < limit) {
                return dflt;
            }
        }
    }

    /// With a size asked for, a free area too small for it is skipped (or,
    /// for a start the script gave, refused).
    fn past_small_areas(&self, logical: bool, start: u64, limit: u64, req: &Request) -> Result<u64, Refusal> {
        let (SizeRequest::Sectors(size) | SizeRequest::Relative(size)) = req.size else { return Ok(start) };
        let last = self.last_free(logical, start, limit).map_err(no_free_sectors)?;
        if last.wrapping_sub(start).wrapping_add(1) >= size {
            return Ok(start);
        }
        match req.start {
            Some(s) if s <= last => Err(no_free_sectors(Errno::NoSpc)),
            _ => Ok(last.wrapping_add(1)),
        }
    }

    /// `find_last_free()`: one pass, cutting at each partition that starts or
    /// ends between `begin` and the current end.
    fn last_free(&self, logical: bool, begin: u64, stop: u64) -> Result<u64, Errno> {
        let mut last = stop;
        for (p_start, p_end) in self.areas(logical) {
            if (begin..=last).contains(&p_start) || (begin..=last).contains(&p_end) {
                last = p_start.wrapping_sub(1);
            }
            if last < begin {
                return Err(Errno::NoSpc);
            }
        }
        Ok(if last == begin { stop } else { last })
    }
}

fn no_free_sectors(_: Errno) -> Refusal {
    Refusal::said(Notice::NoFreeSectors, Errno::NoSpc)
}

/// `dos_add_partition()` with a script's template: a primary slot, or a
/// logical partition when the template or the table calls for one. Returns
/// the alignment too, which a start below the first usable sector lowers.
pub fn place(label: &Label, align: &Align, req: &Request) -> Result<(Placed, Align), Refusal> {
    let logicals = label.logicals().count() as u32;
    if 4 + logicals >= DOS_MAX_LOGICAL {
        return Err(Refusal::said(Notice::MaximumPartitionsCreated, Errno::Inval));
    }
    let ext = label.extended().map(|e| (e.start_lba, e.end_lba()));
    match (req.start, ext, req.number) {
        (Some(s), Some((from, to)), n) if (from..=to).contains(&s) => {
            if n.is_some_and(|n| n <= 4) {
                return Err(Refusal::silent(Errno::Inval));
            }
            add(label, align, 4 + logicals, req)
        }
        (Some(_), Some(_), n) => {
            if n.is_some_and(|n| n > 4) {
                return Err(Refusal::silent(Errno::Inval));
            }
            add_primary(label, align, req)
        }
        (_, _, Some(n)) if n <= 4 => add_primary(label, align, req),
        (_, None, Some(_)) => Err(Refusal::said(Notice::NoExtendedForLogical, Errno::Inval)),
        (_, Some(_), Some(_)) => add(label, align, 4 + logicals, req),
        (_, _, None) => by_free_space(label, align, req),
    }
}

/// The template names no slot: a primary if one is free and there is space
/// for it, else a logical inside an extended partition.
fn by_free_space(label: &Label, align: &Align, req: &Request) -> Result<(Placed, Align), Refusal> {
    let grain = align.grain_sectors.max(1);
    let mut first = align.first_lba;
    let mut free_space = false;
    let mut free_slots = 0;
    for n in 1..=4 {
        match label.partition(n) {
            Some(p) => {
                free_space |= first.saturating_add(grain) <= p.start_lba;
                first = p.start_lba.saturating_add(p.size_sectors);
            }
            None => free_slots += 1,
        }
    }
    free_space |= first.saturating_add(grain - 1) < label.total_sectors;
    if free_slots > 0 && free_space {
        return add_primary(label, align, req);
    }
    let notice = if free_slots > 0 { Notice::AllPrimarySpaceUsed } else { Notice::ReplaceAPrimary };
    match (label.extended(), req.start) {
        (Some(_), Some(_)) => {
            let notice = if free_slots == 0 { Notice::AllPrimariesUsed } else { Notice::AllPrimarySpaceUsed };
            Err(Refusal::said(notice, Errno::Inval))
        }
        (Some(_), None) => add(label, align, 4 + label.logicals().count() as u32, req),
        (None, _) => Err(Refusal::said(notice, Errno::Inval)),
    }
}

/// `get_partition_unused_primary()` then `add_partition()`.
fn add_primary(label: &Label, align: &Align, req: &Request) -> Result<(Placed, Align), Refusal> {
    if req.extended && label.extended().is_some() {
        return Err(Refusal::said(Notice::ExtendedExists, Errno::Inval));
    }
    let free = |n: u32| (1..=4).contains(&n) && label.partition(n).is_none();
    let slot = match req.number {
        Some(n) => free(n).then_some(n - 1),
        None => (1..=4).find(|n| free(*n)).map(|n| n - 1),
    };
    let slot = slot.ok_or(Refusal::said(Notice::PrimaryNotAvailable, Errno::Range))?;
    add(label, align, slot, req)
}

/// `add_partition()` for slot `n` (0-based; 4 and up are logical).
fn add(label: &Label, align: &Align, n: u32, req: &Request) -> Result<(Placed, Align), Refusal> {
    let logical = n >= 4;
    let mut dos = Dos { label, align: *align };
    let (mut start, stop) = dos.disk_ranges(logical).map_err(Refusal::silent)?;
    let limit = dos.last_free_in_range(logical, start, stop).map_err(no_free_sectors)?;
    let lowest = if logical { label.extended().map_or(0, |e| e.start_lba) } else { 1 };
    if req.start.is_some_and(|s| s >= lowest && s < start) {
        dos.align.first_lba = 1;
        start = dos.disk_ranges(logical).map_err(Refusal::silent)?.0;
    }
    let mut notices = Vec::new();
    let start = first_sector(&mut dos, logical, n, start, limit, req, &mut notices)?;
    let start = if n > 4 && dos.align.first_lba == 1 && start.wrapping_sub(1) == label.extended().map_or(u64::MAX, |e| e.start_lba) { start + 1 } else { start };
    let limit = dos.last_free(logical, start, limit).map_err(no_free_sectors)?;
    let last = last_sector(&dos.align, start, limit, req.size);
    if last < start {
        return Err(Refusal::said(Notice::NoFreeSectors, Errno::NoSpc));
    }
    Ok((Placed { number: n + 1, start_lba: start, last_lba: last, notices }, dos.align))
}

/// `add_partition()`'s first-sector loop: the first free sector at or after
/// the range's start (aligned by default, or the template's), moving on past
/// areas too small for the template's size.
fn first_sector(dos: &mut Dos, logical: bool, n: u32, from: u64, limit: u64, req: &Request, notices: &mut Vec<Notice>) -> Result<u64, Refusal> {
    let (mut start, mut read) = (from, false);
    loop {
        let mut temp = start;
        let free = dos.first_free(logical, start).map_err(no_free_sectors)?;
        start = free;
        if let Some(wanted) = req.start.filter(|_| n >= 4 && dos.align.first_lba > 1 && temp == start.wrapping_sub(dos.align.first_lba)) {
            dos.align.first_lba = 1;
            start = wanted;
        }
        let dflt = Some(dos.aligned_free(logical, free, limit)).filter(|d| *d < limit).unwrap_or(start);
        if start > limit {
            break;
        }
        if start > temp && read {
            if req.start.is_some() {
                notices.push(Notice::SectorAlreadyAllocated(temp));
                break;
            }
            temp = start;
            read = false;
        }
        if !read && start == temp {
            start = match req.start {
                None => dflt,
                Some(s) if s < temp || s > limit => return Err(Refusal::said(Notice::StartOutOfRange(s), Errno::Range)),
                Some(s) => s,
            };
            read = true;
        }
        start = dos.past_small_areas(logical, start, limit, req)?;
        if start == temp && read {
            break;
        }
    }
    Ok(start)
}

/// `add_partition()`'s last sector: the free area's end by default; a size
/// in sectors is exact, a size with a unit ends before an aligned boundary.
fn last_sector(align: &Align, start: u64, limit: u64, size: SizeRequest) -> u64 {
    let (stop, relative) = match size {
        _ if start == limit => return limit,
        SizeRequest::Default => return limit,
        SizeRequest::Sectors(n) => (start.wrapping_add(n), false),
        SizeRequest::Relative(n) => (start.wrapping_add(n), true),
    };
    let stop = if (!relative || !align.required()) && stop > start { stop - 1 } else { stop };
    let stop = stop.min(limit);
    let relative = relative && stop.wrapping_sub(start) >= align.grain_sectors;
    if stop < limit && relative && align.required() {
        let aligned = align.lba_in_range(stop, start, limit);
        let aligned = if aligned > start { aligned - 1 } else { aligned };
        return aligned.min(limit);
    }
    stop
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req(start: Option<u64>, size: SizeRequest) -> Request {
        Request { number: None, start, size, extended: false, type_unreadable: false }
    }

    fn place_all(sizes: &[SizeRequest]) -> Vec<Result<(u64, u64), Refusal>> {
        let mut label = Label::new_dos(2 * 1024 * 1024, 1).unwrap();
        let align = Align::default();
        sizes
            .iter()
            .map(|s| {
                let (p, _) = place(&label, &align, &req(None, *s))?;
                label.partitions.push(crate::core::label::Partition {
                    number: p.number,
                    start_lba: p.start_lba,
                    size_sectors: p.last_lba - p.start_lba + 1,
                    part_type: crate::core::label::PartType::Dos(0x83),
                    unique_guid: crate::core::gpt::Guid::ZERO,
                    name: String::new(),
                    bootable: false,
                });
                Ok((p.start_lba, p.last_lba))
            })
            .collect()
    }

    #[test]
    fn scripted_primaries_follow_libfdisk() {
        let m100 = SizeRequest::Relative(204800);
        assert_eq!(place_all(&[m100, m100]), [Ok((2048, 206847)), Ok((206848, 411647))]);
        // ,0M and size=0 both give one sector; the next partition starts aligned.
        assert_eq!(place_all(&[SizeRequest::Relative(0), m100]), [Ok((2048, 2048)), Ok((4096, 208895))]);
        assert_eq!(place_all(&[SizeRequest::Sectors(0)]), [Ok((2048, 2048))]);
        assert_eq!(place_all(&[SizeRequest::Default]), [Ok((2048, 2097151))]);
        let fifth = place_all(&[m100, m100, m100, m100, m100]);
        assert_eq!(fifth[4], Err(Refusal::said(Notice::ReplaceAPrimary, Errno::Inval)));
    }
}
