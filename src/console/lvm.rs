//! The lvm2 command line (2.03.16): pv*, vg* and lv* commands, their reports and
//! their exact messages, over `core::lvm`.
//!
//! Reports follow lvm2's rules: two-space indent, headers left-aligned, numbers
//! and sizes right-aligned (percentages and strings left-aligned), every column
//! padded to the larger of its field's minimum width (lvm2's columns.h), its
//! heading and its widest value (so lines can end in spaces), and sizes in the
//! default unit marked `<` when rounding shows them larger than they are. The host is one with device-mapper: every LV is active,
//! so removing or reducing one asks first. Size and extent arguments are checked
//! as lvm2's parser does (signs, suffixes, zero) before anything else happens.
//! Simplifications: no `-O` sorting, `--select`, `vgchange`, snapshots, tags or
//! PV lists on lvcreate/lvextend; the LV creation time is a fixed lab clock.

use crate::core::order::SmallSort;
use std::collections::{HashSet, VecDeque};

use super::fmt::json_string;
use super::{Interactive, Output, Shell};
use crate::core::lvm::{Lv, LvKind, Lvm, LvmError, Pv, Vg};
use crate::core::machine::{dm_name, BlockRef, Machine};
use crate::core::units::{KIB, MIB};
use crate::core::Event;

/// How sizes are shown (`--units`, `--nosuffix`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Units {
    pub unit: char,
    /// `--units` was given (other than r/R): no `<` rounding marks.
    pub explicit: bool,
    pub suffix: bool,
}

impl Default for Units {
    fn default() -> Self {
        Units { unit: 'h', explicit: false, suffix: true }
    }
}

/// lvm2's short size form: `<10.00g`, `512.00m`, `0 `.
pub fn short_size(bytes: u64, u: Units) -> String {
    let suffix = u.suffix || matches!(u.unit, 'h' | 'H');
    if bytes == 0 {
        return if suffix { "0 ".into() } else { "0".into() };
    }
    let (base, letters): (u64, &[u8]) = if u.unit.is_ascii_uppercase() { (1000, b"BKMGTPE") } else { (1024, b"bkmgtpe") };
    let (div, letter) = match u.unit.to_ascii_lowercase() {
        'b' => return if suffix { format!("{bytes}B") } else { bytes.to_string() },
        's' => return if suffix { format!("{}S", bytes / 512) } else { (bytes / 512).to_string() },
        'h' => {
            let mut p = 6u32;
            while p > 1 && bytes < base.pow(p) {
                p -= 1;
            }
            (base.pow(p), letters[p as usize] as char)
        }
        c => {
            let p = b"bkmgtpe".iter().position(|x| *x as char == c).unwrap_or(3) as u32;
            (base.pow(p), letters[p as usize] as char)
        }
    };
    let hundredths = (bytes as u128 * 200 + div as u128) / (2 * div as u128);
    let marker = if !u.explicit && hundredths * div as u128 > bytes as u128 * 100 { "<" } else { "" };
    let number = format!("{}.{:02}", hundredths / 100, hundredths % 100);
    if suffix {
        format!("{marker}{number}{letter}")
    } else {
        format!("{marker}{number}")
    }
}

/// lvm2's long size form in messages and displays: `<10.00 GiB`, `4.00 MiB`.
pub fn long_size(bytes: u64) -> String {
    if bytes == 0 {
        return "0   ".into();
    }
    const NAMES: [&str; 7] = ["B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"];
    let mut p = 6usize;
    while p > 1 && bytes < 1024u64.pow(p as u32) {
        p -= 1;
    }
    let div = 1024u128.pow(p as u32);
    let hundredths = (bytes as u128 * 200 + div) / (2 * div);
    let marker = if hundredths * div > bytes as u128 * 100 { "<" } else { "" };
    format!("{marker}{}.{:02} {}", hundredths / 100, hundredths % 100, NAMES[p])
}

/// lvm2's percentages (Data%, Meta%, "Allocated pool data"): `dm_make_percent`,
/// then `dm_percent_to_round_float(.., 2)` printed as `%.2f`, so a barely used
/// pool shows 0.01 and a nearly full one 99.99, never 0.00 or 100.00.
fn percent_text(numerator: u64, denominator: u64) -> String {
    const ONE: i64 = 1_000_000;
    const HUNDRED: i64 = 100 * ONE;
    let p: i64 = if denominator == 0 || numerator == denominator {
        HUNDRED
    } else if numerator == 0 {
        0
    } else {
        match (HUNDRED as f64 * (numerator as f64 / denominator as f64)) as i64 {
            HUNDRED => HUNDRED - 1,
            0 => 1,
            v => v.min(i64::from(i32::MAX)),
        }
    };
    percent_value_text(p)
}

/// Formats a `dm_percent_t` (1% = 1,000,000) as lvm2 does.
fn percent_value_text(p: i64) -> String {
    const ONE: i64 = 1_000_000;
    const HUNDRED: i64 = 100 * ONE;
    let r = ONE as f32 * 0.01f32;
    let mut f = p as f32 / ONE as f32 + 0.0;
    if (p as f32) < r && p > 0 {
        f = 0.01;
    } else if (p as f32) > (HUNDRED as f32 - r) && p < HUNDRED {
        f = (HUNDRED as f32 - r) / ONE as f32;
    }
    super::fmt::fixed(f64::from(f), 2)
}

fn msg(out: &mut String, line: &str) {
    out.push_str("  ");
    out.push_str(line);
    out.push('\n');
}

fn fail(text: String) -> Output {
    Output { text, exit_status: 5, ..Output::default() }
}

fn ok(text: String, events: Vec<Event>) -> Output {
    Output { text, events, ..Output::default() }
}

/// A command-line error (exit 3): lvm2's lines, then `Run `CMD --help'...`.
fn usage_error(cmd: &str, lines: &[String]) -> Output {
    let mut t = String::new();
    for l in lines {
        msg(&mut t, l);
    }
    msg(&mut t, &format!("Run `{cmd} --help' for more information."));
    Output { text: t, exit_status: 3, ..Output::default() }
}

/// The parser's rejection of an option value (exit 3).
fn invalid_argument(lines: &[String], option: &str, value: &str) -> Output {
    let mut t = String::new();
    for l in lines {
        msg(&mut t, l);
    }
    msg(&mut t, &format!("Invalid argument for {option}: {value}"));
    msg(&mut t, "Error during parsing of command line.");
    Output { text: t, exit_status: 3, ..Output::default() }
}

fn no_matching_syntax(cmd: &str) -> Output {
    let mut t = String::new();
    msg(&mut t, &format!("No command with matching syntax recognised.  Run '{cmd} --help' for more information."));
    Output { text: t, exit_status: 3, ..Output::default() }
}

// ---------------------------------------------------------------- y/n questions

/// One thing a command still has to do, possibly after asking.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Step {
    /// A y/n question; 'n' prints `refusal` and abandons the rest of the group.
    Ask { prompt: String, refusal: String },
    /// A refusal without a question (an LV in use); abandons the rest of the group.
    Refuse { text: String },
    /// Removes an LV; prints lvm2's message unless it is hidden.
    RemoveLv { vg: String, lv: String },
    RemoveVg { vg: String },
    Reduce { vg: String, lv: String, new_extents: u64 },
}

/// A step and the group it belongs to: each LV lvremove processes is a group;
/// vgremove stops at its first failure.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Planned {
    group: usize,
    step: Step,
}

/// A question lvm2 is waiting for a y/n answer to, and what follows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Confirm {
    /// The question first, then everything after it.
    steps: VecDeque<Planned>,
    failed: bool,
    stop_on_error: bool,
}

impl Confirm {
    fn prompt(&self) -> String {
        match self.steps.front().map(|p| &p.step) {
            Some(Step::Ask { prompt, .. }) => prompt.clone(),
            _ => String::new(),
        }
    }
}

/// Runs planned steps until one asks a question (the shell then waits for the
/// answer) or all are done. At end of input every question is answered `[n]`.
fn execute(shell: &mut Shell, mut c: Confirm, mut text: String, mut events: Vec<Event>, eof: bool) -> Output {
    while let Some(p) = c.steps.pop_front() {
        match p.step {
            Step::Ask { ref prompt, ref refusal } => {
                text.push_str(prompt);
                if !eof {
                    c.steps.push_front(p);
                    shell.interactive = Some(Interactive::Confirm(c));
                    return ok(text, events);
                }
                text.push_str("[n]\n");
                msg(&mut text, refusal);
                refuse(&mut c, p.group);
            }
            Step::Refuse { text: ref line } => {
                msg(&mut text, line);
                refuse(&mut c, p.group);
            }
            Step::RemoveLv { vg, lv } => {
                let hidden = shell.machine.lvm.vg(&vg).and_then(|v| v.lv(&lv)).is_some_and(|l| l.is_hidden());
                match shell.machine.lvm.lvremove(&vg, &lv) {
                    Ok(e) => {
                        events.extend(e);
                        forget_lv(&mut shell.machine, &vg, &lv);
                        if !hidden {
                            msg(&mut text, &format!("Logical volume \"{lv}\" successfully removed."));
                        }
                    }
                    Err(_) => {
                        msg(&mut text, &format!("Failed to find logical volume \"{vg}/{lv}\""));
                        refuse(&mut c, p.group);
                    }
                }
            }
            Step::RemoveVg { vg } => {
                events.extend(shell.machine.lvm.vgremove(&vg).unwrap_or_default());
                msg(&mut text, &format!("Volume group \"{vg}\" successfully removed"));
            }
            Step::Reduce { vg, lv, new_extents } => {
                let o = resize_now(&mut shell.machine, &vg, &lv, new_extents, std::mem::take(&mut text));
                text = o.text;
                events.extend(o.events);
                if o.exit_status != 0 {
                    refuse(&mut c, p.group);
                }
            }
        }
    }
    Output { text, events, exit_status: if c.failed { 5 } else { 0 }, ..Output::default() }
}

/// A refused or failed step: the command will fail; the rest of its group (or,
/// for vgremove, everything) is abandoned.
fn refuse(c: &mut Confirm, group: usize) {
    c.failed = true;
    if c.stop_on_error {
        c.steps.clear();
    } else {
        c.steps.retain(|s| s.group != group);
    }
}

fn start(shell: &mut Shell, steps: Vec<Planned>, stop_on_error: bool, text: String, events: Vec<Event>) -> Output {
    execute(shell, Confirm { steps: steps.into(), failed: false, stop_on_error }, text, events, false)
}

/// lvm2's `yes_no_prompt` reading one line: `y`, `ye`, `yes`, `n` or `no` in any
/// case, with blanks around; anything else is invalid (returned as lvm2 quotes
/// it: the first 8 printable characters, `...` when there were more).
fn parse_answer(line: &str) -> Result<char, String> {
    let mut ret: i32 = 0;
    let mut rest: &[u8] = b"";
    let mut buf: Vec<u8> = Vec::new();
    for c in line.bytes().chain(std::iter::once(b'\n')) {
        if buf.len() < 8 && (0x20..0x7f).contains(&c) {
            buf.push(c);
        }
        let c = c.to_ascii_lowercase();
        if ret > 0 && rest.first() == Some(&c) {
            rest = &rest[1..];
        } else if c == b'\n' {
            if ret > 0 {
                return Ok(ret as u8 as char);
            }
            break;
        } else if ret == 0 && c == b'y' {
            ret = i32::from(b'y');
            rest = b"es";
        } else if ret == 0 && c == b'n' {
            ret = i32::from(b'n');
            rest = b"o";
        } else if ret == 0 && c.is_ascii_whitespace() {
            buf.pop();
        } else if ret > 0 && c.is_ascii_whitespace() {
            rest = b"";
        } else {
            ret = -1;
        }
    }
    let mut quoted = String::from_utf8_lossy(&buf).into_owned();
    if buf.len() >= 8 {
        quoted.push_str("...");
    }
    Err(quoted)
}

/// The answer to a pending y/n question.
pub fn confirm(shell: &mut Shell, mut c: Confirm, line: &str) -> Output {
    match parse_answer(line) {
        Ok('y') => {
            c.steps.pop_front();
            execute(shell, c, String::new(), Vec::new(), false)
        }
        Ok(_) => {
            let mut text = String::new();
            if let Some(Planned { group, step: Step::Ask { refusal, .. } }) = c.steps.pop_front() {
                msg(&mut text, &refusal);
                refuse(&mut c, group);
            }
            execute(shell, c, text, Vec::new(), false)
        }
        Err(quoted) => {
            // lvm2 warns and asks again until it gets y or n.
            let mut text = String::new();
            msg(&mut text, &format!("WARNING: Invalid input '{quoted}'."));
            text.push_str(&c.prompt());
            shell.interactive = Some(Interactive::Confirm(c));
            ok(text, Vec::new())
        }
    }
}

/// End of input at a y/n question: lvm2 answers `[n]` itself, to this question
/// and to every later one. Each later group starts with a question or a refusal
/// (nothing is removed or reduced before the first question of a group), so
/// refusing them needs no change to the machine.
pub fn confirm_eof(mut c: Confirm) -> Output {
    let mut text = String::new();
    let mut first = true;
    while let Some(p) = c.steps.pop_front() {
        match p.step {
            Step::Ask { prompt, refusal } => {
                if !first {
                    text.push_str(&prompt);
                }
                text.push_str("[n]\n");
                msg(&mut text, &refusal);
                refuse(&mut c, p.group);
            }
            Step::Refuse { text: line } => {
                msg(&mut text, &line);
                refuse(&mut c, p.group);
            }
            _ => {}
        }
        first = false;
    }
    Output { text, exit_status: 5, ..Output::default() }
}

/// Drops the filesystem record of a removed LV.
fn forget_lv(machine: &mut Machine, vg: &str, lv: &str) {
    machine.filesystems.remove(&format!("/dev/mapper/{}", dm_name(vg, lv)));
}

// ---------------------------------------------------------------- arguments

/// The sign of a size or extents argument.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
enum Sign {
    #[default]
    None,
    Plus,
    Minus,
}

/// What an option accepts, as lvm2's `sizemb`/`psizemb`/`nsizemb`/`ssizemb` and
/// `extents`/`pextents`/`nextents`/`sextents` value types.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Signs {
    Unsigned,
    PlusOnly,
    MinusOnly,
    Any,
}

/// A parsed `--size`-like value, in 512-byte sectors.
#[derive(Clone, Debug, Default)]
struct SizeArg {
    sign: Sign,
    sectors: u64,
}

/// What `N%...` is a percentage of.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
enum Percent {
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
struct ExtentsArg {
    sign: Sign,
    value: u64,
    percent: Percent,
}

fn split_sign(text: &str) -> (Sign, &str) {
    match text.as_bytes().first() {
        Some(b'+') => (Sign::Plus, &text[1..]),
        Some(b'-') => (Sign::Minus, &text[1..]),
        _ => (Sign::None, text),
    }
}

/// The longest prefix `strtod` would take from `s` (which starts with a digit or
/// '.'): its value and length; `None` when it takes nothing.
fn strtod_prefix(s: &str) -> Option<(f64, usize)> {
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
    if i < b.len() && (b[i] | 0x20) == b'e' {
        let mut j = i + 1;
        if j < b.len() && (b[j] == b'+' || b[j] == b'-') {
            j += 1;
        }
        if j < b.len() && b[j].is_ascii_digit() {
            while j < b.len() && b[j].is_ascii_digit() {
                j += 1;
            }
            i = j;
        }
    }
    super::fmt::parse_decimal(&s[..i]).map(|v| (v, i))
}

/// lvm2's `_size_arg` plus the sign rule of the option's value type. Values
/// without a unit are MiB; units are powers of 1024 whatever their case.
fn parse_size_arg(text: &str, signs: Signs) -> Result<SizeArg, Vec<String>> {
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
        None => v *= 2048.0,
        Some(c) => match "kmgtpebs".find(c) {
            None => return Err(vec!["Can't parse size argument.".into()]),
            Some(7) => {}
            Some(6) => {
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
fn parse_extents_arg(text: &str, signs: Signs) -> Result<ExtentsArg, Vec<String>> {
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
#[derive(Default, Debug)]
struct Args {
    positional: Vec<String>,
    flags: Vec<String>,
    name: Option<String>,
    size: Option<SizeArg>,
    extents: Option<ExtentsArg>,
    virtual_size: Option<SizeArg>,
    lv_type: Option<String>,
    thin: bool,
    thinpool: Option<String>,
    extent_size: Option<SizeArg>,
    columns: Option<String>,
    separator: Option<String>,
    aligned: bool,
    units: Units,
    json: bool,
    all: bool,
    yes: bool,
    force: u32,
    resizefs: bool,
    nofsck: bool,
    noheadings: bool,
    maps: bool,
    short: bool,
}

/// Short options that take a value, per command.
fn short_takes_value(cmd: &str, c: char) -> bool {
    match c {
        'L' | 'l' | 'V' | 'o' | 'O' | 'S' | 'M' => true,
        'n' => !matches!(cmd, "lvextend" | "lvreduce" | "lvresize"),
        's' => cmd == "vgcreate",
        'a' | 'Z' | 'W' => matches!(cmd, "lvcreate" | "lvchange" | "vgchange"),
        _ => false,
    }
}

fn getopt_error(text: String) -> Output {
    let mut t = text;
    msg(&mut t, "Error during parsing of command line.");
    Output { text: t, exit_status: 3, ..Output::default() }
}

/// The value types lvm2 gives --size and --extents for each command.
fn size_signs(cmd: &str) -> (Signs, Signs) {
    match cmd {
        "lvextend" | "lvcreate" => (Signs::PlusOnly, Signs::PlusOnly),
        "lvreduce" => (Signs::MinusOnly, Signs::MinusOnly),
        "lvresize" => (Signs::Any, Signs::Any),
        _ => (Signs::Unsigned, Signs::Unsigned),
    }
}

/// One command-line word after getopt's splitting.
enum Word {
    Opt(String, Option<String>),
    Pos(String),
}

fn parse_args(cmd: &str, raw: &[String]) -> Result<Args, Output> {
    let mut a = Args::default();
    // Split bundled and attached short options the way getopt does.
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
    let (size_signs, extents_signs) = size_signs(cmd);
    let resize = matches!(cmd, "lvextend" | "lvreduce" | "lvresize");
    let mut k = 0;
    while k < words.len() {
        let (key, inline) = match &words[k] {
            Word::Pos(p) => {
                a.positional.push(p.clone());
                k += 1;
                continue;
            }
            Word::Opt(key, inline) => (key.clone(), inline.clone()),
        };
        let value = |k: &mut usize| -> Result<String, Output> {
            if let Some(v) = inline.clone() {
                return Ok(v);
            }
            *k += 1;
            match words.get(*k) {
                Some(Word::Pos(v)) => Ok(v.clone()),
                _ => Err(getopt_error(format!("{cmd}: option '{key}' requires an argument\n"))),
            }
        };
        match key.as_str() {
            "-n" | "--nofsck" if resize => a.nofsck = true,
            "-n" | "--name" => a.name = Some(value(&mut k)?),
            "-L" | "--size" => {
                let v = value(&mut k)?;
                a.size = Some(parse_size_arg(&v, size_signs).map_err(|e| invalid_argument(&e, "--size", &v))?);
            }
            "-l" | "--extents" => {
                let v = value(&mut k)?;
                a.extents = Some(parse_extents_arg(&v, extents_signs).map_err(|e| invalid_argument(&e, "--extents", &v))?);
            }
            "-V" | "--virtualsize" => {
                let v = value(&mut k)?;
                a.virtual_size = Some(parse_size_arg(&v, Signs::Unsigned).map_err(|e| invalid_argument(&e, "--virtualsize", &v))?);
            }
            "--type" => a.lv_type = Some(value(&mut k)?),
            "-T" | "--thin" => a.thin = true,
            "--thinpool" => a.thinpool = Some(value(&mut k)?),
            "-s" | "--physicalextentsize" if cmd == "vgcreate" => {
                let v = value(&mut k)?;
                a.extent_size = Some(parse_size_arg(&v, Signs::Unsigned).map_err(|e| invalid_argument(&e, "--physicalextentsize", &v))?);
            }
            "-s" | "--short" if cmd == "pvdisplay" || cmd == "vgdisplay" => a.short = true,
            "-o" | "--options" => {
                let v = value(&mut k)?;
                a.columns = Some(match a.columns.take() {
                    Some(prev) if v.starts_with('+') => format!("{prev},{}", &v[1..]),
                    _ => v,
                });
            }
            "--separator" => a.separator = Some(value(&mut k)?),
            "--aligned" => a.aligned = true,
            "--units" => {
                let v = value(&mut k)?;
                let c = v.chars().next().unwrap_or('h');
                if v.chars().count() != 1 || !"hHbBsSkKmMgGtTpPeErR".contains(c) {
                    return Err(invalid_argument(&[], "--units", &v));
                }
                a.units.explicit = !matches!(c, 'r' | 'R');
                a.units.unit = match c {
                    'r' => 'h',
                    'R' => 'H',
                    c => c,
                };
            }
            "--nosuffix" => a.units.suffix = false,
            "--reportformat" => {
                let v = value(&mut k)?;
                match v.as_str() {
                    "json" => a.json = true,
                    "basic" => a.json = false,
                    _ => {
                        let mut t = String::new();
                        msg(&mut t, &format!("Unknown report format {v}"));
                        return Err(Output { text: t, exit_status: 5, ..Output::default() });
                    }
                }
            }
            "-a" | "-Z" | "-W" | "--activate" | "--zero" | "--wipesignatures" if inline.is_some() || key.starts_with("--") => {
                let v = value(&mut k)?;
                a.flags.push(format!("{key}={v}"));
            }
            "-a" | "--all" => a.all = true,
            "-y" | "--yes" => a.yes = true,
            "-f" | "--force" => a.force += 1,
            "-r" | "--resizefs" => a.resizefs = true,
            "--noheadings" => a.noheadings = true,
            "-m" | "--maps" => a.maps = true,
            "-v" | "--verbose" | "-q" | "--quiet" | "-t" | "--test" => a.flags.push(key.to_string()),
            _ if key.starts_with("--") => return Err(getopt_error(format!("{cmd}: unrecognized option '{key}'\n"))),
            _ => return Err(getopt_error(format!("{cmd}: invalid option -- '{}'\n", key.trim_start_matches('-')))),
        }
        k += 1;
    }
    Ok(a)
}

/// Runs an lvm2 command, or returns None when `cmd` is not one.
pub fn run(shell: &mut Shell, cmd: &str, raw: &[String]) -> Option<Output> {
    const KNOWN: &[&str] = &[
        "pvcreate", "pvremove", "pvs", "pvdisplay", "pvscan", "vgcreate", "vgextend", "vgreduce", "vgremove", "vgs",
        "vgdisplay", "lvcreate", "lvextend", "lvreduce", "lvresize", "lvremove", "lvs", "lvdisplay", "lvrename",
        "vgchange", "lvchange",
    ];
    if !KNOWN.contains(&cmd) {
        return None;
    }
    let args = match parse_args(cmd, raw) {
        Ok(a) => a,
        Err(o) => return Some(o),
    };
    Some(match cmd {
        "pvcreate" => pvcreate(&mut shell.machine, &args),
        "pvremove" => pvremove(&mut shell.machine, &args),
        "pvs" | "vgs" | "lvs" => report(&shell.machine, cmd, &args),
        "pvscan" => pvscan(&shell.machine),
        "pvdisplay" => pvdisplay(&shell.machine, &args),
        "vgdisplay" => vgdisplay(&shell.machine, &args),
        "lvdisplay" => lvdisplay(&shell.machine, &args),
        "vgcreate" => vgcreate(&mut shell.machine, &args),
        "vgextend" => vgextend(&mut shell.machine, &args),
        "vgreduce" => vgreduce(&mut shell.machine, &args),
        "vgremove" => vgremove(shell, &args),
        "lvcreate" => lvcreate(&mut shell.machine, &args),
        "lvextend" | "lvreduce" | "lvresize" => lvresize(shell, cmd, &args),
        "lvremove" => lvremove(shell, &args),
        "lvrename" => lvrename(&mut shell.machine, &args),
        _ => {
            let mut t = String::new();
            msg(&mut t, &format!("{cmd}: activation changes are not simulated; every LV stays active."));
            fail(t)
        }
    })
}
/// Resolves a device for pvcreate, checking what lvm2 checks.
fn usable_device(machine: &Machine, path: &str) -> Result<u64, String> {
    let Some(r) = machine.resolve(path) else { return Err(format!("No device found for {path}.")) };
    if let BlockRef::Disk { disk } = r {
        if machine.disks[disk].label().is_some_and(|l| !l.partitions.is_empty()) {
            return Err(format!("Cannot use {path}: device is partitioned"));
        }
    }
    let canonical = machine.canonical_path(&r);
    if machine.mounts.iter().any(|m| m.device == canonical) || machine.swaps.contains(&canonical) {
        return Err(format!("Can't open {path} exclusively.  Mounted filesystem?"));
    }
    Ok(machine.size_of(&r))
}

fn pvcreate(machine: &mut Machine, a: &Args) -> Output {
    if a.positional.is_empty() {
        let mut t = String::new();
        msg(&mut t, "Please enter a physical volume path.");
        return Output { text: t, exit_status: 3, ..Output::default() };
    }
    let mut t = String::new();
    let mut events = Vec::new();
    let mut status = 0;
    for path in &a.positional {
        if let Some(vg) = machine.lvm.pv(path).and_then(|p| p.vg_name.clone()) {
            msg(&mut t, &format!("Can't initialize physical volume \"{path}\" of volume group \"{vg}\" without -ff"));
            msg(&mut t, &format!("{path}: physical volume not initialized."));
            status = 5;
            continue;
        }
        let size = match usable_device(machine, path) {
            Ok(s) => s,
            Err(e) => {
                msg(&mut t, &e);
                status = 5;
                continue;
            }
        };
        if let Some(fs) = machine.filesystems.get(path).cloned() {
            msg(&mut t, &format!("Wiping {} signature on {path}.", fs.fstype));
            machine.filesystems.remove(path);
        }
        let uuid = machine.new_lvm_uuid();
        match machine.lvm.pvcreate(path, size, uuid) {
            Ok(e) => {
                events.extend(e);
                msg(&mut t, &format!("Physical volume \"{path}\" successfully created."));
            }
            Err(_) => {
                msg(&mut t, &format!("Cannot use {path}: device is too small (pv_min_size)"));
                status = 5;
            }
        }
    }
    Output { text: t, events, exit_status: status, ..Output::default() }
}

fn pvremove(machine: &mut Machine, a: &Args) -> Output {
    let mut t = String::new();
    let mut events = Vec::new();
    let mut status = 0;
    for path in &a.positional {
        match machine.lvm.pvremove(path) {
            Ok(e) => {
                events.extend(e);
                msg(&mut t, &format!("Labels on physical volume \"{path}\" successfully wiped."));
            }
            Err(LvmError::PvInUseByVg { vg, .. }) => {
                msg(&mut t, &format!("PV {path} is used by VG {vg} so please use vgreduce first."));
                msg(&mut t, "(If you are certain you need pvremove, then confirm by using --force twice.)");
                msg(&mut t, &format!("{path}: physical volume label not removed."));
                status = 5;
            }
            Err(_) if machine.resolve(path).is_none() => {
                msg(&mut t, &format!("No device found for {path}."));
                status = 5;
            }
            Err(_) => {
                msg(&mut t, &format!("No PV found on device {path}."));
                status = 5;
            }
        }
    }
    Output { text: t, events, exit_status: status, ..Output::default() }
}

fn not_found_vg(t: &mut String, vg: &str) {
    msg(t, &format!("Volume group \"{vg}\" not found"));
    msg(t, &format!("Cannot process volume group {vg}"));
}

/// Splits `vg/lv`, `/dev/vg/lv` or `/dev/mapper/vg-lv`.
fn lv_spec(machine: &Machine, spec: &str) -> Option<(String, String)> {
    if let Some(dm) = spec.strip_prefix("/dev/mapper/") {
        for vg in &machine.lvm.vgs {
            for lv in &vg.lvs {
                if dm_name(&vg.name, &lv.name) == dm {
                    return Some((vg.name.clone(), lv.name.clone()));
                }
            }
        }
        return None;
    }
    let s = spec.strip_prefix("/dev/").unwrap_or(spec);
    let (vg, lv) = s.split_once('/')?;
    Some((vg.to_string(), lv.to_string()))
}


/// The devices of vgcreate/vgextend with their sizes; a device named twice
/// counts once, as in lvm2.
fn devices_with_sizes(machine: &Machine, paths: &[String]) -> Result<Vec<(String, u64)>, String> {
    let mut v: Vec<(String, u64)> = Vec::new();
    for p in paths {
        if v.iter().any(|(d, _)| d == p) {
            continue;
        }
        if machine.lvm.pv(p).is_some() {
            v.push((p.clone(), machine.lvm.pv(p).map_or(0, |x| x.dev_size_bytes)));
            continue;
        }
        v.push((p.clone(), usable_device(machine, p)?));
    }
    Ok(v)
}

fn join_errors(t: &mut String, e: &LvmError) {
    match e {
        LvmError::AlreadyInVg { device, vg } => {
            msg(t, &format!("Physical volume '{device}' is already in volume group '{vg}'"));
            msg(t, &format!("Unable to add physical volume '{device}' to volume group '{vg}'"));
            msg(t, &format!("{device}: physical volume not initialized."));
        }
        LvmError::VgExists(vg) => msg(t, &format!("A volume group called {vg} already exists.")),
        LvmError::NoSuchVg(vg) => not_found_vg(t, vg),
        LvmError::InvalidExtentSize => msg(t, "Physical extent size may not be zero or this small."),
        other => msg(t, &other.to_string()),
    }
}

fn vgcreate(machine: &mut Machine, a: &Args) -> Output {
    let Some((name, devices)) = a.positional.split_first().filter(|(_, d)| !d.is_empty()) else {
        return no_matching_syntax("vgcreate");
    };
    let mut t = String::new();
    if let Some(e) = name_error(name) {
        return usage_error("vgcreate", &[e.to_string(), format!("New volume group name \"{name}\" is invalid.")]);
    }
    if machine.resolve(&format!("/dev/{name}")).is_some() {
        return usage_error("vgcreate", &[format!("/dev/{name}: already exists in filesystem")]);
    }
    let extent = match &a.extent_size {
        None => crate::core::lvm::DEFAULT_EXTENT_BYTES,
        Some(s) => {
            let sectors = s.sectors.min(u64::from(u32::MAX));
            if sectors == 0 {
                return usage_error("vgcreate", &["Physical extent size may not be zero".into()]);
            }
            if !sectors.is_power_of_two() && sectors % 256 != 0 {
                msg(&mut t, "Physical Extent size must be a multiple of 128.00 KiB when not a power of 2.");
                return fail(t);
            }
            sectors * 512
        }
    };
    if machine.lvm.vg(name).is_some() {
        msg(&mut t, &format!("A volume group called {name} already exists."));
        return fail(t);
    }
    let list = match devices_with_sizes(machine, devices) {
        Ok(l) => l,
        Err(e) => {
            msg(&mut t, &e);
            return fail(t);
        }
    };
    let new_pvs: Vec<String> = list.iter().filter(|(d, _)| machine.lvm.pv(d).is_none()).map(|d| d.0.clone()).collect();
    let rng = &mut machine.rng;
    let mut uuids = || crate::core::lvm::format_lvm_uuid(&mut || rng.next_u64());
    match machine.lvm.vgcreate(name, &list, extent, &mut uuids) {
        Ok(events) => {
            for d in new_pvs {
                msg(&mut t, &format!("Physical volume \"{d}\" successfully created."));
            }
            msg(&mut t, &format!("Volume group \"{name}\" successfully created"));
            ok(t, events)
        }
        Err(e) => {
            join_errors(&mut t, &e);
            fail(t)
        }
    }
}

fn vgextend(machine: &mut Machine, a: &Args) -> Output {
    let mut t = String::new();
    let Some((name, devices)) = a.positional.split_first() else {
        msg(&mut t, "Please enter volume group name and physical volume(s)");
        return Output { text: t, exit_status: 3, ..Output::default() };
    };
    if machine.lvm.vg(name).is_none() {
        not_found_vg(&mut t, name);
        return fail(t);
    }
    let list = match devices_with_sizes(machine, devices) {
        Ok(l) => l,
        Err(e) => {
            msg(&mut t, &e);
            return fail(t);
        }
    };
    let new_pvs: Vec<String> = list.iter().filter(|(d, _)| machine.lvm.pv(d).is_none()).map(|d| d.0.clone()).collect();
    let rng = &mut machine.rng;
    let mut uuids = || crate::core::lvm::format_lvm_uuid(&mut || rng.next_u64());
    match machine.lvm.vgextend(name, &list, &mut uuids) {
        Ok(events) => {
            for d in new_pvs {
                msg(&mut t, &format!("Physical volume \"{d}\" successfully created."));
            }
            msg(&mut t, &format!("Volume group \"{name}\" successfully extended"));
            ok(t, events)
        }
        Err(e) => {
            join_errors(&mut t, &e);
            fail(t)
        }
    }
}

fn vgreduce(machine: &mut Machine, a: &Args) -> Output {
    let mut t = String::new();
    let Some((name, devices)) = a.positional.split_first() else {
        msg(&mut t, "Please give volume group name and physical volume paths");
        return Output { text: t, exit_status: 3, ..Output::default() };
    };
    let mut events = Vec::new();
    for d in devices {
        match machine.lvm.vgreduce(name, d) {
            Ok(e) => {
                events.extend(e);
                msg(&mut t, &format!("Removed \"{d}\" from volume group \"{name}\""));
            }
            Err(LvmError::NoSuchVg(_)) => {
                not_found_vg(&mut t, name);
                return fail(t);
            }
            Err(LvmError::PvStillUsed(_)) => {
                msg(&mut t, &format!("Physical volume \"{d}\" still in use"));
                return Output { text: t, events, exit_status: 5, ..Output::default() };
            }
            Err(LvmError::LastPv { .. }) => {
                msg(&mut t, &format!("Can't remove final physical volume \"{d}\" from volume group \"{name}\""));
                return Output { text: t, events, exit_status: 5, ..Output::default() };
            }
            Err(_) => {
                msg(&mut t, &format!("Physical Volume \"{d}\" not found in Volume Group \"{name}\"."));
                return Output { text: t, events, exit_status: 5, ..Output::default() };
            }
        }
    }
    ok(t, events)
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
fn name_error(name: &str) -> Option<&'static str> {
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
fn reserved_name_error(name: &str) -> Option<String> {
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
fn lv_name_errors(name: &str) -> Option<Vec<String>> {
    if name_error(name).is_some() {
        return Some(vec![format!("Logical volume name \"{name}\" is invalid.")]);
    }
    reserved_name_error(name).map(|e| vec![e])
}

/// The LVs lvm2 processes for a whole VG, in its order: the VG's metadata lists
/// visible LVs (in creation order) before hidden ones, and thin pools are moved
/// to the front, each new one before the previous.
fn processing_order(vg: &Vg, include_hidden: bool) -> Vec<&Lv> {
    let mut listed: Vec<&Lv> = vg.lvs.iter().filter(|l| !l.is_hidden()).collect();
    if include_hidden {
        listed.extend(vg.lvs.iter().filter(|l| l.is_hidden()));
    }
    let mut order: VecDeque<&Lv> = VecDeque::new();
    for lv in listed {
        if matches!(lv.kind, LvKind::ThinPool { .. }) {
            order.push_front(lv);
        } else {
            order.push_back(lv);
        }
    }
    order.into_iter().collect()
}

fn open_lv(machine: &Machine, vg: &str, lv: &str) -> bool {
    let path = format!("/dev/mapper/{}", dm_name(vg, lv));
    machine.mounts.iter().any(|m| m.device == path) || machine.swaps.contains(&path)
}

/// lvm2's `lv_remove_with_dependencies`: a used pool first asks about its
/// dependents and removes them; an LV in use is refused; an active visible LV
/// is asked about unless -y/-f.
fn plan_lv_removal(machine: &Machine, vg: &Vg, lv: &Lv, prompt: bool, group: usize, done: &mut HashSet<String>, plan: &mut Vec<Planned>) {
    if !done.insert(lv.name.clone()) {
        return;
    }
    let id = format!("{}/{}", vg.name, lv.name);
    let refusal = format!("Logical volume {id} not removed.");
    let step = |step: Step| Planned { group, step };
    if lv.is_hidden() && !lv.is_pmspare() {
        plan.push(step(Step::Refuse { text: format!("Can't remove logical volume {id} used by a pool.") }));
        return;
    }
    if lv.is_pmspare() {
        if prompt && vg.lvs.iter().any(|l| l.is_hidden() && l.name.ends_with("_tmeta")) {
            plan.push(step(Step::Ask {
                prompt: format!("Removal of pool metadata spare logical volume {id} disables automatic recovery attempts after damage to a thin or cache pool. Proceed? [y/n]: "),
                refusal,
            }));
        }
        plan.push(step(Step::RemoveLv { vg: vg.name.clone(), lv: lv.name.clone() }));
        return;
    }
    if matches!(lv.kind, LvKind::ThinPool { .. }) {
        let users: Vec<&Lv> = vg.thin_users(&lv.name).into_iter().filter(|u| !done.contains(&u.name)).collect();
        if !users.is_empty() {
            if prompt {
                plan.push(step(Step::Ask {
                    prompt: format!("Removing pool {id} will remove {} dependent volume(s). Proceed? [y/n]: ", users.len()),
                    refusal: refusal.clone(),
                }));
            }
            for u in users {
                plan_lv_removal(machine, vg, u, prompt, group, done, plan);
            }
        }
    }
    if open_lv(machine, &vg.name, &lv.name) {
        plan.push(step(Step::Refuse { text: format!("Logical volume {id} contains a filesystem in use.") }));
        return;
    }
    if prompt {
        plan.push(step(Step::Ask { prompt: format!("Do you really want to remove active logical volume {id}? [y/n]: "), refusal }));
    }
    plan.push(step(Step::RemoveLv { vg: vg.name.clone(), lv: lv.name.clone() }));
}

fn vgremove(shell: &mut Shell, a: &Args) -> Output {
    if a.positional.is_empty() {
        return no_matching_syntax("vgremove");
    }
    let mut text = String::new();
    let mut failed = false;
    let mut plan: Vec<Planned> = Vec::new();
    let prompt = a.force == 0 && !a.yes;
    for (group, name) in a.positional.iter().enumerate() {
        let Some(vg) = shell.machine.lvm.vg(name) else {
            not_found_vg(&mut text, name);
            failed = true;
            continue;
        };
        let visible = vg.lvs.iter().filter(|l| !l.is_hidden()).count();
        let mut steps = Vec::new();
        if visible > 0 && prompt {
            steps.push(Planned {
                group,
                step: Step::Ask {
                    prompt: format!("Do you really want to remove volume group \"{name}\" containing {visible} logical volumes? [y/n]: "),
                    refusal: format!("Volume group \"{name}\" not removed"),
                },
            });
        }
        let mut done = HashSet::new();
        for lv in processing_order(vg, false) {
            plan_lv_removal(&shell.machine, vg, lv, prompt, group, &mut done, &mut steps);
        }
        if let Some(spare) = vg.pmspare() {
            steps.push(Planned { group, step: Step::RemoveLv { vg: name.clone(), lv: spare.name.clone() } });
        }
        steps.push(Planned { group, step: Step::RemoveVg { vg: name.clone() } });
        plan.extend(steps);
    }
    // A refusal ends that VG's removal (lvm2 stops at its first failed LV).
    let mut o = start(shell, plan, false, text, Vec::new());
    if failed && !shell.is_interactive() {
        o.exit_status = 5;
    }
    o
}

fn strip_dev(s: &str) -> &str {
    s.strip_prefix("/dev/").unwrap_or(s)
}

/// `VG/LV` (or `/dev/VG/LV`) into its parts; a plain name has no VG.
fn split_lv_name(s: &str) -> (Option<String>, String) {
    match strip_dev(s).split_once('/') {
        Some((vg, lv)) => (Some(vg.to_string()), lv.to_string()),
        None => (None, s.to_string()),
    }
}

/// `extents_from_size`: sectors to whole extents, rounding up with lvm2's note;
/// an LV is limited to 2^32 - 1 extents.
fn extents_from_sectors(t: &mut String, sectors: u64, extent_bytes: u64) -> Result<u64, ()> {
    let extent_sectors = (extent_bytes / 512).max(1);
    let mut s = sectors;
    if !s.is_multiple_of(extent_sectors) {
        s += extent_sectors - s % extent_sectors;
        msg(t, &format!("Rounding up size to full physical extent {}", long_size(s.saturating_mul(512))));
    }
    let limit = u64::from(u32::MAX) * extent_sectors;
    if s > limit {
        msg(t, &format!(
            "Volume too large ({}) for extent size {}. Upper limit is less than {}.",
            long_size(s.saturating_mul(512)),
            long_size(extent_bytes),
            long_size(limit.saturating_mul(512))
        ));
        return Err(());
    }
    Ok(s / extent_sectors)
}

/// lvm2's `pool_check_overprovisioning` after creating or growing a thin volume
/// or pool: warns when the thin volumes of the pool (or of all pools) add up to
/// more than the pools, naming the limit that matters (default autoextend
/// settings: threshold 100, percent 20).
fn overprovisioning_warnings(machine: &Machine, vg_name: &str, lv_name: &str) -> String {
    let mut t = String::new();
    let Some(vg) = machine.lvm.vg(vg_name) else { return t };
    let Some(lv) = vg.lv(lv_name) else { return t };
    let pool = match &lv.kind {
        LvKind::Thin { pool, .. } => pool.clone(),
        LvKind::ThinPool { .. } => lv.name.clone(),
        _ => return t,
    };
    let Some(pool_lv) = vg.lv(&pool) else { return t };
    let mut poolsum = vg.lv_size_bytes(pool_lv);
    let mut thinsum = machine.lvm.thin_virtual_total(vg, &pool);
    if thinsum <= poolsum {
        return t;
    }
    let mut more_pools = false;
    for other in vg.lvs.iter().filter(|l| matches!(l.kind, LvKind::ThinPool { .. }) && l.name != pool) {
        more_pools = true;
        poolsum += vg.lv_size_bytes(other);
        thinsum += machine.lvm.thin_virtual_total(vg, &other.name);
    }
    if thinsum <= poolsum {
        return t;
    }
    let vg_size = machine.lvm.vg_extent_count(vg) * vg.extent_size_bytes;
    let vg_free = machine.lvm.vg_free_extents(vg) * vg.extent_size_bytes;
    let (txt, sz) = if vg_size < thinsum {
        (" and the size of whole volume group", vg_size)
    } else if vg_free < thinsum {
        (if vg_free == 0 { "" } else { " and the amount of free space in volume group" }, vg_free)
    } else {
        ("", poolsum)
    };
    let which = if more_pools { "s".to_string() } else { format!(" {vg_name}/{pool}") };
    let limit = if sz > 0 { long_size(sz) } else { "no free space in volume group".into() };
    msg(&mut t, &format!("WARNING: Sum of all thin volume sizes ({}) exceeds the size of thin pool{which}{txt} ({limit}).", long_size(thinsum)));
    msg(&mut t, "WARNING: You have not turned on protection against thin pools running out of space.");
    msg(&mut t, "WARNING: Set activation/thin_pool_autoextend_threshold below 100 to trigger automatic extension of thin pools before they get full.");
    t
}

fn lvcreate(machine: &mut Machine, a: &Args) -> Output {
    const CMD: &str = "lvcreate";
    let ty = a.lv_type.as_deref();
    if let Some(ty) = ty.filter(|t| !matches!(*t, "thin" | "thin-pool" | "linear" | "striped")) {
        let mut t = String::new();
        msg(&mut t, &format!("Type {ty} is not simulated here (linear, thin-pool and thin are)."));
        return Output { text: t, exit_status: 3, ..Output::default() };
    }
    let has_size = a.size.is_some() || a.extents.is_some();
    let positional_pool = a.positional.first().is_some_and(|p| strip_dev(p).contains('/'));
    // Which of lvcreate's command definitions the line matches.
    let thin = a.virtual_size.is_some() && (a.thin || a.thinpool.is_some() || ty == Some("thin") || positional_pool);
    let pool = !thin && (ty == Some("thin-pool") || a.thin || a.thinpool.is_some());
    let create_pool = pool || (thin && has_size);
    let vg_known = !a.positional.is_empty()
        || a.name.as_deref().is_some_and(|n| n.contains('/'))
        || a.thinpool.as_deref().is_some_and(|n| n.contains('/'));
    let matches = if thin { vg_known } else { has_size && vg_known && a.virtual_size.is_none() };
    if !matches {
        return no_matching_syntax(CMD);
    }

    // Names: -n [VG/]LV, --thinpool [VG/]POOL, then the positional VG or VG/POOL.
    let mut vg_name: Option<String> = None;
    let mut lv_name: Option<String> = None;
    let mut pool_name: Option<String> = None;
    let set_vg = |vg_name: &mut Option<String>, v: String| -> Result<(), Output> {
        match vg_name {
            Some(old) if *old != v => Err(usage_error(CMD, &[format!("Inconsistent volume group names given: \"{old}\" and \"{v}\"")])),
            _ => {
                *vg_name = Some(v);
                Ok(())
            }
        }
    };
    let use_name = |vg_name: &mut Option<String>, text: &str, restricted: bool| -> Result<String, Output> {
        let (v, n) = split_lv_name(text);
        if let Some(v) = v {
            match vg_name {
                Some(old) if *old != v => {
                    return Err(usage_error(CMD, &[format!("Please use a single volume group name (\"{v}\" or \"{old}\").")]))
                }
                _ => *vg_name = Some(v),
            }
        }
        if name_error(&n).is_some() {
            return Err(usage_error(CMD, &[format!("Logical volume name \"{n}\" is invalid.")]));
        }
        if restricted {
            if let Some(e) = lv_name_errors(&n) {
                return Err(usage_error(CMD, &e));
            }
        }
        Ok(n)
    };
    if let Some(n) = &a.name {
        match use_name(&mut vg_name, n, true) {
            Ok(n) => lv_name = Some(n),
            Err(o) => return o,
        }
    }
    if let Some(p) = &a.thinpool {
        match use_name(&mut vg_name, p, false) {
            Ok(p) => pool_name = Some(p),
            Err(o) => return o,
        }
    }
    if let Some(p) = a.positional.first() {
        let p = strip_dev(p);
        if thin || pool {
            match p.split_once('/') {
                None => {
                    if let Err(o) = set_vg(&mut vg_name, p.to_string()) {
                        return o;
                    }
                }
                Some(_) => {
                    let before = vg_name.clone();
                    let named = match use_name(&mut vg_name, p, false) {
                        Ok(n) => n,
                        Err(o) => return o,
                    };
                    if before.is_none() || before == vg_name {
                        if let Some(existing) = pool_name.as_ref().filter(|e| **e != named) {
                            let seg = if thin { "thin" } else { "thin-pool" };
                            return usage_error(CMD, &[format!("Ambiguous {seg} name specified, {named} and {existing}.")]);
                        }
                        pool_name = Some(named);
                    }
                }
            }
        } else if p.contains('/') {
            return usage_error(CMD, &["Volume group name expected (no slash)".into()]);
        } else if let Err(o) = set_vg(&mut vg_name, p.to_string()) {
            return o;
        }
    }
    // A pool named only by -n (lvcreate --type thin-pool -n pool VG).
    if pool && pool_name.is_none() {
        pool_name = lv_name.clone();
    }
    if pool {
        if let Some(p) = &pool_name {
            if let Some(e) = lv_name_errors(p) {
                return usage_error(CMD, &e);
            }
        }
    }
    let Some(vg_name) = vg_name else { return no_matching_syntax(CMD) };

    // Size parameters.
    if a.size.is_some() && a.extents.is_some() {
        return usage_error(CMD, &["Please specify either size or extents (not both).".into()]);
    }
    let zero = zero_size_errors(a);
    if !zero.is_empty() {
        return usage_error(CMD, &zero);
    }

    let mut t = String::new();
    let Some(vg) = machine.lvm.vg(&vg_name).cloned() else {
        not_found_vg(&mut t, &vg_name);
        return fail(t);
    };
    // Pool checks.
    if create_pool {
        if let Some(p) = pool_name.as_ref().filter(|p| vg.lv(p).is_some()) {
            msg(&mut t, &format!("Logical volume {p} already exists in Volume group {vg_name}."));
            return fail(t);
        }
    } else if thin {
        let Some(p) = &pool_name else {
            msg(&mut t, "Please specify name of existing pool.");
            return fail(t);
        };
        match vg.lv(p).map(|l| &l.kind) {
            None => {
                msg(&mut t, &format!("Pool {p} not found in Volume group {vg_name}."));
                return fail(t);
            }
            Some(LvKind::ThinPool { .. }) => {}
            Some(_) => {
                msg(&mut t, &format!("Logical volume {vg_name}/{p} is not a thin pool."));
                return fail(t);
            }
        }
    }

    // _update_extents_params: sizes to extents, percentages, pool parameters.
    let extent = vg.extent_size_bytes;
    let free = machine.lvm.vg_free_extents(&vg);
    let total = machine.lvm.vg_extent_count(&vg);
    let mut approx = false;
    let mut extents = 0u64;
    if let Some(s) = &a.size {
        match extents_from_sectors(&mut t, s.sectors, extent) {
            Ok(e) => extents = e,
            Err(()) => return fail(t),
        }
    }
    let mut virtual_extents = None;
    if let Some(v) = &a.virtual_size {
        match extents_from_sectors(&mut t, v.sectors, extent) {
            Ok(e) => virtual_extents = Some(e),
            Err(()) => return fail(t),
        }
    }
    if let Some(e) = &a.extents {
        approx = e.percent != Percent::None;
        extents = match e.percent {
            Percent::None => e.value,
            Percent::Vg => {
                let n = e.value * total / 100;
                if n > free {
                    msg(&mut t, &format!("Reducing {}%VG to remaining free space {} in VG.", e.value, long_size(free * extent)));
                    free
                } else {
                    n
                }
            }
            Percent::Free => e.value * free / 100,
            Percent::Pvs => e.value * total / 100,
            Percent::Lv | Percent::Origin => {
                msg(&mut t, "Please express size as %FREE, %PVS or %VG.");
                return fail(t);
            }
        };
        if approx && extents == 0 {
            msg(&mut t, "Calculated size of logical volume is 0 extents. Needs to be larger.");
            return fail(t);
        }
    }
    let mut meta_extents = 0;
    let mut chunk = 0;
    if create_pool {
        chunk = Lvm::thin_chunk_bytes(extents.saturating_mul(extent));
        meta_extents = Lvm::lvcreate_meta_extents(extents.saturating_mul(extent), chunk, extent);
        msg(&mut t, &format!(
            "Thin pool volume with chunk size {} can address at most {} of data.",
            long_size(chunk),
            long_size(Lvm::thin_max_data_bytes(chunk))
        ));
        if extents.saturating_mul(extent) < chunk {
            msg(&mut t, &format!("Size of thin-pool data volume cannot be smaller than chunk size {}.", long_size(chunk)));
            return fail(t);
        }
        let zeroing = !a.flags.iter().any(|f| matches!(f.as_str(), "-Z=n" | "--zero=n"));
        if zeroing && chunk >= 512 * KIB {
            msg(&mut t, &format!("WARNING: Pool zeroing and {} large chunk size slows down thin provisioning.", long_size(chunk)));
            msg(&mut t, &format!("WARNING: Consider disabling zeroing (-Zn) or using smaller chunk size (<{}).", long_size(512 * KIB)));
        }
        if a.extents.as_ref().is_some_and(|e| matches!(e.percent, Percent::Free | Percent::Pvs)) {
            if extents <= 2 * meta_extents {
                msg(&mut t, "Not enough space for thin pool creation.");
                return fail(t);
            }
            extents -= 2 * meta_extents;
        }
    }

    // Create.
    let mut events = Vec::new();
    let mut next_index = vg.next_lvol_index();
    let mut created_pool = None;
    if create_pool {
        // The spare (lvolN_pmspare) is made first and takes a number too.
        if vg.pmspare().is_none() {
            next_index += 1;
        }
        let name = pool_name.clone().unwrap_or_else(|| {
            let n = format!("lvol{next_index}");
            next_index += 1;
            n
        });
        let rng = &mut machine.rng;
        let mut uuids = || crate::core::lvm::format_lvm_uuid(&mut || rng.next_u64());
        match machine.lvm.lvcreate_thin_pool_sized(&vg_name, &name, extents, meta_extents, chunk, &mut uuids) {
            Ok(e) => events.extend(e),
            Err(LvmError::InsufficientFreeSpace { free_extents, needed_extents, .. }) => {
                msg(&mut t, &format!("Volume group \"{vg_name}\" has insufficient free space ({free_extents} extents): {needed_extents} required."));
                return fail(t);
            }
            Err(LvmError::InsufficientExtents { needed, available }) => {
                msg(&mut t, &format!("Insufficient free space: {needed} extents needed, but only {available} available"));
                return fail(t);
            }
            Err(e) => {
                msg(&mut t, &e.to_string());
                return fail(t);
            }
        }
        if !thin {
            msg(&mut t, &format!("Logical volume \"{name}\" created."));
            return ok(t, events);
        }
        created_pool = Some(name.clone());
        pool_name = Some(name);
    }
    let name = lv_name.clone().unwrap_or_else(|| format!("lvol{next_index}"));
    if machine.lvm.vg(&vg_name).is_some_and(|v| v.lv(&name).is_some()) {
        msg(&mut t, &format!("Logical Volume \"{name}\" already exists in volume group \"{vg_name}\""));
        if let Some(p) = created_pool {
            let _ = machine.lvm.lvremove(&vg_name, &p);
        }
        return fail(t);
    }
    if thin {
        let pool = pool_name.unwrap_or_default();
        let virtual_bytes = virtual_extents.unwrap_or(0).saturating_mul(extent);
        let uuid = machine.new_lvm_uuid();
        match machine.lvm.lvcreate_thin(&vg_name, &pool, &name, virtual_bytes, uuid) {
            Ok(e) => events.extend(e),
            Err(e) => {
                msg(&mut t, &e.to_string());
                return fail(t);
            }
        }
        t.push_str(&overprovisioning_warnings(machine, &vg_name, &name));
        msg(&mut t, &format!("Logical volume \"{name}\" created."));
        return ok(t, events);
    }
    if approx {
        extents = extents.min(free);
    }
    if extents > free || extents == 0 {
        msg(&mut t, &format!("Volume group \"{vg_name}\" has insufficient free space ({free} extents): {extents} required."));
        return fail(t);
    }
    let uuid = machine.new_lvm_uuid();
    match machine.lvm.lvcreate_linear(&vg_name, &name, extents, uuid) {
        Ok(e) => {
            events.extend(e);
            msg(&mut t, &format!("Logical volume \"{name}\" created."));
            ok(t, events)
        }
        Err(e) => {
            msg(&mut t, &e.to_string());
            fail(t)
        }
    }
}

/// fsadm's `check` before `lvresize -r`: no filesystem stops the resize; a
/// mounted one is skipped (fsadm exits 3 and lvm goes on); an unmounted ext
/// filesystem gets `fsck -p`.
fn fsadm_check(machine: &Machine, dev: &str, nofsck: bool) -> Result<String, String> {
    let Some(fs) = machine.filesystems.get(dev) else {
        let mut t = format!("fsadm: Cannot get FSTYPE of \"{dev}\".\n");
        msg(&mut t, "Filesystem check failed.");
        return Err(t);
    };
    if nofsck || machine.mounts.iter().any(|m| m.device == dev) {
        return Ok(String::new());
    }
    match fs.fstype.as_str() {
        "ext2" | "ext3" | "ext4" => Ok(format!(
            "fsck from util-linux 2.38.1\n{dev}: clean, 11/{} files, {}/{} blocks\n",
            fs.size_bytes / 16384,
            fs.used_bytes.div_ceil(4096),
            fs.size_bytes / 4096
        )),
        "xfs" => Ok(String::new()),
        other => {
            let mut t = format!("fsadm: Filesystem \"{other}\" on device \"{dev}\" is not supported by this tool.\n");
            msg(&mut t, "Filesystem check failed.");
            Err(t)
        }
    }
}

/// lvm2's complaints about `-l 0`, `-L 0` and `-V 0`, in its order.
fn zero_size_errors(a: &Args) -> Vec<String> {
    let mut zero = Vec::new();
    if a.extents.as_ref().is_some_and(|e| e.value == 0) {
        zero.push("--extents may not be zero.".to_string());
    }
    if a.size.as_ref().is_some_and(|s| s.sectors == 0) {
        zero.push("--size may not be zero.".to_string());
    }
    if a.virtual_size.as_ref().is_some_and(|s| s.sectors == 0) {
        zero.push("--virtualsize may not be zero.".to_string());
    }
    zero
}

fn lvresize(shell: &mut Shell, cmd: &str, a: &Args) -> Output {
    let machine = &mut shell.machine;
    let Some(spec) = a.positional.first().filter(|_| a.size.is_some() || a.extents.is_some()) else {
        return no_matching_syntax(cmd);
    };
    if a.size.is_some() && a.extents.is_some() {
        return usage_error(cmd, &["Please specify either size or extents but not both.".into()]);
    }
    let zero = zero_size_errors(a);
    if !zero.is_empty() {
        return usage_error(cmd, &zero);
    }
    let mut t = String::new();
    let (vg_name, lv_name) = match spec.strip_prefix("/dev/mapper/") {
        Some(_) => match lv_spec(machine, spec) {
            Some((v, l)) => (Some(v), l),
            None => (None, spec.clone()),
        },
        None => split_lv_name(spec),
    };
    if name_error(&lv_name).is_some() {
        return usage_error(cmd, &[format!("Logical volume name \"{lv_name}\" is invalid.")]);
    }
    let Some(vg_name) = vg_name else {
        return usage_error(cmd, &["Please specify a logical volume path.".into()]);
    };
    let Some(vg) = machine.lvm.vg(&vg_name).cloned() else {
        not_found_vg(&mut t, &vg_name);
        return fail(t);
    };
    let Some(lv) = vg.lv(&lv_name).cloned() else {
        msg(&mut t, &format!("Logical volume {lv_name} not found in volume group {vg_name}."));
        return fail(t);
    };
    let id = format!("{vg_name}/{lv_name}");
    if lv.is_hidden() {
        msg(&mut t, &format!("Can't resize internal logical volume {id}."));
        return fail(t);
    }
    let is_pool = matches!(lv.kind, LvKind::ThinPool { .. });
    let mut resizefs = a.resizefs;
    if resizefs && is_pool {
        msg(&mut t, &format!("Ignoring --resizefs as volume {id} does not have a filesystem."));
        resizefs = false;
    }
    let extent = vg.extent_size_bytes;
    let extent_sectors = extent / 512;
    let current = vg.lv_size_bytes(&lv) / extent;
    let free = machine.lvm.vg_free_extents(&vg);
    let total = machine.lvm.vg_extent_count(&vg);

    // The requested size, in extents (a change when signed).
    let (sign, amount) = if let Some(s) = &a.size {
        let mut sectors = s.sectors;
        let adjust = sectors % extent_sectors;
        if adjust != 0 {
            if s.sign != Sign::Minus {
                sectors += extent_sectors;
            }
            sectors -= adjust;
            msg(&mut t, &format!("Rounding size to boundary between physical extents: {}.", long_size(sectors.saturating_mul(512))));
        }
        (s.sign, sectors / extent_sectors)
    } else {
        let e = a.extents.clone().unwrap_or_default();
        let roundup = if e.sign != Sign::Minus { 99 } else { 0 };
        let of = |count: u64| (e.value * count + roundup) / 100;
        let n = match e.percent {
            Percent::None => e.value,
            Percent::Vg => {
                let n = of(total);
                if e.sign == Sign::None && n > current + free {
                    msg(&mut t, &format!("Reducing {}%VG to remaining free space {} in VG.", e.value, long_size((current + free) * extent)));
                    current + free
                } else {
                    n
                }
            }
            Percent::Free => of(free),
            Percent::Lv => of(current),
            Percent::Pvs => of(total),
            Percent::Origin => {
                msg(&mut t, "Specified LV does not have an origin LV.");
                return fail(t);
            }
        };
        (e.sign, n)
    };
    let new_extents = match sign {
        Sign::Plus => current + amount,
        Sign::Minus => {
            if amount >= current {
                msg(&mut t, &format!("Unable to reduce {id} below 1 extent."));
                return fail(t);
            }
            current - amount
        }
        Sign::None => amount,
    };
    if new_extents == 0 {
        msg(&mut t, "New size of 0 not permitted.");
        return fail(t);
    }
    if new_extents == current && !resizefs {
        msg(&mut t, &format!("New size ({new_extents} extents) matches existing size ({current} extents)."));
        return fail(t);
    }
    if cmd == "lvextend" && new_extents < current {
        msg(&mut t, &format!("New size given ({new_extents} extents) not larger than existing size ({current} extents)"));
        return fail(t);
    }
    if cmd == "lvreduce" && new_extents > current {
        msg(&mut t, &format!("New size given ({new_extents} extents) not less than existing size ({current} extents)"));
        return fail(t);
    }
    let grow = new_extents > current;
    if is_pool && new_extents < current {
        msg(&mut t, &format!("Thin pool volumes {id}_tdata cannot be reduced in size yet."));
        return fail(t);
    }

    let dev = format!("/dev/mapper/{}", dm_name(&vg_name, &lv_name));
    let mounted_on = machine.mounts.iter().find(|m| m.device == dev).map(|m| m.target.clone());
    if resizefs {
        // An active LV with -r: no question, fsadm checks the filesystem first.
        match fsadm_check(machine, &dev, a.nofsck) {
            Err(e) => {
                t.push_str(&e);
                return fail(t);
            }
            Ok(out) => t.push_str(&out),
        }
        return resize_with_fs(machine, &vg_name, &lv_name, new_extents, t, grow, mounted_on);
    }
    if !grow {
        let open = if mounted_on.is_some() || machine.swaps.contains(&dev) { " and open" } else { "" };
        msg(&mut t, &format!("WARNING: Reducing active{open} logical volume to {}.", long_size(new_extents * extent)));
        msg(&mut t, "THIS MAY DESTROY YOUR DATA (filesystem etc.)");
        if !(a.yes || a.force > 0) {
            let plan = vec![
                Planned {
                    group: 0,
                    step: Step::Ask { prompt: format!("Do you really want to reduce {id}? [y/n]: "), refusal: format!("Logical volume {id} NOT reduced.") },
                },
                Planned { group: 0, step: Step::Reduce { vg: vg_name, lv: lv_name, new_extents } },
            ];
            return start(shell, plan, true, t, Vec::new());
        }
    }
    resize_now(machine, &vg_name, &lv_name, new_extents, t)
}

/// Resizes the LV and prints lvm2's report of it: a pool grows its data LV
/// (`POOL_tdata`), and its metadata LV first when the estimate outgrows it; a
/// grown thin volume or pool is checked for over-provisioning. A filesystem
/// left larger than its device is now damaged.
fn resize_now(machine: &mut Machine, vg: &str, lv: &str, new_extents: u64, mut t: String) -> Output {
    let Some(v) = machine.lvm.vg(vg) else { return fail(t) };
    let Some(l) = v.lv(lv) else { return fail(t) };
    let extent = v.extent_size_bytes;
    let old_extents = v.lv_size_bytes(l) / extent;
    let (shown, chunk) = match l.kind {
        LvKind::ThinPool { chunk_size_bytes, .. } => (format!("{lv}_tdata"), Some(chunk_size_bytes)),
        _ => (lv.to_string(), None),
    };
    let thin_type = matches!(l.kind, LvKind::ThinPool { .. } | LvKind::Thin { .. });
    let mut events = Vec::new();
    let insufficient = |t: &mut String, needed: u64, available: u64| {
        msg(t, &format!("Insufficient free space: {needed} extents needed, but only {available} available"));
    };
    if let (Some(chunk), true) = (chunk, new_extents > old_extents) {
        // lvm2 grows the pool metadata with the data when its estimate is larger.
        let meta = format!("{lv}_tmeta");
        let meta_old = v.lv(&meta).map_or(0, |m| m.extent_count());
        let estimate = Lvm::thin_meta_estimate_bytes(new_extents.saturating_mul(extent), chunk);
        if estimate > meta_old * extent {
            let rounded = estimate.div_ceil(extent) * extent;
            if !estimate.is_multiple_of(extent) {
                msg(&mut t, &format!("Rounding size to boundary between physical extents: {}.", long_size(rounded)));
            }
            let meta_new = rounded / extent;
            match machine.lvm.lvresize(vg, &meta, meta_new) {
                Ok(e) => {
                    events.extend(e);
                    msg(&mut t, &format!(
                        "Size of logical volume {vg}/{meta} changed from {} ({meta_old} extents) to {} ({meta_new} extents).",
                        long_size(meta_old * extent),
                        long_size(rounded)
                    ));
                    events.extend(machine.lvm.grow_pmspare(vg));
                }
                Err(LvmError::InsufficientExtents { needed, available }) => {
                    insufficient(&mut t, needed, available);
                    return fail(t);
                }
                Err(e) => {
                    msg(&mut t, &e.to_string());
                    return fail(t);
                }
            }
        }
    }
    match machine.lvm.lvresize(vg, lv, new_extents) {
        Ok(e) => events.extend(e),
        Err(LvmError::InsufficientExtents { needed, available }) => {
            insufficient(&mut t, needed, available);
            return Output { text: t, events, exit_status: 5, ..Output::default() };
        }
        Err(LvmError::SizeUnchanged { .. }) => {
            msg(&mut t, &format!(
                "Size of logical volume {vg}/{shown} unchanged from {} ({old_extents} extents).",
                long_size(old_extents * extent)
            ));
            msg(&mut t, &format!("Logical volume {vg}/{lv} successfully resized."));
            return ok(t, events);
        }
        Err(e) => {
            msg(&mut t, &e.to_string());
            return fail(t);
        }
    }
    msg(&mut t, &format!(
        "Size of logical volume {vg}/{shown} changed from {} ({old_extents} extents) to {} ({new_extents} extents).",
        long_size(old_extents * extent),
        long_size(new_extents * extent)
    ));
    if thin_type && new_extents > old_extents {
        t.push_str(&overprovisioning_warnings(machine, vg, lv));
    }
    msg(&mut t, &format!("Logical volume {vg}/{lv} successfully resized."));
    let dev = format!("/dev/mapper/{}", dm_name(vg, lv));
    let new_bytes = new_extents * extent;
    if let Some(fs) = machine.filesystems.get(&dev) {
        if fs.size_bytes > new_bytes {
            events.push(Event::DataDestroyed { dev: dev.clone(), bytes: fs.size_bytes - new_bytes });
        }
    }
    ok(t, events)
}

/// `-r` after fsadm's check: fsadm resizes the filesystem with the LV (after it
/// when growing, before it when shrinking, which ext4 only allows unmounted).
fn resize_with_fs(machine: &mut Machine, vg: &str, lv: &str, new_extents: u64, t: String, grow: bool, mounted_on: Option<String>) -> Output {
    let extent = machine.lvm.vg(vg).map_or(1, |v| v.extent_size_bytes);
    let dev = format!("/dev/mapper/{}", dm_name(vg, lv));
    let new_bytes = new_extents * extent;
    let blocks = new_bytes / 4096;
    let fstype = machine.filesystems.get(&dev).map(|f| f.fstype.clone()).unwrap_or_default();
    if fstype != "ext4" {
        let mut t = t;
        msg(&mut t, &format!("fsadm: Filesystem \"{fstype}\" on device \"{dev}\" is not supported by this simulator's fsadm."));
        return fail(t);
    }
    let current = machine.filesystems.get(&dev).map_or(0, |f| f.size_bytes);
    if grow || new_bytes == current {
        let mut o = resize_now(machine, vg, lv, new_extents, t);
        if o.exit_status == 0 {
            if let Some(fs) = machine.filesystems.get_mut(&dev) {
                fs.size_bytes = new_bytes;
            }
            o.text.push_str("resize2fs 1.47.0 (5-Feb-2023)\n");
            if new_bytes == current {
                o.text.push_str(&format!("The filesystem is already {blocks} (4k) blocks long.  Nothing to do!\n\n"));
                return o;
            }
            if let Some(m) = &mounted_on {
                o.text.push_str(&format!("Filesystem at {dev} is mounted on {m}; on-line resizing required\nold_desc_blocks = 1, new_desc_blocks = 1\n"));
            } else {
                o.text.push_str(&format!("Resizing the filesystem on {dev} to {blocks} (4k) blocks.\n"));
            }
            o.text.push_str(&format!("The filesystem on {dev} is now {blocks} (4k) blocks long.\n\n"));
            o.events.push(Event::FilesystemResized { dev, new_bytes });
        }
        return o;
    }
    if let Some(m) = mounted_on {
        let mut t = t;
        t.push_str(&format!("fsadm: Cannot proceed with mounted filesystem \"{m}\".\n"));
        msg(&mut t, "/usr/sbin/fsadm failed: 1");
        msg(&mut t, "Filesystem resize failed.");
        return fail(t);
    }
    let used = machine.filesystems.get(&dev).map_or(0, |f| f.used_bytes);
    if used > new_bytes {
        let mut t = t;
        t.push_str(&format!("resize2fs 1.47.0 (5-Feb-2023)\nresize2fs: New size smaller than minimum ({})\n\n", used.div_ceil(4096)));
        msg(&mut t, "/usr/sbin/fsadm failed: 1");
        msg(&mut t, "Filesystem resize failed.");
        return fail(t);
    }
    let mut pre = t;
    pre.push_str(&format!(
        "resize2fs 1.47.0 (5-Feb-2023)\nResizing the filesystem on {dev} to {blocks} (4k) blocks.\nThe filesystem on {dev} is now {blocks} (4k) blocks long.\n\n"
    ));
    if let Some(fs) = machine.filesystems.get_mut(&dev) {
        fs.size_bytes = new_bytes;
    }
    let mut o = resize_now(machine, vg, lv, new_extents, pre);
    o.events.insert(0, Event::FilesystemResized { dev, new_bytes });
    o
}

fn lvremove(shell: &mut Shell, a: &Args) -> Output {
    if a.positional.is_empty() {
        return no_matching_syntax("lvremove");
    }
    let mut text = String::new();
    let mut failed = false;
    // What each argument names: whole VGs, or LVs in a VG.
    let mut whole: Vec<String> = Vec::new();
    let mut named: Vec<(String, String)> = Vec::new();
    for spec in &a.positional {
        let parsed = if spec.starts_with("/dev/mapper/") { lv_spec(&shell.machine, spec) } else { None };
        let (vg, lv) = match parsed {
            Some((v, l)) => (Some(v), l),
            None => split_lv_name(spec),
        };
        match vg {
            None => {
                if shell.machine.lvm.vg(&lv).is_some() {
                    whole.push(lv);
                } else {
                    not_found_vg(&mut text, &lv);
                    failed = true;
                }
            }
            Some(vg) => {
                if shell.machine.lvm.vg(&vg).is_none() {
                    not_found_vg(&mut text, &vg);
                    failed = true;
                } else if shell.machine.lvm.vg(&vg).and_then(|v| v.lv(&lv)).is_none() {
                    msg(&mut text, &format!("Failed to find logical volume \"{vg}/{lv}\""));
                    failed = true;
                } else {
                    named.push((vg, lv));
                }
            }
        }
    }
    let prompt = a.force == 0 && !a.yes;
    let mut plan: Vec<Planned> = Vec::new();
    let mut vg_names: Vec<String> = whole.iter().cloned().chain(named.iter().map(|n| n.0.clone())).collect();
    crate::core::order::small_sort(&mut vg_names);
    vg_names.dedup();
    let mut group = 0;
    for vg_name in vg_names {
        let Some(vg) = shell.machine.lvm.vg(&vg_name) else { continue };
        let all = whole.contains(&vg_name);
        let mut done = HashSet::new();
        for lv in processing_order(vg, true) {
            let wanted = named.iter().any(|(v, l)| *v == vg_name && *l == lv.name) || (all && !lv.is_hidden());
            if wanted {
                plan_lv_removal(&shell.machine, vg, lv, prompt, group, &mut done, &mut plan);
                group += 1;
            }
        }
    }
    let mut o = start(shell, plan, false, text, Vec::new());
    if failed && !shell.is_interactive() {
        o.exit_status = 5;
    }
    o
}

fn lvrename(machine: &mut Machine, a: &Args) -> Output {
    const CMD: &str = "lvrename";
    let mut t = String::new();
    let extract_vg = |s: &str| split_lv_name(s).0;
    let (vg, old, new) = match a.positional.as_slice() {
        [vg, old, new] => {
            let vg = strip_dev(vg).to_string();
            if let Some(ov) = extract_vg(old).filter(|ov| *ov != vg) {
                return usage_error(CMD, &[format!("Please use a single volume group name (\"{vg}\" or \"{ov}\")")]);
            }
            (Some(vg), old.clone(), new.clone())
        }
        [old, new] => (extract_vg(old), old.clone(), new.clone()),
        _ => return no_matching_syntax(CMD),
    };
    let Some(vg) = vg.filter(|v| name_error(v).is_none()) else {
        return usage_error(CMD, &["Please provide a valid volume group name".into()]);
    };
    if let Some(nv) = extract_vg(&new).filter(|nv| *nv != vg) {
        return usage_error(CMD, &[format!("Logical volume names must have the same volume group (\"{vg}\" or \"{nv}\")")]);
    }
    let from = old.rsplit('/').next().unwrap_or_default().to_string();
    let to = new.rsplit('/').next().unwrap_or_default().to_string();
    let maxlen = 128usize.saturating_sub(vg.len() + 3);
    if to.len() > maxlen {
        return usage_error(CMD, &[format!("New logical volume name \"{to}\" may not exceed {maxlen} characters.")]);
    }
    if to.is_empty() {
        return usage_error(CMD, &["New logical volume name may not be blank".into()]);
    }
    if let Some(e) = reserved_name_error(&to) {
        return usage_error(CMD, &[e]);
    }
    if name_error(&to).is_some() {
        return usage_error(CMD, &[format!("New logical volume name \"{to}\" is invalid")]);
    }
    if from == to {
        return usage_error(CMD, &["Old and new logical volume names must differ".into()]);
    }
    let Some(v) = machine.lvm.vg(&vg) else {
        not_found_vg(&mut t, &vg);
        return fail(t);
    };
    if v.lv(&from).is_none_or(|l| l.is_hidden()) {
        msg(&mut t, &format!("Existing logical volume \"{from}\" not found in volume group \"{vg}\""));
        return fail(t);
    }
    match machine.lvm.lvrename(&vg, &from, &to) {
        Ok(events) => {
            let old = format!("/dev/mapper/{}", dm_name(&vg, &from));
            if let Some(fs) = machine.filesystems.remove(&old) {
                machine.filesystems.insert(format!("/dev/mapper/{}", dm_name(&vg, &to)), fs);
            }
            let renamed = format!("/dev/mapper/{}", dm_name(&vg, &to));
            for m in machine.mounts.iter_mut().filter(|m| m.device == old) {
                m.device = renamed.clone();
            }
            for s in machine.swaps.iter_mut().filter(|s| **s == old) {
                *s = renamed.clone();
            }
            msg(&mut t, &format!("Renamed \"{from}\" to \"{to}\" in volume group \"{vg}\""));
            ok(t, events)
        }
        Err(LvmError::LvExists { .. }) => {
            msg(&mut t, &format!("Logical Volume \"{to}\" already exists in volume group \"{vg}\""));
            fail(t)
        }
        Err(_) => {
            msg(&mut t, &format!("Existing logical volume \"{from}\" not found in volume group \"{vg}\""));
            fail(t)
        }
    }
}

// ---------------------------------------------------------------- reports

/// One report field: lvm2 name, header, minimum width, right-aligned.
struct Field {
    name: &'static str,
    header: &'static str,
    width: usize,
    right: bool,
}

const fn f(name: &'static str, header: &'static str, width: usize, right: bool) -> Field {
    Field { name, header, width, right }
}

/// Field names, headings and minimum widths as in lvm2 2.03.16's columns.h (most
/// are 0, which lvm2 turns into the heading's length). libdm right-aligns
/// number and size fields only; percentages (Data%, Meta%, Cpy%Sync) are
/// left-aligned like strings.
const FIELDS: &[Field] = &[
    f("pv_name", "PV", 10, false), f("pv_fmt", "Fmt", 0, false), f("pv_attr", "Attr", 0, false),
    f("pv_size", "PSize", 0, true), f("pv_free", "PFree", 0, true), f("pv_used", "Used", 0, true),
    f("pe_start", "1st PE", 7, true), f("pv_pe_count", "PE", 3, true), f("pv_pe_alloc_count", "Alloc", 0, true),
    f("pv_uuid", "PV UUID", 38, false), f("dev_size", "DevSize", 0, true),
    f("vg_name", "VG", 0, false), f("pv_count", "#PV", 0, true), f("lv_count", "#LV", 0, true),
    f("snap_count", "#SN", 0, true), f("vg_attr", "Attr", 5, false), f("vg_size", "VSize", 0, true),
    f("vg_free", "VFree", 0, true), f("vg_extent_size", "Ext", 0, true), f("vg_extent_count", "#Ext", 0, true),
    f("vg_free_count", "Free", 0, true), f("vg_uuid", "VG UUID", 38, false), f("vg_seqno", "Seq", 0, true),
    f("lv_name", "LV", 4, false), f("lv_attr", "Attr", 0, false), f("lv_size", "LSize", 0, true),
    f("pool_lv", "Pool", 0, false), f("origin", "Origin", 0, false), f("data_percent", "Data%", 6, false),
    f("metadata_percent", "Meta%", 6, false), f("move_pv", "Move", 0, false), f("mirror_log", "Log", 0, false),
    f("copy_percent", "Cpy%Sync", 0, false), f("convert_lv", "Convert", 0, false), f("lv_uuid", "LV UUID", 38, false),
    f("lv_path", "Path", 0, false), f("lv_dm_path", "DMPath", 0, false), f("devices", "Devices", 0, false),
    f("seg_pe_ranges", "PE Ranges", 0, false), f("seg_count", "#Seg", 0, true), f("lv_kernel_major", "KMaj", 0, true),
    f("lv_kernel_minor", "KMin", 0, true), f("segtype", "Type", 0, false), f("chunk_size", "Chunk", 0, true),
    f("lv_role", "Role", 10, false),
];

const PVS_DEFAULT: &[&str] = &["pv_name", "vg_name", "pv_fmt", "pv_attr", "pv_size", "pv_free"];
const VGS_DEFAULT: &[&str] = &["vg_name", "pv_count", "lv_count", "snap_count", "vg_attr", "vg_size", "vg_free"];
const LVS_DEFAULT: &[&str] = &[
    "lv_name", "vg_name", "lv_attr", "lv_size", "pool_lv", "origin", "data_percent", "metadata_percent",
    "move_pv", "mirror_log", "copy_percent", "convert_lv",
];

/// Resolves a field name as lvm2 does, with the report's prefix implied.
fn field_named(report: &str, name: &str) -> Option<&'static Field> {
    let prefix = &report[..2];
    let name = name.to_ascii_lowercase();
    FIELDS
        .iter()
        .find(|f| f.name == name)
        .or_else(|| FIELDS.iter().find(|f| f.name == format!("{prefix}_{name}")))
        .or_else(|| match name.as_str() {
            "pe_count" => FIELDS.iter().find(|f| f.name == "pv_pe_count"),
            "extent_size" => FIELDS.iter().find(|f| f.name == "vg_extent_size"),
            _ => None,
        })
}

/// One row of a report: field name to rendered value.
type Row = Vec<(&'static str, String)>;

fn pv_attr(pv: &Pv) -> &'static str {
    if pv.vg_name.is_some() {
        "a--"
    } else {
        "---"
    }
}

fn lv_attr(machine: &Machine, vg: &Vg, lv: &Lv) -> String {
    let open = open_lv(machine, &vg.name, &lv.name);
    match &lv.kind {
        LvKind::Linear => format!("-wi-a{}----", if open { 'o' } else { '-' }),
        LvKind::ThinPool { out_of_space, .. } => {
            let used = vg.lvs.iter().any(|l| matches!(&l.kind, LvKind::Thin { pool, .. } if *pool == lv.name));
            format!("twi-a{}tz{}-", if used { 'o' } else { '-' }, if *out_of_space { 'D' } else { '-' })
        }
        LvKind::Thin { .. } => format!("Vwi-a{}tz--", if open { 'o' } else { '-' }),
        LvKind::Hidden if lv.name.ends_with("_tdata") => "Twi-ao----".into(),
        LvKind::Hidden if lv.name.ends_with("_tmeta") => "ewi-ao----".into(),
        LvKind::Hidden => "ewi-------".into(),
    }
}

/// Pool metadata in use, as a `dm_percent_t`: a fixed base plus a little per
/// mapped chunk (an estimate; the kernel's count is not modelled).
fn meta_percent(vg: &Vg, pool: &Lv) -> String {
    let meta_bytes = vg.lv(&format!("{}_tmeta", pool.name)).map_or(1, |m| m.extent_count() * vg.extent_size_bytes).max(1);
    let used_chunks = match pool.kind {
        LvKind::ThinPool { used_chunks, .. } => used_chunks,
        _ => 0,
    };
    let blocks = (meta_bytes / 4096).max(1);
    let used_blocks = 112.min(blocks) * 64 + used_chunks;
    percent_text(used_blocks.min(blocks * 64), blocks * 64)
}

/// Data% of a pool (chunks used) or a thin volume (bytes mapped).
fn data_percent(vg: &Vg, lv: &Lv) -> String {
    match &lv.kind {
        LvKind::ThinPool { used_chunks, .. } => percent_text(*used_chunks, Lvm::pool_total_chunks(vg, lv)),
        LvKind::Thin { mapped_chunks, virtual_bytes, pool } => {
            let chunk = match vg.lv(pool).map(|p| &p.kind) {
                Some(LvKind::ThinPool { chunk_size_bytes, .. }) => *chunk_size_bytes,
                _ => crate::core::lvm::DEFAULT_THIN_CHUNK_BYTES,
            };
            percent_text(mapped_chunks.saturating_mul(chunk), *virtual_bytes)
        }
        _ => String::new(),
    }
}

fn lv_rows(machine: &Machine, a: &Args, vg: &Vg, lv: &Lv, fields: &[&'static Field]) -> Vec<Row> {
    let u = a.units;
    let shown_name = if lv.is_hidden() { format!("[{}]", lv.name) } else { lv.name.clone() };
    let segs: Vec<Option<&crate::core::lvm::Segment>> = if fields.iter().any(|f| matches!(f.name, "devices" | "seg_pe_ranges")) && !lv.segments.is_empty() {
        lv.segments.iter().map(Some).collect()
    } else {
        vec![None]
    };
    segs.into_iter()
        .map(|seg| {
            fields
                .iter()
                .map(|fld| {
                    let v = match fld.name {
                        "lv_name" => shown_name.clone(),
                        "vg_name" => vg.name.clone(),
                        "lv_attr" => lv_attr(machine, vg, lv),
                        "lv_size" => short_size(vg.lv_size_bytes(lv), u),
                        "pool_lv" => match &lv.kind {
                            LvKind::Thin { pool, .. } => pool.clone(),
                            _ => String::new(),
                        },
                        "data_percent" => data_percent(vg, lv),
                        "metadata_percent" => match &lv.kind {
                            LvKind::ThinPool { .. } => meta_percent(vg, lv),
                            _ => String::new(),
                        },
                        "lv_uuid" => lv.uuid.clone(),
                        "lv_path" => if lv.is_hidden() { String::new() } else { format!("/dev/{}/{}", vg.name, lv.name) },
                        "lv_dm_path" => format!("/dev/mapper/{}", dm_name(&vg.name, &lv.name)),
                        "devices" => match (seg, &lv.kind) {
                            (Some(s), _) => format!("{}({})", s.pv, s.pe_start),
                            (None, LvKind::ThinPool { .. }) => format!("{}_tdata(0)", lv.name),
                            _ => String::new(),
                        },
                        "seg_pe_ranges" => match seg {
                            Some(s) => format!("{}:{}-{}", s.pv, s.pe_start, s.pe_start + s.extent_count - 1),
                            None => String::new(),
                        },
                        "seg_count" => lv.segments.len().max(1).to_string(),
                        "lv_kernel_major" => if lv.active && lv.dm_minor.is_some() { "253".into() } else { "-1".into() },
                        "lv_kernel_minor" => lv.dm_minor.map_or("-1".into(), |m| m.to_string()),
                        "segtype" => match lv.kind {
                            LvKind::Linear | LvKind::Hidden => "linear".into(),
                            LvKind::ThinPool { .. } => "thin-pool".into(),
                            LvKind::Thin { .. } => "thin".into(),
                        },
                        "chunk_size" => match lv.kind {
                            LvKind::ThinPool { chunk_size_bytes, .. } => short_size(chunk_size_bytes, u),
                            _ => short_size(0, u),
                        },
                        "lv_role" => if lv.is_hidden() { "private".into() } else { "public".into() },
                        other => vg_value(machine, vg, other, u),
                    };
                    (fld.name, v)
                })
                .collect()
        })
        .collect()
}

fn vg_value(machine: &Machine, vg: &Vg, field: &str, u: Units) -> String {
    let lvm = &machine.lvm;
    match field {
        "vg_name" => vg.name.clone(),
        "pv_count" => vg.pv_devices.len().to_string(),
        "lv_count" => vg.lvs.iter().filter(|l| !l.is_hidden()).count().to_string(),
        "snap_count" => "0".into(),
        "vg_attr" => "wz--n-".into(),
        "vg_size" => short_size(lvm.vg_extent_count(vg) * vg.extent_size_bytes, u),
        "vg_free" => short_size(lvm.vg_free_extents(vg) * vg.extent_size_bytes, u),
        "vg_extent_size" => short_size(vg.extent_size_bytes, u),
        "vg_extent_count" => lvm.vg_extent_count(vg).to_string(),
        "vg_free_count" => lvm.vg_free_extents(vg).to_string(),
        "vg_uuid" => vg.uuid.clone(),
        "vg_seqno" => vg.seqno.to_string(),
        _ => String::new(),
    }
}

fn pv_row(machine: &Machine, pv: &Pv, fields: &[&'static Field], u: Units) -> Row {
    let vg = pv.vg_name.as_deref().and_then(|n| machine.lvm.vg(n));
    let extent = vg.map_or(0, |v| v.extent_size_bytes);
    let free_ext = machine.lvm.pv_free_extents(pv);
    fields
        .iter()
        .map(|fld| {
            let v = match fld.name {
                "pv_name" => pv.device.clone(),
                "vg_name" => pv.vg_name.clone().unwrap_or_default(),
                "pv_fmt" => "lvm2".into(),
                "pv_attr" => pv_attr(pv).into(),
                "pv_size" => short_size(if vg.is_some() { pv.pe_count * extent } else { pv.dev_size_bytes }, u),
                "pv_free" => short_size(if vg.is_some() { free_ext * extent } else { pv.dev_size_bytes }, u),
                "pv_used" => short_size((pv.pe_count - free_ext.min(pv.pe_count)) * extent, u),
                "pe_start" => short_size(pv.pe_start_bytes, u),
                "pv_pe_count" => pv.pe_count.to_string(),
                "pv_pe_alloc_count" => (pv.pe_count - free_ext.min(pv.pe_count)).to_string(),
                "pv_uuid" => pv.uuid.clone(),
                "dev_size" => short_size(pv.dev_size_bytes, u),
                other => vg.map(|v| vg_value(machine, v, other, u)).unwrap_or_default(),
            };
            (fld.name, v)
        })
        .collect()
}

fn render(report: &str, fields: &[&'static Field], rows: &[Row], a: &Args) -> String {
    if a.json {
        let key = &report[..2];
        let lines: Vec<String> = rows
            .iter()
            .map(|r| {
                let cells: Vec<String> = r.iter().map(|(k, v)| format!("{}:{}", json_string(k), json_string(v))).collect();
                format!("                  {{{}}}\n", cells.join(", "))
            })
            .collect();
        return format!(
            "  {{\n      \"report\": [\n          {{\n              \"{key}\": [\n{}              ]\n          }}\n      ]\n  }}\n",
            lines.join(",").replace("}\n,", "},\n")
        );
    }
    // Columns are padded unless --separator is given without --aligned.
    let aligned = a.separator.is_none() || a.aligned;
    let separator = a.separator.clone().unwrap_or_else(|| " ".into());
    let widths: Vec<usize> = fields
        .iter()
        .enumerate()
        .map(|(i, f)| {
            // A field's width is at least its columns.h width, or its heading's
            // length when that is 0, with or without --noheadings.
            let data = rows.iter().map(|r| r[i].1.chars().count()).max().unwrap_or(0);
            data.max(f.header.len()).max(f.width)
        })
        .collect();
    let mut out = String::new();
    let mut line = |cells: Vec<(String, bool)>| {
        out.push_str("  ");
        let parts: Vec<String> = cells
            .into_iter()
            .zip(&widths)
            .map(|((c, right), w)| match (aligned, right) {
                (false, _) => c,
                (true, true) => format!("{c:>w$}"),
                (true, false) => format!("{c:<w$}"),
            })
            .collect();
        out.push_str(&parts.join(&separator));
        out.push('\n');
    };
    if !a.noheadings {
        line(fields.iter().map(|f| (f.header.to_string(), false)).collect());
    }
    for r in rows {
        line(r.iter().zip(fields).map(|((_, v), f)| (v.clone(), f.right)).collect());
    }
    out
}

fn report(machine: &Machine, cmd: &str, a: &Args) -> Output {
    let defaults: &[&str] = match cmd {
        "pvs" => PVS_DEFAULT,
        "vgs" => VGS_DEFAULT,
        _ => LVS_DEFAULT,
    };
    let mut names: Vec<String> = defaults.iter().map(|s| s.to_string()).collect();
    if let Some(cols) = &a.columns {
        match cols.strip_prefix('+') {
            Some(extra) => names.extend(extra.split(',').map(str::to_string)),
            None => names = cols.split(',').map(str::to_string).collect(),
        }
    }
    let mut fields = Vec::new();
    for n in names.iter().filter(|n| !n.is_empty()) {
        match field_named(cmd, n) {
            Some(f) => fields.push(f),
            None => {
                let mut t = String::new();
                msg(&mut t, &format!("Unrecognised field: {n}"));
                return fail(t);
            }
        }
    }
    let mut t = String::new();
    let mut rows: Vec<Row> = Vec::new();
    match cmd {
        "pvs" => {
            let mut pvs: Vec<&Pv> = machine.lvm.pvs.iter().collect();
            if !a.positional.is_empty() {
                for p in &a.positional {
                    if machine.lvm.pv(p).is_none() {
                        if machine.resolve(p).is_none() {
                            msg(&mut t, &format!("Cannot use {p}: device not found"));
                        } else {
                            msg(&mut t, &format!("Failed to find physical volume \"{p}\"."));
                        }
                        return fail(t);
                    }
                }
                pvs.retain(|p| a.positional.contains(&p.device));
            }
            pvs.small_sort_by(|x, y| x.device.cmp(&y.device));
            rows.extend(pvs.into_iter().map(|p| pv_row(machine, p, &fields, a.units)));
        }
        "vgs" => {
            let mut vgs: Vec<&Vg> = machine.lvm.vgs.iter().collect();
            for v in &a.positional {
                if machine.lvm.vg(v).is_none() {
                    not_found_vg(&mut t, v);
                    return fail(t);
                }
            }
            if !a.positional.is_empty() {
                vgs.retain(|v| a.positional.contains(&v.name));
            }
            vgs.small_sort_by(|x, y| x.name.cmp(&y.name));
            for vg in vgs {
                rows.push(fields.iter().map(|f| (f.name, vg_value(machine, vg, f.name, a.units))).collect());
            }
        }
        _ => {
            let mut wanted: Vec<(String, Option<String>)> = Vec::new();
            for p in &a.positional {
                match lv_spec(machine, p) {
                    Some((vg, lv)) => {
                        if machine.lvm.vg(&vg).and_then(|v| v.lv(&lv)).is_none() {
                            msg(&mut t, &format!("Failed to find logical volume \"{vg}/{lv}\""));
                            return fail(t);
                        }
                        wanted.push((vg, Some(lv)));
                    }
                    None => {
                        if machine.lvm.vg(p).is_none() {
                            not_found_vg(&mut t, p);
                            return fail(t);
                        }
                        wanted.push((p.clone(), None));
                    }
                }
            }
            let mut vgs: Vec<&Vg> = machine.lvm.vgs.iter().collect();
            vgs.small_sort_by(|x, y| x.name.cmp(&y.name));
            for vg in vgs {
                let mut lvs: Vec<&Lv> = vg.lvs.iter().collect();
                lvs.small_sort_by(|x, y| x.name.cmp(&y.name));
                for lv in lvs {
                    let named = wanted.iter().any(|(v, l)| *v == vg.name && l.as_ref() == Some(&lv.name));
                    let keep = named
                        || ((a.all || !lv.is_hidden())
                            && (wanted.is_empty() || wanted.iter().any(|(v, l)| *v == vg.name && l.is_none())));
                    if keep {
                        rows.extend(lv_rows(machine, a, vg, lv, &fields));
                    }
                }
            }
        }
    }
    if rows.is_empty() && !a.json {
        return ok(t, Vec::new());
    }
    ok(render(cmd, &fields, &rows, a), Vec::new())
}

fn pvscan(machine: &Machine) -> Output {
    let mut t = String::new();
    let width = machine.lvm.pvs.iter().map(|p| p.device.len()).max().unwrap_or(0);
    for pv in &machine.lvm.pvs {
        let vg = pv.vg_name.as_deref().and_then(|n| machine.lvm.vg(n));
        match vg {
            Some(v) => {
                let free = machine.lvm.pv_free_extents(pv) * v.extent_size_bytes;
                msg(&mut t, &format!("PV {:<width$}   VG {:<8} lvm2 [{} / {} free]", pv.device, v.name, long_size(pv.pe_count * v.extent_size_bytes), long_size(free)));
            }
            None => msg(&mut t, &format!("PV {:<width$}            lvm2 [{}]", pv.device, long_size(pv.dev_size_bytes))),
        }
    }
    let total: u64 = machine.lvm.pvs.iter().map(|p| p.dev_size_bytes).sum();
    let in_vg = machine.lvm.pvs.iter().filter(|p| p.vg_name.is_some()).count();
    let orphans = machine.lvm.pvs.len() - in_vg;
    msg(&mut t, &format!("Total: {} [{}] / in use: {in_vg} [..] / in no VG: {orphans} [..]", machine.lvm.pvs.len(), long_size(total)));
    ok(t, Vec::new())
}

fn pvdisplay(machine: &Machine, a: &Args) -> Output {
    let mut t = String::new();
    let pvs: Vec<&Pv> = machine.lvm.pvs.iter().filter(|p| a.positional.is_empty() || a.positional.contains(&p.device)).collect();
    for p in &a.positional {
        if machine.lvm.pv(p).is_none() {
            msg(&mut t, &format!("Failed to find physical volume \"{p}\"."));
            return fail(t);
        }
    }
    for pv in pvs {
        if a.short {
            msg(&mut t, &format!("Device \"{}\" has a capacity of {}", pv.device, long_size(machine.lvm.pv_free_extents(pv) * pv.vg_name.as_deref().and_then(|n| machine.lvm.vg(n)).map_or(0, |v| v.extent_size_bytes))));
            continue;
        }
        let Some(vg) = pv.vg_name.as_deref().and_then(|n| machine.lvm.vg(n)) else {
            msg(&mut t, &format!("\"{}\" is a new physical volume of \"{}\"", pv.device, long_size(pv.dev_size_bytes)));
            msg(&mut t, "--- NEW Physical volume ---");
            msg(&mut t, &format!("PV Name               {}", pv.device));
            msg(&mut t, "VG Name               ");
            msg(&mut t, &format!("PV Size               {}", long_size(pv.dev_size_bytes)));
            msg(&mut t, "Allocatable           NO");
            msg(&mut t, "PE Size               0   ");
            msg(&mut t, "Total PE              0");
            msg(&mut t, "Free PE               0");
            msg(&mut t, "Allocated PE          0");
            msg(&mut t, &format!("PV UUID               {}", pv.uuid));
            msg(&mut t, " ");
            continue;
        };
        let extent = vg.extent_size_bytes;
        let free = machine.lvm.pv_free_extents(pv);
        msg(&mut t, "--- Physical volume ---");
        msg(&mut t, &format!("PV Name               {}", pv.device));
        msg(&mut t, &format!("VG Name               {}", vg.name));
        msg(&mut t, &format!("PV Size               {} / not usable {}", long_size(pv.dev_size_bytes), long_size(pv.dev_size_bytes - pv.pe_count * extent)));
        msg(&mut t, &format!("Allocatable           yes {}", if free == 0 { "(but full)" } else { "" }));
        msg(&mut t, &format!("PE Size               {}", long_size(extent)));
        msg(&mut t, &format!("Total PE              {}", pv.pe_count));
        msg(&mut t, &format!("Free PE               {free}"));
        msg(&mut t, &format!("Allocated PE          {}", pv.pe_count - free));
        msg(&mut t, &format!("PV UUID               {}", pv.uuid));
        msg(&mut t, " ");
        if a.maps {
            msg(&mut t, "--- Physical Segments ---");
            let mut segs: Vec<(u64, u64, String, u64)> = vg
                .lvs
                .iter()
                .flat_map(|l| l.segments.iter().filter(|s| s.pv == pv.device).map(move |s| (s.pe_start, s.extent_count, l.name.clone(), s.le_start)))
                .collect();
            for (start, count) in machine.lvm.free_runs(pv) {
                segs.push((start, count, String::new(), 0));
            }
            crate::core::order::small_sort(&mut segs);
            for (start, count, lv, le) in segs {
                msg(&mut t, &format!("Physical extent {start} to {}:", start + count - 1));
                if lv.is_empty() {
                    msg(&mut t, "  FREE");
                } else {
                    msg(&mut t, &format!("  Logical volume\t/dev/{}/{lv}", vg.name));
                    msg(&mut t, &format!("  Logical extents\t{le} to {}", le + count - 1));
                }
            }
            msg(&mut t, " ");
        }
    }
    ok(t, Vec::new())
}

fn vgdisplay(machine: &Machine, a: &Args) -> Output {
    let mut t = String::new();
    for v in &a.positional {
        if machine.lvm.vg(v).is_none() {
            not_found_vg(&mut t, v);
            return fail(t);
        }
    }
    let mut vgs: Vec<&Vg> = machine.lvm.vgs.iter().filter(|v| a.positional.is_empty() || a.positional.contains(&v.name)).collect();
    vgs.small_sort_by(|x, y| x.name.cmp(&y.name));
    for vg in vgs {
        let lvm = &machine.lvm;
        let e = vg.extent_size_bytes;
        let total = lvm.vg_extent_count(vg);
        let free = lvm.vg_free_extents(vg);
        if a.short {
            msg(&mut t, &format!("\"{}\" {} [{}  used / {} free]", vg.name, long_size(total * e), long_size((total - free) * e), long_size(free * e)));
            continue;
        }
        let lvs = vg.lvs.iter().filter(|l| !l.is_hidden()).count();
        let open = vg.lvs.iter().filter(|l| open_lv(machine, &vg.name, &l.name)).count();
        msg(&mut t, "--- Volume group ---");
        for (k, v) in [
            ("VG Name", vg.name.clone()),
            ("System ID", String::new()),
            ("Format", "lvm2".into()),
            ("Metadata Areas", vg.pv_devices.len().to_string()),
            ("Metadata Sequence No", vg.seqno.to_string()),
            ("VG Access", "read/write".into()),
            ("VG Status", "resizable".into()),
            ("MAX LV", "0".into()),
            ("Cur LV", lvs.to_string()),
            ("Open LV", open.to_string()),
            ("Max PV", "0".into()),
            ("Cur PV", vg.pv_devices.len().to_string()),
            ("Act PV", vg.pv_devices.len().to_string()),
            ("VG Size", long_size(total * e)),
            ("PE Size", long_size(e)),
            ("Total PE", total.to_string()),
            ("Alloc PE / Size", format!("{} / {}", total - free, long_size((total - free) * e))),
            ("Free  PE / Size", format!("{free} / {}", long_size(free * e))),
            ("VG UUID", vg.uuid.clone()),
        ] {
            msg(&mut t, &format!("{k:<21} {v}"));
        }
        msg(&mut t, " ");
    }
    ok(t, Vec::new())
}

fn lvdisplay(machine: &Machine, a: &Args) -> Output {
    let mut t = String::new();
    let mut wanted: Vec<(String, Option<String>)> = Vec::new();
    for p in &a.positional {
        match lv_spec(machine, p) {
            Some((vg, lv)) if machine.lvm.vg(&vg).and_then(|v| v.lv(&lv)).is_some() => wanted.push((vg, Some(lv))),
            Some((vg, lv)) => {
                msg(&mut t, &format!("Failed to find logical volume \"{vg}/{lv}\""));
                return fail(t);
            }
            None if machine.lvm.vg(p).is_some() => wanted.push((p.clone(), None)),
            None => {
                not_found_vg(&mut t, p);
                return fail(t);
            }
        }
    }
    for vg in &machine.lvm.vgs {
        for lv in processing_order(vg, true) {
            let named = wanted.iter().any(|(v, l)| *v == vg.name && l.as_ref() == Some(&lv.name));
            let listed = (a.all || !lv.is_hidden()) && (wanted.is_empty() || wanted.iter().any(|(v, l)| *v == vg.name && l.is_none()));
            if !(named || listed) {
                continue;
            }
            lv_display_one(machine, vg, lv, &mut t);
        }
    }
    ok(t, Vec::new())
}

/// One `--- Logical volume ---` block, as lvdisplay_full prints it for an LV
/// on a host with device-mapper.
fn lv_display_one(machine: &Machine, vg: &Vg, lv: &Lv, t: &mut String) {
    let open = match &lv.kind {
        LvKind::Hidden if lv.active => 1,
        _ => usize::from(open_lv(machine, &vg.name, &lv.name)),
    };
    msg(t, "--- Logical volume ---");
    let mut rows: Vec<(&str, String)> = Vec::new();
    match &lv.kind {
        LvKind::Hidden => rows.push(("Internal LV Name", lv.name.clone())),
        LvKind::ThinPool { .. } => rows.push(("LV Name", lv.name.clone())),
        _ => {
            rows.push(("LV Path", format!("/dev/{}/{}", vg.name, lv.name)));
            rows.push(("LV Name", lv.name.clone()));
        }
    }
    rows.push(("VG Name", vg.name.clone()));
    rows.push(("LV UUID", lv.uuid.clone()));
    rows.push(("LV Write Access", "read/write".into()));
    rows.push(("LV Creation host, time", format!("{}, 2026-11-25 09:00:00 +0000", machine.hostname)));
    match &lv.kind {
        LvKind::ThinPool { .. } => {
            rows.push(("LV Pool metadata", format!("{}_tmeta", lv.name)));
            rows.push(("LV Pool data", format!("{}_tdata", lv.name)));
        }
        LvKind::Thin { pool, .. } => rows.push(("LV Pool name", pool.clone())),
        _ => {}
    }
    rows.push(("LV Status", if lv.active { "available".into() } else { "NOT available".into() }));
    if lv.active {
        rows.push(("# open", open.to_string()));
    }
    rows.push(("LV Size", long_size(vg.lv_size_bytes(lv))));
    match &lv.kind {
        LvKind::ThinPool { .. } => {
            rows.push(("Allocated pool data", format!("{}%", data_percent(vg, lv))));
            rows.push(("Allocated metadata", format!("{}%", meta_percent(vg, lv))));
        }
        LvKind::Thin { .. } => rows.push(("Mapped size", format!("{}%", data_percent(vg, lv)))),
        _ => {}
    }
    rows.push(("Current LE", (vg.lv_size_bytes(lv) / vg.extent_size_bytes).to_string()));
    let segments = match lv.kind {
        LvKind::Linear | LvKind::Hidden => lv.segments.len(),
        _ => 1,
    };
    rows.push(("Segments", segments.to_string()));
    rows.push(("Allocation", "inherit".into()));
    rows.push(("Read ahead sectors", "auto".into()));
    if lv.active {
        rows.push(("- currently set to", "256".into()));
        rows.push(("Block device", format!("253:{}", lv.dm_minor.unwrap_or(0))));
    }
    for (k, v) in rows {
        msg(t, &format!("{k:<22} {v}"));
    }
    msg(t, " ");
}
