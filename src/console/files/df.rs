//! df from coreutils 9.1: the filesystems of the named files (or every
//! mount), in 1K blocks, `-h`/`-H`, `-k`/`-m`/`-B SIZE`, `-T`, `-i`, `-P`,
//! `-t`/`-x`, `--total` and `--output`, with df's minimum column widths.

use super::blocks::{refusal, Units};
use crate::console::hexdump::Getopt;
use crate::console::{printable, Output, Shell};
use crate::core::machine::Mount;
use crate::core::vfs::StatFs;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Field {
    Source,
    Fstype,
    Itotal,
    Iused,
    Iavail,
    Ipcent,
    Size,
    Used,
    Avail,
    Pcent,
    File,
    Target,
}

/// `--output` with no list: every field, in this order.
const ALL_FIELDS: [Field; 12] = [
    Field::Source,
    Field::Fstype,
    Field::Itotal,
    Field::Iused,
    Field::Iavail,
    Field::Ipcent,
    Field::Size,
    Field::Used,
    Field::Avail,
    Field::Pcent,
    Field::File,
    Field::Target,
];

impl Field {
    /// df's minimum width and whether the column is right-aligned.
    fn width(self) -> (usize, bool) {
        match self {
            Field::Source => (14, false),
            Field::Fstype => (4, false),
            Field::Pcent => (4, true),
            Field::File | Field::Target => (0, false),
            _ => (5, true),
        }
    }
}

struct Opts {
    units: Units,
    inodes: bool,
    posix: bool,
    fields: Vec<Field>,
    output_mode: bool,
    /// `-t`: only these types; `-x`: never these.
    only_types: Vec<String>,
    skip_types: Vec<String>,
    total: bool,
}

/// df's getopt string; `\u{1}`.. stand for options without a letter.
const SHORT: &str = "aB:iF:hHklmPTt:vx:\u{1}:\u{2}::\u{3}\u{4}\u{5}";

/// In df's getopt_long order, which decides what an abbreviation means.
const LONG: &str = "all=a,block-size=\u{1},inodes=i,human-readable=h,si=H,local=l,output=\u{2},portability=P,\
print-type=T,sync=\u{3},no-sync=\u{4},total=\u{5},type=t,exclude-type=x";

const TRY: &str = "Try 'df --help' for more information.\n";

fn parse(args: &[String]) -> Result<(Opts, Vec<String>), String> {
    let mut o = Opts {
        units: Units::KIB,
        inodes: false,
        posix: false,
        fields: Vec::new(),
        output_mode: false,
        only_types: Vec::new(),
        skip_types: Vec::new(),
        total: false,
    };
    let mut typ = false;
    let mut getopt = Getopt::new(args, SHORT, LONG);
    while let Some(parsed) = getopt.next("df") {
        let (c, v) = parsed.map_err(|e| format!("{e}\n{TRY}"))?;
        match c {
            '\u{2}' => {
                o.output_mode = true;
                match v {
                    Some(list) => o.fields.extend(fields_named(&list)?),
                    None => o.fields.extend(ALL_FIELDS),
                }
            }
            'B' | '\u{1}' => {
                let (option, v) = (if c == 'B' { "-B" } else { "--block-size" }, v.unwrap_or_default());
                o.units = Units::parse(&v).map_err(|why| refusal("df", option, &v, why))?;
            }
            'h' => o.units = Units::HUMAN,
            'H' => o.units = Units::SI,
            'k' => o.units = Units::KIB,
            'm' => o.units = Units::blocks(1 << 20),
            'T' => typ = true,
            'i' => o.inodes = true,
            'P' => o.posix = true,
            't' | 'F' => o.only_types.push(v.unwrap_or_default()),
            'x' => o.skip_types.push(v.unwrap_or_default()),
            '\u{5}' => o.total = true,
            _ => {}
        }
    }
    for (given, option) in [(o.inodes, "-i"), (o.posix, "-P"), (typ, "-T")] {
        if given && o.output_mode {
            return Err(format!("df: options {option} and --output are mutually exclusive\n{TRY}"));
        }
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
    Ok((o, getopt.operands))
}

fn fields_named(list: &str) -> Result<Vec<Field>, String> {
    list.split(',').map(|name| field_named(name).ok_or_else(|| format!("df: option --output: field \u{2018}{}\u{2019} unknown\n{TRY}", printable(name)))).collect()
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
        "file" => Field::File,
        "target" => Field::Target,
        _ => return None,
    })
}

/// The block-size heading: `1K-blocks`, `1M-blocks`, `1024-blocks` (-P).
fn blocks_header(o: &Opts) -> String {
    if o.units.human > 0 {
        return "Size".into();
    }
    if o.posix {
        return format!("{}-blocks", o.units.block);
    }
    format!("{}-blocks", o.units.heading())
}

fn header(f: Field, o: &Opts) -> String {
    match f {
        Field::Source => "Filesystem".into(),
        Field::Fstype => "Type".into(),
        Field::Size => blocks_header(o),
        Field::Used => "Used".into(),
        Field::Avail if o.units.human > 0 || o.output_mode => "Avail".into(),
        Field::Avail => "Available".into(),
        Field::Pcent if o.posix && o.units.human == 0 => "Capacity".into(),
        Field::Pcent => "Use%".into(),
        Field::Itotal => "Inodes".into(),
        Field::Iused => "IUsed".into(),
        Field::Iavail => "IFree".into(),
        Field::Ipcent => "IUse%".into(),
        Field::File => "File".into(),
        Field::Target => "Mounted on".into(),
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
    let mountpoint = |ds: &str| shell.machine.zfs().pool(crate::core::machine::pool_of(ds)).map(|p| p.mountpoint_of(ds)).unwrap_or_default();
    // A snapshot is automounted below its filesystem's `.zfs/snapshot`.
    let target = match dataset.split_once('@') {
        Some((head, snap)) => format!("{}/.zfs/snapshot/{snap}", mountpoint(head).trim_end_matches('/')),
        None => mountpoint(dataset),
    };
    Named { source: dataset.to_string(), fstype: "zfs".into(), target }
}

/// One filesystem's line: its names, its counts, and the file named for it.
fn row(n: &Named, s: &StatFs, file: &str, o: &Opts) -> Vec<String> {
    let bs = s.block_size;
    let used = s.blocks - s.free;
    let iused = s.files - s.files_free;
    let ifmt = |n: u64| if o.units.human > 0 { o.units.amount(n) } else { n.to_string() };
    o.fields
        .iter()
        .map(|f| match f {
            Field::Source => n.source.clone(),
            Field::Fstype => n.fstype.clone(),
            Field::Size => o.units.amount(s.blocks * bs),
            Field::Used => o.units.amount(used * bs),
            Field::Avail => o.units.amount(s.avail * bs),
            Field::Pcent => percent(used, s.avail),
            Field::Itotal => ifmt(s.files),
            Field::Iused => ifmt(iused),
            Field::Iavail => ifmt(s.files_free),
            Field::Ipcent => percent(iused, s.files_free),
            Field::File => printable(file),
            Field::Target => n.target.clone(),
        })
        .collect()
}

/// `--total`'s line: the sums, in bytes.
fn total(found: &[(Named, StatFs, String)]) -> (Named, StatFs) {
    let mut t = StatFs { block_size: 1, ..StatFs::default() };
    for (_, s, _) in found {
        t.blocks += s.blocks * s.block_size;
        t.free += s.free * s.block_size;
        t.avail += s.avail * s.block_size;
        t.files += s.files;
        t.files_free += s.files_free;
    }
    (Named { source: "total".into(), fstype: "-".into(), target: "-".into() }, t)
}

pub fn df(shell: &mut Shell, args: &[String]) -> Output {
    let (o, files) = match parse(args) {
        Ok(p) => p,
        Err(e) => return Output::error(e, 1),
    };
    let mut found: Vec<(Named, StatFs, String)> = Vec::new();
    let mut err = String::new();
    if files.is_empty() {
        for m in shell.machine.mounts() {
            if let Some(s) = shell.machine.statfs_of(&m.uuid) {
                found.push((named(shell, Some(m)), s, "-".into()));
            }
        }
        for (ds, mp, _) in shell.machine.zfs_mounts() {
            if let Ok((_, s)) = shell.machine.statfs_path(&mp) {
                found.push((zfs_named(shell, &ds), s, "-".into()));
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
                found.push((n, s, f.clone()));
            }
            Err(e) => err.push_str(&format!("df: {}: {}\n", printable(f), e.text())),
        }
    }
    found.retain(|(n, _, _)| (o.only_types.is_empty() || o.only_types.contains(&n.fstype)) && !o.skip_types.contains(&n.fstype));
    if found.is_empty() && err.is_empty() {
        return Output::error("df: no file systems processed\n", 1);
    }
    let mut rows: Vec<Vec<String>> = found.iter().map(|(n, s, f)| row(n, s, f, &o)).collect();
    if o.total && !found.is_empty() {
        let (n, s) = total(&found);
        rows.push(row(&n, &s, "-", &o));
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
