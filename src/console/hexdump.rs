//! `hexdump` and `hd` (util-linux 2.38.1), printing byte for byte what the
//! real tools print for a device or file; `xxd` (module `xxd`) reads through
//! the same sources.
//!
//! Both tools read through [`Source`]. A dump of a huge, mostly empty device
//! jumps over the zeros that `Source::data_ranges` reports, and prints the same
//! `*` lines the real tool would print after reading them. Output stops after
//! 10,000 lines, and one line of ours says so.
//!
//! Modelled for hexdump: the `-C`, `-b`, `-c`, `-d`, `-o`, `-x` and default
//! layouts; `hd` always adds `-C` first, so `hd -C` prints each line twice, as
//! 2.38.1 does. Also `-s`/`-n` with util-linux size suffixes, `-v`, several
//! files read as one stream, and GNU getopt_long parsing with its messages.
//! Standard input is whatever `open("/dev/stdin")` gives, and reads as an
//! empty pipe when that fails.
//!
//! Simplified: a path under `/dev/` seeks like a block device (seeking past its
//! end fails), `/dev/stdin` like a pipe, and any other path like a regular file.
//! stderr is kept apart from stdout, so the few messages that the real tools
//! print in the middle of a dump (a later file that fails to open) come before
//! it. hexdump's `-e`/`-f` format strings get a message of ours. Colours (`-L`) are accepted and change nothing,
//! because the built-in layouts have no colour specifiers.

use super::cnum::parse_size;
use super::Output;

/// What a dump reads: the bytes of a device or file of `size` bytes.
pub trait Source {
    fn size(&self) -> u64;
    /// The bytes `offset..offset + len` (the caller keeps the range inside `size`).
    fn read(&self, offset: u64, len: u64) -> Vec<u8>;
    /// Offsets where non-zero data may start, so that dumps of huge sparse devices can
    /// skip long runs of zeros quickly: the written ranges in `offset..offset+len`,
    /// sorted, as (start, len); everything else reads as zeros.
    fn data_ranges(&self, offset: u64, len: u64) -> Vec<(u64, u64)>;
}

/// The function that opens a path argument for reading. The `'a` lifetime lets
/// a source borrow the machine.
pub type Open<'o, 'a> = dyn Fn(&str) -> Result<Box<dyn Source + 'a>, String> + 'o;

/// Most lines a dump prints. An unsqueezed dump of a big device would otherwise
/// be gigabytes of text.
pub(super) const MAX_LINES: usize = 10_000;
/// How much a dump asks its source for at a time.
const READ_CHUNK: u64 = 64 * 1024;

/// Text on standard output.
pub(super) fn printed(text: impl Into<String>, exit_status: i32) -> Output {
    Output { text: text.into(), exit_status, ..Output::default() }
}

/// Text on standard error.
pub(super) fn failed(err: impl Into<String>, exit_status: i32) -> Output {
    Output { err: err.into(), exit_status, ..Output::default() }
}

// ---------------------------------------------------------------- output --

/// What a tool prints: stdout, capped at `MAX_LINES` lines, and stderr.
pub(super) struct Streams {
    pub(super) out: String,
    pub(super) err: String,
    pub(super) lines: usize,
    pub(super) tool: String,
    pub(super) cut: Option<String>,
}

impl Streams {
    pub(super) fn new(tool: &str) -> Streams {
        Streams { out: String::new(), err: String::new(), lines: 0, tool: tool.to_string(), cut: None }
    }

    pub(super) fn err(&mut self, line: &str) {
        self.err.push_str(line);
        self.err.push('\n');
    }

    /// Prints one stdout line. Returns false once the line cap is reached.
    pub(super) fn line(&mut self, line: &str) -> bool {
        if self.cut.is_some() {
            return false;
        }
        if self.lines == MAX_LINES {
            self.cut = Some(format!("{}: output truncated after {MAX_LINES} lines by Storage Lab", self.tool));
            return false;
        }
        self.lines += 1;
        self.out.push_str(line);
        self.out.push('\n');
        true
    }

    pub(super) fn is_cut(&self) -> bool {
        self.cut.is_some()
    }

    /// The output, with our note about a cut at the end of stdout, where the
    /// missing lines would have been.
    pub(super) fn finish(mut self, exit_status: i32) -> Output {
        if let Some(note) = self.cut.take() {
            self.out.push_str(&note);
            self.out.push('\n');
        }
        Output { text: self.out, err: self.err, exit_status, ..Output::default() }
    }
}

/// The C locale's `isprint`: only ASCII 0x20..0x7e are shown as themselves.
pub(super) fn printable(b: u8) -> char {
    if (0x20..0x7f).contains(&b) {
        b as char
    } else {
        '.'
    }
}

// ---------------------------------------------------------------- reading --

/// Standard input when nothing is piped in: an empty pipe.
struct NoInput;

impl Source for NoInput {
    fn size(&self) -> u64 {
        0
    }
    fn read(&self, _offset: u64, _len: u64) -> Vec<u8> {
        Vec::new()
    }
    fn data_ranges(&self, _offset: u64, _len: u64) -> Vec<(u64, u64)> {
        Vec::new()
    }
}

/// How seeking behaves on a path: a block device refuses to go past its end,
/// a regular file does not, a pipe cannot seek at all.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
    Device,
    Regular,
    Pipe,
}

pub(super) fn kind_of(path: &str) -> Kind {
    if path == "/dev/stdin" {
        Kind::Pipe
    } else if path.starts_with("/dev/") {
        Kind::Device
    } else {
        Kind::Regular
    }
}

/// Standard input, which the console hands over as the source of
/// `/dev/stdin`, the path under which Linux shows it too.
pub(super) fn stdin<'a>(open: &Open<'_, 'a>) -> Box<dyn Source + 'a> {
    open("/dev/stdin").unwrap_or_else(|_| Box::new(NoInput))
}

/// One open source read forward from `pos`, in chunks, and knowing where
/// its unwritten (zero) stretches are.
pub(super) struct Reader<'a> {
    pub(super) source: Box<dyn Source + 'a>,
    pub(super) pos: u64,
    pub(super) end: u64,
    pub(super) ranges: Vec<(u64, u64)>,
    pub(super) next_range: usize,
    pub(super) cache: Vec<u8>,
    pub(super) cache_start: u64,
}

impl<'a> Reader<'a> {
    pub(super) fn new(source: Box<dyn Source + 'a>, pos: u64) -> Reader<'a> {
        let end = source.size();
        let pos = pos.min(end);
        let ranges = source.data_ranges(pos, end - pos);
        Reader { source, pos, end, ranges, next_range: 0, cache: Vec::new(), cache_start: 0 }
    }

    /// Copies bytes into `out` until it is full or the source ends; returns the count.
    pub(super) fn read(&mut self, out: &mut [u8]) -> usize {
        let mut done = 0;
        while done < out.len() && self.pos < self.end {
            let offset = self.pos.wrapping_sub(self.cache_start);
            if self.pos < self.cache_start || offset >= self.cache.len() as u64 {
                self.refill();
                continue;
            }
            let cached = &self.cache[offset as usize..];
            let n = cached.len().min(out.len() - done);
            out[done..done + n].copy_from_slice(&cached[..n]);
            done += n;
            self.pos += n as u64;
        }
        done
    }

    pub(super) fn refill(&mut self) {
        let len = READ_CHUNK.min(self.end - self.pos);
        self.cache = self.source.read(self.pos, len);
        self.cache.resize(len as usize, 0);
        self.cache_start = self.pos;
    }

    /// How many bytes from here are sure to read as zeros.
    pub(super) fn zeros_ahead(&mut self) -> u64 {
        while let Some(&(start, len)) = self.ranges.get(self.next_range) {
            if start.saturating_add(len) > self.pos {
                return start.saturating_sub(self.pos).min(self.end - self.pos);
            }
            self.next_range += 1;
        }
        self.end - self.pos
    }

    pub(super) fn skip(&mut self, n: u64) {
        self.pos = (self.pos + n).min(self.end);
    }
}

// ---------------------------------------------------------------- getopt --

#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Arg {
    None,
    Required,
    Optional,
}

/// GNU getopt_long with argument permutation: options may follow file names,
/// short options combine (`-Cv`, `-n16`), long options may be abbreviated.
/// The options are written as getopt's own strings.
pub(super) struct Getopt<'s> {
    args: &'s [String],
    index: usize,
    /// Byte offset of the next short option inside `args[index]`, or 0.
    cluster: usize,
    pub(super) operands: Vec<String>,
    /// getopt's optstring: `x` takes no value, `x:` one, `x::` an optional one.
    shorts: &'static str,
    /// `name=x,...` in getopt_long's order: `--name` is `-x` (which may be a
    /// letter of its own, outside `shorts`'s options).
    longs: &'static str,
}

type Parsed = Result<(char, Option<String>), String>;

impl<'s> Getopt<'s> {
    /// Short options only (qemu-io's commands).
    pub(super) fn short_only(args: &'s [String], shorts: &'static str) -> Getopt<'s> {
        Getopt::new(args, shorts, "")
    }

    pub(super) fn new(args: &'s [String], shorts: &'static str, longs: &'static str) -> Getopt<'s> {
        Getopt { args, index: 0, cluster: 0, operands: Vec::new(), shorts, longs }
    }

    pub(super) fn next(&mut self, prog: &str) -> Option<Parsed> {
        loop {
            if self.cluster > 0 {
                return Some(self.short(prog));
            }
            let arg = self.args.get(self.index)?;
            self.index += 1;
            if arg == "--" {
                self.operands.extend(self.args[self.index..].iter().cloned());
                self.index = self.args.len();
            } else if let Some(long) = arg.strip_prefix("--") {
                return Some(self.long(prog, long));
            } else if arg.len() > 1 && arg.starts_with('-') {
                self.index -= 1;
                self.cluster = 1;
            } else {
                self.operands.push(arg.clone());
            }
        }
    }

    fn short(&mut self, prog: &str) -> Parsed {
        let arg = &self.args[self.index];
        let c = arg[self.cluster..].chars().next().unwrap_or('-');
        self.cluster += c.len_utf8();
        let rest = &arg[self.cluster..];
        // An option that takes a value ends its cluster: the rest is the value.
        if rest.is_empty() || self.spec(c) != Some(Arg::None) {
            self.index += 1;
            self.cluster = 0;
        }
        match self.spec(c) {
            None => Err(format!("{prog}: invalid option -- '{c}'")),
            Some(Arg::None) => Ok((c, None)),
            Some(Arg::Optional) => Ok((c, (!rest.is_empty()).then(|| rest.to_string()))),
            Some(Arg::Required) if !rest.is_empty() => Ok((c, Some(rest.to_string()))),
            Some(Arg::Required) => match self.take_next() {
                Some(value) => Ok((c, Some(value))),
                None => Err(format!("{prog}: option requires an argument -- '{c}'")),
            },
        }
    }

    fn spec(&self, c: char) -> Option<Arg> {
        let at = self.shorts.find(c).filter(|_| c != ':')?;
        let colons = self.shorts[at + c.len_utf8()..].chars().take(2).take_while(|&x| x == ':').count();
        Some([Arg::None, Arg::Required, Arg::Optional][colons])
    }

    fn take_next(&mut self) -> Option<String> {
        let value = self.args.get(self.index).cloned();
        self.index += value.is_some() as usize;
        value
    }

    fn long(&mut self, prog: &str, text: &str) -> Parsed {
        let (name, value) = match text.split_once('=') {
            Some((name, value)) => (name, Some(value.to_string())),
            None => (text, None),
        };
        let (long, arg, short) = self.find_long(prog, text, name)?;
        match (arg, value) {
            (Arg::None, Some(_)) => Err(format!("{prog}: option '--{long}' doesn't allow an argument")),
            (Arg::None, None) | (Arg::Optional, None) => Ok((short, None)),
            (_, Some(value)) => Ok((short, Some(value))),
            (Arg::Required, None) => match self.take_next() {
                Some(value) => Ok((short, Some(value))),
                None => Err(format!("{prog}: option '--{long}' requires an argument")),
            },
        }
    }

    fn find_long(&self, prog: &str, text: &str, name: &str) -> Result<(&'static str, Arg, char), String> {
        let longs = self.longs.split(',').filter_map(|l| l.split_once('='));
        let matches: Vec<(&str, &str)> = longs.filter(|(long, _)| long.starts_with(name)).collect();
        let found = match matches.iter().find(|(long, _)| *long == name) {
            Some(&exact) => exact,
            None => match matches.as_slice() {
                [] => return Err(format!("{prog}: unrecognized option '--{text}'")),
                [only] => *only,
                all => {
                    let names: String = all.iter().map(|(long, _)| format!(" '--{long}'")).collect();
                    return Err(format!("{prog}: option '--{text}' is ambiguous; possibilities:{names}"));
                }
            },
        };
        let short = found.1.chars().next().unwrap_or('?');
        Ok((found.0, self.spec(short).unwrap_or(Arg::Required), short))
    }
}

// --------------------------------------------------------------- hexdump --

/// One of hexdump's built-in line layouts (its `-e` format strings).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Layout {
    Canonical,
    OctalBytes,
    Chars,
    DecimalWords,
    OctalWords,
    HexWords,
    Words,
}

struct HexdumpOptions {
    layouts: Vec<Layout>,
    skip: u64,
    length: Option<u64>,
    squeeze: bool,
    files: Vec<String>,
}

const HEXDUMP_SHORT: &str = "bcCde:f:L::n:os:vxhV";

const HEXDUMP_LONG: &str = "one-byte-octal=b,one-byte-char=c,canonical=C,two-bytes-decimal=d,two-bytes-octal=o,\
two-bytes-hex=x,format=e,format-file=f,color=L,length=n,skip=s,no-squeezing=v,help=h,version=V";

/// `hexdump ARGS...` (or `hd`, when `cmd == "hd"`): `open` maps a path argument to its source,
/// or to the error text the tool would print for it (e.g. "No such file or directory").
pub fn hexdump<'a>(cmd: &str, args: &[String], open: &Open<'_, 'a>) -> Output {
    let opts = match hexdump_options(cmd, args) {
        Ok(opts) => opts,
        Err(exit) => return exit,
    };
    let mut io = Streams::new(cmd);
    let mut input = HexInput {
        cmd,
        files: &opts.files,
        next_file: 0,
        open,
        reader: None,
        opened_any: false,
        stdin_taken: false,
        skip: opts.skip,
        length: opts.length,
        address: 0,
        status: 0,
    };
    match dump_blocks(&opts, &mut input, &mut io) {
        Ok(()) => io.finish(input.status),
        Err(fatal) => {
            io.err(&fatal);
            io.finish(1)
        }
    }
}

/// Parses hexdump's options in order, as getopt hands them over; an early exit
/// (an error, `--help`, `--version`) comes back as its output.
fn hexdump_options(cmd: &str, args: &[String]) -> Result<HexdumpOptions, Output> {
    // 2.38.1 adds hd's canonical layout before reading the options.
    let layouts = if cmd == "hd" { vec![Layout::Canonical] } else { Vec::new() };
    let mut opts = HexdumpOptions { layouts, skip: 0, length: None, squeeze: true, files: Vec::new() };
    let mut getopt = Getopt::new(args, HEXDUMP_SHORT, HEXDUMP_LONG);
    while let Some(parsed) = getopt.next(cmd) {
        let (c, value) = parsed.map_err(|e| failed(format!("{e}\nTry '{cmd} --help' for more information.\n"), 1))?;
        let value = value.unwrap_or_default();
        let layout = match c {
            'C' => Layout::Canonical,
            'b' => Layout::OctalBytes,
            'c' => Layout::Chars,
            'd' => Layout::DecimalWords,
            'o' => Layout::OctalWords,
            'x' => Layout::HexWords,
            _ => {
                hexdump_setting(cmd, c, &value, &mut opts)?;
                continue;
            }
        };
        opts.layouts.push(layout);
    }
    opts.files = getopt.operands;
    if opts.layouts.is_empty() {
        opts.layouts.push(Layout::Words);
    }
    Ok(opts)
}

fn hexdump_setting(cmd: &str, c: char, value: &str, opts: &mut HexdumpOptions) -> Result<(), Output> {
    let size = |what: &str| {
        parse_size(value).map_err(|e| failed(format!("{cmd}: failed to parse {what}: '{value}': {e}\n"), 1))
    };
    match c {
        // ssize_t: beyond i64::MAX the real length goes negative; treat it as "no limit".
        'n' => opts.length = Some(size("length")?).filter(|&n| n <= i64::MAX as u64),
        's' => opts.skip = size("offset")?,
        'v' => opts.squeeze = false,
        'L' if value.is_empty() || matches!(value, "auto" | "never" | "always") => {}
        'L' => return Err(failed(format!("{cmd}: unsupported color mode: '{value}'\n"), 1)),
        'e' | 'f' => {
            let msg = format!("{cmd}: format strings (-e, -f) are not supported by Storage Lab\n");
            return Err(failed(msg, 1));
        }
        'h' => return Err(printed(hexdump_usage(cmd), 0)),
        'V' => return Err(printed(format!("{cmd} from util-linux 2.38.1\n"), 0)),
        _ => {}
    }
    Ok(())
}

fn hexdump_usage(cmd: &str) -> String {
    format!(
        "\nUsage:\n {cmd} [options] <file>...\n\n\
         Display file contents in hexadecimal, decimal, octal, or ascii.\n\n\
         Options:\n \
         -b, --one-byte-octal      one-byte octal display\n \
         -c, --one-byte-char       one-byte character display\n \
         -C, --canonical           canonical hex+ASCII display\n \
         -d, --two-bytes-decimal   two-byte decimal display\n \
         -o, --two-bytes-octal     two-byte octal display\n \
         -x, --two-bytes-hex       two-byte hexadecimal display\n \
         -L, --color[=<mode>]      interpret color formatting specifiers\n                             \
         colors are enabled by default\n \
         -e, --format <format>     format string to be used for displaying data\n \
         -f, --format-file <file>  file that contains format strings\n \
         -n, --length <length>     interpret only length bytes of input\n \
         -s, --skip <offset>       skip offset bytes from the beginning\n \
         -v, --no-squeezing        output identical lines\n\n\
         {:<27}display this help\n{:<27}display version\n\n\
         Arguments:\n \
         <length> and <offset> arguments may be followed by the suffixes for\n   \
         GiB, TiB, PiB, EiB, ZiB, and YiB (the \"iB\" is optional)\n\n\
         For more details see hexdump(1).\n",
        " -h, --help", " -V, --version"
    )
}

/// The files hexdump reads, as one stream: opened lazily, skipped into
/// (`-s`), and cut at `-n`.
struct HexInput<'o, 'a> {
    cmd: &'o str,
    files: &'o [String],
    next_file: usize,
    open: &'o Open<'o, 'a>,
    reader: Option<Reader<'a>>,
    opened_any: bool,
    stdin_taken: bool,
    skip: u64,
    length: Option<u64>,
    /// The stream offset that the next block starts at, `-s` included.
    address: u64,
    status: i32,
}

enum NextFile {
    Opened,
    Exhausted,
    AllFailed,
}

impl<'o, 'a> HexInput<'o, 'a> {
    /// Reads the next 16-byte block (fewer only at the end). `None` means that
    /// every file failed to open.
    fn fill(&mut self, block: &mut [u8; 16], io: &mut Streams) -> Result<Option<usize>, String> {
        let mut got = 0;
        while got < block.len() && self.length != Some(0) {
            let want = ((block.len() - got) as u64).min(self.length.unwrap_or(u64::MAX)) as usize;
            let n = self.reader.as_mut().map_or(0, |r| r.read(&mut block[got..got + want]));
            if n > 0 {
                got += n;
                self.length = self.length.map(|l| l - n as u64);
                continue;
            }
            match self.open_next(io)? {
                NextFile::Opened => {}
                NextFile::Exhausted => break,
                NextFile::AllFailed => {
                    io.err(&format!("{}: all input file arguments failed", self.cmd));
                    return Ok(None);
                }
            }
        }
        Ok(Some(got))
    }

    /// Opens the next file. A file that fails to open is reported and passed
    /// over. A regular file shorter than what is left of `-s` is skipped whole.
    fn open_next(&mut self, io: &mut Streams) -> Result<NextFile, String> {
        self.reader = None;
        while let Some(path) = self.files.get(self.next_file) {
            self.next_file += 1;
            match (self.open)(path) {
                Ok(source) => {
                    self.opened_any = true;
                    if let Some(reader) = self.skip_into(path, source)? {
                        self.reader = Some(reader);
                        return Ok(NextFile::Opened);
                    }
                }
                Err(msg) => {
                    io.err(&format!("{}: {path}: {msg}", self.cmd));
                    self.status = 1;
                }
            }
        }
        if self.opened_any || self.stdin_taken {
            return Ok(NextFile::Exhausted);
        }
        // With no file left, hexdump falls back to stdin. After failed opens, stdin is closed.
        self.stdin_taken = true;
        let all_failed = !self.files.is_empty();
        match (all_failed, self.skip > 0) {
            (true, true) => Err(format!("{}: stdin: Bad file descriptor", self.cmd)),
            (true, false) => Ok(NextFile::AllFailed),
            (false, true) => Err(format!("{}: stdin: Illegal seek", self.cmd)),
            (false, false) => {
                self.reader = Some(Reader::new(stdin(self.open), 0));
                Ok(NextFile::Opened)
            }
        }
    }

    fn skip_into(&mut self, path: &str, source: Box<dyn Source + 'a>) -> Result<Option<Reader<'a>>, String> {
        let size = source.size();
        if self.skip == 0 {
            return Ok(Some(Reader::new(source, 0)));
        }
        if kind_of(path) == Kind::Pipe {
            return Err(format!("{}: {path}: Illegal seek", self.cmd));
        }
        // off_t: a skip beyond i64::MAX is a negative seek.
        let regular = kind_of(path) == Kind::Regular;
        if regular && self.skip > size && self.skip <= i64::MAX as u64 {
            self.skip -= size;
            self.address += size;
            return Ok(None);
        }
        if self.skip > size {
            return Err(format!("{}: {path}: Invalid argument", self.cmd));
        }
        let pos = std::mem::take(&mut self.skip);
        self.address += pos;
        Ok(Some(Reader::new(source, pos)))
    }

    /// Full blocks from here that are sure to be zeros (within `-n`).
    fn zero_blocks_ahead(&mut self) -> u64 {
        let zeros = self.reader.as_mut().map_or(0, Reader::zeros_ahead);
        zeros.min(self.length.unwrap_or(u64::MAX)) / 16
    }

    fn skip_blocks(&mut self, blocks: u64) {
        let bytes = blocks * 16;
        if let Some(reader) = self.reader.as_mut() {
            reader.skip(bytes);
        }
        self.length = self.length.map(|l| l.saturating_sub(bytes));
        // off_t arithmetic in hexdump; saturating here rather than wrapping.
        self.address = self.address.saturating_add(bytes);
    }
}

/// hexdump's squeezing state: the first block always prints, then a block
/// equal to the last printed one prints a single `*` for its whole run.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Squeeze {
    First,
    Wait,
    Dup,
    Off,
}

fn dump_blocks(opts: &HexdumpOptions, input: &mut HexInput, io: &mut Streams) -> Result<(), String> {
    let mut state = if opts.squeeze { Squeeze::First } else { Squeeze::Off };
    let mut last = [0u8; 16];
    let mut end = None;
    while !io.is_cut() {
        if matches!(state, Squeeze::Wait | Squeeze::Dup) && last == [0; 16] {
            let zeros = input.zero_blocks_ahead();
            if zeros > 0 {
                if state == Squeeze::Wait {
                    io.line("*");
                }
                state = Squeeze::Dup;
                input.skip_blocks(zeros);
                continue;
            }
        }
        let mut block = [0u8; 16];
        let got = match input.fill(&mut block, io)? {
            Some(got) if got > 0 => got,
            _ => break,
        };
        if got < block.len() {
            end = Some(input.address + got as u64);
            print_block(opts, input.address, &block, got, io);
            break;
        }
        if matches!(state, Squeeze::Off | Squeeze::First) || block != last {
            if state != Squeeze::Off {
                state = Squeeze::Wait;
            }
            print_block(opts, input.address, &block, got, io);
            last = block;
        } else {
            if state == Squeeze::Wait {
                io.line("*");
            }
            state = Squeeze::Dup;
        }
        input.address += 16;
    }
    print_end(opts, end.unwrap_or(input.address), end.is_some(), io);
    Ok(())
}

/// The final offset line. It is not printed when nothing was read and nothing
/// was skipped (offset 0).
fn print_end(opts: &HexdumpOptions, end: u64, partial: bool, io: &mut Streams) {
    if io.is_cut() || (!partial && end == 0) {
        return;
    }
    // The last layout given decides the digits: hexdump keeps the last `_A` format.
    let width = if opts.layouts.last() == Some(&Layout::Canonical) { 8 } else { 7 };
    io.line(&format!("{end:0width$x}"));
}

fn print_block(opts: &HexdumpOptions, address: u64, block: &[u8; 16], valid: usize, io: &mut Streams) {
    for &layout in &opts.layouts {
        let line = match layout {
            Layout::Canonical => canonical_line(address, block, valid),
            _ => units_line(layout, address, block, valid),
        };
        if !io.line(&line) {
            return;
        }
    }
}

/// `%08.8_ax`, 16 `%02x` in two halves, then `|ascii|`. The offset has 8 digits
/// or more, so offsets past 4 GiB widen the line (`7d00000000  00 00 ...`).
/// Bytes past the end are blanks in the hex part and absent from the text part.
fn canonical_line(address: u64, block: &[u8; 16], valid: usize) -> String {
    let mut line = format!("{address:08x}  ");
    for (i, b) in block.iter().enumerate() {
        if i < valid {
            line.push_str(&format!("{b:02x}"));
        } else {
            line.push_str("  ");
        }
        line.push_str(match i {
            7 => "  ",
            15 => "  |",
            _ => " ",
        });
    }
    line.extend(block[..valid].iter().map(|&b| printable(b)));
    line.push('|');
    line
}

/// The 7-digit layouts: an offset, then 16 one-byte or 8 two-byte units, each
/// with its fixed prefix. The last unit has no trailing space, and units past
/// the end are blanks of the same width.
fn units_line(layout: Layout, address: u64, block: &[u8; 16], valid: usize) -> String {
    let (size, prefix, width) = match layout {
        Layout::OctalBytes | Layout::Chars => (1, "", 3),
        Layout::DecimalWords => (2, "  ", 5),
        Layout::OctalWords => (2, " ", 6),
        Layout::HexWords => (2, "   ", 4),
        Layout::Words | Layout::Canonical => (2, "", 4),
    };
    let mut line = format!("{address:07x} ");
    for start in (0..block.len()).step_by(size) {
        if start > 0 {
            line.push(' ');
        }
        line.push_str(prefix);
        if start >= valid {
            line.push_str(&" ".repeat(width));
            continue;
        }
        line.push_str(&unit_text(layout, &block[start..start + size]));
    }
    line
}

/// One unit of the 7-digit layouts; two-byte units are little-endian words.
fn unit_text(layout: Layout, unit: &[u8]) -> String {
    let word = || u16::from_le_bytes([unit[0], unit[1]]);
    match layout {
        Layout::OctalBytes => format!("{:03o}", unit[0]),
        Layout::Chars => format!("{:>3}", char_unit(unit[0])),
        Layout::DecimalWords => format!("{:05}", word()),
        Layout::OctalWords => format!("{:06o}", word()),
        _ => format!("{:04x}", word()),
    }
}

/// `-c`: C escapes for the usual control bytes, the character when printable,
/// otherwise three octal digits.
fn char_unit(b: u8) -> String {
    let escaped = match b {
        0 => "\\0",
        7 => "\\a",
        8 => "\\b",
        0x0c => "\\f",
        b'\n' => "\\n",
        b'\r' => "\\r",
        b'\t' => "\\t",
        0x0b => "\\v",
        0x20..=0x7e => return (b as char).to_string(),
        _ => return format!("{b:03o}"),
    };
    escaped.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::Cell;
    use std::collections::BTreeMap;

    /// A sparse device: written runs by offset, zeros elsewhere. It counts
    /// the bytes it hands out, so tests can show that zeros were skipped.
    struct Sparse {
        size: u64,
        runs: BTreeMap<u64, Vec<u8>>,
        bytes_read: Cell<u64>,
    }

    impl Sparse {
        fn new(size: u64, writes: &[(u64, &[u8])]) -> Sparse {
            let runs = writes.iter().map(|&(at, bytes)| (at, bytes.to_vec())).collect();
            Sparse { size, runs, bytes_read: Cell::new(0) }
        }
    }

    /// A borrowed `Sparse`, as the console will hand out views of the machine.
    struct View<'d>(&'d Sparse);

    impl Source for View<'_> {
        fn size(&self) -> u64 {
            self.0.size
        }

        fn read(&self, offset: u64, len: u64) -> Vec<u8> {
            self.0.bytes_read.set(self.0.bytes_read.get() + len);
            let mut out = vec![0u8; len as usize];
            for (&at, bytes) in &self.0.runs {
                let (from, to) = (at.max(offset), (at + bytes.len() as u64).min(offset + len));
                if from < to {
                    let src = &bytes[(from - at) as usize..(to - at) as usize];
                    out[(from - offset) as usize..(to - offset) as usize].copy_from_slice(src);
                }
            }
            out
        }

        fn data_ranges(&self, offset: u64, len: u64) -> Vec<(u64, u64)> {
            let runs = self.0.runs.iter().map(|(&at, bytes)| (at, bytes.len() as u64));
            runs.filter(|&(at, n)| at < offset + len && at + n > offset).collect()
        }
    }

    /// The 16 MiB loop0 of hexdump-xxd.case, after the dd writes of
    /// `case_hexdump_xxd` in tests/fixtures/capture-data.sh.
    fn lab_disk() -> Sparse {
        let ff = [0xffu8; 4096];
        Sparse::new(
            16 << 20,
            &[
                (1000, b"Hello, Storage Lab!\n"),
                (4096, &ff),
                (12288, b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"),
                (12400, b"\x01\x7f\x80\xe2\x82\xac\t\r~ "),
                (16777208, b"The end."),
                (12544, b"x"),
                (12592, b"x"),
                (12624, b"y"),
            ],
        )
    }

    /// Runs one command line with `disk` as /dev/loop0 (or /dev/sdb), a file
    /// `/tmp/small.bin` (40 bytes, the same as at offset 1000 of the disk), and
    /// `stdin` piped in, if any.
    fn run(disk: &Sparse, line: &str, stdin: Option<&[u8]>) -> Output {
        let words: Vec<String> = line.split_whitespace().map(String::from).collect();
        let small = Sparse::new(40, &[(0, b"Hello, Storage Lab!\n")]);
        let piped = stdin.map(|bytes| Sparse::new(bytes.len() as u64, &[(0, bytes)]));
        let open = |path: &str| -> Result<Box<dyn Source + '_>, String> {
            match (path, &piped) {
                ("/dev/loop0" | "/dev/sdb", _) => Ok(Box::new(View(disk))),
                ("/tmp/small.bin", _) => Ok(Box::new(View(&small))),
                ("/dev/stdin", Some(piped)) => Ok(Box::new(View(piped))),
                _ => Err("No such file or directory".to_string()),
            }
        };
        match words[0].as_str() {
            #[cfg(feature = "xxd")]
            "xxd" => super::super::xxd::xxd(&words[1..], &open),
            cmd => hexdump(cmd, &words[1..], &open),
        }
    }

    /// Checks what the prompt shows (stderr, then stdout) and the exit status.
    fn check(disk: &Sparse, step: &Step) {
        let out = run(disk, &step.command, step.stdin.as_deref());
        assert_eq!(out.err + &out.text, step.text, "output of `{}`", step.command);
        assert_eq!(out.exit_status, step.exit_status, "exit status of `{}`", step.command);
    }

    /// One `$ command` of a .case file: its stdin lines, expected output and status.
    struct Step {
        command: String,
        stdin: Option<Vec<u8>>,
        text: String,
        exit_status: i32,
    }

    impl Step {
        fn new(command: &str, text: &str, exit_status: i32) -> Step {
            Step { command: command.to_string(), stdin: None, text: text.to_string(), exit_status }
        }
    }

    fn steps(case: &str) -> Vec<Step> {
        let mut steps: Vec<Step> = Vec::new();
        for line in case.lines() {
            if let Some(command) = line.strip_prefix("$ ") {
                steps.push(Step::new(command, "", 0));
                continue;
            }
            let Some(step) = steps.last_mut() else { continue };
            if let Some(input) = line.strip_prefix("< ").or((line == "<").then_some("")) {
                let stdin = step.stdin.get_or_insert_with(Vec::new);
                stdin.extend_from_slice(input.as_bytes());
                stdin.push(b'\n');
            } else if let Some(text) = line.strip_prefix("> ").or((line == ">").then_some("")) {
                step.text.push_str(text);
                step.text.push('\n');
            } else if line == "%no-eol" {
                step.text.pop();
            } else if let Some(status) = line.strip_prefix("% exit ") {
                step.exit_status = status.parse().unwrap();
            }
        }
        steps
    }

    fn is_dump(command: &str) -> bool {
        ["hexdump", "hd", "xxd"].contains(&command.split_whitespace().next().unwrap_or(""))
    }

    fn replay(case: &str, disk: &Sparse) -> usize {
        let dumps: Vec<Step> = steps(case).into_iter().filter(|s| is_dump(&s.command)).collect();
        for step in &dumps {
            check(disk, step);
        }
        dumps.len()
    }

    #[test]
    fn replays_the_hexdump_xxd_fixture() {
        let case = include_str!("../../tests/fixtures/data/hexdump-xxd.case");
        assert_eq!(replay(case, &lab_disk()), 50);
    }

    /// More behaviours, captured with the same tool versions (Debian 12) and
    /// a 16 MiB image file with `lab_disk()`'s bytes standing in for /dev/loop0
    /// (no step here seeks past its end, where a file and a device differ).
    const MORE_CASES: &str = r#"$ hd -C -s 1000 -n 20 /dev/loop0
> 000003e8  48 65 6c 6c 6f 2c 20 53  74 6f 72 61 67 65 20 4c  |Hello, Storage L|
> 000003e8  48 65 6c 6c 6f 2c 20 53  74 6f 72 61 67 65 20 4c  |Hello, Storage L|
> 000003f8  61 62 21 0a                                       |ab!.|
> 000003f8  61 62 21 0a                                       |ab!.|
> 000003fc
$ hexdump -x -s 1000 -n 21 /dev/loop0
> 00003e8    6548    6c6c    2c6f    5320    6f74    6172    6567    4c20
> 00003f8    6261    0a21    0000                                        
> 00003fd
$ hexdump -b -s 1000 -n 21 /dev/loop0
> 00003e8 110 145 154 154 157 054 040 123 164 157 162 141 147 145 040 114
> 00003f8 141 142 041 012 000                                            
> 00003fd
$ hexdump -c -s 12390 -n 40 /dev/loop0
> 0003066  \0  \0  \0  \0  \0  \0  \0  \0  \0  \0 001 177 200 342 202 254
> 0003076  \t  \r   ~      \0  \0  \0  \0  \0  \0  \0  \0  \0  \0  \0  \0
> 0003086  \0  \0  \0  \0  \0  \0  \0  \0                                
> 000308e
$ hexdump -d -o -s 1000 -n 21 /dev/loop0
> 00003e8   25928   27756   11375   21280   28532   24946   25959   19488
> 00003e8  062510  066154  026157  051440  067564  060562  062547  046040
> 00003f8   25185   02593   00000                                        
> 00003f8  061141  005041  000000                                        
> 00003fd
$ hexdump /dev/loop0 -Cvn20 -s1000
> 000003e8  48 65 6c 6c 6f 2c 20 53  74 6f 72 61 67 65 20 4c  |Hello, Storage L|
> 000003f8  61 62 21 0a                                       |ab!.|
> 000003fc
$ hexdump --canon --len=20 --skip 0x3e8 /dev/loop0
> 000003e8  48 65 6c 6c 6f 2c 20 53  74 6f 72 61 67 65 20 4c  |Hello, Storage L|
> 000003f8  61 62 21 0a                                       |ab!.|
> 000003fc
$ hexdump -C -s 1.5K -n 1.0K /dev/loop0
> 00000600  00 00 00 00 00 00 00 00  00 00 00 00 00 00 00 00  |................|
> *
> 00000a00
$ hexdump --t /dev/loop0
> hexdump: option '--t' is ambiguous; possibilities: '--two-bytes-decimal' '--two-bytes-octal' '--two-bytes-hex'
> Try 'hexdump --help' for more information.
% exit 1
$ hexdump --canonical=yes /dev/loop0
> hexdump: option '--canonical' doesn't allow an argument
> Try 'hexdump --help' for more information.
% exit 1
$ hexdump -z /dev/loop0
> hexdump: invalid option -- 'z'
> Try 'hexdump --help' for more information.
% exit 1
$ hexdump -C -n
> hexdump: option requires an argument -- 'n'
> Try 'hexdump --help' for more information.
% exit 1
$ hexdump -C -s 1Q /dev/loop0
> hexdump: failed to parse offset: '1Q': Invalid argument
% exit 1
$ hexdump -C -n 99999999999999999999 /dev/loop0
> hexdump: failed to parse length: '99999999999999999999': Numerical result out of range
% exit 1
$ hexdump -C /tmp/small.bin /dev/nonexistent /tmp/small.bin
> hexdump: /dev/nonexistent: No such file or directory
> 00000000  48 65 6c 6c 6f 2c 20 53  74 6f 72 61 67 65 20 4c  |Hello, Storage L|
> 00000010  61 62 21 0a 00 00 00 00  00 00 00 00 00 00 00 00  |ab!.............|
> 00000020  00 00 00 00 00 00 00 00  48 65 6c 6c 6f 2c 20 53  |........Hello, S|
> 00000030  74 6f 72 61 67 65 20 4c  61 62 21 0a 00 00 00 00  |torage Lab!.....|
> 00000040  00 00 00 00 00 00 00 00  00 00 00 00 00 00 00 00  |................|
> 00000050
% exit 1
$ hexdump -C -s 50 /tmp/small.bin /tmp/small.bin
> 00000032  72 61 67 65 20 4c 61 62  21 0a 00 00 00 00 00 00  |rage Lab!.......|
> 00000042  00 00 00 00 00 00 00 00  00 00 00 00 00 00        |..............|
> 00000050
$ hexdump -C -s 100 /tmp/small.bin
> 00000028
$ hexdump -n 0 /dev/nonexistent
$ hexdump -V
> hexdump from util-linux 2.38.1
$ xxd -e -l 20 -s 1000 /dev/loop0
> 000003e8: 6c6c6548 53202c6f 61726f74 4c206567  Hello, Storage L
> 000003f8: 0a216261                             ab!.
$ xxd -c 6 -e -l 12 -s 1000 /dev/loop0
> 000003e8: 6c6c6548     2c6fllo,
> 000003ee: 6f745320     6172tora
$ xxd -b -c 3 -l 9 -s 12400 /dev/loop0
> 00003070: 00000001 01111111 10000000  ...
> 00003073: 11100010 10000010 10101100  ...
> 00003076: 00001001 00001101 01111110  ..~
$ xxd -p -c 0 -l 20 -s 1000 /dev/loop0
> 48656c6c6f2c2053746f72616765204c6162210a
$ xxd -d -o 16 -l 20 -s 1000 /dev/loop0
> 00001016: 4865 6c6c 6f2c 2053 746f 7261 6765 204c  Hello, Storage L
> 00001032: 6162 210a                                ab!.
$ xxd -len 8 -cols 4 -seek 1000 /dev/loop0
> 000003e8: 4865 6c6c  Hell
> 000003ec: 6f2c 2053  o, S
$ xxd -au -s 4064 -l 96 /dev/loop0
> 00000fe0: 0000 0000 0000 0000 0000 0000 0000 0000  ................
> 00000ff0: 0000 0000 0000 0000 0000 0000 0000 0000  ................
> 00001000: ffff ffff ffff ffff ffff ffff ffff ffff  ................
> 00001010: ffff ffff ffff ffff ffff ffff ffff ffff  ................
> 00001020: ffff ffff ffff ffff ffff ffff ffff ffff  ................
> 00001030: ffff ffff ffff ffff ffff ffff ffff ffff  ................
$ xxd /dev/loop0 -l 16
> Usage:
>        xxd [options] [infile [outfile]]
>     or
>        xxd -r [-s [-]offset] [-c cols] [-ps] [infile [outfile]]
> Options:
>     -a          toggle autoskip: A single '*' replaces nul-lines. Default off.
>     -b          binary digit dump (incompatible with -ps,-i,-r). Default hex.
>     -C          capitalize variable names in C include file style (-i).
>     -c cols     format <cols> octets per line. Default 16 (-i: 12, -ps: 30).
>     -E          show characters in EBCDIC. Default ASCII.
>     -e          little-endian dump (incompatible with -ps,-i,-r).
>     -g bytes    number of octets per group in normal output. Default 2 (-e: 4).
>     -h          print this summary.
>     -i          output in C include file style.
>     -l len      stop after <len> octets.
>     -n name     set the variable name used in C include output (-i).
>     -o off      add <off> to the displayed file position.
>     -ps         output in postscript plain hexdump style.
>     -r          reverse operation: convert (or patch) hexdump into binary.
>     -r -s off   revert with <off> added to file positions found in hexdump.
>     -d          show offset in decimal instead of hex.
>     -s [+][-]seek  start at <seek> bytes abs. (or +: rel.) infile offset.
>     -u          use upper case hex letters.
>     -v          show version: "xxd 2022-01-14 by Juergen Weigert et al.".
% exit 1
$ xxd -c 300 /dev/loop0
> xxd: invalid number of columns (max. 256).
% exit 1
$ xxd -e -g 3 /dev/loop0
> xxd: number of octets per group must be a power of 2 with -e.
% exit 1
$ xxd -s +-16 /dev/loop0
> xxd: Sorry, cannot seek.
% exit 4
$ xxd -v
> xxd 2022-01-14 by Juergen Weigert et al.
$ hexdump -C
< hello world
> 00000000  68 65 6c 6c 6f 20 77 6f  72 6c 64 0a              |hello world.|
> 0000000c
$ hexdump -C -s 2
< hello world
> hexdump: stdin: Illegal seek
% exit 1
$ hexdump -C /dev/stdin
< hello world
> 00000000  68 65 6c 6c 6f 20 77 6f  72 6c 64 0a              |hello world.|
> 0000000c
$ hexdump -C -s 2 /dev/stdin
< hello world
> hexdump: /dev/stdin: Illegal seek
% exit 1
$ hexdump -C -
< hello world
> hexdump: -: No such file or directory
> hexdump: all input file arguments failed
% exit 1
$ xxd -s 2
< hello world
> 00000002: 6c6c 6f20 776f 726c 640a                 llo world.
$ xxd -s -2
< hello world
> xxd: Sorry, cannot seek.
% exit 4
$ xxd -s +2 -
< hello world
> 00000002: 6c6c 6f20 776f 726c 640a                 llo world.
$ xxd -s 20
< hello world
> xxd: Sorry, cannot seek.
% exit 4
$ xxd -p -c 5
< hello world
> 68656c6c6f
> 20776f726c
> 640a
"#;

    #[test]
    fn replays_more_captured_behaviours() {
        assert_eq!(replay(MORE_CASES, &lab_disk()), 41);
    }

    #[test]
    fn replays_the_missing_device_errors() {
        let case = include_str!("../../tests/fixtures/data/data-errors.case");
        assert_eq!(replay(case, &lab_disk()), 2);
    }

    /// 500 GiB with a few bytes written near the start, in the middle and at
    /// the end. util-linux prints offsets with `%08.8llx`, so offsets past
    /// 4 GiB simply get more digits, and the `|` column moves right with them.
    fn big_disk() -> Sparse {
        let size = 500u64 << 30;
        Sparse::new(size, &[(0x200, b"Storage Lab start"), (0x74a5000010, b"middle"), (size - 4, b"end.")])
    }

    const BIG_HEXDUMP: &str = "\
00000000  00 00 00 00 00 00 00 00  00 00 00 00 00 00 00 00  |................|
*
00000200  53 74 6f 72 61 67 65 20  4c 61 62 20 73 74 61 72  |Storage Lab star|
00000210  74 00 00 00 00 00 00 00  00 00 00 00 00 00 00 00  |t...............|
00000220  00 00 00 00 00 00 00 00  00 00 00 00 00 00 00 00  |................|
*
74a5000010  6d 69 64 64 6c 65 00 00  00 00 00 00 00 00 00 00  |middle..........|
74a5000020  00 00 00 00 00 00 00 00  00 00 00 00 00 00 00 00  |................|
*
7cfffffff0  00 00 00 00 00 00 00 00  00 00 00 00 65 6e 64 2e  |............end.|
7d00000000
";

    const BIG_XXD: &str = "\
00000000: 0000 0000 0000 0000 0000 0000 0000 0000  ................
*
00000200: 5374 6f72 6167 6520 4c61 6220 7374 6172  Storage Lab star
00000210: 7400 0000 0000 0000 0000 0000 0000 0000  t...............
00000220: 0000 0000 0000 0000 0000 0000 0000 0000  ................
*
74a5000010: 6d69 6464 6c65 0000 0000 0000 0000 0000  middle..........
74a5000020: 0000 0000 0000 0000 0000 0000 0000 0000  ................
*
7cfffffff0: 0000 0000 0000 0000 0000 0000 656e 642e  ............end.
";

    #[test]
    fn dumps_a_huge_sparse_device_without_reading_its_zeros() {
        let disk = big_disk();
        let started = std::time::Instant::now();
        check(&disk, &Step::new("hexdump -C /dev/sdb", BIG_HEXDUMP, 0));
        check(&disk, &Step::new("xxd -a /dev/sdb", BIG_XXD, 0));
        assert!(disk.bytes_read.get() < 1 << 20, "read {} bytes", disk.bytes_read.get());
        assert!(started.elapsed().as_secs() < 5);
    }

    #[test]
    fn caps_unsqueezed_dumps_at_10000_lines() {
        let disk = big_disk();
        let cases = [
            ("xxd /dev/sdb", "000270f0: 0000 0000 0000 0000 0000 0000 0000 0000  ................"),
            ("hexdump -Cv /dev/sdb", "000270f0  00 00 00 00 00 00 00 00  00 00 00 00 00 00 00 00  |................|"),
            ("hd -v /dev/sdb", "000270f0  00 00 00 00 00 00 00 00  00 00 00 00 00 00 00 00  |................|"),
            ("xxd -p /dev/sdb", &"0".repeat(60)),
        ];
        for (line, last) in cases {
            let out = run(&disk, line, None);
            let lines: Vec<&str> = out.text.lines().collect();
            let tool = line.split(' ').next().unwrap();
            let note = format!("{tool}: output truncated after 10000 lines by Storage Lab");
            assert_eq!(lines.len(), MAX_LINES + 1, "{line}");
            assert_eq!((lines[MAX_LINES - 1], lines[MAX_LINES]), (last, note.as_str()), "{line}");
            assert_eq!(out.exit_status, 0);
        }
        assert!(disk.bytes_read.get() < 8 << 20, "read {} bytes", disk.bytes_read.get());
    }

    #[test]
    fn caps_one_line_plain_dumps_by_bytes() {
        let out = run(&big_disk(), "xxd -p -c 0 -s 4096 /dev/sdb", None);
        let expected = format!("{}\nxxd: output truncated after 300000 bytes by Storage Lab\n", "0".repeat(600_000));
        assert!(out.text == expected, "{} bytes of output", out.text.len());
        let exact = run(&big_disk(), "xxd -p -c 0 -l 300000 -s 4096 /dev/sdb", None);
        assert_eq!(exact.text, format!("{}\n", "0".repeat(600_000)));
    }
}
