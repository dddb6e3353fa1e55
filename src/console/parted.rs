//! GNU parted 3.5 (Debian 12) as a one-shot command: `parted [-s] DEV COMMAND...`
//! and `parted -l`.
//!
//! Modelled, following parted's own source (parted/parted.c, parted/ui.c,
//! libparted/unit.c, cs/constraint.c, cs/natmath.c, labels/gpt.c, labels/dos.c):
//! - option parsing as GNU getopt does it (options anywhere, `--` ends them, so
//!   `-1s` needs `--`): `-s`, `-l`, `-m`, `-j`, `-a none|minimal|optimal`, `-h`, `-v`;
//! - the command words, matched by unique prefix like parted (`mkl`, `pr`), split
//!   as parted splits its arguments, run in order until one fails (exit 1); an
//!   unknown word prints the usage and exits 0, as parted does;
//! - `mklabel gpt|msdos`, `mkpart`, `rm`, `print [free|devices|list|all|N]`,
//!   `unit`, `help`, `version`, `quit`, with parted's error texts and the
//!   "invalid token" complaints for words that match nothing;
//! - locations exactly as `ped_unit_parse` reads them: units s, B, kB, MB, GB, TB,
//!   %, cyl, kiB..TiB, CHS triples, plain numbers in the default unit (MB), negative
//!   numbers counting from the end, the "range" around a location (±half a unit,
//!   none for IEC units), and the IEC end adjustment (`101MiB` ends at 206847s);
//! - partition placement as libparted does it: snapping to nearby boundaries, the
//!   constraint solver with 1 MiB "optimal" alignment, the label's own limits (GPT
//!   usable area, room for the EBRs of logical partitions, msdos 2^32 limits), the
//!   silent retry without alignment, its "closest location we can manage" error
//!   and the "not properly aligned" warning; numbering, GPT names (the first mkpart
//!   word), type GUIDs and MBR type bytes from FS-TYPE (extended is 0x0f, LBA);
//! - `print` in human, machine (`-m`) and JSON (`-j`) form and in every unit, with
//!   parted's number formatting, table layout, free-space rows, File system column
//!   (what is on the partition, or the FS-TYPE given to mkpart earlier in the same
//!   run, as parted keeps it in memory) and flags derived from the type;
//! - a bare filesystem on a device shows as parted's "loop" label;
//! - the kernel update after a write: partitions in use cannot be changed, and
//!   parted's "have been written, but we have been unable to inform the kernel"
//!   error names them; `mklabel` and `rm` refuse mounted or swapped partitions.
//!
//! Simplified:
//! - no interactive mode: without `-s`, parted behaves as with stdin not a
//!   terminal (questions are printed and answered "no", messages wrap at 80
//!   columns), and a missing argument is not prompted for; `parted DEV` alone and
//!   `parted` alone only print a note;
//! - `name`, `set`, `toggle`, `disk_set`, `disk_toggle`, `resizepart`, `rescue`,
//!   `align-check` and `select` are not modelled, nor cylinder alignment (`-a cyl`
//!   acts as `none`), label types other than gpt/msdos, GPT attribute flags
//!   (hidden, legacy_boot) or pmbr_boot; `help COMMAND` shows only the summary;
//! - only whole disks can be changed; partitions and LVs can be printed;
//! - the BIOS geometry is 255 heads × 2 sectors (what parted computes from a
//!   512-byte sector), or 255 × 63 for EBR metadata when an MBR entry's CHS values
//!   reveal it; `-l` lists sda–sdf first, then the other non-loop disks by name
//!   (real parted follows /sys/block order after sda–sdf), and no dm devices.

use crate::core::order::SmallSort;
use crate::core::order::VecMap;
use std::collections::VecDeque;

use crate::core::disk::Transport;
use crate::core::gpt::Guid;
use crate::core::label::{DiskId, Label, LabelKind, PartType, Partition};
use crate::core::lvm::LvKind;
use crate::core::machine::{BlockRef, Machine};

const SECTOR: i64 = 512;
/// The BIOS geometry parted derives from a 512-byte sector size: 255 heads, 1 + 512/512 sectors.
const HEADS: i64 = 255;
const TRACK: i64 = 2;
const CYLINDER: i64 = HEADS * TRACK;
/// PED_DEFAULT_ALIGNMENT (1 MiB) in sectors.
const GRAIN: i64 = 2048;
/// GPT metadata at each end: protective MBR, header and a 128-entry array.
const GPT_ENTRY_SECTORS: i64 = 32;

const WRAP_SCRIPT: usize = 32768;
const WRAP_TTY: usize = 80;

// ---------------------------------------------------------------------------
// Units (libparted/unit.c)

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Unit {
    Sector,
    Byte,
    Kilo,
    Mega,
    Giga,
    Tera,
    Compact,
    Cyl,
    Chs,
    Percent,
    Kibi,
    Mebi,
    Gibi,
    Tebi,
}

const UNITS: [Unit; 14] = [
    Unit::Sector,
    Unit::Byte,
    Unit::Kilo,
    Unit::Mega,
    Unit::Giga,
    Unit::Tera,
    Unit::Compact,
    Unit::Cyl,
    Unit::Chs,
    Unit::Percent,
    Unit::Kibi,
    Unit::Mebi,
    Unit::Gibi,
    Unit::Tebi,
];

impl Unit {
    fn name(self) -> &'static str {
        match self {
            Unit::Sector => "s",
            Unit::Byte => "B",
            Unit::Kilo => "kB",
            Unit::Mega => "MB",
            Unit::Giga => "GB",
            Unit::Tera => "TB",
            Unit::Compact => "compact",
            Unit::Cyl => "cyl",
            Unit::Chs => "chs",
            Unit::Percent => "%",
            Unit::Kibi => "kiB",
            Unit::Mebi => "MiB",
            Unit::Gibi => "GiB",
            Unit::Tebi => "TiB",
        }
    }

    fn is_iec(self) -> bool {
        matches!(self, Unit::Kibi | Unit::Mebi | Unit::Gibi | Unit::Tebi)
    }

    /// `ped_unit_get_size`: bytes in one unit on a device of `length` sectors.
    fn size(self, length: i64) -> i64 {
        match self {
            Unit::Sector | Unit::Chs => SECTOR,
            Unit::Byte => 1,
            Unit::Kilo => 1_000,
            Unit::Mega => 1_000_000,
            Unit::Giga => 1_000_000_000,
            Unit::Tera => 1_000_000_000_000,
            Unit::Kibi => 1 << 10,
            Unit::Mebi => 1 << 20,
            Unit::Gibi => 1 << 30,
            Unit::Tebi => 1 << 40,
            Unit::Cyl => CYLINDER * SECTOR,
            Unit::Percent => length * SECTOR / 100,
            Unit::Compact => 0,
        }
    }
}

/// `ped_unit_format_custom_byte`.
fn format_byte(byte: i64, unit: Unit, length: i64) -> String {
    let sector = byte / SECTOR;
    match unit {
        Unit::Chs => {
            return format!("{},{},{}", sector / TRACK / HEADS, (sector / TRACK) % HEADS, sector % TRACK);
        }
        Unit::Cyl | Unit::Sector | Unit::Byte => return format!("{}{}", byte / unit.size(length), unit.name()),
        _ => {}
    }
    let unit = if unit == Unit::Compact {
        if byte >= 10 * Unit::Tera.size(length) {
            Unit::Tera
        } else if byte >= 10 * Unit::Giga.size(length) {
            Unit::Giga
        } else if byte >= 10 * Unit::Mega.size(length) {
            Unit::Mega
        } else if byte >= 10 * Unit::Kilo.size(length) {
            Unit::Kilo
        } else {
            Unit::Byte
        }
    } else {
        unit
    };
    let size = unit.size(length).max(1) as f64;
    let d = (byte as f64 / size) * (1.0 + f64::EPSILON);
    let w = d + if d < 10.0 {
        0.005
    } else if d < 100.0 {
        0.05
    } else {
        0.5
    };
    let p = if w < 10.0 {
        2
    } else if w < 100.0 {
        1
    } else {
        0
    };
    format!("{}{}", super::fmt::fixed(d, p), unit.name())
}

fn format_sector(sector: i64, unit: Unit, length: i64) -> String {
    format_byte(sector * SECTOR, unit, length)
}

// ---------------------------------------------------------------------------
// Alignment and constraints (libparted/cs)

fn abs_mod(a: i64, b: i64) -> i64 {
    if a < 0 {
        a % b + b
    } else {
        a % b
    }
}

fn round_down_to(sector: i64, grain: i64) -> i64 {
    sector - abs_mod(sector, grain)
}

fn round_up_to(sector: i64, grain: i64) -> i64 {
    if sector % grain != 0 {
        round_down_to(sector, grain) + grain
    } else {
        sector
    }
}

fn div_round_up(a: i64, b: i64) -> i64 {
    (a + b - 1) / b
}

/// An inclusive sector range (a PedGeometry).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Geom {
    start: i64,
    end: i64,
}

impl Geom {
    fn new(start: i64, end: i64) -> Geom {
        Geom { start, end }
    }

    fn contains(&self, s: i64) -> bool {
        self.start <= s && s <= self.end
    }

    fn length(&self) -> i64 {
        self.end - self.start + 1
    }

    fn intersect(&self, o: &Geom) -> Option<Geom> {
        let start = self.start.max(o.start);
        let end = self.end.min(o.end);
        (start <= end).then_some(Geom { start, end })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Align {
    offset: i64,
    grain: i64,
}

const ANY: Align = Align { offset: 0, grain: 1 };

impl Align {
    fn new(offset: i64, grain: i64) -> Align {
        Align { offset: if grain != 0 { abs_mod(offset, grain) } else { offset }, grain }
    }

    fn is_aligned(&self, geom: Option<&Geom>, s: i64) -> bool {
        if geom.is_some_and(|g| !g.contains(s)) {
            return false;
        }
        if self.grain != 0 {
            (s - self.offset) % self.grain == 0
        } else {
            s == self.offset
        }
    }

    fn closest_inside(&self, g: &Geom, mut s: i64) -> i64 {
        if self.grain == 0 {
            return if self.is_aligned(Some(g), s) { s } else { -1 };
        }
        if s < g.start {
            s += round_up_to(g.start - s, self.grain);
        }
        if s > g.end {
            s -= round_up_to(s - g.end, self.grain);
        }
        if g.contains(s) {
            s
        } else {
            -1
        }
    }

    fn align_up(&self, g: &Geom, s: i64) -> i64 {
        let r = if self.grain == 0 { self.offset } else { round_up_to(s - self.offset, self.grain) + self.offset };
        self.closest_inside(g, r)
    }

    fn align_down(&self, g: &Geom, s: i64) -> i64 {
        let r = if self.grain == 0 { self.offset } else { round_down_to(s - self.offset, self.grain) + self.offset };
        self.closest_inside(g, r)
    }

    fn align_nearest(&self, g: &Geom, s: i64) -> i64 {
        let (a, b) = (self.align_up(g, s), self.align_down(g, s));
        if a == -1 {
            return b;
        }
        if b == -1 {
            return a;
        }
        if (s - a).abs() < (s - b).abs() {
            a
        } else {
            b
        }
    }

    /// `ped_alignment_intersect`.
    fn intersect(a: Align, b: Align) -> Option<Align> {
        let (a, b) = if a.grain < b.grain { (b, a) } else { (a, b) };
        if a.grain == 0 && b.grain == 0 {
            return (a.offset == b.offset).then_some(a);
        }
        let (gcd, x, y) = extended_euclid(a.grain, b.grain);
        let delta_on_gcd = (b.offset - a.offset) / gcd;
        let new_offset = a.offset + x * delta_on_gcd * a.grain;
        let new_grain = a.grain * b.grain / gcd;
        if new_offset != b.offset - y * delta_on_gcd * b.grain {
            return None;
        }
        Some(Align::new(new_offset, new_grain))
    }
}

fn extended_euclid(a: i64, b: i64) -> (i64, i64, i64) {
    if b == 0 {
        return (a, 1, 0);
    }
    let (gcd, x, y) = extended_euclid(b, a % b);
    (gcd, y, x - (a / b) * y)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Constraint {
    start_align: Align,
    end_align: Align,
    start_range: Geom,
    end_range: Geom,
    min_size: i64,
    max_size: i64,
}

impl Constraint {
    fn from_max(g: Geom) -> Constraint {
        Constraint { start_align: ANY, end_align: ANY, start_range: g, end_range: g, min_size: 1, max_size: g.length() }
    }

    fn any(length: i64) -> Constraint {
        let whole = Geom::new(0, length - 1);
        Constraint { start_align: ANY, end_align: ANY, start_range: whole, end_range: whole, min_size: 1, max_size: length }
    }

    fn intersect(a: Option<&Constraint>, b: Option<&Constraint>) -> Option<Constraint> {
        let (a, b) = (a?, b?);
        Some(Constraint {
            start_align: Align::intersect(a.start_align, b.start_align)?,
            end_align: Align::intersect(a.end_align, b.end_align)?,
            start_range: a.start_range.intersect(&b.start_range)?,
            end_range: a.end_range.intersect(&b.end_range)?,
            min_size: a.min_size.max(b.min_size),
            max_size: a.max_size.min(b.max_size),
        })
    }

    fn canonical_start_range(&self) -> Option<Geom> {
        if self.min_size > self.max_size {
            return None;
        }
        let first_end = self.end_align.align_down(&self.end_range, self.end_range.start);
        let last_end = self.end_align.align_up(&self.end_range, self.end_range.end);
        if first_end == -1 || last_end == -1 || first_end > last_end || last_end < self.min_size {
            return None;
        }
        let min_start = first_end.saturating_sub(self.max_size).saturating_add(1).max(0);
        let max_start = last_end - self.min_size + 1;
        if max_start < 0 {
            return None;
        }
        Geom::new(min_start, max_start).intersect(&self.start_range)
    }

    fn end_range_for(&self, start: i64, length: i64) -> Option<Geom> {
        if start.saturating_add(self.min_size) - 1 > length - 1 {
            return None;
        }
        let first = start + self.min_size - 1;
        let last = start.saturating_add(self.max_size - 1).min(length - 1);
        if last < first {
            return None;
        }
        Geom::new(first, last).intersect(&self.end_range)
    }

    /// `ped_constraint_solve_nearest`.
    fn solve_nearest(&self, g: Geom, length: i64) -> Option<Geom> {
        let start = self.start_align.align_nearest(&self.canonical_start_range()?, g.start);
        if start == -1 {
            return None;
        }
        let end = self.end_align.align_nearest(&self.end_range_for(start, length)?, g.end);
        if end == -1 {
            return None;
        }
        Some(Geom::new(start, end))
    }
}

// ---------------------------------------------------------------------------
// Devices and tables

#[derive(Debug, Clone, PartialEq, Eq)]
enum Target {
    Disk(usize),
    Partition(usize, u32),
    Lv,
}

#[derive(Debug, Clone)]
struct Device {
    path: String,
    length: i64,
    model: String,
    transport: &'static str,
    target: Target,
}

/// What `ped_disk_new` finds on a device.
#[derive(Debug, Clone)]
enum Table {
    Label(Label),
    /// parted's "loop" label: a filesystem on the whole device.
    Loop(&'static str),
}

/// The name parted's probes give a filesystem, if parted recognises it.
fn parted_fs_name(fstype: &str) -> Option<&'static str> {
    Some(match fstype {
        "ext2" => "ext2",
        "ext3" => "ext3",
        "ext4" => "ext4",
        "xfs" => "xfs",
        "btrfs" => "btrfs",
        "swap" => "linux-swap(v1)",
        "vfat" => "fat32",
        "ntfs" => "ntfs",
        _ => return None,
    })
}

fn sd_model(model: Option<&str>) -> String {
    match model {
        Some(m) => format!("ATA {}", m.chars().take(16).collect::<String>()),
        None => "Generic SCSI".into(),
    }
}

fn open_device(machine: &Machine, path: &str) -> Option<Device> {
    let r = machine.resolve(path)?;
    let length = (machine.size_of(&r) / SECTOR as u64) as i64;
    if length == 0 {
        return None;
    }
    let dev = match r {
        BlockRef::Disk { disk } => {
            let d = &machine.disks[disk];
            let (model, transport) = match d.transport {
                Transport::Loop => ("Loopback device".to_string(), "loopback"),
                Transport::Sata => (sd_model(d.model.as_deref()), "scsi"),
                Transport::Nvme => (d.model.clone().unwrap_or_else(|| "NVMe Device".into()), "nvme"),
            };
            Device { path: path.to_string(), length, model, transport, target: Target::Disk(disk) }
        }
        BlockRef::Partition { disk, number } => {
            let d = &machine.disks[disk];
            let (model, transport) = match d.transport {
                Transport::Sata => (sd_model(d.model.as_deref()), "scsi"),
                Transport::Nvme => ("NVMe Device".to_string(), "nvme"),
                Transport::Loop => ("Unknown".to_string(), "unknown"),
            };
            Device { path: path.to_string(), length, model, transport, target: Target::Partition(disk, number) }
        }
        BlockRef::Lv { ref vg, ref lv } => {
            let v = machine.lvm.vg(vg)?;
            let l = v.lv(lv)?;
            let kind = match &l.kind {
                LvKind::Thin { .. } => "thin",
                LvKind::ThinPool { tpool_minor: None, .. } => "thin-pool",
                _ => "linear",
            };
            // ped_device_get canonicalizes every path but /dev/mapper/*.
            let shown = if path.starts_with("/dev/mapper/") {
                path.to_string()
            } else {
                l.dm_minor.map_or_else(|| path.to_string(), |m| format!("/dev/dm-{m}"))
            };
            Device { path: shown, length, model: format!("Linux device-mapper ({kind})"), transport: "dm", target: Target::Lv }
        }
    };
    Some(dev)
}

/// The canonical path a filesystem on the device is recorded under.
fn fs_key(machine: &Machine, dev: &Device, input_path: &str) -> String {
    match machine.resolve(input_path) {
        Some(r) => machine.canonical_path(&r),
        None => dev.path.clone(),
    }
}

/// GPT type GUIDs that carry a parted flag, in parted's flag order.
const GPT_FLAGS: &[(&str, &[&str])] = &[
    ("C12A7328-F81F-11D2-BA4B-00A0C93EC93B", &["boot", "esp"]),
    ("0657FD6D-A4AB-43C4-84E5-0933C84B4F4F", &["swap"]),
    ("A19D880F-05FC-4D3B-A006-743F0F84911E", &["raid"]),
    ("E6D6D379-F507-44C2-A23C-238F2A3DF928", &["lvm"]),
    ("E2A1E728-32E3-11D6-A682-7B03A0000000", &["hp-service"]),
    ("9E1A2D38-C612-4316-AA26-8B49521E5A8B", &["prep"]),
    ("E3C9E316-0B5C-4DB8-817D-F92DF00215AE", &["msftres"]),
    ("21686148-6449-6E6F-744E-656564454649", &["bios_grub"]),
    ("5265636F-7665-11AA-AA11-00306543ECAC", &["atvrecv"]),
    ("DE94BBA4-06D1-4D40-A16A-BFD50179D6AC", &["diag"]),
    ("EBD0A0A2-B9E5-4433-87C0-68B6B72699C7", &["msftdata"]),
    ("D3BFE2DE-3DAF-11DF-BA40-E3A556D89593", &["irst"]),
    ("FE3A2A5D-4F32-41A7-B725-ACCC3285A309", &["chromeos_kernel"]),
    ("BC13C2FF-59E6-4262-A352-B275FD6F7172", &["bls_boot"]),
    ("933AC7E1-2EB4-4F13-B844-0E14E2AEF915", &["linux-home"]),
];

fn gpt_flags(guid: &Guid) -> Vec<&'static str> {
    let text = guid.to_string();
    GPT_FLAGS.iter().find(|(g, _)| g.eq_ignore_ascii_case(&text)).map_or_else(Vec::new, |(_, f)| f.to_vec())
}

/// The flags parted reads from an MBR entry, in parted's flag order.
fn dos_flags(code: u8, bootable: bool, lba: bool) -> Vec<&'static str> {
    let mut f = Vec::new();
    if bootable {
        f.push("boot");
    }
    if code == 0x82 {
        f.push("swap");
    }
    if matches!(code, 0x11 | 0x14 | 0x16 | 0x17 | 0x1b | 0x1c | 0x1e) {
        f.push("hidden");
    }
    if code == 0xfd {
        f.push("raid");
    }
    if code == 0x8e || code == 0xfe {
        f.push("lvm");
    }
    if lba || matches!(code, 0x0c | 0x0e | 0x0f | 0x1c | 0x1e) {
        f.push("lba");
    }
    if code == 0xf0 {
        f.push("palo");
    }
    if code == 0x41 {
        f.push("prep");
    }
    if code == 0x27 {
        f.push("msftres");
    }
    if code == 0x12 || code == 0xde {
        f.push("diag");
    }
    if code == 0x84 {
        f.push("irst");
    }
    if code == 0xef {
        f.push("esp");
    }
    if code == 0xea {
        f.push("bls_boot");
    }
    f
}

/// Every FS-TYPE name libparted registers, then the aliases.
const FS_TYPES: &[&str] = &[
    "affs0", "affs1", "affs2", "affs3", "affs4", "affs5", "affs6", "affs7", "amufs", "amufs0", "amufs1", "amufs2",
    "amufs3", "amufs4", "amufs5", "apfs1", "apfs2", "asfs", "btrfs", "ext2", "ext3", "ext4", "f2fs", "fat16", "fat32",
    "hfs", "hfs+", "hfsx", "hp-ufs", "jfs", "linux-swap(v0)", "linux-swap(v1)", "nilfs2", "ntfs", "reiserfs",
    "sun-ufs", "swsusp", "udf", "xfs", "linux-swap(old)", "linux-swap(new)", "linux-swap",
];

fn canonical_fs(name: &str) -> &'static str {
    match name {
        "linux-swap(old)" => "linux-swap(v0)",
        "linux-swap(new)" | "linux-swap" => "linux-swap(v1)",
        other => FS_TYPES.iter().find(|f| **f == other).copied().unwrap_or("ext2"),
    }
}

const DISK_TYPES: &[&str] = &["aix", "amiga", "atari", "bsd", "dvh", "gpt", "loop", "mac", "msdos", "pc98", "sun"];

/// `str_list_match`: an exact (case-insensitive) match, else a unique prefix.
fn match_word<'a>(options: &[&'a str], word: &str) -> Option<&'a str> {
    let lw = word.to_ascii_lowercase();
    if let Some(exact) = options.iter().find(|o| o.to_ascii_lowercase() == lw) {
        return Some(exact);
    }
    let partial: Vec<&&str> = options.iter().filter(|o| o.to_ascii_lowercase().starts_with(&lw)).collect();
    match partial.as_slice() {
        [one] => Some(one),
        _ => None,
    }
}

// ---------------------------------------------------------------------------
// The command table

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Cmd {
    AlignCheck,
    Help,
    Mklabel,
    Mkpart,
    Name,
    Print,
    Quit,
    Rescue,
    Resize,
    Resizepart,
    Rm,
    Select,
    DiskSet,
    DiskToggle,
    Set,
    Toggle,
    Unit,
    Version,
}

const COMMANDS: &[(&[&str], Cmd, Option<&str>)] = &[
    (&["align-check"], Cmd::AlignCheck, Some("align-check TYPE N                       check partition N for TYPE(min|opt) alignment")),
    (&["help"], Cmd::Help, Some("help [COMMAND]                           print general help, or help on COMMAND")),
    (&["mklabel", "mktable"], Cmd::Mklabel, Some("mklabel,mktable LABEL-TYPE               create a new disklabel (partition table)")),
    (&["mkpart"], Cmd::Mkpart, Some("mkpart PART-TYPE [FS-TYPE] START END     make a partition")),
    (&["name"], Cmd::Name, Some("name NUMBER NAME                         name partition NUMBER as NAME")),
    (&["print"], Cmd::Print, Some("print [devices|free|list,all]            display the partition table, or available devices, or free space, or all found partitions")),
    (&["quit"], Cmd::Quit, Some("quit                                     exit program")),
    (&["rescue"], Cmd::Rescue, Some("rescue START END                         rescue a lost partition near START and END")),
    (&["resize"], Cmd::Resize, None),
    (&["resizepart"], Cmd::Resizepart, Some("resizepart NUMBER END                    resize partition NUMBER")),
    (&["rm"], Cmd::Rm, Some("rm NUMBER                                delete partition NUMBER")),
    (&["select"], Cmd::Select, Some("select DEVICE                            choose the device to edit")),
    (&["disk_set"], Cmd::DiskSet, Some("disk_set FLAG STATE                      change the FLAG on selected device")),
    (&["disk_toggle"], Cmd::DiskToggle, Some("disk_toggle [FLAG]                       toggle the state of FLAG on selected device")),
    (&["set"], Cmd::Set, Some("set NUMBER FLAG STATE                    change the FLAG on partition NUMBER")),
    (&["toggle"], Cmd::Toggle, Some("toggle [NUMBER [FLAG]]                   toggle the state of FLAG on partition NUMBER")),
    (&["unit"], Cmd::Unit, Some("unit UNIT                                set the default unit to UNIT")),
    (&["version"], Cmd::Version, Some("version                                  display the version number and copyright information of GNU Parted")),
];

/// `command_get`: an exact name, or a prefix of exactly one command.
fn command_get(word: &str) -> Option<Cmd> {
    let lw = word.to_ascii_lowercase();
    let mut partial: Option<Cmd> = None;
    let mut ambiguous = false;
    for (names, cmd, _) in COMMANDS {
        let m = names.iter().map(|n| {
            if n.to_ascii_lowercase() == lw {
                2
            } else if n.starts_with(&lw) {
                1
            } else {
                0
            }
        });
        match m.max().unwrap_or(0) {
            2 => return Some(*cmd),
            1 if !ambiguous => {
                if partial.is_none() {
                    partial = Some(*cmd);
                } else {
                    partial = None;
                    ambiguous = true;
                }
            }
            _ => {}
        }
    }
    partial
}

/// parted's `str_list_print_wrap`: wraps at `width`, continuing lines after `indent`.
fn print_wrap(list: &[&str], width: usize, offset: usize, indent: usize) -> String {
    let width = width as i64;
    let mut out = String::new();
    let mut line_left = width - offset as i64;
    let is_space = |c: char| c == ' ';
    let is_break = |c: char| !c.is_alphanumeric() && !c.is_ascii_punctuation();
    for (k, item) in list.iter().enumerate() {
        let mut s: Vec<char> = item.chars().collect();
        let last = k + 1 == list.len();
        while line_left < s.len() as i64 || s.contains(&'\n') {
            let len = s.len() as i64;
            let mut line_break = false;
            let mut cut_left = (line_left - 1).min(len - 1).max(0);
            if cut_left < len && s.get(cut_left as usize + 1).is_some_and(|c| is_space(*c)) {
                cut_left += 1;
            }
            while cut_left > 0 && !is_break(s[cut_left as usize]) {
                cut_left -= 1;
            }
            while cut_left > 0 && is_space(s[cut_left as usize]) {
                cut_left -= 1;
            }
            if let Some(nl) = s.iter().take(cut_left as usize + 1).position(|c| *c == '\n') {
                cut_left = nl as i64 - 1;
                line_break = true;
            }
            let mut cut_right = cut_left + if line_break { 2 } else { 1 };
            while cut_right < len && is_space(s[cut_right as usize]) {
                cut_right += 1;
            }
            if cut_left > 0 {
                out.extend(&s[..cut_left as usize + 1]);
            }
            s.drain(..(cut_right.min(len) as usize));
            line_left = width - indent as i64;
            if !last || !s.is_empty() {
                out.push('\n');
                out.push_str(&" ".repeat(indent));
            } else if line_break {
                out.push('\n');
            }
        }
        out.extend(&s);
        line_left -= s.len() as i64;
    }
    out
}

/// `command_line_push_line` in multi-word mode: how parted splits each argument.
fn push_line(words: &mut VecDeque<String>, line: &str) {
    let chars: Vec<char> = line.chars().collect();
    let (mut quoted, mut quotes_empty, mut quote_char) = (false, false, '\0');
    let mut i = 0;
    loop {
        while i < chars.len() && chars[i] == ' ' {
            i += 1;
        }
        let mut word = String::new();
        let mut count = 0;
        while i < chars.len() && count < 255 {
            let c = chars[i];
            if c == ' ' && !quoted {
                break;
            }
            if !quoted && (c == '\'' || c == '"') {
                quoted = true;
                quote_char = c;
                i += 1;
                continue;
            }
            if quoted && c == quote_char {
                quoted = false;
                if count == 0 {
                    quotes_empty = true;
                }
                i += 1;
                continue;
            }
            if quoted && c == '\\' && i + 1 < chars.len() {
                i += 1;
            }
            quotes_empty = false;
            word.push(chars[i]);
            count += 1;
            i += 1;
        }
        if count > 0 || quotes_empty {
            quotes_empty = false;
            words.push_back(word);
        }
        if i >= chars.len() {
            break;
        }
    }
}

// ---------------------------------------------------------------------------
// The layout libparted keeps: metadata, partitions and free space in disk order

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum RKind {
    Meta,
    Free,
    Part,
    Extended,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Region {
    geom: Geom,
    kind: RKind,
    logical: bool,
    number: u32,
}

fn part_geom(p: &Partition) -> Geom {
    Geom::new(p.start_lba as i64, p.end_lba() as i64)
}

fn with_free(items: Vec<Region>, lo: i64, hi: i64, logical: bool) -> Vec<Region> {
    let mut items = items;
    items.small_sort_by_key(|r| (r.geom.start, r.geom.end));
    let mut out = Vec::new();
    let mut last_end = lo - 1;
    for r in items {
        if r.geom.start > last_end + 1 {
            out.push(Region { geom: Geom::new(last_end + 1, r.geom.start - 1), kind: RKind::Free, logical, number: 0 });
        }
        last_end = r.geom.end;
        out.push(r);
    }
    if last_end < hi {
        out.push(Region { geom: Geom::new(last_end + 1, hi), kind: RKind::Free, logical, number: 0 });
    }
    out
}

/// The BIOS geometry (sectors per cylinder, per track) libparted uses for the EBR
/// metadata of logical partitions. It is read back from the CHS values of a
/// primary entry when one can be solved (ours are written as 255×63), else it is
/// the device's 255×2. Partitions created in this run have no entry to read yet.
fn dos_logical_geometry(label: &Label, new_this_run: &VecMap<u32, Extra>) -> (i64, i64) {
    const CHS_CYL: i64 = 255 * 63;
    let chs = |lba: i64| (lba / CHS_CYL, (lba % CHS_CYL) / 63);
    let solvable = label.primaries().filter(|p| !new_this_run.contains_key(&p.number)).any(|p| {
        let (a, z) = (p.start_lba as i64, p.end_lba() as i64);
        let ((c, h), (cc, hh)) = (chs(a), chs(z));
        (1..=1023).contains(&cc) && c <= cc && c * hh - cc * h != 0
    });
    if solvable {
        (CHS_CYL, 63)
    } else {
        (CYLINDER, TRACK)
    }
}

/// The partition list as libparted walks it outside "update mode".
fn layout(label: &Label, length: i64, logical_geometry: (i64, i64)) -> Vec<Region> {
    let (log_cyl, log_track) = logical_geometry;
    let region = |p: &Partition| Region {
        geom: part_geom(p),
        kind: if p.part_type.is_extended() { RKind::Extended } else { RKind::Part },
        logical: p.is_logical(),
        number: p.number,
    };
    match label.kind {
        LabelKind::Gpt => {
            let mut items: Vec<Region> = label.partitions.iter().map(region).collect();
            items.push(Region { geom: Geom::new(0, 1 + GPT_ENTRY_SECTORS), kind: RKind::Meta, logical: false, number: 0 });
            items.push(Region {
                geom: Geom::new(length - 1 - GPT_ENTRY_SECTORS, length - 1),
                kind: RKind::Meta,
                logical: false,
                number: 0,
            });
            with_free(items, 0, length - 1, false)
        }
        LabelKind::Dos => {
            let mut top: Vec<Region> = label.primaries().map(region).collect();
            let first = top.iter().map(|r| r.geom.start).min();
            let init_end = match first {
                Some(f) => (TRACK - 1).min(f - 1),
                None => TRACK - 1,
            };
            if 0 < init_end && init_end <= length {
                top.push(Region { geom: Geom::new(0, init_end), kind: RKind::Meta, logical: false, number: 0 });
            }
            let top = with_free(top, 0, length - 1, false);
            let mut out = Vec::new();
            for r in top {
                out.push(r);
                if r.kind != RKind::Extended {
                    continue;
                }
                let ext = r.geom;
                let mut logicals: Vec<&Partition> = label.logicals().collect();
                logicals.small_sort_by_key(|p| p.start_lba);
                let mut sub: Vec<Region> = Vec::new();
                let mut prev_end: Option<i64> = None;
                for p in &logicals {
                    let g = part_geom(p);
                    let meta_end = g.start - 1;
                    let meta_start = round_down_to(meta_end, log_cyl).max(prev_end.map_or(ext.start + 1, |e| e + 1));
                    let meta_len = meta_end - meta_start + 1;
                    if !(p.number == 5 && meta_len < log_track) && meta_len > 0 {
                        sub.push(Region { geom: Geom::new(meta_start, meta_end), kind: RKind::Meta, logical: true, number: 0 });
                    }
                    prev_end = Some(g.end);
                }
                let mut ext_meta_end = ext.start + log_track - 1;
                if let Some(first) = sub.iter().map(|s| s.geom.start).chain(logicals.iter().map(|p| p.start_lba as i64)).min() {
                    ext_meta_end = ext_meta_end.min(first - 1);
                }
                if ext_meta_end >= ext.start {
                    sub.push(Region { geom: Geom::new(ext.start, ext_meta_end), kind: RKind::Meta, logical: true, number: 0 });
                }
                sub.extend(logicals.iter().map(|p| region(p)));
                // Free space inside the extended partition starts after its first sector.
                out.extend(with_free(sub, ext.start + 1, ext.end, true));
            }
            out
        }
    }
}

/// `ped_disk_get_partition_by_sector`.
fn region_at(layout: &[Region], s: i64) -> Option<(usize, Region)> {
    let mut backup = None;
    for (i, r) in layout.iter().enumerate() {
        if r.geom.contains(s) {
            if r.kind != RKind::Extended {
                return Some((i, *r));
            }
            backup = Some((i, *r));
        }
    }
    backup
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Move {
    Still,
    Up,
    Down,
}

const ALLOW_UP: u8 = 2;
const ALLOW_DOWN: u8 = 4;

fn prefer_snap(s: i64, what: i64, range: &Geom, allow: &mut u8, part: &Region) -> (Move, i64) {
    if *allow & (ALLOW_UP | ALLOW_DOWN) == 0 {
        return (Move::Still, 0);
    }
    let (mut up, mut down) = (-1, -1);
    if *allow & ALLOW_UP != 0 {
        let n = part.geom.end + 1 + what;
        if range.contains(n) {
            up = n - s;
        } else {
            *allow &= !ALLOW_UP;
        }
    }
    if *allow & ALLOW_DOWN != 0 {
        let n = part.geom.start + what;
        if range.contains(n) {
            down = s - n;
        } else {
            *allow &= !ALLOW_DOWN;
        }
    }
    let can_up = *allow & ALLOW_UP != 0;
    let can_down = *allow & ALLOW_DOWN != 0;
    let m = if can_up && can_down {
        if down < up || (down == up && what == 0) {
            Move::Down
        } else {
            Move::Up
        }
    } else if can_up {
        Move::Up
    } else if can_down {
        Move::Down
    } else {
        Move::Still
    };
    let dist = match m {
        Move::Down => down,
        Move::Up => up,
        Move::Still => 0,
    };
    (m, dist)
}

/// parted's `snap_to_boundaries`: moves the ends onto nearby partition or
/// free-space boundaries when those lie inside the ranges the user meant.
fn snap_to_boundaries(geom: Geom, layout: &[Region], rs: &Geom, re: &Geom) -> Geom {
    let (Some((si, sp)), Some((ei, ep))) = (region_at(layout, geom.start), region_at(layout, geom.end)) else {
        return geom;
    };
    let mut start_allow = 1 | ALLOW_UP | ALLOW_DOWN;
    let mut end_allow = 1 | ALLOW_UP | ALLOW_DOWN;
    let adjacent = sp.geom.end + 1 == ep.geom.start;
    if si == ei {
        start_allow &= !ALLOW_UP;
        end_allow &= !ALLOW_DOWN;
    }
    let (mut sw, sd) = prefer_snap(geom.start, 0, rs, &mut start_allow, &sp);
    let (mut ew, ed) = prefer_snap(geom.end, -1, re, &mut end_allow, &ep);
    if adjacent && sw == Move::Up && ew == Move::Down {
        if ed < sd {
            start_allow &= !ALLOW_UP;
            sw = prefer_snap(geom.start, 0, rs, &mut start_allow, &sp).0;
        } else {
            end_allow &= !ALLOW_DOWN;
            ew = prefer_snap(geom.end, -1, re, &mut end_allow, &ep).0;
        }
    }
    let start = match sw {
        Move::Down => sp.geom.start,
        Move::Up => sp.geom.end + 1,
        Move::Still => geom.start,
    };
    let end = match ew {
        Move::Down => ep.geom.start - 1,
        Move::Up => ep.geom.end,
        Move::Still => geom.end,
    };
    if start <= end {
        Geom::new(start, end)
    } else {
        geom
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum PType {
    Normal,
    Extended,
    Logical,
}

// ---------------------------------------------------------------------------
// The run

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Alignment {
    None,
    Cylinder,
    Minimal,
    Optimal,
}

/// One line of `print`: a partition or, with `print free`, free space.
#[derive(Debug, Clone)]
struct Row {
    number: Option<u32>,
    geom: Geom,
    /// parted's partition type name: primary, logical, extended or free.
    kind: &'static str,
    fs: String,
    name: String,
    flags: Vec<&'static str>,
}

/// What mkpart set on a partition earlier in the same run, which parted keeps in memory.
#[derive(Debug, Clone, Copy, Default)]
struct Extra {
    fs: Option<&'static str>,
    lba: bool,
}

struct Parted<'a> {
    machine: &'a mut Machine,
    out: String,
    script: bool,
    alignment: Alignment,
    unit: Unit,
    words: VecDeque<String>,
    modified: bool,
    extras: VecMap<u32, Extra>,
}

const USAGE: &str = "Usage: parted [-hlmsfv] [-a<align>] [DEVICE [COMMAND [PARAMETERS]]...]\n";

/// Runs `parted ARGS...` and returns what it prints and its exit status.
pub fn run(machine: &mut Machine, args: &[String]) -> (String, i32) {
    let mut p = Parted {
        machine,
        out: String::new(),
        script: false,
        alignment: Alignment::Optimal,
        unit: Unit::Compact,
        words: VecDeque::new(),
        modified: false,
        extras: VecMap::new(),
    };
    let status = p.main(args);
    (p.out, status)
}

const LONG_OPTIONS: &[(&str, char, bool)] = &[
    ("help", 'h', false),
    ("list", 'l', false),
    ("machine", 'm', false),
    ("json", 'j', false),
    ("script", 's', false),
    ("fix", 'f', false),
    ("version", 'v', false),
    ("align", 'a', true),
    ("-pretend-input-tty", 'P', false),
];

impl Parted<'_> {
    fn width(&self) -> usize {
        if self.script {
            WRAP_SCRIPT
        } else {
            WRAP_TTY
        }
    }

    /// An exception as parted's handler prints it ("Error: ...").
    fn throw(&mut self, kind: &str, message: &str) {
        let text = print_wrap(&[kind, ": ", message, "\n"], self.width(), 0, 0);
        self.out.push_str(&text);
    }

    fn error(&mut self, message: &str) {
        self.throw("Error", message);
    }

    fn note(&mut self, text: &str) -> i32 {
        self.out.push_str(&format!("storage-lab: {text}\n"));
        1
    }

    fn main(&mut self, args: &[String]) -> i32 {
        let mut operands: Vec<String> = Vec::new();
        let (mut help, mut list, mut version, mut wrong) = (false, false, false, false);
        let mut i = 0;
        let mut ended = false;
        while i < args.len() {
            let a = &args[i];
            i += 1;
            if ended || a == "-" || !a.starts_with('-') {
                operands.push(a.clone());
                continue;
            }
            if a == "--" {
                ended = true;
                continue;
            }
            let mut opts: Vec<(char, Option<String>)> = Vec::new();
            if let Some(long) = a.strip_prefix("--") {
                let (name, value) = match long.split_once('=') {
                    Some((n, v)) => (n, Some(v.to_string())),
                    None => (long, None),
                };
                let exact = LONG_OPTIONS.iter().find(|(n, _, _)| *n == name);
                let partial: Vec<_> = LONG_OPTIONS.iter().filter(|(n, _, _)| n.starts_with(name)).collect();
                let found = exact.or(if partial.len() == 1 { Some(partial[0]) } else { None });
                match found {
                    None if partial.len() > 1 => {
                        let names: Vec<String> = partial.iter().map(|(n, _, _)| format!("'--{n}'")).collect();
                        self.out.push_str(&format!("parted: option '{a}' is ambiguous; possibilities: {}\n", names.join(" ")));
                        wrong = true;
                    }
                    None => {
                        self.out.push_str(&format!("parted: unrecognized option '{a}'\n"));
                        wrong = true;
                    }
                    Some((n, c, has_arg)) => {
                        if *has_arg {
                            let v = value.or_else(|| {
                                let v = args.get(i).cloned();
                                if v.is_some() {
                                    i += 1;
                                }
                                v
                            });
                            match v {
                                Some(v) => opts.push((*c, Some(v))),
                                None => {
                                    self.out.push_str(&format!("parted: option '--{n}' requires an argument\n"));
                                    wrong = true;
                                }
                            }
                        } else if value.is_some() {
                            self.out.push_str(&format!("parted: option '--{n}' doesn't allow an argument\n"));
                            wrong = true;
                        } else {
                            opts.push((*c, None));
                        }
                    }
                }
            } else {
                let chars: Vec<char> = a[1..].chars().collect();
                let mut k = 0;
                while k < chars.len() {
                    let c = chars[k];
                    k += 1;
                    match c {
                        'h' | 'l' | 'm' | 'j' | 's' | 'f' | 'v' => opts.push((c, None)),
                        'a' => {
                            let rest: String = chars[k..].iter().collect();
                            k = chars.len();
                            let v = if !rest.is_empty() {
                                Some(rest)
                            } else {
                                let v = args.get(i).cloned();
                                if v.is_some() {
                                    i += 1;
                                }
                                v
                            };
                            match v {
                                Some(v) => opts.push(('a', Some(v))),
                                None => {
                                    self.out.push_str("parted: option requires an argument -- 'a'\n");
                                    wrong = true;
                                }
                            }
                        }
                        other => {
                            self.out.push_str(&format!("parted: invalid option -- '{other}'\n"));
                            wrong = true;
                        }
                    }
                }
            }
            for (c, v) in opts {
                match c {
                    'h' => help = true,
                    'l' => list = true,
                    'm' | 'j' => return self.note("parted's machine-readable (-m) and JSON (-j) output are not modelled in this simulator"),
                    's' => self.script = true,
                    'f' | 'P' => {}
                    'v' => version = true,
                    'a' => {
                        let v = v.unwrap_or_default();
                        match match_word(&["none", "cylinder", "minimal", "optimal"], &v) {
                            Some("none") => self.alignment = Alignment::None,
                            Some("cylinder") => self.alignment = Alignment::Cylinder,
                            Some("minimal") => self.alignment = Alignment::Minimal,
                            Some(_) => self.alignment = Alignment::Optimal,
                            None => {
                                let v = if v.is_empty() { String::new() } else { v };
                                self.out.push_str(&format!(
                                    "parted: invalid argument '{v}' for '--align'\nValid arguments are:\n  - 'none'\n  - 'cylinder'\n  - 'minimal'\n  - 'optimal'\n"
                                ));
                                self.out.push_str(USAGE);
                                return 1;
                            }
                        }
                    }
                    _ => {}
                }
            }
        }
        if wrong {
            self.out.push_str(USAGE);
            return 1;
        }
        if version {
            self.out.push_str(VERSION);
            return 0;
        }
        if help {
            self.help_msg();
            return 0;
        }
        if list {
            return self.note("parted -l is not modelled in this simulator; name a device, e.g. parted -s /dev/sdb print");
        }
        let Some((dev_path, commands)) = operands.split_first() else {
            return self.note("parted's interactive mode is not simulated; give a device and commands, e.g. parted -s /dev/sdb print");
        };
        let Some(dev) = open_device(self.machine, dev_path) else {
            self.error(&format!("Could not stat device {dev_path} - No such file or directory."));
            return 1;
        };
        if commands.is_empty() && !self.script {
            return self.note(&format!(
                "parted's interactive mode is not simulated; give commands, e.g. parted {dev_path} print"
            ));
        }
        for c in commands {
            push_line(&mut self.words, c);
        }
        let mut status = 0;
        while let Some(word) = self.words.pop_front() {
            let Some(cmd) = command_get(&word) else {
                // help_msg() exits at once, before parted's usual goodbye.
                self.help_msg();
                return 0;
            };
            if !self.command(cmd, &dev, dev_path) {
                status = 1;
                break;
            }
            if cmd == Cmd::Quit {
                break;
            }
        }
        if !self.script && self.modified {
            self.throw("Information", "You may need to update /etc/fstab.\n");
        }
        status
    }

    fn help_msg(&mut self) {
        self.out.push_str("Usage: parted [OPTION]... [DEVICE [COMMAND [PARAMETERS]...]...]\nApply COMMANDs with PARAMETERS to DEVICE.  If no COMMAND(s) are given, run in\ninteractive mode.\n");
        self.out.push_str("\nOPTIONs:\n");
        for (name, text) in [
            ("help", "displays this help message"),
            ("list", "lists partition layout on all block devices"),
            ("machine", "displays machine parseable output"),
            ("json", "displays JSON output"),
            ("script", "never prompts for user intervention"),
            ("fix", "in script mode, fix instead of abort when asked"),
            ("version", "displays the version"),
            ("align=[none|cyl|min|opt]", "alignment for new partitions"),
        ] {
            self.out.push_str(&format!("  -{}, --{:<25.25} {}\n", &name[..1], name, text));
        }
        self.out.push_str("\nCOMMANDs:\n");
        self.commands_help();
        self.out.push_str("\nReport bugs to bug-parted@gnu.org\n");
    }

    fn commands_help(&mut self) {
        let width = self.width();
        for (_, _, summary) in COMMANDS {
            if let Some(s) = summary {
                self.out.push_str("  ");
                self.out.push_str(&print_wrap(&[s], width, 2, 8));
                self.out.push('\n');
            }
        }
    }

    // -- reading words ------------------------------------------------------

    /// `command_line_get_word`: the next word, checked against `options`.
    fn get_word(&mut self, options: Option<&[&str]>, def: Option<&str>) -> Option<String> {
        loop {
            if let Some(w) = self.words.pop_front() {
                let Some(opts) = options else { return Some(w) };
                if let Some(m) = match_word(opts, &w) {
                    return Some(m.to_string());
                }
                self.out.push_str(&format!("parted: invalid token: {w}\n"));
                self.words.clear();
                return None;
            }
            // Script mode (and, here, a non-terminal stdin): only a default answers.
            let def = def.map(str::to_string).or_else(|| match options {
                Some([only]) => Some(only.to_string()),
                _ => None,
            });
            let d = def?;
            self.words.push_back(d);
        }
    }

    /// `command_line_get_sector`: a location, its range, and the word typed.
    fn get_sector(&mut self, dev: &Device) -> Option<(i64, Geom, String)> {
        let input = self.get_word(None, None)?;
        let (s, g) = self.parse_location(&input, dev)?;
        Some((s, g, input))
    }

    /// `ped_unit_parse_custom`.
    fn parse_location(&mut self, text: &str, dev: &Device) -> Option<(i64, Geom)> {
        let len = dev.length;
        if text.chars().filter(|c| c.is_ascii_punctuation()).count() == 2 {
            return self.parse_chs(text, dev);
        }
        let copy: String = text.chars().filter(|c| !c.is_whitespace()).collect();
        let split = copy.find(|c: char| !(c.is_ascii_digit() || ",.-".contains(c))).unwrap_or(copy.len());
        let (number, suffix) = copy.split_at(split);
        let unit = self.parse_unit_suffix(suffix);
        let Some(num) = scan_double(number) else {
            self.error("Invalid number.");
            return None;
        };
        if num > 0.0 && num < 1.0 {
            self.error("Use a smaller unit instead of a value < 1");
            return None;
        }
        let unit_size = unit.size(len);
        let radius = if unit.is_iec() { 0 } else { (div_round_up(unit_size, SECTOR) / 2 - 1).max(0) };
        let mut sector = (num * unit_size as f64 / SECTOR as f64) as i64;
        if copy.starts_with('-') {
            sector = sector.saturating_add(len);
        }
        let clip = |s: i64| s.clamp(0, len - 1);
        let start = clip(sector.saturating_sub(radius));
        let end = clip(sector.saturating_add(radius));
        if sector.saturating_sub(end) > radius || start.saturating_sub(sector) > radius {
            self.error(&format!("The location {text} is outside of the device {}.", dev.path));
            return None;
        }
        Some((clip(sector), Geom::new(start, end)))
    }

    fn parse_unit_suffix(&self, suffix: &str) -> Unit {
        let s: Vec<char> = suffix.chars().map(|c| c.to_ascii_lowercase()).collect();
        if s.len() > 1 && s[1] == 'i' {
            match s[0] {
                'k' => return Unit::Kibi,
                'm' => return Unit::Mebi,
                'g' => return Unit::Gibi,
                't' => return Unit::Tebi,
                _ => {}
            }
        } else if let Some(c) = s.first() {
            match c {
                's' => return Unit::Sector,
                'b' => return Unit::Byte,
                'k' => return Unit::Kilo,
                'm' => return Unit::Mega,
                'g' => return Unit::Giga,
                't' => return Unit::Tera,
                'c' => return Unit::Cyl,
                '%' => return Unit::Percent,
                _ => {}
            }
        }
        if self.unit == Unit::Compact {
            Unit::Mega
        } else {
            self.unit
        }
    }

    fn parse_chs(&mut self, text: &str, dev: &Device) -> Option<(i64, Geom)> {
        let copy: String = text
            .chars()
            .filter(|c| !c.is_whitespace())
            .map(|c| if c.is_ascii_punctuation() { ' ' } else { c })
            .collect();
        let nums: Vec<i64> = copy.split_whitespace().map_while(|w| w.parse::<i64>().ok()).take(3).collect();
        let [c, h, s] = nums.as_slice() else {
            self.error(&format!("\"{copy}\" has invalid syntax for locations."));
            return None;
        };
        if *h >= HEADS {
            self.error(&format!("The maximum head value is {}.", HEADS - 1));
            return None;
        }
        if *s >= TRACK {
            self.error(&format!("The maximum sector value is {}.", TRACK - 1));
            return None;
        }
        let sector = c.saturating_mul(CYLINDER).saturating_add(h * TRACK + s);
        if sector >= dev.length {
            self.error(&format!("The location {text} is outside of the device {}.", dev.path));
            return None;
        }
        Some((sector, Geom::new(sector, sector)))
    }

    // -- tables -------------------------------------------------------------

    fn read_table(&self, dev: &Device, input_path: &str) -> Option<Table> {
        if let Target::Disk(d) = dev.target {
            if let Some(mut label) = self.machine.disks[d].label() {
                if label.kind == LabelKind::Dos {
                    // parted lets DOS partitions start right after the MBR.
                    label.first_lba = 1;
                }
                return Some(Table::Label(label));
            }
        }
        let key = fs_key(self.machine, dev, input_path);
        self.machine.filesystems.get(&key).and_then(|f| parted_fs_name(&f.fstype)).map(Table::Loop)
    }

    /// `ped_disk_new`, printing parted's error when nothing is recognised.
    fn open_table(&mut self, dev: &Device, input_path: &str) -> Option<Table> {
        let t = self.read_table(dev, input_path);
        if t.is_none() {
            self.error(&format!("{}: unrecognised disk label", dev.path));
        }
        t
    }

    /// The filesystem parted would find inside partition `number` of disk `disk`.
    fn probe_partition_fs(&self, disk: usize, p: &Partition) -> Option<&'static str> {
        if let Some(e) = self.extras.get(&p.number) {
            return e.fs;
        }
        if p.part_type.is_extended() {
            return None;
        }
        let d = &self.machine.disks[disk];
        let k = d.kernel_partitions.iter().find(|k| k.number == p.number)?;
        if k.start_lba != p.start_lba {
            return None;
        }
        let path = format!("/dev/{}", d.partition_name(p.number));
        self.machine.filesystems.get(&path).and_then(|f| parted_fs_name(&f.fstype))
    }

    fn part_flags(&self, p: &Partition) -> Vec<&'static str> {
        match p.part_type {
            PartType::Gpt(g) => gpt_flags(&g),
            PartType::Dos(c) => dos_flags(c, p.bootable, self.extras.get(&p.number).is_some_and(|e| e.lba)),
        }
    }

    fn is_mounted(&self, path: &str) -> bool {
        self.machine.mounts.iter().any(|m| m.device == path) || self.machine.swaps.iter().any(|s| s == path)
    }

    // -- commands -----------------------------------------------------------

    fn command(&mut self, cmd: Cmd, dev: &Device, input_path: &str) -> bool {
        match cmd {
            Cmd::Help => {
                match self.words.pop_front() {
                    Some(w) => {
                        if let Some(c) = command_get(&w) {
                            if let Some((_, _, Some(s))) = COMMANDS.iter().find(|(_, k, _)| *k == c) {
                                let width = self.width();
                                self.out.push_str("  ");
                                self.out.push_str(&print_wrap(&[s], width, 2, 8));
                                self.out.push('\n');
                            }
                        }
                    }
                    None => self.commands_help(),
                }
                true
            }
            Cmd::Version => {
                self.out.push_str("\nGNU Parted 3.5\n\nCopyright (C) 1998 - 2006 Free Software Foundation, Inc.\nThis program is free software, covered by the GNU General Public License.\n\nThis program is distributed in the hope that it will be useful,\nbut WITHOUT ANY WARRANTY; without even the implied warranty of\nMERCHANTABILITY or FITNESS FOR A PARTICULAR PURPOSE.  See the\nGNU General Public License for more details.\n\n");
                true
            }
            Cmd::Quit => true,
            Cmd::Unit => {
                let names: Vec<&str> = UNITS.iter().map(|u| u.name()).collect();
                let current = self.unit.name();
                match self.get_word(Some(&names), Some(current)) {
                    Some(n) => {
                        self.unit = UNITS.iter().copied().find(|u| u.name() == n).unwrap_or(Unit::Compact);
                        true
                    }
                    None => false,
                }
            }
            Cmd::Print => self.print(dev, input_path),
            Cmd::Mklabel => self.mklabel(dev, input_path),
            Cmd::Mkpart => self.mkpart(dev, input_path),
            Cmd::Rm => self.rm(dev, input_path),
            other => {
                let name = COMMANDS.iter().find(|(_, k, _)| *k == other).map_or("?", |(n, _, _)| n[0]);
                self.note(&format!("parted's '{name}' command is not modelled in this simulator"));
                false
            }
        }
    }

    fn print_header(&mut self, dev: &Device, table: Option<&Table>) {
        let end_byte = dev.length * SECTOR - i64::from(matches!(self.unit, Unit::Chs | Unit::Cyl));
        let end = format_byte(end_byte, self.unit, dev.length);
        let pt = match table {
            None => "unknown",
            Some(Table::Loop(_)) => "loop",
            Some(Table::Label(l)) => match l.kind {
                LabelKind::Gpt => "gpt",
                LabelKind::Dos => "msdos",
            },
        };
        self.out.push_str(&format!("Model: {} ({})\n", dev.model, dev.transport));
        self.out.push_str(&format!("Disk {}: {end}\n", dev.path));
        self.out.push_str("Sector size (logical/physical): 512B/512B\n");
        if matches!(self.unit, Unit::Chs | Unit::Cyl) {
            let cyl = format_sector(CYLINDER, Unit::Kilo, dev.length);
            let cylinders = dev.length / CYLINDER;
            self.out.push_str(&format!(
                "BIOS cylinder,head,sector geometry: {cylinders},{HEADS},{TRACK}.  Each cylinder is {cyl}.\n"
            ));
        }
        self.out.push_str(&format!("Partition Table: {pt}\nDisk Flags: \n"));
    }

    fn print(&mut self, dev: &Device, input_path: &str) -> bool {
        let mut free = false;
        if let Some(peek) = self.words.front().cloned() {
            if peek.starts_with("devices") || peek.starts_with("list") || peek.starts_with("all") {
                self.words.pop_front();
                self.note("parted's print devices/list/all are not modelled in this simulator");
                return false;
            } else if peek.starts_with("free") {
                self.words.pop_front();
                free = true;
            } else if peek.starts_with(|c: char| c.is_ascii_digit()) {
                if let Some(table) = self.read_table(dev, input_path) {
                    // `print N` prints nothing for an existing partition.
                    return self.get_partition(&table).is_some();
                }
            }
        }
        let table = self.open_table(dev, input_path);
        self.print_table(dev, table.as_ref(), free);
        table.is_some() || !self.script
    }

    fn print_table(&mut self, dev: &Device, table: Option<&Table>, free: bool) {
        self.print_header(dev, table);
        if let Some(t) = table {
            let rows = self.rows(dev, t, free);
            self.human_rows(dev, t, rows);
        }
    }

    /// What `print` lists, in disk order: partitions and, with `free`, free space.
    fn rows(&self, dev: &Device, table: &Table, free: bool) -> Vec<Row> {
        let len = dev.length;
        let mut rows = Vec::new();
        match table {
            Table::Loop(fs) => rows.push(Row {
                number: Some(1),
                geom: Geom::new(0, len - 1),
                kind: "primary",
                fs: fs.to_string(),
                name: String::new(),
                flags: Vec::new(),
            }),
            Table::Label(label) => {
                let Target::Disk(disk) = dev.target else { return rows };
                for r in layout(label, len, dos_logical_geometry(label, &self.extras)) {
                    match r.kind {
                        RKind::Meta => {}
                        RKind::Free => {
                            if free {
                                rows.push(Row { number: None, geom: r.geom, kind: "free", fs: String::new(), name: String::new(), flags: Vec::new() });
                            }
                        }
                        RKind::Part | RKind::Extended => {
                            let Some(p) = label.partition(r.number) else { continue };
                            let kind = if r.kind == RKind::Extended {
                                "extended"
                            } else if r.logical {
                                "logical"
                            } else {
                                "primary"
                            };
                            rows.push(Row {
                                number: Some(p.number),
                                geom: r.geom,
                                kind,
                                fs: self.probe_partition_fs(disk, p).unwrap_or("").to_string(),
                                name: p.name.clone(),
                                flags: self.part_flags(p),
                            });
                        }
                    }
                }
            }
        }
        rows
    }

    fn human_rows(&mut self, dev: &Device, table: &Table, rows: Vec<Row>) {
        let (len, unit) = (dev.length, self.unit);
        let chs = unit == Unit::Chs;
        let (has_type, has_name) = match table {
            Table::Loop(_) => (false, false),
            Table::Label(l) => (l.kind == LabelKind::Dos, l.kind == LabelKind::Gpt),
        };
        self.out.push('\n');
        let mut header: Vec<String> = vec!["Number".into(), "Start".into(), "End".into()];
        if !chs {
            header.push("Size".into());
        }
        if has_type {
            header.push("Type".into());
        }
        header.push("File system".into());
        if has_name {
            header.push("Name".into());
        }
        header.push("Flags".into());
        let mut table_rows = vec![header];
        for r in rows {
            let is_free = r.kind == "free";
            let mut row = vec![match r.number {
                Some(n) if !is_free => format!("{n:2} "),
                _ => "   ".to_string(),
            }];
            row.push(format_sector(r.geom.start, unit, len));
            row.push(format_byte((r.geom.end + 1) * SECTOR - 1, unit, len));
            if !chs {
                row.push(format_sector(r.geom.length(), unit, len));
            }
            if has_type {
                row.push(if is_free { String::new() } else { r.kind.to_string() });
            }
            row.push(if is_free { "Free Space".to_string() } else { r.fs });
            if has_name {
                row.push(r.name);
            }
            row.push(r.flags.join(", "));
            table_rows.push(row);
        }
        self.out.push_str(&render_table(&table_rows));
        self.out.push('\n');
    }

    /// `command_line_get_partition`.
    fn get_partition(&mut self, table: &Table) -> Option<u32> {
        let word = self.get_word(None, None);
        let num = word.as_deref().and_then(parse_strtol);
        let Some(num) = num.filter(|n| *n >= 0) else {
            self.error("Expecting a partition number.");
            return None;
        };
        let exists = match table {
            Table::Label(l) => l.partitions.iter().any(|p| i64::from(p.number) == num),
            Table::Loop(_) => num == 1,
        };
        if !exists {
            self.error("Partition doesn't exist.");
            return None;
        }
        Some(num as u32)
    }

    fn disk_of(&mut self, dev: &Device) -> Option<usize> {
        match dev.target {
            Target::Disk(d) => Some(d),
            _ => {
                self.note("parted can only change whole disks in this simulator");
                None
            }
        }
    }

    fn mklabel(&mut self, dev: &Device, input_path: &str) -> bool {
        let old = self.read_table(dev, input_path);
        let Some(kind) = self.get_word(Some(DISK_TYPES), None) else {
            self.error("Expecting a disk label type.");
            return false;
        };
        let kind = match kind.as_str() {
            "gpt" => LabelKind::Gpt,
            "msdos" => LabelKind::Dos,
            other => {
                self.note(&format!("the '{other}' disk label is not modelled in this simulator; use gpt or msdos"));
                return false;
            }
        };
        let Some(disk) = self.disk_of(dev) else { return false };
        if old.is_some() {
            let d = &self.machine.disks[disk];
            let busy = self.is_mounted(&d.path())
                || (0..32).any(|n| self.is_mounted(&format!("/dev/{}", d.partition_name(n))));
            if busy {
                let kind = if self.script { "Error" } else { "Warning" };
                self.throw(kind, &format!("Partition(s) on {} are being used.", dev.path));
                return false;
            }
            if !self.script {
                self.throw(
                    "Warning",
                    &format!("The existing disk label on {} will be destroyed and all data on this disk will be lost. Do you want to continue?", dev.path),
                );
                return false;
            }
        }
        let total = dev.length as u64;
        let label = match kind {
            LabelKind::Gpt => {
                let guid = self.machine.new_guid();
                Label {
                    kind,
                    disk_id: DiskId::Gpt(guid),
                    total_sectors: total,
                    first_lba: 2 + GPT_ENTRY_SECTORS as u64,
                    last_lba: total.saturating_sub(2 + GPT_ENTRY_SECTORS as u64),
                    partitions: Vec::new(),
                }
            }
            LabelKind::Dos => {
                let sig = self.machine.new_dos_signature();
                Label {
                    kind,
                    disk_id: DiskId::Dos(sig),
                    total_sectors: total,
                    first_lba: 1,
                    last_lba: total.min(crate::core::label::DOS_MAX_SECTORS) - 1,
                    partitions: Vec::new(),
                }
            }
        };
        self.extras.clear();
        self.commit(disk, dev, &label)
    }

    fn rm(&mut self, dev: &Device, input_path: &str) -> bool {
        let Some(table) = self.open_table(dev, input_path) else { return false };
        let Some(number) = self.get_partition(&table) else { return false };
        let Table::Label(mut label) = table else {
            self.note("removing the partition of parted's 'loop' label is not modelled");
            return false;
        };
        let Some(part) = label.partition(number).cloned() else { return false };
        let Some(disk) = self.disk_of(dev) else { return false };
        let d = &self.machine.disks[disk];
        let mut busy_paths = vec![format!("/dev/{}", d.partition_name(part.number))];
        if part.part_type.is_extended() {
            busy_paths.extend(label.logicals().map(|p| format!("/dev/{}", d.partition_name(p.number))));
        }
        if busy_paths.iter().any(|p| self.is_mounted(p)) {
            self.throw(
                "Warning",
                &format!("Partition {} is being used. Are you sure you want to continue?", busy_paths[0]),
            );
            return false;
        }
        if label.delete(part.number).is_err() {
            self.error("Partition doesn't exist.");
            return false;
        }
        // Keep what this run remembers in step with the renumbered logicals.
        let old = std::mem::take(&mut self.extras);
        for (n, e) in old.into_entries() {
            if n == part.number || (part.part_type.is_extended() && n > 4) {
                continue;
            }
            let n = if part.is_logical() && n > part.number { n - 1 } else { n };
            self.extras.insert(n, e);
        }
        self.commit(disk, dev, &label)
    }

    /// `ped_disk_commit`: writes the label, then tells the kernel about each
    /// partition (BLKPG); partitions in use cannot change.
    fn commit(&mut self, disk: usize, dev: &Device, label: &Label) -> bool {
        let (failed, _events) = self.machine.write_label_per_partition(disk, label);
        self.modified = true;
        if failed.is_empty() {
            return true;
        }
        let list: Vec<String> = failed.iter().map(u32::to_string).collect();
        self.error(&format!(
            "Partition(s) {} on {} have been written, but we have been unable to inform the kernel of the change, probably because it/they are in use.  As a result, the old partition(s) will remain in use.  You should reboot now before making further changes.",
            list.join(", "),
            dev.path
        ));
        false
    }

    fn part_type_options(label: &Label) -> Vec<&'static str> {
        let mut opts = Vec::new();
        let can_primary = label.free_numbers().iter().any(|n| *n <= 4);
        if can_primary {
            opts.push("primary");
        }
        if can_primary && label.extended().is_none() {
            opts.push("extended");
        }
        if label.extended().is_some() {
            opts.push("logical");
        }
        opts
    }

    fn mkpart(&mut self, dev: &Device, input_path: &str) -> bool {
        let Some(table) = self.open_table(dev, input_path) else { return false };
        let Table::Label(mut label) = table else {
            self.note("adding partitions to parted's 'loop' label is not modelled");
            return false;
        };
        let len = dev.length;
        let ptype = match label.kind {
            LabelKind::Gpt => PType::Normal,
            LabelKind::Dos => {
                let opts = Self::part_type_options(&label);
                if opts.is_empty() {
                    self.error("Can't create any more partitions.");
                    return false;
                }
                match self.get_word(Some(&opts), None).as_deref() {
                    Some("primary") => PType::Normal,
                    Some("extended") => PType::Extended,
                    Some("logical") => PType::Logical,
                    _ => {
                        self.error("Expecting a partition type.");
                        return false;
                    }
                }
            }
        };
        let name = if label.kind == LabelKind::Gpt { self.get_word(None, Some("")) } else { None };
        let peek_number = self.words.front().is_some_and(|w| w.starts_with(|c: char| c.is_ascii_digit() || c == '-'));
        let fs: Option<&'static str> = if ptype == PType::Extended || peek_number {
            None
        } else {
            // The FS-TYPE prompt's default is ext2, which script mode takes when words run out.
            match self.get_word(Some(FS_TYPES), Some("ext2")) {
                Some(f) => Some(canonical_fs(&f)),
                None => {
                    self.error("Expecting a file system type.");
                    return false;
                }
            }
        };
        let Some((start, range_start, _)) = self.get_sector(dev) else { return false };
        let Some((mut end, mut range_end, end_input)) = self.get_sector(dev) else { return false };
        // _adjust_end_if_iec
        if start != end {
            let t = end_input.trim_end();
            let chars: Vec<char> = t.chars().collect();
            let ends_iec = chars.len() >= 4 && {
                let n = chars.len();
                "kMGTPEZY".contains(chars[n - 3]) && chars[n - 2..].iter().collect::<String>().eq_ignore_ascii_case("iB")
            };
            let has_suffix = chars.len() >= 2 && !chars[chars.len() - 1].is_ascii_digit();
            if ends_iec || (!has_suffix && self.unit.is_iec()) {
                end -= 1;
                range_end = Geom::new(range_end.start - 1, range_end.end - 1);
            }
        }
        if end - start + 1 < 1 {
            self.error(&format!(
                "Can't have the end before the start! (start sector={start} length={})",
                end - start + 1
            ));
            return false;
        }
        let Some(disk) = self.disk_of(dev) else { return false };
        let requested = snap_to_boundaries(Geom::new(start, end), &layout(&label, len, dos_logical_geometry(&label, &self.extras)), &range_start, &range_end);
        let user = Constraint {
            start_align: ANY,
            end_align: ANY,
            start_range: range_start,
            end_range: range_end,
            min_size: 1,
            max_size: len,
        };
        let dev_constraint = match self.alignment {
            Alignment::Optimal => Constraint {
                start_align: Align::new(0, GRAIN),
                end_align: Align::new(-1, GRAIN),
                ..Constraint::any(len)
            },
            _ => Constraint::any(len),
        };
        let Some(final_c) = Constraint::intersect(Some(&user), Some(&dev_constraint)) else { return false };
        let placed = match self.add_partition(&label, ptype, requested, &final_c, len, false) {
            Some(p) => p,
            None => {
                let Some(p) = self.add_partition(&label, ptype, requested, &Constraint::any(len), len, true) else {
                    return false;
                };
                if !range_start.contains(p.1.start) || !range_end.contains(p.1.end) {
                    let u = self.unit;
                    let msg = format!(
                        "You requested a partition from {} to {} (sectors {}..{}).\nThe closest location we can manage is {} to {} (sectors {}..{}).{}",
                        format_sector(start, u, len),
                        format_sector(end, u, len),
                        start,
                        end,
                        format_sector(p.1.start, u, len),
                        format_sector(p.1.end, u, len),
                        p.1.start,
                        p.1.end,
                        if self.script { "" } else { "\nIs this still acceptable to you?" }
                    );
                    let kind = if self.script { "Error" } else { "Warning" };
                    self.throw(kind, &msg);
                    return false;
                }
                if self.alignment == Alignment::Optimal && p.1.start % GRAIN != 0 {
                    let kind = "Warning";
                    let msg = format!(
                        "The resulting partition is not properly aligned for best performance: {}s % {GRAIN}s != 0s",
                        p.1.start
                    );
                    // Only "Cancel" undoes the partition; without a terminal nobody answers.
                    self.throw(kind, &msg);
                }
                p
            }
        };
        let (number, geom) = placed;
        let part_type = match label.kind {
            LabelKind::Gpt => PartType::gpt_named(match fs {
                Some(f) if f.starts_with("fat") || f == "udf" || f == "ntfs" => "EBD0A0A2-B9E5-4433-87C0-68B6B72699C7",
                Some(f) if f.starts_with("hfs") => "48465300-0000-11AA-AA11-00306543ECAC",
                Some(f) if f.contains("swap") => "0657FD6D-A4AB-43C4-84E5-0933C84B4F4F",
                _ => PartType::LINUX_FS_GUID,
            }),
            LabelKind::Dos => PartType::Dos(match (ptype, fs) {
                (PType::Extended, _) => 0x0f,
                (_, Some("fat16")) => 0x0e,
                (_, Some("fat32")) => 0x0c,
                (_, Some("ntfs" | "udf")) => 0x07,
                (_, Some("hfs" | "hfs+")) => 0xaf,
                (_, Some("sun-ufs")) => 0xbf,
                (_, Some(f)) if f.starts_with("linux-swap") => 0x82,
                _ => 0x83,
            }),
        };
        let unique_guid = if label.kind == LabelKind::Gpt { self.machine.new_guid() } else { Guid::ZERO };
        let partition = Partition {
            number,
            start_lba: geom.start as u64,
            size_sectors: geom.length() as u64,
            part_type,
            unique_guid,
            name: name.unwrap_or_default(),
            bootable: false,
        };
        if label.add(partition).is_err() {
            self.error("Unable to satisfy all constraints on the partition.");
            return false;
        }
        self.extras.insert(number, Extra { fs, lba: label.kind == LabelKind::Dos });
        self.commit(disk, dev, &label)
    }

    /// `ped_disk_add_partition` followed by the label's own alignment and checks.
    /// Returns the partition number and where the partition lands.
    fn add_partition(
        &mut self,
        label: &Label,
        ptype: PType,
        geom: Geom,
        constraint: &Constraint,
        len: i64,
        loud: bool,
    ) -> Option<(u32, Geom)> {
        let fail = |me: &mut Self, msg: &str| {
            if loud {
                me.error(msg);
            }
            None
        };
        let ext = label.extended().map(part_geom);
        // _partition_check_basic_sanity
        if ptype != PType::Logical {
            let primaries = label.primaries().count() as u32;
            if primaries + 1 > label.max_number() {
                return fail(self, "Too many primary partitions.");
            }
        }
        // Overlap with the partitions around the requested start.
        let (mut min_start, mut max_end, mut list): (i64, i64, Vec<Geom>) = match (ptype, ext) {
            (PType::Logical, Some(e)) => (e.start, e.end, label.logicals().map(part_geom).collect()),
            _ => (0, i64::MAX - 1, label.primaries().map(part_geom).collect()),
        };
        list.small_sort_by_key(|g| g.start);
        let mut idx = 0;
        while idx < list.len() && (list[idx].start < geom.start || min_start >= list[idx].start) {
            min_start = list[idx].end + 1;
            idx += 1;
        }
        if idx < list.len() {
            max_end = list[idx].start - 1;
        }
        let overlap = (min_start < max_end).then(|| Constraint::from_max(Geom::new(min_start, max_end)));
        let Some(c) = Constraint::intersect(overlap.as_ref(), Some(constraint)) else {
            return fail(self, "Can't have overlapping partitions.");
        };
        // _partition_enumerate
        let number = match ptype {
            PType::Logical => (5..).find(|n| label.partition(*n).is_none()).unwrap_or(5),
            _ => match label.free_numbers().first() {
                Some(n) => *n,
                None => return fail(self, "Too many primary partitions."),
            },
        };
        // The label's partition_align.
        let internal = match (label.kind, ptype) {
            (LabelKind::Gpt, _) => Some(Constraint::from_max(Geom::new(label.first_lba as i64, label.last_lba as i64))),
            (LabelKind::Dos, PType::Normal) => Some(Constraint::from_max(Geom::new(1, len - 1))),
            (LabelKind::Dos, PType::Extended) => {
                Some(Constraint { max_size: len, ..Constraint::from_max(Geom::new(1, len - 1)) })
            }
            (LabelKind::Dos, PType::Logical) => {
                let e = ext?;
                log_meta_overlap(label, e, number, geom)
            }
        };
        let solved = Constraint::intersect(Some(&c), internal.as_ref()).and_then(|i| i.solve_nearest(geom, len));
        let Some(g) = solved else {
            return fail(self, "Unable to satisfy all constraints on the partition.");
        };
        // _check_partition
        if g.end >= len {
            return fail(self, "Can't have a partition outside the disk!");
        }
        if ptype == PType::Normal {
            if let Some(e) = ext {
                if e.start <= g.start && g.end <= e.end {
                    return fail(self, "Can't have a primary partition inside an extended partition.");
                }
            }
        }
        if label.kind == LabelKind::Dos {
            let max = u32::MAX as i64;
            if g.length() > max {
                return fail(
                    self,
                    &format!("partition length of {} sectors exceeds the msdos-partition-table-imposed maximum of {max}", g.length()),
                );
            }
            if g.start > max {
                return fail(
                    self,
                    &format!("starting sector number, {} exceeds the msdos-partition-table-imposed maximum of {max}", g.start),
                );
            }
        }
        Some((number, g))
    }
}

/// The room a logical partition may use: after its EBR, and clear of its
/// neighbours' EBRs (`_log_meta_overlap_constraint`).
fn log_meta_overlap(label: &Label, ext: Geom, number: u32, geom: Geom) -> Option<Constraint> {
    let not_5 = i64::from(number != 5);
    let mut min_start = ext.start + 1 + not_5;
    let mut max_end = ext.end;
    let mut logicals: Vec<&Partition> = label.logicals().collect();
    logicals.small_sort_by_key(|p| p.start_lba);
    let gap = |p: &Partition| i64::from(p.number != 5);
    let mut i = 0;
    while i < logicals.len() && {
        let w = logicals[i];
        w.start_lba as i64 - gap(w) < geom.start - not_5 || w.start_lba as i64 - gap(w) <= min_start
    } {
        min_start = logicals[i].end_lba() as i64 + 1 + not_5;
        i += 1;
    }
    if let Some(w) = logicals.get(i) {
        max_end = w.start_lba as i64 - 1 - gap(w);
    }
    (min_start < max_end).then(|| Constraint::from_max(Geom::new(min_start, max_end)))
}

/// `sscanf("%lf")` on the characters parted keeps before the unit.
fn scan_double(s: &str) -> Option<f64> {
    let b = s.as_bytes();
    let mut i = 0;
    if i < b.len() && (b[i] == b'-' || b[i] == b'+') {
        i += 1;
    }
    let digits_start = i;
    while i < b.len() && b[i].is_ascii_digit() {
        i += 1;
    }
    let mut digits = i - digits_start;
    if i < b.len() && b[i] == b'.' {
        i += 1;
        let f = i;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        digits += i - f;
    }
    if digits == 0 {
        return None;
    }
    super::fmt::parse_decimal(&s[..i])
}

/// `strtol(s, NULL, 10)` as parted uses it: leading digits, 0 when there are none.
fn parse_strtol(s: &str) -> Option<i64> {
    let t = s.trim_start();
    let (neg, rest) = match t.as_bytes().first() {
        Some(b'-') => (true, &t[1..]),
        Some(b'+') => (false, &t[1..]),
        _ => (false, t),
    };
    let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
    if digits.is_empty() {
        return Some(0);
    }
    let v: i64 = digits.parse().ok()?;
    if v > i64::from(i32::MAX) {
        return None;
    }
    Some(if neg { -v } else { v })
}

/// parted's table.c: columns two spaces apart, trailing blanks removed.
fn render_table(rows: &[Vec<String>]) -> String {
    let cols = rows.iter().map(Vec::len).max().unwrap_or(0);
    let mut widths = vec![0; cols];
    for r in rows {
        for (c, cell) in r.iter().enumerate() {
            widths[c] = widths[c].max(cell.chars().count());
        }
    }
    let mut out = String::new();
    for r in rows {
        let mut line = String::new();
        for (c, cell) in r.iter().enumerate() {
            line.push_str(cell);
            if c + 1 < r.len() {
                line.push_str(&" ".repeat(widths[c] - cell.chars().count()));
                line.push_str("  ");
            }
        }
        out.push_str(line.trim_end_matches(' '));
        out.push('\n');
    }
    out
}

const VERSION: &str = "parted (GNU parted) 3.5\nCopyright (C) 2022 Free Software Foundation, Inc.\nLicense GPLv3+: GNU GPL version 3 or later <https://gnu.org/licenses/gpl.html>.\nThis is free software: you are free to change and redistribute it.\nThere is NO WARRANTY, to the extent permitted by law.\n\nWritten by <http://git.debian.org/?p=parted/parted.git;a=blob_plain;f=AUTHORS>.\n";

#[cfg(test)]
mod tests {
    use super::*;

    fn machine() -> Machine {
        Machine::with_disks(7, &[("loop0".to_string(), 1 << 30)]).unwrap()
    }

    fn parted(m: &mut Machine, line: &str) -> (String, i32) {
        let args: Vec<String> = line.split_whitespace().map(str::to_string).collect();
        run(m, &args)
    }

    #[test]
    fn numbers_are_formatted_like_parted() {
        let len = 2_097_152;
        assert_eq!(format_sector(2048, Unit::Compact, len), "1049kB");
        assert_eq!(format_byte(206848 * 512 - 1, Unit::Compact, len), "106MB");
        assert_eq!(format_sector(204800, Unit::Compact, len), "105MB");
        assert_eq!(format_sector(len, Unit::Compact, len), "1074MB");
        assert_eq!(format_sector(0, Unit::Compact, len), "0.00B");
        assert_eq!(format_sector(2048, Unit::Mebi, len), "1.00MiB");
        assert_eq!(format_sector(2048, Unit::Sector, len), "2048s");
        assert_eq!(format_sector(2048, Unit::Byte, len), "1048576B");
    }

    #[test]
    fn whole_disk_requests_are_aligned_like_parted() {
        let mut m = machine();
        assert_eq!(parted(&mut m, "-s /dev/loop0 mklabel gpt mkpart p 0% 100%").1, 0);
        let l = m.disks[0].label().unwrap();
        assert_eq!((l.partitions[0].start_lba, l.partitions[0].end_lba()), (2048, 2095103));
        assert_eq!(l.first_lba, 34);
        let mut m = machine();
        assert_eq!(parted(&mut m, "-s /dev/loop0 mklabel msdos mkpart primary 0% 100%").1, 0);
        let l = m.disks[0].label().unwrap();
        assert_eq!((l.partitions[0].start_lba, l.partitions[0].end_lba()), (2048, 2097151));
        let mut m = machine();
        assert_eq!(parted(&mut m, "-s /dev/loop0 mklabel gpt mkpart p 1 100").1, 0);
        let l = m.disks[0].label().unwrap();
        assert_eq!((l.partitions[0].start_lba, l.partitions[0].end_lba()), (2048, 194559));
    }

    #[test]
    fn unaligned_and_impossible_requests() {
        let mut m = machine();
        let (out, st) = parted(&mut m, "-s /dev/loop0 mklabel gpt mkpart p 34s 100MiB");
        assert_eq!(st, 0, "{out}");
        assert_eq!(out, "Warning: The resulting partition is not properly aligned for best performance: 34s % 2048s != 0s\n");
        let (out, st) = parted(&mut m, "-s /dev/loop0 mkpart q 50MiB 150MiB");
        assert_eq!(st, 1);
        assert_eq!(out, "Error: You requested a partition from 52.4MB to 157MB (sectors 102400..307199).\nThe closest location we can manage is 105MB to 157MB (sectors 204800..307199).\n");
        let (out, st) = parted(&mut m, "-s /dev/loop0 mkpart q 160MiB 150MiB");
        assert_eq!((out.as_str(), st), ("Error: Can't have the end before the start! (start sector=327680 length=-20480)\n", 1));
        let (out, st) = parted(&mut m, "-s /dev/loop0 mkpart q 1000MiB 1GiB");
        assert_eq!((out.as_str(), st), ("Error: The location 1GiB is outside of the device /dev/loop0.\n", 1));
    }

    #[test]
    fn logical_partitions_follow_their_ebr() {
        let mut m = machine();
        let (out, st) = parted(&mut m, "-s /dev/loop0 mklabel msdos mkpart extended 1MiB 500MiB mkpart logical 2MiB 100MiB mkpart logical 101MiB 200MiB");
        assert_eq!((out.as_str(), st), ("", 0));
        let (out, st) = parted(&mut m, "-s /dev/loop0 unit s print");
        assert_eq!(st, 0, "{out}");
        assert!(out.contains(" 1      2048s    1023999s  1021952s  extended               lba\n"), "{out}");
        assert!(out.contains(" 5      4096s    204799s   200704s   logical\n"), "{out}");
        assert!(out.contains(" 6      206848s  409599s   202752s   logical\n"), "{out}");
        let (out, st) = parted(&mut m, "-s /dev/loop0 mkpart logical 200MiB 300MiB");
        assert_eq!(st, 1);
        assert!(out.contains("(sectors 409601..614399)"), "{out}");
    }

    #[test]
    fn wrapping_follows_parted() {
        let text = print_wrap(&["Warning", ": ", "Partition /dev/sdb1 is being used. Are you sure you want to continue?", "\n"], 80, 0, 0);
        assert_eq!(text, "Warning: Partition /dev/sdb1 is being used. Are you sure you want to continue?\n");
        let text = print_wrap(&["print [devices|free|list,all]            display the partition table, or available devices, or free space, or all found partitions"], 80, 2, 8);
        assert_eq!(text, "print [devices|free|list,all]            display the partition table, or\n        available devices, or free space, or all found partitions");
    }

    #[test]
    fn partitions_in_use_are_refused_or_reported() {
        let mut m = Machine::lab(7);
        let (out, st) = parted(&mut m, "-s /dev/sda rm 2");
        assert_eq!((out.as_str(), st), ("Warning: Partition /dev/sda2 is being used. Are you sure you want to continue?\n", 1));
        let (out, st) = parted(&mut m, "-s /dev/sda mklabel gpt");
        assert_eq!((out.as_str(), st), ("Error: Partition(s) on /dev/sda are being used.\n", 1));
        // An LVM PV is not "mounted": parted writes, then the kernel refuses.
        let (out, st) = parted(&mut m, "-s /dev/sda rm 3");
        assert_eq!(st, 1);
        assert_eq!(out, "Error: Partition(s) 3 on /dev/sda have been written, but we have been unable to inform the kernel of the change, probably because it/they are in use.  As a result, the old partition(s) will remain in use.  You should reboot now before making further changes.\n");
        assert!(m.disks[0].label().unwrap().partition(3).is_none());
        assert!(m.disks[0].kernel_partitions.iter().any(|k| k.number == 3));
    }

    #[test]
    fn print_output_and_the_loop_label() {
        let mut m = Machine::lab(7);
        let (out, st) = parted(&mut m, "-s /dev/pve/root print");
        assert_eq!(st, 0);
        assert!(out.starts_with("Model: Linux device-mapper (linear) (dm)\nDisk /dev/dm-"), "{out}");
        assert!(out.ends_with("Partition Table: loop\nDisk Flags: \n\nNumber  Start  End     Size    File system  Flags\n 1      0.00B  34.4GB  34.4GB  ext4\n\n"), "{out}");
        let (out, st) = parted(&mut m, "-m -s /dev/sda unit s print");
        assert_eq!(st, 1, "machine-readable output is not modelled: {out}");
        assert!(out.contains("not modelled"), "{out}");
        let (out, st) = parted(&mut m, "/dev/sdb print");
        assert_eq!(st, 0, "without -s an unknown label is not a failure");
        assert!(out.starts_with("Error: /dev/sdb: unrecognised disk label\nModel: ATA QEMU HARDDISK (scsi)\n"), "{out}");
    }

    #[test]
    fn options_and_words_follow_getopt_and_parted() {
        let mut m = machine();
        assert_eq!(parted(&mut m, "-s /dev/loop0 mkpart p 1MiB -1s"), ("parted: invalid option -- '1'\n".to_string() + USAGE, 1));
        assert_eq!(parted(&mut m, "-s /dev/x print"), ("Error: Could not stat device /dev/x - No such file or directory.\n".into(), 1));
        assert_eq!(parted(&mut m, "-s /dev/loop0 mklabel ms").1, 0);
        assert_eq!(parted(&mut m, "-s /dev/loop0 mkpart bogus 1MiB 2MiB"), ("parted: invalid token: bogus\nError: Expecting a partition type.\n".into(), 1));
        assert_eq!(parted(&mut m, "-s /dev/loop0 mkp pri 1MiB 2MiB pr").1, 0);
        let (out, st) = parted(&mut m, "-s /dev/loop0 mkpart primary 1MiB 2MiB");
        assert_eq!(st, 1);
        assert_eq!(out, "Error: You requested a partition from 1049kB to 2097kB (sectors 2048..4095).\nThe closest location we can manage is 1048kB to 1048kB (sectors 2047..2047).\n");
        let (out, st) = parted(&mut m, "-s /dev/loop0 mkpart primary 1500MiB 1600MiB");
        assert_eq!((out.as_str(), st), ("Error: The location 1500MiB is outside of the device /dev/loop0.\n", 1));
    }
}
