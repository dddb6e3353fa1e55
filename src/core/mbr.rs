//! The MBR (DOS) partition table as it lies in sector 0, and the EBR chain of
//! logical partitions.
//!
//! Field names follow the classic layout: 446 bytes of boot code, four 16-byte
//! partition entries, and the 0x55AA signature. Simplification: the boot code is
//! always zero, and CHS addresses are derived from LBA with the 255/63 geometry
//! fdisk uses for disks larger than 8 GiB.

use super::units::SECTOR_BYTES;

/// The MBR partition type byte of an extended partition (DOS, CHS-addressed).
pub const TYPE_EXTENDED: u8 = 0x05;
/// The MBR partition type byte of a protective MBR in front of a GPT.
pub const TYPE_GPT_PROTECTIVE: u8 = 0xee;
const HEADS: u64 = 255;
const SECTORS_PER_TRACK: u64 = 63;

/// A cylinder/head/sector address as packed into three bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Chs(pub [u8; 3]);

impl Chs {
    /// The CHS address of `lba`, saturating at cylinder 1023 as every tool does.
    pub fn from_lba(lba: u64) -> Chs {
        let cylinder = lba / (HEADS * SECTORS_PER_TRACK);
        if cylinder > 1023 {
            return Chs([0xfe, 0xff, 0xff]);
        }
        let head = (lba / SECTORS_PER_TRACK) % HEADS;
        let sector = lba % SECTORS_PER_TRACK + 1;
        Chs([head as u8, (sector as u8) | (((cylinder >> 2) as u8) & 0xc0), cylinder as u8])
    }
}

/// One 16-byte entry of the MBR partition table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct MbrPartitionEntry {
    pub boot_indicator: u8,
    pub start_chs: Chs,
    pub os_type: u8,
    pub end_chs: Chs,
    pub starting_lba: u32,
    pub size_in_lba: u32,
}

impl MbrPartitionEntry {
    pub fn new(os_type: u8, starting_lba: u64, size_in_lba: u64, bootable: bool) -> Self {
        let last = starting_lba.saturating_add(size_in_lba.max(1) - 1);
        MbrPartitionEntry {
            boot_indicator: if bootable { 0x80 } else { 0 },
            start_chs: Chs::from_lba(starting_lba),
            os_type,
            end_chs: Chs::from_lba(last),
            starting_lba: starting_lba.min(u32::MAX as u64) as u32,
            size_in_lba: size_in_lba.min(u32::MAX as u64) as u32,
        }
    }

    /// libfdisk and the kernel go by the size alone: an entry of type 0
    /// with sectors is a partition ("Empty" in fdisk's list).
    pub fn is_used(&self) -> bool {
        self.size_in_lba != 0
    }

    fn encode(&self, out: &mut [u8]) {
        out[0] = self.boot_indicator;
        out[1..4].copy_from_slice(&self.start_chs.0);
        out[4] = self.os_type;
        out[5..8].copy_from_slice(&self.end_chs.0);
        out[8..12].copy_from_slice(&self.starting_lba.to_le_bytes());
        out[12..16].copy_from_slice(&self.size_in_lba.to_le_bytes());
    }

    fn decode(b: &[u8]) -> Self {
        MbrPartitionEntry {
            boot_indicator: b[0],
            start_chs: Chs([b[1], b[2], b[3]]),
            os_type: b[4],
            end_chs: Chs([b[5], b[6], b[7]]),
            starting_lba: u32::from_le_bytes([b[8], b[9], b[10], b[11]]),
            size_in_lba: u32::from_le_bytes([b[12], b[13], b[14], b[15]]),
        }
    }
}

/// Sector 0 of a DOS-labelled disk, or one EBR of the logical-partition chain.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Mbr {
    pub disk_signature: u32,
    pub partitions: [MbrPartitionEntry; 4],
}

/// Why a sector is not an MBR.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MbrError {
    /// The last two bytes of the sector are not 0x55 0xAA.
    MissingBootSignature,
}

impl Mbr {
    pub fn encode(&self) -> [u8; SECTOR_BYTES as usize] {
        let mut s = [0u8; SECTOR_BYTES as usize];
        s[440..444].copy_from_slice(&self.disk_signature.to_le_bytes());
        for (i, p) in self.partitions.iter().enumerate() {
            p.encode(&mut s[446 + i * 16..462 + i * 16]);
        }
        s[510] = 0x55;
        s[511] = 0xaa;
        s
    }

    pub fn decode(s: &[u8; SECTOR_BYTES as usize]) -> Result<Mbr, MbrError> {
        if s[510] != 0x55 || s[511] != 0xaa {
            return Err(MbrError::MissingBootSignature);
        }
        let mut partitions = [MbrPartitionEntry::default(); 4];
        for (i, p) in partitions.iter_mut().enumerate() {
            *p = MbrPartitionEntry::decode(&s[446 + i * 16..462 + i * 16]);
        }
        Ok(Mbr { disk_signature: u32::from_le_bytes([s[440], s[441], s[442], s[443]]), partitions })
    }

    /// True when this MBR only protects a GPT behind it.
    pub fn is_protective(&self) -> bool {
        self.partitions.iter().any(|p| p.os_type == TYPE_GPT_PROTECTIVE)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_signature() {
        let mut m = Mbr { disk_signature: 0xdeadbeef, ..Default::default() };
        m.partitions[0] = MbrPartitionEntry::new(0x83, 2048, 204800, true);
        let bytes = m.encode();
        assert_eq!(&bytes[510..], &[0x55, 0xaa]);
        assert_eq!(Mbr::decode(&bytes), Ok(m));
        let mut broken = bytes;
        broken[511] = 0;
        assert_eq!(Mbr::decode(&broken), Err(MbrError::MissingBootSignature));
    }

    #[test]
    fn chs_saturates() {
        assert_eq!(Chs::from_lba(2048).0, [32, 33, 0]);
        assert_eq!(Chs::from_lba(1 << 30).0, [0xfe, 0xff, 0xff]);
    }
}
