//! The app's single source of truth: the session log, the shell replayed from
//! it, the console transcript and the animation queue.
//!
//! `Lab` is a Yew `Reducible`; `reduce` is pure (no timers, storage or DOM), so
//! every effect lives in a hook. Undo, redo, reset and loading a shared link all
//! rebuild the shell by replaying the log.

use crate::console::session::{Session, Start};
use crate::console::Shell;
use crate::core::Event;
use std::rc::Rc;
use yew::Reducible;

/// Which figure is on screen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Figure {
    Blocks,
    Lvm,
}

impl Figure {
    pub fn id(self) -> &'static str {
        match self {
            Figure::Blocks => "blocks",
            Figure::Lvm => "lvm",
        }
    }

    pub fn from_id(id: &str) -> Option<Figure> {
        match id {
            "blocks" | "1" => Some(Figure::Blocks),
            "lvm" | "2" => Some(Figure::Lvm),
            _ => None,
        }
    }
}

/// One block of the console: a command with its output, answers included.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    /// The prompt and command line, for top-level commands.
    pub command: Option<String>,
    pub text: String,
}

/// The events of the latest command and how far the figure has played them.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Anim {
    pub events: Vec<Event>,
    pub cursor: usize,
    /// The lecturer paused the animation to talk through a step.
    pub paused: bool,
}

impl Anim {
    /// Events remain to be shown.
    pub fn pending(&self) -> bool {
        self.cursor < self.events.len()
    }

    /// The timer should advance the animation.
    pub fn playing(&self) -> bool {
        self.pending() && !self.paused
    }
}

/// Transcript entries kept on screen; older ones scroll away.
const MAX_ENTRIES: usize = 300;

#[derive(Clone)]
pub struct Lab {
    pub session: Session,
    pub shell: Shell,
    pub entries: Vec<Entry>,
    pub redo: Vec<Vec<String>>,
    pub anim: Anim,
    pub reduced_motion: bool,
    pub error: Option<String>,
    /// Bumped on every change of the log, so effects can depend on it cheaply.
    pub revision: u64,
}

pub enum Action {
    /// Type and run these lines in order (console input or a button).
    Run(Vec<String>),
    Undo,
    Redo,
    Reset,
    /// Replace the session (from a shared link or saved state).
    Load(Session),
    /// Show an error without touching the state.
    Fail(String),
    DismissError,
    ClearScreen,
    /// Advance the animation by one event.
    Tick,
    /// Jump the animation to its end.
    Skip,
    /// Replay the latest command's animation from the start.
    Replay,
    /// Pause or resume the animation.
    TogglePause,
    /// Show the next event (for stepping while paused).
    Step,
    SetReducedMotion(bool),
}

impl Lab {
    pub fn new(session: Session) -> Lab {
        let mut lab = Lab {
            session: Session::new(Start::Lab, session.seed),
            shell: Shell::new(crate::core::Machine::empty(0)),
            entries: Vec::new(),
            redo: Vec::new(),
            anim: Anim::default(),
            reduced_motion: false,
            error: None,
            revision: 0,
        };
        if let Err(e) = lab.rebuild(session.clone()) {
            lab.error = Some(e);
            let fallback = Session::new(Start::Lab, 0);
            let _ = lab.rebuild(fallback);
        }
        lab
    }

    /// Replays `session` from scratch; on failure the current state is kept.
    fn rebuild(&mut self, session: Session) -> Result<(), String> {
        let mut shell = Shell::new(session.machine()?);
        let mut entries = Vec::new();
        for line in &session.lines {
            Self::feed(&mut shell, &mut entries, line);
        }
        self.session = session;
        self.shell = shell;
        self.entries = entries;
        self.anim = Anim::default();
        self.revision += 1;
        Ok(())
    }

    /// Runs one line and records it in the transcript, returning its events.
    fn feed(shell: &mut Shell, entries: &mut Vec<Entry>, line: &str) -> Vec<Event> {
        let was_interactive = shell.is_interactive();
        let prompt = shell.prompt();
        let out = shell.run(line);
        if out.clear_screen {
            entries.clear();
            return out.events;
        }
        match entries.last_mut() {
            Some(last) if was_interactive => {
                last.text.push_str(line);
                last.text.push('\n');
                last.text.push_str(&out.text);
            }
            _ => entries.push(Entry { command: Some(format!("{prompt}{line}")), text: out.text }),
        }
        if entries.len() > MAX_ENTRIES {
            entries.drain(..entries.len() - MAX_ENTRIES);
        }
        out.events
    }

    /// The prompt the console shows: the shell's, or nothing when the open
    /// dialog's question already ends the transcript.
    pub fn input_prompt(&self) -> String {
        if self.shell.is_interactive() {
            String::new()
        } else {
            self.shell.prompt()
        }
    }
}

impl Reducible for Lab {
    type Action = Action;

    fn reduce(self: Rc<Self>, action: Action) -> Rc<Self> {
        let mut lab = (*self).clone();
        match action {
            Action::Run(lines) => {
                let mut events = Vec::new();
                for line in lines {
                    if lab.session.lines.len() >= crate::console::session::MAX_SESSION_LINES {
                        lab.error = Some("This session is full (5000 lines). Reset to start a new one.".into());
                        break;
                    }
                    lab.session.lines.push(line.clone());
                    events.extend(Self::feed(&mut lab.shell, &mut lab.entries, &line));
                }
                lab.redo.clear();
                lab.revision += 1;
                let cursor = if lab.reduced_motion { events.len() } else { 0 };
                lab.anim = Anim { events, cursor, paused: lab.anim.paused };
            }
            Action::Undo => {
                if let Some((previous, removed)) = lab.session.undone() {
                    if lab.rebuild(previous).is_ok() {
                        lab.redo.push(removed);
                    }
                }
            }
            Action::Redo => {
                if let Some(group) = lab.redo.pop() {
                    let redo = std::mem::take(&mut lab.redo);
                    let mut next = Rc::new(lab).reduce(Action::Run(group));
                    Rc::make_mut(&mut next).redo = redo;
                    return next;
                }
            }
            Action::Reset => {
                let fresh = Session::new(lab.session.start.clone(), lab.session.seed);
                let _ = lab.rebuild(fresh);
                lab.redo.clear();
            }
            Action::Load(session) => {
                if let Err(e) = lab.rebuild(session) {
                    lab.error = Some(format!("Could not load the session: {e}. Your current session is unchanged."));
                }
                lab.redo.clear();
            }
            Action::Fail(message) => lab.error = Some(message),
            Action::DismissError => lab.error = None,
            Action::ClearScreen => lab.entries.clear(),
            Action::Tick => {
                if lab.anim.playing() {
                    lab.anim.cursor += 1;
                }
            }
            Action::Step => {
                if lab.anim.pending() {
                    lab.anim.cursor += 1;
                }
            }
            Action::TogglePause => lab.anim.paused = !lab.anim.paused,
            Action::Skip => lab.anim.cursor = lab.anim.events.len(),
            Action::Replay => lab.anim.cursor = 0,
            Action::SetReducedMotion(on) => {
                lab.reduced_motion = on;
                if on {
                    lab.anim.cursor = lab.anim.events.len();
                }
            }
        }
        Rc::new(lab)
    }
}

/// Devices whose appearance is still ahead in the animation, and the device the
/// current step is about.
pub fn animation_marks(anim: &Anim) -> (Vec<String>, Option<String>) {
    let subject = |e: &Event| -> Option<String> {
        match e {
            Event::DiskAttached { disk } => Some(disk.clone()),
            Event::PartitionAppeared { dev, .. } => Some(dev.clone()),
            Event::PartitionPlanned { disk, number, .. } => Some(crate::core::disk::partition_name(disk, *number)),
            Event::LvCreated { vg, lv } => Some(format!("{vg}/{lv}")),
            Event::ExtentsAllocated { vg, lv, pv, pe_start, .. } => Some(format!("{vg}/{lv}@{pv}:{pe_start}")),
            Event::ThinChunksAllocated { vg, pool, .. } => Some(format!("{vg}/{pool}")),
            Event::PvCreated { dev } => Some(dev.clone()),
            Event::VgCreated { vg } => Some(vg.clone()),
            _ => None,
        }
    };
    let hidden = anim.events.iter().skip(anim.cursor).filter(|e| !matches!(e, Event::ThinChunksAllocated { .. })).filter_map(subject).collect();
    let active = anim.cursor.checked_sub(1).and_then(|i| anim.events.get(i)).and_then(subject);
    (hidden, active)
}
