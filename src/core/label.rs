//! A disk label (partition table) as an editor holds it in memory: the MBR or GPT
//! partitions plus the usable area, with libfdisk's alignment rules.
//!
//! `Label` mirrors what fdisk keeps between `n` and `w`; `write_to` turns it into
//! real bytes (protective MBR, both GPT headers and entry arrays with CRC32, or an
//! MBR with its EBR chain) and `read_from` parses those bytes back.
//! Simplifications: one alignment grain of 1 MiB (no I/O topology), 512-byte
//! sectors, no hybrid MBRs, and DOS labels on disks over 2 TiB are refused.

use crate::core::order::SmallSort;
use super::gpt::{self, Guid, GptEntry, GptHeader};
use super::mbr::{Mbr, MbrPartitionEntry, TYPE_EXTENDED, TYPE_GPT_PROTECTIVE};
use super::media::{Chunk, Content, Media};
use super::parttypes::{dos_types, gpt_types};
use super::units::SECTOR_BYTES;

/// libfdisk's default alignment: 1 MiB, in sectors.
pub const GRAIN_SECTORS: u64 = 2048;
/// The largest disk a DOS label can describe: 2^32 sectors.
pub const DOS_MAX_SECTORS: u64 = 1 << 32;
/// The highest partition number a DOS label here may hold (4 primaries, then logicals).
pub const DOS_MAX_LOGICAL: u32 = 60;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LabelKind {
    Dos,
    Gpt,
}

impl LabelKind {
    /// The name fdisk and lsblk use: `dos` or `gpt`.
    pub fn name(self) -> &'static str {
        match self {
            LabelKind::Dos => "dos",
            LabelKind::Gpt => "gpt",
        }
    }
}

/// A disk identifier: the MBR's 32-bit signature or the GPT disk GUID.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DiskId {
    Dos(u32),
    Gpt(Guid),
}

/// A partition type: an MBR type byte or a GPT type GUID.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PartType {
    Dos(u8),
    Gpt(Guid),
}

impl PartType {
    pub const LINUX_FS_GUID: &'static str = "0FC63DAF-8483-4772-8E79-3D69D8477DE4";

    /// The human name util-linux gives this type, or "unknown".
    pub fn name(&self) -> &'static str {
        match self {
            PartType::Dos(code) => {
                dos_types().find(|(c, _)| c == code).map_or("unknown", |(_, n)| n)
            }
            PartType::Gpt(guid) => {
                let text = guid.to_string();
                // The command-line program looks names up fast (lsblk asks for
                // each partition on every command); the browser keeps the scan.
                #[cfg(feature = "zfs")]
                if let Some(name) = crate::core::parttypes::gpt_name(&text) {
                    return name;
                }
                gpt_types().find(|(g, _)| g.eq_ignore_ascii_case(&text)).map_or("unknown", |(_, n)| n)
            }
        }
    }

    /// The type a new partition gets: "Linux" (83) or "Linux filesystem".
    pub fn default_for(kind: LabelKind) -> PartType {
        match kind {
            LabelKind::Dos => PartType::Dos(0x83),
            LabelKind::Gpt => PartType::Gpt(Guid::parse(Self::LINUX_FS_GUID).unwrap_or(Guid::ZERO)),
        }
    }

    /// Looks a GPT type up by its GUID text.
    pub fn gpt_named(guid_text: &str) -> PartType {
        PartType::Gpt(Guid::parse(guid_text).unwrap_or(Guid::ZERO))
    }

    pub fn is_extended(&self) -> bool {
        matches!(self, PartType::Dos(0x05 | 0x0f | 0x85))
    }
}

/// One partition of a label.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Partition {
    /// 1-based; on DOS labels 1–4 are primaries and 5 onwards logicals.
    pub number: u32,
    pub start_lba: u64,
    pub size_sectors: u64,
    pub part_type: PartType,
    /// The GPT partition GUID (zero on DOS labels).
    pub unique_guid: Guid,
    /// The GPT partition name (empty on DOS labels).
    pub name: String,
    /// The DOS boot flag.
    pub bootable: bool,
}

impl Partition {
    pub fn end_lba(&self) -> u64 {
        self.start_lba.saturating_add(self.size_sectors.max(1) - 1)
    }

    /// The partition as an event reports it.
    pub fn info(&self) -> crate::core::event::PartInfo {
        crate::core::event::PartInfo { number: self.number, start_lba: self.start_lba, size_sectors: self.size_sectors, type_name: self.part_type.name().to_string() }
    }

    /// A DOS logical partition (5 onwards); a GPT has no logical partitions,
    /// so its fifth is an entry like its first.
    pub fn is_logical(&self) -> bool {
        self.number > 4 && matches!(self.part_type, PartType::Dos(_))
    }
}

/// Why a label edit was refused. Each reads as the sentence a student sees.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LabelError {
    /// The partition number is outside the label's range or already taken.
    NumberUnavailable(u32),
    /// The sectors asked for are not free space inside the usable area.
    NotFree { start_lba: u64, end_lba: u64 },
    /// No partition has that number.
    NoSuchPartition(u32),
    /// The disk is too large for a DOS label.
    DiskTooLargeForDos,
    /// The disk is too small to hold the label's own structures.
    DiskTooSmall,
}

impl std::fmt::Display for LabelError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            LabelError::NumberUnavailable(n) => write!(f, "partition number {n} is not available"),
            LabelError::NotFree { start_lba, end_lba } => {
                write!(f, "sectors {start_lba}-{end_lba} are not free space")
            }
            LabelError::NoSuchPartition(n) => write!(f, "partition {n} does not exist"),
            LabelError::DiskTooLargeForDos => write!(f, "the disk is larger than a DOS label can address"),
            LabelError::DiskTooSmall => write!(f, "the disk is too small for a partition table"),
        }
    }
}

/// A partition table held in memory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Label {
    pub kind: LabelKind,
    pub disk_id: DiskId,
    pub total_sectors: u64,
    /// The first sector partitions may use.
    pub first_lba: u64,
    /// The last sector partitions may use.
    pub last_lba: u64,
    /// The GPT's number of entries, its highest partition number (0 on DOS labels).
    pub gpt_entries: u32,
    /// Sorted by partition number.
    pub partitions: Vec<Partition>,
}

impl Label {
    pub fn new_dos(total_sectors: u64, signature: u32) -> Result<Label, LabelError> {
        if total_sectors > DOS_MAX_SECTORS {
            return Err(LabelError::DiskTooLargeForDos);
        }
        if total_sectors <= GRAIN_SECTORS {
            return Err(LabelError::DiskTooSmall);
        }
        Ok(Label {
            kind: LabelKind::Dos,
            disk_id: DiskId::Dos(signature),
            total_sectors,
            first_lba: GRAIN_SECTORS,
            last_lba: total_sectors - 1,
            gpt_entries: 0,
            partitions: Vec::new(),
        })
    }

    pub fn new_gpt(total_sectors: u64, disk_guid: Guid) -> Result<Label, LabelError> {
        if total_sectors < GRAIN_SECTORS + 2 * (gpt::ENTRY_ARRAY_SECTORS + 1) + 1 {
            return Err(LabelError::DiskTooSmall);
        }
        Ok(Label {
            kind: LabelKind::Gpt,
            disk_id: DiskId::Gpt(disk_guid),
            total_sectors,
            first_lba: GRAIN_SECTORS,
            last_lba: total_sectors - gpt::ENTRY_ARRAY_SECTORS - 2,
            gpt_entries: gpt::ENTRY_COUNT,
            partitions: Vec::new(),
        })
    }

    /// An empty GPT with `entries` entries and the usable sectors
    /// `first_lba..=last_lba`, which must leave room for both headers and
    /// entry arrays (an empty range, first after last, is a valid GPT).
    pub fn new_gpt_with(total_sectors: u64, disk_guid: Guid, entries: u32, first_lba: u64, last_lba: u64) -> Result<Label, LabelError> {
        let array = gpt::entry_array_sectors(entries);
        let fits = entries > 0 && first_lba >= array + 2 && array.checked_add(last_lba).is_some_and(|end| end + 2 <= total_sectors);
        if !fits {
            return Err(LabelError::DiskTooSmall);
        }
        Ok(Label { kind: LabelKind::Gpt, disk_id: DiskId::Gpt(disk_guid), total_sectors, first_lba, last_lba, gpt_entries: entries, partitions: Vec::new() })
    }

    /// libfdisk's `fdisk_get_npartitions()`: the slots of the table, a GPT's
    /// entries, or a DOS table's four primaries and its logical partitions.
    pub fn slots(&self) -> u32 {
        match self.kind {
            LabelKind::Gpt => self.gpt_entries,
            LabelKind::Dos => 4 + self.logicals().count() as u32,
        }
    }

    /// The highest partition number the label can hold.
    pub fn max_number(&self) -> u32 {
        match self.kind {
            LabelKind::Dos => 4,
            LabelKind::Gpt => self.gpt_entries,
        }
    }

    pub fn partition(&self, number: u32) -> Option<&Partition> {
        self.partitions.iter().find(|p| p.number == number)
    }

    pub fn extended(&self) -> Option<&Partition> {
        self.partitions.iter().find(|p| p.part_type.is_extended())
    }

    pub fn primaries(&self) -> impl Iterator<Item = &Partition> {
        self.partitions.iter().filter(|p| !p.is_logical())
    }

    pub fn logicals(&self) -> impl Iterator<Item = &Partition> {
        self.partitions.iter().filter(|p| p.is_logical())
    }

    /// Free partition numbers among 1..=max_number (primaries only on DOS).
    pub fn free_numbers(&self) -> Vec<u32> {
        (1..=self.max_number()).filter(|n| self.partition(*n).is_none()).collect()
    }

    /// The number the next logical partition gets.
    pub fn next_logical_number(&self) -> u32 {
        self.logicals().map(|p| p.number).max().map_or(5, |n| n + 1)
    }

    /// Free sector ranges (inclusive) between `lo` and `hi` that none of `used` covers.
    pub(crate) fn gaps(lo: u64, hi: u64, used: &mut Vec<(u64, u64)>) -> Vec<(u64, u64)> {
        crate::core::order::small_sort(used);
        let mut gaps = Vec::new();
        let mut cursor = lo;
        for &(s, e) in used.iter() {
            if e < cursor {
                continue;
            }
            if s > cursor && s > lo {
                let end = (s - 1).min(hi);
                if end >= cursor {
                    gaps.push((cursor, end));
                }
            }
            cursor = cursor.max(e.saturating_add(1));
            if cursor > hi {
                break;
            }
        }
        if cursor <= hi {
            gaps.push((cursor, hi));
        }
        gaps
    }

    /// Free ranges for a new primary (or GPT) partition: every gap counts,
    /// however short, as in libfdisk (GPT's first-sector bounds pass over
    /// short ones only in front of partition 1).
    pub fn free_ranges(&self) -> Vec<(u64, u64)> {
        let mut used: Vec<(u64, u64)> = self.primaries().map(|p| (p.start_lba, p.end_lba())).collect();
        Self::gaps(self.first_lba, self.last_lba, &mut used)
    }

    /// Free ranges for a new logical partition: inside the extended partition, each
    /// logical keeps one grain in front of it for its EBR.
    pub fn free_logical_ranges(&self) -> Vec<(u64, u64)> {
        let Some(ext) = self.extended() else { return Vec::new() };
        let mut used: Vec<(u64, u64)> = self
            .logicals()
            .map(|p| (p.start_lba.saturating_sub(GRAIN_SECTORS), p.end_lba()))
            .collect();
        Self::gaps(ext.start_lba, ext.end_lba(), &mut used)
            .into_iter()
            .filter_map(|(s, e)| {
                let first = s + GRAIN_SECTORS;
                (first <= e).then_some((first, e))
            })
            .collect()
    }

    /// libfdisk's `fdisk_align_lba` towards `up`, with the grain fixed at 1 MiB.
    pub fn align_up(lba: u64) -> u64 {
        lba.div_ceil(GRAIN_SECTORS).saturating_mul(GRAIN_SECTORS)
    }

    pub fn align_down(lba: u64) -> u64 {
        lba / GRAIN_SECTORS * GRAIN_SECTORS
    }

    /// The default first sector in a free range: aligned up when the range allows.
    pub fn default_first(range: (u64, u64)) -> u64 {
        let aligned = Self::align_up(range.0);
        if aligned <= range.1 {
            aligned
        } else {
            range.0
        }
    }

    /// The free range containing `lba`, if any.
    pub fn range_containing(ranges: &[(u64, u64)], lba: u64) -> Option<(u64, u64)> {
        ranges.iter().copied().find(|(s, e)| *s <= lba && lba <= *e)
    }

    /// Adds a partition; its sectors must be free and its number available.
    pub fn add(&mut self, p: Partition) -> Result<(), LabelError> {
        let ranges = if p.is_logical() { self.free_logical_ranges() } else { self.free_ranges() };
        let fits = Self::range_containing(&ranges, p.start_lba).is_some_and(|(_, e)| p.end_lba() <= e);
        if !fits || p.size_sectors == 0 {
            return Err(LabelError::NotFree { start_lba: p.start_lba, end_lba: p.end_lba() });
        }
        let number_ok = if p.is_logical() {
            self.kind == LabelKind::Dos && p.number <= DOS_MAX_LOGICAL
        } else {
            p.number >= 1 && p.number <= self.max_number()
        };
        if !number_ok || self.partition(p.number).is_some() {
            return Err(LabelError::NumberUnavailable(p.number));
        }
        self.partitions.push(p);
        self.partitions.small_sort_by_key(|p| p.number);
        Ok(())
    }

    /// Sets a partition as libfdisk sets a table entry from a script, without
    /// checking it against the others (GPT refuses overlaps only when writing).
    pub fn put(&mut self, p: Partition) {
        self.partitions.retain(|q| q.number != p.number);
        self.partitions.push(p);
        self.partitions.small_sort_by_key(|p| p.number);
    }

    /// Whether two partitions share a sector.
    pub fn overlapping(&self) -> bool {
        let ps = &self.partitions;
        ps.iter().enumerate().any(|(i, a)| ps[..i].iter().any(|b| a.start_lba <= b.end_lba() && b.start_lba <= a.end_lba()))
    }

    /// Deletes a partition. Deleting an extended partition deletes its logicals;
    /// deleting a logical renumbers the ones after it, as fdisk does.
    pub fn delete(&mut self, number: u32) -> Result<Partition, LabelError> {
        let index = self
            .partitions
            .iter()
            .position(|p| p.number == number)
            .ok_or(LabelError::NoSuchPartition(number))?;
        let removed = self.partitions.remove(index);
        if removed.part_type.is_extended() {
            self.partitions.retain(|p| !p.is_logical());
        } else if removed.is_logical() {
            for p in self.partitions.iter_mut().filter(|p| p.number > number) {
                p.number -= 1;
            }
        }
        Ok(removed)
    }

    /// Encodes the label into the sectors of `media`, clearing any label of the
    /// other kind so that no stale signature survives.
    pub fn write_to(&self, media: &mut Media) {
        let total = self.total_sectors;
        match (self.kind, self.disk_id) {
            (LabelKind::Gpt, DiskId::Gpt(guid)) => self.write_gpt(media, guid),
            (_, disk_id) => {
                let signature = match disk_id {
                    DiskId::Dos(s) => s,
                    DiskId::Gpt(_) => 0,
                };
                let mut mbr = Mbr { disk_signature: signature, ..Default::default() };
                for p in self.primaries() {
                    let code = match p.part_type {
                        PartType::Dos(c) => c,
                        PartType::Gpt(_) => 0x83,
                    };
                    if let Some(slot) = mbr.partitions.get_mut(p.number as usize - 1) {
                        *slot = MbrPartitionEntry::new(code, p.start_lba, p.size_sectors, p.bootable);
                    }
                }
                media.write_sector(0, &mbr.encode());
                self.write_ebr_chain(media);
                // A DOS label over an old GPT: wipe both GPT headers as fdisk
                // does. Other bytes there (an LVM label) stay.
                for lba in [1, total - 1] {
                    if media.read_sector(lba).starts_with(b"EFI PART") {
                        media.write_sector(lba, &[0u8; SECTOR_BYTES as usize]);
                    }
                }
            }
        }
    }

    /// The sectors `write_to` fills, as (first LBA, count): a GPT's
    /// protective MBR, headers and entry arrays, or the MBR and EBRs. The
    /// zeros a DOS label writes over an old GPT's headers are left out.
    pub fn sectors_written(&self) -> Vec<(u64, u64)> {
        let total = self.total_sectors;
        if self.kind == LabelKind::Gpt {
            let array = gpt::entry_array_sectors(self.gpt_entries);
            return vec![(0, 2 + array), (total - 1 - array, array + 1)];
        }
        let mut out = vec![(0, 1)];
        if let Some(ext) = self.extended() {
            out.push((ext.start_lba, 1));
            out.extend(self.logicals().skip(1).map(|p| (p.start_lba.saturating_sub(GRAIN_SECTORS), 1)));
        }
        out
    }

    /// The protective MBR, both entry arrays (used entries as bytes, the rest as
    /// a run of zeros) and both headers.
    fn write_gpt(&self, media: &mut Media, guid: Guid) {
        let total = self.total_sectors;
        let last_used = self.partitions.iter().map(|p| p.number).max().unwrap_or(0).min(self.gpt_entries);
        let entries: Vec<GptEntry> = (1..=last_used).map(|n| self.partition(n).map(gpt_entry).unwrap_or_default()).collect();
        let (entry_bytes, entries_crc) = gpt::encode_entries(&entries, self.gpt_entries);
        let array_sectors = gpt::entry_array_sectors(self.gpt_entries);
        let backup_entries_lba = total - 1 - array_sectors;
        let header = |my: u64, alt: u64, entries_at: u64| GptHeader {
            revision: gpt::REVISION_1_0,
            header_size: gpt::HEADER_SIZE,
            my_lba: my,
            alternate_lba: alt,
            first_usable_lba: self.first_lba,
            last_usable_lba: self.last_lba,
            disk_guid: guid,
            partition_entry_lba: entries_at,
            num_partition_entries: self.gpt_entries,
            sizeof_partition_entry: gpt::ENTRY_SIZE,
            partition_entry_array_crc32: entries_crc,
        };
        let mut pmbr = Mbr::default();
        pmbr.partitions[0] = MbrPartitionEntry::new(TYPE_GPT_PROTECTIVE, 1, (total - 1).min(u32::MAX as u64), false);
        pmbr.partitions[0].end_chs = super::mbr::Chs([0xff, 0xff, 0xff]);
        media.write_sector(0, &pmbr.encode());
        media.write_sector(1, &header(1, total - 1, 2).encode());
        for at in [2, backup_entries_lba] {
            media.write(at * SECTOR_BYTES, Chunk::zeros(array_sectors * SECTOR_BYTES));
            media.write_bytes(at, &entry_bytes);
        }
        media.write_sector(total - 1, &header(total - 1, 1, backup_entries_lba).encode());
    }

    /// The EBR chain: the first logical's EBR at the extended partition's
    /// start, each later one a grain before its partition, as libfdisk puts them.
    fn write_ebr_chain(&self, media: &mut Media) {
        let Some(ext) = self.extended() else { return };
        let logicals: Vec<&Partition> = self.logicals().collect();
        let ebr_lba = |i: usize, p: &Partition| if i == 0 { ext.start_lba } else { p.start_lba.saturating_sub(GRAIN_SECTORS) };
        if logicals.is_empty() {
            media.write_sector(ext.start_lba, &Mbr::default().encode());
        }
        for (i, p) in logicals.iter().enumerate() {
            let code = match p.part_type {
                PartType::Dos(c) => c,
                PartType::Gpt(_) => 0x83,
            };
            let here = ebr_lba(i, p);
            let mut ebr = Mbr::default();
            ebr.partitions[0] = MbrPartitionEntry::new(code, p.start_lba.saturating_sub(here), p.size_sectors, p.bootable);
            if let Some(next) = logicals.get(i + 1) {
                let next_ebr = ebr_lba(i + 1, next);
                let link_size = next.end_lba().saturating_add(1).saturating_sub(next_ebr);
                ebr.partitions[1] = MbrPartitionEntry::new(TYPE_EXTENDED, next_ebr.saturating_sub(ext.start_lba), link_size, false);
            }
            media.write_sector(here, &ebr.encode());
        }
    }

    /// Which copies of a GPT are damaged; libfdisk warns about either.
    pub fn gpt_damage(media: &Media, total_sectors: u64) -> Option<GptDamage> {
        if total_sectors < 3 || !Mbr::decode(&media.read_sector(0)).is_ok_and(|m| m.is_protective()) {
            return None;
        }
        let primary = Self::read_gpt(media, total_sectors, 1).is_some();
        let backup = Self::read_gpt(media, total_sectors, total_sectors - 1).is_some();
        match (primary, backup) {
            (false, true) => Some(GptDamage::Primary),
            (true, false) => Some(GptDamage::Backup),
            _ => None,
        }
    }

    /// Parses the label on `media`, if there is one. A GPT whose primary header is
    /// damaged is read from its backup header, as the kernel and fdisk do.
    pub fn read_from(media: &Media, total_sectors: u64) -> Option<Label> {
        if total_sectors < 3 {
            return None;
        }
        let mbr = Mbr::decode(&media.read_sector(0)).ok()?;
        if mbr.is_protective() {
            return Self::read_gpt(media, total_sectors, 1)
                .or_else(|| Self::read_gpt(media, total_sectors, total_sectors - 1));
        }
        let mut label = Label::new_dos(total_sectors.min(DOS_MAX_SECTORS), mbr.disk_signature).ok()?;
        label.total_sectors = total_sectors;
        for (i, e) in mbr.partitions.iter().enumerate() {
            if e.is_used() {
                label.partitions.push(Partition {
                    number: i as u32 + 1,
                    start_lba: e.starting_lba as u64,
                    size_sectors: e.size_in_lba as u64,
                    part_type: PartType::Dos(e.os_type),
                    unique_guid: Guid::ZERO,
                    name: String::new(),
                    bootable: e.boot_indicator == 0x80,
                });
            }
        }
        if let Some(ext_start) = label.extended().map(|e| e.start_lba) {
            let mut ebr_at = ext_start;
            let mut number = 5;
            // The chain is bounded so that a looping chain on a damaged disk ends.
            while number <= DOS_MAX_LOGICAL {
                let Ok(ebr) = Mbr::decode(&media.read_sector(ebr_at)) else { break };
                let first = ebr.partitions[0];
                if first.is_used() {
                    label.partitions.push(Partition {
                        number,
                        start_lba: ebr_at + first.starting_lba as u64,
                        size_sectors: first.size_in_lba as u64,
                        part_type: PartType::Dos(first.os_type),
                        unique_guid: Guid::ZERO,
                        name: String::new(),
                        bootable: first.boot_indicator == 0x80,
                    });
                    number += 1;
                }
                let link = ebr.partitions[1];
                if !link.is_used() || link.starting_lba == 0 {
                    break;
                }
                ebr_at = ext_start + link.starting_lba as u64;
            }
        }
        Some(label)
    }

    fn read_gpt(media: &Media, total_sectors: u64, header_lba: u64) -> Option<Label> {
        let header = GptHeader::decode(&media.read_sector(header_lba)).ok()?;
        let entries = Self::read_entries(media, &header)?;
        if !Self::gpt_header_sane(&header, total_sectors, header_lba) {
            return None;
        }
        let partitions = entries
            .into_iter()
            .map(|(number, e)| Partition {
                number,
                start_lba: e.starting_lba,
                size_sectors: e.ending_lba.saturating_sub(e.starting_lba).saturating_add(1),
                part_type: PartType::Gpt(e.partition_type_guid),
                unique_guid: e.unique_partition_guid,
                name: e.partition_name.clone(),
                bootable: false,
            })
            .collect();
        Some(Label {
            kind: LabelKind::Gpt,
            disk_id: DiskId::Gpt(header.disk_guid),
            total_sectors,
            first_lba: header.first_usable_lba,
            last_lba: header.last_usable_lba,
            gpt_entries: header.num_partition_entries,
            partitions,
        })
    }

    /// libfdisk's `gpt_check_lba_sanity()` and its MyLBA check: the usable
    /// range runs forwards, ends on the disk and leaves the header out.
    fn gpt_header_sane(h: &GptHeader, total_sectors: u64, header_lba: u64) -> bool {
        let (first, last, disk_last) = (h.first_usable_lba, h.last_usable_lba, total_sectors.saturating_sub(1));
        first <= last && last <= disk_last && !(first < 1 && 1 < last) && h.my_lba == header_lba
    }

    /// The used entries of a header's entry array, read piece by piece so that
    /// runs of zeros cost nothing; None if its CRC32 does not match.
    fn read_entries(media: &Media, header: &GptHeader) -> Option<Vec<(u32, GptEntry)>> {
        const STEP: u64 = 64 * 1024;
        let start = header.partition_entry_lba.checked_mul(SECTOR_BYTES)?;
        let len = u64::from(header.num_partition_entries) * u64::from(gpt::ENTRY_SIZE);
        let mut scan = gpt::EntryScan::default();
        let mut at = start;
        for (offset, chunk) in media.pieces(start, len) {
            scan.zeros(offset.saturating_sub(at));
            match chunk.content {
                Content::Zeros => scan.zeros(chunk.len),
                _ => (0..chunk.len.div_ceil(STEP)).for_each(|i| scan.bytes(&chunk.slice(i * STEP, STEP).to_vec())),
            }
            at = offset + chunk.len;
        }
        scan.zeros((start + len).saturating_sub(at));
        scan.finish(header.partition_entry_array_crc32).ok()
    }
}

/// A partition's GPT entry.
fn gpt_entry(p: &Partition) -> GptEntry {
    GptEntry {
        partition_type_guid: match p.part_type {
            PartType::Gpt(g) => g,
            PartType::Dos(_) => Guid::ZERO,
        },
        unique_partition_guid: p.unique_guid,
        starting_lba: p.start_lba,
        ending_lba: p.end_lba(),
        attributes: 0,
        partition_name: p.name.clone(),
    }
}

/// A GPT with one damaged copy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GptDamage {
    Primary,
    Backup,
}

impl GptDamage {
    /// libfdisk's warning.
    pub fn warning(self) -> &'static str {
        match self {
            GptDamage::Primary => "The primary GPT table is corrupt, but the backup appears OK, so that will be used.",
            GptDamage::Backup => "The backup GPT table is corrupt, but the primary appears OK, so that will be used.",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn part(number: u32, start_lba: u64, size_sectors: u64, kind: LabelKind) -> Partition {
        Partition {
            number,
            start_lba,
            size_sectors,
            part_type: PartType::default_for(kind),
            unique_guid: if kind == LabelKind::Gpt { Guid([number as u8; 16]) } else { Guid::ZERO },
            name: String::new(),
            bootable: false,
        }
    }

    #[test]
    fn gpt_bytes_round_trip_and_backup_is_used_when_primary_breaks() {
        let total = 2 * 1024 * 1024;
        let mut label = Label::new_gpt(total, Guid([9; 16])).unwrap();
        label.add(part(1, 2048, 204800, LabelKind::Gpt)).unwrap();
        let mut media = Media::default();
        label.write_to(&mut media);
        assert_eq!(Label::read_from(&media, total), Some(label.clone()));
        media.write_sector(1, &[0u8; 512]);
        assert_eq!(Label::read_from(&media, total), Some(label));
    }

    #[test]
    fn dos_logicals_round_trip_through_the_ebr_chain() {
        let total = 2 * 1024 * 1024;
        let mut label = Label::new_dos(total, 0x1234).unwrap();
        let mut ext = part(2, 2048, 1024000, LabelKind::Dos);
        ext.part_type = PartType::Dos(TYPE_EXTENDED);
        label.add(ext).unwrap();
        label.add(part(5, 4096, 100000, LabelKind::Dos)).unwrap();
        let second = label.free_logical_ranges()[0].0;
        label.add(part(6, second, 100000, LabelKind::Dos)).unwrap();
        let mut media = Media::default();
        label.write_to(&mut media);
        assert_eq!(Label::read_from(&media, total), Some(label));
    }

    #[test]
    fn overlapping_partitions_are_refused() {
        let mut label = Label::new_gpt(1 << 21, Guid::ZERO).unwrap();
        label.add(part(1, 2048, 4096, LabelKind::Gpt)).unwrap();
        assert!(label.add(part(2, 4000, 10, LabelKind::Gpt)).is_err());
        assert!(label.add(part(1, 10000, 10, LabelKind::Gpt)).is_err());
    }
}
