//! `zfs send` and `zfs receive`: a snapshot (or the change from an earlier
//! one, `-i`, or each change up to it, `-I`) as a byte stream down a pipe,
//! and a dataset made from it (`-n`, `-v`, `-F`, `-d`, `-e`, `fs@snap`).
//! `zfs send -n`/`-v`/`-P` print ZFS's size estimates (`estimate`), which
//! describe OpenZFS's stream, not the lab's smaller one. `-R` sends each
//! filesystem below too, with all their snapshots, but not their
//! properties; `-i #MARK` starts from a bookmark.
//!
//! The stream is the lab's own, not OpenZFS's DRR records: a magic line, a
//! serde JSON header listing what it carries, then the file and volume bytes
//! it names. A full stream carries every file (or every non-zero block of a
//! volume); an incremental one carries the files whose bytes changed, the
//! paths removed, and the changed volume blocks. Received data is written
//! file by file, so what a received incremental stream rewrites is whole
//! files, where ZFS rewrites only changed records.

use super::{message, nicenum};
use crate::console::exec::Input;
use crate::console::Output;
use crate::core::machine::{Machine, NewDataset};
use crate::core::media::Chunk;
use crate::core::zfs::{DatasetKind, Props, ZfsError};
use serde::{Deserialize, Serialize};

const MAGIC: &[u8] = b"STORAGE-LAB ZFS SEND STREAM 1\n";
/// `sizeof (dmu_replay_record_t)`: less than one record is a short read.
const DRR_BYTES: usize = 312;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct Header {
    /// The snapshot sent, `pool/fs@snap`.
    snapshot: String,
    /// The snapshot an incremental stream starts from (its `@name`).
    from: Option<String>,
    /// `Some((volsize, volblocksize))` for a volume.
    volume: Option<(u64, u64)>,
    /// Directories to create, parents first.
    dirs: Vec<String>,
    /// Files (or volume ranges, by offset) and the length of their bytes
    /// in the payload, in order.
    files: Vec<(String, u64)>,
    ranges: Vec<(u64, u64)>,
    /// Paths an incremental stream removes.
    removed: Vec<String>,
    /// `drr_toguid` and `drr_fromguid`: the snapshots' guids, so a receive
    /// keeps the sent one and matches an incremental source by guid.
    #[serde(default)]
    guid: u64,
    #[serde(default)]
    from_guid: u64,
    /// `-R`: the filesystem the replication stream was sent from, so that
    /// a receive puts each of its descendants under the target.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    replicate: Option<String>,
}

/// The `guid` of `pool/fs@snap`, or 0 when there is no such snapshot.
fn snapshot_guid(m: &Machine, name: &str) -> u64 {
    let Some((head, snap)) = name.split_once('@') else { return 0 };
    let ds = m.zfs().pool(crate::core::machine::pool_of(head)).and_then(|p| p.dataset(head));
    ds.and_then(|d| d.snapshot(snap)).map_or(0, |s| s.guid)
}

/// A filesystem snapshot's tree: (path, Some(bytes) for a file, None for a directory).
fn tree(m: &mut Machine, ds: &str) -> Result<Vec<(String, Option<Vec<u8>>)>, ZfsError> {
    let mut out = Vec::new();
    let mut dirs = vec!["/".to_string()];
    while let Some(dir) = dirs.pop() {
        for (name, is_dir) in m.zfs_readdir(ds, &dir)? {
            let path = format!("{}/{name}", dir.trim_end_matches('/'));
            if is_dir {
                dirs.push(path.clone());
                out.push((path, None));
            } else {
                let size = m.zfs_stat(ds, &path)?.size;
                // A stream goes down a pipe, which carries at most 16 MiB.
                if size > crate::console::STREAM_LIMIT_BYTES {
                    return Err(ZfsError::NoSpace);
                }
                out.push((path.clone(), Some(m.zfs_read_file(ds, &path, 0, size)?.0)));
            }
        }
    }
    out.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(out)
}

fn volume_of(m: &Machine, ds: &str) -> Option<(u64, u64)> {
    let head = ds.split('@').next().unwrap_or(ds);
    let d = m.zfs().pool(crate::core::machine::pool_of(head))?.dataset(head)?;
    match d.kind {
        DatasetKind::Volume { size_bytes, volblocksize } => Some((size_bytes, volblocksize)),
        DatasetKind::Filesystem => None,
    }
}

/// What an incremental stream starts from: each path with a digest of its
/// file's bytes (`None` for a directory), or each written block of a
/// volume by offset. A bookmark keeps this of its snapshot.
pub(super) type Contents = Vec<(String, Option<u64>)>;

/// FNV-1a: a digest that is the same on every run (for `Contents`).
fn digest(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, b| (h ^ u64::from(*b)).wrapping_mul(0x100_0000_01b3))
}

/// The `Contents` of a snapshot (or dataset).
pub(super) fn contents(m: &Machine, snap: &str) -> Result<Contents, ZfsError> {
    match volume_of(m, snap) {
        Some((_, block)) => {
            let blocks = m.zvol_blocks(snap, block).map_err(|_| ZfsError::NoSpace)?;
            Ok(blocks.into_iter().filter(|b| b.1.iter().any(|x| *x != 0)).map(|(at, b)| (at.to_string(), Some(digest(&b)))).collect())
        }
        None => Ok(tree(&mut m.clone(), snap)?.into_iter().map(|(p, d)| (p, d.map(|b| digest(&b)))).collect()),
    }
}

/// Where an incremental stream starts: the source's name (`fs@snap` or
/// `fs#mark`), its guid, and its contents.
struct Source {
    name: String,
    guid: u64,
    contents: Contents,
}

/// The stream of `snap`, or of the change since `from`.
fn build(m: &Machine, snap: &str, from: Option<&Source>, replicate: Option<&str>) -> Result<Vec<u8>, ZfsError> {
    let mut copy = m.clone();
    let m = &mut copy;
    let mut header = Header {
        snapshot: snap.to_string(),
        from: from.map(|f| f.name.split_once(['@', '#']).map_or(f.name.as_str(), |x| x.1).to_string()),
        volume: volume_of(m, snap),
        dirs: vec![],
        files: vec![],
        ranges: vec![],
        removed: vec![],
        guid: snapshot_guid(m, snap),
        from_guid: from.map_or(0, |f| f.guid),
        replicate: replicate.map(str::to_string),
    };
    let empty = Contents::new();
    let before = from.map_or(&empty, |f| &f.contents);
    let had = |path: &str, d: Option<u64>| before.iter().any(|b| b.0 == path && b.1 == d);
    let mut payload = Vec::new();
    if let Some((size, block)) = header.volume {
        for offset in (0..size).step_by(block as usize) {
            let now = m.zvol_read(snap, offset, block)?.0;
            let d = now.iter().any(|x| *x != 0).then(|| digest(&now));
            let key = offset.to_string();
            let unchanged = match d {
                Some(d) => had(&key, Some(d)),
                None => !before.iter().any(|b| b.0 == key),
            };
            if !unchanged {
                header.ranges.push((offset, now.len() as u64));
                payload.extend_from_slice(&now);
            }
        }
    } else {
        let now = tree(m, snap)?;
        for (path, data) in &now {
            match data {
                None if !had(path, None) => header.dirs.push(path.clone()),
                None => {}
                Some(bytes) if had(path, Some(digest(bytes))) => {}
                Some(bytes) => {
                    header.files.push((path.clone(), bytes.len() as u64));
                    payload.extend_from_slice(bytes);
                }
            }
        }
        header.removed = before.iter().filter(|b| !now.iter().any(|n| n.0 == b.0)).map(|b| b.0.clone()).rev().collect();
    }
    let mut out = MAGIC.to_vec();
    out.extend(serde_json::to_vec(&header).map_err(|_| ZfsError::Io)?);
    out.push(b'\n');
    out.extend(payload);
    Ok(out)
}

/// HELP_SEND: every form of the command.
const SEND_USAGE: &str = "\tsend [-DLPbcehnpsVvw] [-i|-I snapshot]\n\t     [-R [-X dataset[,dataset]...]]     <snapshot>\n\tsend [-DnVvPLecw] [-i snapshot|bookmark] <filesystem|volume|snapshot>\n\tsend [-DnPpVvLec] [-i bookmark|snapshot] --redact <bookmark> <snapshot>\n\tsend [-nVvPe] -t <receive_resume_token>\n\tsend [-PnVv] --saved filesystem\n";

/// `zfs send [-i|-I SNAP] FS@SNAP`; `-I` sends each snapshot in between as
/// its own incremental stream, one after another.
pub fn send(m: &mut Machine, args: &[String], to_terminal: bool) -> Output {
    // HELP_SEND: every form of the command.
    let usage = SEND_USAGE;
    let (opts, operands) = match super::getopt(args, "DLPbcehnpsvwRV", "iIX") {
        Ok(v) => v,
        Err(c) => return super::dataset::usage_error(&format!("invalid option '{c}'"), usage),
    };
    let [snap] = operands.as_slice() else {
        let what = if operands.is_empty() { "missing snapshot argument" } else { "too many arguments" };
        return super::dataset::usage_error(what, usage);
    };
    let flags = SendFlags::from(&opts);
    if to_terminal && !flags.dry_run {
        return Output::error("Error: Stream can not be written to a terminal.\nYou must redirect standard output.\n", 1);
    }
    // zfs_open of a dataset or snapshot: a bookmark's name is refused.
    if snap.contains('#') {
        return Output::error(format!("cannot open '{snap}': bookmark delimiter '#' is not expected here\n"), 1);
    }
    let pool = m.zfs().pool(crate::core::machine::pool_of(snap));
    let from_opt = opts.iter().rev().find(|o| o.0 == 'i' || o.0 == 'I');
    let each = from_opt.is_some_and(|o| o.0 == 'I');
    // -R and -I go through zfs_send, which wants a snapshot and no bookmark.
    if each || opts.iter().any(|o| o.0 == 'R') {
        if from_opt.is_some_and(|o| o.1.contains('#')) {
            return Output::error("Error: multiple snapshots cannot be sent from a bookmark.\n", 1);
        }
        if !snap.contains('@') {
            return Output::error("Error: Unsupported flag with filesystem or bookmark.\n", 1);
        }
    }
    let Some((head, _)) = snap.split_once('@') else {
        return match pool.and_then(|p| p.dataset(snap)) {
            None => Output::error(format!("cannot open '{snap}': dataset does not exist\n"), 1),
            // dmu_send_estimate_fast wants a snapshot (EINVAL); a dry run
            // without an estimate stops before the kernel.
            Some(_) if flags.verbosity > 0 && (flags.progress || flags.parsable) => Output::error(format!("warning: cannot send '{snap}': Invalid argument\n"), 1),
            Some(_) if flags.verbosity > 0 => Output::error("", 1),
            Some(_) if flags.dry_run => Output::default(),
            // lzc_send on a mounted filesystem (or an open volume) is EBUSY.
            Some(_) => Output::error(format!("warning: cannot send '{snap}': target is busy; if a filesystem, it must not be mounted\n"), 1),
        };
    };
    let exists = |name: &str| pool.and_then(|p| p.space(name)).is_some();
    if !exists(snap) {
        return Output::error(format!("cannot open '{snap}': dataset does not exist\n"), 1);
    }
    // A bare name is taken for a snapshot, with zfs_do_send's warning.
    let bare = from_opt.is_some_and(|o| !o.1.contains(['@', '#']));
    let from = from_opt.map(|o| if o.1.starts_with(['@', '#']) { format!("{head}{}", o.1) } else if bare { format!("{head}@{}", o.1) } else { o.1.clone() });
    let replicate = opts.iter().any(|o| o.0 == 'R');
    let mut steps = vec![(snap.clone(), from.clone())];
    let mut warnings = String::new();
    match &from {
        _ if replicate => match replication_steps(m, snap, from.as_deref(), each) {
            Ok((s, w)) => (steps, warnings) = (s, w),
            Err(out) => return out,
        },
        Some(f) if f.contains('#') => {
            if let Err(out) = check_bookmark(m, f, snap, &flags) {
                return out;
            }
        }
        Some(f) => {
            if !exists(f) {
                return Output::error(format!("cannot open '{f}': dataset does not exist\n"), 1);
            }
            // A clone's origin is earlier too (snapshot_is_before).
            let origin = pool.and_then(|p| p.dataset(head)).and_then(|d| d.origin()).is_some_and(|o| o.snapshot == *f);
            match order(m, head, f, snap) {
                Some(between) if each => steps = between,
                Some(_) => {}
                None if origin && !each => {}
                None => return Output::error(format!("warning: cannot send '{snap}': not an earlier snapshot from the same fs\n"), 1),
            }
        }
        None => {}
    }
    let bare_warning = if bare && from_opt.is_some_and(|o| o.0 == 'i') { "Warning: incremental source didn't specify type, assuming snapshot. Use '@' or '#' prefix to avoid ambiguity.\n" } else { "" };
    let dedup_warning = if opts.iter().any(|o| o.0 == 'D') { "WARNING: deduplicated send is no longer supported.  A regular,\nnon-deduplicated stream will be generated.\n\n" } else { "" };
    let (verbose, header) = verbose_lines(m, &steps, each || replicate, &flags);
    let err = format!("{dedup_warning}{bare_warning}{warnings}");
    let status = i32::from(!warnings.is_empty());
    if flags.dry_run {
        return Output { text: verbose, err, exit_status: status, ..Output::default() };
    }
    let mut stream = Vec::new();
    for (to, from) in &steps {
        let source = match from.as_deref().map(|f| source(m, f)) {
            None => None,
            Some(Ok(s)) => Some(s),
            Some(Err(e)) => return Output::error(e.replace("SNAP", snap), 1),
        };
        match build(m, to, source.as_ref(), replicate.then_some(head)) {
            Ok(bytes) => stream.extend(bytes),
            Err(ZfsError::NoSpace) => return Output::error(format!("cannot send '{snap}': the lab's pipes carry at most 16 MiB; a file in it is larger\n"), 1),
            Err(e) => return Output::error(message(&e), 1),
        }
    }
    if stream.len() as u64 > crate::console::STREAM_LIMIT_BYTES {
        return Output::error(format!("cannot send '{snap}': the lab's pipes carry at most 16 MiB; this stream is larger\n"), 1);
    }
    Output { raw: Some(stream), err: format!("{err}{verbose}{header}"), exit_status: status, ..Output::default() }
}

/// `zfs send`'s options that shape what it prints.
struct SendFlags {
    dry_run: bool,
    /// `-v` once or more; `-P` and `-V` make it at least 1.
    verbosity: usize,
    /// `-v`: estimates, and the progress header of a real send.
    progress: bool,
    parsable: bool,
    /// `-c` or `-w`: the stream carries compressed blocks.
    compressed: bool,
}

impl SendFlags {
    fn from(opts: &[(char, String)]) -> SendFlags {
        let has = |c: char| opts.iter().any(|o| o.0 == c);
        let v = opts.iter().filter(|o| o.0 == 'v').count();
        let parsable = has('P');
        SendFlags {
            dry_run: has('n'),
            verbosity: if v == 0 && (parsable || has('V')) { 1 } else { v },
            progress: v > 0,
            parsable,
            compressed: has('c') || has('w'),
        }
    }
}

/// What `-v`/`-P` print, and the header of the progress lines a real send
/// prints each second (the lab's send is done before the first second).
/// A single stream goes through `zfs_send_one`, which totals with
/// `zfs_nicenum`; `-I` through `zfs_send`'s dry run, which names each
/// source by its short name and totals with `zfs_nicebytes`.
fn verbose_lines(m: &Machine, steps: &[(String, Option<String>)], each: bool, f: &SendFlags) -> (String, String) {
    let mut out = String::new();
    let mut total = 0;
    if f.verbosity > 0 && (f.progress || f.parsable || each) {
        for (to, from) in steps {
            let size = estimate(m, to, from.as_deref(), f.compressed);
            total += size;
            let from = from.as_deref().map(|s| if each { s.split_once('@').map_or(s, |x| x.1) } else { s });
            out.push_str(&match (f.parsable, from) {
                (true, Some(from)) => format!("incremental\t{from}\t{to}\t{size}\n"),
                (true, None) => format!("full\t{to}\t{size}\n"),
                (false, Some(from)) if !from.contains(['@', '#']) => format!("send from @{from} to {to} estimated size is {}\n", nicenum(size, true)),
                (false, Some(from)) => format!("send from {from} to {to} estimated size is {}\n", nicenum(size, true)),
                (false, None) => format!("full send of {to} estimated size is {}\n", nicenum(size, true)),
            });
        }
        out.push_str(&match f.parsable {
            true => format!("size\t{total}\n"),
            false => format!("total estimated size is {}\n", nicenum(total, each)),
        });
    }
    let mut header = String::new();
    if f.progress && !f.parsable {
        let blocks = if f.verbosity >= 2 && !each { "   BLOCKS    " } else { "" };
        for (to, _) in steps {
            header.push_str(&format!("TIME        SENT   {blocks}SNAPSHOT {to}\n"));
        }
    }
    (out, header)
}

/// `dmu_send_estimate_fast`: the logical bytes written since `from` (all
/// the snapshot references for a full stream; compressed sizes with `-c`),
/// less a block pointer and plus a record per recordsize block, plus the
/// BEGIN and END records.
fn estimate(m: &Machine, snap: &str, from: Option<&str>, compressed: bool) -> u64 {
    const BLKPTR_BYTES: u64 = 128;
    let head = snap.split('@').next().unwrap_or(snap);
    let Some(pool) = m.zfs().pool(crate::core::machine::pool_of(head)) else { return 0 };
    let Some(ds) = pool.dataset(head) else { return 0 };
    let (uncompressed, compressed_bytes) = match from {
        Some(f) if f.contains('#') => {
            let since = bookmark_of(m, f).and_then(|b| m.zfs_written_since(snap, b.txg).ok());
            since.map_or((0, 0), |w| (w.uncompressed_bytes, w.compressed_bytes))
        }
        Some(f) => pool.space_written(f, snap).map_or((0, 0), |w| (w.uncompressed_bytes, w.compressed_bytes)),
        None => snap.split_once('@').and_then(|(_, s)| ds.snapshot(s)).map_or((0, 0), |s| (s.logical_referenced_bytes, s.compressed_referenced_bytes)),
    };
    let recordsize = match ds.kind {
        DatasetKind::Volume { volblocksize, .. } => volblocksize,
        DatasetKind::Filesystem => pool.recordsize_of(head),
    };
    let records = uncompressed / recordsize;
    let size = if compressed { compressed_bytes } else { uncompressed };
    (size + records * DRR_BYTES as u64).saturating_sub(records * BLKPTR_BYTES) + 2 * DRR_BYTES as u64
}

/// A bookmark an incremental stream starts from must exist and be older
/// than the snapshot, in its dataset or one it was cloned from; the texts
/// are `zfs_send_one`'s for the kernel's ENOENT (EBADBACKUP with `-v`'s
/// estimate first) and EXDEV.
fn check_bookmark(m: &Machine, from: &str, snap: &str, flags: &SendFlags) -> Result<(), Output> {
    let Some(mark) = bookmark_of(m, from) else {
        let why = if flags.verbosity > 0 && (flags.progress || flags.parsable) { "No such file or directory".to_string() } else { format!("incremental source ({from}) does not exist") };
        return Err(Output::error(format!("warning: cannot send '{snap}': {why}\n"), 1));
    };
    let pool = m.zfs().pool(crate::core::machine::pool_of(snap)).ok_or_else(|| Output::error("", 1))?;
    let (head, name) = snap.split_once('@').unwrap_or((snap, ""));
    let txg = pool.dataset(head).and_then(|d| d.snapshot(name)).map_or(0, |s| s.txg);
    let same_line = from.split('#').next() == Some(head) || pool.dataset(head).and_then(|d| d.origin()).is_some_and(|o| o.snapshot.split('@').next() == from.split('#').next() && mark.txg <= o.txg);
    if mark.txg >= txg || !same_line {
        return Err(Output::error(format!("warning: cannot send '{snap}': not an earlier snapshot from the same fs\n"), 1));
    }
    Ok(())
}

fn bookmark_of<'a>(m: &'a Machine, name: &str) -> Option<&'a crate::core::zfs::bookmark::ZfsBookmark> {
    let (fs, mark) = name.split_once('#')?;
    m.zfs().pool(crate::core::machine::pool_of(fs))?.dataset(fs)?.bookmark(mark)
}

/// Where a stream from `from` (a snapshot or a bookmark) starts. A
/// bookmark whose snapshot still exists starts from that snapshot's
/// contents; otherwise from those it kept.
fn source(m: &Machine, from: &str) -> Result<Source, String> {
    let Some(mark) = bookmark_of(m, from) else {
        let contents = contents(m, from).map_err(|e| message(&e))?;
        return Ok(Source { name: from.to_string(), guid: snapshot_guid(m, from), contents });
    };
    let fs = from.split('#').next().unwrap_or(from);
    let alive = m.zfs().pool(crate::core::machine::pool_of(fs)).and_then(|p| p.dataset(fs)).and_then(|d| d.snapshots.iter().find(|s| s.guid == mark.guid));
    let contents = match alive {
        Some(s) => contents(m, &format!("{fs}@{}", s.name)).ok(),
        None => mark.contents.clone(),
    };
    let contents = contents.ok_or_else(|| format!("cannot send 'SNAP': the lab kept no digest of {from}'s snapshot (a volume with more than 256 MiB written)\n"))?;
    Ok(Source { name: from.to_string(), guid: mark.guid, contents })
}

/// `-R`'s streams (`dump_filesystems`): for the filesystem and each one
/// below it (by name, parents first), every snapshot up to `snap`'s name,
/// the first in full and the rest from the one before; with `-i`, only the
/// change from `from` (in full where a filesystem lacks it); with `-I`,
/// each snapshot from `from` on. A filesystem without the snapshot is
/// left out with libzfs' warning, and the send ends in failure.
fn replication_steps(m: &Machine, snap: &str, from: Option<&str>, each: bool) -> Result<(Vec<(String, Option<String>)>, String), Output> {
    let (root, to) = snap.split_once('@').unwrap_or((snap, ""));
    let from_name = from.map(|f| f.split_once('@').map_or(f, |x| x.1));
    if let Some(f) = from.filter(|f| f.split('@').next() != Some(root)) {
        let _ = f;
        return Err(super::dataset::usage_error("incremental source must be in same filesystem", SEND_USAGE));
    }
    let pool = m.zfs().pool(crate::core::machine::pool_of(root)).ok_or_else(|| Output::error("", 1))?;
    // zfs_send_cb_impl opens the incremental source first.
    if let Some(f) = from_name.filter(|f| pool.dataset(root).and_then(|d| d.snapshot(f)).is_none()) {
        return Err(Output::error(format!("cannot open '{root}@{f}': dataset does not exist\n"), 1));
    }
    let mut names: Vec<&str> = pool.datasets.iter().map(|d| d.name.as_str()).filter(|n| *n == root || n.starts_with(&format!("{root}/"))).collect();
    names.sort_unstable();
    let (mut steps, mut warnings) = (Vec::new(), String::new());
    for name in names {
        let Some(ds) = pool.dataset(name) else { continue };
        let Some(end) = ds.snapshots.iter().position(|s| s.name == to) else {
            warnings += &format!("WARNING: could not send {name}@{to}: does not exist\n");
            continue;
        };
        let start = from_name.and_then(|f| ds.snapshots[..end].iter().position(|s| s.name == f));
        let chosen: Vec<usize> = match (start, from_name) {
            (None, None) => (0..=end).collect(),
            (Some(i), _) if each => (i..=end).collect(),
            (Some(i), _) => vec![i, end],
            (None, Some(_)) if each => (0..=end).collect(),
            (None, Some(_)) => vec![end],
        };
        let full = |i: usize| format!("{name}@{}", ds.snapshots[i].name);
        for (k, &i) in chosen.iter().enumerate() {
            match k {
                0 if start.is_some() => {}
                0 => steps.push((full(i), None)),
                _ => steps.push((full(i), Some(full(chosen[k - 1])))),
            }
        }
    }
    Ok((steps, warnings))
}

/// The incremental steps from `from` to `snap`, one per snapshot between,
/// when `from` is an earlier snapshot of the same filesystem.
fn order(m: &Machine, head: &str, from: &str, snap: &str) -> Option<Vec<(String, Option<String>)>> {
    let ds = m.zfs().pool(crate::core::machine::pool_of(head))?.dataset(head)?;
    let (f, s) = (from.split_once('@')?, snap.split_once('@')?);
    let at = |name: &str| ds.snapshots.iter().position(|x| x.name == name);
    let (i, j) = (at(f.1)?, at(s.1)?);
    if f.0 != head || i >= j {
        return None;
    }
    let names: Vec<String> = ds.snapshots[i..=j].iter().map(|x| format!("{head}@{}", x.name)).collect();
    Some(names.windows(2).map(|w| (w[1].clone(), Some(w[0].clone()))).collect())
}

struct RecvFlags {
    dry_run: bool,
    verbose: bool,
    force: bool,
    /// `-u`: the received filesystem is left unmounted.
    unmounted: bool,
}

/// `zfs receive [-nvF] [-d|-e] NAME`: reads a stream from standard input.
pub fn receive(m: &mut Machine, args: &[String], stdin: Option<&Input>) -> Output {
    // HELP_RECEIVE.
    let usage = "\treceive [-vMnsFhu] [-o <property>=<value>] ... [-x <property>] ...\n\t    <filesystem|volume|snapshot>\n\treceive [-vMnsFhu] [-o <property>=<value>] ... [-x <property>] ... \n\t    [-d | -e] <filesystem>\n\treceive -A <filesystem|volume>\n";
    let (opts, operands) = match super::getopt(args, "vMnsuFde", "ox") {
        Ok(v) => v,
        Err(c) => return super::dataset::usage_error(&format!("invalid option '{c}'"), usage),
    };
    let [target] = operands.as_slice() else {
        let what = if operands.is_empty() { "missing snapshot argument" } else { "too many arguments" };
        return super::dataset::usage_error(what, usage);
    };
    let Some(Input::Bytes(bytes)) = stdin else {
        return Output::error("Error: Backup stream can not be read from a terminal.\nYou must redirect standard input.\n", 1);
    };
    // The first read wants a whole `dmu_replay_record_t` (the lab's own
    // stream is shorter, and starts with its magic line).
    if bytes.len() < DRR_BYTES && !bytes.starts_with(MAGIC) {
        return Output::error("cannot receive: failed to read from stream\n", 1);
    }
    let has = |c: char| opts.iter().any(|o| o.0 == c);
    let flags = RecvFlags { dry_run: has('n'), verbose: has('v'), force: has('F'), unmounted: has('u') };
    let tail = if has('d') { Tail::AfterPool } else if has('e') { Tail::Last } else { Tail::None };
    if !matches!(tail, Tail::None) {
        if m.zfs().pool(crate::core::machine::pool_of(target)).and_then(|p| p.space(target)).is_none() {
            return Output::error(format!("cannot receive: specified fs ({target}) does not exist\n"), 1);
        }
        if target.contains('@') {
            return Output::error("cannot receive: invalid argument - snapshot not allowed with -d\n", 1);
        }
    }
    // Received on a copy: a failed or dry-run receive leaves nothing behind.
    let mut lab = m.clone();
    let mut out = Output::default();
    let mut rest: &[u8] = bytes;
    while !rest.is_empty() {
        let Some((header, payload, after)) = parse(rest) else {
            out.append(Output::error("cannot receive: invalid stream (bad magic number)\n", 1));
            return out;
        };
        let len = rest.len() - after.len();
        rest = after;
        match receive_one(&mut lab, target, tail, &header, payload, &flags, len) {
            Ok(o) => out.append(o),
            Err(e) => {
                out.append(Output::error(e, 1));
                return out;
            }
        }
    }
    if !flags.dry_run {
        *m = lab;
    }
    out
}

/// The sent name's part `-d` (all but the pool) or `-e` (the last) adds to the target.
#[derive(Clone, Copy)]
enum Tail {
    None,
    AfterPool,
    Last,
}

fn receive_one(m: &mut Machine, target: &str, tail: Tail, h: &Header, payload: &[u8], f: &RecvFlags, len: usize) -> Result<Output, String> {
    let (sent_fs, sent_snap) = h.snapshot.split_once('@').unwrap_or((&h.snapshot, ""));
    let (fs, snap) = match target.split_once('@') {
        Some((fs, snap)) => (fs.to_string(), snap.to_string()),
        None => {
            // A replication stream's descendants go below the target as
            // they were below the filesystem sent.
            let below = h.replicate.as_deref().and_then(|root| sent_fs.strip_prefix(root)).unwrap_or("");
            let last = h.replicate.as_deref().unwrap_or(sent_fs).rsplit('/').next().map(|l| format!("{l}{below}"));
            let suffix = match tail {
                Tail::None => None,
                Tail::AfterPool => sent_fs.split_once('/').map(|x| x.1.to_string()),
                Tail::Last => last,
            };
            (suffix.map_or(format!("{target}{below}"), |s| format!("{target}/{s}")), sent_snap.to_string())
        }
    };
    let kind = if h.from.is_some() { "incremental stream" } else { "full stream" };
    let mut text = String::new();
    if f.verbose {
        let would = if f.dry_run { "would receive" } else { "receiving" };
        text = format!("{would} {kind} of {} into {fs}@{snap}\n", h.snapshot);
    }
    let mut events = Vec::new();
    if !matches!(tail, Tail::None) {
        events.extend(create_parents(m, &fs)?);
    }
    // A dry run makes the same checks (on the caller's copy).
    let existed = m.zfs().pool(crate::core::machine::pool_of(&fs)).is_some_and(|p| p.dataset(&fs).is_some());
    // An incremental stream's snapshot name must be new (EEXIST); libzfs
    // then skips a stream whose snapshot the target already has, by guid.
    let target_snaps = m.zfs().pool(crate::core::machine::pool_of(&fs)).and_then(|p| p.dataset(&fs)).map(|d| d.snapshots.clone()).unwrap_or_default();
    if h.from.is_some() && target_snaps.iter().any(|s| s.name == snap) {
        if !target_snaps.iter().any(|s| s.guid == h.guid && h.guid != 0) {
            return Err(format!("cannot restore to {fs}@{snap}: destination already exists\n"));
        }
        if f.verbose {
            text += &format!("snap {fs}@{snap} already exists; ignoring\n");
        }
    } else {
        events.extend(apply(m, &fs, &snap, h, payload, f.force)?);
    }
    // `-u` leaves unmounted what the receive makes, and a filesystem a full
    // stream replaced (libzfs unmounts it and its children first, and does
    // not mount them again); an incremental receive leaves mounts alone.
    if f.unmounted && h.volume.is_none() && (!existed || h.from.is_none()) {
        events.extend(m.zfs_set_mounted(&fs, false).map_err(|e| message(&e))?);
    }
    if f.verbose && !f.dry_run {
        // The lab's pipe is instant; ZFS times the receive.
        text += &format!("received {} stream in 0.01 seconds ({}/sec)\n", nicenum(len as u64, true), nicenum(len as u64 * 100, true));
    }
    Ok(Output { events, ..Output::text(text, 0) })
}

/// `create_parents`: the filesystems above a received one, made empty.
fn create_parents(m: &mut Machine, fs: &str) -> Result<Vec<crate::core::Event>, String> {
    let mut events = Vec::new();
    let parts: Vec<&str> = fs.split('/').collect();
    for i in 2..parts.len() {
        let parent = parts[..i].join("/");
        if m.zfs().pool(parts[0]).is_some_and(|p| p.dataset(&parent).is_none()) {
            events.extend(m.zfs_create(&parent, NewDataset::Filesystem, Props::default()).map_err(|e| receive_error(&parent, &e))?);
        }
    }
    Ok(events)
}

/// One stream off the front: its header, its payload, and what follows.
fn parse(bytes: &[u8]) -> Option<(Header, &[u8], &[u8])> {
    let rest = bytes.strip_prefix(MAGIC)?;
    let end = rest.iter().position(|b| *b == b'\n')?;
    let header: Header = serde_json::from_slice(&rest[..end]).ok()?;
    let want = header.files.iter().map(|f| f.1).chain(header.ranges.iter().map(|r| r.1)).try_fold(0u64, u64::checked_add)?;
    let (payload, after) = rest[end + 1..].split_at_checked(usize::try_from(want).ok()?)?;
    Some((header, payload, after))
}

fn apply(m: &mut Machine, target: &str, snap_name: &str, h: &Header, payload: &[u8], force: bool) -> Result<Vec<crate::core::Event>, String> {
    let dataset = m.zfs().pool(crate::core::machine::pool_of(target)).and_then(|p| p.dataset(target));
    let exists = dataset.is_some();
    let mut events = Vec::new();
    match &h.from {
        None if exists && !force => return Err(format!("cannot receive new filesystem stream: destination '{target}' exists\nmust specify -F to overwrite it\n")),
        None if exists => {
            if let Some(s) = dataset.and_then(|d| d.snapshots.first()) {
                return Err(format!("cannot receive new filesystem stream: destination has snapshots (eg. {target}@{})\nmust destroy them to overwrite it\n", s.name));
            }
            let clone = dataset.is_some_and(|d| d.origin.is_some());
            // ZFS receives into a `%recv` clone and swaps it in, so the
            // target keeps its children and properties; only a volume
            // cannot take the place of a filesystem that has children.
            let child = m.zfs().pool(crate::core::machine::pool_of(target)).and_then(|p| p.datasets.iter().find(|d| d.name.strip_prefix(target).is_some_and(|r| r.starts_with('/'))));
            match (h.volume, child.map(|c| c.name.clone())) {
                (Some(_), _) if !target.contains('/') => return Err(format!("cannot receive new filesystem stream: destination {target} is the root dataset\ncannot overwrite with a ZVOL\n")),
                (Some(_), Some(child)) => return Err(format!("cannot receive new filesystem stream: destination has children (eg. {child})\ncannot overwrite with a ZVOL\n")),
                _ if clone => return Err(format!("cannot receive new filesystem stream: destination '{target}' is a clone\nmust destroy it to overwrite it\n")),
                (None, _) if volume_of(m, target).is_none() => {
                    clear_dir(m, target, "/", &mut events).map_err(|e| receive_error(target, &e))?;
                    events.extend(write(m, target, snap_name, h, payload)?);
                    // Remounting the children makes their mountpoints again.
                    for dir in child_mountpoints(m, target) {
                        // A directory the stream brought serves as it is.
                        if m.zfs_stat(target, &dir).is_ok() {
                            continue;
                        }
                        events.extend(m.zfs_create_file(target, &dir, true).map_err(|e| receive_error(target, &e))?);
                    }
                    return Ok(events);
                }
                _ => {
                    // A volume over a volume keeps the dataset's properties
                    // (they live in its dsl_dir); the size is the stream's.
                    let kept = dataset.filter(|_| volume_of(m, target).is_some() && h.volume.is_some()).map(|d| d.props.clone());
                    events.extend(m.zfs_destroy(target, false).map_err(|e| receive_error(target, &e))?);
                    let (size_bytes, volblocksize) = h.volume.unwrap_or_default();
                    let what = if h.volume.is_some() { NewDataset::Volume { size_bytes, volblocksize: Some(volblocksize), sparse: true } } else { NewDataset::Filesystem };
                    events.extend(m.zfs_create(target, what, kept.unwrap_or_default()).map_err(|e| receive_error(target, &e))?);
                    events.extend(write(m, target, snap_name, h, payload)?);
                    return Ok(events);
                }
            }
        }
        None => {
            let what = match h.volume {
                Some((size_bytes, volblocksize)) => NewDataset::Volume { size_bytes, volblocksize: Some(volblocksize), sparse: true },
                None => NewDataset::Filesystem,
            };
            events.extend(m.zfs_create(target, what, Props::default()).map_err(|e| receive_error(target, &e))?);
        }
        Some(_) if !exists => return Err(format!("cannot receive incremental stream: destination '{target}' does not exist\n")),
        Some(from) => events.extend(check_incremental(m, target, from, h.from_guid, force)?),
    }
    events.extend(write(m, target, snap_name, h, payload)?);
    Ok(events)
}

/// Writes a stream's contents into `target` and takes the sent snapshot.
fn write(m: &mut Machine, target: &str, snap_name: &str, h: &Header, payload: &[u8]) -> Result<Vec<crate::core::Event>, String> {
    let mut events = Vec::new();
    let mut at = 0usize;
    let err = |e: ZfsError| receive_error(target, &e);
    for dir in &h.dirs {
        events.extend(m.zfs_create_file(target, dir, true).map_err(err)?);
    }
    let mut take = |len: u64| {
        let bytes = usize::try_from(len).ok().and_then(|n| payload.get(at..at.checked_add(n)?)).unwrap_or_default();
        at += bytes.len();
        bytes
    };
    for (path, len) in &h.files {
        let bytes = take(*len);
        events.extend(m.zfs_put_file(target, path, false, Chunk::bytes(bytes)).map_err(err)?);
    }
    for (offset, len) in &h.ranges {
        let bytes = take(*len);
        events.extend(m.zvol_write(target, *offset, Chunk::bytes(bytes)).map_err(err)?);
    }
    for path in &h.removed {
        events.extend(m.zfs_remove(target, path).map_err(err)?);
    }
    events.extend(m.zfs_snapshot_received(&format!("{target}@{snap_name}"), h.guid).map_err(err)?);
    Ok(events)
}

/// The mountpoints, relative to `fs`'s root, of its mounted child
/// filesystems that inherit theirs.
fn child_mountpoints(m: &Machine, fs: &str) -> Vec<String> {
    let Some(pool) = m.zfs().pool(crate::core::machine::pool_of(fs)) else { return Vec::new() };
    let direct = |d: &&crate::core::zfs::Dataset| d.name.strip_prefix(fs).and_then(|r| r.strip_prefix('/')).is_some_and(|r| !r.contains('/'));
    let inherits = |d: &&crate::core::zfs::Dataset| d.props.mountpoint.is_none() && matches!(d.kind, DatasetKind::Filesystem) && !d.unmounted();
    pool.datasets.iter().filter(direct).filter(inherits).map(|d| format!("/{}", d.name.rsplit('/').next().unwrap_or_default())).collect()
}

/// Removes everything below `dir` in a filesystem, deepest first.
fn clear_dir(m: &mut Machine, fs: &str, dir: &str, events: &mut Vec<crate::core::Event>) -> Result<(), ZfsError> {
    for (name, is_dir) in m.zfs_readdir(fs, dir)? {
        let path = format!("{}/{name}", dir.trim_end_matches('/'));
        if is_dir {
            clear_dir(m, fs, &path, events)?;
        }
        events.extend(m.zfs_remove(fs, &path)?);
    }
    Ok(())
}

/// An incremental stream needs its source as the target's latest snapshot,
/// and no change since (`-F` rolls the change back first).
fn check_incremental(m: &mut Machine, target: &str, from: &str, from_guid: u64, force: bool) -> Result<Vec<crate::core::Event>, String> {
    let pool = m.zfs().pool(crate::core::machine::pool_of(target)).ok_or_else(|| format!("cannot open '{target}': dataset does not exist\n"))?;
    let ds = pool.dataset(target).ok_or_else(|| format!("cannot open '{target}': dataset does not exist\n"))?;
    // The kernel looks back through the snapshots for the stream's source
    // (by guid; a stream without one is matched by name). With -F it rolls
    // back to it, later snapshots and all; without, nothing may have been
    // written since it.
    let at = ds.snapshots.iter().rposition(|s| if from_guid == 0 { s.name == from } else { s.guid == from_guid });
    let Some(at) = at else {
        return Err(format!("cannot receive incremental stream: most recent snapshot of {target} does not\nmatch incremental source\n"));
    };
    let source = format!("{target}@{}", ds.snapshots[at].name);
    let later = &ds.snapshots[at + 1..];
    let written = |name: &str| pool.space(name).is_some_and(|s| s.written > 0);
    let modified = written(target) || later.iter().any(|s| written(&format!("{target}@{}", s.name)));
    if force && (modified || !later.is_empty()) {
        return m.zfs_rollback(&source, true).map_err(|e| receive_error(target, &e));
    }
    if modified {
        return Err(format!("cannot receive incremental stream: destination {target} has been modified\nsince most recent snapshot\n"));
    }
    Ok(Vec::new())
}

fn receive_error(target: &str, e: &ZfsError) -> String {
    match e {
        ZfsError::NoSpace => format!("cannot receive new filesystem stream: out of space\n{target}\n"),
        // zfs_receive_one opens the parent to validate it.
        ZfsError::ParentMissing(_) => format!("cannot open '{}': dataset does not exist\ncannot receive new filesystem stream: unable to restore to destination\n", target.rsplit_once('/').map_or(target, |p| p.0)),
        other => message(other),
    }
}
