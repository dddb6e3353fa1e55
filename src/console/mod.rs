//! The console: turns a typed line into a command on the `Machine`, and formats
//! what the real tool would print.
//!
//! `Shell::run` takes one line. At the top level the line is a command; while an
//! interactive tool is open (fdisk, sfdisk, a y/n question) the line is its answer.
//! Every result carries the text, the core's events and an exit status, so the
//! browser, the native CLI and the tests all see the same thing.

pub mod blkid;
pub mod dd;
pub mod dump;
#[cfg(feature = "e2fs-tools")]
pub mod e2fs; #[cfg(feature = "e2fs-extras")] mod e2fs_extras;
pub mod hexdump;
#[cfg(feature = "xxd")]
mod xxd;
#[cfg(feature = "file-magic")]
mod file;
pub mod fdisk;
pub mod fmt;
pub mod files;
pub mod fs;
#[cfg(feature = "xfs")]
pub mod mkfs_xfs;
pub mod fuzzing;
#[cfg(feature = "loop-devices")]
pub mod losetup;
#[cfg(feature = "loop-devices")]
pub mod nbd;
pub mod lsblk;
pub mod lvm2;
pub mod mounts;
pub mod parted;
#[cfg(feature = "mount-table")]
pub mod findmnt;
#[cfg(feature = "mount-table")]
pub mod fstab;
#[cfg(feature = "mount-table")]
pub mod procfs;
pub mod qemu_img;
pub mod qemu_io;
#[cfg(feature = "grep-regex")]
pub mod regex;
pub mod session;
pub mod sfdisk;
pub mod syntax;
pub mod version;
pub mod exec;
pub mod builtins;
#[cfg(feature = "shell-scripts")]
pub mod arith;
#[cfg(feature = "shell-scripts")]
pub mod braces;
#[cfg(feature = "shell-scripts")]
pub mod compound;
#[cfg(feature = "shell-scripts")]
pub mod control;
#[cfg(feature = "shell-scripts")]
pub mod params;
#[cfg(feature = "shell-scripts")]
pub mod conditional;
#[cfg(feature = "shell-scripts")]
pub mod printf;
#[cfg(feature = "shell-scripts")]
pub mod textutils;
pub mod cnum;
#[cfg(feature = "zfs")]
pub mod hwraid;
#[cfg(feature = "zfs")]
pub mod sums;
#[cfg(feature = "zfs")]
pub mod zfs;

use crate::core::disk::Transport;
use crate::core::libfdisk::wipe::WipeMode;
use crate::core::units::parse_size_bytes;
use crate::core::{Event, Machine};

/// Longest line the console accepts; longer input is refused, not truncated.
pub const MAX_LINE_CHARS: usize = 4096;

/// Longest command read over several lines (a compound command, a quote
/// left open): each new line parses the whole text again.
#[cfg(feature = "shell-scripts")]
pub const MAX_COMMAND_BYTES: usize = 16 << 10;

/// The most one command reads from a device, a file or a pipe, and writes to
/// the terminal or a pipe: the lab has no endless streams, so `cat /dev/urandom`
/// or `dd if=/dev/zero` with no count stop here instead of freezing the page.
pub const STREAM_LIMIT_BYTES: u64 = 16 << 20;

/// Natively, a dialog marks what it writes on standard error between these
/// two characters (see `Output::from_marked`).
#[cfg(feature = "shell-scripts")]
pub(crate) const ERR_START: char = '\u{2}';
#[cfg(feature = "shell-scripts")]
pub(crate) const ERR_END: char = '\u{3}';

/// What one line produced.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Output {
    /// Standard output; at the prompt, standard error is shown before it.
    pub text: String,
    /// Standard error, kept apart so `>` and pipes leave it on the screen.
    pub err: String,
    /// Standard output as bytes, when they are not text (`head -c N /dev/urandom`);
    /// pipes and redirections take these, the screen shows `text`.
    pub raw: Option<Vec<u8>>,
    pub events: Vec<Event>,
    pub exit_status: i32,
    /// `clear` or Ctrl-L: the console empties its screen.
    pub clear_screen: bool,
    /// Both streams in the order they were written, kept by a tool that
    /// flushes its output before each error (lvm2, fdisk's dialog); the
    /// terminal and a file that gets both (`2>&1`) show this. None: errors
    /// first, as a tool whose buffered output comes out at its exit.
    #[cfg(feature = "shell-scripts")]
    pub both: Option<String>,
}

impl Output {
    fn text(text: impl Into<String>, exit_status: i32) -> Output {
        Output { text: text.into(), exit_status, ..Output::default() }
    }

    /// An error message on standard error.
    pub fn error(err: impl Into<String>, exit_status: i32) -> Output {
        Output { err: err.into(), exit_status, ..Output::default() }
    }

    /// Output of bytes: text when they are UTF-8, else kept raw.
    pub fn bytes(bytes: Vec<u8>) -> Output {
        match String::from_utf8(bytes) {
            Ok(text) => Output { text, ..Output::default() },
            Err(e) => {
                let raw = e.into_bytes();
                // The terminal shows the first MiB of binary output: converting all
                // of dd's 64 MiB of /dev/urandom for display took 0.8 s natively.
                let shown = &raw[..raw.len().min(1 << 20)];
                Output { text: String::from_utf8_lossy(shown).into_owned(), raw: Some(raw), ..Output::default() }
            }
        }
    }

    /// What goes down a pipe or into a file.
    pub fn stdout_bytes(&mut self) -> Vec<u8> {
        let text = std::mem::take(&mut self.text);
        self.raw.take().unwrap_or_else(|| text.into_bytes())
    }

    /// Adds an error message after what was already written, keeping the
    /// order for the terminal (see `both`). The browser keeps it with the
    /// output: its console shows one stream, and the bytes went to the
    /// budget (as `join_errors` below).
    pub fn complain(&mut self, message: &str) {
        #[cfg(feature = "shell-scripts")]
        {
            let mut both = self.both.take().unwrap_or_else(|| format!("{}{}", self.err, self.text));
            both.push_str(message);
            self.both = Some(both);
            self.err.push_str(message);
        }
        #[cfg(not(feature = "shell-scripts"))]
        self.text.push_str(message);
    }

    /// Adds output after what was already written (see `complain`).
    pub fn say(&mut self, text: &str) {
        self.text.push_str(text);
        #[cfg(feature = "shell-scripts")]
        if let Some(both) = &mut self.both {
            both.push_str(text);
        }
    }

    /// Text whose marked pieces (`ERR_START` to `ERR_END`) are standard
    /// error, in the order written.
    #[cfg(feature = "shell-scripts")]
    pub fn from_marked(text: &str) -> Output {
        let mut out = Output::default();
        let mut rest = text;
        while let Some(start) = rest.find(ERR_START) {
            out.say(&rest[..start]);
            let error = &rest[start + ERR_START.len_utf8()..];
            let end = error.find(ERR_END).unwrap_or(error.len());
            out.complain(&error[..end]);
            rest = error.get(end + ERR_END.len_utf8()..).unwrap_or("");
        }
        out.say(rest);
        out
    }

    /// Both streams as the terminal shows them, in the order written.
    #[cfg(feature = "shell-scripts")]
    pub fn in_order(&self) -> String {
        self.both.clone().unwrap_or_else(|| format!("{}{}", self.err, self.text))
    }

    /// Standard error joined to the output as the terminal shows them.
    #[cfg(feature = "shell-scripts")]
    pub fn join_errors(&mut self) {
        if let Some(both) = self.both.take() {
            self.text = both;
            self.err.clear();
            return;
        }
        if !self.err.is_empty() {
            self.text = format!("{}{}", std::mem::take(&mut self.err), self.text);
        }
    }

    /// Adds what the end of a dialog's input printed; the status stays.
    pub fn then(&mut self, o: Output) {
        let status = self.exit_status;
        self.append(o);
        self.exit_status = status;
    }

    /// Adds what a later command printed; its status becomes the status.
    pub fn append(&mut self, o: Output) {
        #[cfg(feature = "shell-scripts")]
        if self.both.is_some() || o.both.is_some() {
            self.both = Some(self.in_order() + &o.in_order());
        }
        // Bytes that are not text (`printf '\x80'` in a loop) stay bytes.
        if self.raw.is_some() || o.raw.is_some() {
            let mut bytes = self.raw.take().unwrap_or_else(|| self.text.clone().into_bytes());
            bytes.extend(o.raw.unwrap_or_else(|| o.text.clone().into_bytes()));
            self.raw = Some(bytes);
        }
        self.text.push_str(&o.text);
        self.err.push_str(&o.err);
        self.events.extend(o.events);
        self.exit_status = o.exit_status;
        self.clear_screen |= o.clear_screen;
    }
}

/// `-l`, `-o COLUMNS` (`--output`, attached or not) and the devices of
/// `fdisk -l` and `sfdisk -l`.
fn list_args(tool: &str, args: &[String]) -> Result<ListArgs, Output> {
    #[cfg_attr(not(feature = "wipe-modes"), allow(unused_mut))]
    let (mut list, mut columns, mut devices, mut wipe) = (false, None, Vec::new(), WipeMode::Auto);
    let mut it = args.iter();
    while let Some(a) = it.next() {
        #[cfg(feature = "wipe-modes")]
        let wipe_arg = match a.as_str() {
            "-w" | "--wipe" => Some(it.next().map(String::as_str).ok_or_else(|| {
                Output::text(format!("{tool}: option requires an argument -- 'w'\nTry '{tool} --help' for more information.\n"), 1)
            })?),
            o => o.strip_prefix("--wipe=").or_else(|| o.strip_prefix("-w")),
        };
        #[cfg(feature = "wipe-modes")]
        if let Some(mode) = wipe_arg {
            wipe = WipeMode::parse(mode).ok_or_else(|| Output::text(format!("{tool}: unsupported wipe mode\n"), 1))?;
            continue;
        }
        match a.as_str() {
            "-l" | "--list" => list = true,
            "-o" | "--output" => match it.next() {
                Some(v) => columns = Some(v.clone()),
                None => return Err(Output::text(format!("{tool}: option requires an argument -- 'o'\nTry '{tool} --help' for more information.\n"), 1)),
            },
            o if o.starts_with("--output=") => columns = Some(o["--output=".len()..].to_string()),
            o if o.starts_with("-o") => columns = Some(o[2..].to_string()),
            o if o.starts_with("--") && o.len() > 2 => {
                return Err(Output::text(format!("{tool}: unrecognized option '{o}'\nTry '{tool} --help' for more information.\n"), 1));
            }
            o if o.starts_with('-') && o.len() > 1 => {
                let c: String = o.chars().nth(1).map(String::from).unwrap_or_default();
                return Err(Output::text(format!("{tool}: invalid option -- '{c}'\nTry '{tool} --help' for more information.\n"), 1));
            }
            dev => devices.push(dev.to_string()),
        }
    }
    Ok(ListArgs { list, columns, devices, wipe })
}

/// fdisk's command line, as far as the lab reads it.
struct ListArgs {
    list: bool,
    columns: Option<String>,
    devices: Vec<String>,
    wipe: WipeMode,
}

/// An interactive tool waiting for its next input line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Interactive {
    Fdisk(fdisk::Session),
    Sfdisk(sfdisk::Session),
    Confirm(lvm2::Confirm),
    QemuIo(qemu_io::Session),
    /// mkfs.ext4 (its arguments) waiting for the answer to "Proceed anyway?".
    #[cfg(feature = "mke2fs-options")]
    Mkfs(Vec<String>),
}

/// A command line waiting for the bodies of its here-documents.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingHereDocs {
    list: syntax::List,
    /// Each here-document's tag and whether leading tabs are stripped.
    tags: Vec<(String, bool)>,
    /// The bodies collected so far; the last one is being read.
    bodies: Vec<String>,
}

/// The shell state: the machine, any open dialog or here-document, the working
/// directory and the command history.
#[derive(Debug, Clone)]
pub struct Shell {
    pub machine: Machine,
    pub interactive: Option<Interactive>,
    pub heredoc: Option<PendingHereDocs>,
    /// A command line that goes on in the next line (a trailing `\`, an open
    /// quote, a trailing `|`): what is read of it so far.
    #[cfg(feature = "shell-scripts")]
    pub continued: Option<String>,
    pub cwd: String,
    pub history: Vec<String>,
    /// The exit status of the last command line, for `$?`.
    pub last_status: i32,
    /// Shell variables (`NAME=VALUE`, `export`), for `$NAME`, in the order
    /// they were set (a few, so a list: a BTreeMap measured 3.1 KB gzipped
    /// more in the browser build).
    #[cfg(feature = "shell-scripts")]
    pub vars: Vec<(String, String)>,
    /// `set -e`, `-o pipefail`, `-x` and `-u`.
    #[cfg(feature = "shell-scripts")]
    pub options: builtins::SetOptions,
    /// The status the script ended with (`exit N`, or a failure under `set -e`):
    /// no later line runs.
    #[cfg(feature = "shell-scripts")]
    pub exited: Option<i32>,
    /// Loops, tests and jumps of the compound commands running now.
    #[cfg(feature = "shell-scripts")]
    pub flow: control::Flow,
    /// Functions defined so far, by name.
    #[cfg(feature = "shell-scripts")]
    pub functions: Vec<(String, compound::Compound)>,
    /// Whether the running command's standard output is the terminal (not
    /// a pipe, a file or `$(...)`): `zfs send` refuses to write there.
    #[cfg(feature = "zfs")]
    pub stdout_is_terminal: bool,
    /// Whether commands read a terminal when nothing is piped in: true in the
    /// console; false to replay captures made with input from a file.
    #[cfg(feature = "mke2fs-options")]
    pub stdin_is_terminal: bool,
    /// `$1`, `$2`, ...: the running function's arguments, or what `set --` gave.
    #[cfg(feature = "shell-scripts")]
    pub positional: Vec<String>,
}

/// Commands the console knows, for `help` and Tab completion.
pub const COMMANDS: &[&str] = &[
    "attach-disk", "blkid", "cat", "cd", "clear", "cp", "dd", "df", "du", "echo", "fallocate", "fdisk", "grep", "hd",
    "head", "help", "hexdump", "history", "ls", "lsblk", "lvcreate", "lvdisplay", "lvextend", "lvreduce", "lvremove",
    "lvrename", "lvresize", "lvs", "mkdir", "mkfs.ext4", "mkfs.xfs", "mkswap", "mount", "mv", "parted", "printf",
    "pvcreate", "pvdisplay", "pvremove", "pvs", "pwd", "qemu-img", "qemu-io", "rm", "rmdir", "sfdisk", "stat", "sudo", "swapoff", "swapon",
    "sync", "tail", "touch", "tr", "truncate", "umount", "vgcreate", "vgdisplay", "vgextend", "vgreduce", "vgremove", "vgs",
    "wc", "wipefs", "xxd", "yes",
];

/// Commands of the `zfs` feature, kept out of the browser build for now
/// (md5sum and sha256sum, mostly for ZFS files, with them: the md-5 and sha2
/// code would take the bundle past 400 KiB).
#[cfg(feature = "zfs")]
const ZFS_COMMANDS: &[&str] = &["arc_summary", "hwraid", "md5sum", "sha256sum", "zdb", "zfs", "zinject", "zpool"];
#[cfg(not(feature = "zfs"))]
const ZFS_COMMANDS: &[&str] = &[];

#[cfg(feature = "thin-snapshots")]
const SNAPSHOT_COMMANDS: &[&str] = &["lvconvert"];
#[cfg(feature = "e2fs-tools")]
const E2FS_COMMANDS: &[&str] = &["e2fsck", "resize2fs"];
#[cfg(feature = "file-magic")]
const FILE_COMMANDS: &[&str] = &["file"];
#[cfg(not(feature = "file-magic"))]
const FILE_COMMANDS: &[&str] = &[];
#[cfg(not(feature = "e2fs-tools"))]
const E2FS_COMMANDS: &[&str] = &[];
#[cfg(not(feature = "thin-snapshots"))]
const SNAPSHOT_COMMANDS: &[&str] = &[];

#[cfg(feature = "thin-snapshots")]
const HELP_SNAPSHOTS: &str = "                  lvcreate -s VG/THIN_LV (a thin snapshot)   lvconvert --merge VG/SNAPSHOT (roll back)
";

#[cfg(feature = "zfs")]
const HELP_ZFS: &str = "  Checksums       md5sum FILE   sha256sum FILE
  ZFS             zpool create [-f] NAME [mirror|raidz1] DEVS   zpool status [-v] | list | scrub | clear
                  zpool offline|online|attach|detach|replace   zpool destroy NAME
                  zfs create [-V SIZE] NAME   zfs list [-t all]   zfs snapshot DS@SNAP
                  zfs rollback [-r] DS@SNAP   zfs destroy [-r] NAME   zfs get|set PROP[=VAL] NAME
                  arc_summary [-s arc|archits] [-g]   cat /proc/spl/kstat/zfs/arcstats (the read cache)
  Hardware RAID   attach-disk raid1 SIZE (a controller's mirrored drive: Linux sees one disk)
                  hwraid [show]   hwraid rot DISK MEMBER [OFFSET]   hwraid check DISK   hwraid fail DISK MEMBER
";

const HELP: &str = "Storage Lab console. Commands behave like their Linux namesakes (sudo is optional).

  Block devices   lsblk [-f|-b|-J|-o COLS] [DEV]   blkid [DEV]   wipefs [-a] DEV
  Partitions      fdisk -l [DEV]   fdisk DEV   sfdisk DEV   sfdisk --dump|--json DEV
                  parted -s DEV mklabel gpt|msdos | mkpart NAME START END | print | rm N
  LVM             pvcreate pvs pvdisplay pvremove
                  vgcreate vgextend vgreduce vgremove vgs vgdisplay
                  lvcreate lvextend lvreduce lvresize lvremove lvrename lvs lvdisplay
  Filesystems     mkfs.ext4 DEV   mkswap DEV   mount DEV DIR   umount DIR|DEV   swapon DEV   df -h
  Files           ls -ls   stat   du -h   cat   echo TEXT > FILE   cp   mv   rm   mkdir -p   truncate -s   fallocate -l
  Images          qemu-img create -f raw|qcow2 [-o cluster_size=N] FILE SIZE   qemu-img info [--output=json] FILE
  Bytes           dd if=/dev/zero of=DEV bs=1M count=N   hexdump -C [-s N] [-n N] DEV
  Shell           pipes (printf ... | fdisk DEV), here-documents (sfdisk DEV <<EOF), > >> < ; && ||
  Lab             attach-disk sata|nvme SIZE   (plugs in a new blank disk)
  Console         help   history   clear (Ctrl-L)

Inside fdisk, type m for its own help. sfdisk reads script lines until 'write'.
";

#[cfg(feature = "loop-devices")]
const HELP_LOOPS: &str = "  Images as disks losetup -fP --show FILE   losetup -a | -l | -d DEV
                  modprobe nbd max_part=8   qemu-nbd -c /dev/nbd0 FILE   qemu-nbd -d /dev/nbd0
";

fn help_text() -> String {
    #[cfg_attr(not(any(feature = "loop-devices", feature = "thin-snapshots", feature = "e2fs-tools")), allow(unused_mut))]
    let mut text = HELP.to_string();
    #[cfg(feature = "thin-snapshots")]
    {
        text = text.replacen("  Filesystems", &format!("{HELP_SNAPSHOTS}  Filesystems"), 1);
    }
    #[cfg(feature = "loop-devices")]
    {
        text = text.replacen("  Bytes", &format!("{HELP_LOOPS}  Bytes"), 1);
    }
    #[cfg(feature = "e2fs-tools")]
    {
        text = text.replacen("df -h\n", "df -h\n                  resize2fs DEV [SIZE]   e2fsck -f DEV\n", 1);
    }
    #[cfg(feature = "zfs")]
    {
        text = text.replacen("  Bytes", &format!("{HELP_ZFS}  Bytes"), 1);
    }
    #[cfg(feature = "shell-scripts")]
    {
        text = text.replacen("; && ||\n", "; && ||\n                  NAME=VALUE $NAME ${NAME} export unset   $(COMMAND)   set -e|-u|-x|-o pipefail   exit [N]\n                  a trailing \\, an open quote or a trailing | && || continues a line\n                  for NAME in WORDS; do ...; done   while|until LIST; do ...; done   break continue\n                  if LIST; then ...; elif ...; else ...; fi   case W in P|P) ...;; esac   { LIST; }   ( LIST )\n                  NAME() { ...; }  local return shift $1 $# \"$@\" set --   ! CMD   test [ ]   [[ ]]   read [-r] NAME...\n                  printf [-v NAME] FORMAT ARGS (%-10s %5d %x %.2f %q %b)\n                  $((EXPR))   (( EXPR ))   for (( I; T; S ))   ${NAME:-W} := :+ :? # ## % %% / // :OFF:LEN ^^ ,,\n", 1);
    }
    text
}

/// What a command of a feature this build leaves out belongs to: the
/// browser says where to find it rather than "command not found".
fn native_only(cmd: &str) -> Option<&'static str> {
    match cmd {
        "zpool" | "zfs" | "zdb" | "zinject" if !cfg!(feature = "zfs") => Some("ZFS (the course's section 3) is"),
        "losetup" | "qemu-nbd" if !cfg!(feature = "loop-devices") => Some("attaching images as disks is"),
        "partprobe" if !cfg!(feature = "partprobe") => Some("partprobe is"),
        "resize2fs" | "e2fsck" | "fsck.ext4" if !cfg!(feature = "e2fs-tools") => Some("resize2fs and e2fsck are (lvextend -r resizes the filesystem in the browser)"),
        "vgrename" if !cfg!(feature = "vgrename") => Some("vgrename is"),
        "vgcfgbackup" | "vgscan" | "lvscan" if !cfg!(feature = "lvm-extras") => Some("this lvm2 command is"),
        "lvconvert" if !cfg!(feature = "thin-snapshots") => Some("thin snapshot merges are"),
        "findmnt" if !cfg!(feature = "mount-table") => Some("findmnt is (mount lists the mounts in the browser)"),
        "xxd" if !cfg!(feature = "xxd") => Some("xxd is (hexdump -C shows the same bytes in the browser)"),
        "file" if !cfg!(feature = "file-magic") => Some("file is (qemu-img info and blkid name what an image or device holds in the browser)"),
        "export" | "unset" | "for" | "while" | "until" | "if" | "test" | "[" if !cfg!(feature = "shell-scripts") => Some("shell scripting is"),
        _ if !cfg!(feature = "shell-scripts") && cmd.contains('=') => Some("shell scripting is"),
        _ => None,
    }
}

/// Lines fed to a dialog from `yes` before the simulator gives up.
const MAX_FED_LINES: usize = 10_000;

impl Shell {
    pub fn new(machine: Machine) -> Shell {
        Shell { machine, interactive: None, heredoc: None,
            #[cfg(feature = "shell-scripts")]
            continued: None,
            cwd: "/root".into(), history: Vec::new(), last_status: 0,
            #[cfg(feature = "shell-scripts")]
            vars: Vec::new(),
            #[cfg(feature = "shell-scripts")]
            options: builtins::SetOptions::default(),
            #[cfg(feature = "shell-scripts")]
            exited: None,
            #[cfg(feature = "shell-scripts")]
            flow: control::Flow::default(),
            #[cfg(feature = "shell-scripts")]
            functions: Vec::new(),
            #[cfg(feature = "shell-scripts")]
            positional: Vec::new(),
            #[cfg(feature = "zfs")]
            stdout_is_terminal: false,
            #[cfg(feature = "mke2fs-options")]
            stdin_is_terminal: true,
        }
    }

    /// The shell prompt shown before a top-level command (bash's PS1).
    pub fn prompt(&self) -> String {
        let dir = if self.cwd == "/root" { "~".to_string() } else { self.cwd.clone() };
        format!("root@{}:{dir}# ", self.machine.hostname())
    }

    /// What the console shows before the next input: PS1, bash's `> ` while a
    /// here-document is open, or nothing when a dialog's question ends the output.
    pub fn input_prompt(&self) -> String {
        if self.heredoc.is_some() || self.continues() {
            "> ".into()
        } else if self.interactive.is_some() {
            String::new()
        } else {
            self.prompt()
        }
    }

#[cfg(feature = "shell-scripts")]
    /// A variable's value: set ones, then the login environment bash starts
    /// with; unset ones are empty.
    pub fn var(&self, name: &str) -> String {
        if let Ok(n) = name.parse::<usize>() {
            return if n == 0 { "bash".into() } else { self.positional.get(n - 1).cloned().unwrap_or_default() };
        }
        if let Some((_, v)) = self.vars.iter().find(|(n, _)| n == name) {
            return v.clone();
        }
        match name {
            "#" => self.positional.len().to_string(),
            "@" | "*" => self.positional.join(" "),
            // The shell's process ID: the lab runs one shell, always this one.
            "$" => "1734".into(),
            "HOME" => "/root".into(),
            "PWD" => self.cwd.clone(),
            "USER" | "LOGNAME" => "root".into(),
            "SHELL" => "/bin/bash".into(),
            "IFS" => " \t\n".into(),
            "HOSTNAME" => self.machine.hostname().to_string(),
            "PATH" => "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin".into(),
            _ => String::new(),
        }
    }

#[cfg(feature = "shell-scripts")]
    /// True for a variable set in the shell or in the login environment.
    pub fn is_set(&self, name: &str) -> bool {
        // The login environment's values are never empty.
        if let Ok(n) = name.parse::<usize>() {
            return n <= self.positional.len();
        }
        self.vars.iter().any(|(n, _)| n == name) || !self.var(name).is_empty() || matches!(name, "#" | "@" | "*")
    }

    #[cfg(feature = "shell-scripts")]
    /// Sets a shell variable (`value: None` unsets it).
    pub fn set_var(&mut self, name: &str, value: Option<String>) {
        self.vars.retain(|(n, _)| n != name);
        if let Some(v) = value {
            self.vars.push((name.to_string(), v));
        }
    }

    /// Whether the running command talks to the terminal on both standard
    /// input and output (mke2fs asks its question only then).
    #[cfg(feature = "mke2fs-options")]
    fn output_is_terminal(&self) -> bool {
        #[cfg(all(feature = "zfs", feature = "shell-scripts"))]
        return self.stdin_is_terminal && self.stdout_is_terminal;
        #[cfg(not(all(feature = "zfs", feature = "shell-scripts")))]
        self.stdin_is_terminal
    }

    /// True while the next line answers something rather than being a command.
    pub fn is_interactive(&self) -> bool {
        self.interactive.is_some() || self.heredoc.is_some() || self.continues()
    }

    /// True while a command line goes on in the next line.
    fn continues(&self) -> bool {
        #[cfg(feature = "shell-scripts")]
        return self.continued.is_some();
        #[cfg(not(feature = "shell-scripts"))]
        false
    }

    /// An absolute path for `path`, relative to the working directory.
    pub fn abs(&self, path: &str) -> String {
        if path.starts_with('/') {
            path.to_string()
        } else {
            format!("{}/{path}", self.cwd.trim_end_matches('/'))
        }
    }

    /// Runs one input line.
    pub fn run(&mut self, line: &str) -> Output {
        let mut out = self.run_line(line);
        // A dialog's answers come here without passing the shell's joining
        // (in the browser, dialogs keep their complaints with their output).
        #[cfg(feature = "shell-scripts")]
        out.join_errors();
        self.note_images(&mut out.events);
        out
    }

    /// Adds the new layout of every disk image the command changed, for
    /// Figure 5 (a removed image keeps its `FileRemoved`).
    #[cfg_attr(not(feature = "loop-devices"), allow(clippy::needless_pass_by_ref_mut))]
    fn note_images(&mut self, events: &mut Vec<Event>) {
        #[cfg(feature = "loop-devices")]
        let through_loops = self.machine.take_loop_writes();
        let mut paths: Vec<&str> = Vec::new();
        for e in events.iter() {
            if let Event::FileCreated { path, .. } | Event::FileWritten { path, .. } | Event::FileResized { path, .. } = e {
                if crate::core::image::is_image_path(path) && !paths.contains(&path.as_str()) {
                    paths.push(path);
                }
            }
        }
        #[cfg(feature = "loop-devices")]
        for path in &through_loops {
            if crate::core::image::is_image_path(path) && !paths.contains(&path.as_str()) {
                paths.push(path);
            }
        }
        let layouts: Vec<Event> = paths.iter().filter_map(|p| crate::core::image::layout(&self.machine, p)).map(|layout| Event::ImageLaidOut { layout }).collect();
        events.extend(layouts);
    }

    fn run_line(&mut self, line: &str) -> Output {
        #[cfg(feature = "shell-scripts")]
        if self.exited.is_some() {
            return Output::default();
        }
        if line.chars().count() > MAX_LINE_CHARS {
            return Output::text(
                format!("storage-lab: line too long ({} characters; the limit is {MAX_LINE_CHARS})\n", line.chars().count()),
                2,
            );
        }
        if let Some(pending) = self.heredoc.take() {
            return self.heredoc_line(pending, line);
        }
        if let Some(session) = self.interactive.take() {
            // The tool's exit status once its last question is answered.
            let out = self.answer(session, line);
            if self.interactive.is_none() {
                self.last_status = out.exit_status;
            }
            return out;
        }
        #[cfg(feature = "shell-scripts")]
        let joined = match self.continued.take() {
            Some(head) if head.len() + line.len() > MAX_COMMAND_BYTES => {
                return Output::text(format!("storage-lab: command too long (more than {MAX_COMMAND_BYTES} bytes over several lines)\n"), 2);
            }
            Some(head) => head + line,
            None => line.to_string(),
        };
        #[cfg(feature = "shell-scripts")]
        let line = joined.as_str();
        // Trailing blanks stay for the parser: `\ ` at the end is a quoted blank.
        #[cfg(feature = "shell-scripts")]
        let text = line.trim_start();
        #[cfg(feature = "shell-scripts")]
        let trimmed = text.trim_end();
        #[cfg(not(feature = "shell-scripts"))]
        let trimmed = line.trim();
        if trimmed.is_empty() {
            return Output::default();
        }
        #[cfg(feature = "shell-scripts")]
        let parsed = syntax::parse_more(text);
        #[cfg(feature = "shell-scripts")]
        if let Err(syntax::SyntaxError::Incomplete(head)) = parsed {
            self.continued = Some(head);
            return Output::default();
        }
        self.history.push(trimmed.to_string());
        self.machine.tick();
        #[cfg(not(feature = "shell-scripts"))]
        let parsed = syntax::parse(trimmed);
        let list = match parsed {
            Ok(l) => l,
            Err(e) => {
                #[cfg(feature = "shell-scripts")]
                {
                    self.last_status = 2;
                }
                return Output::text(format!("{}\n", printable(&e.to_string())), 2);
            }
        };
        let tags = syntax::here_docs(&list);
        if !tags.is_empty() {
            self.heredoc = Some(PendingHereDocs { list, tags, bodies: vec![String::new()] });
            return Output::default();
        }
        exec::run_list(self, &list, &[])
    }

    /// A line of an open here-document: its tag closes it.
    fn heredoc_line(&mut self, mut p: PendingHereDocs, line: &str) -> Output {
        let i = p.bodies.len() - 1;
        let (tag, strip_tabs) = p.tags[i].clone();
        let text = if strip_tabs { line.trim_start_matches('\t') } else { line };
        if text != tag {
            p.bodies[i].push_str(text);
            p.bodies[i].push('\n');
            self.heredoc = Some(p);
            return Output::default();
        }
        if p.bodies.len() < p.tags.len() {
            p.bodies.push(String::new());
            self.heredoc = Some(p);
            return Output::default();
        }
        #[cfg(feature = "shell-scripts")]
        syntax::fill_here_docs(&mut p.list, &p.bodies);
        exec::run_list(self, &p.list, &p.bodies)
    }

    /// End of input (the CLI's stdin ran out): a here-document is cut short as
    /// bash cuts it (with its warning), and an open dialog reacts to EOF as the
    /// real tool does.
    pub fn end_of_input(&mut self) -> Output {
        #[cfg(feature = "shell-scripts")]
        if let Some(text) = self.continued.take() {
            // bash runs a line cut after a trailing backslash.
            return match syntax::parse(&text) {
                Ok(list) => exec::run_list(self, &list, &[]),
                Err(e @ syntax::SyntaxError::UnterminatedQuote(_)) => Output::text(format!("{e}\n"), 2),
                Err(_) => Output::text(format!("{}\n", syntax::SyntaxError::Incomplete(String::new())), 2),
            };
        }
        if let Some(p) = self.heredoc.take() {
            let i = p.bodies.len() - 1;
            let warning = format!("bash: warning: here-document at line 1 delimited by end-of-file (wanted `{}')\n", p.tags[i].0);
            let mut bodies = p.bodies.clone();
            bodies.resize(p.tags.len(), String::new());
            #[cfg(feature = "shell-scripts")]
            let p = {
                let mut p = p;
                syntax::fill_here_docs(&mut p.list, &bodies);
                p
            };
            let mut out = exec::run_list(self, &p.list, &bodies);
            out.text = format!("{warning}{}", out.text);
            let rest = self.end_of_input();
            out.then(rest);
            return out;
        }
        match self.interactive.take() {
            Some(s) => self.end_session(s),
            None => Output::default(),
        }
    }

    fn end_session(&mut self, session: Interactive) -> Output {
        match session {
            Interactive::Fdisk(mut s) => {
                let r = s.end_of_input(&self.machine);
                Output { events: r.events, ..dialog_text(r.text) }
            }
            Interactive::Sfdisk(mut s) => {
                let r = s.end_of_input(&mut self.machine);
                Output { events: r.events, exit_status: r.status, ..dialog_text(r.text) }
            }
            Interactive::Confirm(c) => lvm2::confirm_eof(self, c),
            Interactive::QemuIo(s) => s.end_of_input(),
            #[cfg(feature = "mke2fs-options")]
            Interactive::Mkfs(_) => Output::text("\n", 1),
        }
    }

    fn answer(&mut self, session: Interactive, line: &str) -> Output {
        match session {
            Interactive::Fdisk(mut s) => {
                let r = s.answer(&mut self.machine, line);
                if !r.done {
                    self.interactive = Some(Interactive::Fdisk(s));
                }
                Output { events: r.events, exit_status: r.status, ..dialog_text(r.text) }
            }
            Interactive::Sfdisk(mut s) => {
                let r = s.answer(&mut self.machine, line);
                if !r.done {
                    self.interactive = Some(Interactive::Sfdisk(s));
                }
                Output { events: r.events, exit_status: r.status, ..dialog_text(r.text) }
            }
            Interactive::Confirm(c) => lvm2::confirm(self, c, line),
            Interactive::QemuIo(mut s) => {
                let (out, done) = s.answer(&mut self.machine, line);
                if !done {
                    self.interactive = Some(Interactive::QemuIo(s));
                }
                out
            }
            // proceed_question: only an answer starting with y or Y goes on.
            #[cfg(feature = "mke2fs-options")]
            Interactive::Mkfs(args) if line.starts_with(['y', 'Y']) => fs::mkfs_ext4_answered(&mut self.machine, &args),
            #[cfg(feature = "mke2fs-options")]
            Interactive::Mkfs(_) => Output::text("\n", 1),
        }
    }

    /// Feeds a command's standard input to the dialog it opened, line by line,
    /// then ends its input, as the tool reads a pipe or a file.
    pub(crate) fn feed_dialog(&mut self, input: &exec::Input, out: &mut Output) {
        let mut fed = 0;
        while self.interactive.is_some() && fed < MAX_FED_LINES {
            let Some(line) = input.line(fed) else { break };
            fed += 1;
            if let Some(session) = self.interactive.take() {
                let more = self.answer(session, &line);
                out.append(more);
            }
        }
        if let Some(session) = self.interactive.take() {
            let more = self.end_session(session);
            out.append(more);
        }
    }

    /// Runs one command with its standard input (None: the terminal). A dialog
    /// it opens reads that input and then sees its end.
    pub(crate) fn dispatch(&mut self, cmd: &str, args: &[String], stdin: Option<&exec::Input>) -> Output {
        let mut out = self.dispatch_tool(cmd, args, stdin);
        if let Some(input) = stdin {
            self.feed_dialog(input, &mut out);
        }
        #[cfg(feature = "loop-devices")]
        out.events.extend(self.machine.autoclear_loops());
        out
    }

    fn dispatch_tool(&mut self, cmd: &str, args: &[String], stdin: Option<&exec::Input>) -> Output {
        if let Some(out) = version::run(cmd, args) {
            return out;
        }
        if let Some(out) = files::run(self, cmd, args, stdin) {
            return out;
        }
        #[cfg(feature = "shell-scripts")]
        if let Some(out) = textutils::run(self, cmd, args, stdin) {
            return out;
        }
        match cmd {
            "help" => Output::text(help_text(), 0),
            "clear" => Output { clear_screen: true, ..Output::default() },
            "history" => {
                let text: String =
                    self.history.iter().enumerate().map(|(i, h)| format!("{:>5}  {h}\n", i + 1)).collect();
                Output::text(text, 0)
            }
            "lsblk" => {
                let (text, err, exit_status) = lsblk::run(&self.machine, args);
                Output { text, err, exit_status, ..Output::default() }
            }
            "fdisk" => self.fdisk(args),
            #[cfg(feature = "coreutils-extras")]
            "blockdev" => lsblk::blockdev(&self.machine, args),
            "parted" => parted::run(&mut self.machine, args, stdin.is_some()),
            #[cfg(feature = "partprobe")]
            "partprobe" => parted::partprobe(&mut self.machine, args),
            "sfdisk" => self.sfdisk(args),
            "attach-disk" => self.attach_disk(args),
            #[cfg(feature = "loop-devices")]
            "losetup" => losetup::run(&mut self.machine, &self.cwd, args),
            #[cfg(feature = "loop-devices")]
            "qemu-nbd" => nbd::run(&mut self.machine, &self.cwd, args),
            #[cfg(feature = "loop-devices")]
            "modprobe" => nbd::modprobe(&mut self.machine, args),
            "echo" => builtins::echo(args),
            #[cfg(not(feature = "shell-scripts"))]
            "printf" => builtins::printf(args),
            #[cfg(feature = "shell-scripts")]
            "printf" => printf::run(self, args),
            "yes" => builtins::yes(args),
            "cd" => builtins::cd(self, args),
            "pwd" => Output::text(format!("{}\n", self.cwd), 0),
            #[cfg(feature = "shell-scripts")]
            "export" | "unset" => builtins::export(self, cmd, args),
            "cat" => builtins::cat(self, args, stdin),
            "head" | "tail" => builtins::head_tail(self, cmd, args, stdin),
            "wc" => builtins::wc(self, args, stdin),
            "grep" => builtins::grep(self, args, stdin),
            "tr" => builtins::tr(args, stdin),
            "qemu-img" => qemu_img::run(self, args),
            "qemu-io" => qemu_io::run(self, args),
            "dd" => {
                let bytes = stdin.map(|i| i.bytes(STREAM_LIMIT_BYTES as usize));
                dd::run(self, args, bytes.as_deref())
            }
            "hexdump" | "hd" | "xxd" => dump::run(self, cmd, args, stdin),
            // mke2fs asks only when standard input and output are the terminal.
            #[cfg(feature = "mke2fs-options")]
            "mkfs.ext4" if stdin.is_none() && self.output_is_terminal() => match fs::mkfs_question(&self.machine, args) {
                Some(question) => {
                    self.interactive = Some(Interactive::Mkfs(args.to_vec()));
                    question
                }
                None => fs::mkfs_ext4_forced(&mut self.machine, args),
            },
            #[cfg(feature = "file-magic")]
            "file" => file::run(self, args, stdin),
            #[cfg(feature = "mount-table")]
            "umount" => fstab::umount_each(&mut self.machine, args, &self.cwd),
            #[cfg(not(feature = "mount-table"))]
            "umount" => fs::umount(&mut self.machine, args, &self.cwd),
            "true" | ":" | "sync" => Output::default(),
            "false" => Output::text("", 1),
            #[cfg(feature = "shell-scripts")]
            "exit" | "logout" => builtins::exit(self, args),
            #[cfg(feature = "shell-scripts")]
            "set" => builtins::set(self, args),
            #[cfg(feature = "shell-scripts")]
            "break" | "continue" => builtins::jump(self, cmd, args),
            #[cfg(feature = "shell-scripts")]
            "test" | "[" => conditional::run(self, cmd, args),
            #[cfg(feature = "shell-scripts")]
            "read" => builtins::read(self, args, stdin),
            #[cfg(feature = "shell-scripts")]
            "return" | "local" | "shift" => builtins::function_builtin(self, cmd, args),
            #[cfg(not(feature = "shell-scripts"))]
            "exit" | "logout" => Output::text("storage-lab: this console stays open; use Reset to start over\n", 0),
            _ => {
                if let Some(out) = lvm2::run(self, cmd, args) {
                    return out;
                }
                if let Some(out) = fs::run(&mut self.machine, cmd, args) {
                    return out;
                }
                #[cfg(feature = "e2fs-tools")]
                match cmd {
                    "resize2fs" => return e2fs::resize2fs(&mut self.machine, args),
                    "e2fsck" | "fsck.ext4" => {
                        let out = e2fs::e2fsck(&self.machine, args);
                        #[cfg(feature = "mke2fs-options")]
                        e2fs::note_check(&mut self.machine, args, &out);
                        return out;
                    }
                    _ => {}
                }
                if let Some(out) = blkid::run(&mut self.machine, cmd, args) {
                    return out;
                }
                #[cfg(feature = "zfs")]
                if let Some(out) = sums::run(self, cmd, args, stdin) {
                    return out;
                }
                #[cfg(feature = "zfs")]
                if let Some(out) = zfs::run(self, cmd, args, stdin) {
                    return out;
                }
                #[cfg(feature = "zfs")]
                if cmd == "hwraid" {
                    return hwraid::run(&mut self.machine, args);
                }
                #[cfg(feature = "e2fs-extras")] if let Some(out) = e2fs_extras::run(self, cmd, args) { return out; } #[cfg(feature = "dev-links")] if let Some(out) = files::dev_links::run(self, cmd, args) { return out; } if let Some(what) = native_only(cmd) {
                    return Output::error(format!("{cmd}: {what} in the storage-lab command-line program, not in the browser yet\n"), 1);
                }
                Output::error(format!("bash: {}: command not found\n", printable(cmd)), 127)
            }
        }
    }

    fn fdisk(&mut self, args: &[String]) -> Output {
        let ListArgs { list, columns, devices, wipe: wipe_mode } = match list_args("fdisk", args) {
            Ok(a) => a,
            Err(out) => return out,
        };
        if list {
            return fdisk::list(&self.machine, "fdisk", &devices, columns.as_deref());
        }
        let [dev] = devices.as_slice() else {
            return Output::error("fdisk: bad usage\nTry 'fdisk --help' for more information.\n", 1);
        };
        match fdisk::start(&mut self.machine, dev, wipe_mode) {
            Ok((session, text, events)) => {
                self.interactive = Some(Interactive::Fdisk(session));
                Output { events, ..dialog_text(text) }
            }
            Err((err, text)) => Output { text: text.into(), err, exit_status: 1, ..Output::default() },
        }
    }

    fn sfdisk(&mut self, args: &[String]) -> Output {
        #[cfg(feature = "sfdisk-options")]
        return match sfdisk::options::run(&mut self.machine, args) {
            sfdisk::options::Run::Done(out) => out,
            sfdisk::options::Run::Script(session, text) => {
                self.interactive = Some(Interactive::Sfdisk(session));
                dialog_text(text)
            }
        };
        #[cfg(not(feature = "sfdisk-options"))]
        self.sfdisk_flags(args)
    }

    /// The browser's sfdisk: a script run, `-d`, `-J` or `-l`.
    #[cfg(not(feature = "sfdisk-options"))]
    fn sfdisk_flags(&mut self, args: &[String]) -> Output {
        let devices: Vec<&String> = args.iter().filter(|a| !a.starts_with('-')).collect();
        let flag = args.iter().find(|a| a.starts_with('-')).map(String::as_str);
        let Some(dev) = devices.first() else {
            return Output::text("sfdisk: no disk device specified\nTry 'sfdisk --help' for more information.\n", 1);
        };
        let (t, s) = match flag {
            Some("-d" | "--dump") => sfdisk::dump(&self.machine, dev),
            Some("-J" | "--json") => sfdisk::json(&self.machine, dev),
            Some("-l" | "--list") => match list_args("sfdisk", args) {
                Ok(ListArgs { columns, devices, .. }) => return fdisk::list(&self.machine, "sfdisk", &devices, columns.as_deref()),
                Err(out) => return out,
            },
            Some(other) => (format!("sfdisk: {other} is in the storage-lab command-line program, not in the browser yet\n"), 1),
            None => match sfdisk::start(&self.machine, dev, sfdisk::Opts::default()) {
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
            #[cfg(feature = "zfs")]
            "raid1" => Transport::Sata,
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
        #[cfg(feature = "zfs")]
        if kind == "raid1" {
            return self.attach_raid1(&name, bytes, args.len() > 3);
        }
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

impl Shell {
    /// `attach-disk raid1 SIZE`: a controller's RAID-1 logical drive over two
    /// disks of SIZE, as the kernel announces a megaraid_sas drive.
    #[cfg(feature = "zfs")]
    fn attach_raid1(&mut self, name: &str, bytes: u64, extra: bool) -> Output {
        if extra || crate::core::disk::transport_for_name(name) != Some(Transport::Sata) {
            return Output::text("usage: attach-disk raid1 SIZE [sdX]   (a RAID controller's drive is a SCSI disk)\n", 2);
        }
        match self.machine.attach_raid1(name, bytes) {
            Ok(events) => {
                let model = crate::core::hwraid::CONTROLLER_MODEL;
                let unit = self.machine.disk_named(name).and_then(|d| self.machine.raid_unit(d.dev)).unwrap_or(0);
                let gb = fmt::fixed(bytes as f64 / 1e9, 0);
                let pretty = fmt::human_size(bytes, fmt::SizeStyle::Iec);
                let text = format!(
                    "scsi 0:2:{unit}:0: Direct-Access     DELL     {model:<16} 4.30 PQ: 0 ANSI: 5\nsd 0:2:{unit}:0: [{name}] {} 512-byte logical blocks: ({gb} GB/{pretty})\nsd 0:2:{unit}:0: [{name}] Attached SCSI disk\nhwraid: {name} is a RAID-1 logical drive over two {pretty} member disks; Linux sees only {name}\n",
                    bytes / 512
                );
                Output { text, events, ..Output::default() }
            }
            Err(e) => Output::text(format!("attach-disk: {e}\n"), 1),
        }
    }
}

/// A dialog's text, with what it marked for standard error there (natively).
#[cfg(feature = "shell-scripts")]
pub(crate) fn dialog_text(text: String) -> Output {
    Output::from_marked(&text)
}

#[cfg(not(feature = "shell-scripts"))]
pub(crate) fn dialog_text(text: String) -> Output {
    Output { text, ..Output::default() }
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
        #[cfg_attr(not(feature = "loop-devices"), allow(unused_mut))]
        let mut names: Vec<String> = COMMANDS.iter().chain(ZFS_COMMANDS).chain(SNAPSHOT_COMMANDS).chain(E2FS_COMMANDS).chain(FILE_COMMANDS).map(|c| c.to_string()).collect();
        #[cfg(feature = "loop-devices")]
        {
            names.extend(["losetup", "modprobe", "qemu-nbd"].map(String::from));
            #[cfg(feature = "partprobe")]
            names.push("partprobe".into());
            #[cfg(feature = "vgrename")]
            names.push("vgrename".into());
            names.sort();
        }
        names
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
