//! Figure 2: LVM's three tiers. PVs are strips of extents, a VG is the pool they
//! form, LVs are coloured runs of extents, and thin pools show virtual size
//! against allocated chunks.

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

#[derive(Properties, PartialEq)]
pub struct LvmProps {
    pub figure: LvmFigure,
    pub hidden: Vec<String>,
    pub active: Option<String>,
    #[prop_or_default]
    pub compact: bool,
}

fn strip(vg: &VgView, pv: &PvView, y: f64, hidden: &[String], active: Option<&str>, l: Layout) -> Html {
    let (label_y, y) = (y, y + l.drop);
    let runs = pv.runs.iter().map(|r| {
        let x = l.strip_x + r.start_frac * l.strip_w;
        let w = (r.width_frac * l.strip_w).max(2.0);
        let key = r.lv.as_ref().map(|lv| format!("{}/{lv}@{}:{}", vg.name, pv.device, r.first_pe));
        let waiting = key.as_ref().is_some_and(|k| hidden.contains(k)) || r.lv.as_ref().is_some_and(|lv| hidden.contains(&format!("{}/{lv}", vg.name)));
        match (&r.lv, waiting) {
            (Some(lv), false) => {
                // A pool's hidden data and metadata LVs take the pool's colour.
                let owner = lv.strip_suffix("_tdata").or_else(|| lv.strip_suffix("_tmeta")).unwrap_or(lv);
                let color = vg.lvs.iter().find(|l| l.name == owner).map_or(8, |l| l.color % 8);
                let pulse = key.as_deref() == active;
                let label = format!("{lv}: physical extents {}–{} on {}", r.first_pe, r.first_pe + r.count - 1, pv.device);
                html! {
                    <g class={format!("run c{color}{}", if pulse { " pulse" } else { "" })} data-lv={lv.clone()}>
                        <title>{ label }</title>
                        <rect x={fixed(x, 1)} y={fixed(y, 1)} width={fixed(w, 1)} height="30" />
                        if w > 70.0 { <text x={fixed(x + 5.0, 1)} y={fixed(y + 20.0, 1)} class="runlabel">{ lv.trim_end_matches("_tdata").trim_end_matches("_tmeta") }</text> }
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

#[function_component(LvmFigureView)]
pub fn lvm_figure(props: &LvmProps) -> Html {
    let l = if props.compact { NARROW } else { WIDE };
    let chip_w = (l.width - 40.0) / l.columns as f64 - 10.0;
    let mut y = 10.0;
    let mut groups = Vec::new();
    for vg in props.figure.vgs.iter().filter(|v| !props.hidden.contains(&v.name)) {
        let top = y;
        y += 34.0;
        let pv_rows: Vec<Html> = vg
            .pvs
            .iter()
            .map(|pv| {
                let h = strip(vg, pv, y, &props.hidden, props.active.as_deref(), l);
                y += 42.0 + l.drop;
                h
            })
            .collect();
        let lv_chips: Vec<Html> = vg
            .lvs
            .iter()
            .filter(|l| !props.hidden.contains(&format!("{}/{}", vg.name, l.name)))
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
                        <text x={fixed(l.strip_x + 8.0, 1)} y={fixed(py + 20.0, 1)} class="runlabel">
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

#[derive(Properties, PartialEq)]
pub struct LvmActionsProps {
    pub figure: LvmFigure,
    pub on_run: Callback<Vec<String>>,
    pub busy_dialog: bool,
}

fn text_input(id: &'static str, label: &'static str, state: &UseStateHandle<String>) -> Html {
    let s = state.clone();
    let oninput = Callback::from(move |e: InputEvent| {
        let el: web_sys::HtmlInputElement = e.target_unchecked_into();
        s.set(el.value());
    });
    html! { <label>{ label }<input id={id} class="short" value={(**state).clone()} {oninput} /></label> }
}

fn select(id: &'static str, label: &'static str, options: &[String], state: &UseStateHandle<String>) -> Html {
    let s = state.clone();
    let onchange = Callback::from(move |e: Event| {
        let el: web_sys::HtmlSelectElement = e.target_unchecked_into();
        s.set(el.value());
    });
    let current = if options.contains(state) { (**state).clone() } else { options.first().cloned().unwrap_or_default() };
    html! {
        <label>{ label }
            <select id={id} {onchange} disabled={options.is_empty()}>
                { for options.iter().map(|o| html! { <option value={o.clone()} selected={*o == current}>{ o }</option> }) }
            </select>
        </label>
    }
}

#[function_component(LvmActions)]
pub fn lvm_actions(props: &LvmActionsProps) -> Html {
    let device = use_state(String::new);
    let vg = use_state(|| "data_vg".to_string());
    let lv = use_state(|| "my_volume".to_string());
    let size = use_state(|| "10G".to_string());
    let delta = use_state(|| "5G".to_string());
    let vsize = use_state(|| "50G".to_string());
    let data = use_state(|| "1024".to_string());

    // PVs waiting for a VG come first, so Create VG picks up the PV just made.
    let devices: Vec<String> = props.figure.orphans.iter().map(|p| &p.device).chain(props.figure.candidates.iter()).cloned().collect();
    let dev = if devices.contains(&device) { (*device).clone() } else { devices.first().cloned().unwrap_or_default() };
    let vgs: Vec<String> = props.figure.vgs.iter().map(|v| v.name.clone()).collect();
    // The form's VG comes first in the volume list.
    let mut lvs: Vec<String> = props.figure.vgs.iter().flat_map(|v| v.lvs.iter().map(move |l| format!("{}/{}", v.name, l.name))).collect();
    let own = format!("{}/", *vg);
    lvs.small_sort_by_key(|l| !l.starts_with(&own));
    let pools: Vec<String> = props.figure.vgs.iter().flat_map(|v| v.pools.iter().map(move |p| format!("{}/{}", v.name, p.name))).collect();
    let thins: Vec<String> = props.figure.vgs.iter().flat_map(|v| v.lvs.iter().filter(|l| l.kind == "thin").map(move |l| format!("{}/{}", v.name, l.name))).collect();
    let target_vg = if vgs.contains(&vg) { (*vg).clone() } else { vgs.first().cloned().unwrap_or_else(|| (*vg).clone()) };
    let lv_pick = use_state(String::new);
    let target_lv = if lvs.contains(&lv_pick) { (*lv_pick).clone() } else { lvs.first().cloned().unwrap_or_default() };
    // Thin actions work in the VG named in the form, falling back to any VG.
    let in_vg = |list: &[String]| {
        let own = format!("{target_vg}/");
        list.iter().rev().find(|p| p.starts_with(&own)).or(list.first()).cloned().unwrap_or_default()
    };
    let pool = in_vg(&pools);
    let thin = in_vg(&thins);
    let lock = props.busy_dialog;
    let run = |lines: Vec<String>| {
        let cb = props.on_run.clone();
        Callback::from(move |_: MouseEvent| cb.emit(lines.clone()))
    };
    let button = |action: &'static str, label: &'static str, lines: Vec<String>, enabled: bool| {
        html! { <button data-action={action} title={lines.join(" ⏎ ")} onclick={run(lines.clone())} disabled={lock || !enabled}>{ label }</button> }
    };
    let vg_name = (*vg).clone();
    let mount_dir = format!("/mnt/{}", target_lv.rsplit('/').next().unwrap_or("data"));
    html! {
        <div class="actions" role="toolbar" aria-label="LVM actions">
            { select("pv-device", "Device ", &devices, &device) }
            { button("pvcreate", "Create PV", vec![format!("pvcreate {dev}")], props.figure.candidates.contains(&dev)) }
            { text_input("vg-name", "VG ", &vg) }
            { button("vgcreate", "Create VG", vec![format!("vgcreate {vg_name} {dev}")], !dev.is_empty() && !vgs.contains(&vg_name)) }
            { button("vgextend", "Extend VG", vec![format!("vgextend {target_vg} {dev}")], !dev.is_empty() && !vgs.is_empty()) }
            <span class="sep" aria-hidden="true"></span>
            { text_input("lv-name", "LV ", &lv) }
            { text_input("lv-size", "Size ", &size) }
            { button("lvcreate", "Create LV", vec![format!("lvcreate -n {} -L {} {target_vg}", *lv, *size)], !vgs.is_empty()) }
            { select("lv-target", "Volume ", &lvs, &lv_pick) }
            { text_input("lv-delta", "By ", &delta) }
            { button("lvextend", "Extend", vec![format!("lvextend -L +{} {target_lv}", *delta)], !target_lv.is_empty()) }
            { button("lvreduce", "Reduce", vec![format!("lvreduce -L -{} {target_lv}", *delta)], !target_lv.is_empty()) }
            { button("lvreduce-r", "Reduce with -r", vec![format!("lvreduce -r -L -{} {target_lv}", *delta)], !target_lv.is_empty()) }
            { button("mkfs-mount", "mkfs + mount", vec![format!("mkfs.ext4 /dev/{target_lv}"), format!("mount /dev/{target_lv} {mount_dir}")], !target_lv.is_empty()) }
            <span class="sep" aria-hidden="true"></span>
            { button("thin-pool", "Thin pool", vec![format!("lvcreate --type thin-pool -L {} -n thinpool {target_vg}", *size)], !vgs.is_empty()) }
            { text_input("thin-size", "Virtual ", &vsize) }
            { button("thin-lv", "Thin LV", vec![format!("lvcreate -T {pool} -V {} -n thin_{}", *vsize, thins.len() + 1)], !pool.is_empty()) }
            { text_input("write-mib", "Write MiB ", &data) }
            { button("write-thin", "Write data", vec![format!("dd if=/dev/urandom of=/dev/{thin} bs=1M count={}", *data)], !thin.is_empty()) }
        </div>
    }
}
