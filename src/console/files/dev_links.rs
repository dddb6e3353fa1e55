//! The device-mapper names udev makes on a Proxmox VE host (native,
//! feature `dev-links`): `/dev/mapper/NAME` and `/dev/VG/LV` are symlinks
//! to `../dm-N`, `/dev/mapper/control` is the character device 10:236, and
//! `ls` and `readlink` show them. As lvm2 2.03.16's
//! `_dev_manager_lv_mknodes` decides, every visible LV gets `/dev/VG/LV`,
//! a thin pool only until it holds thin volumes (no `-tpool` layer yet).
//! Simplified: every node carries the boot time; `/dev` itself is not
//! listed (its other nodes are the host's).

use super::split_args;
use crate::console::fmt::ls_date;
use crate::console::{Output, Shell};
use crate::core::device::{BlockDev, DevKind, LvRole};
use crate::core::machine::{Machine, BOOT_TIME};

/// A node under /dev that this module answers for.
#[derive(Clone)]
enum Node {
    /// A symlink and its target (`../dm-1`).
    Link(String),
    /// `/dev/mapper/control`.
    Control,
    /// A block device node: major, minor.
    Block(u32, u32),
    /// A directory (`ls -d`) and how many entries it holds.
    Dir(usize),
}

/// What a path names: a directory of nodes (`/dev/mapper`, `/dev/pve`) or
/// one node.
enum Found {
    Dir(Vec<(String, Node)>),
    Node(Node),
}

pub fn run(shell: &mut Shell, cmd: &str, args: &[String]) -> Option<Output> {
    match cmd {
        "readlink" => Some(readlink(shell, args)),
        _ => None,
    }
}

/// The LVs lvm2 links under /dev/VG: (VG, LV, its dm device).
fn linked(m: &Machine) -> Vec<(&str, &str, &BlockDev)> {
    let devs: Vec<&BlockDev> = m.devices().iter().collect();
    let has_tpool = |vg: &str, lv: &str| devs.iter().any(|d| matches!(&d.kind, DevKind::Lv { vg: v, lv: l, role: LvRole::TPool, .. } if v == vg && l == lv));
    devs.iter()
        .filter_map(|d| match &d.kind {
            DevKind::Lv { vg, lv, role: LvRole::Linear | LvRole::Thin | LvRole::Snapshot, .. } => Some((vg.as_str(), lv.as_str(), *d)),
            DevKind::Lv { vg, lv, role: LvRole::Pool, .. } if !has_tpool(vg, lv) => Some((vg.as_str(), lv.as_str(), *d)),
            _ => None,
        })
        .collect()
}

fn link(d: &BlockDev) -> Node {
    Node::Link(format!("../dm-{}", d.minor))
}

/// What `path` (absolute) names under /dev, if this module models it.
fn find(m: &Machine, path: &str) -> Option<Found> {
    let path = path.trim_end_matches('/');
    let rest = path.strip_prefix("/dev/")?;
    let dms = || m.devices().iter().filter(|d| d.is_dm());
    if rest == "mapper" {
        let mut entries = vec![("control".to_string(), Node::Control)];
        entries.extend(dms().map(|d| (d.name.clone(), link(d))));
        return Some(Found::Dir(entries));
    }
    if rest == "mapper/control" {
        return Some(Found::Node(Node::Control));
    }
    if let Some(name) = rest.strip_prefix("mapper/") {
        return dms().find(|d| d.name == name).map(|d| Found::Node(link(d)));
    }
    let lvs = linked(m);
    if let Some((vg, lv)) = rest.split_once('/') {
        return lvs.iter().find(|(v, l, _)| *v == vg && *l == lv).map(|(_, _, d)| Found::Node(link(d)));
    }
    let in_vg: Vec<(String, Node)> = lvs.iter().filter(|(v, _, _)| *v == rest).map(|(_, l, d)| (l.to_string(), link(d))).collect();
    if !in_vg.is_empty() {
        return Some(Found::Dir(in_vg));
    }
    let dev = m.resolve(path)?;
    m.devices().get(dev).map(|d| Found::Node(Node::Block(d.major, d.minor)))
}

/// `ls` when every operand is one of these nodes or directories (else
/// None: the ordinary ls lists them). `-l`, `-d`, `-1` and `-L` are read.
pub fn ls(shell: &Shell, args: &[String]) -> Option<Output> {
    let (short, long, ops) = split_args(args);
    if ops.is_empty() || !long.is_empty() || short.chars().any(|c| !"ld1L".contains(c)) {
        return None;
    }
    let found: Vec<Found> = ops.iter().map(|op| find(&shell.machine, &shell.abs(op))).collect::<Option<_>>()?;
    let (long, deref, dir_itself) = (short.contains('l'), short.contains('L'), short.contains('d'));
    let mut files = Vec::new();
    let mut dirs = Vec::new();
    for (op, f) in ops.iter().zip(found) {
        match f {
            Found::Dir(entries) if !dir_itself => dirs.push((op.clone(), entries)),
            Found::Dir(entries) => files.push((op.clone(), Node::Dir(entries.len()))),
            Found::Node(n) => files.push((op.clone(), n)),
        }
    }
    let deref_node = |n: Node| match n {
        Node::Link(t) if deref => shell.machine.resolve(&format!("/dev/{}", t.trim_start_matches("../"))).and_then(|d| shell.machine.devices().get(d)).map_or(Node::Link(t), |d| Node::Block(d.major, d.minor)),
        other => other,
    };
    files.sort_by(|a, b| a.0.cmp(&b.0));
    let mut text = render(files.into_iter().map(|(name, n)| (name, deref_node(n))).collect(), long);
    dirs.sort_by(|a, b| a.0.cmp(&b.0));
    let headers = ops.len() > 1;
    for (i, (name, mut entries)) in dirs.into_iter().enumerate() {
        if !text.is_empty() || i > 0 {
            text.push('\n');
        }
        if headers {
            text.push_str(&format!("{name}:\n"));
        }
        if long {
            text.push_str("total 0\n");
        }
        entries.sort_by(|a, b| a.0.cmp(&b.0));
        text.push_str(&render(entries.into_iter().map(|(n, node)| (n, deref_node(node))).collect(), long));
    }
    Some(Output { text, ..Output::default() })
}

/// The lines of `ls` (`-l`: coreutils 9.1's columns). A directory on
/// devtmpfs is 40 bytes and 20 more per entry.
fn render(list: Vec<(String, Node)>, long: bool) -> String {
    if !long {
        return list.into_iter().map(|(name, _)| format!("{name}\n")).collect();
    }
    let numbers = |n: &Node| match n {
        Node::Control => Some((10, 236)),
        Node::Block(maj, min) => Some((*maj, *min)),
        _ => None,
    };
    let (mw, nw) = list.iter().filter_map(|(_, n)| numbers(n)).fold((0, 0), |(a, b), (maj, min)| (a.max(maj.to_string().len()), b.max(min.to_string().len())));
    let sizes: Vec<String> = list
        .iter()
        .map(|(_, n)| match (n, numbers(n)) {
            (_, Some((maj, min))) => format!("{maj:>mw$}, {min:>nw$}"),
            (Node::Link(t), _) => t.len().to_string(),
            (_, None) => (40 + 20 * if let Node::Dir(n) = n { *n } else { 0 }).to_string(),
        })
        .collect();
    let sw = sizes.iter().map(String::len).max().unwrap_or(0);
    let date = ls_date(BOOT_TIME);
    let mut text = String::new();
    for ((name, node), size) in list.into_iter().zip(sizes) {
        let (mode, group, tail) = match &node {
            Node::Link(t) => ("lrwxrwxrwx", "root", format!(" -> {t}")),
            Node::Control => ("crw-------", "root", String::new()),
            Node::Block(..) => ("brw-rw----", "disk", String::new()),
            Node::Dir(_) => ("drwxr-xr-x", "root", String::new()),
        };
        let nlink = if matches!(node, Node::Dir(_)) { "2" } else { "1" };
        text.push_str(&format!("{mode} {nlink} root {group} {size:>sw$} {date} {name}{tail}\n"));
    }
    text
}

/// `readlink [-f|-e|-m] [-n] FILE...`: a link's target, or with -f, -e
/// or -m the path with every link followed. Files that are no links get
/// nothing (status 1) without -f/-e/-m.
fn readlink(shell: &Shell, args: &[String]) -> Output {
    let (short, long, ops) = split_args(args);
    let canonical = short.contains(['f', 'e', 'm']) || long.iter().any(|l| matches!(l.as_str(), "canonicalize" | "canonicalize-existing" | "canonicalize-missing"));
    let newline = if short.contains('n') || long.iter().any(|l| l == "no-newline") { "" } else { "\n" };
    if ops.is_empty() {
        return Output::error("readlink: missing operand\nTry 'readlink --help' for more information.\n", 1);
    }
    let mut out = Output::default();
    for op in &ops {
        let path = shell.abs(op);
        let target = match find(&shell.machine, &path) {
            Some(Found::Node(Node::Link(t))) if canonical => Some(format!("/dev/{}", t.trim_start_matches("../"))),
            Some(Found::Node(Node::Link(t))) => Some(t),
            _ if canonical && reachable(shell, &path, &short, &long) => Some(crate::core::machine::files::normalize(&path)),
            _ => None,
        };
        match target {
            Some(t) => out.text.push_str(&format!("{t}{newline}")),
            None => out.exit_status = 1,
        }
    }
    out
}

/// Whether `readlink`'s canonical form exists as its mode asks: `-e`
/// every part, `-f` all but the last, `-m` none.
fn reachable(shell: &Shell, path: &str, short: &str, long: &[String]) -> bool {
    let exists = |p: &str| shell.machine.stat_path(p).is_ok() || find(&shell.machine, p).is_some();
    let last_wins = short.chars().rev().find(|c| "fem".contains(*c));
    let mode = last_wins.or_else(|| long.iter().rev().find_map(|l| match l.as_str() {
        "canonicalize" => Some('f'),
        "canonicalize-existing" => Some('e'),
        "canonicalize-missing" => Some('m'),
        _ => None,
    }));
    let normal = crate::core::machine::files::normalize(path);
    let parent = normal.rsplit_once('/').map_or("/", |(p, _)| if p.is_empty() { "/" } else { p });
    match mode {
        Some('m') => true,
        Some('e') => exists(&normal),
        _ => exists(&normal) || exists(parent),
    }
}
