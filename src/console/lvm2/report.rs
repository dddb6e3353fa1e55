//! pvs, vgs and lvs: fields, widths, units and JSON as lvm2's reporter prints them.

use crate::core::order::SmallSort;

use super::*;
use crate::console::fmt::json_string;
use crate::console::Output;
#[cfg(feature = "lvm-extras")]
use super::metadata::committed_bytes;
use crate::core::lvm::{Area, Lv, LvKind, Lvm, Mda, Pv, Segment, Vg};
use crate::core::machine::{dm_name, Machine};


/// One report field: lvm2 name, header, minimum width, right-aligned.
pub(super) struct Field {
    pub(super) name: &'static str,
    pub(super) header: &'static str,
    pub(super) width: usize,
    pub(super) right: bool,
}

pub(super) const fn f(name: &'static str, header: &'static str, width: usize, right: bool) -> Field {
    Field { name, header, width, right }
}

/// Field names, headings and minimum widths as in lvm2 2.03.16's columns.h (most
/// are 0, which lvm2 turns into the heading's length). libdm right-aligns
/// number and size fields only; percentages (Data%, Meta%, Cpy%Sync) are
/// left-aligned like strings.
pub(super) const FIELDS: &[Field] = &[
    f("pv_name", "PV", 10, false), f("pv_fmt", "Fmt", 0, false), f("pv_attr", "Attr", 0, false),
    f("pv_size", "PSize", 0, true), f("pv_free", "PFree", 0, true), f("pv_used", "Used", 0, true),
    f("pe_start", "1st PE", 7, true), f("pv_pe_count", "PE", 3, true), f("pv_pe_alloc_count", "Alloc", 0, true),
    f("pv_uuid", "PV UUID", 38, false), f("dev_size", "DevSize", 0, true),
    f("vg_name", "VG", 0, false), f("pv_count", "#PV", 0, true), f("lv_count", "#LV", 0, true),
    f("snap_count", "#SN", 0, true), f("vg_attr", "Attr", 5, false), f("vg_size", "VSize", 0, true),
    f("vg_free", "VFree", 0, true), f("vg_extent_size", "Ext", 0, true), f("vg_extent_count", "#Ext", 0, true),
    f("vg_free_count", "Free", 0, true), f("vg_uuid", "VG UUID", 38, false), f("vg_seqno", "Seq", 0, true),
    f("lv_name", "LV", 4, false), f("lv_attr", "Attr", 0, false), f("lv_size", "LSize", 0, true),
    f("pool_lv", "Pool", 0, false), f("origin", "Origin", 0, false), f("data_percent", "Data%", 6, false), f("snap_percent", "Snap%", 6, false), f("origin_size", "OSize", 0, true),
    f("metadata_percent", "Meta%", 6, false), f("move_pv", "Move", 0, false), f("mirror_log", "Log", 0, false),
    f("copy_percent", "Cpy%Sync", 0, false), f("convert_lv", "Convert", 0, false), f("lv_uuid", "LV UUID", 38, false),
    f("lv_path", "Path", 0, false), f("lv_full_name", "LV", 0, false), f("lv_active", "Active", 0, false), f("lv_dm_path", "DMPath", 0, false), f("devices", "Devices", 0, false),
    f("seg_pe_ranges", "PE Ranges", 0, false), f("seg_count", "#Seg", 0, true), f("lv_kernel_major", "KMaj", 0, true),
    f("lv_kernel_minor", "KMin", 0, true), f("segtype", "Type", 0, false), f("chunk_size", "Chunk", 0, true),
    f("lv_role", "Role", 10, false), f("stripes", "#Str", 0, true), f("seg_size", "SSize", 0, true),
    f("seg_size_pe", "SSize", 0, true), f("seg_start", "Start", 0, true), f("seg_start_pe", "Start", 0, true),
    f("data_stripes", "#DStr", 0, true), f("stripe_size", "Stripe", 0, true),
    f("pv_mda_count", "#PMda", 0, true), f("pv_mda_used_count", "#PMdaUse", 0, true), f("pv_mda_size", "PMdaSize", 9, true),
    f("pv_mda_free", "PMdaFree", 9, true), f("pv_ba_start", "BA Start", 0, true), f("pv_ba_size", "BA Size", 0, true),
    f("vg_mda_count", "#VMda", 0, true), f("vg_mda_used_count", "#VMdaUse", 0, true), f("vg_mda_size", "VMdaSize", 9, true),
    f("vg_mda_free", "VMdaFree", 9, true), f("vg_mda_copies", "#VMdaCps", 0, true),
    #[cfg(feature = "lvm-extras")]
    f("lv_major", "Maj", 0, true),
    #[cfg(feature = "lvm-extras")]
    f("lv_minor", "Min", 0, true),
    #[cfg(feature = "lvm-extras")]
    f("lv_profile", "LProfile", 0, false),
    #[cfg(feature = "lvm-extras")]
    f("vg_profile", "VProfile", 0, false),
    #[cfg(feature = "lvm-extras")]
    f("max_lv", "MaxLV", 0, true),
    #[cfg(feature = "lvm-extras")]
    f("max_pv", "MaxPV", 0, true),
    #[cfg(feature = "lvm-extras")]
    f("seg_le_ranges", "LE Ranges", 0, false),
    // Fields whose values the lab's objects never vary (no tags, exports,
    // missing PVs or policies other than the defaults).
    #[cfg(feature = "lvm-extras")]
    f("pv_tags", "PV Tags", 0, false),
    #[cfg(feature = "lvm-extras")]
    f("pv_missing", "Missing", 10, true),
    #[cfg(feature = "lvm-extras")]
    f("pv_exported", "Exported", 10, true),
    #[cfg(feature = "lvm-extras")]
    f("vg_fmt", "Fmt", 0, false),
    #[cfg(feature = "lvm-extras")]
    f("vg_permissions", "VPerms", 10, false),
    #[cfg(feature = "lvm-extras")]
    f("vg_allocation_policy", "AllocPol", 10, false),
    #[cfg(feature = "lvm-extras")]
    f("vg_exported", "Exported", 10, true),
    #[cfg(feature = "lvm-extras")]
    f("vg_missing_pv_count", "#PV Missing", 0, true),
    #[cfg(feature = "lvm-extras")]
    f("vg_tags", "VG Tags", 0, false),
    #[cfg(feature = "lvm-extras")]
    f("lv_allocation_policy", "AllocPol", 10, false),
    #[cfg(feature = "lvm-extras")]
    f("lv_permissions", "LPerms", 8, false),
    #[cfg(feature = "lvm-extras")]
    f("lv_tags", "LV Tags", 0, false),
];

/// Fields of a segment: any of them makes the report a row per segment.
const SEGMENT_FIELDS: &[&str] = &[
    "segtype", "stripes", "data_stripes", "stripe_size", "seg_size", "seg_size_pe", "seg_start", "seg_start_pe", "devices",
    "seg_pe_ranges", "chunk_size",
    #[cfg(feature = "lvm-extras")]
    "seg_le_ranges",
];

/// `-o help`: every field lvm2 2.03.16 knows, the same list for pvs, vgs and lvs.
#[cfg(feature = "lvm-field-help")]
const FIELDS_HELP: &str = include_str!("fields_help.txt");
/// The browser leaves the 18 KB list out (4.0 KiB gzipped; the bundle
/// budget) and says where it is.
#[cfg(not(feature = "lvm-field-help"))]
const FIELDS_HELP: &str = "The list of report fields is not in the browser: the storage-lab command-line program prints it, as lvm2 2.03.16 does.\n";

pub(super) const PVS_DEFAULT: &[&str] = &["pv_name", "vg_name", "pv_fmt", "pv_attr", "pv_size", "pv_free"];
pub(super) const VGS_DEFAULT: &[&str] = &["vg_name", "pv_count", "lv_count", "snap_count", "vg_attr", "vg_size", "vg_free"];
/// The defaults with `-v`, as lvm2's columns.h `_COLS_VERBOSE` lists them
/// (the browser keeps the plain defaults: feature `lvm-extras`).
#[cfg(feature = "lvm-extras")]
const PVS_VERBOSE: &[&str] = &["pv_name", "vg_name", "pv_fmt", "pv_attr", "pv_size", "pv_free", "dev_size", "pv_uuid"];
#[cfg(feature = "lvm-extras")]
const VGS_VERBOSE: &[&str] = &["vg_name", "vg_attr", "vg_extent_size", "pv_count", "lv_count", "snap_count", "vg_size", "vg_free", "vg_uuid", "vg_profile"];
#[cfg(feature = "lvm-extras")]
const LVS_VERBOSE: &[&str] = &[
    "lv_name", "vg_name", "seg_count", "lv_attr", "lv_size", "lv_major", "lv_minor", "lv_kernel_major", "lv_kernel_minor", "pool_lv",
    "origin", "data_percent", "metadata_percent", "move_pv", "copy_percent", "mirror_log", "convert_lv", "lv_uuid", "lv_profile",
];
/// A PV segment's place and length in extents (`pvs --segments`).
#[cfg(feature = "lvm-extras")]
const PVSEG_FIELDS: &[Field] = &[f("pvseg_start", "Start", 0, true), f("pvseg_size", "SSize", 0, true)];
/// `pvs --segments`.
#[cfg(feature = "lvm-extras")]
const PVS_SEGMENTS: &[&str] = &["pv_name", "vg_name", "pv_fmt", "pv_attr", "pv_size", "pv_free", "pvseg_start", "pvseg_size"];
/// `lvs --segments`.
const LVS_SEGMENTS: &[&str] = &["lv_name", "vg_name", "lv_attr", "stripes", "segtype", "seg_size"];
pub(super) const LVS_DEFAULT: &[&str] = &[
    "lv_name", "vg_name", "lv_attr", "lv_size", "pool_lv", "origin", "data_percent", "metadata_percent",
    "move_pv", "mirror_log", "copy_percent", "convert_lv",
];

/// Resolves a field name as lvm2's `_is_same_field` does: without
/// underscores or case, exactly or after the report type's prefix (`pv`,
/// `vg`, `lv`; `pvseg` and `seg` in segment reports, see `report_type`).
pub(super) fn field_named(report: &str, name: &str) -> Option<&'static Field> {
    let canon = |s: &str| s.replace('_', "").to_ascii_lowercase();
    let (name, prefix) = (canon(name), if report.ends_with("seg") { report } else { &report[..2] });
    let same = |f: &&Field| {
        let id = canon(f.name);
        id == name || id.strip_prefix(prefix) == Some(&name)
    };
    let found = FIELDS.iter().find(same);
    #[cfg(feature = "lvm-extras")]
    let found = found.or_else(|| PVSEG_FIELDS.iter().find(same));
    found
}

/// The report type whose prefix short field names take: segment reports
/// have their own (native; the browser has no `pvs --segments`).
fn report_type<'c>(cmd: &'c str, a: &Args) -> &'c str {
    match cmd {
        #[cfg(feature = "lvm-extras")]
        "pvs" if a.segments => "pvseg",
        "lvs" if a.segments => "seg",
        _ => cmd,
    }
}

/// One row of a report: field name to rendered value.
pub(super) type Row = Vec<(&'static str, String)>;

pub(super) fn pv_attr(pv: &Pv) -> &'static str {
    if pv.vg_name.is_some() {
        "a--"
    } else {
        "---"
    }
}

pub(super) fn lv_attr(machine: &Machine, vg: &Vg, lv: &Lv) -> String {
    let open = open_lv(machine, &vg.name, &lv.name);
    let o = if open { 'o' } else { '-' };
    match &lv.kind {
        // An origin of classic snapshots: `o` type, `s` for its snapshots.
        LvKind::Linear if vg.snapshots_of(&lv.name).next().is_some() => format!("owi-a{o}s---"),
        LvKind::Linear => format!("-wi-a{o}----"),
        LvKind::Snapshot(c) if c.invalid => format!("swi-I{o}s---"),
        LvKind::Snapshot(_) => format!("swi-a{o}s---"),
        LvKind::ThinPool(p) => {
            let used = !vg.thin_users(&lv.name).is_empty();
            format!("twi-a{}tz{}-", if used { 'o' } else { '-' }, if p.out_of_space { 'D' } else { '-' })
        }
        LvKind::Thin { .. } => {
            let flag = |on, c| if on { c } else { '-' };
            format!("Vwi-{}{}tz-{}", flag(lv.active, 'a'), flag(open, 'o'), flag(lv.skip_activation, 'k'))
        }
        LvKind::PoolData { .. } => "Twi-ao----".into(),
        LvKind::PoolMeta { .. } => "ewi-ao----".into(),
        LvKind::Pmspare => "ewi-------".into(),
    }
}

/// Pool metadata in use, as a `dm_percent_t`: a fixed base plus a little per
/// mapped chunk (an estimate; the kernel's count is not modelled).
pub(super) fn meta_percent(vg: &Vg, pool: &Lv) -> String {
    let meta_bytes = vg.pool_meta(&pool.name).map_or(1, |m| m.extent_count() * vg.extent_size_bytes).max(1);
    let used_chunks = pool.pool().map_or(0, |p| p.used_chunks());
    let blocks = (meta_bytes / 4096).max(1);
    let used_blocks = 112.min(blocks) * 64 + used_chunks;
    percent_text(used_blocks.min(blocks * 64), blocks * 64)
}

/// Data% of a pool (chunks used) or a thin volume (bytes mapped).
pub(super) fn data_percent(vg: &Vg, lv: &Lv) -> String {
    match &lv.kind {
        LvKind::ThinPool(p) => percent_text(p.used_chunks(), Lvm::pool_total_chunks(vg, lv)),
        // dm-snapshot's usage; a store holding only its header and first
        // area shows 0 (lvm2's `_snap_target_percent`).
        #[cfg(feature = "classic-snapshots")]
        LvKind::Snapshot(c) => {
            let (used, total, meta) = c.usage(lv.extent_count() * vg.extent_size_bytes);
            match (c.invalid, used == meta) {
                (true, _) => percent_text(1, 1),
                (false, true) => percent_text(0, 1),
                (false, false) => percent_text(used, total),
            }
        }
        LvKind::Thin { map, virtual_bytes, pool, .. } if lv.active => {
            let chunk = vg.lv(pool).and_then(|p| p.pool()).map_or(crate::core::lvm::DEFAULT_THIN_CHUNK_BYTES, |p| p.chunk_size_bytes);
            percent_text(map.mapped().saturating_mul(chunk), *virtual_bytes)
        }
        _ => String::new(),
    }
}

pub(super) fn lv_rows(machine: &Machine, a: &Args, vg: &Vg, lv: &Lv, fields: &[&'static Field]) -> Vec<Row> {
    let u = a.units;
    let shown_name = if lv.is_hidden() { format!("[{}]", lv.name) } else { lv.name.clone() };
    let per_segment = a.segments || fields.iter().any(|f| SEGMENT_FIELDS.contains(&f.name));
    let segs: Vec<Option<&Segment>> = if per_segment && !lv.segments.is_empty() { lv.segments.iter().map(Some).collect() } else { vec![None] };
    segs.into_iter()
        .map(|seg| {
            fields
                .iter()
                .map(|fld| {
                    let v = match fld.name {
                        "lv_name" => shown_name.clone(),
                        "vg_name" => vg.name.clone(),
                        #[cfg(feature = "lvm-extras")]
                        // Without device-mapper the state and open flags are unknown.
                        "lv_attr" if activation_disabled(a) => lv_attr(machine, vg, lv).char_indices().map(|(i, c)| if i == 4 || i == 5 { 'X' } else { c }).collect(),
                        "lv_attr" => lv_attr(machine, vg, lv),
                        "lv_size" => short_size(vg.lv_size_bytes(lv), u),
                        "pool_lv" => match &lv.kind {
                            LvKind::Thin { pool, .. } => pool.clone(),
                            _ => String::new(),
                        },
                        "origin" => match &lv.kind {
                            #[cfg(feature = "classic-snapshots")]
                            LvKind::Snapshot(c) => c.origin.clone(),
                            _ => lv.thin_origin().unwrap_or_default().to_string(),
                        },
                        "data_percent" => data_percent(vg, lv),
                        "snap_percent" => if matches!(lv.kind, LvKind::Snapshot(_)) { data_percent(vg, lv) } else { String::new() },
                        "origin_size" => match &lv.kind {
                            #[cfg(feature = "classic-snapshots")]
                            LvKind::Snapshot(c) => vg.lv(&c.origin).map_or(String::new(), |o| short_size(vg.lv_size_bytes(o), u)),
                            _ if vg.snapshots_of(&lv.name).next().is_some() => short_size(vg.lv_size_bytes(lv), u),
                            _ => String::new(),
                        },
                        "metadata_percent" => match &lv.kind {
                            LvKind::ThinPool(_) => meta_percent(vg, lv),
                            _ => String::new(),
                        },
                        "lv_uuid" => lv.uuid.clone(),
                        "lv_path" => if lv.is_hidden() { String::new() } else { format!("/dev/{}/{}", vg.name, lv.name) },
                        "lv_full_name" => format!("{}/{}", vg.name, lv.name),
                        // The lab keeps every LV active.
                        #[cfg(feature = "lvm-extras")]
                        "lv_permissions" => if activation_disabled(a) { "unknown" } else { "writeable" }.into(),
                        #[cfg(feature = "lvm-extras")]
                        "lv_allocation_policy" => "inherit".into(),
                        #[cfg(feature = "lvm-extras")]
                        "lv_tags" => String::new(),
                        "lv_active" if activation_disabled(a) => "unknown".into(),
                        "lv_active" => "active".into(),
                        "lv_dm_path" => format!("/dev/mapper/{}", dm_name(&vg.name, &lv.name)),
                        "seg_count" => lv.segments.len().max(1).to_string(),
                        #[cfg(feature = "lvm-extras")]
                        "lv_major" | "lv_minor" => "-1".into(),
                        "lv_role" => lv_role(vg, lv),
                        "lv_kernel_major" | "lv_kernel_minor" | "chunk_size" | "segtype" => lv_kernel_value(lv, seg, fld.name, u),
                        name if SEGMENT_FIELDS.contains(&name) => segment_value(machine, vg, lv, seg, name, u),
                        other => vg_value(machine, vg, other, u),
                    };
                    (fld.name, v)
                })
                .collect()
        })
        .collect()
}

/// A segment's fields; without a segment (thin volumes, pools) the LV's.
fn segment_value(machine: &Machine, vg: &Vg, lv: &Lv, seg: Option<&Segment>, field: &str, u: Units) -> String {
    let extent = vg.extent_size_bytes;
    let pv_name = |a: &Area| machine.lvm().pv_name(a.pv);
    let areas = seg.map_or(&[][..], |s| &s.areas[..]);
    let size_pe = seg.map_or(vg.lv_size_bytes(lv) / extent.max(1), |s| s.extent_count);
    match field {
        "devices" => match (seg, &lv.kind) {
            (None, LvKind::ThinPool(_)) => format!("{}_tdata(0)", lv.name),
            _ => areas.iter().map(|a| format!("{}({})", pv_name(a), a.pe_start)).collect::<Vec<_>>().join(","),
        },
        // The two differ only for raid and mirror images, which the lab lacks.
        "seg_pe_ranges" | "seg_le_ranges" => {
            let len = seg.map_or(0, Segment::area_len);
            areas.iter().map(|a| format!("{}:{}-{}", pv_name(a), a.pe_start, (a.pe_start + len).saturating_sub(1))).collect::<Vec<_>>().join(" ")
        }
        "stripes" | "data_stripes" => seg.map_or(1, Segment::stripes).to_string(),
        "stripe_size" => short_size(seg.map_or(0, |s| s.stripe_size_bytes), u),
        "seg_size" => short_size(size_pe * extent, u),
        "seg_size_pe" => size_pe.to_string(),
        "seg_start" => short_size(seg.map_or(0, |s| s.le_start) * extent, u),
        "seg_start_pe" => seg.map_or(0, |s| s.le_start).to_string(),
        _ => String::new(),
    }
}

/// lvm2's `lv_role`: public or private, then a thin volume's origin and
/// snapshot roles (the VG is needed only to count a thin origin's snapshots).
#[cfg_attr(not(feature = "thin-snapshots"), allow(unused_variables))]
fn lv_role(vg: &Vg, lv: &Lv) -> String {
    if lv.is_hidden() {
        return "private".into();
    }
    let mut role = String::from("public");
    let classic = vg.snapshots_of(&lv.name).count();
    if classic > 0 {
        role.push_str(if classic > 1 { ",origin,thickorigin,multithickorigin" } else { ",origin,thickorigin" });
    }
    if matches!(lv.kind, LvKind::Snapshot(_)) {
        role.push_str(",snapshot,thicksnapshot");
    }
    #[cfg(feature = "thin-snapshots")]
    let snapshots = vg.lvs.iter().filter(|l| l.thin_origin() == Some(&lv.name)).count();
    #[cfg(feature = "thin-snapshots")]
    {
        if snapshots > 0 {
            role.push_str(",origin,thinorigin");
        }
        if snapshots > 1 {
            role.push_str(",multithinorigin");
        }
        if lv.thin_origin().is_some() {
            role.push_str(",snapshot,thinsnapshot");
        }
    }
    role
}

/// Fields that depend on the LV's kind and kernel state.
fn lv_kernel_value(lv: &Lv, seg: Option<&Segment>, field: &str, u: Units) -> String {
    match field {
        "lv_kernel_major" => if lv.active && lv.dm_minor.is_some() { "253".into() } else { "-1".into() },
        "lv_kernel_minor" => lv.dm_minor.map_or("-1".into(), |m| m.to_string()),
        "segtype" => match lv.kind {
            LvKind::ThinPool(_) => "thin-pool".into(),
            LvKind::Thin { .. } => "thin".into(),
            _ if seg.is_some_and(|s| s.stripes() > 1) => "striped".into(),
            _ => "linear".into(),
        },
        "chunk_size" => match &lv.kind {
            LvKind::ThinPool(p) => short_size(p.chunk_size_bytes, u),
            #[cfg(feature = "classic-snapshots")]
            LvKind::Snapshot(c) => short_size(c.chunk_bytes, u),
            _ => short_size(0, u),
        },
        _ => String::new(),
    }
}

pub(super) fn vg_value(machine: &Machine, vg: &Vg, field: &str, u: Units) -> String {
    let lvm = machine.lvm();
    match field {
        "vg_name" => vg.name.clone(),
        "pv_count" => vg.pvs.len().to_string(),
        "lv_count" => vg.lvs.iter().filter(|l| !l.is_hidden()).count().to_string(),
        "snap_count" => vg.lvs.iter().filter(|l| matches!(l.kind, LvKind::Snapshot(_))).count().to_string(),
        "vg_attr" => "wz--n-".into(),
        #[cfg(feature = "lvm-extras")]
        "vg_fmt" => "lvm2".into(),
        #[cfg(feature = "lvm-extras")]
        "vg_permissions" => "writeable".into(),
        #[cfg(feature = "lvm-extras")]
        "vg_allocation_policy" => "normal".into(),
        #[cfg(feature = "lvm-extras")]
        "vg_missing_pv_count" => "0".into(),
        #[cfg(feature = "lvm-extras")]
        "vg_tags" | "vg_exported" => String::new(),
        "vg_size" => short_size(lvm.vg_extent_count(vg) * vg.extent_size_bytes, u),
        "vg_free" => short_size(lvm.vg_free_extents(vg) * vg.extent_size_bytes, u),
        "vg_extent_size" => short_size(vg.extent_size_bytes, u),
        "vg_extent_count" => lvm.vg_extent_count(vg).to_string(),
        "vg_free_count" => lvm.vg_free_extents(vg).to_string(),
        "vg_uuid" => vg.uuid.clone(),
        "vg_seqno" => vg.seqno.to_string(),
        "vg_mda_count" | "vg_mda_used_count" => vg_mdas(lvm, vg).count().to_string(),
        // No limit: lvm2's format leaves both 0.
        #[cfg(feature = "lvm-extras")]
        "max_lv" | "max_pv" => "0".into(),
        "vg_mda_size" => short_size(vg_mdas(lvm, vg).map(|m| m.size_bytes).min().unwrap_or(0), u),
        #[cfg(feature = "lvm-extras")]
        "vg_mda_free" => {
            let text = committed_bytes(machine, vg);
            short_size(vg_mdas(lvm, vg).map(|m| mda_free_bytes(m.size_bytes, text)).min().unwrap_or(0), u)
        }
        "vg_mda_copies" => "unmanaged".into(),
        _ => String::new(),
    }
}

fn vg_mdas<'a>(lvm: &'a Lvm, vg: &'a Vg) -> impl Iterator<Item = &'a Mda> + 'a {
    vg.pvs.iter().filter_map(|d| lvm.pv(*d)).flat_map(|p| p.mdas.iter())
}

/// lvm2's free space in a metadata area holding `text_bytes` of metadata (0
/// when unused): a copy may take half the area after its header, less a
/// sector for alignment; free space is counted in whole sectors.
#[cfg(feature = "lvm-extras")]
fn mda_free_bytes(mda_size: u64, text_bytes: u64) -> u64 {
    let max = (mda_size.saturating_sub(512) / 2).saturating_sub(512);
    max.saturating_sub(text_bytes) / 512 * 512
}

/// A PV's metadata-area fields.
#[cfg_attr(not(feature = "lvm-extras"), allow(unused_variables))]
fn pv_mda_value(machine: &Machine, pv: &Pv, vg: Option<&Vg>, field: &str, u: Units) -> String {
    #[cfg(feature = "lvm-extras")]
    let text = vg.map_or(0, |v| committed_bytes(machine, v));
    let smallest = |f: &dyn Fn(&Mda) -> u64| pv.mdas.iter().map(f).min().unwrap_or(0);
    match field {
        "pv_mda_count" | "pv_mda_used_count" => pv.mdas.len().to_string(),
        "pv_mda_size" => short_size(smallest(&|m| m.size_bytes), u),
        #[cfg(feature = "lvm-extras")]
        "pv_mda_free" => short_size(smallest(&|m| mda_free_bytes(m.size_bytes, text)), u),
        _ => short_size(0, u),
    }
}

pub(super) fn pv_row(machine: &Machine, pv: &Pv, fields: &[&'static Field], u: Units) -> Row {
    let vg = pv.vg_name.as_deref().and_then(|n| machine.lvm().vg(n));
    let extent = vg.map_or(0, |v| v.extent_size_bytes);
    let free_ext = machine.lvm().pv_free_extents(pv);
    fields
        .iter()
        .map(|fld| {
            let v = match fld.name {
                "pv_name" => pv.name.clone(),
                "vg_name" => pv.vg_name.clone().unwrap_or_default(),
                "pv_fmt" => "lvm2".into(),
                "pv_attr" => pv_attr(pv).into(),
                // lvm2's `_pvsize_disp`: a PV without extents shows its whole size.
                "pv_size" => short_size(if vg.is_some() && pv.pe_count > 0 { pv.pe_count * extent } else { pv.dev_size_bytes }, u),
                "pv_free" => short_size(if vg.is_some() { free_ext * extent } else { pv.dev_size_bytes }, u),
                "pv_used" => short_size((pv.pe_count - free_ext.min(pv.pe_count)) * extent, u),
                "pe_start" => short_size(pv.pe_start_bytes, u),
                "pv_pe_count" => pv.pe_count.to_string(),
                "pv_pe_alloc_count" => (pv.pe_count - free_ext.min(pv.pe_count)).to_string(),
                "pv_uuid" => pv.uuid.clone(),
                "dev_size" => short_size(pv.dev_size_bytes, u),
                #[cfg(feature = "lvm-extras")]
                "pv_tags" | "pv_missing" | "pv_exported" => String::new(),
                "pv_mda_count" | "pv_mda_used_count" | "pv_mda_size" | "pv_mda_free" | "pv_ba_start" | "pv_ba_size" => {
                    pv_mda_value(machine, pv, vg, fld.name, u)
                }
                other => vg.map(|v| vg_value(machine, v, other, u)).unwrap_or_default(),
            };
            (fld.name, v)
        })
        .collect()
}

pub(super) fn render(report: &str, fields: &[&'static Field], rows: &[Row], a: &Args) -> String {
    if a.json {
        let key = &report[..2];
        let lines: Vec<String> = rows
            .iter()
            .map(|r| {
                let cells: Vec<String> = r.iter().map(|(k, v)| format!("{}:{}", json_string(k), json_string(v))).collect();
                format!("                  {{{}}}\n", cells.join(", "))
            })
            .collect();
        return format!(
            "  {{\n      \"report\": [\n          {{\n              \"{key}\": [\n{}              ]\n          }}\n      ]\n  }}\n",
            lines.join(",").replace("}\n,", "},\n")
        );
    }
    #[cfg(feature = "lvm-extras")]
    let (prefixes, quote, as_rows) = (a.nameprefixes, if a.unquoted { "" } else { "'" }, a.rows);
    #[cfg(not(feature = "lvm-extras"))]
    let (prefixes, quote, as_rows) = (false, "", false);
    // `--nameprefixes`: LVM2_LV_NAME='root', never padded.
    let cell = |(name, v): &(&str, String)| if prefixes { format!("LVM2_{}={quote}{v}{quote}", name.to_ascii_uppercase()) } else { v.clone() };
    // Columns are padded unless --separator is given without --aligned.
    let aligned = (a.separator.is_none() || a.aligned) && !prefixes;
    let separator = a.separator.clone().unwrap_or_else(|| " ".into());
    if as_rows {
        // `--rows`: a line per field, heading first, never padded.
        let mut out = String::new();
        for (i, f) in fields.iter().enumerate() {
            let heading = (!a.noheadings).then(|| f.header.to_string());
            let items: Vec<String> = heading.into_iter().chain(rows.iter().map(|r| cell(&r[i]))).collect();
            out.push_str(&format!("  {}\n", items.join(&separator)));
        }
        return out;
    }
    let widths: Vec<usize> = fields
        .iter()
        .enumerate()
        .map(|(i, f)| {
            // A field's width is at least its columns.h width, or its heading's
            // length when that is 0, with or without --noheadings.
            let data = rows.iter().map(|r| r[i].1.chars().count()).max().unwrap_or(0);
            data.max(f.header.len()).max(f.width)
        })
        .collect();
    let mut out = String::new();
    let mut line = |cells: Vec<(String, bool)>| {
        out.push_str("  ");
        let parts: Vec<String> = cells
            .into_iter()
            .zip(&widths)
            .map(|((c, right), w)| match (aligned, right) {
                (false, _) => c,
                (true, true) => format!("{c:>w$}"),
                (true, false) => format!("{c:<w$}"),
            })
            .collect();
        out.push_str(&parts.join(&separator));
        out.push('\n');
    };
    if !a.noheadings {
        line(fields.iter().map(|f| (f.header.to_string(), false)).collect());
    }
    for r in rows {
        line(r.iter().zip(fields).map(|(c, f)| (cell(c), f.right)).collect());
    }
    out
}

pub(super) fn report(machine: &Machine, cmd: &str, a: &Args) -> Output {
    let fields = match report_fields(cmd, a) {
        Ok(f) => f,
        Err(o) => return o,
    };
    let (mut t, mut missing) = (String::new(), false);
    #[cfg(feature = "lvm-extras")]
    let rows = match super::select::Plan::new(cmd, a.sort.as_deref(), a.select.as_deref(), FIELDS_HELP) {
        Ok(plan) if !plan.is_empty() => {
            let mut all = fields.clone();
            all.extend(plan.extra_fields(&fields));
            // Sorting and selecting compare sizes in bytes.
            let bytes = Args { units: Units { unit: 'b', explicit: true, suffix: false }, ..a.clone() };
            match (rows_of(&mut t, &mut missing, machine, cmd, a, &all), rows_of(&mut String::new(), &mut false, machine, cmd, &bytes, &all)) {
                (Ok(rows), Ok(raw)) => Ok(plan.apply(rows, raw, fields.len())),
                _ => Err(()),
            }
        }
        Ok(_) => rows_of(&mut t, &mut missing, machine, cmd, a, &fields),
        Err(o) => return o,
    };
    #[cfg(not(feature = "lvm-extras"))]
    let rows = rows_of(&mut t, &mut missing, machine, cmd, a, &fields);
    let Ok(rows) = rows else { return fail(t) };
    let status = if missing { 5 } else { 0 };
    if rows.is_empty() && !a.json {
        return Output { text: t, exit_status: status, ..Output::default() };
    }
    // lvm2 reports what it found after saying what it did not.
    let text = if missing { t + &render(cmd, &fields, &rows, a) } else { render(cmd, &fields, &rows, a) };
    Output { text, exit_status: status, ..Output::default() }
}

/// The report's rows; `missing` is set when a name on the line was not
/// found (lvm2 says so, reports the rest, and exits 5).
fn rows_of(t: &mut String, missing: &mut bool, machine: &Machine, cmd: &str, a: &Args, fields: &[&'static Field]) -> Result<Vec<Row>, ()> {
    #[cfg(feature = "lvm-extras")]
    match (cmd, fields.iter().any(|f| is_pv_field(f.name)), fields.iter().any(|f| is_lv_field(f.name))) {
        ("lvs", true, _) if !a.segments => {
            err_msg(t, "Can't report LV and PV fields at the same time in report type \"lv\".");
            return Err(());
        }
        ("vgs", true, _) => return vg_rows(t, missing, machine, a, fields).map(|_| pv_rows_of_vgs(machine, a, fields)),
        ("vgs", _, true) => return vg_rows(t, missing, machine, a, fields).map(|_| lv_rows_of_vgs(machine, a, fields)),
        ("pvs", _, lv) if lv || a.segments || fields.iter().any(|f| f.name.starts_with("pvseg_")) => {
            return Ok(pv_segment_rows(machine, a, fields, listed_pvs_in_order(t, missing, machine, a)));
        }
        _ => {}
    }
    match cmd {
        "pvs" => pv_rows(t, missing, machine, a, fields),
        "vgs" => vg_rows(t, missing, machine, a, fields),
        _ => lv_report_rows(t, missing, machine, a, fields),
    }
}

/// A PV's own field (`pv_count` is the VG's).
#[cfg(feature = "lvm-extras")]
fn is_pv_field(name: &str) -> bool {
    name.starts_with("pv_") && name != "pv_count" || matches!(name, "pe_start" | "dev_size")
}

/// An LV's or a segment's field.
#[cfg(feature = "lvm-extras")]
fn is_lv_field(name: &str) -> bool {
    name.starts_with("lv_") && name != "lv_count" || SEGMENT_FIELDS.contains(&name) || matches!(name, "pool_lv" | "origin" | "data_percent" | "metadata_percent" | "segtype" | "chunk_size")
}

/// `vgs` with PV fields reports each VG once per PV (lvm2's PVS report
/// type), the PVs in metadata order.
#[cfg(feature = "lvm-extras")]
fn pv_rows_of_vgs(machine: &Machine, a: &Args, fields: &[&'static Field]) -> Vec<Row> {
    let vgs = machine.lvm().vgs_by_name();
    let wanted = vgs.into_iter().filter(|v| a.positional.is_empty() || a.positional.contains(&v.name));
    wanted.flat_map(|vg| vg.pvs.iter().filter_map(|d| machine.lvm().pvs.iter().find(|p| p.dev == *d))).map(|pv| pv_row(machine, pv, fields, a.units)).collect()
}

/// `vgs` with LV fields reports each VG once per LV (lvm2's LVS report
/// type; once per segment with segment fields), the LVs in metadata order.
/// A VG without LVs has no row.
#[cfg(feature = "lvm-extras")]
fn lv_rows_of_vgs(machine: &Machine, a: &Args, fields: &[&'static Field]) -> Vec<Row> {
    let vgs = machine.lvm().vgs_by_name();
    let wanted = vgs.into_iter().filter(|v| a.positional.is_empty() || a.positional.contains(&v.name));
    wanted.flat_map(|vg| vg.lvs.iter().filter(|l| a.all || !l.is_hidden()).flat_map(move |lv| lv_rows(machine, a, vg, lv, fields))).collect()
}

/// `pvs` with LV fields reports each PV once per segment (lvm2's PVSEGS
/// report type), free segments with the LV fields empty.
#[cfg(feature = "lvm-extras")]
fn pv_segment_rows(machine: &Machine, a: &Args, fields: &[&'static Field], pvs: Vec<&Pv>) -> Vec<Row> {
    // A free segment's (or an orphan PV's) LV numbers are 0, its names empty.
    let none = |i: usize| match fields[i] {
        f if f.name == "segtype" => "free".to_string(),
        f if super::select::is_size(f) => short_size(0, a.units),
        f if f.right => "0".to_string(),
        _ => String::new(),
    };
    let mut out = Vec::new();
    for pv in pvs {
        let row = pv_row(machine, pv, fields, a.units);
        let vg = pv.vg_name.as_deref().and_then(|n| machine.lvm().vg(n));
        let mut runs: Vec<(u64, u64, Option<(&Lv, usize)>)> = match vg {
            Some(vg) => vg.runs_on(pv.dev).map(|(l, seg, start, n)| (start, n, Some((l, segment_index(l, seg))))).chain(machine.lvm().free_runs(pv).into_iter().map(|(start, n)| (start, n, None))).collect(),
            None => vec![(0, 0, None)],
        };
        runs.small_sort_by_key(|r| r.0);
        for (start, len, lv) in runs {
            // The row of the LV segment this PV segment belongs to.
            let lv_row = vg.zip(lv).map(|(vg, (l, i))| {
                let mut rows = lv_rows(machine, a, vg, l, fields);
                rows.swap_remove(i.min(rows.len() - 1))
            });
            // A segment's size is the PV segment's, free ones included.
            let extent = vg.map_or(0, |v| v.extent_size_bytes);
            let value = |i: usize, n: &str, v: &String| match n {
                "pvseg_start" => start.to_string(),
                "pvseg_size" | "seg_size_pe" => len.to_string(),
                "seg_size" => short_size(len * extent, a.units),
                _ if is_lv_field(n) => lv_row.as_ref().map_or_else(|| none(i), |r| r[i].1.clone()),
                _ => v.clone(),
            };
            out.push(row.iter().enumerate().map(|(i, (n, v))| (*n, value(i, n, v))).collect());
        }
    }
    out
}

#[cfg(feature = "lvm-extras")]
fn segment_index(lv: &Lv, seg: &Segment) -> usize {
    lv.segments.iter().position(|s| std::ptr::eq(s, seg)).unwrap_or(0)
}

/// The report's fields: the defaults, `-o +more`, or `-o` alone.
fn report_fields(cmd: &str, a: &Args) -> Result<Vec<&'static Field>, Output> {
    #[cfg(feature = "lvm-extras")]
    let verbose = a.flags.iter().any(|f| f == "-v" || f == "--verbose");
    let defaults: &[&str] = match cmd {
        #[cfg(feature = "lvm-extras")]
        "pvs" if a.segments => PVS_SEGMENTS,
        #[cfg(feature = "lvm-extras")]
        "pvs" if verbose => PVS_VERBOSE,
        "pvs" => PVS_DEFAULT,
        #[cfg(feature = "lvm-extras")]
        "vgs" if verbose => VGS_VERBOSE,
        "vgs" => VGS_DEFAULT,
        _ if a.segments => LVS_SEGMENTS,
        #[cfg(feature = "lvm-extras")]
        _ if verbose => LVS_VERBOSE,
        _ => LVS_DEFAULT,
    };
    let mut names: Vec<String> = defaults.iter().map(|s| s.to_string()).collect();
    if let Some(cols) = &a.columns {
        match cols.strip_prefix('+') {
            Some(extra) => names.extend(extra.split(',').map(str::to_string)),
            None => names = cols.split(',').map(str::to_string).collect(),
        }
    }
    let mut fields = Vec::new();
    for n in names.iter().filter(|n| !n.is_empty()) {
        if n.eq_ignore_ascii_case("help") || n == "?" {
            return Err(ok(err_text(FIELDS_HELP.into()), Vec::new()));
        }
        match field_named(report_type(cmd, a), n) {
            #[cfg(not(feature = "lvm-extras"))]
            Some(f) if f.name.ends_with("_mda_free") => {
                let mut t = String::new();
                err_msg(&mut t, &format!("{n}: this field is in the storage-lab command-line program, not in the browser yet"));
                return Err(fail(t));
            }
            Some(f) => fields.push(f),
            None => {
                // lvm2 lists every field first, as for `-o help` (native: the
                // browser has no list).
                let mut t = if cfg!(feature = "lvm-field-help") { err_text(FIELDS_HELP.into()) } else { String::new() };
                err_msg(&mut t, &format!("Unrecognised field: {n}"));
                return Err(fail(t));
            }
        }
    }
    Ok(fields)
}

fn pv_rows(t: &mut String, missing: &mut bool, machine: &Machine, a: &Args, fields: &[&'static Field]) -> Result<Vec<Row>, ()> {
    let pvs = listed_pvs_in_order(t, missing, machine, a);
    #[cfg(feature = "lvm-extras")]
    if a.all && a.positional.is_empty() && a.sort.is_none() {
        return Ok(all_device_rows(machine, pvs, a, fields));
    }
    Ok(pvs.into_iter().map(|p| pv_row(machine, p, fields, a.units)).collect())
}

/// `pvs -a`: every device the filters pass (not partitioned, not a zvol,
/// not an LV, 2 MiB and up: `pv_min_size`), a PV or not, by name; the
/// others have no format and no size.
#[cfg(feature = "lvm-extras")]
fn all_device_rows(machine: &Machine, pvs: Vec<&Pv>, a: &Args, fields: &[&'static Field]) -> Vec<Row> {
    fn flatten<'t>(nodes: &'t [crate::core::machine::BlockNode], out: &mut Vec<&'t crate::core::machine::BlockNode>) {
        for n in nodes {
            out.push(n);
            flatten(&n.children, out);
        }
    }
    let tree = machine.block_tree();
    let mut nodes = Vec::new();
    flatten(&tree, &mut nodes);
    let mut rows: Vec<(String, Row)> = pvs.iter().map(|p| (p.name.clone(), pv_row(machine, p, fields, a.units))).collect();
    for n in nodes {
        let seen = rows.iter().any(|(name, _)| *name == n.path) || pvs.iter().any(|p| p.dev == n.dev);
        if seen || !matches!(n.kind, "disk" | "part" | "loop") || n.size_bytes < 2 << 20 || super::pv::filtered(machine, &n.path, n.dev).is_some() {
            continue;
        }
        let row = fields
            .iter()
            .map(|f| {
                let v = match f.name {
                    "pv_name" => n.path.clone(),
                    "pv_attr" => "---".into(),
                    "dev_size" => short_size(n.size_bytes, a.units),
                    "pv_pe_count" | "pv_pe_alloc_count" => "0".into(),
                    _ if f.right => short_size(0, a.units),
                    _ => String::new(),
                };
                (f.name, v)
            })
            .collect();
        rows.push((n.path.clone(), row));
    }
    rows.sort_by(|x, y| x.0.cmp(&y.0));
    rows.into_iter().map(|(_, r)| r).collect()
}

/// The PVs `pvs` reports, in its order; `missing` as for `rows_of`.
fn listed_pvs_in_order<'m>(t: &mut String, missing: &mut bool, machine: &'m Machine, a: &Args) -> Vec<&'m Pv> {
    let mut pvs: Vec<&Pv> = machine.lvm().pvs.iter().collect();
    // The device scan's complaints come first (native: the browser has no
    // devices that small, and 476 bytes less).
    #[cfg(feature = "lvm-extras")]
    let small = |p: &String| machine.resolve(p).is_some_and(|d| machine.size_of(d) < 2 << 20);
    #[cfg(not(feature = "lvm-extras"))]
    let small = |_: &String| false;
    for p in a.positional.iter().filter(|p| small(p) && pv_at(machine, p).is_none()) {
        err_msg(t, &format!("Cannot use {p}: device is too small (pv_min_size)"));
        *missing = true;
    }
    for p in &a.positional {
        if pv_at(machine, p).is_none() && !small(p) {
            if machine.resolve(p).is_none() {
                err_msg(t, &format!("Cannot use {p}: device not found"));
            } else {
                err_msg(t, &format!("Failed to find physical volume \"{p}\"."));
            }
            *missing = true;
        }
    }
    if !a.positional.is_empty() {
        pvs.retain(|p| a.positional.iter().any(|x| names_pv(machine, x, p)));
    }
    pvs.small_sort_by(|x, y| x.name.cmp(&y.name));
    #[cfg(feature = "lvm-extras")]
    if a.sort.is_some() {
        // `-O` sorts lvm2's processing order, which its ties keep: VGs in
        // scan order, each VG's PVs in metadata order, then the PVs in no VG.
        let order = vgs_in_scan_order(machine);
        let place = |p: &Pv| {
            let vg = order.iter().position(|v| Some(&v.name) == p.vg_name.as_ref());
            (vg.is_none(), vg, vg.and_then(|i| order[i].pvs.iter().position(|d| *d == p.dev)))
        };
        pvs.small_sort_by_key(|p| place(p));
    }
    pvs
}

/// The VGs a report walks: by name, or with `-O` (whose ties keep it)
/// in lvm2's processing order.
fn report_vgs<'m>(machine: &'m Machine, a: &Args) -> Vec<&'m Vg> {
    #[cfg(feature = "lvm-extras")]
    if a.sort.is_some() {
        return vgs_in_scan_order(machine);
    }
    let _ = a;
    machine.lvm().vgs_by_name()
}

fn vg_rows(t: &mut String, missing: &mut bool, machine: &Machine, a: &Args, fields: &[&'static Field]) -> Result<Vec<Row>, ()> {
    let mut vgs = report_vgs(machine, a);
    for v in &a.positional {
        if machine.lvm().vg(v).is_none() {
            not_found_vg(t, v);
            *missing = true;
        }
    }
    if !a.positional.is_empty() {
        vgs.retain(|v| a.positional.contains(&v.name));
    }
    Ok(vgs.into_iter().map(|vg| fields.iter().map(|f| (f.name, vg_value(machine, vg, f.name, a.units))).collect()).collect())
}

/// The VGs and LVs named on the line: (VG, None) for a whole VG.
fn wanted_lvs(t: &mut String, missing: &mut bool, machine: &Machine, a: &Args) -> Vec<(String, Option<String>)> {
    let mut wanted = Vec::new();
    for p in &a.positional {
        let (vg, lv) = match lv_spec(machine, p) {
            Some((vg, lv)) => (vg, Some(lv)),
            None => (p.clone(), None),
        };
        let found = machine.lvm().vg(&vg).map(|v| lv.as_ref().is_none_or(|l| v.lv(l).is_some()));
        match found {
            None => not_found_vg(t, &vg),
            Some(false) => err_msg(t, &format!("Failed to find logical volume \"{vg}/{}\"", lv.as_deref().unwrap_or_default())),
            Some(true) => {
                wanted.push((vg, lv));
                continue;
            }
        }
        *missing = true;
    }
    wanted
}

fn lv_report_rows(t: &mut String, missing: &mut bool, machine: &Machine, a: &Args, fields: &[&'static Field]) -> Result<Vec<Row>, ()> {
    let wanted = wanted_lvs(t, missing, machine, a);
    let mut rows = Vec::new();
    for vg in report_vgs(machine, a) {
        let mut lvs: Vec<&Lv> = vg.lvs.iter().collect();
        // With `-O`, ties keep lvm2's processing order: the metadata's.
        #[cfg(feature = "lvm-extras")]
        let by_name = a.sort.is_none();
        #[cfg(not(feature = "lvm-extras"))]
        let by_name = true;
        if by_name {
            lvs.small_sort_by(|x, y| x.name.cmp(&y.name));
        }
        for lv in lvs {
            let named = wanted.iter().any(|(v, l)| *v == vg.name && l.as_ref() == Some(&lv.name));
            let whole_vg = a.positional.is_empty() || wanted.iter().any(|(v, l)| *v == vg.name && l.is_none());
            if named || ((a.all || !lv.is_hidden()) && whole_vg) {
                rows.extend(lv_rows(machine, a, vg, lv, fields));
            }
        }
    }
    Ok(rows)
}
