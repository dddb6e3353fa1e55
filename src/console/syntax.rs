//! The shell syntax the console reads, as bash reads it: words with quoting and
//! escapes, pipelines, `;`/`&&`/`||` lists, redirections and here-documents.
//!
//! Parsing is pure: a line becomes a `List`, and the here-documents it opens are
//! reported so the shell can collect their bodies from the following lines.
//! With feature `shell-scripts`, text of several lines goes to `compound`
//! (compound commands, new lines as separators, here-document bodies in the
//! text). Simplified compared with bash: parameters are plain variables
//! (`$NAME`, `${NAME}`, `${#NAME}`, `${NAME:-WORD}` with a plain WORD, and
//! `$?`; not the other `${...}` forms), command substitution runs in the same
//! shell with its variables put back, `$((...))` is evaluated by `arith`, and
//! there are no functions or background jobs.

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
    /// `<<TAG` or `<<-TAG`: the body comes from the following lines; with
    /// `expand` (the tag was not quoted) `$NAME` in it is expanded.
    HereDoc {
        tag: String,
        strip_tabs: bool,
        #[cfg(feature = "shell-scripts")]
        expand: bool,
        /// The body, when the text parsed held it (a here-document inside a
        /// command that goes over several lines); None: the lines after.
        #[cfg(feature = "shell-scripts")]
        body: Option<String>,
    },
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
    /// `NAME=VALUE` words before the command name (the value unexpanded).
    #[cfg(feature = "shell-scripts")]
    pub assigns: Vec<(String, String)>,
    /// A compound command (`for`, `if`, ...) in place of the words.
    #[cfg(feature = "shell-scripts")]
    pub compound: Option<Box<super::compound::Compound>>,
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
    /// The line goes on in the next one (a trailing `\`, an open quote, or a
    /// trailing `|`, `&&` or `||`): the text to put before the next line.
    #[cfg(feature = "shell-scripts")]
    Incomplete(String),
}

impl std::fmt::Display for SyntaxError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SyntaxError::UnterminatedQuote(q) => write!(f, "bash: unexpected EOF while looking for matching `{q}'"),
            SyntaxError::Unexpected(t) => write!(f, "bash: syntax error near unexpected token `{t}'"),
            SyntaxError::Unsupported(t) => write!(f, "storage-lab: the shell construct '{t}' is not supported here"),
            #[cfg(feature = "shell-scripts")]
            SyntaxError::Incomplete(_) => write!(f, "bash: syntax error: unexpected end of file"),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Token {
    Word(Word),
    /// An operator: `|`, `||`, `&&`, `;`, `>`, `>>`, `<`, `<<`, `<<-`, `<<<`,
    /// `2>`, `2>>`, `2>&1`, `>&`, and a new line in text of several lines.
    Op(String),
    /// `<<TAG` or `<<-TAG` whose body followed in the text: the redirection.
    #[cfg(feature = "shell-scripts")]
    HereDoc(Redirect),
    /// `(( EXPRESSION ))`: the expression's text.
    #[cfg(feature = "shell-scripts")]
    Arith(String),
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
#[cfg(feature = "shell-scripts")]
/// Marks `$NAME` in a parsed word until the command runs (variables set
/// earlier on the same line count): `VAR` or, inside double quotes, `QUOTED_VAR`
/// (no word splitting), then the name, then `VAR_END`.
pub const VAR: char = '\u{E001}';
#[cfg(feature = "shell-scripts")]
pub const QUOTED_VAR: char = '\u{E002}';
#[cfg(feature = "shell-scripts")]
pub const VAR_END: char = '\u{E003}';

#[cfg(feature = "shell-scripts")]
/// Reads the parameter after a `$` (already consumed) into `word` as a
/// marked variable; false when what follows is not one (the `$` is literal).
fn parameter(chars: &mut std::iter::Peekable<std::str::Chars>, mark: char, word: &mut String) -> Result<bool, SyntaxError> {
    let name: String = match chars.peek() {
        Some('{') => {
            chars.next();
            let mut inner = String::new();
            let mut depth = 0;
            loop {
                match chars.next() {
                    None => return Err(SyntaxError::UnterminatedQuote('}')),
                    Some('}') if depth == 0 => break,
                    Some(c) => {
                        depth += i32::from(c == '{') - i32::from(c == '}');
                        inner.push(c);
                    }
                }
            }
            if super::params::split(&inner).is_none() {
                return Err(SyntaxError::Unsupported(format!("${{{inner}}}")));
            }
            inner
        }
        Some(c) if c.is_ascii_digit() || matches!(c, '#' | '@' | '*' | '$' | '!') => chars.next().map(String::from).unwrap_or_default(),
        Some(c) if c.is_ascii_alphabetic() || *c == '_' => {
            let mut n = String::new();
            while let Some(c) = chars.next_if(|c| c.is_ascii_alphanumeric() || *c == '_') {
                n.push(c);
            }
            n
        }
        _ => return Ok(false),
    };
    word.push(mark);
    word.push_str(&name);
    word.push(VAR_END);
    Ok(true)
}

/// An open quote or substitution at the end of a line that more lines may
/// follow goes on in the next line; any other error stands.
#[cfg(feature = "shell-scripts")]
fn open_at_end(e: SyntaxError, more: bool, line: &str) -> SyntaxError {
    match e {
        SyntaxError::UnterminatedQuote(_) if more => SyntaxError::Incomplete(format!("{line}\n")),
        e => e,
    }
}

/// Marks a command substitution (`$(...)` or `` `...` ``) like a variable:
/// `SUBST` or `QUOTED_SUBST`, the command's text, `VAR_END`.
#[cfg(feature = "shell-scripts")]
pub const SUBST: char = '\u{E004}';
#[cfg(feature = "shell-scripts")]
pub const QUOTED_SUBST: char = '\u{E005}';

/// Reads a command substitution after its opening `$(` or backquote, up to
/// the `)` that closes it (quotes and nested parentheses skipped) or the
/// next unescaped backquote, into `word` as a marked command.
#[cfg(feature = "shell-scripts")]
fn substitution(chars: &mut std::iter::Peekable<std::str::Chars>, close: char, mark: char, word: &mut String) -> Result<(), SyntaxError> {
    if close == ')' && chars.next_if_eq(&'(').is_some() {
        return arithmetic(chars, word);
    }
    let mut inner = String::new();
    let (mut depth, mut quote) = (0, None);
    // Open `case` commands: their patterns' `)` closes nothing.
    let (mut cases, mut bare) = (0, String::new());
    loop {
        let c = chars.next().ok_or(SyntaxError::UnterminatedQuote(close))?;
        if quote.is_none() && (c.is_ascii_alphanumeric() || c == '_') {
            bare.push(c);
        } else if !bare.is_empty() {
            match std::mem::take(&mut bare).as_str() {
                "case" => cases += 1,
                "esac" => cases -= i32::from(cases > 0),
                _ => {}
            }
        }
        match (c, quote) {
            ('\\', q) if q != Some('\'') => {
                if close == '`' && chars.peek().is_some_and(|n| matches!(n, '`' | '$' | '\\')) {
                    inner.extend(chars.next());
                    continue;
                }
                inner.push(c);
                inner.extend(chars.next());
                continue;
            }
            ('\'' | '"', None) if close == ')' => quote = Some(c),
            (q, Some(open)) if q == open => quote = None,
            ('(', None) if close == ')' => depth += 1,
            (')', None) if close == ')' && depth == 0 && cases > 0 => {}
            (c, None) if c == close && depth == 0 => break,
            (')', None) if close == ')' => depth -= 1,
            _ => {}
        }
        inner.push(c);
    }
    word.push(mark);
    word.push_str(&inner);
    word.push(VAR_END);
    Ok(())
}

/// Marks `$((EXPRESSION))` (after its `$((`) as `ARITH`, the expression's
/// text, `VAR_END`: it is expanded and evaluated when the command runs.
#[cfg(feature = "shell-scripts")]
pub const ARITH: char = '\u{E006}';

#[cfg(feature = "shell-scripts")]
fn arithmetic(chars: &mut std::iter::Peekable<std::str::Chars>, word: &mut String) -> Result<(), SyntaxError> {
    let mut inner = String::new();
    let mut depth = 0;
    loop {
        match chars.next().ok_or(SyntaxError::UnterminatedQuote(')'))? {
            ')' if depth == 0 => {
                if chars.next_if_eq(&')').is_none() {
                    return Err(SyntaxError::Unsupported("$((...)".into()));
                }
                break;
            }
            c => {
                depth += i32::from(c == '(') - i32::from(c == ')');
                inner.push(c);
            }
        }
    }
    word.push(ARITH);
    word.push_str(&inner);
    word.push(VAR_END);
    Ok(())
}

#[cfg(feature = "shell-scripts")]
/// A here-document's body with its parameters marked as in double quotes
/// (`\$`, `\\` and `` \` `` escape).
pub fn mark_parameters(text: &str) -> String {
    let mut out = String::new();
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' if matches!(chars.peek(), Some('$' | '\\' | '`')) => out.extend(chars.next()),
            // A backslash before a new line joins the lines.
            '\\' if chars.next_if_eq(&'\n').is_some() => {}
            '$' if chars.next_if_eq(&'?').is_some() => out.push(LAST_STATUS),
            '$' if chars.next_if_eq(&'(').is_some() => {
                if substitution(&mut chars, ')', QUOTED_SUBST, &mut out).is_err() {
                    out.push_str("$(");
                }
            }
            '$' if parameter(&mut chars, QUOTED_VAR, &mut out).unwrap_or(false) => {}
            '`' => {
                // An unclosed backquote stays a character.
                let before = (chars.clone(), out.len());
                if substitution(&mut chars, '`', QUOTED_SUBST, &mut out).is_err() {
                    chars = before.0;
                    out.truncate(before.1);
                    out.push('`');
                }
            }
            c => out.push(c),
        }
    }
    out
}

#[cfg(feature = "shell-scripts")]
/// A shell variable's name: a letter or `_`, then letters, digits and `_`.
pub fn is_name(s: &str) -> bool {
    s.bytes().next().is_some_and(|b| b.is_ascii_alphabetic() || b == b'_') && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
}

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
            #[cfg(feature = "shell-scripts")]
            #[cfg(feature = "shell-scripts")]
            Some('$') if quote == '"' && chars.next_if_eq(&'(').is_some() => substitution(chars, ')', QUOTED_SUBST, word)?,
            #[cfg(feature = "shell-scripts")]
            Some('`') if quote == '"' => substitution(chars, '`', QUOTED_SUBST, word)?,
            #[cfg(feature = "shell-scripts")]
            Some('$') if quote == '"' => {
                if !parameter(chars, QUOTED_VAR, word)? {
                    word.push('$');
                }
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
        // `|&` (`2>&1 |`), `&>>` (both, appended) and `>|` (`>`, whatever noclobber says).
        #[cfg(feature = "shell-scripts")]
        ('|', Some('&')) | ('>', Some('|')) => op.push(chars.next().unwrap_or(c)),
        #[cfg(feature = "shell-scripts")]
        ('&', Some('>')) => {
            op.push(chars.next().unwrap_or(c));
            op.extend(chars.next_if_eq(&'>'));
        }
        #[cfg(feature = "shell-scripts")]
        ('>', Some('&')) => op.push(chars.next().unwrap_or(c)),
        #[cfg(not(feature = "shell-scripts"))]
        ('>', Some('&')) | ('&', Some('>')) => op.push(chars.next().unwrap_or(c)),
        #[cfg(not(feature = "shell-scripts"))]
        ('|', Some('&')) => return Err(SyntaxError::Unsupported("|&".into())),
        ('&', _) => return Err(SyntaxError::Unsupported("&".into())),
        _ => {}
    }
    // `;;`, `;&` and `;;&` end a `case` item.
    #[cfg(feature = "shell-scripts")]
    if op == ";;" && chars.next_if_eq(&'&').is_some() {
        op.push('&');
    } else if op == ";" && chars.next_if_eq(&'&').is_some() {
        op.push('&');
    }
    #[cfg(not(feature = "shell-scripts"))]
    if op == ";;" {
        return Err(SyntaxError::Unexpected(op));
    }
    Ok(op)
}

/// Splits a line into words and operators. With `more`, a line that bash
/// would continue on the next one says so (`SyntaxError::Incomplete`).
pub(super) fn tokenize(line: &str, #[cfg(feature = "shell-scripts")] more: bool) -> Result<Vec<Token>, SyntaxError> {
    let mut tokens = Vec::new();
    let mut word = String::new();
    let mut in_word = false;
    let mut was_quoted = false;
    let mut glob = false;
    let mut chars = line.chars().peekable();
    let flush = |tokens: &mut Vec<Token>, word: &mut String, in_word: &mut bool, q: &mut bool, g: &mut bool| {
        if *in_word {
            #[cfg(feature = "shell-scripts")]
            for text in super::braces::expand_unless(&std::mem::take(word), in_case_pattern(tokens)) {
                tokens.push(Token::Word(Word { text, quoted: *q, glob: *g }));
            }
            #[cfg(not(feature = "shell-scripts"))]
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
                #[cfg(feature = "shell-scripts")]
                quoted(&mut chars, c, &mut word).map_err(|e| open_at_end(e, more, line))?;
                #[cfg(not(feature = "shell-scripts"))]
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
            #[cfg(feature = "shell-scripts")]
            '$' if chars.peek() == Some(&'(') => {
                chars.next();
                in_word = true;
                substitution(&mut chars, ')', SUBST, &mut word).map_err(|e| open_at_end(e, more, line))?;
            }
            #[cfg(feature = "shell-scripts")]
            '`' => {
                in_word = true;
                substitution(&mut chars, '`', SUBST, &mut word).map_err(|e| open_at_end(e, more, line))?;
            }
            '$' if chars.peek() == Some(&'(') => return Err(SyntaxError::Unsupported("$(...)".into())),
            #[cfg(feature = "shell-scripts")]
            '$' => {
                in_word = true;
                if !parameter(&mut chars, VAR, &mut word)? {
                    word.push('$');
                }
            }
            #[cfg(not(feature = "shell-scripts"))]
            '`' => return Err(SyntaxError::Unsupported("`...`".into())),
            // `((` where a word starts is an arithmetic command (bash tries it
            // before a subshell in a subshell).
            #[cfg(feature = "shell-scripts")]
            '(' if chars.peek() == Some(&'(') && (!in_word || matches!(word.as_str(), "for" | "while" | "until" | "if" | "elif" | "then" | "do" | "else" | "!")) => {
                flush(&mut tokens, &mut word, &mut in_word, &mut was_quoted, &mut glob);
                chars.next();
                let mut text = String::new();
                arithmetic(&mut chars, &mut text).map_err(|e| open_at_end(e, more, line))?;
                tokens.push(Token::Arith(text.trim_start_matches(ARITH).trim_end_matches(VAR_END).to_string()));
            }
            #[cfg(feature = "shell-scripts")]
            '(' | ')' => {
                flush(&mut tokens, &mut word, &mut in_word, &mut was_quoted, &mut glob);
                tokens.push(Token::Op(c.to_string()));
            }
            #[cfg(not(feature = "shell-scripts"))]
            '(' | ')' => return Err(SyntaxError::Unsupported(c.to_string())),
            '\\' => {
                in_word = true;
                was_quoted = true;
                // A backslash at the end of a line joins it to the next.
                #[cfg(feature = "shell-scripts")]
                if more && chars.peek().is_none() {
                    return Err(SyntaxError::Incomplete(line[..line.len() - 1].to_string()));
                }
                #[cfg(feature = "shell-scripts")]
                if chars.next_if_eq(&'\n').is_some() {
                    continue;
                }
                if let Some(n) = chars.next() {
                    word.push(n);
                }
            }
            // A comment runs to the end of its line (a line joined after a
            // trailing `|` keeps its newline).
            #[cfg(feature = "shell-scripts")]
            '#' if !in_word => while chars.next_if(|n| *n != '\n').is_some() {},
            // A new line ends a command as `;` does, and the bodies of the
            // here-documents its line opened follow it.
            #[cfg(feature = "shell-scripts")]
            '\n' => {
                flush(&mut tokens, &mut word, &mut in_word, &mut was_quoted, &mut glob);
                here_doc_bodies(&mut tokens, &mut chars, more).map_err(|e| open_at_end(e, more, line))?;
                tokens.push(Token::Op("\n".into()));
            }
            #[cfg(not(feature = "shell-scripts"))]
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
            // Unquoted braces and commas, marked for brace expansion.
            #[cfg(feature = "shell-scripts")]
            '{' | ',' | '}' => {
                in_word = true;
                word.push(match c {
                    '{' => super::braces::OPEN,
                    ',' => super::braces::COMMA,
                    _ => super::braces::CLOSE,
                });
            }
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

/// Whether the next word is a `case` command's word or one of its
/// patterns, which bash does not brace-expand: after `case`, after `in`
/// following `case WORD`, after `;;` (`;&`, `;;&`), and after `(` or `|`
/// in such a place.
#[cfg(feature = "shell-scripts")]
fn in_case_pattern(tokens: &[Token]) -> bool {
    let word = |t: Option<&Token>, text: &str| matches!(t, Some(Token::Word(w)) if w.text == text && !w.quoted);
    let mut back = tokens.iter().rev().filter(|t| **t != Token::Op("\n".into())).peekable();
    loop {
        match back.next() {
            Some(Token::Op(op)) if matches!(op.as_str(), ";;" | ";&" | ";;&") => return true,
            Some(Token::Op(op)) if op == "(" || op == "|" => {
                // `|` joins patterns: the one before it must be a pattern too.
                if op == "|" && !matches!(back.next(), Some(Token::Word(_))) {
                    return false;
                }
            }
            Some(t) if word(Some(t), "case") => return true,
            Some(t) if word(Some(t), "in") => return matches!(back.next(), Some(Token::Word(_))) && word(back.next(), "case"),
            _ => return false,
        }
    }
}

/// Reads the bodies of the here-documents opened since the last new line from
/// the lines that follow, turning each `<<` and its tag into one token.
#[cfg(feature = "shell-scripts")]
fn here_doc_bodies(tokens: &mut Vec<Token>, chars: &mut std::iter::Peekable<std::str::Chars>, more: bool) -> Result<(), SyntaxError> {
    let start = tokens.iter().rposition(|t| *t == Token::Op("\n".into())).map_or(0, |i| i + 1);
    let mut i = start;
    while i + 1 < tokens.len() {
        let (Token::Op(op), Token::Word(tag)) = (&tokens[i], &tokens[i + 1]) else {
            i += 1;
            continue;
        };
        if op != "<<" && op != "<<-" {
            i += 1;
            continue;
        }
        let Ok(Redirect::HereDoc { tag, strip_tabs, expand, .. }) = redirect(op, tag.clone()) else { return Err(SyntaxError::Unsupported(op.clone())) };
        let mut body = String::new();
        loop {
            // More lines may bring the tag; at the very end, bash takes
            // what there is (and warns).
            if chars.peek().is_none() {
                if more {
                    return Err(SyntaxError::UnterminatedQuote('\n'));
                }
                break;
            }
            let text: String = chars.by_ref().take_while(|c| *c != '\n').collect();
            let text = if strip_tabs { text.trim_start_matches('\t') } else { &text };
            if text == tag {
                break;
            }
            body.push_str(text);
            body.push('\n');
        }
        let doc = Redirect::HereDoc { tag, strip_tabs, expand, body: Some(body) };
        tokens.splice(i..i + 2, [Token::HereDoc(doc)]);
        i += 1;
    }
    Ok(())
}

/// Parses one line.
pub fn parse(line: &str) -> Result<List, SyntaxError> {
    parse_lines(
        line,
        #[cfg(feature = "shell-scripts")]
        false,
    )
}

#[cfg(feature = "shell-scripts")]
/// Parses a line that more lines may follow, as a script or the console
/// reads it: where bash would read on, the error is `Incomplete`.
pub fn parse_more(line: &str) -> Result<List, SyntaxError> {
    parse_lines(line, true)
}

#[cfg(feature = "shell-scripts")]
fn parse_lines(line: &str, more: bool) -> Result<List, SyntaxError> {
    super::compound::parse(tokenize(line, more)?, line, more)
}

#[cfg(not(feature = "shell-scripts"))]
fn parse_lines(line: &str) -> Result<List, SyntaxError> {
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
                    push_redirect(&mut cmd, &op, target)?;
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

/// Adds the redirection `op TARGET` to a command.
pub(super) fn push_redirect(cmd: &mut Command, op: &str, target: Word) -> Result<(), SyntaxError> {
    match (op, target.text.as_str()) {
        (">&", "2") => cmd.redirects.push(Redirect::OutToErr),
        (">&", "1") => {}
        // `>&FILE` and `&>FILE`: both streams into FILE.
        (">&", _) | ("&>", _) => {
            cmd.redirects.push(Redirect::Out { path: target.text, append: false });
            cmd.redirects.push(Redirect::ErrToOut);
        }
        #[cfg(feature = "shell-scripts")]
        ("&>>", _) => {
            cmd.redirects.push(Redirect::Out { path: target.text, append: true });
            cmd.redirects.push(Redirect::ErrToOut);
        }
        _ => cmd.redirects.push(redirect(op, target)?),
    }
    Ok(())
}

pub(super) fn redirect(op: &str, target: Word) -> Result<Redirect, SyntaxError> {
    Ok(match op {
        ">" => Redirect::Out { path: target.text, append: false },
        #[cfg(feature = "shell-scripts")]
        ">|" => Redirect::Out { path: target.text, append: false },
        ">>" => Redirect::Out { path: target.text, append: true },
        "2>" => Redirect::Err { path: target.text, append: false },
        "2>>" => Redirect::Err { path: target.text, append: true },
        "<" => Redirect::In { path: target.text },
        "<<" | "<<-" => Redirect::HereDoc {
            tag: target.text,
            strip_tabs: op == "<<-",
            #[cfg(feature = "shell-scripts")]
            expand: !target.quoted,
            #[cfg(feature = "shell-scripts")]
            body: None,
        },
        "<<<" => Redirect::HereString { text: target.text },
        other => return Err(SyntaxError::Unsupported(other.into())),
    })
}

/// The here-documents a parsed line opens, in order, as (tag, strip_tabs).
#[cfg(not(feature = "shell-scripts"))]
pub fn here_docs(list: &List) -> Vec<(String, bool)> {
    list.iter()
        .flat_map(|(_, p)| p.iter())
        .flat_map(|c| c.redirects.iter())
        .filter_map(|r| match r {
            Redirect::HereDoc { tag, strip_tabs, .. } => Some((tag.clone(), *strip_tabs)),
            _ => None,
        })
        .collect()
}

/// The here-documents a parsed text opens whose bodies come in the lines
/// after it, nested ones included, in order, as (tag, strip_tabs).
#[cfg(feature = "shell-scripts")]
pub fn here_docs(list: &List) -> Vec<(String, bool)> {
    let mut list = list.clone();
    super::compound::here_docs_mut(&mut list)
        .into_iter()
        .filter_map(|r| match r {
            Redirect::HereDoc { tag, strip_tabs, body: None, .. } => Some((tag.clone(), *strip_tabs)),
            _ => None,
        })
        .collect()
}

/// Gives the here-documents that `here_docs` listed their bodies, in order.
#[cfg(feature = "shell-scripts")]
pub fn fill_here_docs(list: &mut List, bodies: &[String]) {
    let open = super::compound::here_docs_mut(list).into_iter().filter_map(|r| match r {
        Redirect::HereDoc { body: b @ None, .. } => Some(b),
        _ => None,
    });
    for (slot, body) in open.zip(bodies) {
        *slot = Some(body.clone());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(feature = "shell-scripts")]
    #[test]
    fn lines_go_on_where_bash_reads_on() {
        let more = |l: &str| match parse_more(l) {
            Err(SyntaxError::Incomplete(head)) => Some(head),
            _ => None,
        };
        assert_eq!(more("lvcreate -n v \\").as_deref(), Some("lvcreate -n v "));
        assert_eq!(more("echo 'a").as_deref(), Some("echo 'a\n"));
        assert_eq!(more("echo \"a \\").as_deref(), Some("echo \"a \\\n"));
        assert_eq!(more("lsblk |").as_deref(), Some("lsblk |\n"));
        assert_eq!(more("true &&").as_deref(), Some("true &&\n"));
        assert_eq!(more("false ||").as_deref(), Some("false ||\n"));
        // A quoted blank, a backslash in a comment or in single quotes ends nothing.
        assert_eq!(more("echo a\\ "), None);
        assert_eq!(more("echo a # c \\"), None);
        assert_eq!(more("echo 'a\\'"), None);
        assert_eq!(parse("echo 'a"), Err(SyntaxError::UnterminatedQuote('\'')));
    }

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
