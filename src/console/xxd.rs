//! `xxd` (vim's, 2022-01-14), printing byte for byte what the real tool
//! prints for a device or file, through hexdump's [`Source`]s. Native only
//! (feature `xxd`): the browser has `hexdump -C` for the same bytes.
//!
//! Modelled: its own option parser (prefixes such as `-len`, no combined
//! flags), `-a -b -c -d -e -g -l -o -p -s -u -v`, seeking from the end and
//! its exit codes. Simplified: `-i`, `-r`, `-E` and output files get a
//! message of ours.

use super::cnum::{c_strtol, c_strtoul};
use super::hexdump::*;
use super::Output;

/// `xxd -p -c 0` writes one endless line, so its cap counts bytes.
const MAX_PLAIN_BYTES: u64 = 30 * MAX_LINES as u64;

#[derive(Clone, Copy, PartialEq, Eq)]
enum XxdMode {
    Hex,
    Bits,
    LittleEndian,
    Plain,
}

struct XxdSeek {
    relative: bool,
    from_end: bool,
    value: i64,
}

struct XxdOptions {
    mode: XxdMode,
    autoskip: bool,
    upper: bool,
    decimal: bool,
    cols: Option<i32>,
    group: Option<i32>,
    seek: Option<XxdSeek>,
    length: i64,
    display_offset: u64,
    unsupported: Option<char>,
    files: Vec<String>,
}

const XXD_USAGE: &str = "Usage:
       xxd [options] [infile [outfile]]
    or
       xxd -r [-s [-]offset] [-c cols] [-ps] [infile [outfile]]
Options:
    -a          toggle autoskip: A single '*' replaces nul-lines. Default off.
    -b          binary digit dump (incompatible with -ps,-i,-r). Default hex.
    -C          capitalize variable names in C include file style (-i).
    -c cols     format <cols> octets per line. Default 16 (-i: 12, -ps: 30).
    -E          show characters in EBCDIC. Default ASCII.
    -e          little-endian dump (incompatible with -ps,-i,-r).
    -g bytes    number of octets per group in normal output. Default 2 (-e: 4).
    -h          print this summary.
    -i          output in C include file style.
    -l len      stop after <len> octets.
    -n name     set the variable name used in C include output (-i).
    -o off      add <off> to the displayed file position.
    -ps         output in postscript plain hexdump style.
    -r          reverse operation: convert (or patch) hexdump into binary.
    -r -s off   revert with <off> added to file positions found in hexdump.
    -d          show offset in decimal instead of hex.
    -s [+][-]seek  start at <seek> bytes abs. (or +: rel.) infile offset.
    -u          use upper case hex letters.
    -v          show version: \"xxd 2022-01-14 by Juergen Weigert et al.\".
";

fn xxd_usage() -> Output {
    failed(XXD_USAGE, 1)
}

/// `xxd ARGS...`: `open` maps a path argument to its source, or to the error
/// text the tool would print for it (e.g. "No such file or directory").
pub fn xxd<'a>(args: &[String], open: &Open<'_, 'a>) -> Output {
    let opts = match xxd_options(args) {
        Ok(opts) => opts,
        Err(exit) => return exit,
    };
    let (source, kind): (Box<dyn Source + 'a>, Kind) = match opts.files.first().filter(|f| *f != "-") {
        None => (stdin(open), Kind::Pipe),
        Some(path) => match open(path) {
            Ok(source) => (source, kind_of(path)),
            Err(msg) => return failed(format!("xxd: {path}: {msg}\n"), 2),
        },
    };
    if let Some(out) = opts.files.get(1).filter(|f| *f != "-") {
        return failed(format!("xxd: {out}: writing files is not supported by Storage Lab\n"), 3);
    }
    let Some((pos, seek_offset)) = xxd_start(opts.seek.as_ref(), source.size(), kind) else {
        return failed("xxd: Sorry, cannot seek.\n", 4);
    };
    let mut reader = Reader::new(source, pos);
    let mut io = Streams::new("xxd");
    let base = (seek_offset as u64).wrapping_add(opts.display_offset);
    match opts.mode {
        XxdMode::Plain => plain_dump(&opts, &mut reader, &mut io),
        _ => line_dump(&opts, base, &mut reader, &mut io),
    }
    io.finish(0)
}

/// xxd reads its arguments one by one, matching only the first two characters
/// (`-len` is `-l`, `--cols` is `-c`); flags do not combine, and it stops at the
/// first argument that is not an option.
fn xxd_options(args: &[String]) -> Result<XxdOptions, Output> {
    let mut o = XxdOptions {
        mode: XxdMode::Hex,
        autoskip: false,
        upper: false,
        decimal: false,
        cols: None,
        group: None,
        seek: None,
        length: -1,
        display_offset: 0,
        unsupported: None,
        files: Vec::new(),
    };
    let mut i = 0;
    while let Some(arg) = args.get(i) {
        let pp = if arg.starts_with("--") && arg.len() > 2 { &arg[1..] } else { arg.as_str() };
        if pp == "--" {
            i += 1;
            break;
        }
        if !(pp.len() > 1 && pp.starts_with('-')) {
            break;
        }
        xxd_option(pp, args, &mut i, &mut o)?;
        i += 1;
    }
    o.files = args[i..].to_vec();
    xxd_check(o)
}

fn xxd_option(pp: &str, args: &[String], i: &mut usize, o: &mut XxdOptions) -> Result<(), Output> {
    let Some(letter) = pp[1..].chars().next().filter(|c| c.is_ascii()) else {
        return Err(xxd_usage());
    };
    let rest = &pp[2..];
    match letter {
        'a' => o.autoskip = !o.autoskip,
        'b' => o.mode = XxdMode::Bits,
        'e' => o.mode = XxdMode::LittleEndian,
        'u' => o.upper = true,
        'p' => o.mode = XxdMode::Plain,
        'd' => o.decimal = true,
        'C' => {}
        'i' | 'r' | 'E' => {
            o.unsupported.get_or_insert(letter);
        }
        'v' => return Err(failed("xxd 2022-01-14 by Juergen Weigert et al.\n", 0)),
        'c' if rest.starts_with("apitalize") => {}
        'c' => o.cols = Some(c_strtol(option_value(rest, &["ols"], args, i)?) as i32),
        'g' => o.group = Some(c_strtol(option_value(rest, &["roup"], args, i)?) as i32),
        'l' => o.length = c_strtol(option_value(rest, &["en"], args, i)?),
        'n' => {
            option_value(rest, &["ame"], args, i)?;
        }
        'o' => o.display_offset = display_offset(rest, &["ffset"], args, i)?,
        's' => o.seek = Some(seek_option(option_value(rest, &["kip", "eek"], args, i)?)),
        _ => return Err(xxd_usage()),
    }
    Ok(())
}

/// The value of an option written as `-xVALUE`, or as the next argument when
/// the option is `-x` alone or one of its long spellings.
fn option_value<'s>(rest: &'s str, long: &[&str], args: &'s [String], i: &mut usize) -> Result<&'s str, Output> {
    if !rest.is_empty() && !long.iter().any(|tail| rest.starts_with(tail)) {
        return Ok(rest);
    }
    *i += 1;
    args.get(*i).map(String::as_str).ok_or_else(xxd_usage)
}

/// `-o`: when written separately, a leading `-` means "subtract".
fn display_offset(rest: &str, long: &[&str], args: &[String], i: &mut usize) -> Result<u64, Output> {
    let attached = !rest.is_empty() && !long.iter().any(|tail| rest.starts_with(tail));
    let value = option_value(rest, long, args, i)?;
    if attached {
        return Ok(c_strtoul(value));
    }
    let value = value.strip_prefix('+').unwrap_or(value);
    Ok(match value.strip_prefix('-') {
        Some(negated) => c_strtoul(negated).wrapping_neg(),
        None => c_strtoul(value),
    })
}

fn seek_option(value: &str) -> XxdSeek {
    let relative = value.starts_with('+');
    let value = &value[relative as usize..];
    let from_end = value.starts_with('-');
    XxdSeek { relative, from_end, value: c_strtol(&value[from_end as usize..]) }
}

/// xxd's checks after parsing, in its order, and the per-mode defaults.
fn xxd_check(mut o: XxdOptions) -> Result<XxdOptions, Output> {
    let default_cols = match o.mode {
        XxdMode::Plain => 30,
        XxdMode::Bits => 6,
        _ => 16,
    };
    let cols = match o.cols {
        Some(0) if o.mode != XxdMode::Plain => default_cols,
        Some(cols) => cols,
        None => default_cols,
    };
    if cols < 0 || (o.mode != XxdMode::Plain && cols > 256) {
        return Err(failed("xxd: invalid number of columns (max. 256).\n", 1));
    }
    let default_group = match o.mode {
        XxdMode::Bits => 1,
        XxdMode::Hex => 2,
        XxdMode::LittleEndian => 4,
        XxdMode::Plain => 0,
    };
    let group = o.group.unwrap_or(default_group);
    let group = if group < 1 || group > cols {
        cols
    } else if o.mode == XxdMode::LittleEndian && group & (group - 1) != 0 {
        return Err(failed("xxd: number of octets per group must be a power of 2 with -e.\n", 1));
    } else {
        group
    };
    if o.files.len() > 2 {
        return Err(xxd_usage());
    }
    if let Some(flag) = o.unsupported {
        return Err(failed(format!("xxd: -{flag} is not supported by Storage Lab\n"), 1));
    }
    (o.cols, o.group) = (Some(cols), Some(group));
    Ok(o)
}

/// Where xxd starts reading and the offset it shows for that position, or
/// `None` for "Sorry, cannot seek.". xxd first tries fseek(). If that fails, it
/// reads its way forward, which fails at the end of the input, and it never does
/// this for a seek from the end.
fn xxd_start(seek: Option<&XxdSeek>, size: u64, kind: Kind) -> Option<(u64, i64)> {
    let Some(s) = seek else { return Some((0, 0)) };
    if s.relative && !s.from_end && s.value == 0 {
        return Some((0, 0));
    }
    let delta = if s.from_end { -(s.value as i128) } else { s.value as i128 };
    let target = if s.from_end && !s.relative { size as i128 + delta } else { delta };
    let seekable = match kind {
        Kind::Pipe => false,
        Kind::Regular => target >= 0,
        Kind::Device => (0..=size as i128).contains(&target),
    };
    if seekable {
        return Some((target as u64, target as i64));
    }
    let forward = !s.from_end && s.value >= 0 && s.value as u64 <= size;
    forward.then_some((s.value as u64, s.value))
}

/// How one xxd line is laid out: the offset, `cols` bytes in groups of `group`,
/// then the text column.
struct XxdLine {
    cols: usize,
    group: usize,
    bits: bool,
    little_endian: bool,
    decimal: bool,
    digits: &'static [u8; 16],
}

impl XxdLine {
    fn new(o: &XxdOptions) -> XxdLine {
        XxdLine {
            cols: o.cols.unwrap_or(16) as usize,
            group: o.group.unwrap_or(2) as usize,
            bits: o.mode == XxdMode::Bits,
            little_endian: o.mode == XxdMode::LittleEndian,
            decimal: o.decimal,
            digits: hex_digits(o.upper),
        }
    }

    /// The line for `bytes` at `offset`, placed by column arithmetic the way
    /// xxd fills its line buffer. So `-e` with a group wider than the line
    /// overwrites text, as the real tool does.
    fn render(&self, offset: u64, bytes: &[u8]) -> String {
        let addr = if self.decimal { format!("{:08}:", offset as i64) } else { format!("{offset:08x}:") };
        let group_chars = if self.bits { 8 * self.group + 1 } else { 2 * self.group + 1 };
        let text_col = addr.len() + 3 + (group_chars * self.cols - 1) / self.group;
        let widest = (self.cols - 1) | (self.group - 1);
        let width = (text_col + self.cols).max(addr.len() + 10 + group_chars * widest / self.group);
        let mut line = vec![b' '; width];
        line[..addr.len()].copy_from_slice(addr.as_bytes());
        for (p, &byte) in bytes.iter().enumerate() {
            let x = if self.little_endian { p ^ (self.group - 1) } else { p };
            let col = addr.len() + 1 + group_chars * x / self.group;
            if self.bits {
                for bit in 0..8 {
                    line[col + bit] = if byte & (0x80 >> bit) != 0 { b'1' } else { b'0' };
                }
            } else {
                line[col] = self.digits[(byte >> 4) as usize];
                line[col + 1] = self.digits[(byte & 15) as usize];
            }
            line[text_col + p] = printable(byte) as u8;
        }
        line.truncate(text_col + bytes.len());
        String::from_utf8_lossy(&line).into_owned()
    }
}

fn hex_digits(upper: bool) -> &'static [u8; 16] {
    if upper {
        b"0123456789ABCDEF"
    } else {
        b"0123456789abcdef"
    }
}

/// xxd -a: a run of all-zero full lines prints its first line, then either its
/// second line (a run of two) or `*` (a longer run) before the next line that
/// prints. At the very end of the dump the run's last line is shown as well.
struct Autoskip {
    on: bool,
    run: u64,
    second: String,
    last: String,
}

impl Autoskip {
    fn full(&mut self, line: String, zero: bool, io: &mut Streams) {
        if !self.on || !zero {
            return self.flush_then(&line, io);
        }
        self.run += 1;
        match self.run {
            1 => {
                io.line(&line);
            }
            2 => self.second.clone_from(&line),
            _ => {}
        }
        self.last = line;
    }

    /// A line that is not skipped: first whatever the zero run still owes.
    fn flush_then(&mut self, line: &str, io: &mut Streams) {
        match self.run {
            0 | 1 => {}
            2 => {
                io.line(&self.second);
            }
            _ => {
                io.line("*");
            }
        }
        self.run = 0;
        io.line(line);
    }

    fn finish(&mut self, io: &mut Streams) {
        if !self.on || self.run < 2 {
            return;
        }
        match self.run {
            2 => {}
            3 => {
                io.line(&self.second);
            }
            _ => {
                io.line("*");
            }
        }
        io.line(&self.last);
    }
}

fn line_dump(o: &XxdOptions, base: u64, reader: &mut Reader, io: &mut Streams) {
    let layout = XxdLine::new(o);
    let cols = layout.cols as u64;
    let mut autoskip = Autoskip { on: o.autoskip, run: 0, second: String::new(), last: String::new() };
    let limit = u64::try_from(o.length).ok();
    let (mut n, mut bytes, zeros) = (0u64, vec![0u8; layout.cols], vec![0u8; layout.cols]);
    while !io.is_cut() {
        let left = limit.map_or(u64::MAX, |l| l.saturating_sub(n));
        if autoskip.on && autoskip.run >= 2 {
            let lines = reader.zeros_ahead().min(left) / cols;
            if lines > 0 {
                reader.skip(lines * cols);
                n += lines * cols;
                autoskip.run += lines;
                autoskip.last = layout.render(base.wrapping_add(n - cols), &zeros);
                continue;
            }
        }
        let want = left.min(cols) as usize;
        let got = reader.read(&mut bytes[..want]);
        if got == 0 {
            break;
        }
        let line = layout.render(base.wrapping_add(n), &bytes[..got]);
        n += got as u64;
        if got < layout.cols {
            autoskip.flush_then(&line, io);
            return;
        }
        autoskip.full(line, bytes.iter().all(|&b| b == 0), io);
    }
    autoskip.finish(io);
}

/// `-p`: bare hex, `cols` bytes a line. With `-c 0` it is one line, which ends
/// with a newline even when it is empty.
fn plain_dump(o: &XxdOptions, reader: &mut Reader, io: &mut Streams) {
    let cols = o.cols.unwrap_or(30) as usize;
    let digits = hex_digits(o.upper);
    let mut left = u64::try_from(o.length).unwrap_or(u64::MAX);
    let capped = cols == 0 && left.min(reader.end - reader.pos) > MAX_PLAIN_BYTES;
    if capped {
        left = MAX_PLAIN_BYTES;
    }
    let (mut line, mut in_line) = (String::new(), 0usize);
    let mut buf = vec![0u8; 4096];
    while left > 0 && !io.is_cut() {
        let got = reader.read(&mut buf[..left.min(4096) as usize]);
        if got == 0 {
            break;
        }
        left -= got as u64;
        for &b in &buf[..got] {
            line.push(digits[(b >> 4) as usize] as char);
            line.push(digits[(b & 15) as usize] as char);
            in_line += 1;
            if in_line == cols {
                io.line(&line);
                (line, in_line) = (String::new(), 0);
            }
        }
    }
    if cols == 0 || in_line > 0 {
        io.line(&line);
    }
    if capped {
        io.cut = Some(format!("xxd: output truncated after {MAX_PLAIN_BYTES} bytes by Storage Lab"));
    }
}
