//! pvscan, pvdisplay, vgdisplay and lvdisplay.

use super::*;
use crate::console::Output;
use crate::core::lvm::{Lv, LvKind, Pv, Vg};
#[cfg(feature = "lvm-extras")]
use crate::core::device::DevId;
use crate::core::machine::Machine;
#[cfg(feature = "lvm-extras")]
use crate::core::order::SmallSort;

/// The VGs in the order lvm2's non-report commands process them: lvmcache
/// puts each VG first when its label scan, which runs in device-number
/// order, meets the VG's first PV. Reports sort by name instead.
/// (The browser takes them by name, for its budget.)
#[cfg(feature = "lvm-extras")]
pub(super) fn vgs_in_scan_order(machine: &Machine) -> Vec<&Vg> {
    let devno = |d: &DevId| machine.devices().get(*d).map_or(0, |b| ((b.major & 0xfff) << 8) | (b.minor & 0xff) | ((b.minor & !0xff) << 12));
    let mut vgs: Vec<&Vg> = machine.lvm().vgs.iter().collect();
    vgs.small_sort_by_key(|v| std::cmp::Reverse(v.pvs.iter().map(devno).min().unwrap_or(0)));
    vgs
}

#[cfg(not(feature = "lvm-extras"))]
pub(super) fn vgs_in_scan_order(machine: &Machine) -> Vec<&Vg> {
    machine.lvm().vgs_by_name()
}

/// The PVs in processing order: by VG (in scan order, each VG's in its
/// metadata order), then those in no VG.
#[cfg(feature = "lvm-extras")]
fn pvs_in_scan_order(machine: &Machine) -> Vec<&Pv> {
    let lvm = machine.lvm();
    let mut pvs: Vec<&Pv> = vgs_in_scan_order(machine).into_iter().flat_map(|vg| vg.pvs.iter().filter_map(|d| lvm.pv(*d))).collect();
    pvs.extend(lvm.pvs.iter().filter(|p| p.vg_name.is_none()));
    pvs
}

#[cfg(not(feature = "lvm-extras"))]
fn pvs_in_scan_order(machine: &Machine) -> Vec<&Pv> {
    machine.lvm().pvs.iter().collect()
}

/// `pvscan [-s]` as lvm2's `_pvscan_display_pv` prints it: names padded to
/// the longest PV name and the longest VG name (the orphans' internal VG,
/// `#orphans_lvm2`, included), in processing order (VGs by name, then the
/// PVs in no VG), and the totals. The browser keeps a shorter form
/// (feature `lvm-extras`: the exact one measured 0.3 KiB over its budget).
#[cfg(feature = "lvm-extras")]
pub(super) fn pvscan(machine: &Machine, a: &Args) -> Output {
    let lvm = machine.lvm();
    let pvs = pvs_in_scan_order(machine);
    let pv_w = lvm.pvs.iter().map(|p| p.name.len()).max().unwrap_or(0) + 2;
    let vg_w = lvm.vgs.iter().map(|v| v.name.len()).max().unwrap_or(0).max("#orphans_lvm2".len()) + 2;
    let (mut t, mut total, mut orphan_bytes, mut orphans) = (String::new(), 0, 0, 0);
    for pv in &pvs {
        let line = match pv.vg_name.as_deref().and_then(|n| lvm.vg(n)) {
            Some(v) => {
                let size = pv.pe_count * v.extent_size_bytes;
                total += size;
                let free = lvm.pv_free_extents(pv) * v.extent_size_bytes;
                format!("PV {:<pv_w$} VG {:<vg_w$} lvm2 [{} / {} free]", pv.name, v.name, long_size(size), long_size(free))
            }
            None => {
                (total, orphan_bytes, orphans) = (total + pv.dev_size_bytes, orphan_bytes + pv.dev_size_bytes, orphans + 1);
                format!("PV {:<pv_w$}    {:<vg_w$} lvm2 [{}]", pv.name, " ", long_size(pv.dev_size_bytes))
            }
        };
        msg(&mut t, if a.short { &pv.name } else { &line });
    }
    if pvs.is_empty() {
        msg(&mut t, "No matching physical volumes found");
    } else {
        let n = pvs.len();
        msg(&mut t, &format!("Total: {n} [{}] / in use: {} [{}] / in no VG: {orphans} [{}]", long_size(total), n - orphans, long_size(total - orphan_bytes), long_size(orphan_bytes)));
    }
    ok(t, Vec::new())
}

/// `pvscan` in the browser: the PVs and a total without the sizes in use.
#[cfg(not(feature = "lvm-extras"))]
pub(super) fn pvscan(machine: &Machine, _: &Args) -> Output {
    let mut t = String::new();
    let width = machine.lvm().pvs.iter().map(|p| p.name.len()).max().unwrap_or(0);
    for pv in &machine.lvm().pvs {
        let vg = pv.vg_name.as_deref().and_then(|n| machine.lvm().vg(n));
        match vg {
            Some(v) => {
                let free = machine.lvm().pv_free_extents(pv) * v.extent_size_bytes;
                msg(&mut t, &format!("PV {:<width$}   VG {:<8} lvm2 [{} / {} free]", pv.name, v.name, long_size(pv.pe_count * v.extent_size_bytes), long_size(free)));
            }
            None => msg(&mut t, &format!("PV {:<width$}            lvm2 [{}]", pv.name, long_size(pv.dev_size_bytes))),
        }
    }
    let total: u64 = machine.lvm().pvs.iter().map(|p| p.dev_size_bytes).sum();
    let in_vg = machine.lvm().pvs.iter().filter(|p| p.vg_name.is_some()).count();
    let orphans = machine.lvm().pvs.len() - in_vg;
    msg(&mut t, &format!("Total: {} [{}] / in use: {in_vg} [..] / in no VG: {orphans} [..]", machine.lvm().pvs.len(), long_size(total)));
    ok(t, Vec::new())
}

/// `vgscan`: each VG, by name, as lvm2's `vgscan_single` announces it.
#[cfg(feature = "lvm-extras")]
pub(super) fn vgscan(machine: &Machine) -> Output {
    let vgs = vgs_in_scan_order(machine);
    let mut t = String::new();
    for vg in vgs {
        msg(&mut t, &format!("Found volume group \"{}\" using metadata type lvm2", vg.name));
    }
    ok(t, Vec::new())
}

/// `lvscan [-a]`: each LV with its state, path, size and allocation policy
/// (`_lvscan_single`); VGs by name, LVs in metadata order.
#[cfg(feature = "lvm-extras")]
pub(super) fn lvscan(machine: &Machine, a: &Args) -> Output {
    let vgs = vgs_in_scan_order(machine);
    let mut t = String::new();
    for vg in vgs {
        let vg = &*as_seen(vg, a);
        for lv in vg.lvs.iter().filter(|l| a.all || !l.is_hidden()) {
            let invalid = matches!(&lv.kind, LvKind::Snapshot(c) if c.invalid);
            let state = if lv.active && !invalid { "ACTIVE   " } else { "inactive " };
            let kind = match lv.kind {
                LvKind::Snapshot(_) => "Snapshot",
                _ if vg.snapshots_of(&lv.name).next().is_some() => "Original",
                _ => "        ",
            };
            msg(&mut t, &format!("{state}{kind} '/dev/{}/{}' [{}] inherit", vg.name, lv.name, long_size(vg.lv_size_bytes(lv))));
        }
    }
    ok(t, Vec::new())
}

pub(super) fn pvdisplay(machine: &Machine, a: &Args) -> Output {
    #[cfg(feature = "lvm-extras")]
    if a.colon && (a.maps || a.short) {
        return usage_error("pvdisplay", &[if a.maps { "Option -c not allowed with option -m" } else { "Option -c is not allowed with option -s" }.into()]);
    }
    let mut t = String::new();
    let u = a.units;
    let pvs: Vec<&Pv> = pvs_in_scan_order(machine).into_iter().filter(|p| a.positional.is_empty() || a.positional.iter().any(|x| names_pv(machine, x, p))).collect();
    // A missing device is reported before the PVs, a device without a PV
    // after them; the PVs found are shown either way.
    let mut not_pvs = Vec::new();
    for p in &a.positional {
        if pv_at(machine, p).is_none() {
            if machine.resolve(p).is_none() {
                err_msg(&mut t, &format!("Cannot use {p}: device not found"));
            }
            not_pvs.push(p);
        }
    }
    for pv in pvs {
        if a.short {
            // An orphan's capacity is its whole size; a member's, its free extents.
            let vg = pv.vg_name.as_deref().and_then(|n| machine.lvm().vg(n));
            let size = vg.map_or(pv.dev_size_bytes, |v| machine.lvm().pv_free_extents(pv) * v.extent_size_bytes);
            msg(&mut t, &format!("Device \"{}\" has a capacity of {}", pv.name, long_size_as(u, size)));
            continue;
        }
        let vg = pv.vg_name.as_deref().and_then(|n| machine.lvm().vg(n));
        #[cfg(feature = "lvm-extras")]
        if a.colon {
            if vg.is_none() {
                msg(&mut t, &format!("\"{}\" is a new physical volume of \"{}\"", pv.name, long_size_as(u, pv.dev_size_bytes)));
            }
            msg(&mut t, &pv_colons(machine, pv, vg));
            continue;
        }
        let Some(vg) = vg else {
            msg(&mut t, &format!("\"{}\" is a new physical volume of \"{}\"", pv.name, long_size_as(u, pv.dev_size_bytes)));
            msg(&mut t, "--- NEW Physical volume ---");
            msg(&mut t, &format!("PV Name               {}", pv.name));
            msg(&mut t, "VG Name               ");
            msg(&mut t, &format!("PV Size               {}", long_size_as(u, pv.dev_size_bytes)));
            msg(&mut t, "Allocatable           NO");
            msg(&mut t, &format!("PE Size               {}", long_size_as(u, 0)));
            msg(&mut t, "Total PE              0");
            msg(&mut t, "Free PE               0");
            msg(&mut t, "Allocated PE          0");
            msg(&mut t, &format!("PV UUID               {}", pv.uuid));
            msg(&mut t, " ");
            continue;
        };
        let extent = vg.extent_size_bytes;
        let free = machine.lvm().pv_free_extents(pv);
        msg(&mut t, "--- Physical volume ---");
        msg(&mut t, &format!("PV Name               {}", pv.name));
        msg(&mut t, &format!("VG Name               {}", vg.name));
        // A PV too small for one extent (pv_min_size is 2 MiB) is no
        // allocatable one (native: the browser's disks are far larger).
        if cfg!(feature = "lvm-extras") && pv.pe_count == 0 {
            msg(&mut t, &format!("PV Size               {}", long_size_as(u, pv.dev_size_bytes)));
            msg(&mut t, "Allocatable           NO");
        } else {
            // `pvdisplay_full`: when the extents reach the end, the size
            // shown is theirs plus pe_start, and "not usable" what overhangs.
            let data_bytes = pv.pe_count * extent;
            let (size_bytes, unusable_bytes) = if pv.dev_size_bytes > data_bytes + pv.pe_start_bytes {
                (pv.dev_size_bytes, pv.dev_size_bytes - data_bytes)
            } else {
                (data_bytes + pv.pe_start_bytes, data_bytes + pv.pe_start_bytes - pv.dev_size_bytes)
            };
            msg(&mut t, &format!("PV Size               {} / not usable {}", long_size_as(u, size_bytes), long_size_as(u, unusable_bytes)));
            msg(&mut t, &format!("Allocatable           yes {}", if free == 0 { "(but full)" } else { "" }));
        }
        msg(&mut t, &format!("PE Size               {}", long_size_as(u, extent)));
        msg(&mut t, &format!("Total PE              {}", pv.pe_count));
        msg(&mut t, &format!("Free PE               {free}"));
        msg(&mut t, &format!("Allocated PE          {}", pv.pe_count - free));
        msg(&mut t, &format!("PV UUID               {}", pv.uuid));
        msg(&mut t, " ");
        if a.maps {
            msg(&mut t, "--- Physical Segments ---");
            // A striped area names the whole segment's logical extents.
            let mut segs: Vec<(u64, u64, String, u64, u64)> =
                vg.runs_on(pv.dev).map(|(l, s, start, count)| (start, count, l.name.clone(), s.le_start, s.extent_count)).collect();
            for (start, count) in machine.lvm().free_runs(pv) {
                segs.push((start, count, String::new(), 0, 0));
            }
            crate::core::order::small_sort(&mut segs);
            for (start, count, lv, le, les) in segs {
                msg(&mut t, &format!("Physical extent {start} to {}:", start + count - 1));
                if lv.is_empty() {
                    msg(&mut t, "  FREE");
                } else {
                    msg(&mut t, &format!("  Logical volume\t/dev/{}/{lv}", vg.name));
                    msg(&mut t, &format!("  Logical extents\t{le} to {}", (le + les).saturating_sub(1)));
                }
            }
            msg(&mut t, " ");
        }
    }
    for p in &not_pvs {
        if machine.resolve(p).is_some() {
            err_msg(&mut t, &format!("Failed to find physical volume \"{p}\"."));
        }
    }
    if not_pvs.is_empty() { ok(t, Vec::new()) } else { fail(t) }
}

/// `pvdisplay -c` (lvm2's `pvdisplay_colons`): the size in sectors, the
/// status word twice (8, ALLOCATABLE_PV, in a VG), the extent size in KiB,
/// then total, free and allocated extents.
#[cfg(feature = "lvm-extras")]
fn pv_colons(machine: &Machine, pv: &Pv, vg: Option<&Vg>) -> String {
    let (status, extent_kib, free) = vg.map_or((0, 0, 0), |v| (8, v.extent_size_bytes / 1024, machine.lvm().pv_free_extents(pv)));
    let total = if vg.is_some() { pv.pe_count } else { 0 };
    let sectors = pv.dev_size_bytes / 512;
    format!("{}:{}:{sectors}:-1:{status}:{status}:-1:{extent_kib}:{total}:{free}:{}:{}", pv.name, vg.map_or("", |v| &v.name), total - free, pv.uuid)
}

/// `vgdisplay -c` (`vgdisplay_colons`): access, status (772: readable,
/// writeable, resizeable), LV, open LV and PV counts, the size and extent
/// size in KiB, then total, allocated and free extents.
#[cfg(feature = "lvm-extras")]
fn vg_colons(machine: &Machine, vg: &Vg) -> String {
    let lvm = machine.lvm();
    let (total, free, extent_kib) = (lvm.vg_extent_count(vg), lvm.vg_free_extents(vg), vg.extent_size_bytes / 1024);
    let lvs = vg.lvs.iter().filter(|l| !l.is_hidden()).count();
    let open = vg.lvs.iter().filter(|l| open_lv(machine, &vg.name, &l.name)).count();
    let pvs = vg.pvs.len();
    format!("{}:r/w:772:-1:0:{lvs}:{open}:-1:0:{pvs}:{pvs}:{}:{extent_kib}:{total}:{}:{free}:{}", vg.name, total * extent_kib, total - free, vg.uuid)
}

/// `lvdisplay -c` (`lvdisplay_colons`): access (3, read/write), whether
/// the kernel has it, its open count, its size in sectors and extents, read
/// ahead (-1, auto) and its device numbers.
#[cfg(feature = "lvm-extras")]
fn lv_colons(machine: &Machine, vg: &Vg, lv: &Lv) -> String {
    let size = vg.lv_size_bytes(lv);
    let (sectors, extents) = (size / 512, size / vg.extent_size_bytes);
    let kernel = match lv.dm_minor {
        Some(minor) if lv.active => format!("1:-1:{}:{sectors}:{extents}:-1:0:-1:253:{minor}", open_count(machine, vg, lv)),
        _ => format!("0:-1:0:{sectors}:{extents}:-1:0:-1:-1:-1"),
    };
    format!("/dev/{}/{}:{}:3:{kernel}", vg.name, lv.name, vg.name)
}

pub(super) fn vgdisplay(machine: &Machine, a: &Args) -> Output {
    #[cfg(feature = "lvm-extras")]
    if a.colon && a.short {
        return usage_error("vgdisplay", &["Option -c is not allowed with option -s".into()]);
    }
    let mut t = String::new();
    let u = a.units;
    // Named VGs go in the order named (`_choose_vgs_to_process`), a missing
    // one reported in its turn.
    let mut names: Vec<String> = a.positional.clone();
    if names.is_empty() {
        names = vgs_in_scan_order(machine).iter().map(|v| v.name.clone()).collect();
    }
    let mut failed = false;
    for (i, name) in names.iter().enumerate() {
        if names[..i].contains(name) {
            continue;
        }
        let Some(vg) = machine.lvm().vg(name) else {
            not_found_vg(&mut t, name);
            failed = true;
            continue;
        };
        #[cfg(feature = "lvm-extras")]
        if a.colon {
            msg(&mut t, &vg_colons(machine, vg));
            continue;
        }
        let lvm = machine.lvm();
        let e = vg.extent_size_bytes;
        let total = lvm.vg_extent_count(vg);
        let free = lvm.vg_free_extents(vg);
        if a.short {
            msg(&mut t, &format!("\"{}\" {:<9} [{:<9} used / {} free]", vg.name, long_size_as(u, total * e), long_size_as(u, (total - free) * e), long_size_as(u, free * e)));
            continue;
        }
        let lvs = vg.lvs.iter().filter(|l| !l.is_hidden()).count();
        let open = vg.lvs.iter().filter(|l| open_lv(machine, &vg.name, &l.name)).count();
        msg(&mut t, "--- Volume group ---");
        for (k, v) in [
            ("VG Name", vg.name.clone()),
            ("System ID", String::new()),
            ("Format", "lvm2".into()),
            ("Metadata Areas", vg.pvs.len().to_string()),
            ("Metadata Sequence No", vg.seqno.to_string()),
            ("VG Access", "read/write".into()),
            ("VG Status", "resizable".into()),
            ("MAX LV", "0".into()),
            ("Cur LV", lvs.to_string()),
            ("Open LV", open.to_string()),
            ("Max PV", "0".into()),
            ("Cur PV", vg.pvs.len().to_string()),
            ("Act PV", vg.pvs.len().to_string()),
            ("VG Size", long_size_as(u, total * e)),
            ("PE Size", long_size_as(u, e)),
            ("Total PE", total.to_string()),
            ("Alloc PE / Size", format!("{} / {}", total - free, long_size_as(u, (total - free) * e))),
            ("Free  PE / Size", format!("{free} / {}", long_size_as(u, free * e))),
            ("VG UUID", vg.uuid.clone()),
        ] {
            msg(&mut t, &format!("{k:<21} {v}"));
        }
        msg(&mut t, " ");
        #[cfg(feature = "lvm-extras")]
        if a.flags.iter().any(|f| f == "-v" || f == "--verbose") {
            vg_contents(machine, vg, u, &mut t);
        }
    }
    if failed { fail(t) } else { ok(t, Vec::new()) }
}

/// `vgdisplay -v`: lvdisplay's section for each visible LV, then each PV
/// as lvm2's `pvdisplay_short` prints it. Native only (feature
/// `lvm-extras`): the browser shows the VG section alone.
#[cfg(feature = "lvm-extras")]
fn vg_contents(machine: &Machine, vg: &Vg, u: Units, t: &mut String) {
    for lv in processing_order(vg, false) {
        lv_display_one(machine, vg, lv, u, t);
    }
    msg(t, "--- Physical volumes ---");
    for pv in vg.pvs.iter().filter_map(|d| machine.lvm().pv(*d)) {
        let free = machine.lvm().pv_free_extents(pv);
        msg(t, &format!("PV Name               {}     ", pv.name));
        msg(t, &format!("PV UUID               {}", pv.uuid));
        msg(t, "PV Status             allocatable");
        msg(t, &format!("Total PE / Free PE    {} / {free}", pv.pe_count));
        msg(t, " ");
    }
}

pub(super) fn lvdisplay(machine: &Machine, a: &Args) -> Output {
    #[cfg(feature = "lvm-extras")]
    if a.colon && a.maps {
        return usage_error("lvdisplay", &["Options -c and -m are incompatible.".into()]);
    }
    let mut t = String::new();
    // As lvremove: the VGs in the order first named, a VG's missing LVs
    // reported after its own.
    let mut wanted: Vec<(String, Option<String>)> = Vec::new();
    let mut vg_order: Vec<String> = Vec::new();
    for p in &a.positional {
        let (vg, lv) = lv_spec(machine, p).map_or_else(|| (p.clone(), None), |(v, l)| (v, Some(l)));
        if !vg_order.contains(&vg) {
            vg_order.push(vg.clone());
        }
        wanted.push((vg, lv));
    }
    if a.positional.is_empty() {
        vg_order = vgs_in_scan_order(machine).iter().map(|v| v.name.clone()).collect();
    }
    let mut failed = false;
    for name in vg_order {
        let Some(vg) = machine.lvm().vg(&name) else {
            not_found_vg(&mut t, &name);
            failed = true;
            continue;
        };
        let vg = &*as_seen(vg, a);
        for lv in processing_order(vg, true) {
            let named = wanted.iter().any(|(v, l)| *v == vg.name && l.as_ref() == Some(&lv.name));
            let listed = (a.all || !lv.is_hidden()) && (wanted.is_empty() || wanted.iter().any(|(v, l)| *v == vg.name && l.is_none()));
            if !(named || listed) {
                continue;
            }
            #[cfg(feature = "lvm-extras")]
            if a.colon {
                msg(&mut t, &lv_colons(machine, vg, lv));
                continue;
            }
            lv_display_one(machine, vg, lv, a.units, &mut t);
            if a.maps {
                lv_segments(machine, vg, lv, a.units, &mut t);
            }
        }
        for (_, lv) in wanted.iter().filter(|(v, _)| *v == name) {
            if let Some(lv) = lv.as_ref().filter(|l| vg.lv(l).is_none()) {
                err_msg(&mut t, &format!("Failed to find logical volume \"{name}/{lv}\""));
                failed = true;
            }
        }
    }
    if activation_disabled(a) {
        // Without device-mapper lvm2 knows no status at all.
        t = t.split_inclusive('\n').filter(|l| !l.starts_with("  LV Status ")).collect();
    }
    if failed { fail(t) } else { ok(t, Vec::new()) }
}

/// `lvdisplay -m`: an LV's segments, each a run of logical extents on one PV
/// (linear) or on one area per stripe; a thin pool's or thin volume's one
/// segment shows its thin parameters instead.
fn lv_segments(machine: &Machine, vg: &Vg, lv: &Lv, u: Units, t: &mut String) {
    if let LvKind::ThinPool(_) | LvKind::Thin { .. } = &lv.kind {
        return thin_segment(vg, lv, u, t);
    }
    msg(t, "--- Segments ---");
    for s in &lv.segments {
        msg(t, &format!("Logical extents {} to {}:", s.le_start, (s.le_start + s.extent_count).saturating_sub(1)));
        let pe_range = |a: &crate::core::lvm::Area| format!("{} to {}", a.pe_start, (a.pe_start + s.area_len()).saturating_sub(1));
        if s.stripes() == 1 {
            msg(t, "  Type\t\tlinear");
            for a in &s.areas {
                msg(t, &format!("  Physical volume\t{}", machine.lvm().pv_name(a.pv)));
                msg(t, &format!("  Physical extents\t{}", pe_range(a)));
            }
        } else {
            msg(t, "  Type\t\tstriped");
            msg(t, &format!("  Stripes\t\t{}", s.stripes()));
            msg(t, &format!("  Stripe size\t\t{}", long_size_as(u, s.stripe_size_bytes)));
            for (i, a) in s.areas.iter().enumerate() {
                msg(t, &format!("  Stripe {i}:"));
                msg(t, &format!("    Physical volume\t{}", machine.lvm().pv_name(a.pv)));
                msg(t, &format!("    Physical extents\t{}", pe_range(a)));
            }
        }
        msg(t, " ");
    }
    msg(t, " ");
}

/// lvdisplay_segments for thin LVs, with lib/thin/thin.c's `_thin_pool_display`
/// (the pool is monitored by dmeventd, as on a Proxmox host) and `_thin_display`.
/// Transaction and device ids count the pool's thin volumes, as in the
/// metadata text (`lvm2::metadata`).
fn thin_segment(vg: &Vg, lv: &Lv, u: Units, t: &mut String) {
    let last = (vg.lv_size_bytes(lv) / vg.extent_size_bytes.max(1)).saturating_sub(1);
    msg(t, "--- Segments ---");
    match &lv.kind {
        LvKind::ThinPool(pool) => {
            let thins = vg.thin_users(&lv.name).len();
            msg(t, &format!("Logical extents 0 to {last}:"));
            msg(t, "  Type\t\tthin-pool");
            msg(t, "  Monitoring\t\tmonitored");
            msg(t, &format!("  Chunk size\t\t{}", long_size_as(u, pool.chunk_size_bytes)));
            msg(t, "  Discards\t\tpassdown");
            msg(t, &format!("  Thin count\t\t{thins}"));
            msg(t, &format!("  Transaction ID\t{thins}"));
            msg(t, "  Zero new blocks\tyes");
        }
        LvKind::Thin { pool, .. } => {
            let id = vg.thin_users(pool).iter().position(|l| l.name == lv.name).unwrap_or(0) + 1;
            msg(t, &format!("Virtual extents 0 to {last}:"));
            msg(t, "  Type\t\tthin");
            msg(t, &format!("  Device ID\t\t{id}"));
        }
        _ => {}
    }
    msg(t, " ");
    msg(t, " ");
}

/// One `--- Logical volume ---` block, as lvdisplay_full prints it for an LV
/// on a host with device-mapper.
/// An LV's open count: a hidden LV is open while its pool is active.
fn open_count(machine: &Machine, vg: &Vg, lv: &Lv) -> usize {
    if lv.is_hidden() && lv.active { 1 } else { usize::from(open_lv(machine, &vg.name, &lv.name)) }
}

pub(super) fn lv_display_one(machine: &Machine, vg: &Vg, lv: &Lv, u: Units, t: &mut String) {
    let open = open_count(machine, vg, lv);
    msg(t, "--- Logical volume ---");
    let mut rows: Vec<(&str, String)> = Vec::new();
    match &lv.kind {
        _ if lv.is_hidden() => rows.push(("Internal LV Name", lv.name.clone())),
        LvKind::ThinPool(_) => rows.push(("LV Name", lv.name.clone())),
        _ => {
            rows.push(("LV Path", format!("/dev/{}/{}", vg.name, lv.name)));
            rows.push(("LV Name", lv.name.clone()));
        }
    }
    rows.push(("VG Name", vg.name.clone()));
    rows.push(("LV UUID", lv.uuid.clone()));
    rows.push(("LV Write Access", "read/write".into()));
    rows.push(("LV Creation host, time", format!("{}, {}", machine.hostname(), creation_date(lv.creation_time))));
    match &lv.kind {
        LvKind::ThinPool(_) => {
            rows.push(("LV Pool metadata", format!("{}_tmeta", lv.name)));
            rows.push(("LV Pool data", format!("{}_tdata", lv.name)));
        }
        LvKind::Thin { pool, .. } => {
            rows.push(("LV Pool name", pool.clone()));
            #[cfg(feature = "thin-snapshots")]
            if let Some(o) = lv.thin_origin() {
                rows.push(("LV Thin origin name", o.to_string()));
            }
        }
        #[cfg(feature = "classic-snapshots")]
        LvKind::Snapshot(c) => {
            let state = if c.invalid { "INACTIVE" } else { "active" };
            rows.push(("LV snapshot status", format!("{state} destination for {}", c.origin)));
        }
        _ => {}
    }
    let snapshots: Vec<&Lv> = vg.snapshots_of(&lv.name).collect();
    for (i, s) in snapshots.iter().enumerate() {
        if i == 0 {
            rows.push(("LV snapshot status", "source of".into()));
        }
        let state = if matches!(&s.kind, LvKind::Snapshot(c) if c.invalid) { "INACTIVE" } else { "active" };
        rows.push(("", format!("{} [{state}]", s.name)));
    }
    rows.push(("LV Status", if lv.active { "available".into() } else { "NOT available".into() }));
    if lv.active {
        rows.push(("# open", open.to_string()));
    }
    // A snapshot shows its origin's size; its own extents are the COW table.
    let origin = match &lv.kind {
        #[cfg(feature = "classic-snapshots")]
        LvKind::Snapshot(c) => vg.lv(&c.origin),
        _ => None,
    };
    let shown = origin.unwrap_or(lv);
    rows.push(("LV Size", long_size_as(u, vg.lv_size_bytes(shown))));
    match &lv.kind {
        LvKind::ThinPool(_) => {
            rows.push(("Allocated pool data", format!("{}%", data_percent(vg, lv))));
            rows.push(("Allocated metadata", format!("{}%", meta_percent(vg, lv))));
        }
        LvKind::Thin { .. } if lv.active => rows.push(("Mapped size", format!("{}%", data_percent(vg, lv)))),
        _ => {}
    }
    rows.push(("Current LE", (vg.lv_size_bytes(shown) / vg.extent_size_bytes).to_string()));
    #[cfg(feature = "classic-snapshots")]
    if let LvKind::Snapshot(c) = &lv.kind {
        rows.push(("COW-table size", long_size_as(u, vg.lv_size_bytes(lv))));
        rows.push(("COW-table LE", lv.extent_count().to_string()));
        if !c.invalid {
            rows.push(("Allocated to snapshot", format!("{}%", data_percent(vg, lv))));
        }
        rows.push(("Snapshot chunk size", long_size_as(u, c.chunk_bytes)));
    }
    let segments = match lv.kind {
        LvKind::Linear | LvKind::PoolData { .. } | LvKind::PoolMeta { .. } | LvKind::Pmspare | LvKind::Snapshot(_) => lv.segments.len(),
        _ => 1,
    };
    rows.push(("Segments", segments.to_string()));
    rows.push(("Allocation", "inherit".into()));
    rows.push(("Read ahead sectors", "auto".into()));
    if lv.active {
        rows.push(("- currently set to", "256".into()));
        rows.push(("Block device", format!("253:{}", lv.dm_minor.unwrap_or(0))));
    }
    for (k, v) in rows {
        // A continuation line (the origin's snapshots) is indented to the values.
        msg(t, &if k.is_empty() { format!("{:23}{v}", "") } else { format!("{k:<22} {v}") });
    }
    msg(t, " ");
}

/// An LV's creation time as lvm2 prints it: `2026-12-02 03:08:24 +0000` (UTC).
pub(super) fn creation_date(secs: u64) -> String {
    let (y, m, d, h, min, s) = crate::console::fmt::civil(secs);
    format!("{y}-{m:02}-{d:02} {h:02}:{min:02}:{s:02} +0000")
}
