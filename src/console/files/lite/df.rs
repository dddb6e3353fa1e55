//! The browser's df (coreutils 9.1): the filesystems of the named files (or
//! every mount), in 1K blocks, `-h`/`-H`, `-k`/`-m`/`-B SIZE`, `-T`, `-i`,
//! `-P` and `--output=`, with df's minimum column widths. It is the smaller
//! first version of `files/df.rs`, kept for the 400 KiB budget (the full one
//! measured 1.3 KiB more); the command-line program has the full one
//! (feature `coreutils-extras`).

use crate::console::fmt::{coreutils_human_ceil, human_ceil_text};
use crate::console::{printable, Output, Shell};
use crate::core::machine::Mount;
use crate::core::vfs::StatFs;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Field {
    Source,
    Fstype,
    Size,
    Used,
    Avail,
    Pcent,
    Itotal,
    Iused,
    Iavail,
    Ipcent,
    Target,
}

impl Field {
    /// df's minimum width and whether the column is right-aligned.
    fn width(self) -> (usize, bool) {
        match self {
            Field::Source => (14, false),
            Field::Fstype => (4, false),
            Field::Pcent => (4, true),
            Field::Target => (0, false),
            _ => (5, true),
        }
    }
}

struct Opts {
    /// 0: plain numbers in units of `block`; 1024 or 1000: human sizes.
    human: u64,
    block: u64,
    inodes: bool,
    posix: bool,
    fields: Vec<Field>,
    output_mode: bool,
}

fn parse(args: &[String]) -> Result<(Opts, Vec<String>), String> {
    let mut o = Opts { human: 0, block: 1024, inodes: false, posix: false, fields: Vec::new(), output_mode: false };
    let mut typ = false;
    let mut files = Vec::new();
    let mut i = 0;
    while i < args.len() {
        let a = args[i].as_str();
        if let Some(list) = a.strip_prefix("--output=") {
            o.output_mode = true;
            for name in list.split(',') {
                o.fields.push(field_named(name).ok_or_else(|| format!("df: option --output: field \u{2018}{}\u{2019} unknown\n", printable(name)))?);
            }
        } else if a == "-B" {
            i += 1;
            o.block = args.get(i).and_then(|v| crate::core::units::parse_size_bytes(v).ok()).unwrap_or(1024).max(1);
        } else if let Some(v) = a.strip_prefix("-B") {
            o.block = crate::core::units::parse_size_bytes(v).unwrap_or(1024).max(1);
        } else if a.starts_with('-') && a.len() > 1 && !a.starts_with("--") {
            for c in a[1..].chars() {
                match c {
                    'h' => o.human = 1024,
                    'H' => o.human = 1000,
                    'k' => o.block = 1024,
                    'm' => o.block = 1 << 20,
                    'T' => typ = true,
                    'i' => o.inodes = true,
                    'P' => o.posix = true,
                    'a' | 'l' | 'x' => {}
                    other => return Err(format!("df: invalid option -- '{other}'\nTry 'df --help' for more information.\n")),
                }
            }
        } else {
            files.push(a.to_string());
        }
        i += 1;
    }
    if !o.output_mode {
        o.fields = vec![Field::Source];
        if typ {
            o.fields.push(Field::Fstype);
        }
        if o.inodes {
            o.fields.extend([Field::Itotal, Field::Iused, Field::Iavail, Field::Ipcent]);
        } else {
            o.fields.extend([Field::Size, Field::Used, Field::Avail, Field::Pcent]);
        }
        o.fields.push(Field::Target);
    }
    Ok((o, files))
}

fn field_named(name: &str) -> Option<Field> {
    Some(match name {
        "source" => Field::Source,
        "fstype" => Field::Fstype,
        "size" => Field::Size,
        "used" => Field::Used,
        "avail" => Field::Avail,
        "pcent" => Field::Pcent,
        "itotal" => Field::Itotal,
        "iused" => Field::Iused,
        "iavail" => Field::Iavail,
        "ipcent" => Field::Ipcent,
        "target" => Field::Target,
        _ => return None,
    })
}

/// The block-size heading: `1K-blocks`, `1M-blocks`, `1024-blocks` (-P).
fn blocks_header(o: &Opts) -> String {
    if o.human > 0 {
        return "Size".into();
    }
    if o.posix {
        return format!("{}-blocks", o.block);
    }
    match o.block {
        b if b % (1 << 30) == 0 => format!("{}G-blocks", b >> 30),
        b if b % (1 << 20) == 0 => format!("{}M-blocks", b >> 20),
        b if b % 1024 == 0 => format!("{}K-blocks", b >> 10),
        b => format!("{b}B-blocks"),
    }
}

fn header(f: Field, o: &Opts) -> String {
    match f {
        Field::Source => "Filesystem".into(),
        Field::Fstype => "Type".into(),
        Field::Size => blocks_header(o),
        Field::Used => "Used".into(),
        Field::Avail if o.human > 0 || o.output_mode => "Avail".into(),
        Field::Avail => "Available".into(),
        Field::Pcent if o.posix => "Capacity".into(),
        Field::Pcent => "Use%".into(),
        Field::Itotal => "Inodes".into(),
        Field::Iused => "IUsed".into(),
        Field::Iavail => "IFree".into(),
        Field::Ipcent => "IUse%".into(),
        Field::Target => "Mounted on".into(),
    }
}

/// A size in the report's units (df rounds up, like ls and du).
fn size(o: &Opts, bytes: u64) -> String {
    match o.human {
        0 => bytes.div_ceil(o.block).to_string(),
        1024 => human_ceil_text(bytes),
        _ => {
            let (n, e) = coreutils_human_ceil(bytes, 1000);
            format!("{n}{}", ["", "k", "M", "G", "T", "P", "E"][e.min(6)])
        }
    }
}

fn percent(used: u64, avail: u64) -> String {
    if used + avail == 0 {
        return "-".into();
    }
    format!("{}%", (used * 100).div_ceil(used + avail))
}

/// A mounted filesystem's name, type and mount point.
struct Named {
    source: String,
    fstype: String,
    target: String,
}

fn named(shell: &Shell, m: Option<&Mount>) -> Named {
    Named {
        source: m.map_or_else(|| "rootfs".to_string(), |m| shell.machine.path(m.dev)),
        fstype: m.and_then(|m| shell.machine.probe(m.dev)).map_or("ext4", |s| s.fstype.name()).to_string(),
        target: m.map_or_else(|| "/".to_string(), |m| m.target.clone()),
    }
}

/// A ZFS dataset as df names it: `tank/data`, type `zfs`, its mount point.
fn zfs_named(shell: &Shell, dataset: &str) -> Named {
    let target = shell.machine.zfs().pool(crate::core::machine::pool_of(dataset)).map(|p| p.mountpoint_of(dataset)).unwrap_or_default();
    Named { source: dataset.to_string(), fstype: "zfs".into(), target }
}

fn row(n: &Named, s: &StatFs, o: &Opts) -> Vec<String> {
    let bs = s.block_size;
    let used = s.blocks - s.free;
    let iused = s.files - s.files_free;
    let ifmt = |n: u64| if o.human > 0 { size(o, n) } else { n.to_string() };
    o.fields
        .iter()
        .map(|f| match f {
            Field::Source => n.source.clone(),
            Field::Fstype => n.fstype.clone(),
            Field::Size => size(o, s.blocks * bs),
            Field::Used => size(o, used * bs),
            Field::Avail => size(o, s.avail * bs),
            Field::Pcent => percent(used, s.avail),
            Field::Itotal => ifmt(s.files),
            Field::Iused => ifmt(iused),
            Field::Iavail => ifmt(s.files_free),
            Field::Ipcent => percent(iused, s.files_free),
            Field::Target => n.target.clone(),
        })
        .collect()
}

pub fn df(shell: &mut Shell, args: &[String]) -> Output {
    let (o, files) = match parse(args) {
        Ok(p) => p,
        Err(e) => return Output::error(e, 1),
    };
    let mut rows: Vec<Vec<String>> = Vec::new();
    let mut err = String::new();
    if files.is_empty() {
        for m in shell.machine.mounts() {
            if let Some(s) = shell.machine.statfs_of(&m.uuid) {
                rows.push(row(&named(shell, Some(m)), &s, &o));
            }
        }
        for (ds, mp, _) in shell.machine.zfs_mounts() {
            if let Ok((_, s)) = shell.machine.statfs_path(&mp) {
                rows.push(row(&zfs_named(shell, &ds), &s, &o));
            }
        }
    }
    for f in &files {
        let path = shell.abs(f);
        // A device node that is mounted means that filesystem, as df documents.
        let target = shell.machine.resolve(&path).and_then(|d| shell.machine.mounts().iter().find(|m| m.dev == d).map(|m| m.target.clone()));
        match shell.machine.statfs_path(target.as_deref().unwrap_or(&path)) {
            Ok((m, s)) => {
                let n = match shell.machine.zfs_path(target.as_deref().unwrap_or(&path)) {
                    Some((ds, _)) => zfs_named(shell, &ds),
                    None => named(shell, m.as_ref()),
                };
                rows.push(row(&n, &s, &o));
            }
            Err(e) => err.push_str(&format!("df: {}: {}\n", printable(f), e.text())),
        }
    }
    let text = if rows.is_empty() { String::new() } else { table(&o, &rows) };
    let status = i32::from(!err.is_empty());
    Output { text, err, exit_status: status, ..Output::default() }
}

fn table(o: &Opts, rows: &[Vec<String>]) -> String {
    let headers: Vec<String> = o.fields.iter().map(|f| header(*f, o)).collect();
    let widths: Vec<usize> = o
        .fields
        .iter()
        .enumerate()
        .map(|(i, f)| rows.iter().map(|r| r[i].chars().count()).chain([headers[i].chars().count(), f.width().0]).max().unwrap_or(0))
        .collect();
    let line = |cells: &[String], header: bool| {
        let parts: Vec<String> = cells
            .iter()
            .enumerate()
            .map(|(i, c)| {
                let (_, right) = o.fields[i].width();
                let w = widths[i];
                if i + 1 == cells.len() && !right {
                    c.clone()
                } else if right && !(header && o.fields[i] == Field::Source) {
                    format!("{c:>w$}")
                } else {
                    format!("{c:<w$}")
                }
            })
            .collect();
        format!("{}\n", parts.join(" "))
    };
    let mut text = line(&headers, true);
    for r in rows {
        text.push_str(&line(r, false));
    }
    text
}
