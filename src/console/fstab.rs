//! /etc/fstab as util-linux 2.38's `mount -a` and `mount DIR` read it: an
//! entry's source (a device path, or a `UUID=`, `LABEL=`, `PARTUUID=` or
//! `PARTLABEL=` tag), mount point, type and options, tried in file order.
//!
//! Simplified: proc, sysfs and the other pseudo filesystems count as mounted
//! already; of the options, the userspace ones (`nofail`, `noauto`, `x-*`…)
//! are read and the rest go to `mount -o`, which takes what the lab models.

use super::Output;
use crate::core::machine::files::normalize;
use crate::core::machine::Machine;

/// One fstab line (`struct libmnt_fs` as read from the file).
#[derive(Debug, Clone, PartialEq, Eq)]
struct Entry {
    source: String,
    target: String,
    fstype: String,
    options: String,
}

/// mount's exit statuses (`MNT_EX_*`).
const EX_USAGE: i32 = 1;
const EX_FAIL: i32 = 32;
const EX_SOMEOK: i32 = 64;

/// The filesystems the lab's kernel always has mounted.
const PSEUDO: &[&str] = &["proc", "sysfs", "devpts", "tmpfs", "devtmpfs", "securityfs", "cgroup2", "efivarfs", "debugfs"];

/// `mount -a`, `mount DIR|DEV` and a mount whose source is a tag, which
/// read /etc/fstab or the devices' tags; None for a mount that reads neither.
pub fn intercept(machine: &mut Machine, args: &[String]) -> Option<Output> {
    let (mut all, mut verbose, mut types, mut operands) = (false, false, None, Vec::new());
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "-t" | "--types" => types = it.next().cloned(),
            "-o" | "--options" => _ = it.next(),
            "--all" => all = true,
            "--verbose" => verbose = true,
            // `-oro` and `-text4` carry their value; another cluster is flags.
            s if s.starts_with("--") || s.starts_with("-o") || s.starts_with("-t") => {}
            s if s.starts_with('-') => {
                all |= s.contains('a');
                verbose |= s.contains('v');
            }
            s => operands.push(s),
        }
    }
    if all {
        return Some(mount_all(machine, verbose, types.as_deref()));
    }
    match operands.as_slice() {
        [one] => Some(mount_listed(machine, one)),
        [source, dir] => source_check(machine, source, dir).err().or_else(|| unknown_type(types.as_deref()?, dir)),
        _ => None,
    }
}

/// A two-operand mount's source: a tag is looked up (`can't find`), and a
/// path's mount point must exist before the device is looked at.
fn source_check(machine: &Machine, source: &str, dir: &str) -> Result<(), Output> {
    if let Some((name, value)) = tag(source) {
        return match super::blkid::find_tag(machine, name, value) {
            Some(_) => Ok(()),
            None => Err(Output::error(format!("mount: {dir}: can't find {source}.\n"), EX_USAGE)),
        };
    }
    if !machine.is_dir(&normalize(dir)) {
        let hint = "       dmesg(1) may have more information after failed mount system call.\n";
        return Err(Output::error(format!("mount: {dir}: mount point does not exist.\n{hint}"), EX_FAIL));
    }
    Ok(())
}

/// `NAME=value` for the tags libmount evaluates.
fn tag(spec: &str) -> Option<(&str, &str)> {
    spec.split_once('=').filter(|(n, _)| matches!(*n, "UUID" | "LABEL" | "PARTUUID" | "PARTLABEL"))
}

/// A source as a device path: a tag's device, or the path itself.
pub fn device_path(machine: &Machine, source: &str) -> Option<String> {
    match tag(source) {
        Some((name, value)) => super::blkid::find_tag(machine, name, value).map(|d| machine.path(d)),
        None => Some(source.to_string()),
    }
}

/// The entries of /etc/fstab, and a warning for each line libmount cannot
/// parse (fewer than three fields). No file is no entries.
fn read(machine: &Machine) -> (Vec<Entry>, String) {
    let size = machine.file_size("/etc/fstab").unwrap_or(0);
    let bytes = machine.read_file("/etc/fstab", 0, size).unwrap_or_default();
    let (mut entries, mut warnings) = (Vec::new(), String::new());
    for (i, line) in String::from_utf8_lossy(&bytes).lines().enumerate() {
        let fields: Vec<&str> = line.split_whitespace().collect();
        match fields.as_slice() {
            [] => {}
            [first, ..] if first.starts_with('#') => {}
            [source, target, fstype, rest @ ..] => entries.push(Entry {
                source: source.to_string(),
                target: target.to_string(),
                fstype: fstype.to_string(),
                options: rest.first().map_or("defaults", |o| o).to_string(),
            }),
            _ => warnings.push_str(&format!("mount: /etc/fstab: parse error at line {} -- ignored\n", i + 1)),
        }
    }
    (entries, warnings)
}

fn has_option(options: &str, name: &str) -> bool {
    options.split(',').any(|o| o == name)
}

/// `mnt_fs_match_fstype`: a comma list, all negated by a leading `no`.
fn type_matches(pattern: &str, fstype: &str) -> bool {
    match pattern.strip_prefix("no") {
        Some(list) => !list.split(',').any(|t| t.trim_start_matches("no") == fstype),
        None => pattern.split(',').any(|t| t == fstype),
    }
}

/// Whether the entry was mounted when `mount -a` began (libmount reads the
/// mount table once).
fn mounted(machine: &Machine, e: &Entry) -> bool {
    if PSEUDO.contains(&e.fstype.as_str()) {
        return true;
    }
    let dev = device_path(machine, &e.source).and_then(|p| machine.resolve(&p));
    let target = normalize(&e.target);
    machine.mounts().iter().any(|m| Some(m.dev) == dev && m.target == target)
}

/// `mount -a [-v] [-t TYPES]`: each entry not swap, `/`, `noauto` or of
/// another type, and not mounted already.
fn mount_all(machine: &mut Machine, verbose: bool, types: Option<&str>) -> Output {
    let (entries, warnings) = read(machine);
    let ignored = |e: &Entry| {
        e.fstype == "swap" || e.target == "/" || e.target == "root" || has_option(&e.options, "noauto") || types.is_some_and(|t| !type_matches(t, &e.fstype))
    };
    let skip: Vec<Option<&str>> = entries.iter().map(|e| if ignored(e) { Some("ignored") } else { mounted(machine, e).then_some("already mounted") }).collect();
    let mut out = Output { err: warnings, ..Output::default() };
    let (mut succeeded, mut failed) = (0, 0);
    for (e, skip) in entries.iter().zip(skip) {
        let note = match skip {
            Some(why) => why,
            None => {
                let (o, mounted) = mount_entry(machine, e);
                out.err.push_str(&o.err);
                out.events.extend(o.events);
                if o.exit_status != 0 {
                    failed += 1;
                    continue;
                }
                succeeded += 1;
                if !mounted {
                    continue;
                }
                "successfully mounted"
            }
        };
        if verbose {
            out.text.push_str(&format!("{:<25}: {note}\n", e.target));
        }
    }
    out.exit_status = match (failed, succeeded) {
        (0, _) => 0,
        (_, 0) => EX_FAIL,
        _ => EX_SOMEOK,
    };
    out
}

/// `mount DIR` or `mount DEV`: the entry with that mount point or source.
fn mount_listed(machine: &mut Machine, what: &str) -> Output {
    let (entries, warnings) = read(machine);
    let dev = machine.resolve(what);
    let found = entries.iter().find(|e| normalize(&e.target) == normalize(what)).or_else(|| {
        entries.iter().find(|e| e.source == what || dev.is_some() && device_path(machine, &e.source).and_then(|p| machine.resolve(&p)) == dev)
    });
    let mut out = match found {
        Some(e) => mount_entry(machine, e).0,
        None => Output::error(format!("mount: {what}: can't find in /etc/fstab.\n"), EX_USAGE),
    };
    out.err.insert_str(0, &warnings);
    out
}

/// Mounts one entry; also says whether a filesystem was mounted (`nofail`
/// forgives a source that is not there).
fn mount_entry(machine: &mut Machine, e: &Entry) -> (Output, bool) {
    let Some(path) = device_path(machine, &e.source) else {
        if has_option(&e.options, "nofail") {
            return (Output::default(), false);
        }
        return (Output::error(format!("mount: {}: can't find {}.\n", e.target, e.source), EX_USAGE), false);
    };
    let userspace = |o: &&str| matches!(*o, "auto" | "noauto" | "nofail" | "user" | "nouser" | "users" | "owner" | "group" | "_netdev") || o.starts_with("x-") || o.starts_with("comment=");
    let options: Vec<&str> = e.options.split(',').filter(|o| !userspace(o)).collect();
    let mut args = vec!["-o".to_string(), options.join(","), path, e.target.clone()];
    if e.fstype != "auto" {
        args.splice(0..0, ["-t".to_string(), e.fstype.clone()]);
    }
    let o = super::fs::mount(machine, &args);
    let mounted = o.exit_status == 0;
    (o, mounted)
}

/// `swapoff -a` turns every active swap area off in /proc/swaps order
/// (`-v` names each as /proc/swaps does); the host's own swap LV may go too
/// (the browser keeps it on). None for the other swapoffs.
pub fn swapoff(machine: &mut Machine, args: &[String]) -> Option<Output> {
    let raw = args;
    let tagged = match swap_tags(machine, "swapoff", args) {
        Ok(a) => a,
        Err(o) => return Some(o),
    };
    let args = tagged.as_slice();
    let flags = |c: char| args.iter().any(|a| a.starts_with('-') && !a.starts_with("--") && a.contains(c));
    let (all, verbose) = (flags('a') || args.iter().any(|a| a == "--all"), flags('v') || args.iter().any(|a| a == "--verbose"));
    let named: Vec<(crate::core::device::DevId, String)> = if all {
        let name = |s: &crate::core::device::DevId| machine.devices().get(*s).map_or_else(|| machine.path(*s), |d| format!("/dev/{}", d.kernel_name()));
        machine.swaps().iter().map(|s| (*s, name(s))).collect()
    } else {
        let dev = args.iter().find(|a| !a.starts_with('-'))?;
        machine.resolve(dev).filter(|d| machine.lv_dev("pve", "swap") == Some(*d) || tagged != raw).map(|d| (d, dev.clone())).into_iter().collect()
    };
    if !all && named.is_empty() {
        return None;
    }
    let mut o = Output::default();
    for (dev, name) in named {
        if verbose {
            o.text.push_str(&format!("swapoff {name}\n"));
        }
        match machine.swapoff(dev) {
            Ok(events) => o.events.extend(events),
            Err(_) if !all => return Some(Output::error(format!("swapoff: {name}: swapoff failed: Invalid argument\n"), 255)),
            Err(_) => {}
        }
    }
    Some(o)
}

/// `umount [-v] DIR...`: each operand in turn, the statuses or-ed (the
/// browser's budget takes the first and has no `-v`).
pub fn umount_each(machine: &mut Machine, args: &[String], cwd: &str) -> Output {
    let (flags, operands): (Vec<String>, Vec<String>) = args.iter().cloned().partition(|a| a.starts_with('-'));
    let verbose = flags.iter().any(|f| f == "--verbose" || !f.starts_with("--") && f.contains('v'));
    let flags: Vec<String> = flags.iter().filter(|f| *f != "--verbose").map(|f| if f.starts_with("--") { f.clone() } else { f.replace('v', "") }).filter(|f| f != "-").collect();
    if operands.len() < 2 && !verbose {
        let operands: Vec<String> = operands.iter().map(|o| mount_point(machine, o, cwd)).collect();
        return super::fs::umount(machine, &[flags, operands].concat(), cwd);
    }
    let mut all = Output::default();
    for operand in operands {
        let unmounted = if verbose { unmounted_message(machine, &operand, &flags, cwd) } else { None };
        let one = super::fs::umount(machine, &[flags.clone(), vec![mount_point(machine, &operand, cwd)]].concat(), cwd);
        if one.exit_status == 0 {
            all.err.push_str(&unmounted.unwrap_or_default());
        }
        all.err.push_str(&one.err);
        all.events.extend(one.events);
        all.exit_status |= one.exit_status;
    }
    all
}

/// `umount -v`'s line once a mount is gone: an absolute mount point takes
/// libmount's fast path (umount2 on the path, no table lookup) and is named
/// as given; a device, a relative path, `-l` or `-f` goes through the mount
/// table, which names the target and its source.
fn unmounted_message(machine: &Machine, operand: &str, flags: &[String], cwd: &str) -> Option<String> {
    let dev = machine.resolve(operand);
    let abs = absolute(operand, cwd);
    let row = super::mounts::table(machine).into_iter().find(|m| m.target == abs || dev.is_some_and(|d| machine.path(d) == m.source))?;
    let fast = operand.starts_with('/') && dev.is_none() && !flags.iter().any(|f| !f.starts_with("--") && (f.contains('l') || f.contains('f')));
    Some(if fast { format!("umount: {operand} unmounted\n") } else { format!("umount: {} ({}) unmounted\n", row.target, row.source) })
}

/// A relative path or one with a trailing slash, as the mount point it
/// names (umount canonicalizes its operand); anything else as given.
fn mount_point(machine: &Machine, operand: &str, cwd: &str) -> String {
    let abs = absolute(operand, cwd);
    if machine.mounts().iter().any(|m| m.target == abs) { abs } else { operand.to_string() }
}

/// An operand as an absolute, normalized path from the shell's directory.
fn absolute(operand: &str, cwd: &str) -> String {
    normalize(&if operand.starts_with('/') { operand.to_string() } else { format!("{cwd}/{operand}") })
}

/// Filesystem types the Proxmox VE kernel has built in or loads as modules.
const KERNEL_TYPES: &[&str] = &[
    "ext2", "ext3", "ext4", "xfs", "btrfs", "vfat", "msdos", "fat", "exfat", "ntfs", "ntfs3", "iso9660", "udf", "squashfs", "erofs", "f2fs",
    "jfs", "reiserfs", "hfs", "hfsplus", "minix", "nilfs2", "ocfs2", "gfs2", "zfs", "tmpfs", "ramfs", "proc", "sysfs", "devtmpfs", "devpts",
    "cgroup", "cgroup2", "hugetlbfs", "mqueue", "debugfs", "tracefs", "securityfs", "pstore", "efivarfs", "bpf", "configfs", "fuse", "fuseblk",
    "fusectl", "nfs", "nfs4", "cifs", "smb3", "ceph", "9p", "virtiofs", "overlay", "autofs", "binfmt_misc",
];

/// `mount -t TYPE` with a type no kernel module provides: the mount call
/// fails with ENODEV once the source and mount point are found (a list of
/// types, `auto` and `noTYPE` patterns go the usual way).
fn unknown_type(types: &str, dir: &str) -> Option<Output> {
    if types.contains(',') || types == "auto" || types.starts_with("no") || KERNEL_TYPES.contains(&types) || !dir.starts_with('/') {
        return None;
    }
    Some(Output::error(format!("mount: {}: unknown filesystem type '{types}'.\n       dmesg(1) may have more information after failed mount system call.\n", normalize(dir)), 32))
}

/// swapon's and swapoff's `-L LABEL`, `-U UUID` and `LABEL=`/`UUID=`
/// operands, as the devices they name: "cannot find the device for"
/// what was given (status 255) when none has it.
pub fn swap_tags(machine: &Machine, cmd: &str, args: &[String]) -> Result<Vec<String>, Output> {
    let mut out = Vec::new();
    let mut it = args.iter();
    while let Some(a) = it.next() {
        let (given, spec) = match a.as_str() {
            "-L" | "-U" => match it.next() {
                Some(v) => (v.clone(), format!("{}={v}", if a == "-L" { "LABEL" } else { "UUID" })),
                None => {
                    out.push(a.clone());
                    continue;
                }
            },
            s if tag(s).is_some() => (s.to_string(), s.to_string()),
            _ => {
                out.push(a.clone());
                continue;
            }
        };
        match device_path(machine, &spec).filter(|p| machine.resolve(p).is_some()) {
            Some(path) => out.push(path),
            None => return Err(Output::error(format!("{cmd}: cannot find the device for {given}\n"), 255)),
        }
    }
    Ok(out)
}

