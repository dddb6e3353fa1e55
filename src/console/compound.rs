//! bash's grammar for text of several lines: lists whose commands may be
//! compound (`if`, `while`, `until`, `for`, `case`, `{ ...; }`, `( ... )`
//! and `!`), new lines
//! that end commands as `;` does, and here-documents whose bodies follow
//! in the same text. Native only (feature `shell-scripts`).
//!
//! Reserved words count only where a command starts, as in bash:
//! `echo done` prints "done". Functions are defined with `NAME () BODY` or
//! `function NAME BODY`, and `for NAME` without `in` loops over `"$@"`.
//! `((` where a word starts is an arithmetic command, also in a C-style
//! `for ((...))`. Simplified: no `select` or `[[ ... ]]`; `case` patterns match
//! as globs even where they were quoted.

use super::syntax::{push_redirect, Command, Join, List, Pipeline, Redirect, SyntaxError, Token, Word};

/// A command built from lists.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Compound {
    /// `{ LIST; }`
    Group(List),
    /// `if LIST; then LIST; [elif LIST; then LIST;]... [else LIST;] fi`
    If { arms: Vec<(List, List)>, otherwise: Option<List> },
    /// `while LIST; do LIST; done`, or `until` (`until` is set).
    While { until: bool, cond: List, body: List },
    /// `for NAME [in WORDS]; do LIST; done`: the words as a command's words
    /// (unexpanded, with their glob flags).
    For { name: String, words: Command, body: List },
    /// `! PIPELINE`: the pipeline with its status negated.
    Not(Pipeline),
    /// `case WORD in PATTERN|... ) LIST ;; ... esac`: the word (unexpanded)
    /// and the items.
    Case { word: String, items: Vec<CaseItem> },
    /// `( LIST )`: the list in a subshell.
    Subshell(List),
    /// `NAME () COMMAND` or `function NAME COMMAND`: defines a function.
    Function { name: String, body: Box<Compound> },
    /// `(( EXPRESSION ))`: true when the expression is not 0.
    Arith(String),
    /// `for (( INIT; TEST; STEP )); do LIST; done`.
    ForArith { init: String, test: String, step: String, body: List },
    /// `[[ EXPRESSION ]]`: its tokens, unexpanded (`console::conditional`).
    Cond(Vec<CondToken>),
}

/// A token between `[[` and `]]`: a word as the parser read it, or one of
/// the operators `&&`, `||`, `(`, `)`, `<`, `>` and `|`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CondToken {
    /// The word's text (with its expansions marked), whether part of it was
    /// quoted, and whether it has an unquoted `*`, `?` or `[`.
    Word { text: String, quoted: bool, glob: bool },
    Op(String),
}

/// One `PATTERN | PATTERN ) LIST` of a `case`, and how it ends: `;;` (stop),
/// `;&` (run the next item's list too) or `;;&` (test the next patterns).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseItem {
    pub patterns: Vec<String>,
    pub body: List,
    pub end: &'static str,
}

/// Words that are reserved where a command starts.
const RESERVED: &[&str] = &["if", "then", "elif", "else", "fi", "while", "until", "for", "do", "done", "{", "}", "!", "case", "esac", "function"];
/// Reserved words of constructs the lab does not read.
const UNSUPPORTED: &[&str] = &["select", "]]", "coproc", "time"];
/// Operators that end a list inside a construct: a subshell's `)` and a
/// `case` item's ends.
const CLOSERS: &[&str] = &[")", ";;", ";&", ";;&"];

/// Parses tokens of `text` into a list. With `more`, text that a later line
/// would complete (an open `if`, a trailing `|`) is `Incomplete`.
pub(super) fn parse(tokens: Vec<Token>, text: &str, more: bool) -> Result<List, SyntaxError> {
    let mut p = Parser { it: tokens.into_iter().peekable(), text, more, depth: 0 };
    let (list, _) = p.list(&[])?;
    Ok(list)
}

struct Parser<'a> {
    it: std::iter::Peekable<std::vec::IntoIter<Token>>,
    text: &'a str,
    more: bool,
    /// Compound commands open around the one being read.
    depth: usize,
}

/// How deep compound commands may nest: parsing and running them recurse.
pub const MAX_NESTING: usize = 100;

/// True while nothing of a command has been read (a reserved word may come).
fn fresh(cmd: &Command) -> bool {
    cmd.words.is_empty() && cmd.assigns.is_empty() && cmd.redirects.is_empty() && cmd.compound.is_none()
}

impl Parser<'_> {
    /// The text ended inside a construct.
    fn incomplete(&self) -> SyntaxError {
        SyntaxError::Incomplete(if self.more { format!("{}\n", self.text) } else { String::new() })
    }

    /// The tokens of `[[ ... ]]` up to `]]`. New lines may come between
    /// them; `;` and the redirections may not.
    fn conditional(&mut self) -> Result<Vec<CondToken>, SyntaxError> {
        let mut tokens = Vec::new();
        loop {
            match self.it.next() {
                None => return Err(self.incomplete()),
                Some(Token::Word(w)) if !w.quoted && w.text == "]]" => break,
                Some(Token::Word(w)) => tokens.push(CondToken::Word { text: w.text, quoted: w.quoted, glob: w.glob }),
                Some(Token::Op(op)) if op == "\n" => {}
                Some(Token::Op(op)) if matches!(op.as_str(), "&&" | "||" | "(" | ")" | "<" | ">" | "|") => tokens.push(CondToken::Op(op)),
                Some(Token::Op(op)) => return Err(SyntaxError::Unexpected(op)),
                Some(Token::Arith(text)) => return Err(SyntaxError::Unexpected(format!("(({text}))"))),
                Some(Token::HereDoc(_)) => return Err(SyntaxError::Unexpected("<<".into())),
            }
        }
        if tokens.is_empty() {
            return Err(SyntaxError::Unexpected("]]".into()));
        }
        Ok(tokens)
    }

    /// A list up to one of the reserved words `stop` (read, and returned) or
    /// the end of the text (when `stop` is empty).
    fn list(&mut self, stop: &[&'static str]) -> Result<(List, Option<&'static str>), SyntaxError> {
        let mut list: List = Vec::new();
        let mut pipeline: Pipeline = Vec::new();
        let mut cmd = Command::default();
        let mut join = Join::First;
        let mut negate = false;
        while let Some(t) = self.it.next() {
            match t {
                Token::Word(w) if fresh(&cmd) && !w.quoted && UNSUPPORTED.contains(&w.text.as_str()) => return Err(SyntaxError::Unsupported(w.text)),
                Token::Word(w) if fresh(&cmd) && !w.quoted && w.text == "[[" => cmd.compound = Some(Box::new(Compound::Cond(self.conditional()?))),
                Token::Word(w) if fresh(&cmd) && !w.quoted && RESERVED.contains(&w.text.as_str()) => {
                    let word = RESERVED.iter().copied().find(|r| *r == w.text).unwrap_or("!");
                    if stop.contains(&word) {
                        // What comes before `then`, `do`, `fi`... is a whole, non-empty list.
                        if !pipeline.is_empty() || negate || join == Join::And || join == Join::Or || list.is_empty() {
                            return Err(SyntaxError::Unexpected(word.into()));
                        }
                        return Ok((list, Some(word)));
                    }
                    match word {
                        "!" if pipeline.is_empty() && !negate => negate = true,
                        "if" | "while" | "until" | "for" | "{" | "case" => cmd.compound = Some(Box::new(self.compound(word)?)),
                        "function" => {
                            let name = match self.it.next() {
                                Some(Token::Word(w)) => w.text,
                                Some(Token::Op(op)) => return Err(SyntaxError::Unexpected(op)),
                                _ => return Err(self.incomplete()),
                            };
                            if self.it.next_if(|t| *t == Token::Op("(".into())).is_some() {
                                self.expect_op(")")?;
                            }
                            cmd.compound = Some(Box::new(self.function_body(name)?));
                        }
                        _ => return Err(SyntaxError::Unexpected(word.into())),
                    }
                }
                Token::Op(op) if stop.contains(&op.as_str()) => {
                    // `)` and `;;` end the command before them, as `;` would.
                    if !fresh(&cmd) {
                        pipeline.push(std::mem::take(&mut cmd));
                    }
                    if !pipeline.is_empty() {
                        list.push((join, negated(std::mem::take(&mut pipeline), std::mem::take(&mut negate))));
                    } else if negate || join == Join::And || join == Join::Or || (op == ")" && list.is_empty()) {
                        return Err(SyntaxError::Unexpected(op));
                    }
                    return Ok((list, stop.iter().copied().find(|s| *s == op)));
                }
                // `NAME ()` starts a function's definition.
                Token::Op(op) if op == "(" && cmd.words.len() == 1 && cmd.assigns.is_empty() && cmd.redirects.is_empty() && self.it.peek() == Some(&Token::Op(")".into())) => {
                    self.it.next();
                    let name = cmd.words.remove(0);
                    cmd.globs.clear();
                    cmd.compound = Some(Box::new(self.function_body(name)?));
                }
                Token::Op(op) if op == "(" && fresh(&cmd) => {
                    if self.it.peek() == Some(&Token::Op("(".into())) {
                        return Err(SyntaxError::Unsupported("((".into()));
                    }
                    cmd.compound = Some(Box::new(self.compound("(")?));
                }
                Token::Op(op) if op == "(" || CLOSERS.contains(&op.as_str()) => return Err(SyntaxError::Unexpected(op)),
                // After a compound command only redirections and operators may come.
                Token::Word(w) if cmd.compound.is_some() => return Err(SyntaxError::Unexpected(w.text)),
                // `NAME=VALUE`, or `NAME+=VALUE` (appended; the name keeps its `+`).
                Token::Word(w) if cmd.words.is_empty() && w.text.split_once('=').is_some_and(|(name, _)| super::syntax::is_name(name.strip_suffix('+').unwrap_or(name))) => {
                    let (name, value) = w.text.split_once('=').unwrap_or_default();
                    cmd.assigns.push((name.into(), value.into()));
                }
                Token::Word(w) => {
                    cmd.words.push(w.text);
                    cmd.globs.push(w.glob);
                }
                Token::HereDoc(doc) => cmd.redirects.push(doc),
                Token::Arith(text) if fresh(&cmd) => cmd.compound = Some(Box::new(Compound::Arith(text))),
                Token::Arith(text) => return Err(SyntaxError::Unexpected(format!("(({text}))"))),
                Token::Op(op) if op == "\n" && fresh(&cmd) => {
                    // A blank line, or a line after `|`, `&&` or `||`, ends nothing.
                    if negate {
                        return Err(SyntaxError::Unexpected("newline".into()));
                    }
                }
                Token::Op(op) => match op.as_str() {
                    "|" | "|&" | "&&" | "||" | ";" | "\n" => {
                        if fresh(&cmd) {
                            return Err(SyntaxError::Unexpected(op));
                        }
                        if op == "|&" {
                            cmd.redirects.push(Redirect::ErrToOut);
                        }
                        pipeline.push(std::mem::take(&mut cmd));
                        if op != "|" && op != "|&" {
                            list.push((join, negated(std::mem::take(&mut pipeline), std::mem::take(&mut negate))));
                            join = match op.as_str() {
                                "&&" => Join::And,
                                "||" => Join::Or,
                                _ => Join::Then,
                            };
                        }
                    }
                    "2>&1" => cmd.redirects.push(Redirect::ErrToOut),
                    _ => {
                        let Some(Token::Word(target)) = self.it.next() else {
                            return Err(SyntaxError::Unexpected("newline".into()));
                        };
                        push_redirect(&mut cmd, &op, target)?;
                    }
                },
            }
        }
        if !stop.is_empty() {
            return Err(self.incomplete());
        }
        if !fresh(&cmd) {
            pipeline.push(cmd);
            list.push((join, negated(pipeline, negate)));
        } else if !pipeline.is_empty() || negate || join == Join::And || join == Join::Or {
            // A trailing `|`, `&&`, `||` or `!`: the next line goes on with it.
            if self.more {
                return Err(self.incomplete());
            }
            return Err(SyntaxError::Unexpected(if pipeline.is_empty() { "newline" } else { "|" }.into()));
        }
        Ok((list, None))
    }

    /// The compound command that `word` starts.
    fn compound(&mut self, word: &str) -> Result<Compound, SyntaxError> {
        if self.depth >= MAX_NESTING {
            return Err(SyntaxError::Unsupported(format!("compound commands nested more than {MAX_NESTING} deep")));
        }
        self.depth += 1;
        let c = self.compound_in(word);
        self.depth -= 1;
        c
    }

    fn compound_in(&mut self, word: &str) -> Result<Compound, SyntaxError> {
        Ok(match word {
            "{" => Compound::Group(self.list(&["}"])?.0),
            "while" | "until" => {
                let cond = self.list(&["do"])?.0;
                Compound::While { until: word == "until", cond, body: self.list(&["done"])?.0 }
            }
            "for" => self.for_loop()?,
            "(" => Compound::Subshell(self.list(&[")"])?.0),
            "case" => self.case()?,
            _ => {
                let mut arms = Vec::new();
                loop {
                    let cond = self.list(&["then"])?.0;
                    let (body, end) = self.list(&["elif", "else", "fi"])?;
                    arms.push((cond, body));
                    match end {
                        Some("elif") => continue,
                        Some("else") => return Ok(Compound::If { arms, otherwise: Some(self.list(&["fi"])?.0) }),
                        _ => return Ok(Compound::If { arms, otherwise: None }),
                    }
                }
            }
        })
    }

    /// `for NAME [in WORDS] ; do` (new lines allowed before `do`) and the body.
    fn for_loop(&mut self) -> Result<Compound, SyntaxError> {
        let name = match self.it.next() {
            Some(Token::Arith(text)) => return self.for_arith(&text),
            Some(Token::Word(w)) => w.text,
            Some(Token::Op(op)) => return Err(SyntaxError::Unexpected(op)),
            _ => return Err(self.incomplete()),
        };
        let mut words = Command::default();
        self.skip_new_lines();
        if self.it.next_if(|t| matches!(t, Token::Word(w) if w.text == "in" && !w.quoted)).is_some() {
            while let Some(Token::Word(w)) = self.it.next_if(|t| matches!(t, Token::Word(_))) {
                words.words.push(w.text);
                words.globs.push(w.glob);
            }
            match self.it.next() {
                Some(Token::Op(op)) if op == ";" || op == "\n" => {}
                Some(Token::Op(op)) => return Err(SyntaxError::Unexpected(op)),
                _ => return Err(self.incomplete()),
            }
        } else {
            // `for NAME` loops over the positional parameters, as `in "$@"`.
            words.words.push(format!("{}@{}", super::syntax::QUOTED_VAR, super::syntax::VAR_END));
            words.globs.push(false);
            self.it.next_if(|t| *t == Token::Op(";".into()));
        }
        self.skip_new_lines();
        match self.it.next() {
            Some(Token::Word(w)) if w.text == "do" && !w.quoted => {}
            Some(Token::Word(Word { text, .. }) | Token::Op(text)) => return Err(SyntaxError::Unexpected(text)),
            _ => return Err(self.incomplete()),
        }
        Ok(Compound::For { name, words, body: self.list(&["done"])?.0 })
    }

    /// The compound command after `NAME ()` (new lines may come first).
    fn function_body(&mut self, name: String) -> Result<Compound, SyntaxError> {
        self.skip_new_lines();
        let body = match self.it.next() {
            Some(Token::Word(w)) if !w.quoted && matches!(w.text.as_str(), "{" | "if" | "while" | "until" | "for" | "case") => self.compound(&w.text)?,
            Some(Token::Op(op)) if op == "(" => self.compound("(")?,
            Some(Token::Word(Word { text, .. }) | Token::Op(text)) => return Err(SyntaxError::Unexpected(text)),
            _ => return Err(self.incomplete()),
        };
        Ok(Compound::Function { name, body: Box::new(body) })
    }

    fn expect_op(&mut self, want: &str) -> Result<(), SyntaxError> {
        match self.it.next() {
            Some(Token::Op(op)) if op == want => Ok(()),
            Some(Token::Word(Word { text, .. }) | Token::Op(text)) => Err(SyntaxError::Unexpected(text)),
            _ => Err(self.incomplete()),
        }
    }

    /// `case WORD in` (new lines allowed around `in`), then the items up to `esac`.
    fn case(&mut self) -> Result<Compound, SyntaxError> {
        let word = match self.it.next() {
            Some(Token::Word(w)) => w.text,
            Some(Token::Op(op)) => return Err(SyntaxError::Unexpected(op)),
            _ => return Err(self.incomplete()),
        };
        self.skip_new_lines();
        match self.it.next() {
            Some(Token::Word(w)) if w.text == "in" && !w.quoted => {}
            Some(Token::Word(Word { text, .. }) | Token::Op(text)) => return Err(SyntaxError::Unexpected(text)),
            _ => return Err(self.incomplete()),
        }
        let mut items = Vec::new();
        loop {
            self.skip_new_lines();
            if self.it.next_if(|t| matches!(t, Token::Word(w) if w.text == "esac" && !w.quoted)).is_some() {
                return Ok(Compound::Case { word, items });
            }
            self.it.next_if(|t| *t == Token::Op("(".into()));
            let mut patterns = Vec::new();
            loop {
                match self.it.next() {
                    Some(Token::Word(w)) => patterns.push(w.text),
                    Some(Token::Op(op)) => return Err(SyntaxError::Unexpected(op)),
                    _ => return Err(self.incomplete()),
                }
                match self.it.next() {
                    Some(Token::Op(op)) if op == "|" => continue,
                    Some(Token::Op(op)) if op == ")" => break,
                    Some(Token::Word(Word { text, .. }) | Token::Op(text)) => return Err(SyntaxError::Unexpected(text)),
                    _ => return Err(self.incomplete()),
                }
            }
            let (body, end) = self.list_or_empty(&[";;", ";&", ";;&", "esac"])?;
            items.push(CaseItem { patterns, body, end: end.unwrap_or(";;") });
            if end == Some("esac") {
                return Ok(Compound::Case { word, items });
            }
        }
    }

    /// A `case` item's list, which may be empty (`a) ;;`).
    fn list_or_empty(&mut self, stop: &[&'static str]) -> Result<(List, Option<&'static str>), SyntaxError> {
        self.skip_new_lines();
        if let Some(Token::Op(op)) = self.it.peek() {
            if let Some(s) = stop.iter().copied().find(|s| s == op) {
                self.it.next();
                return Ok((Vec::new(), Some(s)));
            }
        }
        if let Some(Token::Word(w)) = self.it.peek() {
            if w.text == "esac" && !w.quoted {
                self.it.next();
                return Ok((Vec::new(), Some("esac")));
            }
        }
        self.list(stop)
    }

    /// `for (( INIT; TEST; STEP ))`, then `; do` or new lines and `do`, and the body.
    fn for_arith(&mut self, text: &str) -> Result<Compound, SyntaxError> {
        let parts: Vec<&str> = text.split(';').collect();
        let [init, test, step] = parts.as_slice() else { return Err(SyntaxError::Unexpected(format!("(({text}))"))) };
        self.it.next_if(|t| *t == Token::Op(";".into()));
        self.skip_new_lines();
        self.expect_word("do")?;
        Ok(Compound::ForArith { init: init.to_string(), test: test.to_string(), step: step.to_string(), body: self.list(&["done"])?.0 })
    }

    fn expect_word(&mut self, want: &str) -> Result<(), SyntaxError> {
        match self.it.next() {
            Some(Token::Word(w)) if w.text == want && !w.quoted => Ok(()),
            Some(Token::Word(Word { text, .. }) | Token::Op(text)) => Err(SyntaxError::Unexpected(text)),
            Some(Token::Arith(text)) => Err(SyntaxError::Unexpected(format!("(({text}))"))),
            _ => Err(self.incomplete()),
        }
    }

    fn skip_new_lines(&mut self) {
        while self.it.next_if(|t| *t == Token::Op("\n".into())).is_some() {}
    }
}

/// A pipeline, or `! PIPELINE` as one command.
fn negated(pipeline: Pipeline, negate: bool) -> Pipeline {
    if !negate {
        return pipeline;
    }
    vec![Command { compound: Some(Box::new(Compound::Not(pipeline))), ..Command::default() }]
}

/// Every here-document of a list, nested ones included, in order of appearance.
pub fn here_docs_mut(list: &mut List) -> Vec<&mut Redirect> {
    let mut out = Vec::new();
    for (_, pipeline) in list.iter_mut() {
        for cmd in pipeline.iter_mut() {
            in_command(cmd, &mut out);
        }
    }
    out
}

fn in_command<'a>(cmd: &'a mut Command, out: &mut Vec<&'a mut Redirect>) {
    if let Some(c) = cmd.compound.as_deref_mut() {
        in_compound(c, out);
    }
    out.extend(cmd.redirects.iter_mut().filter(|r| matches!(r, Redirect::HereDoc { .. })));
}

fn in_compound<'a>(c: &'a mut Compound, out: &mut Vec<&'a mut Redirect>) {
    let lists: Vec<&mut List> = match c {
        Compound::Group(l) | Compound::Subshell(l) => vec![l],
        Compound::If { arms, otherwise } => arms.iter_mut().flat_map(|(c, b)| [c, b]).chain(otherwise.as_mut()).collect(),
        Compound::While { cond, body, .. } => vec![cond, body],
        Compound::For { body, .. } | Compound::ForArith { body, .. } => vec![body],
        Compound::Arith(_) | Compound::Cond(_) => vec![],
        Compound::Case { items, .. } => items.iter_mut().map(|i| &mut i.body).collect(),
        Compound::Not(p) => {
            for c in p.iter_mut() {
                in_command(c, out);
            }
            vec![]
        }
        Compound::Function { body, .. } => {
            in_compound(body, out);
            vec![]
        }
    };
    for l in lists {
        out.extend(here_docs_mut(l));
    }
}

#[cfg(test)]
mod tests {
    use super::Compound;
    use crate::console::syntax::{parse, parse_more, SyntaxError};

    fn incomplete(text: &str) -> bool {
        matches!(parse_more(text), Err(SyntaxError::Incomplete(head)) if head == format!("{text}\n"))
    }

    #[test]
    fn open_constructs_read_on() {
        assert!(incomplete("for d in sdb sdc; do"));
        assert!(incomplete("for d in sdb sdc; do\n  pvcreate /dev/$d"));
        assert!(incomplete("if true; then echo a; else"));
        assert!(incomplete("while false"));
        assert!(incomplete("{ echo a }"));
        assert!(incomplete("for i in a; do cat <<EOF\nbody"));
        assert!(parse_more("for d in sdb sdc; do\n  pvcreate /dev/$d\ndone").is_ok());
        assert!(parse_more("if true\nthen\n  echo a\nfi").is_ok());
        assert!(incomplete("[[ -n a &&"));
        assert!(parse_more("[[ -n a &&\n  -z '' ]]").is_ok());
        // Without more lines to come, bash's end-of-file error.
        assert_eq!(parse("while true; do echo"), Err(SyntaxError::Incomplete(String::new())));
    }

    #[test]
    fn misplaced_words_are_bash_syntax_errors() {
        let unexpected = |t: &str| match parse_more(t) {
            Err(SyntaxError::Unexpected(tok)) => tok,
            other => panic!("{t}: {other:?}"),
        };
        for (text, token) in [
            ("done", "done"),
            ("if then echo; fi", "then"),
            ("for i in 1; do; echo; done", ";"),
            ("if true; then echo a; fi echo b", "echo"),
            ("echo a; then", "then"),
            ("if true; then fi", "fi"),
            ("for i in a b; echo $i; done", "echo"),
            ("while true && do echo; done", "do"),
            ("echo a )", ")"),
            ("echo a ;; echo b", ";;"),
            ("[[ ]]", "]]"),
            ("[[ -n a; ]]", ";"),
            ("[[ a ]] b", "b"),
            ("()", ")"),
            ("case a in a) echo a ;; esac esac", "esac"),
            ("case a b in esac", "b"),
        ] {
            assert_eq!(unexpected(text), token, "{text}");
        }
        assert!(incomplete("case $x in"));
        assert!(incomplete("case $x in a) echo a ;;"));
        assert!(incomplete("(echo a"));
        assert!(matches!(parse("(( 1 ))").as_deref(), Ok([(_, p)]) if matches!(p[0].compound.as_deref(), Some(Compound::Arith(e)) if e == " 1 ")));
        assert!(matches!(parse("select x in a; do :; done"), Err(SyntaxError::Unsupported(w)) if w == "select"));
        // Parsing and running recurse: nesting has a bound.
        let deep = format!("{}echo{}", "{ ".repeat(super::MAX_NESTING + 1), "; }".repeat(super::MAX_NESTING + 1));
        assert!(matches!(parse(&deep), Err(SyntaxError::Unsupported(w)) if w.contains("nested")));
        let fine = format!("{}echo{}", "{ ".repeat(super::MAX_NESTING), "; }".repeat(super::MAX_NESTING));
        assert!(parse(&fine).is_ok());
    }

    #[test]
    fn reserved_words_count_only_where_a_command_starts() {
        let list = parse("echo done if; for x in do done; do echo $x; done").expect("parses");
        assert_eq!(list[0].1[0].words, ["echo", "done", "if"]);
        let Some(Compound::For { name, words, body }) = list[1].1[0].compound.as_deref() else { panic!("{list:?}") };
        assert_eq!((name.as_str(), words.words.clone()), ("x", vec!["do".to_string(), "done".to_string()]));
        assert_eq!(body[0].1[0].words, ["echo", "\u{E001}x\u{E003}"]);
        // A quoted reserved word is a plain word.
        assert_eq!(parse("'if' x").expect("parses")[0].1[0].words, ["if", "x"]);
    }

    #[test]
    fn here_documents_in_the_text_belong_to_their_command() {
        let list = parse("for i in a b; do cat <<EOF; done\nline $i\nEOF").expect("parses");
        let Some(Compound::For { body, .. }) = list[0].1[0].compound.as_deref() else { panic!("{list:?}") };
        assert!(matches!(&body[0].1[0].redirects[0], crate::console::syntax::Redirect::HereDoc { body: Some(b), .. } if b == "line $i\n"));
    }
}
