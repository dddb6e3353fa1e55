//! `zpool` and `zfs`: OpenZFS 2.2's command line (as Proxmox VE 8 ships it)
//! over the core's pools and datasets.
//!
//! Formats follow `cmd/zpool/zpool_main.c`, `cmd/zfs/zfs_main.c` and libzfs:
//! `zfs_nicenum` sizes, column widths from `zprop_width` (numbers fixed at five
//! characters unless `-p`, strings and names as wide as their values), and the
//! `status:`/`action:`/`see:` texts. Simplified: import and export as `import`
//! says, no features,
//! no `-o` pool properties but `ashift`, and every scrub runs to the end within
//! its command (in ten steps the figures animate).

mod arcstat;
mod bookmark;
pub use arcstat::arcstats_file;
mod dataset;
mod diff;
mod holds;
mod import;
mod mount;
mod listing;
mod pool;
mod pool_props;
mod vdevs;
mod send;
mod upkeep;
mod usage;

use super::{Output, Shell};
use crate::core::zfs::ZfsError;
use crate::core::Event;

/// The version Proxmox VE 8 prints for both tools.
const VERSION: &str = "zfs-2.2.6-pve1\nzfs-kmod-2.2.6-pve1\n";

pub fn run(shell: &mut Shell, cmd: &str, args: &[String], stdin: Option<&super::exec::Input>) -> Option<Output> {
    let out = match cmd {
        "zpool" => pool::run(shell, args),
        "zfs" => match args.first().map(String::as_str) {
            Some("send") => send::send(&mut shell.machine, &args[1..], shell.stdout_is_terminal),
            Some("receive" | "recv") => send::receive(&mut shell.machine, &args[1..], stdin),
            _ => dataset::run(shell, args),
        },
        "zinject" => zinject(&mut shell.machine, args),
        "zdb" => zdb(&shell.machine, args),
        "arc_summary" => arcstat::arc_summary(&shell.machine, args),
        _ => return None,
    };
    // A dry run (`zfs destroy -n`) makes no change to log.
    let dry_run = args.iter().skip(1).take_while(|a| a.starts_with('-')).any(|a| a.contains('n'));
    if out.exit_status == 0 && !dry_run && logged(cmd, args.first().map_or("", String::as_str)) {
        let pool = args.iter().skip(1).map(|a| pool_of(a)).find(|p| shell.machine.zfs().pool(p).is_some()).map(str::to_string);
        if let Some(p) = pool {
            shell.machine.zpool_log_history(&p, &format!("{cmd} {}", args.join(" ")));
        }
    }
    Some(out)
}

/// The deepest mount point of `datasets` that the shell's working directory
/// lies in: umount2 fails there with EBUSY, whatever the force.
pub(super) fn busy_mountpoint(m: &crate::core::Machine, cwd: &str, datasets: &[String]) -> Option<String> {
    let inside = |mp: &str| cwd == mp || cwd.starts_with(&format!("{}/", mp.trim_end_matches('/')));
    m.zfs_mounts().into_iter().filter(|(ds, mp, _)| datasets.contains(ds) && inside(mp)).map(|(_, mp, _)| mp).max_by_key(String::len)
}

/// libzfs' `unmount_one` on EBUSY.
pub(super) fn busy_error(mountpoint: &str) -> String {
    format!("cannot unmount '{mountpoint}': pool or dataset is busy\n")
}

/// Every dataset of a pool (for `zpool export` and `zpool destroy`).
pub(super) fn pool_datasets(m: &crate::core::Machine, pool: &str) -> Vec<String> {
    m.zfs().pool(pool).map(|p| p.datasets.iter().map(|d| d.name.clone()).collect()).unwrap_or_default()
}

fn pool_of(name: &str) -> &str {
    name.split(['/', '@', '#']).next().unwrap_or(name)
}

/// Commands `zpool history` records: the ones that change a pool.
fn logged(cmd: &str, sub: &str) -> bool {
    match cmd {
        "zpool" => matches!(sub, "create" | "add" | "attach" | "detach" | "online" | "offline" | "clear" | "replace" | "scrub" | "resilver" | "trim" | "initialize" | "set"),
        "zfs" => matches!(sub, "create" | "destroy" | "snapshot" | "snap" | "rollback" | "set" | "inherit" | "rename" | "clone" | "receive" | "recv" | "bookmark" | "hold" | "release"),
        _ => false,
    }
}

/// `zdb -u POOL`: the active uberblock, as `dump_uberblock` prints it (with
/// multihost off, so no MMP sequence).
fn zdb(m: &crate::core::Machine, args: &[String]) -> Output {
    let (opts, operands) = match getopt(args, "uCdbch", "") {
        Ok(v) => v,
        Err(c) => return Output::error(format!("zdb: invalid option -- '{c}'\n"), 1),
    };
    if !opts.iter().any(|o| o.0 == 'u') || opts.len() != 1 {
        return Output::error("zdb: the lab prints the uberblock only: zdb -u POOL\n", 2);
    }
    let [name] = operands.as_slice() else {
        return Output::error("zdb: the lab prints the uberblock only: zdb -u POOL\n", 2);
    };
    let Some(p) = m.zfs().pool(name) else {
        return Output::error(format!("zdb: can't open '{name}': No such file or directory\n"), 1);
    };
    let ub = &p.uberblock;
    Output::text(
        format!(
            "\nUberblock:\n\tmagic = 0000000000bab10c\n\tversion = 5000\n\ttxg = {}\n\tguid_sum = {}\n\ttimestamp = {} UTC = {}\n\tmmp_magic = 00000000a11cea11\n\tmmp_delay = 0\n\tmmp_valid = 0\n\tcheckpoint_txg = 0\n\n",
            ub.ub_txg,
            ub.ub_guid_sum,
            ub.ub_timestamp,
            super::fmt::ctime(ub.ub_timestamp)
        ),
        0,
    )
}

/// `zinject`: with no arguments, the list of handlers; `-d DEV -e corrupt
/// -T read -f N POOL` rots the device's copy of every data block.
/// Simplified: the rot is real bits flipped once on the disk, not a handler
/// that corrupts later reads, so `-c` only takes the handler off the list.
fn zinject(m: &mut crate::core::Machine, args: &[String]) -> Output {
    const USAGE: &str = include_str!("zinject_usage.txt");
    const WITH_VALUE: &str = "AbCdDfgctTlrseLp";
    let (opts, operands) = match getopt(args, "aFqhImu", WITH_VALUE) {
        Ok(v) => v,
        Err(c) if WITH_VALUE.contains(c) => return Output { text: USAGE.into(), err: format!("option -{c} requires an operand\n"), exit_status: 1, ..Output::default() },
        Err(c) => return Output { text: USAGE.into(), err: format!("invalid option '{c}'\n"), exit_status: 2, ..Output::default() },
    };
    if opts.iter().any(|o| o.0 == 'h') {
        return Output::text(USAGE, 0);
    }
    let value = |c: char| opts.iter().rev().find(|o| o.0 == c).map(|o| o.1.as_str());
    if opts.is_empty() && operands.is_empty() {
        return handler_list(&m.zfs().injections);
    }
    if let Some(id) = value('c') {
        if id == "all" {
            m.zfs_remove_handlers(None);
            return Output::text("removed all registered handlers\n", 0);
        }
        let Ok(n) = id.parse::<u32>() else {
            return Output::error(format!("invalid handle id '{id}': must be an integer or 'all'\n"), 1);
        };
        return if m.zfs_remove_handlers(Some(n)) { Output::text(format!("removed handler {n}\n"), 0) } else { Output::error(format!("failed to remove handler {n}: No such file or directory\n"), 1) };
    }
    let Some(device) = value('d') else {
        return Output::error("the lab injects device faults only: zinject -d DEV -e corrupt -T read -f 100 POOL\n", 2);
    };
    let [pool] = operands.as_slice() else {
        return Output::error("device (-d) injection requires a single pool name\n", 2);
    };
    match value('e').unwrap_or("io") {
        "corrupt" => {}
        "checksum" => return Output::error("device error type must be 'io', 'nxio' or 'corrupt'\n", 1),
        "io" | "nxio" => return Output::error("the lab injects bit rot only: -e corrupt\n", 1),
        other => return Output::error(format!("invalid error type '{other}': must be 'io', 'checksum' or 'nxio'\n"), 1),
    }
    if value('T') != Some("read") || value('f').is_none() {
        return Output::error("device corrupt errors require io type read and a frequency value\n", 1);
    }
    let Some(p) = m.zfs().pool(pool) else {
        return Output::error(vdevs::cannot_open_pool(pool), 1);
    };
    let short = device.strip_prefix("/dev/").unwrap_or(device);
    let leaf = p.leaves().find(|l| [Some(l.dev), l.whole_disk].into_iter().flatten().any(|d| crate::core::zfs::Disks::name(m, d) == short)).map(|l| l.dev);
    let Some(dev) = leaf else {
        return Output::error(format!("cannot find device '{device}' in pool '{pool}'\n"), 1);
    };
    match m.zfs_inject_rot(pool, dev) {
        Ok((guid, events)) => {
            let id = m.zfs_add_handler(pool, guid);
            Output { text: format!("Added handler {id} with the following properties:\n  pool: {pool}\n  vdev: {guid:x}\n"), events, ..Output::default() }
        }
        Err(e) => Output::error(message(&e), 1),
    }
}

/// zinject's `print_all_handlers`: the device handlers' table.
fn handler_list(handlers: &[(u32, String, u64)]) -> Output {
    if handlers.is_empty() {
        return Output::text("No handlers registered.\nRun 'zinject -h' for usage information.\n", 0);
    }
    let mut t = format!("{:>3}  {:<15}  {}\n---  ---------------  ----------------\n", "ID", "POOL", "GUID");
    for (id, pool, guid) in handlers {
        t.push_str(&format!("{id:>3}  {pool:<15}  {guid:x}\n"));
    }
    t.push('\n');
    Output::text(t, 0)
}

/// `zfs_nicenum_format`: powers of 1024 in at most five characters, e.g.
/// `0B`, `512B`, `74M`, `1.50M`, `10.0K`; `bytes` adds the `B` of plain bytes.
pub fn nicenum(num: u64, bytes: bool) -> String {
    const UNITS: [&str; 7] = ["", "K", "M", "G", "T", "P", "E"];
    let mut n = num;
    let mut index = 0;
    while n >= 1024 && index < 6 {
        n /= 1024;
        index += 1;
    }
    let unit = if index == 0 && bytes { "B" } else { UNITS[index] };
    let base = 1u64 << (10 * index);
    if index == 0 || num % base == 0 {
        return format!("{n}{unit}");
    }
    let val = num as f64 / base as f64;
    let mut text = String::new();
    for decimals in (0..=2).rev() {
        text = format!("{}{unit}", super::fmt::fixed(val, decimals));
        if text.len() <= 5 {
            break;
        }
    }
    text
}

/// A size as `zfs_nicestrtonum` reads it: `10G`, `1.5g`, `512K`, `4096`, `1TB`.
pub fn parse_size(text: &str) -> Option<u64> {
    let split = text.find(|c: char| !(c.is_ascii_digit() || c == '.')).unwrap_or(text.len());
    let (number, suffix) = text.split_at(split);
    let shift = match suffix.to_ascii_uppercase().as_str() {
        "" | "B" => 0,
        "K" | "KB" | "KIB" => 10,
        "M" | "MB" | "MIB" => 20,
        "G" | "GB" | "GIB" => 30,
        "T" | "TB" | "TIB" => 40,
        "P" | "PB" | "PIB" => 50,
        "E" | "EB" | "EIB" => 60,
        _ => return None,
    };
    if let Ok(n) = number.parse::<u64>() {
        return n.checked_mul(1u64 << shift).filter(|v| *v < u64::MAX);
    }
    decimal_times_power_of_two(number, shift)
}

/// `1.5` times 2^`shift`, truncated as libzfs casts `strtod(...) * 2^shift`.
/// The digits are read exactly rather than as a double: the two agree for
/// any size with fewer than 16 significant digits, and core's float parser
/// would bring its 10 KB table of powers of five into the bundle.
fn decimal_times_power_of_two(number: &str, shift: u32) -> Option<u64> {
    let (whole, frac) = number.split_once('.')?;
    if frac.contains('.') || whole.len() + frac.len() > 30 || (whole.is_empty() && frac.is_empty()) {
        return None;
    }
    let digits: u128 = format!("{whole}{frac}").parse().ok()?;
    let bytes = (digits << shift) / 10u128.pow(frac.len() as u32);
    u64::try_from(bytes).ok()
}

/// A command's result: its events, or ZFS's error text with status 1.
fn outcome(result: Result<Vec<Event>, String>, text: String) -> Output {
    match result {
        Ok(events) => Output { text, events, ..Output::default() },
        Err(err) => Output::error(err, 1),
    }
}

/// The message of a core error, without a command's framing.
fn message(e: &ZfsError) -> String {
    match e {
        ZfsError::NoSuchPool(p) => vdevs::cannot_open_pool(p),
        e => format!("{e}\n"),
    }
}

/// Right- or left-aligned columns separated by two spaces, the last one
/// unpadded when left-aligned; `-H` prints tab-separated cells instead.
struct Columns {
    widths: Vec<usize>,
    right: Vec<bool>,
}

impl Columns {
    fn line(&self, cells: &[String], scripted: bool) -> String {
        if scripted {
            return format!("{}\n", cells.join("\t"));
        }
        let mut out = String::new();
        let last = cells.len().saturating_sub(1);
        for (i, cell) in cells.iter().enumerate() {
            if i > 0 {
                out.push_str("  ");
            }
            let w = self.widths[i];
            let pad = " ".repeat(w.saturating_sub(cell.len()));
            if self.right[i] {
                out.push_str(&pad);
                out.push_str(cell);
            } else {
                out.push_str(cell);
                if i != last {
                    out.push_str(&pad);
                }
            }
        }
        out.push('\n');
        out
    }
}

/// Splits `-abc` flags from operands the way getopt does (flags first,
/// `--` ends them); `with_value` flags take the next word. Returns an
/// unknown flag as `Err`.
fn getopt(args: &[String], flags: &str, with_value: &str) -> Result<(Vec<(char, String)>, Vec<String>), char> {
    let mut opts = Vec::new();
    let mut operands = Vec::new();
    let mut it = args.iter();
    while let Some(a) = it.next() {
        if a == "--" {
            operands.extend(it.cloned());
            break;
        }
        if !a.starts_with('-') || a.len() == 1 {
            operands.push(a.clone());
            continue;
        }
        let chars: Vec<char> = a[1..].chars().collect();
        for (i, &c) in chars.iter().enumerate() {
            if with_value.contains(c) {
                let rest: String = chars[i + 1..].iter().collect();
                let value = if rest.is_empty() { it.next().cloned().ok_or(c)? } else { rest };
                opts.push((c, value));
                break;
            }
            if !flags.contains(c) {
                return Err(c);
            }
            opts.push((c, String::new()));
        }
    }
    Ok((opts, operands))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nicenum_fits_five_characters_as_zfs_does() {
        let cases = [
            (0, "0B"),
            (512, "512B"),
            (1024, "1K"),
            (1536, "1.50K"),
            (10239, "10.0K"),
            (24 * 1024, "24K"),
            (110_592, "108K"),
            (1_572_864, "1.50M"),
            (77_594_624, "74M"),
            (1_006_632_960, "960M"),
            (1023 * 1024 + 512, "1024K"),
            (999_999_999_999, "931G"),
        ];
        for (n, text) in cases {
            assert_eq!(nicenum(n, true), text, "{n}");
        }
        assert_eq!(nicenum(0, false), "0");
        assert_eq!(nicenum(1500, false), "1.46K");
    }

    #[test]
    fn sizes_read_as_zfs_reads_them() {
        assert_eq!(parse_size("10G"), Some(10 << 30));
        assert_eq!(parse_size("1.5g"), Some(3 << 29));
        assert_eq!(parse_size("16k"), Some(16384));
        assert_eq!(parse_size("4096"), Some(4096));
        assert_eq!(parse_size("1TB"), Some(1 << 40));
        assert_eq!(parse_size("ten"), None);
        assert_eq!(parse_size("20E"), None);
        // Decimals truncate as libzfs' strtod(3) times the unit does.
        assert_eq!(parse_size("1.1G"), Some(1_181_116_006));
        assert_eq!(parse_size(".5M"), Some(1 << 19));
        assert_eq!(parse_size("0.1K"), Some(102));
        assert_eq!(parse_size("1."), Some(1));
        assert_eq!(parse_size("15.5E"), Some(31 << 59));
        assert_eq!(parse_size("16.0E"), None);
        assert_eq!(parse_size("."), None);
        assert_eq!(parse_size("1.2.3G"), None);
    }
}
