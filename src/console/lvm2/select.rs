//! A report's `-S`/`--select` criteria and `-O`/`--sort` keys, read as
//! libdm's reporter (lvm2 2.03.16) reads them: comparisons joined by `&&`
//! (or `,`) and `||` (or `#`), `!` and parentheses, `&&` binding tighter;
//! sizes with units, MiB when none is given; sort keys with `-` for
//! descending order.
//!
//! Simplified: regular expressions (`=~`, `!~`) know literals, `.`, `*`, `^`
//! and `$`; string lists, times and reserved values are not modelled, and an
//! unknown selection field gets libdm's three error lines without the field
//! list it prints first.

use super::report::{field_named, Field, Row};
use super::{err_msg, err_text, Output};
use crate::core::order::SmallSort;

/// A parsed selection.
pub(super) enum Expr {
    Or(Box<Expr>, Box<Expr>),
    And(Box<Expr>, Box<Expr>),
    Not(Box<Expr>),
    Cmp { field: &'static Field, op: Op, value: Value },
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(super) enum Op {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    Match,
    NoMatch,
}

pub(super) enum Value {
    /// Bytes for a size field, the number itself otherwise.
    Number(f64),
    Text(String),
}

/// How a field's values compare.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Size,
    Number,
    Text,
}

fn kind(f: &Field) -> Kind {
    const SIZES: &[&str] = &[
        "pv_size", "pv_free", "pv_used", "pe_start", "dev_size", "vg_size", "vg_free", "vg_extent_size", "lv_size",
        "chunk_size", "seg_size", "seg_start", "stripe_size", "pv_mda_size", "pv_mda_free", "pv_ba_start", "pv_ba_size",
        "vg_mda_size", "vg_mda_free",
    ];
    match f.name {
        n if SIZES.contains(&n) => Kind::Size,
        "data_percent" | "metadata_percent" | "copy_percent" => Kind::Number,
        _ if f.right => Kind::Number,
        _ => Kind::Text,
    }
}

/// Whether the field holds a size (shown in the report's units).
#[cfg(feature = "lvm-extras")]
pub(super) fn is_size(f: &Field) -> bool {
    kind(f) == Kind::Size
}

/// The sort keys and the selection of one report.
pub(super) struct Plan {
    keys: Vec<(&'static Field, bool)>,
    select: Option<Expr>,
}

impl Plan {
    /// Reads `-O` and `-S`; Err is the report's whole output.
    pub(super) fn new(report: &str, sort: Option<&str>, select: Option<&str>, help: &str) -> Result<Plan, Output> {
        let mut keys = Vec::new();
        for key in sort.unwrap_or("").split(',').filter(|k| !k.is_empty()) {
            let (name, descending) = match key.strip_prefix('-') {
                Some(n) => (n, true),
                None => (key.strip_prefix('+').unwrap_or(key), false),
            };
            match field_named(report, name) {
                Some(f) => keys.push((f, descending)),
                None => {
                    let mut t = err_text(help.to_string());
                    err_msg(&mut t, &format!("dm_report: Unrecognised field: {name}"));
                    return Err(Output { text: t, exit_status: 5, ..Output::default() });
                }
            }
        }
        let select = match select {
            Some(text) => Some(Parser { report, text, at: 0 }.parse().map_err(|lines| {
                let mut t = String::new();
                for l in lines {
                    err_msg(&mut t, &l);
                }
                Output { text: t, exit_status: 5, ..Output::default() }
            })?),
            None => None,
        };
        Ok(Plan { keys, select })
    }

    /// Neither `-O` nor `-S` was given.
    pub(super) fn is_empty(&self) -> bool {
        self.keys.is_empty() && self.select.is_none()
    }

    /// The fields to compute beyond the shown ones, for sorting and selecting.
    pub(super) fn extra_fields(&self, shown: &[&'static Field]) -> Vec<&'static Field> {
        let mut extra: Vec<&'static Field> = Vec::new();
        let mut want = |f: &'static Field| {
            if !shown.iter().chain(extra.iter()).any(|s| s.name == f.name) {
                extra.push(f);
            }
        };
        for (f, _) in &self.keys {
            want(f);
        }
        if let Some(e) = &self.select {
            e.fields(&mut want);
        }
        extra
    }

    /// Keeps the selected rows, sorts them, and drops the extra columns.
    /// `raw` holds the same rows with sizes in bytes.
    pub(super) fn apply(&self, rows: Vec<Row>, raw: Vec<Row>, shown: usize) -> Vec<Row> {
        let mut kept: Vec<(Row, Row)> = rows.into_iter().zip(raw).filter(|(_, r)| self.select.as_ref().is_none_or(|e| e.eval(r))).collect();
        if !self.keys.is_empty() {
            kept.small_sort_by(|(_, a), (_, b)| {
                for (f, descending) in &self.keys {
                    let order = compare(*f, value_of(a, f.name), value_of(b, f.name));
                    if order != std::cmp::Ordering::Equal {
                        return if *descending { order.reverse() } else { order };
                    }
                }
                std::cmp::Ordering::Equal
            });
        }
        kept.into_iter()
            .map(|(mut row, _)| {
                row.truncate(shown);
                row
            })
            .collect()
    }
}

fn value_of<'a>(row: &'a Row, name: &str) -> &'a str {
    row.iter().find(|(k, _)| *k == name).map_or("", |(_, v)| v.as_str())
}

fn compare(f: &Field, a: &str, b: &str) -> std::cmp::Ordering {
    match (kind(f), a.parse::<f64>(), b.parse::<f64>()) {
        (Kind::Size | Kind::Number, Ok(x), Ok(y)) => x.total_cmp(&y),
        _ => a.cmp(b),
    }
}

impl Expr {
    fn fields(&self, want: &mut dyn FnMut(&'static Field)) {
        match self {
            Expr::Or(a, b) | Expr::And(a, b) => {
                a.fields(want);
                b.fields(want);
            }
            Expr::Not(e) => e.fields(want),
            Expr::Cmp { field, .. } => want(field),
        }
    }

    fn eval(&self, raw: &Row) -> bool {
        match self {
            Expr::Or(a, b) => a.eval(raw) || b.eval(raw),
            Expr::And(a, b) => a.eval(raw) && b.eval(raw),
            Expr::Not(e) => !e.eval(raw),
            Expr::Cmp { field, op, value } => {
                let have = value_of(raw, field.name);
                match value {
                    Value::Number(want) => have.parse::<f64>().is_ok_and(|h| holds(*op, h.total_cmp(want))),
                    Value::Text(want) => match op {
                        Op::Match => regex_search(want, have),
                        Op::NoMatch => !regex_search(want, have),
                        _ => holds(*op, have.cmp(want.as_str())),
                    },
                }
            }
        }
    }
}

fn holds(op: Op, order: std::cmp::Ordering) -> bool {
    use std::cmp::Ordering::*;
    match op {
        Op::Eq | Op::Match => order == Equal,
        Op::Ne | Op::NoMatch => order != Equal,
        Op::Lt => order == Less,
        Op::Le => order != Greater,
        Op::Gt => order == Greater,
        Op::Ge => order != Less,
    }
}

struct Parser<'a> {
    report: &'a str,
    text: &'a str,
    at: usize,
}

/// The error lines libdm prints for a selection it cannot read.
type Lines = Vec<String>;

impl Parser<'_> {
    fn parse(mut self) -> Result<Expr, Lines> {
        let e = self.or_ex()?;
        self.skip_space();
        if self.at < self.text.len() {
            return Err(self.syntax_error(self.at, "Expecting field name".into()));
        }
        Ok(e)
    }

    fn rest(&self) -> &str {
        &self.text[self.at..]
    }

    fn skip_space(&mut self) {
        self.at += self.rest().len() - self.rest().trim_start().len();
    }

    fn eat(&mut self, tokens: &[&str]) -> bool {
        self.skip_space();
        match tokens.iter().find(|t| self.rest().starts_with(**t)) {
            Some(t) => {
                self.at += t.len();
                true
            }
            None => false,
        }
    }

    fn syntax_error(&self, from: usize, first: String) -> Lines {
        vec![first, format!("Selection syntax error at '{}'.", &self.text[from..]), "Use 'help' for selection to get more help.".into()]
    }

    fn or_ex(&mut self) -> Result<Expr, Lines> {
        let mut e = self.and_ex()?;
        while self.eat(&["||", "#"]) {
            e = Expr::Or(Box::new(e), Box::new(self.and_ex()?));
        }
        Ok(e)
    }

    fn and_ex(&mut self) -> Result<Expr, Lines> {
        let mut e = self.ex()?;
        while self.eat(&["&&", ","]) {
            e = Expr::And(Box::new(e), Box::new(self.ex()?));
        }
        Ok(e)
    }

    fn ex(&mut self) -> Result<Expr, Lines> {
        if self.eat(&["!"]) {
            return Ok(Expr::Not(Box::new(self.ex()?)));
        }
        if self.eat(&["("]) {
            let e = self.or_ex()?;
            if !self.eat(&[")"]) {
                return Err(vec![format!("Syntax error: right parenthesis expected at '{}'", self.rest())]);
            }
            return Ok(e);
        }
        self.comparison()
    }

    fn comparison(&mut self) -> Result<Expr, Lines> {
        self.skip_space();
        let start = self.at;
        let name: String = self.rest().chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_').collect();
        if name.is_empty() {
            return Err(self.syntax_error(start, "Expecting field name".into()));
        }
        self.at += name.len();
        let field = field_named(self.report, &name).ok_or_else(|| self.syntax_error(start, format!("Unrecognised selection field: {name}")))?;
        const OPS: &[(&str, Op)] = &[
            ("=~", Op::Match), ("!~", Op::NoMatch), ("!=", Op::Ne), ("<=", Op::Le), (">=", Op::Ge), ("=", Op::Eq), ("<", Op::Lt), (">", Op::Gt),
        ];
        self.skip_space();
        let Some(&(token, op)) = OPS.iter().find(|(t, _)| self.rest().starts_with(t)) else {
            let word: String = self.rest().chars().take_while(|c| !c.is_whitespace()).collect();
            return Err(self.syntax_error(start, format!("Unrecognised comparison operator: {word}")));
        };
        self.at += token.len();
        self.skip_space();
        let (text, quoted) = self.value_token();
        let numeric_fail = || self.syntax_error(start, format!("Failed to parse numeric value for selection field {}.", field.name));
        let value = match kind(field) {
            Kind::Text => Value::Text(text),
            _ if quoted || matches!(op, Op::Match | Op::NoMatch) => return Err(numeric_fail()),
            Kind::Size => Value::Number(parse_size_bytes(&text).ok_or_else(numeric_fail)?),
            Kind::Number => Value::Number(text.trim_end_matches('%').parse().map_err(|_| numeric_fail())?),
        };
        Ok(Expr::Cmp { field, op, value })
    }

    /// A quoted or bare value; a bare one ends at a space or an operator.
    fn value_token(&mut self) -> (String, bool) {
        let rest = self.rest();
        if let Some(q) = rest.chars().next().filter(|c| *c == '\'' || *c == '"') {
            let body: String = rest[1..].chars().take_while(|c| *c != q).collect();
            self.at = (self.at + 1 + body.len() + 1).min(self.text.len());
            return (body, true);
        }
        let bare: String = rest.chars().take_while(|c| !c.is_whitespace() && !"()&|,#".contains(*c)).collect();
        self.at += bare.len();
        (bare, false)
    }
}

/// A size in selection syntax: a number and an optional unit letter,
/// lower case for powers of 1024 and upper case for powers of 1000; MiB
/// without one.
fn parse_size_bytes(text: &str) -> Option<f64> {
    let split = text.find(|c: char| c.is_ascii_alphabetic()).unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let n: f64 = number.parse().ok()?;
    let mut letters = unit.chars();
    let unit = letters.next().unwrap_or('m');
    if letters.next().is_some() {
        return None;
    }
    let power = "bskmgtpe".find(unit.to_ascii_lowercase())?;
    let bytes = match power {
        0 => 1.0,
        1 => 512.0,
        p => (if unit.is_ascii_uppercase() { 1000f64 } else { 1024f64 }).powi(p as i32 - 1),
    };
    Some(n * bytes)
}

/// Whether `pattern` matches somewhere in `text`: literals, `.`, `*`
/// (after an atom), `^` and `$`.
fn regex_search(pattern: &str, text: &str) -> bool {
    let (anchored, body) = match pattern.strip_prefix('^') {
        Some(b) => (true, b),
        None => (false, pattern),
    };
    let (to_end, body) = match body.strip_suffix('$') {
        Some(b) => (true, b),
        None => (false, body),
    };
    let mut atoms: Vec<(char, bool)> = Vec::new();
    for c in body.chars() {
        match atoms.last_mut() {
            Some(last) if c == '*' && !last.1 => last.1 = true,
            _ => atoms.push((c, false)),
        }
    }
    let t: Vec<char> = text.chars().collect();
    let last_start = if anchored { 0 } else { t.len() };
    (0..=last_start).any(|s| matches_at(&atoms, &t[s..], to_end))
}

/// Whether `atoms` match the start of `text` (all of it with `to_end`),
/// tracking every position each atom can end at, so that a pasted pattern
/// full of stars stays linear in the text instead of backtracking.
fn matches_at(atoms: &[(char, bool)], text: &[char], to_end: bool) -> bool {
    let mut reach = vec![false; text.len() + 1];
    reach[0] = true;
    for &(c, star) in atoms {
        let fits = |j: usize| c == '.' || text[j] == c;
        let mut next = vec![false; text.len() + 1];
        for j in 0..=text.len() {
            let step = j > 0 && fits(j - 1) && if star { next[j - 1] } else { reach[j - 1] };
            next[j] = step || star && reach[j];
        }
        reach = next;
    }
    if to_end { reach[text.len()] } else { reach.contains(&true) }
}

#[cfg(test)]
mod tests {
    #[test]
    fn regex_subset() {
        let stars = format!("{}b", "a*".repeat(40));
        let many_a = "a".repeat(120);
        for (p, t, want) in [
            ("wi", "-wi-a-----", true),
            ("^-wi", "-wi-a-----", true),
            ("^wi", "-wi-a-----", false),
            ("a.*b$", "xaxxb", true),
            ("a.*b$", "xaxxbc", false),
            ("", "", true),
            ("*x", "a*x", true),
            ("^a*$", "", true),
            (stars.as_str(), many_a.as_str(), false),
        ] {
            assert_eq!(super::regex_search(p, t), want, "{p} in {t}");
        }
    }

    #[test]
    fn sizes_default_to_mib() {
        assert_eq!(super::parse_size_bytes("150"), Some(150.0 * 1048576.0));
        assert_eq!(super::parse_size_bytes("0.5g"), Some(512.0 * 1048576.0));
        assert_eq!(super::parse_size_bytes("1G"), Some(1e9));
        assert_eq!(super::parse_size_bytes("2s"), Some(1024.0));
        assert_eq!(super::parse_size_bytes("1x"), None);
        assert_eq!(super::parse_size_bytes(""), None);
    }
}
