//! lvcreate: linear volumes, thin pools, thin volumes and thin snapshots.


use super::*;
use crate::console::Output;
use crate::core::lvm::{LvKind, Lvm, LvmError, Striping, Vg};
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
        err_msg(t, &format!(
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
    err_msg(&mut t, &format!("WARNING: Sum of all thin volume sizes ({}) exceeds the size of thin pool{which}{txt} ({limit}).", long_size(thinsum)));
    msg(&mut t, "WARNING: You have not turned on protection against thin pools running out of space.");
    msg(&mut t, "WARNING: Set activation/thin_pool_autoextend_threshold below 100 to trigger automatic extension of thin pools before they get full.");
    t
}

const CMD: &str = "lvcreate";

/// The lvcreate definition lvm2 calls nearest to a line that matches
/// none: the first (in lvm2's command-lines.in order) with the most of its
/// required options given, at least one. Simplified: with `--type` there is
/// no hint, where lvm2 prefers a definition of that type. The browser prints
/// no hint (feature `lvm-extras`).
#[cfg(not(feature = "lvm-extras"))]
fn nearest(_: &Args) -> Option<(&'static str, &'static str)> {
    None
}

#[cfg(feature = "lvm-extras")]
fn nearest(a: &Args) -> Option<(&'static str, &'static str)> {
    let size = u8::from(a.size.is_some() || a.extents.is_some());
    #[cfg(feature = "thin-snapshots")]
    let snapshot = u8::from(a.snapshot);
    #[cfg(not(feature = "thin-snapshots"))]
    let snapshot = 0;
    let defs = [
        (size, "lvcreate --type error -L|--size Size[m|UNIT] VG", "Create an LV that returns errors when used."),
        (size + u8::from(a.stripes.is_some()), "lvcreate -i|--stripes Number -L|--size Size[m|UNIT] VG", "Create a striped LV."),
        (size + snapshot, "lvcreate -s|--snapshot -L|--size Size[m|UNIT] LV", "Create a COW snapshot LV of an origin LV."),
        (
            size + u8::from(a.virtual_size.is_some()),
            "lvcreate --type snapshot -L|--size Size[m|UNIT] -V|--virtualsize Size[m|UNIT] VG",
            "Create a sparse COW snapshot LV of a virtual origin LV \n(also see --snapshot).",
        ),
        (size + u8::from(a.thin), "lvcreate -T|--thin -L|--size Size[m|UNIT] VG", "Create a thin pool."),
    ];
    let best = defs.iter().map(|d| d.0).max().filter(|m| *m > 0 && a.lv_type.is_none())?;
    defs.iter().find(|d| d.0 == best).map(|d| (d.1, d.2))
}

/// `lvcreate -s [-n [VG/]NAME] VG/ORIGIN` (lvm2's `_determine_snapshot_type`):
/// a thin origin without a size makes a thin snapshot; a size asks for a
/// classic COW snapshot, which is not simulated.
#[cfg(feature = "thin-snapshots")]
fn snapshot(machine: &mut Machine, a: &Args) -> Output {
    let [origin] = &a.positional[..] else { return no_matching(CMD, nearest(a)) };
    let mut t = String::new();
    if a.size.is_some() || a.extents.is_some() {
        #[cfg(feature = "classic-snapshots")]
        return classic_snapshot(machine, a, origin);
        #[cfg(not(feature = "classic-snapshots"))]
        {
            err_msg(&mut t, "Classic (COW) snapshots are in the storage-lab command-line program, not in the browser yet; snapshot a thin volume instead (lvcreate -s VG/THIN_LV).");
            return Output { text: t, exit_status: 3, ..Output::default() };
        }
    }
    let (name, origin, vg_name) = match snapshot_names(a, origin) {
        Ok(names) => names,
        Err(e) => return e,
    };
    let Some(vg) = machine.lvm().vg(&vg_name).cloned() else {
        not_found_vg(&mut t, &vg_name);
        return fail(t);
    };
    match vg.lv(&origin) {
        None => err_msg(&mut t, &format!("Snapshot origin LV {origin} not found in Volume group {vg_name}.")),
        Some(l) if l.thin_pool().is_none() => err_msg(&mut t, "Please specify either size or extents with snapshots."),
        Some(_) => {
            let name = name.unwrap_or_else(|| format!("lvol{}", vg.next_lvol_index()));
            match machine.lvcreate_thin_snapshot(&vg_name, &origin, &name) {
                Ok(events) => {
                    t.push_str(&overprovisioning_warnings(machine, &vg_name, &name));
                    msg(&mut t, &format!("Logical volume \"{name}\" created."));
                    return ok(t, events);
                }
                Err(e) => err_msg(&mut t, &e.to_string()),
            }
        }
    }
    fail(t)
}

/// `lvcreate -s -L SIZE|-l N[%ORIGIN] [-c CHUNK] [-n NAME] VG/ORIGIN`: a
/// classic snapshot, its store at most what a full copy of the origin
/// needs (lvm2's `cow_max_extents`).
#[cfg(feature = "classic-snapshots")]
fn classic_snapshot(machine: &mut Machine, a: &Args, origin: &str) -> Output {
    use crate::core::lvm::cow::Cow;
    let chunk_sectors = a.chunk_size.unwrap_or(8);
    if !(8..=1024).contains(&chunk_sectors) || !chunk_sectors.is_power_of_two() {
        return usage_error(CMD, &["Chunk size must be a power of 2 in the range 4K to 512K.".into()]);
    }
    let chunk = chunk_sectors * 512;
    let (name, origin, vg_name) = match snapshot_names(a, origin) {
        Ok(names) => names,
        Err(e) => return e,
    };
    let mut t = String::new();
    let Some(vg) = machine.lvm().vg(&vg_name).cloned() else {
        not_found_vg(&mut t, &vg_name);
        return fail(t);
    };
    let Some(o) = vg.lv(&origin) else {
        err_msg(&mut t, &format!("Snapshot origin LV {origin} not found in Volume group {vg_name}."));
        return fail(t);
    };
    if !matches!(o.kind, LvKind::Linear | LvKind::Thin { .. }) {
        let what = if matches!(o.kind, LvKind::Snapshot(_)) { "Snapshots of snapshots are not supported." } else { "The lab makes classic snapshots of linear and thin volumes only." };
        err_msg(&mut t, what);
        return fail(t);
    }
    let extent = vg.extent_size_bytes;
    let mut extents = match (&a.size, &a.extents) {
        (Some(s), _) => match extents_from_sectors(&mut t, s.sectors, extent) {
            Ok(e) => e,
            Err(()) => return fail(t),
        },
        (None, Some(e)) if e.percent == Percent::Lv => {
            err_msg(&mut t, "Please express size as %FREE, %ORIGIN, %PVS or %VG.");
            return fail(t);
        }
        (None, Some(e)) if e.percent == Percent::Origin => u64::try_from(u128::from(e.value) * u128::from(o.extent_count()) / 100).unwrap_or(u64::MAX),
        (None, Some(e)) => {
            let lvm = machine.lvm();
            match extents_arg(&mut t, e, extent, lvm.vg_free_extents(&vg), lvm.vg_extent_count(&vg), lvm.vg_extent_count(&vg)) {
                Ok(n) => n,
                Err(()) => return fail(t),
            }
        }
        (None, None) => 0,
    };
    let max = Cow::max_store_extents(vg.lv_size_bytes(o), chunk, extent);
    if extents > max {
        msg(&mut t, &format!("Reducing COW size {} down to maximum usable size {}.", long_size(extents * extent), long_size(max * extent)));
        extents = max;
    }
    let name = name.unwrap_or_else(|| format!("lvol{}", vg.next_lvol_index()));
    match machine.lvcreate_snapshot(&vg_name, &origin, &name, extents, chunk) {
        Ok(events) => {
            msg(&mut t, &format!("Logical volume \"{name}\" created."));
            ok(t, events)
        }
        Err(e) => {
            err_msg(&mut t, &e.to_string());
            fail(t)
        }
    }
}

/// The snapshot's name (if given), its origin and their VG, from
/// `-n [VG/]NAME` and `VG/ORIGIN` (lvm2's `_read_snapshot_params`).
#[cfg(feature = "thin-snapshots")]
fn snapshot_names(a: &Args, origin: &str) -> Result<(Option<String>, String, String), Output> {
    let mut vg = None;
    let name = a.name.as_deref().map(|n| use_name(&mut vg, n, true)).transpose()?;
    let origin = use_name(&mut vg, origin, false)?;
    let vg = vg.ok_or_else(|| usage_error(CMD, &["The origin name should include the volume group.".into()]))?;
    Ok((name, origin, vg))
}

/// Which of lvcreate's command definitions the line matches.
#[derive(Debug, Clone, Copy)]
struct Form {
    /// A thin volume (`-V` with a pool).
    thin: bool,
    /// Only a thin pool.
    pool: bool,
    /// A pool is created, alone or under a new thin volume (`-L` with `-V`).
    create_pool: bool,
    /// A linear LV lvm2 will not zero (`-Zn` without `-Wy`, or `-an`).
    unzeroed: bool,
    /// `-an` with `-Zy` or `-Wy`: lvm2 refuses, and still exits 0.
    refuse_zero: bool,
}

/// The last `-Z y|n`-style value of one option, if given.
fn yes_no(a: &Args, keys: [&str; 2]) -> Option<bool> {
    let value = |f: &String| keys.iter().find_map(|k| f.strip_prefix(k).and_then(|r| r.strip_prefix('=')).map(|v| v.starts_with('y')));
    a.flags.iter().filter_map(value).last()
}

/// lvm2's `_check_zero_parameters` and `_should_wipe_lv` for a linear LV:
/// (not zeroed, refused).
fn zeroing(a: &Args) -> (bool, bool) {
    if cfg!(not(feature = "lvm-extras")) {
        return (false, false);
    }
    let (zero, wipe) = (yes_no(a, ["-Z", "--zero"]), yes_no(a, ["-W", "--wipesignatures"]));
    if yes_no(a, ["-a", "--activate"]) == Some(false) {
        let refused = zero.or(wipe).unwrap_or(false);
        return (!refused, refused);
    }
    (zero == Some(false) && wipe != Some(true), false)
}

/// The names a line gives: the VG, the new LV and the pool.
#[derive(Debug)]
struct Names {
    vg: String,
    lv: Option<String>,
    pool: Option<String>,
}

/// Sizes after lvm2's `_update_extents_params`.
#[derive(Debug)]
struct Sizes {
    extents: u64,
    virtual_extents: Option<u64>,
    meta_extents: u64,
    chunk_bytes: u64,
    /// A percentage was asked for: the size may shrink to what is free.
    approx: bool,
    free: u64,
    striping: Striping,
    /// The PVs named after the VG, which the LV must use (any when empty).
    pvs: Vec<crate::core::device::DevId>,
}

/// `create_pv_list()`: the PVs named after the VG (`PV[:PE-PE]`), each of
/// which must be one of the VG's.

pub(super) fn lvcreate(machine: &mut Machine, a: &Args) -> Output {
    // lvcreate's checks of --zero: a snapshot or a thin LV has nothing to
    // zero. Native only (lvm2's syntax checks, `lvm-extras`), for the budget.
    if cfg!(feature = "lvm-extras") && a.flags.iter().any(|f| f.starts_with("-Z=") || f.starts_with("--zero=")) {
        if a.snapshot && a.virtual_size.is_none() {
            return usage_error(CMD, &["Option --zero is unsupported with snapshots.".into()]);
        }
        if a.virtual_size.is_some() && a.size.is_none() && a.extents.is_none() && (a.thin || a.thinpool.is_some()) {
            return usage_error(CMD, &["--zero is supported only with thin pool creation.".into()]);
        }
    }
    #[cfg(feature = "thin-snapshots")]
    if a.snapshot && a.virtual_size.is_none() {
        return snapshot(machine, a);
    }
    let form = match form(a) {
        Ok(f) => f,
        Err(o) => return o,
    };
    let names = match names(a, form) {
        Ok(n) => n,
        Err(o) => return o,
    };
    if a.size.is_some() && a.extents.is_some() {
        return usage_error(CMD, &["Please specify either size or extents (not both).".into()]);
    }
    let zero = zero_size_errors(a);
    if !zero.is_empty() {
        return usage_error(CMD, &zero);
    }
    let (striping, mut t) = match stripe_params(a) {
        Ok(s) => s,
        Err(o) => return o,
    };
    if striping.stripes > 1 && (a.lv_type.as_deref() == Some("linear") || form.thin || form.create_pool) {
        let line = if form.thin || form.create_pool { "Striped thin pools are not simulated here." } else { "Cannot use stripes with linear type." };
        err_msg(&mut t, line);
        return Output { text: t, exit_status: 3, ..Output::default() };
    }
    let Some(vg) = machine.lvm().vg(&names.vg).cloned() else {
        not_found_vg(&mut t, &names.vg);
        return fail(t);
    };
    if check_pool(&mut t, &vg, form, &names).is_err() {
        return fail(t);
    }
    if cfg!(feature = "lvm-extras") && form.refuse_zero && !form.thin && !form.create_pool {
        err_msg(&mut t, "Cannot zero inactive logical volume with option -Zy or -Wy.");
        return ok(t, Vec::new());
    }
    match sizes(&mut t, machine, &vg, a, form, striping) {
        Ok(sizes) => create(machine, t, &vg, form, names, sizes),
        Err(()) => fail(t),
    }
}

fn form(a: &Args) -> Result<Form, Output> {
    let ty = a.lv_type.as_deref();
    if let Some(ty) = ty.filter(|t| !matches!(*t, "thin" | "thin-pool" | "linear" | "striped")) {
        let mut t = String::new();
        // lvm2's own segment types the lab leaves out (raid levels by their
        // number); any other word is none.
        if ty.strip_prefix("raid").is_some_and(|l| l.starts_with(['0', '1', '4', '5', '6'])) || matches!(ty, "snapshot" | "mirror" | "cache" | "cache-pool" | "writecache" | "vdo" | "vdo-pool" | "error" | "zero" | "integrity") {
            err_msg(&mut t, &format!("Type {ty} is not simulated here (linear, thin-pool and thin are)."));
        } else {
            err_msg(&mut t, &format!("WARNING: Unrecognised segment type {ty}"));
            err_msg(&mut t, &format!("Invalid argument for --type: {ty}"));
            err_msg(&mut t, "Error during parsing of command line.");
        }
        return Err(Output { text: t, exit_status: 3, ..Output::default() });
    }
    let has_size = a.size.is_some() || a.extents.is_some();
    let positional_pool = a.positional.first().is_some_and(|p| strip_dev(p).contains('/'));
    let thin = a.virtual_size.is_some() && (a.thin || a.thinpool.is_some() || ty == Some("thin") || positional_pool);
    let pool = !thin && (ty == Some("thin-pool") || a.thin || a.thinpool.is_some());
    let vg_known = !a.positional.is_empty() || a.name.as_deref().is_some_and(|n| n.contains('/')) || a.thinpool.as_deref().is_some_and(|n| n.contains('/'));
    #[cfg(feature = "thin-snapshots")]
    let snapshot = a.snapshot;
    #[cfg(not(feature = "thin-snapshots"))]
    let snapshot = false;
    // `-V` alone means a thin LV (lvm.conf's sparse_segtype_default), and
    // a thin LV needs its pool named.
    if a.virtual_size.is_some() && !has_size && !snapshot && matches!(ty, None | Some("thin")) && a.thinpool.is_none() && !positional_pool && vg_known {
        return Err(usage_error(CMD, &["Please specify name of existing pool.".into()]));
    }
    let matches = if thin { vg_known } else { has_size && vg_known && a.virtual_size.is_none() };
    if !matches {
        return Err(no_matching(CMD, nearest(a)));
    }
    let (unzeroed, refuse_zero) = zeroing(a);
    Ok(Form { thin, pool, create_pool: pool || (thin && has_size), unzeroed, refuse_zero })
}

/// Sets the VG, refusing a second, different one.
fn set_vg(vg: &mut Option<String>, v: String) -> Result<(), Output> {
    match vg {
        Some(old) if *old != v => Err(usage_error(CMD, &[format!("Inconsistent volume group names given: \"{old}\" and \"{v}\"")])),
        _ => {
            *vg = Some(v);
            Ok(())
        }
    }
}

/// An LV name given as `[VG/]LV`; `restricted` applies the rules for new LVs.
fn use_name(vg: &mut Option<String>, text: &str, restricted: bool) -> Result<String, Output> {
    let (v, n) = split_lv_name(text);
    if let Some(v) = v {
        match vg {
            Some(old) if *old != v => return Err(usage_error(CMD, &[format!("Please use a single volume group name (\"{v}\" or \"{old}\").")])),
            _ => *vg = Some(v),
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
}

/// Names from -n [VG/]LV, --thinpool [VG/]POOL, then the positional VG or VG/POOL.
fn names(a: &Args, form: Form) -> Result<Names, Output> {
    let mut vg = None;
    let lv = a.name.as_deref().map(|n| use_name(&mut vg, n, true)).transpose()?;
    let mut pool = a.thinpool.as_deref().map(|p| use_name(&mut vg, p, false)).transpose()?;
    if let Some(p) = a.positional.first() {
        let p = strip_dev(p);
        if !(form.thin || form.pool) {
            if p.contains('/') {
                return Err(usage_error(CMD, &["Volume group name expected (no slash)".into()]));
            }
            set_vg(&mut vg, p.to_string())?;
        } else if !p.contains('/') {
            set_vg(&mut vg, p.to_string())?;
        } else {
            let before = vg.clone();
            let named = use_name(&mut vg, p, false)?;
            if before.is_none() || before == vg {
                if let Some(existing) = pool.as_ref().filter(|e| **e != named) {
                    let seg = if form.thin { "thin" } else { "thin-pool" };
                    return Err(usage_error(CMD, &[format!("Ambiguous {seg} name specified, {named} and {existing}.")]));
                }
                pool = Some(named);
            }
        }
    }
    // A pool named only by -n (lvcreate --type thin-pool -n pool VG).
    if form.pool && pool.is_none() {
        pool = lv.clone();
    }
    if let Some(e) = pool.as_deref().filter(|_| form.pool).and_then(lv_name_errors) {
        return Err(usage_error(CMD, &e));
    }
    let vg = vg.ok_or_else(|| no_matching(CMD, nearest(a)))?;
    Ok(Names { vg, lv, pool })
}

/// A new pool's name must be free; a thin volume's pool must exist and be one.
fn check_pool(t: &mut String, vg: &Vg, form: Form, names: &Names) -> Result<(), ()> {
    let vg_name = &names.vg;
    if form.create_pool {
        if let Some(p) = names.pool.as_ref().filter(|p| vg.lv(p).is_some()) {
            err_msg(t, &format!("Logical volume {p} already exists in Volume group {vg_name}."));
            return Err(());
        }
        return Ok(());
    }
    if !form.thin {
        return Ok(());
    }
    let Some(p) = &names.pool else {
        err_msg(t, "Please specify name of existing pool.");
        return Err(());
    };
    match vg.lv(p).map(|l| &l.kind) {
        Some(LvKind::ThinPool(_)) => Ok(()),
        None => {
            err_msg(t, &format!("Pool {p} not found in Volume group {vg_name}."));
            Err(())
        }
        Some(_) => {
            err_msg(t, &format!("Logical volume {vg_name}/{p} is not a thin pool."));
            Err(())
        }
    }
}

/// `-l N`, `-l N%VG|%FREE|%PVS` in extents.
fn extents_arg(t: &mut String, e: &ExtentsArg, extent: u64, free: u64, total: u64, pvs_base: u64) -> Result<u64, ()> {
    // In 128 bits: `-l 1000000000%VG` of a large VG must not overflow.
    let percent_of = |count: u64| u64::try_from(u128::from(e.value) * u128::from(count) / 100).unwrap_or(u64::MAX);
    let extents = match e.percent {
        Percent::None => e.value,
        Percent::Vg => {
            let n = percent_of(total);
            if n > free {
                msg(t, &format!("Reducing {}%VG to remaining free space {} in VG.", e.value, long_size(free * extent)));
            }
            n.min(free)
        }
        Percent::Free => percent_of(free),
        Percent::Pvs => percent_of(pvs_base),
        Percent::Lv | Percent::Origin => { #[cfg(feature = "lvm-extras")] if e.percent == Percent::Origin { err_msg(t, "Internal error: Couldn't find origin volume."); return Err(()); }
            err_msg(t, "Please express size as %FREE, %PVS or %VG.");
            return Err(());
        }
    };
    if e.percent != Percent::None && extents == 0 {
        err_msg(t, "Calculated size of logical volume is 0 extents. Needs to be larger.");
        return Err(());
    }
    Ok(extents)
}

/// lvm2's `_update_extents_params`: sizes to extents, percentages, pool parameters.
/// The PVs named after the VG are read once the sizes are rounded.
fn sizes(t: &mut String, machine: &Machine, vg: &Vg, a: &Args, form: Form, striping: Striping) -> Result<Sizes, ()> {
    let extent = vg.extent_size_bytes;
    let lvm = machine.lvm();
    let free = lvm.vg_free_extents(vg);
    let total = lvm.vg_extent_count(vg);
    let mut extents = match &a.size {
        Some(s) => extents_from_sectors(t, s.sectors, extent)?,
        None => 0,
    };
    let virtual_extents = a.virtual_size.as_ref().map(|v| extents_from_sectors(t, v.sectors, extent)).transpose()?;
    // Full PVs get lvm2's warnings natively (the browser's budget).
    #[cfg(feature = "lvm-extras")]
    let listed_pvs = super::resize::growth_pvs;
    let pvs = if form.thin || form.create_pool { Vec::new() } else { listed_pvs(t, machine, vg, a.positional.get(1..).unwrap_or_default()).ok_or(())? };
    // %PVS of named PVs is of their free extents.
    let pvs_base = if pvs.is_empty() { total } else { lvm.pvs_free_extents(&pvs) };
    if let Some(e) = &a.extents {
        extents = extents_arg(t, e, extent, free, total, pvs_base)?;
    }
    let approx = a.extents.as_ref().is_some_and(|e| e.percent != Percent::None);
    if approx {
        extents = round_percent_down(t, extents, striping, extent, free);
    }
    let mut sizes = Sizes { extents, virtual_extents, meta_extents: 0, chunk_bytes: 0, approx, free, striping, pvs };
    if form.create_pool {
        pool_sizes(t, a, extent, &mut sizes)?;
    }
    Ok(sizes)
}

/// A new pool's chunk size and metadata, with lvm2's notes and warnings.
fn pool_sizes(t: &mut String, a: &Args, extent: u64, sizes: &mut Sizes) -> Result<(), ()> {
    let data_bytes = sizes.extents.saturating_mul(extent);
    let chunk = Lvm::thin_chunk_bytes(data_bytes);
    sizes.chunk_bytes = chunk;
    sizes.meta_extents = Lvm::lvcreate_meta_extents(data_bytes, chunk, extent);
    msg(t, &format!("Thin pool volume with chunk size {} can address at most {} of data.", long_size(chunk), long_size(Lvm::thin_max_data_bytes(chunk))));
    if data_bytes < chunk {
        err_msg(t, &format!("Size of thin-pool data volume cannot be smaller than chunk size {}.", long_size(chunk)));
        return Err(());
    }
    let zeroing = !a.flags.iter().any(|f| matches!(f.as_str(), "-Z=n" | "--zero=n"));
    if zeroing && chunk >= 512 * KIB {
        err_msg(t, &format!("WARNING: Pool zeroing and {} large chunk size slows down thin provisioning.", long_size(chunk)));
        err_msg(t, &format!("WARNING: Consider disabling zeroing (-Zn) or using smaller chunk size (<{}).", long_size(512 * KIB)));
    }
    // %FREE and %PVS leave room for the metadata and its spare.
    if a.extents.as_ref().is_some_and(|e| matches!(e.percent, Percent::Free | Percent::Pvs)) {
        if sizes.extents <= 2 * sizes.meta_extents {
            err_msg(t, "Not enough space for thin pool creation.");
            return Err(());
        }
        sizes.extents -= 2 * sizes.meta_extents;
    }
    Ok(())
}

/// Creates the pool a line asks for; returns its name.
fn create_pool(machine: &mut Machine, t: &mut String, vg_name: &str, name: &str, s: &Sizes, events: &mut Vec<Event>) -> Result<(), ()> {
    match machine.lvcreate_thin_pool(vg_name, name, s.extents, s.meta_extents, s.chunk_bytes) {
        Ok(e) => {
            events.extend(e);
            Ok(())
        }
        Err(LvmError::InsufficientFreeSpace { free_extents, needed_extents, .. }) => {
            err_msg(t, &format!("Volume group \"{vg_name}\" has insufficient free space ({free_extents} extents): {needed_extents} required."));
            Err(())
        }
        Err(LvmError::InsufficientExtents { needed, available }) => {
            err_msg(t, &format!("Insufficient free space: {needed} extents needed, but only {available} available"));
            Err(())
        }
        Err(e) => {
            err_msg(t, &e.to_string());
            Err(())
        }
    }
}

/// Creates what the line asks for: a pool, a thin volume (over a new pool or
/// an existing one) or a linear volume, naming unnamed ones `lvolN`.
fn create(machine: &mut Machine, mut t: String, vg: &Vg, form: Form, names: Names, s: Sizes) -> Output {
    let vg_name = names.vg.as_str();
    let mut events = Vec::new();
    let mut next_index = vg.next_lvol_index();
    let mut pool = names.pool;
    let mut created_pool = None;
    if form.create_pool {
        // The spare (lvolN_pmspare) is made first and takes a number too.
        if vg.pmspare().is_none() {
            next_index += 1;
        }
        let name = pool.clone().unwrap_or_else(|| {
            next_index += 1;
            format!("lvol{}", next_index - 1)
        });
        if create_pool(machine, &mut t, vg_name, &name, &s, &mut events).is_err() {
            return fail(t);
        }
        if !form.thin {
            msg(&mut t, &format!("Logical volume \"{name}\" created."));
            return ok(t, events);
        }
        created_pool = Some(name.clone());
        pool = Some(name);
    }
    let name = names.lv.unwrap_or_else(|| format!("lvol{next_index}"));
    if machine.lvm().vg(vg_name).is_some_and(|v| v.lv(&name).is_some()) {
        err_msg(&mut t, &format!("Logical Volume \"{name}\" already exists in volume group \"{vg_name}\""));
        if let Some(p) = created_pool {
            let _ = machine.lvremove(vg_name, &p);
        }
        return fail(t);
    }
    let made = if form.thin {
        let virtual_bytes = s.virtual_extents.unwrap_or(0).saturating_mul(vg.extent_size_bytes);
        machine.lvcreate_thin(vg_name, &pool.unwrap_or_default(), &name, virtual_bytes)
    } else {
        let Ok((extents, striping)) = fit_stripes(&mut t, vg, s.extents, s.striping) else { return fail(t) };
        // A percentage shrinks to what the named PVs, or the VG, can give
        // (the named PVs natively: the browser's budget).
        let named = cfg!(feature = "lvm-extras") && !s.pvs.is_empty();
        let room = match (striping.stripes, named) {
            (2.., _) => machine.lvm().striped_capacity(vg, striping),
            (_, true) => machine.lvm().pvs_free_extents(&s.pvs),
            _ => s.free,
        };
        let extents = if s.approx { extents.min(room) } else { extents };
        if extents > s.free || extents == 0 {
            err_msg(&mut t, &format!("Volume group \"{vg_name}\" has insufficient free space ({} extents): {extents} required.", s.free));
            return fail(t);
        }
        machine.lvcreate(vg_name, &name, extents, striping, &s.pvs)
    };
    match made {
        Ok(e) => {
            events.extend(e);
            if form.thin {
                t.push_str(&overprovisioning_warnings(machine, vg_name, &name));
            } else if cfg!(feature = "lvm-extras") && form.unzeroed {
                err_msg(&mut t, &format!("WARNING: Logical volume {vg_name}/{name} not zeroed."));
            }
            msg(&mut t, &format!("Logical volume \"{name}\" created."));
            ok(t, events)
        }
        Err(e) => {
            err_msg(&mut t, &e.to_string());
            fail(t)
        }
    }
}
