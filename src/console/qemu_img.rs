//! `qemu-img` (create, info, check, map, measure, resize, compare, convert,
//! snapshot) as QEMU 10.0.2 prints it, on image files in the lab's
//! filesystems: a qcow2 image is written as QEMU lays it out
//! (`core::qcow2`), a raw one is a sparse (or preallocated) file, so
//! `ls -ls`, `du` and `hexdump` show what the real tool leaves.
//!
//! A qcow2 image can have a backing file (`create -b FILE -F FMT`, a linked
//! clone): reads fall through its unallocated clusters (`chain`), new
//! clusters are filled from it, and `info --backing-chain` and `map` show
//! the chain.
//!
//! Simplified: `create` makes raw and qcow2 only; `convert` takes one
//! source and no compression. `commit` and `rebase` are in `commit`.

use super::{Output, Shell};
use crate::core::media::{Chunk, Content};
use crate::core::qcow2::snapshot::Snapshot;
use crate::core::qcow2::{self, CreateError, Header};
use map::map;
use snapshot::{snapshot, snapshot_list, snapshots_json};

pub mod chain;
#[cfg(feature = "qcow2-backing")]
mod commit;
#[cfg(feature = "qemu-img-dd")]
mod dd;
#[cfg(feature = "qemu-img-help")]
mod help;
mod map; #[cfg(feature = "compare-progress")] mod compare_progress; #[cfg(feature = "rebase-progress")] mod rebase_progress;
#[cfg(feature = "qemu-img-help")]
mod option_help;
mod snapshot;

pub const VERSION: &str = "qemu-img version 10.0.2 (Debian 1:10.0.2+ds-2+deb13u1~bpo12+1)\nCopyright (c) 2003-2025 Fabrice Bellard and the QEMU Project developers\n";

pub fn run(shell: &mut Shell, args: &[String]) -> Output {
    #[cfg(feature = "qemu-img-help")]
    if let Some(text) = help::text(args) {
        return Output::text(text, 0);
    }
    let normalized: Vec<String>;
    let args = match args.split_first() {
        Some((cmd, rest)) => {
            normalized = std::iter::once(cmd.clone()).chain(getopt_words(rest, takes_argument(cmd))).collect();
            &normalized[..]
        }
        None => args,
    };
    match args.first().map(String::as_str) {
        Some("create") => create(shell, &args[1..]),
        Some("info") => info(shell, &args[1..]),
        Some("check") => check(shell, &args[1..]),
        Some("map") => map(shell, &args[1..]),
        Some("measure") => measure(shell, &args[1..]),
        Some("resize") => resize(shell, &args[1..]),
        #[cfg(not(feature = "compare-progress"))] Some("compare") => compare(shell, &args[1..]), #[cfg(feature = "compare-progress")] Some("compare") => compare_progress::compare(shell, &args[1..]),
        Some("convert") => convert(shell, &args[1..]),
        Some("snapshot") if cfg!(feature = "qcow2-snapshots") => snapshot(shell, &args[1..]),
        Some("snapshot") => Output::error("qemu-img: internal snapshots are not in the browser yet (size budget): the storage-lab command-line program has them\n", 1),
        Some("--version" | "-V") => Output::text(VERSION, 0),
        Some("--help" | "-h") => Output::text("usage: qemu-img [standard options] command [command options]\nThe lab's commands: create, info, check, map, measure, resize, compare, convert, snapshot\n", 0),
        #[cfg(feature = "qcow2-backing")]
        Some("commit") => commit::commit(shell, &args[1..]),
        #[cfg(feature = "qcow2-backing")]
        #[cfg(not(feature = "rebase-progress"))] Some("rebase") => commit::rebase(shell, &args[1..]), #[cfg(feature = "rebase-progress")] Some("rebase") => rebase_progress::rebase(shell, &args[1..]),
        #[cfg(feature = "qemu-img-dd")]
        Some("dd") => dd::dd(shell, &args[1..]),
        // (commit and rebase reach this only in the browser build.)
        #[allow(unreachable_patterns)]
        Some(cmd @ ("amend" | "bench" | "bitmap" | "commit" | "dd" | "rebase")) => fail(format!("the lab does not model 'qemu-img {cmd}'")),
        Some(other) => usage("", &format!("qemu-img: Command not found: {other}")),
        None => usage("", "qemu-img: Not enough arguments"),
    }
}

/// The option letters of a qemu-img command that take an argument (its
/// getopt string's `x:`), in QEMU 10.
fn takes_argument(cmd: &str) -> &'static str {
    match cmd {
        "create" => "Fbfo",
        "info" | "map" | "resize" => "f",
        "check" => "frT",
        "measure" => "fOol",
        "compare" => "fFT",
        "convert" => "fOBolStTmr",
        "snapshot" => "acdf",
        "commit" => "ftbr",
        "rebase" => "fFbtT",
        "dd" => "fO",
        _ => "",
    }
}

/// Command-line words as getopt_long reads them, spelt the one way the
/// lab's parsers take: `--format=qcow2` and `--format qcow2` as `-f qcow2`,
/// `-Oqcow2` as `-O qcow2`, `-pq` as `-p -q`; `--` ends the options. Other
/// words pass unchanged (`-1G` to resize is a size).
pub(crate) fn getopt_words(args: &[String], with_argument: &str) -> Vec<String> {
    const LONG: [(&str, char); 13] = [
        ("format", 'f'), ("backing", 'b'), ("backing-format", 'F'), ("options", 'o'), ("target-format", 'O'), ("repair", 'r'),
        ("cache", 't'), ("source-cache", 'T'), ("quiet", 'q'), ("progress", 'p'), ("unsafe", 'u'), ("strict", 's'), ("cmd", 'c'),
    ];
    let mut out = Vec::new();
    let mut it = args.iter();
    while let Some(a) = it.next() {
        if a == "--" {
            // Kept only before a word that would read as an option (`-1M`).
            if it.clone().any(|w| w.starts_with('-')) {
                out.push(a.clone());
            }
            out.extend(it.by_ref().cloned());
            break;
        }
        if let Some(long) = a.strip_prefix("--") {
            let (name, value) = long.split_once('=').map_or((long, None), |(n, v)| (n, Some(v.to_string())));
            match LONG.iter().find(|(n, _)| *n == name) {
                Some((_, c)) if with_argument.contains(*c) => {
                    out.push(format!("-{c}"));
                    out.extend(value.or_else(|| it.next().cloned()));
                }
                Some((_, c)) if value.is_none() => out.push(format!("-{c}")),
                _ => out.push(a.clone()),
            }
            continue;
        }
        let Some(letters) = a.strip_prefix('-').filter(|l| l.len() > 1 && l.starts_with(|c: char| c.is_ascii_alphabetic())) else {
            out.push(a.clone());
            continue;
        };
        for (i, c) in letters.char_indices() {
            out.push(format!("-{c}"));
            if with_argument.contains(c) {
                let rest = &letters[i + c.len_utf8()..];
                if !rest.is_empty() {
                    out.push(rest.to_string());
                }
                break;
            }
        }
    }
    out
}

fn fail(text: String) -> Output {
    Output::error(format!("qemu-img: {text}\n"), 1)
}

/// Image formats QEMU has besides raw and qcow2, which the lab does not
/// make; any other name is no format at all to QEMU.
/// The file protocol's refusal of an empty name.
pub(crate) const NO_FILE_NAME: &str = "The 'file' block driver requires a file name";

/// Why an image does not open with `-f FORMAT` for a format other than
/// raw and qcow2.
pub(crate) fn driver_refusal(format: &str) -> String {
    // The lab writes no image of the other formats, so the file is not one.
    match format {
        "vmdk" => "invalid VMDK image descriptor".to_string(),
        f if other_format(f) => format!("the lab reads raw and qcow2 images only, and this is no '{f}' image"),
        f => format!("Unknown driver '{f}'"),
    }
}

fn other_format(name: &str) -> bool {
    " qcow qed vdi vhdx vmdk vpc parallels luks dmg bochs cloop ".contains(&format!(" {name} "))
}

/// QEMU 10's complaint about a size it cannot read, after "Parameter 'x' ".
const NOT_A_SIZE: &str = "expects a non-negative number below 2^64\nOptional suffix k, M, G, T, P or E means kilo-, mega-, giga-, tera-, peta-\nand exabytes, respectively.";

/// QEMU 10's usage error: what went wrong, then where `cmd`'s help is.
fn usage(cmd: &str, what: &str) -> Output {
    let sep = if cmd.is_empty() { "" } else { " " };
    Output::error(format!("{what}\nTry 'qemu-img{sep}{cmd} --help' for more info\n"), 1)
}

/// An option `cmd` does not take: getopt's complaint, or the lab's when
/// QEMU knows the option (one of the letters in `real`) but the lab does
/// not. Simplified: every long option the lab lacks is "unrecognized".
fn bad_option(cmd: &str, arg: &str, real: &str) -> Output {
    let letter = arg.chars().nth(1).filter(|_| !arg.starts_with("--")).unwrap_or('-');
    match letter {
        '-' => usage(cmd, &format!("qemu-img {cmd}: unrecognized option '{arg}'")),
        c if real.contains(c) => fail(format!("the lab's qemu-img {cmd} does not take '{arg}'")),
        c => usage(cmd, &format!("qemu-img {cmd}: invalid option -- '{c}'")),
    }
}

fn missing_value(cmd: &str, flag: &str) -> Output {
    usage(cmd, &format!("qemu-img {cmd}: option requires an argument -- '{flag}'"))
}

/// `qemu_strtosz`: a number (decimals allowed) with an optional B, K, M, G,
/// T, P or E suffix in either case.
pub fn parse_size(text: &str) -> Option<u64> {
    strtosz(text).ok().filter(|v| *v < 1 << 63)
}

/// `qemu_strtosz` with its two errors: `Err(true)` for a number of 2^64 and
/// more, or a negative one (`ERANGE`), `Err(false)` for text that is not a
/// size. Its callers read the value as an `int64_t`.
pub fn strtosz(text: &str) -> Result<u64, bool> {
    // qemu_strtosz: leading blanks and a '+', hex without fraction or
    // suffix, and a fraction only with a suffix that scales it.
    let text = text.trim_start_matches(|c: char| c.is_ascii_whitespace());
    let text = text.strip_prefix('+').unwrap_or(text);
    // `parse_uint`'s ERANGE for a negative number becomes EINVAL when text
    // follows it (`-1M`, `-1.5G`).
    if let Some(digits) = text.strip_prefix('-') {
        return Err(!digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()));
    }
    if let Some(hex) = text.strip_prefix("0x").or_else(|| text.strip_prefix("0X")) {
        return u64::from_str_radix(hex, 16).map_err(|e| *e.kind() == std::num::IntErrorKind::PosOverflow);
    }
    let split = text.find(|c: char| !(c.is_ascii_digit() || c == '.')).unwrap_or(text.len());
    let (number, suffix) = text.split_at(split);
    let shift = match suffix.to_ascii_uppercase().as_str() {
        "" | "B" => 0,
        "K" => 10,
        "M" => 20,
        "G" => 30,
        "T" => 40,
        "P" => 50,
        "E" => 60,
        _ => return Err(false),
    };
    if number.is_empty() || number == "." {
        return Err(false);
    }
    let whole = number.split('.').next().unwrap_or_default();
    let val: u64 = if whole.is_empty() { 0 } else { whole.parse().map_err(|_| true)? };
    // parse_decimal, not str::parse: float parsing cost the bundle 11.2 KB gzipped (measured).
    let fraction = match &number[whole.len()..] {
        "" | "." => 0.0,
        f => super::fmt::parse_decimal(f).ok_or(false)?,
    };
    if shift == 0 && fraction != 0.0 {
        return Err(false);
    }
    // The fraction's bytes round half up, as QEMU's fixed-point sum does
    // (2.2G is 2362232013 bytes, not ...012).
    let part = (fraction * (1u64 << shift) as f64 + 0.5) as u64;
    val.checked_mul(1 << shift).and_then(|b| b.checked_add(part)).ok_or(true)
}

/// `create`'s size as img_create reads it, or its error.
fn image_size(text: &str) -> Result<u64, Output> {
    cvtnum("image size", text)
}

/// qemu-img's `cvtnum`: a size of at most 2^63 - 1, or its error naming `what`.
fn cvtnum(what: &str, text: &str) -> Result<u64, Output> {
    match strtosz(text) {
        Ok(size) if size < 1 << 63 => Ok(size),
        Ok(_) | Err(true) => Err(fail(format!("Invalid {what} specified. Must be between 0 and 9223372036854775807."))),
        Err(false) => Err(fail(format!("Invalid {what} specified: '{text}'."))),
    }
}

/// `qemu_opts_do_parse`: `key=value` items split at single commas. A
/// value's `,,` is a literal comma; a key without `=` is a flag set `on`.
fn option_list(list: &str) -> Vec<(String, String)> {
    // (The browser splits at every comma: its budget.)
    let list = if cfg!(feature = "qemu-img-arg-checks") { list.replace(",,", "\0") } else { list.to_string() };
    let comma = |t: &str| t.replace('\0', ",");
    list.split(',').map(|kv| kv.split_once('=').unwrap_or((kv, "on"))).map(|(k, v)| (comma(k), comma(v))).collect()
}

/// A value as `qemu_opts_print` shows it, its commas doubled (native: the
/// browser's budget).
fn escaped(value: &str) -> std::borrow::Cow<'_, str> {
    if cfg!(feature = "qemu-img-arg-checks") { value.replace(',', ",,").into() } else { value.into() }
}

/// An `-o` value of a size option as `qemu_opts` reads it.
fn option_size_error(key: &str, value: &str) -> Option<String> {
    match strtosz(value) {
        Ok(_) => None,
        Err(true) => Some(format!("Value '{value}' is out of range for parameter '{key}'")),
        Err(false) => Some(format!("Parameter '{key}' expects a non-negative number below 2^64\nOptional suffix k, M, G, T, P or E means kilo-, mega-, giga-, tera-, peta-\nand exabytes, respectively.")),
    }
}

/// qcow2's "Format specific information" block (`info`, and qemu-io's `info`).
pub(crate) fn format_specific(h: &Header) -> String {
    format!(
        "Format specific information:\n    compat: 1.1\n    compression type: zlib\n    lazy refcounts: {}\n    refcount bits: 16\n    corrupt: false\n    extended l2: false\n",
        h.lazy_refcounts()
    )
}

/// QEMU's `size_to_str`: three significant digits of the power of 1024
/// that keeps the number under 1000: `1 GiB`, `192 KiB`, `1.5 GiB`, `0 B`.
pub fn size_to_str(bytes: u64) -> String {
    const SUFFIXES: [&str; 7] = ["", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei"];
    let mut i = 0;
    while i < 6 && bytes as f64 * 1.024 >= (1u64 << (10 * (i + 1))) as f64 {
        i += 1;
    }
    let v = bytes as f64 / (1u64 << (10 * i)) as f64;
    let decimals = if v >= 100.0 { 0 } else if v >= 10.0 { 1 } else if v >= 1.0 { 2 } else { 3 };
    let mut text = super::fmt::fixed(v, decimals);
    if text.contains('.') {
        text = text.trim_end_matches('0').trim_end_matches('.').to_string();
    }
    format!("{text} {}B", SUFFIXES[i])
}

struct CreateOpts {
    format: Option<String>,
    options: Vec<(String, String)>,
    operands: Vec<String>,
    /// `-q`: no "Formatting ..." line (errors still print).
    quiet: bool,
    /// `-u`: the backing file is not opened, so it need not exist.
    #[cfg(feature = "qemu-img-arg-checks")]
    unsafe_backing: bool,
}

impl CreateOpts {
    fn new() -> CreateOpts {
        CreateOpts {
            format: None,
            options: Vec::new(),
            operands: Vec::new(),
            quiet: false,
            #[cfg(feature = "qemu-img-arg-checks")]
            unsafe_backing: false,
        }
    }
}

fn create_args(args: &[String]) -> Result<CreateOpts, Output> {
    let mut o = CreateOpts::new();
    // `-b` and `-F` win over `-o backing_file=` and `backing_fmt=`.
    let mut given = Vec::new();
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "-f" | "-o" | "-b" | "-F" => {
                let Some(v) = it.next() else {
                    return Err(missing_value("create", &a[1..]));
                };
                if a == "-f" {
                    o.format = Some(v.clone());
                } else if a == "-b" || a == "-F" {
                    given.push((if a == "-b" { "backing_file" } else { "backing_fmt" }.to_string(), v.clone()));
                } else {
                    // `is_valid_option_list`: no empty list, no empty first or last item.
                    if v.is_empty() || v.starts_with(',') || v.ends_with(',') && !v.ends_with(",,") {
                        return Err(Output::error(format!("qemu-img: Invalid option list: {v}\n"), 1));
                    }
                    o.options.extend(option_list(v));
                }
            }
            "-q" => o.quiet = true,
            #[cfg(feature = "qemu-img-arg-checks")]
            "-u" => o.unsafe_backing = true,
            #[cfg(not(feature = "qemu-img-arg-checks"))]
            "-u" => {}
            "--" => {
                o.operands.extend(it.by_ref().cloned());
                break;
            }
            s if s.starts_with('-') && s.len() > 1 => return Err(bad_option("create", s, "h")),
            _ => o.operands.push(a.clone()),
        }
    }
    o.options.extend(given);
    Ok(o)
}

/// `qemu_opts_do_parse` over the target's create options and the file
/// protocol's, in the order given: the first key neither names, or the
/// first value of the wrong type (convert and measure; native for the
/// budget).
#[cfg(feature = "qemu-img-arg-checks")]
fn rejected_option(format: &str, options: &[(String, String)]) -> Option<String> {
    let known = if format == "qcow2" {
        " size compat backing_file backing_fmt data_file data_file_raw encrypt encryption cluster_size preallocation lazy_refcounts refcount_bits compression_type extended_l2 nocow extent_size_hint "
    } else {
        " size preallocation nocow extent_size_hint "
    };
    options.iter().find_map(|(k, v)| match k.as_str() {
        k if !known.contains(&format!(" {k} ")) && !(k.starts_with("encrypt.") && format == "qcow2") => Some(format!("Invalid parameter '{k}'")),
        "lazy_refcounts" | "nocow" if qapi_bool(v).is_none() => Some(format!("Parameter '{k}' expects 'on' or 'off'")),
        "size" | "cluster_size" | "extent_size_hint" => option_size_error(k, v),
        _ => None,
    })
}

fn create(shell: &mut Shell, args: &[String]) -> Output {
    let o = match create_args(args) {
        Ok(o) => o,
        Err(out) => return out,
    };
    #[cfg(feature = "qemu-img-help")]
    if option_help::asked(&o.options) && matches!(o.format.as_deref(), None | Some("raw" | "qcow2")) {
        return Output::text(option_help::text(o.format.as_deref().unwrap_or("raw"), !o.operands.is_empty()), 0);
    }
    let Some(name) = o.operands.first() else {
        return usage("create", "qemu-img: Expecting image file name");
    };
    // img_create reads the size operand, and refuses one more, before
    // bdrv_img_create looks at the format and then at the -o options.
    if let Some(Err(out)) = o.operands.get(1).filter(|_| cfg!(feature = "qemu-img-arg-checks")).map(|t| image_size(t)) {
        return out;
    }
    if let Some(extra) = o.operands.get(2) {
        return usage("create", &format!("qemu-img: Unexpected argument: {extra}"));
    }
    let format = o.format.clone().unwrap_or_else(|| "raw".into());
    if format != "raw" && format != "qcow2" {
        if !other_format(&format) {
            return fail(format!("{name}: Unknown file format '{format}'"));
        }
        return fail(format!("{name}: the lab makes raw and qcow2 images only, not '{format}'"));
    }
    // The options each driver creates with, and the file protocol's; the
    // block layer, not the raw driver, refuses a backing file for raw.
    let known = if o.format.as_deref() == Some("qcow2") {
        " size compat backing_file backing_fmt data_file data_file_raw encrypt encryption cluster_size preallocation lazy_refcounts refcount_bits compression_type extended_l2 nocow extent_size_hint "
    } else {
        " size preallocation nocow extent_size_hint backing_file backing_fmt "
    };
    if let Some((k, _)) = o.options.iter().find(|(k, _)| !known.contains(&format!(" {k} ")) && !k.starts_with("encrypt.")) {
        return fail(format!("{name}: Invalid parameter '{k}'"));
    }
    for (k, v) in o.options.iter().filter(|_| cfg!(feature = "qemu-img-arg-checks")) {
        let why = match k.as_str() {
            "size" | "cluster_size" | "extent_size_hint" => option_size_error(k, v).map(|why| format!("{name}: {why}")),
            "refcount_bits" if v.parse::<u64>().is_err() => Some(format!("{name}: Parameter 'refcount_bits' expects a number")),
            "nocow" | "encryption" if qapi_bool(v).is_none() => Some(format!("{name}: Parameter '{k}' expects 'on' or 'off'")),
            _ => None,
        };
        if let Some(why) = why {
            return fail(why);
        }
    }
    let opt = |k: &str| o.options.iter().rev().find(|(key, _)| key == k).map(|(_, v)| v.as_str());
    // `bdrv_img_create` compares the names as given, not the files.
    if opt("backing_file") == Some(name.as_str()) {
        return fail(format!("{name}: Error: Trying to create an image with the same filename as the backing file"));
    }
    #[cfg(feature = "qemu-img-arg-checks")]
    if format == "raw" && opt("backing_file").is_none() && opt("backing_fmt").is_some() {
        return fail(format!("{name}: Backing file format not supported for file format 'raw'"));
    }
    let below = match opt("backing_file") {
        Some(_) if format == "raw" => return fail(format!("{name}: Backing file not supported for file format 'raw'")),
        // bdrv_img_create opens the backing file only for a size it lacks.
        #[cfg(feature = "qemu-img-arg-checks")]
        Some(_) if o.unsafe_backing && opt("backing_fmt").is_none() => return fail(format!("{name}: Backing file specified without backing format")),
        #[cfg(feature = "qemu-img-arg-checks")]
        Some(_) if o.unsafe_backing => None,
        Some(b) => match open_backing(shell, name, b, opt("backing_fmt")) {
            Ok(size) => Some(size),
            Err(out) => return out,
        },
        None => None,
    };
    // A size in -o reads like the operand (QEMU words a bad one differently).
    // `-o size` is a uint64 that the create code reads as an int64.
    let wrapped = opt("size").filter(|_| cfg!(feature = "qemu-img-arg-checks")).and_then(|t| strtosz(t).ok()).filter(|n| *n >= 1 << 63 && o.operands.len() < 2);
    let size = match (o.operands.get(1).map(String::as_str).or(opt("size")), below) {
        _ if wrapped.is_some() => wrapped.unwrap_or_default(),
        (Some(text), _) => match image_size(text) {
            Ok(size) => size,
            Err(out) => return out,
        },
        (None, Some(size)) => size,
        (None, None) => return fail(format!("{name}: Image creation needs a size parameter")),
    };
    if o.operands.len() > 1 && opt("size").is_some() {
        return fail(format!("{name}: The image size must be specified only once"));
    }
    let path = shell.abs(name);
    let mut out = if format == "raw" { create_raw(shell, name, &path, size, opt("preallocation")) } else { create_qcow2(shell, name, &path, size, &o) };
    #[cfg(feature = "qemu-img-arg-checks")]
    if format == "raw" {
        echo_protocol_options(&mut out, &o.options);
    }
    // The qcow2 driver's errors come after the file was made (and an old one
    // emptied): `qcow2_co_create_opts` deletes it. The lab's own limits do not.
    if format != "raw" && out.exit_status != 0 && out.err.starts_with("Formatting '") && !out.err.contains("the lab") && !out.err.contains("storage-lab ") {
        let _ = shell.machine.remove(&path, false);
    }
    if o.quiet {
        for text in [&mut out.text, &mut out.err] {
            if text.starts_with("Formatting '") {
                *text = text.split_once('\n').map_or(String::new(), |(_, rest)| rest.to_string());
            }
        }
    }
    // A failed create's "Formatting" line is on standard output, the error
    // after it on standard error (the browser shows one stream).
    #[cfg(feature = "shell-scripts")]
    if let Some((line, error)) = out.err.split_once('\n').filter(|(l, _)| l.starts_with("Formatting '") && out.exit_status != 0) {
        let mut split = Output { exit_status: out.exit_status, events: std::mem::take(&mut out.events), ..Output::default() };
        split.say(&format!("{line}\n"));
        split.complain(error);
        return split;
    }
    out
}

/// The backing file of a new image, opened as `bdrv_img_create` does:
/// its virtual size, or qemu-img's error.
fn open_backing(shell: &Shell, name: &str, backing: &str, format: Option<&str>) -> Result<u64, Output> {
    if !cfg!(feature = "qcow2-backing") {
        return Err(fail(format!("{name}: backing files are in the storage-lab command-line program, not in the browser yet")));
    }
    if backing.is_empty() && cfg!(feature = "qemu-img-arg-checks") {
        return Err(fail(format!("{name}: Expected backing file name, got empty string")));
    }
    if let Some(f) = format.filter(|f| cfg!(feature = "qemu-img-arg-checks") && !matches!(*f, "raw" | "qcow2") && !other_format(f)) {
        return Err(fail(format!("{name}: Unknown driver '{f}'\nCould not open backing image.")));
    }
    let full = chain::combine(name, backing);
    let layer = match shell.machine.stat_path(&shell.abs(&full)) {
        Ok(s) if !s.stat.is_dir => chain::layer(&shell.machine, &full, &shell.abs(&full), format == Some("raw")),
        Ok(_) => return Err(fail(format!("{name}: Could not open '{full}': Is a directory\nCould not open backing image."))),
        Err(e) => return Err(fail(format!("{name}: Could not open '{full}': {}\nCould not open backing image.", e.text()))),
    };
    let Some(layer) = layer else { return Err(fail(format!("{name}: Could not open '{full}'\nCould not open backing image."))) };
    match format {
        None => Err(fail(format!("{name}: Backing file specified without backing format\nDetected format of {}.", if layer.header.is_some() { "qcow2" } else { "raw" }))),
        Some("qcow2") if layer.header.is_none() => Err(fail(format!("{name}: Image is not in qcow2 format\nCould not open backing image."))),
        Some("raw" | "qcow2") => {
            // Opening the backing file opens its own chain below it.
            let below = chain::Chain::open(&shell.machine, &full, &shell.abs(&full), format == Some("raw"));
            match below.missing(&shell.machine) {
                Some(why) => Err(fail(format!("{name}: {why}\nCould not open backing image."))),
                None => Ok(layer.size),
            }
        }
        Some(f) => Err(fail(format!("{name}: {}\nCould not open backing image.", driver_refusal(f)))),
    }
}

fn create_raw(shell: &mut Shell, name: &str, path: &str, size: u64, prealloc: Option<&str>) -> Output {
    let mut text = format!("Formatting '{name}', fmt=raw size={}", size as i64);
    if let Some(p) = prealloc {
        text.push_str(&format!(" preallocation={}", escaped(p)));
    }
    text.push('\n');
    match raw_file(&mut shell.machine, name, path, size, prealloc.unwrap_or("off")) {
        Ok(events) => Output { text, events, ..Output::default() },
        Err(e) => after_formatting(text, fail(format!("{name}: {e}"))),
    }
}

/// Why the file protocol cannot create `name`: an empty name is no file.
fn create_error(name: &str, e: crate::core::vfs::VfsError) -> &'static str {
    if name.is_empty() && cfg!(feature = "qemu-img-arg-checks") { "No such file or directory" } else { e.text() }
}

/// file-posix's create: the file emptied, then grown to the size and
/// preallocated as asked; Err is the driver's message. A failed
/// preallocation leaves the file empty, as QEMU truncates it back.
fn raw_file(m: &mut crate::core::machine::Machine, name: &str, path: &str, size: u64, prealloc: &str) -> Result<Vec<crate::core::Event>, String> {
    if !matches!(prealloc, "off" | "metadata" | "falloc" | "full") {
        return Err(format!("invalid parameter value: {prealloc}"));
    }
    m.truncate_file(path, 0).map_err(|e| format!("Could not create '{name}': {}", create_error(name, e)))?;
    // Rounded up to whole sectors, the size is negative as an off_t.
    if size > (1 << 63) - 512 {
        return Err("Could not resize file: Invalid argument".into());
    }
    // The block layer rounds a new image up to whole 512-byte sectors.
    let size = size.next_multiple_of(512);
    let (result, why) = match prealloc {
        // QEMU's raw create writes the first 4 KiB (`allocate_first_block`),
        // so even a sparse image has one block: "disk size: 4 KiB".
        "off" => (m.truncate_file(path, size).and_then(|_| m.write_file(path, 0, Chunk::zeros(size.min(4096)))), "Could not resize file"),
        "falloc" => (m.fallocate(path, size).and_then(|_| m.write_file(path, 0, Chunk::zeros(size.min(4096)))), "Could not preallocate new data"),
        "full" => (m.write_file(path, 0, Chunk::zeros(size)), "Could not write zeros for preallocation"),
        _ => return Err("Unsupported preallocation mode: metadata".into()),
    };
    result.map_err(|e| {
        let _ = m.truncate_file(path, 0);
        // `bdrv_img_create` words EFBIG its own way.
        if e == crate::core::vfs::VfsError::FileTooLarge {
            return "The image size is too large for file format 'raw'".into();
        }
        format!("{why}: {}", e.text())
    })
}

/// The file protocol's options the Formatting line ends with (QEMU echoes
/// them; the lab's ext4 has no use for them).
#[cfg(feature = "qemu-img-arg-checks")]
fn protocol_options(options: &[(String, String)]) -> String {
    let opt = |k: &str| options.iter().rev().find(|(key, _)| key == k).map(|(_, v)| v.as_str());
    let mut t = opt("nocow").map(|v| format!(" nocow={v}")).unwrap_or_default();
    if let Some(hint) = opt("extent_size_hint").and_then(parse_size) {
        t.push_str(&format!(" extent_size_hint={hint}"));
    }
    t
}

/// Ends the Formatting line (on standard output, or before an error on
/// standard error) with the file protocol's options.
#[cfg(feature = "qemu-img-arg-checks")]
fn echo_protocol_options(out: &mut Output, options: &[(String, String)]) {
    let extra = protocol_options(options);
    for t in [&mut out.text, &mut out.err] {
        if t.starts_with("Formatting '") {
            if let Some(end) = t.find('\n') {
                t.insert_str(end, &extra);
            }
        }
    }
}

/// qcow2's encryption options, echoed first (the lab has no `--object
/// secret`, so every encrypted image fails as QEMU's does without one).
#[cfg(feature = "qemu-img-arg-checks")]
fn encryption_options(options: &[(String, String)]) -> (String, Option<String>) {
    let asked: Vec<&(String, String)> = options.iter().filter(|(k, _)| k == "encryption" || k.starts_with("encrypt.")).collect();
    let text: String = asked.iter().map(|(k, v)| format!(" {k}={v}")).collect();
    let set = |k: &str| asked.iter().rev().find(|(key, _)| key == k).map(|(_, v)| v.as_str());
    // create() has refused a value that is no boolean.
    let old_flag = set("encryption").map(|v| qapi_bool(v).unwrap_or(false));
    let others = asked.iter().any(|(k, _)| k != "encryption");
    let why = match (set("encrypt.format"), old_flag, set("encrypt.key-secret")) {
        (Some(_), Some(_), _) => Some("'encrypt.format' and its alias 'encryption' can't be used at the same time".to_string()),
        (Some(f), None, _) if !matches!(f, "aes" | "luks") => Some(format!("Parameter 'format' does not accept value '{f}'")),
        (None, Some(false), _) if !others => None,
        (None, None | Some(false), _) if others => Some("Parameter 'encrypt.format' is missing".to_string()),
        (None, None, _) => None,
        (_, _, None) => Some("Parameter 'encrypt.key-secret' is required for cipher".to_string()),
        (_, _, Some(id)) => Some(format!("No secret with id '{id}'")),
    };
    (text, why)
}

/// An error the driver finds once "Formatting ..." is printed: on a
/// terminal the line comes first (the lab shows standard error first).
fn after_formatting(formatting: String, error: Output) -> Output {
    Output { err: formatting + &error.err, ..error }
}

fn create_qcow2(shell: &mut Shell, name: &str, path: &str, size: u64, o: &CreateOpts) -> Output {
    let opt = |k: &str| o.options.iter().rev().find(|(key, _)| key == k).map(|(_, v)| v.as_str());
    let cluster_text = opt("cluster_size").unwrap_or("65536");
    let lazy_text = opt("lazy_refcounts").unwrap_or("off");
    let Some(lazy) = qapi_bool(lazy_text) else {
        return fail(format!("{name}: Parameter 'lazy_refcounts' expects 'on' or 'off'"));
    };
    let extended_text = opt("extended_l2").unwrap_or("off");
    let Some(extended_l2) = qapi_bool(extended_text) else {
        return fail(format!("{name}: Parameter 'extended_l2' expects 'on' or 'off'"));
    };
    let cluster = parse_size(cluster_text).unwrap_or(0);
    let mut text = format!("Formatting '{name}', fmt=qcow2 cluster_size={cluster} extended_l2={extended_text}");
    #[cfg(feature = "qemu-img-arg-checks")]
    let (encryption, encryption_error) = encryption_options(&o.options);
    #[cfg(feature = "qemu-img-arg-checks")]
    text.insert_str("Formatting '".len() + name.len() + "', fmt=qcow2".len(), &encryption);
    if let Some(p) = opt("preallocation") {
        text.push_str(&format!(" preallocation={}", escaped(p)));
    }
    let backing = opt("backing_file").filter(|_| cfg!(feature = "qcow2-backing")).map(|file| qcow2::Backing { file: file.to_string(), format: opt("backing_fmt").unwrap_or("raw").to_string() });
    // A format with no file: echoed, then refused (native: the browser has no backing files).
    let lone_format = opt("backing_fmt").filter(|_| backing.is_none() && cfg!(feature = "qcow2-backing"));
    let backing_text = match (&backing, lone_format) {
        (Some(b), _) => format!(" backing_file={} backing_fmt={}", escaped(&b.file), escaped(&b.format)),
        (None, Some(f)) => format!(" backing_fmt={f}"),
        (None, None) => String::new(),
    };
    let compression = opt("compression_type").unwrap_or("zlib");
    let compat = opt("compat").map(|c| format!(" compat={}", escaped(c))).unwrap_or_default();
    #[cfg_attr(not(feature = "qemu-img-arg-checks"), allow(unused_mut))]
    let mut data_file = opt("data_file").map(|d| format!(" data_file={d}")).unwrap_or_default();
    let refcount_text = opt("refcount_bits").unwrap_or("16");
    #[cfg(feature = "qemu-img-arg-checks")]
    if let Some(raw) = opt("data_file_raw") {
        data_file.push_str(&format!(" data_file_raw={raw}"));
    }
    text.push_str(&format!(" compression_type={compression} size={}{compat}{backing_text}{data_file} lazy_refcounts={lazy_text} refcount_bits={refcount_text}\n", size as i64));
    #[cfg(feature = "qemu-img-arg-checks")]
    text.insert_str(text.len() - 1, &protocol_options(&o.options));
    let with_text = |out: Output| after_formatting(text.clone(), out);
    #[cfg(feature = "qemu-img-arg-checks")]
    if let Some(why) = encryption_error {
        return with_text(fail(format!("{name}: {why}")));
    }
    #[cfg(feature = "qemu-img-arg-checks")]
    if opt("data_file_raw").and_then(qapi_bool) == Some(true) && opt("data_file").is_none() {
        return with_text(fail(format!("{name}: data-file-raw requires data-file")));
    }
    if let Some(why) = version_3_options(opt("compat"), lazy, refcount_text, compression, extended_l2, opt("data_file").is_some()) {
        return with_text(fail(format!("{name}: {why}")));
    }
    let prealloc = opt("preallocation").unwrap_or("off");
    if !matches!(prealloc, "off" | "metadata" | "falloc" | "full") {
        return with_text(fail(format!("{name}: Parameter 'preallocation' does not accept value '{prealloc}'")));
    }
    if matches!(prealloc, "falloc" | "full") && !cfg!(feature = "qcow2-data-prealloc") {
        return with_text(fail(format!("{name}: preallocation={prealloc} of qcow2 images is in the storage-lab command-line program, not in the browser yet")));
    }
    if !cluster.is_power_of_two() {
        return with_text(fail(format!("{name}: Cluster size must be a power of two between 512 and 2048k")));
    }
    // qcow2_co_create's checks after the cluster size.
    if backing.is_some() && prealloc != "off" {
        return with_text(fail(format!("{name}: Backing file and preallocation can only be used at the same time if extended_l2 is on")));
    }
    if lone_format.is_some() {
        return with_text(fail(format!("{name}: Backing format cannot be used without backing file")));
    }
    if size >= 1 << 63 {
        return with_text(fail(format!("{name}: Could not resize image: Image size cannot be negative")));
    }
    // The block layer rounds a new image up to whole 512-byte sectors.
    let created = match qcow2::create(size.next_multiple_of(512), cluster.trailing_zeros(), lazy, backing.as_ref()) {
        Ok(c) => c,
        Err(CreateError::ClusterSize) => return with_text(fail(format!("{name}: Cluster size must be a power of two between 512 and 2048k"))),
        Err(CreateError::BackingNameTooLong) => return with_text(fail(format!("{name}: Backing file name too long"))),
        Err(CreateError::TooLarge) => return with_text(fail(format!("{name}: The image size is too large for file format 'qcow2' (try using a larger cluster size)"))),
        Err(CreateError::TooManyMetadataClusters) => {
            return with_text(fail(format!("{name}: the lab's qcow2 model counts at most 2^24 clusters of metadata; use a larger cluster_size")));
        }
    };
    let m = &mut shell.machine;
    let mut events = match m.truncate_file(path, 0) {
        Ok(e) => e,
        Err(e) => return with_text(fail(format!("{name}: Could not create '{name}': {}", create_error(name, e)))),
    };
    for (offset, bytes) in created.writes {
        match m.write_file(path, offset, Chunk::bytes(&bytes)) {
            Ok(e) => events.extend(e),
            Err(e) => return with_text(fail(format!("{name}: Could not write qcow2 header: {}", e.text()))),
        }
    }
    let preallocated = match prealloc {
        "metadata" => preallocate_metadata(m, path, created.header, 0),
        // (The browser build refused these above; the guard keeps their code out of it.)
        "falloc" | "full" if cfg!(feature = "qcow2-data-prealloc") => preallocate_data(m, path, created.header, 0, prealloc == "full"),
        _ => Ok(Vec::new()),
    };
    match preallocated {
        Ok(e) => events.extend(e),
        Err(e) => {
            // `qcow2_co_create_opts` deletes the file it could not finish.
            let _ = m.remove(path, false);
            return with_text(fail(format!("{name}: Could not resize image: {e}")));
        }
    }
    Output { text, events, ..Output::default() }
}

/// The most guest clusters `preallocation=metadata|falloc|full` maps here:
/// laying such an image out costs the lab about 30 bytes a cluster (16 of
/// them the L2 tables, which the file holds as bytes). The command-line
/// program takes 1 TiB of 64 KiB clusters; a browser tab 128 GiB.
#[cfg(not(target_arch = "wasm32"))]
const PREALLOCATE_MAX_CLUSTERS: u64 = 1 << 24;
#[cfg(target_arch = "wasm32")]
const PREALLOCATE_MAX_CLUSTERS: u64 = 1 << 21;

fn preallocate_metadata(m: &mut crate::core::machine::Machine, path: &str, header: Header, from: u64) -> Result<Vec<crate::core::Event>, String> {
    if (header.size - from).div_ceil(header.cluster_bytes()) > PREALLOCATE_MAX_CLUSTERS {
        return Err(format!("the lab preallocates at most {PREALLOCATE_MAX_CLUSTERS} clusters; use preallocation=off or a larger cluster_size"));
    }
    let (writes, file_end) = {
        let mut read = |o: u64, n: u64| m.read_file(path, o, n).unwrap_or_default();
        let mut image = qcow2::guest::Image::open(header, &mut read);
        image.preallocate_metadata(from, &mut read).map_err(|e| e.text().to_string())?
    };
    let mut events = apply_writes(m, path, writes)?;
    if m.file_size(path).map_err(|e| e.text().to_string())? < file_end {
        events.extend(m.truncate_file(path, file_end).map_err(|e| e.text().to_string())?);
    }
    Ok(events)
}

/// `preallocation=falloc|full`: the data clusters sit in one run after the
/// metadata, and file-posix grows the file over them with `fallocate`
/// (unwritten blocks) or with written zeros, before the L2 tables point
/// into the run.
fn preallocate_data(m: &mut crate::core::machine::Machine, path: &str, header: Header, from: u64, full: bool) -> Result<Vec<crate::core::Event>, String> {
    if (header.size - from).div_ceil(header.cluster_bytes()) > PREALLOCATE_MAX_CLUSTERS {
        return Err(format!("the lab preallocates at most {PREALLOCATE_MAX_CLUSTERS} clusters; use preallocation=off or a larger cluster_size"));
    }
    let mut image = qcow2::guest::Image::open(header, &mut |o, n| m.read_file(path, o, n).unwrap_or_default());
    let (writes, start, end) = image.preallocate_area(from).map_err(|e| e.text().to_string())?;
    let mut events = apply_writes(m, path, writes)?;
    let length = m.file_size(path).map_err(|e| e.text().to_string())?;
    let grown = if full { m.write_file(path, length, Chunk::zeros(end - length)) } else { m.fallocate_range(path, length, end - length) };
    let doing = if full { "Could not write zeros for preallocation" } else { "Could not preallocate new data" };
    events.extend(grown.map_err(|e| format!("Failed to resize underlying file: {doing}: {}", e.text()))?);
    let writes = image.link_data_area(from, start, &mut |o, n| m.read_file(path, o, n).unwrap_or_default()).map_err(|e| e.text().to_string())?;
    events.extend(apply_writes(m, path, writes)?);
    Ok(events)
}

/// The options `info`, `check`, `map` and `measure` share.
#[derive(Default)]
struct ReadOpts {
    json: bool,
    /// `info --backing-chain`.
    chain: bool,
    format: Option<String>,
    out_format: Option<String>,
    size: Option<String>,
    options: Vec<(String, String)>,
    files: Vec<String>,
    /// `-U`: open without the image's lock, beside a process that holds it.
    force_share: bool,
    /// `check -r`: opens the image for writing.
    repair: bool,
    /// `check -r leaks|all`: what it repairs.
    fix: qcow2::check::Fix,
    /// `-q` (check, resize): nothing on standard output.
    quiet: bool,
    /// map's `--start-offset` and `--max-length`, in bytes.
    start_offset: u64,
    max_length: Option<u64>,
}

/// The options of `cmd`; `real` lists the other option letters QEMU's
/// getopt takes for it (the lab answers those with its own message).
fn read_args(cmd: &str, args: &[String], real: &str) -> Result<ReadOpts, Output> {
    let mut o = ReadOpts::default();
    let mut it = args.iter();
    while let Some(a) = it.next() {
        let mut value = |flag: &str| it.next().cloned().ok_or_else(|| missing_value(cmd, flag));
        let output = match a.strip_prefix("--output=") {
            Some(v) => Some(v.to_string()),
            None if a == "--output" => Some(value("output")?),
            None => None,
        };
        if let Some(v) = output {
            o.json = match v.as_str() {
                "json" => true,
                "human" => false,
                _ => return Err(usage(cmd, &format!("qemu-img: --output expects 'human' or 'json' not '{v}'"))),
            };
            continue;
        }
        match a.as_str() {
            "--backing-chain" => o.chain = true,
            // QEMU 10's short form.
            #[cfg(feature = "qemu-img-arg-checks")]
            "-b" if cmd == "info" => o.chain = true,
            "-U" | "--force-share" if cmd != "resize" => o.force_share = true,
            "-r" | "--repair" if cmd == "check" => {
                let v = value("r")?;
                if v != "leaks" && v != "all" {
                    return Err(usage(cmd, &format!("qemu-img: --repair (-r) expects 'leaks' or 'all' not '{v}'")));
                }
                o.repair = true;
                o.fix = qcow2::check::Fix { leaks: true, errors: v == "all" };
            }
            "-f" => o.format = Some(value("f")?),
            "-O" => o.out_format = Some(value("O")?),
            "-q" if matches!(cmd, "check" | "resize") => o.quiet = true,
            "--size" => o.size = Some(value("size")?),
            // Only measure (and resize's own parser) takes -o.
            "-o" if !cfg!(feature = "qemu-img-arg-checks") || cmd == "measure" => {
                o.options.extend(option_list(&value("o")?));
            }
            s if s.starts_with("--size=") => o.size = Some(s[7..].to_string()),
            s if cmd == "map" && (s.starts_with("--start-offset") || s.starts_with("--max-length")) => {
                let (name, inline) = s.split_once('=').map_or((s, None), |(n, v)| (n, Some(v.to_string())));
                let text = match inline {
                    Some(v) => v,
                    None => value(&name[2..])?,
                };
                if name == "--start-offset" {
                    o.start_offset = cvtnum("start offset", &text)?;
                } else if name == "--max-length" {
                    o.max_length = Some(cvtnum("max length", &text)?);
                } else {
                    return Err(bad_option(cmd, s, real));
                }
            }
            "--" => {
                o.files.extend(it.by_ref().cloned());
                break;
            }
            s if s.starts_with('-') && s.len() > 1 => return Err(bad_option(cmd, s, real)),
            _ => o.files.push(a.clone()),
        }
    }
    Ok(o)
}

/// QEMU's refusal of `-U` where the image would be written.
pub(crate) const SHARE_READ_ONLY: &str = "force-share=on can only be used with read-only images";

/// qemu's error for an image another process (here `qemu-nbd`) holds the
/// write lock of: opens for writing want that lock, read-only opens a
/// shared one.
pub(crate) fn lock_error(shell: &Shell, name: &str, write: bool) -> Option<String> {
    let held = shell.machine.image_served(&shell.abs(name)) || (write && shell.machine.image_backs_served(&shell.abs(name)));
    let kind = if write { "" } else { "shared " };
    held.then(|| format!("Failed to get {kind}\"write\" lock\nIs another process using the image [{name}]?"))
}

/// Opens an image file: its facts, or qemu-img's "Could not open" error.
/// How a command opens an image: QEMU's lock and its error for a directory
/// depend on it.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Access {
    /// Read-only, with the shared lock.
    Read,
    /// Read-only without a lock (`-U`).
    Shared,
    Write,
}

impl Access {
    pub(crate) fn reading(force_share: bool) -> Access {
        if force_share {
            Access::Shared
        } else {
            Access::Read
        }
    }
}

fn open(shell: &Shell, name: &str, format: Option<&str>, access: Access) -> Result<Facts, Output> {
    if let Some(f) = format.filter(|f| !matches!(*f, "raw" | "qcow2")) {
        return Err(fail(format!("Could not open '{name}': {}", driver_refusal(f))));
    }
    if name.is_empty() && cfg!(feature = "qemu-img-arg-checks") {
        return Err(fail(format!("Could not open '': {NO_FILE_NAME}")));
    }
    let path = shell.abs(name);
    let m = &shell.machine;
    let st = match m.stat_path(&path) {
        Ok(s) if s.stat.is_dir && access == Access::Write => return Err(fail(format!("Could not open '{name}': Could not open '{name}': Is a directory"))),
        Ok(s) if s.stat.is_dir => return Err(fail(format!("Could not open '{name}': 'file' driver requires '{name}' to be a regular file"))),
        Ok(s) => s.stat,
        Err(e) => return Err(fail(format!("Could not open '{name}': Could not open '{name}': {}", e.text()))),
    };
    if let Some(why) = lock_error(shell, name, false).filter(|_| access == Access::Read) {
        return Err(fail(format!("Could not open '{name}': {why}")));
    }
    let head = m.read_file(&path, 0, 512).unwrap_or_default();
    let header = Header::decode(&head).filter(|_| format != Some("raw"));
    if header.is_none() && (format == Some("qcow2") || format.is_none() && Header::probes(&head)) {
        let why = Header::refusal(&head).unwrap_or_else(|| "Image is not in qcow2 format".into());
        return Err(fail(format!("Could not open '{name}': {why}")));
    }
    let backing = header.as_ref().filter(|h| cfg!(feature = "qcow2-backing") && h.backing_file_offset != 0).and_then(|h| {
        let b = qcow2::backing(h, &m.read_file(&path, 0, h.backing_file_offset.saturating_add(u64::from(h.backing_file_size))).unwrap_or_default())?;
        let full = chain::combine(name, &b.file);
        Some((b.file, b.format, full))
    });
    let snapshots = match &header {
        Some(h) if cfg!(feature = "qcow2-snapshots") => qcow2::snapshot::read_table(h, &mut |o, n| m.read_file(&path, o, n).unwrap_or_default()),
        _ => Vec::new(),
    };
    Ok(Facts { name: name.to_string(), path, length: st.size, disk_bytes: st.blocks_512 * 512, header, snapshots, backing })
}

/// The options and the one image of `info`, `check` and `map`.
fn open_one(shell: &Shell, cmd: &str, args: &[String], real: &str) -> Result<(ReadOpts, Facts), Output> {
    let o = read_args(cmd, args, real)?;
    let [name] = o.files.as_slice() else {
        return Err(usage(cmd, "qemu-img: Expecting one image file name"));
    };
    if o.force_share && o.repair {
        return Err(fail(format!("Could not open '{name}': {SHARE_READ_ONLY}")));
    }
    let f = open(shell, name, o.format.as_deref(), Access::reading(o.force_share))?;
    Ok((o, f))
}

/// QEMU's error when a backing file of `f` does not open: every command
/// but `info` opens the whole chain.
fn chain_error(shell: &Shell, f: &Facts) -> Option<Output> {
    if !cfg!(feature = "qcow2-backing") {
        return None;
    }
    let why = f.backing.as_ref().and_then(|_| chain::Chain::open(&shell.machine, &f.name, &f.path, false).missing(&shell.machine))?;
    Some(fail(format!("Could not open '{}': {why}", f.name)))
}

fn info(shell: &mut Shell, args: &[String]) -> Output {
    let (o, f) = match open_one(shell, "info", args, "h") {
        Ok(v) => v,
        Err(out) => return out,
    };
    let mut all = vec![f];
    while o.chain {
        let Some((_, format, full)) = all.last().and_then(|f| f.backing.clone()) else { break };
        // `collect_image_info_list` knows the chain by its names.
        if cfg!(feature = "qcow2-backing") && all.iter().any(|f| f.name == full) {
            return fail(format!("Backing file '{full}' creates an infinite loop."));
        }
        match open(shell, &full, Some(&format), Access::reading(o.force_share)) {
            Ok(next) if all.len() < 16 => all.push(next),
            Ok(_) => break,
            Err(out) => return out,
        }
    }
    if !o.json {
        return Output::text(all.iter().map(Facts::human).collect::<Vec<_>>().join("\n"), 0);
    }
    if !o.chain {
        return Output::text(all[0].json(), 0);
    }
    // The list indents each image's object by four more spaces.
    let objects: Vec<String> = all.iter().map(|f| f.json().trim_end().lines().map(|l| format!("    {l}")).collect::<Vec<_>>().join("\n")).collect();
    Output::text(format!("[\n{}\n]\n", objects.join(",\n")), 0)
}

/// `qemu-img check`: a qcow2 image's refcounts against the references its
/// tables make (`core::qcow2::check`); `-r` repairs, then checks again.
fn check(shell: &mut Shell, args: &[String]) -> Output {
    let (o, f) = match open_one(shell, "check", args, "hT") {
        Ok(v) => v,
        Err(out) => return out,
    };
    if let Some(out) = chain_error(shell, &f) {
        return out;
    }
    let Some(h) = &f.header else {
        let refusal = "qemu-img: This image format does not support checks\n";
        // -r opens the image for writing, and a probed raw one warns (native).
        #[cfg(feature = "qemu-img-arg-checks")]
        if o.repair && o.format.is_none() {
            return Output::error(format!("{}{refusal}", probed_raw_warning(&f.name)), 63);
        }
        return Output::error(refusal, 63);
    };
    if f.length.div_ceil(h.cluster_bytes()) > qcow2::check::MAX_FILE_CLUSTERS {
        return fail(format!("the lab's qemu-img check counts files of at most {} clusters; this one is longer", qcow2::check::MAX_FILE_CLUSTERS));
    }
    // The browser checks without repairing (feature `qcow2-repair`: budget).
    let fix = if cfg!(feature = "qcow2-repair") { o.fix } else { qcow2::check::Fix::default() };
    let first = {
        let mut read = |o: u64, n: u64| shell.machine.read_file(&f.path, o, n).unwrap_or_default();
        qcow2::check::check(h, f.length, &mut read, fix)
    };
    let mut err: String = first.messages.iter().map(|l| format!("{l}\n")).collect();
    if o.repair && !cfg!(feature = "qcow2-repair") && first.exit_status() != 0 {
        err.push_str("qemu-img: check -r repairs in the storage-lab command-line program; the browser only checks\n");
    }
    if !cfg!(feature = "qcow2-check-messages") && (first.exit_status() != 0 || first.leaks_fixed + first.corruptions_fixed > 0) {
        err.push_str("qemu-img: the browser counts the damaged and leaked clusters; the storage-lab command-line program names each one\n");
    }
    if o.repair && first.rebuild {
        let why = if o.fix.errors { "qemu-img: the lab does not rebuild refcount structures as -r all would here; the image is unchanged\n" } else { "ERROR need to rebuild refcount structures\nqemu-img: Check failed: Input/output error\n" };
        return Output::error(format!("{err}{why}"), 1);
    }
    let (mut events, mut t) = (Vec::new(), String::new());
    let fixed = (first.leaks_fixed, first.corruptions_fixed);
    let r = if fixed.0 + fixed.1 == 0 {
        first
    } else {
        match apply_writes(&mut shell.machine, &f.path, first.writes) {
            Ok(e) => events = e,
            Err(e) => return Output::error(format!("{err}qemu-img: Check failed: {e}\n"), 1),
        }
        // The second check names what is still wrong, as the first did.
        let again = {
            let mut read = |o: u64, n: u64| shell.machine.read_file(&f.path, o, n).unwrap_or_default();
            let length = shell.machine.file_size(&f.path).unwrap_or(f.length);
            qcow2::check::check(h, length, &mut read, qcow2::check::Fix::default())
        };
        err.extend(again.messages.iter().map(|l| format!("{l}\n")));
        if !o.json {
            t.push_str(&format!("The following inconsistencies were found and repaired:\n\n    {} leaked clusters\n    {} corruptions\n\nDouble checking the fixed image now...\n", fixed.0, fixed.1));
        }
        again
    };
    if o.json {
        return Output { err, events, ..Output::text(check_json(&f.name, &r, fixed), r.exit_status()) };
    }
    if r.corruptions == 0 && r.leaks == 0 {
        t.push_str("No errors were found on the image.\n");
    }
    if r.corruptions > 0 {
        t.push_str(&format!("\n{} errors were found on the image.\nData may be corrupted, or further writes to the image may corrupt it.\n", r.corruptions));
    }
    if r.leaks > 0 {
        t.push_str(&format!("\n{} leaked clusters were found on the image.\nThis means waste of disk space, but no harm to data.\n", r.leaks));
    }
    let pct = |n: u64, of: u64| super::fmt::fixed(if of == 0 { 0.0 } else { 100.0 * n as f64 / of as f64 }, 2);
    if r.total_clusters > 0 && r.allocated_clusters > 0 {
        let (a, total) = (r.allocated_clusters, r.total_clusters);
        t.push_str(&format!("{a}/{total} = {}% allocated, {}% fragmented, {}% compressed clusters\n", pct(a, total), pct(r.fragmented_clusters, a), pct(r.compressed_clusters, a)));
    }
    if r.image_end_offset > 0 {
        t.push_str(&format!("Image end offset: {}\n", r.image_end_offset));
    }
    if o.quiet {
        t.clear();
    }
    Output { err, events, ..Output::text(t, r.exit_status()) }
}

/// `check --output=json`, in the order qemu-img 10.0.2 prints (its
/// dictionary's): each count only when it is not 0.
fn check_json(name: &str, r: &qcow2::check::Report, (leaks_fixed, corruptions_fixed): (u64, u64)) -> String {
    let name = super::fmt::json_string(name);
    let field = |key: &str, n: u64| if n > 0 { format!("    \"{key}\": {n},\n") } else { String::new() };
    let end = field("image-end-offset", r.image_end_offset);
    let corruptions = field("corruptions", r.corruptions) + &field("corruptions-fixed", corruptions_fixed);
    let leaks = field("leaks", r.leaks) + &field("leaks-fixed", leaks_fixed);
    let (allocated, compressed) = (field("allocated-clusters", r.allocated_clusters), field("compressed-clusters", r.compressed_clusters));
    let fragmented = if r.fragmented_clusters > 0 { format!(",\n    \"fragmented-clusters\": {}", r.fragmented_clusters) } else { String::new() };
    format!("{{\n{end}{compressed}    \"total-clusters\": {},\n{corruptions}    \"check-errors\": 0,\n{leaks}{allocated}    \"filename\": {name},\n    \"format\": \"qcow2\"{fragmented}\n}}\n", r.total_clusters)
}

/// `qemu-img resize [--shrink] [--preallocation MODE] [-f fmt] FILE
/// [+|-]SIZE`: raw and qcow2 images grow (the new part preallocated as
/// `create` would) and, with `--shrink`, shrink.
fn resize(shell: &mut Shell, args: &[String]) -> Output {
    let shrink = args.iter().any(|a| a == "--shrink");
    let (prealloc, others, negative) = match resize_args(args) {
        Ok(found) => found,
        Err(out) => return out,
    };
    let o = match read_args("resize", &others, "h") {
        Ok(o) => o,
        Err(out) => return out,
    };
    if o.files.len() > 2 - usize::from(negative.is_some()) {
        return usage("resize", "qemu-img: Extra argument(s) in command line");
    }
    let size_text = negative.as_ref().or(o.files.get(1));
    let (Some(name), Some(size_text)) = (o.files.first(), size_text) else {
        return usage("resize", "qemu-img: Expecting image file name and size");
    };
    let (sign, digits) = match size_text.chars().next() {
        Some(c @ ('+' | '-')) => (Some(c), &size_text[1..]),
        _ => (None, size_text.as_str()),
    };
    // img_resize reads the size as an option (`parse_option_size`), then
    // as an int64_t: 2^63 and more is negative.
    let n = match strtosz(digits) {
        Ok(n) => n as i64,
        Err(true) => return fail(format!("Value '{digits}' is out of range for parameter 'size'")),
        Err(false) => return fail(format!("Parameter 'size' {NOT_A_SIZE}")),
    };
    if let Some(why) = lock_error(shell, name, true).filter(|_| shell.machine.stat_path(&shell.abs(name)).is_ok()) {
        return fail(format!("Could not open '{name}': {why}"));
    }
    let f = match open(shell, name, o.format.as_deref(), Access::Write) {
        Ok(f) => f,
        Err(out) => return out,
    };
    let current = f.virtual_size();
    let total = match sign {
        Some('+') => (current as i64).wrapping_add(n),
        Some(_) => (current as i64).wrapping_sub(n),
        None => n,
    };
    let mut out = Output::default();
    if f.header.is_none() && o.format.is_none() {
        out.err.push_str(&probed_raw_warning(name));
    }
    if total <= 0 {
        out.append(fail("New image size must be positive".into()));
        return out;
    }
    let new = total as u64;
    // `bdrv_co_truncate` refuses what lies past BDRV_MAX_LENGTH (2^63 - 1 GiB).
    const MAX_LENGTH: u64 = (1 << 63) - (1 << 30);
    if new > MAX_LENGTH {
        out.append(fail(format!("offset({new}) exceeds maximum({MAX_LENGTH})")));
        return out;
    }
    if new <= current && prealloc != "off" {
        out.append(fail("Preallocation can only be used for growing images".into()));
        return out;
    }
    if new < current && !shrink {
        out.append(fail("Use the --shrink option to perform a shrink operation.\nqemu-img: warning: Shrinking an image will delete all data beyond the shrunken image's end. Before performing such an operation, make sure there is no important data there.".into()));
        return out;
    }
    let result = truncate_image(&mut shell.machine, &f.path, f.header.clone(), current, new, &prealloc);
    match result {
        Ok(events) => {
            if !o.quiet {
                out.text.push_str("Image resized.\n");
            }
            out.events.extend(events);
            out.exit_status = 0;
            out
        }
        Err(e) => {
            out.append(fail(e));
            out
        }
    }
}

/// Sets an image's virtual size (`bdrv_co_truncate`): a raw file is cut or
/// extended; a qcow2 image shrinks (its clusters past the end discarded) or
/// grows its tables, then preallocates the new part in `prealloc`'s mode.
/// qemu-img resize and qemu-io's truncate share it.
pub(crate) fn truncate_image(m: &mut crate::core::machine::Machine, path: &str, header: Option<Header>, current: u64, new: u64, prealloc: &str) -> Result<Vec<crate::core::Event>, String> {
    match header {
        None => resize_raw(m, path, current, new, prealloc),
        Some(_) if new % 512 != 0 => Err("The new size must be a multiple of 512".to_string()),
        Some(h) => {
            let mut read = |o: u64, n: u64| m.read_file(path, o, n).unwrap_or_default();
            let mut image = qcow2::guest::Image::open(h, &mut read);
            chain::attach_below(m, path, &mut image);
            let writes = if new < current { image.shrink(new, &mut read) } else { image.grow(new, &mut read) };
            let header = image.header;
            let mut events = writes.map_err(|e| e.text().to_string()).and_then(|w| apply_writes(m, path, w))?;
            let more = match prealloc {
                _ if !cfg!(feature = "resize-prealloc") => Ok(Vec::new()),
                "metadata" => preallocate_metadata(m, path, header, current),
                "falloc" | "full" if cfg!(feature = "qcow2-data-prealloc") => preallocate_data(m, path, header, current, prealloc == "full"),
                _ => Ok(Vec::new()),
            };
            events.extend(more?);
            Ok(events)
        }
    }
}

/// `resize --preallocation MODE` (or `=MODE`) and a negative size, taken
/// out of the arguments. The mode is `off` without the option (and in a
/// build without the feature `resize-prealloc`, where the option is one
/// qemu-img does not know). A size like `-1G` is an operand only right
/// after the file name or after `--`; anywhere else getopt reads it as
/// options, as qemu-img 10.0 does.
fn resize_args(args: &[String]) -> Result<(String, Vec<String>, Option<String>), Output> {
    let (mut mode, mut rest, mut it) = ("off".to_string(), Vec::new(), args.iter().peekable());
    let (mut size, mut named, mut ended) = (None, false, false);
    let negative = |a: &str| a.starts_with('-') && a[1..].starts_with(|c: char| c.is_ascii_digit());
    while let Some(a) = it.next() {
        let value = match a.strip_prefix("--preallocation").filter(|_| cfg!(feature = "resize-prealloc") && !ended) {
            Some("") => it.next().ok_or_else(|| usage("resize", "qemu-img resize: option '--preallocation' requires an argument"))?,
            Some(v) if v.starts_with('=') => &v[1..],
            _ if a == "--shrink" && !ended => continue,
            _ if a == "--" => {
                ended = true;
                continue;
            }
            _ => {
                // After `--` the operand after the file name is the size,
                // whatever it looks like.
                if ended && named && size.is_none() {
                    size = Some(a.clone());
                } else {
                    rest.push(a.clone());
                }
                if matches!(a.as_str(), "-f" | "--format" | "--object") && !ended {
                    rest.extend(it.next().cloned());
                } else if !named && (ended || !a.starts_with('-')) {
                    named = true;
                    size = size.or_else(|| it.next_if(|n| negative(n)).cloned());
                }
                continue;
            }
        };
        if !matches!(value, "off" | "metadata" | "falloc" | "full") {
            return Err(fail(format!("Invalid preallocation mode '{value}'")));
        }
        mode = value.to_string();
    }
    Ok((mode, rest, size))
}

/// A raw image's new length; growing with `falloc` or `full` allocates the
/// new part as file-posix does (`fallocate`, or written zeros).
fn resize_raw(m: &mut crate::core::machine::Machine, path: &str, current: u64, new: u64, prealloc: &str) -> Result<Vec<crate::core::Event>, String> {
    let grown = match prealloc {
        _ if !cfg!(feature = "resize-prealloc") => m.truncate_file(path, new),
        "metadata" => return Err("Unsupported preallocation mode: metadata".into()),
        "falloc" => m.fallocate_range(path, current, new - current),
        "full" => m.write_file(path, current, Chunk::zeros(new - current)),
        _ => m.truncate_file(path, new),
    };
    let mut events = grown.map_err(|e| e.text().to_string())?;
    // An empty file gets its first block written, as a new image does
    // (file-posix's `allocate_first_block`).
    if current == 0 && new > 0 && prealloc != "full" {
        events.extend(m.write_file(path, 0, Chunk::zeros(new.min(4096))).map_err(|e| e.text().to_string())?);
    }
    Ok(events)
}

/// The block layer's warning when a write-capable open probed a raw image.
pub(crate) fn probed_raw_warning(name: &str) -> String {
    format!("WARNING: Image format was not specified for '{name}' and probing guessed raw.\n         Automatically detecting the format is dangerous for raw images, write operations on block 0 will be restricted.\n         Specify the 'raw' format explicitly to remove the restrictions.\n")
}

/// Carries out a qcow2 change's file writes; a new cluster's bytes from
/// below come from the backing chain.
pub fn apply_writes(m: &mut crate::core::machine::Machine, path: &str, writes: Vec<qcow2::guest::FileWrite>) -> Result<Vec<crate::core::Event>, String> {
    let mut below: Option<chain::Chain> = None;
    let mut backing = |m: &crate::core::machine::Machine, guest: u64, n: u64| {
        let chain = below.get_or_insert_with(|| chain::Chain::open(m, path, path, false));
        let mut bytes = Vec::with_capacity(n as usize);
        chain.read_layer(m, 1, guest, n, &mut bytes);
        bytes
    };
    m.apply_qcow2_writes(path, writes, &mut backing).map_err(|e| e.text().to_string())
}

/// An opened image's backing chain, for reading its guest bytes (holes
/// and unallocated clusters as zeros) and the ranges that may hold data.
fn chain_of(shell: &Shell, f: &Facts) -> chain::Chain {
    chain::Chain::open(&shell.machine, &f.path, &f.path, f.header.is_none())
}

/// `qemu-img compare [-f fmt] [-F fmt] [-s] A B`: the first 512-byte sector
/// whose bytes differ; past the shorter image, the longer must read as
/// zeros. `-s` (strict) refuses images of different sizes; its comparison
/// of allocation is not modelled.
fn compare(shell: &mut Shell, args: &[String]) -> Output {
    // -q: the verdict is the exit status alone; errors still print.
    if args.iter().any(|a| a == "-q") {
        let rest: Vec<String> = args.iter().filter(|a| *a != "-q").cloned().collect();
        return Output { text: String::new(), ..compare(shell, &rest) };
    }
    let mut formats = (None, None);
    let (mut files, mut strict, mut shared) = (Vec::new(), false, false);
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "-f" => formats.0 = it.next().cloned(),
            "-F" => formats.1 = it.next().cloned(),
            "-s" => strict = true,
            "-U" | "--force-share" => shared = true,
            "-p" => {}
            s if s.starts_with('-') && s.len() > 1 => return bad_option("compare", s, "hT"),
            _ => files.push(a.clone()),
        }
    }
    let [a, b] = files.as_slice() else {
        return usage("compare", "qemu-img: Expecting two image file names");
    };
    let fa = match open(shell, a, formats.0.as_deref(), Access::reading(shared)) {
        Ok(f) => f,
        Err(out) => return Output { exit_status: 2, ..out },
    };
    let fb = match open(shell, b, formats.1.as_deref(), Access::reading(shared)) {
        Ok(f) => f,
        Err(out) => return Output { exit_status: 2, ..out },
    };
    if let Some(out) = chain_error(shell, &fa).or_else(|| chain_error(shell, &fb)) {
        return Output { exit_status: 2, ..out };
    }
    if strict && fa.virtual_size() != fb.virtual_size() {
        return Output::text("Strict mode: Image size mismatch!\n", 1);
    }
    let (ca, cb) = (chain_of(shell, &fa), chain_of(shell, &fb));
    let m = &shell.machine;
    // -s: QEMU compares each chunk's block status before its bytes.
    let status_mismatch = if strict && cfg!(feature = "strict-compare") {
        let size = fa.virtual_size();
        map::first_status_difference(&map::block_status(m, &ca, size), &map::block_status(m, &cb, size))
    } else {
        None
    };
    let status_text = |at: u64| Output::text(format!("Strict mode: Offset {at} block status mismatch!\n"), 1);
    let ranges = chain::union(&ca.data_ranges_from(m, 0), &cb.data_ranges_from(m, 0));
    let limit = fa.virtual_size().max(fb.virtual_size());
    for (start, end) in ranges {
        let (start, end) = (start.min(limit), end.min(limit));
        let mut pos = start;
        while pos < end {
            let n = (end - pos).min(1 << 20);
            let (x, y) = (ca.read(m, pos, n), cb.read(m, pos, n));
            if let Some(i) = x.iter().zip(&y).position(|(p, q)| p != q) {
                let at = (pos + i as u64) / 512 * 512;
                if let Some(s) = status_mismatch.filter(|s| *s <= at) {
                    return status_text(s);
                }
                // The warning comes only once the common part has matched.
                let common = fa.virtual_size().min(fb.virtual_size());
                let warn = if at >= common { "Warning: Image size mismatch!\n" } else { "" };
                return Output::text(format!("{warn}Content mismatch at offset {at}!\n"), 1);
            }
            pos += n;
        }
    }
    if let Some(s) = status_mismatch {
        return status_text(s);
    }
    let warn = if fa.virtual_size() != fb.virtual_size() { "Warning: Image size mismatch!\n" } else { "" };
    Output::text(format!("{warn}Images are identical.\n"), 0)
}

/// qemu-img convert's buffer (`IO_BUF_SIZE`).
const IO_BUF_BYTES: u64 = 2 << 20;
/// qemu-img's largest `-S`: `MAX_BUF_SECTORS` (32768) sectors.
const MAX_SPARSE_BYTES: u64 = 16 << 20;

/// `qemu-img convert [-f fmt] -O raw|qcow2 [-S 4k] [-o cluster_size=N] SRC DST`:
/// the source's guest data, in guest order, into a new image; runs of
/// zeros of the `-S` size (4 KiB by default) are skipped, as QEMU's sparse
/// detection does, and `-S 0` writes every zero.
fn convert(shell: &mut Shell, args: &[String]) -> Output {
    let mut o = CreateOpts::new();
    let (mut in_format, mut sparse, mut shared, mut compressed) = (None, 4096u64, false, false);
    let (mut progress, mut quiet) = (false, false);
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "-f" => in_format = it.next().cloned(),
            "-c" => compressed = true,
            "-O" => o.format = it.next().cloned(),
            "-U" | "--force-share" => shared = true,
            "-S" => {
                let Some(v) = it.next() else { return missing_value("convert", "S") };
                let head = "Invalid buffer size for sparse output specified";
                match parse_size(v) {
                    Some(n) if n % 512 == 0 && n <= MAX_SPARSE_BYTES => sparse = n,
                    Some(_) => return fail(format!("{head}. Valid sizes are multiples of 512 up to {MAX_SPARSE_BYTES}. Select 0 to disable sparse detection (fully allocates output).")),
                    None if v.starts_with('-') => return fail(format!("{head}. Must be between 0 and {}.", i64::MAX)),
                    None => return fail(format!("{head}: '{v}'.")),
                }
            }
            "-o" => {
                o.options.extend(option_list(it.next().map_or("", String::as_str)).into_iter().filter(|(k, _)| !k.is_empty()));
            }
            "-p" => progress = true,
            "-q" => quiet = true,
            s if s.starts_with('-') && s.len() > 1 => return bad_option("convert", s, "hBCclntTmWUr"),
            _ => o.operands.push(a.clone()),
        }
    }
    // img_convert asks print_block_option_help, with the target's name
    // (the last operand) once there is a source before it.
    #[cfg(feature = "qemu-img-help")]
    if option_help::asked(&o.options) && matches!(o.format.as_deref(), None | Some("raw" | "qcow2")) {
        return Output::text(option_help::text(o.format.as_deref().unwrap_or("raw"), o.operands.len() >= 2), 0);
    }
    let [src, dst] = o.operands.as_slice() else {
        let why = if o.operands.len() < 2 { "Must specify image file name" } else { "the lab's qemu-img convert takes one source image" };
        return fail(why.into());
    };
    let (src, dst) = (src.clone(), dst.clone());
    let f = match open(shell, &src, in_format.as_deref(), Access::reading(shared)) {
        Ok(f) => f,
        // The first progress line comes before the source is opened.
        #[cfg(all(feature = "convert-progress", feature = "shell-scripts"))]
        Err(out) if progress && !quiet => {
            let marked = format!("    (0.00/100%)\r{}{}{}\n", super::ERR_START, out.err, super::ERR_END);
            return Output { exit_status: out.exit_status, ..Output::from_marked(&marked) };
        }
        Err(out) => return out,
    };
    if let Some(out) = chain_error(shell, &f) {
        return out;
    }
    let out_format = o.format.clone().unwrap_or_else(|| "raw".into());
    #[cfg(feature = "qemu-img-arg-checks")]
    if let Some(why) = rejected_option(&out_format, &o.options).filter(|_| matches!(out_format.as_str(), "raw" | "qcow2")) {
        return fail(why);
    }
    let source = chain_of(shell, &f);
    let ranges = source.data_ranges_from(&shell.machine, 0);
    let size = f.virtual_size();
    let progress_text = if cfg!(feature = "convert-progress") && progress && !quiet {
        let cluster_bits = source.layers.first().and_then(|l| l.header.as_ref()).map(|h| h.cluster_bits);
        // qcow2's block status stops at the end of an L2 table's reach.
        let (src_align, l2_reach) = cluster_bits.map_or((1, 0), |b| ((1u64 << b) / 512, (1u64 << (2 * b - 3)) / 512));
        let target_cluster = o.options.iter().rev().find(|(k, _)| k == "cluster_size").and_then(|(_, v)| parse_size(v)).unwrap_or(65536);
        // (A cluster size the create refuses must not reach the arithmetic.)
        convert_progress(&ranges, size, (src_align, l2_reach), compressed.then_some((target_cluster / 512).max(1)), sparse == 0)
    } else {
        String::new()
    };
    let ranges = if sparse == 0 { vec![(0, size)] } else { ranges };
    let dst_path = shell.abs(&dst);
    // The new image's file takes a write lock, which the open source holds off.
    if source.layers.iter().any(|l| l.path == dst_path) && matches!(out_format.as_str(), "raw" | "qcow2") {
        return fail(format!("{dst}: error while converting {out_format}: Failed to get \"write\" lock\nIs another process using the image [{dst}]?"));
    }
    if compressed {
        let prealloc = o.options.iter().rev().find(|(k, _)| k == "preallocation").map(|(_, v)| v.as_str());
        let why = match out_format.as_str() {
            "raw" => "Compression not supported for this file format",
            "qcow2" if prealloc.is_some_and(|p| p != "off") => "Compression and preallocation not supported at the same time",
            "qcow2" if !qcow2::compress::BUILT => qcow2::compress::NOT_BUILT,
            _ => "",
        };
        if !why.is_empty() {
            return fail(why.into());
        }
    }
    let made = match out_format.as_str() {
        "raw" => {
            let prealloc = o.options.iter().rev().find(|(k, _)| k == "preallocation").map_or("off", |(_, v)| v.as_str());
            match raw_file(&mut shell.machine, &dst, &dst_path, size, prealloc) {
                Ok(events) => Output { events, ..Output::default() },
                Err(e) => return fail(format!("{dst}: error while converting raw: {e}")),
            }
        }
        // convert reads the option before it creates anything.
        "qcow2" if o.options.iter().rev().find(|(k, _)| k == "lazy_refcounts").is_some_and(|(_, v)| qapi_bool(v).is_none()) => {
            return fail("Parameter 'lazy_refcounts' expects 'on' or 'off'".into());
        }
        "qcow2" => create_qcow2(shell, &dst, &dst_path, size, &o),
        other if !other_format(other) => return fail(format!("Unknown file format '{other}'")),
        other => return fail(format!("the lab converts to raw and qcow2 only, not '{other}'")),
    };
    if made.exit_status != 0 {
        return converting_error(&dst, &out_format, made);
    }
    let mut events = made.events;
    let header = Header::decode(&shell.machine.read_file(&dst_path, 0, 512).unwrap_or_default()).filter(|_| out_format == "qcow2");
    let mut image = header.map(|h| {
        let mut read = |o: u64, n: u64| shell.machine.read_file(&dst_path, o, n).unwrap_or_default();
        qcow2::guest::Image::open(h, &mut read)
    });
    let copied = match image.as_mut() {
        Some(image) if compressed && qcow2::compress::BUILT => copy_compressed(shell, &source, &dst_path, image, &ranges, sparse).map(|e| events.extend(e)),
        _ => {
            let mut write = |shell: &mut Shell, at: u64, chunk: &Chunk| -> Result<(), String> {
                let e = write_piece(&mut shell.machine, &dst_path, image.as_mut(), at, chunk)?;
                events.extend(e);
                Ok(())
            };
            copy_data(shell, &source, size, &ranges, sparse, &mut write)
        }
    };
    // What was written before the error stays in the new file.
    match copied {
        Ok(()) => Output { text: progress_text, events, ..Output::default() },
        Err((at, e)) => Output { events, ..fail(format!("error while writing at byte {at}: {e}")) },
    }
}

/// `convert -p`'s progress lines: `convert_iteration_sectors` walks the
/// source's block status (runs end where a qcow2 source's L2 table does and
/// are cut to its cluster alignment; data goes in 2 MiB buffers, whole target
/// clusters when compressing), and after
/// each chunk that carries data (or zeros, with `-S 0`) `qemu_progress_print`
/// prints its `float` percentage when it moved by more than 1, then 100
/// once more and a line break.
/// Simplified: a qcow2 data run is taken as contiguous on the host.
fn convert_progress(data: &[(u64, u64)], size: u64, (src_align, l2_reach): (u64, u64), compress_cluster: Option<u64>, zeros_count: bool) -> String {
    const REQUEST_MAX: u64 = (i32::MAX as u64) >> 9;
    // Compressing copies one target cluster at a time.
    let buf_sectors = compress_cluster.unwrap_or(4096);
    let total = size.div_ceil(512);
    let run_at = |sector: u64| -> (bool, u64) {
        let at = sector * 512;
        match data.iter().find(|(_, end)| *end > at) {
            Some(&(start, end)) if start <= at => (true, end.div_ceil(512)),
            Some(&(start, _)) => (false, start / 512),
            None => (false, total),
        }
    };
    let (mut sector, mut next_status, mut is_data) = (0, 0, false);
    let mut chunks = Vec::new();
    while sector < total {
        let mut n = (total - sector).min(REQUEST_MAX);
        if next_status <= sector {
            let (data_here, end) = run_at(sector);
            // A run ends past its first sector, even one not sector-aligned.
            let mut end = end.max(sector + 1);
            if l2_reach > 0 {
                end = end.min((sector / l2_reach + 1) * l2_reach);
            }
            n = n.min(end.min(total) - sector);
            let tail = (sector + n) % src_align;
            if n > tail {
                n -= tail;
            }
            is_data = data_here;
            next_status = sector + n;
        }
        n = n.min(next_status - sector);
        if is_data || zeros_count {
            n = n.min(buf_sectors);
        }
        if let Some(cluster) = compress_cluster {
            if n < cluster {
                n = cluster.min(total - sector);
                is_data = true;
            } else {
                n -= n % cluster;
            }
        }
        if is_data || zeros_count {
            chunks.push(n);
        }
        sector += n;
    }
    let allocated: u64 = chunks.iter().sum();
    let mut text = String::from("    (0.00/100%)\r");
    let (mut done, mut last) = (0u64, 0f32);
    let mut print = |current: f32, text: &mut String| {
        if current > last + 1.0 || current < last - 1.0 || current == 100.0 || current == 0.0 {
            last = current;
            text.push_str(&format!("    ({:.2}/100%)\r", f64::from(current)));
        }
    };
    for n in chunks {
        done += n;
        print(((100.0 * done as f64 / allocated as f64) as f32).min(100.0), &mut text);
    }
    print(100.0, &mut text);
    text.push('\n');
    text
}

/// The qcow2 header options QEMU checks (`qcow2_co_create`), and those the
/// lab does not make: it makes version 3 (compat=1.1) images with 16-bit
/// refcounts, zlib compression, standard L2 entries and no data file.
/// Simplified: the enums are checked together, after the cluster size.
fn version_3_options(compat: Option<&str>, lazy: bool, refcount_bits: &str, compression: &str, extended_l2: bool, data_file: bool) -> Option<String> {
    let v3 = match compat {
        None | Some("1.1" | "v3") => true,
        Some("0.10" | "v2") => false,
        Some(other) => return Some(format!("Parameter 'version' does not accept value '{other}'")),
    };
    if !matches!(compression, "zlib" | "zstd") {
        return Some(format!("Parameter 'compression-type' does not accept value '{compression}'"));
    }
    let level = "compatibility level 1.1 and above (use version=v3 or greater)";
    let bits = refcount_bits.parse::<u64>().unwrap_or(0);
    let refused = if !v3 && lazy {
        format!("Lazy refcounts only supported with {level}")
    } else if bits > 64 || !bits.is_power_of_two() {
        "Refcount width must be a power of two and may not exceed 64 bits".into()
    } else if !v3 && bits != 16 {
        format!("Different refcount widths than 16 bits require {}", level.replace(" and above", " or above"))
    } else if !v3 && compression != "zlib" {
        format!("Non-zlib compression type is only supported with {level}")
    } else if !v3 && extended_l2 {
        format!("Extended L2 entries are only supported with {level}")
    } else if !v3 || bits != 16 || compression != "zlib" || extended_l2 || data_file {
        "the lab makes qcow2 images with compat=1.1, refcount_bits=16, compression_type=zlib, extended_l2=off and no data_file".into()
    } else {
        return None;
    };
    Some(refused)
}

/// QEMU's `qapi_bool_parse`: the words an on/off option takes.
fn qapi_bool(text: &str) -> Option<bool> {
    match text {
        "on" | "yes" | "true" | "y" => Some(true),
        "off" | "no" | "false" | "n" => Some(false),
        _ => None,
    }
}

/// convert prints no "Formatting" line, and puts what failed in the
/// create after "error while converting FMT: ".
fn converting_error(dst: &str, format: &str, made: Output) -> Output {
    let err = made.err.lines().filter(|l| !l.starts_with("Formatting '")).collect::<Vec<_>>().join("\n");
    let prefix = format!("qemu-img: {dst}: ");
    let err = match err.strip_prefix(&prefix) {
        Some(rest) => format!("{prefix}error while converting {format}: {rest}\n"),
        None => format!("{err}\n"),
    };
    Output { text: String::new(), err, ..made }
}

/// One buffer of converted data into the new image: through its qcow2
/// tables when it has them (the writes land before the next buffer reads
/// the tables), else straight into the raw file.
fn write_piece(m: &mut crate::core::machine::Machine, path: &str, image: Option<&mut qcow2::guest::Image>, at: u64, chunk: &Chunk) -> Result<Vec<crate::core::Event>, String> {
    let Some(image) = image else {
        return m.write_file(path, at, chunk.clone()).map_err(|e| e.text().to_string());
    };
    let writes = {
        let mut read = |o: u64, n: u64| m.read_file(path, o, n).unwrap_or_default();
        image.write(at, chunk, &mut read).map_err(|e| e.text().to_string())?
    };
    apply_writes(m, path, writes)
}

/// Writes what convert writes of the source's data ranges: each range is
/// taken in qemu-img's 2 MiB buffers, and `is_allocated_sectors_min` splits
/// a buffer into parts to write and runs of zero sectors, at least `-S`
/// long, to skip (they stay holes). With `-S 0` every buffer is written.
/// The buffers hold described content, not bytes. A failed write gives
/// the offset of its buffer, as qemu-img reports it.
fn copy_data(
    shell: &mut Shell,
    source: &chain::Chain,
    size: u64,
    ranges: &[(u64, u64)],
    sparse: u64,
    write: &mut impl FnMut(&mut Shell, u64, &Chunk) -> Result<(), String>,
) -> Result<(), (u64, String)> {
    let min = sparse / 512;
    // `s.alignment`: run ends snap to the largest power of two in -S.
    let alignment = 1u64 << (63 - min.max(1).leading_zeros());
    for &(start, end) in ranges {
        // A backing file longer than the image holds data past its end.
        let mut at = start;
        while at < end.min(size) {
            let read = (end.min(size) - at).min(IO_BUF_BYTES);
            let pieces = source.pieces(&shell.machine, at, read);
            let data = data_sectors(&pieces, at, read);
            let (n, mut s) = (data.len() as u64, 0);
            while s < n {
                let (is_data, len) = if min == 0 { (true, n) } else { is_allocated_sectors_min(&data[s as usize..], n - s, at / 512 + s, min, alignment) };
                if is_data {
                    for (offset, chunk) in covering(&pieces, at + s * 512, at + ((s + len) * 512).min(read)) {
                        write(shell, offset, &chunk).map_err(|e| (at, e))?;
                    }
                }
                s += len;
            }
            at += read;
        }
    }
    Ok(())
}

/// `convert -c`: the target cluster by cluster (`buf_sectors` is one
/// cluster), in order. A cluster any data range touches is read whole;
/// unless `-S 0`, one that reads as zeros is skipped, the rest compressed
/// (`BDRV_REQ_WRITE_COMPRESSED`). At the end the file is made a whole
/// number of sectors long (the zero-length compressed write that
/// "signals EOF to align").
fn copy_compressed(shell: &mut Shell, source: &chain::Chain, path: &str, image: &mut qcow2::guest::Image, ranges: &[(u64, u64)], sparse: u64) -> Result<Vec<crate::core::Event>, (u64, String)> {
    let (cluster, size) = (image.header.cluster_bytes(), image.header.size);
    let mut events = Vec::new();
    let mut clusters: Vec<u64> = ranges.iter().flat_map(|&(s, e)| (s / cluster..e.min(size).div_ceil(cluster)).map(|c| c * cluster)).collect();
    clusters.dedup();
    for at in clusters {
        let mut bytes = Vec::new();
        source.read_layer(&shell.machine, 0, at, cluster.min(size - at), &mut bytes);
        if sparse != 0 && bytes.iter().all(|b| *b == 0) {
            continue;
        }
        let m = &mut shell.machine;
        let writes = {
            let mut read = |o: u64, n: u64| m.read_file(path, o, n).unwrap_or_default();
            image.write_compressed(at, &bytes, &mut read).map_err(|e| (at, e.text().to_string()))?
        };
        events.extend(apply_writes(m, path, writes).map_err(|e| (at, e))?);
    }
    let length = shell.machine.file_size(path).unwrap_or(0);
    if length % 512 != 0 {
        events.extend(shell.machine.truncate_file(path, length.next_multiple_of(512)).map_err(|e| (length, e.text().to_string()))?);
    }
    Ok(events)
}

/// Which 512-byte sectors of the guest range `at..at + len` hold a byte
/// that is not zero. A stream or a fill of another byte always does.
fn data_sectors(pieces: &[(u64, Chunk)], at: u64, len: u64) -> Vec<bool> {
    let mut data = vec![false; len.div_ceil(512) as usize];
    for (offset, chunk) in pieces.iter().filter(|(_, c)| !c.content.is_zero()) {
        let rel = offset - at;
        if let Content::Bytes(_) = chunk.content {
            for (i, b) in chunk.to_vec().iter().enumerate() {
                data[(rel as usize + i) / 512] |= *b != 0;
            }
        } else if chunk.len > 0 {
            data[(rel / 512) as usize..=((rel + chunk.len - 1) / 512) as usize].fill(true);
        }
    }
    data
}

/// The guest range `from..to` as chunks: the pieces in it, and zeros
/// between them.
fn covering(pieces: &[(u64, Chunk)], from: u64, to: u64) -> Vec<(u64, Chunk)> {
    let mut out = Vec::new();
    let mut pos = from;
    for (offset, chunk) in pieces {
        let (a, b) = ((*offset).max(from), (offset + chunk.len).min(to));
        if a >= b {
            continue;
        }
        if pos < a {
            out.push((pos, Chunk::zeros(a - pos)));
        }
        out.push((a, chunk.slice(a - offset, b - a)));
        pos = b;
    }
    if pos < to {
        out.push((pos, Chunk::zeros(to - pos)));
    }
    out
}

/// qemu-img's `is_allocated_sectors`: whether the first of `n` sectors holds
/// data, and how many sectors are like it, with the end of a run moved to
/// an `alignment` boundary (a data run's end up, a zero run's down; a zero
/// run that ends before the boundary counts as data).
fn is_allocated_sectors(data: &[bool], n: u64, sector: u64, alignment: u64) -> (bool, u64) {
    let mut is_zero = !data[0];
    let mut i = 1;
    while i < n && !data[i as usize] == is_zero {
        i += 1;
    }
    let tail = (sector + i) & (alignment - 1);
    if i < n && tail != 0 {
        is_zero &= i > tail;
        i = if is_zero { i - tail } else { (i + alignment - tail).min(n) };
    }
    (!is_zero, i)
}

/// qemu-img's `is_allocated_sectors_min`: a part to write ends only at a
/// zero run of at least `min` sectors (or the buffer's end).
fn is_allocated_sectors_min(data: &[bool], n: u64, sector: u64, min: u64, alignment: u64) -> (bool, u64) {
    let (is_data, first) = is_allocated_sectors(data, n, sector, alignment);
    let (mut used, mut checked) = (first, first);
    while is_data && checked < n {
        let (more, len) = is_allocated_sectors(&data[checked as usize..], n - checked, sector + checked, alignment);
        checked += len;
        if more {
            used = checked;
        } else if len >= min.min(n) {
            break;
        }
    }
    (is_data, used)
}

/// C's `%#x`: `0` for zero, else `0x` and lowercase hex.
fn hex(n: u64) -> String {
    if n == 0 {
        "0".into()
    } else {
        format!("{n:#x}")
    }
}

/// `qemu-img measure`: the file a new image needs, for a size or for an
/// existing image's data.
/// How many clusters of `cluster` bytes the sorted guest ranges reach into,
/// as `qcow2_measure` counts data through the whole backing chain: each run
/// extended to its cluster's end, each cluster once.
fn clusters_touched(ranges: &[(u64, u64)], cluster: u64) -> u64 {
    let (mut counted_to, mut n) = (0, 0);
    for &(start, end) in ranges {
        let start = start.max(counted_to);
        if start < end {
            n += (end - 1) / cluster - start / cluster + 1;
            counted_to = (end - 1) / cluster * cluster + cluster;
        }
    }
    n
}

fn measure(shell: &mut Shell, args: &[String]) -> Output {
    let o = match read_args("measure", args, "hl") {
        Ok(o) => o,
        Err(out) => return out,
    };
    // img_measure's checks, in its order: --size as getopt reads it, then the operands.
    let size = match o.size.as_deref().map(image_size) {
        Some(Err(out)) => return out,
        Some(Ok(n)) => Some(n),
        None => None,
    };
    let why = match (size, o.files.len()) {
        _ if !cfg!(feature = "qemu-img-arg-checks") => "",
        (_, 2..) => "At most one filename argument is allowed.",
        (_, 0) if o.format.is_some() => "--image-opts, -f, and -l require a filename argument.",
        (Some(_), 1) => "--size N cannot be used together with a filename.",
        (None, 0) => "Either --size N or one filename must be specified.",
        _ => "",
    };
    if !why.is_empty() {
        return fail(why.into());
    }
    let out_format = o.out_format.clone().unwrap_or_else(|| "raw".into());
    if out_format != "raw" && out_format != "qcow2" {
        return fail(format!("Block driver '{out_format}' does not support size measurement"));
    }
    let (size, data, from_image) = match (size, o.files.first()) {
        (Some(n), _) => (n, Vec::new(), None),
        (None, Some(name)) => {
            let f = match open(shell, name, o.format.as_deref(), Access::reading(o.force_share)) {
                Ok(f) => f,
                Err(out) => return out,
            };
            if let Some(out) = chain_error(shell, &f) {
                return out;
            }
            (f.virtual_size(), map::data_ranges(&shell.machine, &chain_of(shell, &f), f.virtual_size()), Some(f.header.is_some()))
        }
        (None, None) => return fail("Either --size N or one filename must be specified.".into()),
    };
    let opt = |k: &str| o.options.iter().rev().find(|(key, _)| key == k).map(|(_, v)| v.as_str());
    #[cfg(feature = "qemu-img-arg-checks")]
    if let Some(why) = rejected_option(&out_format, &o.options) {
        return fail(format!("{why}\nqemu-img: Invalid options for file format '{out_format}'"));
    }
    let cluster = o.options.iter().rev().find(|(k, _)| k == "cluster_size").and_then(|(_, v)| parse_size(v)).unwrap_or(65536);
    if out_format == "qcow2" && (!cluster.is_power_of_two() || !(512..=2 << 20).contains(&cluster)) {
        return fail("Cluster size must be a power of two between 512 and 2048k".into());
    }
    if cfg!(feature = "qemu-img-arg-checks") && out_format == "qcow2" && !matches!(opt("preallocation"), None | Some("off" | "metadata" | "falloc" | "full")) {
        return fail(format!("invalid parameter value: {}", opt("preallocation").unwrap_or_default()));
    }
    // qcow2_measure() with --size: more L2 tables than QCOW_MAX_L1_SIZE
    // (32 MiB) lists. (Measured from an image, qemu-img 10.0.2 answers.)
    if out_format == "qcow2" && from_image.is_none() && (size / cluster).div_ceil(cluster / 8) * 8 > 32 << 20 {
        return fail("The image size is too large (try using a larger cluster size)".into());
    }
    // `qcow2_opt_get_version_del` takes the two numbers only.
    if let Some(c) = opt("compat").filter(|c| out_format == "qcow2" && !matches!(*c, "0.10" | "1.1")) {
        return fail(format!("Invalid compatibility level: '{c}'"));
    }
    let lazy = opt("lazy_refcounts").and_then(qapi_bool).unwrap_or(false);
    let extended_l2 = opt("extended_l2").and_then(qapi_bool).unwrap_or(false);
    let header = version_3_options(opt("compat"), lazy, opt("refcount_bits").unwrap_or("16"), opt("compression_type").unwrap_or("zlib"), extended_l2, opt("data_file").is_some());
    if let Some(why) = header.filter(|_| out_format == "qcow2") {
        return fail(why);
    }
    let prealloc = opt("preallocation").unwrap_or("off");
    let (required, fully) = if out_format == "raw" {
        // raw_measure rounds --size up to a sector; an image's length already is.
        let size = if from_image.is_none() { size.div_ceil(512) * 512 } else { size };
        (size, size)
    } else if matches!(prealloc, "falloc" | "full") || (cfg!(feature = "qemu-img-arg-checks") && from_image.is_some() && opt("backing_file").is_some()) {
        // Every data cluster is written too; or, over a backing file,
        // qcow2_measure cannot know what the chains share and counts all.
        let fully = qcow2::fully_allocated_bytes(size, cluster);
        (fully, fully)
    } else {
        let fully = qcow2::fully_allocated_bytes(size, cluster);
        (fully - size.div_ceil(cluster) * cluster + clusters_touched(&data, cluster) * cluster, fully)
    };
    let bitmaps = from_image == Some(true) && out_format == "qcow2";
    if o.json {
        let b = if bitmaps { "    \"bitmaps\": 0,\n" } else { "" };
        return Output::text(format!("{{\n{b}    \"required\": {required},\n    \"fully-allocated\": {fully}\n}}\n"), 0);
    }
    let b = if bitmaps { "bitmaps size: 0\n" } else { "" };
    Output::text(format!("required size: {required}\nfully allocated size: {fully}\n{b}"), 0)
}

/// What `info` reports of one image file.
struct Facts {
    name: String,
    path: String,
    length: u64,
    disk_bytes: u64,
    header: Option<Header>,
    snapshots: Vec<Snapshot>,
    /// The backing file: its name as stored, its format, and the name QEMU
    /// opens (relative to this image's directory).
    backing: Option<(String, String, String)>,
}

impl Facts {
    /// A raw image's size is its file's, in whole sectors.
    fn virtual_size(&self) -> u64 {
        self.header.as_ref().map_or_else(|| self.file_length(), |h| h.size)
    }

    /// The file node's length, as the block layer sees it: whole sectors.
    fn file_length(&self) -> u64 {
        self.length.div_ceil(512) * 512
    }

    fn human(&self) -> String {
        let mut t = format!("image: {}\nfile format: {}\n", self.name, if self.header.is_some() { "qcow2" } else { "raw" });
        t.push_str(&format!("virtual size: {} ({} bytes)\ndisk size: {}\n", size_to_str(self.virtual_size()), self.virtual_size(), size_to_str(self.disk_bytes)));
        if let Some(h) = &self.header {
            t.push_str(&format!("cluster_size: {}\n", h.cluster_bytes()));
            if let Some((file, format, full)) = &self.backing {
                let actual = if full != file { format!(" (actual path: {full})") } else { String::new() };
                t.push_str(&format!("backing file: {file}{actual}\nbacking file format: {format}\n"));
            }
            t.push_str(&snapshot_list(&self.snapshots));
            t.push_str(&format_specific(h));
        }
        t.push_str(&format!(
            "Child node '/file':\n    filename: {}\n    protocol type: file\n    file length: {} ({} bytes)\n    disk size: {}\n",
            self.name,
            size_to_str(self.file_length()),
            self.file_length(),
            size_to_str(self.disk_bytes)
        ));
        t
    }

    /// QEMU's JSON: four-space indents, an empty list as `[` and `]` on two lines.
    fn json(&self) -> String {
        let name = super::fmt::json_string(&self.name);
        let child = format!(
            "    \"children\": [\n        {{\n            \"name\": \"file\",\n            \"info\": {{\n                \"children\": [\n                ],\n                \"virtual-size\": {},\n                \"filename\": {name},\n                \"format\": \"file\",\n                \"actual-size\": {},\n                \"format-specific\": {{\n                    \"type\": \"file\",\n                    \"data\": {{\n                    }}\n                }},\n                \"dirty-flag\": false\n            }}\n        }}\n    ],\n",
            self.file_length(),
            self.disk_bytes
        );
        let js = super::fmt::json_string;
        let backing_format = self.backing.as_ref().map_or(String::new(), |b| format!("    \"backing-filename-format\": {},\n", js(&b.1)));
        let mut t = format!("{{\n{child}{backing_format}{}    \"virtual-size\": {},\n    \"filename\": {name},\n", snapshots_json(&self.snapshots), self.virtual_size());
        match &self.header {
            Some(h) => t.push_str(&format!(
                "    \"cluster-size\": {},\n    \"format\": \"qcow2\",\n    \"actual-size\": {},\n    \"format-specific\": {{\n        \"type\": \"qcow2\",\n        \"data\": {{\n            \"compat\": \"1.1\",\n            \"compression-type\": \"zlib\",\n            \"lazy-refcounts\": {},\n            \"refcount-bits\": 16,\n            \"corrupt\": false,\n            \"extended-l2\": false\n        }}\n    }},\n",
                h.cluster_bytes(),
                self.disk_bytes,
                h.lazy_refcounts()
            )),
            None => t.push_str(&format!("    \"format\": \"raw\",\n    \"actual-size\": {},\n", self.disk_bytes)),
        }
        if let Some((file, _, full)) = &self.backing {
            t.push_str(&format!("    \"full-backing-filename\": {},\n    \"backing-filename\": {},\n", js(full), js(file)));
        }
        t.push_str("    \"dirty-flag\": false\n}\n");
        t
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_print_as_qemus_size_to_str() {
        // From qemu-img 10.0.2's info: 0 B, 192 KiB (197120), 196 KiB,
        // 1 GiB, 1.5 GiB, 10 MiB, 1 TiB.
        let cases = [(0, "0 B"), (197_120, "192 KiB"), (200_704, "196 KiB"), (1 << 30, "1 GiB"), (3 << 29, "1.5 GiB"), (10 << 20, "10 MiB"), (1 << 40, "1 TiB"), (1000, "0.977 KiB"), (4096, "4 KiB")];
        for (n, text) in cases {
            assert_eq!(size_to_str(n), text, "{n}");
        }
    }
}
