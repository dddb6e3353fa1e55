//! Guest writes into a qcow2 image, as QEMU's qcow2 driver makes them: the
//! L2 table a write needs is allocated first, then its data cluster, each at
//! the first free cluster; a new data cluster is zero-filled around the
//! written bytes (QEMU's copy-on-write of an unallocated cluster), and the
//! refcounts, L1 and L2 entries carry QCOW_OFLAG_COPIED. Zero clusters,
//! clusters shared with snapshots, reads through a backing file and
//! compressed clusters (packed as `qcow2_alloc_bytes` packs them, see
//! `compress`) follow QEMU's driver too.
//!
//! Simplified: the refcount table never grows past the clusters it was made
//! with (`GuestError::RefcountTableFull`), and the lab keeps counts for at
//! most 2^25 clusters of file (2^24 in a browser tab).

use super::compress::{self, OFLAG_COMPRESSED};
use super::Header;
use crate::core::media::Chunk;

/// `QCOW_OFLAG_COPIED`: the cluster's refcount is exactly one.
pub const OFLAG_COPIED: u64 = 1 << 63;
/// `QCOW_OFLAG_ZERO`: the cluster reads as zeros (whatever it points at).
pub const OFLAG_ZERO: u64 = 1;
/// Bits 9-55 of an L1 or L2 entry: the host offset.
pub(crate) const OFFSET_MASK: u64 = 0x00ff_ffff_ffff_fe00;

/// What a guest write needs done to the image file, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FileWrite {
    /// Bytes at a file offset (a new L2 table, an entry, data).
    Bytes(u64, Vec<u8>),
    /// A run of zeros (the rest of a new data cluster).
    Zeros(u64, u64),
    /// `fallocate(ZERO_RANGE)` over new clusters whose copy-on-write parts
    /// read as zeros (`handle_alloc_space`): allocated, unwritten on ext4.
    ZeroRange(u64, u64),
    /// Guest data (described content: a pattern costs no memory).
    Data(u64, Chunk),
    /// A new cluster's bytes from the backing chain: the guest range
    /// (offset, length) as the images below read it (COW of a linked clone).
    Backing(u64, u64, u64),
    /// A hole punched where clusters were freed (`fallocate(PUNCH_HOLE)`,
    /// which QEMU issues for snapshot metadata and what a deleted
    /// snapshot alone held).
    Punch(u64, u64),
    /// The file cut to at most this length (a shrink drops the clusters
    /// past the last one in use).
    Truncate(u64),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GuestError {
    /// Past the virtual disk's end (`EIO` in qemu-io).
    OutOfRange,
    /// The refcount table itself would have to grow (not modelled).
    RefcountTableFull,
    /// An L2 entry with reserved bits set: a damaged table the lab does not write through.
    Unsupported,
    /// The L1 table would pass QEMU's 32 MiB limit (`EFBIG`).
    FileTooLarge,
    /// A shrink in a build without the feature `qcow2-shrink`.
    ShrinkNotBuilt,
    /// A compressed write that is not whole, cluster-aligned clusters (`EINVAL`).
    Invalid,
    /// A compressed cluster met in a build without zlib.
    CompressionNotBuilt,
}

impl GuestError {
    /// The error as qemu-io and qemu-img report it.
    pub fn text(self) -> &'static str {
        match self {
            GuestError::OutOfRange => "Input/output error",
            GuestError::RefcountTableFull => "the refcount table would pass its largest size",
            GuestError::Unsupported => "an L2 entry has reserved bits set (a damaged image)",
            GuestError::FileTooLarge => "Failed to grow the L1 table: File too large",
            GuestError::ShrinkNotBuilt => "shrinking a qcow2 image is in the storage-lab command-line program, not in the browser yet",
            GuestError::Invalid => "Invalid argument",
            GuestError::CompressionNotBuilt => compress::NOT_BUILT,
        }
    }
}

/// The most clusters the lab keeps refcounts for (2 bytes each): 2 TiB of
/// 64 KiB clusters in the command-line program, 1 TiB in a browser tab. A
/// damaged refcount table can name blocks far past any real file.
#[cfg(not(target_arch = "wasm32"))]
const MAX_COUNTED_CLUSTERS: usize = 1 << 25;
#[cfg(target_arch = "wasm32")]
const MAX_COUNTED_CLUSTERS: usize = 1 << 24;

/// `update_refcount` met a cluster whose refcount block had to be made
/// first: the caller searches for free space again (QEMU's `-EAGAIN`).
enum Refcount {
    Again,
    Failed(GuestError),
}

impl From<GuestError> for Refcount {
    fn from(e: GuestError) -> Refcount {
        Refcount::Failed(e)
    }
}

/// An open image's metadata: the header, its L1 table, the refcount table
/// and the counts of every refcount block, kept as the driver caches them.
#[derive(Debug, Clone)]
pub struct Image {
    pub header: Header,
    pub l1: Vec<u64>,
    /// Refcount block offsets, one per `refcount_block_size` clusters.
    pub(super) reftable: Vec<u64>,
    /// Every cluster's count (those without a refcount block read as 0).
    pub(super) refcounts: Vec<u16>,
    /// The internal snapshots, in table order.
    pub snapshots: Vec<super::snapshot::Snapshot>,
    /// L2 tables changed by this command, as they are now (later steps of
    /// the same command must see them before the writes land).
    tables: Vec<(u64, Vec<u64>)>,
    /// `free_cluster_index`: where the next search for free clusters starts.
    /// It moves back only when a count drops to zero, so a hole skipped by
    /// a longer run stays unused until the image is opened again.
    free_index: u64,
    /// With a backing file: the guest ranges (start, end) the images below
    /// hold data in, which an unallocated cluster here reads through to.
    /// Simplified: a zero cluster in a middle image does not hide them.
    pub below: Option<Vec<(u64, u64)>>,
    /// The backing file's virtual size (0 without one).
    pub backing_size: u64,
    /// Clusters a discard freed, punched together when it ends (QEMU's
    /// `s->discards` while `cache_discards` is set).
    pub(super) discards: Vec<u64>,
    /// `free_byte_offset`: where the next compressed cluster's bytes go, in
    /// the host cluster the last one ended in (0: a new cluster).
    pub free_byte_offset: u64,
}

impl Image {
    /// Reads the metadata through `read(offset, len)`.
    pub fn open(header: Header, read: &mut dyn FnMut(u64, u64) -> Vec<u8>) -> Image {
        let l1 = read(header.l1_table_offset, u64::from(header.l1_size) * 8).chunks_exact(8).map(be64).collect();
        let cluster = header.cluster_bytes();
        let reftable: Vec<u64> = read(header.refcount_table_offset, u64::from(header.refcount_table_clusters) * cluster).chunks_exact(8).map(be64).collect();
        let per_block = (cluster / 2) as usize;
        let mut refcounts = Vec::new();
        for (i, block) in reftable.iter().enumerate().filter(|(i, b)| **b != 0 && (i + 1) * per_block <= MAX_COUNTED_CLUSTERS) {
            refcounts.resize((i + 1) * per_block, 0);
            for (j, c) in read(*block, cluster).chunks_exact(2).enumerate() {
                refcounts[i * per_block + j] = u16::from_be_bytes([c[0], c[1]]);
            }
        }
        let snapshots = if cfg!(feature = "qcow2-snapshots") { super::snapshot::read_table(&header, read) } else { Vec::new() };
        Image { header, l1, reftable, refcounts, snapshots, tables: Vec::new(), free_index: 0, below: None, backing_size: 0, discards: Vec::new(), free_byte_offset: 0 }
    }

    pub(super) fn cluster(&self) -> u64 {
        self.header.cluster_bytes()
    }

    pub(super) fn l2_entries(&self) -> u64 {
        self.cluster() / 8
    }

    /// Clusters one refcount block counts.
    pub(super) fn per_block(&self) -> u64 {
        self.cluster() / 2
    }

    pub(super) fn refcount(&self, index: u64) -> u16 {
        self.refcounts.get(index as usize).copied().unwrap_or(0)
    }

    /// Where the refcount blocks are (0: none yet for that range).
    pub fn refcount_blocks(&self) -> &[u64] {
        &self.reftable
    }

    /// The end of the last cluster in use (`qemu-img check`'s image end offset).
    pub fn end_offset(&self) -> u64 {
        self.refcounts.iter().rposition(|r| *r != 0).map_or(0, |i| (i as u64 + 1) * self.cluster())
    }

    /// `qcow2_detect_metadata_preallocation`: many more clusters counted
    /// than the file has space allocated (at least 10/9 as many, and 2
    /// more). Only then does block status look through data clusters at
    /// the file's holes (`BDRV_BLOCK_RECURSE`).
    pub fn metadata_preallocated(&self, file_length: u64, allocated_bytes: u64) -> bool {
        let real = allocated_bytes / self.cluster();
        let threshold = (real * 10 / 9).max(real + 2);
        (0..file_length.div_ceil(self.cluster())).filter(|i| self.refcount(*i) != 0).take(threshold as usize).count() as u64 >= threshold
    }

    /// `alloc_clusters_noref`: the first run of `n` free clusters from the
    /// search cursor, which moves past every cluster looked at.
    fn find_free(&mut self, n: u64) -> u64 {
        let mut run = 0;
        while run < n {
            let i = self.free_index;
            self.free_index += 1;
            run = if self.refcount(i) == 0 { run + 1 } else { 0 };
        }
        (self.free_index - n) * self.cluster()
    }

    /// `qcow2_alloc_clusters`: `n` clusters, counted, searched again when
    /// counting them needed a new refcount block.
    pub(super) fn alloc_run(&mut self, n: u64, out: &mut Vec<FileWrite>) -> Result<u64, GuestError> {
        loop {
            let start = self.find_free(n);
            match self.update(start, n, 1, out) {
                Ok(()) => return Ok(start),
                // The search starts over where it last began (measured:
                // QEMU 10.0.2 puts the cluster it was placing just before a
                // new self-describing refcount block).
                Err(Refcount::Again) => self.free_index = self.free_index.min(start / self.cluster()),
                Err(Refcount::Failed(e)) => return Err(e),
            }
        }
    }

    pub(super) fn alloc(&mut self, out: &mut Vec<FileWrite>) -> Result<u64, GuestError> {
        self.alloc_run(1, out)
    }

    /// `update_refcount`: adds `addend` to the counts of `n` clusters from
    /// `start`; on `Again` the counts already changed are put back.
    fn update(&mut self, start: u64, n: u64, addend: i32, out: &mut Vec<FileWrite>) -> Result<(), Refcount> {
        let first = start / self.cluster();
        for index in first..first + n {
            if let Err(e) = self.ensure_block(index, out) {
                for undo in first..index {
                    self.add(undo, -addend, out);
                }
                return Err(e);
            }
            self.add(index, addend, out);
        }
        Ok(())
    }

    pub(super) fn add(&mut self, index: u64, addend: i32, out: &mut Vec<FileWrite>) {
        // Only a damaged table points at clusters no refcount block counts.
        let Some(slot) = self.refcounts.get_mut(index as usize) else { return };
        let count = (i32::from(*slot) + addend).clamp(0, 0xffff) as u16;
        *slot = count;
        if count == 0 {
            self.free_index = self.free_index.min(index);
        }
        let write = self.refcount_write(index);
        // A run of clusters counts in one write, not one small write each
        // (preallocating a 1 TiB image updates 16 million counts).
        if let (Some(FileWrite::Bytes(at, bytes)), FileWrite::Bytes(next, count)) = (out.last_mut(), &write) {
            if *at + bytes.len() as u64 == *next {
                bytes.extend_from_slice(count);
                return;
            }
        }
        out.push(write);
    }

    /// `alloc_refcount_block`: a cluster without a refcount block gets one at
    /// the first free cluster, counted in itself when it falls in the range
    /// it counts, else counted first through the block that does.
    fn ensure_block(&mut self, index: u64, out: &mut Vec<FileWrite>) -> Result<(), Refcount> {
        let table_index = (index / self.per_block()) as usize;
        if self.reftable.get(table_index).is_some_and(|b| *b != 0) {
            return Ok(());
        }
        let block = self.find_free(1);
        let block_index = block / self.cluster();
        let mut bytes = vec![0u8; self.cluster() as usize];
        if block_index / self.per_block() == table_index as u64 {
            let at = (2 * (block_index % self.per_block())) as usize;
            bytes[at..at + 2].copy_from_slice(&1u16.to_be_bytes());
            self.grow_counts(block_index);
            self.refcounts[block_index as usize] = 1;
        } else {
            self.update(block, 1, 1, out)?;
        }
        self.grow_counts(index);
        out.push(FileWrite::Bytes(block, bytes));
        if table_index < self.reftable.len() {
            self.reftable[table_index] = block;
            out.push(FileWrite::Bytes(self.header.refcount_table_offset + 8 * table_index as u64, block.to_be_bytes().to_vec()));
            return Err(Refcount::Again);
        }
        // The table is full: a new, larger one goes past everything the
        // used blocks count, with the blocks it still lacks.
        let blocks_used = (index + 1).max(block_index + 1).div_ceil(self.per_block());
        self.refcount_area(blocks_used * self.per_block() * self.cluster(), 0, Some((table_index, block)), out)?;
        Err(Refcount::Again)
    }

    /// `qcow2_refcount_area`: from `start`, the refcount blocks that the
    /// table lacks to count everything up to `additional` clusters past
    /// `start`, then a new table: exactly that large when growing the table
    /// for preallocation (`additional` > 0), 1.5 times that large when a
    /// full table grows (with `new` block at its index). Every cluster of
    /// the new area counts 1, the header points at the table, and the old
    /// table is freed. Returns the area's end.
    fn refcount_area(&mut self, start: u64, additional: u64, new: Option<(usize, u64)>, out: &mut Vec<FileWrite>) -> Result<u64, Refcount> {
        let cluster = self.cluster();
        let exact = additional > 0;
        let total = super::refcount_blocks_needed(start / cluster + additional, cluster, !exact) as usize;
        let table_size = if exact { total } else { total + total.div_ceil(2) }.next_multiple_of((cluster / 8) as usize);
        // QCOW_MAX_REFTABLE_SIZE (8 MiB of table), and what the lab keeps counts for.
        if table_size * 8 > 8 << 20 || total * self.per_block() as usize > MAX_COUNTED_CLUSTERS {
            return Err(Refcount::Failed(GuestError::RefcountTableFull));
        }
        let mut table = self.reftable.clone();
        table.resize(table_size.max(table.len()), 0);
        table.truncate(table_size);
        if let Some((index, block)) = new {
            table[index] = block;
        }
        let area_index = (start / cluster / self.per_block()) as usize;
        let missing = table[area_index..total].iter().filter(|b| **b == 0).count() as u64;
        let table_offset = start + missing * cluster;
        let end = table_offset + (table_size as u64 * 8).div_ceil(cluster) * cluster;
        let mut next = start;
        for entry in &mut table[area_index..total] {
            if *entry == 0 {
                *entry = next;
                next += cluster;
            }
        }
        // Every block of the new table gets its counts written, and the
        // generous size can reach past the area's end.
        self.grow_counts((end / cluster - 1).max(total as u64 * self.per_block() - 1));
        for c in start / cluster..end / cluster {
            self.refcounts[c as usize] = 1;
        }
        self.reftable = table;
        for i in area_index..total {
            let first = i as u64 * self.per_block();
            let counts = &self.refcounts[first as usize..(first + self.per_block()) as usize];
            out.push(FileWrite::Bytes(self.reftable[i], counts.iter().flat_map(|c| c.to_be_bytes()).collect::<Vec<u8>>()));
        }
        out.push(FileWrite::Bytes(table_offset, be64s(&self.reftable)));
        let (old_offset, old_clusters) = (self.header.refcount_table_offset, u64::from(self.header.refcount_table_clusters));
        self.header.refcount_table_offset = table_offset;
        self.header.refcount_table_clusters = ((end - table_offset) / cluster) as u32;
        let mut fields = table_offset.to_be_bytes().to_vec();
        fields.extend(self.header.refcount_table_clusters.to_be_bytes());
        out.push(FileWrite::Bytes(48, fields));
        for c in 0..old_clusters {
            self.add(old_offset / cluster + c, -1, out);
        }
        Ok(end)
    }

    /// Makes room in `refcounts` for the whole block that counts `index`.
    fn grow_counts(&mut self, index: u64) {
        let end = ((index / self.per_block() + 1) * self.per_block()) as usize;
        if self.refcounts.len() < end {
            self.refcounts.resize(end, 0);
        }
    }

    /// `qemu-img resize` growing the image: a larger L1 table, when the new
    /// size needs one, is written to free clusters (exactly as many entries
    /// as the size needs: `qcow2_co_truncate` asks `qcow2_grow_l1_table` for
    /// the exact size), the header points at it, and the old table's
    /// clusters are freed (their bytes stay). Over a backing file longer
    /// than the old size, the new area is zeroed so that the backing file's
    /// bytes stay hidden (`BDRV_REQ_ZERO_WRITE`): whole clusters become zero
    /// clusters, then the part of the old last cluster gets written zeros.
    pub fn grow(&mut self, new_size: u64, read: &mut dyn FnMut(u64, u64) -> Vec<u8>) -> Result<Vec<FileWrite>, GuestError> {
        let need = super::l1_entries(new_size, self.header.cluster_bits);
        // QCOW_MAX_L1_SIZE: 32 MiB of L1 table.
        if need > (32 << 20) / 8 {
            return Err(GuestError::FileTooLarge);
        }
        let mut out = Vec::new();
        self.grow_l1(need, &mut out)?;
        let old = std::mem::replace(&mut self.header.size, new_size);
        if cfg!(feature = "qcow2-backing") && self.backing_size > old {
            let zero_start = old.next_multiple_of(self.cluster());
            if new_size > zero_start {
                self.retag(zero_start, new_size, read, &mut out, &mut |e| e | OFLAG_ZERO)?;
            }
            if zero_start > old {
                let head = self.write(old, &Chunk::zeros(zero_start.min(new_size) - old), read)?;
                out.extend(head);
            }
        }
        out.push(FileWrite::Bytes(24, new_size.to_be_bytes().to_vec()));
        Ok(out)
    }

    /// `qcow2_grow_l1_table` to exactly `n` entries, if it has fewer.
    pub(super) fn grow_l1(&mut self, n: u64, out: &mut Vec<FileWrite>) -> Result<(), GuestError> {
        if n > self.l1.len() as u64 {
            let cluster = self.cluster();
            let start = self.alloc_run((n * 8).div_ceil(cluster), out)?;
            let old = (self.header.l1_table_offset, (self.l1.len() as u64 * 8).div_ceil(cluster));
            self.l1.resize(n as usize, 0);
            out.push(FileWrite::Bytes(start, be64s(&self.l1)));
            let mut fields = (n as u32).to_be_bytes().to_vec();
            fields.extend(start.to_be_bytes());
            out.push(FileWrite::Bytes(36, fields));
            if old.0 != 0 {
                for i in 0..old.1 {
                    self.add(old.0 / cluster + i, -1, out);
                }
            }
            self.header.l1_size = n as u32;
            self.header.l1_table_offset = start;
        }
        Ok(())
    }

    fn refcount_write(&self, index: u64) -> FileWrite {
        let block = self.reftable.get((index / self.per_block()) as usize).copied().unwrap_or(0);
        FileWrite::Bytes(block + 2 * (index % self.per_block()), self.refcount(index).to_be_bytes().to_vec())
    }

    /// The host offset of every guest cluster that has one, in guest order:
    /// (guest cluster index, host offset).
    pub fn mapped(&self, read: &mut dyn FnMut(u64, u64) -> Vec<u8>) -> Vec<(u64, u64)> {
        let bits = self.header.cluster_bits;
        let host = |e: u64| if e & OFLAG_COMPRESSED != 0 { compress::parse(e, bits).0 } else { e & OFFSET_MASK };
        self.entries(read).into_iter().filter(|e| e.1 & OFFSET_MASK != 0).map(|(g, e)| (g, host(e))).collect()
    }

    /// Every L2 entry that is not empty, in guest order: (guest cluster, entry).
    pub fn entries(&self, read: &mut dyn FnMut(u64, u64) -> Vec<u8>) -> Vec<(u64, u64)> {
        let mut out = Vec::new();
        for (i, entry) in self.l1.iter().enumerate() {
            let l2 = entry & OFFSET_MASK;
            if l2 == 0 {
                continue;
            }
            for (j, e) in read(l2, self.cluster()).chunks_exact(8).map(be64).enumerate() {
                if e != 0 {
                    out.push((i as u64 * self.l2_entries() + j as u64, e));
                }
            }
        }
        out
    }

    /// The file writes of a guest write of `data` at `offset`, L2 table by
    /// L2 table as `qcow2_alloc_host_offset` goes: clusters the active image
    /// owns alone (COPIED) are written in place; each run of clusters that
    /// are unallocated or shared with a snapshot gets a run of new clusters,
    /// filled from the old cluster (or zeros) around the written bytes, and
    /// the old clusters lose a reference. New clusters go right after the
    /// previous piece's host clusters when those are free, as
    /// `qcow2_alloc_host_offset` gathers one contiguous host range
    /// (`qcow2_alloc_clusters_at`), else where a search finds room.
    pub fn write(&mut self, offset: u64, data: &Chunk, read: &mut dyn FnMut(u64, u64) -> Vec<u8>) -> Result<Vec<FileWrite>, GuestError> {
        let end = offset.checked_add(data.len).filter(|end| *end <= self.header.size).ok_or(GuestError::OutOfRange)?;
        let cluster = self.cluster();
        let mut out = Vec::new();
        let mut pos = offset;
        let mut next_host = None;
        while pos < end {
            let l1i = (pos / cluster / self.l2_entries()) as usize;
            let table_end = end.min((l1i as u64 + 1).saturating_mul(self.l2_entries() * cluster));
            let (l2, mut entries) = self.l2_table(l1i, read, &mut out)?;
            // QEMU writes a request's data before it links the new clusters
            // in (refcounts, then L2 entries), so a data write that runs out
            // of host space leaves the tables as they were.
            let mut links = Vec::new();
            let mut dirty = false;
            while pos < table_end {
                let i = ((pos / cluster) % self.l2_entries()) as usize;
                if entries[i] & OFLAG_COMPRESSED == 0 && entries[i] & !(OFFSET_MASK | OFLAG_COPIED | OFLAG_ZERO) != 0 {
                    return Err(GuestError::Unsupported);
                }
                let wanted = entries[i..].iter().take(((table_end - 1) / cluster - pos / cluster + 1) as usize).take_while(|e| needs_alloc(**e)).count() as u64;
                let (host, run) = if wanted == 0 { (entries[i] & OFFSET_MASK, 0) } else { self.alloc_next(next_host, wanted, &mut links)? };
                next_host = Some(host + run.max(1) * cluster);
                dirty |= run > 0;
                let zeroed = (run > 0 || zero_flag(entries[i])) && self.zero_cow(&entries[i..], pos, end.min(pos / cluster * cluster + run.max(1) * cluster));
                if zeroed {
                    out.push(FileWrite::ZeroRange(host, run.max(1) * cluster));
                }
                for j in 0..run.max(1) {
                    let (e, c_host) = (i + j as usize, host + j * cluster);
                    let old_entry = entries[e];
                    let (old, zero) = (self.held(old_entry).1, zero_flag(old_entry));
                    if zeroed {
                        entries[e] = c_host | OFLAG_COPIED;
                        dirty = true;
                        if run > 0 {
                            self.release_entry(old_entry, &mut links);
                        }
                    } else if run > 0 {
                        let g = pos / cluster * cluster;
                        out.push(match (old, zero) {
                            (0, false) if self.below.is_some() => FileWrite::Backing(c_host, g, cluster),
                            (0, _) | (_, true) => FileWrite::Zeros(c_host, cluster),
                            _ => FileWrite::Bytes(c_host, self.cluster_data(old_entry, read)?),
                        });
                        entries[e] = c_host | OFLAG_COPIED;
                        self.release_entry(old_entry, &mut links);
                    } else if zero {
                        // A zeroed cluster it owns is written in place, the
                        // rest of it zero-filled and the flag cleared.
                        out.push(FileWrite::Zeros(c_host, cluster));
                        entries[e] &= !OFLAG_ZERO;
                        dirty = true;
                    }
                    let within = pos % cluster;
                    let n = (cluster - within).min(end - pos);
                    let from = pos - offset;
                    out.push(FileWrite::Data(c_host + within, data.slice(from, n)));
                    pos += n;
                }
            }
            out.append(&mut links);
            if dirty {
                self.l2_store(l2, entries, &mut out);
            }
        }
        Ok(out)
    }

    /// `is_zero_cow`: whether a write of guest `from..to` into new clusters
    /// (L2 entries `entries` on) leaves copy-on-write parts, before it in
    /// its first cluster and after it in its last, and all of them read as
    /// zeros: the clusters are unallocated with nothing below them there,
    /// or zero clusters.
    fn zero_cow(&self, entries: &[u64], from: u64, to: u64) -> bool {
        let cluster = self.cluster();
        let (first, last) = (from / cluster * cluster, to.div_ceil(cluster) * cluster);
        let below = self.below.as_deref().unwrap_or(&[]);
        let reads_zero = |e: u64, a: u64, b: u64| zero_flag(e) || (e & OFFSET_MASK == 0 && !below.iter().any(|r| r.0 < b && a < r.1));
        let last_entry = entries[((last - first) / cluster - 1) as usize];
        (first < from || to < last) && reads_zero(entries[0], first, from) && reads_zero(last_entry, to, last)
    }

    /// `handle_alloc`: `n` new clusters at `at` (the end of the range being
    /// gathered), as many as are free there, else wherever a search finds
    /// room for all `n`. Returns the host offset and how many it got.
    fn alloc_next(&mut self, at: Option<u64>, n: u64, out: &mut Vec<FileWrite>) -> Result<(u64, u64), GuestError> {
        if let Some(at) = at {
            let got = self.alloc_at(at, n, out)?;
            if got > 0 {
                return Ok((at, got));
            }
        }
        Ok((self.alloc_run(n, out)?, n))
    }

    /// `qcow2_alloc_clusters_at`: counts the free clusters from `at` (up to
    /// `n`) and takes them; a new refcount block may land on the first, and
    /// then it counts again. The search cursor does not move.
    fn alloc_at(&mut self, at: u64, n: u64, out: &mut Vec<FileWrite>) -> Result<u64, GuestError> {
        loop {
            let first = at / self.cluster();
            let free = (first..first + n).take_while(|c| self.refcount(*c) == 0).count() as u64;
            if free == 0 {
                return Ok(0);
            }
            match self.update(at, free, 1, out) {
                Ok(()) => return Ok(free),
                Err(Refcount::Again) => self.free_index = self.free_index.min(first),
                Err(Refcount::Failed(e)) => return Err(e),
            }
        }
    }

    /// `preallocation=metadata` (`preallocate_co` from guest offset `from`:
    /// 0 for a new image, the old size for `resize --preallocation`): every
    /// guest cluster from there gets an L2 entry and a host cluster, L2
    /// table by L2 table as a write allocates them, but no data is written:
    /// the data clusters stay holes. The cluster the old end falls in keeps
    /// a data cluster it owns (`handle_copied`). Returns the writes and the
    /// length the file must then have (the end of the last cluster).
    /// Measured on qemu-img 10.0.2: one request covers the whole disk (a
    /// 3 GiB image has no split at 2 GiB).
    pub fn preallocate_metadata(&mut self, from: u64, read: &mut dyn FnMut(u64, u64) -> Vec<u8>) -> Result<(Vec<FileWrite>, u64), GuestError> {
        let cluster = self.cluster();
        let (mut out, mut file_end, mut pos) = (Vec::new(), 0, from - from % cluster);
        while pos < self.header.size {
            let l1i = (pos / cluster / self.l2_entries()) as usize;
            let table_end = self.header.size.min((l1i as u64 + 1) * self.l2_entries() * cluster);
            let (l2, mut entries) = self.l2_table(l1i, read, &mut out)?;
            let mut first = (pos / cluster % self.l2_entries()) as usize;
            let kept = entries[first];
            if kept & OFFSET_MASK != 0 && kept & (OFLAG_COPIED | OFLAG_COMPRESSED) == OFLAG_COPIED {
                (first, pos, file_end) = (first + 1, pos + cluster, (kept & OFFSET_MASK) + cluster);
            }
            if pos < table_end {
                let run = (table_end - pos).div_ceil(cluster);
                let host = self.alloc_run(run, &mut out)?;
                for (j, e) in entries[first..first + run as usize].iter_mut().enumerate() {
                    let old = std::mem::replace(e, (host + j as u64 * cluster) | OFLAG_COPIED);
                    self.release_entry(old, &mut out);
                }
                // The old end's cluster, new here, gets the copy-on-write of
                // the guest bytes before that end.
                let head = if pos == from - from % cluster { from % cluster } else { 0 };
                if head > 0 {
                    out.push(if self.below.is_some() { FileWrite::Backing(host, pos, head) } else { FileWrite::Zeros(host, head) });
                }
                file_end = host + run * cluster;
            }
            self.l2_store(l2, entries, &mut out);
            pos = table_end;
        }
        // A last cluster the disk covers only in part is completed like a
        // partial write's: the copy-on-write of zeros past the disk's end is
        // written, the guest's part stays a hole (qemu-img 10.0.2: a 100k
        // image has 28 KiB allocated at the end of its file).
        let tail = self.header.size % cluster;
        if tail != 0 && file_end > 0 {
            out.push(FileWrite::Zeros(file_end - cluster + tail, cluster - tail));
        }
        Ok((coalesce(out), file_end))
    }

    /// `preallocation=falloc|full` (`qcow2_co_truncate` from guest offset
    /// `from`: 0 for a new image, the old size for `resize --preallocation`),
    /// first half: past the last used cluster, new refcount structures sized
    /// exactly for every data cluster and L2 table to come, then the data
    /// clusters from the one `from` falls in, counted right after them.
    /// Returns the writes and the data area, which the file must then cover
    /// with allocated space.
    pub fn preallocate_area(&mut self, from: u64) -> Result<(Vec<FileWrite>, u64, u64), GuestError> {
        let cluster = self.cluster();
        let data = self.header.size.div_ceil(cluster) - from / cluster;
        // One L2 table more for a range that does not start on a table's reach.
        let tables = data.div_ceil(self.l2_entries()) + 1;
        let used_end = self.refcounts.iter().rposition(|c| *c != 0).map_or(0, |i| i as u64 + 1) * cluster;
        let mut out = Vec::new();
        let start = match self.refcount_area(used_end, data + tables, None, &mut out) {
            Ok(end) => end,
            Err(Refcount::Failed(e)) => return Err(e),
            Err(Refcount::Again) => return Err(GuestError::RefcountTableFull),
        };
        let taken = self.alloc_at(start, data, &mut out)?;
        if taken != data {
            return Err(GuestError::RefcountTableFull);
        }
        Ok((out, start, start + data * cluster))
    }

    /// Second half, once the file covers the data area from `start`: every
    /// guest cluster's L2 entry from `from`'s on points into it in order,
    /// table by table (`qcow2_alloc_cluster_link_l2`); each new table takes
    /// the first free cluster. A cluster that held data loses it to the new
    /// one: the bytes before `from` are copied over, and the old cluster is
    /// freed.
    pub fn link_data_area(&mut self, from: u64, start: u64, read: &mut dyn FnMut(u64, u64) -> Vec<u8>) -> Result<Vec<FileWrite>, GuestError> {
        let (cluster, per_table) = (self.cluster(), self.l2_entries());
        let (first, data) = (from / cluster, self.header.size.div_ceil(cluster));
        let mut out = Vec::new();
        let mut g = first;
        while g < data {
            let stop = data.min((g / per_table + 1) * per_table);
            let (l2, mut entries) = self.l2_table((g / per_table) as usize, read, &mut out)?;
            for k in g..stop {
                let old = std::mem::replace(&mut entries[(k % per_table) as usize], (start + (k - first) * cluster) | OFLAG_COPIED);
                if k == first && from % cluster != 0 && old & OFFSET_MASK != 0 && old & OFLAG_ZERO == 0 {
                    // (A damaged file can end inside the cluster: the rest reads as zeros.)
                    let mut head = self.cluster_data(old, read)?;
                    head.resize((from % cluster) as usize, 0);
                    out.push(FileWrite::Bytes(start, head));
                }
                self.release_entry(old, &mut out);
            }
            self.l2_store(l2, entries, &mut out);
            g = stop;
        }
        Ok(coalesce(out))
    }

    /// The L2 table of L1 entry `l1i`, ready for writing: a new empty one
    /// when there is none, a copy when a snapshot shares it (the old one
    /// then loses a reference), as `get_cluster_table` and `l2_allocate` do.
    pub(super) fn l2_table(&mut self, l1i: usize, read: &mut dyn FnMut(u64, u64) -> Vec<u8>, out: &mut Vec<FileWrite>) -> Result<(u64, Vec<u64>), GuestError> {
        let cluster = self.cluster();
        // A damaged header's L1 table can be shorter than the virtual size.
        let old = self.l1.get(l1i).ok_or(GuestError::OutOfRange)? & OFFSET_MASK;
        if old != 0 && self.l1[l1i] & OFLAG_COPIED != 0 {
            return Ok((old, self.l2_load(old, read)));
        }
        let table = self.alloc(out)?;
        let entries: Vec<u64> = if old == 0 { vec![0; (cluster / 8) as usize] } else { self.l2_load(old, read) };
        self.l2_store(table, entries.clone(), out);
        self.l1[l1i] = table | OFLAG_COPIED;
        out.push(FileWrite::Bytes(self.header.l1_table_offset + 8 * l1i as u64, self.l1[l1i].to_be_bytes().to_vec()));
        if old != 0 {
            self.release(old, out);
        }
        Ok((table, entries))
    }

    /// An L2 table's entries: as this command left them, else from the file.
    pub(super) fn l2_load(&self, offset: u64, read: &mut dyn FnMut(u64, u64) -> Vec<u8>) -> Vec<u64> {
        match self.tables.iter().find(|t| t.0 == offset) {
            Some((_, entries)) => entries.clone(),
            None => {
                let mut entries: Vec<u64> = read(offset, self.cluster()).chunks_exact(8).map(be64).collect();
                entries.resize((self.cluster() / 8) as usize, 0);
                entries
            }
        }
    }

    /// Writes a whole L2 table, as QEMU's table cache flushes it.
    pub(super) fn l2_store(&mut self, offset: u64, entries: Vec<u64>, out: &mut Vec<FileWrite>) {
        // A new table is empty: its zeros cost no memory until it fills.
        let write = if entries.iter().all(|e| *e == 0) { FileWrite::Zeros(offset, self.cluster()) } else { FileWrite::Bytes(offset, be64s(&entries)) };
        out.push(write);
        match self.tables.iter_mut().find(|t| t.0 == offset) {
            Some(t) => t.1 = entries,
            None => self.tables.push((offset, entries)),
        }
    }

    /// One reference less on the cluster at `offset` (`qcow2_free_clusters`).
    pub(super) fn release(&mut self, offset: u64, out: &mut Vec<FileWrite>) {
        self.add(offset / self.cluster(), -1, out);
    }

    /// The host clusters an L2 entry holds a reference on: (first, count).
    /// A compressed entry's bytes can touch two; a normal entry's cluster
    /// is one (none for an unallocated or plain zero entry).
    pub(super) fn held(&self, entry: u64) -> (u64, u64) {
        if entry & OFLAG_COMPRESSED != 0 {
            compress::clusters(entry, self.header.cluster_bits)
        } else {
            let host = entry & OFFSET_MASK;
            (host, u64::from(host != 0))
        }
    }

    /// `qcow2_free_any_cluster`: one reference less on each cluster the
    /// entry holds. Returns them (a discard queues them to punch).
    pub(super) fn release_entry(&mut self, entry: u64, out: &mut Vec<FileWrite>) -> Vec<u64> {
        let (first, n) = self.held(entry);
        let hosts: Vec<u64> = (0..n).map(|k| first + k * self.cluster()).collect();
        for h in &hosts {
            self.release(*h, out);
        }
        hosts
    }

    /// A data cluster's guest bytes: read, or read and inflated.
    fn cluster_data(&self, entry: u64, read: &mut dyn FnMut(u64, u64) -> Vec<u8>) -> Result<Vec<u8>, GuestError> {
        if entry & OFLAG_COMPRESSED == 0 {
            return Ok(read(entry & OFFSET_MASK, self.cluster()));
        }
        let (offset, len) = compress::parse(entry, self.header.cluster_bits);
        if !compress::BUILT {
            return Err(GuestError::CompressionNotBuilt);
        }
        compress::inflate(&read(offset, len), self.cluster() as usize).ok_or(GuestError::OutOfRange)
    }

    /// `qcow2_co_pwritev_compressed_task`: one cluster of guest data at a
    /// cluster-aligned offset (the image's last, short cluster zero-padded),
    /// deflated into the bytes after the last compressed cluster's. Data
    /// that does not shrink below a cluster is written as a normal cluster.
    /// The guest cluster must not hold data yet ("Compression can't
    /// overwrite anything": `EIO`).
    pub fn write_compressed(&mut self, offset: u64, data: &[u8], read: &mut dyn FnMut(u64, u64) -> Vec<u8>) -> Result<Vec<FileWrite>, GuestError> {
        let (cluster, len) = (self.cluster(), data.len() as u64);
        let end = offset.checked_add(len).filter(|end| *end <= self.header.size).ok_or(GuestError::OutOfRange)?;
        if offset % cluster != 0 || len > cluster || (len < cluster && end != self.header.size) {
            return Err(GuestError::Invalid);
        }
        if !compress::BUILT {
            return Err(GuestError::CompressionNotBuilt);
        }
        let mut whole = data.to_vec();
        whole.resize(cluster as usize, 0);
        let Some(packed) = compress::deflate(&whole, cluster as usize - 1) else {
            return self.write(offset, &Chunk::bytes(data), read);
        };
        let mut out = Vec::new();
        let (l2, mut entries) = self.l2_table((offset / cluster / self.l2_entries()) as usize, read, &mut out)?;
        let i = ((offset / cluster) % self.l2_entries()) as usize;
        if entries[i] & OFFSET_MASK != 0 {
            return Err(GuestError::OutOfRange);
        }
        let host = self.alloc_bytes(packed.len() as u64, &mut out)?;
        entries[i] = compress::entry(host, packed.len() as u64, self.header.cluster_bits);
        out.push(FileWrite::Bytes(host, packed));
        self.l2_store(l2, entries, &mut out);
        Ok(out)
    }

    /// `qcow2_alloc_bytes`: `len` bytes right after the last compressed
    /// bytes while they fit in that cluster, or run on into a free cluster
    /// just after it; else from the start of a new cluster. Each cluster
    /// the bytes touch gains a reference.
    fn alloc_bytes(&mut self, len: u64, out: &mut Vec<FileWrite>) -> Result<u64, GuestError> {
        let cluster = self.cluster();
        let mut offset = self.free_byte_offset;
        if offset != 0 && self.refcount(offset / cluster) == u16::MAX {
            offset = 0;
        }
        let mut free = cluster - offset % cluster;
        loop {
            if offset == 0 || free < len {
                let new = self.find_free(1);
                if offset == 0 || offset.next_multiple_of(cluster) != new {
                    (offset, free) = (new, cluster);
                } else {
                    free += cluster;
                }
            }
            let n = (offset + len - 1) / cluster - offset / cluster + 1;
            match self.update(offset, n, 1, out) {
                Ok(()) => break,
                Err(Refcount::Again) => offset = 0,
                Err(Refcount::Failed(e)) => return Err(e),
            }
        }
        self.free_byte_offset = if (offset + len) % cluster == 0 { 0 } else { offset + len };
        Ok(offset)
    }

    /// The L2 entry of a compressed cluster holding guest byte `guest`.
    pub fn compressed_entry(&self, guest: u64, l2_entry: &mut dyn FnMut(u64, u64) -> u64) -> Option<u64> {
        let g = guest / self.cluster();
        let l2 = self.l1.get((g / self.l2_entries()) as usize)? & OFFSET_MASK;
        let entry = if l2 == 0 { 0 } else { l2_entry(l2, g % self.l2_entries()) };
        (entry & OFLAG_COMPRESSED != 0).then_some(entry)
    }

    /// A compressed cluster's guest bytes (`None` when they do not inflate,
    /// or without zlib in this build).
    pub fn inflate_entry(&self, entry: u64, read: &mut dyn FnMut(u64, u64) -> Vec<u8>) -> Option<Vec<u8>> {
        self.cluster_data(entry, read).ok()
    }

    /// `write -z`: the block layer splits the range at cluster boundaries.
    /// Whole clusters get QCOW_OFLAG_ZERO (allocated ones keep their
    /// cluster); a partial cluster that already reads as zeros is flagged
    /// whole, any other gets real zero bytes through the write path.
    pub fn write_zeroes(&mut self, offset: u64, len: u64, read: &mut dyn FnMut(u64, u64) -> Vec<u8>) -> Result<Vec<FileWrite>, GuestError> {
        let end = offset.checked_add(len).filter(|end| *end <= self.header.size).ok_or(GuestError::OutOfRange)?;
        let mut out = Vec::new();
        for (from, to) in self.pieces(offset, end) {
            let whole = from % self.cluster() == 0 && (to % self.cluster() == 0 || to == self.header.size);
            let entry = self.entry_at(from, read);
            let (start, stop) = (from / self.cluster() * self.cluster(), ((from / self.cluster() + 1) * self.cluster()).min(self.header.size));
            // `is_zero`: the rest of a cluster that falls through must read
            // as zeros below too.
            let rest_zero = self.below.as_ref().is_none_or(|below| !below.iter().any(|(a, b)| (*a < from && *b > start) || (*a < stop && *b > to)));
            if whole || zero_flag(entry) || (entry & OFFSET_MASK == 0 && rest_zero) {
                // `zero_in_l2_slice` unmaps a compressed cluster: it becomes
                // a plain zero cluster and its bytes are freed.
                let mut freed = Vec::new();
                self.retag(from, to, read, &mut out, &mut |e| {
                    if e & OFLAG_COMPRESSED != 0 {
                        freed.push(e);
                        OFLAG_ZERO
                    } else {
                        e | OFLAG_ZERO
                    }
                })?;
                for e in freed {
                    let hosts = self.release_entry(e, &mut out);
                    self.discards.extend(hosts);
                }
                self.process_discards(&mut out);
            } else {
                let writes = self.write(from, &Chunk::zeros(to - from), read)?;
                out.extend(writes);
            }
        }
        Ok(out)
    }

    /// `discard`: whole clusters only (a partial one is ignored, as QEMU
    /// answers it ENOTSUP), each allocated one becoming a zero cluster and
    /// losing its reference (the hole punched when no one else holds it).
    pub fn discard(&mut self, offset: u64, len: u64, read: &mut dyn FnMut(u64, u64) -> Vec<u8>) -> Result<Vec<FileWrite>, GuestError> {
        let end = offset.checked_add(len).filter(|end| *end <= self.header.size).ok_or(GuestError::OutOfRange)?;
        let mut out = Vec::new();
        let cluster = self.cluster();
        for (from, to) in self.pieces(offset, end) {
            if from % cluster != 0 || (to % cluster != 0 && to != self.header.size) {
                continue;
            }
            // `discard_in_l2_slice` frees each table's clusters before the
            // next table is made, so that table can take a freed cluster.
            let reach = cluster * self.l2_entries();
            let mut at = from;
            while at < to {
                let stop = ((at / reach + 1) * reach).min(to);
                self.discard_in_table(at, stop, read, &mut out)?;
                at = stop;
            }
        }
        self.process_discards(&mut out);
        Ok(out)
    }

    /// `qcow2_process_discards`: the queued clusters that are still free,
    /// neighbours joined, are punched. One freed and taken again by the same
    /// request keeps its new bytes (QEMU writes its cached tables after).
    pub(super) fn process_discards(&mut self, out: &mut Vec<FileWrite>) {
        let cluster = self.cluster();
        let mut freed = std::mem::take(&mut self.discards);
        freed.retain(|h| self.refcount(h / cluster) == 0);
        // A cluster is queued once per reference dropped, so only a damaged
        // image queues one twice (then it is punched twice: harmless).
        freed.sort_unstable();
        for (at, len) in merge(freed.into_iter().map(|h| (h, cluster)).collect()) {
            out.push(FileWrite::Punch(at, len));
        }
    }

    /// The discard of `from..to`, which one L2 table maps.
    fn discard_in_table(&mut self, from: u64, to: u64, read: &mut dyn FnMut(u64, u64) -> Vec<u8>, out: &mut Vec<FileWrite>) -> Result<(), GuestError> {
        let mut freed = Vec::new();
        // With a backing file even an unallocated cluster must now read as
        // zeros, not fall through.
        let backed = self.below.is_some();
        self.retag(from, to, read, out, &mut |e| {
            if e & OFFSET_MASK != 0 {
                freed.push(e);
                OFLAG_ZERO
            } else if backed {
                OFLAG_ZERO
            } else {
                e
            }
        })?;
        for entry in freed {
            let hosts = self.release_entry(entry, out);
            self.discards.extend(hosts);
        }
        Ok(())
    }

    /// `offset..end` cut at the first and last cluster boundary inside it.
    fn pieces(&self, offset: u64, end: u64) -> Vec<(u64, u64)> {
        let c = self.cluster();
        let (up, down) = (offset.checked_next_multiple_of(c).unwrap_or(end).min(end), end / c * c);
        let mut cuts = vec![offset, up];
        if down > up {
            cuts.push(down);
        }
        cuts.push(end);
        cuts.windows(2).filter(|w| w[0] < w[1]).map(|w| (w[0], w[1])).collect()
    }

    /// The L2 entry of the cluster holding guest byte `at` (0 without a table).
    fn entry_at(&self, at: u64, read: &mut dyn FnMut(u64, u64) -> Vec<u8>) -> u64 {
        let g = at / self.cluster();
        let l2 = self.l1.get((g / self.l2_entries()) as usize).map_or(0, |e| e & OFFSET_MASK);
        if l2 == 0 {
            return 0;
        }
        self.l2_load(l2, read)[(g % self.l2_entries()) as usize]
    }

    /// Rewrites the L2 entries of the clusters `from..to` touches with `f`,
    /// table by table; `get_cluster_table` makes (or copies) each table
    /// first, even when no entry changes.
    pub(super) fn retag(&mut self, from: u64, to: u64, read: &mut dyn FnMut(u64, u64) -> Vec<u8>, out: &mut Vec<FileWrite>, f: &mut dyn FnMut(u64) -> u64) -> Result<(), GuestError> {
        let (cluster, per_table) = (self.cluster(), self.l2_entries());
        let (first, last) = (from / cluster, (to - 1) / cluster);
        let mut g = first;
        while g <= last {
            let (l2, mut entries) = self.l2_table((g / per_table) as usize, read, out)?;
            let stop = last.min((g / per_table + 1) * per_table - 1);
            let before = entries.clone();
            for k in g..=stop {
                let e = &mut entries[(k % per_table) as usize];
                *e = f(*e);
            }
            if entries != before {
                self.l2_store(l2, entries, out);
            }
            g = stop + 1;
        }
        Ok(())
    }

    /// Whether a guest byte's cluster is unallocated here (no table, or an
    /// entry that is neither data nor a zero cluster): it reads from the
    /// backing file, if any.
    pub fn falls_through(&self, guest: u64, l2_entry: &mut dyn FnMut(u64, u64) -> u64) -> bool {
        let g = guest / self.cluster();
        let l2 = self.l1.get((g / self.l2_entries()) as usize).map_or(0, |e| e & OFFSET_MASK);
        l2 == 0 || l2_entry(l2, g % self.l2_entries()) & (OFFSET_MASK | OFLAG_ZERO) == 0
    }

    /// The host offset holding a guest byte, if its cluster is allocated.
    pub fn host_offset(&self, guest: u64, l2_entry: &mut dyn FnMut(u64, u64) -> u64) -> Option<u64> {
        let cluster = self.cluster();
        let g = guest / cluster;
        let l2 = self.l1.get((g / self.l2_entries()) as usize)? & OFFSET_MASK;
        if l2 == 0 {
            return None;
        }
        let entry = l2_entry(l2, g % self.l2_entries());
        let host = entry & OFFSET_MASK;
        (host != 0 && entry & (OFLAG_ZERO | OFLAG_COMPRESSED) == 0).then_some(host + guest % cluster)
    }
}

/// Sorted (offset, length) runs with touching neighbours joined.
pub(super) fn merge(runs: Vec<(u64, u64)>) -> Vec<(u64, u64)> {
    let mut out: Vec<(u64, u64)> = Vec::new();
    for (at, len) in runs {
        match out.last_mut() {
            Some(last) if last.0 + last.1 == at => last.1 += len,
            _ => out.push((at, len)),
        }
    }
    out
}

/// Joins each byte write that lands inside or right after the one before
/// it (a run of refcount entries) into that one, in order, so that counting
/// a 32 MiB L1 table is a few hundred writes rather than one per cluster.
pub fn coalesce(writes: Vec<FileWrite>) -> Vec<FileWrite> {
    let mut out: Vec<FileWrite> = Vec::with_capacity(writes.len());
    for w in writes {
        if let (Some(FileWrite::Bytes(at, bytes)), FileWrite::Bytes(next, more)) = (out.last_mut(), &w) {
            if (*at..=*at + bytes.len() as u64).contains(next) {
                let from = (*next - *at) as usize;
                bytes.resize(bytes.len().max(from + more.len()), 0);
                bytes[from..from + more.len()].copy_from_slice(more);
                continue;
            }
        }
        out.push(w);
    }
    out
}

/// `QCOW_OFLAG_ZERO` on an entry that is not compressed (a compressed
/// entry's bit 0 belongs to its byte offset).
pub(crate) fn zero_flag(entry: u64) -> bool {
    entry & OFLAG_COMPRESSED == 0 && entry & OFLAG_ZERO != 0
}

/// `cluster_needs_new_alloc`: unallocated, or allocated but shared.
fn needs_alloc(entry: u64) -> bool {
    entry & OFFSET_MASK == 0 || entry & OFLAG_COPIED == 0
}

/// A table of big-endian 64-bit entries as bytes (one function for every
/// table, rather than a copy of the loop per call site).
pub(super) fn be64s(entries: &[u64]) -> Vec<u8> {
    entries.iter().flat_map(|e| e.to_be_bytes()).collect()
}

pub(crate) fn be64(b: &[u8]) -> u64 {
    u64::from_be_bytes(b.try_into().unwrap_or_default())
}
