//! wipefs's `-t TYPES` and `-o OFFSET` (util-linux 2.38.1; native, feature
//! `wipe-modes`). `-t` keeps the signatures whose type the list names (or,
//! after a `no` prefix, does not name), for listing and for `-a`; each
//! `-o` erases the signature at that offset, and an offset where none is
//! found is reported after the erasing.

use super::{erase, signatures, table};
use crate::console::Output;
use crate::core::machine::Machine;

#[derive(Default)]
struct Opts {
    all: bool,
    dry: bool,
    force: bool,
    quiet: bool,
    types: Option<String>,
    offsets: Vec<u64>,
    paths: Vec<String>,
}

/// wipefs with `-t` or `-o`; None for the other command lines.
pub(super) fn wipefs(machine: &mut Machine, args: &[String]) -> Option<Output> {
    let o = match options(args)? {
        Ok(o) => o,
        Err(e) => return Some(e),
    };
    if o.all && !o.offsets.is_empty() {
        return Some(Output::error("wipefs: mutually exclusive arguments: --output --all --offset\n", 1));
    }
    if o.paths.is_empty() {
        return Some(Output::error("wipefs: no device specified\nTry 'wipefs --help' for more information.\n", 1));
    }
    let mut out = Output::default();
    let mut rows = Vec::new();
    for p in &o.paths {
        let Some(dev) = machine.resolve(p) else {
            out.err.push_str(&format!("wipefs: error: {p}: probing initialization failed: No such file or directory\n"));
            out.exit_status = 1;
            return Some(out);
        };
        let erasing = o.all || !o.offsets.is_empty();
        if erasing && !o.force && (machine.busy(dev).is_some() || machine.disk_busy(dev)) {
            out.err.push_str(&format!("wipefs: error: {p}: probing initialization failed: Device or resource busy\n"));
            out.exit_status = 1;
            return Some(out);
        }
        let found: Vec<_> = signatures(machine, dev).into_iter().filter(|f| o.types.as_deref().is_none_or(|t| match_fstype(&f.kind, t))).collect();
        if !erasing {
            let name = machine.name_of(dev);
            rows.extend(found.into_iter().map(|f| [name.clone(), format!("0x{:x}", f.offset), f.kind, f.uuid, f.label]));
            continue;
        }
        let chosen: Vec<_> = found.into_iter().filter(|f| o.offsets.is_empty() || o.offsets.contains(&f.offset)).collect();
        let erased = erase(machine, dev, p, &chosen, o.dry, &mut out.events);
        out.text.extend(erased.lines().filter(|l| !o.quiet || l.contains("re-read partition table")).map(|l| format!("{l}\n")));
        for missing in o.offsets.iter().filter(|at| !chosen.iter().any(|f| f.offset == **at)) {
            out.err.push_str(&format!("wipefs: {p}: offset 0x{missing:x} not found\n"));
        }
    }
    if !rows.is_empty() {
        out.text.push_str(&table(rows));
    }
    Some(out)
}

/// The options, when `-t` or `-o` is among them.
fn options(args: &[String]) -> Option<Result<Opts, Output>> {
    let mut o = Opts::default();
    let mut it = args.iter();
    let mut seen = false;
    while let Some(a) = it.next() {
        let (name, inline) = match a.split_once('=') {
            Some((n, v)) if n.starts_with("--") => (n, Some(v.to_string())),
            _ => (a.as_str(), None),
        };
        match name {
            "-a" | "--all" => o.all = true,
            "-n" | "--no-act" => o.dry = true,
            "-f" | "--force" => o.force = true,
            "-q" | "--quiet" => o.quiet = true,
            "-t" | "--types" | "-o" | "--offset" => {
                let Some(value) = inline.or_else(|| it.next().cloned()) else { return None };
                if let Err(e) = set(&mut o, name.trim_start_matches('-').starts_with('t'), &value) {
                    return Some(Err(e));
                }
                seen = true;
            }
            s if s.starts_with("--") => return None,
            s if s.starts_with('-') && s.len() > 1 => {
                let flags = &s[1..];
                match flags.find(['t', 'o']) {
                    Some(i) => {
                        let value = if i + 1 < flags.len() { Some(flags[i + 1..].to_string()) } else { it.next().cloned() };
                        let Some(value) = value else { return None };
                        if !flags[..i].chars().all(|c| "anfq".contains(c)) {
                            return None;
                        }
                        flags[..i].chars().for_each(|c| flag(&mut o, c));
                        if let Err(e) = set(&mut o, flags.as_bytes()[i] == b't', &value) {
                            return Some(Err(e));
                        }
                        seen = true;
                    }
                    None if flags.chars().all(|c| "anfq".contains(c)) => flags.chars().for_each(|c| flag(&mut o, c)),
                    None => return None,
                }
            }
            _ => o.paths.push(a.clone()),
        }
    }
    seen.then_some(Ok(o))
}

fn flag(o: &mut Opts, c: char) {
    match c {
        'a' => o.all = true,
        'n' => o.dry = true,
        'f' => o.force = true,
        _ => o.quiet = true,
    }
}

/// `-t LIST`, or `-o OFFSET` (`strtosize_or_err`: a number, `0x` hex, or
/// with a K/M/G... suffix).
fn set(o: &mut Opts, types: bool, value: &str) -> Result<(), Output> {
    if types {
        o.types = Some(value.to_string());
        return Ok(());
    }
    let parsed = match value.strip_prefix("0x").or_else(|| value.strip_prefix("0X")) {
        Some(hex) => u64::from_str_radix(hex, 16).ok(),
        None => crate::core::units::parse_size_bytes(value).ok(),
    };
    match parsed {
        Some(at) => {
            o.offsets.push(at);
            Ok(())
        }
        None => Err(Output::error(format!("wipefs: invalid offset argument: '{value}': Invalid argument\n"), 1)),
    }
}

/// util-linux's `match_fstype`: is `kind` in the comma list `pattern`
/// (case-insensitive; a leading `no` negates the whole list, `noTYPE`
/// excludes one type)?
fn match_fstype(kind: &str, pattern: &str) -> bool {
    let (negated, list) = match pattern.strip_prefix("no") {
        Some(rest) => (true, rest),
        None => (false, pattern),
    };
    for item in list.split(',') {
        if item.get(..2).is_some_and(|n| n.eq_ignore_ascii_case("no")) && item.get(2..).is_some_and(|t| t.eq_ignore_ascii_case(kind)) {
            return false;
        }
        if item.eq_ignore_ascii_case(kind) {
            return !negated;
        }
    }
    negated
}
