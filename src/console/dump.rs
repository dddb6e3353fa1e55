//! Connects `hexdump`, `hd` and `xxd` to what they read: block devices through
//! the I/O stack, files through the VFS, and standard input.

use super::exec::Input;
use super::hexdump::{self, Source};
use super::{Output, Shell};
use crate::core::device::DevId;
use crate::core::machine::Machine;
use crate::core::media::Chunk;

/// Pieces of written data as (offset, len), for skipping zeros.
fn ranges(pieces: Vec<(u64, Chunk)>) -> Vec<(u64, u64)> {
    pieces.into_iter().map(|(at, c)| (at, c.len)).collect()
}

struct Device<'m> {
    machine: &'m Machine,
    dev: DevId,
}

impl Source for Device<'_> {
    fn size(&self) -> u64 {
        self.machine.size_of(self.dev)
    }

    fn read(&self, offset: u64, len: u64) -> Vec<u8> {
        self.machine.read_at(self.dev, offset, len).unwrap_or_else(|_| vec![0; len as usize])
    }

    fn data_ranges(&self, offset: u64, len: u64) -> Vec<(u64, u64)> {
        ranges(self.machine.written_pieces(self.dev, offset, len).unwrap_or_default())
    }
}

struct File<'m> {
    machine: &'m Machine,
    path: String,
    size: u64,
}

impl Source for File<'_> {
    fn size(&self) -> u64 {
        self.size
    }

    fn read(&self, offset: u64, len: u64) -> Vec<u8> {
        self.machine.read_file(&self.path, offset, len).unwrap_or_else(|_| vec![0; len as usize])
    }

    fn data_ranges(&self, offset: u64, len: u64) -> Vec<(u64, u64)> {
        ranges(self.machine.file_pieces(&self.path, offset, len).unwrap_or_default())
    }
}

/// Bytes held in memory: standard input, or a character device's output.
struct Bytes {
    data: Vec<u8>,
}

impl Source for Bytes {
    fn size(&self) -> u64 {
        self.data.len() as u64
    }

    fn read(&self, offset: u64, len: u64) -> Vec<u8> {
        let end = (offset + len).min(self.size()) as usize;
        self.data.get(offset as usize..end).unwrap_or_default().to_vec()
    }

    fn data_ranges(&self, _offset: u64, _len: u64) -> Vec<(u64, u64)> {
        vec![(0, self.size())]
    }
}

/// `/dev/zero`: endless zeros, cut at 1 TiB.
struct Zeros;

impl Source for Zeros {
    fn size(&self) -> u64 {
        1 << 40
    }

    fn read(&self, _offset: u64, len: u64) -> Vec<u8> {
        vec![0; len as usize]
    }

    fn data_ranges(&self, _offset: u64, _len: u64) -> Vec<(u64, u64)> {
        Vec::new()
    }
}

/// Opens what a dump tool names, relative to the working directory.
fn open<'m>(shell: &'m Shell, name: &str, stdin: Option<&Input>) -> Result<Box<dyn Source + 'm>, String> {
    if name == "/dev/stdin" {
        return stdin.map(|i| Box::new(Bytes { data: i.bytes(super::STREAM_LIMIT_BYTES as usize) }) as Box<dyn Source>).ok_or_else(|| "No such file or directory".to_string());
    }
    let path = shell.abs(name);
    let machine = &shell.machine;
    match path.as_str() {
        "/dev/zero" => return Ok(Box::new(Zeros)),
        "/dev/null" => return Ok(Box::new(Bytes { data: Vec::new() })),
        _ => {}
    }
    if let Some(dev) = path.strip_prefix("/dev/").and_then(|_| machine.resolve(&path)) {
        return Ok(Box::new(Device { machine, dev }));
    }
    match machine.stat_path(&path) {
        Ok(s) if s.stat.is_dir => Err("Is a directory".to_string()),
        Ok(s) => Ok(Box::new(File { machine, path, size: s.stat.size })),
        Err(e) => Err(e.text().to_string()),
    }
}

/// Runs `hexdump`, `hd` or `xxd`.
pub fn run(shell: &Shell, cmd: &str, args: &[String], stdin: Option<&Input>) -> Output {
    let opener = |name: &str| open(shell, name, stdin);
    match cmd {
        #[cfg(feature = "xxd")]
        "xxd" => super::xxd::xxd(args, &opener),
        _ => hexdump::hexdump(cmd, args, &opener),
    }
}
