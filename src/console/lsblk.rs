//! lsblk from util-linux 2.38: the block-device tree, its columns and its output
//! modes (tree, `-l` list, `-r` raw, `-P` pairs, `-J` JSON).
//!
//! Simplification: columns that describe hardware queues, permissions or zoning
//! are accepted (they are real column names) but print empty.

use crate::core::order::SmallSort;
use super::fmt::{human_size, json_string, Align, SizeStyle, Table};
use crate::core::machine::{BlockNode, Machine};

/// Columns lsblk knows. (name, right-aligned, modelled)
const COLUMNS: &[(&str, bool)] = &[
    ("NAME", false), ("KNAME", false), ("PATH", false), ("MAJ:MIN", false), ("FSAVAIL", true),
    ("FSSIZE", true), ("FSTYPE", false), ("FSUSED", true), ("FSUSE%", true), ("FSROOTS", false),
    ("FSVER", false), ("MOUNTPOINT", false), ("MOUNTPOINTS", false), ("LABEL", false), ("UUID", false),
    ("PTUUID", false), ("PTTYPE", false), ("PARTTYPE", false), ("PARTTYPENAME", false),
    ("PARTLABEL", false), ("PARTUUID", false), ("PARTFLAGS", false), ("RA", true), ("RO", true),
    ("RM", true), ("HOTPLUG", true), ("MODEL", false), ("SERIAL", false), ("SIZE", true),
    ("STATE", false), ("OWNER", false), ("GROUP", false), ("MODE", false), ("ALIGNMENT", true),
    ("MIN-IO", true), ("OPT-IO", true), ("PHY-SEC", true), ("LOG-SEC", true), ("ROTA", true),
    ("SCHED", false), ("RQ-SIZE", true), ("TYPE", false), ("DISC-ALN", true), ("DISC-GRAN", true),
    ("DISC-MAX", true), ("DISC-ZERO", true), ("WSAME", true), ("WWN", false), ("RAND", true),
    ("PKNAME", false), ("HCTL", false), ("TRAN", false), ("SUBSYSTEMS", false), ("REV", false),
    ("VENDOR", false), ("ZONED", false), ("ZONE-SZ", true), ("ZONE-WGRAN", true), ("ZONE-APP", true),
    ("ZONE-NR", true), ("ZONE-OMAX", true), ("ZONE-AMAX", true), ("DAX", true), ("START", true),
];

const DEFAULT: &[&str] = &["NAME", "MAJ:MIN", "RM", "SIZE", "RO", "TYPE", "MOUNTPOINTS"];
const FS_COLUMNS: &[&str] = &["NAME", "FSTYPE", "FSVER", "LABEL", "UUID", "FSAVAIL", "FSUSE%", "MOUNTPOINTS"];
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
    list: bool,
    raw: bool,
    pairs: bool,
    json: bool,
    noheadings: bool,
    paths: bool,
    columns: Vec<String>,
    devices: Vec<String>,
}

const USAGE_HINT: &str = "Try 'lsblk --help' for more information.\n";

fn parse(args: &[String]) -> Result<Options, String> {
    let mut o = Options::default();
    let mut columns: Option<Vec<String>> = None;
    let mut extra: Vec<String> = Vec::new();
    let mut fs = false;
    let mut i = 0;
    while i < args.len() {
        let a = &args[i];
        let take_value = |i: &mut usize, flag: &str| -> Result<String, String> {
            *i += 1;
            args.get(*i).cloned().ok_or_else(|| format!("lsblk: option requires an argument -- '{flag}'\n{USAGE_HINT}"))
        };
        if let Some(v) = a.strip_prefix("--output=") {
            columns = Some(v.split(',').map(str::to_string).collect());
        } else if a.starts_with("--") {
            match a.as_str() {
                "--bytes" => o.bytes = true,
                "--nodeps" => o.nodeps = true,
                "--list" => o.list = true,
                "--raw" => o.raw = true,
                "--pairs" => o.pairs = true,
                "--json" => o.json = true,
                "--noheadings" => o.noheadings = true,
                "--paths" => o.paths = true,
                "--fs" => fs = true,
                "--all" | "--tree" => {}
                "--output" => {
                    let v = take_value(&mut i, "o")?;
                    columns = Some(v.split(',').map(str::to_string).collect());
                }
                _ => return Err(format!("lsblk: unrecognized option '{a}'\n{USAGE_HINT}")),
            }
        } else if a.starts_with('-') && a.len() > 1 {
            let flags: Vec<char> = a[1..].chars().collect();
            for (k, f) in flags.iter().enumerate() {
                match f {
                    'b' => o.bytes = true,
                    'd' => o.nodeps = true,
                    'l' => o.list = true,
                    'r' => o.raw = true,
                    'P' => o.pairs = true,
                    'J' => o.json = true,
                    'n' => o.noheadings = true,
                    'p' => o.paths = true,
                    'f' => fs = true,
                    'a' | 'T' => {}
                    'o' => {
                        let rest: String = flags[k + 1..].iter().collect();
                        let v = if rest.is_empty() { take_value(&mut i, "o")? } else { rest };
                        if let Some(plus) = v.strip_prefix('+') {
                            extra.extend(plus.split(',').map(str::to_string));
                        } else {
                            columns = Some(v.split(',').map(str::to_string).collect());
                        }
                        break;
                    }
                    other => return Err(format!("lsblk: invalid option -- '{other}'\n{USAGE_HINT}")),
                }
            }
        } else {
            o.devices.push(a.clone());
        }
        i += 1;
    }
    let base: Vec<String> = match columns {
        Some(c) => c,
        None if fs => FS_COLUMNS.iter().map(|s| s.to_string()).collect(),
        None => DEFAULT.iter().map(|s| s.to_string()).collect(),
    };
    o.columns = base.into_iter().chain(extra).filter(|c| !c.is_empty()).map(|c| c.to_ascii_uppercase()).collect();
    for c in &o.columns {
        if !COLUMNS.iter().any(|(n, _)| n == c) {
            return Err(format!("lsblk: unknown column: {c}\n"));
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
        "FSUSE%" => usage.map(|(_, used, avail)| format!("{}%", (used * 100).div_ceil((used + avail).max(1)))),
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
        "LOG-SEC" | "PHY-SEC" | "MIN-IO" => Some("512".into()),
        "OPT-IO" | "ALIGNMENT" | "DISC-ALN" => Some("0".into()),
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
    let child_prefix = match branch {
        "├─" => format!("{prefix}│ "),
        "└─" => format!("{prefix}  "),
        _ => prefix.to_string(),
    };
    let n = node.children.len();
    for (i, c) in node.children.iter().enumerate() {
        walk(c, Some(node), &child_prefix, if i + 1 == n { "└─" } else { "├─" }, o, rows);
    }
}

fn find<'a>(nodes: &'a [BlockNode], path: &str) -> Option<&'a BlockNode> {
    nodes.iter().find_map(|n| if n.path == path { Some(n) } else { find(&n.children, path) })
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
    if !o.nodeps && !node.children.is_empty() {
        let kids: Vec<String> = node.children.iter().map(|c| json_node(c, Some(node), o, indent + 6)).collect();
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
pub fn run(machine: &Machine, args: &[String]) -> (String, i32) {
    let o = match parse(args) {
        Ok(o) => o,
        Err(e) => return (e, 1),
    };
    let mut tree = machine.block_tree();
    tree.small_sort_by_key(|n| (n.major, n.minor));
    let mut roots: Vec<BlockNode> = Vec::new();
    let mut errors = String::new();
    let mut status = 0;
    for d in &o.devices {
        let canonical = machine.resolve(d).map(|r| machine.path(r));
        match canonical.and_then(|p| find(&tree, &p)) {
            Some(n) => roots.push(n.clone()),
            None => {
                errors.push_str(&format!("lsblk: {d}: not a block device\n"));
                status = 32;
            }
        }
    }
    if o.devices.is_empty() {
        roots = tree;
    }
    if roots.is_empty() {
        return (errors, status);
    }
    if o.json {
        let nodes: Vec<String> = roots.iter().map(|n| json_node(n, None, &o, 6)).collect();
        return (format!("{errors}{{\n   \"blockdevices\": [\n{}\n   ]\n}}\n", join_objects(&nodes)), status);
    }
    let mut rows = Vec::new();
    for r in &roots {
        walk(r, None, "", "", &o, &mut rows);
    }
    let flat = o.list || o.raw || o.pairs;
    let mut out = errors;
    if o.pairs {
        for row in &rows {
            let cells: Vec<String> = o
                .columns
                .iter()
                .map(|c| format!("{}=\"{}\"", c, value(row.node, row.parent, c, &o, false).unwrap_or_default().replace('\n', "\\x0a")))
                .collect();
            out.push_str(&cells.join(" "));
            out.push('\n');
        }
        return (out, status);
    }
    if o.raw {
        if !o.noheadings {
            out.push_str(&o.columns.join(" "));
            out.push('\n');
        }
        for row in &rows {
            let cells: Vec<String> = o
                .columns
                .iter()
                .map(|c| value(row.node, row.parent, c, &o, false).unwrap_or_default().replace(' ', "\\x20").replace('\n', "\\x0a"))
                .collect();
            out.push_str(&cells.join(" "));
            out.push('\n');
        }
        return (out, status);
    }
    let cols: Vec<(&str, Align)> = o
        .columns
        .iter()
        .map(|c| (c.as_str(), if right_aligned(c) { Align::Right } else { Align::Left }))
        .collect();
    let mut table = Table::new(&cols);
    table.show_header = !o.noheadings;
    table.hints = o.columns.iter().map(|c| width_hint(c)).collect();
    for row in &rows {
        let cells = o
            .columns
            .iter()
            .map(|c| {
                // A device mounted twice shows its first mountpoint here.
                let v = value(row.node, row.parent, c, &o, true).unwrap_or_default();
                let v = v.split('\n').next().unwrap_or_default().to_string();
                if c == "NAME" && !flat {
                    format!("{}{v}", row.prefix)
                } else {
                    v
                }
            })
            .collect();
        table.push(cells);
    }
    out.push_str(&table.render());
    (out, status)
}
