//! The I/O pipeline under the tree: compress, checksum, allocate and write a
//! block's copies; read a block back, verify it against its parent's
//! checksum, and heal.
//!
//! A read tries one mirror side (or the raidz1 data columns) and checks the
//! checksum. On a mismatch it tries the other sides, or rebuilds each raidz1
//! column in turn from parity until the checksum holds, or moves to the
//! block's next DVA (a ditto copy); then it rewrites the bad copy with the
//! good bytes and counts a CKSUM error on that leaf. A scrub reads every
//! copy (parity too). With no good copy the read fails and the block goes on
//! the pool's error log. Simplified: a mirror always reads the side chosen
//! by the block's offset (ZFS balances by load); no read retries, no
//! vdev-level fault management.
//!
//! Metadata is always compressed with LZ4, and data too unless the
//! dataset's `compression` is off (OpenZFS 2.2's default is on, which is
//! LZ4). A data block of zeros becomes a hole; a level-0 block whose
//! compressed bytes fit in 112 goes inside its pointer instead of on disk
//! (`embedded_data`), as small ZAPs, empty directories and short files do.
//! Simplified: every algorithm but `off` compresses as LZ4; seeded random
//! content is taken as incompressible without compressing it (LZ4 never
//! saves the eighth ZFS asks of it there); metadata of zeros is not
//! turned into holes (only indirect blocks are).

use super::blkptr::{Blkptr, Compress, Dva, ObjType, BPE_PAYLOAD_BYTES};
use super::dmu::{Bookmark, Buf, Tx};
use super::pool::LoggedError;
use super::vdev::VdevKind;
use super::ZfsError;
use crate::core::event::Event;
use crate::core::media::Chunk;

fn roundup(x: u64, to: u64) -> u64 {
    x.div_ceil(to) * to
}

/// `lz4_compress_zfs`: a 4-byte big-endian length, then the LZ4 block;
/// `None` unless it saves at least an eighth (`zio_compress_data`).
pub(super) fn lz4_compress(bytes: &[u8]) -> Option<Vec<u8>> {
    let limit = bytes.len() - bytes.len() / 8;
    let body = lz4_flex::block::compress(bytes);
    if body.len() + 4 > limit {
        return None;
    }
    let mut out = (body.len() as u32).to_be_bytes().to_vec();
    out.extend_from_slice(&body);
    Some(out)
}

thread_local! {
    /// Decompressed blocks by the checksum of their verified physical
    /// bytes: a cache, not state (the same bytes always decode the same).
    /// Every lookup reads a dataset's meta-dnode through five 128 KiB
    /// indirect levels, and decoding those each time made `./x bench`'s
    /// LVM commands (whose device probes read the zvol) 7 times slower.
    static DECODED: std::cell::RefCell<std::collections::HashMap<([u64; 4], u64), Vec<u8>>> = Default::default();
}

/// Past this many blocks the cache starts again (at most 32 MiB).
const DECODED_LIMIT: usize = 256;

fn decoded(bp: &Blkptr, phys: &[u8]) -> Result<Vec<u8>, ZfsError> {
    let key = (bp.cksum.0, bp.lsize);
    if let Some(hit) = DECODED.with(|d| d.borrow().get(&key).cloned()) {
        return Ok(hit);
    }
    let bytes = lz4_decompress(phys, bp.lsize as usize).ok_or(ZfsError::Io)?;
    DECODED.with(|d| {
        let mut d = d.borrow_mut();
        if d.len() >= DECODED_LIMIT {
            d.clear();
        }
        d.insert(key, bytes.clone());
    });
    Ok(bytes)
}

/// `lz4_decompress_zfs`; `None` for bytes that do not decode.
fn lz4_decompress(phys: &[u8], lsize: usize) -> Option<Vec<u8>> {
    let len = u32::from_be_bytes(phys.get(..4)?.try_into().ok()?) as usize;
    let mut out = vec![0u8; lsize];
    lz4_flex::block::decompress_into(phys.get(4..4 + len)?, &mut out).ok()?;
    Some(out)
}

/// Bytes `at..at + len` of a block of `psize` bytes padded with zeros.
fn padded_slice(phys: &Chunk, psize: u64, at: u64, len: u64) -> Chunk {
    if at + len <= psize {
        return phys.slice(at, len);
    }
    let mut v = if at < psize { phys.slice(at, psize - at).to_vec() } else { Vec::new() };
    v.resize(len as usize, 0);
    Chunk::bytes(&v)
}

impl Tx<'_> {
    /// Compresses (metadata), checksums, allocates and writes a new block.
    pub(super) fn write_block(&mut self, key: Bookmark, obj_type: ObjType, level: u8, buf: Buf, fill: u64) -> Result<Blkptr, ZfsError> {
        let lsize = buf.len();
        let metadata = level > 0 || obj_type.is_metadata();
        let packs = metadata || (self.pool.compresses(key.os) && !buf.is_random());
        let (phys, psize, compress) = if !packs {
            (buf.to_chunk(), lsize, Compress::Off)
        } else if !metadata && buf.is_zero() {
            // `zio_write_compress`: compressed to nothing, the block is a hole.
            return Ok(Blkptr::hole());
        } else {
            let bytes = buf.to_vec();
            let packed = lz4_compress(&bytes);
            // A small enough level-0 block rides in its pointer.
            match packed {
                Some(p) if level == 0 && !obj_type.has_fill() && p.len() <= BPE_PAYLOAD_BYTES => return Ok(Blkptr::embed(&p, lsize, obj_type, self.txg)),
                _ => self.compress(bytes, packed),
            }
        };
        let alg = self.pool.checksum_for(key.os, metadata);
        let cksum = self.pool.memo.of_chunk(alg, &phys);
        let copies = self.pool.copies_for(key.os, metadata);
        let dvas = self.allocate(psize, copies)?;
        let bp = Blkptr { dvas, lsize, psize, compress: Some(compress), checksum: Some(alg), obj_type: Some(obj_type), level, birth_txg: self.txg, fill, cksum, embedded: None };
        let block = self.zblock(key.os, &bp);
        self.events.push(Event::BlockAllocated { block });
        for dva in bp.dvas.clone() {
            self.write_dva(dva, &phys, psize);
        }
        #[cfg(feature = "zfs")]
        if let Some(key) = super::arc_key(self.pool, &bp).filter(|_| !metadata) {
            self.arc_mut().map(|arc| arc.written(key, bp.psize, bp.lsize));
        }
        Ok(bp)
    }

    /// Counts a demand read of a data block in the ARC (scrubs bypass it).
    #[cfg(feature = "zfs")]
    fn arc_read(&mut self, bp: &Blkptr) {
        if !bp.is_data() || self.scrubbing {
            return;
        }
        if let (Some(key), Some(arc)) = (super::arc_key(self.pool, bp), self.arc_mut()) {
            arc.read(key, bp.psize, bp.lsize);
        }
    }

    #[cfg(feature = "zfs")]
    pub(super) fn arc_mut(&mut self) -> Option<&mut super::arc::Arc> {
        self.arc.as_deref_mut().map(std::rc::Rc::make_mut)
    }

    /// The compressed form padded to whole sectors, unless that is no
    /// smaller than the block (`zio_write_compress`).
    fn compress(&self, bytes: Vec<u8>, packed: Option<Vec<u8>>) -> (Chunk, u64, Compress) {
        let lsize = bytes.len() as u64;
        let sector = 1u64 << self.pool.ashift;
        if let Some(mut c) = packed {
            let psize = roundup(c.len() as u64, sector);
            if psize < lsize {
                c.resize(psize as usize, 0);
                return (Chunk::bytes(&c), psize, Compress::Lz4);
            }
        }
        (Chunk::bytes(&bytes), lsize, Compress::Off)
    }

    /// Places `copies` copies: each on the emptiest top-level vdev not yet
    /// used, or, with one vdev, in a later metaslab than the previous copy.
    fn allocate(&mut self, psize: u64, copies: usize) -> Result<Vec<Dva>, ZfsError> {
        let mut dvas: Vec<Dva> = Vec::new();
        for _ in 0..copies {
            let mut order: Vec<usize> = (0..self.pool.vdevs.len()).collect();
            let fullness = |v: &super::vdev::TopVdev| v.allocated.total() as u128 * 1_000_000 / u128::from(v.normal_space().max(1));
            order.sort_by_key(|i| (dvas.iter().any(|d| d.vdev as usize == *i), fullness(&self.pool.vdevs[*i]), *i));
            let found = order.into_iter().find_map(|i| {
                let v = &self.pool.vdevs[i];
                let asize = v.psize_to_asize(psize);
                let first_ms = dvas.iter().rev().find(|d| d.vdev as usize == i).map_or(0, |d| v.metaslab_of(d.offset) + 1);
                v.find_free(asize, first_ms).map(|off| Dva { vdev: v.id, offset: off, asize })
            });
            let dva = found.ok_or(ZfsError::NoSpace)?;
            self.pool.vdevs[dva.vdev as usize].allocated.insert(dva.offset, dva.asize);
            dvas.push(dva);
        }
        Ok(dvas)
    }

    /// Writes one copy to every writable leaf under its vdev.
    fn write_dva(&mut self, dva: Dva, phys: &Chunk, psize: u64) {
        let top = &self.pool.vdevs[dva.vdev as usize];
        let size = roundup(psize, top.sector());
        let layout = top.layout(dva.offset, size);
        let parity = if top.kind == VdevKind::Raidz1 { Some(self.parity(&layout, phys, psize)) } else { None };
        for (child, off, len, data_at) in layout {
            let leaf = &self.pool.vdevs[dva.vdev as usize].children[child];
            if !leaf.writable() {
                continue;
            }
            let dev = leaf.dev;
            let chunk = match data_at {
                Some(at) => padded_slice(phys, psize, at, len),
                None => Chunk::bytes(parity.as_deref().unwrap_or_default()),
            };
            if self.io.write(dev, off, chunk) {
                self.pool.vdevs[dva.vdev as usize].children[child].io.wrote(len);
                self.events.push(Event::BlockWritten { pool: self.pool.name.clone(), dev: self.io.name(dev), offset_bytes: off, size_bytes: len });
            } else {
                self.pool.vdevs[dva.vdev as usize].children[child].errors.write += 1;
            }
        }
    }

    fn parity(&self, layout: &[(usize, u64, u64, Option<u64>)], phys: &Chunk, psize: u64) -> Vec<u8> {
        let cols: Vec<Vec<u8>> = layout.iter().filter_map(|(_, _, len, at)| at.map(|a| padded_slice(phys, psize, a, *len).to_vec())).collect();
        let refs: Vec<&[u8]> = cols.iter().map(|c| c.as_slice()).collect();
        let size = layout.first().map_or(0, |c| c.2) as usize;
        super::vdev::xor_parity(&refs, size)
    }

    /// A block's logical bytes, verified (and healed) on the way.
    pub(super) fn read_bp(&mut self, bp: &Blkptr, key: Bookmark) -> Result<Vec<u8>, ZfsError> {
        if let Some(payload) = bp.payload() {
            return lz4_decompress(payload, bp.lsize as usize).ok_or(ZfsError::Io);
        }
        #[cfg(feature = "zfs")]
        self.arc_read(bp);
        let phys = self.read_phys(bp, key)?;
        match bp.compress {
            Some(Compress::Lz4) if bp.alg() != super::ChecksumAlg::Off => decoded(bp, &phys),
            Some(Compress::Lz4) => lz4_decompress(&phys, bp.lsize as usize).ok_or(ZfsError::Io),
            _ => Ok(phys),
        }
    }

    /// A block's physical bytes from the first good copy; bad copies of
    /// other DVAs are rewritten from it.
    pub(super) fn read_phys(&mut self, bp: &Blkptr, key: Bookmark) -> Result<Vec<u8>, ZfsError> {
        let mut good: Option<Vec<u8>> = None;
        let mut bad = Vec::new();
        for dva in &bp.dvas {
            if good.is_some() && !self.scrubbing {
                break;
            }
            match self.read_dva(*dva, bp) {
                Some(b) if good.is_none() => good = Some(b),
                Some(_) => {}
                None => bad.push(*dva),
            }
        }
        let Some(good) = good else {
            let logged = LoggedError { bookmark: key, birth_txg: bp.birth_txg };
            self.pool.record_error(logged);
            if let Some(scan) = self.pool.scan.as_mut().filter(|_| self.scrubbing) {
                scan.found_error(logged);
            }
            let block = self.zblock(key.os, bp);
            self.events.push(Event::BlockUnrecoverable { block, object: key.object, blkid: key.blkid });
            return Err(ZfsError::Io);
        };
        for dva in bad {
            self.heal_dva(dva, &good, bp.psize);
        }
        Ok(good)
    }

    pub(super) fn verify(&self, bytes: &[u8], bp: &Blkptr) -> Option<[u64; 4]> {
        let actual = bp.alg().of(&bytes[..(bp.psize as usize).min(bytes.len())]);
        (bp.alg() != super::ChecksumAlg::Off && actual != bp.cksum).then_some(actual.0)
    }

    fn read_dva(&mut self, dva: Dva, bp: &Blkptr) -> Option<Vec<u8>> {
        let top = self.pool.vdevs.get(dva.vdev as usize)?;
        let mut got = match top.kind {
            VdevKind::Raidz1 => self.read_raidz(dva, bp),
            _ => self.read_mirror(dva, bp),
        }?;
        got.truncate(bp.psize as usize);
        Some(got)
    }

    /// A mirror (or single disk): the preferred side, then the others.
    fn read_mirror(&mut self, dva: Dva, bp: &Blkptr) -> Option<Vec<u8>> {
        let t = dva.vdev as usize;
        let size = roundup(bp.psize, self.pool.vdevs[t].sector());
        let n = self.pool.vdevs[t].children.len();
        let first = (dva.offset >> 20) as usize % n;
        let mut good: Option<Vec<u8>> = None;
        let mut bad = Vec::new();
        for c in (0..n).map(|i| (first + i) % n) {
            if good.is_some() && !self.scrubbing {
                break;
            }
            let leaf = &self.pool.vdevs[t].children[c];
            if !leaf.readable() {
                continue;
            }
            let off = dva.offset + super::vdev::VDEV_LABEL_START_BYTES;
            let Some(bytes) = self.io.read(leaf.dev, off, size) else {
                self.pool.vdevs[t].children[c].errors.read += 1;
                continue;
            };
            self.pool.vdevs[t].children[c].io.read(size);
            match self.verify(&bytes, bp) {
                None if good.is_none() => good = Some(bytes),
                None => {}
                Some(actual) => {
                    self.mismatch(t, c, off, size, bp, actual);
                    bad.push(c);
                }
            }
        }
        match &good {
            Some(g) => bad.iter().for_each(|c| self.heal_child(t, *c, dva.offset + super::vdev::VDEV_LABEL_START_BYTES, Chunk::bytes(g))),
            None if !bad.is_empty() => self.pool.vdevs[t].errors.cksum += 1,
            None => {}
        }
        good
    }

    pub(super) fn mismatch(&mut self, t: usize, c: usize, off: u64, size: u64, bp: &Blkptr, actual: [u64; 4]) {
        let leaf = &mut self.pool.vdevs[t].children[c];
        leaf.checksum_error(self.now, self.scrubbing);
        let dev = self.io.name(leaf.dev);
        self.events.push(Event::ChecksumMismatch { pool: self.pool.name.clone(), dev, offset_bytes: off, size_bytes: size, expected: bp.cksum.0, actual });
    }

    /// Rewrites one leaf's part of a block with good bytes.
    pub(super) fn heal_child(&mut self, t: usize, c: usize, off: u64, chunk: Chunk) {
        let leaf = &self.pool.vdevs[t].children[c];
        if !leaf.writable() {
            return;
        }
        let (dev, len) = (leaf.dev, chunk.len);
        if self.io.write(dev, off, chunk) {
            let scanning = self.pool.scan.as_ref().is_some_and(|s| s.state == super::scrub::ScanState::Scanning);
            let leaf = &mut self.pool.vdevs[t].children[c];
            leaf.io.wrote(len);
            if scanning {
                leaf.count_scan_write(Some(len));
            }
            self.pool.repaired_bytes += len;
            self.events.push(Event::BlockHealed { pool: self.pool.name.clone(), dev: self.io.name(dev), offset_bytes: off, size_bytes: len });
        }
    }

    /// Rewrites every leaf's part of a bad DVA from the block's good bytes.
    fn heal_dva(&mut self, dva: Dva, good: &[u8], psize: u64) {
        let t = dva.vdev as usize;
        let size = roundup(psize, self.pool.vdevs[t].sector());
        let phys = Chunk::bytes(good);
        let layout = self.pool.vdevs[t].layout(dva.offset, size);
        let parity = self.parity(&layout, &phys, psize);
        for (c, off, len, at) in layout {
            let chunk = match at {
                Some(a) => padded_slice(&phys, psize, a, len),
                None => Chunk::bytes(&parity),
            };
            self.heal_child(t, c, off, chunk);
        }
    }

    /// Raidz1: the data columns, any one of them rebuilt from parity when
    /// its leaf is missing or when that makes the checksum hold.
    fn read_raidz(&mut self, dva: Dva, bp: &Blkptr) -> Option<Vec<u8>> {
        let t = dva.vdev as usize;
        let size = roundup(bp.psize, self.pool.vdevs[t].sector());
        let layout = self.pool.vdevs[t].layout(dva.offset, size);
        let mut cols: Vec<Option<Vec<u8>>> = Vec::new();
        for (c, off, len, _) in &layout {
            let leaf = &mut self.pool.vdevs[t].children[*c];
            let col = if leaf.readable() { self.io.read(leaf.dev, *off, *len) } else { None };
            if col.is_some() {
                leaf.io.read(*len);
            }
            cols.push(col);
        }
        let missing: Vec<usize> = (0..cols.len()).filter(|i| cols[*i].is_none()).collect();
        if missing.len() > 1 {
            return None;
        }
        if let Some(&m) = missing.first() {
            cols[m] = Some(rebuild(&cols, m, layout[m].2));
        }
        let cols: Vec<Vec<u8>> = cols.into_iter().map(|c| c.unwrap_or_default()).collect();
        let block = assemble(&cols, size);
        let Some(actual) = self.verify(&block, bp) else {
            if self.scrubbing && missing.is_empty() {
                self.check_parity(t, &layout, &cols, bp);
            }
            return Some(block);
        };
        if !missing.is_empty() {
            self.pool.vdevs[t].errors.cksum += 1;
            return None;
        }
        self.reconstruct(t, &layout, &cols, bp, size, actual)
    }

    /// Tries rebuilding each data column from the others and parity.
    fn reconstruct(&mut self, t: usize, layout: &[(usize, u64, u64, Option<u64>)], cols: &[Vec<u8>], bp: &Blkptr, size: u64, actual: [u64; 4]) -> Option<Vec<u8>> {
        for i in 1..cols.len() {
            let mut trial = cols.to_vec();
            trial[i] = rebuild(&cols.iter().cloned().map(Some).collect::<Vec<_>>(), i, layout[i].2);
            let block = assemble(&trial, size);
            if self.verify(&block, bp).is_none() {
                let (c, off, len, _) = layout[i];
                self.mismatch(t, c, off, len, bp, actual);
                self.heal_child(t, c, off, Chunk::bytes(&trial[i]));
                return Some(block);
            }
        }
        for (c, ..) in layout {
            self.pool.vdevs[t].children[*c].checksum_error(self.now, self.scrubbing);
        }
        self.pool.vdevs[t].errors.cksum += 1;
        None
    }

    /// A scrub also checks the parity column against the good data.
    fn check_parity(&mut self, t: usize, layout: &[(usize, u64, u64, Option<u64>)], cols: &[Vec<u8>], bp: &Blkptr) {
        let refs: Vec<&[u8]> = cols[1..].iter().map(|c| c.as_slice()).collect();
        let want = super::vdev::xor_parity(&refs, cols[0].len());
        if want != cols[0] {
            let (c, off, len, _) = layout[0];
            self.mismatch(t, c, off, len, bp, super::ChecksumAlg::Fletcher4.of(&cols[0]).0);
            self.heal_child(t, c, off, Chunk::bytes(&want));
        }
    }
}

/// Column `m` from parity and the other columns (column 0 is parity).
fn rebuild(cols: &[Option<Vec<u8>>], m: usize, len: u64) -> Vec<u8> {
    let others: Vec<&[u8]> = cols.iter().enumerate().filter(|(i, _)| *i != m).filter_map(|(_, c)| c.as_deref()).collect();
    let size = cols.iter().filter_map(|c| c.as_ref().map(|v| v.len())).max().unwrap_or(0).max(len as usize);
    let mut v = super::vdev::xor_parity(&others, size);
    v.truncate(len as usize);
    v
}

/// The block's bytes: the data columns in order.
fn assemble(cols: &[Vec<u8>], size: u64) -> Vec<u8> {
    let mut block: Vec<u8> = cols[1..].iter().flat_map(|c| c.iter().copied()).collect();
    block.resize(size as usize, 0);
    block
}

impl Tx<'_> {
    /// Writes one leaf's part of a copy from the block's good bytes.
    pub(super) fn rewrite_leaf(&mut self, dva: Dva, good: &[u8], psize: u64, child: usize) {
        let t = dva.vdev as usize;
        let size = roundup(psize, self.pool.vdevs[t].sector());
        let phys = Chunk::bytes(good);
        let layout = self.pool.vdevs[t].layout(dva.offset, size);
        let parity = self.parity(&layout, &phys, psize);
        for (c, off, len, at) in layout.into_iter().filter(|l| l.0 == child) {
            let chunk = match at {
                Some(a) => padded_slice(&phys, psize, a, len),
                None => Chunk::bytes(&parity),
            };
            self.heal_child(t, c, off, chunk);
        }
    }
}
