//! The raw command line of the lvm2 tools: getopt-style splitting, then each
//! option's value checked as lvm2's arg parser checks it (sizes, extents,
//! signs, names).


use super::*;
use crate::console::Output;
use crate::core::lvm::PvOptions;
use crate::core::units::{KIB, MIB};


/// The sign of a size or extents argument.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub(super) enum Sign {
    #[default]
    None,
    Plus,
    Minus,
}

/// What an option accepts, as lvm2's `sizemb`/`psizemb`/`nsizemb`/`ssizemb` and
/// `extents`/`pextents`/`nextents`/`sextents` value types.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Signs {
    Unsigned,
    PlusOnly,
    MinusOnly,
    Any,
}

/// A parsed `--size`-like value, in 512-byte sectors.
#[derive(Clone, Debug, Default)]
pub(super) struct SizeArg {
    pub(super) sign: Sign,
    pub(super) sectors: u64,
}

/// What `N%...` is a percentage of.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub(super) enum Percent {
    #[default]
    None,
    Vg,
    Lv,
    Pvs,
    Free,
    Origin,
}

/// A parsed `--extents` value.
#[derive(Clone, Debug, Default)]
pub(super) struct ExtentsArg {
    pub(super) sign: Sign,
    pub(super) value: u64,
    pub(super) percent: Percent,
}

pub(super) fn split_sign(text: &str) -> (Sign, &str) {
    match text.as_bytes().first() {
        Some(b'+') => (Sign::Plus, &text[1..]),
        Some(b'-') => (Sign::Minus, &text[1..]),
        _ => (Sign::None, text),
    }
}

/// The longest prefix `strtod` would take from `s` (which starts with a digit or
/// '.'): its value and length; `None` when it takes nothing.
pub(super) fn strtod_prefix(s: &str) -> Option<(f64, usize)> {
    let b = s.as_bytes();
    if b.len() > 2 && b[0] == b'0' && (b[1] | 0x20) == b'x' && b[2].is_ascii_hexdigit() {
        let end = 2 + s[2..].find(|c: char| !c.is_ascii_hexdigit()).unwrap_or(s.len() - 2);
        let v = s[2..end].chars().fold(0f64, |acc, c| acc * 16.0 + f64::from(c.to_digit(16).unwrap_or(0)));
        return Some((v, end));
    }
    let mut i = 0;
    let mut digits = 0;
    while i < b.len() && b[i].is_ascii_digit() {
        i += 1;
        digits += 1;
    }
    if i < b.len() && b[i] == b'.' {
        i += 1;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
            digits += 1;
        }
    }
    if digits == 0 {
        return None;
    }
    let mantissa = crate::console::fmt::parse_decimal(&s[..i])?;
    // An exponent (`1e3`, `1.5E-1`) counts only when digits follow the `e`.
    if i < b.len() && (b[i] | 0x20) == b'e' {
        let mut j = i + 1;
        let negative = j < b.len() && b[j] == b'-';
        if j < b.len() && (b[j] == b'+' || b[j] == b'-') {
            j += 1;
        }
        let digits_at = j;
        while j < b.len() && b[j].is_ascii_digit() {
            j += 1;
        }
        if j > digits_at {
            let exp: i32 = s[digits_at..j].parse().unwrap_or(i32::MAX).min(400);
            return Some((mantissa * 10f64.powi(if negative { -exp } else { exp }), j));
        }
    }
    Some((mantissa, i))
}

/// lvm2's `_size_arg` plus the sign rule of the option's value type. Values
/// without a unit are MiB; units are powers of 1024 whatever their case.
pub(super) fn parse_size_arg(text: &str, signs: Signs) -> Result<SizeArg, Vec<String>> {
    parse_size_in(text, signs, 2048.0)
}

/// `parse_size_arg` for a value type whose default unit is `unit_sectors`
/// sectors (2 for KiB, 2048 for MiB).
pub(super) fn parse_size_in(text: &str, signs: Signs, unit_sectors: f64) -> Result<SizeArg, Vec<String>> {
    let (sign, body) = split_sign(text);
    if body.starts_with(['+', '-']) {
        return Err(vec!["Multiple sign symbols detected.".into()]);
    }
    if !body.starts_with(|c: char| c.is_ascii_digit() || c == '.') {
        return Err(vec!["Size requires number argument.".into()]);
    }
    let Some((mut v, used)) = strtod_prefix(body) else {
        return Err(vec![format!("Can't parse size argument at '{}'.", &body[..1])]);
    };
    let rest = &body[used..];
    if v.is_infinite() {
        let at: String = rest.chars().take(1).collect();
        return Err(vec![format!("Can't parse size argument at '{at}'. Numerical result out of range")]);
    }
    match rest.chars().next().map(|c| c.to_ascii_lowercase()) {
        None => v *= unit_sectors,
        Some(c) => match "kmgtpebs".find(c) {
            None => return Err(vec!["Can't parse size argument.".into()]),
            Some(7) => {}
            Some(6) => {
                // Past 16 EiB the byte count has no u64 to live in.
                if v >= (u64::MAX >> 9) as f64 * 512.0 {
                    return Err(vec!["Size is too big (>=16EiB).".into()]);
                }
                let bytes = v as u64;
                let adjust = bytes % 512;
                if adjust != 0 {
                    let up = bytes + 512 - adjust;
                    return Err(vec![format!("Size is not a multiple of 512. Try using {} or {up}.", up - 512)]);
                }
                v /= 512.0;
            }
            Some(i) => v *= 1024f64.powi(i as i32) * 2.0,
        },
    }
    if v >= (u64::MAX >> 9) as f64 {
        return Err(vec!["Size is too big (>=16EiB).".into()]);
    }
    let sign_error = match (signs, sign) {
        (Signs::Unsigned, Sign::Plus | Sign::Minus) => Some("Size may not be relative/signed."),
        (Signs::PlusOnly, Sign::Minus) => Some("Size may not be negative."),
        (Signs::MinusOnly, Sign::Plus) => Some("Size may not be positive."),
        _ => None,
    };
    if let Some(e) = sign_error {
        return Err(vec![e.into()]);
    }
    Ok(SizeArg { sign, sectors: v as u64 })
}

/// lvm2's `_extents_arg` plus the sign rule of the option's value type.
pub(super) fn parse_extents_arg(text: &str, signs: Signs) -> Result<ExtentsArg, Vec<String>> {
    let (sign, body) = split_sign(text);
    let end = body.find(|c: char| !c.is_ascii_digit()).unwrap_or(body.len());
    if end == 0 {
        return Err(Vec::new());
    }
    let Ok(value) = body[..end].parse::<u64>() else { return Err(Vec::new()) };
    let rest = &body[end..];
    let mut percent = Percent::None;
    if !rest.is_empty() {
        let Some(p) = rest.strip_prefix('%') else { return Err(Vec::new()) };
        percent = match p.to_ascii_uppercase().as_str() {
            "V" | "VG" => Percent::Vg,
            "L" | "LV" => Percent::Lv,
            "P" | "PV" | "PVS" => Percent::Pvs,
            "F" | "FR" | "FREE" => Percent::Free,
            "O" | "OR" | "ORIGIN" => Percent::Origin,
            _ => return Err(vec![format!("Specified %{p} is unknown.")]),
        };
        if value >= u64::from(u32::MAX) {
            return Err(vec!["Percentage is too big (>=-1%).".into()]);
        }
    }
    let sign_error = match (signs, sign) {
        (Signs::Unsigned, Sign::Plus | Sign::Minus) => Some("Extents may not be relative/signed."),
        (Signs::PlusOnly, Sign::Minus) => Some("Extents may not be negative."),
        (Signs::MinusOnly, Sign::Plus) => Some("Extents may not be positive."),
        _ => None,
    };
    if let Some(e) = sign_error {
        return Err(vec![e.into()]);
    }
    Ok(ExtentsArg { sign, value: value.min(u64::from(u32::MAX)), percent })
}

/// Options shared by the lvm2 commands, after a raw parse.
#[derive(Default, Debug, Clone)]
pub(super) struct Args {
    pub(super) positional: Vec<String>,
    pub(super) flags: Vec<String>,
    pub(super) name: Option<String>,
    pub(super) size: Option<SizeArg>,
    pub(super) extents: Option<ExtentsArg>,
    pub(super) virtual_size: Option<SizeArg>,
    pub(super) lv_type: Option<String>,
    pub(super) thin: bool,
    pub(super) thinpool: Option<String>,
    /// lvcreate's `-s`/`--snapshot`.
    #[cfg(feature = "thin-snapshots")]
    pub(super) snapshot: bool,
    /// lvcreate's `-c`/`--chunksize`, in sectors.
    #[cfg(feature = "classic-snapshots")]
    pub(super) chunk_size: Option<u64>,
    /// lvconvert's `--merge` or `--mergethin`.
    #[cfg(feature = "thin-snapshots")]
    pub(super) merge: bool,
    pub(super) extent_size: Option<SizeArg>,
    pub(super) columns: Option<String>,
    pub(super) separator: Option<String>,
    pub(super) aligned: bool,
    pub(super) units: Units,
    pub(super) json: bool,
    pub(super) all: bool,
    pub(super) yes: bool,
    pub(super) force: u32,
    pub(super) resizefs: bool,
    pub(super) nofsck: bool,
    pub(super) noheadings: bool,
    /// `lvs --segments`: a row per segment, with segment columns.
    pub(super) segments: bool,
    pub(super) maps: bool,
    pub(super) short: bool,
    /// The displays' `-c`/`--colon`: one line of colon-separated numbers.
    #[cfg(feature = "lvm-extras")]
    pub(super) colon: bool,
    /// pvcreate's `--uuid` (with `--norestorefile`).
    pub(super) uuid: Option<String>,
    /// pvcreate's `--metadatasize`, `--pvmetadatacopies` and `--dataalignment`.
    pub(super) pv_options: PvOptions,
    /// `-i`/`--stripes`, already checked to be a number.
    pub(super) stripes: Option<u64>,
    /// `-I`/`--stripesize`, and the value as given (for lvm2's messages).
    pub(super) stripe_size: Option<SizeArg>,
    pub(super) stripe_size_text: Option<String>,
    /// vgcfgbackup's `-f`/`--file`.
    pub(super) file: Option<String>,
    /// A report's `-O`/`--sort` keys and `-S`/`--select` criteria, as given.
    #[cfg(feature = "lvm-extras")]
    pub(super) sort: Option<String>,
    #[cfg(feature = "lvm-extras")]
    pub(super) select: Option<String>,
    /// `--nameprefixes` (`LVM2_FIELD='value'`), `--unquoted`, `--rows`.
    #[cfg(feature = "lvm-extras")]
    pub(super) nameprefixes: bool,
    #[cfg(feature = "lvm-extras")]
    pub(super) unquoted: bool,
    #[cfg(feature = "lvm-extras")]
    pub(super) rows: bool,
}

/// lvm2's `int_arg`: digits with an optional `+`, at most `INT32_MAX`.
fn int_arg(text: &str) -> Option<u64> {
    let digits = text.strip_prefix('+').unwrap_or(text);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let v: u64 = digits.parse().ok()?;
    Some(v.min(i32::MAX as u64))
}

/// pvcreate's layout options, with lvm2's checks of their signs and sizes.
fn pv_option(a: &mut Args, key: &str, v: &str) -> Result<(), Output> {
    let o = &mut a.pv_options;
    let sign_error = |line: &str| {
        let mut t = String::new();
        err_msg(&mut t, line);
        Output { text: t, exit_status: 3, ..Output::default() }
    };
    match key {
        "--pvmetadatacopies" => {
            o.metadata_copies = int_arg(v).filter(|n| *n <= 2).ok_or_else(|| invalid_argument(&[], key, v))? as u32;
        }
        "--metadatasize" => {
            let size = parse_size_arg(v, Signs::Any).map_err(|e| invalid_argument(&e, key, v))?;
            if size.sign == Sign::Minus {
                return Err(sign_error("Metadata size may not be negative."));
            }
            o.metadata_size_bytes = size.sectors.saturating_mul(512);
        }
        _ => {
            let size = parse_size_in(v, Signs::Any, 2.0).map_err(|e| invalid_argument(&e, key, v))?;
            if size.sign == Sign::Minus {
                return Err(sign_error("Physical volume data alignment may not be negative."));
            }
            if size.sectors > u64::from(u32::MAX) {
                return Err(sign_error("Physical volume data alignment is too big."));
            }
            o.data_alignment_bytes = size.sectors * 512;
        }
    }
    Ok(())
}

fn is_report(cmd: &str) -> bool {
    matches!(cmd, "pvs" | "vgs" | "lvs")
}

/// Short options that take a value, per command.
pub(super) fn short_takes_value(cmd: &str, c: char) -> bool {
    match c {
        'L' | 'l' | 'V' | 'o' | 'O' | 'S' | 'M' => true,
        'n' => !matches!(cmd, "lvextend" | "lvreduce" | "lvresize"),
        's' => cmd == "vgcreate",
        'a' | 'Z' | 'W' => matches!(cmd, "lvcreate" | "lvchange" | "vgchange"),
        'u' => cmd == "pvcreate",
        'i' | 'I' => matches!(cmd, "lvcreate" | "lvextend" | "lvresize"),
        'm' => cmd == "lvcreate",
        'f' => cmd == "vgcfgbackup",
        _ => false,
    }
}

pub(super) fn getopt_error(text: String) -> Output {
    let mut t = err_text(text);
    err_msg(&mut t, "Error during parsing of command line.");
    Output { text: t, exit_status: 3, ..Output::default() }
}

/// The value types lvm2 gives --size and --extents for each command.
pub(super) fn size_signs(cmd: &str) -> (Signs, Signs) {
    match cmd {
        "lvextend" | "lvcreate" => (Signs::PlusOnly, Signs::PlusOnly),
        "lvreduce" => (Signs::MinusOnly, Signs::MinusOnly),
        "lvresize" => (Signs::Any, Signs::Any),
        _ => (Signs::Unsigned, Signs::Unsigned),
    }
}

/// One command-line word after getopt's splitting.
pub(super) enum Word {
    Opt(String, Option<String>),
    Pos(String),
}

pub(super) fn parse_args(cmd: &str, raw: &[String]) -> Result<Args, Output> {
    let mut a = Args::default();
    let words = split_words(cmd, raw)?;
    #[cfg(feature = "lvm-extras")]
    let mut seen = std::collections::BTreeSet::new();
    let mut k = 0;
    while k < words.len() {
        match &words[k] {
            Word::Pos(p) => a.positional.push(p.clone()),
            Word::Opt(key, inline) => {
                #[cfg(feature = "lvm-extras")]
                if let Some(name) = option_name(cmd, key).filter(|n| !seen.insert(n.clone())) {
                    let mut o = getopt_error(String::new());
                    let mut line = String::new();
                    err_msg(&mut line, &format!("Option {name} may not be repeated."));
                    o.text.insert_str(0, &line);
                    return Err(o);
                }
                // An option's value is attached (`--size=1G`, `-L1G`) or the next word.
                let mut value = || -> Result<String, Output> {
                    if let Some(v) = inline.clone() {
                        return Ok(v);
                    }
                    k += 1;
                    match words.get(k) {
                        Some(Word::Pos(v)) => Ok(v.clone()),
                        _ => Err(getopt_error(format!("{cmd}: option '{key}' requires an argument\n"))),
                    }
                };
                apply_option(&mut a, cmd, key, inline.is_some(), &mut value)?;
            }
        }
        k += 1;
    }
    Ok(a)
}

/// The long names of the short options a command may not repeat.
#[cfg(feature = "lvm-extras")]
fn long_name(cmd: &str, c: char) -> Option<&'static str> {
    Some(match c {
        'n' if matches!(cmd, "lvextend" | "lvreduce" | "lvresize") => "nofsck",
        'n' => "name",
        's' if cmd == "vgcreate" => "physicalextentsize",
        's' if cmd == "lvcreate" => "snapshot",
        's' => "short",
        'c' if cmd == "lvcreate" => "chunksize",
        'c' => "colon",
        'a' if matches!(cmd, "lvcreate" | "lvchange" | "vgchange") => "activate",
        'a' => "all",
        'm' if cmd == "lvcreate" => "mirrors",
        'm' => "maps",
        'f' if cmd == "vgcfgbackup" => "file",
        _ => {
            let names = [('L', "size"), ('l', "extents"), ('V', "virtualsize"), ('T', "thin"), ('y', "yes"), ('r', "resizefs"), ('Z', "zero")];
            let more = [('W', "wipesignatures"), ('u', "uuid"), ('i', "stripes"), ('I', "stripesize"), ('t', "test")];
            names.iter().chain(&more).find(|e| e.0 == c)?.1
        }
    })
}

/// How lvm2 names an option that may appear once (`-n/--name`, `--type`);
/// None for the countable (-v, -q, -f) and groupable (-o, -O, -S) ones.
#[cfg(feature = "lvm-extras")]
fn option_name(cmd: &str, key: &str) -> Option<String> {
    let repeatable = ["verbose", "debug", "quiet", "force", "options", "sort", "select", "addtag", "deltag", "configreport", "devices"];
    let (short, long) = match key.strip_prefix("--") {
        Some(long) => ("nLlVTyrZWuiItscamf".chars().find(|c| long_name(cmd, *c) == Some(long)), long),
        None => {
            let c = key.chars().nth(1)?;
            (Some(c), long_name(cmd, c)?)
        }
    };
    if repeatable.contains(&long) || long == "file" && cmd != "vgcfgbackup" {
        return None;
    }
    Some(match short {
        Some(c) => format!("-{c}/--{long}"),
        None => format!("--{long}"),
    })
}

/// Long options that take an argument.
const LONG_WITH_VALUES: &[&str] = &[
    "name", "size", "extents", "virtualsize", "type", "thinpool", "physicalextentsize", "options", "separator", "units",
    "uuid", "reportformat", "activate", "zero", "wipesignatures", "metadatasize", "pvmetadatacopies", "dataalignment",
    "stripes", "stripesize", "file", "sort", "select",
];

/// Splits bundled and attached short options the way getopt does.
fn split_words(cmd: &str, raw: &[String]) -> Result<Vec<Word>, Output> {
    let mut words: Vec<Word> = Vec::new();
    let mut i = 0;
    let mut only_positional = false;
    while i < raw.len() {
        let arg = raw[i].as_str();
        if only_positional || arg == "-" || !arg.starts_with('-') {
            words.push(Word::Pos(arg.to_string()));
        } else if arg == "--" {
            only_positional = true;
        } else if let Some(long) = arg.strip_prefix("--") {
            match long.split_once('=') {
                Some((k, v)) => words.push(Word::Opt(format!("--{k}"), Some(v.to_string()))),
                // getopt gives a long option its argument whatever it looks like (`--metadatasize -1m`).
                None if LONG_WITH_VALUES.contains(&long) && i + 1 < raw.len() => {
                    i += 1;
                    words.push(Word::Opt(arg.to_string(), Some(raw[i].clone())));
                }
                None => words.push(Word::Opt(arg.to_string(), None)),
            }
        } else {
            let chars: Vec<char> = arg.chars().skip(1).collect();
            for (j, &c) in chars.iter().enumerate() {
                if short_takes_value(cmd, c) {
                    let rest: String = chars[j + 1..].iter().collect();
                    if rest.is_empty() {
                        i += 1;
                        match raw.get(i) {
                            Some(v) => words.push(Word::Opt(format!("-{c}"), Some(v.clone()))),
                            None => return Err(getopt_error(format!("{cmd}: option requires an argument -- '{c}'\n"))),
                        }
                    } else {
                        words.push(Word::Opt(format!("-{c}"), Some(rest)));
                    }
                    break;
                }
                words.push(Word::Opt(format!("-{c}"), None));
            }
        }
        i += 1;
    }
    Ok(words)
}

/// Records one option; `value` takes its argument.
fn apply_option(a: &mut Args, cmd: &str, key: &str, inline: bool, value: &mut dyn FnMut() -> Result<String, Output>) -> Result<(), Output> {
    let (size_signs, extents_signs) = size_signs(cmd);
    let resize = matches!(cmd, "lvextend" | "lvreduce" | "lvresize");
    let size = |v: String, signs, name| parse_size_arg(&v, signs).map_err(|e| invalid_argument(&e, name, &v));
    match key {
        "-n" | "--nofsck" if resize => a.nofsck = true,
        "-n" | "--name" => a.name = Some(value()?),
        "-L" | "--size" => a.size = Some(size(value()?, size_signs, "--size")?),
        "-l" | "--extents" => {
            let v = value()?;
            a.extents = Some(parse_extents_arg(&v, extents_signs).map_err(|e| invalid_argument(&e, "--extents", &v))?);
        }
        "-V" | "--virtualsize" => a.virtual_size = Some(size(value()?, Signs::Unsigned, "--virtualsize")?),
        "--type" => a.lv_type = Some(value()?),
        #[cfg(feature = "classic-snapshots")]
        "-c" | "--chunksize" if cmd == "lvcreate" => a.chunk_size = Some(size(value()?, Signs::Unsigned, "--chunksize")?.sectors),
        "-T" | "--thin" => a.thin = true,
        "--thinpool" => a.thinpool = Some(value()?),
        "-s" | "--physicalextentsize" if cmd == "vgcreate" => a.extent_size = Some(size(value()?, Signs::Unsigned, "--physicalextentsize")?),
        "-s" | "--short" if matches!(cmd, "pvdisplay" | "vgdisplay" | "pvscan") => a.short = true,
        #[cfg(feature = "lvm-extras")]
        "-c" | "--colon" if cmd.ends_with("display") => a.colon = true,
        #[cfg(feature = "thin-snapshots")]
        "-s" | "--snapshot" if cmd == "lvcreate" => a.snapshot = true,
        #[cfg(not(feature = "thin-snapshots"))]
        "-s" | "--snapshot" if cmd == "lvcreate" => {
            let text = "lvcreate: thin snapshots (-s) are in the storage-lab command-line program, not in the browser yet\n";
            return Err(Output { err: text.into(), exit_status: 3, ..Output::default() });
        }
        #[cfg(feature = "thin-snapshots")]
        "--merge" | "--mergethin" if cmd == "lvconvert" => {
            a.merge = true;
            a.thin |= key == "--mergethin";
        }
        "-o" | "--options" => {
            let v = value()?;
            a.columns = Some(match a.columns.take() {
                Some(prev) if v.starts_with('+') => format!("{prev},{}", &v[1..]),
                _ => v,
            });
        }
        "--separator" => a.separator = Some(value()?),
        "--aligned" => a.aligned = true,
        "--readonly" if is_report(cmd) => {}
        // The scans print sizes in their one human form.
        "--units" | "--nosuffix" if cmd.ends_with("scan") => return Err(getopt_error(format!("{cmd}: unrecognized option '{key}'\n"))),
        "--units" => a.units = units_arg(cmd, &value()?, a.units)?,
        "--nosuffix" => a.units.suffix = false,
        "-u" | "--uuid" if cmd == "pvcreate" => a.uuid = Some(value()?),
        "--norestorefile" if cmd == "pvcreate" => {}
        "--metadatasize" | "--pvmetadatacopies" | "--dataalignment" if cmd == "pvcreate" => pv_option(a, key, &value()?)?,
        "-i" | "--stripes" if short_takes_value(cmd, 'i') => {
            let v = value()?;
            a.stripes = Some(int_arg(&v).ok_or_else(|| invalid_argument(&[], "--stripes", &v))?);
        }
        "-I" | "--stripesize" if short_takes_value(cmd, 'I') => {
            let v = value()?;
            a.stripe_size = Some(parse_size_in(&v, Signs::Any, 2.0).map_err(|e| invalid_argument(&e, "--stripesize", &v))?);
            a.stripe_size_text = Some(v);
        }
        "-f" | "--file" if cmd == "vgcfgbackup" => a.file = Some(value()?),
        "--reportformat" => a.json = report_format(&value()?)?,
        #[cfg(feature = "lvm-extras")]
        "-O" | "--sort" if is_report(cmd) => a.sort = Some(value()?),
        #[cfg(feature = "lvm-extras")]
        "-S" | "--select" if is_report(cmd) => a.select = Some(value()?),
        #[cfg(feature = "lvm-extras")]
        "--nameprefixes" if is_report(cmd) => a.nameprefixes = true,
        #[cfg(feature = "lvm-extras")]
        "--unquoted" if is_report(cmd) => a.unquoted = true,
        #[cfg(feature = "lvm-extras")]
        "--rows" if is_report(cmd) => a.rows = true,
        #[cfg(not(feature = "lvm-extras"))]
        "-O" | "--sort" | "-S" | "--select" | "--nameprefixes" | "--unquoted" | "--rows" if is_report(cmd) => {
            let text = format!("{cmd}: {key} is in the storage-lab command-line program, not in the browser yet\n");
            return Err(Output { err: text, exit_status: 3, ..Output::default() });
        }
        "-a" | "-Z" | "-W" | "--activate" | "--zero" | "--wipesignatures" if inline || key.starts_with("--") => {
            let v = value()?;
            a.flags.push(format!("{key}={v}"));
        }
        "-a" | "--all" => a.all = true,
        "-y" | "--yes" => a.yes = true,
        "-f" | "--force" => a.force += 1,
        "-r" | "--resizefs" => a.resizefs = true,
        "--noheadings" => a.noheadings = true,
        "--segments" if cmd == "lvs" || cfg!(feature = "lvm-extras") && cmd == "pvs" => a.segments = true,
        // Mirrors are raid1 LVs, which the lab does not simulate.
        "-m" | "--mirrors" if cmd == "lvcreate" => {
            let v = value()?;
            let n = int_arg(&v).ok_or_else(|| invalid_argument(&[], "--mirrors", &v))?;
            if n > 0 {
                a.lv_type = Some("raid1".into());
            }
        }
        "-m" | "--maps" => a.maps = true,
        // lvm2's switch for hosts without device-mapper, which the lab has.
        "--driverloaded" => {
            let v = value()?;
            if cfg!(feature = "lvm-extras") {
                a.flags.push(format!("--driverloaded={v}"));
            }
        }
        "-v" | "--verbose" | "-q" | "--quiet" | "-t" | "--test" => a.flags.push(key.to_string()),
        _ if key.starts_with("--") => return Err(getopt_error(format!("{cmd}: unrecognized option '{key}'\n"))),
        _ => return Err(getopt_error(format!("{cmd}: invalid option -- '{}'\n", key.trim_start_matches('-')))),
    }
    Ok(())
}

/// `--units`: one letter; `r`/`R` round like `h`/`H` and keep the `<` marks.
/// Simplified: lvm2 also takes a number before the letter (`4m`).
fn units_arg(cmd: &str, v: &str, mut units: Units) -> Result<Units, Output> {
    let c = v.chars().next().unwrap_or('h');
    if v.chars().count() != 1 || !"hHbBsSkKmMgGtTpPeErR".contains(c) {
        return Err(usage_error(cmd, &["Invalid units specification".into()]));
    }
    units.explicit = !matches!(c, 'r' | 'R');
    units.unit = match c {
        'r' => 'h',
        'R' => 'H',
        c => c,
    };
    Ok(units)
}

/// `--reportformat json|basic`: whether the report is JSON.
fn report_format(v: &str) -> Result<bool, Output> {
    match v {
        "json" => Ok(true),
        "basic" => Ok(false),
        _ => {
            let mut t = String::new();
            err_msg(&mut t, &format!("Unknown report format {v}"));
            Err(Output { text: t, exit_status: 5, ..Output::default() })
        }
    }
}

/// Parses an lvm2 size (`10G`, `1.5g`, `512`, `+1G`); `default_unit` applies
/// without a suffix. Units are powers of 1024.
pub fn lvm_size_bytes(text: &str, default_unit: char) -> Option<u64> {
    let t = text.trim_start_matches(['+', '-']);
    let end = t.find(|c: char| !(c.is_ascii_digit() || c == '.')).unwrap_or(t.len());
    let number: f64 = t[..end].parse().ok()?;
    let unit = t[end..].chars().next().unwrap_or(default_unit).to_ascii_lowercase();
    if t[end..].chars().count() > 1 {
        return None;
    }
    let mult = match unit {
        'b' => 1u64,
        's' => 512,
        'k' => KIB,
        'm' => MIB,
        'g' => 1024 * MIB,
        't' => 1024 * 1024 * MIB,
        'p' => 1024 * 1024 * 1024 * MIB,
        'e' => 1024 * 1024 * 1024 * 1024 * MIB,
        _ => return None,
    };
    let bytes = number * mult as f64;
    (bytes.is_finite() && bytes < 1.8e19).then_some(bytes as u64)
}

/// lvm2's `_validate_name`: why a VG or LV name is invalid, if it is.
pub(super) fn name_error(name: &str) -> Option<&'static str> {
    if name.is_empty() {
        return Some("Name is zero length.");
    }
    if name.starts_with('-') {
        return Some("Name cannot start with hyphen.");
    }
    if name == "." || name == ".." {
        return Some("Name starts with . or .. and has no following character(s).");
    }
    if !name.bytes().all(|c| c.is_ascii_alphanumeric() || matches!(c, b'.' | b'_' | b'-' | b'+')) {
        return Some("Name contains invalid character, valid set includes: [a-zA-Z0-9.-_+].");
    }
    if name.len() >= 128 {
        return Some("Name length exceeds maximum limit of 127.");
    }
    None
}

/// lvm2's `apply_lvname_restrictions`: reserved prefixes and component suffixes.
pub(super) fn reserved_name_error(name: &str) -> Option<String> {
    for p in ["pvmove", "snapshot"] {
        if name.starts_with(p) {
            return Some(format!("Names starting \"{p}\" are reserved. Please choose a different LV name."));
        }
    }
    for s in [
        "_cdata", "_cmeta", "_corig", "_cpool", "_cvol", "_wcorig", "_mimage", "_mlog", "_rimage", "_rmeta", "_tdata",
        "_tmeta", "_vdata", "_imeta", "_iorig", "_pmspare", "_vorigin",
    ] {
        if name.contains(s) {
            return Some(format!("Names including \"{s}\" are reserved. Please choose a different LV name."));
        }
    }
    None
}

/// lvm2's checks on a new LV name: the charset, then the reserved names.
pub(super) fn lv_name_errors(name: &str) -> Option<Vec<String>> {
    if name_error(name).is_some() {
        return Some(vec![format!("Logical volume name \"{name}\" is invalid.")]);
    }
    reserved_name_error(name).map(|e| vec![e])
}
