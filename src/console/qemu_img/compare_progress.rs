//! `qemu-img compare -p`: `img_compare`'s progress meter around the lab's
//! verdict. The meter steps once per chunk `img_compare` takes (the two
//! images' block status runs, at most `IO_BUF_SIZE` where it reads), shows
//! the offset reached against the larger image's size, and prints only a
//! move of more than 2 points (`qemu_progress_init(progress, 2.0)`), then
//! 100. Simplified: the verdict itself comes from `compare`, and the meter
//! is replayed up to the chunk where that verdict was found.

use super::{chain_of, compare as verdict, map, open, Access, Output, Shell, IO_BUF_BYTES};
use crate::console::fmt::fixed;
use crate::console::{ERR_END, ERR_START};

/// `qemu_progress_print` with `min_skip` 2: the lines `    (N/100%)\r`.
struct Meter {
    text: String,
    last: f32,
}

impl Meter {
    fn new() -> Meter {
        Meter { text: "    (0.00/100%)\r".into(), last: 0.0 }
    }

    fn at(&mut self, offset: u64, base: u64) {
        let current = (((offset as f32) / (base as f32)) * 100.0).min(100.0);
        if current > self.last + 2.0 || current < self.last - 2.0 || current == 0.0 || current == 100.0 {
            self.last = current;
            self.text.push_str(&format!("    ({}/100%)\r", fixed(f64::from(current), 2)));
        }
    }
}

/// The status run at `offset` of a block status list: (end, allocated, zero).
fn run_at(status: &[(u64, [bool; 5])], offset: u64) -> (u64, bool, bool) {
    status.iter().find(|(end, _)| *end > offset).map_or((offset, false, true), |(end, f)| (*end, f[0], f[1]))
}

/// Where the verdict stopped the walk: a mismatch's offset, or the end.
fn stop_at(line: &str) -> u64 {
    let number = |s: &str| s.split(' ').find_map(|w| w.trim_end_matches('!').parse().ok());
    match line.strip_prefix("Content mismatch at offset ").or_else(|| line.strip_prefix("Strict mode: Offset ")) {
        Some(rest) => number(rest).unwrap_or(u64::MAX),
        None => u64::MAX,
    }
}

pub(super) fn compare(shell: &mut Shell, args: &[String]) -> Output {
    if !args.iter().any(|a| a == "-p") || args.iter().any(|a| a == "-q") {
        return verdict(shell, args);
    }
    let rest: Vec<String> = args.iter().filter(|a| *a != "-p").cloned().collect();
    let out = verdict(shell, &rest);
    match images(shell, &rest) {
        Some(images) if out.exit_status <= 1 && !out.text.is_empty() => Output { text: meter(images, &out.text), ..out },
        // An image that fails to open ends the meter with its newline;
        // a mistake in the options comes before the meter starts.
        None if out.exit_status == 2 => {
            let marked = format!("{ERR_START}{}{ERR_END}\n", out.err);
            Output { exit_status: 2, ..Output::from_marked(&marked) }
        }
        _ => out,
    }
}

/// The two images' block status and virtual sizes, as `compare` opens them.
fn images(shell: &Shell, args: &[String]) -> Option<[(Vec<(u64, [bool; 5])>, u64); 2]> {
    let (mut formats, mut files, mut shared) = ([None, None], Vec::new(), false);
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "-f" => formats[0] = it.next().cloned(),
            "-F" => formats[1] = it.next().cloned(),
            "-U" | "--force-share" => shared = true,
            s if s.starts_with('-') && s.len() > 1 => {}
            _ => files.push(a.clone()),
        }
    }
    let [a, b] = files.as_slice() else { return None };
    let one = |name: &String, format: &Option<String>| {
        let f = open(shell, name, format.as_deref(), Access::reading(shared)).ok()?;
        let size = f.virtual_size();
        Some((map::block_status(&shell.machine, &chain_of(shell, &f), size), size))
    };
    Some([one(a, &formats[0])?, one(b, &formats[1])?])
}

/// The verdict's text with the meter's lines where `img_compare` prints
/// them: the common part's chunks, the size warning, the longer image's
/// chunks, the verdict, and the meter's closing newline.
fn meter(images: [(Vec<(u64, [bool; 5])>, u64); 2], text: &str) -> String {
    let [(a, size_a), (b, size_b)] = images;
    let (common, base) = (size_a.min(size_b), size_a.max(size_b));
    let (warning, last) = match text.strip_prefix("Warning: Image size mismatch!\n") {
        Some(last) => ("Warning: Image size mismatch!\n", last),
        None => ("", text),
    };
    let stop = stop_at(last.trim_end());
    let mut m = Meter::new();
    if last.starts_with("Strict mode: Image size mismatch!") {
        return format!("{}{text}\n", m.text);
    }
    let mut offset = 0;
    while offset < common {
        let ((end_a, alloc_a, zero_a), (end_b, alloc_b, zero_b)) = (run_at(&a, offset), run_at(&b, offset));
        let mut end = end_a.min(end_b).max(offset + 1);
        if !(zero_a && zero_b) && (alloc_a || alloc_b) {
            end = end.min(offset + IO_BUF_BYTES);
        }
        if end > stop {
            return format!("{}{last}\n", m.text);
        }
        offset = end;
        m.at(offset, base);
    }
    m.text.push_str(warning);
    let over = if size_a > size_b { &a } else { &b };
    while offset < base {
        let (mut end, allocated, zero) = run_at(over, offset);
        end = end.max(offset + 1);
        if allocated && !zero {
            end = end.min(offset + IO_BUF_BYTES);
        }
        if end > stop {
            break;
        }
        offset = end;
        m.at(offset, base);
    }
    format!("{}{last}\n", m.text)
}
