//! `zpool`: destroy, status, list, scrub, clear, offline, online,
//! attach, detach, replace and version, as `cmd/zpool/zpool_main.c` prints them.

use super::pool_props::{get, pool_prop, set, POOL_PROPS};
use super::vdevs::{add, create, create_error};
use super::{getopt, message, nicenum, outcome, Columns, VERSION};
use crate::console::{fmt, Output, Shell};
use crate::core::device::DevId;
use crate::core::machine::Machine;
use crate::core::zfs::scrub::ScanState;
use crate::core::zfs::vdev::IoCounts;
use crate::core::zfs::{ErrorCounts, Leaf, LeafState, Pool, TopVdev, VdevKind, ZfsError};

pub fn run(shell: &mut Shell, args: &[String]) -> Output {
    let Some((sub, rest)) = args.split_first() else {
        return Output::error(format!("missing command\n{}", command_list()), 2);
    };
    let cwd = shell.cwd.clone();
    let m = &mut shell.machine;
    match sub.as_str() {
        "create" => create(m, rest),
        "add" => add(m, rest),
        "destroy" => {
            // zpool_disable_datasets unmounts every filesystem first.
            let busy = rest.iter().filter(|a| !a.starts_with('-')).find_map(|p| super::busy_mountpoint(m, &cwd, &super::pool_datasets(m, p)).map(|mp| (p, mp)));
            if let Some((pool, mp)) = busy {
                return Output::error(format!("{}could not destroy '{pool}': could not unmount datasets\n", super::busy_error(&mp)), 1);
            }
            each_pool(m, "destroy", rest, "f", Machine::zpool_destroy)
        }
        "export" => super::import::export(m, rest, &cwd),
        "import" => super::import::import(m, rest),
        "status" => status(m, rest),
        "list" => list(m, rest),
        "scrub" => scrub(m, rest),
        "clear" => each_pool(m, "clear", rest, "", Machine::zpool_clear),
        "offline" | "online" | "detach" => leaf_op(m, sub, rest),
        "attach" | "replace" => pair_op(m, sub, rest),
        "get" => get(m, rest),
        "set" => set(m, rest),
        "history" => history(m, rest),
        "iostat" => iostat(m, rest),
        "sync" => each_named(m, rest, |_, _| Ok(Vec::new())),
        "upgrade" => super::upkeep::upgrade(m, rest),
        "trim" | "initialize" => super::upkeep::leaf_task(m, sub, rest),
        "resilver" | "reopen" => super::upkeep::each_quietly(m, sub, rest),
        "labelclear" => super::upkeep::labelclear(m, rest),
        "wait" => wait(m, rest),
        "version" => Output::text(VERSION, 0),
        "-V" | "--version" => Output::text(VERSION, 0),
        "split" | "remove" | "checkpoint" | "reguid" | "events" => Output::error(format!("the lab does not model 'zpool {sub}'\n"), 1),
        "-?" | "--help" | "help" => Output::text(command_list(), 0),
        other => Output::error(format!("unrecognized command '{other}'\n{}", command_list()), 2),
    }
}

fn command_list() -> String {
    super::usage::ZPOOL_COMMANDS.to_string()
}

pub(super) fn bad_option(c: char, usage: &str) -> Output {
    Output::error(format!("invalid option '{c}'\nusage:\n{usage}"), 2)
}

/// A device as zpool names it: a path, or a shorthand name under /dev.
pub(super) fn device(m: &Machine, arg: &str) -> Result<DevId, String> {
    let path = if arg.starts_with('/') { arg.to_string() } else { format!("/dev/{arg}") };
    m.resolve(&path).ok_or_else(|| format!("cannot open '{arg}': no such device in /dev\nmust be a full path or shorthand device name\n"))
}

pub(super) fn dev_path(m: &Machine, dev: DevId) -> String {
    format!("/dev/{}", crate::core::zfs::Disks::name(m, dev))
}

/// Runs `op` on each named pool (`zpool destroy`, `zpool clear`).
fn each_pool(m: &mut Machine, sub: &str, args: &[String], flags: &str, op: fn(&mut Machine, &str) -> Result<Vec<crate::core::Event>, ZfsError>) -> Output {
    let usage = match sub {
        "clear" => "\tclear [[--power]|[-nF]] <pool> [device]\n".to_string(),
        _ => format!("\t{sub} {}<pool>\n", if flags.is_empty() { "" } else { "[-f] " }),
    };
    let operands = match getopt(args, flags, "") {
        Ok(v) => v.1,
        Err(c) => return bad_option(c, &usage),
    };
    let Some(pool) = operands.first() else {
        let what = if sub == "destroy" { "missing pool argument" } else { "missing pool name" };
        return Output::error(format!("{what}\nusage:\n{usage}"), 2);
    };
    if operands.len() > 1 && sub == "destroy" || operands.len() > 2 {
        return Output::error(format!("too many arguments\nusage:\n{usage}"), 2);
    }
    // `zpool clear POOL DEV`: the device must be in the pool (the lab then
    // clears the whole pool's counters).
    if let Some(dev) = operands.get(1).filter(|_| sub == "clear") {
        // `zpool_find_vdev`: a leaf, an interior vdev's type-id, or a guid.
        let named = |p: &Pool| p.vdevs.iter().any(|v| v.type_id() == *dev || v.guid.to_string() == *dev || v.children.iter().any(|l| l.guid.to_string() == *dev));
        if m.zfs().pool(pool).is_some_and(|p| !named(p)) && leaf_in_pool(m, sub, pool, dev).is_err() {
            return Output::error(format!("cannot clear errors for {dev}: no such device in pool\n"), 1);
        }
    }
    outcome(op(m, pool).map_err(|e| message(&e)), String::new())
}

fn scrub(m: &mut Machine, args: &[String]) -> Output {
    let usage = "\tscrub [-s | -p] [-w] [-e] <pool> ...\n";
    let (opts, pools) = match getopt(args, "spwe", "") {
        Ok(v) => v,
        Err(c) => return bad_option(c, usage),
    };
    let has = |c: char| opts.iter().any(|o| o.0 == c);
    let (cancel, pause, wait) = (has('s'), has('p'), has('w'));
    if cancel && pause {
        return Output::error(format!("invalid option combination :-s and -p are mutually exclusive\nusage:\n{usage}"), 2);
    }
    if wait && (cancel || pause) {
        return Output::error(format!("invalid option combination: -w cannot be used with -p or -s\nusage:\n{usage}"), 2);
    }
    if pools.is_empty() {
        return Output::error(format!("missing pool name argument\nusage:\n{usage}"), 2);
    }
    let mut out = Output::default();
    for p in &pools {
        let r = if cancel {
            m.zpool_scrub_cancel(p).map_err(|e| message(&e))
        } else if pause {
            m.zpool_scrub_pause(p).map_err(|e| message(&e))
        } else {
            start_scrub(m, p, wait)
        };
        out.append(outcome(r, String::new()));
    }
    out
}

/// Starts a scrub and runs its first second; `-w` runs it to the end.
fn start_scrub(m: &mut Machine, pool: &str, wait: bool) -> Result<Vec<crate::core::Event>, String> {
    if m.resilvering(pool) {
        return Err(format!("cannot scrub {pool}: currently resilvering\n"));
    }
    let scanning = m.zfs().pool(pool).and_then(|p| p.scan.as_ref()).is_some_and(|s| s.state == ScanState::Scanning);
    let resumed = scanning && m.zpool_scrub_resume(pool);
    if scanning && !resumed {
        return Err(format!("cannot scrub {pool}: currently scrubbing; use 'zpool scrub -s' to cancel scrub\n"));
    }
    let mut events = if resumed { Vec::new() } else { m.zpool_scrub_start(pool).map_err(|e| message(&e))? };
    let (done, ev) = m.zpool_scrub_step(pool, crate::core::machine::SCRUB_BYTES_PER_SECOND).map_err(|e| message(&e))?;
    events.extend(ev);
    if wait && !done {
        events.extend(finish_scrub(m, pool).map_err(|e| message(&e))?);
    }
    Ok(events)
}

/// Runs a scrub or resilver under way to its end (`zpool wait`, `-w`):
/// the wait takes the scan's time, a second for each step after the first.
fn finish_scrub(m: &mut Machine, pool: &str) -> Result<Vec<crate::core::Event>, ZfsError> {
    let mut events = Vec::new();
    // A paused scrub would keep the real `zpool wait` waiting for ever.
    while m.zfs().pool(pool).and_then(|p| p.scan.as_ref()).is_some_and(|s| s.state == ScanState::Scanning && s.paused_since == 0) {
        m.set_clock(m.now() + 1);
        events.extend(m.zpool_scrub_step(pool, crate::core::machine::SCRUB_BYTES_PER_SECOND)?.1);
    }
    Ok(events)
}

/// `offline`, `online` and `detach`: a pool and its devices.
fn leaf_op(m: &mut Machine, sub: &str, args: &[String]) -> Output {
    let usage = match sub {
        "detach" => "\tdetach <pool> <device>\n",
        "online" => "\tonline [--power][-e] <pool> <device> ...\n",
        _ => "\toffline [--power]|[[-f][-t]] <pool> <device> ...\n",
    };
    let operands = match getopt(args, "tfe", "") {
        Ok(v) => v.1,
        Err(c) => return bad_option(c, &usage),
    };
    let (no_pool, no_device) = if sub == "detach" { ("missing pool name argument", "missing <device> specification") } else { ("missing pool name", "missing device name") };
    let Some((pool, devs)) = operands.split_first() else {
        return Output::error(format!("{no_pool}\nusage:\n{usage}"), 2);
    };
    if devs.is_empty() {
        return Output::error(format!("{no_device}\nusage:\n{usage}"), 2);
    }
    let mut out = Output::default();
    for d in devs {
        // zpool_find_vdev finds a mirror or raidz by its name; the kernel
        // refuses it as no leaf (ENOTSUP).
        let interior = m.zfs().pool(pool).is_some_and(|p| p.vdevs.iter().any(|v| v.children.len() > 1 && v.type_id() == *d));
        if interior {
            let why = if sub == "detach" { "only applicable to mirror and replacing vdevs" } else { "operation not supported on this type of pool" };
            out.append(Output::error(format!("cannot {sub} {d}: {why}\n"), 1));
            continue;
        }
        let r = leaf_in_pool(m, sub, pool, d).and_then(|dev| {
            let r = match sub {
                "offline" => m.zpool_offline(pool, dev),
                "online" => m.zpool_online(pool, dev),
                _ => m.zpool_detach(pool, dev),
            };
            r.map_err(|e| match e {
                ZfsError::NoValidReplicas(_) if sub == "offline" => format!("cannot offline {d}: no valid replicas\n"),
                ZfsError::NoValidReplicas(_) => format!("cannot detach {d}: no valid replicas\n"),
                ZfsError::NotAMirror(_) => format!("cannot detach {d}: only applicable to mirror and replacing vdevs\n"),
                other => format!("cannot {sub} {d}: {other}\n"),
            })
        });
        out.append(outcome(r, String::new()));
    }
    out
}

/// The device a pool's leaf is, named as `zpool status` names it or by path.
pub(super) fn leaf_in_pool(m: &Machine, sub: &str, pool: &str, arg: &str) -> Result<DevId, String> {
    let p = m.zfs().pool(pool).ok_or_else(|| super::vdevs::cannot_open_pool(pool))?;
    let short = arg.strip_prefix("/dev/").unwrap_or(arg);
    p.leaves()
        .find(|l| leaf_name(m, l, false) == short || crate::core::zfs::Disks::name(m, l.dev) == short)
        .map(|l| l.dev)
        .ok_or_else(|| format!("cannot {sub} {arg}: no such device in pool\n"))
}

/// `attach POOL DEV NEW` and `replace POOL DEV NEW`.
fn pair_op(m: &mut Machine, sub: &str, args: &[String]) -> Output {
    let usage = if sub == "attach" { "\tattach [-fsw] [-o property=value] <pool> <device> <new-device>\n" } else { "\treplace [-fsw] [-o property=value] <pool> <device> [new-device]\n" };
    let (opts, operands) = match getopt(args, "fsw", "o") {
        Ok(v) => v,
        Err(c) => return bad_option(c, &usage),
    };
    let force = opts.iter().any(|o| o.0 == 'f');
    let wait = opts.iter().any(|o| o.0 == 'w');
    // `zpool replace POOL DEV`: the new disk sits where the old one was.
    let mut operands = operands;
    if sub == "replace" && operands.len() == 2 {
        operands.push(operands[1].clone());
    }
    let [pool, old, new] = operands.as_slice() else {
        let what = match operands.len() {
            0 => "missing pool name argument",
            1 => "missing <device> specification",
            2 => "missing <new_device> specification",
            _ => "too many arguments",
        };
        return Output::error(format!("{what}\nusage:\n{usage}"), 2);
    };
    // zpool_vdev_attach's errbuf, set before any check.
    let errbuf = if sub == "attach" { format!("cannot attach {new} to {old}") } else { format!("cannot replace {old} with {new}") };
    // ENOTSUP from the kernel for a vdev that is not a leaf.
    let not_leaf = if sub == "attach" { "can only attach to mirrors and top-level disks" } else { "already in replacing/spare config; wait for completion or use 'zpool detach'" };
    let Some(p) = m.zfs().pool(pool) else {
        return Output::error(super::vdevs::cannot_open_pool(pool), 1);
    };
    let top_level = p.vdevs.iter().any(|v| v.children.len() > 1 && v.type_id() == *old);
    // make_root_vdev reads the new device before the old one is looked up.
    let r = device(m, new).and_then(|n| {
        if top_level {
            return Err(format!("{errbuf}: {not_leaf}\n"));
        }
        let o = leaf_in_pool(m, sub, pool, old).map_err(|_| format!("{errbuf}: no such device in pool\n"))?;
        let r = if sub == "attach" { m.zpool_attach(pool, o, n, force) } else { m.zpool_replace(pool, o, n, force) };
        // `-w` waits for the resilver (`zpool_wait` on ZPOOL_WAIT_RESILVER).
        let r = r.and_then(|mut ev| {
            if wait {
                ev.extend(finish_scrub(m, pool)?);
            }
            Ok(ev)
        });
        r.map_err(|e| match e {
            ZfsError::HasSignature { .. } | ZfsError::DeviceBusy { .. } => create_error(m, pool, &e, force),
            ZfsError::DeviceTooSmall(_) => format!("{errbuf}: device is too small\n"),
            ZfsError::NotAMirror(_) => format!("{errbuf}: {not_leaf}\n"),
            other => format!("{errbuf}: {other}\n"),
        })
    });
    outcome(r, String::new())
}

/// A leaf's name, or with `-g` its guid (`VDEV_NAME_GUID`).
fn vdev_name(m: &Machine, l: &Leaf, full_path: bool, guids: bool) -> String {
    if guids {
        return l.guid.to_string();
    }
    leaf_name(m, l, full_path)
}

/// A leaf's name: the disk for a whole disk ZFS partitioned, else the device.
fn leaf_name(m: &Machine, l: &Leaf, full_path: bool) -> String {
    if full_path {
        return dev_path(m, l.dev);
    }
    crate::core::zfs::Disks::name(m, l.whole_disk.unwrap_or(l.dev))
}

fn top_state(v: &TopVdev) -> &'static str {
    let up = v.children.iter().filter(|l| l.state == LeafState::Online).count();
    let needed = if v.kind == VdevKind::Raidz1 { v.children.len() - 1 } else { 1 };
    if up < needed {
        "UNAVAIL"
    } else if up < v.children.len() || v.children.iter().any(Leaf::degraded) {
        "DEGRADED"
    } else {
        "ONLINE"
    }
}

fn leaf_state(l: &Leaf) -> &'static str {
    match l.state {
        LeafState::Online if l.degraded() => "DEGRADED",
        LeafState::Online => "ONLINE",
        LeafState::Offline => "OFFLINE",
        LeafState::Unavail => "UNAVAIL",
    }
}

#[derive(Default)]
struct StatusFlags {
    verbose: bool,
    explain: bool,
    guids: bool,
    paths: bool,
    literal: bool,
    /// `-s`: the SLOW column.
    slow: bool,
    /// `-i` and `-t`: each leaf's initialize and TRIM state.
    initialize: bool,
    trim: bool,
    /// `-e`: only the vdevs with errors, and their parents.
    unhealthy: bool,
    /// `-D`: the dedup table's summary.
    dedup: bool,
}

const STATUS_USAGE: &str = "\tstatus [--power] [-c [script1,script2,...]] [-DegiLpPstvx] [-T d|u] [pool] ...\n\t    [interval [count]]\n";

/// `get_interval_count`: a number last (a pool name starts with a letter)
/// asks for a report every so many seconds, which the lab's commands,
/// finishing at once, do not give.
fn interval(operands: &[String], sub: &str, usage: &str) -> Option<Output> {
    let last = operands.last().filter(|a| a.parse::<f64>().is_ok_and(f64::is_finite))?;
    if last.parse::<f64>().ok() == Some(0.0) {
        return Some(Output::error(format!("interval cannot be zero\nusage:\n{usage}"), 2));
    }
    Some(Output::error(format!("zpool {sub}: the lab prints one report; it does not wait for an interval\n"), 2))
}

/// `get_interval_count`: a trailing number is the interval, two are the
/// interval and the count; taken off the operands. (1 report, 0 s) without.
/// Simplified: reports for ever (no count) and fractions of a second the
/// lab refuses.
fn interval_count(operands: &mut Vec<String>, sub: &str, usage: &str) -> Result<(u64, u64), Output> {
    let mut numbers = Vec::new();
    while numbers.len() < 2 && operands.last().is_some_and(|p| p.parse::<f64>().is_ok_and(f64::is_finite)) {
        numbers.insert(0, operands.pop().unwrap_or_default().parse::<f64>().unwrap_or(0.0));
    }
    if numbers.first() == Some(&0.0) {
        return Err(Output::error(format!("interval cannot be zero\nusage:\n{usage}"), 2));
    }
    match numbers.as_slice() {
        [] => Ok((0, 1)),
        // (At most a year apart: the lab's clock must not run off its end.)
        [i, c] if i.fract() == 0.0 && *c >= 1.0 => Ok(((*i as u64).min(MAX_INTERVAL_SECS), *c as u64)),
        _ => Err(Output::error(format!("zpool {sub}: the lab prints a counted number of reports, a whole number of seconds apart: zpool {sub} -v 1 5\n"), 2)),
    }
}

/// The most reports one `zpool iostat|status INTERVAL COUNT` prints.
const MAX_REPORTS: u64 = 1000;
const MAX_INTERVAL_SECS: u64 = 365 * 86400;

fn status(m: &mut Machine, args: &[String]) -> Output {
    let (opts, mut pools) = match getopt(args, "DegiLpPstvx", "cT") {
        Ok(v) => v,
        Err(c) => return bad_option(c, STATUS_USAGE),
    };
    let (interval, count) = match interval_count(&mut pools, "status", STATUS_USAGE) {
        Ok(v) => v,
        Err(out) => return out,
    };
    let has = |c: char| opts.iter().any(|o| o.0 == c);
    let f = StatusFlags {
        verbose: has('v'),
        explain: has('x'),
        guids: has('g'),
        paths: has('P'),
        literal: has('p'),
        slow: has('s'),
        initialize: has('i'),
        trim: has('t'),
        unhealthy: has('e'),
        dedup: has('D'),
    };
    let stamp = match opts.iter().rev().find(|o| o.0 == 'T').map(|o| o.1.as_str()) {
        None => None,
        Some(t @ ("u" | "d")) => Some(t),
        Some(_) => return Output::error(format!("usage:\n{STATUS_USAGE}"), 2),
    };
    let names = super::vdevs::pool_order(m, pools.clone());
    if m.zfs().pools.is_empty() && pools.is_empty() {
        return Output::error("no pools available\n", 0);
    }
    let mut out = Output::default();
    // `cb_first` is set once: later reports start with a blank line.
    let mut first = true;
    for iteration in 0..count.min(MAX_REPORTS) {
        if iteration > 0 {
            m.pass_time(interval);
        }
        status_report(m, &mut out, &names, &pools, &f, stamp, &mut first);
        if out.exit_status != 0 {
            break;
        }
    }
    out
}

/// One iteration of `zpool_do_status`'s loop.
fn status_report(m: &mut Machine, out: &mut Output, names: &[String], pools: &[String], f: &StatusFlags, stamp: Option<&str>, first: &mut bool) {
    match stamp {
        Some("u") => out.text.push_str(&format!("{}\n", m.now())),
        // `print_timestamp` with the C locale's `%a %b %e %H:%M:%S %Z %Y`.
        Some(_) => out.text.push_str(&fmt::ctime(m.now()).rsplit_once(' ').map(|(day, year)| format!("{day} UTC {year}\n")).unwrap_or_default()),
        None => {}
    }
    for name in names {
        let Some(pool) = m.zfs().pool(name).cloned() else {
            out.err.push_str(&super::vdevs::cannot_open_pool(name));
            out.exit_status = 1;
            continue;
        };
        if f.explain && reason(m, &pool).is_none() {
            if !pools.is_empty() {
                out.text.push_str(&format!("pool '{name}' is healthy\n"));
            }
            continue;
        }
        if !*first {
            out.text.push('\n');
        }
        *first = false;
        out.text.push_str(&pool_status(m, &pool, f));
    }
    if f.explain && pools.is_empty() && *first {
        out.text.push_str("all pools are healthy\n");
    }
}

/// `zpool_get_status`'s reason, in its order of precedence, as
/// (status text, action text, message id).
fn reason(m: &Machine, p: &Pool) -> Option<(&'static str, &'static str, Option<&'static str>)> {
    let leaves: Vec<&Leaf> = p.leaves().collect();
    let errors = |e: &ErrorCounts| e.read + e.write + e.cksum > 0;
    if m.resilvering(&p.name) {
        return Some(("One or more devices is currently being resilvered.  The pool will\n\tcontinue to function, possibly in a degraded state.\n", "Wait for the resilver to complete.\n", None));
    }
    if p.health() == "UNAVAIL" {
        return Some(("One or more devices could not be opened.  There are insufficient\n\treplicas for the pool to continue functioning.\n", "Attach the missing device and online it using 'zpool online'.\n", Some("ZFS-8000-3C")));
    }
    if !p.errlog.is_empty() {
        return Some(("One or more devices has experienced an error resulting in data\n\tcorruption.  Applications may be affected.\n", "Restore the file in question if possible.  Otherwise restore the\n\tentire pool from backup.\n", Some("ZFS-8000-8A")));
    }
    // `vdev_missing` (the device is gone) before `vdev_broken` (it opens but
    // holds no label of the pool).
    let unavail = |gone: bool| leaves.iter().any(|l| l.state == LeafState::Unavail && m.devices().get(l.dev).is_none() == gone);
    if unavail(false) && !unavail(true) {
        return Some(("One or more devices could not be used because the label is missing or\n\tinvalid.  Sufficient replicas exist for the pool to continue\n\tfunctioning in a degraded state.\n", "Replace the device using 'zpool replace'.\n", Some("ZFS-8000-4J")));
    }
    if leaves.iter().any(|l| l.state == LeafState::Unavail) {
        return Some(("One or more devices could not be opened.  Sufficient replicas exist for\n\tthe pool to continue functioning in a degraded state.\n", "Attach the missing device and online it using 'zpool online'.\n", Some("ZFS-8000-2Q")));
    }
    if leaves.iter().any(|l| errors(&l.errors)) || p.vdevs.iter().any(|v| errors(&v.errors)) {
        return Some(("One or more devices has experienced an unrecoverable error.  An\n\tattempt was made to correct the error.  Applications are unaffected.\n", "Determine if the device needs to be replaced, and clear the errors\n\tusing 'zpool clear' or replace the device with 'zpool replace'.\n", Some("ZFS-8000-9P")));
    }
    if leaves.iter().any(|l| l.state == LeafState::Offline) {
        return Some(("One or more devices has been taken offline by the administrator.\n\tSufficient replicas exist for the pool to continue functioning in a\n\tdegraded state.\n", "Online the device using 'zpool online' or replace the device with\n\t'zpool replace'.\n", None));
    }
    None
}

fn pool_status(m: &mut Machine, p: &Pool, f: &StatusFlags) -> String {
    let mut out = format!("  pool: {}\n state: {}\n", p.name, p.health());
    if let Some((status, action, msgid)) = reason(m, p) {
        out.push_str(&format!("status: {status}action: {action}"));
        if let Some(id) = msgid {
            out.push_str(&format!("   see: https://openzfs.github.io/openzfs-docs/msg/{id}\n"));
        }
    }
    out.push_str(&scan_line(p, m.now()));
    let rows = config_rows(m, p, f);
    // `max_width` counts the pool's GUID with -g, though the row shows its name.
    let root = if f.guids { p.guid.to_string().len() } else { 0 };
    let width = rows.iter().map(|r| r.depth + r.name.len()).chain([root]).max().unwrap_or(0).max(10);
    let slow = if f.slow { "  SLOW" } else { "" };
    out.push_str(&format!("config:\n\n\t{:<width$}  {:<8} {:>5} {:>5} {:>5}{slow}\n", "NAME", "STATE", "READ", "WRITE", "CKSUM"));
    for (i, r) in rows.iter().enumerate() {
        // `-e` prunes a subtree whose vdevs are all healthy (vdev_health_check_cb).
        if f.unhealthy && r.depth > 0 && r.healthy() && rows[i + 1..].iter().take_while(|c| c.depth > r.depth).all(Row::healthy) {
            continue;
        }
        let count = |n: u64| if f.literal { n.to_string() } else { nicenum(n, false) };
        let pad = width - r.depth;
        out.push_str(&format!("\t{:indent$}{:<pad$}  {:<8} {:>5} {:>5} {:>5}", "", r.name, r.state, count(r.errors.read), count(r.errors.write), count(r.errors.cksum), indent = r.depth));
        if f.slow {
            out.push_str(&format!(" {:>5}", if r.leaf { "0" } else { "-" }));
        }
        if r.state == "UNAVAIL" && r.depth > 0 {
            out.push_str(&r.note);
        }
        out.push_str(&r.suffix);
        out.push('\n');
    }
    out.push('\n');
    if p.errlog.is_empty() {
        out.push_str("errors: No known data errors\n");
    } else if !f.verbose {
        out.push_str(&format!("errors: {} data errors, use '-v' for a list\n", p.errlog.len()));
    } else {
        out.push_str("errors: Permanent errors have been detected in the following files:\n\n");
        for path in error_paths(m, p) {
            out.push_str(&format!("{:7} {path}\n", ""));
        }
    }
    if f.dedup {
        out.push_str("\n dedup: no DDT entries\n");
    }
    out
}

/// The `scan:` line of the last scrub; a pool never scrubbed has none.
fn scan_line(p: &Pool, now: u64) -> String {
    let Some(s) = &p.scan else { return String::new() };
    let when = |t: u64| fmt::ctime(t);
    match s.state {
        ScanState::Finished => {
            let secs = s.end_time.saturating_sub(s.start_time);
            let what = if s.resilver { "resilvered" } else { "scrub repaired" };
            format!("  scan: {what} {} in {} with {} errors on {}\n", nicenum(s.repaired_bytes, true), dhms(secs), s.errors, when(s.end_time))
        }
        ScanState::Canceled => format!("  scan: scrub canceled on {}\n", when(s.end_time)),
        ScanState::Scanning => scanning_lines(s, now),
    }
}

/// A scan under way, as `print_scan_scrub_resilver_status` reports it:
/// the rates over the seconds since it began, and the estimate only past
/// 10 MiB/s. A scrub issues what it examines; a resilver issues what some
/// leaf misses and skips the rest.
fn scanning_lines(s: &crate::core::zfs::scrub::Scan, now: u64) -> String {
    if s.paused_since != 0 {
        return paused_lines(s);
    }
    // The scan's own command was its first second.
    let elapsed = (now.saturating_sub(s.start_time) + 1).saturating_sub(s.paused_secs).max(1);
    let total = s.to_examine_bytes.max(s.examined_bytes);
    let issued = s.examined_bytes.saturating_sub(s.skipped_bytes);
    let total_issued = total.saturating_sub(s.skipped_bytes);
    let (scan_rate, issue_rate) = (s.examined_bytes / elapsed, issued / elapsed);
    let at = |r: u64| if r > 0 { format!(" at {}/s", nicenum(r, true)) } else { String::new() };
    let pct = if total_issued == 0 { 0.0 } else { 100.0 * issued as f64 / total_issued as f64 };
    let started = if s.resilver { s.repaired_bytes > 0 } else { issued > 0 };
    let eta = if total_issued >= issued && issue_rate >= 10 << 20 && started { format!(", {} to go", dhms((total_issued - issued) / issue_rate)) } else { ", no estimated completion time".to_string() };
    let (what, done) = if s.resilver { ("resilver", "resilvered") } else { ("scrub", "repaired") };
    format!(
        "  scan: {what} in progress since {}\n\t{} / {} scanned{}, {} / {} issued{}\n\t{} {done}, {}% done{eta}\n",
        fmt::ctime(s.start_time),
        nicenum(s.examined_bytes, true),
        nicenum(total, true),
        at(scan_rate),
        nicenum(issued, true),
        nicenum(total_issued, true),
        at(issue_rate),
        nicenum(s.repaired_bytes, true),
        fmt::fixed(pct, 2)
    )
}

/// A paused scrub: when it paused and began, its counts, no rates or estimate.
fn paused_lines(s: &crate::core::zfs::scrub::Scan) -> String {
    let total = s.to_examine_bytes.max(s.examined_bytes);
    let pct = if total == 0 { 0.0 } else { 100.0 * s.examined_bytes as f64 / total as f64 };
    let (done, total) = (nicenum(s.examined_bytes, true), nicenum(total, true));
    format!(
        "  scan: scrub paused since {}\n\tscrub started on {}\n\t{done} / {total} scanned, {done} / {total} issued\n\t{} repaired, {}% done\n",
        fmt::ctime(s.paused_since),
        fmt::ctime(s.start_time),
        nicenum(s.repaired_bytes, true),
        fmt::fixed(pct, 2)
    )
}

/// `secs_to_dhms`.
fn dhms(total: u64) -> String {
    let (d, h, m, s) = (total / 86400, total / 3600 % 24, total / 60 % 60, total % 60);
    if d > 0 {
        format!("{d} days {h:02}:{m:02}:{s:02}")
    } else {
        format!("{h:02}:{m:02}:{s:02}")
    }
}

struct Row {
    depth: usize,
    name: String,
    state: &'static str,
    errors: ErrorCounts,
    leaf: bool,
    /// A leaf's initialize and TRIM states (`-i`, `-t`).
    suffix: String,
    /// Why an UNAVAIL leaf is: `  cannot open`, `  invalid label`, or
    /// `  was PATH` for one an import could not open.
    note: String,
}

impl Row {
    fn healthy(&self) -> bool {
        self.state == "ONLINE" && self.errors.read == 0 && self.errors.write == 0 && self.errors.cksum == 0
    }
}

/// The pool, its top-level vdevs (`mirror-0`) and their leaves; a single-disk
/// vdev is its own leaf, one level under the pool. A leaf counts the bad
/// copies read from it, a mirror or raidz1 the blocks none of its children
/// could give, and the pool the blocks it could not read at all (its error
/// log), as ZFS charges a failed logical read to the root.
fn config_rows(m: &Machine, p: &Pool, f: &StatusFlags) -> Vec<Row> {
    let mut rows = Vec::new();
    for v in &p.vdevs {
        if v.kind == VdevKind::Disk {
            rows.extend(child_rows(m, p, &v.children, f, 2));
        } else {
            let name = if f.guids { v.guid.to_string() } else { v.type_id() };
            rows.push(Row { depth: 2, name, state: top_state(v), errors: v.errors, leaf: false, suffix: String::new(), note: "  cannot open".into() });
            rows.extend(child_rows(m, p, &v.children, f, 4));
        }
    }
    let name = p.name.clone();
    let lost = ErrorCounts { cksum: p.lost_reads, ..ErrorCounts::default() };
    rows.insert(0, Row { depth: 0, name, state: p.health(), errors: lost, leaf: false, suffix: String::new(), note: String::new() });
    rows
}

/// A vdev's children, a leaf being replaced and its replacement grouped
/// under `replacing-N` (N counts the groups before it, as vdev ids do).
fn child_rows(m: &Machine, p: &Pool, children: &[Leaf], f: &StatusFlags, depth: usize) -> Vec<Row> {
    let mut rows = Vec::new();
    let mut id = 0;
    let mut i = 0;
    while let Some(l) = children.get(i) {
        match children.get(i + 1).filter(|n| n.replacing()) {
            Some(new) => {
                let state = replacing_state(l, new);
                rows.push(Row { depth, name: format!("replacing-{id}"), state, errors: ErrorCounts::default(), leaf: false, suffix: String::new(), note: "  insufficient replicas".into() });
                rows.push(leaf_row(m, p, l, f, depth + 2));
                rows.push(leaf_row(m, p, new, f, depth + 2));
                i += 2;
            }
            None => {
                rows.push(leaf_row(m, p, l, f, depth));
                i += 1;
            }
        }
        id += 1;
    }
    rows
}

/// A `replacing-N` vdev's state: a mirror's, over its two sides.
fn replacing_state(old: &Leaf, new: &Leaf) -> &'static str {
    let up = [old, new].iter().filter(|l| l.state == LeafState::Online).count();
    ["UNAVAIL", "DEGRADED", if old.degraded() || new.degraded() { "DEGRADED" } else { "ONLINE" }][up]
}

fn leaf_row(m: &Machine, p: &Pool, l: &Leaf, f: &StatusFlags, depth: usize) -> Row {
    let aux = if l.degraded() { "  too many errors" } else { "" };
    // Only a healthy leaf shows the scan's work on it (`print_status_config`).
    let scan = p.scan.as_ref().filter(|s| s.state == ScanState::Scanning && l.state == LeafState::Online && !l.degraded() && l.scan_processed_bytes() != 0);
    let work = match scan {
        Some(s) if s.resilver => "  (resilvering)",
        Some(_) => "  (repairing)",
        None => "",
    };
    let suffix = aux.to_string() + work + &super::upkeep::leaf_suffixes(m, l, f.initialize, f.trim);
    let note = match &l.not_present {
        Some(path) => format!("  was {path}"),
        None if m.devices().get(l.dev).is_some() => "  invalid label".into(),
        None => "  cannot open".into(),
    };
    let name = if l.not_present.is_some() { l.guid.to_string() } else { leaf_label(m, l, f) };
    Row { depth, name, state: leaf_state(l), errors: l.errors, leaf: true, suffix, note }
}

fn leaf_label(m: &Machine, l: &Leaf, f: &StatusFlags) -> String {
    if f.guids {
        l.guid.to_string()
    } else {
        leaf_name(m, l, f.paths)
    }
}

/// `zpool_obj_to_path`: the full path in a mounted filesystem, else
/// `dataset:/path`, or `dataset:<0xOBJ>` when no directory names the object
/// (a volume's data).
fn error_paths(m: &Machine, p: &Pool) -> Vec<String> {
    let mut lab = m.clone();
    // One entry per dataset still holding a bad block; `zpool_get_errlog`
    // sorts them by (objset, object) and prints each file once.
    let mut entries = Vec::new();
    for e in &p.errlog {
        for os in lab.zfs_error_holders(&p.name, *e) {
            entries.push((os, e.bookmark.object));
        }
    }
    entries.sort();
    entries.dedup();
    entries.into_iter().map(|(os, object)| error_path(&mut lab, p, os, object)).collect()
}

/// `zpool_obj_to_path`: a mounted filesystem's path, else `dataset:path`
/// (a snapshot is never mounted), or the object number when no path leads to it.
fn error_path(m: &mut Machine, p: &Pool, os: crate::core::zfs::Os, object: u64) -> String {
    if os == crate::core::zfs::Os::Mos {
        return format!("<metadata>:<0x{object:x}>");
    }
    let ds = p.os_name(os);
    let mountpoint = p.mountpoint_of(&ds);
    match m.zfs_object_path(&ds, object) {
        Some(path) if !ds.contains('@') && mountpoint.starts_with('/') => format!("{}{path}", mountpoint.trim_end_matches('/')),
        Some(path) => format!("{ds}:{path}"),
        None => format!("{ds}:<0x{object:x}>"),
    }
}

const LIST_COLUMNS: [(&str, usize, bool); 11] = [
    ("NAME", 4, false),
    ("SIZE", 5, true),
    ("ALLOC", 5, true),
    ("FREE", 5, true),
    ("CKPOINT", 7, true),
    ("EXPANDSZ", 8, true),
    ("FRAG", 5, true),
    ("CAP", 5, true),
    ("DEDUP", 5, true),
    ("HEALTH", 8, true),
    ("ALTROOT", 7, false),
];

/// `zpool list -o`'s names of the default columns (with their short forms).
const LIST_NAMES: [&str; 11] = ["name", "size", "allocated", "free", "checkpoint", "expandsize", "fragmentation", "capacity", "dedupratio", "health", "altroot"];

/// A `zpool list` column: one of the default eleven, or another property.
enum ListCol {
    Default(usize),
    Prop(&'static (&'static str, &'static str, Option<usize>)),
}

impl ListCol {
    fn named(name: &str) -> Option<ListCol> {
        let short = ["name", "size", "alloc", "free", "ckpoint", "expandsz", "frag", "cap", "dedup", "health", "altroot"];
        if let Some(i) = LIST_NAMES.iter().position(|n| *n == name).or_else(|| short.iter().position(|n| *n == name)) {
            return Some(ListCol::Default(i));
        }
        POOL_PROPS.iter().find(|p| p.0 == name).map(ListCol::Prop)
    }

    /// Heading, least width, right-aligned, and whether values widen it
    /// without `-p`.
    fn layout(&self) -> (&'static str, usize, bool, bool) {
        match self {
            ListCol::Default(i) => (LIST_COLUMNS[*i].0, LIST_COLUMNS[*i].1, LIST_COLUMNS[*i].2, *i == 0 || *i == 10),
            ListCol::Prop(p) => (p.1, p.1.len().max(p.2.unwrap_or(0)), matches!(p.0, "guid" | "ashift" | "freeing" | "leaked"), p.2.is_none()),
        }
    }

    fn value(&self, p: &Pool, literal: bool) -> String {
        match self {
            ListCol::Default(i) => list_row(p, literal).swap_remove(*i),
            ListCol::Prop(prop) => pool_prop(p, prop.0, literal).0,
        }
    }
}

fn list(m: &mut Machine, args: &[String]) -> Output {
    let usage = &format!("\tlist [-gHLpPv] [-o property[,...]] [-T d|u] [pool] ... \n\t    [interval [count]]\n{}", super::pool_props::prop_table());
    let (opts, pools) = match getopt(args, "gHLpPv", "oT") {
        Ok(v) => v,
        Err(c) => return bad_option(c, usage),
    };
    if let Some(refusal) = interval(&pools, "list", usage) {
        return refusal;
    }
    let flag = |c: char| opts.iter().any(|o| o.0 == c);
    let (scripted, literal, paths) = (flag('H'), flag('p'), flag('P'));
    let chosen = opts.iter().rev().find(|o| o.0 == 'o').map(|o| o.1.as_str());
    let mut columns = Vec::new();
    for name in chosen.unwrap_or("name,size,allocated,free,checkpoint,expandsize,fragmentation,capacity,dedupratio,health,altroot").split(',') {
        match ListCol::named(name) {
            Some(c) => columns.push(c),
            None => return Output::error(format!("bad property list: invalid property '{name}'\nusage:\n{usage}"), 2),
        }
    }
    // `-v` lists the vdevs under the default columns only.
    let verbose = flag('v') && chosen.is_none();
    let mut out = Output::default();
    let mut rows = Vec::new();
    let mut vdev_rows: Vec<Vec<String>> = Vec::new();
    let selected = super::vdevs::pool_order(m, pools);
    for name in &selected {
        match m.zfs().pool(name) {
            Some(p) => {
                rows.push(columns.iter().map(|c| c.value(p, literal)).collect::<Vec<_>>());
                if verbose {
                    vdev_rows.push(list_vdev_rows(m, p, literal, paths, flag('g')));
                }
            }
            None => {
                out.err.push_str(&super::vdevs::cannot_open_pool(name));
                out.exit_status = 1;
            }
        }
    }
    if rows.is_empty() {
        if out.exit_status == 0 {
            out.text.push_str("no pools available\n");
        }
        return out;
    }
    let layouts: Vec<_> = columns.iter().map(ListCol::layout).collect();
    let mut cols = Columns {
        widths: layouts.iter().enumerate().map(|(i, l)| rows.iter().filter(|_| literal || l.3).map(|r| r[i].len()).max().unwrap_or(0).max(l.1)).collect(),
        right: layouts.iter().map(|l| l.2).collect(),
    };
    // `get_namewidth` with -v: the deepest indented vdev name, at least 9.
    let name_width = vdev_rows.iter().flatten().map(|l| l.split('\t').next().unwrap_or_default().len()).chain(rows.iter().map(|r| r[0].len())).max().unwrap_or(0).max(9);
    if verbose {
        cols.widths[0] = name_width;
    }
    if !scripted {
        out.text.push_str(&cols.line(&layouts.iter().map(|l| l.0.to_string()).collect::<Vec<_>>(), false));
    }
    for (i, r) in rows.iter().enumerate() {
        out.text.push_str(&cols.line(r, scripted));
        for line in vdev_rows.get(i).into_iter().flatten() {
            out.text.push_str(&pad_vdev_row(line, name_width, scripted));
        }
    }
    out
}

/// `print_list_stats`' rows under a pool: each vdev indented two more per
/// level, as "NAME SIZE ALLOC ..." joined by single spaces until padded.
fn list_vdev_rows(m: &Machine, p: &Pool, literal: bool, paths: bool, guids: bool) -> Vec<String> {
    let mut lines = Vec::new();
    for v in &p.vdevs {
        // A single disk being replaced is a `replacing-N` top-level vdev.
        let single = v.kind == VdevKind::Disk && v.children.len() == 1;
        let name = match v.children.first() {
            Some(l) if single => vdev_name(m, l, paths, guids),
            _ if guids => v.guid.to_string(),
            _ if v.kind == VdevKind::Disk => format!("replacing-{}", v.id),
            _ => v.type_id(),
        };
        let space = v.metaslab_space();
        let alloc = v.allocated.total();
        let size = if single { v.children.first().map_or(space, |l| m.size_of(l.dev)) } else { space };
        let cap = (alloc * 10_000).checked_div(space).unwrap_or(0);
        lines.push(vdev_row(2, &name, [size_text(size, literal), size_text(alloc, literal), size_text(space.saturating_sub(alloc), literal), "-".into(), "-".into(), if literal { "0".into() } else { "0%".into() }, cap_text(cap, literal), "-".into()], if single { v.children.first().map_or("ONLINE", leaf_state) } else { top_state(v) }));
        let leaf = |l: &Leaf, depth: usize| {
            let [a, b, c, d, e, f, g] = ["-"; 7].map(String::from);
            vdev_row(depth, &vdev_name(m, l, paths, guids), [size_text(m.size_of(l.dev), literal), a, b, c, d, e, f, g], leaf_state(l))
        };
        let (mut i, mut id) = (0, 0);
        while let Some(l) = v.children.get(i).filter(|_| !single) {
            match v.children.get(i + 1).filter(|n| n.replacing() && v.kind != VdevKind::Disk) {
                // An interior vdev has no space of its own: every column is "-".
                Some(new) => {
                    lines.push(vdev_row(4, &format!("replacing-{id}"), ["-"; 8].map(String::from), replacing_state(l, new)));
                    lines.extend([leaf(l, 6), leaf(new, 6)]);
                    i += 2;
                }
                None => {
                    lines.push(leaf(l, 4));
                    i += 1;
                }
            }
            id += 1;
        }
    }
    lines
}

/// One vdev row before padding: indent, name, then the eight values and the
/// health, tab-separated (the padding depends on every pool's names).
fn vdev_row(depth: usize, name: &str, values: [String; 8], health: &str) -> String {
    format!("{}{name}\t{}\t{health}", " ".repeat(depth), values.join("\t"))
}

/// `print_one_column`'s widths (`zprop_width`): SIZE ALLOC FREE 5, CKPOINT 7,
/// EXPANDSZ 8, FRAG CAP DEDUP 5, HEALTH 8; with -H every field after a tab,
/// the name included.
fn pad_vdev_row(row: &str, name_width: usize, scripted: bool) -> String {
    const WIDTHS: [usize; 9] = [5, 5, 5, 7, 8, 5, 5, 5, 8];
    let mut fields = row.split('\t');
    let name = fields.next().unwrap_or_default();
    if scripted {
        let rest: Vec<&str> = fields.collect();
        return format!("\t{}\t{}\n", name.trim_start(), rest.join("\t"));
    }
    let mut out = format!("{name:<name_width$}");
    for (w, f) in WIDTHS.iter().zip(fields) {
        out.push_str(&format!("  {f:>w$}"));
    }
    out + "\n"
}

fn size_text(n: u64, literal: bool) -> String {
    match (n, literal) {
        (0, _) => "-".into(),
        (_, true) => n.to_string(),
        _ => nicenum(n, false),
    }
}

/// CAP of a vdev row, in parts per ten thousand as `print_one_column` takes it.
fn cap_text(permyriad: u64, literal: bool) -> String {
    let pct = permyriad as f64 / 100.0;
    match permyriad {
        _ if literal => (permyriad / 100).to_string(),
        0..=999 => format!("{pct:.2}%"),
        1000..=9999 => format!("{pct:.1}%"),
        _ => format!("{pct:.0}%"),
    }
}

fn list_row(p: &Pool, literal: bool) -> Vec<String> {
    let (size, alloc) = (p.size_bytes(), p.allocated_bytes());
    let bytes = |n: u64| if literal { n.to_string() } else { nicenum(n, true) };
    let cap = (alloc * 100).checked_div(size).unwrap_or(0);
    vec![
        p.name.clone(),
        bytes(size),
        bytes(alloc),
        bytes(size.saturating_sub(alloc)),
        "-".into(),
        "-".into(),
        if literal { "0".into() } else { "0%".into() },
        if literal { cap.to_string() } else { format!("{cap}%") },
        if literal { "1.00".into() } else { "1.00x".into() },
        p.health().into(),
        "-".into(),
    ]
}

/// `zpool sync [POOL]...`: every command already ends its txg, so there is
/// nothing left to write; unknown pools are still refused.
fn each_named(m: &mut Machine, args: &[String], op: fn(&mut Machine, &str) -> Result<Vec<crate::core::Event>, ZfsError>) -> Output {
    let mut out = Output::default();
    for p in args {
        if m.zfs().pool(p).is_none() {
            out.err.push_str(&super::vdevs::cannot_open_pool(p));
            out.exit_status = 1;
            continue;
        }
        out.append(outcome(op(m, p).map_err(|e| message(&e)), String::new()));
    }
    out
}

/// `zpool wait -t scrub POOL`: a scrub here ends within its command.
fn wait(m: &mut Machine, args: &[String]) -> Output {
    let usage = "\twait [-Hp] [-T d|u] [-t <activity>[,...]] <pool> [interval]\n";
    let (opts, operands) = match getopt(args, "Hp", "tT") {
        Ok(v) => v,
        Err(c) => return bad_option(c, usage),
    };
    for (_, t) in opts.iter().filter(|o| o.0 == 't') {
        if let Some(bad) = t.split(',').find(|a| !matches!(*a, "discard" | "free" | "initialize" | "replace" | "remove" | "resilver" | "scrub" | "trim" | "raidz_expand")) {
            return Output::error(format!("invalid activity '{bad}'\nusage:\n{usage}"), 2);
        }
    }
    let Some(pool) = operands.first() else {
        return Output::error(format!("missing 'pool' argument\nusage:\n{usage}"), 2);
    };
    if m.zfs().pool(pool).and_then(|p| p.scan.as_ref()).is_some_and(|s| s.state == ScanState::Scanning && s.paused_since != 0) {
        return Output::error(format!("zpool wait: the scrub of {pool} is paused, so the real command would wait until 'zpool scrub {pool}' resumes it\n"), 1);
    }
    each_named(m, std::slice::from_ref(pool), finish_scrub)
}

/// `zpool history [POOL]...`: each pool's changes with their times.
/// `zpool history [-il] [POOL]...`. `-l` adds who ran each command and
/// where; the lab keeps no internal events, so `-i` adds nothing.
fn history(m: &mut Machine, args: &[String]) -> Output {
    let usage = "\thistory [-il] [<pool>] ...\n";
    let (opts, pools) = match getopt(args, "il", "") {
        Ok(v) => v,
        Err(c) => return bad_option(c, usage),
    };
    let long = opts.iter().any(|o| o.0 == 'l');
    let names = super::vdevs::pool_order(m, pools);
    if names.is_empty() {
        return Output::error("no pools available\n", 0);
    }
    let mut out = Output::default();
    for name in &names {
        let Some(p) = m.zfs().pool(name) else {
            out.err.push_str(&super::vdevs::cannot_open_pool(name));
            out.exit_status = 1;
            continue;
        };
        out.text.push_str(&format!("History for '{name}':\n"));
        for (t, line) in &p.history {
            let (y, mo, d, h, mi, s) = fmt::civil(*t);
            let who = if long { format!(" [user 0 (root) on {}:linux]", m.hostname()) } else { String::new() };
            out.text.push_str(&format!("{y}-{mo:02}-{d:02}.{h:02}:{mi:02}:{s:02} {line}{who}\n"));
        }
        out.text.push('\n');
    }
    out
}

/// One row of `zpool iostat`: indent, name, capacity (top-level vdevs and
/// pools only) and the I/O counts.
struct IostatRow {
    depth: usize,
    name: String,
    capacity: Option<(u64, u64)>,
    io: IoCounts,
}

fn io_sum<'a>(leaves: impl Iterator<Item = &'a Leaf>) -> IoCounts {
    leaves.fold(IoCounts::default(), |mut s, l| {
        s.read_ops += l.io.read_ops;
        s.write_ops += l.io.write_ops;
        s.read_bytes += l.io.read_bytes;
        s.write_bytes += l.io.write_bytes;
        s
    })
}

/// A pool's rows: the pool, then with -v each vdev (interior vdevs sum
/// their children, as `vdev_get_child_stat` adds them up).
fn iostat_rows(m: &Machine, p: &Pool, verbose: bool, paths: bool, guids: bool) -> Vec<IostatRow> {
    let mut rows = vec![IostatRow { depth: 0, name: p.name.clone(), capacity: Some((p.allocated_bytes(), p.size_bytes())), io: io_sum(p.leaves()) }];
    for v in p.vdevs.iter().filter(|_| verbose) {
        let capacity = Some((v.allocated.total(), v.metaslab_space()));
        if v.kind == VdevKind::Disk {
            rows.extend(v.children.first().map(|l| IostatRow { depth: 2, name: vdev_name(m, l, paths, guids), capacity, io: l.io }));
            continue;
        }
        let name = if guids { v.guid.to_string() } else { v.type_id() };
        rows.push(IostatRow { depth: 2, name, capacity, io: io_sum(v.children.iter()) });
        rows.extend(v.children.iter().map(|l| IostatRow { depth: 4, name: vdev_name(m, l, paths, guids), capacity: None, io: l.io }));
    }
    rows
}

/// `zpool iostat [-HpPv] [pool]... [interval count]`: the first report
/// averaged over the time since each pool was created (the lab's clock
/// moves one second per command), then one per interval of what it saw (a
/// scrub goes on meanwhile), laid out as `print_iostat_header` and
/// `print_iostat_default` do. Simplified: no endless reports without a count.
fn iostat(m: &mut Machine, args: &[String]) -> Output {
    let usage = "\tiostat [[[-c [script1,script2,...][-lq]]|[-rw]] [-T d | u] [-ghHLpPvy]\n\t    [[pool ...]|[pool vdev ...]|[vdev ...]] [[-n] interval [count]]\n";
    let (opts, pools) = match getopt(args, "gHLpPvylqrw", "T") {
        Ok(v) => v,
        Err(c) => return bad_option(c, usage),
    };
    if let Some((c, _)) = opts.iter().find(|o| matches!(o.0, 'l' | 'q' | 'r' | 'w')) {
        return Output::error(format!("zpool iostat: the lab counts operations and bytes only; it keeps no latencies, queues or request sizes for -{c}\n"), 2);
    }
    let flag = |c: char| opts.iter().any(|o| o.0 == c);
    let (scripted, literal, verbose, paths) = (flag('H'), flag('p'), flag('v'), flag('P'));
    let mut pools = pools;
    let (interval, count) = match interval_count(&mut pools, "iostat", usage) {
        Ok(v) => v,
        Err(out) => return out,
    };
    let is_pool = |n: &String| m.zfs().pool(n).is_some();
    if !pools.iter().all(is_pool) {
        // A list that is neither all pools nor a pool and its vdevs.
        if !pools.first().is_some_and(is_pool) {
            return Output::error("Unable to parse pools/vdevs list.\n\n", 1);
        }
        return Output::error("zpool iostat: the lab reports whole pools; it does not model statistics for named vdevs\n", 1);
    }
    let selected = super::vdevs::pool_order(m, pools);
    let mut out = Output::default();
    let mut before: Vec<Vec<IoCounts>> = Vec::new();
    for iteration in 0..count.min(MAX_REPORTS) {
        if iteration > 0 {
            m.pass_time(interval);
        }
        let mut reports = Vec::new();
        for name in &selected {
            match m.zfs().pool(name) {
                Some(p) => reports.push((iostat_rows(m, p, verbose, paths, flag('g')), if iteration == 0 { m.now().saturating_sub(p.creation_time) } else { interval })),
                None if iteration == 0 => {
                    out.err.push_str(&super::vdevs::cannot_open_pool(name));
                    out.exit_status = 1;
                }
                None => {}
            }
        }
        if reports.is_empty() {
            if out.exit_status == 0 {
                out.err.push_str("no pools available\n");
            }
            return out;
        }
        // Later reports count what happened since the one before.
        let totals: Vec<Vec<IoCounts>> = reports.iter().map(|(rows, _)| rows.iter().map(|r| r.io).collect()).collect();
        if iteration > 0 {
            for ((rows, _), old) in reports.iter_mut().zip(&before) {
                for (r, o) in rows.iter_mut().zip(old) {
                    r.io = IoCounts { read_ops: r.io.read_ops.saturating_sub(o.read_ops), write_ops: r.io.write_ops.saturating_sub(o.write_ops), read_bytes: r.io.read_bytes.saturating_sub(o.read_bytes), write_bytes: r.io.write_bytes.saturating_sub(o.write_bytes) };
                }
            }
        }
        before = totals;
        iostat_report(&mut out, &reports, iteration == 0 || verbose, literal, scripted, verbose);
    }
    out
}

/// One iteration of `zpool_do_iostat`'s loop: the header (the first time,
/// or every time with -v), each pool's rows, and the separators.
fn iostat_report(out: &mut Output, reports: &[(Vec<IostatRow>, u64)], header: bool, literal: bool, scripted: bool, verbose: bool) {
    let width = if literal { 15 } else { 5 };
    let name_width = reports.iter().flat_map(|r| r.0.iter()).map(|r| r.depth + r.name.len()).max().unwrap_or(0).max(10);
    let separator = format!("{}{}\n", "-".repeat(name_width), format!("  {}", "-".repeat(width)).repeat(6));
    if header && !scripted {
        out.text.push_str(&iostat_header(name_width, width));
        out.text.push_str(&separator);
    }
    for (rows, seconds) in reports {
        for r in rows {
            out.text.push_str(&iostat_line(r, *seconds, name_width, width, literal, scripted));
        }
        if verbose && !scripted {
            out.text.push_str(&separator);
        }
    }
    if reports.len() > 1 && !verbose && !scripted {
        out.text.push_str(&separator);
    }
}

/// The two label lines, each label centred over its columns as
/// `print_iostat_labels` places it.
fn iostat_header(name_width: usize, width: usize) -> String {
    let label = |name: &str, columns: usize| {
        let span = width * columns + 2 * (columns - 1);
        let start = (span / columns).saturating_sub(name.len() / columns);
        format!("  {}{name}{}", " ".repeat(start), " ".repeat(span.saturating_sub(start + name.len())))
    };
    let top: String = ["capacity", "operations", "bandwidth"].iter().map(|n| label(n, 2)).collect();
    let bottom: String = ["alloc", "free", "read", "write", "read", "write"].iter().map(|n| label(n, 1)).collect();
    format!("{}{top}\n{:<name_width$}{bottom}\n", " ".repeat(name_width), "pool")
}

fn iostat_line(r: &IostatRow, seconds: u64, name_width: usize, width: usize, literal: bool, scripted: bool) -> String {
    let number = |n: u64| if literal { n.to_string() } else { nicenum(n, false) };
    let rate = |n: u64| number(if seconds == 0 { n } else { n / seconds });
    let na = if literal { "0" } else { "-" };
    let (alloc, free) = match r.capacity {
        Some((alloc, space)) => (number(alloc), number(space.saturating_sub(alloc))),
        None => (na.to_string(), na.to_string()),
    };
    let cells = [alloc, free, rate(r.io.read_ops), rate(r.io.write_ops), rate(r.io.read_bytes), rate(r.io.write_bytes)];
    if scripted {
        return format!("{}\t{}\n", r.name, cells.join("\t"));
    }
    let mut line = format!("{}{:<w$}", " ".repeat(r.depth), r.name, w = name_width.saturating_sub(r.depth));
    for c in cells {
        line.push_str(&format!("  {c:>width$}"));
    }
    line + "\n"
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::console::Shell;

    #[test]
    fn a_scrub_under_way_shows_its_progress() {
        // A scrub examines 1 GiB per second of the lab clock, so a small
        // pool's ends within its command (and every command line advances
        // it); stepped by 4 MiB here to catch one under way: rates over the
        // two seconds since it began, no estimate below 10 MiB/s.
        let disks = [("sdb".to_string(), 1u64 << 30), ("sdc".to_string(), 1 << 30)];
        let mut shell = Shell::new(Machine::with_disks(1, &disks).expect("disks"));
        for line in ["zpool create tank mirror sdb sdc", "dd if=/dev/urandom of=/tank/big bs=1M count=8 status=none"] {
            assert_eq!(shell.run(line).exit_status, 0, "{line}");
        }
        shell.machine.zpool_scrub_start("tank").expect("start");
        shell.machine.zpool_scrub_step("tank", 4 << 20).expect("step");
        shell.machine.set_clock(shell.machine.now() + 1);
        let pool = shell.machine.zfs().pool("tank").cloned().expect("pool");
        let status = pool_status(&mut shell.machine, &pool, &StatusFlags::default());
        let scan: Vec<&str> = status.lines().skip(2).take(3).collect();
        assert_eq!(
            scan,
            [
                "  scan: scrub in progress since Wed Nov 25 09:00:02 2026",
                "\t4.03M / 8.05M scanned at 2.02M/s, 4.03M / 8.05M issued at 2.02M/s",
                "\t0B repaired, 50.10% done, no estimated completion time",
            ],
            "{status}"
        );
        assert_eq!(start_scrub(&mut shell.machine, "tank", false), Err("cannot scrub tank: currently scrubbing; use 'zpool scrub -s' to cancel scrub\n".to_string()));
        assert_eq!(shell.run("zpool wait -t scrub tank").exit_status, 0);
        assert!(shell.run("zpool status tank").text.contains("  scan: scrub repaired 0B in 00:00:02 with 0 errors on Wed Nov 25 09:00:04 2026\n"));
    }
}
