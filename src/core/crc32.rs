//! CRC-32 (IEEE 802.3, reflected, polynomial 0xEDB88320) as GPT headers and
//! entry arrays use it, lvm2's variant of it (another start value, no final
//! inversion), and CRC-32C (Castagnoli) as ext4's metadata checksums use it.
//!
//! 1 KiB tables built on first use. The `crc32fast` crate's slice-by-16
//! tables weigh 16 KiB of incompressible data in the WebAssembly bundle, and the
//! simulator checksums a few kilobytes per partition table write. Even our two
//! small tables cost 2 KiB of the gzipped bundle as compile-time data, and
//! nothing when the page builds them.

use std::sync::OnceLock;

fn table(poly: u32) -> [u32; 256] {
    std::array::from_fn(|i| (0..8).fold(i as u32, |c, _| if c & 1 != 0 { poly ^ (c >> 1) } else { c >> 1 }))
}

fn ieee() -> &'static [u32; 256] {
    static TABLE: OnceLock<[u32; 256]> = OnceLock::new();
    TABLE.get_or_init(|| table(0xEDB8_8320))
}

fn castagnoli() -> &'static [u32; 256] {
    static TABLE: OnceLock<[u32; 256]> = OnceLock::new();
    TABLE.get_or_init(|| table(0x82F6_3B78))
}

fn update(table: &[u32; 256], crc: u32, data: &[u8]) -> u32 {
    data.iter().fold(crc, |c, b| table[((c ^ u32::from(*b)) & 0xff) as usize] ^ (c >> 8))
}

/// The CRC-32 of `data`.
pub fn hash(data: &[u8]) -> u32 {
    !update(ieee(), !0, data)
}

/// The running (uninverted) CRC-32 register after `data`: start from `!0`,
/// feed the parts in order, and invert at the end.
pub fn update_raw(crc: u32, data: &[u8]) -> u32 {
    update(ieee(), crc, data)
}

/// The running CRC-32 register after `len` zero bytes, in O(log len) steps
/// (zlib 1.2.12's `crc32_combine_op` method: multiply by x^(8 len) modulo the
/// polynomial), so that a GPT entry array of millions of empty entries costs
/// no more than a short one.
pub fn update_raw_zeros(crc: u32, len: u64) -> u32 {
    static POWERS: OnceLock<[u32; 64]> = OnceLock::new();
    // x^(2^n) modulo the polynomial, from x^1.
    let powers = POWERS.get_or_init(|| {
        let mut p = [1u32 << 30; 64];
        for n in 1..64 {
            p[n] = mult_mod_p(p[n - 1], p[n - 1]);
        }
        p
    });
    // x^(8 len): the bits of len pick x^(2^(n + 3)).
    let mut op = 1u32 << 31;
    for (n, power) in powers.iter().skip(3).enumerate().take(61) {
        if len >> n & 1 != 0 {
            op = mult_mod_p(*power, op);
        }
    }
    mult_mod_p(op, crc)
}

/// a * b modulo the CRC polynomial, bit-reflected as the register is.
fn mult_mod_p(a: u32, mut b: u32) -> u32 {
    let mut product = 0;
    for bit in (0..32).rev() {
        if a >> bit & 1 != 0 {
            product ^= b;
        }
        b = if b & 1 != 0 { (b >> 1) ^ 0xEDB8_8320 } else { b >> 1 };
    }
    product
}

/// The start value of lvm2's label and metadata checksums (`INITIAL_CRC`).
pub const LVM_INITIAL: u32 = 0xf597_a6cf;

/// lvm2's `calc_crc(initial, data)`: CRC-32 without the final inversion.
pub fn lvm(initial: u32, data: &[u8]) -> u32 {
    update(ieee(), initial, data)
}

/// CRC-32C with the raw (uninverted) running value, as ext4's `ext4_chksum` uses it.
pub fn crc32c_raw(crc: u32, data: &[u8]) -> u32 {
    update(castagnoli(), crc, data)
}

#[cfg(test)]
mod tests {
    #[test]
    fn known_values() {
        assert_eq!(super::hash(b""), 0);
        assert_eq!(super::hash(b"123456789"), 0xCBF4_3926);
        assert_eq!(super::hash(b"The quick brown fox jumps over the lazy dog"), 0x414F_A339);
        // The standard check value of CRC-32C.
        assert_eq!(!super::crc32c_raw(!0, b"123456789"), 0xE306_9283);
    }

    #[test]
    fn zero_runs_match_feeding_the_zeros() {
        for len in [0usize, 1, 7, 128, 1000, 16384, 1_048_583] {
            let mut data = b"GPT entries".to_vec();
            let fast = !super::update_raw_zeros(super::update_raw(!0, &data), len as u64);
            data.resize(data.len() + len, 0);
            assert_eq!(fast, super::hash(&data), "{len} zeros");
        }
    }
}
