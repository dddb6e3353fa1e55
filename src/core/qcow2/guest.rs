//! Guest writes into a qcow2 image, as QEMU's qcow2 driver makes them: the
//! L2 table a write needs is allocated first, then its data cluster, each at
//! the first free cluster; a new data cluster is zero-filled around the
//! written bytes (QEMU's copy-on-write of an unallocated cluster), and the
//! refcounts, L1 and L2 entries carry QCOW_OFLAG_COPIED.
//!
//! Simplified: every new cluster must be counted by the first refcount block
//! (2 GiB of file with 64 KiB clusters), and no snapshots, backing files,
//! compression or zero clusters.

use super::Header;

/// `QCOW_OFLAG_COPIED`: the cluster's refcount is exactly one.
pub const OFLAG_COPIED: u64 = 1 << 63;
/// Bits 9-55 of an L1 or L2 entry: the host offset.
const OFFSET_MASK: u64 = 0x00ff_ffff_ffff_fe00;

/// What a guest write needs done to the image file, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FileWrite {
    /// Bytes at a file offset (a new L2 table, an entry, data).
    Bytes(u64, Vec<u8>),
    /// A run of zeros (the rest of a new data cluster).
    Zeros(u64, u64),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GuestError {
    /// Past the virtual disk's end (`EIO` in qemu-io).
    OutOfRange,
    /// The image needs a second refcount block (not modelled).
    RefcountBlockFull,
    /// A compressed, zero or shared cluster (not modelled).
    Unsupported,
}

/// An open image's metadata: the header, its L1 table and the first
/// refcount block, kept as the driver caches them.
#[derive(Debug, Clone)]
pub struct Image {
    pub header: Header,
    pub l1: Vec<u64>,
    pub refblock_offset: u64,
    pub refcounts: Vec<u16>,
}

impl Image {
    /// Reads the metadata through `read(offset, len)`.
    pub fn open(header: Header, read: &mut dyn FnMut(u64, u64) -> Vec<u8>) -> Image {
        let l1 = read(header.l1_table_offset, u64::from(header.l1_size) * 8).chunks_exact(8).map(be64).collect();
        let refblock_offset = read(header.refcount_table_offset, 8).get(..8).map_or(0, be64);
        let cluster = header.cluster_bytes();
        let refcounts = read(refblock_offset, cluster).chunks_exact(2).map(|c| u16::from_be_bytes([c[0], c[1]])).collect();
        Image { header, l1, refblock_offset, refcounts }
    }

    fn cluster(&self) -> u64 {
        self.header.cluster_bytes()
    }

    fn l2_entries(&self) -> u64 {
        self.cluster() / 8
    }

    /// The first cluster whose refcount is zero, counted from the start.
    fn alloc(&mut self) -> Result<u64, GuestError> {
        let i = self.refcounts.iter().position(|r| *r == 0).ok_or(GuestError::RefcountBlockFull)?;
        self.refcounts[i] = 1;
        Ok(i as u64 * self.cluster())
    }

    /// The first run of `n` free clusters (first fit, as QEMU's
    /// `alloc_clusters_noref` scans), marked used.
    fn alloc_run(&mut self, n: u64) -> Result<u64, GuestError> {
        let n = n as usize;
        let start = (0..self.refcounts.len()).find(|&i| self.refcounts.get(i..i + n).is_some_and(|r| r.iter().all(|c| *c == 0))).ok_or(GuestError::RefcountBlockFull)?;
        self.refcounts[start..start + n].iter_mut().for_each(|r| *r = 1);
        Ok(start as u64 * self.cluster())
    }

    /// `qemu-img resize` growing the image: a larger L1 table, when the new
    /// size needs one, is written to free clusters (grown by half each time
    /// until large enough, as `qcow2_grow_l1_table` does), the header points
    /// at it, and the old table's clusters are freed (their bytes stay).
    pub fn grow(&mut self, new_size: u64) -> Result<Vec<FileWrite>, GuestError> {
        let need = super::l1_entries(new_size, self.header.cluster_bits);
        let mut out = Vec::new();
        if need > self.l1.len() as u64 {
            let mut n = self.l1.len() as u64;
            while need > n {
                n = (n * 3 + 1) / 2;
            }
            let cluster = self.cluster();
            let start = self.alloc_run((n * 8).div_ceil(cluster))?;
            let old = (self.header.l1_table_offset, (self.l1.len() as u64 * 8).div_ceil(cluster));
            self.l1.resize(n as usize, 0);
            out.push(FileWrite::Bytes(start, self.l1.iter().flat_map(|e| e.to_be_bytes()).collect()));
            for i in 0..(n * 8).div_ceil(cluster) {
                out.push(self.refcount_write(start + i * cluster));
            }
            let mut fields = (n as u32).to_be_bytes().to_vec();
            fields.extend(start.to_be_bytes());
            out.push(FileWrite::Bytes(36, fields));
            if old.0 != 0 {
                for i in 0..old.1 {
                    let c = (old.0 / cluster + i) as usize;
                    self.refcounts[c] = 0;
                    out.push(self.refcount_write(old.0 + i * cluster));
                }
            }
            self.header.l1_size = n as u32;
            self.header.l1_table_offset = start;
        }
        self.header.size = new_size;
        out.push(FileWrite::Bytes(24, new_size.to_be_bytes().to_vec()));
        Ok(out)
    }

    fn refcount_write(&self, cluster_offset: u64) -> FileWrite {
        let i = cluster_offset / self.cluster();
        FileWrite::Bytes(self.refblock_offset + 2 * i, self.refcounts[i as usize].to_be_bytes().to_vec())
    }

    /// The host offset of every guest cluster that has one, in guest order:
    /// (guest cluster index, host offset).
    pub fn mapped(&self, read: &mut dyn FnMut(u64, u64) -> Vec<u8>) -> Vec<(u64, u64)> {
        let mut out = Vec::new();
        for (i, entry) in self.l1.iter().enumerate() {
            let l2 = entry & OFFSET_MASK;
            if l2 == 0 {
                continue;
            }
            for (j, e) in read(l2, self.cluster()).chunks_exact(8).map(be64).enumerate() {
                if e & OFFSET_MASK != 0 {
                    out.push((i as u64 * self.l2_entries() + j as u64, e & OFFSET_MASK));
                }
            }
        }
        out
    }

    /// The file writes of a guest write of `data` at `offset`; `l2_of`
    /// reads an L2 entry (table offset, index) from the file.
    pub fn write(&mut self, offset: u64, data: &[u8], l2_entry: &mut dyn FnMut(u64, u64) -> u64) -> Result<Vec<FileWrite>, GuestError> {
        if offset.checked_add(data.len() as u64).is_none_or(|end| end > self.header.size) {
            return Err(GuestError::OutOfRange);
        }
        let cluster = self.cluster();
        let mut out = Vec::new();
        // Tables made by this write: their old bytes on disk are stale (a
        // freed cluster keeps whatever it held), so they read as empty.
        let mut fresh: Vec<u64> = Vec::new();
        let mut at = 0u64;
        while at < data.len() as u64 {
            let pos = offset + at;
            let within = pos % cluster;
            let n = (cluster - within).min(data.len() as u64 - at);
            let guest = pos / cluster;
            let (l1i, l2i) = ((guest / self.l2_entries()) as usize, guest % self.l2_entries());
            let mut l2 = self.l1[l1i] & OFFSET_MASK;
            if l2 == 0 {
                l2 = self.alloc()?;
                fresh.push(l2);
                out.push(FileWrite::Bytes(l2, vec![0; cluster as usize]));
                out.push(self.refcount_write(l2));
                self.l1[l1i] = l2 | OFLAG_COPIED;
                out.push(FileWrite::Bytes(self.header.l1_table_offset + 8 * l1i as u64, self.l1[l1i].to_be_bytes().to_vec()));
            }
            let entry = if fresh.contains(&l2) { 0 } else { l2_entry(l2, l2i) };
            if entry & !(OFFSET_MASK | OFLAG_COPIED) != 0 {
                return Err(GuestError::Unsupported);
            }
            let host = match entry & OFFSET_MASK {
                0 => {
                    let host = self.alloc()?;
                    out.push(FileWrite::Zeros(host, cluster));
                    out.push(self.refcount_write(host));
                    out.push(FileWrite::Bytes(l2 + 8 * l2i, (host | OFLAG_COPIED).to_be_bytes().to_vec()));
                    host
                }
                h => h,
            };
            out.push(FileWrite::Bytes(host + within, data[at as usize..(at + n) as usize].to_vec()));
            at += n;
        }
        Ok(out)
    }

    /// The host offset holding a guest byte, if its cluster is allocated.
    pub fn host_offset(&self, guest: u64, l2_entry: &mut dyn FnMut(u64, u64) -> u64) -> Option<u64> {
        let cluster = self.cluster();
        let g = guest / cluster;
        let l2 = self.l1.get((g / self.l2_entries()) as usize)? & OFFSET_MASK;
        if l2 == 0 {
            return None;
        }
        let host = l2_entry(l2, g % self.l2_entries()) & OFFSET_MASK;
        (host != 0).then_some(host + guest % cluster)
    }
}

fn be64(b: &[u8]) -> u64 {
    u64::from_be_bytes(b.try_into().unwrap_or_default())
}
