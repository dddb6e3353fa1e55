//! Figure 1: block devices and partitions, and the buttons that type fdisk.

use super::form::{form, value, Field, Values};
use crate::view::blocks::{delete_partition_lines, new_partition_lines};
use crate::view::{DiskView, PartState};
use crate::console::fmt::fixed;
use yew::prelude::*;

/// Where things go: beside the disk box on wide screens, below it on phones.
struct Geometry {
    width: f64,
    row: f64,
    bar_x: f64,
    bar_w: f64,
    compact: bool,
}

const WIDE: Geometry = Geometry { width: 860.0, row: 104.0, bar_x: 214.0, bar_w: 630.0, compact: false };
const NARROW: Geometry = Geometry { width: 420.0, row: 100.0, bar_x: 8.0, bar_w: 404.0, compact: true };

pub struct BlocksProps {
    pub disks: Vec<DiskView>,
    pub active: Option<String>,
    pub selected: Option<String>,
    pub on_select: Callback<String>,
    /// Lay the figure out for a narrow (phone) screen.
    pub compact: bool,
}

fn part_class(state: PartState) -> &'static str {
    match state {
        PartState::Active => "part active",
        PartState::Pending => "part pending",
        PartState::WrittenNotActive => "part written",
        PartState::Stale => "part stale",
    }
}

fn state_text(state: PartState) -> &'static str {
    match state {
        PartState::Active => "in use by the kernel",
        PartState::Pending => "planned in fdisk's memory, not written yet",
        PartState::WrittenNotActive => "written to disk, but the kernel still uses the old table",
        PartState::Stale => "gone from the disk's table, but the kernel still uses it",
    }
}

/// Shortens `text` to what fits in `width` user units of 12px text.
fn fit(text: &str, width: f64) -> String {
    let max = ((width - 6.0) / 6.6).max(1.0) as usize;
    if text.chars().count() <= max {
        text.to_string()
    } else {
        let cut: String = text.chars().take(max.saturating_sub(1)).collect();
        format!("{cut}…")
    }
}

fn activate(cb: &Callback<String>, name: &str) -> (Callback<MouseEvent>, Callback<KeyboardEvent>) {
    let (c1, n1) = (cb.clone(), name.to_string());
    let (c2, n2) = (cb.clone(), name.to_string());
    (
        Callback::from(move |_| c1.emit(n1.clone())),
        Callback::from(move |e: KeyboardEvent| {
            if e.key() == "Enter" || e.key() == " " {
                e.prevent_default();
                c2.emit(n2.clone());
            }
        }),
    )
}

/// Figure 1's disks (a plain function, not a component: it is redrawn with
/// every frame anyway; with Figure 2 the components cost 1.6 KiB gzipped).
pub fn blocks_figure(props: &BlocksProps) -> Html {
    let g = if props.compact { &NARROW } else { &WIDE };
    let (bar_x, bar_w) = (g.bar_x, g.bar_w);
    let height = (props.disks.len().max(1) as f64) * g.row + 10.0;
    let rows = props.disks.iter().enumerate().map(|(i, d)| {
        let y = 8.0 + i as f64 * g.row;
        let (onclick, onkeydown) = activate(&props.on_select, &d.name);
        let selected = props.selected.as_deref() == Some(d.name.as_str());
        let label = match d.label {
            Some(l) => format!("{} label", if l == "dos" { "MBR (dos)" } else { "GPT" }),
            // A disk used whole (a PV, a filesystem) has no table, and says what holds it.
            None if !d.holders.is_empty() => d.holders.join(" · "),
            None => "no partition table".to_string(),
        };
        let parts = d.parts.iter().map(|p| {
            let x = bar_x + p.start_frac * bar_w;
            let w = (p.width_frac * bar_w).max(8.0);
            let (onclick, onkeydown) = activate(&props.on_select, &p.name);
            let mut class = part_class(p.state).to_string();
            if props.active.as_deref() == Some(p.name.as_str()) {
                class.push_str(" pulse");
            }
            if props.selected.as_deref() == Some(p.name.as_str()) {
                class.push_str(" selected");
            }
            let pending = (p.state == PartState::Pending).then_some("");
            // The <title> names the element for assistive technology and starts
            // with the words drawn inside it.
            let holders = if p.holders.is_empty() { String::new() } else { format!(", used by {}", p.holders.join(", ")) };
            html! {
                <g key={p.name.clone()} class={class} data-dev={p.name.clone()} data-pending={pending}
                   tabindex="0" role="button" {onclick} {onkeydown}>
                    <title>{ format!("{} {} {}: {}{holders}", p.name, p.size_text, p.type_name, state_text(p.state)) }</title>
                    <rect x={fixed(x, 1)} y={fixed(y + 30.0, 1)} width={fixed(w, 1)} height="34" rx="4" />
                    if w > 60.0 {
                        <text x={fixed(x + 6.0, 1)} y={fixed(y + 45.0, 1)} class="pname">{ &p.name }</text>
                        <text x={fixed(x + 6.0, 1)} y={fixed(y + 59.0, 1)} class="psize">{ fit(&format!("{} {}", p.size_text, p.type_name), w) }</text>
                    }
                    if !p.holders.is_empty() && w > 40.0 {
                        <text x={fixed(x + 4.0, 1)} y={fixed(y + 80.0, 1)} class="holder">{ fit(&p.holders.join(" · "), w) }</text>
                    }
                </g>
            }
        });
        let disk_class = format!("disk {}{}{}", d.transport.to_ascii_lowercase(), if selected { " selected" } else { "" }, if props.active.as_deref() == Some(d.name.as_str()) { " pulse" } else { "" });
        let caption = if d.editing { "fdisk is editing this table in memory: w writes it, q discards it" } else if d.busy { "in use: the kernel will not re-read this disk's table" } else { "" };
        let title = format!("{} {} {} {}: {}", d.name, d.transport, d.size_text, label, d.naming);
        let disk_node = if g.compact {
            html! {
                <g class={disk_class} data-dev={d.name.clone()} tabindex="0" role="button" {onclick} {onkeydown}>
                    <title>{ title.clone() }</title>
                    <rect x="4" y={fixed(y, 1)} width="412" height="18" rx="4" class="compact" />
                    <text x="10" y={fixed(y + 14.0, 1)} class="dname">{ &d.name }</text>
                    <text x="410" y={fixed(y + 14.0, 1)} class="dsize" text-anchor="end">{ format!("{} · {} · {}", d.transport, d.size_text, label) }</text>
                </g>
            }
        } else {
            html! {
                <g class={disk_class} data-dev={d.name.clone()} tabindex="0" role="button" {onclick} {onkeydown}>
                    <title>{ title }</title>
                    <rect x="6" y={fixed(y + 6.0, 1)} width="196" height="78" rx="8" />
                    <text x="18" y={fixed(y + 30.0, 1)} class="dname">{ &d.name }</text>
                    <text x="190" y={fixed(y + 30.0, 1)} class="badge" text-anchor="end">{ d.transport }</text>
                    <text x="18" y={fixed(y + 52.0, 1)} class="dsize">{ &d.size_text }</text>
                    <text x="18" y={fixed(y + 72.0, 1)} class="dlabel">{ &label }</text>
                </g>
            }
        };
        html! {
            <g key={d.name.clone()} class="row">
                { disk_node }
                if !g.compact {
                    <line x1="202" y1={fixed(y + 47.0, 1)} x2={fixed(bar_x, 1)} y2={fixed(y + 47.0, 1)} class="edge" />
                }
                <rect class={if d.editing { "bar editing" } else { "bar" }} x={fixed(bar_x, 1)} y={fixed(y + 30.0, 1)} width={fixed(bar_w, 1)} height="34" rx="4" />
                <text x={fixed(bar_x, 1)} y={fixed(y + 27.0, 1)} class="barcap">{ caption }</text>
                { for parts }
            </g>
        }
    });
    html! {
        <svg id="figure" class="figure blocks" viewBox={format!("0 0 {} {}", fixed(g.width, 0), fixed(height, 0))} role="group"
             aria-label="Block devices: each disk with its partitions, drawn to scale">
            { for rows }
        </svg>
    }
}

pub struct BlockActionsProps {
    pub disks: Vec<DiskView>,
    pub on_run: Callback<Vec<String>>,
    /// True when a different dialog (not fdisk on a disk shown here) is open.
    pub busy_dialog: bool,
}

/// Figure 1's toolbar; its fields' values live in the app's shared form
/// state (a plain function, not a component: smaller in the bundle).
pub fn block_actions(props: &BlockActionsProps, values: &Values, on_input: &Callback<(&'static str, String)>) -> Html {
    let editing = props.disks.iter().find(|d| d.editing).map(|d| d.name.clone());
    let fallback = props.disks.iter().find(|d| !d.busy && d.holders.is_empty()).or(props.disks.first()).map(|d| d.name.clone());
    let chosen = editing
        .clone()
        .or_else(|| values.get("target-disk").cloned())
        .filter(|t| props.disks.iter().any(|d| &d.name == t))
        .or(fallback);
    let disk = chosen.as_ref().and_then(|c| props.disks.iter().find(|d| &d.name == c));
    let locked = props.busy_dialog || (editing.is_some() && editing != chosen);
    let size = value(&values, "part-size", "+10G");
    let numbers: Vec<u32> = disk.map(|d| d.parts.iter().filter(|p| p.state != PartState::Stale).map(|p| p.number).collect()).unwrap_or_default();
    let wanted: Option<u32> = values.get("target-part").and_then(|v| v.parse().ok());
    let chosen_part = wanted.filter(|n| numbers.contains(n)).or(numbers.last().copied());
    let new_lines = disk.and_then(|d| new_partition_lines(d, &size)).unwrap_or_default();
    let del_lines = match (disk, chosen_part) {
        (Some(d), Some(n)) => delete_partition_lines(d, n),
        _ => Vec::new(),
    };
    let is_editing = disk.is_some_and(|d| d.editing);
    let kind = value(&values, "new-disk-kind", "sata");
    let fields = vec![
        Field::Select {
            id: "target-disk",
            label: "Disk ",
            options: props.disks.iter().map(|d| (d.name.clone(), format!("/dev/{} ({})", d.name, d.size_text))).collect(),
            value: chosen.clone().unwrap_or_default(),
            disabled: editing.is_some(),
        },
        Field::Text { id: "part-size", label: "Size ", value: size },
        Field::Button { action: "new-partition", label: "New partition", enabled: !locked && !new_lines.is_empty(), lines: new_lines },
        Field::Select {
            id: "target-part",
            label: "Partition ",
            options: numbers.iter().map(|n| (n.to_string(), n.to_string())).collect(),
            value: chosen_part.map(|n| n.to_string()).unwrap_or_default(),
            disabled: false,
        },
        Field::Button { action: "delete-partition", label: "Delete partition", enabled: !locked && !del_lines.is_empty(), lines: del_lines },
        Field::Button { action: "write-table", label: "Write table (w)", lines: vec!["w".into()], enabled: is_editing && !props.busy_dialog },
        Field::Button { action: "quit-fdisk", label: "Discard (q)", lines: vec!["q".into()], enabled: is_editing && !props.busy_dialog },
        Field::Break,
        Field::Select {
            id: "new-disk-kind",
            label: "New disk ",
            options: vec![("sata".into(), "SATA".into()), ("nvme".into(), "NVMe".into())],
            value: kind.clone(),
            disabled: locked,
        },
        Field::Text { id: "new-disk-size", label: "Size of new disk ", value: value(&values, "new-disk-size", "500G") },
        Field::Button {
            action: "add-disk",
            label: "Add disk",
            lines: vec![format!("attach-disk {kind} {}", value(&values, "new-disk-size", "500G"))],
            enabled: !locked && editing.is_none(),
        },
    ];
    form("Partitioning actions", &fields, on_input, &props.on_run, Some("Sizes as fdisk reads them: +10G is 10 GiB. Every button types real commands into the console."))
}
