//! bash's parameter expansion `${NAME OP WORD}`: defaults (`:-`, `:=`, `:+`,
//! `:?` and their forms without `:`), pattern removal (`#`, `##`, `%`, `%%`),
//! replacement (`/`, `//`, `/#`, `/%`), substrings (`:OFFSET:LENGTH`) and case
//! (`^`, `^^`, `,`, `,,`). Native only (feature `shell-scripts`).
//!
//! Simplified: no arrays, no indirection (`${!NAME}`), no `@` operators;
//! quotes inside WORD are removed rather than keeping what they protect
//! from pattern matching.

use super::Shell;

/// A `${...}` form split at its operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Form<'a> {
    pub name: &'a str,
    pub op: &'a str,
    pub arg: &'a str,
}

/// Operators, two-character ones first.
const OPS: &[&str] = &[":-", ":=", ":+", ":?", "##", "%%", "//", "/#", "/%", "^^", ",,", "-", "=", "+", "?", "#", "%", "/", ":", "^", ","];

/// Splits `NAME`, `NAME OP WORD` or `#NAME` (the length, op `#` with no
/// name); None for what bash would call a bad substitution here.
pub fn split(form: &str) -> Option<Form<'_>> {
    if matches!(form, "#" | "@" | "*" | "$" | "!") {
        return Some(Form { name: form, op: "", arg: "" });
    }
    let plain = |n: &str| super::syntax::is_name(n) || (!n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()));
    if let Some(n) = form.strip_prefix('#').filter(|n| plain(n)) {
        return Some(Form { name: n, op: "length", arg: "" });
    }
    let at = form.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_')).unwrap_or(form.len());
    let (name, rest) = form.split_at(at);
    if !plain(name) {
        return None;
    }
    if rest.is_empty() {
        return Some(Form { name, op: "", arg: "" });
    }
    let op = OPS.iter().find(|op| rest.starts_with(**op))?;
    Some(Form { name, op, arg: &rest[op.len()..] })
}

/// True for the forms that give a value to an unset variable (`set -u`
/// lets them pass).
pub fn tests_set(op: &str) -> bool {
    matches!(op.trim_start_matches(':'), "-" | "=" | "+" | "?")
}

/// Why an expansion failed: bash's message (without "bash: "), and whether
/// the script ends (`${NAME:?}`) or only the current command (a bad substring).
pub struct Failed {
    pub message: String,
    pub exits: bool,
}

/// The value of a form. `word` expands a WORD (its parameters, substitutions
/// and quotes) in the shell.
pub fn value(shell: &mut Shell, form: &str, word: &mut dyn FnMut(&mut Shell, &str) -> String) -> Result<String, Failed> {
    let Some(Form { name, op, arg }) = split(form) else { return Ok(String::new()) };
    let value = shell.var(name);
    let missing = !shell.is_set(name) || (op.starts_with(':') && op.len() == 2 && value.is_empty());
    Ok(match op {
        "" => value,
        "length" => value.chars().count().to_string(),
        ":-" | "-" => if missing { word(shell, arg) } else { value },
        ":=" | "=" if missing => {
            let v = word(shell, arg);
            shell.set_var(name, Some(v.clone()));
            v
        }
        ":=" | "=" => value,
        ":+" | "+" => if missing { String::new() } else { word(shell, arg) },
        ":?" | "?" if missing => {
            let message = match (arg.is_empty(), op) {
                (true, ":?") => "parameter null or not set".to_string(),
                (true, _) => "parameter not set".to_string(),
                _ => word(shell, arg),
            };
            return Err(Failed { message: format!("{name}: {message}"), exits: true });
        }
        ":?" | "?" => value,
        "#" | "##" | "%" | "%%" => {
            let pattern = word(shell, arg);
            // Each cut is tried in turn: quadratic, so bounded too.
            if value.len() > 8 * MAX_PATTERN_VALUE_BYTES && pattern.contains(['*', '?', '[']) {
                return Err(Failed { message: format!("{name}: a pattern with wildcards on more than {} bytes is not supported here", 8 * MAX_PATTERN_VALUE_BYTES), exits: false });
            }
            remove(&value, pattern.as_bytes(), op)
        }
        "/" | "//" | "/#" | "/%" => {
            let (pattern, with) = split_unescaped(arg, '/');
            let (pattern, with) = (word(shell, &pattern.replace("\\/", "/")), with.map(|w| word(shell, w)).unwrap_or_default());
            if value.len() > MAX_PATTERN_VALUE_BYTES && pattern.contains(['*', '?', '[']) {
                return Err(Failed { message: format!("{name}: a pattern with wildcards on more than {MAX_PATTERN_VALUE_BYTES} bytes is not supported here"), exits: false });
            }
            replace(&value, pattern.as_bytes(), &with, op)
        }
        ":" => substring(shell, &value, arg, form)?,
        _ => case(&value, op),
    })
}

/// The longest value a `/` pattern with wildcards is tried on: trying every
/// start and end is cubic, and a longer one would freeze the page.
const MAX_PATTERN_VALUE_BYTES: usize = 512;

/// `#`/`##` (shortest/longest matching prefix) and `%`/`%%` (suffix) removed.
fn remove(value: &str, pattern: &[u8], op: &str) -> String {
    let cuts: Vec<usize> = (0..=value.len()).filter(|i| value.is_char_boundary(*i)).collect();
    let prefix = op.starts_with('#');
    let longest = op.len() == 2;
    // Prefix cuts from the shortest; suffix cuts from the end, shortest first.
    let order: Vec<usize> = match (prefix, longest) {
        (true, false) | (false, true) => cuts,
        _ => cuts.into_iter().rev().collect(),
    };
    for at in order {
        let (part, rest) = if prefix { (&value[..at], &value[at..]) } else { (&value[at..], &value[..at]) };
        if super::exec::fnmatch(pattern, part.as_bytes()) {
            return rest.to_string();
        }
    }
    value.to_string()
}

/// `/P/R` (first match), `//P/R` (every one), `/#P/R` (at the start),
/// `/%P/R` (at the end); the longest match at each place.
fn replace(value: &str, pattern: &[u8], with: &str, op: &str) -> String {
    match (pattern.is_empty(), op) {
        (true, "/#") => return format!("{with}{value}"),
        (true, "/%") => return format!("{value}{with}"),
        (true, _) => return value.to_string(),
        _ => {}
    }
    // bash 5.2: `&` in the replacement is the matched text (`\&` a plain `&`).
    let with_match = |m: &str| with.replace("\\&", "\u{0}").replace('&', m).replace('\u{0}', "&");
    // Plain text needs no trying of every start and end.
    if !pattern.iter().any(|b| matches!(b, b'*' | b'?' | b'[')) {
        let text = String::from_utf8_lossy(pattern);
        return match op {
            "/#" => value.strip_prefix(&*text).map_or_else(|| value.to_string(), |rest| with_match(&text) + rest),
            "/%" => value.strip_suffix(&*text).map_or_else(|| value.to_string(), |rest| rest.to_string() + &with_match(&text)),
            "//" => value.replace(&*text, &with_match(&text)),
            _ => value.replacen(&*text, &with_match(&text), 1),
        };
    }
    let cuts: Vec<usize> = (0..=value.len()).filter(|i| value.is_char_boundary(*i)).collect();
    let mut out = String::new();
    let mut from = 0;
    for &start in &cuts {
        if start < from || (op == "/#" && start > 0) {
            continue;
        }
        let end = cuts.iter().rev().copied().filter(|e| *e >= start && (op != "/%" || *e == value.len())).find(|e| super::exec::fnmatch(pattern, &value.as_bytes()[start..*e]));
        let Some(end) = end.filter(|e| *e > start) else { continue };
        out.push_str(&value[from..start]);
        out.push_str(&with_match(&value[start..end]));
        from = end;
        if op != "//" {
            break;
        }
    }
    out.push_str(&value[from..]);
    out
}

/// `:OFFSET` or `:OFFSET:LENGTH`, both arithmetic; negative values count
/// from the end.
fn substring(shell: &mut Shell, value: &str, arg: &str, form: &str) -> Result<String, Failed> {
    let chars: Vec<char> = value.chars().collect();
    let len = chars.len() as i64;
    let (offset, length) = split_unescaped(arg, ':');
    let eval = |shell: &mut Shell, e: &str| super::arith::eval(shell, e).map_err(|message| Failed { message, exits: false });
    let mut start = eval(shell, offset)?;
    if start < 0 {
        start += len;
    }
    if !(0..=len).contains(&start) {
        return Ok(String::new());
    }
    let end = match length {
        None => len,
        Some(l) => {
            let l = eval(shell, l)?;
            let end = if l < 0 { len + l } else { start.saturating_add(l).min(len) };
            if end < start {
                return Err(Failed { message: format!("{}: substring expression < 0", &form[form.find(':').map_or(0, |i| i + 1)..]), exits: false });
            }
            end
        }
    };
    Ok(chars[start as usize..end as usize].iter().collect())
}

/// `^`/`^^` (first/all to upper case) and `,`/`,,` (to lower case).
fn case(value: &str, op: &str) -> String {
    let upper = op.starts_with('^');
    value
        .chars()
        .enumerate()
        .map(|(i, c)| match (i == 0 || op.len() == 2, upper) {
            (true, true) => c.to_ascii_uppercase(),
            (true, false) => c.to_ascii_lowercase(),
            _ => c,
        })
        .collect()
}

/// Text before the first unescaped `sep`, and the text after it if any.
fn split_unescaped(text: &str, sep: char) -> (&str, Option<&str>) {
    let mut escaped = false;
    for (i, c) in text.char_indices() {
        match c {
            '\\' if !escaped => escaped = true,
            c if c == sep && !escaped => return (&text[..i], Some(&text[i + 1..])),
            _ => escaped = false,
        }
    }
    (text, None)
}
