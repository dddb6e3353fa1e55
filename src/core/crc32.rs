//! CRC-32 (IEEE 802.3, reflected, polynomial 0xEDB88320) as GPT headers and
//! entry arrays use it.
//!
//! A 1 KiB table built at compile time. The `crc32fast` crate's slice-by-16
//! tables weigh 16 KiB of incompressible data in the WebAssembly bundle, and the
//! simulator checksums a few kilobytes per partition table write.

const TABLE: [u32; 256] = {
    let mut table = [0u32; 256];
    let mut i = 0;
    while i < 256 {
        let mut c = i as u32;
        let mut k = 0;
        while k < 8 {
            c = if c & 1 != 0 { 0xEDB8_8320 ^ (c >> 1) } else { c >> 1 };
            k += 1;
        }
        table[i] = c;
        i += 1;
    }
    table
};

/// The CRC-32 of `data`.
pub fn hash(data: &[u8]) -> u32 {
    !data.iter().fold(!0u32, |c, b| TABLE[((c ^ u32::from(*b)) & 0xff) as usize] ^ (c >> 8))
}

#[cfg(test)]
mod tests {
    #[test]
    fn known_values() {
        assert_eq!(super::hash(b""), 0);
        assert_eq!(super::hash(b"123456789"), 0xCBF4_3926);
        assert_eq!(super::hash(b"The quick brown fox jumps over the lazy dog"), 0x414F_A339);
    }
}
