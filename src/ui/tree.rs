//! Figure 1's lower half: the whole `lsblk` tree, nested as lsblk nests it,
//! with filesystems, PV membership, LVs and mount points.

use crate::view::TreeRow;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct TreeProps {
    pub rows: Vec<TreeRow>,
    pub focus: Option<String>,
}

fn row(i: usize, r: &TreeRow, focus: Option<&str>) -> Html {
    let class = classes!("trow", r.kind, (focus == Some(r.name.as_str())).then_some("pulse"), r.damaged.then_some("damaged"), r.whole_disk_pv.then_some("wholepv"));
    // 1.4em per level in tenths: formatting an f64 pulls 11 KB of float printing into the wasm.
    let indent = format!("padding-left: {}.{}em", r.depth * 14 / 10, r.depth * 14 % 10);
    let branch = if r.depth == 0 { "" } else { "└─" };
    html! {
        <tr key={format!("{i}:{}", r.name)} class={class} data-node={r.name.clone()}>
            <td class="tname" style={indent}>{ branch }{ &r.name }</td>
            <td>{ r.kind }</td>
            <td class="num">{ &r.size_text }</td>
            <td>
                { &r.what }
                if r.whole_disk_pv { <span class="tag">{ " whole disk, no partition table" }</span> }
                if r.damaged { <span class="tag bad">{ " filesystem larger than device" }</span> }
            </td>
            <td>{ r.mounts.join(", ") }</td>
        </tr>
    }
}

#[function_component(LsblkTree)]
pub fn lsblk_tree(props: &TreeProps) -> Html {
    html! {
        // A device with several parents (an LV on two PVs) is listed under each, as lsblk does.
        <div class="tree-wrap" tabindex="0" role="region" aria-label="lsblk tree">
            <table class="tree" aria-label="lsblk tree: each device under the device it sits on">
                <thead><tr><th>{ "NAME" }</th><th>{ "TYPE" }</th><th>{ "SIZE" }</th><th>{ "ON IT" }</th><th>{ "MOUNTPOINTS" }</th></tr></thead>
                <tbody>{ for props.rows.iter().enumerate().map(|(i, r)| row(i, r, props.focus.as_deref())) }</tbody>
            </table>
        </div>
    }
}
