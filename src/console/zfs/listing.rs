//! `zfs list` and `zfs get`: the property table (names, columns, widths),
//! each property's value and source as `zfs_prop_get` gives it, and the
//! listings `zfs_main.c` prints. Simplified: only the properties the lab
//! keeps, and no user-property inheritance beyond what `Props` stores.

use super::dataset::{bad_option, open, pool_of, usage_error};
use super::{getopt, nicenum, Columns};
use crate::console::Output;
use crate::core::machine::Machine;
use crate::core::zfs::props::{is_user_property, Stored, FS, SNAP, VOL};
use crate::core::zfs::bookmark::ZfsBookmark;
use crate::core::zfs::dsl::{dataset_guid, Dataset};
use crate::core::zfs::{ChecksumAlg, DatasetKind, Pool};

/// A property's full name from its column or short name.
pub(super) fn canonical(p: &str) -> &str {
    match p {
        "avail" => "available",
        "refer" => "referenced",
        "usedsnap" => "usedbysnapshots",
        "usedds" => "usedbydataset",
        "usedchild" => "usedbychildren",
        "usedrefreserv" => "usedbyrefreservation",
        "compress" => "compression",
        "recsize" => "recordsize",
        "volblock" => "volblocksize",
        "refreserv" => "refreservation",
        "reserv" => "reservation",
        "lused" => "logicalused",
        "lrefer" => "logicalreferenced",
        "refratio" => "refcompressratio",
        "dnsize" => "dnodesize",
        other => other,
    }
}

/// What `zfs list` and `zfs get` know of each property the lab computes or
/// models: its column name, whether it is a number (right-aligned, five
/// characters wide unless `-p`), and the longest of its fixed values. The
/// properties the lab only stores are `props::STORED`.
const PROPS: &[(&str, &str, bool, usize)] = &[
    ("name", "NAME", false, 0),
    ("type", "TYPE", false, 0),
    ("creation", "CREATION", false, 0),
    ("used", "USED", true, 0),
    ("available", "AVAIL", true, 0),
    ("referenced", "REFER", true, 0),
    ("compressratio", "RATIO", true, 0),
    ("mountpoint", "MOUNTPOINT", false, 0),
    ("checksum", "CHECKSUM", false, 9),
    ("copies", "COPIES", false, 1),
    ("recordsize", "RECSIZE", true, 0),
    ("volsize", "VOLSIZE", true, 0),
    ("volblocksize", "VOLBLOCK", true, 0),
    ("quota", "QUOTA", true, 0),
    ("reservation", "RESERV", true, 0),
    ("refquota", "REFQUOTA", true, 0),
    ("refreservation", "REFRESERV", true, 0),
    ("usedbysnapshots", "USEDSNAP", true, 0),
    ("usedbydataset", "USEDDS", true, 0),
    ("usedbychildren", "USEDCHILD", true, 0),
    ("usedbyrefreservation", "USEDREFRESERV", true, 0),
    ("written", "WRITTEN", true, 0),
    ("createtxg", "CREATETXG", true, 0),
    ("origin", "ORIGIN", false, 0),
    ("clones", "CLONES", false, 0),
    ("mounted", "MOUNTED", false, 3),
    ("guid", "GUID", true, 0),
    ("objsetid", "OBJSETID", true, 0),
    ("refcompressratio", "REFRATIO", true, 0),
    ("logicalused", "LUSED", true, 0),
    ("logicalreferenced", "LREFER", true, 0),
    ("defer_destroy", "DEFER_DESTROY", false, 3),
    ("userrefs", "USERREFS", true, 0),
    ("filesystem_limit", "FSLIMIT", true, 0),
    ("snapshot_limit", "SSLIMIT", true, 0),
    ("filesystem_count", "FSCOUNT", true, 0),
    ("snapshot_count", "SSCOUNT", true, 0),
    ("pbkdf2iters", "PBKDF2ITERS", true, 0),
    ("special_small_blocks", "SPECIAL_SMALL_BLOCKS", true, 0),
    ("snapshots_changed", "SNAPSHOTS_CHANGED", false, 0),
];

/// Properties the lab neither models nor lets `zfs set` change, at the
/// values a dataset made with defaults has: name, column, the dataset kinds
/// that list it, its value, whether it has a source (`default`) or none
/// (`-`), and the longest of its values (`zprop_width`).
const FIXED: &[(&str, &str, u8, &str, bool, usize)] = &[
    ("sharenfs", "SHARENFS", FS, "off", true, 0),
    ("zoned", "ZONED", FS, "off", true, 3),
    ("aclmode", "ACLMODE", FS, "discard", true, 11),
    ("aclinherit", "ACLINHERIT", FS, "restricted", true, 13),
    ("xattr", "XATTR", FS | SNAP, "on", true, 3),
    ("version", "VERSION", FS | SNAP, "5", false, 7),
    ("utf8only", "UTF8ONLY", FS | SNAP, "off", false, 3),
    ("normalization", "NORMALIZATION", FS | SNAP, "none", false, 6),
    ("casesensitivity", "CASE", FS | SNAP, "sensitive", false, 11),
    ("vscan", "VSCAN", FS, "off", true, 3),
    ("nbmand", "NBMAND", FS | SNAP, "off", true, 3),
    ("sharesmb", "SHARESMB", FS, "off", true, 0),
    ("mlslabel", "MLSLABEL", FS | VOL | SNAP | VOL_SNAP, "none", true, 0),
    ("dnodesize", "DNSIZE", FS, "legacy", true, 6),
    ("volmode", "VOLMODE", FS | VOL, "default", true, 7),
    ("snapdev", "SNAPDEV", FS | VOL, "hidden", true, 7),
    ("context", "CONTEXT", FS | VOL | SNAP | VOL_SNAP, "none", true, 0),
    ("fscontext", "FSCONTEXT", FS | VOL | SNAP | VOL_SNAP, "none", true, 0),
    ("defcontext", "DEFCONTEXT", FS | VOL | SNAP | VOL_SNAP, "none", true, 0),
    ("rootcontext", "ROOTCONTEXT", FS | VOL | SNAP | VOL_SNAP, "none", true, 0),
    ("redundant_metadata", "REDUND_MD", FS | VOL, "all", true, 4),
    ("overlay", "OVERLAY", FS, "on", true, 3),
    ("encryption", "ENCRYPTION", FS | VOL | SNAP | VOL_SNAP, "off", true, 11),
    ("keylocation", "KEYLOCATION", FS | VOL, "none", true, 0),
    ("keyformat", "KEYFORMAT", FS | VOL, "none", true, 10),
    ("prefetch", "PREFETCH", FS | VOL | SNAP | VOL_SNAP, "all", true, 8),
];

/// A volume's snapshot, for `FIXED`: index and number properties of
/// filesystems fail libzfs' head-type check there, strings do not.
const VOL_SNAP: u8 = 8;

/// `zfs get all`'s properties, in `zfs_prop_t` order (hidden ones left out).
const ALL: &[&str] = &[
    "type", "creation", "used", "available", "referenced", "compressratio", "mounted", "origin", "quota", "reservation",
    "volsize", "volblocksize", "recordsize", "mountpoint", "sharenfs", "checksum", "compression", "atime", "devices", "exec",
    "setuid", "readonly", "zoned", "snapdir", "aclmode", "aclinherit", "createtxg", "canmount", "xattr", "copies", "version",
    "utf8only", "normalization", "casesensitivity", "vscan", "nbmand", "sharesmb", "refquota", "refreservation", "guid",
    "primarycache", "secondarycache", "usedbysnapshots", "usedbydataset", "usedbychildren", "usedbyrefreservation",
    "defer_destroy", "userrefs", "logbias", "objsetid", "dedup", "mlslabel", "sync", "dnodesize", "refcompressratio",
    "written", "clones", "logicalused", "logicalreferenced", "volmode", "filesystem_limit", "snapshot_limit",
    "filesystem_count", "snapshot_count", "snapdev", "acltype", "context", "fscontext", "defcontext", "rootcontext",
    "relatime", "redundant_metadata", "overlay", "encryption", "keylocation", "keyformat", "pbkdf2iters",
    "special_small_blocks", "snapshots_changed", "prefetch",
];
/// A property as a column: its heading, whether it is a number, and the
/// longest of its fixed values (`zprop_width`).
pub(super) struct Meta {
    name: String,
    heading: String,
    numeric: bool,
    widest: usize,
}

pub(super) fn meta(p: &str) -> Option<Meta> {
    let name = p.to_string();
    if let Some(&(_, heading, numeric, widest)) = PROPS.iter().find(|x| x.0 == p) {
        return Some(Meta { name, heading: heading.into(), numeric, widest });
    }
    if let Some(s) = Stored::named(p) {
        return Some(Meta { name, heading: s.column.into(), numeric: false, widest: s.width() });
    }
    if let Some(&(_, heading, _, _, _, widest)) = FIXED.iter().find(|x| x.0 == p) {
        return Some(Meta { name, heading: heading.into(), numeric: false, widest });
    }
    if is_written_at(p) {
        return Some(Meta { name, heading: p.to_ascii_uppercase(), numeric: true, widest: 0 });
    }
    is_user_property(p).then(|| Meta { name, heading: p.to_ascii_uppercase(), numeric: false, widest: 0 })
}

/// A bookmark's properties: those `dsl_bookmark_fetch_props` sends (a
/// bookmark made by OpenZFS 2.2 has `referenced` and `logicalreferenced`);
/// the rest are "-", and `zfs get all` leaves them out.
fn bookmark_prop(b: &ZfsBookmark, name: &str, p: &str, literal: bool) -> Option<(String, String)> {
    let ro = |v: String| Some((v, "-".to_string()));
    let number = |n: u64, bytes: bool| if literal { n.to_string() } else { nicenum(n, bytes) };
    match p {
        "name" => ro(name.to_string()),
        "type" => ro("bookmark".into()),
        "creation" => ro(if literal { b.creation_time.to_string() } else { creation(b.creation_time) }),
        "createtxg" => ro(b.txg.to_string()),
        "guid" => ro(b.guid.to_string()),
        "referenced" => ro(number(b.referenced_bytes, true)),
        "logicalreferenced" => ro(number(b.logical_referenced_bytes, false)),
        _ => None,
    }
}

/// `zfs_prop_written`: `written@SNAP` or `written#BOOKMARK`.
fn is_written_at(p: &str) -> bool {
    p.starts_with("written@") || p.starts_with("written#")
}

/// `written#MARK` of `name`: what it references that was born after the
/// bookmark's txg (`dsl_dataset_space_written_bookmark`), when the bookmark
/// is in its dataset or one it was cloned from, and older.
fn written_since_mark(m: &Machine, name: &str, p: &str, literal: bool) -> (String, String) {
    let since = &p["written#".len()..];
    let head = name.split(['@', '#']).next().unwrap_or(name);
    let mark_name = if since.contains(['@', '#']) { since.to_string() } else { format!("{head}#{since}") };
    let Some((fs, mark)) = mark_name.split_once('#') else { return ("-".into(), "-".into()) };
    let Some(pool) = m.zfs().pool(pool_of(fs)) else { return ("-".into(), "-".into()) };
    let Some(b) = pool.dataset(fs).and_then(|d| d.bookmark(mark)) else { return ("-".into(), "-".into()) };
    let new_txg = name.split_once('@').and_then(|(h, s)| pool.dataset(h)?.snapshot(s)).map_or(u64::MAX, |s| s.txg);
    let lineage = fs == head || pool.dataset(head).and_then(|d| d.origin()).is_some_and(|o| o.snapshot.split('@').next() == Some(fs) && b.txg <= o.txg);
    match m.zfs_written_since(name, b.txg) {
        Ok(w) if lineage && b.txg < new_txg && !name.contains('#') => (if literal { w.used_bytes.to_string() } else { nicenum(w.used_bytes, true) }, "local".into()),
        _ => ("-".into(), "-".into()),
    }
}

/// The value and source of property `p` of `name`.
fn property_value(m: &Machine, name: &str, p: &str, literal: bool) -> Option<(String, String)> {
    if p.starts_with("written#") {
        return Some(written_since_mark(m, name, p, literal));
    }
    prop(m.zfs().pool(pool_of(name))?, name, p, literal)
}

/// `written@SNAP` of `name` (`zfs_prop_get_written`): the bytes written
/// since SNAP (a short name, of `name`'s dataset, or a full one), `local`
/// as its source; "-" when SNAP is not an earlier snapshot. `written#` is
/// `written_since_mark`'s, which needs the machine.
fn written_at(pool: &Pool, name: &str, p: &str, literal: bool) -> (String, String) {
    let since = &p["written@".len()..];
    let head = name.split('@').next().unwrap_or(name);
    let old = if since.contains(['@', '#']) { since.to_string() } else { format!("{head}@{since}") };
    match pool.space_written(&old, name) {
        Some(w) if literal => (w.used_bytes.to_string(), "local".into()),
        Some(w) => (nicenum(w.used_bytes, true), "local".into()),
        None => ("-".into(), "-".into()),
    }
}

/// One property of a dataset or snapshot: (value, source), or `None` where
/// it does not apply (a volume's recordsize).
pub(super) fn prop(pool: &Pool, name: &str, p: &str, literal: bool) -> Option<(String, String)> {
    if let Some((fs, mark)) = name.split_once('#') {
        return bookmark_prop(pool.dataset(fs)?.bookmark(mark)?, name, p, literal);
    }
    let space = pool.space(name)?;
    let (head, snap) = match name.split_once('@') {
        Some((h, s)) => (h, Some(s)),
        None => (name, None),
    };
    let ds = pool.dataset(head)?;
    let volume = match ds.kind {
        DatasetKind::Volume { size_bytes, volblocksize } => Some((size_bytes, volblocksize)),
        DatasetKind::Filesystem => None,
    };
    let bytes = |n: u64| if literal { n.to_string() } else { nicenum(n, true) };
    let number = |n: u64| if literal { n.to_string() } else { nicenum(n, false) };
    let ro = |v: String| Some((v, "-".to_string()));
    let source = |from: Option<String>| match from {
        None => "default".to_string(),
        Some(f) if f == head && snap.is_none() => "local".to_string(),
        Some(f) if f == head => "-".to_string(),
        Some(f) => format!("inherited from {f}"),
    };
    let snapshot = snap.and_then(|s| ds.snapshot(s));
    match p {
        p if is_written_at(p) => Some(written_at(pool, name, p, literal)),
        "name" => ro(name.to_string()),
        "type" => ro(if snap.is_some() { "snapshot" } else if volume.is_some() { "volume" } else { "filesystem" }.into()),
        "creation" => {
            let t = snapshot.map_or(ds.creation_time, |s| s.creation_time);
            ro(if literal { t.to_string() } else { creation(t) })
        }
        "createtxg" => ro(snapshot.map_or(ds.creation_txg, |s| s.txg).to_string()),
        "origin" if snap.is_none() => ro(ds.origin.as_ref().map_or("-".into(), |o| o.snapshot.clone())),
        "clones" if snap.is_some() => ro(match pool.clones_of(&[name.to_string()]) {
            c if c.is_empty() => "-".into(),
            c => c.join(","),
        }),
        "origin" | "clones" => None,
        "used" => ro(bytes(space.used)),
        "available" => ro(space.available.map_or("-".into(), bytes)),
        "referenced" => ro(bytes(space.referenced)),
        "compressratio" => ro(ratio(snapshot.map_or_else(|| (dir_sum(pool, head, Dataset::logical_used_bytes), dir_sum(pool, head, Dataset::compressed_used_bytes)), |s| (s.logical_referenced_bytes, s.compressed_referenced_bytes)), literal)),
        // Plain numbers (zfs_nicenum, no B), as libzfs' default branch prints them.
        "written" => ro(number(space.written)),
        "logicalreferenced" => ro(number(snapshot.map_or(ds.logical_referenced_bytes, |s| s.logical_referenced_bytes))),
        "logicalused" if snap.is_none() => ro(number(dir_sum(pool, head, Dataset::logical_used_bytes))),
        "mounted" if snap.is_none() && volume.is_none() => ro(if pool.mountpoint_of(head).starts_with('/') && !ds.unmounted() { "yes" } else { "no" }.into()),
        "guid" => ro(snapshot.map_or(dataset_guid(pool.guid, ds.obj), |s| s.guid).to_string()),
        "objsetid" => ro(snapshot.map_or(ds.obj, |s| s.obj).to_string()),
        "refcompressratio" => ro(ratio(snapshot.map_or((ds.logical_referenced_bytes, ds.compressed_referenced_bytes), |s| (s.logical_referenced_bytes, s.compressed_referenced_bytes)), literal)),
        "defer_destroy" if snap.is_some() => ro(if snapshot.is_some_and(|s| s.defer_destroy) { "on" } else { "off" }.into()),
        "userrefs" if snap.is_some() => ro(snapshot.map_or(0, |s| s.holds.len()).to_string()),
        "snapshot_limit" | "snapshot_count" if snap.is_none() => Some(("none".into(), "default".into())),
        "filesystem_limit" | "filesystem_count" if snap.is_none() && volume.is_none() => Some(("none".into(), "default".into())),
        "pbkdf2iters" if snap.is_none() => Some(("0".into(), "default".into())),
        "special_small_blocks" if snap.is_none() && volume.is_none() => Some(("0".into(), "default".into())),
        "snapshots_changed" if snap.is_none() => ds.snapshots.iter().map(|s| s.creation_time).max().map(|t| (if literal { t.to_string() } else { changed(t) }, "-".into())),
        "usedbysnapshots" | "usedbydataset" | "usedbychildren" | "usedbyrefreservation" if snap.is_some() => None,
        "usedbysnapshots" => ro(bytes(space.usedbysnapshots)),
        "usedbydataset" => ro(bytes(space.usedbydataset)),
        "usedbychildren" => ro(bytes(space.usedbychildren)),
        "usedbyrefreservation" => ro(bytes(space.usedbyrefreservation)),
        "mountpoint" if volume.is_some() => None,
        "mountpoint" if snap.is_some() => ro("-".into()),
        "mountpoint" => Some((pool.mountpoint_of(head), source(pool.inherited(head, |p| p.mountpoint.clone()).map(|v| v.1)))),
        "checksum" if snap.is_some() => None,
        "checksum" => {
            let from = pool.inherited(head, |p| p.checksum).map(|v| v.1);
            let value = if from.is_none() { "on".into() } else { checksum_name(pool.checksum_of(head)).into() };
            Some((value, source(from)))
        }
        "copies" if snap.is_some() => None,
        "copies" => Some((pool.copies_of(head).to_string(), source(pool.inherited(head, |p| p.copies).map(|v| v.1)))),
        "recordsize" if volume.is_some() || snap.is_some() => None,
        "recordsize" => Some((bytes(pool.recordsize_of(head)), source(pool.inherited(head, |p| p.recordsize).map(|v| v.1)))),
        "volsize" => volume.map(|v| (bytes(v.0), "local".into())),
        "volblocksize" if snap.is_some() => None,
        "volblocksize" => volume.map(|v| (bytes(v.1), if v.1 == 16 << 10 { "default" } else { "-" }.into())),
        "refreservation" | "reservation" if snap.is_some() => None,
        "quota" | "refquota" if snap.is_some() || volume.is_some() => None,
        "refreservation" | "reservation" | "quota" | "refquota" => {
            let l = ds.props.limits();
            let set = match p {
                "quota" => l.quota,
                "refquota" => l.refquota,
                "reservation" => l.reservation,
                _ => ds.props.refreservation,
            };
            let value = match set.unwrap_or(0) {
                0 if !literal => "none".into(),
                n => bytes(n),
            };
            Some((value, if set.is_some() { "local" } else { "default" }.into()))
        }
        // A snapshot's own value is local; its dataset's is inherited, as
        // dsl_prop_get_all_ds reports a snapshot's.
        p if is_user_property(p) => Some(match (snapshot.and_then(|s| s.user_props.iter().find(|u| u.0 == p)), pool.inherited(head, |x| x.stored(p).cloned())) {
            (Some(own), _) => (own.1.clone(), "local".into()),
            (None, Some((v, from))) if snap.is_some() => (v, format!("inherited from {from}")),
            (None, Some((v, from))) => (v, source(Some(from))),
            (None, None) => ("-".into(), "-".into()),
        }),
        p if FIXED.iter().any(|f| f.0 == p) => {
            let &(_, _, applies, value, sourced, _) = FIXED.iter().find(|f| f.0 == p)?;
            let kind = match (snap, volume) {
                (Some(_), Some(_)) => VOL_SNAP,
                (Some(_), None) => SNAP,
                (None, Some(_)) => VOL,
                (None, None) => FS,
            };
            (applies & kind != 0).then(|| (value.to_string(), if sourced { "default" } else { "-" }.to_string()))
        }
        p => {
            let s = Stored::named(p)?;
            // A snapshot shows what applies to snapshots and to its head's kind.
            let head_kind = if volume.is_some() { VOL } else { FS };
            if s.applies & head_kind == 0 || (snap.is_some() && s.applies & SNAP == 0) {
                return None;
            }
            let set = if s.inherit { pool.inherited(head, |x| x.stored(p).cloned()) } else { ds.props.stored(p).map(|v| (v.clone(), head.to_string())) };
            Some(match set {
                Some((v, from)) => (v, source(Some(from))),
                None => (s.default.into(), "default".into()),
            })
        }
    }
}

/// A dataset's, its snapshots' and its children's blocks by one measure
/// (`dd_uncompressed_bytes`, which `logicalused` shows, or
/// `dd_compressed_bytes`), without reservations.
fn dir_sum(pool: &Pool, name: &str, own: fn(&Dataset) -> u64) -> u64 {
    let prefix = format!("{name}/");
    let children = pool.datasets.iter().filter(|d| d.name.strip_prefix(&prefix).is_some_and(|rest| !rest.contains('/')));
    pool.dataset(name).map_or(0, own) + children.map(|d| dir_sum(pool, &d.name, own)).sum::<u64>()
}

/// `compressratio` and `refcompressratio`: uncompressed over compressed
/// bytes, in hundredths, `1.00x` with nothing written.
fn ratio((uncompressed, compressed): (u64, u64), literal: bool) -> String {
    let r = if compressed == 0 { 100 } else { uncompressed * 100 / compressed };
    format!("{}.{:02}{}", r / 100, r % 100, if literal { "" } else { "x" })
}

/// `snapshots_changed`: `strftime("%a %b %e %k:%M:%S %Y")` in UTC.
fn changed(secs: u64) -> String {
    let minute = creation(secs);
    let (year_at, sec) = (minute.len() - 5, secs % 60);
    format!("{}:{sec:02}{}", &minute[..year_at], &minute[year_at..])
}

fn checksum_name(a: ChecksumAlg) -> &'static str {
    match a {
        ChecksumAlg::Sha256 => "sha256",
        _ => "fletcher4",
    }
}

/// `strftime("%a %b %e %k:%M %Y")` in UTC.
pub(super) fn creation(secs: u64) -> String {
    const DAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
    const MONTHS: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
    let (y, mo, d, h, mi, _) = crate::console::fmt::civil(secs);
    format!("{} {} {d:>2} {h:>2}:{mi:02} {y}", DAYS[(secs / 86400 % 7) as usize], MONTHS[(mo as usize).saturating_sub(1) % 12])
}

/// The datasets `zfs list` and `zfs get` visit: the named ones (or every
/// one), their descendants with `-r` down to `depth` levels below, and
/// snapshots (one level below their dataset) when `types` has them; sorted
/// as `zfs_compare` sorts (by name, snapshots by txg).
/// `zfs_path_to_zhandle()`, for `zfs list` and `zfs get`: a path names the
/// ZFS filesystem it is on.
fn by_path(m: &Machine, name: &str) -> Result<String, String> {
    if !name.starts_with('/') {
        return Ok(name.to_string());
    }
    if m.statfs_path(name).is_err() {
        return Err(format!("cannot open '{name}': No such file or directory\n"));
    }
    m.zfs_path(name).map(|(ds, _)| ds).ok_or_else(|| format!("'{name}': not a ZFS filesystem\n"))
}

/// The datasets, snapshots and bookmarks to show, in `zfs_compare`'s
/// order. `named_marks`: bookmarks may be named (`zfs get` always takes
/// them, `zfs list` with `-t bookmark`).
fn visit(m: &Machine, names: &[String], recursive: bool, depth: usize, types: &[&str], named_marks: bool) -> Result<Vec<String>, String> {
    let names = &names.iter().map(|n| by_path(m, n)).collect::<Result<Vec<_>, _>>()?;
    let mut out: Vec<(String, u64)> = Vec::new();
    let want = |t: &str| types.contains(&t) || types.contains(&"all");
    let all = names.is_empty();
    for pool in &m.zfs().pools {
        for ds in &pool.datasets {
            let root = if all { Some(&pool.name) } else { names.iter().find(|n| **n == ds.name || recursive && ds.name.starts_with(&format!("{n}/"))) };
            let Some(root) = root else { continue };
            let below = ds.name.matches('/').count() - root.matches('/').count();
            if below > depth {
                continue;
            }
            let t = if ds.is_volume() { "volume" } else { "filesystem" };
            if want(t) || !all && names.contains(&ds.name) && !types.contains(&"snapshot") && !types.contains(&"bookmark") {
                out.push((ds.name.clone(), 0));
            }
            let snaps_wanted = want("snapshot") && (all || recursive || names.contains(&ds.name)) && below < depth;
            if snaps_wanted {
                out.extend(ds.snapshots.iter().map(|s| (format!("{}@{}", ds.name, s.name), s.txg)));
            }
            if want("bookmark") && (all || recursive || names.contains(&ds.name)) && below < depth {
                out.extend(ds.bookmarks.iter().map(|b| (format!("{}#{}", ds.name, b.name), 0)));
            }
        }
    }
    for n in names.iter().filter(|n| n.contains(['@', '#'])) {
        match named_marks || want("bookmark") {
            true => open(m, n)?,
            false => super::dataset::open_dataset(m, n)?,
        };
        out.push((n.clone(), 0));
    }
    for n in names.iter().filter(|n| !n.contains(['@', '#'])) {
        open(m, n)?;
    }
    // zfs_compare: names cut at '@' by strcmp (a bookmark's keeps its
    // '#', so it follows the snapshots and comes before the children),
    // then a dataset before its snapshots, and snapshots by txg.
    out.sort_by(|a, b| {
        let (ah, bh) = (a.0.split('@').next().unwrap_or(""), b.0.split('@').next().unwrap_or(""));
        ah.cmp(bh).then(a.0.contains('@').cmp(&b.0.contains('@'))).then(a.1.cmp(&b.1))
    });
    out.dedup_by(|a, b| a.0 == b.0);
    Ok(out.into_iter().map(|o| o.0).collect())
}

fn types_arg(v: &str) -> Result<Vec<&str>, String> {
    v.split(',')
        .map(|t| match t {
            "filesystem" | "fs" => Ok("filesystem"),
            "volume" | "vol" => Ok("volume"),
            "snapshot" | "snap" => Ok("snapshot"),
            "all" => Ok("all"),
            "bookmark" => Ok("bookmark"),
            other => Err(format!("invalid type '{other}'\n")),
        })
        .collect()
}

/// `-d N` (which implies `-r`), as `parse_depth` reads it.
fn depth_arg(opts: &[(char, String)], usage: &str) -> Result<usize, Output> {
    match opts.iter().rev().find(|o| o.0 == 'd') {
        None => Ok(usize::MAX),
        Some((_, v)) => match v.parse::<i64>() {
            Ok(d) if d < 0 => Err(usage_error("Depth can not be negative.", usage)),
            Ok(d) => Ok(d as usize),
            Err(_) => Err(usage_error(&format!("{v} is not an integer"), usage)),
        },
    }
}

const LIST_USAGE: &str = "\tlist [-Hp] [-r|-d max] [-o property[,...]] [-s property]...\n\t    [-S property]... [-t type[,...]] [filesystem|volume|snapshot] ...\n";

pub(super) fn list(m: &mut Machine, args: &[String]) -> Output {
    let (opts, names) = match getopt(args, "Hpr", "otsSd") {
        Ok(v) => v,
        Err(c) => return bad_option(c, LIST_USAGE),
    };
    let has = |c: char| opts.iter().any(|o| o.0 == c);
    let value_of = |c: char| opts.iter().rev().find(|o| o.0 == c).map(|o| o.1.as_str());
    let types = match value_of('t').map(types_arg).unwrap_or(Ok(vec!["filesystem", "volume"])) {
        Ok(t) => t,
        Err(e) => return usage_error(e.trim_end(), LIST_USAGE),
    };
    let mut columns = Vec::new();
    let chosen = value_of('o').map(|o| o.replace("space", "name,available,used,usedbysnapshots,usedbydataset,usedbyrefreservation,usedbychildren"));
    for c in chosen.as_deref().unwrap_or("name,used,available,referenced,mountpoint").split(',').map(canonical) {
        match meta(c) {
            Some(m) => columns.push(m),
            None => return usage_error(&format!("bad property list: invalid property '{c}'"), LIST_USAGE),
        }
    }
    let mut keys = Vec::new();
    for (c, v) in opts.iter().filter(|o| matches!(o.0, 's' | 'S')) {
        match meta(canonical(v)) {
            Some(k) => keys.push((k.name, *c == 'S')),
            None => return usage_error(&format!("invalid property '{v}'"), LIST_USAGE),
        }
    }
    let depth = match depth_arg(&opts, LIST_USAGE) {
        Ok(d) => d,
        Err(out) => return out,
    };
    let literal = has('p');
    let mut visited = match visit(m, &names, has('r') || has('d'), depth, &types, false) {
        Ok(v) => v,
        Err(e) => return Output::error(e, 1),
    };
    // Scripted mode (`-H`) stays silent.
    if visited.is_empty() && !has('H') {
        return Output::error("no datasets available\n", 0);
    }
    sort_by_keys(m, &mut visited, &keys);
    let rows: Vec<Vec<String>> = visited
        .iter()
        .map(|n| {
            columns.iter().map(|c| property_value(m, n, &c.name, literal).map_or("-".to_string(), |v| v.0)).collect()
        })
        .collect();
    let cols = Columns {
        widths: columns.iter().enumerate().map(|(i, c)| width(c, rows.iter().map(|r| r[i].len()), literal)).collect(),
        right: columns.iter().map(|c| c.numeric).collect(),
    };
    let mut out = String::new();
    if !has('H') {
        out.push_str(&cols.line(&columns.iter().map(|c| c.heading.clone()).collect::<Vec<_>>(), false));
    }
    for r in &rows {
        out.push_str(&cols.line(r, has('H')));
    }
    Output::text(out, 0)
}

/// `-s`/`-S` (descending): all rows together, by each key in turn, numbers
/// as numbers; ties keep the name order.
fn sort_by_keys(m: &Machine, names: &mut [String], keys: &[(String, bool)]) {
    if keys.is_empty() {
        return;
    }
    let value = |n: &str, key: &str| m.zfs().pool(pool_of(n)).and_then(|p| prop(p, n, key, true)).map(|v| v.0).unwrap_or_default();
    names.sort_by(|a, b| {
        keys.iter().fold(std::cmp::Ordering::Equal, |order, (key, descending)| {
            order.then_with(|| {
                let (va, vb) = (value(a, key), value(b, key));
                let o = match (va.parse::<u64>(), vb.parse::<u64>()) {
                    (Ok(x), Ok(y)) => x.cmp(&y),
                    _ => va.cmp(&vb),
                };
                if *descending { o.reverse() } else { o }
            })
        })
    });
}

/// `zprop_width`, widened by the values of flexible columns (all with `-p`).
fn width(c: &Meta, values: impl Iterator<Item = usize>, literal: bool) -> usize {
    let base = if c.numeric { c.heading.len().max(5) } else { c.heading.len().max(c.widest) };
    // Numbers printed whole (`%llu`) widen their column like strings;
    // `written@` is no user property, so zfs_expand_proplist never widens it.
    if c.numeric && (!literal || is_written_at(&c.name)) && !matches!(c.name.as_str(), "createtxg" | "guid" | "objsetid") {
        return base;
    }
    values.fold(base, usize::max)
}

const GET_USAGE: &str = "\tget [-rHp] [-d max] [-o \"all\" | field[,...]]\n\t    [-t type[,...]] [-s source[,...]]\n\t    <\"all\" | property[,...]> [filesystem|volume|snapshot|bookmark] ...\n";

/// `zfs get`'s columns (`-o`).
const GET_FIELDS: [&str; 5] = ["name", "property", "value", "received", "source"];

/// `zfs get -s`'s source kinds, and which a row's SOURCE text is.
const SOURCES: [&str; 6] = ["local", "default", "inherited", "temporary", "received", "none"];

fn source_kind(source: &str) -> &'static str {
    match source {
        "local" => "local",
        "default" => "default",
        "-" => "none",
        _ => "inherited",
    }
}

pub(super) fn get(m: &mut Machine, args: &[String]) -> Output {
    let (opts, operands) = match getopt(args, "rHp", "otsd") {
        Ok(v) => v,
        Err(c) => return bad_option(c, GET_USAGE),
    };
    let has = |c: char| opts.iter().any(|o| o.0 == c);
    let value_of = |c: char| opts.iter().rev().find(|o| o.0 == c).map(|o| o.1.as_str());
    let fields: Vec<usize> = match value_of('o') {
        None => vec![0, 1, 2, 4],
        Some("all") => (0..5).collect(),
        Some(list) if list.split(',').count() > 5 || list.starts_with("all,") => return usage_error("too many fields given to -o option", GET_USAGE),
        Some(list) if list.split(',').any(|f| f == "all") => return usage_error("\"all\" conflicts with specific fields given to -o option", GET_USAGE),
        Some(list) => match list.split(',').map(|f| GET_FIELDS.iter().position(|g| *g == f).ok_or(f)).collect() {
            Ok(v) => v,
            Err(bad) => return usage_error(&format!("invalid column name '{bad}'"), GET_USAGE),
        },
    };
    let sources: Vec<&str> = match value_of('s') {
        None => SOURCES.to_vec(),
        Some(list) => match list.split(',').map(|s| SOURCES.iter().copied().find(|x| *x == s).ok_or(s)).collect() {
            Ok(v) => v,
            Err(bad) => return usage_error(&format!("invalid source '{bad}'"), GET_USAGE),
        },
    };
    let depth = match depth_arg(&opts, GET_USAGE) {
        Ok(d) => d,
        Err(out) => return out,
    };
    let Some((props, names)) = operands.split_first() else {
        return usage_error("missing property argument", GET_USAGE);
    };
    let wanted: Vec<&str> = if props == "all" { ALL.to_vec() } else { props.split(',').map(canonical).collect() };
    if let Some(bad) = wanted.iter().find(|w| meta(w).is_none()) {
        return usage_error(&format!("bad property list: invalid property '{bad}'"), GET_USAGE);
    }
    let recursive = has('r') || has('d');
    // `zfs get` walks every type (bookmarks too); with no dataset named it
    // walks every dataset, so snapshots show up as with -r.
    let default_types: &[&str] = if recursive || names.is_empty() { &["filesystem", "volume", "snapshot", "bookmark"] } else { &["filesystem", "volume"] };
    let types = match value_of('t').map(types_arg).unwrap_or(Ok(default_types.to_vec())) {
        Ok(t) => t,
        Err(e) => return usage_error(e.trim_end(), GET_USAGE),
    };
    let literal = has('p');
    let visited = match visit(m, names, recursive, depth, &types, true) {
        Ok(v) => v,
        Err(e) => return Output::error(e, 1),
    };
    let rows = get_rows(m, &visited, &wanted, props == "all", literal);
    let shown: Vec<&[String; 5]> = rows.iter().filter(|r| sources.contains(&source_kind(&r[4]))).collect();
    let mut out = String::new();
    if !has('H') && !shown.is_empty() {
        let name_w = visited.iter().map(String::len).fold(4, usize::max);
        let value_w = wanted
            .iter()
            .filter_map(|w| meta(w))
            .map(|c| width(&c, rows.iter().filter(|r| r[1] == c.name).map(|r| r[2].len()), literal))
            .fold(5, usize::max);
        let all_widths = [name_w, wanted.iter().map(|w| w.len()).fold(8, usize::max), value_w, 8, name_w + 14];
        let cols = Columns { widths: fields.iter().map(|&f| all_widths[f]).collect(), right: vec![false; fields.len()] };
        out.push_str(&cols.line(&fields.iter().map(|&f| GET_FIELDS[f].to_ascii_uppercase()).collect::<Vec<_>>(), false));
        for r in &shown {
            out.push_str(&cols.line(&fields.iter().map(|&f| r[f].clone()).collect::<Vec<_>>(), false));
        }
    } else {
        for r in &shown {
            out.push_str(&format!("{}\n", fields.iter().map(|&f| r[f].as_str()).collect::<Vec<_>>().join("\t")));
        }
    }
    Output::text(out, 0)
}

/// `[name, property, value, received, source]` for each dataset and
/// property; with `all`, only the properties that apply, then the user
/// properties set on the dataset or above it.
fn get_rows(m: &Machine, visited: &[String], wanted: &[&str], all: bool, literal: bool) -> Vec<[String; 5]> {
    let mut rows = Vec::new();
    for n in visited {
        let Some(pool) = m.zfs().pool(pool_of(n)) else { continue };
        let mut props: Vec<String> = wanted.iter().map(|w| w.to_string()).collect();
        if all {
            let mut user: Vec<String> = pool.datasets.iter().filter(|d| n == &d.name || n.starts_with(&format!("{}/", d.name)) || n.starts_with(&format!("{}@", d.name))).flat_map(|d| d.props.stored.iter().map(|s| s.0.clone()).filter(|k| is_user_property(k))).collect();
            // A snapshot's own user properties.
            if let Some((head, snap)) = n.split_once('@') {
                user.extend(pool.dataset(head).and_then(|d| d.snapshot(snap)).into_iter().flat_map(|s| s.user_props.iter().map(|u| u.0.clone())));
            }
            user.sort();
            user.dedup();
            props.extend(user);
        }
        for w in &props {
            match property_value(m, n, w, literal) {
                // `zfs get all` leaves out the origin of a dataset that is no clone, and clones of none.
                Some((value, _)) if all && value == "-" && matches!(w.as_str(), "origin" | "clones") => {}
                // Nor does it expand to properties a snapshot has no value for (zfs_prop.c's type masks).
                Some(_) if all && n.contains('@') && matches!(w.as_str(), "available" | "mountpoint") => {}
                Some((value, source)) => rows.push([n.clone(), w.clone(), value, "-".into(), source]),
                None if !all => rows.push([n.clone(), w.clone(), "-".into(), "-".into(), "-".into()]),
                None => {}
            }
        }
    }
    rows
}
