//! cp's holes on ext4 (native, feature `coreutils-extras`). coreutils
//! 9.1 copies only the data SEEK_DATA finds in a source that looks sparse
//! (fewer blocks than bytes) or with `--sparse=always`, so unwritten
//! extents come out as holes, and each 4 KiB block of zeros in that data
//! becomes a hole too (measured with cp 9.1 on ext4).

use crate::core::machine::Machine;
use crate::core::media::Chunk;

/// ext4's `st_blksize`: cp's hole size.
const BLOCK_BYTES: u64 = 4096;

/// The pieces of the source cp writes, given all of its pieces.
pub(super) fn data_pieces(m: &Machine, from: &str, pieces: Vec<(u64, Chunk)>, sparse: &str, looks_sparse: bool) -> Vec<(u64, Chunk)> {
    if !(sparse == "always" || sparse == "auto" && looks_sparse) {
        return pieces;
    }
    let runs = m.allocated_runs(from).unwrap_or_default();
    let mut out = Vec::new();
    for (at, c) in pieces {
        for &(start, n) in &runs {
            let (a, b) = (at.max(start), (at + c.len).min(start + n));
            if a >= b {
                continue;
            }
            nonzero_blocks(a, c.slice(a - at, b - a), &mut out);
        }
    }
    out
}

/// The blocks of `piece` (at file offset `at`) that are not all zeros.
fn nonzero_blocks(at: u64, piece: Chunk, out: &mut Vec<(u64, Chunk)>) {
    if piece.is_zero() {
        return;
    }
    if !piece.is_bytes() {
        out.push((at, piece));
        return;
    }
    let bytes = piece.to_vec();
    let mut pos = at;
    let end = at + bytes.len() as u64;
    while pos < end {
        let next = ((pos / BLOCK_BYTES) + 1) * BLOCK_BYTES;
        let block = &bytes[(pos - at) as usize..(next.min(end) - at) as usize];
        if block.iter().any(|&b| b != 0) {
            out.push((pos, Chunk::bytes(block)));
        }
        pos = next.min(end);
    }
}
