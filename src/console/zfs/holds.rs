//! `zfs hold`, `zfs release` and `zfs holds`, as `zfs_main.c`
//! (`zfs_do_hold_rele_impl`, `zfs_do_holds`, `print_holds`) and libzfs'
//! `zfs_hold` and `zfs_release` print them.

use super::dataset::{bad_option, open, usage_text};
use super::{getopt, outcome};
use crate::console::Output;
use crate::core::machine::{HoldError, Machine};

/// `zfs hold [-r] TAG SNAPSHOT...` and `zfs release [-r] TAG SNAPSHOT...`:
/// each snapshot in turn; exit 1 if any failed.
pub fn hold_or_release(m: &mut Machine, args: &[String], holding: bool) -> Output {
    let usage = if holding { "\thold [-r] <tag> <snapshot> ...\n" } else { "\trelease [-r] <tag> <snapshot> ...\n" };
    let (opts, operands) = match getopt(args, if holding { "rt" } else { "r" }, "") {
        Ok(v) => v,
        Err(c) => return bad_option(c, usage),
    };
    let recursive = opts.iter().any(|o| o.0 == 'r');
    let [tag, snapshots @ ..] = operands.as_slice() else {
        return Output::error(usage_text(usage), 2);
    };
    if snapshots.is_empty() {
        return Output::error(usage_text(usage), 2);
    }
    if holding && tag.starts_with('.') {
        return Output::error(format!("tag may not start with '.'\n{}", usage_text(usage)), 2);
    }
    let mut out = Output::default();
    let mut failed = false;
    for path in snapshots {
        let Some((fs, snap)) = path.split_once('@') else {
            out.err.push_str(&format!("'{path}' is not a snapshot\n"));
            failed = true;
            continue;
        };
        if let Err(why) = open(m, fs) {
            out.err.push_str(&why);
            failed = true;
            continue;
        }
        let done = if holding { m.zfs_hold(fs, snap, tag, recursive) } else { m.zfs_release(fs, snap, tag, recursive) };
        let one = outcome(done.map_err(|e| refusal(&e, fs, snap, holding)), String::new());
        failed |= one.exit_status != 0;
        out.append(one);
    }
    out.exit_status = i32::from(failed);
    out
}

/// libzfs' words for a hold or release that did not happen.
fn refusal(e: &HoldError, fs: &str, snap: &str, holding: bool) -> String {
    let whole = |name: &str| if holding { format!("cannot hold snapshot '{name}'") } else { format!("cannot release hold from snapshot '{name}'") };
    match e {
        HoldError::NoDataset(d) => format!("cannot open '{d}': dataset does not exist\n"),
        HoldError::NoSnapshot => format!("{}: dataset does not exist\n", whole(&format!("{fs}@{snap}"))),
        HoldError::TagExists(s) => format!("{}: tag already exists on this dataset\n", whole(s)),
        HoldError::TagTooLong(s) => format!("{}: tag too long\n", whole(s)),
        HoldError::NoSuchTag => format!("{}: no such tag on this dataset\n", whole(&format!("{fs}@{snap}"))),
    }
}

/// `zfs holds [-rHp] SNAPSHOT...`: a table of the holds on the snapshots
/// named (with `-r`, on the snapshots of that name below each file system).
pub fn holds(m: &Machine, args: &[String]) -> Output {
    let usage = "\tholds [-rHp] <snapshot> ...\n";
    let (opts, operands) = match getopt(args, "rHp", "") {
        Ok(v) => v,
        Err(c) => return bad_option(c, usage),
    };
    let has = |c: char| opts.iter().any(|o| o.0 == c);
    if operands.is_empty() {
        return Output::error(usage_text(usage), 2);
    }
    let mut out = Output::default();
    let mut found: Vec<(String, Vec<(String, u64)>)> = Vec::new();
    for path in &operands {
        let Some((fs, snap)) = path.split_once('@') else {
            out.err.push_str(&format!("'{path}' is not a snapshot\n"));
            out.exit_status = 1;
            continue;
        };
        let name = if has('r') { fs } else { path.as_str() };
        if let Err(why) = open(m, name) {
            out.err.push_str(&why);
            out.exit_status = 1;
            continue;
        }
        for s in m.snapshots_named(fs, snap, has('r')).unwrap_or_default() {
            let tags = m.zfs_holds(&s).map(<[_]>::to_vec).unwrap_or_default();
            // An nvlist with unique names: a second add moves the entry last.
            found.retain(|(n, _)| *n != s);
            found.push((s, tags));
        }
    }
    out.text = table(&found, has('H'), has('p'));
    if found.is_empty() {
        out.err.push_str("no datasets available\n");
    }
    out
}

/// `print_holds`: NAME and TAG as wide as their longest entries.
fn table(found: &[(String, Vec<(String, u64)>)], scripted: bool, parsable: bool) -> String {
    let name_width = found.iter().map(|(n, _)| n.len()).max().unwrap_or(0);
    let tag_width = found.iter().flat_map(|(_, t)| t.iter().map(|(k, _)| k.len())).max().unwrap_or(0);
    let mut text = if scripted { String::new() } else { format!("{:<name_width$}  {:<tag_width$}  TIMESTAMP\n", "NAME", "TAG") };
    for (name, tags) in found {
        for (tag, at) in tags {
            let when = if parsable { at.to_string() } else { hold_time(*at) };
            text.push_str(&if scripted { format!("{name}\t{tag}\t{when}\n") } else { format!("{name:<name_width$}  {tag:<tag_width$}  {when}\n") });
        }
    }
    text
}

/// `%a %b %e %H:%M %Y`: ctime's text without the seconds.
fn hold_time(secs: u64) -> String {
    let t = crate::console::fmt::ctime(secs);
    format!("{}{}", &t[..16], &t[19..])
}
