//! Loop devices (`losetup`): the listings whose real output names the
//! capturing machine's own loop device (so tests/fixtures/files/losetup.case
//! filters them by file or device), and a filesystem made in an image file
//! through a loop device. Expected texts are util-linux 2.38.1's, as printed
//! on this machine for the same steps.

use crate::golden::check;

/// Three devices over one file: sysfs lists them in kernfs hash order
/// (loop1, loop2, loop0), and `-D` detaches them all.
#[test]
fn unfiltered_listings_follow_sysfs_order() {
    check(
        Some("sdb=1G"),
        "truncate -s 64M /root/a.raw\nlosetup\nlosetup -f --show /root/a.raw\nlosetup -f --show /root/a.raw\nlosetup -r -f --show /root/a.raw\nlosetup -a\nlosetup\nlosetup -l -n --raw\nlosetup -D\nlosetup -a\nlosetup -f\n",
        "/dev/loop0\n/dev/loop1\n/dev/loop2\n\
/dev/loop1: [0031]:34 (/root/a.raw)\n/dev/loop2: [0031]:34 (/root/a.raw)\n/dev/loop0: [0031]:34 (/root/a.raw)\n\
NAME       SIZELIMIT OFFSET AUTOCLEAR RO BACK-FILE   DIO LOG-SEC\n\
/dev/loop1         0      0         0  0 /root/a.raw   0     512\n\
/dev/loop2         0      0         0  1 /root/a.raw   0     512\n\
/dev/loop0         0      0         0  0 /root/a.raw   0     512\n\
/dev/loop1 0 0 0 0 /root/a.raw 0 512\n/dev/loop2 0 0 0 1 /root/a.raw 0 512\n/dev/loop0 0 0 0 0 /root/a.raw 0 512\n\
/dev/loop0\n",
    );
}

/// A partitioned, formatted and mounted image keeps what was written in it
/// through a detach (which waits for the umount) and a second setup.
#[test]
fn a_filesystem_in_an_image_file_survives_detach_and_setup() {
    check(
        None,
        "qemu-img create -q -f raw /var/lib/vz/images/d.raw 1G
losetup -fP --show /var/lib/vz/images/d.raw
printf 'label: gpt\\n,\\n' | sfdisk /dev/loop0 > /dev/null
lsblk -o NAME,SIZE,TYPE /dev/loop0
mkfs.ext4 -q /dev/loop0p1
mkdir /mnt/img
mount /dev/loop0p1 /mnt/img
echo written inside the image > /mnt/img/note.txt
losetup -d /dev/loop0
losetup -l -O NAME,AUTOCLEAR
umount /mnt/img
lsblk /dev/loop0
losetup -a
losetup -fP /var/lib/vz/images/d.raw
mount /dev/loop0p1 /mnt/img
cat /mnt/img/note.txt
hexdump -C -s 512 -n 16 /var/lib/vz/images/d.raw
",
        "/dev/loop0
NAME       SIZE TYPE
loop0        1G loop
└─loop0p1 1022M part
NAME       AUTOCLEAR
/dev/loop0         1
lsblk: /dev/loop0: not a block device
written inside the image
00000200  45 46 49 20 50 41 52 54  00 00 01 00 5c 00 00 00  |EFI PART....\\...|
00000210
",
    );
}

/// A qcow2 file on a loop device is the qcow2 format's bytes, not the
/// guest's disk: no partition table, the header's magic at offset 0, and the
/// device keeps its size when the file grows.
#[test]
fn a_qcow2_file_on_a_loop_device_shows_its_own_bytes() {
    check(
        None,
        "qemu-img create -q -f qcow2 /var/lib/vz/images/q.qcow2 1G
losetup -f --show /var/lib/vz/images/q.qcow2
fdisk -l /dev/loop0
hexdump -C -n 16 /dev/loop0
qemu-io -c 'write -P 0xab 0 64k' /var/lib/vz/images/q.qcow2
stat -c %s /var/lib/vz/images/q.qcow2
lsblk -b -o NAME,SIZE /dev/loop0
",
        "losetup: /var/lib/vz/images/q.qcow2: Warning: file does not fit into a 512-byte sector; the end of the file will be ignored.
/dev/loop0
Disk /dev/loop0: 192 KiB, 196608 bytes, 384 sectors
Units: sectors of 1 * 512 = 512 bytes
Sector size (logical/physical): 512 bytes / 512 bytes
I/O size (minimum/optimal): 512 bytes / 512 bytes
00000000  51 46 49 fb 00 00 00 03  00 00 00 00 00 00 00 00  |QFI.............|
00000010
wrote 65536/65536 bytes at offset 0
64 KiB, 1 ops; 00.00 sec (704.702 MiB/sec and 11275.2283 ops/sec)
393216
NAME    SIZE
loop0 196608
",
    );
}

/// Writes to a read-only device fail as they do on Linux (EPERM).
#[test]
fn read_only_devices_refuse_writes() {
    check(
        Some("sdb=1G"),
        "truncate -s 64M /root/a.raw\nlosetup -r -f --show /root/a.raw\nmkfs.ext4 -q /dev/loop0\ndd if=/dev/zero of=/dev/loop0 bs=4k count=1 status=none\ndd if=/dev/zero of=/dev/loop0 count=1 status=none\nls -s /root/a.raw\n",
        "/dev/loop0\n/dev/loop0: Operation not permitted while setting up superblock\n\
dd: error writing '/dev/loop0': Operation not permitted\ndd: writing to '/dev/loop0': Operation not permitted\n0 /root/a.raw\n",
    );
}

/// `losetup -c` with an unchanged file is silent; the lab says when it would
/// have to resize.
#[test]
fn set_capacity() {
    check(
        Some("sdb=1G"),
        "truncate -s 64M /root/a.raw\nlosetup -f /root/a.raw\nlosetup -c /dev/loop0\ntruncate -s 128M /root/a.raw\nlosetup -c /dev/loop0\nlosetup -c /dev/loop3\n",
        "losetup: /dev/loop0: set capacity failed: the lab cannot resize a loop device: detach it (losetup -d) and set it up again\n\
losetup: /dev/loop3: set capacity failed: No such device or address\n",
    );
}

/// `-U` (`--force-share`) reads an image another process holds, as Proxmox
/// users do with a running VM's disk: `info`, `check`, `map`, `measure`,
/// `compare`, `convert` and `snapshot -l` take it; `resize` does not, and
/// a write with it is refused (the texts of qemu-img 10.0.2 beside a
/// `qemu-io` holding the image's lock).
#[test]
fn force_share_reads_an_image_that_qemu_nbd_holds() {
    check(
        Some("sdb=1G"),
        "qemu-img create -q -f qcow2 /root/g.qcow2 1G
modprobe nbd
qemu-nbd -c /dev/nbd0 /root/g.qcow2
qemu-img map /root/g.qcow2
qemu-img map -U /root/g.qcow2
qemu-img check --force-share /root/g.qcow2
qemu-img snapshot -l -U /root/g.qcow2
qemu-img compare -U /root/g.qcow2 /root/g.qcow2
qemu-img convert -U -O raw /root/g.qcow2 /root/g.raw
qemu-img measure -U -O qcow2 /root/g.qcow2
qemu-img resize -U /root/g.qcow2 2G
qemu-img snapshot -c s1 -U /root/g.qcow2
qemu-img check -U -r all /root/g.qcow2
",
        "qemu-img: Could not open '/root/g.qcow2': Failed to get shared \"write\" lock
Is another process using the image [/root/g.qcow2]?
Offset          Length          Mapped to       File
No errors were found on the image.
Image end offset: 262144
Images are identical.
required size: 393216
fully allocated size: 1074135040
bitmaps size: 0
qemu-img resize: invalid option -- 'U'
Try 'qemu-img resize --help' for more info
qemu-img: Could not open '/root/g.qcow2': force-share=on can only be used with read-only images
qemu-img: Could not open '/root/g.qcow2': force-share=on can only be used with read-only images
",
    );
}

/// qemu-nbd: the module first, then a qcow2 image's guest disk as /dev/nbdN
/// (major 43, 32 minors each with the module's default max_part=16); while
/// it is served, qemu-img and qemu-io get QEMU's lock errors (the texts of
/// qemu-img 10.0.2 against a real `qemu-nbd -k` holding the image).
#[test]
fn qemu_nbd_serves_a_qcow2_guest_disk_and_holds_its_lock() {
    check(
        Some("sdb=1G"),
        "qemu-img create -q -f qcow2 /root/g.qcow2 2G
qemu-nbd -c /dev/nbd0 /root/g.qcow2
qemu-nbd -d /dev/nbd0
modprobe nbd
qemu-nbd -c /dev/nbd1 /root/g.qcow2
lsblk -o NAME,MAJ:MIN,SIZE /dev/nbd1
qemu-nbd -c /dev/nbd2 /root/g.qcow2
qemu-img info /root/g.qcow2
qemu-img resize /root/g.qcow2 3G
qemu-img snapshot -c s1 /root/g.qcow2
qemu-img snapshot -l /root/g.qcow2
qemu-io -c 'read 0 4k' /root/g.qcow2
qemu-nbd -c /dev/nbd1 /root/g.qcow2
qemu-nbd -c /dev/nbd16 /root/g.qcow2
qemu-nbd -c /dev/nbd3 /root/missing.qcow2
qemu-nbd -c /dev/nbd3
modprobe -r nbd
qemu-nbd -d /dev/nbd1
qemu-img info /root/g.qcow2 | head -2
modprobe -r nbd
qemu-nbd -d /dev/nbd1
",
        "qemu-nbd: Failed to open /dev/nbd0: No such file or directory
qemu-nbd: Cannot open /dev/nbd0: No such file or directory
NAME MAJ:MIN SIZE
nbd1  43:32    2G
qemu-nbd: Failed to blk_new_open '/root/g.qcow2': Failed to get \"write\" lock
Is another process using the image [/root/g.qcow2]?
qemu-img: Could not open '/root/g.qcow2': Failed to get shared \"write\" lock
Is another process using the image [/root/g.qcow2]?
qemu-img: Could not open '/root/g.qcow2': Failed to get \"write\" lock
Is another process using the image [/root/g.qcow2]?
qemu-img: Could not open '/root/g.qcow2': Failed to get \"write\" lock
Is another process using the image [/root/g.qcow2]?
qemu-img: Could not open '/root/g.qcow2': Failed to get shared \"write\" lock
Is another process using the image [/root/g.qcow2]?
qemu-io: can't open device /root/g.qcow2: Failed to get \"write\" lock
Is another process using the image [/root/g.qcow2]?
qemu-nbd: Failed to set NBD socket
qemu-nbd: Failed to open /dev/nbd16: No such file or directory
qemu-nbd: Failed to blk_new_open '/root/missing.qcow2': Could not open '/root/missing.qcow2': No such file or directory
qemu-nbd: Invalid number of arguments
Try `qemu-nbd --help' for more information.
modprobe: FATAL: Module nbd is in use.
/dev/nbd1 disconnected
image: /root/g.qcow2
file format: qcow2
qemu-nbd: Cannot open /dev/nbd1: No such file or directory
",
    );
}

/// The partition table, filesystem and files written through /dev/nbd0 land
/// in the image's guest clusters (QEMU's allocation order: the GPT's first
/// cluster, its backup at the end, then the filesystem), and come back on
/// the next connect. tests/native/qcow2_real.rs checks such an image with
/// the real qemu-img.
#[test]
fn a_guest_disk_partitioned_through_qemu_nbd_lands_in_the_guest_clusters() {
    check(
        None,
        "mkdir -p /var/lib/vz/images/100
qemu-img create -q -f qcow2 /var/lib/vz/images/100/vm-100-disk-1.qcow2 4G
modprobe nbd max_part=8
qemu-nbd --connect=/dev/nbd0 /var/lib/vz/images/100/vm-100-disk-1.qcow2
printf 'label: gpt\\n,1G\\n,\\n' | sfdisk /dev/nbd0 > /dev/null
lsblk /dev/nbd0
mkfs.ext4 -q /dev/nbd0p1
mkdir -p /mnt/guest
mount /dev/nbd0p1 /mnt/guest
echo hello from the guest > /mnt/guest/hello.txt
qemu-nbd -d /dev/nbd0
umount /mnt/guest
qemu-nbd -d /dev/nbd0
qemu-img check /var/lib/vz/images/100/vm-100-disk-1.qcow2
qemu-img map /var/lib/vz/images/100/vm-100-disk-1.qcow2
qemu-nbd -c /dev/nbd1 /var/lib/vz/images/100/vm-100-disk-1.qcow2
lsblk -o NAME,MAJ:MIN,SIZE,TYPE /dev/nbd1
mount /dev/nbd1p1 /mnt/guest
cat /mnt/guest/hello.txt
",
        "NAME     MAJ:MIN RM SIZE RO TYPE MOUNTPOINTS
nbd0      43:0    0   4G  0 disk 
├─nbd0p1  43:1    0   1G  0 part 
└─nbd0p2  43:2    0   3G  0 part 
qemu-nbd: /dev/nbd0 is in use (mounted, or held by another device); the lab does not pull a disk from under its users: unmount it first
/dev/nbd0 disconnected
No errors were found on the image.
4/65536 = 0.01% allocated, 25.00% fragmented, 0.00% compressed clusters
Image end offset: 655360
Offset          Length          Mapped to       File
0               0x10000         0x50000         /var/lib/vz/images/100/vm-100-disk-1.qcow2
0x100000        0x10000         0x80000         /var/lib/vz/images/100/vm-100-disk-1.qcow2
0x1190000       0x10000         0x90000         /var/lib/vz/images/100/vm-100-disk-1.qcow2
0xffff0000      0x10000         0x70000         /var/lib/vz/images/100/vm-100-disk-1.qcow2
NAME     MAJ:MIN SIZE TYPE
nbd1      43:16    4G disk
├─nbd1p1  43:17    1G part
└─nbd1p2  43:18    3G part
hello from the guest
",
    );
}

/// Options that are not ASCII get the tools' errors, not a panic.
#[test]
fn non_ascii_options_get_errors() {
    check(
        Some("sdb=1G"),
        "losetup -é\nqemu-nbd -é\nmodprobe nbd\nqemu-nbd -é /dev/nbd0\n",
        "losetup: invalid option -- 'é'\nTry 'losetup --help' for more information.\n\
qemu-nbd: invalid option -- 'é'\nqemu-nbd: Try `qemu-nbd --help' for more information.\n\
qemu-nbd: invalid option -- 'é'\nqemu-nbd: Try `qemu-nbd --help' for more information.\n",
    );
}

/// A linked clone is served through its backing chain; its backing file may
/// be read but not written meanwhile, and a missing one gets QEMU's error
/// (each text as the real qemu-nbd 10.0.2 and qemu-img print them against a
/// real `qemu-nbd -k` serving the clone).
#[test]
#[cfg(feature = "qcow2-backing")]
fn qemu_nbd_serves_a_linked_clone_and_keeps_writers_off_its_base() {
    check(
        Some("sdb=1G"),
        "cd /root
qemu-img create -q -f qcow2 base.qcow2 64M
qemu-io -c 'write -P 0x5a 1M 64k' base.qcow2 > /dev/null
qemu-img create -q -f qcow2 -b base.qcow2 -F qcow2 c.qcow2
mv base.qcow2 b2.qcow2
modprobe nbd max_part=8
qemu-nbd -c /dev/nbd0 c.qcow2
mv b2.qcow2 base.qcow2
qemu-nbd -c /dev/nbd0 c.qcow2
hexdump -C -s 1M -n 16 /dev/nbd0
qemu-img resize base.qcow2 128M
qemu-io -c 'write 0 4k' base.qcow2
qemu-img info base.qcow2 | head -2
qemu-img snapshot -c s base.qcow2
qemu-nbd -c /dev/nbd1 base.qcow2
qemu-nbd -d /dev/nbd0
qemu-img resize base.qcow2 128M
",
        "qemu-nbd: Failed to blk_new_open 'c.qcow2': Could not open backing file: Could not open 'base.qcow2': No such file or directory
00100000  5a 5a 5a 5a 5a 5a 5a 5a  5a 5a 5a 5a 5a 5a 5a 5a  |ZZZZZZZZZZZZZZZZ|
00100010
qemu-img: Could not open 'base.qcow2': Failed to get \"write\" lock
Is another process using the image [base.qcow2]?
qemu-io: can't open device base.qcow2: Failed to get \"write\" lock
Is another process using the image [base.qcow2]?
image: base.qcow2
file format: qcow2
qemu-img: Could not open 'base.qcow2': Failed to get \"write\" lock
Is another process using the image [base.qcow2]?
qemu-nbd: Failed to blk_new_open 'base.qcow2': Failed to get \"write\" lock
Is another process using the image [base.qcow2]?
/dev/nbd0 disconnected
Image resized.
",
    );
}

#[test]
fn qemu_nbd_reads_its_options_as_getopt_long_does() {
    check(
        None,
        r#"qemu-img create -f qcow2 /var/lib/vz/images/a.qcow2 1G >/dev/null
modprobe nbd max_part=8
qemu-nbd --connect
qemu-nbd --conn
qemu-nbd --frob x
qemu-nbd -x
qemu-nbd --d
qemu-nbd -r -c /dev/nbd0 /var/lib/vz/images/a.qcow2
qemu-nbd --connect /dev/nbd0 --format qcow2 /var/lib/vz/images/a.qcow2
lsblk -d -o NAME,SIZE /dev/nbd0
qemu-nbd --disc /dev/nbd0
qemu-nbd -c/dev/nbd1 -fqcow2 /var/lib/vz/images/a.qcow2
qemu-nbd -d /dev/nbd1
qemu-nbd -fraw a b
"#,
        r#"qemu-nbd: option '--connect' requires an argument
qemu-nbd: Try `qemu-nbd --help' for more information.
qemu-nbd: option '--connect' requires an argument
qemu-nbd: Try `qemu-nbd --help' for more information.
qemu-nbd: unrecognized option '--frob'
qemu-nbd: Try `qemu-nbd --help' for more information.
qemu-nbd: option requires an argument -- 'x'
qemu-nbd: Try `qemu-nbd --help' for more information.
qemu-nbd: option '--d' is ambiguous; possibilities: '--disconnect' '--discard' '--detect-zeroes' '--description'
qemu-nbd: Try `qemu-nbd --help' for more information.
qemu-nbd: the lab models --connect, --disconnect and --format only
NAME SIZE
nbd0   1G
qemu-nbd: option '--disc' is ambiguous; possibilities: '--disconnect' '--discard'
qemu-nbd: Try `qemu-nbd --help' for more information.
qemu-nbd: Failed to blk_new_open '/var/lib/vz/images/a.qcow2': Failed to get "write" lock
Is another process using the image [/var/lib/vz/images/a.qcow2]?
/dev/nbd1 disconnected
qemu-nbd: Invalid number of arguments
Try `qemu-nbd --help' for more information.
"#,
    );
}
