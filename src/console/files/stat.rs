//! stat from coreutils 9.1: the default report, `-c FORMAT` and `-f`
//! (filesystem status), with printf-style field widths.
//!
//! Simplified: every timestamp is the file's modification time with zero
//! nanoseconds (the lab's clock counts whole seconds).

use super::{quote, split_args};
use crate::console::fmt::civil;
use crate::console::{Output, Shell};
use crate::core::machine::files::FileStat;
use crate::core::vfs::StatFs;

const FILE_FORMAT: &str = "  File: %N\n  Size: %-10s\tBlocks: %-10b IO Block: %-6o %F\nDevice: %Hd,%Ld\tInode: %-11i Links: %h\nAccess: (%04a/%10.10A)  Uid: (%5u/%8U)   Gid: (%5g/%8G)\nAccess: %x\nModify: %y\nChange: %z\n Birth: %w\n";
const FS_FORMAT: &str = "  File: \"%n\"\n    ID: %-8i Namelen: %-7l Type: %T\nBlock size: %-10s Fundamental block size: %S\nBlocks: Total: %-10b Free: %-10f Available: %a\nInodes: Total: %-10c Free: %d\n";

pub fn stat(shell: &mut Shell, args: &[String]) -> Output {
    let mut format: Option<String> = None;
    let mut filesystem = false;
    let mut rest = Vec::new();
    let mut i = 0;
    while i < args.len() {
        match args[i].as_str() {
            "-c" | "--format" => {
                i += 1;
                format = args.get(i).map(|f| format!("{f}\n"));
            }
            "-f" | "--file-system" => filesystem = true,
            a if a.starts_with("--format=") => format = Some(format!("{}\n", &a[9..])),
            "-L" => {}
            _ => rest.push(args[i].clone()),
        }
        i += 1;
    }
    let (_, _, ops) = split_args(&rest);
    if ops.is_empty() {
        return Output::error("stat: missing operand\nTry 'stat --help' for more information.\n", 1);
    }
    let mut text = String::new();
    let mut err = String::new();
    for op in &ops {
        let path = shell.abs(op);
        let result = if filesystem {
            shell.machine.statfs_path(&path).map(|(m, s)| fs_fields(op, &s, m.as_ref().map(|m| m.uuid.as_str()), format.as_deref().unwrap_or(FS_FORMAT)))
        } else {
            shell.machine.stat_path(&path).map(|s| file_fields(shell, op, &s, format.as_deref().unwrap_or(FILE_FORMAT)))
        };
        match result {
            Ok(t) => text.push_str(&t),
            Err(e) => err.push_str(&format!("stat: cannot {} {}: {}\n", if filesystem { "read file system information for" } else { "statx" }, quote(op), e.text())),
        }
    }
    let status = i32::from(!err.is_empty());
    Output { text, err, exit_status: status, ..Output::default() }
}

/// A name as the shell-escape quoting style shows it: bare unless it needs quotes.
fn shell_quoted(name: &str) -> String {
    let plain = name.chars().all(|c| c.is_ascii_alphanumeric() || "/._-+,:@%=".contains(c));
    if plain && !name.is_empty() {
        name.to_string()
    } else {
        quote(name)
    }
}

/// stat's `%x`-style time: `2026-11-25 09:00:00.000000000 +0000`.
fn time_text(secs: u64) -> String {
    let (y, m, d, h, mi, s) = civil(secs);
    format!("{y:04}-{m:02}-{d:02} {h:02}:{mi:02}:{s:02}.000000000 +0000")
}

fn mode_string(s: &FileStat) -> String {
    let st = &s.stat;
    let mut m = String::from(if st.is_dir { "d" } else { "-" });
    for shift in [6, 3, 0] {
        let bits = (st.mode >> shift) & 7;
        m.push(if bits & 4 != 0 { 'r' } else { '-' });
        m.push(if bits & 2 != 0 { 'w' } else { '-' });
        m.push(if bits & 1 != 0 { 'x' } else { '-' });
    }
    m
}

fn file_fields(shell: &Shell, name: &str, s: &FileStat, format: &str) -> String {
    let (major, minor) = s.device.and_then(|d| shell.machine.devices().get(d)).map_or((0, 31), |d| (d.major, d.minor));
    let st = &s.stat;
    expand(format, &|c| {
        Some(match c {
            'n' => name.to_string(),
            'N' => shell_quoted(name),
            's' => st.size.to_string(),
            'b' => st.blocks_512.to_string(),
            'B' => "512".into(),
            'o' => s.io_block.to_string(),
            'i' => st.ino.to_string(),
            'h' => st.nlink.to_string(),
            'a' => format!("{:o}", st.mode),
            'A' => mode_string(s),
            'F' => (if st.is_dir { "directory" } else if st.size == 0 { "regular empty file" } else { "regular file" }).into(),
            'u' | 'g' => "0".into(),
            'U' | 'G' => "root".into(),
            'x' | 'y' | 'z' | 'w' => time_text(st.mtime),
            'X' | 'Y' | 'Z' | 'W' => st.mtime.to_string(),
            'd' => ((u64::from(major) << 8) | u64::from(minor)).to_string(),
            'D' => format!("{:x}", (u64::from(major) << 8) | u64::from(minor)),
            'H' => major.to_string(),
            'L' => minor.to_string(),
            _ => return None,
        })
    })
}

fn fs_fields(name: &str, s: &StatFs, uuid: Option<&str>, format: &str) -> String {
    // Natively statfs gives the ID (a device number for XFS); the browser's
    // come from the UUID, as ext4's do.
    #[cfg(any(feature = "xfs", feature = "zfs"))]
    let (id, _) = (s.fsid, uuid);
    #[cfg(not(any(feature = "xfs", feature = "zfs")))]
    let id = uuid.map_or(0, crate::core::machine::files::uuid_fsid);
    expand(format, &|c| {
        Some(match c {
            'n' => name.to_string(),
            'i' => format!("{id:x}"),
            'l' => "255".into(),
            #[cfg(any(feature = "xfs", feature = "zfs"))]
            't' => format!("{:x}", s.f_type),
            #[cfg(not(any(feature = "xfs", feature = "zfs")))]
            't' => "ef53".into(),
            #[cfg(any(feature = "xfs", feature = "zfs"))]
            'T' => fs_type_name(s.f_type),
            #[cfg(not(any(feature = "xfs", feature = "zfs")))]
            'T' => "ext2/ext3".into(),
            'b' => s.blocks.to_string(),
            'f' => s.free.to_string(),
            'a' => s.avail.to_string(),
            's' | 'S' => s.block_size.to_string(),
            'c' => s.files.to_string(),
            'd' => s.files_free.to_string(),
            _ => return None,
        })
    })
}

/// coreutils' `human_fstype`.
#[cfg(any(feature = "xfs", feature = "zfs"))]
fn fs_type_name(magic: u32) -> String {
    match magic {
        0xef53 => "ext2/ext3".into(),
        0x5846_5342 => "xfs".into(),
        0x4d44 => "msdos".into(),
        0x2fc1_2fc1 => "zfs".into(),
        other => format!("UNKNOWN (0x{other:x})"),
    }
}


/// Expands `%[-][0][width][.prec]X` directives with `field`; `\n` stays literal.
fn expand(format: &str, field: &dyn Fn(char) -> Option<String>) -> String {
    let mut out = String::new();
    let mut chars = format.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        let mut spec = String::new();
        while let Some(&n) = chars.peek().filter(|n| n.is_ascii_digit() || **n == '-' || **n == '.') {
            spec.push(n);
            chars.next();
        }
        let Some(d) = chars.next() else {
            out.push('%');
            break;
        };
        if d == '%' {
            out.push('%');
            continue;
        }
        // %Hd and %Ld: a device's major and minor in decimal.
        if matches!(d, 'H' | 'L') && matches!(chars.peek(), Some('d' | 'r')) {
            chars.next();
        }
        match field(d) {
            Some(v) => out.push_str(&pad(&v, &spec)),
            None => {
                out.push('?');
            }
        }
    }
    out
}

fn pad(value: &str, spec: &str) -> String {
    let left = spec.starts_with('-');
    let zero = spec.trim_start_matches('-').starts_with('0');
    let (w, prec) = spec.trim_start_matches('-').split_once('.').map_or((spec.trim_start_matches('-'), None), |(w, p)| (w, Some(p)));
    // Rust's formatter takes widths up to u16::MAX; a screenful is plenty.
    let width: usize = w.parse::<usize>().unwrap_or(0).min(4096);
    let mut v: String = value.to_string();
    if let Some(p) = prec.and_then(|p| p.parse::<usize>().ok()) {
        v = v.chars().take(p).collect();
    }
    match (left, zero) {
        (true, _) => format!("{v:<width$}"),
        (false, true) => format!("{v:0>width$}"),
        _ => format!("{v:>width$}"),
    }
}
