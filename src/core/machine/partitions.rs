//! Partition tables on disks and the kernel's view of them: BLKRRPART (fdisk,
//! sfdisk) replaces the whole view unless a partition is in use; BLKPG (parted)
//! updates partition by partition: busy ones can grow or shrink in place but
//! not move or go.

use super::Machine;
use crate::core::device::DevId;
use crate::core::disk::{KernelPartition, Transport, BLKEXT_MAJOR, SD_MAJOR};
use crate::core::event::Event;
use crate::core::label::{Label, Partition};

/// What happened when the kernel was asked to re-read a disk's table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reread {
    Done,
    Busy,
    /// A loop device set up without `-P` has no partitions to re-read (EINVAL).
    #[cfg(feature = "loop-devices")]
    Invalid,
}

/// One BLKPG request `fdisk_reread_changes` makes, in the order it makes them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PartitionChange {
    Removed,
    Resized,
    Added,
}

/// Where the kernel registers a partition: an extended partition shows up as a
/// 1 KiB stub, as on Linux.
fn geometry(p: &Partition) -> (u64, u64) {
    (p.start_lba, if p.part_type.is_extended() { 2 } else { p.size_sectors })
}

impl Machine {
    /// Writes `label` to the disk's sectors, then asks the kernel to re-read it.
    pub fn write_label(&mut self, disk: DevId, label: &Label) -> (Reread, Vec<Event>) {
        let mut events = self.write_label_untold(disk, label);
        if events.is_empty() {
            return (Reread::Busy, events);
        }
        let reread = self.reread(disk, &mut events);
        (reread, events)
    }

    /// Writes `label` to the disk's sectors; the kernel keeps its old view.
    pub fn write_label_untold(&mut self, disk: DevId, label: &Label) -> Vec<Event> {
        self.write_label_bytes(disk, label);
        let Some(d) = self.disk(disk) else { return Vec::new() };
        let parts = label.partitions.iter().map(|p| p.info()).collect();
        #[allow(unused_mut)]
        let mut events = vec![Event::TableWritten { disk: d.name.clone(), kind: label.kind.name(), parts }];
        // A GPT header lands on a PV's label sector.
        #[cfg(feature = "lvm-extras")]
        events.extend(self.rescan_pv_partitioned(disk, lvm_sees_partitions(label)));
        events
    }

    /// BLKRRPART: replaces the kernel's partitions with what is on disk, unless a
    /// partition is in use, in which case the kernel keeps its old view.
    pub fn reread(&mut self, disk: DevId, events: &mut Vec<Event>) -> Reread {
        let Some(d) = self.disk(disk) else { return Reread::Busy };
        let name = d.name.clone();
        #[cfg(feature = "loop-devices")]
        if self.partscan_refused(disk) {
            events.push(Event::RereadRefused { disk: name });
            return Reread::Invalid;
        }
        if self.disk_busy(disk) {
            events.push(Event::RereadRefused { disk: name });
            return Reread::Busy;
        }
        let label = d.label();
        let old = d.kernel_partitions.clone();
        for p in &old {
            events.push(Event::PartitionVanished { disk: name.clone(), dev: d.partition_name(p.number), number: p.number });
        }
        let mut fresh = Vec::new();
        for p in label.iter().flat_map(|l| l.partitions.iter()) {
            let (start_lba, size_sectors) = geometry(p);
            let k = self.register(disk, p.number, start_lba, size_sectors, &old);
            let dev = crate::core::disk::partition_name(&name, p.number);
            events.push(Event::PartitionAppeared { disk: name.clone(), dev, number: p.number, start_lba, size_sectors, fstype: None, fs_larger: false });
            fresh.push(k);
        }
        if let Some(d) = self.disk_mut(disk) {
            d.kernel_partitions = fresh;
        }
        self.refresh();
        self.name_signatures(events);
        Reread::Done
    }

    /// A kernel partition for `number`: it keeps its identity and numbers when
    /// the kernel had it with the same geometry, and reuses its minor number.
    fn register(&mut self, disk: DevId, number: u32, start_lba: u64, size_sectors: u64, old: &[KernelPartition]) -> KernelPartition {
        let same = old.iter().find(|o| o.number == number && o.start_lba == start_lba && o.size_sectors == size_sectors);
        let dev = same.map_or_else(|| self.devices.new_id(), |o| o.dev);
        let (transport, minor) = self.disk(disk).map_or((Transport::Sata, 0), |d| (d.transport, d.minor));
        let (major, minor) = match transport {
            Transport::Sata if number <= 15 => (SD_MAJOR, minor + number),
            Transport::Nbd if number < 1 << self.nbd_part_shift() => (crate::core::disk::NBD_MAJOR, minor + number),
            _ => match old.iter().find(|o| o.number == number && o.major == BLKEXT_MAJOR) {
                Some(o) => (BLKEXT_MAJOR, o.minor),
                None => (BLKEXT_MAJOR, self.take_blkext_minor()),
            },
        };
        KernelPartition { dev, number, start_lba, size_sectors, major, minor }
    }

    /// Writes `label`, then updates the kernel partition by partition, as parted
    /// does with BLKPG (`update_kernel_partitions`). Returns the numbers the
    /// kernel could not update.
    pub fn write_label_per_partition(&mut self, disk: DevId, label: &Label) -> (Vec<u32>, Vec<Event>) {
        self.write_label_bytes(disk, label);
        let Some(d) = self.disk(disk) else { return (Vec::new(), Vec::new()) };
        let name = d.name.clone();
        let parts = label.partitions.iter().map(|p| p.info()).collect();
        // (BLKPG works on a loop device without partition scanning, where
        // BLKRRPART fails: kernel 6.18.)
        let mut events = vec![Event::TableWritten { disk: name.clone(), kind: label.kind.name(), parts }];
        #[cfg(feature = "lvm-extras")]
        events.extend(self.rescan_pv_partitioned(disk, lvm_sees_partitions(label)));
        let failed = self.update_kernel_partitions(disk, &mut events);
        (failed, events)
    }

    /// Writes `label` and tells the kernel each change with BLKPG, as
    /// libfdisk's `fdisk_reread_changes` does for a disk in use: removals,
    /// then resizes, then additions (a moved partition is removed and
    /// added). Returns the changes the kernel refused, in that order.
    pub fn write_label_reread_changes(&mut self, disk: DevId, label: &Label) -> (Vec<(PartitionChange, u32)>, Vec<Event>) {
        let old = self.disk(disk).map(|d| d.kernel_partitions.clone()).unwrap_or_default();
        let (failed, events) = self.write_label_per_partition(disk, label);
        let mut changes = Vec::new();
        for n in failed {
            let was = old.iter().find(|k| k.number == n);
            match (was, label.partitions.iter().find(|p| p.number == n)) {
                (Some(_), None) => changes.push((PartitionChange::Removed, n)),
                (Some(k), Some(p)) if k.start_lba == geometry(p).0 => changes.push((PartitionChange::Resized, n)),
                // A moved partition still in use: neither its removal nor
                // its addition at the new place is taken.
                (Some(k), Some(_)) if self.busy(k.dev).is_some() => changes.extend([(PartitionChange::Removed, n), (PartitionChange::Added, n)]),
                _ => changes.push((PartitionChange::Added, n)),
            }
        }
        crate::core::order::SmallSort::small_sort_by_key(&mut changes[..], |(c, n)| (*c as u8, *n));
        (changes, events)
    }

    /// BLKPG, partition by partition, from the table on the disk's bytes
    /// (parted after a write, partprobe), as libparted 3.5's
    /// `_disk_sync_part_table()` does it: a partition whose start stays is
    /// resized in place (BLKPG_RESIZE_PARTITION, which the kernel allows
    /// while it is in use, unless it would overlap another); other changed
    /// or removed ones are deleted and added again, which fails for those in
    /// use. Returns the numbers the kernel could not update.
    pub fn update_kernel_partitions(&mut self, disk: DevId, events: &mut Vec<Event>) -> Vec<u32> {
        let Some(d) = self.disk(disk) else { return Vec::new() };
        let name = d.name.clone();
        let on_disk = d.label().map(|l| l.partitions).unwrap_or_default();
        let old = d.kernel_partitions.clone();
        let mut numbers: Vec<u32> = old.iter().map(|k| k.number).chain(on_disk.iter().map(|p| p.number)).collect();
        crate::core::order::small_sort(&mut numbers);
        numbers.dedup();
        let mut failed = Vec::new();
        // The kernel's table after the removal pass.
        let mut table: Vec<KernelPartition> = Vec::new();
        for n in &numbers {
            let k = old.iter().find(|k| k.number == *n);
            let p = on_disk.iter().find(|p| p.number == *n);
            match (k, p) {
                (Some(k), Some(p)) if k.start_lba == geometry(p).0 => table.push(k.clone()),
                (Some(k), _) if self.busy(k.dev).is_some() => {
                    failed.push(*n);
                    table.push(k.clone());
                }
                (Some(_), _) => events.push(Event::PartitionVanished { disk: name.clone(), dev: crate::core::disk::partition_name(&name, *n), number: *n }),
                _ => {}
            }
        }
        for p in &on_disk {
            let (start, size) = geometry(p);
            let at = table.iter().position(|k| k.number == p.number);
            if at.is_some_and(|i| table[i].start_lba != start || table[i].size_sectors == size) {
                continue;
            }
            if table.iter().any(|k| k.number != p.number && start < k.start_lba + k.size_sectors && k.start_lba < start + size) {
                failed.push(p.number);
                continue;
            }
            let dev = crate::core::disk::partition_name(&name, p.number);
            match at {
                Some(i) => {
                    table[i].size_sectors = size;
                    events.push(Event::PartitionVanished { disk: name.clone(), dev: dev.clone(), number: p.number });
                }
                None => table.push(self.register(disk, p.number, start, size, &[])),
            }
            events.push(Event::PartitionAppeared { disk: name.clone(), dev, number: p.number, start_lba: start, size_sectors: size, fstype: None, fs_larger: false });
        }
        crate::core::order::SmallSort::small_sort_by_key(&mut table[..], |k| k.number);
        if let Some(d) = self.disk_mut(disk) {
            d.kernel_partitions = table;
        }
        self.refresh();
        self.name_signatures(events);
        crate::core::order::small_sort(&mut failed);
        failed.dedup();
        failed
    }

    /// Fills in what a partition that just appeared already holds: old bytes
    /// at its offset (a filesystem from before the table was rewritten) count.
    fn name_signatures(&self, events: &mut [Event]) {
        for e in events.iter_mut() {
            if let Event::PartitionAppeared { dev, fstype, fs_larger, .. } = e {
                let Some(id) = self.resolve(&format!("/dev/{dev}")) else { continue };
                let sig = self.probe(id);
                *fs_larger = sig.as_ref().is_some_and(|s| s.size_bytes > self.size_of(id));
                *fstype = sig.map(|s| s.fstype.name().to_string());
            }
        }
    }
}

/// lvm2's partition filter (`_has_partition_table`): an MBR with a used
/// entry. A GPT's protective entry counts; an empty DOS label does not.
#[cfg(feature = "lvm-extras")]
fn lvm_sees_partitions(label: &Label) -> bool {
    label.kind.name() == "gpt" || !label.partitions.is_empty()
}
