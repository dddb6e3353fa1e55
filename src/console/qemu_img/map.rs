//! `qemu-img map`: which guest ranges hold data, and in which image of the
//! backing chain, as QEMU 10.0.2 prints it (human and JSON).

use super::{chain, chain_error, hex, open_one, Output, Shell};
use crate::core::qcow2;

/// One line of `qemu-img map`: a guest range, which image of the chain
/// decides it (`depth`), whether that image holds it (`present`), whether
/// it holds data or reads as zeros, and where it lies in that image's file.
struct MapExtent {
    start: u64,
    len: u64,
    depth: usize,
    present: bool,
    data: bool,
    /// Reads as zeros: a zero cluster, or data clusters over a hole in the
    /// file (a preallocated image's unwritten clusters).
    zero: bool,
    /// A compressed cluster: data with no place in the file to point at.
    compressed: bool,
    host: Option<u64>,
}

impl MapExtent {
    /// QEMU merges neighbours of the same kind whose file offsets follow on.
    fn joins(&self, next: &MapExtent) -> bool {
        self.start + self.len == next.start
            && (self.depth, self.present, self.data, self.zero, self.compressed) == (next.depth, next.present, next.data, next.zero, next.compressed)
            && self.host.map(|h| h + self.len) == next.host
    }
}

fn push_extent(out: &mut Vec<MapExtent>, e: MapExtent) {
    match out.last_mut() {
        Some(last) if last.joins(&e) => last.len += e.len,
        _ => out.push(e),
    }
}

/// The map of guest bytes `start..end` as image `k` of the chain decides
/// it: its own clusters (or a raw file's blocks), the rest from the image
/// below, and past the last image "not present".
fn layer_extents(m: &crate::core::machine::Machine, chain: &chain::Chain, k: usize, start: u64, end: u64, out: &mut Vec<MapExtent>) {
    let Some(layer) = chain.layers.get(k) else { return };
    let absent_at = |out: &mut Vec<MapExtent>, depth: usize, s: u64, e: u64| {
        if e > s {
            push_extent(out, MapExtent { start: s, len: e - s, depth, present: false, data: false, zero: true, compressed: false, host: None });
        }
    };
    // Past a backing file's end the image above answers: zeros it lacks.
    if k > 0 && end > layer.size {
        let cut = layer.size.max(start);
        if cut > start {
            layer_extents(m, chain, k, start, cut, out);
        }
        absent_at(out, k - 1, cut, end);
        return;
    }
    let absent = |out: &mut Vec<MapExtent>, s: u64, e: u64| absent_at(out, k, s, e);
    let Some(image) = &layer.image else {
        let mut at = start;
        for (offset, len) in m.allocated_runs(&layer.path).unwrap_or_default() {
            let (s, e) = (offset.max(start).min(end), (offset + len).min(end));
            for (a, b, data) in [(at, s, false), (s, e, true)] {
                if b > a {
                    push_extent(out, MapExtent { start: a, len: b - a, depth: k, present: true, data, zero: !data, compressed: false, host: Some(a) });
                }
            }
            at = at.max(e);
        }
        if end > at {
            push_extent(out, MapExtent { start: at, len: end - at, depth: k, present: true, data: false, zero: true, compressed: false, host: Some(at) });
        }
        return;
    };
    let h = &image.header;
    let cluster = h.cluster_bytes();
    let entries = image.entries(&mut |o, n| m.read_file(&layer.path, o, n).unwrap_or_default());
    let length = m.file_size(&layer.path).unwrap_or(0);
    let blocks_512 = m.stat_path(&layer.path).map_or(0, |s| s.stat.blocks_512);
    // Without metadata preallocation, data clusters are data, holes or not.
    // With it, the file's holes are zeros; its unwritten blocks (the rest of
    // a cluster a short write zeroed) read as data, as they do once QEMU's
    // reads of the tables beside them have brought them into the cache.
    let allocated = if image.metadata_preallocated(length, blocks_512 * 512) { m.block_runs(&layer.path).unwrap_or_default() } else { vec![(0, length)] };
    let below = |out: &mut Vec<MapExtent>, s: u64, e: u64| {
        if k + 1 < chain.layers.len() && e > s {
            layer_extents(m, chain, k + 1, s, e, out);
        } else {
            absent(out, s, e);
        }
    };
    let mut at = start;
    for (g, entry) in entries.into_iter().filter(|(g, _)| (g + 1) * cluster > start && g * cluster < end) {
        let from = (g * cluster).max(start);
        below(out, at, from);
        let len = (cluster.min(h.size - g * cluster) - (from - g * cluster)).min(end - from);
        if entry & qcow2::compress::OFLAG_COMPRESSED != 0 {
            push_extent(out, MapExtent { start: from, len, depth: k, present: true, data: true, zero: false, compressed: true, host: None });
            at = from + len;
            continue;
        }
        let host = Some(entry & 0x00ff_ffff_ffff_fe00).filter(|o| *o != 0);
        let data = entry & qcow2::guest::OFLAG_ZERO == 0;
        if host.is_none() && data {
            below(out, from, from + len);
        } else {
            let host = host.map(|o| o + from - g * cluster);
            let pieces = match host.filter(|_| data) {
                Some(host) => crate::core::image::split_by_holes(&allocated, host, len),
                None => vec![(0, len, true)],
            };
            for (off, n, zero) in pieces {
                push_extent(out, MapExtent { start: from + off, len: n, depth: k, present: true, data, zero, compressed: false, host: host.map(|h| h + off) });
            }
        }
        at = from + len;
    }
    below(out, at, end);
}

/// `qemu-img map`: which guest ranges hold data, and in which image of the
/// backing chain: a qcow2 image's allocated clusters (merged where they
/// follow each other on disk), a raw file's allocated blocks; the rest
/// reads as zeros.
/// The guest ranges that block status calls data and not zero, through the
/// whole chain (what `qcow2_measure` counts).
pub(super) fn data_ranges(m: &crate::core::machine::Machine, chain: &chain::Chain, size: u64) -> Vec<(u64, u64)> {
    let mut extents = Vec::new();
    layer_extents(m, chain, 0, 0, size, &mut extents);
    extents.iter().filter(|e| e.data && !e.zero).map(|e| (e.start, e.start + e.len)).collect()
}

/// Block status through the chain, as `compare -s` compares it: ranges
/// with whether they are allocated, read as zeros, hold data, have a known
/// place in a file, and reach the end of the image (`BDRV_BLOCK_EOF`). A
/// qcow2 layer answers for one L2 table's reach at most.
pub(super) fn block_status(m: &crate::core::machine::Machine, chain: &chain::Chain, size: u64) -> Vec<(u64, [bool; 5])> {
    let mut extents = Vec::new();
    layer_extents(m, chain, 0, 0, size, &mut extents);
    let reach = chain.layers.iter().filter_map(|l| l.header.as_ref()).map(|h| 1u64 << (2 * h.cluster_bits - 3)).min().unwrap_or(u64::MAX);
    let mut out = Vec::new();
    for e in &extents {
        let end = e.start + e.len;
        let mut at = e.start;
        while at < end {
            let next = end.min((at / reach + 1).saturating_mul(reach));
            out.push((next, [e.present, e.zero, e.data, e.host.is_some(), next == size]));
            at = next;
        }
    }
    out
}

/// Where two block status lists (range ends and flags) first differ.
pub(super) fn first_status_difference(a: &[(u64, [bool; 5])], b: &[(u64, [bool; 5])]) -> Option<u64> {
    let (mut i, mut j, mut at) = (0, 0, 0);
    while let (Some(x), Some(y)) = (a.get(i), b.get(j)) {
        if x.1 != y.1 {
            return Some(at);
        }
        at = x.0.min(y.0);
        i += usize::from(x.0 == at);
        j += usize::from(y.0 == at);
    }
    None
}

pub(super) fn map(shell: &mut Shell, args: &[String]) -> Output {
    let (o, f) = match open_one(shell, "map", args, "h") {
        Ok(v) => v,
        Err(out) => return out,
    };
    if let Some(out) = chain_error(shell, &f) {
        return out;
    }
    let m = &shell.machine;
    let chain = chain::Chain::open(m, &f.name, &f.path, f.header.is_none());
    let mut extents = Vec::new();
    let start = o.start_offset;
    let end = o.max_length.map_or(f.virtual_size(), |n| f.virtual_size().min(start.saturating_add(n)));
    if end > start {
        layer_extents(m, &chain, 0, start, end, &mut extents);
    }
    if extents.is_empty() {
        // img_map prints its first, empty entry even for an empty range.
        extents.push(MapExtent { start, len: 0, depth: 0, present: false, data: false, zero: false, compressed: false, host: None });
    }
    if o.json {
        let entries: Vec<String> = extents
            .iter()
            .map(|e| {
                let offset = e.host.map_or(String::new(), |h| format!(", \"offset\": {h}"));
                format!("{{ \"start\": {}, \"length\": {}, \"depth\": {}, \"present\": {}, \"zero\": {}, \"data\": {}, \"compressed\": {}{offset}}}", e.start, e.len, e.depth, e.present, e.zero, e.data, e.compressed)
            })
            .collect();
        return Output::text(format!("[{}]\n", entries.join(",\n")), 0);
    }
    let mut t = "Offset          Length          Mapped to       File\n".to_string();
    for e in extents.iter().filter(|e| e.data && !e.zero) {
        if e.compressed {
            return Output { text: t, err: "qemu-img: File contains external, encrypted or compressed clusters.\n".into(), exit_status: 1, ..Output::default() };
        }
        t.push_str(&format!("{:<16}{:<16}{:<16}{}\n", hex(e.start), hex(e.len), hex(e.host.unwrap_or(e.start)), chain.layers[e.depth].name));
    }
    Output::text(t, 0)
}

