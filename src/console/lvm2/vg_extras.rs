//! Native-only corners of vgextend and vgreduce (feature `lvm-extras`):
//! a PV that another VG holds, and `vgreduce --removemissing`, as lvm2
//! 2.03.16 answers them. Simplified: the lab's PVs never go missing, so
//! every VG is already consistent.

use super::{err_msg, fail, msg, no_matching, not_found_vg};
use crate::console::Output;
use crate::core::device::DevId;
use crate::core::machine::Machine;

/// `vgextend` of a VG that does not exist with a PV that another VG
/// holds: `pvcreate_each_device` refuses that PV before the VG is looked up.
pub(super) fn in_other_vg(machine: &Machine, list: &[(String, DevId)]) -> Option<Output> {
    let (path, vg) = list.iter().find_map(|(path, dev)| Some((path, machine.lvm().pv(*dev)?.vg_name.clone()?)))?;
    let mut t = String::new();
    err_msg(&mut t, &format!("Physical volume '{path}' is already in volume group '{vg}'"));
    err_msg(&mut t, &format!("Unable to add physical volume '{path}' to volume group '{vg}'"));
    err_msg(&mut t, &format!("{path}: physical volume not initialized."));
    Some(fail(t))
}

/// `vgreduce --removemissing [--force] VG`, which takes the VG alone.
pub(super) fn removemissing(machine: &Machine, cmd: &str, raw: &[String]) -> Option<Output> {
    if cmd != "vgreduce" || !raw.iter().any(|a| a == "--removemissing") {
        return None;
    }
    let words: Vec<&String> = raw.iter().filter(|a| !a.starts_with('-')).collect();
    let mut t = String::new();
    Some(match words.as_slice() {
        [] => no_matching("vgreduce", Some(("vgreduce --removemissing VG", "Remove all missing PVs from a VG."))),
        [_, extra, ..] => {
            err_msg(&mut t, &format!("Command does not accept argument: {extra}."));
            Output { text: t, exit_status: 3, ..Output::default() }
        }
        [vg] if machine.lvm().vg(vg).is_none() => {
            not_found_vg(&mut t, vg);
            fail(t)
        }
        [vg] => {
            msg(&mut t, &format!("Volume group \"{vg}\" is already consistent."));
            Output { text: t, ..Output::default() }
        }
    })
}
