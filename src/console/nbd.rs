//! qemu-nbd (QEMU 10.0) and `modprobe nbd`: an image's guest disk as a
//! block device, `/dev/nbd0`, which fdisk, mkfs and mount use like a disk;
//! what they write lands in the image's guest clusters.
//!
//! Options are read as getopt_long reads qemu-nbd's own (`--connect DEV`,
//! `-cDEV`, abbreviations). Simplified: only `--connect`, `--disconnect`
//! and `--format` act (no NBD server, no
//! `--read-only` or `--snapshot`); a clone is served when its whole backing
//! chain opens (its backing files are not locked against writers); the real
//! `-c` forks a server, here the device simply stays connected.

use super::Output;
use crate::core::machine::loops::NbdError;
use crate::core::machine::Machine;
#[cfg(feature = "qcow2-backing")]
use crate::core::media::Chunk;
use crate::core::vfs::VfsError;

const TRY: &str = "qemu-nbd: Try `qemu-nbd --help' for more information.\n";

fn fail(text: String) -> Output {
    Output::error(text, 1)
}

/// qemu-nbd's getopt string; the letters \u{1}.. stand for its long-only
/// options.
const SHORT: &str = "hVb:o:p:rsnc:dvk:e:f:tl:x:T:D:AB:L\u{1}:\u{2}:\u{3}:\u{4}:\u{5}:\u{6}:\u{7}:\u{8}:\u{9}\u{b}:\u{c}:\u{e}\u{f}:";

/// In qemu-nbd's `lopt` order, which decides what an abbreviation means.
const LONG: &str = "help=h,version=V,bind=b,port=p,socket=k,offset=o,read-only=r,allocation-depth=A,bitmap=B,\
connect=c,disconnect=d,list=L,snapshot=s,load-snapshot=l,nocache=n,cache=\u{1},aio=\u{2},discard=\u{3},\
detect-zeroes=\u{4},shared=e,format=f,persistent=t,verbose=v,object=\u{5},export-name=x,description=D,\
tls-creds=\u{6},tls-hostname=\u{7},tls-authz=\u{8},image-opts=\u{9},trace=T,fork=\u{e},pid-file=\u{b},\
selinux-label=\u{c},handshake-limit=\u{f}";

/// `qemu-nbd ARGS`, its options read by getopt_long.
pub fn run(machine: &mut Machine, cwd: &str, args: &[String]) -> Output {
    let (mut connect, mut disconnect, mut format) = (None, false, None);
    let mut getopt = super::hexdump::Getopt::new(args, SHORT, LONG);
    while let Some(parsed) = getopt.next("qemu-nbd") {
        match parsed {
            Ok(('c', v)) => connect = v,
            Ok(('d', _)) => disconnect = true,
            Ok(('f', v)) => format = v,
            Ok(_) => return fail("qemu-nbd: the lab models --connect, --disconnect and --format only\n".into()),
            Err(e) => return fail(format!("{e}\n{TRY}")),
        }
    }
    let files = getopt.operands;
    if files.len() != 1 {
        return fail("qemu-nbd: Invalid number of arguments\nTry `qemu-nbd --help' for more information.\n".into());
    }
    let target = &files[0];
    if disconnect {
        return disconnect_device(machine, target);
    }
    let Some(device) = connect else {
        return fail("qemu-nbd: serving images over the network is not simulated; connect one to a device with -c /dev/nbd0\n".into());
    };
    let path = if target.starts_with('/') { target.clone() } else { format!("{}/{target}", cwd.trim_end_matches('/')) };
    connect_device(machine, &device, target, &path, format.as_deref())
}

fn connect_device(machine: &mut Machine, device: &str, file: &str, path: &str, format: Option<&str>) -> Output {
    let cannot_open = |e: &str| fail(format!("qemu-nbd: Failed to blk_new_open '{file}': Could not open '{file}': {e}\n"));
    let magic = machine.read_file(path, 0, 4);
    let qcow2 = match (format, &magic) {
        (_, Err(VfsError::NotFound)) => return cannot_open("No such file or directory"),
        (_, Err(VfsError::IsADirectory)) => return cannot_open("Is a directory"),
        (_, Err(_)) => return cannot_open("Invalid argument"),
        (Some("qcow2"), Ok(m)) if m.as_slice() != b"QFI\xfb" => return fail(format!("qemu-nbd: Failed to blk_new_open '{file}': Image is not in qcow2 format\n")),
        (Some("qcow2"), _) => true,
        (Some("raw"), _) => false,
        (Some(other), _) => return fail(format!("qemu-nbd: Failed to blk_new_open '{file}': the lab serves qcow2 and raw images, not {other}\n")),
        (None, Ok(m)) => m.as_slice() == b"QFI\xfb",
    };
    let mut out = Output::default();
    if format.is_none() && !qcow2 {
        out.err.push_str(&super::qemu_img::probed_raw_warning(file));
    }
    let name = device.strip_prefix("/dev/").unwrap_or(device);
    #[cfg(feature = "qcow2-backing")]
    let chain = match chain_view(machine, file, path).filter(|_| qcow2) {
        Some(Err(why)) => return fail(format!("qemu-nbd: Failed to blk_new_open '{file}': {why}\n")),
        view => view.and_then(Result::ok),
    };
    #[cfg(not(feature = "qcow2-backing"))]
    let chain = None;
    match machine.nbd_connect(name, path, qcow2, chain) {
        Ok(events) => out.events = events,
        Err(e) => {
            out.err.push_str(&match e {
                NbdError::NoDevice => format!("qemu-nbd: Failed to open {device}: No such file or directory\n"),
                NbdError::DeviceBusy => "qemu-nbd: Failed to set NBD socket\n".into(),
                NbdError::Locked => format!("qemu-nbd: Failed to blk_new_open '{file}': Failed to get \"write\" lock\nIs another process using the image [{file}]?\n"),
                NbdError::Backing => format!("qemu-nbd: {file} has a backing file the lab cannot open; it serves clones whose whole backing chain is there\n"),
                NbdError::File(_) | NbdError::InUse => format!("qemu-nbd: Failed to blk_new_open '{file}': Invalid argument\n"),
            });
            out.exit_status = 1;
        }
    }
    out
}

/// A clone's guest disk through its backing chain: None for an image without
/// a backing file, QEMU's error for a chain it cannot open.
#[cfg(feature = "qcow2-backing")]
fn chain_view(machine: &Machine, file: &str, path: &str) -> Option<Result<crate::core::machine::loops::ChainView, String>> {
    let chain = super::qemu_img::chain::Chain::open(machine, file, path, false);
    let top = chain.layers.first().filter(|t| t.backing.is_some())?;
    if let Some(why) = chain.missing(machine) {
        return Some(Err(why));
    }
    let size = top.size;
    let clip = |r: Vec<(u64, u64)>| -> Vec<(u64, u64)> { r.into_iter().filter(|(s, _)| *s < size).map(|(s, e)| (s, e.min(size))).collect() };
    let pieces = clip(chain.data_ranges_from(machine, 0)).into_iter().map(|(s, e)| (s, Chunk::bytes(&chain.read(machine, s, e - s)))).collect();
    let below = clip(chain.data_ranges_from(machine, 1));
    let files = chain.layers[1..].iter().map(|l| l.path.clone()).collect();
    Some(Ok(crate::core::machine::loops::ChainView { size, pieces, below, backing_size: chain.layers.get(1).map_or(0, |l| l.size), files }))
}

fn disconnect_device(machine: &mut Machine, device: &str) -> Output {
    let name = device.strip_prefix("/dev/").unwrap_or(device);
    if !machine.nbd_loaded() || !name.strip_prefix("nbd").and_then(|n| n.parse::<u32>().ok()).is_some_and(|n| n < 16) {
        return fail(format!("qemu-nbd: Cannot open {device}: No such file or directory\n"));
    }
    match machine.nbd_disconnect(name) {
        Ok(events) => Output { text: format!("{device} disconnected\n"), events, ..Output::default() },
        Err(_) => fail(format!("qemu-nbd: {device} is in use (mounted, or held by another device); the lab does not pull a disk from under its users: unmount it first\n")),
    }
}

/// Modules a Proxmox VE kernel has that the lab's devices need, loaded
/// already or built in: modprobe of them does nothing, as on the host.
const PRESENT: &[&str] = &["dm_mod", "dm-mod", "dm_thin_pool", "dm-thin-pool", "ext4", "loop", "nvme", "raid1", "sd_mod", "vfat", "xfs", "zfs"];

/// `modprobe [-r] nbd [max_part=N]`; other modules of the host load silently.
pub fn modprobe(machine: &mut Machine, args: &[String]) -> Output {
    let remove = args.iter().any(|a| a == "-r" || a == "--remove");
    let words: Vec<&String> = args.iter().filter(|a| !a.starts_with('-')).collect();
    let Some(module) = words.first() else {
        return fail("modprobe: ERROR: missing parameters. See -h.\n".into());
    };
    if PRESENT.contains(&module.as_str()) && !remove {
        return Output::default();
    }
    if module.as_str() != "nbd" {
        return fail(format!("modprobe: FATAL: Module {module} not found in directory /lib/modules/{}\n", machine.kernel_release()));
    }
    if remove {
        return match machine.unload_nbd() {
            Ok(()) => Output::default(),
            Err(_) => fail("modprobe: FATAL: Module nbd is in use.\n".into()),
        };
    }
    let max_part = words[1..].iter().find_map(|w| w.strip_prefix("max_part=")).map_or(Some(16), |v| v.parse::<u32>().ok());
    match max_part {
        Some(n) => {
            machine.load_nbd(n);
            Output::default()
        }
        None => fail("modprobe: ERROR: could not insert 'nbd': Invalid argument\n".into()),
    }
}
