//! Shell builtins and small text tools: echo, printf, yes, cd, pwd, cat, head,
//! tail, wc, grep, sync, true and false, as bash and coreutils behave.
//!
//! Simplified: grep matches fixed strings (with -i, -v, -c, -n) rather than
//! regular expressions, and only the first lines of an endless `yes` are kept.
//! grep's -i folds ASCII letters only and -w takes ASCII letters, digits and
//! `_` as word characters: std's Unicode case and letter tables cost the
//! bundle 6.3 KiB gzipped (measured 2026-12-02), and the lab's texts are ASCII.

use super::exec::Input;
use super::{printable, Output, Shell, STREAM_LIMIT_BYTES as READ_LIMIT};
use crate::core::Event;

fn ok(text: String) -> Output {
    Output { text, ..Output::default() }
}

fn fail(err: String, status: i32) -> Output {
    Output { err, exit_status: status, ..Output::default() }
}

/// The escapes of `echo -e` and printf's format: `\n`, `\t`, `\\`, `\0NNN`, `\xHH`...
/// Returns the bytes (`\xHH` and octal escapes give one byte each, as in bash)
/// and whether `\c` asked to stop output there.
pub fn unescape(s: &str, octal_needs_zero: bool) -> (Vec<u8>, bool) {
    let mut out = Vec::new();
    let push = |out: &mut Vec<u8>, c: char| out.extend_from_slice(c.encode_utf8(&mut [0; 4]).as_bytes());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '\\' {
            push(&mut out, c);
            continue;
        }
        match chars.next() {
            Some('n') => out.push(b'\n'),
            Some('t') => out.push(b'\t'),
            Some('r') => out.push(b'\r'),
            Some('a') => out.push(7),
            Some('b') => out.push(8),
            Some('e') => out.push(0x1b),
            Some('f') => out.push(0x0c),
            Some('v') => out.push(0x0b),
            Some('\\') => out.push(b'\\'),
            Some('c') => return (out, true),
            Some('x') => {
                let mut v = 0u32;
                let mut n = 0;
                while n < 2 && chars.peek().is_some_and(|h| h.is_ascii_hexdigit()) {
                    v = v * 16 + chars.next().and_then(|h| h.to_digit(16)).unwrap_or(0);
                    n += 1;
                }
                if n == 0 {
                    out.extend_from_slice(b"\\x");
                } else {
                    out.push(v as u8);
                }
            }
            Some(d @ '0'..='7') if !octal_needs_zero || d == '0' => {
                let mut v = if octal_needs_zero { 0 } else { d.to_digit(8).unwrap_or(0) };
                let mut n = 0;
                while n < 3 && chars.peek().is_some_and(|x| ('0'..='7').contains(x)) {
                    v = v * 8 + chars.next().and_then(|x| x.to_digit(8)).unwrap_or(0);
                    n += 1;
                }
                out.push((v & 0xff) as u8);
            }
            Some(other) => {
                out.push(b'\\');
                push(&mut out, other);
            }
            None => out.push(b'\\'),
        }
    }
    (out, false)
}

/// bash's builtin echo: `-n`, `-e`, `-E` (combinable, as in `-ne`).
pub fn echo(args: &[String]) -> Output {
    let mut newline = true;
    let mut escapes = false;
    let mut rest = args;
    while let Some(flag) = rest.first().filter(|a| a.len() > 1 && a.starts_with('-') && a[1..].chars().all(|c| "neE".contains(c))) {
        for c in flag[1..].chars() {
            match c {
                'n' => newline = false,
                'e' => escapes = true,
                _ => escapes = false,
            }
        }
        rest = &rest[1..];
    }
    let joined = rest.join(" ");
    let (mut bytes, stop) = if escapes { unescape(&joined, true) } else { (joined.into_bytes(), false) };
    if newline && !stop {
        bytes.push(b'\n');
    }
    Output::bytes(bytes)
}

/// bash's builtin printf: the format's escapes, `%s`, `%d`, `%c`, `%%`, and the
/// format reused while arguments remain.
pub fn printf(args: &[String]) -> Output {
    let Some((format, mut rest)) = args.split_first() else {
        return fail("printf: usage: printf [-v var] format [arguments]\n".into(), 2);
    };
    let mut bytes = Vec::new();
    loop {
        let before = rest.len();
        let (piece, stop) = printf_once(format, &mut rest);
        bytes.extend(piece);
        if stop || rest.is_empty() || rest.len() == before {
            break;
        }
    }
    Output::bytes(bytes)
}

/// One pass over the format, taking arguments from `rest`.
fn printf_once(format: &str, rest: &mut &[String]) -> (Vec<u8>, bool) {
    let mut out = Vec::new();
    let mut chars = format.chars().peekable();
    let mut literal = String::new();
    let take = |rest: &mut &[String]| -> String {
        let v = rest.first().cloned().unwrap_or_default();
        if !rest.is_empty() {
            *rest = &rest[1..];
        }
        v
    };
    while let Some(c) = chars.next() {
        if c != '%' {
            literal.push(c);
            continue;
        }
        let (lit, stop) = unescape(&std::mem::take(&mut literal), false);
        out.extend(lit);
        if stop {
            return (out, true);
        }
        match chars.next() {
            Some('%') => out.push(b'%'),
            Some('s') => out.extend(take(rest).into_bytes()),
            Some('b') => out.extend(unescape(&take(rest), true).0),
            Some('d' | 'i') => out.extend(take(rest).trim().parse::<i64>().unwrap_or(0).to_string().into_bytes()),
            Some('c') => out.extend(take(rest).chars().next().map(String::from).unwrap_or_default().into_bytes()),
            Some(other) => {
                out.push(b'%');
                out.extend(other.to_string().into_bytes());
            }
            None => out.push(b'%'),
        }
    }
    let (lit, stop) = unescape(&literal, false);
    out.extend(lit);
    (out, stop)
}

/// `yes` on its own: the real one never stops; the console shows a screenful.
pub fn yes(args: &[String]) -> Output {
    let word = if args.is_empty() { "y".to_string() } else { args.join(" ") };
    let mut text = format!("{word}\n").repeat(20);
    text.push_str("storage-lab: yes stops here on its own; pipe it into a command (yes | lvremove ...)\n");
    ok(text)
}

/// Up to `limit` bytes of a path: a file, a device, or /dev/zero and
/// /dev/urandom (whose random bytes are seeded from the clock).
pub(super) fn read_path(shell: &mut Shell, tool: &str, name: &str, limit: u64) -> Result<(Vec<u8>, Vec<Event>), String> {
    let path = shell.abs(name);
    let limit = limit.min(READ_LIMIT);
    match path.as_str() {
        "/dev/zero" => return Ok((vec![0; limit as usize], Vec::new())),
        "/dev/urandom" | "/dev/random" => return Ok((crate::core::media::Chunk::random(shell.machine.now(), limit).to_vec(), Vec::new())),
        "/dev/null" => return Ok((Vec::new(), Vec::new())),
        _ => {}
    }
    #[cfg(feature = "mount-table")]
    if let Some(text) = super::procfs::read(&shell.machine, &path) {
        return Ok((text.into_bytes(), Vec::new()));
    }
    if let Some(dev) = path.strip_prefix("/dev/").and_then(|_| shell.machine.resolve(&path)) {
        let n = limit.min(shell.machine.size_of(dev));
        return shell.machine.read_at(dev, 0, n).map(|b| (b, Vec::new())).map_err(|e| format!("{tool}: {}: {e}\n", printable(name)));
    }
    // A ZFS file is read straight away, so what the read finds (and heals)
    // is kept even when its metadata is what failed.
    if shell.machine.zfs_path(&path).is_some() {
        return shell.machine.read_file_healing(&path, 0, limit).map_err(|e| format!("{tool}: {}: {}\n", printable(name), e.text()));
    }
    match shell.machine.stat_path(&path) {
        Ok(s) if s.stat.is_dir => Err(format!("{tool}: {}: Is a directory\n", printable(name))),
        Ok(_) => shell.machine.read_file_healing(&path, 0, limit).map_err(|e| format!("{tool}: {}: {}\n", printable(name), e.text())),
        Err(e) => Err(format!("{tool}: {}: {}\n", printable(name), e.text())),
    }
}

/// The bytes of standard input or of the named files, for cat-like tools.
/// Up to `limit` bytes of each, and at most the stream limit in all: a
/// command naming one big file a hundred times reads it once, not a
/// hundred times over (the fuzzer's `tail * * *` on a 19G file took 1.7 GB).
pub(super) fn inputs(shell: &mut Shell, tool: &str, files: &[&String], stdin: Option<&Input>, limit: u64) -> (Vec<(String, Vec<u8>)>, String, Vec<Event>) {
    let mut got = Vec::new();
    let mut err = String::new();
    let mut events = Vec::new();
    if files.is_empty() {
        got.push((String::new(), stdin.map(|i| i.bytes(limit.min(READ_LIMIT) as usize)).unwrap_or_default()));
    }
    let mut budget = READ_LIMIT;
    for f in files {
        if *f == "-" {
            got.push((f.to_string(), stdin.map(|i| i.bytes(limit.min(budget) as usize)).unwrap_or_default()));
            continue;
        }
        match read_path(shell, tool, f, limit.min(budget)) {
            Ok((b, ev)) => {
                budget -= (b.len() as u64).min(budget);
                got.push((f.to_string(), b));
                events.extend(ev);
            }
            Err(e) => err.push_str(&e),
        }
    }
    (got, err, events)
}

fn finish(text: String, err: String) -> Output {
    let status = i32::from(!err.is_empty());
    Output { text, err, exit_status: status, ..Output::default() }
}

pub fn cat(shell: &mut Shell, args: &[String], stdin: Option<&Input>) -> Output {
    let files: Vec<&String> = args.iter().filter(|a| !a.starts_with('-') || a.as_str() == "-").collect();
    let mut flags: String = args.iter().filter(|a| a.starts_with('-') && a.len() > 1 && !a.starts_with("--")).flat_map(|a| a[1..].chars()).collect();
    for (short, long) in [('A', "vET"), ('e', "vE"), ('t', "vT")] {
        if flags.contains(short) {
            flags.push_str(long);
        }
    }
    let (got, err, events) = inputs(shell, "cat", &files, stdin, READ_LIMIT);
    let bytes: Vec<u8> = got.into_iter().flat_map(|(_, b)| b).collect();
    let bytes = if flags.is_empty() { bytes } else { cat_options(&bytes, &flags) };
    Output { err: err.clone(), exit_status: i32::from(!err.is_empty()), events, ..Output::bytes(bytes) }
}

/// cat's -n/-b (line numbers, `%6d` and a tab), -s (one blank line of
/// several), -E (`$` at each end of line), -T (`^I` for a tab) and -v
/// (`^X` and `M-` for other unprintable bytes).
fn cat_options(bytes: &[u8], flags: &str) -> Vec<u8> {
    let mut out = Vec::new();
    let (mut number, mut blank_run) = (0, false);
    for line in bytes.split_inclusive(|b| *b == b'\n') {
        let (body, newline) = line.strip_suffix(b"\n").map_or((line, false), |b| (b, true));
        let blank = body.is_empty() && newline;
        if flags.contains('s') && blank && blank_run {
            continue;
        }
        blank_run = blank;
        if flags.contains('b') && !blank || flags.contains('n') && !flags.contains('b') {
            number += 1;
            out.extend(format!("{number:>6}\t").bytes());
        }
        for &c in body {
            match c {
                b'\t' if flags.contains('T') => out.extend(b"^I"),
                b'\t' => out.push(c),
                c if flags.contains('v') && c >= 128 => {
                    out.extend(b"M-");
                    let low = c - 128;
                    match low {
                        0..=31 => out.extend([b'^', low + 64]),
                        127 => out.extend(b"^?"),
                        _ => out.push(low),
                    }
                }
                c if flags.contains('v') && c < 32 => out.extend([b'^', c + 64]),
                127 if flags.contains('v') => out.extend(b"^?"),
                c => out.push(c),
            }
        }
        if newline {
            if flags.contains('E') {
                out.push(b'$');
            }
            out.push(b'\n');
        }
    }
    out
}

/// A count as head and tail read it (`-n N`, `-N`, `--lines=N`, or `-c N`
/// for bytes): `N`; `-N`, which head reads as all but the last N; `+N`,
/// which tail reads as from the Nth on. 10 lines by default.
#[derive(Clone, Copy)]
struct Count {
    n: u64,
    bytes: bool,
    sign: Option<char>,
}

fn counts(args: &[String]) -> (Count, Vec<&String>) {
    let mut count = Count { n: 10, bytes: false, sign: None };
    let mut files = Vec::new();
    let mut i = 0;
    let read = |v: &str, bytes: bool| {
        let sign = v.chars().next().filter(|c| *c == '+' || *c == '-');
        let n = crate::core::units::parse_size_bytes(v.trim_start_matches(['+', '-'])).unwrap_or(10);
        Count { n, bytes, sign }
    };
    while i < args.len() {
        let a = &args[i];
        if a == "-n" || a == "-c" {
            i += 1;
            count = read(args.get(i).map_or("10", String::as_str), a == "-c");
        } else if let Some(v) = a.strip_prefix("-c").or_else(|| a.strip_prefix("--bytes=")) {
            count = read(v, true);
        } else if let Some(v) = a.strip_prefix("-n").or_else(|| a.strip_prefix("--lines=")) {
            count = read(v, false);
        } else if let Some(v) = a.strip_prefix('-').filter(|v| v.starts_with(|c: char| c.is_ascii_digit())) {
            count = read(v, false);
        } else {
            files.push(a);
        }
        i += 1;
    }
    (count, files)
}

/// The part of `data` head (or tail) keeps.
fn pick(data: &[u8], count: Count, head: bool) -> &[u8] {
    let ends: Vec<usize> = data.iter().enumerate().filter(|(_, b)| **b == b'\n').map(|(i, _)| i + 1).collect();
    let total = if count.bytes { data.len() } else { ends.len() + usize::from(data.last().is_some_and(|b| *b != b'\n')) };
    // Where unit k (a byte, or a line) starts.
    let at = |k: usize| match (count.bytes, k) {
        (true, k) => k.min(data.len()),
        (false, 0) => 0,
        (false, k) => ends.get(k - 1).copied().unwrap_or(data.len()),
    };
    let n = usize::try_from(count.n).unwrap_or(usize::MAX);
    match (head, count.sign) {
        (true, Some('-')) => &data[..at(total.saturating_sub(n))],
        (true, _) => &data[..at(n.min(total))],
        (false, Some('+')) => &data[at(n.saturating_sub(1).min(total))..],
        (false, _) => &data[at(total.saturating_sub(n))..],
    }
}

pub fn head_tail(shell: &mut Shell, tool: &str, args: &[String], stdin: Option<&Input>) -> Output {
    let (count, files) = counts(args);
    let head = tool == "head";
    let limit = if head && count.bytes && count.sign != Some('-') { count.n } else { READ_LIMIT };
    let (got, err, events) = inputs(shell, tool, &files, stdin, limit);
    // coreutils' head and tail word a file they cannot open this way.
    let err: String = err
        .lines()
        .map(|l| match files.iter().find_map(|f| l.strip_prefix(&format!("{tool}: {f}: ")).map(|rest| (f, rest))) {
            Some((f, rest)) if rest != "Is a directory" => format!("{tool}: cannot open '{f}' for reading: {rest}\n"),
            _ => format!("{l}\n"),
        })
        .collect();
    let mut out = Vec::new();
    // Headers when more than one file is named, even if one cannot be read.
    let many = files.len() > 1;
    for (i, (name, data)) in got.iter().enumerate() {
        if many {
            out.extend(format!("{}==> {name} <==\n", if i > 0 { "\n" } else { "" }).into_bytes());
        }
        out.extend_from_slice(pick(data, count, head));
    }
    Output { err: err.clone(), exit_status: i32::from(!err.is_empty()), events, ..Output::bytes(out) }
}

pub fn wc(shell: &mut Shell, args: &[String], stdin: Option<&Input>) -> Output {
    let flags: String = args.iter().filter(|a| a.starts_with('-') && a.len() > 1).map(|a| a[1..].to_string()).collect();
    let files: Vec<&String> = args.iter().filter(|a| !a.starts_with('-') || a.as_str() == "-").collect();
    // `wc -c FILE` takes the size from stat, as coreutils does, without reading.
    if flags == "c" && files.len() == 1 {
        if let Ok(st) = shell.machine.stat_path(&shell.abs(files[0])) {
            if !st.stat.is_dir {
                return ok(format!("{} {}\n", st.stat.size, files[0]));
            }
        }
    }
    let which: Vec<char> = if flags.is_empty() { vec!['l', 'w', 'c'] } else { "lwc".chars().filter(|c| flags.contains(*c)).collect() };
    let mut rows: Vec<(Vec<u64>, String)> = Vec::new();
    let mut err = String::new();
    if files.is_empty() {
        let mut w = WordCount::default();
        w.feed(&stdin.map(|i| i.bytes(READ_LIMIT as usize)).unwrap_or_default());
        rows.push((w.columns(&which), String::new()));
    }
    let mut total = WordCount::default();
    for f in &files {
        match count_file(shell, f) {
            Ok(w) => {
                rows.push((w.columns(&which), f.to_string()));
                total.add(&w);
            }
            Err(e) => err.push_str(&e),
        }
    }
    if files.len() > 1 {
        rows.push((total.columns(&which), "total".into()));
    }
    let width = if files.len() <= 1 && which.len() == 1 { 0 } else { number_width(shell, &files) };
    let mut text = String::new();
    for (vals, name) in &rows {
        let cells: Vec<String> = vals.iter().map(|v| format!("{v:>width$}")).collect();
        let suffix = if name.is_empty() { String::new() } else { format!(" {name}") };
        text.push_str(&format!("{}{suffix}\n", cells.join(" ")));
    }
    finish(text, err)
}

/// coreutils' `compute_number_width`: the digits of the regular files' total
/// size, at least 7 when a pipe or a device is read.
fn number_width(shell: &Shell, files: &[&String]) -> usize {
    let mut minimum = if files.is_empty() { 7 } else { 1 };
    let mut regular_bytes = 0u64;
    for f in files {
        let path = shell.abs(f);
        if path.starts_with("/dev/") {
            minimum = 7;
            continue;
        }
        match shell.machine.stat_path(&path) {
            Ok(s) if !s.stat.is_dir => regular_bytes = regular_bytes.saturating_add(s.stat.size),
            Ok(_) => minimum = 7,
            Err(_) => {}
        }
    }
    regular_bytes.to_string().len().max(minimum)
}

/// Written (non-hole) bytes wc reads of one file before it gives up.
const WC_WRITTEN_LIMIT_BYTES: u64 = 1 << 30;

/// wc over a whole file or block device: holes count as the zeros they read
/// as (no lines, no words) without being produced, so a sparse 10G file or a
/// 32G disk is counted whole.
fn count_file(shell: &mut Shell, name: &str) -> Result<WordCount, String> {
    let path = shell.abs(name);
    let m = &shell.machine;
    let device = path.strip_prefix("/dev/").and_then(|_| m.resolve(&path));
    let regular = device.is_none() && !path.starts_with("/dev/") && m.stat_path(&path).is_ok_and(|s| !s.stat.is_dir);
    let (size, pieces) = match device {
        Some(dev) => (m.size_of(dev), m.written_pieces(dev, 0, m.size_of(dev)).map_err(|e| format!("wc: {}: {e}\n", printable(name)))?),
        None if regular => {
            let fail = |e: crate::core::vfs::VfsError| format!("wc: {}: {}\n", printable(name), e.text());
            let size = m.file_size(&path).map_err(fail)?;
            (size, m.file_pieces(&path, 0, size).map_err(fail)?)
        }
        None => {
            let mut w = WordCount::default();
            w.feed(&read_path(shell, "wc", name, READ_LIMIT)?.0);
            return Ok(w);
        }
    };
    if pieces.iter().map(|(_, c)| c.len).sum::<u64>() > WC_WRITTEN_LIMIT_BYTES {
        return Err(format!("wc: {}: the lab counts at most 1 GiB of written data in one file or device\n", printable(name)));
    }
    let mut w = WordCount::default();
    let mut at = 0;
    for (offset, chunk) in pieces {
        w.zeros(offset.saturating_sub(at));
        const SLICE: u64 = 1 << 20;
        let mut done = 0;
        while done < chunk.len {
            w.feed(&chunk.slice(done, SLICE.min(chunk.len - done)).to_vec());
            done += SLICE;
        }
        at = offset + chunk.len;
    }
    w.zeros(size.saturating_sub(at));
    Ok(w)
}

/// coreutils 9.1's counts in a UTF-8 locale: newlines, words (a word starts
/// at a printable character after white space; other characters neither
/// start nor end one) and bytes, fed a piece at a time.
#[derive(Default)]
struct WordCount {
    lines: u64,
    words: u64,
    bytes: u64,
    in_word: bool,
    /// The start of a character cut at the end of the last piece.
    carry: Vec<u8>,
}

impl WordCount {
    fn feed(&mut self, bytes: &[u8]) {
        self.bytes += bytes.len() as u64;
        self.lines += bytes.iter().filter(|b| **b == b'\n').count() as u64;
        let mut buf = std::mem::take(&mut self.carry);
        buf.extend_from_slice(bytes);
        let mut rest = &buf[..];
        loop {
            match std::str::from_utf8(rest) {
                Ok(text) => return text.chars().for_each(|c| self.char(c)),
                Err(e) => {
                    let (valid, after) = rest.split_at(e.valid_up_to());
                    std::str::from_utf8(valid).unwrap_or_default().chars().for_each(|c| self.char(c));
                    match e.error_len() {
                        Some(n) => rest = &after[n..],
                        None => return self.carry = after.to_vec(),
                    }
                }
            }
        }
    }

    /// `n` zero bytes: neither white space nor printable.
    fn zeros(&mut self, n: u64) {
        self.bytes += n;
        if n > 0 {
            self.carry.clear();
        }
    }

    fn char(&mut self, c: char) {
        // coreutils counts the no-break spaces (iswnbspace) as white space too.
        if c.is_whitespace() || c == '\u{2060}' {
            self.in_word = false;
        } else if !c.is_control() && !self.in_word {
            self.words += 1;
            self.in_word = true;
        }
    }

    fn add(&mut self, other: &WordCount) {
        self.lines += other.lines;
        self.words += other.words;
        self.bytes += other.bytes;
    }

    fn columns(&self, which: &[char]) -> Vec<u64> {
        which.iter().map(|c| match c {
            'l' => self.lines,
            'w' => self.words,
            _ => self.bytes,
        }).collect()
    }
}

/// grep's options and operands: `-e PATTERN` (any number of times), or the
/// first operand, each line of it a pattern.
fn grep_args(args: &[String]) -> (String, Vec<String>, Vec<&String>) {
    let (mut flags, mut patterns, mut operands) = (String::new(), Vec::new(), Vec::new());
    let mut it = args.iter();
    while let Some(a) = it.next() {
        if a == "-e" {
            patterns.extend(it.next().cloned());
        } else if let Some(p) = a.strip_prefix("--regexp=").or_else(|| a.strip_prefix("-e").filter(|p| !p.is_empty())) {
            patterns.push(p.to_string());
        } else if let Some(long) = a.strip_prefix("--") {
            // The long options that stand for one of the letters.
            const LONG: &[(&str, char)] = &[
                ("only-matching", 'o'), ("ignore-case", 'i'), ("word-regexp", 'w'), ("line-regexp", 'x'), ("invert-match", 'v'),
                ("line-number", 'n'), ("count", 'c'), ("files-with-matches", 'l'), ("files-without-match", 'L'), ("no-filename", 'h'),
                ("with-filename", 'H'), ("quiet", 'q'), ("silent", 'q'), ("fixed-strings", 'F'), ("extended-regexp", 'E'),
            ];
            flags.extend(LONG.iter().find(|l| l.0 == long).map(|l| l.1));
        } else if a.starts_with('-') && a.len() > 1 {
            flags.push_str(&a[1..]);
        } else {
            operands.push(a);
        }
    }
    if patterns.is_empty() && !operands.is_empty() {
        patterns = operands.remove(0).split('\n').map(str::to_string).collect();
    }
    (flags, patterns, operands)
}

/// grep's context options (`-A`, `-B`, `-C`, `-NUM`, bundled as in `-nA1`,
/// and the long forms): lines shown before and after each match (`None`
/// when none was given), and the other arguments. `-A` and `-B` win over `-C`.
#[cfg(feature = "grep-regex")]
fn grep_context(args: &[String]) -> Result<(Option<(usize, usize)>, Vec<String>), String> {
    let (mut given, mut rest) = ([None::<usize>; 3], Vec::new());
    let mut it = args.iter();
    while let Some(a) = it.next() {
        let (slot, value) = match context_option(a) {
            Some((flags, slot, value)) => {
                if !flags.is_empty() {
                    rest.push(format!("-{flags}"));
                }
                let missing = || format!("grep: option requires an argument -- '{}'\nUsage: grep [OPTION]... PATTERNS [FILE]...\nTry 'grep --help' for more information.\n", ["A", "B", "C"][slot]);
                (slot, if value.is_empty() { it.next().cloned().ok_or_else(missing)? } else { value })
            }
            None => {
                rest.push(a.clone());
                if a == "-e" || a == "--regexp" {
                    rest.extend(it.next().cloned());
                }
                continue;
            }
        };
        if value.is_empty() || !value.bytes().all(|c| c.is_ascii_digit()) {
            return Err(format!("grep: {value}: invalid context length argument\n"));
        }
        given[slot] = Some(value.parse().unwrap_or(usize::MAX / 2));
    }
    let [after, before, both] = given;
    Ok((given.iter().any(Option::is_some).then(|| (before.or(both).unwrap_or(0), after.or(both).unwrap_or(0))), rest))
}

/// One argument as a context option: the other short flags bundled before
/// it, which of -A (0), -B (1), -C (2) it sets, and its value if attached.
#[cfg(feature = "grep-regex")]
fn context_option(a: &str) -> Option<(String, usize, String)> {
    let slot = |c: char| "ABC".find(c);
    if let Some(long) = a.strip_prefix("--") {
        let (name, value) = long.split_once('=').unwrap_or((long, ""));
        let slot = ["after-context", "before-context", "context"].iter().position(|n| *n == name)?;
        return Some((String::new(), slot, value.to_string()));
    }
    let flags = a.strip_prefix('-').filter(|f| !f.is_empty())?;
    if flags.bytes().all(|c| c.is_ascii_digit()) {
        return Some((String::new(), 2, flags.to_string()));
    }
    let at = flags.find(['A', 'B', 'C'])?;
    let before = &flags[..at];
    // A pattern or file name bundled before it (`-eA1`, `-fA`) is no option.
    if !before.bytes().all(|c| c.is_ascii_alphabetic()) || before.contains(['e', 'f']) {
        return None;
    }
    Some((before.to_string(), slot(char::from(flags.as_bytes()[at]))?, flags[at + 1..].to_string()))
}

/// The lines grep prints of one input: each match with its context, and
/// `--` between groups that do not touch (`printed` carries across inputs).
#[cfg(feature = "grep-regex")]
fn with_context(lines: &[&str], hits: &[bool], (before, after): (usize, usize), label: &dyn Fn(usize, bool) -> String, printed: &mut bool) -> String {
    let mut next_hit = vec![None; lines.len() + 1];
    for i in (0..lines.len()).rev() {
        next_hit[i] = if hits[i] { Some(i) } else { next_hit[i + 1] };
    }
    let (mut out, mut last, mut last_hit) = (String::new(), None::<usize>, None::<usize>);
    for (i, line) in lines.iter().enumerate() {
        if hits[i] {
            last_hit = Some(i);
        }
        let near = last_hit.is_some_and(|h| i - h <= after) || next_hit[i].is_some_and(|h| h - i <= before);
        if !near {
            continue;
        }
        if *printed && last.is_none_or(|l| l + 1 != i) {
            out.push_str("--\n");
        }
        out.push_str(&format!("{}{line}\n", label(i, hits[i])));
        last = Some(i);
        *printed = true;
    }
    out
}

pub fn grep(shell: &mut Shell, args: &[String], stdin: Option<&Input>) -> Output {
    #[cfg(feature = "grep-regex")]
    let (context, args) = match grep_context(args) {
        Ok((c, rest)) => (c, rest),
        Err(e) => return fail(e, 2),
    };
    #[cfg(feature = "grep-regex")]
    let args = &args[..];
    let (flags, patterns, files) = grep_args(args);
    if patterns.is_empty() {
        return fail("Usage: grep [OPTION]... PATTERNS [FILE]...\nTry 'grep --help' for more information.\n".into(), 2);
    }
    let fold = |s: &str| if flags.contains('i') { s.to_ascii_lowercase() } else { s.to_string() };
    let needles: Vec<String> = patterns.iter().map(|p| fold(p)).collect();
    #[cfg(feature = "grep-regex")]
    let regexes = if flags.contains('F') {
        None
    } else {
        match needles.iter().map(|p| super::regex::Regex::new(p, flags.contains('E'))).collect::<Result<Vec<_>, _>>() {
            Ok(r) => Some(r),
            Err(e) => return fail(format!("grep: {e}\n"), 2),
        }
    };
    let (got, err, events) = inputs(shell, "grep", &files, stdin, READ_LIMIT);
    let found = |line: &str| {
        #[cfg(feature = "grep-regex")]
        if let Some(regexes) = &regexes {
            return regexes.iter().any(|r| regex_matches(r, line, &flags));
        }
        needles.iter().any(|n| matches(line, n, &flags))
    };
    // Each match of a line (`-o`): the leftmost, then on from its end.
    let pieces = |line: &str| -> Vec<(usize, usize)> {
        let b = line.as_bytes();
        let mut out = Vec::new();
        let mut from = 0;
        while from <= b.len() {
            #[cfg(feature = "grep-regex")]
            let next = match &regexes {
                Some(regexes) => regexes.iter().filter_map(|r| r.find(b, from, &|_, _| true)).min_by_key(|m| (m.0, usize::MAX - m.1)),
                None => needles.iter().filter(|n| !n.is_empty()).filter_map(|n| line.get(from..)?.find(n.as_str()).map(|at| (from + at, from + at + n.len()))).min_by_key(|m| (m.0, usize::MAX - m.1)),
            };
            #[cfg(not(feature = "grep-regex"))]
            let next = needles.iter().filter(|n| !n.is_empty()).filter_map(|n| line.get(from..)?.find(n.as_str()).map(|at| (from + at, from + at + n.len()))).min_by_key(|m| (m.0, usize::MAX - m.1));
            let Some((start, end)) = next else { break };
            // -w and -x hold for each match -o prints.
            let word = |i: Option<&u8>| i.is_some_and(|c| c.is_ascii_alphanumeric() || *c == b'_');
            let whole = if flags.contains('x') { start == 0 && end == b.len() } else { !flags.contains('w') || (!word(start.checked_sub(1).and_then(|i| b.get(i))) && !word(b.get(end))) };
            if end > start && whole {
                out.push((start, end));
            }
            // On past this match, or past its first character (a match
            // can start inside a line's multi-byte character).
            let step = line.get(start..).and_then(|r| r.chars().next()).map_or(1, char::len_utf8);
            from = if whole { end.max(start + step) } else { start + step };
        }
        out
    };
    // File names before lines: with several files or -H, never with -h.
    let named = (files.len() > 1 || flags.contains('H')) && !flags.contains('h');
    let listing = flags.contains('l') || flags.contains('L');
    let mut text = String::new();
    let mut matched = 0;
    #[cfg(feature = "grep-regex")]
    let mut printed = false;
    for (name, bytes) in &got {
        let name = if name.is_empty() || name == "-" { "(standard input)" } else { name.as_str() };
        let s = String::from_utf8_lossy(bytes);
        #[cfg(feature = "grep-regex")]
        if let Some(context) = context.filter(|_| !flags.contains('c')) {
            let lines: Vec<&str> = s.lines().collect();
            let hits: Vec<bool> = lines.iter().map(|l| found(&fold(l)) != flags.contains('v')).collect();
            matched += hits.iter().filter(|h| **h).count();
            let label = |i: usize, hit: bool| {
                let sep = if hit { ':' } else { '-' };
                let prefix = if named { format!("{name}{sep}") } else { String::new() };
                if flags.contains('n') { format!("{prefix}{}{sep}", i + 1) } else { prefix }
            };
            text.push_str(&with_context(&lines, &hits, context, &label, &mut printed));
            continue;
        }
        let mut count = 0;
        for (i, line) in s.lines().enumerate() {
            let folded = fold(line);
            if found(&folded) == flags.contains('v') {
                continue;
            }
            count += 1;
            if flags.contains('c') || listing {
                continue;
            }
            let prefix = if named { format!("{name}:") } else { String::new() };
            let number = if flags.contains('n') { format!("{}:", i + 1) } else { String::new() };
            if flags.contains('o') {
                // -v -o prints nothing: the lines it selects hold no match.
                if !flags.contains('v') {
                    for (a, b) in pieces(&folded) {
                        text.push_str(&format!("{prefix}{number}{}\n", String::from_utf8_lossy(&line.as_bytes()[a..b])));
                    }
                }
            } else {
                text.push_str(&format!("{prefix}{number}{line}\n"));
            }
        }
        matched += count;
        if listing {
            if (count > 0) == flags.contains('l') {
                text.push_str(&format!("{name}\n"));
            }
        } else if flags.contains('c') {
            text.push_str(&if named { format!("{name}:{count}\n") } else { format!("{count}\n") });
        }
    }
    if flags.contains('q') {
        text.clear();
    }
    let status = if !err.is_empty() { 2 } else { i32::from(matched == 0) };
    Output { text, err, exit_status: status, events, ..Output::default() }
}

/// Whether a regular expression matches `line` as grep's -w and -x ask.
#[cfg(feature = "grep-regex")]
fn regex_matches(r: &super::regex::Regex, line: &str, flags: &str) -> bool {
    let b = line.as_bytes();
    let word = |i: Option<&u8>| i.is_some_and(|c| c.is_ascii_alphanumeric() || *c == b'_');
    let accept = |start: usize, end: usize| {
        if flags.contains('x') {
            return start == 0 && end == b.len();
        }
        !flags.contains('w') || (!word(start.checked_sub(1).and_then(|i| b.get(i))) && !word(b.get(end)) && end > start)
    };
    r.find(b, 0, &accept).is_some()
}

/// Whether `line` contains `needle` as grep -F reads it: anywhere, as a whole
/// word with -w (no letter, digit or underscore on either side), or as the
/// whole line with -x.
fn matches(line: &str, needle: &str, flags: &str) -> bool {
    if flags.contains('x') {
        return line == needle;
    }
    if !flags.contains('w') {
        return line.contains(needle);
    }
    let word = |c: Option<char>| c.is_some_and(|c| c.is_ascii_alphanumeric() || c == '_');
    line.match_indices(needle).any(|(at, m)| !word(line[..at].chars().next_back()) && !word(line[at + m.len()..].chars().next()))
}

/// The `set` options a script can turn on.
#[cfg(feature = "shell-scripts")]
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SetOptions {
    /// `-e`: a failing command ends the script (unless `&&`, `||` test it).
    pub errexit: bool,
    /// `-o pipefail`: a pipeline fails when any stage does.
    pub pipefail: bool,
    /// `-x`: each command is printed, expanded, after `+ `.
    pub xtrace: bool,
    /// `-u`: a command naming an unset variable is an error that ends the script.
    pub nounset: bool,
}

/// bash's `set`: `-e`, `-u`, `-x` and `-o NAME` (`+` turns them off); bash's
/// other one-letter options are taken and change nothing here. Without
/// arguments it lists the shell's variables.
#[cfg(feature = "shell-scripts")]
pub fn set(shell: &mut Shell, args: &[String]) -> Output {
    if args.is_empty() {
        let mut vars = shell.vars.clone();
        vars.sort();
        return Output::text(vars.iter().map(|(n, v)| format!("{n}={v}\n")).collect::<String>(), 0);
    }
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        let (on, flags) = match (arg.strip_prefix('-'), arg.strip_prefix('+')) {
            (Some(f), _) => (true, f),
            (_, Some(f)) => (false, f),
            // The first word that is no option starts the positional parameters.
            _ => {
                shell.positional = std::iter::once(arg).chain(it).cloned().collect();
                break;
            }
        };
        // `set --` sets the positional parameters to what follows, even none.
        if flags == "-" {
            shell.positional = it.cloned().collect();
            break;
        }
        if flags.is_empty() {
            break;
        }
        for c in flags.chars() {
            let o = &mut shell.options;
            match c {
                'e' => o.errexit = on,
                'u' => o.nounset = on,
                'x' => o.xtrace = on,
                'o' => match it.next().map(String::as_str) {
                    Some("errexit") => o.errexit = on,
                    Some("nounset") => o.nounset = on,
                    Some("xtrace") => o.xtrace = on,
                    Some("pipefail") => o.pipefail = on,
                    Some(name) => return Output::error(format!("bash: set: {}: invalid option name\n", printable(name)), 2),
                    None => return Output::default(),
                },
                c if "abfhkmnptvBCEHPT".contains(c) => {}
                c => {
                    return Output::error(
                        format!("bash: set: {}{c}: invalid option\nset: usage: set [-abefhkmnptuvxBCEHPT] [-o option-name] [--] [-] [arg ...]\n", &arg[..1]),
                        2,
                    )
                }
            }
        }
    }
    Output::default()
}

/// bash's `exit [N]`: the script ends with status N (the last command's by
/// default), and no later line runs.
#[cfg(feature = "shell-scripts")]
pub fn exit(shell: &mut Shell, args: &[String]) -> Output {
    let (status, out) = match args.first() {
        None => (shell.last_status, Output::default()),
        Some(n) => match n.parse::<i64>() {
            Ok(v) => (v.rem_euclid(256) as i32, Output::default()),
            Err(_) => (2, Output::error(format!("bash: exit: {}: numeric argument required\n", printable(n)), 2)),
        },
    };
    shell.exited = Some(status);
    Output { exit_status: status, ..out }
}

/// bash's `break [N]` and `continue [N]`: out of N loops (1 by default), or
/// to the next round of the Nth.
#[cfg(feature = "shell-scripts")]
pub fn jump(shell: &mut Shell, cmd: &str, args: &[String]) -> Output {
    let n = match args.first().map(|a| a.parse::<i64>()) {
        None => 1,
        Some(Ok(n)) if n >= 1 => n,
        Some(Ok(n)) => return Output::error(format!("bash: {cmd}: {n}: loop count out of range\n"), 1),
        // A script stops there, as bash's does.
        Some(Err(_)) => {
            shell.exited = Some(128);
            return Output::error(format!("bash: {cmd}: {}: numeric argument required\n", printable(&args[0])), 128);
        }
    };
    if shell.flow.loops == 0 {
        return Output::error(format!("bash: {cmd}: only meaningful in a `for', `while', or `until' loop\n"), 0);
    }
    let n = (n.min(i64::from(shell.flow.loops))) as u32;
    shell.flow.jump = Some((cmd == "continue", n));
    Output::default()
}

/// bash's `return [N]` (ends the running function), `local NAME[=VALUE]...`
/// (variables the function gives back when it returns) and `shift [N]`.
#[cfg(feature = "shell-scripts")]
pub fn function_builtin(shell: &mut Shell, cmd: &str, args: &[String]) -> Output {
    let number = |default: i64| match args.first() {
        None => Ok(default),
        Some(a) => a.parse::<i64>().map_err(|_| Output::error(format!("bash: {cmd}: {}: numeric argument required\n", printable(a)), 2)),
    };
    match cmd {
        "return" if shell.flow.frames.is_empty() => Output::error("bash: return: can only `return' from a function or sourced script\n", 2),
        "return" => match number(i64::from(shell.last_status)) {
            Ok(n) => {
                shell.flow.returning = Some(n.rem_euclid(256) as i32);
                Output { exit_status: n.rem_euclid(256) as i32, ..Output::default() }
            }
            Err(o) => {
                shell.flow.returning = Some(2);
                o
            }
        },
        "local" if shell.flow.frames.is_empty() => Output::error("bash: local: can only be used in a function\n", 1),
        "local" => {
            let mut err = String::new();
            for arg in args {
                let (name, value) = arg.split_once('=').map_or((arg.as_str(), None), |(n, v)| (n, Some(v.to_string())));
                if !crate::console::syntax::is_name(name) {
                    err.push_str(&format!("bash: local: `{}': not a valid identifier\n", printable(arg)));
                    continue;
                }
                let before = shell.is_set(name).then(|| shell.var(name));
                if let Some(frame) = shell.flow.frames.last_mut() {
                    if !frame.iter().any(|(n, _)| n == name) {
                        frame.push((name.to_string(), before));
                    }
                }
                // `local x` without a value leaves x unset in the function.
                shell.set_var(name, value);
            }
            Output::error(err.clone(), i32::from(!err.is_empty()))
        }
        _ => match number(1) {
            Ok(n) if n < 0 => Output::error(format!("bash: shift: {n}: shift count out of range\n"), 1),
            Ok(n) if n as usize > shell.positional.len() => Output { exit_status: 1, ..Output::default() },
            Ok(n) => {
                shell.positional.drain(..n as usize);
                Output::default()
            }
            Err(o) => Output { exit_status: 1, ..o },
        },
    }
}

/// bash's `read [-rs] [-d DELIM] [-n N] [-p PROMPT] [-t T] [NAME...]`: a
/// line of standard input split into fields at IFS's characters, the last
/// NAME taking the rest (REPLY the whole line without NAMEs). Without `-r` a
/// backslash quotes the next character and joins a line to the next. Status
/// 1 at the end of input. Its input is a redirection or pipe, else the
/// running compound command's input (`while read ...; done < FILE`); with
/// neither it is at its end. `-s` and `-t` change nothing here.
#[cfg(feature = "shell-scripts")]
pub fn read(shell: &mut Shell, args: &[String], stdin: Option<&Input>) -> Output {
    let mut opts = ReadOptions { raw: false, delim: b'\n', max: usize::MAX };
    let mut names: Vec<&str> = Vec::new();
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "-r" => opts.raw = true,
            "-s" => {}
            // The prompt shows only when the input is a terminal.
            "-p" | "-t" => {
                it.next();
            }
            "-d" => opts.delim = it.next().and_then(|d| d.bytes().next()).unwrap_or(0),
            "-n" => opts.max = it.next().and_then(|n| n.parse().ok()).unwrap_or(usize::MAX),
            o if o.starts_with('-') && o.len() > 1 && names.is_empty() => {
                return Output::error(format!("bash: read: {}: invalid option\nread: usage: read [-ers] [-a array] [-d delim] [-i text] [-n nchars] [-N nchars] [-p prompt] [-t timeout] [-u fd] [name ...]\n", printable(o)), 2)
            }
            n => names.push(n),
        }
    }
    if let Some(bad) = names.iter().find(|n| !crate::console::syntax::is_name(n)) {
        return Output::error(format!("bash: read: `{}': not a valid identifier\n", printable(bad)), 1);
    }
    // The compound's input is read where it is: copying the rest for each
    // line would make `yes | while read` quadratic.
    let (line, used, complete) = match stdin {
        Some(input) => read_line(&input.bytes(crate::console::STREAM_LIMIT_BYTES as usize), &opts),
        None => read_line(shell.flow.stdin.as_ref().and_then(|(b, at)| b.get(*at..)).unwrap_or_default(), &opts),
    };
    if stdin.is_none() {
        if let Some((_, at)) = shell.flow.stdin.as_mut() {
            *at += used;
        }
    }
    if names.is_empty() {
        shell.set_var("REPLY", Some(line.iter().map(|(c, _)| c).collect()));
    }
    let ifs = if shell.is_set("IFS") { shell.var("IFS") } else { " \t\n".to_string() };
    let sep = |(c, quoted): &(char, bool)| !quoted && ifs.contains(*c);
    let white = |c: &(char, bool)| sep(c) && c.0.is_ascii_whitespace();
    let mut rest = line.as_slice();
    for (i, name) in names.iter().enumerate() {
        rest = &rest[rest.iter().position(|c| !white(c)).unwrap_or(rest.len())..];
        if i + 1 == names.len() {
            let end = rest.iter().rposition(|c| !white(c)).map_or(0, |e| e + 1);
            shell.set_var(name, Some(rest[..end].iter().map(|(c, _)| c).collect()));
            break;
        }
        let end = rest.iter().position(sep).unwrap_or(rest.len());
        shell.set_var(name, Some(rest[..end].iter().map(|(c, _)| c).collect()));
        rest = &rest[end..];
        // One separator ends a field: blanks around it, or one other character.
        rest = &rest[rest.iter().position(|c| !white(c)).unwrap_or(rest.len())..];
        if rest.first().is_some_and(|c| sep(c) && !white(c)) {
            rest = &rest[1..];
        }
    }
    Output { exit_status: i32::from(!complete), ..Output::default() }
}

#[cfg(feature = "shell-scripts")]
struct ReadOptions {
    raw: bool,
    delim: u8,
    max: usize,
}

/// The first line of `bytes` (up to the delimiter, or `max` characters) as
/// characters marked when a backslash quoted them (unless `raw`), the bytes
/// it took, and whether a delimiter ended it.
#[cfg(feature = "shell-scripts")]
fn read_line(bytes: &[u8], opts: &ReadOptions) -> (Vec<(char, bool)>, usize, bool) {
    // Find the end in bytes: the text may not be UTF-8.
    let mut end = None;
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b if b == opts.delim => {
                end = Some(i);
                break;
            }
            b'\\' if !opts.raw => i += 2,
            _ => i += 1,
        }
    }
    let (taken, used, complete) = match end {
        Some(e) => (&bytes[..e], e + 1, true),
        None => (bytes, bytes.len(), false),
    };
    let text = String::from_utf8_lossy(taken);
    let mut line = Vec::new();
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' if !opts.raw => match chars.next() {
                Some('\n') | None => {}
                Some(n) => line.push((n, true)),
            },
            c => line.push((c, false)),
        }
    }
    if line.len() > opts.max {
        // `-n N`: only the first N characters; the rest stays unread.
        let kept: String = line[..opts.max].iter().map(|(c, _)| c).collect();
        line.truncate(opts.max);
        return (line, kept.len().min(taken.len()), true);
    }
    (line, used, complete)
}

/// bash's `export NAME=VALUE ...` (sets the variable; the lab runs no
/// program that reads the environment) and `unset NAME ...`.
#[cfg(feature = "shell-scripts")]
pub fn export(shell: &mut Shell, cmd: &str, args: &[String]) -> Output {
    let mut err = String::new();
    for arg in args {
        let (name, value) = match arg.split_once('=') {
            Some((n, v)) if cmd == "export" => (n, Some(v)),
            _ => (arg.as_str(), None),
        };
        // `unset` also takes function names, so no name is wrong for it.
        if cmd == "export" && !crate::console::syntax::is_name(name) {
            err.push_str(&format!("bash: {cmd}: `{}': not a valid identifier\n", printable(arg)));
        } else if cmd == "unset" || value.is_some() {
            shell.set_var(name, value.map(String::from));
        }
    }
    let status = i32::from(!err.is_empty());
    Output::text(err, status)
}

/// bash's cd: to a directory, `~`, `-` is not kept.
pub fn cd(shell: &mut Shell, args: &[String]) -> Output {
    #[cfg(feature = "shell-scripts")]
    let args = match cd_args(shell, args) {
        Ok(a) => a,
        Err(out) => return out,
    };
    #[cfg(feature = "shell-scripts")]
    let (args, back) = (args.0.as_slice(), args.1);
    let target = match args.first().map(String::as_str) {
        None | Some("~") => "/root".to_string(),
        // An empty name (`OLDPWD=` then `cd -`) stays where it is.
        #[cfg(feature = "shell-scripts")]
        Some("") => shell.cwd.clone(),
        Some(p) => crate::core::machine::files::normalize(&shell.abs(p)),
    };
    match shell.machine.stat_path(&target) {
        Ok(s) if s.stat.is_dir => {
            #[cfg(feature = "shell-scripts")]
            shell.set_var("OLDPWD", Some(shell.cwd.clone()));
            shell.cwd = target;
            #[cfg(feature = "shell-scripts")]
            if back {
                return Output::text(format!("{}\n", args[0]), 0);
            }
            Output::default()
        }
        Ok(_) => fail(format!("bash: cd: {}: Not a directory\n", printable(&args[0])), 1),
        Err(e) => fail(format!("bash: cd: {}: {}\n", printable(args.first().map_or("", |s| s)), e.text()), 1),
    }
}

/// cd's operands as bash reads them: the options -L, -P and -e (in any
/// combination) and `--` skipped, at most one directory, and `-` for
/// `$OLDPWD` (then printed, the flag says).
#[cfg(feature = "shell-scripts")]
fn cd_args(shell: &Shell, args: &[String]) -> Result<(Vec<String>, bool), Output> {
    let mut rest = args;
    while let Some(a) = rest.first().filter(|a| a.len() > 1 && a.starts_with('-')) {
        rest = &rest[1..];
        if a == "--" {
            break;
        }
        if let Some(bad) = a[1..].chars().find(|c| !matches!(c, 'L' | 'P' | 'e')) {
            return Err(fail(format!("bash: cd: -{bad}: invalid option\ncd: usage: cd [-L|[-P [-e]] [-@]] [dir]\n"), 2));
        }
    }
    if rest.len() > 1 {
        return Err(fail("bash: cd: too many arguments\n".into(), 1));
    }
    if rest.first().is_some_and(|a| a == "-") {
        if !shell.is_set("OLDPWD") {
            return Err(fail("bash: cd: OLDPWD not set\n".into(), 1));
        }
        return Ok((vec![shell.var("OLDPWD")], true));
    }
    Ok((rest.to_vec(), false))
}

/// A `tr` set: escapes (`\n`, `\\`, `\NNN` octal), ranges (`a-z`) and the
/// `[:upper:]`, `[:lower:]`, `[:digit:]` classes, as bytes.
fn tr_set(spec: &str) -> Vec<u8> {
    let spec = spec.replace("[:upper:]", "A-Z").replace("[:lower:]", "a-z").replace("[:digit:]", "0-9");
    let mut raw = Vec::new();
    let b = spec.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'\\' && i + 1 < b.len() {
            let digits = b[i + 1..].iter().take(3).take_while(|c| (b'0'..=b'7').contains(c)).count();
            if digits > 0 {
                raw.push(b[i + 1..i + 1 + digits].iter().fold(0u32, |v, d| v * 8 + u32::from(d - b'0')) as u8);
                i += 1 + digits;
                continue;
            }
            raw.push(match b[i + 1] {
                b'n' => b'\n',
                b't' => b'\t',
                b'r' => b'\r',
                other => other,
            });
            i += 2;
        } else {
            raw.push(b[i]);
            i += 1;
        }
    }
    let mut out = Vec::new();
    let mut j = 0;
    while j < raw.len() {
        if j + 2 < raw.len() && raw[j + 1] == b'-' && raw[j] <= raw[j + 2] {
            out.extend(raw[j]..=raw[j + 2]);
            j += 3;
        } else {
            out.push(raw[j]);
            j += 1;
        }
    }
    out
}

/// coreutils `tr SET1 SET2` and `tr -d SET1` on standard input.
pub fn tr(args: &[String], stdin: Option<&Input>) -> Output {
    #[cfg(feature = "coreutils-extras")]
    if args.iter().any(|a| a.starts_with('-') && a.len() > 1 && a[1..].chars().all(|c| matches!(c, 'd' | 's')) && a.contains('s')) {
        return tr_squeeze(args, stdin);
    }
    let delete = args.first().is_some_and(|a| a == "-d");
    let sets: Vec<&String> = args.iter().filter(|a| !a.starts_with('-') || a.len() == 1).collect();
    let input = stdin.map(|i| i.bytes(READ_LIMIT as usize)).unwrap_or_default();
    match (delete, sets.as_slice()) {
        (true, [set]) => {
            let set = tr_set(set);
            Output::bytes(input.into_iter().filter(|c| !set.contains(c)).collect())
        }
        (false, [from, to]) => {
            let (from, to) = (tr_set(from), tr_set(to));
            let Some(&last) = to.last() else { return fail("tr: when not truncating set1, string2 must be non-empty\n".into(), 1) };
            let map = |c: u8| from.iter().rposition(|f| *f == c).map_or(c, |i| to.get(i).copied().unwrap_or(last));
            Output::bytes(input.into_iter().map(map).collect())
        }
        (_, []) => fail("tr: missing operand\nTry 'tr --help' for more information.\n".into(), 1),
        (false, [one]) => fail(format!("tr: missing operand after '{}'\nTry 'tr --help' for more information.\n", printable(one)), 1),
        (_, [_, extra, ..]) => fail(format!("tr: extra operand '{}'\nTry 'tr --help' for more information.\n", printable(extra)), 1),
    }
}

/// `tr -s` (with `-d`): after translating (or deleting) as without it,
/// each run of one character of the last set becomes that character.
#[cfg(feature = "coreutils-extras")]
fn tr_squeeze(args: &[String], stdin: Option<&Input>) -> Output {
    let delete = args.iter().any(|a| a.starts_with('-') && a.len() > 1 && a.contains('d'));
    let sets: Vec<Vec<u8>> = args.iter().filter(|a| !a.starts_with('-') || a.len() == 1).map(|a| tr_set(a)).collect();
    let input = stdin.map(|i| i.bytes(READ_LIMIT as usize)).unwrap_or_default();
    let (deleted, translated, squeeze) = match (delete, sets.as_slice()) {
        (_, []) => return fail("tr: missing operand\nTry 'tr --help' for more information.\n".into(), 1),
        (true, [one]) => return fail(format!("tr: missing operand after '{}'\nTwo strings must be given when both deleting and squeezing repeats.\nTry 'tr --help' for more information.\n", printable(&String::from_utf8_lossy(one))), 1),
        (false, [one]) => (Vec::new(), None, one.clone()),
        (true, [d, sq]) => (d.clone(), None, sq.clone()),
        (false, [from, to]) => (Vec::new(), Some((from.clone(), to.clone())), to.clone()),
        (_, [_, _, extra, ..]) => return fail(format!("tr: extra operand '{}'\nTry 'tr --help' for more information.\n", printable(&String::from_utf8_lossy(extra))), 1),
    };
    let mut out: Vec<u8> = Vec::new();
    for c in input.into_iter().filter(|c| !deleted.contains(c)) {
        let c = match &translated {
            Some((from, to)) => from.iter().rposition(|f| *f == c).map_or(c, |i| to.get(i).or(to.last()).copied().unwrap_or(c)),
            None => c,
        };
        if squeeze.contains(&c) && out.last() == Some(&c) {
            continue;
        }
        out.push(c);
    }
    Output::bytes(out)
}
