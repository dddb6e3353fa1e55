//! Filesystems and data: mkfs.ext4, mkswap, mount, umount, swapon, blkid and dd.
//!
//! Enough of e2fsprogs and util-linux to put a filesystem on a partition or LV,
//! mount it (which makes the disk busy for fdisk), and write data (which fills
//! thin pools). Simplification: a filesystem is a record of its type, UUID and
//! size; files are not modelled, only how many bytes are in use.

use crate::core::order::SmallSort;
use super::fmt::{human_size, SizeStyle};
use super::Output;
use crate::core::lvm::LvKind;
use crate::core::machine::{BlockRef, Filesystem, Machine, Mount};
use crate::core::units::{parse_size_bytes, MIB};
use crate::core::Event;

fn out(text: impl Into<String>, status: i32) -> Output {
    Output { text: text.into(), exit_status: status, ..Output::default() }
}

/// Runs a filesystem command, or returns None when `cmd` is not one.
pub fn run(machine: &mut Machine, cmd: &str, args: &[String]) -> Option<Output> {
    Some(match cmd {
        "mkfs.ext4" => mkfs_ext4(machine, args),
        "mkfs" => {
            let t = args.iter().position(|a| a == "-t").and_then(|i| args.get(i + 1)).cloned().unwrap_or_else(|| "ext2".into());
            let rest: Vec<String> = args.iter().enumerate().filter(|(i, a)| *a != "-t" && args.get(i.wrapping_sub(1)).is_none_or(|p| p != "-t")).map(|(_, a)| a.clone()).collect();
            match t.as_str() {
                "ext4" => mkfs_ext4(machine, &rest),
                other => out(format!("mkfs: the {other} filesystem is not simulated here; use mkfs.ext4, mkfs.xfs or mkswap\n"), 1),
            }
        }
        "mkfs.xfs" => mkfs_xfs(machine, args),
        "mkswap" => mkswap(machine, args),
        "mount" => mount(machine, args),
        "umount" => umount(machine, args),
        "swapon" => swapon(machine, args),
        "swapoff" => swapoff(machine, args),
        "blkid" => blkid(machine, args),
        "dd" => dd(machine, args),
        "mkdir" => Output::default(),
        _ => return None,
    })
}

/// The device argument of a mkfs-like command and its size.
fn target(machine: &Machine, tool: &str, args: &[String]) -> Result<(String, u64), Output> {
    let Some(dev) = args.iter().rev().find(|a| !a.starts_with('-')) else {
        return Err(out(format!("Usage: {tool} [options] device\n"), 1));
    };
    let Some(r) = machine.resolve(dev) else {
        return Err(out(format!("The file {dev} does not exist and no size was specified.\n"), 1));
    };
    let path = machine.canonical_path(&r);
    Ok((path, machine.size_of(&r)))
}

fn busy(machine: &Machine, path: &str) -> Option<&'static str> {
    if machine.mounts.iter().any(|m| m.device == path) {
        return Some("is mounted; will not make a filesystem here!");
    }
    if machine.swaps.iter().any(|s| s == path) || machine.lvm.pv(path).is_some_and(|p| p.vg_name.is_some()) {
        return Some("is apparently in use by the system; will not make a filesystem here!");
    }
    if let Some(BlockRef::Disk { disk }) = machine.resolve(path) {
        if !machine.disks[disk].kernel_partitions.is_empty() {
            return Some("is apparently in use by the system; will not make a filesystem here!");
        }
    }
    None
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
fn discards(machine: &Machine, path: &str) -> bool {
    match machine.resolve(path) {
        Some(BlockRef::Disk { disk }) | Some(BlockRef::Partition { disk, .. }) => {
            matches!(machine.disks[disk].transport, crate::core::disk::Transport::Loop | crate::core::disk::Transport::Nvme)
        }
        Some(BlockRef::Lv { vg, lv }) => machine.lvm.vg(&vg).and_then(|v| v.lv(&lv)).is_some_and(|l| matches!(l.kind, LvKind::Thin { .. })),
        None => false,
    }
}

/// e2fsprogs' default journal size in blocks.
fn journal_blocks(blocks: u64) -> u64 {
    match blocks {
        b if b < 32768 => 1024,
        b if b < 256 * 1024 => 4096,
        b if b < 512 * 1024 => 8192,
        b if b < 4096 * 1024 => 16384,
        b if b < 8192 * 1024 => 32768,
        b if b < 16384 * 1024 => 65536,
        b if b < 32768 * 1024 => 131072,
        _ => 262144,
    }
}

/// Block groups holding superblock backups with sparse_super: 1 and powers of 3, 5, 7.
fn backup_groups(groups: u64) -> Vec<u64> {
    let mut v = vec![];
    for base in [3u64, 5, 7] {
        let mut g = 1;
        while g < groups {
            v.push(g);
            g *= base;
        }
    }
    crate::core::order::small_sort(&mut v);
    v.dedup();
    v
}

fn mkfs_ext4(machine: &mut Machine, args: &[String]) -> Output {
    let (path, size) = match target(machine, "mkfs.ext4", args) {
        Ok(t) => t,
        Err(o) => return o,
    };
    let mut text = String::from("mke2fs 1.47.0 (5-Feb-2023)\n");
    if let Some(why) = busy(machine, &path) {
        text.push_str(&format!("{path} {why}\n"));
        return out(text, 1);
    }
    let small = size < 512 * MIB;
    let (block, ratio, per_group) = if small { (1024u64, 4096u64, 8192u64) } else { (4096, 16384, 32768) };
    let blocks = size / block;
    if blocks < 64 {
        text.push_str(&format!("{path}: Device size reported to be zero or too small.\n"));
        return out(text, 1);
    }
    let groups = blocks.div_ceil(per_group);
    // Inodes per group fill whole inode-table blocks: a multiple of 16.
    let per_group_inodes = ((size / ratio).div_ceil(groups) / 16 * 16).max(16);
    let inodes = per_group_inodes * groups;
    let uuid = machine.new_fs_uuid();
    let unit = if small { "1k" } else { "4k" };
    if discards(machine, &path) {
        text.push_str("Discarding device blocks: ");
        text.push_str(&progress(0, blocks));
        text.push_str("done                            \n");
    }
    text.push_str(&format!("Creating filesystem with {blocks} {unit} blocks and {inodes} inodes\nFilesystem UUID: {uuid}\n"));
    let first = u64::from(small);
    let backups = backup_groups(groups);
    if !backups.is_empty() {
        // mke2fs wraps the list when the next number would pass column 72.
        text.push_str("Superblock backups stored on blocks: ");
        let mut col_left = 0usize;
        for (i, g) in backups.iter().enumerate() {
            let block_no = g * per_group + first;
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
    text.push_str(&format!("Allocating group tables: {}done                            \n", progress(0, groups)));
    text.push_str(&format!("Writing inode tables: {}done                            \n", progress(0, groups)));
    text.push_str(&format!("Creating journal ({} blocks): done\n", journal_blocks(blocks)));
    text.push_str(&format!("Writing superblocks and filesystem accounting information: {}done\n\n", progress(0, groups)));
    let used = journal_blocks(blocks) * block + groups * 2 * block + inodes * 256 / 64;
    machine.filesystems.insert(path.clone(), Filesystem { fstype: "ext4".into(), uuid, label: String::new(), size_bytes: size, used_bytes: used.min(size) });
    Output { text, events: vec![Event::FilesystemCreated { dev: path, fstype: "ext4".into() }], ..Output::default() }
}

fn mkfs_xfs(machine: &mut Machine, args: &[String]) -> Output {
    let (path, size) = match target(machine, "mkfs.xfs", args) {
        Ok(t) => t,
        Err(o) => return o,
    };
    if let Some(why) = busy(machine, &path) {
        return out(format!("mkfs.xfs: {path} {why}\n"), 1);
    }
    let uuid = machine.new_fs_uuid();
    let blocks = size / 4096;
    let agcount = 4;
    let text = format!(
        "meta-data={path:<22} isize=512    agcount={agcount}, agsize={} blks\n         =                       sectsz=512   attr=2, projid32bit=1\n         =                       crc=1        finobt=1, sparse=1, rmapbt=0\n         =                       reflink=1    bigtime=1 inobtcount=1 nrext64=0\ndata     =                       bsize=4096   blocks={blocks}, imaxpct=25\n         =                       sunit=0      swidth=0 blks\nnaming   =version 2              bsize=4096   ascii-ci=0, ftype=1\nlog      =internal log           bsize=4096   blocks=16384, version=2\n         =                       sectsz=512   sunit=0 blks, lazy-count=1\nrealtime =none                   extsz=4096   blocks=0, rtextents=0\n",
        blocks / agcount
    );
    machine.filesystems.insert(path.clone(), Filesystem { fstype: "xfs".into(), uuid, label: String::new(), size_bytes: size, used_bytes: 70 * MIB });
    Output { text, events: vec![Event::FilesystemCreated { dev: path, fstype: "xfs".into() }], ..Output::default() }
}

fn mkswap(machine: &mut Machine, args: &[String]) -> Output {
    let (path, size) = match target(machine, "mkswap", args) {
        Ok(t) => t,
        Err(o) => return o,
    };
    if busy(machine, &path).is_some() {
        return out(format!("mkswap: error: {path} is mounted; will not make swapspace\n"), 1);
    }
    let uuid = machine.new_fs_uuid();
    let usable = size.saturating_sub(4096);
    // The old signature is wiped (with a warning) before the swap area is written.
    let mut text = match machine.filesystems.get(&path).filter(|f| f.fstype != "swap") {
        Some(old) => format!("mkswap: {path}: warning: wiping old {} signature.\n", old.fstype),
        None => String::new(),
    };
    text.push_str(&format!("Setting up swapspace version 1, size = {} ({usable} bytes)\nno label, UUID={uuid}\n", human_size(usable, SizeStyle::Iec)));
    machine.filesystems.insert(path.clone(), Filesystem { fstype: "swap".into(), uuid, label: String::new(), size_bytes: size, used_bytes: 0 });
    Output { text, events: vec![Event::FilesystemCreated { dev: path, fstype: "swap".into() }], ..Output::default() }
}

fn mount(machine: &mut Machine, args: &[String]) -> Output {
    let pos: Vec<&String> = args.iter().filter(|a| !a.starts_with('-')).collect();
    if pos.is_empty() {
        let mut text = String::new();
        for m in &machine.mounts {
            let t = machine.filesystems.get(&m.device).map_or("auto".into(), |f| f.fstype.clone());
            text.push_str(&format!("{} on {} type {t} (rw,relatime)\n", m.device, m.target));
        }
        return out(text, 0);
    }
    let [dev, dir] = pos.as_slice() else {
        return out("mount: bad usage\nTry 'mount --help' for more information.\n", 1);
    };
    if !dir.starts_with('/') {
        return out(format!("mount: {dir}: mount point does not exist.\n"), 32);
    }
    let Some(r) = machine.resolve(dev) else {
        return out(format!("mount: {dir}: special device {dev} does not exist.\n"), 32);
    };
    let path = machine.canonical_path(&r);
    let size = machine.size_of(&r);
    if machine.mounts.iter().any(|m| m.target == **dir) {
        return out(format!("mount: {dir}: {dev} already mounted or mount point busy.\n"), 32);
    }
    let healthy = machine.filesystems.get(&path).is_some_and(|f| f.fstype != "swap" && f.size_bytes <= size);
    if !healthy {
        return out(format!("mount: {dir}: wrong fs type, bad option, bad superblock on {path}, missing codepage or helper program, or other error.\n       dmesg(1) may have more information after failed mount system call.\n"), 32);
    }
    machine.mounts.push(Mount { device: path.clone(), target: dir.to_string() });
    Output { events: vec![Event::Mounted { dev: path, target: dir.to_string() }], ..Output::default() }
}

fn umount(machine: &mut Machine, args: &[String]) -> Output {
    let Some(what) = args.iter().find(|a| !a.starts_with('-')) else {
        return out("umount: bad usage\nTry 'umount --help' for more information.\n", 1);
    };
    let canonical = machine.resolve(what).map(|r| machine.canonical_path(&r));
    let Some(i) = machine.mounts.iter().position(|m| m.target == *what || Some(&m.device) == canonical.as_ref()) else {
        return out(format!("umount: {what}: not mounted.\n"), 32);
    };
    if machine.mounts[i].target == "/" || machine.mounts[i].target == "/boot/efi" {
        return out(format!("umount: {}: target is busy.\n", machine.mounts[i].target), 32);
    }
    let m = machine.mounts.remove(i);
    Output { events: vec![Event::Unmounted { dev: m.device, target: m.target }], ..Output::default() }
}

fn swapon(machine: &mut Machine, args: &[String]) -> Output {
    let Some(dev) = args.iter().find(|a| !a.starts_with('-')) else {
        let mut text = String::from("NAME      TYPE      SIZE USED PRIO\n");
        for s in &machine.swaps {
            let size = machine.filesystems.get(s).map_or(0, |f| f.size_bytes);
            text.push_str(&format!("{s} partition {} 0B   -2\n", human_size(size, SizeStyle::Letter)));
        }
        return out(text, 0);
    };
    let Some(r) = machine.resolve(dev) else {
        return out(format!("swapon: cannot open {dev}: No such file or directory\n"), 255);
    };
    let path = machine.canonical_path(&r);
    if machine.filesystems.get(&path).is_none_or(|f| f.fstype != "swap") {
        return out(format!("swapon: {path}: read swap header failed\n"), 255);
    }
    if machine.swaps.contains(&path) {
        return out(format!("swapon: {path}: swapon failed: Device or resource busy\n"), 255);
    }
    machine.swaps.push(path);
    Output::default()
}

fn swapoff(machine: &mut Machine, args: &[String]) -> Output {
    let Some(dev) = args.iter().find(|a| !a.starts_with('-')) else {
        return out("swapoff: bad usage\n", 1);
    };
    let path = machine.resolve(dev).map(|r| machine.canonical_path(&r)).unwrap_or_else(|| dev.clone());
    if path.contains("pve-swap") {
        return out(format!("swapoff: {path}: the lab keeps the host's own swap on\n"), 255);
    }
    let before = machine.swaps.len();
    machine.swaps.retain(|s| *s != path);
    if machine.swaps.len() == before {
        return out(format!("swapoff: {dev}: swapoff failed: Invalid argument\n"), 255);
    }
    Output::default()
}

fn blkid(machine: &Machine, args: &[String]) -> Output {
    let mut text = String::new();
    let wanted: Vec<String> = args.iter().filter(|a| !a.starts_with('-')).filter_map(|a| machine.resolve(a).map(|r| machine.canonical_path(&r))).collect();
    let mut status = 2;
    let mut visit = |n: &crate::core::machine::BlockNode, text: &mut String| {
        if !wanted.is_empty() && !wanted.contains(&n.path) {
            return;
        }
        let mut parts = Vec::new();
        if let Some(fs) = &n.fs {
            parts.push(format!("UUID=\"{}\"", fs.uuid));
            if fs.fstype == "ext4" || fs.fstype == "xfs" {
                parts.push("BLOCK_SIZE=\"4096\"".into());
            }
            parts.push(format!("TYPE=\"{}\"", fs.fstype));
        } else if let Some(pt) = n.pttype.filter(|_| n.kind == "disk") {
            parts.push(format!("PTUUID=\"{}\"", n.ptuuid.clone().unwrap_or_default()));
            parts.push(format!("PTTYPE=\"{pt}\""));
        }
        if let Some(u) = &n.partuuid {
            parts.push(format!("PARTUUID=\"{u}\""));
        }
        if !parts.is_empty() {
            status = 0;
            text.push_str(&format!("{}: {}\n", n.path, parts.join(" ")));
        }
    };
    fn walk(n: &crate::core::machine::BlockNode, f: &mut dyn FnMut(&crate::core::machine::BlockNode, &mut String), text: &mut String, seen: &mut Vec<String>) {
        if !seen.contains(&n.path) {
            seen.push(n.path.clone());
            f(n, text);
        }
        for c in &n.children {
            walk(c, f, text, seen);
        }
    }
    let mut seen = Vec::new();
    let mut tree = machine.block_tree();
    tree.small_sort_by_key(|n| (n.major, n.minor));
    for n in &tree {
        walk(n, &mut visit, &mut text, &mut seen);
    }
    out(text, status)
}

/// dd's "N bytes (X MB, Y MiB) copied" figure.
fn dd_summary(bytes: u64, records: u64, partial: bool) -> String {
    let si = |b: u64| -> String {
        let units = ["B", "kB", "MB", "GB", "TB", "PB"];
        let mut v = b as f64;
        let mut i = 0;
        while v >= 1000.0 && i + 1 < units.len() {
            v /= 1000.0;
            i += 1;
        }
        if v < 10.0 && i > 0 {
            format!("{} {}", super::fmt::fixed(v, 1), units[i])
        } else {
            format!("{} {}", super::fmt::fixed(v, 0), units[i])
        }
    };
    let iec = human_size(bytes, SizeStyle::Iec);
    // The lab's disks write at a steady 1 GB/s so that output is reproducible.
    let secs = bytes as f64 / 1e9;
    let p = u64::from(partial);
    format!(
        "{records}+{p} records in\n{records}+{p} records out\n{bytes} bytes ({}, {iec}) copied, {} s, 1.0 GB/s\n",
        si(bytes),
        super::fmt::fixed(secs, 4)
    )
}

fn dd(machine: &mut Machine, args: &[String]) -> Output {
    let mut of = None;
    let mut input = None;
    let mut bs = 512u64;
    let mut count: Option<u64> = None;
    let mut seek = 0u64;
    for a in args {
        let Some((k, v)) = a.split_once('=') else {
            return out(format!("dd: unrecognized operand '{a}'\nTry 'dd --help' for more information.\n"), 1);
        };
        match k {
            "if" => input = Some(v.to_string()),
            "of" => of = Some(v.to_string()),
            "bs" => match parse_size_bytes(v) {
                Ok(b) if b > 0 && b <= 1 << 30 => bs = b,
                _ => return out(format!("dd: invalid number: '{v}'\n"), 1),
            },
            "count" => match v.parse::<u64>() {
                Ok(c) => count = Some(c),
                Err(_) => return out(format!("dd: invalid number: '{v}'\n"), 1),
            },
            "seek" => match v.parse::<u64>() {
                Ok(s) => seek = s,
                Err(_) => return out(format!("dd: invalid number: '{v}'\n"), 1),
            },
            "status" | "oflag" | "iflag" | "conv" => {}
            _ => return out(format!("dd: unrecognized operand '{a}'\nTry 'dd --help' for more information.\n"), 1),
        }
    }
    let input = input.unwrap_or_else(|| "/dev/stdin".into());
    if !matches!(input.as_str(), "/dev/zero" | "/dev/urandom" | "/dev/random") {
        return out(format!("dd: failed to open '{input}': the lab can read only /dev/zero or /dev/urandom\n"), 1);
    }
    let Some(of) = of else { return out("dd: the lab needs of=DEVICE or of=/mount/point/file\n", 1) };
    let Some(count) = count else {
        return out("dd: give count=N: the lab does not fill a device until it ends\n", 1);
    };
    let want = bs.saturating_mul(count);
    // A file on a mounted filesystem.
    let is_file = !of.starts_with("/dev/");
    if let Some(m) = machine.mounts.iter().filter(|m| is_file && of.starts_with(&format!("{}/", m.target.trim_end_matches('/')))).max_by_key(|m| m.target.len()).cloned() {
        return dd_to_file(machine, &m, &of, bs, want);
    }
    let Some(r) = machine.resolve(&of) else {
        return out(format!("dd: failed to open '{of}': Permission denied\n"), 1);
    };
    let path = machine.canonical_path(&r);
    let size = machine.size_of(&r);
    let offset = seek.saturating_mul(bs);
    let room = size.saturating_sub(offset);
    let mut events = Vec::new();
    let mut written = want.min(room);
    let mut error = if want > room { Some("No space left on device") } else { None };
    if let BlockRef::Lv { vg, lv } = &r {
        let is_thin = machine.lvm.vg(vg).and_then(|v| v.lv(lv)).is_some_and(|l| matches!(l.kind, LvKind::Thin { .. }));
        if is_thin {
            if let Ok((w, evs)) = machine.lvm.write_thin(vg, lv, offset, written) {
                if w < written {
                    error = Some("Input/output error");
                }
                written = w;
                events.extend(evs);
            }
        }
    }
    if offset == 0 && written > 0 {
        if let Some(fs) = machine.filesystems.remove(&path) {
            events.push(Event::DataDestroyed { dev: path.clone(), bytes: fs.size_bytes.min(written) });
        }
    }
    let records = written / bs;
    let partial = written % bs != 0;
    let mut text = String::new();
    if let Some(e) = error {
        text.push_str(&format!("dd: error writing '{of}': {e}\n"));
    }
    text.push_str(&dd_summary(written, records, partial));
    Output { text, events, exit_status: i32::from(error.is_some()), ..Output::default() }
}

fn dd_to_file(machine: &mut Machine, m: &Mount, of: &str, bs: u64, want: u64) -> Output {
    let Some(fs) = machine.filesystems.get(&m.device).cloned() else {
        return out(format!("dd: failed to open '{of}': Input/output error\n"), 1);
    };
    let free = fs.size_bytes.saturating_sub(fs.used_bytes) / 100 * 95;
    let mut written = want.min(free);
    let mut error = (want > free).then_some("No space left on device");
    let mut events = Vec::new();
    if let Some(BlockRef::Lv { vg, lv }) = machine.resolve(&m.device) {
        if let Ok((w, evs)) = machine.lvm.write_thin(&vg, &lv, fs.used_bytes, written) {
            if w < written {
                error = Some("Input/output error");
                written = w;
            }
            events.extend(evs);
        }
    }
    if let Some(f) = machine.filesystems.get_mut(&m.device) {
        f.used_bytes += written;
    }
    let mut text = String::new();
    if let Some(e) = error {
        text.push_str(&format!("dd: error writing '{of}': {e}\n"));
    }
    text.push_str(&dd_summary(written, written / bs, written % bs != 0));
    Output { text, events, exit_status: i32::from(error.is_some()), ..Output::default() }
}
