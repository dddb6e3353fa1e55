//! lvremove, and the removal plan vgremove shares: pools ask about their
//! dependents, open LVs are refused, active LVs are asked about.

use std::collections::VecDeque;

use super::*;
use crate::console::{Output, Shell};
use crate::core::lvm::{Lv, LvKind, Vg};
use crate::core::machine::{Busy, Machine};

/// The LVs lvm2 processes for a whole VG, in its order: the VG's metadata lists
/// visible LVs (in creation order) before hidden ones, and thin pools are moved
/// to the front, each new one before the previous.
pub(super) fn processing_order(vg: &Vg, include_hidden: bool) -> Vec<&Lv> {
    let mut listed: Vec<&Lv> = vg.lvs.iter().filter(|l| !l.is_hidden()).collect();
    if include_hidden {
        listed.extend(vg.lvs.iter().filter(|l| l.is_hidden()));
    }
    let mut order: VecDeque<&Lv> = VecDeque::new();
    for lv in listed {
        if matches!(lv.kind, LvKind::ThinPool(_)) {
            order.push_front(lv);
        } else {
            order.push_back(lv);
        }
    }
    order.into_iter().collect()
}

pub(super) fn open_lv(machine: &Machine, vg: &str, lv: &str) -> bool {
    machine.lv_dev(vg, lv).is_some_and(|d| matches!(machine.busy(d), Some(Busy::Mounted { .. } | Busy::Swap)))
}

/// lvm2's `lv_remove_with_dependencies`: a used pool first asks about its
/// dependents and removes them; an LV in use is refused; an active visible LV
/// (not an inactive thin snapshot) is asked about unless -y/-f.
pub(super) fn plan_lv_removal(machine: &Machine, vg: &Vg, lv: &Lv, prompt: bool, group: usize, done: &mut Vec<String>, plan: &mut Vec<Planned>) {
    if done.contains(&lv.name) {
        return;
    }
    done.push(lv.name.clone());
    let id = format!("{}/{}", vg.name, lv.name);
    let refusal = format!("Logical volume {id} not removed.");
    let step = |step: Step| Planned { group, step };
    if lv.is_hidden() && !lv.is_pmspare() {
        plan.push(step(Step::Refuse { text: format!("Can't remove logical volume {id} used by a pool.") }));
        return;
    }
    if lv.is_pmspare() {
        if prompt && vg.lvs.iter().any(|l| l.is_hidden() && l.name.ends_with("_tmeta")) {
            plan.push(step(Step::Ask {
                prompt: format!("Removal of pool metadata spare logical volume {id} disables automatic recovery attempts after damage to a thin or cache pool. Proceed? [y/n]: "),
                refusal,
            }));
        }
        plan.push(step(Step::RemoveLv { vg: vg.name.clone(), lv: lv.name.clone() }));
        return;
    }
    if matches!(lv.kind, LvKind::ThinPool(_)) {
        let users: Vec<&Lv> = vg.thin_users(&lv.name).into_iter().filter(|u| !done.contains(&u.name)).collect();
        if !users.is_empty() {
            if prompt {
                plan.push(step(Step::Ask {
                    prompt: format!("Removing pool {id} will remove {} dependent volume(s). Proceed? [y/n]: ", users.len()),
                    refusal: refusal.clone(),
                }));
            }
            for u in users {
                plan_lv_removal(machine, vg, u, prompt, group, done, plan);
            }
        }
    }
    if open_lv(machine, &vg.name, &lv.name) {
        plan.push(step(Step::Refuse { text: format!("Logical volume {id} {}.", if machine.lv_dev(&vg.name, &lv.name).is_some_and(|d| machine.busy(d) == Some(Busy::Swap)) { "in use" } else { "contains a filesystem in use" }) }));
        return;
    }
    // An origin asks once, then its snapshots go first, with it inactive.
    let snapshots: Vec<&Lv> = vg.snapshots_of(&lv.name).filter(|s| !done.contains(&s.name)).collect();
    if !snapshots.is_empty() {
        if prompt {
            plan.push(step(Step::Ask { prompt: format!("Do you really want to remove active origin logical volume {id} with {} snapshots(s)? [y/n]: ", snapshots.len()), refusal }));
        }
        for s in snapshots {
            done.push(s.name.clone());
            plan.push(step(Step::RemoveLv { vg: vg.name.clone(), lv: s.name.clone() }));
        }
        plan.push(step(Step::RemoveLv { vg: vg.name.clone(), lv: lv.name.clone() }));
        return;
    }
    if prompt && lv.active {
        plan.push(step(Step::Ask { prompt: format!("Do you really want to remove active logical volume {id}? [y/n]: "), refusal }));
    }
    plan.push(step(Step::RemoveLv { vg: vg.name.clone(), lv: lv.name.clone() }));
}

pub(super) fn lvremove(shell: &mut Shell, a: &Args) -> Output {
    if a.positional.is_empty() {
        return no_matching_syntax("lvremove");
    }
    // What each argument names: whole VGs, or LVs in a VG. lvm2 processes the
    // VGs in the order the command line first names them
    // (`_choose_vgs_to_process`), a missing one included.
    let mut vg_order: Vec<String> = Vec::new();
    let mut whole: Vec<String> = Vec::new();
    let mut named: Vec<(String, String)> = Vec::new();
    for spec in &a.positional {
        let parsed = if spec.starts_with("/dev/mapper/") { lv_spec(&shell.machine, spec) } else { None };
        let vg = match parsed.map_or_else(|| split_lv_name(spec), |(v, l)| (Some(v), l)) {
            (None, vg) => {
                whole.push(vg.clone());
                vg
            }
            (Some(vg), lv) => {
                named.push((vg.clone(), lv));
                vg
            }
        };
        if !vg_order.contains(&vg) {
            vg_order.push(vg);
        }
    }
    let prompt = a.force == 0 && !a.yes;
    let mut plan: Vec<Planned> = Vec::new();
    let mut group = 0;
    for vg_name in vg_order {
        let Some(vg) = shell.machine.lvm().vg(&vg_name) else {
            for text in [format!("Volume group \"{vg_name}\" not found"), format!("Cannot process volume group {vg_name}")] {
                group += 1;
                plan.push(Planned { group, step: Step::Refuse { text } });
            }
            continue;
        };
        let vg = &*as_seen(vg, a);
        let all = whole.contains(&vg_name);
        let mut done = Vec::new();
        for lv in processing_order(vg, true) {
            let wanted = named.iter().any(|(v, l)| *v == vg_name && *l == lv.name) || (all && !lv.is_hidden());
            if wanted {
                group += 1;
                plan_lv_removal(&shell.machine, vg, lv, prompt, group, &mut done, &mut plan);
            }
        }
        // The names the VG lacks are reported after its own LVs.
        for (_, lv) in named.iter().filter(|(v, l)| *v == vg_name && vg.lv(l).is_none()) {
            group += 1;
            plan.push(Planned { group, step: Step::Refuse { text: format!("Failed to find logical volume \"{vg_name}/{lv}\"") } });
        }
    }
    start(shell, plan, false, String::new(), Vec::new())
}
