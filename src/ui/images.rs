//! Figure 5: the same guest disk as a raw file and as a qcow2 file. Each
//! image is drawn twice: the guest's disk (what is stored where) and the
//! host's file (qcow2's tables and clusters in file order), with the sizes
//! `ls -l` and `du` report and the latest read's table walk. The comparison
//! table below is computed from the same images.

use super::form::{form, Field};
use crate::console::fmt::{fixed, human_size, SizeStyle};
use crate::view::{ImageView, LookupView, Seg, SegKind, SpaceSeries, SummaryRow, ThinView};
use super::tree::esc;
use std::fmt::Write;
use yew::prelude::*;

pub const RAW: &str = "/var/lib/vz/images/100/vm-100-disk-0.raw";
pub const QCOW2: &str = "/var/lib/vz/images/101/vm-101-disk-0.qcow2";

#[derive(Clone, Copy)]
struct Layout {
    width: f64,
    bar_x: f64,
    bar_w: f64,
}

const WIDE: Layout = Layout { width: 860.0, bar_x: 130.0, bar_w: 710.0 };
const NARROW: Layout = Layout { width: 420.0, bar_x: 86.0, bar_w: 320.0 };

fn bar(out: &mut String, segs: &[Seg], y: f64, l: Layout, label: &str) {
    let _ = write!(out, r#"<g class="imgbar"><text x="16" y="{}" class="barname">{label}</text><rect class="strip" x="{}" y="{}" width="{}" height="24"/>"#, fixed(y + 17.0, 1), fixed(l.bar_x, 1), fixed(y, 1), fixed(l.bar_w, 1));
    for s in segs {
        let w = (s.width * l.bar_w).max(1.5);
        let _ = write!(out, r#"<rect class="{}" x="{}" y="{}" width="{}" height="24"/>"#, s.kind.class(), fixed(l.bar_x + s.start * l.bar_w, 1), fixed(y, 1), fixed(w, 1));
    }
    out.push_str("</g>");
}

/// qcow2's first clusters, one cell each, at `y`; returns the height taken.
/// The clusters a read's walk has reached are outlined.
fn cells(out: &mut String, kinds: &[Option<crate::view::SegKind>], walk: &[u64], y: f64, l: Layout) -> f64 {
    if kinds.is_empty() {
        return 0.0;
    }
    let w = l.bar_w / crate::view::images::FIRST_CLUSTERS as f64;
    let _ = write!(out, r#"<g class="imgbar cells"><text x="16" y="{}" class="barname">first clusters</text>"#, fixed(y + 17.0, 1));
    for (n, k) in kinds.iter().enumerate() {
        let class = k.map_or("hole", |k| k.class());
        let on = if walk.contains(&(n as u64)) { " walk" } else { "" };
        let _ = write!(out, r#"<rect class="{class}{on}" x="{}" y="{}" width="{}" height="24"/>"#, fixed(l.bar_x + n as f64 * w, 1), fixed(y, 1), fixed(w - 2.0, 1));
    }
    out.push_str("</g>");
    32.0
}

/// One image's bars and numbers at `y`; returns the height it took.
fn image(out: &mut String, i: &ImageView, lookup: Option<&LookupView>, y: f64, active: bool, l: Layout) -> f64 {
    let pulse = if active { " pulse" } else { "" };
    let _ = write!(
        out,
        r#"<g class="image{pulse}" data-image="{}" data-format="{}"><text x="16" y="{}" class="imgname">{} · {} · {} virtual</text>"#,
        esc(&i.name),
        i.format,
        fixed(y + 16.0, 1),
        esc(&i.name),
        i.format,
        i.virtual_text
    );
    bar(out, &i.guest, y + 26.0, l, "guest disk");
    bar(out, &i.host, y + 58.0, l, "host file");
    let used = Seg { start: 0.0, width: i.alloc_fraction, kind: crate::view::SegKind::Data };
    bar(out, std::slice::from_ref(&used), y + 90.0, l, "host space");
    let walk = lookup.filter(|k| k.image == i.path).map_or(&[][..], |k| &k.clusters[..]);
    let cells = cells(out, &i.first_clusters, walk, y + 122.0, l);
    // Two short lines and one line per lookup step, so a phone's
    // narrow layout fits them too.
    let _ = write!(
        out,
        r#"<text x="16" y="{}" class="imgsize">ls -l {} · du {} ({}% of the disk)</text><text x="16" y="{}" class="imgsize">guest data {} · metadata {}</text>"#,
        fixed(y + cells + 134.0, 1),
        i.file_text,
        i.alloc_text,
        fixed(i.alloc_fraction * 100.0, 1),
        fixed(y + cells + 152.0, 1),
        i.data_text,
        i.meta_text
    );
    let mut h = cells + 164.0;
    for (n, step) in lookup.filter(|k| k.image == i.path).into_iter().flat_map(|k| k.steps.iter()).enumerate() {
        let text = if n == 0 { format!("read: {step}") } else { format!("→ {step}") };
        let _ = write!(out, r#"<text x="{}" y="{}" class="lookup">{}</text>"#, if n == 0 { 16 } else { 40 }, fixed(y + h + 12.0, 1), esc(&text));
        h += 19.0;
    }
    out.push_str("</g>");
    h + 8.0
}
/// The host-space plot at `y`: one stepped line per image, the commands on
/// the images from left to right, the bytes `du` counts from the bottom up
/// to the largest virtual size. Returns the height it took.
fn plot(out: &mut String, lines: &[SpaceSeries], y: f64, l: Layout) -> f64 {
    let Some(first) = lines.iter().filter_map(|s| s.points.first()).map(|p| p.0).min() else {
        return 0.0;
    };
    let last = lines.iter().filter_map(|s| s.points.last()).map(|p| p.0).max().unwrap_or(first);
    let top = lines.iter().map(|s| s.virtual_bytes).max().unwrap_or(0).max(1);
    let (h, span) = (110.0, f64::from((last - first).max(1)));
    let x = |step: u32| fixed(l.bar_x + f64::from(step - first) / span * l.bar_w, 1);
    let at = |bytes: u64| fixed(y + 24.0 + h - bytes.min(top) as f64 / top as f64 * h, 1);
    let name = |s: &SpaceSeries| s.path.rsplit('/').next().unwrap_or_default().to_string();
    let now = |s: &SpaceSeries| human_size(s.points.last().map_or(0, |p| p.1), SizeStyle::Iec);
    let _ = write!(
        out,
        r#"<g class="plot" role="group" aria-label="Host space after each command on the images"><text x="16" y="{}" class="imgname">Host space as the guest writes</text><text x="16" y="{}" class="barname">{}</text><path class="axis" d="M{} {}V{}H{}"/>"#,
        fixed(y + 14.0, 1),
        fixed(y + 38.0, 1),
        human_size(top, SizeStyle::Iec),
        fixed(l.bar_x, 1),
        fixed(y + 24.0, 1),
        fixed(y + 24.0 + h, 1),
        fixed(l.bar_x + l.bar_w, 1)
    );
    for (n, s) in lines.iter().enumerate() {
        let class = if s.qcow2 { "qcow2" } else { "raw" };
        let mut d = String::new();
        for (k, p) in s.points.iter().enumerate() {
            let _ = if k == 0 { write!(d, "M{} {}", x(p.0), at(p.1)) } else { write!(d, "H{}V{}", x(p.0), at(p.1)) };
        }
        let end = s.points.last().copied().unwrap_or((first, 0));
        let _ = write!(
            out,
            r#"<path class="line {class}" d="{d}"/><circle class="dot {class}" cx="{}" cy="{}" r="4"/><text x="{}" y="{}" class="plotname {class}">{}: {}</text>"#,
            x(end.0),
            at(end.1),
            fixed(l.bar_x + 8.0, 1),
            fixed(y + 40.0 + 16.0 * n as f64, 1),
            esc(&format!("{} ({class})", name(s))),
            now(s)
        );
    }
    let _ = write!(out, r#"<text x="{}" y="{}" class="barname">commands on the images →</text></g>"#, fixed(l.bar_x, 1), fixed(y + h + 40.0, 1));
    h + 50.0
}

/// The thin LVs of `pve/data` at `y`, a mapped bar each, then the pool's
/// bar; returns the height taken.
fn thin(out: &mut String, t: &ThinView, y: f64, l: Layout) -> f64 {
    let _ = write!(out, r#"<g class="thin" role="group" aria-label="Raw disks on LVM-thin, with snapshots from below"><text x="16" y="{}" class="imgname">Raw on LVM-thin: snapshots from below</text>"#, fixed(y + 16.0, 1));
    let mut h = 26.0;
    for lv in &t.lvs {
        let (kind, what) = if lv.snapshot { (SegKind::Held, " · snapshot, inactive") } else { (SegKind::Data, "") };
        let _ = write!(out, r#"<text x="16" y="{}" class="imgsize" data-thin="{}">{} · {} virtual · {} mapped{what}</text>"#, fixed(y + h + 12.0, 1), esc(&lv.name), esc(&lv.name), lv.virtual_text, lv.mapped_text);
        bar(out, &[Seg { start: 0.0, width: lv.mapped_fraction, kind }], y + h + 18.0, l, "mapped");
        h += 50.0;
    }
    let _ = write!(out, r#"<text x="16" y="{}" class="imgsize">thin pool {} · in use {}</text>"#, fixed(y + h + 12.0, 1), esc(&t.pool_text), t.used_text);
    bar(out, &[Seg { start: 0.0, width: t.used_fraction, kind: SegKind::Data }], y + h + 18.0, l, "pool in use");
    out.push_str("</g>");
    h + 54.0
}

/// Figure 5 as markup: the images side by side (one under the other on a
/// phone), the raw disks on LVM-thin, the host-space plot, the legend, and the comparison table. Drawn as one string, not as Yew elements: the figure
/// has no controls of its own, and ./x dist measured the element version
/// 1.7 KiB larger gzipped.
pub fn images_figure(images: &[ImageView], space: &[SpaceSeries], lookup: Option<&LookupView>, active: Option<&str>, compact: bool, rows: Option<&[SummaryRow]>, below: (Option<&ThinView>, &[String])) -> Html {
    let l = if compact { NARROW } else { WIDE };
    let mut body = String::new();
    let mut y = 8.0;
    if compact {
        for i in images {
            y += image(&mut body, i, lookup, y, active == Some(i.path.as_str()), l);
        }
    } else {
        // Side by side, two to a row, each drawn as on a phone.
        for row in images.chunks(2) {
            let mut h: f64 = 0.0;
            for (n, i) in row.iter().enumerate() {
                let _ = write!(body, r#"<g transform="translate({},0)">"#, fixed(n as f64 * l.width / 2.0, 0));
                h = h.max(image(&mut body, i, lookup, y, active == Some(i.path.as_str()), NARROW));
                body.push_str("</g>");
            }
            y += h;
        }
    }
    if images.is_empty() {
        body.push_str(r#"<text x="16" y="28" class="imgsize">No disk images yet: click Create, or type qemu-img create.</text>"#);
        y = 48.0;
    }
    if let Some(t) = below.0 {
        y += thin(&mut body, t, y, l);
    }
    y += plot(&mut body, space, y + 4.0, l);
    let mut out = format!(
        r#"<svg id="figure" class="figure images" viewBox="0 0 {} {}" role="group" aria-label="Disk images: each image's guest disk, its file on the host with qcow2's tables and data clusters, and the host space it takes">{body}</svg>"#,
        fixed(l.width, 0),
        fixed(y, 0)
    );
    for line in below.1 {
        let _ = write!(out, r#"<p class="legend promise">{}</p>"#, esc(line));
    }
    out.push_str(LEGEND);
    if let Some(rows) = rows {
        out.push_str(r#"<table class="summary" id="image-summary"><caption>Raw vs qcow2, measured on the images above</caption><thead><tr><th scope="col">Feature</th><th scope="col">Raw (.raw)</th><th scope="col">qcow2</th></tr></thead><tbody>"#);
        for r in rows {
            let _ = write!(out, r#"<tr><th scope="row">{}</th><td>{}</td><td>{}</td></tr>"#, r.feature, esc(&r.raw), esc(&r.qcow2));
        }
        out.push_str("</tbody></table>");
    }
    html! { <div class="images-figure">{ Html::from_html_unchecked(out.into()) }</div> }
}

const LEGEND: &str = concat!(
    r#"<p class="legend"><span class="sw data"></span>guest data<span class="sw unwritten"></span>mapped, not written (preallocated)<span class="sw header"></span>qcow2 header<span class="sw l1"></span>L1 table (and snapshots' copies)<span class="sw l2"></span>L2 tables<span class="sw refcount"></span>refcount table and blocks<span class="sw snapshots"></span>snapshot table<span class="sw data shared"></span>shared with a snapshot (copied on write)<span class="sw held"></span>kept for a snapshot</p>"#,
    r#"<p class="legend">Raw keeps guest byte N at file offset N, so a sparse raw file takes only the blocks written. qcow2 stores clusters wherever there is room, in write order, and finds them through its L1 and L2 tables. A raw file has no metadata, so it cannot hold snapshots: those come from below it (an LVM-thin LV or a ZFS zvol). Sparse: the file system skips the holes of one file. Thin: a format or volume manager hands out space on demand and may promise more than exists.</p>"#
);

/// The same guest I/O into every disk, as qemu-io commands. The format
/// is given, as QEMU's warning about probed raw images asks; the thin LV is
/// a raw disk.
fn both(command: &str, present: &[&str]) -> Vec<String> {
    present.iter().map(|p| format!("qemu-io -f {} -c '{command}' {p}", if p.ends_with(".qcow2") { "qcow2" } else { "raw" })).collect()
}

/// The raw disk on LVM-thin, its snapshot (named as Proxmox names them), and
/// a second thin disk larger than the pool.
const THIN_LV: &str = "vm-102-disk-0";
const THIN_DEV: &str = "/dev/pve/vm-102-disk-0";
const THIN_SNAP: &str = "snap_vm-102-disk-0_before_update";
const BIG_LV: &str = "vm-103-disk-0";

fn create(raw: &str, qcow2: &str) -> Vec<String> {
    vec!["mkdir -p /var/lib/vz/images/100 /var/lib/vz/images/101".into(), format!("qemu-img create -f raw{raw} {RAW} 1G"), format!("qemu-img create -f qcow2{qcow2} {QCOW2} 1G")]
}

/// Figure 5's buttons: fixed 1 GiB disks (other sizes are typed), so the
/// toolbar needs no fields of its own.
pub fn image_actions(images: &[ImageView], thin: Option<&ThinView>, on_run: &Callback<Vec<String>>, on_download: &Callback<String>, busy_dialog: bool) -> Html {
    let has = |name: &str| thin.is_some_and(|t| t.lvs.iter().any(|l| l.name == name));
    let files: Vec<&str> = [RAW, QCOW2].into_iter().filter(|p| images.iter().any(|i| i.path == *p)).collect();
    let mut present = files.clone();
    present.extend(has(THIN_LV).then_some(THIN_DEV));
    let mut remove: Vec<String> = files.iter().map(|p| format!("rm {p}")).collect();
    let lvs: Vec<String> = [THIN_SNAP, THIN_LV, BIG_LV].into_iter().filter(|n| has(n)).map(|n| format!("pve/{n}")).collect();
    remove.extend((!lvs.is_empty()).then(|| format!("lvremove -y {}", lvs.join(" "))));
    let free = !busy_dialog;
    let io = free && !present.is_empty();
    let snapshots = images.iter().find(|i| i.path == QCOW2).map(|i| i.snapshots);
    let button = |action, label, lines: Vec<String>, enabled| Field::Button { action, label, lines, enabled };
    let fields = vec![
        button("create-images", "Create 1 GiB images (sparse)", create("", ""), free),
        // Proxmox VE creates qcow2 disks with preallocation=metadata.
        button("create-images-full", "Create preallocated (raw full, qcow2 metadata)", create(" -o preallocation=full", " -o preallocation=metadata"), free),
        Field::Break,
        button("install-os", "Guest: install the OS", both("write -P 0x4f 0 64M", &present), io),
        button("write-file", "Guest: write a file", both("write -P 0x66 512M 4M", &present), io),
        button("delete-file", "Guest: delete it", both("discard 512M 4M", &present), io),
        button("read-file", "Guest: read it", both("read 512M 4k", &present), io),
        // An internal snapshot: the next guest write copies its cluster.
        button("snapshot", "qcow2: take a snapshot", vec![format!("qemu-img snapshot -c before_update {QCOW2}")], io && snapshots == Some(0)),
        button("rollback", "qcow2: roll back to it", vec![format!("qemu-img snapshot -a before_update {QCOW2}")], io && snapshots > Some(0)),
        button("remove-images", "Remove disks", remove, io),
        Field::Break,
        // A raw disk's snapshots come from below it: here an LVM-thin LV.
        button("thin-disk", "LVM-thin: a raw disk (VM 102)", vec![format!("lvcreate -V 1G -T pve/data -n {THIN_LV}")], free && !has(THIN_LV)),
        button("thin-snapshot", "LVM-thin: snapshot it", vec![format!("lvcreate -s -n {THIN_SNAP} pve/{THIN_LV}")], free && has(THIN_LV) && !has(THIN_SNAP)),
        button("thin-rollback", "LVM-thin: roll back", vec![format!("lvconvert --merge pve/{THIN_SNAP}")], free && has(THIN_LV) && has(THIN_SNAP)),
        // Thin provisioning may promise more than the pool holds.
        button("thin-overcommit", "Over-commit: 100 GiB thin disk", vec![format!("lvcreate -V 100G -T pve/data -n {BIG_LV}")], free && !has(BIG_LV)),
    ];
    let downloads = files.iter().map(|p| {
        let (cb, path) = (on_download.clone(), p.to_string());
        let label = if p.ends_with(".raw") { "Download .raw.gz" } else { "Download .qcow2" };
        html! { <button class="download" data-download={path.rsplit('/').next().unwrap_or_default().to_string()} onclick={Callback::from(move |_: MouseEvent| cb.emit(path.clone()))}>{ label }</button> }
    });
    html! {
        <>
            { form("Disk image actions", &fields, &Callback::noop(), on_run, None) }
            if !files.is_empty() {
                <div class="actions downloads" role="toolbar" aria-label="Downloads">
                    { for downloads }
                    <p class="help">{ "qcow2 downloads byte for byte as the lab wrote it. A raw file is as long as the disk, mostly zeros, so it downloads gzip-compressed. At most 256 MiB of written data." }</p>
                </div>
            }
        </>
    }
}
