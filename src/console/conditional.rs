//! bash's `test` and `[` builtins: file tests on the lab's files and
//! devices, string and integer comparisons, `!`, `-a`, `-o` and parentheses.
//! Native only (feature `shell-scripts`).
//!
//! Up to four arguments follow POSIX's rules by count, as bash does; longer
//! expressions are parsed with `-o` binding looser than `-a`. Simplified: the
//! lab is always root, so `-r` and `-w` ask only whether the path exists; no
//! symbolic links (`-L` and `-h` are false); `-nt`, `-ot`, `-ef`, `-t`, `-v`
//! and `-o OPTION` are not modelled.

use super::{printable, Output, Shell};

/// Runs `test ARGS` or `[ ARGS ]`: status 0 (true), 1 (false) or 2 (error).
pub fn run(shell: &Shell, cmd: &str, args: &[String]) -> Output {
    let args = match (cmd, args.split_last()) {
        ("[", Some((last, rest))) if last == "]" => rest,
        ("[", _) => return Output::error("bash: [: missing `]'\n", 2),
        _ => args,
    };
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    match (Test { shell, args: &args, at: 0 }).posix() {
        Ok(true) => Output::default(),
        Ok(false) => Output { exit_status: 1, ..Output::default() },
        Err(e) => Output::error(format!("bash: {cmd}: {}\n", printable(&e)), 2),
    }
}

const UNARY: &[&str] = &["-e", "-a", "-f", "-d", "-b", "-c", "-s", "-r", "-w", "-x", "-L", "-h", "-z", "-n", "-p", "-S", "-g", "-u", "-k", "-O", "-G", "-N"];
const BINARY: &[&str] = &["=", "==", "!=", "<", ">", "-eq", "-ne", "-lt", "-le", "-gt", "-ge"];

struct Test<'a> {
    shell: &'a Shell,
    args: &'a [&'a str],
    at: usize,
}

impl<'a> Test<'a> {
    /// POSIX's rules by the number of arguments, then the full grammar.
    fn posix(&mut self) -> Result<bool, String> {
        let a = self.args;
        match a.len() {
            0 => Ok(false),
            1 => Ok(!a[0].is_empty()),
            2 if a[0] == "!" => Ok(a[1].is_empty()),
            2 if UNARY.contains(&a[0]) => Ok(self.unary(a[0], a[1])),
            2 => Err(format!("{}: unary operator expected", a[0])),
            3 if BINARY.contains(&a[1]) => binary(a[0], a[1], a[2]),
            3 if a[1] == "-a" || a[1] == "-o" => Ok(if a[1] == "-a" { !a[0].is_empty() && !a[2].is_empty() } else { !a[0].is_empty() || !a[2].is_empty() }),
            3 if a[0] == "!" => Test { shell: self.shell, args: &a[1..], at: 0 }.posix().map(|v| !v),
            3 if a[0] == "(" && a[2] == ")" => Ok(!a[1].is_empty()),
            3 => Err(format!("{}: binary operator expected", a[1])),
            4 if a[0] == "!" => Test { shell: self.shell, args: &a[1..], at: 0 }.posix().map(|v| !v),
            4 if a[0] == "(" && a[3] == ")" => Test { shell: self.shell, args: &a[1..3], at: 0 }.posix(),
            _ => {
                let v = self.or()?;
                match self.args.get(self.at) {
                    None => Ok(v),
                    Some(_) => Err("too many arguments".into()),
                }
            }
        }
    }

    fn next(&mut self) -> Option<&'a str> {
        let a = self.args.get(self.at).copied();
        self.at += 1;
        a
    }

    fn peek(&self, offset: usize) -> Option<&'a str> {
        self.args.get(self.at + offset).copied()
    }

    fn or(&mut self) -> Result<bool, String> {
        let mut v = self.and()?;
        while self.peek(0) == Some("-o") {
            self.at += 1;
            v |= self.and()?;
        }
        Ok(v)
    }

    fn and(&mut self) -> Result<bool, String> {
        let mut v = self.term()?;
        while self.peek(0) == Some("-a") {
            self.at += 1;
            v &= self.term()?;
        }
        Ok(v)
    }

    fn term(&mut self) -> Result<bool, String> {
        let Some(first) = self.next() else { return Err("argument expected".into()) };
        if first == "!" {
            return self.term().map(|v| !v);
        }
        if first == "(" {
            let v = self.or()?;
            return match self.next() {
                Some(")") => Ok(v),
                _ => Err("`)' expected".into()),
            };
        }
        if let (Some(op), Some(right)) = (self.peek(0), self.peek(1)) {
            if BINARY.contains(&op) {
                self.at += 2;
                return binary(first, op, right);
            }
        }
        if UNARY.contains(&first) {
            return match self.next() {
                Some(operand) => Ok(self.unary(first, operand)),
                None => Err(format!("{first}: unary operator expected")),
            };
        }
        Ok(!first.is_empty())
    }

    /// A file test or a string's length test.
    fn unary(&self, op: &str, operand: &str) -> bool {
        let path = self.shell.abs(operand);
        let device = self.shell.machine.resolve(&path).is_some();
        let character = matches!(path.as_str(), "/dev/null" | "/dev/zero" | "/dev/urandom" | "/dev/random" | "/dev/full");
        let stat = self.shell.machine.stat_path(&path).ok().map(|s| s.stat);
        match op {
            "-z" => operand.is_empty(),
            "-n" => !operand.is_empty(),
            "-e" | "-a" | "-r" | "-w" => device || character || stat.is_some(),
            "-f" => stat.is_some_and(|s| !s.is_dir),
            "-d" => stat.is_some_and(|s| s.is_dir),
            "-b" => device,
            "-c" => character,
            "-s" => device || stat.is_some_and(|s| s.size > 0),
            "-x" => stat.is_some_and(|s| s.is_dir || s.mode & 0o111 != 0),
            _ => false,
        }
    }
}

/// A string or integer comparison.
fn binary(left: &str, op: &str, right: &str) -> Result<bool, String> {
    let int = |s: &str| s.trim().parse::<i64>().map_err(|_| format!("{s}: integer expression expected"));
    Ok(match op {
        "=" | "==" => left == right,
        "!=" => left != right,
        "<" => left < right,
        ">" => left > right,
        _ => {
            let (l, r) = (int(left)?, int(right)?);
            match op {
                "-eq" => l == r,
                "-ne" => l != r,
                "-lt" => l < r,
                "-le" => l <= r,
                "-gt" => l > r,
                _ => l >= r,
            }
        }
    })
}
