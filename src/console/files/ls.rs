//! ls from coreutils 9.1, writing to a pipe (one name per line): -l, -s, -h,
//! -a, -A, -d, -i, -R and -1, with columns aligned as ls aligns them.

use crate::core::order::{small_sort, SmallSort};
use super::{quote, split_args};
use crate::console::fmt::{human_ceil_text, ls_date};
use crate::console::{printable, Output, Shell};
use crate::core::machine::files::Found;
use crate::core::vfs::Stat;

#[derive(Default)]
struct Opts {
    long: bool,
    size: bool,
    human: bool,
    all: bool,
    almost_all: bool,
    dir_itself: bool,
    inode: bool,
    recursive: bool,
}

/// One line to print: its name and what stat said (or a device node).
struct Entry {
    name: String,
    stat: Option<Stat>,
    device: Option<(u32, u32)>,
}

pub fn ls(shell: &mut Shell, args: &[String]) -> Output { #[cfg(feature = "dev-links")] if let Some(out) = super::dev_links::ls(shell, args) { return out; }
    let (short, long, mut ops) = split_args(args);
    let o = Opts {
        long: short.contains('l'),
        size: short.contains('s'),
        human: short.contains('h') || long.iter().any(|l| l == "human-readable"),
        all: short.contains('a') || long.iter().any(|l| l == "all"),
        almost_all: short.contains('A'),
        dir_itself: short.contains('d'),
        inode: short.contains('i'),
        recursive: short.contains('R'),
    };
    if let Some(bad) = short.chars().find(|c| !"lshaAdiR1".contains(*c)) {
        return Output::error(format!("ls: invalid option -- '{bad}'\nTry 'ls --help' for more information.\n"), 2);
    }
    if ops.is_empty() {
        ops.push(".".into());
    }
    // Errors come in the order given; what is listed, in name order.
    let mut err = String::new();
    let mut files = Vec::new();
    let mut dirs = Vec::new();
    for op in &ops {
        let path = shell.abs(op);
        match shell.machine.lookup(&path) {
            Ok(Found::Device(d)) => {
                let dev = shell.machine.devices().get(d);
                files.push(Entry { name: op.clone(), stat: None, device: dev.map(|d| (d.major, d.minor)) });
            }
            Ok(Found::Node { .. }) => match shell.machine.stat_path(&path) {
                Ok(s) if s.stat.is_dir && !o.dir_itself => dirs.push(op.clone()),
                Ok(s) => files.push(Entry { name: op.clone(), stat: Some(s.stat), device: None }),
                Err(e) => err.push_str(&format!("ls: cannot access {}: {}\n", quote(op), e.text())),
            },
            Err(e) => err.push_str(&format!("ls: cannot access {}: {}\n", quote(op), e.text())),
        }
    }
    files.small_sort_by(|a, b| a.name.cmp(&b.name));
    small_sort(&mut dirs);
    let mut text = String::new();
    if !files.is_empty() {
        text.push_str(&render(&files, &o, false));
    }
    let headers = ops.len() > 1 || o.recursive;
    for (i, d) in dirs.iter().enumerate() {
        if !text.is_empty() || i > 0 {
            text.push('\n');
        }
        list_dir(shell, d, &o, headers, &mut text, &mut err);
    }
    let status = if err.is_empty() { 0 } else { 2 };
    Output { text, err, exit_status: status, ..Output::default() }
}

fn list_dir(shell: &Shell, dir: &str, o: &Opts, header: bool, text: &mut String, err: &mut String) {
    let path = shell.abs(dir);
    let mut entries = match shell.machine.read_dir(&path, o.all) {
        Ok(v) => v,
        Err(e) => {
            err.push_str(&format!("ls: cannot open directory {}: {}\n", quote(dir), e.text()));
            return;
        }
    };
    entries.small_sort_by(|a, b| a.0.cmp(&b.0));
    if header {
        text.push_str(&format!("{}:\n", printable(dir)));
    }
    let list: Vec<Entry> = entries.iter().filter(|(n, _)| !(o.almost_all && (n == "." || n == ".."))).map(|(n, s)| Entry { name: n.clone(), stat: Some(*s), device: None }).collect();
    text.push_str(&render(&list, o, true));
    if o.recursive {
        for (name, st) in &entries {
            if st.is_dir && name != "." && name != ".." {
                text.push('\n');
                let child = format!("{}/{name}", dir.trim_end_matches('/'));
                list_dir(shell, &child, o, true, text, err);
            }
        }
    }
}

/// 1 KiB blocks (or a human size) of a file, as `ls -s` shows it.
fn blocks_text(st: &Option<Stat>, human: bool) -> String {
    let b = st.map_or(0, |s| s.blocks_512);
    if human {
        human_ceil_text(b * 512)
    } else {
        b.div_ceil(2).to_string()
    }
}

fn mode_text(st: &Option<Stat>, device: bool) -> String {
    if device {
        return "brw-rw----".into();
    }
    let Some(s) = st else { return "?---------".into() };
    let mut m = String::from(if s.is_dir { "d" } else { "-" });
    for shift in [6, 3, 0] {
        let bits = (s.mode >> shift) & 7;
        m.push(if bits & 4 != 0 { 'r' } else { '-' });
        m.push(if bits & 2 != 0 { 'w' } else { '-' });
        m.push(if bits & 1 != 0 { 'x' } else { '-' });
    }
    m
}

/// Lines for a group of entries, with a `total` line for directory contents.
fn render(list: &[Entry], o: &Opts, total: bool) -> String {
    let mut text = String::new();
    if total && (o.long || o.size) {
        let sum: u64 = list.iter().map(|e| e.stat.map_or(0, |s| s.blocks_512)).sum();
        let t = if o.human { human_ceil_text(sum * 512) } else { sum.div_ceil(2).to_string() };
        text.push_str(&format!("total {t}\n"));
    }
    let col = |f: &dyn Fn(&Entry) -> String| -> Vec<String> { list.iter().map(f).collect() };
    let blocks = col(&|e| blocks_text(&e.stat, o.human));
    let inodes = col(&|e| e.stat.map_or(String::new(), |s| s.ino.to_string()));
    let links = col(&|e| e.stat.map_or(1, |s| s.nlink).to_string());
    let sizes = col(&|e| match (e.device, e.stat) {
        (Some((maj, min)), _) => format!("{maj}, {min}"),
        (None, Some(s)) if o.human => human_ceil_text(s.size),
        (None, Some(s)) => s.size.to_string(),
        _ => String::new(),
    });
    // GNU ls lines up a device's major and minor numbers each in its column.
    #[cfg(feature = "coreutils-extras")]
    let sizes: Vec<String> = {
        let (mw, nw) = list.iter().filter_map(|e| e.device).fold((0, 0), |(a, b), (maj, min)| (a.max(maj.to_string().len()), b.max(min.to_string().len())));
        list.iter().zip(sizes).map(|(e, s)| e.device.map_or(s, |(maj, min)| format!("{maj:>mw$}, {min:>nw$}"))).collect()
    };
    let width = |v: &[String]| v.iter().map(|s| s.chars().count()).max().unwrap_or(0);
    let (bw, iw, lw, sw) = (width(&blocks), width(&inodes), width(&links), width(&sizes));
    for (i, e) in list.iter().enumerate() {
        let mut line = String::new();
        if o.inode {
            line.push_str(&format!("{:>iw$} ", inodes[i]));
        }
        if o.size {
            line.push_str(&format!("{:>bw$} ", blocks[i]));
        }
        if o.long {
            let group = if e.device.is_some() { "disk" } else { "root" };
            let mtime = e.stat.map_or(crate::core::machine::BOOT_TIME, |s| s.mtime);
            line.push_str(&format!("{} {:>lw$} root {group} {:>sw$} {} ", mode_text(&e.stat, e.device.is_some()), links[i], sizes[i], ls_date(mtime)));
        }
        line.push_str(&printable(&e.name));
        text.push_str(&line);
        text.push('\n');
    }
    text
}
