//! `qemu-img snapshot` and the snapshot list `qemu-img info` prints, as
//! QEMU 10.0.2's `img_snapshot` and `bdrv_snapshot_dump` print them; the
//! snapshots themselves are `core::qcow2::snapshot`.

use super::{apply_writes, fail, open, probed_raw_warning, size_to_str};
use crate::console::{Output, Shell};
use crate::core::qcow2::{self, snapshot::Snapshot};

/// `bdrv_snapshot_dump`'s table, or nothing without snapshots.
pub(super) fn snapshot_list(list: &[Snapshot]) -> String {
    if list.is_empty() {
        return String::new();
    }
    let row = |id: &str, tag: &str, size: &str, date: &str, clock: &str, icount: &str| format!("{id:<7} {tag:<16} {size:>8} {date:>19} {clock:>15} {icount:>10}\n");
    let mut t = String::from("Snapshot list:\n");
    t.push_str(&row("ID", "TAG", "VM_SIZE", "DATE", "VM_CLOCK", "ICOUNT"));
    for s in list {
        let (y, mo, d, h, mi, sec) = crate::console::fmt::civil(u64::from(s.date_sec));
        let date = format!("{y:04}-{mo:02}-{d:02} {h:02}:{mi:02}:{sec:02}");
        let ms = s.vm_clock_nsec / 1_000_000;
        let clock = format!("{:04}:{:02}:{:02}.{:03}", ms / 3_600_000, ms / 60_000 % 60, ms / 1000 % 60, ms % 1000);
        let icount = if s.icount == u64::MAX { "--".to_string() } else { s.icount.to_string() };
        t.push_str(&row(&s.id, &s.name, &size_to_str(u64::from(s.vm_state_size)), &date, &clock, &icount));
    }
    t
}

/// `info --output=json`'s `snapshots` array (absent without snapshots).
pub(super) fn snapshots_json(list: &[Snapshot]) -> String {
    if list.is_empty() {
        return String::new();
    }
    let objects: Vec<String> = list
        .iter()
        .map(|s| {
            let icount = if s.icount == u64::MAX { String::new() } else { format!("            \"icount\": {},\n", s.icount) };
            format!(
                "        {{\n{icount}            \"vm-clock-nsec\": {},\n            \"name\": {},\n            \"date-sec\": {},\n            \"date-nsec\": {},\n            \"vm-clock-sec\": {},\n            \"id\": {},\n            \"vm-state-size\": {}\n        }}",
                s.vm_clock_nsec % 1_000_000_000,
                crate::console::fmt::json_string(&s.name),
                s.date_sec,
                s.date_nsec,
                s.vm_clock_nsec / 1_000_000_000,
                crate::console::fmt::json_string(&s.id),
                s.vm_state_size
            )
        })
        .collect();
    format!("    \"snapshots\": [\n{}\n    ],\n", objects.join(",\n"))
}

/// `qemu-img snapshot [-l | -c NAME | -a NAME | -d NAME] [-f FMT] FILE`.
pub(super) fn snapshot(shell: &mut Shell, args: &[String]) -> Output {
    let mut action: Option<(char, String)> = None;
    let (mut format, mut shared) = (None, false);
    let mut files = Vec::new();
    let mut it = args.iter();
    while let Some(a) = it.next() {
        let flag = match a.as_str() {
            "-l" => Some('l'),
            "-c" | "-a" | "-d" => a.chars().nth(1),
            "-f" => {
                match it.next() {
                    Some(f) => format = Some(f.clone()),
                    None => return super::missing_value("snapshot", "f"),
                }
                continue;
            }
            "-q" => continue,
            "-U" | "--force-share" => {
                shared = true;
                continue;
            }
            s if s.starts_with('-') && s.len() > 1 => return super::bad_option("snapshot", s, "h"),
            _ => {
                files.push(a.clone());
                continue;
            }
        };
        let Some(flag) = flag else { continue };
        let value = if flag == 'l' {
            String::new()
        } else {
            match it.next() {
                Some(v) => v.clone(),
                None => return super::missing_value("snapshot", &flag.to_string()),
            }
        };
        if action.is_some() {
            return super::usage("snapshot", "qemu-img: Cannot mix '-l', '-a', '-c', '-d'");
        }
        action = Some((flag, value));
    }
    let [name] = files.as_slice() else {
        return super::usage("snapshot", "qemu-img: Expecting one image file name");
    };
    let writes = action.as_ref().is_some_and(|a| a.0 != 'l');
    if shared && writes {
        return Output::error(format!("qemu-img: Could not open '{name}': {}\n", super::SHARE_READ_ONLY), 1);
    }
    if let Some(why) = super::lock_error(shell, name, true).filter(|_| writes && shell.machine.stat_path(&shell.abs(name)).is_ok()) {
        return Output::error(format!("qemu-img: Could not open '{name}': {why}\n"), 1);
    }
    let access = match (writes, shared) {
        (true, _) => super::Access::Write,
        (false, share) => super::Access::reading(share),
    };
    let f = match open(shell, name, format.as_deref(), access) {
        Ok(f) => f,
        Err(out) => return out,
    };
    let (flag, key) = action.unwrap_or(('l', String::new()));
    let mut out = Output::default();
    // -l opens the image read-only, where probing raw is harmless.
    if f.header.is_none() && format.is_none() && flag != 'l' {
        let warning = probed_raw_warning(name);
        out.err.push_str(&warning.repeat(if flag == 'a' { 2 } else { 1 }));
    }
    let Some(h) = f.header.clone() else {
        let result = match flag {
            'l' => Output::text("", 0),
            'c' => fail(format!("Could not create snapshot '{key}': Operation not supported")),
            'a' => fail(format!("Could not apply snapshot '{key}': Block driver does not support snapshots")),
            _ => fail(format!("Could not delete snapshot '{key}': snapshot not found")),
        };
        out.append(result);
        return out;
    };
    if flag == 'l' {
        out.append(Output::text(snapshot_list(&f.snapshots), 0));
        return out;
    }
    if flag == 'c' && key.len() > usize::from(u16::MAX) {
        out.append(fail(format!("Could not create snapshot '{key}': a snapshot table entry holds names of at most 65535 bytes")));
        return out;
    }
    let m = &mut shell.machine;
    let now = m.now();
    let writes = {
        let mut read = |o: u64, n: u64| m.read_file(&f.path, o, n).unwrap_or_default();
        let mut image = qcow2::guest::Image::open(h, &mut read);
        super::chain::attach_below(m, &f.path, &mut image);
        match flag {
            'c' => image.snapshot_create(&key, now as u32, &mut read).map(Some),
            'a' => image.snapshot_apply(&key, &mut read),
            _ => image.snapshot_delete(&key, &mut read),
        }
    };
    let result = match writes {
        Ok(Some(w)) => apply_writes(m, &f.path, w).map_or_else(fail, |events| Output { events, ..Output::default() }),
        Ok(None) if flag == 'a' => fail(format!("Could not apply snapshot '{key}': Failed to load snapshot: No such file or directory")),
        Ok(None) => fail(format!("Could not delete snapshot '{key}': snapshot not found")),
        Err(e) => {
            let verb = match flag {
                'c' => "create",
                'a' => "apply",
                _ => "delete",
            };
            fail(format!("Could not {verb} snapshot '{key}': {}", e.text()))
        }
    };
    out.append(result);
    out
}
