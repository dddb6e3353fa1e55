//! lvm2's y/n questions: a command plans its steps, asks before the
//! destructive ones, and goes on (or stops) with each answer, as lvremove,
//! vgremove and lvreduce do on an active host.

use std::collections::VecDeque;

use super::*;
use crate::console::{Interactive, Output, Shell};
use crate::core::Event;


/// One thing a command still has to do, possibly after asking.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Step {
    /// A y/n question; 'n' prints `refusal` and abandons the rest of the group.
    Ask { prompt: String, refusal: String },
    /// A refusal without a question (an LV in use); abandons the rest of the group.
    Refuse { text: String },
    /// Removes an LV; prints lvm2's message unless it is hidden.
    RemoveLv { vg: String, lv: String },
    RemoveVg { vg: String },
    Reduce { vg: String, lv: String, new_extents: u64 },
    /// A signature on a device about to become a PV (`_blkid_wipe`); 'n'
    /// also spares the rest of a partition table (its backup and PMBR).
    /// The browser wipes without asking (see pv::wipe_first). In test mode
    /// (`again`) 'y' wipes nothing, so blkid finds the same signature and
    /// lvm2 asks again, until it hears 'n'.
    #[cfg(feature = "lvm-extras")]
    AskWipe { prompt: String, path: String, kind: String, offset: u64, len: u64, again: bool },
    /// After a device's questions: what it still carries, and then it fails.
    #[cfg(feature = "lvm-extras")]
    Left { path: String },
    /// The command itself, once the questions are answered, on the devices
    /// that passed (pvcreate), or not at all if one failed (vgcreate, vgextend).
    #[cfg(feature = "lvm-extras")]
    Resume { cmd: String, raw: Vec<String>, test: bool },
}

/// A step and the group it belongs to: each LV lvremove processes is a group;
/// vgremove stops at its first failure.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Planned {
    pub(super) group: usize,
    pub(super) step: Step,
}

/// A question lvm2 is waiting for a y/n answer to, and what follows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Confirm {
    /// The question first, then everything after it.
    pub(super) steps: VecDeque<Planned>,
    pub(super) failed: bool,
    pub(super) stop_on_error: bool,
    /// The command line that asked, for the metadata it commits.
    pub(super) command_line: String,
    /// The question in front was already printed (the shell paused at it).
    pub(super) prompted: bool,
    /// One entry per signature left in place, by device.
    pub(super) refused: Vec<String>,
}

impl Confirm {
    fn prompt(&self) -> String {
        self.steps.front().map_or(String::new(), |p| prompt_of(&p.step))
    }
}

fn prompt_of(step: &Step) -> String {
    match step {
        Step::Ask { prompt, .. } => prompt.clone(),
        #[cfg(feature = "lvm-extras")]
        Step::AskWipe { prompt, .. } => prompt.clone(),
        _ => String::new(),
    }
}

/// Prints a question (unless the shell paused at it already) and pauses for
/// the answer, or at the end of input answers `[n]` itself.
fn ask(shell: &mut Shell, mut c: Confirm, p: Planned, text: &mut String, eof: bool) -> Option<Confirm> {
    // The question and lvm2's own `[n]` are on standard error.
    to_stderr(text);
    if !std::mem::take(&mut c.prompted) {
        text.push_str(&prompt_of(&p.step));
    }
    if !eof {
        c.steps.push_front(p);
        c.prompted = true;
        shell.interactive = Some(Interactive::Confirm(c));
        return None;
    }
    text.push_str("[n]\n");
    say_no(&mut c, p, text);
    Some(c)
}

/// Runs planned steps until one asks a question (the shell then waits for the
/// answer) or all are done. At end of input every question is answered `[n]`.
pub(super) fn execute(shell: &mut Shell, mut c: Confirm, mut text: String, mut events: Vec<Event>, eof: bool) -> Output {
    while let Some(p) = c.steps.pop_front() {
        match p.step {
            Step::Ask { .. } => match ask(shell, c, p, &mut text, eof) {
                Some(rest) => c = rest,
                None => return ok(text, events),
            },
            #[cfg(feature = "lvm-extras")]
            Step::AskWipe { .. } => match ask(shell, c, p, &mut text, eof) {
                Some(rest) => c = rest,
                None => return ok(text, events),
            },
            #[cfg(feature = "lvm-extras")]
            Step::Left { path } => {
                let n = c.refused.iter().filter(|r| **r == path).count();
                if n > 0 {
                    err_msg(&mut text, &format!("{n} existing signature{} left on the device.", if n == 1 { "" } else { "s" }));
                    c.failed = true;
                }
            }
            #[cfg(feature = "lvm-extras")]
            Step::Resume { cmd, raw, test } => {
                let o = resume(shell, &c, &cmd, &raw, test);
                text.push_str(&o.text);
                events.extend(o.events);
                c.failed |= o.exit_status != 0;
            }
            Step::Refuse { text: ref line } => {
                err_msg(&mut text, line);
                refuse(&mut c, p.group);
            }
            Step::RemoveLv { vg, lv } => {
                let hidden = shell.machine.lvm().vg(&vg).and_then(|v| v.lv(&lv)).is_some_and(|l| l.is_hidden());
                match shell.machine.lvremove(&vg, &lv) {
                    Ok(e) => {
                        events.extend(e);
                        if !hidden {
                            msg(&mut text, &format!("Logical volume \"{lv}\" successfully removed."));
                        }
                    }
                    Err(_) => {
                        err_msg(&mut text, &format!("Failed to find logical volume \"{vg}/{lv}\""));
                        refuse(&mut c, p.group);
                    }
                }
            }
            Step::RemoveVg { vg } => {
                events.extend(shell.machine.vgremove(&vg).unwrap_or_default());
                msg(&mut text, &format!("Volume group \"{vg}\" successfully removed"));
            }
            Step::Reduce { vg, lv, new_extents } => {
                let o = resize_now(&mut shell.machine, &vg, &lv, new_extents, std::mem::take(&mut text), &[]);
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

#[cfg(feature = "lvm-extras")]
/// lvm2 runs the command once every device's signatures are settled:
/// pvcreate on the devices that kept none, vgcreate and vgextend only if
/// all did.
fn resume(shell: &mut Shell, c: &Confirm, cmd: &str, raw: &[String], test: bool) -> Output {
    let Ok(mut args) = parse_args(cmd, raw) else { return Output::default() };
    if cmd == "pvcreate" {
        args.positional.retain(|p| !c.refused.contains(p));
    }
    if args.positional.is_empty() || cmd != "pvcreate" && !c.refused.is_empty() {
        return Output::default();
    }
    if !test {
        return dispatch(shell, cmd, &args, &c.command_line);
    }
    let before = shell.machine.clone();
    let out = dispatch(shell, cmd, &args, &c.command_line);
    shell.machine = before;
    Output { events: Vec::new(), ..out }
}

/// 'n' (or the end of input) to a question: lvm2's refusal, and the steps it cancels.
fn say_no(c: &mut Confirm, p: Planned, text: &mut String) {
    match p.step {
        #[cfg(feature = "lvm-extras")]
        Step::AskWipe { path, kind, .. } => {
            err_msg(text, &format!("Aborted wiping of {kind}."));
            if is_table(&kind) {
                c.steps.retain(|s| !matches!(&s.step, Step::AskWipe { path: q, kind: k, .. } if *q == path && is_table(k)));
            }
            c.refused.push(path);
        }
        Step::Ask { refusal, .. } => {
            err_msg(text, &refusal);
            refuse(c, p.group);
        }
        _ => {}
    }
}

#[cfg(feature = "lvm-extras")]
pub(super) fn is_table(kind: &str) -> bool {
    matches!(kind, "gpt" | "PMBR" | "dos")
}

/// A refused or failed step: the command will fail; the rest of its group (or,
/// for vgremove, everything) is abandoned.
pub(super) fn refuse(c: &mut Confirm, group: usize) {
    c.failed = true;
    if c.stop_on_error {
        c.steps.clear();
    } else {
        c.steps.retain(|s| s.group != group);
    }
}

/// The questions before labelling PVs; devices already refused count as
/// failed, and are left out when the command resumes.
#[cfg(feature = "lvm-extras")]
pub(super) fn start_labelling(shell: &mut Shell, steps: Vec<Planned>, said: String, refused: Vec<String>) -> Output {
    let failed = !refused.is_empty();
    execute(shell, Confirm { steps: steps.into(), failed, stop_on_error: false, command_line: String::new(), prompted: false, refused }, said, Vec::new(), false)
}

pub(super) fn start(shell: &mut Shell, steps: Vec<Planned>, stop_on_error: bool, text: String, events: Vec<Event>) -> Output {
    execute(shell, Confirm { steps: steps.into(), failed: false, stop_on_error, command_line: String::new(), prompted: false, refused: Vec::new() }, text, events, false)
}

/// lvm2's `yes_no_prompt` reading one line: `y`, `ye`, `yes`, `n` or `no` in any
/// case, with blanks around; anything else is invalid (returned as lvm2 quotes
/// it: the first 8 printable characters, `...` when there were more).
pub(super) fn parse_answer(line: &str) -> Result<char, String> {
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
pub fn confirm(shell: &mut Shell, c: Confirm, line: &str) -> Output {
    let mut out = respond(shell, c, Some(line));
    streams(&mut out);
    out
}

/// An answer, or the end of input (None), recorded as the asking command's
/// metadata change (its standard error still marked).
pub(super) fn respond(shell: &mut Shell, c: Confirm, line: Option<&str>) -> Output {
    let command_line = c.command_line.clone();
    let out = recording(shell, &command_line, |shell| match line {
        Some(line) => answer(shell, c, line),
        None => Output { exit_status: 5, ..execute(shell, c, String::new(), Vec::new(), true) },
    });
    if let Some(Interactive::Confirm(c)) = shell.interactive.as_mut() {
        c.command_line = command_line;
    }
    out
}

/// What 'y' does besides going on: a signature is wiped.
fn yes(machine: &mut crate::core::machine::Machine, c: &mut Confirm, p: Option<Planned>) -> (String, Vec<Event>) {
    #[cfg(feature = "lvm-extras")]
    if let Some(p) = p {
        if let Step::AskWipe { path, kind, offset, len, again, .. } = &p.step {
            let mut text = String::new();
            msg(&mut text, &format!("Wiping {kind} signature on {path}."));
            if *again {
                c.steps.push_front(p.clone());
                return (text, Vec::new());
            }
            return (text, wipe(machine, path, (*offset, *len), is_table(kind)));
        }
    }
    #[cfg(not(feature = "lvm-extras"))]
    let _ = (machine, c, p);
    (String::new(), Vec::new())
}

fn answer(shell: &mut Shell, mut c: Confirm, line: &str) -> Output {
    match parse_answer(line) {
        Ok('y') => {
            c.prompted = false;
            let step = c.steps.pop_front();
            let (text, events) = yes(&mut shell.machine, &mut c, step);
            execute(shell, c, text, events, false)
        }
        Ok(_) => {
            c.prompted = false;
            let mut text = String::new();
            if let Some(p) = c.steps.pop_front() {
                say_no(&mut c, p, &mut text);
            }
            execute(shell, c, text, Vec::new(), false)
        }
        Err(quoted) => {
            // lvm2 warns and asks again until it gets y or n.
            let mut text = String::new();
            err_msg(&mut text, &format!("WARNING: Invalid input '{quoted}'."));
            to_stderr(&mut text);
            text.push_str(&c.prompt());
            c.prompted = true;
            shell.interactive = Some(Interactive::Confirm(c));
            ok(text, Vec::new())
        }
    }
}

/// End of input at a y/n question: lvm2 answers `[n]` itself, to this
/// question and to every later one, and does what needs no answer.
pub fn confirm_eof(shell: &mut Shell, c: Confirm) -> Output {
    let mut out = respond(shell, c, None);
    streams(&mut out);
    out
}

/// Zeroes a signature's magic (and has the kernel read a wiped disk label again).
#[cfg(feature = "lvm-extras")]
pub(super) fn wipe(machine: &mut crate::core::machine::Machine, path: &str, (offset, len): (u64, u64), table: bool) -> Vec<Event> {
    let Some(dev) = machine.resolve(path) else { return Vec::new() };
    let mut events = machine.write_at(dev, offset, crate::core::media::Chunk::zeros(len)).unwrap_or_else(|e| e.events);
    if table && machine.disk(dev).is_some() {
        machine.reread(dev, &mut events);
    } else if !table && machine.probe(dev).is_none() {
        events.push(Event::SignatureWiped { dev: machine.name_of(dev) });
    }
    events
}
