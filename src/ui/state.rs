//! The app's single source of truth: the session log, the shell replayed from
//! it, the console transcript and the animation queue.
//!
//! `Lab` is a Yew `Reducible`; `reduce` is pure (no timers, storage or DOM), so
//! every effect lives in a hook. Undo, redo, reset and loading a shared link all
//! rebuild the shell by replaying the log.

use crate::console::session::{Session, Start};
use crate::console::Shell;
use crate::core::Event;
use crate::view::figures::{self, FigureId};
use crate::view::{Scene, SpaceLog, Timeline};
use std::rc::Rc;
use yew::Reducible;

/// One block of the console: a command with its output, answers included.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    /// The prompt and command line, for top-level commands.
    pub command: Option<String>,
    pub text: String,
}

/// The latest command's timeline and how far the figure has played it.
#[derive(Debug, Clone)]
pub struct Anim {
    pub timeline: Rc<Timeline>,
    /// Frames shown: 0 is the scene before the command, `len` the scene after.
    pub cursor: usize,
    /// The lecturer paused the animation to talk through a step.
    pub paused: bool,
    /// Playback speed: 0.5, 1, 2 or 4 times the normal pace.
    pub speed: f64,
}

/// Two animations are the same when they play the same timeline (one `Rc`)
/// from the same place: comparing the timelines' events would cost every
/// render a walk over them.
impl PartialEq for Anim {
    fn eq(&self, other: &Anim) -> bool {
        Rc::ptr_eq(&self.timeline, &other.timeline) && self.cursor == other.cursor && self.paused == other.paused && self.speed == other.speed
    }
}

impl Default for Anim {
    fn default() -> Anim {
        Anim { timeline: Rc::default(), cursor: 0, paused: false, speed: 1.0 }
    }
}

/// The speeds the speed control offers.
pub const SPEEDS: [f64; 4] = [0.5, 1.0, 2.0, 4.0];

impl Anim {
    /// Events remain to be shown.
    pub fn pending(&self) -> bool {
        self.cursor < self.timeline.len()
    }

    /// The timer should advance the animation.
    pub fn playing(&self) -> bool {
        self.pending() && !self.paused
    }

    /// Milliseconds between two steps at the current speed.
    pub fn step_ms(&self, base_ms: u32) -> u32 {
        (f64::from(base_ms) / self.speed.max(0.25)).round() as u32
    }

    /// The caption of the frame on screen.
    pub fn caption(&self) -> Option<String> {
        self.timeline.caption(self.cursor)
    }
}

/// Transcript entries kept on screen; older ones scroll away.
const MAX_ENTRIES: usize = 300;

#[derive(Clone)]
pub struct Lab {
    pub session: Session,
    /// Shared, so an animation tick or a render does not copy the machine.
    pub shell: Rc<Shell>,
    pub entries: Rc<Vec<Entry>>,
    /// Figure 5's plot: each image's host space after every command.
    pub space: SpaceLog,
    pub redo: Vec<Vec<String>>,
    pub anim: Anim,
    pub reduced_motion: bool,
    pub error: Option<String>,
    /// The figure on screen.
    pub figure: FigureId,
    /// The figure stays put when commands call for another one.
    pub pinned: bool,
    /// Bumped on every change of the log, so effects can depend on it cheaply.
    pub revision: u64,
    /// Where each top-level command starts in the log: the undo points.
    marks: Vec<usize>,
    /// Copies of the state every `CHECKPOINT_LINES` lines, so undo replays
    /// only the lines since the nearest one.
    checkpoints: Vec<Checkpoint>,
}

/// The state after the first `lines` lines of the log.
#[derive(Clone)]
struct Checkpoint {
    lines: usize,
    shell: Rc<Shell>,
    entries: Rc<Vec<Entry>>,
    space: SpaceLog,
}

/// How often the log keeps a checkpoint: undo replays at most this many lines.
const CHECKPOINT_LINES: usize = 200;

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
    /// The timer advances the animation by one frame.
    Tick,
    /// Jump the animation to its end.
    Skip,
    /// Replay the latest command's animation from the start.
    Replay,
    /// Pause or resume the animation.
    TogglePause,
    /// Show the next frame.
    Step,
    /// Show the previous frame.
    StepBack,
    SetSpeed(f64),
    SetReducedMotion(bool),
    Show(FigureId),
    TogglePin,
}

impl Lab {
    pub fn new(session: Session) -> Lab {
        let mut lab = Lab {
            session: Session::new(Start::Lab, session.seed),
            shell: Rc::new(Shell::new(crate::core::Machine::empty(0))),
            entries: Rc::default(),
            space: SpaceLog::default(),
            redo: Vec::new(),
            anim: Anim::default(),
            reduced_motion: false,
            error: None,
            figure: FigureId::Blocks,
            pinned: false,
            revision: 0,
            marks: Vec::new(),
            checkpoints: Vec::new(),
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
        let machine = session.machine()?;
        let lines = session.lines.clone();
        self.session = Session { lines: Vec::new(), ..session };
        self.shell = Rc::new(Shell::new(machine));
        self.entries = Rc::default();
        self.space = SpaceLog::default();
        self.marks.clear();
        self.checkpoints.clear();
        for line in lines {
            self.advance(line);
        }
        self.anim = Anim { speed: self.anim.speed, paused: self.anim.paused, ..Anim::default() };
        self.revision += 1;
        Ok(())
    }

    /// Runs one more line of the log: notes an undo point where a command
    /// starts and a checkpoint every `CHECKPOINT_LINES` lines.
    fn advance(&mut self, line: String) -> Vec<Event> {
        if !self.shell.is_interactive() && !line.trim().is_empty() {
            self.marks.push(self.session.lines.len());
        }
        let events = Self::feed(Rc::make_mut(&mut self.shell), Rc::make_mut(&mut self.entries), &line);
        self.space.record(&events);
        self.session.lines.push(line);
        let n = self.session.lines.len();
        if n % CHECKPOINT_LINES == 0 {
            self.checkpoints.push(Checkpoint { lines: n, shell: self.shell.clone(), entries: self.entries.clone(), space: self.space.clone() });
        }
        events
    }

    /// Drops the last command and the answers typed to it, replaying only
    /// from the nearest checkpoint. Returns the lines removed.
    fn undo(&mut self) -> Option<Vec<String>> {
        let cut = self.marks.pop()?;
        self.checkpoints.retain(|c| c.lines <= cut);
        let removed = self.session.lines.split_off(cut);
        let replay = match self.checkpoints.last() {
            Some(c) => {
                self.shell = c.shell.clone();
                self.entries = c.entries.clone();
                self.space = c.space.clone();
                self.session.lines.split_off(c.lines)
            }
            None => {
                let machine = self.session.machine().ok()?;
                self.shell = Rc::new(Shell::new(machine));
                self.entries = Rc::default();
                self.space = SpaceLog::default();
                std::mem::take(&mut self.session.lines)
            }
        };
        let from = self.session.lines.len();
        self.marks.retain(|m| *m < from);
        for line in replay {
            self.advance(line);
        }
        self.anim = Anim { speed: self.anim.speed, paused: self.anim.paused, ..Anim::default() };
        self.revision += 1;
        Some(removed)
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

    /// The scene on screen: a frame of the animation, or `now` (the current
    /// state) with the last step's highlights (focus, a read's lookup) kept.
    pub fn scene(&self, now: &Scene) -> Scene {
        let frame = self.anim.timeline.frame(self.anim.cursor);
        if self.anim.pending() {
            frame
        } else {
            Scene { focus: frame.focus, lookup: frame.lookup, ..now.clone() }
        }
    }

    fn run(&mut self, lines: Vec<String>) {
        let before = Scene::of(&self.shell);
        let mut events = Vec::new();
        for line in lines {
            if self.session.lines.len() >= crate::console::session::MAX_SESSION_LINES {
                self.error = Some(format!("This session is full ({} lines). Reset to start a new one.", crate::console::session::MAX_SESSION_LINES));
                break;
            }
            events.extend(self.advance(line));
        }
        self.redo.clear();
        self.revision += 1;
        if let Some(home) = figures::follow(&events).filter(|_| !self.pinned) {
            self.figure = home;
        }
        let timeline = Timeline::new(before, events);
        let cursor = if self.reduced_motion { timeline.len() } else { 0 };
        self.anim = Anim { timeline: Rc::new(timeline), cursor, ..self.anim.clone() };
    }
}

impl Reducible for Lab {
    type Action = Action;

    fn reduce(self: Rc<Self>, action: Action) -> Rc<Self> {
        let mut lab = (*self).clone();
        match action {
            Action::Run(lines) => lab.run(lines),
            Action::Undo => {
                if let Some(removed) = lab.undo() {
                    lab.redo.push(removed);
                }
            }
            Action::Redo => {
                if let Some(group) = lab.redo.pop() {
                    let redo = std::mem::take(&mut lab.redo);
                    lab.run(group);
                    lab.redo = redo;
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
            Action::ClearScreen => lab.entries = Rc::default(),
            Action::Tick => {
                if lab.anim.playing() {
                    lab.anim.cursor += 1;
                }
            }
            Action::Step => lab.anim.cursor = (lab.anim.cursor + 1).min(lab.anim.timeline.len()),
            Action::StepBack => {
                lab.anim.cursor = lab.anim.cursor.saturating_sub(1);
                lab.anim.paused = true;
            }
            Action::TogglePause => lab.anim.paused = !lab.anim.paused,
            Action::Skip => lab.anim.cursor = lab.anim.timeline.len(),
            Action::Replay => {
                lab.anim.cursor = 0;
                lab.anim.paused = false;
            }
            Action::SetSpeed(speed) => lab.anim.speed = SPEEDS.into_iter().find(|s| (s - speed).abs() < 1e-9).unwrap_or(1.0),
            Action::SetReducedMotion(on) => {
                lab.reduced_motion = on;
                if on {
                    lab.anim.cursor = lab.anim.timeline.len();
                }
            }
            Action::Show(figure) => lab.figure = figure,
            Action::TogglePin => lab.pinned = !lab.pinned,
        }
        Rc::new(lab)
    }
}
