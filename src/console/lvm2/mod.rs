//! The lvm2 command line (2.03.16): pv*, vg* and lv* commands, their reports and
//! their exact messages, over `core::lvm`.
//!
//! Reports follow lvm2's rules: two-space indent, headers left-aligned, numbers
//! and sizes right-aligned (percentages and strings left-aligned), every column
//! padded to the larger of its field's minimum width (lvm2's columns.h), its
//! heading and its widest value (so lines can end in spaces), and sizes in the
//! default unit marked `<` when rounding shows them larger than they are. The
//! host is one with device-mapper: every LV is active, so removing or reducing
//! one asks first. Size and extent arguments are checked as lvm2's parser does
//! (signs, suffixes, zero) before anything else happens. Each command that
//! commits metadata leaves its command line in the VG's `description`, which
//! the metadata text (and so the metadata areas' free space) carries.
//! Thin snapshots (`lvcreate -s`) are made inactive with the activation skip
//! flag, as lvm2 makes them, and `lvconvert --merge` rolls their origin back.
//! Non-report commands take VGs in lvm2's scan order (see
//! `display::vgs_in_scan_order`); reports sort by name.
//! Simplifications: activation is not modelled, except that `--driverloaded
//! n` (a host without device-mapper) shows every LV inactive to that command
//! (see `as_seen`); no raid or mirror LVs,
//! delayed merges, tags, or `-i`/`-I` on resizes (an extension repeats the
//! last segment's striping); LV creation times come from the lab clock. The
//! browser leaves out `-O`, `--select` and classic (COW) snapshots.

use super::{Interactive, Output, Shell};
use crate::core::device::DevId;
use crate::core::lvm::Vg;
use crate::core::machine::{dm_name, Machine};
use crate::core::Event;

mod args;
#[cfg(feature = "lvm-extras")]
mod backup;
mod confirm;
mod create;
mod display;
#[cfg(feature = "thin-snapshots")]
mod merge;
// The metadata text: vgcfgbackup's file, and the metadata areas' free
// space. Native only: 2 KB gzipped of the browser's budget for two report
// fields (measured 2026-12-04).
#[cfg(feature = "lvm-extras")]
mod metadata;
mod pv;
mod remove;
mod rename;
mod report;
mod resize;
#[cfg(feature = "lvm-extras")]
mod select;
mod stripes;
mod units;
mod vg; #[cfg(feature = "lvm-extras")] mod vg_extras;

pub use args::lvm_size_bytes;
pub use confirm::{confirm, confirm_eof, Confirm};
pub use units::{long_size, long_size_as, short_size, Units};
use args::*;
#[cfg(feature = "lvm-extras")]
use backup::*;
use confirm::*;
use create::*;
use display::*;
#[cfg(feature = "thin-snapshots")]
use merge::*;
use pv::*;
use remove::*;
use rename::*;
use report::*;
use resize::*;
use stripes::*;
use units::*;
use vg::*;

pub(super) fn msg(out: &mut String, line: &str) {
    out.push_str("  ");
    out.push_str(line);
    out.push('\n');
}

/// Marks a line of the text for standard error (see `streams`).
#[cfg(feature = "shell-scripts")]
const ERR_MARK: char = '\u{1}';

/// A line lvm2 logs with `log_error` or `log_warn`: on standard error.
pub(super) fn err_msg(out: &mut String, line: &str) {
    #[cfg(feature = "shell-scripts")]
    {
        // Each line of a message of several lines is marked.
        out.push(ERR_MARK);
        msg(out, &line.replace('\n', &format!("\n{ERR_MARK}")));
    }
    #[cfg(not(feature = "shell-scripts"))]
    msg(out, line);
}

/// Text on standard error that is not a message line (getopt's, fsadm's and
/// resize2fs's, the `-o help` list): each of its lines is marked.
pub(super) fn err_text(text: String) -> String {
    #[cfg(feature = "shell-scripts")]
    return text.split_inclusive('\n').map(|l| format!("{ERR_MARK}{l}")).collect();
    #[cfg(not(feature = "shell-scripts"))]
    text
}

/// Marks the start of text lvm2 writes on standard error (a question).
pub(super) fn to_stderr(out: &mut String) {
    #[cfg(feature = "shell-scripts")]
    out.push(ERR_MARK);
    #[cfg(not(feature = "shell-scripts"))]
    let _ = out;
}

/// The marked lines go to standard error. lvm2's standard output is line
/// buffered and flushed before each line on standard error, so the two
/// keep their order when they share a terminal or a file (`Output::both`).
/// The browser's console keeps them together (`Output::complain`), so
/// nothing is marked there. A line marked twice (a question, then `[n]`
/// added by `-qq`) is one line on standard error.
pub(super) fn streams(out: &mut Output) {
    #[cfg(feature = "shell-scripts")]
    if out.text.contains(ERR_MARK) {
        let text = std::mem::take(&mut out.text);
        for piece in text.split_inclusive('\n') {
            match piece.strip_prefix(ERR_MARK) {
                Some(error) => out.complain(&error.replace(ERR_MARK, "")),
                None => out.say(piece),
            }
        }
    }
    #[cfg(not(feature = "shell-scripts"))]
    let _ = out;
}

pub(super) fn fail(text: String) -> Output {
    Output { text, exit_status: 5, ..Output::default() }
}

pub(super) fn ok(text: String, events: Vec<Event>) -> Output {
    Output { text, events, ..Output::default() }
}

/// A command-line error (exit 3): lvm2's lines, then `Run `CMD --help'...`.
pub(super) fn usage_error(cmd: &str, lines: &[String]) -> Output {
    let mut t = String::new();
    for l in lines {
        err_msg(&mut t, l);
    }
    err_msg(&mut t, &format!("Run `{cmd} --help' for more information."));
    Output { text: t, exit_status: 3, ..Output::default() }
}

/// The parser's rejection of an option value (exit 3).
pub(super) fn invalid_argument(lines: &[String], option: &str, value: &str) -> Output {
    let mut t = String::new();
    for l in lines {
        err_msg(&mut t, l);
    }
    err_msg(&mut t, &format!("Invalid argument for {option}: {value}"));
    err_msg(&mut t, "Error during parsing of command line.");
    Output { text: t, exit_status: 3, ..Output::default() }
}

/// lvm2's answer to a command line that no definition of `cmd` matches.
pub(super) fn no_matching_syntax(cmd: &str) -> Output {
    no_matching(cmd, None)
}

/// The same, then the syntax of the one definition a command has, or of
/// the `nearest` (its usage and description lines): the first definition
/// with the most of its required options given.
pub(super) fn no_matching(cmd: &str, nearest: Option<(&str, &str)>) -> Output {
    let mut t = String::new();
    err_msg(&mut t, &format!("No command with matching syntax recognised.  Run '{cmd} --help' for more information."));
    let only = match cmd {
        "pvcreate" => Some("pvcreate PV ..."),
        "pvremove" => Some("pvremove PV ..."),
        #[cfg(feature = "lvm-extras")]
        "pvresize" => Some("pvresize PV ..."),
        "vgcreate" => Some("vgcreate VG_new PV ..."),
        "vgextend" => Some("vgextend VG PV ..."),
        "vgremove" => Some("vgremove VG|Tag|Select ..."),
        "lvremove" => Some("lvremove VG|LV|Tag|Select ..."),
        "lvreduce" => Some("lvreduce -L|--size [-]Size[m|UNIT] LV"),
        _ => None,
    };
    // The browser prints the first line alone (feature `lvm-extras`).
    if cfg!(not(feature = "lvm-extras")) {
        return Output { text: t, exit_status: 3, ..Output::default() };
    }
    let (heading, lines) = match (only, nearest) {
        (Some(usage), _) => ("Correct command syntax is:", usage.to_string()),
        (None, Some((usage, description))) => ("Nearest similar command has syntax:", format!("{usage}\n{description}")),
        (None, None) => return Output { text: t, exit_status: 3, ..Output::default() },
    };
    err_msg(&mut t, heading);
    for line in lines.lines() {
        msg(&mut t, line);
    }
    t.push('\n');
    Output { text: t, exit_status: 3, ..Output::default() }
}

/// Runs an lvm2 command, or returns None when `cmd` is not one.
pub fn run(shell: &mut Shell, cmd: &str, raw: &[String]) -> Option<Output> { #[cfg(feature = "lvm-extras")] if let Some(out) = lvm_command(shell, cmd, raw) { return out; }
    const KNOWN: &[&str] = &[
        "pvcreate", "pvremove", "pvs", "pvdisplay", "pvscan", "vgcreate", "vgextend", "vgreduce", "vgremove", "vgs",
        "vgdisplay", "lvcreate", "lvextend", "lvreduce", "lvresize", "lvremove", "lvs", "lvdisplay", "lvrename",
        #[cfg(feature = "vgrename")]
        "vgrename",
        "vgchange", "lvchange",
        #[cfg(feature = "lvm-extras")]
        "vgcfgbackup",
        #[cfg(feature = "lvm-extras")]
        "vgscan",
        #[cfg(feature = "lvm-extras")]
        "pvresize",
        #[cfg(feature = "lvm-extras")]
        "lvscan",
        #[cfg(feature = "lvm-extras")]
        "pvmove",
        #[cfg(feature = "thin-snapshots")]
        "lvconvert",
    ];
    if !KNOWN.contains(&cmd) {
        return None;
    }
    // `pvdisplay -C` (and vgdisplay's, lvdisplay's) is the report command.
    let columns = |a: &String| a == "-C" || a == "--columns";
    if cmd.ends_with("display") && raw.iter().any(columns) {
        let report = &cmd[..2];
        let rest: Vec<String> = raw.iter().filter(|a| !columns(a)).cloned().collect();
        return run(shell, ["pvs", "vgs", "lvs"].into_iter().find(|c| c.starts_with(report))?, &rest);
    }
    let mut args = match parse_args(cmd, raw) {
        Ok(a) => a,
        Err(mut o) => {
            streams(&mut o);
            return Some(o);
        }
    };
    // lvm2's `skip_dev_dir`: a VG may be named as /dev/VG.
    let vg_names = match cmd {
        "vgs" | "vgdisplay" | "vgremove" | "vgchange" | "lvs" | "lvdisplay" | "lvremove" | "lvchange" => args.positional.len(),
        "vgextend" | "vgreduce" => 1,
        _ => 0,
    };
    for p in args.positional.iter_mut().take(vg_names) {
        if let Some(vg) = p.strip_prefix("/dev/").filter(|r| !r.contains('/')) {
            *p = vg.to_string();
        }
    }
    let line = command_line(cmd, raw);
    #[cfg(feature = "lvm-extras")]
    if args.flags.iter().any(|f| f == "-t" || f == "--test") {
        // Test mode: lvm2 goes through the command and commits nothing.
        let mut out = match pv::ask_in_test_mode(shell, cmd, &args, raw, &line) {
            Some(asking) => asking,
            None => {
                let before = shell.machine.clone();
                let out = dispatch(shell, cmd, &args, &line);
                shell.machine = before;
                shell.interactive = None;
                out
            }
        };
        if let Some(Interactive::Confirm(c)) = shell.interactive.as_mut() {
            c.command_line = line;
        }
        out.err.insert_str(0, "  TEST MODE: Metadata will NOT be updated and volumes will not be (de)activated.\n");
        out.events.clear();
        streams(&mut out);
        return Some(out);
    }
    #[cfg_attr(not(feature = "lvm-extras"), allow(unused_mut))]
    let mut out = recording(shell, &line, |shell| labelling_first(shell, cmd, &args, raw, &line));
    #[cfg(feature = "lvm-extras")]
    // `set_activation` comes after the command line matched a definition.
    if activation_disabled(&args) && !out.text.contains("No command with matching syntax") && !out.text.contains("Command does not accept argument") {
        let mut w = String::new();
        err_msg(&mut w, "WARNING: Activation disabled. No device-mapper interaction will be attempted.");
        out.text.insert_str(0, &w);
    }
    #[cfg(feature = "lvm-extras")]
    let out = silence(shell, &args, out);
    if let Some(Interactive::Confirm(c)) = shell.interactive.as_mut() {
        c.command_line = line;
    }
    #[cfg_attr(not(feature = "shell-scripts"), allow(unused_mut))]
    let mut out = out;
    streams(&mut out);
    Some(out)
}

/// Runs the command; pvcreate, vgcreate and vgextend first settle the
/// foreign signatures on their devices (see pv::wipe_first).
#[cfg(feature = "lvm-extras")]
fn labelling_first(shell: &mut Shell, cmd: &str, args: &Args, raw: &[String], line: &str) -> Output {
    match wipe_first(shell, cmd, args, raw, line) {
        Ok((wiped, events)) => {
            let mut out = dispatch(shell, cmd, args, line);
            out.text.insert_str(0, &wiped);
            out.events.splice(0..0, events);
            out
        }
        Err(asking) => asking,
    }
}

/// The browser's pvcreate wipes a filesystem signature without asking (see
/// pv::wipe_first).
#[cfg(not(feature = "lvm-extras"))]
fn labelling_first(shell: &mut Shell, cmd: &str, args: &Args, _raw: &[String], line: &str) -> Output {
    dispatch(shell, cmd, args, line)
}

/// `--driverloaded n`: lvm2 leaves device-mapper alone (hosts without it).
#[cfg(feature = "lvm-extras")]
fn activation_disabled(args: &Args) -> bool {
    args.flags.iter().any(|f| matches!(f.as_str(), "--driverloaded=n" | "--driverloaded=no"))
}

#[cfg(not(feature = "lvm-extras"))]
fn activation_disabled(_: &Args) -> bool {
    false
}

/// A VG as a command sees it: without device-mapper (`--driverloaded n`)
/// no LV is active, so none is asked about before a reduce or a removal,
/// and the displays show none available.
fn as_seen<'v>(vg: &'v Vg, a: &Args) -> std::borrow::Cow<'v, Vg> {
    if !activation_disabled(a) {
        return std::borrow::Cow::Borrowed(vg);
    }
    let mut v = vg.clone();
    for l in &mut v.lvs {
        l.active = false;
    }
    std::borrow::Cow::Owned(v)
}

/// lvm2's `-qq` (silent mode): every question is answered "no" at once, as at
/// the end of input, and the messages lvm2 prints "unless silent" go. The
/// browser (without `lvm-extras`) reads it as `-q`.
#[cfg(feature = "lvm-extras")]
fn silence(shell: &mut Shell, args: &Args, mut out: Output) -> Output {
    if args.flags.iter().filter(|f| *f == "-q" || *f == "--quiet").count() < 2 {
        return out;
    }
    if let Some(Interactive::Confirm(c)) = shell.interactive.take() {
        let rest = respond(shell, c, None);
        out.text.push_str(&rest.text);
        out.exit_status = rest.exit_status;
    }
    out.text = out.text.split_inclusive('\n').filter(|l| !unless_silent(l.trim())).collect();
    out
}

#[cfg(feature = "lvm-extras")]
/// Whether a line is one of the `log_print_unless_silent()` messages the lab
/// prints (lvm2 2.03.16's tools and lib/metadata), by how it starts and ends.
fn unless_silent(line: &str) -> bool {
    const MESSAGES: &[(&str, &str, &str)] = &[
        ("Physical volume \"", "", "\" successfully created."),
        ("Volume group \"", "", "\" successfully created"),
        ("Logical volume \"", "", "\" created."),
        ("Logical volume \"", "", "\" successfully removed."),
        ("Historical logical volume \"", "", "\" successfully removed."),
        ("Volume group \"", "", "\" successfully removed"),
        ("Labels on physical volume \"", "", "\" successfully wiped."),
        ("Logical volume ", "", " successfully resized."),
        ("Size of logical volume ", "", " extents)."),
        ("Rounding up size to full physical extent ", "", ""),
        ("Rounding size to boundary between physical extents: ", "", ""),
        ("Volume group \"", "", "\" successfully extended"),
        ("Removed \"", "", "\""),
        ("Volume group \"", "", "\" successfully changed"),
        ("Renamed \"", "", "\""),
        ("Wiping ", "", "."),
        ("Physical volume \"", "", "\" changed"),
        ("Logical volume ", "", " changed."),
        ("Logical volume ", "", " successfully converted."),
        ("Merging of ", "", ""),
        ("Volume group \"", "\" successfully renamed to \"", "\""),
    ];
    MESSAGES.iter().any(|(start, middle, end)| line.starts_with(start) && line.contains(middle) && line.ends_with(end))
}

/// lvm2's `cmd_line`: the arguments joined by spaces, those with a space quoted.
fn command_line(cmd: &str, raw: &[String]) -> String {
    let mut words = vec![cmd.to_string()];
    words.extend(raw.iter().map(|w| if w.contains(' ') { format!("'{w}'") } else { w.clone() }));
    words.join(" ")
}

/// Runs a step of an lvm2 command; every VG whose metadata it committed gets
/// the description lvm2 writes with it.
pub(super) fn recording(shell: &mut Shell, line: &str, step: impl FnOnce(&mut Shell) -> Output) -> Output {
    let before: Vec<(String, u64)> = shell.machine.lvm().vgs.iter().map(|v| (v.name.clone(), v.seqno)).collect();
    let out = step(shell);
    let changed: Vec<String> =
        shell.machine.lvm().vgs.iter().filter(|v| !before.contains(&(v.name.clone(), v.seqno))).map(|v| v.name.clone()).collect();
    for vg in changed {
        shell.machine.note_metadata_write(&vg, line);
    }
    out
}

fn dispatch(shell: &mut Shell, cmd: &str, args: &Args, line: &str) -> Output {
    #[cfg(not(feature = "lvm-extras"))]
    let _ = line;
    match cmd {
        "pvcreate" => pvcreate(&mut shell.machine, args),
        "pvremove" => pvremove(&mut shell.machine, args),
        #[cfg(feature = "lvm-extras")]
        "pvresize" => pv::pvresize(&mut shell.machine, args),
        "pvs" | "vgs" | "lvs" => report(&shell.machine, cmd, args),
        "pvscan" => pvscan(&shell.machine, args),
        #[cfg(feature = "lvm-extras")]
        "vgscan" => vgscan(&shell.machine),
        #[cfg(feature = "lvm-extras")]
        "lvscan" => lvscan(&shell.machine, args),
        // pvmove copies through a temporary device-mapper mirror; the lab
        // models no mirror target.
        #[cfg(feature = "lvm-extras")]
        "pvmove" => Output::error("storage-lab: pvmove is not modelled (it moves extents through a temporary mirror); copy an LV with dd, or lvcreate on the new PV\n", 5),
        "pvdisplay" => pvdisplay(&shell.machine, args),
        "vgdisplay" => vgdisplay(&shell.machine, args),
        "lvdisplay" => lvdisplay(&shell.machine, args),
        "vgcreate" => vgcreate(&mut shell.machine, args),
        "vgextend" => vgextend(&mut shell.machine, args),
        "vgreduce" => vgreduce(&mut shell.machine, args),
        "vgremove" => vgremove(shell, args),
        "lvcreate" => lvcreate(&mut shell.machine, args),
        "lvextend" | "lvreduce" | "lvresize" => lvresize(shell, cmd, args),
        "lvremove" => lvremove(shell, args),
        "lvrename" => lvrename(&mut shell.machine, args),
        #[cfg(feature = "vgrename")]
        "vgrename" => vgrename(&mut shell.machine, args),
        #[cfg(feature = "thin-snapshots")]
        "lvconvert" => lvconvert(&mut shell.machine, args),
        #[cfg(feature = "lvm-extras")]
        "vgcfgbackup" => vgcfgbackup(shell, args, line),
        #[cfg(feature = "lvm-extras")]
        _ => activation(&shell.machine, cmd, args),
        #[cfg(not(feature = "lvm-extras"))]
        _ => {
            let mut t = String::new();
            err_msg(&mut t, &format!("{cmd}: activation changes are not simulated; every LV stays active."));
            fail(t)
        }
    }
}

/// `vgchange -ay` and `lvchange -ay`: every LV here is already active (a
/// thin snapshot only with -K), so activating reports what is active, as
/// lvm2 does; deactivating is not simulated.
#[cfg(feature = "lvm-extras")]
fn activation(machine: &Machine, cmd: &str, a: &Args) -> Output {
    let mut t = String::new();
    let value = a.flags.iter().find_map(|f| f.split_once('=').filter(|(k, _)| *k == "-a" || *k == "--activate").map(|(_, v)| v));
    // Without device-mapper (`--driverloaded n`) nothing changes either way.
    if !matches!(value, Some("y" | "ay")) && !activation_disabled(a) {
        err_msg(&mut t, &format!("{cmd}: activation changes are not simulated; every LV stays active."));
        return fail(t);
    }
    let lvm = machine.lvm();
    let mut failed = false;
    if cmd == "lvchange" {
        if a.positional.is_empty() {
            let mut o = no_matching_syntax(cmd);
            to_stderr(&mut o.text);
            o.text.push_str("  Nearest similar command has syntax:\n  lvchange -a|--activate y|n|ay VG|LV|Tag|Select ...\n  Activate or deactivate an LV.\n\n");
            return o;
        }
        for spec in &a.positional {
            match lv_spec(machine, spec) {
                Some((vg, _)) if lvm.vg(&vg).is_none() => not_found_vg(&mut t, &vg),
                Some((vg, lv)) if lvm.vg(&vg).and_then(|v| v.lv(&lv)).is_some() => continue,
                _ => err_msg(&mut t, &format!("Failed to find logical volume \"{}\"", strip_dev(spec))),
            }
            failed = true;
        }
    } else {
        let mut names: Vec<String> = a.positional.iter().map(|v| strip_dev(v).to_string()).collect();
        if names.is_empty() {
            names = vgs_in_scan_order(machine).iter().map(|v| v.name.clone()).collect();
        }
        for name in names {
            match lvm.vg(&name) {
                Some(vg) => {
                    let n = as_seen(vg, a).lvs.iter().filter(|l| l.active && !l.is_hidden()).count();
                    msg(&mut t, &format!("{n} logical volume(s) in volume group \"{name}\" now active"));
                }
                None => {
                    not_found_vg(&mut t, &name);
                    failed = true;
                }
            }
        }
    }
    if failed { fail(t) } else { ok(t, Vec::new()) }
}

pub(super) fn not_found_vg(t: &mut String, vg: &str) {
    err_msg(t, &format!("Volume group \"{vg}\" not found"));
    err_msg(t, &format!("Cannot process volume group {vg}"));
}

/// The PVs named after the VG or LV on a command line (lvm2's
/// `create_pv_list`, a `:PE` range dropped), each of them in the VG.
pub(super) fn listed_pvs(t: &mut String, machine: &Machine, vg: &Vg, paths: &[String]) -> Option<Vec<DevId>> {
    let mut pvs = Vec::new();
    for p in paths {
        let path = p.split(':').next().unwrap_or_default();
        let Some(d) = pv_at(machine, path).map(|pv| pv.dev).filter(|d| vg.pvs.contains(d)) else {
            err_msg(t, &format!("Physical Volume \"{path}\" not found in Volume Group \"{}\".", vg.name));
            return None;
        };
        pvs.push(d);
    }
    Some(pvs)
}

/// Splits `vg/lv`, `/dev/vg/lv` or `/dev/mapper/vg-lv`.
/// The PV on the device `path` names, if there is one.
pub(super) fn pv_at<'a>(machine: &'a Machine, path: &str) -> Option<&'a crate::core::lvm::Pv> {
    machine.resolve(path).and_then(|d| machine.lvm().pv(d))
}

/// Whether `path` names the PV `pv` (by its device, whatever path was typed).
pub(super) fn names_pv(machine: &Machine, path: &str, pv: &crate::core::lvm::Pv) -> bool {
    machine.resolve(path) == Some(pv.dev)
}

pub(super) fn lv_spec(machine: &Machine, spec: &str) -> Option<(String, String)> {
    if let Some(dm) = spec.strip_prefix("/dev/mapper/") {
        for vg in &machine.lvm().vgs {
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

/// `lvm COMMAND ARGS`: lvm2's one binary runs the command it is given; a
/// word that names none gets its refusal (status 2). `lvm version` is the
/// version module's, and the interactive `lvm>` shell is not modelled.
#[cfg(feature = "lvm-extras")]
fn lvm_command(shell: &mut Shell, cmd: &str, raw: &[String]) -> Option<Option<Output>> {
    if let Some(mut out) = vg_extras::removemissing(&shell.machine, cmd, raw) {
        streams(&mut out);
        return Some(Some(out));
    }
    if cmd == "lvm" && raw.is_empty() {
        return Some(Some(Output::error("lvm: the lab does not model lvm's interactive shell (lvm>); give the command after it, as in lvm pvs\n", 1)));
    }
    let (first, rest) = raw.split_first().filter(|(c, _)| cmd == "lvm" && *c != "version")?;
    Some(Some(run(shell, first, rest).unwrap_or_else(|| Output::error("  No such command.  Try 'lvm help'.\n", 2))))
}

