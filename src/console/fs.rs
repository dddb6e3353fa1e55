//! Filesystems and swap: mkfs.ext4, mkfs.xfs, mkswap, mount, umount, swapon and
//! swapoff, with e2fsprogs' and util-linux's exact output.
//!
//! Every tool acts on the device's bytes through the core: mkfs writes a real
//! superblock, mount and swapon probe for it. mkfs.xfs is in `mkfs_xfs`.

use super::fmt::{human_size, Align, SizeStyle, Table};
use super::Output;
use crate::core::device::{DevId, DevKind, LvRole};
use crate::core::ext4::Geometry;
use crate::core::machine::{Busy, FsError, Machine, NewFs};
use crate::core::signature::{self, Ext4Layout};

/// A complaint, on standard error.
fn out(text: impl Into<String>, status: i32) -> Output {
    Output::error(text, status)
}

/// Runs a filesystem command, or returns None when `cmd` is not one.
pub fn run(machine: &mut Machine, cmd: &str, args: &[String]) -> Option<Output> {
    Some(match cmd {
        "mkfs.ext4" => mkfs_ext4(machine, args),
        "mkfs" => mkfs(machine, args),
        #[cfg(feature = "xfs")]
        "mkfs.xfs" => super::mkfs_xfs::mkfs_xfs(machine, args),
        #[cfg(not(feature = "xfs"))]
        "mkfs.xfs" => out("mkfs.xfs: this command is in the storage-lab command-line program, not in the browser yet\n", 1),
        "mkswap" => mkswap(machine, args),
        "mount" => mount(machine, args),
        "swapon" => swapon(machine, args),
        "swapoff" => swapoff(machine, args),
        #[cfg(feature = "mount-table")]
        "findmnt" => super::findmnt::findmnt(machine, args),
        _ => return None,
    })
}

/// e2fsck's counts of an ext4 filesystem of `blocks` blocks, as its
/// superblock keeps them: ("USED/TOTAL" inodes, "USED/TOTAL" blocks).
pub fn ext4_counts(machine: &Machine, uuid: &str, blocks: u64) -> Option<(String, String)> {
    let s = machine.statfs_of(uuid)?;
    Some((format!("{}/{}", s.files - s.files_free.min(s.files), s.files), format!("{}/{blocks}", blocks - s.free.min(blocks))))
}

/// `mkfs -t TYPE DEV`.
fn mkfs(machine: &mut Machine, args: &[String]) -> Output {
    let t = args.iter().position(|a| a == "-t").and_then(|i| args.get(i + 1)).cloned().unwrap_or_else(|| "ext2".into());
    let rest: Vec<String> =
        args.iter().enumerate().filter(|(i, a)| *a != "-t" && args.get(i.wrapping_sub(1)).is_none_or(|p| p != "-t")).map(|(_, a)| a.clone()).collect();
    match t.as_str() {
        "ext4" => mkfs_ext4(machine, &rest),
        #[cfg(feature = "xfs")]
        "xfs" => super::mkfs_xfs::mkfs_xfs(machine, &rest),
        other => out(format!("mkfs: the {other} filesystem is not simulated here; use mkfs.ext4, mkfs.xfs or mkswap\n"), 1),
    }
}

/// Options shared by mkfs.ext4 and mkswap: `-L`, `-U`, `-F`, `-q`, `-E`.
#[derive(Default)]
struct MkfsArgs {
    device: Option<String>,
    label: String,
    uuid: Option<String>,
    hash_seed: Option<String>,
    quiet: bool,
    /// `-E nodiscard`: the device's blocks are not discarded first.
    nodiscard: bool,
    /// `-n`: mke2fs says what it would make and writes nothing.
    dry_run: bool,
    /// The second operand: the filesystem's size (`blocks-count`).
    blocks: Option<String>,
    /// `-F`: no question before formatting over a filesystem or table.
    force: bool,
}

fn parse_mkfs_args(tool: &str, args: &[String]) -> Result<MkfsArgs, Output> {
    let mut a = MkfsArgs::default();
    let mut i = 0;
    while i < args.len() {
        let arg = args[i].as_str();
        let value = |i: &mut usize| {
            *i += 1;
            args.get(*i).cloned().ok_or_else(|| out(format!("{tool}: option requires an argument -- '{}'\n", arg.trim_start_matches('-')), 1))
        };
        match arg {
            "-L" => a.label = value(&mut i)?,
            "-U" => a.uuid = Some(value(&mut i)?),
            "-E" => {
                let v = value(&mut i)?;
                for opt in v.split(',') {
                    if let Some(seed) = opt.strip_prefix("hash_seed=") {
                        a.hash_seed = Some(seed.to_string());
                    }
                    a.nodiscard = match opt {
                        "nodiscard" => true,
                        "discard" => false,
                        _ => a.nodiscard,
                    };
                }
            }
            "-t" | "-T" | "-b" | "-m" | "-N" | "-i" => {
                value(&mut i)?;
            }
            "-q" => a.quiet = true,
            "-n" if tool == "mkfs.ext4" && cfg!(feature = "mke2fs-options") => a.dry_run = true,
            "-F" => a.force = true,
            "-f" | "-c" => {}
            s if s.starts_with('-') && s.len() > 1 => {
                let option: String = s.chars().nth(1).map(String::from).unwrap_or_default();
                let usage = if matches!(tool, "mkfs.ext4" | "mkswap") { usage(tool) } else { String::new() };
                return Err(out(format!("{tool}: invalid option -- '{option}'\n{usage}"), 1));
            }
            s if a.device.is_some() && tool == "mkfs.ext4" && cfg!(feature = "mke2fs-options") => a.blocks = Some(s.to_string()),
            s => a.device = Some(s.to_string()),
        }
        i += 1;
    }
    Ok(a)
}

/// What a mkfs-like command prints when its arguments are wrong (mke2fs's
/// usage under its own name, util-linux mkswap's hint).
fn usage(tool: &str) -> String {
    match tool {
        "mkswap" => "Try 'mkswap --help' for more information.\n".into(),
        "mkfs.ext4" => format!(
            "Usage: {tool} [-c|-l filename] [-b block-size] [-C cluster-size]\n\t[-i bytes-per-inode] [-I inode-size] [-J journal-options]\n\t[-G flex-group-size] [-N number-of-inodes] [-d root-directory]\n\t[-m reserved-blocks-percentage] [-o creator-os]\n\t[-g blocks-per-group] [-L volume-label] [-M last-mounted-directory]\n\t[-O feature[,...]] [-r fs-revision] [-E extended-option[,...]]\n\t[-t fs-type] [-T usage-type ] [-U UUID] [-e errors_behavior][-z undo_file]\n\t[-jnqvDFSV] device [blocks-count]\n"
        ),
        _ => format!("Usage: {tool} [options] device\n"),
    }
}

/// The device argument of a mkfs-like command.
fn target(machine: &Machine, tool: &str, device: Option<&str>) -> Result<(DevId, String), Output> {
    let Some(dev) = device else {
        let missing = if tool == "mkswap" { "mkswap: error: Nowhere to set up swap on?\n" } else { "" };
        return Err(out(format!("{missing}{}", usage(tool)), 1));
    };
    let Some(id) = machine.resolve(dev) else {
        return Err(out(if cfg!(feature = "mke2fs-options") && tool == "mkswap" { format!("mkswap: cannot open {dev}: No such file or directory\n") } else { format!("The file {dev} does not exist and no size was specified.\n") }, 1));
    };
    Ok((id, machine.path(id)))
}

/// Whether device-mapper holds a PV: an LV of its VG has extents on it.
#[cfg(feature = "lvm-extras")]
pub(super) fn pv_held(machine: &Machine, dev: DevId) -> bool {
    let vg = machine.lvm().pv(dev).and_then(|p| p.vg_name.as_deref()).and_then(|n| machine.lvm().vg(n));
    vg.is_some_and(|v| v.lvs.iter().any(|lv| lv.segments.iter().any(|s| s.areas.iter().any(|a| a.pv == dev))))
}

/// The browser, where a PV's lost label goes unnoticed, counts any PV in a
/// VG as held.
#[cfg(not(feature = "lvm-extras"))]
pub(super) fn pv_held(machine: &Machine, dev: DevId) -> bool {
    machine.lvm().pv(dev).is_some_and(|p| p.vg_name.is_some())
}

/// Why mkfs refuses a device, in e2fsprogs' words: a mounted filesystem, or a
/// device the system holds (swap, an LV on it, a PV of a VG, a disk with a
/// partition in use). A disk whose partitions are all free is not held:
/// its O_EXCL open succeeds, and mkfs writes over the table.
fn in_use(machine: &Machine, dev: DevId) -> Option<&'static str> {
    match machine.busy(dev) {
        Some(Busy::Mounted { .. }) => return Some("is mounted; will not make a filesystem here!"),
        Some(_) => return Some("is apparently in use by the system; will not make a filesystem here!"),
        None => {}
    }
    (pv_held(machine, dev) || machine.disk_busy(dev)).then_some("is apparently in use by the system; will not make a filesystem here!")
}

/// e2fsprogs' numeric progress as it appears in a pipe: the counter, then
/// backspaces, blanks and backspaces that a terminal turns into nothing.
fn progress(done: u64, total: u64) -> String {
    let width = total.to_string().len();
    let shown = format!("{done:>width$}/{total}");
    let back = "\u{8}".repeat(shown.len());
    format!("{shown}{back}{}{back}", " ".repeat(shown.len()))
}

/// Devices that accept discards (mke2fs then trims them first): loop devices,
/// NVMe drives and thin volumes.
pub(super) fn discards(machine: &Machine, dev: DevId) -> bool {
    let thin = machine.devices().get(dev).is_some_and(|d| matches!(d.kind, DevKind::Lv { role: LvRole::Thin, .. }));
    thin || machine.lower_disk(dev).is_some_and(|d| matches!(d.transport, crate::core::disk::Transport::Loop | crate::core::disk::Transport::Nvme))
}

fn mkfs_ext4(machine: &mut Machine, args: &[String]) -> Output {
    mkfs_ext4_named(machine, args, true)
}

/// What mke2fs asks on a terminal before it formats over something
/// (`check_plausibility` with CHECK_FS_EXIST): the filesystem it found, with
/// when an ext filesystem was last mounted or made, or the partition table,
/// then "Proceed anyway? (y,N) ". None when there is nothing to ask about,
/// with -F, or when mke2fs stops earlier anyway.
#[cfg(feature = "mke2fs-options")]
pub fn mkfs_question(machine: &Machine, args: &[String]) -> Option<Output> {
    let a = parse_mkfs_args("mkfs.ext4", args).ok().filter(|a| !a.force)?;
    let (mut text, notice) = plausibility(machine, &a)?;
    text.push_str("Proceed anyway? (y,N) ");
    let err = format!("{}{notice}", if a.quiet { "" } else { "mke2fs 1.47.0 (5-Feb-2023)\n" });
    Some(Output { text, err, ..Output::default() })
}

/// mkfs.ext4 on a terminal with -F: the same notice, and no question.
#[cfg(feature = "mke2fs-options")]
pub fn mkfs_ext4_forced(machine: &mut Machine, args: &[String]) -> Output {
    let found = parse_mkfs_args("mkfs.ext4", args).ok().filter(|a| a.force).and_then(|a| plausibility(machine, &a));
    let mut out = mkfs_ext4(machine, args);
    if let Some((text, notice)) = found {
        // After mke2fs's banner, before its report.
        let at = if out.err.starts_with("mke2fs ") { out.err.find('\n').map_or(0, |i| i + 1) } else { 0 };
        out.err.insert_str(at, &notice);
        out.text.insert_str(0, &text);
    }
    out
}

/// `check_plausibility`'s findings: (standard output, standard error).
#[cfg(feature = "mke2fs-options")]
fn plausibility(machine: &Machine, a: &MkfsArgs) -> Option<(String, String)> {
    let (dev, path) = target(machine, "mkfs.ext4", a.device.as_deref()).ok()?;
    if in_use(machine, dev).is_some() || a.label.chars().count() > 16 {
        return None;
    }
    let mut err = String::new();
    let mut text = String::new();
    if let Some(sig) = machine.probe(dev) {
        let kind = sig.fstype.name();
        match sig.label.as_str() {
            "" => text.push_str(&format!("{path} contains a {kind} file system\n")),
            label => text.push_str(&format!("{path} contains a {kind} file system labelled '{label}'\n")),
        }
        if sig.fstype == crate::core::signature::FsType::Ext4 {
            text.push_str(&ext2_info(machine, dev));
        }
    } else if let Some(table) = machine.disk(dev).and_then(|d| d.label()) {
        err.push_str(&format!("Found a {} partition table in {path}\n", table.kind.name()));
    } else {
        return None;
    }
    Some((text, err))
}

/// `print_ext2_info`: when the filesystem was last mounted (and where), or
/// else made, or else written, from its superblock.
#[cfg(feature = "mke2fs-options")]
fn ext2_info(machine: &Machine, dev: DevId) -> String {
    let Ok(sb) = machine.read_at(dev, 1024, 1024) else { return String::new() };
    let time = |at: usize| u32::from_le_bytes([sb[at], sb[at + 1], sb[at + 2], sb[at + 3]]);
    let date = |t: u32| super::fmt::ctime(u64::from(t));
    let last_mounted = String::from_utf8_lossy(&sb[0x88..0xC8]).trim_end_matches('\0').to_string();
    match (time(0x2C), time(0x108), time(0x30)) {
        (t, ..) if t != 0 && !last_mounted.is_empty() => format!("\tlast mounted on {last_mounted} on {}\n", date(t)),
        (t, ..) if t != 0 => format!("\tlast mounted on {}\n", date(t)),
        (_, t, _) if t != 0 => format!("\tcreated on {}\n", date(t)),
        (.., t) if t != 0 => format!("\tlast modified on {}\n", date(t)),
        _ => String::new(),
    }
}

/// mkfs.ext4 once its question was answered 'y': it goes on where it stopped.
#[cfg(feature = "mke2fs-options")]
pub fn mkfs_ext4_answered(machine: &mut Machine, args: &[String]) -> Output {
    mkfs_ext4_named(machine, args, false)
}

/// mkfs.ext4, naming itself first unless it did so before a question.
fn mkfs_ext4_named(machine: &mut Machine, args: &[String], banner: bool) -> Output {
    let a = match parse_mkfs_args("mkfs.ext4", args) {
        Ok(a) => a,
        Err(o) => return o,
    };
    let (dev, path) = match target(machine, "mkfs.ext4", a.device.as_deref()) {
        Ok(t) => t,
        // mke2fs names itself before it looks for the device.
        Err(o) if !a.quiet && a.device.is_some() => return Output { err: format!("mke2fs 1.47.0 (5-Feb-2023)\n{}", o.err), ..o },
        Err(o) => return o,
    };
    let mut text = String::new();
    let mut a = a;
    if let Some((cut, _)) = a.label.char_indices().nth(16) {
        a.label.truncate(cut);
        text.push_str(&format!("Warning: label too long; will be truncated to '{}'\n\n", a.label));
    }
    if !a.quiet && banner {
        text.push_str("mke2fs 1.47.0 (5-Feb-2023)\n");
    }
    if let Some(why) = in_use(machine, dev) {
        text.push_str(&format!("{path} {why}\n"));
        return out(text, 1);
    }
    let size = match a.blocks.as_deref().map(blocks_count_bytes) {
        _ if !cfg!(feature = "mke2fs-options") => machine.size_of(dev),
        None => machine.size_of(dev),
        Some(Some(bytes)) if bytes <= machine.size_of(dev) || a.dry_run => bytes,
        Some(Some(_)) => {
            text.push_str("mke2fs: Filesystem larger than apparent device size.\nProceed anyway? (y,N) \n");
            return out(text, 1);
        }
        Some(None) => {
            text.push_str(&format!("mkfs.ext4: invalid blocks '{}' on device '{path}'\n", a.blocks.unwrap_or_default()));
            return out(text, 1);
        }
    };
    let Some(g) = Geometry::for_size(size) else {
        text.push_str(&format!("{path}: Device size reported to be zero or too small.\n"));
        return out(text, 1);
    };
    // mke2fs names itself and warns on standard error, and reports on
    // standard output.
    let err = text;
    let mut text = String::new();
    let uuid = a.uuid.clone().unwrap_or_else(|| machine.new_fs_uuid());
    let mut events = Vec::new();
    if a.dry_run && cfg!(feature = "mke2fs-options") {
        let report = creation_report(&g, &uuid);
        // (-q silences the rest of mke2fs, not this report.)
        return Output { text: report.split("Allocating").next().unwrap_or_default().to_string(), err, ..Output::default() };
    }
    if !a.nodiscard && discards(machine, dev) {
        events = machine.discard(dev);
        if !a.quiet {
            text.push_str(&format!("Discarding device blocks: {}done                            \n", progress(0, g.blocks)));
        }
    }
    if !a.quiet {
        text.push_str(&creation_report(&g, &uuid));
    }
    let hash_seed = match a.hash_seed.as_deref() {
        Some(seed) => signature::uuid_bytes(seed),
        None => signature::uuid_bytes(&machine.new_fs_uuid()),
    };
    let now = machine.now() as u32;
    let layout = Ext4Layout { geometry: g, uuid: signature::uuid_bytes(&uuid), hash_seed, label: a.label.clone(), now };
    match machine.mkfs(dev, NewFs::Ext4(layout)) {
        Ok(made) => {
            events.extend(made);
            Output { text, err, events, ..Output::default() }
        }
        #[cfg(feature = "loop-devices")]
        Err(FsError::ReadOnly) => Output { text, err: format!("{err}{}: Operation not permitted while setting up superblock\n", machine.path(dev)), exit_status: 1, ..Output::default() },
        Err(e) => Output { text, err: format!("{err}mkfs.ext4: {e}\n"), exit_status: 1, ..Output::default() },
    }
}

/// mke2fs's `blocks-count` operand in bytes (`parse_num_blocks2`): 1 KiB
/// blocks, or a number with K, M, G or T (or `s`, 512-byte sectors).
fn blocks_count_bytes(text: &str) -> Option<u64> {
    let digits = text.trim_end_matches(|c: char| c.is_ascii_alphabetic());
    let shift = match &text[digits.len()..] {
        "" | "k" | "K" => 10,
        "s" => 9,
        "m" | "M" => 20,
        "g" | "G" => 30,
        "t" | "T" => 40,
        _ => return None,
    };
    digits.parse::<u64>().ok().filter(|n| *n > 0).and_then(|n| n.checked_mul(1 << shift))
}

/// What mke2fs prints after the discard: sizes, UUID, backups, progress lines.
fn creation_report(g: &Geometry, uuid: &str) -> String {
    let unit = if g.block_size == 1024 { "1k" } else { "4k" };
    let mut text = format!("Creating filesystem with {} {unit} blocks and {} inodes\nFilesystem UUID: {uuid}\n", g.blocks, g.inodes);
    let backups = g.backup_groups();
    if !backups.is_empty() {
        // mke2fs wraps the list when the next number would pass column 72.
        text.push_str("Superblock backups stored on blocks: ");
        let mut col_left = 0usize;
        for (i, group) in backups.iter().enumerate() {
            let block_no = group * g.blocks_per_group + g.first_data_block;
            if i > 0 {
                text.push_str(", ");
            }
            let need = block_no.to_string().len() + 2;
            if need > col_left {
                text.push_str("\n\t");
                col_left = 72;
            }
            col_left -= need;
            text.push_str(&block_no.to_string());
        }
        text.push_str("\n\n");
    }
    text.push_str(&format!("Allocating group tables: {}done                            \n", progress(0, g.groups)));
    text.push_str(&format!("Writing inode tables: {}done                            \n", progress(0, g.groups)));
    text.push_str(&format!("Creating journal ({} blocks): done\n", g.journal_blocks));
    text.push_str(&format!("Writing superblocks and filesystem accounting information: {}done\n\n", progress(0, g.groups)));
    text
}

fn mkswap(machine: &mut Machine, args: &[String]) -> Output {
    let a = match parse_mkfs_args("mkswap", args) {
        Ok(a) => a,
        Err(o) => return o,
    };
    let (dev, path) = match target(machine, "mkswap", a.device.as_deref()) {
        Ok(t) => t,
        Err(o) => return o,
    };
    if in_use(machine, dev).is_some() {
        return out(format!("mkswap: error: {path} is mounted; will not make swapspace\n"), 1);
    }
    let uuid = a.uuid.clone().unwrap_or_else(|| machine.new_fs_uuid());
    let usable = machine.size_of(dev).saturating_sub(4096);
    // The old signature is wiped (with a warning) before the swap area is written.
    let mut err = match machine.probe(dev) {
        Some(old) => format!("mkswap: {path}: warning: wiping old {} signature.\n", old.fstype.name()),
        None => String::new(),
    };
    let label = if a.label.is_empty() { "no label".to_string() } else { format!("LABEL={}", a.label) };
    let mut text = format!("Setting up swapspace version 1, size = {} ({usable} bytes)\n{label}, UUID={uuid}\n", human_size(usable, SizeStyle::Iec));
    if a.quiet {
        text.clear();
        err.clear();
    }
    match machine.mkfs(dev, NewFs::Swap { uuid, label: a.label }) {
        Ok(events) => Output { text, err, events, ..Output::default() },
        Err(e) => out(format!("mkswap: {e}\n"), 1),
    }
}

/// `mount [-t TYPE] [-o OPTIONS] DEV DIR`. Simplified: every mount is
/// read-write with the default options, so `-o` takes only `defaults`, `rw`
/// and `relatime`. /etc/fstab and tags are `fstab`'s (native only).
pub(super) fn mount(machine: &mut Machine, args: &[String]) -> Output {
    #[cfg(feature = "mount-table")]
    if let Some(o) = super::fstab::intercept(machine, args) {
        return o;
    }
    let (mut pos, mut fstype, mut options) = (Vec::new(), None, "");
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "-t" | "--types" => fstype = it.next(),
            "-o" | "--options" => options = it.next().map_or("", String::as_str),
            s if s.starts_with('-') => {}
            _ => pos.push(a),
        }
    }
    if let Some(o) = options.split(',').find(|o| !matches!(*o, "" | "defaults" | "rw" | "relatime")) {
        return out(format!("mount: the lab mounts read-write with the default options; -o {o} is not modelled\n"), 1);
    }
    let [dev, dir] = pos.as_slice() else {
        return match pos.as_slice() {
            [] => Output::text(super::mounts::list(machine), 0),
            [one] => out(format!("mount: {one}: can't find in /etc/fstab.\n"), 1),
            _ => out("mount: bad usage\nTry 'mount --help' for more information.\n", 1),
        };
    };
    let hint = "       dmesg(1) may have more information after failed mount system call.\n";
    #[cfg(feature = "mount-table")]
    let dev = &super::fstab::device_path(machine, dev).unwrap_or_default();
    let Some(id) = machine.resolve(dev) else {
        return out(format!("mount: {dir}: special device {dev} does not exist.\n{hint}"), 32);
    };
    let path = machine.path(id);
    let found = machine.probe(id).map(|s| s.fstype.name());
    // The kernel also refuses a filesystem larger than its device (a
    // partition shrunk under it: ext4's "bad geometry").
    let too_big = machine.probe(id).is_some_and(|s| s.size_bytes > machine.size_of(id));
    if too_big || fstype.is_some_and(|t| t != "auto" && Some(t.as_str()) != found) {
        return out(format!("mount: {dir}: wrong fs type, bad option, bad superblock on {path}, missing codepage or helper program, or other error.\n{hint}"), 32);
    }
    // Nor one called LVM2_member or zfs_member (native: the browser's budget).
    #[cfg(feature = "mount-table")]
    if let Some(t) = found.filter(|t| matches!(*t, "LVM2_member" | "zfs_member")) {
        return out(format!("mount: {dir}: unknown filesystem type '{t}'.\n{hint}"), 32);
    }
    // The kernel has no filesystem called swap.
    if found == Some("swap") {
        return out(format!("mount: {dir}: unknown filesystem type 'swap'.\n{hint}"), 32);
    }
    let target = crate::core::machine::files::normalize(dir);
    if machine.mounts().iter().any(|m| m.dev == id && m.target == target) {
        return out(format!("mount: {dir}: {dev} already mounted on {target}.\n{hint}"), 32);
    }
    match machine.mount(id, &target) {
        Ok(events) => Output { events, ..Output::default() },
        Err(FsError::TargetBusy) => out(format!("mount: {dir}: {dev} already mounted or mount point busy.\n{hint}"), 32),
        Err(FsError::NoMountPoint) => out(format!("mount: {dir}: mount point does not exist.\n{hint}"), 32),
        Err(e @ FsError::Snapshot) => out(format!("mount: {dir}: {e}.\n"), 32),
        Err(_) => out(format!("mount: {dir}: wrong fs type, bad option, bad superblock on {path}, missing codepage or helper program, or other error.\n{hint}"), 32),
    }
}

/// `umount`; a filesystem with the shell's working directory or another
/// mount inside it is busy.
pub fn umount(machine: &mut Machine, args: &[String], cwd: &str) -> Output {
    let Some(what) = args.iter().find(|a| !a.starts_with('-')) else {
        return out("umount: bad usage\nTry 'umount --help' for more information.\n", 1);
    };
    let dev = machine.resolve(what);
    let target = machine.mounts().iter().find(|m| m.target == *what || Some(m.dev) == dev).map(|m| m.target.clone());
    let Some(target) = target else {
        // A path that names nothing is no mount point at all.
        let abs = if what.starts_with('/') { what.clone() } else { format!("{cwd}/{what}") };
        let why = if dev.is_none() && machine.stat_path(&abs).is_err() { "no mount point specified" } else { "not mounted" };
        return out(format!("umount: {what}: {why}.\n"), 32);
    };
    let below = |path: &str| path.strip_prefix(target.as_str()).is_some_and(|rest| rest.is_empty() || rest.starts_with('/') || target == "/");
    let nested = machine.mounts().iter().any(|m| m.target != target && below(&m.target));
    if target == "/" || target == "/boot/efi" || below(cwd) || nested {
        return out(format!("umount: {target}: target is busy.\n"), 32);
    }
    match machine.umount(&target, None) {
        Ok(events) => Output { events, ..Output::default() },
        Err(_) => out(format!("umount: {what}: not mounted.\n"), 32),
    }
}

fn swapon(machine: &mut Machine, args: &[String]) -> Output { #[cfg(feature = "mount-table")] let args: &[String] = &match super::fstab::swap_tags(machine, "swapon", args) { Ok(a) => a, Err(o) => return o };
    // `-s` prints /proc/swaps as it is (native: the browser has no /proc).
    #[cfg(feature = "mount-table")]
    if args.iter().any(|a| a == "-s" || a == "--summary") {
        return Output::text(super::procfs::swaps(machine), 0);
    }
    let Some(dev) = args.iter().find(|a| !a.starts_with('-')) else {
        return Output::text(swap_table(machine), 0);
    };
    let Some(id) = machine.resolve(dev) else {
        return out(format!("swapon: cannot open {dev}: No such file or directory\n"), 255);
    };
    let path = machine.path(id);
    match machine.swapon(id) {
        Ok(events) => Output { events, ..Output::default() },
        Err(FsError::SwapActive) => out(format!("swapon: {path}: swapon failed: Device or resource busy\n"), 255),
        Err(_) => out(format!("swapon: {path}: read swap header failed\n"), 255),
    }
}

/// `swapon --show`: /proc/swaps as util-linux prints it, device-mapper
/// devices by their kernel name. The kernel gives each new swap area the next
/// lower priority from -2; the lab numbers them in activation order, which is
/// the same until a swap area is turned off and on again.
fn swap_table(machine: &Machine) -> String {
    let rows: Vec<[String; 5]> = machine
        .swaps()
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let name = machine.devices().get(*s).map_or_else(|| machine.path(*s), |d| format!("/dev/{}", d.kernel_name()));
            [name, "partition".into(), human_size(machine.size_of(*s), SizeStyle::Letter), "0B".into(), format!("-{}", i + 2)]
        })
        .collect();
    if rows.is_empty() {
        return String::new();
    }
    let (l, r) = (Align::Left, Align::Right);
    let mut table = Table::new(&[("NAME", l), ("TYPE", l), ("SIZE", r), ("USED", r), ("PRIO", r)]);
    for row in rows {
        table.push(row.into());
    }
    table.render()
}

fn swapoff(machine: &mut Machine, args: &[String]) -> Output { #[cfg(feature = "mount-table")] if let Some(o) = super::fstab::swapoff(machine, args) { return o; }
    let Some(dev) = args.iter().find(|a| !a.starts_with('-')) else {
        return out("swapoff: bad usage\n", 1);
    };
    let Some(id) = machine.resolve(dev) else {
        return out(format!("swapoff: {dev}: swapoff failed: No such file or directory\n"), 255);
    };
    let path = machine.path(id);
    if machine.lv_dev("pve", "swap") == Some(id) {
        return out(format!("swapoff: {path}: the lab keeps the host's own swap on\n"), 255);
    }
    match machine.swapoff(id) {
        Ok(events) => Output { events, ..Output::default() },
        Err(_) => out(format!("swapoff: {dev}: swapoff failed: Invalid argument\n"), 255),
    }
}
