//! On-media signatures: the bytes that make a device "an ext4 filesystem",
//! "swap" or "an LVM physical volume", written where the real tools put them and
//! read back the way libblkid probes them.
//!
//! The identity of what is on a device lives in its bytes: `blkid`, `lsblk -f`,
//! `wipefs` and `mount` read them, so `dd if=/dev/zero` over a superblock really
//! makes a filesystem disappear. Simplified: only the superblock-level fields
//! that probing and the lab's tools read are filled in (no group descriptors,
//! bitmaps or inode tables), and the FAT boot sector carries only its BPB.

use super::crc32;

/// What a signature says the device holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FsType {
    Ext4,
    Xfs,
    Vfat,
    Swap,
    LvmPv,
    /// A leaf of a ZFS pool; blkid's UUID_SUB is its vdev GUID.
    #[cfg(feature = "zfs")]
    ZfsMember { vdev_guid: u64 },
}

impl FsType {
    /// The name blkid's TYPE and lsblk's FSTYPE print.
    pub fn name(self) -> &'static str {
        match self {
            FsType::Ext4 => "ext4",
            FsType::Xfs => "xfs",
            FsType::Vfat => "vfat",
            FsType::Swap => "swap",
            FsType::LvmPv => "LVM2_member",
            #[cfg(feature = "zfs")]
            FsType::ZfsMember { .. } => "zfs_member",
        }
    }

    /// lsblk's FSVER.
    pub fn version(self) -> &'static str {
        match self {
            FsType::Ext4 => "1.0",
            FsType::Xfs => "",
            FsType::Vfat => "FAT32",
            FsType::Swap => "1",
            FsType::LvmPv => "LVM2 001",
            #[cfg(feature = "zfs")]
            FsType::ZfsMember { .. } => "5000",
        }
    }

    /// statfs's `f_type` once mounted (0 for what is never mounted).
    pub fn magic(self) -> u32 {
        match self {
            FsType::Ext4 => 0xef53,
            FsType::Xfs => 0x5846_5342,
            FsType::Vfat => 0x4d44,
            _ => 0,
        }
    }

    /// Whether files live on it (it can be mounted).
    pub fn is_filesystem(self) -> bool {
        matches!(self, FsType::Ext4 | FsType::Xfs | FsType::Vfat)
    }
}

/// A probed signature.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signature {
    pub fstype: FsType,
    /// As blkid prints it (lowercase UUID, `XXXX-XXXX` for FAT, lvm2's form for a PV).
    pub uuid: String,
    pub label: String,
    /// The filesystem's block size (blkid's BLOCK_SIZE), 0 when not applicable.
    pub block_size: u64,
    /// The size the filesystem believes it has, 0 when not recorded.
    pub size_bytes: u64,
    /// Where wipefs finds the magic, and the magic bytes.
    pub magic_offset: u64,
    pub magic: &'static [u8],
}

/// Reads bytes of the device being probed.
pub type Reader<'a> = &'a dyn Fn(u64, u64) -> Vec<u8>;

fn le16(b: &[u8], at: usize) -> u64 {
    u64::from(u16::from_le_bytes([b[at], b[at + 1]]))
}

fn le32(b: &[u8], at: usize) -> u64 {
    u64::from(u32::from_le_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]]))
}

fn put(b: &mut [u8], at: usize, v: &[u8]) {
    b[at..at + v.len()].copy_from_slice(v);
}

fn text_field(b: &[u8]) -> String {
    let end = b.iter().position(|c| *c == 0).unwrap_or(b.len());
    String::from_utf8_lossy(&b[..end]).into_owned()
}

/// A 16-byte UUID in its usual hyphenated, lowercase form.
pub fn uuid_text(b: &[u8]) -> String {
    let h: String = b.iter().map(|x| format!("{x:02x}")).collect();
    format!("{}-{}-{}-{}-{}", &h[0..8], &h[8..12], &h[12..16], &h[16..20], &h[20..32])
}

/// Parses `xxxxxxxx-xxxx-...` into 16 bytes.
pub fn uuid_bytes(text: &str) -> [u8; 16] {
    let hex: Vec<u8> = text.bytes().filter(|c| c.is_ascii_hexdigit()).collect();
    let mut out = [0u8; 16];
    for (i, pair) in hex.chunks(2).take(16).enumerate() {
        let s = std::str::from_utf8(pair).unwrap_or("0");
        out[i] = u8::from_str_radix(s, 16).unwrap_or(0);
    }
    out
}

/// Probes a device the way libblkid does, superblocks before labels.
pub fn probe(read: Reader, size_bytes: u64) -> Option<Signature> {
    let found = probe_superblocks(read, size_bytes);
    #[cfg(feature = "zfs")]
    let found = found.or_else(|| probe_zfs(read, size_bytes));
    found
}

/// The superblock probes alone: `probe` without the ZFS label scan, for a
/// caller that knows the labels' ranges were never written (the scan reads
/// 512 KiB).
pub fn probe_superblocks(read: Reader, size_bytes: u64) -> Option<Signature> {
    if size_bytes < 4096 {
        return None;
    }
    let mut head = read(0, 4096);
    head.resize(4096, 0);
    probe_ext4(&head).or_else(|| probe_xfs(&head)).or_else(|| probe_swap(&head)).or_else(|| probe_lvm(&head)).or_else(|| probe_vfat(&head))
}

// ---------------------------------------------------------------- ZFS

/// libblkid's `probe_zfs`: at least four uberblocks in the labels' rings
/// (scanned in 1 KiB steps), then the config list of the label where the
/// fourth was found for the pool's name and GUIDs and the vdev's ashift.
#[cfg(feature = "zfs")]
fn probe_zfs(read: Reader, size_bytes: u64) -> Option<Signature> {
    use super::zfs::label::{UBERBLOCK_MAGIC, VDEV_PHYS_OFFSET};
    use super::zfs::nvlist::{decode_flat, NvValue};
    const LABEL: u64 = 256 * 1024;
    if size_bytes < 64 << 20 {
        return None;
    }
    let end = size_bytes - size_bytes % LABEL;
    let (mut found, mut hit) = (0, None);
    for label in [0, LABEL, end - 2 * LABEL, end - LABEL] {
        let ring = read(label + LABEL / 2, LABEL / 2);
        for (i, slot) in ring.chunks_exact(1024).enumerate() {
            if slot[..8] == UBERBLOCK_MAGIC.to_le_bytes() {
                found += 1;
                hit = Some((label, label + LABEL / 2 + i as u64 * 1024));
            }
        }
        if found >= 4 {
            break;
        }
    }
    let (label, ub_offset) = hit.filter(|_| found >= 4)?;
    let (mut sig, mut vdev_guid) = (Signature { fstype: FsType::Swap, uuid: String::new(), label: String::new(), block_size: 0, size_bytes: 0, magic_offset: ub_offset, magic: &[0x0c, 0xb1, 0xba, 0, 0, 0, 0, 0] }, 0);
    for (name, value) in decode_flat(&read(label + VDEV_PHYS_OFFSET, 4096)) {
        match (name.as_str(), value) {
            ("name", NvValue::Str(s)) => sig.label = s,
            ("guid", NvValue::U64(g)) => vdev_guid = g,
            ("pool_guid", NvValue::U64(g)) => sig.uuid = g.to_string(),
            ("vdev_tree/ashift", NvValue::U64(a)) if a < 64 => sig.block_size = 1 << a,
            _ => {}
        }
    }
    sig.fstype = FsType::ZfsMember { vdev_guid };
    Some(sig)
}

// ---------------------------------------------------------------- ext4

/// ext4 superblock: 1024 bytes at offset 1024.
const EXT4_SB: usize = 1024;
const EXT4_MAGIC_AT: usize = EXT4_SB + 0x38;

/// What a new ext4 superblock records beyond its geometry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ext4Layout {
    pub geometry: super::ext4::Geometry,
    pub uuid: [u8; 16],
    pub hash_seed: [u8; 16],
    pub label: String,
    /// Seconds since the epoch, for the superblock's timestamps.
    pub now: u32,
}

/// The superblock bytes (1024 bytes) of a freshly made ext4, field by field as
/// mke2fs 1.47 fills them with Debian's defaults.
pub fn ext4_superblock(l: &Ext4Layout) -> Vec<u8> {
    let g = &l.geometry;
    let mut b = vec![0u8; 1024];
    let log = g.block_size.trailing_zeros().saturating_sub(10);
    let u32le = |v: u64| (v as u32).to_le_bytes();
    put(&mut b, 0x00, &u32le(g.inodes));
    put(&mut b, 0x04, &u32le(g.blocks));
    put(&mut b, 0x08, &u32le(g.reserved_blocks));
    put(&mut b, 0x0C, &u32le(g.free_blocks()));
    put(&mut b, 0x10, &u32le(g.inodes.saturating_sub(11)));
    put(&mut b, 0x14, &u32le(g.first_data_block));
    put(&mut b, 0x18, &log.to_le_bytes());
    put(&mut b, 0x1C, &log.to_le_bytes());
    put(&mut b, 0x20, &u32le(g.blocks_per_group));
    put(&mut b, 0x24, &u32le(g.blocks_per_group));
    put(&mut b, 0x28, &u32le(g.inodes_per_group));
    put(&mut b, 0x30, &l.now.to_le_bytes());
    put(&mut b, 0x36, &0xFFFFu16.to_le_bytes());
    put(&mut b, 0x38, &0xEF53u16.to_le_bytes());
    put(&mut b, 0x3A, &1u16.to_le_bytes());
    put(&mut b, 0x3C, &1u16.to_le_bytes());
    put(&mut b, 0x40, &l.now.to_le_bytes());
    put(&mut b, 0x4C, &1u32.to_le_bytes());
    put(&mut b, 0x54, &11u32.to_le_bytes());
    put(&mut b, 0x58, &256u16.to_le_bytes());
    // has_journal, ext_attr, resize_inode, dir_index.
    put(&mut b, 0x5C, &0x3Cu32.to_le_bytes());
    // filetype, extents, 64bit, flex_bg.
    put(&mut b, 0x60, &0x2C2u32.to_le_bytes());
    // sparse_super, large_file, huge_file, dir_nlink, extra_isize, metadata_csum.
    put(&mut b, 0x64, &0x46Bu32.to_le_bytes());
    put(&mut b, 0x68, &l.uuid);
    let label = l.label.as_bytes();
    put(&mut b, 0x78, &label[..label.len().min(16)]);
    put(&mut b, 0xCE, &(g.reserved_gdt_blocks as u16).to_le_bytes());
    put(&mut b, 0xE0, &8u32.to_le_bytes());
    put(&mut b, 0xEC, &l.hash_seed);
    // Half-MD4 directory hashes, a journal backup in the superblock, 64-byte descriptors.
    put(&mut b, 0xFC, &[1u8, 1u8]);
    put(&mut b, 0xFE, &64u16.to_le_bytes());
    put(&mut b, 0x100, &0x0Cu32.to_le_bytes());
    put(&mut b, 0x108, &l.now.to_le_bytes());
    put(&mut b, 0x15C, &32u16.to_le_bytes());
    put(&mut b, 0x15E, &32u16.to_le_bytes());
    put(&mut b, 0x160, &1u32.to_le_bytes());
    put(&mut b, 0x174, &[4u8, 1u8]);
    let csum = crc32::crc32c_raw(!0, &b[..0x3FC]);
    put(&mut b, 0x3FC, &csum.to_le_bytes());
    b
}

/// Changes the block count in an ext4 superblock (resize2fs) and its checksum.
pub fn ext4_set_blocks(sb: &mut [u8], blocks: u64) {
    put(sb, 0x04, &(blocks as u32).to_le_bytes());
    let csum = crc32::crc32c_raw(!0, &sb[..0x3FC]);
    put(sb, 0x3FC, &csum.to_le_bytes());
}

fn probe_ext4(head: &[u8]) -> Option<Signature> {
    if le16(head, EXT4_MAGIC_AT) != 0xEF53 {
        return None;
    }
    let sb = &head[EXT4_SB..EXT4_SB + 1024];
    let block_size = 1024u64 << le32(sb, 0x18).min(6);
    Some(Signature {
        fstype: FsType::Ext4,
        uuid: uuid_text(&sb[0x68..0x78]),
        label: text_field(&sb[0x78..0x88]),
        block_size,
        size_bytes: le32(sb, 0x04) * block_size,
        magic_offset: EXT4_MAGIC_AT as u64,
        magic: &[0x53, 0xEF],
    })
}

// ---------------------------------------------------------------- swap

const PAGE: usize = 4096;

/// The first page of a swap area as mkswap writes it.
pub fn swap_header(size_bytes: u64, uuid: [u8; 16], label: &str) -> Vec<u8> {
    let mut b = vec![0u8; PAGE];
    let last_page = (size_bytes / PAGE as u64).saturating_sub(1);
    put(&mut b, 1024, &1u32.to_le_bytes());
    put(&mut b, 1028, &(last_page as u32).to_le_bytes());
    put(&mut b, 1036, &uuid);
    let label = label.as_bytes();
    put(&mut b, 1052, &label[..label.len().min(16)]);
    put(&mut b, PAGE - 10, b"SWAPSPACE2");
    b
}

fn probe_swap(head: &[u8]) -> Option<Signature> {
    if &head[PAGE - 10..PAGE] != b"SWAPSPACE2" {
        return None;
    }
    Some(Signature {
        fstype: FsType::Swap,
        uuid: uuid_text(&head[1036..1052]),
        label: text_field(&head[1052..1068]),
        block_size: 0,
        size_bytes: (le32(head, 1028) + 1) * PAGE as u64,
        magic_offset: (PAGE - 10) as u64,
        magic: b"SWAPSPACE2",
    })
}

// ---------------------------------------------------------------- LVM2 label

/// lvm2's label sector (sector 1) for a PV: the label header, then the PV
/// header with its data and metadata areas.
pub fn lvm_label(pv_uuid: &str, dev_size_bytes: u64, pe_start_bytes: u64, mdas: &[crate::core::lvm::Mda], in_vg: bool) -> Vec<u8> {
    let mut b = vec![0u8; 512];
    put(&mut b, 0, b"LABELONE");
    put(&mut b, 8, &1u64.to_le_bytes());
    put(&mut b, 20, &32u32.to_le_bytes());
    put(&mut b, 24, b"LVM2 001");
    let id: Vec<u8> = pv_uuid.bytes().filter(|c| *c != b'-').collect();
    put(&mut b, 32, &id[..id.len().min(32)]);
    put(&mut b, 64, &dev_size_bytes.to_le_bytes());
    put(&mut b, 72, &pe_start_bytes.to_le_bytes());
    // The data area list ends at 88; the metadata area list follows, each
    // list closed by an empty entry, then the header extension.
    let mut at = 104;
    for m in mdas.iter().take(2) {
        put(&mut b, at, &m.start_bytes.to_le_bytes());
        put(&mut b, at + 8, &m.size_bytes.to_le_bytes());
        at += 16;
    }
    put(&mut b, at + 16, &2u32.to_le_bytes());
    put(&mut b, at + 20, &u32::from(in_vg).to_le_bytes());
    let crc = crc32::lvm(crc32::LVM_INITIAL, &b[20..]);
    put(&mut b, 16, &crc.to_le_bytes());
    b
}

/// The header lvm2 writes at the start of a metadata area.
pub fn lvm_mda_header(mda: &crate::core::lvm::Mda) -> Vec<u8> {
    let mut b = vec![0u8; 512];
    put(&mut b, 4, b" LVM2 x[5A%r0N*>");
    put(&mut b, 20, &1u32.to_le_bytes());
    put(&mut b, 24, &mda.start_bytes.to_le_bytes());
    put(&mut b, 32, &mda.size_bytes.to_le_bytes());
    let crc = crc32::lvm(crc32::LVM_INITIAL, &b[4..]);
    put(&mut b, 0, &crc.to_le_bytes());
    b
}

fn probe_lvm(head: &[u8]) -> Option<Signature> {
    let s = &head[512..1024];
    if &s[0..8] != b"LABELONE" || &s[24..32] != b"LVM2 001" {
        return None;
    }
    let id = String::from_utf8_lossy(&s[32..64]).into_owned();
    let uuid = if id.len() == 32 {
        format!("{}-{}-{}-{}-{}-{}-{}", &id[0..6], &id[6..10], &id[10..14], &id[14..18], &id[18..22], &id[22..26], &id[26..32])
    } else {
        id
    };
    Some(Signature { fstype: FsType::LvmPv, uuid, label: String::new(), block_size: 0, size_bytes: 0, magic_offset: 536, magic: b"LVM2 001" })
}

// ---------------------------------------------------------------- XFS

/// The start of an XFS superblock: magic, block size, block count, UUID, label.
#[cfg(feature = "xfs")]
pub fn xfs_superblock(blocks: u64, uuid: [u8; 16], label: &str) -> Vec<u8> {
    let mut b = vec![0u8; 512];
    put(&mut b, 0, b"XFSB");
    put(&mut b, 4, &4096u32.to_be_bytes());
    put(&mut b, 8, &blocks.to_be_bytes());
    put(&mut b, 32, &uuid);
    // sb_versionnum (a v5 superblock's feature bits), sb_sectsize, sb_inodesize, sb_inopblock.
    put(&mut b, 100, &[0xb4, 0xa5, 0x02, 0x00, 0x02, 0x00, 0x00, 0x08]);
    let label = label.as_bytes();
    put(&mut b, 108, &label[..label.len().min(12)]);
    b
}

fn probe_xfs(head: &[u8]) -> Option<Signature> {
    if &head[0..4] != b"XFSB" {
        return None;
    }
    let blocks = u64::from_be_bytes(head[8..16].try_into().unwrap_or([0; 8]));
    Some(Signature {
        fstype: FsType::Xfs,
        uuid: uuid_text(&head[32..48]),
        label: text_field(&head[108..120]),
        // libblkid's BLOCK_SIZE for XFS is the sector size, sb_sectsize.
        block_size: u64::from(u16::from_be_bytes([head[102], head[103]])),
        size_bytes: blocks * 4096,
        magic_offset: 0,
        magic: b"XFSB",
    })
}

// ---------------------------------------------------------------- FAT32

/// A FAT32 boot sector (BIOS parameter block) with its volume serial number.
pub fn fat32_boot_sector(size_bytes: u64, serial: u32, label: &str) -> Vec<u8> {
    let mut b = vec![0u8; 512];
    put(&mut b, 0, &[0xEB, 0x58, 0x90]);
    put(&mut b, 3, b"mkfs.fat");
    put(&mut b, 11, &512u16.to_le_bytes());
    b[13] = 8;
    put(&mut b, 14, &32u16.to_le_bytes());
    b[16] = 2;
    b[21] = 0xF8;
    put(&mut b, 32, &((size_bytes / 512) as u32).to_le_bytes());
    put(&mut b, 44, &2u32.to_le_bytes());
    b[66] = 0x29;
    put(&mut b, 67, &serial.to_le_bytes());
    let mut name = [b' '; 11];
    let l = if label.is_empty() { "NO NAME" } else { label };
    for (i, c) in l.bytes().take(11).enumerate() {
        name[i] = c;
    }
    put(&mut b, 71, &name);
    put(&mut b, 82, b"FAT32   ");
    put(&mut b, 510, &[0x55, 0xAA]);
    b
}

fn probe_vfat(head: &[u8]) -> Option<Signature> {
    if &head[82..90] != b"FAT32   " || head[510..512] != [0x55, 0xAA] {
        return None;
    }
    let serial = le32(head, 67);
    let label = String::from_utf8_lossy(&head[71..82]).trim_end().to_string();
    Some(Signature {
        fstype: FsType::Vfat,
        uuid: format!("{:04X}-{:04X}", serial >> 16, serial & 0xFFFF),
        label: if label == "NO NAME" { String::new() } else { label },
        block_size: 512,
        size_bytes: le32(head, 32) * 512,
        magic_offset: 82,
        magic: b"FAT32   ",
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn probe_bytes(b: &[u8]) -> Option<Signature> {
        let r = |o: u64, n: u64| -> Vec<u8> {
            let mut v = vec![0u8; n as usize];
            for (i, x) in v.iter_mut().enumerate() {
                *x = b.get(o as usize + i).copied().unwrap_or(0);
            }
            v
        };
        probe(&r, 1 << 30)
    }

    #[test]
    fn written_signatures_probe_back() {
        let mut dev = vec![0u8; 8192];
        let sb = ext4_superblock(&Ext4Layout {
            geometry: crate::core::ext4::Geometry::for_size(1 << 30).unwrap(),
            uuid: uuid_bytes("0b1c2d3e-4f50-4617-8293-a4b5c6d7e8f9"),
            hash_seed: [0; 16],
            label: "lab".into(),
            now: 0,
        });
        dev[1024..2048].copy_from_slice(&sb);
        let s = probe_bytes(&dev).unwrap();
        assert_eq!((s.fstype, s.uuid.as_str(), s.label.as_str(), s.size_bytes), (FsType::Ext4, "0b1c2d3e-4f50-4617-8293-a4b5c6d7e8f9", "lab", 1 << 30));

        let mut dev = vec![0u8; 8192];
        dev[512..1024].copy_from_slice(&lvm_label("Zc3bLw-AbCd-EfGh-IjKl-MnOp-QrSt-UvWxYz", 1 << 30, 1 << 20, &[crate::core::lvm::Mda { start_bytes: 4096, size_bytes: (1 << 20) - 4096 }], false));
        let s = probe_bytes(&dev).unwrap();
        assert_eq!((s.fstype, s.uuid.as_str()), (FsType::LvmPv, "Zc3bLw-AbCd-EfGh-IjKl-MnOp-QrSt-UvWxYz"));

        let dev = swap_header(1 << 30, uuid_bytes("11111111-2222-4333-8444-555555555555"), "");
        assert_eq!(probe_bytes(&dev).unwrap().fstype, FsType::Swap);
        assert_eq!(probe_bytes(&vec![0u8; 8192]), None);
    }
}

/// Recomputes an ext4 superblock's checksum (crc32c of its first 1020 bytes)
/// after a field changed.
pub fn ext4_checksum(sb: &mut [u8]) {
    let csum = crc32::crc32c_raw(!0, &sb[..0x3FC]);
    put(sb, 0x3FC, &csum.to_le_bytes());
}
