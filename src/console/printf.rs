//! bash's `printf` builtin for scripts: flags, widths and precisions (with
//! `*`), the integer conversions `d i o u x X`, the floating-point ones
//! `f F e E g G a A`, `c s b q`, `-v NAME`, and the format used again while
//! arguments remain.
//!
//! Simplified: bash computes in `long double`; the lab uses `f64`, so very
//! long expansions (`%.20f`, `1e300`) differ in the last digits, and `%a`
//! writes the `long double` layout of the `f64` value. `%(...)T` is not
//! offered. Widths count bytes, as bash's do.

use super::{Output, Shell};

const USAGE: &str = "printf: usage: printf [-v var] format [arguments]\n";

/// Widths and precisions beyond this are cut to it: bash would write
/// gigabytes, which no console shows.
const MAX_WIDTH: usize = 1 << 20;

/// Digits after the point that `%f`, `%e`, `%g` and `%a` write at most (std's
/// formatting stops at 65,535); the rest would be zeros of a `f64` anyway.
const MAX_FLOAT_PRECISION: usize = 4096;

pub fn run(shell: &mut Shell, args: &[String]) -> Output {
    let (var, format, rest) = match options(args) {
        Ok(parsed) => parsed,
        Err(out) => return out,
    };
    let mut p = Printer { args: rest, next: 0, out: Vec::new(), err: String::new(), status: 0 };
    loop {
        let before = p.next;
        if p.once(format) == Pass::Stop || p.next >= rest.len() || p.next == before {
            break;
        }
    }
    let mut out = match var {
        Some(name) => {
            shell.set_var(name, Some(String::from_utf8_lossy(&p.out).into_owned()));
            Output::default()
        }
        None => Output::bytes(p.out),
    };
    out.err = p.err;
    out.exit_status = p.status;
    out
}

type Parsed<'a> = (Option<&'a str>, &'a str, &'a [String]);

/// `-v NAME`, `--` and the format.
fn options(args: &[String]) -> Result<Parsed<'_>, Output> {
    let usage = |err: String| Err(Output::error(format!("{err}{USAGE}"), 2));
    let mut var = None;
    let mut i = 0;
    while let Some(a) = args.get(i) {
        match a.as_str() {
            "--" => {
                i += 1;
                break;
            }
            "-v" => {
                let Some(name) = args.get(i + 1) else { return usage("bash: printf: -v: option requires an argument\n".into()) };
                var = Some(name.as_str());
                i += 2;
            }
            o if o.starts_with("-v") => {
                var = Some(&o[2..]);
                i += 1;
            }
            o if o.len() > 1 && o.starts_with('-') => return usage(format!("bash: printf: {}: invalid option\n", super::printable(o))),
            _ => break,
        }
    }
    if let Some(name) = var.filter(|n| !super::syntax::is_name(n)) {
        return Err(Output::error(format!("bash: printf: `{}': not a valid identifier\n", super::printable(name)), 2));
    }
    match args.get(i) {
        Some(format) => Ok((var, format, &args[i + 1..])),
        None => usage(String::new()),
    }
}

#[derive(PartialEq)]
enum Pass {
    Done,
    Stop,
}

struct Printer<'a> {
    args: &'a [String],
    next: usize,
    out: Vec<u8>,
    err: String,
    status: i32,
}

/// One `%` directive: `%[flags][width][.precision][length]conversion`.
#[derive(Default)]
struct Spec {
    left: bool,
    plus: bool,
    space: bool,
    alt: bool,
    zero: bool,
    width: usize,
    precision: Option<usize>,
}

impl Printer<'_> {
    fn arg(&mut self) -> Option<&str> {
        let a = self.args.get(self.next)?;
        self.next += 1;
        Some(a)
    }

    fn fail(&mut self, message: String) {
        self.err.push_str(&format!("bash: printf: {message}\n"));
        self.status = 1;
    }

    /// One pass over the format.
    fn once(&mut self, format: &str) -> Pass {
        let bytes = format.as_bytes();
        let mut i = 0;
        while i < bytes.len() {
            match bytes[i] {
                b'\\' => i += escape(&bytes[i..], &mut self.out, Escapes::Format).0,
                b'%' if bytes.get(i + 1) == Some(&b'%') => {
                    self.out.push(b'%');
                    i += 2;
                }
                b'%' => match self.directive(format, i + 1) {
                    Some((end, Pass::Done)) => i = end,
                    _ => return Pass::Stop,
                },
                b => {
                    self.out.push(b);
                    i += 1;
                }
            }
        }
        Pass::Done
    }

    /// Reads the directive that starts at `at` (after the `%`) and prints it;
    /// returns where the format goes on, or None after an error that stops printf.
    fn directive(&mut self, format: &str, mut at: usize) -> Option<(usize, Pass)> {
        let b = format.as_bytes();
        let mut spec = Spec::default();
        while let Some(&f) = b.get(at) {
            match f {
                b'-' => spec.left = true,
                b'+' => spec.plus = true,
                b' ' => spec.space = true,
                b'#' => spec.alt = true,
                b'0' => spec.zero = true,
                _ => break,
            }
            at += 1;
        }
        let (width, next) = self.number_or_star(b, at);
        at = next;
        if let Some(w) = width {
            spec.left |= w < 0;
            spec.width = (w.unsigned_abs() as usize).min(MAX_WIDTH);
        }
        if b.get(at) == Some(&b'.') {
            let (precision, next) = self.number_or_star(b, at + 1);
            at = next;
            spec.precision = match precision {
                Some(p) if p < 0 => None,
                p => Some((p.unwrap_or(0) as usize).min(MAX_WIDTH)),
            };
        }
        while b.get(at).is_some_and(|c| b"hjlLtz".contains(c)) {
            at += 1;
        }
        let Some(conversion) = format[at..].chars().next() else {
            self.fail("`%': missing format character".into());
            return None;
        };
        let pass = self.convert(conversion, &spec)?;
        Some((at + conversion.len_utf8(), pass))
    }

    /// A width or precision: digits, or `*` for the next argument.
    fn number_or_star(&mut self, b: &[u8], at: usize) -> (Option<i64>, usize) {
        if b.get(at) == Some(&b'*') {
            let arg = self.arg().unwrap_or("").to_string();
            return (Some(self.integer(&arg).clamp(i32::MIN as i64, i32::MAX as i64)), at + 1);
        }
        let digits = b[at..].iter().take_while(|c| c.is_ascii_digit()).count();
        let value = std::str::from_utf8(&b[at..at + digits]).ok().and_then(|d| d.parse::<i64>().ok());
        (value.map(|v| v.min(i32::MAX as i64)), at + digits)
    }

    fn convert(&mut self, conversion: char, spec: &Spec) -> Option<Pass> {
        if !"sbqcdiouxXfFeEgGaA".contains(conversion) {
            self.fail(match conversion {
                '(' => "%(...)T: the lab's printf does not format times".into(),
                other => format!("`{other}': invalid format character"),
            });
            return None;
        }
        let arg = self.arg().unwrap_or("").to_string();
        let body: Vec<u8> = match conversion {
            's' => truncate(arg.into_bytes(), spec.precision),
            'b' => {
                let (bytes, stop) = expand_b(&arg);
                self.out.extend(pad(truncate(bytes, spec.precision), spec, false));
                return Some(if stop { Pass::Stop } else { Pass::Done });
            }
            'q' => quote(&arg).into_bytes(),
            'c' => vec![arg.bytes().next().unwrap_or(0)],
            'd' | 'i' => {
                let v = self.integer(&arg);
                return self.emit_number(integer_text(v < 0, v.unsigned_abs(), conversion, spec), spec, true);
            }
            'o' | 'u' | 'x' | 'X' => {
                let v = self.unsigned(&arg);
                return self.emit_number(integer_text(false, v, conversion, spec), spec, true);
            }
            _ => {
                let v = self.float(&arg);
                return self.emit_number(float_text(v, conversion, spec), spec, v.is_finite());
            }
        };
        self.out.extend(pad(body, spec, false));
        Some(Pass::Done)
    }

    fn emit_number(&mut self, text: String, spec: &Spec, zero_pads: bool) -> Option<Pass> {
        self.out.extend(pad(text.into_bytes(), spec, zero_pads));
        Some(Pass::Done)
    }

    /// An argument as bash reads a number for `%d`: a bad one is reported
    /// and what was read of it is used.
    fn integer(&mut self, arg: &str) -> i64 {
        let v = self.number(arg);
        let clamped = v.clamp(i64::MIN as i128, i64::MAX as i128);
        if clamped != v {
            self.out_of_range(arg);
        }
        clamped as i64
    }

    /// `%u %o %x`: strtoumax, which takes a minus sign and wraps.
    fn unsigned(&mut self, arg: &str) -> u64 {
        let v = self.number(arg);
        if v.unsigned_abs() > u64::MAX as u128 {
            self.out_of_range(arg);
            return u64::MAX;
        }
        let magnitude = v.unsigned_abs() as u64;
        if v < 0 {
            magnitude.wrapping_neg()
        } else {
            magnitude
        }
    }

    fn number(&mut self, arg: &str) -> i128 {
        parse_integer(arg).unwrap_or_else(|(v, message)| {
            self.fail(format!("{}: {message}", super::printable(arg)));
            v
        })
    }

    fn out_of_range(&mut self, arg: &str) {
        self.err.push_str(&format!("bash: printf: warning: {}: Numerical result out of range\n", super::printable(arg)));
    }

    fn float(&mut self, arg: &str) -> f64 {
        match parse_float(arg) {
            Ok(v) => v,
            Err(v) => {
                self.fail(format!("{}: invalid number", super::printable(arg)));
                v
            }
        }
    }
}

/// Where a backslash escape is read: in the format, or in a `%b` argument.
#[derive(Clone, Copy, PartialEq)]
enum Escapes {
    Format,
    Argument,
}

/// The backslash escape at the start of `b`: writes it and returns its
/// length, and whether it was `%b`'s `\c`, which ends all output. In the
/// format, octal takes one to three digits and `\'`, `\"` and `\?` are the
/// characters; in `%b`, `\0` is followed by up to three more digits.
fn escape(b: &[u8], out: &mut Vec<u8>, mode: Escapes) -> (usize, bool) {
    let Some(&c) = b.get(1) else {
        out.push(b'\\');
        return (1, false);
    };
    let simple = match c {
        b'a' => Some(7),
        b'b' => Some(8),
        b'e' | b'E' => Some(0x1b),
        b'f' => Some(0x0c),
        b'n' => Some(b'\n'),
        b'r' => Some(b'\r'),
        b't' => Some(b'\t'),
        b'v' => Some(0x0b),
        b'\\' => Some(b'\\'),
        b'\'' | b'"' | b'?' if mode == Escapes::Format => Some(c),
        _ => None,
    };
    if let Some(byte) = simple {
        out.push(byte);
        return (2, false);
    }
    let run = |from: usize, radix: u32, max: usize| b[from..].iter().take(max).take_while(|d| (**d as char).is_digit(radix)).count();
    let value = |digits: &[u8], radix: u32| digits.iter().fold(0u32, |v, d| v.wrapping_mul(radix) + (*d as char).to_digit(radix).unwrap_or(0));
    match c {
        b'c' if mode == Escapes::Argument => (2, true),
        b'0' if mode == Escapes::Argument => {
            let n = run(2, 8, 3);
            out.push(value(&b[2..2 + n], 8) as u8);
            (2 + n, false)
        }
        b'0'..=b'7' => {
            let n = run(1, 8, 3);
            out.push(value(&b[1..1 + n], 8) as u8);
            (1 + n, false)
        }
        b'x' | b'u' | b'U' => {
            let max = match c {
                b'x' => 2,
                b'u' => 4,
                _ => 8,
            };
            let n = run(2, 16, max);
            if n == 0 {
                out.extend_from_slice(&b[..2]);
                return (2, false);
            }
            let v = value(&b[2..2 + n], 16);
            if c == b'x' {
                out.push(v as u8);
            } else {
                let ch = char::from_u32(v).unwrap_or(char::REPLACEMENT_CHARACTER);
                out.extend_from_slice(ch.encode_utf8(&mut [0; 4]).as_bytes());
            }
            (2 + n, false)
        }
        _ => {
            out.extend_from_slice(&b[..2]);
            (2, false)
        }
    }
}

/// `%b`'s argument with its escapes expanded, and whether `\c` ended it.
fn expand_b(arg: &str) -> (Vec<u8>, bool) {
    let b = arg.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] != b'\\' {
            out.push(b[i]);
            i += 1;
            continue;
        }
        let (n, stop) = escape(&b[i..], &mut out, Escapes::Argument);
        if stop {
            return (out, true);
        }
        i += n;
    }
    (out, false)
}

fn truncate(mut bytes: Vec<u8>, precision: Option<usize>) -> Vec<u8> {
    if let Some(p) = precision {
        bytes.truncate(p);
    }
    bytes
}

/// Pads to the width: blanks on the left or right, or zeros after the
/// sign and `0x` when the `0` flag asks and the value is a number.
fn pad(body: Vec<u8>, spec: &Spec, zero_pads: bool) -> Vec<u8> {
    if body.len() >= spec.width {
        return body;
    }
    let fill = spec.width - body.len();
    if spec.left {
        let mut out = body;
        out.resize(spec.width, b' ');
        return out;
    }
    let mut out = Vec::with_capacity(spec.width);
    if spec.zero && zero_pads {
        let sign = body.iter().take_while(|c| b"+- ".contains(c)).count();
        let prefix = if body[sign..].starts_with(b"0x") || body[sign..].starts_with(b"0X") { sign + 2 } else { sign };
        out.extend_from_slice(&body[..prefix]);
        out.resize(prefix + fill, b'0');
        out.extend_from_slice(&body[prefix..]);
    } else {
        out.resize(fill, b' ');
        out.extend(body);
    }
    out
}

/// C's integer conversions of a magnitude and its sign.
fn integer_text(negative: bool, magnitude: u64, conversion: char, spec: &Spec) -> String {
    let mut digits = match conversion {
        'o' => format!("{magnitude:o}"),
        'x' => format!("{magnitude:x}"),
        'X' => format!("{magnitude:X}"),
        _ => magnitude.to_string(),
    };
    if spec.precision == Some(0) && magnitude == 0 {
        digits.clear();
    }
    if let Some(p) = spec.precision {
        if digits.len() < p {
            digits = format!("{}{digits}", "0".repeat(p - digits.len()));
        }
    }
    let prefix = match conversion {
        'o' if spec.alt && !digits.starts_with('0') => "0",
        'x' if spec.alt && magnitude != 0 => "0x",
        'X' if spec.alt && magnitude != 0 => "0X",
        _ => "",
    };
    let sign = sign_of(negative, conversion, spec);
    let text = format!("{sign}{prefix}{digits}");
    // C ignores the 0 flag once a precision is given.
    if spec.precision.is_some() && spec.zero && !spec.left && text.len() < spec.width {
        return format!("{}{text}", " ".repeat(spec.width - text.len()));
    }
    text
}

fn sign_of(negative: bool, conversion: char, spec: &Spec) -> &'static str {
    match (negative, spec.plus, spec.space) {
        (true, ..) => "-",
        _ if !matches!(conversion, 'd' | 'i' | 'f' | 'F' | 'e' | 'E' | 'g' | 'G' | 'a' | 'A') => "",
        (false, true, _) => "+",
        (false, false, true) => " ",
        _ => "",
    }
}

/// C's `%f %e %g %a` (and capitals) of a double.
fn float_text(v: f64, conversion: char, spec: &Spec) -> String {
    let upper = conversion.is_ascii_uppercase();
    let sign = sign_of(v.is_sign_negative(), conversion, spec);
    let magnitude = v.abs();
    let body = if v.is_nan() {
        "nan".to_string()
    } else if v.is_infinite() {
        "inf".to_string()
    } else {
        let capped = spec.precision.map(|p| p.min(MAX_FLOAT_PRECISION));
        let precision = capped.unwrap_or(6);
        match conversion.to_ascii_lowercase() {
            'f' => fixed(magnitude, precision, spec.alt),
            'e' => exponent(magnitude, precision, spec.alt),
            'g' => general(magnitude, capped, spec.alt),
            _ => hex_float(magnitude, capped),
        }
    };
    let body = if upper { body.to_uppercase() } else { body };
    format!("{sign}{body}")
}

fn fixed(v: f64, precision: usize, alt: bool) -> String {
    let mut s = format!("{v:.precision$}");
    if alt && precision == 0 {
        s.push('.');
    }
    s
}

fn exponent(v: f64, precision: usize, alt: bool) -> String {
    let s = format!("{v:.precision$e}");
    let (mantissa, exp) = s.split_once('e').unwrap_or((&s, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let dot = if alt && precision == 0 { "." } else { "" };
    format!("{mantissa}{dot}e{}{:02}", if exp < 0 { '-' } else { '+' }, exp.unsigned_abs())
}

/// `%g`: `%e` when the exponent is below -4 or at least the precision,
/// else `%f`; trailing zeros go unless `#` asks to keep them.
fn general(v: f64, precision: Option<usize>, alt: bool) -> String {
    let p = precision.unwrap_or(6).max(1);
    let probe = format!("{v:.*e}", p - 1);
    let exp: i64 = probe.split_once('e').and_then(|(_, e)| e.parse().ok()).unwrap_or(0);
    let s = if v == 0.0 || (-4..p as i64).contains(&exp) {
        fixed(v, (p as i64 - 1 - if v == 0.0 { 0 } else { exp }) as usize, alt)
    } else {
        exponent(v, p - 1, alt)
    };
    if alt {
        return s;
    }
    let (mantissa, tail) = match s.find('e') {
        Some(i) => s.split_at(i),
        None => (s.as_str(), ""),
    };
    let mantissa = if mantissa.contains('.') { mantissa.trim_end_matches('0').trim_end_matches('.') } else { mantissa };
    format!("{mantissa}{tail}")
}

/// `%a` as glibc writes a `long double`: the leading hex digit holds the top
/// four bits of the 64-bit significand (`1.0` is `0x8p-3`).
fn hex_float(v: f64, precision: Option<usize>) -> String {
    if v == 0.0 {
        let frac = precision.filter(|p| *p > 0).map(|p| format!(".{}", "0".repeat(p))).unwrap_or_default();
        return format!("0x0{frac}p+0");
    }
    let bits = v.to_bits();
    let (exp_bits, fraction) = ((bits >> 52) as i64 & 0x7ff, bits & ((1 << 52) - 1));
    let (significand, exp) = if exp_bits == 0 {
        let shift = fraction.leading_zeros() as i64 - 11;
        (fraction << shift << 11, -1022 - shift)
    } else {
        ((fraction | 1 << 52) << 11, exp_bits - 1023)
    };
    let lead = significand >> 60;
    let mut rest = format!("{:015x}", significand & ((1 << 60) - 1));
    match precision {
        Some(p) => rest = format!("{rest:0<p$}")[..p].to_string(),
        None => rest.truncate(rest.trim_end_matches('0').len()),
    }
    let dot = if rest.is_empty() { "" } else { "." };
    let e = exp - 3;
    format!("0x{lead:x}{dot}{rest}p{}{}", if e < 0 { '-' } else { '+' }, e.unsigned_abs())
}

/// bash's reading of a number (C's strtoimax with base 0 after `'c`):
/// `Ok(value)`, or the value read before the junk and bash's complaint.
/// The value saturates just past the 64-bit range, for the callers' checks.
fn parse_integer(arg: &str) -> Result<i128, (i128, &'static str)> {
    if let Some(c) = arg.strip_prefix(['\'', '"']) {
        return Ok(c.chars().next().map_or(0, |c| c as i128));
    }
    let t = arg.trim_start_matches([' ', '\t', '\n']);
    let (negative, t) = match t.as_bytes().first() {
        Some(b'-') => (true, &t[1..]),
        Some(b'+') => (false, &t[1..]),
        _ => (false, t),
    };
    let (radix, digits) = match t.strip_prefix("0x").or_else(|| t.strip_prefix("0X")) {
        Some(hex) => (16, hex),
        None if t.starts_with('0') => (8, t),
        None => (10, t),
    };
    let n = digits.chars().take_while(|c| c.is_digit(radix)).count();
    let magnitude = digits[..n].chars().fold(0i128, |v, d| (v * radix as i128 + d.to_digit(radix).unwrap_or(0) as i128).min(1 << 65));
    let value = if negative { -magnitude } else { magnitude };
    if arg.is_empty() || (n == digits.len() && (n > 0 || radix == 8)) {
        return Ok(value);
    }
    Err(match radix {
        16 => (value, "invalid hex number"),
        8 if digits[n..].starts_with(['8', '9']) => (0, "invalid octal number"),
        _ => (value, "invalid number"),
    })
}

/// strtod's reading: `'c`, blanks, a sign, digits with one point, an
/// exponent, `inf`, `nan` and hexadecimal integers. Err holds what was
/// read of a number with junk after it.
fn parse_float(arg: &str) -> Result<f64, f64> {
    if let Some(c) = arg.strip_prefix(['\'', '"']) {
        return Ok(c.chars().next().map_or(0.0, |c| c as u32 as f64));
    }
    if arg.is_empty() {
        return Ok(0.0);
    }
    let t = arg.trim_start_matches([' ', '\t', '\n']);
    let sign_len = usize::from(t.starts_with(['-', '+']));
    let lower = t[sign_len..].to_ascii_lowercase();
    for word in ["infinity", "inf", "nan"] {
        if lower.starts_with(word) {
            let v = if word == "nan" { f64::NAN } else { f64::INFINITY };
            let v = if t.starts_with('-') { -v } else { v };
            return if lower.len() == word.len() { Ok(v) } else { Err(v) };
        }
    }
    if lower.starts_with("0x") {
        return parse_integer(arg).map(|v| v as f64).map_err(|(v, _)| v as f64);
    }
    let b = t.as_bytes();
    let digits = |from: usize| b[from..].iter().take_while(|c| c.is_ascii_digit()).count();
    let int = digits(sign_len);
    let mut end = sign_len + int;
    let mut any = int > 0;
    if b.get(end) == Some(&b'.') {
        let frac = digits(end + 1);
        any |= frac > 0;
        end += 1 + frac;
    }
    if !any {
        return Err(0.0);
    }
    if matches!(b.get(end), Some(b'e' | b'E')) {
        let signed = usize::from(matches!(b.get(end + 1), Some(b'-' | b'+')));
        let n = digits(end + 1 + signed);
        if n > 0 {
            end += 1 + signed + n;
        }
    }
    let v = t[..end].parse::<f64>().unwrap_or(0.0);
    if end == t.len() {
        Ok(v)
    } else {
        Err(v)
    }
}

/// `%q`: backslashes before the shell's special characters, or `$'...'`
/// when the value holds a byte that is not printable.
pub fn quote(s: &str) -> String {
    if s.is_empty() {
        return "''".into();
    }
    if s.chars().any(|c| c.is_control() || c == char::REPLACEMENT_CHARACTER) {
        return ansi_c(s);
    }
    let mut out = String::with_capacity(s.len() * 2);
    for (i, c) in s.chars().enumerate() {
        let special = " \"\\'|&;()<>!{}*[?]^$`,".contains(c) || (i == 0 && matches!(c, '~' | '#'));
        if special {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

fn ansi_c(s: &str) -> String {
    let mut out = String::from("$'");
    for c in s.chars() {
        match c {
            '\x07' => out.push_str("\\a"),
            '\x08' => out.push_str("\\b"),
            '\x1b' => out.push_str("\\E"),
            '\x0c' => out.push_str("\\f"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\x0b' => out.push_str("\\v"),
            '\\' => out.push_str("\\\\"),
            '\'' => out.push_str("\\'"),
            c if c.is_control() || c == char::REPLACEMENT_CHARACTER => {
                let mut buf = [0; 4];
                for b in c.encode_utf8(&mut buf).bytes() {
                    out.push_str(&format!("\\{b:03o}"));
                }
            }
            c => out.push(c),
        }
    }
    out.push('\'');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(width: usize, precision: Option<usize>) -> Spec {
        Spec { width, precision, ..Spec::default() }
    }

    #[test]
    fn g_switches_to_exponents_as_c_does() {
        let cases = [(100000.0, "100000"), (1000000.0, "1e+06"), (0.0001, "0.0001"), (0.00001, "1e-05"), (123.456, "123.456"), (0.0, "0")];
        for (v, want) in cases {
            assert_eq!(float_text(v, 'g', &spec(0, None)), want, "{v}");
        }
        assert_eq!(float_text(1.0, 'g', &Spec { alt: true, ..spec(0, None) }), "1.00000");
        assert_eq!(float_text(3.14159265, 'g', &spec(10, Some(4))), "3.142");
    }

    #[test]
    fn numbers_read_as_bash_reads_them() {
        assert_eq!(parse_integer("0x1f"), Ok(31));
        assert_eq!(parse_integer("-017"), Ok(-15));
        assert_eq!(parse_integer("'A"), Ok(65));
        assert_eq!(parse_integer(""), Ok(0));
        assert_eq!(parse_integer("12abc"), Err((12, "invalid number")));
        assert_eq!(parse_integer("08"), Err((0, "invalid octal number")));
        assert_eq!(parse_integer("0xg"), Err((0, "invalid hex number")));
        assert_eq!(parse_integer("-"), Err((0, "invalid number")));
        assert_eq!(parse_integer("99999999999999999999"), Ok(1 << 65), "saturates past the 64-bit range");
        assert_eq!(parse_float("1e3x"), Err(1000.0));
        assert_eq!(parse_float(" .5"), Ok(0.5));
    }

    #[test]
    fn a_writes_the_long_double_layout() {
        assert_eq!(hex_float(1.0, None), "0x8p-3");
        assert_eq!(hex_float(0.5, None), "0x8p-4");
        assert_eq!(hex_float(-2.0f64.abs(), None), "0x8p-2");
        assert_eq!(hex_float(1.0, Some(3)), "0x8.000p-3");
    }
}
