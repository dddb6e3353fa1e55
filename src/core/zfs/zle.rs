//! Zero-length encoding (`zle.c`): runs of zero bytes become one length byte.
//!
//! The lab compresses every metadata block (indirect blocks, dnode blocks,
//! object sets, ZAPs) with it, so a 128 KiB indirect block holding one block
//! pointer takes a few hundred bytes on disk, as it does in ZFS.
//! Simplified: ZFS compresses metadata with lz4; ZLE is the one of its
//! algorithms short enough to show whole, and it is a real ZFS compression
//! (`compression=zle`). Data blocks stay uncompressed (`compression=off`).

/// ZFS's ZLE level: a length byte below 64 starts a run of literals.
const N: usize = 64;

/// Compresses `src`; `None` when the result would not fit in `max_len`.
pub fn compress(src: &[u8], max_len: usize) -> Option<Vec<u8>> {
    let mut dst = Vec::with_capacity(max_len.min(src.len()));
    let mut i = 0;
    while i < src.len() {
        if dst.len() + 1 >= max_len {
            return None;
        }
        let first = i;
        if src[i] == 0 {
            let last = (i + 256 - N).min(src.len());
            while i < last && src[i] == 0 {
                i += 1;
            }
            dst.push((i - first - 1 + N) as u8);
        } else {
            let len_at = dst.len();
            dst.push(0);
            if max_len - dst.len() < N {
                return None;
            }
            let last = (i + N).min(src.len());
            while i + 1 < last && (src[i] | src[i + 1]) != 0 {
                dst.push(src[i]);
                i += 1;
            }
            if src[i] != 0 {
                dst.push(src[i]);
                i += 1;
            }
            dst[len_at] = (i - first - 1) as u8;
        }
    }
    Some(dst)
}

/// Decompresses into exactly `len` bytes; `None` when the stream is damaged.
pub fn decompress(src: &[u8], len: usize) -> Option<Vec<u8>> {
    let mut dst = Vec::with_capacity(len);
    let mut i = 0;
    while i < src.len() && dst.len() < len {
        let run = 1 + src[i] as usize;
        i += 1;
        if run <= N {
            if i + run > src.len() || dst.len() + run > len {
                return None;
            }
            dst.extend_from_slice(&src[i..i + run]);
            i += run;
        } else {
            let zeros = run - N;
            if dst.len() + zeros > len {
                return None;
            }
            dst.resize(dst.len() + zeros, 0);
        }
    }
    (dst.len() == len).then_some(dst)
}

#[cfg(test)]
mod tests {
    use super::*;

    // Worked by hand from zle.c: two literals "ab" are length byte 1 then the
    // bytes; four zeros are one byte 4 - 1 + 64 = 67.
    #[test]
    fn encodes_literals_and_zero_runs_as_zle_c_does() {
        assert_eq!(compress(b"ab\0\0\0\0", 100), Some(vec![1, b'a', b'b', 67]));
        assert_eq!(decompress(&[1, b'a', b'b', 67], 6), Some(b"ab\0\0\0\0".to_vec()));
    }

    #[test]
    fn round_trips_and_shrinks_sparse_blocks() {
        let mut block = vec![0u8; 128 * 1024];
        block[..128].copy_from_slice(&[7u8; 128]);
        block[5000] = 1;
        let packed = compress(&block, block.len()).expect("compresses");
        assert!(packed.len() < 2000);
        assert_eq!(decompress(&packed, block.len()), Some(block));
    }

    #[test]
    fn gives_up_when_it_would_not_save_space() {
        let dense: Vec<u8> = (1..=255u8).cycle().take(4096).collect();
        assert_eq!(compress(&dense, 4096 - 512), None);
    }
}
