//! findmnt from util-linux 2.38: the mount table as a tree, `-t` (libmount's
//! type patterns), `-o`, `-n`, and the mounts of a named target.
//!
//! Simplified: the TARGET, SOURCE, FSTYPE and OPTIONS columns only, and no
//! pseudo filesystems (see `mounts`).

use super::fmt::{Align, Table};
use super::mounts::{table, MountRow};
use super::Output;
use crate::core::machine::Machine;

/// findmnt from util-linux: TARGET SOURCE FSTYPE OPTIONS of one mount point or,
/// without one, of every mount as a tree; `-t` keeps the types listed (a
/// mount left out hands its children to its nearest kept ancestor), `-n`
/// drops the header and `-o` picks columns.
pub fn findmnt(machine: &Machine, args: &[String]) -> Output {
    let a = match findmnt_args(args) {
        Ok(a) => a,
        Err(e) => return Output::error(e, 1),
    };
    let mounts: Vec<MountRow> = table(machine)
        .into_iter()
        .filter(|m| a.wanted.is_empty() || a.wanted.contains(&m.target))
        .filter(|m| a.types.as_deref().is_none_or(|t| match_fstype(m.fstype, t)))
        .collect();
    if mounts.is_empty() {
        return Output { exit_status: 1, ..Output::default() };
    }
    let order = if a.wanted.is_empty() { tree(&mounts) } else { (0..mounts.len()).map(|i| (i, String::new())).collect() };
    let heads: Vec<(&str, Align)> = a.columns.iter().map(|c| (*c, Align::Left)).collect();
    let mut table = Table::new(&heads);
    table.show_header = !a.no_header;
    for (i, prefix) in order {
        let m = &mounts[i];
        table.push(
            a.columns
                .iter()
                .map(|c| match *c {
                    "TARGET" => format!("{prefix}{}", m.target),
                    "SOURCE" => m.source.clone(),
                    "FSTYPE" => m.fstype.to_string(),
                    _ => m.options.to_string(),
                })
                .collect(),
        );
    }
    let text = table.render();
    Output { text, ..Output::default() }
}

/// The tree's order and the lines before each target: a mount's parent is
/// the latest earlier mount whose target holds it, and siblings keep their
/// mount order, as libmount lists children.
fn tree(mounts: &[MountRow]) -> Vec<(usize, String)> {
    let parent: Vec<Option<usize>> = (0..mounts.len())
        .map(|i| (0..i).filter(|&j| holds(&mounts[j].target, &mounts[i].target)).max_by_key(|&j| mounts[j].target.len()))
        .collect();
    let is_last = |i: usize| !(i + 1..mounts.len()).any(|k| parent[k] == parent[i]);
    let mut out = Vec::new();
    let mut stack: Vec<usize> = (0..mounts.len()).rev().filter(|&i| parent[i].is_none()).collect();
    while let Some(i) = stack.pop() {
        let mut prefix = String::new();
        let mut node = i;
        while let Some(p) = parent[node] {
            let piece = match (node == i, is_last(node)) {
                (true, true) => "\u{2514}\u{2500}",
                (true, false) => "\u{251c}\u{2500}",
                (false, true) => "  ",
                (false, false) => "\u{2502} ",
            };
            prefix.insert_str(0, piece);
            node = p;
        }
        out.push((i, prefix));
        stack.extend((0..mounts.len()).rev().filter(|&k| parent[k] == Some(i)));
    }
    out
}

/// Whether the directory `outer` contains `inner` or is it: a second mount
/// on a mount point hangs below the first.
fn holds(outer: &str, inner: &str) -> bool {
    outer == "/" || outer == inner || inner.strip_prefix(outer).is_some_and(|rest| rest.starts_with('/'))
}

/// libmount's `match_fstype`: a comma list of types, all negated by a
/// leading `no`, or one by its own `no`.
fn match_fstype(fstype: &str, pattern: &str) -> bool {
    let (negated, list) = match pattern.strip_prefix("no") {
        Some(rest) => (true, rest),
        None => (false, pattern),
    };
    for item in list.split(',') {
        if item.strip_prefix("no").is_some_and(|t| t.eq_ignore_ascii_case(fstype)) {
            return false;
        }
        if item.eq_ignore_ascii_case(fstype) {
            return !negated;
        }
    }
    negated
}

struct FindmntArgs {
    columns: Vec<&'static str>,
    no_header: bool,
    wanted: Vec<String>,
    types: Option<String>,
}

fn findmnt_args(args: &[String]) -> Result<FindmntArgs, String> {
    const KNOWN: [&str; 4] = ["TARGET", "SOURCE", "FSTYPE", "OPTIONS"];
    let mut a = FindmntArgs { columns: KNOWN.to_vec(), no_header: false, wanted: Vec::new(), types: None };
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        let list = match arg.as_str() {
            "-n" | "--noheadings" => {
                a.no_header = true;
                continue;
            }
            "-t" | "--types" => {
                a.types = Some(it.next().cloned().ok_or_else(|| missing_argument(arg))?);
                continue;
            }
            other if other.starts_with("--types=") => {
                a.types = Some(other["--types=".len()..].to_string());
                continue;
            }
            other if other.starts_with("-t") && other.len() > 2 => {
                a.types = Some(other[2..].to_string());
                continue;
            }
            "-o" | "--output" => it.next().cloned().ok_or_else(|| missing_argument(arg))?,
            other if other.starts_with("--output=") => other["--output=".len()..].to_string(),
            other if other.starts_with("-o") && other.len() > 2 => other[2..].to_string(),
            other if other.starts_with('-') => return Err(format!("findmnt: unrecognized option '{other}'\nTry 'findmnt --help' for more information.\n")),
            path => {
                a.wanted.push(crate::core::machine::files::normalize(path));
                continue;
            }
        };
        a.columns = list
            .split(',')
            .map(|c| KNOWN.iter().copied().find(|k| k.eq_ignore_ascii_case(c)).ok_or_else(|| format!("findmnt: unknown column: {c}\n")))
            .collect::<Result<_, _>>()?;
    }
    Ok(a)
}

/// getopt's complaint about an option given last without its value.
fn missing_argument(opt: &str) -> String {
    let what = match opt.strip_prefix("--") {
        Some(_) => format!("option '{opt}' requires an argument"),
        None => format!("option requires an argument -- '{}'", &opt[1..]),
    };
    format!("findmnt: {what}\nTry 'findmnt --help' for more information.\n")
}
