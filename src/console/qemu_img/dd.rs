//! `qemu-img dd [-f FMT] [-O FMT] [-U] if=IN of=OUT [bs=N] [count=N]
//! [skip=N]`, as QEMU 10's `img_dd` runs it: the output image is created
//! as long as what will be copied, then filled block by block (every byte
//! written, zeros too, so a raw output is fully allocated).
//!
//! Simplified: no `--image-opts` or `--object`.

use super::{chain_of, covering, create_qcow2, cvtnum, driver_refusal, fail, open, other_format, raw_file, write_piece, Access, CreateOpts, IO_BUF_BYTES};
use crate::console::{Output, Shell};
use crate::core::qcow2::{self, Header};

/// The operands as `img_dd` reads them: the last of each wins.
struct DdArgs {
    input: Option<String>,
    output: Option<String>,
    block_bytes: u64,
    count: Option<u64>,
    skip: Option<u64>,
}

fn operands(words: &[String]) -> Result<DdArgs, Output> {
    let mut a = DdArgs { input: None, output: None, block_bytes: 512, count: None, skip: None };
    for w in words {
        let Some((key, value)) = w.split_once('=') else {
            return Err(fail(format!("unrecognized operand {w}")));
        };
        match key {
            "if" => a.input = Some(value.to_string()),
            "of" => a.output = Some(value.to_string()),
            "bs" => a.block_bytes = block_size(value)?,
            "count" => a.count = Some(cvtnum("count", value)?),
            "skip" => a.skip = Some(cvtnum("skip", value)?),
            _ => return Err(fail(format!("unrecognized operand {key}"))),
        }
    }
    Ok(a)
}

/// `cvtnum_full("bs", arg, 1, INT_MAX)`.
fn block_size(text: &str) -> Result<u64, Output> {
    let bad_range = || fail("Invalid bs specified. Must be between 1 and 2147483647.".into());
    match super::strtosz(text) {
        Ok(n) if (1..=i32::MAX as u64).contains(&n) => Ok(n),
        Ok(_) | Err(true) => Err(bad_range()),
        Err(false) => Err(fail(format!("Invalid bs specified: '{text}'."))),
    }
}

pub(super) fn dd(shell: &mut Shell, args: &[String]) -> Output {
    let (mut in_format, mut out_format, mut shared, mut words) = (None, "raw".to_string(), false, Vec::new());
    let mut it = args.iter();
    while let Some(w) = it.next() {
        match w.as_str() {
            "-f" => in_format = it.next().cloned(),
            "-O" => out_format = it.next().cloned().unwrap_or_default(),
            "-U" | "--force-share" => shared = true,
            s if s.starts_with('-') && s.len() > 1 => return super::bad_option("dd", s, "fOU"),
            _ => words.push(w.clone()),
        }
    }
    let a = match operands(&words) {
        Ok(a) => a,
        Err(out) => return out,
    };
    let (Some(input), Some(output)) = (a.input.clone(), a.output.clone()) else {
        return fail("Must specify both input and output files".into());
    };
    let f = match open(shell, &input, in_format.as_deref(), Access::reading(shared)) {
        Ok(f) => f,
        Err(out) => return out,
    };
    if !matches!(out_format.as_str(), "raw" | "qcow2") {
        return fail(if other_format(&out_format) { format!("{output}: {}", driver_refusal(&out_format)) } else { "Unknown file format".into() });
    }
    // img_dd's arithmetic, overflow checks and all: a skip past what
    // `count` leaves makes an empty image, with a warning and status 0.
    let bs = a.block_bytes;
    let mut size = f.virtual_size();
    if let Some(count) = a.count.filter(|c| *c <= i64::MAX as u64 / bs && c * bs < size) {
        size = count * bs;
    }
    let skip_past = a.skip.is_some_and(|s| s > i64::MAX as u64 / bs || size < s * bs);
    let start = if skip_past { size } else { a.skip.map_or(0, |s| s * bs) };
    let out_path = shell.abs(&output);
    if out_path == f.path {
        return fail(format!("{output}: error while creating output image: Failed to get \"write\" lock\nIs another process using the image [{output}]?"));
    }
    let mut events = match create(shell, &output, &out_path, &out_format, size - start) {
        Ok(e) => e,
        Err(why) => return fail(format!("{output}: error while creating output image: {why}")),
    };
    let mut out = Output::default();
    if skip_past {
        out.err = format!("qemu-img: {input}: cannot skip to specified offset\n");
    }
    let source = chain_of(shell, &f);
    let mut image = Header::decode(&shell.machine.read_file(&out_path, 0, 512).unwrap_or_default()).filter(|_| out_format == "qcow2").map(|h| {
        let mut read = |o: u64, n: u64| shell.machine.read_file(&out_path, o, n).unwrap_or_default();
        qcow2::guest::Image::open(h, &mut read)
    });
    let mut at = start;
    while at < size {
        let n = (size - at).min(IO_BUF_BYTES);
        let pieces = source.pieces(&shell.machine, at, n);
        for (offset, chunk) in covering(&pieces, at, at + n) {
            match write_piece(&mut shell.machine, &out_path, image.as_mut(), offset - start, &chunk) {
                Ok(e) => events.extend(e),
                Err(e) => return Output { events, ..fail(format!("error while writing to output image file: {e}")) },
            }
        }
        at += n;
    }
    out.events = events;
    out
}

/// `bdrv_create` of the output: no "Formatting" line; Err is the driver's message.
fn create(shell: &mut Shell, name: &str, path: &str, format: &str, size: u64) -> Result<Vec<crate::core::Event>, String> {
    if format == "raw" {
        return raw_file(&mut shell.machine, name, path, size, "off");
    }
    let made = create_qcow2(shell, name, path, size, &CreateOpts::new());
    if made.exit_status != 0 {
        let why = made.err.lines().filter(|l| !l.starts_with("Formatting '")).collect::<Vec<_>>().join("\n");
        return Err(why.strip_prefix("qemu-img: ").and_then(|w| w.strip_prefix(&format!("{name}: "))).unwrap_or(&why).to_string());
    }
    Ok(made.events)
}
