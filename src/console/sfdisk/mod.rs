//! sfdisk from util-linux 2.38: scripted partitioning, `--dump`, `--json`, `-l`.
//!
//! `sfdisk DEV` reads its script one line at a time (a pipe, a here-document,
//! or the lines typed after the command) as sfdisk does with standard input
//! that is not a terminal: headers first, then one partition per line, until
//! `write`, `quit`, the end of input, or a full table; then it writes the
//! table. The first partition line creates the new label from the headers.
//! Nothing is written when a line is refused.
//!
//! The command line is `options` (native feature `sfdisk-options`: `-q`,
//! `-n`, `-f`, `-X`, `-a`, `-N`, `--delete`, `--part-type`, `--activate`,
//! ...); the browser reads `-d`, `-J` and `-l` only. With `-N` (module
//! `partno`) the one script line changes a partition of the disk's table.
//!
//! Simplifications: no `--wipe-partitions`, backups or interactive prompts
//! (stdin is never a terminal, see `core::libfdisk::wipe`), no Sun, SGI or
//! BSD labels, and GPT attribute bits (`attrs=`) are read but not kept.

mod create;
mod dump;
#[cfg(feature = "sfdisk-options")]
pub mod options;
#[cfg(feature = "sfdisk-options")]
mod partno;
pub mod script;

pub use dump::{dump, json};

use super::fdisk::{disk_header, label_lines, partition_path, partition_table};
use super::fmt::{human_size, SizeStyle};
use crate::core::device::DevId;
use crate::core::gpt::Guid;
use crate::core::label::{Label, LabelKind, PartType, Partition};
use crate::core::libfdisk::wipe::{self, Collision, WipeMode};
use crate::core::libfdisk::{self, Align, Errno, Notice, Refusal, Request};
use crate::core::machine::{Machine, Reread};
use crate::core::units::SECTOR_BYTES;
use crate::core::Event;
use script::{Line, PartLine, ScriptType};

/// The options that change how sfdisk runs a script and writes a table.
#[cfg(feature = "sfdisk-options")]
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Opts {
    /// `-q`: libfdisk's information and sfdisk's prompts go unprinted.
    pub quiet: bool,
    /// `-n`: everything but the write.
    pub no_act: bool,
    /// `-f`: a disk in use is partitioned anyway.
    pub force: bool,
    /// `--no-reread`: no check whether the disk is in use.
    pub no_reread: bool,
    /// `--no-tell-kernel`: the kernel is not asked to re-read the table.
    pub no_tell: bool,
    /// `-X`: the label a new table gets unless the script names one.
    pub label: Option<String>,
    /// `-a`: the script's partitions are added to the disk's table.
    pub append: bool,
    /// `-N`: the 0-based index of the one partition the script changes.
    pub partno: Option<u32>,
    /// `-w`: whether the write removes other signatures.
    pub wipe: WipeMode,
}

/// The browser reads no options: every one is off, as constants, so the
/// code they switch stays out of the bundle (0.5 KB, measured 2026-12-04).
#[cfg(not(feature = "sfdisk-options"))]
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Opts;

#[cfg(feature = "sfdisk-options")]
impl Opts {
    fn quiet(&self) -> bool {
        self.quiet
    }
    fn no_act(&self) -> bool {
        self.no_act
    }
    fn force(&self) -> bool {
        self.force
    }
    fn no_reread(&self) -> bool {
        self.no_reread
    }
    fn no_tell(&self) -> bool {
        self.no_tell
    }
    fn label(&self) -> Option<String> {
        self.label.clone()
    }
    fn append(&self) -> bool {
        self.append
    }
    fn partno(&self) -> Option<u32> {
        self.partno
    }
    fn wipe(&self) -> WipeMode {
        self.wipe
    }
}

#[cfg(not(feature = "sfdisk-options"))]
impl Opts {
    fn quiet(&self) -> bool {
        false
    }
    fn no_act(&self) -> bool {
        false
    }
    fn force(&self) -> bool {
        false
    }
    fn no_reread(&self) -> bool {
        false
    }
    fn no_tell(&self) -> bool {
        false
    }
    fn label(&self) -> Option<String> {
        None
    }
    fn append(&self) -> bool {
        false
    }
    fn partno(&self) -> Option<u32> {
        None
    }
    fn wipe(&self) -> WipeMode {
        WipeMode::Auto
    }
}

/// An sfdisk run waiting for its next script line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    disk: DevId,
    opts: Opts,
    path: String,
    /// The table on the disk when sfdisk started.
    old: Option<Label>,
    /// The script's headers in the order first given; `label` starts as the
    /// disk's label kind (or dos), as sfdisk sets it.
    headers: Vec<(&'static str, String)>,
    /// The script named a label itself.
    force_label: bool,
    /// Lines read, blank and comment lines included (sfdisk's "line N").
    lines: usize,
    /// Partition lines read and kept (libfdisk's script table).
    parsed: usize,
    ignored: usize,
    /// The new label, once the first partition line made it.
    label: Option<Label>,
    align: Align,
    /// The next partition's 0-based number, as sfdisk's prompt shows it.
    next: u32,
    /// sfdisk's has_container_or_unused() flags, which stay set once set.
    container_or_unused: bool,
    /// `-N`: the partition the one line changes.
    #[cfg(feature = "sfdisk-options")]
    modify: Option<partno::Modify>,
    /// What libfdisk last found on the disk besides its label.
    collision: Option<Collision>,
    /// The write wipes the old signatures first.
    wipe: bool,
}

pub struct Reply {
    pub text: String,
    pub events: Vec<Event>,
    pub done: bool,
    pub status: i32,
}

impl Reply {
    fn more(text: String, events: Vec<Event>) -> Reply {
        Reply { text, events, done: false, status: 0 }
    }
}

/// How the reading loop ended (sfdisk's SFDISK_DONE_*), or the error that ended it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Done {
    Eof,
    Write,
    Ask,
    Abort,
    Unsupported,
}

/// `sfdisk DEV`: checks the disk and waits for script lines.
pub fn start(machine: &Machine, path: &str, opts: Opts) -> Result<(Session, String), (String, i32)> {
    let Some(disk) = machine.resolve(path).filter(|d| machine.disk(*d).is_some()) else {
        return Err((warned(format!("sfdisk: cannot open {path}: No such file or directory\n")), 1));
    };
    let model = machine.disk(disk).and_then(|d| d.model.as_deref());
    let old = machine.disk(disk).and_then(|d| d.label());
    let mut text = machine.disk(disk).and_then(|d| d.gpt_warning()).map(|w| format!("{w}\n")).unwrap_or_default();
    #[cfg(feature = "sfdisk-options")]
    if let Some(index) = opts.partno {
        let checked = partno::check(path, old.as_ref(), index).map_err(|e| {
            let mut text = String::new();
            warning(&mut text, &e);
            (text, 1)
        })?;
        warning(&mut text, &checked);
    }
    let modifying = opts.partno().is_some();
    let quiet = opts.quiet();
    if !opts.no_act() && !opts.no_reread() {
        text.push_str(&busy_check(machine.disk_busy(disk), &opts)?);
    }
    let collision = wipe::check(machine, disk, false);
    let wipe = follow_wipe_mode(&opts, collision.as_ref(), &mut text);
    if !quiet {
        text.push_str(&disk_header(path, machine.size_of(disk), model));
    }
    if let Some(old) = old.as_ref().filter(|_| !quiet) {
        text.push_str(&label_lines(old));
        text.push_str("\nOld situation:\n");
        text.push_str(&partition_table(path, old));
    }
    let kind = old.as_ref().map_or(LabelKind::Dos, |l| l.kind);
    let label_name = opts.label().unwrap_or_else(|| kind.name().to_string());
    let align = Align::for_disk(machine.size_of(disk) / SECTOR_BYTES);
    let append = opts.append() && old.is_some();
    let next = match opts.partno() {
        Some(index) => index,
        // `last_pt_partno() + 1`: the last index is 0 on an empty table too.
        None => old.as_ref().filter(|_| append).map_or(0, |l| l.partitions.iter().map(|p| p.number).max().unwrap_or(1)),
    };
    let session = Session {
        disk,
        #[cfg(feature = "sfdisk-options")]
        modify: opts.partno.map(|index| partno::Modify { index, shown: None }),
        opts,
        path: path.into(),
        label: old.clone().filter(|_| append || modifying),
        next,
        old,
        headers: vec![("label", label_name)],
        force_label: false,
        lines: 0,
        parsed: 0,
        ignored: 0,
        align,
        container_or_unused: false,
        collision,
        wipe,
    };
    if !quiet {
        text.push('\n');
    }
    text.push_str(&session.prompt());
    Ok((session, text))
}

/// sfdisk's `follow_wipe_mode()`: says what becomes of a collision other
/// than an old partition table, and returns whether the write wipes it.
#[cfg_attr(not(feature = "wipe-modes"), allow(unused_variables))]
fn follow_wipe_mode(opts: &Opts, collision: Option<&Collision>, text: &mut String) -> bool {
    let Some(c) = collision else { return false };
    let wipe = opts.wipe().wipes(c);
    if opts.quiet() || (wipe && c.table) {
        return wipe;
    }
    #[cfg(feature = "wipe-modes")]
    warning(text, &if wipe {
        format!("The device contains '{}' signature and it may be removed by a write command. See sfdisk(8) man page and --wipe option for more details.\n\n", c.name)
    } else {
        format!("The device contains '{}' signature and it may remain on the device. It is recommended to wipe the device with wipefs(8) or sfdisk --wipe, in order to avoid possible collisions.\n\n", c.name)
    });
    wipe
}

/// "Is anyone using this disk?", which `--force` answers for sfdisk when
/// someone is.
fn busy_check(busy: bool, opts: &Opts) -> Result<String, (String, i32)> {
    let mut text = String::new();
    if !opts.quiet() {
        text.push_str("Checking that no-one is using this disk right now ...");
        text.push_str(if busy { " FAILED\n\n" } else { " OK\n\n" });
    }
    if busy {
        warning(&mut text, "This disk is currently in use - repartitioning is probably a bad idea.\nUmount all file systems, and swapoff all swap partitions on this disk.\nUse the --no-reread flag to suppress this check.\n\n");
        if !opts.force() {
            warning(&mut text, "sfdisk: Use the --force flag to overrule all checks.\n");
            return Err((text, 1));
        }
    }
    Ok(text)
}

/// strerror() of the codes libfdisk returns.
fn strerror(e: Errno) -> &'static str {
    match e {
        Errno::Inval => "Invalid argument",
        Errno::Range => "Numerical result out of range",
        Errno::NoSpc => "No space left on device",
    }
}

/// A warning or an error: standard error natively (between the marks that
/// `Output::from_marked` reads), with the rest in the browser.
fn warning(text: &mut String, msg: &str) {
    #[cfg(feature = "shell-scripts")]
    if !msg.is_empty() {
        text.push(super::ERR_START);
        text.push_str(msg);
        text.push(super::ERR_END);
        return;
    }
    text.push_str(msg);
}

/// A warning or an error as a string of its own (see `warning`).
fn warned(msg: String) -> String {
    #[cfg(feature = "shell-scripts")]
    return format!("{}{msg}{}", super::ERR_START, super::ERR_END);
    #[cfg(not(feature = "shell-scripts"))]
    msg
}

/// A libfdisk notice on its line: fdisk_warnx's on standard error,
/// fdisk_info's (already allocated, primaries used) on standard output.
fn push_notice(text: &mut String, n: &Notice) {
    let line = format!("{}\n", notice(n));
    match n {
        Notice::SectorAlreadyAllocated(_) | Notice::AllPrimariesUsed | Notice::AllPrimarySpaceUsed | Notice::ReplaceAPrimary => text.push_str(&line),
        _ => warning(text, &line),
    }
}

/// What libfdisk says on the way, as fdisk_warnx and fdisk_info print it.
fn notice(n: &Notice) -> String {
    match n {
        Notice::FirstLbaOutOfRange => "First LBA specified by script is out of range.".into(),
        Notice::LastLbaOutOfRange => "Last LBA specified by script is out of range.".into(),
        Notice::NoSpaceForTable => "Not enough space for new partition table!".into(),
        Notice::TooManyEntries { limit } => format!("The number of the partition has to be smaller than {limit}."),
        Notice::SectorAlreadyUsed(s) => format!("Sector {s} already used."),
        Notice::SectorAlreadyAllocated(s) => format!("Sector {s} is already allocated."),
        Notice::StartOutOfRange(s) => format!("Start sector {s} out of range."),
        Notice::NoFreeSectors => "No free sectors available.".into(),
        Notice::NoEnoughFreeSectors => "No enough free sectors available.".into(),
        Notice::CouldNotCreate(n) => format!("Could not create partition {n}"),
        Notice::LastUsableIs { last, requested } => format!("The last usable GPT sector is {last}, but {requested} is requested."),
        Notice::FirstUsableIs { first, requested } => format!("The first usable GPT sector is {first}, but {requested} is requested."),
        Notice::MaximumPartitionsCreated => "The maximum number of partitions has been created.".into(),
        Notice::ExtendedExists => "Extended partition already exists.".into(),
        Notice::NoExtendedForLogical => "Extended partition does not exists. Failed to add logical partition.".into(),
        Notice::PrimaryNotAvailable => "Primary partition not available.".into(),
        Notice::AllPrimariesUsed => "All primary partitions are in use.".into(),
        Notice::AllPrimarySpaceUsed => "All space for primary partitions is in use.".into(),
        Notice::ReplaceAPrimary => "To create more partitions, first replace a primary with an extended partition.".into(),
    }
}

const HELP: &str = "\nHelp:\n\n Commands:\n   write    write table to disk and exit\n   quit     show new situation and wait for user's feedback before write\n   abort    exit sfdisk shell\n   print    display the partition table\n   help     show this help text\n\n   Ctrl-D   the same as 'quit'\n\n Input format:\n   <start>, <size>, <type>, <bootable>\n\n   <start>  Beginning of the partition in sectors, or bytes if\n            specified in the format <number>{K,M,G,T,P,E,Z,Y}.\n            The default is the first free space.\n\n   <size>   Size of the partition in sectors, or bytes if\n            specified in the format <number>{K,M,G,T,P,E,Z,Y}.\n            The default is all available space.\n\n   <type>   The partition type.  Default is a Linux data partition.\n            MBR: hex or L,S,Ex,X,U,R,V shortcuts.\n            GPT: UUID or L,S,H,U,R,V shortcuts.\n\n   <bootable>  Use '*' to mark an MBR partition as bootable.\n\n Example:\n   , 4G     Creates a 4GiB partition at default start offset.\n\n";

impl Session {
    pub fn disk(&self) -> DevId {
        self.disk
    }

    /// The new label, for the figure's "pending" view.
    pub fn label(&self) -> Option<&Label> {
        self.label.as_ref()
    }

    fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| *n == name).map(|(_, v)| v.as_str())
    }

    fn set_header(&mut self, name: &'static str, value: Option<String>) {
        let at = self.headers.iter().position(|(n, _)| *n == name);
        match (at, value) {
            (Some(i), Some(v)) => self.headers[i].1 = v,
            (None, Some(v)) => self.headers.push((name, v)),
            (Some(i), None) => {
                self.headers.remove(i);
            }
            (None, None) => {}
        }
    }

    /// The script's `sector-size:`, 0 when it gives none.
    fn script_sector_size(&self) -> u64 {
        self.header("sector-size").and_then(script::sector_size).unwrap_or(0)
    }

    /// The label the script's types are read for.
    fn script_kind(&self) -> LabelKind {
        self.header("label").and_then(script::label_kind).unwrap_or(LabelKind::Dos)
    }

    /// The table sfdisk writes: the new one, or the one on the disk.
    fn table(&self) -> Option<&Label> {
        self.label.as_ref().or(self.old.as_ref())
    }

    /// The table sfdisk shows, which `-N` can make differ from the one it writes.
    fn shown(&self) -> Option<&Label> {
        #[cfg(feature = "sfdisk-options")]
        if let Some(shown) = self.modify.as_ref().and_then(|m| m.shown.as_ref()) {
            return Some(shown);
        }
        self.table()
    }

    fn info(&self, text: &mut String, line: &str) {
        info(&self.opts, text, line);
    }

    fn prompt(&self) -> String {
        match &self.label {
            _ if self.opts.quiet() => String::new(),
            None => ">>> ".into(),
            Some(_) => format!("{}: ", partition_path(&self.path, self.next.saturating_add(1))),
        }
    }

    /// One script line.
    pub fn answer(&mut self, machine: &mut Machine, line: &str) -> Reply {
        self.lines += 1;
        let cx = script::Context { kind: self.script_kind(), sector_size: self.script_sector_size(), headers_allowed: self.parsed == 0 };
        match script::parse(line, &cx) {
            Line::Skip => Reply::more(String::new(), Vec::new()),
            Line::UnknownHeader(name) => Reply::more(warned(format!("Unknown script header '{name}' -- ignore.\n")) + &self.prompt(), Vec::new()),
            Line::Header { name, value } => self.header_line(name, value),
            Line::Partition(p) => self.partition_line(machine, p),
            Line::Invalid { word } => self.command(machine, &word),
        }
    }

    fn header_line(&mut self, name: &'static str, value: String) -> Reply {
        let mut text = String::new();
        if name == "sector-size" && script::sector_size(&value).is_some_and(|s| s != 0 && s != SECTOR_BYTES) {
            self.info(&mut text, "The script and device sector size differ; the sizes will be recalculated to match the device.\n");
        }
        self.force_label |= name == "label";
        self.set_header(name, Some(value));
        self.info(&mut text, "Script header accepted.\n");
        text.push_str(&self.prompt());
        Reply::more(text, Vec::new())
    }

    /// sfdisk's commands, tried when libfdisk cannot read a line.
    fn command(&mut self, machine: &mut Machine, word: &str) -> Reply {
        match word {
            "print" => {
                let table = self.shown().map(|l| partition_table(&self.path, l)).unwrap_or_default();
                Reply::more(format!("{table}{}", self.prompt()), Vec::new())
            }
            "help" => Reply::more(format!("{HELP}{}", self.prompt()), Vec::new()),
            "quit" => self.finish(machine, Done::Ask, String::new(), Vec::new()),
            "write" => self.finish(machine, Done::Write, String::new(), Vec::new()),
            "abort" => self.finish(machine, Done::Abort, String::new(), Vec::new()),
            _ => {
                let text = warned(format!("line {}: unsupported command\n", self.lines));
                self.finish(machine, Done::Unsupported, text, Vec::new())
            }
        }
    }

    /// A partition line: the first one makes the label, then each adds a partition.
    fn partition_line(&mut self, machine: &mut Machine, p: PartLine) -> Reply {
        self.parsed += 1;
        if p.start == Some(0) && matches!(p.size, libfdisk::SizeRequest::Sectors(0) | libfdisk::SizeRequest::Relative(0)) {
            self.next = self.next.saturating_add(1);
            self.ignored += 1;
            let mut text = String::new();
            self.info(&mut text, "Ignoring partition.\n");
            text.push_str(&self.prompt());
            return Reply::more(text, Vec::new());
        }
        #[cfg(feature = "sfdisk-options")]
        if let Some(index) = self.modify.as_ref().map(|m| m.index) {
            return self.modify_line(machine, p, index);
        }
        let (mut text, mut events) = (String::new(), Vec::new());
        if self.label.is_none() {
            if let Err(e) = create::apply(self, machine, &mut text, &mut events) {
                warning(&mut text, &format!("Failed to apply script headers, disk label not created: {}\n", strerror(e)));
                return self.finish(machine, Done::Abort, text, events);
            }
            text.push_str(&self.prompt());
        }
        if let Err(r) = self.add(machine, &p, &mut text, &mut events) {
            if let Some(n) = &r.notice {
                push_notice(&mut text, n);
            }
            warning(&mut text, &format!("Failed to add #{} partition: {}\n", self.next.saturating_add(1), strerror(r.errno)));
            self.parsed -= 1;
            return self.finish(machine, Done::Abort, text, events);
        }
        if self.all_used() {
            self.info(&mut text, "All partitions used.\n");
            return self.finish(machine, Done::Ask, text, events);
        }
        text.push_str(&self.prompt());
        Reply::more(text, events)
    }

    /// The partition where libfdisk puts it, added to the new label.
    fn add(&mut self, machine: &mut Machine, p: &PartLine, text: &mut String, events: &mut Vec<Event>) -> Result<(), Refusal> {
        let Some(label) = self.label.as_ref() else { return Err(Refusal::silent(Errno::Inval)) };
        let kind = label.kind;
        let part_type = match p.part_type {
            None => Ok(PartType::default_for(kind)),
            Some(ScriptType::Type(t)) => Ok(t),
            Some(ScriptType::NotAGuid) => Err(()),
        };
        let req = Request { number: p.number, start: p.start, size: p.size, extended: part_type.is_ok_and(|t| t.is_extended()), type_unreadable: part_type.is_err() };
        let placed = match kind {
            LabelKind::Gpt => libfdisk::gpt::place(label, &self.align, &req)?,
            LabelKind::Dos => {
                let (placed, align) = libfdisk::dos::place(label, &self.align, &req)?;
                self.align = align;
                placed
            }
        };
        let part_type = part_type.map_err(|()| Refusal::silent(Errno::Inval))?;
        let unique_guid = match (kind, &p.uuid) {
            (LabelKind::Dos, _) => Guid::ZERO,
            (LabelKind::Gpt, Some(u)) => Guid::parse(u).ok_or(Refusal::silent(Errno::Inval))?,
            (LabelKind::Gpt, None) => machine.new_guid(),
        };
        let name = if kind == LabelKind::Gpt { p.name.clone().unwrap_or_default() } else { String::new() };
        let size_sectors = placed.last_lba - placed.start_lba + 1;
        let part = Partition { number: placed.number, start_lba: placed.start_lba, size_sectors, part_type, unique_guid, name, bootable: p.bootable == Some(true) && kind == LabelKind::Dos };
        for n in &placed.notices {
            push_notice(text, n);
        }
        let size = human_size(size_sectors.saturating_mul(SECTOR_BYTES), SizeStyle::Iec);
        self.info(text, &format!("Created a new partition {} of type '{}' and of size {size}.\n", part.number, part_type.name()));
        // util-linux 2.38.1 checks new partitions only, not `-N`'s.
        if let Some(fstype) = super::fdisk::partition_content(machine, self.disk, &part).filter(|_| self.opts.partno().is_none()) {
            warning(text, &format!("Partition #{} contains a {fstype} signature.\n", part.number));
        }
        events.push(Event::PartitionPlanned { disk: machine.name_of(self.disk), part: part.info() });
        self.next = placed.number;
        if let Some(l) = self.label.as_mut() {
            l.put(part);
        }
        Ok(())
    }

    /// sfdisk's check before each prompt: every slot of a new table is used
    /// and none is an extended partition.
    fn all_used(&mut self) -> bool {
        let Some(label) = &self.label else { return false };
        let slots = label.slots();
        if self.next != slots {
            return false;
        }
        self.container_or_unused |= label.partitions.len() < slots as usize || label.extended().is_some();
        !self.container_or_unused
    }

    /// End of input: sfdisk says "Done." and writes what it has.
    pub fn end_of_input(&mut self, machine: &mut Machine) -> Reply {
        let mut text = String::new();
        self.info(&mut text, "Done.\n");
        self.finish(machine, Done::Eof, text, Vec::new())
    }

    /// The end of the reading loop: the new situation, then the write (or why not).
    fn finish(&mut self, machine: &mut Machine, done: Done, mut text: String, mut events: Vec<Event>) -> Reply {
        let mut done = done;
        let empty_label = self.label.is_none() && self.force_label && self.parsed == self.ignored;
        if matches!(done, Done::Eof | Done::Write) && empty_label && create::apply(self, machine, &mut text, &mut events).is_err() {
            warning(&mut text, "Failed to apply script headers, disk label not created.\n");
            done = Done::Abort;
        }
        if done != Done::Abort && !self.opts.quiet() {
            text.push_str("\nNew situation:\n");
            if let Some(l) = self.shown() {
                text.push_str(&label_lines(l));
                text.push_str(&partition_table(&self.path, l));
            }
        }
        let status = match done {
            Done::Eof | Done::Write | Done::Ask => self.write(machine, &mut text, &mut events),
            Done::Abort | Done::Unsupported => {
                self.info(&mut text, "Leaving.\n\n");
                1
            }
        };
        if status != 0 && self.label.is_some() {
            events.push(Event::EditDiscarded { disk: machine.name_of(self.disk) });
        }
        Reply { text, events, done: true, status }
    }

    /// `write_changes()` for the new table (or the old one again). libfdisk
    /// refuses, silently, a GPT whose partitions overlap.
    fn write(&self, machine: &mut Machine, text: &mut String, events: &mut Vec<Event>) -> i32 {
        let Some(label) = self.table().cloned() else { return 1 };
        if label.kind == LabelKind::Gpt && label.overlapping() {
            return 1;
        }
        if self.wipe && !self.opts.no_act() {
            let wiped = machine.wipe_signatures(self.disk);
            events.extend(machine.wiped_event(self.disk, &wiped));
        }
        write_changes(machine, self.disk, &label, &self.opts, text, events);
        0
    }
}

/// sfdisk's `write_changes()`: the table goes to the disk, then the kernel
/// is asked to re-read it, unless the options say otherwise.
pub fn write_changes(machine: &mut Machine, disk: DevId, label: &Label, opts: &Opts, text: &mut String, events: &mut Vec<Event>) {
    if opts.no_act() {
        info(opts, text, "The partition table is unchanged (--no-act).\n");
        return;
    }
    info(opts, text, "\nThe partition table has been altered.\n");
    if opts.no_tell() {
        events.extend(machine.write_label_untold(disk, label));
        return;
    }
    info(opts, text, "Calling ioctl() to re-read partition table.\n");
    let (reread, evs) = machine.write_label(disk, label);
    events.extend(evs);
    let failed = match reread {
        Reread::Done => None,
        Reread::Busy => Some("Device or resource busy"),
        #[cfg(feature = "loop-devices")]
        Reread::Invalid => Some("Invalid argument"),
    };
    if let Some(why) = failed {
        warning(text, &format!("Re-reading the partition table failed.: {why}\n"));
        info(opts, text, "The kernel still uses the old table. The new table will be used at the next reboot or after you run partprobe(8) or partx(8).\n");
    }
    info(opts, text, "Syncing disks.\n");
}

/// Appends one of libfdisk's information lines, which `-q` silences.
fn info(opts: &Opts, text: &mut String, line: &str) {
    if !opts.quiet() {
        text.push_str(line);
    }
}
