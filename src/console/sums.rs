//! `md5sum` and `sha256sum` as coreutils 9.1 prints them: `HASH  NAME`, with
//! a backslash before the line when the name needs escaping.
//!
//! Files and devices are hashed piece by piece: holes are fed as zeros
//! without storing them, so a sparse file costs its size in hashing time
//! but not in memory. Simplified: no `-c` (check), `--tag` or `-b`.

use super::exec::Input;
use super::{printable, Output, Shell};
use crate::core::media::Chunk;
use crate::core::Event;
use sha2::Digest;

/// The most one command hashes: beyond it the lab refuses rather than spin.
const HASH_LIMIT_BYTES: u64 = 1 << 30;
/// ZFS files and volumes are read whole through the pool (to heal them), so
/// they are held in memory: a smaller limit.
const ZFS_HASH_LIMIT_BYTES: u64 = 256 << 20;
const STEP_BYTES: u64 = 1 << 20;

pub fn run(shell: &mut Shell, cmd: &str, args: &[String], stdin: Option<&Input>) -> Option<Output> {
    let sha = match cmd {
        "md5sum" => false,
        "sha256sum" => true,
        _ => return None,
    };
    if let Some(bad) = args.iter().find(|a| a.starts_with('-') && a.len() > 1 && a.as_str() != "--") {
        let text = if bad.starts_with("--") { format!("unrecognized option '{bad}'") } else { format!("invalid option -- '{}'", bad.chars().nth(1).unwrap_or('-')) };
        return Some(Output::error(format!("{cmd}: {}\nTry '{cmd} --help' for more information.\n", printable(&text)), 1));
    }
    let mut names: Vec<&str> = args.iter().map(String::as_str).filter(|a| *a != "--").collect();
    if names.is_empty() {
        names.push("-");
    }
    let mut out = Output::default();
    for name in names {
        let mut hasher = Hasher::new(sha);
        let result = if name == "-" { Ok(hasher.feed(&stdin.map(|i| i.bytes(super::STREAM_LIMIT_BYTES as usize)).unwrap_or_default())) } else { feed_path(shell, name, &mut hasher) };
        match result {
            Ok(events) => {
                out.events.extend(events);
                out.text.push_str(&line(&hasher.finish(), name));
            }
            Err(e) => {
                out.err.push_str(&format!("{cmd}: {}: {e}\n", printable(name)));
                out.exit_status = 1;
            }
        }
    }
    Some(out)
}

/// coreutils escapes a name holding a backslash or newline and marks the line.
fn line(hex: &str, name: &str) -> String {
    if name.contains(['\\', '\n']) {
        format!("\\{hex}  {}\n", name.replace('\\', "\\\\").replace('\n', "\\n"))
    } else {
        format!("{hex}  {name}\n")
    }
}

enum Hasher {
    Md5(md5::Md5),
    Sha256(sha2::Sha256),
}

impl Hasher {
    fn new(sha: bool) -> Hasher {
        if sha {
            Hasher::Sha256(sha2::Sha256::new())
        } else {
            Hasher::Md5(md5::Md5::new())
        }
    }

    fn feed(&mut self, bytes: &[u8]) -> Vec<Event> {
        match self {
            Hasher::Md5(h) => h.update(bytes),
            Hasher::Sha256(h) => h.update(bytes),
        }
        Vec::new()
    }

    fn feed_zeros(&mut self, mut n: u64) {
        let zeros = vec![0u8; STEP_BYTES.min(n) as usize];
        while n > 0 {
            let k = n.min(STEP_BYTES);
            self.feed(&zeros[..k as usize]);
            n -= k;
        }
    }

    fn feed_chunk(&mut self, c: &Chunk) {
        let mut at = 0;
        while at < c.len {
            let k = (c.len - at).min(STEP_BYTES);
            self.feed(&c.slice(at, k).to_vec());
            at += k;
        }
    }

    fn finish(self) -> String {
        let bytes: Vec<u8> = match self {
            Hasher::Md5(h) => h.finalize().to_vec(),
            Hasher::Sha256(h) => h.finalize().to_vec(),
        };
        bytes.iter().map(|b| format!("{b:02x}")).collect()
    }
}

/// Feeds a file's or device's bytes, holes as zeros; a ZFS file is read
/// through `read_file_healing`, so a rotten copy is repaired as it is read.
fn feed_path(shell: &mut Shell, name: &str, h: &mut Hasher) -> Result<Vec<Event>, String> {
    let path = shell.abs(name);
    let m = &mut shell.machine;
    if let Some(vol) = m.zvol_path(&path) {
        let size = m.zfs().pool(crate::core::machine::pool_of(&vol)).and_then(|p| p.dataset(&vol)).map_or(0, |d| match d.kind {
            crate::core::zfs::DatasetKind::Volume { size_bytes, .. } => size_bytes,
            crate::core::zfs::DatasetKind::Filesystem => 0,
        });
        if size > ZFS_HASH_LIMIT_BYTES {
            return Err("the lab hashes at most 256 MiB of a ZFS volume".into());
        }
        let (bytes, events) = m.zvol_read(&vol, 0, size).map_err(|e| e.to_string())?;
        h.feed(&bytes);
        return Ok(events);
    }
    let (size, pieces) = if let Some(dev) = path.strip_prefix("/dev/").and_then(|_| m.resolve(&path)) {
        let size = m.size_of(dev);
        (size, m.written_pieces(dev, 0, size).map_err(|e| e.to_string())?)
    } else if m.zfs_path(&path).is_some() {
        if m.stat_path(&path).is_ok_and(|st| st.stat.size > ZFS_HASH_LIMIT_BYTES) {
            return Err("the lab hashes at most 256 MiB of a ZFS file".into());
        }
        let (bytes, events) = m.read_file_healing(&path, 0, ZFS_HASH_LIMIT_BYTES).map_err(|e| e.text().to_string())?;
        h.feed(&bytes);
        return Ok(events);
    } else {
        let st = m.stat_path(&path).map_err(|e| e.text().to_string())?;
        if st.stat.is_dir {
            return Err("Is a directory".into());
        }
        if st.stat.size > HASH_LIMIT_BYTES {
            return Err("the lab hashes at most 1 GiB in one file".into());
        }
        (st.stat.size, m.file_pieces(&path, 0, st.stat.size).map_err(|e| e.text().to_string())?)
    };
    if size > HASH_LIMIT_BYTES {
        return Err("the lab hashes at most 1 GiB in one device".into());
    }
    let mut at = 0;
    for (offset, chunk) in pieces {
        h.feed_zeros(offset.saturating_sub(at));
        h.feed_chunk(&chunk);
        at = at.max(offset + chunk.len);
    }
    h.feed_zeros(size.saturating_sub(at));
    Ok(Vec::new())
}
