//! Block checksums as ZFS computes them: fletcher4 (the default) and SHA-256,
//! over the block's physical bytes, stored in the parent's block pointer.
//!
//! Both give four 64-bit words (`zio_cksum_t`). Fletcher4 sums the block as
//! little-endian 32-bit words into four running 64-bit sums; SHA-256's digest
//! is stored as four big-endian words, as `zio_checksum_SHA256` stores it.
//! Simplified: no byteswapped variants (the lab is little-endian throughout)
//! and no fletcher2, skein, edonr or blake3.

use sha2::{Digest, Sha256};

use crate::core::media::{Chunk, Content};
use std::cell::RefCell;
use std::rc::Rc;

/// A 256-bit checksum as ZFS stores it: `zc_word[0..4]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Hash, PartialOrd, Ord)]
pub struct Cksum(pub [u64; 4]);

/// Checksums of described content (zeros, a fill, seeded random data),
/// keyed by exactly which bytes they are: the same 16 KiB of a random stream
/// always has the same fletcher4, so a scrub that finds a block's copies
/// still holding what was written checks them without producing the bytes
/// again. Literal bytes are never memoised. A cache, not state: clones share
/// it and it never makes two machines unequal.
#[derive(Debug, Clone, Default)]
pub struct ChecksumMemo(Rc<RefCell<rustc_hash::FxHashMap<MemoKey, Cksum>>>);

/// (algorithm, content kind and parameters, stream position, length).
type MemoKey = (u8, u8, [u64; 4], u64, u64);

/// Past this many entries the memo starts again (about 40 MiB).
const MEMO_LIMIT: usize = 1 << 20;

impl PartialEq for ChecksumMemo {
    fn eq(&self, _: &ChecksumMemo) -> bool {
        true
    }
}

impl Eq for ChecksumMemo {}

impl ChecksumMemo {
    /// `alg.of_chunk(chunk)`, remembered for described content.
    pub fn of_chunk(&self, alg: ChecksumAlg, chunk: &Chunk) -> Cksum {
        let content = match chunk.content {
            Content::Zeros => (0, [0; 4]),
            Content::Fill(b) => (1, [u64::from(b), 0, 0, 0]),
            Content::Random { seed } => (2, [seed, 0, 0, 0]),
            Content::Strided { seed, origin, run, step } => (3, [seed, origin, run, step]),
            Content::Bytes(_) => return alg.of_chunk(chunk),
        };
        let skew = if matches!(chunk.content, Content::Zeros | Content::Fill(_)) { 0 } else { chunk.skew };
        let key = (alg as u8, content.0, content.1, skew, chunk.len);
        if let Some(c) = self.0.borrow().get(&key) {
            return *c;
        }
        let sum = alg.of_chunk(chunk);
        let mut memo = self.0.borrow_mut();
        if memo.len() >= MEMO_LIMIT {
            memo.clear();
        }
        memo.insert(key, sum);
        sum
    }
}

/// The checksum algorithms the lab models, with their `zio_checksum` numbers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChecksumAlg {
    /// `checksum=off`: nothing is verified, so bit rot goes unnoticed.
    Off,
    Fletcher4,
    Sha256,
    /// Vdev labels and uberblocks: SHA-256 seeded with the block's offset,
    /// kept inside the block itself (`zio_eck_t`).
    Label,
}

impl ChecksumAlg {
    /// `enum zio_checksum`'s value, stored in a block pointer.
    pub fn code(self) -> u8 {
        match self {
            ChecksumAlg::Off => 2,
            ChecksumAlg::Label => 3,
            ChecksumAlg::Fletcher4 => 7,
            ChecksumAlg::Sha256 => 8,
        }
    }

    pub fn from_code(code: u8) -> Option<ChecksumAlg> {
        [ChecksumAlg::Off, ChecksumAlg::Label, ChecksumAlg::Fletcher4, ChecksumAlg::Sha256].into_iter().find(|a| a.code() == code)
    }

    /// The property value `zfs get checksum` prints for it.
    pub fn name(self) -> &'static str {
        match self {
            ChecksumAlg::Off => "off",
            ChecksumAlg::Fletcher4 => "fletcher4",
            ChecksumAlg::Sha256 | ChecksumAlg::Label => "sha256",
        }
    }

    /// The checksum of `data`; `Off` gives the zero checksum.
    pub fn of(self, data: &[u8]) -> Cksum {
        match self {
            ChecksumAlg::Off => Cksum::default(),
            ChecksumAlg::Fletcher4 => fletcher4(data),
            ChecksumAlg::Sha256 | ChecksumAlg::Label => sha256(data),
        }
    }

    /// The checksum of a chunk's bytes, produced a piece at a time so a
    /// described chunk (zeros, a fill, seeded random data) is never held whole.
    pub fn of_chunk(self, chunk: &Chunk) -> Cksum {
        const PIECE: u64 = 128 * 1024;
        let mut f = Fletcher4::default();
        let mut s = Sha256::new();
        let mut at = 0;
        while at < chunk.len {
            let piece = chunk.slice(at, PIECE.min(chunk.len - at)).to_vec();
            match self {
                ChecksumAlg::Off => return Cksum::default(),
                ChecksumAlg::Fletcher4 => f.update(&piece),
                ChecksumAlg::Sha256 | ChecksumAlg::Label => s.update(&piece),
            }
            at += PIECE;
        }
        match self {
            ChecksumAlg::Off => Cksum::default(),
            ChecksumAlg::Fletcher4 => f.finish(),
            ChecksumAlg::Sha256 | ChecksumAlg::Label => digest_words(&s.finalize()),
        }
    }
}

/// Fletcher4's running state; `update` takes whole 32-bit words.
#[derive(Debug, Clone, Copy, Default)]
pub struct Fletcher4 {
    a: u64,
    b: u64,
    c: u64,
    d: u64,
}

impl Fletcher4 {
    /// Adds `data`, whose length must be a multiple of 4 (block sizes are).
    pub fn update(&mut self, data: &[u8]) {
        for w in data.chunks_exact(4) {
            let word = u64::from(u32::from_le_bytes([w[0], w[1], w[2], w[3]]));
            self.a = self.a.wrapping_add(word);
            self.b = self.b.wrapping_add(self.a);
            self.c = self.c.wrapping_add(self.b);
            self.d = self.d.wrapping_add(self.c);
        }
    }

    pub fn finish(&self) -> Cksum {
        Cksum([self.a, self.b, self.c, self.d])
    }
}

/// `fletcher_4_native`: the checksum of little-endian 32-bit words.
pub fn fletcher4(data: &[u8]) -> Cksum {
    let mut f = Fletcher4::default();
    f.update(data);
    f.finish()
}

/// SHA-256 of `data`, as the four big-endian words ZFS stores.
pub fn sha256(data: &[u8]) -> Cksum {
    digest_words(&Sha256::digest(data))
}

fn digest_words(d: &[u8]) -> Cksum {
    let w = |i: usize| u64::from_be_bytes([d[i], d[i + 1], d[i + 2], d[i + 3], d[i + 4], d[i + 5], d[i + 6], d[i + 7]]);
    Cksum([w(0), w(8), w(16), w(24)])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(ws: &[u32]) -> Vec<u8> {
        ws.iter().flat_map(|w| w.to_le_bytes()).collect()
    }

    // Known answers from OpenZFS tests/unit/test_fletcher.c (fletcher4_known).
    #[test]
    fn fletcher4_matches_openzfs_known_answers() {
        assert_eq!(fletcher4(&words(&[0x0102_0304])), Cksum([0x0102_0304; 4]));
        assert_eq!(fletcher4(&words(&[1, 2])), Cksum([3, 4, 5, 6]));
        assert_eq!(fletcher4(&[]), Cksum([0; 4]));
    }

    // By hand from the definition: words 1, 1, 1 give a = 1, 2, 3;
    // b = 1, 3, 6; c = 1, 4, 10; d = 1, 5, 15.
    #[test]
    fn fletcher4_by_hand_for_three_words() {
        assert_eq!(fletcher4(&words(&[1, 1, 1])), Cksum([3, 6, 10, 15]));
    }

    // test_fletcher.c's fletcher4_incremental: chunks of the same 8 KiB buffer
    // (byte i = i mod 256) sum to the single-call checksum.
    #[test]
    fn fletcher4_incremental_equals_one_call() {
        let data: Vec<u8> = (0..8192).map(|i| i as u8).collect();
        let mut f = Fletcher4::default();
        f.update(&data[..2048]);
        f.update(&data[2048..4096]);
        f.update(&data[4096..]);
        assert_eq!(f.finish(), fletcher4(&data));
    }

    // FIPS 180-2 appendix B.1: SHA-256("abc").
    #[test]
    fn sha256_matches_fips_180_2_abc() {
        let expected = Cksum([0xba78_16bf_8f01_cfea, 0x4141_40de_5dae_2223, 0xb003_61a3_9617_7a9c, 0xb410_ff61_f200_15ad]);
        assert_eq!(sha256(b"abc"), expected);
    }

    #[test]
    fn described_chunks_checksum_as_their_bytes() {
        let c = Chunk::random(9, 300 * 1024);
        for alg in [ChecksumAlg::Fletcher4, ChecksumAlg::Sha256] {
            assert_eq!(alg.of_chunk(&c), alg.of(&c.to_vec()));
        }
    }
}
