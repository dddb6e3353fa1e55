//! `qemu-img rebase -p`: `img_rebase`'s progress meter around the lab's
//! rebase. The meter starts (0%) once the options are read, before the image
//! opens. In safe mode the copy loop walks the image in chunks of at most
//! `IO_BUF_SIZE`, each cut to the run `bdrv_is_allocated` reports; a chunk
//! the image holds itself is skipped, and so is one that no layer between
//! the image and a new backing file from its own chain holds. Every other
//! chunk advances the meter by `100 / (size / min(size, IO_BUF_SIZE))`
//! points (integer division, as QEMU computes it). `qemu_progress_print`
//! prints a move of more than 2 points, 0 and 100. The header change then
//! prints 100, also after it failed, and the end a newline.
//!
//! Simplified: a cluster the rebase copied counts as written by the first
//! chunk that reaches into it (QEMU writes it with the first chunk whose
//! part of it differs), and a write that fails in the middle of the copy
//! loop shows only 0%.

use super::commit::{has, options, value, REBASE_LONG, REBASE_SHORT};
use super::chain::{combine, Chain, Layer};
use super::{Output, Shell, IO_BUF_BYTES};
use crate::console::fmt::fixed;
use crate::console::{ERR_END, ERR_START};
use crate::core::machine::Machine;
use crate::core::qcow2::guest::{OFFSET_MASK, OFLAG_ZERO};

const OFLAG_COMPRESSED: u64 = 1 << 62;

/// `qemu_progress_print` with `min_skip` 2, in single precision as QEMU
/// keeps `state.current`: the lines `    (N/100%)\r`.
struct Meter {
    text: String,
    current: f32,
    last: f32,
}

impl Meter {
    fn new() -> Meter {
        Meter { text: "    (0.00/100%)\r".into(), current: 0.0, last: 0.0 }
    }

    fn add(&mut self, delta: f32) {
        self.current = (self.current + delta / 100.0 * 100.0).min(100.0);
        if self.current > self.last + 2.0 || self.current == 100.0 || self.current == 0.0 {
            self.last = self.current;
            self.text.push_str(&format!("    ({}/100%)\r", fixed(f64::from(self.current), 2)));
        }
    }
}

pub(super) fn rebase(shell: &mut Shell, args: &[String]) -> Output {
    let Ok((opts, files)) = options("rebase", args, REBASE_SHORT, REBASE_LONG) else {
        return super::commit::rebase(shell, args);
    };
    if files.len() != 1 || (value(&opts, 'b').is_none() && !has(&opts, 'u')) {
        return super::commit::rebase(shell, args);
    }
    let metered = has(&opts, 'p') && !has(&opts, 'q');
    if let Some(e) = cache_error(&opts) {
        let marked = if metered { format!("{}{ERR_START}{e}{ERR_END}\n", Meter::new().text) } else { format!("{ERR_START}{e}{ERR_END}") };
        return Output { exit_status: 1, ..Output::from_marked(&marked) };
    }
    if !metered {
        return super::commit::rebase(shell, args);
    }
    let new = value(&opts, 'b').unwrap_or("");
    let walk = (!has(&opts, 'u')).then(|| Walk::open(&shell.machine, &files[0], &shell.abs(&files[0]), new, value(&opts, 'f') == Some("raw")));
    let out = super::commit::rebase(shell, args);
    let mut meter = Meter::new();
    if let Some(walk) = walk {
        let step = 100.0 / (walk.size / walk.size.clamp(1, IO_BUF_BYTES)) as f32;
        (0..walk.count(&shell.machine)).for_each(|_| meter.add(step));
    }
    let walked = out.exit_status == 0 || out.err.contains("qemu-img: Could not change the backing file to");
    let (head, tail) = if walked { (meter.text, "    (100.00/100%)\r\n") } else { (Meter::new().text, "\n") };
    let marked = if out.err.is_empty() { format!("{head}{tail}") } else { format!("{head}{ERR_START}{}{ERR_END}{tail}", out.err) };
    Output { events: out.events, exit_status: out.exit_status, ..Output::from_marked(&marked) }
}

/// `bdrv_parse_cache_mode`'s refusal of `-t` (the image's cache mode),
/// then of `-T` (the backing files').
fn cache_error(opts: &[(char, String)]) -> Option<String> {
    let known = |v: &str| matches!(v, "none" | "off" | "writeback" | "writethrough" | "directsync" | "unsafe");
    [('t', "Invalid cache option"), ('T', "Invalid source cache option")]
        .into_iter()
        .find_map(|(c, what)| value(opts, c).filter(|v| !known(v)).map(|v| format!("qemu-img: {what}: {v}\n")))
}

/// The copy loop's view of the chain: each layer's L2 entries as they were
/// before the rebase, and where a new backing file from the chain sits.
struct Walk {
    name: String,
    path: String,
    raw: bool,
    tables: Vec<Table>,
    /// The new backing file's place in the chain, when it is in it.
    new_at: Option<usize>,
    size: u64,
}

impl Walk {
    fn open(m: &Machine, name: &str, path: &str, new: &str, raw: bool) -> Walk {
        let chain = Chain::open(m, name, path, raw);
        let tables: Vec<Table> = chain.layers.iter().map(|l| Table::read(m, l)).collect();
        let new_path = combine(path, new);
        let new_at = chain.layers.iter().skip(1).position(|l| !new.is_empty() && l.path == new_path).map(|k| k + 1);
        let size = chain.layers.first().map_or(0, |l| l.size);
        Walk { name: name.into(), path: path.into(), raw, tables, new_at, size }
    }

    /// How many chunks advance the meter. A chunk that wrote part of one of
    /// the image's clusters wrote all of it (QEMU aligns its copies to the
    /// image's clusters), so a chunk that starts inside that cluster finds
    /// it allocated: those are the clusters the image holds now and did not
    /// before.
    fn count(&self, m: &Machine) -> u64 {
        let Some(before) = self.tables.first() else { return 0 };
        let chain = Chain::open(m, &self.name, &self.path, self.raw);
        let after = chain.layers.first().map(|l| Table::read(m, l));
        let copied = |offset: u64| offset % before.cluster != 0 && before.kind(offset / before.cluster).0 == 0 && after.as_ref().is_some_and(|a| a.kind(offset / before.cluster).0 != 0);
        let (mut offset, mut count) = (0, 0);
        while offset < self.size {
            let max = IO_BUF_BYTES.min(self.size - offset);
            let (held, mut n) = if copied(offset) { (true, max.min(before.cluster - offset % before.cluster)) } else { before.status(offset, max) };
            if !held {
                let (changed, run) = self.new_at.map_or((true, n), |k| allocated_above(&self.tables[1..k], offset, n));
                n = run;
                count += u64::from(changed);
            }
            offset += n.max(1);
        }
        count
    }
}

/// `bdrv_is_allocated_above` over `layers`, top first: whether one holds
/// the bytes at `offset`, and for how many bytes (at most `max`) that
/// answer holds. Past a shorter layer's end the zeros it reads count as
/// held there.
fn allocated_above(layers: &[Table], offset: u64, max: u64) -> (bool, u64) {
    let mut bytes = max;
    for t in layers {
        if offset >= t.size {
            return (true, bytes);
        }
        let (held, run) = t.status(offset, bytes.min(t.size - offset));
        if held {
            return (true, run);
        }
        bytes = run;
    }
    (false, bytes)
}

/// One layer's L2 entries by guest cluster (`None`: a raw layer, which
/// holds every byte).
struct Table {
    entries: Option<std::collections::BTreeMap<u64, u64>>,
    cluster: u64,
    size: u64,
}

impl Table {
    fn read(m: &Machine, layer: &Layer) -> Table {
        let entries = layer.image.as_ref().map(|image| image.entries(&mut |o, n| m.read_file(&layer.path, o, n).unwrap_or_default()).into_iter().collect());
        let cluster = layer.image.as_ref().map_or(1, |i| i.header.cluster_bytes());
        Table { entries, cluster, size: layer.size }
    }

    /// A cluster's kind as `qcow2_get_subcluster_type` tells them apart
    /// (0 unallocated, 1 zero, 2 zero with a host cluster, 3 data,
    /// 4 compressed) and its host offset (0 where it has none).
    fn kind(&self, g: u64) -> (u8, u64) {
        let e = self.entries.as_ref().and_then(|t| t.get(&g).copied()).unwrap_or(0);
        let host = e & OFFSET_MASK;
        match (e & OFLAG_COMPRESSED != 0, e & OFLAG_ZERO != 0, host != 0) {
            (true, _, _) => (4, 0),
            (false, true, false) => (1, 0),
            (false, true, true) => (2, host),
            (false, false, true) => (3, host),
            (false, false, false) => (0, 0),
        }
    }

    /// `bdrv_is_allocated` on this layer: whether it holds the cluster at
    /// `offset` (data or a zero flag), and how many bytes from `offset`
    /// (at most `max`) share that answer as `qcow2_get_host_offset` counts
    /// them: clusters of one kind, with host offsets that follow on, up to
    /// the end of the L2 table, one compressed cluster at a time.
    fn status(&self, offset: u64, max: u64) -> (bool, u64) {
        if self.entries.is_none() {
            return (true, max);
        }
        let (c, first) = (self.cluster, offset / self.cluster);
        let per_table = c / 8;
        let limit = (offset + max).min((first / per_table + 1) * per_table * c);
        let (kind, host) = self.kind(first);
        let mut g = first + 1;
        while kind != 4 && g * c < limit && self.kind(g) == (kind, if host == 0 { 0 } else { host + (g - first) * c }) {
            g += 1;
        }
        (kind != 0, (g * c).min(limit) - offset)
    }
}
