//! `qemu-img commit` and `qemu-img rebase`, the two changes to a backing
//! chain, as QEMU 10.0.2 makes them (fixtures `files/qemu-img-commit` and
//! `files/qemu-img-rebase`).
//!
//! - `commit` copies every cluster the layers above the base hold into the
//!   base, then empties the top image (`qcow2_make_empty`: header, refcount
//!   table and block, and an L1 cluster, nothing else), unless `-d` or `-b`.
//! - `rebase -b NEW` copies into the top image each cluster it leaves
//!   unallocated where the old chain and the new one read differently, then
//!   names NEW in the header; `-b ''` flattens (the new chain reads zeros);
//!   `-u` only rewrites the header.
//!
//! Simplified: QEMU's commit is a block job with parallel requests, so the
//! base's new clusters land in an order that varies from run to run; here
//! they follow guest order. `-p` prints only the 0 and 100 records (rebase's
//! meter is `rebase_progress`). A top image with snapshots is not emptied.

use super::chain::{combine, union, Chain};
use crate::core::qcow2::guest::{Image, OFLAG_ZERO};
use super::{chain_error, fail, lock_error, open, probed_raw_warning, usage, write_piece, Facts};
use crate::console::{Output, Shell};
use crate::core::media::Chunk;
use crate::core::qcow2::{self, Backing, Header};

/// Options as (letter, value), in order, and the file operands.
type Parsed = (Vec<(char, String)>, Vec<String>);

/// `--image-opts` and `--object`, which have no letter.
const IMAGE_OPTS: char = '\u{1}';

/// The options of `qemu-img commit` and `rebase`, read as QEMU 10's
/// getopt_long reads them; `-h`/`--help` answers with the help text.
pub(super) fn options(cmd: &str, args: &[String], shorts: &'static str, longs: &'static str) -> Result<Parsed, Output> {
    let mut getopt = crate::console::hexdump::Getopt::new(args, shorts, longs);
    let mut opts = Vec::new();
    while let Some(parsed) = getopt.next(&format!("qemu-img {cmd}")) {
        match parsed {
            Ok(('h', _)) => return Err(Output::text(if cmd == "commit" { COMMIT_HELP } else { REBASE_HELP }, 0)),
            Ok((IMAGE_OPTS, _)) => return Err(fail("the lab names images by their file names only (no --image-opts)".into())),
            Ok((c, v)) => opts.push((c, v.unwrap_or_default())),
            Err(e) => return Err(usage(cmd, &e)),
        }
    }
    Ok((opts, getopt.operands))
}

const COMMIT_HELP: &str = include_str!("commit-help.txt");
const REBASE_HELP: &str = include_str!("rebase-help.txt");
const COMMIT_SHORT: &str = "f:ht:b:dpqr:\u{1}\u{2}:";
const COMMIT_LONG: &str = "help=h,object=\u{2},image-opts=\u{1},quiet=q,progress=p,format=f,cache=t,drop=d,base=b,rate=r";
pub(super) const REBASE_SHORT: &str = "hf:F:b:upt:T:qUc\u{1}\u{2}:";
pub(super) const REBASE_LONG: &str = "help=h,object=\u{2},image-opts=\u{1},quiet=q,progress=p,format=f,cache=t,backing=b,backing-format=F,backing-cache=T,backing-unsafe=u,compress=c,force-share=U";

pub(super) fn value(opts: &[(char, String)], c: char) -> Option<&str> {
    opts.iter().rev().find(|o| o.0 == c).map(|o| o.1.as_str())
}

pub(super) fn has(opts: &[(char, String)], c: char) -> bool {
    opts.iter().any(|o| o.0 == c)
}

/// The one image a command names, opened; a raw image (probed, or given
/// with `-f raw`) gets `raw_error` after QEMU's probing warning.
fn the_image(shell: &Shell, cmd: &str, opts: &[(char, String)], files: &[String], raw_error: &dyn Fn(&str) -> String) -> Result<Facts, Output> {
    let [name] = files else {
        return Err(usage(cmd, "qemu-img: Expecting one image file name"));
    };
    let format = value(opts, 'f');
    let f = open(shell, name, format, super::Access::Write)?;
    if f.header.is_none() {
        let warning = if format.is_none() { probed_raw_warning(name) } else { String::new() };
        return Err(Output::error(format!("{warning}qemu-img: {}\n", raw_error(name)), 1));
    }
    if let Some(why) = lock_error(shell, name, true) {
        return Err(fail(format!("Could not open '{name}': {why}")));
    }
    Ok(f)
}

/// A commit that stops after its image opened: with -p, the progress meter
/// has started (native: the browser's budget). A file that does not open
/// stops before it.
#[cfg(feature = "qemu-img-arg-checks")]
fn commit_failed(opts: &[(char, String)], mut e: Output) -> Output {
    let opened = !e.err.contains("Could not open");
    if opened && has(opts, 'p') && !has(opts, 'q') {
        // The meter's line is flushed before the error, its end after it.
        #[cfg(feature = "shell-scripts")]
        {
            e.both = Some(format!("    (0.00/100%)\r{}\n", e.err));
        }
        e.text.insert_str(0, "    (0.00/100%)\r\n");
    }
    e
}

/// The image commit opens, refused when it has no backing file: with -b,
/// as one whose chain lacks BASE.
#[cfg(feature = "qemu-img-arg-checks")]
fn no_base_in_chain(shell: &Shell, opts: &[(char, String)], files: &[String]) -> Result<Facts, Output> {
    let no_backing = |name: &str| match value(opts, 'b') {
        Some(b) => format!("Did not find '{b}' in the backing chain of '{name}'"),
        None => "Image does not have a backing file".into(),
    };
    let f = the_image(shell, "commit", opts, files, &no_backing)?;
    // A chain that does not open says so first (commit's own check).
    if f.backing.is_some() && chain_error(shell, &f).is_some() {
        return Ok(f);
    }
    let chain = Chain::open(&shell.machine, &f.name, &f.path, false);
    let base_found = value(opts, 'b').is_none_or(|b| chain.layers.iter().skip(1).any(|l| l.path == shell.abs(b)));
    match (&f.backing, base_found) {
        (Some(_), true) => Ok(f),
        _ => Err(fail(no_backing(&f.name))),
    }
}

/// `qemu-img commit [-q] [-d] [-p] [-b BASE] [-f FMT] [-t CACHE] FILE`.
pub fn commit(shell: &mut Shell, args: &[String]) -> Output {
    let (opts, files) = match options("commit", args, COMMIT_SHORT, COMMIT_LONG) {
        Ok(v) => v,
        Err(e) => return e,
    };
    if let Some(t) = value(&opts, 't').filter(|t| !matches!(*t, "none" | "writeback" | "writethrough" | "directsync" | "unsafe")) {
        return fail(format!("Invalid cache option: {t}"));
    }
    // With -b, an image without a backing file has no BASE in its chain
    // either, and -p's meter has started (native: the browser's budget).
    #[cfg(feature = "qemu-img-arg-checks")]
    let f = match no_base_in_chain(shell, &opts, &files) {
        Ok(f) => f,
        Err(e) => return commit_failed(&opts, e),
    };
    #[cfg(not(feature = "qemu-img-arg-checks"))]
    let f = match the_image(shell, "commit", &opts, &files, &|_| "Image does not have a backing file".into()) {
        Ok(f) => f,
        Err(e) => return e,
    };
    if f.backing.is_none() {
        return fail("Image does not have a backing file".into());
    }
    if let Some(e) = chain_error(shell, &f) {
        return e;
    }
    let chain = Chain::open(&shell.machine, &f.name, &f.path, false);
    let base = match value(&opts, 'b') {
        None => 1,
        Some(b) => match chain.layers.iter().skip(1).position(|l| l.path == shell.abs(b)) {
            Some(i) => i + 1,
            None => return fail(format!("Did not find '{b}' in the backing chain of '{}'", f.name)),
        },
    };
    let (Some(top), Some(target)) = (chain.layers.first(), chain.layers.get(base)) else {
        return fail(format!("Could not open '{}'", f.name));
    };
    let mut events = Vec::new();
    if target.size < top.size {
        // The commit job first grows the base to the top's size.
        match grow(&mut shell.machine, target, top.size) {
            Ok(e) => events = e,
            Err(e) => return fail(format!("Could not resize {}: {e}", target.name)),
        }
    }
    let chain = Chain::open(&shell.machine, &f.name, &f.path, false);
    let empty = !has(&opts, 'd') && !has(&opts, 'b');
    if empty && !f.snapshots.is_empty() {
        return fail("the lab does not empty an image with internal snapshots after a commit; add -d".into());
    }
    match copy_down(shell, &chain, base) {
        Ok(e) => events.extend(e),
        Err(e) => return fail(format!("Block job failed: {e}")),
    }
    if empty {
        match make_empty(&mut shell.machine, &f) {
            Ok(e) => events.extend(e),
            Err(e) => return fail(format!("Could not empty {}: {e}", f.name)),
        }
    }
    let text = match (has(&opts, 'q'), has(&opts, 'p')) {
        (true, _) => String::new(),
        (false, true) => "    (0.00/100%)\r    (100.00/100%)\r\nImage committed.\n".into(),
        (false, false) => "Image committed.\n".into(),
    };
    Output { text, events, ..Output::default() }
}

/// A backing file grown to `size`: a qcow2 one as `qemu-img resize` grows it
/// (over its own backing file, the new part reads as zeros), a raw one cut
/// longer.
fn grow(m: &mut crate::core::machine::Machine, layer: &super::chain::Layer, size: u64) -> Result<Vec<crate::core::Event>, String> {
    let Some(mut image) = layer.image.clone() else {
        return m.truncate_file(&layer.path, size).map_err(|e| e.text().to_string());
    };
    super::chain::attach_below(m, &layer.path, &mut image);
    let writes = image.grow(size, &mut |o, n| m.read_file(&layer.path, o, n).unwrap_or_default()).map_err(|e| e.text().to_string())?;
    super::apply_writes(m, &layer.path, writes)
}

/// The guest ranges layers `0..base` hold, in guest order, within the top
/// image: (start, end, zero) where the topmost layer holding a range has a
/// zero cluster there.
fn held_above(shell: &Shell, chain: &Chain, base: usize) -> Vec<(u64, u64, bool)> {
    let m = &shell.machine;
    let size = chain.layers.first().map_or(0, |l| l.size);
    let mut held: Vec<(u64, u64, bool)> = Vec::new();
    for layer in chain.layers.iter().take(base) {
        let Some(image) = &layer.image else { continue };
        let c = image.header.cluster_bytes();
        for (g, entry) in image.entries(&mut |o, n| m.read_file(&layer.path, o, n).unwrap_or_default()) {
            let (start, end) = (g * c, ((g + 1) * c).min(size));
            if start < end && !held.iter().any(|h| h.0 < end && start < h.1) {
                held.push((start, end, entry & OFLAG_ZERO != 0));
            }
        }
    }
    held.sort_unstable();
    held
}

/// Writes what the top image reads in every range held above the base
/// into the base (a qcow2 base through its tables). Zero clusters stay zero
/// clusters, and the base frees what it held there, as QEMU's zero writes
/// with unmap do.
fn copy_down(shell: &mut Shell, chain: &Chain, base: usize) -> Result<Vec<crate::core::Event>, String> {
    let held = held_above(shell, chain, base);
    let target = chain.layers.get(base).ok_or("no base image")?;
    let mut image = target.image.clone();
    if let Some(image) = image.as_mut() {
        super::chain::attach_below(&shell.machine, &target.path, image);
    }
    let mut events = Vec::new();
    for (start, end, zero) in held {
        match image.as_mut().filter(|_| zero) {
            // A raw base gets a hole (the zero write with unmap punches one).
            None if zero => events.extend(shell.machine.punch_file(&target.path, start, end - start).map_err(|e| e.text().to_string())?),
            Some(image) => {
                // The discard's table writes land before the zero write reads the tables.
                for op in [Image::discard, Image::write_zeroes] {
                    let m = &mut shell.machine;
                    let writes = op(image, start, end - start, &mut |o, n| m.read_file(&target.path, o, n).unwrap_or_default()).map_err(|e| e.text().to_string())?;
                    events.extend(super::apply_writes(m, &target.path, writes)?);
                }
            }
            None => {
                let bytes = chain.read(&shell.machine, start, end - start);
                events.extend(write_piece(&mut shell.machine, &target.path, image.as_mut(), start, &Chunk::bytes(&bytes))?);
            }
        }
    }
    Ok(events)
}

/// `qcow2_make_empty` on an image without snapshots
/// (`make_completely_empty`): the L1 table and the three clusters after
/// the header zeroed with `fallocate(ZERO_RANGE)` (unwritten on ext4), the
/// header pointed at a new refcount table, its first entry and the one
/// refcount block written, and the file cut to those clusters.
fn make_empty(m: &mut crate::core::machine::Machine, f: &Facts) -> Result<Vec<crate::core::Event>, String> {
    let h = f.header.as_ref().ok_or("not a qcow2 image")?;
    let backing = f.backing.as_ref().map(|(file, format, _)| Backing { file: file.clone(), format: format.clone() });
    let created = qcow2::create(h.size, h.cluster_bits, h.lazy_refcounts(), backing.as_ref()).map_err(|_| "its metadata does not fit one refcount block".to_string())?;
    let c = h.cluster_bytes();
    let l1_clusters = (u64::from(h.l1_size) * 8).div_ceil(c);
    let failed = |e: crate::core::vfs::VfsError| e.text().to_string();
    let mut events = m.zero_range_file(&f.path, h.l1_table_offset, l1_clusters * c).map_err(failed)?;
    events.extend(m.zero_range_file(&f.path, c, (2 + l1_clusters) * c).map_err(failed)?);
    let [(0, head), (_, reftable), (_, refblock), ..] = created.writes.as_slice() else {
        return Err("its metadata does not fit one refcount block".into());
    };
    for (at, bytes) in [(0, &head[..]), (c, &reftable[..8]), (2 * c, &refblock[..])] {
        events.extend(m.write_file(&f.path, at, Chunk::bytes(bytes)).map_err(failed)?);
    }
    events.extend(m.truncate_file(&f.path, (3 + l1_clusters) * c).map_err(failed)?);
    Ok(events)
}

/// `qemu-img rebase [-q] [-u] [-p] [-f FMT] [-t CACHE] [-T CACHE] -b BACKING [-F FMT] FILE`.
pub fn rebase(shell: &mut Shell, args: &[String]) -> Output {
    let (opts, files) = match options("rebase", args, REBASE_SHORT, REBASE_LONG) {
        Ok(v) => v,
        Err(e) => return e,
    };
    if files.len() != 1 {
        return usage("rebase", "qemu-img: Expecting one image file name");
    }
    let (unsafe_mode, new) = (has(&opts, 'u'), value(&opts, 'b').map(str::to_string));
    let Some(new) = new.or_else(|| unsafe_mode.then(String::new)) else {
        return usage("rebase", "qemu-img: Must specify backing file (-b) or use unsafe mode (-u)");
    };
    if let Some(f) = value(&opts, 'F').filter(|f| !matches!(*f, "raw" | "qcow2") && !super::other_format(f)) {
        return fail(format!("Invalid format name: '{f}'"));
    }
    let cannot = |why: &str| format!("Could not change the backing file to '{new}': {why}");
    // A raw image cannot take a backing file, but safe mode opens the new one first.
    let raw_error = |name: &str| {
        let path = combine(&shell.abs(name), &new);
        match shell.machine.stat_path(&path) {
            Err(e) if !unsafe_mode && !new.is_empty() => format!("Could not open new backing file '{new}': Could not open '{path}': {}", e.text()),
            _ => cannot("Operation not supported"),
        }
    };
    let f = match the_image(shell, "rebase", &opts, &files, &raw_error) {
        Ok(f) => f,
        Err(e) => return e,
    };
    let format = value(&opts, 'F').map(str::to_string);
    let mut events = Vec::new();
    if !unsafe_mode {
        match copy_differences(shell, &f, &new, format.as_deref()) {
            Ok(e) => events = e,
            Err(e) => return e,
        }
    }
    if !new.is_empty() && format.is_none() {
        return Output { events, ..fail(cannot("backing format must be specified")) };
    }
    if new.is_empty() && f.backing.is_none() {
        return Output { events, ..Output::default() };
    }
    let backing = format.filter(|_| !new.is_empty()).map(|format| Backing { file: new.clone(), format });
    match rewrite_header(&mut shell.machine, &f, backing.as_ref()) {
        Ok(e) => events.extend(e),
        Err(e) => return Output { events, ..fail(cannot(&e)) },
    }
    let text = if has(&opts, 'p') && !has(&opts, 'q') { "    (0.00/100%)\r    (100.00/100%)\r\n" } else { "" };
    Output { text: text.into(), events, ..Output::default() }
}

/// Safe mode: each cluster the image leaves to its backing chain that the
/// old chain and the new one (`new`, relative to the image; zeros for '')
/// read differently gets the old bytes, in guest order.
fn copy_differences(shell: &mut Shell, f: &Facts, new: &str, format: Option<&str>) -> Result<Vec<crate::core::Event>, Output> {
    if let Some(e) = chain_error(shell, f) {
        return Err(e);
    }
    let m = &shell.machine;
    let old = Chain::open(m, &f.name, &f.path, false);
    // The new chain: the layers from `k` down of the old one when it is
    // already in it (QEMU does not reopen it), else a chain of its own.
    let (fresh, k) = if new.is_empty() {
        (None, None)
    } else {
        let (name, path) = (combine(&f.name, new), combine(&f.path, new));
        let cannot = |why: String| fail(format!("Could not open new backing file '{new}': {why}"));
        match m.stat_path(&path) {
            Err(e) => return Err(cannot(format!("Could not open '{name}': {}", e.text()))),
            Ok(st) if st.stat.is_dir => return Err(cannot(format!("'file' driver requires '{path}' to be a regular file"))),
            // The image itself is open for writing already.
            Ok(_) if path == f.path => return Err(cannot(format!("Failed to get shared \"write\" lock\nIs another process using the image [{name}]?"))),
            Ok(_) => {}
        }
        let k = old.layers.iter().skip(1).position(|l| l.path == path).map(|i| i + 1);
        match format {
            Some("qcow2") if qcow2::Header::decode(&m.read_file(&path, 0, 512).unwrap_or_default()).is_none() => return Err(cannot("Image is not in qcow2 format".into())),
            Some("vmdk") if k.is_none() => return Err(cannot("invalid VMDK image descriptor".into())),
            Some(f) if k.is_none() && !matches!(f, "raw" | "qcow2") => return Err(cannot(format!("the lab reads raw and qcow2 images only, and this is no '{f}' image"))),
            _ => {}
        }
        let fresh = k.is_none().then(|| Chain::open(m, &name, &path, format == Some("raw")));
        // A new chain that reaches the image meets its write lock (native:
        // the browser's budget).
        #[cfg(feature = "qemu-img-arg-checks")]
        {
            let image = crate::core::machine::files::normalize(&f.path);
            if let Some((depth, layer)) = fresh.iter().flat_map(|c| c.layers.iter().enumerate()).find(|(_, l)| crate::core::machine::files::normalize(&l.path) == image) {
                let nested = "Could not open backing file: ".repeat(depth);
                return Err(cannot(format!("{nested}Failed to get shared \"write\" lock\nIs another process using the image [{}]?", layer.name)));
            }
        }
        (fresh, k)
    };
    let candidates = union(&old.data_ranges_from(m, 1), &fresh.as_ref().map_or(Vec::new(), |n| n.data_ranges_from(m, 0)));
    let will = |at: u64, n: u64| {
        let mut out = Vec::with_capacity(n as usize);
        match (&fresh, k) {
            (_, Some(k)) => old.read_layer(m, k, at, n, &mut out),
            (Some(chain), None) => chain.read_layer(m, 0, at, n, &mut out),
            (None, None) => out.resize(n as usize, 0),
        }
        out
    };
    let copies = differing(shell, &old, &candidates, &will);
    write_copies(shell, f, &old, copies)
}

/// The clusters in `candidates` the image falls through at whose old chain
/// reads other than `will`: (offset, the old bytes, or `None` past the old
/// backing file's end, where QEMU writes a zero cluster).
fn differing(shell: &Shell, old: &Chain, candidates: &[(u64, u64)], will: &dyn Fn(u64, u64) -> Vec<u8>) -> Vec<(u64, Option<Vec<u8>>)> {
    let m = &shell.machine;
    let Some((top, Some(image))) = old.layers.first().map(|t| (t, &t.image)) else { return Vec::new() };
    let (c, size, old_end) = (image.header.cluster_bytes(), top.size, old.layers.get(1).map_or(0, |l| l.size));
    let mut l2 = |t: u64, i: u64| m.read_file(&top.path, t + 8 * i, 8).ok().and_then(|b| Some(u64::from_be_bytes(b.get(..8)?.try_into().ok()?))).unwrap_or(0);
    let mut out = Vec::new();
    for &(start, end) in candidates {
        let mut at = start / c * c;
        while at < end.min(size) {
            let n = c.min(size - at);
            if image.falls_through(at, &mut l2) {
                let mut was = Vec::with_capacity(n as usize);
                old.read_layer(m, 1, at, n, &mut was);
                if was != will(at, n) {
                    out.push((at, (at < old_end).then_some(was)));
                }
            }
            at += c;
        }
    }
    out
}

/// Writes the copies into the image: bytes as data clusters, `None` as a
/// zero cluster.
fn write_copies(shell: &mut Shell, f: &Facts, old: &Chain, copies: Vec<(u64, Option<Vec<u8>>)>) -> Result<Vec<crate::core::Event>, Output> {
    let Some((top, Some(mut image))) = old.layers.first().map(|t| (t, t.image.clone())) else { return Ok(Vec::new()) };
    super::chain::attach_below(&shell.machine, &top.path, &mut image);
    let (c, size, path) = (image.header.cluster_bytes(), top.size, top.path.clone());
    let failed = |e: String| fail(format!("Could not write to {}: {e}", f.name));
    let mut events = Vec::new();
    for (at, bytes) in copies {
        match bytes {
            Some(bytes) => events.extend(write_piece(&mut shell.machine, &path, Some(&mut image), at, &Chunk::bytes(&bytes)).map_err(failed)?),
            None => {
                let m = &mut shell.machine;
                let writes = image.write_zeroes(at, c.min(size - at), &mut |o, len| m.read_file(&path, o, len).unwrap_or_default()).map_err(|e| failed(e.text().to_string()))?;
                events.extend(super::apply_writes(m, &path, writes).map_err(failed)?);
            }
        }
    }
    Ok(events)
}

/// Cluster 0 rewritten with the new backing file (or none): the header
/// cluster a new image with that backing file gets, with this image's
/// header fields.
fn rewrite_header(m: &mut crate::core::machine::Machine, f: &Facts, backing: Option<&Backing>) -> Result<Vec<crate::core::Event>, String> {
    let h = f.header.as_ref().ok_or("Operation not supported")?;
    let created = qcow2::create(h.size, h.cluster_bits, h.lazy_refcounts(), backing).map_err(|_| "No space left on device".to_string())?;
    let mut head = created.writes.into_iter().next().map(|w| w.1).unwrap_or_default();
    let header = Header { backing_file_offset: created.header.backing_file_offset, backing_file_size: created.header.backing_file_size, ..h.clone() };
    let fields = header.encode();
    head.get_mut(..fields.len()).ok_or("Operation not supported")?.copy_from_slice(&fields);
    m.write_file(&f.path, 0, Chunk::bytes(&head)).map_err(|e| e.text().to_string())
}
