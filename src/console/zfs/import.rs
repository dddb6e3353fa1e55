//! `zpool export` and `zpool import` as `zpool_main.c` prints them:
//! `zpool_do_export`, and `zpool_do_import` with `show_import` and
//! `print_import_config` for the pools it finds.
//!
//! Simplified: `-d DIR` and `-c FILE` are accepted but every device is
//! searched; a new name on import is refused; `-F`, `-X`, `-T` and `-m` have nothing to repair.

use super::getopt;
use super::pool::{bad_option, dev_path};
use crate::console::Output;
use crate::core::machine::ImportError;
use crate::core::signature::FsType;
use crate::core::zfs::{Leaf, LeafState, Pool, TopVdev, VdevKind, ZfsError};
use crate::core::Machine;

const EXPORT_USAGE: &str = "\texport [-af] <pool> ...\n";
const IMPORT_USAGE: &str = "\timport [-d dir] [-D]
\timport [-o mntopts] [-o property=value] ... 
\t    [-d dir | -c cachefile] [-D] [-l] [-f] [-m] [-N] [-R root] [-F [-n]] -a
\timport [-o mntopts] [-o property=value] ... 
\t    [-d dir | -c cachefile] [-D] [-l] [-f] [-m] [-N] [-R root] [-F [-n]]
\t    [--rewind-to-checkpoint] <pool | id> [newpool]
";

fn usage_error(why: &str, usage: &str) -> Output {
    Output::error(format!("{why}\nusage:\n{usage}"), 2)
}

pub fn export(m: &mut Machine, args: &[String], cwd: &str) -> Output {
    let (opts, pools) = match getopt(args, "afF", "") {
        Ok(v) => v,
        Err(c) => return bad_option(c, EXPORT_USAGE),
    };
    let all = opts.iter().any(|o| o.0 == 'a');
    if all && !pools.is_empty() {
        return usage_error("too many arguments", EXPORT_USAGE);
    }
    if !all && pools.is_empty() {
        return usage_error("missing pool argument", EXPORT_USAGE);
    }
    let names: Vec<String> = if all { m.zfs().pools.iter().map(|p| p.name.clone()).collect() } else { pools };
    let mut out = Output::text("", 0);
    for name in names {
        if let Some(mp) = super::busy_mountpoint(m, cwd, &super::pool_datasets(m, &name)) {
            fail(&mut out, super::busy_error(&mp));
            continue;
        }
        if m.zfs().pool(&name).is_some() {
            // The history is logged as part of the export.
            let line = std::iter::once("zpool export").chain(args.iter().map(String::as_str)).collect::<Vec<_>>().join(" ");
            m.zpool_log_history(&name, &line);
        }
        match m.zpool_export(&name) {
            Ok(events) => out.events.extend(events),
            Err(ZfsError::PoolBusy(_)) => fail(&mut out, format!("cannot export '{name}': pool is busy\n")),
            Err(e) => fail(&mut out, super::message(&e)),
        }
    }
    out
}

fn fail(out: &mut Output, text: String) {
    out.err.push_str(&text);
    out.exit_status = 1;
}

pub fn import(m: &mut Machine, args: &[String]) -> Output {
    let (opts, operands) = match getopt(args, "aCDEfFlmnNsVX", "cdoRtT") {
        Ok(v) => v,
        Err(c) => return bad_option(c, IMPORT_USAGE),
    };
    let has = |c: char| opts.iter().any(|o| o.0 == c);
    if (has('n') || has('X')) && !has('F') {
        return usage_error("-n or -X only meaningful with -F", IMPORT_USAGE);
    }
    let all = has('a');
    if all && !operands.is_empty() || operands.len() > 2 {
        return usage_error("too many arguments", IMPORT_USAGE);
    }
    // `-D` looks for destroyed pools only; `-d DIR` searches only there,
    // and the lab's devices are all under /dev.
    let elsewhere = opts.iter().filter(|o| o.0 == 'd').any(|o| !(o.1 == "/dev" || o.1.starts_with("/dev/")));
    let found = if elsewhere { Vec::new() } else { m.zpool_importable(has('D')) };
    match operands.as_slice() {
        [] if all => import_all(m, &found, &history_line(args)),
        [] if found.is_empty() => Output::error("no pools available to import\n", 0),
        [] => Output::text(found.iter().map(|p| show_import(m, p)).collect::<Vec<_>>().join("\n"), 0),
        [which, ..] => import_one(m, which, operands.get(1), &found, &history_line(args)),
    }
}

/// The command line `zpool history` keeps.
fn history_line(args: &[String]) -> String {
    std::iter::once("zpool import").chain(args.iter().map(String::as_str)).collect::<Vec<_>>().join(" ")
}

fn import_all(m: &mut Machine, found: &[Pool], line: &str) -> Output {
    let mut out = Output::text("", 0);
    if found.is_empty() {
        out.err.push_str("no pools available to import\n");
    }
    // The command is logged once, in the last pool it imported.
    for (i, p) in found.iter().enumerate() {
        let one = import_one(m, &p.name, None, found, if i + 1 == found.len() { line } else { "" });
        out.err.push_str(&one.err);
        out.events.extend(one.events);
        out.exit_status |= one.exit_status;
    }
    out
}

fn import_one(m: &mut Machine, which: &str, new_name: Option<&String>, found: &[Pool], line: &str) -> Output {
    let taken = m.zfs().pools.iter().any(|p| p.name == which || p.guid.to_string() == which);
    let matches = found.iter().any(|p| p.name == which || p.guid.to_string() == which);
    if taken && matches && new_name.is_none_or(|n| n == which) {
        return Output::error(format!("cannot import '{which}': a pool with that name already exists\nuse the form 'zpool import <pool | id> <newpool>' to give it a new name\n"), 1);
    }
    if taken && !matches {
        return Output::error(format!("cannot import '{which}': a pool with that name is already created/imported,\nand no additional pools with that name were found\n"), 1);
    }
    if !matches {
        return Output::error(format!("cannot import '{which}': no such pool available\n"), 1);
    }
    if let Some(new) = new_name.filter(|n| *n != which) {
        return Output::error(format!("cannot import '{which}' as '{new}': the lab does not rename pools on import\n"), 1);
    }
    match m.zpool_import(which, found.first().is_some_and(|p| p.destroyed)) {
        Ok(events) => {
            let name = m.zfs().pools.last().map(|p| p.name.clone()).unwrap_or_default();
            if !line.is_empty() {
                m.zpool_log_history(&name, line);
            }
            Output { events, ..Output::text("", 0) }
        }
        Err(ImportError::NotFound) => Output::error(format!("cannot import '{which}': no such pool available\n"), 1),
        Err(ImportError::MissingDevices) => Output::error(format!("cannot import '{which}': one or more devices is currently unavailable\n"), 1),
        Err(ImportError::NameTaken) => Output::error(format!("cannot import '{which}': a pool with that name already exists\n"), 1),
        Err(ImportError::Zfs(e)) => Output::error(format!("cannot import '{which}': {e}\n"), 1),
    }
}

/// `show_import`: the pool, its state, why and what to do, and its config.
fn show_import(m: &Machine, p: &Pool) -> String {
    let health = p.health();
    let destroyed = if p.destroyed { " (DESTROYED)" } else { "" };
    let mut out = format!("   pool: {}\n     id: {}\n  state: {health}{destroyed}\n", p.name, p.guid);
    let leaves = || p.vdevs.iter().flat_map(|v| v.children.iter());
    // `vdev_missing` (a device gone, or a whole vdev unseen) comes before
    // `vdev_broken` (a device without the pool's label).
    let unknown = p.vdevs.iter().any(|v| unseen(v));
    let gone = unknown || leaves().any(|l| l.state == LeafState::Unavail && m.devices().get(l.dev).is_none());
    let broken = leaves().any(|l| l.state == LeafState::Unavail);
    let offline = leaves().any(|l| l.state == LeafState::Offline);
    if gone {
        out.push_str("status: One or more devices are missing from the system.\n");
    } else if broken {
        out.push_str("status: One or more devices contains corrupted data.\n");
    } else if offline {
        out.push_str("status: One or more devices are offlined.\n");
    }
    out.push_str(match health {
        "ONLINE" => " action: The pool can be imported using its name or numeric identifier.\n",
        "DEGRADED" => " action: The pool can be imported despite missing or damaged devices.  The\n\tfault tolerance of the pool may be compromised if imported.\n",
        _ => " action: The pool cannot be imported. Attach the missing\n\tdevices and try again.\n",
    });
    // A top-level vdev none of whose devices was found is known only by
    // the guid sum (`ZPOOL_STATUS_BAD_GUID_SUM`): the labels found describe
    // their own vdevs only.
    let msg = match (gone, broken, health == "UNAVAIL") {
        _ if unknown => Some("ZFS-8000-6X"),
        (true, _, true) => Some("ZFS-8000-3C"),
        (true, _, false) => Some("ZFS-8000-2Q"),
        (false, true, true) => Some("ZFS-8000-5E"),
        (false, true, false) => Some("ZFS-8000-4J"),
        _ => None,
    };
    if let Some(msg) = msg {
        out.push_str(&format!("   see: https://openzfs.github.io/openzfs-docs/msg/{msg}\n"));
    }
    out.push_str(" config:\n\n");
    let rows = config_rows(m, p);
    let width = rows.iter().map(|(depth, name, _, _)| depth + name.len()).max().unwrap_or(0).max(p.name.len()).max(10);
    for (depth, name, state, aux) in rows {
        out.push_str(&format!("\t{:depth$}{name:<w$}  {state}{aux}\n", "", w = width - depth));
    }
    if unknown {
        out.push_str("\n\tAdditional devices are known to be part of this pool, though their\n\texact configuration cannot be determined.\n");
    }
    out
}

fn unseen(v: &TopVdev) -> bool {
    v.children.iter().all(|l| l.state == LeafState::Unavail)
}

/// The import config's rows: depth, name, state and the aux text.
fn config_rows(m: &Machine, p: &Pool) -> Vec<(usize, String, &'static str, &'static str)> {
    let root_aux = match p.health() {
        _ if p.vdevs.iter().any(unseen) => "  missing device",
        "UNAVAIL" => "  insufficient replicas",
        _ => "",
    };
    let mut rows = vec![(0, p.name.clone(), p.health(), root_aux)];
    for v in p.vdevs.iter().filter(|v| !unseen(v)) {
        if v.kind == VdevKind::Disk {
            rows.push(leaf_row(m, &v.children[0], 2));
            continue;
        }
        let state = top_state(v);
        rows.push((2, v.type_id(), state, if state == "UNAVAIL" { "  insufficient replicas" } else { "" }));
        rows.extend(v.children.iter().map(|l| leaf_row(m, l, 4)));
    }
    rows
}

fn leaf_row(m: &Machine, l: &Leaf, depth: usize) -> (usize, String, &'static str, &'static str) {
    match l.state {
        // Not present when it was exported: its label says so, and it goes
        // by guid.
        LeafState::Unavail if l.not_present.is_some() => (depth, l.guid.to_string(), "UNAVAIL", "  cannot open"),
        LeafState::Unavail if m.devices().get(l.dev).is_none() => (depth, exported_name(l), "UNAVAIL", "  cannot open"),
        // `vdev_validate`: the device opens but its label is another's
        // (`VDEV_AUX_CORRUPT_DATA`) or unreadable (`VDEV_AUX_BAD_LABEL`).
        LeafState::Unavail if m.probe(l.dev).is_some_and(|s| matches!(s.fstype, FsType::ZfsMember { .. })) => (depth, leaf_name(m, l), "UNAVAIL", "  corrupted data"),
        LeafState::Unavail => (depth, leaf_name(m, l), "UNAVAIL", "  invalid label"),
        LeafState::Offline => (depth, leaf_name(m, l), "OFFLINE", ""),
        LeafState::Online => (depth, leaf_name(m, l), "ONLINE", ""),
    }
}

/// A leaf whose device is gone, by the path its labels record (a whole
/// disk without its partition number, as `zpool_vdev_name` shows it).
fn exported_name(l: &Leaf) -> String {
    let path = l.exported_path.as_deref().unwrap_or_default().trim_start_matches("/dev/");
    match l.whole_disk {
        Some(_) => path.trim_end_matches('1').trim_end_matches(|c: char| c == 'p' && path.starts_with("nvme")).to_string(),
        None => path.to_string(),
    }
}

/// A whole disk by its own name, a partition as given.
fn leaf_name(m: &Machine, l: &Leaf) -> String {
    dev_path(m, l.whole_disk.unwrap_or(l.dev)).trim_start_matches("/dev/").to_string()
}

fn top_state(v: &TopVdev) -> &'static str {
    let up = v.children.iter().filter(|l| l.state == LeafState::Online).count();
    let needed = if v.kind == VdevKind::Raidz1 { v.children.len() - 1 } else { 1 };
    if up < needed {
        "UNAVAIL"
    } else if up < v.children.len() {
        "DEGRADED"
    } else {
        "ONLINE"
    }
}
