//! losetup from util-linux 2.38: sets up loop devices over image files and
//! lists them (`-a`, `-l` with libsmartcols' columns, `-j`, `--json`).
//!
//! Simplified: `--offset`, `--sizelimit`, `--direct-io` and `--sector-size`
//! are refused with a message; devices are listed in sysfs order
//! (`core::machine::loops::kernfs_name_hash`) as the real tool lists them.

use super::Output;
use crate::core::disk::Disk;
use crate::core::machine::loops::LoopSetup;
use crate::core::machine::Machine;

/// What one losetup command line asks for.
#[derive(Debug, Default)]
struct Args {
    all: bool,
    list: bool,
    find: bool,
    show: bool,
    detach: Vec<String>,
    detach_all: bool,
    capacity: Option<String>,
    associated: Option<String>,
    json: bool,
    raw: bool,
    noheadings: bool,
    columns: Option<String>,
    setup: LoopSetup,
    rest: Vec<String>,
}

const TRY: &str = "Try 'losetup --help' for more information.\n";

fn fail(msg: String) -> Output {
    Output::error(msg, 1)
}

/// `losetup ARGS`.
pub fn run(machine: &mut Machine, cwd: &str, args: &[String]) -> Output {
    let a = match parse(args) {
        Ok(a) => a,
        Err(out) => return out,
    };
    let abs = |p: &str| if p.starts_with('/') { p.to_string() } else { format!("{}/{p}", cwd.trim_end_matches('/')) };
    let setting_up = a.show || a.setup != LoopSetup::default();
    if setting_up && a.rest.is_empty() && !a.find {
        return fail("losetup: no loop device specified\n".into());
    }
    if setting_up && (!a.find && a.rest.len() < 2 || !a.detach.is_empty() || a.detach_all || a.all || a.list || a.associated.is_some()) {
        return fail("losetup: the options --{sizelimit,partscan,read-only,show} are allowed during loop device setup only\n".into());
    }
    if a.detach_all {
        let names: Vec<String> = machine.loop_devices().iter().map(|d| d.name.clone()).collect();
        let mut out = Output::default();
        for n in names {
            detach(machine, &format!("/dev/{n}"), &mut out);
        }
        return out;
    }
    if !a.detach.is_empty() {
        let mut out = Output::default();
        for d in a.detach.iter().chain(&a.rest) {
            detach(machine, d, &mut out);
        }
        return out;
    }
    if let Some(dev) = &a.capacity {
        return match machine.loop_set_capacity(dev_name(dev)) {
            Ok(events) => Output { events, ..Output::default() },
            Err(e) => fail(format!("losetup: {dev}: set capacity failed: {}\n", e.strerror())),
        };
    }
    if a.find {
        return find(machine, &a, abs);
    }
    if a.list || a.columns.is_some() || (a.rest.is_empty() && a.associated.is_none() && !a.all) {
        let device = match a.rest.as_slice() {
            [] => None,
            [dev] => Some(dev_name(dev).to_string()),
            _ => return fail("losetup: unexpected arguments\n".into()),
        };
        return list(machine, &a, a.associated.as_deref().map(abs), device);
    }
    if a.all || a.associated.is_some() {
        let file = a.associated.as_deref().map(abs);
        let text: String = machine.loop_devices().into_iter().filter(|d| matches_file(d, file.as_deref())).map(short_line).collect();
        return Output::text(text, 0);
    }
    match a.rest.as_slice() {
        [dev] if dev.starts_with("/dev/") => match machine.disk_named(dev_name(dev)).filter(|d| d.backing.is_some()) {
            Some(d) => Output::text(short_line(d), 0),
            None => fail(format!("losetup: {dev}: No such file or directory\n")),
        },
        [file] => fail(format!("losetup: {file}: failed to use device: No such device\n")),
        [dev, file] => attach(machine, Some(dev), file, &abs(file), &a),
        _ => fail("losetup: unexpected arguments\n".into()),
    }
}

fn dev_name(dev: &str) -> &str {
    dev.strip_prefix("/dev/").unwrap_or(dev)
}

fn detach(machine: &mut Machine, dev: &str, out: &mut Output) {
    match machine.loop_detach(dev_name(dev)) {
        Ok(events) => out.events.extend(events),
        Err(e) => {
            out.err.push_str(&format!("losetup: {dev}: detach failed: {}\n", e.strerror()));
            out.exit_status = 1;
        }
    }
}

/// `-f`: prints the first free device, or sets one up over the file.
fn find(machine: &mut Machine, a: &Args, abs: impl Fn(&str) -> String) -> Output {
    match a.rest.as_slice() {
        [] => Output::text(format!("/dev/{}\n", machine.loop_first_free()), 0),
        [file] => attach(machine, None, file, &abs(file), a),
        _ => fail("losetup: unexpected arguments\n".into()),
    }
}

fn attach(machine: &mut Machine, dev: Option<&String>, file: &str, path: &str, a: &Args) -> Output {
    let mut out = Output::default();
    if machine.file_size(path).is_ok_and(|s| s % 512 != 0) {
        out.err.push_str(&format!("losetup: {file}: Warning: file does not fit into a 512-byte sector; the end of the file will be ignored.\n"));
    }
    match machine.loop_attach(dev.map(|d| dev_name(d)), path, a.setup) {
        Ok((name, events)) => {
            if a.show {
                out.text.push_str(&format!("/dev/{name}\n"));
            }
            out.events = events;
        }
        Err(e) => {
            out.err.push_str(&format!("losetup: {file}: failed to set up loop device: {}\n", e.strerror()));
            out.exit_status = 1;
        }
    }
    out
}

fn matches_file(d: &Disk, file: Option<&str>) -> bool {
    file.is_none_or(|f| d.backing.as_ref().is_some_and(|b| crate::core::machine::files::normalize(f) == b.path))
}

/// The BACK-FILE of a device, as sysfs' `loop/backing_file` shows it.
fn back_file(d: &Disk) -> String {
    let Some(b) = &d.backing else { return String::new() };
    if b.deleted {
        format!("{} (deleted)", b.path)
    } else {
        b.path.clone()
    }
}

/// `st_dev` as glibc's `makedev` packs it.
fn makedev(major: u32, minor: u32) -> u64 {
    let (ma, mi) = (u64::from(major), u64::from(minor));
    ((ma & 0xfff) << 8) | (mi & 0xff) | ((mi & !0xff) << 12) | ((ma & !0xfff) << 32)
}

/// A line of `losetup -a`.
fn short_line(d: &Disk) -> String {
    let Some(b) = &d.backing else { return String::new() };
    format!("/dev/{}: [{:04}]:{} ({})\n", d.name, makedev(b.fs_dev.0, b.fs_dev.1), b.ino, back_file(d))
}

/// The columns of `losetup -l`; the first eight are the default ones.
const COLUMNS: &[&str] = &["NAME", "SIZELIMIT", "OFFSET", "AUTOCLEAR", "RO", "BACK-FILE", "DIO", "LOG-SEC", "BACK-INO", "BACK-MAJ:MIN", "MAJ:MIN", "PARTSCAN"];

/// A column's value, and whether it is a number or a flag in JSON.
fn cell(d: &Disk, column: &str) -> (String, Json) {
    let b = d.backing.as_ref();
    let flag = |on: bool| (u8::from(on).to_string(), Json::Flag);
    match column {
        "NAME" => (format!("/dev/{}", d.name), Json::Text),
        "SIZELIMIT" | "OFFSET" => (String::from("0"), Json::Number),
        "DIO" => flag(false),
        "AUTOCLEAR" => flag(b.is_some_and(|b| b.autoclear)),
        "RO" => flag(b.is_some_and(|b| b.read_only)),
        "PARTSCAN" => flag(b.is_some_and(|b| b.partscan)),
        "BACK-FILE" => (back_file(d), Json::Text),
        "LOG-SEC" => ("512".into(), Json::Number),
        "BACK-INO" => (b.map_or(0, |b| b.ino).to_string(), Json::Number),
        "BACK-MAJ:MIN" => (b.map_or(String::new(), |b| format!("{:>3}:{:<3}", b.fs_dev.0, b.fs_dev.1)), Json::Text),
        _ => (format!("{:>3}:{:<3}", d.major, d.minor), Json::Text),
    }
}

#[derive(Clone, Copy, PartialEq)]
enum Json {
    Text,
    Number,
    Flag,
}

/// `losetup -l` (and plain `losetup`): a libsmartcols table.
fn list(machine: &Machine, a: &Args, file: Option<String>, device: Option<String>) -> Output {
    let columns: Vec<&str> = match &a.columns {
        None => COLUMNS[..8].to_vec(),
        Some(spec) => match spec.split(',').map(|c| COLUMNS.iter().find(|k| k.eq_ignore_ascii_case(c)).copied().ok_or(c)).collect() {
            Ok(cols) => cols,
            Err(c) => return fail(format!("losetup: unknown column: {c}\n")),
        },
    };
    let devices: Vec<&Disk> =
        machine.loop_devices().into_iter().filter(|d| matches_file(d, file.as_deref()) && device.as_ref().is_none_or(|n| *n == d.name)).collect();
    if devices.is_empty() {
        return Output::default();
    }
    let rows: Vec<Vec<(String, Json)>> = devices.iter().map(|d| columns.iter().map(|c| cell(d, c)).collect()).collect();
    if a.json {
        return Output::text(json(&columns, &rows), 0);
    }
    let header: Vec<(String, Json)> = columns.iter().map(|c| (c.to_string(), Json::Text)).collect();
    let shown: Vec<&Vec<(String, Json)>> = std::iter::once(&header).chain(&rows).collect();
    let text: String = if a.raw { shown.iter().map(|r| r.iter().map(|c| c.0.as_str()).collect::<Vec<_>>().join(" ") + "\n").collect() } else { table(&columns, &shown) };
    // libsmartcols sizes the columns to their headings even when it does not print them.
    let text = if a.noheadings { text.split_once('\n').map_or(String::new(), |(_, rest)| rest.to_string()) } else { text };
    Output::text(text, 0)
}

/// Columns padded to their widest cell; numbers and flags right-aligned,
/// the last column unpadded when it is text.
fn table(columns: &[&str], rows: &[&Vec<(String, Json)>]) -> String {
    let widths: Vec<usize> = (0..columns.len()).map(|i| rows.iter().map(|r| r[i].0.chars().count()).max().unwrap_or(0)).collect();
    let right = |c: &str| !matches!(c, "NAME" | "BACK-FILE");
    let mut out = String::new();
    for r in rows {
        let mut line = String::new();
        for (i, c) in columns.iter().enumerate() {
            if i > 0 {
                line.push(' ');
            }
            let (v, w) = (&r[i].0, widths[i]);
            line.push_str(&if right(c) { format!("{v:>w$}") } else { format!("{v:<w$}") });
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

fn json(columns: &[&str], rows: &[Vec<(String, Json)>]) -> String {
    let mut out = String::from("{\n   \"loopdevices\": [\n");
    for (i, r) in rows.iter().enumerate() {
        out.push_str(if i == 0 { "      {\n" } else { "},{\n" });
        for (j, (c, (v, kind))) in columns.iter().zip(r).enumerate() {
            let value = match kind {
                Json::Text => format!("\"{v}\""),
                Json::Number => v.clone(),
                Json::Flag => (v == "1").to_string(),
            };
            let comma = if j + 1 < columns.len() { "," } else { "" };
            out.push_str(&format!("         \"{}\": {value}{comma}\n", c.to_ascii_lowercase()));
        }
        out.push_str("      ");
    }
    out.push_str("}\n   ]\n}\n");
    out
}

/// GNU getopt over losetup's options.
fn parse(args: &[String]) -> Result<Args, Output> {
    let mut a = Args::default();
    let mut i = 0;
    let mut operands_only = false;
    while i < args.len() {
        let arg = &args[i];
        i += 1;
        if operands_only || arg == "-" || !arg.starts_with('-') {
            a.rest.push(arg.clone());
            continue;
        }
        if arg == "--" {
            operands_only = true;
            continue;
        }
        if let Some(long) = arg.strip_prefix("--") {
            let (name, value) = long.split_once('=').map_or((long, None), |(n, v)| (n, Some(v.to_string())));
            let Some(short) = long_option(name) else {
                return Err(fail(format!("losetup: unrecognized option '{arg}'\n{TRY}")));
            };
            let value = match (takes_value(short), value) {
                (true, Some(v)) => Some(v),
                (true, None) => match args.get(i) {
                    Some(v) => {
                        i += 1;
                        Some(v.clone())
                    }
                    None => return Err(fail(format!("losetup: option '--{name}' requires an argument\n{TRY}"))),
                },
                (false, Some(_)) => return Err(fail(format!("losetup: option '--{name}' doesn't allow an argument\n{TRY}"))),
                (false, None) => None,
            };
            apply(&mut a, short, value)?;
            continue;
        }
        let chars: Vec<char> = arg[1..].chars().collect();
        for (k, &c) in chars.iter().enumerate() {
            if !"ac:d:Dfj:JlLno:O:PrvV".contains(c) || c == ':' {
                return Err(fail(format!("losetup: invalid option -- '{c}'\n{TRY}")));
            }
            if takes_value(c) {
                let rest: String = chars[k + 1..].iter().collect();
                let value = if !rest.is_empty() {
                    rest
                } else if let Some(v) = args.get(i) {
                    i += 1;
                    v.clone()
                } else {
                    return Err(fail(format!("losetup: option requires an argument -- '{c}'\n{TRY}")));
                };
                apply(&mut a, c, Some(value))?;
                break;
            }
            apply(&mut a, c, None)?;
        }
    }
    Ok(a)
}

fn takes_value(c: char) -> bool {
    matches!(c, 'c' | 'd' | 'j' | 'o' | 'O' | 's' | 'b' | 'S')
}

fn long_option(name: &str) -> Option<char> {
    Some(match name {
        "all" => 'a',
        "set-capacity" => 'c',
        "detach" => 'd',
        "detach-all" => 'D',
        "find" => 'f',
        "associated" => 'j',
        "json" => 'J',
        "list" => 'l',
        "noheadings" => 'n',
        "offset" => 'o',
        "output" => 'O',
        "partscan" => 'P',
        "read-only" => 'r',
        "sizelimit" => 's',
        "sector-size" => 'b',
        "direct-io" => 'S',
        "raw" => 'R',
        "show" => 'W',
        "verbose" => 'v',
        "nooverlap" => 'L',
        _ => return None,
    })
}

fn apply(a: &mut Args, c: char, value: Option<String>) -> Result<(), Output> {
    let value = value.unwrap_or_default();
    match c {
        'a' => a.all = true,
        'c' => a.capacity = Some(value),
        'd' => a.detach.push(value),
        'D' => a.detach_all = true,
        'f' => a.find = true,
        'j' => a.associated = Some(value),
        'J' => a.json = true,
        'l' => a.list = true,
        'n' => a.noheadings = true,
        'O' => a.columns = Some(value),
        'P' => a.setup.partscan = true,
        'r' => a.setup.read_only = true,
        'R' => a.raw = true,
        'W' => a.show = true,
        'o' | 's' | 'b' | 'S' => return Err(fail("losetup: --offset, --sizelimit, --sector-size and --direct-io are not simulated: a loop device here covers its whole file\n".into())),
        _ => {}
    }
    Ok(())
}
