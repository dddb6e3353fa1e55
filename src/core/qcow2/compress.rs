//! qcow2's compressed clusters (`QCOW_OFLAG_COMPRESSED`, written by
//! `qemu-img convert -c` and `qemu-io -c 'write -c …'`): one guest cluster
//! deflated as QEMU's `qcow2_zlib_compress` does it (raw deflate with a
//! 4 KiB window, zlib's default level and strategy, memLevel 9) and packed
//! byte by byte into host clusters (`qcow2_alloc_bytes`). The L2 entry
//! holds the byte offset and the number of 512-byte sectors it touches,
//! less one; a host cluster holding pieces of several is counted once per
//! piece.
//!
//! Simplified: zlib only (no zstd). The deflate is zlib's own (through
//! `libz-sys`), since the packed offsets, the file's length and "disk size"
//! all follow from its output's length; so it is in the command-line
//! program only (feature `qcow2-compress`).

/// `QCOW_OFLAG_COMPRESSED`.
pub const OFLAG_COMPRESSED: u64 = 1 << 62;
const SECTOR: u64 = 512;

/// `csize_shift`: where the sector count starts in an entry.
fn csize_shift(cluster_bits: u32) -> u32 {
    62 - (cluster_bits - 8)
}

/// `qcow2_parse_compressed_l2_entry`: the compressed bytes' host offset and
/// length (whole sectors from that offset's sector on).
pub fn parse(entry: u64, cluster_bits: u32) -> (u64, u64) {
    let shift = csize_shift(cluster_bits);
    let offset = entry & ((1 << shift) - 1);
    let sectors = ((entry >> shift) & ((1 << (cluster_bits - 8)) - 1)) + 1;
    (offset, sectors * SECTOR - (offset & (SECTOR - 1)))
}

/// The L2 entry of `len` compressed bytes at host `offset`.
pub fn entry(offset: u64, len: u64, cluster_bits: u32) -> u64 {
    let sectors = (offset + len - 1) / SECTOR - offset / SECTOR;
    OFLAG_COMPRESSED | offset | (sectors << csize_shift(cluster_bits))
}

/// The host clusters an entry's compressed bytes touch: (first byte, count).
pub fn clusters(entry: u64, cluster_bits: u32) -> (u64, u64) {
    let (offset, len) = parse(entry, cluster_bits);
    let first = offset >> cluster_bits;
    (first << cluster_bits, ((offset + len - 1) >> cluster_bits) - first + 1)
}

#[cfg(all(feature = "qcow2-compress", not(target_arch = "wasm32")))]
mod zlib {
    use libz_sys as z;
    use std::mem::MaybeUninit;

    /// A stream whose `zalloc`/`zfree` are zlib's own (null), which the
    /// Rust type cannot express as a zeroed struct.
    fn stream() -> MaybeUninit<z::z_stream> {
        MaybeUninit::zeroed()
    }

    /// `deflate(Z_FINISH)` into at most `limit` bytes; `None` when it does
    /// not fit (QEMU then writes the cluster uncompressed).
    pub fn deflate(data: &[u8], limit: usize) -> Option<Vec<u8>> {
        let mut out = vec![0u8; limit];
        let mut s = stream();
        // SAFETY: the stream is zeroed as zlib's manual asks (null
        // allocators), initialized before use and ended on every path; the
        // buffers outlive the calls and their lengths fit in `uInt`.
        unsafe {
            let p = s.as_mut_ptr();
            let version = z::zlibVersion();
            if z::deflateInit2_(p, z::Z_DEFAULT_COMPRESSION, z::Z_DEFLATED, -12, 9, z::Z_DEFAULT_STRATEGY, version, std::mem::size_of::<z::z_stream>() as i32) != z::Z_OK {
                return None;
            }
            (*p).next_in = data.as_ptr().cast_mut();
            (*p).avail_in = data.len() as u32;
            (*p).next_out = out.as_mut_ptr();
            (*p).avail_out = limit as u32;
            let ret = z::deflate(p, z::Z_FINISH);
            let left = (*p).avail_out as usize;
            z::deflateEnd(p);
            (ret == z::Z_STREAM_END).then(|| {
                out.truncate(limit - left);
                out
            })
        }
    }

    /// `qcow2_zlib_decompress`: exactly `len` bytes out, trailing input
    /// (the rest of the last sector) ignored.
    pub fn inflate(data: &[u8], len: usize) -> Option<Vec<u8>> {
        let mut out = vec![0u8; len];
        let mut s = stream();
        // SAFETY: as in `deflate`.
        unsafe {
            let p = s.as_mut_ptr();
            if z::inflateInit2_(p, -12, z::zlibVersion(), std::mem::size_of::<z::z_stream>() as i32) != z::Z_OK {
                return None;
            }
            (*p).next_in = data.as_ptr().cast_mut();
            (*p).avail_in = data.len() as u32;
            (*p).next_out = out.as_mut_ptr();
            (*p).avail_out = len as u32;
            let ret = z::inflate(p, z::Z_FINISH);
            let full = (*p).avail_out == 0;
            z::inflateEnd(p);
            ((ret == z::Z_STREAM_END || ret == z::Z_BUF_ERROR) && full).then_some(out)
        }
    }
}

#[cfg(not(all(feature = "qcow2-compress", not(target_arch = "wasm32"))))]
mod zlib {
    pub fn deflate(_: &[u8], _: usize) -> Option<Vec<u8>> {
        None
    }

    pub fn inflate(_: &[u8], _: usize) -> Option<Vec<u8>> {
        None
    }
}

/// Whether this build compresses and decompresses clusters.
pub const BUILT: bool = cfg!(all(feature = "qcow2-compress", not(target_arch = "wasm32")));

/// The message where a build without zlib meets compression.
pub const NOT_BUILT: &str = "compressed qcow2 clusters are in the storage-lab command-line program, not in the browser yet";

pub use zlib::{deflate, inflate};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_hold_the_offset_and_the_sectors_touched() {
        // 0x5_0000 + 11 bytes in 64 KiB clusters: one sector, count 0.
        let e = entry(0x5_0000, 11, 16);
        assert_eq!(e, OFLAG_COMPRESSED | 0x5_0000);
        assert_eq!(parse(e, 16), (0x5_0000, 512));
        // 700 bytes from 0x5_0100 end in the next sector: two touched,
        // and reading takes both, from the offset on.
        let e = entry(0x5_0100, 700, 16);
        assert_eq!(e, OFLAG_COMPRESSED | 0x5_0100 | (1 << 54));
        assert_eq!(parse(e, 16), (0x5_0100, 1024 - 0x100));
        // Bytes that cross into the next host cluster touch two clusters.
        assert_eq!(clusters(entry(0x5_ff00, 0x200, 16), 16), (0x5_0000, 2));
    }

    #[cfg(all(feature = "qcow2-compress", not(target_arch = "wasm32")))]
    #[test]
    fn a_cluster_of_one_byte_deflates_as_qemu_wrote_it() {
        // The first 11 bytes at 0x50000 of a qcow2 file that the real
        // `qemu-img convert -c` (10.0.2, Debian's zlib 1.2.13) made from
        // 64 KiB of 0xab.
        let real = [0xed, 0xc1, 0x81, 0x00, 0x00, 0x00, 0x00, 0x80, 0x20, 0x7f, 0x96];
        let data = vec![0xab; 65536];
        let packed = deflate(&data, 65535).expect("compresses");
        assert_eq!(&packed[..11], &real);
        assert_eq!(inflate(&packed, 65536), Some(data));
    }
}
