//! Running compound commands (module `compound` parses them): `if`,
//! `while`, `until`, `for`, `case`, groups, subshells, `!`, functions and
//! `(( ))`, with `break`, `continue` and `return` on their way out, `set -e`'s
//! exceptions, and the bounds that keep deep or endless input from freezing
//! the page. Native only (feature `shell-scripts`).

use super::compound::Compound;
use super::exec::{as_written, expand, expand_globs, fnmatch, run_joined, run_pipeline, Input, SUBSTITUTION_DEPTH};
use super::syntax::{List, Pipeline};
use super::{printable, Output, Shell};

/// Where compound commands are while a top-level command runs.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Flow {
    /// `break N` (false) or `continue N` (true) on its way out of N loops.
    pub jump: Option<(bool, u32)>,
    /// Loops running now: `break` outside one is an error.
    pub loops: u32,
    /// Lists running as a test (an `if` or `while` condition, a command
    /// before `&&` or `||`, after `!`), where `set -e` does not act.
    pub tested: u32,
    /// An expansion failed (`$((1/0))`): bash drops the rest of the
    /// top-level command.
    pub aborted: bool,
    /// Loop rounds this top-level command has run.
    pub rounds: u32,
    /// Command substitutions and function calls this top-level command has
    /// run (recursion that branches grows exponentially).
    pub calls: u32,
    /// Compound commands running now.
    pub compounds: u32,
    /// The standard input of the compound command running now (`while read
    /// ...; done < FILE`), and how much of it its commands have read.
    pub stdin: Option<(Vec<u8>, usize)>,
    /// The local variables of each function call running now, as (name,
    /// value before), innermost last.
    pub frames: Vec<Vec<(String, Option<String>)>>,
    /// `return N` on its way out of the function.
    pub returning: Option<i32>,
}

/// How deep function calls may nest (a function that calls itself for ever).
pub const MAX_FUNCTION_DEPTH: usize = 64;

/// How deep compound commands may nest while they run, function bodies
/// included (each level takes stack).
pub const MAX_RUNNING_COMPOUNDS: u32 = 150;

/// Commands that read their standard input when no file is named: inside a
/// compound command with an input, they read the rest of it.
pub(super) const READERS: &[&str] = &["cat", "grep", "wc", "head", "tail", "tr", "dd", "fdisk", "sfdisk", "hexdump", "hd", "xxd", "md5sum", "sha256sum"];

/// Command substitutions and function calls one top-level command may run.
pub const MAX_CALLS: u32 = 100_000;

impl Flow {
    /// Counts a substitution or call; false (and the command ends) past `MAX_CALLS`.
    pub(super) fn count_call(&mut self) -> bool {
        self.calls += 1;
        if self.calls > MAX_CALLS {
            self.aborted = true;
        }
        self.calls <= MAX_CALLS
    }
}

/// Loop rounds one top-level command may run: `while true` would never end,
/// and the page must not freeze.
pub const MAX_LOOP_ROUNDS: u32 = 100_000;

/// `! PIPELINE`, whose failure `set -e` leaves alone.
pub(super) fn is_negated(pipeline: &Pipeline) -> bool {
    matches!(pipeline.as_slice(), [c] if matches!(c.compound.as_deref(), Some(Compound::Not(_))))
}

/// Runs a compound command. With `capture`, standard error stays apart
/// (the command's output goes down a pipe or into a file).
pub(super) fn run_compound(shell: &mut Shell, c: &Compound, capture: bool, input: Option<Input>) -> Output {
    // Functions that call each other nest compound commands at run time.
    if shell.flow.compounds >= MAX_RUNNING_COMPOUNDS {
        shell.flow.aborted = true;
        return Output::error(format!("storage-lab: compound commands and function calls nested more than {MAX_RUNNING_COMPOUNDS} deep\n"), 1);
    }
    shell.flow.compounds += 1;
    let outer = input.map(|i| shell.flow.stdin.replace((i.bytes(super::STREAM_LIMIT_BYTES as usize), 0)));
    let out = run_compound_in(shell, c, capture);
    if let Some(outer) = outer {
        shell.flow.stdin = outer;
    }
    shell.flow.compounds -= 1;
    out
}

fn run_compound_in(shell: &mut Shell, c: &Compound, capture: bool) -> Output {
    match c {
        Compound::Group(list) => run_joined(shell, list, &[], capture),
        Compound::Not(pipeline) => {
            shell.flow.tested += 1;
            let mut o = run_pipeline(shell, pipeline, &[], capture);
            shell.flow.tested -= 1;
            o.exit_status = i32::from(o.exit_status == 0);
            o
        }
        Compound::If { arms, otherwise } => {
            let mut out = Output::default();
            for (cond, body) in arms {
                let o = condition(shell, cond, capture);
                let holds = o.exit_status == 0;
                out.append(o);
                if stopped(shell) {
                    return out;
                }
                if holds {
                    out.append(run_joined(shell, body, &[], capture));
                    return out;
                }
            }
            out.exit_status = 0;
            if let Some(list) = otherwise {
                out.append(run_joined(shell, list, &[], capture));
            }
            out
        }
        Compound::While { until, cond, body } => looped(shell, |shell, out| {
            let o = condition(shell, cond, capture);
            let go = (o.exit_status == 0) != *until;
            let status = out.exit_status;
            out.append(o);
            out.exit_status = status;
            if go && !stopped(shell) {
                out.append(run_joined(shell, body, &[], capture));
            }
            go
        }),
        Compound::Arith(text) => arith_command(shell, text),
        Compound::Cond(tokens) => super::conditional::double_bracket(shell, tokens),
        Compound::ForArith { init, test, step, body } => {
            // An error in any of the three expressions ends the loop with status 1.
            let part = |shell: &mut Shell, out: &mut Output, expr: &str| -> Option<bool> {
                if expr.trim().is_empty() {
                    return Some(true);
                }
                let o = arith_command(shell, expr);
                if o.err.is_empty() {
                    return Some(o.exit_status == 0);
                }
                if capture { &mut out.err } else { &mut out.text }.push_str(&o.err);
                None
            };
            let mut out = Output::default();
            let mut failed = part(shell, &mut out, init).is_none();
            let mut first = true;
            if !failed {
                let o = looped(shell, |shell, out| {
                    let step_ok = std::mem::take(&mut first) || part(shell, out, step).is_some();
                    match step_ok.then(|| part(shell, out, test)).flatten() {
                        Some(true) => {
                            out.append(run_joined(shell, body, &[], capture));
                            true
                        }
                        Some(false) => false,
                        None => {
                            failed = true;
                            false
                        }
                    }
                });
                out.append(o);
            }
            if failed {
                out.exit_status = 1;
            }
            out
        }
        Compound::Function { name, body } => {
            shell.functions.retain(|(n, _)| n != name);
            shell.functions.push((name.clone(), (**body).clone()));
            Output::default()
        }
        Compound::Subshell(list) => subshell(shell, |shell| run_joined(shell, list, &[], capture)),
        Compound::Case { word, items } => {
            let mut out = Output::default();
            let subject = expand(shell, word, false, &mut out).concat();
            let mut fall_through = false;
            for item in items {
                if !fall_through {
                    let mut matched = false;
                    for p in &item.patterns {
                        let pattern = expand(shell, p, false, &mut out).concat();
                        if fnmatch(pattern.as_bytes(), subject.as_bytes()) {
                            matched = true;
                            break;
                        }
                    }
                    if !matched || stopped(shell) {
                        continue;
                    }
                }
                out.append(run_joined(shell, &item.body, &[], capture));
                if item.body.is_empty() {
                    out.exit_status = 0;
                }
                fall_through = item.end == ";&";
                if item.end == ";;" || stopped(shell) {
                    break;
                }
            }
            out
        }
        Compound::For { name, words, body } => {
            let mut out = Output::default();
            if !super::syntax::is_name(name) {
                return Output::error(format!("bash: `{}': not a valid identifier\n", printable(name)), 1);
            }
            let values = expand_globs(shell, words, &mut out);
            let depth = SUBSTITUTION_DEPTH.with(|d| d.get()) as usize;
            let trace = format!("{} for {name} in{}\n", "+".repeat(depth + 1), words.words.iter().map(|w| format!(" {}", as_written(w))).collect::<String>());
            let mut values = values.into_iter();
            let mut o = looped(shell, |shell, out| {
                let Some(value) = values.next() else { return false };
                if shell.options.xtrace {
                    // Where the body's errors go: apart, or in place.
                    if capture { &mut out.err } else { &mut out.text }.push_str(&trace);
                }
                shell.set_var(name, Some(value));
                out.append(run_joined(shell, body, &[], capture));
                true
            });
            out.append(std::mem::take(&mut o));
            out
        }
    }
}

/// Runs a loop's rounds while `round` says to go on: `break`, `continue`,
/// `exit` and a failed expansion end it or its round. A loop that ran no
/// body has status 0.
fn looped(shell: &mut Shell, mut round: impl FnMut(&mut Shell, &mut Output) -> bool) -> Output {
    let mut out = Output::default();
    shell.flow.loops += 1;
    loop {
        if shell.flow.rounds >= MAX_LOOP_ROUNDS {
            out.err.push_str(&format!("storage-lab: loop stopped after {MAX_LOOP_ROUNDS} rounds\n"));
            out.exit_status = 1;
            shell.flow.aborted = true;
            break;
        }
        shell.flow.rounds += 1;
        if !round(shell, &mut out) {
            break;
        }
        match shell.flow.jump.take() {
            Some((again, n)) if n > 1 => {
                shell.flow.jump = Some((again, n - 1));
                break;
            }
            Some((false, _)) => break,
            _ => {}
        }
        if stopped(shell) {
            break;
        }
    }
    shell.flow.loops -= 1;
    out
}

/// A condition's list: `set -e` does not act inside it.
fn condition(shell: &mut Shell, list: &List, capture: bool) -> Output {
    shell.flow.tested += 1;
    let o = run_joined(shell, list, &[], capture);
    shell.flow.tested -= 1;
    o
}

/// True when nothing more of the current command may run.
fn stopped(shell: &Shell) -> bool {
    shell.exited.is_some() || shell.flow.aborted || shell.flow.jump.is_some() || shell.flow.returning.is_some()
}

/// Runs `f` as in a subshell: the shell's variables, options, functions,
/// positional parameters, directory and control flow (`exit`, `break`,
/// `return`, a failed expansion) stay inside, while what it does to disks
/// and files stays done.
pub(super) fn subshell(shell: &mut Shell, f: impl FnOnce(&mut Shell) -> Output) -> Output {
    let saved = Outer::enter(shell);
    let o = f(shell);
    saved.restore(shell);
    o
}

/// What a subshell leaves as it was.
pub(super) struct Outer {
    vars: Vec<(String, String)>,
    options: super::builtins::SetOptions,
    exited: Option<i32>,
    cwd: String,
    functions: Vec<(String, Compound)>,
    positional: Vec<String>,
    aborted: bool,
    loops: u32,
    frames: usize,
}

impl Outer {
    pub(super) fn enter(shell: &mut Shell) -> Outer {
        let outer = Outer {
            vars: shell.vars.clone(),
            options: shell.options.clone(),
            exited: shell.exited,
            cwd: shell.cwd.clone(),
            functions: shell.functions.clone(),
            positional: shell.positional.clone(),
            aborted: shell.flow.aborted,
            loops: shell.flow.loops,
            frames: shell.flow.frames.len(),
        };
        shell.flow.loops = 0;
        outer
    }

    pub(super) fn restore(self, shell: &mut Shell) {
        (shell.vars, shell.options, shell.exited, shell.cwd, shell.functions, shell.positional) = (self.vars, self.options, self.exited, self.cwd, self.functions, self.positional);
        (shell.flow.aborted, shell.flow.loops) = (self.aborted, self.loops);
        shell.flow.frames.truncate(self.frames);
        shell.flow.jump = None;
        shell.flow.returning = None;
    }
}

/// Runs a function with ARGS as its positional parameters; its `local`
/// variables get their values back when it returns.
pub(super) fn call_function(shell: &mut Shell, name: &str, args: &[String], capture: bool, input: Option<Input>) -> Output {
    let Some(body) = shell.functions.iter().find(|(n, _)| n == name).map(|(_, b)| b.clone()) else { return Output::default() };
    if !shell.flow.count_call() {
        return Output::error(format!("storage-lab: more than {MAX_CALLS} command substitutions and function calls in one command\n"), 1);
    }
    if shell.flow.frames.len() >= MAX_FUNCTION_DEPTH {
        shell.flow.aborted = true;
        return Output::error(format!("storage-lab: {}: functions nested too deeply (more than {MAX_FUNCTION_DEPTH} calls)\n", printable(name)), 1);
    }
    let outer = std::mem::replace(&mut shell.positional, args.to_vec());
    shell.flow.frames.push(Vec::new());
    // `break` in a function does not leave the caller's loop.
    let loops = std::mem::take(&mut shell.flow.loops);
    let mut o = run_compound(shell, &body, capture, input);
    shell.flow.loops = loops;
    shell.flow.jump = None;
    for (var, value) in shell.flow.frames.pop().unwrap_or_default().into_iter().rev() {
        shell.set_var(&var, value);
    }
    shell.positional = outer;
    if let Some(status) = shell.flow.returning.take() {
        o.exit_status = status;
    }
    o
}

/// `(( EXPRESSION ))`: status 0 when it is not 0, 1 when it is or on an
/// error (which, unlike one in `$((...))`, lets the line go on).
pub(super) fn arith_command(shell: &mut Shell, expr: &str) -> Output {
    let mut out = Output::default();
    let text = expand(shell, &super::syntax::mark_parameters(&expr.replace('"', "")), false, &mut out).concat();
    match super::arith::eval(shell, &text) {
        Ok(v) => out.exit_status = i32::from(v == 0),
        Err(e) => {
            out.err.push_str(&format!("bash: ((: {}\n", printable(&e)));
            out.exit_status = 1;
        }
    }
    out
}

