//! Each figure's panel: its view-model drawn, with its action toolbar. The
//! list in `view::figures` says which figures exist; this says how each draws.

use super::{blocks, images, lvm, tree};
use crate::view::{blocks as vblocks, image_views, lookup_view, lvm_figure, promises, summary, thin_view, FigureId, PartState, Scene, SpaceLog};
use yew::prelude::*;

/// What every panel gets from the app.
#[derive(Clone, PartialEq)]
pub struct PanelContext {
    /// The frame on screen (mid-animation, an earlier state).
    pub scene: Scene,
    /// The state now: actions offer what exists, not what is still being drawn.
    pub now: Scene,
    pub on_run: Callback<Vec<String>>,
    /// A dialog other than fdisk on a shown disk is open: actions must wait.
    pub busy_dialog: bool,
    pub selected: Option<String>,
    pub on_select: Callback<String>,
    pub compact: bool,
    /// Disk models by name, for the details panel.
    pub models: Vec<(String, String)>,
    /// Downloads the file at a path (Figure 5's images).
    pub on_download: Callback<String>,
    /// What is typed into the toolbars' fields (ids are unique across them).
    pub values: super::form::Values,
    pub on_input: Callback<(&'static str, String)>,
    /// Figure 5's plot: each image's host space after every command.
    pub space: SpaceLog,
}

pub fn panel(id: FigureId, cx: &PanelContext) -> Html {
    match id {
        FigureId::Blocks => blocks_panel(cx),
        FigureId::Lvm => lvm_panel(cx),
        FigureId::Images => images_panel(cx),
    }
}

fn images_panel(cx: &PanelContext) -> Html {
    let rows = summary(&cx.scene);
    html! {
        <>
            { images::image_actions(&image_views(&cx.now), thin_view(&cx.now).as_ref(), &cx.on_run, &cx.on_download, cx.busy_dialog) }
            { images::images_figure(&image_views(&cx.scene), &cx.space.at(&cx.scene), lookup_view(&cx.scene).as_ref(), cx.scene.focus.as_deref(), cx.compact, rows.as_deref(), (thin_view(&cx.scene).as_ref(), &promises(&cx.scene))) }
        </>
    }
}

fn blocks_panel(cx: &PanelContext) -> Html {
    let disks = vblocks::disk_views(&cx.scene);
    let rows = vblocks::tree(&cx.scene);
    html! {
        <>
            { blocks::block_actions(&blocks::BlockActionsProps { disks: vblocks::disk_views(&cx.now), on_run: cx.on_run.clone(), busy_dialog: cx.busy_dialog }, &cx.values, &cx.on_input) }
            { blocks::blocks_figure(&blocks::BlocksProps { disks: disks.clone(), active: cx.scene.focus.clone(), selected: cx.selected.clone(), on_select: cx.on_select.clone(), compact: cx.compact }) }
            <div aria-live="polite">{ cx.selected.as_deref().map(|s| details(&disks, &cx.models, s)).unwrap_or_default() }</div>
            { tree::lsblk_tree(&rows, cx.scene.focus.as_deref()) }
            { Html::from_html_unchecked(BLOCKS_LEGEND.into()) }
        </>
    }
}

/// Static markup, kept out of Yew's element code (cheaper in the bundle).
const BLOCKS_LEGEND: &str = concat!(
    r#"<p class="legend">Names: sda, sdb… are SATA/SCSI disks in probe order and sdb1 their partitions; nvme0n1 is NVMe controller 0, namespace 1, and nvme0n1p1 its first partition (the p keeps the numbers apart). Click a disk or partition for details.</p>"#,
    r#"<p class="legend"><span class="sw active"></span>in use<span class="sw pending"></span>planned (not written)<span class="sw written"></span>written, kernel not told<span class="sw stale"></span>old table still in use</p>"#
);

fn lvm_panel(cx: &PanelContext) -> Html {
    let fig = lvm_figure(&cx.scene);
    html! {
        <>
            { lvm::lvm_actions(&lvm::LvmActionsProps { figure: lvm_figure(&cx.now), on_run: cx.on_run.clone(), busy_dialog: cx.busy_dialog }, &cx.values, &cx.on_input) }
            { lvm::lvm_figure(&lvm::LvmProps { figure: fig, active: cx.scene.focus.clone(), compact: cx.compact }) }
        </>
    }
}

fn table_text(label: Option<&str>, holders: &[String]) -> String {
    match label {
        Some("dos") => "MBR (dos): at most 4 primary partitions, disks up to 2 TiB".into(),
        Some(_) => "GPT: 128 entries, primary header at the start and a backup at the end, each with CRC32".into(),
        None if !holders.is_empty() => format!("none: the whole disk is used directly ({})", holders.join(", ")),
        None => "none (blank disk)".into(),
    }
}

fn details(disks: &[crate::view::DiskView], models: &[(String, String)], selected: &str) -> Html {
    let mut rows: Vec<(&str, String)> = Vec::new();
    for d in disks {
        if d.name == selected {
            let model = models.iter().find(|(n, _)| *n == d.name).map(|(_, m)| m.clone()).unwrap_or_default();
            rows.push(("Device", format!("/dev/{} · {} · {}", d.name, d.transport, d.size_text)));
            rows.push(("Name", d.naming.clone()));
            if !model.is_empty() {
                rows.push(("Model", model));
            }
            rows.push(("Table", table_text(d.label, &d.holders)));
            rows.push(("Partitions", d.parts.len().to_string()));
            if !d.holders.is_empty() {
                rows.push(("Used by", d.holders.join(", ")));
            }
        } else if let Some(p) = d.parts.iter().find(|p| p.name == selected) {
            let state = match p.state {
                PartState::Active => "registered by the kernel (it shows in lsblk)",
                PartState::Pending => "only in fdisk's memory: w writes it, q forgets it",
                PartState::WrittenNotActive => "on disk, but the kernel kept the old table because the disk is busy",
                PartState::Stale => "deleted on disk, but the kernel still uses it until the disk is free or the machine reboots",
            };
            rows.push(("Partition", format!("/dev/{} · {} · {}", p.name, p.size_text, p.type_name)));
            rows.push(("Name", format!("partition {} of /dev/{}", p.number, d.name)));
            rows.push(("State", state.into()));
            rows.push(("Used by", if p.holders.is_empty() { "nothing".to_string() } else { p.holders.join(", ") }));
        } else {
            continue;
        }
        break;
    }
    if rows.is_empty() {
        return html! {};
    }
    let mut out = String::from(r#"<dl class="details">"#);
    for (k, v) in rows {
        out.push_str(&format!("<dt>{k}</dt><dd>{}</dd>", tree::esc(&v)));
    }
    out.push_str("</dl>");
    Html::from_html_unchecked(out.into())
}
