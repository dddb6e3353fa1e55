//! A qcow2 image and its backing chain, opened for reading: the image, the
//! file its header names as backing (a relative name is relative to the
//! directory of the name above it, as QEMU's `path_combine` does), that
//! file's backing, and so on. A guest read of a cluster the image leaves
//! unallocated goes down the chain; past a backing file's end it reads zeros.
//!
//! Simplified: a chain is at most 16 images deep, and an image that comes
//! back lower in its own chain gets the error of a second open of a locked
//! file (QEMU's `qemu-io` says so; its `check`, `map`, `compare` and
//! `convert` never return).

use crate::core::machine::Machine;
use crate::core::media::Chunk;
use crate::core::qcow2::guest::Image;
use crate::core::qcow2::{self, Header};

const MAX_DEPTH: usize = 16;

/// One image of a chain.
pub struct Layer {
    /// The name as QEMU prints it (the top one as given, the others combined).
    pub name: String,
    pub path: String,
    /// With `header` and `image` when the layer is qcow2 (else raw).
    pub header: Option<Header>,
    pub image: Option<Image>,
    pub backing: Option<qcow2::Backing>,
    /// The guest size: a raw layer's file length in whole sectors, as the
    /// block layer sees a file.
    pub size: u64,
}

pub struct Chain {
    pub layers: Vec<Layer>,
    /// The chain stopped where a backing file named an image above it.
    pub looped: bool,
}

/// `path_combine`: a relative backing name from the directory of `base`.
pub fn combine(base: &str, name: &str) -> String {
    match base.rfind('/') {
        Some(i) if !name.starts_with('/') => format!("{}{name}", &base[..=i]),
        _ => name.to_string(),
    }
}

/// Reads one image of a chain; `None` when the file is missing.
pub fn layer(m: &Machine, name: &str, path: &str, raw: bool) -> Option<Layer> {
    let size = m.stat_path(path).ok()?.stat.size;
    let header = Header::decode(&m.read_file(path, 0, 512).unwrap_or_default()).filter(|_| !raw);
    let backing = header.as_ref().filter(|h| cfg!(feature = "qcow2-backing") && h.backing_file_offset != 0).and_then(|h| {
        let head = m.read_file(path, 0, h.backing_file_offset.saturating_add(u64::from(h.backing_file_size))).unwrap_or_default();
        qcow2::backing(h, &head)
    });
    let image = header.clone().map(|h| Image::open(h, &mut |o, n| m.read_file(path, o, n).unwrap_or_default()));
    Some(Layer { name: name.to_string(), path: path.to_string(), size: header.as_ref().map_or(size.div_ceil(512) * 512, |h| h.size), header, image, backing })
}

impl Chain {
    /// The image at `path` (named `name`) and every backing file below it
    /// that exists.
    pub fn open(m: &Machine, name: &str, path: &str, raw: bool) -> Chain {
        let mut layers: Vec<Layer> = layer(m, name, path, raw).into_iter().collect();
        let mut looped = false;
        while layers.len() < MAX_DEPTH {
            let Some(last) = layers.last() else { break };
            let Some(b) = &last.backing else { break };
            let (name, path) = (combine(&last.name, &b.file), combine(&last.path, &b.file));
            looped = layers.iter().any(|l| l.path == path);
            match layer(m, &name, &path, b.format == "raw").filter(|_| !looped) {
                Some(next) => layers.push(next),
                None => break,
            }
        }
        Chain { layers, looped }
    }

    /// QEMU's error when a backing file of the chain is missing: "Could not
    /// open backing file: " once for each image above it, then its name.
    pub fn missing(&self, m: &Machine) -> Option<String> {
        let last = self.layers.last()?;
        let b = last.backing.as_ref().filter(|_| self.layers.len() < MAX_DEPTH)?;
        let nested = "Could not open backing file: ".repeat(self.layers.len());
        if self.looped {
            return Some(format!("{nested}Failed to get shared \"write\" lock\nIs another process using the image [{}]?", combine(&last.name, &b.file)));
        }
        let path = combine(&last.path, &b.file);
        let why = match m.stat_path(&path) {
            Ok(s) if s.stat.is_dir => "Is a directory".to_string(),
            Ok(_) => return None,
            Err(e) => e.text().to_string(),
        };
        Some(format!("{nested}Could not open '{}': {why}", combine(&last.name, &b.file)))
    }

    /// The top image's guest bytes `offset..offset + len`.
    pub fn read(&self, m: &Machine, offset: u64, len: u64) -> Vec<u8> {
        let mut out = Vec::with_capacity(len as usize);
        self.read_layer(m, 0, offset, len, &mut out);
        out
    }

    /// Layer `k`'s guest bytes `offset..offset + len`, appended to `out`.
    pub fn read_layer(&self, m: &Machine, k: usize, offset: u64, len: u64, out: &mut Vec<u8>) {
        let start = out.len();
        out.resize(start + len as usize, 0);
        let mut pieces = Vec::new();
        self.layer_pieces(m, k, offset, len, &mut pieces);
        for (at, chunk) in pieces {
            let from = start + (at - offset) as usize;
            out[from..from + chunk.len as usize].copy_from_slice(&chunk.to_vec());
        }
    }

    /// The top image's guest content `offset..offset + len` as the written
    /// runs it is made of (guest offset, chunk), described rather than read,
    /// so converting gigabytes of a stream costs no memory. The rest reads
    /// as zeros.
    pub fn pieces(&self, m: &Machine, offset: u64, len: u64) -> Vec<(u64, Chunk)> {
        let mut out = Vec::new();
        self.layer_pieces(m, 0, offset, len, &mut out);
        out
    }

    fn layer_pieces(&self, m: &Machine, k: usize, offset: u64, len: u64, out: &mut Vec<(u64, Chunk)>) {
        let Some(layer) = self.layers.get(k) else { return };
        let inside = len.min(layer.size.saturating_sub(offset));
        let Some(image) = &layer.image else {
            out.extend(m.file_pieces(&layer.path, offset, inside).unwrap_or_default());
            return;
        };
        let mut l2 = |t: u64, i: u64| m.read_file(&layer.path, t + 8 * i, 8).ok().and_then(|b| Some(u64::from_be_bytes(b.get(..8)?.try_into().ok()?))).unwrap_or(0);
        let cluster = image.header.cluster_bytes();
        let mut pos = offset;
        while pos < offset + inside {
            let n = (cluster - pos % cluster).min(offset + inside - pos);
            match image.host_offset(pos, &mut l2) {
                Some(host) => out.extend(m.file_pieces(&layer.path, host, n).unwrap_or_default().into_iter().map(|(at, c)| (pos + at - host, c))),
                None if image.falls_through(pos, &mut l2) => self.layer_pieces(m, k + 1, pos, n, out),
                None => {
                    // A compressed cluster (which does not inflate reads as zeros).
                    let entry = image.compressed_entry(pos, &mut l2);
                    let mut read = |o: u64, len: u64| m.read_file(&layer.path, o, len).unwrap_or_default();
                    if let Some(bytes) = entry.and_then(|e| image.inflate_entry(e, &mut read)) {
                        let within = (pos % cluster) as usize;
                        out.push((pos, Chunk::bytes(&bytes[within..within + n as usize])));
                    }
                }
            }
            pos += n;
        }
    }

    /// The guest ranges (start, end) that layer `k` holds data in: a qcow2
    /// layer's allocated clusters, a raw layer's allocated blocks.
    pub fn data_ranges(&self, m: &Machine, k: usize) -> Vec<(u64, u64)> {
        let Some(layer) = self.layers.get(k) else { return Vec::new() };
        match &layer.image {
            Some(image) => {
                let c = image.header.cluster_bytes();
                let mapped = image.mapped(&mut |o, n| m.read_file(&layer.path, o, n).unwrap_or_default());
                merged(mapped.iter().map(|(g, _)| (g * c, ((g + 1) * c).min(layer.size))).collect())
            }
            None => m.allocated_runs(&layer.path).unwrap_or_default().iter().map(|(s, l)| (*s, s + l)).collect(),
        }
    }

    /// The ranges every layer from `k` down holds data in, in guest order.
    pub fn data_ranges_from(&self, m: &Machine, k: usize) -> Vec<(u64, u64)> {
        (k..self.layers.len()).fold(Vec::new(), |acc, i| union(&acc, &self.data_ranges(m, i)))
    }
}

/// Tells a qcow2 image opened for a change what its backing chain holds:
/// the guest ranges with data below it and the backing file's size, which
/// writes, discards and grows over a backing file depend on.
pub fn attach_below(m: &Machine, path: &str, image: &mut Image) {
    if cfg!(feature = "qcow2-backing") && image.header.backing_file_offset != 0 {
        let chain = Chain::open(m, path, path, false);
        image.below = Some(chain.data_ranges_from(m, 1));
        image.backing_size = chain.layers.get(1).map_or(0, |l| l.size);
    }
}

/// Ranges in guest order, neighbours and overlaps joined.
fn merged(ranges: Vec<(u64, u64)>) -> Vec<(u64, u64)> {
    let mut out: Vec<(u64, u64)> = Vec::with_capacity(ranges.len());
    for (s, e) in ranges {
        match out.last_mut() {
            Some(last) if s <= last.1 => last.1 = last.1.max(e),
            _ => out.push((s, e)),
        }
    }
    out
}

/// Two lists of ranges in guest order, merged into one (std's sort costs
/// the bundle more than this).
pub fn union(a: &[(u64, u64)], b: &[(u64, u64)]) -> Vec<(u64, u64)> {
    let (mut i, mut j) = (0, 0);
    let mut all = Vec::with_capacity(a.len() + b.len());
    while i < a.len() || j < b.len() {
        if j >= b.len() || (i < a.len() && a[i] <= b[j]) {
            all.push(a[i]);
            i += 1;
        } else {
            all.push(b[j]);
            j += 1;
        }
    }
    merged(all)
}
