//! Figure 2's view-model: PVs as strips of extents pooled into VGs, LVs as
//! coloured runs, thin pools as allocated chunks against promised sizes.
//! Everything comes from the scene, so every animation frame can be drawn.

use super::blocks::holders;
use super::scene::{node_name, NodeKind, SLv, SPv, SVg, Scene};
use crate::console::fmt::{human_size, SizeStyle};
use crate::core::event::LvRole;

/// One run of extents on a PV strip: used by an LV or free.
#[derive(Debug, Clone, PartialEq)]
pub struct Run {
    /// The LV whose extents these are (`thinpool_tdata` for a pool's data).
    pub lv: Option<String>,
    /// The visible LV the run belongs to: the pool for its data and metadata.
    pub owner: Option<String>,
    pub start_frac: f64,
    pub width_frac: f64,
    pub first_pe: u64,
    pub count: u64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct PvView {
    pub device: String,
    pub size_text: String,
    pub pe_count: u64,
    pub free_pe: u64,
    pub runs: Vec<Run>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct LvView {
    pub name: String,
    pub size_text: String,
    pub kind: &'static str,
    /// Index into the figure's palette, stable per LV within the VG.
    pub color: usize,
    pub pvs: Vec<String>,
    pub filesystem: Option<String>,
    /// A filesystem larger than its LV: shrunk without shrinking the fs first.
    pub damaged: bool,
    /// Thin volumes: the fraction of the virtual size that is mapped.
    pub mapped_frac: Option<f64>,
    pub pool: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct PoolView {
    pub name: String,
    pub size_text: String,
    pub used_frac: f64,
    pub virtual_text: String,
    /// The thin volumes' sizes over the pool's size.
    pub overcommit: f64,
    pub full: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct VgView {
    pub name: String,
    pub size_text: String,
    pub free_text: String,
    pub extent_text: String,
    pub pvs: Vec<PvView>,
    pub lvs: Vec<LvView>,
    pub pools: Vec<PoolView>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct LvmFigure {
    pub vgs: Vec<VgView>,
    /// PVs not in any VG.
    pub orphans: Vec<PvView>,
    /// Devices that could become PVs: unused partitions and empty disks.
    pub candidates: Vec<String>,
}

fn size(bytes: u64) -> String {
    human_size(bytes, SizeStyle::Letter)
}

fn extents_of(vg: &SVg, lv: &str) -> u64 {
    vg.pvs.iter().flat_map(|p| &p.runs).filter(|r| r.lv == lv).map(|r| r.count).sum()
}

/// An LV's size: a thin volume's virtual size, a pool's data, else its extents.
pub fn lv_bytes(vg: &SVg, lv: &str) -> u64 {
    match vg.lvs.iter().find(|l| l.name == lv) {
        Some(l) if l.role == LvRole::Thin => l.virtual_bytes,
        Some(l) if l.role == LvRole::Pool => extents_of(vg, &format!("{lv}_tdata")) * vg.extent_bytes,
        _ => extents_of(vg, lv) * vg.extent_bytes,
    }
}

fn visible(l: &SLv) -> bool {
    matches!(l.role, LvRole::Linear | LvRole::Pool | LvRole::Thin)
}

/// The visible LV that a (possibly hidden) LV's extents belong to.
fn owner<'v>(vg: &'v SVg, lv: &'v str) -> Option<&'v str> {
    let l = vg.lvs.iter().find(|l| l.name == lv)?;
    match l.role {
        LvRole::PoolData | LvRole::PoolMeta => l.pool.as_deref(),
        LvRole::Spare => None,
        _ => Some(&l.name),
    }
}

fn pv_view(vg: &SVg, pv: &SPv) -> PvView {
    let total = pv.pe_count.max(1) as f64;
    let run = |lv: Option<&str>, first_pe: u64, count: u64| Run {
        lv: lv.map(str::to_string),
        owner: lv.and_then(|l| owner(vg, l)).map(str::to_string),
        start_frac: first_pe as f64 / total,
        width_frac: count as f64 / total,
        first_pe,
        count,
    };
    let mut runs = Vec::new();
    let mut next = 0;
    for r in &pv.runs {
        if r.pe_start > next {
            runs.push(run(None, next, r.pe_start - next));
        }
        runs.push(run(Some(&r.lv), r.pe_start, r.count));
        next = next.max(r.pe_start + r.count);
    }
    if next < pv.pe_count {
        runs.push(run(None, next, pv.pe_count - next));
    }
    let used: u64 = pv.runs.iter().map(|r| r.count).sum();
    PvView { device: pv.path.clone(), size_text: size(pv.pe_count * vg.extent_bytes), pe_count: pv.pe_count, free_pe: pv.pe_count.saturating_sub(used), runs }
}

fn lv_view(scene: &Scene, vg: &SVg, l: &SLv, color: usize) -> LvView {
    let size_bytes = lv_bytes(vg, &l.name);
    let node = l.device.as_ref().and_then(|d| scene.nodes.get(d));
    let fs = node.and_then(|n| n.fstype.clone()).filter(|f| f != "LVM2_member");
    let mount = node.and_then(|n| n.mounts.first()).map(|m| format!(" on {m}")).unwrap_or_default();
    let data = if l.role == LvRole::Pool { format!("{}_tdata", l.name) } else { l.name.clone() };
    let mut pvs: Vec<String> = vg.pvs.iter().filter(|p| p.runs.iter().any(|r| r.lv == data)).map(|p| p.path.clone()).collect();
    pvs.dedup();
    let chunk = l.pool.as_ref().and_then(|p| vg.lvs.iter().find(|x| x.name == *p)).map_or(65536, |p| p.chunk_bytes);
    LvView {
        name: l.name.clone(),
        size_text: size(size_bytes),
        kind: match l.role {
            LvRole::Linear => "linear",
            LvRole::Pool => "thin pool",
            // Thin snapshots stay inactive: no device.
            #[cfg(feature = "thin-snapshots")]
            LvRole::Thin if l.device.is_none() => "thin snapshot",
            LvRole::Thin => "thin",
            _ => "hidden",
        },
        color,
        pvs,
        filesystem: fs.map(|f| format!("{f}{mount}")),
        damaged: node.is_some_and(|n| n.damaged),
        mapped_frac: (l.role == LvRole::Thin).then(|| (l.chunks * chunk) as f64 / l.virtual_bytes.max(1) as f64),
        pool: l.pool.clone().filter(|_| l.role == LvRole::Thin),
    }
}

fn pool_view(vg: &SVg, l: &SLv) -> PoolView {
    let size_bytes = lv_bytes(vg, &l.name);
    let total_chunks = (size_bytes / l.chunk_bytes.max(1)).max(1);
    let promised: u64 = vg.lvs.iter().filter(|t| t.role == LvRole::Thin && t.pool.as_deref() == Some(&l.name)).map(|t| t.virtual_bytes).sum();
    PoolView {
        name: l.name.clone(),
        size_text: size(size_bytes),
        used_frac: l.chunks as f64 / total_chunks as f64,
        virtual_text: size(promised),
        overcommit: promised as f64 / size_bytes.max(1) as f64,
        full: l.full,
    }
}

fn vg_view(scene: &Scene, vg: &SVg) -> VgView {
    let total: u64 = vg.pvs.iter().map(|p| p.pe_count).sum();
    let used: u64 = vg.pvs.iter().flat_map(|p| &p.runs).map(|r| r.count).sum();
    let shown: Vec<&SLv> = vg.lvs.iter().filter(|l| visible(l)).collect();
    VgView {
        name: vg.name.clone(),
        size_text: size(total * vg.extent_bytes),
        free_text: size(total.saturating_sub(used) * vg.extent_bytes),
        extent_text: human_size(vg.extent_bytes, SizeStyle::Iec),
        pvs: vg.pvs.iter().map(|p| pv_view(vg, p)).collect(),
        lvs: shown.iter().enumerate().map(|(i, l)| lv_view(scene, vg, l, i)).collect(),
        pools: vg.lvs.iter().filter(|l| l.role == LvRole::Pool).map(|l| pool_view(vg, l)).collect(),
    }
}

/// Partitions that hold firmware data or other partitions; never offered to LVM.
fn reserved_type(type_name: &str) -> bool {
    matches!(type_name, "BIOS boot" | "EFI System" | "Extended" | "W95 Ext'd (LBA)" | "Linux extended")
}

/// Devices with nothing on them: blank disks and free partitions.
fn candidates(scene: &Scene) -> Vec<String> {
    let unused = |name: &str| holders(scene, name).is_empty() && !scene.nodes.values().any(|n| n.parents.iter().any(|p| p == name));
    let mut out = Vec::new();
    for d in &scene.disks {
        if d.kernel.is_empty() && d.table.is_empty() && unused(&d.name) {
            out.push(format!("/dev/{}", d.name));
        }
        for &(number, start, _) in &d.kernel {
            let name = crate::core::disk::partition_name(&d.name, number);
            let reserved = d.table.iter().any(|p| p.number == number && p.start_lba == start && reserved_type(&p.type_name));
            if !reserved && scene.nodes.get(&name).is_some_and(|n| n.kind == NodeKind::Part) && unused(&name) {
                out.push(format!("/dev/{name}"));
            }
        }
    }
    out
}

/// Figure 2 for a scene.
pub fn lvm_figure(scene: &Scene) -> LvmFigure {
    let orphans = scene
        .pvs
        .iter()
        .filter(|(_, vg)| vg.is_none())
        .map(|(path, _)| {
            let bytes = scene.nodes.get(&node_name(path)).map_or(0, |n| super::blocks::node_size(scene, n));
            PvView { device: path.clone(), size_text: size(bytes), pe_count: 0, free_pe: 0, runs: Vec::new() }
        })
        .collect();
    LvmFigure { vgs: scene.vgs.iter().map(|v| vg_view(scene, v)).collect(), orphans, candidates: candidates(scene) }
}
