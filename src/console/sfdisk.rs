//! sfdisk from util-linux 2.38: scripted partitioning, `--dump`, `--json`, `-l`.
//!
//! `sfdisk DEV` reads its script one line at a time (the lines that follow the
//! command, as if typed at sfdisk's prompt) until `write`, `quit` or the end of
//! input, then writes the table. Simplification: no `--append`, `-N`, resizing or
//! `--wipe` options; unnamed fields are `start,size,type,bootable`.

use super::fdisk::{disk_header, label_lines, parse_size_sectors, partition_path, partition_table};
use super::fmt::{human_size, json_string, SizeStyle};
use crate::core::label::{DiskId, Label, LabelKind, PartType, Partition};
use crate::core::device::DevId;
use crate::core::gpt::Guid;
use crate::core::machine::{Machine, Reread};
use crate::core::units::SECTOR_BYTES;
use crate::core::Event;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    disk: DevId,
    path: String,
    kind: Option<LabelKind>,
    first_lba: Option<u64>,
    last_lba: Option<u64>,
    /// The `label-id:` header: a DOS identifier or a GPT disk GUID.
    label_id: Option<String>,
    label: Option<Label>,
    next_number: u32,
}

pub struct Reply {
    pub text: String,
    pub events: Vec<Event>,
    pub done: bool,
}

fn busy_refusal() -> String {
    "Checking that no-one is using this disk right now ... FAILED\n\nThis disk is currently in use - repartitioning is probably a bad idea.\nUmount all file systems, and swapoff all swap partitions on this disk.\nUse the --no-reread flag to suppress this check.\n\nsfdisk: Use the --force flag to overrule all checks.\n".to_string()
}

/// `sfdisk DEV`: checks the disk and waits for script lines.
pub fn start(machine: &Machine, path: &str) -> Result<(Session, String), (String, i32)> {
    let Some(disk) = machine.resolve(path).filter(|d| machine.disk(*d).is_some()) else {
        return Err((format!("sfdisk: cannot open {path}: No such file or directory\n"), 1));
    };
    if machine.disk_busy(disk) {
        return Err((busy_refusal(), 1));
    }
    let model = machine.disk(disk).and_then(|d| d.model.as_deref());
    let mut text = machine.disk(disk).and_then(|d| d.gpt_warning()).map(|w| format!("{w}\n")).unwrap_or_default();
    text.push_str("Checking that no-one is using this disk right now ... OK\n\n");
    text.push_str(&disk_header(path, machine.size_of(disk), model));
    if let Some(old) = machine.disk(disk).and_then(|d| d.label()) {
        text.push_str(&label_lines(&old));
        text.push_str("\nOld situation:\n");
        text.push_str(&partition_table(path, &old));
    }
    text.push_str("\n>>> ");
    Ok((Session { disk, path: path.into(), kind: None, first_lba: None, last_lba: None, label_id: None, label: None, next_number: 1 }, text))
}

impl Session {
    pub fn disk(&self) -> DevId {
        self.disk
    }

    pub fn label(&self) -> Option<&Label> {
        self.label.as_ref()
    }

    fn prompt(&self) -> String {
        match &self.label {
            None => ">>> ".into(),
            Some(_) => format!("{}: ", partition_path(&self.path, self.next_number)),
        }
    }

    fn ensure_label(&mut self, machine: &mut Machine, text: &mut String, events: &mut Vec<Event>) -> Result<(), String> {
        if self.label.is_some() {
            return Ok(());
        }
        let total = machine.size_of(self.disk) / 512;
        let kind = self.kind.unwrap_or(LabelKind::Dos);
        let mut label = match kind {
            LabelKind::Gpt => {
                let g = match self.label_id.as_deref() {
                    Some(id) => Guid::parse(id).ok_or_else(|| format!("failed to parse label-id '{id}'"))?,
                    None => machine.new_guid(),
                };
                text.push_str(&format!("Created a new GPT disklabel (GUID: {g}).\n"));
                Label::new_gpt(total, g).map_err(|e| e.to_string())?
            }
            LabelKind::Dos => {
                let s = match self.label_id.as_deref() {
                    Some(id) => u32::from_str_radix(id.trim_start_matches("0x"), 16).map_err(|_| format!("failed to parse label-id '{id}'"))?,
                    None => machine.new_dos_signature(),
                };
                text.push_str(&format!("Created a new DOS (MBR) disklabel with disk identifier 0x{s:08x}.\n"));
                Label::new_dos(total, s).map_err(|e| e.to_string())?
            }
        };
        if let Some(f) = self.first_lba {
            label.first_lba = f;
        }
        // A GPT's last usable sector can only move down from where the backup header sits.
        if let Some(l) = self.last_lba.filter(|l| *l >= label.first_lba && *l <= label.last_lba) {
            label.last_lba = l;
        }
        events.push(Event::LabelCreated { disk: machine.name_of(self.disk), kind: kind.name() });
        self.label = Some(label);
        Ok(())
    }

    /// One script line.
    pub fn answer(&mut self, machine: &mut Machine, line: &str) -> Reply {
        let line = line.trim();
        let mut text = String::new();
        let mut events = Vec::new();
        match line {
            "write" | "quit" => {
                text.push('\n');
                return self.finish(machine, text, events);
            }
            "abort" => {
                text.push_str("\nsfdisk: Leaving.\n");
                return Reply { text, events, done: true };
            }
            "help" => {
                text.push_str("\n   <start>, <size>, <type>, <bootable>\n   write    write table to disk and exit\n   quit     show new situation and wait for user's confirmation before write\n   abort    exit sfdisk shell\n   print    display the partition table\n   help     show this help text\n\n");
            }
            "print" => {
                if let Some(l) = &self.label {
                    text.push_str(&label_lines(l));
                    text.push_str(&partition_table(&self.path, l));
                }
            }
            "" => {}
            _ if is_header(line) => match self.header(line) {
                Ok(()) => text.push_str("Script header accepted.\n"),
                Err(e) => text.push_str(&format!("sfdisk: {e}\n")),
            },
            _ => {
                if self.label.is_none() {
                    if let Err(e) = self.ensure_label(machine, &mut text, &mut events) {
                        text.push_str(&format!("sfdisk: {e}\n"));
                        return Reply { text, events, done: true };
                    }
                    text.push_str(&self.prompt());
                }
                match self.partition(line) {
                    Ok(p) => {
                        let size = human_size(p.size_sectors * SECTOR_BYTES, SizeStyle::Iec);
                        text.push_str(&format!("Created a new partition {} of type '{}' and of size {size}.\n", p.number, p.part_type.name()));
                        events.push(Event::PartitionPlanned { disk: machine.name_of(self.disk), part: p.info() });
                        let unique = match p.part_type {
                            PartType::Gpt(_) if p.unique_guid != Guid::ZERO => p.unique_guid,
                            PartType::Gpt(_) => machine.new_guid(),
                            _ => Guid::ZERO,
                        };
                        if let Some(l) = self.label.as_mut() {
                            let _ = l.add(Partition { unique_guid: unique, ..p });
                        }
                        self.next_number += 1;
                    }
                    Err(e) => text.push_str(&format!("Failed to add #{} partition: {e}\n", self.next_number)),
                }
            }
        }
        text.push_str(&self.prompt());
        Reply { text, events, done: false }
    }

    /// End of input: sfdisk says "Done." and writes what it has.
    pub fn end_of_input(&mut self, machine: &mut Machine) -> Reply {
        self.finish(machine, "Done.\n\n".into(), Vec::new())
    }

    fn finish(&mut self, machine: &mut Machine, mut text: String, mut events: Vec<Event>) -> Reply {
        let Some(label) = self.label.clone() else {
            text.push_str("sfdisk: no partitions defined\n");
            return Reply { text, events, done: true };
        };
        text.push_str("New situation:\n");
        text.push_str(&label_lines(&label));
        text.push_str(&partition_table(&self.path, &label));
        text.push_str("\nThe partition table has been altered.\nCalling ioctl() to re-read partition table.\n");
        let (reread, evs) = machine.write_label(self.disk, &label);
        events.extend(evs);
        if reread == Reread::Busy {
            text.push_str("Re-reading the partition table failed.: Device or resource busy\nThe kernel still uses the old table. The new table will be used at the next reboot or after you run partprobe(8) or partx(8).\n");
        }
        text.push_str("Syncing disks.\n");
        Reply { text, events, done: true }
    }

    fn header(&mut self, line: &str) -> Result<(), String> {
        let (key, value) = line.split_once(':').ok_or("unsupported header")?;
        let value = value.trim();
        match key.trim() {
            "label" => {
                self.kind = Some(match value {
                    "gpt" => LabelKind::Gpt,
                    "dos" | "mbr" => LabelKind::Dos,
                    other => return Err(format!("unsupported label '{other}'")),
                })
            }
            "label-id" => self.label_id = Some(value.to_string()),
            "first-lba" => self.first_lba = Some(value.parse().map_err(|_| format!("unsupported first-lba '{value}'"))?),
            "last-lba" => self.last_lba = Some(value.parse().map_err(|_| format!("unsupported last-lba '{value}'"))?),
            "unit" if value != "sectors" => return Err(format!("unsupported unit '{value}'")),
            _ => {}
        }
        Ok(())
    }

    /// Parses `start=.., size=.., type=..` or `start,size,type,bootable`.
    fn partition(&self, line: &str) -> Result<Partition, String> {
        let label = self.label.as_ref().ok_or("no label")?;
        let body = match line.split_once(" : ") {
            Some((_, rest)) => rest,
            None => line,
        };
        let mut start: Option<String> = None;
        let mut size: Option<String> = None;
        let mut ptype: Option<String> = None;
        let mut bootable = false;
        let mut name = String::new();
        let mut uuid = Guid::ZERO;
        if body.contains('=') {
            for field in body.split(|c| c == ',' || c == ' ').map(str::trim).filter(|f| !f.is_empty()) {
                match field.split_once('=') {
                    Some(("start", v)) => start = Some(v.trim().into()),
                    Some(("size", v)) => size = Some(v.trim().into()),
                    Some(("type" | "Id", v)) => ptype = Some(v.trim().into()),
                    Some(("name", v)) => name = v.trim().trim_matches('"').into(),
                    Some(("uuid", v)) => uuid = Guid::parse(v.trim()).ok_or_else(|| format!("failed to parse uuid '{}'", v.trim()))?,
                    Some(_) => {}
                    None if field == "bootable" => bootable = true,
                    None => return Err(format!("unsupported field '{field}'")),
                }
            }
        } else {
            let mut f = body.split(|c| c == ',' || c == ' ').map(str::trim);
            start = f.next().filter(|s| !s.is_empty()).map(str::to_string);
            size = f.next().filter(|s| !s.is_empty()).map(str::to_string);
            ptype = f.next().filter(|s| !s.is_empty()).map(str::to_string);
            bootable = f.next() == Some("*");
        }
        let ranges = label.free_ranges();
        let first = match &start {
            Some(s) => parse_size_sectors(s).ok_or_else(|| format!("failed to parse start '{s}'"))?,
            None => Label::default_first(*ranges.first().ok_or("No free sectors available")?),
        };
        let range = Label::range_containing(&ranges, first).ok_or_else(|| format!("Sector {first} already used."))?;
        let last = match size.as_deref() {
            None | Some("+") | Some("-") => match label.kind {
                LabelKind::Gpt => Label::default_last(first, range.1),
                LabelKind::Dos => range.1,
            },
            Some(s) => {
                let sectors = parse_size_sectors(s.trim_start_matches('+')).ok_or_else(|| format!("failed to parse size '{s}'"))?;
                let has_unit = s.ends_with(|c: char| c.is_ascii_alphabetic());
                // A size of 0 gives one sector, as libfdisk does.
                let last = if has_unit && sectors > 0 { Label::aligned_last_for_size(first, sectors, range.1) } else { first.saturating_add(sectors.max(1) - 1) };
                if last > range.1 {
                    return Err("Numerical result out of range".into());
                }
                last
            }
        };
        let part_type = parse_type(label.kind, ptype.as_deref())?;
        Ok(Partition {
            number: self.next_number,
            start_lba: first,
            size_sectors: (last + 1).saturating_sub(first),
            part_type,
            unique_guid: uuid,
            name,
            bootable,
        })
    }
}

fn is_header(line: &str) -> bool {
    let key = line.split(':').next().unwrap_or("").trim();
    line.contains(':')
        && !line.contains(" : ")
        && matches!(key, "label" | "label-id" | "device" | "unit" | "first-lba" | "last-lba" | "sector-size" | "table-length" | "grain")
}

/// sfdisk's type shortcuts (L, S, E, U, R, V, H), aliases, hex codes and GUIDs.
fn parse_type(kind: LabelKind, text: Option<&str>) -> Result<PartType, String> {
    let Some(t) = text else { return Ok(PartType::default_for(kind)) };
    let alias = match t.to_ascii_lowercase().as_str() {
        "l" | "linux" => Some(("0FC63DAF-8483-4772-8E79-3D69D8477DE4", 0x83)),
        "s" | "swap" => Some(("0657FD6D-A4AB-43C4-84E5-0933C84B4F4F", 0x82)),
        "e" | "extended" => Some(("", 0x05)),
        "u" | "uefi" => Some(("C12A7328-F81F-11D2-BA4B-00A0C93EC93B", 0xef)),
        "r" | "raid" => Some(("A19D880F-05FC-4D3B-A006-743F0F84911E", 0xfd)),
        "v" | "lvm" => Some(("E6D6D379-F507-44C2-A23C-238F2A3DF928", 0x8e)),
        "h" | "home" => Some(("933AC7E1-2EB4-4F13-B844-0E14E2AEF915", 0x83)),
        _ => None,
    };
    match (kind, alias) {
        (LabelKind::Gpt, Some((guid, _))) if !guid.is_empty() => Ok(PartType::gpt_named(guid)),
        (LabelKind::Dos, Some((_, code))) => Ok(PartType::Dos(code)),
        (LabelKind::Gpt, _) => crate::core::gpt::Guid::parse(t).map(PartType::Gpt).ok_or_else(|| format!("failed to parse type '{t}'")),
        (LabelKind::Dos, None) => u8::from_str_radix(t.trim_start_matches("0x"), 16).map(PartType::Dos).map_err(|_| format!("failed to parse type '{t}'")),
    }
}

/// `sfdisk --dump DEV`.
pub fn dump(machine: &Machine, path: &str) -> (String, i32) {
    let Some(disk) = machine.resolve(path).filter(|d| machine.disk(*d).is_some()) else {
        return (format!("sfdisk: cannot open {path}: No such file or directory\n"), 1);
    };
    let Some(label) = machine.disk(disk).and_then(|d| d.label()) else {
        return (format!("sfdisk: {path}: does not contain a recognized partition table\n"), 1);
    };
    let mut s = format!("label: {}\n", label.kind.name());
    match label.disk_id {
        DiskId::Dos(sig) => s.push_str(&format!("label-id: 0x{sig:08x}\n")),
        DiskId::Gpt(g) => s.push_str(&format!("label-id: {g}\n")),
    }
    s.push_str(&format!("device: {path}\nunit: sectors\n"));
    if label.kind == LabelKind::Gpt {
        s.push_str(&format!("first-lba: {}\nlast-lba: {}\n", label.first_lba, label.last_lba));
    }
    s.push_str("sector-size: 512\n\n");
    let width = label.partitions.iter().map(|p| partition_path(path, p.number).len()).max().unwrap_or(0);
    for p in &label.partitions {
        let dev = partition_path(path, p.number);
        let mut line = format!("{dev:<width$} : start={:>12}, size={:>12}, type=", p.start_lba, p.size_sectors);
        match p.part_type {
            PartType::Dos(c) => line.push_str(&format!("{c:x}")),
            PartType::Gpt(g) => line.push_str(&format!("{g}, uuid={}", p.unique_guid)),
        }
        if !p.name.is_empty() {
            line.push_str(&format!(", name=\"{}\"", p.name));
        }
        if p.bootable {
            line.push_str(", bootable");
        }
        s.push_str(&line);
        s.push('\n');
    }
    (s, 0)
}

/// `sfdisk --json DEV`.
pub fn json(machine: &Machine, path: &str) -> (String, i32) {
    let Some(disk) = machine.resolve(path).filter(|d| machine.disk(*d).is_some()) else {
        return (format!("sfdisk: cannot open {path}: No such file or directory\n"), 1);
    };
    let Some(label) = machine.disk(disk).and_then(|d| d.label()) else {
        return (format!("sfdisk: {path}: does not contain a recognized partition table\n"), 1);
    };
    let id = match label.disk_id {
        DiskId::Dos(sig) => format!("0x{sig:08x}"),
        DiskId::Gpt(g) => g.to_string(),
    };
    let mut s = format!(
        "{{\n   \"partitiontable\": {{\n      \"label\": \"{}\",\n      \"id\": \"{id}\",\n      \"device\": {},\n      \"unit\": \"sectors\",\n",
        label.kind.name(),
        json_string(path)
    );
    if label.kind == LabelKind::Gpt {
        s.push_str(&format!("      \"firstlba\": {},\n      \"lastlba\": {},\n", label.first_lba, label.last_lba));
    }
    s.push_str("      \"sectorsize\": 512");
    if !label.partitions.is_empty() {
        let parts: Vec<String> = label
            .partitions
            .iter()
            .map(|p| {
                let mut f = vec![
                    format!("            \"node\": {}", json_string(&partition_path(path, p.number))),
                    format!("            \"start\": {}", p.start_lba),
                    format!("            \"size\": {}", p.size_sectors),
                ];
                match p.part_type {
                    PartType::Dos(c) => f.push(format!("            \"type\": \"{c:x}\"")),
                    PartType::Gpt(g) => {
                        f.push(format!("            \"type\": \"{g}\""));
                        f.push(format!("            \"uuid\": \"{}\"", p.unique_guid));
                    }
                }
                if !p.name.is_empty() {
                    f.push(format!("            \"name\": {}", json_string(&p.name)));
                }
                if p.bootable {
                    f.push("            \"bootable\": true".into());
                }
                format!("         {{\n{}\n         }}", f.join(",\n"))
            })
            .collect();
        s.push_str(&format!(",\n      \"partitions\": [\n{}\n      ]", super::lsblk::join_objects(&parts)));
    }
    s.push_str("\n   }\n}\n");
    (s, 0)
}
