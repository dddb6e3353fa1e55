//! `qemu-io -c 'write -P 0xab OFFSET LEN' FILE`, `write -z`, `discard` and
//! `read -P`: guest I/O on a raw or qcow2 image file, with qemu-io's summary
//! lines.
//!
//! Without `-c` it reads its commands from its input after a `qemu-io> `
//! prompt, as on a terminal.
//!
//! `info`, `map`, `length`, `alloc` and `help` look without changing anything;
//! `truncate` sets the virtual size, as `qemu-img resize` does (shrinking
//! without `--shrink`).
//!
//! Simplified: `write [-P pattern | -z | -c]` (`-c` compresses whole
//! clusters in turn, where QEMU's tasks may finish in another order),
//! `discard` and `read [-P pattern]
//! [-v]` only (other options QEMU knows, `-q` among them, get the lab's
//! message; unknown ones getopt's); `read -v` shows at most the first 64 KiB;
//! the time and rates are the lab's simulated disk (1.5 GB/s after 45 µs),
//! as dd's.

use super::{Output, Shell};
use crate::core::device::DevId;
use crate::core::event::Event;
use crate::core::machine::Machine;
use crate::core::media::Chunk;
use crate::core::qcow2::guest::Image;
use crate::core::qcow2::Header;

/// An option the lab does not take. One qemu-io does not know either (a
/// `-c` command left unquoted, as in `-c write -P 0xab 0 4k`) gets getopt's
/// complaint and the usage on standard output, as the real one prints them.
fn unmodelled_option(s: &str) -> Output {
    #[cfg(feature = "qemu-img-help")]
    if let Some(c) = s.chars().nth(1).filter(|c| !s.starts_with("--") && !"hVcdfrsnCmkitTU".contains(*c)) {
        return Output { text: include_str!("qemu_io/usage.txt").into(), err: format!("qemu-io: invalid option -- '{c}'\n"), exit_status: 1, ..Output::default() };
    }
    Output::error(format!("qemu-io: the lab's qemu-io takes -c, -f and a file, not '{s}'\n"), 1)
}

pub fn run(shell: &mut Shell, args: &[String]) -> Output {
    let args = &super::qemu_img::getopt_words(args, "cdftTi")[..];
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
            #[cfg(feature = "qemu-img-help")]
            "--help" | "-h" => return Output::text(include_str!("qemu_io/usage.txt"), 0),
            s if s.starts_with('-') && s.len() > 1 => return unmodelled_option(s),
            _ => files.push(a.clone()),
        }
    }
    // qemu-io opens at most one image: more operands get its usage.
    if files.len() > 1 {
        #[cfg(feature = "qemu-img-help")]
        return Output::text(include_str!("qemu_io/usage.txt"), 1);
        #[cfg(not(feature = "qemu-img-help"))]
        return Output::error("qemu-io: one image at a time (qemu-io prints its usage)\n", 1);
    }
    let Some(name) = files.first() else {
        if commands.is_empty() {
            return open_session(shell, None, 0, Output::default());
        }
        return Output::text("no file open, try 'help open'\n".repeat(commands.len()), 1);
    };
    let cant_open = |why: &str| Output::error(format!("qemu-io: can't open device {name}: {why}\n"), 1);
    if let Some(f) = format.as_deref().filter(|f| !matches!(*f, "raw" | "qcow2")) {
        return cant_open(&super::qemu_img::driver_refusal(f));
    }
    if name.is_empty() && cfg!(feature = "qemu-img-arg-checks") {
        return cant_open(super::qemu_img::NO_FILE_NAME);
    }
    let path = shell.abs(name);
    if let Some(dev) = path.strip_prefix("/dev/").and_then(|_| shell.machine.resolve(&path)) {
        return on_device(shell, name, dev, format.as_deref(), &commands);
    }
    let m = &mut shell.machine;
    let size = match m.stat_path(&path) {
        Ok(s) if !s.stat.is_dir => s.stat.size,
        Ok(_) => return cant_open(&format!("Could not open '{name}': Is a directory")),
        Err(e) => return cant_open(&format!("Could not open '{name}': {}", e.text())),
    };
    if let Some(why) = super::qemu_img::lock_error(shell, name, true) {
        return cant_open(&why);
    }
    let m = &mut shell.machine;
    let head = m.read_file(&path, 0, 512).unwrap_or_default();
    let header = Header::decode(&head).filter(|_| format.as_deref() != Some("raw"));
    if header.is_none() && (format.as_deref() == Some("qcow2") || format.is_none() && Header::probes(&head)) {
        return cant_open(&Header::refusal(&head).unwrap_or_else(|| "Image is not in qcow2 format".into()));
    }
    if let Some(why) = header.as_ref().filter(|h| cfg!(feature = "qcow2-backing") && h.backing_file_offset != 0).and_then(|_| super::qemu_img::chain::Chain::open(m, name, &path, false).missing(m)) {
        return cant_open(&why);
    }
    let mut out = Output::default();
    if header.is_none() && format.is_none() {
        out.err = super::qemu_img::probed_raw_warning(name);
    }
    // The block layer counts whole 512-byte sectors: past the file's end a
    // raw image reads zeros, and a write there grows the file.
    let size = if header.is_none() { size.next_multiple_of(512) } else { size };
    let mut target = Target::File { path, header, free_byte_offset: 0 };
    if commands.is_empty() {
        return open_session(shell, Some(target), size, out);
    }
    run_all(&mut shell.machine, &mut target, size, &commands, out)
}

/// qemu-io without `-c`: its `qemu-io> ` prompt, then each line of input
/// is a command (`Interactive::QemuIo`) until `quit` or the input ends.
fn open_session(shell: &mut Shell, target: Option<Target>, size: u64, mut out: Output) -> Output {
    out.say(PROMPT);
    shell.interactive = Some(super::Interactive::QemuIo(Session { target, size, failed: false }));
    out
}

const PROMPT: &str = "qemu-io> ";

/// An interactive qemu-io: the image it opened (none when started without
/// one) and whether a command failed (its exit status is then 1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    target: Option<Target>,
    size: u64,
    failed: bool,
}

impl Session {
    /// Runs one line; returns what it printed, then the next prompt, and
    /// whether the session is over.
    pub fn answer(&mut self, m: &mut Machine, line: &str) -> (Output, bool) {
        if matches!(line.trim(), "quit" | "q") {
            return (self.end_of_input(), true);
        }
        let o = match &mut self.target {
            Some(t) => command(m, t, &mut self.size, line),
            None if line.trim().is_empty() => Output::default(),
            None => Output::text("no file open, try 'help open'\n", 1),
        };
        self.failed |= o.exit_status != 0;
        let mut out = Output::default();
        out.complain(&o.err);
        out.say(&o.text);
        out.say(PROMPT);
        out.events = o.events;
        (out, false)
    }

    /// The input ended: qemu-io exits, with 1 when a command failed.
    pub fn end_of_input(&self) -> Output {
        Output { exit_status: i32::from(self.failed), ..Output::default() }
    }
}

/// Runs each `-c` command in turn after `out` (the open's warnings).
fn run_all(m: &mut Machine, target: &mut Target, mut size: u64, commands: &[String], mut out: Output) -> Output {
    let mut failed = 0;
    for c in commands {
        // `quit` ends the list; the exit status keeps earlier failures.
        if cfg!(feature = "shell-scripts") && matches!(c.split_whitespace().next(), Some("quit" | "q")) {
            break;
        }
        let o = command(m, target, &mut size, c);
        failed = failed.max(o.exit_status);
        out.append(o);
    }
    // qemu-io exits with 1 when any of its commands failed.
    out.exit_status = failed;
    out
}

/// What the commands act on: an image file, or a block device read as raw.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Target {
    /// `free_byte_offset`: where the open image's next compressed cluster
    /// goes, kept from one command to the next as QEMU's driver keeps it.
    File { path: String, header: Option<Header>, free_byte_offset: u64 },
    Device(DevId),
}

/// A block device (`/dev/pve/vm-102-disk-0`), which qemu-io opens as a raw
/// image: the guest's bytes are the device's.
fn on_device(shell: &mut Shell, name: &str, dev: DevId, format: Option<&str>, commands: &[String]) -> Output {
    let m = &mut shell.machine;
    let qcow2 = m.read_at(dev, 0, 4).is_ok_and(|b| b == b"QFI\xfb");
    if format == Some("qcow2") || (qcow2 && format.is_none()) {
        let why = if qcow2 { "the lab's qemu-io reads qcow2 images in files, and opens devices as raw" } else { "Image is not in qcow2 format" };
        return Output::error(format!("qemu-io: can't open device {name}: {why}\n"), 1);
    }
    let mut out = Output::default();
    if format.is_none() {
        out.err = super::qemu_img::probed_raw_warning(name);
    }
    let size = m.size_of(dev);
    if commands.is_empty() {
        return open_session(shell, Some(Target::Device(dev)), size, out);
    }
    run_all(m, &mut Target::Device(dev), size, commands, out)
}

/// `cvtnum`: a size with an optional k, M, G... suffix, or 0x hex.
fn number(text: &str) -> Option<u64> {
    super::qemu_img::parse_size(text)
}

/// `print_cvtnum_err`: a number too big for 64 bits (or negative) is
/// ERANGE, anything else EINVAL.
fn parse_error(text: &str) -> String {
    let digits = text.trim_start_matches('-').trim_end_matches(|c: char| "kKmMgGtTpPeEbB".contains(c));
    if text.starts_with('-') || !digits.is_empty() && digits.chars().all(|c| c.is_ascii_digit() || c == '.') && text.len() - digits.len() <= 1 && !(cfg!(feature = "qemu-io-extras") && digits.len() == text.len() && digits.contains('.')) {
        return format!("Parsing error: argument too large -- {text}\n");
    }
    format!("Parsing error: non-numeric argument, or extraneous/unrecognized suffix -- {text}\n")
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

/// The commands that only look: `info`, `map`, `length`, `alloc` and
/// `help`, with qemu-io's argument counts (`None`: not one of them).
fn inquiry(m: &Machine, target: &Target, size: u64, typed: &str, rest: &[String]) -> Option<Output> {
    let (min, max) = match typed {
        "info" | "i" | "map" | "length" | "flush" | "f" => (0, 0),
        "alloc" | "a" => (1, 2),
        "help" | "?" => (0, 1),
        _ => return None,
    };
    let name = match typed {
        "i" => "info",
        "a" => "alloc",
        "?" => "help",
        "f" => "flush",
        t => t,
    };
    if rest.len() < min || rest.len() > max {
        let expected = match (min, max) {
            (0, 0) => "0 arguments".to_string(),
            (a, b) => format!("between {a} and {b} arguments"),
        };
        return Some(Output::error(format!("bad argument count {} to {name}, expected {expected}\n", rest.len()), 1));
    }
    let length = match target {
        Target::File { header: Some(h), .. } => h.size,
        _ => size,
    };
    Some(match name {
        "info" => Output::text(info(target), 0),
        // Every write already reached the file.
        "flush" => Output::default(),
        "length" => Output::text(format!("{}\n", cvtstr(length as f64)), 0),
        "map" => Output::text(map(&allocated(m, target, length), length), 0),
        "alloc" => alloc(&allocated(m, target, length), length, rest),
        _ => help(rest.first().map(String::as_str)),
    })
}

/// `info`: the format, its cluster size and where a VM state would go (the
/// end of the L1 table's reach), then qcow2's own block.
fn info(target: &Target) -> String {
    let Target::File { header: Some(h), .. } = target else {
        return "format name: raw\ncluster size: 0 bytes\nvm state offset: 0 bytes\n".into();
    };
    let reach = h.cluster_bytes() * (h.cluster_bytes() / 8);
    format!(
        "format name: qcow2\ncluster size: {}\nvm state offset: {}\n{}",
        cvtstr(h.cluster_bytes() as f64),
        cvtstr((h.size.div_ceil(reach) * reach) as f64),
        super::qemu_img::format_specific(h)
    )
}

/// The guest ranges the image itself holds (`bdrv_is_allocated`): a
/// qcow2 image's clusters with data or the zero flag; a raw image, all.
fn allocated(m: &Machine, target: &Target, length: u64) -> Vec<(u64, u64)> {
    let Target::File { path, header: Some(h), .. } = target else {
        return vec![(0, length)];
    };
    let mut read = |o: u64, n: u64| m.read_file(path, o, n).unwrap_or_default();
    let image = Image::open(h.clone(), &mut read);
    let c = h.cluster_bytes();
    let mut runs: Vec<(u64, u64)> = Vec::new();
    for (g, _) in image.entries(&mut read).into_iter().filter(|(_, e)| e & (crate::core::qcow2::guest::OFFSET_MASK | crate::core::qcow2::guest::OFLAG_ZERO) != 0) {
        let (s, e) = (g * c, ((g + 1) * c).min(length));
        match runs.last_mut() {
            Some(last) if last.1 == s => last.1 = e,
            _ => runs.push((s, e)),
        }
    }
    runs
}

/// `map`: the allocated and unallocated runs in turn.
fn map(runs: &[(u64, u64)], length: u64) -> String {
    let line = |s: u64, e: u64, yes: bool| format!("{} ({:#x}) bytes {} at offset {} ({s:#x})\n", cvtstr((e - s) as f64), e - s, if yes { "    allocated" } else { "not allocated" }, cvtstr(s as f64));
    let (mut t, mut at) = (String::new(), 0);
    for &(s, e) in runs {
        if s > at {
            t.push_str(&line(at, s, false));
        }
        t.push_str(&line(s, e, true));
        at = e;
    }
    if at < length {
        t.push_str(&line(at, length, false));
    }
    t
}

/// `alloc OFFSET [COUNT]`: how many of COUNT bytes (512 by default, cut at
/// the image's end) the image holds.
fn alloc(runs: &[(u64, u64)], length: u64, args: &[String]) -> Output {
    let mut nums = Vec::new();
    for a in args {
        match number(a) {
            Some(n) => nums.push(n),
            None => return Output::text(parse_error(a), 1),
        }
    }
    let offset = nums[0];
    let count = nums.get(1).copied().unwrap_or(512).min(length.saturating_sub(offset));
    let end = offset + count;
    let held: u64 = runs.iter().map(|&(s, e)| e.min(end).saturating_sub(s.max(offset))).sum();
    Output::text(format!("{held}/{count} bytes allocated at offset {}\n", cvtstr(offset as f64)), 0)
}

#[cfg(not(feature = "qemu-img-help"))]
fn help(_: Option<&str>) -> Output {
    Output::text("qemu-io: its help is in the storage-lab command-line program; the lab runs info, map, length, alloc, read, write, discard and truncate\n", 0)
}

/// `help [COMMAND]`: the command list, or one command's line and the
/// longer text some have (QEMU's texts: native only, for the budget).
#[cfg(feature = "qemu-img-help")]
fn help(command: Option<&str>) -> Output {
    let list = include_str!("qemu_io/help.txt");
    let Some(name) = command else {
        return Output::text(list, 0);
    };
    let Some(line) = list.lines().find(|l| l.split_whitespace().next() == Some(name)) else {
        return Output::text(format!("command {name} not found\n"), 1);
    };
    let long = match name {
        "aio_read" => include_str!("qemu_io/help-aio_read.txt"),
        "aio_write" => include_str!("qemu_io/help-aio_write.txt"),
        "discard" => include_str!("qemu_io/help-discard.txt"),
        "open" => include_str!("qemu_io/help-open.txt"),
        "read" => include_str!("qemu_io/help-read.txt"),
        "readv" => include_str!("qemu_io/help-readv.txt"),
        "reopen" => include_str!("qemu_io/help-reopen.txt"),
        "sigraise" => include_str!("qemu_io/help-sigraise.txt"),
        "write" => include_str!("qemu_io/help-write.txt"),
        "writev" => include_str!("qemu_io/help-writev.txt"),
        _ => "",
    };
    Output::text(if long.is_empty() { format!("{line}\n") } else { long.to_string() }, 0)
}

/// A command's usage line, as `qemuio_command_usage` prints it.
fn usage_line(op: &str) -> &'static str {
    match op {
        "write" => "write [-bcCfnqruz] [-P pattern | -s source_file] off len -- writes a number of bytes at a specified offset\n",
        "read" => "read [-abCqrv] [-P pattern [-s off] [-l len]] off len -- reads a number of bytes at a specified offset\n",
        #[cfg(feature = "qemu-io-extras")]
        "writev" => "writev [-Cfqr] [-P pattern] off len [len..] -- writes a number of bytes at a specified offset\n",
        #[cfg(feature = "qemu-io-extras")]
        "readv" => "readv [-Cqrv] [-P pattern] off len [len..] -- reads a number of bytes at a specified offset\n",
        _ => "discard [-Cq] off len -- discards a number of bytes at a specified offset\n",
    }
}

/// `parse_pattern`: a whole C number (hex, octal or decimal) from 0 to 255.
fn pattern_byte(text: &str) -> Option<u8> {
    super::cnum::c_strtol_whole(text, 0).and_then(|v| u8::try_from(v).ok())
}

use super::hexdump::Getopt;

/// The options QEMU 10's qemu-io takes in each command, and a value's.
const WRITE_OPTS: &str = "bcCfnpP:qrs:uz";
const READ_OPTS: &str = "abCl:P:qrs:v";
const DISCARD_OPTS: &str = "Cq";

/// One `-c` command: its options read as getopt reads them (anywhere, and
/// grouped), then qemu-io's checks in qemu-io's order.
fn command(m: &mut Machine, target: &mut Target, size: &mut u64, line: &str) -> Output {
    let words: Vec<String> = line.split_whitespace().map(String::from).collect();
    let Some((typed, rest)) = words.split_first() else { return Output::default() };
    if matches!(typed.as_str(), "truncate" | "t") {
        return truncate(m, target, size, rest);
    }
    let size = *size;
    if let Some(out) = inquiry(m, target, size, typed, rest) {
        return out;
    }
    // `lab`: the option letters the lab models; QEMU's others get its message.
    let (op, opts, lab) = match typed.as_str() {
        "write" | "w" => ("write", WRITE_OPTS, if cfg!(feature = "shell-scripts") { "zPcq" } else { "zPc" }),
        "read" | "r" => ("read", READ_OPTS, if cfg!(feature = "shell-scripts") { "Pvq" } else { "Pv" }),
        "discard" | "d" => ("discard", DISCARD_OPTS, if cfg!(feature = "shell-scripts") { "q" } else { "" }),
        #[cfg(feature = "qemu-io-extras")]
        "writev" => ("writev", "CfqrP:", "Pq"),
        #[cfg(feature = "qemu-io-extras")]
        "readv" => ("readv", "CqrvP:", "Pvq"),
        // qemu-io's own complaints go to standard error; a command's results to standard output.
        other => return Output::error(format!("command \"{other}\" not found\n"), 1),
    };
    let fail = |text: String| Output::text(text, 1);
    if rest.len() < 2 {
        return Output::error(format!("bad argument count {} to {op}, expected at least 2 arguments\n", rest.len()), 1);
    }
    let (mut pattern, mut flags) = (None, String::new());
    let mut getopt = Getopt::short_only(rest, opts);
    while let Some(parsed) = getopt.next(op) {
        match parsed {
            Err(e) => return Output { err: format!("{e}\n"), ..fail(usage_line(op).into()) },
            Ok(('P', Some(value))) => match pattern_byte(&value) {
                Some(p) => pattern = Some(p),
                None => return fail(format!("{value} is not a valid pattern byte\n")),
            },
            Ok((c, _)) if lab.contains(c) => flags.push(c),
            Ok((c, _)) => {
                let modelled = if cfg!(feature = "shell-scripts") { "write -P/-z/-c, read -P/-v and -q" } else { "write -P/-z/-c and read -P/-v" };
                return fail(format!("qemu-io: the lab's options are {modelled}, not '{op} -{c}'\n"));
            }
        }
    }
    #[cfg(feature = "qemu-io-extras")]
    if let Some(single) = op.strip_suffix('v').filter(|_| op.len() > 4) {
        // The buffers of writev and readv make one request of their summed length.
        let Some((offset, lens)) = getopt.operands.split_first().filter(|(_, l)| !l.is_empty()) else {
            return fail(usage_line(op).into());
        };
        let mut total = 0u64;
        for l in lens {
            match number(l) {
                Some(n) => total = total.saturating_add(n),
                None => return fail(parse_error(l)),
            }
        }
        let operands = [offset.clone(), total.to_string()];
        return quiet(checked(m, target, size, single, pattern, &flags, &operands), &flags);
    }
    let out = checked(m, target, size, op, pattern, &flags, &getopt.operands);
    quiet(out, &flags)
}

/// `truncate [-m prealloc_mode] off` (`truncate_f`): the image's new virtual
/// size, larger or smaller, through qemu-img resize's code. Operands after
/// the first are ignored, as qemu-io ignores them.
fn truncate(m: &mut Machine, target: &mut Target, size: &mut u64, rest: &[String]) -> Output {
    const USAGE: &str = "truncate [-m prealloc_mode] off -- truncates the current file at the given offset\n";
    if rest.is_empty() || rest.len() > 3 {
        return Output::error(format!("bad argument count {} to truncate, expected between 1 and 3 arguments\n", rest.len()), 1);
    }
    let mut prealloc = "off".to_string();
    let mut getopt = Getopt::short_only(rest, "m:");
    while let Some(parsed) = getopt.next("truncate") {
        match parsed {
            Err(e) => return Output { err: format!("{e}\n"), ..Output::text(USAGE, 1) },
            Ok((_, mode)) => prealloc = mode.unwrap_or_default(),
        }
    }
    if !matches!(prealloc.as_str(), "off" | "metadata" | "falloc" | "full") {
        return Output::error(format!("qemu-io: Invalid preallocation mode '{prealloc}'\n"), 1);
    }
    let Some(text) = getopt.operands.first() else { return Output::text(USAGE, 1) };
    let Some(new) = number(text) else { return Output::text(parse_error(text), 1) };
    let Target::File { path, header, .. } = target else {
        return Output::error("qemu-io: the lab's qemu-io truncates image files, not devices\n", 1);
    };
    let current = header.as_ref().map_or(*size, |h| h.size);
    if new < current && prealloc != "off" {
        return Output::error("qemu-io: Preallocation can't be used for shrinking an image\n", 1);
    }
    match super::qemu_img::truncate_image(m, path, header.clone(), current, new, &prealloc) {
        Ok(events) => {
            if header.is_some() {
                *header = Header::decode(&m.read_file(path, 0, 512).unwrap_or_default());
            }
            // The block layer counts a raw file in whole sectors.
            *size = new.next_multiple_of(512);
            Output { events, ..Output::default() }
        }
        Err(e) => Output::error(format!("qemu-io: {e}\n"), 1),
    }
}

/// `-q`: no dump and no summary; errors and usage still print.
fn quiet(mut out: Output, flags: &str) -> Output {
    if cfg!(feature = "shell-scripts") && flags.contains('q') {
        let dump = |l: &str| l.len() > 9 && l.as_bytes()[8] == b':' && l[..8].bytes().all(|b| b.is_ascii_hexdigit());
        out.text = out.text.split_inclusive('\n').filter(|l| out.exit_status != 0 && !(l.contains(" bytes at offset ") || l.contains(" ops; ") || dump(l))).collect();
    }
    out
}

/// A read, write or discard once its options are read: qemu-io's checks of
/// the operands, then the request (inlined: it was part of `command`).
#[inline(always)]
fn checked(m: &mut Machine, target: &mut Target, size: u64, op: &str, pattern: Option<u8>, flags: &str, operands: &[String]) -> Output {
    let fail = |text: String| Output::text(text, 1);
    let [offset, len] = operands else {
        return fail(usage_line(op).into());
    };
    if flags.contains('z') && pattern.is_some() {
        return fail("Only one of -z, -P, and -s can be specified at the same time\n".into());
    }
    let (offset, len) = match (number(offset), number(len)) {
        (Some(o), Some(l)) => (o, l),
        (o, _) => return fail(parse_error(if o.is_none() { offset } else { len })),
    };
    // BDRV_REQUEST_MAX_BYTES: qemu-io refuses longer requests.
    if len > 2_147_483_136 {
        let without_n = if op == "write" { " without -n" } else { "" };
        return fail(format!("length cannot exceed 2147483136{without_n}, given {}\n", operands[1]));
    }
    // A compressed write must be whole sectors before the driver sees it.
    if flags.contains('c') {
        for (value, what) in [(offset, "offset"), (len, "count")] {
            if value % 512 != 0 {
                return fail(format!("{value} is not a sector-aligned value for '{what}'\n"));
            }
        }
    }
    let what = match op {
        "write" if flags.contains('z') => Change::Zeroes,
        "write" if flags.contains('c') => Change::Compressed(Chunk::fill(pattern.unwrap_or(0xcd), len)),
        "write" => Change::Data(Chunk::fill(pattern.unwrap_or(0xcd), len)),
        "discard" => Change::Discard,
        _ => return read(m, target, size, offset, len, ReadOpts { pattern, dump: flags.contains('v') }),
    };
    match target {
        Target::File { path, header, free_byte_offset } => change(m, path, size, header.clone(), free_byte_offset, offset, len, what),
        Target::Device(dev) => change_device(m, *dev, size, offset, len, what),
    }
}

/// A write or discard on a block device. A discard unmaps the thin chunks
/// it covers whole; other devices keep their bytes, and QEMU reports the
/// discard done either way.
fn change_device(m: &mut Machine, dev: DevId, size: u64, offset: u64, len: u64, what: Change) -> Output {
    let verb = if matches!(what, Change::Discard) { "discard" } else { "write" };
    if offset.checked_add(len).is_none_or(|end| end > size) {
        return Output::text(format!("{verb} failed: Input/output error\n"), 1);
    }
    let result = match what {
        Change::Compressed(_) => return Output::text("write failed: Operation not supported\n", 1),
        Change::Data(data) => m.write_at(dev, offset, data),
        Change::Zeroes => m.write_at(dev, offset, Chunk::zeros(len)),
        Change::Discard => Ok(m.discard_range(dev, offset, len)),
    };
    match result {
        Ok(events) => Output { text: report(if verb == "write" { "wrote" } else { "discard" }, offset, len), events, ..Output::default() },
        Err(f) => Output { events: f.events, ..Output::text(format!("{verb} failed: {}\n", super::dd::write_error(&f.error)), 1) },
    }
}

/// What a changing command does to the guest's bytes.
enum Change {
    Data(Chunk),
    /// `write -c`: whole clusters, each deflated (qcow2 only).
    Compressed(Chunk),
    Zeroes,
    Discard,
}

fn change(m: &mut Machine, path: &str, size: u64, header: Option<Header>, free_byte_offset: &mut u64, offset: u64, len: u64, what: Change) -> Output {
    let verb = if matches!(what, Change::Discard) { "discard" } else { "write" };
    let virtual_size = header.as_ref().map_or(size, |h| h.size);
    if offset.checked_add(len).is_none_or(|end| end > virtual_size) {
        return Output::text(format!("{verb} failed: Input/output error\n"), 1);
    }
    #[cfg(feature = "qcow2-compress")] let mut failed = None; let result = match header {
        None => match what {
            // The raw driver has no compressed writes.
            Change::Compressed(_) => Err("Operation not supported".to_string()),
            Change::Data(data) => m.write_file(path, offset, data).map_err(|e| e.text().to_string()),
            Change::Zeroes => m.zero_range_file(path, offset, len).map_err(|e| e.text().to_string()),
            Change::Discard => m.punch_file(path, offset, len).map_err(|e| e.text().to_string()),
        },
        Some(h) => {
            let writes = {
                let mut read = |o: u64, n: u64| m.read_file(path, o, n).unwrap_or_default();
                let mut image = Image::open(h, &mut read);
                super::qemu_img::chain::attach_below(m, path, &mut image);
                image.free_byte_offset = *free_byte_offset;
                let writes = match what {
                    #[cfg(not(feature = "qcow2-compress"))] Change::Compressed(data) => write_compressed(&mut image, offset, &data, &mut read), #[cfg(feature = "qcow2-compress")] Change::Compressed(data) => write_compressed_each(&mut image, offset, &data, &mut read, &mut failed),
                    Change::Data(data) => image.write(offset, &data, &mut read),
                    Change::Zeroes => image.write_zeroes(offset, len, &mut read),
                    Change::Discard => image.discard(offset, len, &mut read),
                };
                *free_byte_offset = image.free_byte_offset;
                writes
            };
            writes.map_err(|e| e.text().to_string()).and_then(|w| super::qemu_img::apply_writes(m, path, w))
        }
    };
    match result {
        #[cfg(feature = "qcow2-compress")] Ok(events) if failed.is_some() => Output { events, ..Output::text(format!("{verb} failed: {}\n", failed.map_or("", |e| e.text())), 1) }, Ok(events) => Output { text: report(if verb == "write" { "wrote" } else { "discard" }, offset, len), events, ..Output::default() },
        Err(e) => Output::text(format!("{verb} failed: {e}\n"), 1),
    }
}

/// `write -c`: the request cut into clusters, each compressed in turn
/// (`qcow2_co_pwritev_compressed_part`); the whole request fails when it
/// does not start on a cluster or ends inside one before the disk's end.
#[cfg(not(feature = "qcow2-compress"))] fn write_compressed(image: &mut Image, offset: u64, data: &Chunk, read: &mut dyn FnMut(u64, u64) -> Vec<u8>) -> Result<Vec<crate::core::qcow2::guest::FileWrite>, crate::core::qcow2::guest::GuestError> {
    let (cluster, end) = (image.header.cluster_bytes(), offset + data.len);
    if offset % cluster != 0 || (end % cluster != 0 && end != image.header.size) {
        return Err(crate::core::qcow2::guest::GuestError::Invalid);
    }
    let mut out = Vec::new();
    for at in (offset..end).step_by(cluster as usize) {
        let piece = data.slice(at - offset, cluster.min(end - at)).to_vec();
        // Each cluster's writes land before the next reads the tables.
        let mut writes = image.write_compressed(at, &piece, read)?;
        out.append(&mut writes);
    }
    Ok(out)
}

/// `read -P` (the byte every byte must be) and `read -v` (show them).
struct ReadOpts {
    pattern: Option<u8>,
    dump: bool,
}

/// `read_f`: the pattern check, the bytes, then the summary.
fn read(m: &mut Machine, target: &Target, size: u64, offset: u64, len: u64, opts: ReadOpts) -> Output {
    let (path, header) = match target {
        Target::File { path, header, .. } => (path.as_str(), header),
        Target::Device(dev) => return read_device(m, *dev, size, offset, len, opts),
    };
    let virtual_size = header.as_ref().map_or(size, |h| h.size);
    if offset.checked_add(len).is_none_or(|end| end > virtual_size) {
        return Output::text("read failed: Input/output error\n", 1);
    }
    let mut events = vec![Event::GuestRead { image: path.to_string(), guest_offset: offset }];
    if let Some(((l1_index, l2_offset), (l2_index, host_offset))) = crate::core::image::lookup(m, path, offset).filter(|_| header.is_some()) {
        events.push(Event::L1EntryRead { image: path.to_string(), l1_index, l2_offset });
        if l2_offset != 0 {
            events.push(Event::L2EntryRead { image: path.to_string(), l2_index, host_offset });
        }
    }
    // The chain is opened only when the bytes are looked at.
    let image = (opts.pattern.is_some() || opts.dump).then(|| super::qemu_img::chain::Chain::open(m, path, path, header.is_none()));
    Output { events, ..read_report(offset, len, opts, |at, n| image.as_ref().map(|i| i.read(m, at, n)).unwrap_or_default()) }
}

/// `read` on a block device: its bytes, checked or shown as from a file.
fn read_device(m: &Machine, dev: DevId, size: u64, offset: u64, len: u64, opts: ReadOpts) -> Output {
    if offset.checked_add(len).is_none_or(|end| end > size) {
        return Output::text("read failed: Input/output error\n", 1);
    }
    read_report(offset, len, opts, |at, n| m.read_at(dev, at, n).unwrap_or_default())
}

/// `read_f`'s output once the request is in range: the pattern check, the
/// dump, then the summary; `bytes(at, n)` reads the guest's bytes.
fn read_report(offset: u64, len: u64, opts: ReadOpts, bytes: impl Fn(u64, u64) -> Vec<u8>) -> Output {
    let mut text = String::new();
    let mut status = 0;
    if let Some(p) = opts.pattern {
        // In pieces, so a 2 GiB read never holds 2 GiB at once.
        const PIECE: u64 = 16 << 20;
        let mut at = offset;
        while at < offset + len {
            let n = PIECE.min(offset + len - at);
            if bytes(at, n).iter().any(|b| *b != p) {
                // qemu-io names the request, not the first byte that differs.
                text.push_str(&format!("Pattern verification failed at offset {offset}, {len} bytes\n"));
                status = 1;
                break;
            }
            at += n;
        }
    }
    if opts.dump {
        text.push_str(&dump_buffer(&bytes(offset, len.min(DUMP_MAX)), offset));
    }
    text.push_str(&report("read", offset, len));
    Output::text(text, status)
}

/// What `read -v` shows at most: a screenful of lines is plenty, and a dump
/// of gigabytes would freeze the page.
const DUMP_MAX: u64 = 64 << 10;

/// qemu-io's `dump_buffer()`: 16 bytes a line, then those that are letters
/// or digits (others as dots).
fn dump_buffer(bytes: &[u8], offset: u64) -> String {
    let mut out = String::new();
    for (i, line) in bytes.chunks(16).enumerate() {
        out.push_str(&format!("{:08x}:  ", offset + 16 * i as u64));
        for b in line {
            out.push_str(&format!("{b:02x} "));
        }
        out.push(' ');
        out.extend(line.iter().map(|&b| if b.is_ascii_alphanumeric() { b as char } else { '.' }));
        out.push('\n');
    }
    out
}

/// `write -c` as QEMU's task pool runs it (native, with zlib): up to
/// `QCOW2_MAX_WORKERS` (8) clusters are under way at once, so a cluster that
/// already holds data fails (`EIO`) while the others started with it are
/// written, and none starts once the failure is seen. The first failure
/// goes to `failed`; the writes that went through are returned. How far
/// the pool got past a failure depends on timing: QEMU 10.0.2 on this
/// machine most often wrote up to the ninth cluster, or six past the
/// failed one (clusters 0 to 8 after cluster 0 or 2 failed, 0 to 15 after
/// cluster 9 failed), so the lab stops there.
#[cfg(feature = "qcow2-compress")]
fn write_compressed_each(image: &mut Image, offset: u64, data: &Chunk, read: &mut dyn FnMut(u64, u64) -> Vec<u8>, failed: &mut Option<crate::core::qcow2::guest::GuestError>) -> Result<Vec<crate::core::qcow2::guest::FileWrite>, crate::core::qcow2::guest::GuestError> {
    const MAX_WORKERS: usize = 8;
    let (cluster, end) = (image.header.cluster_bytes(), offset + data.len);
    if offset % cluster != 0 || (end % cluster != 0 && end != image.header.size) {
        return Err(crate::core::qcow2::guest::GuestError::Invalid);
    }
    let (mut out, mut last) = (Vec::new(), usize::MAX);
    for (i, at) in (offset..end).step_by(cluster as usize).enumerate() {
        if i >= last {
            break;
        }
        let piece = data.slice(at - offset, cluster.min(end - at)).to_vec();
        match image.write_compressed(at, &piece, read) {
            Ok(mut writes) => out.append(&mut writes),
            Err(e) if failed.is_none() => (*failed, last) = (Some(e), (i + MAX_WORKERS - 1).max(MAX_WORKERS + 1)),
            Err(_) => {}
        }
    }
    Ok(out)
}
