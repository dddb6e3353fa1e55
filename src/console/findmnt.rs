//! findmnt from util-linux 2.38: the mount table as a tree, `-t` (libmount's
//! type patterns), `-o`, `-n`, and the mounts of a named target.
//!
//! Simplified: the TARGET, SOURCE, FSTYPE and OPTIONS columns only, and no
//! pseudo filesystems (see `mounts`).

use super::fmt::{Align, Table};
use super::mounts::{table, MountRow};
use super::hexdump::Getopt;
use super::Output;
use crate::core::machine::Machine;

/// findmnt from util-linux: TARGET SOURCE FSTYPE OPTIONS of the mounts whose
/// target or source is named or, without a name, of every mount as a tree
/// (`-l`, `-r`: a list in mount order); `-t` keeps the types listed (a mount
/// left out hands its children to its nearest kept ancestor), `-n` drops
/// the header and `-o` picks columns.
pub fn findmnt(machine: &Machine, args: &[String]) -> Output {
    let a = match findmnt_args(args) {
        Ok(a) => a,
        Err(out) => return out,
    };
    let mounts: Vec<MountRow> = table(machine)
        .into_iter()
        .filter(|m| a.wanted.is_empty() || a.wanted.iter().any(|w| *w == m.target || *w == m.source))
        .filter(|m| a.types.as_deref().is_none_or(|t| match_fstype(m.fstype, t)))
        .collect();
    if mounts.is_empty() {
        return Output { exit_status: 1, ..Output::default() };
    }
    let order = if a.wanted.is_empty() && !a.list && !a.raw { tree(&mounts) } else { (0..mounts.len()).map(|i| (i, String::new())).collect() };
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
    let text = if a.raw { raw(&table) } else { table.render() };
    Output { text, ..Output::default() }
}

/// `-r`: every row's cells joined by one space, never padded.
fn raw(table: &Table) -> String {
    let header = table.show_header.then_some(&table.headers);
    header.into_iter().chain(&table.rows).map(|r| r.join(" ") + "\n").collect()
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
    /// `-l`: the mounts in mount order, without the tree.
    list: bool,
    /// `-r`: a list whose cells are separated by one space.
    raw: bool,
    wanted: Vec<String>,
    types: Option<String>,
}

/// findmnt 2.38's optstring and its long options that have a letter.
const SHORT: &str = "AabCcDd:ehiJfF:o:O:p::PklmM:nN:rst:uvRS:T:Uw:Vxy";
const LONG: &str = "all=A,ascii=a,bytes=b,canonicalize=c,direction=d,df=D,evaluate=e,first-only=f,fstab=s,help=h,\
invert=i,json=J,kernel=k,list=l,mountpoint=M,mtab=m,noheadings=n,notruncate=u,options=O,output=o,poll=p,pairs=P,\
raw=r,types=t,nocanonicalize=C,nofsroot=v,submounts=R,source=S,tab-file=F,task=N,target=T,timeout=w,uniq=U,\
verify=x,version=V,shell=y";

/// The options as getopt_long reads them (`-no SOURCE` included), or what
/// findmnt prints instead of a table.
fn findmnt_args(args: &[String]) -> Result<FindmntArgs, Output> {
    const KNOWN: [&str; 4] = ["TARGET", "SOURCE", "FSTYPE", "OPTIONS"];
    let fail = |e: String| Output::error(e, 1);
    let mut a = FindmntArgs { columns: KNOWN.to_vec(), no_header: false, list: false, raw: false, wanted: Vec::new(), types: None };
    let mut getopt = Getopt::new(args, SHORT, LONG);
    while let Some(parsed) = getopt.next("findmnt") {
        let (c, v) = parsed.map_err(|e| fail(format!("{e}\nTry 'findmnt --help' for more information.\n")))?;
        let v = v.unwrap_or_default();
        match c {
            'n' => a.no_header = true,
            'l' => a.list = true,
            'r' => a.raw = true,
            't' => a.types = Some(v),
            'o' => {
                a.columns = v
                    .split(',')
                    .map(|c| KNOWN.iter().copied().find(|k| k.eq_ignore_ascii_case(c)).ok_or_else(|| fail(format!("findmnt: unknown column: {c}\n"))))
                    .collect::<Result<_, _>>()?
            }
            'h' => return Err(Output::text(super::version::no_help("findmnt"), 0)),
            _ => return Err(fail(format!("findmnt: the lab does not model -{c} (see findmnt(8))\n"))),
        }
    }
    a.wanted = getopt.operands.iter().map(|p| crate::core::machine::files::normalize(p)).collect();
    Ok(a)
}
