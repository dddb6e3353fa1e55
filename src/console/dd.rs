//! dd from coreutils 9.1: operands, the copy through the core's block I/O, and
//! its three summary lines.
//!
//! The copy moves described content (zeros, seeded random data, a device's
//! extents), so `dd if=/dev/urandom of=/dev/sdb bs=1M count=10240` costs one
//! extent. Records are counted as dd counts them: with `bs=` each input record
//! is one write; with separate `ibs=`/`obs=` output is re-blocked. The elapsed
//! time is computed from a fixed throughput so output stays reproducible.
//! Simplified: `conv=` flags other than `notrunc` and `sparse` (into a
//! file; native only) change nothing, and input never returns short reads
//! except at its end.

use crate::core::event::Event;
use super::fmt::{coreutils_human, printf_g_nanos};
use super::{Output, Shell};
use crate::core::device::DevId;
use crate::core::machine::{IoError, Machine};
use crate::core::media::Chunk;
use crate::core::vfs::VfsError;

const ZVOL_READ_LIMIT_BYTES: u64 = 64 << 20;

/// The simulated disks copy at 1.5 GB/s after a fixed start-up cost.
const START_NANOS: u64 = 45_000;
const BYTES_PER_SECOND: u64 = 1_500_000_000;

#[derive(Debug, Clone)]
enum Source {
    Zero,
    Random,
    Stdin(Vec<u8>),
    Device(DevId),
    /// A regular file, by absolute path.
    File(String),
    /// A ZFS volume by its `/dev/zvol/POOL/NAME` path, read through the pool.
    Zvol(String),
}

#[derive(Debug, Clone)]
enum Sink {
    Device(DevId),
    Zvol(String),
    File(String),
    /// Standard output: the bytes go to the next command or the screen.
    Stdout,
    Null,
}

#[derive(Debug)]
struct Operands {
    input: Option<String>,
    output: Option<String>,
    ibs: u64,
    obs: u64,
    /// `bs=` was given: each input record is written as it was read.
    bs_mode: bool,
    count: Option<u64>,
    skip: u64,
    seek: u64,
    notrunc: bool,
    /// `conv=sparse`: all-zero output blocks are seeked over, not written.
    sparse: bool,
    status: Status,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Status {
    Default,
    None,
    NoXfer,
}

fn fail(err: String) -> Output {
    Output { err, exit_status: 1, ..Output::default() }
}

/// dd's number syntax: digits, a multiplier suffix, and `x` products.
fn parse_number(text: &str) -> Option<u64> {
    let mut total: u64 = 1;
    for part in text.split('x') {
        let end = part.find(|c: char| !c.is_ascii_digit()).unwrap_or(part.len());
        // A factor may be a bare suffix: `1xM` is one mebibyte.
        if end == 0 && (part.is_empty() || part == "x") {
            return None;
        }
        let n: u64 = if end == 0 { 1 } else { part[..end].parse().ok()? };
        let mult: u64 = match &part[end..] {
            "" | "c" => 1,
            "w" => 2,
            "b" => 512,
            "kB" | "KB" => 1000,
            "K" | "k" | "KiB" => 1 << 10,
            "MB" => 1000_000,
            "M" | "MiB" => 1 << 20,
            "GB" => 1000_000_000,
            "G" | "GiB" => 1 << 30,
            "TB" => 1000_000_000_000,
            "T" | "TiB" => 1 << 40,
            "PB" => 1000_000_000_000_000,
            "P" | "PiB" => 1 << 50,
            "EB" => 1000_000_000_000_000_000,
            "E" | "EiB" => 1 << 60,
            _ => return None,
        };
        total = total.checked_mul(n)?.checked_mul(mult)?;
    }
    Some(total)
}

fn invalid(kind: &str, value: &str) -> Output {
    // coreutils puts no colon after "unrecognized operand".
    let sep = if kind == "unrecognized operand" { "" } else { ":" };
    fail(format!("dd: {kind}{sep} \u{2018}{value}\u{2019}\nTry 'dd --help' for more information.\n"))
}

fn parse(args: &[String]) -> Result<Operands, Output> {
    let mut o = Operands { input: None, output: None, ibs: 512, obs: 512, bs_mode: false, count: None, skip: 0, seek: 0, notrunc: false, sparse: false, status: Status::Default };
    for a in args {
        let Some((k, v)) = a.split_once('=') else {
            return Err(invalid("unrecognized operand", a));
        };
        let number = || parse_number(v).ok_or_else(|| fail(format!("dd: invalid number: \u{2018}{v}\u{2019}\n")));
        let block = || number().and_then(|n| if n == 0 { Err(fail(format!("dd: invalid number: \u{2018}{v}\u{2019}\n"))) } else { Ok(n) });
        match k {
            "if" => o.input = Some(v.to_string()),
            "of" => o.output = Some(v.to_string()),
            "bs" => {
                let n = block()?;
                (o.ibs, o.obs, o.bs_mode) = (n, n, true);
            }
            "ibs" => o.ibs = block()?,
            "obs" => o.obs = block()?,
            "count" => o.count = Some(number()?),
            "skip" | "iseek" => o.skip = number()?,
            "seek" | "oseek" => o.seek = number()?,
            "conv" => {
                for c in v.split(',') {
                    match c {
                        "notrunc" => o.notrunc = true,
                        "sparse" => o.sparse = true,
                        "fsync" | "fdatasync" | "sync" | "noerror" | "excl" | "nocreat" => {}
                        _ => return Err(invalid("invalid conversion", c)),
                    }
                }
            }
            "status" => {
                o.status = match v {
                    "none" => Status::None,
                    "noxfer" => Status::NoXfer,
                    "progress" => Status::Default,
                    _ => return Err(invalid("invalid status level", v)),
                }
            }
            "iflag" | "oflag" => {}
            _ => return Err(invalid("unrecognized operand", a)),
        }
    }
    Ok(o)
}

/// What the copy did, in dd's counters.
#[derive(Debug, Default, PartialEq, Eq)]
struct Tally {
    in_full: u64,
    in_part: u64,
    out_full: u64,
    out_part: u64,
    bytes: u64,
}

/// Counts records for `in_len` input bytes written into `room` bytes of output
/// (None: unlimited). Returns the tally and whether the output ran out.
fn tally(o: &Operands, in_len: u64, room: Option<u64>) -> (Tally, bool) {
    let records_in = |len: u64| (len / o.ibs, u64::from(len % o.ibs > 0));
    let fits = room.is_none_or(|r| r >= in_len);
    if fits {
        let (in_full, in_part) = records_in(in_len);
        let (out_full, out_part) = if o.bs_mode { (in_full, in_part) } else { (in_len / o.obs, u64::from(in_len % o.obs > 0)) };
        return (Tally { in_full, in_part, out_full, out_part, bytes: in_len }, false);
    }
    let room = room.unwrap_or(0);
    let block = if o.bs_mode { o.ibs } else { o.obs };
    // Whole writes that fit; the next one is cut short or fails.
    let whole = room / block;
    let consumed = ((whole + 1) * block).min(in_len);
    let (in_full, in_part) = records_in(consumed);
    (Tally { in_full, in_part, out_full: whole, out_part: 0, bytes: room }, true)
}

/// The byte summary line, as dd prints it.
fn summary(bytes: u64) -> String {
    const SI: [&str; 9] = ["B", "kB", "MB", "GB", "TB", "PB", "EB", "ZB", "YB"];
    const IEC: [&str; 9] = ["B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB", "ZiB", "YiB"];
    let nanos = START_NANOS + (bytes as u128 * 1_000_000_000 / BYTES_PER_SECOND as u128) as u64;
    let rate = (bytes as u128 * 1_000_000_000 / nanos as u128) as u64;
    let (rn, re) = coreutils_human(rate, 1000);
    let rate_text = if re == 0 { format!("{}.{} kB/s", rate / 1000, rate % 1000 / 100) } else { format!("{rn} {}/s", SI[re]) };
    let time = format!("{} s, {rate_text}", printf_g_nanos(nanos));
    let (sn, se) = coreutils_human(bytes, 1000);
    let (inum, ie) = coreutils_human(bytes, 1024);
    match (se, ie) {
        (0, _) if bytes == 1 => format!("1 byte copied, {time}\n"),
        (0, _) => format!("{bytes} bytes copied, {time}\n"),
        (_, 0) => format!("{bytes} bytes ({sn} {}) copied, {time}\n", SI[se]),
        _ => format!("{bytes} bytes ({sn} {}, {inum} {}) copied, {time}\n", SI[se], IEC[ie]),
    }
}

fn report(o: &Operands, t: &Tally) -> String {
    match o.status {
        Status::None => String::new(),
        Status::NoXfer => format!("{}+{} records in\n{}+{} records out\n", t.in_full, t.in_part, t.out_full, t.out_part),
        Status::Default => format!("{}+{} records in\n{}+{} records out\n{}", t.in_full, t.in_part, t.out_full, t.out_part, summary(t.bytes)),
    }
}

fn open_source(shell: &Shell, path: Option<&str>, stdin: Option<&[u8]>) -> Result<Source, String> {
    let p = match path {
        None | Some("/dev/stdin") => return Ok(Source::Stdin(stdin.unwrap_or_default().to_vec())),
        Some("/dev/zero") => return Ok(Source::Zero),
        Some("/dev/urandom" | "/dev/random") => return Ok(Source::Random),
        Some(p) => p,
    };
    let abs = shell.abs(p);
    if let Some(ds) = shell.machine.zvol_path(&abs) {
        return Ok(Source::Zvol(ds));
    }
    if let Some(dev) = abs.strip_prefix("/dev/").and_then(|_| shell.machine.resolve(&abs)) {
        // An invalidated snapshot fails every read.
        if matches!(shell.machine.written_pieces(dev, 0, 1), Err(IoError::Invalidated)) {
            return Err(format!("dd: error reading '{p}': Input/output error\n"));
        }
        return Ok(Source::Device(dev));
    }
    match shell.machine.stat_path(&abs) {
        Ok(s) if !s.stat.is_dir => Ok(Source::File(abs)),
        Ok(_) => Err(format!("dd: error reading '{p}': Is a directory\n")),
        Err(e) => Err(format!("dd: failed to open '{p}': {}\n", e.text())),
    }
}

/// Opens the output; a file is created, and cut at the seek point unless
/// `conv=notrunc`.
fn open_sink(shell: &mut Shell, path: Option<&str>, truncate_at: Option<u64>) -> Result<Sink, String> {
    let p = match path {
        None | Some("/dev/stdout") => return Ok(Sink::Stdout),
        Some("/dev/null") => return Ok(Sink::Null),
        Some(p) => p,
    };
    let abs = shell.abs(p);
    if let Some(ds) = shell.machine.zvol_path(&abs) {
        return Ok(Sink::Zvol(ds));
    }
    if let Some(dev) = abs.strip_prefix("/dev/").and_then(|_| shell.machine.resolve(&abs)) {
        return Ok(Sink::Device(dev));
    }
    let opened = shell.machine.create_file(&abs, false).and_then(|_| match truncate_at {
        Some(at) => shell.machine.truncate_file(&abs, at).map(|_| ()),
        None => Ok(()),
    });
    match opened {
        Ok(()) => Ok(Sink::File(abs)),
        Err(e) => Err(format!("dd: failed to open '{p}': {}\n", e.text())),
    }
}

/// What a volume takes from `seek`: up to its end, and (with the `zfs`
/// feature) no more than its quotas leave.
fn zvol_room(machine: &Machine, name: &str, seek: u64) -> u64 {
    let room = zvol_size(machine, name).saturating_sub(seek);
    #[cfg(feature = "zfs")]
    let room = room.min(machine.zfs_file_room(name).unwrap_or(room));
    room
}

fn zvol_size(machine: &Machine, name: &str) -> u64 {
    // Without ZFS in the build (the browser) there are no volumes.
    if cfg!(not(feature = "zfs")) {
        return 0;
    }
    let ds = machine.zfs().pool(crate::core::machine::pool_of(name)).and_then(|p| p.dataset(name));
    match ds.map(|d| &d.kind) {
        Some(crate::core::zfs::DatasetKind::Volume { size_bytes, .. }) => *size_bytes,
        _ => 0,
    }
}

/// Runs `dd` with `stdin` as its standard input.
pub fn run(shell: &mut Shell, args: &[String], stdin: Option<&[u8]>) -> Output {
    let o = match parse(args) {
        Ok(o) => o,
        Err(out) => return out,
    };
    let source = match open_source(shell, o.input.as_deref(), stdin) {
        Ok(s) => s,
        Err(e) => return fail(e),
    };
    let seek_bytes = o.seek.saturating_mul(o.obs);
    let sink = match open_sink(shell, o.output.as_deref(), (!o.notrunc).then_some(seek_bytes)) {
        Ok(s) => s,
        Err(e) => return fail(e),
    };
    let machine = &mut shell.machine;
    let skip_bytes = o.skip.saturating_mul(o.ibs);
    let available = match &source {
        Source::Zero | Source::Random => None,
        Source::Stdin(b) => Some((b.len() as u64).saturating_sub(skip_bytes)),
        Source::File(p) => Some(machine.file_size(p).unwrap_or(0).saturating_sub(skip_bytes)),
        Source::Device(_) | Source::Zvol(_) => {
            let size = match &source {
                Source::Device(d) => machine.size_of(*d),
                Source::Zvol(v) => zvol_size(machine, v),
                _ => 0,
            };
            if skip_bytes > size {
                let name = o.input.clone().unwrap_or_default();
                return fail(format!("dd: {name}: cannot skip: Invalid argument\n{}", report(&o, &Tally::default())));
            }
            Some(size - skip_bytes)
        }
    };
    let wanted = o.count.map(|c| c.saturating_mul(o.ibs));
    let in_len = match (available, wanted) {
        (Some(a), Some(w)) => a.min(w),
        (Some(a), None) => a,
        (None, Some(w)) => w,
        (None, None) => u64::MAX,
    };
    let room = match &sink {
        Sink::Device(d) => Some(machine.size_of(*d).saturating_sub(seek_bytes)),
        Sink::Zvol(v) => Some(zvol_room(machine, v, seek_bytes)),
        Sink::File(p) => file_room(machine, p, seek_bytes, in_len, o.obs),
        Sink::Null | Sink::Stdout => None,
    };
    let in_len = if matches!(sink, Sink::Stdout) { in_len.min(super::STREAM_LIMIT_BYTES) } else { in_len };
    // A volume's bytes are read into memory (through the pool's checksums),
    // so a read is capped where a disk's described extents are not.
    if matches!(source, Source::Zvol(_)) && in_len > ZVOL_READ_LIMIT_BYTES {
        return fail(format!("dd: the lab reads at most 64 MiB from a ZFS volume in one command; use count= and skip=\n{}", report(&o, &Tally::default())));
    }
    let (mut t, full) = tally(&o, in_len, room);
    let into_zfs = match &sink {
        Sink::Zvol(_) => true,
        Sink::File(p) => machine.zfs_path(p).is_some(),
        _ => false,
    };
    // Every ZFS block written is kept as a block pointer and a checksum, so
    // one command's write is capped where a disk's described extents are not.
    if into_zfs && t.bytes > crate::core::machine::ZFS_WRITE_LIMIT_BYTES {
        return fail(format!("dd: the lab writes at most 16 GiB into ZFS in one command; use count=\n{}", report(&o, &Tally::default())));
    }
    #[cfg(feature = "zfs")]
    let mut error = full.then(|| out_of_space(machine, &sink));
    #[cfg(not(feature = "zfs"))]
    let mut error = full.then_some("No space left on device");
    #[cfg_attr(not(feature = "loop-devices"), allow(unused_mut))]
    let mut partial_block = false;
    let seed = matches!(source, Source::Random).then(|| machine.new_data_seed());
    let mut stdout = Vec::new();
    let mut events = Vec::new();
    match &sink {
        Sink::Device(dev) => {
            if let Err((done, e)) = copy(machine, &source, skip_bytes, t.bytes, seed, |m, at, c| write_dev(m, *dev, seek_bytes + at, c, &mut events)) {
                // dd writes a short last block apart, and names that failure "error writing".
                #[cfg(feature = "loop-devices")]
                {
                    partial_block |= e == IoError::ReadOnly && t.bytes.saturating_sub(done / o.obs * o.obs) < o.obs;
                }
                t = tally(&o, in_len, Some(done)).0;
                error = Some(write_error(&e));
            }
        }
        Sink::Zvol(v) => {
            let v = v.clone();
            if let Err((done, e)) = copy(machine, &source, skip_bytes, t.bytes, seed, |m, at, c| write_zvol(m, &v, seek_bytes + at, c, &mut events)) {
                t = tally(&o, in_len, Some(done)).0;
                error = Some(write_error(&e));
            }
        }
        #[cfg(feature = "coreutils-extras")]
        Sink::File(p) if o.sparse => {
            let p = p.clone();
            if let Err((done, e)) = copy_sparse(machine, &source, skip_bytes, t.bytes, seed, o.obs, |m, at, c| write_file(m, &p, seek_bytes + at, c, &mut events)) {
                t = tally(&o, in_len, Some(done / o.obs * o.obs)).0;
                error = Some(write_error(&e));
            } else if machine.file_size(&p).is_ok_and(|size| size < seek_bytes + t.bytes) {
                // The last block was seeked over: dd sets the file's size.
                events.extend(machine.truncate_file(&p, seek_bytes + t.bytes).unwrap_or_default());
            }
        }
        Sink::File(p) => {
            let p = p.clone();
            if let Err((done, e)) = copy(machine, &source, skip_bytes, t.bytes, seed, |m, at, c| write_file(m, &p, seek_bytes + at, c, &mut events)) {
                t = tally(&o, in_len, Some(done / o.obs * o.obs)).0;
                error = Some(write_error(&e));
            }
        }
        Sink::Stdout => {
            // The chunks overlay each other: zeros first, then what is written.
            stdout = vec![0; t.bytes as usize];
            for (at, c) in source_chunks(machine, &source, skip_bytes, t.bytes, seed) {
                let at = (at as usize).min(stdout.len());
                let end = (at + c.len as usize).min(stdout.len());
                stdout[at..end].copy_from_slice(&c.to_vec()[..end - at]);
            }
        }
        Sink::Null => {}
    }
    let of = o.output.clone().unwrap_or_default();
    let mut err = String::new();
    if let Some(e) = error {
        let verb = if o.bs_mode || partial_block { "error writing" } else { "writing to" };
        err.push_str(&format!("dd: {verb} '{of}': {e}\n"));
    }
    err.push_str(&report(&o, &t));
    Output { err, events, exit_status: i32::from(error.is_some()), ..Output::bytes(stdout) }
}

/// `ENOSPC`'s text, or `EDQUOT`'s when a ZFS quota is what limits a file.
#[cfg(feature = "zfs")]
fn out_of_space(machine: &Machine, sink: &Sink) -> &'static str {
    match sink {
        Sink::File(p) if machine.zfs_quota_bound(p) => "Disk quota exceeded",
        // A volume's device fails the write (the block layer's EIO).
        Sink::Zvol(v) if machine.zfs_quota_bound(&format!("/dev/zvol/{v}")) => "Input/output error",
        _ => "No space left on device",
    }
}

/// How many bytes a file can take at `at`: a write is all or nothing, as an
/// ext4 delayed-allocation write reserves its blocks first.
fn file_room(machine: &Machine, path: &str, at: u64, want: u64, obs: u64) -> Option<u64> {
    let free = machine.space_for_files(path).ok()?;
    let already = machine.file_pieces(path, at, want).map(|p| p.iter().map(|c| c.1.len).sum::<u64>()).unwrap_or(0);
    let fits = free.saturating_add(already);
    (fits < want).then(|| fits / obs * obs)
}

/// The strerror text dd prints for a failed write.
pub(crate) fn write_error(e: &IoError) -> &'static str {
    match e {
        IoError::PoolFull | IoError::Invalidated => "Input/output error",
        #[cfg(feature = "loop-devices")]
        IoError::ReadOnly => "Operation not permitted",
        #[cfg(feature = "zfs")]
        IoError::QuotaExceeded => "Disk quota exceeded",
        _ => "No space left on device",
    }
}

fn write_dev(machine: &mut Machine, dev: DevId, at: u64, c: Chunk, events: &mut Vec<Event>) -> Result<(), (u64, IoError)> {
    match machine.write_at(dev, at, c) {
        Ok(e) => {
            events.extend(e);
            Ok(())
        }
        Err(f) => {
            events.extend(f.events);
            Err((f.written, f.error))
        }
    }
}

/// One txg per chunk written, as the pool syncs the volume's dirty blocks.
fn write_zvol(machine: &mut Machine, name: &str, at: u64, c: Chunk, events: &mut Vec<Event>) -> Result<(), (u64, IoError)> {
    // No volume exists without the feature; saying so keeps the ZFS core
    // out of the browser build.
    if cfg!(not(feature = "zfs")) {
        return Err((0, IoError::PoolFull));
    }
    match machine.zvol_write(name, at, c) {
        Ok(e) => {
            events.extend(e);
            Ok(())
        }
        Err(crate::core::zfs::ZfsError::NoSpace) => Err((0, IoError::OutOfRange { size_bytes: 0 })),
        Err(_) => Err((0, IoError::PoolFull)),
    }
}

fn write_file(machine: &mut Machine, path: &str, at: u64, c: Chunk, events: &mut Vec<Event>) -> Result<(), (u64, IoError)> {
    match machine.write_file(path, at, c) {
        Ok(e) => {
            events.extend(e);
            Ok(())
        }
        #[cfg(feature = "zfs")]
        Err(VfsError::QuotaExceeded) => Err((0, IoError::QuotaExceeded)),
        Err(e) => Err((0, if e == VfsError::Io { IoError::PoolFull } else { IoError::OutOfRange { size_bytes: 0 } })),
    }
}

/// The source's bytes `offset..offset + len` as chunks (holes as zeros).
fn source_chunks(machine: &Machine, source: &Source, offset: u64, len: u64, seed: Option<u64>) -> Vec<(u64, Chunk)> {
    if let Source::File(p) = source {
        let mut out = vec![(0, Chunk::zeros(len))];
        out.extend(machine.file_pieces(p, offset, len).unwrap_or_default().into_iter().map(|(o, c)| (o - offset, c)));
        return out;
    }
    match source {
        Source::Zero => vec![(0, Chunk::zeros(len))],
        Source::Random => vec![(0, Chunk::random(seed.unwrap_or(0), len).slice(0, len))],
        Source::Stdin(b) => {
            let start = (offset as usize).min(b.len());
            let end = (start + len as usize).min(b.len());
            vec![(0, Chunk::bytes(&b[start..end]))]
        }
        Source::Device(d) => {
            let mut out = vec![(0, Chunk::zeros(len))];
            out.extend(machine.written_pieces(*d, offset, len).unwrap_or_default().into_iter().map(|(o, c)| (o - offset, c)));
            out
        }
        Source::Zvol(_) if cfg!(not(feature = "zfs")) => Vec::new(),
        Source::Zvol(v) => {
            let mut copy = machine.clone();
            copy.zvol_read(v, offset, len).map(|(b, _)| vec![(0, Chunk::bytes(&b))]).unwrap_or_default()
        }
        Source::File(_) => Vec::new(),
    }
}

/// `copy` with `conv=sparse`: only the `obs`-byte output blocks holding a
/// non-zero byte are written, whole, zeros included. Native only (feature
/// `coreutils-extras`, for the budget): the browser writes every block.
#[cfg(feature = "coreutils-extras")]
fn copy_sparse(machine: &mut Machine, source: &Source, from: u64, len: u64, seed: Option<u64>, obs: u64, mut write: impl FnMut(&mut Machine, u64, Chunk) -> Result<(), (u64, IoError)>) -> Result<(), (u64, IoError)> {
    let chunks = source_chunks(machine, source, from, len, seed);
    let obs = obs.max(1);
    // Runs of blocks [first, end) that hold data, in block numbers.
    let mut runs: Vec<(u64, u64)> = Vec::new();
    for (rel, c) in chunks.iter().filter(|(_, c)| c.len > 0 && !c.is_zero()) {
        let (first, end) = (rel / obs, (rel + c.len).div_ceil(obs));
        if !c.is_bytes() {
            runs.push((first, end));
            continue;
        }
        for k in first..end {
            let start = (k * obs).max(*rel);
            let stop = ((k + 1) * obs).min(rel + c.len);
            if !c.slice(start - rel, stop - start).is_zero() {
                runs.push((k, k + 1));
            }
        }
    }
    runs.sort_unstable();
    let mut merged: Vec<(u64, u64)> = Vec::new();
    for (a, b) in runs {
        match merged.last_mut() {
            Some(last) if a <= last.1 => last.1 = last.1.max(b),
            _ => merged.push((a, b)),
        }
    }
    for (a, b) in merged {
        let (start, stop) = (a * obs, (b * obs).min(len));
        write(machine, start, Chunk::zeros(stop - start)).map_err(|(done, e)| (start + done, e))?;
        for (rel, c) in chunks.iter().filter(|(rel, c)| *rel < stop && rel + c.len > start && !c.is_zero()) {
            let (from_at, to_at) = ((*rel).max(start), (rel + c.len).min(stop));
            write(machine, from_at, c.slice(from_at - rel, to_at - from_at)).map_err(|(done, e)| (from_at + done, e))?;
        }
    }
    Ok(())
}

/// Copies `len` bytes through `write(machine, offset, chunk)`; on failure
/// returns how many bytes landed and why.
fn copy(machine: &mut Machine, source: &Source, from: u64, len: u64, seed: Option<u64>, mut write: impl FnMut(&mut Machine, u64, Chunk) -> Result<(), (u64, IoError)>) -> Result<(), (u64, IoError)> {
    if len == 0 {
        return Ok(());
    }
    for (rel, chunk) in source_chunks(machine, source, from, len, seed) {
        if let Err((done, e)) = write(machine, rel, chunk) {
            return Err((rel + done, e));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_follow_coreutils() {
        assert_eq!(parse_number("1M"), Some(1 << 20));
        assert_eq!(parse_number("1MB"), Some(1_000_000));
        assert_eq!(parse_number("2x512"), Some(1024));
        assert_eq!(parse_number("1w"), Some(2));
        assert_eq!(parse_number("1Q"), None);
        assert_eq!(parse_number("1xM"), Some(1 << 20));
        assert_eq!(parse_number("-1"), None);
    }

    #[test]
    fn summaries_follow_coreutils() {
        assert!(summary(0).starts_with("0 bytes copied, "));
        assert!(summary(1).starts_with("1 byte copied, "));
        assert!(summary(1000).starts_with("1000 bytes (1.0 kB) copied, "));
        assert!(summary(1048576).starts_with("1048576 bytes (1.0 MB, 1.0 MiB) copied, "));
    }
}
