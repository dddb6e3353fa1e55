//! A session: the starting machine, the seed, and every line typed since.
//!
//! The state is always the replay of this log, which gives undo (drop the last
//! command and its answers), redo, reset, saving and shareable URLs for free.
//! Files, saved sessions and links hold it as JSON (`SessionFile`) with the
//! format version it was written in; `migrate` brings an older log's lines up
//! to date, so a link made today replays to the same state after later
//! fidelity fixes. The script form is what `storage-lab --script` runs.

use super::{Output, Shell};
use crate::core::units::parse_size_bytes;
use crate::core::Machine;
use serde::{Deserialize, Serialize};

/// The session format this build writes. Version 1 was the text script
/// (`# storage-lab session v1`); version 2 is JSON.
pub const FORMAT_VERSION: u32 = 2;

/// The `format` field every session file carries.
const FORMAT_NAME: &str = "storage-lab-session";

/// A session as files, saved sessions and links hold it.
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct SessionFile {
    format: String,
    version: u32,
    seed: u64,
    start: StartFile,
    lines: Vec<String>,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
enum StartFile {
    /// The default Proxmox VE lab host.
    Lab,
    /// Blank disks by name and size.
    Disks(Vec<DiskFile>),
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct DiskFile {
    name: String,
    size_bytes: u64,
}

/// Brings the lines of a log written in format `version` up to the current
/// format. A change to a tool's prompts that would make old logs replay
/// differently adds a step here (for example, an answer a new prompt needs).
/// No prompt has changed since version 1, so every version replays as written.
fn migrate(version: u32, lines: Vec<String>) -> Vec<String> {
    debug_assert!(version <= FORMAT_VERSION);
    lines
}

/// Which machine a session starts from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Start {
    /// The default Proxmox VE lab host.
    Lab,
    /// Only these blank disks (`--disks sdb=500G,...`).
    Disks(Vec<(String, u64)>),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    pub start: Start,
    pub seed: u64,
    /// Every input line, commands and answers alike.
    pub lines: Vec<String>,
}

/// Why a saved or shared session could not be loaded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LoadError {
    NotASession,
    BadSeed(String),
    BadDisks(String),
    BadEncoding,
    TooLarge,
    /// The JSON is malformed or lacks a field; serde's words say where.
    BadJson(String),
    /// Made by a newer Storage Lab than this one.
    NewerVersion(u32),
}

impl std::fmt::Display for LoadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            LoadError::NotASession => write!(f, "this is not a Storage Lab session"),
            LoadError::BadSeed(s) => write!(f, "the session's seed '{s}' is not a number"),
            LoadError::BadDisks(s) => write!(f, "the session's disk list is invalid: {s}"),
            LoadError::BadEncoding => write!(f, "the shared link is damaged (it is not valid base64 text)"),
            LoadError::TooLarge => write!(f, "the session is too large to load (at most {MAX_SESSION_LINES} lines)"),
            LoadError::BadJson(e) => write!(f, "the session file is not valid: {e}"),
            LoadError::NewerVersion(v) => write!(f, "the session was saved by a newer Storage Lab (format {v}; this one reads up to {FORMAT_VERSION})"),
        }
    }
}

/// Sessions larger than this are refused rather than replayed.
pub const MAX_SESSION_LINES: usize = 20_000;

/// Parses `sdb=500G,sdc=500G,nvme0n1=256G`.
pub fn parse_disks(spec: &str) -> Result<Vec<(String, u64)>, String> {
    spec.split(',')
        .filter(|s| !s.trim().is_empty())
        .map(|item| {
            let (name, size) = item.trim().split_once('=').ok_or_else(|| format!("'{item}' is not NAME=SIZE"))?;
            let bytes = parse_size_bytes(size).map_err(|e| e.to_string())?;
            if crate::core::disk::transport_for_name(name).is_none() {
                return Err(format!("'{name}' is not a disk name like sdb, nvme0n1 or loop0"));
            }
            Ok((name.to_string(), bytes))
        })
        .collect()
}

fn format_disks(disks: &[(String, u64)]) -> String {
    disks.iter().map(|(n, b)| format!("{n}={b}")).collect::<Vec<_>>().join(",")
}

impl Session {
    pub fn new(start: Start, seed: u64) -> Session {
        Session { start, seed, lines: Vec::new() }
    }

    /// The machine before any command.
    pub fn machine(&self) -> Result<Machine, String> {
        match &self.start {
            Start::Lab => Ok(Machine::lab(self.seed)),
            Start::Disks(d) => Machine::with_disks(self.seed, d).map_err(|e| e.to_string()),
        }
    }

    /// Replays the log. Returns the shell, each line's output, and the indices of
    /// lines that began a top-level command (the undo points).
    pub fn replay(&self) -> Result<(Shell, Vec<Output>, Vec<usize>), String> {
        let mut shell = Shell::new(self.machine()?);
        let mut outputs = Vec::with_capacity(self.lines.len());
        let mut starts = Vec::new();
        for (i, line) in self.lines.iter().enumerate() {
            if !shell.is_interactive() && !line.trim().is_empty() {
                starts.push(i);
            }
            outputs.push(shell.run(line));
        }
        Ok((shell, outputs, starts))
    }

    /// The log without its last command (and the answers typed to it).
    pub fn undone(&self) -> Option<(Session, Vec<String>)> {
        let (_, _, starts) = self.replay().ok()?;
        let cut = *starts.last()?;
        let mut s = self.clone();
        let removed = s.lines.split_off(cut);
        Some((s, removed))
    }

    /// The script form: header comments, then one input line per line.
    pub fn to_script(&self) -> String {
        let disks = match &self.start {
            Start::Lab => "lab".to_string(),
            Start::Disks(d) => format_disks(d),
        };
        let mut s = format!("# storage-lab session v1\n# seed: {}\n# disks: {disks}\n", self.seed);
        for l in &self.lines {
            s.push_str(l);
            s.push('\n');
        }
        s
    }

    pub fn from_script(text: &str) -> Result<Session, LoadError> {
        let mut lines = text.lines();
        if lines.next() != Some("# storage-lab session v1") {
            return Err(LoadError::NotASession);
        }
        let seed_line = lines.next().unwrap_or_default();
        let seed_text = seed_line.strip_prefix("# seed: ").ok_or(LoadError::NotASession)?;
        let seed = seed_text.parse().map_err(|_| LoadError::BadSeed(seed_text.chars().take(40).collect()))?;
        let disks_line = lines.next().unwrap_or_default();
        let disks = disks_line.strip_prefix("# disks: ").ok_or(LoadError::NotASession)?;
        let start = if disks == "lab" {
            Start::Lab
        } else {
            Start::Disks(parse_disks(disks).map_err(LoadError::BadDisks)?)
        };
        let body: Vec<String> = lines.map(str::to_string).collect();
        if body.len() > MAX_SESSION_LINES {
            return Err(LoadError::TooLarge);
        }
        Ok(Session { start, seed, lines: migrate(1, body) })
    }

    fn file(&self) -> SessionFile {
        let start = match &self.start {
            Start::Lab => StartFile::Lab,
            Start::Disks(d) => StartFile::Disks(d.iter().map(|(name, size_bytes)| DiskFile { name: name.clone(), size_bytes: *size_bytes }).collect()),
        };
        SessionFile { format: FORMAT_NAME.into(), version: FORMAT_VERSION, seed: self.seed, start, lines: self.lines.clone() }
    }

    /// The JSON form, for files and saved sessions.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(&self.file()).unwrap_or_default()
    }

    pub fn from_json(text: &str) -> Result<Session, LoadError> {
        let file: SessionFile = serde_json::from_str(text).map_err(|e| LoadError::BadJson(json_error(&e)))?;
        if file.format != FORMAT_NAME {
            return Err(LoadError::NotASession);
        }
        if file.version > FORMAT_VERSION {
            return Err(LoadError::NewerVersion(file.version));
        }
        if file.lines.len() > MAX_SESSION_LINES {
            return Err(LoadError::TooLarge);
        }
        let start = match file.start {
            StartFile::Lab => Start::Lab,
            StartFile::Disks(d) => {
                let spec: Vec<String> = d.iter().map(|d| format!("{}={}", d.name, d.size_bytes)).collect();
                Start::Disks(parse_disks(&spec.join(",")).map_err(LoadError::BadDisks)?)
            }
        };
        Ok(Session { start, seed: file.seed, lines: migrate(file.version, file.lines) })
    }

    /// Reads any saved form: JSON, or a version 1 script.
    pub fn from_text(text: &str) -> Result<Session, LoadError> {
        if text.trim_start().starts_with('{') {
            Session::from_json(text)
        } else {
            Session::from_script(text)
        }
    }

    /// The URL-fragment form: `#s=` and the JSON in base64url. The JSON is
    /// the file's, indented: a compact copy would serialize the session a
    /// second way (629 bytes gzipped in the bundle, measured 2026-12-03).
    pub fn to_fragment(&self) -> String {
        format!("s={}", base64url_encode(self.to_json().as_bytes()))
    }

    pub fn from_fragment(fragment: &str) -> Result<Session, LoadError> {
        let body = fragment.trim_start_matches('#').strip_prefix("s=").ok_or(LoadError::NotASession)?;
        if body.len() > 4 * 1024 * 1024 {
            return Err(LoadError::TooLarge);
        }
        let bytes = base64url_decode(body).ok_or(LoadError::BadEncoding)?;
        let text = String::from_utf8(bytes).map_err(|_| LoadError::BadEncoding)?;
        Session::from_text(&text)
    }
}

const B64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

pub fn base64url_encode(data: &[u8]) -> String {
    let mut out = String::with_capacity(data.len().div_ceil(3) * 4);
    for chunk in data.chunks(3) {
        let b = [chunk[0], *chunk.get(1).unwrap_or(&0), *chunk.get(2).unwrap_or(&0)];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        let chars = chunk.len() + 1;
        for i in 0..chars {
            out.push(B64[((n >> (18 - 6 * i)) & 63) as usize] as char);
        }
    }
    out
}

pub fn base64url_decode(text: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(text.len() * 3 / 4);
    let vals: Vec<u32> = text
        .trim_end_matches('=')
        .bytes()
        .map(|c| B64.iter().position(|x| *x == c).map(|p| p as u32))
        .collect::<Option<Vec<u32>>>()?;
    for chunk in vals.chunks(4) {
        if chunk.len() == 1 {
            return None;
        }
        let mut n = 0u32;
        for (i, v) in chunk.iter().enumerate() {
            n |= v << (18 - 6 * i);
        }
        for i in 0..chunk.len() - 1 {
            out.push((n >> (16 - 8 * i)) as u8);
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_round_trip() {
        for s in ["", "a", "ab", "abc", "abcd", "lsblk\nfdisk /dev/sdb\n"] {
            assert_eq!(base64url_decode(&base64url_encode(s.as_bytes())).unwrap(), s.as_bytes());
        }
        assert!(base64url_decode("a").is_none());
        assert!(base64url_decode("@@@@").is_none());
    }
}

/// Where and why a session file is not valid, without serde_json's `Display`:
/// that pulls in std's text for every I/O error kind, which a string never
/// has (1.4 KB of the wasm, measured with twiggy; 0.6 KiB gzipped).
fn json_error(e: &serde_json::Error) -> String {
    use serde_json::error::Category;
    let what = match e.classify() {
        Category::Eof => "it ends too early",
        Category::Syntax => "it is not JSON",
        Category::Data | Category::Io => "it does not have a session's fields",
    };
    format!("{what} (line {}, column {})", e.line(), e.column())
}
