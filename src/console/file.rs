//! `file` 5.44 with Debian 12's magic database: what a path holds, judged
//! from its first bytes as libmagic judges them.
//!
//! Modelled: the magic entries for what the lab writes. qcow images use
//! 5.44's entry, which reads every header as version 1 first and then as its
//! own version, so a qcow2 image shows its version and size twice, and the
//! cluster bits as a backing file's "mtime". DOS/MBR partition tables with
//! empty boot code (GPT's protective MBR included), ext2/3/4, XFS, LVM2
//! physical volumes and swap. Then JSON, and the text classes (ASCII, UTF-8,
//! ISO-8859, line terminators, long lines, escapes, sh and bash scripts).
//! Anything else is "data", as random or zeroed bytes are.
//!
//! Simplified: the lab has no symbolic links, so `-L` and `-h` change
//! nothing; MIME output, other magic files and the like get a message of
//! ours. Boot code is not recognised (the lab writes none).

use super::exec::Input;
use super::{Output, Shell};
use crate::core::signature::uuid_text;

/// libmagic's `bytes_max`: how much of a file it reads.
const BYTES_MAX: u64 = 7 << 20;
/// Lines longer than this make "with very long lines" (`MAXLINELEN`).
const MAX_LINE_LEN: i64 = 300;

const USAGE: &str = "Usage: file [-bcCdEhikLlNnprsSvzZ0] [--apple] [--extension] [--mime-encoding]
            [--mime-type] [-e <testname>] [-F <separator>]  [-f <namefile>]
            [-m <magicfiles>] [-P <parameter=value>] [--exclude-quiet]
            <file> ...
       file -C [-m <magicfiles>]
       file [--help]
";

struct Opts {
    brief: bool,
    special: bool,
    no_pad: bool,
    separator: String,
    names: Vec<String>,
}

/// `file [OPTIONS] FILE...`.
pub fn run(shell: &Shell, args: &[String], stdin: Option<&Input>) -> Output {
    let o = match options(args) {
        Ok(o) => o,
        Err(out) => return out,
    };
    if o.names.is_empty() {
        return Output::error(USAGE, 1);
    }
    let shown = |n: &str| if n == "-" { "/dev/stdin".to_string() } else { n.to_string() };
    let width = o.names.iter().map(|n| shown(n).chars().count()).max().unwrap_or(0);
    let mut text = String::new();
    for name in &o.names {
        let what = if name == "-" { classify(&stdin.map(|i| i.bytes(BYTES_MAX as usize)).unwrap_or_default()) } else { describe(shell, name, o.special) };
        if !o.brief {
            let name = shown(name);
            let pad = if o.no_pad { 0 } else { width - name.chars().count() };
            text.push_str(&format!("{name}{}{:pad$} ", o.separator, ""));
        }
        text.push_str(&what);
        text.push('\n');
    }
    Output::text(text, 0)
}

fn options(args: &[String]) -> Result<Opts, Output> {
    let mut o = Opts { brief: false, special: false, no_pad: false, separator: ":".into(), names: Vec::new() };
    let mut i = 0;
    while i < args.len() {
        let a = args[i].as_str();
        i += 1;
        match a {
            "--" => {
                o.names.extend(args[i..].iter().cloned());
                break;
            }
            "--brief" => o.brief = true,
            "--special-files" => o.special = true,
            "--no-pad" => o.no_pad = true,
            "--dereference" | "--no-dereference" | "--uncompress" | "--preserve-date" | "--raw" | "--no-sandbox" => {}
            "--version" => return Err(Output::text("file-5.44\nmagic file from /etc/magic:/usr/share/misc/magic\n", 0)),
            "-" => o.names.push(a.into()),
            _ if a.starts_with("--") => return Err(Output::error(format!("file: Storage Lab does not model {a}; it prints file's descriptions\n"), 1)),
            _ if a.starts_with('-') => {
                for (k, c) in a.char_indices().skip(1) {
                    match c {
                        'b' => o.brief = true,
                        's' => o.special = true,
                        'N' => o.no_pad = true,
                        'L' | 'h' | 'z' | 'Z' | 'p' | 'r' | 'S' | 'n' => {}
                        'F' => {
                            let rest = &a[k + 1..];
                            o.separator = if rest.is_empty() { i += 1; args.get(i - 1).cloned().unwrap_or_default() } else { rest.to_string() };
                            break;
                        }
                        'v' => return Err(Output::text("file-5.44\nmagic file from /etc/magic:/usr/share/misc/magic\n", 0)),
                        'c' | 'C' | 'd' | 'E' | 'i' | 'k' | 'l' | '0' | 'e' | 'f' | 'm' | 'P' => {
                            return Err(Output::error(format!("file: Storage Lab does not model -{c}; it prints file's descriptions\n"), 1));
                        }
                        _ => return Err(Output::error(format!("file: invalid option -- '{c}'\n{USAGE}"), 1)),
                    }
                }
            }
            _ => o.names.push(a.into()),
        }
    }
    Ok(o)
}

/// What one path holds: the node's kind, or its bytes' description.
fn describe(shell: &Shell, name: &str, special: bool) -> String {
    let path = shell.abs(name);
    let machine = &shell.machine;
    match (path.as_str(), special) {
        ("/dev/null", false) => return "character special (1/3)".into(),
        ("/dev/zero", false) => return "character special (1/5)".into(),
        ("/dev/null", true) => return "empty".into(),
        ("/dev/zero", true) => return "data".into(),
        _ => {}
    }
    if let Some(dev) = path.strip_prefix("/dev/").and_then(|_| machine.resolve(&path)) {
        if !special {
            let (major, minor) = machine.devices().get(dev).map_or((0, 0), |d| (d.major, d.minor));
            return format!("block special ({major}/{minor})");
        }
        let len = machine.size_of(dev).min(BYTES_MAX);
        return classify(&machine.read_at(dev, 0, len).unwrap_or_default());
    }
    match machine.stat_path(&path) {
        Err(e) => format!("cannot open `{name}' ({})", e.text()),
        Ok(s) if s.stat.is_dir => "directory".into(),
        Ok(s) => classify(&machine.read_file(&path, 0, s.stat.size.min(BYTES_MAX)).unwrap_or_default()),
    }
}

/// libmagic's `file_buffer`: empty and one-byte files, JSON, the magic
/// entries, text, and "data" when nothing matched.
fn classify(b: &[u8]) -> String {
    match b.len() {
        0 => return "empty".into(),
        1 => return "very short file (no magic)".into(),
        _ => {}
    }
    if let Some(json) = json(b) {
        return json.into();
    }
    let magic = [qcow, ext, xfs, lvm2, swap, mbr];
    if let Some(found) = magic.iter().find_map(|m| m(b)) {
        return found;
    }
    text(b).unwrap_or_else(|| "data".into())
}

fn be32(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_be_bytes(b.get(at..at + 4)?.try_into().ok()?))
}

fn le32(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(b.get(at..at + 4)?.try_into().ok()?))
}

fn le16(b: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_le_bytes(b.get(at..at + 2)?.try_into().ok()?))
}

fn be64(b: &[u8], at: usize) -> Option<u64> {
    Some(u64::from_be_bytes(b.get(at..at + 8)?.try_into().ok()?))
}

/// A magic `string` value: the bytes up to a NUL, at most 128 of them.
fn c_string(b: &[u8], at: usize) -> String {
    let s = b.get(at..).unwrap_or_default();
    let s = &s[..s.iter().position(|&c| c == 0).unwrap_or(s.len()).min(128)];
    String::from_utf8_lossy(s).into_owned()
}

/// Magic's `date`: seconds since the epoch in UTC, as `ctime` prints them.
fn magic_date(secs: u32) -> String {
    super::fmt::ctime(u64::from(secs)).trim_end().to_string()
}

fn qcow(b: &[u8]) -> Option<String> {
    if !b.starts_with(b"QFI\xfb") {
        return None;
    }
    let version = be32(b, 4)?;
    let size = be64(b, 24).map(|s| format!(", {} bytes", s as i64));
    let path_at = be32(b, 12).unwrap_or(0);
    let path = c_string(b, path_at as usize);
    let mut out = format!("QEMU QCOW Image (v{version})");
    // The version-1 reading: offset 12 is the name's offset and 20 the
    // backing file's mtime (a qcow2 header's cluster bits).
    if path_at > 0 {
        out.push_str(", has backing file (");
        if !path.is_empty() {
            out.push_str(&format!("path {path}"));
            match be32(b, 20) {
                Some(t) if t > 0 => out.push_str(&format!(", mtime {})", magic_date(t))),
                _ => out.push(')'),
            }
        }
    }
    out.push_str(size.as_deref().unwrap_or(""));
    if be32(b, 36) == Some(1) {
        out.push_str(", AES-encrypted");
    }
    if matches!(version, 2 | 3) {
        out.push_str(&format!(" (v{version})"));
        if be64(b, 8).is_some_and(|o| o > 0) {
            out.push_str(", has backing file");
            if !path.is_empty() {
                out.push_str(&format!(" (path {path})"));
            }
        }
        out.push_str(size.as_deref().unwrap_or(""));
        if be32(b, 32) == Some(1) {
            out.push_str(", AES-encrypted");
        }
    }
    Some(out)
}

/// The ext2/3/4 superblock at 1024: Magdir/linux's journal and feature tests.
fn ext(b: &[u8]) -> Option<String> {
    if le16(b, 1080)? != 0xEF53 {
        return None;
    }
    let (compat, incompat, ro_compat) = (le32(b, 1116)?, le32(b, 1120)?, le32(b, 1124)?);
    let mut out = format!("Linux rev {}.{}", le32(b, 1100)?, le16(b, 1086)?);
    let state = le16(b, 1082)?;
    if compat & 4 == 0 {
        out.push_str(" ext2 filesystem data");
        if state & 1 == 0 {
            out.push_str(" (mounted or unclean)");
        }
    } else if incompat > 0x3f || ro_compat > 7 || incompat > 0xf {
        out.push_str(" ext4 filesystem data");
    } else {
        out.push_str(" ext3 filesystem data");
    }
    let u = b.get(1128..1144)?;
    out.push_str(&format!(", UUID={}", uuid_text(u)));
    let label = c_string(b, 1144);
    if !label.is_empty() {
        out.push_str(&format!(", volume name \"{label}\""));
    }
    let flags: [(bool, &str); 7] = [
        (incompat & 4 != 0, "needs journal recovery"),
        (state & 2 != 0, "errors"),
        (incompat & 1 != 0, "compressed"),
        (incompat & 0x40 != 0, "extents"),
        (incompat & 0x80 != 0, "64bit"),
        (ro_compat & 2 != 0, "large files"),
        (ro_compat & 8 != 0, "huge files"),
    ];
    for (_, f) in flags.iter().filter(|(on, _)| *on) {
        out.push_str(&format!(" ({f})"));
    }
    Some(out)
}

fn xfs(b: &[u8]) -> Option<String> {
    if !b.starts_with(b"XFSB") {
        return None;
    }
    let inode_size = u16::from_be_bytes(b.get(104..106)?.try_into().ok()?);
    let version = u16::from_be_bytes(b.get(100..102)?.try_into().ok()?);
    let dirs = if version & 0x2004 == 0x2004 { "v2" } else { "v1" };
    Some(format!("SGI XFS filesystem data (blksz {}, inosz {inode_size}, {dirs} dirs)", be32(b, 4)?))
}

/// An LVM2 label in one of the first four sectors.
fn lvm2(b: &[u8]) -> Option<String> {
    let at = [536, 24, 1048, 1560].into_iter().find(|&at| b.get(at..at + 8) == Some(b"LVM2 001"))?;
    // The label header's offset of the PV header, counted from the label.
    let pv = at - 24 + le32(b, at - 4)? as usize;
    let id = b.get(pv..pv + 32)?;
    let part = |r: std::ops::Range<usize>| String::from_utf8_lossy(&id[r]).into_owned();
    let uuid = [part(0..6), part(6..10), part(10..14), part(14..18), part(18..22), part(22..26), part(26..32)].join("-");
    let size = i64::from_le_bytes(b.get(pv + 32..pv + 40)?.try_into().ok()?);
    Some(format!("LVM2 PV (Linux Logical Volume Manager), UUID: {uuid}, size: {size}"))
}

fn swap(b: &[u8]) -> Option<String> {
    if b.get(4086..4096) != Some(b"SWAPSPACE2") {
        return None;
    }
    let label = c_string(b, 1052);
    let label = if label.is_empty() { "no label".to_string() } else { format!("LABEL={label}") };
    Some(format!(
        "Linux swap file, 4k page size, little endian, version {}, size {} pages, {} bad pages, {label}, UUID={}",
        le32(b, 1024)?,
        le32(b, 1028)?,
        le32(b, 1032)?,
        uuid_text(b.get(1036..1052)?)
    ))
}

/// The DOS/MBR entry: the boot signature, then each partition entry whose
/// status byte is 0 or has bit 7, and the heuristic that calls a table with
/// only its first entry "extended partition table (last)".
fn mbr(b: &[u8]) -> Option<String> {
    if le16(b, 510)? != 0xAA55 {
        return None;
    }
    let mut out = String::from("DOS/MBR boot sector");
    let first_status = b[446];
    if first_status == 0 || first_status > 127 {
        for n in 0..4 {
            out.push_str(&partition_entry(&b[446 + 16 * n..462 + 16 * n], n + 1));
        }
    }
    if b[3] == 0 && b[446] == 0 && b[450] > 0 && b[482] == 0 && b[498] == 0 {
        match b[466] {
            5 => out.push_str(", extended partition table"),
            15 => out.push_str(", extended partition table (LBA)"),
            0 => out.push_str(", extended partition table (last)"),
            _ => {}
        }
    }
    Some(out)
}

fn partition_entry(e: &[u8], n: usize) -> String {
    let (status, kind) = (e[0], e[4]);
    if kind == 0 || !(status == 0 || status > 127) {
        return String::new();
    }
    let mut out = format!("; partition {n} : ID={kind:#x}");
    if status & 0x80 != 0 {
        out.push_str(", active");
    }
    if status > 128 {
        out.push_str(&format!(" {status:#x}"));
    }
    let start = u32::from_le_bytes([e[8], e[9], e[10], e[11]]);
    let sectors = u32::from_le_bytes([e[12], e[13], e[14], e[15]]);
    format!("{out}, start-CHS ({}), end-CHS ({}), startsector {start}, {sectors} sectors", chs(&e[1..4]), chs(&e[5..8]))
}

/// Magdir's CHS printing: the cylinder's two high bits as a digit, then its
/// low byte in hex without padding (so cylinder 0x105 shows as 0x15).
fn chs(c: &[u8]) -> String {
    let high = match c[1] & 0xc0 {
        0x40 => "1",
        0x80 => "2",
        0xc0 => "3",
        _ => "",
    };
    format!("0x{high}{:x},{},{}", c[2], c[0], c[1] & 0x3f)
}

// ------------------------------------------------------------------ text --

/// libmagic's `text_chars`: T is plain ASCII text, I ISO-8859, X
/// non-ISO extended ASCII, F never text.
fn char_class(c: u8) -> char {
    match c {
        7..=13 | 27 | 0x20..=0x7e => 'T',
        0x85 => 'T',
        0x80..=0x9f => 'X',
        0xa0..=0xff => 'I',
        _ => 'F',
    }
}

/// The encoding's name as `file` prints it, or None for binary data.
fn encoding(b: &[u8]) -> Option<&'static str> {
    if b.iter().all(|&c| char_class(c) == 'T') {
        return Some("ASCII");
    }
    if let Some(rest) = b.strip_prefix(b"\xef\xbb\xbf") {
        return utf8_text(rest).then_some("Unicode text, UTF-8 (with BOM)");
    }
    if utf8_text(b) {
        return Some("Unicode text, UTF-8");
    }
    let classes = || b.iter().map(|&c| char_class(c));
    if classes().all(|k| k == 'T' || k == 'I') {
        return Some("ISO-8859");
    }
    classes().all(|k| k != 'F').then_some("Non-ISO extended-ASCII")
}

fn utf8_text(b: &[u8]) -> bool {
    std::str::from_utf8(b).is_ok_and(|s| s.bytes().all(|c| c >= 0x80 || char_class(c) == 'T'))
}

/// `file_ascmagic`: the encoding, a script's interpreter, and the line
/// terminators, long lines, escapes and overstriking found.
fn text(b: &[u8]) -> Option<String> {
    let code = encoding(b)?;
    // The scan runs over characters: UTF-8 decoded, other codes byte by byte.
    let chars: Vec<u32> = match std::str::from_utf8(b.strip_prefix(b"\xef\xbb\xbf").unwrap_or(b)) {
        Ok(s) if code.starts_with("Unicode") => s.chars().map(u32::from).collect(),
        _ => b.iter().map(|&c| u32::from(c)).collect(),
    };
    let mut out = match script(b) {
        Some(kind) => format!("{kind}, {code} text executable"),
        None => format!("{code} text"),
    };
    let (mut crlf, mut cr, mut lf, mut nel) = (0, 0, 0, 0);
    let (mut seen_cr, mut escapes, mut backspace) = (false, false, false);
    let (mut line_end, mut longest) = (-1i64, 0i64);
    for (i, &c) in chars.iter().enumerate() {
        let i = i as i64;
        if c == 0x0a {
            if seen_cr { crlf += 1 } else { lf += 1 }
            line_end = i;
        } else if seen_cr {
            cr += 1;
        }
        seen_cr = c == 0x0d;
        if seen_cr {
            line_end = i;
        }
        if c == 0x85 {
            nel += 1;
            line_end = i;
        }
        if i > line_end + MAX_LINE_LEN {
            longest = longest.max(i - line_end);
        }
        escapes |= c == 0x1b;
        backspace |= c == 8;
    }
    if longest > 0 {
        out.push_str(&format!(", with very long lines ({longest})"));
    }
    if crlf + cr + nel + lf == 0 {
        out.push_str(", with no line terminators");
    } else if crlf + cr + nel > 0 {
        let kinds: Vec<&str> = [(crlf, "CRLF"), (cr, "CR"), (lf, "LF"), (nel, "NEL")].iter().filter(|(n, _)| *n > 0).map(|(_, k)| *k).collect();
        out.push_str(&format!(", with {} line terminators", kinds.join(", ")));
    }
    if escapes {
        out.push_str(", with escape sequences");
    }
    if backspace {
        out.push_str(", with overstriking");
    }
    Some(out)
}

/// The shell a `#!` line names, as Magdir/commands describes it.
fn script(b: &[u8]) -> Option<&'static str> {
    let first = b.strip_prefix(b"#!")?;
    let line = String::from_utf8_lossy(&first[..first.iter().position(|&c| c == b'\n').unwrap_or(first.len())]).into_owned();
    let mut words = line.split_whitespace();
    let mut prog = words.next()?;
    if prog == "/usr/bin/env" {
        prog = words.next()?;
    }
    match prog.rsplit('/').next()? {
        "sh" => Some("POSIX shell script"),
        "bash" => Some("Bourne-Again shell script"),
        _ => None,
    }
}

// ------------------------------------------------------------------ JSON --

/// `is_json`: one object or array, or several of one kind (newline-delimited
/// JSON), and nothing else.
fn json(b: &[u8]) -> Option<&'static str> {
    let mut p = Json { b, at: 0 };
    let mut values = 0;
    let mut kind = None;
    loop {
        p.space();
        let Some(&first) = b.get(p.at) else { break };
        // One value per line must be of one kind: objects or arrays.
        if !matches!(first, b'{' | b'[') || *kind.get_or_insert(first) != first || !p.value(0) {
            return None;
        }
        values += 1;
    }
    match values {
        0 => None,
        1 => Some("JSON text data"),
        _ => Some("New Line Delimited JSON text data"),
    }
}

struct Json<'a> {
    b: &'a [u8],
    at: usize,
}

impl Json<'_> {
    fn peek(&self) -> Option<u8> {
        self.b.get(self.at).copied()
    }

    fn space(&mut self) {
        while self.peek().is_some_and(|c| c.is_ascii_whitespace()) {
            self.at += 1;
        }
    }

    fn eat(&mut self, c: u8) -> bool {
        self.space();
        let ok = self.peek() == Some(c);
        self.at += usize::from(ok);
        ok
    }

    fn value(&mut self, depth: usize) -> bool {
        self.space();
        if depth > 64 {
            return false;
        }
        match self.peek() {
            Some(b'{') => self.list(b'}', depth, true),
            Some(b'[') => self.list(b']', depth, false),
            Some(b'"') => self.string(),
            Some(b't') => self.word(b"true"),
            Some(b'f') => self.word(b"false"),
            Some(b'n') => self.word(b"null"),
            Some(c) if c == b'-' || c.is_ascii_digit() => self.number(),
            _ => false,
        }
    }

    fn list(&mut self, close: u8, depth: usize, object: bool) -> bool {
        self.at += 1;
        if self.eat(close) {
            return true;
        }
        loop {
            if object && !(self.space_then_string() && self.eat(b':')) {
                return false;
            }
            if !self.value(depth + 1) {
                return false;
            }
            if self.eat(close) {
                return true;
            }
            // libmagic lets a comma end a list.
            if !self.eat(b',') {
                return false;
            }
            if self.eat(close) {
                return true;
            }
        }
    }

    fn space_then_string(&mut self) -> bool {
        self.space();
        self.peek() == Some(b'"') && self.string()
    }

    fn string(&mut self) -> bool {
        self.at += 1;
        while let Some(c) = self.peek() {
            self.at += 1;
            match c {
                b'"' => return true,
                b'\\' => self.at += 1,
                _ => {}
            }
        }
        false
    }

    fn word(&mut self, w: &[u8]) -> bool {
        let ok = self.b[self.at..].starts_with(w);
        self.at += w.len();
        ok
    }

    fn number(&mut self) -> bool {
        let start = self.at;
        while self.peek().is_some_and(|c| c.is_ascii_digit() || b"+-.eE".contains(&c)) {
            self.at += 1;
        }
        self.at > start
    }
}
