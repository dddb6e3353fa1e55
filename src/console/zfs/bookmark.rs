//! `zfs bookmark SNAPSHOT|BOOKMARK BOOKMARK`, as `zfs_do_bookmark` checks
//! and words it (OpenZFS 2.2): either name may be short (`@snap`, `#mark`)
//! when the other is full.

use super::dataset::{open, usage_error};
use super::send;
use crate::console::Output;
use crate::core::machine::Machine;

const USAGE: &str = "\tbookmark <snapshot|bookmark> <newbookmark>\n";

pub(super) fn bookmark(m: &mut Machine, args: &[String]) -> Output {
    let operands = match super::getopt(args, "", "") {
        Ok(v) => v.1,
        Err(c) => return usage_error(&format!("invalid option '{c}'"), USAGE),
    };
    let (source, mark) = match operands.as_slice() {
        [] => return usage_error("missing source argument", USAGE),
        [_] => return usage_error("missing bookmark argument", USAGE),
        [s, b, ..] => (s.as_str(), b.as_str()),
    };
    if !source.contains(['@', '#']) {
        return usage_error(&format!("invalid source name '{source}': must contain a '@' or '#'"), USAGE);
    }
    if !mark.contains('#') {
        return usage_error(&format!("invalid bookmark name '{mark}': must contain a '#'"), USAGE);
    }
    let (source, mark) = match (source.starts_with(['@', '#']), mark.starts_with('#')) {
        // zfs_do_bookmark prints this one without its new line.
        (true, true) => return Output::error(format!("either source or bookmark must be specified as full dataset paths{}", super::dataset::usage_text(USAGE)), 2),
        (true, false) => (format!("{}{source}", dataset_of(mark)), mark.to_string()),
        (false, true) => (source.to_string(), format!("{}{mark}", dataset_of(source))),
        (false, false) => (source.to_string(), mark.to_string()),
    };
    if let Err(e) = open(m, &source) {
        return Output::error(format!("{e}{}", super::dataset::usage_text(USAGE)), 2);
    }
    // A snapshot's contents, for the lab's incremental streams (a bookmark
    // made from a bookmark keeps its source's).
    let contents = if source.contains('@') { send::contents(m, &source).ok() } else { None };
    match m.zfs_bookmark(&source, &mark, contents) {
        Ok(events) => Output { events, ..Output::default() },
        Err(e) => Output::error(format!("cannot create bookmark '{mark}': {}\n", e.reason()), 1),
    }
}

fn dataset_of(name: &str) -> &str {
    name.split(['@', '#']).next().unwrap_or(name)
}
