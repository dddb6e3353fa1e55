//! The console: turns a typed line into a command on the `Machine`, and formats
//! what the real tool would print.
//!
//! `Shell::run` takes one line. At the top level the line is a command; while an
//! interactive tool is open (fdisk, sfdisk, a y/n question) the line is its answer.
//! Every result carries the text, the core's events and an exit status, so the
//! browser, the native CLI and the tests all see the same thing.

pub mod blkid;
pub mod dd;
pub mod fdisk;
pub mod fmt;
pub mod fs;
pub mod lsblk;
pub mod lvm2;
pub mod parted;
pub mod session;
pub mod sfdisk;
pub mod words;

use crate::core::disk::Transport;
use crate::core::units::parse_size_bytes;
use crate::core::{Event, Machine};

/// Longest line the console accepts; longer input is refused, not truncated.
pub const MAX_LINE_CHARS: usize = 4096;

/// What one line produced.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Output {
    pub text: String,
    pub events: Vec<Event>,
    pub exit_status: i32,
    /// `clear` or Ctrl-L: the console empties its screen.
    pub clear_screen: bool,
}

impl Output {
    fn text(text: impl Into<String>, exit_status: i32) -> Output {
        Output { text: text.into(), exit_status, ..Output::default() }
    }
}

/// An interactive tool waiting for its next input line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Interactive {
    Fdisk(fdisk::Session),
    Sfdisk(sfdisk::Session),
    Confirm(lvm2::Confirm),
}

/// The shell state: the machine, any open dialog, and the command history.
#[derive(Debug, Clone)]
pub struct Shell {
    pub machine: Machine,
    pub interactive: Option<Interactive>,
    pub history: Vec<String>,
}

/// Commands the console knows, for `help` and Tab completion.
pub const COMMANDS: &[&str] = &[
    "attach-disk", "blkid", "clear", "dd", "fdisk", "help", "history", "lsblk", "lvcreate", "lvdisplay",
    "lvextend", "lvreduce", "lvremove", "lvrename", "lvresize", "lvs", "mkfs.ext4", "mkfs.xfs", "mkswap",
    "mount", "parted", "pvcreate", "pvdisplay", "pvremove", "pvs", "sfdisk", "sudo", "swapon", "umount", "vgcreate",
    "vgdisplay", "vgextend", "vgreduce", "vgremove", "vgs",
];

const HELP: &str = "Storage Lab console. Commands behave like their Linux namesakes (sudo is optional).

  Block devices   lsblk [-f|-b|-J|-o COLS] [DEV]   blkid [DEV]
  Partitions      fdisk -l [DEV]   fdisk DEV   sfdisk DEV   sfdisk --dump|--json DEV
                  parted -s DEV mklabel gpt|msdos | mkpart NAME START END | print | rm N
  LVM             pvcreate pvs pvdisplay pvremove
                  vgcreate vgextend vgreduce vgremove vgs vgdisplay
                  lvcreate lvextend lvreduce lvresize lvremove lvrename lvs lvdisplay
  Filesystems     mkfs.ext4 DEV   mkswap DEV   mount DEV DIR   umount DIR|DEV   swapon DEV
  Data            dd if=/dev/zero of=DEV bs=1M count=N
  Lab             attach-disk sata|nvme SIZE   (plugs in a new blank disk)
  Console         help   history   clear (Ctrl-L)

Inside fdisk, type m for its own help. sfdisk reads script lines until 'write'.
";

impl Shell {
    pub fn new(machine: Machine) -> Shell {
        Shell { machine, interactive: None, history: Vec::new() }
    }

    /// The shell prompt shown before a top-level command.
    pub fn prompt(&self) -> String {
        format!("root@{}:~# ", self.machine.hostname())
    }

    pub fn is_interactive(&self) -> bool {
        self.interactive.is_some()
    }

    /// Runs one input line.
    pub fn run(&mut self, line: &str) -> Output {
        if line.chars().count() > MAX_LINE_CHARS {
            return Output::text(
                format!("storage-lab: line too long ({} characters; the limit is {MAX_LINE_CHARS})\n", line.chars().count()),
                2,
            );
        }
        if let Some(session) = self.interactive.take() {
            return self.answer(session, line);
        }
        let trimmed = line.trim();
        if trimmed.is_empty() {
            return Output::default();
        }
        self.history.push(trimmed.to_string());
        let parsed = match words::split(trimmed) {
            Ok(l) => l,
            Err(words::SplitError::UnterminatedQuote(q)) => {
                return Output::text(format!("bash: unexpected EOF while looking for matching `{q}'\n"), 2)
            }
            Err(words::SplitError::UnsupportedOperator(op)) => {
                return Output::text(format!("storage-lab: the shell operator '{op}' is not supported here\n"), 2)
            }
        };
        let mut args = parsed.words;
        while args.first().is_some_and(|w| w == "sudo") {
            args.remove(0);
        }
        let answer_all = parsed.stdin_from.as_ref().is_some_and(|s| s.first().is_some_and(|w| w == "yes"));
        let stdin: Option<String> = match parsed.stdin_from {
            None => None,
            Some(src) if src.first().is_some_and(|w| w == "echo" || w == "yes") => {
                Some(if src[0] == "yes" { "y".into() } else { src[1..].join(" ") })
            }
            Some(src) => {
                let name = src.first().cloned().unwrap_or_default();
                return Output::text(format!("storage-lab: only 'echo ... |' or 'yes |' can feed a command, not '{}'\n", printable(&name)), 2);
            }
        };
        let Some((cmd, rest)) = args.split_first() else { return Output::default() };
        let rest = rest.to_vec();
        let mut out = self.dispatch(cmd, &rest);
        if let Some(answer) = stdin {
            // `yes |` answers every question; `echo x |` answers one, then input ends.
            let mut first = true;
            while let Some(session) = self.interactive.take() {
                let more = if first || answer_all { self.answer(session, &answer) } else { self.end_session(session) };
                first = false;
                out.text.push_str(&more.text);
                out.events.extend(more.events);
                out.exit_status = more.exit_status;
            }
        }
        out
    }

    /// End of input (the CLI's stdin ran out): closes any open dialog the way the
    /// real tool reacts to EOF.
    pub fn end_of_input(&mut self) -> Output {
        match self.interactive.take() {
            Some(s) => self.end_session(s),
            None => Output::default(),
        }
    }

    fn end_session(&mut self, session: Interactive) -> Output {
        match session {
            Interactive::Fdisk(mut s) => {
                let r = s.end_of_input(&self.machine);
                Output { text: r.text, events: r.events, ..Output::default() }
            }
            Interactive::Sfdisk(mut s) => {
                let r = s.end_of_input(&mut self.machine);
                Output { text: r.text, events: r.events, ..Output::default() }
            }
            Interactive::Confirm(c) => lvm2::confirm_eof(c),
        }
    }

    fn answer(&mut self, session: Interactive, line: &str) -> Output {
        match session {
            Interactive::Fdisk(mut s) => {
                let r = s.answer(&mut self.machine, line);
                if !r.done {
                    self.interactive = Some(Interactive::Fdisk(s));
                }
                Output { text: r.text, events: r.events, ..Output::default() }
            }
            Interactive::Sfdisk(mut s) => {
                let r = s.answer(&mut self.machine, line);
                if !r.done {
                    self.interactive = Some(Interactive::Sfdisk(s));
                }
                Output { text: r.text, events: r.events, ..Output::default() }
            }
            Interactive::Confirm(c) => lvm2::confirm(self, c, line),
        }
    }

    fn dispatch(&mut self, cmd: &str, args: &[String]) -> Output {
        match cmd {
            "help" => Output::text(HELP, 0),
            "clear" => Output { clear_screen: true, ..Output::default() },
            "history" => {
                let text: String =
                    self.history.iter().enumerate().map(|(i, h)| format!("{:>5}  {h}\n", i + 1)).collect();
                Output::text(text, 0)
            }
            "lsblk" => {
                let (t, s) = lsblk::run(&self.machine, args);
                Output::text(t, s)
            }
            "fdisk" => self.fdisk(args),
            "parted" => { let (t, s) = parted::run(&mut self.machine, args); Output::text(t, s) }
            "sfdisk" => self.sfdisk(args),
            "attach-disk" => self.attach_disk(args),
            "echo" => Output::text(format!("{}\n", args.join(" ")), 0),
            "dd" => dd::run(&mut self.machine, args, None),
            "true" | ":" => Output::default(),
            "exit" | "logout" => Output::text("storage-lab: this console stays open; use Reset to start over\n", 0),
            _ => {
                if let Some(out) = lvm2::run(self, cmd, args) {
                    return out;
                }
                if let Some(out) = fs::run(&mut self.machine, cmd, args) {
                    return out;
                }
                if let Some(out) = blkid::run(&mut self.machine, cmd, args) {
                    return out;
                }
                Output::text(format!("bash: {}: command not found\n", printable(cmd)), 127)
            }
        }
    }

    fn fdisk(&mut self, args: &[String]) -> Output {
        let list = args.iter().any(|a| a == "-l" || a == "--list");
        let devices: Vec<String> = args.iter().filter(|a| !a.starts_with('-')).cloned().collect();
        if let Some(bad) = args.iter().find(|a| a.starts_with('-') && !matches!(a.as_str(), "-l" | "--list")) {
            return Output::text(format!("fdisk: invalid option -- '{}'\nTry 'fdisk --help' for more information.\n", bad.trim_start_matches('-')), 1);
        }
        if list {
            let (t, s) = fdisk::list(&self.machine, &devices);
            return Output::text(t, s);
        }
        let [dev] = devices.as_slice() else {
            return Output::text("fdisk: bad usage\nTry 'fdisk --help' for more information.\n", 1);
        };
        match fdisk::start(&mut self.machine, dev) {
            Ok((session, text, events)) => {
                self.interactive = Some(Interactive::Fdisk(session));
                Output { text, events, ..Output::default() }
            }
            Err(text) => Output::text(text, 1),
        }
    }

    fn sfdisk(&mut self, args: &[String]) -> Output {
        let devices: Vec<&String> = args.iter().filter(|a| !a.starts_with('-')).collect();
        let flag = args.iter().find(|a| a.starts_with('-')).map(String::as_str);
        let Some(dev) = devices.first() else {
            return Output::text("sfdisk: no disk device specified\nTry 'sfdisk --help' for more information.\n", 1);
        };
        let (t, s) = match flag {
            Some("-d" | "--dump") => sfdisk::dump(&self.machine, dev),
            Some("-J" | "--json") => sfdisk::json(&self.machine, dev),
            Some("-l" | "--list") => fdisk::list(&self.machine, &[dev.to_string()]),
            Some(other) => (format!("sfdisk: unsupported option '{other}' in this simulator\n"), 1),
            None => match sfdisk::start(&self.machine, dev) {
                Ok((session, text)) => {
                    self.interactive = Some(Interactive::Sfdisk(session));
                    (text, 0)
                }
                Err(e) => e,
            },
        };
        Output::text(t, s)
    }

    /// `attach-disk sata|nvme SIZE [NAME]`: the lab's way to plug in a disk.
    fn attach_disk(&mut self, args: &[String]) -> Output {
        let usage = "usage: attach-disk sata|nvme SIZE   (SIZE like 500G, 256G, 1T)\n";
        let (Some(kind), Some(size)) = (args.first(), args.get(1)) else { return Output::text(usage, 2) };
        let transport = match kind.as_str() {
            "sata" | "sd" | "scsi" => Transport::Sata,
            "nvme" => Transport::Nvme,
            _ => return Output::text(usage, 2),
        };
        let bytes = match parse_size_bytes(size) {
            Ok(b) => b,
            Err(e) => return Output::text(format!("attach-disk: {e}\n"), 2),
        };
        if bytes > 64 * crate::core::units::TIB {
            return Output::text("attach-disk: the lab's disks are at most 64T\n", 2);
        }
        let name = args.get(2).cloned().unwrap_or_else(|| self.machine.next_disk_name(transport));
        let model = match transport {
            Transport::Nvme => "QEMU NVMe Ctrl",
            _ => "QEMU HARDDISK",
        };
        match self.machine.attach_disk(&name, bytes, Some(model.into())) {
            Ok(events) => {
                let sectors = bytes / 512;
                let gb = bytes as f64 / 1e9;
                let pretty = fmt::human_size(bytes, fmt::SizeStyle::Iec);
                let text = match transport {
                    Transport::Nvme => format!("nvme {}: {sectors} 512-byte logical blocks: ({} GB/{pretty})\n", name.trim_end_matches("n1"), fmt::fixed(gb, 0)),
                    _ => format!("sd 2:0:0:0: [{name}] {sectors} 512-byte logical blocks: ({} GB/{pretty})\nsd 2:0:0:0: [{name}] Attached SCSI disk\n", fmt::fixed(gb, 0)),
                };
                Output { text, events, ..Output::default() }
            }
            Err(e) => Output::text(format!("attach-disk: {e}\n"), 1),
        }
    }
}

/// Replaces control characters so that junk input cannot garble the console.
pub fn printable(s: &str) -> String {
    s.chars().map(|c| if c.is_control() { '?' } else { c }).collect()
}

/// Completes the word at the end of `line`: a command name first, then device paths.
pub fn complete(machine: &Machine, line: &str) -> Vec<String> {
    let word_start = line.rfind(' ').map_or(0, |i| i + 1);
    let word = &line[word_start..];
    let first_word = !line[..word_start].trim().chars().any(|c| !c.is_whitespace())
        || line[..word_start].trim() == "sudo";
    let candidates: Vec<String> = if first_word {
        COMMANDS.iter().map(|c| c.to_string()).collect()
    } else {
        let mut paths: Vec<String> = Vec::new();
        for n in machine.block_tree() {
            collect_paths(&n, &mut paths);
        }
        for vg in &machine.lvm().vgs {
            paths.push(vg.name.clone());
            for lv in vg.lvs.iter().filter(|l| !l.is_hidden()) {
                paths.push(format!("/dev/{}/{}", vg.name, lv.name));
            }
        }
        crate::core::order::small_sort(&mut paths);
        paths.dedup();
        paths
    };
    candidates.into_iter().filter(|c| c.starts_with(word)).collect()
}

fn collect_paths(n: &crate::core::machine::BlockNode, out: &mut Vec<String>) {
    out.push(n.path.clone());
    for c in &n.children {
        collect_paths(c, out);
    }
}
