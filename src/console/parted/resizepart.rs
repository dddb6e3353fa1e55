//! `resizepart N END` (parted 3.5's `do_resizepart()`): the start stays, the
//! end moves to END as `ped_unit_parse_custom()` reads it (a location and
//! the range around it that a non-IEC unit allows), without alignment.
//! libparted then keeps the end inside what the label allows (a GPT's last
//! usable sector, a logical partition's extended one, an extended
//! partition around its logicals) and refuses overlaps; a smaller end is a
//! question first. Simplified: CHS locations (`c,h,s`) are not read.
//! `name N NAME` lives here too, native like resizepart.

use super::place::Location;
use super::{Device, Parted};
use crate::core::label::{Label, LabelKind, Partition};

impl Parted<'_> {
    /// `name N NAME`: a GPT partition's name, cut to the 36 UTF-16 units
    /// the entry holds; an msdos label has none.
    /// parted checks the label's kind before the number, and a new name
    /// leaves `disk_is_modified` alone (no reminder about /etc/fstab).
    pub(super) fn name(&mut self, dev: &Device, number: &str, name: &str) -> bool {
        if self.label(dev).is_some_and(|l| l.kind == LabelKind::Dos) {
            self.error("msdos disk labels do not support partition name.");
            return false;
        }
        let Some((mut label, old)) = self.chosen_partition(dev, number) else { return false };
        if name.chars().count() > 36 {
            self.exception("Warning", "failed to translate partition name");
        }
        if let Some(p) = label.partitions.iter_mut().find(|p| p.number == old.number) {
            p.name = name.chars().take(36).collect();
        }
        let modified = self.modified;
        let done = self.commit(dev, &label);
        self.modified = modified;
        done
    }

    pub(super) fn resizepart(&mut self, dev: &Device, number: &str, end: Option<&str>) -> bool {
        let Some((mut label, old)) = self.chosen_partition(dev, number) else { return false };
        let n = old.number;
        if !self.warn_busy(dev, n) {
            return false;
        }
        // Script mode answers "End?" with the old end. Otherwise parted asks,
        // and input that has ended (or the lab's console, which does not
        // answer parted) gives no answer, a failure.
        let Some(end) = end else {
            if !self.script {
                // `command_line_get_sector()` shows the end sector's own byte.
                let shown = super::format_bytes(old.end_lba() * super::SECTOR, self.unit, dev.sectors);
                self.out.push_str(super::WIPE_LINE);
                self.out.push_str(&format!("End?  [{shown}]? "));
            }
            return self.script;
        };
        let Some(mut at) = self.parse_location(end, dev) else { return false };
        if at.sector != old.start_lba && self.iec_end(end) {
            at = at.earlier();
        }
        let Some(last) = self.new_end(&label, &old, at) else { return false };
        if last < old.end_lba() && !self.question("Shrinking a partition can cause data loss, are you sure you want to continue?") {
            return false;
        }
        if let Some(p) = label.partitions.iter_mut().find(|p| p.number == n) {
            p.size_sectors = last - old.start_lba + 1;
        }
        self.commit(dev, &label)
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
