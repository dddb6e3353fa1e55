//! `qemu-io -c 'write -P 0xab OFFSET LEN' FILE`, `write -z`, `discard` and
//! `read -P`: guest I/O on a raw or qcow2 image file, with qemu-io's summary
//! lines.
//!
//! Simplified: `write [-P pattern | -z]`, `discard` and `read [-P pattern]`
//! only; the time
//! and rates are the lab's simulated disk (1.5 GB/s after 45 µs), as dd's.

use super::{Output, Shell};
use crate::core::event::Event;
use crate::core::machine::Machine;
use crate::core::media::Chunk;
use crate::core::qcow2::guest::Image;
use crate::core::qcow2::Header;

pub fn run(shell: &mut Shell, args: &[String]) -> Output {
    let mut commands = Vec::new();
    let mut files = Vec::new();
    let mut format = None;
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "-c" => match it.next() {
                Some(c) => commands.push(c.clone()),
                None => return Output::error("qemu-io: option requires an argument -- 'c'\nTry 'qemu-io --help' for more information\n", 1),
            },
            "-f" => format = it.next().cloned(),
            "--version" | "-V" => return Output::text(super::qemu_img::VERSION.replacen("qemu-img", "qemu-io", 1), 0),
            s if s.starts_with('-') && s.len() > 1 => return Output::error(format!("qemu-io: the lab's qemu-io takes -c, -f and a file, not '{s}'\n"), 1),
            _ => files.push(a.clone()),
        }
    }
    let Some(name) = files.first() else {
        return Output::error("qemu-io: the lab's qemu-io needs a file: qemu-io -c 'write -P 0xab 0 4k' FILE\n", 1);
    };
    let path = shell.abs(name);
    let m = &mut shell.machine;
    let size = match m.stat_path(&path) {
        Ok(s) if !s.stat.is_dir => s.stat.size,
        Ok(_) => return Output::error(format!("qemu-io: can't open device {name}: Could not open '{name}': Is a directory\n"), 1),
        Err(e) => return Output::error(format!("qemu-io: can't open device {name}: Could not open '{name}': {}\n", e.text()), 1),
    };
    if let Some(why) = super::qemu_img::lock_error(shell, name, true) {
        return Output::error(format!("qemu-io: can't open device {name}: {why}\n"), 1);
    }
    let m = &mut shell.machine;
    let header = Header::decode(&m.read_file(&path, 0, 512).unwrap_or_default()).filter(|_| format.as_deref() != Some("raw"));
    if let Some(why) = header.as_ref().filter(|h| cfg!(feature = "qcow2-backing") && h.backing_file_offset != 0).and_then(|_| super::qemu_img::chain::Chain::open(m, name, &path, false).missing(m)) {
        return Output::error(format!("qemu-io: can't open device {name}: {why}\n"), 1);
    }
    let mut out = Output::default();
    let mut failed = 0;
    for c in &commands {
        let o = command(m, &path, size, header.clone(), c);
        failed = failed.max(o.exit_status);
        out.append(o);
    }
    // qemu-io exits with 1 when any of its commands failed.
    out.exit_status = failed;
    out
}

/// `cvtnum`: a size with an optional k, M, G... suffix, or 0x hex.
fn number(text: &str) -> Option<u64> {
    if let Some(hex) = text.strip_prefix("0x") {
        return u64::from_str_radix(hex, 16).ok();
    }
    super::qemu_img::parse_size(text)
}

/// `cvtstr`: three decimals, `.000` dropped: `4 KiB`, `3.503 MiB`.
fn cvtstr(value: f64) -> String {
    const UNITS: [(&str, u32); 6] = [(" EiB", 60), (" PiB", 50), (" TiB", 40), (" GiB", 30), (" MiB", 20), (" KiB", 10)];
    let (suffix, v) = UNITS.iter().find(|(_, s)| value >= (1u64 << s) as f64).map_or((" bytes", value), |(u, s)| (*u, value / (1u64 << s) as f64));
    let text = super::fmt::fixed(v, 3);
    format!("{}{suffix}", text.strip_suffix(".000").unwrap_or(&text))
}

fn report(op: &str, offset: u64, len: u64) -> String {
    let nanos = 45_000 + len.saturating_mul(1_000_000_000) / 1_500_000_000;
    let secs = nanos as f64 / 1e9;
    format!(
        "{op} {len}/{len} bytes at offset {offset}\n{}, 1 ops; 00.00 sec ({}/sec and {} ops/sec)\n",
        cvtstr(len as f64),
        cvtstr(len as f64 / secs),
        super::fmt::fixed(1.0 / secs, 4)
    )
}

fn command(m: &mut Machine, path: &str, size: u64, header: Option<Header>, line: &str) -> Output {
    let words: Vec<&str> = line.split_whitespace().collect();
    let Some((op, rest)) = words.split_first() else { return Output::default() };
    let mut pattern = None;
    let mut zeroes = false;
    let mut operands = Vec::new();
    let mut it = rest.iter();
    while let Some(w) = it.next() {
        match *w {
            "-P" => pattern = it.next().and_then(|p| number(p)).map(|p| p as u8),
            "-z" if *op == "write" => zeroes = true,
            "-q" | "-v" => {}
            s if s.starts_with('-') => return Output::error(format!("qemu-io: the lab's {op} takes -P (and write -z) only, not '{s}'\n"), 1),
            s => operands.push(s),
        }
    }
    let (Some(offset), Some(len)) = (operands.first().and_then(|o| number(o)), operands.get(1).and_then(|o| number(o))) else {
        return Output::error(format!("{op} expects 2 arguments\n"), 1);
    };
    // BDRV_REQUEST_MAX_BYTES: qemu-io refuses longer requests.
    if len > 2_147_483_136 {
        let without_n = if *op == "write" { " without -n" } else { "" };
        return Output::error(format!("length cannot exceed 2147483136{without_n}, given {}\n", operands[1]), 1);
    }
    match *op {
        "write" if zeroes => change(m, path, size, header, offset, len, Change::Zeroes),
        "write" => change(m, path, size, header, offset, len, Change::Data(Chunk::fill(pattern.unwrap_or(0xcd), len))),
        "discard" => change(m, path, size, header, offset, len, Change::Discard),
        "read" => read(m, path, size, header, offset, len, pattern),
        other => Output::error(format!("qemu-io: the lab's qemu-io has write, read and discard, not '{other}'\n"), 1),
    }
}

/// What a changing command does to the guest's bytes.
enum Change {
    Data(Chunk),
    Zeroes,
    Discard,
}

fn change(m: &mut Machine, path: &str, size: u64, header: Option<Header>, offset: u64, len: u64, what: Change) -> Output {
    let verb = if matches!(what, Change::Discard) { "discard" } else { "write" };
    let virtual_size = header.as_ref().map_or(size, |h| h.size);
    if offset.checked_add(len).is_none_or(|end| end > virtual_size) {
        return Output::error(format!("{verb} failed: Input/output error\n"), 1);
    }
    let result = match header {
        None => match what {
            Change::Data(data) => m.write_file(path, offset, data).map_err(|e| e.text().to_string()),
            Change::Zeroes => m.zero_range_file(path, offset, len).map_err(|e| e.text().to_string()),
            Change::Discard => m.punch_file(path, offset, len).map_err(|e| e.text().to_string()),
        },
        Some(h) => {
            let writes = {
                let mut read = |o: u64, n: u64| m.read_file(path, o, n).unwrap_or_default();
                let mut image = Image::open(h, &mut read);
                super::qemu_img::chain::attach_below(m, path, &mut image);
                match what {
                    Change::Data(data) => image.write(offset, &data, &mut read),
                    Change::Zeroes => image.write_zeroes(offset, len, &mut read),
                    Change::Discard => image.discard(offset, len, &mut read),
                }
            };
            writes.map_err(|e| e.text().to_string()).and_then(|w| super::qemu_img::apply_writes(m, path, w))
        }
    };
    match result {
        Ok(events) => Output { text: report(if verb == "write" { "wrote" } else { "discard" }, offset, len), events, ..Output::default() },
        Err(e) => Output::error(format!("{verb} failed: {e}\n"), 1),
    }
}

fn read(m: &mut Machine, path: &str, size: u64, header: Option<Header>, offset: u64, len: u64, pattern: Option<u8>) -> Output {
    let virtual_size = header.as_ref().map_or(size, |h| h.size);
    if offset.checked_add(len).is_none_or(|end| end > virtual_size) {
        return Output::error("read failed: Input/output error\n", 1);
    }
    let mut events = vec![Event::GuestRead { image: path.to_string(), guest_offset: offset }];
    if let Some(((l1_index, l2_offset), (l2_index, host_offset))) = crate::core::image::lookup(m, path, offset).filter(|_| header.is_some()) {
        events.push(Event::L1EntryRead { image: path.to_string(), l1_index, l2_offset });
        if l2_offset != 0 {
            events.push(Event::L2EntryRead { image: path.to_string(), l2_index, host_offset });
        }
    }
    let mut text = String::new();
    let mut status = 0;
    if let Some(p) = pattern {
        // In pieces, so a 2 GiB read never holds 2 GiB at once.
        const PIECE: u64 = 16 << 20;
        let image = super::qemu_img::chain::Chain::open(m, path, path, header.is_none());
        let mut at = offset;
        while at < offset + len {
            let n = PIECE.min(offset + len - at);
            let bytes = image.read(m, at, n);
            if let Some(bad) = bytes.iter().position(|b| *b != p) {
                text.push_str(&format!("Pattern verification failed at offset {}, {len} bytes\n", at + bad as u64));
                status = 1;
                break;
            }
            at += n;
        }
    }
    text.push_str(&report("read", offset, len));
    Output { events, ..Output::text(text, status) }
}
