//! The GUID Partition Table as UEFI defines it: a protective MBR, a primary header
//! at LBA 1 with its entry array, and a backup entry array and header at the end of
//! the disk, each guarded by CRC32.
//!
//! The entry array has 128 entries of 128 bytes unless a tool asks for another
//! length (sfdisk's `table-length:`); empty entries are zeros, so an array is
//! stored and checksummed as its used entries followed by a run of zeros.

use super::units::SECTOR_BYTES;

pub const SIGNATURE: &[u8; 8] = b"EFI PART";
pub const REVISION_1_0: u32 = 0x0001_0000;
pub const HEADER_SIZE: u32 = 92;
/// The default number of entries (libfdisk's `GPT_NPARTITIONS`).
pub const ENTRY_COUNT: u32 = 128;
pub const ENTRY_SIZE: u32 = 128;
/// Sectors taken by the default entry array: 128 entries of 128 bytes.
pub const ENTRY_ARRAY_SECTORS: u64 = (ENTRY_COUNT as u64 * ENTRY_SIZE as u64) / SECTOR_BYTES;

/// Sectors taken by an entry array of `count` entries.
pub fn entry_array_sectors(count: u32) -> u64 {
    (u64::from(count) * u64::from(ENTRY_SIZE)).div_ceil(SECTOR_BYTES)
}

/// A GUID in its on-disk byte order (the first three fields little-endian).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, PartialOrd, Ord, Hash)]
pub struct Guid(pub [u8; 16]);

impl Guid {
    pub const ZERO: Guid = Guid([0; 16]);

    /// Builds a GUID from the 16 bytes of an RFC 4122 UUID in network order.
    pub fn from_uuid_bytes(b: [u8; 16]) -> Guid {
        let mut g = b;
        g[0..4].reverse();
        g[4..6].reverse();
        g[6..8].reverse();
        Guid(g)
    }

    /// Parses the canonical text form, in either case.
    pub fn parse(text: &str) -> Option<Guid> {
        let hex: String = text.chars().filter(|c| *c != '-').collect();
        let dashes_ok = text.len() == 36
            && text.char_indices().all(|(i, c)| (c == '-') == matches!(i, 8 | 13 | 18 | 23));
        if !dashes_ok || hex.len() != 32 || !hex.chars().all(|c| c.is_ascii_hexdigit()) {
            return None;
        }
        let mut b = [0u8; 16];
        for (i, byte) in b.iter_mut().enumerate() {
            *byte = u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).ok()?;
        }
        Some(Guid::from_uuid_bytes(b))
    }
}

impl std::fmt::Display for Guid {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let b = &self.0;
        write!(
            f,
            "{:08X}-{:04X}-{:04X}-{:02X}{:02X}-{:02X}{:02X}{:02X}{:02X}{:02X}{:02X}",
            u32::from_le_bytes([b[0], b[1], b[2], b[3]]),
            u16::from_le_bytes([b[4], b[5]]),
            u16::from_le_bytes([b[6], b[7]]),
            b[8], b[9], b[10], b[11], b[12], b[13], b[14], b[15]
        )
    }
}

/// The 92-byte GPT header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GptHeader {
    pub revision: u32,
    pub header_size: u32,
    pub my_lba: u64,
    pub alternate_lba: u64,
    pub first_usable_lba: u64,
    pub last_usable_lba: u64,
    pub disk_guid: Guid,
    pub partition_entry_lba: u64,
    pub num_partition_entries: u32,
    pub sizeof_partition_entry: u32,
    pub partition_entry_array_crc32: u32,
}

/// Why a sector is not a valid GPT header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GptError {
    /// The sector does not start with "EFI PART".
    NoSignature,
    /// The header's CRC32 does not match its contents.
    HeaderChecksumMismatch,
    /// The entry array's CRC32 does not match the header's record of it.
    EntriesChecksumMismatch,
    /// The header describes an entry array this simulator does not model.
    UnsupportedEntryArray,
}

impl GptHeader {
    pub fn encode(&self) -> [u8; SECTOR_BYTES as usize] {
        let mut s = [0u8; SECTOR_BYTES as usize];
        s[0..8].copy_from_slice(SIGNATURE);
        s[8..12].copy_from_slice(&self.revision.to_le_bytes());
        s[12..16].copy_from_slice(&self.header_size.to_le_bytes());
        s[24..32].copy_from_slice(&self.my_lba.to_le_bytes());
        s[32..40].copy_from_slice(&self.alternate_lba.to_le_bytes());
        s[40..48].copy_from_slice(&self.first_usable_lba.to_le_bytes());
        s[48..56].copy_from_slice(&self.last_usable_lba.to_le_bytes());
        s[56..72].copy_from_slice(&self.disk_guid.0);
        s[72..80].copy_from_slice(&self.partition_entry_lba.to_le_bytes());
        s[80..84].copy_from_slice(&self.num_partition_entries.to_le_bytes());
        s[84..88].copy_from_slice(&self.sizeof_partition_entry.to_le_bytes());
        s[88..92].copy_from_slice(&self.partition_entry_array_crc32.to_le_bytes());
        let crc = super::crc32::hash(&s[..HEADER_SIZE as usize]);
        s[16..20].copy_from_slice(&crc.to_le_bytes());
        s
    }

    pub fn decode(s: &[u8; SECTOR_BYTES as usize]) -> Result<GptHeader, GptError> {
        if &s[0..8] != SIGNATURE {
            return Err(GptError::NoSignature);
        }
        let u32_at = |o: usize| u32::from_le_bytes([s[o], s[o + 1], s[o + 2], s[o + 3]]);
        let u64_at = |o: usize| {
            let mut b = [0u8; 8];
            b.copy_from_slice(&s[o..o + 8]);
            u64::from_le_bytes(b)
        };
        let header_size = u32_at(12);
        if header_size != HEADER_SIZE {
            return Err(GptError::UnsupportedEntryArray);
        }
        let mut check = [0u8; HEADER_SIZE as usize];
        check.copy_from_slice(&s[..HEADER_SIZE as usize]);
        check[16..20].fill(0);
        if super::crc32::hash(&check) != u32_at(16) {
            return Err(GptError::HeaderChecksumMismatch);
        }
        let mut guid = [0u8; 16];
        guid.copy_from_slice(&s[56..72]);
        let h = GptHeader {
            revision: u32_at(8),
            header_size,
            my_lba: u64_at(24),
            alternate_lba: u64_at(32),
            first_usable_lba: u64_at(40),
            last_usable_lba: u64_at(48),
            disk_guid: Guid(guid),
            partition_entry_lba: u64_at(72),
            num_partition_entries: u32_at(80),
            sizeof_partition_entry: u32_at(84),
            partition_entry_array_crc32: u32_at(88),
        };
        if h.num_partition_entries == 0 || h.sizeof_partition_entry != ENTRY_SIZE {
            return Err(GptError::UnsupportedEntryArray);
        }
        Ok(h)
    }
}

/// One 128-byte GPT partition entry.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct GptEntry {
    pub partition_type_guid: Guid,
    pub unique_partition_guid: Guid,
    pub starting_lba: u64,
    pub ending_lba: u64,
    pub attributes: u64,
    pub partition_name: String,
}

impl GptEntry {
    pub fn is_used(&self) -> bool {
        self.partition_type_guid != Guid::ZERO
    }

    pub fn encode(&self, out: &mut [u8]) {
        out[0..16].copy_from_slice(&self.partition_type_guid.0);
        out[16..32].copy_from_slice(&self.unique_partition_guid.0);
        out[32..40].copy_from_slice(&self.starting_lba.to_le_bytes());
        out[40..48].copy_from_slice(&self.ending_lba.to_le_bytes());
        out[48..56].copy_from_slice(&self.attributes.to_le_bytes());
        for (i, unit) in self.partition_name.encode_utf16().take(36).enumerate() {
            out[56 + 2 * i..58 + 2 * i].copy_from_slice(&unit.to_le_bytes());
        }
    }

    pub fn decode(b: &[u8]) -> GptEntry {
        let mut t = [0u8; 16];
        let mut u = [0u8; 16];
        t.copy_from_slice(&b[0..16]);
        u.copy_from_slice(&b[16..32]);
        let u64_at = |o: usize| {
            let mut x = [0u8; 8];
            x.copy_from_slice(&b[o..o + 8]);
            u64::from_le_bytes(x)
        };
        let units: Vec<u16> = (0..36)
            .map(|i| u16::from_le_bytes([b[56 + 2 * i], b[57 + 2 * i]]))
            .take_while(|u| *u != 0)
            .collect();
        GptEntry {
            partition_type_guid: Guid(t),
            unique_partition_guid: Guid(u),
            starting_lba: u64_at(32),
            ending_lba: u64_at(40),
            attributes: u64_at(48),
            partition_name: String::from_utf16_lossy(&units),
        }
    }
}

/// Encodes an entry array of `count` entries whose first ones are `entries`
/// (the rest are empty): the bytes of those entries, and the CRC32 of the
/// whole array.
pub fn encode_entries(entries: &[GptEntry], count: u32) -> (Vec<u8>, u32) {
    let used = entries.len().min(count as usize);
    let mut bytes = vec![0u8; used * ENTRY_SIZE as usize];
    for (e, out) in entries.iter().zip(bytes.chunks_mut(ENTRY_SIZE as usize)) {
        e.encode(out);
    }
    let rest = (u64::from(count) - used as u64) * u64::from(ENTRY_SIZE);
    let crc = !super::crc32::update_raw_zeros(super::crc32::update_raw(!0, &bytes), rest);
    (bytes, crc)
}

/// Decodes an entry array fed in pieces (bytes, or runs of zeros), keeping
/// the used entries with their numbers and the running CRC32.
#[derive(Debug, Clone)]
pub struct EntryScan {
    crc: u32,
    index: u32,
    pending: Vec<u8>,
    pub used: Vec<(u32, GptEntry)>,
}

impl Default for EntryScan {
    fn default() -> Self {
        EntryScan { crc: !0, index: 0, pending: Vec::new(), used: Vec::new() }
    }
}

impl EntryScan {
    pub fn bytes(&mut self, data: &[u8]) {
        self.crc = super::crc32::update_raw(self.crc, data);
        for b in data {
            self.pending.push(*b);
            if self.pending.len() == ENTRY_SIZE as usize {
                self.finish_entry();
            }
        }
    }

    pub fn zeros(&mut self, len: u64) {
        self.crc = super::crc32::update_raw_zeros(self.crc, len);
        let mut left = len;
        while !self.pending.is_empty() && left > 0 {
            self.pending.push(0);
            left -= 1;
            if self.pending.len() == ENTRY_SIZE as usize {
                self.finish_entry();
            }
        }
        let whole = left / u64::from(ENTRY_SIZE);
        self.index = self.index.saturating_add(u32::try_from(whole).unwrap_or(u32::MAX));
        self.pending.resize((left % u64::from(ENTRY_SIZE)) as usize, 0);
    }

    fn finish_entry(&mut self) {
        let e = GptEntry::decode(&self.pending);
        self.pending.clear();
        self.index = self.index.saturating_add(1);
        if e.is_used() {
            self.used.push((self.index, e));
        }
    }

    /// The used entries (numbered from 1) if the array's CRC32 is `expected`.
    pub fn finish(self, expected_crc32: u32) -> Result<Vec<(u32, GptEntry)>, GptError> {
        if !self.crc != expected_crc32 {
            return Err(GptError::EntriesChecksumMismatch);
        }
        Ok(self.used)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn guid_text_round_trip_uses_mixed_endian() {
        let g = Guid::parse("0FC63DAF-8483-4772-8E79-3D69D8477DE4").unwrap();
        assert_eq!(g.0[0], 0xaf);
        assert_eq!(g.to_string(), "0FC63DAF-8483-4772-8E79-3D69D8477DE4");
        assert!(Guid::parse("0FC63DAF84834772-8E79-3D69D8477DE4").is_none());
    }

    #[test]
    fn a_short_array_scans_like_its_bytes() {
        let e = GptEntry { partition_type_guid: Guid([1; 16]), unique_partition_guid: Guid([2; 16]), starting_lba: 34, ending_lba: 99, attributes: 0, partition_name: "a".into() };
        let (bytes, crc) = encode_entries(&[GptEntry::default(), e.clone()], 8);
        let mut all = bytes.clone();
        all.resize(8 * 128, 0);
        assert_eq!(crc, super::super::crc32::hash(&all));
        let mut scan = EntryScan::default();
        scan.bytes(&bytes[..200]);
        scan.bytes(&bytes[200..]);
        scan.zeros(6 * 128);
        assert_eq!(scan.finish(crc), Ok(vec![(2, e)]));
    }

    #[test]
    fn header_crc_detects_corruption() {
        let h = GptHeader {
            revision: REVISION_1_0,
            header_size: HEADER_SIZE,
            my_lba: 1,
            alternate_lba: 2097151,
            first_usable_lba: 2048,
            last_usable_lba: 2097118,
            disk_guid: Guid([7; 16]),
            partition_entry_lba: 2,
            num_partition_entries: ENTRY_COUNT,
            sizeof_partition_entry: ENTRY_SIZE,
            partition_entry_array_crc32: 0,
        };
        let mut s = h.encode();
        assert_eq!(GptHeader::decode(&s), Ok(h));
        s[40] ^= 1;
        assert_eq!(GptHeader::decode(&s), Err(GptError::HeaderChecksumMismatch));
    }
}
