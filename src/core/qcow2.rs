//! qcow2 images as QEMU 10 writes them (`docs/interop/qcow2.txt`): the
//! version 3 header with its feature name table, the refcount table and its
//! first refcount block, and the L1 table, at the offsets and with the bytes
//! `qemu-img create` gives a new image.
//!
//! Simplified: only new, empty images (no guest writes, L2 tables or
//! snapshots), 16-bit refcounts, and only sizes whose
//! metadata the first refcount block can count (any size with 64 KiB
//! clusters; with 512-byte clusters, up to 128 MiB).

pub mod check;
pub mod compress;
pub mod guest;
mod shrink;
pub mod snapshot;

/// `QFI\xfb`.
pub const MAGIC: u32 = 0x5146_49fb;
pub const DEFAULT_CLUSTER_BITS: u32 = 16;
const HEADER_BYTES: usize = 112;
const FEATURE_TABLE_MAGIC: u32 = 0x6803_f857;
const BACKING_FORMAT_MAGIC: u32 = 0xe279_2aca;
/// `refcount_order` 4: 16-bit refcounts.
const REFCOUNT_ORDER: u32 = 4;
const INCOMPAT_LAZY_REFCOUNTS: u64 = 1;

/// The feature name table QEMU writes into every new image:
/// (type: 0 incompatible, 1 compatible, 2 autoclear; bit; name).
const FEATURES: [(u8, u8, &str); 8] = [
    (0, 0, "dirty bit"),
    (0, 1, "corrupt bit"),
    (0, 2, "external data file"),
    (0, 3, "compression type"),
    (0, 4, "extended L2 entries"),
    (1, 0, "lazy refcounts"),
    (2, 0, "bitmaps"),
    (2, 1, "raw external data"),
];

/// The header's fields, in on-disk order (all big-endian).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Header {
    pub version: u32,
    pub backing_file_offset: u64,
    pub backing_file_size: u32,
    pub cluster_bits: u32,
    /// The virtual disk's size.
    pub size: u64,
    pub crypt_method: u32,
    pub l1_size: u32,
    pub l1_table_offset: u64,
    pub refcount_table_offset: u64,
    pub refcount_table_clusters: u32,
    pub nb_snapshots: u32,
    pub snapshots_offset: u64,
    pub incompatible_features: u64,
    pub compatible_features: u64,
    pub autoclear_features: u64,
    pub refcount_order: u32,
    pub header_length: u32,
    pub compression_type: u8,
}

impl Header {
    pub fn encode(&self) -> Vec<u8> {
        let mut b = Vec::with_capacity(HEADER_BYTES);
        b.extend(MAGIC.to_be_bytes());
        b.extend(self.version.to_be_bytes());
        b.extend(self.backing_file_offset.to_be_bytes());
        b.extend(self.backing_file_size.to_be_bytes());
        b.extend(self.cluster_bits.to_be_bytes());
        b.extend(self.size.to_be_bytes());
        b.extend(self.crypt_method.to_be_bytes());
        b.extend(self.l1_size.to_be_bytes());
        b.extend(self.l1_table_offset.to_be_bytes());
        b.extend(self.refcount_table_offset.to_be_bytes());
        b.extend(self.refcount_table_clusters.to_be_bytes());
        b.extend(self.nb_snapshots.to_be_bytes());
        b.extend(self.snapshots_offset.to_be_bytes());
        b.extend(self.incompatible_features.to_be_bytes());
        b.extend(self.compatible_features.to_be_bytes());
        b.extend(self.autoclear_features.to_be_bytes());
        b.extend(self.refcount_order.to_be_bytes());
        b.extend(self.header_length.to_be_bytes());
        b.push(self.compression_type);
        b.resize(HEADER_BYTES, 0);
        b
    }

    /// `qcow2_probe`: the magic, and a version from 2 on.
    pub fn probes(b: &[u8]) -> bool {
        b.get(..8).is_some_and(|h| h[..4] == MAGIC.to_be_bytes() && h[4..] >= [0, 0, 0, 2][..])
    }

    /// What `qcow2_do_open`'s first checks say of a header they refuse, or
    /// None when it passes them.
    pub fn refusal(b: &[u8]) -> Option<String> {
        // A short file reads zeros past its end.
        let mut h = b.get(..HEADER_BYTES.min(b.len())).unwrap_or_default().to_vec();
        h.resize(HEADER_BYTES, 0);
        let u32_at = |o: usize| u32::from_be_bytes([h[o], h[o + 1], h[o + 2], h[o + 3]]);
        let (version, bits, length) = (u32_at(4), u32_at(20), u32_at(100));
        Some(match () {
            _ if u32_at(0) != MAGIC || !cfg!(feature = "qemu-img-arg-checks") && !(9..=21).contains(&bits) => "Image is not in qcow2 format".into(),
            _ if !cfg!(feature = "qemu-img-arg-checks") => return None,
            _ if !(2..=3).contains(&version) => format!("Unsupported qcow2 version {version}"),
            _ if !(9..=21).contains(&bits) => format!("Unsupported cluster size: 2^{bits}"),
            _ if version == 3 && length < 104 => "qcow2 header too short".into(),
            _ if version == 3 && u64::from(length) > 1 << bits => "qcow2 header exceeds cluster size".into(),
            _ => return None,
        })
    }

    pub fn decode(b: &[u8]) -> Option<Header> {
        let u32_at = |o: usize| b.get(o..o + 4).map(|s| u32::from_be_bytes(s.try_into().unwrap_or_default()));
        let u64_at = |o: usize| b.get(o..o + 8).map(|s| u64::from_be_bytes(s.try_into().unwrap_or_default()));
        if Header::refusal(b).is_some() {
            return None;
        }
        let version = u32_at(4)?;
        let v3 = version >= 3;
        Some(Header {
            version,
            backing_file_offset: u64_at(8)?,
            backing_file_size: u32_at(16)?,
            cluster_bits: u32_at(20)?,
            size: u64_at(24)?,
            crypt_method: u32_at(32)?,
            l1_size: u32_at(36)?,
            l1_table_offset: u64_at(40)?,
            refcount_table_offset: u64_at(48)?,
            refcount_table_clusters: u32_at(56)?,
            nb_snapshots: u32_at(60)?,
            snapshots_offset: u64_at(64)?,
            incompatible_features: if v3 { u64_at(72)? } else { 0 },
            compatible_features: if v3 { u64_at(80)? } else { 0 },
            autoclear_features: if v3 { u64_at(88)? } else { 0 },
            refcount_order: if v3 { u32_at(96)? } else { REFCOUNT_ORDER },
            header_length: if v3 { u32_at(100)? } else { 72 },
            compression_type: if v3 && u32_at(100)? > 104 { *b.get(104)? } else { 0 },
        })
    }

    pub fn cluster_bytes(&self) -> u64 {
        1 << self.cluster_bits
    }

    pub fn lazy_refcounts(&self) -> bool {
        self.compatible_features & INCOMPAT_LAZY_REFCOUNTS != 0
    }
}

/// The L1 entries a virtual size needs: one per `cluster * cluster / 8` bytes.
pub fn l1_entries(size: u64, cluster_bits: u32) -> u64 {
    let per_l2 = 1u64 << (2 * cluster_bits - 3);
    size.div_ceil(per_l2)
}

/// Why an image could not be made.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CreateError {
    /// Not a power of two from 512 bytes to 2 MiB.
    ClusterSize,
    /// The metadata needs more refcount blocks than the lab counts.
    TooManyMetadataClusters,
    /// More than QCOW_MAX_L1_SIZE of L1 table.
    TooLarge,
    /// The header, its extensions and the backing file name pass the first cluster.
    BackingNameTooLong,
}

/// A new image: the byte ranges QEMU writes, in order, and the file's length.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Created {
    pub header: Header,
    pub writes: Vec<(u64, Vec<u8>)>,
    pub length: u64,
}

/// An image's backing file, as its header names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Backing {
    /// The name as stored: a relative one is relative to the image's directory.
    pub file: String,
    /// The backing file format header extension ("qcow2", "raw").
    pub format: String,
}

/// The backing file of an image whose first cluster is `head`: the name at
/// `backing_file_offset`, the format from the header extension with type
/// 0xE2792ACA.
pub fn backing(h: &Header, head: &[u8]) -> Option<Backing> {
    // A damaged header's numbers can point anywhere: every range is checked.
    let at = usize::try_from(h.backing_file_offset).ok()?;
    let file = String::from_utf8_lossy(head.get(at..at.checked_add(h.backing_file_size as usize)?)?).into_owned();
    let mut ext = h.header_length as usize;
    let mut format = String::new();
    while let Some(fields) = head.get(ext..ext.checked_add(8)?) {
        let (kind, len) = (be32(&fields[..4]), be32(&fields[4..]) as usize);
        let data = ext + 8;
        match kind {
            0 => break,
            BACKING_FORMAT_MAGIC => format = String::from_utf8_lossy(head.get(data..data.checked_add(len)?)?).into_owned(),
            _ => {}
        }
        ext = data.checked_add(len.checked_next_multiple_of(8)?)?;
    }
    Some(Backing { file, format })
}

fn be32(b: &[u8]) -> u32 {
    b.iter().fold(0, |n, x| n << 8 | u32::from(*x))
}

/// The header and its extensions: the backing format, the feature name
/// table, the end marker. Clusters of 4 KiB or less get no feature name
/// table (qemu-img 10.0.2 leaves it out of them, measured from 512 B to 8 KiB).
fn header_extensions(h: &Header, cluster: usize, backing: Option<&Backing>) -> Vec<u8> {
    let mut b = h.encode();
    if let Some(bk) = backing {
        b.extend(BACKING_FORMAT_MAGIC.to_be_bytes());
        b.extend((bk.format.len() as u32).to_be_bytes());
        b.extend(bk.format.as_bytes());
        b.resize(b.len().next_multiple_of(8), 0);
    }
    if cluster > 4096 {
        b.extend(FEATURE_TABLE_MAGIC.to_be_bytes());
        b.extend(((FEATURES.len() * 48) as u32).to_be_bytes());
        for (kind, bit, name) in FEATURES {
            let mut entry = vec![kind, bit];
            entry.extend(name.as_bytes());
            entry.resize(48, 0);
            b.extend(entry);
        }
    }
    b.extend([0u8; 8]);
    b
}

/// `qemu-img create -f qcow2` with `preallocation=off`: header in cluster 0,
/// refcount table in 1, its first refcount block in 2, then the L1 table,
/// then (small clusters, large images) the refcount blocks the L1 table
/// needs, in the order QEMU allocates them.
pub fn create(size: u64, cluster_bits: u32, lazy_refcounts: bool, backing: Option<&Backing>) -> Result<Created, CreateError> {
    if !(9..=21).contains(&cluster_bits) {
        return Err(CreateError::ClusterSize);
    }
    let cluster = 1u64 << cluster_bits;
    let l1 = l1_entries(size, cluster_bits);
    let l1_clusters = (l1 * 8).div_ceil(cluster);
    // QCOW_MAX_L1_SIZE: 32 MiB of L1 entries.
    if l1 > 1 << 22 {
        return Err(CreateError::TooLarge);
    }
    let (blocks, used) = refcount_blocks_after_l1(3 + l1_clusters, cluster / 2);
    // More blocks than one table cluster lists: the table moves while the
    // L1 table is counted, which only the step-by-step path models.
    if blocks.iter().any(|b| b.0 >= cluster / 8) {
        return create_by_growing(size, cluster_bits, lazy_refcounts, backing);
    }
    let mut header = Header {
        version: 3,
        backing_file_offset: 0,
        backing_file_size: 0,
        cluster_bits,
        size,
        crypt_method: 0,
        l1_size: l1 as u32,
        l1_table_offset: if l1 > 0 { 3 * cluster } else { 0 },
        refcount_table_offset: cluster,
        refcount_table_clusters: 1,
        nb_snapshots: 0,
        snapshots_offset: 0,
        incompatible_features: 0,
        compatible_features: u64::from(lazy_refcounts) * INCOMPAT_LAZY_REFCOUNTS,
        autoclear_features: 0,
        refcount_order: REFCOUNT_ORDER,
        header_length: HEADER_BYTES as u32,
        compression_type: 0,
    };
    // The backing file name follows the extensions.
    if let Some(bk) = backing {
        let name_at = header_extensions(&header, cluster as usize, backing).len();
        if (name_at + bk.file.len()) as u64 > cluster {
            return Err(CreateError::BackingNameTooLong);
        }
        header.backing_file_offset = name_at as u64;
        header.backing_file_size = bk.file.len() as u32;
    }
    let mut head = header_extensions(&header, cluster as usize, backing);
    head.extend(backing.map_or(&[][..], |bk| bk.file.as_bytes()));
    head.resize(cluster as usize, 0);
    let per_block = cluster / 2;
    let mut reftable = vec![0u8; cluster as usize];
    for (b, at) in &blocks {
        reftable[8 * *b as usize..8 * *b as usize + 8].copy_from_slice(&(at * cluster).to_be_bytes());
    }
    let mut writes = vec![(0, head), (cluster, reftable)];
    for (b, at) in &blocks {
        let counted = used.saturating_sub(b * per_block).min(per_block) as usize;
        let mut refblock = vec![0u8; cluster as usize];
        for i in 0..counted {
            refblock[2 * i..2 * i + 2].copy_from_slice(&1u16.to_be_bytes());
        }
        writes.push((at * cluster, refblock));
    }
    if l1 > 0 {
        writes.push((3 * cluster, vec![0u8; (l1 * 8) as usize]));
    }
    let length = if blocks.len() > 1 { used * cluster } else { 3 * cluster + l1 * 8 };
    Ok(Created { header, writes, length })
}

/// `create` the way `qcow2_co_create` itself goes: an image of size 0, then
/// `blk_truncate` to the size, which grows the L1 table cluster by cluster
/// through the refcount code (new blocks, and a new, larger refcount table
/// once the first is full). Small clusters on large disks take this path:
/// 100 GiB of 512-byte clusters needs 201 refcount blocks.
fn create_by_growing(size: u64, cluster_bits: u32, lazy_refcounts: bool, backing: Option<&Backing>) -> Result<Created, CreateError> {
    let empty = create(0, cluster_bits, lazy_refcounts, backing)?;
    let mut file = vec![0u8; empty.length as usize];
    for (at, bytes) in &empty.writes {
        file[*at as usize..*at as usize + bytes.len()].copy_from_slice(bytes);
    }
    let mut read = |at: u64, n: u64| {
        let (from, to) = ((at as usize).min(file.len()), ((at + n) as usize).min(file.len()));
        file[from..to].to_vec()
    };
    let mut image = guest::Image::open(empty.header, &mut read);
    let writes = image.grow(size, &mut read).map_err(|e| match e {
        guest::GuestError::FileTooLarge => CreateError::TooLarge,
        _ => CreateError::TooManyMetadataClusters,
    })?;
    // The writes in QEMU's order, each on its own: what it never writes (the
    // refcount blocks a grown table leaves empty) stays a hole, 24 KiB and
    // more from 50 GiB with 512-byte clusters, and the host's extents follow
    // the order (ext4's tree leaves the inode as they do for QEMU).
    let mut length = empty.length;
    let mut all = empty.writes;
    for w in writes {
        let (at, bytes) = match w {
            guest::FileWrite::Bytes(at, bytes) => (at, bytes),
            guest::FileWrite::Zeros(at, n) => (at, vec![0; n as usize]),
            // Growing an image without data writes nothing else.
            _ => continue,
        };
        length = length.max(at + bytes.len() as u64);
        all.push((at, bytes));
    }
    Ok(Created { header: image.header, length, writes: all })
}

/// The refcount blocks (index → cluster) a new image has once its first
/// `end` clusters are counted: block 0 in cluster 2, then each block the
/// L1 table reaches, in order, at the next free cluster; a block placed
/// where no block counts yet is followed by the block that counts it
/// (`alloc_refcount_block`). Returns them (a Vec: a BTreeMap of u64s cost
/// the browser 2 KB) and the clusters in use.
fn refcount_blocks_after_l1(end: u64, per_block: u64) -> (Vec<(u64, u64)>, u64) {
    let mut blocks = vec![(0, 2)];
    let mut next = end;
    for wanted in 1..=(end - 1) / per_block {
        let mut b = wanted;
        while !blocks.iter().any(|x| x.0 == b) {
            blocks.push((b, next));
            b = next / per_block;
            next += 1;
        }
    }
    (blocks, next)
}

/// `qcow2_refcount_metadata_size`: refcount blocks and table clusters that
/// count `clusters` clusters and themselves (the fixed point QEMU finds).
pub fn refcount_metadata_bytes(clusters: u64, cluster: u64) -> u64 {
    let blocks = refcount_blocks_needed(clusters, cluster, false);
    (blocks + blocks.div_ceil(cluster / 8)) * cluster
}

/// `qcow2_refcount_metadata_size`'s refcount block count for `clusters`
/// clusters plus the refcount structures themselves; `generous` adds room
/// for half the table again, as a growing table does.
pub fn refcount_blocks_needed(mut clusters: u64, cluster: u64, mut generous: bool) -> u64 {
    let per_table = cluster / 8;
    let per_block = cluster * 8 / (1 << REFCOUNT_ORDER);
    let (mut table, mut blocks, mut n) = (0, 0, 0);
    loop {
        let last = n;
        blocks = (clusters + table + blocks).div_ceil(per_block);
        table = blocks.div_ceil(per_table);
        n = clusters + blocks + table;
        if n == last && generous {
            clusters += table.div_ceil(2);
            n = 0;
            generous = false;
        } else if n == last {
            return blocks;
        }
    }
}

/// `qcow2_calc_prealloc_size`: the file a fully allocated image needs.
pub fn fully_allocated_bytes(size: u64, cluster: u64) -> u64 {
    let aligned = size.div_ceil(cluster) * cluster;
    let per_table = cluster / 8;
    let nl2e = (aligned / cluster).div_ceil(per_table) * per_table;
    let nl1e = (nl2e * 8 / cluster).div_ceil(per_table) * per_table;
    let meta = cluster + nl2e * 8 + nl1e * 8;
    meta + refcount_metadata_bytes((meta + aligned) / cluster, cluster) + aligned
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_new_1g_image_is_qemus_bytes() {
        // From `qemu-img create -f qcow2 a.qcow2 1G` (QEMU 10.0.2): file
        // length 0x30010, header fields and the first refcount block.
        let c = create(1 << 30, 16, false, None).expect("create");
        assert_eq!(c.length, 0x30010);
        let h = &c.writes[0].1;
        assert_eq!(&h[..0x38], &[
            0x51, 0x46, 0x49, 0xfb, 0, 0, 0, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10, 0, 0, 0, 0, 0x40, 0, 0, 0, //
            0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 3, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0,
        ][..]);
        assert_eq!(&h[0x60..0x7a], &[0, 0, 0, 4, 0, 0, 0, 0x70, 0, 0, 0, 0, 0, 0, 0, 0, 0x68, 0x03, 0xf8, 0x57, 0, 0, 1, 0x80, 0, 0][..]);
        assert_eq!(&h[0x7a..0x83], b"dirty bit");
        assert_eq!(&h[0x1c8..0x1db], &[2, 1, b'r', b'a', b'w', b' ', b'e', b'x', b't', b'e', b'r', b'n', b'a', b'l', b' ', b'd', b'a', b't', b'a'][..]);
        assert_eq!(&c.writes[1].1[..8], &[0, 0, 0, 0, 0, 2, 0, 0]);
        assert_eq!(&c.writes[2].1[..10], &[0, 1, 0, 1, 0, 1, 0, 1, 0, 0]);
        assert_eq!(Header::decode(h), Some(c.header.clone()));
    }

    #[test]
    fn sizes_and_cluster_sizes_place_the_l1_table() {
        // File lengths of real images: 1T (212992), 4K clusters (16384),
        // 100M (196616), size 0 (196608, no L1 table).
        assert_eq!(create(1 << 40, 16, false, None).map(|c| c.length), Ok(212_992));
        assert_eq!(create(1 << 30, 12, false, None).map(|c| c.length), Ok(16_384));
        assert_eq!(create(100 << 20, 16, false, None).map(|c| c.length), Ok(196_616));
        assert_eq!(create(0, 16, false, None).map(|c| (c.length, c.header.l1_table_offset)), Ok((196_608, 0)));
        // 512-byte clusters: the L1 table needs two more refcount blocks
        // after it (264704 bytes, clusters 515 and 516).
        let c = create(1 << 30, 9, false, None).expect("512-byte clusters");
        assert_eq!(c.length, 264_704);
        assert_eq!(&c.writes[1].1[..24], &[0, 0, 0, 0, 0, 0, 4, 0, 0, 0, 0, 0, 0, 4, 6, 0, 0, 0, 0, 0, 0, 4, 8, 0][..]);
        assert_eq!(&c.writes[4].1[..12], &[0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 0][..]);
        assert_eq!(create(3 << 50, 16, false, None).map(|c| c.length), Err(CreateError::TooLarge));
        assert!(create(2 << 50, 16, false, None).is_ok());
        assert_eq!(create(1 << 30, 22, false, None).map(|c| c.length), Err(CreateError::ClusterSize));
    }

    #[test]
    fn fully_allocated_sizes_are_qemu_img_measures() {
        // `qemu-img measure --size N -O qcow2` (QEMU 10.0.2).
        assert_eq!(fully_allocated_bytes(1 << 30, 1 << 16), 1_074_135_040);
        assert_eq!(fully_allocated_bytes(1 << 40, 1 << 16), 1_099_679_662_080);
        assert_eq!(fully_allocated_bytes(1 << 30, 1 << 12), 1_076_379_648);
    }
}
