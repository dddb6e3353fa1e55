//! The lvm2 command line (2.03): pv*, vg* and lv* commands, their reports and
//! their exact messages, over `core::lvm`.
//!
//! Reports follow lvm2's rules: two-space indent, headers left-aligned, sizes
//! right-aligned, every column padded to its width (so lines can end in spaces),
//! and sizes in the default unit marked `<` when rounding shows them larger than
//! they are. Simplifications: no `-O` sorting, `--select`, `vgchange`, snapshots,
//! tags, or `--separator`; the LV creation time is a fixed lab clock.

use super::fmt::json_string;
use super::{Interactive, Output, Shell};
use crate::core::lvm::{Lv, LvKind, LvmError, Pv, Vg};
use crate::core::machine::{dm_name, BlockRef, Machine};
use crate::core::units::{KIB, MIB};
use crate::core::Event;

/// How sizes are shown (`--units`, `--nosuffix`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Units {
    pub unit: char,
    /// `--units` was given: no `<` rounding marks.
    pub explicit: bool,
    pub suffix: bool,
}

impl Default for Units {
    fn default() -> Self {
        Units { unit: 'h', explicit: false, suffix: true }
    }
}

/// lvm2's short size form: `<10.00g`, `512.00m`, `0 `.
pub fn short_size(bytes: u64, u: Units) -> String {
    let suffix = u.suffix || matches!(u.unit, 'h' | 'H');
    if bytes == 0 {
        return if suffix { "0 ".into() } else { "0".into() };
    }
    let (base, letters): (u64, &[u8]) = if u.unit.is_ascii_uppercase() { (1000, b"BKMGTPE") } else { (1024, b"bkmgtpe") };
    let (div, letter) = match u.unit.to_ascii_lowercase() {
        'b' => return if suffix { format!("{bytes}B") } else { bytes.to_string() },
        's' => return if suffix { format!("{}S", bytes / 512) } else { (bytes / 512).to_string() },
        'h' => {
            let mut p = 6u32;
            while p > 1 && bytes < base.pow(p) {
                p -= 1;
            }
            (base.pow(p), letters[p as usize] as char)
        }
        c => {
            let p = b"bkmgtpe".iter().position(|x| *x as char == c).unwrap_or(3) as u32;
            (base.pow(p), letters[p as usize] as char)
        }
    };
    let hundredths = (bytes as u128 * 200 + div as u128) / (2 * div as u128);
    let marker = if !u.explicit && hundredths * div as u128 > bytes as u128 * 100 { "<" } else { "" };
    let number = format!("{}.{:02}", hundredths / 100, hundredths % 100);
    if suffix {
        format!("{marker}{number}{letter}")
    } else {
        format!("{marker}{number}")
    }
}

/// lvm2's long size form in messages and displays: `<10.00 GiB`, `4.00 MiB`.
pub fn long_size(bytes: u64) -> String {
    if bytes == 0 {
        return "0   ".into();
    }
    const NAMES: [&str; 7] = ["B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"];
    let mut p = 6usize;
    while p > 1 && bytes < 1024u64.pow(p as u32) {
        p -= 1;
    }
    let div = 1024u128.pow(p as u32);
    let hundredths = (bytes as u128 * 200 + div) / (2 * div);
    let marker = if hundredths * div > bytes as u128 * 100 { "<" } else { "" };
    format!("{marker}{}.{:02} {}", hundredths / 100, hundredths % 100, NAMES[p])
}

fn msg(out: &mut String, line: &str) {
    out.push_str("  ");
    out.push_str(line);
    out.push('\n');
}

fn fail(text: String) -> Output {
    Output { text, exit_status: 5, ..Output::default() }
}

fn ok(text: String, events: Vec<Event>) -> Output {
    Output { text, events, ..Output::default() }
}

/// A question lvm2 is waiting for a y/n answer to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Confirm {
    prompt: String,
    action: Pending,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Pending {
    /// vgremove: first the VG, then each active LV in `lvs`.
    VgRemove { vg: String, lvs: Vec<String>, asked_vg: bool, done_text: String },
    LvRemove { vg: String, lvs: Vec<String>, done_text: String },
    LvReduce { vg: String, lv: String, new_extents: u64 },
}

fn ask(shell: &mut Shell, mut text: String, prompt: String, action: Pending) -> Output {
    text.push_str(&prompt);
    shell.interactive = Some(Interactive::Confirm(Confirm { prompt, action }));
    ok(text, Vec::new())
}

/// The answer to a pending y/n question.
pub fn confirm(shell: &mut Shell, c: Confirm, line: &str) -> Output {
    match line.trim().to_lowercase().chars().next() {
        Some('y') => proceed(shell, c.action),
        Some('n') => decline(c.action),
        _ => {
            // lvm2 repeats the question until it gets y or n.
            let prompt = c.prompt.clone();
            shell.interactive = Some(Interactive::Confirm(c));
            ok(prompt, Vec::new())
        }
    }
}

/// End of input at a y/n question: lvm2 answers `[n]` itself.
pub fn confirm_eof(c: Confirm) -> Output {
    let mut o = decline(c.action);
    o.text.insert_str(0, "[n]\n");
    o
}

fn decline(action: Pending) -> Output {
    let mut t = String::new();
    match action {
        Pending::VgRemove { vg, .. } => msg(&mut t, &format!("Volume group \"{vg}\" not removed")),
        Pending::LvRemove { vg, lvs, .. } => {
            msg(&mut t, &format!("Logical volume {vg}/{} not removed.", lvs.first().cloned().unwrap_or_default()))
        }
        Pending::LvReduce { vg, lv, .. } => msg(&mut t, &format!("Logical volume {vg}/{lv} NOT reduced.")),
    }
    fail(t)
}

fn proceed(shell: &mut Shell, action: Pending) -> Output {
    let machine = &mut shell.machine;
    match action {
        Pending::VgRemove { vg, mut lvs, asked_vg, mut done_text } => {
            let mut events = Vec::new();
            if asked_vg && !lvs.is_empty() {
                let lv = lvs.remove(0);
                events.extend(machine.lvm.lvremove(&vg, &lv).unwrap_or_default());
                forget_lv(machine, &vg, &lv);
                msg(&mut done_text, &format!("Logical volume \"{lv}\" successfully removed."));
            }
            if let Some(next) = lvs.first() {
                let prompt = format!("Do you really want to remove active logical volume {vg}/{next}? [y/n]: ");
                let mut o = ask(shell, done_text, prompt, Pending::VgRemove { vg, lvs, asked_vg: true, done_text: String::new() });
                o.events = events;
                return o;
            }
            for lv in machine.lvm.vg(&vg).map(|v| v.lvs.iter().map(|l| l.name.clone()).collect::<Vec<_>>()).unwrap_or_default() {
                forget_lv(machine, &vg, &lv);
            }
            events.extend(machine.lvm.vgremove(&vg).unwrap_or_default());
            msg(&mut done_text, &format!("Volume group \"{vg}\" successfully removed"));
            ok(done_text, events)
        }
        Pending::LvRemove { vg, mut lvs, mut done_text } => {
            let lv = lvs.remove(0);
            let events = machine.lvm.lvremove(&vg, &lv).unwrap_or_default();
            forget_lv(machine, &vg, &lv);
            msg(&mut done_text, &format!("Logical volume \"{lv}\" successfully removed."));
            if let Some(next) = lvs.first() {
                let prompt = format!("Do you really want to remove active logical volume {vg}/{next}? [y/n]: ");
                let mut o = ask(shell, done_text, prompt, Pending::LvRemove { vg, lvs, done_text: String::new() });
                o.events = events;
                return o;
            }
            ok(done_text, events)
        }
        Pending::LvReduce { vg, lv, new_extents } => resize_now(machine, &vg, &lv, new_extents, String::new()),
    }
}

/// Drops the filesystem record of a removed LV.
fn forget_lv(machine: &mut Machine, vg: &str, lv: &str) {
    machine.filesystems.remove(&format!("/dev/mapper/{}", dm_name(vg, lv)));
}

/// Options shared by the lvm2 commands, after a raw parse.
#[derive(Default, Debug)]
struct Args {
    positional: Vec<String>,
    flags: Vec<String>,
    name: Option<String>,
    size: Option<String>,
    extents: Option<String>,
    virtual_size: Option<String>,
    lv_type: Option<String>,
    thin: Option<Option<String>>,
    thinpool: Option<String>,
    extent_size: Option<String>,
    columns: Option<String>,
    units: Units,
    json: bool,
    all: bool,
    yes: bool,
    force: u32,
    resizefs: bool,
    noheadings: bool,
    maps: bool,
    short: bool,
}

fn parse_args(cmd: &str, raw: &[String]) -> Result<Args, Output> {
    let mut a = Args::default();
    let mut i = 0;
    let bad = |opt: &str| {
        let mut t = String::new();
        msg(&mut t, &format!("{cmd}: unrecognized option '{opt}'"));
        msg(&mut t, "Error during parsing of command line.");
        Output { text: t, exit_status: 3, ..Output::default() }
    };
    while i < raw.len() {
        let arg = raw[i].as_str();
        let (key, inline) = match arg.split_once('=') {
            Some((k, v)) if k.starts_with("--") => (k, Some(v.to_string())),
            _ => (arg, None),
        };
        let value = |i: &mut usize| -> Result<String, Output> {
            if let Some(v) = inline.clone() {
                return Ok(v);
            }
            *i += 1;
            raw.get(*i).cloned().ok_or_else(|| {
                let mut t = String::new();
                msg(&mut t, &format!("{cmd}: option '{key}' requires an argument"));
                msg(&mut t, "Error during parsing of command line.");
                Output { text: t, exit_status: 3, ..Output::default() }
            })
        };
        match key {
            "-n" | "--name" => a.name = Some(value(&mut i)?),
            "-L" | "--size" => a.size = Some(value(&mut i)?),
            "-l" | "--extents" => a.extents = Some(value(&mut i)?),
            "-V" | "--virtualsize" => a.virtual_size = Some(value(&mut i)?),
            "--type" => a.lv_type = Some(value(&mut i)?),
            "-T" | "--thin" => a.thin = Some(None),
            "--thinpool" => a.thinpool = Some(value(&mut i)?),
            "-s" | "--physicalextentsize" if cmd == "vgcreate" => a.extent_size = Some(value(&mut i)?),
            "-s" if cmd == "pvdisplay" || cmd == "vgdisplay" => a.short = true,
            "-o" | "--options" => a.columns = Some(value(&mut i)?),
            "--units" => {
                let v = value(&mut i)?;
                let c = v.chars().next().unwrap_or('h');
                if v.chars().count() != 1 || !"hHbBsSkKmMgGtTpPeE".contains(c) {
                    let mut t = String::new();
                    msg(&mut t, &format!("Invalid argument for --units: {v}"));
                    msg(&mut t, "Error during parsing of command line.");
                    return Err(Output { text: t, exit_status: 3, ..Output::default() });
                }
                a.units.unit = c;
                a.units.explicit = true;
            }
            "--nosuffix" => a.units.suffix = false,
            "--reportformat" => a.json = value(&mut i)? == "json",
            "-a" | "--all" => a.all = true,
            "-y" | "--yes" => a.yes = true,
            "-f" | "--force" => a.force += 1,
            "-ff" => a.force += 2,
            "-r" | "--resizefs" => a.resizefs = true,
            "--noheadings" => a.noheadings = true,
            "-m" | "--maps" => a.maps = true,
            "-v" | "--verbose" | "-an" | "-ay" | "-Zn" | "-Zy" | "-q" | "--quiet" => a.flags.push(key.to_string()),
            _ if key.starts_with('-') && key.len() > 1 && key != "-" => {
                // -T takes the next word as VG/POOL when it has a slash.
                return Err(bad(key));
            }
            _ => a.positional.push(arg.to_string()),
        }
        i += 1;
    }
    Ok(a)
}

/// Runs an lvm2 command, or returns None when `cmd` is not one.
pub fn run(shell: &mut Shell, cmd: &str, raw: &[String]) -> Option<Output> {
    const KNOWN: &[&str] = &[
        "pvcreate", "pvremove", "pvs", "pvdisplay", "pvscan", "vgcreate", "vgextend", "vgreduce", "vgremove", "vgs",
        "vgdisplay", "lvcreate", "lvextend", "lvreduce", "lvresize", "lvremove", "lvs", "lvdisplay", "lvrename",
        "vgchange", "lvchange",
    ];
    if !KNOWN.contains(&cmd) {
        return None;
    }
    let args = match parse_args(cmd, raw) {
        Ok(a) => a,
        Err(o) => return Some(o),
    };
    Some(match cmd {
        "pvcreate" => pvcreate(&mut shell.machine, &args),
        "pvremove" => pvremove(&mut shell.machine, &args),
        "pvs" | "vgs" | "lvs" => report(&shell.machine, cmd, &args),
        "pvscan" => pvscan(&shell.machine),
        "pvdisplay" => pvdisplay(&shell.machine, &args),
        "vgdisplay" => vgdisplay(&shell.machine, &args),
        "lvdisplay" => lvdisplay(&shell.machine, &args),
        "vgcreate" => vgcreate(&mut shell.machine, &args),
        "vgextend" => vgextend(&mut shell.machine, &args),
        "vgreduce" => vgreduce(&mut shell.machine, &args),
        "vgremove" => vgremove(shell, &args),
        "lvcreate" => lvcreate(&mut shell.machine, &args),
        "lvextend" | "lvreduce" | "lvresize" => lvresize(shell, cmd, &args),
        "lvremove" => lvremove(shell, &args),
        "lvrename" => lvrename(&mut shell.machine, &args),
        _ => {
            let mut t = String::new();
            msg(&mut t, &format!("{cmd}: activation changes are not simulated; every LV stays active."));
            fail(t)
        }
    })
}

/// Resolves a device for pvcreate, checking what lvm2 checks.
fn usable_device(machine: &Machine, path: &str) -> Result<u64, String> {
    let Some(r) = machine.resolve(path) else { return Err(format!("No device found for {path}.")) };
    if let BlockRef::Disk { disk } = r {
        if machine.disks[disk].label().is_some_and(|l| !l.partitions.is_empty()) {
            return Err(format!("Cannot use {path}: device is partitioned"));
        }
    }
    let canonical = machine.canonical_path(&r);
    if machine.mounts.iter().any(|m| m.device == canonical) || machine.swaps.contains(&canonical) {
        return Err(format!("Can't open {path} exclusively.  Mounted filesystem?"));
    }
    Ok(machine.size_of(&r))
}

fn pvcreate(machine: &mut Machine, a: &Args) -> Output {
    if a.positional.is_empty() {
        let mut t = String::new();
        msg(&mut t, "Please enter a physical volume path.");
        return Output { text: t, exit_status: 3, ..Output::default() };
    }
    let mut t = String::new();
    let mut events = Vec::new();
    let mut status = 0;
    for path in &a.positional {
        if let Some(vg) = machine.lvm.pv(path).and_then(|p| p.vg_name.clone()) {
            msg(&mut t, &format!("Can't initialize physical volume \"{path}\" of volume group \"{vg}\" without -ff"));
            msg(&mut t, &format!("{path}: physical volume not initialized."));
            status = 5;
            continue;
        }
        let size = match usable_device(machine, path) {
            Ok(s) => s,
            Err(e) => {
                msg(&mut t, &e);
                status = 5;
                continue;
            }
        };
        if let Some(fs) = machine.filesystems.get(path).cloned() {
            msg(&mut t, &format!("Wiping {} signature on {path}.", fs.fstype));
            machine.filesystems.remove(path);
        }
        let uuid = machine.new_lvm_uuid();
        match machine.lvm.pvcreate(path, size, uuid) {
            Ok(e) => {
                events.extend(e);
                msg(&mut t, &format!("Physical volume \"{path}\" successfully created."));
            }
            Err(_) => {
                msg(&mut t, &format!("Cannot use {path}: device is too small (pv_min_size)"));
                status = 5;
            }
        }
    }
    Output { text: t, events, exit_status: status, ..Output::default() }
}

fn pvremove(machine: &mut Machine, a: &Args) -> Output {
    let mut t = String::new();
    let mut events = Vec::new();
    let mut status = 0;
    for path in &a.positional {
        match machine.lvm.pvremove(path) {
            Ok(e) => {
                events.extend(e);
                msg(&mut t, &format!("Labels on physical volume \"{path}\" successfully wiped."));
            }
            Err(LvmError::PvInUseByVg { vg, .. }) => {
                msg(&mut t, &format!("PV {path} is used by VG {vg} so please use vgreduce first."));
                msg(&mut t, "(If you are certain you need pvremove, then confirm by using --force twice.)");
                msg(&mut t, &format!("{path}: physical volume label not removed."));
                status = 5;
            }
            Err(_) if machine.resolve(path).is_none() => {
                msg(&mut t, &format!("No device found for {path}."));
                status = 5;
            }
            Err(_) => {
                msg(&mut t, &format!("No PV found on device {path}."));
                status = 5;
            }
        }
    }
    Output { text: t, events, exit_status: status, ..Output::default() }
}

fn not_found_vg(t: &mut String, vg: &str) {
    msg(t, &format!("Volume group \"{vg}\" not found"));
    msg(t, &format!("Cannot process volume group {vg}"));
}

/// Splits `vg/lv`, `/dev/vg/lv` or `/dev/mapper/vg-lv`.
fn lv_spec(machine: &Machine, spec: &str) -> Option<(String, String)> {
    if let Some(dm) = spec.strip_prefix("/dev/mapper/") {
        for vg in &machine.lvm.vgs {
            for lv in &vg.lvs {
                if dm_name(&vg.name, &lv.name) == dm {
                    return Some((vg.name.clone(), lv.name.clone()));
                }
            }
        }
        return None;
    }
    let s = spec.strip_prefix("/dev/").unwrap_or(spec);
    let (vg, lv) = s.split_once('/')?;
    Some((vg.to_string(), lv.to_string()))
}

fn parse_extent_size(text: &str) -> Option<u64> {
    let bytes = lvm_size_bytes(text, 'k')?;
    Some(bytes)
}

/// Parses an lvm2 size (`10G`, `1.5g`, `512`, `+1G`); `default_unit` applies
/// without a suffix (`m` for -L, `k` for -s). Units are powers of 1024.
pub fn lvm_size_bytes(text: &str, default_unit: char) -> Option<u64> {
    let t = text.trim_start_matches(['+', '-']);
    let end = t.find(|c: char| !(c.is_ascii_digit() || c == '.')).unwrap_or(t.len());
    let number: f64 = t[..end].parse().ok()?;
    let unit = t[end..].chars().next().unwrap_or(default_unit).to_ascii_lowercase();
    if t[end..].chars().count() > 1 {
        return None;
    }
    let mult = match unit {
        'b' => 1u64,
        's' => 512,
        'k' => KIB,
        'm' => MIB,
        'g' => 1024 * MIB,
        't' => 1024 * 1024 * MIB,
        'p' => 1024 * 1024 * 1024 * MIB,
        'e' => 1024 * 1024 * 1024 * 1024 * MIB,
        _ => return None,
    };
    let bytes = number * mult as f64;
    (bytes.is_finite() && bytes < 1.8e19).then_some(bytes as u64)
}

/// The errors lvm2 gives for a bad `--size` argument.
fn size_error(text: &str, option: &str) -> Output {
    let mut t = String::new();
    let body = text.trim_start_matches('+');
    if body.starts_with('-') || (text.starts_with('-') && option == "--size") {
        msg(&mut t, "Size may not be negative.");
    } else if !body.starts_with(|c: char| c.is_ascii_digit() || c == '.') {
        msg(&mut t, "Size requires number argument.");
    } else {
        msg(&mut t, "Can't parse size argument.");
    }
    msg(&mut t, &format!("Invalid argument for {option}: {text}"));
    msg(&mut t, "Error during parsing of command line.");
    Output { text: t, exit_status: 3, ..Output::default() }
}

fn devices_with_sizes(machine: &Machine, paths: &[String]) -> Result<Vec<(String, u64)>, String> {
    let mut v = Vec::new();
    for p in paths {
        if machine.lvm.pv(p).is_some() {
            v.push((p.clone(), machine.lvm.pv(p).map_or(0, |x| x.dev_size_bytes)));
            continue;
        }
        v.push((p.clone(), usable_device(machine, p)?));
    }
    Ok(v)
}

fn join_errors(t: &mut String, e: &LvmError) {
    match e {
        LvmError::AlreadyInVg { device, vg } => {
            msg(t, &format!("Physical volume '{device}' is already in volume group '{vg}'"));
            msg(t, &format!("Unable to add physical volume '{device}' to volume group '{vg}'"));
            msg(t, &format!("{device}: physical volume not initialized."));
        }
        LvmError::VgExists(vg) => msg(t, &format!("A volume group called {vg} already exists.")),
        LvmError::NoSuchVg(vg) => not_found_vg(t, vg),
        LvmError::InvalidExtentSize => msg(t, "Physical extent size may not be zero or this small."),
        other => msg(t, &format!("{other:?}")),
    }
}

fn vgcreate(machine: &mut Machine, a: &Args) -> Output {
    let Some((name, devices)) = a.positional.split_first() else {
        let mut t = String::new();
        msg(&mut t, "Please provide volume group name and physical volumes");
        return Output { text: t, exit_status: 3, ..Output::default() };
    };
    let mut t = String::new();
    if devices.is_empty() {
        msg(&mut t, "Please enter physical volume name(s)");
        return Output { text: t, exit_status: 3, ..Output::default() };
    }
    let extent = match a.extent_size.as_deref().map(parse_extent_size) {
        None => crate::core::lvm::DEFAULT_EXTENT_BYTES,
        Some(Some(e)) => e,
        Some(None) => return size_error(a.extent_size.as_deref().unwrap_or(""), "--physicalextentsize"),
    };
    if machine.lvm.vg(name).is_some() {
        msg(&mut t, &format!("A volume group called {name} already exists."));
        return fail(t);
    }
    let list = match devices_with_sizes(machine, devices) {
        Ok(l) => l,
        Err(e) => {
            msg(&mut t, &e);
            return fail(t);
        }
    };
    let new_pvs: Vec<String> = list.iter().filter(|(d, _)| machine.lvm.pv(d).is_none()).map(|d| d.0.clone()).collect();
    let rng = &mut machine.rng;
    let mut uuids = || crate::core::lvm::format_lvm_uuid(&mut || rng.next_u64());
    match machine.lvm.vgcreate(name, &list, extent, &mut uuids) {
        Ok(events) => {
            for d in new_pvs {
                msg(&mut t, &format!("Physical volume \"{d}\" successfully created."));
            }
            msg(&mut t, &format!("Volume group \"{name}\" successfully created"));
            ok(t, events)
        }
        Err(e) => {
            join_errors(&mut t, &e);
            fail(t)
        }
    }
}

fn vgextend(machine: &mut Machine, a: &Args) -> Output {
    let mut t = String::new();
    let Some((name, devices)) = a.positional.split_first() else {
        msg(&mut t, "Please enter volume group name and physical volume(s)");
        return Output { text: t, exit_status: 3, ..Output::default() };
    };
    if machine.lvm.vg(name).is_none() {
        not_found_vg(&mut t, name);
        return fail(t);
    }
    let list = match devices_with_sizes(machine, devices) {
        Ok(l) => l,
        Err(e) => {
            msg(&mut t, &e);
            return fail(t);
        }
    };
    let new_pvs: Vec<String> = list.iter().filter(|(d, _)| machine.lvm.pv(d).is_none()).map(|d| d.0.clone()).collect();
    let rng = &mut machine.rng;
    let mut uuids = || crate::core::lvm::format_lvm_uuid(&mut || rng.next_u64());
    match machine.lvm.vgextend(name, &list, &mut uuids) {
        Ok(events) => {
            for d in new_pvs {
                msg(&mut t, &format!("Physical volume \"{d}\" successfully created."));
            }
            msg(&mut t, &format!("Volume group \"{name}\" successfully extended"));
            ok(t, events)
        }
        Err(e) => {
            join_errors(&mut t, &e);
            fail(t)
        }
    }
}

fn vgreduce(machine: &mut Machine, a: &Args) -> Output {
    let mut t = String::new();
    let Some((name, devices)) = a.positional.split_first() else {
        msg(&mut t, "Please give volume group name and physical volume paths");
        return Output { text: t, exit_status: 3, ..Output::default() };
    };
    let mut events = Vec::new();
    for d in devices {
        match machine.lvm.vgreduce(name, d) {
            Ok(e) => {
                events.extend(e);
                msg(&mut t, &format!("Removed \"{d}\" from volume group \"{name}\""));
            }
            Err(LvmError::NoSuchVg(_)) => {
                not_found_vg(&mut t, name);
                return fail(t);
            }
            Err(LvmError::PvStillUsed(_)) => {
                msg(&mut t, &format!("Physical volume \"{d}\" still in use"));
                return Output { text: t, events, exit_status: 5, ..Output::default() };
            }
            Err(LvmError::LastPv { .. }) => {
                msg(&mut t, &format!("Can't remove final physical volume \"{d}\" from volume group \"{name}\""));
                return Output { text: t, events, exit_status: 5, ..Output::default() };
            }
            Err(_) => {
                msg(&mut t, &format!("Physical Volume \"{d}\" not found in Volume Group \"{name}\"."));
                return Output { text: t, events, exit_status: 5, ..Output::default() };
            }
        }
    }
    ok(t, events)
}

fn open_lv(machine: &Machine, vg: &str, lv: &str) -> bool {
    let path = format!("/dev/mapper/{}", dm_name(vg, lv));
    machine.mounts.iter().any(|m| m.device == path) || machine.swaps.contains(&path)
}

fn vgremove(shell: &mut Shell, a: &Args) -> Output {
    let mut t = String::new();
    let Some(name) = a.positional.first().cloned() else {
        msg(&mut t, "Please enter one or more volume group paths");
        return Output { text: t, exit_status: 3, ..Output::default() };
    };
    let Some(vg) = shell.machine.lvm.vg(&name) else {
        not_found_vg(&mut t, &name);
        return fail(t);
    };
    let lvs: Vec<String> = vg.lvs.iter().filter(|l| !l.is_hidden()).map(|l| l.name.clone()).collect();
    if let Some(open) = lvs.iter().find(|l| open_lv(&shell.machine, &name, l)) {
        msg(&mut t, &format!("Logical volume {name}/{open} contains a filesystem in use."));
        return fail(t);
    }
    if lvs.is_empty() || a.force > 0 || a.yes {
        let action = Pending::VgRemove { vg: name, lvs: Vec::new(), asked_vg: true, done_text: String::new() };
        if lvs.is_empty() {
            return proceed(shell, action);
        }
        let mut text = String::new();
        for lv in &lvs {
            msg(&mut text, &format!("Logical volume \"{lv}\" successfully removed."));
        }
        let mut o = proceed(shell, action);
        o.text.insert_str(0, &text);
        return o;
    }
    let prompt = format!("Do you really want to remove volume group \"{name}\" containing {} logical volumes? [y/n]: ", lvs.len());
    // After the VG question, lvm2 asks about each active LV, pools after their thin volumes.
    let mut order = lvs;
    order.sort_by_key(|l| shell.machine.lvm.vg(&name).and_then(|v| v.lv(l)).is_some_and(|x| matches!(x.kind, LvKind::ThinPool { .. })));
    ask(shell, String::new(), prompt, Pending::VgRemove { vg: name, lvs: order, asked_vg: false, done_text: String::new() })
}

/// How many extents `-L`/`-l` asks for, relative to `current` for `+`/`-`.
fn requested_extents(machine: &Machine, vg: &Vg, a: &Args, current: u64, t: &mut String) -> Result<Option<u64>, Output> {
    let extent = vg.extent_size_bytes;
    if let Some(s) = &a.size {
        let Some(bytes) = lvm_size_bytes(s, 'm') else { return Err(size_error(s, "--size")) };
        if bytes == 0 && !s.starts_with(['+', '-']) {
            let mut e = String::new();
            msg(&mut e, "--size may not be zero.");
            msg(&mut e, &format!("Invalid argument for --size: {s}"));
            msg(&mut e, "Error during parsing of command line.");
            return Err(Output { text: e, exit_status: 3, ..Output::default() });
        }
        let mut ext = bytes.div_ceil(extent);
        if bytes % extent != 0 {
            msg(t, &format!("Rounding size to boundary between physical extents: {}.", long_size(ext * extent)));
            // lvm2 words this differently for new LVs; the caller rewrites it.
        }
        if s.starts_with('+') {
            ext += current;
        } else if s.starts_with('-') {
            ext = current.saturating_sub(bytes / extent);
        }
        return Ok(Some(ext));
    }
    if let Some(l) = &a.extents {
        let body = l.trim_start_matches(['+', '-']);
        let (num, pct) = match body.split_once('%') {
            Some((n, p)) => (n, Some(p.to_uppercase())),
            None => (body, None),
        };
        let Ok(n) = num.parse::<u64>() else {
            let mut e = String::new();
            msg(&mut e, &format!("Invalid argument for --extents: {l}"));
            msg(&mut e, "Error during parsing of command line.");
            return Err(Output { text: e, exit_status: 3, ..Output::default() });
        };
        let free = machine.lvm.vg_free_extents(vg);
        let total = machine.lvm.vg_extent_count(vg);
        let ext = match pct.as_deref() {
            None => n,
            Some("FREE") => (free * n / 100).min(free),
            Some("VG") | Some("PVS") => total * n / 100,
            Some("ORIGIN") | Some("LV") => current * n / 100,
            Some(_) => {
                let mut e = String::new();
                msg(&mut e, &format!("Invalid argument for --extents: {l}"));
                msg(&mut e, "Error during parsing of command line.");
                return Err(Output { text: e, exit_status: 3, ..Output::default() });
            }
        };
        return Ok(Some(if l.starts_with('+') {
            current + ext
        } else if l.starts_with('-') {
            current.saturating_sub(ext)
        } else {
            ext
        }));
    }
    Ok(None)
}

fn lvcreate(machine: &mut Machine, a: &Args) -> Output {
    let mut t = String::new();
    // The VG comes from the positional argument, from -T VG/POOL, or from --thinpool.
    let target = a.positional.first().cloned().unwrap_or_default();
    let (vg_name, pool_from_spec) = match target.split_once('/') {
        Some((v, p)) => (v.trim_start_matches("/dev/").to_string(), Some(p.to_string())),
        None => (target.clone(), None),
    };
    if vg_name.is_empty() {
        msg(&mut t, "Please specify a logical volume path.");
        return Output { text: t, exit_status: 3, ..Output::default() };
    }
    let Some(vg) = machine.lvm.vg(&vg_name).cloned() else {
        not_found_vg(&mut t, &vg_name);
        return fail(t);
    };
    let thin_type = a.lv_type.as_deref();
    let pool_name = a.thinpool.clone().or(pool_from_spec.clone());
    let is_thin_lv = a.virtual_size.is_some() || thin_type == Some("thin");
    let is_pool = !is_thin_lv && (thin_type == Some("thin-pool") || a.thin.is_some() || a.thinpool.is_some());
    if let Some(ty) = thin_type.filter(|t| !matches!(*t, "thin" | "thin-pool" | "linear")) {
        msg(&mut t, &format!("Type {ty} is not simulated here (linear, thin-pool and thin are)."));
        return Output { text: t, exit_status: 3, ..Output::default() };
    }
    let name = a.name.clone().or_else(|| if is_pool { pool_name.clone() } else { None }).unwrap_or_else(|| {
        (0..).map(|i| format!("lvol{i}")).find(|n| vg.lv(n).is_none()).unwrap_or_else(|| "lvol0".into())
    });
    if vg.lv(&name).is_some() {
        msg(&mut t, &format!("Logical Volume \"{name}\" already exists in volume group \"{vg_name}\""));
        return fail(t);
    }
    if is_thin_lv {
        let Some(pool) = pool_name else {
            msg(&mut t, "Please specify a thin pool with -T VG/POOL or --thinpool.");
            return Output { text: t, exit_status: 3, ..Output::default() };
        };
        let vs = a.virtual_size.clone().unwrap_or_default();
        let Some(bytes) = lvm_size_bytes(&vs, 'm') else { return size_error(&vs, "--virtualsize") };
        let extent = vg.extent_size_bytes;
        let virtual_bytes = bytes.div_ceil(extent) * extent;
        if bytes % extent != 0 {
            msg(&mut t, &format!("Rounding up size to full physical extent {}", long_size(virtual_bytes)));
        }
        let Some(pool_lv) = vg.lv(&pool).filter(|l| matches!(l.kind, LvKind::ThinPool { .. })) else {
            msg(&mut t, &format!("Thin pool {vg_name}/{pool} not found."));
            return fail(t);
        };
        let pool_size = vg.lv_size_bytes(pool_lv);
        let total = machine.lvm.thin_virtual_total(&vg, &pool) + virtual_bytes;
        if total > pool_size {
            msg(&mut t, &format!("WARNING: Sum of all thin volume sizes ({}) exceeds the size of thin pool {vg_name}/{pool} ({}).", long_size(total), long_size(pool_size)));
            msg(&mut t, "WARNING: You have not turned on protection against thin pools running out of space.");
            msg(&mut t, "WARNING: Set activation/thin_pool_autoextend_threshold below 100 to trigger automatic extension of thin pools before they get full.");
        }
        let uuid = machine.new_lvm_uuid();
        return match machine.lvm.lvcreate_thin(&vg_name, &pool, &name, virtual_bytes, uuid) {
            Ok(events) => {
                msg(&mut t, &format!("Logical volume \"{name}\" created."));
                ok(t, events)
            }
            Err(e) => {
                msg(&mut t, &format!("{e:?}"));
                fail(t)
            }
        };
    }
    let mut notes = String::new();
    let extents = match requested_extents(machine, &vg, a, 0, &mut notes) {
        Ok(Some(e)) => e,
        Ok(None) => {
            msg(&mut t, "Please specify either size or extents.");
            return Output { text: t, exit_status: 3, ..Output::default() };
        }
        Err(o) => return o,
    };
    if !notes.is_empty() {
        msg(&mut t, &format!("Rounding up size to full physical extent {}", long_size(extents * vg.extent_size_bytes)));
    }
    if extents == 0 {
        msg(&mut t, "Unable to create new logical volume with no extents.");
        return fail(t);
    }
    let free = machine.lvm.vg_free_extents(&vg);
    if is_pool {
        msg(&mut t, "Thin pool volume with chunk size 64.00 KiB can address at most <15.88 TiB of data.");
        let rng = &mut machine.rng;
        let mut uuids = || crate::core::lvm::format_lvm_uuid(&mut || rng.next_u64());
        return match machine.lvm.lvcreate_thin_pool(&vg_name, &name, extents, &mut uuids) {
            Ok(events) => {
                msg(&mut t, &format!("Logical volume \"{name}\" created."));
                ok(t, events)
            }
            Err(LvmError::InsufficientFreeSpace { free_extents, needed_extents, .. }) => {
                msg(&mut t, &format!("Volume group \"{vg_name}\" has insufficient free space ({free_extents} extents): {needed_extents} required."));
                fail(t)
            }
            Err(e) => {
                msg(&mut t, &format!("{e:?}"));
                fail(t)
            }
        };
    }
    if extents > free {
        msg(&mut t, &format!("Volume group \"{vg_name}\" has insufficient free space ({free} extents): {extents} required."));
        return fail(t);
    }
    let uuid = machine.new_lvm_uuid();
    match machine.lvm.lvcreate_linear(&vg_name, &name, extents, uuid) {
        Ok(events) => {
            msg(&mut t, &format!("Logical volume \"{name}\" created."));
            ok(t, events)
        }
        Err(e) => {
            msg(&mut t, &format!("{e:?}"));
            fail(t)
        }
    }
}

fn lvresize(shell: &mut Shell, cmd: &str, a: &Args) -> Output {
    let machine = &mut shell.machine;
    let mut t = String::new();
    let Some(spec) = a.positional.first() else {
        msg(&mut t, "Please provide the logical volume name");
        return Output { text: t, exit_status: 3, ..Output::default() };
    };
    let Some((vg_name, lv_name)) = lv_spec(machine, spec) else {
        msg(&mut t, &format!("Path required for Logical Volume \"{spec}\"."));
        return Output { text: t, exit_status: 3, ..Output::default() };
    };
    let Some(vg) = machine.lvm.vg(&vg_name).cloned() else {
        not_found_vg(&mut t, &vg_name);
        return fail(t);
    };
    let Some(lv) = vg.lv(&lv_name).filter(|l| !l.is_hidden()).cloned() else {
        msg(&mut t, &format!("Logical volume {lv_name} not found in volume group {vg_name}."));
        return fail(t);
    };
    let current = vg.lv_size_bytes(&lv) / vg.extent_size_bytes;
    let mut notes = String::new();
    let Some(new_extents) = (match requested_extents(machine, &vg, a, current, &mut notes) {
        Ok(n) => n,
        Err(o) => return o,
    }) else {
        msg(&mut t, "Please specify either size or extents but not both.");
        return Output { text: t, exit_status: 3, ..Output::default() };
    };
    if !notes.is_empty() {
        msg(&mut t, &format!("Rounding size to boundary between physical extents: {}.", long_size(new_extents * vg.extent_size_bytes)));
    }
    if cmd == "lvextend" && new_extents < current {
        msg(&mut t, &format!("New size given ({new_extents} extents) not larger than existing size ({current} extents)"));
        return fail(t);
    }
    if cmd == "lvreduce" && new_extents > current {
        msg(&mut t, &format!("New size given ({new_extents} extents) not less than existing size ({current} extents)"));
        return fail(t);
    }
    if new_extents == current {
        msg(&mut t, &format!("New size ({new_extents} extents) matches existing size ({current} extents)."));
        return fail(t);
    }
    if new_extents == 0 {
        msg(&mut t, "Unable to reduce a logical volume to zero extents.");
        return fail(t);
    }
    let grow = new_extents > current;
    if grow && !matches!(lv.kind, LvKind::Thin { .. }) {
        let free = machine.lvm.vg_free_extents(&vg);
        if new_extents - current > free {
            msg(&mut t, &format!("Insufficient free space: {} extents needed, but only {free} available", new_extents - current));
            return fail(t);
        }
    }
    let dev = format!("/dev/mapper/{}", dm_name(&vg_name, &lv_name));
    let fs = machine.filesystems.get(&dev).cloned();
    let mounted_on = machine.mounts.iter().find(|m| m.device == dev).map(|m| m.target.clone());
    if a.resizefs && fs.is_some() {
        return resize_with_fs(machine, &vg_name, &lv_name, new_extents, t, grow, mounted_on);
    }
    if !grow && !(a.yes || a.force > 0) {
        let open = if mounted_on.is_some() { " and open" } else { "" };
        msg(&mut t, &format!("WARNING: Reducing active{open} logical volume to {}.", long_size(new_extents * vg.extent_size_bytes)));
        msg(&mut t, "THIS MAY DESTROY YOUR DATA (filesystem etc.)");
        let prompt = format!("Do you really want to reduce {vg_name}/{lv_name}? [y/n]: ");
        return ask(shell, t, prompt, Pending::LvReduce { vg: vg_name, lv: lv_name, new_extents });
    }
    resize_now(machine, &vg_name, &lv_name, new_extents, t)
}

/// Resizes the LV; a filesystem left larger than its device is now damaged.
fn resize_now(machine: &mut Machine, vg: &str, lv: &str, new_extents: u64, mut t: String) -> Output {
    let Some(v) = machine.lvm.vg(vg) else { return fail(t) };
    let extent = v.extent_size_bytes;
    let old_bytes = v.lv(lv).map_or(0, |l| v.lv_size_bytes(l));
    let old_extents = old_bytes / extent;
    match machine.lvm.lvresize(vg, lv, new_extents) {
        Ok(mut events) => {
            msg(&mut t, &format!(
                "Size of logical volume {vg}/{lv} changed from {} ({old_extents} extents) to {} ({new_extents} extents).",
                long_size(old_bytes),
                long_size(new_extents * extent)
            ));
            msg(&mut t, &format!("Logical volume {vg}/{lv} successfully resized."));
            let dev = format!("/dev/mapper/{}", dm_name(vg, lv));
            let new_bytes = new_extents * extent;
            if let Some(fs) = machine.filesystems.get(&dev) {
                if fs.size_bytes > new_bytes {
                    events.push(Event::DataDestroyed { dev: dev.clone(), bytes: fs.size_bytes - new_bytes });
                }
            }
            ok(t, events)
        }
        Err(LvmError::InsufficientExtents { needed, available }) => {
            msg(&mut t, &format!("Insufficient free space: {needed} extents needed, but only {available} available"));
            fail(t)
        }
        Err(e) => {
            msg(&mut t, &format!("{e:?}"));
            fail(t)
        }
    }
}

/// `-r`: fsadm resizes the filesystem with the LV (after it when growing,
/// before it when shrinking, which ext4 only allows unmounted).
fn resize_with_fs(machine: &mut Machine, vg: &str, lv: &str, new_extents: u64, t: String, grow: bool, mounted_on: Option<String>) -> Output {
    let extent = machine.lvm.vg(vg).map_or(1, |v| v.extent_size_bytes);
    let dev = format!("/dev/mapper/{}", dm_name(vg, lv));
    let new_bytes = new_extents * extent;
    let blocks = new_bytes / 4096;
    let fstype = machine.filesystems.get(&dev).map(|f| f.fstype.clone()).unwrap_or_default();
    if fstype != "ext4" {
        let mut t = t;
        msg(&mut t, &format!("fsadm: Filesystem \"{fstype}\" on device \"{dev}\" is not supported by this simulator's fsadm."));
        return fail(t);
    }
    if grow {
        let mut o = resize_now(machine, vg, lv, new_extents, t);
        if o.exit_status == 0 {
            if let Some(fs) = machine.filesystems.get_mut(&dev) {
                fs.size_bytes = new_bytes;
            }
            o.text.push_str("resize2fs 1.47.0 (5-Feb-2023)\n");
            if let Some(m) = &mounted_on {
                o.text.push_str(&format!("Filesystem at {dev} is mounted on {m}; on-line resizing required\nold_desc_blocks = 1, new_desc_blocks = 1\n"));
            } else {
                o.text.push_str(&format!("Resizing the filesystem on {dev} to {blocks} (4k) blocks.\n"));
            }
            o.text.push_str(&format!("The filesystem on {dev} is now {blocks} (4k) blocks long.\n\n"));
            o.events.push(Event::FilesystemResized { dev, new_bytes });
        }
        return o;
    }
    if let Some(m) = mounted_on {
        let mut t = t;
        t.push_str(&format!("fsadm: Cannot proceed with mounted filesystem \"{m}\".\n"));
        msg(&mut t, "/usr/sbin/fsadm failed: 1");
        msg(&mut t, "Filesystem resize failed.");
        return fail(t);
    }
    let (used, size) = machine.filesystems.get(&dev).map_or((0, 0), |f| (f.used_bytes, f.size_bytes));
    if used > new_bytes {
        let mut t = t;
        t.push_str(&format!("resize2fs 1.47.0 (5-Feb-2023)\nresize2fs: New size smaller than minimum ({})\n\n", used.div_ceil(4096)));
        msg(&mut t, "/usr/sbin/fsadm failed: 1");
        msg(&mut t, "Filesystem resize failed.");
        return fail(t);
    }
    let mut pre = t;
    pre.push_str(&format!(
        "fsck from util-linux 2.38.1\n{dev}: clean, 11/{} files, {}/{} blocks\nresize2fs 1.47.0 (5-Feb-2023)\nResizing the filesystem on {dev} to {blocks} (4k) blocks.\nThe filesystem on {dev} is now {blocks} (4k) blocks long.\n\n",
        size / 16384,
        used.div_ceil(4096),
        size / 4096
    ));
    if let Some(fs) = machine.filesystems.get_mut(&dev) {
        fs.size_bytes = new_bytes;
    }
    let mut o = resize_now(machine, vg, lv, new_extents, pre);
    o.events.insert(0, Event::FilesystemResized { dev, new_bytes });
    o
}

fn lvremove(shell: &mut Shell, a: &Args) -> Output {
    let mut t = String::new();
    let mut queue: Vec<(String, String)> = Vec::new();
    for spec in &a.positional {
        match lv_spec(&shell.machine, spec) {
            Some((vg, lv)) => {
                let exists = shell.machine.lvm.vg(&vg).and_then(|v| v.lv(&lv)).is_some_and(|l| !l.is_hidden());
                if !exists {
                    msg(&mut t, &format!("Failed to find logical volume \"{vg}/{lv}\""));
                    return fail(t);
                }
                queue.push((vg, lv));
            }
            None => match shell.machine.lvm.vg(spec) {
                Some(vg) => {
                    // Thin volumes go before the pool they live in.
                    let mut lvs: Vec<&Lv> = vg.lvs.iter().filter(|l| !l.is_hidden()).collect();
                    lvs.sort_by_key(|l| matches!(l.kind, LvKind::ThinPool { .. }));
                    queue.extend(lvs.into_iter().map(|l| (vg.name.clone(), l.name.clone())));
                }
                None => {
                    not_found_vg(&mut t, spec);
                    return fail(t);
                }
            },
        }
    }
    if queue.is_empty() {
        msg(&mut t, "Please enter one or more logical volume paths.");
        return Output { text: t, exit_status: 3, ..Output::default() };
    }
    if let Some((vg, lv)) = queue.iter().find(|(vg, lv)| open_lv(&shell.machine, vg, lv)) {
        msg(&mut t, &format!("Logical volume {vg}/{lv} contains a filesystem in use."));
        return fail(t);
    }
    let vg = queue[0].0.clone();
    let lvs: Vec<String> = queue.into_iter().map(|q| q.1).collect();
    if a.yes || a.force > 0 {
        let mut events = Vec::new();
        for lv in &lvs {
            events.extend(shell.machine.lvm.lvremove(&vg, lv).unwrap_or_default());
            forget_lv(&mut shell.machine, &vg, lv);
            msg(&mut t, &format!("Logical volume \"{lv}\" successfully removed."));
        }
        return ok(t, events);
    }
    let prompt = format!("Do you really want to remove active logical volume {vg}/{}? [y/n]: ", lvs[0]);
    ask(shell, t, prompt, Pending::LvRemove { vg, lvs, done_text: String::new() })
}

fn lvrename(machine: &mut Machine, a: &Args) -> Output {
    let mut t = String::new();
    let (vg, from, to) = match a.positional.as_slice() {
        [vg, from, to] => (vg.clone(), from.clone(), to.clone()),
        [old, new] => match lv_spec(machine, old) {
            Some((vg, from)) => {
                let to = new.rsplit('/').next().unwrap_or(new).to_string();
                (vg, from, to)
            }
            None => {
                msg(&mut t, "Old and new logical volume names required");
                return Output { text: t, exit_status: 3, ..Output::default() };
            }
        },
        _ => {
            msg(&mut t, "Old and new logical volume names required");
            return Output { text: t, exit_status: 3, ..Output::default() };
        }
    };
    if machine.lvm.vg(&vg).is_none() {
        not_found_vg(&mut t, &vg);
        return fail(t);
    }
    match machine.lvm.lvrename(&vg, &from, &to) {
        Ok(events) => {
            let old = format!("/dev/mapper/{}", dm_name(&vg, &from));
            if let Some(fs) = machine.filesystems.remove(&old) {
                machine.filesystems.insert(format!("/dev/mapper/{}", dm_name(&vg, &to)), fs);
            }
            msg(&mut t, &format!("Renamed \"{from}\" to \"{to}\" in volume group \"{vg}\""));
            ok(t, events)
        }
        Err(LvmError::LvExists { .. }) => {
            msg(&mut t, &format!("Logical Volume \"{to}\" already exists in volume group \"{vg}\""));
            fail(t)
        }
        Err(_) => {
            msg(&mut t, &format!("Existing logical volume \"{from}\" not found in volume group \"{vg}\""));
            fail(t)
        }
    }
}

// ---------------------------------------------------------------- reports

/// One report field: lvm2 name, header, minimum width, right-aligned.
struct Field {
    name: &'static str,
    header: &'static str,
    width: usize,
    right: bool,
}

const fn f(name: &'static str, header: &'static str, width: usize, right: bool) -> Field {
    Field { name, header, width, right }
}

const FIELDS: &[Field] = &[
    f("pv_name", "PV", 10, false), f("pv_fmt", "Fmt", 3, false), f("pv_attr", "Attr", 4, false),
    f("pv_size", "PSize", 5, true), f("pv_free", "PFree", 5, true), f("pv_used", "Used", 4, true),
    f("pe_start", "1st PE", 7, true), f("pv_pe_count", "PE", 3, true), f("pv_pe_alloc_count", "Alloc", 5, true),
    f("pv_uuid", "PV UUID", 38, false), f("dev_size", "DevSize", 7, true),
    f("vg_name", "VG", 4, false), f("pv_count", "#PV", 3, true), f("lv_count", "#LV", 3, true),
    f("snap_count", "#SN", 3, true), f("vg_attr", "Attr", 5, false), f("vg_size", "VSize", 5, true),
    f("vg_free", "VFree", 5, true), f("vg_extent_size", "Ext", 3, true), f("vg_extent_count", "#Ext", 4, true),
    f("vg_free_count", "Free", 4, true), f("vg_uuid", "VG UUID", 38, false), f("vg_seqno", "Seq", 3, true),
    f("lv_name", "LV", 4, false), f("lv_attr", "Attr", 4, false), f("lv_size", "LSize", 5, true),
    f("pool_lv", "Pool", 4, false), f("origin", "Origin", 6, false), f("data_percent", "Data%", 6, true),
    f("metadata_percent", "Meta%", 6, true), f("move_pv", "Move", 4, false), f("mirror_log", "Log", 3, false),
    f("copy_percent", "Cpy%Sync", 8, true), f("convert_lv", "Convert", 7, false), f("lv_uuid", "LV UUID", 38, false),
    f("lv_path", "Path", 4, false), f("lv_dm_path", "DMPath", 6, false), f("devices", "Devices", 5, false),
    f("seg_pe_ranges", "PE Ranges", 9, false), f("seg_count", "#Seg", 4, true), f("lv_kernel_major", "KMaj", 4, true),
    f("lv_kernel_minor", "KMin", 4, true), f("segtype", "Type", 4, false), f("chunk_size", "Chunk", 5, true),
    f("lv_role", "Role", 4, false),
];

const PVS_DEFAULT: &[&str] = &["pv_name", "vg_name", "pv_fmt", "pv_attr", "pv_size", "pv_free"];
const VGS_DEFAULT: &[&str] = &["vg_name", "pv_count", "lv_count", "snap_count", "vg_attr", "vg_size", "vg_free"];
const LVS_DEFAULT: &[&str] = &[
    "lv_name", "vg_name", "lv_attr", "lv_size", "pool_lv", "origin", "data_percent", "metadata_percent",
    "move_pv", "mirror_log", "copy_percent", "convert_lv",
];

/// Resolves a field name as lvm2 does, with the report's prefix implied.
fn field_named(report: &str, name: &str) -> Option<&'static Field> {
    let prefix = &report[..2];
    let name = name.to_lowercase();
    FIELDS
        .iter()
        .find(|f| f.name == name)
        .or_else(|| FIELDS.iter().find(|f| f.name == format!("{prefix}_{name}")))
        .or_else(|| match name.as_str() {
            "pe_count" => FIELDS.iter().find(|f| f.name == "pv_pe_count"),
            "extent_size" => FIELDS.iter().find(|f| f.name == "vg_extent_size"),
            _ => None,
        })
}

/// One row of a report: field name to rendered value.
type Row = Vec<(&'static str, String)>;

fn pv_attr(pv: &Pv) -> &'static str {
    if pv.vg_name.is_some() {
        "a--"
    } else {
        "---"
    }
}

fn lv_attr(machine: &Machine, vg: &Vg, lv: &Lv) -> String {
    let open = open_lv(machine, &vg.name, &lv.name);
    match &lv.kind {
        LvKind::Linear => format!("-wi-a{}----", if open { 'o' } else { '-' }),
        LvKind::ThinPool { out_of_space, .. } => {
            let used = vg.lvs.iter().any(|l| matches!(&l.kind, LvKind::Thin { pool, .. } if *pool == lv.name));
            format!("twi-a{}tz{}-", if used { 'o' } else { '-' }, if *out_of_space { 'D' } else { '-' })
        }
        LvKind::Thin { .. } => format!("Vwi-a{}tz--", if open { 'o' } else { '-' }),
        LvKind::Hidden if lv.name.ends_with("_tdata") => "Twi-ao----".into(),
        LvKind::Hidden if lv.name.ends_with("_tmeta") => "ewi-ao----".into(),
        LvKind::Hidden => "ewi-------".into(),
    }
}

/// Pool metadata in use: a fixed base plus a little per mapped chunk.
fn meta_percent(vg: &Vg, pool: &Lv) -> f64 {
    let meta_bytes = vg.lv(&format!("{}_tmeta", pool.name)).map_or(1, |m| m.extent_count() * vg.extent_size_bytes).max(1);
    let used_chunks = match pool.kind {
        LvKind::ThinPool { used_chunks, .. } => used_chunks,
        _ => 0,
    };
    let blocks = meta_bytes / 4096;
    let used_blocks = 112.min(blocks) as f64 + used_chunks as f64 / 64.0;
    (used_blocks / blocks as f64 * 100.0).min(100.0)
}

fn pct(v: f64) -> String {
    format!("{:.2}", (v * 100.0).round() / 100.0)
}

fn lv_rows(machine: &Machine, a: &Args, vg: &Vg, lv: &Lv, fields: &[&'static Field]) -> Vec<Row> {
    let u = a.units;
    let shown_name = if lv.is_hidden() { format!("[{}]", lv.name) } else { lv.name.clone() };
    let segs: Vec<Option<&crate::core::lvm::Segment>> = if fields.iter().any(|f| matches!(f.name, "devices" | "seg_pe_ranges")) && !lv.segments.is_empty() {
        lv.segments.iter().map(Some).collect()
    } else {
        vec![None]
    };
    segs.into_iter()
        .map(|seg| {
            fields
                .iter()
                .map(|fld| {
                    let v = match fld.name {
                        "lv_name" => shown_name.clone(),
                        "vg_name" => vg.name.clone(),
                        "lv_attr" => lv_attr(machine, vg, lv),
                        "lv_size" => short_size(vg.lv_size_bytes(lv), u),
                        "pool_lv" => match &lv.kind {
                            LvKind::Thin { pool, .. } => pool.clone(),
                            _ => String::new(),
                        },
                        "data_percent" => match &lv.kind {
                            LvKind::ThinPool { used_chunks, .. } => {
                                let total = crate::core::lvm::Lvm::pool_total_chunks(vg, lv).max(1);
                                pct(*used_chunks as f64 * 100.0 / total as f64)
                            }
                            LvKind::Thin { mapped_chunks, virtual_bytes, pool } => {
                                let chunk = match vg.lv(pool).map(|p| &p.kind) {
                                    Some(LvKind::ThinPool { chunk_size_bytes, .. }) => *chunk_size_bytes,
                                    _ => 65536,
                                };
                                pct(*mapped_chunks as f64 * chunk as f64 * 100.0 / (*virtual_bytes).max(1) as f64)
                            }
                            _ => String::new(),
                        },
                        "metadata_percent" => match &lv.kind {
                            LvKind::ThinPool { .. } => pct(meta_percent(vg, lv)),
                            _ => String::new(),
                        },
                        "lv_uuid" => lv.uuid.clone(),
                        "lv_path" => if lv.is_hidden() { String::new() } else { format!("/dev/{}/{}", vg.name, lv.name) },
                        "lv_dm_path" => format!("/dev/mapper/{}", dm_name(&vg.name, &lv.name)),
                        "devices" => match (seg, &lv.kind) {
                            (Some(s), _) => format!("{}({})", s.pv, s.pe_start),
                            (None, LvKind::ThinPool { .. }) => format!("{}_tdata(0)", lv.name),
                            _ => String::new(),
                        },
                        "seg_pe_ranges" => match seg {
                            Some(s) => format!("{}:{}-{}", s.pv, s.pe_start, s.pe_start + s.extent_count - 1),
                            None => String::new(),
                        },
                        "seg_count" => lv.segments.len().max(1).to_string(),
                        "lv_kernel_major" => if lv.dm_minor.is_some() { "253".into() } else { "-1".into() },
                        "lv_kernel_minor" => lv.dm_minor.map_or("-1".into(), |m| m.to_string()),
                        "segtype" => match lv.kind {
                            LvKind::Linear | LvKind::Hidden => "linear".into(),
                            LvKind::ThinPool { .. } => "thin-pool".into(),
                            LvKind::Thin { .. } => "thin".into(),
                        },
                        "chunk_size" => match lv.kind {
                            LvKind::ThinPool { chunk_size_bytes, .. } => short_size(chunk_size_bytes, u),
                            _ => short_size(0, u),
                        },
                        "lv_role" => if lv.is_hidden() { "private".into() } else { "public".into() },
                        other => vg_value(machine, vg, other, u),
                    };
                    (fld.name, v)
                })
                .collect()
        })
        .collect()
}

fn vg_value(machine: &Machine, vg: &Vg, field: &str, u: Units) -> String {
    let lvm = &machine.lvm;
    match field {
        "vg_name" => vg.name.clone(),
        "pv_count" => vg.pv_devices.len().to_string(),
        "lv_count" => vg.lvs.iter().filter(|l| !l.is_hidden()).count().to_string(),
        "snap_count" => "0".into(),
        "vg_attr" => "wz--n-".into(),
        "vg_size" => short_size(lvm.vg_extent_count(vg) * vg.extent_size_bytes, u),
        "vg_free" => short_size(lvm.vg_free_extents(vg) * vg.extent_size_bytes, u),
        "vg_extent_size" => short_size(vg.extent_size_bytes, u),
        "vg_extent_count" => lvm.vg_extent_count(vg).to_string(),
        "vg_free_count" => lvm.vg_free_extents(vg).to_string(),
        "vg_uuid" => vg.uuid.clone(),
        "vg_seqno" => vg.seqno.to_string(),
        _ => String::new(),
    }
}

fn pv_row(machine: &Machine, pv: &Pv, fields: &[&'static Field], u: Units) -> Row {
    let vg = pv.vg_name.as_deref().and_then(|n| machine.lvm.vg(n));
    let extent = vg.map_or(0, |v| v.extent_size_bytes);
    let free_ext = machine.lvm.pv_free_extents(pv);
    fields
        .iter()
        .map(|fld| {
            let v = match fld.name {
                "pv_name" => pv.device.clone(),
                "vg_name" => pv.vg_name.clone().unwrap_or_default(),
                "pv_fmt" => "lvm2".into(),
                "pv_attr" => pv_attr(pv).into(),
                "pv_size" => short_size(if vg.is_some() { pv.pe_count * extent } else { pv.dev_size_bytes }, u),
                "pv_free" => short_size(if vg.is_some() { free_ext * extent } else { pv.dev_size_bytes }, u),
                "pv_used" => short_size((pv.pe_count - free_ext.min(pv.pe_count)) * extent, u),
                "pe_start" => short_size(pv.pe_start_bytes, u),
                "pv_pe_count" => pv.pe_count.to_string(),
                "pv_pe_alloc_count" => (pv.pe_count - free_ext.min(pv.pe_count)).to_string(),
                "pv_uuid" => pv.uuid.clone(),
                "dev_size" => short_size(pv.dev_size_bytes, u),
                other => vg.map(|v| vg_value(machine, v, other, u)).unwrap_or_default(),
            };
            (fld.name, v)
        })
        .collect()
}

fn render(report: &str, fields: &[&'static Field], rows: &[Row], a: &Args) -> String {
    if a.json {
        let key = &report[..2];
        let lines: Vec<String> = rows
            .iter()
            .map(|r| {
                let cells: Vec<String> = r.iter().map(|(k, v)| format!("{}:{}", json_string(k), json_string(v))).collect();
                format!("                  {{{}}}", cells.join(", "))
            })
            .collect();
        return format!(
            "  {{\n      \"report\": [\n          {{\n              \"{key}\": [\n{}\n              ]\n          }}\n      ]\n  }}\n",
            lines.join(",\n")
        );
    }
    let widths: Vec<usize> = fields
        .iter()
        .enumerate()
        .map(|(i, f)| {
            let data = rows.iter().map(|r| r[i].1.chars().count()).max().unwrap_or(0);
            let head = if a.noheadings { 0 } else { f.header.len() };
            data.max(head).max(if a.noheadings { 0 } else { f.width })
        })
        .collect();
    let mut out = String::new();
    let mut line = |cells: Vec<(String, bool)>| {
        out.push_str("  ");
        let parts: Vec<String> = cells
            .into_iter()
            .zip(&widths)
            .map(|((c, right), w)| if right { format!("{c:>w$}") } else { format!("{c:<w$}") })
            .collect();
        out.push_str(&parts.join(" "));
        out.push('\n');
    };
    if !a.noheadings {
        line(fields.iter().map(|f| (f.header.to_string(), false)).collect());
    }
    for r in rows {
        line(r.iter().zip(fields).map(|((_, v), f)| (v.clone(), f.right)).collect());
    }
    out
}

fn report(machine: &Machine, cmd: &str, a: &Args) -> Output {
    let defaults: &[&str] = match cmd {
        "pvs" => PVS_DEFAULT,
        "vgs" => VGS_DEFAULT,
        _ => LVS_DEFAULT,
    };
    let mut names: Vec<String> = defaults.iter().map(|s| s.to_string()).collect();
    if let Some(cols) = &a.columns {
        match cols.strip_prefix('+') {
            Some(extra) => names.extend(extra.split(',').map(str::to_string)),
            None => names = cols.split(',').map(str::to_string).collect(),
        }
    }
    let mut fields = Vec::new();
    for n in names.iter().filter(|n| !n.is_empty()) {
        match field_named(cmd, n) {
            Some(f) => fields.push(f),
            None => {
                let mut t = String::new();
                msg(&mut t, &format!("Unrecognised field: {n}"));
                return fail(t);
            }
        }
    }
    let mut t = String::new();
    let mut rows: Vec<Row> = Vec::new();
    match cmd {
        "pvs" => {
            let mut pvs: Vec<&Pv> = machine.lvm.pvs.iter().collect();
            if !a.positional.is_empty() {
                for p in &a.positional {
                    if machine.lvm.pv(p).is_none() {
                        if machine.resolve(p).is_none() {
                            msg(&mut t, &format!("Cannot use {p}: device not found"));
                        } else {
                            msg(&mut t, &format!("Failed to find physical volume \"{p}\"."));
                        }
                        return fail(t);
                    }
                }
                pvs.retain(|p| a.positional.contains(&p.device));
            }
            pvs.sort_by(|x, y| x.device.cmp(&y.device));
            rows.extend(pvs.into_iter().map(|p| pv_row(machine, p, &fields, a.units)));
        }
        "vgs" => {
            let mut vgs: Vec<&Vg> = machine.lvm.vgs.iter().collect();
            for v in &a.positional {
                if machine.lvm.vg(v).is_none() {
                    not_found_vg(&mut t, v);
                    return fail(t);
                }
            }
            if !a.positional.is_empty() {
                vgs.retain(|v| a.positional.contains(&v.name));
            }
            vgs.sort_by(|x, y| x.name.cmp(&y.name));
            for vg in vgs {
                rows.push(fields.iter().map(|f| (f.name, vg_value(machine, vg, f.name, a.units))).collect());
            }
        }
        _ => {
            let mut wanted: Vec<(String, Option<String>)> = Vec::new();
            for p in &a.positional {
                match lv_spec(machine, p) {
                    Some((vg, lv)) => {
                        if machine.lvm.vg(&vg).and_then(|v| v.lv(&lv)).is_none() {
                            msg(&mut t, &format!("Failed to find logical volume \"{vg}/{lv}\""));
                            return fail(t);
                        }
                        wanted.push((vg, Some(lv)));
                    }
                    None => {
                        if machine.lvm.vg(p).is_none() {
                            not_found_vg(&mut t, p);
                            return fail(t);
                        }
                        wanted.push((p.clone(), None));
                    }
                }
            }
            let mut vgs: Vec<&Vg> = machine.lvm.vgs.iter().collect();
            vgs.sort_by(|x, y| x.name.cmp(&y.name));
            for vg in vgs {
                let mut lvs: Vec<&Lv> = vg.lvs.iter().filter(|l| a.all || !l.is_hidden()).collect();
                lvs.sort_by(|x, y| x.name.cmp(&y.name));
                for lv in lvs {
                    let keep = wanted.is_empty()
                        || wanted.iter().any(|(v, l)| *v == vg.name && l.as_ref().is_none_or(|l| *l == lv.name));
                    if keep {
                        rows.extend(lv_rows(machine, a, vg, lv, &fields));
                    }
                }
            }
        }
    }
    if rows.is_empty() && !a.json {
        return ok(t, Vec::new());
    }
    ok(render(cmd, &fields, &rows, a), Vec::new())
}

fn pvscan(machine: &Machine) -> Output {
    let mut t = String::new();
    let width = machine.lvm.pvs.iter().map(|p| p.device.len()).max().unwrap_or(0);
    for pv in &machine.lvm.pvs {
        let vg = pv.vg_name.as_deref().and_then(|n| machine.lvm.vg(n));
        match vg {
            Some(v) => {
                let free = machine.lvm.pv_free_extents(pv) * v.extent_size_bytes;
                msg(&mut t, &format!("PV {:<width$}   VG {:<8} lvm2 [{} / {} free]", pv.device, v.name, long_size(pv.pe_count * v.extent_size_bytes), long_size(free)));
            }
            None => msg(&mut t, &format!("PV {:<width$}            lvm2 [{}]", pv.device, long_size(pv.dev_size_bytes))),
        }
    }
    let total: u64 = machine.lvm.pvs.iter().map(|p| p.dev_size_bytes).sum();
    let in_vg = machine.lvm.pvs.iter().filter(|p| p.vg_name.is_some()).count();
    let orphans = machine.lvm.pvs.len() - in_vg;
    msg(&mut t, &format!("Total: {} [{}] / in use: {in_vg} [..] / in no VG: {orphans} [..]", machine.lvm.pvs.len(), long_size(total)));
    ok(t, Vec::new())
}

fn pvdisplay(machine: &Machine, a: &Args) -> Output {
    let mut t = String::new();
    let pvs: Vec<&Pv> = machine.lvm.pvs.iter().filter(|p| a.positional.is_empty() || a.positional.contains(&p.device)).collect();
    for p in &a.positional {
        if machine.lvm.pv(p).is_none() {
            msg(&mut t, &format!("Failed to find physical volume \"{p}\"."));
            return fail(t);
        }
    }
    for pv in pvs {
        if a.short {
            msg(&mut t, &format!("Device \"{}\" has a capacity of {}", pv.device, long_size(machine.lvm.pv_free_extents(pv) * pv.vg_name.as_deref().and_then(|n| machine.lvm.vg(n)).map_or(0, |v| v.extent_size_bytes))));
            continue;
        }
        let Some(vg) = pv.vg_name.as_deref().and_then(|n| machine.lvm.vg(n)) else {
            msg(&mut t, &format!("\"{}\" is a new physical volume of \"{}\"", pv.device, long_size(pv.dev_size_bytes)));
            msg(&mut t, "--- NEW Physical volume ---");
            msg(&mut t, &format!("PV Name               {}", pv.device));
            msg(&mut t, "VG Name               ");
            msg(&mut t, &format!("PV Size               {}", long_size(pv.dev_size_bytes)));
            msg(&mut t, "Allocatable           NO");
            msg(&mut t, "PE Size               0   ");
            msg(&mut t, "Total PE              0");
            msg(&mut t, "Free PE               0");
            msg(&mut t, "Allocated PE          0");
            msg(&mut t, &format!("PV UUID               {}", pv.uuid));
            msg(&mut t, " ");
            continue;
        };
        let extent = vg.extent_size_bytes;
        let free = machine.lvm.pv_free_extents(pv);
        msg(&mut t, "--- Physical volume ---");
        msg(&mut t, &format!("PV Name               {}", pv.device));
        msg(&mut t, &format!("VG Name               {}", vg.name));
        msg(&mut t, &format!("PV Size               {} / not usable {}", long_size(pv.dev_size_bytes), long_size(pv.dev_size_bytes - pv.pe_count * extent)));
        msg(&mut t, &format!("Allocatable           yes {}", if free == 0 { "(but full)" } else { "" }));
        msg(&mut t, &format!("PE Size               {}", long_size(extent)));
        msg(&mut t, &format!("Total PE              {}", pv.pe_count));
        msg(&mut t, &format!("Free PE               {free}"));
        msg(&mut t, &format!("Allocated PE          {}", pv.pe_count - free));
        msg(&mut t, &format!("PV UUID               {}", pv.uuid));
        msg(&mut t, " ");
        if a.maps {
            msg(&mut t, "--- Physical Segments ---");
            let mut segs: Vec<(u64, u64, String, u64)> = vg
                .lvs
                .iter()
                .flat_map(|l| l.segments.iter().filter(|s| s.pv == pv.device).map(move |s| (s.pe_start, s.extent_count, l.name.clone(), s.le_start)))
                .collect();
            for (start, count) in machine.lvm.free_runs(pv) {
                segs.push((start, count, String::new(), 0));
            }
            segs.sort();
            for (start, count, lv, le) in segs {
                msg(&mut t, &format!("Physical extent {start} to {}:", start + count - 1));
                if lv.is_empty() {
                    msg(&mut t, "  FREE");
                } else {
                    msg(&mut t, &format!("  Logical volume\t/dev/{}/{lv}", vg.name));
                    msg(&mut t, &format!("  Logical extents\t{le} to {}", le + count - 1));
                }
            }
            msg(&mut t, " ");
        }
    }
    ok(t, Vec::new())
}

fn vgdisplay(machine: &Machine, a: &Args) -> Output {
    let mut t = String::new();
    for v in &a.positional {
        if machine.lvm.vg(v).is_none() {
            not_found_vg(&mut t, v);
            return fail(t);
        }
    }
    let mut vgs: Vec<&Vg> = machine.lvm.vgs.iter().filter(|v| a.positional.is_empty() || a.positional.contains(&v.name)).collect();
    vgs.sort_by(|x, y| x.name.cmp(&y.name));
    for vg in vgs {
        let lvm = &machine.lvm;
        let e = vg.extent_size_bytes;
        let total = lvm.vg_extent_count(vg);
        let free = lvm.vg_free_extents(vg);
        if a.short {
            msg(&mut t, &format!("\"{}\" {} [{}  used / {} free]", vg.name, long_size(total * e), long_size((total - free) * e), long_size(free * e)));
            continue;
        }
        let lvs = vg.lvs.iter().filter(|l| !l.is_hidden()).count();
        let open = vg.lvs.iter().filter(|l| open_lv(machine, &vg.name, &l.name)).count();
        msg(&mut t, "--- Volume group ---");
        for (k, v) in [
            ("VG Name", vg.name.clone()),
            ("System ID", String::new()),
            ("Format", "lvm2".into()),
            ("Metadata Areas", vg.pv_devices.len().to_string()),
            ("Metadata Sequence No", vg.seqno.to_string()),
            ("VG Access", "read/write".into()),
            ("VG Status", "resizable".into()),
            ("MAX LV", "0".into()),
            ("Cur LV", lvs.to_string()),
            ("Open LV", open.to_string()),
            ("Max PV", "0".into()),
            ("Cur PV", vg.pv_devices.len().to_string()),
            ("Act PV", vg.pv_devices.len().to_string()),
            ("VG Size", long_size(total * e)),
            ("PE Size", long_size(e)),
            ("Total PE", total.to_string()),
            ("Alloc PE / Size", format!("{} / {}", total - free, long_size((total - free) * e))),
            ("Free  PE / Size", format!("{free} / {}", long_size(free * e))),
            ("VG UUID", vg.uuid.clone()),
        ] {
            msg(&mut t, &format!("{k:<21} {v}"));
        }
        msg(&mut t, " ");
    }
    ok(t, Vec::new())
}

fn lvdisplay(machine: &Machine, a: &Args) -> Output {
    let mut t = String::new();
    let mut wanted: Vec<(String, Option<String>)> = Vec::new();
    for p in &a.positional {
        match lv_spec(machine, p) {
            Some((vg, lv)) if machine.lvm.vg(&vg).and_then(|v| v.lv(&lv)).is_some() => wanted.push((vg, Some(lv))),
            Some((vg, lv)) => {
                msg(&mut t, &format!("Failed to find logical volume \"{vg}/{lv}\""));
                return fail(t);
            }
            None if machine.lvm.vg(p).is_some() => wanted.push((p.clone(), None)),
            None => {
                not_found_vg(&mut t, p);
                return fail(t);
            }
        }
    }
    for vg in &machine.lvm.vgs {
        for lv in vg.lvs.iter().filter(|l| !l.is_hidden()) {
            if !(wanted.is_empty() || wanted.iter().any(|(v, l)| *v == vg.name && l.as_ref().is_none_or(|l| *l == lv.name))) {
                continue;
            }
            let open = usize::from(open_lv(machine, &vg.name, &lv.name));
            msg(&mut t, "--- Logical volume ---");
            let mut rows: Vec<(&str, String)> = vec![
                ("LV Path", format!("/dev/{}/{}", vg.name, lv.name)),
                ("LV Name", lv.name.clone()),
                ("VG Name", vg.name.clone()),
                ("LV UUID", lv.uuid.clone()),
                ("LV Write Access", "read/write".into()),
                ("LV Creation host, time", format!("{}, 2026-11-25 09:00:00 +0000", machine.hostname)),
            ];
            match &lv.kind {
                LvKind::ThinPool { .. } => {
                    rows[0] = ("LV Name", lv.name.clone());
                    rows.remove(1);
                    rows.push(("LV Pool metadata", format!("{}_tmeta", lv.name)));
                    rows.push(("LV Pool data", format!("{}_tdata", lv.name)));
                    rows.push(("LV Status", "available".into()));
                    rows.push(("# open", "0".into()));
                    rows.push(("LV Size", long_size(vg.lv_size_bytes(lv))));
                    rows.push(("Allocated pool data", format!("{}%", pct(lv_rows(machine, a, vg, lv, &[field_named("lvs", "data_percent").unwrap_or(&FIELDS[0])])[0][0].1.parse::<f64>().unwrap_or(0.0)))));
                    rows.push(("Allocated metadata", format!("{}%", pct(meta_percent(vg, lv)))));
                    rows.push(("Current LE", (vg.lv_size_bytes(lv) / vg.extent_size_bytes).to_string()));
                }
                LvKind::Thin { pool, .. } => {
                    rows.push(("LV Pool name", pool.clone()));
                    rows.push(("LV Status", "available".into()));
                    rows.push(("# open", open.to_string()));
                    rows.push(("LV Size", long_size(vg.lv_size_bytes(lv))));
                    rows.push(("Mapped size", format!("{}%", lv_rows(machine, a, vg, lv, &[field_named("lvs", "data_percent").unwrap_or(&FIELDS[0])])[0][0].1)));
                    rows.push(("Current LE", (vg.lv_size_bytes(lv) / vg.extent_size_bytes).to_string()));
                }
                _ => {
                    rows.push(("LV Status", "available".into()));
                    rows.push(("# open", open.to_string()));
                    rows.push(("LV Size", long_size(vg.lv_size_bytes(lv))));
                    rows.push(("Current LE", lv.extent_count().to_string()));
                    rows.push(("Segments", lv.segments.len().to_string()));
                }
            }
            rows.push(("Allocation", "inherit".into()));
            rows.push(("Read ahead sectors", "auto".into()));
            rows.push(("- currently set to", "256".into()));
            rows.push(("Block device", format!("253:{}", lv.dm_minor.unwrap_or(0))));
            for (k, v) in rows {
                msg(&mut t, &format!("{k:<22} {v}"));
            }
            msg(&mut t, " ");
        }
    }
    ok(t, Vec::new())
}
