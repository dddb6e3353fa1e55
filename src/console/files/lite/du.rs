//! The browser's du (coreutils 9.1): `-a -b -c -h -k -m -s -B SIZE` and
//! their long names, the forms the course and Figure 5 use. It is the
//! smaller first version of `files/du.rs`, kept for the 400 KiB budget (the
//! full one measured 0.7 KiB more); the command-line program has the full
//! one (feature `coreutils-extras`).

use super::{quote, split_args};
use crate::console::fmt::human_ceil_text;
use crate::console::{printable, Output, Shell};

struct Opts {
    all: bool,
    summarize: bool,
    total: bool,
    apparent: bool,
    human: bool,
    /// Bytes per output unit.
    block: u64,
}

fn parse(args: &[String]) -> (Opts, Vec<String>) {
    let mut o = Opts { all: false, summarize: false, total: false, apparent: false, human: false, block: 1024 };
    let mut rest = Vec::new();
    let mut i = 0;
    while i < args.len() {
        let a = &args[i];
        if a == "-B" || a == "--block-size" {
            i += 1;
            o.block = args.get(i).and_then(|v| crate::core::units::parse_size_bytes(v).ok()).unwrap_or(1024).max(1);
        } else if let Some(v) = a.strip_prefix("-B").or_else(|| a.strip_prefix("--block-size=")) {
            o.block = crate::core::units::parse_size_bytes(v).unwrap_or(1024).max(1);
        } else {
            rest.push(a.clone());
        }
        i += 1;
    }
    let (short, long, ops) = split_args(&rest);
    o.all = short.contains('a') || long.iter().any(|l| l == "all");
    o.summarize = short.contains('s') || long.iter().any(|l| l == "summarize");
    o.total = short.contains('c') || long.iter().any(|l| l == "total");
    o.apparent = short.contains('b') || long.iter().any(|l| l == "apparent-size");
    o.human = short.contains('h') || long.iter().any(|l| l == "human-readable");
    if short.contains('b') {
        o.block = 1;
    }
    if short.contains('k') {
        o.block = 1024;
    }
    if short.contains('m') {
        o.block = 1 << 20;
    }
    (o, ops)
}

fn amount(o: &Opts, bytes: u64) -> String {
    if o.human {
        human_ceil_text(bytes)
    } else {
        bytes.div_ceil(o.block).to_string()
    }
}

pub fn du(shell: &mut Shell, args: &[String]) -> Output {
    let (o, mut ops) = parse(args);
    if ops.is_empty() {
        ops.push(".".into());
    }
    let mut text = String::new();
    let mut err = String::new();
    let mut grand = 0u64;
    for op in &ops {
        let path = shell.abs(op);
        match walk(shell, &path, op, &o, 0, &mut text) {
            Ok(n) => grand += n,
            Err(e) => err.push_str(&format!("du: cannot access {}: {e}\n", quote(op))),
        }
    }
    if o.total {
        text.push_str(&format!("{}\ttotal\n", amount(&o, grand)));
    }
    let status = i32::from(!err.is_empty());
    Output { text, err, exit_status: status, ..Output::default() }
}

/// Sums `path` (and everything below a directory), printing as du prints;
/// returns the bytes counted.
fn walk(shell: &Shell, path: &str, shown: &str, o: &Opts, depth: usize, text: &mut String) -> Result<u64, String> {
    let st = shell.machine.stat_path(path).map_err(|e| e.text().to_string())?.stat;
    let own = if o.apparent { st.size } else { st.blocks_512 * 512 };
    if !st.is_dir {
        if depth == 0 || o.all && !o.summarize {
            text.push_str(&format!("{}\t{}\n", amount(o, own), printable(shown)));
        }
        return Ok(own);
    }
    let mut sum = own;
    for (name, child) in shell.machine.read_dir(path, false).map_err(|e| e.text().to_string())? {
        let c_path = format!("{}/{name}", path.trim_end_matches('/'));
        let c_shown = format!("{}/{name}", shown.trim_end_matches('/'));
        sum += if child.is_dir || o.all {
            walk(shell, &c_path, &c_shown, o, depth + 1, text)?
        } else if o.apparent {
            child.size
        } else {
            child.blocks_512 * 512
        };
    }
    if depth == 0 || !o.summarize {
        text.push_str(&format!("{}\t{}\n", amount(o, sum), printable(shown)));
    }
    Ok(sum)
}
