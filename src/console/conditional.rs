//! bash's `test` and `[` builtins: file tests on the lab's files and
//! devices, string and integer comparisons, `!`, `-a`, `-o` and parentheses;
//! and the `[[ ... ]]` command: no field splitting, `&&`, `||`, `!` and
//! `( )`, patterns after `==` and `!=`, arithmetic operands for `-eq` and
//! the rest, and `=~` with POSIX extended regular expressions (the match in
//! `BASH_REMATCH`). Native only (feature `shell-scripts`).
//!
//! Simplified for `[[ ]]`: the parser does not keep which characters were
//! quoted, so a pattern is a string when it was quoted and has no unquoted
//! `*`, `?` or `[` (see `regex_word` for `=~`); `BASH_REMATCH` holds the
//! whole match only, as the shell has no arrays.
//!
//! Up to four arguments follow POSIX's rules by count, as bash does; longer
//! expressions are parsed with `-o` binding looser than `-a`. Simplified: the
//! lab is always root, so `-r` and `-w` ask only whether the path exists; no
//! symbolic links (`-L` and `-h` are false); `-nt`, `-ot`, `-ef`, `-t`, `-v`
//! and `-o OPTION` are not modelled.

use super::compound::CondToken;
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

const UNARY: &[&str] = &["-e", "-a", "-f", "-d", "-b", "-c", "-s", "-r", "-w", "-x", "-L", "-h", "-z", "-n", "-p", "-S", "-g", "-u", "-k", "-O", "-G", "-N", "-t"];
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
        // An empty path names no file (`[[ -d $unset ]]` is false).
        if operand.is_empty() && !matches!(op, "-z" | "-n") {
            return false;
        }
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
            integers(l, op, r)
        }
    })
}

/// A parsed `[[ ... ]]` expression; words stay unexpanded until evaluated,
/// so `&&` and `||` skip the expansions (and substitutions) they do not need.
enum Expr<'a> {
    Or(Box<Expr<'a>>, Box<Expr<'a>>),
    And(Box<Expr<'a>>, Box<Expr<'a>>),
    Not(Box<Expr<'a>>),
    /// `( EXPRESSION )`.
    Group(Box<Expr<'a>>),
    /// `-n WORD` and the other unary tests; a lone word is `-n WORD`.
    Unary(&'a str, &'a CondToken),
    /// `WORD OP WORD`; a `=~` pattern written in pieces is joined.
    Binary(&'a CondToken, &'a str, CondToken),
}

const BINARY_DB: &[&str] = &["=", "==", "!=", "=~", "-eq", "-ne", "-lt", "-le", "-gt", "-ge", "-nt", "-ot", "-ef"];

struct CondParser<'a> {
    tokens: &'a [CondToken],
    at: usize,
}

fn word_text(t: &CondToken) -> Option<&str> {
    match t {
        CondToken::Word { text, quoted: false, .. } => Some(text),
        _ => None,
    }
}

impl<'a> CondParser<'a> {
    fn peek(&self) -> Option<&'a CondToken> {
        self.tokens.get(self.at)
    }

    fn is_op(&self, op: &str) -> bool {
        matches!(self.peek(), Some(CondToken::Op(o)) if o == op)
    }

    /// `A || B ...` over `&&` lists, or `A && B ...` over terms.
    fn list(&mut self, op: &'static str) -> Result<Expr<'a>, String> {
        let item = |p: &mut Self| if op == "||" { p.list("&&") } else { p.term() };
        let mut left = item(self)?;
        while self.is_op(op) {
            self.at += 1;
            let right = Box::new(item(self)?);
            left = if op == "||" { Expr::Or(Box::new(left), right) } else { Expr::And(Box::new(left), right) };
        }
        Ok(left)
    }

    fn term(&mut self) -> Result<Expr<'a>, String> {
        let Some(first) = self.peek() else { return Err("syntax error in conditional expression".into()) };
        self.at += 1;
        if let CondToken::Op(op) = first {
            if op != "(" {
                return Err(format!("syntax error in conditional expression: unexpected token `{op}'"));
            }
            let inner = self.list("||")?;
            if !self.is_op(")") {
                return Err("syntax error in conditional expression: expected `)'".into());
            }
            self.at += 1;
            return Ok(Expr::Group(Box::new(inner)));
        }
        let text = word_text(first);
        if text == Some("!") && self.peek().is_some() {
            return Ok(Expr::Not(Box::new(self.term()?)));
        }
        if let Some(op) = text.filter(|t| UNARY.contains(t) || matches!(*t, "-v" | "-o")) {
            if let Some(operand @ CondToken::Word { .. }) = self.peek() {
                self.at += 1;
                return Ok(Expr::Unary(op, operand));
            }
        }
        let op = match self.peek() {
            Some(CondToken::Op(o)) if o == "<" || o == ">" => o.as_str(),
            Some(t) => match word_text(t) {
                Some(o) if BINARY_DB.contains(&o) => o,
                _ => return Ok(Expr::Unary("-n", first)),
            },
            None => return Ok(Expr::Unary("-n", first)),
        };
        self.at += 1;
        let right = if op == "=~" { self.regex_word() } else { self.peek().filter(|t| matches!(t, CondToken::Word { .. })).cloned() };
        let Some(right) = right else { return Err("unexpected argument to conditional binary operator".into()) };
        if op != "=~" {
            self.at += 1;
        }
        Ok(Expr::Binary(first, op, right))
    }

    /// `=~`'s right side: bash reads `(`, `)` and `|` in it as part of the
    /// pattern, so the pieces the tokenizer split are joined again (a word
    /// cannot follow the pattern, so the pieces were written together).
    ///
    /// The tokens do not say which characters were quoted: a pattern that is
    /// one quoted word is taken as a literal string, as `"$re"` or
    /// `"a.b"` is in bash, unless it starts with `^` or ends with `$`.
    fn regex_word(&mut self) -> Option<CondToken> {
        let (mut text, mut quoted, mut depth, mut pieces) = (String::new(), false, 0, 0);
        while let Some(t) = self.peek() {
            match t {
                CondToken::Op(o) if depth == 0 && (o == "&&" || o == "||" || o == ")") => break,
                CondToken::Op(o) => {
                    depth += i32::from(o == "(") - i32::from(o == ")");
                    text.push_str(o);
                }
                CondToken::Word { text: w, quoted: q, .. } => {
                    text.push_str(w);
                    quoted |= *q;
                }
            }
            pieces += 1;
            self.at += 1;
        }
        let literal = quoted && pieces == 1 && !text.starts_with('^') && !text.ends_with('$');
        (!text.is_empty()).then_some(CondToken::Word { text, quoted: literal, glob: false })
    }
}

/// Runs `[[ EXPRESSION ]]`: status 0 (true), 1 (false) or 2 (a syntax
/// error, or a regular expression that does not compile).
pub fn double_bracket(shell: &mut Shell, tokens: &[CondToken]) -> Output {
    let mut parser = CondParser { tokens, at: 0 };
    let parsed = parser.list("||").and_then(|e| match parser.peek() {
        None => Ok(e),
        Some(t) => Err(format!("syntax error in conditional expression: unexpected token `{}'", token_text(t))),
    });
    let mut out = Output::default();
    match parsed {
        Ok(expr) => {
            out.exit_status = match evaluate(shell, &expr, false, &mut out) {
                Ok(v) => i32::from(!v),
                Err(status) => status,
            }
        }
        Err(e) => {
            out.err = format!("bash: {}\n", printable(&e));
            out.exit_status = 2;
        }
    }
    out
}

fn token_text(t: &CondToken) -> &str {
    match t {
        CondToken::Word { text, .. } | CondToken::Op(text) => text,
    }
}

/// One operand expanded as bash expands it inside `[[ ]]`: no splitting
/// into fields and no pathname expansion.
fn operand(shell: &mut Shell, t: &CondToken, out: &mut Output) -> String {
    super::exec::expand(shell, token_text(t), false, out).concat()
}

fn evaluate(shell: &mut Shell, e: &Expr, negated: bool, out: &mut Output) -> Result<bool, i32> {
    Ok(match e {
        Expr::Or(a, b) => evaluate(shell, a, false, out)? || evaluate(shell, b, false, out)?,
        Expr::And(a, b) => evaluate(shell, a, false, out)? && evaluate(shell, b, false, out)?,
        Expr::Not(inner) => !evaluate(shell, inner, true, out)?,
        Expr::Group(inner) => evaluate(shell, inner, false, out)?,
        Expr::Unary(op, t) => {
            let value = operand(shell, t, out);
            trace(shell, out, negated, &[op, &shown(&value)]);
            match *op {
                "-v" => shell.is_set(&value),
                "-o" => false,
                _ => (Test { shell, args: &[], at: 0 }).unary(op, &value),
            }
        }
        Expr::Binary(l, op, r) => {
            let left = operand(shell, l, out);
            let right = operand(shell, r, out);
            let CondToken::Word { quoted, glob, .. } = r else { return Err(2) };
            let pattern = *glob || !*quoted;
            let right_shown = if pattern { shown(&right) } else { right.chars().flat_map(|c| ['\\', c]).collect() };
            trace(shell, out, negated, &[&shown(&left), op, &right_shown]);
            compare(shell, &left, op, &right, pattern, out)?
        }
    })
}

fn compare(shell: &mut Shell, left: &str, op: &str, right: &str, pattern: bool, out: &mut Output) -> Result<bool, i32> {
    let matches = |l: &str| if pattern { super::exec::fnmatch(right.as_bytes(), l.as_bytes()) } else { l == right };
    Ok(match op {
        "=" | "==" => matches(left),
        "!=" => !matches(left),
        "<" => left < right,
        ">" => left > right,
        "=~" => {
            let source = if pattern { right.to_string() } else { right.chars().flat_map(|c| ['\\', c]).collect() };
            let Ok(re) = super::regex::Regex::new(&source, true) else { return Err(2) };
            let found = re.find(left.as_bytes(), 0, &|_, _| true);
            let whole = found.map(|(s, e)| String::from_utf8_lossy(&left.as_bytes()[s..e]).into_owned());
            shell.set_var("BASH_REMATCH", whole.clone());
            whole.is_some()
        }
        "-nt" | "-ot" | "-ef" => false,
        _ => {
            let mut number = |text: &str| {
                super::arith::eval(shell, text).map_err(|e| {
                    out.err.push_str(&format!("bash: [[: {}\n", printable(&e)));
                    1
                })
            };
            let (l, r) = (number(left)?, number(right)?);
            integers(l, op, r)
        }
    })
}

/// `-eq`, `-ne`, `-lt`, `-le`, `-gt` and `-ge`.
fn integers(l: i64, op: &str, r: i64) -> bool {
    match op {
        "-eq" => l == r,
        "-ne" => l != r,
        "-lt" => l < r,
        "-le" => l <= r,
        "-gt" => l > r,
        _ => l >= r,
    }
}

fn shown(value: &str) -> String {
    if value.is_empty() {
        "''".into()
    } else {
        value.to_string()
    }
}

/// `set -x`: bash traces each test of `[[ ]]` as it makes it.
fn trace(shell: &Shell, out: &mut Output, negated: bool, words: &[&str]) {
    if shell.options.xtrace {
        let not = if negated { "! " } else { "" };
        out.err.push_str(&format!("{} [[ {not}{} ]]\n", super::exec::trace_prefix(), words.join(" ")));
    }
}
