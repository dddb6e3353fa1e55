//! pvcreate and pvremove.


use super::*;
use crate::console::Output;
#[cfg(feature = "lvm-extras")]
use crate::console::Shell;
#[cfg(feature = "lvm-extras")]
use super::confirm::{is_table, Planned, Step};
use crate::core::device::DevId;
use crate::core::lvm::LvmError;
use crate::core::machine::Machine;
use crate::core::Event;

/// Resolves a device for pvcreate, checking what lvm2 checks: it exists, it
/// has no partition table in use, and nothing holds it open.
pub(super) fn usable_device(machine: &Machine, path: &str) -> Result<DevId, String> {
    let Some(dev) = machine.resolve(path) else { return Err(format!("No device found for {path}.")) };
    if let Some(why) = filtered(machine, path, dev) {
        return Err(why);
    }
    match machine.busy(dev) {
        // lvm2 2.03.16 tries twice, then cannot read the label area, and
        // the filesystem's signature stops it.
        Some(crate::core::machine::Busy::Mounted { .. }) => {
            let open = format!("Can't open {path} exclusively.  Mounted filesystem?");
            return Err(format!("{open}\n  {open}\n  Error opening device {path} for reading at 0 length 4096.\n  Cannot use {path}: device has a signature"));
        }
        Some(_) => return Err(format!("Can't open {path} exclusively.  Mounted filesystem?")),
        None => {}
    }
    Ok(dev)
}

/// lvm2's device filters: why a device is not one LVM may use at all.
pub(super) fn filtered(machine: &Machine, path: &str, dev: DevId) -> Option<String> {
    // Proxmox VE's lvm.conf rejects zvols (`global_filter=["r|/dev/zd.*|"]`),
    // so the host never activates LVM inside a guest's disk.
    if machine.zvol_path(path).is_some() {
        return Some(format!("Cannot use {path}: device is rejected by filter config"));
    }
    #[cfg(not(feature = "lvm-extras"))]
    let partitioned = |l: crate::core::label::Label| !l.partitions.is_empty();
    // An empty GPT still counts on a device the kernel partitions (not a
    // loop device without -P): its protective MBR's entry is a partition
    // to lvm2's _has_partition_table.
    #[cfg(feature = "lvm-extras")]
    let partitioned = |l: crate::core::label::Label| !l.partitions.is_empty() || l.kind == crate::core::label::LabelKind::Gpt && machine.disk(dev).is_some_and(partitionable);
    machine.disk(dev).and_then(|d| d.label()).is_some_and(partitioned).then(|| format!("Cannot use {path}: device is partitioned"))
}

/// lvm2's `_is_partitionable`: a loop device only when set up with -P.
#[cfg(feature = "lvm-extras")]
fn partitionable(d: &crate::core::disk::Disk) -> bool {
    #[cfg(feature = "loop-devices")]
    if d.transport == crate::core::disk::Transport::Loop {
        return d.backing.as_ref().is_some_and(|b| b.partscan);
    }
    d.transport != crate::core::disk::Transport::Loop
}

/// lvm2's `_wipe_known_signatures_with_blkid` on the devices pvcreate,
/// vgcreate or vgextend is about to label. With -y (or -f, which vgextend
/// ignores here) every foreign signature goes at once, and the wiping is
/// returned as text; otherwise each is asked about, and the command itself
/// runs once the answers are in. Native only: the browser's pvcreate wipes
/// a filesystem signature as it creates the PV, as before, because all this
/// cost it 1.9 KB gzipped (measured 2026-12-05) and it had 7 bytes left.
#[cfg(feature = "lvm-extras")]
pub(super) fn wipe_first(shell: &mut Shell, cmd: &str, a: &Args, raw: &[String], line: &str) -> Result<(String, Vec<Event>), Output> {
    let paths = labelled_paths(cmd, a);
    let refused = checked_first(shell, cmd, a, line)?;
    let paths: Vec<String> = paths.iter().filter(|p| !refused.1.contains(p)).cloned().collect();
    if !a.yes && (a.force == 0 || cmd == "vgextend") {
        return ask_wipes(shell, cmd, &paths, raw, refused, false);
    }
    Ok(wipe_all(&mut shell.machine, &paths))
}

/// Test mode's questions: lvm2 asks about a device's first signature, and
/// since it wipes nothing, asks again after every 'y' (with -y it would
/// loop for ever, so the lab runs -t -y as -t without questions). None when
/// there is nothing to ask.
#[cfg(feature = "lvm-extras")]
pub(super) fn ask_in_test_mode(shell: &mut Shell, cmd: &str, a: &Args, raw: &[String], line: &str) -> Option<Output> {
    if a.yes || a.force > 0 && cmd != "vgextend" {
        return None;
    }
    let paths = labelled_paths(cmd, a);
    let refused = checked_first(shell, cmd, a, line).ok()?;
    let paths: Vec<String> = paths.iter().filter(|p| !refused.1.contains(p)).cloned().collect();
    ask_wipes(shell, cmd, &paths, raw, refused, true).err()
}

/// The devices a command labels as PVs.
#[cfg(feature = "lvm-extras")]
fn labelled_paths<'a>(cmd: &str, a: &'a Args) -> &'a [String] {
    match cmd {
        "pvcreate" => &a.positional,
        "vgcreate" | "vgextend" => a.positional.get(1..).unwrap_or_default(),
        _ => &[],
    }
}

/// Every foreign signature on the devices, wiped at once.
#[cfg(feature = "lvm-extras")]
fn wipe_all(machine: &mut Machine, paths: &[String]) -> (String, Vec<Event>) {
    let (mut text, mut events) = (String::new(), Vec::new());
    for path in paths {
        for f in foreign_signatures(machine, path) {
            events.extend(confirm::wipe(machine, path, (f.offset, f.magic.len() as u64), is_table(&f.kind)));
            msg(&mut text, &format!("Wiping {} signature on {path}.", f.kind));
        }
    }
    (text, events)
}

/// lvm2 checks the VG and every device before it wipes anything. A trial
/// of the command, on the machine as it would be once wiped (then put
/// back), shows what the checks refuse: vgcreate and vgextend then fail as
/// the trial did, with nothing wiped or asked; pvcreate leaves the refused
/// devices out, and says why first. Returns that text and those devices.
#[cfg(feature = "lvm-extras")]
fn checked_first(shell: &mut Shell, cmd: &str, a: &Args, line: &str) -> Result<(String, Vec<String>), Output> {
    let paths = labelled_paths(cmd, a);
    if paths.iter().all(|p| foreign_signatures(&shell.machine, p).is_empty()) {
        return Ok((String::new(), Vec::new()));
    }
    let before = shell.machine.clone();
    let each: Vec<Vec<String>> = if cmd == "pvcreate" { paths.iter().map(|p| vec![p.clone()]).collect() } else { vec![a.positional.clone()] };
    // vgextend labels its PVs before it looks for the VG, so a missing VG
    // fails it only after the questions.
    let vg_missing = cmd == "vgextend" && a.positional.first().is_some_and(|vg| shell.machine.lvm().vg(vg).is_none());
    let mut refused = (String::new(), Vec::new());
    for positional in each {
        wipe_all(&mut shell.machine, paths);
        let trial = super::dispatch(shell, cmd, &Args { positional: positional.clone(), ..a.clone() }, line);
        shell.machine = before.clone();
        let failed = trial.exit_status != 0 && !(vg_missing && !trial.events.is_empty());
        if failed && cmd != "pvcreate" {
            return Err(trial);
        }
        if failed {
            refused.0.push_str(&trial.text);
            refused.1.extend(positional);
        }
    }
    Ok(refused)
}

/// A question for each signature, and the command once they are answered.
#[cfg(feature = "lvm-extras")]
fn ask_wipes(shell: &mut Shell, cmd: &str, paths: &[String], raw: &[String], (said, refused): (String, Vec<String>), test: bool) -> Result<(String, Vec<Event>), Output> {
    let mut plan = Vec::new();
    for (group, path) in paths.iter().enumerate() {
        let found = foreign_signatures(&shell.machine, path);
        for f in found.into_iter().take(if test { 1 } else { usize::MAX }) {
            let prompt = format!("WARNING: {} signature detected on {path} at offset {}. Wipe it? [y/n]: ", f.kind, f.offset);
            let len = f.magic.len() as u64;
            plan.push(Planned { group, step: Step::AskWipe { prompt, path: path.clone(), kind: f.kind, offset: f.offset, len, again: test } });
        }
        if plan.last().is_some_and(|p| p.group == group) {
            plan.push(Planned { group, step: Step::Left { path: path.clone() } });
        }
    }
    if plan.is_empty() {
        return Ok((String::new(), Vec::new()));
    }
    plan.push(Planned { group: usize::MAX, step: Step::Resume { cmd: cmd.into(), raw: raw.to_vec(), test } });
    Err(confirm::start_labelling(shell, plan, said, refused))
}

#[cfg(feature = "lvm-extras")]
/// What blkid finds on a device that is about to become a PV, other than an
/// LVM label (nothing on a device lvm2 would refuse, or on a PV already).
fn foreign_signatures(machine: &Machine, path: &str) -> Vec<crate::console::blkid::Found> {
    let Some(dev) = usable_device(machine, path).ok().filter(|d| machine.lvm().pv(*d).is_none()) else { return Vec::new() };
    crate::console::blkid::signatures(machine, dev).into_iter().filter(|f| f.kind != "LVM2_member").collect()
}

pub(super) fn pvcreate(machine: &mut Machine, a: &Args) -> Output {
    if a.positional.is_empty() {
        return no_matching_syntax("pvcreate");
    }
    let mut t = String::new();
    let mut events = Vec::new();
    let mut status = 0;
    // lvm2 names the devices it cannot find before it labels the others.
    // lvm2 names the devices it cannot find before it labels the others.
    // The browser goes in the order given (0.2 KB).
    #[cfg(feature = "lvm-extras")]
    for path in a.positional.iter().filter(|p| machine.resolve(p).is_none()) {
        err_msg(&mut t, &format!("No device found for {path}."));
        status = 5;
    }
    for path in &a.positional {
        #[cfg(feature = "lvm-extras")]
        if machine.resolve(path).is_none() {
            continue;
        }
        match pvcreate_one(machine, path, a, &mut t) {
            Ok(e) => events.extend(e),
            Err(()) => status = 5,
        }
    }
    Output { text: t, events, exit_status: status, ..Output::default() }
}

fn pvcreate_one(machine: &mut Machine, path: &str, a: &Args, t: &mut String) -> Result<Vec<Event>, ()> {
    let in_vg = machine.resolve(path).and_then(|d| machine.lvm().pv(d)).and_then(|p| p.vg_name.clone());
    if let Some(vg) = in_vg {
        err_msg(t, &format!("Can't initialize physical volume \"{path}\" of volume group \"{vg}\" without -ff"));
        err_msg(t, &format!("{path}: physical volume not initialized."));
        return Err(());
    }
    let dev = usable_device(machine, path).map_err(|e| err_msg(t, &e))?;
    #[cfg(not(feature = "lvm-extras"))]
    if machine.lvm().pv(dev).is_none() {
        for sig in machine.wipe_signatures(dev) {
            msg(t, &format!("Wiping {} signature on {path}.", sig.fstype.name()));
        }
    }
    match machine.pvcreate(dev, a.uuid.clone(), a.pv_options) {
        Ok(e) => {
            msg(t, &format!("Physical volume \"{path}\" successfully created."));
            Ok(e)
        }
        Err(LvmError::DeviceTooSmall(_)) => {
            err_msg(t, &format!("Cannot use {path}: device is too small (pv_min_size)"));
            Err(())
        }
        Err(e) => {
            layout_error(t, path, &e);
            Err(())
        }
    }
}

/// pv_create's messages when the metadata areas or the data area do not fit.
fn layout_error(t: &mut String, path: &str, e: &LvmError) {
    match e {
        LvmError::AlignmentExceedsDevice => err_msg(t, &format!("{path}: {e}")),
        LvmError::NoSpaceForMda { .. } => err_msg(t, &format!("{e} on PV {path}.")),
        _ => err_msg(t, &e.to_string()),
    }
    if !matches!(e, LvmError::AlignmentExceedsDevice) {
        err_msg(t, &format!("Failed to add metadata area for new physical volume {path}"));
    }
    err_msg(t, &format!("Failed to setup physical volume \"{path}\"."));
}

pub(super) fn pvremove(machine: &mut Machine, a: &Args) -> Output {
    if a.positional.is_empty() {
        return no_matching_syntax("pvremove");
    }
    let mut t = String::new();
    let mut events = Vec::new();
    let mut status = 0;
    for path in &a.positional {
        let Some(dev) = machine.resolve(path) else {
            err_msg(&mut t, &format!("No device found for {path}."));
            status = 5;
            continue;
        };
        match machine.pvremove(dev) {
            Ok(e) => {
                events.extend(e);
                msg(&mut t, &format!("Labels on physical volume \"{path}\" successfully wiped."));
            }
            Err(LvmError::PvInUseByVg { vg, .. }) => {
                err_msg(&mut t, &format!("PV {path} is used by VG {vg} so please use vgreduce first."));
                err_msg(&mut t, "(If you are certain you need pvremove, then confirm by using --force twice.)");
                err_msg(&mut t, &format!("{path}: physical volume label not removed."));
                status = 5;
            }
            Err(_) => {
                err_msg(&mut t, &filtered(machine, &path, dev).unwrap_or_else(|| format!("No PV found on device {path}.")));
                status = 5;
            }
        }
    }
    Output { text: t, events, exit_status: status, ..Output::default() }
}

/// `pvresize PV ...`: each PV takes its device's size now (after its
/// partition or disk grew). Simplified: `--setphysicalvolumesize` is not
/// modelled.
#[cfg(feature = "lvm-extras")]
pub(super) fn pvresize(machine: &mut Machine, a: &Args) -> Output {
    if a.positional.is_empty() {
        return no_matching_syntax("pvresize");
    }
    let (mut t, mut err) = (String::new(), String::new());
    let (mut resized, mut not_resized, mut status) = (0, 0, 0);
    for path in &a.positional {
        let Some(dev) = machine.resolve(path) else {
            msg(&mut err, &format!("Cannot use {path}: device not found"));
            status = 5;
            continue;
        };
        if machine.lvm().pv(dev).is_none() {
            msg(&mut err, &format!("Failed to find physical volume \"{path}\"."));
            status = 5;
            continue;
        }
        if let Some((count, used)) = machine.lvm().pvresize_extents(dev, machine.size_of(dev)).filter(|(c, u)| c < u) {
            msg(&mut err, &format!("{path}: cannot resize to {count} extents as {used} are allocated."));
            (not_resized, status) = (not_resized + 1, 5);
            continue;
        }
        match machine.pvresize(dev) {
            Ok(()) => {
                msg(&mut t, &format!("Physical volume \"{path}\" changed"));
                resized += 1;
            }
            Err(_) => (not_resized, status) = (not_resized + 1, 5),
        }
    }
    msg(&mut t, &format!("{resized} physical volume(s) resized or updated / {not_resized} physical volume(s) not resized"));
    Output { text: t, err, exit_status: status, ..Output::default() }
}
