//! lvrename and vgrename.


use super::*;
use crate::console::Output;
use crate::core::lvm::LvmError;
use crate::core::machine::Machine;

pub(super) fn lvrename(machine: &mut Machine, a: &Args) -> Output {
    const CMD: &str = "lvrename";
    let mut t = String::new();
    let extract_vg = |s: &str| split_lv_name(s).0;
    let (vg, old, new) = match a.positional.as_slice() {
        [vg, old, new] => {
            let vg = strip_dev(vg).to_string();
            if let Some(ov) = extract_vg(old).filter(|ov| *ov != vg) {
                return usage_error(CMD, &[format!("Please use a single volume group name (\"{vg}\" or \"{ov}\")")]);
            }
            (Some(vg), old.clone(), new.clone())
        }
        [old, new] => (extract_vg(old), old.clone(), new.clone()),
        _ => return no_matching_syntax(CMD),
    };
    let Some(vg) = vg.filter(|v| name_error(v).is_none()) else {
        let mut lines = Vec::new();
        if extract_vg(&old).is_none() {
            lines.push(format!("Path required for Logical Volume \"{old}\"."));
        }
        lines.push("Please provide a valid volume group name".into());
        return usage_error(CMD, &lines);
    };
    if let Some(nv) = extract_vg(&new).filter(|nv| *nv != vg) {
        return usage_error(CMD, &[format!("Logical volume names must have the same volume group (\"{vg}\" or \"{nv}\")")]);
    }
    let from = old.rsplit('/').next().unwrap_or_default().to_string();
    let to = new.rsplit('/').next().unwrap_or_default().to_string();
    let maxlen = 128usize.saturating_sub(vg.len() + 3);
    if to.len() > maxlen {
        return usage_error(CMD, &[format!("New logical volume name \"{to}\" may not exceed {maxlen} characters.")]);
    }
    if to.is_empty() {
        return usage_error(CMD, &["New logical volume name may not be blank".into()]);
    }
    if let Some(e) = reserved_name_error(&to) {
        return usage_error(CMD, &[e]);
    }
    if name_error(&to).is_some() {
        return usage_error(CMD, &[format!("New logical volume name \"{to}\" is invalid")]);
    }
    if from == to {
        return usage_error(CMD, &["Old and new logical volume names must differ".into()]);
    }
    let Some(v) = machine.lvm().vg(&vg) else {
        not_found_vg(&mut t, &vg);
        return fail(t);
    };
    if v.lv(&from).is_none_or(|l| l.is_hidden()) {
        err_msg(&mut t, &format!("Existing logical volume \"{from}\" not found in volume group \"{vg}\""));
        return fail(t);
    }
    match machine.lvrename(&vg, &from, &to) {
        Ok(events) => {
            msg(&mut t, &format!("Renamed \"{from}\" to \"{to}\" in volume group \"{vg}\""));
            ok(t, events)
        }
        Err(LvmError::LvExists { .. }) => {
            err_msg(&mut t, &format!("Logical Volume \"{to}\" already exists in volume group \"{vg}\""));
            fail(t)
        }
        Err(_) => {
            err_msg(&mut t, &format!("Existing logical volume \"{from}\" not found in volume group \"{vg}\""));
            fail(t)
        }
    }
}

/// vgrename's checks in lvm2's order (`validate_vg_rename_params`, then the
/// old VG, then the new name's owner); a failed one exits 5.
#[cfg(feature = "vgrename")]
pub(super) fn vgrename(machine: &mut Machine, a: &Args) -> Output {
    let (old, new) = match a.positional.as_slice() {
        [old, new] => (strip_dev(old), strip_dev(new)),
        [_, _, extra, ..] => {
            let mut t = String::new();
            err_msg(&mut t, &format!("Command does not accept argument: {extra}."));
            return Output { text: t, exit_status: 3, ..Output::default() };
        }
        _ => return no_matching_syntax("vgrename"),
    };
    let mut t = String::new();
    if new.len() > 121 {
        err_msg(&mut t, "New volume group path exceeds maximum length of 121!");
    } else if let Some(e) = name_error(new) {
        err_msg(&mut t, e);
        err_msg(&mut t, &format!("New volume group name \"{new}\" is invalid."));
    } else if old == new {
        err_msg(&mut t, "Old and new volume group names must differ");
    } else if machine.lvm().vg(old).is_none() {
        not_found_vg(&mut t, old);
    } else if machine.lvm().vg(new).is_some() {
        err_msg(&mut t, &format!("New VG name \"{new}\" already exists"));
    } else if let Ok(events) = machine.vgrename(old, new) {
        msg(&mut t, &format!("Volume group \"{old}\" successfully renamed to \"{new}\""));
        return ok(t, events);
    }
    fail(t)
}
