//! The figures' view-models: what each figure shows, computed from the shell's
//! state, with no drawing and no web types.
//!
//! The UI turns these into SVG; tests check them natively. Positions are
//! fractions of a disk or PV, so the drawing code only scales them.

use crate::core::order::SmallSort;
use crate::console::{Interactive, Shell};
use crate::console::fmt::{human_size, SizeStyle};
use crate::core::disk::{partition_name, Disk, Transport};
use crate::core::label::Label;
use crate::core::lvm::{LvKind, Vg};
use crate::core::device::DevId;
use crate::core::machine::Machine;
use crate::core::units::SECTOR_BYTES;

/// Where a partition exists.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PartState {
    /// Only in the open editor's memory: nothing written yet.
    Pending,
    /// Written to disk and registered by the kernel.
    Active,
    /// Written to disk, but the kernel refused to re-read (disk busy).
    WrittenNotActive,
    /// The kernel still uses it although the table on disk no longer has it.
    Stale,
}

#[derive(Debug, Clone, PartialEq)]
pub struct PartView {
    pub name: String,
    pub number: u32,
    pub start_frac: f64,
    pub width_frac: f64,
    pub size_text: String,
    pub type_name: String,
    pub state: PartState,
    /// What sits on it: "ext4 on /boot/efi", "PV of pve", ...
    pub holders: Vec<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct DiskView {
    pub name: String,
    pub transport: &'static str,
    pub size_text: String,
    pub model: String,
    pub label: Option<&'static str>,
    /// An editor (fdisk/sfdisk) has this disk open.
    pub editing: bool,
    pub busy: bool,
    pub parts: Vec<PartView>,
    /// How the kernel name is built.
    pub naming: String,
    pub holders: Vec<String>,
}

fn size(bytes: u64) -> String {
    human_size(bytes, SizeStyle::Letter)
}

/// The label an open editor holds for disk `index`, if any.
fn editing_label(shell: &Shell, index: DevId) -> Option<Label> {
    match &shell.interactive {
        Some(Interactive::Fdisk(s)) if s.disk() == index => Some(s.label().clone()),
        Some(Interactive::Sfdisk(s)) if s.disk() == index => s.label().cloned(),
        _ => None,
    }
}

/// Everything that sits on a device: a filesystem and its mount, swap, LVM.
pub fn holders(machine: &Machine, dev: Option<DevId>) -> Vec<String> {
    let Some(dev) = dev else { return Vec::new() };
    let mut v = Vec::new();
    if let Some(sig) = machine.probe(dev).filter(|s| s.fstype != crate::core::signature::FsType::LvmPv) {
        v.push(sig.fstype.name().to_string());
    }
    for m in machine.mounts().iter().filter(|m| m.dev == dev) {
        v.push(format!("mounted on {}", m.target));
    }
    if machine.swaps().contains(&dev) {
        v.push("active swap".into());
    }
    if let Some(pv) = machine.lvm().pv(dev) {
        v.push(match &pv.vg_name {
            Some(vg) => format!("LVM PV in VG {vg}"),
            None => "LVM PV (no VG)".into(),
        });
    }
    v
}

/// Explains a kernel name: controller, namespace, partition.
pub fn naming(disk: &Disk) -> String {
    match disk.transport {
        Transport::Sata => {
            let letter = disk.name.trim_start_matches("sd");
            format!("sd = SCSI/SATA disk, '{letter}' = disk #{} in probe order; partitions add a number: {}", crate::core::disk::sd_index(&disk.name) + 1, partition_name(&disk.name, 1))
        }
        Transport::Nvme => {
            let rest = disk.name.trim_start_matches("nvme");
            let (ctrl, ns) = rest.split_once('n').unwrap_or((rest, "1"));
            format!("nvme{ctrl} = NVMe controller {ctrl}, n{ns} = namespace {ns}; partitions add p + number: {}", partition_name(&disk.name, 1))
        }
        Transport::Loop => format!("a loop device backed by a file; partitions: {}", partition_name(&disk.name, 1)),
    }
}

/// Maps sector ranges to display fractions: every interval covered by a
/// partition gets at least `min_frac` of the bar so tiny partitions (a 1 MiB BIOS
/// boot partition on a 500 GB disk) stay visible; free space shares the rest.
pub fn display_scale(total: u64, ranges: &[(u64, u64)], min_frac: f64) -> impl Fn(u64) -> f64 {
    let mut points: Vec<u64> = vec![0, total];
    for &(start, len) in ranges {
        points.push(start.min(total));
        points.push((start + len).min(total));
    }
    crate::core::order::small_sort(&mut points);
    points.dedup();
    let total_f = total.max(1) as f64;
    let props: Vec<(f64, bool)> = points
        .windows(2)
        .map(|w| {
            let prop = (w[1] - w[0]) as f64 / total_f;
            let covered = ranges.iter().any(|&(s, l)| s <= w[0] && w[1] <= s + l);
            (prop, covered && prop < min_frac)
        })
        .collect();
    // Small covered intervals get exactly `min_frac`; the rest share what is left.
    let fixed: f64 = props.iter().filter(|p| p.1).count() as f64 * min_frac;
    let budget = (1.0 - fixed).max(0.0);
    let flexible: f64 = props.iter().filter(|p| !p.1).map(|p| p.0).sum::<f64>().max(f64::MIN_POSITIVE);
    let weights: Vec<f64> = props.iter().map(|&(prop, small)| if small { min_frac } else { prop / flexible * budget }).collect();
    let sum: f64 = weights.iter().sum::<f64>().max(f64::MIN_POSITIVE);
    let mut cumulative = vec![0.0];
    for w in &weights {
        cumulative.push(cumulative.last().copied().unwrap_or(0.0) + w / sum);
    }
    move |sector: u64| {
        let i = points.partition_point(|p| *p <= sector).saturating_sub(1).min(points.len().saturating_sub(2));
        let (a, b) = (points[i], points[i + 1].max(points[i] + 1));
        let t = ((sector.min(b) - a.min(sector)) as f64 / (b - a) as f64).clamp(0.0, 1.0);
        cumulative[i] + t * (cumulative[i + 1] - cumulative[i])
    }
}

/// Figure 1: disks and their partitions, merging the editor's, the disk's and
/// the kernel's view of each table.
pub fn block_figure(shell: &Shell) -> Vec<DiskView> {
    let m = &shell.machine;
    let mut disks: Vec<&Disk> = m.disks().iter().collect();
    disks.small_sort_by_key(|d| (d.major, d.minor));
    disks
        .into_iter()
        .map(|d| {
            let i = d.dev;
            let on_disk = d.label();
            let editing = editing_label(shell, i);
            let shown = editing.clone().or_else(|| on_disk.clone());
            let mut parts = Vec::new();
            let mut ranges: Vec<(u64, u64)> = shown.iter().flat_map(|l| l.partitions.iter().map(|p| (p.start_lba, p.size_sectors))).collect();
            ranges.extend(d.kernel_partitions.iter().map(|k| (k.start_lba, k.size_sectors)));
            let scale = display_scale(d.total_sectors(), &ranges, 0.1);
            let part_view = |number: u32, start: u64, len: u64, type_name: &str, state: PartState| {
                let name = d.partition_name(number);
                PartView {
                    holders: holders(m, m.resolve(&format!("/dev/{name}"))),
                    name,
                    number,
                    start_frac: scale(start),
                    width_frac: (scale(start.saturating_add(len)) - scale(start)).max(0.0),
                    size_text: size(len * SECTOR_BYTES),
                    type_name: type_name.to_string(),
                    state,
                }
            };
            if let Some(label) = &shown {
                for p in &label.partitions {
                    let written = on_disk.as_ref().and_then(|l| l.partition(p.number)).is_some_and(|q| q.start_lba == p.start_lba && q.size_sectors == p.size_sectors);
                    let in_kernel = d.kernel_partitions.iter().any(|k| k.number == p.number && k.start_lba == p.start_lba);
                    let state = match (written, in_kernel) {
                        (true, true) => PartState::Active,
                        (true, false) => PartState::WrittenNotActive,
                        (false, true) => PartState::Active,
                        (false, false) => PartState::Pending,
                    };
                    parts.push(part_view(p.number, p.start_lba, p.size_sectors, p.part_type.name(), state));
                }
            }
            for k in &d.kernel_partitions {
                let still_shown = shown.as_ref().is_some_and(|l| l.partition(k.number).is_some_and(|p| p.start_lba == k.start_lba));
                if !still_shown {
                    parts.push(part_view(k.number, k.start_lba, k.size_sectors, "(old table)", PartState::Stale));
                }
            }
            DiskView {
                name: d.name.clone(),
                transport: match d.transport {
                    Transport::Sata => "SATA",
                    Transport::Nvme => "NVMe",
                    Transport::Loop => "loop",
                },
                size_text: size(d.size_bytes),
                model: d.model.clone().unwrap_or_default(),
                label: shown.map(|l| l.kind.name()),
                editing: editing.is_some(),
                busy: m.disk_busy(i),
                parts,
                naming: naming(d),
                holders: holders(m, Some(d.dev)),
            }
        })
        .collect()
}

/// One run of extents on a PV strip.
#[derive(Debug, Clone, PartialEq)]
pub struct Run {
    pub lv: Option<String>,
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
    /// Index into the figure's palette, stable per LV name within the VG.
    pub color: usize,
    pub pvs: Vec<String>,
    pub filesystem: Option<String>,
    /// A filesystem larger than its LV: shrunk without shrinking the fs first.
    pub damaged: bool,
    /// Thin volumes: fraction of virtual size that is mapped.
    pub mapped_frac: Option<f64>,
    pub pool: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct PoolView {
    pub name: String,
    pub size_text: String,
    pub used_frac: f64,
    pub virtual_text: String,
    /// Sum of thin sizes / pool size.
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

fn color_of(vg: &Vg, lv: &str) -> usize {
    vg.lvs.iter().filter(|l| !l.is_hidden() || l.part_of_pool().is_some()).position(|l| l.name == lv).unwrap_or(0)
}

/// Figure 2: PVs as strips of extents, pooled into VGs, carved into LVs.
pub fn lvm_figure(machine: &Machine) -> LvmFigure {
    let lvm = machine.lvm();
    let vgs = lvm
        .vgs
        .iter()
        .map(|vg| {
            let e = vg.extent_size_bytes;
            let pvs = vg
                .pvs
                .iter()
                .filter_map(|d| lvm.pv(*d))
                .map(|pv| {
                    let total = pv.pe_count.max(1) as f64;
                    let mut runs: Vec<Run> = vg
                        .lvs
                        .iter()
                        .flat_map(|l| l.segments.iter().filter(|s| s.pv == pv.dev).map(move |s| (l.name.clone(), s)))
                        .map(|(name, s)| Run {
                            lv: Some(name),
                            start_frac: s.pe_start as f64 / total,
                            width_frac: s.extent_count as f64 / total,
                            first_pe: s.pe_start,
                            count: s.extent_count,
                        })
                        .collect();
                    runs.extend(lvm.free_runs(pv).into_iter().map(|(start, count)| Run {
                        lv: None,
                        start_frac: start as f64 / total,
                        width_frac: count as f64 / total,
                        first_pe: start,
                        count,
                    }));
                    runs.small_sort_by_key(|r| r.first_pe);
                    PvView {
                        device: pv.name.clone(),
                        size_text: size(pv.pe_count * e),
                        pe_count: pv.pe_count,
                        free_pe: lvm.pv_free_extents(pv),
                        runs,
                    }
                })
                .collect();
            let lvs = vg
                .lvs
                .iter()
                .filter(|l| !l.is_hidden())
                .map(|l| {
                    let dev = machine.lv_dev(&vg.name, &l.name);
                    let fs = dev.and_then(|d| machine.probe(d)).filter(|s| s.fstype.is_filesystem() || s.fstype == crate::core::signature::FsType::Swap);
                    let size_bytes = vg.lv_size_bytes(l);
                    let (kind, mapped, pool) = match &l.kind {
                        LvKind::Linear => ("linear", None, None),
                        LvKind::ThinPool(_) => ("thin pool", None, None),
                        LvKind::Thin { pool, map, virtual_bytes } => {
                            let chunk = vg.lv(pool).and_then(|p| p.pool()).map_or(65536, |p| p.chunk_size_bytes);
                            ("thin", Some((map.mapped() * chunk) as f64 / (*virtual_bytes).max(1) as f64), Some(pool.clone()))
                        }
                        _ => ("hidden", None, None),
                    };
                    let mut pvs: Vec<String> = l.segments.iter().map(|s| lvm.pv_name(s.pv)).collect();
                    if l.is_pool() {
                        pvs = vg.pool_data(&l.name).map(|d| d.segments.iter().map(|s| lvm.pv_name(s.pv)).collect()).unwrap_or_default();
                    }
                    pvs.dedup();
                    LvView {
                        name: l.name.clone(),
                        size_text: size(size_bytes),
                        kind,
                        color: color_of(vg, &l.name),
                        pvs,
                        filesystem: fs.as_ref().map(|f| {
                            let mount = machine.mounts().iter().find(|m| Some(m.dev) == dev).map(|m| format!(" on {}", m.target)).unwrap_or_default();
                            format!("{}{mount}", f.fstype.name())
                        }),
                        damaged: fs.is_some_and(|f| f.size_bytes > size_bytes),
                        mapped_frac: mapped,
                        pool,
                    }
                })
                .collect();
            let pools = vg
                .lvs
                .iter()
                .filter_map(|l| match &l.kind {
                    LvKind::ThinPool(p) => {
                        let (used_chunks, out_of_space) = (p.used_chunks(), p.out_of_space);
                        let total = crate::core::lvm::Lvm::pool_total_chunks(vg, l).max(1);
                        let size_bytes = vg.lv_size_bytes(l);
                        let virt = lvm.thin_virtual_total(vg, &l.name);
                        Some(PoolView {
                            name: l.name.clone(),
                            size_text: size(size_bytes),
                            used_frac: used_chunks as f64 / total as f64,
                            virtual_text: size(virt),
                            overcommit: virt as f64 / size_bytes.max(1) as f64,
                            full: out_of_space,
                        })
                    }
                    _ => None,
                })
                .collect();
            VgView {
                name: vg.name.clone(),
                size_text: size(lvm.vg_extent_count(vg) * e),
                free_text: size(lvm.vg_free_extents(vg) * e),
                extent_text: human_size(e, SizeStyle::Iec),
                pvs,
                lvs,
                pools,
            }
        })
        .collect();
    let orphans = lvm
        .pvs
        .iter()
        .filter(|p| p.vg_name.is_none())
        .map(|p| PvView { device: p.name.clone(), size_text: size(p.dev_size_bytes), pe_count: 0, free_pe: 0, runs: Vec::new() })
        .collect();
    let mut candidates = Vec::new();
    for d in machine.disks() {
        if d.kernel_partitions.is_empty() && d.label().is_none_or(|l| l.partitions.is_empty()) && holders(machine, Some(d.dev)).is_empty() {
            candidates.push(d.path());
        }
        let label = d.label();
        for k in &d.kernel_partitions {
            let path = format!("/dev/{}", d.partition_name(k.number));
            // Boot partitions hold firmware data; they are never offered for LVM.
            let boot = label.as_ref().and_then(|l| l.partition(k.number)).is_some_and(|p| matches!(p.part_type.name(), "BIOS boot" | "EFI System" | "Extended"));
            if holders(machine, Some(k.dev)).is_empty() && !boot {
                candidates.push(path);
            }
        }
    }
    LvmFigure { vgs, orphans, candidates }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tiny_partitions_stay_visible_and_order_is_kept() {
        let total = 1 << 30;
        let ranges = [(34, 2014), (2048, 2 << 20), ((2 << 20) + 2048, total - (2 << 20) - 4096)];
        let f = display_scale(total, &ranges, 0.1);
        assert!(f(2048) - f(34) >= 0.099);
        assert!(f(0) == 0.0 && (f(total) - 1.0).abs() < 1e-9);
        let mut last = 0.0;
        for p in [0, 34, 2048, 5000, 1 << 22, total] {
            assert!(f(p) >= last);
            last = f(p);
        }
    }
}
