//! coreutils' text tools that scripts pipe the lab's output through: cut,
//! sort, uniq, seq, basename, dirname, tee and sleep (GNU coreutils 9.1, in
//! the C.UTF-8 locale: bytes compare as bytes), and diffutils 3.8's `cmp`.
//! Native only (feature `shell-scripts`).
//!
//! Simplified: `sort` reads the keys `-k F[,F]` with the type letters `n`,
//! `h`, `r` and `f` but no character offsets, and has no `-m`, `-R` or `-V`;
//! `seq` formats decimals without `-f`; `sleep` returns at once (the lab
//! clock moves per command, not with time); `cut -c` counts bytes, as GNU
//! cut does.

use super::exec::Input;
use super::hexdump::Getopt;
use super::{printable, Output, Shell, STREAM_LIMIT_BYTES};

/// Runs one of the tools, or returns None for another command.
pub fn run(shell: &mut Shell, cmd: &str, args: &[String], stdin: Option<&Input>) -> Option<Output> {
    Some(match cmd {
        "cut" => cut(shell, args, stdin),
        "sort" => sort(shell, args, stdin),
        "uniq" => uniq(shell, args, stdin),
        "seq" => seq(args),
        "basename" => basename(args),
        "dirname" => dirname(args),
        "tee" => tee(shell, args, stdin),
        "sleep" => sleep(shell, args),
        "cmp" => cmp(shell, args, stdin),
        _ => return None,
    })
}

fn usage(tool: &str, message: &str) -> Output {
    Output::error(format!("{tool}: {message}\nTry '{tool} --help' for more information.\n"), 1)
}

/// The lines of standard input or of the named files, and the read errors.
fn lines(shell: &mut Shell, tool: &str, files: &[String], stdin: Option<&Input>) -> (Vec<Vec<u8>>, String) {
    let names: Vec<&String> = files.iter().collect();
    let (got, err, _) = super::builtins::inputs(shell, tool, &names, stdin, STREAM_LIMIT_BYTES);
    let mut out = Vec::new();
    for (_, bytes) in got {
        out.extend(bytes.split_inclusive(|b| *b == b'\n').map(|l| l.strip_suffix(b"\n").unwrap_or(l).to_vec()));
    }
    (out, err)
}

fn joined(lines: &[Vec<u8>], err: String) -> Output {
    let mut bytes = Vec::new();
    for l in lines {
        bytes.extend_from_slice(l);
        bytes.push(b'\n');
    }
    Output { exit_status: i32::from(!err.is_empty()), err, ..Output::bytes(bytes) }
}

/// A `cut` list: ranges of 1-based positions, `N`, `N-`, `N-M` or `-M`.
fn cut_list(list: &str, what: &str) -> Result<Vec<(usize, usize)>, String> {
    let mut ranges = Vec::new();
    for part in list.split([',', ' ']) {
        let number = |s: &str| s.parse::<usize>().map_err(|_| format!("invalid {what} value {}", quoted(s)));
        let (from, to) = match part.split_once('-') {
            Some(("", "")) => return Err("invalid range with no endpoint: -".into()),
            Some((a, "")) => (number(a)?, usize::MAX),
            Some(("", b)) => (1, number(b)?),
            Some((a, b)) => (number(a)?, number(b)?),
            None => (number(part)?, number(part)?),
        };
        if from == 0 || to == 0 {
            return Err(format!("{what}s are numbered from 1"));
        }
        if from > to {
            return Err("invalid decreasing range".into());
        }
        ranges.push((from, to));
    }
    Ok(ranges)
}

/// coreutils' quotes in a UTF-8 locale.
fn quoted(s: &str) -> String {
    format!("\u{2018}{}\u{2019}", printable(s))
}

fn cut(shell: &mut Shell, args: &[String], stdin: Option<&Input>) -> Output {
    let mut getopt = Getopt::new(args, "b:c:d:f:nsz\u{1}:\u{2}", "bytes=b,characters=c,delimiter=d,fields=f,only-delimited=s,output-delimiter=\u{1},complement=\u{2},zero-terminated=z");
    let (mut list, mut fields, mut delim, mut only, mut out_delim, mut complement) = (None, false, b'\t', false, None, false);
    while let Some(parsed) = getopt.next("cut") {
        let (c, v) = match parsed {
            Ok(p) => p,
            Err(e) => return Output::error(format!("{e}\nTry 'cut --help' for more information.\n"), 1),
        };
        let v = v.unwrap_or_default();
        match c {
            'b' | 'c' | 'f' => {
                if list.is_some() {
                    return usage("cut", "only one list may be specified");
                }
                (list, fields) = (Some(v), c == 'f');
            }
            'd' => match v.as_bytes() {
                [d] => delim = *d,
                [] => delim = 0,
                _ => return usage("cut", "the delimiter must be a single character"),
            },
            's' => only = true,
            '\u{1}' => out_delim = Some(v.into_bytes()),
            '\u{2}' => complement = true,
            _ => {}
        }
    }
    let Some(list) = list else { return usage("cut", "you must specify a list of bytes, characters, or fields") };
    let ranges = match cut_list(&list, if fields { "field" } else { "byte/character" }) {
        Ok(r) => r,
        Err(e) => return usage("cut", &e),
    };
    let chosen = |i: usize| ranges.iter().any(|(a, b)| (*a..=*b).contains(&i)) != complement;
    let (lines, err) = lines(shell, "cut", &getopt.operands, stdin);
    let mut out = Vec::new();
    for line in lines {
        if !fields {
            out.push(cut_pieces(line.iter().map(std::slice::from_ref).enumerate(), &chosen, b""));
            continue;
        }
        if !line.contains(&delim) {
            if !only {
                out.push(line);
            }
            continue;
        }
        let sep = out_delim.clone().unwrap_or_else(|| vec![delim]);
        out.push(cut_pieces(line.split(|b| *b == delim).enumerate(), &chosen, &sep));
    }
    joined(&out, err)
}

/// The chosen pieces, joined by `sep`. Bytes are joined with nothing: GNU
/// cut puts `--output-delimiter` between byte ranges, which the lab leaves out.
fn cut_pieces<'a>(pieces: impl Iterator<Item = (usize, &'a [u8])>, chosen: &dyn Fn(usize) -> bool, sep: &[u8]) -> Vec<u8> {
    let picked: Vec<&[u8]> = pieces.filter(|(i, _)| chosen(i + 1)).map(|(_, p)| p).collect();
    picked.join(sep)
}

/// One `-k` key: fields `start..=end` (1-based; end 0 is the line's end)
/// and its own ordering letters.
#[derive(Clone, Default)]
struct Key {
    start: usize,
    end: usize,
    numeric: bool,
    human: bool,
    reverse: bool,
    fold: bool,
}

fn parse_key(spec: &str, global: &Key) -> Result<Key, String> {
    let mut key = Key { start: 0, end: 0, ..global.clone() };
    let (start, end) = spec.split_once(',').unwrap_or((spec, ""));
    let field = |s: &str, key: &mut Key| -> Result<usize, String> {
        let digits = s.chars().take_while(|c| c.is_ascii_digit()).count();
        let letters = &s[digits..];
        let letters = letters.split_once('.').map_or(letters, |(_, rest)| rest.trim_start_matches(|c: char| c.is_ascii_digit()));
        for l in letters.chars() {
            match l {
                'n' => key.numeric = true,
                'h' => key.human = true,
                'r' => key.reverse = true,
                'f' => key.fold = true,
                'b' => {}
                _ => return Err(format!("invalid number at field start: invalid count at start of {}", quoted(spec))),
            }
        }
        s[..digits].parse().map_err(|_| format!("invalid number at field start: invalid count at start of {}", quoted(spec)))
    };
    key.start = field(start, &mut key)?;
    if key.start == 0 {
        return Err(format!("field number is zero: invalid field specification {}", quoted(spec)));
    }
    if !end.is_empty() {
        key.end = field(end, &mut key)?;
    }
    Ok(key)
}

/// The key's text: fields split at each run of blanks (the blanks before a
/// field belong to it, as in GNU sort) or at the `-t` separator.
fn key_text<'a>(line: &'a [u8], key: &Key, sep: Option<u8>) -> &'a [u8] {
    if key.start == 0 {
        return line;
    }
    let mut starts = vec![0];
    match sep {
        Some(s) => starts.extend(line.iter().enumerate().filter(|(_, b)| **b == s).map(|(i, _)| i + 1)),
        None => {
            for i in 1..line.len() {
                if line[i].is_ascii_whitespace() && !line[i - 1].is_ascii_whitespace() {
                    starts.push(i);
                }
            }
        }
    }
    let from = starts.get(key.start - 1).copied().unwrap_or(line.len());
    let to = match key.end {
        0 => line.len(),
        e => starts.get(e).map_or(line.len(), |s| if sep.is_some() { s - 1 } else { *s }),
    };
    &line[from..to.max(from)]
}

/// A number at the start of the text (after blanks), with `-h`'s suffixes.
fn number(text: &[u8], human: bool) -> f64 {
    let t = String::from_utf8_lossy(text);
    let t = t.trim_start();
    let len = t.char_indices().take_while(|(i, c)| c.is_ascii_digit() || *c == '.' || (*i == 0 && *c == '-')).count();
    let v: f64 = t[..len].parse().unwrap_or(0.0);
    if !human {
        return v;
    }
    let scale = match t[len..].chars().next() {
        Some('K' | 'k') => 1,
        Some('M') => 2,
        Some('G') => 3,
        Some('T') => 4,
        Some('P') => 5,
        Some('E') => 6,
        _ => 0,
    };
    v * 1024f64.powi(scale)
}

fn compare(a: &[u8], b: &[u8], key: &Key, sep: Option<u8>) -> std::cmp::Ordering {
    let (x, y) = (key_text(a, key, sep), key_text(b, key, sep));
    let order = if key.numeric || key.human {
        number(x, key.human).partial_cmp(&number(y, key.human)).unwrap_or(std::cmp::Ordering::Equal)
    } else if key.fold {
        x.to_ascii_uppercase().cmp(&y.to_ascii_uppercase())
    } else {
        x.cmp(y)
    };
    if key.reverse {
        order.reverse()
    } else {
        order
    }
}

fn sort(shell: &mut Shell, args: &[String], stdin: Option<&Input>) -> Output {
    let mut getopt = Getopt::new(args, "bfhnrsuk:t:", "ignore-leading-blanks=b,ignore-case=f,human-numeric-sort=h,numeric-sort=n,reverse=r,stable=s,unique=u,key=k,field-separator=t");
    let (mut global, mut keys, mut sep, mut stable, mut unique) = (Key::default(), Vec::new(), None, false, false);
    let mut specs = Vec::new();
    while let Some(parsed) = getopt.next("sort") {
        let (c, v) = match parsed {
            Ok(p) => p,
            Err(e) => return Output::error(format!("{e}\nTry 'sort --help' for more information.\n"), 2),
        };
        match c {
            'f' => global.fold = true,
            'h' => global.human = true,
            'n' => global.numeric = true,
            'r' => global.reverse = true,
            's' => stable = true,
            'u' => unique = true,
            'k' => specs.push(v.unwrap_or_default()),
            't' => match v.unwrap_or_default().as_bytes() {
                [s] => sep = Some(*s),
                _ => return Output::error("sort: multi-character tab\n", 2),
            },
            _ => {}
        }
    }
    for spec in &specs {
        match parse_key(spec, &global) {
            Ok(k) => keys.push(k),
            Err(e) => return Output::error(format!("sort: {e}\n"), 2),
        }
    }
    if keys.is_empty() {
        keys.push(global.clone());
    }
    let (mut lines, err) = lines(shell, "sort", &getopt.operands, stdin);
    let by_keys = |a: &Vec<u8>, b: &Vec<u8>| keys.iter().map(|k| compare(a, b, k, sep)).find(|o| o.is_ne()).unwrap_or(std::cmp::Ordering::Equal);
    // GNU sort's last resort: the whole lines as bytes (unless -s or -u).
    let last_resort = |a: &Vec<u8>, b: &Vec<u8>| if global.reverse { b.cmp(a) } else { a.cmp(b) };
    lines.sort_by(|a, b| by_keys(a, b).then_with(|| if stable || unique { std::cmp::Ordering::Equal } else { last_resort(a, b) }));
    if unique {
        lines.dedup_by(|b, a| by_keys(a, b).is_eq());
    }
    Output { exit_status: if err.is_empty() { 0 } else { 2 }, ..joined(&lines, err) }
}

fn uniq(shell: &mut Shell, args: &[String], stdin: Option<&Input>) -> Output {
    let mut getopt = Getopt::new(args, "cdiu", "count=c,repeated=d,ignore-case=i,unique=u");
    let (mut count, mut repeated, mut fold, mut single) = (false, false, false, false);
    while let Some(parsed) = getopt.next("uniq") {
        match parsed {
            Ok(('c', _)) => count = true,
            Ok(('d', _)) => repeated = true,
            Ok(('i', _)) => fold = true,
            Ok(('u', _)) => single = true,
            Ok(_) => {}
            Err(e) => return Output::error(format!("{e}\nTry 'uniq --help' for more information.\n"), 1),
        }
    }
    // uniq reads one input file (a second operand is its output file).
    let files: Vec<String> = getopt.operands.iter().take(1).cloned().collect();
    let (lines, err) = lines(shell, "uniq", &files, stdin);
    let same = |a: &[u8], b: &[u8]| if fold { a.eq_ignore_ascii_case(b) } else { a == b };
    let mut out = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        let run = lines[i..].iter().take_while(|l| same(l, &lines[i])).count();
        if !(repeated && run == 1 || single && run > 1) {
            let mut line = if count { format!("{run:>7} ").into_bytes() } else { Vec::new() };
            line.extend_from_slice(&lines[i]);
            out.push(line);
        }
        i += run;
    }
    joined(&out, err)
}

/// seq's numbers: integers, or decimals printed with the most decimals
/// of FIRST and INCREMENT.
/// The most numbers `seq` prints (about 15 MB of text).
const MAX_SEQ_NUMBERS: usize = 2_000_000;

fn seq(args: &[String]) -> Output {
    let (mut sep, mut width, mut operands) = ("\n".to_string(), false, Vec::new());
    let mut i = 0;
    while let Some(a) = args.get(i) {
        match a.as_str() {
            "-s" => {
                i += 1;
                sep = args.get(i).cloned().unwrap_or_default();
            }
            "-w" | "--equal-width" => width = true,
            s if s.starts_with("-s") => sep = s[2..].to_string(),
            s if s.starts_with("--separator=") => sep = s["--separator=".len()..].to_string(),
            _ => operands.push(a.clone()),
        }
        i += 1;
    }
    let values: Result<Vec<f64>, String> = operands.iter().map(|o| o.parse::<f64>().map_err(|_| o.clone())).collect();
    let values = match values {
        Ok(v) => v,
        Err(bad) => return usage("seq", &format!("invalid floating point argument: {}", quoted(&bad))),
    };
    let (first, step, last) = match values.as_slice() {
        [] => return usage("seq", "missing operand"),
        [last] => (1.0, 1.0, *last),
        [first, last] => (*first, 1.0, *last),
        [first, step, last] => (*first, *step, *last),
        _ => return usage("seq", &format!("extra operand {}", quoted(&operands[3]))),
    };
    if step == 0.0 {
        return usage("seq", &format!("invalid Zero increment value: {}", quoted(&operands[1])));
    }
    let decimals = |s: &str| s.split_once('.').map_or(0, |(_, d)| d.len());
    let places = operands.iter().take(operands.len().saturating_sub(1)).map(|o| decimals(o)).max().unwrap_or(0);
    let mut numbers = Vec::new();
    let mut n = 0u32;
    loop {
        let v = first + step * f64::from(n);
        if (step > 0.0 && v > last + 1e-9) || (step < 0.0 && v < last - 1e-9) {
            break;
        }
        // A bound on the console's memory, said rather than cut silently.
        if numbers.len() >= MAX_SEQ_NUMBERS {
            return Output::error(format!("seq: the lab prints at most {MAX_SEQ_NUMBERS} numbers\n"), 1);
        }
        numbers.push(format!("{v:.places$}"));
        n += 1;
    }
    if width {
        let w = numbers.iter().map(String::len).max().unwrap_or(0);
        numbers = numbers.into_iter().map(|s| format!("{s:0>w$}")).collect();
    }
    let mut text = numbers.join(&sep);
    if !numbers.is_empty() {
        text.push('\n');
    }
    Output { text, ..Output::default() }
}

fn base_name(path: &str, suffix: &str) -> String {
    let trimmed = path.trim_end_matches('/');
    if trimmed.is_empty() {
        return if path.is_empty() { String::new() } else { "/".into() };
    }
    let base = trimmed.rsplit('/').next().unwrap_or(trimmed);
    match base.strip_suffix(suffix) {
        Some(stem) if !stem.is_empty() && !suffix.is_empty() => stem.to_string(),
        _ => base.to_string(),
    }
}

fn basename(args: &[String]) -> Output {
    let mut getopt = Getopt::new(args, "as:z", "multiple=a,suffix=s,zero=z");
    let (mut multiple, mut suffix) = (false, String::new());
    while let Some(parsed) = getopt.next("basename") {
        match parsed {
            Ok(('a', _)) => multiple = true,
            Ok(('s', v)) => (multiple, suffix) = (true, v.unwrap_or_default()),
            Ok(_) => {}
            Err(e) => return Output::error(format!("{e}\nTry 'basename --help' for more information.\n"), 1),
        }
    }
    let names = &getopt.operands;
    let text: String = match (names.as_slice(), multiple) {
        ([], _) => return usage("basename", "missing operand"),
        (names, true) => names.iter().map(|n| base_name(n, &suffix) + "\n").collect(),
        ([name], false) => base_name(name, "") + "\n",
        ([name, suffix], false) => base_name(name, suffix) + "\n",
        (names, false) => return usage("basename", &format!("extra operand {}", quoted(&names[2]))),
    };
    Output { text, ..Output::default() }
}

fn dir_name(path: &str) -> &str {
    let trimmed = path.trim_end_matches('/');
    match trimmed.rfind('/') {
        None if path.starts_with('/') => "/",
        None => ".",
        Some(i) => match trimmed[..i].trim_end_matches('/') {
            "" => "/",
            dir => dir,
        },
    }
}

fn dirname(args: &[String]) -> Output {
    let names: Vec<&String> = args.iter().filter(|a| !a.starts_with('-') || a.len() == 1).collect();
    if names.is_empty() {
        return usage("dirname", "missing operand");
    }
    Output { text: names.iter().map(|n| format!("{}\n", dir_name(n))).collect(), ..Output::default() }
}

/// `tee [-a] FILE...`: standard input to standard output and each file.
fn tee(shell: &mut Shell, args: &[String], stdin: Option<&Input>) -> Output {
    let append = args.iter().any(|a| a == "-a" || a == "--append");
    let bytes = stdin.map(|i| i.bytes(STREAM_LIMIT_BYTES as usize)).unwrap_or_default();
    let mut err = String::new();
    for file in args.iter().filter(|a| !a.starts_with('-')) {
        if let Err(e) = super::exec::write_file(shell, file, &bytes, append) {
            err.push_str(&e.replacen("bash: ", "tee: ", 1));
        }
    }
    Output { exit_status: i32::from(!err.is_empty()), err, ..Output::bytes(bytes) }
}

/// `sleep NUMBER[smhd]...`: over at once, with the lab clock moved on by
/// the whole seconds asked for (a scrub under way goes on meanwhile;
/// the browser, which has no ZFS, only checks the operands: 818 bytes).
fn sleep(shell: &mut Shell, args: &[String]) -> Output {
    if args.is_empty() {
        return usage("sleep", "missing operand");
    }
    let mut secs = 0.0;
    let operands = args.iter().position(|a| a == "--");
    for (i, a) in args.iter().enumerate().filter(|(i, _)| Some(*i) != operands) {
        // getopt sees a leading dash as options, none of which sleep has
        // (native: the browser reads "-1" as a bad interval).
        #[cfg(feature = "coreutils-extras")]
        match a.strip_prefix('-').and_then(|o| o.chars().next()).filter(|_| operands.is_none_or(|o| i < o)) {
            Some('-') => return usage("sleep", &format!("unrecognized option '{a}'")),
            Some(c) => return usage("sleep", &format!("invalid option -- '{c}'")),
            None => {}
        }
        let number = a.strip_suffix(['s', 'm', 'h', 'd']).unwrap_or(a);
        match number.parse::<f64>() {
            Ok(v) if v >= 0.0 => secs += v * unit_seconds(a),
            _ => return usage("sleep", &format!("invalid time interval {}", quoted(a))),
        }
    }
    #[cfg(feature = "zfs")]
    shell.machine.pass_time(secs.min(1e12) as u64);
    #[cfg(not(feature = "zfs"))]
    let _ = (shell, secs);
    Output::default()
}

#[cfg(feature = "zfs")]
fn unit_seconds(a: &str) -> f64 {
    match a.as_bytes().last() {
        Some(b'm') => 60.0,
        Some(b'h') => 3600.0,
        Some(b'd') => 86400.0,
        _ => 1.0,
    }
}

#[cfg(not(feature = "zfs"))]
fn unit_seconds(_: &str) -> f64 {
    0.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dirname_and_basename_follow_coreutils() {
        for (path, dir) in [("a", "."), ("/a", "/"), ("a/b/", "a"), ("/", "/"), ("//x", "/"), ("/usr//lib/", "/usr")] {
            assert_eq!(dir_name(path), dir, "{path}");
        }
        for (path, suffix, base) in [("/a/b.txt", ".txt", "b"), ("/z/", "", "z"), ("/", "", "/"), (".txt", ".txt", ".txt")] {
            assert_eq!(base_name(path, suffix), base, "{path}");
        }
    }

    #[test]
    fn cut_lists_are_checked_as_cut_checks_them() {
        assert_eq!(cut_list("1,3-4,6-", "field"), Ok(vec![(1, 1), (3, 4), (6, usize::MAX)]));
        assert_eq!(cut_list("0", "field"), Err("fields are numbered from 1".into()));
        assert_eq!(cut_list("3-1", "field"), Err("invalid decreasing range".into()));
    }
}

/// The most `cmp` reads of one file (the lab's images are sparse, but a
/// comparison reads every byte).
const CMP_LIMIT_BYTES: u64 = 4 << 30;
const CMP_STEP_BYTES: u64 = 1 << 20;

/// One side of a `cmp`: bytes read already, or a file read piece by piece.
enum CmpSource {
    Bytes(Vec<u8>),
    File { path: String, size: u64 },
    Device { dev: crate::core::device::DevId, size: u64 },
}

impl CmpSource {
    fn open(shell: &mut Shell, name: &str, stdin: Option<&Input>) -> Result<CmpSource, String> {
        if name == "-" {
            return Ok(CmpSource::Bytes(stdin.map(|i| i.bytes(STREAM_LIMIT_BYTES as usize)).unwrap_or_default()));
        }
        let path = shell.abs(name);
        if let Some(dev) = path.strip_prefix("/dev/").and_then(|_| shell.machine.resolve(&path)) {
            return Ok(CmpSource::Device { dev, size: shell.machine.size_of(dev) });
        }
        let size = shell.machine.stat_path(&path).ok().filter(|s| !s.stat.is_dir && !path.starts_with("/dev/")).map(|s| s.stat.size);
        match size {
            Some(size) if size > CMP_LIMIT_BYTES => Err(format!("cmp: {}: the lab compares at most 4 GiB\n", printable(name))),
            Some(size) if size > CMP_STEP_BYTES => Ok(CmpSource::File { path, size }),
            _ => super::builtins::read_path(shell, "cmp", name, CMP_LIMIT_BYTES).map(|(b, _)| CmpSource::Bytes(b)),
        }
    }

    fn len(&self) -> u64 {
        match self {
            CmpSource::Bytes(b) => b.len() as u64,
            CmpSource::File { size, .. } | CmpSource::Device { size, .. } => *size,
        }
    }

    fn read(&self, shell: &Shell, at: u64, n: u64) -> Vec<u8> {
        match self {
            CmpSource::Bytes(b) => b.get(at.min(b.len() as u64) as usize..).unwrap_or_default().iter().take(n as usize).copied().collect(),
            CmpSource::File { path, .. } => shell.machine.read_file(path, at, n).unwrap_or_default(),
            CmpSource::Device { dev, .. } => shell.machine.read_at(*dev, at, n).unwrap_or_default(),
        }
    }
}

/// What `cmp` prints of a byte with `-b`: `^A`, `M-^?`, `x`.
fn cmp_char(b: u8) -> String {
    let (meta, c) = if b >= 128 { ("M-", b - 128) } else { ("", b) };
    match c {
        0..=31 => format!("{meta}^{}", char::from(c + 64)),
        127 => format!("{meta}^?"),
        _ => format!("{meta}{}", char::from(c)),
    }
}

/// `cmp [-b] [-l] [-s] [-n LIMIT] FILE1 [FILE2 [SKIP1 [SKIP2]]]`: the first
/// differing byte and its line, or with `-l` every differing byte (octal).
/// Status 0 same, 1 different, 2 trouble.
fn cmp(shell: &mut Shell, args: &[String], stdin: Option<&Input>) -> Output {
    let trouble = |m: &str| Output::error(format!("cmp: {m}\ncmp: Try 'cmp --help' for more information.\n"), 2);
    let (mut bytes, mut list, mut silent, mut limit) = (false, false, false, u64::MAX);
    let mut operands: Vec<&String> = Vec::new();
    let mut skips = [0u64; 2];
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--" => operands.extend(it.by_ref()),
            "--print-bytes" => bytes = true,
            "--verbose" => list = true,
            "--quiet" | "--silent" => silent = true,
            s if s.starts_with("--bytes=") => match s[8..].parse() {
                Ok(n) => limit = n,
                Err(_) => return trouble(&format!("invalid --bytes value '{}'", &s[8..])),
            },
            s if s.starts_with("--ignore-initial=") || s.starts_with("-i") => {
                let v = match s.strip_prefix("--ignore-initial=").or(s.strip_prefix("-i")).filter(|v| !v.is_empty()) {
                    Some(v) => v.to_string(),
                    None => it.next().cloned().unwrap_or_default(),
                };
                let (a, b) = v.split_once(':').unwrap_or((&v, &v));
                match (a.parse(), b.parse()) {
                    (Ok(a), Ok(b)) => skips = [a, b],
                    _ => return trouble(&format!("invalid --ignore-initial value '{}'", printable(&v))),
                }
            }
            s if s.starts_with("--") => return trouble(&format!("unrecognized option '{}'", printable(s))),
            s if s.starts_with('-') && s.len() > 1 => {
                for (i, c) in s.char_indices().skip(1) {
                    match c {
                        'b' => bytes = true,
                        'l' => list = true,
                        's' => silent = true,
                        'n' => {
                            let v = if s.len() > i + 1 { s[i + 1..].to_string() } else { it.next().cloned().unwrap_or_default() };
                            match v.parse() {
                                Ok(n) => limit = n,
                                Err(_) => return trouble(&format!("invalid --bytes value '{v}'")),
                            }
                            break;
                        }
                        c => return trouble(&format!("invalid option -- '{c}'")),
                    }
                }
            }
            _ => operands.push(a),
        }
    }
    let Some(first) = operands.first() else { return trouble("missing operand after 'cmp'") };
    if let Some(extra) = operands.get(4) {
        return trouble(&format!("extra operand '{}'", printable(extra)));
    }
    for (i, s) in operands.iter().skip(2).enumerate() {
        match s.parse() {
            Ok(n) => skips[i] = n,
            Err(_) => return trouble(&format!("invalid --ignore-initial value '{}'", printable(s))),
        }
    }
    let dash = String::from("-");
    let names = [first.as_str(), operands.get(1).map_or(dash.as_str(), |s| s.as_str())];
    let mut sources = Vec::new();
    for name in names {
        match CmpSource::open(shell, name, stdin) {
            Ok(s) => sources.push(s),
            Err(e) => return Output::error(e, 2),
        }
    }
    let lens = [sources[0].len().saturating_sub(skips[0]), sources[1].len().saturating_sub(skips[1])];
    let span = lens[0].min(lens[1]).min(limit);
    let width = span.max(1).to_string().len();
    let mut out = Output::default();
    let (mut at, mut newlines, mut last) = (0u64, 0u64, 0u8);
    while at < span {
        let n = CMP_STEP_BYTES.min(span - at);
        let (a, b) = (sources[0].read(shell, skips[0] + at, n), sources[1].read(shell, skips[1] + at, n));
        for (i, (x, y)) in a.iter().zip(&b).enumerate() {
            if x != y {
                out.exit_status = 1;
                let byte = at + i as u64 + 1;
                if silent {
                    return out;
                }
                if !list {
                    let line = newlines + a[..i].iter().filter(|c| **c == b'\n').count() as u64 + 1;
                    let shown = if bytes { format!(" is {x:3o} {} {y:3o} {}", cmp_char(*x), cmp_char(*y)) } else { String::new() };
                    out.text = format!("{} {} differ: byte {byte}, line {line}{shown}\n", names[0], names[1]);
                    return out;
                }
                out.text.push_str(&if bytes { format!("{byte:>width$} {x:3o} {:<4} {y:3o} {}\n", cmp_char(*x), cmp_char(*y)) } else { format!("{byte:>width$} {x:3o} {y:3o}\n") });
            }
        }
        newlines += a.iter().filter(|c| **c == b'\n').count() as u64;
        last = a.last().copied().unwrap_or(last);
        at += n;
    }
    if lens[0] != lens[1] && span < limit && !silent {
        let short = names[usize::from(lens[1] < lens[0])];
        let where_ = match (span, list) {
            (0, _) => " which is empty".to_string(),
            (_, true) => format!(" after byte {span}"),
            (_, false) if last == b'\n' => format!(" after byte {span}, line {newlines}"),
            (_, false) => format!(" after byte {span}, in line {}", newlines + 1),
        };
        out.err = format!("cmp: EOF on {short}{where_}\n");
    }
    if lens[0] != lens[1] && span < limit {
        out.exit_status = 1;
    }
    out
}
