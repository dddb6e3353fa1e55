//! `zfs`: create, destroy, snapshot, rollback, list, get, set and version,
//! as `cmd/zfs/zfs_main.c` and libzfs print them.

use super::{getopt, message, nicenum, outcome, parse_size, Columns, VERSION};
use crate::console::{Output, Shell};
use crate::core::machine::{Machine, NewDataset};
use crate::core::zfs::props::{is_user_property, Stored, FS, SNAP, VOL};
use crate::core::zfs::{ChecksumAlg, DatasetKind, Pool, Props, ZfsError};

pub fn run(shell: &mut Shell, args: &[String]) -> Output {
    let Some((sub, rest)) = args.split_first() else {
        return Output::error(format!("missing command\n{}", command_list()), 2);
    };
    let m = &mut shell.machine;
    match sub.as_str() {
        "create" => create(m, rest),
        "destroy" => destroy(m, rest),
        "snapshot" | "snap" => snapshot(m, rest),
        "rollback" => rollback(m, rest),
        "list" => list(m, rest),
        "get" => get(m, rest),
        "set" => set(m, rest),
        "inherit" => inherit(m, rest),
        "rename" => rename(m, rest),
        "clone" => clone(m, rest),
        "promote" => Output::error("the lab does not model 'zfs promote'\n", 1),
        "version" | "-V" | "--version" => Output::text(VERSION, 0),
        "-?" | "--help" | "help" => Output::text(command_list(), 0),
        other => Output::error(format!("unrecognized command '{other}'\n{}", command_list()), 2),
    }
}

fn command_list() -> String {
    super::usage::ZFS_COMMANDS.to_string()
}

fn usage_error(what: &str, usage: &str) -> Output {
    Output::error(format!("{what}\n{}", usage_text(usage)), 2)
}

/// `usage(B_FALSE)` for one command. Simplified: `get`, `set` and `list`
/// name where the property table is instead of printing it.
fn usage_text(usage: &str) -> String {
    let footer = if ["\tget", "\tset", "\tlist", "\tinherit"].iter().any(|c| usage.starts_with(c)) {
        "For the property list, run: zfs set|get\n"
    } else {
        "For the property list, run: zfs set|get\n\nFor the delegated permission list, run: zfs allow|unallow\n\nFor further help on a command or topic, run: zfs help [<topic>]\n"
    };
    format!("usage:\n{usage}\n{footer}")
}

/// Why `zfs_nicestrtonum` refuses a size (libzfs' aux message).
fn size_error(text: &str) -> String {
    if !text.starts_with(|c: char| c.is_ascii_digit() || c == '.') {
        return format!("bad numeric value '{text}'");
    }
    let suffix = text.trim_start_matches(|c: char| c.is_ascii_digit() || c == '.');
    let known = suffix.is_empty() || matches!(suffix.to_ascii_uppercase().as_str(), "B" | "K" | "M" | "G" | "T" | "P" | "E" | "Z" | "KB" | "MB" | "GB" | "TB" | "PB" | "EB" | "ZB" | "KIB" | "MIB" | "GIB" | "TIB" | "PIB" | "EIB" | "ZIB");
    if known {
        "numeric value is too large".into()
    } else {
        format!("invalid numeric suffix '{suffix}'")
    }
}

fn bad_option(c: char, usage: &str) -> Output {
    usage_error(&format!("invalid option '{c}'"), usage)
}

fn pool_of(name: &str) -> &str {
    name.split(['/', '@']).next().unwrap_or(name)
}

/// A name's dataset and pool, or ZFS's "cannot open" error.
fn open<'a>(m: &'a Machine, name: &str) -> Result<&'a Pool, String> {
    let missing = || format!("cannot open '{name}': dataset does not exist\n");
    let pool = m.zfs().pool(pool_of(name)).ok_or_else(missing)?;
    pool.space(name).map(|_| pool).ok_or_else(missing)
}

const CREATE_USAGE: &str = "\tcreate [-Pnpuv] [-o property=value] ... <filesystem>\n\tcreate [-Pnpsv] [-b blocksize] [-o property=value] ... -V <size> <volume>\n";

fn create(m: &mut Machine, args: &[String]) -> Output {
    let (opts, operands) = match getopt(args, "psnuvP", "Vbo") {
        Ok(v) => v,
        Err(c) => return bad_option(c, CREATE_USAGE),
    };
    let [name] = operands.as_slice() else {
        let missing = if opts.iter().any(|o| o.0 == 'V') { "missing volume argument" } else { "missing filesystem argument" };
        return usage_error(if operands.is_empty() { missing } else { "too many arguments" }, CREATE_USAGE);
    };
    let given: Vec<&str> = opts.iter().filter(|o| o.0 == 'o').map(|o| o.1.split('=').next().unwrap_or("")).collect();
    if let Some(twice) = given.iter().enumerate().find_map(|(i, p)| given[..i].contains(p).then_some(p)) {
        return Output::error(format!("property '{twice}' specified multiple times\n"), 1);
    }
    let mut props = Props::default();
    let volume = opts.iter().any(|o| o.0 == 'V');
    let (mut volsize, mut volblocksize) = (None, None);
    for (c, v) in &opts {
        let r = match c {
            'V' => parse_size(v).map(|s| volsize = Some(s)).ok_or_else(|| format!("bad volume size '{v}': {}\n", size_error(v))),
            'b' => parse_size(v).map(|s| volblocksize = Some(s)).ok_or_else(|| format!("bad volume block size '{v}': {}\n", size_error(v))),
            'o' => create_prop(&mut props, name, volume, v, &mut volblocksize),
            _ => Ok(()),
        };
        if let Err(e) = r {
            return Output::error(e, 1);
        }
    }
    let sparse = opts.iter().any(|o| o.0 == 's');
    if sparse && volsize.is_none() {
        return usage_error("'-s' and '-b' can only be used when creating a volume", CREATE_USAGE);
    }
    if volsize == Some(0) {
        return Output::error(format!("cannot create '{name}': volume size cannot be zero\n"), 1);
    }
    let what = match volsize {
        // zfs_do_create rounds a volume up to whole blocks (P2ROUNDUP).
        Some(size_bytes) => {
            let block = volblocksize.unwrap_or(16 << 10);
            let size_bytes = if block.is_power_of_two() { size_bytes.checked_next_multiple_of(block).unwrap_or(size_bytes) } else { size_bytes };
            NewDataset::Volume { size_bytes, volblocksize, sparse }
        }
        None => NewDataset::Filesystem,
    };
    // For a volume zfs_do_create opens the pool first (for its block size).
    if volsize.is_some() && m.zfs().pool(pool_of(name)).is_none() {
        return Output::error(format!("cannot open '{}': no such pool\n", pool_of(name)), 1);
    }
    if let Some(why) = new_name_error(m, name) {
        return Output::error(format!("cannot create '{name}': {why}\n"), 1);
    }
    let mut events = Vec::new();
    if opts.iter().any(|o| o.0 == 'p') {
        // `-p`: missing parents are made as plain filesystems, and a target
        // that already exists is success.
        if m.zfs().pool(pool_of(name)).is_some_and(|p| p.dataset(name).is_some()) {
            return Output::default();
        }
        let parts: Vec<&str> = name.split('/').collect();
        for i in 2..parts.len() {
            let parent = parts[..i].join("/");
            if m.zfs().pool(pool_of(name)).is_some_and(|p| p.dataset(&parent).is_none()) {
                match m.zfs_create(&parent, NewDataset::Filesystem, Props::default()) {
                    Ok(e) => events.extend(e),
                    Err(e) => return Output::error(format!("cannot create '{parent}': {}\n", e.to_string().rsplit(": ").next().unwrap_or("")), 1),
                }
            }
        }
    }
    let r = m.zfs_create(name, what, props).map(|e| [events, e].concat()).map_err(|e| match e {
        ZfsError::NoSpace => format!("cannot create '{name}': out of space\n"),
        ZfsError::BadProperty { why, .. } => format!("cannot create '{name}': {why}\n"),
        other => message(&other),
    });
    outcome(r, String::new())
}

const CLONE_USAGE: &str = "\tclone [-p] [-o property=value] ... <snapshot> <filesystem|volume>\n";

/// `zfs clone [-o prop=val]... SNAPSHOT NAME`: a dataset that starts as the
/// snapshot's tree. Simplified: `-p` (make missing parents) is refused.
fn clone(m: &mut Machine, args: &[String]) -> Output {
    let (opts, operands) = match getopt(args, "p", "o") {
        Ok(v) => v,
        Err(c) => return bad_option(c, CLONE_USAGE),
    };
    let (origin, name) = match operands.as_slice() {
        [] => return usage_error("missing source dataset argument", CLONE_USAGE),
        [_] => return usage_error("missing target dataset argument", CLONE_USAGE),
        [o, n] => (o.as_str(), n.as_str()),
        _ => return usage_error("too many arguments", CLONE_USAGE),
    };
    if opts.iter().any(|o| o.0 == 'p') {
        return Output::error("the lab does not model 'zfs clone -p'\n", 1);
    }
    let Some((head, snap)) = origin.split_once('@') else {
        return Output::error(format!("cannot open '{origin}': missing '@' delimiter in snapshot name\n"), 1);
    };
    if m.zfs().pool(pool_of(head)).and_then(|p| p.dataset(head)).and_then(|d| d.snapshot(snap)).is_none() {
        return Output::error(format!("cannot open '{origin}': dataset does not exist\n"), 1);
    }
    let parent = name.rsplit_once('/').and_then(|(p, _)| m.zfs().pool(pool_of(name))?.dataset(p));
    let why = new_name_error(m, name).or_else(|| parent.is_some_and(|p| p.is_volume()).then(|| "parent is not a filesystem".into()));
    if let Some(why) = why {
        return Output::error(format!("cannot create '{name}': {why}\n"), 1);
    }
    let volume = m.zfs().pool(pool_of(head)).and_then(|p| p.dataset(head)).is_some_and(|d| d.is_volume());
    let mut props = Props::default();
    let mut unused = None;
    for (_, v) in opts.iter().filter(|o| o.0 == 'o') {
        let p = canonical(v.split('=').next().unwrap_or(""));
        let fs_only = matches!(p, "mountpoint" | "recordsize" | "quota" | "refquota" | "canmount" | "atime" | "exec" | "setuid" | "devices" | "snapdir" | "acltype" | "relatime");
        if (volume && fs_only) || (!volume && p == "volblocksize") {
            return Output::error(format!("cannot create '{name}': '{p}' does not apply to datasets of this type\n"), 1);
        }
        if let Err(e) = create_prop(&mut props, name, volume, v, &mut unused) {
            return Output::error(e, 1);
        }
    }
    outcome(m.zfs_clone(origin, name, props).map_err(|e| message(&e)), String::new())
}

/// Why a new dataset cannot take `name` (`zfs create`, `zfs clone`):
/// `zfs_validate_name`, then `check_parents`' name below a pool, then
/// the pool.
fn new_name_error(m: &Machine, name: &str) -> Option<String> {
    if let Some(why) = name_error(name, false) {
        return Some(why);
    }
    if !name.contains('/') {
        return Some("missing dataset name".into());
    }
    if m.zfs().pool(pool_of(name)).is_none() {
        return Some(format!("no such pool '{}'", pool_of(name)));
    }
    None
}

/// libzfs' `zfs_validate_name` for a name being made (`modifying`): its
/// aux text, for a dataset or (`snapshot`) a snapshot.
fn name_error(name: &str, snapshot: bool) -> Option<String> {
    let why = if !snapshot && name.contains('@') {
        "snapshot delimiter '@' is not expected here"
    } else if snapshot && !name.contains('@') {
        "missing '@' delimiter in snapshot name"
    } else if name.contains('#') {
        "bookmark delimiter '#' is not expected here"
    } else if name.contains('%') {
        "invalid character % in name"
    } else {
        return entity_namecheck(name);
    };
    Some(why.into())
}

/// zfs_namecheck.c's `entity_namecheck`: component by component, as
/// libzfs words each reason.
fn entity_namecheck(path: &str) -> Option<String> {
    let b = path.as_bytes();
    let why = |s: &str| Some(s.to_string());
    if b.len() >= 256 {
        return why("name is too long");
    }
    if path.starts_with('/') {
        return why("leading slash in name");
    }
    let (mut start, mut delimited) = (0, false);
    loop {
        let end = start + b[start..].iter().position(|c| matches!(c, b'/' | b'@' | b'#')).unwrap_or(b.len() - start);
        if end == b.len() && b.last() == Some(&b'/') {
            return why("trailing slash in name");
        }
        if let Some(c) = path[start..end].chars().find(|c| !(c.is_ascii_alphanumeric() || "-_.: %".contains(*c))) {
            return Some(format!("invalid character '{c}' in name"));
        }
        let component = &path[start..end];
        if end == b.len() || b[end] == b'/' {
            match component {
                "." => return why("self reference, '.' is found in name"),
                ".." => return why("parent reference, '..' is found in name"),
                _ => {}
            }
        }
        if end < b.len() && b[end] != b'/' {
            if delimited {
                return why("multiple '@' and/or '#' delimiters in name");
            }
            delimited = true;
        }
        if start == end {
            return why("empty component or misplaced '@' or '#' delimiter in name");
        }
        if end == b.len() {
            return None;
        }
        if b[end] == b'/' && delimited {
            return why("trailing slash in name");
        }
        start = end + 1;
    }
}

fn create_prop(props: &mut Props, name: &str, volume: bool, text: &str, volblocksize: &mut Option<u64>) -> Result<(), String> {
    let (p, v) = text.split_once('=').ok_or_else(|| "missing '=' for property=value argument\n".to_string())?;
    match p {
        "checksum" => props.checksum = Some(checksum(v).ok_or_else(|| format!("bad checksum value '{v}'\n"))?),
        "recordsize" | "recsize" => props.recordsize = Some(parse_size(v).ok_or_else(|| format!("bad recordsize value '{v}'\n"))?),
        "copies" => props.copies = Some(v.parse().ok().filter(|c| (1..=3).contains(c)).ok_or_else(|| format!("bad copies value '{v}'\n"))?),
        "mountpoint" if !mountpoint_ok(v) => return Err(format!("cannot create '{name}': 'mountpoint' must be an absolute path, 'none', or 'legacy'\n")),
        "mountpoint" => props.mountpoint = Some(v.to_string()),
        "volblocksize" | "volblock" => *volblocksize = Some(parse_size(v).ok_or_else(|| format!("bad volblocksize value '{v}'\n"))?),
        "quota" | "refquota" | "reservation" | "reserv" | "refreservation" | "refreserv" => {
            let p = canonical(p);
            if volume && p.ends_with("quota") {
                return Err(format!("cannot create '{name}': '{p}' does not apply to datasets of this type\n"));
            }
            let bytes = match (v, parse_size(v)) {
                ("none", _) => 0,
                (_, None) => return Err(format!("cannot create '{name}': {}\n", size_error(v))),
                (_, Some(0)) if p.ends_with("quota") => return Err(format!("cannot create '{name}': use 'none' to disable quota/refquota\n")),
                (_, Some(n)) => n,
            };
            let l = &mut props.limits;
            *match p {
                "quota" => &mut l.quota,
                "refquota" => &mut l.refquota,
                "reservation" => &mut l.reservation,
                _ => &mut props.refreservation,
            } = Some(bytes);
        }
        _ => {
            let kind = if volume { VOL } else { FS };
            let value = crate::core::machine::zfs::stored_value(canonical(p), v, kind).map_err(|why| format!("cannot create '{name}': {why}\n"))?;
            props.set_stored(canonical(p), value);
        }
    }
    Ok(())
}

fn checksum(v: &str) -> Option<ChecksumAlg> {
    match v {
        "on" | "fletcher4" => Some(ChecksumAlg::Fletcher4),
        "sha256" => Some(ChecksumAlg::Sha256),
        _ => None,
    }
}

const DESTROY_USAGE: &str = "\tdestroy [-fnpRrv] <filesystem|volume>\n\tdestroy [-dnpRrv] <filesystem|volume>@<snap>[%<snap>][,...]\n\tdestroy <filesystem|volume>#<bookmark>\n";

fn destroy(m: &mut Machine, args: &[String]) -> Output {
    let (opts, operands) = match getopt(args, "dfnpRrv", "") {
        Ok(v) => v,
        Err(c) => return bad_option(c, DESTROY_USAGE),
    };
    let [name] = operands.as_slice() else {
        return usage_error(if operands.is_empty() { "missing dataset argument" } else { "too many arguments" }, DESTROY_USAGE);
    };
    let recursive = opts.iter().any(|o| matches!(o.0, 'r' | 'R'));
    let has = |c: char| opts.iter().any(|o| o.0 == c);
    let dependents = has('R');
    if let Some((fs, spec)) = name.split_once('@') {
        if let Err(e) = open(m, fs) {
            return Output::error(e, 1);
        }
        // `gather_snapshots`: with -r, each descendant's snapshots of that
        // name too, the parent's before its children's.
        let mut from = vec![fs.to_string()];
        if recursive {
            let below = format!("{fs}/");
            let pool = m.zfs().pool(pool_of(fs));
            let mut children: Vec<String> = pool.map(|p| p.datasets.iter().map(|d| d.name.clone()).filter(|n| n.starts_with(&below)).collect()).unwrap_or_default();
            children.sort();
            from.extend(children);
        }
        let snaps: Vec<String> = from.iter().flat_map(|ds| snapshots_named(m, ds, spec)).collect();
        if snaps.is_empty() {
            return Output::error("could not find any snapshots to destroy; check snapshot names.\n", 1);
        }
        let text = if has('v') || has('p') { destroy_listing(m, name, &snaps, has('n'), has('p')) } else { String::new() };
        if has('n') {
            return Output::text(text, 0);
        }
        // Every snapshot is checked before any goes: one refusal stops all.
        // With -d one that clones depend on is only marked for a deferred
        // destroy (the lab keeps no mark: it stays).
        let deferred = |snap: &String| has('d') && matches!(m.destroy_plan(snap, false, false), Err(ZfsError::HasClones { .. }));
        let snaps: Vec<String> = snaps.iter().filter(|s| !deferred(s)).cloned().collect();
        let refusals: String = snaps.iter().filter_map(|snap| m.destroy_plan(snap, false, dependents).err()).map(|e| clones_refusal(e, "snapshot")).collect();
        if !refusals.is_empty() {
            return Output::error(refusals, 1);
        }
        let mut out = Output::text(text, 0);
        for snap in snaps.iter().rev() {
            out.append(outcome(m.destroy(snap, false, dependents).map_err(|e| clones_refusal(e, "snapshot")), String::new()));
        }
        return out;
    }
    if let Err(e) = open(m, name) {
        return Output::error(e, 1);
    }
    if !recursive && !name.contains(['/', '@']) {
        return Output::error(format!("cannot destroy '{name}': operation does not apply to pools\nuse 'zfs destroy -r {name}' to destroy all datasets in the pool\nuse 'zpool destroy {name}' to destroy the pool itself\n"), 1);
    }
    let kind = if m.zfs().pool(pool_of(name)).and_then(|p| p.dataset(name)).is_some_and(|d| d.is_volume()) { "volume" } else { "filesystem" };
    let refusal = |e: ZfsError| match e {
        ZfsError::HasChildren { children, .. } if !children.is_empty() => {
            format!("cannot destroy '{name}': {kind} has children\nuse '-r' to destroy the following datasets:\n{}\n", children.join("\n"))
        }
        other => clones_refusal(other, kind),
    };
    let plan = match m.destroy_plan(name, recursive, dependents) {
        Ok(plan) => plan,
        Err(e) => return Output::error(refusal(e), 1),
    };
    let text = if has('v') || has('p') { destroy_listing(m, name, &plan, has('n'), has('p')) } else { String::new() };
    if has('n') {
        return Output::text(text, 0);
    }
    outcome(m.destroy(name, recursive, dependents).map_err(refusal), text)
}

/// `destroy_check_dependent`'s refusal when clones depend on what goes.
fn clones_refusal(e: ZfsError, kind: &str) -> String {
    match e {
        ZfsError::HasClones { dataset, clones } => format!("cannot destroy '{dataset}': {kind} has dependent clones\nuse '-R' to destroy the following datasets:\n{}\n", clones.join("\n")),
        other => message(&other),
    }
}

/// The snapshots of `fs` that `spec` names (`zfs_iter_snapspec`): names
/// separated by commas, `a%b` every snapshot from a to b in creation order
/// (an empty end: the first or the last); names that do not exist are
/// skipped.
fn snapshots_named(m: &Machine, fs: &str, spec: &str) -> Vec<String> {
    let Some(ds) = m.zfs().pool(pool_of(fs)).and_then(|p| p.dataset(fs)) else { return Vec::new() };
    let mut order: Vec<&crate::core::zfs::Snapshot> = ds.snapshots.iter().collect();
    order.sort_by_key(|s| s.txg);
    let at = |n: &str| order.iter().position(|s| s.name == n);
    let mut chosen: Vec<usize> = Vec::new();
    for item in spec.split(',') {
        match item.split_once('%') {
            Some((a, b)) => {
                let lo = if a.is_empty() { Some(0) } else { at(a) };
                let hi = if b.is_empty() { order.len().checked_sub(1) } else { at(b) };
                if let (Some(lo), Some(hi)) = (lo, hi) {
                    chosen.extend(lo..=hi);
                }
            }
            None => chosen.extend(at(item)),
        }
    }
    chosen.sort_unstable();
    chosen.dedup();
    chosen.into_iter().map(|i| format!("{fs}@{}", order[i].name)).collect()
}

/// `-v` (`-p`: tab-separated): each dataset and snapshot destroyed, and for
/// snapshots the space they free (`destroy_callback`, `snapshot_to_nvl_cb`).
fn destroy_listing(m: &Machine, name: &str, plan: &[String], dry_run: bool, parsable: bool) -> String {
    let verb = if dry_run { "would" } else { "will" };
    let mut text: String = plan.iter().map(|d| if parsable { format!("destroy\t{d}\n") } else { format!("{verb} destroy {d}\n") }).collect();
    if name.contains('@') {
        let pool = m.zfs().pool(pool_of(name));
        let used: u64 = plan.iter().filter_map(|d| pool.and_then(|p| p.space(d))).map(|s| s.used).sum();
        text.push_str(&if parsable { format!("reclaim\t{used}\n") } else { format!("{verb} reclaim {}\n", nicenum(used, true)) });
    }
    text
}

fn snapshot(m: &mut Machine, args: &[String]) -> Output {
    let usage = "\tsnapshot [-r] [-o property=value] ... <filesystem|volume>@<snap> ...\n";
    let (opts, names) = match getopt(args, "r", "o") {
        Ok(v) => v,
        Err(c) => return bad_option(c, usage),
    };
    if names.is_empty() {
        return usage_error("missing snapshot argument", usage);
    }
    let recursive = opts.iter().any(|o| o.0 == 'r');
    // zfs_do_snapshot opens every dataset first; zfs_snapshot_nvl checks
    // every name; then one ioctl makes all the snapshots or none.
    for name in &names {
        match name.split_once('@') {
            None => return Output::error(usage_text(usage), 2),
            Some((ds, _)) if open(m, ds).is_err() => return Output::error(format!("cannot open '{ds}': dataset does not exist\n{}", usage_text(usage)), 2),
            Some(_) => {}
        }
    }
    let none_made = if recursive || names.len() > 1 { "no snapshots were created\n" } else { "" };
    if let Some((name, why)) = names.iter().find_map(|n| name_error(n, true).map(|why| (n, why))) {
        return Output::error(format!("cannot create snapshot '{name}': {why}\n{none_made}"), 1);
    }
    let datasets: Vec<&str> = names.iter().filter_map(|n| n.split_once('@').map(|p| p.0)).collect();
    if datasets.iter().enumerate().any(|(i, d)| datasets[..i].contains(d)) {
        return Output::error(format!("cannot create snapshots : multiple snapshots of same fs not allowed\n{none_made}"), 1);
    }
    // One name is one transaction already; several need the state to go back to.
    let before = (names.len() > 1).then(|| m.clone());
    let mut events = Vec::new();
    for name in &names {
        match m.zfs_snapshot(name, recursive) {
            Ok(e) => events.extend(e),
            Err(e) => {
                if let Some(before) = before {
                    *m = before;
                }
                let why = match e {
                    ZfsError::DatasetExists(snap) => format!("cannot create snapshot '{snap}': dataset already exists\n"),
                    ZfsError::NoSpace => format!("cannot create snapshot '{name}': out of space\n"),
                    other => message(&other),
                };
                return Output::error(format!("{why}{none_made}"), 1);
            }
        }
    }
    Output { events, ..Output::default() }
}

fn rollback(m: &mut Machine, args: &[String]) -> Output {
    let usage = "\trollback [-rRf] <snapshot>\n";
    let (opts, operands) = match getopt(args, "rRf", "") {
        Ok(v) => v,
        Err(c) => return bad_option(c, usage),
    };
    let [name] = operands.as_slice() else {
        return usage_error(if operands.is_empty() { "missing dataset argument" } else { "too many arguments" }, usage);
    };
    if !name.contains('@') {
        return Output::error(format!("cannot open '{name}': missing '@' delimiter in snapshot name\n"), 1);
    }
    if let Err(e) = open(m, name) {
        return Output::error(e, 1);
    }
    let recursive = opts.iter().any(|o| matches!(o.0, 'r' | 'R'));
    let r = m.rollback(name, recursive, opts.iter().any(|o| o.0 == 'R')).map_err(|e| match e {
        ZfsError::MoreRecentSnapshots { target, snapshots } => format!(
            "cannot rollback to '{target}': more recent snapshots or bookmarks exist\nuse '-r' to force deletion of the following snapshots and bookmarks:\n{}\n",
            snapshots.join("\n")
        ),
        ZfsError::HasClones { dataset, clones } => format!("cannot rollback to '{dataset}': clones of previous snapshots exist\nuse '-R' to force deletion of the following clones and dependents:\n{}\n", clones.join("\n")),
        other => message(&other),
    });
    outcome(r, String::new())
}

fn set(m: &mut Machine, args: &[String]) -> Output {
    let usage = "\tset [-u] <property=value> ... <filesystem|volume|snapshot> ...\n";
    let operands = match getopt(args, "u", "") {
        Ok(v) => v.1,
        Err(c) => return bad_option(c, usage),
    };
    let Some(name) = operands.last().filter(|_| operands.len() >= 2) else {
        return usage_error(if operands.is_empty() { "missing arguments" } else { "missing dataset name(s)" }, usage);
    };
    let mut out = Output::default();
    for pair in &operands[..operands.len() - 1] {
        let Some((p, v)) = pair.split_once('=') else {
            return Output::error("missing '=' for property=value argument\n", 2);
        };
        let p = canonical(p);
        if let Err(e) = open(m, name) {
            return Output::error(e, 1);
        }
        if name.contains('@') && !is_user_property(p) {
            return Output::error(format!("cannot set property for '{name}': this property can not be modified for snapshots\n"), 1);
        }
        let value = match p {
            "recordsize" => parse_size(v).map(|n| n.to_string()).unwrap_or_else(|| v.to_string()),
            "quota" | "refquota" | "reservation" | "volsize" if v == "auto" => {
                return Output::error(format!("cannot set property for '{name}': 'auto' is invalid value for '{given}'\n", given = pair.split_once('=').map_or(p, |x| x.0)), 1)
            }
            "mountpoint" if !mountpoint_ok(v) => {
                return Output::error(format!("cannot set property for '{name}': 'mountpoint' must be an absolute path, 'none', or 'legacy'\n"), 1);
            }
            "volsize" => match volsize(m, name, v) {
                Ok(n) => n.to_string(),
                Err(why) => return Output::error(format!("cannot set property for '{name}': {why}\n"), 1),
            },
            "refreservation" if v == "auto" => match auto_refreservation(m, name) {
                Some(n) => n.to_string(),
                None => return Output::error(format!("cannot set property for '{name}': 'refreservation=auto' only allowed on volumes\n"), 1),
            },
            "quota" | "refquota" | "reservation" | "refreservation" if v != "none" => match parse_size(v) {
                None => return Output::error(format!("cannot set property for '{name}': {}\n", size_error(v)), 1),
                Some(0) if p.ends_with("quota") => return Output::error(format!("cannot set property for '{name}': use 'none' to disable quota/refquota\n"), 1),
                Some(n) => n.to_string(),
            },
            _ => v.to_string(),
        };
        if p == "checksum" && checksum(v).is_none() {
            let list = "'checksum' must be one of 'on | off | fletcher2 | fletcher4 | sha256 | sha512 | skein | edonr | blake3'";
            if matches!(v, "off" | "fletcher2" | "sha512" | "skein" | "edonr" | "blake3" | "noparity") {
                return Output::error(format!("cannot set property for '{name}': the lab models checksum=fletcher4 and sha256 only\n"), 1);
            }
            return Output::error(format!("cannot set property for '{name}': {list}\n"), 1);
        }
        let value = if p == "checksum" && v == "on" { "fletcher4".to_string() } else { value };
        let r = m.zfs_set(name, p, &value).map_err(|e| match e {
            ZfsError::BadProperty { why, .. } => format!("cannot set property for '{name}': {why}\n"),
            other => message(&other),
        });
        out.append(outcome(r, String::new()));
    }
    out
}

/// `zfs_valid_proplist`'s mountpoint check (`mountpoint_namecheck`).
fn mountpoint_ok(v: &str) -> bool {
    v.starts_with('/') || v == "none" || v == "legacy"
}

/// `refreservation=auto`: `zvol_volsize_to_reservation` of a volume's size.
fn auto_refreservation(m: &Machine, name: &str) -> Option<u64> {
    let pool = m.zfs().pool(pool_of(name))?;
    match pool.dataset(name)?.kind {
        DatasetKind::Volume { size_bytes, volblocksize } => Some(crate::core::zfs::dsl::volsize_to_reservation(size_bytes, volblocksize, u64::from(pool.copies_of(name)))),
        DatasetKind::Filesystem => None,
    }
}

/// A new `volsize` in bytes, checked as libzfs checks it
/// (`zfs_valid_proplist`).
fn volsize(m: &Machine, name: &str, text: &str) -> Result<u64, String> {
    let n = parse_size(text).ok_or_else(|| size_error(text))?;
    let ds = m.zfs().pool(crate::core::machine::pool_of(name)).and_then(|p| p.dataset(name));
    let Some(DatasetKind::Volume { volblocksize, .. }) = ds.map(|d| d.kind.clone()) else {
        return Err("'volsize' does not apply to datasets of this type".into());
    };
    if n % volblocksize != 0 {
        return Err(format!("'volsize' must be a multiple of volume block size ({})", nicenum(volblocksize, true)));
    }
    if n == 0 {
        return Err("'volsize' cannot be zero".into());
    }
    Ok(n)
}

const RENAME_USAGE: &str = "\trename [-f] <filesystem|volume|snapshot> <filesystem|volume|snapshot>\n\trename -p [-f] <filesystem|volume> <filesystem|volume>\n\trename -u [-f] <filesystem> <filesystem>\n\trename -r <snapshot> <snapshot>\n";

/// `zfs rename [-f] OLD NEW`: a dataset (with its descendants) or a
/// snapshot, with `zfs_rename`'s checks. Simplified: no `-p`, `-u` or `-r`.
fn rename(m: &mut Machine, args: &[String]) -> Output {
    let (opts, operands) = match getopt(args, "fpur", "") {
        Ok(v) => v,
        Err(c) => return bad_option(c, RENAME_USAGE),
    };
    if let Some((c, _)) = opts.iter().find(|o| o.0 != 'f') {
        return Output::error(format!("the lab does not model 'zfs rename -{c}'\n"), 1);
    }
    let (old, new) = match operands.as_slice() {
        [] => return usage_error("missing source dataset argument", RENAME_USAGE),
        [_] => return usage_error("missing target dataset argument", RENAME_USAGE),
        [old, new] => (old.as_str(), new.as_str()),
        _ => return usage_error("too many arguments", RENAME_USAGE),
    };
    if let Err(e) = open(m, old) {
        return Output::error(e, 1);
    }
    let new = match old.split_once('@') {
        Some((ds, _)) if !new.contains('@') => format!("{ds}@{new}"),
        Some((ds, _)) if new.starts_with('@') => format!("{ds}{new}"),
        _ => new.to_string(),
    };
    if old == new {
        return Output::default();
    }
    if let Err(why) = rename_error(m, old, &new) {
        return Output::error(why, 1);
    }
    outcome(m.zfs_rename(old, &new).map_err(|e| message(&e)), String::new())
}

/// Why `zfs_rename` refuses `old` → `new`, in its order of checks.
fn rename_error(m: &Machine, old: &str, new: &str) -> Result<(), String> {
    let to = |why: &str| Err(format!("cannot rename to '{new}': {why}\n"));
    if let Some((ds, _)) = old.split_once('@') {
        if new.split_once('@').map(|n| n.0) != Some(ds) {
            return to("snapshots must be part of same dataset");
        }
        if let Some(why) = name_error(new, true) {
            return to(&why);
        }
    } else {
        if let Some(why) = name_error(new, false) {
            return to(&why);
        }
        // `check_parents`: a name, then its pool, then its parent.
        let Some((parent, _)) = new.rsplit_once('/') else {
            return Err(format!("cannot create '{new}': missing dataset name\n"));
        };
        if m.zfs().pool(pool_of(new)).is_none() {
            return Err(format!("cannot create '{new}': no such pool '{}'\n", pool_of(new)));
        }
        if open(m, parent).is_err() {
            return Err(format!("cannot create '{new}': parent does not exist\n"));
        }
        if pool_of(new) != pool_of(old) || !old.contains('/') {
            return to("datasets must be within same pool");
        }
        if new.starts_with(&format!("{old}/")) {
            return to("New dataset name cannot be a descendant of current dataset name");
        }
    }
    if open(m, new).is_ok() {
        return Err(format!("cannot rename '{old}': dataset already exists\n"));
    }
    if !old.contains('@') && !fits_new_parent(m, old, new) {
        return Err(format!("cannot rename '{old}': out of space\n"));
    }
    Ok(())
}

/// `dsl_dir_transfer_possible`: the dataset's space (at least its
/// reservation) must fit under every quota between its new parent and the
/// ancestor it shares with its old place.
fn fits_new_parent(m: &Machine, old: &str, new: &str) -> bool {
    let Some(pool) = m.zfs().pool(pool_of(old)) else { return true };
    let Some(ds) = pool.dataset(old) else { return true };
    let moved = pool.dir_used(ds).max(ds.props.limits().reservation.unwrap_or(0));
    let mut dir = new.rsplit_once('/').and_then(|(p, _)| pool.dataset(p));
    while let Some(d) = dir.filter(|d| !old.starts_with(&format!("{}/", d.name))) {
        if d.props.limits().quota.filter(|q| *q > 0).is_some_and(|q| pool.dir_used(d) + moved > q) {
            return false;
        }
        dir = d.name.rsplit_once('/').and_then(|(p, _)| pool.dataset(p));
    }
    true
}

const INHERIT_USAGE: &str = "\tinherit [-rS] <property> <filesystem|volume|snapshot> ...\n";

/// `zfs inherit [-r] PROPERTY NAME...`: drops the local value (`-S`, the
/// received value, is the same here: the lab receives no properties).
fn inherit(m: &mut Machine, args: &[String]) -> Output {
    let (opts, operands) = match getopt(args, "rS", "") {
        Ok(v) => v,
        Err(c) => return bad_option(c, INHERIT_USAGE),
    };
    let Some((given, names)) = operands.split_first() else {
        return usage_error("missing property argument", INHERIT_USAGE);
    };
    if names.is_empty() {
        return usage_error("missing dataset argument", INHERIT_USAGE);
    }
    let p = canonical(given);
    let inheritable = matches!(p, "checksum" | "recordsize" | "copies" | "mountpoint") || is_user_property(p) || Stored::named(p).is_some_and(|s| s.inherit);
    if !inheritable {
        return match meta(p) {
            Some(_) if matches!(p, "canmount" | "volsize" | "volblocksize" | "refreservation" | "reservation" | "quota" | "refquota") => Output::error(format!("'{given}' property cannot be inherited\n{}", if matches!(p, "refreservation" | "reservation" | "quota" | "refquota") { format!("use 'zfs set {given}=none' to clear\nuse 'zfs inherit -S {given}' to revert to received value\n") } else { String::new() }), 1),
            Some(_) => Output::error(format!("{given} property is read-only\n"), 1),
            None => usage_error(&format!("invalid property '{given}'"), INHERIT_USAGE),
        };
    }
    let recursive = opts.iter().any(|o| o.0 == 'r');
    let mut out = Output::default();
    for name in names {
        let r = match open(m, name) {
            Ok(_) => m.zfs_inherit(name, p, recursive).map_err(|e| message(&e)),
            Err(e) => Err(e),
        };
        out.append(outcome(r, String::new()));
    }
    out
}

/// A property's full name from its column or short name.
fn canonical(p: &str) -> &str {
    match p {
        "avail" => "available",
        "refer" => "referenced",
        "usedsnap" => "usedbysnapshots",
        "usedds" => "usedbydataset",
        "usedchild" => "usedbychildren",
        "usedrefreserv" => "usedbyrefreservation",
        "compress" => "compression",
        "recsize" => "recordsize",
        "volblock" => "volblocksize",
        "refreserv" => "refreservation",
        "reserv" => "reservation",
        other => other,
    }
}

/// What `zfs list` and `zfs get` know of each property the lab computes or
/// models: its column name, whether it is a number (right-aligned, five
/// characters wide unless `-p`), and the longest of its fixed values. The
/// properties the lab only stores are `props::STORED`.
const PROPS: &[(&str, &str, bool, usize)] = &[
    ("name", "NAME", false, 0),
    ("type", "TYPE", false, 0),
    ("creation", "CREATION", false, 0),
    ("used", "USED", true, 0),
    ("available", "AVAIL", true, 0),
    ("referenced", "REFER", true, 0),
    ("compressratio", "RATIO", true, 0),
    ("mountpoint", "MOUNTPOINT", false, 0),
    ("checksum", "CHECKSUM", false, 9),
    ("copies", "COPIES", false, 1),
    ("recordsize", "RECSIZE", true, 0),
    ("volsize", "VOLSIZE", true, 0),
    ("volblocksize", "VOLBLOCK", true, 0),
    ("quota", "QUOTA", true, 0),
    ("reservation", "RESERV", true, 0),
    ("refquota", "REFQUOTA", true, 0),
    ("refreservation", "REFRESERV", true, 0),
    ("usedbysnapshots", "USEDSNAP", true, 0),
    ("usedbydataset", "USEDDS", true, 0),
    ("usedbychildren", "USEDCHILD", true, 0),
    ("usedbyrefreservation", "USEDREFRESERV", true, 0),
    ("written", "WRITTEN", true, 0),
    ("createtxg", "CREATETXG", true, 0),
    ("origin", "ORIGIN", false, 0),
    ("clones", "CLONES", false, 0),
];

/// `zfs get all`'s properties, in `zfs_prop_t` order.
const ALL: &[&str] = &[
    "type", "creation", "used", "available", "referenced", "compressratio", "origin", "quota", "reservation", "volsize",
    "volblocksize", "recordsize", "mountpoint", "checksum", "compression", "atime", "devices", "exec", "setuid",
    "readonly", "snapdir", "createtxg", "canmount", "copies", "refquota", "refreservation", "primarycache", "secondarycache", "usedbysnapshots", "usedbydataset",
    "usedbychildren", "usedbyrefreservation", "logbias", "dedup", "sync", "written", "clones", "acltype", "relatime",
];

/// A property as a column: its heading, whether it is a number, and the
/// longest of its fixed values (`zprop_width`).
struct Meta {
    name: String,
    heading: String,
    numeric: bool,
    widest: usize,
}

fn meta(p: &str) -> Option<Meta> {
    let name = p.to_string();
    if let Some(&(_, heading, numeric, widest)) = PROPS.iter().find(|x| x.0 == p) {
        return Some(Meta { name, heading: heading.into(), numeric, widest });
    }
    if let Some(s) = Stored::named(p) {
        return Some(Meta { name, heading: s.column.into(), numeric: false, widest: s.width() });
    }
    is_user_property(p).then(|| Meta { name, heading: p.to_ascii_uppercase(), numeric: false, widest: 0 })
}

/// One property of a dataset or snapshot: (value, source), or `None` where
/// it does not apply (a volume's recordsize).
fn prop(pool: &Pool, name: &str, p: &str, literal: bool) -> Option<(String, String)> {
    let space = pool.space(name)?;
    let (head, snap) = match name.split_once('@') {
        Some((h, s)) => (h, Some(s)),
        None => (name, None),
    };
    let ds = pool.dataset(head)?;
    let volume = match ds.kind {
        DatasetKind::Volume { size_bytes, volblocksize } => Some((size_bytes, volblocksize)),
        DatasetKind::Filesystem => None,
    };
    let bytes = |n: u64| if literal { n.to_string() } else { nicenum(n, true) };
    let ro = |v: String| Some((v, "-".to_string()));
    let source = |from: Option<String>| match from {
        None => "default".to_string(),
        Some(f) if f == head && snap.is_none() => "local".to_string(),
        Some(f) if f == head => "-".to_string(),
        Some(f) => format!("inherited from {f}"),
    };
    let snapshot = snap.and_then(|s| ds.snapshot(s));
    match p {
        "name" => ro(name.to_string()),
        "type" => ro(if snap.is_some() { "snapshot" } else if volume.is_some() { "volume" } else { "filesystem" }.into()),
        "creation" => {
            let t = snapshot.map_or(ds.creation_time, |s| s.creation_time);
            ro(if literal { t.to_string() } else { creation(t) })
        }
        "createtxg" => ro(snapshot.map_or(ds.creation_txg, |s| s.txg).to_string()),
        "origin" if snap.is_none() => ro(ds.origin.as_ref().map_or("-".into(), |o| o.snapshot.clone())),
        "clones" if snap.is_some() => ro(match pool.clones_of(&[name.to_string()]) {
            c if c.is_empty() => "-".into(),
            c => c.join(","),
        }),
        "origin" | "clones" => None,
        "used" => ro(bytes(space.used)),
        "available" => ro(space.available.map_or("-".into(), bytes)),
        "referenced" => ro(bytes(space.referenced)),
        "compressratio" => ro(if literal { "1.00".into() } else { "1.00x".into() }),
        "written" => ro(bytes(space.written)),
        "usedbysnapshots" | "usedbydataset" | "usedbychildren" | "usedbyrefreservation" if snap.is_some() => None,
        "usedbysnapshots" => ro(bytes(space.usedbysnapshots)),
        "usedbydataset" => ro(bytes(space.usedbydataset)),
        "usedbychildren" => ro(bytes(space.usedbychildren)),
        "usedbyrefreservation" => ro(bytes(space.usedbyrefreservation)),
        "mountpoint" if volume.is_some() => None,
        "mountpoint" if snap.is_some() => ro("-".into()),
        "mountpoint" => Some((pool.mountpoint_of(head), source(pool.inherited(head, |p| p.mountpoint.clone()).map(|v| v.1)))),
        "checksum" if snap.is_some() => None,
        "checksum" => {
            let from = pool.inherited(head, |p| p.checksum).map(|v| v.1);
            let value = if from.is_none() { "on".into() } else { checksum_name(pool.checksum_of(head)).into() };
            Some((value, source(from)))
        }
        "copies" if snap.is_some() => None,
        "copies" => Some((pool.copies_of(head).to_string(), source(pool.inherited(head, |p| p.copies).map(|v| v.1)))),
        "recordsize" if volume.is_some() || snap.is_some() => None,
        "recordsize" => Some((bytes(pool.recordsize_of(head)), source(pool.inherited(head, |p| p.recordsize).map(|v| v.1)))),
        "volsize" => volume.map(|v| (bytes(v.0), if snap.is_some() { "-".into() } else { "local".into() })),
        "volblocksize" => volume.map(|v| (bytes(v.1), if snap.is_some() { "-".into() } else { "default".into() })),
        "refreservation" | "reservation" if snap.is_some() => None,
        "quota" | "refquota" if snap.is_some() || volume.is_some() => None,
        "refreservation" | "reservation" | "quota" | "refquota" => {
            let l = ds.props.limits();
            let set = match p {
                "quota" => l.quota,
                "refquota" => l.refquota,
                "reservation" => l.reservation,
                _ => ds.props.refreservation,
            };
            let value = match set.unwrap_or(0) {
                0 if !literal => "none".into(),
                n => bytes(n),
            };
            Some((value, if set.is_some() { "local" } else { "default" }.into()))
        }
        p if is_user_property(p) => Some(match pool.inherited(head, |x| x.stored(p).cloned()) {
            Some((v, from)) => (v, source(Some(from))),
            None => ("-".into(), "-".into()),
        }),
        p => {
            let s = Stored::named(p)?;
            let kind = if snap.is_some() { SNAP } else if volume.is_some() { VOL } else { FS };
            if s.applies & kind == 0 {
                return None;
            }
            let set = if s.inherit { pool.inherited(head, |x| x.stored(p).cloned()) } else { ds.props.stored(p).map(|v| (v.clone(), head.to_string())) };
            Some(match set {
                Some((v, from)) => (v, source(Some(from))),
                None => (s.default.into(), "default".into()),
            })
        }
    }
}

fn checksum_name(a: ChecksumAlg) -> &'static str {
    match a {
        ChecksumAlg::Sha256 => "sha256",
        _ => "fletcher4",
    }
}

/// `strftime("%a %b %e %k:%M %Y")` in UTC.
fn creation(secs: u64) -> String {
    const DAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
    const MONTHS: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
    let (y, mo, d, h, mi, _) = crate::console::fmt::civil(secs);
    format!("{} {} {d:>2} {h:>2}:{mi:02} {y}", DAYS[(secs / 86400 % 7) as usize], MONTHS[(mo as usize).saturating_sub(1) % 12])
}

/// The datasets `zfs list` and `zfs get` visit: the named ones (or every
/// one), their descendants with `-r` down to `depth` levels below, and
/// snapshots (one level below their dataset) when `types` has them; sorted
/// as `zfs_compare` sorts (by name, snapshots by txg).
fn visit(m: &Machine, names: &[String], recursive: bool, depth: usize, types: &[&str]) -> Result<Vec<String>, String> {
    let mut out: Vec<(String, u64)> = Vec::new();
    let want = |t: &str| types.contains(&t) || types.contains(&"all");
    let all = names.is_empty();
    for pool in &m.zfs().pools {
        for ds in &pool.datasets {
            let root = if all { Some(&pool.name) } else { names.iter().find(|n| **n == ds.name || recursive && ds.name.starts_with(&format!("{n}/"))) };
            let Some(root) = root else { continue };
            let below = ds.name.matches('/').count() - root.matches('/').count();
            if below > depth {
                continue;
            }
            let t = if ds.is_volume() { "volume" } else { "filesystem" };
            if want(t) || !all && names.contains(&ds.name) && !types.contains(&"snapshot") {
                out.push((ds.name.clone(), 0));
            }
            let snaps_wanted = want("snapshot") && (all || recursive || names.contains(&ds.name)) && below < depth;
            if snaps_wanted {
                out.extend(ds.snapshots.iter().map(|s| (format!("{}@{}", ds.name, s.name), s.txg)));
            }
        }
    }
    for n in names.iter().filter(|n| n.contains('@')) {
        open(m, n)?;
        out.push((n.clone(), 0));
    }
    for n in names.iter().filter(|n| !n.contains('@')) {
        open(m, n)?;
    }
    out.sort_by(|a, b| {
        let (ah, bh) = (a.0.split('@').next().unwrap_or(""), b.0.split('@').next().unwrap_or(""));
        ah.cmp(bh).then(a.0.contains('@').cmp(&b.0.contains('@'))).then(a.1.cmp(&b.1))
    });
    out.dedup_by(|a, b| a.0 == b.0);
    Ok(out.into_iter().map(|o| o.0).collect())
}

fn types_arg(v: &str) -> Result<Vec<&str>, String> {
    v.split(',')
        .map(|t| match t {
            "filesystem" | "fs" => Ok("filesystem"),
            "volume" | "vol" => Ok("volume"),
            "snapshot" | "snap" => Ok("snapshot"),
            "all" => Ok("all"),
            "bookmark" => Ok("bookmark"),
            other => Err(format!("invalid type '{other}'\n")),
        })
        .collect()
}

/// `-d N` (which implies `-r`), as `parse_depth` reads it.
fn depth_arg(opts: &[(char, String)], usage: &str) -> Result<usize, Output> {
    match opts.iter().rev().find(|o| o.0 == 'd') {
        None => Ok(usize::MAX),
        Some((_, v)) => match v.parse::<i64>() {
            Ok(d) if d < 0 => Err(usage_error("Depth can not be negative.", usage)),
            Ok(d) => Ok(d as usize),
            Err(_) => Err(usage_error(&format!("{v} is not an integer"), usage)),
        },
    }
}

const LIST_USAGE: &str = "\tlist [-Hp] [-r|-d max] [-o property[,...]] [-s property]...\n\t    [-S property]... [-t type[,...]] [filesystem|volume|snapshot] ...\n";

fn list(m: &mut Machine, args: &[String]) -> Output {
    let (opts, names) = match getopt(args, "Hpr", "otsSd") {
        Ok(v) => v,
        Err(c) => return bad_option(c, LIST_USAGE),
    };
    let has = |c: char| opts.iter().any(|o| o.0 == c);
    let value_of = |c: char| opts.iter().rev().find(|o| o.0 == c).map(|o| o.1.as_str());
    let types = match value_of('t').map(types_arg).unwrap_or(Ok(vec!["filesystem", "volume"])) {
        Ok(t) => t,
        Err(e) => return usage_error(e.trim_end(), LIST_USAGE),
    };
    let mut columns = Vec::new();
    let chosen = value_of('o').map(|o| o.replace("space", "name,available,used,usedbysnapshots,usedbydataset,usedbyrefreservation,usedbychildren"));
    for c in chosen.as_deref().unwrap_or("name,used,available,referenced,mountpoint").split(',').map(canonical) {
        match meta(c) {
            Some(m) => columns.push(m),
            None => return usage_error(&format!("bad property list: invalid property '{c}'"), LIST_USAGE),
        }
    }
    let mut keys = Vec::new();
    for (c, v) in opts.iter().filter(|o| matches!(o.0, 's' | 'S')) {
        match meta(canonical(v)) {
            Some(k) => keys.push((k.name, *c == 'S')),
            None => return usage_error(&format!("invalid property '{v}'"), LIST_USAGE),
        }
    }
    let depth = match depth_arg(&opts, LIST_USAGE) {
        Ok(d) => d,
        Err(out) => return out,
    };
    let literal = has('p');
    let mut visited = match visit(m, &names, has('r') || has('d'), depth, &types) {
        Ok(v) => v,
        Err(e) => return Output::error(e, 1),
    };
    // Scripted mode (`-H`) stays silent.
    if visited.is_empty() && !has('H') {
        return Output::error("no datasets available\n", 0);
    }
    sort_by_keys(m, &mut visited, &keys);
    let rows: Vec<Vec<String>> = visited
        .iter()
        .map(|n| {
            let pool = m.zfs().pool(pool_of(n));
            columns.iter().map(|c| pool.and_then(|p| prop(p, n, &c.name, literal)).map_or("-".to_string(), |v| v.0)).collect()
        })
        .collect();
    let cols = Columns {
        widths: columns.iter().enumerate().map(|(i, c)| width(c, rows.iter().map(|r| r[i].len()), literal)).collect(),
        right: columns.iter().map(|c| c.numeric).collect(),
    };
    let mut out = String::new();
    if !has('H') {
        out.push_str(&cols.line(&columns.iter().map(|c| c.heading.clone()).collect::<Vec<_>>(), false));
    }
    for r in &rows {
        out.push_str(&cols.line(r, has('H')));
    }
    Output::text(out, 0)
}

/// `-s`/`-S` (descending): all rows together, by each key in turn, numbers
/// as numbers; ties keep the name order.
fn sort_by_keys(m: &Machine, names: &mut [String], keys: &[(String, bool)]) {
    if keys.is_empty() {
        return;
    }
    let value = |n: &str, key: &str| m.zfs().pool(pool_of(n)).and_then(|p| prop(p, n, key, true)).map(|v| v.0).unwrap_or_default();
    names.sort_by(|a, b| {
        keys.iter().fold(std::cmp::Ordering::Equal, |order, (key, descending)| {
            order.then_with(|| {
                let (va, vb) = (value(a, key), value(b, key));
                let o = match (va.parse::<u64>(), vb.parse::<u64>()) {
                    (Ok(x), Ok(y)) => x.cmp(&y),
                    _ => va.cmp(&vb),
                };
                if *descending { o.reverse() } else { o }
            })
        })
    });
}

/// `zprop_width`, widened by the values of flexible columns (all with `-p`).
fn width(c: &Meta, values: impl Iterator<Item = usize>, literal: bool) -> usize {
    let base = if c.numeric { c.heading.len().max(5) } else { c.heading.len().max(c.widest) };
    if c.numeric && !literal && c.name != "createtxg" {
        return base;
    }
    values.fold(base, usize::max)
}

const GET_USAGE: &str = "\tget [-rHp] [-d max] [-o \"all\" | field[,...]]\n\t    [-t type[,...]] [-s source[,...]]\n\t    <\"all\" | property[,...]> [filesystem|volume|snapshot|bookmark] ...\n";

/// `zfs get`'s columns (`-o`).
const GET_FIELDS: [&str; 5] = ["name", "property", "value", "received", "source"];

/// `zfs get -s`'s source kinds, and which a row's SOURCE text is.
const SOURCES: [&str; 6] = ["local", "default", "inherited", "temporary", "received", "none"];

fn source_kind(source: &str) -> &'static str {
    match source {
        "local" => "local",
        "default" => "default",
        "-" => "none",
        _ => "inherited",
    }
}

fn get(m: &mut Machine, args: &[String]) -> Output {
    let (opts, operands) = match getopt(args, "rHp", "otsd") {
        Ok(v) => v,
        Err(c) => return bad_option(c, GET_USAGE),
    };
    let has = |c: char| opts.iter().any(|o| o.0 == c);
    let value_of = |c: char| opts.iter().rev().find(|o| o.0 == c).map(|o| o.1.as_str());
    let fields: Vec<usize> = match value_of('o') {
        None => vec![0, 1, 2, 4],
        Some("all") => (0..5).collect(),
        Some(list) if list.split(',').count() > 5 || list.starts_with("all,") => return usage_error("too many fields given to -o option", GET_USAGE),
        Some(list) if list.split(',').any(|f| f == "all") => return usage_error("\"all\" conflicts with specific fields given to -o option", GET_USAGE),
        Some(list) => match list.split(',').map(|f| GET_FIELDS.iter().position(|g| *g == f).ok_or(f)).collect() {
            Ok(v) => v,
            Err(bad) => return usage_error(&format!("invalid column name '{bad}'"), GET_USAGE),
        },
    };
    let sources: Vec<&str> = match value_of('s') {
        None => SOURCES.to_vec(),
        Some(list) => match list.split(',').map(|s| SOURCES.iter().copied().find(|x| *x == s).ok_or(s)).collect() {
            Ok(v) => v,
            Err(bad) => return usage_error(&format!("invalid source '{bad}'"), GET_USAGE),
        },
    };
    let depth = match depth_arg(&opts, GET_USAGE) {
        Ok(d) => d,
        Err(out) => return out,
    };
    let Some((props, names)) = operands.split_first() else {
        return usage_error("missing property argument", GET_USAGE);
    };
    let wanted: Vec<&str> = if props == "all" { ALL.to_vec() } else { props.split(',').map(canonical).collect() };
    if let Some(bad) = wanted.iter().find(|w| meta(w).is_none()) {
        return usage_error(&format!("bad property list: invalid property '{bad}'"), GET_USAGE);
    }
    let recursive = has('r') || has('d');
    let default_types: &[&str] = if recursive { &["filesystem", "volume", "snapshot"] } else { &["filesystem", "volume"] };
    let types = match value_of('t').map(types_arg).unwrap_or(Ok(default_types.to_vec())) {
        Ok(t) => t,
        Err(e) => return usage_error(e.trim_end(), GET_USAGE),
    };
    let literal = has('p');
    let visited = match visit(m, names, recursive, depth, &types) {
        Ok(v) => v,
        Err(e) => return Output::error(e, 1),
    };
    let rows = get_rows(m, &visited, &wanted, props == "all", literal);
    let shown: Vec<&[String; 5]> = rows.iter().filter(|r| sources.contains(&source_kind(&r[4]))).collect();
    let mut out = String::new();
    if !has('H') && !shown.is_empty() {
        let name_w = visited.iter().map(String::len).fold(4, usize::max);
        let value_w = wanted
            .iter()
            .filter_map(|w| meta(w))
            .map(|c| width(&c, rows.iter().filter(|r| r[1] == c.name).map(|r| r[2].len()), literal))
            .fold(5, usize::max);
        let all_widths = [name_w, wanted.iter().map(|w| w.len()).fold(8, usize::max), value_w, 8, name_w + 14];
        let cols = Columns { widths: fields.iter().map(|&f| all_widths[f]).collect(), right: vec![false; fields.len()] };
        out.push_str(&cols.line(&fields.iter().map(|&f| GET_FIELDS[f].to_ascii_uppercase()).collect::<Vec<_>>(), false));
        for r in &shown {
            out.push_str(&cols.line(&fields.iter().map(|&f| r[f].clone()).collect::<Vec<_>>(), false));
        }
    } else {
        for r in &shown {
            out.push_str(&format!("{}\n", fields.iter().map(|&f| r[f].as_str()).collect::<Vec<_>>().join("\t")));
        }
    }
    Output::text(out, 0)
}

/// `[name, property, value, received, source]` for each dataset and
/// property; with `all`, only the properties that apply, then the user
/// properties set on the dataset or above it.
fn get_rows(m: &Machine, visited: &[String], wanted: &[&str], all: bool, literal: bool) -> Vec<[String; 5]> {
    let mut rows = Vec::new();
    for n in visited {
        let Some(pool) = m.zfs().pool(pool_of(n)) else { continue };
        let mut props: Vec<String> = wanted.iter().map(|w| w.to_string()).collect();
        if all {
            let mut user: Vec<String> = pool.datasets.iter().filter(|d| n == &d.name || n.starts_with(&format!("{}/", d.name)) || n.starts_with(&format!("{}@", d.name))).flat_map(|d| d.props.stored.iter().map(|s| s.0.clone()).filter(|k| is_user_property(k))).collect();
            user.sort();
            user.dedup();
            props.extend(user);
        }
        for w in &props {
            match prop(pool, n, w, literal) {
                // `zfs get all` leaves out the origin of a dataset that is no clone, and clones of none.
                Some((value, _)) if all && value == "-" && matches!(w.as_str(), "origin" | "clones") => {}
                Some((value, source)) => rows.push([n.clone(), w.clone(), value, "-".into(), source]),
                None if !all => rows.push([n.clone(), w.clone(), "-".into(), "-".into(), "-".into()]),
                None => {}
            }
        }
    }
    rows
}
