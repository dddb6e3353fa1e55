//! `zfs mount` and `zfs unmount`, as `share_mount` and `unshare_unmount`
//! in zfs_main.c check and print them. Simplified: no mount options, no
//! sharing, and a busy filesystem unmounts anyway.

use super::dataset::{bad_option, pool_of, usage_error};
use super::getopt;
use crate::console::Output;
use crate::core::machine::Machine;

const MOUNT_USAGE: &str = "\tmount\n\tmount [-flvO] [-o opts] <-a|-R filesystem|filesystem>\n";
const UNMOUNT_USAGE: &str = "\tunmount [-fu] <-a | filesystem|mountpoint>\n";

/// `zfs mount [-a | FILESYSTEM]`; without arguments, the mounted ones.
pub(super) fn mount(m: &mut Machine, args: &[String]) -> Output {
    let (opts, operands) = match getopt(args, "aRlvOf", "o") {
        Ok(v) => v,
        Err(c) => return bad_option(c, MOUNT_USAGE),
    };
    let all = opts.iter().any(|o| o.0 == 'a');
    match (all, operands.as_slice()) {
        (true, [_, ..]) => usage_error("too many arguments", MOUNT_USAGE),
        (true, []) => {
            // canmount=noauto filesystems are mounted only by name.
            let auto = |d: &&crate::core::zfs::Dataset| d.unmounted() && d.props.stored("canmount").is_none_or(|v| v == "on");
            let names: Vec<String> = m.zfs().pools.iter().flat_map(|p| p.datasets.iter().filter(auto).map(|d| d.name.clone())).collect();
            let mut out = Output::default();
            for name in names {
                if can_mount(m, &name).is_ok() {
                    out.append(super::outcome(m.zfs_set_mounted(&name, true).map_err(|e| super::message(&e)), String::new()));
                }
            }
            out
        }
        (false, []) => Output::text(m.zfs_mounts().iter().map(|(ds, mp, _)| format!("{ds:<30}  {mp}\n")).collect::<String>(), 0),
        (false, [name]) => {
            if let Err(e) = can_mount(m, name) {
                return Output::error(e, 1);
            }
            if m.zfs_mounts().iter().any(|x| x.0 == *name) {
                return Output::error(format!("cannot mount '{name}': filesystem already mounted\n"), 1);
            }
            super::outcome(m.zfs_set_mounted(name, true).map_err(|e| super::message(&e)), String::new())
        }
        (false, _) => usage_error("too many arguments", MOUNT_USAGE),
    }
}

/// `share_mount_one`'s checks for an explicit mount.
fn can_mount(m: &Machine, name: &str) -> Result<(), String> {
    let pool = m.zfs().pool(pool_of(name));
    let ds = pool.and_then(|p| p.dataset(name)).filter(|_| !name.contains('@'));
    let (Some(pool), Some(ds)) = (pool, ds) else {
        return Err(format!("cannot open '{name}': dataset does not exist\n"));
    };
    if ds.is_volume() {
        return Err(format!("cannot open '{name}': operation not applicable to datasets of this type\n"));
    }
    match pool.mountpoint_of(name).as_str() {
        "legacy" => Err(format!("cannot mount '{name}': legacy mountpoint\nuse mount(8) to mount this filesystem\n")),
        "none" => Err(format!("cannot mount '{name}': no mountpoint set\n")),
        _ if ds.props.stored("canmount").is_some_and(|v| v == "off") => Err(format!("cannot mount '{name}': 'canmount' property is set to 'off'\n")),
        _ => Ok(()),
    }
}

/// `zfs unmount [-f] -a | FILESYSTEM | MOUNTPOINT`.
pub(super) fn unmount(m: &mut Machine, args: &[String], cwd: &str) -> Output {
    let (opts, operands) = match getopt(args, "afu", "") {
        Ok(v) => v,
        Err(c) => return bad_option(c, UNMOUNT_USAGE),
    };
    if opts.iter().any(|o| o.0 == 'a') {
        if !operands.is_empty() {
            return usage_error("too many arguments", UNMOUNT_USAGE);
        }
        let mut out = Output::default();
        let noauto = |m: &Machine, name: &str| m.zfs().pool(pool_of(name)).and_then(|p| p.dataset(name)).is_some_and(|d| d.props.stored("canmount").is_some_and(|v| v == "noauto"));
        for (name, _, _) in m.zfs_mounts().into_iter().rev() {
            if noauto(m, &name) {
                continue;
            }
            if let Some(mp) = super::busy_mountpoint(m, cwd, std::slice::from_ref(&name)) {
                out.append(Output::error(super::busy_error(&mp), 1));
                continue;
            }
            out.append(super::outcome(m.zfs_set_mounted(&name, false).map_err(|e| super::message(&e)), String::new()));
        }
        return out;
    }
    let [arg] = operands.as_slice() else {
        return usage_error(if operands.is_empty() { "missing filesystem argument" } else { "too many arguments" }, UNMOUNT_USAGE);
    };
    let name = if arg.starts_with('/') {
        let mounts = m.zfs_mounts();
        match mounts.iter().find(|x| x.1 == arg.trim_end_matches('/') || (x.1 == "/" && arg == "/")) {
            Some(x) => x.0.clone(),
            // getextmntent finds the mount a path lives on, by its device.
            None if m.zfs_path(arg).is_some() => return Output::error(format!("cannot unmount '{arg}': not a mountpoint\n"), 1),
            None if m.stat_path(arg).is_ok() => return Output::error(format!("cannot unmount '{arg}': not a ZFS filesystem\n"), 1),
            None => return Output::error(format!("warning: {arg} not in/proc/self/mounts\n{arg}: No such file or directory\n"), 1),
        }
    } else {
        arg.clone()
    };
    let pool = m.zfs().pool(pool_of(&name));
    match pool.and_then(|p| p.dataset(&name)).filter(|_| !name.contains('@')) {
        None => Output::error(format!("cannot open '{name}': dataset does not exist\n"), 1),
        Some(d) if d.is_volume() => Output::error(format!("cannot open '{name}': operation not applicable to datasets of this type\n"), 1),
        Some(_) if pool.is_some_and(|p| p.mountpoint_of(&name) == "legacy") => Output::error(format!("cannot unmount '{name}': legacy mountpoint\nuse umount(8) to unmount this filesystem\n"), 1),
        Some(_) if !m.zfs_mounts().iter().any(|x| x.0 == name) => Output::error(format!("cannot unmount '{name}': not currently mounted\n"), 1),
        Some(_) => match super::busy_mountpoint(m, cwd, std::slice::from_ref(&name)) {
            Some(mp) => Output::error(super::busy_error(&mp), 1),
            None => super::outcome(m.zfs_set_mounted(&name, false).map_err(|e| super::message(&e)), String::new()),
        },
    }
}
