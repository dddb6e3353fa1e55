//! The shell syntax the console reads, as bash reads it: words with quoting and
//! escapes, pipelines, `;`/`&&`/`||` lists, redirections and here-documents.
//!
//! Parsing is pure: a line becomes a `List`, and the here-documents it opens are
//! reported so the shell can collect their bodies from the following lines.
//! Simplified compared with bash: no parameter or command expansion (`$` is
//! literal), no globbing, no subshells, functions or background jobs.

/// One word after quote removal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Word {
    pub text: String,
    /// Some part of it was quoted (a quoted here-document tag disables expansion).
    pub quoted: bool,
    /// It has an unquoted `*`, `?` or `[`: a pattern for pathname expansion.
    pub glob: bool,
}

/// Where a redirection points.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Redirect {
    /// `> FILE` (or `1>`), `>> FILE` appends.
    Out { path: String, append: bool },
    /// `2> FILE` / `2>> FILE`.
    Err { path: String, append: bool },
    /// `2>&1`: standard error joins standard output.
    ErrToOut,
    /// `>&2`: standard output goes to standard error.
    OutToErr,
    /// `< FILE`.
    In { path: String },
    /// `<<TAG` or `<<-TAG`: the body comes from the following lines.
    HereDoc { tag: String, strip_tabs: bool },
    /// `<<< WORD`: a one-line here-string.
    HereString { text: String },
}

/// A simple command: its words and redirections, in order of appearance.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Command {
    pub words: Vec<String>,
    /// Which words are patterns to expand against the filesystem.
    pub globs: Vec<bool>,
    pub redirects: Vec<Redirect>,
}

/// Commands joined by `|`.
pub type Pipeline = Vec<Command>;

/// How a pipeline is joined to the one before it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Join {
    First,
    /// `;` or a new line: always runs.
    Then,
    /// `&&`: runs when the previous pipeline succeeded.
    And,
    /// `||`: runs when the previous pipeline failed.
    Or,
}

/// A command line: pipelines joined by `;`, `&&` and `||`.
pub type List = Vec<(Join, Pipeline)>;

/// Why a line could not be parsed; the texts are bash's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SyntaxError {
    /// A quote was not closed on this line.
    UnterminatedQuote(char),
    /// An operator appeared where a command was expected.
    Unexpected(String),
    /// A construct the console does not simulate.
    Unsupported(String),
}

impl std::fmt::Display for SyntaxError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SyntaxError::UnterminatedQuote(q) => write!(f, "bash: unexpected EOF while looking for matching `{q}'"),
            SyntaxError::Unexpected(t) => write!(f, "bash: syntax error near unexpected token `{t}'"),
            SyntaxError::Unsupported(t) => write!(f, "storage-lab: the shell construct '{t}' is not supported here"),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Token {
    Word(Word),
    /// An operator: `|`, `||`, `&&`, `;`, `>`, `>>`, `<`, `<<`, `<<-`, `<<<`, `2>`, `2>>`, `2>&1`, `>&`.
    Op(String),
}

/// bash's `$'...'` escapes.
fn ansi_c_escape(chars: &mut std::iter::Peekable<std::str::Chars>, out: &mut String) {
    let Some(c) = chars.next() else { return out.push('\\') };
    match c {
        'n' => out.push('\n'),
        't' => out.push('\t'),
        'r' => out.push('\r'),
        'a' => out.push('\u{7}'),
        'b' => out.push('\u{8}'),
        'e' | 'E' => out.push('\u{1b}'),
        '\\' | '\'' | '"' | '?' => out.push(c),
        'x' => {
            let mut v = 0u32;
            let mut n = 0;
            while n < 2 && chars.peek().is_some_and(|h| h.is_ascii_hexdigit()) {
                v = v * 16 + chars.next().and_then(|h| h.to_digit(16)).unwrap_or(0);
                n += 1;
            }
            if n == 0 {
                out.push_str("\\x");
            } else if let Some(ch) = char::from_u32(v) {
                out.push(ch);
            }
        }
        '0'..='7' => {
            let mut v = c.to_digit(8).unwrap_or(0);
            let mut n = 1;
            while n < 3 && chars.peek().is_some_and(|d| ('0'..='7').contains(d)) {
                v = v * 8 + chars.next().and_then(|d| d.to_digit(8)).unwrap_or(0);
                n += 1;
            }
            out.push(char::from_u32(v & 0xff).unwrap_or('?'));
        }
        other => {
            out.push('\\');
            out.push(other);
        }
    }
}

/// Stands for `$?` in a parsed word until the command runs: the status it
/// expands to is known only then (`false; echo $?`). A private-use character,
/// which no typed line contains.
pub const LAST_STATUS: char = '\u{E000}';

/// Reads a quoted section after its opening quote into `word`.
fn quoted(chars: &mut std::iter::Peekable<std::str::Chars>, quote: char, word: &mut String) -> Result<(), SyntaxError> {
    // `$'...'` (marked by '$') ends at a single quote.
    let end = if quote == '$' { '\'' } else { quote };
    loop {
        match chars.next() {
            Some(q) if q == end => return Ok(()),
            Some('\\') if quote == '"' => match chars.next() {
                Some(n @ ('"' | '\\' | '$' | '`')) => word.push(n),
                Some('\n') => {}
                Some(n) => {
                    word.push('\\');
                    word.push(n);
                }
                None => return Err(SyntaxError::UnterminatedQuote(quote)),
            },
            Some('\\') if quote == '$' => ansi_c_escape(chars, word),
            Some('$') if quote == '"' && chars.peek() == Some(&'?') => {
                chars.next();
                word.push(LAST_STATUS);
            }
            Some(other) => word.push(other),
            None => return Err(SyntaxError::UnterminatedQuote(if quote == '$' { '\'' } else { quote })),
        }
    }
}

/// The operator starting with `c` (already consumed).
fn operator(c: char, chars: &mut std::iter::Peekable<std::str::Chars>) -> Result<String, SyntaxError> {
    let mut op = c.to_string();
    let next = chars.peek().copied();
    match (c, next) {
        ('|', Some('|')) | ('&', Some('&')) | ('>', Some('>')) | (';', Some(';')) => op.push(chars.next().unwrap_or(c)),
        ('<', Some('<')) => {
            op.push(chars.next().unwrap_or(c));
            if matches!(chars.peek(), Some('-') | Some('<')) {
                op.push(chars.next().unwrap_or(c));
            }
        }
        ('>', Some('&')) | ('&', Some('>')) => op.push(chars.next().unwrap_or(c)),
        ('|', Some('&')) => return Err(SyntaxError::Unsupported("|&".into())),
        ('&', _) => return Err(SyntaxError::Unsupported("&".into())),
        _ => {}
    }
    if op == ";;" {
        return Err(SyntaxError::Unexpected(op));
    }
    Ok(op)
}

/// Splits a line into words and operators.
fn tokenize(line: &str) -> Result<Vec<Token>, SyntaxError> {
    let mut tokens = Vec::new();
    let mut word = String::new();
    let mut in_word = false;
    let mut was_quoted = false;
    let mut glob = false;
    let mut chars = line.chars().peekable();
    let flush = |tokens: &mut Vec<Token>, word: &mut String, in_word: &mut bool, q: &mut bool, g: &mut bool| {
        if *in_word {
            tokens.push(Token::Word(Word { text: std::mem::take(word), quoted: *q, glob: *g }));
            *in_word = false;
            *q = false;
            *g = false;
        }
    };
    while let Some(c) = chars.next() {
        match c {
            '\'' | '"' => {
                in_word = true;
                was_quoted = true;
                quoted(&mut chars, c, &mut word)?;
            }
            '$' if chars.peek() == Some(&'\'') => {
                chars.next();
                in_word = true;
                was_quoted = true;
                quoted(&mut chars, '$', &mut word)?;
            }
            '$' if chars.peek() == Some(&'?') => {
                chars.next();
                in_word = true;
                word.push(LAST_STATUS);
            }
            '$' if chars.peek() == Some(&'(') => return Err(SyntaxError::Unsupported("$(...)".into())),
            '`' => return Err(SyntaxError::Unsupported("`...`".into())),
            '(' | ')' => return Err(SyntaxError::Unsupported(c.to_string())),
            '\\' => {
                in_word = true;
                was_quoted = true;
                if let Some(n) = chars.next() {
                    word.push(n);
                }
            }
            '#' if !in_word => break,
            // `~` alone or before `/` is the home directory (the lab is root).
            '~' if !in_word && chars.peek().is_none_or(|n| *n == '/' || n.is_whitespace()) => {
                in_word = true;
                word.push_str("/root");
            }
            // `1>` is `>`.
            '1' if !in_word && chars.peek() == Some(&'>') => {}
            '2' if !in_word && chars.peek() == Some(&'>') => {
                chars.next();
                let op = match chars.peek() {
                    Some('>') => {
                        chars.next();
                        "2>>"
                    }
                    Some('&') => {
                        chars.next();
                        if chars.next() != Some('1') {
                            return Err(SyntaxError::Unsupported("2>&".into()));
                        }
                        "2>&1"
                    }
                    _ => "2>",
                };
                tokens.push(Token::Op(op.into()));
            }
            '|' | '&' | ';' | '<' | '>' => {
                flush(&mut tokens, &mut word, &mut in_word, &mut was_quoted, &mut glob);
                tokens.push(Token::Op(operator(c, &mut chars)?));
            }
            c if c.is_whitespace() => flush(&mut tokens, &mut word, &mut in_word, &mut was_quoted, &mut glob),
            c => {
                in_word = true;
                glob |= matches!(c, '*' | '?' | '[');
                word.push(c);
            }
        }
    }
    flush(&mut tokens, &mut word, &mut in_word, &mut was_quoted, &mut glob);
    Ok(tokens)
}

/// Parses one line.
pub fn parse(line: &str) -> Result<List, SyntaxError> {
    let tokens = tokenize(line)?;
    let mut list: List = Vec::new();
    let mut pipeline: Pipeline = Vec::new();
    let mut cmd = Command::default();
    let mut join = Join::First;
    let mut it = tokens.into_iter().peekable();
    while let Some(t) = it.next() {
        match t {
            Token::Word(w) => {
                cmd.words.push(w.text);
                cmd.globs.push(w.glob);
            }
            Token::Op(op) => match op.as_str() {
                "|" | "&&" | "||" | ";" => {
                    if cmd.words.is_empty() && cmd.redirects.is_empty() {
                        return Err(SyntaxError::Unexpected(op));
                    }
                    pipeline.push(std::mem::take(&mut cmd));
                    if op != "|" {
                        list.push((join, std::mem::take(&mut pipeline)));
                        join = match op.as_str() {
                            "&&" => Join::And,
                            "||" => Join::Or,
                            _ => Join::Then,
                        };
                    } else if it.peek().is_none() {
                        return Err(SyntaxError::Unexpected("|".into()));
                    }
                }
                "2>&1" => cmd.redirects.push(Redirect::ErrToOut),
                _ => {
                    let Some(Token::Word(target)) = it.next() else {
                        return Err(SyntaxError::Unexpected("newline".into()));
                    };
                    match (op.as_str(), target.text.as_str()) {
                        (">&", "2") => cmd.redirects.push(Redirect::OutToErr),
                        (">&", "1") => {}
                        // `>&FILE` and `&>FILE`: both streams into FILE.
                        (">&", _) | ("&>", _) => {
                            cmd.redirects.push(Redirect::Out { path: target.text, append: false });
                            cmd.redirects.push(Redirect::ErrToOut);
                        }
                        _ => cmd.redirects.push(redirect(&op, target)?),
                    }
                }
            },
        }
    }
    if !cmd.words.is_empty() || !cmd.redirects.is_empty() {
        pipeline.push(cmd);
    }
    if !pipeline.is_empty() {
        list.push((join, pipeline));
    } else if join != Join::First && join != Join::Then {
        return Err(SyntaxError::Unexpected("newline".into()));
    }
    Ok(list)
}

fn redirect(op: &str, target: Word) -> Result<Redirect, SyntaxError> {
    Ok(match op {
        ">" => Redirect::Out { path: target.text, append: false },
        ">>" => Redirect::Out { path: target.text, append: true },
        "2>" => Redirect::Err { path: target.text, append: false },
        "2>>" => Redirect::Err { path: target.text, append: true },
        "<" => Redirect::In { path: target.text },
        "<<" | "<<-" => Redirect::HereDoc { tag: target.text, strip_tabs: op == "<<-" },
        "<<<" => Redirect::HereString { text: target.text },
        other => return Err(SyntaxError::Unsupported(other.into())),
    })
}

/// The here-documents a parsed line opens, in order, as (tag, strip_tabs).
pub fn here_docs(list: &List) -> Vec<(String, bool)> {
    list.iter()
        .flat_map(|(_, p)| p.iter())
        .flat_map(|c| c.redirects.iter())
        .filter_map(|r| match r {
            Redirect::HereDoc { tag, strip_tabs } => Some((tag.clone(), *strip_tabs)),
            _ => None,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(line: &str) -> Vec<Vec<Vec<String>>> {
        parse(line).expect("parses").into_iter().map(|(_, p)| p.into_iter().map(|c| c.words).collect()).collect()
    }

    #[test]
    fn quoting_follows_bash() {
        assert_eq!(words("lvcreate -n 'my vol' -L 1G vg"), [[["lvcreate", "-n", "my vol", "-L", "1G", "vg"]]]);
        assert_eq!(words(r#"echo "a \"b\" \$c" d\ e"#), [[["echo", "a \"b\" $c", "d e"]]]);
        assert_eq!(words(r"printf $'n\np\n'"), [[["printf", "n\np\n"]]]);
        assert_eq!(words("lsblk # list"), [[["lsblk"]]]);
        assert_eq!(parse("echo 'oops"), Err(SyntaxError::UnterminatedQuote('\'')));
    }

    #[test]
    fn pipes_lists_and_redirections() {
        let l = parse("printf 'n\\nw\\n' | fdisk /dev/sdb && lsblk; echo done > /tmp/x 2>&1").expect("parses");
        assert_eq!(l.len(), 3);
        assert_eq!(l[0].0, Join::First);
        assert_eq!(l[0].1.len(), 2);
        assert_eq!(l[1].0, Join::And);
        assert_eq!(l[2].1[0].redirects, [Redirect::Out { path: "/tmp/x".into(), append: false }, Redirect::ErrToOut]);
        assert_eq!(here_docs(&parse("sfdisk /dev/sdb <<'EOF'").expect("parses")), [("EOF".to_string(), false)]);
        assert_eq!(here_docs(&parse("cat <<-END > f").expect("parses")), [("END".to_string(), true)]);
        assert!(matches!(parse("| lsblk"), Err(SyntaxError::Unexpected(_))));
        assert!(matches!(parse("lsblk &"), Err(SyntaxError::Unsupported(_))));
    }
}
