//! Golden scripts for `zpool`, `zfs` and `zinject`, through golden.rs' `check`.
//!
//! Layouts follow OpenZFS 2.2's sources (`cmd/zpool/zpool_main.c`,
//! `cmd/zfs/zfs_main.c`, libzfs): the status config with its
//! `max(10, name + depth)` NAME column, `zfs_nicenum` sizes, list columns
//! of five characters for numbers (values as wide with `-p`), and ZFS's own
//! error texts. A mirror of two 1 GiB disks is 960M, as real OpenZFS sizes it.

use super::golden::check;

const DISKS: Option<&str> = Some("sdb=1G,sdc=1G,sdd=1G");

#[test]
fn a_mirror_pool_is_created_listed_and_destroyed() {
    check(
        DISKS,
        "zpool create tank mirror sdb sdc\nzpool status\nzpool list\nzpool list -H -p\nzpool destroy tank\nzpool status\nzpool list\n",
        "  pool: tank
 state: ONLINE
config:

\tNAME        STATE     READ WRITE CKSUM
\ttank        ONLINE       0     0     0
\t  mirror-0  ONLINE       0     0     0
\t    sdb     ONLINE       0     0     0
\t    sdc     ONLINE       0     0     0

errors: No known data errors
NAME   SIZE  ALLOC   FREE  CKPOINT  EXPANDSZ   FRAG    CAP  DEDUP    HEALTH  ALTROOT
tank   960M    27K   960M        -         -     0%     0%  1.00x    ONLINE  -
tank\t1006632960\t27648\t1006605312\t-\t-\t0\t0\t1.00\tONLINE\t-
no pools available
no pools available
",
    );
}

/// `make_leaf_vdev`'s ashift check and `zpool_do_create`'s -o errors
/// (zpool_vdev.c, zpool_main.c in OpenZFS 2.2), and `is_device_in_use`
/// for a pool's own partition, whose header follows -f.
#[test]
fn zpool_create_checks_options_and_devices_in_use() {
    check(
        DISKS,
        "zpool create -o ashift=4096 t sdb\necho $?\nzpool create -o ashift=4K t sdb\nzpool create -o ashift=abc t sdb\n\
         zpool create -o ashift t sdb\necho $?\nzpool create -o bogus=1 t sdb\necho $?\nzpool create -o ashift=12 tank mirror sdb sdc\n\
         zpool create t2 sdb1\nzpool create -f t2 sdb1 sdc1\necho $?\nzpool get -H -o value ashift tank\n",
        "invalid 'ashift=4096' property: only values between 9 and 16 are allowed.
1
invalid 'ashift=4096' property: only values between 9 and 16 are allowed.
ashift must be a number.
missing '=' for -o option
1
property 'bogus' is not a valid pool or vdev property
1
invalid vdev specification
use '-f' to override the following errors:
/dev/sdb1 is part of active pool 'tank'
invalid vdev specification
the following errors must be manually repaired:
/dev/sdb1 is part of active pool 'tank'
/dev/sdc1 is part of active pool 'tank'
1
12
",
    );
}

/// libzfs keeps pools in an AVL tree by name (`zpool_compare`), so every
/// command that walks them lists them in name order.
#[test]
fn zpool_commands_list_pools_in_name_order() {
    check(
        DISKS,
        "zpool create tank sdb\nzpool create backup sdc\nzpool list -H -o name\nzpool status | grep pool:\n\
         zpool get -H -o name health tank nope backup tank\n",
        "backup
tank
  pool: backup
  pool: tank
cannot open 'nope': no such pool
backup
tank
",
    );
}

#[test]
fn zpool_create_refuses_as_openzfs_does() {
    check(
        DISKS,
        "zpool create\nzpool create tank\nzpool create 1tank sdb\nzpool create mirror sdb\nzpool create tank sdz\n\
         zpool create tank mirror sdb\nmkfs.ext4 -q /dev/sdd\nzpool create tank sdd\nzpool create tank sdb\nzpool create tank2 sdb\n\
         zpool offline tank sdq\nzinject -d sdb -e checksum tank\n",
        "missing pool name argument
usage:
\tcreate [-fnd] [-o property=value] ... 
\t    [-O file-system-property=value] ... 
\t    [-m mountpoint] [-R root] <pool> <vdev> ...
missing vdev specification
usage:
\tcreate [-fnd] [-o property=value] ... 
\t    [-O file-system-property=value] ... 
\t    [-m mountpoint] [-R root] <pool> <vdev> ...
cannot create '1tank': name must begin with a letter
cannot create 'mirror': name is reserved
cannot open 'sdz': no such device in /dev
must be a full path or shorthand device name
invalid vdev specification: mirror requires at least 2 devices
invalid vdev specification
use '-f' to override the following errors:
/dev/sdd contains a filesystem of type 'ext4'
/dev/sdb is in use and contains a unknown filesystem.
cannot offline sdq: no such device in pool
device error type must be 'io', 'nxio' or 'corrupt'
",
    );
}

#[test]
fn datasets_snapshots_and_rollback_keep_file_contents() {
    check(
        DISKS,
        "zpool create tank sdb\nzfs create tank/data\necho one > /tank/data/a.txt\nzfs snapshot tank/data@s1\n\
         echo two > /tank/data/a.txt\nzfs snapshot tank/data@s2\nzfs rollback tank/data@s1\nzfs rollback -r tank/data@s1\n\
         cat /tank/data/a.txt\nzfs list -t snapshot -o name,creation\nzfs destroy tank/data\nzfs destroy tank\n\
         zfs destroy -r tank/data\nzfs list -H -o name,mountpoint\n",
        "cannot rollback to 'tank/data@s1': more recent snapshots or bookmarks exist
use '-r' to force deletion of the following snapshots and bookmarks:
tank/data@s2
one
NAME          CREATION
tank/data@s1  Wed Nov 25  9:00 2026
cannot destroy 'tank/data': filesystem has children
use '-r' to destroy the following datasets:
tank/data@s1
cannot destroy 'tank': operation does not apply to pools
use 'zfs destroy -r tank' to destroy all datasets in the pool
use 'zpool destroy tank' to destroy the pool itself
tank\t/tank
",
    );
}

#[test]
fn zfs_create_and_open_errors_are_libzfs_texts() {
    check(
        DISKS,
        "zpool create tank sdb\nzfs create tank\nzfs create nope/x\nzfs create tank/a/b\nzfs snapshot tank\n\
         zfs rollback tank\nzfs rollback tank@nope\nzfs destroy tank/nope\nzfs list tank/nope\n",
        "cannot create 'tank': missing dataset name
cannot create 'nope/x': no such pool 'nope'
cannot create 'tank/a/b': parent does not exist
usage:
\tsnapshot [-r] [-o property=value] ... <filesystem|volume>@<snap> ...

For the property list, run: zfs set|get

For the delegated permission list, run: zfs allow|unallow

For further help on a command or topic, run: zfs help [<topic>]
cannot open 'tank': missing '@' delimiter in snapshot name
cannot open 'tank@nope': dataset does not exist
cannot open 'tank/nope': dataset does not exist
cannot open 'tank/nope': dataset does not exist
",
    );
}

#[test]
fn zfs_get_sources_and_widths() {
    // Datasets come sorted by name whatever the order given (zfs_for_each);
    // VALUE is as wide as the widest value of a flexible property (the
    // mountpoint here); SOURCE is the last column and never padded.
    check(
        DISKS,
        "zpool create tank sdb\nzfs create -o copies=2 tank/data\nzfs create tank/data/sub\n\
         zfs get copies,mountpoint,checksum tank/data/sub tank/data\nzfs get -H -p volsize,recordsize tank/data\n",
        "NAME           PROPERTY    VALUE           SOURCE
tank/data      copies      2               local
tank/data      mountpoint  /tank/data      default
tank/data      checksum    on              default
tank/data/sub  copies      2               inherited from tank/data
tank/data/sub  mountpoint  /tank/data/sub  default
tank/data/sub  checksum    on              default
tank/data\tvolsize\t-\t-
tank/data\trecordsize\t131072\tdefault
",
    );
}

/// `zfs_statvfs` (OpenZFS 2.2): blocks of the recordsize, the referenced
/// bytes rounded up to one, so df shows a fresh dataset using 128K. With
/// AVAIL 872390656 and REFER 24576: (131072 + 872390656) / 131072 = 6656
/// blocks, 6655 free; at recordsize=1M, 832 and 831. One file a 512 bytes
/// free (1703888).
#[test]
fn statfs_on_a_dataset_counts_in_records() {
    check(
        Some("sdb=1G"),
        "zpool create tank sdb\nzfs get -Hp -o value available,referenced tank\nstat -f -c '%T %t %l %s %S %b %f %a %c %d' /tank\nzfs set recordsize=1M tank\nstat -f -c '%s %b %f' /tank\ndf -B1 /tank\n",
        "872390656\n24576\nzfs 2fc12fc1 255 131072 131072 6656 6655 6655 1703888 1703888\n1048576 832 831\n\
Filesystem     1B-blocks    Used Available Use% Mounted on\ntank           872415232 1048576 871366656   1% /tank\n",
    );
}

#[test]
fn files_in_a_dataset_show_in_ls_and_df() {
    check(
        DISKS,
        "zpool create tank sdb\necho hello zfs > /tank/notes.txt\nls -l /tank\ndf -h /tank\ncat /tank/notes.txt\n",
        "total 1
-rw-r--r-- 1 root root 10 Nov 25 09:00 notes.txt
Filesystem      Size  Used Avail Use% Mounted on
tank            832M  128K  832M   1% /tank
hello zfs
",
    );
}

#[test]
fn rot_on_one_side_of_a_mirror_is_healed_and_on_both_is_lost() {
    // The scrub reads both copies of the file's one 512-byte block and
    // rewrites sdc's from sdb's; with both rotten the data is gone. (With
    // compression on, ZFS would keep so short a file in its block pointer.)
    check(
        DISKS,
        "zpool create -O compression=off tank mirror sdb sdc\necho important data > /tank/notes.txt\n\
         zinject -d sdc -e corrupt -T read -f 100 tank\nzpool scrub tank\nzpool status\nzpool clear tank\n\
         zinject -d sdc -e corrupt -T read -f 100 tank\nzinject -d sdb -e corrupt -T read -f 100 tank\n\
         cat /tank/notes.txt\nzpool status -v\n",
        "Added handler 1 with the following properties:
  pool: tank
  vdev: 6b9b079dfaa5727e
  pool: tank
 state: ONLINE
status: One or more devices has experienced an unrecoverable error.  An
\tattempt was made to correct the error.  Applications are unaffected.
action: Determine if the device needs to be replaced, and clear the errors
\tusing 'zpool clear' or replace the device with 'zpool replace'.
   see: https://openzfs.github.io/openzfs-docs/msg/ZFS-8000-9P
  scan: scrub repaired 512B in 00:00:00 with 0 errors on Wed Nov 25 09:00:04 2026
config:

\tNAME        STATE     READ WRITE CKSUM
\ttank        ONLINE       0     0     0
\t  mirror-0  ONLINE       0     0     0
\t    sdb     ONLINE       0     0     0
\t    sdc     ONLINE       0     0     1

errors: No known data errors
Added handler 2 with the following properties:
  pool: tank
  vdev: 6b9b079dfaa5727e
Added handler 3 with the following properties:
  pool: tank
  vdev: 66337cee03f525a
cat: /tank/notes.txt: Input/output error
  pool: tank
 state: ONLINE
status: One or more devices has experienced an error resulting in data
\tcorruption.  Applications may be affected.
action: Restore the file in question if possible.  Otherwise restore the
\tentire pool from backup.
   see: https://openzfs.github.io/openzfs-docs/msg/ZFS-8000-8A
  scan: scrub repaired 512B in 00:00:00 with 0 errors on Wed Nov 25 09:00:04 2026
config:

\tNAME        STATE     READ WRITE CKSUM
\ttank        ONLINE       0     0     1
\t  mirror-0  ONLINE       0     0     1
\t    sdb     ONLINE       0     0     1
\t    sdc     ONLINE       0     0     1

errors: Permanent errors have been detected in the following files:

        /tank/notes.txt
",
    );
}

#[test]
fn an_offline_device_degrades_the_mirror() {
    check(
        DISKS,
        "zpool create tank mirror sdb sdc\nzpool offline tank sdb\nzpool status -x\nzpool online tank sdb\nzpool status -x\n",
        "  pool: tank
 state: DEGRADED
status: One or more devices has been taken offline by the administrator.
\tSufficient replicas exist for the pool to continue functioning in a
\tdegraded state.
action: Online the device using 'zpool online' or replace the device with
\t'zpool replace'.
config:

\tNAME        STATE     READ WRITE CKSUM
\ttank        DEGRADED     0     0     0
\t  mirror-0  DEGRADED     0     0     0
\t    sdb     OFFLINE      0     0     0
\t    sdc     ONLINE       0     0     0

errors: No known data errors
all pools are healthy
",
    );
}

#[test]
fn a_volume_written_by_dd_diverges_from_its_snapshot() {
    // 64 MiB of zeros hash as coreutils hashes them (so does the 1 MiB read
    // after the overwrite with zeros); after a 1 MiB overwrite
    // the snapshot alone holds the old megabyte (USED 1.03M with its
    // indirect blocks) and the volume refers to 3 MiB less a little (with
    // compression on, blocks of zeros are holes), rollback brings the
    // random bytes back, and a read
    // past the end stops at the volume's 64 records as at a disk's end.
    check(
        DISKS,
        "zpool create tank mirror sdb sdc\nzfs create -V 64M tank/vol\nmd5sum /dev/zvol/tank/vol\n\
         dd if=/dev/urandom of=/dev/zvol/tank/vol bs=1M count=4 status=none\nzfs snapshot tank/vol@a\n\
         dd if=/dev/zvol/tank/vol bs=1M count=1 status=none | md5sum\n\
         dd if=/dev/zero of=/dev/zvol/tank/vol bs=1M count=1 status=none\nzfs list -t all -o name,used,refer\n\
         dd if=/dev/zvol/tank/vol bs=1M count=1 status=none | md5sum\nzfs rollback tank/vol@a\n\
         dd if=/dev/zvol/tank/vol bs=1M count=1 status=none | md5sum\ndd if=/dev/zvol/tank/vol bs=1M count=65 of=/dev/null\n",
        "7f614da9329cd3aebf59b91aadc30bf0  /dev/zvol/tank/vol
05e41b0e7076b30905a99da39c7365c1  -
NAME         USED  REFER
tank        71.1M    24K
tank/vol    71.0M  3.03M
tank/vol@a  1.03M  4.03M
b6d81b360a5672d80c27430f39153e2c  -
05e41b0e7076b30905a99da39c7365c1  -
64+0 records in
64+0 records out
67108864 bytes (67 MB, 64 MiB) copied, 0.0447842 s, 1.5 GB/s
",
    );
}

#[test]
fn a_single_disk_overwritten_loses_its_metadata() {
    // dd over the first 300 MiB after the labels destroys every copy of the
    // pool's metadata: the read fails, and the error log names the MOS.
    // sdb counts the three bad copies (ditto blocks) read; the pool the one
    // block it could not read.
    check(
        DISKS,
        "zpool create tank sdb\ndd if=/dev/urandom of=/tank/f bs=128k count=1 status=none\n\
         dd if=/dev/zero of=/dev/sdb1 bs=1M seek=4 count=300 status=none\ncat /tank/f\nzpool status -v tank\n",
        "cat: /tank/f: Input/output error
  pool: tank
 state: ONLINE
status: One or more devices has experienced an error resulting in data
\tcorruption.  Applications may be affected.
action: Restore the file in question if possible.  Otherwise restore the
\tentire pool from backup.
   see: https://openzfs.github.io/openzfs-docs/msg/ZFS-8000-8A
config:

\tNAME        STATE     READ WRITE CKSUM
\ttank        ONLINE       0     0     1
\t  sdb       ONLINE       0     0     3

errors: Permanent errors have been detected in the following files:

        <metadata>:<0x0>
",
    );
}

#[test]
fn history_records_each_change_and_each_change_is_one_txg() {
    // zpool history prints "%F.%T command" per change and a blank line;
    // `zdb -u` shows the txg rise by one for the `echo >` between its calls
    // (create and write in one txg). VALUE is eight wide: health's fixed
    // width (zprop_width).
    check(
        DISKS,
        "zpool create -o ashift=12 tank mirror sdb sdc\nzfs create tank/data\nzfs snapshot tank/data@one\nzpool scrub tank\n\
         zpool list tank\nzpool history tank\nzpool get size,capacity,health,ashift tank\nzpool get -H -p readonly,ashift tank\n\
         zdb -u tank\necho hi > /tank/data/x\nzdb -u tank\nzpool sync tank\nzpool wait -t scrub tank\nzpool wait -t bogus tank\n",
        "NAME   SIZE  ALLOC   FREE  CKPOINT  EXPANDSZ   FRAG    CAP  DEDUP    HEALTH  ALTROOT
tank   960M   248K   960M        -         -     0%     0%  1.00x    ONLINE  -
History for 'tank':
2026-11-25.09:00:01 zpool create -o ashift=12 tank mirror sdb sdc
2026-11-25.09:00:02 zfs create tank/data
2026-11-25.09:00:03 zfs snapshot tank/data@one
2026-11-25.09:00:04 zpool scrub tank

NAME  PROPERTY  VALUE     SOURCE
tank  size      960M      -
tank  capacity  0%        -
tank  health    ONLINE    -
tank  ashift    12        local
tank\treadonly\toff\t-
tank\tashift\t12\tlocal

Uberblock:
\tmagic = 0000000000bab10c
\tversion = 5000
\ttxg = 7
\tguid_sum = 15782007588499492525
\ttimestamp = 1795597203 UTC = Wed Nov 25 09:00:03 2026
\tmmp_magic = 00000000a11cea11
\tmmp_delay = 0
\tmmp_valid = 0
\tcheckpoint_txg = 0


Uberblock:
\tmagic = 0000000000bab10c
\tversion = 5000
\ttxg = 8
\tguid_sum = 15782007588499492525
\ttimestamp = 1795597210 UTC = Wed Nov 25 09:00:10 2026
\tmmp_magic = 00000000a11cea11
\tmmp_delay = 0
\tmmp_valid = 0
\tcheckpoint_txg = 0

invalid activity 'bogus'
usage:
\twait [-Hp] [-T d|u] [-t <activity>[,...]] <pool> [interval]
",
    );
}

#[test]
fn a_scrub_finds_described_data_overwritten_on_one_side() {
    // Random data is checked through the checksum memo while it is intact
    // (the first scrub repairs nothing); the zeroed range on sdc no longer
    // matches, so those 64 data blocks (and 16 of metadata) are read,
    // counted and rewritten from sdb, and the file reads the same.
    check(
        DISKS,
        "zpool create tank mirror sdb sdc\ndd if=/dev/urandom of=/tank/big bs=1M count=8 status=none\nmd5sum /tank/big\n\
         zpool scrub tank\nzpool status -x\ndd if=/dev/zero of=/dev/sdc1 bs=1M seek=4 count=200 status=none\n\
         zpool scrub tank\nzpool status tank\nmd5sum /tank/big\n",
        "c3725501f5b064992dccd35b2b8d7cf0  /tank/big
all pools are healthy
  pool: tank
 state: ONLINE
status: One or more devices has experienced an unrecoverable error.  An
\tattempt was made to correct the error.  Applications are unaffected.
action: Determine if the device needs to be replaced, and clear the errors
\tusing 'zpool clear' or replace the device with 'zpool replace'.
   see: https://openzfs.github.io/openzfs-docs/msg/ZFS-8000-9P
  scan: scrub repaired 8.03M in 00:00:00 with 0 errors on Wed Nov 25 09:00:07 2026
config:

\tNAME        STATE     READ WRITE CKSUM
\ttank        ONLINE       0     0     0
\t  mirror-0  ONLINE       0     0     0
\t    sdb     ONLINE       0     0     0
\t    sdc     ONLINE       0     0    96

errors: No known data errors
c3725501f5b064992dccd35b2b8d7cf0  /tank/big
",
    );
}

#[test]
fn send_and_receive_copy_a_snapshot_and_then_only_its_changes() {
    // The full stream makes backup/data@s1 with the same files; the
    // incremental one brings a.txt's new bytes, c.txt, and b.txt's removal.
    // The refusals are libzfs' texts.
    check(
        DISKS,
        "zpool create tank sdb\nzpool create backup sdc\nzfs create tank/data\necho one > /tank/data/a.txt\nmkdir /tank/data/d\n\
         echo deep > /tank/data/d/b.txt\nzfs snapshot tank/data@s1\nzfs send tank/data@s1 | zfs recv backup/data\n\
         cat /backup/data/d/b.txt\necho two > /tank/data/a.txt\nrm /tank/data/d/b.txt\necho new > /tank/data/c.txt\n\
         zfs snapshot tank/data@s2\nzfs send -i @s1 tank/data@s2 | zfs recv backup/data\nls -R /backup/data\ncat /backup/data/a.txt\n\
         zfs list -t snapshot -o name -r backup\nzfs send tank/data@s2 | zfs recv backup/data\n\
         zfs send -i @s1 tank/data@s2 | zfs recv backup/other\necho x > /backup/data/x\nzfs snapshot tank/data@s3\n\
         zfs send -i @s2 tank/data@s3 | zfs recv backup/data\nzfs send -i @s2 tank/data@s3 | zfs recv -F backup/data\n\
         ls /backup/data\necho junk | zfs recv backup/j\nzfs recv backup/j\nzfs send -i @nope tank/data@s3 | zfs recv backup/data\n",
        "deep
/backup/data:
a.txt
c.txt
d

/backup/data/d:
two
NAME
backup/data@s1
backup/data@s2
cannot receive new filesystem stream: destination 'backup/data' exists
must specify -F to overwrite it
cannot receive incremental stream: destination 'backup/other' does not exist
cannot receive incremental stream: destination backup/data has been modified
since most recent snapshot
a.txt
c.txt
d
cannot receive: failed to read from stream
Error: Backup stream can not be read from a terminal.
You must redirect standard input.
cannot open 'tank/data@nope': dataset does not exist
cannot receive: failed to read from stream
",
    );
}

#[test]
fn a_received_volume_has_the_same_bytes() {
    check(
        DISKS,
        "zpool create tank sdb\nzpool create backup sdc\nzfs create -V 16M tank/vol\n\
         dd if=/dev/urandom of=/dev/zvol/tank/vol bs=64k count=3 status=none\nzfs snapshot tank/vol@v1\n\
         zfs send tank/vol@v1 | zfs recv backup/vol\nmd5sum /dev/zvol/tank/vol /dev/zvol/backup/vol\nzfs list -H -o name -t all -r backup\n",
        "c066e5747ce06d5222859d507b206c4f  /dev/zvol/tank/vol
c066e5747ce06d5222859d507b206c4f  /dev/zvol/backup/vol
backup
backup/vol
backup/vol@v1
",
    );
}


#[test]
fn copies_2_heals_a_single_disk_from_its_second_copy() {
    // Ditto copies go to different metaslabs, so 8 MiB of zeros hit only
    // the first copy of each block: the scrub rewrites them (CKSUM counts
    // the bad copies on sdb) and the file is unchanged.
    check(
        Some("sdb=1G"),
        "zpool create tank sdb\nzfs create -o copies=2 tank/safe\ndd if=/dev/urandom of=/tank/safe/f bs=128k count=8 status=none\n\
         md5sum /tank/safe/f\ndd if=/dev/zero of=/dev/sdb1 bs=1M seek=4 count=8 status=none\nzpool scrub tank\nzpool status -v tank\n\
         md5sum /tank/safe/f\n",
        "b973bd05b3c5ba1b5094fc12cf85fff4  /tank/safe/f
  pool: tank
 state: ONLINE
status: One or more devices has experienced an unrecoverable error.  An
\tattempt was made to correct the error.  Applications are unaffected.
action: Determine if the device needs to be replaced, and clear the errors
\tusing 'zpool clear' or replace the device with 'zpool replace'.
   see: https://openzfs.github.io/openzfs-docs/msg/ZFS-8000-9P
  scan: scrub repaired 1.03M in 00:00:00 with 0 errors on Wed Nov 25 09:00:06 2026
config:

\tNAME        STATE     READ WRITE CKSUM
\ttank        ONLINE       0     0     0
\t  sdb       ONLINE       0     0    36

errors: No known data errors
b973bd05b3c5ba1b5094fc12cf85fff4  /tank/safe/f
",
    );
}

#[test]
fn dd_without_a_count_into_a_big_pool_is_refused() {
    // The fuzzer's find: dd from /dev/zero with no count into a 500G pool
    // made 480 GB of 128K blocks in one txg (6.7 GB of memory).
    check(
        None,
        "zpool create t2 sdc\ndd if=/dev/zero of=/t2/fs\nls /t2\n",
        "dd: the lab writes at most 16 GiB into ZFS in one command; use count=
0+0 records in
0+0 records out
0 bytes copied, 4.5e-05 s, 0.0 kB/s
fs
",
    );
}

#[test]
fn attach_makes_a_mirror_and_the_scan_line_reports_the_resilver() {
    check(
        Some("sdb=1G,sdc=1G"),
        "zpool create tank sdb\necho data > /tank/f\nzpool attach tank sdb sdc\nzpool status\nzpool detach tank sdc\n\
         zpool status -x\nzpool detach tank sdb\nzfs create -p tank/a/b/c\nzfs create -p tank/a/b/c\nzfs list -H -o name\n",
        "  pool: tank
 state: ONLINE
  scan: resilvered 27K in 00:00:00 with 0 errors on Wed Nov 25 09:00:03 2026
config:

\tNAME        STATE     READ WRITE CKSUM
\ttank        ONLINE       0     0     0
\t  mirror-0  ONLINE       0     0     0
\t    sdb     ONLINE       0     0     0
\t    sdc     ONLINE       0     0     0

errors: No known data errors
all pools are healthy
cannot detach sdb: only applicable to mirror and replacing vdevs
tank
tank/a
tank/a/b
tank/a/b/c
",
    );
}

/// A resilver of gigabytes takes seconds, as a scrub does (1 GiB a
/// command here): meanwhile the new disk sits beside the old one in a
/// `replacing-0` vdev marked `(resilvering)`, the status and action are
/// ZPOOL_STATUS_RESILVERING's, and a scrub or its cancel is refused with
/// EZFS_RESILVERING. The old side goes when the resilver completes
/// (`print_scan_scrub_resilver_status`, `print_status_config`, `zpool_scan`).
#[test]
fn a_replace_resilvers_over_several_seconds_beside_the_old_disk() {
    check(
        Some("sdb=8G,sdc=8G,sdd=8G,sde=8G"),
        "zpool create tank mirror sdb sdc\nzfs create -V 5G tank/vol\ndd if=/dev/urandom of=/dev/zvol/tank/vol bs=1M count=4000 status=none\n\
         zpool list -H -o alloc tank\nzpool replace tank sdb sdd\nzpool status tank\nzpool scrub -s tank\nzpool scrub tank\n\
         zpool detach tank sdc\nzpool replace tank sdd sde\nzpool status tank\nzpool list -v tank\nzpool wait -t resilver tank\nzpool status tank\n",
        "3.93G
  pool: tank
 state: ONLINE
status: One or more devices is currently being resilvered.  The pool will
\tcontinue to function, possibly in a degraded state.
action: Wait for the resilver to complete.
  scan: resilver in progress since Wed Nov 25 09:00:05 2026
\t2.00G / 3.93G scanned at 1.00G/s, 2.00G / 3.93G issued at 1.00G/s
\t2.00G resilvered, 50.94% done, 00:00:01 to go
config:

\tNAME             STATE     READ WRITE CKSUM
\ttank             ONLINE       0     0     0
\t  mirror-0       ONLINE       0     0     0
\t    replacing-0  ONLINE       0     0     0
\t      sdb        ONLINE       0     0     0
\t      sdd        ONLINE       0     0     0  (resilvering)
\t    sdc          ONLINE       0     0     0

errors: No known data errors
cannot cancel scrubbing tank: currently resilvering
  pool: tank
 state: ONLINE
status: One or more devices is currently being resilvered.  The pool will
\tcontinue to function, possibly in a degraded state.
action: Wait for the resilver to complete.
  scan: resilver in progress since Wed Nov 25 09:00:10 2026
\t2.00G / 3.93G scanned at 1.00G/s, 2.00G / 3.93G issued at 1.00G/s
\t2.00G resilvered, 50.94% done, 00:00:01 to go
config:

\tNAME           STATE     READ WRITE CKSUM
\ttank           ONLINE       0     0     0
\t  replacing-0  ONLINE       0     0     0
\t    sdd        ONLINE       0     0     0
\t    sde        ONLINE       0     0     0  (resilvering)

errors: No known data errors
NAME            SIZE  ALLOC   FREE  CKPOINT  EXPANDSZ   FRAG    CAP  DEDUP    HEALTH  ALTROOT
tank           7.50G  3.93G  3.57G        -         -     0%    52%  1.00x    ONLINE  -
  replacing-0  7.50G  3.93G  3.57G        -         -     0%  52.3%      -    ONLINE
    sdd        7.99G      -      -        -         -      -      -      -    ONLINE
    sde        7.99G      -      -        -         -      -      -      -    ONLINE
  pool: tank
 state: ONLINE
  scan: resilvered 3.93G in 00:00:03 with 0 errors on Wed Nov 25 09:00:13 2026
config:

\tNAME        STATE     READ WRITE CKSUM
\ttank        ONLINE       0     0     0
\t  sde       ONLINE       0     0     0

errors: No known data errors
",
    );
}

/// A gigabyte of garbage over one side of a mirror: the scrub takes seconds,
/// marks the side `(repairing)` while it writes there, and heals every block
/// from the other side (the second scrub finds nothing).
#[test]
fn a_scrub_heals_a_gigabyte_of_rot_and_marks_the_side_repairing() {
    check(
        Some("sdb=8G,sdc=8G"),
        "zpool create tank mirror sdb sdc\nzfs create -V 3G tank/vol\ndd if=/dev/urandom of=/dev/zvol/tank/vol bs=1M count=2500 status=none\n\
         dd if=/dev/urandom of=/dev/sdb1 bs=1M seek=100 count=1000 conv=notrunc status=none\nzpool scrub tank\nzpool status tank\n\
         zpool wait tank\nzpool status -p tank | grep -E 'scan|sd'\nzpool clear tank\nzpool scrub -w tank\nzpool status tank | grep -E 'scan|sd'\n",
        "  pool: tank
 state: ONLINE
status: One or more devices has experienced an unrecoverable error.  An
\tattempt was made to correct the error.  Applications are unaffected.
action: Determine if the device needs to be replaced, and clear the errors
\tusing 'zpool clear' or replace the device with 'zpool replace'.
   see: https://openzfs.github.io/openzfs-docs/msg/ZFS-8000-9P
  scan: scrub in progress since Wed Nov 25 09:00:05 2026
\t2.00G / 2.45G scanned at 1.00G/s, 2.00G / 2.45G issued at 1.00G/s
\t634M repaired, 81.51% done, 00:00:00 to go
config:

\tNAME        STATE     READ WRITE CKSUM
\ttank        ONLINE       0     0     0
\t  mirror-0  ONLINE       0     0     0
\t    sdb     ONLINE       0     0 39.6K  (repairing)
\t    sdc     ONLINE       0     0     0

errors: No known data errors
  scan: scrub repaired 1000M in 00:00:02 with 0 errors on Wed Nov 25 09:00:07 2026
\t    sdb     ONLINE       0     0 64016
\t    sdc     ONLINE       0     0     0
  scan: scrub repaired 0B in 00:00:02 with 0 errors on Wed Nov 25 09:00:12 2026
\t    sdb     ONLINE       0     0     0
\t    sdc     ONLINE       0     0     0
",
    );
}

/// During a resilver the scan refuses a scrub, and a device offline
/// meanwhile keeps the pool degraded after it.
#[test]
fn a_scrub_waits_for_the_resilver_and_an_offline_side_misses_it() {
    check(
        Some("sdb=8G,sdc=8G,sdd=8G"),
        "zpool create tank mirror sdb sdc\nzfs create -V 5G tank/vol\ndd if=/dev/urandom of=/dev/zvol/tank/vol bs=1M count=4000 status=none\n\
         zpool attach tank sdc sdd\nzpool scrub tank\nzpool offline tank sdb\nzpool wait tank\nzpool status -x\nzpool online tank sdb\nzpool wait tank\nzpool status -x\n",
        "cannot scrub tank: currently resilvering
  pool: tank
 state: DEGRADED
status: One or more devices has been taken offline by the administrator.
\tSufficient replicas exist for the pool to continue functioning in a
\tdegraded state.
action: Online the device using 'zpool online' or replace the device with
\t'zpool replace'.
  scan: resilvered 3.93G in 00:00:03 with 0 errors on Wed Nov 25 09:00:07 2026
config:

\tNAME        STATE     READ WRITE CKSUM
\ttank        DEGRADED     0     0     0
\t  mirror-0  DEGRADED     0     0     0
\t    sdb     OFFLINE      0     0     0
\t    sdc     ONLINE       0     0     0
\t    sdd     ONLINE       0     0     0

errors: No known data errors
all pools are healthy
",
    );
}

#[test]
fn raidz1_rebuilds_a_rotten_disk_from_parity_and_replace_resilvers() {
    // 4 MiB over three disks: sde holds 2 MiB of columns (data and
    // parity); every one is rebuilt by XOR and rewritten.
    check(
        Some("sdd=1G,sde=1G,sdf=1G,sdg=1G"),
        "zpool create r raidz1 sdd sde sdf\ndd if=/dev/urandom of=/r/big bs=1M count=4 status=none\nmd5sum /r/big\n\
         zinject -d sde -e corrupt -T read -f 100 r\nzpool scrub r\nzpool status r\nmd5sum /r/big\nzpool clear r\n\
         zpool replace r sdf sdg\nzpool status r\n",
        "75c91d1083a17ab3bea9dd5525dea236  /r/big
Added handler 1 with the following properties:
  pool: r
  vdev: 642957e26197757b
  pool: r
 state: ONLINE
status: One or more devices has experienced an unrecoverable error.  An
\tattempt was made to correct the error.  Applications are unaffected.
action: Determine if the device needs to be replaced, and clear the errors
\tusing 'zpool clear' or replace the device with 'zpool replace'.
   see: https://openzfs.github.io/openzfs-docs/msg/ZFS-8000-9P
  scan: scrub repaired 2M in 00:00:00 with 0 errors on Wed Nov 25 09:00:05 2026
config:

\tNAME        STATE     READ WRITE CKSUM
\tr           ONLINE       0     0     0
\t  raidz1-0  ONLINE       0     0     0
\t    sdd     ONLINE       0     0     0
\t    sde     ONLINE       0     0    32
\t    sdf     ONLINE       0     0     0

errors: No known data errors
75c91d1083a17ab3bea9dd5525dea236  /r/big
  pool: r
 state: ONLINE
  scan: resilvered 2.02M in 00:00:00 with 0 errors on Wed Nov 25 09:00:09 2026
config:

\tNAME        STATE     READ WRITE CKSUM
\tr           ONLINE       0     0     0
\t  raidz1-0  ONLINE       0     0     0
\t    sdd     ONLINE       0     0     0
\t    sde     ONLINE       0     0     0
\t    sdg     ONLINE       0     0     0

errors: No known data errors
",
    );
}

#[test]
fn block_sizes_and_copies_are_checked_as_libzfs_checks_them() {
    // The fuzzer's find: `recordsize=0k` was taken at create and every
    // write into the dataset looped on zero-byte blocks.
    check(
        DISKS,
        "zpool create t2 sdc\nzfs create -o recordsize=0k t2/fs\nzfs create -o recordsize=3k t2/fs\nzfs create -o recordsize=8k t2/fs\n\
         zfs set recordsize=3k t2/fs\nzfs set copies=5 t2/fs\nzfs get -H recordsize t2/fs\n",
        "cannot create 't2/fs': 'recordsize' must be power of 2 from 512B to 16M
cannot create 't2/fs': 'recordsize' must be power of 2 from 512B to 16M
cannot set property for 't2/fs': 'recordsize' must be power of 2 from 512B to 16M
cannot set property for 't2/fs': 'copies' must be one of '1 | 2 | 3'
t2/fs\trecordsize\t8K\tlocal
",
    );
}

#[test]
fn the_lab_host_has_rpool_for_the_course_commands() {
    check(
        None,
        "sudo zpool status\nsudo zfs list\nsudo zfs snapshot rpool/data/vm-100-disk-0@before_update\ndd if=/dev/urandom of=/dev/zvol/rpool/data/vm-100-disk-0 bs=1M count=8 status=none\nsudo zfs list -t all -o name,used,refer\nsudo zfs rollback rpool/data/vm-100-disk-0@before_update\nsudo zfs list -o name,refer rpool/data/vm-100-disk-0\nlsblk -o NAME,SIZE,TYPE /dev/nvme0n1\nzpool history\n",
        "  pool: rpool\n state: ONLINE\nconfig:\n\n\tNAME         STATE     READ WRITE CKSUM\n\trpool        ONLINE       0     0     0\n\t  mirror-0   ONLINE       0     0     0\n\t    nvme0n1  ONLINE       0     0     0\n\t    nvme1n1  ONLINE       0     0     0\n\nerrors: No known data errors\n\
NAME                       USED  AVAIL  REFER  MOUNTPOINT\nrpool                     32.5G   214G   104K  /rpool\nrpool/data                32.5G   214G    96K  /rpool/data\nrpool/data/vm-100-disk-0  32.5G   246G    56K  -\n\
NAME                                     USED  REFER\nrpool                                   32.5G   104K\nrpool/data                              32.5G    96K\nrpool/data/vm-100-disk-0                32.5G  8.10M\nrpool/data/vm-100-disk-0@before_update    56K    56K\n\
NAME                      REFER\nrpool/data/vm-100-disk-0    56K\n\
NAME         SIZE TYPE\nnvme0n1      256G disk\n├─nvme0n1p1  256G part\n└─nvme0n1p9    8M part\n\
History for 'rpool':\n2026-11-24.09:00:00 zpool create -o ashift=12 rpool mirror /dev/nvme0n1 /dev/nvme1n1\n2026-11-24.09:00:01 zfs create rpool/data\n2026-11-24.09:00:02 zfs create -V 33554432k rpool/data/vm-100-disk-0\n2026-11-25.09:00:03 zfs snapshot rpool/data/vm-100-disk-0@before_update\n2026-11-25.09:00:06 zfs rollback rpool/data/vm-100-disk-0@before_update\n\n",
    );
}

#[test]
fn blkid_reads_a_members_labels_before_and_after_destroy() {
    // The format blkid (util-linux 2.38.1) printed for a zfs-fuse pool on
    // this machine (see tests/fixtures/zfs/README.md); GUIDs are seed 1's.
    check(
        Some("sdb=1G,sdc=1G,sdd=1G"),
        "zpool create -o ashift=12 tank mirror /dev/sdb /dev/sdc\nblkid /dev/sdb1\nblkid -p -s VERSION -s TYPE -s USAGE /dev/sdb1\n\
         blkid -o value -s LABEL /dev/sdc1\nlsblk -f -o NAME,FSTYPE,FSVER,LABEL /dev/sdb\nzpool destroy tank\nblkid -s TYPE /dev/sdb1\n\
         sfdisk /dev/sdd >/dev/null <<EOF\nlabel: gpt\n,100M\n,\nEOF\nmkfs.ext4 -q /dev/sdd2\nzpool create tank /dev/sdd\nzpool create tank /dev/sdb\nzpool status -P tank\n",
        "/dev/sdb1: LABEL=\"tank\" UUID=\"16484444703081484516\" UUID_SUB=\"460272948586959450\" BLOCK_SIZE=\"4096\" TYPE=\"zfs_member\" PARTLABEL=\"zfs-62c468686d537fb3\" PARTUUID=\"f987c14f-2338-4405-b384-6600d033ff3c\"
/dev/sdb1: VERSION=\"5000\" TYPE=\"zfs_member\" USAGE=\"filesystem\"
tank
NAME   FSTYPE     FSVER LABEL
sdb                     
├─sdb1 zfs_member 5000  tank
└─sdb9                  
/dev/sdb1: TYPE=\"zfs_member\"
invalid vdev specification
use '-f' to override the following errors:
/dev/sdd2 contains a filesystem of type 'ext4'
  pool: tank
 state: ONLINE
config:

\tNAME         STATE     READ WRITE CKSUM
\ttank         ONLINE       0     0     0
\t  /dev/sdb1  ONLINE       0     0     0

errors: No known data errors
",
    );
}

#[test]
fn zpool_list_v_prints_each_vdev_as_print_list_stats_does() {
    // Leaves show their device's size and dashes; a top-level vdev its space
    // and CAP in hundredths; the name column fits the deepest vdev (at least 9).
    check(
        DISKS,
        "zpool create tank mirror sdb sdc\nzpool create solo sdd\nzpool list -v\nzpool list -vH tank\nzpool offline tank sdc\nzpool list -vP tank\n",
        "NAME         SIZE  ALLOC   FREE  CKPOINT  EXPANDSZ   FRAG    CAP  DEDUP    HEALTH  ALTROOT
solo         960M    27K   960M        -         -     0%     0%  1.00x    ONLINE  -
  sdd       1014M    27K   960M        -         -     0%  0.00%      -    ONLINE
tank         960M    27K   960M        -         -     0%     0%  1.00x    ONLINE  -
  mirror-0   960M    27K   960M        -         -     0%  0.00%      -    ONLINE
    sdb     1014M      -      -        -         -      -      -      -    ONLINE
    sdc     1014M      -      -        -         -      -      -      -    ONLINE
tank\t960M\t27K\t960M\t-\t-\t0%\t0%\t1.00x\tONLINE\t-
\tmirror-0\t960M\t27K\t960M\t-\t-\t0%\t0.00%\t-\tONLINE
\tsdb\t1014M\t-\t-\t-\t-\t-\t-\t-\tONLINE
\tsdc\t1014M\t-\t-\t-\t-\t-\t-\t-\tONLINE
NAME            SIZE  ALLOC   FREE  CKPOINT  EXPANDSZ   FRAG    CAP  DEDUP    HEALTH  ALTROOT
tank            960M  28.5K   960M        -         -     0%     0%  1.00x  DEGRADED  -
  mirror-0      960M  28.5K   960M        -         -     0%  0.00%      -  DEGRADED
    /dev/sdb1  1014M      -      -        -         -      -      -      -    ONLINE
    /dev/sdc1  1014M      -      -        -         -      -      -      -   OFFLINE
",
    );
}

#[test]
fn zpool_iostat_reports_the_ios_each_device_saw() {
    // Counts of the I/Os the pool sent each leaf (labels, uberblocks, data,
    // reads), averaged over the seconds since creation (one per command),
    // in print_iostat_header's centred labels; interior vdevs sum children.
    check(
        DISKS,
        "zpool create tank mirror sdb sdc\necho hello > /tank/a.txt\ncat /tank/a.txt\nzpool iostat\nzpool iostat -v tank\nzpool iostat -H tank\nzpool iostat -v 5\n",
        "hello
              capacity     operations     bandwidth 
pool        alloc   free   read  write   read  write
----------  -----  -----  -----  -----  -----  -----
tank          44K   960M      7     42  5.67K  37.7K
              capacity     operations     bandwidth 
pool        alloc   free   read  write   read  write
----------  -----  -----  -----  -----  -----  -----
tank          44K   960M      5     32  4.25K  28.3K
  mirror-0    44K   960M      5     32  4.25K  28.3K
    sdb         -      -      5     16  4.25K  14.1K
    sdc         -      -      0     16      0  14.1K
----------  -----  -----  -----  -----  -----  -----
tank\t44K\t960M\t4\t25\t3.40K\t22.6K
zpool iostat: the lab prints a counted number of reports, a whole number of seconds apart: zpool iostat -v 1 5
",
    );
}

#[test]
fn volumes_are_zd_block_devices() {
    // Minors go in steps of 16 and a freed one is reused; the kernel sees a
    // volume's volblocksize as its physical block; an open volume keeps its
    // dataset and pool; Proxmox VE's LVM filter rejects zvols.
    check(
        None,
        "zfs create -V 1G rpool/data/vm-101-disk-0
zfs create -V 1G -o volblocksize=8k rpool/data/vm-102-disk-0
zfs destroy rpool/data/vm-101-disk-0
zfs create -s -V 2G rpool/data/vm-103-disk-0
lsblk -o NAME,MAJ:MIN,SIZE,TYPE,PHY-SEC,OPT-IO /dev/zd0 /dev/zd16 /dev/zd32
fdisk -l /dev/zvol/rpool/data/vm-102-disk-0
mkfs.ext4 -q /dev/zd16
mkdir /mnt/vm
mount /dev/zvol/rpool/data/vm-103-disk-0 /mnt/vm
lsblk -o NAME,FSTYPE,MOUNTPOINTS /dev/zd16
zfs destroy rpool/data/vm-103-disk-0
zpool destroy rpool
umount /mnt/vm
zfs destroy rpool/data/vm-103-disk-0
lsblk -d -o NAME,MAJ:MIN /dev/zd16
pvcreate /dev/zd0
dd if=/dev/urandom of=/dev/zd0 bs=64k count=2 status=none
dd if=/dev/zd0 bs=64k count=2 status=none | md5sum
dd if=/dev/zvol/rpool/data/vm-100-disk-0 bs=64k count=2 status=none | md5sum
wc -c /dev/zd0
hexdump -C -s 131056 -n 32 /dev/zd0
",
        "Warning: volblocksize (8192) is less than the default minimum block size (16384).
To reduce wasted space a volblocksize of 16384 is recommended.
NAME MAJ:MIN SIZE TYPE PHY-SEC OPT-IO
zd0  230:0    32G disk   16384  16384
zd16 230:16    2G disk   16384  16384
zd32 230:32    1G disk    8192   8192
Disk /dev/zvol/rpool/data/vm-102-disk-0: 1 GiB, 1073741824 bytes, 2097152 sectors
Units: sectors of 1 * 512 = 512 bytes
Sector size (logical/physical): 512 bytes / 8192 bytes
I/O size (minimum/optimal): 8192 bytes / 8192 bytes
NAME FSTYPE MOUNTPOINTS
zd16 ext4   /mnt/vm
cannot destroy 'rpool/data/vm-103-disk-0': dataset is busy
cannot destroy 'rpool': pool is busy
lsblk: /dev/zd16: not a block device
  Cannot use /dev/zd0: device is rejected by filter config
4324b7461746f6dea910834c056f2c8d  -
4324b7461746f6dea910834c056f2c8d  -
34359738368 /dev/zd0
0001fff0  77 63 75 38 e1 95 82 20  e2 e7 12 ae 54 10 8f 2e  |wcu8... ....T...|
00020000  00 00 00 00 00 00 00 00  00 00 00 00 00 00 00 00  |................|
00020010
",
    );
}

/// Properties the lab stores without modelling their effect (compression,
/// atime, user properties): inherited as ZFS inherits them, refused with
/// libzfs' texts, and selected with `zfs get -o/-s/-d` and `zfs list -d/-S`.
/// OpenZFS 2.2's default compression is `on` (ZIO_COMPRESS_DEFAULT).
#[test]
fn stored_properties_inherit_and_zfs_get_selects() {
    check(
        Some("sdb=1G,sdc=1G"),
        "zpool create tank mirror sdb sdc\nzfs create tank/a\nzfs create tank/a/b\nzfs set compression=lz4 tank/a\nzfs set atime=off tank\nzfs set user:note=hello tank/a\nzfs set compression=zstd-fast-11 tank/a\nzfs set atime=off tank/a/b@s\nzfs set used=1 tank\nzfs set bogus=1 tank\nzfs get compression,atime,user:note tank tank/a tank/a/b\nzfs get -H -o value compression tank/a/b\nzfs get -s local all tank/a\nzfs get -o property,source -s inherited atime -r tank\nzfs list -d 1 -o name tank\nzfs list -r -o name,compress -S name tank\nzfs get -o bogus used tank\n",
        &with_property_table("cannot set property for 'tank/a': 'compression' must be one of 'on | off | lzjb | gzip | gzip-[1-9] | zle | lz4 | zstd | zstd-[1-19] | zstd-fast | zstd-fast-[1-10,20,30,40,50,60,70,80,90,100,500,1000]'\n\
cannot open 'tank/a/b@s': dataset does not exist\n\
cannot set property for 'tank': 'used' is readonly\n\
cannot set property for 'tank': invalid property 'bogus'\n\
NAME      PROPERTY     VALUE           SOURCE\n\
tank      compression  on              default\n\
tank      atime        off             local\n\
tank      user:note    -               -\n\
tank/a    compression  lz4             local\n\
tank/a    atime        off             inherited from tank\n\
tank/a    user:note    hello           local\n\
tank/a/b  compression  lz4             inherited from tank/a\n\
tank/a/b  atime        off             inherited from tank\n\
tank/a/b  user:note    hello           inherited from tank/a\n\
lz4\n\
NAME    PROPERTY              VALUE                  SOURCE\n\
tank/a  compression           lz4                    local\n\
tank/a  user:note             hello                  local\n\
PROPERTY  SOURCE\n\
atime     inherited from tank\n\
atime     inherited from tank\n\
NAME\n\
tank\n\
tank/a\n\
NAME      COMPRESS\n\
tank/a/b  lz4\n\
tank/a    lz4\n\
tank      on\n\
invalid column name 'bogus'\n\
usage:\n\
\tget [-rHp] [-d max] [-o \"all\" | field[,...]]\n\
\t    [-t type[,...]] [-s source[,...]]\n\
\t    <\"all\" | property[,...]> [filesystem|volume|snapshot|bookmark] ...\n\
\n\
For the property list, run: zfs set|get\n\
"),
    );
}

/// `zpool list -o` prints the columns asked for (`print_header`,
/// `print_pool`), `zpool get -o` the fields, and a missing first pool is
/// `zpool_do_get`'s own message.
#[test]
fn zpool_list_and_get_choose_columns() {
    check(
        DISKS,
        "zpool create tank mirror sdb sdc\nzpool list -o name,size,health\nzpool list -Ho name,cap\nzpool list -o bogus\nzpool get -H -o value size tank\nzpool get -o property,value health tank\nzpool get -o nope size tank\nzpool get size nopool\n",
        "NAME   SIZE    HEALTH
tank   960M    ONLINE
tank\t0%
bad property list: invalid property 'bogus'
usage:
\tlist [-gHLpPv] [-o property[,...]] [-T d|u] [pool] ... 
\t    [interval [count]]

the following properties are supported:

\tPROPERTY             EDIT   VALUES

\tallocated              NO   <size>
\tbcloneratio            NO   <1.00x or higher if cloned>
\tbclonesaved            NO   <size>
\tbcloneused             NO   <size>
\tcapacity               NO   <size>
\tcheckpoint             NO   <size>
\tdedupratio             NO   <1.00x or higher if deduped>
\texpandsize             NO   <size>
\tfragmentation          NO   <percent>
\tfree                   NO   <size>
\tfreeing                NO   <size>
\tguid                   NO   <guid>
\thealth                 NO   <state>
\tleaked                 NO   <size>
\tload_guid              NO   <load_guid>
\tsize                   NO   <size>
\taltroot               YES   <path>
\tashift                YES   <ashift, 9-16, or 0=default>
\tautoexpand            YES   on | off
\tautoreplace           YES   on | off
\tautotrim              YES   on | off
\tbootfs                YES   <filesystem>
\tcachefile             YES   <file> | none
\tcomment               YES   <comment-string>
\tcompatibility         YES   <file[,file...]> | off | legacy
\tdelegation            YES   on | off
\tfailmode              YES   wait | continue | panic
\tlistsnapshots         YES   on | off
\tmultihost             YES   on | off
\treadonly              YES   on | off
\tversion               YES   <version>
\tfeature@...           YES   disabled | enabled | active

The feature@ properties must be appended with a feature name.
See zpool-features(7).
960M
PROPERTY  VALUE
health    ONLINE
invalid column name 'nope'
usage:
\tget [-Hp] [-o \"all\" | field[,...]] <\"all\" | property[,...]> <pool> ...

the following properties are supported:

\tPROPERTY             EDIT   VALUES

\tallocated              NO   <size>
\tbcloneratio            NO   <1.00x or higher if cloned>
\tbclonesaved            NO   <size>
\tbcloneused             NO   <size>
\tcapacity               NO   <size>
\tcheckpoint             NO   <size>
\tdedupratio             NO   <1.00x or higher if deduped>
\texpandsize             NO   <size>
\tfragmentation          NO   <percent>
\tfree                   NO   <size>
\tfreeing                NO   <size>
\tguid                   NO   <guid>
\thealth                 NO   <state>
\tleaked                 NO   <size>
\tload_guid              NO   <load_guid>
\tsize                   NO   <size>
\taltroot               YES   <path>
\tashift                YES   <ashift, 9-16, or 0=default>
\tautoexpand            YES   on | off
\tautoreplace           YES   on | off
\tautotrim              YES   on | off
\tbootfs                YES   <filesystem>
\tcachefile             YES   <file> | none
\tcomment               YES   <comment-string>
\tcompatibility         YES   <file[,file...]> | off | legacy
\tdelegation            YES   on | off
\tfailmode              YES   wait | continue | panic
\tlistsnapshots         YES   on | off
\tmultihost             YES   on | off
\treadonly              YES   on | off
\tversion               YES   <version>
\tfeature@...           YES   disabled | enabled | active

The feature@ properties must be appended with a feature name.
See zpool-features(7).
Cannot get properties of nopool: no such pool available.
",
    );
}

/// Messages read in OpenZFS 2.2's `zfs_do_destroy`, `zfs_do_create` (with
/// `zfs_nicestrtonum`'s reasons), `zfs_validate_name`, and the zpool
/// commands' missing-argument texts and usage lines.
#[test]
fn zfs_and_zpool_refusals_use_openzfs_texts() {
    check(
        None,
        "zfs destroy rpool/data@nope\nzfs destroy nofs@s\nzfs create rpool/bad@name\nzfs create -V 1X rpool/v\n\
         zfs create -V abc rpool/v\nzfs create -V 0 rpool/v\nzpool destroy\nzpool detach\nzpool detach rpool\nzpool offline rpool\n",
        "could not find any snapshots to destroy; check snapshot names.
cannot open 'nofs': dataset does not exist
cannot create 'rpool/bad@name': snapshot delimiter '@' is not expected here
bad volume size '1X': invalid numeric suffix 'X'
bad volume size 'abc': bad numeric value 'abc'
cannot create 'rpool/v': volume size cannot be zero
missing pool argument
usage:
\tdestroy [-f] <pool>
missing pool name argument
usage:
\tdetach <pool> <device>
missing <device> specification
usage:
\tdetach <pool> <device>
missing device name
usage:
\toffline [--power]|[[-f][-t]] <pool> <device> ...
",
    );
}

/// `zfs destroy -v` lists what goes (`destroy_callback`), `-n` only
/// lists it, `-p` in tab-separated form, and a snapshot adds the space
/// freed ("would reclaim").
#[test]
fn zfs_destroy_verbose_and_dry_run() {
    check(
        None,
        "zfs create rpool/a\nzfs create rpool/a/b\nzfs snapshot rpool/a@s\nzfs snapshot rpool/a/b@t\nzfs destroy -nv rpool/a@s\n\
         zfs destroy -nvp rpool/a@s\nzfs destroy -rnv rpool/a\nzfs destroy -v rpool/a\nzfs destroy -rv rpool/a\nzfs list -H -o name -r rpool\n",
        "would destroy rpool/a@s
would reclaim 0B
destroy\trpool/a@s
reclaim\t0
would destroy rpool/a/b@t
would destroy rpool/a/b
would destroy rpool/a@s
would destroy rpool/a
cannot destroy 'rpool/a': filesystem has children
use '-r' to destroy the following datasets:
rpool/a/b@t
rpool/a/b
rpool/a@s
will destroy rpool/a/b@t
will destroy rpool/a/b
will destroy rpool/a@s
will destroy rpool/a
rpool
rpool/data
rpool/data/vm-100-disk-0
",
    );
}

/// `get_replication` (zpool_vdev.c): top-level vdevs that survive different
/// numbers of failures need `-f`; raidz1 beside a 2-way mirror is allowed.
#[test]
fn zpool_create_checks_replication_levels() {
    check(
        Some("sdb=1G,sdc=1G,sdd=1G,sde=1G,sdf=1G,sdg=1G"),
        "zpool create tank sdb mirror sdc sdd\nzpool create tank mirror sdb sdc mirror sdd sde sdf\n\
         zpool create tank raidz sdb sdc sdd mirror sde sdf sdg\nzpool create tank raidz sdb sdc sdd mirror sde sdf\n\
         zpool destroy tank\nzpool create -f tank sdb mirror sdc sdd\nzpool list -H -o name,health\n",
        "invalid vdev specification
use '-f' to override the following errors:
mismatched replication level: both disk and mirror vdevs are present
invalid vdev specification
use '-f' to override the following errors:
mismatched replication level: both 2-way and 3-way mirror vdevs are present
invalid vdev specification
use '-f' to override the following errors:
mismatched replication level: raidz and mirror vdevs with different redundancy, 1 vs. 2 (3-way) are present
tank\tONLINE
",
    );
}

/// `zpool add` makes a new top-level vdev: new blocks spread over both
/// mirrors; a disk beside mirrors or a wider mirror needs `-f`
/// (`check_replication`), and a member of a pool is refused first
/// (`check_in_use`).
#[test]
fn zpool_add_stripes_over_a_second_mirror() {
    check(
        Some("sdb=1G,sdc=1G,sdd=1G,sde=1G,sdf=1G"),
        "zpool create tank mirror sdb sdc\nzpool add tank sdd\nzpool add tank mirror sdd sde sdf\nzpool add tank mirror sdd sde\n\
         dd if=/dev/urandom of=/tank/f bs=1M count=64 status=none\nzpool list -v tank\nzpool add tank sdb\nzpool add nope sdf\n",
        "invalid vdev specification
use '-f' to override the following errors:
mismatched replication level: pool uses mirror and new vdev is disk
invalid vdev specification
use '-f' to override the following errors:
mismatched replication level: pool uses 2-way mirror and new vdev uses 3-way mirror
NAME         SIZE  ALLOC   FREE  CKPOINT  EXPANDSZ   FRAG    CAP  DEDUP    HEALTH  ALTROOT
tank        1.88G  64.1M  1.81G        -         -     0%     3%  1.00x    ONLINE  -
  mirror-0   960M  32.1M   928M        -         -     0%  3.33%      -    ONLINE
    sdb     1014M      -      -        -         -      -      -      -    ONLINE
    sdc     1014M      -      -        -         -      -      -      -    ONLINE
  mirror-1   960M  32.0M   928M        -         -     0%  3.33%      -    ONLINE
    sdd     1014M      -      -        -         -      -      -      -    ONLINE
    sde     1014M      -      -        -         -      -      -      -    ONLINE
/dev/sdb is in use and contains a unknown filesystem.
cannot open 'nope': no such pool
",
    );
}

/// Smaller libzfs texts: `parseprop`'s repeated property, `-o space`,
/// `zfs get -o` with `all`, `parse_depth`, an index property's value list,
/// and `zinject` with nothing registered.
#[test]
fn zfs_option_texts_follow_libzfs() {
    let usage_free = |text: &str| -> String {
        let help = ["For ", "The ", "Sizes ", "User-defined ", "a user|"];
        text.lines().filter(|l| !l.starts_with(['\t', ' ']) && !l.is_empty() && *l != "usage:" && !help.iter().any(|h| l.starts_with(h))).map(|l| format!("{l}\n")).collect()
    };
    let out = storage_lab::cli::run_script(None, 1, "zfs create -o compression=lz4 -o compression=off rpool/x\nzfs list -o space\n\
         zfs get -o all,name used rpool\nzfs get -o name,all used rpool\nzfs list -d x rpool\nzfs list -d -1 rpool\n\
         zfs set checksum=bogus rpool\nzinject\n");
    assert_eq!(
        usage_free(&out),
        "property 'compression' specified multiple times
NAME                      AVAIL   USED  USEDSNAP  USEDDS  USEDREFRESERV  USEDCHILD
rpool                      214G  32.5G        0B    104K             0B      32.5G
rpool/data                 214G  32.5G        0B     96K             0B      32.5G
rpool/data/vm-100-disk-0   246G  32.5G        0B     56K          32.5G         0B
too many fields given to -o option
\"all\" conflicts with specific fields given to -o option
x is not an integer
Depth can not be negative.
cannot set property for 'rpool': 'checksum' must be one of 'on | off | fletcher2 | fletcher4 | sha256 | sha512 | skein | edonr | blake3'
No handlers registered.
Run 'zinject -h' for usage information.
"
    );
}

/// `zfs inherit [-r]` drops local values (`zfs_do_inherit`'s refusals for
/// read-only and non-inheritable properties, and its usage).
#[test]
fn zfs_inherit_drops_local_values() {
    check(
        None,
        "zfs set compression=lz4 rpool/data\nzfs set atime=off rpool/data/vm-100-disk-0\nzfs set atime=off rpool\nzfs set atime=on rpool/data\nzfs get -r -o name,value,source atime rpool\nzfs inherit atime rpool/data\nzfs get -r -o name,value,source atime rpool\nzfs inherit -r compression rpool\nzfs get -r -o name,value,source compression rpool\nzfs inherit used rpool\nzfs inherit canmount rpool\nzfs inherit bogus rpool\nzfs inherit atime\nzfs set user:x=1 rpool/data\nzfs inherit user:x rpool/data\nzfs get user:x rpool/data\n",
        &with_property_table("cannot set property for 'rpool/data/vm-100-disk-0': 'atime' does not apply to datasets of this type\n\
NAME                      VALUE  SOURCE\n\
rpool                     off    local\n\
rpool/data                on     local\n\
rpool/data/vm-100-disk-0  -      -\n\
NAME                      VALUE  SOURCE\n\
rpool                     off    local\n\
rpool/data                off    inherited from rpool\n\
rpool/data/vm-100-disk-0  -      -\n\
NAME                      VALUE           SOURCE\n\
rpool                     on              default\n\
rpool/data                on              default\n\
rpool/data/vm-100-disk-0  on              default\n\
used property is read-only\n\
'canmount' property cannot be inherited\n\
invalid property 'bogus'\n\
usage:\n\
\tinherit [-rS] <property> <filesystem|volume|snapshot> ...\n\
\n\
For the property list, run: zfs set|get\n\
missing dataset argument\n\
usage:\n\
\tinherit [-rS] <property> <filesystem|volume|snapshot> ...\n\
\n\
For the property list, run: zfs set|get\n\
NAME        PROPERTY  VALUE   SOURCE\n\
rpool/data  user:x    -       -\n\
"),
    );
}

/// `get_replication`'s size check: mirror or raidz sides more than
/// ZPOOL_FUZZ (16 MiB) apart need `-f`, in `zpool create` and `zpool add`.
#[test]
fn mirrors_of_different_sizes_need_force() {
    check(
        Some("sdb=1G,sdc=1G,sdd=1G,sdg=2G"),
        "zpool create tank mirror sdb sdg\nzpool create tank raidz sdb sdc sdg\nzpool create tank mirror sdb sdc\n\
         zpool add tank mirror sdd sdg\nzpool add -f tank mirror sdd sdg\nzpool list -H -o name,size\n",
        "invalid vdev specification
use '-f' to override the following errors:
mirror contains devices of different sizes
invalid vdev specification
use '-f' to override the following errors:
raidz contains devices of different sizes
invalid vdev specification
use '-f' to override the following errors:
mirror contains devices of different sizes
tank\t1.88G
",
    );
}

/// `zfs destroy FS@SPEC`: snapshots listed with commas and ranges with `%`
/// in creation order (`zfs_iter_snapspec`), unknown names skipped.
#[test]
fn zfs_destroy_takes_snapshot_lists_and_ranges() {
    check(
        None,
        "zfs create rpool/a\nzfs snapshot rpool/a@s1\nzfs snapshot rpool/a@s2\nzfs snapshot rpool/a@s3\nzfs snapshot rpool/a@s4\nzfs destroy -nv rpool/a@s1,s3\nzfs destroy -nv rpool/a@s2%s4\nzfs destroy -nv rpool/a@%\nzfs destroy -nv rpool/a@nope,s4\nzfs destroy rpool/a@nope\nzfs destroy -v rpool/a@s1%s2\nzfs list -H -o name -t snapshot\n",
        "would destroy rpool/a@s1\n\
would destroy rpool/a@s3\n\
would reclaim 0B\n\
would destroy rpool/a@s2\n\
would destroy rpool/a@s3\n\
would destroy rpool/a@s4\n\
would reclaim 0B\n\
would destroy rpool/a@s1\n\
would destroy rpool/a@s2\n\
would destroy rpool/a@s3\n\
would destroy rpool/a@s4\n\
would reclaim 0B\n\
would destroy rpool/a@s4\n\
would reclaim 0B\n\
could not find any snapshots to destroy; check snapshot names.\n\
will destroy rpool/a@s1\n\
will destroy rpool/a@s2\n\
will reclaim 0B\n\
rpool/a@s3\n\
rpool/a@s4\n\
",
    );
}

/// `zpool status -g`: the vdevs by GUID, the root row by the pool's name
/// (`status_callback`), the NAME column as wide as its widest GUID.
#[test]
fn zpool_status_g_keeps_the_pool_name() {
    check(
        None,
        "zpool status -g rpool\n",
        "  pool: rpool
 state: ONLINE
config:

\tNAME                      STATE     READ WRITE CKSUM
\trpool                     ONLINE       0     0     0
\t  10684069430387459819    ONLINE       0     0     0
\t    10441894650604156824  ONLINE       0     0     0
\t    17766489961762303990  ONLINE       0     0     0

errors: No known data errors
",
    );
}

/// `zpool history -l` adds who ran each command and on which host
/// (`print_history_records`); unknown options get the usage.
#[test]
fn zpool_history_long_names_user_and_host() {
    check(
        None,
        "zpool history -l rpool\nzpool history -z\n",
        "History for 'rpool':
2026-11-24.09:00:00 zpool create -o ashift=12 rpool mirror /dev/nvme0n1 /dev/nvme1n1 [user 0 (root) on pve:linux]
2026-11-24.09:00:01 zfs create rpool/data [user 0 (root) on pve:linux]
2026-11-24.09:00:02 zfs create -V 33554432k rpool/data/vm-100-disk-0 [user 0 (root) on pve:linux]

invalid option 'z'
usage:
\thistory [-il] [<pool>] ...
",
    );
}

/// `zpool create -n` and `zpool add -n` print the layout (`print_vdev_tree`:
/// new vdevs without ids, the pool's own with them) and change nothing.
#[test]
fn zpool_dry_runs_print_the_layout() {
    check(
        Some("sdb=1G,sdc=1G,sdd=1G,sde=1G"),
        "zpool create -n tank mirror sdb sdc\nzpool create -n t2 raidz sdb sdc sdd\nzpool create tank mirror sdb sdc\nzpool add -n tank mirror sdd sde\nzpool create -n t3 sdd sde\nzpool create -n t4 sdb\nzpool list -H -o name\n",
        "would create 'tank' with the following layout:\n\
\n\
\ttank\n\
\t  mirror\n\
\t    sdb\n\
\t    sdc\n\
would create 't2' with the following layout:\n\
\n\
\tt2\n\
\t  raidz1\n\
\t    sdb\n\
\t    sdc\n\
\t    sdd\n\
would update 'tank' to the following configuration:\n\
\n\
\ttank\n\
\t  mirror-0\n\
\t    sdb\n\
\t    sdc\n\
\t  mirror\n\
\t    sdd\n\
\t    sde\n\
would create 't3' with the following layout:\n\
\n\
\tt3\n\
\t  sdd\n\
\t  sde\n\
/dev/sdb is in use and contains a unknown filesystem.\n\
tank\n\
",
    );
}

/// `zfs rename`: a dataset with its descendants (files and mount points
/// follow, a volume keeps its zd device), a snapshot by its short name, and
/// `zfs_rename`/`check_parents`' refusals.
#[test]
fn zfs_rename_moves_datasets_and_snapshots() {
    check(
        None,
        "zfs create rpool/a\nzfs create rpool/a/b\necho hi > /rpool/a/b/f\nzfs snapshot rpool/a@s1\nzfs rename rpool/a rpool/data/x\nzfs list -r -o name,mountpoint rpool\ncat /rpool/data/x/b/f\nzfs rename rpool/data/x@s1 s2\nzfs list -t snapshot -o name\nzfs rename rpool/data/x rpool/data/x/y\nzfs rename rpool/data/x rpool/nope/y\nzfs rename rpool/data/x rpool/data\nzfs rename rpool/data/x tank/y\nzfs rename rpool/data/x@s2 rpool/a@s3\nzfs rename rpool/nope rpool/z\nzfs rename rpool/data/x\nzfs rename rpool/data/vm-100-disk-0 rpool/data/vm-101-disk-0\nlsblk -o NAME,SIZE /dev/zvol/rpool/data/vm-101-disk-0\nzfs rename -p rpool/data/x rpool/q/r\n",
        "NAME                      MOUNTPOINT\n\
rpool                     /rpool\n\
rpool/data                /rpool/data\n\
rpool/data/vm-100-disk-0  -\n\
rpool/data/x              /rpool/data/x\n\
rpool/data/x/b            /rpool/data/x/b\n\
hi\n\
NAME\n\
rpool/data/x@s2\n\
cannot rename to 'rpool/data/x/y': New dataset name cannot be a descendant of current dataset name\n\
cannot create 'rpool/nope/y': parent does not exist\n\
cannot rename 'rpool/data/x': dataset already exists\n\
cannot create 'tank/y': no such pool 'tank'\n\
cannot rename to 'rpool/a@s3': snapshots must be part of same dataset\n\
cannot open 'rpool/nope': dataset does not exist\n\
missing target dataset argument\n\
usage:\n\
\trename [-f] <filesystem|volume|snapshot> <filesystem|volume|snapshot>\n\
\trename -p [-f] <filesystem|volume> <filesystem|volume>\n\
\trename -u [-f] <filesystem> <filesystem>\n\
\trename -r <snapshot> <snapshot>\n\
\n\
For the property list, run: zfs set|get\n\
\n\
For the delegated permission list, run: zfs allow|unallow\n\
\n\
For further help on a command or topic, run: zfs help [<topic>]\n\
NAME SIZE\n\
zd0   32G\n\
the lab does not model 'zfs rename -p'\n\
",
    );
}

/// quota, refquota and reservation with the kernel's checks
/// (`dsl_dir_set_quota_check`, `dsl_dataset_set_refquota_check`,
/// `dsl_dir_set_reservation_check`) and libzfs' texts: a reservation is
/// charged to the parent (`usedbychildren`) and adds to the dataset's AVAIL
/// (`dsl_dir_space_available`); a write past a quota fails with EDQUOT (a
/// volume's with EIO), `copies` counting; `zfs create` checks its limits as
/// `zfs set` does (ENOSPC); `refreservation=auto`; no changes to snapshots.
#[test]
fn quotas_and_reservations_limit_and_charge_space() {
    check(
        DISKS,
        "zpool create tank sdb\nzfs create -o quota=2M tank/q\nzfs set quota=0 tank/q\nzfs set quota=12Q tank/q\nzfs set refquota=1M tank/q\ndd if=/dev/urandom of=/tank/q/d bs=256k count=8 status=none\nzfs list -o name,used,avail,refer,quota,refquota tank/q\nzfs set quota=100K tank/q\nzfs set reservation=100M tank/q\nzfs create tank/r\nzfs set reservation=2G tank/r\nzfs set reservation=100M tank/r\nzfs set quota=50M tank/r\nzfs list -o name,used,avail,usedchild,reserv -r tank\nzfs get -H -p -o property,value,source quota,refquota,reservation,refreservation tank/q\nzfs inherit quota tank/q\nzfs create -V 10M -o quota=1M tank/v\nzfs create -o quota=20M tank/z\nzfs create -s -V 64M tank/z/sv\ndd if=/dev/urandom of=/dev/zvol/tank/z/sv bs=1M count=30 status=none\nzfs create -o copies=3 -o quota=6M tank/c\ndd if=/dev/urandom of=/tank/c/f bs=1M count=5 status=none\nzfs create -o quota=10M -o reservation=20M tank/x\nzfs create -V 8M -o refreservation=1M tank/v1\nzfs set refreservation=auto tank/v1\nzfs set reservation=auto tank/q\nzfs snapshot tank/q@s\nzfs set quota=1G tank/q@s\nzfs list -o name,used,avail,quota,refreserv tank/z tank/c tank/v1\n",
        "cannot set property for 'tank/q': use 'none' to disable quota/refquota
cannot set property for 'tank/q': invalid numeric suffix 'Q'
dd: error writing '/tank/q/d': Disk quota exceeded
NAME     USED  AVAIL  REFER  QUOTA  REFQUOTA
tank/q   794K   230K   794K     2M        1M
cannot set property for 'tank/q': size is less than current used or reserved space
cannot set property for 'tank/q': size is greater than available space
cannot set property for 'tank/r': size is greater than available space
cannot set property for 'tank/r': size is less than current used or reserved space
NAME     USED  AVAIL  USEDCHILD  RESERV
tank     101M   731M       101M    none
tank/q   794K   230K         0B    none
tank/r    24K   831M         0B    100M
quota\t2097152\tlocal
refquota\t1048576\tlocal
reservation\t0\tdefault
refreservation\t0\tdefault
'quota' property cannot be inherited
use 'zfs set quota=none' to clear
use 'zfs inherit -S quota' to revert to received value
cannot create 'tank/v': 'quota' does not apply to datasets of this type
dd: error writing '/dev/zvol/tank/z/sv': Input/output error
dd: error writing '/tank/c/f': Disk quota exceeded
cannot create 'tank/x': out of space
cannot set property for 'tank/q': 'auto' is invalid value for 'reservation'
cannot set property for 'tank/q@s': this property can not be modified for snapshots
NAME      USED  AVAIL  QUOTA  REFRESERV
tank/c   3.04M  2.96M     6M       none
tank/v1    10M   708M      -        10M
tank/z   20.1M     0B    20M       none
",
    );
}

/// `usage(B_FALSE)`'s command lists (zpool_main.c's and zfs_main.c's
/// `command_table`, 63 and 99 lines in 2.2.6): on stderr with status 2 for
/// no command or an unknown one, on stdout with status 0 for `-?`/`--help`.
#[test]
fn zpool_and_zfs_print_their_command_lists() {
    check(
        DISKS,
        "zpool bogus 2>&1 | head -2\nzpool -? | tail -3\nzpool -? | grep -c ''\nzfs --help | grep -c ''\n\
         zfs 2>&1 | grep clone\nzfs 2>/dev/null; echo $?\nzpool -? >/dev/null; echo $?\n",
        "unrecognized command 'bogus'
usage: zpool command args ...
\twait [-Hp] [-T d|u] [-t <activity>[,...]] <pool> [interval]

For further help on a command or topic, run: zpool help [<topic>]
63
99
\tclone [-p] [-o property=value] ... <snapshot> <filesystem|volume>
\tpromote <clone-filesystem>
2
0
",
    );
}

/// `zfs set volsize` grows a volume and its `zd` device; a refreservation
/// that is still `zvol_volsize_to_reservation`'s follows (64M: 67M; 128M:
/// 128M + 16 indirect blocks of 128K, twice = 132M), a sparse volume's
/// stays none. libzfs' checks and texts; shrinking is refused (the lab's).
#[test]
fn volsize_grows_a_volume_and_its_refreservation() {
    check(
        DISKS,
        "zpool create tank sdb\nzfs create -V 64M tank/vol\nzfs set volsize=128M tank/vol\nzfs get -H -p -o property,value,source volsize,refreservation tank/vol\nlsblk -b -o NAME,SIZE /dev/zd0\nzfs set volsize=100001K tank/vol\nzfs set volsize=0 tank/vol\nzfs set volsize=64M tank/vol\nzfs set volsize=4G tank/vol\nzfs set volsize=1G tank\nzfs create -s -V 64M tank/thin\nzfs set volsize=4G tank/thin\nzfs get -H -o name,property,value volsize,refreservation tank/thin\n",
        "volsize\t134217728\tlocal
refreservation\t138412032\tlocal
NAME      SIZE
zd0  134217728
cannot set property for 'tank/vol': 'volsize' must be a multiple of volume block size (16K)
cannot set property for 'tank/vol': 'volsize' cannot be zero
cannot set property for 'tank/vol': the lab grows volumes only (ZFS would drop the data past the new end)
cannot set property for 'tank/vol': size is greater than available space
cannot set property for 'tank': 'volsize' does not apply to datasets of this type
tank/thin\tvolsize\t4G
tank/thin\trefreservation\tnone
",
    );
}

/// `zpool set` stores the settable pool properties of `zpool_prop.c` after
/// `zpool_valid_proplist`'s checks (libzfs' texts); usage errors print the
/// pool property table, an unknown pool exits 22.
#[test]
fn zpool_set_checks_and_stores_pool_properties() {
    check(
        DISKS,
        "zpool create tank sdb\nzpool set comment=hi nopool; echo $?\nzpool set comment tank 2>&1 | head -3\nzpool set 2>&1 | tail -4\nzpool set comment=lab-pool tank\nzpool set autotrim=maybe tank\nzpool set failmode=continue tank\nzpool set ashift=17 tank\nzpool set size=1G tank\nzpool set readonly=on tank\nzpool set cachefile=foo tank\nzpool set bootfs=rpool/x tank\nzpool set bootfs=tank tank\nzpool get -H -o property,value,source comment,failmode,bootfs,autotrim,delegation,version tank\nzpool history tank | tail -4\n",
        "cannot open 'nopool': is not a pool
22
missing value in property=value argument
usage:
\tset <property=value> <pool>
\tfeature@...           YES   disabled | enabled | active

The feature@ properties must be appended with a feature name.
See zpool-features(7).
cannot set property for 'tank': 'autotrim' must be one of 'on | off'
cannot set property for 'tank': property 'ashift' number 17 is invalid, only values between 9 and 16 are allowed.
cannot set property for 'tank': 'size' is readonly
cannot set property for 'tank': property 'readonly' can only be set at import time
cannot set property for 'tank': property 'cachefile' must be empty, an absolute path, or 'none'
cannot set property for 'tank': 'rpool/x' is an invalid name
comment\tlab-pool\tlocal
failmode\tcontinue\tlocal
bootfs\ttank\tlocal
autotrim\toff\tdefault
delegation\ton\tdefault
version\t-\tdefault
2026-11-25.09:00:05 zpool set comment=lab-pool tank
2026-11-25.09:00:07 zpool set failmode=continue tank
2026-11-25.09:00:13 zpool set bootfs=tank tank

",
    );
}

/// `zfs clone`: a dataset whose tree is its origin snapshot's, so it starts
/// at USED 0B with the snapshot's REFER and counts only what it writes (a
/// clone's dead-list blocks born before its origin stay the snapshot's).
/// `origin` and `clones`; destroy refuses while clones depend
/// (`destroy_check_dependent`'s texts) and `-R` takes them too; a rename of
/// the origin's dataset renames the origin; scrubs stay clean.
#[test]
fn clones_share_their_origin_snapshot() {
    check(
        DISKS,
        "zpool create tank sdb\nzfs create tank/data\ndd if=/dev/urandom of=/tank/data/a bs=64k count=4 status=none\nzfs snapshot tank/data@s1\nzfs clone tank/data@s1 tank/c\nzfs list -o name,used,refer,usedsnap,origin -t all -r tank\ncat /tank/c/a | md5sum\nmd5sum /tank/data/a\ndd if=/dev/urandom of=/tank/c/a bs=64k count=1 conv=notrunc status=none\ndd if=/dev/urandom of=/tank/c/b bs=64k count=2 status=none\nzfs list -o name,used,refer,usedsnap,written -t all -r tank\nzfs get -H origin,clones tank/c tank/data@s1 tank/data\nzfs destroy tank/data@s1\nzfs destroy tank/data\nzfs destroy -r tank/data\nzpool scrub tank\nzpool status -x\nzfs snapshot tank/c@mine\ndd if=/dev/urandom of=/tank/c/b bs=64k count=1 conv=notrunc status=none\nzfs list -o name,used,refer,usedsnap -t all -r tank\nzfs rename tank/data tank/d2\nzfs get -H -o value origin tank/c\nzfs clone tank/d2@s1 tank/nope/x\nzfs clone tank/d2 tank/x\nzfs clone tank/d2@zz tank/x\nzfs clone tank/d2@s1 tank/c\nzfs clone tank/d2@s1 tank\nzfs clone tank/d2@s1 nopool/x\nzfs destroy -R tank/d2@s1\nzfs list -t all -o name -r tank\nzpool scrub tank\nzpool status -x\n",
        "NAME           USED  REFER  USEDSNAP  ORIGIN\ntank           307K    25K        0B  -\ntank/c           0B   282K        0B  tank/data@s1\ntank/data      282K   282K        0B  -\ntank/data@s1     0B   282K         -  -\n6f2c54e8c83204549c87c73d38670717  -\n6f2c54e8c83204549c87c73d38670717  /tank/data/a\nNAME           USED  REFER  USEDSNAP  WRITTEN\ntank           579K    25K        0B      25K\ntank/c         272K   410K        0B     272K\ntank/data      282K   282K        0B        0\ntank/data@s1     0B   282K         -     282K\ntank/c\torigin\ttank/data@s1\t-\ntank/c\tclones\t-\t-\ntank/data\torigin\t-\t-\ntank/data\tclones\t-\t-\ntank/data@s1\torigin\t-\t-\ntank/data@s1\tclones\ttank/c\t-\ncannot destroy 'tank/data@s1': snapshot has dependent clones\nuse '-R' to destroy the following datasets:\ntank/c\ncannot destroy 'tank/data': filesystem has children\nuse '-r' to destroy the following datasets:\ntank/data@s1\ncannot destroy 'tank/data': filesystem has dependent clones\nuse '-R' to destroy the following datasets:\ntank/c\nall pools are healthy\nNAME           USED  REFER  USEDSNAP\ntank           719K    25K        0B\ntank/c         412K   410K      140K\ntank/c@mine    140K   410K         -\ntank/data      282K   282K        0B\ntank/data@s1     0B   282K         -\ntank/d2@s1\ncannot create 'tank/nope/x': parent does not exist\ncannot open 'tank/d2': missing '@' delimiter in snapshot name\ncannot open 'tank/d2@zz': dataset does not exist\ncannot create 'tank/c': dataset already exists\ncannot create 'tank': missing dataset name\ncannot create 'nopool/x': no such pool 'nopool'\nNAME\ntank\ntank/d2\nall pools are healthy\n",
    );
}

/// A snapshot of a thick volume must fit the blocks it takes over beside
/// the volume's refreservation (`dsl_dataset_snapshot_reserve_space`), or
/// it fails with ENOSPC; after one, the refreservation is charged whole.
#[test]
fn snapshots_of_thick_volumes_reserve_their_space() {
    check(
        DISKS,
        "zpool create tank sdb\nzfs create -o quota=150M tank/a\nzfs create -V 100M tank/a/v\ndd if=/dev/urandom of=/dev/zvol/tank/a/v bs=1M count=100 status=none\nzfs snapshot tank/a/v@s1\nzfs list -o name,used,avail,quota -r tank/a\nzfs create -V 600M tank/big\ndd if=/dev/urandom of=/dev/zvol/tank/big bs=1M count=600 status=none\nzfs snapshot tank/big@s1\nzfs create -V 100M tank/ok\ndd if=/dev/urandom of=/dev/zvol/tank/ok bs=1M count=10 status=none\nzfs snapshot tank/ok@s1\nzfs list -t all -o name,used,avail,refer -r tank\n",
        "cannot create snapshot 'tank/a/v@s1': out of space
NAME       USED  AVAIL  QUOTA
tank/a     104M  46.2M   150M
tank/a/v   104M  49.5M      -
cannot create snapshot 'tank/big@s1': out of space
NAME         USED  AVAIL  REFER
tank         829M  2.89M    25K
tank/a       104M  2.89M    24K
tank/a/v     104M  6.12M   101M
tank/big     612M  11.4M   603M
tank/ok      114M   107M  10.1M
tank/ok@s1     0B      -  10.1M
",
    );
}

/// `zfs rename` under a parent with a quota: the dataset's space (at least
/// its reservation) must fit (`dsl_dir_transfer_possible`). The new mount
/// point directory is made in tank/a.
#[test]
fn renames_respect_the_new_parents_quota() {
    check(
        DISKS,
        "zpool create tank sdb\nzfs create -o quota=50M tank/a\nzfs create tank/b\nzfs set reservation=100M tank/b\nzfs rename tank/b tank/a/b\nzfs set reservation=none tank/b\nzfs rename tank/b tank/a/b\nzfs list -o name,used,quota -r tank\n",
        "cannot rename 'tank/b': out of space
NAME       USED  QUOTA
tank        74K   none
tank/a      49K    50M
tank/a/b    24K   none
",
    );
}

/// A snapshot range with a clone under one of its snapshots destroys
/// nothing; `zfs rollback -R` takes the clones of the newer snapshots with
/// it, `-r` refuses (`rollback_check_dependent`); `zfs clone -o` refuses
/// properties of the other dataset type.
#[test]
fn clones_stop_ranges_and_rollbacks_until_r_capital() {
    check(
        DISKS,
        "zpool create tank sdb\nzfs create tank/data\necho a > /tank/data/f\nzfs snapshot tank/data@s1\nzfs snapshot tank/data@s2\nzfs snapshot tank/data@s3\nzfs clone tank/data@s2 tank/c\nzfs destroy tank/data@s1%s3\nzfs list -t snapshot -o name\nzfs rollback -r tank/data@s1\nzfs rollback -R tank/data@s1\nzfs list -t all -o name\nzfs create -V 8M tank/v\nzfs snapshot tank/v@x\nzfs clone -o mountpoint=/mnt/x tank/v@x tank/vc\nzfs clone -o volblocksize=8K tank/data@s1 tank/fc\n",
        "cannot destroy 'tank/data@s2': snapshot has dependent clones
use '-R' to destroy the following datasets:
tank/c
NAME
tank/data@s1
tank/data@s2
tank/data@s3
cannot rollback to 'tank/data@s1': clones of previous snapshots exist
use '-R' to force deletion of the following clones and dependents:
tank/c
NAME
tank
tank/data
tank/data@s1
cannot create 'tank/vc': 'mountpoint' does not apply to datasets of this type
cannot create 'tank/fc': 'volblocksize' does not apply to datasets of this type
",
    );
}

/// `zfs destroy -d` of a snapshot clones depend on only marks it for a
/// deferred destroy (`dsl_destroy_snapshot_check_impl`): it succeeds and
/// the snapshot stays.
#[test]
fn deferred_destroy_of_a_cloned_snapshot_succeeds() {
    check(
        DISKS,
        "zpool create tank sdb\nzfs create tank/d\nzfs snapshot tank/d@s\nzfs clone tank/d@s tank/c\nzfs destroy -d tank/d@s\necho $?\nzfs list -t snapshot -o name\n",
        "0\nNAME\ntank/d@s\n",
    );
}

/// The refusal lists follow `zfs_iter_dependents`' post-order walk: child
/// datasets first, then snapshots, each snapshot's clones just before it;
/// without `-r` a dataset's refusal lists its real descendants only.
#[test]
fn clone_refusals_list_dependents_in_post_order() {
    check(
        None,
        "zfs snapshot rpool/data@s1\nzfs clone rpool/data@s1 rpool/c\nzfs create rpool/c/sub\nzfs snapshot rpool/c/sub@x\nzfs snapshot rpool/c@cs1\n\
         zfs clone rpool/c@cs1 rpool/cc\nzfs destroy rpool/data@s1\nzfs destroy -r rpool/c\nzfs destroy rpool/c\n",
        "cannot destroy 'rpool/data@s1': snapshot has dependent clones
use '-R' to destroy the following datasets:
rpool/c/sub@x
rpool/c/sub
rpool/cc
rpool/c@cs1
rpool/c
cannot destroy 'rpool/c': filesystem has dependent clones
use '-R' to destroy the following datasets:
rpool/cc
cannot destroy 'rpool/c': filesystem has children
use '-r' to destroy the following datasets:
rpool/c/sub@x
rpool/c/sub
rpool/c@cs1
",
    );
}

#[test]
fn names_are_checked_as_zfs_validate_name_does() {
    check(
        None,
        "zfs snapshot rpool/data@bad/name\nzfs snapshot rpool/data@.\nzfs snapshot rpool/data@..\nzfs snapshot rpool/data@bad@x\nzfs snapshot rpool/data@\nzfs snapshot 'rpool/data@a!b'\nzfs snapshot 'rpool/data@a%b'\nzfs snapshot 'rpool/data@a#b'\nzfs snapshot 'rpool/data@ok name'\nzfs create 'rpool/a!b'\nzfs create rpool/data/\nzfs create nopool\nzfs create nopool/x\nzfs create rpool\nzfs create rpool/./x\nzfs create /rpool/x\nzfs rename rpool/data@ok\\ name rpool/data@x/y\n",
        "cannot create snapshot 'rpool/data@bad/name': trailing slash in name\ncannot create snapshot 'rpool/data@.': self reference, '.' is found in name\ncannot create snapshot 'rpool/data@..': parent reference, '..' is found in name\ncannot create snapshot 'rpool/data@bad@x': multiple '@' and/or '#' delimiters in name\ncannot create snapshot 'rpool/data@': empty component or misplaced '@' or '#' delimiter in name\ncannot create snapshot 'rpool/data@a!b': invalid character '!' in name\ncannot create snapshot 'rpool/data@a%b': invalid character % in name\ncannot create snapshot 'rpool/data@a#b': bookmark delimiter '#' is not expected here\ncannot create 'rpool/a!b': invalid character '!' in name\ncannot create 'rpool/data/': trailing slash in name\ncannot create 'nopool': missing dataset name\ncannot create 'nopool/x': no such pool 'nopool'\ncannot create 'rpool': missing dataset name\ncannot create 'rpool/./x': self reference, '.' is found in name\ncannot create '/rpool/x': leading slash in name\ncannot rename to 'rpool/data@x/y': trailing slash in name\n",
    );
}

#[test]
fn zpool_scrub_p_pauses_and_zpool_scrub_resumes() {
    check(
        None,
        "dd if=/dev/urandom of=/dev/zvol/rpool/data/vm-100-disk-0 bs=1M count=3000 status=none\nzpool scrub rpool\nzpool scrub -p rpool\nzpool status rpool\nzpool scrub -p rpool\necho rc=$?\nzpool wait -t scrub rpool\nzpool scrub rpool\nzpool status rpool | grep -A3 scan\nzpool wait -t scrub rpool\nzpool status rpool | grep scan\nzpool scrub -ps rpool\nzpool scrub -pw rpool\nzpool scrub -p rpool\n",
        "  pool: rpool\n state: ONLINE\n  scan: scrub paused since Wed Nov 25 09:00:03 2026\n\tscrub started on Wed Nov 25 09:00:02 2026\n\t2.00G / 2.95G scanned, 2.00G / 2.95G issued\n\t0B repaired, 67.89% done\nconfig:\n\n\tNAME         STATE     READ WRITE CKSUM\n\trpool        ONLINE       0     0     0\n\t  mirror-0   ONLINE       0     0     0\n\t    nvme0n1  ONLINE       0     0     0\n\t    nvme1n1  ONLINE       0     0     0\n\nerrors: No known data errors\ncannot pause scrubbing rpool: scrub is paused; use 'zpool scrub' to resume scrub\nrc=1\nzpool wait: the scrub of rpool is paused, so the real command would wait until 'zpool scrub rpool' resumes it\n  scan: scrub repaired 0B in 00:00:06 with 0 errors on Wed Nov 25 09:00:08 2026\nconfig:\n\n\tNAME         STATE     READ WRITE CKSUM\n  scan: scrub repaired 0B in 00:00:06 with 0 errors on Wed Nov 25 09:00:08 2026\ninvalid option combination :-s and -p are mutually exclusive\nusage:\n\tscrub [-s | -p] [-w] [-e] <pool> ...\ninvalid option combination: -w cannot be used with -p or -s\nusage:\n\tscrub [-s | -p] [-w] [-e] <pool> ...\n",
    );
}

#[test]
fn attach_and_replace_errors_name_both_devices() {
    check(
        Some("sdb=1G,sdc=1G,sdd=1G,sde=1G,sdg=1G,sdf=512M,sdh=1G"),
        "zpool create tank mirror sdb sdc\nzpool attach tank sdx sdd\nzpool replace tank sdx sdd\nzpool replace tank sdb sdf\nzpool attach tank mirror-0 sdd\nzpool replace tank mirror-0 sdd\nzpool attach tank sdb sdz\nzpool create t2 raidz1 sdd sde sdg\nzpool replace t2 sdd sdf\nzpool attach t2 raidz1-0 sdh\nzpool attach t2 sdd sdh\n",
        "cannot attach sdd to sdx: no such device in pool\ncannot replace sdx with sdd: no such device in pool\ncannot replace sdb with sdf: device is too small\ncannot attach sdd to mirror-0: can only attach to mirrors and top-level disks\ncannot replace mirror-0 with sdd: already in replacing/spare config; wait for completion or use 'zpool detach'\ncannot open 'sdz': no such device in /dev\nmust be a full path or shorthand device name\ncannot replace sdd with sdf: device is too small\ncannot attach sdh to raidz1-0: can only attach to mirrors and top-level disks\ncannot attach sdh to sdd: can only attach to mirrors and top-level disks\n",
    );
}

#[test]
fn zpool_clear_resets_counters_and_keeps_the_error_log() {
    check(
        Some("sdb=1G"),
        "zpool create -O compression=off tank sdb\ndd if=/dev/urandom of=/tank/file.bin bs=1M count=5 status=none\necho hello > /tank/notes.txt\nzinject -d sdb1 -e corrupt -T read -f 100 tank\nzpool scrub -w tank\nzpool clear tank\nzpool clear tank sdz\nzpool clear tank sdb\nzpool status -v tank\nzfs set mountpoint=relative tank\nzfs list -H -o name -t snapshot\necho rc=$?\n",
        "Added handler 1 with the following properties:\n  pool: tank\n  vdev: 6e910cc3856e8b63\ncannot clear errors for sdz: no such device in pool\n  pool: tank\n state: ONLINE\nstatus: One or more devices has experienced an error resulting in data\n\tcorruption.  Applications may be affected.\naction: Restore the file in question if possible.  Otherwise restore the\n\tentire pool from backup.\n   see: https://openzfs.github.io/openzfs-docs/msg/ZFS-8000-8A\n  scan: scrub repaired 0B in 00:00:00 with 41 errors on Wed Nov 25 09:00:05 2026\nconfig:\n\n\tNAME        STATE     READ WRITE CKSUM\n\ttank        ONLINE       0     0     0\n\t  sdb       ONLINE       0     0     0\n\nerrors: Permanent errors have been detected in the following files:\n\n        /tank/file.bin\n        /tank/notes.txt\ncannot set property for 'tank': 'mountpoint' must be an absolute path, 'none', or 'legacy'\nrc=0\n",
    );
}

#[test]
fn destroy_r_of_a_snapshot_takes_the_childrens_too() {
    check(
        None,
        "zfs snapshot -r rpool@s1\nzfs destroy -rnv rpool@s1\nzfs destroy -r rpool@s1\nzfs list -t snapshot\nzfs snapshot rpool/data@s2\nzfs destroy -rv rpool@s2\nzfs list -t snapshot\n",
        "would destroy rpool@s1\nwould destroy rpool/data@s1\nwould destroy rpool/data/vm-100-disk-0@s1\nwould reclaim 0B\nno datasets available\nwill destroy rpool/data@s2\nwill reclaim 0B\nno datasets available\n",
    );
}

#[test]
fn zpool_get_lists_every_feature_after_the_properties() {
    check(
        None,
        "zpool get all rpool\nzpool set feature@async_destroy=enabled rpool\necho rc=$?\nzpool set feature@async_destroy=disabled rpool\nzpool set feature@async_destroy=foo rpool\nzpool set feature@bogus=enabled rpool\nzpool get feature@bogus rpool\nzpool get -H -o property,value feature@livelist,feature@bogus,size rpool\nzfs snapshot rpool/data@a\nzfs clone rpool/data@a rpool/c\nzpool get feature@livelist rpool\n",
        "NAME   PROPERTY                       VALUE                          SOURCE\nrpool  size                           254G                           -\nrpool  capacity                       0%                             -\nrpool  altroot                        -                              default\nrpool  health                         ONLINE                         -\nrpool  guid                           14734244468871918846           -\nrpool  version                        -                              default\nrpool  bootfs                         -                              default\nrpool  delegation                     on                             default\nrpool  autoreplace                    off                            default\nrpool  cachefile                      -                              default\nrpool  failmode                       wait                           default\nrpool  listsnapshots                  off                            default\nrpool  autoexpand                     off                            default\nrpool  dedupratio                     1.00x                          -\nrpool  free                           254G                           -\nrpool  allocated                      328K                           -\nrpool  readonly                       off                            -\nrpool  ashift                         12                             local\nrpool  comment                        -                              default\nrpool  expandsize                     -                              -\nrpool  freeing                        0                              -\nrpool  fragmentation                  0%                             -\nrpool  leaked                         0                              -\nrpool  multihost                      off                            default\nrpool  checkpoint                     -                              -\nrpool  load_guid                      11797302345566928198           -\nrpool  autotrim                       off                            default\nrpool  compatibility                  off                            default\nrpool  bcloneused                     0                              -\nrpool  bclonesaved                    0                              -\nrpool  bcloneratio                    1.00x                          -\nrpool  feature@async_destroy          enabled                        local\nrpool  feature@empty_bpobj            active                         local\nrpool  feature@lz4_compress           active                         local\nrpool  feature@multi_vdev_crash_dump  enabled                        local\nrpool  feature@spacemap_histogram     active                         local\nrpool  feature@enabled_txg            active                         local\nrpool  feature@hole_birth             active                         local\nrpool  feature@extensible_dataset     active                         local\nrpool  feature@embedded_data          active                         local\nrpool  feature@bookmarks              enabled                        local\nrpool  feature@filesystem_limits      enabled                        local\nrpool  feature@large_blocks           enabled                        local\nrpool  feature@large_dnode            enabled                        local\nrpool  feature@sha512                 enabled                        local\nrpool  feature@skein                  enabled                        local\nrpool  feature@edonr                  enabled                        local\nrpool  feature@userobj_accounting     active                         local\nrpool  feature@encryption             enabled                        local\nrpool  feature@project_quota          active                         local\nrpool  feature@device_removal         enabled                        local\nrpool  feature@obsolete_counts        enabled                        local\nrpool  feature@zpool_checkpoint       enabled                        local\nrpool  feature@spacemap_v2            active                         local\nrpool  feature@allocation_classes     enabled                        local\nrpool  feature@resilver_defer         enabled                        local\nrpool  feature@bookmark_v2            enabled                        local\nrpool  feature@redaction_bookmarks    enabled                        local\nrpool  feature@redacted_datasets      enabled                        local\nrpool  feature@bookmark_written       enabled                        local\nrpool  feature@log_spacemap           active                         local\nrpool  feature@livelist               enabled                        local\nrpool  feature@device_rebuild         enabled                        local\nrpool  feature@zstd_compress          enabled                        local\nrpool  feature@draid                  enabled                        local\nrpool  feature@zilsaxattr             enabled                        local\nrpool  feature@head_errlog            active                         local\nrpool  feature@blake3                 enabled                        local\nrpool  feature@block_cloning          enabled                        local\nrpool  feature@vdev_zaps_v2           active                         local\nrc=0\ncannot set property for 'rpool': property 'feature@async_destroy' can only be set to 'disabled' at creation time\ncannot set property for 'rpool': property 'feature@async_destroy' can only be set to 'enabled' or 'disabled'\ncannot set property for 'rpool': feature 'bogus' unsupported by kernel\nfeature@livelist\tenabled\nsize\t254G\nNAME   PROPERTY          VALUE             SOURCE\nrpool  feature@livelist  active            local\n",
    );
}

#[test]
fn a_resilver_rotates_the_error_log_and_clear_takes_vdev_names() {
    check(
        Some("sdb=1G,sdc=1G"),
        "zpool create tank mirror sdb sdc\ndd if=/dev/urandom of=/tank/file.bin bs=1M count=5 status=none\nzinject -d sdb -e corrupt -T read -f 100 tank\nzinject -d sdc -e corrupt -T read -f 100 tank\nzpool scrub -w tank\nzpool status -v tank | tail -3\nzpool clear tank mirror-0\necho rc=$?\nzpool clear tank mirror-1\nzpool offline tank sdc\nzpool online tank sdc\nzpool status -v tank | tail -2\nzfs create -V 1G nopool/x\nzfs create nopool/x\n",
        "Added handler 1 with the following properties:\n  pool: tank\n  vdev: 66337cee03f525a\nAdded handler 2 with the following properties:\n  pool: tank\n  vdev: 6b9b079dfaa5727e\nerrors: Permanent errors have been detected in the following files:\n\n        /tank/file.bin\nrc=0\ncannot clear errors for mirror-1: no such device in pool\n\nerrors: No known data errors\ncannot open 'nopool': no such pool\ncannot create 'nopool/x': no such pool 'nopool'\n",
    );
}

#[test]
fn snapshots_are_made_all_or_none() {
    check(
        None,
        "zfs snapshot rpool/data@s1\nzfs snapshot -r rpool@s1\necho rc=$?\nzfs snapshot rpool/data@a rpool/data@b\nzfs snapshot rpool@x rpool/data@\nzfs snapshot rpool@x rpool/data@s1\nzfs snapshot rpool@y rpool/data@y\nzfs list -t snapshot -o name\nzfs snapshot rpool/data@s1\n",
        "cannot create snapshot 'rpool/data@s1': dataset already exists\nno snapshots were created\nrc=1\ncannot create snapshots : multiple snapshots of same fs not allowed\nno snapshots were created\ncannot create snapshot 'rpool/data@': empty component or misplaced '@' or '#' delimiter in name\nno snapshots were created\ncannot create snapshot 'rpool/data@s1': dataset already exists\nno snapshots were created\nNAME\nrpool@y\nrpool/data@s1\nrpool/data@y\ncannot create snapshot 'rpool/data@s1': dataset already exists\n",
    );
}

#[test]
fn a_volume_size_rounds_up_to_whole_blocks() {
    check(
        None,
        "zfs create -V 1001K rpool/data/vol7\nzfs get -H -o value volsize,refreservation rpool/data/vol7\nzfs create -b 4K -V 1001K rpool/data/vol8\nzfs get -H -p -o value volsize rpool/data/vol8\nzfs create -b 3K -V 1001K rpool/data/vol10\n",
        "1008K\n2.98M\nWarning: volblocksize (4096) is less than the default minimum block size (16384).\nTo reduce wasted space a volblocksize of 16384 is recommended.\n1028096\ncannot create 'rpool/data/vol10': 'volblocksize' must be power of 2 from 512B to 16M\n",
    );
}

#[test]
fn a_disk_below_64m_is_refused_without_naming_it() {
    check(
        Some("sdb=1G,sdg=32M"),
        "zpool create t4 sdg\necho rc=$?\n",
        "cannot create 't4': one or more devices is less than the minimum size (64M)\nrc=1\n",
    );
}

#[test]
fn zfs_create_dry_run_and_verbose_list_what_zfs_do_create_passes() {
    check(
        None,
        "zfs create -nv -V 1G rpool/data/vol10\nzfs create -nvP -V 1G rpool/data/vol11\nzfs create -v rpool/data/fs1\nzfs create -n rpool/data/fs2\nzfs create -nv -o compression=zstd -o recsize=1M rpool/data/fs3\nzfs create -pv rpool/data/a/b/c\nzfs create -pnv rpool/data/x/y\nzfs create -nv -b 8K -V 1000K rpool/data/v3\nzfs create -nv -s -V 1G rpool/data/v4\nzfs create -n -V 1G nopool/v\nzfs create -n -o copies=9 rpool/data/q\nzfs create -u -V 1G rpool/data/q\nzfs list -r -o name rpool/data\n",
        "would create rpool/data/vol10\n\tvolsize=1073741824\n\trefreservation=1092616192\ncreate\trpool/data/vol11\nproperty\tvolsize\t1073741824\nproperty\trefreservation\t1092616192\ncreate rpool/data/fs1\nwould create rpool/data/fs3\n\tcompression=zstd\n\trecsize=1M\ncreate ancestors of rpool/data/a/b/c\ncreate rpool/data/a/b/c\nwould create ancestors of rpool/data/x/y\nwould create rpool/data/x/y\nWarning: volblocksize (8192) is less than the default minimum block size (16384).\nTo reduce wasted space a volblocksize of 16384 is recommended.\nwould create rpool/data/v3\n\tvolsize=1024000\n\tvolblocksize=8192\n\trefreservation=3121152\nwould create rpool/data/v4\n\tvolsize=1073741824\ncannot open 'nopool': no such pool\nbad copies value '9'\n'-u' can only be used when creating a filesystem\nusage:\n\tcreate [-Pnpuv] [-o property=value] ... <filesystem>\n\tcreate [-Pnpsv] [-b blocksize] [-o property=value] ... -V <size> <volume>\n\nFor the property list, run: zfs set|get\n\nFor the delegated permission list, run: zfs allow|unallow\n\nFor further help on a command or topic, run: zfs help [<topic>]\nNAME\nrpool/data\nrpool/data/a\nrpool/data/a/b\nrpool/data/a/b/c\nrpool/data/fs1\nrpool/data/vm-100-disk-0\n",
    );
}

#[test]
fn a_volumes_refreservation_follows_raidz_padding_and_ignores_copies() {
    // By hand from libzfs: on four 512-byte-sector disks a 16K block takes
    // 44 sectors and a 128K one 342, so 6400 blocks count
    // 6400 * 22528 * 131072 / 175104 bytes, plus 15 indirect blocks * 256K
    // = 111855771. Three disks pad nothing: 100M + 15 * 256K. `copies` is
    // not counted (libzfs looks it up as a string, and it is a number).
    check(
        Some("sdb=1G,sdc=1G,sdd=1G,sde=1G,sdf=1G,sdg=1G,sdh=1G"),
        "zpool create t raidz1 sdb sdc sdd sde\nzfs create -V 100M t/v\nzfs get -Hp -o value refreservation t/v\nzpool create u raidz1 sdf sdg sdh\nzfs create -nv -V 100M u/w\nzfs set copies=2 u\nzfs create -V 100M u/v\nzfs get -Hp -o value refreservation u/v\n",
        "111855771\nwould create u/w\n\tvolsize=104857600\n\trefreservation=108789760\n108789760\n",
    );
}

#[test]
fn zfs_diff_lists_changes_since_a_snapshot_in_object_order() {
    check(
        None,
        "cd /rpool/data\necho v1 > notes.txt\necho x > x\necho a > a\nzfs snapshot rpool/data@s1\nzfs diff rpool/data@s1\necho v2 > notes.txt\necho new > new.txt\nrm x\nmv a b\nmkdir sub\necho f > sub/f\nzfs diff rpool/data@s1\nzfs diff -FH rpool/data@s1\nzfs snapshot rpool/data@s2\necho \"sp ace\" > \"my file\"\nzfs diff -t rpool/data@s1 rpool/data@s2\nzfs diff @s2 rpool/data\nzfs diff rpool/data@s2 @s1\nls -i /rpool/data\nstat -c '%i %n' /rpool/data\ncat b\n",
        "M\t/rpool/data/notes.txt\n-\t/rpool/data/x\nR\t/rpool/data/a -> /rpool/data/b\n+\t/rpool/data/new.txt\n+\t/rpool/data/sub\n+\t/rpool/data/sub/f\nM\t/rpool/data/\nM\tF\t/rpool/data/notes.txt\n-\tF\t/rpool/data/x\nR\tF\t/rpool/data/a\t/rpool/data/b\n+\tF\t/rpool/data/new.txt\n+\t/\t/rpool/data/sub\n+\tF\t/rpool/data/sub/f\nM\t/\t/rpool/data/\n1795597207.000000000\tM\t/rpool/data/notes.txt\n1795597203.000000000\t-\t/rpool/data/x\n1795597210.000000000\tR\t/rpool/data/a -> /rpool/data/b\n1795597208.000000000\t+\t/rpool/data/new.txt\n1795597212.000000000\t+\t/rpool/data/sub\n1795597212.000000000\t+\t/rpool/data/sub/f\n1795597211.000000000\tM\t/rpool/data/\n+\t/rpool/data/my\\0040file\nM\t/rpool/data/\nUnable to obtain diffs: \n   Not an earlier snapshot from the same fs\n4 b\n8 my file\n5 new.txt\n2 notes.txt\n6 sub\n34 /rpool/data\na\n",
    );
}

#[test]
fn zfs_diff_refuses_as_libzfs_does() {
    check(
        None,
        "zfs diff rpool/data\nzfs diff rpool/data@nope\nzfs diff rpool/nope@s1\nzfs diff rpool/data/vm-100-disk-0@before_update\nzfs diff rpool/data@s1 rpool/data@s1\nzfs snapshot rpool/data@s1\nzfs diff rpool/data@s1 rpool/data@s1\nzfs diff rpool/data@s1 rpool@s1\nzfs diff @s1\necho rc=$?\nzfs diff a b c 2>&1 | head -2\nzfs set mountpoint=none rpool/data\nzfs diff rpool/data@s1\n",
        "Badly formed snapshot name rpool/data: missing '@' delimiter in snapshot name\nUnable to obtain diffs: No such file or directory\ncannot open 'rpool/nope': dataset does not exist\ncannot open 'rpool/data/vm-100-disk-0': operation not applicable to datasets of this type\nUnable to obtain diffs: No such file or directory\nUnable to obtain diffs: \n   Not an earlier snapshot from the same fs\nNot an earlier snapshot from the same fs: invalid name\nusage:\n\tdiff [-FHth] <snapshot> [snapshot|filesystem]\n\nFor the property list, run: zfs set|get\n\nFor the delegated permission list, run: zfs allow|unallow\n\nFor further help on a command or topic, run: zfs help [<topic>]\nrc=2\ntoo many arguments\nusage:\nCannot diff an unmounted snapshot: operation not applicable to datasets of this type\n",
    );
}

#[test]
fn zfs_get_all_on_a_snapshot_leaves_out_what_snapshots_lack() {
    check(
        None,
        "zfs snapshot rpool/data@s1\nzfs get all rpool/data@s1\nzfs get available,mountpoint rpool/data@s1\n",
        "NAME           PROPERTY              VALUE                  SOURCE\nrpool/data@s1  type                  snapshot               -\nrpool/data@s1  creation              Wed Nov 25  9:00 2026  -\nrpool/data@s1  used                  0B                     -\nrpool/data@s1  referenced            96K                    -\nrpool/data@s1  compressratio         1.00x                  -\nrpool/data@s1  devices               on                     default\nrpool/data@s1  exec                  on                     default\nrpool/data@s1  setuid                on                     default\nrpool/data@s1  createtxg             8                      -\nrpool/data@s1  xattr                 on                     default\nrpool/data@s1  version               5                      -\nrpool/data@s1  utf8only              off                    -\nrpool/data@s1  normalization         none                   -\nrpool/data@s1  casesensitivity       sensitive              -\nrpool/data@s1  nbmand                off                    default\nrpool/data@s1  guid                  15511835192130365774   -\nrpool/data@s1  primarycache          all                    default\nrpool/data@s1  secondarycache        all                    default\nrpool/data@s1  defer_destroy         off                    -\nrpool/data@s1  userrefs              0                      -\nrpool/data@s1  objsetid              4                      -\nrpool/data@s1  mlslabel              none                   default\nrpool/data@s1  refcompressratio      1.00x                  -\nrpool/data@s1  written               96K                    -\nrpool/data@s1  logicalreferenced     42K                    -\nrpool/data@s1  acltype               off                    default\nrpool/data@s1  context               none                   default\nrpool/data@s1  fscontext             none                   default\nrpool/data@s1  defcontext            none                   default\nrpool/data@s1  rootcontext           none                   default\nrpool/data@s1  encryption            off                    default\nrpool/data@s1  prefetch              all                    default\nNAME           PROPERTY    VALUE       SOURCE\nrpool/data@s1  available   -           -\nrpool/data@s1  mountpoint  -           -\n",
    );
}

#[test]
fn zpool_status_options_add_columns_suffixes_and_prune_as_print_status_config() {
    check(
        DISKS,
        "zpool create tank mirror sdb sdc\nzpool create solo sdd\ndd if=/dev/urandom of=/tank/big bs=1M count=8 status=none\ndd if=/dev/zero of=/dev/sdc1 bs=1M seek=4 count=200 status=none\nzpool scrub tank\nzpool status -e -s tank\nzpool status -t -i solo\nzpool status -D -T u solo\nzpool status -T d -x\nzpool status -T x 2>&1 | head -1\n",
        "  pool: tank\n state: ONLINE\nstatus: One or more devices has experienced an unrecoverable error.  An\n\tattempt was made to correct the error.  Applications are unaffected.\naction: Determine if the device needs to be replaced, and clear the errors\n\tusing 'zpool clear' or replace the device with 'zpool replace'.\n   see: https://openzfs.github.io/openzfs-docs/msg/ZFS-8000-9P\n  scan: scrub repaired 8.03M in 00:00:00 with 0 errors on Wed Nov 25 09:00:05 2026\nconfig:\n\n\tNAME        STATE     READ WRITE CKSUM  SLOW\n\ttank        ONLINE       0     0     0     -\n\t  mirror-0  ONLINE       0     0     0     -\n\t    sdc     ONLINE       0     0    96     0\n\nerrors: No known data errors\n  pool: solo\n state: ONLINE\nconfig:\n\n\tNAME        STATE     READ WRITE CKSUM\n\tsolo        ONLINE       0     0     0\n\t  sdd       ONLINE       0     0     0  (uninitialized)  (trim unsupported)\n\nerrors: No known data errors\n1795597208\n  pool: solo\n state: ONLINE\nconfig:\n\n\tNAME        STATE     READ WRITE CKSUM\n\tsolo        ONLINE       0     0     0\n\t  sdd       ONLINE       0     0     0\n\nerrors: No known data errors\n\n dedup: no DDT entries\nWed Nov 25 09:00:09 UTC 2026\n  pool: tank\n state: ONLINE\nstatus: One or more devices has experienced an unrecoverable error.  An\n\tattempt was made to correct the error.  Applications are unaffected.\naction: Determine if the device needs to be replaced, and clear the errors\n\tusing 'zpool clear' or replace the device with 'zpool replace'.\n   see: https://openzfs.github.io/openzfs-docs/msg/ZFS-8000-9P\n  scan: scrub repaired 8.03M in 00:00:00 with 0 errors on Wed Nov 25 09:00:05 2026\nconfig:\n\n\tNAME        STATE     READ WRITE CKSUM\n\ttank        ONLINE       0     0     0\n\t  mirror-0  ONLINE       0     0     0\n\t    sdb     ONLINE       0     0     0\n\t    sdc     ONLINE       0     0    96\n\nerrors: No known data errors\nusage:\n",
    );
}

#[test]
fn status_v_lists_each_dataset_and_snapshot_still_holding_a_bad_block() {
    check(
        Some("sdb=1G"),
        "zpool create -O compression=off tank sdb\ndd if=/dev/urandom of=/tank/file.bin bs=1M count=2 status=none\necho hello > /tank/notes.txt\nzfs create tank/fs\necho a > /tank/fs/a.txt\nzfs snapshot tank@s1\nzinject -d sdb1 -e corrupt -T read -f 100 tank\nzpool scrub tank\nzpool status -v tank | tail -6\nzinject -c all\nrm /tank/notes.txt\nzpool scrub tank\nzpool status -v tank | tail -5\nzfs destroy tank@s1\nzpool scrub tank\nzpool status -v tank | tail -3\n",
        "Added handler 1 with the following properties:\n  pool: tank\n  vdev: 6e910cc3856e8b63\n\n        /tank/file.bin\n        /tank/notes.txt\n        /tank/fs/a.txt\n        tank@s1:/file.bin\n        tank@s1:/notes.txt\nremoved all registered handlers\n\n        /tank/file.bin\n        /tank/fs/a.txt\n        tank@s1:/file.bin\n        tank@s1:/notes.txt\n\n        /tank/file.bin\n        /tank/fs/a.txt\n",
    );
}

#[test]
fn zfs_receive_options_and_send_checks_follow_libzfs_sendrecv() {
    check(
        None,
        "echo one > /rpool/data/a\nzfs snapshot rpool/data@s1\necho two > /rpool/data/b\nzfs snapshot rpool/data@s2\necho three > /rpool/data/c\nzfs snapshot rpool/data@s3\nzfs send rpool/data@s1 | zfs recv -nv rpool/copy4\nzfs list -H -o name rpool/copy4\nzfs send rpool/data@s1 | zfs recv -v rpool/copy3\nzfs create rpool/bk\nzfs send rpool/data@s1 | zfs recv -d rpool/bk\nzfs send rpool/data@s1 | zfs recv -e rpool/bk2\nzfs send rpool/data@s1 | zfs recv rpool/copy5@mysnap\nzfs send rpool/data@s1 | zfs recv -F rpool/copy3\nzfs send -I @s1 rpool/data@s3 | zfs recv -v rpool/copy3\nzfs list -t snapshot -o name -r rpool/copy3 rpool/bk rpool/copy5\nls /rpool/copy3\nzfs send -i @s3 rpool/data@s1 | zfs recv rpool/copy3\nzfs send -i @nope rpool/data@s2 > /dev/null\nzfs send rpool/data > /dev/null\necho junk | zfs recv rpool/zz\nzfs list -r -o name rpool\n",
        "would receive full stream of rpool/data@s1 into rpool/copy4@s1\ncannot open 'rpool/copy4': dataset does not exist\nreceiving full stream of rpool/data@s1 into rpool/copy3@s1\nreceived 185B stream in 0.01 seconds (18.1K/sec)\ncannot receive: specified fs (rpool/bk2) does not exist\ncannot receive new filesystem stream: destination has snapshots (eg. rpool/copy3@s1)\nmust destroy them to overwrite it\nreceiving incremental stream of rpool/data@s2 into rpool/copy3@s2\nreceived 204B stream in 0.01 seconds (19.9K/sec)\nreceiving incremental stream of rpool/data@s3 into rpool/copy3@s3\nreceived 206B stream in 0.01 seconds (20.1K/sec)\nNAME\nrpool/bk/data@s1\nrpool/copy3@s1\nrpool/copy3@s2\nrpool/copy3@s3\nrpool/copy5@mysnap\na\nb\nc\nwarning: cannot send 'rpool/data@s1': not an earlier snapshot from the same fs\ncannot receive: failed to read from stream\ncannot open 'rpool/data@nope': dataset does not exist\nwarning: cannot send 'rpool/data': target is busy; if a filesystem, it must not be mounted\ncannot receive: failed to read from stream\nNAME\nrpool\nrpool/bk\nrpool/bk/data\nrpool/copy3\nrpool/copy5\nrpool/data\nrpool/data/vm-100-disk-0\n",
    );
}

#[test]
fn zpool_upgrade_trim_initialize_resilver_as_zpool_main_prints() {
    check(
        None,
        "zpool upgrade\nzpool upgrade rpool nope\nzpool upgrade -a\nzpool upgrade -v | tail -8\nzpool trim rpool\necho rc=$?\nzpool status -t rpool | grep nvme\nzpool status rpool | grep nvme0n1\nzpool trim -s rpool\necho rc=$?\nzpool trim rpool mirror-0\nzpool trim rpool sdz\necho rc=$?\nzpool initialize rpool nvme1n1\nzpool status -i -t rpool | grep nvme\nzpool initialize -u rpool\nzpool status -i rpool | grep nvme\nzpool initialize -c -w rpool\nzpool trim\nzpool resilver rpool\nzpool resilver\nzpool reopen\nzpool create tank sdb\nzpool trim tank\necho rc=$?\n",
        "This system supports ZFS pool feature flags.\n\nAll pools are formatted using feature flags.\n\nEvery feature flags pool has all supported and requested features enabled.\ncannot open 'nope': no such pool\nThis system supports ZFS pool feature flags.\n\nPool 'rpool' already has all supported and requested features enabled.\nThis system supports ZFS pool feature flags.\n\nAll pools are already formatted using feature flags.\n\nEvery feature flags pool already has all supported and requested features enabled.\n 25  Improved scrub stats\n 26  Improved snapshot deletion performance\n 27  Improved snapshot creation performance\n 28  Multiple vdev replacements\n\nFor more information on a particular version, including supported releases,\nsee the ZFS Administration Guide.\n\nrc=0\n\t    nvme0n1  ONLINE       0     0     0  (100% trimmed, completed at Wed Nov 25 09:00:05 2026)\n\t    nvme1n1  ONLINE       0     0     0  (100% trimmed, completed at Wed Nov 25 09:00:05 2026)\n\t    nvme0n1  ONLINE       0     0     0\ncannot trim '/dev/nvme0n1p1': there is no active trim\ncannot trim '/dev/nvme1n1p1': there is no active trim\nrc=255\ncannot trim 'mirror-0': invalid device\ncannot trim 'sdz': no such device in pool\nrc=255\n\t    nvme0n1  ONLINE       0     0     0  (uninitialized)  (100% trimmed, completed at Wed Nov 25 09:00:05 2026)\n\t    nvme1n1  ONLINE       0     0     0  (100% initialized, completed at Wed Nov 25 09:00:14 2026)  (100% trimmed, completed at Wed Nov 25 09:00:05 2026)\n\t    nvme0n1  ONLINE       0     0     0  (uninitialized)\n\t    nvme1n1  ONLINE       0     0     0  (uninitialized)\n-w cannot be used with -c, -sor -u\nusage:\n\tinitialize [-c | -s | -u] [-w] <pool> [<device> ...]\nmissing pool name argument\nusage:\n\ttrim [-dw] [-r <rate>] [-c | -s] <pool> [<device> ...]\nmissing pool name argument\nusage:\n\tresilver <pool> ...\ncannot trim: no devices in pool support trim operations\nrc=255\n",
    );
}

#[test]
fn trim_refuses_disks_without_discard_and_upgrade_lists_features() {
    check(
        Some("sdb=1G"),
        "zpool create tank sdb\nzpool trim tank\necho rc=$?\nzpool trim tank sdb\nzpool status -t tank | grep sdb\nzpool upgrade -v\n",
        "cannot trim: no devices in pool support trim operations\nrc=255\ncannot trim 'sdb': trim operations are not supported by this device\n\t  sdb       ONLINE       0     0     0  (trim unsupported)\nThis system supports ZFS pool feature flags.\n\nThe following features are supported:\n\nFEAT DESCRIPTION\n-------------------------------------------------------------\nasync_destroy                         (read-only compatible)\n     Destroy filesystems asynchronously.\nempty_bpobj                           (read-only compatible)\n     Snapshots use less space.\nlz4_compress                         \n     LZ4 compression algorithm support.\nmulti_vdev_crash_dump                \n     Crash dumps to multiple vdev pools.\nspacemap_histogram                    (read-only compatible)\n     Spacemaps maintain space histograms.\nenabled_txg                           (read-only compatible)\n     Record txg at which a feature is enabled\nhole_birth                           \n     Retain hole birth txg for more precise zfs send\nextensible_dataset                   \n     Enhanced dataset functionality, used by other features.\nembedded_data                        \n     Blocks which compress very well use even less space.\nbookmarks                             (read-only compatible)\n     \"zfs bookmark\" command\nfilesystem_limits                     (read-only compatible)\n     Filesystem and snapshot limits.\nlarge_blocks                         \n     Support for blocks larger than 128KB.\nlarge_dnode                          \n     Variable on-disk size of dnodes.\nsha512                               \n     SHA-512/256 hash algorithm.\nskein                                \n     Skein hash algorithm.\nedonr                                \n     Edon-R hash algorithm.\nuserobj_accounting                    (read-only compatible)\n     User/Group object accounting.\nencryption                           \n     Support for dataset level encryption\nproject_quota                         (read-only compatible)\n     space/object accounting based on project ID.\ndevice_removal                       \n     Top-level vdevs can be removed, reducing logical pool size.\nobsolete_counts                       (read-only compatible)\n     Reduce memory used by removed devices when their blocks are freed or remapped.\nzpool_checkpoint                      (read-only compatible)\n     Pool state can be checkpointed, allowing rewind later.\nspacemap_v2                           (read-only compatible)\n     Space maps representing large segments are more efficient.\nallocation_classes                    (read-only compatible)\n     Support for separate allocation classes.\nresilver_defer                        (read-only compatible)\n     Support for deferring new resilvers when one is already running.\nbookmark_v2                          \n     Support for larger bookmarks\nredaction_bookmarks                  \n     Support for bookmarks which store redaction lists for zfs redacted send/recv.\nredacted_datasets                    \n     Support for redacted datasets, produced by receiving a redacted zfs send stream.\nbookmark_written                     \n     Additional accounting, enabling the written#<bookmark> property (space written since a bookmark), and estimates of send stream sizes for incrementals from bookmarks.\nlog_spacemap                          (read-only compatible)\n     Log metaslab changes on a single spacemap and flush them periodically.\nlivelist                              (read-only compatible)\n     Improved clone deletion performance.\ndevice_rebuild                        (read-only compatible)\n     Support for sequential mirror/dRAID device rebuilds\nzstd_compress                        \n     zstd compression algorithm support.\ndraid                                \n     Support for distributed spare RAID\nzilsaxattr                            (read-only compatible)\n     Support for xattr=sa extended attribute logging in ZIL.\nhead_errlog                          \n     Support for per-dataset on-disk error logs.\nblake3                               \n     BLAKE3 hash algorithm.\nblock_cloning                         (read-only compatible)\n     Support for block cloning via Block Reference Table.\nvdev_zaps_v2                         \n     Support for root vdev ZAP.\n\nThe following legacy versions are also supported:\n\nVER  DESCRIPTION\n---  --------------------------------------------------------\n 1   Initial ZFS version\n 2   Ditto blocks (replicated metadata)\n 3   Hot spares and double parity RAID-Z\n 4   zpool history\n 5   Compression using the gzip algorithm\n 6   bootfs pool property\n 7   Separate intent log devices\n 8   Delegated administration\n 9   refquota and refreservation properties\n 10  Cache devices\n 11  Improved scrub performance\n 12  Snapshot properties\n 13  snapused property\n 14  passthrough-x aclinherit\n 15  user/group space accounting\n 16  stmf property support\n 17  Triple-parity RAID-Z\n 18  Snapshot user holds\n 19  Log device removal\n 20  Compression using zle (zero-length encoding)\n 21  Deduplication\n 22  Received properties\n 23  Slim ZIL\n 24  System attributes\n 25  Improved scrub stats\n 26  Improved snapshot deletion performance\n 27  Improved snapshot creation performance\n 28  Multiple vdev replacements\n\nFor more information on a particular version, including supported releases,\nsee the ZFS Administration Guide.\n\n",
    );
}

#[test]
fn zed_degrades_a_leaf_after_ten_checksum_errors_from_reads() {
    // zfs_diagnosis ignores a scrub's checksum ereports, so the first 84
    // leave sdc ONLINE; the reads of md5sum pass ten within 600 s, and
    // zfs_retire degrades it (VDEV_AUX_ERR_EXCEEDED) until zpool clear.
    check(
        DISKS,
        "zpool create tank mirror sdb sdc\ndd if=/dev/urandom of=/tank/big bs=1M count=8 status=none\ndd if=/dev/zero of=/dev/sdc1 bs=1M seek=4 count=200 status=none\nzpool scrub tank\nzpool status tank | grep -A5 NAME\ndd if=/dev/zero of=/dev/sdc1 bs=1M seek=4 count=200 status=none\nmd5sum /tank/big > /dev/null\nzpool status tank\nzpool status -x\nzpool clear tank\nzpool status tank | grep -A5 NAME\n",
        "\tNAME        STATE     READ WRITE CKSUM\n\ttank        ONLINE       0     0     0\n\t  mirror-0  ONLINE       0     0     0\n\t    sdb     ONLINE       0     0     0\n\t    sdc     ONLINE       0     0    96\n\n  pool: tank\n state: DEGRADED\nstatus: One or more devices has experienced an unrecoverable error.  An\n\tattempt was made to correct the error.  Applications are unaffected.\naction: Determine if the device needs to be replaced, and clear the errors\n\tusing 'zpool clear' or replace the device with 'zpool replace'.\n   see: https://openzfs.github.io/openzfs-docs/msg/ZFS-8000-9P\n  scan: scrub repaired 8.03M in 00:00:00 with 0 errors on Wed Nov 25 09:00:04 2026\nconfig:\n\n\tNAME        STATE     READ WRITE CKSUM\n\ttank        DEGRADED     0     0     0\n\t  mirror-0  DEGRADED     0     0     0\n\t    sdb     ONLINE       0     0     0\n\t    sdc     DEGRADED     0     0   128  too many errors\n\nerrors: No known data errors\n  pool: tank\n state: DEGRADED\nstatus: One or more devices has experienced an unrecoverable error.  An\n\tattempt was made to correct the error.  Applications are unaffected.\naction: Determine if the device needs to be replaced, and clear the errors\n\tusing 'zpool clear' or replace the device with 'zpool replace'.\n   see: https://openzfs.github.io/openzfs-docs/msg/ZFS-8000-9P\n  scan: scrub repaired 8.03M in 00:00:00 with 0 errors on Wed Nov 25 09:00:04 2026\nconfig:\n\n\tNAME        STATE     READ WRITE CKSUM\n\ttank        DEGRADED     0     0     0\n\t  mirror-0  DEGRADED     0     0     0\n\t    sdb     ONLINE       0     0     0\n\t    sdc     DEGRADED     0     0   128  too many errors\n\nerrors: No known data errors\n\tNAME        STATE     READ WRITE CKSUM\n\ttank        ONLINE       0     0     0\n\t  mirror-0  ONLINE       0     0     0\n\t    sdb     ONLINE       0     0     0\n\t    sdc     ONLINE       0     0     0\n\n",
    );
}

#[test]
fn a_receive_checks_before_it_changes_anything() {
    check(
        None,
        "echo one > /rpool/data/a\nzfs snapshot rpool/data@s1\nzfs send rpool/data@s1 | zfs recv rpool/copy\nzfs send rpool/data@s1 | zfs recv -nv rpool/copy\nzfs send rpool/data@s1 | zfs recv -nv rpool/new\nzfs send rpool/data@s1 | zfs recv -d rpool/missing\nzfs send rpool/data@s1 | zfs recv -d rpool/copy@x\nzfs send rpool/data@s1 | zfs recv rpool/nope/deep\nprintf 'STORAGE-LAB ZFS SEND STREAM 1\\n{\"snapshot\":\"a@b\",\"from\":null,\"volume\":null,\"dirs\":[],\"files\":[[\"/x\",18446744073709551615],[\"/y\",1]],\"ranges\":[],\"removed\":[]}\\n' | zfs recv rpool/q\nzfs list -H -o name -r rpool\n",
        "cannot receive new filesystem stream: destination 'rpool/copy' exists\nmust specify -F to overwrite it\nwould receive full stream of rpool/data@s1 into rpool/new@s1\ncannot receive: specified fs (rpool/missing) does not exist\ncannot receive: specified fs (rpool/copy@x) does not exist\ncannot open 'rpool/nope': dataset does not exist\ncannot receive new filesystem stream: unable to restore to destination\ncannot receive: invalid stream (bad magic number)\nrpool\nrpool/copy\nrpool/data\nrpool/data/vm-100-disk-0\n",
    );
}

#[test]
fn zfs_get_all_lists_every_property_in_zfs_prop_t_order() {
    check(
        None,
        "zfs snapshot rpool/data/vm-100-disk-0@s1\nzfs get all rpool/data\nzfs get all rpool/data/vm-100-disk-0\nzfs get all rpool/data/vm-100-disk-0@s1\nzfs list -o name,mounted,guid,objsetid,xattr,written,lused,lrefer\nzfs get -p written,logicalused,snapshots_changed rpool/data/vm-100-disk-0\n",
        "NAME        PROPERTY              VALUE                  SOURCE\nrpool/data  type                  filesystem             -\nrpool/data  creation              Tue Nov 24  9:00 2026  -\nrpool/data  used                  32.5G                  -\nrpool/data  available             214G                   -\nrpool/data  referenced            96K                    -\nrpool/data  compressratio         1.00x                  -\nrpool/data  mounted               yes                    -\nrpool/data  quota                 none                   default\nrpool/data  reservation           none                   default\nrpool/data  recordsize            128K                   default\nrpool/data  mountpoint            /rpool/data            default\nrpool/data  sharenfs              off                    default\nrpool/data  checksum              on                     default\nrpool/data  compression           on                     default\nrpool/data  atime                 on                     default\nrpool/data  devices               on                     default\nrpool/data  exec                  on                     default\nrpool/data  setuid                on                     default\nrpool/data  readonly              off                    default\nrpool/data  zoned                 off                    default\nrpool/data  snapdir               hidden                 default\nrpool/data  aclmode               discard                default\nrpool/data  aclinherit            restricted             default\nrpool/data  createtxg             6                      -\nrpool/data  canmount              on                     default\nrpool/data  xattr                 on                     default\nrpool/data  copies                1                      default\nrpool/data  version               5                      -\nrpool/data  utf8only              off                    -\nrpool/data  normalization         none                   -\nrpool/data  casesensitivity       sensitive              -\nrpool/data  vscan                 off                    default\nrpool/data  nbmand                off                    default\nrpool/data  sharesmb              off                    default\nrpool/data  refquota              none                   default\nrpool/data  refreservation        none                   default\nrpool/data  guid                  18188662951067115560   -\nrpool/data  primarycache          all                    default\nrpool/data  secondarycache        all                    default\nrpool/data  usedbysnapshots       0B                     -\nrpool/data  usedbydataset         96K                    -\nrpool/data  usedbychildren        32.5G                  -\nrpool/data  usedbyrefreservation  0B                     -\nrpool/data  logbias               latency                default\nrpool/data  objsetid              2                      -\nrpool/data  dedup                 off                    default\nrpool/data  mlslabel              none                   default\nrpool/data  sync                  standard               default\nrpool/data  dnodesize             legacy                 default\nrpool/data  refcompressratio      1.00x                  -\nrpool/data  written               96K                    -\nrpool/data  logicalused           70K                    -\nrpool/data  logicalreferenced     42K                    -\nrpool/data  volmode               default                default\nrpool/data  filesystem_limit      none                   default\nrpool/data  snapshot_limit        none                   default\nrpool/data  filesystem_count      none                   default\nrpool/data  snapshot_count        none                   default\nrpool/data  snapdev               hidden                 default\nrpool/data  acltype               off                    default\nrpool/data  context               none                   default\nrpool/data  fscontext             none                   default\nrpool/data  defcontext            none                   default\nrpool/data  rootcontext           none                   default\nrpool/data  relatime              on                     default\nrpool/data  redundant_metadata    all                    default\nrpool/data  overlay               on                     default\nrpool/data  encryption            off                    default\nrpool/data  keylocation           none                   default\nrpool/data  keyformat             none                   default\nrpool/data  pbkdf2iters           0                      default\nrpool/data  special_small_blocks  0                      default\nrpool/data  prefetch              all                    default\nNAME                      PROPERTY              VALUE                     SOURCE\nrpool/data/vm-100-disk-0  type                  volume                    -\nrpool/data/vm-100-disk-0  creation              Tue Nov 24  9:00 2026     -\nrpool/data/vm-100-disk-0  used                  32.5G                     -\nrpool/data/vm-100-disk-0  available             246G                      -\nrpool/data/vm-100-disk-0  referenced            56K                       -\nrpool/data/vm-100-disk-0  compressratio         1.00x                     -\nrpool/data/vm-100-disk-0  reservation           none                      default\nrpool/data/vm-100-disk-0  volsize               32G                       local\nrpool/data/vm-100-disk-0  volblocksize          16K                       default\nrpool/data/vm-100-disk-0  checksum              on                        default\nrpool/data/vm-100-disk-0  compression           on                        default\nrpool/data/vm-100-disk-0  readonly              off                       default\nrpool/data/vm-100-disk-0  createtxg             7                         -\nrpool/data/vm-100-disk-0  copies                1                         default\nrpool/data/vm-100-disk-0  refreservation        32.5G                     local\nrpool/data/vm-100-disk-0  guid                  13895322291920842169      -\nrpool/data/vm-100-disk-0  primarycache          all                       default\nrpool/data/vm-100-disk-0  secondarycache        all                       default\nrpool/data/vm-100-disk-0  usedbysnapshots       0B                        -\nrpool/data/vm-100-disk-0  usedbydataset         56K                       -\nrpool/data/vm-100-disk-0  usedbychildren        0B                        -\nrpool/data/vm-100-disk-0  usedbyrefreservation  32.5G                     -\nrpool/data/vm-100-disk-0  logbias               latency                   default\nrpool/data/vm-100-disk-0  objsetid              3                         -\nrpool/data/vm-100-disk-0  dedup                 off                       default\nrpool/data/vm-100-disk-0  mlslabel              none                      default\nrpool/data/vm-100-disk-0  sync                  standard                  default\nrpool/data/vm-100-disk-0  refcompressratio      1.00x                     -\nrpool/data/vm-100-disk-0  written               0                         -\nrpool/data/vm-100-disk-0  logicalused           28K                       -\nrpool/data/vm-100-disk-0  logicalreferenced     28K                       -\nrpool/data/vm-100-disk-0  volmode               default                   default\nrpool/data/vm-100-disk-0  snapshot_limit        none                      default\nrpool/data/vm-100-disk-0  snapshot_count        none                      default\nrpool/data/vm-100-disk-0  snapdev               hidden                    default\nrpool/data/vm-100-disk-0  context               none                      default\nrpool/data/vm-100-disk-0  fscontext             none                      default\nrpool/data/vm-100-disk-0  defcontext            none                      default\nrpool/data/vm-100-disk-0  rootcontext           none                      default\nrpool/data/vm-100-disk-0  redundant_metadata    all                       default\nrpool/data/vm-100-disk-0  encryption            off                       default\nrpool/data/vm-100-disk-0  keylocation           none                      default\nrpool/data/vm-100-disk-0  keyformat             none                      default\nrpool/data/vm-100-disk-0  pbkdf2iters           0                         default\nrpool/data/vm-100-disk-0  snapshots_changed     Wed Nov 25  9:00:01 2026  -\nrpool/data/vm-100-disk-0  prefetch              all                       default\nNAME                         PROPERTY              VALUE                  SOURCE\nrpool/data/vm-100-disk-0@s1  type                  snapshot               -\nrpool/data/vm-100-disk-0@s1  creation              Wed Nov 25  9:00 2026  -\nrpool/data/vm-100-disk-0@s1  used                  0B                     -\nrpool/data/vm-100-disk-0@s1  referenced            56K                    -\nrpool/data/vm-100-disk-0@s1  compressratio         1.00x                  -\nrpool/data/vm-100-disk-0@s1  volsize               32G                    local\nrpool/data/vm-100-disk-0@s1  createtxg             8                      -\nrpool/data/vm-100-disk-0@s1  guid                  15511835192130365774   -\nrpool/data/vm-100-disk-0@s1  primarycache          all                    default\nrpool/data/vm-100-disk-0@s1  secondarycache        all                    default\nrpool/data/vm-100-disk-0@s1  defer_destroy         off                    -\nrpool/data/vm-100-disk-0@s1  userrefs              0                      -\nrpool/data/vm-100-disk-0@s1  objsetid              4                      -\nrpool/data/vm-100-disk-0@s1  mlslabel              none                   default\nrpool/data/vm-100-disk-0@s1  refcompressratio      1.00x                  -\nrpool/data/vm-100-disk-0@s1  written               56K                    -\nrpool/data/vm-100-disk-0@s1  logicalreferenced     28K                    -\nrpool/data/vm-100-disk-0@s1  context               none                   default\nrpool/data/vm-100-disk-0@s1  fscontext             none                   default\nrpool/data/vm-100-disk-0@s1  defcontext            none                   default\nrpool/data/vm-100-disk-0@s1  rootcontext           none                   default\nrpool/data/vm-100-disk-0@s1  encryption            off                    default\nrpool/data/vm-100-disk-0@s1  prefetch              all                    default\nNAME                      MOUNTED                  GUID  OBJSETID  XATTR  WRITTEN  LUSED  LREFER\nrpool                     yes      16860385374811628699         1  on        104K   116K     46K\nrpool/data                yes      18188662951067115560         2  on         96K    70K     42K\nrpool/data/vm-100-disk-0  -        13895322291920842169         3  -            0    28K     28K\nNAME                      PROPERTY           VALUE              SOURCE\nrpool/data/vm-100-disk-0  written            0                  -\nrpool/data/vm-100-disk-0  logicalused        28672              -\nrpool/data/vm-100-disk-0  snapshots_changed  1795597201         -\n",
    );
}

#[test]
fn zfs_set_takes_several_datasets_and_send_takes_a_bare_source() {
    check(
        None,
        "zfs set compression rpool/data\necho rc=$?\nzfs set compression=zstd atime=off rpool rpool/data\nzfs get -H -o name,property,value,source compression,atime rpool rpool/data\nzfs set a=b\nzfs set rpool\nzfs set rpool a=b\nzfs set atime=on atime=off rpool\necho rc=$?\nzfs set atime=on nope rpool/data\necho rc=$?\nzfs set\necho a > /rpool/data/f\nzfs snapshot rpool/data@s1\necho b > /rpool/data/g\nzfs snapshot rpool/data@s2\nzfs send rpool/data@s1 | zfs recv rpool/c\nzfs send -i s1 rpool/data@s2 | zfs recv rpool/c\nzfs list -H -t snapshot -o name -r rpool/c\n",
        "cannot open 'compression': dataset does not exist\nrc=1\nrpool\tcompression\tzstd\tlocal\nrpool\tatime\toff\tlocal\nrpool/data\tcompression\tzstd\tlocal\nrpool/data\tatime\toff\tlocal\nmissing dataset name(s)\nusage:\n\tset [-u] <property=value> ... <filesystem|volume|snapshot> ...\n\nThe following properties are supported:\n\n\tPROPERTY       EDIT  INHERIT   VALUES\n\n\tavailable        NO       NO   <size>\n\tclones           NO       NO   <dataset>[,...]\n\tcompressratio    NO       NO   <1.00x or higher if compressed>\n\tcreatetxg        NO       NO   <uint64>\n\tcreation         NO       NO   <date>\n\tdefer_destroy    NO       NO   yes | no\n\tencryptionroot   NO       NO   <filesystem | volume>\n\tfilesystem_count  NO       NO   <count>\n\tguid             NO       NO   <uint64>\n\tkeystatus        NO       NO   none | unavailable | available\n\tlogicalreferenced  NO       NO   <size>\n\tlogicalused      NO       NO   <size>\n\tmounted          NO       NO   yes | no\n\tobjsetid         NO       NO   <uint64>\n\torigin           NO       NO   <snapshot>\n\treceive_resume_token  NO       NO   <string token>\n\tredact_snaps     NO       NO   <snapshot>[,...]\n\trefcompressratio  NO       NO   <1.00x or higher if compressed>\n\treferenced       NO       NO   <size>\n\tsnapshot_count   NO       NO   <count>\n\tsnapshots_changed  NO       NO   <date>\n\ttype             NO       NO   filesystem | volume | snapshot | bookmark\n\tused             NO       NO   <size>\n\tusedbychildren   NO       NO   <size>\n\tusedbydataset    NO       NO   <size>\n\tusedbyrefreservation  NO       NO   <size>\n\tusedbysnapshots  NO       NO   <size>\n\tuserrefs         NO       NO   <count>\n\twritten          NO       NO   <size>\n\taclinherit      YES      YES   discard | noallow | restricted | passthrough | passthrough-x\n\taclmode         YES      YES   discard | groupmask | passthrough | restricted\n\tacltype         YES      YES   off | nfsv4 | posix\n\tatime           YES      YES   on | off\n\tcanmount        YES       NO   on | off | noauto\n\tcasesensitivity  NO      YES   sensitive | insensitive | mixed\n\tchecksum        YES      YES   on | off | fletcher2 | fletcher4 | sha256 | sha512 | skein | edonr | blake3\n\tcompression     YES      YES   on | off | lzjb | gzip | gzip-[1-9] | zle | lz4 | zstd | zstd-[1-19] | zstd-fast | zstd-fast-[1-10,20,30,40,50,60,70,80,90,100,500,1000]\n\tcontext         YES       NO   <selinux context>\n\tcopies          YES      YES   1 | 2 | 3\n\tdedup           YES      YES   on | off | verify | sha256[,verify] | sha512[,verify] | skein[,verify] | edonr,verify | blake3[,verify]\n\tdefcontext      YES       NO   <selinux defcontext>\n\tdevices         YES      YES   on | off\n\tdnodesize       YES      YES   legacy | auto | 1k | 2k | 4k | 8k | 16k\n\tencryption       NO      YES   on | off | aes-128-ccm | aes-192-ccm | aes-256-ccm | aes-128-gcm | aes-192-gcm | aes-256-gcm\n\texec            YES      YES   on | off\n\tfilesystem_limit YES       NO   <count> | none\n\tfscontext       YES       NO   <selinux fscontext>\n\tkeyformat        NO       NO   none | raw | hex | passphrase\n\tkeylocation     YES       NO   prompt | <file URI> | <https URL> | <http URL>\n\tlogbias         YES      YES   latency | throughput\n\tmlslabel        YES      YES   <sensitivity label>\n\tmountpoint      YES      YES   <path> | legacy | none\n\tnbmand          YES      YES   on | off\n\tnormalization    NO      YES   none | formC | formD | formKC | formKD\n\toverlay         YES      YES   on | off\n\tpbkdf2iters      NO       NO   <iters>\n\tprefetch        YES      YES   none | metadata | all\n\tprimarycache    YES      YES   all | none | metadata\n\tquota           YES       NO   <size> | none\n\treadonly        YES      YES   on | off\n\trecordsize      YES      YES   512 to 1M, power of 2\n\tredundant_metadata YES      YES   all | most | some | none\n\trefquota        YES       NO   <size> | none\n\trefreservation  YES       NO   <size> | none\n\trelatime        YES      YES   on | off\n\treservation     YES       NO   <size> | none\n\trootcontext     YES       NO   <selinux rootcontext>\n\tsecondarycache  YES      YES   all | none | metadata\n\tsetuid          YES      YES   on | off\n\tsharenfs        YES      YES   on | off | NFS share options\n\tsharesmb        YES      YES   on | off | SMB share options\n\tsnapdev         YES      YES   hidden | visible\n\tsnapdir         YES      YES   hidden | visible\n\tsnapshot_limit  YES       NO   <count> | none\n\tspecial_small_blocks YES      YES   zero or 512 to 1M, power of 2\n\tsync            YES      YES   standard | always | disabled\n\tutf8only         NO      YES   on | off\n\tversion         YES       NO   1 | 2 | 3 | 4 | 5 | current\n\tvolblocksize     NO      YES   512 to 128k, power of 2\n\tvolmode         YES      YES   default | full | geom | dev | none\n\tvolsize         YES       NO   <size>\n\tvscan           YES      YES   on | off\n\txattr           YES      YES   on | off | dir | sa\n\tzoned           YES      YES   on | off\n\tuserused@...     NO       NO   <size>\n\tgroupused@...    NO       NO   <size>\n\tprojectused@...  NO       NO   <size>\n\tuserobjused@...  NO       NO   <size>\n\tgroupobjused@...  NO       NO   <size>\n\tprojectobjused@...  NO       NO   <size>\n\tuserquota@...   YES       NO   <size> | none\n\tgroupquota@...  YES       NO   <size> | none\n\tprojectquota@... YES       NO   <size> | none\n\tuserobjquota@... YES       NO   <size> | none\n\tgroupobjquota@... YES       NO   <size> | none\n\tprojectobjquota@... YES       NO   <size> | none\n\twritten@<snap>   NO       NO   <size>\n\twritten#<bookmark>  NO       NO   <size>\n\nSizes are specified in bytes with standard units such as K, M, G, etc.\n\nUser-defined properties can be specified by using a name containing a colon (:).\n\nThe {user|group|project}[obj]{used|quota}@ properties must be appended with\na user|group|project specifier of one of these forms:\n    POSIX name      (eg: \"matt\")\n    POSIX id        (eg: \"126829\")\n    SMB name@domain (eg: \"matt@sun\")\n    SMB SID         (eg: \"S-1-234-567-89\")\nmissing property=value argument(s)\nusage:\n\tset [-u] <property=value> ... <filesystem|volume|snapshot> ...\n\nThe following properties are supported:\n\n\tPROPERTY       EDIT  INHERIT   VALUES\n\n\tavailable        NO       NO   <size>\n\tclones           NO       NO   <dataset>[,...]\n\tcompressratio    NO       NO   <1.00x or higher if compressed>\n\tcreatetxg        NO       NO   <uint64>\n\tcreation         NO       NO   <date>\n\tdefer_destroy    NO       NO   yes | no\n\tencryptionroot   NO       NO   <filesystem | volume>\n\tfilesystem_count  NO       NO   <count>\n\tguid             NO       NO   <uint64>\n\tkeystatus        NO       NO   none | unavailable | available\n\tlogicalreferenced  NO       NO   <size>\n\tlogicalused      NO       NO   <size>\n\tmounted          NO       NO   yes | no\n\tobjsetid         NO       NO   <uint64>\n\torigin           NO       NO   <snapshot>\n\treceive_resume_token  NO       NO   <string token>\n\tredact_snaps     NO       NO   <snapshot>[,...]\n\trefcompressratio  NO       NO   <1.00x or higher if compressed>\n\treferenced       NO       NO   <size>\n\tsnapshot_count   NO       NO   <count>\n\tsnapshots_changed  NO       NO   <date>\n\ttype             NO       NO   filesystem | volume | snapshot | bookmark\n\tused             NO       NO   <size>\n\tusedbychildren   NO       NO   <size>\n\tusedbydataset    NO       NO   <size>\n\tusedbyrefreservation  NO       NO   <size>\n\tusedbysnapshots  NO       NO   <size>\n\tuserrefs         NO       NO   <count>\n\twritten          NO       NO   <size>\n\taclinherit      YES      YES   discard | noallow | restricted | passthrough | passthrough-x\n\taclmode         YES      YES   discard | groupmask | passthrough | restricted\n\tacltype         YES      YES   off | nfsv4 | posix\n\tatime           YES      YES   on | off\n\tcanmount        YES       NO   on | off | noauto\n\tcasesensitivity  NO      YES   sensitive | insensitive | mixed\n\tchecksum        YES      YES   on | off | fletcher2 | fletcher4 | sha256 | sha512 | skein | edonr | blake3\n\tcompression     YES      YES   on | off | lzjb | gzip | gzip-[1-9] | zle | lz4 | zstd | zstd-[1-19] | zstd-fast | zstd-fast-[1-10,20,30,40,50,60,70,80,90,100,500,1000]\n\tcontext         YES       NO   <selinux context>\n\tcopies          YES      YES   1 | 2 | 3\n\tdedup           YES      YES   on | off | verify | sha256[,verify] | sha512[,verify] | skein[,verify] | edonr,verify | blake3[,verify]\n\tdefcontext      YES       NO   <selinux defcontext>\n\tdevices         YES      YES   on | off\n\tdnodesize       YES      YES   legacy | auto | 1k | 2k | 4k | 8k | 16k\n\tencryption       NO      YES   on | off | aes-128-ccm | aes-192-ccm | aes-256-ccm | aes-128-gcm | aes-192-gcm | aes-256-gcm\n\texec            YES      YES   on | off\n\tfilesystem_limit YES       NO   <count> | none\n\tfscontext       YES       NO   <selinux fscontext>\n\tkeyformat        NO       NO   none | raw | hex | passphrase\n\tkeylocation     YES       NO   prompt | <file URI> | <https URL> | <http URL>\n\tlogbias         YES      YES   latency | throughput\n\tmlslabel        YES      YES   <sensitivity label>\n\tmountpoint      YES      YES   <path> | legacy | none\n\tnbmand          YES      YES   on | off\n\tnormalization    NO      YES   none | formC | formD | formKC | formKD\n\toverlay         YES      YES   on | off\n\tpbkdf2iters      NO       NO   <iters>\n\tprefetch        YES      YES   none | metadata | all\n\tprimarycache    YES      YES   all | none | metadata\n\tquota           YES       NO   <size> | none\n\treadonly        YES      YES   on | off\n\trecordsize      YES      YES   512 to 1M, power of 2\n\tredundant_metadata YES      YES   all | most | some | none\n\trefquota        YES       NO   <size> | none\n\trefreservation  YES       NO   <size> | none\n\trelatime        YES      YES   on | off\n\treservation     YES       NO   <size> | none\n\trootcontext     YES       NO   <selinux rootcontext>\n\tsecondarycache  YES      YES   all | none | metadata\n\tsetuid          YES      YES   on | off\n\tsharenfs        YES      YES   on | off | NFS share options\n\tsharesmb        YES      YES   on | off | SMB share options\n\tsnapdev         YES      YES   hidden | visible\n\tsnapdir         YES      YES   hidden | visible\n\tsnapshot_limit  YES       NO   <count> | none\n\tspecial_small_blocks YES      YES   zero or 512 to 1M, power of 2\n\tsync            YES      YES   standard | always | disabled\n\tutf8only         NO      YES   on | off\n\tversion         YES       NO   1 | 2 | 3 | 4 | 5 | current\n\tvolblocksize     NO      YES   512 to 128k, power of 2\n\tvolmode         YES      YES   default | full | geom | dev | none\n\tvolsize         YES       NO   <size>\n\tvscan           YES      YES   on | off\n\txattr           YES      YES   on | off | dir | sa\n\tzoned           YES      YES   on | off\n\tuserused@...     NO       NO   <size>\n\tgroupused@...    NO       NO   <size>\n\tprojectused@...  NO       NO   <size>\n\tuserobjused@...  NO       NO   <size>\n\tgroupobjused@...  NO       NO   <size>\n\tprojectobjused@...  NO       NO   <size>\n\tuserquota@...   YES       NO   <size> | none\n\tgroupquota@...  YES       NO   <size> | none\n\tprojectquota@... YES       NO   <size> | none\n\tuserobjquota@... YES       NO   <size> | none\n\tgroupobjquota@... YES       NO   <size> | none\n\tprojectobjquota@... YES       NO   <size> | none\n\twritten@<snap>   NO       NO   <size>\n\twritten#<bookmark>  NO       NO   <size>\n\nSizes are specified in bytes with standard units such as K, M, G, etc.\n\nUser-defined properties can be specified by using a name containing a colon (:).\n\nThe {user|group|project}[obj]{used|quota}@ properties must be appended with\na user|group|project specifier of one of these forms:\n    POSIX name      (eg: \"matt\")\n    POSIX id        (eg: \"126829\")\n    SMB name@domain (eg: \"matt@sun\")\n    SMB SID         (eg: \"S-1-234-567-89\")\ninvalid argument order\nusage:\n\tset [-u] <property=value> ... <filesystem|volume|snapshot> ...\n\nThe following properties are supported:\n\n\tPROPERTY       EDIT  INHERIT   VALUES\n\n\tavailable        NO       NO   <size>\n\tclones           NO       NO   <dataset>[,...]\n\tcompressratio    NO       NO   <1.00x or higher if compressed>\n\tcreatetxg        NO       NO   <uint64>\n\tcreation         NO       NO   <date>\n\tdefer_destroy    NO       NO   yes | no\n\tencryptionroot   NO       NO   <filesystem | volume>\n\tfilesystem_count  NO       NO   <count>\n\tguid             NO       NO   <uint64>\n\tkeystatus        NO       NO   none | unavailable | available\n\tlogicalreferenced  NO       NO   <size>\n\tlogicalused      NO       NO   <size>\n\tmounted          NO       NO   yes | no\n\tobjsetid         NO       NO   <uint64>\n\torigin           NO       NO   <snapshot>\n\treceive_resume_token  NO       NO   <string token>\n\tredact_snaps     NO       NO   <snapshot>[,...]\n\trefcompressratio  NO       NO   <1.00x or higher if compressed>\n\treferenced       NO       NO   <size>\n\tsnapshot_count   NO       NO   <count>\n\tsnapshots_changed  NO       NO   <date>\n\ttype             NO       NO   filesystem | volume | snapshot | bookmark\n\tused             NO       NO   <size>\n\tusedbychildren   NO       NO   <size>\n\tusedbydataset    NO       NO   <size>\n\tusedbyrefreservation  NO       NO   <size>\n\tusedbysnapshots  NO       NO   <size>\n\tuserrefs         NO       NO   <count>\n\twritten          NO       NO   <size>\n\taclinherit      YES      YES   discard | noallow | restricted | passthrough | passthrough-x\n\taclmode         YES      YES   discard | groupmask | passthrough | restricted\n\tacltype         YES      YES   off | nfsv4 | posix\n\tatime           YES      YES   on | off\n\tcanmount        YES       NO   on | off | noauto\n\tcasesensitivity  NO      YES   sensitive | insensitive | mixed\n\tchecksum        YES      YES   on | off | fletcher2 | fletcher4 | sha256 | sha512 | skein | edonr | blake3\n\tcompression     YES      YES   on | off | lzjb | gzip | gzip-[1-9] | zle | lz4 | zstd | zstd-[1-19] | zstd-fast | zstd-fast-[1-10,20,30,40,50,60,70,80,90,100,500,1000]\n\tcontext         YES       NO   <selinux context>\n\tcopies          YES      YES   1 | 2 | 3\n\tdedup           YES      YES   on | off | verify | sha256[,verify] | sha512[,verify] | skein[,verify] | edonr,verify | blake3[,verify]\n\tdefcontext      YES       NO   <selinux defcontext>\n\tdevices         YES      YES   on | off\n\tdnodesize       YES      YES   legacy | auto | 1k | 2k | 4k | 8k | 16k\n\tencryption       NO      YES   on | off | aes-128-ccm | aes-192-ccm | aes-256-ccm | aes-128-gcm | aes-192-gcm | aes-256-gcm\n\texec            YES      YES   on | off\n\tfilesystem_limit YES       NO   <count> | none\n\tfscontext       YES       NO   <selinux fscontext>\n\tkeyformat        NO       NO   none | raw | hex | passphrase\n\tkeylocation     YES       NO   prompt | <file URI> | <https URL> | <http URL>\n\tlogbias         YES      YES   latency | throughput\n\tmlslabel        YES      YES   <sensitivity label>\n\tmountpoint      YES      YES   <path> | legacy | none\n\tnbmand          YES      YES   on | off\n\tnormalization    NO      YES   none | formC | formD | formKC | formKD\n\toverlay         YES      YES   on | off\n\tpbkdf2iters      NO       NO   <iters>\n\tprefetch        YES      YES   none | metadata | all\n\tprimarycache    YES      YES   all | none | metadata\n\tquota           YES       NO   <size> | none\n\treadonly        YES      YES   on | off\n\trecordsize      YES      YES   512 to 1M, power of 2\n\tredundant_metadata YES      YES   all | most | some | none\n\trefquota        YES       NO   <size> | none\n\trefreservation  YES       NO   <size> | none\n\trelatime        YES      YES   on | off\n\treservation     YES       NO   <size> | none\n\trootcontext     YES       NO   <selinux rootcontext>\n\tsecondarycache  YES      YES   all | none | metadata\n\tsetuid          YES      YES   on | off\n\tsharenfs        YES      YES   on | off | NFS share options\n\tsharesmb        YES      YES   on | off | SMB share options\n\tsnapdev         YES      YES   hidden | visible\n\tsnapdir         YES      YES   hidden | visible\n\tsnapshot_limit  YES       NO   <count> | none\n\tspecial_small_blocks YES      YES   zero or 512 to 1M, power of 2\n\tsync            YES      YES   standard | always | disabled\n\tutf8only         NO      YES   on | off\n\tversion         YES       NO   1 | 2 | 3 | 4 | 5 | current\n\tvolblocksize     NO      YES   512 to 128k, power of 2\n\tvolmode         YES      YES   default | full | geom | dev | none\n\tvolsize         YES       NO   <size>\n\tvscan           YES      YES   on | off\n\txattr           YES      YES   on | off | dir | sa\n\tzoned           YES      YES   on | off\n\tuserused@...     NO       NO   <size>\n\tgroupused@...    NO       NO   <size>\n\tprojectused@...  NO       NO   <size>\n\tuserobjused@...  NO       NO   <size>\n\tgroupobjused@...  NO       NO   <size>\n\tprojectobjused@...  NO       NO   <size>\n\tuserquota@...   YES       NO   <size> | none\n\tgroupquota@...  YES       NO   <size> | none\n\tprojectquota@... YES       NO   <size> | none\n\tuserobjquota@... YES       NO   <size> | none\n\tgroupobjquota@... YES       NO   <size> | none\n\tprojectobjquota@... YES       NO   <size> | none\n\twritten@<snap>   NO       NO   <size>\n\twritten#<bookmark>  NO       NO   <size>\n\nSizes are specified in bytes with standard units such as K, M, G, etc.\n\nUser-defined properties can be specified by using a name containing a colon (:).\n\nThe {user|group|project}[obj]{used|quota}@ properties must be appended with\na user|group|project specifier of one of these forms:\n    POSIX name      (eg: \"matt\")\n    POSIX id        (eg: \"126829\")\n    SMB name@domain (eg: \"matt@sun\")\n    SMB SID         (eg: \"S-1-234-567-89\")\nproperty 'atime' specified multiple times\nrc=255\ncannot open 'nope': dataset does not exist\nrc=1\nmissing arguments\nusage:\n\tset [-u] <property=value> ... <filesystem|volume|snapshot> ...\n\nThe following properties are supported:\n\n\tPROPERTY       EDIT  INHERIT   VALUES\n\n\tavailable        NO       NO   <size>\n\tclones           NO       NO   <dataset>[,...]\n\tcompressratio    NO       NO   <1.00x or higher if compressed>\n\tcreatetxg        NO       NO   <uint64>\n\tcreation         NO       NO   <date>\n\tdefer_destroy    NO       NO   yes | no\n\tencryptionroot   NO       NO   <filesystem | volume>\n\tfilesystem_count  NO       NO   <count>\n\tguid             NO       NO   <uint64>\n\tkeystatus        NO       NO   none | unavailable | available\n\tlogicalreferenced  NO       NO   <size>\n\tlogicalused      NO       NO   <size>\n\tmounted          NO       NO   yes | no\n\tobjsetid         NO       NO   <uint64>\n\torigin           NO       NO   <snapshot>\n\treceive_resume_token  NO       NO   <string token>\n\tredact_snaps     NO       NO   <snapshot>[,...]\n\trefcompressratio  NO       NO   <1.00x or higher if compressed>\n\treferenced       NO       NO   <size>\n\tsnapshot_count   NO       NO   <count>\n\tsnapshots_changed  NO       NO   <date>\n\ttype             NO       NO   filesystem | volume | snapshot | bookmark\n\tused             NO       NO   <size>\n\tusedbychildren   NO       NO   <size>\n\tusedbydataset    NO       NO   <size>\n\tusedbyrefreservation  NO       NO   <size>\n\tusedbysnapshots  NO       NO   <size>\n\tuserrefs         NO       NO   <count>\n\twritten          NO       NO   <size>\n\taclinherit      YES      YES   discard | noallow | restricted | passthrough | passthrough-x\n\taclmode         YES      YES   discard | groupmask | passthrough | restricted\n\tacltype         YES      YES   off | nfsv4 | posix\n\tatime           YES      YES   on | off\n\tcanmount        YES       NO   on | off | noauto\n\tcasesensitivity  NO      YES   sensitive | insensitive | mixed\n\tchecksum        YES      YES   on | off | fletcher2 | fletcher4 | sha256 | sha512 | skein | edonr | blake3\n\tcompression     YES      YES   on | off | lzjb | gzip | gzip-[1-9] | zle | lz4 | zstd | zstd-[1-19] | zstd-fast | zstd-fast-[1-10,20,30,40,50,60,70,80,90,100,500,1000]\n\tcontext         YES       NO   <selinux context>\n\tcopies          YES      YES   1 | 2 | 3\n\tdedup           YES      YES   on | off | verify | sha256[,verify] | sha512[,verify] | skein[,verify] | edonr,verify | blake3[,verify]\n\tdefcontext      YES       NO   <selinux defcontext>\n\tdevices         YES      YES   on | off\n\tdnodesize       YES      YES   legacy | auto | 1k | 2k | 4k | 8k | 16k\n\tencryption       NO      YES   on | off | aes-128-ccm | aes-192-ccm | aes-256-ccm | aes-128-gcm | aes-192-gcm | aes-256-gcm\n\texec            YES      YES   on | off\n\tfilesystem_limit YES       NO   <count> | none\n\tfscontext       YES       NO   <selinux fscontext>\n\tkeyformat        NO       NO   none | raw | hex | passphrase\n\tkeylocation     YES       NO   prompt | <file URI> | <https URL> | <http URL>\n\tlogbias         YES      YES   latency | throughput\n\tmlslabel        YES      YES   <sensitivity label>\n\tmountpoint      YES      YES   <path> | legacy | none\n\tnbmand          YES      YES   on | off\n\tnormalization    NO      YES   none | formC | formD | formKC | formKD\n\toverlay         YES      YES   on | off\n\tpbkdf2iters      NO       NO   <iters>\n\tprefetch        YES      YES   none | metadata | all\n\tprimarycache    YES      YES   all | none | metadata\n\tquota           YES       NO   <size> | none\n\treadonly        YES      YES   on | off\n\trecordsize      YES      YES   512 to 1M, power of 2\n\tredundant_metadata YES      YES   all | most | some | none\n\trefquota        YES       NO   <size> | none\n\trefreservation  YES       NO   <size> | none\n\trelatime        YES      YES   on | off\n\treservation     YES       NO   <size> | none\n\trootcontext     YES       NO   <selinux rootcontext>\n\tsecondarycache  YES      YES   all | none | metadata\n\tsetuid          YES      YES   on | off\n\tsharenfs        YES      YES   on | off | NFS share options\n\tsharesmb        YES      YES   on | off | SMB share options\n\tsnapdev         YES      YES   hidden | visible\n\tsnapdir         YES      YES   hidden | visible\n\tsnapshot_limit  YES       NO   <count> | none\n\tspecial_small_blocks YES      YES   zero or 512 to 1M, power of 2\n\tsync            YES      YES   standard | always | disabled\n\tutf8only         NO      YES   on | off\n\tversion         YES       NO   1 | 2 | 3 | 4 | 5 | current\n\tvolblocksize     NO      YES   512 to 128k, power of 2\n\tvolmode         YES      YES   default | full | geom | dev | none\n\tvolsize         YES       NO   <size>\n\tvscan           YES      YES   on | off\n\txattr           YES      YES   on | off | dir | sa\n\tzoned           YES      YES   on | off\n\tuserused@...     NO       NO   <size>\n\tgroupused@...    NO       NO   <size>\n\tprojectused@...  NO       NO   <size>\n\tuserobjused@...  NO       NO   <size>\n\tgroupobjused@...  NO       NO   <size>\n\tprojectobjused@...  NO       NO   <size>\n\tuserquota@...   YES       NO   <size> | none\n\tgroupquota@...  YES       NO   <size> | none\n\tprojectquota@... YES       NO   <size> | none\n\tuserobjquota@... YES       NO   <size> | none\n\tgroupobjquota@... YES       NO   <size> | none\n\tprojectobjquota@... YES       NO   <size> | none\n\twritten@<snap>   NO       NO   <size>\n\twritten#<bookmark>  NO       NO   <size>\n\nSizes are specified in bytes with standard units such as K, M, G, etc.\n\nUser-defined properties can be specified by using a name containing a colon (:).\n\nThe {user|group|project}[obj]{used|quota}@ properties must be appended with\na user|group|project specifier of one of these forms:\n    POSIX name      (eg: \"matt\")\n    POSIX id        (eg: \"126829\")\n    SMB name@domain (eg: \"matt@sun\")\n    SMB SID         (eg: \"S-1-234-567-89\")\nWarning: incremental source didn't specify type, assuming snapshot. Use '@' or '#' prefix to avoid ambiguity.\nrpool/c@s1\nrpool/c@s2\n",
    );
}

#[test]
fn zpool_labelclear_refuses_members_and_wipes_stale_labels() {
    check(
        Some("sdb=1G,sdc=1G"),
        "zpool create t sdb\nzpool labelclear sdb\necho rc=$?\nzpool labelclear -f /dev/sdb1\nzpool destroy t\nblkid /dev/sdb1\nzpool labelclear sdb\necho rc=$?\nblkid /dev/sdb1\necho rc=$?\nzpool labelclear /dev/sdc\necho rc=$?\nzpool labelclear sdz\nzpool labelclear /dev/sdz\nzpool labelclear\nzpool create t2 sdb\nzpool status t2 | grep sdb\n",
        "/dev/sdb1 is a member (ACTIVE) of pool \"t\"\nrc=1\n/dev/sdb1 is a member (ACTIVE) of pool \"t\". Offline the disk first to clear its label.\n/dev/sdb1: LABEL=\"t\" UUID=\"3841818633828481199\" UUID_SUB=\"7967163249691888483\" BLOCK_SIZE=\"512\" TYPE=\"zfs_member\" PARTLABEL=\"zfs-62c468686d537fb3\" PARTUUID=\"f987c14f-2338-4405-b384-6600d033ff3c\"\nrc=0\n/dev/sdb1: PARTLABEL=\"zfs-62c468686d537fb3\" PARTUUID=\"f987c14f-2338-4405-b384-6600d033ff3c\"\nrc=0\nfailed to clear label for /dev/sdc\nrc=255\nfailed to find device sdz, try specifying absolute path instead\nfailed to open /dev/sdz: No such file or directory\nmissing vdev name\nusage:\n\tlabelclear [-f] <vdev>\n\t  sdb       ONLINE       0     0     0\n",
    );
}

#[test]
fn trim_and_initialize_check_their_options_in_order() {
    check(
        None,
        "zpool trim -s -c rpool\nzpool trim -c -d rpool\nzpool trim -d -c rpool\necho rc=$?\nzpool trim -r abc rpool\nzpool trim -c -w\nzpool trim -c -w rpool\nzpool initialize -u -s rpool\nzpool initialize -s -w rpool\n",
        "-c cannot be combined with other options\nusage:\n\ttrim [-dw] [-r <rate>] [-c | -s] <pool> [<device> ...]\n-d cannot be combined with the -c or -s options\nusage:\n\ttrim [-dw] [-r <rate>] [-c | -s] <pool> [<device> ...]\ncannot trim '/dev/nvme0n1p1': there is no active trim\ncannot trim '/dev/nvme1n1p1': there is no active trim\nrc=255\ninvalid value for rate: bad numeric value 'abc'\nusage:\n\ttrim [-dw] [-r <rate>] [-c | -s] <pool> [<device> ...]\nmissing pool name argument\nusage:\n\ttrim [-dw] [-r <rate>] [-c | -s] <pool> [<device> ...]\n-w cannot be used with -c or -s\nusage:\n\ttrim [-dw] [-r <rate>] [-c | -s] <pool> [<device> ...]\n-s cannot be combined with other options\nusage:\n\tinitialize [-c | -s | -u] [-w] <pool> [<device> ...]\n-w cannot be used with -c, -sor -u\nusage:\n\tinitialize [-c | -s | -u] [-w] <pool> [<device> ...]\n",
    );
}

#[test]
fn zfs_mount_and_unmount_take_filesystems_on_and_off_their_mount_points() {
    check(
        None,
        "zfs create rpool/data/sub\necho hi > /rpool/data/sub/f\nzfs mount\nzfs unmount rpool/data\nzfs mount\nls /rpool/data\ncat /rpool/data/sub/f\nzfs get -H -o value mounted rpool/data rpool/data/sub\nzfs unmount rpool/data\nzfs mount rpool/data\nzfs mount\ncat /rpool/data/sub/f\nzfs mount -a\ncat /rpool/data/sub/f\nzfs mount rpool/data\nzfs umount /rpool/data/sub\nzfs unmount /tmp\nzfs unmount /nope\nzfs unmount rpool/nope\nzfs unmount rpool/data/vm-100-disk-0\nzfs mount -a\nzfs set mountpoint=none rpool/data/sub\nzfs mount rpool/data/sub\nzfs unmount\nfindmnt -t zfs\ndf -h /rpool/data\nmkdir /rpool/data/dir\nzfs unmount /rpool/data/dir\n",
        "rpool                           /rpool\nrpool/data                      /rpool/data\nrpool/data/sub                  /rpool/data/sub\nrpool                           /rpool\ncat: /rpool/data/sub/f: No such file or directory\nno\nno\ncannot unmount 'rpool/data': not currently mounted\nrpool                           /rpool\nrpool/data                      /rpool/data\ncat: /rpool/data/sub/f: No such file or directory\nhi\ncannot mount 'rpool/data': filesystem already mounted\ncannot unmount '/tmp': not a ZFS filesystem\nwarning: /nope not in/proc/self/mounts\n/nope: No such file or directory\ncannot open 'rpool/nope': dataset does not exist\ncannot open 'rpool/data/vm-100-disk-0': operation not applicable to datasets of this type\ncannot mount 'rpool/data/sub': no mountpoint set\nmissing filesystem argument\nusage:\n\tunmount [-fu] <-a | filesystem|mountpoint>\n\nFor the property list, run: zfs set|get\n\nFor the delegated permission list, run: zfs allow|unallow\n\nFor further help on a command or topic, run: zfs help [<topic>]\nTARGET        SOURCE     FSTYPE OPTIONS\n/rpool        rpool      zfs    rw,relatime,xattr,noacl,casesensitive\n└─/rpool/data rpool/data zfs    rw,relatime,xattr,noacl,casesensitive\nFilesystem      Size  Used Avail Use% Mounted on\nrpool/data      214G  128K  214G   1% /rpool/data\ncannot unmount '/rpool/data/dir': not a mountpoint\n",
    );
}

#[test]
fn create_u_and_receive_u_leave_the_filesystem_unmounted() {
    check(
        None,
        "zfs create -u rpool/data/u\nzfs get -H -o value mounted rpool/data/u\nzfs mount | grep /u\nzfs snapshot rpool/data@s\nzfs send rpool/data@s | zfs recv -u rpool/r\nzfs get -H -o value mounted rpool/r\nzfs mount rpool/r\nzfs get -H -o value mounted rpool/r\n",
        "no\nno\nyes\n",
    );
}

#[test]
fn history_logs_trim_resilver_clone_rename_and_inherit() {
    check(
        None,
        "zpool trim rpool\nzpool resilver rpool\nzfs snapshot rpool/data@s\nzfs clone rpool/data@s rpool/c\nzfs rename rpool/c rpool/d\nzfs set atime=off rpool/d\nzfs inherit atime rpool/d\nzfs mount\nzfs list -H -o name rpool\nzpool history rpool | tail -9\n",
        "rpool                           /rpool\nrpool/data                      /rpool/data\nrpool/d                         /rpool/d\nrpool\n2026-11-24.09:00:02 zfs create -V 33554432k rpool/data/vm-100-disk-0\n2026-11-25.09:00:01 zpool trim rpool\n2026-11-25.09:00:02 zpool resilver rpool\n2026-11-25.09:00:03 zfs snapshot rpool/data@s\n2026-11-25.09:00:04 zfs clone rpool/data@s rpool/c\n2026-11-25.09:00:05 zfs rename rpool/c rpool/d\n2026-11-25.09:00:06 zfs set atime=off rpool/d\n2026-11-25.09:00:07 zfs inherit atime rpool/d\n\n",
    );
}

#[test]
fn zfs_set_is_all_or_nothing_and_canmount_governs_mounts() {
    check(
        None,
        "zfs set compression=lz4 quota=abc rpool/data\nzfs get -H -o value compression rpool/data\nzfs create -o canmount=noauto rpool/data/na\nzfs get -H -o value mounted rpool/data/na\nzfs mount -a\nzfs get -H -o value mounted rpool/data/na\nzfs mount rpool/data/na\nzfs unmount -a\nzfs mount\nzfs mount -a\nzfs unmount rpool/data\nzfs set mountpoint=/x rpool/data\nzfs mount | grep data\nzfs set canmount=off rpool/data\nzfs get -H -o value mounted rpool/data\nzfs set canmount=on rpool/data\nzfs get -H -o value mounted rpool/data\n",
        "cannot set property for 'rpool/data': bad numeric value 'abc'\non\nno\nno\nrpool/data                      /x\nno\nyes\n",
    );
}

#[test]
fn labelclear_f_clears_an_offline_disk() {
    check(
        Some("sdb=1G,sdc=1G"),
        "zpool create t mirror sdb sdc\nzpool offline t sdb\nzpool labelclear -f sdb\necho rc=$?\nzpool labelclear sdc\n",
        "rc=0\n/dev/sdc1 is a member (ACTIVE) of pool \"t\"\n",
    );
}

#[test]
fn receive_u_leaves_an_existing_mount_alone() {
    check(
        None,
        "echo a > /rpool/data/f\nzfs snapshot rpool/data@s1\nzfs send rpool/data@s1 | zfs recv rpool/c\necho b > /rpool/data/g\nzfs snapshot rpool/data@s2\nzfs send -i @s1 rpool/data@s2 | zfs recv -u rpool/c\nzfs get -H -o value mounted rpool/c\nls /rpool/c\n",
        "yes\nf\ng\n",
    );
}

#[test]
fn zfs_receive_force_keeps_children_and_sent_guids() {
    check(
        None,
        "zfs snapshot rpool/data@s1\nzfs send rpool/data@s1 > /tmp/s1\nzfs create rpool/data/kid\necho hi > /rpool/data/kid/k.txt\necho old > /rpool/data/old.txt\nzfs set compression=off rpool/data\nzfs destroy rpool/data@s1\nzfs recv -F rpool/data < /tmp/s1 ; echo rc=$?\nzfs list -r -o name rpool/data\nls /rpool/data /rpool/data/kid\nzfs get -H -o value compression rpool/data\nzfs send rpool/data@s1 | zfs recv rpool/copy\nzfs get -H -o name,value guid rpool/data@s1 rpool/copy@s1\necho new > /rpool/data/new.txt\nzfs snapshot rpool/data@s2\nzfs rename rpool/copy@s1 rpool/copy@renamed\nzfs send -i @s1 rpool/data@s2 | zfs recv rpool/copy; echo rc=$?\nls /rpool/copy\nzfs list -t snapshot -o name,guid -r rpool/copy\nzfs create -V 10M rpool/vol; zfs snapshot rpool/vol@v; zfs send rpool/vol@v > /tmp/v\nzfs recv -F rpool/data < /tmp/v; echo rc=$?\nzfs recv -F rpool < /tmp/v; echo rc=$?\nzfs create -p rpool/solo/c; zfs recv -F rpool/solo < /tmp/v; echo rc=$?\n",
        "rc=0\nNAME\nrpool/data\nrpool/data/kid\nrpool/data/vm-100-disk-0\n/rpool/data:\nkid\n\n/rpool/data/kid:\nk.txt\noff\nrpool/copy@s1\t15511835192130365774\nrpool/data@s1\t15511835192130365774\nrc=0\nkid\nnew.txt\nNAME                                GUID\nrpool/copy@renamed  15511835192130365774\nrpool/copy@s2       10773756563778078483\ncannot receive new filesystem stream: destination has snapshots (eg. rpool/data@s1)\nmust destroy them to overwrite it\nrc=1\ncannot receive new filesystem stream: destination rpool is the root dataset\ncannot overwrite with a ZVOL\nrc=1\ncannot receive new filesystem stream: destination has children (eg. rpool/solo/c)\ncannot overwrite with a ZVOL\nrc=1\n",
    );
}

#[test]
fn zfs_receive_finds_the_source_by_guid_skips_a_received_snapshot_and_refuses_a_clone() {
    check(
        None,
        "zfs create rpool/src\nzfs snapshot rpool/src@s1\nzfs send rpool/src@s1 > /tmp/s1\nzfs clone rpool/src@s1 rpool/cl\nzfs recv -F rpool/cl < /tmp/s1; echo rc=$?\nzfs recv rpool/dst < /tmp/s1\nzfs snapshot rpool/dst@extra\necho new > /rpool/src/new.txt\nzfs snapshot rpool/src@s2\nzfs send -i @s1 rpool/src@s2 > /tmp/i\nzfs recv rpool/dst < /tmp/i; echo rc=$?\nzfs list -H -t snapshot -o name -r rpool/dst\nzfs recv -v rpool/dst < /tmp/i; echo rc=$?\necho more > /rpool/dst/more.txt\nzfs snapshot rpool/dst@later\nzfs snapshot rpool/src@s3\nzfs send -i @s2 rpool/src@s3 > /tmp/j\nzfs recv rpool/dst < /tmp/j; echo rc=$?\nzfs recv -F rpool/dst < /tmp/j; echo rc=$?\nzfs list -H -t snapshot -o name -r rpool/dst\nls /rpool/dst\nzfs recv rpool/other < /tmp/s1\nzfs snapshot rpool/other@s2\nzfs recv rpool/other < /tmp/i; echo rc=$?\n",
        "cannot receive new filesystem stream: destination 'rpool/cl' is a clone\nmust destroy it to overwrite it\nrc=1\nrc=0\nrpool/dst@s1\nrpool/dst@extra\nrpool/dst@s2\nreceiving incremental stream of rpool/src@s2 into rpool/dst@s2\nsnap rpool/dst@s2 already exists; ignoring\nreceived 209B stream in 0.01 seconds (20.4K/sec)\nrc=0\ncannot receive incremental stream: destination rpool/dst has been modified\nsince most recent snapshot\nrc=1\nrc=0\nrpool/dst@s1\nrpool/dst@extra\nrpool/dst@s2\nrpool/dst@s3\nnew.txt\ncannot restore to rpool/other@s2: destination already exists\nrc=1\n",
    );
}

#[test]
fn zfs_receive_force_over_a_volume_keeps_its_properties() {
    check(
        None,
        "zfs create -V 10M rpool/v1\nzfs snapshot rpool/v1@s\nzfs send rpool/v1@s > /tmp/v1\nzfs create -V 20M -o compression=off rpool/v2\nzfs set my:tag=1 rpool/v2\nzfs recv -F rpool/v2 < /tmp/v1; echo rc=$?\nzfs get -H -o property,value,source compression,my:tag rpool/v2\nzpool create tank sdb\ndd if=/dev/urandom of=/tank/file.bin bs=1M count=5 status=none\necho hello > /tank/notes.txt\nzinject -d sdb1 -e corrupt -T read -f 100 tank\nzpool scrub -w tank\nzpool clear tank\nzpool clear tank sdz\nzpool clear tank sdb\nzpool status -v tank\nzfs set mountpoint=relative tank\nzfs list -H -o name -t snapshot\necho rc=$?\nzfs get -H -o property,value volsize,volblocksize,refreservation rpool/v2\nzfs list -o name,used,refer rpool/v2\n",
        "rc=0\ncompression\toff\tlocal\nmy:tag\t1\tlocal\nAdded handler 1 with the following properties:\n  pool: tank\n  vdev: 86a9f1dbe62dfbd2\ncannot clear errors for sdz: no such device in pool\n  pool: tank\n state: ONLINE\nstatus: One or more devices has experienced an error resulting in data\n\tcorruption.  Applications may be affected.\naction: Restore the file in question if possible.  Otherwise restore the\n\tentire pool from backup.\n   see: https://openzfs.github.io/openzfs-docs/msg/ZFS-8000-8A\n  scan: scrub repaired 0B in 00:00:00 with 40 errors on Wed Nov 25 09:00:12 2026\nconfig:\n\n\tNAME        STATE     READ WRITE CKSUM\n\ttank        ONLINE       0     0     0\n\t  sdb       ONLINE       0     0     0\n\nerrors: Permanent errors have been detected in the following files:\n\n        /tank/file.bin\ncannot set property for 'tank': 'mountpoint' must be an absolute path, 'none', or 'legacy'\nrpool/v1@s\nrpool/v2@s\nrc=0\nvolsize\t10M\nvolblocksize\t16K\nrefreservation\t22.5M\nNAME       USED  REFER\nrpool/v2  22.6M    56K\n",
    );
}

#[test]
fn zfs_receive_force_unmounted_leaves_the_replaced_tree_unmounted() {
    check(
        None,
        "zfs create rpool/src\nzfs snapshot rpool/src@s1\nzfs send rpool/src@s1 > /tmp/s1\nzfs create rpool/t\nzfs create rpool/t/kid\nzfs recv -F -u rpool/t < /tmp/s1; echo rc=$?\nzfs get -H -o name,value mounted rpool/t rpool/t/kid\n",
        "rc=0\nrpool/t\tno\nrpool/t/kid\tno\n",
    );
}

#[test]
fn zfs_receive_force_keeps_a_streamed_directory_at_a_mountpoint_and_remakes_only_mounted_ones() {
    check(
        None,
        "zfs create rpool/src\nmkdir /rpool/src/kid\nzfs snapshot rpool/src@s1\nzfs send rpool/src@s1 > /tmp/s1\nzfs create rpool/t\nzfs create rpool/t/kid\nzfs recv -F rpool/t < /tmp/s1; echo rc=$?\nls /rpool/t; zfs get -H -o value mounted rpool/t/kid\nzfs create rpool/src2\nzfs snapshot rpool/src2@s1\nzfs send rpool/src2@s1 > /tmp/s2\nzfs create rpool/t2\nzfs create -o canmount=off rpool/t2/off\nzfs recv -F rpool/t2 < /tmp/s2; echo rc=$?\nls /rpool/t2\n",
        "rc=0\nkid\nyes\nrc=0\n",
    );
}

#[test]
fn the_pools_root_dataset_records_txg_1() {
    check(
        None,
        r#"zfs get createtxg rpool rpool/data
"#,
        r#"NAME        PROPERTY   VALUE      SOURCE
rpool       createtxg  1          -
rpool/data  createtxg  6          -
"#,
    );
}

/// Empty datasets take what OpenZFS 2.2 gives them at ashift 12: 96K for a
/// filesystem (a six-level meta-dnode, the SA registry and layouts, two
/// copies of each metadata block) and 56K for a volume, thick or sparse;
/// a pool's root holding one mount point directory shows 104K. These are
/// the sizes Proxmox's own documentation and public `zfs list` outputs
/// show (tests/fixtures/zfs/empty-datasets.md, §3). `logicalreferenced`
/// counts each metadata block once, compressed: 42K, as public `zfs get`
/// outputs show for an empty filesystem, and 28K for a volume.
#[test]
fn empty_datasets_refer_what_openzfs_shows() {
    check(
        DISKS,
        "zpool create -o ashift=12 tank mirror sdb sdc\nzfs list -r tank\nzfs create tank/docs\nzfs create -V 100M tank/vol\n\
         zfs create -s -V 100M tank/sparse\nzfs list -r -o name,refer,used tank\nzfs create tank/docs/sub\nzfs list -r -o name,refer tank\n\
         zfs list -o name,lrefer tank/docs/sub tank/vol\n",
        "NAME   USED  AVAIL  REFER  MOUNTPOINT
tank    96K   832M    96K  /tank
NAME         REFER   USED
tank          104K   104M
tank/docs      96K    96K
tank/sparse    56K    56K
tank/vol       56K   104M
NAME           REFER
tank            104K
tank/docs       104K
tank/docs/sub    96K
tank/sparse      56K
tank/vol         56K
NAME           LREFER
tank/docs/sub     42K
tank/vol          28K
",
    );
}

/// With `compression=on`, OpenZFS 2.2's default: a short file lives in its
/// block pointer (no data block, `du` shows the dnode's 512 bytes), blocks
/// of zeros are holes, random data is stored as it is; with
/// `compression=off` zeros take space again.
#[test]
fn compression_on_embeds_short_files_and_leaves_zero_blocks_as_holes() {
    check(
        DISKS,
        "zpool create -o ashift=12 tank sdb\necho hello > /tank/notes.txt\ndd if=/dev/zero of=/tank/zeros bs=1M count=100 status=none\n\
         dd if=/dev/urandom of=/tank/rand bs=1M count=4 status=none\nzfs list -o name,refer,lrefer tank\ndu -h /tank/notes.txt /tank/zeros /tank/rand\n\
         cat /tank/notes.txt\nzfs set compression=off tank\ndd if=/dev/zero of=/tank/zeros2 bs=1M count=10 status=none\nzfs list -o name,refer tank\n",
        "NAME  REFER  LREFER
tank  4.10M   4.05M
512\t/tank/notes.txt
512\t/tank/zeros
4.1M\t/tank/rand
hello
NAME  REFER
tank  14.1M
",
    );
}

/// `zpool create -O` sets the root filesystem's properties as `zfs create
/// -o` does, and `-m` its mount point (`zpool_main.c`'s checks first).
#[test]
fn zpool_create_sets_root_properties_with_o_and_m() {
    check(
        Some("sdb=1G"),
        "zpool create -O bogus=1 tank sdb\nzpool create -m srv tank sdb\nzpool create -m /srv/tank -O compression=off tank sdb\n\
         zfs get -o name,property,value,source compression,mountpoint tank\nls -d /srv/tank\n",
        "property 'bogus' is not a valid filesystem property
invalid mountpoint 'srv': must be an absolute path, 'legacy', or 'none'
NAME  PROPERTY     VALUE           SOURCE
tank  compression  off             local
tank  mountpoint   /srv/tank       local
/srv/tank
",
    );
}

/// `compressratio` and `refcompressratio`: logical over compressed bytes
/// (`dsl_get_refratio`), in hundredths as libzfs prints them. A record of
/// one repeated byte compresses to one 4K sector; a snapshot reports its
/// own ratio.
#[test]
fn compression_ratios_divide_logical_by_compressed_bytes() {
    check(
        Some("sdb=1G"),
        "zpool create -o ashift=12 tank sdb\nzfs get -o name,property,value compressratio,refcompressratio tank\necho hello > /tank/notes.txt\n\
         head -c 300000 /dev/zero | tr \"\\\\0\" a > /tank/aaa\nzfs snapshot tank@s\nzfs get -H -p -o value compressratio tank\n\
         zfs list -t all -o name,used,refer,compressratio,refcompressratio,lused,lrefer\n",
        "NAME  PROPERTY          VALUE
tank  compressratio     1.00x
tank  refcompressratio  1.00x
7.42
NAME     USED  REFER  RATIO  REFRATIO  LUSED  LREFER
tank     116K   116K  7.42x     7.42x   430K    430K
tank@s     0B   116K  7.42x     7.42x      -    430K
",
    );
}

/// On 512-byte sectors (ashift 9) the same empty filesystem refers to 24K,
/// as public outputs of fresh OpenZFS pools show (`otus1/z01 24K`, see
/// tests/fixtures/zfs/empty-datasets.md, E5).
#[test]
fn an_empty_filesystem_refers_to_24k_at_ashift_9() {
    check(Some("sdb=1G"), "zpool create tank sdb\nzfs create tank/a\nzfs list -o name,refer\n", "NAME    REFER\ntank      25K\ntank/a    24K\n");
}

/// `zpool create -o` takes pool properties as `zpool set` checks them
/// (before any disk is touched), ashift among them, as the Proxmox VE
/// installer's `-o cachefile=none -o ashift=12` does.
#[test]
fn zpool_create_sets_pool_properties_with_o() {
    check(
        Some("sdb=1G"),
        "zpool create -o bogus=1 tank sdb\nzpool create -o autotrim=maybe tank sdb\nlsblk -o NAME /dev/sdb\n\
         zpool create -f -o cachefile=none -o ashift=12 -o autotrim=on tank sdb\nzpool get -o name,property,value,source autotrim,cachefile,ashift tank\n",
        "property 'bogus' is not a valid pool or vdev property
cannot create 'tank': 'autotrim' must be one of 'on | off'
NAME
sdb
NAME  PROPERTY   VALUE      SOURCE
tank  autotrim   on         local
tank  cachefile  none       local
tank  ashift     12         local
",
    );
}

/// Names are checked before anything is looked up: `zfs_open()` runs
/// `zfs_validate_name()` and `zpool_open()` runs `pool_namecheck` (a
/// dataset's name given to zpool has a '/' no pool name may hold). With no
/// dataset named, `zfs get` walks every dataset, snapshots included.
#[test]
fn names_are_checked_before_they_are_looked_up() {
    check(
        None,
        "zfs list rpool/data/\nzfs get all rpool/data@\nzfs destroy rpool//data\nzpool status rpool/data\nzpool scrub 1pool\nzpool list mirror\nzpool clear nopool\nzfs snapshot rpool/data@s1\nzfs get -H -o name,value compression\n",
        "cannot open 'rpool/data/': trailing slash in name
cannot open 'rpool/data@': empty component or misplaced '@' or '#' delimiter in name
cannot open 'rpool//data': empty component or misplaced '@' or '#' delimiter in name
cannot open 'rpool/data': invalid character '/' in pool name
cannot open '1pool': name must begin with a letter
cannot open 'mirror': name is reserved
cannot open 'nopool': no such pool
rpool\ton
rpool/data\ton
rpool/data@s1\t-
rpool/data/vm-100-disk-0\ton
",
    );
}

/// `zpool get` and `zpool list` set the property type to the pool's before
/// reading their options, so their usage ends with the property table, as
/// `zpool set`'s does; `zfs send` and `zfs receive` print every form of the
/// command (HELP_SEND, HELP_RECEIVE) and the usual footer.
#[test]
fn usage_texts_carry_the_property_table_and_every_form() {
    check(
        None,
        "zpool get 2>&1 | head -5\nzpool list -o bogus 2>&1 | tail -3\nzfs send 2>&1\nzfs recv -Q 2>&1 | head -8\n",
        "missing property argument
usage:
\tget [-Hp] [-o \"all\" | field[,...]] <\"all\" | property[,...]> <pool> ...

the following properties are supported:

The feature@ properties must be appended with a feature name.
See zpool-features(7).
missing snapshot argument
usage:
\tsend [-DLPbcehnpsVvw] [-i|-I snapshot]
\t     [-R [-X dataset[,dataset]...]]     <snapshot>
\tsend [-DnVvPLecw] [-i snapshot|bookmark] <filesystem|volume|snapshot>
\tsend [-DnPpVvLec] [-i bookmark|snapshot] --redact <bookmark> <snapshot>
\tsend [-nVvPe] -t <receive_resume_token>
\tsend [-PnVv] --saved filesystem

For the property list, run: zfs set|get

For the delegated permission list, run: zfs allow|unallow

For further help on a command or topic, run: zfs help [<topic>]
invalid option 'Q'
usage:
\treceive [-vMnsFhu] [-o <property>=<value>] ... [-x <property>] ...
\t    <filesystem|volume|snapshot>
\treceive [-vMnsFhu] [-o <property>=<value>] ... [-x <property>] ... 
\t    [-d | -e] <filesystem>
\treceive -A <filesystem|volume>

",
    );
}

/// `zfs_valid_proplist()` checks a property before its value: read-only
/// ones (those set only when a dataset is made too) and those that do not
/// apply to the dataset's type.
#[test]
fn zfs_set_refuses_read_only_properties_and_those_of_another_type() {
    check(
        None,
        "zfs set recordsize=64K rpool/data/vm-100-disk-0\nzfs set mountpoint=/x rpool/data/vm-100-disk-0\nzfs set volblocksize=8K rpool/data/vm-100-disk-0\nzfs set name=x rpool/data\nzfs set written@s1=1 rpool/data\nzfs set normalization=formD rpool/data\n",
        "cannot set property for 'rpool/data/vm-100-disk-0': 'recordsize' does not apply to datasets of this type
cannot set property for 'rpool/data/vm-100-disk-0': 'mountpoint' does not apply to datasets of this type
cannot set property for 'rpool/data/vm-100-disk-0': 'volblocksize' is readonly
cannot set property for 'rpool/data': 'name' is readonly
cannot set property for 'rpool/data': 'written@s1' is readonly
cannot set property for 'rpool/data': 'normalization' is readonly
",
    );
}

/// `zfs list` and `zfs get` take paths (ZFS_ITER_ARGS_CAN_BE_PATHS): the
/// filesystem a path is on, or the errors of `zfs_path_to_zhandle()`.
#[test]
fn zfs_list_and_get_take_paths() {
    check(
        None,
        "echo hi > /rpool/data/notes.txt\nzfs list -H -o name /rpool/data\nzfs get -H -o name,value compression /rpool/data/notes.txt\nzfs list /nonexistent\nzfs list /root\n",
        "rpool/data
rpool/data\ton
cannot open '/nonexistent': No such file or directory
'/root': not a ZFS filesystem
",
    );
}

/// zinject keeps its handlers: ids count up and are never reused, the bare
/// command lists them (`print_device_handler`), `-c` takes one or all off;
/// construct_spec names a short vdev group with the word typed.
#[test]
fn zinject_lists_and_cancels_its_handlers() {
    check(
        None,
        "zinject -d nvme0n1 -e corrupt -T read -f 100 rpool\nzinject -d nvme1n1 -e corrupt -T read -f 100 rpool\nzinject\n\
         zinject -c 1\nzinject -c 1\nzinject -c x\nzinject\nzinject -c all\nzinject\n\
         zinject -d nvme1n1 -e corrupt -T read -f 100 rpool\nzpool create t raidz sdb\nzpool create t raidz1 sdb\n",
        "Added handler 1 with the following properties:
  pool: rpool
  vdev: 90e90fdc774ff798
Added handler 2 with the following properties:
  pool: rpool
  vdev: f68f407d4462aff6
 ID  POOL             GUID
---  ---------------  ----------------
  1  rpool            90e90fdc774ff798
  2  rpool            f68f407d4462aff6

removed handler 1
failed to remove handler 1: No such file or directory
invalid handle id 'x': must be an integer or 'all'
 ID  POOL             GUID
---  ---------------  ----------------
  2  rpool            f68f407d4462aff6

removed all registered handlers
No handlers registered.
Run 'zinject -h' for usage information.
Added handler 3 with the following properties:
  pool: rpool
  vdev: f68f407d4462aff6
invalid vdev specification: raidz requires at least 2 devices
invalid vdev specification: raidz1 requires at least 2 devices
",
    );
}

/// `sleep` moves the lab clock on, so a scrub under way finishes while it
/// sleeps (1 GiB a second), and the `scan:` line counts the seconds.
#[test]
fn a_scrub_goes_on_while_the_shell_sleeps() {
    check(
        None,
        "zfs set compression=off rpool/data/vm-100-disk-0\n\
         dd if=/dev/urandom of=/dev/zvol/rpool/data/vm-100-disk-0 bs=1M count=3072 status=none\n\
         zpool scrub rpool\nzpool status rpool | grep -A2 scan:\nsleep 2.5\nzpool status rpool | grep scan:\n",
        "  scan: scrub in progress since Wed Nov 25 09:00:03 2026
\t2.00G / 3.02G scanned at 1.00G/s, 2.00G / 3.02G issued at 1.00G/s
\t0B repaired, 66.30% done, 00:00:01 to go
  scan: scrub repaired 0B in 00:00:03 with 0 errors on Wed Nov 25 09:00:06 2026
",
    );
}

/// `usage()`'s footer for get, set, list and inherit is the property table
/// (checked on its own in `zfs_usage_lists_the_properties`).
fn with_property_table(expected: &str) -> String {
    let table = include_str!("../../src/console/zfs/properties_help.txt");
    let short = "For the property list, run: zfs set|get\n";
    let mut out = String::new();
    let mut rest = expected;
    while let Some(at) = rest.find(short) {
        out.push_str(&rest[..at]);
        let after = &rest[at + short.len()..];
        out.push_str(if after.starts_with("\nFor the delegated") { short } else { table });
        rest = after;
    }
    out + rest
}

/// The table `zfs get` and friends print with their usage: every visible
/// property of zfs_prop.c (OpenZFS 2.2.6, Linux), read-only ones first,
/// each group by name, `usage_prop_cb`'s columns.
#[test]
fn zfs_usage_lists_the_properties() {
    let out = storage_lab::cli::run_script(None, 1, "zfs get 2>&1\n");
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines[..8], ["missing property argument", "usage:", "\tget [-rHp] [-d max] [-o \"all\" | field[,...]]", "\t    [-t type[,...]] [-s source[,...]]", "\t    <\"all\" | property[,...]> [filesystem|volume|snapshot|bookmark] ...", "", "The following properties are supported:", ""]);
    assert_eq!(lines[8], "\tPROPERTY       EDIT  INHERIT   VALUES");
    assert_eq!(lines[10], "\tavailable        NO       NO   <size>");
    for want in [
        "\tfilesystem_count  NO       NO   <count>",
        "\twritten          NO       NO   <size>",
        "\taclinherit      YES      YES   discard | noallow | restricted | passthrough | passthrough-x",
        "\tcanmount        YES       NO   on | off | noauto",
        "\tcasesensitivity  NO      YES   sensitive | insensitive | mixed",
        "\tvolsize         YES       NO   <size>",
        "\tzoned           YES      YES   on | off",
        "\twritten#<bookmark>  NO       NO   <size>",
    ] {
        assert!(lines.contains(&want), "{want}");
    }
    // Read-only before settable: `written` comes before `aclinherit`.
    let at = |l: &str| lines.iter().position(|x| *x == l);
    assert!(at("\twritten          NO       NO   <size>") < at("\taclinherit      YES      YES   discard | noallow | restricted | passthrough | passthrough-x"));
    assert_eq!(lines.last(), Some(&"    SMB SID         (eg: \"S-1-234-567-89\")"));
    assert!(!out.contains("jailed"));
}

/// `zpool_do_create`: a dataset name gets a hint, and the root's mount
/// point must be an empty directory or absent (`-m` chooses another).
#[test]
fn zpool_create_refuses_a_dataset_name_and_a_mountpoint_in_use() {
    check(
        DISKS,
        "zpool create tank/fs sdb\necho $?\nmkdir -p /data\necho x > /data/file\nzpool create data sdb\necho $?\n\
         zpool create var sdb\necho $?\necho x > /notdir\nzpool create notdir sdb\necho $?\nzpool create -m /data2 data sdb\necho $?\n\
         mkdir /empty\nzpool create empty sdc\necho $?\nzpool list -H -o name\n",
        "cannot create 'tank/fs': invalid character '/' in pool name
use 'zfs create' to create a dataset
1
mountpoint '/data' exists and is not empty
use '-m' option to provide a different default
1
mountpoint '/var' exists and is not empty
use '-m' option to provide a different default
1
mountpoint '/notdir' : Not a directory
use '-m' option to provide a different default
1
0
0
data
empty
",
    );
}

/// `zfs destroy -r POOL` takes every dataset and snapshot under the pool's
/// root and keeps the root (`destroy_callback` skips it, though `-v` names
/// it); a destroyed filesystem's mount point directory goes with it
/// (`remove_mountpoint`), as the pool's does with `zpool destroy`.
#[test]
fn zfs_destroy_r_of_a_pool_empties_it_and_mount_points_go() {
    check(
        DISKS,
        "zpool create tank sdb\nzfs create tank/fs\nzfs create tank/a\nzfs snapshot -r tank@s\nzfs destroy tank/a@s\nzfs destroy tank/a\nls /tank\n\
         zfs destroy -rnv tank\nzfs destroy -r tank\necho $?\nzfs list -H -t all -o name\nls -a /tank\nzpool destroy tank\nls / | grep -c tank\n",
        "fs
would destroy tank/fs@s
would destroy tank/fs
would destroy tank@s
would destroy tank
0
tank
.
..
0
",
    );
}

/// `zfs_do_send` refuses a terminal for its stream (unless `-n`), before it
/// opens the dataset; a pipe, a file or `$(...)` takes it.
#[test]
fn zfs_send_refuses_to_write_to_the_terminal() {
    check(
        DISKS,
        "zpool create tank sdb\nzfs snapshot tank@s\nzfs send tank@s\necho $?\nzfs send tank\necho $?\nzfs send tank@s > /tmp/s\necho $?\n\
         zfs send tank@s | zfs recv tank/copy\necho $?\nzfs send -n tank@s\necho $?\n",
        "Error: Stream can not be written to a terminal.
You must redirect standard output.
1
Error: Stream can not be written to a terminal.
You must redirect standard output.
1
0
0
0
",
    );
}

/// `get_interval_count`: a trailing number is an interval (zero is an
/// error). `zpool status` prints a counted number of reports, each after
/// the first beginning with a blank line (`cb_first` is set once); an
/// endless one, and `zpool list`'s, the lab refuses in words of its own.
#[test]
fn zpool_status_repeats_and_list_refuses_an_interval() {
    check(
        None,
        "zpool status rpool 1 2 | grep -c 'pool: rpool'\nzpool status -x 1 3\nzpool status rpool 1\necho $?\nzpool list 5\necho $?\nzpool status 0\n",
        "2
all pools are healthy
all pools are healthy
all pools are healthy
zpool status: the lab prints a counted number of reports, a whole number of seconds apart: zpool status -v 1 5
2
zpool list: the lab prints one report; it does not wait for an interval
2
interval cannot be zero
usage:
\tstatus [--power] [-c [script1,script2,...]] [-DegiLpPstvx] [-T d|u] [pool] ...
\t    [interval [count]]
",
    );
}

/// A snapshot a clone depends on stops the whole destroy; with `-v`
/// (`-n` or not) every snapshot is still listed as it would go
/// (`destroy_check_dependent` makes the run a dry one), with no space line.
#[test]
fn zfs_destroy_v_of_snapshots_with_a_dependent_clone_lists_and_refuses() {
    check(
        DISKS,
        "zpool create tank sdb\nzfs create tank/fs\nzfs snapshot tank/fs@a\nzfs snapshot tank/fs@b\nzfs snapshot tank/fs@c\n\
         zfs clone tank/fs@b tank/clone\nzfs destroy -nv tank/fs@a%c\necho $?\nzfs destroy -v tank/fs@b,c\necho $?\n\
         zfs list -H -t snapshot -o name\n",
        "cannot destroy 'tank/fs@b': snapshot has dependent clones
use '-R' to destroy the following datasets:
tank/clone
would destroy tank/fs@a
would destroy tank/fs@b
would destroy tank/fs@c
1
cannot destroy 'tank/fs@b': snapshot has dependent clones
use '-R' to destroy the following datasets:
tank/clone
would destroy tank/fs@b
would destroy tank/fs@c
1
tank/fs@a
tank/fs@b
tank/fs@c
",
    );
}

#[test]
fn snapshots_take_user_properties_and_inherit_checks_the_type() {
    // A snapshot's own user property is local, its dataset's inherited
    // (dsl_prop_get_all_ds); other properties do not apply to it
    // (zfs_prop_valid_for_type; -r passes it by). zfs_nicestrtonum's
    // errors; -S on a property that cannot be inherited resets it to the
    // default (nothing was received); volblocksize is set once, read-only.
    check(
        Some("sdb=1G"),
        "zpool create tank sdb\n\
         zfs create tank/fs\n\
         zfs create -V 8M tank/vol\n\
         zfs snapshot tank/fs@b\n\
         zfs set user:x=2 tank/fs@b\n\
         zfs set user:y=1 tank/fs\n\
         zfs get -H user:x,user:y tank/fs@b\n\
         zfs inherit user:x tank/fs@b\n\
         zfs get -H user:x tank/fs@b\n\
         zfs set recordsize=abc tank/fs\n\
         zfs set recordsize=3X tank/fs\n\
         zfs inherit compression tank/fs@b\n\
         zfs inherit -r compression tank/fs@b\n\
         zfs set quota=10M tank/fs\n\
         zfs inherit quota tank/fs\n\
         zfs inherit -S quota tank/fs\n\
         zfs get -H quota tank/fs\n\
         zfs inherit -S volsize tank/vol\n\
         zfs inherit volblocksize tank/vol\n",
        "tank/fs@b\tuser:x\t2\tlocal
tank/fs@b\tuser:y\t1\tinherited from tank/fs
tank/fs@b\tuser:x\t-\t-
cannot set property for 'tank/fs': bad numeric value 'abc'
cannot set property for 'tank/fs': invalid numeric suffix 'X'
cannot inherit compression for 'tank/fs@b': property doesn't apply to datasets of this type
'quota' property cannot be inherited
use 'zfs set quota=none' to clear
use 'zfs inherit -S quota' to revert to received value
tank/fs\tquota\tnone\tdefault
'volsize' property cannot be reverted to a received value
volblocksize property is read-only
",
    );
}

#[test]
fn list_and_iostat_name_vdevs_by_guid_with_g() {
    // VDEV_NAME_GUID, as zpool status -g; -l, -q, -r and -w need latencies
    // and request sizes the lab does not keep.
    check(
        None,
        "zpool list -g -v\n\
         zpool iostat -g -v\n\
         zpool iostat -l\n\
         zpool iostat -w rpool\n",
        "NAME                       SIZE  ALLOC   FREE  CKPOINT  EXPANDSZ   FRAG    CAP  DEDUP    HEALTH  ALTROOT
rpool                      254G   328K   254G        -         -     0%     0%  1.00x    ONLINE  -
  10684069430387459819     254G   328K   254G        -         -     0%  0.00%      -    ONLINE
    10441894650604156824   256G      -      -        -         -      -      -      -    ONLINE
    17766489961762303990   256G      -      -        -         -      -      -      -    ONLINE
                            capacity     operations     bandwidth 
pool                      alloc   free   read  write   read  write
------------------------  -----  -----  -----  -----  -----  -----
rpool                      328K   254G      0      0      0     11
  10684069430387459819     328K   254G      0      0      0     11
    10441894650604156824      -      -      0      0      0      5
    17766489961762303990      -      -      0      0      0      5
------------------------  -----  -----  -----  -----  -----  -----
zpool iostat: the lab counts operations and bytes only; it keeps no latencies, queues or request sizes for -l
zpool iostat: the lab counts operations and bytes only; it keeps no latencies, queues or request sizes for -w
",
    );
}

#[test]
fn send_and_receive_refusals_follow_libzfs() {
    // zfs_receive_one opens the missing parent; -R and -I want a snapshot;
    // a dry run of a filesystem stops before the kernel unless it
    // estimates (EINVAL from dmu_send_estimate_fast).
    check(
        Some("sdb=1G"),
        "zpool create tank sdb\n\
         zfs create tank/fs\n\
         zfs snapshot tank/fs@a\n\
         zfs send tank/fs@a | zfs receive tank/x/y\n\
         zfs send -nvR tank/fs\n\
         zfs send -I @a tank/fs > /tmp/s\n\
         zfs send -n tank/fs\n\
         zfs send -nv tank/fs\n\
         zfs send -nP tank/fs\n",
        "cannot open 'tank/x': dataset does not exist
cannot receive new filesystem stream: unable to restore to destination
Error: Unsupported flag with filesystem or bookmark.
Error: Unsupported flag with filesystem or bookmark.
warning: cannot send 'tank/fs': Invalid argument
warning: cannot send 'tank/fs': Invalid argument
",
    );
}

#[test]
fn replace_in_place_checks_the_disk_as_zfs_does() {
    // `zpool replace POOL DEV` puts the new disk where the old one was. An
    // online leaf holds its disk (O_EXCL fails: check_disk's "in use"); an
    // offline one is closed, so the disk's partitions are checked and the
    // pool's label on the first is found (check_file).
    check(
        Some("sdb=1G,sdc=1G"),
        "zpool create tank mirror sdb sdc\n\
         zpool replace tank sdb\n\
         zpool offline tank sdb\n\
         zpool replace tank sdb\n\
         zpool replace -f tank sdb\n\
         zpool create other sdb\n",
        "/dev/sdb is in use and contains a unknown filesystem.\n\
         invalid vdev specification\nuse '-f' to override the following errors:\n/dev/sdb1 is part of active pool 'tank'\n\
         invalid vdev specification\nthe following errors must be manually repaired:\n/dev/sdb1 is part of active pool 'tank'\n\
         invalid vdev specification\nuse '-f' to override the following errors:\n/dev/sdb1 is part of active pool 'tank'\n",
    );
}

#[test]
fn readonly_datasets_refuse_writes_through_their_files() {
    // readonly=on mounts the filesystem read-only (zfs_vfsops.c
    // readonly_changed_cb): every change fails with EROFS, reads work, and
    // `zfs inherit` makes it writable again.
    check(
        Some("sdb=1G"),
        "zpool create tank sdb\nzfs create tank/r\necho keep > /tank/r/k\nzfs set readonly=on tank/r\necho hi > /tank/r/a; echo $?\ntouch /tank/r/b\nmkdir /tank/r/d\nrm /tank/r/k\ndd if=/dev/zero of=/tank/r/c bs=1M count=1\ncat /tank/r/k\nzfs inherit readonly tank/r\necho hi > /tank/r/a; ls /tank/r\n",
        "bash: /tank/r/a: Read-only file system\n1\n\
touch: cannot touch '/tank/r/b': Read-only file system\n\
mkdir: cannot create directory ‘/tank/r/d’: Read-only file system\n\
rm: cannot remove '/tank/r/k': Read-only file system\n\
dd: failed to open '/tank/r/c': Read-only file system\n\
keep\n\
a\nk\n",
    );
}

#[test]
fn a_child_of_a_readonly_filesystem_is_made_but_not_mounted() {
    // zfs_do_create -> zfs_mount_at: mkdirp of the mount point fails with
    // EROFS, so the dataset exists unmounted and zfs exits 1. A mount point
    // elsewhere works; canmount=off makes no directory at all.
    check(
        Some("sdb=1G"),
        "zpool create tank sdb\nzfs create tank/r\nzfs set readonly=on tank/r\nzfs create tank/r/c; echo $?\nzfs get -H -o value mounted,readonly tank/r/c\nls /tank/r\nzfs create -o mountpoint=/mnt/c2 tank/r/c2; echo $?\nzfs get -H -o value mounted tank/r/c2\nzfs create -o canmount=off tank/off\nls /tank\nzfs snapshot tank/off@s\nzfs clone tank/off@s tank/r/k; echo $?\nzfs get -H -o value mounted tank/r/k\n",
        "cannot mount '/tank/r/c': failed to create mountpoint: Read-only file system\n\
filesystem successfully created, but not mounted\n1\nno\non\n0\nyes\nr\n\
cannot mount '/tank/r/k': failed to create mountpoint: Read-only file system\n0\nno\n",
    );
}

#[test]
fn ls_shows_a_mount_point_as_the_mounted_root() {
    // ls lstat()s each entry's path, which crosses the mount: the ZFS
    // root's links and size (two subdirectories), ext4's root with
    // lost+found, not the empty directories below them.
    check(
        Some("sdb=1G,sdc=1G"),
        "zpool create tank sdb\nzfs create tank/a\nmkdir /tank/a/d1 /tank/a/d2\nls -l /tank\nmkfs.ext4 -q /dev/sdc\nmkdir /mnt/x\nmount /dev/sdc /mnt/x\nls -l /mnt\n",
        "total 1\ndrwxr-xr-x 4 root root 4 Nov 25 09:00 a\ntotal 4\ndrwxr-xr-x 3 root root 4096 Nov 25 09:00 x\n",
    );
}

#[test]
fn property_names_are_checked_for_the_dataset_type() {
    // zpool_main.c add_prop_list (-O takes filesystem properties only);
    // libzfs zfs_valid_proplist (volsize is a volume's).
    check(
        Some("sdb=1G"),
        "zpool create -O bogus=1 tank sdb; echo $?\nzpool create -O volsize=1G tank sdb\nzpool create -O compression tank sdb\nzpool create -O com.example:note=hi tank sdb; echo $?\nzfs create -o volsize=1G tank/x\n",
        "property 'bogus' is not a valid filesystem property\n1\n\
property 'volsize' is not a valid filesystem property\n\
missing '=' for -O option\n0\n\
cannot create 'tank/x': 'volsize' does not apply to datasets of this type\n",
    );
}

#[test]
fn snapshots_are_read_only_trees_under_dot_zfs() {
    // zfs_ctldir.c / zpl_ctldir.c: `.zfs` is hidden from the root's listing
    // (snapdir=hidden) but can be named; `.zfs/snapshot/NAME` is the
    // snapshot's tree, read-only; mkdir there takes a snapshot. The
    // control directories' inode numbers and getattr values are the
    // source's (ZFSCTL_INO_ROOT, ...; nlink 2 + snapshots).
    check(
        Some("sdb=1G"),
        "zpool create tank sdb\nzfs create tank/fs\necho v1 > /tank/fs/a.txt\nzfs snapshot tank/fs@s1\necho v2 > /tank/fs/a.txt\n\
         ls -a /tank/fs\nls /tank/fs/.zfs /tank/fs/.zfs/snapshot\ncat /tank/fs/.zfs/snapshot/s1/a.txt /tank/fs/a.txt\n\
         echo x > /tank/fs/.zfs/snapshot/s1/a.txt\nrm /tank/fs/.zfs/snapshot/s1/a.txt\ncat /tank/fs/.zfs/snapshot/s2/a.txt\n\
         cp /tank/fs/.zfs/snapshot/s1/a.txt /tank/fs/b.txt; cat /tank/fs/b.txt\ndf -h /tank/fs/.zfs/snapshot/s1 | tail -1\n\
         stat -c '%i %h %s %A %n' /tank/fs/.zfs /tank/fs/.zfs/snapshot /tank/fs/.zfs/shares\n\
         mkdir /tank/fs/.zfs/snapshot/s3\nzfs list -H -o name -t snapshot\nls /tank/fs/.zfs/snapshot/s3\n",
        ".\n..\na.txt\n/tank/fs/.zfs:\nshares\nsnapshot\n\n/tank/fs/.zfs/snapshot:\ns1\nv1\nv2\n\
bash: /tank/fs/.zfs/snapshot/s1/a.txt: Read-only file system\n\
rm: cannot remove '/tank/fs/.zfs/snapshot/s1/a.txt': Read-only file system\n\
cat: /tank/fs/.zfs/snapshot/s2/a.txt: No such file or directory\n\
v1\n\
tank/fs@s1      832M  128K  832M   1% /tank/fs/.zfs/snapshot/s1\n\
281474976710655 1 0 drwxrwxrwx /tank/fs/.zfs\n\
281474976710653 3 2 drwxrwxrwx /tank/fs/.zfs/snapshot\n\
281474976710654 2 2 drwxrwxrwx /tank/fs/.zfs/shares\n\
tank/fs@s1\ntank/fs@s3\na.txt\nb.txt\n",
    );
    // snapdir=visible lists it.
    check(
        Some("sdb=1G"),
        "zpool create tank sdb\nzfs create tank/fs\nzfs set snapdir=visible tank/fs\nls -a /tank/fs\nzfs inherit snapdir tank/fs\nls -a /tank/fs\n",
        ".\n..\n.zfs\n.\n..\n",
    );
}

#[test]
fn moved_mount_points_take_their_directories_along() {
    // libzfs_changelist.c: changelist_prefix unmounts and remove_mountpoint
    // rmdirs the old mount point; changelist_postfix mounts again, and
    // zfs_mount_at makes the new one (rename, mountpoint set or inherited).
    check(
        Some("sdb=1G"),
        "zpool create tank sdb\nzfs create tank/c\nzfs create tank/c/k\necho hi > /tank/c/k/f\nzfs rename tank/c tank/d\nls /tank /tank/d\ncat /tank/d/k/f\n\
         zfs set mountpoint=/mnt/x tank/d\nls /tank; ls /mnt /mnt/x\ncat /mnt/x/k/f\nzfs inherit mountpoint tank/d\nls /tank /mnt\n",
        "/tank:\nd\n\n/tank/d:\nk\nhi\n/mnt:\nx\n\n/mnt/x:\nk\nhi\n/mnt:\n\n/tank:\nd\n",
    );
}

#[test]
fn one_device_named_twice_is_the_kernels_ebusy() {
    // libzfs_pool.c: zpool_create and zpool_add turn the exclusive open's
    // EBUSY into these texts.
    check(
        Some("sdb=1G,sdc=1G"),
        "zpool create tank mirror sdb sdb; echo $?\nzpool create tank sdb\nzpool add -f tank mirror sdc sdc; echo $?\n",
        "cannot create 'tank': one or more vdevs refer to the same device, or one of\n\
the devices is part of an active md or lvm device\n1\n\
cannot add to 'tank': one or more vdevs refer to the same device\n1\n",
    );
}

#[test]
fn upgrade_and_iostat_answer_as_openzfs_does() {
    // zfs_main.c zfs_do_upgrade: every lab filesystem is at ZPL version 5;
    // zpool_main.c zpool_do_iostat: a first argument that is no pool.
    check(
        Some("sdb=1G"),
        "zpool create tank sdb\nzfs create tank/a\nzfs upgrade\nzfs upgrade -a\nzfs upgrade -r tank\nzfs upgrade -v -a\nzpool iostat nosuch; echo $?\nzpool split tank t2\n",
        "This system is currently running ZFS filesystem version 5.\n\nAll filesystems are formatted with the current version.\n\
0 filesystems upgraded\n2 filesystems already at this version\n\
0 filesystems upgraded\n2 filesystems already at this version\n\
usage:\n\tupgrade [-v]\n\tupgrade [-r [-V version] <-a | filesystem ...>\n\nFor the property list, run: zfs set|get\n\nFor the delegated permission list, run: zfs allow|unallow\n\nFor further help on a command or topic, run: zfs help [<topic>]\n\
Unable to parse pools/vdevs list.\n\n1\n\
the lab does not model 'zpool split'\n",
    );
}

#[test]
fn directories_count_their_subdirectories_as_links() {
    // zfs_link_create/zfs_link_destroy: a subdirectory adds a link to its
    // parent, and every entry counts in the directory's size (entries + 2).
    check(
        Some("sdb=1G"),
        "zpool create tank sdb\nmkdir /tank/d /tank/e\ntouch /tank/f\nstat -c '%h %s %n' /tank\nrmdir /tank/e\nrm /tank/f\nstat -c '%h %s %n' /tank\nmkdir /tank/d/sub\nmv /tank/d/sub /tank/sub\nstat -c '%h %s %n' /tank /tank/d\n",
        "4 5 /tank\n3 3 /tank\n4 4 /tank\n2 2 /tank/d\n",
    );
}

#[test]
fn upgrade_refuses_downgrades_and_volumes_and_readonly_mounts_say_ro() {
    // zfs_main.c upgrade_set_callback and zfs_for_each's type check;
    // readonly_changed_cb sets SB_RDONLY, which /proc/mounts shows as ro.
    check(
        Some("sdb=1G"),
        "zpool create tank sdb\nzfs create tank/fs\nzfs create -V 10M tank/vol\nzfs upgrade -V 4 tank; echo $?\nzfs upgrade tank/vol; echo $?\nzfs set readonly=on tank/fs\nmount | grep tank\n",
        "tank: can not be downgraded; it is already at version 5\n0 filesystems upgraded\n1\n\
cannot open 'tank/vol': operation not applicable to datasets of this type\n0 filesystems upgraded\n1\n\
tank on /tank type zfs (rw,relatime,xattr,noacl,casesensitive)\ntank/fs on /tank/fs type zfs (ro,relatime,xattr,noacl,casesensitive)\n",
    );
}

/// `zfs hold`, `holds` and `release` (zfs_main.c's `zfs_do_hold_rele_impl`,
/// `print_holds`; libzfs' `zfs_hold`/`zfs_release` errors): a held snapshot
/// refuses `zfs destroy` with EBUSY; `destroy -d` marks it, and the last
/// release destroys it.
#[test]
fn held_snapshots_stay_until_released() {
    check(
        Some("sdb=1G"),
        "zpool create tank sdb\nzfs create tank/fs\nzfs create tank/fs/kid\nzfs snapshot -r tank/fs@a\n\
         zfs hold keep tank/fs@a\nzfs hold keep tank/fs@a\nzfs hold -r other tank/fs@a\nzfs holds -r tank/fs@a\n\
         zfs holds -H tank/fs@a tank/fs\nzfs hold keep tank/fs@nope\nzfs hold keep tank/nofs@a\n\
         zfs destroy tank/fs@a\nzfs destroy -d tank/fs@a\nzfs get -H -o value userrefs,defer_destroy tank/fs@a\n\
         zfs release nokey tank/fs@a\nzfs release keep tank/fs@a\nzfs release other tank/fs@a\nzfs list -H -o name -t snapshot\n\
         zfs release -r other tank/fs@a\nzfs holds tank/fs/kid@a\nzfs destroy tank/fs/kid@a\n",
        "cannot hold snapshot 'tank/fs@a': tag already exists on this dataset
NAME           TAG    TIMESTAMP
tank/fs@a      keep   Wed Nov 25 09:00 2026
tank/fs@a      other  Wed Nov 25 09:00 2026
tank/fs/kid@a  other  Wed Nov 25 09:00 2026
'tank/fs' is not a snapshot
tank/fs@a\tkeep\tWed Nov 25 09:00 2026
tank/fs@a\tother\tWed Nov 25 09:00 2026
cannot hold snapshot 'tank/fs@nope': dataset does not exist
cannot open 'tank/nofs': dataset does not exist
cannot destroy snapshot tank/fs@a: dataset is busy
2
on
cannot release hold from snapshot 'tank/fs@a': no such tag on this dataset
tank/fs/kid@a
NAME           TAG  TIMESTAMP
",
    );
}

/// `zinject -h` prints zinject's usage (standard output, exit 0), as do its
/// option errors after their complaint; a mirror's own name is found but
/// is no leaf, so offline, online and detach refuse it (ENOTSUP).
#[test]
fn zinject_help_and_interior_vdevs() {
    let usage = include_str!("../../src/console/zfs/zinject_usage.txt");
    check(
        Some("sdb=1G,sdc=1G"),
        "zpool create tank mirror sdb sdc\nzinject -h\nzinject -Z\nzinject -d\nzpool offline tank mirror-0\nzpool online tank mirror-0\nzpool detach tank mirror-0\n",
        &format!(
            "{usage}invalid option 'Z'\n{usage}option -d requires an operand\n{usage}\
cannot offline mirror-0: operation not supported on this type of pool
cannot online mirror-0: operation not supported on this type of pool
cannot detach mirror-0: only applicable to mirror and replacing vdevs
"
        ),
    );
}

/// A vdev's READ/WRITE/CKSUM counts are kept in memory only: after an
/// export and import they start again at zero, while the last scan stays.
#[test]
fn import_starts_the_error_counts_again() {
    check(
        Some("sdb=1G,sdc=1G"),
        "zpool create tank mirror sdb sdc\ndd if=/dev/urandom of=/tank/f bs=1M count=20 status=none\n\
         dd if=/dev/zero of=/dev/sdb1 bs=1M seek=10 count=50 status=none\nzpool scrub -w tank\n\
         zpool status -x tank | head -3 | tail -1\nzpool export tank\nzpool import tank\nzpool status tank\n",
        "status: One or more devices has experienced an unrecoverable error.  An
  pool: tank
 state: ONLINE
  scan: scrub repaired 14.1M in 00:00:00 with 0 errors on Wed Nov 25 09:00:04 2026
config:

\tNAME        STATE     READ WRITE CKSUM
\ttank        ONLINE       0     0     0
\t  mirror-0  ONLINE       0     0     0
\t    sdb     ONLINE       0     0     0
\t    sdc     ONLINE       0     0     0

errors: No known data errors
",
    );
}

/// A filesystem the shell's working directory is in cannot be unmounted
/// (umount2's EBUSY, libzfs' "pool or dataset is busy"): not by `zfs
/// unmount`, `zfs destroy`, `zpool export` or `zpool destroy`.
#[test]
fn a_filesystem_in_use_stays_mounted() {
    check(
        Some("sdb=1G"),
        "zpool create tank sdb\nzfs create tank/fs\nzfs create tank/fs/kid\ncd /tank/fs/kid\nzfs destroy tank/fs/kid\ncd ..\nzfs unmount tank/fs\n\
         zpool export tank\nzpool destroy tank\nzfs list -H -o name,mounted\ncd /\nzfs destroy -r tank/fs\nzpool export tank\nzpool list\n",
        "cannot unmount '/tank/fs/kid': pool or dataset is busy
cannot unmount '/tank/fs': pool or dataset is busy
cannot unmount '/tank/fs': pool or dataset is busy
cannot unmount '/tank/fs': pool or dataset is busy
could not destroy 'tank': could not unmount datasets
tank\tyes
tank/fs\tyes
tank/fs/kid\tyes
no pools available
",
    );
}

/// `zpool iostat [-v] POOL INTERVAL COUNT`: COUNT reports, the first since
/// the pool was created and each later one what the interval saw; the
/// header once (`headers_once` off a terminal), or before every report with
/// -v. Reports for ever (no count) the lab refuses.
#[test]
fn iostat_repeats_a_counted_number_of_reports() {
    check(
        Some("sdb=1G"),
        "zpool create tank sdb\nzpool iostat tank 1 3 | grep -c capacity\nzpool iostat tank 1 3 | grep -c tank\nzpool iostat -v tank 1 2 | grep -c capacity\n\
         zpool iostat -H -p tank 2 2 | tail -1 | cut -f4-\nzpool iostat tank 1\nzpool iostat tank 0 2\n",
        "1
3
2
0\t0\t0\t0
zpool iostat: the lab prints a counted number of reports, a whole number of seconds apart: zpool iostat -v 1 5
interval cannot be zero
usage:
\tiostat [[[-c [script1,script2,...][-lq]]|[-rw]] [-T d | u] [-ghHLpPvy]
\t    [[pool ...]|[pool vdev ...]|[vdev ...]] [[-n] interval [count]]
",
    );
}
