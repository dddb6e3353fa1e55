//! lsblk from util-linux 2.38: the block-device tree, its columns and its output
//! modes (tree, `-l` list, `-r` raw, `-P` pairs, `-J` JSON, `-i` ASCII), the
//! column sets of `-f`, `-m`, `-t`, `-S`, `-D`, `-z` and `-O`, and the filters
//! `-e`/`-I`, `-A` and `-S`, with options read as getopt_long reads them.
//!
//! Simplified: queue limits are those of a QEMU guest's disks; `-a` and `-M`
//! change nothing (no empty or RAID devices here), `-w` does not wrap, and
//! `-E`, `-s`, `-x` and `-y` are refused with a message of ours.

use crate::core::order::SmallSort;
use super::fmt::{human_size, json_string, Align, SizeStyle, Table};
use super::hexdump::Getopt;
use crate::core::machine::{BlockNode, Machine};
#[cfg(feature = "coreutils-extras")]
use super::Output;

/// Columns lsblk knows, in its own order (`-O`, `--help`). (name, right-aligned)
const COLUMNS: &[(&str, bool)] = &[
    ("ALIGNMENT", true), ("DISC-ALN", true), ("DAX", true), ("DISC-GRAN", true), ("DISC-MAX", true),
    ("DISC-ZERO", true), ("FSAVAIL", true), ("FSROOTS", false), ("FSSIZE", true), ("FSTYPE", false),
    ("FSUSED", true), ("FSUSE%", true), ("FSVER", false), ("GROUP", false), ("HCTL", false), ("HOTPLUG", true),
    ("KNAME", false), ("LABEL", false), ("LOG-SEC", true), ("MAJ:MIN", false), ("MIN-IO", true), ("MODE", false),
    ("MODEL", false), ("NAME", false), ("OPT-IO", true), ("OWNER", false), ("PARTFLAGS", false),
    ("PARTLABEL", false), ("PARTTYPE", false), ("PARTTYPENAME", false), ("PARTUUID", false), ("PATH", false),
    ("PHY-SEC", true), ("PKNAME", false), ("PTTYPE", false), ("PTUUID", false), ("RA", true), ("RAND", true),
    ("REV", false), ("RM", true), ("RO", true), ("ROTA", true), ("RQ-SIZE", true), ("SCHED", false),
    ("SERIAL", false), ("SIZE", true), ("START", true), ("STATE", false), ("SUBSYSTEMS", false),
    ("MOUNTPOINT", false), ("MOUNTPOINTS", false), ("TRAN", false), ("TYPE", false), ("UUID", false),
    ("VENDOR", false), ("WSAME", true), ("WWN", false), ("ZONED", false), ("ZONE-SZ", true),
    ("ZONE-WGRAN", true), ("ZONE-APP", true), ("ZONE-NR", true), ("ZONE-OMAX", true), ("ZONE-AMAX", true),
];

/// The columns `-f`, `-m`, `-t`, `-S`, `-D` and `-z` add, in lsblk's order.
const COLUMN_SETS: &[(char, &str)] = &[
    ('f', "NAME,FSTYPE,FSVER,LABEL,UUID,FSAVAIL,FSUSE%,MOUNTPOINTS"),
    ('m', "NAME,SIZE,OWNER,GROUP,MODE"),
    ('t', "NAME,ALIGNMENT,MIN-IO,OPT-IO,PHY-SEC,LOG-SEC,ROTA,SCHED,RQ-SIZE,RA,WSAME"),
    ('S', "NAME,HCTL,TYPE,VENDOR,MODEL,REV,SERIAL,TRAN"),
    ('D', "NAME,DISC-ALN,DISC-GRAN,DISC-MAX,DISC-ZERO"),
    ('z', "NAME,ZONED,ZONE-SZ,ZONE-NR,ZONE-AMAX,ZONE-OMAX,ZONE-APP,ZONE-WGRAN"),
];
const DEFAULT: &str = "NAME,MAJ:MIN,RM,SIZE,RO,TYPE,MOUNTPOINTS";
/// Columns JSON prints as booleans.
const BOOLEAN: &[&str] = &["RM", "RO", "ROTA", "HOTPLUG", "RAND", "DAX", "DISC-ZERO"];
/// Columns JSON prints as numbers.
const NUMBER: &[&str] = &["START", "RA", "RQ-SIZE", "MIN-IO", "OPT-IO", "PHY-SEC", "LOG-SEC", "ALIGNMENT", "DISC-ALN", "ZONE-NR", "ZONE-OMAX", "ZONE-AMAX"];
/// Size columns, which JSON prints as numbers with --bytes.
const SIZES: &[&str] = &["SIZE", "FSAVAIL", "FSSIZE", "FSUSED", "DISC-GRAN", "DISC-MAX", "WSAME", "ZONE-SZ", "ZONE-WGRAN", "ZONE-APP"];

#[derive(Default)]
struct Options {
    bytes: bool,
    nodeps: bool,
    tree: bool,
    raw: bool,
    pairs: bool,
    json: bool,
    noheadings: bool,
    paths: bool,
    ascii: bool,
    scsi: bool,
    noempty: bool,
    /// `-e` or `-I`: the majors to leave out or to keep.
    majors: Option<(bool, Vec<u32>)>,
    columns: Vec<String>,
    devices: Vec<String>,
}

const USAGE_HINT: &str = "Try 'lsblk --help' for more information.\n";

const SHORT: &str = "AabdDzE:e:fhJlnMmo:OpPiI:rstVST::w:x:y\u{1}:";

/// In getopt_long's order; `--sysroot` has no short option, `\u{1}` stands for it.
const LONG: &str = "all=a,bytes=b,nodeps=d,noempty=A,discard=D,dedup=E,zoned=z,help=h,json=J,output=o,\
output-all=O,merge=M,perms=m,noheadings=n,list=l,ascii=i,raw=r,inverse=s,fs=f,exclude=e,include=I,topology=t,\
paths=p,pairs=P,scsi=S,sort=x,sysroot=\u{1},shell=y,tree=T,version=V,width=w";

/// A column's canonical name, or lsblk's complaint (which prints the
/// list from the unknown name on).
fn column(name: &str, rest: &str) -> Result<String, String> {
    let up = name.to_ascii_uppercase();
    match COLUMNS.iter().any(|(n, _)| *n == up) {
        true => Ok(up),
        false if name.is_empty() => Err(String::new()),
        false => Err(format!("lsblk: unknown column: {rest}\n")),
    }
}

/// `-e`/`-I`'s comma-separated majors.
fn majors(list: &str) -> Result<Vec<u32>, String> {
    let mut out = Vec::new();
    for m in list.split(',') {
        out.push(m.parse().map_err(|_| format!("lsblk: failed to parse list '{list}'\n"))?);
    }
    Ok(out)
}

/// Reads the options as getopt_long hands them over; `Err` is the text to
/// print and the exit status.
fn parse(args: &[String]) -> Result<Options, (String, i32)> {
    let mut o = Options { tree: true, ..Options::default() };
    let (mut output, mut force_tree) = (None, false);
    let mut getopt = Getopt::new(args, SHORT, LONG);
    let add = |o: &mut Options, names: &str| {
        for n in names.split(',') {
            if !o.columns.iter().any(|c| c == n) {
                o.columns.push(n.to_string());
            }
        }
    };
    while let Some(parsed) = getopt.next("lsblk") {
        let (c, v) = parsed.map_err(|e| (format!("{e}\n{USAGE_HINT}"), 1))?;
        let v = v.unwrap_or_default();
        match c {
            'A' => o.noempty = true,
            'b' => o.bytes = true,
            'd' => o.nodeps = true,
            'J' => o.json = true,
            'l' => o.tree = false,
            'n' => o.noheadings = true,
            'p' => o.paths = true,
            'P' => (o.pairs, o.tree) = (true, false),
            'r' => (o.raw, o.tree) = (true, false),
            'i' => o.ascii = true,
            'T' => force_tree = true,
            'o' => output = Some(v),
            'O' => o.columns = COLUMNS.iter().map(|c| c.0.to_string()).collect(),
            'e' | 'I' => o.majors = Some((c == 'I', majors(&v).map_err(|e| (e, 1))?)),
            'E' | 's' | 'x' | 'y' => return Err((format!("lsblk: the lab does not model -{c} (see lsblk(8))\n"), 1)),
            // The lab's lines are never wrapped: any width is wide enough.
            'w' => {}
            'h' => return Err((super::version::no_help("lsblk"), 0)),
            'V' => return Err(("lsblk from util-linux 2.38.1\n".into(), 0)),
            _ => {
                if c == 'S' {
                    (o.scsi, o.nodeps) = (true, true);
                }
                if let Some((_, set)) = COLUMN_SETS.iter().find(|s| s.0 == c) {
                    add(&mut o, set);
                }
            }
        }
    }
    o.tree |= force_tree;
    o.devices = getopt.operands;
    if o.columns.is_empty() {
        add(&mut o, DEFAULT);
    }
    if let Some(list) = output {
        let (list, append) = match list.strip_prefix('+') {
            Some(rest) => (rest, true),
            None => (list.as_str(), false),
        };
        if !append {
            o.columns.clear();
        }
        // An empty name fails without a word, as in util-linux; an unknown
        // one is named with the rest of the list (lsblk prints from it).
        let mut at = 0;
        for name in list.split(',') {
            o.columns.push(column(name, &list[at..]).map_err(|e| (e, 1))?);
            at += name.len() + 1;
        }
    }
    Ok(o)
}

/// lsblk's absolute width hints (lsblk.c); relative hints do not apply off a terminal.
fn width_hint(col: &str) -> usize {
    match col {
        "MAJ:MIN" => 6,
        "FSAVAIL" | "FSSIZE" | "FSUSED" | "SIZE" | "RQ-SIZE" => 5,
        "FSUSE%" | "RA" => 3,
        "UUID" | "PTUUID" | "PARTTYPE" | "PARTUUID" | "PARTFLAGS" => 36,
        "RO" | "RM" | "HOTPLUG" | "ROTA" | "RAND" | "DAX" | "DISC-ZERO" => 1,
        "STATE" | "PHY-SEC" | "LOG-SEC" => 7,
        "MODE" | "HCTL" => 10,
        "ALIGNMENT" | "MIN-IO" | "OPT-IO" | "DISC-ALN" | "DISC-GRAN" | "DISC-MAX" | "WSAME" => 6,
        "TYPE" | "REV" => 4,
        _ => 0,
    }
}

fn right_aligned(col: &str) -> bool {
    COLUMNS.iter().find(|(n, _)| *n == col).is_some_and(|c| c.1)
}

/// A cell value; `None` is an empty cell (JSON null).
fn value(node: &BlockNode, parent: Option<&BlockNode>, col: &str, o: &Options, table: bool) -> Option<String> {
    let size = |b: u64| if o.bytes { b.to_string() } else { human_size(b, SizeStyle::Letter) };
    let fs = node.sig.as_ref();
    let usage = node.usage;
    let flag = |b: bool| Some(if b { "1" } else { "0" }.to_string());
    match col {
        "NAME" => Some(if o.paths { node.path.clone() } else { node.name.clone() }),
        "KNAME" => Some(if node.kind == "lvm" { format!("dm-{}", node.minor) } else { node.name.clone() }),
        "PATH" => Some(node.path.clone()),
        "PKNAME" => parent.map(|p| if p.kind == "lvm" { format!("dm-{}", p.minor) } else { p.name.clone() }),
        "MAJ:MIN" => Some(if table { format!("{:>3}:{:<3}", node.major, node.minor) } else { format!("{}:{}", node.major, node.minor) }),
        "RM" | "RO" => flag(false),
        "HOTPLUG" | "RAND" | "DAX" => flag(false),
        "ROTA" => flag(node.rotational),
        "SIZE" => Some(size(node.size_bytes)),
        "TYPE" => Some(node.kind.to_string()),
        "MOUNTPOINT" => node.mountpoints.first().cloned(),
        "MOUNTPOINTS" => (!node.mountpoints.is_empty()).then(|| node.mountpoints.join("\n")),
        "FSTYPE" => fs.map(|f| f.fstype.name().to_string()),
        "FSVER" => fs.map(|f| f.fstype.version().to_string()).filter(|v| !v.is_empty()),
        "LABEL" => fs.map(|f| f.label.clone()).filter(|l| !l.is_empty()),
        "UUID" => fs.map(|f| f.uuid.clone()),
        "FSAVAIL" => usage.map(|u| size(u.2)),
        "FSSIZE" => usage.map(|u| size(u.0)),
        "FSUSED" => usage.map(|u| size(u.1)),
        "FSUSE%" => usage.map(|(total, used, _)| use_percent(used, total)),
        "PTTYPE" => node.pttype.map(str::to_string),
        "PTUUID" => node.ptuuid.clone(),
        "PARTTYPE" => node.parttype.clone(),
        "PARTTYPENAME" => node.parttypename.map(str::to_string),
        "PARTLABEL" => node.partlabel.clone(),
        "PARTUUID" => node.partuuid.clone(),
        "MODEL" => node.model.clone(),
        "SERIAL" => node.serial.clone(),
        "TRAN" => (!node.tran.is_empty() && node.kind == "disk").then(|| node.tran.to_string()),
        "START" => node.start_lba.map(|s| s.to_string()),
        "STATE" => (node.kind != "part").then(|| "running".to_string()),
        "LOG-SEC" => Some("512".into()),
        // Only a ZFS volume (command-line program) has other than 512 bytes.
        #[cfg(feature = "zfs")]
        "PHY-SEC" | "MIN-IO" => Some(node.io_bytes.to_string()),
        #[cfg(feature = "zfs")]
        "OPT-IO" => Some(if node.io_bytes > 512 { node.io_bytes } else { 0 }.to_string()),
        #[cfg(not(feature = "zfs"))]
        "PHY-SEC" | "MIN-IO" => Some("512".into()),
        #[cfg(not(feature = "zfs"))]
        "OPT-IO" => Some("0".into()),
        "ALIGNMENT" | "DISC-ALN" => Some("0".into()),
        "DISC-GRAN" | "DISC-MAX" | "WSAME" | "ZONE-SZ" | "ZONE-WGRAN" | "ZONE-APP" => Some(size(queue_bytes(node, col))),
        "HCTL" | "SCHED" | "RQ-SIZE" | "RA" | "DISC-ZERO" | "ZONED" | "ZONE-NR" | "ZONE-OMAX" | "ZONE-AMAX" | "SUBSYSTEMS" | "VENDOR" | "REV" => queue(node, col),
        "OWNER" => Some("root".into()),
        "GROUP" => Some("disk".into()),
        "MODE" => Some("brw-rw----".into()),
        _ => None,
    }
}

/// The request queue as the kernel of a QEMU guest sets it up: SATA disks
/// behind AHCI (one port per SCSI host, mq-deadline), NVMe (none), loop
/// devices (none) and bio-based device-mapper (no scheduler). None of them is
/// zoned. Partitions report their disk's queue.
fn queue(node: &BlockNode, col: &str) -> Option<String> {
    let (dm, sata, disk) = (node.kind == "lvm", node.tran == "sata", node.kind == "disk");
    let nvme = node.tran == "nvme";
    #[cfg(feature = "zfs")]
    if let Some(unit) = node.raid_unit.filter(|_| node.kind == "disk") {
        return match col {
            "HCTL" => Some(format!("0:2:{unit}:0")),
            "VENDOR" => Some("DELL    ".into()),
            "REV" => Some("4.30".into()),
            "SCHED" => Some("mq-deadline".into()),
            "SUBSYSTEMS" => Some("block:scsi:pci".into()),
            "RQ-SIZE" => Some("64".into()),
            "RA" => Some("128".into()),
            "DISC-ZERO" | "ZONE-NR" | "ZONE-OMAX" | "ZONE-AMAX" => Some("0".into()),
            "ZONED" => Some("none".into()),
            _ => None,
        };
    }
    let v = match col {
        "HCTL" if sata && disk => return Some(format!("{}:0:0:0", node.minor / 16)),
        "VENDOR" if sata && disk => "ATA     ",
        "REV" if sata && disk => "2.5+",
        "SCHED" if !dm => if sata { "mq-deadline" } else { "none" },
        "RQ-SIZE" => if sata { "64" } else if nvme { "1023" } else { "128" },
        "RA" => "128",
        "DISC-ZERO" | "ZONE-NR" | "ZONE-OMAX" | "ZONE-AMAX" => "0",
        "ZONED" => "none",
        "SUBSYSTEMS" => if sata { "block:scsi:pci" } else if nvme { "block:nvme:pci" } else { "block" },
        _ => return None,
    };
    Some(v.to_string())
}

/// Discard and write-same limits in bytes: QEMU's SATA disks discard nothing
/// (Proxmox's default discard=off); NVMe and loop devices discard 4K blocks.
fn queue_bytes(node: &BlockNode, col: &str) -> u64 {
    let discards = node.tran == "nvme" || node.kind == "loop";
    match col {
        "DISC-GRAN" if discards => 4096,
        "DISC-MAX" if discards => (4 << 30) - 512,
        _ => 0,
    }
}

struct Row<'a> {
    node: &'a BlockNode,
    parent: Option<&'a BlockNode>,
    prefix: String,
}

fn walk<'a>(node: &'a BlockNode, parent: Option<&'a BlockNode>, prefix: &str, branch: &str, o: &Options, rows: &mut Vec<Row<'a>>) {
    rows.push(Row { node, parent, prefix: format!("{prefix}{branch}") });
    if o.nodeps {
        return;
    }
    let [mid, last, bar] = if o.ascii { ["|-", "`-", "| "] } else { ["├─", "└─", "│ "] };
    let child_prefix = match branch {
        "" => prefix.to_string(),
        b if b == last => format!("{prefix}  "),
        _ => format!("{prefix}{bar}"),
    };
    let kids = below(node, o);
    for (i, c) in kids.iter().enumerate() {
        walk(c, Some(node), &child_prefix, if i + 1 == kids.len() { last } else { mid }, o, rows);
    }
}

fn find<'a>(nodes: &'a [BlockNode], path: &str) -> Option<&'a BlockNode> {
    nodes.iter().find_map(|n| if n.path == path { Some(n) } else { find(&n.children, path) })
}

/// The devices printed under a device: its children, without those that
/// `-e`/`-I`, `-A` and `-S` leave out.
fn below<'a>(n: &'a BlockNode, o: &Options) -> Vec<&'a BlockNode> {
    n.children.iter().filter(|k| shown(k, o)).collect()
}

fn shown(n: &BlockNode, o: &Options) -> bool {
    let major_ok = o.majors.as_ref().is_none_or(|(include, list)| list.contains(&n.major) == *include);
    // -S: the devices with a SCSI address (HCTL), the SATA disks here.
    major_ok && (!o.scsi || n.tran == "sata" && n.kind == "disk") && !(o.noempty && n.size_bytes == 0)
}

fn json_node(node: &BlockNode, parent: Option<&BlockNode>, o: &Options, indent: usize) -> String {
    let pad = " ".repeat(indent + 3);
    let mut fields = Vec::new();
    for col in &o.columns {
        let key = col.to_ascii_lowercase();
        let v = value(node, parent, col, o, false);
        let rendered = if col == "MOUNTPOINTS" {
            let items: Vec<String> = if node.mountpoints.is_empty() {
                vec!["null".into()]
            } else {
                node.mountpoints.iter().map(|m| json_string(m)).collect()
            };
            let inner = " ".repeat(indent + 7);
            format!("[\n{inner}{}\n{pad}]", items.join(&format!(",\n{inner}")))
        } else if BOOLEAN.contains(&col.as_str()) {
            (v.as_deref() == Some("1")).to_string()
        } else if (SIZES.contains(&col.as_str()) && o.bytes) || NUMBER.contains(&col.as_str()) {
            v.unwrap_or_else(|| "null".into())
        } else {
            v.map_or("null".into(), |s| json_string(&s))
        };
        fields.push(format!("{pad}{}: {rendered}", json_string(&key)));
    }
    let kids = below(node, o);
    if o.tree && !o.nodeps && !kids.is_empty() {
        let kids: Vec<String> = kids.iter().map(|c| json_node(c, Some(node), o, indent + 6)).collect();
        fields.push(format!("{pad}\"children\": [\n{}\n{pad}]", join_objects(&kids)));
    }
    let open = " ".repeat(indent);
    format!("{open}{{\n{}\n{open}}}", fields.join(",\n"))
}

/// Joins JSON objects the way libsmartcols does: `},{` with no line break.
pub fn join_objects(objects: &[String]) -> String {
    objects
        .iter()
        .enumerate()
        .map(|(i, o)| if i == 0 { o.clone() } else { o.trim_start().to_string() })
        .collect::<Vec<_>>()
        .join(",")
}

/// Runs lsblk with `args`; returns the text and the exit status.
/// lsblk's output, its errors (standard error) and its exit status.
pub fn run(machine: &Machine, args: &[String]) -> (String, String, i32) {
    let o = match parse(args) {
        Ok(o) => o,
        // --help and --version print on standard output.
        Err((text, 0)) => return (text, String::new(), 0),
        Err((text, status)) => return (String::new(), text, status),
    };
    let mut tree = machine.block_tree();
    tree.small_sort_by_key(|n| (n.major, n.minor));
    let (mut roots, mut errors, mut out) = (Vec::new(), String::new(), String::new());
    for d in &o.devices {
        let canonical = machine.resolve(d).map(|r| machine.path(r));
        match canonical.and_then(|p| find(&tree, &p)) {
            Some(n) => roots.push(n),
            None => errors.push_str(&format!("lsblk: {d}: not a block device\n")),
        }
    }
    // lsblk's exit codes: 32 when every device failed, 64 when some did.
    let status = match roots.len() {
        _ if errors.is_empty() => 0,
        0 => 32,
        _ => 64,
    };
    if o.devices.is_empty() {
        roots = tree.iter().collect();
    }
    roots.retain(|n| shown(n, &o));
    if roots.is_empty() {
        return (out, errors, status);
    }
    let mut rows = Vec::new();
    for r in &roots {
        walk(r, None, "", "", &o, &mut rows);
    }
    // A list prints each device once, sorted by MAJ:MIN (lsblk's default
    // sort since Linux 4.8); --raw and --pairs keep the tree's order.
    if !o.tree && !o.raw && !o.pairs {
        rows.small_sort_by_key(|r| (r.node.major, r.node.minor));
        rows.dedup_by_key(|r| (r.node.major, r.node.minor));
    }
    let columns = &o.columns;
    if o.json {
        let nodes: Vec<String> = match o.tree {
            true => roots.iter().map(|n| json_node(n, None, &o, 6)).collect(),
            false => rows.iter().map(|r| json_node(r.node, r.parent, &o, 6)).collect(),
        };
        out.push_str(&format!("{{\n   \"blockdevices\": [\n{}\n   ]\n}}\n", join_objects(&nodes)));
        return (out, errors, status);
    }
    if o.pairs || o.raw {
        if o.raw && !o.noheadings {
            out.push_str(&columns.join(" "));
            out.push('\n');
        }
        for row in &rows {
            let cells: Vec<String> = columns
                .iter()
                .map(|c| {
                    let v = value(row.node, row.parent, c, &o, false).unwrap_or_default().replace('\n', "\\x0a");
                    match o.pairs {
                        true => format!("{c}=\"{v}\""),
                        false => v.replace(' ', "\\x20"),
                    }
                })
                .collect();
            out.push_str(&cells.join(" "));
            out.push('\n');
        }
        return (out, errors, status);
    }
    let cols: Vec<(&str, Align)> =
        columns.iter().map(|c| (c.as_str(), if right_aligned(c) { Align::Right } else { Align::Left })).collect();
    let mut table = Table::new(&cols);
    table.show_header = !o.noheadings;
    table.hints = columns.iter().map(|c| width_hint(c)).collect();
    for row in &rows {
        let cells = columns
            .iter()
            .map(|c| {
                // A device mounted twice shows its first mountpoint here.
                let v = value(row.node, row.parent, c, &o, true).unwrap_or_default();
                let v = v.split('\n').next().unwrap_or_default().to_string();
                if c == "NAME" && o.tree {
                    format!("{}{v}", row.prefix)
                } else {
                    v
                }
            })
            .collect();
        table.push(cells);
    }
    out.push_str(&table.render());
    (out, errors, status)
}

/// lsblk's FSUSE%: used blocks over all blocks, as `%.0f` rounds (half to
/// even). df's Use% divides by used plus available, without the reserve.
fn use_percent(used: u64, total: u64) -> String {
    if total == 0 {
        return "-".into();
    }
    let (q, r) = (used * 100 / total, used * 100 % total);
    format!("{}%", q + u64::from(2 * r > total || (2 * r == total && q % 2 == 1)))
}

/// `blockdev COMMAND... DEVICE...` (util-linux): the queries, each device in
/// turn answering every one in order; `--report` prints its table row.
/// Native only; the lab's read-ahead is lsblk's RA (128 KiB, 256 sectors).
#[cfg(feature = "coreutils-extras")]
pub fn blockdev(machine: &Machine, args: &[String]) -> Output {
    const COMMANDS: &[&str] = &["--getsize64", "--getsz", "--getsize", "--getss", "--getpbsz", "--getiomin", "--getioopt", "--getalignoff", "--getro", "--getra", "--getbsz", "--rereadpt", "--report"];
    let usage = |what: &str| Output::error(format!("blockdev: {what}\nTry 'blockdev --help' for more information.\n"), 1);
    let split = args.iter().position(|a| !a.starts_with('-')).unwrap_or(args.len());
    let (commands, devices) = args.split_at(split);
    if let Some(bad) = commands.iter().find(|c| !COMMANDS.contains(&c.as_str())) {
        return usage(&format!("Unknown command: {bad}"));
    }
    if commands.is_empty() || devices.is_empty() && !commands.iter().any(|c| c == "--report") {
        return usage("not enough arguments");
    }
    let mut tree = machine.block_tree();
    tree.small_sort_by_key(|n| (n.major, n.minor));
    let mut all = Vec::new();
    flatten(&tree, &mut all);
    let mut out = Output::default();
    if commands.iter().any(|c| c == "--report") {
        out.text.push_str("RO    RA   SSZ   BSZ        StartSec            Size   Device\n");
    }
    let nodes: Vec<Option<&BlockNode>> = if devices.is_empty() {
        all.iter().map(|n| Some(*n)).collect()
    } else {
        devices.iter().map(|d| machine.resolve(d).map(|r| machine.path(r)).and_then(|p| all.iter().find(|n| n.path == p).copied())).collect()
    };
    for (i, node) in nodes.into_iter().enumerate() {
        let Some(n) = node else {
            out.err.push_str(&format!("blockdev: cannot open {}: No such file or directory\n", devices[i]));
            out.exit_status = 1;
            continue;
        };
        for c in commands {
            let line = match c.as_str() {
                "--getsize64" => n.size_bytes.to_string(),
                "--getsz" | "--getsize" => (n.size_bytes / 512).to_string(),
                "--getss" => "512".into(),
                "--getpbsz" | "--getiomin" => n.io_bytes.to_string(),
                "--getioopt" => if n.io_bytes > 512 { n.io_bytes } else { 0 }.to_string(),
                "--getalignoff" | "--getro" => "0".into(),
                "--getra" => "256".into(),
                "--getbsz" => "4096".into(),
                "--report" => format!("rw {:>5} {:>5} {:>5} {:>15} {:>15}   {}", 256, 512, 4096, n.start_lba.unwrap_or(0), n.size_bytes, n.path),
                _ => continue,
            };
            out.text.push_str(&line);
            out.text.push('\n');
        }
    }
    out
}

#[cfg(feature = "coreutils-extras")]
fn flatten<'t>(nodes: &'t [BlockNode], out: &mut Vec<&'t BlockNode>) {
    for n in nodes {
        out.push(n);
        flatten(&n.children, out);
    }
}

