//! bash's arithmetic expansion `$((EXPRESSION))`: 64-bit integers that wrap,
//! C's operators and precedence (with `**`), variables by name, assignments
//! (`=`, `+=`, ..., `++`, `--`), and bash's error texts with the token
//! each error points at. Native only (feature `shell-scripts`).
//!
//! Simplified: no arrays and no `**=`; shift counts are taken modulo 64.

use super::Shell;

/// How deep variables may name variables (`a=b; b=a; $((a))`) and
/// parentheses and unary operators may nest (each level recurses; bash's
/// own limit, 1024, would need a larger stack than wasm's).
const MAX_DEPTH: u32 = 256;

/// Evaluates an expression whose `$` parameters are already expanded.
/// The error is bash's message without its "bash: " prefix.
pub fn eval(shell: &mut Shell, expr: &str) -> Result<i64, String> {
    eval_at(shell, expr, 0)
}

fn eval_at(shell: &mut Shell, expr: &str, depth: u32) -> Result<i64, String> {
    let text = expr.trim_start();
    if depth > MAX_DEPTH {
        return Err(format!("{text}: expression recursion level exceeded (error token is \"{text}\")"));
    }
    let mut p = Expr { shell, text, pos: 0, tok: Tok::End, last_tp: 0, prev_tp: 0, last_was_name: false, noeval: 0, depth };
    p.read()?;
    if p.tok == Tok::End {
        return Ok(0);
    }
    let v = p.comma()?;
    if p.tok != Tok::End {
        return Err(p.error("syntax error in expression"));
    }
    Ok(v)
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Tok {
    Num(String),
    Name(String),
    Op(&'static str),
    End,
}

/// Operators, longest first so that `<<=` is read before `<<` and `<`.
const OPS: &[&str] = &[
    "<<=", ">>=", "**", "<=", ">=", "==", "!=", "&&", "||", "<<", ">>", "++", "--", "*=", "/=", "%=", "+=", "-=", "&=", "^=", "|=", "=", "<", ">", "!", "~", "+",
    "-", "*", "/", "%", "&", "^", "|", "?", ":", ",", "(", ")",
];

struct Expr<'a> {
    shell: &'a mut Shell,
    text: &'a str,
    /// Where reading goes on (bash's `tp`).
    pos: usize,
    tok: Tok,
    /// Where the last token that was not the end started: what bash's
    /// errors quote (bash's `lasttp`).
    last_tp: usize,
    /// Where the token before it started.
    prev_tp: usize,
    last_was_name: bool,
    /// Inside the side of `&&`, `||` or `?:` that is not taken: nothing is
    /// assigned and no division fails.
    noeval: u32,
    depth: u32,
}

impl Expr<'_> {
    fn error(&self, what: &str) -> String {
        format!("{}: {what} (error token is \"{}\")", self.text, &self.text[self.last_tp.min(self.text.len())..])
    }

    fn read(&mut self) -> Result<(), String> {
        self.last_was_name = matches!(self.tok, Tok::Name(_));
        let rest = &self.text[self.pos..];
        let start = self.pos + (rest.len() - rest.trim_start().len());
        let rest = &self.text[start..];
        let Some(c) = rest.chars().next() else {
            self.pos = start;
            self.tok = Tok::End;
            return Ok(());
        };
        self.prev_tp = self.last_tp;
        self.last_tp = start;
        let len = if c.is_ascii_digit() {
            rest.find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '#' | '@' | '_'))).unwrap_or(rest.len())
        } else if c.is_ascii_alphabetic() || c == '_' {
            rest.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_')).unwrap_or(rest.len())
        } else {
            match OPS.iter().find(|op| rest.starts_with(**op)) {
                Some(op) => op.len(),
                None => return Err(self.error("syntax error: invalid arithmetic operator")),
            }
        };
        let word = &rest[..len];
        self.tok = if c.is_ascii_digit() {
            Tok::Num(word.to_string())
        } else if c.is_ascii_alphabetic() || c == '_' {
            Tok::Name(word.to_string())
        } else {
            Tok::Op(OPS.iter().copied().find(|op| *op == word).unwrap_or("?"))
        };
        self.pos = start + len;
        Ok(())
    }

    fn is(&self, op: &str) -> bool {
        self.tok == Tok::Op(match OPS.iter().copied().find(|o| *o == op) {
            Some(o) => o,
            None => return false,
        })
    }

    fn op(&self) -> Option<&'static str> {
        match self.tok {
            Tok::Op(o) => Some(o),
            _ => None,
        }
    }

    fn comma(&mut self) -> Result<i64, String> {
        let mut v = self.assign()?;
        while self.is(",") {
            self.read()?;
            v = self.assign()?;
        }
        Ok(v)
    }

    fn assign(&mut self) -> Result<i64, String> {
        let (name, start) = match &self.tok {
            Tok::Name(n) => (Some(n.clone()), self.last_tp),
            _ => (None, usize::MAX),
        };
        let v = self.cond()?;
        let Some(op) = self.op().filter(|o| o.ends_with('=') && !matches!(*o, "==" | "!=" | "<=" | ">=")) else { return Ok(v) };
        // Only a name alone may be assigned to (`a+b=3` may not).
        let name = match name {
            Some(n) if self.last_was_name && self.prev_tp == start => n,
            _ => return Err(self.error("attempted assignment to non-variable")),
        };
        self.read()?;
        let rhs = self.nested(Self::assign)?;
        let value = if op == "=" { rhs } else { self.binary(&op[..op.len() - 1], v, rhs)? };
        self.store(&name, value);
        Ok(value)
    }

    fn cond(&mut self) -> Result<i64, String> {
        let c = self.or()?;
        if !self.is("?") {
            return Ok(c);
        }
        self.read()?;
        self.noeval += u32::from(c == 0);
        let yes = self.comma()?;
        self.noeval -= u32::from(c == 0);
        if !self.is(":") {
            return Err(self.error("`:' expected for conditional expression"));
        }
        self.read()?;
        self.noeval += u32::from(c != 0);
        let no = self.nested(Self::cond)?;
        self.noeval -= u32::from(c != 0);
        Ok(if c != 0 { yes } else { no })
    }

    fn or(&mut self) -> Result<i64, String> {
        let mut v = self.and()?;
        while self.is("||") {
            self.read()?;
            self.noeval += u32::from(v != 0);
            let r = self.and()?;
            self.noeval -= u32::from(v != 0);
            v = i64::from(v != 0 || r != 0);
        }
        Ok(v)
    }

    fn and(&mut self) -> Result<i64, String> {
        let mut v = self.binary_level(0)?;
        while self.is("&&") {
            self.read()?;
            self.noeval += u32::from(v == 0);
            let r = self.binary_level(0)?;
            self.noeval -= u32::from(v == 0);
            v = i64::from(v != 0 && r != 0);
        }
        Ok(v)
    }

    /// The left-associative binary operators, loosest level first.
    fn binary_level(&mut self, level: usize) -> Result<i64, String> {
        const LEVELS: &[&[&str]] = &[&["|"], &["^"], &["&"], &["==", "!="], &["<", ">", "<=", ">="], &["<<", ">>"], &["+", "-"], &["*", "/", "%"]];
        let Some(ops) = LEVELS.get(level) else { return self.power() };
        let mut v = self.binary_level(level + 1)?;
        while let Some(op) = self.op().filter(|o| ops.contains(o)) {
            let after_op = self.pos;
            self.read()?;
            let r = self.binary_level(level + 1)?;
            if matches!(op, "/" | "%") && r == 0 && self.noeval == 0 {
                // bash points at what follows the operator.
                let rest = &self.text[after_op..];
                self.last_tp = after_op + (rest.len() - rest.trim_start().len());
                return Err(self.error("division by 0"));
            }
            v = self.binary(op, v, r)?;
        }
        Ok(v)
    }

    fn binary(&self, op: &str, l: i64, r: i64) -> Result<i64, String> {
        if matches!(op, "/" | "%") && r == 0 {
            return if self.noeval > 0 { Ok(0) } else { Err(self.error("division by 0")) };
        }
        Ok(match op {
            "|" => l | r,
            "^" => l ^ r,
            "&" => l & r,
            "==" => i64::from(l == r),
            "!=" => i64::from(l != r),
            "<" => i64::from(l < r),
            ">" => i64::from(l > r),
            "<=" => i64::from(l <= r),
            ">=" => i64::from(l >= r),
            "<<" => l.wrapping_shl(r as u32),
            ">>" => l.wrapping_shr(r as u32),
            "+" => l.wrapping_add(r),
            "-" => l.wrapping_sub(r),
            "*" => l.wrapping_mul(r),
            "/" => l.wrapping_div(r),
            _ => l.wrapping_rem(r),
        })
    }

    fn power(&mut self) -> Result<i64, String> {
        let base = self.unary()?;
        if !self.is("**") {
            return Ok(base);
        }
        self.read()?;
        let exp = self.nested(Self::power)?;
        if exp < 0 {
            return Err(self.error("exponent less than 0"));
        }
        // Squaring, so that a huge exponent takes a few steps.
        let (mut acc, mut base, mut exp) = (1i64, base, exp);
        while exp > 0 {
            if exp & 1 == 1 {
                acc = acc.wrapping_mul(base);
            }
            base = base.wrapping_mul(base);
            exp >>= 1;
        }
        Ok(acc)
    }

    fn unary(&mut self) -> Result<i64, String> {
        self.nested(Self::unary_in)
    }

    /// Parentheses, unary operators, `**`, `?:` and assignments recurse:
    /// bound them as bash bounds its recursion.
    fn nested(&mut self, f: fn(&mut Self) -> Result<i64, String>) -> Result<i64, String> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(self.error("expression recursion level exceeded"));
        }
        let v = f(self);
        self.depth -= 1;
        v
    }

    fn unary_in(&mut self) -> Result<i64, String> {
        let Some(op) = self.op().filter(|o| matches!(*o, "!" | "~" | "-" | "+" | "++" | "--")) else { return self.primary() };
        self.read()?;
        if matches!(op, "++" | "--") {
            if let Tok::Name(name) = self.tok.clone() {
                self.read()?;
                let v = self.value(&name)?.wrapping_add(if op == "++" { 1 } else { -1 });
                self.store(&name, v);
                return Ok(v);
            }
        }
        let v = self.unary()?;
        Ok(match op {
            "!" => i64::from(v == 0),
            "~" => !v,
            "-" => v.wrapping_neg(),
            "--" => v,
            _ => v,
        })
    }

    fn primary(&mut self) -> Result<i64, String> {
        match self.tok.clone() {
            Tok::Num(n) => {
                let v = number(&n).map_err(|e| self.error(e))?;
                self.read()?;
                Ok(v)
            }
            Tok::Name(name) => {
                self.read()?;
                let v = self.value(&name)?;
                if let Some(op) = self.op().filter(|o| matches!(*o, "++" | "--")) {
                    self.store(&name, v.wrapping_add(if op == "++" { 1 } else { -1 }));
                    self.read()?;
                    self.last_was_name = false;
                }
                Ok(v)
            }
            Tok::Op("(") => {
                self.read()?;
                let v = self.comma()?;
                if !self.is(")") {
                    return Err(self.error("missing `)'"));
                }
                self.read()?;
                Ok(v)
            }
            _ => Err(self.error("syntax error: operand expected")),
        }
    }

    /// A variable's value as a number: its text is itself an expression.
    fn value(&mut self, name: &str) -> Result<i64, String> {
        let text = self.shell.var(name);
        if text.trim().is_empty() {
            return Ok(0);
        }
        // A plain decimal number needs no parsing (`010` is octal: it does).
        if let Ok(v) = text.trim().parse::<i64>() {
            if !text.trim().trim_start_matches('-').starts_with('0') || text.trim().trim_start_matches('-') == "0" {
                return Ok(v);
            }
        }
        eval_at(self.shell, &text, self.depth + 1)
    }

    fn store(&mut self, name: &str, value: i64) {
        if self.noeval == 0 {
            self.shell.set_var(name, Some(value.to_string()));
        }
    }
}

/// An integer constant: decimal, `0x` hexadecimal, `0` octal, or `BASE#DIGITS`
/// (bases 2 to 64: digits, then a-z, A-Z, `@` and `_`); the error is bash's.
fn number(text: &str) -> Result<i64, &'static str> {
    let (base, digits) = if let Some((b, d)) = text.split_once('#') {
        let base = b.parse::<u32>().ok().filter(|b| (2..=64).contains(b)).ok_or("invalid arithmetic base")?;
        if d.is_empty() {
            return Err("invalid integer constant");
        }
        (base, d)
    } else if let Some(h) = text.strip_prefix("0x").or_else(|| text.strip_prefix("0X")) {
        (16, h)
    } else if text.len() > 1 && text.starts_with('0') {
        (8, &text[1..])
    } else {
        (10, text)
    };
    digits.chars().try_fold(0i64, |acc, c| {
        let d = match c {
            '0'..='9' => c as u32 - '0' as u32,
            'a'..='z' => c as u32 - 'a' as u32 + 10,
            'A'..='Z' if base <= 36 => c as u32 - 'A' as u32 + 10,
            'A'..='Z' => c as u32 - 'A' as u32 + 36,
            '@' => 62,
            '_' => 63,
            _ => return Err("value too great for base"),
        };
        if d < base {
            Ok(acc.wrapping_mul(i64::from(base)).wrapping_add(i64::from(d)))
        } else {
            Err("value too great for base")
        }
    })
}
