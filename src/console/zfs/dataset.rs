//! `zfs`: create, destroy, snapshot, rollback, set, rename, inherit, clone
//! and version, as `cmd/zfs/zfs_main.c` and libzfs print them (list and get
//! are in `listing`).

use super::{getopt, message, nicenum, outcome, parse_size, VERSION};
use crate::console::{Output, Shell};
use crate::core::machine::{Machine, NewDataset};
use crate::core::zfs::props::{is_user_property, Stored, FS, VOL};
use crate::core::zfs::dsl::{volsize_to_reservation, DEFAULT_VOLBLOCKSIZE};
use crate::core::zfs::{ChecksumAlg, DatasetKind, Pool, Props, ZfsError};
use crate::core::Event;
use super::listing::{canonical, get, list, meta};

pub fn run(shell: &mut Shell, args: &[String]) -> Output {
    let Some((sub, rest)) = args.split_first() else {
        return Output::error(format!("missing command\n{}", command_list()), 2);
    };
    let cwd = shell.cwd.clone();
    let m = &mut shell.machine;
    match sub.as_str() {
        "create" => create(m, rest),
        "destroy" => destroy(m, rest, &cwd),
        "snapshot" | "snap" => snapshot(m, rest),
        "rollback" => rollback(m, rest),
        "list" => list(m, rest),
        "get" => get(m, rest),
        "set" => set(m, rest),
        "inherit" => inherit(m, rest),
        "rename" => rename(m, rest),
        "clone" => clone(m, rest),
        "diff" => super::diff::run(m, rest),
        "bookmark" => super::bookmark::bookmark(m, rest),
        "mount" => super::mount::mount(m, rest),
        "unmount" | "umount" => super::mount::unmount(m, rest, &cwd),
        "promote" => Output::error("the lab does not model 'zfs promote'\n", 1),
        "hold" => super::holds::hold_or_release(m, rest, true),
        "release" => super::holds::hold_or_release(m, rest, false),
        "holds" => super::holds::holds(m, rest),
        "upgrade" => upgrade(m, rest),
        "version" | "-V" | "--version" => Output::text(VERSION, 0),
        "-?" | "--help" | "help" => Output::text(command_list(), 0),
        other => Output::error(format!("unrecognized command '{other}'\n{}", command_list()), 2),
    }
}

fn command_list() -> String {
    super::usage::ZFS_COMMANDS.to_string()
}

pub(super) fn usage_error(what: &str, usage: &str) -> Output {
    Output::error(format!("{what}\n{}", usage_text(usage)), 2)
}

/// `usage(B_FALSE)` for one command: `get`, `set`, `list` and `inherit`
/// end with the table of properties (`usage_prop_cb` over every visible
/// property, read-only ones first, each group by name, as OpenZFS 2.2.6's
/// zfs_prop.c registers them on Linux).
pub(super) fn usage_text(usage: &str) -> String {
    let footer = if ["\tget", "\tset", "\tlist", "\tinherit"].iter().any(|c| usage.starts_with(c)) {
        include_str!("properties_help.txt")
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

pub(super) fn bad_option(c: char, usage: &str) -> Output {
    usage_error(&format!("invalid option '{c}'"), usage)
}

pub(super) fn pool_of(name: &str) -> &str {
    name.split(['/', '@', '#']).next().unwrap_or(name)
}

/// A name's dataset and pool, or ZFS's "cannot open" error.
/// `zfs_open` for a command that takes no bookmark (`zfs_validate_name`).
pub(super) fn open_dataset<'a>(m: &'a Machine, name: &str) -> Result<&'a Pool, String> {
    if name.contains('#') {
        return Err(format!("cannot open '{name}': bookmark delimiter '#' is not expected here\n"));
    }
    open(m, name)
}

pub(super) fn open<'a>(m: &'a Machine, name: &str) -> Result<&'a Pool, String> {
    // A bookmark: its dataset, then the bookmark (EZFS_NOENT's text).
    if let Some((fs, mark)) = name.split_once('#') {
        let pool = open(m, fs).map_err(|_| format!("cannot open '{name}': dataset does not exist\n"))?;
        return match pool.dataset(fs).and_then(|d| d.bookmark(mark)) {
            Some(_) => Ok(pool),
            None => Err(format!("cannot open '{name}': no such pool or dataset\n")),
        };
    }
    // `zfs_open()` checks the name before it looks.
    if let Some(why) = entity_namecheck(name) {
        return Err(format!("cannot open '{name}': {why}\n"));
    }
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
    let flag = |c: char| opts.iter().any(|o| o.0 == c);
    let (volume, dry_run, parsable) = (flag('V'), flag('n'), flag('P'));
    let (mut volsize, mut volblocksize) = (None, None);
    // What `-v` lists: the nvlist zfs_do_create hands to libzfs, in order.
    let mut shown: Vec<(String, String)> = Vec::new();
    for (c, v) in &opts {
        let (key, value) = match c {
            'V' => match parse_size(v) {
                Some(n) => ("volsize".to_string(), volsize.insert(n).to_string()),
                None => return Output::error(format!("bad volume size '{v}': {}\n", size_error(v)), 1),
            },
            'b' => match parse_size(v) {
                Some(n) => ("volblocksize".to_string(), volblocksize.insert(n).to_string()),
                None => return Output::error(format!("bad volume block size '{v}': {}\n", size_error(v)), 1),
            },
            'o' => match v.split_once('=') {
                None => return Output::error("missing '=' for property=value argument\n", 1),
                Some((k, _)) if shown.iter().any(|s| s.0 == k) => return Output::error(format!("property '{k}' specified multiple times\n"), 1),
                Some((k, val)) => (k.to_string(), val.to_string()),
            },
            _ => continue,
        };
        shown.retain(|s| s.0 != key);
        shown.push((key, value));
    }
    if (flag('s') || flag('b')) && !volume {
        return usage_error("'-s' and '-b' can only be used when creating a volume", CREATE_USAGE);
    }
    if flag('u') && volume {
        return usage_error("'-u' can only be used when creating a filesystem", CREATE_USAGE);
    }
    let [name] = operands.as_slice() else {
        let missing = if volume { "missing volume argument" } else { "missing filesystem argument" };
        return usage_error(if operands.is_empty() { missing } else { "too many arguments" }, CREATE_USAGE);
    };
    // A dry run and a volume open the pool first (for its block size).
    if (dry_run || volume) && m.zfs().pool(pool_of(name)).is_none() {
        return Output::error(format!("cannot open '{}': no such pool\n", pool_of(name)), 1);
    }
    let mut props = Props::default();
    for (_, v) in opts.iter().filter(|o| o.0 == 'o') {
        if let Err(e) = create_prop(&mut props, name, volume, v, &mut volblocksize) {
            let e = if dry_run { e.replacen("cannot create '", "cannot verify '", 1) } else { e };
            return Output::error(e, 1);
        }
    }
    let mut out = Output::default();
    let what = match volsize {
        Some(0) => return Output::error(format!("cannot create '{name}': volume size cannot be zero\n"), 1),
        Some(size_bytes) => match new_volume(m, name, size_bytes, (volblocksize, flag('b')), flag('s'), &mut shown) {
            Ok((what, warning)) => {
                out.err = warning;
                what
            }
            Err(e) => return Output::error(e, 1),
        },
        None => NewDataset::Filesystem,
    };
    let mut events = Vec::new();
    if flag('p') && name_error(name, false).is_none() {
        // `-p`: missing parents are made as plain filesystems, and a target
        // that already exists is success.
        if m.zfs().pool(pool_of(name)).is_some_and(|p| p.dataset(name).is_some()) {
            return out;
        }
        if parsable || flag('v') {
            out.text += &if parsable { format!("create_ancestors\t{name}\n") } else if dry_run { format!("would create ancestors of {name}\n") } else { format!("create ancestors of {name}\n") };
        }
        if !dry_run {
            match create_ancestors(m, name) {
                Ok(e) => events = e,
                Err(e) => return failed(out, e),
            }
        }
    }
    if parsable || flag('v') {
        out.text += &if parsable { format!("create\t{name}\n") } else if dry_run { format!("would create {name}\n") } else { format!("create {name}\n") };
        for (k, v) in &shown {
            out.text += &if parsable { format!("property\t{k}\t{v}\n") } else { format!("\t{k}={v}\n") };
        }
    }
    if dry_run {
        return out;
    }
    if let Some(why) = new_name_error(m, name) {
        return failed(out, format!("cannot create '{name}': {why}\n"));
    }
    // `-u`, or a `canmount` other than `on`: made, but not mounted.
    let unmounted = flag('u') || props.stored("canmount").is_some_and(|v| v != "on");
    let r = m.zfs_create(name, what, props).map(|e| [events, e].concat()).map_err(|e| match e {
        ZfsError::NoSpace => format!("cannot create '{name}': out of space\n"),
        ZfsError::BadProperty { why, .. } => format!("cannot create '{name}': {why}\n"),
        e @ ZfsError::MountpointReadOnly(_) => format!("{e}\nfilesystem successfully created, but not mounted\n"),
        other => message(&other),
    });
    let r = r.and_then(|e| if unmounted { m.zfs_set_mounted(name, false).map(|_| e).map_err(|e| message(&e)) } else { Ok(e) });
    out.append(outcome(r, String::new()));
    out
}

/// Standard output so far, then an error.
fn failed(mut out: Output, e: String) -> Output {
    out.append(Output::error(e, 1));
    out
}

/// A volume as `zfs_do_create` settles it: the block size (with libzfs'
/// warning when it is under 16K), the size rounded up to whole blocks, and
/// the refreservation, each added to what `-v` lists.
fn new_volume(m: &Machine, name: &str, size_bytes: u64, (volblocksize, b_flag): (Option<u64>, bool), sparse: bool, shown: &mut Vec<(String, String)>) -> Result<(NewDataset, String), String> {
    let pool = open_pool(m, name)?;
    let show = |shown: &mut Vec<(String, String)>, k: &str, v: u64| {
        shown.retain(|s| s.0 != k);
        shown.push((k.to_string(), v.to_string()));
    };
    let block = volblocksize.unwrap_or(DEFAULT_VOLBLOCKSIZE);
    let mut warning = String::new();
    // libzfs refuses a size that is not a power of two before it warns.
    if block < DEFAULT_VOLBLOCKSIZE && block.is_power_of_two() && block >= 512 {
        warning = format!("Warning: volblocksize ({block}) is less than the default minimum block size ({DEFAULT_VOLBLOCKSIZE}).\nTo reduce wasted space a volblocksize of {DEFAULT_VOLBLOCKSIZE} is recommended.\n");
    }
    // `-b` is listed again (as text) when it is not the default.
    if block != DEFAULT_VOLBLOCKSIZE && b_flag {
        show(shown, "volblocksize", block);
    }
    let mut size = size_bytes;
    if block.is_power_of_two() && size % block != 0 {
        size = size.checked_next_multiple_of(block).unwrap_or(size);
        show(shown, "volsize", size);
    }
    if !sparse && !shown.iter().any(|s| s.0 == "refreservation") {
        show(shown, "refreservation", volsize_to_reservation(&pool.vdevs, size, block));
    }
    Ok((NewDataset::Volume { size_bytes: size, volblocksize, sparse }, warning))
}

fn open_pool<'a>(m: &'a Machine, name: &str) -> Result<&'a Pool, String> {
    m.zfs().pool(pool_of(name)).ok_or_else(|| format!("cannot open '{}': no such pool\n", pool_of(name)))
}

/// `zfs_create_ancestors`: each missing parent as a plain filesystem.
fn create_ancestors(m: &mut Machine, name: &str) -> Result<Vec<Event>, String> {
    let mut events = Vec::new();
    let parts: Vec<&str> = name.split('/').collect();
    for i in 2..parts.len() {
        let parent = parts[..i].join("/");
        if m.zfs().pool(pool_of(name)).is_some_and(|p| p.dataset(&parent).is_none()) {
            match m.zfs_create(&parent, NewDataset::Filesystem, Props::default()) {
                Ok(e) => events.extend(e),
                Err(e) => return Err(format!("cannot create '{parent}': {}\n", e.to_string().rsplit(": ").next().unwrap_or(""))),
            }
        }
    }
    Ok(events)
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
    match m.zfs_clone(origin, name, props) {
        // `zfs_do_clone`: a clone that cannot be mounted is still a success.
        Err(e @ ZfsError::MountpointReadOnly(_)) => Output::error(format!("{e}\n"), 0),
        r => outcome(r.map_err(|e| message(&e)), String::new()),
    }
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
pub(super) fn name_error(name: &str, snapshot: bool) -> Option<String> {
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

pub(super) fn create_prop(props: &mut Props, name: &str, volume: bool, text: &str, volblocksize: &mut Option<u64>) -> Result<(), String> {
    let (p, v) = text.split_once('=').ok_or_else(|| "missing '=' for property=value argument\n".to_string())?;
    match p {
        "checksum" => props.checksum = Some(checksum(v).ok_or_else(|| format!("bad checksum value '{v}'\n"))?),
        "recordsize" | "recsize" => props.recordsize = Some(parse_size(v).ok_or_else(|| format!("bad recordsize value '{v}'\n"))?),
        "copies" => props.copies = Some(v.parse().ok().filter(|c| (1..=3).contains(c)).ok_or_else(|| format!("bad copies value '{v}'\n"))?),
        "mountpoint" if !mountpoint_ok(v) => return Err(format!("cannot create '{name}': 'mountpoint' must be an absolute path, 'none', or 'legacy'\n")),
        "mountpoint" => props.mountpoint = Some(v.to_string()),
        "volblocksize" | "volblock" => *volblocksize = Some(parse_size(v).ok_or_else(|| format!("bad volblocksize value '{v}'\n"))?),
        // `zfs_valid_proplist`: the size of a volume is `-V`'s.
        "volsize" if !volume => return Err(format!("cannot create '{name}': 'volsize' does not apply to datasets of this type\n")),
        // Set only when a dataset is made (read-only to `zfs set`).
        "normalization" | "utf8only" | "casesensitivity" | "encryption" => return Err(format!("cannot create '{name}': the lab does not model '{p}'\n")),
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

/// `zfs_prop_valid_for_type(prop, ZFS_TYPE_FILESYSTEM)`, or a user
/// property: what `zpool create -O` takes (`add_prop_list`).
pub(super) fn is_fs_property(p: &str) -> bool {
    if is_user_property(p) || matches!(p, "checksum" | "recordsize" | "recsize" | "copies" | "mountpoint" | "quota" | "refquota" | "reservation" | "reserv" | "refreservation" | "refreserv" | "normalization" | "utf8only" | "casesensitivity" | "encryption") {
        return true;
    }
    match crate::core::machine::zfs::stored_value(canonical(p), "", FS) {
        Ok(_) => true,
        Err(why) => !(why.starts_with("invalid property") || why.contains("does not apply")),
    }
}

fn checksum(v: &str) -> Option<ChecksumAlg> {
    match v {
        "on" | "fletcher4" => Some(ChecksumAlg::Fletcher4),
        "sha256" => Some(ChecksumAlg::Sha256),
        _ => None,
    }
}

const DESTROY_USAGE: &str = "\tdestroy [-fnpRrv] <filesystem|volume>\n\tdestroy [-dnpRrv] <filesystem|volume>@<snap>[%<snap>][,...]\n\tdestroy <filesystem|volume>#<bookmark>\n";

fn destroy(m: &mut Machine, args: &[String], cwd: &str) -> Output {
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
    if name.contains('#') && !name.contains('@') {
        return destroy_bookmark(m, name, has('n'), has('d'), recursive);
    }
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
        // Every snapshot is checked before any goes: one refusal stops all.
        // With -d one that clones depend on is only marked for a deferred
        // destroy (the lab keeps no mark for clones: it stays), and a held
        // one goes with its last hold.
        let deferred = |snap: &String| has('d') && matches!(m.destroy_plan(snap, false, false), Err(ZfsError::HasClones { .. } | ZfsError::SnapshotHeld(_)));
        let held: Vec<String> = snaps.iter().filter(|s| has('d') && matches!(m.destroy_plan(s, false, false), Err(ZfsError::SnapshotHeld(_)))).cloned().collect();
        let kept: Vec<String> = snaps.iter().filter(|s| !deferred(s)).cloned().collect();
        let refusals: String = kept.iter().filter_map(|snap| m.destroy_plan(snap, false, dependents).err()).map(|e| clones_refusal(e, "snapshot")).collect();
        if !refusals.is_empty() {
            // `destroy_check_dependent` turns the run into a dry one: -v
            // still lists every snapshot, with no space line.
            let listing: String = if has('v') || has('p') { destroy_listing(m, fs, &snaps, true, has('p')) } else { String::new() };
            return Output { text: listing, err: refusals, exit_status: 1, ..Output::default() };
        }
        let text = if has('v') || has('p') { destroy_listing(m, name, &snaps, has('n'), has('p')) } else { String::new() };
        if has('n') {
            return Output::text(text, 0);
        }
        let snaps = kept;
        let mut out = Output::text(text, 0);
        for snap in &held {
            out.append(outcome(m.zfs_defer_destroy(snap).map_err(|e| message(&e)), String::new()));
        }
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
    // Simplified: ZFS destroys the children it unmounts before it meets
    // the busy one; the lab refuses the whole plan.
    if let Some(mp) = super::busy_mountpoint(m, cwd, &plan) {
        return Output { text, err: super::busy_error(&mp), exit_status: 1, ..Output::default() };
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

/// `zfs destroy FS#MARK`: no dry run, deferral or recursion (exit 255),
/// and a missing bookmark named as `zfs_bookmark_exists` finds it missing.
fn destroy_bookmark(m: &mut Machine, name: &str, dry_run: bool, defer: bool, recursive: bool) -> Output {
    let refusal = [(dry_run, "dryrun"), (defer, "defer destroy"), (recursive, "recursive")].into_iter().find(|r| r.0);
    if let Some((_, what)) = refusal {
        return Output::error(format!("{what} is not supported with bookmark\n"), 255);
    }
    match m.zfs_destroy_bookmark(name) {
        Ok(events) => Output { events, ..Output::default() },
        Err(_) => Output::error(format!("bookmark '{name}' does not exist.\n"), 1),
    }
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
    match operands.as_slice() {
        [] => return usage_error("missing arguments", usage),
        [one] => return usage_error(if one.contains('=') { "missing dataset name(s)" } else { "missing property=value argument(s)" }, usage),
        _ => {}
    }
    // `prop=value ... dataset ...`: the first word without `=` starts the datasets.
    let start = operands.iter().position(|o| !o.contains('=')).unwrap_or(operands.len());
    if operands[start..].iter().any(|o| o.contains('=')) {
        return usage_error("invalid argument order", usage);
    }
    if start == operands.len() {
        return usage_error("missing dataset name(s)", usage);
    }
    let (pairs, names) = operands.split_at(start);
    if let Some(twice) = pairs.iter().enumerate().find_map(|(i, p)| pairs[..i].iter().any(|q| q.split('=').next() == p.split('=').next()).then_some(p)) {
        return Output::error(format!("property '{}' specified multiple times\n", twice.split('=').next().unwrap_or_default()), 255);
    }
    let mut out = Output::default();
    for name in names {
        // All of a dataset's properties are set, or none (zfs_prop_set_list).
        let mut lab = m.clone();
        let one = set_one(&mut lab, name, pairs);
        if one.exit_status == 0 && one.err.is_empty() {
            *m = lab;
        }
        out.append(one);
    }
    if out.exit_status == 0 && !out.err.is_empty() {
        out.exit_status = 1;
    }
    out
}

/// `set_callback`: every property on one dataset, stopping at the first refusal.
fn set_one(m: &mut Machine, name: &str, pairs: &[String]) -> Output {
    if let Err(e) = open(m, name) {
        return Output::error(e, 1);
    }
    let mut out = Output::default();
    for pair in pairs {
        let Some((p, v)) = pair.split_once('=') else { continue };
        let p = canonical(p);
        if name.contains('@') && !is_user_property(p) {
            return Output::error(format!("cannot set property for '{name}': this property can not be modified for snapshots\n"), 1);
        }
        // zfs_prop_valid_for_type(), before any value is read.
        let volume = m.zfs().pool(pool_of(name)).and_then(|pool| pool.dataset(name)).is_some_and(|d| d.is_volume());
        if volume && matches!(p, "recordsize" | "mountpoint") {
            return Output::error(format!("cannot set property for '{name}': '{p}' does not apply to datasets of this type\n"), 1);
        }
        let value = match p {
            "recordsize" => match parse_size(v) {
                Some(n) => n.to_string(),
                None => return Output::error(format!("cannot set property for '{name}': {}\n", size_error(v)), 1),
            },
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
        let failed = r.is_err();
        out.append(outcome(r, String::new()));
        if failed {
            return out;
        }
        if matches!(p, "mountpoint" | "canmount") {
            out.append(outcome(remount(m, name), String::new()));
        }
    }
    out
}

/// `changelist_postfix`: a filesystem whose mountpoint or canmount changed is
/// mounted again where it now belongs if it may be mounted, and taken off
/// if `canmount=off`.
fn remount(m: &mut Machine, name: &str) -> Result<Vec<crate::core::Event>, String> {
    let Some(pool) = m.zfs().pool(pool_of(name)) else { return Ok(Vec::new()) };
    let Some(ds) = pool.dataset(name).filter(|d| !d.is_volume()) else { return Ok(Vec::new()) };
    let canmount = ds.props.stored("canmount").map_or("on", String::as_str);
    match canmount {
        "on" if ds.unmounted() => m.zfs_set_mounted(name, true).map_err(|e| message(&e)),
        "off" if !ds.unmounted() => m.zfs_set_mounted(name, false).map_err(|e| message(&e)),
        _ => Ok(Vec::new()),
    }
}

/// `zfs_valid_proplist`'s mountpoint check (`mountpoint_namecheck`).
pub(super) fn mountpoint_ok(v: &str) -> bool {
    v.starts_with('/') || v == "none" || v == "legacy"
}

/// `refreservation=auto`: `zvol_volsize_to_reservation` of a volume's size.
fn auto_refreservation(m: &Machine, name: &str) -> Option<u64> {
    let pool = m.zfs().pool(pool_of(name))?;
    match pool.dataset(name)?.kind {
        DatasetKind::Volume { size_bytes, volblocksize } => Some(volsize_to_reservation(&pool.vdevs, size_bytes, volblocksize)),
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
    if let Err(e) = open_dataset(m, old) {
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
    let received = opts.iter().any(|o| o.0 == 'S');
    let inheritable = matches!(p, "checksum" | "recordsize" | "copies" | "mountpoint") || is_user_property(p) || Stored::named(p).is_some_and(|s| s.inherit);
    // Settable once or never: zfs_prop_readonly.
    let settable = matches!(p, "canmount" | "volsize" | "refreservation" | "reservation" | "quota" | "refquota");
    if !inheritable && !(settable && received) {
        return match meta(p) {
            Some(_) if settable => Output::error(format!("'{given}' property cannot be inherited\n{}", if matches!(p, "refreservation" | "reservation" | "quota" | "refquota") { format!("use 'zfs set {given}=none' to clear\nuse 'zfs inherit -S {given}' to revert to received value\n") } else { String::new() }), 1),
            Some(_) => Output::error(format!("{given} property is read-only\n"), 1),
            None => usage_error(&format!("invalid property '{given}'"), INHERIT_USAGE),
        };
    }
    if received && p == "volsize" {
        return Output::error(format!("'{given}' property cannot be reverted to a received value\n"), 1);
    }
    let recursive = opts.iter().any(|o| o.0 == 'r');
    let mut out = Output::default();
    for name in names {
        let r = match open(m, name) {
            // zfs_prop_valid_for_type: a snapshot takes user properties only
            // (with -r, inherit_recurse_cb passes it by).
            Ok(_) if name.contains('@') && !is_user_property(p) => match recursive {
                true => Ok(Vec::new()),
                false => Err(format!("cannot inherit {given} for '{name}': property doesn't apply to datasets of this type\n")),
            },
            Ok(_) => m.zfs_inherit(name, p, recursive).map_err(|e| message(&e)),
            Err(e) => Err(e),
        };
        out.append(outcome(r, String::new()));
    }
    out
}

const UPGRADE_USAGE: &str = "\tupgrade [-v]\n\tupgrade [-r [-V version] <-a | filesystem ...>\n";

/// `zfs upgrade`: every filesystem the lab makes is already at ZPL
/// version 5, so it lists none, and upgrading counts them as current.
fn upgrade(m: &Machine, args: &[String]) -> Output {
    let (opts, names) = match getopt(args, "rva", "V") {
        Ok(v) => v,
        Err(c) => return bad_option(c, UPGRADE_USAGE),
    };
    let flag = |c: char| opts.iter().any(|o| o.0 == c);
    let (recursive, versions, all) = (flag('r'), flag('v'), flag('a'));
    if let Some((_, v)) = opts.iter().find(|o| o.0 == 'V').filter(|(_, v)| !matches!(v.as_str(), "1" | "2" | "3" | "4" | "5" | "current")) {
        return usage_error(&format!("invalid version {v}"), UPGRADE_USAGE);
    }
    let version_set = opts.iter().any(|o| o.0 == 'V');
    // Every lab filesystem is at version 5: a lower -V cannot downgrade it.
    let lower = opts.iter().any(|(c, v)| *c == 'V' && v.as_str() != "5" && v.as_str() != "current");
    let bad = (!all && names.is_empty() && (recursive || version_set)) || (versions && (recursive || all || version_set || !names.is_empty())) || (all && !names.is_empty());
    if bad {
        return Output::error(format!("usage:\n{UPGRADE_USAGE}\nFor the property list, run: zfs set|get\n\nFor the delegated permission list, run: zfs allow|unallow\n\nFor further help on a command or topic, run: zfs help [<topic>]\n"), 2);
    }
    if versions {
        return Output::text(
            "The following filesystem versions are supported:\n\nVER  DESCRIPTION\n---  --------------------------------------------------------\n 1   Initial ZFS filesystem version\n 2   Enhanced directory entries\n 3   Case insensitive and filesystem user identifier (FUID)\n 4   userquota, groupquota properties\n 5   System attributes\n\nFor more information on a particular version, including supported releases,\nsee the ZFS Administration Guide.\n\n",
            0,
        );
    }
    if !all && names.is_empty() {
        return Output::text("This system is currently running ZFS filesystem version 5.\n\nAll filesystems are formatted with the current version.\n", 0);
    }
    let filesystems = m.zfs().pools.iter().flat_map(|p| p.datasets.iter()).filter(|d| matches!(d.kind, DatasetKind::Filesystem));
    let mut err = String::new();
    let mut chosen: Vec<String> = Vec::new();
    if all {
        chosen = filesystems.map(|d| d.name.clone()).collect();
    } else {
        for name in &names {
            let volume = m.zfs().pool(pool_of(name)).and_then(|p| p.dataset(name)).is_some_and(|d| !matches!(d.kind, DatasetKind::Filesystem));
            match open_dataset(m, name) {
                Err(e) => err.push_str(&e),
                Ok(_) if volume => err.push_str(&format!("cannot open '{name}': operation not applicable to datasets of this type\n")),
                Ok(_) => {
                    let below = format!("{name}/");
                    let all_fs = m.zfs().pools.iter().flat_map(|p| p.datasets.iter()).filter(|d| matches!(d.kind, DatasetKind::Filesystem));
                    chosen.extend(all_fs.filter(|d| d.name == *name || recursive && d.name.starts_with(&below)).map(|d| d.name.clone()));
                }
            }
        }
    }
    let current = chosen.len();
    if lower {
        // `upgrade_set_callback`: each one fails, on standard output.
        let refusals: String = chosen.iter().map(|n| format!("{n}: can not be downgraded; it is already at version 5\n")).collect();
        let failed = !chosen.is_empty() || !err.is_empty();
        return Output { text: format!("{refusals}0 filesystems upgraded\n"), err, exit_status: i32::from(failed), ..Output::default() };
    }
    let mut text = String::from("0 filesystems upgraded\n");
    if current > 0 {
        text.push_str(&format!("{current} filesystems already at this version\n"));
    }
    Output { text, err: err.clone(), exit_status: i32::from(!err.is_empty()), ..Output::default() }
}
