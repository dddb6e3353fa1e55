//! fdisk from util-linux 2.38: `fdisk -l` and the interactive dialog.
//!
//! The dialog is a state machine fed one answer line at a time, so the browser
//! console and the native CLI drive it identically. Output imitates fdisk with its
//! input piped: prompts are not followed by the answer, and an informational
//! message that follows a dialog prompt starts on a new line. As with piped input,
//! a signature found in a new partition is named but never offered for wiping.
//! Simplifications: no expert menu, no BSD/SGI/Sun labels, and no `u`nits switch.

use crate::core::order::SmallSort;
use super::fmt::{human_size, number_ranges, Align, SizeStyle, Table};
use crate::core::device::DevId;
use crate::core::disk::Disk;
use crate::core::label::{DiskId, Label, LabelKind, PartType, Partition};
use crate::core::libfdisk::wipe::{self, Collision, WipeMode};
use crate::core::libfdisk;
#[cfg(feature = "free-space")]
use crate::core::libfdisk::free;
use crate::core::machine::{Machine, PartitionChange, Reread};
use crate::core::parttypes::{dos_types, gpt_types};
use crate::core::units::SECTOR_BYTES;
use crate::core::Event;

const WELCOME: &str = "\nWelcome to fdisk (util-linux 2.38.1).\nChanges will remain in memory only, until you decide to write them.\nBe careful before using the write command.\n\n";
const COMMAND_PROMPT: &str = "Command (m for help): ";
const LAST_PROMPT: &str = "Last sector, +/-sectors or +/-size{K,M,G,T,P}";

const GPT_ALIASES: &[(&str, &str)] = &[
    ("linux", "0FC63DAF-8483-4772-8E79-3D69D8477DE4"),
    ("swap", "0657FD6D-A4AB-43C4-84E5-0933C84B4F4F"),
    ("home", "933AC7E1-2EB4-4F13-B844-0E14E2AEF915"),
    ("uefi", "C12A7328-F81F-11D2-BA4B-00A0C93EC93B"),
    ("raid", "A19D880F-05FC-4D3B-A006-743F0F84911E"),
    ("lvm", "E6D6D379-F507-44C2-A23C-238F2A3DF928"),
];
/// `fdisk_label_advparse_parttype()` as fdisk's `t` asks it: type data (a
/// hex code; on GPT a GUID or the type's number in the list), an alias
/// (exact), a name (letters and digits only, any case); else an unknown
/// type, which on MBR is the code read (0 for text) and on GPT is refused.
/// Returns the type and whether the table knows it.
fn parse_type(kind: LabelKind, input: &str) -> Option<(PartType, bool)> {
    let alnum = |t: &str| t.chars().filter(char::is_ascii_alphanumeric).map(|c| c.to_ascii_lowercase()).collect::<String>();
    let wanted = alnum(input);
    match kind {
        LabelKind::Dos => {
            let code = crate::console::cnum::c_strtol_hex_whole(input);
            let known = |c: i64| dos_types().find(|t| i64::from(t.0) == c).map(|t| t.0);
            let found = code
                .and_then(known)
                .or_else(|| DOS_ALIASES.iter().find(|a| a.0 == input).map(|a| a.1))
                .or_else(|| dos_types().find(|t| alnum(t.1) == wanted).map(|t| t.0));
            // An unknown code is stored as the table's byte.
            Some(found.map_or((PartType::Dos(code.unwrap_or(0) as u8), false), |c| (PartType::Dos(c), true)))
        }
        LabelKind::Gpt => {
            let by_guid = crate::core::gpt::Guid::parse(input).and_then(|g| gpt_types().find(|t| crate::core::gpt::Guid::parse(t.0) == Some(g))).map(|t| t.0);
            let by_number = crate::console::cnum::c_strtol_whole(input, 0).filter(|i| *i > 0).and_then(|i| gpt_types().nth(i as usize - 1)).map(|t| t.0);
            let guid = by_guid
                .or(by_number)
                .or_else(|| GPT_ALIASES.iter().find(|a| a.0 == input).map(|a| a.1))
                .or_else(|| gpt_types().find(|t| alnum(t.1) == wanted).map(|t| t.0));
            guid.map(|g| (PartType::gpt_named(g), true)).or_else(|| crate::core::gpt::Guid::parse(input).map(|g| (PartType::Gpt(g), false)))
        }
    }
}

const DOS_ALIASES: &[(&str, u8)] = &[
    ("linux", 0x83),
    ("swap", 0x82),
    ("extended", 0x05),
    ("uefi", 0xef),
    ("raid", 0xfd),
    ("lvm", 0x8e),
    ("linuxex", 0x85),
];

/// Text written by the dialog, with fdisk's rule for line breaks: its
/// `info_count` counts information messages since the last question or
/// warning, and only the first of them starts on a new line (so it does not
/// follow the prompt the answer was typed at).
#[derive(Default)]
pub struct Out {
    pub text: String,
    info_count: u32,
}

impl Out {
    /// A prompt fdisk reads with `get_user_reply` alone: the command and
    /// type-code prompts, which leave the count alone.
    fn prompt(&mut self, p: &str) {
        self.text.push_str(p);
    }

    /// A libfdisk question (menu, number, offset): the count starts again.
    fn ask(&mut self, p: &str) {
        self.info_count = 0;
        self.text.push_str(p);
    }

    /// An information message (stdout).
    fn info(&mut self, msg: &str) {
        self.info_count += 1;
        if self.info_count == 1 {
            self.text.push('\n');
        }
        self.text.push_str(msg);
        self.text.push('\n');
    }

    /// Lines fdisk prints as information messages, one each (`p`, `F`,
    /// `v`): only the first can start a new line, and none after them.
    fn info_lines(&mut self, text: &str) {
        if self.info_count == 0 {
            self.text.push('\n');
        }
        self.text.push_str(text);
        self.info_count += 1;
    }

    /// A warning: on standard error, where fdisk flushes its output first
    /// (natively marked for `Output::from_marked`); the count starts again.
    fn warn(&mut self, msg: &str) {
        self.info_count = 0;
        #[cfg(feature = "shell-scripts")]
        self.text.push(super::ERR_START);
        self.text.push_str(msg);
        self.text.push('\n');
        #[cfg(feature = "shell-scripts")]
        self.text.push(super::ERR_END);
    }

    /// Text fdisk prints itself (menus, lists, line breaks).
    fn raw(&mut self, s: &str) {
        self.text.push_str(s);
    }
}

/// fdisk's `follow_wipe_mode()`: says what becomes of a collision, and
/// returns whether the write wipes it.
fn follow_wipe_mode(mode: WipeMode, collision: Option<&Collision>, out: &mut Out) -> bool {
    let Some(c) = collision else { return false };
    let wipe = mode.wipes(c);
    #[cfg(feature = "wipe-modes")]
    if !wipe {
        out.warn(&format!("The device contains '{}' signature and it may remain on the device. It is recommended to wipe the device with wipefs(8) or fdisk --wipe, in order to avoid possible collisions.", c.name));
        return wipe;
    }
    out.warn(&format!("The device contains '{}' signature and it will be removed by a write command. See fdisk(8) man page and --wipe option for more details.", c.name));
    wipe
}

/// libfdisk's `probe_partition_content()`: the TYPE blkid finds in a new
/// partition's sectors, which fdisk and sfdisk name in a warning. With input
/// that is not a terminal they only warn: the signature stays.
pub fn partition_content(machine: &Machine, disk: DevId, p: &Partition) -> Option<&'static str> {
    machine.probe_at(disk, p.start_lba * SECTOR_BYTES, p.size_sectors * SECTOR_BYTES).map(|s| s.fstype.name())
}

/// The header lines fdisk and sfdisk print for a disk.
pub fn disk_header(path: &str, size_bytes: u64, model: Option<&str>) -> String {
    disk_header_io(path, size_bytes, model, SECTOR_BYTES)
}

/// `disk_header` for a device whose physical block (and minimum and optimal
/// I/O size) is `io_bytes`, such as a ZFS volume's volblocksize.
pub fn disk_header_io(path: &str, size_bytes: u64, model: Option<&str>, io_bytes: u64) -> String {
    let mut s = format!(
        "Disk {path}: {}, {size_bytes} bytes, {} sectors\n",
        human_size(size_bytes, SizeStyle::Iec2),
        size_bytes / SECTOR_BYTES
    );
    if let Some(m) = model {
        s.push_str(&format!("Disk model: {m}\n"));
    }
    s.push_str("Units: sectors of 1 * 512 = 512 bytes\n");
    // Only a ZFS volume (command-line program) has other than 512 bytes.
    if cfg!(feature = "zfs") {
        s.push_str(&format!("Sector size (logical/physical): 512 bytes / {io_bytes} bytes\nI/O size (minimum/optimal): {io_bytes} bytes / {io_bytes} bytes\n"));
    } else {
        s.push_str("Sector size (logical/physical): 512 bytes / 512 bytes\nI/O size (minimum/optimal): 512 bytes / 512 bytes\n");
    }
    s
}

/// "Disklabel type" and "Disk identifier" lines.
pub fn label_lines(label: &Label) -> String {
    let id = match label.disk_id {
        DiskId::Dos(sig) => format!("0x{sig:08x}"),
        DiskId::Gpt(g) => g.to_string(),
    };
    format!("Disklabel type: {}\nDisk identifier: {id}\n", label.kind.name())
}

/// The device name of partition `number` on the disk at `disk_path`.
pub fn partition_path(disk_path: &str, number: u32) -> String {
    crate::core::disk::partition_name(disk_path, number)
}

/// The columns fdisk lists by default for a table kind.
fn default_columns(kind: LabelKind) -> &'static [&'static str] {
    match kind {
        LabelKind::Gpt => &["Device", "Start", "End", "Sectors", "Size", "Type"],
        LabelKind::Dos => &["Device", "Boot", "Start", "End", "Sectors", "Size", "Id", "Type"],
    }
}

/// Every column libfdisk knows for a table kind, spelled as its header.
fn known_columns(kind: LabelKind) -> &'static [&'static str] {
    match kind {
        LabelKind::Gpt => &["Device", "Start", "End", "Sectors", "Size", "Type", "Type-UUID", "Attrs", "Name", "UUID"],
        LabelKind::Dos => &["Device", "Start", "End", "Sectors", "Cylinders", "Size", "Id", "Type", "Start-C/H/S", "End-C/H/S", "Attrs", "Boot"],
    }
}

/// The columns `-o LIST` asks for (`+LIST` adds to the defaults), matched
/// without regard to case; Err names the first unknown one.
pub fn columns(kind: LabelKind, list: Option<&str>) -> Result<Vec<&'static str>, String> {
    let mut out: Vec<&'static str> = Vec::new();
    let names = match list {
        None => return Ok(default_columns(kind).to_vec()),
        Some(l) => match l.strip_prefix('+') {
            Some(more) => {
                out.extend(default_columns(kind));
                more
            }
            None => l,
        },
    };
    for name in names.split(',').filter(|n| !n.is_empty()) {
        let known = known_columns(kind).iter().find(|k| k.eq_ignore_ascii_case(name));
        out.push(known.copied().ok_or_else(|| name.to_string())?);
    }
    Ok(out)
}

/// One cell: its text and alignment.
fn cell(column: &str, disk_path: &str, p: &Partition) -> (String, Align) {
    let chs = |lba: u64| {
        let c = crate::core::mbr::Chs::from_lba(lba).0;
        let cylinder = u32::from(c[2]) | (u32::from(c[1] & 0xc0) << 2);
        format!("{cylinder}/{}/{}", c[0], c[1] & 0x3f)
    };
    let right = |s: String| (s, Align::Right);
    match column {
        "Device" => (partition_path(disk_path, p.number), Align::Left),
        "Boot" => (if p.bootable { "*".into() } else { String::new() }, Align::Left),
        "Start" => right(p.start_lba.to_string()),
        "End" => right(p.end_lba().to_string()),
        "Sectors" => right(p.size_sectors.to_string()),
        "Cylinders" => right(p.size_sectors.div_ceil(255 * 63).to_string()),
        "Size" => right(human_size(p.size_sectors.saturating_mul(SECTOR_BYTES), SizeStyle::Letter)),
        "Id" => right(match p.part_type {
            PartType::Dos(c) => format!("{c:x}"),
            PartType::Gpt(_) => "?".into(),
        }),
        "Type-UUID" => (match p.part_type {
            PartType::Gpt(g) => g.to_string(),
            PartType::Dos(_) => String::new(),
        }, Align::Left),
        "Start-C/H/S" => right(chs(p.start_lba)),
        "End-C/H/S" => right(chs(p.end_lba())),
        "Attrs" => right(if p.bootable && matches!(p.part_type, PartType::Dos(_)) { "80".into() } else { String::new() }),
        "Name" => (p.name.clone(), Align::Left),
        "UUID" => (p.unique_guid.to_string(), Align::Left),
        _ => (p.part_type.name().to_string(), Align::Left),
    }
}

/// The partition table as fdisk -l lists it, with its default columns.
pub fn partition_table(disk_path: &str, label: &Label) -> String {
    partition_table_with(disk_path, label, default_columns(label.kind))
}

/// The partition table with the given columns.
pub fn partition_table_with(disk_path: &str, label: &Label, columns: &[&str]) -> String {
    if label.partitions.is_empty() {
        return String::new();
    }
    let mut rows: Vec<&Partition> = label.partitions.iter().collect();
    rows.small_sort_by_key(|p| p.number);
    let aligns: Vec<(&str, Align)> = columns.iter().map(|c| (*c, rows.first().map_or(Align::Left, |p| cell(c, disk_path, p).1))).collect();
    let mut table = Table::new(&aligns);
    for p in rows {
        table.push(columns.iter().map(|c| cell(c, disk_path, p).0).collect());
    }
    // fdisk's width hints per column (fdisk-list.c).
    table.hints = table
        .headers
        .iter()
        .map(|h| match h.as_str() {
            "Device" => 10,
            "Start" | "End" | "Sectors" | "Size" => 5,
            "Id" => 2,
            "Boot" => 1,
            _ => 0,
        })
        .collect();
    let mut text = format!("\n{}", table.render());
    if !in_disk_order(label) {
        text.push_str("\nPartition table entries are not in disk order.\n");
    }
    text
}

/// `fdisk_table_wrong_order()`'s opposite: starts grow with partition numbers.
fn in_disk_order(label: &Label) -> bool {
    let mut starts: Vec<(u32, u64)> = label.partitions.iter().map(|p| (p.number, p.start_lba)).collect();
    starts.small_sort_by_key(|s| s.0);
    starts.windows(2).all(|w| w[0].1 <= w[1].1)
}

/// Everything `fdisk -l DEV` prints for one disk, with the columns `-o`
/// asked for; Err carries the text printed so far and the unknown column.
pub fn list_disk(disk: &Disk, list: Option<&str>) -> Result<String, (String, String)> {
    let mut s = disk.gpt_warning().map(|w| format!("{w}\n")).unwrap_or_default();
    s.push_str(&disk_header(&disk.path(), disk.size_bytes, disk.model.as_deref()));
    if let Some(label) = disk.label() {
        s.push_str(&label_lines(&label));
        match columns(label.kind, list) {
            Ok(cols) => s.push_str(&partition_table_with(&disk.path(), &label, &cols)),
            Err(bad) => return Err((s, format!("{} unknown column: {bad}", label.kind.name()))),
        }
    }
    Ok(s)
}

#[cfg(feature = "free-space")]
/// fdisk's `F` and `sfdisk -F`: the table's unpartitioned areas, each
/// starting where libfdisk would align a new partition; `quiet` (sfdisk's
/// `-q`) leaves out libfdisk's lines around the table.
pub fn free_listing(path: &str, label: &Label, quiet: bool) -> String {
    let areas = free::freespaces(label, &libfdisk::Align::for_disk(label.total_sectors));
    let sectors: u64 = areas.iter().map(|(s, e)| e - s + 1).sum();
    let bytes = sectors * SECTOR_BYTES;
    let mut text = String::new();
    if !quiet {
        text = format!(
            "Unpartitioned space {path}: {}, {bytes} bytes, {sectors} sectors\nUnits: sectors of 1 * 512 = 512 bytes\nSector size (logical/physical): 512 bytes / 512 bytes\n",
            human_size(bytes, SizeStyle::Iec2)
        );
    }
    if areas.is_empty() {
        return text;
    }
    if !quiet {
        text.push('\n');
    }
    let mut table = Table::new(&["Start", "End", "Sectors", "Size"].map(|h| (h, Align::Right)));
    table.hints = vec![5; 4];
    for (start, end) in areas {
        let n = end - start + 1;
        table.push(vec![start.to_string(), end.to_string(), n.to_string(), human_size(n * SECTOR_BYTES, SizeStyle::Letter)]);
    }
    text.push_str(&table.render());
    text
}

#[cfg(feature = "free-space")]
/// fdisk's `v` and `sfdisk -V`: what libfdisk's check of the table reports.
pub fn verify_text(label: &Label) -> String {
    match free::verify(label) {
        free::Verified::Gpt { used, entries, free_sectors, segments, largest_sectors } => {
            let segments = match segments {
                1 => "1 segment".to_string(),
                n => format!("{n} segments (the largest is {})", human_size(largest_sectors * SECTOR_BYTES, SizeStyle::Iec)),
            };
            format!("No errors detected.\nHeader version: 1.0\nUsing {used} out of {entries} partitions.\nA total of {free_sectors} free sectors is available in {segments}.\n")
        }
        free::Verified::Dos { allocated, total } if allocated > total => {
            format!("No errors detected.\nTotal allocated sectors {allocated} greater than the maximum {total}.\n")
        }
        free::Verified::Dos { allocated, total } if allocated == total => "No errors detected.\n".into(),
        free::Verified::Dos { allocated, total } => format!("No errors detected.\nRemaining {} unallocated 512-byte sectors.\n", total - allocated),
    }
}

/// `fdisk -l [DEV...]`: without devices, every disk and then every LV, separated
/// by blank lines, as /proc/partitions orders them.
pub fn list(machine: &Machine, tool: &str, devices: &[String], list: Option<&str>) -> super::Output {
    let mut disks: Vec<Result<String, (String, String)>> = Vec::new();
    let mut errors = String::new();
    if devices.is_empty() {
        let mut all: Vec<&Disk> = machine.disks().iter().collect();
        all.small_sort_by_key(|d| (d.major, d.minor));
        disks.extend(all.into_iter().map(|d| list_disk(d, list)));
        for vg in &machine.lvm().vgs {
            for lv in vg.lvs.iter().filter(|l| matches!(l.kind, crate::core::lvm::LvKind::Linear | crate::core::lvm::LvKind::Thin { .. })) {
                let path = format!("/dev/mapper/{}", crate::core::machine::dm_name(&vg.name, &lv.name));
                disks.push(Ok(disk_header(&path, vg.lv_size_bytes(lv), None)));
            }
        }
        #[cfg(feature = "zfs")]
        for d in machine.devices().iter().filter(|d| matches!(d.kind, crate::core::device::DevKind::Zvol { .. })) {
            disks.push(Ok(disk_header_io(&d.path(), d.size_bytes, None, machine.io_size_bytes(d.id))));
        }
    }
    for dev in devices {
        match machine.resolve(dev) {
            Some(d) => match machine.disk(d) {
                Some(disk) => disks.push(list_disk(disk, list)),
                None => disks.push(Ok(disk_header_io(dev, machine.size_of(d), None, machine.io_size_bytes(d)))),
            },
            None => errors.push_str(&format!("{tool}: cannot open {dev}: No such file or directory\n")),
        }
    }
    let mut status = i32::from(!errors.is_empty());
    let mut blocks = Vec::new();
    for d in disks {
        match d {
            Ok(text) => blocks.push(text),
            Err((text, why)) => {
                blocks.push(text);
                errors.push_str(&format!("{tool}: {why}\n"));
                status = 1;
            }
        }
    }
    super::Output { text: blocks.join("\n\n"), err: errors, exit_status: status, ..super::Output::default() }
}

/// Which question the dialog is waiting on.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Step {
    Command,
    /// DOS `n`: primary, extended or logical.
    Select { default: char },
    Number { extended: bool },
    /// `floor`: DOS moved the start past a partition the answer fell in.
    First { number: u32, extended: bool, floor: u64 },
    Last { number: u32, extended: bool, first: u64, range_end: u64 },
    DeleteNumber,
    /// DOS `a`: which partition's boot flag to toggle.
    BootNumber,
    TypeNumber,
    /// `i`: which partition to describe (native, with `F` and `v`).
    #[cfg(feature = "free-space")]
    InfoNumber,
    TypeCode { number: u32 },
}

/// An open fdisk dialog on one disk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    disk: DevId,
    path: String,
    label: Label,
    step: Step,
    /// fdisk's `info_count` between answers (see `Out`).
    info_count: u32,
    wipe_mode: WipeMode,
    /// What libfdisk last found on the disk besides the label being edited.
    collision: Option<Collision>,
    /// The write wipes the old signatures first.
    wipe: bool,
    /// `w` could not make the kernel re-read the table.
    reread_failed: bool,
}

/// What one answer did.
pub struct Reply {
    pub text: String,
    pub events: Vec<Event>,
    /// The dialog ended (`w`, `q`, or end of input).
    pub done: bool,
    /// fdisk's exit status once done: 1 when the kernel refused to re-read
    /// the new table (`EINVAL`).
    pub status: i32,
}

/// `fdisk DEV`: opens the dialog, or prints why it cannot.
/// Err holds the error (for standard error) and what fdisk printed before it.
pub fn start(machine: &mut Machine, path: &str, wipe_mode: WipeMode) -> Result<(Session, String, Vec<Event>), (String, &'static str)> {
    let Some(disk) = machine.resolve(path) else {
        return Err((format!("fdisk: cannot open {path}: No such file or directory\n"), WELCOME));
    };
    if machine.disk(disk).is_none() {
        return Err((format!("fdisk: {path}: the lab partitions whole disks only (such as /dev/sdb), not partitions or volumes\n"), ""));
    }
    // The welcome is two information messages.
    let mut out = Out { info_count: 2, ..Out::default() };
    out.raw(WELCOME);
    let mut events = Vec::new();
    if machine.disk_busy(disk) {
        out.warn("This disk is currently in use - repartitioning is probably a bad idea.\nIt's recommended to umount all file systems, and swapoff all swap\npartitions on this disk.\n");
    }
    let collision = wipe::check(machine, disk, false);
    let wipe = follow_wipe_mode(wipe_mode, collision.as_ref(), &mut out);
    let label = match machine.disk(disk).and_then(|d| d.label()) {
        Some(l) => {
            let parts = l.partitions.iter().map(|p| p.info()).collect();
            events.push(Event::EditorOpened { disk: machine.name_of(disk), kind: l.kind.name(), parts });
            l
        }
        None => {
            let total = machine.size_of(disk) / 512;
            let sig = machine.new_dos_signature();
            out.info("Device does not contain a recognized partition table.");
            match Label::new_dos(total, sig) {
                Ok(l) => {
                    out.info(&format!("Created a new DOS (MBR) disklabel with disk identifier 0x{sig:08x}."));
                    events.push(Event::LabelCreated { disk: machine.name_of(disk), kind: "dos" });
                    l
                }
                Err(_) => {
                    let guid = machine.new_guid();
                    let l = Label::new_gpt(total, guid).map_err(|e| (format!("fdisk: {path}: {e}\n"), ""))?;
                    out.info(&format!("Created a new GPT disklabel (GUID: {guid})."));
                    events.push(Event::LabelCreated { disk: machine.name_of(disk), kind: "gpt" });
                    l
                }
            }
        }
    };
    out.raw("\n");
    out.prompt(COMMAND_PROMPT);
    let session = Session { disk, path: path.to_string(), label, step: Step::Command, info_count: out.info_count, wipe_mode, collision, wipe, reread_failed: false };
    Ok((session, out.text, events))
}

impl Session {
    pub fn disk(&self) -> DevId {
        self.disk
    }

    /// The label being edited, for the figure's "pending" view.
    pub fn label(&self) -> &Label {
        &self.label
    }

    fn disk_name(&self, machine: &Machine) -> String {
        machine.name_of(self.disk)
    }

    /// End of input: a dialog returns to the command prompt, which then quits.
    pub fn end_of_input(&mut self, machine: &Machine) -> Reply {
        let mut text = String::new();
        if self.step != Step::Command {
            text.push('\n');
            text.push_str(COMMAND_PROMPT);
        }
        text.push('\n');
        Reply { text, events: vec![Event::EditDiscarded { disk: self.disk_name(machine) }], done: true, status: 0 }
    }

    /// Feeds one answer line to the dialog.
    pub fn answer(&mut self, machine: &mut Machine, line: &str) -> Reply {
        let input = line.trim();
        let mut out = Out { info_count: self.info_count, ..Out::default() };
        let mut events = Vec::new();
        let step = std::mem::replace(&mut self.step, Step::Command);
        let done = match step {
            Step::Command => self.command(machine, input, &mut out, &mut events),
            Step::Select { default } => {
                self.select(input, default, &mut out);
                false
            }
            Step::Number { extended } => {
                self.number(input, extended, &mut out);
                false
            }
            Step::First { number, extended, floor } => {
                self.first(machine, reply_text(line), (number, extended, floor), &mut out, &mut events);
                false
            }
            Step::Last { number, extended, first, range_end } => {
                self.last(machine, reply_text(line), (number, extended, first, range_end), &mut out, &mut events);
                false
            }
            Step::DeleteNumber => {
                match self.pick_existing(input, &mut out, Step::DeleteNumber) {
                    Some(n) => self.delete(machine, n, &mut out, &mut events),
                    None => {}
                }
                false
            }
            Step::BootNumber => {
                if let Some(n) = self.pick_existing(input, &mut out, Step::BootNumber) {
                    self.toggle_boot(n, &mut out);
                }
                false
            }
            #[cfg(feature = "free-space")]
            Step::InfoNumber => {
                if let Some(n) = self.pick_existing(input, &mut out, Step::InfoNumber) {
                    self.print_info(n, &mut out);
                }
                false
            }
            Step::TypeNumber => {
                if let Some(n) = self.pick_existing(input, &mut out, Step::TypeNumber) {
                    self.step = Step::TypeCode { number: n };
                    out.prompt(self.type_prompt());
                }
                false
            }
            Step::TypeCode { number } => {
                // fdisk's get_user_reply() drops leading blanks only: "83 " is no type code.
                self.change_type(machine, reply_text(line).trim_start(), number, &mut out, &mut events);
                false
            }
        };
        if !done && self.step == Step::Command {
            out.raw("\n");
            out.prompt(COMMAND_PROMPT);
        }
        self.info_count = out.info_count;
        Reply { text: out.text, events, done, status: i32::from(done && self.reread_failed) }
    }

    fn command(&mut self, machine: &mut Machine, input: &str, out: &mut Out, events: &mut Vec<Event>) -> bool {
        // An empty line is key 0, "unknown" with a message that prints as
        // nothing (its `%c` is a NUL), but it counts as a warning.
        let Some(key) = input.chars().next() else {
            out.warn("");
            return false;
        };
        match key {
            'm' => out.raw(&self.help()),
            'p' => {
                let model = machine.disk(self.disk).and_then(|d| d.model.as_deref());
                out.info_lines(&(disk_header(&self.path, machine.size_of(self.disk), model) + &label_lines(&self.label)));
                out.raw(&partition_table(&self.path, &self.label));
            }
            'n' => self.new_partition(out),
            #[cfg(not(feature = "free-space"))]
            'F' | 'v' | 'i' => out.warn(&format!("{key}: this command is in the storage-lab command-line program, not in the browser yet")),
            #[cfg(feature = "free-space")]
            'i' => {
                if let Some(n) = self.choose_existing(out, Step::InfoNumber) {
                    self.print_info(n, out);
                }
            }
            #[cfg(feature = "free-space")]
            'F' | 'v' => {
                out.info_lines(&if key == 'F' { free_listing(&self.path, &self.label, false) } else { verify_text(&self.label) });
            }
            'd' => {
                if let Some(n) = self.choose_existing(out, Step::DeleteNumber) {
                    self.delete(machine, n, out, events);
                }
            }
            'a' if self.label.kind == LabelKind::Dos => {
                if let Some(n) = self.choose_existing(out, Step::BootNumber) {
                    self.toggle_boot(n, out);
                }
            }
            't' => {
                if let Some(n) = self.choose_existing(out, Step::TypeNumber) {
                    self.step = Step::TypeCode { number: n };
                    out.prompt(self.type_prompt());
                }
            }
            'l' => out.raw(&self.type_list()),
            'g' => {
                let guid = machine.new_guid();
                match Label::new_gpt(machine.size_of(self.disk) / 512, guid) {
                    Ok(l) => {
                        let old_kind = std::mem::replace(&mut self.label, l).kind;
                        out.info(&format!("Created a new GPT disklabel (GUID: {guid})."));
                        self.signature_warning(machine, old_kind, out);
                        events.push(Event::LabelCreated { disk: self.disk_name(machine), kind: "gpt" });
                    }
                    Err(e) => out.warn(&format!("Failed to create a new GPT disklabel: {e}.")),
                }
            }
            'o' => {
                let sig = machine.new_dos_signature();
                match Label::new_dos(machine.size_of(self.disk) / 512, sig) {
                    Ok(l) => {
                        let old_kind = std::mem::replace(&mut self.label, l).kind;
                        out.info(&format!("Created a new DOS (MBR) disklabel with disk identifier 0x{sig:08x}."));
                        self.signature_warning(machine, old_kind, out);
                        events.push(Event::LabelCreated { disk: self.disk_name(machine), kind: "dos" });
                    }
                    Err(_) => out.warn("The device is larger than 2 TiB: a DOS (MBR) label cannot address it. Use GPT (g)."),
                }
            }
            'w' => {
                out.info("The partition table has been altered.");
                if self.wipe {
                    let wiped = machine.wipe_signatures(self.disk);
                    events.extend(machine.wiped_event(self.disk, &wiped));
                }
                // A disk in use (its O_EXCL open failed) gets its changes
                // partition by partition: `fdisk_reread_changes`.
                if machine.disk_busy(self.disk) {
                    let (failures, evs) = machine.write_label_reread_changes(self.disk, &self.label);
                    events.extend(evs);
                    for (change, n) in &failures {
                        let (verb, tail) = match change {
                            PartitionChange::Removed => ("remove", " from system"),
                            PartitionChange::Resized => ("update system information about", ""),
                            PartitionChange::Added => ("add", " to system"),
                        };
                        out.warn(&format!("Failed to {verb} partition {n}{tail}: Device or resource busy"));
                    }
                    if !failures.is_empty() {
                        out.info("The kernel still uses the old partitions. The new table will be used at the next reboot. ");
                    }
                    out.info("Syncing disks.");
                    out.raw("\n");
                    return true;
                }
                out.info("Calling ioctl() to re-read partition table.");
                let (reread, evs) = machine.write_label(self.disk, &self.label);
                events.extend(evs);
                // A failed BLKRRPART ends fdisk with status 1 and without
                // `fdisk_deassign_device`'s "Syncing disks.".
                #[cfg(feature = "loop-devices")]
                if reread == Reread::Invalid {
                    out.warn("Re-reading the partition table failed.: Invalid argument");
                    out.info("The kernel still uses the old table. The new table will be used at the next reboot or after you run partprobe(8) or partx(8).");
                    out.raw("\n");
                    self.reread_failed = true;
                    return true;
                }
                out.info("Syncing disks.");
                out.raw("\n");
                return true;
            }
            'q' => {
                out.raw("\n");
                events.push(Event::EditDiscarded { disk: self.disk_name(machine) });
                return true;
            }
            other => out.warn(&format!("{other}: unknown command")),
        }
        false
    }

    /// After `g` or `o`: libfdisk looks at the disk again when the label
    /// changes kind, and fdisk speaks of whatever collision it knows of.
    fn signature_warning(&mut self, machine: &Machine, old_kind: LabelKind, out: &mut Out) {
        if old_kind != self.label.kind {
            self.collision = wipe::check(machine, self.disk, true);
        }
        self.wipe = follow_wipe_mode(self.wipe_mode, self.collision.as_ref(), out);
    }

    fn help(&self) -> String {
        let label_section = match self.label.kind {
            LabelKind::Dos => "  DOS (MBR)\n   a   toggle a bootable flag\n   b   edit nested BSD disklabel\n   c   toggle the dos compatibility flag\n",
            LabelKind::Gpt => "  GPT\n   M   enter protective/hybrid MBR\n",
        };
        let units = if self.label.kind == LabelKind::Dos { "   u   change display/entry units\n" } else { "" };
        format!(
            "\nHelp:\n\n{label_section}\n  Generic\n   d   delete a partition\n   F   list free unpartitioned space\n   l   list known partition types\n   n   add a new partition\n   p   print the partition table\n   t   change a partition type\n   v   verify the partition table\n   i   print information about a partition\n\n  Misc\n   m   print this menu\n{units}   x   extra functionality (experts only)\n\n  Script\n   I   load disk layout from sfdisk script file\n   O   dump disk layout to sfdisk script file\n\n  Save & Exit\n   w   write table to disk and exit\n   q   quit without saving changes\n\n  Create a new label\n   g   create a new empty GPT partition table\n   G   create a new empty SGI (IRIX) partition table\n   o   create a new empty MBR (DOS) partition table\n   s   create a new empty Sun partition table\n\n"
        )
    }

    fn type_list(&self) -> String {
        match self.label.kind {
            LabelKind::Gpt => {
                let mut s = String::new();
                for (i, (guid, name)) in gpt_types().enumerate() {
                    s.push_str(&format!("{:3} {name:<30} {guid}\n", i + 1));
                }
                s.push_str("\nAliases:\n");
                for (alias, guid) in GPT_ALIASES {
                    s.push_str(&format!("   {alias:<14} - {guid}\n"));
                }
                s
            }
            LabelKind::Dos => {
                // Column-major in four columns; earlier columns take the remainder.
                let dos: Vec<(u8, &str)> = dos_types().collect();
                let n = dos.len();
                let sizes: Vec<usize> = (0..4).map(|c| (n + 3 - c) / 4).collect();
                let starts: Vec<usize> = (0..4).map(|c| sizes[..c].iter().sum()).collect();
                let mut s = String::from("\n");
                for r in 0..sizes[0] {
                    let cells: Vec<String> = (0..4)
                        .filter(|c| r < sizes[*c])
                        .map(|c| {
                            let (code, name) = dos[starts[c] + r];
                            let short: String = name.chars().take(15).collect();
                            format!("{code:02x} {short:<15}")
                        })
                        .collect();
                    s.push_str(&cells.join("  "));
                    s.push('\n');
                }
                s.push_str("\nAliases:\n");
                for (alias, code) in DOS_ALIASES {
                    s.push_str(&format!("   {alias:<14} - {code:02X}\n"));
                }
                s
            }
        }
    }

    fn type_prompt(&self) -> &'static str {
        match self.label.kind {
            LabelKind::Gpt => "Partition type or alias (type L to list all): ",
            LabelKind::Dos => "Hex code or alias (type L to list all): ",
        }
    }

    fn used_numbers(&self) -> Vec<u32> {
        self.label.partitions.iter().map(|p| p.number).collect()
    }

    /// For `d` and `t`: picks the only partition, or asks which one.
    fn choose_existing(&mut self, out: &mut Out, ask: Step) -> Option<u32> {
        let used = self.used_numbers();
        match used.as_slice() {
            [] => {
                out.warn("No partition is defined yet!");
                None
            }
            [only] => {
                out.info(&format!("Selected partition {only}"));
                Some(*only)
            }
            _ => {
                self.ask_existing(out, ask);
                None
            }
        }
    }

    fn ask_existing(&mut self, out: &mut Out, ask: Step) {
        let used = self.used_numbers();
        let default = used.last().copied().unwrap_or(1);
        out.ask(&format!("Partition number ({}, default {default}): ", number_ranges(&used)));
        self.step = ask;
    }

    fn pick_existing(&mut self, input: &str, out: &mut Out, ask: Step) -> Option<u32> {
        let used = self.used_numbers();
        let n = if input.is_empty() { used.last().copied() } else { input.parse::<u32>().ok() };
        match n {
            Some(n) if used.contains(&n) => Some(n),
            // A number between the first and the last is taken; the command
            // then finds no partition there.
            Some(n) if used.first().is_some_and(|f| *f <= n) && used.last().is_some_and(|l| n <= *l) => {
                match ask {
                    Step::DeleteNumber => out.warn(&format!("Could not delete partition {n}")),
                    Step::BootNumber => out.info(&format!("The bootable flag on partition {n} is enabled now.")),
                    _ => out.warn(&format!("Partition {n} does not exist yet!")),
                }
                None
            }
            _ => {
                out.warn("Value out of range.");
                self.ask_existing(out, ask);
                None
            }
        }
    }

    #[cfg(feature = "free-space")]
    /// `print_partition_info`: every field of the label that has a value,
    /// one information message each, in the label's field order.
    fn print_info(&self, number: u32, out: &mut Out) {
        let Some(p) = self.label.partitions.iter().find(|p| p.number == number) else { return };
        let fields: &[&str] = match self.label.kind {
            LabelKind::Dos => &["Device", "Boot", "Start", "End", "Sectors", "Cylinders", "Size", "Id", "Type", "Start-C/H/S", "End-C/H/S", "Attrs"],
            LabelKind::Gpt => &["Device", "Start", "End", "Sectors", "Size", "Type", "Type-UUID", "UUID", "Name", "Attrs"],
        };
        for field in fields {
            let (value, _) = cell(field, &self.path, p);
            if !value.is_empty() {
                out.info(&format!("{field:>15}: {value}"));
            }
        }
    }

    /// libfdisk's DOS_FLAG_ACTIVE: the boot flag flips (an extended
    /// partition gets a warning first).
    fn toggle_boot(&mut self, number: u32, out: &mut Out) {
        let Some(p) = self.label.partitions.iter_mut().find(|p| p.number == number) else { return };
        if p.part_type.is_extended() && !p.bootable {
            out.warn(&format!("Partition {number}: is an extended partition."));
        }
        p.bootable = !p.bootable;
        out.info(&format!("The bootable flag on partition {number} is {} now.", if p.bootable { "enabled" } else { "disabled" }));
    }

    fn delete(&mut self, machine: &Machine, number: u32, out: &mut Out, events: &mut Vec<Event>) {
        if self.label.delete(number).is_ok() {
            out.info(&format!("Partition {number} has been deleted."));
            events.push(Event::PartitionUnplanned { disk: self.disk_name(machine), number });
        }
    }

    fn change_type(&mut self, machine: &Machine, input: &str, number: u32, out: &mut Out, events: &mut Vec<Event>) {
        // `L` lists the types and an empty answer asks again.
        if input == "L" || input.is_empty() {
            if input == "L" {
                out.raw(&self.type_list());
            }
            out.prompt(self.type_prompt());
            self.step = Step::TypeCode { number };
            return;
        }
        let parsed = parse_type(self.label.kind, input);
        let Some(p) = self.label.partitions.iter_mut().find(|p| p.number == number) else { return };
        let old = p.part_type.name();
        let Some((t, known)) = parsed else {
            out.info(&format!("Type of partition {number} is unchanged: {old}."));
            return;
        };
        // Code 0 itself, or text that is no code (a code past 0xff is no byte of it).
        if t == PartType::Dos(0) && crate::console::cnum::c_strtol_hex_whole(input).is_none_or(|c| c == 0) {
            out.warn("Type 0 means free space to many systems. Having partitions of type 0 is probably unwise.");
        }
        p.part_type = t;
        let name = if known { t.name() } else { "unknown" };
        out.info(&format!("Changed type of partition '{old}' to '{name}'."));
        events.push(Event::PartitionTypeChanged { disk: self.disk_name(machine), number, type_name: t.name().to_string() });
    }

    fn new_partition(&mut self, out: &mut Out) {
        match self.label.kind {
            LabelKind::Gpt => self.ask_number(out, false),
            LabelKind::Dos => {
                let primaries = self.label.primaries().count();
                let has_ext = self.label.extended().is_some();
                let free_slots = 4usize.saturating_sub(primaries);
                let primary_space = !self.label.free_ranges().is_empty();
                if !primary_space || free_slots == 0 {
                    if has_ext {
                        if free_slots == 0 {
                            out.info("All primary partitions are in use.");
                        } else {
                            out.info("All space for primary partitions is in use.");
                        }
                        self.begin_logical(out);
                    } else if free_slots == 0 {
                        out.info("To create more partitions, first replace a primary with an extended partition.");
                    } else {
                        out.info("All space for primary partitions is in use.");
                    }
                    return;
                }
                let default = if free_slots == 1 && !has_ext { 'e' } else { 'p' };
                out.ask("Partition type\n");
                self.select_menu(out, default);
            }
        }
    }

    fn select_menu(&mut self, out: &mut Out, default: char) {
        let primaries = self.label.primaries().filter(|p| !p.part_type.is_extended()).count();
        let ext = usize::from(self.label.extended().is_some());
        let free = 4usize.saturating_sub(self.label.primaries().count());
        out.raw(&format!("   p   primary ({primaries} primary, {ext} extended, {free} free)\n"));
        if ext == 1 {
            out.raw("   l   logical (numbered from 5)\n");
        } else {
            out.raw("   e   extended (container for logical partitions)\n");
        }
        out.prompt(&format!("Select (default {default}): "));
        self.step = Step::Select { default };
    }

    fn select(&mut self, input: &str, default: char, out: &mut Out) {
        let has_ext = self.label.extended().is_some();
        let choice = match input.chars().next() {
            None => {
                out.info(&format!("Using default response {default}."));
                default
            }
            // fdisk's ask_menu() compares the key case-blind.
            Some(c) => c.to_ascii_lowercase(),
        };
        match choice {
            'p' => self.ask_number(out, false),
            'e' if !has_ext => self.ask_number(out, true),
            'l' if has_ext => self.begin_logical(out),
            _ => {
                out.warn("Value out of range.");
                self.select_menu(out, default);
            }
        }
    }

    /// libfdisk's `fdisk_ask_partnum`: no question for a single free number.
    fn ask_number(&mut self, out: &mut Out, extended: bool) {
        let free = self.label.free_numbers();
        match free.as_slice() {
            [] if self.label.kind == LabelKind::Gpt => out.warn("No free partition available!"),
            [] => out.warn("All primary partitions are in use."),
            [only] => {
                out.info(&format!("Selected partition {only}"));
                self.ask_first(out, *only, extended, 0);
            }
            _ => {
                out.ask(&format!("Partition number ({}, default {}): ", number_ranges(&free), free[0]));
                self.step = Step::Number { extended };
            }
        }
    }

    fn begin_logical(&mut self, out: &mut Out) {
        let number = self.label.next_logical_number();
        out.info(&format!("Adding logical partition {number}"));
        self.ask_first(out, number, false, 0);
    }

    fn number(&mut self, input: &str, extended: bool, out: &mut Out) {
        let free = self.label.free_numbers();
        let n = if input.is_empty() { free.first().copied() } else { input.parse::<u32>().ok() };
        let in_range = n.is_some_and(|n| n >= free.first().copied().unwrap_or(1) && n <= self.label.max_number());
        match n {
            Some(n) if in_range && free.contains(&n) => self.ask_first(out, n, extended, 0),
            _ => {
                out.warn("Value out of range.");
                match self.label.kind {
                    LabelKind::Gpt => self.new_partition(out),
                    LabelKind::Dos => self.ask_number(out, extended),
                }
            }
        }
    }

    /// The free ranges a partition may start in, from the one starting at
    /// `floor` on.
    fn ranges_for(&self, number: u32, floor: u64) -> Vec<(u64, u64)> {
        let ranges = if number > 4 && self.label.kind == LabelKind::Dos { self.label.free_logical_ranges() } else { self.label.free_ranges() };
        ranges.into_iter().filter(|r| r.0 >= floor).collect()
    }

    fn ask_first(&mut self, out: &mut Out, number: u32, extended: bool, floor: u64) {
        let ranges = self.ranges_for(number, floor);
        let Some((low, high)) = self.first_bounds(&ranges) else {
            if number > 4 {
                out.warn("No free sectors available.");
            } else {
                out.warn("No enough free sectors available.");
            }
            return;
        };
        let default = Label::default_first(self.default_range(&ranges));
        out.ask(&format!("First sector ({low}-{high}, default {default}): "));
        self.step = Step::First { number, extended, floor };
    }

    /// The first sector's bounds: the free area on DOS; on GPT libfdisk's
    /// `disk_f` (the first free sector, passing over gaps shorter than a
    /// grain when one lies before partition 1) and `disk_l` (the last free
    /// sector). None when nothing is free, or on GPT when no free area holds
    /// a grain.
    fn first_bounds(&self, ranges: &[(u64, u64)]) -> Option<(u64, u64)> {
        let (&(low, _), &(_, high)) = (ranges.first()?, ranges.last()?);
        if self.label.kind == LabelKind::Dos {
            return Some((low, high));
        }
        let grain = libfdisk::Align::for_disk(self.label.total_sectors).grain_sectors;
        let largest = self.default_range(ranges);
        if largest.1 - largest.0 + 1 < grain {
            return None;
        }
        let gap_first = self.label.partitions.iter().find(|p| p.number == 1).is_some_and(|p| low < p.start_lba);
        let low = if gap_first { ranges.iter().find(|(s, e)| e - s >= grain).map_or(low, |r| r.0) } else { low };
        Some((low, high))
    }

    /// The free range the first sector's default lies in: the first, or on
    /// GPT the largest (libfdisk's `find_first_in_largest()`).
    fn default_range(&self, ranges: &[(u64, u64)]) -> (u64, u64) {
        let largest = ranges.iter().copied().reduce(|a, b| if b.1 - b.0 > a.1 - a.0 { b } else { a });
        match self.label.kind {
            LabelKind::Gpt => largest.unwrap_or((0, 0)),
            LabelKind::Dos => ranges.first().copied().unwrap_or((0, 0)),
        }
    }

    fn first(&mut self, machine: &mut Machine, input: &str, (number, extended, floor): (u32, bool, u64), out: &mut Out, events: &mut Vec<Event>) {
        let ranges = self.ranges_for(number, floor);
        let Some((low, high)) = self.first_bounds(&ranges) else { return };
        // `ask_number`: digits only; a number too long for C is asked again silently.
        let value = if input.is_empty() {
            Some(Label::default_first(self.default_range(&ranges)))
        } else if input.bytes().all(|b| b.is_ascii_digit()) {
            let Ok(v) = input.parse::<u64>() else {
                self.ask_first(out, number, extended, floor);
                return;
            };
            Some(v)
        } else {
            None
        };
        // A sector inside a partition: GPT asks again; DOS moves on to the
        // next free sector and asks from there (`add_partition`).
        let value = value.filter(|v| (low..=high).contains(v));
        if let Some(v) = value.filter(|v| Label::range_containing(&ranges, *v).is_none()) {
            match self.label.kind {
                LabelKind::Gpt => out.warn(&format!("Sector {v} already used.")),
                LabelKind::Dos => out.info(&format!("Sector {v} is already allocated.")),
            }
            let next = ranges.iter().find(|r| r.0 > v).map_or(floor, |r| r.0);
            self.ask_first(out, number, extended, if self.label.kind == LabelKind::Dos { next } else { floor });
            return;
        }
        match value.and_then(|v| Label::range_containing(&ranges, v).map(|r| (v, r))) {
            // A DOS partition starting on the last free sector is that sector (no question).
            Some((first, range)) if self.label.kind == LabelKind::Dos && first == range.1 => self.create(machine, (number, extended, first, first), out, events),
            Some((first, range)) => {
                out.ask(&self.last_prompt(first, range.1));
                self.step = Step::Last { number, extended, first, range_end: range.1 };
            }
            None => {
                out.warn("Value out of range.");
                self.ask_first(out, number, extended, floor);
            }
        }
    }

    /// GPT's default last sector (`gpt_add_partition`): the free area's end,
    /// aligned down when it is the table's end; it may fall below `first`,
    /// and then the prompt offers none.
    fn default_last(&self, first: u64, range_end: u64) -> u64 {
        let align = libfdisk::Align::for_disk(self.label.total_sectors);
        match self.label.kind {
            LabelKind::Gpt if range_end == self.label.last_lba => align.lba_in_range(range_end, first, range_end).wrapping_sub(1),
            _ => range_end,
        }
    }

    fn last_prompt(&self, first: u64, range_end: u64) -> String {
        match self.default_last(first, range_end) {
            d if (first..=range_end).contains(&d) => format!("{LAST_PROMPT} ({first}-{range_end}, default {d}): "),
            _ => format!("{LAST_PROMPT} ({first}-{range_end}): "),
        }
    }

    fn last(&mut self, machine: &mut Machine, input: &str, at: (u32, bool, u64, u64), out: &mut Out, events: &mut Vec<Event>) {
        let (number, extended, first, range_end) = at;
        let default = self.default_last(first, range_end);
        let last = match ask_offset(input, (first, default, range_end)) {
            Offset::Again => None,
            Offset::OutOfRange => {
                out.warn("Value out of range.");
                None
            }
            Offset::Sector(n, relative) => self.aligned_last(n, relative, (first, default, range_end)),
        };
        if let Some(last) = last.filter(|l| *l >= first && *l <= range_end) {
            self.create(machine, (number, extended, first, last), out, events);
        } else {
            if last.is_some() {
                out.warn("Value out of range.");
            }
            out.ask(&self.last_prompt(first, range_end));
            self.step = Step::Last { number, extended, first, range_end };
        }
    }

    /// The end libfdisk makes of a `+/-size{K,M,...}` answer: one sector
    /// before the nearest grain boundary. GPT aligns every such answer within
    /// the default's reach; DOS leaves ends under a grain from the start,
    /// and the area's own end, as typed.
    fn aligned_last(&self, n: u64, relative: bool, (first, default, range_end): (u64, u64, u64)) -> Option<u64> {
        let align = libfdisk::Align::for_disk(self.label.total_sectors);
        let stop = match self.label.kind {
            LabelKind::Gpt if relative => align.lba_in_range(n, first, default),
            LabelKind::Dos if relative && n - first >= align.grain_sectors && n < range_end && align.required() => align.lba_in_range(n, first, range_end),
            _ => return Some(n),
        };
        Some(if stop > first { stop - 1 } else { stop })
    }

    fn create(&mut self, machine: &mut Machine, (number, extended, first, last): (u32, bool, u64, u64), out: &mut Out, events: &mut Vec<Event>) {
        let part_type = if extended { PartType::Dos(0x05) } else { PartType::default_for(self.label.kind) };
        let unique_guid = if self.label.kind == LabelKind::Gpt { machine.new_guid() } else { crate::core::gpt::Guid::ZERO };
        let p = Partition { number, start_lba: first, size_sectors: last - first + 1, part_type, unique_guid, name: String::new(), bootable: false };
        let size_text = human_size(p.size_sectors.saturating_mul(SECTOR_BYTES), SizeStyle::Iec);
        let part = p.info();
        let content = partition_content(machine, self.disk, &p);
        if self.label.add(p).is_ok() {
            out.info(&format!("Created a new partition {number} of type '{}' and of size {size_text}.", part_type.name()));
            if let Some(fstype) = content {
                out.warn(&format!("Partition #{number} contains a {fstype} signature."));
            }
            events.push(Event::PartitionPlanned { disk: self.disk_name(machine), part });
        } else {
            out.warn("Value out of range.");
        }
    }
}

/// A dialog answer as fdisk's `get_user_reply` keeps it: leading blanks
/// dropped, trailing ones kept (so `+100M ` is no number).
fn reply_text(line: &str) -> &str {
    line.trim_start_matches(|c: char| c.is_ascii_whitespace() || c == '\x0b')
}

/// What `ask_offset` makes of a "Last sector" answer.
enum Offset {
    /// Not a number: asked again without a word.
    Again,
    OutOfRange,
    /// The sector, and whether it was a `+/-size` with a unit (relative).
    Sector(u64, bool),
}

/// `ask_offset`: an empty answer is the default (when there is one); an
/// optional sign, then util-linux's `parse_size` (C numbers, fractions,
/// K/M/G... in powers of 1024, KB/MB... of 1000); a signed size with a unit
/// is bytes, rounded to sectors; `+` counts from the first sector, `-` back
/// from the area's end, and a bare number is a sector, whatever its unit.
fn ask_offset(input: &str, (low, default, high): (u64, u64, u64)) -> Offset {
    if input.is_empty() && (low..=high).contains(&default) {
        return Offset::Sector(default, false);
    }
    let (sign, rest) = match input.as_bytes().first() {
        Some(&c @ (b'+' | b'-')) => (Some(c), &input[1..]),
        _ => (None, input),
    };
    let Ok((mut n, power)) = super::cnum::parse_size_power(rest) else { return Offset::Again };
    let relative = sign.is_some() && power > 0;
    if relative {
        n = n.wrapping_add(SECTOR_BYTES / 2) / SECTOR_BYTES;
    }
    n = match sign {
        Some(b'+') => n.wrapping_add(low),
        Some(_) => high.wrapping_sub(n),
        None => n,
    };
    if (low..=high).contains(&n) {
        Offset::Sector(n, relative)
    } else {
        Offset::OutOfRange
    }
}

