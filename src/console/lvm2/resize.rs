//! lvextend, lvreduce and lvresize, with `-r` running fsadm and resize2fs.


use super::*;
use crate::console::{Output, Shell};
use crate::core::device::DevId;
use crate::core::lvm::{Lv, LvKind, Lvm, LvmError, Vg};
use crate::core::machine::{dm_name, Busy, Machine};
use crate::core::signature::{FsType, Signature};
use crate::core::Event;

/// fsadm's `check` before `lvresize -r`: no filesystem stops the resize; a
/// mounted one is skipped (fsadm exits 3 and lvm goes on); an unmounted ext
/// filesystem gets `fsck -p`.
pub(super) fn fsadm_check(machine: &Machine, vg: &str, lv: &str, nofsck: bool) -> Result<String, String> {
    let dev = format!("/dev/mapper/{}", dm_name(vg, lv));
    let Some((id, sig)) = lv_signature(machine, vg, lv) else {
        let mut t = err_text(format!("fsadm: Cannot get FSTYPE of \"{dev}\".\n"));
        err_msg(&mut t, "Filesystem check failed.");
        return Err(t);
    };
    if nofsck || machine.mounts().iter().any(|m| m.dev == id) {
        return Ok(String::new());
    }
    match sig.fstype {
        FsType::Ext4 => {
            let (files, blocks) = crate::console::fs::ext4_counts(machine, &sig.uuid, sig.size_bytes / sig.block_size.max(1)).unwrap_or_default();
            Ok(format!("fsck from util-linux 2.38.1\n{dev}: clean, {files} files, {blocks} blocks\n"))
        }
        FsType::Xfs => Ok(String::new()),
        other => {
            let other = other.name();
            let mut t = err_text(format!("fsadm: Filesystem \"{other}\" on device \"{dev}\" is not supported by this tool.\n"));
            err_msg(&mut t, "Filesystem check failed.");
            Err(t)
        }
    }
}

/// lvm2's complaints about `-l 0`, `-L 0` and `-V 0`, in its order.
pub(super) fn zero_size_errors(a: &Args) -> Vec<String> {
    let mut zero = Vec::new();
    if a.extents.as_ref().is_some_and(|e| e.value == 0) {
        zero.push("--extents may not be zero.".to_string());
    }
    if a.size.as_ref().is_some_and(|s| s.sectors == 0) {
        zero.push("--size may not be zero.".to_string());
    }
    if a.virtual_size.as_ref().is_some_and(|s| s.sectors == 0) {
        zero.push("--virtualsize may not be zero.".to_string());
    }
    zero
}

pub(super) fn lvresize(shell: &mut Shell, cmd: &str, a: &Args) -> Output {
    // (Native: the browser's budget; it says no command matches.)
    #[cfg(feature = "lvm-extras")]
    let by_pvs;
    #[cfg(feature = "lvm-extras")]
    let a = if a.size.is_none() && a.extents.is_none() && cmd != "lvreduce" && a.positional.len() >= 2 && a.positional[0].contains('/') {
        // `lvextend LV PV ...`: every free extent of those PVs (`+100%PVS`).
        by_pvs = Args { extents: Some(ExtentsArg { sign: Sign::Plus, value: 100, percent: Percent::Pvs }), ..a.clone() };
        &by_pvs
    } else {
        a
    };
    let machine = &mut shell.machine;
    let sized = a.size.is_some() || a.extents.is_some();
    // lvreduce's only definition takes the LV alone.
    if cfg!(feature = "lvm-extras") && cmd == "lvreduce" && sized && a.positional.len() >= 2 {
        let mut t = String::new();
        err_msg(&mut t, &format!("Command does not accept argument: {}.", a.positional[1]));
        return Output { text: t, exit_status: 3, ..Output::default() };
    }
    // `lvextend LV PV ...` takes its size from the PVs; a size typed
    // without -L lands in the LV's place.
    if !sized && cmd != "lvreduce" && a.positional.len() >= 2 && !a.positional[0].contains('/') {
        return usage_error(cmd, &["Please specify a logical volume path.".into()]);
    }
    let Some(spec) = a.positional.first().filter(|_| sized) else {
        let nearest = match cmd {
            "lvextend" => ("lvextend -L|--size [+]Size[m|UNIT] LV", "Extend an LV by a specified size."),
            _ => ("lvresize -L|--size [+|-]Size[m|UNIT] LV", "Resize an LV by a specified size."),
        };
        return no_matching(cmd, Some(nearest).filter(|_| sized));
    };
    if a.size.is_some() && a.extents.is_some() {
        return usage_error(cmd, &["Please specify either size or extents but not both.".into()]);
    }
    let zero = zero_size_errors(a);
    if !zero.is_empty() {
        return usage_error(cmd, &zero);
    }
    if a.stripes.is_some() || a.stripe_size.is_some() {
        let mut t = String::new();
        err_msg(&mut t, &format!("{cmd}: -i and -I are not simulated; an extension repeats the striping of the LV's last segment."));
        return Output { text: t, exit_status: 3, ..Output::default() };
    }
    let (vg, lv) = match target(machine, cmd, spec) {
        Ok(found) => found,
        Err(o) => return o,
    };
    let mut t = String::new();
    let Some(only) = growth_pvs(&mut t, machine, &vg, &a.positional[1..]) else { return fail(t) };
    let id = format!("{}/{}", vg.name, lv.name);
    let is_pool = matches!(lv.kind, LvKind::ThinPool(_));
    let resizefs = a.resizefs && !is_pool;
    if a.resizefs && is_pool {
        msg(&mut t, &format!("Ignoring --resizefs as volume {id} does not have a filesystem."));
    }
    let active = lv.active && !activation_disabled(a);
    if resizefs && activation_disabled(a) {
        err_msg(&mut t, &format!("Logical volume {id} must be activated before resizing filesystem."));
        return fail(t);
    }
    let current = vg.lv_size_bytes(&lv) / vg.extent_size_bytes;
    let Ok(new_extents) = new_size(&mut t, machine, cmd, a, (&vg, &lv), resizefs, &only) else { return fail(t) };
    #[cfg(feature = "classic-snapshots")]
    let new_extents = match classic_snapshot_limits(&mut t, &vg, &lv, current, new_extents) {
        Some(n) => n,
        None => return fail(t),
    };
    let grow = new_extents > current;
    if cfg!(feature = "lvm-extras") && new_extents < current && a.positional.len() > 1 {
        msg(&mut t, "Ignoring PVs on command line when reducing.");
    }
    let (vg_name, lv_name) = (vg.name.clone(), lv.name.clone());
    let dev = machine.lv_dev(&vg_name, &lv_name);
    if resizefs {
        // An active LV with -r: no question, fsadm checks the filesystem first.
        match fsadm_check(machine, &vg_name, &lv_name, a.nofsck) {
            Err(e) => {
                t.push_str(&e);
                return fail(t);
            }
            Ok(out) => t.push_str(&out),
        }
        let mounted_on = machine.mounts().iter().find(|m| Some(m.dev) == dev).map(|m| m.target.clone());
        return resize_with_fs(machine, (&vg_name, &lv_name), new_extents, t, grow, mounted_on, &only);
    }
    if !grow && cmd != "lvextend" && active {
        let open = if dev.is_some_and(|d| matches!(machine.busy(d), Some(Busy::Mounted { .. } | Busy::Swap))) { " and open" } else { "" };
        err_msg(&mut t, &format!("WARNING: Reducing active{open} logical volume to {}.", long_size(new_extents * vg.extent_size_bytes)));
        err_msg(&mut t, "THIS MAY DESTROY YOUR DATA (filesystem etc.)");
        if !(a.yes || a.force > 0) {
            let plan = vec![
                Planned {
                    group: 0,
                    step: Step::Ask { prompt: format!("Do you really want to reduce {id}? [y/n]: "), refusal: format!("Logical volume {id} NOT reduced.") },
                },
                Planned { group: 0, step: Step::Reduce { vg: vg_name, lv: lv_name, new_extents } },
            ];
            return start(shell, plan, true, t, Vec::new());
        }
    }
    resize_now(machine, &vg_name, &lv_name, new_extents, t, &only)
}

/// lvm2's limits for classic snapshots (`lv_resize`): an origin with
/// snapshots keeps its size while active, and a snapshot's store grows to
/// at most a full copy of its origin (`cow_max_extents`).
#[cfg(feature = "classic-snapshots")]
fn classic_snapshot_limits(t: &mut String, vg: &crate::core::lvm::Vg, lv: &crate::core::lvm::Lv, current: u64, wanted: u64) -> Option<u64> {
    if wanted != current && vg.snapshots_of(&lv.name).next().is_some() {
        let why = if wanted < current { "Snapshot origin volumes cannot be reduced in size yet." } else { "Snapshot origin volumes can be resized only while inactive: try lvchange -an." };
        err_msg(t, why);
        return None;
    }
    let LvKind::Snapshot(c) = &lv.kind else { return Some(wanted) };
    let origin = vg.lv(&c.origin).map_or(0, |o| vg.lv_size_bytes(o));
    let max = crate::core::lvm::cow::Cow::max_store_extents(origin, c.chunk_bytes, vg.extent_size_bytes);
    if wanted > max {
        msg(t, &format!("Reached maximum COW size {} ({max} extents).", long_size(max * vg.extent_size_bytes)));
        return Some(max);
    }
    Some(wanted)
}

/// The PVs named after the LV, which an extension may use (lvm2 names
/// those without free extents, and refuses when none has any).
pub(super) fn growth_pvs(t: &mut String, machine: &Machine, vg: &Vg, paths: &[String]) -> Option<Vec<DevId>> {
    let listed = listed_pvs(t, machine, vg, paths)?;
    let lvm = machine.lvm();
    for pv in listed.iter().filter_map(|d| lvm.pv(*d)).filter(|p| lvm.pv_free_extents(p) == 0) {
        err_msg(t, &format!("WARNING: No free extents on physical volume \"{}\".", pv.name));
    }
    if !listed.is_empty() && lvm.pvs_free_extents(&listed) == 0 {
        err_msg(t, "No specified PVs have space available.");
        return None;
    }
    Some(listed)
}

/// The VG and LV a resize names (`VG/LV`, `/dev/VG/LV` or `/dev/mapper/VG-LV`).
fn target(machine: &Machine, cmd: &str, spec: &str) -> Result<(Vg, Lv), Output> {
    let mut t = String::new();
    let (vg_name, lv_name) = match spec.strip_prefix("/dev/mapper/") {
        Some(_) => match lv_spec(machine, spec) {
            Some((v, l)) => (Some(v), l),
            None => (None, spec.to_string()),
        },
        None => split_lv_name(spec),
    };
    if name_error(&lv_name).is_some() {
        return Err(usage_error(cmd, &[format!("Logical volume name \"{lv_name}\" is invalid.")]));
    }
    let Some(vg_name) = vg_name else {
        return Err(usage_error(cmd, &["Please specify a logical volume path.".into()]));
    };
    let Some(vg) = machine.lvm().vg(&vg_name).cloned() else {
        not_found_vg(&mut t, &vg_name);
        return Err(fail(t));
    };
    let Some(lv) = vg.lv(&lv_name).cloned() else {
        err_msg(&mut t, &format!("Logical volume {lv_name} not found in volume group {vg_name}."));
        return Err(fail(t));
    };
    if lv.is_hidden() {
        err_msg(&mut t, &format!("Can't resize internal logical volume {vg_name}/{lv_name}."));
        return Err(fail(t));
    }
    Ok((vg, lv))
}

/// The requested size in extents (a change when signed), as lvm2 rounds it;
/// `pvs_base` is what %PVS is of: the VG's extents, or the named PVs' free ones.
fn requested(t: &mut String, a: &Args, extent: u64, current: u64, free: u64, (total, pvs_base): (u64, u64)) -> Result<(Sign, u64), ()> {
    if let Some(s) = &a.size {
        let extent_sectors = extent / 512;
        let mut sectors = s.sectors;
        let adjust = sectors % extent_sectors;
        if adjust != 0 {
            if s.sign != Sign::Minus {
                sectors += extent_sectors;
            }
            sectors -= adjust;
            msg(t, &format!("Rounding size to boundary between physical extents: {}.", long_size(sectors.saturating_mul(512))));
        }
        return Ok((s.sign, sectors / extent_sectors));
    }
    let e = a.extents.clone().unwrap_or_default();
    let roundup = if e.sign != Sign::Minus { 99 } else { 0 };
    // In 128 bits: a huge percentage of a large VG must not overflow.
    let of = |count: u64| u64::try_from((u128::from(e.value) * u128::from(count) + roundup) / 100).unwrap_or(u64::MAX);
    let n = match e.percent {
        Percent::None => e.value,
        Percent::Vg => {
            let n = of(total);
            if e.sign == Sign::None && n > current + free {
                msg(t, &format!("Reducing {}%VG to remaining free space {} in VG.", e.value, long_size((current + free) * extent)));
            }
            if e.sign == Sign::None { n.min(current + free) } else { n }
        }
        Percent::Free => of(free),
        Percent::Lv => of(current),
        Percent::Pvs => of(pvs_base),
        Percent::Origin => {
            err_msg(t, "Specified LV does not have an origin LV.");
            return Err(());
        }
    };
    Ok((e.sign, n))
}

/// The new size in extents, with the checks lvextend, lvreduce and lvresize
/// make. With PVs named (`only`), %PVS is of their free extents. Where lvm2
/// allocates approximately (`N%FREE`, `+N%FREE`, `N%VG`, `N%PVS`) the growth
/// takes no more than the usable PVs have free.
fn new_size(t: &mut String, machine: &Machine, cmd: &str, a: &Args, (vg, lv): (&Vg, &Lv), resizefs: bool, only: &[DevId]) -> Result<u64, ()> {
    let id = format!("{}/{}", vg.name, lv.name);
    let lvm = machine.lvm();
    let current = vg.lv_size_bytes(lv) / vg.extent_size_bytes;
    let free = lvm.vg_free_extents(vg);
    let total = lvm.vg_extent_count(vg);
    let (pvs_base, usable) = if only.is_empty() {
        (total, free)
    } else {
        (lvm.pvs_free_extents(only), lvm.pvs_free_extents(only))
    };
    let (sign, amount) = requested(t, a, vg.extent_size_bytes, current, free, (total, pvs_base))?;
    let mut new_extents = match sign {
        Sign::Plus => current + amount,
        Sign::Minus if amount >= current => {
            err_msg(t, &format!("Unable to reduce {id} below 1 extent."));
            return Err(());
        }
        Sign::Minus => current - amount,
        Sign::None => amount,
    };
    let extending = sign == Sign::Plus || (sign == Sign::None && new_extents >= current);
    if extending {
        last_segment_note(t, lv);
    }
    let early = if new_extents == 0 {
        Some("New size of 0 not permitted.".to_string())
    } else if new_extents == current && !resizefs {
        Some(format!("New size ({new_extents} extents) matches existing size ({current} extents)."))
    } else {
        None
    };
    let percent = a.extents.as_ref().map_or(Percent::None, |e| e.percent);
    let approx = match sign {
        Sign::None => matches!(percent, Percent::Vg | Percent::Free | Percent::Pvs),
        Sign::Plus => percent == Percent::Free,
        Sign::Minus => false,
    };
    let percent = percent != Percent::None;
    if approx && new_extents > current + usable {
        new_extents = current + usable;
    }
    if early.is_none() && new_extents != current {
        new_extents = round_resize(t, lv, current, new_extents, percent, usable);
    }
    let refusal = if early.is_some() {
        early
    } else if cmd == "lvextend" && new_extents < current {
        Some(format!("New size given ({new_extents} extents) not larger than existing size ({current} extents)"))
    } else if cmd == "lvreduce" && new_extents > current {
        Some(format!("New size given ({new_extents} extents) not less than existing size ({current} extents)"))
    } else if matches!(lv.kind, LvKind::ThinPool(_)) && new_extents < current {
        Some(format!("Thin pool volumes {id}_tdata cannot be reduced in size yet."))
    } else {
        None
    };
    match refusal {
        Some(r) => {
            err_msg(t, &r);
            Err(())
        }
        None => Ok(new_extents),
    }
}

/// Resizes the LV and prints lvm2's report of it: a pool grows its data LV
/// (`POOL_tdata`), and its metadata LV first when the estimate outgrows it; a
/// grown thin volume or pool is checked for over-provisioning. A filesystem
/// left larger than its device is now damaged.
pub(super) fn resize_now(machine: &mut Machine, vg: &str, lv: &str, new_extents: u64, mut t: String, only: &[DevId]) -> Output {
    let Some(v) = machine.lvm().vg(vg) else { return fail(t) };
    let Some(l) = v.lv(lv) else { return fail(t) };
    let extent = v.extent_size_bytes;
    let old_extents = v.lv_size_bytes(l) / extent;
    let (shown, chunk) = match l.pool() {
        Some(p) => (format!("{lv}_tdata"), Some(p.chunk_size_bytes)),
        None => (lv.to_string(), None),
    };
    let thin_type = matches!(l.kind, LvKind::ThinPool(_) | LvKind::Thin { .. });
    let mut events = Vec::new();
    let insufficient = |t: &mut String, needed: u64, available: u64| {
        err_msg(t, &format!("Insufficient free space: {needed} extents needed, but only {available} available"));
    };
    if let (Some(chunk), true) = (chunk, new_extents > old_extents) {
        // lvm2 grows the pool metadata with the data when its estimate is larger.
        let meta = v.pool_meta(lv).map_or_else(|| format!("{lv}_tmeta"), |m| m.name.clone());
        let meta_old = v.lv(&meta).map_or(0, |m| m.extent_count());
        let estimate = Lvm::thin_meta_estimate_bytes(new_extents.saturating_mul(extent), chunk);
        if estimate > meta_old * extent {
            let rounded = estimate.div_ceil(extent) * extent;
            if !estimate.is_multiple_of(extent) {
                msg(&mut t, &format!("Rounding size to boundary between physical extents: {}.", long_size(rounded)));
            }
            let meta_new = rounded / extent;
            match machine.lvresize(vg, &meta, meta_new, &[]) {
                Ok(e) => {
                    events.extend(e);
                    msg(&mut t, &format!(
                        "Size of logical volume {vg}/{meta} changed from {} ({meta_old} extents) to {} ({meta_new} extents).",
                        long_size(meta_old * extent),
                        long_size(rounded)
                    ));
                    events.extend(machine.grow_pmspare(vg));
                }
                Err(LvmError::InsufficientExtents { needed, available }) => {
                    insufficient(&mut t, needed, available);
                    return fail(t);
                }
                Err(e) => {
                    err_msg(&mut t, &e.to_string());
                    return fail(t);
                }
            }
        }
    }
    match machine.lvresize(vg, lv, new_extents, only) {
        Ok(e) => events.extend(e),
        Err(LvmError::InsufficientExtents { needed, available }) => {
            insufficient(&mut t, needed, available);
            return Output { text: t, events, exit_status: 5, ..Output::default() };
        }
        Err(LvmError::SizeUnchanged { .. }) => {
            msg(&mut t, &format!(
                "Size of logical volume {vg}/{shown} unchanged from {} ({old_extents} extents).",
                long_size(old_extents * extent)
            ));
            msg(&mut t, &format!("Logical volume {vg}/{lv} successfully resized."));
            return ok(t, events);
        }
        Err(e) => {
            err_msg(&mut t, &e.to_string());
            return fail(t);
        }
    }
    msg(&mut t, &format!(
        "Size of logical volume {vg}/{shown} changed from {} ({old_extents} extents) to {} ({new_extents} extents).",
        long_size(old_extents * extent),
        long_size(new_extents * extent)
    ));
    if thin_type && new_extents > old_extents {
        t.push_str(&overprovisioning_warnings(machine, vg, lv));
    }
    msg(&mut t, &format!("Logical volume {vg}/{lv} successfully resized."));
    let new_bytes = new_extents * extent;
    if let Some((id, sig)) = lv_signature(machine, vg, lv) {
        if sig.size_bytes > new_bytes {
            events.push(Event::DataDestroyed { dev: machine.name_of(id), bytes: sig.size_bytes - new_bytes });
        }
    }
    ok(t, events)
}

/// The LV's device and the filesystem signature on it.
fn lv_signature(machine: &Machine, vg: &str, lv: &str) -> Option<(DevId, Signature)> {
    let id = machine.lv_dev(vg, lv)?;
    machine.probe(id).filter(|s| s.fstype.is_filesystem() || s.fstype == FsType::Swap).map(|s| (id, s))
}

/// `-r` after fsadm's check: fsadm resizes the filesystem with the LV (after it
/// when growing, before it when shrinking, which ext4 only allows unmounted).
pub(super) fn resize_with_fs(machine: &mut Machine, (vg, lv): (&str, &str), new_extents: u64, t: String, grow: bool, mounted_on: Option<String>, only: &[DevId]) -> Output {
    let extent = machine.lvm().vg(vg).map_or(1, |v| v.extent_size_bytes);
    let dev = format!("/dev/mapper/{}", dm_name(vg, lv));
    let new_bytes = new_extents * extent;
    let Some((_, sig)) = lv_signature(machine, vg, lv).filter(|(_, s)| s.fstype == FsType::Ext4) else {
        let fstype = lv_signature(machine, vg, lv).map_or("", |(_, s)| s.fstype.name());
        let mut t = t;
        err_msg(&mut t, &format!("fsadm: Filesystem \"{fstype}\" on device \"{dev}\" is not supported by this simulator's fsadm."));
        return fail(t);
    };
    // Filesystems under 512 MiB have 1 KiB blocks.
    let bs = sig.block_size.max(1024);
    let (blocks, k) = (new_bytes / bs, bs / 1024);
    let current = sig.size_bytes;
    if grow || new_bytes == current {
        let mut o = resize_now(machine, vg, lv, new_extents, t, only);
        if o.exit_status == 0 {
            machine.fs_resize(&sig.uuid, new_bytes);
            to_stderr(&mut o.text);
            o.text.push_str("resize2fs 1.47.0 (5-Feb-2023)\n");
            if new_bytes == current {
                o.text.push_str(&err_text(format!("The filesystem is already {blocks} ({k}k) blocks long.  Nothing to do!\n\n")));
                return o;
            }
            if let Some(m) = &mounted_on {
                let (old, new) = (crate::core::ext4::desc_blocks(current / bs, bs), crate::core::ext4::desc_blocks(blocks, bs));
                o.text.push_str(&format!("Filesystem at {dev} is mounted on {m}; on-line resizing required\nold_desc_blocks = {old}, new_desc_blocks = {new}\n"));
            } else {
                o.text.push_str(&format!("Resizing the filesystem on {dev} to {blocks} ({k}k) blocks.\n"));
            }
            o.text.push_str(&format!("The filesystem on {dev} is now {blocks} ({k}k) blocks long.\n\n"));
            o.events.push(Event::FilesystemResized { dev, new_bytes });
        }
        return o;
    }
    if let Some(m) = mounted_on {
        let mut t = t;
        to_stderr(&mut t);
        t.push_str(&format!("fsadm: Cannot proceed with mounted filesystem \"{m}\".\n"));
        err_msg(&mut t, "/usr/sbin/fsadm failed: 1");
        err_msg(&mut t, "Filesystem resize failed.");
        return fail(t);
    }
    // resize2fs's floor, as its own command applies it: the blocks in use,
    // metadata and journal included.
    let used = (current / bs).saturating_sub(machine.statfs_of(&sig.uuid).map_or(0, |s| s.free));
    if used > blocks {
        let mut t = t;
        t.push_str(&err_text(format!("resize2fs 1.47.0 (5-Feb-2023)\nresize2fs: New size smaller than minimum ({used})\n\n")));
        err_msg(&mut t, "/usr/sbin/fsadm failed: 1");
        err_msg(&mut t, "Filesystem resize failed.");
        return fail(t);
    }
    let mut pre = t;
    to_stderr(&mut pre);
    pre.push_str(&format!(
        "resize2fs 1.47.0 (5-Feb-2023)\nResizing the filesystem on {dev} to {blocks} ({k}k) blocks.\nThe filesystem on {dev} is now {blocks} ({k}k) blocks long.\n\n"
    ));
    machine.fs_resize(&sig.uuid, new_bytes);
    let mut o = resize_now(machine, vg, lv, new_extents, pre, &[]);
    o.events.insert(0, Event::FilesystemResized { dev, new_bytes });
    o
}
