//! GNU parted 3.5 with commands on its command line: `parted [-s] DEV mklabel
//! gpt|msdos`, `mkpart`, `print` (in any unit), `rm` and `unit`, with parted's
//! messages (outside script mode, its questions and the closing reminder to
//! update /etc/fstab).
//!
//! parted writes each change at once and tells the kernel partition by
//! partition, so a busy disk still gets its free partitions updated. Simplified:
//! no interactive mode, machine-readable or JSON output, `name`, `rescue`;
//! every partition is aligned to 1 MiB as parted's default "optimal"
//! alignment does on disks without I/O hints. `set`/`toggle` (feature
//! `parted-flags`) and `resizepart` (module `resizepart`, feature
//! `parted-resize`) are native only.

mod place; #[cfg(feature = "parted-loop-label")] mod loop_label;
#[cfg(feature = "parted-resize")]
mod resizepart;

use crate::console::fmt::fixed;
use crate::core::disk::Transport;
use crate::core::gpt::Guid;
use crate::core::label::{Label, LabelKind, PartType, Partition};
use crate::core::device::{DevId, DevKind};
use crate::core::machine::{Busy, Machine};
use super::Output;
#[cfg(feature = "partprobe")]
use crate::core::order::SmallSort;

const SECTOR: u64 = 512;

/// parted's units; `Compact` picks one per number.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Unit {
    Sector,
    Byte,
    Kilo,
    Mega,
    Giga,
    Tera,
    Kibi,
    Mebi,
    Gibi,
    Tebi,
    Percent,
    Compact,
}

const UNITS: &[(&str, Unit)] = &[
    ("s", Unit::Sector), ("B", Unit::Byte), ("kB", Unit::Kilo), ("MB", Unit::Mega), ("GB", Unit::Giga),
    ("TB", Unit::Tera), ("KiB", Unit::Kibi), ("MiB", Unit::Mebi), ("GiB", Unit::Gibi), ("TiB", Unit::Tebi),
    ("%", Unit::Percent), ("compact", Unit::Compact),
];

impl Unit {
    fn name(self) -> &'static str {
        UNITS.iter().find(|u| u.1 == self).map_or("", |u| u.0)
    }

    /// Bytes in one unit on a device of `sectors`.
    fn bytes(self, sectors: u64) -> u64 {
        match self {
            Unit::Sector => SECTOR,
            Unit::Byte | Unit::Compact => 1,
            Unit::Kilo => 1_000,
            Unit::Mega => 1_000_000,
            Unit::Giga => 1_000_000_000,
            Unit::Tera => 1_000_000_000_000,
            Unit::Kibi => 1 << 10,
            Unit::Mebi => 1 << 20,
            Unit::Gibi => 1 << 30,
            Unit::Tebi => 1 << 40,
            Unit::Percent => (sectors * SECTOR / 100).max(1),
        }
    }
}

/// `ped_unit_format_byte`: compact picks the largest unit with at least 10 of
/// it; two decimals below 10, one below 100, none above.
fn format_bytes(bytes: u64, unit: Unit, sectors: u64) -> String {
    let unit = match unit {
        Unit::Sector | Unit::Byte => return format!("{}{}", bytes / unit.bytes(sectors), unit.name()),
        Unit::Compact => [Unit::Tera, Unit::Giga, Unit::Mega, Unit::Kilo]
            .into_iter()
            .find(|u| bytes >= 10 * u.bytes(sectors))
            .unwrap_or(Unit::Byte),
        other => other,
    };
    let d = (bytes as f64 / unit.bytes(sectors) as f64) * (1.0 + f64::EPSILON);
    let w = d + if d < 10.0 { 0.005 } else if d < 100.0 { 0.05 } else { 0.5 };
    let places = if w < 10.0 { 2 } else if w < 100.0 { 1 } else { 0 };
    format!("{}{}", fixed(d, places), unit.name())
}

struct Device {
    path: String,
    disk: DevId,
    sectors: u64,
    model: String,
    /// The BIOS geometry's sectors per track (HDIO_GETGEO): the first
    /// track is an msdos label's metadata.
    track_sectors: u64,
}

fn open(machine: &Machine, path: &str) -> Option<Device> {
    let disk = machine.resolve(path)?;
    let d = machine.disk(disk)?;
    let model = match d.transport {
        Transport::Loop => "Loopback device (loopback)".to_string(),
        Transport::Nbd => "Unknown (unknown)".to_string(),
        #[cfg(feature = "zfs")]
        Transport::Sata if d.raid.is_some() => format!("DELL {} (scsi)", d.model.as_deref().unwrap_or_default()),
        Transport::Sata => format!("ATA {} (scsi)", d.model.as_deref().unwrap_or("Generic SCSI")),
        Transport::Nvme => format!("{} (nvme)", d.model.as_deref().unwrap_or("NVMe Device")),
    };
    let track_sectors = match d.transport {
        Transport::Loop => 2,
        Transport::Nvme => 32,
        _ => 63,
    };
    Some(Device { path: path.to_string(), disk, sectors: d.total_sectors(), model, track_sectors })
}

/// parted's file-system names, for what is on a partition.
fn fs_name(fstype: &str) -> &str {
    match fstype {
        "swap" => "linux-swap(v1)",
        "vfat" => "fat32",
        "LVM2_member" => "",
        other => other,
    }
}

/// Every command of parted 3.5, for `command_get`'s prefix matching.
#[cfg(feature = "parted-words")]
const ALL_COMMANDS: &[&str] = &[
    "align-check", "disk_set", "disk_toggle", "help", "mklabel", "mkpart", "mktable", "name", "print", "quit", "rescue", "resizepart", "rm",
    "select", "set", "toggle", "unit", "version",
];

/// `parted --help`, which script mode prints for a word that is no command.
#[cfg(feature = "parted-words")]
const USAGE: &str = "Usage: parted [OPTION]... [DEVICE [COMMAND [PARAMETERS]...]...]
Apply COMMANDs with PARAMETERS to DEVICE.  If no COMMAND(s) are given, run in
interactive mode.

OPTIONs:
  -h, --help                      displays this help message
  -l, --list                      lists partition layout on all block devices
  -m, --machine                   displays machine parseable output
  -j, --json                      displays JSON output
  -s, --script                    never prompts for user intervention
  -f, --fix                       in script mode, fix instead of abort when asked
  -v, --version                   displays the version
  -a, --align=[none|cyl|min|opt]  alignment for new partitions

COMMANDs:
  align-check TYPE N                       check partition N for TYPE(min|opt) alignment
  help [COMMAND]                           print general help, or help on COMMAND
  mklabel,mktable LABEL-TYPE               create a new disklabel (partition table)
  mkpart PART-TYPE [FS-TYPE] START END     make a partition
  name NUMBER NAME                         name partition NUMBER as NAME
  print [devices|free|list,all]            display the partition table, or available devices, or free space, or all found partitions
  quit                                     exit program
  rescue START END                         rescue a lost partition near START and END
  resizepart NUMBER END                    resize partition NUMBER
  rm NUMBER                                delete partition NUMBER
  select DEVICE                            choose the device to edit
  disk_set FLAG STATE                      change the FLAG on selected device
  disk_toggle [FLAG]                       toggle the state of FLAG on selected device
  set NUMBER FLAG STATE                    change the FLAG on partition NUMBER
  toggle [NUMBER [FLAG]]                   toggle the state of FLAG on partition NUMBER
  unit UNIT                                set the default unit to UNIT
  version                                  display the version number and copyright information of GNU Parted

Report bugs to bug-parted@gnu.org
";

/// parted 3.5's partition flags.
#[cfg(feature = "parted-words")]
const ALL_FLAGS: &[&str] = &[
    "boot", "root", "swap", "hidden", "raid", "lvm", "lba", "hp-service", "palo", "prep", "msftres", "bios_grub", "atvrecv", "diag",
    "legacy_boot", "msftdata", "irst", "esp", "chromeos_kernel", "bls_boot", "linux-home", "no_automount",
];

/// libparted's disk label types, of which the lab makes gpt and msdos.
#[cfg(feature = "parted-words")]
const LABEL_TYPES: &[&str] = &["aix", "amiga", "atari", "bsd", "dvh", "gpt", "loop", "mac", "msdos", "pc98", "sun"];

/// `str_list_match`: the option a word equals or, failing that, the only
/// one it starts, in any case.
#[cfg(feature = "parted-words")]
fn matched(word: &str, options: &[&str]) -> String {
    let lower = word.to_ascii_lowercase();
    if options.contains(&lower.as_str()) || lower.is_empty() {
        return lower;
    }
    let mut hits = options.iter().filter(|o| o.starts_with(&lower));
    match (hits.next(), hits.next()) {
        (Some(o), None) => o.to_string(),
        _ => word.to_string(),
    }
}

/// `ped_file_system_type_get()`: parted's name for a file-system type
/// (any case), as its print shows it.
fn fs_type(word: &str) -> Option<&'static str> {
    const TYPES: &[&str] = &[
        "affs0", "affs1", "affs2", "affs3", "affs4", "affs5", "affs6", "affs7", "amufs", "amufs0", "amufs1", "amufs2", "amufs3", "amufs4", "amufs5",
        "apfs1", "apfs2", "asfs", "btrfs", "ext2", "ext3", "ext4", "fat16", "fat32", "hfs", "hfs+", "hfsx", "hp-ufs", "jfs", "linux-swap(v0)",
        "linux-swap(v1)", "nilfs2", "ntfs", "reiserfs", "sun-ufs", "swsusp", "udf", "xfs", "zfs",
    ];
    let word = word.to_ascii_lowercase();
    match word.as_str() {
        "linux-swap" | "linux-swap(new)" => Some("linux-swap(v1)"),
        "linux-swap(old)" => Some("linux-swap(v0)"),
        w => TYPES.iter().copied().find(|t| *t == w),
    }
}

/// The GPT type `gpt_partition_set_system()` gives a new partition for
/// its file-system type.
fn gpt_type(fs: &str) -> &'static str {
    match fs {
        "linux-swap(v0)" | "linux-swap(v1)" | "swsusp" => "0657FD6D-A4AB-43C4-84E5-0933C84B4F4F",
        "fat16" | "fat32" | "ntfs" => "EBD0A0A2-B9E5-4433-87C0-68B6B72699C7",
        "hfs" | "hfs+" | "hfsx" => "48465300-0000-11AA-AA11-00306543ECAC",
        _ => PartType::LINUX_FS_GUID,
    }
}

/// The MBR type `msdos_partition_set_system()` gives a new partition (with
/// the LBA flag that mkpart sets).
fn dos_type(fs: &str) -> u8 {
    match fs {
        "linux-swap(v0)" | "linux-swap(v1)" | "swsusp" => 0x82,
        "fat16" => 0x0e,
        "fat32" => 0x0c,
        "ntfs" => 0x07,
        "hfs" | "hfs+" | "hfsx" => 0xaf,
        _ => 0x83,
    }
}

/// parted's flags that stand for a partition type: the flag, the GPT type's
/// name and the MBR type code (0: none; `boot` there is the active flag).
#[cfg(feature = "parted-flags")]
const FLAGS: &[(&str, &str, u8)] = &[
    ("boot", "EFI System", 0),
    ("esp", "EFI System", 0xef),
    ("lvm", "Linux LVM", 0x8e),
    ("raid", "Linux RAID", 0xfd),
    ("swap", "Linux swap", 0x82),
    ("bios_grub", "BIOS boot", 0),
];

/// The commands the lab's parted runs, for the message about the others.
#[cfg(feature = "parted-resize")]
const COMMANDS: &str = "mklabel, mkpart, name, print, resizepart, rm, set, toggle, unit and quit";
#[cfg(all(feature = "parted-flags", not(feature = "parted-resize")))]
const COMMANDS: &str = "mklabel, mkpart, print, rm, set, toggle, unit and quit";
#[cfg(not(feature = "parted-flags"))]
const COMMANDS: &str = "mklabel, mkpart, print, rm, unit and quit";

fn flags(p: &Partition) -> Vec<&'static str> {
    match p.part_type {
        PartType::Gpt(_) => match p.part_type.name() {
            "BIOS boot" => vec!["bios_grub"],
            "EFI System" => vec!["boot", "esp"],
            "Linux LVM" => vec!["lvm"],
            "Linux swap" => vec!["swap"],
            "Linux RAID" => vec!["raid"],
            "Microsoft basic data" => vec!["msftdata"],
            _ => Vec::new(),
        },
        PartType::Dos(code) => {
            let mut f = Vec::new();
            if p.bootable {
                f.push("boot");
            }
            match code {
                0x82 => f.push("swap"),
                0x8e => f.push("lvm"),
                0xfd => f.push("raid"),
                0x0c | 0x0e | 0x0f => f.push("lba"),
                0xef => f.push("esp"),
                _ => {}
            }
            f
        }
    }
}

struct Parted<'a> {
    machine: &'a mut Machine,
    out: String,
    err: String,
    unit: Unit,
    script: bool,
    /// Standard input is a pipe or a file, not the terminal.
    piped: bool,
    /// Partitions this run made: number, start, the file-system type given
    /// and whether it is on msdos (LBA flag), which its print shows.
    created: Vec<(u32, u64, &'static str, bool)>,
    /// A command wrote the label (parted's `disk_is_modified`).
    modified: bool,
}

impl Parted<'_> {
    /// `print free`'s rows for libparted's free-space regions, each placed
    /// after the partition rows that start before it (an extended partition
    /// before the free space it starts with).
    fn free_rows(&self, dev: &Device, label: &Label, rows: &mut Vec<Vec<String>>) {
        let mut starts: Vec<u64> = label.partitions.iter().map(|p| p.start_lba).collect();
        crate::core::order::small_sort(&mut starts);
        let at = |s: u64| format_bytes(s * SECTOR, self.unit, dev.sectors);
        let last = |e: u64| format_bytes((e + 1) * SECTOR - if self.unit == Unit::Sector { SECTOR } else { 1 }, self.unit, dev.sectors);
        let gpt = label.kind == LabelKind::Gpt;
        let mut added = 0;
        for ((first, end), _) in place::regions(label, dev).into_iter().filter(|r| r.1) {
            let (first, end) = (first as u64, end as u64);
            let row = vec![String::new(), at(first), last(end), at(end - first + 1), if gpt { "Free Space" } else { "" }.into(), if gpt { "" } else { "Free Space" }.into(), String::new()];
            // Header row first, then partitions starting at or before it.
            let index = 1 + starts.iter().filter(|s| **s <= first).count() + added;
            rows.insert(index.min(rows.len()), row);
            added += 1;
        }
    }
}

const INTERACTIVE: &str = "parted's interactive mode is not simulated; give a device and commands, e.g. parted -s /dev/sdb print";

/// What `wipe_line()` prints before each message outside script mode.
const WIPE_LINE: &str = concat!("\r", "                                                                          ", "\r");

/// Runs `parted ARGS`; `piped` says standard input is not the terminal.
pub fn run(machine: &mut Machine, args: &[String], piped: bool) -> Output {
    let mut p = Parted { machine, out: String::new(), err: String::new(), unit: Unit::Compact, script: false, piped, created: Vec::new(), modified: false };
    let status = p.main(args);
    // `_done()`, whatever the commands' outcome.
    if p.modified && !p.script {
        p.exception("Information", "You may need to update /etc/fstab.\n");
    }
    Output { text: p.out, err: p.err, exit_status: status, ..Output::default() }
}

#[cfg(feature = "partprobe")]
const PARTPROBE_HELP: &str = "Usage: partprobe [OPTION] [DEVICE]...
Inform the operating system about partition table changes.

  -d, --dry-run    do not actually inform the operating system
  -s, --summary    print a summary of contents
  -h, --help       display this help and exit
  -v, --version    output version information and exit

When no DEVICE is given, probe all partitions.

Report bugs to <bug-parted@gnu.org>.
";

/// `partprobe [-d] [-s] [DEVICE...]` (GNU parted 3.5): tells the kernel,
/// partition by partition, about the table on each disk (all disks when
/// none is named); `-s` prints what it found, `-d` only that.
#[cfg(feature = "partprobe")]
pub fn partprobe(machine: &mut Machine, args: &[String]) -> Output {
    let (mut dry, mut summary, mut devices) = (false, false, Vec::new());
    for a in args {
        match a.as_str() {
            "-d" | "--dry-run" => dry = true,
            "-s" | "--summary" => summary = true,
            "-h" | "--help" => return Output::text(PARTPROBE_HELP, 0),
            o if o.starts_with('-') && o.len() > 1 => {
                let what = if o.starts_with("--") { format!("unrecognized option '{o}'") } else { format!("invalid option -- '{}'", o.chars().nth(1).map(String::from).unwrap_or_default()) };
                return Output::error(format!("partprobe: {what}\nTry `partprobe --help' for more information.\n"), 1);
            }
            d => devices.push(d.to_string()),
        }
    }
    if devices.is_empty() {
        devices = machine.disks().iter().map(|d| d.path()).collect();
    }
    let mut out = Output::default();
    for path in devices {
        let Some(disk) = machine.resolve(&path).filter(|d| machine.disk(*d).is_some()) else {
            out.err.push_str(&format!("Error: Could not stat device {path} - No such file or directory.\n"));
            out.exit_status = 1;
            continue;
        };
        let failed = if dry { Vec::new() } else { machine.update_kernel_partitions(disk, &mut out.events) };
        if !failed.is_empty() {
            out.err.push_str(&format!("Error: {}\n", not_informed(&failed, &path)));
            out.exit_status = 1;
        }
        if summary {
            out.text.push_str(&format!("{path}: {}\n", summary_line(machine, disk)));
        }
    }
    out
}

/// libparted's error when BLKPG failed for partitions in use.
fn not_informed(numbers: &[u32], path: &str) -> String {
    let list: Vec<String> = numbers.iter().map(u32::to_string).collect();
    format!(
        "Partition(s) {} on {path} have been written, but we have been unable to inform the kernel of the change, probably because it/they are in use.  As a result, the old partition(s) will remain in use.  You should reboot now before making further changes.",
        list.join(", ")
    )
}

/// partprobe's summary: the label type (msdos for a blank disk, which
/// libparted then treats as an empty DOS table) and the partition numbers,
/// logical ones in angle brackets after their extended partition.
#[cfg(feature = "partprobe")]
fn summary_line(machine: &Machine, disk: DevId) -> String {
    let label = machine.disk(disk).and_then(|d| d.label());
    let kind = match &label {
        Some(l) if l.kind == LabelKind::Gpt => "gpt",
        _ => "msdos",
    };
    let mut text = format!("{kind} partitions");
    let Some(l) = label else { return text };
    let mut top: Vec<&Partition> = l.partitions.iter().filter(|p| p.number <= 4 || l.kind == LabelKind::Gpt).collect();
    top.small_sort_by_key(|p| p.start_lba);
    for p in top {
        text.push_str(&format!(" {}", p.number));
        if p.part_type.is_extended() {
            let logicals: Vec<String> = l.partitions.iter().filter(|q| q.number > 4).map(|q| q.number.to_string()).collect();
            text.push_str(&format!(" <{}>", logicals.join(" ")));
        }
    }
    text
}

/// parted's `str_list_print_wrap()`: the parts printed as one text, broken
/// before `width` columns at a blank (or at a newline in the text).
fn wrap(parts: &[&str], width: usize) -> String {
    let (mut out, mut left) = (String::new(), width as isize);
    for (k, part) in parts.iter().enumerate() {
        let mut rest: Vec<char> = part.chars().collect();
        while left < rest.len() as isize || rest.contains(&'\n') {
            let len = rest.len() as isize;
            let at = |i: isize| usize::try_from(i).ok().and_then(|i| rest.get(i)).copied().unwrap_or('\0');
            let mut cut = (left - 1).min(len - 1);
            if cut < len && at(cut + 1) == ' ' {
                cut += 1;
            }
            while cut > 0 && (at(cut).is_ascii_alphanumeric() || at(cut).is_ascii_punctuation()) {
                cut -= 1;
            }
            while cut > 0 && at(cut) == ' ' {
                cut -= 1;
            }
            let newline = rest.iter().take((cut + 1).max(0) as usize).position(|c| *c == '\n');
            if let Some(n) = newline {
                cut = n as isize - 1;
            }
            let mut right = cut + if newline.is_some() { 2 } else { 1 };
            while right < len && at(right) == ' ' {
                right += 1;
            }
            if cut > 0 {
                out.extend(&rest[..=cut as usize]);
            }
            rest.drain(..(right.clamp(0, len)) as usize);
            left = width as isize;
            if k + 1 < parts.len() || !rest.is_empty() || newline.is_some() {
                out.push('\n');
            }
        }
        out.extend(&rest);
        left -= rest.len() as isize;
    }
    out
}

impl Parted<'_> {
    /// A libparted exception as parted's handler prints it: on standard
    /// error, wrapped at 80 columns outside script mode (after a wiped line).
    fn exception(&mut self, kind: &str, message: &str) {
        if !self.script {
            self.out.push_str(WIPE_LINE);
        }
        let width = if self.script { 32768 } else { 80 };
        self.err.push_str(&wrap(&[kind, ": ", message, "\n"], width));
    }

    fn error(&mut self, message: &str) -> i32 {
        self.exception("Error", message);
        1
    }

    /// A Yes/No question: script mode and piped input leave it unanswered,
    /// which is a No. Typed at the console, parted would ask; the lab goes on.
    fn question(&mut self, message: &str) -> bool {
        self.exception("Warning", message);
        !self.script && !self.piped
    }

    fn note(&mut self, message: &str) -> i32 {
        self.err.push_str(&format!("storage-lab: {message}\n"));
        1
    }

    fn main(&mut self, args: &[String]) -> i32 {
        let mut words: Vec<String> = Vec::new();
        let mut skip_value = false;
        #[cfg(feature = "parted-resize")]
        let mut dashes = false;
        #[cfg_attr(not(feature = "parted-resize"), allow(unused_mut))]
        let mut bad = String::new();
        for a in args {
            if skip_value {
                skip_value = false;
                continue;
            }
            match a.as_str() {
                "-s" | "--script" => self.script = true,
                "-f" | "--fix" => {}
                "-a" | "--align" => skip_value = true,
                "-l" | "--list" | "-m" | "--machine" | "-j" | "--json" => {
                    return self.note("parted's -l, -m and -j are not modelled; try parted -s /dev/sdb print")
                }
                "-h" | "--help" => {
                    self.out.push_str(&super::version::no_help("parted"));
                    return 0;
                }
                "-v" | "--version" => {
                    self.out.push_str("parted (GNU parted) 3.5\n");
                    return 0;
                }
                other if other.starts_with("--align=") => {}
                // getopt reads options anywhere (`-1s` too: parted's users
                // write `--` before negative locations). Native only: 0.5 KB.
                #[cfg(feature = "parted-resize")]
                other if other.len() > 1 && other.starts_with('-') && !dashes => {
                    match other.strip_prefix("--") {
                        Some("") => dashes = true,
                        Some(_) => bad.push_str(&format!("parted: unrecognized option '{other}'\n")),
                        // getopt reports every letter it does not know, and takes the others.
                        None => {
                            for c in other[1..].chars() {
                                match c {
                                    's' => self.script = true,
                                    'h' | 'l' | 'm' | 'j' | 'f' | 'v' => {}
                                    c => bad.push_str(&format!("parted: invalid option -- '{c}'\n")),
                                }
                            }
                        }
                    }
                }
                #[cfg(not(feature = "parted-resize"))]
                other if other.starts_with('-') && words.is_empty() => {
                    self.err.push_str(&format!("parted: invalid option -- '{}'\n", other.trim_start_matches('-')));
                    return 1;
                }
                // parted reads its arguments as one command line, split at spaces.
                other => words.extend(other.split_whitespace().map(String::from)),
            }
        }
        if !bad.is_empty() {
            self.err.push_str(&format!("{bad}Usage: parted [-hlmsfv] [-a<align>] [DEVICE [COMMAND [PARAMETERS]]...]\n"));
            return 1;
        }
        if words.is_empty() {
            return self.note(INTERACTIVE);
        }
        let path = words.remove(0);
        let Some(dev) = open(self.machine, &path) else {
            return match self.machine.resolve(&path) {
                Some(_) => self.note("parted here changes whole disks; name a disk such as /dev/sdb"),
                None => self.error(&format!("Could not stat device {path} - No such file or directory.")),
            };
        };
        // Script mode with no command has nothing to do (parted 3.5 exits 0).
        if words.is_empty() {
            return if self.script { 0 } else { self.note(INTERACTIVE) };
        }
        let mut queue = words.into_iter();
        while let Some(cmd) = queue.next() {
            #[cfg(feature = "parted-words")]
            let cmd = matched(&cmd, ALL_COMMANDS);
            let ok = match cmd.as_str() {
                "print" | "p" => {
                    // `print free` adds the free space between the partitions.
                    let free = queue.as_slice().first().is_some_and(|w| w.starts_with("free"));
                    if free {
                        queue.next();
                    }
                    self.print(&dev, free)
                }
                "mklabel" | "mktable" => {
                    let kind = queue.next().unwrap_or_default();
                    self.mklabel(&dev, &kind)
                }
                "mkpart" => {
                    let rest: Vec<String> = queue.by_ref().take(4).collect();
                    let (used, ok) = self.mkpart(&dev, &rest);
                    // Words mkpart did not use start the next command.
                    let leftover: Vec<String> = rest.into_iter().skip(used).collect();
                    let remaining: Vec<String> = leftover.into_iter().chain(queue.by_ref()).collect();
                    queue = remaining.into_iter();
                    ok
                }
                #[cfg(feature = "parted-words")] "align-check" => { let (kind, n) = (queue.next().unwrap_or_default(), queue.next().unwrap_or_default()); self.align_check(&dev, &kind, &n) } "rm" => {
                    let n = queue.next().unwrap_or_default();
                    self.rm(&dev, &n)
                }
                "unit" => {
                    let u = queue.next().unwrap_or_default();
                    match UNITS.iter().find(|x| x.0.eq_ignore_ascii_case(&u)) {
                        Some(x) => {
                            self.unit = x.1;
                            true
                        }
                        None => {
                            self.error(&format!("\"{u}\" is an invalid unit."));
                            false
                        }
                    }
                }
                "quit" | "q" => break,
                #[cfg(feature = "parted-resize")]
                "resizepart" => {
                    let n = queue.next().unwrap_or_default();
                    let end = queue.next();
                    self.resizepart(&dev, &n, end.as_deref())
                }
                #[cfg(feature = "parted-resize")]
                "name" => {
                    let (n, name) = (queue.next().unwrap_or_default(), queue.next().unwrap_or_default());
                    self.name(&dev, &n, &name)
                }
                #[cfg(feature = "parted-flags")]
                "set" | "toggle" => {
                    let (n, flag) = (queue.next().unwrap_or_default(), queue.next().unwrap_or_default());
                    let state = if cmd == "set" { queue.next() } else { Some(String::new()) };
                    self.set(&dev, &n, &flag, state.as_deref().unwrap_or(if cfg!(feature = "parted-words") { "" } else { "?" }))
                }
                // `command_get` found no command, or several: parted prints
                // its usage and stops, successfully.
                #[cfg(feature = "parted-words")]
                other if !ALL_COMMANDS.contains(&other) => {
                    self.out.push_str(USAGE);
                    break;
                }
                // A command of parted's that the lab does not run.
                other => {
                    self.err.push_str(&format!("parted: the lab's parted runs {COMMANDS}, not '{other}'\n"));
                    false
                }
            };
            if !ok {
                return 1;
            }
        }
        0
    }

    fn label(&self, dev: &Device) -> Option<Label> {
        self.machine.disk(dev.disk).and_then(|d| d.label())
    }

    fn in_use(&self, dev: &Device, number: u32) -> bool {
        let part = self.machine.devices().partitions(dev.disk).iter().find(|p| matches!(p.kind, DevKind::Partition { number: n, .. } if n == number)).map(|p| p.id);
        // libparted asks only whether the partition is mounted or active swap;
        // a device-mapper holder shows up later, when the kernel refuses the update.
        part.is_some_and(|p| matches!(self.machine.busy(p), Some(Busy::Mounted { .. } | Busy::Swap)))
    }

    fn commit(&mut self, dev: &Device, label: &Label) -> bool {
        let (failed, _) = self.machine.write_label_per_partition(dev.disk, label);
        if failed.is_empty() {
            self.modified = true;
            return true;
        }
        self.error(&not_informed(&failed, &dev.path));
        false
    }

    /// `do_mklabel()`: the type, then the checks on the disk's current label.
    fn mklabel(&mut self, dev: &Device, kind: &str) -> bool {
        #[cfg(feature = "parted-words")]
        let kind = matched(kind, LABEL_TYPES);
        let gpt = match &*kind {
            "gpt" => true,
            "msdos" => false,
            other => {
                if !other.is_empty() {
                    self.err.push_str(&format!("parted: invalid token: {other}\n"));
                }
                self.error("Expecting a disk label type.");
                return false;
            }
        };
        let busy = self.machine.disk(dev.disk).map(|d| d.kernel_partitions.clone()).unwrap_or_default().iter().any(|k| self.in_use(dev, k.number));
        if busy {
            self.error(&format!("Partition(s) on {} are being used.", dev.path));
            return false;
        }
        let warning = format!("The existing disk label on {} will be destroyed and all data on this disk will be lost. Do you want to continue?", dev.path);
        if !self.script && self.label(dev).is_some() && !self.question(&warning) {
            return false;
        }
        let label = if gpt {
            let g = self.machine.new_guid();
            // libparted's GPT starts its usable sectors right after the entries.
            Label::new_gpt(dev.sectors, g).map(|l| Label { first_lba: 34, ..l })
        } else {
            let s = self.machine.new_dos_signature();
            Label::new_dos(dev.sectors, s)
        };
        let Ok(label) = label else {
            self.error("partition length of the disk exceeds the msdos limit");
            return false;
        };
        self.commit(dev, &label)
    }

    /// `mkpart PART-TYPE|NAME [FS-TYPE] START END` (`do_mkpart()`); returns
    /// how many words it used. A missing word fails without a message, as
    /// script mode's empty answer does.
    fn mkpart(&mut self, dev: &Device, words: &[String]) -> (usize, bool) {
        let Some(mut label) = self.label(dev) else {
            self.error(&format!("{}: unrecognised disk label", dev.path));
            return (words.len(), false);
        };
        let Some(kind) = words.first().cloned() else { #[cfg(feature = "parted-words")] if label.kind != LabelKind::Gpt { self.error("Expecting a partition type."); } return (0, false) };
        let gpt = label.kind == LabelKind::Gpt;
        // `command_line_get_part_type()` offers only the types the label can still take.
        let has_extended = label.extended().is_some();
        #[cfg(feature = "parted-words")]
        let kind = if gpt { kind } else { matched(&kind, &["primary", if has_extended { "logical" } else { "extended" }]) };
        let offered = match kind.as_str() {
            "primary" => true,
            "logical" => has_extended,
            "extended" => !has_extended,
            _ => false,
        };
        if !gpt && !offered {
            self.err.push_str(&format!("parted: invalid token: {kind}\n"));
            self.error("Expecting a partition type.");
            return (1, false);
        }
        let mut i = 1;
        // A word that does not start with a digit is a file-system type.
        let fs = match words.get(i) {
            Some(w) if kind != "extended" && !w.starts_with(|c: char| c.is_ascii_digit() || c == '-') => {
                let Some(name) = fs_type(w) else {
                    self.err.push_str(&format!("parted: invalid token: {w}\n"));
                    self.error("Expecting a file system type.");
                    return (i + 1, false);
                };
                i += 1;
                Some(name)
            }
            _ => None,
        };
        let (Some(start), Some(end)) = (words.get(i).cloned(), words.get(i + 1).cloned()) else { return (words.len(), false) };
        i += 2;
        let number = if kind == "logical" && !gpt { label.next_logical_number() } else { label.free_numbers().first().copied().unwrap_or(0) };
        if number == 0 {
            self.error("Can't create any more partitions.");
            return (i, false);
        }
        let Some((first, last)) = self.place(dev, &label, number, &start, &end) else { return (i, false) };
        let (part_type, name) = if gpt {
            (PartType::gpt_named(gpt_type(fs.unwrap_or(""))), kind.clone())
        } else if kind == "extended" {
            (PartType::Dos(0x0f), String::new())
        } else {
            (PartType::Dos(dos_type(fs.unwrap_or(""))), String::new())
        };
        let unique_guid = if gpt { self.machine.new_guid() } else { Guid::ZERO };
        let p = Partition { number, start_lba: first, size_sectors: last - first + 1, part_type, unique_guid, name, bootable: false };
        // libparted lets an msdos partition start at sector 1, where fdisk
        // (the label's usual first sector) would not.
        let mut scratch = Label { first_lba: label.first_lba.min(first), ..label.clone() };
        if number == 0 || scratch.add(p).is_err() {
            self.error("Can't have overlapping partitions.");
            return (i, false);
        }
        label.partitions = scratch.partitions;
        // Until parted exits its label remembers the type it was given and
        // an msdos partition's LBA flag; neither is on the disk.
        self.created.retain(|c| c.0 != number);
        self.created.push((number, first, fs.unwrap_or(""), !gpt));
        (i, self.commit(dev, &label))
    }

    /// `set N FLAG on|off` and `toggle N FLAG` (`state` ""): on GPT a flag
    /// is the partition's type (off gives back Linux data if it was that
    /// type), on msdos `boot` is the active flag and the others type codes.
    #[cfg(feature = "parted-flags")]
    fn set(&mut self, dev: &Device, number: &str, flag: &str, state: &str) -> bool {
        #[cfg(feature = "parted-words")]
        let (flag, state) = (&*matched(flag, ALL_FLAGS), &*matched(state, &["on", "off"]));
        let Some(mut label) = self.label(dev) else {
            self.error(&format!("{}: unrecognised disk label", dev.path));
            return false;
        };
        let Some(p) = number.parse::<u32>().ok().and_then(|n| label.partitions.iter_mut().find(|p| p.number == n)) else {
            self.error("Partition doesn't exist.");
            return false;
        };
        if cfg!(feature = "parted-words") && flag.is_empty() { return false; } let Some(&(_, type_name, code)) = FLAGS.iter().find(|f| f.0 == flag) else {
            // parted 3.5's other flags exist but are not modelled; any other word is no flag.
            const OTHERS: &[&str] = &["root", "hidden", "lba", "hp-service", "palo", "prep", "msftres", "atvrecv", "diag", "legacy_boot", "msftdata", "irst", "chromeos_kernel", "bls_boot", "linux-home", "no_automount"];
            self.err.push_str(&if OTHERS.contains(&flag) {
                format!("parted: the lab's parted sets boot, esp, lvm, raid, swap and bios_grub, not '{flag}'\n")
            } else {
                format!("parted: invalid token: {flag}\n")
            });
            return false;
        };
        let has = flags(p).contains(&flag);
        let on = match state {
            "on" => true,
            "off" => false,
            "" => !has,
            other => {
                self.err.push_str(&format!("parted: invalid token: {other}\n"));
                return false;
            }
        };
        match p.part_type {
            PartType::Gpt(_) if on => {
                let guid = crate::core::parttypes::gpt_types().find(|t| t.1 == type_name).map_or(PartType::LINUX_FS_GUID, |t| t.0);
                p.part_type = PartType::gpt_named(guid);
            }
            PartType::Gpt(_) if has => p.part_type = PartType::gpt_named(PartType::LINUX_FS_GUID),
            PartType::Dos(_) if flag == "boot" => p.bootable = on,
            PartType::Dos(_) if code == 0 => {
                self.err.push_str(&format!("parted: invalid token: {flag}\n"));
                return false;
            }
            PartType::Dos(_) if on || has => p.part_type = PartType::Dos(if on { code } else { 0x83 }),
            _ => {}
        }
        self.commit(dev, &label)
    }

    /// `command_line_get_partition()`: strtol's reading, so a word that is
    /// no number is partition 0, which does not exist; a missing, negative
    /// or too large one is refused.
    #[cfg(feature = "parted-resize")]
    fn partition_number(&mut self, text: &str) -> Option<u32> {
        let t = text.trim_start();
        let digits = t.strip_prefix(['+', '-']).unwrap_or(t);
        let digits = &digits[..digits.find(|c: char| !c.is_ascii_digit()).unwrap_or(digits.len())];
        let n = if digits.is_empty() { Some(0) } else { digits.parse::<i32>().ok() };
        match n {
            Some(n) if !text.is_empty() && !(t.starts_with('-') && n > 0) => Some(n as u32),
            _ => {
                self.error("Expecting a partition number.");
                None
            }
        }
    }

    /// The browser reads plain numbers only.
    #[cfg(not(feature = "parted-resize"))]
    fn partition_number(&mut self, text: &str) -> Option<u32> {
        let n = text.parse().ok();
        if n.is_none() {
            self.error("Expecting a partition number.");
        }
        n
    }

    fn rm(&mut self, dev: &Device, number: &str) -> bool {
        let Some((mut label, part)) = self.chosen_partition(dev, number) else { return false };
        if !self.warn_busy(dev, part.number) {
            return false;
        }
        let _ = label.delete(part.number);
        self.commit(dev, &label)
    }

    /// The disk's table and the partition a command names, or parted's error.
    fn chosen_partition(&mut self, dev: &Device, number: &str) -> Option<(Label, Partition)> {
        let Some(label) = self.label(dev) else {
            self.error(&format!("{}: unrecognised disk label", dev.path));
            return None;
        };
        let n = self.partition_number(number)?;
        let Some(part) = label.partition(n).cloned() else {
            self.error("Partition doesn't exist.");
            return None;
        };
        Some((label, part))
    }

    /// `_partition_warn_busy()`: a partition in use is a question first.
    fn warn_busy(&mut self, dev: &Device, n: u32) -> bool {
        if !self.in_use(dev, n) {
            return true;
        }
        let path = format!("/dev/{}", crate::core::disk::partition_name(&self.machine.name_of(dev.disk), n));
        self.question(&format!("Partition {path} is being used. Are you sure you want to continue?"))
    }

    fn print(&mut self, dev: &Device, free: bool) -> bool {
        let label = self.label(dev); #[cfg(feature = "parted-loop-label")] let label = match self.print_loop(dev, label) { Ok(done) => return done, Err(label) => label };
        if label.is_none() {
            self.error(&format!("{}: unrecognised disk label", dev.path));
        }
        let size = if self.unit == Unit::Sector { format!("{}s", dev.sectors) } else { format_bytes(dev.sectors * SECTOR, self.unit, dev.sectors) };
        let table = match &label {
            None => "unknown",
            Some(l) if l.kind == LabelKind::Gpt => "gpt",
            Some(_) => "msdos",
        };
        self.out.push_str(&format!(
            "Model: {}\nDisk {}: {size}\nSector size (logical/physical): 512B/512B\nPartition Table: {table}\nDisk Flags: \n",
            dev.model, dev.path
        ));
        let Some(label) = label else { return !self.script };
        let gpt = label.kind == LabelKind::Gpt;
        let mut rows: Vec<Vec<String>> = vec![if gpt {
            ["Number", "Start", "End", "Size", "File system", "Name", "Flags"].map(String::from).to_vec()
        } else {
            ["Number", "Start", "End", "Size", "Type", "File system", "Flags"].map(String::from).to_vec()
        }];
        let mut parts: Vec<&Partition> = label.partitions.iter().collect();
        crate::core::order::SmallSort::small_sort_by_key(parts.as_mut_slice(), |p| p.start_lba);
        for p in parts {
            let at = |s: u64| format_bytes(s * SECTOR, self.unit, dev.sectors);
            let found = self.machine.probe_at(dev.disk, p.start_lba * SECTOR, p.size_sectors * SECTOR);
            let made = self.created.iter().find(|c| c.0 == p.number && c.1 == p.start_lba);
            let fs = found.map(|s| fs_name(s.fstype.name()).to_string()).unwrap_or_else(|| made.map_or("", |c| c.2).to_string());
            let mut flags = flags(p);
            if made.is_some_and(|c| c.3) && !flags.contains(&"lba") {
                flags.push("lba");
            }
            let kind = if p.part_type.is_extended() { "extended" } else if p.is_logical() { "logical" } else { "primary" };
            let middle = if gpt { [fs, p.name.clone()] } else { [kind.to_string(), fs] };
            rows.push(vec![
                format!("{:>2}", p.number),
                at(p.start_lba),
                // The end is the partition's last byte (its last sector in unit s).
                format_bytes((p.end_lba() + 1) * SECTOR - if self.unit == Unit::Sector { SECTOR } else { 1 }, self.unit, dev.sectors),
                at(p.size_sectors),
                middle[0].clone(),
                middle[1].clone(),
                flags.join(", "),
            ]);
        }
        if free {
            self.free_rows(dev, &label, &mut rows);
        }
        let widths: Vec<usize> = (0..7).map(|c| rows.iter().map(|r| r[c].chars().count()).max().unwrap_or(0)).collect();
        self.out.push('\n');
        for r in rows {
            let line: String = r.iter().zip(&widths).map(|(cell, w)| format!("{cell:<w$}  ")).collect();
            self.out.push_str(line.trim_end());
            self.out.push('\n');
        }
        self.out.push('\n');
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parted(m: &mut Machine, line: &str) -> (String, i32) {
        let args: Vec<String> = line.split_whitespace().map(str::to_string).collect();
        let o = run(m, &args, false);
        (format!("{}{}", o.err, o.text), o.exit_status)
    }

    #[test]
    fn whole_disk_by_percent_and_the_gpt_name() {
        let mut m = Machine::with_disks(1, &[("sdb".into(), 1 << 30)]).expect("disk");
        assert_eq!(parted(&mut m, "-s /dev/sdb mklabel gpt mkpart data ext4 0% 100%").1, 0);
        let l = m.disks()[0].label().expect("label");
        let p = l.partition(1).expect("partition 1");
        assert_eq!((p.start_lba, p.end_lba(), p.name.as_str()), (2048, 2095103, "data"));
        assert_eq!(m.disks()[0].kernel_partitions.len(), 1);
    }

    #[test]
    fn busy_partitions_keep_their_geometry_and_free_ones_change() {
        let mut m = Machine::lab(7);
        let (out, st) = parted(&mut m, "-s /dev/sda rm 2");
        assert_eq!((out.as_str(), st), ("Warning: Partition /dev/sda2 is being used. Are you sure you want to continue?\n", 1));
        let (out, st) = parted(&mut m, "-s /dev/sda mklabel msdos");
        assert_eq!((out.as_str(), st), ("Error: Partition(s) on /dev/sda are being used.\n", 1));
        let (out, st) = parted(&mut m, "-s /dev/sda rm 3");
        assert_eq!(st, 1);
        assert!(out.starts_with("Error: Partition(s) 3 on /dev/sda have been written, but we have been unable to inform the kernel"), "{out}");
        assert!(m.disks()[0].kernel_partitions.iter().any(|k| k.number == 3));
    }

    #[test]
    fn bad_input_gets_parteds_errors() {
        let mut m = Machine::with_disks(1, &[("sdb".into(), 1 << 30)]).expect("disk");
        assert_eq!(parted(&mut m, "-s /dev/sdz print").0, "Error: Could not stat device /dev/sdz - No such file or directory.\n");
        assert_eq!(parted(&mut m, "-s /dev/sdb mklabel gpt mkpart a 1MiB lots").0, "Error: Invalid number.\n");
        assert_eq!(parted(&mut m, "-s /dev/sdb rm 4").0, "Error: Partition doesn't exist.\n");
        // A word that is no command gets parted's usage; a command the lab
        // does not run, the lab's own message.
        #[cfg(feature = "parted-words")]
        assert_eq!(parted(&mut m, "-s /dev/sdb frob").0, USAGE);
        assert_eq!(parted(&mut m, "-s /dev/sdb rescue 1 2").0, format!("parted: the lab's parted runs {COMMANDS}, not 'rescue'\n"));
    }
}

/// `align-check` (native: feature `parted-words`).
#[cfg(feature = "parted-words")]
impl Parted<'_> {
    /// `do_align_check`: whether partition N starts on the grain, 1 MiB for
    /// `optimal` (these disks report no optimal I/O size) and a sector for
    /// `minimal` (512-byte physical sectors). Script mode answers with the
    /// exit status alone; otherwise it prints "N aligned" or why not.
    fn align_check(&mut self, dev: &Device, kind: &str, number: &str) -> bool {
        let kind = if kind.is_empty() { "optimal".to_string() } else { matched(kind, &["minimal", "optimal"]) };
        if !matches!(kind.as_str(), "minimal" | "optimal") {
            self.err.push_str(&format!("parted: invalid token: {kind}\n"));
            return false;
        }
        let Some((_, part)) = self.chosen_partition(dev, number) else { return false };
        let grain = if kind == "optimal" { crate::core::label::GRAIN_SECTORS } else { 1 };
        let start = part.start_lba;
        if self.script {
            return start % grain == 0;
        }
        self.out.push_str(&if start % grain == 0 { format!("{} aligned\n", part.number) } else { format!("{} not aligned: {start}s % {grain}s != 0s\n", part.number) });
        true
    }
}
