//! LVM on the machine: metadata changes through `core::lvm`, plus what lvm2
//! writes to the devices (the PV label and metadata-area header) and the
//! device-mapper devices that appear and vanish with the LVs.

use super::Machine;
use crate::core::device::DevId;
use crate::core::event::Event;
use crate::core::lvm::{self, LvmError, NewPv, PvOptions, Striping};
use crate::core::media::Chunk;
use crate::core::rng::Rng;
use crate::core::signature;

fn uuid_source(rng: &mut Rng) -> impl FnMut() -> String + '_ {
    move || lvm::format_lvm_uuid(&mut || rng.next_u64())
}

/// lvm2 zeroes the start of a new LV (`--zero y`) so old signatures do not show.
const LV_ZERO_BYTES: u64 = 4096;

impl Machine {
    fn new_pv(&self, dev: DevId) -> NewPv {
        NewPv { dev, name: self.path(dev), size_bytes: self.size_of(dev), options: PvOptions::default() }
    }


    /// Writes (or rewrites) a PV's label sector and metadata-area headers.
    fn write_pv_label(&mut self, dev: DevId) {
        let Some(pv) = self.lvm.pv(dev) else { return };
        let label = signature::lvm_label(&pv.uuid, pv.dev_size_bytes, pv.pe_start_bytes, &pv.mdas, pv.vg_name.is_some());
        let headers: Vec<(u64, Vec<u8>)> = pv.mdas.iter().map(|m| (m.start_bytes, signature::lvm_mda_header(m))).collect();
        let _ = self.write_at(dev, 512, Chunk::bytes(&label));
        for (at, header) in headers {
            let _ = self.write_at(dev, at, Chunk::bytes(&header));
        }
    }

    /// lvm2 finds PVs by their labels: after a write over one, a PV whose
    /// label is gone is no PV any more, and a VG with no LVs whose PVs have
    /// all lost theirs goes too. A VG that still has an LV or a labelled PV
    /// keeps the lost one (lvm2 would show it partial, with an `[unknown]`
    /// PV; not modelled). A PV in no VG on a disk that now has a partition
    /// table is one lvm2's filter rejects ("device is partitioned"), so it
    /// goes too, though its label stays for wipefs to find.
    #[cfg(feature = "lvm-extras")]
    pub(super) fn rescan_pv_label(&mut self, dev: DevId) -> Vec<Event> {
        self.rescan_pv(dev, false)
    }

    /// `rescan_pv_label` after a partition table was written on `dev`
    /// (`partitioned`: one lvm2's filter rejects the disk for).
    #[cfg(feature = "lvm-extras")]
    pub(super) fn rescan_pv_partitioned(&mut self, dev: DevId, partitioned: bool) -> Vec<Event> {
        self.rescan_pv(dev, partitioned)
    }

    #[cfg(feature = "lvm-extras")]
    fn rescan_pv(&mut self, dev: DevId, partitioned: bool) -> Vec<Event> {
        let Some(pv) = self.lvm.pv(dev) else { return Vec::new() };
        let filtered = partitioned && pv.vg_name.is_none() && self.disk(dev).is_some();
        if self.has_pv_label(dev) && !filtered {
            return Vec::new();
        }
        let Some(vg) = pv.vg_name.clone().and_then(|n| self.lvm.vg(&n).cloned()) else {
            return self.lvm.pvremove(dev).unwrap_or_default();
        };
        if !vg.lvs.is_empty() || vg.pvs.iter().any(|d| self.has_pv_label(*d)) {
            return Vec::new();
        }
        let mut events = self.lvm.vgremove(&vg.name).unwrap_or_default();
        for d in vg.pvs {
            events.extend(self.lvm.pvremove(d).unwrap_or_default());
        }
        events
    }

    /// blkid's test for an LVM2 member: `LABELONE` in sector 1 with the type
    /// `LVM2 001` at byte 24 of it (which `wipefs -a` erases).
    #[cfg(feature = "lvm-extras")]
    fn has_pv_label(&self, dev: DevId) -> bool {
        self.read_at(dev, 512, 32).is_ok_and(|b| b.starts_with(b"LABELONE") && b.get(24..32) == Some(b"LVM2 001".as_slice()))
    }

    /// Zeroes every signature a device carries, as `wipefs -a` (or lvm2's
    /// `Wiping ... signature`) does; returns what was wiped.
    pub fn wipe_signatures(&mut self, dev: DevId) -> Vec<signature::Signature> {
        let mut wiped = Vec::new();
        while let Some(sig) = self.probe(dev) {
            let _ = self.write_at(dev, sig.magic_offset, Chunk::zeros(sig.magic.len() as u64));
            if self.probe(dev).as_ref() == Some(&sig) {
                break;
            }
            wiped.push(sig);
        }
        wiped
    }

    /// The event for signatures wiped from a device, if any were.
    pub fn wiped_event(&self, dev: DevId, wiped: &[signature::Signature]) -> Vec<Event> {
        if wiped.is_empty() {
            Vec::new()
        } else {
            vec![Event::SignatureWiped { dev: self.name_of(dev) }]
        }
    }

    /// Labels a device as a PV, with the given UUID or a fresh one.
    pub fn pvcreate(&mut self, dev: DevId, uuid: Option<String>, options: PvOptions) -> Result<Vec<Event>, LvmError> {
        let new = NewPv { options, ..self.new_pv(dev) };
        let uuid = uuid.unwrap_or_else(|| self.new_lvm_uuid());
        let events = self.lvm.pvcreate(&new, uuid)?;
        self.write_pv_label(dev);
        Ok(events)
    }

    pub fn pvremove(&mut self, dev: DevId) -> Result<Vec<Event>, LvmError> {
        let mdas = self.lvm.pv(dev).map(|p| p.mdas.clone()).unwrap_or_default();
        let events = self.lvm.pvremove(dev)?;
        let _ = self.write_at(dev, 512, Chunk::zeros(512));
        for m in mdas {
            let _ = self.write_at(dev, m.start_bytes, Chunk::zeros(512));
        }
        Ok(events)
    }

    /// `pvresize`: the PV on `dev` takes the device's size now.
    #[cfg(feature = "lvm-extras")]
    pub fn pvresize(&mut self, dev: DevId) -> Result<(), LvmError> {
        self.lvm.pvresize(dev, self.size_of(dev))?;
        self.write_pv_label(dev);
        Ok(())
    }

    pub fn vgcreate(&mut self, name: &str, devs: &[DevId], extent_size_bytes: u64) -> Result<Vec<Event>, LvmError> {
        let news: Vec<NewPv> = devs.iter().map(|d| self.new_pv(*d)).collect();
        let events = self.lvm.vgcreate(name, &news, extent_size_bytes, &mut uuid_source(&mut self.rng))?;
        for d in devs {
            self.write_pv_label(*d);
        }
        Ok(events)
    }

    pub fn vgextend(&mut self, name: &str, devs: &[DevId]) -> Result<Vec<Event>, LvmError> {
        let news: Vec<NewPv> = devs.iter().map(|d| self.new_pv(*d)).collect();
        let events = self.lvm.vgextend(name, &news, &mut uuid_source(&mut self.rng))?;
        for d in devs {
            self.write_pv_label(*d);
        }
        Ok(events)
    }

    pub fn vgreduce(&mut self, name: &str, dev: DevId) -> Result<Vec<Event>, LvmError> {
        let events = self.lvm.vgreduce(name, dev)?;
        self.write_pv_label(dev);
        Ok(events)
    }

    pub fn vgremove(&mut self, name: &str) -> Result<Vec<Event>, LvmError> {
        let members: Vec<DevId> = self.lvm.vg(name).map(|v| v.pvs.clone()).unwrap_or_default();
        let events = self.lvm.vgremove(name)?;
        self.refresh();
        for d in members {
            self.write_pv_label(d);
        }
        Ok(events)
    }

    pub fn lvcreate_linear(&mut self, vg: &str, lv: &str, extents: u64) -> Result<Vec<Event>, LvmError> {
        self.lvcreate(vg, lv, extents, Striping::LINEAR, &[])
    }

    /// A linear or striped LV; `only` limits it to those PVs (all when empty).
    pub fn lvcreate(&mut self, vg: &str, lv: &str, extents: u64, striping: Striping, only: &[DevId]) -> Result<Vec<Event>, LvmError> {
        let uuid = self.new_lvm_uuid();
        let events = self.lvm.lvcreate(vg, lv, extents, striping, uuid, only)?;
        self.lvm.stamp_new_lvs(vg, self.clock);
        self.refresh();
        self.zero_lv_start(vg, lv);
        Ok(events)
    }

    pub fn lvcreate_thin_pool(&mut self, vg: &str, pool: &str, data_extents: u64, meta_extents: u64, chunk_bytes: u64) -> Result<Vec<Event>, LvmError> {
        let mut uuids = uuid_source(&mut self.rng);
        let events = self.lvm.lvcreate_thin_pool_sized(vg, pool, data_extents, meta_extents, chunk_bytes, &mut uuids)?;
        drop(uuids);
        self.lvm.stamp_new_lvs(vg, self.clock);
        self.refresh();
        Ok(events)
    }

    pub fn lvcreate_thin(&mut self, vg: &str, pool: &str, lv: &str, virtual_bytes: u64) -> Result<Vec<Event>, LvmError> {
        let uuid = self.new_lvm_uuid();
        let events = self.lvm.lvcreate_thin(vg, pool, lv, virtual_bytes, uuid)?;
        self.lvm.stamp_new_lvs(vg, self.clock);
        self.refresh();
        Ok(events)
    }

    /// `lvcreate -s VG/ORIGIN`: a thin snapshot, which keeps the origin's
    /// filesystem contents as they are now.
    #[cfg(feature = "thin-snapshots")]
    pub fn lvcreate_thin_snapshot(&mut self, vg: &str, origin: &str, lv: &str) -> Result<Vec<Event>, LvmError> {
        let uuid = self.new_lvm_uuid();
        let events = self.lvm.lvcreate_thin_snapshot(vg, origin, lv, uuid.clone())?;
        let fs_uuid = self.lv_dev(vg, origin).and_then(|d| self.probe(d)).map(|s| s.uuid);
        if let Some(fs) = fs_uuid.and_then(|u| self.filesystem(&u)).cloned() {
            self.snapshot_trees.push((uuid, fs));
        }
        self.lvm.stamp_new_lvs(vg, self.clock);
        self.refresh();
        Ok(events)
    }

    /// `lvconvert --merge VG/SNAPSHOT`: the origin rolls back to the
    /// snapshot's bytes, and to its filesystem contents.
    #[cfg(feature = "thin-snapshots")]
    pub fn merge_thin_snapshot(&mut self, vg: &str, snapshot: &str) -> Result<Vec<Event>, LvmError> {
        let snap_uuid = self.lvm.vg(vg).and_then(|v| v.lv(snapshot)).map(|l| l.uuid.clone()).unwrap_or_default();
        let events = self.lvm.merge_thin_snapshot(vg, snapshot)?;
        if let Some(i) = self.snapshot_trees.iter().position(|(u, _)| *u == snap_uuid) {
            let (_, fs) = self.snapshot_trees.remove(i);
            self.filesystems.retain(|f| f.uuid != fs.uuid);
            self.filesystems.push(fs);
        }
        self.refresh();
        Ok(events)
    }

    /// A new linear LV starts with zeroed first bytes, so no old signature shows.
    fn zero_lv_start(&mut self, vg: &str, lv: &str) {
        if let Some(dev) = self.lv_dev(vg, lv) {
            let n = LV_ZERO_BYTES.min(self.size_of(dev));
            let _ = self.write_at(dev, 0, Chunk::zeros(n));
        }
    }

    pub fn lvresize(&mut self, vg: &str, lv: &str, new_extents: u64, only: &[DevId]) -> Result<Vec<Event>, LvmError> {
        let events = self.lvm.lvresize(vg, lv, new_extents, only)?;
        self.refresh();
        Ok(events)
    }

    pub fn grow_pmspare(&mut self, vg: &str) -> Vec<Event> {
        let events = self.lvm.grow_pmspare(vg);
        self.refresh();
        events
    }

    pub fn lvremove(&mut self, vg: &str, lv: &str) -> Result<Vec<Event>, LvmError> {
        let events = self.lvm.lvremove(vg, lv)?;
        #[cfg(feature = "thin-snapshots")]
        let lvm = &self.lvm;
        #[cfg(feature = "thin-snapshots")]
        self.snapshot_trees.retain(|(u, _)| lvm.vgs.iter().any(|v| v.lvs.iter().any(|l| l.uuid == *u)));
        self.refresh();
        Ok(events)
    }

    pub fn lvrename(&mut self, vg: &str, from: &str, to: &str) -> Result<Vec<Event>, LvmError> {
        let events = self.lvm.lvrename(vg, from, to)?;
        self.refresh();
        Ok(events)
    }

#[cfg(feature = "vgrename")]
    pub fn vgrename(&mut self, from: &str, to: &str) -> Result<Vec<Event>, LvmError> {
        let events = self.lvm.vgrename(from, to)?;
        self.refresh();
        Ok(events)
    }

    /// Records the `description` lvm2 writes with a VG's metadata when the
    /// command `command_line` commits it.
    pub fn note_metadata_write(&mut self, vg: &str, command_line: &str) {
        self.lvm.describe(vg, format!("Write from {command_line}."));
    }
}
