//! `fsck` (util-linux 2.38.1) and `e2label` (e2fsprogs 1.47.0), native
//! only. fsck probes the device's type as libblkid does and runs that
//! type's checker: e2fsck under the name `fsck.extN` (`fsck.ext2` when no
//! type is found), fsck.xfs's note for XFS; swap, LVM PVs and the other
//! types without a checker are skipped silently. e2label reads or writes
//! the label in the primary superblock (with its checksum).
//! Simplified: fsck checks the devices it is given (no `-A`, no fstab
//! walk), one after the other.

use super::{e2fs, Output, Shell};
use crate::core::machine::Machine;
use crate::core::media::Chunk;
use crate::core::signature::FsType;

const BANNER: &str = "fsck from util-linux 2.38.1\n";
const XFS_NOTE: &str = "If you wish to check the consistency of an XFS filesystem or\nrepair a damaged filesystem, see xfs_repair(8).\n";

pub fn run(shell: &mut Shell, cmd: &str, args: &[String]) -> Option<Output> {
    match cmd {
        "fsck" => Some(fsck(&mut shell.machine, args)),
        "e2label" => Some(e2label(&mut shell.machine, args)),
        _ => None,
    }
}

/// fsck's own options, and the rest handed to the checker.
struct FsckArgs {
    banner: bool,
    dry_run: bool,
    verbose: bool,
    fstype: Option<String>,
    checker: Vec<String>,
    devices: Vec<String>,
}

fn fsck_args(args: &[String]) -> FsckArgs {
    let mut a = FsckArgs { banner: true, dry_run: false, verbose: false, fstype: None, checker: Vec::new(), devices: Vec::new() };
    let mut it = args.iter().peekable();
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "-t" => a.fstype = it.next().cloned(),
            "-C" | "-r" => _ = it.next_if(|n| n.parse::<u32>().is_ok()),
            "-T" => a.banner = false,
            "-N" => a.dry_run = true,
            "-V" => a.verbose = true,
            "-A" | "-R" | "-M" | "-P" | "-s" | "-l" | "--" => {}
            s if s.starts_with('-') => a.checker.push(s.to_string()),
            s => a.devices.push(s.to_string()),
        }
    }
    a
}

fn fsck(machine: &mut Machine, args: &[String]) -> Output {
    let a = fsck_args(args);
    let mut out = Output::text(if a.banner { BANNER } else { "" }, 0);
    // fsck's banner comes before its checker runs, whatever each writes.
    let mut both = out.text.clone();
    for dev in &a.devices {
        let found = machine.resolve(dev).and_then(|d| machine.probe_at(d, 0, machine.size_of(d))).map(|s| s.fstype.name().to_string());
        let fstype = a.fstype.clone().or(found).unwrap_or_else(|| "ext2".into());
        let checker = format!("fsck.{fstype}");
        if !matches!(fstype.as_str(), "ext2" | "ext3" | "ext4" | "xfs") {
            continue;
        }
        let line = format!("[/usr/sbin/{checker} (1) -- {dev}] {checker} {}{dev} \n", a.checker.iter().map(|c| format!("{c} ")).collect::<String>());
        if a.dry_run || a.verbose {
            out.text.push_str(&line);
            both.push_str(&line);
        }
        if a.dry_run {
            continue;
        }
        if fstype == "xfs" {
            out.text.push_str(XFS_NOTE);
            both.push_str(XFS_NOTE);
            continue;
        }
        let mut e2fsck_args = a.checker.clone();
        e2fsck_args.push(dev.clone());
        let checked = e2fs::e2fsck(machine, &e2fsck_args);
        e2fs::note_check(machine, &e2fsck_args, &checked);
        let rename = |t: &str| t.lines().map(|l| match l.strip_prefix("e2fsck: ") {
            Some(rest) => format!("{checker}: {rest}\n"),
            None => format!("{l}\n"),
        }).collect::<String>();
        both.push_str(&rename(&checked.both.clone().unwrap_or_else(|| format!("{}{}", checked.err, checked.text))));
        out.text.push_str(&rename(&checked.text));
        out.err.push_str(&rename(&checked.err));
        out.exit_status |= checked.exit_status;
        out.events.extend(checked.events);
    }
    Output { both: Some(both), ..out }
}

/// `e2label DEVICE [NEW-LABEL]`.
fn e2label(machine: &mut Machine, args: &[String]) -> Output {
    let usage = || Output::error("Usage: e2label device [newlabel]\n", 1);
    let (dev, new) = match args {
        [dev] => (dev, None),
        [dev, label] => (dev, Some(label)),
        _ => return usage(),
    };
    let Some(id) = machine.resolve(dev) else {
        return Output::error(format!("e2label: No such file or directory while trying to open {dev}\nCouldn't find valid filesystem superblock.\n"), 1);
    };
    let found = machine.probe_at(id, 0, machine.size_of(id));
    let Some(sig) = found.as_ref().filter(|s| s.fstype == FsType::Ext4) else {
        let mut o = Output::error(format!("e2label: Bad magic number in super-block while trying to open {dev}\n"), 1);
        if let Some(s) = found {
            o.text = format!("{dev} contains a {} file system\n", s.fstype.name());
        }
        return o;
    };
    let Some(label) = new else { return Output::text(format!("{}\n", sig.label), 0) };
    let mut o = Output::default();
    if label.len() > 16 {
        o.err.push_str("Warning: label too long, truncating.\n");
    }
    let Ok(mut sb) = machine.read_at(id, 1024, 1024) else { return o };
    sb[0x78..0x88].fill(0);
    let bytes = &label.as_bytes()[..label.len().min(16)];
    sb[0x78..0x78 + bytes.len()].copy_from_slice(bytes);
    crate::core::signature::ext4_checksum(&mut sb);
    o.events = machine.write_at(id, 1024, Chunk::bytes(&sb)).unwrap_or_else(|f| f.events);
    o
}
