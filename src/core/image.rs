//! What a disk image file looks like from the host (Figure 5): where each
//! guest byte lives in the file, the format's own metadata, and the space
//! the file takes.
//!
//! Internal snapshots show as their copies of the L1 table, the clusters
//! only a snapshot still uses, and the active clusters a snapshot shares
//! (their L2 entries lack `QCOW_OFLAG_COPIED`, so a write copies them
//! first).
//!
//! Simplified: an image is any file under `/var/lib/vz/images/`; it is
//! qcow2 when its header decodes, raw otherwise. A snapshot table is drawn
//! as one cluster.

use super::machine::Machine;
use super::order::{small_sort, SmallSort};
use super::qcow2::guest::{be64, Image, OFFSET_MASK, OFLAG_COPIED};
use super::qcow2::Header;

/// Where Proxmox keeps VM disk images on a directory storage.
pub const IMAGES_DIR: &str = "/var/lib/vz/images/";

/// What a run of qcow2's own clusters holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Area {
    Header,
    L1,
    RefcountTable,
    RefcountBlock,
    L2,
    Snapshots,
    /// A snapshot's copy of the L1 table.
    SnapshotL1,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageLayout {
    pub path: String,
    pub qcow2: bool,
    /// The disk the guest sees.
    pub virtual_bytes: u64,
    /// `ls -l`: the file's length.
    pub file_bytes: u64,
    /// `du`: what the host filesystem allocated for it.
    pub alloc_bytes: u64,
    /// qcow2's cluster size; the host filesystem's block for raw.
    pub cluster_bytes: u64,
    /// Guest bytes stored in the file: (guest offset, host offset, length).
    /// A raw file maps every allocated run to itself.
    pub data: Vec<(u64, u64, u64)>,
    /// Guest clusters qcow2 maps to clusters that are still holes in the
    /// file (`preallocation=metadata`): they read as zeros and take no space.
    pub unwritten: Vec<(u64, u64, u64)>,
    /// qcow2's metadata: (host offset, length, what).
    pub meta: Vec<(u64, u64, Area)>,
    pub snapshots: u32,
    /// Host offsets of active data clusters a snapshot shares.
    pub shared: Vec<u64>,
    /// Host offsets of data clusters only snapshots still use (once per
    /// snapshot that points at one).
    pub held: Vec<u64>,
}

/// Whether a path is where the lab looks for disk images.
pub fn is_image_path(path: &str) -> bool {
    path.strip_prefix(IMAGES_DIR).is_some_and(|rest| !rest.is_empty())
}

/// Every regular file under `IMAGES_DIR` (one level of VM directories, as
/// Proxmox lays them out, and files directly in it), sorted by path.
pub fn image_paths(m: &Machine) -> Vec<String> {
    let mut out = Vec::new();
    for (name, st) in m.read_dir(IMAGES_DIR, false).unwrap_or_default() {
        let path = format!("{IMAGES_DIR}{name}");
        if !st.is_dir {
            out.push(path);
            continue;
        }
        for (file, st) in m.read_dir(&path, false).unwrap_or_default() {
            if !st.is_dir {
                out.push(format!("{path}/{file}"));
            }
        }
    }
    small_sort(&mut out);
    out
}

/// The layout of the image at `path`, or None if it is not a file.
pub fn layout(m: &Machine, path: &str) -> Option<ImageLayout> {
    let st = m.stat_path(path).ok().filter(|s| !s.stat.is_dir)?;
    let mut out = ImageLayout {
        path: path.to_string(),
        qcow2: false,
        virtual_bytes: st.stat.size,
        file_bytes: st.stat.size,
        alloc_bytes: st.stat.blocks_512 * 512,
        cluster_bytes: st.io_block,
        data: Vec::new(),
        unwritten: Vec::new(),
        meta: Vec::new(),
        snapshots: 0,
        shared: Vec::new(),
        held: Vec::new(),
    };
    match Header::decode(&m.read_file(path, 0, 512).unwrap_or_default()) {
        Some(h) => qcow2_layout(m, h, &mut out),
        None => out.data = m.allocated_runs(path).unwrap_or_default().into_iter().map(|(at, n)| (at, at, n)).collect(),
    }
    Some(out)
}

fn qcow2_layout(m: &Machine, h: Header, out: &mut ImageLayout) {
    let path = out.path.clone();
    let mut read = |o: u64, n: u64| m.read_file(&path, o, n).unwrap_or_default();
    let cluster = h.cluster_bytes();
    let round = |n: u64| n.div_ceil(cluster) * cluster;
    out.qcow2 = true;
    out.virtual_bytes = h.size;
    out.cluster_bytes = cluster;
    out.snapshots = h.nb_snapshots;
    out.meta.push((0, cluster, Area::Header));
    out.meta.push((h.l1_table_offset, round(u64::from(h.l1_size) * 8), Area::L1));
    out.meta.push((h.refcount_table_offset, u64::from(h.refcount_table_clusters) * cluster, Area::RefcountTable));
    if h.nb_snapshots > 0 {
        out.meta.push((h.snapshots_offset, cluster, Area::Snapshots));
    }
    let snapshots = super::qcow2::snapshot::read_table(&h, &mut read);
    let image = Image::open(h, &mut read);
    out.meta.extend(image.refcount_blocks().iter().filter(|b| **b != 0).map(|b| (*b, cluster, Area::RefcountBlock)));
    out.meta.extend(image.l1.iter().map(|e| e & OFFSET_MASK).filter(|l2| *l2 != 0).map(|l2| (l2, cluster, Area::L2)));
    let entries = image.entries(&mut read);
    out.shared = entries.iter().filter(|e| e.1 & OFFSET_MASK != 0 && e.1 & OFLAG_COPIED == 0).map(|e| e.1 & OFFSET_MASK).collect();
    let mut active: Vec<u64> = entries.iter().map(|e| e.1 & OFFSET_MASK).collect();
    active.sort_unstable();
    snapshot_clusters(&snapshots, cluster, &active, &mut read, out);
    out.meta.small_sort_by_key(|m| m.0);
    let allocated = m.allocated_runs(&out.path).unwrap_or_default();
    for (g, host) in image.mapped(&mut read) {
        for (at, n, hole) in split_by_holes(&allocated, host, cluster) {
            let runs = if hole { &mut out.unwritten } else { &mut out.data };
            let (guest, host) = (g * cluster + at, host + at);
            match runs.last_mut() {
                Some(last) if last.0 + last.2 == guest && last.1 + last.2 == host => last.2 += n,
                _ => runs.push((guest, host, n)),
            }
        }
    }
}

/// Each snapshot's L1 copy, the L2 tables only snapshots use, and the data
/// clusters (not in the sorted `active`) only they still point at.
fn snapshot_clusters(snapshots: &[super::qcow2::snapshot::Snapshot], cluster: u64, active: &[u64], read: &mut dyn FnMut(u64, u64) -> Vec<u8>, out: &mut ImageLayout) {
    for s in snapshots {
        // `QCOW_MAX_L1_SIZE`: qemu opens no image with a larger table.
        let l1_bytes = (u64::from(s.l1_size) * 8).min(32 << 20);
        out.meta.push((s.l1_table_offset, l1_bytes.div_ceil(cluster) * cluster, Area::SnapshotL1));
        for l2 in read(s.l1_table_offset, l1_bytes).chunks_exact(8).map(|e| be64(e) & OFFSET_MASK).filter(|l2| *l2 != 0) {
            if !out.meta.iter().any(|m| m.0 == l2) {
                out.meta.push((l2, cluster, Area::L2));
            }
            for host in read(l2, cluster).chunks_exact(8).map(|e| be64(e) & OFFSET_MASK).filter(|o| *o != 0) {
                if active.binary_search(&host).is_err() {
                    out.held.push(host);
                }
            }
        }
    }
}

/// `host..host + len` cut where the file's allocated runs (sorted) begin
/// and end: (offset into the range, length, whether it is a hole).
pub fn split_by_holes(runs: &[(u64, u64)], host: u64, len: u64) -> Vec<(u64, u64, bool)> {
    let mut out = Vec::new();
    let mut at = host;
    let first = runs.partition_point(|(s, n)| s + n <= host);
    for &(start, n) in runs[first..].iter().take_while(|(s, _)| *s < host + len) {
        let (from, to) = (start.max(host), (start + n).min(host + len));
        if from > at {
            out.push((at - host, from - at, true));
        }
        out.push((from - host, to - from, false));
        at = to;
    }
    if at < host + len {
        out.push((at - host, host + len - at, true));
    }
    out
}

/// The table lookups of a guest read at `guest_offset`: the L1 index and
/// the L2 table it points to, then the L2 index and the host offset it
/// holds (0: not allocated, the guest reads zeros). None for raw files.
pub fn lookup(m: &Machine, path: &str, guest_offset: u64) -> Option<((u64, u64), (u64, u64))> {
    let h = Header::decode(&m.read_file(path, 0, 512).ok()?)?;
    let cluster = h.cluster_bytes();
    let per_l2 = cluster / 8;
    let g = guest_offset / cluster;
    let l1_index = g / per_l2;
    let l2_offset = if l1_index < u64::from(h.l1_size) { be64(&m.read_file(path, h.l1_table_offset + l1_index * 8, 8).ok()?) & OFFSET_MASK } else { 0 };
    let l2_index = g % per_l2;
    let host = if l2_offset == 0 { 0 } else { be64(&m.read_file(path, l2_offset + l2_index * 8, 8).ok()?) & OFFSET_MASK };
    Some(((l1_index, l2_offset), (l2_index, host)))
}

/// A stretch of a file as a download sends it: bytes, or a hole of zeros.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Part {
    Data(Vec<u8>),
    Zeros(u64),
}

/// The most non-zero bytes a download carries; the figure's guest writes
/// stay far below it.
pub const DOWNLOAD_MAX_DATA_BYTES: u64 = 256 << 20;

const PIECE_BYTES: u64 = 1 << 20;

/// The file at `path` as a download: holes and all-zero pieces become
/// `Zeros`, so a sparse 1 GiB raw file costs the page only what was
/// written. Err(data bytes) when more than `DOWNLOAD_MAX_DATA_BYTES` are not zeros.
pub fn file_parts(m: &Machine, path: &str) -> Result<Vec<Part>, u64> {
    let size = m.file_size(path).map_err(|_| 0u64)?;
    let mut parts = Vec::new();
    let mut data_bytes = 0;
    let mut at = 0;
    for (start, len) in m.allocated_runs(path).map_err(|_| 0u64)?.into_iter().chain([(size, 0)]) {
        push_zeros(&mut parts, start - at);
        let mut o = start;
        while o < start + len {
            let bytes = m.read_file(path, o, PIECE_BYTES.min(start + len - o)).unwrap_or_default();
            o += bytes.len() as u64;
            if bytes.iter().all(|b| *b == 0) {
                push_zeros(&mut parts, bytes.len() as u64);
                continue;
            }
            data_bytes += bytes.len() as u64;
            if data_bytes > DOWNLOAD_MAX_DATA_BYTES {
                return Err(data_bytes);
            }
            parts.push(Part::Data(bytes));
        }
        at = start + len;
    }
    Ok(parts)
}

fn push_zeros(parts: &mut Vec<Part>, n: u64) {
    match parts.last_mut() {
        _ if n == 0 => {}
        Some(Part::Zeros(z)) => *z += n,
        _ => parts.push(Part::Zeros(n)),
    }
}
