//! `zpool create` and `zpool add`: vdev specifications and the checks
//! `zpool_vdev.c` makes of them (devices in use, replication levels, sizes),
//! and `-n`'s layouts.

use super::pool::{bad_option, dev_path, device};
use super::{getopt, message, outcome};
use crate::console::Output;
use crate::core::device::DevId;
use crate::core::machine::Machine;
use crate::core::zfs::{Pool, VdevKind, ZfsError};

const CREATE_USAGE: &str = "\tcreate [-fnd] [-o property=value] ... \n\t    [-O file-system-property=value] ... \n\t    [-m mountpoint] [-R root] <pool> <vdev> ...\n";

pub(super) fn create(m: &mut Machine, args: &[String]) -> Output {
    let (opts, operands) = match getopt(args, "fn", "oOm") {
        Ok(v) => v,
        Err(c) => return bad_option(c, CREATE_USAGE),
    };
    let root = match root_props(&opts, operands.first().map_or("", |n| n.as_str())) {
        Ok(p) => p,
        Err(e) => return Output::error(e, 1),
    };
    let force = opts.iter().any(|o| o.0 == 'f');
    let mut ashift_text = None;
    let mut pool_props = Vec::new();
    for (_, v) in opts.iter().filter(|o| o.0 == 'o') {
        match v.split_once('=') {
            Some(("ashift", n)) => ashift_text = Some(n.to_string()),
            Some((p, value)) => match super::pool_props::settable(None, p, value) {
                Ok(stored) => pool_props.extend(stored.map(|s| (p.to_string(), s))),
                Err(why) if why.starts_with("invalid property") => return Output::error(format!("property '{p}' is not a valid pool or vdev property\n"), 1),
                Err(why) => return Output::error(format!("cannot create '{}': {why}\n", operands.first().map_or("", |n| n.as_str())), 1),
            },
            None => return Output::error("missing '=' for -o option\n", 1),
        }
    }
    let Some((name, spec)) = operands.split_first() else {
        return Output::error(format!("missing pool name argument\nusage:\n{CREATE_USAGE}"), 2);
    };
    if spec.is_empty() {
        return Output::error(format!("missing vdev specification\nusage:\n{CREATE_USAGE}"), 2);
    }
    if let Some(why) = pool_name_error(name, true) {
        // A dataset name typed for a pool gets zpool_do_create's hint.
        let hint = if name.contains('/') { "use 'zfs create' to create a dataset\n" } else { "" };
        return Output::error(format!("cannot create '{name}': {why}\n{hint}"), 1);
    }
    let vdevs = match vdev_spec(m, spec) {
        Ok(v) => v,
        Err(e) => return Output::error(e, 1),
    };
    let ashift = match ashift_text.as_deref().map(leaf_ashift).transpose() {
        Ok(a) => a.flatten(),
        Err(e) => return Output::error(e, 1),
    };
    if let Some(refusal) = in_use(m, &vdevs, force) {
        return refusal;
    }
    let mismatches = replication_mismatches(m, &vdevs);
    if !force && !mismatches.is_empty() {
        return Output::error(format!("invalid vdev specification\nuse '-f' to override the following errors:\n{}", mismatches.concat()), 1);
    }
    if let Some(refusal) = mountpoint_in_use(m, name, root.mountpoint.as_deref()) {
        return refusal;
    }
    if opts.iter().any(|o| o.0 == 'n') {
        return Output::text(format!("would create '{name}' with the following layout:\n\n\t{name}\n{}", vdev_tree(m, &vdevs)), 0);
    }
    let result = m.zpool_create(name, &vdevs, ashift, force, root).map_err(|e| create_error(m, name, &e, force));
    let result = result.and_then(|mut events| {
        for (p, v) in &pool_props {
            events.extend(m.zpool_set(name, p, v).map_err(|e| format!("cannot set property for '{name}': {e}\n"))?);
        }
        Ok(events)
    });
    outcome(result, String::new())
}

/// `zpool_do_create`'s check of the root filesystem's mount point (`-m`,
/// else `/POOL`): a directory there must be empty, or the pool would hide
/// its files.
fn mountpoint_in_use(m: &Machine, name: &str, mountpoint: Option<&str>) -> Option<Output> {
    let dir = match mountpoint {
        Some("legacy" | "none") => return None,
        Some(mp) => mp.to_string(),
        None => format!("/{name}"),
    };
    let entries = match m.read_dir(&dir, false) {
        Ok(entries) => entries,
        Err(crate::core::vfs::VfsError::NotFound) => return None,
        Err(e) => return Some(Output::error(format!("mountpoint '{dir}' : {}\nuse '-m' option to provide a different default\n", e.text()), 1)),
    };
    (!entries.is_empty()).then(|| Output::error(format!("mountpoint '{dir}' exists and is not empty\nuse '-m' option to provide a different default\n"), 1))
}

/// The root filesystem's properties: `-O prop=value` as `zfs create -o`
/// takes them, and `-m mountpoint`.
fn root_props(opts: &[(char, String)], name: &str) -> Result<crate::core::zfs::Props, String> {
    let mut props = crate::core::zfs::Props::default();
    for (c, v) in opts {
        match c {
            'O' if !v.contains('=') => return Err("missing '=' for -O option\n".into()),
            'O' if !super::dataset::is_fs_property(v.split_once('=').map_or(v.as_str(), |kv| kv.0)) => {
                return Err(format!("property '{}' is not a valid filesystem property\n", v.split_once('=').map_or(v.as_str(), |kv| kv.0)));
            }
            'O' => super::dataset::create_prop(&mut props, name, false, v, &mut None)?,
            'm' if !super::dataset::mountpoint_ok(v) => return Err(format!("invalid mountpoint '{v}': must be an absolute path, 'legacy', or 'none'\n")),
            'm' => props.mountpoint = Some(v.clone()),
            _ => {}
        }
    }
    Ok(props)
}

/// `zpool_name_valid()`: `pool_namecheck`'s rules (characters, then the
/// first letter, then the vdev type names); a pool being made may also not
/// start with a vdev type's name.
pub(super) fn pool_name_error(name: &str, creating: bool) -> Option<String> {
    if let Some(c) = name.chars().find(|c| !(c.is_ascii_alphanumeric() || "_-.: ".contains(*c))) {
        return Some(format!("invalid character '{c}' in pool name"));
    }
    if !name.starts_with(|c: char| c.is_ascii_alphabetic()) {
        return Some("name must begin with a letter".into());
    }
    let reserved = matches!(name, "mirror" | "raidz" | "draid")
        || (creating && (["mirror", "raidz", "draid", "spare"].iter().any(|p| name.starts_with(p)) || name == "log"));
    reserved.then(|| "name is reserved".into())
}

/// `-o ashift=N` as `make_leaf_vdev` checks it for each new disk: a
/// number (`zfs_nicestrtonum`), 0 for the default or 9 to 16.
fn leaf_ashift(text: &str) -> Result<Option<u8>, String> {
    match super::parse_size(text) {
        None => Err("ashift must be a number.\n".into()),
        Some(0) => Ok(None),
        Some(n @ 9..=16) => Ok(Some(n as u8)),
        Some(n) => Err(format!("invalid 'ashift={n}' property: only values between 9 and 16 are allowed.\n")),
    }
}

/// The pools a zpool command walks (`for_each_pool`): the named ones, or
/// every pool, in name order, as libzfs's AVL tree of pools keeps them.
/// Names of no pool come first, in the order given, for their errors.
pub(super) fn pool_order(m: &crate::core::machine::Machine, names: Vec<String>) -> Vec<String> {
    let names = if names.is_empty() { m.zfs().pools.iter().map(|p| p.name.clone()).collect() } else { names };
    let (mut found, mut missing): (Vec<String>, Vec<String>) = names.into_iter().partition(|n| m.zfs().pool(n).is_some());
    found.sort();
    found.dedup();
    let mut seen = Vec::new();
    missing.retain(|n| !seen.contains(n) && { seen.push(n.clone()); true });
    missing.extend(found);
    missing
}

/// What `zpool_open()` says of a pool it cannot open.
pub(super) fn cannot_open_pool(name: &str) -> String {
    format!("cannot open '{name}': {}\n", pool_name_error(name, false).unwrap_or_else(|| "no such pool".into()))
}

/// `get_replication`'s complaints about top-level vdevs that survive
/// different numbers of failures (checked unless `-f`).
fn replication_mismatches(m: &Machine, vdevs: &[(VdevKind, Vec<DevId>)]) -> Vec<String> {
    let rep = |v: &(VdevKind, Vec<DevId>)| replication(v.0, v.1.len());
    let mut errors = Vec::new();
    // ZPOOL_FUZZ: sizes within 16 MiB count as the same.
    let uneven = |devs: &[DevId]| {
        let sizes: Vec<u64> = devs.iter().map(|d| m.size_of(*d)).collect();
        sizes.iter().max().zip(sizes.iter().min()).is_some_and(|(hi, lo)| hi - lo > 16 << 20)
    };
    if let Some(v) = vdevs.first().filter(|v| v.0 != VdevKind::Disk && uneven(&v.1)) {
        errors.push(format!("{} contains devices of different sizes\n", rep(v).0));
    }
    for pair in vdevs.windows(2) {
        let (last, this) = (rep(&pair[0]), rep(&pair[1]));
        if pair[1].0 != VdevKind::Disk && uneven(&pair[1].1) {
            errors.push(format!("{} contains devices of different sizes\n", this.0));
        }
        let raidz_mirror = match (last.0, this.0) {
            ("raidz", "mirror") => Some((last, this)),
            ("mirror", "raidz") => Some((this, last)),
            _ => None,
        };
        let error = if let Some((raidz, mirror)) = raidz_mirror {
            (raidz.1 != mirror.2 - 1).then(|| format!("mismatched replication level: raidz and mirror vdevs with different redundancy, {} vs. {} ({}-way) are present\n", raidz.1, mirror.2 - 1, mirror.2))
        } else if last.0 != this.0 {
            Some(format!("mismatched replication level: both {} and {} vdevs are present\n", last.0, this.0))
        } else if last.2 != this.2 {
            Some(format!("mismatched replication level: both {}-way and {}-way {} vdevs are present\n", last.2, this.2, this.0))
        } else {
            None
        };
        errors.extend(error);
    }
    errors
}

/// A top-level vdev's `zprl_type`, parity and width.
fn replication(kind: VdevKind, children: usize) -> (&'static str, usize, usize) {
    match kind {
        VdevKind::Disk => ("disk", 0, 1),
        VdevKind::Mirror => ("mirror", 0, children),
        VdevKind::Raidz1 => ("raidz", 1, children),
    }
}

/// `check_replication`'s comparison of a pool (when its own vdevs agree)
/// with the vdevs `zpool add` brings.
fn added_mismatch(p: &Pool, vdevs: &[(VdevKind, Vec<DevId>)]) -> Option<String> {
    let current: Vec<_> = p.vdevs.iter().map(|v| replication(v.kind, v.children.len())).collect();
    let (Some(cur), Some(new)) = (current.last(), vdevs.last().map(|v| replication(v.0, v.1.len()))) else { return None };
    if current.iter().any(|c| c != cur) {
        return None;
    }
    let raidz_mirror = match (cur.0, new.0) {
        ("raidz", "mirror") => Some((cur, &new)),
        ("mirror", "raidz") => Some((&new, cur)),
        _ => None,
    };
    if let Some((raidz, mirror)) = raidz_mirror {
        return (raidz.1 != mirror.2 - 1).then(|| format!("mismatched replication level: pool and new vdev with different redundancy, raidz and mirror vdevs, {} vs. {} ({}-way)\n", raidz.1, mirror.2 - 1, mirror.2));
    }
    if cur.0 != new.0 {
        return Some(format!("mismatched replication level: pool uses {} and new vdev is {}\n", cur.0, new.0));
    }
    (cur.2 != new.2).then(|| format!("mismatched replication level: pool uses {}-way {} and new vdev uses {}-way {}\n", cur.2, cur.0, new.2, new.0))
}

const ADD_USAGE: &str = "\tadd [-afgLnP] [-o property=value] <pool> <vdev> ...\n";

/// `zpool add [-fn] POOL VDEV...`: more top-level vdevs, or (`-n`) the
/// configuration they would make.
pub(super) fn add(m: &mut Machine, args: &[String]) -> Output {
    let (opts, operands) = match getopt(args, "afgLnP", "o") {
        Ok(v) => v,
        Err(c) => return bad_option(c, ADD_USAGE),
    };
    let force = opts.iter().any(|o| o.0 == 'f');
    let dry_run = opts.iter().any(|o| o.0 == 'n');
    let Some((name, spec)) = operands.split_first() else {
        return Output::error(format!("missing pool name argument\nusage:\n{ADD_USAGE}"), 2);
    };
    if spec.is_empty() {
        return Output::error(format!("missing vdev specification\nusage:\n{ADD_USAGE}"), 2);
    }
    let Some(pool) = m.zfs().pool(name).cloned() else {
        return Output::error(format!("cannot open '{name}': no such pool\n"), 1);
    };
    let vdevs = match vdev_spec(m, spec) {
        Ok(v) => v,
        Err(e) => return Output::error(e, 1),
    };
    // `check_in_use` runs before the replication checks.
    if let Some(refusal) = in_use(m, &vdevs, force) {
        return refusal;
    }
    let mut mismatches = replication_mismatches(m, &vdevs);
    if mismatches.is_empty() {
        mismatches.extend(added_mismatch(&pool, &vdevs));
    }
    if !force && !mismatches.is_empty() {
        return Output::error(format!("invalid vdev specification\nuse '-f' to override the following errors:\n{}", mismatches.concat()), 1);
    }
    if dry_run {
        let current: Vec<(VdevKind, Vec<DevId>)> = pool.vdevs.iter().map(|v| (v.kind, v.children.iter().map(|l| l.whole_disk.unwrap_or(l.dev)).collect())).collect();
        let ids: Vec<String> = pool.vdev_names();
        let mut tree = String::new();
        for (v, id) in current.iter().zip(&ids) {
            tree.push_str(&vdev_tree_one(m, v, Some(id)));
        }
        return Output::text(format!("would update '{name}' to the following configuration:\n\n\t{name}\n{tree}{}", vdev_tree(m, &vdevs)), 0);
    }
    let result = m.zpool_add(name, &vdevs, force).map_err(|e| match e {
        ZfsError::SameDevice => format!("cannot add to '{name}': {e}\n"),
        e => create_error(m, name, &e, force),
    });
    outcome(result, String::new())
}

/// `check_in_use`: a device of an imported pool cannot join another vdev.
/// Each device is checked (`is_device_in_use`), even with `-f`: a whole
/// disk whose partition a pool holds cannot be opened exclusively, and
/// blkid names no filesystem on it (`check_disk`); a pool's own partition
/// has the pool's label (`check_file`, under `vdev_error`'s header).
fn in_use(m: &Machine, vdevs: &[(VdevKind, Vec<DevId>)], force: bool) -> Option<Output> {
    let (mut err, mut header) = (String::new(), false);
    for d in vdevs.iter().flat_map(|v| v.1.iter()) {
        let Some((leaf, owner)) = member_of_pool(m, *d) else { continue };
        if *d != leaf && !closed(m, leaf) {
            err.push_str(&format!("{} is in use and contains a unknown filesystem.\n", dev_path(m, *d)));
            continue;
        }
        if !header {
            let how = if force { "the following errors must be manually repaired:" } else { "use '-f' to override the following errors:" };
            err.push_str(&format!("invalid vdev specification\n{how}\n"));
            header = true;
        }
        err.push_str(&format!("{} is part of active pool '{owner}'\n", dev_path(m, leaf)));
    }
    (!err.is_empty()).then(|| Output::error(err, 1))
}

/// `print_vdev_tree` of new vdevs: no ids, a tab and two spaces a level.
fn vdev_tree(m: &Machine, vdevs: &[(VdevKind, Vec<DevId>)]) -> String {
    vdevs.iter().map(|v| vdev_tree_one(m, v, None)).collect()
}

fn vdev_tree_one(m: &Machine, v: &(VdevKind, Vec<DevId>), id: Option<&String>) -> String {
    let short = |d: &DevId| dev_path(m, *d).trim_start_matches("/dev/").to_string();
    match v.0 {
        VdevKind::Disk => v.1.iter().map(|d| format!("\t  {}\n", short(d))).collect(),
        kind => {
            let top = id.cloned().unwrap_or_else(|| kind.name().to_string());
            std::iter::once(format!("\t  {top}\n")).chain(v.1.iter().map(|d| format!("\t    {}\n", short(d)))).collect()
        }
    }
}

/// `mirror A B`, `raidz1 A B C`, or plain devices, each its own top-level vdev.
fn vdev_spec(m: &Machine, words: &[String]) -> Result<Vec<(VdevKind, Vec<DevId>)>, String> {
    let mut vdevs: Vec<(VdevKind, Vec<DevId>)> = Vec::new();
    // The word each group was named with: construct_spec's message uses it.
    let mut typed: Vec<&str> = Vec::new();
    let mut group: Option<usize> = None;
    for w in words {
        let kind = match w.as_str() {
            "mirror" => Some(VdevKind::Mirror),
            "raidz" | "raidz1" => Some(VdevKind::Raidz1),
            "raidz2" | "raidz3" | "draid" | "spare" | "log" | "cache" | "special" | "dedup" => {
                return Err(format!("invalid vdev specification: '{w}' vdevs are not modelled in this lab\n"));
            }
            _ => None,
        };
        match kind {
            Some(k) => {
                vdevs.push((k, Vec::new()));
                typed.push(w);
                group = Some(vdevs.len() - 1);
            }
            None => {
                let dev = device(m, w)?;
                match group {
                    Some(g) => vdevs[g].1.push(dev),
                    None => {
                        vdevs.push((VdevKind::Disk, vec![dev]));
                        typed.push(w);
                    }
                }
            }
        }
    }
    for ((kind, devs), word) in vdevs.iter().zip(&typed) {
        let min = if *kind == VdevKind::Disk { 1 } else { 2 };
        if devs.len() < min {
            return Err(format!("invalid vdev specification: {word} requires at least {min} devices\n"));
        }
    }
    Ok(vdevs)
}

pub(super) fn create_error(m: &Machine, name: &str, e: &ZfsError, force: bool) -> String {
    let header = if force { "the following errors must be manually repaired:" } else { "use '-f' to override the following errors:" };
    match e {
        ZfsError::HasSignature { dev, fstype } => format!("invalid vdev specification\n{header}\n{} contains a filesystem of type '{fstype}'\n", dev_path(m, *dev)),
        ZfsError::ExportedMember { dev, pool } => format!("invalid vdev specification\n{header}\n{} is part of exported pool '{pool}'\n", dev_path(m, *dev)),
        ZfsError::DeviceBusy { dev, why } => match member_of_pool(m, *dev) {
            Some((leaf, _)) if leaf != *dev && !closed(m, leaf) => format!("{} is in use and contains a unknown filesystem.\n", dev_path(m, *dev)),
            Some((leaf, pool)) => format!("invalid vdev specification\n{header}\n{} is part of active pool '{pool}'\n", dev_path(m, leaf)),
            None => format!("cannot open '{}': Device or resource busy ({why})\n", dev_path(m, *dev)),
        },
        // EOVERFLOW: the kernel cannot say which device it was.
        ZfsError::DeviceTooSmall(_) => format!("cannot create '{name}': one or more devices is less than the minimum size (64M)\n"),
        ZfsError::InvalidVdev(_) => message(e),
        ZfsError::PoolExists(_) => message(e),
        // libzfs' zpool_create adds the other cause of EBUSY.
        ZfsError::SameDevice => format!("cannot create '{name}': {e}, or one of\nthe devices is part of an active md or lvm device\n"),
        other => format!("cannot create '{name}': {other}\n"),
    }
}

/// An offline leaf's device is closed (vdev_offline reopens without it), so
/// its disk can be opened exclusively and its partitions are checked.
fn closed(m: &Machine, leaf: DevId) -> bool {
    m.zfs().pools.iter().flat_map(|p| p.leaves()).any(|l| l.dev == leaf && l.state == crate::core::zfs::vdev::LeafState::Offline)
}

/// The leaf and pool a device is, or whose whole disk it is.
fn member_of_pool(m: &Machine, dev: DevId) -> Option<(DevId, String)> {
    m.zfs().pools.iter().find_map(|p| p.leaves().find(|l| l.dev == dev || l.whole_disk == Some(dev)).map(|l| (l.dev, p.name.clone())))
}

