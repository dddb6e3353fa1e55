//! Running parsed command lines: `;`/`&&`/`||` lists, pipelines whose stages
//! feed each other's standard input, and redirections to and from files.
//!
//! Every command gets its standard input as an `Input` (or none: the terminal)
//! and returns its standard output and standard error separately, so `>`
//! redirects only what bash would. An interactive tool that opened a dialog
//! reads its standard input line by line and then sees end of input, exactly
//! as with a pipe or a file.

use crate::core::order::SmallSort;
use super::syntax::{Join, List, Pipeline, Redirect};
#[cfg(feature = "shell-scripts")]
use super::control::{call_function, is_negated, run_compound, subshell, Outer, MAX_CALLS, READERS};
use super::{printable, Output, Shell};
use crate::core::media::Chunk;

/// A command's standard input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Input {
    Bytes(Vec<u8>),
    /// `yes WORD |`: the same line for ever.
    Repeat(String),
}

impl Input {
    /// Line `i` (without its newline), or None past the end.
    pub fn line(&self, i: usize) -> Option<String> {
        match self {
            Input::Repeat(s) => Some(s.clone()),
            Input::Bytes(b) => {
                let text = String::from_utf8_lossy(b);
                let mut lines = text.split_inclusive('\n');
                lines.nth(i).map(|l| l.strip_suffix('\n').unwrap_or(l).to_string())
            }
        }
    }

    /// All bytes; a repeated line is cut after `max` bytes.
    pub fn bytes(&self, max: usize) -> Vec<u8> {
        match self {
            Input::Bytes(b) => b.clone(),
            Input::Repeat(s) => {
                let line = format!("{s}\n");
                line.bytes().cycle().take(max.max(line.len())).collect()
            }
        }
    }
}

/// Runs a list; `bodies` are the here-document bodies in order of appearance.
pub fn run_list(shell: &mut Shell, list: &List, bodies: &[String]) -> Output {
    #[cfg(feature = "shell-scripts")]
    {
        let out = run_joined(shell, list, bodies, false);
        shell.flow = super::control::Flow::default();
        out
    }
    #[cfg(not(feature = "shell-scripts"))]
    run_joined(shell, list, bodies)
}

/// `run_list`, with standard error joined to the output where each pipeline
/// ran, or kept apart (`capture`, for a command substitution).
pub(super) fn run_joined(shell: &mut Shell, list: &List, bodies: &[String], #[cfg(feature = "shell-scripts")] capture: bool) -> Output {
    let mut out = Output::default();
    let mut next_body = 0;
    let mut status = 0;
    for (i, (join, pipeline)) in list.iter().enumerate() {
        let skip = match join {
            Join::And => status != 0,
            Join::Or => status == 0,
            Join::First | Join::Then => false,
        };
        let docs = pipeline.iter().flat_map(|c| &c.redirects).filter(|r| matches!(r, Redirect::HereDoc { .. })).count();
        let mine = &bodies[next_body.min(bodies.len())..(next_body + docs).min(bodies.len())];
        next_body += docs;
        if skip {
            continue;
        }
        #[cfg(feature = "shell-scripts")]
        let tested = list.get(i + 1).is_some_and(|(j, _)| matches!(j, Join::And | Join::Or)) || is_negated(pipeline);
        #[cfg(feature = "shell-scripts")]
        let mut o = {
            shell.flow.tested += u32::from(tested);
            let o = run_pipeline(shell, pipeline, mine, capture);
            shell.flow.tested -= u32::from(tested);
            o
        };
        #[cfg(not(feature = "shell-scripts"))]
        let mut o = run_pipeline(shell, pipeline, mine);
        status = o.exit_status;
        shell.last_status = status;
        // On the terminal a pipeline's errors come where it ran, before the
        // output of the ones after it (`echo a; cat /nope; echo b`).
        // Kept apart for a redirection, they keep the order they were
        // written in (`Output::both`), which `2>&1` gives back.
        #[cfg(feature = "shell-scripts")]
        if !capture {
            o.join_errors();
        } else if o.both.is_none() && !o.err.is_empty() {
            o.both = Some(format!("{}{}", o.err, o.text));
        }
        #[cfg(not(feature = "shell-scripts"))]
        out.text.push_str(&std::mem::take(&mut o.err));
        out.append(o);
        #[cfg(not(feature = "shell-scripts"))]
        let _ = i;
        #[cfg(feature = "shell-scripts")]
        if shell.exited.is_some() || (status != 0 && shell.options.errexit && !tested && shell.flow.tested == 0) {
            // `exit`, or `set -e` after a command whose failure nothing tests.
            shell.exited.get_or_insert(status);
            break;
        }
        #[cfg(feature = "shell-scripts")]
        if shell.flow.jump.is_some() || shell.flow.aborted || shell.flow.returning.is_some() {
            break;
        }
    }
    out.exit_status = status;
    out
}

pub(super) fn run_pipeline(shell: &mut Shell, pipeline: &Pipeline, bodies: &[String], #[cfg(feature = "shell-scripts")] capture: bool) -> Output {
    let mut out = Output::default();
    let mut stdin: Option<Input> = None;
    let mut body = bodies.iter();
    // `set -o pipefail`: the last stage that failed gives the status.
    #[cfg(feature = "shell-scripts")]
    let mut failed = 0;
    for (i, cmd) in pipeline.iter().enumerate() {
        let last = i + 1 == pipeline.len();
        #[cfg(feature = "shell-scripts")]
        SUBSTITUTION_STATUS.with(|s| s.set(None));
        // `set -u`: an unset variable is an error that ends a script.
        #[cfg(feature = "shell-scripts")]
        if let Some(name) = unbound(shell, cmd) {
            out.err.push_str(&format!("bash: {name}: unbound variable\n"));
            out.exit_status = 1;
            shell.exited = Some(1);
            return out;
        }
        // `NAME=VALUE` alone sets a shell variable; before a command it is
        // that command's environment, which no lab tool reads.
        #[cfg(feature = "shell-scripts")]
        if cmd.words.is_empty() {
            for (name, value) in &cmd.assigns {
                let value = expand(shell, value, false, &mut out).concat();
                let (name, value) = appended(shell, name, value);
                shell.set_var(name, Some(value));
            }
        }
        #[cfg(feature = "shell-scripts")]
        let mut words = expand_globs(shell, cmd, &mut out);
        // `IFS= read line`: assignments before a command hold while it runs.
        #[cfg(feature = "shell-scripts")]
        let temporary: Vec<(String, Option<String>)> = if cmd.words.is_empty() {
            Vec::new()
        } else {
            cmd.assigns.iter().map(|(name, value)| {
                let value = expand(shell, value, false, &mut out).concat();
                let (name, value) = appended(shell, name, value);
                let before = shell.is_set(name).then(|| shell.var(name));
                shell.set_var(name, Some(value));
                (name.to_string(), before)
            }).collect()
        };
        #[cfg(not(feature = "shell-scripts"))]
        let mut words = expand_globs(shell, cmd);
        #[cfg(feature = "shell-scripts")]
        if shell.flow.aborted {
            out.exit_status = 1;
            return out;
        }
        #[cfg(feature = "shell-scripts")]
        if shell.options.xtrace && cmd.compound.is_none() {
            out.err.push_str(&xtrace(shell, cmd, &words));
        }
        #[cfg(feature = "shell-scripts")]
        let redirects = &cmd.redirects.iter().map(|r| expand_redirect(shell, r, &mut out)).collect::<Vec<_>>();
        #[cfg(not(feature = "shell-scripts"))]
        let redirects = &cmd.redirects;
        while words.first().is_some_and(|w| w == "sudo") {
            words.remove(0);
        }
        #[cfg(feature = "shell-scripts")]
        if let Err(e) = open_targets(shell, redirects) {
            out.err.push_str(&e);
            out.exit_status = 1;
            failed = 1;
            stdin = Some(Input::Bytes(Vec::new()));
            continue;
        }
        let input = match input_redirect(shell, redirects, &mut body) {
            Ok(Some(r)) => Some(r),
            #[cfg(feature = "shell-scripts")]
            Ok(None) if i == 0 && words.first().is_some_and(|w| READERS.contains(&w.as_str())) => shell.flow.stdin.as_mut().map(|(bytes, at)| {
                let rest = bytes.get(*at..).unwrap_or_default().to_vec();
                *at = bytes.len();
                Input::Bytes(rest)
            }),
            Ok(None) => stdin.take(),
            Err(e) => {
                out.err.push_str(&e);
                out.exit_status = 1;
                stdin = Some(Input::Bytes(Vec::new()));
                continue;
            }
        };
        // `yes` never ends: the next stage reads the same line for ever.
        if !last && words.first().is_some_and(|w| w == "yes") {
            stdin = Some(Input::Repeat(words.get(1).cloned().unwrap_or_else(|| "y".into())));
            continue;
        }
        // Each stage of a pipeline runs in a subshell: `echo x | read y`
        // leaves y as it was, and `echo | exit 3` ends no script.
        #[cfg(feature = "shell-scripts")]
        let outer = (pipeline.len() > 1).then(|| Outer::enter(shell));
        // A compound command's or function's errors join its output where
        // they happen when both go straight to the terminal.
        #[cfg(feature = "shell-scripts")]
        let apart = !(last && !capture && redirects.iter().all(|r| matches!(r, Redirect::In { .. } | Redirect::HereDoc { .. } | Redirect::HereString { .. })));
        #[cfg(all(feature = "zfs", feature = "shell-scripts"))]
        {
            shell.stdout_is_terminal = last && !capture && shell.flow.compounds == 0 && !redirects.iter().any(|r| matches!(r, Redirect::Out { .. } | Redirect::OutToErr));
        }
        #[cfg(feature = "shell-scripts")]
        let mut o = match (words.split_first(), cmd.compound.as_deref()) {
            (_, Some(c)) => run_compound(shell, c, apart, input),
            (Some((name, args)), None) if shell.functions.iter().any(|(n, _)| n == name) => call_function(shell, name, args, apart, input),
            (Some((name, args)), None) if name == "eval" => eval(shell, args, apart),
            (Some((name, args)), None) => {
                let mut o = shell.dispatch(name, args, input.as_ref());
                // A dialog inside a compound command (`for d in ...; do fdisk
                // /dev/$d; done`) reads no lines: its input ends at once.
                if shell.flow.compounds > 0 && shell.interactive.is_some() {
                    let eof = shell.end_of_input();
                    o.then(eof);
                }
                o
            }
            (None, None) => Output { exit_status: SUBSTITUTION_STATUS.with(|s| s.take()).unwrap_or(0), ..Output::default() },
        };
        #[cfg(feature = "shell-scripts")]
        if let Some(outer) = outer {
            outer.restore(shell);
        }
        #[cfg(feature = "shell-scripts")]
        for (name, before) in temporary.into_iter().rev() {
            shell.set_var(&name, before);
        }
        #[cfg(not(feature = "shell-scripts"))]
        let mut o = match words.split_first() {
            Some((name, args)) => shell.dispatch(name, args, input.as_ref()),
            None => Output::default(),
        };
        if let Err(e) = output_redirects(shell, redirects, &mut o) {
            o.err.push_str(&e);
            o.exit_status = 1;
        }
        #[cfg(feature = "shell-scripts")]
        if o.exit_status != 0 {
            failed = o.exit_status;
        }
        if last {
            out.append(o);
        } else {
            stdin = Some(Input::Bytes(o.stdout_bytes()));
            #[cfg(feature = "shell-scripts")]
            {
                o.both = None;
            }
            let status = o.exit_status;
            out.append(o);
            out.exit_status = status;
        }
    }
    #[cfg(feature = "shell-scripts")]
    if shell.options.pipefail && out.exit_status == 0 {
        out.exit_status = failed;
    }
    out
}

/// The value of a marked parameter (`params`), and whether it came from a
/// WORD with quotes (which then keep it one word); a failure goes to `side`
/// and ends the script (`${NAME:?}`) or drops the rest of the command.
#[cfg(feature = "shell-scripts")]
fn parameter_value(shell: &mut Shell, form: &str, in_quotes: bool, side: &mut Output) -> (String, bool) {
    let mut errors = Output::default();
    let mut quoted = false;
    let mut word = |shell: &mut Shell, w: &str| {
        quoted |= w.contains(['"', '\'']);
        expand(shell, &super::syntax::mark_parameters(&without_quotes(w, in_quotes)), false, &mut errors).concat()
    };
    let value = super::params::value(shell, form, &mut word);
    side.err.push_str(&errors.err);
    side.events.extend(errors.events);
    match value {
        Ok(v) => (v, quoted),
        Err(f) => {
            side.err.push_str(&format!("bash: {}\n", printable(&f.message)));
            shell.last_status = 1;
            shell.flow.aborted = true;
            if f.exits {
                shell.exited = Some(1);
            }
            (String::new(), false)
        }
    }
}

/// A `${...}` WORD with its quotes removed, ready for `mark_parameters`:
/// what single quotes held is escaped so that nothing in it expands. Inside
/// double quotes (`"${X:-'a'}"`) single quotes are plain characters.
#[cfg(feature = "shell-scripts")]
fn without_quotes(word: &str, in_quotes: bool) -> String {
    let mut out = String::new();
    let mut quote = None;
    for c in word.chars() {
        match (c, quote) {
            ('\'', None) if in_quotes => out.push(c),
            ('\'' | '"', None) => quote = Some(c),
            (q, Some(open)) if q == open => quote = None,
            ('$' | '`' | '\\', Some('\'')) => {
                out.push('\\');
                out.push(c);
            }
            _ => out.push(c),
        }
    }
    out
}

/// Under `set -u`, the first variable the command names that is not set (a
/// parameter with a default never is).
#[cfg(feature = "shell-scripts")]
fn unbound(shell: &Shell, cmd: &super::syntax::Command) -> Option<String> {
    use super::syntax::{QUOTED_VAR, VAR, VAR_END};
    if !shell.options.nounset {
        return None;
    }
    let redirects = cmd.redirects.iter().filter_map(|r| match r {
        Redirect::Out { path, .. } | Redirect::Err { path, .. } | Redirect::In { path } => Some(path),
        Redirect::HereString { text } => Some(text),
        _ => None,
    });
    let texts = cmd.assigns.iter().map(|(_, v)| v).chain(&cmd.words).chain(redirects);
    texts.flat_map(|t| t.split([VAR, QUOTED_VAR]).skip(1)).filter_map(|rest| rest.split(VAR_END).next())
        .filter_map(super::params::split)
        .filter(|f| !super::params::tests_set(f.op))
        .find(|f| !shell.is_set(f.name))
        .map(|f| f.name.to_string())
}

/// `set -x`'s `+`, once more for each command substitution it runs in (`++ echo hi`).
#[cfg(feature = "shell-scripts")]
pub(super) fn trace_prefix() -> String {
    "+".repeat(SUBSTITUTION_DEPTH.with(|d| d.get()) as usize + 1)
}

/// `set -x`'s line for a command: `+`, then its assignments (when it is only
/// those) and words, each quoted as bash quotes what it would read otherwise.
#[cfg(feature = "shell-scripts")]
pub(super) fn xtrace(shell: &Shell, cmd: &super::syntax::Command, words: &[String]) -> String {
    let quote = |w: &str| {
        if !w.is_empty() && w.bytes().all(|b| b.is_ascii_alphanumeric() || b"-_./=:,+@%^".contains(&b)) {
            w.to_string()
        } else {
            format!("'{}'", w.replace('\'', "'\\''"))
        }
    };
    let mut line = trace_prefix();
    if words.is_empty() {
        for (name, _) in &cmd.assigns {
            // Simplified: `NAME+=WORD` shows the variable's new value.
            line.push_str(&format!(" {name}={}", quote(&shell.var(name.trim_end_matches('+')))));
        }
    }
    for w in words {
        line.push(' ');
        line.push_str(&quote(w));
    }
    line + "\n"
}

/// The command's words with patterns replaced by the paths they match, in
/// sorted order; a pattern that matches nothing stays as it is, as in bash.
#[cfg(not(feature = "shell-scripts"))]
fn expand_globs(shell: &Shell, cmd: &super::syntax::Command) -> Vec<String> {
    let mut out = Vec::new();
    let status = shell.last_status.to_string();
    for (i, w) in cmd.words.iter().enumerate() {
        let w = &w.replace(super::syntax::LAST_STATUS, &status);
        let matches = if cmd.globs.get(i).copied().unwrap_or(false) { glob(shell, w) } else { Vec::new() };
        if matches.is_empty() {
            out.push(w.clone());
        } else {
            out.extend(matches);
        }
    }
    out
}

/// A parsed word as it was most likely written: `set -x` shows a `for`
/// loop's words unexpanded. The parser keeps no source text, so quoting is
/// guessed: a word with blanks gets double quotes.
#[cfg(feature = "shell-scripts")]
pub(super) fn as_written(word: &str) -> String {
    use super::syntax::{ARITH, LAST_STATUS, QUOTED_SUBST, QUOTED_VAR, SUBST, VAR, VAR_END};
    let mut out = String::new();
    let mut chars = word.chars();
    while let Some(c) = chars.next() {
        match c {
            VAR | QUOTED_VAR | SUBST | QUOTED_SUBST | ARITH => {
                let text: String = chars.by_ref().take_while(|n| *n != VAR_END).collect();
                let simple = super::syntax::is_name(&text) || (text.len() == 1 && !text.starts_with(|c: char| c.is_ascii_alphabetic()));
                out.push_str(&match c {
                    VAR | QUOTED_VAR if simple => format!("${text}"),
                    VAR | QUOTED_VAR => format!("${{{text}}}"),
                    ARITH => format!("$(({text}))"),
                    _ => format!("$({text})"),
                });
            }
            LAST_STATUS => out.push_str("$?"),
            c => out.push(c),
        }
    }
    if word.contains([' ', '\t']) && !word.contains([SUBST, VAR]) {
        format!("\"{out}\"")
    } else {
        out
    }
}

/// The command's words with variables expanded and patterns replaced by the
/// paths they match, in sorted order; a pattern that matches nothing stays
/// as it is, as in bash.
#[cfg(feature = "shell-scripts")]
pub(super) fn expand_globs(shell: &mut Shell, cmd: &super::syntax::Command, side: &mut Output) -> Vec<String> {
    let mut out = Vec::new();
    // `local x=$1` and `export X=$Y` assign whole values, as bash's
    // declaration commands do.
    let declaring = cmd.words.first().is_some_and(|w| matches!(w.as_str(), "local" | "export" | "declare" | "readonly" | "typeset"));
    for (i, w) in cmd.words.iter().enumerate() {
        let split = !(declaring && i > 0 && w.split_once('=').is_some_and(|(n, _)| super::syntax::is_name(n)));
        for w in expand(shell, w, split, side) {
            let matches = if cmd.globs.get(i).copied().unwrap_or(false) { glob(shell, &w) } else { Vec::new() };
            if matches.is_empty() {
                out.push(w);
            } else {
                out.extend(matches);
            }
        }
    }
    out
}

/// A parsed word with `$?`, its variables' values and its command
/// substitutions' output in place. With `split`, unquoted values break into
/// fields at blanks (bash's default IFS), and a word that was nothing but
/// unquoted empty values disappears. A substitution's errors and events go
/// to `side`.
#[cfg(feature = "shell-scripts")]
pub(super) fn expand(shell: &mut Shell, word: &str, split: bool, side: &mut Output) -> Vec<String> {
    use super::syntax::{ARITH, LAST_STATUS, QUOTED_SUBST, QUOTED_VAR, SUBST, VAR, VAR_END};
    let mut fields = Vec::new();
    let mut cur = String::new();
    let mut has = word.is_empty();
    let mut chars = word.chars();
    while let Some(c) = chars.next() {
        match c {
            VAR | QUOTED_VAR | SUBST | QUOTED_SUBST | ARITH => {
                let name: String = chars.by_ref().take_while(|n| *n != VAR_END).collect();
                // `"$@"`: each positional parameter is a word of its own.
                if c == QUOTED_VAR && name == "@" {
                    for (k, p) in shell.positional.iter().enumerate() {
                        if k > 0 {
                            fields.push(std::mem::take(&mut cur));
                        }
                        cur.push_str(p);
                        has = true;
                    }
                    continue;
                }
                let (value, quoted) = match c {
                    VAR | QUOTED_VAR => parameter_value(shell, &name, c == QUOTED_VAR, side),
                    ARITH => (arithmetic(shell, &name, side), true),
                    _ => (substitute(shell, &name, side), false),
                };
                // IFS's blanks run together; its other characters each end a field.
                let ifs = if split && !quoted && matches!(c, VAR | SUBST) { shell.var("IFS") } else { String::new() };
                for ch in value.chars() {
                    if !ifs.contains(ch) {
                        cur.push(ch);
                    } else if ch.is_ascii_whitespace() {
                        if has || !cur.is_empty() {
                            fields.push(std::mem::take(&mut cur));
                        }
                        has = false;
                    } else {
                        fields.push(std::mem::take(&mut cur));
                        has = false;
                    }
                }
                has |= matches!(c, QUOTED_VAR | QUOTED_SUBST | ARITH);
                // `x=$x$x` in a loop doubles: the lab's streams stop at 16 MiB,
                // and so do its words.
                if cur.len() > super::STREAM_LIMIT_BYTES as usize {
                    side.err.push_str("storage-lab: a word longer than 16 MiB\n");
                    shell.flow.aborted = true;
                    return Vec::new();
                }
            }
            LAST_STATUS => cur.push_str(&shell.last_status.to_string()),
            c => {
                cur.push(c);
                has = true;
            }
        }
    }
    if has || !cur.is_empty() {
        fields.push(cur);
    }
    fields
}

/// `$((EXPRESSION))`: the expression with its parameters expanded, evaluated.
/// An error drops the rest of the top-level command, as in bash.
#[cfg(feature = "shell-scripts")]
fn arithmetic(shell: &mut Shell, expr: &str, side: &mut Output) -> String {
    // The expression reads as if in double quotes, which it may hold.
    let text = expand(shell, &super::syntax::mark_parameters(&expr.replace('"', "")), false, side).concat();
    match super::arith::eval(shell, &text) {
        Ok(v) => v.to_string(),
        Err(e) => {
            side.err.push_str(&format!("bash: {}\n", printable(&e)));
            shell.flow.aborted = true;
            shell.last_status = 1;
            String::new()
        }
    }
}

/// How deep command substitutions may nest (`$(echo $(echo ...))`).
#[cfg(feature = "shell-scripts")]
const MAX_SUBSTITUTION_DEPTH: u32 = 64;

#[cfg(feature = "shell-scripts")]
thread_local! {
    pub(super) static SUBSTITUTION_DEPTH: std::cell::Cell<u32> = const { std::cell::Cell::new(0) };
    /// The status of the last substitution, which a command of assignments
    /// alone (`X=$(cat f)`) ends with.
    static SUBSTITUTION_STATUS: std::cell::Cell<Option<i32>> = const { std::cell::Cell::new(None) };
}

/// `$(COMMAND)`: its standard output without the trailing newlines. It runs
/// as in a subshell: variables, options, `cd` and `exit` inside it stay
/// there, while what it does to disks and files stays done.
#[cfg(feature = "shell-scripts")]
fn substitute(shell: &mut Shell, command: &str, side: &mut Output) -> String {
    let list = match super::syntax::parse(command) {
        Ok(l) => l,
        Err(e) => {
            side.err.push_str(&format!("{e}\n"));
            return String::new();
        }
    };
    let depth = SUBSTITUTION_DEPTH.with(|d| d.get());
    if depth >= MAX_SUBSTITUTION_DEPTH {
        side.err.push_str("storage-lab: command substitutions nested too deeply\n");
        return String::new();
    }
    if !shell.flow.count_call() {
        side.err.push_str(&format!("storage-lab: more than {MAX_CALLS} command substitutions and function calls in one command\n"));
        return String::new();
    }
    SUBSTITUTION_DEPTH.with(|d| d.set(depth + 1));
    let mut o = subshell(shell, |shell| run_joined(shell, &list, &[], true));
    // A dialog (`$(fdisk /dev/sdb)`) reads no more lines: its input ends.
    if shell.interactive.is_some() {
        let eof = shell.end_of_input();
        o.then(eof);
    }
    SUBSTITUTION_DEPTH.with(|d| d.set(depth));
    shell.last_status = o.exit_status;
    SUBSTITUTION_STATUS.with(|s| s.set(Some(o.exit_status)));
    side.err.push_str(&o.err);
    side.events.extend(o.events.iter().cloned());
    String::from_utf8_lossy(&o.stdout_bytes()).trim_end_matches('\n').to_string()
}

/// `eval ARGS`: the words joined by spaces, read and run as a line of this
/// shell (its variables and `cd` stay).
#[cfg(feature = "shell-scripts")]
fn eval(shell: &mut Shell, args: &[String], capture: bool) -> Output {
    let list = match super::syntax::parse(&args.join(" ")) {
        Ok(l) => l,
        // bash names the builtin and the line of its text.
        Err(e) => return Output::error(format!("{}\n", e.to_string().replacen("bash: ", "bash: eval: line 1: ", 1)), 2),
    };
    if !shell.flow.count_call() {
        return Output::error(format!("storage-lab: more than {MAX_CALLS} command substitutions and function calls in one command\n"), 1);
    }
    let depth = SUBSTITUTION_DEPTH.with(|d| d.get());
    if depth >= MAX_SUBSTITUTION_DEPTH {
        return Output::error("storage-lab: eval nested too deeply\n", 1);
    }
    SUBSTITUTION_DEPTH.with(|d| d.set(depth + 1));
    let o = run_joined(shell, &list, &[], capture);
    SUBSTITUTION_DEPTH.with(|d| d.set(depth));
    o
}

#[cfg(feature = "shell-scripts")]
/// A redirection with the variables in its file name (or here-string) expanded.
fn expand_redirect(shell: &mut Shell, r: &Redirect, side: &mut Output) -> Redirect {
    let mut one = |w: &String| expand(shell, w, false, side).concat();
    match r {
        Redirect::Out { path, append } => Redirect::Out { path: one(path), append: *append },
        Redirect::Err { path, append } => Redirect::Err { path: one(path), append: *append },
        Redirect::In { path } => Redirect::In { path: one(path) },
        Redirect::HereString { text } => Redirect::HereString { text: one(text) },
        other => other.clone(),
    }
}

/// Paths matching `pattern`, component by component.
fn glob(shell: &Shell, pattern: &str) -> Vec<String> {
    let absolute = pattern.starts_with('/');
    let mut found = vec![if absolute { "/".to_string() } else { String::new() }];
    for part in pattern.split('/').filter(|p| !p.is_empty()) {
        let mut next = Vec::new();
        for base in &found {
            let join = |n: &str| if base.is_empty() { n.to_string() } else if base.ends_with('/') { format!("{base}{n}") } else { format!("{base}/{n}") };
            if !part.contains(['*', '?', '[']) {
                next.push(join(part));
                continue;
            }
            let dir = if base.is_empty() { shell.cwd.clone() } else { shell.abs(base) };
            let Ok(mut entries) = shell.machine.read_dir(&dir, false) else { continue };
            entries.small_sort_by(|a, b| a.0.cmp(&b.0));
            #[cfg(feature = "shell-scripts")]
            let entries = with_dev_nodes(shell, &dir, entries);
            for (name, _) in entries {
                if !name.starts_with('.') && fnmatch(part.as_bytes(), name.as_bytes()) {
                    next.push(join(&name));
                }
            }
        }
        found = next;
    }
    #[cfg(not(feature = "shell-scripts"))]
    found.retain(|p| shell.machine.stat_path(&shell.abs(p)).is_ok());
    #[cfg(feature = "shell-scripts")]
    found.retain(|p| shell.machine.stat_path(&shell.abs(p)).is_ok() || shell.machine.resolve(&shell.abs(p)).is_some());
    found
}

/// A directory's entry names, with the device nodes when it is /dev
/// (`ls /dev/sd*`, `for d in /dev/sd?`), in order.
#[cfg(feature = "shell-scripts")]
fn with_dev_nodes(shell: &Shell, dir: &str, entries: Vec<(String, crate::core::vfs::Stat)>) -> Vec<(String, ())> {
    let mut names: Vec<(String, ())> = entries.into_iter().map(|e| (e.0, ())).collect();
    if dir == "/dev" {
        names.extend(shell.machine.dev_nodes().into_iter().map(|n| (n, ())));
        names.sort();
    }
    names
}

/// Shell pattern matching: `*`, `?` and `[...]` (with `!`/`^` and ranges), in
/// linear time with one backtracking point per star.
pub(super) fn fnmatch(p: &[u8], s: &[u8]) -> bool {
    let (mut pi, mut si) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while si < s.len() {
        let step = match p.get(pi) {
            Some(b'*') => {
                star = Some((pi, si));
                pi += 1;
                continue;
            }
            Some(b'?') => Some(1),
            Some(b'[') => class(&p[pi..], s[si]),
            Some(c) if *c == s[si] => Some(1),
            _ => None,
        };
        match (step, star) {
            (Some(n), _) => {
                pi += n;
                si += 1;
            }
            (None, Some((sp, ss))) => {
                pi = sp + 1;
                si = ss + 1;
                star = Some((sp, ss + 1));
            }
            (None, None) => return false,
        }
    }
    p[pi..].iter().all(|c| *c == b'*')
}

/// Matches `c` against the `[...]` class at the start of `p`; returns the
/// class's length when it matches.
fn class(p: &[u8], c: u8) -> Option<usize> {
    #[cfg(feature = "shell-scripts")]
    let end = class_end(p)?;
    #[cfg(not(feature = "shell-scripts"))]
    let end = p.iter().skip(2).position(|x| *x == b']').map(|i| i + 2)?;
    let set = &p[1..end];
    let (neg, set) = match set.first() {
        Some(b'!' | b'^') => (true, &set[1..]),
        _ => (false, set),
    };
    let mut hit = false;
    let mut i = 0;
    while i < set.len() {
        #[cfg(feature = "shell-scripts")]
        if let Some((name, len)) = named_class(&set[i..]) {
            hit |= in_named_class(name, c);
            i += len;
            continue;
        }
        if i + 2 < set.len() && set[i + 1] == b'-' {
            hit |= set[i] <= c && c <= set[i + 2];
            i += 3;
        } else {
            hit |= set[i] == c;
            i += 1;
        }
    }
    (hit != neg).then_some(end + 1)
}

/// Where a `[...]` class ends: its `]`, past a `]` right after the opening
/// (or after `!`/`^`) and past `[:name:]` classes inside it.
#[cfg(feature = "shell-scripts")]
fn class_end(p: &[u8]) -> Option<usize> {
    let mut i = 1 + usize::from(matches!(p.get(1), Some(b'!' | b'^')));
    i += usize::from(p.get(i) == Some(&b']'));
    while i < p.len() {
        match named_class(&p[i..]) {
            Some((_, len)) => i += len,
            None if p[i] == b']' => return Some(i),
            None => i += 1,
        }
    }
    None
}

/// `[:name:]` at the start of `p`: the name and the length.
#[cfg(feature = "shell-scripts")]
fn named_class(p: &[u8]) -> Option<(&[u8], usize)> {
    let rest = p.strip_prefix(b"[:")?;
    let len = rest.windows(2).position(|w| w == b":]")?;
    Some((&rest[..len], len + 4))
}

/// POSIX's character classes, for ASCII (the C.UTF-8 locale's bytes).
#[cfg(feature = "shell-scripts")]
fn in_named_class(name: &[u8], c: u8) -> bool {
    match name {
        b"alpha" => c.is_ascii_alphabetic(),
        b"digit" => c.is_ascii_digit(),
        b"alnum" => c.is_ascii_alphanumeric(),
        b"upper" => c.is_ascii_uppercase(),
        b"lower" => c.is_ascii_lowercase(),
        b"space" => c.is_ascii_whitespace() || c == 0x0b,
        b"blank" => c == b' ' || c == b'\t',
        b"punct" => c.is_ascii_punctuation(),
        b"xdigit" => c.is_ascii_hexdigit(),
        b"cntrl" => c.is_ascii_control(),
        b"print" => (0x20..0x7f).contains(&c),
        b"graph" => c.is_ascii_graphic(),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::fnmatch;

    #[test]
    #[cfg(feature = "shell-scripts")]
    fn named_classes_match_as_in_bash() {
        assert!(fnmatch(b"[[:digit:]]", b"5"));
        assert!(fnmatch(b"*[[:space:]]*", b"a b"));
        assert!(fnmatch(b"[[:alpha:][:digit:]]", b"a"));
        assert!(!fnmatch(b"[![:digit:]]", b"5"));
        assert!(fnmatch(b"sd[[:lower:]][0-9]", b"sdb1"));
        assert!(fnmatch(b"[]a]", b"]"));
    }

    #[test]
    fn patterns_match_as_in_bash() {
        assert!(fnmatch(b"f*", b"f1048576"));
        assert!(fnmatch(b"*.raw", b"disk.raw"));
        assert!(!fnmatch(b"*.raw", b"disk.qcow2"));
        assert!(fnmatch(b"sd[a-c]", b"sdb"));
        assert!(!fnmatch(b"sd[!a-c]", b"sdb"));
        assert!(fnmatch(b"?d?", b"sdb"));
        assert!(!fnmatch(b"********************a", b"bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"));
    }
}

/// A command's standard input from `<`, a here-document or a here-string.
fn input_redirect<'b>(shell: &mut Shell, redirects: &[Redirect], bodies: &mut impl Iterator<Item = &'b String>) -> Result<Option<Input>, String> {
    let mut input = None;
    for r in redirects {
        match r {
            Redirect::In { path } => {
                let abs = shell.abs(path);
                if abs == "/dev/null" {
                    input = Some(Input::Bytes(Vec::new()));
                    continue;
                }
                let bytes = shell.machine.read_file(&abs, 0, super::STREAM_LIMIT_BYTES).map_err(|e| format!("bash: {}: {}\n", printable(path), e.text()))?;
                input = Some(Input::Bytes(bytes));
            }
            #[cfg(feature = "shell-scripts")]
            Redirect::HereDoc { expand: with_vars, body, .. } => {
                let body = body.as_ref().or_else(|| bodies.next()).cloned().unwrap_or_default();
                let body = if *with_vars { expand(shell, &super::syntax::mark_parameters(&body), false, &mut Output::default()).concat() } else { body };
                input = Some(Input::Bytes(body.into_bytes()));
            }
            #[cfg(not(feature = "shell-scripts"))]
            Redirect::HereDoc { .. } => {
                let body = bodies.next().cloned().unwrap_or_default();
                input = Some(Input::Bytes(body.into_bytes()));
            }
            Redirect::HereString { text } => input = Some(Input::Bytes(format!("{text}\n").into_bytes())),
            _ => {}
        }
    }
    Ok(input)
}

/// Sends standard output (and error) where `>`, `>>`, `2>` and `2>&1` say.
/// As bash does, the redirections are set up left to right, so `> f 2>&1`
/// sends both into f and `2>&1 > f` only standard output; every file named
/// is created (and emptied unless only appended to) even if nothing goes
/// into it. A file both point to gets them in the order written when the
/// tool kept it (`Output::both`), else the error text first. A file that
/// cannot be opened stops the command's output.
fn output_redirects(shell: &mut Shell, redirects: &[Redirect], o: &mut Output) -> Result<(), String> {
    // Where descriptors 1 and 2 point: 1 and 2 are the terminal's, 3 and up
    // index `files` (+ 3).
    let (mut out, mut err) = (1, 2);
    let mut files: Vec<(&String, bool)> = Vec::new();
    for r in redirects {
        #[cfg(feature = "shell-scripts")]
        if let Redirect::Out { path, .. } | Redirect::Err { path, .. } = r {
            if let Some(fd) = std_stream(path, out, err) {
                *(if matches!(r, Redirect::Out { .. }) { &mut out } else { &mut err }) = fd;
                continue;
            }
        }
        match r {
            Redirect::Out { path, append } | Redirect::Err { path, append } => {
                let at = files.iter().position(|(p, _)| *p == path).unwrap_or_else(|| {
                    files.push((path, true));
                    files.len() - 1
                });
                files[at].1 &= *append;
                if matches!(r, Redirect::Out { .. }) {
                    out = at + 3;
                } else {
                    err = at + 3;
                }
            }
            Redirect::ErrToOut => err = out,
            Redirect::OutToErr => out = err,
            _ => {}
        }
    }
    if (out, err) == (1, 2) {
        return Ok(());
    }
    let mut sinks: Vec<Vec<u8>> = vec![Vec::new(); files.len() + 3];
    #[cfg(feature = "shell-scripts")]
    if let Some(both) = o.both.take().filter(|_| out == err) {
        o.err.clear();
        o.stdout_bytes();
        sinks[out] = both.into_bytes();
    }
    let (text, errors) = (o.stdout_bytes(), std::mem::take(&mut o.err).into_bytes());
    sinks[err].extend_from_slice(&errors);
    sinks[out].extend_from_slice(&text);
    for (i, (path, append)) in files.iter().enumerate() {
        write_redirect(shell, path, &sinks[i + 3], *append)?;
    }
    let shown = Output::bytes(std::mem::take(&mut sinks[1]));
    (o.text, o.raw) = (shown.text, shown.raw);
    o.err = String::from_utf8_lossy(&sinks[2]).into_owned();
    Ok(())
}

/// An assignment's variable and value: `NAME+=VALUE` appends to NAME.
#[cfg(feature = "shell-scripts")]
fn appended<'a>(shell: &Shell, name: &'a str, value: String) -> (&'a str, String) {
    match name.strip_suffix('+') {
        Some(n) => (n, shell.var(n) + &value),
        None => (name, value),
    }
}

/// `/dev/stdout` and `/dev/stderr` (and `/dev/fd/1`, `/dev/fd/2`): the
/// descriptors' current targets, given where 1 and 2 point now.
#[cfg(feature = "shell-scripts")]
fn std_stream(path: &str, out: usize, err: usize) -> Option<usize> {
    match path {
        "/dev/stdout" | "/dev/fd/1" => Some(out),
        "/dev/stderr" | "/dev/fd/2" => Some(err),
        _ => None,
    }
}

/// bash opens each redirection's file before the command runs: it is
/// created, and emptied unless appended to, so `sort f > f` reads an empty
/// f; a file that cannot be opened keeps the command from running.
/// Simplified: a file in a ZFS dataset is opened with the write, so that a
/// command stays one txg; `sort f > f` there reads f whole.
#[cfg(feature = "shell-scripts")]
fn open_targets(shell: &mut Shell, redirects: &[Redirect]) -> Result<(), String> {
    for r in redirects {
        if let Redirect::Out { path, append } | Redirect::Err { path, append } = r {
            let abs = shell.abs(path);
            if std_stream(path, 1, 2).is_none() && !abs.starts_with("/dev/") && shell.machine.zfs_path(&abs).is_none() {
                write_redirect(shell, path, &[], *append)?;
            }
        }
        // Left to right: a missing input stops the ones after it.
        if let Redirect::In { path } = r {
            let abs = shell.abs(path);
            if shell.machine.stat_path(&abs).is_err() && shell.machine.resolve(&abs).is_none() && abs != "/dev/null" {
                return Err(format!("bash: {}: No such file or directory\n", printable(path)));
            }
        }
    }
    Ok(())
}

/// Writes a file (or a device) as a redirection does; `tee` writes this way too.
#[cfg(feature = "shell-scripts")]
pub(super) fn write_file(shell: &mut Shell, path: &str, bytes: &[u8], append: bool) -> Result<(), String> {
    write_redirect(shell, path, bytes, append)
}

fn write_redirect(shell: &mut Shell, path: &str, bytes: &[u8], append: bool) -> Result<(), String> {
    if path == "/dev/null" {
        return Ok(());
    }
    let abs = shell.abs(path);
    let fail = |e: crate::core::vfs::VfsError| format!("bash: {}: {}\n", printable(path), e.text());
    if let Some(dev) = abs.strip_prefix("/dev/").and_then(|_| shell.machine.resolve(&abs)) {
        return shell.machine.write_at(dev, 0, Chunk::bytes(bytes)).map(|_| ()).map_err(|_| format!("bash: {}: No space left on device\n", printable(path)));
    }
    shell.machine.put_file(&abs, append, Chunk::bytes(bytes)).map(|_| ()).map_err(fail)
}
