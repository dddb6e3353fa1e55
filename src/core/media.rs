//! The bytes of a disk (or of a file's storage), stored sparsely as extents of
//! described content.
//!
//! Models a block device's contents as non-overlapping extents. An extent is
//! literal bytes (a partition table, a superblock, a line of text), one repeated
//! byte, or seeded pseudo-random data, so `dd if=/dev/urandom bs=1M count=10240`
//! is one extent rather than 10 GiB. Reads produce the bytes on demand; anything
//! never written reads as zeros. Memory therefore grows with the number of
//! extents written, never with a device's size. Writing zeros punches a hole:
//! on a disk, zeros and "never written" read the same.

use super::order::VecMap;
use std::rc::Rc;

use super::units::SECTOR_BYTES;

const SECTOR: usize = SECTOR_BYTES as usize;
/// Adjacent literal extents are merged while the result stays this small, so
/// sector-by-sector writes do not fragment the map.
const MERGE_BYTES_LIMIT: usize = 64 * 1024;

/// What a run of bytes is, described rather than stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Content {
    Zeros,
    /// Every byte is this value.
    Fill(u8),
    /// Seeded pseudo-random bytes: byte `i` of the stream depends only on
    /// `(seed, i)`, so any slice can be produced without the rest.
    Random { seed: u64 },
    /// Runs of `run` bytes of a random stream, each `step` bytes further on
    /// than the last: what one disk of a striped LV holds of a stream written
    /// through it. Byte `k` is the stream's byte `origin + (k / run) * step +
    /// k % run` (in wrapping arithmetic, which is exact for real positions).
    Strided { seed: u64, origin: u64, run: u64, step: u64 },
    /// Literal bytes.
    Bytes(Rc<[u8]>),
}

impl Content {
    /// Fills `out` with the stream's bytes starting at stream position `skew`.
    fn fill(&self, skew: u64, out: &mut [u8]) {
        match self {
            Content::Zeros => out.fill(0),
            Content::Fill(b) => out.fill(*b),
            Content::Random { seed } => fill_random(*seed, skew, out),
            Content::Strided { seed, .. } => {
                let mut k = skew;
                let mut rest = out;
                while !rest.is_empty() {
                    let (at, left) = self.strided_position(k);
                    let (part, tail) = rest.split_at_mut((left as usize).min(rest.len()));
                    fill_random(*seed, at, part);
                    k += part.len() as u64;
                    rest = tail;
                }
            }
            Content::Bytes(b) => {
                let start = skew as usize;
                out.copy_from_slice(&b[start..start + out.len()]);
            }
        }
    }

    /// Where byte `k` of a strided stream is in its random stream, and how
    /// many bytes of its run follow from there.
    fn strided_position(&self, k: u64) -> (u64, u64) {
        let Content::Strided { origin, run, step, .. } = *self else { return (k, u64::MAX) };
        let run = run.max(1);
        (origin.wrapping_add((k / run).wrapping_mul(step)).wrapping_add(k % run), run - k % run)
    }

    /// True when every byte of this stream is zero.
    pub fn is_zero(&self) -> bool {
        matches!(self, Content::Zeros | Content::Fill(0))
    }
}

/// SplitMix64 of one 8-byte word of a random stream.
fn random_word(seed: u64, word: u64) -> u64 {
    let mut z = seed ^ word.wrapping_mul(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

fn fill_random(seed: u64, skew: u64, out: &mut [u8]) {
    // The unaligned head, then whole words: dd of a large stream fills megabytes here.
    let from = (skew % 8) as usize;
    let mut word = skew / 8;
    let mut head = 0;
    if from != 0 {
        head = (8 - from).min(out.len());
        out[..head].copy_from_slice(&random_word(seed, word).to_le_bytes()[from..from + head]);
        word += 1;
    }
    for w in out[head..].chunks_mut(8) {
        let n = w.len();
        w.copy_from_slice(&random_word(seed, word).to_le_bytes()[..n]);
        word += 1;
    }
}

/// A run of `len` bytes of `content`, starting at stream position `skew`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Chunk {
    pub content: Content,
    pub skew: u64,
    pub len: u64,
}

impl Chunk {
    pub fn bytes(data: &[u8]) -> Chunk {
        Chunk { content: Content::Bytes(data.into()), skew: 0, len: data.len() as u64 }
    }

    pub fn zeros(len: u64) -> Chunk {
        Chunk { content: Content::Zeros, skew: 0, len }
    }

    pub fn fill(byte: u8, len: u64) -> Chunk {
        Chunk { content: Content::Fill(byte), skew: 0, len }
    }

    pub fn random(seed: u64, len: u64) -> Chunk {
        Chunk { content: Content::Random { seed }, skew: 0, len }
    }

    /// The part `offset..offset + len` of this chunk.
    pub fn slice(&self, offset: u64, len: u64) -> Chunk {
        Chunk { content: self.content.clone(), skew: self.skew + offset, len: len.min(self.len.saturating_sub(offset)) }
    }

    /// Whether every byte is zero.
    pub fn is_zero(&self) -> bool {
        self.content.is_zero() || (matches!(self.content, Content::Bytes(_)) && self.to_vec().iter().all(|b| *b == 0))
    }

    /// Whether it holds literal bytes (rather than a described stream).
    pub fn is_bytes(&self) -> bool {
        matches!(self.content, Content::Bytes(_))
    }

    /// Whether it is (a stripe of) a seeded random stream.
    pub fn is_random(&self) -> bool {
        matches!(self.content, Content::Random { .. } | Content::Strided { .. })
    }

    /// The chunk's bytes; for tests and small chunks only.
    pub fn to_vec(&self) -> Vec<u8> {
        let mut v = vec![0u8; self.len as usize];
        self.content.fill(self.skew, &mut v);
        v
    }

    /// Whether `next` continues this chunk's stream, so the two can be one
    /// extent. Two runs of one random stream always can (as a strided stream,
    /// which is how a striped LV lays a stream out on each disk); a strided
    /// stream goes on with the next run of its pattern.
    fn continues_with(&self, next: &Chunk) -> bool {
        match (&self.content, &next.content) {
            (Content::Fill(a), Content::Fill(b)) => a == b,
            (Content::Random { seed: a }, Content::Random { seed: b }) => a == b,
            (Content::Strided { seed: a, .. }, Content::Random { seed: b }) => {
                let (at, left) = self.content.strided_position(self.skew + self.len);
                a == b && at == next.skew && next.len <= left
            }
            (Content::Strided { .. }, Content::Strided { .. }) => self.content == next.content && self.skew + self.len == next.skew,
            (Content::Bytes(_), Content::Bytes(_)) => self.len as usize + next.len as usize <= MERGE_BYTES_LIMIT,
            _ => false,
        }
    }

    /// This chunk followed by `next` (which `continues_with` it).
    fn joined(self, next: &Chunk) -> Chunk {
        match (&self.content, &next.content) {
            (Content::Bytes(_), Content::Bytes(_)) => {
                let mut v = self.to_vec();
                v.extend_from_slice(&next.to_vec());
                Chunk::bytes(&v)
            }
            (Content::Random { seed }, Content::Random { .. }) if self.skew + self.len != next.skew => {
                // Two runs: the first ends a run of `run` bytes, the second starts one.
                let run = self.len.max(next.len);
                let origin = self.skew.wrapping_sub(run - self.len);
                let step = next.skew.wrapping_sub(origin);
                Chunk { content: Content::Strided { seed: *seed, origin, run, step }, skew: run - self.len, len: self.len + next.len }
            }
            _ => Chunk { len: self.len + next.len, ..self },
        }
    }
}

/// Sparse bytes addressed from 0. Unwritten bytes read as zeros.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Media {
    /// Non-overlapping, non-empty, never-zero extents keyed by start offset.
    extents: VecMap<u64, Chunk>,
    stamp: Stamp,
    /// The second member disk of a RAID controller's mirrored logical drive
    /// (`crate::core::hwraid`): every write lands on both members, and reads
    /// come from the first, this media's own extents.
    #[cfg(feature = "zfs")]
    mirror: Option<Box<Media>>,
}

/// A number no other state of any media has had, taken at every change, so a
/// parsed structure (a partition table) can be kept until the bytes change.
/// 0 means never written. It is not part of the content: equal media compare
/// equal whatever their stamps.
#[derive(Debug, Clone, Copy, Default)]
struct Stamp(u64);

impl PartialEq for Stamp {
    fn eq(&self, _: &Stamp) -> bool {
        true
    }
}

impl Eq for Stamp {}

static NEXT_STAMP: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);

impl Media {
    /// Changes whenever the bytes may have changed.
    pub fn stamp(&self) -> u64 {
        self.stamp.0
    }

    /// Writes `chunk` at `offset`, replacing what was there.
    pub fn write(&mut self, offset: u64, chunk: Chunk) {
        #[cfg(feature = "zfs")]
        if let Some(m) = &mut self.mirror {
            m.write(offset, chunk.clone());
        }
        self.write_here(offset, chunk);
    }

    /// `write`, on this member of a mirrored drive only.
    fn write_here(&mut self, offset: u64, chunk: Chunk) {
        if chunk.len == 0 {
            return;
        }
        self.punch_here(offset, chunk.len);
        if chunk.content.is_zero() || matches!(&chunk.content, Content::Bytes(_)) && chunk.to_vec().iter().all(|b| *b == 0) {
            return;
        }
        let mut start = offset;
        let mut merged = chunk;
        if let Some((&prev_start, prev)) = self.extents.below(&offset) {
            if prev_start + prev.len == offset && prev.continues_with(&merged) {
                let prev = self.extents.remove(&prev_start).unwrap_or_else(|| Chunk::zeros(0));
                merged = prev.joined(&merged);
                start = prev_start;
            }
        }
        let end = start + merged.len;
        if let Some(next) = self.extents.get(&end) {
            if merged.continues_with(next) {
                let next = next.clone();
                self.extents.remove(&end);
                merged = merged.joined(&next);
            }
        }
        self.extents.insert(start, merged);
    }

    /// Makes `offset..offset + len` read as zeros.
    pub fn punch(&mut self, offset: u64, len: u64) {
        #[cfg(feature = "zfs")]
        if let Some(m) = &mut self.mirror {
            m.punch(offset, len);
        }
        self.punch_here(offset, len);
    }

    fn punch_here(&mut self, offset: u64, len: u64) {
        self.stamp = Stamp(NEXT_STAMP.fetch_add(1, std::sync::atomic::Ordering::Relaxed));
        let end = offset.saturating_add(len);
        let overlapping: Vec<u64> = self.overlapping(offset, end).map(|(s, _)| s).collect();
        for s in overlapping {
            let Some(c) = self.extents.remove(&s) else { continue };
            let c_end = s + c.len;
            if s < offset {
                self.extents.insert(s, c.slice(0, offset - s));
            }
            if c_end > end {
                self.extents.insert(end, c.slice(end - s, c_end - end));
            }
        }
    }

    /// Starts of the extents that intersect `start..end`, with their chunks.
    fn overlapping(&self, start: u64, end: u64) -> impl Iterator<Item = (u64, &Chunk)> {
        let first = self.extents.floor(&start).filter(|(s, c)| **s + c.len > start).map(|(s, _)| *s);
        let from = first.unwrap_or(start);
        self.extents.range_between(&from, end).map(|(s, c)| (*s, c)).filter(move |(s, c)| s + c.len > start)
    }

    /// The bytes `offset..offset + len` (holes as zeros).
    pub fn read(&self, offset: u64, len: u64) -> Vec<u8> {
        let mut out = vec![0u8; len as usize];
        let end = offset.saturating_add(len);
        for (s, c) in self.overlapping(offset, end) {
            let from = s.max(offset);
            let to = (s + c.len).min(end);
            let dst = &mut out[(from - offset) as usize..(to - offset) as usize];
            c.content.fill(c.skew + (from - s), dst);
        }
        out
    }

    /// The written pieces of `offset..offset + len`, in order, as (offset, chunk);
    /// gaps between them are holes.
    pub fn pieces(&self, offset: u64, len: u64) -> Vec<(u64, Chunk)> {
        let end = offset.saturating_add(len);
        self.overlapping(offset, end)
            .map(|(s, c)| {
                let from = s.max(offset);
                let to = (s + c.len).min(end);
                (from, c.slice(from - s, to - from))
            })
            .collect()
    }

    pub fn read_sector(&self, lba: u64) -> [u8; SECTOR] {
        let mut s = [0u8; SECTOR];
        s.copy_from_slice(&self.read(lba * SECTOR_BYTES, SECTOR_BYTES));
        s
    }

    pub fn write_sector(&mut self, lba: u64, data: &[u8; SECTOR]) {
        self.write(lba * SECTOR_BYTES, Chunk::bytes(data));
    }

    /// Writes `data` from sector `lba` on; a short final sector is zero-padded.
    pub fn write_bytes(&mut self, lba: u64, data: &[u8]) {
        let mut padded = data.to_vec();
        padded.resize(data.len().div_ceil(SECTOR) * SECTOR, 0);
        self.write(lba * SECTOR_BYTES, Chunk::bytes(&padded));
    }

    pub fn read_bytes(&self, lba: u64, sectors: u64) -> Vec<u8> {
        self.read(lba * SECTOR_BYTES, sectors * SECTOR_BYTES)
    }

    /// Number of extents stored: the simulator's real memory cost.
    pub fn extent_count(&self) -> usize {
        self.extents.len()
    }

    /// Bytes covered by written extents (holes excluded).
    pub fn written_bytes(&self) -> u64 {
        self.extents.values().map(|c| c.len).sum()
    }

    /// Makes this the first member of a mirrored logical drive whose second
    /// member holds the same bytes.
    #[cfg(feature = "zfs")]
    pub fn mirror_members(&mut self) {
        let mut copy = self.clone();
        copy.mirror = None;
        self.mirror = Some(Box::new(copy));
    }

    /// The second member's bytes, if this is a mirrored logical drive.
    #[cfg(feature = "zfs")]
    pub fn mirror(&self) -> Option<&Media> {
        self.mirror.as_deref()
    }

    /// Writes `chunk` on one member only (0 is the one reads come from), as a
    /// fault below the controller does.
    #[cfg(feature = "zfs")]
    pub fn write_member(&mut self, member: usize, offset: u64, chunk: Chunk) {
        match (member, &mut self.mirror) {
            (0, _) => self.write_here(offset, chunk),
            (_, Some(m)) => m.write_here(offset, chunk),
            (_, None) => {}
        }
    }

    /// Drops a member (0: the one reads come from, whose place the other
    /// takes). Afterwards the drive has no mirror.
    #[cfg(feature = "zfs")]
    pub fn fail_member(&mut self, member: usize) {
        let Some(m) = self.mirror.take() else { return };
        if member == 0 {
            *self = *m;
            self.stamp = Stamp(NEXT_STAMP.fetch_add(1, std::sync::atomic::Ordering::Relaxed));
        }
    }

    /// The byte ranges where the two members differ, merged, as (offset, len).
    #[cfg(feature = "zfs")]
    pub fn member_differences(&self) -> Vec<(u64, u64)> {
        let Some(other) = &self.mirror else { return Vec::new() };
        let mut edges: Vec<u64> = Vec::new();
        for m in [self, other.as_ref()] {
            for (s, c) in m.extents.iter() {
                edges.extend([*s, s + c.len]);
            }
        }
        edges.sort_unstable();
        edges.dedup();
        let mut out: Vec<(u64, u64)> = Vec::new();
        for w in edges.windows(2) {
            let (a, b) = (w[0], w[1]);
            if self.pieces(a, b - a) == other.pieces(a, b - a) {
                continue;
            }
            // Different descriptions can still be equal bytes; compare them a MiB at a time.
            let mut at = a;
            while at < b {
                let n = (b - at).min(1 << 20);
                let (x, y) = (self.read(at, n), other.read(at, n));
                for (i, _) in x.iter().zip(&y).enumerate().filter(|(_, (p, q))| p != q) {
                    let o = at + i as u64;
                    match out.last_mut() {
                        Some((s, l)) if *s + *l == o => *l += 1,
                        _ => out.push((o, 1)),
                    }
                }
                at += n;
            }
        }
        out
    }

    /// Zeroes sectors `first..=last`.
    pub fn discard(&mut self, first: u64, last: u64) {
        self.punch(first * SECTOR_BYTES, (last + 1 - first.min(last + 1)) * SECTOR_BYTES);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(feature = "zfs")]
    #[test]
    fn a_mirrored_drive_writes_both_members_and_rot_stays_on_one() {
        let mut m = Media::default();
        m.write(0, Chunk::bytes(b"old"));
        m.mirror_members();
        m.write(100, Chunk::random(7, 1 << 20));
        assert_eq!(m.member_differences(), Vec::<(u64, u64)>::new());
        let byte = m.read(105, 1)[0] ^ 0x10;
        m.write_member(1, 105, Chunk::bytes(&[byte]));
        m.write_member(0, 1, Chunk::bytes(b"X"));
        assert_eq!(m.member_differences(), vec![(1, 1), (105, 1)]);
        assert_eq!((m.read(0, 3), m.mirror().map(|b| b.read(0, 3))), (b"oXd".to_vec(), Some(b"old".to_vec())));
        // A write through the controller lands on both and ends the difference.
        m.write(104, Chunk::fill(1, 4));
        assert_eq!(m.member_differences(), vec![(1, 1)]);
        m.fail_member(0);
        assert_eq!((m.read(0, 3), m.mirror().is_none()), (b"old".to_vec(), true));
    }

    #[test]
    fn holes_read_as_zeros_and_writes_overlay() {
        let mut m = Media::default();
        m.write(10, Chunk::bytes(b"hello"));
        m.write(12, Chunk::fill(b'x', 2));
        assert_eq!(m.read(8, 10), b"\0\0hexxo\0\0\0");
        m.punch(11, 3);
        assert_eq!(m.read(10, 5), b"h\0\0\0o");
    }

    #[test]
    fn sequential_random_writes_stay_one_extent() {
        let mut m = Media::default();
        let seed = 99;
        for i in 0..1000u64 {
            m.write(i * 4096, Chunk { content: Content::Random { seed }, skew: i * 4096, len: 4096 });
        }
        assert_eq!(m.extent_count(), 1);
        let whole = Chunk::random(seed, 4096 * 1000);
        assert_eq!(m.read(4093, 20), whole.slice(4093, 20).to_vec());
    }

    #[test]
    fn random_streams_are_position_addressed() {
        let c = Chunk::random(7, 64);
        let all = c.to_vec();
        assert_eq!(c.slice(13, 20).to_vec(), all[13..33].to_vec());
        assert_eq!(c.slice(13, 2).to_vec(), all[13..15].to_vec());
        assert_eq!(c.slice(16, 5).to_vec(), all[16..21].to_vec());
        assert_ne!(Chunk::random(8, 64).to_vec(), all);
    }

    #[test]
    fn a_stream_striped_over_disks_stays_one_extent_per_disk() {
        // Two disks under 4 KiB stripes, written as dm-stripe splits a stream
        // that starts 1 KiB into a stripe.
        let (seed, chunk) = (5, 4096u64);
        let mut disks = [Media::default(), Media::default()];
        let mut at = 1024;
        while at < 64 * 1024 {
            let n = chunk - at % chunk;
            let (row, disk) = (at / chunk / 2, (at / chunk % 2) as usize);
            disks[disk].write(row * chunk + at % chunk, Chunk { content: Content::Random { seed }, skew: at, len: n });
            at += n;
        }
        let stream = Chunk::random(seed, 64 * 1024).to_vec();
        for (d, m) in disks.iter().enumerate() {
            assert_eq!(m.extent_count(), 1);
            for row in 0..8u64 {
                let lv = (row * 2 + d as u64) * chunk;
                let from = if lv == 0 { 1024 } else { 0 };
                let got = m.read(row * chunk + from, chunk - from);
                assert_eq!(got, stream[(lv + from) as usize..(lv + chunk) as usize], "disk {d} row {row}");
            }
        }
    }

    #[test]
    fn zero_writes_punch_holes() {
        let mut m = Media::default();
        m.write_sector(0, &[0xaa; SECTOR]);
        m.write_sector(0, &[0; SECTOR]);
        assert_eq!(m.extent_count(), 0);
    }
}
