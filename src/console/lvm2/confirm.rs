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
pub(super) fn execute(shell: &mut Shell, mut c: Confirm, mut text: String, mut events: Vec<Event>, eof: bool) -> Output {
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
                let hidden = shell.machine.lvm().vg(&vg).and_then(|v| v.lv(&lv)).is_some_and(|l| l.is_hidden());
                match shell.machine.lvremove(&vg, &lv) {
                    Ok(e) => {
                        events.extend(e);
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

pub(super) fn start(shell: &mut Shell, steps: Vec<Planned>, stop_on_error: bool, text: String, events: Vec<Event>) -> Output {
    execute(shell, Confirm { steps: steps.into(), failed: false, stop_on_error, command_line: String::new() }, text, events, false)
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
    let command_line = c.command_line.clone();
    let out = recording(shell, &command_line, |shell| answer(shell, c, line));
    if let Some(Interactive::Confirm(c)) = shell.interactive.as_mut() {
        c.command_line = command_line;
    }
    out
}

fn answer(shell: &mut Shell, mut c: Confirm, line: &str) -> Output {
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

