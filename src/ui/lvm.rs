//! Figure 2: LVM's three tiers. PVs are strips of extents, a VG is the pool they
//! form, LVs are coloured runs of extents, and thin pools show virtual size
//! against allocated chunks.

use super::form::{form, value, Field, Values};
use crate::core::order::SmallSort;
use crate::view::{LvmFigure, PvView, VgView};
use crate::console::fmt::fixed;
use yew::prelude::*;

/// Wide screens put labels beside the strips; phones put them above.
#[derive(Clone, Copy)]
struct Layout {
    width: f64,
    strip_x: f64,
    strip_w: f64,
    /// Vertical offset of a strip below its label (0 when side by side).
    drop: f64,
    columns: usize,
}

const WIDE: Layout = Layout { width: 860.0, strip_x: 200.0, strip_w: 640.0, drop: 0.0, columns: 3 };
const NARROW: Layout = Layout { width: 420.0, strip_x: 16.0, strip_w: 388.0, drop: 32.0, columns: 1 };

pub struct LvmProps {
    pub figure: LvmFigure,
    pub active: Option<String>,
    pub compact: bool,
}

fn strip(vg: &VgView, pv: &PvView, y: f64, active: Option<&str>, l: Layout) -> Html {
    let (label_y, y) = (y, y + l.drop);
    let runs = pv.runs.iter().map(|r| {
        let x = l.strip_x + r.start_frac * l.strip_w;
        let w = (r.width_frac * l.strip_w).max(2.0);
        let key = r.lv.as_ref().map(|lv| format!("{}/{lv}@{}:{}", vg.name, pv.device, r.first_pe));
        match &r.lv {
            Some(lv) => {
                let owner = r.owner.as_deref().unwrap_or(lv);
                let color = vg.lvs.iter().find(|l| l.name == owner).map_or(8, |l| l.color % 8);
                let pulse = key.as_deref() == active || active.is_some_and(|a| a == format!("{}/{owner}", vg.name));
                let label = format!("{lv}: physical extents {}–{} on {}", r.first_pe, r.first_pe + r.count - 1, pv.device);
                html! {
                    <g class={format!("run c{color}{}", if pulse { " pulse" } else { "" })} data-lv={lv.clone()}>
                        <title>{ label }</title>
                        <rect x={fixed(x, 1)} y={fixed(y, 1)} width={fixed(w, 1)} height="30" />
                        if w > 70.0 { <text x={fixed(x + 5.0, 1)} y={fixed(y + 20.0, 1)} class="runlabel">{ owner }</text> }
                    </g>
                }
            }
            _ => html! { <rect class="run free" x={fixed(x, 1)} y={fixed(y, 1)} width={fixed(w, 1)} height="30"><title>{ format!("free: {} extents", r.count) }</title></rect> },
        }
    });
    html! {
        <g class="pv" data-dev={pv.device.trim_start_matches("/dev/").to_string()}>
            <text x="20" y={fixed(label_y + 13.0, 1)} class="pvname">{ format!("PV {}", pv.device) }</text>
            <text x="20" y={fixed(label_y + 28.0, 1)} class="pvsize">{ format!("{} · {} PE, {} free", pv.size_text, pv.pe_count, pv.free_pe) }</text>
            <rect class="strip" x={fixed(l.strip_x, 1)} y={fixed(y, 1)} width={fixed(l.strip_w, 1)} height="30" />
            { for runs }
        </g>
    }
}

/// Figure 2 (a plain function, not a component: it is redrawn with every
/// frame anyway; with Figure 1 the components cost 1.6 KiB gzipped).
pub fn lvm_figure(props: &LvmProps) -> Html {
    let l = if props.compact { NARROW } else { WIDE };
    let chip_w = (l.width - 40.0) / l.columns as f64 - 10.0;
    let mut y = 10.0;
    let mut groups = Vec::new();
    for vg in props.figure.vgs.iter() {
        let top = y;
        y += 34.0;
        let pv_rows: Vec<Html> = vg
            .pvs
            .iter()
            .map(|pv| {
                let h = strip(vg, pv, y, props.active.as_deref(), l);
                y += 42.0 + l.drop;
                h
            })
            .collect();
        let lv_chips: Vec<Html> = vg
            .lvs
            .iter()
            .enumerate()
            .map(|(i, lv)| {
                let cx = 20.0 + (i % l.columns) as f64 * (chip_w + 10.0);
                let cy = y + (i / l.columns) as f64 * 40.0;
                let spans = if lv.pvs.len() > 1 { format!(" · spans {}", lv.pvs.join(" + ")) } else { String::new() };
                let extra = match (&lv.mapped_frac, &lv.filesystem) {
                    (Some(f), _) => format!(" · {}% written", fixed(f * 100.0, 0)),
                    (None, Some(fs)) => format!(" · {fs}"),
                    _ => String::new(),
                };
                let class = format!("chip c{}{}", lv.color % 8, if lv.damaged { " damaged" } else { "" });
                html! {
                    <g class={class} data-dev={format!("{}-{}", vg.name, lv.name)}>
                        <title>{ format!("{}/{}: {} {}{}{}", vg.name, lv.name, lv.kind, lv.size_text, spans, if lv.damaged { " — the filesystem is larger than the LV: data beyond the end was destroyed" } else { "" }) }</title>
                        <rect x={fixed(cx, 1)} y={fixed(cy, 1)} width={fixed(chip_w, 1)} height="32" rx="6" />
                        <text x={fixed(cx + 8.0, 1)} y={fixed(cy + 14.0, 1)} class="lvname">{ format!("{} ({})", lv.name, lv.kind) }</text>
                        <text x={fixed(cx + 8.0, 1)} y={fixed(cy + 27.0, 1)} class="lvinfo">{ format!("{}{}{}", lv.size_text, extra, if lv.damaged { " · DAMAGED" } else { "" }) }</text>
                    </g>
                }
            })
            .collect();
        y += (vg.lvs.len().div_ceil(l.columns) as f64) * 40.0 + 4.0;
        let pools: Vec<Html> = vg
            .pools
            .iter()
            .map(|p| {
                let label_y = y;
                let py = y + l.drop;
                y += 46.0 + l.drop;
                let used_w = p.used_frac.clamp(0.0, 1.0) * l.strip_w;
                let danger = p.overcommit > 1.0;
                html! {
                    <g class={format!("pool{}{}", if danger { " overcommit" } else { "" }, if p.full { " full" } else { "" })} data-dev={format!("{}-{}", vg.name, p.name)}>
                        <text x="20" y={fixed(label_y + 14.0, 1)} class="pvname">{ format!("thin pool {}", p.name) }</text>
                        <text x="20" y={fixed(label_y + 29.0, 1)} class="pvsize">{ format!("{} real · {} promised", p.size_text, p.virtual_text) }</text>
                        <rect class="strip" x={fixed(l.strip_x, 1)} y={fixed(py, 1)} width={fixed(l.strip_w, 1)} height="30" />
                        <rect class="used" x={fixed(l.strip_x, 1)} y={fixed(py, 1)} width={fixed(used_w, 1)} height="30" />
                        <text x={fixed(l.strip_x + 8.0, 1)} y={fixed(py + 20.0, 1)} class="poollabel">
                            { format!("{}% of chunks used · over-commit {}×{}", fixed(p.used_frac * 100.0, 1), fixed(p.overcommit, 1), if p.full { " · FULL: writes fail" } else if danger { " · danger: promises exceed space" } else { "" }) }
                        </text>
                    </g>
                }
            })
            .collect();
        let height = y - top + 6.0;
        y += 16.0;
        groups.push(html! {
            <g key={vg.name.clone()} class="vg" data-vg={vg.name.clone()}>
                <rect class="vgbox" x="8" y={fixed(top, 1)} width={fixed(l.width - 16.0, 1)} height={fixed(height, 1)} rx="10" />
                <text x="20" y={fixed(top + 22.0, 1)} class="vgname">{ format!("VG {} · {} · {} free · extent {}", vg.name, vg.size_text, vg.free_text, vg.extent_text) }</text>
                { for pv_rows }
                { for lv_chips }
                { for pools }
            </g>
        });
    }
    let mut extra = Vec::new();
    if !props.figure.orphans.is_empty() {
        extra.push(html! { <text x="20" y={fixed(y + 16.0, 1)} class="pvname">{ format!("PVs not in a VG: {}", props.figure.orphans.iter().map(|p| format!("{} ({})", p.device, p.size_text)).collect::<Vec<_>>().join(", ")) }</text> });
        y += 26.0;
    }
    extra.push(html! { <text x="20" y={fixed(y + 16.0, 1)} class="pvsize">{ format!("Free devices for pvcreate: {}", if props.figure.candidates.is_empty() { "none".to_string() } else { props.figure.candidates.join(", ") }) }</text> });
    y += 28.0;
    html! {
        <svg id="figure" class="figure lvm" viewBox={format!("0 0 {} {}", fixed(l.width, 0), fixed(y, 0))} role="group"
             aria-label="LVM: physical volumes as strips of extents, pooled into volume groups and carved into logical volumes">
            { for groups }
            { for extra }
        </svg>
    }
}

pub struct LvmActionsProps {
    pub figure: LvmFigure,
    pub on_run: Callback<Vec<String>>,
    pub busy_dialog: bool,
}

/// Figure 2's toolbar; its fields' values live in the app's shared form
/// state (a plain function, not a component: smaller in the bundle).
pub fn lvm_actions(props: &LvmActionsProps, values: &Values, on_input: &Callback<(&'static str, String)>) -> Html {
    let fig = &props.figure;
    let vg = value(&values, "vg-name", "data_vg");
    let lv = value(&values, "lv-name", "my_volume");
    let size = value(&values, "lv-size", "10G");
    let delta = value(&values, "lv-delta", "5G");
    let vsize = value(&values, "thin-size", "50G");
    let data = value(&values, "write-mib", "1024");
    // PVs waiting for a VG come first, so Create VG picks up the PV just made.
    let devices: Vec<String> = fig.orphans.iter().map(|p| &p.device).chain(fig.candidates.iter()).cloned().collect();
    let dev = values.get("pv-device").filter(|d| devices.contains(d)).cloned().or_else(|| devices.first().cloned()).unwrap_or_default();
    let vgs: Vec<String> = fig.vgs.iter().map(|v| v.name.clone()).collect();
    let target_vg = if vgs.contains(&vg) { vg.clone() } else { vgs.first().cloned().unwrap_or_else(|| vg.clone()) };
    // The form's VG comes first in the volume list.
    let mut lvs: Vec<String> = fig.vgs.iter().flat_map(|v| v.lvs.iter().map(move |l| format!("{}/{}", v.name, l.name))).collect();
    let own = format!("{vg}/");
    lvs.small_sort_by_key(|l| !l.starts_with(&own));
    let target_lv = values.get("lv-target").filter(|l| lvs.contains(l)).cloned().or_else(|| lvs.first().cloned()).unwrap_or_default();
    // Thin actions work in the VG named in the form, falling back to any VG.
    let in_vg = |list: Vec<String>| {
        let own = format!("{target_vg}/");
        list.iter().rev().find(|p| p.starts_with(&own)).or(list.first()).cloned().unwrap_or_default()
    };
    let pool = in_vg(fig.vgs.iter().flat_map(|v| v.pools.iter().map(move |p| format!("{}/{}", v.name, p.name))).collect());
    let of_kind = |kind| -> Vec<String> { fig.vgs.iter().flat_map(|v| v.lvs.iter().filter(move |l| l.kind == kind).map(move |l| format!("{}/{}", v.name, l.name))).collect() };
    let thins = of_kind("thin");
    let thin_count = thins.len();
    let thin = in_vg(thins);
    #[cfg(feature = "thin-snapshots")]
    let snapshots = of_kind("thin snapshot");
    #[cfg(feature = "thin-snapshots")]
    let snapshot = in_vg(snapshots.clone());
    let free = !props.busy_dialog;
    let has_lv = free && !target_lv.is_empty();
    let mount_dir = format!("/mnt/{}", target_lv.rsplit('/').next().unwrap_or("data"));
    let pairs = |list: &[String]| list.iter().map(|x| (x.clone(), x.clone())).collect::<Vec<_>>();
    let button = |action, label, lines: Vec<String>, enabled| Field::Button { action, label, lines, enabled };
    let fields = vec![
        Field::Select { id: "pv-device", label: "Device ", options: pairs(&devices), value: dev.clone(), disabled: false },
        button("pvcreate", "Create PV", vec![format!("pvcreate {dev}")], free && fig.candidates.contains(&dev)),
        Field::Text { id: "vg-name", label: "VG ", value: vg.clone() },
        button("vgcreate", "Create VG", vec![format!("vgcreate {vg} {dev}")], free && !dev.is_empty() && !vgs.contains(&vg)),
        button("vgextend", "Extend VG", vec![format!("vgextend {target_vg} {dev}")], free && !dev.is_empty() && !vgs.is_empty()),
        Field::Break,
        Field::Text { id: "lv-name", label: "LV ", value: lv.clone() },
        Field::Text { id: "lv-size", label: "Size ", value: size.clone() },
        button("lvcreate", "Create LV", vec![format!("lvcreate -n {lv} -L {size} {target_vg}")], free && !vgs.is_empty()),
        Field::Select { id: "lv-target", label: "Volume ", options: pairs(&lvs), value: target_lv.clone(), disabled: false },
        Field::Text { id: "lv-delta", label: "By ", value: delta.clone() },
        button("lvextend", "Extend", vec![format!("lvextend -L +{delta} {target_lv}")], has_lv),
        button("lvreduce", "Reduce", vec![format!("lvreduce -L -{delta} {target_lv}")], has_lv),
        button("lvreduce-r", "Reduce with -r", vec![format!("lvreduce -r -L -{delta} {target_lv}")], has_lv),
        button("mkfs-mount", "mkfs + mount", vec![format!("mkfs.ext4 /dev/{target_lv}"), format!("mount /dev/{target_lv} {mount_dir}")], has_lv),
        Field::Break,
        button("thin-pool", "Thin pool", vec![format!("lvcreate --type thin-pool -L {size} -n thinpool {target_vg}")], free && !vgs.is_empty()),
        Field::Text { id: "thin-size", label: "Virtual ", value: vsize.clone() },
        button("thin-lv", "Thin LV", vec![format!("lvcreate -T {pool} -V {vsize} -n thin_{}", thin_count + 1)], free && !pool.is_empty()),
        Field::Text { id: "write-mib", label: "Write MiB ", value: data.clone() },
        button("write-thin", "Write data", vec![format!("dd if=/dev/urandom of=/dev/{thin} bs=1M count={data}")], free && !thin.is_empty()),
    ];
    #[cfg(feature = "thin-snapshots")]
    let fields = [
        fields,
        vec![
            button("thin-snapshot", "Snapshot", vec![format!("lvcreate -s -n {}_snap{} {thin}", thin.rsplit('/').next().unwrap_or_default(), snapshots.len() + 1)], free && !thin.is_empty()),
            button("thin-merge", "Roll back to it", vec![format!("lvconvert --merge {snapshot}")], free && !snapshot.is_empty()),
        ],
    ]
    .concat();
    form("LVM actions", &fields, on_input, &props.on_run, None)
}
