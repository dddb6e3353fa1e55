//! The scene: what the figures show, as plain data that events can change.
//!
//! `Scene::of` reads it from the shell; `Scene::apply` moves it one event
//! forward. Applying a command's events to the scene before the command gives
//! the scene after it, and every step in between is a frame of the animation.
//! Sizes that follow from other data (an LV's size from its extents, a node's
//! size from its LV) are derived when drawing, so the scene holds each fact
//! once. Invariant: applying a command's events to `Scene::of(before)` equals
//! `Scene::of(after)` (checked by tests for the commands the figures draw).

use crate::core::order::{small_sort, SmallSort};
use crate::core::order::VecMap;

use crate::console::{Interactive, Shell};
use crate::core::device::{DevKind, LvRole as DevRole};
use crate::core::event::{Event, LvRole, PartInfo};
use crate::core::image::{image_paths, layout, ImageLayout};
use crate::core::lvm::{Lv, LvKind};
use crate::core::machine::{dm_name, Machine};

/// A disk's partition tables: on its bytes, in the kernel, in an open editor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SDisk {
    pub name: String,
    pub transport: &'static str,
    pub size_bytes: u64,
    /// The table on the disk's bytes.
    pub label: Option<&'static str>,
    pub table: Vec<PartInfo>,
    /// Partitions the kernel registered: (number, start, sectors).
    pub kernel: Vec<(u32, u64, u64)>,
    /// An editor's in-memory table (fdisk, sfdisk), kind and partitions.
    pub editor: Option<(&'static str, Vec<PartInfo>)>,
}

/// What kind of block device a tree node is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NodeKind {
    Disk,
    Part,
    Lvm,
}

/// A block device in lsblk's tree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SNode {
    pub kind: NodeKind,
    /// The devices it sits on (sorted); a partition's disk.
    pub parents: Vec<String>,
    /// For disks and partitions; device-mapper sizes come from their LV.
    pub size_bytes: u64,
    /// The LV behind a device-mapper node (VG, LV, tpool?).
    pub lv: Option<(String, String, bool)>,
    pub fstype: Option<String>,
    pub mounts: Vec<String>,
    pub swap: bool,
    /// Its filesystem is larger than the device (shrunk under it).
    pub damaged: bool,
}

/// Extents of a PV given to an LV.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SRun {
    pub lv: String,
    pub pe_start: u64,
    pub count: u64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SPv {
    /// The PV's path, `/dev/sdb`.
    pub path: String,
    pub pe_count: u64,
    /// Used extents, sorted by start.
    pub runs: Vec<SRun>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SLv {
    pub name: String,
    pub role: LvRole,
    pub pool: Option<String>,
    pub device: Option<String>,
    /// A thin volume's size.
    pub virtual_bytes: u64,
    /// A pool's chunk size.
    pub chunk_bytes: u64,
    /// Chunks a thin volume maps, or a pool hands out.
    pub chunks: u64,
    /// A pool that ran out of space.
    pub full: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SVg {
    pub name: String,
    pub extent_bytes: u64,
    pub pvs: Vec<SPv>,
    pub lvs: Vec<SLv>,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Scene {
    pub disks: Vec<SDisk>,
    pub nodes: VecMap<String, SNode>,
    pub vgs: Vec<SVg>,
    /// PV paths and the VG each belongs to (None: orphan).
    pub pvs: VecMap<String, Option<String>>,
    /// Disk image files, sorted by path (Figure 5).
    pub images: Vec<ImageLayout>,
    /// The table walk of the latest guest read, for highlighting.
    pub lookup: Option<SLookup>,
    /// What the latest event was about, for highlighting.
    pub focus: Option<String>,
}

/// A guest read's way to its bytes: raw goes straight to the same offset;
/// qcow2 reads an L1 entry, then an L2 entry, then the cluster.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SLookup {
    pub image: String,
    pub guest_offset: u64,
    /// (L1 index, L2 table offset; 0 if none).
    pub l1: Option<(u64, u64)>,
    /// (L2 index, cluster offset; 0 if none).
    pub l2: Option<(u64, u64)>,
}

/// Whether a figure draws an event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shown {
    /// Figure 1 (disks, partitions and the lsblk tree) draws it.
    Blocks,
    /// Figure 2 (LVM) draws it.
    Lvm,
    /// Both figures draw it.
    Both,
    /// Figure 5 (disk images) draws it.
    Images,
    /// No figure draws it (file contents are not pictured).
    No,
}

/// The node name of a device path: `/dev/sdb1` → `sdb1`, `/dev/mapper/x` → `x`.
pub fn node_name(path: &str) -> String {
    path.trim_start_matches("/dev/").trim_start_matches("mapper/").to_string()
}

fn role_of(lv: &Lv) -> LvRole {
    match lv.kind {
        LvKind::Linear => LvRole::Linear,
        LvKind::ThinPool(_) => LvRole::Pool,
        LvKind::Thin { .. } => LvRole::Thin,
        LvKind::PoolData { .. } => LvRole::PoolData,
        LvKind::PoolMeta { .. } => LvRole::PoolMeta,
        LvKind::Pmspare => LvRole::Spare,
        LvKind::Snapshot(_) => LvRole::Linear,
    }
}

impl Scene {
    /// The scene of the shell's current state.
    pub fn of(shell: &Shell) -> Scene {
        let m = &shell.machine;
        let images = image_paths(m).iter().filter_map(|p| layout(m, p)).collect();
        let mut s = Scene { disks: disks_of(shell), nodes: nodes_of(m), vgs: Vec::new(), pvs: VecMap::new(), images, lookup: None, focus: None };
        for pv in &m.lvm().pvs {
            s.pvs.insert(pv.name.clone(), pv.vg_name.clone());
        }
        s.vgs = m.lvm().vgs.iter().map(|vg| vg_of(m, vg)).collect();
        s
    }

    /// The same scene without the highlights (the focus and a read's
    /// lookup), for comparing states.
    pub fn without_focus(&self) -> Scene {
        Scene { focus: None, lookup: None, ..self.clone() }
    }

    pub fn disk_mut(&mut self, name: &str) -> Option<&mut SDisk> {
        self.disks.iter_mut().find(|d| d.name == name)
    }

    pub fn vg(&self, name: &str) -> Option<&SVg> {
        self.vgs.iter().find(|v| v.name == name)
    }

    fn vg_mut(&mut self, name: &str) -> Option<&mut SVg> {
        self.vgs.iter_mut().find(|v| v.name == name)
    }

    fn lv_mut(&mut self, vg: &str, lv: &str) -> Option<&mut SLv> {
        self.vg_mut(vg).and_then(|v| v.lvs.iter_mut().find(|l| l.name == lv))
    }
}

fn disks_of(shell: &Shell) -> Vec<SDisk> {
    let editing = |dev| match &shell.interactive {
        Some(Interactive::Fdisk(s)) if s.disk() == dev => Some(s.label().clone()),
        Some(Interactive::Sfdisk(s)) if s.disk() == dev => s.label().cloned(),
        _ => None,
    };
    shell
        .machine
        .disks()
        .iter()
        .map(|d| {
            let label = d.label();
            SDisk {
                name: d.name.clone(),
                transport: d.transport.label(),
                size_bytes: d.size_bytes,
                label: label.as_ref().map(|l| l.kind.name()),
                table: label.iter().flat_map(|l| l.partitions.iter().map(|p| p.info())).collect(),
                kernel: d.kernel_partitions.iter().map(|k| (k.number, k.start_lba, k.size_sectors)).collect(),
                editor: editing(d.dev).map(|l| (l.kind.name(), l.partitions.iter().map(|p| p.info()).collect())),
            }
        })
        .collect()
}

fn nodes_of(m: &Machine) -> VecMap<String, SNode> {
    let mut nodes = VecMap::new();
    for d in m.devices().iter() {
        let mut parents: Vec<String> = d.slaves.iter().filter_map(|s| m.devices().get(*s)).map(|s| s.name.clone()).collect();
        let (kind, lv) = match &d.kind {
            DevKind::Disk => (NodeKind::Disk, None),
            DevKind::Partition { disk, .. } => {
                parents.extend(m.devices().get(*disk).map(|p| p.name.clone()));
                (NodeKind::Part, None)
            }
            DevKind::Lv { vg, lv, role, .. } => (NodeKind::Lvm, Some((vg.clone(), lv.clone(), *role == DevRole::TPool))),
            #[cfg(feature = "zfs")]
            DevKind::Zvol { .. } => (NodeKind::Disk, None),
        };
        small_sort(&mut parents);
        let sig = m.probe(d.id);
        let damaged = sig.as_ref().is_some_and(|s| s.size_bytes > d.size_bytes);
        nodes.insert(
            d.name.clone(),
            SNode {
                kind,
                parents,
                size_bytes: if kind == NodeKind::Lvm { 0 } else { d.size_bytes },
                lv,
                fstype: sig.map(|s| s.fstype.name().to_string()),
                mounts: m.mounts().iter().filter(|x| x.dev == d.id).map(|x| x.target.clone()).collect(),
                swap: m.swaps().contains(&d.id),
                damaged,
            },
        );
    }
    nodes
}

fn vg_of(m: &Machine, vg: &crate::core::lvm::Vg) -> SVg {
    let lvm = m.lvm();
    let pvs = vg
        .pvs
        .iter()
        .filter_map(|d| lvm.pv(*d))
        .map(|pv| {
            let mut runs: Vec<SRun> = vg.runs_on(pv.dev).map(|(l, _, pe_start, count)| SRun { lv: l.name.clone(), pe_start, count }).collect();
            runs.small_sort_by_key(|r| r.pe_start);
            SPv { path: pv.name.clone(), pe_count: pv.pe_count, runs: merge_runs(runs) }
        })
        .collect();
    let lvs = vg
        .lvs
        .iter()
        .map(|l| {
            let (virtual_bytes, chunk_bytes, chunks, full) = match &l.kind {
                LvKind::Thin { virtual_bytes, map, .. } => (*virtual_bytes, 0, map.mapped(), false),
                LvKind::ThinPool(p) => (0, p.chunk_size_bytes, p.used_chunks(), p.out_of_space),
                _ => (0, 0, 0, false),
            };
            let pool = l.thin_pool().or(l.part_of_pool()).map(str::to_string);
            let device = l.dm_minor.filter(|_| l.active).map(|_| dm_name(&vg.name, &l.name));
            SLv { name: l.name.clone(), role: role_of(l), pool, device, virtual_bytes, chunk_bytes, chunks, full }
        })
        .collect();
    SVg { name: vg.name.clone(), extent_bytes: vg.extent_size_bytes, pvs, lvs }
}

impl Scene {
    /// Moves the scene one event forward; says which figure draws the event.
    pub fn apply(&mut self, e: &Event) -> Shown {
        self.focus = focus_of(e);
        match e {
            Event::DiskAttached { .. }
            | Event::EditorOpened { .. }
            | Event::LabelCreated { .. }
            | Event::PartitionPlanned { .. }
            | Event::PartitionUnplanned { .. }
            | Event::PartitionTypeChanged { .. }
            | Event::EditDiscarded { .. }
            | Event::TableWritten { .. }
            | Event::TableDestroyed { .. }
            | Event::PartitionAppeared { .. }
            | Event::PartitionVanished { .. }
            | Event::RereadRefused { .. } => self.apply_table(e),
            #[cfg(feature = "loop-devices")]
            Event::DiskDetached { .. } => self.apply_table(e),
            Event::FilesystemCreated { .. }
            | Event::SignatureWiped { .. }
            | Event::Mounted { .. }
            | Event::Unmounted { .. }
            | Event::SwapOn { .. }
            | Event::SwapOff { .. }
            | Event::DataDestroyed { .. }
            | Event::FilesystemResized { .. }
            | Event::BytesWritten { .. } => self.apply_node(e),
            Event::PvCreated { .. } | Event::PvRemoved { .. } | Event::VgCreated { .. } | Event::VgExtended { .. } | Event::VgReduced { .. } | Event::VgRemoved { .. } => {
                self.apply_vg(e)
            }
            #[cfg(feature = "vgrename")]
            Event::VgRenamed { .. } => self.apply_vg(e),
            Event::LvCreated { .. } | Event::LvRemoved { .. } | Event::LvRenamed { .. } | Event::TpoolStacked { .. } | Event::LvResized { .. } => self.apply_lv(e),
            Event::ExtentsAllocated { .. } | Event::ExtentsFreed { .. } => self.apply_extents(e),
            Event::ThinChunksAllocated { .. } | Event::ThinChunksFreed { .. } | Event::ThinPoolFull { .. } => self.apply_thin(e),
            #[cfg(feature = "thin-snapshots")]
            Event::ThinSnapshotTaken { .. } | Event::ThinChunksCopied { .. } | Event::ThinSnapshotMerged { .. } => self.apply_thin(e),
            Event::FileCreated { .. } | Event::FileWritten { .. } | Event::FileResized { .. } => Shown::No,
            // Figure 2 draws a classic snapshot as the LV its store is.
            Event::ChunksCopied { .. } | Event::SnapshotInvalidated { .. } | Event::SnapshotMerged { .. } => Shown::No,
            Event::FileRemoved { .. } | Event::ImageLaidOut { .. } | Event::GuestRead { .. } | Event::L1EntryRead { .. } | Event::L2EntryRead { .. } => self.apply_image(e),
            // No figure draws ZFS yet.
            Event::PoolCreated { .. }
            | Event::PoolDestroyed { .. }
            | Event::VdevAttached { .. }
            | Event::VdevDetached { .. }
            | Event::VdevOffline { .. }
            | Event::VdevOnline { .. }
            | Event::VdevReplaced { .. }
            | Event::Resilvered { .. }
            | Event::DatasetCreated { .. }
            | Event::DatasetDestroyed { .. }
            | Event::PropertySet { .. }
            | Event::BlockAllocated { .. }
            | Event::BlockWritten { .. }
            | Event::PointerRewritten { .. }
            | Event::UberblockWritten { .. }
            | Event::ChecksumMismatch { .. }
            | Event::BlockHealed { .. }
            | Event::BlockUnrecoverable { .. }
            | Event::BlockFreed { .. }
            | Event::BlockRetained { .. }
            | Event::SnapshotTaken { .. }
            | Event::SnapshotDestroyed { .. }
            | Event::RolledBack { .. }
            | Event::ScrubStarted { .. }
            | Event::ScrubProgressed { .. }
            | Event::ScrubFinished { .. }
            | Event::ScrubCanceled { .. }
            | Event::ErrorsCleared { .. } => Shown::No,
            #[cfg(feature = "zfs")]
            Event::BookmarkCreated { .. } | Event::BookmarkDestroyed { .. } | Event::HoldPlaced { .. } | Event::HoldReleased { .. } => Shown::No,
            #[cfg(feature = "zfs")]
            Event::RaidDriveCreated { .. } | Event::RaidMemberCorrupted { .. } | Event::RaidMemberFailed { .. } | Event::RaidMembersResynced { .. } => Shown::No,
        }
    }
}

/// The device, partition or LV an event is about.
fn focus_of(e: &Event) -> Option<String> {
    match e {
        Event::DiskAttached { disk, .. }
        | Event::EditorOpened { disk, .. }
        | Event::LabelCreated { disk, .. }
        | Event::EditDiscarded { disk }
        | Event::TableWritten { disk, .. }
        | Event::TableDestroyed { disk }
        | Event::RereadRefused { disk } => Some(disk.clone()),
        #[cfg(feature = "loop-devices")]
        Event::DiskDetached { disk } => Some(disk.clone()),
        Event::PartitionPlanned { disk, part } => Some(crate::core::disk::partition_name(disk, part.number)),
        Event::PartitionUnplanned { disk, number } | Event::PartitionTypeChanged { disk, number, .. } => Some(crate::core::disk::partition_name(disk, *number)),
        Event::PartitionAppeared { dev, .. }
        | Event::PartitionVanished { dev, .. }
        | Event::FilesystemCreated { dev, .. }
        | Event::SignatureWiped { dev }
        | Event::Mounted { dev, .. }
        | Event::Unmounted { dev, .. }
        | Event::SwapOn { dev }
        | Event::SwapOff { dev }
        | Event::DataDestroyed { dev, .. }
        | Event::FilesystemResized { dev, .. }
        | Event::BytesWritten { dev, .. } => Some(dev.clone()),
        Event::PvCreated { dev } | Event::PvRemoved { dev } => Some(node_name(dev)),
        Event::VgCreated { vg, .. } | Event::VgExtended { vg, .. } | Event::VgReduced { vg, .. } | Event::VgRemoved { vg } => Some(vg.clone()),
        Event::LvCreated { vg, lv, .. } | Event::LvRemoved { vg, lv } | Event::LvResized { vg, lv, .. } => Some(format!("{vg}/{lv}")),
        Event::LvRenamed { vg, to, .. } => Some(format!("{vg}/{to}")),
        #[cfg(feature = "vgrename")]
        Event::VgRenamed { to, .. } => Some(to.clone()),
        Event::TpoolStacked { vg, pool, .. } | Event::ThinPoolFull { vg, pool } => Some(format!("{vg}/{pool}")),
        Event::ExtentsAllocated { vg, lv, pv, pe_start, .. } | Event::ExtentsFreed { vg, lv, pv, pe_start, .. } => Some(format!("{vg}/{lv}@{pv}:{pe_start}")),
        Event::ThinChunksAllocated { vg, lv, .. } | Event::ThinChunksFreed { vg, lv, .. } => Some(format!("{vg}/{lv}")),
        Event::ChunksCopied { vg, snapshot, .. } | Event::SnapshotInvalidated { vg, snapshot } => Some(format!("{vg}/{snapshot}")),
        Event::SnapshotMerged { vg, origin, .. } => Some(format!("{vg}/{origin}")),
        #[cfg(feature = "thin-snapshots")]
        Event::ThinSnapshotTaken { vg, lv, .. } | Event::ThinChunksCopied { vg, lv, .. } => Some(format!("{vg}/{lv}")),
        #[cfg(feature = "thin-snapshots")]
        Event::ThinSnapshotMerged { vg, origin, .. } => Some(format!("{vg}/{origin}")),
        Event::FileCreated { path, .. } | Event::FileWritten { path, .. } | Event::FileResized { path, .. } | Event::FileRemoved { path } => Some(path.clone()),
        Event::ImageLaidOut { layout } => Some(layout.path.clone()),
        Event::GuestRead { image, .. } | Event::L1EntryRead { image, .. } | Event::L2EntryRead { image, .. } => Some(image.clone()),
        Event::PoolCreated { pool, .. }
        | Event::PoolDestroyed { pool }
        | Event::VdevAttached { pool, .. }
        | Event::VdevDetached { pool, .. }
        | Event::VdevOffline { pool, .. }
        | Event::VdevOnline { pool, .. }
        | Event::VdevReplaced { pool, .. }
        | Event::Resilvered { pool, .. }
        | Event::BlockWritten { pool, .. }
        | Event::UberblockWritten { pool, .. }
        | Event::ChecksumMismatch { pool, .. }
        | Event::BlockHealed { pool, .. }
        | Event::ScrubStarted { pool, .. }
        | Event::ScrubProgressed { pool, .. }
        | Event::ScrubFinished { pool, .. }
        | Event::ScrubCanceled { pool }
        | Event::ErrorsCleared { pool } => Some(pool.clone()),
        Event::DatasetCreated { dataset, .. } | Event::DatasetDestroyed { dataset } | Event::PropertySet { dataset, .. } | Event::RolledBack { dataset, .. } => {
            Some(dataset.clone())
        }
        Event::BlockAllocated { block } | Event::PointerRewritten { child: block, .. } | Event::BlockUnrecoverable { block, .. } | Event::BlockFreed { block } | Event::BlockRetained { block, .. } => {
            Some(block.dataset.clone())
        }
        Event::SnapshotTaken { snapshot, .. } | Event::SnapshotDestroyed { snapshot } => Some(snapshot.clone()),
        #[cfg(feature = "zfs")]
        Event::BookmarkCreated { bookmark, .. } | Event::BookmarkDestroyed { bookmark } => Some(bookmark.clone()),
        #[cfg(feature = "zfs")]
        Event::HoldPlaced { snapshot, .. } | Event::HoldReleased { snapshot, .. } => Some(snapshot.clone()),
        #[cfg(feature = "zfs")]
        Event::RaidDriveCreated { disk, .. } | Event::RaidMemberCorrupted { disk, .. } | Event::RaidMemberFailed { disk, .. } | Event::RaidMembersResynced { disk, .. } => Some(disk.clone()),
    }
}

impl Scene {
    fn apply_table(&mut self, e: &Event) -> Shown {
        match e {
            Event::DiskAttached { disk, transport, size_bytes } => {
                self.disks.push(SDisk { name: disk.clone(), transport, size_bytes: *size_bytes, label: None, table: Vec::new(), kernel: Vec::new(), editor: None });
                self.nodes.insert(disk.clone(), SNode { kind: NodeKind::Disk, parents: Vec::new(), size_bytes: *size_bytes, lv: None, fstype: None, mounts: Vec::new(), swap: false, damaged: false });
            }
            #[cfg(feature = "loop-devices")]
            Event::DiskDetached { disk } => {
                self.disks.retain(|d| d.name != *disk);
                self.nodes.remove(disk);
            }
            Event::EditorOpened { disk, kind, parts } => self.edit(disk, |d| d.editor = Some((kind, parts.clone()))),
            Event::LabelCreated { disk, kind } => self.edit(disk, |d| d.editor = Some((kind, Vec::new()))),
            Event::PartitionPlanned { disk, part } => self.edit(disk, |d| {
                if let Some((_, parts)) = d.editor.as_mut() {
                    parts.push(part.clone());
                    parts.small_sort_by_key(|p| p.number);
                }
            }),
            Event::PartitionUnplanned { disk, number } => self.edit(disk, |d| {
                if let Some((_, parts)) = d.editor.as_mut() {
                    parts.retain(|p| p.number != *number);
                }
            }),
            Event::PartitionTypeChanged { disk, number, type_name } => self.edit(disk, |d| {
                for p in d.editor.iter_mut().flat_map(|e| e.1.iter_mut()).filter(|p| p.number == *number) {
                    p.type_name = type_name.clone();
                }
            }),
            Event::EditDiscarded { disk } => self.edit(disk, |d| d.editor = None),
            Event::TableWritten { disk, kind, parts } => self.edit(disk, |d| {
                d.label = Some(kind);
                d.table = parts.clone();
                d.editor = None;
            }),
            Event::TableDestroyed { disk } => self.edit(disk, |d| {
                d.label = None;
                d.table.clear();
            }),
            Event::PartitionAppeared { disk, dev, number, start_lba, size_sectors, fstype, fs_larger } => {
                self.edit(disk, |d| {
                    d.kernel.push((*number, *start_lba, *size_sectors));
                    d.kernel.small_sort_by_key(|k| k.0);
                });
                let node = SNode { kind: NodeKind::Part, parents: vec![disk.clone()], size_bytes: size_sectors * 512, lv: None, fstype: fstype.clone(), mounts: Vec::new(), swap: false, damaged: *fs_larger };
                self.nodes.insert(dev.clone(), node);
            }
            Event::PartitionVanished { disk, dev, number } => {
                self.edit(disk, |d| d.kernel.retain(|k| k.0 != *number));
                self.nodes.remove(dev);
            }
            _ => {}
        }
        Shown::Blocks
    }

    fn edit(&mut self, disk: &str, f: impl FnOnce(&mut SDisk)) {
        if let Some(d) = self.disk_mut(disk) {
            f(d);
        }
    }

    fn node(&mut self, name: &str, f: impl FnOnce(&mut SNode)) {
        if let Some(n) = self.nodes.get_mut(name) {
            f(n);
        }
    }

    fn apply_node(&mut self, e: &Event) -> Shown {
        match e {
            Event::FilesystemCreated { dev, fstype } => self.node(dev, |n| {
                n.fstype = Some(fstype.clone());
                n.damaged = false;
            }),
            Event::SignatureWiped { dev } => self.node(dev, |n| {
                n.fstype = None;
                n.damaged = false;
            }),
            Event::Mounted { dev, target } => self.node(dev, |n| n.mounts.push(target.clone())),
            Event::Unmounted { dev, target } => self.node(dev, |n| n.mounts.retain(|m| m != target)),
            Event::SwapOn { dev } => self.node(dev, |n| n.swap = true),
            Event::SwapOff { dev } => self.node(dev, |n| n.swap = false),
            Event::DataDestroyed { dev, .. } => self.node(dev, |n| n.damaged = true),
            Event::FilesystemResized { dev, .. } => self.node(dev, |n| n.damaged = false),
            _ => {}
        }
        Shown::Both
    }

    fn apply_vg(&mut self, e: &Event) -> Shown {
        match e {
            Event::PvCreated { dev } => {
                self.pvs.insert(dev.clone(), None);
                self.node(&node_name(dev), |n| n.fstype = Some("LVM2_member".into()));
            }
            Event::PvRemoved { dev } => {
                self.pvs.remove(dev);
                self.node(&node_name(dev), |n| n.fstype = None);
            }
            Event::VgCreated { vg, extent_bytes, pvs } => {
                for (p, _) in pvs {
                    self.pvs.insert(p.clone(), Some(vg.clone()));
                }
                let pvs = pvs.iter().map(|(p, n)| SPv { path: p.clone(), pe_count: *n, runs: Vec::new() }).collect();
                self.vgs.push(SVg { name: vg.clone(), extent_bytes: *extent_bytes, pvs, lvs: Vec::new() });
            }
            Event::VgExtended { vg, pv, pe_count } => {
                self.pvs.insert(pv.clone(), Some(vg.clone()));
                if let Some(v) = self.vg_mut(vg) {
                    v.pvs.push(SPv { path: pv.clone(), pe_count: *pe_count, runs: Vec::new() });
                }
            }
            Event::VgReduced { vg, pv } => {
                self.pvs.insert(pv.clone(), None);
                if let Some(v) = self.vg_mut(vg) {
                    v.pvs.retain(|p| p.path != *pv);
                }
            }
            Event::VgRemoved { vg } => {
                for owner in self.pvs.values_mut().filter(|o| o.as_deref() == Some(vg)) {
                    *owner = None;
                }
                self.vgs.retain(|v| v.name != *vg);
            }
            #[cfg(feature = "vgrename")]
            Event::VgRenamed { from, to } => self.rename_vg(from, to),
            _ => {}
        }
        Shown::Lvm
    }
}

impl Scene {
    fn apply_lv(&mut self, e: &Event) -> Shown {
        match e {
            Event::LvCreated { vg, lv, role, virtual_bytes, chunk_bytes, pool, device } => {
                let slv = SLv { name: lv.clone(), role: *role, pool: pool.clone(), device: device.clone(), virtual_bytes: *virtual_bytes, chunk_bytes: *chunk_bytes, chunks: 0, full: false };
                if let Some(v) = self.vg_mut(vg) {
                    v.lvs.push(slv);
                }
                if let Some(dev) = device {
                    let parents = self.lv_parents(vg, lv, *role, pool.as_deref());
                    self.nodes.insert(dev.clone(), lv_node(vg, lv, parents, false));
                }
            }
            Event::TpoolStacked { vg, pool, device } => {
                let parts = self.pool_part_devices(vg, pool);
                self.nodes.insert(device.clone(), lv_node(vg, pool, parts, true));
                self.node(&dm_name(vg, pool), |n| n.parents = vec![device.clone()]);
            }
            Event::LvRemoved { vg, lv } => self.remove_lv(vg, lv),
            Event::LvRenamed { vg, from, to } => self.rename_lv(vg, from, to),
            Event::LvResized { vg, lv, new_bytes, .. } => {
                if let Some(l) = self.lv_mut(vg, lv) {
                    match l.role {
                        LvRole::Thin => l.virtual_bytes = *new_bytes,
                        LvRole::Pool => l.full = false,
                        _ => {}
                    }
                }
            }
            _ => {}
        }
        Shown::Both
    }

    /// The devices a new LV's node sits on: a pool on its parts, a thin volume
    /// on its pool's `-tpool`; extents add PVs later.
    fn lv_parents(&self, vg: &str, lv: &str, role: LvRole, pool: Option<&str>) -> Vec<String> {
        match role {
            LvRole::Pool => self.pool_part_devices(vg, lv),
            LvRole::Thin => pool.map(|p| format!("{}-tpool", dm_name(vg, p))).into_iter().collect(),
            _ => Vec::new(),
        }
    }

    fn pool_part_devices(&self, vg: &str, pool: &str) -> Vec<String> {
        let mut v: Vec<String> = self
            .vg(vg)
            .map(|v| v.lvs.iter().filter(|l| l.pool.as_deref() == Some(pool) && matches!(l.role, LvRole::PoolData | LvRole::PoolMeta)).filter_map(|l| l.device.clone()).collect())
            .unwrap_or_default();
        small_sort(&mut v);
        v
    }

    fn remove_lv(&mut self, vg: &str, lv: &str) {
        let Some(v) = self.vg_mut(vg) else { return };
        let Some(i) = v.lvs.iter().position(|l| l.name == lv) else { return };
        // A thin volume's chunks went back to its pool with ThinChunksFreed.
        let gone = v.lvs.remove(i);
        if let Some(dev) = &gone.device {
            self.nodes.remove(dev);
        }
        if gone.role == LvRole::Pool {
            self.nodes.remove(&format!("{}-tpool", dm_name(vg, lv)));
        }
    }

    fn rename_lv(&mut self, vg: &str, from: &str, to: &str) {
        let Some(v) = self.vg_mut(vg) else { return };
        let mut renames: Vec<(String, String)> = Vec::new();
        for l in v.lvs.iter_mut() {
            let old = l.name.clone();
            if l.name == from {
                l.name = to.to_string();
            } else if l.pool.as_deref() == Some(from) {
                l.pool = Some(to.to_string());
                // lvm2 renames a pool's data and metadata volumes with it.
                match l.role {
                    LvRole::PoolData => l.name = format!("{to}_tdata"),
                    LvRole::PoolMeta => l.name = format!("{to}_tmeta"),
                    _ => {}
                }
            }
            if l.name != old {
                if let Some(dev) = l.device.as_mut() {
                    *dev = dm_name(vg, &l.name);
                }
                renames.push((old, l.name.clone()));
            }
        }
        for r in v.pvs.iter_mut().flat_map(|p| p.runs.iter_mut()) {
            if let Some((_, new)) = renames.iter().find(|(old, _)| *old == r.lv) {
                r.lv = new.clone();
            }
        }
        let mut moves: Vec<(String, String)> = renames.iter().map(|(o, n)| (dm_name(vg, o), dm_name(vg, n))).collect();
        if renames.iter().any(|(o, _)| o == from) {
            moves.push((format!("{}-tpool", dm_name(vg, from)), format!("{}-tpool", dm_name(vg, to))));
        }
        self.move_nodes(vg, &moves, &renames);
    }

#[cfg(feature = "vgrename")]
    fn rename_vg(&mut self, from: &str, to: &str) {
        for owner in self.pvs.values_mut().filter(|o| o.as_deref() == Some(from)) {
            *owner = Some(to.to_string());
        }
        let Some(v) = self.vg_mut(from) else { return };
        v.name = to.to_string();
        let mut moves = Vec::new();
        for l in v.lvs.iter_mut() {
            if let Some(dev) = l.device.as_mut() {
                let new = dm_name(to, &l.name);
                moves.push((format!("{dev}-tpool"), format!("{new}-tpool")));
                moves.push((std::mem::replace(dev, new.clone()), new));
            }
        }
        self.move_nodes(from, &moves, &[]);
        for n in self.nodes.values_mut() {
            if let Some(lv) = n.lv.as_mut().filter(|l| l.0 == from) {
                lv.0 = to.to_string();
            }
        }
    }

    /// Renames tree nodes and the references to them.
    fn move_nodes(&mut self, vg: &str, moves: &[(String, String)], renames: &[(String, String)]) {
        for (old, new) in moves {
            if let Some(mut n) = self.nodes.remove(old) {
                if let Some((_, lv, _)) = n.lv.as_mut() {
                    if let Some((_, renamed)) = renames.iter().find(|(o, _)| o == lv) {
                        *lv = renamed.clone();
                    }
                }
                self.nodes.insert(new.clone(), n);
            }
        }
        for n in self.nodes.values_mut() {
            for p in n.parents.iter_mut() {
                if let Some((_, new)) = moves.iter().find(|(o, _)| o == p) {
                    *p = new.clone();
                }
            }
            small_sort(&mut n.parents);
            if let Some((v, lv, _)) = n.lv.as_mut().filter(|l| l.0 == vg) {
                let _ = v;
                if let Some((_, renamed)) = renames.iter().find(|(o, _)| o == lv) {
                    *lv = renamed.clone();
                }
            }
        }
    }

    fn apply_extents(&mut self, e: &Event) -> Shown {
        let (Event::ExtentsAllocated { vg, lv, pv, pe_start, count } | Event::ExtentsFreed { vg, lv, pv, pe_start, count }) = e else { return Shown::No };
        let grow = matches!(e, Event::ExtentsAllocated { .. });
        let Some(v) = self.vg_mut(vg) else { return Shown::Lvm };
        let device = v.lvs.iter().find(|l| l.name == *lv).and_then(|l| l.device.clone());
        let Some(p) = v.pvs.iter_mut().find(|p| p.path == *pv) else { return Shown::Lvm };
        if grow {
            add_run(&mut p.runs, lv, *pe_start, *count);
        } else {
            remove_run(&mut p.runs, lv, *pe_start, *count);
        }
        let still_on_pv = p.runs.iter().any(|r| r.lv == *lv);
        if let Some(dev) = device {
            let pv_node = node_name(pv);
            self.node(&dev, |n| {
                if still_on_pv && !n.parents.contains(&pv_node) {
                    n.parents.push(pv_node.clone());
                    small_sort(&mut n.parents);
                } else if !still_on_pv {
                    n.parents.retain(|p| *p != pv_node);
                }
            });
        }
        Shown::Both
    }

    fn apply_thin(&mut self, e: &Event) -> Shown {
        match e {
            Event::ThinChunksAllocated { vg, pool, lv, chunks } => {
                self.with_lv(vg, lv, |l| l.chunks += chunks);
                self.with_lv(vg, pool, |p| {
                    p.chunks += chunks;
                    p.full = false;
                });
            }
            #[cfg(feature = "thin-snapshots")]
            Event::ThinSnapshotTaken { vg, lv, chunks, .. } => self.with_lv(vg, lv, |l| l.chunks = *chunks),
            #[cfg(feature = "thin-snapshots")]
            Event::ThinChunksCopied { vg, pool, chunks, .. } => self.with_lv(vg, pool, |p| p.chunks += chunks),
            Event::ThinChunksFreed { vg, pool, lv, chunks, returned } => {
                self.with_lv(vg, lv, |l| l.chunks = l.chunks.saturating_sub(*chunks));
                self.pool_returns(vg, pool, *returned);
            }
            #[cfg(feature = "thin-snapshots")]
            Event::ThinSnapshotMerged { vg, pool, snapshot, origin, returned } => {
                if let Some(snap) = self.lv_mut(vg, snapshot).map(|s| (s.chunks, s.virtual_bytes)) {
                    self.with_lv(vg, origin, |o| (o.chunks, o.virtual_bytes) = snap);
                }
                self.remove_lv(vg, snapshot);
                self.pool_returns(vg, pool, *returned);
            }
            Event::ThinPoolFull { vg, pool } => self.with_lv(vg, pool, |p| p.full = true),
            _ => {}
        }
        Shown::Lvm
    }

    fn pool_returns(&mut self, vg: &str, pool: &str, chunks: u64) {
        self.with_lv(vg, pool, |p| {
            p.chunks = p.chunks.saturating_sub(chunks);
            p.full = false;
        });
    }

    fn with_lv(&mut self, vg: &str, lv: &str, f: impl FnOnce(&mut SLv)) {
        if let Some(l) = self.lv_mut(vg, lv) {
            f(l);
        }
    }
}

fn lv_node(vg: &str, lv: &str, parents: Vec<String>, tpool: bool) -> SNode {
    SNode { kind: NodeKind::Lvm, parents, size_bytes: 0, lv: Some((vg.to_string(), lv.to_string(), tpool)), fstype: None, mounts: Vec::new(), swap: false, damaged: false }
}

/// Joins an LV's runs that continue each other, as `add_run` builds them.
fn merge_runs(runs: Vec<SRun>) -> Vec<SRun> {
    let mut out: Vec<SRun> = Vec::new();
    for r in runs {
        match out.last_mut() {
            Some(l) if l.lv == r.lv && l.pe_start + l.count == r.pe_start => l.count += r.count,
            _ => out.push(r),
        }
    }
    out
}

/// Adds extents to a PV's runs, merging with the LV's run they continue.
fn add_run(runs: &mut Vec<SRun>, lv: &str, pe_start: u64, count: u64) {
    match runs.iter_mut().find(|r| r.lv == lv && r.pe_start + r.count == pe_start) {
        Some(r) => r.count += count,
        None => runs.push(SRun { lv: lv.to_string(), pe_start, count }),
    }
    runs.small_sort_by_key(|r| r.pe_start);
}

/// Takes extents out of an LV's runs (a shrink frees a run's tail).
fn remove_run(runs: &mut Vec<SRun>, lv: &str, pe_start: u64, count: u64) {
    for r in runs.iter_mut().filter(|r| r.lv == lv && r.pe_start <= pe_start && pe_start < r.pe_start + r.count) {
        r.count = r.count.saturating_sub(count.min(r.pe_start + r.count - pe_start));
    }
    runs.retain(|r| r.count > 0);
}

impl Scene {
    fn apply_image(&mut self, e: &Event) -> Shown {
        match e {
            Event::FileRemoved { path } => {
                let before = self.images.len();
                self.images.retain(|i| i.path != *path);
                if self.images.len() == before {
                    return Shown::No;
                }
            }
            Event::ImageLaidOut { layout } => {
                match self.images.binary_search_by(|i| i.path.cmp(&layout.path)) {
                    Ok(i) => self.images[i] = layout.clone(),
                    Err(i) => self.images.insert(i, layout.clone()),
                }
                self.lookup = None;
            }
            Event::GuestRead { image, guest_offset } => self.lookup = Some(SLookup { image: image.clone(), guest_offset: *guest_offset, l1: None, l2: None }),
            Event::L1EntryRead { l1_index, l2_offset, .. } => {
                if let Some(l) = self.lookup.as_mut() {
                    l.l1 = Some((*l1_index, *l2_offset));
                }
            }
            Event::L2EntryRead { l2_index, host_offset, .. } => {
                if let Some(l) = self.lookup.as_mut() {
                    l.l2 = Some((*l2_index, *host_offset));
                }
            }
            _ => return Shown::No,
        }
        Shown::Images
    }
}
