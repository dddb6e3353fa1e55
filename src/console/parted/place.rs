//! Where `mkpart` puts a partition, as parted 3.5 and libparted decide it.
//!
//! Each location is a sector and the range around it that its unit allows
//! (`ped_unit_parse_custom()`: half a unit either side, none for IEC units
//! and sectors). The two ends snap to the edges of the region they fall in
//! (free space, a partition, the label's metadata) when an edge is in range
//! (`snap_to_boundaries()`). Then the constraint solver takes the start on
//! a 1 MiB boundary and the end just before one that lie nearest, inside the
//! ranges, the label's usable area and the free space around the start
//! (`ped_disk_add_partition()` with the device's optimal alignment). When no
//! such pair exists, parted takes the nearest pair with any alignment, which
//! is an error if it leaves the ranges and a warning if the start is not
//! aligned. Simplified: CHS locations are not read, and inside an extended
//! partition the sectors of each logical partition's EBR are not a region of
//! their own.

use super::{Device, Parted, Unit, SECTOR};
use crate::core::label::{Label, LabelKind, GRAIN_SECTORS};

/// A location as libparted parses it: the sector and the range of sectors
/// the constraint solver may pick from.
#[derive(Clone, Copy)]
pub(super) struct Location {
    pub sector: u64,
    pub first: u64,
    pub last: u64,
}

impl Location {
    /// `_adjust_end_if_iec()`: the sector before, and the range with it.
    pub fn earlier(self) -> Location {
        Location { sector: self.sector.saturating_sub(1), first: self.first.saturating_sub(1), last: self.last.saturating_sub(1) }
    }

    fn span(self) -> Span {
        (self.first as i64, self.last as i64)
    }
}

/// Sectors `first..=last` (signed: an end may sit one before a region).
type Span = (i64, i64);

fn intersect(a: Span, b: Span) -> Option<Span> {
    let s = (a.0.max(b.0), a.1.min(b.1));
    (s.0 <= s.1).then_some(s)
}

/// `parse_unit_suffix()`: a unit from the suffix's first letters, else the
/// default one.
fn suffix_unit(suffix: &str, default: Unit) -> Unit {
    let b = suffix.as_bytes();
    let lower = |i: usize| b.get(i).map(u8::to_ascii_lowercase);
    if b.len() > 1 && lower(1) == Some(b'i') {
        return match lower(0) {
            Some(b'k') => Unit::Kibi,
            Some(b'm') => Unit::Mebi,
            Some(b'g') => Unit::Gibi,
            Some(b't') => Unit::Tebi,
            _ => default,
        };
    }
    match lower(0) {
        Some(b's') => Unit::Sector,
        Some(b'b') => Unit::Byte,
        Some(b'k') => Unit::Kilo,
        Some(b'm') => Unit::Mega,
        Some(b'g') => Unit::Giga,
        Some(b't') => Unit::Tera,
        Some(b'%') => Unit::Percent,
        _ => default,
    }
}

/// `sscanf("%lf")` on the number part: an optional minus, digits, a point.
fn leading_number(text: &str) -> Option<f64> {
    let end = text.char_indices().find(|&(i, c)| !(c.is_ascii_digit() || c == '.' || (i == 0 && c == '-'))).map_or(text.len(), |(i, _)| i);
    let number = &text[..end];
    number.bytes().any(|b| b.is_ascii_digit()).then(|| number.trim_end_matches('.').parse().ok()).flatten()
}

/// `ped_alignment_align_nearest()` for sectors `offset + k·grain`: the one
/// inside `span` nearest `s`, the lower on a tie.
fn nearest(span: Span, s: i64, offset: i64, grain: i64) -> Option<i64> {
    // `_closest_inside_geometry()`: moved into the span by whole grains.
    let inside = |mut x: i64| {
        if x < span.0 {
            x += ((span.0 - x) as u64).div_ceil(grain as u64) as i64 * grain;
        }
        if x > span.1 {
            x -= ((x - span.1) as u64).div_ceil(grain as u64) as i64 * grain;
        }
        (span.0..=span.1).contains(&x).then_some(x)
    };
    let down = (s - offset).div_euclid(grain) * grain + offset;
    let up = if down == s { s } else { down + grain };
    match (inside(up), inside(down)) {
        (Some(u), Some(d)) => Some(if (s - u).abs() < (s - d).abs() { u } else { d }),
        (u, d) => u.or(d),
    }
}

/// `ped_constraint_solve_nearest()`: the start nearest the asked one among
/// those with an end to match, then the end nearest the asked one. Aligned:
/// starts on 1 MiB boundaries, ends just before them.
fn solve(start: Span, end: Span, aligned: bool, asked: Span, sectors: i64) -> Option<Span> {
    let (grain, end_offset) = if aligned { (GRAIN_SECTORS as i64, -1) } else { (1, 0) };
    // `_constraint_get_canonical_start_range()`: no start past the last end.
    let last_end = nearest(end, end.1, end_offset, grain)?;
    let s = nearest(intersect(start, (0, last_end))?, asked.0, 0, grain)?;
    let e = nearest(intersect(end, (s, s + sectors - 1))?, asked.1, end_offset, grain)?;
    Some((s, e))
}

/// What `ped_disk_get_partition_by_sector()` finds, sector by sector: the
/// label's metadata, each partition but an extended one, and the free space
/// between them (split where an extended partition starts and ends), each
/// with whether it is free space. On msdos the metadata is the MBR and the
/// rest of the first track (the device's BIOS sectors per track), up to the
/// first partition.
pub(super) fn regions(label: &Label, dev: &Device) -> Vec<(Span, bool)> {
    let mut solid: Vec<Span> = label.partitions.iter().filter(|p| !p.part_type.is_extended()).map(|p| (p.start_lba as i64, p.end_lba() as i64)).collect();
    let len = dev.sectors as i64;
    match label.kind {
        LabelKind::Gpt => solid.extend([(0, label.first_lba as i64 - 1), (label.last_lba as i64 + 1, len - 1)]),
        LabelKind::Dos => {
            let first = label.partitions.iter().map(|p| p.start_lba as i64).min().unwrap_or(len);
            // (Only a region of two sectors or more: `init_start < init_end`.)
            let end = (dev.track_sectors as i64 - 1).min(first - 1);
            if end > 0 {
                solid.push((0, end));
            }
        }
    }
    solid.retain(|s| s.0 <= s.1);
    solid.sort_unstable();
    let mut breaks: Vec<i64> = label.extended().map(|e| vec![e.start_lba as i64, e.end_lba() as i64 + 1]).unwrap_or_default();
    let (mut out, mut at) = (Vec::new(), 0);
    for s in solid.into_iter().chain([(len, len)]) {
        breaks.retain(|b| *b > at);
        while at < s.0 {
            let stop = breaks.iter().copied().filter(|b| *b < s.0).min().unwrap_or(s.0);
            out.push(((at, stop - 1), true));
            at = stop;
            breaks.retain(|b| *b > at);
        }
        if s.0 < len {
            out.push((s, false));
        }
        at = at.max(s.1 + 1);
    }
    out
}

#[derive(Clone, Copy, PartialEq)]
enum Move {
    Still,
    Up,
    Down,
}

/// `prefer_snap()`: where `s` would move in its region (to the region's
/// start, or past its end; one sector less for an end), among the moves
/// `allow` (up, down) still has, which loses those out of range. Returns
/// the move and its distance.
fn prefer_snap(s: i64, is_end: bool, range: Span, allow: &mut (bool, bool), region: Span) -> (Move, i64) {
    if !allow.0 && !allow.1 {
        return (Move::Still, 0);
    }
    let what = -i64::from(is_end);
    let inside = |x: i64| (range.0..=range.1).contains(&x);
    let (up, down) = (region.1 + 1 + what, region.0 + what);
    allow.0 &= inside(up);
    allow.1 &= inside(down);
    let (up_dist, down_dist) = (up - s, s - down);
    match *allow {
        (true, true) if down_dist < up_dist || (down_dist == up_dist && !is_end) => (Move::Down, down_dist),
        (true, true) | (true, false) => (Move::Up, up_dist),
        (false, true) => (Move::Down, down_dist),
        (false, false) => (Move::Still, 0),
    }
}

/// `snap_to_boundaries()` for a new partition.
fn snap(asked: Span, start: Location, end: Location, regions: &[(Span, bool)]) -> Span {
    let at = |s: i64| regions.iter().map(|r| r.0).find(|r| (r.0..=r.1).contains(&s)).unwrap_or((s, s));
    let (sp, ep) = (at(asked.0), at(asked.1));
    let (mut sa, mut ea) = ((true, true), (true, true));
    // Ends in one region must not cross.
    if sp == ep {
        sa.0 = false;
        ea.1 = false;
    }
    let (mut sw, sd) = prefer_snap(asked.0, false, start.span(), &mut sa, sp);
    let (mut ew, ed) = prefer_snap(asked.1, true, end.span(), &mut ea, ep);
    if sp.1 + 1 == ep.0 && sw == Move::Up && ew == Move::Down {
        if ed < sd {
            sa.0 = false;
            sw = prefer_snap(asked.0, false, start.span(), &mut sa, sp).0;
        } else {
            ea.1 = false;
            ew = prefer_snap(asked.1, true, end.span(), &mut ea, ep).0;
        }
    }
    let s = match sw {
        Move::Down => sp.0,
        Move::Up => sp.1 + 1,
        Move::Still => asked.0,
    };
    let e = match ew {
        Move::Down => ep.0 - 1,
        Move::Up => ep.1,
        Move::Still => asked.1,
    };
    if s <= e { (s, e) } else { asked }
}

/// `_partition_get_overlap_constraint()`: the free space around `start`
/// among the partitions a new one sits between (the logical ones inside
/// the extended partition for a logical one).
fn free_space(label: &Label, logical: bool, start: i64, sectors: u64) -> Option<Span> {
    let ext = label.extended().map(|e| (e.start_lba as i64, e.end_lba() as i64));
    let (mut min_start, mut max_end) = if logical { ext.unwrap_or((0, -1)) } else { (0, sectors as i64 - 1) };
    let mut walk: Vec<Span> = label.partitions.iter().filter(|p| p.is_logical() == logical).map(|p| (p.start_lba as i64, p.end_lba() as i64)).collect();
    walk.sort_unstable();
    let mut next = walk.into_iter();
    for p in next.by_ref() {
        if !(p.0 < start || min_start >= p.0) {
            max_end = p.0 - 1;
            break;
        }
        min_start = p.1 + 1;
    }
    (min_start < max_end).then_some((min_start, max_end))
}

/// `_log_meta_overlap_constraint()`: a logical partition other than the
/// fifth keeps a sector for its EBR before it, so it starts two sectors
/// after the logical partition before it (or the extended one's start) and
/// ends two before the next (one before the fifth).
fn ebr_space(label: &Label, number: u32, start: i64) -> Option<Span> {
    let ext = label.extended()?;
    let not_5 = i64::from(number != 5);
    let (mut min_start, mut max_end) = (ext.start_lba as i64 + 1 + not_5, ext.end_lba() as i64);
    let mut walk: Vec<(i64, i64, i64)> = label.logicals().map(|p| (p.start_lba as i64 - i64::from(p.number != 5), p.end_lba() as i64, p.start_lba as i64)).collect();
    walk.sort_unstable();
    for (ebr, last, _) in walk.iter().copied() {
        if !(ebr < start - not_5 || ebr <= min_start) {
            max_end = ebr - 1;
            break;
        }
        min_start = last + 1 + not_5;
    }
    (min_start < max_end).then_some((min_start, max_end))
}

/// Where the label lets a partition lie: a GPT's usable sectors, an MBR's
/// sectors after the first, a logical partition's extended one.
fn usable(label: &Label, logical: bool, sectors: u64) -> Span {
    match (label.kind, logical.then(|| label.extended()).flatten()) {
        (LabelKind::Gpt, _) => (label.first_lba as i64, label.last_lba as i64),
        (LabelKind::Dos, Some(e)) => (e.start_lba as i64, e.end_lba() as i64),
        (LabelKind::Dos, None) => (1, sectors as i64 - 1),
    }
}

impl Parted<'_> {
    /// `ped_unit_parse_custom()`: a location and the range of sectors within
    /// half a unit of it (none for IEC units, sectors and bytes).
    pub(super) fn parse_location(&mut self, text: &str, dev: &Device) -> Option<Location> {
        let text = text.trim();
        let digits = text.find(|c: char| !(c.is_ascii_digit() || ",.-".contains(c))).unwrap_or(text.len());
        let default = if self.unit == Unit::Compact { Unit::Mega } else { self.unit };
        let unit = suffix_unit(&text[digits..], default);
        let Some(num) = leading_number(&text[..digits]) else {
            self.error("Invalid number.");
            return None;
        };
        if num > 0.0 && num < 1.0 {
            self.error("Use a smaller unit instead of a value < 1");
            return None;
        }
        let unit_bytes = unit.bytes(dev.sectors);
        // IEC units are exact (parted 3.5 looks at the unit, not at whether
        // its size is a power of two: a percent of some disks is one).
        let iec = matches!(unit, Unit::Kibi | Unit::Mebi | Unit::Gibi | Unit::Tebi);
        let radius = if iec { 0 } else { (unit_bytes.div_ceil(SECTOR) / 2).saturating_sub(1) as i64 };
        let length = dev.sectors as i64;
        if length == 0 {
            self.error(&format!("The location {text} is outside of the device {}.", dev.path));
            return None;
        }
        // Saturating: a number too large for any device only has to fail.
        let mut sector = (num * unit_bytes as f64 / SECTOR as f64) as i64;
        if text.starts_with('-') {
            sector = sector.saturating_add(length);
        }
        let clip = |s: i64| s.clamp(0, length - 1);
        let (first, last) = (clip(sector.saturating_sub(radius)), clip(sector.saturating_add(radius)));
        if sector.saturating_sub(last) > radius || first.saturating_sub(sector) > radius {
            self.error(&format!("The location {text} is outside of the device {}.", dev.path));
            return None;
        }
        Some(Location { sector: clip(sector) as u64, first: first as u64, last: last as u64 })
    }

    /// Whether `_adjust_end_if_iec()` moves an end written as `text` a
    /// sector back: an IEC unit written out, or a bare number in an IEC
    /// default unit.
    pub(super) fn iec_end(&self, text: &str) -> bool {
        let b = text.trim_end().as_bytes();
        let written = b.len() >= 3 && b"kMGTPEZY".contains(&b[b.len() - 3]) && b[b.len() - 2..].eq_ignore_ascii_case(b"iB");
        let suffix = b.len() >= 2 && !b[b.len() - 1].is_ascii_digit();
        written || (!suffix && matches!(self.unit, Unit::Kibi | Unit::Mebi | Unit::Gibi | Unit::Tebi))
    }

    /// `do_mkpart()`'s placement of new partition `number` between `start`
    /// and `end`, or parted's error.
    pub(super) fn place(&mut self, dev: &Device, label: &Label, number: u32, start: &str, end: &str) -> Option<(u64, u64)> {
        let from = self.parse_location(start, dev)?;
        let mut to = self.parse_location(end, dev)?;
        if from.sector != to.sector && self.iec_end(end) {
            to = to.earlier();
        }
        if to.sector < from.sector {
            let length = to.sector as i64 - from.sector as i64 + 1;
            self.error(&format!("Can't have the end before the start! (start sector={} length={length})", from.sector));
            return None;
        }
        let logical = label.kind == LabelKind::Dos && number > 4;
        let asked = snap((from.sector as i64, to.sector as i64), from, to, &regions(label, dev));
        let bounds = usable(label, logical, dev.sectors);
        let mut free = free_space(label, logical, asked.0, dev.sectors);
        if logical {
            free = free.zip(ebr_space(label, number, asked.0)).and_then(|(a, b)| intersect(a, b));
        }
        let len = dev.sectors as i64;
        let within = |a: Span| free.and_then(|f| intersect(a, f)).and_then(|s| intersect(s, bounds));
        let aligned = within(from.span()).zip(within(to.span())).and_then(|(s, e)| solve(s, e, true, asked, len));
        if let Some((s, e)) = aligned {
            return Some((s as u64, e as u64));
        }
        if free.is_none() {
            self.error("Can't have overlapping partitions.");
            return None;
        }
        let Some((s, e)) = within((0, len - 1)).and_then(|w| solve(w, w, false, asked, len)) else {
            self.error("Unable to satisfy all constraints on the partition.");
            return None;
        };
        if !(from.first as i64..=from.last as i64).contains(&s) || !(to.first as i64..=to.last as i64).contains(&e) {
            let at = |s: u64| super::format_bytes(s * SECTOR, self.unit, dev.sectors);
            let message = format!(
                "You requested a partition from {} to {} (sectors {}..{}).\nThe closest location we can manage is {} to {} (sectors {s}..{e}).",
                at(from.sector),
                at(to.sector),
                from.sector,
                to.sector,
                at(s as u64),
                at(e as u64)
            );
            // A Yes/No warning, which script mode answers as an error.
            if self.script {
                self.error(&message);
                return None;
            }
            if !self.question(&format!("{message}\nIs this still acceptable to you?")) {
                return None;
            }
        }
        if s % GRAIN_SECTORS as i64 != 0 {
            self.exception("Warning", &format!("The resulting partition is not properly aligned for best performance: {s}s % {GRAIN_SECTORS}s != 0s"));
        }
        Some((s as u64, e as u64))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_aligned_sectors_stay_inside_the_span() {
        // Ends just before a 1 MiB boundary, as parted aligns them.
        assert_eq!(nearest((975_586, 977_538), 976_562, -1, 2048), Some(976_895));
        assert_eq!(nearest((0, 976), 0, 0, 2048), Some(0));
        assert_eq!(nearest((34, 976), 0, 0, 2048), None);
        // A tie goes to the lower sector.
        assert_eq!(nearest((0, 10_000), 3072, 0, 2048), Some(2048));
        assert_eq!(nearest((34, 2047), 2048, 0, 1), Some(2047));
    }
}
