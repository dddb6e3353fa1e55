//! coreutils and util-linux file commands on the simulated filesystems: ls,
//! stat, du, df, mkdir, rmdir, rm, cp, mv, touch, truncate and fallocate, with
//! their exact formats and error messages (coreutils 9.1 in C.UTF-8).
//!
//! Every command works on absolute paths joined with the shell's working
//! directory. Simplified: everything is owned by root, there are no symlinks
//! or hard links, and long listings always use the recent-date form.

#[cfg(feature = "coreutils-extras")]
mod blocks;
#[cfg(feature = "coreutils-extras")]
mod df;
#[cfg(feature = "coreutils-extras")]
mod du;
#[cfg(not(feature = "coreutils-extras"))]
#[path = "lite/df.rs"]
mod df;
#[cfg(not(feature = "coreutils-extras"))]
#[path = "lite/du.rs"]
mod du;
mod ls; #[cfg(feature = "dev-links")] pub mod dev_links; #[cfg(feature = "coreutils-extras")] mod fallocate; #[cfg(feature = "coreutils-extras")] mod sparse;
mod stat;

use super::exec::Input;
use super::{printable, Output, Shell};
use crate::core::media::Chunk;
use crate::core::vfs::VfsError;

/// Runs a file command, or returns None when `cmd` is not one.
pub fn run(shell: &mut Shell, cmd: &str, args: &[String], _stdin: Option<&Input>) -> Option<Output> {
    Some(match cmd {
        "ls" => ls::ls(shell, args),
        "stat" => stat::stat(shell, args),
        "du" => du::du(shell, args),
        "df" => df::df(shell, args),
        "mkdir" => mkdir(shell, args),
        "rmdir" => rmdir(shell, args),
        "rm" => rm(shell, args),
        "cp" => cp(shell, args),
        "mv" => mv(shell, args),
        "touch" => touch(shell, args),
        "truncate" => truncate(shell, args),
        "fallocate" => fallocate(shell, args),
        _ => return None,
    })
}

/// Splits `-abc` style flags from operands (`--` ends the flags).
pub(super) fn split_args(args: &[String]) -> (String, Vec<String>, Vec<String>) {
    let mut short = String::new();
    let mut long = Vec::new();
    let mut operands = Vec::new();
    let mut only = false;
    for a in args {
        if only || a == "-" || !a.starts_with('-') {
            operands.push(a.clone());
        } else if a == "--" {
            only = true;
        } else if let Some(l) = a.strip_prefix("--") {
            long.push(l.to_string());
        } else {
            short.push_str(&a[1..]);
        }
    }
    (short, long, operands)
}

fn quote(s: &str) -> String {
    format!("'{}'", printable(s))
}

fn errors(err: String) -> Output {
    let status = i32::from(!err.is_empty());
    Output { err, exit_status: status, ..Output::default() }
}

fn missing(tool: &str) -> Output {
    Output::error(format!("{tool}: missing operand\nTry '{tool} --help' for more information.\n"), 1)
}

fn mkdir(shell: &mut Shell, args: &[String]) -> Output {
    let (short, long, ops) = split_args(args);
    let parents = short.contains('p') || long.iter().any(|l| l == "parents");
    if ops.is_empty() {
        return missing("mkdir");
    }
    each_operand(shell, &ops, |sh, path| sh.machine.mkdir(path, parents), |op, e| format!("mkdir: cannot create directory \u{2018}{}\u{2019}: {}\n", printable(op), e.text()))
}

/// Runs `apply` on each operand's absolute path; the events of those that
/// worked, and `message` on standard error for each that failed.
fn each_operand(
    shell: &mut Shell,
    ops: &[String],
    mut apply: impl FnMut(&mut Shell, &str) -> Result<Vec<crate::core::Event>, VfsError>,
    message: impl Fn(&str, VfsError) -> String,
) -> Output {
    let mut err = String::new();
    let mut events = Vec::new();
    for op in ops {
        let path = shell.abs(op);
        match apply(shell, &path) {
            Ok(e) => events.extend(e),
            Err(e) => err.push_str(&message(op, e)),
        }
    }
    Output { events, ..errors(err) }
}

fn rmdir(shell: &mut Shell, args: &[String]) -> Output {
    let (_, _, ops) = split_args(args);
    if ops.is_empty() {
        return missing("rmdir");
    }
    each_operand(shell, &ops, |sh, path| sh.machine.remove(path, true), |op, e| format!("rmdir: failed to remove {}: {}\n", quote(op), e.text()))
}

fn rm(shell: &mut Shell, args: &[String]) -> Output {
    let (short, long, ops) = split_args(args);
    let recursive = short.contains('r') || short.contains('R') || long.iter().any(|l| l == "recursive");
    let force = short.contains('f') || long.iter().any(|l| l == "force");
    if ops.is_empty() && !force {
        return missing("rm");
    }
    let (ops, refused) = if recursive { spare_root_and_dots(shell, ops, long.iter().any(|l| l == "no-preserve-root")) } else { (ops, String::new()) };
    let remove = |sh: &mut Shell, path: &str| match sh.machine.stat_path(path) {
        Ok(s) if s.stat.is_dir && !recursive => Err(VfsError::IsADirectory),
        Ok(s) if s.stat.is_dir => remove_tree(sh, path),
        Ok(_) => sh.machine.remove(path, false),
        Err(VfsError::NotFound) if force => Ok(Vec::new()),
        Err(e) => Err(e),
    };
    let out = each_operand(shell, &ops, remove, |op, e| format!("rm: cannot remove {}: {}\n", quote(op), e.text()));
    Output { events: out.events, ..errors(refused + &out.err) }
}

/// The operands `rm -r` may touch, and its refusals for the rest: `/`
/// (coreutils' --preserve-root, the default) and paths ending in `.` or `..`.
fn spare_root_and_dots(shell: &Shell, ops: Vec<String>, no_preserve_root: bool) -> (Vec<String>, String) {
    let mut refused = String::new();
    let mut kept = Vec::new();
    for op in ops {
        let last = op.trim_end_matches('/').rsplit('/').next().unwrap_or("");
        if last == "." || last == ".." {
            refused.push_str(&format!("rm: refusing to remove '.' or '..' directory: skipping {}\n", quote(&op)));
        } else if components(&shell.abs(&op)).is_empty() && !no_preserve_root {
            refused.push_str(&format!("rm: it is dangerous to operate recursively on {}\nrm: use --no-preserve-root to override this failsafe\n", quote(&op)));
        } else {
            kept.push(op);
        }
    }
    (kept, refused)
}

/// Removes a directory and everything below it.
fn remove_tree(shell: &mut Shell, path: &str) -> Result<Vec<crate::core::Event>, VfsError> {
    let mut events = Vec::new();
    for (name, st) in shell.machine.read_dir(path, false)? {
        let child = format!("{}/{name}", path.trim_end_matches('/'));
        events.extend(if st.is_dir { remove_tree(shell, &child)? } else { shell.machine.remove(&child, false)? });
    }
    events.extend(shell.machine.remove(path, true)?);
    Ok(events)
}

fn touch(shell: &mut Shell, args: &[String]) -> Output {
    let (_, _, ops) = split_args(args);
    if ops.is_empty() {
        return missing("touch");
    }
    each_operand(shell, &ops, |sh, path| sh.machine.create_file(path, false), |op, e| format!("touch: cannot touch {}: {}\n", quote(op), e.text()))
}

/// `cp [-r] [--sparse=auto|always|never] SRC... DEST`.
fn cp(shell: &mut Shell, args: &[String]) -> Output {
    let (short, long, ops) = split_args(args);
    let recursive = short.contains('r') || short.contains('R') || short.contains('a') || long.iter().any(|l| l == "recursive");
    let sparse = long.iter().find_map(|l| l.strip_prefix("sparse=")).unwrap_or("auto").to_string();
    let Some((dest, sources)) = ops.split_last().filter(|(_, s)| !s.is_empty()) else {
        return missing("cp");
    };
    let dest_abs = shell.abs(dest);
    let into_dir = shell.machine.is_dir(&dest_abs);
    if sources.len() > 1 && !into_dir {
        return errors(format!("cp: target {}: Not a directory\n", quote(dest)));
    }
    let mut err = String::new();
    let mut events = Vec::new();
    for src in sources {
        let from = shell.abs(src);
        let to = target(&dest_abs, src, into_dir);
        match shell.machine.stat_path(&from) {
            Err(e) => err.push_str(&format!("cp: cannot stat {}: {}\n", quote(src), e.text())),
            Ok(_) if components(&from) == components(&to) => err.push_str(&format!("cp: {} and {} are the same file\n", quote(src), quote(dest))),
            Ok(s) if s.stat.is_dir && !recursive => err.push_str(&format!("cp: -r not specified; omitting directory {}\n", quote(src))),
            Ok(s) if s.stat.is_dir && inside(&to, &from) => {
                let typed = target(dest, src, into_dir);
                err.push_str(&format!("cp: cannot copy a directory, {}, into itself, {}\n", quote(src), quote(&typed)));
            }
            Ok(s) if s.stat.is_dir => match copy_tree(shell, &from, &to, &sparse) {
                Ok(e) => events.extend(e),
                Err(e) => err.push_str(&e),
            },
            Ok(_) => match copy_file(shell, &from, &to, &sparse) {
                Ok(e) => events.extend(e),
                Err(e) => err.push_str(&e),
            },
        }
    }
    Output { events, ..errors(err) }
}

/// Where cp or mv puts `src`: into the directory `dest` under its own
/// name, or at `dest` itself.
fn target(dest: &str, src: &str, into_dir: bool) -> String {
    if into_dir {
        format!("{}/{}", dest.trim_end_matches('/'), src.rsplit('/').next().unwrap_or(src))
    } else {
        dest.to_string()
    }
}

/// Whether `path` is `dir` or lies below it (both absolute, `.` and `..` allowed).
fn inside(path: &str, dir: &str) -> bool {
    let (path, dir) = (components(path), components(dir));
    path.starts_with(&dir)
}

/// An absolute path's names with `.` and `..` resolved.
fn components(path: &str) -> Vec<&str> {
    let mut names = Vec::new();
    for name in path.split('/') {
        match name {
            "" | "." => {}
            ".." => {
                names.pop();
            }
            n => names.push(n),
        }
    }
    names
}

fn copy_tree(shell: &mut Shell, from: &str, to: &str, sparse: &str) -> Result<Vec<crate::core::Event>, String> {
    let fail = |e: VfsError| format!("cp: cannot create directory {}: {}\n", quote(to), e.text());
    let mut events = shell.machine.mkdir(to, false).map_err(fail)?;
    for (name, st) in shell.machine.read_dir(from, false).map_err(fail)? {
        let (f, t) = (format!("{from}/{name}"), format!("{to}/{name}"));
        events.extend(if st.is_dir { copy_tree(shell, &f, &t, sparse)? } else { copy_file(shell, &f, &t, sparse)? });
    }
    Ok(events)
}

/// Copies one file. `auto` and `always` keep holes (and `always` makes holes
/// of zero runs too); `never` writes every byte.
fn copy_file(shell: &mut Shell, from: &str, to: &str, sparse: &str) -> Result<Vec<crate::core::Event>, String> {
    let m = &mut shell.machine;
    let size = m.file_size(from).map_err(|e| format!("cp: cannot stat {}: {}\n", quote(from), e.text()))?;
    let mut pieces = m.file_pieces(from, 0, size).map_err(|e| format!("cp: error reading {}: {}\n", quote(from), e.text()))?;
    // --sparse=auto copies a file that does not look sparse (as many blocks
    // as bytes) whole, as coreutils 9.1 does: written zeros and
    // preallocated blocks become written blocks of the copy.
    let looks_sparse = m.stat_path(from).is_ok_and(|s| s.stat.blocks_512 * 512 < size); #[cfg(feature = "coreutils-extras")] { pieces = sparse::data_pieces(m, from, pieces, sparse, looks_sparse); }
    if sparse == "never" || (sparse == "auto" && !looks_sparse) {
        pieces.insert(0, (0, Chunk::zeros(size)));
    } else if sparse == "always" {
        pieces.retain(|(_, c)| c.to_vec().iter().any(|b| *b != 0));
    }
    let mut events = m.create_file(to, true).map_err(|e| format!("cp: cannot create regular file {}: {}\n", quote(to), e.text()))?;
    for (at, c) in pieces {
        let len = c.len;
        if let Err(e) = m.write_file(to, at, c) {
            if e == VfsError::NoSpace {
                let room = m.space_for_files(to).unwrap_or(0);
                let _ = m.write_file(to, at, Chunk::zeros(room.min(len)));
                return Err(format!("cp: failed to extend {}: {}\n", quote(to), e.text()));
            }
            return Err(format!("cp: error writing {}: {}\n", quote(to), e.text()));
        }
    }
    events.extend(m.truncate_file(to, size).map_err(|e| format!("cp: error writing {}: {}\n", quote(to), e.text()))?);
    Ok(events)
}

fn mv(shell: &mut Shell, args: &[String]) -> Output {
    let (_, _, ops) = split_args(args);
    let Some((dest, sources)) = ops.split_last().filter(|(_, s)| !s.is_empty()) else {
        return missing("mv");
    };
    let dest_abs = shell.abs(dest);
    let into_dir = shell.machine.is_dir(&dest_abs);
    if sources.len() > 1 && !into_dir {
        return errors(format!("mv: target {}: Not a directory\n", quote(dest)));
    }
    let mut err = String::new();
    let mut events = Vec::new();
    for src in sources {
        let from = shell.abs(src);
        let to = target(&dest_abs, src, into_dir);
        if let Err(e) = shell.machine.stat_path(&from) {
            err.push_str(&format!("mv: cannot stat {}: {}\n", quote(src), e.text()));
            continue;
        }
        let shown = target(dest, src, into_dir);
        if components(&from) == components(&to) {
            err.push_str(&format!("mv: {} and {} are the same file\n", quote(src), quote(&shown)));
            continue;
        }
        match shell.machine.rename(&from, &to) {
            Err(VfsError::InvalidArgument) => err.push_str(&format!("mv: cannot move {} to a subdirectory of itself, {}\n", quote(src), quote(&shown))),
            Ok(e) => events.extend(e),
            Err(VfsError::CrossDevice) => match copy_tree_or_file(shell, &from, &to) {
                Ok(e) => events.extend(e),
                Err(e) => err.push_str(&e),
            },
            Err(e) => err.push_str(&format!("mv: cannot move {} to {}: {}\n", quote(src), quote(dest), e.text())),
        }
    }
    Output { events, ..errors(err) }
}

/// mv across filesystems: copy, then remove the original.
fn copy_tree_or_file(shell: &mut Shell, from: &str, to: &str) -> Result<Vec<crate::core::Event>, String> {
    let dir = shell.machine.is_dir(from);
    let mut events = if dir { copy_tree(shell, from, to, "auto")? } else { copy_file(shell, from, to, "auto")? };
    let removed = if dir { remove_tree(shell, from) } else { shell.machine.remove(from, false) };
    events.extend(removed.map_err(|e| format!("mv: cannot remove {}: {}\n", quote(from), e.text()))?);
    Ok(events)
}

/// A size for truncate or fallocate: digits with an optional K/M/G... suffix
/// (powers of 1024) or KB/MB... (powers of 1000).
fn parse_size(text: &str) -> Option<u64> {
    crate::core::units::parse_size_bytes(text).ok()
}

/// Splits out an option that takes a value (`-s 10G`, `-s10G`, `--size 10G`,
/// `--size=10G`; the last one wins) from the operands.
fn value_option(args: &[String], short: &str, long: &str) -> (Option<String>, Vec<String>) {
    let mut value = None;
    let mut operands = Vec::new();
    let mut rest = args.iter();
    let long_eq = format!("{long}=");
    while let Some(a) = rest.next() {
        if a == short || a == long {
            value = rest.next().cloned();
        } else if let Some(v) = a.strip_prefix(short).or_else(|| a.strip_prefix(long_eq.as_str())) {
            value = Some(v.to_string());
        } else {
            operands.push(a.clone());
        }
    }
    (value, operands)
}

fn truncate(shell: &mut Shell, args: &[String]) -> Output {
    let (size, files) = value_option(args, "-s", "--size");
    let Some(size_text) = size else {
        return Output::error("truncate: you must specify either '--size' or '--reference'\nTry 'truncate --help' for more information.\n", 1);
    };
    if files.is_empty() {
        return missing("truncate");
    }
    let mut err = String::new();
    let mut events = Vec::new();
    for f in &files {
        let path = shell.abs(f);
        let current = shell.machine.file_size(&path).unwrap_or(0);
        let new = match size_text.chars().next() {
            Some('+') => parse_size(&size_text[1..]).map(|n| current.saturating_add(n)),
            Some('-') => parse_size(&size_text[1..]).map(|n| current.saturating_sub(n)),
            _ => parse_size(&size_text),
        };
        let Some(new) = new else {
            return Output::error(format!("truncate: Invalid number: \u{2018}{}\u{2019}\n", printable(&size_text)), 1);
        };
        // off_t is signed: xstrtoimax refuses what does not fit.
        if new > i64::MAX as u64 {
            return Output::error(format!("truncate: Invalid number: \u{2018}{}\u{2019}: Value too large for defined data type\n", printable(&size_text)), 1);
        }
        match shell.machine.truncate_file(&path, new) {
            Ok(e) => events.extend(e),
            Err(VfsError::FileTooLarge) => err.push_str(&format!("truncate: failed to truncate {} at {new} bytes: File too large\n", quote(f))),
            Err(e) => err.push_str(&format!("truncate: cannot open {} for writing: {}\n", quote(f), e.text())),
        }
    }
    Output { events, ..errors(err) }
}

fn fallocate(shell: &mut Shell, args: &[String]) -> Output { #[cfg(feature = "coreutils-extras")] if let Some(out) = fallocate::run(shell, args) { return out; }
    let (len, files) = value_option(args, "-l", "--length");
    let Some(len_text) = len else {
        return Output::error("fallocate: no length argument specified\n", 1);
    };
    let Some(bytes) = parse_size(&len_text).filter(|b| *b > 0) else {
        return Output::error(format!("fallocate: invalid length value specified\n"), 1);
    };
    let [file] = files.as_slice() else {
        return Output::error("fallocate: no filename specified\nTry 'fallocate --help' for more information.\n", 1);
    };
    match shell.machine.fallocate(&shell.abs(file), bytes) {
        Ok(events) => Output { events, ..Output::default() },
        Err(e @ (VfsError::NoSpace | VfsError::FileTooLarge)) => Output::error(format!("fallocate: fallocate failed: {}\n", e.text()), 1),
        Err(e) => Output::error(format!("fallocate: cannot open {}: {}\n", printable(file), e.text()), 1),
    }
}
