//! Replays every fixture captured from the real tools (tests/fixtures/*/*.case)
//! through the simulator and compares the output command by command.
//!
//! Outputs are compared whole. Random identifiers (disk identifiers, GUIDs,
//! UUIDs) are masked on both sides, except those a script sets with sfdisk's
//! `label-id:`, and so is what depends on the capture's wall clock (dd's
//! elapsed time and rate, ls's dates, stat's timestamps). A here-document's
//! lines are typed text, fed to the shell after the command. The lvm2 fixtures were captured without
//! device-mapper (see tests/fixtures/lvm/README.md); `real_host` turns them into
//! what an active host prints, each rule quoting the fixture note it implements.
//! The data/ and files/ fixtures ran each command in `bash -c`; `capture_shell`
//! undoes what that changes (see tests/fixtures/files/README.md).

use storage_lab::console::session::parse_disks;
use storage_lab::console::Shell;
use storage_lab::core::Machine;

pub struct Step {
    pub command: String,
    /// The rest of a command typed over several lines (a here-document's body
    /// and terminator), fed to the shell as typed lines.
    pub typed: Vec<String>,
    pub stdin: Vec<String>,
    pub expected: String,
    pub exit: i32,
}

pub struct Case {
    pub name: String,
    pub disks: String,
    pub steps: Vec<Step>,
}

/// True when the command line opens a here-document, so that the `<` lines
/// after it are the rest of the typed text rather than its standard input.
fn opens_here_document(command: &str) -> bool {
    storage_lab::console::syntax::parse(command).is_ok_and(|list| !storage_lab::console::syntax::here_docs(&list).is_empty())
}

/// Lines are split on `\n` alone: a `\r` the tool printed before a newline is
/// part of the output.
pub fn parse_case(name: &str, text: &str) -> Case {
    let mut case = Case { name: name.to_string(), disks: String::new(), steps: Vec::new() };
    for line in text.split('\n') {
        if let Some(d) = line.strip_prefix("# disks:") {
            case.disks = d.trim().to_string();
        } else if line.starts_with('#') {
            continue;
        } else if let Some(cmd) = line.strip_prefix("$ ") {
            case.steps.push(Step { command: cmd.to_string(), typed: Vec::new(), stdin: Vec::new(), expected: String::new(), exit: 0 });
        } else if let Some(step) = case.steps.last_mut() {
            if line == "<" || line.starts_with("< ") {
                let text = line.get(2..).unwrap_or("").to_string();
                if opens_here_document(&step.command) {
                    step.typed.push(text);
                } else {
                    step.stdin.push(text);
                }
            } else if line == ">" || line.starts_with("> ") {
                step.expected.push_str(line.get(2..).unwrap_or(""));
                step.expected.push('\n');
            } else if let Some(code) = line.strip_prefix("% exit ") {
                step.exit = code.trim().parse().unwrap_or(-1);
            } else if line == "%no-eol" {
                step.expected.pop();
            }
        }
    }
    case
}

/// The identifiers a case's script sets with sfdisk's `label-id:` header, as
/// the tools print them: they are compared verbatim, not masked.
fn identifiers_set(case: &Case) -> Vec<String> {
    let lines = case.steps.iter().flat_map(|s| s.typed.iter().chain(&s.stdin));
    lines
        .filter_map(|l| l.trim().strip_prefix("label-id:"))
        .filter_map(|v| {
            let v = v.trim();
            let guid = v.len() == 36 && v.split('-').map(str::len).eq([8, 4, 4, 4, 12]) && v.chars().all(|c| c == '-' || c.is_ascii_hexdigit());
            let dos = u32::from_str_radix(v.trim_start_matches("0x"), 16).ok();
            if guid {
                Some(v.to_ascii_uppercase())
            } else {
                dos.map(|id| format!("0x{id:08x}"))
            }
        })
        .collect()
}

fn is_hex(s: &str) -> bool {
    s.chars().all(|c| c.is_ascii_hexdigit())
}

/// `text` split on `-` into parts of exactly these lengths, each made of `ok` characters.
fn shaped(text: &str, lens: &[usize], ok: fn(char) -> bool) -> bool {
    let parts: Vec<&str> = text.split('-').collect();
    parts.len() == lens.len() && lens.iter().zip(&parts).all(|(n, p)| p.len() == *n && p.chars().all(ok))
}

/// The random identifier starting at `chars[i]`, if any: its length and mask.
fn random_token(chars: &[char], i: usize, keep: &[String]) -> Option<(usize, &'static str)> {
    let take = |n: usize| -> Option<String> { (i + n <= chars.len()).then(|| chars[i..i + n].iter().collect()) };
    let kept = |t: &String| keep.iter().any(|k| k == t);
    // A GUID: 8-4-4-4-12 hex digits.
    if take(36).is_some_and(|g| shaped(&g, &[8, 4, 4, 4, 12], |c| c.is_ascii_hexdigit()) && !kept(&g)) {
        return Some((36, "<GUID>"));
    }
    // An LVM UUID: 6-4-4-4-4-4-6 alphanumerics.
    if take(38).is_some_and(|u| shaped(&u, &[6, 4, 4, 4, 4, 4, 6], |c| c.is_ascii_alphanumeric())) {
        return Some((38, "<LVMUUID>"));
    }
    // A DOS disk identifier: 0x and 8 hex digits.
    if take(10).is_some_and(|d| d.starts_with("0x") && is_hex(&d[2..]) && !kept(&d)) {
        return Some((10, "0x<ID>"));
    }
    None
}

/// Masks words that are random on each run, except the identifiers in `keep`.
pub fn mask(text: &str, keep: &[String]) -> String {
    let mut out = String::with_capacity(text.len());
    let chars: Vec<char> = text.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let boundary = i == 0 || !chars[i - 1].is_ascii_alphanumeric();
        match random_token(&chars, i, keep).filter(|_| boundary) {
            Some((len, masked)) => {
                out.push_str(masked);
                i += len;
            }
            None => {
                out.push(chars[i]);
                i += 1;
            }
        }
    }
    // lvdisplay's creation stamp is the capture machine's.
    let out = mask_clock(&mask_lvm_times(&out));
    out.split('\n')
        .map(|l| if l.contains("LV Creation host, time") { "  LV Creation host, time <STAMP>".to_string() } else { l.to_string() })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Masks the capture's clock in lvm2 metadata text (see tests/fixtures/lvm/README.md):
/// the date the text was generated and each `creation_time`, seconds and date.
fn mask_lvm_times(text: &str) -> String {
    text.lines()
        .map(|l| {
            let body = l.trim_start_matches('\t');
            let indent = &l[..l.len() - body.len()];
            if body.starts_with("creation_time = ") {
                format!("{indent}creation_time = <TIME>")
            } else if let Some(at) = body.strip_prefix("# Generated by LVM2 version ").and_then(|r| r.find("): ")) {
                format!("{}<DATE>", &l[..l.len() - body.len() + "# Generated by LVM2 version ".len() + at + 3])
            } else {
                l.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The capture machine's host name and kernel, as the vgcfgbackup case's
/// metadata file records them (`creation_host`): lvm2 writes them into every
/// metadata area, so they decide the areas' free space.
const LVM_CAPTURE_HOST: (&str, &str, &str) = ("vm", "6.18.44-fc-v669", "#1 SMP PREEMPT_DYNAMIC @0");

/// Masks what follows the wall clock: dd's time and rate, ls's `Mmm dd HH:MM`,
/// stat's timestamps and the capture's device numbers in stat's Device line.
fn mask_clock(text: &str) -> String {
    const MONTHS: [&str; 12] = ["Jan ", "Feb ", "Mar ", "Apr ", "May ", "Jun ", "Jul ", "Aug ", "Sep ", "Oct ", "Nov ", "Dec "];
    text.split('\n')
        .map(|l| {
            let mut l = l.to_string();
            if let Some(at) = l.find(" copied, ") {
                l.truncate(at + 8);
                l.push_str("<TIME>");
            }
            // qemu-io's "4 KiB, 1 ops; 00.00 sec (3.503 MiB/sec and ...)".
            if let Some(at) = l.find(" ops; ") {
                l.truncate(at + 6);
                l.push_str("<TIME>");
            }
            for m in MONTHS {
                if let Some(at) = l.find(m) {
                    let date = &l[at..(at + 12).min(l.len())];
                    let b = date.as_bytes();
                    if b.len() == 12 && b[6] == b' ' && b[9] == b':' {
                        l.replace_range(at..at + 12, "<DATE>");
                    }
                }
            }
            for key in ["Access: 2", "Modify: ", "Change: ", " Birth: "] {
                if l.starts_with(key) && l.len() > 8 && l.as_bytes()[8].is_ascii_digit() {
                    l = format!("{}<STAMP>", &l[..8]);
                }
            }
            // qemu-img's snapshot dates: the list's DATE column, JSON's date-sec and date-nsec.
            if let Some(at) = l.find(" 20").filter(|at| l.as_bytes().get(at + 5) == Some(&b'-') && l.as_bytes().get(at + 14) == Some(&b':')) {
                l.replace_range(at + 1..(at + 20).min(l.len()), "<DATE>");
            }
            for key in ["\"date-sec\": ", "\"date-nsec\": "] {
                if let Some(at) = l.find(key) {
                    l.replace_range(at + key.len()..l.len() - usize::from(l.ends_with(',')), "<DATE>");
                }
            }
            if let Some(rest) = l.strip_prefix("Device: ") {
                l = format!("Device: <DEV>{}", rest.find('\t').map_or("", |i| &rest[i..]));
            }
            l
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The stand-ins for partitions were whole devices to libblkid, so the capture
/// lacks the tags real partitions get (the case's note).
fn without_partition_tags(text: &str) -> String {
    text.split('\n')
        .map(|l| l.split(' ').filter(|w| !w.starts_with("PARTUUID=") && !w.starts_with("PART_ENTRY_")).collect::<Vec<_>>().join(" "))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The capture ran each command as `bash -c CMD`, whose error messages name
/// the line (`bash: line 1: ...`); an interactive shell does not.
fn capture_shell(expected: &str) -> String {
    expected.replace("bash: line 1: ", "bash: ")
}

/// Rewrites a fixture captured without device-mapper into what an active host shows.
fn real_host(expected: &str) -> String {
    // Note: "lv_attr chars 5-6 are 'XX' ... a real host shows 'a-' there".
    let text = expected.replace("-wi-XX----", "-wi-a-----");
    // Note: "lvscan says 'inactive' ... a real host shows 'ACTIVE'".
    let text = text.replace("  inactive          '", "  ACTIVE            '");
    // Note (lvresize): "-r/--resizefs: here it fails with 'must be activated before
    // resizing filesystem'; a real host with an active LV runs fsadm on the LV
    // instead; with no filesystem fsadm errors out with 'Cannot get FSTYPE of
    // \"<device>\".'". fsadm names the device by its /dev/mapper path (it resolves
    // /dev/VG/LV through /sys/block/dm-N/dm/name), prints on stderr without lvm's
    // indent, and lvm then reports the failed check.
    text.split('\n')
        .map(|l| {
            let inactive = l.strip_prefix("  Logical volume ").and_then(|r| r.strip_suffix(" must be activated before resizing filesystem."));
            match inactive.and_then(|lv| lv.split_once('/')) {
                Some((vg, lv)) => format!(
                    "fsadm: Cannot get FSTYPE of \"/dev/mapper/{}-{}\".\n  Filesystem check failed.",
                    vg.replace('-', "--"),
                    lv.replace('-', "--")
                ),
                None => l.to_string(),
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Removes what only an active host prints and the fixtures cannot contain.
fn without_activation_lines(ours: &str) -> String {
    // Note: "lvdisplay: with activation disabled the 'LV Status', '# open' and
    // 'Block device' lines are missing".
    ours.split('\n')
        .filter(|l| {
            !(l.starts_with("  LV Status ") || l.starts_with("  # open ") || l.starts_with("  - currently set to") || l.starts_with("  Block device "))
        })
        .map(|l| {
            // Note: "lvreduce and lvremove never prompt (they only prompt for active LVs)".
            let mut l = l.to_string();
            while let Some(start) = l.find("Do you really want to remove active logical volume") {
                let end = l[start..].find("[y/n]: ").map_or(l.len(), |e| start + e + 7);
                l.replace_range(start..end, "");
            }
            if let Some(start) = l.find("Do you really want to reduce") {
                let end = l[start..].find("[y/n]: ").map_or(l.len(), |e| start + e + 7);
                l.replace_range(start..end, "");
            }
            l
        })
        .filter(|l| !(l.starts_with("  WARNING: Reducing active") || l == "  THIS MAY DESTROY YOUR DATA (filesystem etc.)"))
        // capture-lvm.sh's STRIP_PATTERNS: what only a host without
        // device-mapper prints, removed from the captures too.
        .filter(|l| !(l == "  WARNING: Activation disabled. No device-mapper interaction will be attempted." || (l.starts_with("  WARNING: Logical volume ") && l.ends_with(" not zeroed."))))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Runs one step on the shell as the real tool saw it: the command with the
/// rest of its typed text, its stdin lines, then end of input.
fn run_step(shell: &mut Shell, step: &Step, lvm: bool) -> (String, i32) {
    let mut command = step.command.clone();
    if lvm {
        let (host, release, version) = LVM_CAPTURE_HOST;
        shell.machine.set_host(host, release, version);
        // Note (two-pv-vg, lvremove-rename): on an active host vgremove and lvremove
        // ask again for each ACTIVE LV; `yes` answers them all, which is what the
        // single 'y' did on the inactive capture host. A single 'n' to the first
        // question gives the same refusal on both hosts, so it stays.
        for c in ["vgremove", "lvremove", "lvreduce"] {
            command = command.replace(&format!("echo y | {c}"), &format!("yes | {c}"));
        }
        // Note (lvresize): "the 'echo n' variant REDUCES the LV" on the capture host,
        // which never asked; answering yes keeps the active host on the same path.
        command = command.replace("echo n | lvreduce", "yes | lvreduce");
        // Note (lvremove-rename, lvresize): lvremove and a reduction (lvreduce, or
        // lvresize to a smaller size) prompt only for ACTIVE LVs, so the capture
        // never shows a prompt; answer it here. An extension asks nothing, so the
        // pipe is harmless there.
        let prompts = ["lvreduce", "lvremove", "lvresize"].iter().any(|c| command.starts_with(c));
        if prompts && !command.contains(" -y") && !command.contains(" -f") {
            command = format!("yes | {command}");
        }
    }
    let first = shell.run(&command);
    let mut text = first.text;
    let mut status = first.exit_status;
    // The rest of the typed command: bash reads it whatever the command does.
    for line in &step.typed {
        let o = shell.run(line);
        text.push_str(&o.text);
        status = o.exit_status;
    }
    for line in &step.stdin {
        if !shell.is_interactive() {
            break;
        }
        let o = shell.run(line);
        text.push_str(&o.text);
        status = o.exit_status;
    }
    if shell.is_interactive() {
        let mut o = shell.end_of_input();
        // Its errors in their place, as the command line shows them (cli.rs).
        o.join_errors();
        text.push_str(&o.text);
        status = o.exit_status;
    }
    (text, status)
}

/// The data/ fixtures made ext4 with E2FSPROGS_FAKE_TIME=1700000000, so every
/// timestamp in their superblocks is that instant.
const DATA_CLOCK: u64 = 1_700_000_000;

/// Devices a capture had to stand in for (see the case's note): on the capture
/// kernel, loop devices over byte ranges of loop0 played its partitions.
fn aliases(case: &str) -> &'static [(&'static str, &'static str)] {
    match case {
        "data/partition-signatures" => &[("/dev/loop1", "/dev/loop0p1"), ("/dev/loop2", "/dev/loop0p2")],
        _ => &[],
    }
}

fn apply_aliases(text: &str, aliases: &[(&str, &str)]) -> String {
    aliases.iter().fold(text.to_string(), |t, (from, to)| t.replace(from, to))
}

/// The step as this case runs it: the capture's device stand-ins renamed and
/// `bash -c`'s line numbers dropped.
fn localised(case: &str, step: &Step) -> Step {
    let alias = aliases(case);
    Step {
        command: apply_aliases(&step.command, alias),
        typed: step.typed.clone(),
        stdin: step.stdin.clone(),
        expected: capture_shell(&apply_aliases(&step.expected, alias)),
        exit: step.exit,
    }
}

/// Both outputs as compared: masked, and for lvm/ and data/ aliases cases
/// rewritten as their notes say.
fn comparable(case: &str, ours: &str, expected: &str, keep: &[String]) -> (String, String) {
    let (mut ours, mut expected) = (mask(ours, keep), mask(expected, keep));
    if !aliases(case).is_empty() {
        ours = without_partition_tags(&ours);
    }
    if case.starts_with("lvm/") {
        ours = without_activation_lines(&ours);
        expected = real_host(&expected);
    }
    (ours, expected)
}

/// Where two outputs first differ, with both lines quoted so that blank
/// space and a missing final newline show.
fn first_difference(expected: &str, ours: &str) -> String {
    let (e, o): (Vec<&str>, Vec<&str>) = (expected.split('\n').collect(), ours.split('\n').collect());
    let at = (0..e.len().max(o.len())).find(|i| e.get(*i) != o.get(*i)).unwrap_or(0);
    format!("first difference at line {}: real {:?}, simulator {:?}", at + 1, e.get(at), o.get(at))
}

/// Replays a case; returns a description of every mismatch. Outputs are
/// compared whole, blank lines and the final newline included.
pub fn replay(case: &Case, skip: &[&str]) -> Vec<String> {
    let disks = parse_disks(&case.disks).unwrap_or_default();
    let machine = match Machine::with_disks(7, &disks) {
        Ok(m) => m,
        Err(e) => return vec![format!("{}: cannot build machine: {e}", case.name)],
    };
    let keep = identifiers_set(case);
    let mut shell = Shell::new(machine);
    // The capture scripts run each command with its input from a file.
    shell.stdin_is_terminal = false;
    let mut problems = Vec::new();
    for step in &case.steps {
        if case.name.starts_with("data/") {
            // The shell ticks once as each command starts.
            shell.machine.set_clock(DATA_CLOCK - 1);
        }
        let step = localised(&case.name, step);
        let (ours, status) = run_step(&mut shell, &step, case.name.starts_with("lvm/"));
        let short = case.name.rsplit('/').next().unwrap_or_default();
        if skip.iter().any(|s| *s == format!("{short}: {}", step.command)) {
            continue;
        }
        let (ours, expected) = comparable(&case.name, &ours, &step.expected, &keep);
        if ours != expected {
            let why = first_difference(&expected, &ours);
            problems.push(format!("{} `{}`: {why}\n--- real\n{expected}\n--- simulator\n{ours}\n", case.name, step.command));
        } else if status != step.exit {
            problems.push(format!("{} `{}`: exit {status}, real tool exited {}", case.name, step.command, step.exit));
        }
    }
    problems
}
