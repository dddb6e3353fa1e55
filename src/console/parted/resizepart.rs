//! `resizepart N END` (parted 3.5's `do_resizepart()`): the start stays, the
//! end moves to END as `ped_unit_parse_custom()` reads it (a location and
//! the range around it that a non-IEC unit allows), without alignment.
//! libparted then keeps the end inside what the label allows (a GPT's last
//! usable sector, a logical partition's extended one, an extended
//! partition around its logicals) and refuses overlaps; a smaller end is a
//! question first. Simplified: CHS locations (`c,h,s`) are not read.

use super::{Device, Parted, Unit, SECTOR};
use crate::core::label::{Label, LabelKind, Partition};

/// A location as libparted parses it: the sector and the range of sectors
/// the constraint solver may pick from.
struct Location {
    sector: u64,
    first: u64,
    last: u64,
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

impl Parted<'_> {
    pub(super) fn resizepart(&mut self, dev: &Device, number: &str, end: Option<&str>) -> bool {
        let Some((mut label, old)) = self.chosen_partition(dev, number) else { return false };
        let n = old.number;
        if !self.warn_busy(dev, n) {
            return false;
        }
        // Script mode answers "End?" with the old end.
        let Some(end) = end else { return true };
        let Some(at) = self.location_range(end, dev) else { return false };
        let Some(last) = self.new_end(&label, &old, at) else { return false };
        if last < old.end_lba() && !self.question("Shrinking a partition can cause data loss, are you sure you want to continue?") {
            return false;
        }
        if let Some(p) = label.partitions.iter_mut().find(|p| p.number == n) {
            p.size_sectors = last - old.start_lba + 1;
        }
        self.commit(dev, &label)
    }

    /// `ped_unit_parse_custom()` for an end, then `_adjust_end_if_iec()`:
    /// an IEC end (or a bare number in an IEC default unit) is exclusive.
    fn location_range(&mut self, text: &str, dev: &Device) -> Option<Location> {
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
        let iec = matches!(unit, Unit::Kibi | Unit::Mebi | Unit::Gibi | Unit::Tebi);
        let radius = if iec { 0 } else { (unit_bytes.div_ceil(SECTOR) / 2).saturating_sub(1) as i64 };
        let length = dev.sectors as i64;
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
        // A bare number in an IEC default unit is IEC too.
        let shift = i64::from(iec);
        let at = |s: i64| (s - shift).max(0) as u64;
        Some(Location { sector: at(clip(sector)), first: at(first), last: at(last) })
    }

    /// `ped_disk_set_partition_geom()` with the start fixed: the end nearest
    /// the one asked for that the label allows, or libparted's error.
    fn new_end(&mut self, label: &Label, old: &Partition, at: Location) -> Option<u64> {
        let start = old.start_lba;
        if at.sector < start {
            let length = at.sector as i64 - start as i64 + 1;
            self.error(&format!("Can't have the end before the start! (start sector={start} length={length})"));
            return None;
        }
        let (lowest, highest) = end_bounds(label, old);
        let (first, last) = (at.first.max(lowest).max(start), at.last.min(highest));
        if first > last {
            self.error("Unable to satisfy all constraints on the partition.");
            return None;
        }
        let end = at.sector.clamp(first, last);
        let beyond_extended = old.is_logical() && label.extended().is_some_and(|e| end > e.end_lba());
        let overlaps = beyond_extended || label.partitions.iter().filter(|p| p.number != old.number && p.is_logical() == old.is_logical()).any(|p| p.start_lba <= end && start <= p.end_lba());
        if overlaps {
            self.error("Can't have overlapping partitions.");
            return None;
        }
        Some(end)
    }
}

/// The ends the label allows the partition: a GPT's usable area, and an
/// extended partition no smaller than its logicals. (A logical partition
/// past its extended one is an overlap to libparted.)
fn end_bounds(label: &Label, p: &Partition) -> (u64, u64) {
    let last = match label.kind {
        LabelKind::Gpt => label.last_lba,
        LabelKind::Dos => label.total_sectors.saturating_sub(1),
    };
    if p.part_type.is_extended() {
        return (label.logicals().map(|l| l.end_lba()).max().unwrap_or(0), last);
    }
    (0, last)
}
