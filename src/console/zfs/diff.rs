//! `zfs diff`: what changed in a filesystem since a snapshot, as
//! `zfs_do_diff` and libzfs_diff.c print it. Simplified: the "to" side is
//! read directly where ZFS takes a temporary snapshot of the head.

use super::dataset::{bad_option, pool_of, usage_error, usage_text};
use super::getopt;
use crate::console::Output;
use crate::core::machine::Machine;
use crate::core::zfs::zpl::DiffEntry;
use crate::core::zfs::Pool;

const DIFF_USAGE: &str = "\tdiff [-FHth] <snapshot> [snapshot|filesystem]\n";

#[derive(Default)]
struct Flags {
    classify: bool,
    parsable: bool,
    timestamped: bool,
    no_mangle: bool,
}

pub(super) fn run(m: &mut Machine, args: &[String]) -> Output {
    let (opts, operands) = match getopt(args, "FHth", "") {
        Ok(v) => v,
        Err(c) => return bad_option(c, DIFF_USAGE),
    };
    let on = |c: char| opts.iter().any(|o| o.0 == c);
    let flags = Flags { classify: on('F'), parsable: on('H'), timestamped: on('t'), no_mangle: on('h') };
    let (from, to) = match operands.as_slice() {
        [] => return usage_error("must provide at least one snapshot name", DIFF_USAGE),
        [from] => (from.as_str(), None),
        [from, to] => (from.as_str(), Some(to.as_str())),
        _ => return usage_error("too many arguments", DIFF_USAGE),
    };
    let named = match (from.starts_with('@'), to) {
        (false, _) => from,
        (true, Some(to)) => to,
        (true, None) => return Output::error(usage_text(DIFF_USAGE), 2),
    };
    let fs = named.split('@').next().unwrap_or(named);
    let result = open_filesystem(m, fs).and_then(|_| snapshot_names(m, from, to)).and_then(|(ds, from, to)| {
        let mount = mount_point(m, &ds)?;
        let entries = m.zfs_diff(&from, &to).map_err(|_| "Unable to obtain diffs: No such file or directory\n".to_string())?;
        Ok(entries.iter().map(|e| line(e, &mount, &flags)).collect::<String>())
    });
    match result {
        Ok(text) => Output::text(text, 0),
        Err(e) => Output::error(e, 1),
    }
}

/// `zfs_open(..., ZFS_TYPE_FILESYSTEM)` of the dataset the names are about.
fn open_filesystem(m: &Machine, fs: &str) -> Result<(), String> {
    let pool = m.zfs().pool(pool_of(fs));
    match pool.and_then(|p| p.dataset(fs)) {
        None => Err(format!("cannot open '{fs}': dataset does not exist\n")),
        Some(d) if d.is_volume() => Err(format!("cannot open '{fs}': operation not applicable to datasets of this type\n")),
        Some(_) => Ok(()),
    }
}

/// `get_snapshot_names`: the filesystem, the "from" snapshot and the "to"
/// snapshot or head, from the five forms the command takes.
fn snapshot_names(m: &Machine, from: &str, to: Option<&str>) -> Result<(String, String, String), String> {
    let Some(to) = to else {
        if let Some(why) = super::dataset::name_error(from, true).or_else(|| (!from.contains('@')).then(|| "missing '@' delimiter in snapshot name".into())) {
            return Err(format!("Badly formed snapshot name {from}: {why}\n"));
        }
        let ds = from.split('@').next().unwrap_or(from).to_string();
        return checked(m, ds.clone(), from.to_string(), ds);
    };
    let split = |s: &str| s.split_once('@').map_or((s.to_string(), String::new()), |(d, n)| (d.to_string(), format!("@{n}")));
    let ((fds, fsn), (tds, tsn)) = (split(from), split(to));
    let invalid = "Unable to determine which snapshots to compare: invalid name\n";
    if fsn.len() <= 1 || tsn.len() == 1 || (fds.is_empty() && tds.is_empty()) {
        return Err(invalid.into());
    }
    if !fds.is_empty() && !tds.is_empty() && fds != tds {
        // Another filesystem will do only if it is a clone of this one's.
        open_filesystem(m, &tds)?;
        if !descends_from(m, &tds, &format!("{fds}{fsn}")) {
            return Err("Not an earlier snapshot from the same fs: invalid name\n".into());
        }
        let to = if tsn.is_empty() { tds.clone() } else { format!("{tds}{tsn}") };
        return checked(m, tds, format!("{fds}{fsn}"), to);
    }
    let ds = if fds.is_empty() { tds } else { fds };
    let to = if tsn.is_empty() { ds.clone() } else { format!("{ds}{tsn}") };
    checked(m, ds.clone(), format!("{ds}{fsn}"), to)
}

/// Whether a filesystem is, or descends by clones from, a snapshot's.
fn descends_from(m: &Machine, fs: &str, snapshot: &str) -> bool {
    let Some(pool) = m.zfs().pool(pool_of(fs)) else { return false };
    let mut at = fs.to_string();
    for _ in 0..pool.datasets.len() {
        match origin(pool, &at) {
            Some(o) if o == snapshot => return true,
            Some(o) => at = o.split('@').next().unwrap_or_default().to_string(),
            None => return false,
        }
    }
    false
}

#[cfg(feature = "zfs")]
fn origin(pool: &Pool, fs: &str) -> Option<String> {
    pool.dataset(fs)?.origin.as_ref().map(|o| o.snapshot.clone())
}

#[cfg(not(feature = "zfs"))]
fn origin(_: &Pool, _: &str) -> Option<String> {
    None
}

/// The ioctl's checks: both exist, and "from" is older than "to".
fn checked(m: &Machine, ds: String, from: String, to: String) -> Result<(String, String, String), String> {
    let pool = m.zfs().pool(pool_of(&ds)).ok_or("Unable to obtain diffs: No such file or directory\n")?;
    let txg = |name: &str| match name.split_once('@') {
        Some((d, s)) => pool.dataset(d).and_then(|d| d.snapshot(s)).map(|s| s.txg),
        None => pool.dataset(name).map(|_| u64::MAX),
    };
    match (txg(&from), txg(&to)) {
        (Some(f), Some(t)) if f < t => Ok((ds, from, to)),
        (Some(_), Some(_)) => Err("Unable to obtain diffs: \n   Not an earlier snapshot from the same fs\n".into()),
        _ => Err("Unable to obtain diffs: No such file or directory\n".into()),
    }
}

/// `get_mountpoint`: the filesystem must be mounted; "/" becomes "".
fn mount_point(m: &Machine, ds: &str) -> Result<String, String> {
    match m.zfs_mounts().into_iter().find(|mnt| mnt.0 == ds) {
        Some((_, mp, _)) => Ok(if mp == "/" { String::new() } else { mp }),
        None => Err("Cannot diff an unmounted snapshot: operation not applicable to datasets of this type\n".into()),
    }
}

/// One line: `[ctime\t]C\t[T\t]path[ -> new]`.
fn line(e: &DiffEntry, mount: &str, f: &Flags) -> String {
    let path = |p: &str| escape(&format!("{mount}{p}"), f.no_mangle);
    let mut out = String::new();
    if f.timestamped {
        out += &format!("{:>10}.{:09}\t", e.ctime, 0);
    }
    out.push(e.change);
    out.push('\t');
    if f.classify {
        out.push(if e.is_dir { '/' } else { 'F' });
        out.push('\t');
    }
    out += &path(&e.path);
    if let Some(to) = &e.renamed_to {
        out += if f.parsable { "\t" } else { " -> " };
        out += &path(to);
    }
    out + "\n"
}

/// `stream_bytes`: every byte that is not printable ASCII (a space, a
/// control character, `\`, DEL, or part of a multibyte character) as `\%04o`.
fn escape(s: &str, no_mangle: bool) -> String {
    if no_mangle {
        return s.to_string();
    }
    s.bytes().map(|c| if c > b' ' && c != b'\\' && c < 0x7f { char::from(c).to_string() } else { format!("\\{c:04o}") }).collect()
}
