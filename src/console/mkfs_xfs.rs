//! mkfs.xfs from xfsprogs 6.1.0: its checks, in its order, and the geometry
//! report it prints.
//!
//! Models the 300 MB minimum, `check_overwrite` (a filesystem or partition
//! table that only `-f` writes over), and the discard of devices that take
//! it; the geometry is `core::xfs`'s. Simplified: of the options that tune
//! the layout only `-m uuid=` and `-L`.

use super::fs::{discards, pv_held};
use super::Output;
use crate::core::machine::{Busy, Machine, NewFs};
use crate::core::xfs::{geometry, Geometry, AG_MIN_BLOCKS, MIN_DATA_BLOCKS};

const VERSION: &str = "mkfs.xfs version 6.1.0\n";
/// `usage()`, on standard error after the complaint.
const USAGE: &str = include_str!("mkfs_xfs_usage.txt");
/// What the command line asked for.
#[derive(Default)]
struct Args {
    device: Option<String>,
    label: String,
    uuid: Option<String>,
    /// `-f`: write over an existing filesystem or partition table.
    force: bool,
    /// `-K`: no discard first.
    nodiscard: bool,
    /// `-N`: print the geometry, write nothing.
    dry_run: bool,
    quiet: bool,
}

/// The report mkfs.xfs prints, naming the device as it was given.
fn report(name: &str, g: &Geometry) -> String {
    format!(
        "meta-data={name:<22} isize=512    agcount={}, agsize={} blks\n         =                       sectsz=512   attr=2, projid32bit=1\n         =                       crc=1        finobt=1, sparse=1, rmapbt=0\n         =                       reflink=1    bigtime=1 inobtcount=1 nrext64=0\ndata     =                       bsize=4096   blocks={}, imaxpct={}\n         =                       sunit=0      swidth=0 blks\nnaming   =version 2              bsize=4096   ascii-ci=0, ftype=1\nlog      =internal log           bsize=4096   blocks={}, version=2\n         =                       sectsz=512   sunit=0 blks, lazy-count=1\nrealtime =none                   extsz=4096   blocks=0, rtextents=0\n",
        g.agcount, g.agsize_blocks, g.data_blocks, g.imaxpct, g.log_blocks
    )
}

/// A complaint followed by the usage text, exit status 1.
fn usage(complaint: &str) -> Output {
    Output::error(format!("{complaint}{USAGE}"), 1)
}

/// Layout options the lab takes at their default values only.
fn default_only(option: char, value: &str) -> bool {
    matches!((option, value), ('b', "size=4096") | ('s', "size=512") | ('m', "crc=1") | ('m', "reflink=1") | ('m', "finobt=1") | ('n', "ftype=1"))
}

fn parse(args: &[String]) -> Result<Args, Output> {
    let mut a = Args::default();
    let mut operands = Vec::new();
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        let Some(flags) = arg.strip_prefix('-').filter(|f| !f.is_empty()) else {
            operands.push(arg.clone());
            continue;
        };
        for (i, c) in flags.char_indices() {
            match c {
                'f' => a.force = true,
                'K' => a.nodiscard = true,
                'N' => a.dry_run = true,
                'q' => a.quiet = true,
                'V' => return Err(Output { text: VERSION.into(), ..Output::default() }),
                'b' | 'c' | 'd' | 'i' | 'l' | 'L' | 'm' | 'n' | 'p' | 'r' | 's' => {
                    let rest = &flags[i + c.len_utf8()..];
                    let value = if rest.is_empty() { it.next().cloned() } else { Some(rest.to_string()) };
                    let value = value.ok_or_else(|| usage(&format!("mkfs.xfs: option requires an argument -- '{c}'\nunknown option -{c} \n")))?;
                    option(&mut a, c, &value)?;
                    break;
                }
                other => return Err(usage(&format!("mkfs.xfs: invalid option -- '{other}'\nunknown option -{other} \n"))),
            }
        }
    }
    match operands.len() {
        0 => Err(usage("No device name specified\n")),
        1 => {
            a.device = operands.pop();
            Ok(a)
        }
        _ => Err(usage("extra arguments\n")),
    }
}

fn option(a: &mut Args, c: char, value: &str) -> Result<(), Output> {
    match c {
        'L' if value.len() > 12 => Err(usage(&format!("Invalid value {value} for -L option\n"))),
        'L' => {
            a.label = value.to_string();
            Ok(())
        }
        'm' if value.contains(',') => value.split(',').try_for_each(|v| option(a, c, v)),
        'm' if value == "uuid=" || value == "uuid" => Err(usage("-m uuid option requires a value\n")),
        'm' if value.starts_with("uuid=") => {
            let uuid = &value[5..];
            // libuuid's `uuid_parse` takes the form GPT GUIDs are written in.
            if crate::core::gpt::Guid::parse(uuid).is_none() {
                return Err(usage(&format!("Invalid value {uuid} for -m uuid option\n")));
            }
            a.uuid = Some(uuid.to_string());
            Ok(())
        }
        _ if default_only(c, value) => Ok(()),
        _ => Err(Output::error(format!("mkfs.xfs: the lab makes XFS with the default layout; -{c} {value} is not modelled\n"), 1)),
    }
}

/// `check_overwrite`: what libblkid finds, a filesystem before a table.
fn overwrite_complaint(machine: &Machine, dev: crate::core::device::DevId, name: &str) -> Option<String> {
    if let Some(sig) = machine.probe_shown(dev) {
        return Some(format!("mkfs.xfs: {name} appears to contain an existing filesystem ({}).\n", sig.fstype.name()));
    }
    let table = machine.disk(dev).and_then(|d| d.label())?;
    Some(format!("mkfs.xfs: {name} appears to contain a partition table ({}).\n", table.kind.name()))
}

/// `mkfs.xfs [options] DEVICE`.
pub fn mkfs_xfs(machine: &mut Machine, args: &[String]) -> Output {
    let a = match parse(args) {
        Ok(a) => a,
        Err(o) => return o,
    };
    let name = a.device.clone().unwrap_or_default();
    let Some(dev) = machine.resolve(&name) else {
        return usage(&format!("Error accessing specified device {name}: No such file or directory\n"));
    };
    match machine.busy(dev) {
        Some(Busy::Mounted { .. }) => return usage(&format!("mkfs.xfs: {name} contains a mounted filesystem\n")),
        Some(_) => return Output::error(format!("mkfs.xfs: cannot open {name}: Device or resource busy\n"), 1),
        None if pv_held(machine, dev) || machine.disk_busy(dev) => return Output::error(format!("mkfs.xfs: cannot open {name}: Device or resource busy\n"), 1),
        None => {}
    }
    if let Some(complaint) = overwrite_complaint(machine, dev, &name).filter(|_| !a.force) {
        return Output::error(format!("{complaint}mkfs.xfs: Use the -f option to force overwrite.\n"), 1);
    }
    let g = geometry(machine.size_of(dev));
    if g.data_blocks < AG_MIN_BLOCKS {
        return usage(&format!("size {} of data subvolume is too small, minimum {AG_MIN_BLOCKS} blocks\n", g.data_blocks));
    }
    if g.data_blocks < MIN_DATA_BLOCKS {
        return usage("Filesystem must be larger than 300MB.\n");
    }
    let mut text = report(&name, &g);
    if a.dry_run {
        return Output { text, ..Output::default() };
    }
    let mut events = Vec::new();
    if !a.nodiscard && discards(machine, dev) {
        events = machine.discard(dev);
        text.push_str("Discarding blocks...Done.\n");
    }
    let uuid = a.uuid.unwrap_or_else(|| machine.new_fs_uuid());
    match machine.mkfs(dev, NewFs::Xfs { uuid, label: a.label, geometry: g }) {
        Ok(more) => {
            events.extend(more);
            Output { text: if a.quiet { String::new() } else { text }, events, ..Output::default() }
        }
        Err(e) => Output::error(format!("mkfs.xfs: {e}\n"), 1),
    }
}
