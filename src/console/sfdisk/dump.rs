//! `sfdisk --dump` and `sfdisk --json`: a table as a script sfdisk can read back.

use super::super::fdisk::partition_path;
use super::super::fmt::json_string;
use crate::core::gpt::ENTRY_COUNT;
use crate::core::label::{DiskId, Label, LabelKind, PartType};
use crate::core::machine::Machine;

/// A GPT's own headers: its usable sectors, and its length unless it is the default.
fn gpt_headers(label: &Label) -> Vec<(&'static str, u64)> {
    if label.kind != LabelKind::Gpt {
        return Vec::new();
    }
    let mut h = vec![("first-lba", label.first_lba), ("last-lba", label.last_lba)];
    if label.gpt_entries != ENTRY_COUNT {
        h.push(("table-length", u64::from(label.gpt_entries)));
    }
    h
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
    for (name, value) in gpt_headers(&label) {
        s.push_str(&format!("{name}: {value}\n"));
    }
    s.push_str("sector-size: 512\n");
    // libfdisk's script writer ends an empty table's dump with its headers.
    if !label.partitions.is_empty() {
        s.push('\n');
    }
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
    for (name, value) in gpt_headers(&label) {
        match name {
            "table-length" => s.push_str(&format!("      \"{name}\": \"{value}\",\n")),
            _ => s.push_str(&format!("      \"{}\": {value},\n", name.replace('-', ""))),
        }
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
        s.push_str(&format!(",\n      \"partitions\": [\n{}\n      ]", crate::console::lsblk::join_objects(&parts)));
    }
    s.push_str("\n   }\n}\n");
    (s, 0)
}
