//! `fdisk_apply_script_headers()`: the new label that an sfdisk script's
//! headers describe, made when its first partition line is read (or at the
//! end, for a script that names a label and no partition).

use super::{push_notice, Session};
use crate::console::cnum::{parse_size, parse_size_power, ERANGE};
use crate::core::gpt::{Guid, ENTRY_COUNT};
use crate::core::label::{Label, LabelKind};
use crate::core::libfdisk::gpt::{geometry, set_entries, Geometry, ScriptGeometry};
use crate::core::libfdisk::wipe;
use crate::core::libfdisk::{Align, Errno, Refusal};
use crate::core::machine::Machine;
use crate::core::units::SECTOR_BYTES;
use crate::core::Event;

fn errno(strerror: &str) -> Errno {
    if strerror == ERANGE {
        Errno::Range
    } else {
        Errno::Inval
    }
}

/// libfdisk's `get_script_u64()`: a number of sectors, or bytes with a unit.
fn sectors(value: &str) -> Result<u64, Errno> {
    let (n, power) = parse_size_power(value).map_err(errno)?;
    Ok(if power > 0 { n / SECTOR_BYTES } else { n })
}

/// Makes the session's new label from its headers, printing what libfdisk
/// prints on the way; Err is the errno sfdisk reports.
pub(super) fn apply(s: &mut Session, machine: &mut Machine, text: &mut String, events: &mut Vec<Event>) -> Result<(), Errno> {
    drop_lba_headers(s, text);
    let total = machine.size_of(s.disk) / SECTOR_BYTES;
    let align = user_grain(s, Align::for_disk(total))?;
    let (mut label, mut align) = match s.script_kind() {
        LabelKind::Dos => (dos(s, machine, total, text)?, align),
        LabelKind::Gpt => gpt(s, machine, total, align, text)?,
    };
    if let Some(value) = s.header("table-length") {
        let wanted = parse_size(value).map_err(errno)?;
        if let Some(shape) = table_length(&label, wanted, total, text)? {
            s.info(text, &format!("Partition table length changed from {} to {}.\n", label.gpt_entries, shape.entries));
            (label.gpt_entries, label.first_lba, label.last_lba) = (shape.entries, shape.first_lba, shape.last_lba);
            align.first_lba = shape.first_lba;
        }
    }
    if s.old.as_ref().map(|l| l.kind) != Some(label.kind) {
        s.collision = wipe::check(machine, s.disk, true);
    }
    s.wipe = super::follow_wipe_mode(&s.opts, s.collision.as_ref(), text);
    events.push(Event::LabelCreated { disk: machine.name_of(s.disk), kind: label.kind.name() });
    s.label = Some(label);
    s.align = align;
    Ok(())
}

/// With another sector size in the script, libfdisk drops first-lba and
/// last-lba rather than scale them (its message misspells "Ignore").
fn drop_lba_headers(s: &mut Session, text: &mut String) {
    let sector_size = s.script_sector_size();
    if sector_size == 0 || sector_size == SECTOR_BYTES {
        return;
    }
    for name in ["first-lba", "last-lba"] {
        if s.header(name).is_some() {
            s.set_header(name, None);
            text.push_str(&format!("Ingnore \"{name}\" header due to sector size mismatch.\n"));
        }
    }
}

/// `grain:` in bytes, a multiple of 512; 0 keeps the device's grain.
fn user_grain(s: &Session, align: Align) -> Result<Align, Errno> {
    let Some(value) = s.header("grain") else { return Ok(align) };
    let bytes = parse_size(value).map_err(errno)?;
    if bytes % SECTOR_BYTES != 0 {
        return Err(Errno::Inval);
    }
    match bytes / SECTOR_BYTES {
        0 => Ok(align),
        grain => Ok(Align { grain_sectors: grain, ..align }),
    }
}

/// A DOS label with the script's `label-id:`, read as C's strtoul base 16
/// reads it, or a random one.
fn dos(s: &Session, machine: &mut Machine, total: u64, text: &mut String) -> Result<Label, Errno> {
    let id = s.header("label-id").and_then(crate::console::cnum::c_strtoul_hex).map(|v| v as u32);
    let id = id.unwrap_or_else(|| machine.new_dos_signature());
    let label = Label::new_dos(total, id).map_err(|_| Errno::NoSpc)?;
    s.info(text, &format!("Created a new DOS (MBR) disklabel with disk identifier 0x{id:08x}.\n"));
    Ok(label)
}

/// The script's geometry headers, each read as a number of sectors.
fn script_geometry(s: &Session) -> ScriptGeometry {
    ScriptGeometry {
        table_length: s.header("table-length").map(sectors),
        first_lba: s.header("first-lba").map(sectors),
        last_lba: s.header("last-lba").map(sectors),
    }
}

/// A GPT as the script shapes it. libfdisk works the geometry out once when
/// it switches to the new label, once more when it resets the device's
/// properties if the disk had a label, and once to make the table, so a
/// header out of range is reported that many times.
fn gpt(s: &Session, machine: &mut Machine, total: u64, align: Align, text: &mut String) -> Result<(Label, Align), Errno> {
    let shape = match geometry(total, &script_geometry(s), align.first_lba) {
        Ok(g) => g,
        Err(Refusal { notice: Some(n), errno }) => {
            let times = if s.old.is_some() { 3 } else { 2 };
            for _ in 0..times {
                push_notice(text, &n);
            }
            return Err(errno);
        }
        Err(r) => return Err(r.errno),
    };
    if shape.entries == 0 {
        return Err(Errno::Range);
    }
    let guid = s.header("label-id").and_then(Guid::parse).unwrap_or_else(|| machine.new_guid());
    let label = Label::new_gpt_with(total, guid, shape.entries, shape.first_lba, shape.last_lba).map_err(|_| Errno::NoSpc)?;
    s.info(text, &format!("Created a new GPT disklabel (GUID: {guid}).\n"));
    if shape.entries < ENTRY_COUNT {
        s.info(text, &format!("The maximal number of partitions is {} (default is {ENTRY_COUNT}).\n", shape.entries));
    }
    Ok((label, Align { first_lba: align.first_lba.max(shape.first_lba), ..align }))
}

/// `table-length:` once more when the label exists, read this time as a plain
/// number of entries (so `1K` is 1024 here, and 2 when the table was made):
/// only a GPT has a length, and a different one resizes the table.
fn table_length(label: &Label, wanted: u64, total: u64, text: &mut String) -> Result<Option<Geometry>, Errno> {
    if label.kind != LabelKind::Gpt {
        return Err(Errno::Inval);
    }
    set_entries(total, label.gpt_entries, wanted).map_err(|r| {
        if let Some(n) = &r.notice {
            push_notice(text, n);
        }
        r.errno
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn script_numbers_are_sectors_unless_they_have_a_unit() {
        assert_eq!(super::sectors("4096"), Ok(4096));
        assert_eq!(super::sectors("1M"), Ok(2048));
        assert_eq!(super::sectors("garbage"), Err(crate::core::libfdisk::Errno::Inval));
        assert_eq!(super::sectors("99999999999999999999"), Err(crate::core::libfdisk::Errno::Range));
    }
}
