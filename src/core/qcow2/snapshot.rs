//! qcow2 internal snapshots as QEMU 10.0.2 makes them (`qemu-img snapshot`,
//! block/qcow2-snapshot.c): a snapshot is a copy of the L1 table plus one
//! more reference on every L2 table and data cluster it reaches, so the
//! active image must copy a cluster before changing it (QCOW_OFLAG_COPIED
//! clear). The snapshot table is rewritten whole to new clusters on every
//! change, and clusters freed by snapshot work are punched out of the file.
//!
//! Simplified: no VM state, so VM_SIZE and the VM clock are always 0.

use super::compress::OFLAG_COMPRESSED;
use super::guest::{be64, merge, FileWrite, GuestError, Image, OFFSET_MASK, OFLAG_COPIED};
use super::Header;

/// One entry of the snapshot table, field for field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Snapshot {
    pub l1_table_offset: u64,
    pub l1_size: u32,
    pub id: String,
    pub name: String,
    pub date_sec: u32,
    pub date_nsec: u32,
    pub vm_clock_nsec: u64,
    pub vm_state_size: u32,
    /// Extra data: the virtual size when the snapshot was taken.
    pub disk_size: u64,
    /// Extra data: instructions executed (0 from qemu-img, -1 when the
    /// entry is too old to record it).
    pub icount: u64,
}

/// The fixed part of an entry; then 24 bytes of extra data, the ID and the name.
const ENTRY_BYTES: u64 = 40;
const EXTRA_BYTES: u64 = 24;

impl Snapshot {
    /// The entry's bytes, without the padding to 8 bytes (QEMU never writes it).
    fn encode(&self) -> Vec<u8> {
        let mut b = Vec::new();
        b.extend(self.l1_table_offset.to_be_bytes());
        b.extend(self.l1_size.to_be_bytes());
        b.extend((self.id.len() as u16).to_be_bytes());
        b.extend((self.name.len() as u16).to_be_bytes());
        b.extend(self.date_sec.to_be_bytes());
        b.extend(self.date_nsec.to_be_bytes());
        b.extend(self.vm_clock_nsec.to_be_bytes());
        b.extend(self.vm_state_size.to_be_bytes());
        b.extend((EXTRA_BYTES as u32).to_be_bytes());
        b.extend(0u64.to_be_bytes());
        b.extend(self.disk_size.to_be_bytes());
        b.extend(self.icount.to_be_bytes());
        b.extend(self.id.as_bytes());
        b.extend(self.name.as_bytes());
        b
    }

    fn len(&self) -> u64 {
        ENTRY_BYTES + EXTRA_BYTES + self.id.len() as u64 + self.name.len() as u64
    }
}

/// Where each entry starts, and the table's size (each entry starts on a
/// multiple of 8; nothing follows the last one).
fn layout(list: &[Snapshot]) -> (Vec<u64>, u64) {
    let mut at = 0u64;
    let mut starts = Vec::new();
    for s in list {
        at = at.next_multiple_of(8);
        starts.push(at);
        at += s.len();
    }
    (starts, at)
}

/// The bytes the snapshot table takes (QEMU's `snapshots_size`).
pub fn table_bytes(list: &[Snapshot]) -> u64 {
    layout(list).1
}

/// The snapshot table the header points at.
pub fn read_table(h: &Header, read: &mut dyn FnMut(u64, u64) -> Vec<u8>) -> Vec<Snapshot> {
    let mut out = Vec::new();
    let mut at = h.snapshots_offset;
    for _ in 0..h.nb_snapshots.min(65536) {
        let Some(start) = at.checked_next_multiple_of(8) else { break };
        at = start;
        let f = read(at, ENTRY_BYTES);
        if f.len() < ENTRY_BYTES as usize {
            break;
        }
        let u32_at = |i: usize| u32::from_be_bytes([f[i], f[i + 1], f[i + 2], f[i + 3]]);
        let (id_len, name_len) = (u64::from(u16::from_be_bytes([f[12], f[13]])), u64::from(u16::from_be_bytes([f[14], f[15]])));
        let extra_len = u64::from(u32_at(36));
        let extra = read(at + ENTRY_BYTES, extra_len);
        let extra_u64 = |i: usize| extra.get(i..i + 8).map(be64);
        let text = read(at + ENTRY_BYTES + extra_len, id_len + name_len);
        let (id, name) = text.split_at((id_len as usize).min(text.len()));
        out.push(Snapshot {
            l1_table_offset: be64(&f[0..8]),
            l1_size: u32_at(8),
            id: String::from_utf8_lossy(id).into_owned(),
            name: String::from_utf8_lossy(name).into_owned(),
            date_sec: u32_at(16),
            date_nsec: u32_at(20),
            vm_clock_nsec: be64(&f[24..32]),
            vm_state_size: u32_at(32),
            disk_size: extra_u64(8).unwrap_or(h.size),
            icount: extra_u64(16).unwrap_or(u64::MAX),
        });
        at = at.saturating_add(ENTRY_BYTES + extra_len + id_len + name_len);
    }
    out
}

type Reader<'a> = &'a mut dyn FnMut(u64, u64) -> Vec<u8>;

impl Image {
    /// `qemu-img snapshot -c NAME`: the L1 copy, one more reference on
    /// everything it reaches, then the new table.
    pub fn snapshot_create(&mut self, name: &str, date_sec: u32, read: Reader) -> Result<Vec<FileWrite>, GuestError> {
        let mut out = Vec::new();
        let bytes = self.l1.len() as u64 * 8;
        let l1_table_offset = self.alloc_run(bytes.div_ceil(self.cluster()), &mut out)?;
        out.push(FileWrite::Bytes(l1_table_offset, super::guest::be64s(&self.l1)));
        let active = self.l1.clone();
        self.l1 = self.refcount_pass(&active, 1, read, &mut out);
        self.write_active_l1(&active, &mut out);
        let id = self.snapshots.iter().filter_map(|s| s.id.parse::<u64>().ok()).max().unwrap_or(0) + 1;
        let mut list = self.snapshots.clone();
        list.push(Snapshot {
            l1_table_offset,
            l1_size: self.l1.len() as u32,
            id: id.to_string(),
            name: name.to_string(),
            date_sec,
            date_nsec: 0,
            vm_clock_nsec: 0,
            vm_state_size: 0,
            disk_size: self.header.size,
            icount: 0,
        });
        self.write_table(list, &mut out)?;
        Ok(out)
    }

    /// `qemu-img snapshot -d NAME` (names only, the first that matches).
    pub fn snapshot_delete(&mut self, name: &str, read: Reader) -> Result<Option<Vec<FileWrite>>, GuestError> {
        let Some(i) = self.snapshots.iter().position(|s| s.name == name) else { return Ok(None) };
        let mut out = Vec::new();
        let mut list = self.snapshots.clone();
        let gone = list.remove(i);
        self.write_table(list, &mut out)?;
        let l1: Vec<u64> = read(gone.l1_table_offset, u64::from(gone.l1_size) * 8).chunks_exact(8).map(be64).collect();
        self.refcount_pass(&l1, -1, read, &mut out);
        self.free_punched(gone.l1_table_offset, u64::from(gone.l1_size) * 8, &mut out);
        let active = self.l1.clone();
        self.l1 = self.refcount_pass(&active, 0, read, &mut out);
        self.write_active_l1(&active, &mut out);
        Ok(Some(out))
    }

    /// The snapshot `qemu-img snapshot -a` means: by ID first, then by name.
    pub fn find_for_apply(&self, key: &str) -> Option<&Snapshot> {
        self.snapshots.iter().find(|s| s.id == key).or_else(|| self.snapshots.iter().find(|s| s.name == key))
    }

    /// `qemu-img snapshot -a`: the image takes the snapshot's virtual size
    /// (shrinking or growing as `qemu-img resize` would) and an L1 table at
    /// least as long as the snapshot's, then the snapshot's L1 becomes the
    /// active one; the snapshot's clusters gain a reference and the old
    /// active ones lose one.
    pub fn snapshot_apply(&mut self, key: &str, read: Reader) -> Result<Option<Vec<FileWrite>>, GuestError> {
        let Some(sn) = self.find_for_apply(key).cloned() else { return Ok(None) };
        let mut out = match sn.disk_size {
            size if size < self.header.size => self.shrink(size, read)?,
            size if size > self.header.size => self.grow(size, read)?,
            _ => Vec::new(),
        };
        self.grow_l1(u64::from(sn.l1_size), &mut out)?;
        let sn_l1: Vec<u64> = read(sn.l1_table_offset, u64::from(sn.l1_size) * 8).chunks_exact(8).map(be64).collect();
        let mut next = sn_l1.clone();
        next.resize(self.l1.len(), 0);
        let counted = self.refcount_pass(&sn_l1, 1, read, &mut out);
        if counted != sn_l1 {
            out.push(FileWrite::Bytes(sn.l1_table_offset, super::guest::be64s(&counted)));
        }
        out.push(FileWrite::Bytes(self.header.l1_table_offset, super::guest::be64s(&next)));
        let old = std::mem::replace(&mut self.l1, next.clone());
        self.refcount_pass(&old, -1, read, &mut out);
        self.l1 = self.refcount_pass(&next, 0, read, &mut out);
        self.write_active_l1(&next, &mut out);
        Ok(Some(out))
    }

    fn write_active_l1(&self, before: &[u64], out: &mut Vec<FileWrite>) {
        if self.l1 != before {
            out.push(FileWrite::Bytes(self.header.l1_table_offset, super::guest::be64s(&self.l1)));
        }
    }

    /// `qcow2_update_snapshot_refcount`: adds `addend` to every L2 table and
    /// allocated cluster `l1` reaches, and sets QCOW_OFLAG_COPIED on the
    /// entries whose count is then 1; clusters that reach 0 are punched at
    /// the end, adjacent ones together. Returns the L1 entries with their
    /// flags set the same way.
    fn refcount_pass(&mut self, l1: &[u64], addend: i32, read: Reader, out: &mut Vec<FileWrite>) -> Vec<u64> {
        let cluster = self.cluster();
        let mut freed: Vec<(u64, u64)> = Vec::new();
        let note_free = |image: &Image, offset: u64, freed: &mut Vec<(u64, u64)>| {
            if addend != 0 && image.refcount(offset / cluster) == 0 {
                freed.push((offset, cluster));
            }
        };
        let mut result = Vec::with_capacity(l1.len());
        for &entry in l1 {
            let l2 = entry & OFFSET_MASK;
            if l2 == 0 {
                result.push(entry);
                continue;
            }
            let mut entries = self.l2_load(l2, read);
            let mut changed = false;
            for e in entries.iter_mut() {
                // Compressed clusters are never written in place, so their
                // entries never carry COPIED; their bytes may touch two.
                if *e & OFLAG_COMPRESSED != 0 {
                    let (first, n) = self.held(*e);
                    for host in (0..n * u64::from(addend != 0)).map(|k| first + k * cluster) {
                        self.add(host / cluster, addend, out);
                        note_free(self, host, &mut freed);
                    }
                    continue;
                }
                let data = *e & OFFSET_MASK;
                if data == 0 {
                    continue;
                }
                if addend != 0 {
                    self.add(data / cluster, addend, out);
                    note_free(self, data, &mut freed);
                }
                let flagged = (*e & !OFLAG_COPIED) | if self.refcount(data / cluster) == 1 { OFLAG_COPIED } else { 0 };
                changed |= flagged != *e;
                *e = flagged;
            }
            if changed {
                self.l2_store(l2, entries, out);
            }
            if addend != 0 {
                self.add(l2 / cluster, addend, out);
                note_free(self, l2, &mut freed);
            }
            result.push(l2 | if self.refcount(l2 / cluster) == 1 { OFLAG_COPIED } else { 0 });
        }
        freed.sort_unstable();
        for (at, len) in merge(freed) {
            out.push(FileWrite::Punch(at, len));
        }
        result
    }

    /// Drops one reference on each cluster of `offset..offset + bytes` and
    /// punches those that are then free.
    fn free_punched(&mut self, offset: u64, bytes: u64, out: &mut Vec<FileWrite>) {
        let cluster = self.cluster();
        let n = bytes.div_ceil(cluster);
        let mut freed = Vec::new();
        for i in 0..n {
            let at = offset + i * cluster;
            self.release(at, out);
            if self.refcount(at / cluster) == 0 {
                freed.push((at, cluster));
            }
        }
        for (at, len) in merge(freed) {
            out.push(FileWrite::Punch(at, len));
        }
    }

    /// `qcow2_write_snapshots`: the new table goes to new clusters (the old
    /// one still in use), the header points at it, the old one is freed.
    fn write_table(&mut self, list: Vec<Snapshot>, out: &mut Vec<FileWrite>) -> Result<(), GuestError> {
        let (starts, size) = layout(&list);
        let offset = if list.is_empty() { 0 } else { self.alloc_run(size.div_ceil(self.cluster()), out)? };
        for (s, start) in list.iter().zip(&starts) {
            out.push(FileWrite::Bytes(offset + start, s.encode()));
        }
        let mut fields = (list.len() as u32).to_be_bytes().to_vec();
        fields.extend(offset.to_be_bytes());
        out.push(FileWrite::Bytes(60, fields));
        let (old_offset, old_size) = (self.header.snapshots_offset, layout(&self.snapshots).1);
        if old_size > 0 {
            self.free_punched(old_offset, old_size, out);
        }
        self.header.nb_snapshots = list.len() as u32;
        self.header.snapshots_offset = offset;
        self.snapshots = list;
        Ok(())
    }
}
