//! `resize2fs` and `e2fsck` (e2fsprogs 1.47.0) on the lab's ext4 filesystems:
//! growing and shrinking, on-line while mounted, and the check's summary.
//!
//! Simplified: a filesystem is always consistent, so `e2fsck -f` finds
//! nothing to fix (a real read-only check of a mounted filesystem also
//! reports its stale free counts); the minimum size a shrink allows is the
//! blocks in use (resize2fs adds room for metadata, a few dozen blocks
//! more), and `-M`/`-P`, which print it, are refused. The console is a
//! terminal, so `e2fsck` runs as it does at one.

use super::Output;
use crate::core::event::Event;
use crate::core::ext4::desc_blocks;
use crate::core::machine::{Busy, Machine};
use crate::core::signature::FsType;

const RESIZE2FS: &str = "resize2fs 1.47.0 (5-Feb-2023)\n";
const E2FSCK: &str = "e2fsck 1.47.0 (5-Feb-2023)\n";
const RESIZE_USAGE: &str = "Usage: resize2fs [-d debug_flags] [-f] [-F] [-M] [-P] [-p] device [-b|-s|new_size] [-S RAID-stride] [-z undo_file]\n\n";
const E2FSCK_USAGE: &str = "Usage: e2fsck [-panyrcdfktvDFV] [-b superblock] [-B blocksize]
\t\t[-l|-L bad_blocks_file] [-C fd] [-j external_journal]
\t\t[-E extended-options] [-z undo_file] device

Emergency help:
 -p                   Automatic repair (no questions)
 -n                   Make no changes to the filesystem
 -y                   Assume \"yes\" to all questions
 -c                   Check for bad blocks and add them to the badblock list
 -f                   Force checking even if filesystem is marked clean
 -v                   Be verbose
 -b superblock        Use alternative superblock
 -B blocksize         Force blocksize when looking for superblock
 -j external_journal  Set location of the external journal
 -l bad_blocks_file   Add to badblocks list
 -L bad_blocks_file   Set badblocks list
 -z undo_file         Create an undo file
";
const BAD_MAGIC: &str = "
The superblock could not be read or does not describe a valid ext2/ext3/ext4
filesystem.  If the device is valid and it really contains an ext2/ext3/ext4
filesystem (and not swap or ufs or something else), then the superblock
is corrupt, and you might try running e2fsck with an alternate superblock:
    e2fsck -b 8193 <device>
 or
    e2fsck -b 32768 <device>

";

/// The ext4 filesystem on a device: (UUID, block size, blocks), or Err
/// when the device does not exist (false) or holds none (true).
fn ext4_on(machine: &Machine, path: &str) -> Result<(crate::core::device::DevId, String, u64, u64), bool> {
    let dev = machine.resolve(path).ok_or(false)?;
    let sig = machine.probe(dev).filter(|s| s.fstype == FsType::Ext4).ok_or(true)?;
    Ok((dev, sig.uuid, sig.block_size, sig.size_bytes / sig.block_size.max(1)))
}

/// `resize2fs [-f] [-p] DEVICE [SIZE]`.
pub fn resize2fs(machine: &mut Machine, args: &[String]) -> Output {
    let mut words = Vec::new();
    #[cfg(feature = "mke2fs-options")]
    let mut force = false;
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            #[cfg(feature = "mke2fs-options")]
            "-f" => force = true,
            #[allow(unreachable_patterns)]
            "-f" | "-F" | "-p" => {}
            "-d" | "-S" | "-z" => {
                it.next();
            }
            "-M" | "-P" => return Output::error(format!("{RESIZE2FS}resize2fs: the lab does not compute a filesystem's minimum size (-M, -P)\n"), 1),
            _ => words.push(a.as_str()),
        }
    }
    let (path, size) = match words[..] {
        [p] => (p, None),
        [p, s] => (p, Some(s)),
        _ => return Output::error(format!("{RESIZE2FS}{RESIZE_USAGE}"), 1),
    };
    let (dev, uuid, bs, blocks) = match ext4_on(machine, path) {
        Ok(f) => f,
        Err(false) => return Output::error(format!("{RESIZE2FS}open: No such file or directory while opening {path}\n"), 1),
        Err(true) => {
            // resize2fs's standard output is buffered: its line comes after the error.
            let err = format!("{RESIZE2FS}resize2fs: Bad magic number in super-block while trying to open {path}\n");
            return Output { err, text: "Couldn't find valid filesystem superblock.\n".into(), exit_status: 1, ..Output::default() };
        }
    };
    #[cfg(feature = "mke2fs-options")]
    if let Some(out) = check_first(machine, dev, path, force) {
        return out;
    }
    let k = bs / 1024;
    let device_blocks = machine.size_of(dev) / bs;
    let new = match size {
        None => device_blocks,
        Some(s) => match new_size_blocks(s, bs) {
            Some(n) => n,
            None => return Output::error(format!("{RESIZE2FS}resize2fs: Invalid new size: {s}\n\n"), 1),
        },
    };
    if new > device_blocks {
        return Output::error(format!("{RESIZE2FS}The containing partition (or device) is only {device_blocks} ({k}k) blocks.\nYou requested a new size of {new} blocks.\n\n"), 1);
    }
    if new == blocks {
        return Output::error(format!("{RESIZE2FS}The filesystem is already {new} ({k}k) blocks long.  Nothing to do!\n\n"), 0);
    }
    let mounted_on = match machine.busy(dev) {
        Some(Busy::Mounted { target }) => Some(target),
        _ => None,
    };
    let mut text = String::new();
    if let Some(m) = &mounted_on {
        text = format!("Filesystem at {path} is mounted on {m}; on-line resizing required\n");
        if new < blocks {
            return Output { err: format!("{RESIZE2FS}resize2fs: On-line shrinking not supported\n"), text, exit_status: 1, ..Output::default() };
        }
        text.push_str(&format!("old_desc_blocks = {}, new_desc_blocks = {}\n", desc_blocks(blocks, bs), desc_blocks(new, bs)));
    } else {
        // A filesystem already larger than its device: reading past the
        // device's end fails (EINVAL) once the resize has begun.
        #[cfg(feature = "mke2fs-options")]
        if blocks > device_blocks {
            let err = format!("{RESIZE2FS}resize2fs: Invalid argument while trying to resize {path}\nPlease run 'e2fsck -fy {path}' to fix the filesystem\nafter the aborted resize operation.\n");
            return Output { text: format!("Resizing the filesystem on {path} to {new} ({k}k) blocks.\n"), err, exit_status: 1, ..Output::default() };
        }
        let used = blocks - machine.statfs_of(&uuid).map_or(0, |s| s.free.min(blocks));
        if new < used {
            return Output::error(format!("{RESIZE2FS}resize2fs: New size smaller than minimum ({used})\n\n"), 1);
        }
        text.push_str(&format!("Resizing the filesystem on {path} to {new} ({k}k) blocks.\n"));
    }
    machine.fs_resize(&uuid, new * bs);
    text.push_str(&format!("The filesystem on {path} is now {new} ({k}k) blocks long.\n\n"));
    let events = vec![Event::FilesystemResized { dev: machine.path(dev), new_bytes: new * bs }];
    Output { err: RESIZE2FS.into(), text, events, ..Output::default() }
}

/// `s_mtime` and `s_lastcheck` of the ext4 on `dev` (superblock offsets
/// 0x2C and 0x40).
#[cfg(feature = "mke2fs-options")]
fn mount_and_check_times(machine: &Machine, dev: crate::core::device::DevId) -> Option<(u32, u32)> {
    let b = machine.read_at(dev, 1024 + 0x2C, 0x18).ok()?;
    let le = |o: usize| u32::from_le_bytes([b[o], b[o + 1], b[o + 2], b[o + 3]]);
    Some((le(0), le(0x40 - 0x2C)))
}

/// resize2fs refuses an unmounted filesystem mounted since its last full
/// check, unless forced (`s_lastcheck < s_mtime`).
#[cfg(feature = "mke2fs-options")]
fn check_first(machine: &Machine, dev: crate::core::device::DevId, path: &str, force: bool) -> Option<Output> {
    let mounted = matches!(machine.busy(dev), Some(Busy::Mounted { .. }));
    let (mtime, lastcheck) = mount_and_check_times(machine, dev)?;
    (!mounted && !force && lastcheck < mtime).then(|| Output::error(format!("{RESIZE2FS}Please run 'e2fsck -f {path}' first.\n\n"), 1))
}

/// After a forced check that could write (`e2fsck -f`, not `-n`) ended
/// well: `s_lastcheck` becomes now, so resize2fs goes ahead.
#[cfg(feature = "mke2fs-options")]
pub fn note_check(machine: &mut Machine, args: &[String], out: &Output) {
    let flags: String = args.iter().filter_map(|a| a.strip_prefix('-')).collect();
    let Some(dev) = args.iter().rev().find(|a| !a.starts_with('-')).and_then(|p| machine.resolve(p)) else { return };
    if out.exit_status != 0 || !flags.contains('f') || flags.contains('n') || mount_and_check_times(machine, dev).is_none() {
        return;
    }
    let now = (machine.now() as u32).to_le_bytes();
    let _ = machine.write_at(dev, 1024 + 0x40, crate::core::media::Chunk::bytes(&now));
}

/// resize2fs's size argument: blocks, or a number with `s` (512-byte
/// sectors), `K`, `M`, `G` or `T`.
fn new_size_blocks(s: &str, bs: u64) -> Option<u64> {
    let split = s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
    let n: u64 = s[..split].parse().ok()?;
    let bytes = match &s[split..] {
        "" => return Some(n),
        "s" => n.checked_mul(512)?,
        "K" | "k" => n.checked_mul(1 << 10)?,
        "M" | "m" => n.checked_mul(1 << 20)?,
        "G" | "g" => n.checked_mul(1 << 30)?,
        "T" | "t" => n.checked_mul(1 << 40)?,
        _ => return None,
    };
    Some(bytes / bs)
}

/// `e2fsck [-f] [-n|-y|-p] DEVICE`.
pub fn e2fsck(machine: &Machine, args: &[String]) -> Output {
    let (mut force, mut modes, mut preen, mut readonly) = (false, 0, false, false);
    let mut words = Vec::new();
    for a in args {
        match a.strip_prefix('-') {
            Some(flags) if !flags.is_empty() => {
                for c in flags.chars() {
                    match c {
                        'f' => force = true,
                        'p' | 'a' => (modes, preen) = (modes + 1, true),
                        'n' => (modes, readonly) = (modes + 1, true),
                        'y' => modes += 1,
                        'v' | 't' | 'D' | 'F' | 'V' | 'k' | 'c' | 'd' | 'r' => {}
                        _ => return Output::error(E2FSCK_USAGE, 16),
                    }
                }
            }
            _ => words.push(a.as_str()),
        }
    }
    if modes > 1 {
        return Output::error("e2fsck: Only one of the options -p/-a, -n or -y may be specified.\n", 8);
    }
    let [path] = words[..] else { return Output::error(E2FSCK_USAGE, 16) };
    let banner = if preen { "" } else { E2FSCK };
    // e2fsck's standard output is unbuffered: both streams in the order written.
    let mut out = Output::error(banner, 8);
    let (dev, uuid, block_size, blocks) = match ext4_on(machine, path) {
        Ok(f) => f,
        Err(false) => {
            out.complain(&format!("e2fsck: No such file or directory while trying to open {path}\n"));
            out.say("Possibly non-existent device?\n");
            return out;
        }
        Err(true) => {
            out.say("ext2fs_open2: Bad magic number in super-block\ne2fsck: Superblock invalid, trying backup blocks...\n");
            out.complain(&format!("e2fsck: Bad magic number in super-block while trying to open {path}\n"));
            out.say(BAD_MAGIC);
            // `check_plausibility`: what blkid finds there instead.
            if let Some(dev) = machine.resolve(path) {
                let tags = super::blkid::tags(machine, dev, false);
                let tag = |name: &str| tags.iter().find(|(k, _)| *k == name).map(|(_, v)| v.clone());
                if let Some(fs) = tag("TYPE") {
                    out.say(&format!("{path} contains a {fs} file system\n"));
                } else if let Some(table) = tag("PTTYPE") {
                    out.say(&format!("Found a {table} partition table in {path}\n"));
                }
            }
            return out;
        }
    };
    if matches!(machine.busy(dev), Some(Busy::Mounted { .. })) {
        if !readonly {
            out.say(&format!("{path} is mounted.\n"));
            out.complain("e2fsck: Cannot continue, aborting.\n\n\n");
            return out;
        }
        out.say(&format!("Warning!  {path} is mounted.\nWarning: skipping journal recovery because doing a read-only filesystem check.\n"));
    }
    // Once open, e2fsck names the filesystem by its label if it has one
    // (`ctx->device_name`).
    #[cfg(feature = "e2fsck-label")]
    let label = machine.probe(dev).map(|s| s.label).filter(|l| !l.is_empty());
    #[cfg(feature = "e2fsck-label")]
    let path = label.as_deref().unwrap_or(path);
    // A partition shrunk under its filesystem (`check_super_block`): -y and
    // a terminal (whose default answer the lab takes) abort, -n goes on,
    // -p stops for a manual check.
    let device_blocks = machine.size_of(dev) / block_size.max(1);
    if blocks > device_blocks {
        let prefix = if preen { format!("{path}: ") } else { String::new() };
        out.say(&format!("{prefix}The filesystem size (according to the superblock) is {blocks} blocks\nThe physical size of the device is {device_blocks} blocks\nEither the superblock or the partition table is likely to be corrupt!\n"));
        if preen {
            out.say(&format!("\n\n{path}: UNEXPECTED INCONSISTENCY; RUN fsck MANUALLY.\n\t(i.e., without -a or -p options)\n"));
            out.exit_status = 4;
            return out;
        }
        if !readonly {
            out.say(if modes == 0 { "Abort<y>? yes\n\n" } else { "Abort? yes\n\n" });
            return out;
        }
        // Going on marks the filesystem as not valid, which forces the check.
        out.say("Abort? no\n\n");
        if !force {
            out.say(&format!("{path} contains a file system with errors, check forced.\n"));
            force = true;
        }
    }
    let Some((files, used)) = super::fs::ext4_counts(machine, &uuid, blocks) else {
        out.complain(&format!("e2fsck: the lab has no contents for {path}\n"));
        return out;
    };
    let text = if !force {
        format!("{path}: clean, {files} files, {used} blocks\n")
    } else {
        let passes = if preen {
            ""
        } else {
            "Pass 1: Checking inodes, blocks, and sizes\nPass 2: Checking directory structure\nPass 3: Checking directory connectivity\nPass 4: Checking reference counts\nPass 5: Checking group summary information\n"
        };
        format!("{passes}{path}: {files} files (0.0% non-contiguous), {used} blocks\n")
    };
    out.say(&text);
    out.exit_status = 0;
    out
}
