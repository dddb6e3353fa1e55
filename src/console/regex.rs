//! The regular expressions grep reads: POSIX basic (BRE, grep's default)
//! and extended (ERE, `-E`) syntax with GNU's extensions (`\|`, `\+` and
//! `\?` in BRE), matched on bytes by backtracking.
//!
//! Simplified: no back-references, no `\w`/`\b`/`\<` escapes, bracket
//! expressions know ranges and the `[:alpha:]`-style classes but not
//! collating elements, and an interval is at most 255. A line is searched in
//! its first 1 KiB, and a search gives up (no match) after a million steps,
//! so a pathological pattern cannot hang the console. Native only
//! (feature `grep-regex`): the browser's grep matches fixed strings.

use std::cell::Cell;

const MAX_LINE_BYTES: usize = 1024;
const MAX_STEPS: u32 = 1_000_000;

/// One element of a pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Node {
    Byte(u8),
    Any,
    /// A bracket expression: byte ranges, and whether it is negated.
    Class(Vec<(u8, u8)>, bool),
    Start,
    End,
    /// Alternatives, each a sequence.
    Group(Vec<Vec<Node>>),
    Repeat(Box<Node>, u32, u32),
}

/// A compiled pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Regex {
    alternatives: Vec<Vec<Node>>,
}

/// grep's message for a pattern it cannot compile.
pub type Error = &'static str;

struct Parser<'a> {
    p: &'a [u8],
    at: usize,
    extended: bool,
}

impl Regex {
    pub fn new(pattern: &str, extended: bool) -> Result<Regex, Error> {
        let mut parser = Parser { p: pattern.as_bytes(), at: 0, extended };
        let alternatives = parser.alternation(0)?;
        if parser.at < parser.p.len() {
            return Err("Unmatched ) or \\)");
        }
        Ok(Regex { alternatives })
    }

    /// The spans `(start, end)` where the pattern matches, leftmost and
    /// then longest, for which `accept` holds.
    pub fn find(&self, text: &[u8], from: usize, accept: &dyn Fn(usize, usize) -> bool) -> Option<(usize, usize)> {
        let text = &text[..text.len().min(MAX_LINE_BYTES)];
        let node = Node::Group(self.alternatives.clone());
        let steps = Cell::new(0);
        (from..=text.len()).find_map(|start| {
            let mut best: Option<usize> = None;
            one(&node, text, start, &steps, &mut |end| {
                if accept(start, end) && best.is_none_or(|b| end > b) {
                    best = Some(end);
                }
                false
            });
            best.map(|end| (start, end))
        })
    }
}

impl Parser<'_> {
    fn peek(&self) -> Option<u8> {
        self.p.get(self.at).copied()
    }

    /// Whether the next token is the operator `op` in this syntax (bare in
    /// ERE, after a backslash in BRE).
    fn operator(&self, op: u8) -> bool {
        match (self.extended, self.peek()) {
            (true, Some(c)) => c == op,
            (false, Some(b'\\')) => self.p.get(self.at + 1) == Some(&op),
            _ => false,
        }
    }

    fn skip_operator(&mut self) {
        self.at += if self.extended { 1 } else { 2 };
    }

    fn alternation(&mut self, depth: usize) -> Result<Vec<Vec<Node>>, Error> {
        let mut alternatives = vec![self.sequence(depth)?];
        while self.operator(b'|') {
            self.skip_operator();
            alternatives.push(self.sequence(depth)?);
        }
        Ok(alternatives)
    }

    fn sequence(&mut self, depth: usize) -> Result<Vec<Node>, Error> {
        let mut nodes = Vec::new();
        while self.at < self.p.len() && !self.operator(b'|') && !(depth > 0 && self.operator(b')')) {
            let atom = self.atom(depth, nodes.is_empty())?;
            nodes.push(self.repeats(atom)?);
        }
        Ok(nodes)
    }

    fn atom(&mut self, depth: usize, first: bool) -> Result<Node, Error> {
        if self.operator(b'(') {
            self.skip_operator();
            let inner = self.alternation(depth + 1)?;
            if !self.operator(b')') {
                return Err("Unmatched ( or \\(");
            }
            self.skip_operator();
            return Ok(Node::Group(inner));
        }
        if self.extended && self.peek() == Some(b')') && depth == 0 {
            return Err("Unmatched ) or \\)");
        }
        let c = self.peek().unwrap_or(0);
        self.at += 1;
        Ok(match c {
            b'.' => Node::Any,
            b'[' => self.bracket()?,
            b'^' if first || self.extended => Node::Start,
            b'$' if self.extended || self.at == self.p.len() || self.operator(b'|') || self.operator(b')') => Node::End,
            b'*' if first => Node::Byte(b'*'),
            b'\\' => {
                let e = self.peek().ok_or("Trailing backslash")?;
                self.at += 1;
                Node::Byte(e)
            }
            c => Node::Byte(c),
        })
    }

    fn repeats(&mut self, mut atom: Node) -> Result<Node, Error> {
        loop {
            let (min, max) = if self.peek() == Some(b'*') {
                self.at += 1;
                (0, u32::MAX)
            } else if self.operator(b'+') {
                self.skip_operator();
                (1, u32::MAX)
            } else if self.operator(b'?') {
                self.skip_operator();
                (0, 1)
            } else if self.operator(b'{') {
                self.skip_operator();
                self.interval()?
            } else {
                return Ok(atom);
            };
            atom = Node::Repeat(Box::new(atom), min, max);
        }
    }

    /// `{n}`, `{n,}`, `{,m}` or `{n,m}`, after the brace.
    fn interval(&mut self) -> Result<(u32, u32), Error> {
        let number = |p: &mut Self| {
            let start = p.at;
            while p.peek().is_some_and(|c| c.is_ascii_digit()) {
                p.at += 1;
            }
            std::str::from_utf8(&p.p[start..p.at]).ok().and_then(|s| s.parse::<u32>().ok())
        };
        let min = number(self);
        let max = if self.peek() == Some(b',') {
            self.at += 1;
            number(self).unwrap_or(u32::MAX)
        } else {
            min.ok_or("Invalid content of \\{\\}")?
        };
        if !self.operator(b'}') {
            return Err("Unmatched \\{");
        }
        self.skip_operator();
        let min = min.unwrap_or(0);
        if min > max || min > 255 || (max != u32::MAX && max > 255) {
            return Err("Invalid content of \\{\\}");
        }
        Ok((min, max))
    }

    /// A bracket expression, after its `[`.
    fn bracket(&mut self) -> Result<Node, Error> {
        const UNMATCHED: Error = "Unmatched [, [^, [:, [., or [=";
        let negated = self.peek() == Some(b'^');
        self.at += usize::from(negated);
        let mut ranges = Vec::new();
        let mut first = true;
        loop {
            let c = self.peek().ok_or(UNMATCHED)?;
            self.at += 1;
            if c == b']' && !first {
                return Ok(Node::Class(ranges, negated));
            }
            first = false;
            if c == b'[' && self.peek() == Some(b':') {
                let end = self.p[self.at..].windows(2).position(|w| w == b":]").ok_or(UNMATCHED)?;
                let name = &self.p[self.at + 1..self.at + end];
                self.at += end + 2;
                ranges.extend(class(name).ok_or("Invalid character class name")?);
                continue;
            }
            if self.peek() == Some(b'-') && self.p.get(self.at + 1).is_some_and(|n| *n != b']') {
                let hi = self.p[self.at + 1];
                self.at += 2;
                ranges.push((c, hi));
            } else {
                ranges.push((c, c));
            }
        }
    }
}

/// The byte ranges of a POSIX character class.
fn class(name: &[u8]) -> Option<Vec<(u8, u8)>> {
    Some(match name {
        b"alpha" => vec![(b'a', b'z'), (b'A', b'Z')],
        b"digit" => vec![(b'0', b'9')],
        b"alnum" => vec![(b'a', b'z'), (b'A', b'Z'), (b'0', b'9')],
        b"upper" => vec![(b'A', b'Z')],
        b"lower" => vec![(b'a', b'z')],
        b"space" => vec![(b' ', b' '), (b'\t', b'\r')],
        b"blank" => vec![(b' ', b' '), (b'\t', b'\t')],
        b"xdigit" => vec![(b'0', b'9'), (b'a', b'f'), (b'A', b'F')],
        b"punct" => vec![(b'!', b'/'), (b':', b'@'), (b'[', b'`'), (b'{', b'~')],
        _ => return None,
    })
}

/// Matches the sequence `nodes` at `at`, calling `then` with each end it
/// can reach until `then` says to stop.
fn sequence(nodes: &[Node], text: &[u8], at: usize, steps: &Cell<u32>, then: &mut dyn FnMut(usize) -> bool) -> bool {
    let Some((first, rest)) = nodes.split_first() else { return then(at) };
    one(first, text, at, steps, &mut |next| sequence(rest, text, next, steps, then))
}

fn one(node: &Node, text: &[u8], at: usize, steps: &Cell<u32>, then: &mut dyn FnMut(usize) -> bool) -> bool {
    steps.set(steps.get() + 1);
    if steps.get() > MAX_STEPS {
        return false;
    }
    let byte = text.get(at).copied();
    match node {
        Node::Byte(c) => byte == Some(*c) && then(at + 1),
        Node::Any => byte.is_some_and(|b| b != b'\n') && then(at + 1),
        Node::Class(ranges, negated) => byte.is_some_and(|b| ranges.iter().any(|(lo, hi)| (*lo..=*hi).contains(&b)) != *negated) && then(at + 1),
        Node::Start => at == 0 && then(at),
        Node::End => at == text.len() && then(at),
        Node::Group(alternatives) => alternatives.iter().any(|alt| sequence(alt, text, at, steps, then)),
        Node::Repeat(inner, min, max) => repeat(inner, (*min, *max), 0, (text, at), steps, then),
    }
}

/// Greedy repetition: one more copy first, then what follows. A
/// repeated single byte (`a*`, `.*`, `[0-9]+`) is counted in a loop, so a
/// long run does not nest the search that deep.
fn repeat(inner: &Node, (min, max): (u32, u32), done: u32, (text, at): (&[u8], usize), steps: &Cell<u32>, then: &mut dyn FnMut(usize) -> bool) -> bool {
    if let Node::Byte(_) | Node::Any | Node::Class(..) = inner {
        let mut ends = vec![at];
        while (ends.len() as u64) <= u64::from(max) && one(inner, text, at + ends.len() - 1, steps, &mut |_| true) {
            ends.push(at + ends.len());
        }
        return ends.iter().enumerate().rev().any(|(n, end)| n as u64 >= u64::from(min) && then(*end));
    }
    if done < max && one(inner, text, at, steps, &mut |next| next != at && repeat(inner, (min, max), done + 1, (text, next), steps, then)) {
        return true;
    }
    done >= min && then(at)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(pattern: &str, extended: bool, line: &str, expected: Option<(usize, usize)>) {
        let re = Regex::new(pattern, extended).expect("compiles");
        assert_eq!(re.find(line.as_bytes(), 0, &|_, _| true), expected, "{pattern} on {line:?}");
    }

    #[test]
    fn basic_and_extended_syntax() {
        check("^a", false, "apple", Some((0, 1)));
        check("e$", false, "apple", Some((4, 5)));
        check("a.p", false, "apple", Some((0, 3)));
        check("ap*le", false, "apple tart", Some((0, 5)));
        check("apple\\|grape", false, "a grape", Some((2, 7)));
        check("apple|grape", true, "a grape", Some((2, 7)));
        check("apple|grape", false, "a grape", None);
        check("p{2}", true, "apple", Some((1, 3)));
        check("p\\{2\\}", false, "apple", Some((1, 3)));
        check("(ab)+", true, "xababc", Some((1, 5)));
        check("[[:digit:]]+", true, "sdb12", Some((3, 5)));
        check("[^a-z]", false, "abC", Some((2, 3)));
        check("x*", false, "abc", Some((0, 0)));
    }

    #[test]
    fn long_lines_and_pathological_patterns_end() {
        let line = "a".repeat(100_000);
        check("a*b", false, &line, None);
        check("(a*)*b", true, &line, None);
        check("a+", true, &line, Some((0, MAX_LINE_BYTES)));
    }

    #[test]
    fn bad_patterns_are_grep_errors() {
        assert_eq!(Regex::new("(", true), Err("Unmatched ( or \\("));
        assert_eq!(Regex::new("[a", false), Err("Unmatched [, [^, [:, [., or [="));
        assert_eq!(Regex::new("a)", true), Err("Unmatched ) or \\)"));
    }
}
