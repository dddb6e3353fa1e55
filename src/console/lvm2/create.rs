//! lvcreate: linear volumes, thin pools and thin volumes.


use super::*;
use crate::console::Output;
use crate::core::lvm::{LvKind, Lvm, LvmError};
use crate::core::machine::Machine;
use crate::core::units::KIB;

pub(super) fn strip_dev(s: &str) -> &str {
    s.strip_prefix("/dev/").unwrap_or(s)
}

/// `VG/LV` (or `/dev/VG/LV`) into its parts; a plain name has no VG.
pub(super) fn split_lv_name(s: &str) -> (Option<String>, String) {
    match strip_dev(s).split_once('/') {
        Some((vg, lv)) => (Some(vg.to_string()), lv.to_string()),
        None => (None, s.to_string()),
    }
}

/// `extents_from_size`: sectors to whole extents, rounding up with lvm2's note;
/// an LV is limited to 2^32 - 1 extents.
pub(super) fn extents_from_sectors(t: &mut String, sectors: u64, extent_bytes: u64) -> Result<u64, ()> {
    let extent_sectors = (extent_bytes / 512).max(1);
    let mut s = sectors;
    if !s.is_multiple_of(extent_sectors) {
        s += extent_sectors - s % extent_sectors;
        msg(t, &format!("Rounding up size to full physical extent {}", long_size(s.saturating_mul(512))));
    }
    let limit = u64::from(u32::MAX) * extent_sectors;
    if s > limit {
        msg(t, &format!(
            "Volume too large ({}) for extent size {}. Upper limit is less than {}.",
            long_size(s.saturating_mul(512)),
            long_size(extent_bytes),
            long_size(limit.saturating_mul(512))
        ));
        return Err(());
    }
    Ok(s / extent_sectors)
}

/// lvm2's `pool_check_overprovisioning` after creating or growing a thin volume
/// or pool: warns when the thin volumes of the pool (or of all pools) add up to
/// more than the pools, naming the limit that matters (default autoextend
/// settings: threshold 100, percent 20).
pub(super) fn overprovisioning_warnings(machine: &Machine, vg_name: &str, lv_name: &str) -> String {
    let mut t = String::new();
    let Some(vg) = machine.lvm().vg(vg_name) else { return t };
    let Some(lv) = vg.lv(lv_name) else { return t };
    let pool = match &lv.kind {
        LvKind::Thin { pool, .. } => pool.clone(),
        LvKind::ThinPool(_) => lv.name.clone(),
        _ => return t,
    };
    let Some(pool_lv) = vg.lv(&pool) else { return t };
    let mut poolsum = vg.lv_size_bytes(pool_lv);
    let mut thinsum = machine.lvm().thin_virtual_total(vg, &pool);
    if thinsum <= poolsum {
        return t;
    }
    let mut more_pools = false;
    for other in vg.lvs.iter().filter(|l| matches!(l.kind, LvKind::ThinPool(_)) && l.name != pool) {
        more_pools = true;
        poolsum += vg.lv_size_bytes(other);
        thinsum += machine.lvm().thin_virtual_total(vg, &other.name);
    }
    if thinsum <= poolsum {
        return t;
    }
    let vg_size = machine.lvm().vg_extent_count(vg) * vg.extent_size_bytes;
    let vg_free = machine.lvm().vg_free_extents(vg) * vg.extent_size_bytes;
    let (txt, sz) = if vg_size < thinsum {
        (" and the size of whole volume group", vg_size)
    } else if vg_free < thinsum {
        (if vg_free == 0 { "" } else { " and the amount of free space in volume group" }, vg_free)
    } else {
        ("", poolsum)
    };
    let which = if more_pools { "s".to_string() } else { format!(" {vg_name}/{pool}") };
    let limit = if sz > 0 { long_size(sz) } else { "no free space in volume group".into() };
    msg(&mut t, &format!("WARNING: Sum of all thin volume sizes ({}) exceeds the size of thin pool{which}{txt} ({limit}).", long_size(thinsum)));
    msg(&mut t, "WARNING: You have not turned on protection against thin pools running out of space.");
    msg(&mut t, "WARNING: Set activation/thin_pool_autoextend_threshold below 100 to trigger automatic extension of thin pools before they get full.");
    t
}

pub(super) fn lvcreate(machine: &mut Machine, a: &Args) -> Output {
    const CMD: &str = "lvcreate";
    let ty = a.lv_type.as_deref();
    if let Some(ty) = ty.filter(|t| !matches!(*t, "thin" | "thin-pool" | "linear" | "striped")) {
        let mut t = String::new();
        msg(&mut t, &format!("Type {ty} is not simulated here (linear, thin-pool and thin are)."));
        return Output { text: t, exit_status: 3, ..Output::default() };
    }
    let has_size = a.size.is_some() || a.extents.is_some();
    let positional_pool = a.positional.first().is_some_and(|p| strip_dev(p).contains('/'));
    // Which of lvcreate's command definitions the line matches.
    let thin = a.virtual_size.is_some() && (a.thin || a.thinpool.is_some() || ty == Some("thin") || positional_pool);
    let pool = !thin && (ty == Some("thin-pool") || a.thin || a.thinpool.is_some());
    let create_pool = pool || (thin && has_size);
    let vg_known = !a.positional.is_empty()
        || a.name.as_deref().is_some_and(|n| n.contains('/'))
        || a.thinpool.as_deref().is_some_and(|n| n.contains('/'));
    let matches = if thin { vg_known } else { has_size && vg_known && a.virtual_size.is_none() };
    if !matches {
        return no_matching_syntax(CMD);
    }

    // Names: -n [VG/]LV, --thinpool [VG/]POOL, then the positional VG or VG/POOL.
    let mut vg_name: Option<String> = None;
    let mut lv_name: Option<String> = None;
    let mut pool_name: Option<String> = None;
    let set_vg = |vg_name: &mut Option<String>, v: String| -> Result<(), Output> {
        match vg_name {
            Some(old) if *old != v => Err(usage_error(CMD, &[format!("Inconsistent volume group names given: \"{old}\" and \"{v}\"")])),
            _ => {
                *vg_name = Some(v);
                Ok(())
            }
        }
    };
    let use_name = |vg_name: &mut Option<String>, text: &str, restricted: bool| -> Result<String, Output> {
        let (v, n) = split_lv_name(text);
        if let Some(v) = v {
            match vg_name {
                Some(old) if *old != v => {
                    return Err(usage_error(CMD, &[format!("Please use a single volume group name (\"{v}\" or \"{old}\").")]))
                }
                _ => *vg_name = Some(v),
            }
        }
        if name_error(&n).is_some() {
            return Err(usage_error(CMD, &[format!("Logical volume name \"{n}\" is invalid.")]));
        }
        if restricted {
            if let Some(e) = lv_name_errors(&n) {
                return Err(usage_error(CMD, &e));
            }
        }
        Ok(n)
    };
    if let Some(n) = &a.name {
        match use_name(&mut vg_name, n, true) {
            Ok(n) => lv_name = Some(n),
            Err(o) => return o,
        }
    }
    if let Some(p) = &a.thinpool {
        match use_name(&mut vg_name, p, false) {
            Ok(p) => pool_name = Some(p),
            Err(o) => return o,
        }
    }
    if let Some(p) = a.positional.first() {
        let p = strip_dev(p);
        if thin || pool {
            match p.split_once('/') {
                None => {
                    if let Err(o) = set_vg(&mut vg_name, p.to_string()) {
                        return o;
                    }
                }
                Some(_) => {
                    let before = vg_name.clone();
                    let named = match use_name(&mut vg_name, p, false) {
                        Ok(n) => n,
                        Err(o) => return o,
                    };
                    if before.is_none() || before == vg_name {
                        if let Some(existing) = pool_name.as_ref().filter(|e| **e != named) {
                            let seg = if thin { "thin" } else { "thin-pool" };
                            return usage_error(CMD, &[format!("Ambiguous {seg} name specified, {named} and {existing}.")]);
                        }
                        pool_name = Some(named);
                    }
                }
            }
        } else if p.contains('/') {
            return usage_error(CMD, &["Volume group name expected (no slash)".into()]);
        } else if let Err(o) = set_vg(&mut vg_name, p.to_string()) {
            return o;
        }
    }
    // A pool named only by -n (lvcreate --type thin-pool -n pool VG).
    if pool && pool_name.is_none() {
        pool_name = lv_name.clone();
    }
    if pool {
        if let Some(p) = &pool_name {
            if let Some(e) = lv_name_errors(p) {
                return usage_error(CMD, &e);
            }
        }
    }
    let Some(vg_name) = vg_name else { return no_matching_syntax(CMD) };

    // Size parameters.
    if a.size.is_some() && a.extents.is_some() {
        return usage_error(CMD, &["Please specify either size or extents (not both).".into()]);
    }
    let zero = zero_size_errors(a);
    if !zero.is_empty() {
        return usage_error(CMD, &zero);
    }

    let mut t = String::new();
    let Some(vg) = machine.lvm().vg(&vg_name).cloned() else {
        not_found_vg(&mut t, &vg_name);
        return fail(t);
    };
    // Pool checks.
    if create_pool {
        if let Some(p) = pool_name.as_ref().filter(|p| vg.lv(p).is_some()) {
            msg(&mut t, &format!("Logical volume {p} already exists in Volume group {vg_name}."));
            return fail(t);
        }
    } else if thin {
        let Some(p) = &pool_name else {
            msg(&mut t, "Please specify name of existing pool.");
            return fail(t);
        };
        match vg.lv(p).map(|l| &l.kind) {
            None => {
                msg(&mut t, &format!("Pool {p} not found in Volume group {vg_name}."));
                return fail(t);
            }
            Some(LvKind::ThinPool(_)) => {}
            Some(_) => {
                msg(&mut t, &format!("Logical volume {vg_name}/{p} is not a thin pool."));
                return fail(t);
            }
        }
    }

    // _update_extents_params: sizes to extents, percentages, pool parameters.
    let extent = vg.extent_size_bytes;
    let free = machine.lvm().vg_free_extents(&vg);
    let total = machine.lvm().vg_extent_count(&vg);
    let mut approx = false;
    let mut extents = 0u64;
    if let Some(s) = &a.size {
        match extents_from_sectors(&mut t, s.sectors, extent) {
            Ok(e) => extents = e,
            Err(()) => return fail(t),
        }
    }
    let mut virtual_extents = None;
    if let Some(v) = &a.virtual_size {
        match extents_from_sectors(&mut t, v.sectors, extent) {
            Ok(e) => virtual_extents = Some(e),
            Err(()) => return fail(t),
        }
    }
    if let Some(e) = &a.extents {
        approx = e.percent != Percent::None;
        extents = match e.percent {
            Percent::None => e.value,
            Percent::Vg => {
                let n = e.value * total / 100;
                if n > free {
                    msg(&mut t, &format!("Reducing {}%VG to remaining free space {} in VG.", e.value, long_size(free * extent)));
                    free
                } else {
                    n
                }
            }
            Percent::Free => e.value * free / 100,
            Percent::Pvs => e.value * total / 100,
            Percent::Lv | Percent::Origin => {
                msg(&mut t, "Please express size as %FREE, %PVS or %VG.");
                return fail(t);
            }
        };
        if approx && extents == 0 {
            msg(&mut t, "Calculated size of logical volume is 0 extents. Needs to be larger.");
            return fail(t);
        }
    }
    let mut meta_extents = 0;
    let mut chunk = 0;
    if create_pool {
        chunk = Lvm::thin_chunk_bytes(extents.saturating_mul(extent));
        meta_extents = Lvm::lvcreate_meta_extents(extents.saturating_mul(extent), chunk, extent);
        msg(&mut t, &format!(
            "Thin pool volume with chunk size {} can address at most {} of data.",
            long_size(chunk),
            long_size(Lvm::thin_max_data_bytes(chunk))
        ));
        if extents.saturating_mul(extent) < chunk {
            msg(&mut t, &format!("Size of thin-pool data volume cannot be smaller than chunk size {}.", long_size(chunk)));
            return fail(t);
        }
        let zeroing = !a.flags.iter().any(|f| matches!(f.as_str(), "-Z=n" | "--zero=n"));
        if zeroing && chunk >= 512 * KIB {
            msg(&mut t, &format!("WARNING: Pool zeroing and {} large chunk size slows down thin provisioning.", long_size(chunk)));
            msg(&mut t, &format!("WARNING: Consider disabling zeroing (-Zn) or using smaller chunk size (<{}).", long_size(512 * KIB)));
        }
        if a.extents.as_ref().is_some_and(|e| matches!(e.percent, Percent::Free | Percent::Pvs)) {
            if extents <= 2 * meta_extents {
                msg(&mut t, "Not enough space for thin pool creation.");
                return fail(t);
            }
            extents -= 2 * meta_extents;
        }
    }

    // Create.
    let mut events = Vec::new();
    let mut next_index = vg.next_lvol_index();
    let mut created_pool = None;
    if create_pool {
        // The spare (lvolN_pmspare) is made first and takes a number too.
        if vg.pmspare().is_none() {
            next_index += 1;
        }
        let name = pool_name.clone().unwrap_or_else(|| {
            let n = format!("lvol{next_index}");
            next_index += 1;
            n
        });
        match machine.lvcreate_thin_pool(&vg_name, &name, extents, meta_extents, chunk) {
            Ok(e) => events.extend(e),
            Err(LvmError::InsufficientFreeSpace { free_extents, needed_extents, .. }) => {
                msg(&mut t, &format!("Volume group \"{vg_name}\" has insufficient free space ({free_extents} extents): {needed_extents} required."));
                return fail(t);
            }
            Err(LvmError::InsufficientExtents { needed, available }) => {
                msg(&mut t, &format!("Insufficient free space: {needed} extents needed, but only {available} available"));
                return fail(t);
            }
            Err(e) => {
                msg(&mut t, &e.to_string());
                return fail(t);
            }
        }
        if !thin {
            msg(&mut t, &format!("Logical volume \"{name}\" created."));
            return ok(t, events);
        }
        created_pool = Some(name.clone());
        pool_name = Some(name);
    }
    let name = lv_name.clone().unwrap_or_else(|| format!("lvol{next_index}"));
    if machine.lvm().vg(&vg_name).is_some_and(|v| v.lv(&name).is_some()) {
        msg(&mut t, &format!("Logical Volume \"{name}\" already exists in volume group \"{vg_name}\""));
        if let Some(p) = created_pool {
            let _ = machine.lvremove(&vg_name, &p);
        }
        return fail(t);
    }
    if thin {
        let pool = pool_name.unwrap_or_default();
        let virtual_bytes = virtual_extents.unwrap_or(0).saturating_mul(extent);
        match machine.lvcreate_thin(&vg_name, &pool, &name, virtual_bytes) {
            Ok(e) => events.extend(e),
            Err(e) => {
                msg(&mut t, &e.to_string());
                return fail(t);
            }
        }
        t.push_str(&overprovisioning_warnings(machine, &vg_name, &name));
        msg(&mut t, &format!("Logical volume \"{name}\" created."));
        return ok(t, events);
    }
    if approx {
        extents = extents.min(free);
    }
    if extents > free || extents == 0 {
        msg(&mut t, &format!("Volume group \"{vg_name}\" has insufficient free space ({free} extents): {extents} required."));
        return fail(t);
    }
    match machine.lvcreate_linear(&vg_name, &name, extents) {
        Ok(e) => {
            events.extend(e);
            msg(&mut t, &format!("Logical volume \"{name}\" created."));
            ok(t, events)
        }
        Err(e) => {
            msg(&mut t, &e.to_string());
            fail(t)
        }
    }
}
