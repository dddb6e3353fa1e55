//! One line of an sfdisk script as libfdisk's script.c reads it: a header
//! (`name: value`, only before the first partition line), a partition in
//! `start=.., size=..` or `start, size, type, bootable` form, or nothing
//! libfdisk understands, which sfdisk then tries as one of its commands.

use crate::console::cnum::{c_isspace, parse_size_power};
use crate::core::gpt::Guid;
use crate::core::label::{LabelKind, PartType};
use crate::core::libfdisk::SizeRequest;
use crate::core::parttypes::{dos_types, gpt_types};
use crate::core::units::SECTOR_BYTES;

/// The headers libfdisk knows; any other name is ignored with a warning.
pub const HEADERS: [&str; 9] = ["label", "unit", "label-id", "device", "grain", "first-lba", "last-lba", "table-length", "sector-size"];

/// What a script line is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Line {
    /// Blank, or a comment: read past without a prompt.
    Skip,
    Header { name: &'static str, value: String },
    /// `name: value` with a name libfdisk does not know (the text before the colon).
    UnknownHeader(String),
    Partition(PartLine),
    /// libfdisk could not read it; `word` is what sfdisk compares with its
    /// commands (write, quit, ...), as libfdisk left the line.
    Invalid { word: String },
}

/// A partition line's fields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PartLine {
    /// From a device name before `:` (`/dev/sdb3 : start=...`).
    pub number: Option<u32>,
    pub start: Option<u64>,
    pub size: SizeRequest,
    pub part_type: Option<ScriptType>,
    /// `*` or `bootable`: Some(true); `-`: Some(false); absent: None.
    pub bootable: Option<bool>,
    pub name: Option<String>,
    pub uuid: Option<String>,
    /// The sign before the start and the size (`+`, `-`, or 0): for
    /// `sfdisk -N`, `+N` and `-N` move and resize relative to the
    /// partition, and a lone `+` asks for all the room there is.
    #[cfg(feature = "sfdisk-options")]
    pub signs: [u8; 2],
}

impl Default for PartLine {
    /// Every field left to its default.
    fn default() -> PartLine {
        PartLine {
            number: None,
            start: None,
            size: SizeRequest::Default,
            part_type: None,
            bootable: None,
            name: None,
            uuid: None,
            #[cfg(feature = "sfdisk-options")]
            signs: [0; 2],
        }
    }
}

impl PartLine {
    /// Keeps the sign of the start (field 0) or the size (field 1).
    #[cfg(feature = "sfdisk-options")]
    fn note_sign(&mut self, field: usize, sign: u8) {
        self.signs[field] = sign;
    }

    #[cfg(not(feature = "sfdisk-options"))]
    fn note_sign(&mut self, _: usize, _: u8) {}
}

/// A type as libfdisk's parser returns it: a type, or an unknown GPT type
/// string that is not a GUID (adding the partition then fails).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScriptType {
    Type(PartType),
    NotAGuid,
}

/// How partition lines read numbers: which label parses types, and the
/// script's `sector-size:` (0 when absent), by which plain sector counts are
/// scaled to the device's 512-byte sectors.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Context {
    pub kind: LabelKind,
    pub sector_size: u64,
    /// No partition line was read yet, so `name: value` is a header.
    pub headers_allowed: bool,
}

fn is_blank(c: u8) -> bool {
    c == b' ' || c == b'\t'
}

fn skip_blank(s: &[u8], i: usize) -> usize {
    i + s[i.min(s.len())..].iter().take_while(|c| is_blank(**c)).count()
}

/// Reads one line (without its newline; a final `\r` is dropped as libfdisk does).
pub fn parse(line: &str, cx: &Context) -> Line {
    let line = line.strip_suffix('\r').unwrap_or(line);
    let s = &line[skip_blank(line.as_bytes(), 0)..];
    if s.is_empty() || s.starts_with('#') {
        return Line::Skip;
    }
    let parsed = if cx.headers_allowed && is_header_line(s) {
        header(line, s)
    } else if s.contains('=') {
        name_value(s, cx).map(Line::Partition)
    } else {
        value_commas(s, cx).map(Line::Partition)
    };
    parsed.unwrap_or_else(|()| Line::Invalid { word: control_word(s).to_string() })
}

/// `is_header_line()`: a colon after something and before something, and no `=`.
fn is_header_line(s: &str) -> bool {
    match s.find(':') {
        Some(at) => at > 0 && at + 1 < s.len() && !s.contains('='),
        None => false,
    }
}

fn trim_space(s: &str) -> &str {
    s.trim_matches(|c: char| c.is_ascii() && c_isspace(c as u8))
}

/// `parse_line_header()`: a known name with a valid value. `line` is the whole
/// line, which sfdisk's warning about an unknown name quotes up to the colon.
fn header(line: &str, s: &str) -> Result<Line, ()> {
    let (name, value) = s.split_once(':').ok_or(())?;
    let (name, value) = (trim_space(name), trim_space(value));
    if name.is_empty() || value.is_empty() {
        return Err(());
    }
    let Some(known) = HEADERS.iter().find(|h| **h == name) else {
        let before_colon = line.split(':').next().unwrap_or("").trim_end_matches(|c: char| c.is_ascii() && c_isspace(c as u8));
        return Ok(Line::UnknownHeader(before_colon.to_string()));
    };
    let valid = match *known {
        "label" => label_kind(value).is_some(),
        "unit" => value == "sectors",
        "sector-size" => sector_size(value).is_some(),
        _ => true,
    };
    if valid {
        Ok(Line::Header { name: known, value: value.to_string() })
    } else {
        Err(())
    }
}

/// A label name libfdisk knows (case aside, `mbr` for dos). Sun, SGI and BSD
/// labels are not modelled, so the lab refuses them like an unknown name.
pub fn label_kind(name: &str) -> Option<LabelKind> {
    match name.to_ascii_lowercase().as_str() {
        "dos" | "mbr" => Some(LabelKind::Dos),
        "gpt" => Some(LabelKind::Gpt),
        _ => None,
    }
}

/// A `sector-size:` value as `ul_strtou64()` reads it (digits only, no
/// negative number), which must be a multiple of 512.
pub fn sector_size(value: &str) -> Option<u64> {
    let (negative, digits) = match value.as_bytes().first() {
        Some(b'-') => (true, &value[1..]),
        Some(b'+') => (false, &value[1..]),
        _ => (false, value),
    };
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let n = digits.parse::<u64>().ok().filter(|n| !negative || *n == 0)?;
    (n % 512 == 0).then_some(n)
}

/// libfdisk's `next_token()`: the token at `i` (quotes removed) as a byte
/// range, and where the next one starts. A token ends at a blank, `,`, `;`
/// or quote, and must be followed by one of them or the end of the line.
fn next_token(s: &[u8], i: usize) -> Option<(usize, usize, usize)> {
    let (mut begin, mut end, mut quoted) = (None, None, false);
    let mut p = i;
    while p < s.len() {
        let c = s[p];
        if begin.is_none() {
            if is_blank(c) {
                p += 1;
                continue;
            }
            begin = Some(if c == b'"' { p + 1 } else { p });
        }
        if c == b'"' {
            quoted = !quoted;
        }
        if !quoted {
            if is_blank(c) || matches!(c, b',' | b';' | b'"') {
                end = Some(p);
            } else if p + 1 == s.len() {
                end = Some(p + 1);
            }
            if end.is_some() {
                break;
            }
        }
        p += 1;
    }
    let (begin, token_end) = (begin?, end?);
    let mut next = token_end + usize::from(s.get(token_end) == Some(&b'"'));
    let mut terminated = false;
    if s.get(next).is_some_and(|c| is_blank(*c)) {
        next = skip_blank(s, next);
        terminated = true;
    }
    match s.get(next) {
        Some(b',' | b';') => {
            next += 1;
            terminated = true;
        }
        None => terminated = true,
        _ => {}
    }
    terminated.then(|| (begin, token_end.max(begin), skip_blank(s, next)))
}

/// `is_default_value()`: an empty field (`,`, `;`, `-`, or the end); returns
/// where the next field starts.
fn default_value(s: &[u8], i: usize) -> Option<usize> {
    let mut p = skip_blank(s, i);
    let mut blank = false;
    if s.get(p) == Some(&b'-') {
        let after = p + 1;
        p = skip_blank(s, after);
        blank = after < p;
    }
    match s.get(p) {
        Some(b',' | b';') => Some(p + 1),
        None => Some(p),
        _ if blank => Some(p),
        _ => None,
    }
}

/// A start or size value: None for the default (`+` too), else sectors and
/// whether a unit gave them; then the sign before it (`+`, `-` or 0).
fn number_field(s: &[u8], i: usize, cx: &Context) -> Result<(Option<(u64, bool)>, u8, usize), ()> {
    if let Some(next) = default_value(s, i) {
        return Ok((None, 0, next));
    }
    let (b, e, next) = next_token(s, i).ok_or(())?;
    let token = std::str::from_utf8(&s[b..e]).map_err(|_| ())?;
    if token == "+" {
        return Ok((None, b'+', next));
    }
    let sign = token.bytes().next().filter(|c| matches!(c, b'+' | b'-')).unwrap_or(0);
    let unsigned = token.strip_prefix(['+', '-']).unwrap_or(token);
    let (n, power) = parse_size_power(unsigned).map_err(|_| ())?;
    let sectors = if power > 0 { n / SECTOR_BYTES } else { n.wrapping_mul((cx.sector_size / SECTOR_BYTES).max(1)) };
    Ok((Some((sectors, power > 0)), sign, next))
}

fn size_request(value: Option<(u64, bool)>) -> SizeRequest {
    match value {
        None => SizeRequest::Default,
        Some((n, false)) => SizeRequest::Sectors(n),
        Some((n, true)) => SizeRequest::Relative(n),
    }
}

/// A token's text, as `next_string()` returns it.
fn string_field(s: &[u8], i: usize) -> Result<(String, usize), ()> {
    let (b, e, next) = next_token(s, i).ok_or(())?;
    Ok((String::from_utf8_lossy(&s[b..e]).into_owned(), next))
}

/// `parse_line_valcommas()`: `start, size, type, bootable`; fields after the
/// fourth are ignored.
fn value_commas(line: &str, cx: &Context) -> Result<PartLine, ()> {
    let s = line.as_bytes();
    let mut part = PartLine::default();
    let (mut p, mut item) = (0, 0);
    while p < s.len() {
        p = skip_blank(s, p);
        let begin = p;
        match item {
            0 => {
                let (v, sign, next) = number_field(s, p, cx)?;
                part.start = v.map(|(n, _)| n);
                part.note_sign(0, sign);
                p = next;
            }
            1 => {
                let (v, sign, next) = number_field(s, p, cx)?;
                part.size = size_request(v);
                part.note_sign(1, sign);
                p = next;
            }
            2 if !matches!(s.get(p), Some(b',' | b';')) => match default_value(s, p) {
                Some(next) => p = next,
                None => {
                    let (t, next) = string_field(s, p)?;
                    part.part_type = Some(parse_type(cx.kind, &t));
                    p = next;
                }
            },
            3 if !matches!(s.get(p), Some(b',' | b';')) => {
                let (t, next) = string_field(s, p)?;
                part.bootable = match t.as_str() {
                    "*" | "+" => Some(true),
                    "-" => Some(false),
                    _ => return Err(()),
                };
                p = next;
            }
            _ => {}
        }
        if begin == p {
            p += 1;
        }
        item += 1;
    }
    Ok(part)
}

/// `parse_line_nameval()`: `[device :] start=.., size=.., type=.., ...`.
fn name_value(line: &str, cx: &Context) -> Result<PartLine, ()> {
    let mut part = PartLine::default();
    let colon = line.find(':').filter(|c| line.find('=').is_none_or(|eq| *c < eq));
    let fields = match colon {
        Some(at) => {
            part.number = number_from_device(&line[..at]);
            &line[at + 1..]
        }
        None => line,
    };
    let mut p = 0;
    while p < fields.len() {
        p = field(fields, skip_blank(fields.as_bytes(), p), cx, &mut part)?;
    }
    Ok(part)
}

/// One `name=value` field at `p` (or `bootable`); returns where the next starts.
fn field(fields: &str, p: usize, cx: &Context, part: &mut PartLine) -> Result<usize, ()> {
    let s = fields.as_bytes();
    let rest = &fields[p..];
    let key = |k: &str| rest.get(..k.len()).is_some_and(|r| r.eq_ignore_ascii_case(k));
    if key("start=") {
        let (v, sign, next) = number_field(s, p + 6, cx)?;
        part.start = v.map(|(n, _)| n);
        part.note_sign(0, sign);
        Ok(next)
    } else if key("size=") {
        let (v, sign, next) = number_field(s, p + 5, cx)?;
        part.size = size_request(v);
        part.note_sign(1, sign);
        Ok(next)
    } else if key("bootable") {
        let (t, next) = string_field(s, p)?;
        let on = t.eq_ignore_ascii_case("bootable");
        part.bootable = Some(true);
        on.then_some(next).ok_or(())
    } else if key("attrs=") {
        Ok(string_field(s, p + 6)?.1)
    } else if key("uuid=") {
        let (t, next) = string_field(s, p + 5)?;
        part.uuid = Some(t);
        Ok(next)
    } else if key("name=") {
        let (t, next) = string_field(s, p + 5)?;
        part.name = Some(unhexmangle(&t));
        Ok(next)
    } else if key("type=") || key("Id=") {
        let (t, next) = string_field(s, p + if key("Id=") { 3 } else { 5 })?;
        part.part_type = Some(parse_type(cx.kind, &t));
        Ok(next)
    } else {
        Err(())
    }
}

/// `partno_from_devname()`: the number at the end of a device name, 1-based.
fn number_from_device(name: &str) -> Option<u32> {
    let name = name.trim_end_matches(|c: char| c.is_ascii() && c_isspace(c as u8));
    let digits = name.len() - name.trim_end_matches(|c: char| c.is_ascii_digit()).len();
    name[name.len() - digits..].parse::<u32>().ok().filter(|n| (1..=i32::MAX as u32).contains(n))
}

/// util-linux `unhexmangle_string()`: `\xHH` escapes to bytes.
fn unhexmangle(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let hex = (b[i] == b'\\' && b.get(i + 1) == Some(&b'x')).then(|| b.get(i + 2..i + 4)).flatten();
        match hex.and_then(|h| u8::from_str_radix(std::str::from_utf8(h).ok()?, 16).ok()) {
            Some(byte) => {
                out.push(byte);
                i += 4;
            }
            None => {
                out.push(b[i]);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The type aliases and shortcuts libfdisk's script parser knows, with their
/// DOS code and GPT type GUID where the label has them.
const TYPE_ALIASES: [(&str, &str, Option<u8>, &str); 8] = [
    ("linux", "L", Some(0x83), "0FC63DAF-8483-4772-8E79-3D69D8477DE4"),
    ("swap", "S", Some(0x82), "0657FD6D-A4AB-43C4-84E5-0933C84B4F4F"),
    ("extended", "Ex", Some(0x05), ""),
    ("home", "H", None, "933AC7E1-2EB4-4F13-B844-0E14E2AEF915"),
    ("uefi", "U", Some(0xef), "C12A7328-F81F-11D2-BA4B-00A0C93EC93B"),
    ("raid", "R", Some(0xfd), "A19D880F-05FC-4D3B-A006-743F0F84911E"),
    ("lvm", "V", Some(0x8e), "E6D6D379-F507-44C2-A23C-238F2A3DF928"),
    ("linuxex", "X", Some(0x85), ""),
];

/// `fdisk_label_advparse_parttype()` as scripts call it: an alias, then a
/// shortcut, then a type's name (letters and digits only, any case), then the
/// type's data (a hex code, or a GUID); anything else is an unknown type.
pub fn parse_type(kind: LabelKind, text: &str) -> ScriptType {
    match kind {
        LabelKind::Dos => ScriptType::Type(PartType::Dos(dos_type(text))),
        LabelKind::Gpt => gpt_type(text),
    }
}

fn dos_type(text: &str) -> u8 {
    // "E" is a deprecated shortcut for 05 (it collides with the hex code 0e),
    // which scripts still accept.
    let shortcut = |t: &str| match t {
        "E" => Some(0x05),
        _ => TYPE_ALIASES.iter().find(|a| a.1 == t).and_then(|a| a.2),
    };
    let alias = TYPE_ALIASES.iter().find(|a| a.0 == text).and_then(|a| a.2);
    let by_name = || dos_types().find(|(_, n)| alnum_eq(n, text)).map(|(c, _)| c);
    // libfdisk keeps the code of an unknown hex type, and 0 for anything else;
    // the table's type byte is its low byte.
    let by_code = || crate::console::cnum::c_strtol_hex_whole(text).map(|c| c as u8);
    alias.or_else(|| shortcut(text)).or_else(by_name).or_else(by_code).unwrap_or(0)
}

fn gpt_type(text: &str) -> ScriptType {
    let alias = TYPE_ALIASES.iter().find(|a| (a.0 == text || a.1 == text) && !a.3.is_empty()).map(|a| a.3);
    let by_name = || gpt_types().find(|(_, n)| alnum_eq(n, text)).map(|(g, _)| g);
    match alias.or_else(by_name).and_then(Guid::parse).or_else(|| Guid::parse(text)) {
        Some(g) => ScriptType::Type(PartType::Gpt(g)),
        None => ScriptType::NotAGuid,
    }
}

/// util-linux `ul_stralnumcmp() == 0`: equal in letters and digits, any case.
fn alnum_eq(a: &str, b: &str) -> bool {
    let key = |s: &str| s.chars().filter(char::is_ascii_alphanumeric).map(|c| c.to_ascii_lowercase()).collect::<String>();
    key(a) == key(b)
}

/// The word sfdisk compares with its commands when libfdisk could not read
/// the line: libfdisk cut the line after its first token (or at the device
/// name's colon) while trying.
fn control_word(s: &str) -> &str {
    let b = s.as_bytes();
    if s.contains('=') {
        return match s.find(':').filter(|c| s.find('=').is_none_or(|eq| *c < eq)) {
            Some(at) => s[..at].trim_end_matches(|c: char| c.is_ascii() && c_isspace(c as u8)),
            None => s,
        };
    }
    if default_value(b, 0).is_some() {
        return s;
    }
    match next_token(b, 0) {
        Some((_, end, _)) => &s[..end],
        None => s,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dos() -> Context {
        Context { kind: LabelKind::Dos, sector_size: 0, headers_allowed: true }
    }

    fn part(line: &str) -> PartLine {
        match parse(line, &dos()) {
            Line::Partition(p) => p,
            other => panic!("{line:?} read as {other:?}"),
        }
    }

    #[test]
    fn lines_read_as_libfdisk_reads_them() {
        assert_eq!(parse("  # comment", &dos()), Line::Skip);
        assert_eq!(parse("label: gpt", &dos()), Line::Header { name: "label", value: "gpt".into() });
        assert_eq!(parse("foo: bar", &dos()), Line::UnknownHeader("foo".into()));
        assert_eq!(parse("label: gpt\t\t# new GPT", &dos()), Line::Invalid { word: "label:".into() });
        assert_eq!(parse("write", &dos()), Line::Invalid { word: "write".into() });
        assert_eq!(parse(",100M # boot", &dos()), Line::Invalid { word: ",100M # boot".into() });
        assert_eq!(part(",100M").size, SizeRequest::Relative(204800));
        assert_eq!(part("size=0").size, SizeRequest::Sectors(0));
        let p = part(",,L,*");
        assert_eq!((p.part_type, p.bootable), (Some(ScriptType::Type(PartType::Dos(0x83))), Some(true)));
        let p = part("/dev/sdb3 : start=2048, size=100, type=82, bootable");
        assert_eq!((p.number, p.start, p.size, p.bootable), (Some(3), Some(2048), SizeRequest::Sectors(100), Some(true)));
        assert_eq!(part("start=,size=1M").start, None);
    }

    #[cfg(feature = "sfdisk-options")]
    #[test]
    fn signs_are_kept_for_sfdisk_partno() {
        assert_eq!(part("+1M, -2M").signs, [b'+', b'-']);
        assert_eq!(part("-, +").signs, [0, b'+']);
        assert_eq!(part("+,").signs, [b'+', 0]);
        assert_eq!(part("start=+, size=+100").signs, [b'+', b'+']);
        assert_eq!(part("2048, 100").signs, [0, 0]);
    }

    #[test]
    fn types_follow_the_parsers_order() {
        assert_eq!(dos_type("E"), 0x05);
        assert_eq!(dos_type("e"), 0x0e, "lowercase e is the hex code 0e");
        assert_eq!(dos_type("linuxswapSolaris"), 0x82, "a name, letters and digits only");
        assert_eq!(dos_type("0x8e"), 0x8e);
        assert_eq!(dos_type("junk"), 0x00);
        assert_eq!(gpt_type("l"), ScriptType::NotAGuid);
        assert_eq!(gpt_type("H"), ScriptType::Type(PartType::gpt_named("933AC7E1-2EB4-4F13-B844-0E14E2AEF915")));
    }
}
