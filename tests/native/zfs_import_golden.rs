//! `zpool export` and `zpool import`, through golden.rs' `check`, against
//! `zpool_main.c` (OpenZFS 2.2): `show_import`'s listing (its `status:` line
//! starts at the margin, unlike ` action:`), `print_import_config`'s aux
//! texts, and the errors of `zpool_do_import` and `check_file`.

use super::golden::check;

const DISKS: Option<&str> = Some("sdb=1G,sdc=1G,sdd=1G");

#[test]
fn an_exported_pool_is_listed_and_comes_back_with_its_files() {
    check(
        DISKS,
        "zpool import\necho $?\nzpool create tank mirror sdb sdc\nzfs create tank/docs\necho hello > /tank/docs/a.txt\n\
         zpool export tank\necho $?\nzpool list\nls / | grep -c tank\nzpool import | grep -v '  id: '\nblkid -s TYPE /dev/sdb1\n\
         zpool import tank\necho $?\ncat /tank/docs/a.txt\nls / | grep tank\nzfs list -H -o name,mountpoint\nzpool history tank | tail -3\n",
        "no pools available to import
0
0
no pools available
0
   pool: tank
  state: ONLINE
 action: The pool can be imported using its name or numeric identifier.
 config:

\ttank        ONLINE
\t  mirror-0  ONLINE
\t    sdb     ONLINE
\t    sdc     ONLINE
/dev/sdb1: TYPE=\"zfs_member\"
0
hello
tank
tank\t/tank
tank/docs\t/tank/docs
2026-11-25.09:00:06 zpool export tank
2026-11-25.09:00:12 zpool import tank

",
    );
}

/// A mirror side whose label was zeroed is UNAVAIL with "invalid label"
/// (`vdev_broken`: "contains corrupted data", ZFS-8000-4J, and in `zpool
/// status` the label texts); the pool imports DEGRADED, the side named by
/// guid and the path it was at (`ZPOOL_CONFIG_NOT_PRESENT`).
#[test]
fn a_pool_missing_a_mirror_side_imports_degraded() {
    check(
        DISKS,
        "zpool create tank mirror sdb sdc\nzpool export tank\ndd if=/dev/zero of=/dev/sdc1 bs=1M count=1 status=none\n\
         dd if=/dev/zero of=/dev/sdc1 bs=1M seek=1000 status=none 2>/dev/null\nzpool import | grep -v '  id: '\n\
         zpool import tank\nzpool status tank\nzpool export tank\nparted -s /dev/sdb rm 1\nzpool import | grep -E 'status|see|UNAVAIL'\n",
        "   pool: tank
  state: DEGRADED
status: One or more devices contains corrupted data.
 action: The pool can be imported despite missing or damaged devices.  The
\tfault tolerance of the pool may be compromised if imported.
   see: https://openzfs.github.io/openzfs-docs/msg/ZFS-8000-4J
 config:

\ttank        DEGRADED
\t  mirror-0  DEGRADED
\t    sdb     ONLINE
\t    sdc     UNAVAIL  invalid label
  pool: tank
 state: DEGRADED
status: One or more devices could not be used because the label is missing or
\tinvalid.  Sufficient replicas exist for the pool to continue
\tfunctioning in a degraded state.
action: Replace the device using 'zpool replace'.
   see: https://openzfs.github.io/openzfs-docs/msg/ZFS-8000-4J
config:

\tNAME                     STATE     READ WRITE CKSUM
\ttank                     DEGRADED     0     0     0
\t  mirror-0               DEGRADED     0     0     0
\t    sdb                  ONLINE       0     0     0
\t    7753799558544847486  UNAVAIL      0     0     0  was /dev/sdc1

errors: No known data errors
no pools available to import
",
    );
}

/// A striped pool without one of its disks: the labels left describe only
/// their own vdevs, so the missing one is known by the guid sum alone.
#[test]
fn a_pool_with_no_copy_left_of_a_vdev_cannot_be_imported() {
    check(
        DISKS,
        "zpool create tank sdb sdc\nzpool export tank\nparted -s /dev/sdc rm 1\nparted -s /dev/sdc rm 9\n\
         zpool import | grep -v '  id: '\nzpool import tank\necho $?\n",
        "   pool: tank
  state: UNAVAIL
status: One or more devices are missing from the system.
 action: The pool cannot be imported. Attach the missing
\tdevices and try again.
   see: https://openzfs.github.io/openzfs-docs/msg/ZFS-8000-6X
 config:

\ttank        UNAVAIL  missing device
\t  sdb       ONLINE

\tAdditional devices are known to be part of this pool, though their
\texact configuration cannot be determined.
cannot import 'tank': one or more devices is currently unavailable
1
",
    );
}

#[test]
fn export_and_import_check_their_arguments() {
    check(
        DISKS,
        "zpool export\necho $?\nzpool export -a tank\necho $?\nzpool export nope\necho $?\nzpool export -x\necho $?\n\
         zpool import nope\necho $?\nzpool import -n tank\necho $?\nzpool create tank sdb\nzpool import tank\necho $?\n\
         zpool export tank\nzpool create other tank\nzpool create t2 sdb\necho $?\nzpool create -f t2 sdb\necho $?\nzpool import -D\n",
        "missing pool argument
usage:
\texport [-af] <pool> ...
2
too many arguments
usage:
\texport [-af] <pool> ...
2
cannot open 'nope': no such pool
1
invalid option 'x'
usage:
\texport [-af] <pool> ...
2
cannot import 'nope': no such pool available
1
-n or -X only meaningful with -F
usage:
\timport [-d dir] [-D]
\timport [-o mntopts] [-o property=value] ... 
\t    [-d dir | -c cachefile] [-D] [-l] [-f] [-m] [-N] [-R root] [-F [-n]] -a
\timport [-o mntopts] [-o property=value] ... 
\t    [-d dir | -c cachefile] [-D] [-l] [-f] [-m] [-N] [-R root] [-F [-n]]
\t    [--rewind-to-checkpoint] <pool | id> [newpool]
2
cannot import 'tank': a pool with that name is already created/imported,
and no additional pools with that name were found
1
cannot open 'tank': no such device in /dev
must be a full path or shorthand device name
invalid vdev specification
use '-f' to override the following errors:
/dev/sdb1 is part of exported pool 'tank'
1
0
no pools available to import
",
    );
}

/// Exporting flushes the pool's blocks from the ARC, so the first reads
/// after the import are misses and the next ones hits.
#[test]
fn reads_after_an_import_miss_the_arc_then_hit() {
    check(
        DISKS,
        "zpool create tank sdb\nzfs set compression=off tank\ndd if=/dev/urandom of=/tank/f bs=128K count=4 status=none\n\
         zpool export tank\ngrep -E '^(size|deleted) ' /proc/spl/kstat/zfs/arcstats\nzpool import tank\n\
         cat /tank/f > /dev/null\ncat /tank/f > /dev/null\ngrep -E '^(hits|misses|mru_hits) ' /proc/spl/kstat/zfs/arcstats\n",
        "deleted                         4    4
size                            4    0
hits                            4    4
misses                          4    4
mru_hits                        4    4
",
    );
}

/// A side whose partition is gone is missing (`vdev_missing`, ZFS-8000-2Q)
/// and keeps its name in the listing; after a degraded import and another
/// export its label marks it not present, so it goes by guid.
#[test]
fn a_missing_side_keeps_its_name_until_an_import_marks_it_not_present() {
    check(
        DISKS,
        "zpool create tank mirror sdb sdc\nzpool export tank\nparted -s /dev/sdc rm 1\nzpool import | grep -E 'status|see|sdc'\n\
         zpool import tank\nzpool export tank\nzpool import | grep UNAVAIL\n",
        "status: One or more devices are missing from the system.
   see: https://openzfs.github.io/openzfs-docs/msg/ZFS-8000-2Q
\t    sdc     UNAVAIL  cannot open
\t    7753799558544847486  UNAVAIL  cannot open
",
    );
}

/// A side another pool took opens with that pool's label: "corrupted
/// data" (`VDEV_AUX_CORRUPT_DATA`, ZFS-8000-4J).
#[test]
fn a_side_another_pool_took_has_corrupted_data() {
    check(
        DISKS,
        "zpool create tank mirror sdb sdc sdd\nzpool export tank\nzpool create -f new sdb\nzpool import | grep -v '  id: '\n",
        "   pool: tank
  state: DEGRADED
status: One or more devices contains corrupted data.
 action: The pool can be imported despite missing or damaged devices.  The
\tfault tolerance of the pool may be compromised if imported.
   see: https://openzfs.github.io/openzfs-docs/msg/ZFS-8000-4J
 config:

\ttank        DEGRADED
\t  mirror-0  DEGRADED
\t    sdb     UNAVAIL  corrupted data
\t    sdc     ONLINE
\t    sdd     ONLINE
",
    );
}

/// `-d DIR` searches DIR only (the lab's devices are all under /dev); a dry
/// run leaves no history; `import -a` is logged once, in the last pool; a
/// mount point someone chose stays when the pool leaves (`remove_mountpoint`
/// takes default and inherited ones only).
#[test]
fn search_directories_history_and_chosen_mount_points() {
    check(
        DISKS,
        "zpool create t1 sdb\nzpool create t2 sdc\nzfs create -o mountpoint=/data t2/d\nzfs create t2/e\nzfs destroy -nv t2/e\n\
         zpool export -a\nls -d /data /t1 /t2 2>&1\nzpool import -d /empty\necho $?\nzpool import -d /empty t1\necho $?\n\
         zpool import -d /dev/disk/by-id -a\nzpool history t1 | tail -2\nzpool history t2 | tail -3\n",
        "would destroy t2/e
ls: cannot access '/t1': No such file or directory
ls: cannot access '/t2': No such file or directory
/data
no pools available to import
0
cannot import 't1': no such pool available
1
2026-11-25.09:00:06 zpool export -a

2026-11-25.09:00:06 zpool export -a
2026-11-25.09:00:12 zpool import -d /dev/disk/by-id -a

",
    );
}

#[test]
fn a_destroyed_pool_comes_back_with_import_d() {
    // spa_destroy writes the labels POOL_STATE_DESTROYED: plain import skips
    // the pool, -D lists it with "(DESTROYED)" (show_import) and imports it
    // with its data.
    check(
        Some("sdb=1G,sdc=1G"),
        "zpool create tank mirror sdb sdc\necho hi > /tank/f\nzpool destroy tank\nzpool import\nzpool import -D | head -3\nzpool import tank\nzpool import -D tank; echo $?\ncat /tank/f\nzpool list -H -o name,health\n",
        "no pools available to import\n   pool: tank\n     id: 16484444703081484516\n  state: ONLINE (DESTROYED)\n\
cannot import 'tank': no such pool available\n0\nhi\ntank\tONLINE\n",
    );
}
