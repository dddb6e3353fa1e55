//! blkid and wipefs from util-linux 2.38: both read signatures from the
//! devices' bytes (filesystems, swap, LVM labels and partition tables).
//!
//! Simplified: blkid has no cache (every call probes, as `blkid -p` does), and
//! only the output formats `full`, `export` and `value` exist.

use crate::core::event::Event;
use super::fmt::{Align, Table};
use super::Output;
use crate::core::device::{DevId, DevKind};
use crate::core::label::{DiskId, LabelKind, PartType};
use crate::core::machine::Machine;
use crate::core::media::Chunk;
use crate::core::order::SmallSort;
use crate::core::signature::{FsType, Signature};

/// A complaint, on standard error.
fn fail(text: impl Into<String>, status: i32) -> Output {
    Output::error(text, status)
}

/// Runs blkid or wipefs, or returns None for other commands.
pub fn run(machine: &mut Machine, cmd: &str, args: &[String]) -> Option<Output> {
    Some(match cmd {
        "blkid" => blkid(machine, args),
        "wipefs" => wipefs(machine, args),
        #[cfg(feature = "coreutils-extras")]
        "findfs" => findfs(machine, args),
        _ => return None,
    })
}

/// `findfs NAME=value`: the device whose tag has that value, as `blkid -t`
/// finds it; a word without `=` is a device name already. Native only (the
/// budget, as blockdev).
#[cfg(feature = "coreutils-extras")]
fn findfs(machine: &Machine, args: &[String]) -> Output {
    let [spec] = args else {
        return fail("findfs: bad usage\nTry 'findfs --help' for more information.\n", 2);
    };
    let Some((name, value)) = spec.split_once('=') else {
        return Output::text(format!("{spec}\n"), 0);
    };
    find_tag(machine, name, value).map_or_else(|| fail(&format!("findfs: unable to resolve '{spec}'\n"), 1), |d| Output::text(format!("{}\n", machine.path(d)), 0))
}

/// The first device, in blkid's order, with the tag `name=value`.
#[cfg(any(feature = "coreutils-extras", feature = "mount-table"))]
pub(crate) fn find_tag(machine: &Machine, name: &str, value: &str) -> Option<DevId> {
    all_devices(machine).into_iter().find(|d| tags(machine, *d, false).iter().any(|(k, v)| *k == name && v == value))
}

/// Every device blkid probes, by device number: whole disks with partitions are skipped.
fn all_devices(machine: &Machine) -> Vec<DevId> {
    let mut devs: Vec<(u32, u32, DevId)> = machine.devices().iter().filter(|d| machine.devices().partitions(d.id).is_empty()).map(|d| (d.major, d.minor, d.id)).collect();
    devs.small_sort_by_key(|d| (d.0, d.1));
    devs.into_iter().map(|d| d.2).collect()
}

/// The tags blkid prints for a device, in its order.
pub(crate) fn tags(machine: &Machine, dev: DevId, low_level: bool) -> Vec<(&'static str, String)> {
    let mut t = Vec::new();
    if let Some(s) = machine.probe_shown(dev) {
        fs_tags(&s, low_level, &mut t);
    }
    if let Some(l) = machine.disk(dev).and_then(|d| d.label()) {
        let id = match l.disk_id {
            DiskId::Dos(s) => format!("{s:08x}"),
            DiskId::Gpt(g) => g.to_string().to_ascii_lowercase(),
        };
        t.push(("PTUUID", id));
        t.push(("PTTYPE", l.kind.name().to_string()));
    }
    part_tags(machine, dev, low_level, &mut t);
    t
}

fn fs_tags(s: &Signature, low_level: bool, t: &mut Vec<(&'static str, String)>) {
    // libblkid's zfs prober sets the version before anything else.
    #[cfg(feature = "zfs")]
    let zfs_guid = match s.fstype {
        FsType::ZfsMember { vdev_guid } => Some(vdev_guid),
        _ => None,
    };
    #[cfg(not(feature = "zfs"))]
    let zfs_guid: Option<u64> = None;
    if low_level && zfs_guid.is_some() {
        t.push(("VERSION", s.fstype.version().to_string()));
    }
    if !s.label.is_empty() {
        t.push(("LABEL", s.label.clone()));
    }
    t.push(("UUID", s.uuid.clone()));
    if let Some(g) = zfs_guid {
        t.push(("UUID_SUB", g.to_string()));
    } else if low_level && !s.fstype.version().is_empty() {
        t.push(("VERSION", s.fstype.version().to_string()));
    }
    if s.block_size > 0 {
        t.push(("BLOCK_SIZE", s.block_size.to_string()));
    }
    t.push(("TYPE", s.fstype.name().to_string()));
    if low_level {
        let usage = match s.fstype {
            FsType::Swap => "other",
            FsType::LvmPv => "raid",
            _ => "filesystem",
        };
        t.push(("USAGE", usage.into()));
    }
}

/// A partition's tags: PARTLABEL/PARTUUID, or with `-p` the PART_ENTRY_* set.
fn part_tags(machine: &Machine, dev: DevId, low_level: bool, t: &mut Vec<(&'static str, String)>) {
    let Some(DevKind::Partition { disk, number, .. }) = machine.devices().get(dev).map(|d| d.kind.clone()) else { return };
    let Some(label) = machine.disk(disk).and_then(|d| d.label()) else { return };
    let Some(p) = label.partition(number) else { return };
    let uuid = match (p.part_type, label.disk_id) {
        (PartType::Gpt(_), _) => p.unique_guid.to_string().to_ascii_lowercase(),
        (_, DiskId::Dos(sig)) => format!("{sig:08x}-{number:02x}"),
        _ => String::new(),
    };
    if !low_level {
        if !p.name.is_empty() {
            t.push(("PARTLABEL", p.name.clone()));
        }
        t.push(("PARTUUID", uuid));
        return;
    }
    let scheme = if label.kind == LabelKind::Gpt { "gpt" } else { "dos" };
    t.push(("PART_ENTRY_SCHEME", scheme.into()));
    if !p.name.is_empty() {
        t.push(("PART_ENTRY_NAME", p.name.clone()));
    }
    t.push(("PART_ENTRY_UUID", uuid));
    let ty = match p.part_type {
        PartType::Gpt(g) => g.to_string().to_ascii_lowercase(),
        PartType::Dos(c) => format!("0x{c:x}"),
    };
    t.push(("PART_ENTRY_TYPE", ty));
    t.push(("PART_ENTRY_NUMBER", number.to_string()));
    t.push(("PART_ENTRY_OFFSET", p.start_lba.to_string()));
    t.push(("PART_ENTRY_SIZE", p.size_sectors.to_string()));
    let d = machine.devices().get(disk);
    t.push(("PART_ENTRY_DISK", d.map_or_else(String::new, |d| format!("{}:{}", d.major, d.minor))));
}

#[derive(Default)]
struct BlkidArgs {
    devices: Vec<String>,
    low_level: bool,
    format: String,
    only: Vec<String>,
    /// `-L LABEL`, `-U UUID`: the device with that tag, by name only.
    lookup: Option<(&'static str, String)>,
    /// `-t NAME=value`: only the devices with that tag.
    token: Option<(String, String)>,
}

fn parse_blkid(args: &[String]) -> Result<BlkidArgs, Output> {
    let mut a = BlkidArgs { format: "full".into(), ..BlkidArgs::default() };
    let mut i = 0;
    while i < args.len() {
        let arg = args[i].as_str();
        let value = |i: &mut usize| {
            *i += 1;
            args.get(*i).cloned().ok_or_else(|| fail(format!("blkid: option requires an argument -- '{}'\n", arg.trim_start_matches('-')), 2))
        };
        match arg {
            "-p" | "--probe" => a.low_level = true,
            "-o" | "--output" => a.format = value(&mut i)?,
            "-s" | "--match-tag" => a.only.push(value(&mut i)?),
            "-L" | "--label" => a.lookup = Some(("LABEL", value(&mut i)?)),
            "-U" | "--uuid" => a.lookup = Some(("UUID", value(&mut i)?)),
            "-t" | "--match-token" => {
                let token = value(&mut i)?;
                let (k, v) = token.split_once('=').unwrap_or((&token, ""));
                a.token = Some((k.to_string(), v.trim_matches('"').to_string()));
            }
            "-O" | "--offset" | "-c" => {
                value(&mut i)?;
            }
            "-c/dev/null" | "-g" | "-w" => {}
            s if s.starts_with('-') => return Err(fail(format!("blkid: invalid option -- '{}'\n", s.trim_start_matches('-')), 2)),
            s => a.devices.push(s.to_string()),
        }
        i += 1;
    }
    if !matches!(a.format.as_str(), "full" | "export" | "value" | "device") {
        return Err(fail(format!("blkid: unsupported output format {}\n", a.format), 2));
    }
    Ok(a)
}

fn blkid(machine: &Machine, args: &[String]) -> Output {
    let a = match parse_blkid(args) {
        Ok(a) => a,
        Err(o) => return o,
    };
    let devs: Vec<(DevId, String)> = if a.devices.is_empty() {
        all_devices(machine).into_iter().map(|d| (d, machine.path(d))).collect()
    } else {
        a.devices.iter().filter_map(|p| machine.resolve(p).map(|d| (d, p.clone()))).collect()
    };
    let has = |t: &[(&str, String)], (name, value): (&str, &str)| t.iter().any(|(k, v)| *k == name && v == value);
    if let Some((name, value)) = &a.lookup {
        let found = all_devices(machine).into_iter().find(|d| has(&tags(machine, *d, false), (name, value)));
        return found.map_or_else(|| Output::text("", 2), |d| Output::text(format!("{}\n", machine.path(d)), 0));
    }
    let offset = args.iter().position(|x| x == "-O").and_then(|i| args.get(i + 1)).and_then(|v| v.parse::<u64>().ok());
    let mut text = String::new();
    for (dev, path) in devs {
        let mut t = match offset {
            Some(o) => {
                let mut v = Vec::new();
                if let Some(s) = machine.probe_at(dev, o, machine.size_of(dev).saturating_sub(o)) {
                    fs_tags(&s, a.low_level, &mut v);
                }
                v
            }
            None => tags(machine, dev, a.low_level),
        };
        if a.token.as_ref().is_some_and(|(k, v)| !has(&t, (k, v))) {
            continue;
        }
        if !a.only.is_empty() {
            t.retain(|(k, _)| a.only.iter().any(|o| o == k));
        }
        if t.is_empty() {
            continue;
        }
        text.push_str(&format_tags(&path, &t, &a.format));
    }
    let status = if text.is_empty() { 2 } else { 0 };
    Output::text(text, status)
}

fn format_tags(path: &str, t: &[(&'static str, String)], format: &str) -> String {
    match format {
        "export" => {
            let mut s = format!("DEVNAME={path}\n");
            for (k, v) in t {
                s.push_str(&format!("{k}={v}\n"));
            }
            s
        }
        "value" => t.iter().map(|(_, v)| format!("{v}\n")).collect(),
        "device" => format!("{path}\n"),
        _ => {
            let parts: Vec<String> = t.iter().map(|(k, v)| format!("{k}=\"{v}\"")).collect();
            format!("{path}: {}\n", parts.join(" "))
        }
    }
}

/// A signature wipefs can list and erase.
pub(crate) struct Found {
    pub(crate) offset: u64,
    pub(crate) kind: String,
    uuid: String,
    label: String,
    pub(crate) magic: Vec<u8>,
}

/// Every signature on a device, in libblkid's order: superblocks first, then
/// partition tables.
pub(crate) fn signatures(machine: &Machine, dev: DevId) -> Vec<Found> {
    let mut v = Vec::new();
    if let Some(s) = machine.probe(dev) {
        v.push(Found { offset: s.magic_offset, kind: s.fstype.name().into(), uuid: s.uuid.clone(), label: s.label.clone(), magic: s.magic.to_vec() });
    }
    let size = machine.size_of(dev);
    let read = |o: u64, n: u64| machine.read_at(dev, o, n).unwrap_or_default();
    let efi = b"EFI PART";
    let primary = read(512, 8) == efi;
    let backup_at = size.saturating_sub(512);
    let backup = size >= 1024 && read(backup_at, 8) == efi;
    let boot = read(510, 2) == [0x55, 0xAA];
    let protective = boot && read(450, 1) == [0xEE];
    if primary {
        v.push(Found { offset: 512, kind: "gpt".into(), uuid: String::new(), label: String::new(), magic: efi.to_vec() });
    }
    if backup && (primary || protective || v.is_empty()) {
        v.push(Found { offset: backup_at, kind: "gpt".into(), uuid: String::new(), label: String::new(), magic: efi.to_vec() });
    }
    // A FAT boot sector ends in 55 AA too; libblkid's dos prober skips it.
    if boot && machine.probe(dev).map_or(true, |s| s.fstype != FsType::Vfat) {
        let kind = if protective { "PMBR" } else { "dos" };
        v.push(Found { offset: 510, kind: kind.into(), uuid: String::new(), label: String::new(), magic: vec![0x55, 0xAA] });
    }
    v
}

fn wipefs(machine: &mut Machine, args: &[String]) -> Output { #[cfg(feature = "wipe-modes")] if let Some(out) = wipefs_filters::wipefs(machine, args) { return out; }
    let all = args.iter().any(|a| a == "-a" || a == "--all" || a.starts_with('-') && !a.starts_with("--") && a.contains('a'));
    let dry = args.iter().any(|a| a == "-n" || a == "--no-act" || a.starts_with('-') && !a.starts_with("--") && a.contains('n'));
    let force = args.iter().any(|a| a == "-f" || a == "--force" || a.starts_with('-') && !a.starts_with("--") && a.contains('f'));
    let quiet = args.iter().any(|a| a == "-q" || a == "--quiet" || a.starts_with('-') && !a.starts_with("--") && a.contains('q'));
    let paths: Vec<&String> = args.iter().filter(|a| !a.starts_with('-')).collect();
    if paths.is_empty() {
        return fail("wipefs: no device specified\nTry 'wipefs --help' for more information.\n", 1);
    }
    let mut text = String::new();
    let mut events = Vec::new();
    let mut rows: Vec<[String; 5]> = Vec::new();
    for p in paths {
        let Some(dev) = machine.resolve(p) else {
            return Output { err: format!("wipefs: error: {p}: probing initialization failed: No such file or directory\n"), ..Output::text(text, 1) };
        };
        // -a opens the device O_EXCL unless forced: a mounted filesystem, a
        // swap area, a held device or a disk with such a partition is busy.
        if all && !force && (machine.busy(dev).is_some() || machine.disk_busy(dev)) {
            return Output { err: format!("wipefs: error: {p}: probing initialization failed: Device or resource busy\n"), ..Output::text(text, 1) };
        }
        let found = signatures(machine, dev);
        if !all {
            let name = machine.name_of(dev);
            rows.extend(found.into_iter().map(|f| [name.clone(), format!("0x{:x}", f.offset), f.kind, f.uuid, f.label]));
            continue;
        }
        let erased = erase(machine, dev, p, &found, dry, &mut events);
        // -q keeps quiet about the bytes, not about the kernel's answer.
        text.extend(erased.lines().filter(|l| !quiet || l.contains("re-read partition table")).map(|l| format!("{l}\n")));
    }
    if !all && !rows.is_empty() {
        text.push_str(&table(rows));
    }
    Output { events, ..Output::text(text, 0) }
}

/// `wipefs -a`: erases each signature's magic, then has the kernel re-read a
/// disk whose partition table went.
fn erase(machine: &mut Machine, dev: DevId, path: &str, found: &[Found], dry: bool, events: &mut Vec<Event>) -> String {
    let mut text = String::new();
    for f in found {
        let hex: Vec<String> = f.magic.iter().map(|b| format!("{b:02x}")).collect();
        let n = f.magic.len();
        text.push_str(&format!("{path}: {n} byte{} erased at offset 0x{:08x} ({}): {}\n", if n == 1 { " was" } else { "s were" }, f.offset, f.kind, hex.join(" ")));
        if !dry {
            match machine.write_at(dev, f.offset, Chunk::zeros(n as u64)) {
                Ok(e) => events.extend(e),
                Err(e) => events.extend(e.events),
            }
        }
    }
    let table_erased = found.iter().any(|f| matches!(f.kind.as_str(), "gpt" | "PMBR" | "dos"));
    let fs_erased = found.iter().any(|f| !matches!(f.kind.as_str(), "gpt" | "PMBR" | "dos"));
    if fs_erased && !dry && machine.probe(dev).is_none() {
        events.push(Event::SignatureWiped { dev: machine.name_of(dev) });
    }
    if table_erased && machine.disk(dev).is_some() {
        use crate::core::machine::Reread;
        let why = match if dry { Reread::Done } else { machine.reread(dev, events) } {
            Reread::Done => "Success",
            Reread::Busy => "Device or resource busy",
            #[cfg(feature = "loop-devices")]
            Reread::Invalid => "Invalid argument",
        };
        text.push_str(&format!("{path}: calling ioctl to re-read partition table: {why}\n"));
    }
    text
}

/// wipefs's listing, a libsmartcols table of left-aligned columns.
fn table(rows: Vec<[String; 5]>) -> String {
    let heads = ["DEVICE", "OFFSET", "TYPE", "UUID", "LABEL"].map(|h| (h, Align::Left));
    let mut table = Table::new(&heads);
    for r in rows {
        table.push(r.into());
    }
    table.render()
}

#[cfg(feature = "wipe-modes")]
mod wipefs_filters;
