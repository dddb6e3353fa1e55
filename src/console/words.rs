//! Splits a command line into words the way a POSIX shell would for simple
//! commands: whitespace separates words, single and double quotes group them, a
//! backslash escapes the next character, and `#` at the start of a word begins a
//! comment. Simplification: no variables, globbing, redirection or subshells; a
//! single `|` is recognised so that `echo y | vgremove vg` can answer a prompt.

/// A line split into the command before a pipe and, optionally, the one after it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Line {
    pub words: Vec<String>,
    pub stdin_from: Option<Vec<String>>,
}

/// Why a line could not be split.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SplitError {
    UnterminatedQuote(char),
    UnsupportedOperator(String),
}

pub fn split(line: &str) -> Result<Line, SplitError> {
    let mut segments: Vec<Vec<String>> = vec![Vec::new()];
    let mut word = String::new();
    let mut in_word = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\'' | '"' => {
                in_word = true;
                let quote = c;
                loop {
                    match chars.next() {
                        Some(q) if q == quote => break,
                        Some('\\') if quote == '"' => match chars.next() {
                            Some(n) => word.push(n),
                            None => return Err(SplitError::UnterminatedQuote(quote)),
                        },
                        Some(other) => word.push(other),
                        None => return Err(SplitError::UnterminatedQuote(quote)),
                    }
                }
            }
            '\\' => {
                in_word = true;
                if let Some(n) = chars.next() {
                    word.push(n);
                }
            }
            '#' if !in_word => break,
            '|' if chars.peek() != Some(&'|') => {
                if in_word {
                    if let Some(seg) = segments.last_mut() {
                        seg.push(std::mem::take(&mut word));
                    }
                    in_word = false;
                }
                segments.push(Vec::new());
            }
            '|' | ';' | '&' | '>' | '<' | '`' => {
                let mut op = c.to_string();
                if chars.peek() == Some(&c) {
                    op.push(c);
                }
                return Err(SplitError::UnsupportedOperator(op));
            }
            c if c.is_whitespace() => {
                if in_word {
                    if let Some(seg) = segments.last_mut() {
                        seg.push(std::mem::take(&mut word));
                    }
                    in_word = false;
                }
            }
            c => {
                in_word = true;
                word.push(c);
            }
        }
    }
    if in_word {
        if let Some(seg) = segments.last_mut() {
            seg.push(word);
        }
    }
    if segments.len() > 2 {
        return Err(SplitError::UnsupportedOperator("|".into()));
    }
    let mut it = segments.into_iter();
    let first = it.next().unwrap_or_default();
    let second = it.next();
    match second {
        Some(s) => Ok(Line { words: s, stdin_from: Some(first) }),
        None => Ok(Line { words: first, stdin_from: None }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoting_and_pipes() {
        assert_eq!(split("lvcreate -n 'my vol' -L 1G vg").unwrap().words, ["lvcreate", "-n", "my vol", "-L", "1G", "vg"]);
        let l = split("echo y | vgremove data_vg").unwrap();
        assert_eq!(l.words, ["vgremove", "data_vg"]);
        assert_eq!(l.stdin_from.unwrap(), ["echo", "y"]);
        assert_eq!(split("lsblk # list").unwrap().words, ["lsblk"]);
        assert!(split("echo 'oops").is_err());
        assert!(split("ls > x").is_err());
    }
}
