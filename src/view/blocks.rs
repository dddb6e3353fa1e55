//! Figure 1's view-model: disks as bars of partitions (merging the editor's,
//! the disk's and the kernel's tables) and the whole lsblk tree below them.

use crate::core::order::{small_sort, SmallSort};
use super::scene::{NodeKind, SDisk, SNode, Scene};
use crate::console::fmt::{human_size, SizeStyle};
use crate::core::disk::partition_name;
use crate::core::event::PartInfo;

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
    /// What sits on it: "ext4", "mounted on /boot/efi", "LVM PV in VG pve".
    pub holders: Vec<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct DiskView {
    pub name: String,
    pub transport: &'static str,
    pub size_text: String,
    pub label: Option<&'static str>,
    /// An editor (fdisk/sfdisk) has this disk open.
    pub editing: bool,
    pub busy: bool,
    pub parts: Vec<PartView>,
    /// How the kernel name is built.
    pub naming: String,
    pub holders: Vec<String>,
}

/// One row of lsblk's tree: a device at a depth, with what is on it.
#[derive(Debug, Clone, PartialEq)]
pub struct TreeRow {
    pub name: String,
    pub depth: usize,
    /// `disk`, `part` or `lvm`.
    pub kind: &'static str,
    pub size_text: String,
    /// FSTYPE, with `PV of VG` for LVM members.
    pub what: String,
    pub mounts: Vec<String>,
    /// A whole-disk PV (no partition table) is marked so.
    pub whole_disk_pv: bool,
    /// The filesystem is larger than its device.
    pub damaged: bool,
}

fn size(bytes: u64) -> String {
    human_size(bytes, SizeStyle::Letter)
}

/// Everything that sits on a node: a filesystem and its mount, swap, LVM.
pub fn holders(scene: &Scene, name: &str) -> Vec<String> {
    let Some(n) = scene.nodes.get(name) else { return Vec::new() };
    let mut v = Vec::new();
    match n.fstype.as_deref() {
        Some("LVM2_member") => {
            let vg = scene.pvs.iter().find(|(p, _)| super::scene::node_name(p) == name).and_then(|(_, vg)| vg.clone());
            v.push(vg.map_or("LVM PV (no VG)".into(), |vg| format!("LVM PV in VG {vg}")));
        }
        Some(fs) => v.push(fs.to_string()),
        None => {}
    }
    v.extend(n.mounts.iter().map(|m| format!("mounted on {m}")));
    if n.swap {
        v.push("active swap".into());
    }
    v
}

/// Explains a kernel name: controller, namespace, partition.
pub fn naming(name: &str, transport: &str) -> String {
    match transport {
        "SATA" => {
            let letter = name.trim_start_matches("sd");
            format!("sd = SCSI/SATA disk, '{letter}' = disk #{} in probe order; partitions add a number: {}", crate::core::disk::sd_index(name) + 1, partition_name(name, 1))
        }
        "NVMe" => {
            let rest = name.trim_start_matches("nvme");
            let (ctrl, ns) = rest.split_once('n').unwrap_or((rest, "1"));
            format!("nvme{ctrl} = NVMe controller {ctrl}, n{ns} = namespace {ns}; partitions add p + number: {}", partition_name(name, 1))
        }
        _ => format!("a loop device backed by a file; partitions: {}", partition_name(name, 1)),
    }
}

/// Maps sector ranges to display fractions: every interval covered by a
/// partition gets at least `min_frac` of the bar so tiny partitions (a 1 MiB BIOS
/// boot partition on a 500 GB disk) stay visible; free space shares the rest.
pub fn display_scale(total: u64, ranges: &[(u64, u64)], min_frac: f64) -> impl Fn(u64) -> f64 {
    let mut points: Vec<u64> = vec![0, total];
    for &(start, len) in ranges {
        points.push(start.min(total));
        points.push(start.saturating_add(len).min(total));
    }
    small_sort(&mut points);
    points.dedup();
    let total_f = total.max(1) as f64;
    let props: Vec<(f64, bool)> = points
        .windows(2)
        .map(|w| {
            let prop = (w[1] - w[0]) as f64 / total_f;
            let covered = ranges.iter().any(|&(s, l)| s <= w[0] && w[1] <= s.saturating_add(l));
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

/// The partitions a disk's bar shows, with their states.
fn parts_of(d: &SDisk) -> Vec<(PartInfo, PartState)> {
    let shown: &[PartInfo] = d.editor.as_ref().map_or(&d.table, |e| &e.1);
    let mut out = Vec::new();
    for p in shown {
        let written = d.table.iter().any(|q| q.number == p.number && q.start_lba == p.start_lba && q.size_sectors == p.size_sectors);
        let in_kernel = d.kernel.iter().any(|k| k.0 == p.number && k.1 == p.start_lba);
        let state = match (written, in_kernel) {
            (true, false) => PartState::WrittenNotActive,
            (false, false) => PartState::Pending,
            _ => PartState::Active,
        };
        out.push((p.clone(), state));
    }
    for &(number, start, sectors) in &d.kernel {
        if !shown.iter().any(|p| p.number == number && p.start_lba == start) {
            let info = PartInfo { number, start_lba: start, size_sectors: sectors, type_name: "(old table)".into() };
            out.push((info, PartState::Stale));
        }
    }
    out
}

/// Figure 1: each disk with its partitions.
pub fn disk_views(scene: &Scene) -> Vec<DiskView> {
    scene.disks.iter().map(|d| disk_view(scene, d)).collect()
}

fn disk_view(scene: &Scene, d: &SDisk) -> DiskView {
    let parts = parts_of(d);
    let ranges: Vec<(u64, u64)> = parts.iter().map(|(p, _)| (p.start_lba, p.size_sectors)).collect();
    let total = d.size_bytes / 512;
    let scale = display_scale(total, &ranges, 0.1);
    let busy = d.kernel.iter().any(|k| {
        let n = partition_name(&d.name, k.0);
        scene.nodes.get(&n).is_some_and(|node| !node.mounts.is_empty() || node.swap) || scene.nodes.values().any(|c| c.kind == NodeKind::Lvm && c.parents.contains(&n))
    });
    let views = parts
        .into_iter()
        .map(|(p, state)| {
            let name = partition_name(&d.name, p.number);
            PartView {
                holders: if state == PartState::Pending { Vec::new() } else { holders(scene, &name) },
                name,
                number: p.number,
                start_frac: scale(p.start_lba),
                width_frac: (scale(p.start_lba.saturating_add(p.size_sectors)) - scale(p.start_lba)).max(0.0),
                size_text: size(p.size_sectors * 512),
                type_name: p.type_name,
                state,
            }
        })
        .collect();
    DiskView {
        name: d.name.clone(),
        transport: d.transport,
        size_text: size(d.size_bytes),
        label: d.editor.as_ref().map(|e| e.0).or(d.label),
        editing: d.editor.is_some(),
        busy,
        parts: views,
        naming: naming(&d.name, d.transport),
        holders: holders(scene, &d.name),
    }
}

/// The bytes a tree node shows: its own size, or its LV's.
pub fn node_size(scene: &Scene, n: &SNode) -> u64 {
    match &n.lv {
        Some((vg, lv, _)) => scene.vg(vg).map_or(0, |v| super::lvm::lv_bytes(v, lv)),
        None => n.size_bytes,
    }
}

/// lsblk's tree: each disk, its partitions, then the devices built on each.
pub fn tree(scene: &Scene) -> Vec<TreeRow> {
    let mut rows = Vec::new();
    for d in &scene.disks {
        add_rows(scene, &d.name, 0, &mut rows);
    }
    rows
}

fn add_rows(scene: &Scene, name: &str, depth: usize, rows: &mut Vec<TreeRow>) {
    let Some(n) = scene.nodes.get(name) else { return };
    let pv_of = scene.pvs.iter().find(|(p, _)| super::scene::node_name(p) == name).map(|(_, vg)| vg.clone());
    let what = match (&pv_of, n.fstype.as_deref()) {
        (Some(Some(vg)), _) => format!("LVM PV of {vg}"),
        (Some(None), _) => "LVM PV".into(),
        (None, Some(fs)) => fs.to_string(),
        (None, None) => String::new(),
    };
    let has_parts = scene.nodes.values().any(|c| c.kind == NodeKind::Part && c.parents.iter().any(|p| p == name));
    rows.push(TreeRow {
        name: name.to_string(),
        depth,
        kind: match n.kind {
            NodeKind::Disk => "disk",
            NodeKind::Part => "part",
            NodeKind::Lvm => "lvm",
        },
        size_text: size(node_size(scene, n)),
        what,
        mounts: n.mounts.iter().cloned().chain(n.swap.then(|| "[SWAP]".to_string())).collect(),
        whole_disk_pv: n.kind == NodeKind::Disk && pv_of.is_some() && !has_parts,
        damaged: n.damaged,
    });
    let mut children: Vec<(&String, &SNode)> = scene.nodes.iter().filter(|(_, c)| c.parents.iter().any(|p| p == name)).collect();
    children.small_sort_by_key(|(cn, c)| (c.kind != NodeKind::Lvm, (*cn).clone()));
    for (cn, _) in children {
        add_rows(scene, cn, depth + 1, rows);
    }
}

/// Types that hold other partitions or firmware, never data.
pub fn is_extended(type_name: &str) -> bool {
    matches!(type_name, "Extended" | "W95 Ext'd (LBA)" | "Linux extended")
}

/// The lines a "New partition" click types for `disk`, following the prompts
/// fdisk 2.38 asks in this state: on a DOS disk it asks primary or logical
/// only when both are possible, and the number only when several slots are
/// free. None when fdisk could add nothing (four primaries, no extended).
pub fn new_partition_lines(disk: &DiskView, size: &str) -> Option<Vec<String>> {
    let mut lines = Vec::new();
    if !disk.editing {
        lines.push(format!("fdisk /dev/{}", disk.name));
        if disk.label.is_none() {
            lines.push("g".into());
        }
    }
    lines.push("n".into());
    if disk.label == Some("dos") {
        let live: Vec<&PartView> = disk.parts.iter().filter(|p| p.state != PartState::Stale && p.number <= 4).collect();
        let extended = live.iter().any(|p| is_extended(&p.type_name));
        let free_slots = 4 - live.len().min(4);
        match (free_slots, extended) {
            (0, false) => return None,
            // All four slots used, one of them extended: fdisk adds a logical partition without asking.
            (0, true) => {}
            (n, _) => {
                lines.push("p".into());
                if n > 1 {
                    lines.push(String::new());
                }
            }
        }
    } else {
        lines.push(String::new());
    }
    lines.push(String::new());
    lines.push(size.to_string());
    Some(lines)
}

/// The lines a "Delete partition" click types.
pub fn delete_partition_lines(disk: &DiskView, number: u32) -> Vec<String> {
    let mut lines = Vec::new();
    if !disk.editing {
        lines.push(format!("fdisk /dev/{}", disk.name));
    }
    lines.push("d".into());
    let count = disk.parts.iter().filter(|p| p.state != PartState::Stale).count();
    if count > 1 {
        lines.push(number.to_string());
    }
    lines
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
