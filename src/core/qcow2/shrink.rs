//! `qemu-img resize --shrink` of a qcow2 image, step by step as QEMU 10's
//! `qcow2_co_truncate` shrinks one: every cluster past the new end is
//! discarded for good (its L2 entry cleared, even where that first makes a
//! table), the L1 entries past the new end are zeroed and their tables
//! freed, refcount blocks left counting nothing are dropped, and the file is
//! cut after the last cluster in use. The header keeps its L1 size.
//!
//! Simplified: no extended L2 entries (subclusters).

use super::guest::{be64s, FileWrite, GuestError, Image, OFFSET_MASK, OFLAG_COPIED};

type Reader<'a> = &'a mut dyn FnMut(u64, u64) -> Vec<u8>;

impl Image {
    /// The file writes that shrink the virtual disk to `new_size`.
    pub fn shrink(&mut self, new_size: u64, read: Reader) -> Result<Vec<FileWrite>, GuestError> {
        if !cfg!(feature = "qcow2-shrink") {
            return Err(GuestError::ShrinkNotBuilt);
        }
        let mut out = Vec::new();
        let late = self.discard_cropped(new_size, read, &mut out)?;
        self.shrink_l1(new_size, &mut out);
        self.shrink_reftable(&mut out);
        self.header.size = new_size;
        out.push(FileWrite::Bytes(24, new_size.to_be_bytes().to_vec()));
        out.push(FileWrite::Truncate(self.end_offset()));
        out.extend(late);
        Ok(out)
    }

    /// Bytes of one L2 cache entry: 4 KiB when the cache (at most 32 MiB)
    /// cannot hold every table of the disk, else whole tables
    /// (`read_cache_sizes`).
    fn l2_slice_bytes(&self) -> u64 {
        let cluster = self.cluster();
        let all_tables = (self.header.size.div_ceil(cluster) * 8).next_multiple_of(cluster);
        if all_tables > 32 << 20 {
            cluster.min(4096)
        } else {
            cluster
        }
    }

    /// `qcow2_cluster_discard` with `full_discard` from the first whole
    /// cluster past `new_size`: table by table, each entry becomes 0 and its
    /// cluster loses a reference. Returns what the L2 cache writes when the
    /// image closes: a table past the new end is freed later, and freeing
    /// drops only its first cache entry, so its other changed entries
    /// (slices of 4 KiB on a large disk) land after the file was cut.
    fn discard_cropped(&mut self, new_size: u64, read: Reader, out: &mut Vec<FileWrite>) -> Result<Vec<FileWrite>, GuestError> {
        let cluster = self.cluster();
        let reach = cluster * self.l2_entries();
        let keep = super::l1_entries(new_size, self.header.cluster_bits);
        let mut at = new_size.next_multiple_of(cluster);
        let mut late = Vec::new();
        while at < self.header.size {
            let stop = ((at / reach + 1) * reach).min(self.header.size);
            let l1i = at / reach;
            if l1i >= keep && self.l1.get(l1i as usize) == Some(&0) {
                // `get_cluster_table` makes a table here only for
                // `shrink_l1` to free it: nothing in it to read or clear.
                self.new_empty_table(l1i as usize, out)?;
            } else {
                let old = self.l1.get(l1i as usize).map_or(0, |e| e & OFFSET_MASK);
                let before = if l1i >= keep && old != 0 { self.l2_load(old, read) } else { Vec::new() };
                let mut freed = Vec::new();
                self.retag(at, stop, read, out, &mut |e| {
                    if e & OFFSET_MASK != 0 {
                        freed.push(e);
                    }
                    0
                })?;
                for entry in freed {
                    let hosts = self.release_entry(entry, out);
                    self.discards.extend(hosts);
                }
                if !before.is_empty() {
                    late.extend(self.dirty_slices(l1i as usize, &before, read));
                }
            }
            at = stop;
        }
        self.process_discards(out);
        Ok(late)
    }

    /// The table of L1 entry `l1i`, slice by slice, where it differs from
    /// `before`, leaving out the first slice.
    fn dirty_slices(&self, l1i: usize, before: &[u64], read: Reader) -> Vec<FileWrite> {
        let table = self.l1[l1i] & OFFSET_MASK;
        let entries = self.l2_load(table, read);
        let per_slice = (self.l2_slice_bytes() / 8) as usize;
        let slices = entries.chunks(per_slice).zip(before.chunks(per_slice)).enumerate().skip(1);
        slices.filter(|(_, (now, was))| now != was).map(|(k, (now, _))| FileWrite::Bytes(table + (k * per_slice * 8) as u64, be64s(now))).collect()
    }

    fn new_empty_table(&mut self, l1i: usize, out: &mut Vec<FileWrite>) -> Result<(), GuestError> {
        let table = self.alloc(out)?;
        out.push(FileWrite::Zeros(table, self.cluster()));
        self.l1[l1i] = table | OFLAG_COPIED;
        out.push(FileWrite::Bytes(self.header.l1_table_offset + 8 * l1i as u64, self.l1[l1i].to_be_bytes().to_vec()));
        Ok(())
    }

    /// `qcow2_shrink_l1_table`: the entries past the new size are zeroed in
    /// the file, then their tables freed, last first.
    fn shrink_l1(&mut self, new_size: u64, out: &mut Vec<FileWrite>) {
        let keep = super::l1_entries(new_size, self.header.cluster_bits) as usize;
        if keep >= self.l1.len() {
            return;
        }
        out.push(FileWrite::Zeros(self.header.l1_table_offset + 8 * keep as u64, 8 * (self.l1.len() - keep) as u64));
        for i in (keep..self.l1.len()).rev() {
            let table = self.l1[i] & OFFSET_MASK;
            if table != 0 {
                self.free(table, out);
            }
            self.l1[i] = 0;
        }
    }

    /// `qcow2_shrink_reftable`: a refcount block whose counts are all 0
    /// (but its own, when it counts itself) leaves the table, which is
    /// rewritten whole; then each such block is freed and punched.
    fn shrink_reftable(&mut self, out: &mut Vec<FileWrite>) {
        let (cluster, per_block) = (self.cluster(), self.per_block());
        let unused: Vec<usize> = (0..self.reftable.len())
            .filter(|&i| {
                let block = self.reftable[i];
                block != 0 && (i as u64 * per_block..(i as u64 + 1) * per_block).all(|c| c == block / cluster || self.refcount(c) == 0)
            })
            .collect();
        let mut table = self.reftable.clone();
        for &i in &unused {
            table[i] = 0;
        }
        out.push(FileWrite::Bytes(self.header.refcount_table_offset, be64s(&table)));
        for i in unused {
            let block = self.reftable[i];
            let own = block / cluster;
            // `qcow2_discard_refcount_block`: the block that counts it must
            // still be in the table (a damaged image may say otherwise).
            let counted = self.reftable.get((own / per_block) as usize).is_some_and(|b| *b != 0);
            if counted && self.refcount(own) == 1 {
                self.add(own, -1, out);
                self.discards.push(block);
            }
            self.reftable[i] = 0;
        }
        self.process_discards(out);
    }

    /// `qcow2_free_clusters` with discards passed down at once: one
    /// reference less, and a hole where the count reaches 0.
    fn free(&mut self, host: u64, out: &mut Vec<FileWrite>) {
        self.release(host, out);
        if self.refcount(host / self.cluster()) == 0 {
            out.push(FileWrite::Punch(host, self.cluster()));
        }
    }
}
