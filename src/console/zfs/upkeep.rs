//! `zpool upgrade`, `trim`, `initialize`, `resilver`, `reopen` and
//! `labelclear`, as
//! zpool_main.c and libzfs print them. Simplified: every feature is enabled
//! on every lab pool, and a trim or initialize completes within its command.

use super::pool::{bad_option, dev_path, leaf_in_pool};
use super::pool_props::FEATURES;
use super::getopt;
use crate::console::fmt::ctime;
use crate::console::Output;
use crate::core::device::{DevId, DevKind};
use crate::core::machine::Machine;
use crate::core::zfs::{Leaf, LeafTask};

const HEADER: &str = "This system supports ZFS pool feature flags.\n\n";

/// `zpool upgrade [-v | -a | POOL...]`.
pub(super) fn upgrade(m: &Machine, args: &[String]) -> Output {
    let usage = "\tupgrade\n\tupgrade -v\n\tupgrade [-V version] <-a | pool ...>\n";
    let (opts, pools) = match getopt(args, "av", "V") {
        Ok(v) => v,
        Err(c) => return bad_option(c, usage),
    };
    let has = |c: char| opts.iter().any(|o| o.0 == c);
    if has('v') {
        if has('a') || !pools.is_empty() {
            return Output::error(format!("-v option is incompatible with other arguments\nusage:\n{usage}"), 2);
        }
        return Output::text(feature_list(), 0);
    }
    if has('a') {
        if !pools.is_empty() {
            return Output::error(format!("-a option should not be used along with a pool name\nusage:\n{usage}"), 2);
        }
        return Output::text(format!("{HEADER}All pools are already formatted using feature flags.\n\nEvery feature flags pool already has all supported and requested features enabled.\n"), 0);
    }
    if pools.is_empty() {
        return Output::text(format!("{HEADER}All pools are formatted using feature flags.\n\nEvery feature flags pool has all supported and requested features enabled.\n"), 0);
    }
    let mut out = Output::text(HEADER, 0);
    for name in &pools {
        if m.zfs().pool(name).is_some() {
            out.text += &format!("Pool '{name}' already has all supported and requested features enabled.\n");
        } else {
            out.append(Output::error(super::vdevs::cannot_open_pool(name), 1));
        }
    }
    out
}

/// `zpool upgrade -v`: the features, then the legacy versions.
fn feature_list() -> String {
    let mut out = format!("{HEADER}The following features are supported:\n\nFEAT DESCRIPTION\n{}\n", "-".repeat(61));
    for (name, read_only, description) in FEATURES {
        out += &format!("{name:<37}{}\n     {description}\n", if *read_only { " (read-only compatible)" } else { "" });
    }
    out += &format!("\nThe following legacy versions are also supported:\n\nVER  DESCRIPTION\n---  {}\n", "-".repeat(56));
    for (v, text) in LEGACY_VERSIONS.iter().enumerate() {
        out += &format!(" {:<3} {text}\n", v + 1);
    }
    out + "\nFor more information on a particular version, including supported releases,\nsee the ZFS Administration Guide.\n\n"
}

const LEGACY_VERSIONS: [&str; 28] = [
    "Initial ZFS version",
    "Ditto blocks (replicated metadata)",
    "Hot spares and double parity RAID-Z",
    "zpool history",
    "Compression using the gzip algorithm",
    "bootfs pool property",
    "Separate intent log devices",
    "Delegated administration",
    "refquota and refreservation properties",
    "Cache devices",
    "Improved scrub performance",
    "Snapshot properties",
    "snapused property",
    "passthrough-x aclinherit",
    "user/group space accounting",
    "stmf property support",
    "Triple-parity RAID-Z",
    "Snapshot user holds",
    "Log device removal",
    "Compression using zle (zero-length encoding)",
    "Deduplication",
    "Received properties",
    "Slim ZIL",
    "System attributes",
    "Improved scrub stats",
    "Improved snapshot deletion performance",
    "Improved snapshot creation performance",
    "Multiple vdev replacements",
];

/// Whether a leaf's disk takes discards, as lsblk's queue limits say.
pub(super) fn trims(m: &Machine, l: &Leaf) -> bool {
    let name = crate::core::zfs::Disks::name(m, l.whole_disk.unwrap_or(l.dev));
    matches!(crate::core::disk::transport_for_name(&name), Some(crate::core::disk::Transport::Nvme | crate::core::disk::Transport::Loop))
}

/// `zpool trim [-dw] [-c | -s] POOL [DEVICE...]` and `zpool initialize
/// [-c | -s | -u] [-w] POOL [DEVICE...]`.
pub(super) fn leaf_task(m: &mut Machine, sub: &str, args: &[String]) -> Output {
    let trim = sub == "trim";
    let usage = if trim { "\ttrim [-dw] [-r <rate>] [-c | -s] <pool> [<device> ...]\n" } else { "\tinitialize [-c | -s | -u] [-w] <pool> [<device> ...]\n" };
    let (opts, operands) = match getopt(args, if trim { "dwcs" } else { "csuw" }, if trim { "r" } else { "" }) {
        Ok(v) => v,
        Err(c) => return bad_option(c, usage),
    };
    let has = |c: char| opts.iter().any(|o| o.0 == c);
    let stop = match stop_option(&opts) {
        Ok(stop) => stop,
        Err(why) => return Output::error(format!("{why}\nusage:\n{usage}"), 2),
    };
    let Some((pool, named)) = operands.split_first() else {
        return Output::error(format!("missing pool name argument\nusage:\n{usage}"), 2);
    };
    if stop.is_some() && has('w') {
        let why = if trim { "-w cannot be used with -c or -s" } else { "-w cannot be used with -c, -sor -u" };
        return Output::error(format!("{why}\nusage:\n{usage}"), 2);
    }
    let Some(p) = m.zfs().pool(pool) else {
        return Output::error(super::vdevs::cannot_open_pool(pool), 1);
    };
    let verb = if trim { "trim" } else { "initialize" };
    let mut leaves: Vec<(String, DevId, bool)> = Vec::new();
    if named.is_empty() {
        leaves = p.leaves().map(|l| (dev_path(m, l.dev), l.dev, trims(m, l))).collect();
    }
    for arg in named {
        if p.vdevs.iter().any(|v| v.type_id() == *arg) {
            return Output::error(format!("cannot {verb} '{arg}': invalid device\n"), 255);
        }
        match leaf_in_pool(m, verb, pool, arg) {
            Ok(dev) => leaves.push((arg.clone(), dev, p.leaves().any(|l| l.dev == dev && trims(m, l)))),
            Err(_) => return Output::error(format!("cannot {verb} '{arg}': no such device in pool\n"), 255),
        }
    }
    if let Some(c) = stop {
        if c == 'u' {
            let devs: Vec<DevId> = leaves.iter().map(|l| l.1).collect();
            return super::outcome(m.zpool_leaf_task(pool, &devs, LeafTask::Uninitialize).map_err(|e| super::message(&e)), String::new());
        }
        // The lab's trims and initializations are over before anyone can stop them.
        let none = if trim { "there is no active trim" } else { "there is no active initialization" };
        let text: String = leaves.iter().map(|l| format!("cannot {verb} '{}': {none}\n", l.0)).collect();
        return Output::error(text, 255);
    }
    if trim {
        let unsupported: Vec<&(String, DevId, bool)> = leaves.iter().filter(|l| !l.2).collect();
        if named.is_empty() && unsupported.len() == leaves.len() {
            return Output::error("cannot trim: no devices in pool support trim operations\n", 255);
        }
        if let Some(l) = unsupported.iter().find(|_| !named.is_empty() || has('d')) {
            return Output::error(format!("cannot trim '{}': trim operations are not supported by this device\n", l.0), 255);
        }
        leaves.retain(|l| l.2);
    }
    let devs: Vec<DevId> = leaves.iter().map(|l| l.1).collect();
    let task = if trim { LeafTask::Trim } else { LeafTask::Initialize };
    super::outcome(m.zpool_leaf_task(pool, &devs, task).map_err(|e| super::message(&e)), String::new())
}

/// The stop option (`-c`, `-s`, `-u`), checked in order as zpool_do_trim
/// and zpool_do_initialize do: one kind only, and `-d`/`-r` before it.
fn stop_option(opts: &[(char, String)]) -> Result<Option<char>, String> {
    let mut stop = None;
    for (c, value) in opts {
        match c {
            'c' | 's' | 'u' if stop.is_some_and(|s| s != *c) => return Err(format!("-{c} cannot be combined with other options")),
            'c' | 's' | 'u' => stop = Some(*c),
            'd' | 'r' if stop.is_some() => return Err(format!("-{c} cannot be combined with the -c or -s options")),
            'r' if crate::console::zfs::parse_size(value).is_none() => return Err(format!("invalid value for rate: bad numeric value '{value}'")),
            _ => {}
        }
    }
    Ok(stop)
}

/// A leaf's `-i` and `-t` suffixes in `zpool status`.
pub(super) fn leaf_suffixes(m: &Machine, l: &Leaf, initialize: bool, trim: bool) -> String {
    let mut out = String::new();
    if initialize {
        out += &match l.initialized_at {
            Some(t) => format!("  (100% initialized, completed at {})", ctime(t)),
            None => "  (uninitialized)".to_string(),
        };
    }
    if trim {
        out += &match l.trimmed_at {
            Some(t) => format!("  (100% trimmed, completed at {})", ctime(t)),
            None if trims(m, l) => "  (untrimmed)".to_string(),
            None => "  (trim unsupported)".to_string(),
        };
    }
    out
}

/// `zpool resilver POOL...` (a healthy pool needs none) and `zpool reopen [POOL]`.
pub(super) fn each_quietly(m: &Machine, sub: &str, args: &[String]) -> Output {
    let usage = if sub == "resilver" { "\tresilver <pool> ...\n" } else { "\treopen [-n] <pool>\n" };
    let (_, pools) = match getopt(args, if sub == "reopen" { "n" } else { "" }, "") {
        Ok(v) => v,
        Err(c) => return bad_option(c, usage),
    };
    if pools.is_empty() && sub == "resilver" {
        return Output::error(format!("missing pool name argument\nusage:\n{usage}"), 2);
    }
    let mut out = Output::default();
    for name in &pools {
        if m.zfs().pool(name).is_none() {
            out.append(Output::error(super::vdevs::cannot_open_pool(name), 1));
        }
    }
    out
}

/// `zpool labelclear [-f] DEVICE`: a short name of a whole disk means its
/// first partition, as `zfs_append_partition` makes it.
pub(super) fn labelclear(m: &mut Machine, args: &[String]) -> Output {
    let usage = "\tlabelclear [-f] <vdev>\n";
    let (opts, operands) = match getopt(args, "f", "") {
        Ok(v) => v,
        Err(c) => return bad_option(c, usage),
    };
    let arg = match operands.as_slice() {
        [] => return Output::error(format!("missing vdev name\nusage:\n{usage}"), 2),
        [one] => one,
        _ => return Output::error(format!("too many arguments\nusage:\n{usage}"), 2),
    };
    let dev = if arg.starts_with('/') {
        match m.resolve(arg) {
            Some(d) => d,
            None => return Output::error(format!("failed to open {arg}: No such file or directory\n"), 1),
        }
    } else {
        let whole = m.resolve(&format!("/dev/{arg}")).filter(|d| m.devices().get(*d).is_some_and(|b| matches!(b.kind, DevKind::Disk)));
        let path = match whole {
            Some(_) if arg.starts_with("nvme") || arg.starts_with("loop") => format!("/dev/{arg}p1"),
            Some(_) => format!("/dev/{arg}1"),
            None => format!("/dev/{arg}"),
        };
        match m.resolve(&path) {
            Some(d) => d,
            None => return Output::error(format!("failed to find device {arg}, try specifying absolute path instead\n"), 1),
        }
    };
    let path = dev_path(m, dev);
    // `-f` clears an offline disk's label (`vdev_is_active`).
    let offline = |l: &Leaf| l.dev == dev && !opts.is_empty() && l.state == crate::core::zfs::LeafState::Offline;
    if let Some(pool) = m.zfs().pools.iter().find(|p| p.leaves().any(|l| l.dev == dev && !offline(l))) {
        let force = if opts.is_empty() { "" } else { ". Offline the disk first to clear its label." };
        return Output { text: "\n".into(), ..Output::error(format!("{path} is a member (ACTIVE) of pool \"{}\"{force}", pool.name), 1) };
    }
    match m.zpool_labelclear(dev) {
        Ok((true, events)) => Output { events, ..Output::default() },
        _ => Output::error(format!("failed to clear label for {path}\n"), 255),
    }
}
