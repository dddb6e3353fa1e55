//! lvconvert: only `--merge` (or `--mergethin`) of a thin snapshot, which
//! rolls its origin back to the snapshot (lvm2's `_lvconvert_merge_thin_snapshot`
//! when neither volume is open), or of a classic snapshot
//! (`_lvconvert_merge_old_snapshot`, done at once). An open origin would make lvm2 delay the
//! merge to its next activation, which is not simulated: we say so instead.

use super::*;
use crate::console::Output;
use crate::core::lvm::LvKind;
use crate::core::machine::Machine;

const CMD: &str = "lvconvert";

pub(super) fn lvconvert(machine: &mut Machine, a: &Args) -> Output {
    let mut t = String::new();
    if !a.merge {
        err_msg(&mut t, "Only lvconvert --merge of a snapshot is simulated here.");
        return Output { text: t, exit_status: 3, ..Output::default() };
    }
    if a.positional.is_empty() {
        return no_matching_syntax(CMD);
    }
    let mut events = Vec::new();
    let mut failed = false;
    for spec in &a.positional {
        match merge_one(machine, &mut t, spec, a.thin) {
            Some(e) => events.extend(e),
            None => failed = true,
        }
    }
    if failed {
        return Output { text: t, events, exit_status: 5, ..Output::default() };
    }
    ok(t, events)
}

/// Merges one snapshot named `VG/LV`; None (with the message in `t`) if lvm2
/// refuses.
fn merge_one(machine: &mut Machine, t: &mut String, spec: &str, thin_only: bool) -> Option<Vec<crate::core::Event>> {
    // A bare name is a VG for lvm2 (every LV in it); only VG/LV is simulated.
    let (vg_name, lv_name) = lv_spec(machine, spec).unwrap_or_else(|| (create::strip_dev(spec).to_string(), String::new()));
    let Some(vg) = machine.lvm().vg(&vg_name) else {
        not_found_vg(t, &vg_name);
        return None;
    };
    let Some(lv) = vg.lv(&lv_name) else {
        err_msg(t, &format!("Failed to find logical volume \"{vg_name}/{lv_name}\""));
        return None;
    };
    let shown = format!("{vg_name}/{lv_name}");
    #[cfg(feature = "classic-snapshots")]
    if let LvKind::Snapshot(c) = &lv.kind {
        let origin = c.origin.clone();
        if c.invalid {
            err_msg(t, &format!("Unable to merge invalidated snapshot LV {shown}."));
            return None;
        }
        if open_lv(machine, &vg_name, &origin) || open_lv(machine, &vg_name, &lv_name) {
            err_msg(t, &format!("{vg_name}/{origin} is open: a merge delayed to its next activation is not simulated here. Unmount it first."));
            return None;
        }
        return match machine.merge_snapshot(&vg_name, &lv_name) {
            Ok(events) => {
                // lvmpolld reports the merge's progress; the lab's is done at once.
                msg(t, &format!("Merging of volume {shown} started."));
                msg(t, &format!("{vg_name}/{origin}: Merged: 100.00%"));
                Some(events)
            }
            Err(e) => {
                err_msg(t, &e.to_string());
                None
            }
        };
    }
    let lv_type = match lv.kind {
        LvKind::Thin { .. } => None,
        LvKind::ThinPool(_) => Some("thinpool"),
        _ if lv.segments.iter().any(|s| s.stripes() > 1) => Some("striped"),
        _ => Some("linear"),
    };
    match lv_type {
        Some(ty) if thin_only || ty == "thinpool" => {
            err_msg(t, &format!("Command on LV {shown} does not accept LV type {ty}."));
            err_msg(t, &format!("Command not permitted on LV {shown}."));
            return None;
        }
        Some(_) => {
            err_msg(t, &format!("{shown} cannot be merged because --trackchanges was not used."));
            return None;
        }
        None => {}
    }
    if let Some(origin) = lv.thin_origin().filter(|o| open_lv(machine, &vg_name, o)) {
        // lvm2 would delay the merge to the origin's next activation.
        err_msg(t, &format!("{vg_name}/{origin} is open: a merge delayed to its next activation is not simulated here. Unmount it first."));
        return None;
    }
    match machine.merge_thin_snapshot(&vg_name, &lv_name) {
        Ok(events) => {
            let origin = match events.first() {
                Some(crate::core::Event::ThinSnapshotMerged { origin, .. }) => origin.clone(),
                _ => String::new(),
            };
            msg(t, &format!("Volume {shown} replaced origin {vg_name}/{origin}."));
            Some(events)
        }
        Err(e) => {
            err_msg(t, &e.to_string());
            None
        }
    }
}
