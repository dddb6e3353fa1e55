//! Block I/O through the stack: a read or write on any device is mapped through
//! partitions, linear LV segments and thin-pool chunks down to disks' media.
//!
//! A thin volume's unwritten chunks read as zeros; a write provisions them
//! first (dm-thin zeroes a new chunk before the data lands, so a partial write
//! never exposes old bytes of the pool).

use super::Machine;
use crate::core::device::{DevId, DevKind, LvRole};
use crate::core::event::Event;
use crate::core::lvm::LvKind;
use crate::core::media::Chunk;
use crate::core::units::SECTOR_BYTES;

/// Why an I/O request failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IoError {
    /// The device does not exist (any more).
    NoDevice,
    /// The request reaches past the device's end.
    OutOfRange { size_bytes: u64 },
    /// A thin pool had no free chunk for the write.
    PoolFull,
    /// A classic snapshot whose store filled up: dm-snapshot fails its I/O.
    Invalidated,
    /// A loop device set up read-only (`losetup -r`).
    #[cfg(feature = "loop-devices")]
    ReadOnly,
    /// A ZFS volume's device could not be read or written (no copy of a
    /// block was good, or the pool had no space).
    #[cfg(feature = "zfs")]
    Zfs(String),
    /// More of a ZFS volume than the lab reads at once.
    #[cfg(feature = "zfs")]
    TooLarge,
    /// A ZFS quota refused the write (`EDQUOT`).
    #[cfg(feature = "zfs")]
    QuotaExceeded,
}

impl std::fmt::Display for IoError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            IoError::NoDevice => write!(f, "the device does not exist"),
            IoError::OutOfRange { size_bytes } => write!(f, "the request reaches past the device's end ({size_bytes} bytes)"),
            IoError::PoolFull => write!(f, "the thin pool is full, so the write could not be stored"),
            IoError::Invalidated => write!(f, "Input/output error"),
            #[cfg(feature = "loop-devices")]
            IoError::ReadOnly => write!(f, "the loop device is read-only"),
            #[cfg(feature = "zfs")]
            IoError::Zfs(why) => write!(f, "{why}"),
            #[cfg(feature = "zfs")]
            IoError::TooLarge => write!(f, "the lab reads at most 256 MiB of a ZFS volume's written blocks at once"),
            #[cfg(feature = "zfs")]
            IoError::QuotaExceeded => write!(f, "Disk quota exceeded"),
        }
    }
}

/// A write that stopped early: how far it got and what happened on the way.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IoFailure {
    pub error: IoError,
    pub written: u64,
    pub events: Vec<Event>,
}

/// Where a run of a device's bytes lives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Piece {
    /// On a disk's media at `offset`.
    Disk { disk: DevId, offset: u64, len: u64 },
    /// Nowhere yet (an unprovisioned thin chunk): reads zeros.
    Hole { len: u64 },
}

impl Piece {
    fn len(&self) -> u64 {
        match self {
            Piece::Disk { len, .. } | Piece::Hole { len } => *len,
        }
    }
}

impl Machine {
    /// Reads `len` bytes at `offset` of a device.
    pub fn read_at(&self, dev: DevId, offset: u64, len: u64) -> Result<Vec<u8>, IoError> {
        self.check_range(dev, offset, len)?;
        #[cfg(feature = "zfs")]
        if let Some(ds) = self.zvol_of(dev) {
            return self.zvol_peek(&ds, offset, len);
        }
        let mut pieces = Vec::new();
        self.map(dev, offset, len, &mut pieces)?;
        let mut out = Vec::with_capacity(len as usize);
        for p in pieces {
            match p {
                Piece::Disk { disk, offset, len } => out.extend(self.disk(disk).map(|d| d.media.read(offset, len)).unwrap_or_default()),
                Piece::Hole { len } => out.resize(out.len() + len as usize, 0),
            }
        }
        Ok(out)
    }

    /// The written (non-hole) runs of `offset..offset + len` of a device, as
    /// (offset in the device, chunk); everything else reads as zeros.
    pub fn written_pieces(&self, dev: DevId, offset: u64, len: u64) -> Result<Vec<(u64, Chunk)>, IoError> {
        self.check_range(dev, offset, len)?;
        #[cfg(feature = "zfs")]
        if let Some(ds) = self.zvol_of(dev) {
            return self.zvol_pieces(&ds, offset, len);
        }
        let mut pieces = Vec::new();
        self.map(dev, offset, len, &mut pieces)?;
        let mut out = Vec::new();
        let mut at = offset;
        for p in pieces {
            if let Piece::Disk { disk, offset: o, len } = p {
                for (po, c) in self.disk(disk).map(|d| d.media.pieces(o, len)).unwrap_or_default() {
                    out.push((at + (po - o), c));
                }
            }
            at += p.len();
        }
        Ok(out)
    }

    /// Writes `chunk` at `offset` of a device, provisioning thin chunks on the way.
    pub fn write_at(&mut self, dev: DevId, offset: u64, chunk: Chunk) -> Result<Vec<Event>, IoFailure> {
        let len = chunk.len;
        let fail = |error, written, events| IoFailure { error, written, events };
        if let Err(e) = self.check_range(dev, offset, len) {
            return Err(fail(e, 0, Vec::new()));
        }
        #[cfg(feature = "zfs")]
        if let Some(ds) = self.zvol_of(dev) {
            return self.zvol_write(&ds, offset, chunk).map_err(|e| fail(IoError::Zfs(e.to_string()), 0, Vec::new()));
        }
        let mut events = Vec::new();
        #[cfg(feature = "classic-snapshots")]
        if let Err(e) = self.copy_on_write(dev, offset, len, &mut events) {
            return Err(fail(e, 0, events));
        }
        let backed = self.provision_stack(dev, offset, len, &mut events);
        let mut pieces = Vec::new();
        if let Err(e) = self.map(dev, offset, backed, &mut pieces) {
            return Err(fail(e, 0, events));
        }
        if let Err(e) = self.check_writable(&pieces) {
            return Err(fail(e, 0, events));
        }
        let labels_before = self.labels_touched(&pieces);
        self.write_pieces(pieces, &chunk);
        if backed > 0 {
            let name = self.devices.get(dev).map(|d| d.name.clone()).unwrap_or_default();
            events.push(Event::BytesWritten { dev: name, offset, len: backed });
        }
        events.extend(self.label_changes(labels_before));
        #[cfg(feature = "lvm-extras")]
        if offset < 544 && offset.saturating_add(len) > 512 {
            events.extend(self.rescan_pv_label(dev));
        }
        if backed < len {
            return Err(fail(IoError::PoolFull, backed, events));
        }
        Ok(events)
    }

    /// The labels of disks whose table sectors these pieces overwrite.
    fn labels_touched(&self, pieces: &[Piece]) -> Vec<(DevId, Option<crate::core::label::Label>)> {
        let mut out: Vec<(DevId, Option<crate::core::label::Label>)> = Vec::new();
        for p in pieces {
            let Piece::Disk { disk, offset, len } = *p else { continue };
            let Some(d) = self.disk(disk) else { continue };
            let table_area = 34 * SECTOR_BYTES;
            let touches = offset < table_area || offset + len > d.size_bytes.saturating_sub(table_area);
            if touches && !out.iter().any(|(id, _)| *id == disk) {
                out.push((disk, d.label()));
            }
        }
        out
    }

    /// Events for tables a raw write destroyed or replaced.
    fn label_changes(&self, before: Vec<(DevId, Option<crate::core::label::Label>)>) -> Vec<Event> {
        let mut events = Vec::new();
        for (disk, old) in before {
            let Some(d) = self.disk(disk) else { continue };
            let new = d.label();
            match (&old, &new) {
                (Some(_), None) => events.push(Event::TableDestroyed { disk: d.name.clone() }),
                (_, Some(l)) if old.as_ref() != Some(l) => {
                    let parts = l.partitions.iter().map(|p| p.info()).collect();
                    events.push(Event::TableWritten { disk: d.name.clone(), kind: l.kind.name(), parts });
                }
                _ => {}
            }
        }
        events
    }

    fn check_range(&self, dev: DevId, offset: u64, len: u64) -> Result<(), IoError> {
        let d = self.devices.get(dev).ok_or(IoError::NoDevice)?;
        match offset.checked_add(len) {
            Some(end) if end <= d.size_bytes => Ok(()),
            _ => Err(IoError::OutOfRange { size_bytes: d.size_bytes }),
        }
    }

    /// Where a device's bytes live: (disk, byte offset, length) for every
    /// range backed by a disk; unprovisioned thin chunks have none.
    pub fn disk_ranges(&self, dev: DevId) -> Vec<(DevId, u64, u64)> {
        let mut pieces = Vec::new();
        let size = self.devices.get(dev).map_or(0, |d| d.size_bytes);
        if self.map(dev, 0, size, &mut pieces).is_err() {
            return Vec::new();
        }
        pieces.into_iter().filter_map(|p| if let Piece::Disk { disk, offset, len } = p { Some((disk, offset, len)) } else { None }).collect()
    }

    /// What `ranges` of a device hold, named without reading them: where each
    /// run lives and its media's stamp. Equal fingerprints mean equal bytes.
    /// A volume's bytes are named by its pool's txg (every change commits
    /// one) and the stamps of every disk (bit rot under the pool).
    #[cfg(feature = "zfs")]
    pub(super) fn fingerprint(&self, dev: DevId, ranges: &[(u64, u64)]) -> Option<Vec<u64>> {
        if let Some(vol) = self.zvol_of(dev) {
            let txg = self.zfs.pool(super::zfs::pool_of(&vol))?.txg;
            return Some(std::iter::once(txg).chain(self.disks.iter().map(|d| d.media.stamp())).collect());
        }
        let mut pieces = Vec::new();
        for (offset, len) in ranges {
            self.map(dev, *offset, *len, &mut pieces).ok()?;
        }
        let mut print = Vec::new();
        for p in pieces {
            match p {
                Piece::Disk { disk, offset, len } => {
                    print.extend([u64::from(disk.0), offset, len, self.disk(disk).map_or(0, |d| d.media.stamp())]);
                }
                Piece::Hole { len } => print.extend([u64::MAX, len]),
            }
        }
        Some(print)
    }

    /// The disk and the offset on it where byte `offset` of a device lives.
    #[cfg(feature = "zfs")]
    pub(crate) fn disk_offset(&self, dev: DevId, offset: u64) -> Option<(DevId, u64)> {
        let mut pieces = Vec::new();
        self.map(dev, offset, 1, &mut pieces).ok()?;
        match pieces.first() {
            Some(Piece::Disk { disk, offset, .. }) => Some((*disk, *offset)),
            _ => None,
        }
    }

    /// Maps `offset..offset + len` of a device to pieces, lowest layer last.
    fn map(&self, dev: DevId, offset: u64, len: u64, out: &mut Vec<Piece>) -> Result<(), IoError> {
        if len == 0 {
            return Ok(());
        }
        let d = self.devices.get(dev).ok_or(IoError::NoDevice)?;
        match &d.kind {
            DevKind::Disk => out.push(Piece::Disk { disk: dev, offset, len }),
            DevKind::Partition { disk, start_lba, .. } => return self.map(*disk, start_lba * SECTOR_BYTES + offset, len, out),
            DevKind::Lv { vg, lv, role, .. } => return self.map_lv(vg, lv, *role, offset, len, out),
            // A volume's blocks move with every write (copy-on-write), so
            // its bytes have no fixed place on the disks: reads and writes go
            // through the pool instead (`zvol_peek`, `zvol_write`).
            #[cfg(feature = "zfs")]
            DevKind::Zvol { .. } => return Err(IoError::NoDevice),
        }
        Ok(())
    }

    fn map_lv(&self, vg_name: &str, lv_name: &str, role: LvRole, offset: u64, len: u64, out: &mut Vec<Piece>) -> Result<(), IoError> {
        let vg = self.lvm.vg(vg_name).ok_or(IoError::NoDevice)?;
        let lv = vg.lv(lv_name).ok_or(IoError::NoDevice)?;
        match (&lv.kind, role) {
            // A pool (and its -tpool) passes I/O through to its data volume, as dm-thin does.
            (LvKind::ThinPool(_), _) => {
                let data = vg.pool_data(lv_name).ok_or(IoError::NoDevice)?;
                self.map_lv(vg_name, &data.name, LvRole::PoolData, offset, len, out)
            }
            #[cfg(feature = "classic-snapshots")]
            (LvKind::Snapshot(cow), _) => {
                if cow.invalid {
                    return Err(IoError::Invalidated);
                }
                let chunk = cow.chunk_bytes;
                let mut at = offset;
                while at < offset + len {
                    let n = (chunk - at % chunk).min(offset + len - at);
                    match cow.exceptions.get(&(at / chunk)) {
                        Some(new) => self.map_segments(vg, lv, new * chunk + at % chunk, n, out)?,
                        None => self.map_lv(vg_name, &cow.origin, LvRole::Linear, at, n, out)?,
                    }
                    at += n;
                }
                Ok(())
            }
            (LvKind::Thin { pool, map, .. }, _) => {
                let p = vg.lv(pool).and_then(|l| l.pool()).ok_or(IoError::NoDevice)?;
                let data = vg.pool_data(pool).ok_or(IoError::NoDevice)?;
                let chunk = p.chunk_size_bytes;
                let mut at = offset;
                let end = offset + len;
                while at < end {
                    let n = (chunk - at % chunk).min(end - at);
                    match map.lookup(at / chunk) {
                        Some(pc) => self.map_lv(vg_name, &data.name, LvRole::PoolData, pc * chunk + at % chunk, n, out)?,
                        None => out.push(Piece::Hole { len: n }),
                    }
                    at += n;
                }
                Ok(())
            }
            _ => self.map_segments(vg, lv, offset, len, out),
        }
    }

    fn map_segments(&self, vg: &crate::core::lvm::Vg, lv: &crate::core::lvm::Lv, offset: u64, len: u64, out: &mut Vec<Piece>) -> Result<(), IoError> {
        let extent = vg.extent_size_bytes;
        let mut at = offset;
        let end = offset + len;
        while at < end {
            let le = at / extent;
            let seg = lv.segments.iter().find(|s| le >= s.le_start && le < s.le_start + s.extent_count).ok_or(IoError::NoDevice)?;
            let in_seg = at - seg.le_start * extent;
            let seg_left = (seg.le_start + seg.extent_count) * extent - at;
            let (area, in_area, n) = stripe_of(seg, in_seg, extent)?;
            let n = n.min(seg_left).min(end - at);
            let pe_start = self.lvm.pv(area.pv).map_or(crate::core::lvm::DEFAULT_PE_START_BYTES, |p| p.pe_start_bytes);
            self.map(area.pv, pe_start + area.pe_start * extent + in_area, n, out)?;
            at += n;
        }
        Ok(())
    }

    /// Provisions thin chunks for a write anywhere in the device's stack.
    /// Returns how many bytes from `offset` can be written.
    fn provision_stack(&mut self, dev: DevId, offset: u64, len: u64, events: &mut Vec<Event>) -> u64 {
        let Some(d) = self.devices.get(dev) else { return 0 };
        match d.kind.clone() {
            DevKind::Disk => len,
            DevKind::Partition { disk, start_lba, .. } => self.provision_stack(disk, start_lba * SECTOR_BYTES + offset, len, events),
            DevKind::Lv { vg, lv, role: LvRole::Thin, .. } => self.provision_thin(&vg, &lv, offset, len, events),
            DevKind::Lv { .. } => {
                // Linear layers never run out; a PV on a thin volume is not modelled.
                len
            }
            #[cfg(feature = "zfs")]
            DevKind::Zvol { .. } => len,
        }
    }

    fn provision_thin(&mut self, vg: &str, lv: &str, offset: u64, len: u64, events: &mut Vec<Event>) -> u64 {
        let Ok(p) = self.lvm.provision(vg, lv, offset, len) else { return 0 };
        events.extend(p.events);
        let (chunk, data) = {
            let Some(v) = self.lvm.vg(vg) else { return 0 };
            let pool = v.lv(lv).and_then(|l| l.thin_pool()).unwrap_or_default();
            let chunk = v.lv(pool).and_then(|l| l.pool()).map_or(0, |p| p.chunk_size_bytes);
            let data = v.pool_data(pool).and_then(|d| self.lv_dev(vg, &d.name));
            (chunk, data)
        };
        if let Some(data) = data {
            // dm-thin zeroes a newly provisioned chunk before the data lands,
            // and copies a shared one so the other volume keeps its bytes.
            for (_, pc) in &p.new_chunks {
                let _ = self.write_raw(data, pc * chunk, Chunk::zeros(chunk));
            }
            #[cfg(feature = "thin-snapshots")]
            for (old, new) in &p.copies {
                let bytes = self.read_at(data, old * chunk, chunk).unwrap_or_default();
                let _ = self.write_raw(data, new * chunk, Chunk::bytes(&bytes));
            }
        }
        p.backed_bytes
    }

    /// Writes without provisioning (below the thin layer).
    fn write_raw(&mut self, dev: DevId, offset: u64, chunk: Chunk) -> Result<(), IoError> {
        self.check_range(dev, offset, chunk.len)?;
        let mut pieces = Vec::new();
        self.map(dev, offset, chunk.len, &mut pieces)?;
        self.check_writable(&pieces)?;
        self.write_pieces(pieces, &chunk);
        Ok(())
    }

    fn check_writable(&self, pieces: &[Piece]) -> Result<(), IoError> {
        #[cfg(feature = "loop-devices")]
        if pieces.iter().any(|p| matches!(p, Piece::Disk { disk, .. } if self.read_only(*disk))) {
            return Err(IoError::ReadOnly);
        }
        let _ = pieces;
        Ok(())
    }

    /// Puts `chunk`'s bytes on the disks' media; a loop device's go on to its file.
    /// Bytes into a classic snapshot's store: its own extents, not its device.
    #[cfg(feature = "classic-snapshots")]
    pub(super) fn write_store(&mut self, vg: &str, snapshot: &str, at: u64, chunk: Chunk) {
        let mut pieces = Vec::new();
        let mapped = self.lvm.vg(vg).and_then(|v| v.lv(snapshot).map(|l| (v, l))).map(|(v, l)| self.map_segments(v, l, at, chunk.len, &mut pieces));
        if mapped.is_some_and(|r| r.is_ok()) {
            self.write_pieces(pieces, &chunk);
        }
    }

    fn write_pieces(&mut self, pieces: Vec<Piece>, chunk: &Chunk) {
        let mut done = 0;
        for p in pieces {
            if let Piece::Disk { disk, offset: o, len } = p {
                if let Some(d) = self.disk_mut(disk) {
                    d.media.write(o, chunk.slice(done, len));
                }
                #[cfg(feature = "loop-devices")]
                self.mirror_to_file(disk, o, chunk.slice(done, len));
            }
            done += p.len();
        }
    }

    /// Discards a whole device, as mkfs does before writing: a thin volume gives
    /// its chunks back to the pool; other devices keep their bytes.
    pub fn discard(&mut self, dev: DevId) -> Vec<Event> {
        match self.devices.get(dev).map(|d| d.kind.clone()) {
            Some(DevKind::Lv { vg, lv, role: LvRole::Thin, .. }) => self.lvm.discard_thin(&vg, &lv),
            _ => Vec::new(),
        }
    }

    /// Discards `offset..offset + len` of a device (BLKDISCARD): a thin volume
    /// gives back the chunks the range covers whole, a loop device punches a
    /// hole in its raw file; other devices keep their bytes.
    pub fn discard_range(&mut self, dev: DevId, offset: u64, len: u64) -> Vec<Event> {
        #[cfg(feature = "loop-devices")]
        if let Some(b) = self.disk(dev).and_then(|d| d.backing.clone()).filter(|b| !b.qcow2 && !b.deleted && !b.read_only) {
            return self.punch_file(&b.path, offset, len).unwrap_or_default();
        }
        match self.devices.get(dev).map(|d| d.kind.clone()) {
            Some(DevKind::Lv { vg, lv, role: LvRole::Thin, .. }) => self.lvm.discard_thin_range(&vg, &lv, offset, len),
            _ => Vec::new(),
        }
    }

    /// The device of an active LV.
    pub fn lv_dev(&self, vg: &str, lv: &str) -> Option<DevId> {
        self.devices.iter().find_map(|d| match &d.kind {
            DevKind::Lv { vg: v, lv: l, role, .. } if v == vg && l == lv && *role != LvRole::TPool => Some(d.id),
            _ => None,
        })
    }
}

/// dm-stripe's mapping of a byte `in_seg` bytes into a segment: the area it
/// lands on, the offset in that area, and how many bytes follow before the
/// next stripe (the rest of the area when linear).
fn stripe_of(seg: &crate::core::lvm::Segment, in_seg: u64, extent: u64) -> Result<(crate::core::lvm::Area, u64, u64), IoError> {
    let area_bytes = seg.area_len() * extent;
    let chunk = seg.stripe_size_bytes;
    let (index, in_area, left) = if seg.stripes() == 1 || chunk == 0 {
        (0, in_seg, area_bytes.saturating_sub(in_seg))
    } else {
        let row = in_seg / chunk;
        (row % seg.stripes(), (row / seg.stripes()) * chunk + in_seg % chunk, chunk - in_seg % chunk)
    };
    let area = seg.areas.get(index as usize).copied().ok_or(IoError::NoDevice)?;
    if in_area >= area_bytes {
        return Err(IoError::NoDevice);
    }
    Ok((area, in_area, left.min(area_bytes - in_area)))
}
