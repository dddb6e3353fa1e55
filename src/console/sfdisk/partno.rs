//! `sfdisk -N N DEV` (and the older `sfdisk DEV INDEX`): one script line
//! changes one partition of the table on the disk, through libfdisk's
//! `fdisk_set_partition()`. A partition that exists is moved, resized
//! (`core::libfdisk::resize`) or given a new type, name, GPT UUID or boot
//! flag; a number that is free gets a new partition, as a script line would.
//!
//! Simplified: a logical partition moved to a new start keeps the label
//! model's EBR place (one grain before it) where libfdisk keeps the old EBR;
//! GPT attribute bits are not kept.

use super::script::{PartLine, ScriptType};
use super::{push_notice, warning, Done, Reply, Session};
use crate::core::gpt::Guid;
use crate::core::label::{Label, LabelKind, PartType, Partition};
use crate::core::libfdisk::resize::{recount, SizeChange, StartChange};
use crate::core::libfdisk::SizeRequest;
use crate::core::machine::Machine;

/// What `-N` asks of a session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Modify {
    /// The partition's 0-based index (`-N 1` is 0).
    pub index: u32,
    /// The table as libfdisk shows it after the change, where that differs
    /// from the one it writes: a new type for an extended partition makes
    /// libfdisk forget its logical partitions (their EBRs stay on the disk).
    pub shown: Option<Label>,
}

/// The checks sfdisk makes before it reads the line: the disk must have a
/// table with that many slots; a free slot is a warning.
pub fn check(path: &str, old: Option<&Label>, index: u32) -> Result<String, String> {
    let number = u64::from(index) + 1;
    let Some(label) = old else {
        return Err(format!("sfdisk: {path}: cannot modify partition {number}: no partition table was found\n"));
    };
    let slots = label.slots();
    if index > slots {
        return Err(format!("sfdisk: {path}: cannot modify partition {number}: partition table contains only {slots} partitions\n"));
    }
    Ok(match label.partition(index.saturating_add(1)) {
        Some(_) => String::new(),
        None => format!("warning: {path}: partition {number} is not defined yet\n"),
    })
}

/// The sign-aware reading of the line's start and size.
fn changes(p: &PartLine) -> (StartChange, SizeChange) {
    let start = match (p.start, p.signs[0]) {
        (None, b'+') => StartChange::FirstPossible,
        (None, _) => StartChange::Keep,
        (Some(n), b'+') => StartChange::Up(n),
        (Some(n), b'-') => StartChange::Down(n),
        (Some(n), _) => StartChange::At(n),
    };
    let size = match (p.size, p.signs[1]) {
        (SizeRequest::Default, b'+') => SizeChange::AllPossible,
        (SizeRequest::Default, _) => SizeChange::Keep,
        (SizeRequest::Sectors(n) | SizeRequest::Relative(n), b'+') => SizeChange::Grow(n),
        (SizeRequest::Sectors(n) | SizeRequest::Relative(n), b'-') => SizeChange::Shrink(n),
        (SizeRequest::Sectors(n) | SizeRequest::Relative(n), _) => SizeChange::To(n),
    };
    (start, size)
}

impl Session {
    /// The line for `-N`: a new partition in a free slot, else the change.
    pub(super) fn modify_line(&mut self, machine: &mut Machine, mut p: PartLine, index: u32) -> Reply {
        let (mut text, mut events) = (String::new(), Vec::new());
        let Some(label) = self.label.clone() else { return self.finish(machine, Done::Abort, text, events) };
        let number = index.saturating_add(1);
        if label.partition(number).is_none() {
            // A line without a device name follows the default number: the
            // first free slot, a primary one on DOS when N is 1 to 4.
            if p.number.is_some() || (label.kind == LabelKind::Dos && number > 4) {
                p.number = Some(number);
            } else if label.kind == LabelKind::Dos {
                p.number = (1..=4).find(|&n| label.partition(n).is_none());
            }
            let done = match self.add(machine, &p, &mut text, &mut events) {
                Ok(()) => Done::Ask,
                Err(r) => {
                    if let Some(n) = &r.notice {
                        push_notice(&mut text, n);
                    }
                    Done::Abort
                }
            };
            return self.finish(machine, done, text, events);
        }
        let done = match set(&label, number, &p, self.align.grain_sectors, &mut text) {
            Ok((new, shown)) => {
                self.label = Some(new);
                if let Some(m) = self.modify.as_mut() {
                    m.shown = shown;
                }
                Done::Ask
            }
            Err(()) => Done::Abort,
        };
        self.finish(machine, done, text, events)
    }
}

/// `fdisk_set_partition()` on a partition in use: the new table, and the
/// one libfdisk shows when that differs; Err after libfdisk's message.
fn set(label: &Label, number: u32, p: &PartLine, grain_sectors: u64, text: &mut String) -> Result<(Label, Option<Label>), ()> {
    let mut new = label.clone();
    let Some(part) = new.partitions.iter_mut().find(|q| q.number == number) else { return Err(()) };
    let (start, size) = changes(p);
    if start != StartChange::Keep || size != SizeChange::Keep {
        let Some((start_lba, size_sectors)) = recount(label, number, start, size, grain_sectors) else {
            warning(text, &format!("Failed to resize partition #{number}.\n"));
            return Err(());
        };
        (part.start_lba, part.size_sectors) = (start_lba, size_sectors);
    }
    match label.kind {
        LabelKind::Gpt => set_gpt(part, p, label, text).map(|()| (new, None)),
        LabelKind::Dos => {
            let forgets = set_dos(part, p, label, text)?;
            let shown = forgets.then(|| {
                let mut shown = new.clone();
                shown.partitions.retain(|q| !q.is_logical());
                shown
            });
            Ok((new, shown))
        }
    }
}

/// `gpt_set_partition()`: UUID, name, type, then the range within the
/// usable area.
fn set_gpt(part: &mut Partition, p: &PartLine, label: &Label, text: &mut String) -> Result<(), ()> {
    if let Some(u) = &p.uuid {
        let guid = Guid::parse(u).ok_or(())?;
        text.push_str(&format!("Partition UUID changed from {} to {guid}.\n", part.unique_guid));
        part.unique_guid = guid;
    }
    if let Some(name) = &p.name {
        text.push_str(&format!("Partition name changed from '{}' to '{name}'.\n", part.name));
        part.name = name.clone();
    }
    match p.part_type {
        Some(ScriptType::Type(t)) => part.part_type = t,
        Some(ScriptType::NotAGuid) => return Err(()),
        None => {}
    }
    if part.start_lba < label.first_lba {
        warning(text, "The start of the partition understeps FirstUsableLBA.\n");
        return Err(());
    }
    if part.end_lba() > label.last_lba {
        warning(text, "The end of the partition oversteps LastUsableLBA.\n");
        return Err(());
    }
    Ok(())
}

/// `dos_set_partition()`: the type (with libfdisk's checks) and the boot
/// flag. Ok(true) when libfdisk forgets the logical partitions.
fn set_dos(part: &mut Partition, p: &PartLine, label: &Label, text: &mut String) -> Result<bool, ()> {
    let was_extended = part.part_type.is_extended();
    let new_type = match p.part_type {
        Some(ScriptType::Type(t @ PartType::Dos(code))) => Some((t, code)),
        _ => None,
    };
    if let Some((t, code)) = new_type {
        if t.is_extended() && label.extended().is_some_and(|e| e.number != part.number) {
            warning(text, "Extended partition already exists.\n");
            return Err(());
        }
        if code == 0 {
            warning(text, "Type 0 means free space to many systems. Having partitions of type 0 is probably unwise.\n");
        }
        let has_logicals = label.logicals().next().is_some();
        if was_extended && !t.is_extended() && has_logicals {
            warning(text, "Cannot change type of the extended partition which is already used by logical partitions. Delete logical partitions first.\n");
            return Err(());
        }
        part.part_type = t;
    }
    if let Some(on) = p.bootable {
        part.bootable = on;
    }
    Ok(was_extended && new_type.is_some() && label.logicals().next().is_some())
}
