//! Brace expansion, as bash does it first of all expansions:
//! `mkdir -p /mnt/{data,backup}` and `disk{1..3}.img`.
//!
//! The tokenizer marks the braces and commas it read unquoted (`OPEN`,
//! `COMMA`, `CLOSE`), so that `'{a,b}'` stays one word; what is left
//! marked after expansion is put back as plain characters. Simplified: an
//! assignment word (`x={a,b}`) is never expanded, wherever it stands.

pub const OPEN: char = '\u{E010}';
pub const COMMA: char = '\u{E011}';
pub const CLOSE: char = '\u{E012}';

/// An expansion to more words than this stays as written, rather than
/// filling memory (bash would try, and fail to allocate them).
const MAX_WORDS: u64 = 1 << 20;

/// `expand`, or the word as written where bash does not expand braces.
pub fn expand_unless(word: &str, literal: bool) -> Vec<String> {
    match literal {
        true => vec![word.chars().map(plain).collect()],
        false => expand(word),
    }
}

/// The words a word with marked braces expands to, in bash's order.
pub fn expand(word: &str) -> Vec<String> {
    let chars: Vec<char> = word.chars().collect();
    let is_assignment = word.split_once('=').is_some_and(|(name, _)| super::syntax::is_name(name.strip_suffix('+').unwrap_or(name)));
    if is_assignment || !chars.contains(&OPEN) || count(&chars) > MAX_WORDS {
        return vec![chars.into_iter().map(plain).collect()];
    }
    let words: Vec<String> = expand_chars(&chars).into_iter().map(|w| w.into_iter().map(plain).collect()).collect();
    // Words that expand to nothing are dropped (`{a,}` is `a`).
    if words.len() > 1 {
        return words.into_iter().filter(|w| !w.is_empty()).collect();
    }
    words
}

/// How many words `expand_chars` would make, saturating.
fn count(s: &[char]) -> u64 {
    for open in (0..s.len()).filter(|&i| s[i] == OPEN) {
        let Some((close, commas)) = matching(s, open) else { continue };
        let alternatives: u64 = if commas.is_empty() {
            match sequence_len(&s[open + 1..close]) {
                Some(n) => n,
                None => continue,
            }
        } else {
            let mut cuts = vec![open];
            cuts.extend(&commas);
            cuts.push(close);
            cuts.windows(2).map(|w| count(&s[w[0] + 1..w[1]])).fold(0u64, u64::saturating_add)
        };
        return alternatives.saturating_mul(count(&s[close + 1..]));
    }
    1
}

/// The length of a sequence `{X..Y..STEP}`, without making it.
fn sequence_len(inner: &[char]) -> Option<u64> {
    let text: String = inner.iter().collect();
    parse_sequence(&text).map(|q| q.len())
}

/// A sequence expression: its ends as written (for zero-padding) and as
/// numbers (a letter's code for letters), and its step (at least 1).
struct Sequence<'a> {
    from: &'a str,
    to: &'a str,
    ends: (i64, i64),
    step: i64,
    letters: bool,
}

impl Sequence<'_> {
    fn len(&self) -> u64 {
        ((i128::from(self.ends.1) - i128::from(self.ends.0)).unsigned_abs() / self.step as u128 + 1) as u64
    }
}

/// `X..Y` or `X..Y..STEP`, of integers or of single letters.
fn parse_sequence(text: &str) -> Option<Sequence<'_>> {
    let parts: Vec<&str> = text.split("..").collect();
    let (from, to, step) = match parts.as_slice() {
        [a, b] => (*a, *b, 1i64),
        [a, b, s] => (*a, *b, s.parse::<i64>().ok()?.checked_abs()?.max(1)),
        _ => return None,
    };
    if let (Ok(x), Ok(y)) = (from.parse::<i64>(), to.parse::<i64>()) {
        return Some(Sequence { from, to, ends: (x, y), step, letters: false });
    }
    let letter = |t: &str| {
        let mut c = t.chars();
        match (c.next(), c.next()) {
            (Some(l), None) if l.is_ascii_alphabetic() => Some(l as i64),
            _ => None,
        }
    };
    Some(Sequence { from, to, ends: (letter(from)?, letter(to)?), step, letters: true })
}

fn plain(c: char) -> char {
    match c {
        OPEN => '{',
        COMMA => ',',
        CLOSE => '}',
        c => c,
    }
}

/// The first brace pair with a comma at its level, or holding a sequence,
/// gives one word per alternative, each with the rest expanded after it.
fn expand_chars(s: &[char]) -> Vec<Vec<char>> {
    for open in (0..s.len()).filter(|&i| s[i] == OPEN) {
        let Some((close, commas)) = matching(s, open) else { continue };
        let inner = &s[open + 1..close];
        let alternatives: Vec<Vec<char>> = if commas.is_empty() {
            match sequence(inner) {
                Some(items) => items.into_iter().map(|i| i.chars().collect()).collect(),
                None => continue,
            }
        } else {
            let mut cuts = vec![open];
            cuts.extend(&commas);
            cuts.push(close);
            cuts.windows(2).flat_map(|w| expand_chars(&s[w[0] + 1..w[1]])).collect()
        };
        let rest = expand_chars(&s[close + 1..]);
        let mut out = Vec::new();
        for alt in &alternatives {
            for tail in &rest {
                out.push([&s[..open], alt.as_slice(), tail.as_slice()].concat());
            }
        }
        return out;
    }
    vec![s.to_vec()]
}

/// The `CLOSE` that matches the `OPEN` at `open`, and the commas at its level.
fn matching(s: &[char], open: usize) -> Option<(usize, Vec<usize>)> {
    let (mut depth, mut commas) = (0usize, Vec::new());
    for (i, c) in s.iter().enumerate().skip(open + 1) {
        match *c {
            OPEN => depth += 1,
            CLOSE if depth == 0 => return Some((i, commas)),
            CLOSE => depth -= 1,
            COMMA if depth == 0 => commas.push(i),
            _ => {}
        }
    }
    None
}

/// `{X..Y}` or `{X..Y..STEP}` of integers (zero-padded when either end
/// is) or of single letters.
fn sequence(inner: &[char]) -> Option<Vec<String>> {
    let text: String = inner.iter().collect();
    let q = parse_sequence(&text)?;
    if q.len() > MAX_WORDS {
        return None;
    }
    let (x, y) = q.ends;
    if q.letters {
        return Some(steps(x, y, q.step).map(|n| char::from(n as u8).to_string()).collect());
    }
    let padded = |t: &str| t.trim_start_matches('-').len() > 1 && t.trim_start_matches('-').starts_with('0');
    let width = if padded(q.from) || padded(q.to) { q.from.len().max(q.to.len()) } else { 0 };
    Some(steps(x, y, q.step).map(|n| if n < 0 { format!("-{:0>w$}", -n, w = width.saturating_sub(1)) } else { format!("{n:0>width$}") }).collect())
}

fn steps(x: i64, y: i64, step: i64) -> impl Iterator<Item = i128> {
    let (x, y, step) = (i128::from(x), i128::from(y), i128::from(step));
    let count = (y - x).abs() / step;
    let sign = if y >= x { 1 } else { -1 };
    (0..=count).map(move |i| x + sign * i * step)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn marked(s: &str) -> String {
        s.chars().map(|c| match c {
            '{' => OPEN,
            ',' => COMMA,
            '}' => CLOSE,
            c => c,
        }).collect()
    }

    #[test]
    fn lists_sequences_and_literals_expand_as_bash_does() {
        let cases: &[(&str, &[&str])] = &[
            ("/mnt/{data,backup}", &["/mnt/data", "/mnt/backup"]),
            ("a{b,c}d{e,f}", &["abde", "abdf", "acde", "acdf"]),
            ("disk{1..3}.img", &["disk1.img", "disk2.img", "disk3.img"]),
            ("{05..10..2}", &["05", "07", "09"]),
            ("{3..1}", &["3", "2", "1"]),
            ("{a..e..2}", &["a", "c", "e"]),
            ("{{a,b}}", &["{a}", "{b}"]),
            ("{a,{b,c}x}", &["a", "bx", "cx"]),
            ("{a}", &["{a}"]),
            ("{}", &["{}"]),
            ("{,x}y", &["y", "xy"]),
            ("{a,}", &["a"]),
            ("{1..10}{1..10}{1..10}{1..10}{1..10}{1..10}{1..10}", &["{1..10}{1..10}{1..10}{1..10}{1..10}{1..10}{1..10}"]),
            ("x={a,b}", &["x={a,b}"]),
            ("{1..a}", &["{1..a}"]),
            ("{-2..1}", &["-2", "-1", "0", "1"]),
            ("{-9223372036854775808..-9223372036854775807}", &["-9223372036854775808", "-9223372036854775807"]),
        ];
        for (word, expected) in cases {
            assert_eq!(expand(&marked(word)), expected.to_vec(), "{word}");
        }
    }
}
