//! Classic LVM snapshots on the machine: creating one writes dm-snapshot's
//! header into its store; a write to an origin (or to a snapshot) first
//! copies the chunks it changes into each snapshot's store
//! (`copy_on_write`); a merge puts them back and removes the snapshot.
//!
//! Simplified: a snapshot's filesystem is not mounted (its files would be
//! the origin's: the lab keys filesystems by UUID), and a merge is done at
//! once, never deferred to the origin's next activation.

use super::io::IoError;
use super::Machine;
use crate::core::device::{DevId, DevKind};
use crate::core::event::Event;
use crate::core::lvm::{LvKind, LvmError};
use crate::core::media::Chunk;

impl Machine {
    /// `lvcreate -s -L SIZE VG/ORIGIN`: the store's header written, and the
    /// origin's filesystem contents kept for a later merge.
    pub fn lvcreate_snapshot(&mut self, vg: &str, origin: &str, lv: &str, extents: u64, chunk_bytes: u64) -> Result<Vec<Event>, LvmError> {
        let uuid = self.new_lvm_uuid();
        let events = self.lvm.lvcreate_snapshot(vg, lv, origin, extents, chunk_bytes, uuid.clone())?;
        self.lvm.stamp_new_lvs(vg, self.clock);
        self.refresh();
        // lvm2 zeroes the start of the store; dm-snapshot writes its header.
        self.write_store(vg, lv, 0, Chunk::zeros(2 * chunk_bytes));
        self.write_header(vg, lv);
        let fs_uuid = self.lv_dev(vg, origin).and_then(|d| self.probe(d)).map(|s| s.uuid);
        if let Some(fs) = fs_uuid.and_then(|u| self.filesystem(&u)).cloned() {
            self.snapshot_trees.push((uuid, fs));
        }
        Ok(events)
    }

    /// dm-snapshot's copy-on-write before a write to `dev`: for an origin,
    /// into every valid snapshot of it; for a snapshot, into its own store
    /// (the write then lands there). An invalid snapshot fails.
    pub(super) fn copy_on_write(&mut self, dev: DevId, offset: u64, len: u64, events: &mut Vec<Event>) -> Result<(), IoError> {
        let Some(DevKind::Lv { vg, lv, .. }) = self.devices.get(dev).map(|d| d.kind.clone()) else { return Ok(()) };
        let Some(v) = self.lvm.vg(&vg) else { return Ok(()) };
        let targets: Vec<String> = match v.lv(&lv).map(|l| &l.kind) {
            Some(LvKind::Snapshot(c)) if c.invalid => return Err(IoError::Invalidated),
            Some(LvKind::Snapshot(_)) => vec![lv.clone()],
            _ => v.snapshots_of(&lv).filter(|l| matches!(&l.kind, LvKind::Snapshot(c) if !c.invalid)).map(|l| l.name.clone()).collect(),
        };
        for snapshot in targets {
            self.copy_chunks(&vg, &snapshot, offset, len, events);
        }
        Ok(())
    }

    /// Copies the origin's chunks under `offset..offset + len` that the
    /// snapshot has not copied yet into its store, with their exception
    /// entries; a full store invalidates the snapshot instead.
    fn copy_chunks(&mut self, vg: &str, snapshot: &str, offset: u64, len: u64, events: &mut Vec<Event>) {
        let Some((origin, chunk, store_bytes)) = self.lvm.vg(vg).and_then(|v| {
            let l = v.lv(snapshot)?;
            let LvKind::Snapshot(c) = &l.kind else { return None };
            Some((c.origin.clone(), c.chunk_bytes, l.extent_count() * v.extent_size_bytes))
        }) else {
            return;
        };
        let Some(origin_dev) = self.lv_dev(vg, &origin) else { return };
        let origin_size = self.size_of(origin_dev);
        let mut copied = 0;
        for old in offset / chunk..(offset + len).div_ceil(chunk) {
            let Some(cow) = self.cow_mut(vg, snapshot) else { return };
            if cow.exceptions.contains_key(&old) {
                continue;
            }
            let Some(e) = cow.allocate(old, store_bytes) else {
                self.write_header(vg, snapshot);
                events.push(Event::SnapshotInvalidated { vg: vg.into(), snapshot: snapshot.into() });
                break;
            };
            let at = old * chunk;
            let pieces = self.written_pieces(origin_dev, at, chunk.min(origin_size.saturating_sub(at))).unwrap_or_default();
            self.write_store(vg, snapshot, e.new_chunk * chunk, Chunk::zeros(chunk));
            for (o, c) in pieces {
                self.write_store(vg, snapshot, e.new_chunk * chunk + (o - at), c);
            }
            self.write_store(vg, snapshot, e.entry_at, Chunk::bytes(&e.entry));
            copied += 1;
        }
        if copied > 0 {
            events.push(Event::ChunksCopied { vg: vg.into(), snapshot: snapshot.into(), chunks: copied });
        }
    }

    fn cow_mut(&mut self, vg: &str, snapshot: &str) -> Option<&mut crate::core::lvm::cow::Cow> {
        match &mut self.lvm.vg_named_mut(vg)?.lv_mut(snapshot)?.kind {
            LvKind::Snapshot(c) => Some(c),
            _ => None,
        }
    }

    fn write_header(&mut self, vg: &str, snapshot: &str) {
        let header = self.cow_mut(vg, snapshot).map(|c| c.header()).unwrap_or_default();
        self.write_store(vg, snapshot, 0, Chunk::bytes(&header));
    }

    /// `lvconvert --merge VG/SNAPSHOT`: the origin gets back every chunk the
    /// store holds (written through the origin, so its other snapshots
    /// copy first), and the filesystem contents it had; the snapshot goes.
    pub fn merge_snapshot(&mut self, vg: &str, snapshot: &str) -> Result<Vec<Event>, LvmError> {
        let (origin, chunk, exceptions, uuid) = match self.lvm.vg(vg).and_then(|v| v.lv(snapshot)) {
            Some(l) => match &l.kind {
                LvKind::Snapshot(c) => (c.origin.clone(), c.chunk_bytes, c.exceptions.clone(), l.uuid.clone()),
                _ => return Err(LvmError::NoSuchLv { vg: vg.into(), lv: snapshot.into() }),
            },
            None => return Err(LvmError::NoSuchLv { vg: vg.into(), lv: snapshot.into() }),
        };
        let snap_dev = self.lv_dev(vg, snapshot);
        let old_chunks: Vec<(u64, Vec<(u64, Chunk)>)> = exceptions
            .keys()
            .map(|old| (*old, snap_dev.and_then(|d| self.written_pieces(d, old * chunk, chunk.min(self.size_of(d).saturating_sub(old * chunk))).ok()).unwrap_or_default()))
            .collect();
        let mut events = self.lvm.lvremove(vg, snapshot)?;
        self.refresh();
        if let Some(dev) = self.lv_dev(vg, &origin) {
            for (old, pieces) in &old_chunks {
                let n = chunk.min(self.size_of(dev).saturating_sub(old * chunk));
                let mut copied = self.write_at(dev, old * chunk, Chunk::zeros(n)).map_or_else(|f| f.events, |e| e);
                for (o, c) in pieces {
                    copied.extend(self.write_at(dev, *o, c.clone()).map_or_else(|f| f.events, |e| e));
                }
                events.extend(copied);
            }
        }
        if let Some(i) = self.snapshot_trees.iter().position(|(u, _)| *u == uuid) {
            let (_, fs) = self.snapshot_trees.remove(i);
            self.filesystems.retain(|f| f.uuid != fs.uuid);
            self.filesystems.push(fs);
        }
        events.insert(0, Event::SnapshotMerged { vg: vg.into(), snapshot: snapshot.into(), origin, chunks: exceptions.len() as u64 });
        Ok(events)
    }
}
