//! `--version` (and `-V` or `-v` where a tool reads it so) of every tool, as
//! the versions the simulator claims print it: util-linux 2.38.1, e2fsprogs
//! 1.47.0, parted 3.5, coreutils 9.1, lvm2 2.03.16 on a Proxmox VE 8 host
//! (kernel 6.8, device-mapper driver 4.48.0).

use super::Output;

const UTIL_LINUX: &[&str] = &["fdisk", "sfdisk", "lsblk", "blkid", "wipefs", "findmnt", "mount", "umount", "swapon", "swapoff", "mkswap", "hexdump", "hd"];
const LVM_TOOLS: &[&str] = &[
    "lvm", "pvcreate", "pvs", "pvdisplay", "pvremove", "vgcreate", "vgs", "vgdisplay", "vgextend", "vgreduce", "vgremove", "lvcreate", "lvs", "lvdisplay",
    "lvextend", "lvreduce", "lvresize", "lvremove", "lvrename", "vgrename",
];
const GNU_NOTICE: &str = "Copyright (C) 2022 Free Software Foundation, Inc.
License GPLv3+: GNU GPL version 3 or later <https://gnu.org/licenses/gpl.html>.
This is free software: you are free to change and redistribute it.
There is NO WARRANTY, to the extent permitted by law.
";
const LIBMOUNT: &str = "(libmount 2.38.1: selinux, smack, btrfs, verity, namespaces, assert, debug)";
/// lvm2's build options, as `lvm version` prints them. The browser leaves
/// the 1 KB line out with `pvs -o help`'s list (feature `lvm-field-help`).
#[cfg(not(feature = "lvm-field-help"))]
const LVM_CONFIGURE: &str = "(the build options are in the storage-lab command-line program)";
#[cfg(feature = "lvm-field-help")]
const LVM_CONFIGURE: &str = "./configure --build=x86_64-linux-gnu --prefix=/usr --includedir=${prefix}/include --mandir=${prefix}/share/man --infodir=${prefix}/share/info --sysconfdir=/etc --localstatedir=/var --disable-option-checking --disable-silent-rules --libdir=${prefix}/lib/x86_64-linux-gnu --runstatedir=/run --disable-maintainer-mode --disable-dependency-tracking --libdir=/lib/x86_64-linux-gnu --sbindir=/sbin --with-usrlibdir=/usr/lib/x86_64-linux-gnu --with-optimisation=-O2 --with-cache=internal --with-device-uid=0 --with-device-gid=6 --with-device-mode=0660 --with-default-pid-dir=/run --with-default-run-dir=/run/lvm --with-default-locking-dir=/run/lock/lvm --with-thin=internal --with-thin-check=/usr/sbin/thin_check --with-thin-dump=/usr/sbin/thin_dump --with-thin-repair=/usr/sbin/thin_repair --with-udev-prefix=/ --enable-applib --enable-blkid_wiping --enable-cmdlib --enable-dmeventd --enable-editline --enable-lvmlockd-dlm --enable-lvmlockd-sanlock --enable-lvmpolld --enable-notify-dbus --enable-pkgconfig --enable-udev_rules --enable-udev_sync --disable-readline";

/// Whether the arguments ask for the version: `--version` always; `-V` for
/// util-linux tools except sfdisk (whose `-V` is `--verify`) and for mke2fs;
/// `-v` for parted.
fn asks(cmd: &str, args: &[String]) -> bool {
    args.iter().any(|a| {
        a == "--version"
            || a == "-V" && (UTIL_LINUX.contains(&cmd) && cmd != "sfdisk" || matches!(cmd, "mkfs.ext4" | "mke2fs"))
            || a == "-v" && (cmd == "parted" || cfg!(feature = "partprobe") && cmd == "partprobe")
    })
}

/// Tools whose own `--help` the lab prints (or, for echo, prints as text).
const OWN_HELP: &[&str] = &["echo", "partprobe", "hexdump", "hd", "xxd", "qemu-img", "attach-disk", "help"];

/// What `--help` prints where the lab does not reproduce a tool's help.
pub fn no_help(cmd: &str) -> String {
    format!("{cmd}: the lab does not reproduce --help; see `man {cmd}`.\n")
}

/// The version text of `cmd`, if the arguments ask for it; or, for `--help`,
/// where to look.
pub fn run(cmd: &str, args: &[String]) -> Option<Output> {
    // zpool and zfs print their command lists (browser builds have neither).
    let own_help = OWN_HELP.contains(&cmd) || (cfg!(feature = "zfs") && matches!(cmd, "zpool" | "zfs")) || (cfg!(feature = "qemu-img-help") && cmd == "qemu-io");
    if !own_help && args.iter().take_while(|a| *a != "--").any(|a| a == "--help") {
        return Some(Output { text: no_help(cmd), ..Output::default() });
    }
    let lvm_version = cmd == "lvm" && args.first().is_some_and(|a| a == "version");
    if !asks(cmd, args) && !lvm_version {
        return None;
    }
    let text = match cmd {
        "blkid" => "blkid from util-linux 2.38.1  (libblkid 2.38.1, 04-Aug-2022)\n".to_string(),
        "mount" | "umount" => format!("{cmd} from util-linux 2.38.1 {LIBMOUNT}\n"),
        "hd" => "hd from util-linux 2.38.1\n".into(),
        c if UTIL_LINUX.contains(&c) => format!("{c} from util-linux 2.38.1\n"),
        "mkfs.ext4" | "mke2fs" => "mke2fs 1.47.0 (5-Feb-2023)\n\tUsing EXT2FS Library version 1.47.0\n".into(),
        "parted" | "partprobe" => format!("{cmd} (GNU parted) 3.5\n{GNU_NOTICE}\nWritten by <http://git.debian.org/?p=parted/parted.git;a=blob_plain;f=AUTHORS>.\n"),
        "dd" => format!("dd (coreutils) 9.1\n{GNU_NOTICE}\nWritten by Paul Rubin, David MacKenzie, and Stuart Kemp.\n"),
        "xxd" => "xxd 2022-01-14 by Juergen Weigert et al.\n".into(),
        c if LVM_TOOLS.contains(&c) => format!(
            "  LVM version:     2.03.16(2) (2022-05-18)\n  Library version: 1.02.185 (2022-05-18)\n  Driver version:  4.48.0\n  Configuration:   {LVM_CONFIGURE}\n"
        ),
        _ => return None,
    };
    Some(Output { text, ..Output::default() })
}
