//! vgcreate, vgextend, vgreduce and vgremove.


use super::*;
use crate::console::{Output, Shell};
use crate::core::device::DevId;
use crate::core::lvm::LvmError;
use crate::core::machine::Machine;

/// The devices of vgcreate/vgextend with their sizes; a device named twice
/// counts once, as in lvm2.
pub(super) fn devices_with_sizes(machine: &Machine, paths: &[String]) -> Result<Vec<(String, DevId)>, String> {
    let mut v: Vec<(String, DevId)> = Vec::new();
    // lvm2 names every device it cannot find; if it found any others, it
    // says why it stops. The browser stops at the first (0.2 KB).
    let mut missing: Vec<String> = Vec::new();
    for p in paths {
        if v.iter().any(|(d, _)| d == p) {
            continue;
        }
        match machine.resolve(p) {
            #[cfg(feature = "lvm-extras")]
            None => missing.push(format!("No device found for {p}.")),
            Some(dev) if machine.lvm().pv(dev).is_some() => v.push((p.clone(), dev)),
            // A filtered device is one lvm2 does not find.
            Some(dev) => match usable_device(machine, p) {
                Ok(_) => v.push((p.clone(), dev)),
                Err(why) if why.starts_with("Cannot use") => return Err(format!("{why}\n  Command requires all devices to be found.")),
                Err(why) => return Err(why),
            },
            #[cfg(not(feature = "lvm-extras"))]
            None => return Err(format!("No device found for {p}.")),
        }
    }
    if missing.is_empty() {
        return Ok(v);
    }
    if !v.is_empty() {
        missing.push("Command requires all devices to be found.".into());
    }
    Err(missing.join("\n  "))
}

pub(super) fn join_errors(t: &mut String, e: &LvmError, list: &[(String, DevId)]) {
    match e {
        LvmError::AlreadyInVg { device, vg } => {
            let device = list.iter().find(|(_, d)| d == device).map_or("", |(p, _)| p.as_str());
            err_msg(t, &format!("Physical volume '{device}' is already in volume group '{vg}'"));
            err_msg(t, &format!("Unable to add physical volume '{device}' to volume group '{vg}'"));
            err_msg(t, &format!("{device}: physical volume not initialized."));
        }
        LvmError::VgExists(vg) => err_msg(t, &format!("A volume group called {vg} already exists.")),
        LvmError::NoSuchVg(vg) => not_found_vg(t, vg),
        LvmError::InvalidExtentSize => err_msg(t, "Physical extent size may not be zero or this small."),
        other => err_msg(t, &other.to_string()),
    }
}

pub(super) fn vgcreate(machine: &mut Machine, a: &Args) -> Output {
    let Some((name, devices)) = a.positional.split_first().filter(|(_, d)| !d.is_empty()) else {
        return no_matching_syntax("vgcreate");
    };
    // skip_dev_dir: `vgcreate /dev/newvg ...` names the VG newvg.
    #[cfg(feature = "lvm-extras")]
    let name = &name.strip_prefix("/dev/").unwrap_or(name).to_string();
    let mut t = String::new();
    if let Some(e) = name_error(name) {
        return usage_error("vgcreate", &[e.to_string(), format!("New volume group name \"{name}\" is invalid.")]);
    }
    if machine.resolve(&format!("/dev/{name}")).is_some() {
        return usage_error("vgcreate", &[format!("/dev/{name}: already exists in filesystem")]);
    }
    let extent = match &a.extent_size {
        None => crate::core::lvm::DEFAULT_EXTENT_BYTES,
        Some(s) => {
            let sectors = s.sectors.min(u64::from(u32::MAX));
            if sectors == 0 {
                return usage_error("vgcreate", &["Physical extent size may not be zero".into()]);
            }
            if !sectors.is_power_of_two() && sectors % 256 != 0 {
                err_msg(&mut t, "Physical Extent size must be a multiple of 128.00 KiB when not a power of 2.");
                return fail(t);
            }
            sectors * 512
        }
    };
    if machine.lvm().vg(name).is_some() {
        err_msg(&mut t, &format!("A volume group called {name} already exists."));
        return fail(t);
    }
    let list = match devices_with_sizes(machine, devices) {
        Ok(l) => l,
        Err(e) => {
            err_msg(&mut t, &e);
            return fail(t);
        }
    };
    #[cfg(feature = "lvm-extras")]
    if let Some(out) = same_device_twice(machine, name, devices, &list, a) {
        return out;
    }
    join_pvs(machine, t, &list, format!("Volume group \"{name}\" successfully created"), |m, devs| m.vgcreate(name, devs, extent))
}

/// vgcreate naming one device twice: lvm2 labels the new devices (one
/// named twice is reported twice, with its bcache's complaints), then finds
/// it taken by the VG it is making; the VG is not made, the new PVs stay.
/// A PV of another VG is refused once per name instead.
#[cfg(feature = "lvm-extras")]
fn same_device_twice(machine: &mut Machine, vg: &str, paths: &[String], list: &[(String, DevId)], a: &Args) -> Option<Output> {
    let dup = paths.iter().enumerate().find(|(i, p)| paths[..*i].contains(p)).map(|(_, p)| p.clone())?;
    let dev = list.iter().find(|(p, _)| *p == dup)?.1;
    let mut t = String::new();
    let mut events = Vec::new();
    match machine.lvm().pv(dev).map(|pv| pv.vg_name.clone()) {
        Some(Some(owner)) => {
            for _ in paths.iter().filter(|p| **p == dup) {
                err_msg(&mut t, &format!("Physical volume '{dup}' is already in volume group '{owner}'"));
                err_msg(&mut t, &format!("Unable to add physical volume '{dup}' to volume group '{owner}'"));
                err_msg(&mut t, &format!("{dup}: physical volume not initialized."));
            }
            return Some(Output { text: t, exit_status: 5, ..Output::default() });
        }
        Some(None) => err_msg(&mut t, &format!("Physical volume '{dup}' is already in volume group '{vg}'")),
        None => {
            err_msg(&mut t, &format!("scan_dev_close {dup} no DEV_IN_BCACHE set"));
            err_msg(&mut t, &format!("scan_dev_close {dup} already closed"));
            let mut labelled: Vec<DevId> = Vec::new();
            for p in paths {
                let Some(d) = list.iter().find(|(q, _)| q == p).map(|x| x.1) else { continue };
                if machine.lvm().pv(d).is_none() {
                    events.extend(machine.pvcreate(d, None, a.pv_options).ok()?);
                    labelled.push(d);
                }
                if labelled.contains(&d) {
                    msg(&mut t, &format!("Physical volume \"{p}\" successfully created."));
                }
            }
            err_msg(&mut t, &format!("Failed to find cached info for PV {dup}."));
        }
    }
    err_msg(&mut t, &format!("PV {dup} cannot be added to VG {vg}."));
    Some(Output { text: t, events, exit_status: 5, ..Output::default() })
}

/// Adds devices to a VG (vgcreate, vgextend): those not yet PVs become PVs
/// first, as lvm2 reports; on failure, lvm2's message for the device.
fn join_pvs(
    machine: &mut Machine,
    mut t: String,
    list: &[(String, DevId)],
    done: String,
    join: impl FnOnce(&mut Machine, &[DevId]) -> Result<Vec<Event>, LvmError>,
) -> Output {
    let new_pvs: Vec<String> = list.iter().filter(|(_, d)| machine.lvm().pv(*d).is_none()).map(|d| d.0.clone()).collect();
    let devs: Vec<DevId> = list.iter().map(|d| d.1).collect();
    match join(machine, &devs) {
        Ok(events) => {
            for d in new_pvs {
                msg(&mut t, &format!("Physical volume \"{d}\" successfully created."));
            }
            msg(&mut t, &done);
            ok(t, events)
        }
        Err(e) => {
            join_errors(&mut t, &e, list);
            fail(t)
        }
    }
}

pub(super) fn vgextend(machine: &mut Machine, a: &Args) -> Output {
    let mut t = String::new();
    let Some((name, devices)) = a.positional.split_first().filter(|(_, d)| !d.is_empty()) else {
        return no_matching_syntax("vgextend");
    };
    #[cfg(not(feature = "lvm-extras"))]
    if machine.lvm().vg(name).is_none() {
        not_found_vg(&mut t, name);
        return fail(t);
    }
    let list = match devices_with_sizes(machine, devices) {
        Ok(l) => l,
        Err(e) => {
            err_msg(&mut t, &e);
            return fail(t);
        }
    };
    // lvm2 labels the new PVs (pvcreate_each_device) before it looks for
    // the VG. The browser looks first (0.1 KB).
    #[cfg(feature = "lvm-extras")]
    if machine.lvm().vg(name).is_none() { if let Some(out) = super::vg_extras::in_other_vg(machine, &list) { return out; }
        let mut events = Vec::new();
        for (path, dev) in &list {
            if machine.lvm().pv(*dev).is_none() {
                if let Ok(e) = machine.pvcreate(*dev, None, a.pv_options) {
                    events.extend(e);
                    msg(&mut t, &format!("Physical volume \"{path}\" successfully created."));
                }
            }
        }
        not_found_vg(&mut t, name);
        return Output { text: t, events, exit_status: 5, ..Output::default() };
    }
    join_pvs(machine, t, &list, format!("Volume group \"{name}\" successfully extended"), |m, devs| m.vgextend(name, devs))
}

pub(super) fn vgreduce(machine: &mut Machine, a: &Args) -> Output {
    let Some((name, devices)) = a.positional.split_first().filter(|(_, d)| !d.is_empty() || a.all) else {
        return no_matching_syntax("vgreduce");
    };
    let mut t = String::new();
    if let Some(extra) = devices.first().filter(|_| a.all) {
        err_msg(&mut t, &format!("Command does not accept argument: {extra}."));
        return Output { text: t, exit_status: 3, ..Output::default() };
    }
    let mut status = 0;
    let mut named = Vec::new();
    for d in devices {
        match machine.resolve(d) {
            Some(dev) => named.push((dev, d)),
            None => {
                err_msg(&mut t, &format!("Cannot use {d}: device not found"));
                status = 5;
            }
        }
    }
    let members = match machine.lvm().vg(name) {
        Some(vg) => vg.pvs.clone(),
        None => {
            not_found_vg(&mut t, name);
            status = 5;
            Vec::new()
        }
    };
    // lvm2 goes through the VG's PVs in its order, then names the rest.
    let mut events = Vec::new();
    for dev in members.iter().copied().filter(|m| a.all || named.iter().any(|(n, _)| n == m)) {
        let pv = machine.lvm().pv(dev).map(|p| p.name.clone()).unwrap_or_default();
        match machine.vgreduce(name, dev) {
            Ok(e) => {
                events.extend(e);
                msg(&mut t, &format!("Removed \"{pv}\" from volume group \"{name}\""));
            }
            Err(e) => {
                err_msg(&mut t, &match e {
                    LvmError::PvStillUsed(_) => format!("Physical volume \"{pv}\" still in use"),
                    LvmError::LastPv { .. } => format!("Can't remove final physical volume \"{pv}\" from volume group \"{name}\""),
                    other => other.to_string(),
                });
                status = 5;
            }
        }
    }
    for (_, d) in named.iter().filter(|(n, _)| !members.contains(n)) {
        let why = machine.resolve(d).and_then(|dev| super::pv::filtered(machine, d, dev));
        err_msg(&mut t, &why.unwrap_or_else(|| format!("Failed to find physical volume \"{d}\".")));
        status = 5;
    }
    Output { text: t, events, exit_status: status, ..Output::default() }
}

pub(super) fn vgremove(shell: &mut Shell, a: &Args) -> Output {
    if a.positional.is_empty() {
        return no_matching_syntax("vgremove");
    }
    let mut text = String::new();
    let mut failed = false;
    let mut plan: Vec<Planned> = Vec::new();
    let prompt = a.force == 0 && !a.yes;
    for (group, name) in a.positional.iter().enumerate() {
        let Some(vg) = shell.machine.lvm().vg(name) else {
            not_found_vg(&mut text, name);
            failed = true;
            continue;
        };
        let visible = vg.lvs.iter().filter(|l| !l.is_hidden()).count();
        let mut steps = Vec::new();
        if visible > 0 && prompt {
            steps.push(Planned {
                group,
                step: Step::Ask {
                    prompt: format!("Do you really want to remove volume group \"{name}\" containing {visible} logical volumes? [y/n]: "),
                    refusal: format!("Volume group \"{name}\" not removed"),
                },
            });
        }
        let mut done = Vec::new();
        let seen = as_seen(vg, a);
        for lv in processing_order(&seen, false) {
            plan_lv_removal(&shell.machine, &seen, lv, prompt, group, &mut done, &mut steps);
        }
        steps.push(Planned { group, step: Step::RemoveVg { vg: name.clone() } });
        plan.extend(steps);
    }
    // A refusal ends that VG's removal (lvm2 stops at its first failed LV).
    let mut o = start(shell, plan, false, text, Vec::new());
    if failed && !shell.is_interactive() {
        o.exit_status = 5;
    }
    o
}
