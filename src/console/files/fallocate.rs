//! fallocate from util-linux 2.38.1 with every mode it has on ext4
//! (native, feature `coreutils-extras`): allocation of a range (`-o`,
//! `-l`, `-n` keeps the size, `-x` as posix_fallocate), `-p` punches a
//! hole, `-z` zeroes a range, `-d` digs holes where whole blocks of data
//! are zeros, and `-v` says what was done. Simplified: `-c` and `-i`
//! (collapse and insert a range, which move the file's blocks) are refused.

use super::{parse_size, printable};
use crate::console::fmt::{human_size, SizeStyle};
use crate::console::{Output, Shell};
use crate::core::vfs::VfsError;

/// ext4's `st_blksize`, the unit `--dig-holes` reads and tests.
const BLOCK_BYTES: u64 = 4096;

#[derive(Default)]
struct Opts {
    mode: Option<char>,
    keep_size: bool,
    posix: bool,
    verbose: bool,
    length: Option<Option<u64>>,
    offset: Option<Option<u64>>,
}

fn fail(text: &str) -> Output {
    Output::error(format!("fallocate: {text}\n"), 1)
}

/// getopt_long's reading of `hvVncpdizxl:o:` and the exclusive groups.
fn options(args: &[String]) -> Result<(Opts, Vec<String>), Output> {
    let mut o = Opts::default();
    let mut files = Vec::new();
    let mut it = args.iter();
    while let Some(a) = it.next() {
        let (letter, inline) = match a.as_str() {
            "--" => {
                files.extend(it.by_ref().cloned());
                break;
            }
            s if s.starts_with("--") => {
                let (name, value) = s[2..].split_once('=').map_or((&s[2..], None), |(n, v)| (n, Some(v.to_string())));
                const LONG: [(&str, char); 10] = [("collapse-range", 'c'), ("dig-holes", 'd'), ("insert-range", 'i'), ("length", 'l'), ("keep-size", 'n'), ("offset", 'o'), ("punch-hole", 'p'), ("zero-range", 'z'), ("posix", 'x'), ("verbose", 'v')];
                let Some(&(_, c)) = LONG.iter().find(|(l, _)| *l == name) else {
                    return Err(Output::error(format!("fallocate: unrecognized option '{s}'\nTry 'fallocate --help' for more information.\n"), 1));
                };
                (c, value)
            }
            s if s.starts_with('-') && s.len() > 1 => {
                let mut chars = s[1..].chars();
                let c = chars.next().unwrap_or('-');
                let rest: String = chars.collect();
                if !"cdilnopzxv".contains(c) {
                    return Err(Output::error(format!("fallocate: invalid option -- '{c}'\nTry 'fallocate --help' for more information.\n"), 1));
                }
                if !rest.is_empty() && !"lo".contains(c) {
                    let mut again = vec![format!("-{c}"), format!("-{rest}")];
                    again.extend(it.cloned());
                    let (more, files_more) = options(&again)?;
                    return Ok((merge(o, more)?, files.into_iter().chain(files_more).collect()));
                }
                (c, (!rest.is_empty()).then_some(rest))
            }
            _ => {
                files.push(a.clone());
                continue;
            }
        };
        let mut value = || inline.clone().or_else(|| it.next().cloned());
        match letter {
            'l' => match value() {
                Some(v) => o.length = Some(parse_size(&v)),
                None => return Err(Output::error("fallocate: option requires an argument -- 'l'\nTry 'fallocate --help' for more information.\n", 1)),
            },
            'o' => match value() {
                Some(v) => o.offset = Some(parse_size(&v)),
                None => return Err(Output::error("fallocate: option requires an argument -- 'o'\nTry 'fallocate --help' for more information.\n", 1)),
            },
            'n' => o.keep_size = true,
            'x' => o.posix = true,
            'v' => o.verbose = true,
            c => o = merge(o, Opts { mode: Some(c), ..Opts::default() })?,
        }
    }
    if o.posix && o.mode.is_some_and(|m| m != 'i') || o.mode == Some('c') && o.keep_size {
        return Err(exclusive(o.posix));
    }
    Ok((o, files))
}

/// Two modes of `-c`, `-d`, `-p` and `-z` are one too many.
fn merge(mut a: Opts, b: Opts) -> Result<Opts, Output> {
    if let (Some(x), Some(y)) = (a.mode, b.mode) {
        if x != y && "cdpz".contains(x) && "cdpz".contains(y) {
            return Err(exclusive(false));
        }
    }
    a.mode = b.mode.or(a.mode);
    a.keep_size |= b.keep_size;
    a.posix |= b.posix;
    a.verbose |= b.verbose;
    a.length = b.length.or(a.length);
    a.offset = b.offset.or(a.offset);
    Ok(a)
}

fn exclusive(posix: bool) -> Output {
    fail(if posix {
        "mutually exclusive arguments: --posix --collapse-range --dig-holes --insert-range --keep-size --punch-hole --zero-range"
    } else {
        "mutually exclusive arguments: --collapse-range --dig-holes --punch-hole --zero-range"
    })
}

/// Always answers (`Some`): the browser's fallocate takes `-l` alone.
pub fn run(shell: &mut Shell, args: &[String]) -> Option<Output> {
    Some(fallocate(shell, args))
}

fn fallocate(shell: &mut Shell, args: &[String]) -> Output {
    let (o, files) = match options(args) {
        Ok(v) => v,
        Err(e) => return e,
    };
    let [file] = files.as_slice() else {
        return fail(if files.is_empty() { "no filename specified" } else { "unexpected number of arguments" });
    };
    let dig = o.mode == Some('d');
    let length = match o.length {
        None if dig => 0,
        None => return fail("no length argument specified"),
        Some(Some(n)) if n > 0 || dig => n,
        Some(_) => return fail("invalid length value specified"),
    };
    let Some(offset) = o.offset.unwrap_or(Some(0)) else {
        return fail("invalid offset value specified");
    };
    if matches!(o.mode, Some('c' | 'i')) {
        return fail("the lab does not model --collapse-range or --insert-range (they move the file's blocks)");
    }
    let path = shell.abs(file);
    // Only plain allocation creates the file (O_CREAT).
    if (o.mode.is_some() || o.keep_size) && shell.machine.stat_path(&path).is_err() {
        return fail(&format!("cannot open {}: No such file or directory", printable(file)));
    }
    if dig {
        return dig_holes(shell, file, &path, offset, length, o.verbose);
    }
    let m = &mut shell.machine;
    let done = match o.mode {
        Some('p') => m.punch_file(&path, offset, length).map(|e| (e, "hole created")),
        Some(_) if o.keep_size => m.zero_range_keep_size(&path, offset, length).map(|e| (e, "zeroed")),
        Some(_) => m.zero_range_file(&path, offset, length).map(|e| (e, "zeroed")),
        None if o.keep_size => m.fallocate_keep_size(&path, offset, length).map(|e| (e, "allocated")),
        None => m.fallocate_range(&path, offset, length).map(|e| (e, "allocated")),
    };
    match done {
        Ok((events, what)) => {
            let text = if o.verbose { format!("{file}: {} ({length} bytes) {what}.\n", human_size(length, SizeStyle::Iec)) } else { String::new() };
            Output { text, events, ..Output::default() }
        }
        Err(e @ (VfsError::NoSpace | VfsError::FileTooLarge)) => fail(&format!("fallocate failed: {}", e.text())),
        Err(e) => fail(&format!("cannot open {}: {}", printable(file), e.text())),
    }
}

/// `--dig-holes`: util-linux's `dig_holes()`. In each data run (SEEK_DATA
/// to SEEK_HOLE) it reads block by block; a run of blocks of zeros is
/// punched out (with one block more when it reaches the run's end), and
/// its bytes are counted.
fn dig_holes(shell: &mut Shell, file: &str, path: &str, offset: u64, length: u64, verbose: bool) -> Output {
    let file_end = if length == 0 { u64::MAX } else { offset.saturating_add(length) };
    let runs = match shell.machine.allocated_runs(path) {
        Ok(r) => r,
        Err(e) => return fail(&format!("cannot open {}: {}", printable(file), e.text())),
    };
    let mut holes = Vec::new();
    let mut counted = 0;
    for (start, n) in runs {
        let (off, end) = (start.max(offset), (start + n).min(file_end));
        if off >= end {
            continue;
        }
        let mut hole: Option<(u64, u64)> = None;
        let mut at = off;
        while at < end {
            let rsz = BLOCK_BYTES.min(end - at);
            let zeros = shell.machine.read_file(path, at, rsz).is_ok_and(|b| b.iter().all(|&x| x == 0));
            match (&mut hole, zeros) {
                (Some(h), true) => h.1 += rsz,
                (None, true) => hole = Some((at, rsz)),
                (Some(h), false) => {
                    holes.push(*h);
                    counted += h.1;
                    hole = None;
                }
                (None, false) => {}
            }
            at += rsz;
        }
        if let Some((s, len)) = hole {
            holes.push((s, len + BLOCK_BYTES));
            counted += len;
        }
    }
    let mut events = Vec::new();
    for (s, len) in holes {
        match shell.machine.punch_file(path, s, len) {
            Ok(e) => events.extend(e),
            Err(e) => return Output { events, ..fail(&format!("fallocate failed: {}", e.text())) },
        }
    }
    let text = if verbose { format!("{file}: {} ({counted} bytes) converted to sparse holes.\n", human_size(counted, SizeStyle::Iec)) } else { String::new() };
    Output { text, events, ..Output::default() }
}
