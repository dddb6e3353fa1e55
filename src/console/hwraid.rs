//! `hwraid`: the lab's stand-in for a RAID controller's setup screen and for
//! faults below the controller, which no Linux tool can reach (Linux sees only
//! the logical drive). Its texts are the lab's own; there is no real tool to
//! match. Simplified: one controller, RAID-1 drives of two members.

use super::Output;
use crate::core::hwraid::{CONTROLLER_MODEL, MEMBERS};
use crate::core::Machine;

const USAGE: &str = "usage: hwraid [show [DISK]]
       hwraid rot DISK MEMBER [OFFSET]   bit rot on one member disk: in every ZFS data block, or at byte OFFSET
       hwraid check DISK                 the controller's consistency check
       hwraid fail DISK MEMBER           a member disk dies
A RAID-1 logical drive comes from attach-disk raid1 SIZE.
";

pub fn run(m: &mut Machine, args: &[String]) -> Output {
    let a: Vec<&str> = args.iter().map(String::as_str).collect();
    let done = match a.as_slice() {
        [] | ["show"] => return show_all(m),
        ["show", disk] => return show(m, short(disk)),
        ["rot", disk, member] => member_number(member).and_then(|n| rot(m, short(disk), n, None)),
        ["rot", disk, member, offset] => member_number(member).and_then(|n| rot(m, short(disk), n, Some(offset))),
        ["check", disk] => check(m, short(disk)),
        ["fail", disk, member] => member_number(member).and_then(|n| fail(m, short(disk), n)),
        _ => return Output::error(USAGE, 2),
    };
    done.unwrap_or_else(|e| Output::error(format!("hwraid: {e}\n"), 1))
}

fn short(disk: &str) -> &str {
    disk.strip_prefix("/dev/").unwrap_or(disk)
}

fn member_number(text: &str) -> Result<usize, String> {
    text.parse::<usize>().ok().filter(|n| *n < MEMBERS && text.bytes().all(|b| b.is_ascii_digit())).ok_or_else(|| format!("member {text}: a RAID-1 drive has members 0 and 1"))
}

fn rot(m: &mut Machine, disk: &str, member: usize, offset: Option<&str>) -> Result<Output, String> {
    let events = match offset {
        Some(text) => {
            // Whole bytes only: zfs_nicestrtonum's fractions would round.
            let whole = text.trim_end_matches(|c: char| c.is_ascii_alphabetic()).bytes().all(|b| b.is_ascii_digit());
            let at = super::zfs::parse_size(text).filter(|_| whole && !text.is_empty()).ok_or_else(|| format!("bad offset '{text}'"))?;
            m.raid_rot(disk, member, at)
        }
        None => m.raid_rot_zfs_data(disk, member),
    }
    .map_err(|e| e.to_string())?;
    let places = if events.len() == 1 { "1 place".to_string() } else { format!("{} places", events.len()) };
    let text = format!("hwraid: flipped a bit in {places} on member {member} of {disk}; the controller has no checksum to notice\n");
    Ok(Output { text, events, ..Output::default() })
}

fn check(m: &mut Machine, disk: &str) -> Result<Output, String> {
    let (bytes, events) = m.raid_check(disk).map_err(|e| e.to_string())?;
    let text = if bytes == 0 {
        format!("hwraid: consistency check of {disk}: the members agree\n")
    } else {
        format!("hwraid: consistency check of {disk}: {} inconsistent; copied member 0 over member 1 (with no checksums, the controller cannot tell which copy was right)\n", bytes_text(bytes))
    };
    Ok(Output { text, events, ..Output::default() })
}

fn fail(m: &mut Machine, disk: &str, member: usize) -> Result<Output, String> {
    let events = m.raid_fail(disk, member).map_err(|e| e.to_string())?;
    let text = format!("hwraid: member {member} of {disk} failed; {disk} is Degraded and reads member {}\n", 1 - member);
    Ok(Output { text, events, ..Output::default() })
}

fn show_all(m: &Machine) -> Output {
    let drives: Vec<String> = m.disks().iter().filter(|d| d.raid.is_some()).map(|d| d.name.clone()).collect();
    if drives.is_empty() {
        return Output::text("hwraid: no RAID logical drives (attach-disk raid1 SIZE adds one)\n", 0);
    }
    let mut text = format!("Controller 0: {CONTROLLER_MODEL}\n");
    for d in drives {
        text.push_str(&drive_text(m, &d).unwrap_or_default());
    }
    Output::text(text, 0)
}

fn show(m: &Machine, disk: &str) -> Output {
    match drive_text(m, disk) {
        Ok(t) => Output::text(format!("Controller 0: {CONTROLLER_MODEL}\n{t}"), 0),
        Err(e) => Output::error(format!("hwraid: {e}\n"), 1),
    }
}

/// A drive, its members, and where their bytes differ (the lab's view: the
/// controller itself cannot know).
fn drive_text(m: &Machine, disk: &str) -> Result<String, String> {
    let (dev, raid) = m.raid_drive(disk).map_err(|e| e.to_string())?;
    let size = m.disk(dev).map_or(0, |d| d.size_bytes);
    let pretty = super::fmt::human_size(size, super::fmt::SizeStyle::Iec);
    let mut t = format!("Logical drive {disk}: RAID-1, {pretty}, {}\n", raid.state());
    for member in 0..MEMBERS {
        let state = if raid.failed == Some(member) { "Failed" } else { "Online" };
        let reads = if raid.failed.is_none() && member == raid.read_member() { " (reads come from it)" } else { "" };
        t.push_str(&format!("  member {member}: {pretty}, {state}{reads}\n"));
    }
    let diffs = m.raid_differences(disk).map_err(|e| e.to_string())?;
    if !diffs.is_empty() {
        let bytes: u64 = diffs.iter().map(|(_, l)| l).sum();
        let places = if diffs.len() == 1 { "1 place".to_string() } else { format!("{} places", diffs.len()) };
        t.push_str(&format!("  The members differ in {} at {places}. The controller keeps no checksums, so it cannot know.\n", bytes_text(bytes)));
    }
    Ok(t)
}

fn bytes_text(n: u64) -> String {
    if n == 1 { "1 byte".into() } else { format!("{n} bytes") }
}
