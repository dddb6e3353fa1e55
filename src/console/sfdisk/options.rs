//! sfdisk's command line as util-linux 2.38 reads it: getopt_long over its
//! options, then one action (the last named wins, as in sfdisk): a script
//! run, `--dump`, `--json`, `--list`, `--list-free`, `--verify`, `--delete`,
//! `--part-type`, `--part-label`, `--part-uuid`, `--disk-id` or
//! `--activate`.
//!
//! Simplified: the options sfdisk has and the lab does not model
//! (`--wipe-partitions`, backups, `--move-data`, `--reorder`, ...) are refused by name, `--activate`
//! works on DOS tables only (not a GPT's protective MBR) and refuses an
//! empty slot, and
//! `--list-free` and `--verify` without a device go through the disks only
//! (sfdisk also visits device-mapper devices).

use super::script::{parse_type, ScriptType};
use super::{dump, json, partition_path, partition_table, write_changes, Opts, Session};
use crate::console::fdisk::{free_listing, verify_text};
use crate::console::hexdump::Getopt;
use crate::console::Output;
use crate::core::device::DevId;
use crate::core::gpt::Guid;
use crate::core::label::{DiskId, Label, LabelKind, PartType};
#[cfg(feature = "wipe-modes")]
use crate::core::libfdisk::wipe::WipeMode;
use crate::core::machine::Machine;
use crate::core::order::SmallSort;
use crate::core::Event;

/// sfdisk 2.38's optstring; the control characters stand for the options
/// that have only a long name.
const SHORT: &str = "aAbBcdfFgGhJlLo:O:nN:qrsTu:vVX:Y:w:W:\u{10}\u{11}\u{12}\u{13}\u{14}\u{15}\u{16}\u{17}\u{18}\u{19}::\u{1a}::\u{1b}::\u{1c}\u{1d}\u{1e}\u{1f}";
/// In sfdisk's getopt_long order, which decides what an abbreviation means.
const LONG: &str = "activate=A,append=a,backup-pt-sectors=B,backup=b,backup-file=O,bytes=\u{18},color=\u{19},lock=\u{1a},\
delete=\u{10},dump=d,help=h,force=f,json=J,label=X,label-nested=Y,list=l,list-free=F,list-types=T,no-act=n,\
no-reread=\u{11},no-tell-kernel=\u{12},move-data=\u{1b},move-use-fsync=\u{1c},output=o,partno=N,reorder=r,\
show-geometry=g,quiet=q,verify=V,version=v,wipe=w,wipe-partitions=W,relocate=\u{1d},part-uuid=\u{15},\
part-label=\u{14},part-type=\u{13},part-attrs=\u{16},disk-id=\u{17},show-pt-geometry=G,unit=u,Linux=L,\
show-size=s,change-id=\u{1e},id=c,print-id=\u{1f}";

const TRY: &str = "Try 'sfdisk --help' for more information.\n";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Act {
    Script,
    Dump,
    Json,
    List,
    ListFree,
    Verify,
    Delete,
    PartType,
    PartLabel,
    PartUuid,
    DiskId,
    Activate,
}

/// What the shell does with an sfdisk command line.
pub enum Run {
    Done(Output),
    /// A script run that waits for its lines.
    Script(Session, String),
}

fn fail(text: String) -> Run {
    Run::Done(Output::error(text, 1))
}

/// An option by its letter and long name (`-V/--verify`), or by its long
/// name alone when it has no letter.
fn option_name(c: char) -> String {
    let long = LONG.split(',').find_map(|l| l.split_once('=').filter(|(_, short)| short.starts_with(c)));
    match (c.is_ascii_graphic(), long) {
        (true, Some((name, _))) => format!("-{c}/--{name}"),
        (true, None) => format!("-{c}"),
        (false, _) => format!("--{}", long.map_or("?", |l| l.0)),
    }
}

/// `strtou32_or_err()` for a partition number: spaces and a `+` may lead,
/// digits must follow to the end, and too large a number is ERANGE.
fn parse_partno(text: &str) -> Result<u32, String> {
    let digits = text.trim_start_matches(|c: char| c.is_ascii_whitespace());
    let digits = digits.strip_prefix('+').unwrap_or(digits);
    let what = format!("sfdisk: failed to parse partition number: '{text}'");
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!("{what}\n"));
    }
    digits.parse().map_err(|_| format!("{what}: Numerical result out of range\n"))
}

fn partno(text: &str) -> Result<u32, Run> {
    parse_partno(text).map_err(fail)
}

pub fn run(machine: &mut Machine, args: &[String]) -> Run {
    let mut opts = Opts::default();
    let (mut act, mut columns) = (Act::Script, None);
    let mut getopt = Getopt::new(args, SHORT, LONG);
    while let Some(parsed) = getopt.next("sfdisk") {
        let (c, v) = match parsed {
            Ok(p) => p,
            Err(e) => return fail(format!("{e}\n{TRY}")),
        };
        match c {
            'q' => opts.quiet = true,
            'n' => opts.no_act = true,
            'f' => opts.force = true,
            'a' => opts.append = true,
            'X' => opts.label = v,
            #[cfg(feature = "wipe-modes")]
            'w' => match WipeMode::parse(v.as_deref().unwrap_or_default()) {
                Some(mode) => opts.wipe = mode,
                None => return fail("sfdisk: unsupported wipe mode\n".into()),
            },
            '\u{11}' => opts.no_reread = true,
            '\u{12}' => opts.no_tell = true,
            'd' => act = Act::Dump,
            'J' => act = Act::Json,
            'l' => act = Act::List,
            'F' => act = Act::ListFree,
            'V' => act = Act::Verify,
            'o' => columns = v,
            '\u{10}' => act = Act::Delete,
            '\u{13}' => act = Act::PartType,
            '\u{14}' => act = Act::PartLabel,
            '\u{15}' => act = Act::PartUuid,
            '\u{17}' => act = Act::DiskId,
            'A' => act = Act::Activate,
            'h' => return Run::Done(Output::text(crate::console::version::no_help("sfdisk"), 0)),
            'v' => return Run::Done(Output::text("sfdisk from util-linux 2.38.1\n", 0)),
            // sfdisk keeps N - 1 in an int: -N 0 means no partition.
            'N' => match partno(v.as_deref().unwrap_or_default()) {
                Ok(n) => opts.partno = u32::try_from(n.wrapping_sub(1) as i32).ok(),
                Err(e) => return e,
            },
            other => return fail(not_modelled(&option_name(other))),
        }
    }
    let operands = getopt.operands;
    match (act, operands.first()) {
        (Act::List, _) => Run::Done(list(machine, &operands, columns.as_deref(), opts.quiet)),
        (Act::ListFree | Act::Verify, _) => Run::Done(free_or_verify(machine, act, &operands, opts.quiet)),
        (_, None) => fail(format!("sfdisk: no disk device specified\n{TRY}")),
        (Act::Script, Some(path)) => script(machine, path, operands.get(1), opts),
        (Act::Dump, Some(path)) => done(dump(machine, path)),
        (Act::Json, Some(path)) => done(json(machine, path)),
        (Act::Delete, Some(path)) => delete(machine, path, &operands[1..], &opts),
        (Act::PartType | Act::PartLabel | Act::PartUuid, Some(path)) => part_field(machine, act, path, &operands[1..], &opts),
        (Act::DiskId, Some(path)) => disk_id(machine, path, &operands[1..], &opts),
        (Act::Activate, Some(path)) => activate(machine, path, &operands[1..], &opts),
    }
}

/// `sfdisk DEV [[-N] N]`: without -N, a second operand is the partition's
/// 0-based index (`sfdisk /dev/sdb 1` changes sdb2, as in sfdisk 2.38).
fn script(machine: &mut Machine, path: &str, index: Option<&String>, mut opts: Opts) -> Run {
    if let (None, Some(index)) = (opts.partno, index) {
        match partno(index) {
            Ok(n) => opts.partno = u32::try_from(n as i32).ok(),
            Err(e) => return e,
        }
    }
    match super::start(machine, path, opts) {
        Ok((session, text)) => Run::Script(session, text),
        Err((text, status)) => Run::Done(Output { exit_status: status, ..crate::console::dialog_text(text) }),
    }
}

/// A dump, or the error (status 1) that stopped it.
fn done((text, status): (String, i32)) -> Run {
    Run::Done(if status == 0 { Output::text(text, 0) } else { Output::error(text, status) })
}

fn not_modelled(option: &str) -> String {
    format!("sfdisk: the lab does not model {option} (see sfdisk(8))\n")
}

/// `sfdisk -l`; with `-q`, libfdisk's lines about each disk go unprinted
/// and only the partition tables are left.
fn list(machine: &Machine, devices: &[String], columns: Option<&str>, quiet: bool) -> Output {
    if !quiet {
        return crate::console::fdisk::list(machine, "sfdisk", devices, columns);
    }
    let tables: Vec<String> = devices
        .iter()
        .filter_map(|d| machine.resolve(d).and_then(|id| machine.disk(id)).and_then(|disk| disk.label()).map(|l| partition_table(d, &l)))
        .collect();
    Output::text(tables.iter().map(|t| t.trim_start_matches('\n')).collect::<Vec<_>>().join("\n"), 0)
}

/// `sfdisk -F` and `sfdisk -V` for each device named, or for every disk:
/// the free areas (nothing for a disk without a table) or the table's check,
/// libfdisk's lines silenced by `-q`.
fn free_or_verify(machine: &Machine, act: Act, devices: &[String], quiet: bool) -> Output {
    let devices: Vec<String> = match devices {
        [] => {
            let mut disks: Vec<_> = machine.disks().iter().collect();
            disks.small_sort_by_key(|d| (d.major, d.minor));
            disks.iter().map(|d| d.path()).collect()
        }
        named => named.to_vec(),
    };
    let mut out = Output::default();
    for (i, path) in devices.iter().enumerate() {
        let Some(disk) = machine.resolve(path).and_then(|id| machine.disk(id)) else {
            out.err.push_str(&format!("sfdisk: cannot open {path}: No such file or directory\n"));
            if act == Act::Verify {
                out.exit_status = 1;
                return out;
            }
            continue;
        };
        let label = disk.label();
        let text = match (act, &label) {
            (Act::ListFree, None) => String::new(),
            (Act::ListFree, Some(l)) => free_listing(path, l, quiet),
            (_, None) => format!("{path}:\nunrecognized partition table type\n"),
            (_, Some(l)) => format!("{path}:\n{}", verify_text(l)),
        };
        let separator = if act == Act::ListFree { "\n\n" } else { " \n" };
        if i > 0 && !(quiet && act == Act::Verify) {
            out.text.push_str(separator);
        }
        // -q silences every line of the check: all are libfdisk's information.
        if !(quiet && act == Act::Verify) {
            out.text.push_str(&text);
        }
    }
    out.exit_status = i32::from(!out.err.is_empty());
    out
}

/// The disk and its table, as sfdisk opens a device to change it.
fn open(machine: &Machine, path: &str) -> Result<(DevId, Option<Label>), Run> {
    match machine.resolve(path).and_then(|id| machine.disk(id).map(|d| (id, d.label()))) {
        Some(found) => Ok(found),
        None => Err(fail(format!("sfdisk: cannot open {path}: No such file or directory\n"))),
    }
}

/// The disk and the table it must have.
fn open_table(machine: &Machine, path: &str) -> Result<(DevId, Label), Run> {
    match open(machine, path)? {
        (disk, Some(label)) => Ok((disk, label)),
        (_, None) => Err(fail(format!("sfdisk: {path}: no partition table found\n"))),
    }
}

/// `sfdisk --delete DEV [N...]`: every partition, or the ones named. There
/// is no check whether the disk is in use: the kernel's re-read says so.
fn delete(machine: &mut Machine, path: &str, numbers: &[String], opts: &Opts) -> Run {
    let (disk, label) = match open(machine, path) {
        Ok(found) => found,
        Err(e) => return e,
    };
    let Some(mut label) = label else {
        // Without a table nothing is deleted, and nothing is written.
        return match numbers.first().map(|n| partno(n)) {
            Some(Ok(n)) => fail(format!("sfdisk: {path}: partition {n}: failed to delete\n")),
            Some(Err(e)) => e,
            None => Run::Done(Output::error("", 1)),
        };
    };
    if numbers.is_empty() {
        label.partitions.clear();
    }
    for n in numbers {
        let n = match partno(n) {
            Ok(n) => n,
            Err(e) => return e,
        };
        if label.delete(n).is_err() {
            return fail(format!("sfdisk: {path}: partition {n}: failed to delete\n"));
        }
    }
    Run::Done(write(machine, disk, &label, opts, String::new()))
}

fn write(machine: &mut Machine, disk: DevId, label: &Label, opts: &Opts, mut text: String) -> Output {
    let mut events: Vec<Event> = Vec::new();
    write_changes(machine, disk, label, opts, &mut text, &mut events);
    Output { events, ..crate::console::dialog_text(text) }
}

/// `sfdisk --part-type DEV N [TYPE]`, `--part-label DEV N [NAME]` and
/// `--part-uuid DEV N [UUID]`: print the partition's type, name or GPT
/// partition GUID, or set it and write the table.
fn part_field(machine: &mut Machine, act: Act, path: &str, operands: &[String], opts: &Opts) -> Run {
    let Some(number) = operands.first() else { return fail("sfdisk: no partition number specified\n".into()) };
    let n = match partno(number) {
        Ok(n) => n,
        Err(e) => return e,
    };
    if operands.len() > 2 {
        return fail("sfdisk: unexpected arguments\n".into());
    }
    let (disk, mut label) = match open_table(machine, path) {
        Ok(found) => found,
        Err(e) => return e,
    };
    let slots = label.slots();
    if n > slots {
        return fail(format!("sfdisk: {path}: partition {n}: partition table contains only {slots} partitions\n"));
    }
    let Some(part) = label.partitions.iter_mut().find(|p| p.number == n) else {
        return fail(format!("sfdisk: {path}: partition {n}: partition is unused\n"));
    };
    let kind = label.kind;
    let mut text = String::new();
    let gpt = kind == LabelKind::Gpt;
    match (act, operands.get(1)) {
        (Act::PartType, None) => return Run::Done(Output::text(type_text(part.part_type), 0)),
        (Act::PartUuid, None) if gpt => return Run::Done(Output::text(format!("{}\n", part.unique_guid), 0)),
        (Act::PartUuid, None) => return fail(format!("sfdisk: {path}: partition {n}: failed to get partition UUID\n")),
        (Act::PartUuid, Some(u)) if gpt => match Guid::parse(u) {
            Some(guid) => {
                if !opts.quiet {
                    text.push_str(&format!("Partition UUID changed from {} to {guid}.\n", part.unique_guid));
                }
                part.unique_guid = guid;
            }
            None => return fail(format!("sfdisk: {path}: partition {n}: failed to set partition UUID\n")),
        },
        (_, None) if kind == LabelKind::Gpt => return Run::Done(Output::text(format!("{}\n", part.name), 0)),
        (_, None) => return fail(format!("sfdisk: {path}: partition {n}: failed to get partition name\n")),
        (Act::PartType, Some(t)) => match parse_type(kind, t) {
            ScriptType::Type(PartType::Dos(0)) => {
                super::warning(&mut text, "Type 0 means free space to many systems. Having partitions of type 0 is probably unwise.\n");
                part.part_type = PartType::Dos(0);
            }
            ScriptType::Type(t) => part.part_type = t,
            ScriptType::NotAGuid => return fail(format!("sfdisk: {path}: partition {n}: failed to set partition type\n")),
        },
        (_, Some(name)) if kind == LabelKind::Gpt => {
            if !opts.quiet {
                text.push_str(&format!("Partition name changed from '{}' to '{name}'.\n", part.name));
            }
            part.name = name.clone();
        }
        // A DOS table has no names or partition GUIDs: libfdisk ignores
        // the new one.
        (_, Some(_)) => {}
    }
    Run::Done(write(machine, disk, &label, opts, text))
}

/// `sfdisk --disk-id DEV [ID]`: print the table's identifier, or set it (a C
/// number for DOS, a GUID for GPT) and write the table.
fn disk_id(machine: &mut Machine, path: &str, operands: &[String], opts: &Opts) -> Run {
    if operands.len() > 1 {
        return fail("sfdisk: unexpected arguments\n".into());
    }
    let (disk, mut label) = match open_table(machine, path) {
        Ok(found) => found,
        Err(e) => return e,
    };
    let shown = |id: DiskId| match id {
        DiskId::Dos(sig) => format!("0x{sig:08x}"),
        DiskId::Gpt(guid) => guid.to_string(),
    };
    let Some(value) = operands.first() else { return Run::Done(Output::text(format!("{}\n", shown(label.disk_id)), 0)) };
    let new = match label.disk_id {
        DiskId::Dos(_) => crate::console::cnum::c_strtol_whole(value, 0).filter(|_| !value.is_empty()).map(|v| DiskId::Dos(v as u32)),
        DiskId::Gpt(_) => Guid::parse(value).map(DiskId::Gpt),
    };
    let Some(new) = new else {
        let why = if label.kind == LabelKind::Dos { "Incorrect value." } else { "Failed to parse your UUID." };
        return fail(format!("{why}\nsfdisk: {path}: failed to set disklabel ID\n"));
    };
    let mut text = String::new();
    if !opts.quiet {
        text = format!("Disk identifier changed from {} to {}.\n", shown(label.disk_id), shown(new));
    }
    label.disk_id = new;
    Run::Done(write(machine, disk, &label, opts, text))
}

/// `sfdisk --activate DEV [N...|-]`: the bootable partitions, or every boot
/// flag cleared and those of the partitions named set, each toggle said.
fn activate(machine: &mut Machine, path: &str, numbers: &[String], opts: &Opts) -> Run {
    let (disk, mut label) = match open_table(machine, path) {
        Ok(found) => found,
        Err(e) => return e,
    };
    if label.kind == LabelKind::Gpt {
        return fail(format!("sfdisk: {path}: the lab does not model the boot flag of a GPT's protective MBR\n"));
    }
    let mut bootable: Vec<u32> = label.partitions.iter().filter(|p| p.bootable).map(|p| p.number).collect();
    crate::core::order::small_sort(&mut bootable);
    if numbers.is_empty() {
        return Run::Done(Output::text(bootable.iter().map(|n| format!("{}\n", partition_path(path, *n))).collect::<String>(), 0));
    }
    let mut text = String::new();
    for n in bootable {
        label.partitions.iter_mut().filter(|p| p.number == n).for_each(|p| p.bootable = false);
        text.push_str(&toggled(n, false, opts));
    }
    // What was toggled is said, then the error, and nothing is written.
    let failed = |text: String, err: String| Run::Done(Output { err, ..Output::text(text, 1) });
    let chosen = if numbers[0] == "-" { &[][..] } else { numbers };
    for (i, n) in chosen.iter().enumerate() {
        let n = match parse_partno(n) {
            Ok(n) => n,
            Err(e) => return failed(text, e),
        };
        let Some(p) = label.partitions.iter_mut().find(|p| p.number == n) else {
            // sfdisk names the argument's position (plus one), not the number.
            return failed(text, format!("sfdisk: {path}: partition {}: failed to toggle bootable flag\n", i + 2));
        };
        p.bootable = !p.bootable;
        text.push_str(&toggled(n, p.bootable, opts));
    }
    Run::Done(write(machine, disk, &label, opts, text))
}

/// libfdisk's line for a toggled boot flag, which `-q` silences.
fn toggled(number: u32, on: bool, opts: &Opts) -> String {
    if opts.quiet {
        return String::new();
    }
    format!("The bootable flag on partition {number} is {} now.\n", if on { "enabled" } else { "disabled" })
}

/// How sfdisk prints a type: a DOS code as `%2x`, a GPT type GUID as text.
fn type_text(t: PartType) -> String {
    match t {
        PartType::Dos(code) => format!("{code:2x}\n"),
        PartType::Gpt(guid) => format!("{guid}\n"),
    }
}
