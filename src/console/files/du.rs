//! du from coreutils 9.1: disk usage (or apparent size) of files and
//! directory trees, in readdir order, directories after their contents.

use super::blocks::{refusal, Units};
use super::quote;
use crate::console::hexdump::Getopt;
use crate::console::{printable, Output, Shell};

struct Opts {
    all: bool,
    total: bool,
    apparent: bool,
    /// Directories deeper than this are summed but not printed (`-s` is 0).
    max_depth: usize,
    units: Units,
    /// `-0` ends each line with NUL instead of a newline.
    eol: char,
}

/// du's getopt string; `\u{1}`.. stand for options without a letter.
const SHORT: &str = "0abd:chHklmsxB:DLPSt:X:\u{1}\u{2}:\u{3}:\u{4}\u{5}\u{6}::\u{7}:\u{8}:";

/// In du's getopt_long order, which decides what an abbreviation means.
const LONG: &str = "all=a,apparent-size=\u{1},block-size=\u{8},bytes=b,count-links=l,dereference=L,dereference-args=D,\
exclude=\u{2},exclude-from=X,files0-from=\u{3},human-readable=h,inodes=\u{4},si=\u{5},max-depth=d,null=0,\
no-dereference=P,one-file-system=x,separate-dirs=S,summarize=s,total=c,threshold=t,time=\u{6},time-style=\u{7}";

const TRY: &str = "Try 'du --help' for more information.\n";

/// The options as du reads them, or what du prints instead (and exits 1).
fn parse(args: &[String]) -> Result<(Opts, Vec<String>, String), String> {
    let mut o = Opts { all: false, total: false, apparent: false, max_depth: usize::MAX, units: Units::KIB, eol: '\n' };
    let (mut summarize, mut depth_given) = (false, None);
    let mut getopt = Getopt::new(args, SHORT, LONG);
    while let Some(parsed) = getopt.next("du") {
        let (c, v) = parsed.map_err(|e| format!("{e}\n{TRY}"))?;
        let v = v.unwrap_or_default();
        match c {
            'a' => o.all = true,
            '\u{1}' => o.apparent = true,
            'b' => (o.apparent, o.units) = (true, Units::blocks(1)),
            'c' => o.total = true,
            'd' => depth_given = Some(v.parse::<usize>().map_err(|_| format!("du: invalid maximum depth \u{2018}{}\u{2019}\n{TRY}", printable(&v)))?),
            'h' => o.units = Units::HUMAN,
            '\u{5}' => o.units = Units::SI,
            'k' => o.units = Units::KIB,
            'm' => o.units = Units::blocks(1 << 20),
            's' => summarize = true,
            '0' => o.eol = '\0',
            'B' | '\u{8}' => {
                let option = if c == 'B' { "-B" } else { "--block-size" };
                o.units = Units::parse(&v).map_err(|why| refusal("du", option, &v, why))?;
            }
            'H' | 'l' | 'x' | 'D' | 'L' | 'P' | 'S' => {}
            _ => return Err(format!("du: the lab does not model {} (see du(1))\n", option_name(c))),
        }
    }
    if summarize && o.all {
        return Err(format!("du: cannot both summarize and show all entries\n{TRY}"));
    }
    let mut warning = String::new();
    o.max_depth = match (summarize, depth_given) {
        (true, Some(d)) if d > 0 => return Err(format!("du: warning: summarizing conflicts with --max-depth={d}\n{TRY}")),
        (true, Some(_)) => {
            warning = "du: warning: summarizing is the same as using --max-depth=0\n".into();
            0
        }
        (true, None) => 0,
        (false, d) => d.unwrap_or(usize::MAX),
    };
    Ok((o, getopt.operands, warning))
}

fn option_name(c: char) -> String {
    match c {
        '\u{2}' => "--exclude".into(),
        '\u{3}' => "--files0-from".into(),
        '\u{4}' => "--inodes".into(),
        '\u{6}' | '\u{7}' => "--time".into(),
        c => format!("-{c}"),
    }
}

pub fn du(shell: &mut Shell, args: &[String]) -> Output {
    let (o, mut ops, mut err) = match parse(args) {
        Ok(p) => p,
        Err(e) => return Output::error(e, 1),
    };
    if ops.is_empty() {
        ops.push(".".into());
    }
    let mut text = String::new();
    let mut failed = false;
    let mut grand = 0u64;
    for op in &ops {
        let path = shell.abs(op);
        match walk(shell, &path, op, &o, 0, &mut text) {
            Ok(n) => grand += n,
            Err(e) => {
                failed = true;
                err.push_str(&format!("du: cannot access {}: {e}\n", quote(op)));
            }
        }
    }
    if o.total {
        text.push_str(&format!("{}\ttotal{}", o.units.amount(grand), o.eol));
    }
    let status = i32::from(failed);
    Output { text, err, exit_status: status, ..Output::default() }
}

/// Sums `path` (and everything below a directory), printing as du prints;
/// returns the bytes counted.
fn walk(shell: &Shell, path: &str, shown: &str, o: &Opts, depth: usize, text: &mut String) -> Result<u64, String> {
    let st = shell.machine.stat_path(path).map_err(|e| e.text().to_string())?.stat;
    let own = if o.apparent { st.size } else { st.blocks_512 * 512 };
    if !st.is_dir {
        if depth == 0 || o.all && depth <= o.max_depth {
            text.push_str(&format!("{}\t{}{}", o.units.amount(own), printable(shown), o.eol));
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
    if depth <= o.max_depth {
        text.push_str(&format!("{}\t{}{}", o.units.amount(sum), printable(shown), o.eol));
    }
    Ok(sum)
}
