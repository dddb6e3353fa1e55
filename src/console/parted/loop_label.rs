//! libparted's `loop` label: a disk with a filesystem on the whole device
//! and no partition table reads as one partition covering every sector
//! (`loop_read()` probes the device for a filesystem). Modelled for `print`
//! only; other commands still call the disk unlabelled.

use super::{format_bytes, fs_name, Device, Label, Parted, Unit, SECTOR};

/// The filesystems parted 3.5's probes find on a whole device (measured:
/// an LVM PV or a FAT filesystem there leaves the label "unknown").
const PROBED: &[&str] = &["ext2", "ext3", "ext4", "xfs", "swap"];

impl Parted<'_> {
    /// `print` of a disk without a table: parted's loop label when the disk
    /// holds a filesystem, else the label is handed back for the usual print.
    pub(super) fn print_loop(&mut self, dev: &Device, label: Option<Label>) -> Result<bool, Option<Label>> {
        let found = if label.is_none() { self.machine.probe_at(dev.disk, 0, dev.sectors * SECTOR) } else { None };
        let Some(fs) = found.map(|s| s.fstype.name()).filter(|n| PROBED.contains(n)) else { return Err(label) };
        let bytes = |b: u64| format_bytes(b, self.unit, dev.sectors);
        let size = if self.unit == Unit::Sector { format!("{}s", dev.sectors) } else { bytes(dev.sectors * SECTOR) };
        let last = dev.sectors * SECTOR - if self.unit == Unit::Sector { SECTOR } else { 1 };
        self.out.push_str(&format!("Model: {}\nDisk {}: {size}\nSector size (logical/physical): 512B/512B\nPartition Table: loop\nDisk Flags: \n\n", dev.model, dev.path));
        let rows = [["Number", "Start", "End", "Size", "File system", "Flags"].map(String::from), [" 1".into(), bytes(0), bytes(last), size, fs_name(fs).into(), String::new()]];
        let widths: Vec<usize> = (0..6).map(|c| rows.iter().map(|r| r[c].len()).max().unwrap_or(0)).collect();
        for r in rows {
            let line: String = r.iter().zip(&widths).map(|(cell, w)| format!("{cell:<w$}  ")).collect();
            self.out.push_str(line.trim_end());
            self.out.push('\n');
        }
        self.out.push('\n');
        Ok(true)
    }
}
