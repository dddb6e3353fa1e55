//! Golden scripts for bookmarks (`zfs bookmark`, listing, `zfs destroy
//! FS#MARK`, `zfs send -i #MARK`, `written#MARK`, rollback past one),
//! through golden.rs' `check`. Texts are OpenZFS 2.2's: `zfs_do_bookmark`,
//! `zfs_do_destroy`, `zfs_send_one`, `rollback_check`.

use super::golden::check;

#[test]
fn bookmarks_are_made_listed_and_destroyed() {
    // Either name may be short when the other is full (the message for
    // both short has no new line in zfs_do_bookmark); a bookmark made from
    // a bookmark is a copy. Listed after the snapshots, with only the
    // properties dsl_bookmark_fetch_props sends; no -n, -r or -d on destroy.
    check(
        Some("sdb=1G"),
        "zpool create tank sdb\n\
         zfs create tank/fs\n\
         echo one > /tank/fs/a\n\
         zfs snapshot tank/fs@s1\n\
         zfs bookmark tank/fs@s1 tank/fs#s1\n\
         zfs bookmark tank/fs@s1 '#copy'\n\
         zfs bookmark tank/fs#s1 '#b3'\n\
         zfs bookmark '@s1' '#b4'\n\
         zfs bookmark tank/fs@nope '#x'\n\
         zfs bookmark tank/fs#nope '#x'\n\
         zfs bookmark tank/fs@s1 tank/fs#s1\n\
         zfs bookmark tank/fs tank/fs#z\n\
         zfs bookmark tank/fs@s1 tank/fs\n\
         zfs bookmark tank/fs@s1 tank/other#x\n\
         zfs list -t all -r tank\n\
         zfs list -t bookmark -o name,createtxg,refer,lrefer,used\n\
         zfs get -H type,creation,createtxg,used tank/fs#s1\n\
         zfs get all tank/fs#copy\n\
         zfs destroy -n tank/fs#b3\n\
         zfs destroy -r tank/fs#b3\n\
         zfs destroy tank/fs#b3\n\
         zfs destroy tank/fs#b3\n\
         zfs list -H -o name -t bookmark\n",
        "either source or bookmark must be specified as full dataset pathsusage:
\tbookmark <snapshot|bookmark> <newbookmark>

For the property list, run: zfs set|get

For the delegated permission list, run: zfs allow|unallow

For further help on a command or topic, run: zfs help [<topic>]
cannot open 'tank/fs@nope': dataset does not exist
usage:
\tbookmark <snapshot|bookmark> <newbookmark>

For the property list, run: zfs set|get

For the delegated permission list, run: zfs allow|unallow

For further help on a command or topic, run: zfs help [<topic>]
cannot open 'tank/fs#nope': no such pool or dataset
usage:
\tbookmark <snapshot|bookmark> <newbookmark>

For the property list, run: zfs set|get

For the delegated permission list, run: zfs allow|unallow

For further help on a command or topic, run: zfs help [<topic>]
cannot create bookmark 'tank/fs#s1': bookmark exists
invalid source name 'tank/fs': must contain a '@' or '#'
usage:
\tbookmark <snapshot|bookmark> <newbookmark>

For the property list, run: zfs set|get

For the delegated permission list, run: zfs allow|unallow

For further help on a command or topic, run: zfs help [<topic>]
invalid bookmark name 'tank/fs': must contain a '#'
usage:
\tbookmark <snapshot|bookmark> <newbookmark>

For the property list, run: zfs set|get

For the delegated permission list, run: zfs allow|unallow

For further help on a command or topic, run: zfs help [<topic>]
cannot create bookmark 'tank/other#x': dataset does not exist
NAME           USED  AVAIL  REFER  MOUNTPOINT
tank            49K   832M    25K  /tank
tank/fs         24K   832M    24K  /tank/fs
tank/fs@s1       0B      -    24K  -
tank/fs#b3        -      -    24K  -
tank/fs#copy      -      -    24K  -
tank/fs#s1        -      -    24K  -
NAME          CREATETXG  REFER  LREFER   USED
tank/fs#b3            8    24K   12.5K      -
tank/fs#copy          8    24K   12.5K      -
tank/fs#s1            8    24K   12.5K      -
tank/fs#s1\ttype\tbookmark\t-
tank/fs#s1\tcreation\tWed Nov 25  9:00 2026\t-
tank/fs#s1\tcreatetxg\t8\t-
tank/fs#s1\tused\t-\t-
NAME          PROPERTY              VALUE                  SOURCE
tank/fs#copy  type                  bookmark               -
tank/fs#copy  creation              Wed Nov 25  9:00 2026  -
tank/fs#copy  referenced            24K                    -
tank/fs#copy  createtxg             8                      -
tank/fs#copy  guid                  1817864474177167341    -
tank/fs#copy  logicalreferenced     12.5K                  -
dryrun is not supported with bookmark
recursive is not supported with bookmark
bookmark 'tank/fs#b3' does not exist.
tank/fs#copy
tank/fs#s1
",
    );
}

#[test]
fn an_incremental_stream_starts_from_a_bookmark_after_its_snapshot_is_gone() {
    // backup/fs@s1 matches the bookmark's guid, so the stream from #s1
    // applies there: a's new bytes, c, and b's removal. written#s1 is what
    // @s2 holds that was born after the bookmark's txg; -I wants snapshots;
    // a later bookmark is no source; rollback lists and -r destroys newer
    // bookmarks too.
    check(
        Some("sdb=1G,sdc=1G"),
        "zpool create tank sdb\n\
         zpool create backup sdc\n\
         zfs create tank/fs\n\
         echo one > /tank/fs/a\n\
         echo gone > /tank/fs/b\n\
         zfs snapshot tank/fs@s1\n\
         zfs bookmark tank/fs@s1 tank/fs#s1\n\
         zfs send tank/fs@s1 | zfs recv backup/fs\n\
         zfs destroy tank/fs@s1\n\
         echo two > /tank/fs/a\n\
         rm /tank/fs/b\n\
         echo new > /tank/fs/c\n\
         zfs snapshot tank/fs@s2\n\
         zfs get -p written#s1 tank/fs@s2\n\
         zfs get -p written tank/fs@s2\n\
         zfs send -nvP -i '#s1' tank/fs@s2\n\
         zfs send -i tank/fs#s1 tank/fs@s2 | zfs recv -v backup/fs\n\
         ls /backup/fs\n\
         cat /backup/fs/a /backup/fs/c\n\
         zfs send -I '#s1' tank/fs@s2 > /tmp/x\n\
         zfs send -i '#nope' tank/fs@s2 > /tmp/x\n\
         zfs send -nv -i '#nope' tank/fs@s2\n\
         zfs snapshot tank/fs@s3\n\
         zfs bookmark tank/fs@s3 '#s3'\n\
         zfs send -i '#s3' tank/fs@s2 > /tmp/x\n\
         zfs rollback tank/fs@s2\n\
         zfs rollback -r tank/fs@s2\n\
         zfs list -H -o name -t all -r tank/fs\n",
        "NAME        PROPERTY    VALUE       SOURCE
tank/fs@s2  written#s1  14336       local
NAME        PROPERTY  VALUE    SOURCE
tank/fs@s2  written   24576    -
incremental\ttank/fs#s1\ttank/fs@s2\t8816
size\t8816
receiving incremental stream of tank/fs@s2 into backup/fs@s2
received 216B stream in 0.01 seconds (21.1K/sec)
a
c
two
new
Error: multiple snapshots cannot be sent from a bookmark.
warning: cannot send 'tank/fs@s2': incremental source (tank/fs#nope) does not exist
warning: cannot send 'tank/fs@s2': No such file or directory
warning: cannot send 'tank/fs@s2': not an earlier snapshot from the same fs
cannot rollback to 'tank/fs@s2': more recent snapshots or bookmarks exist
use '-r' to force deletion of the following snapshots and bookmarks:
tank/fs@s3
tank/fs#s3
tank/fs
tank/fs@s2
tank/fs#s1
",
    );
}

#[test]
fn pool_roots_take_bookmarks_and_a_clone_sends_from_its_origin() {
    // The pool is the name up to the first '/', '@' or '#'; -t bookmark
    // lists only bookmarks; a snapshot's own user property is in `get all`;
    // -R -i opens its source first; a clone's origin is an earlier
    // snapshot for an incremental stream (snapshot_is_before).
    check(
        Some("sdb=1G,sdc=1G"),
        "zpool create tank sdb\n\
         zpool create back sdc\n\
         zfs snapshot tank@s\n\
         zfs bookmark tank@s tank#b\n\
         zfs bookmark tank#b tank#b9\n\
         zfs bookmark '#b' tank#b4\n\
         zfs create tank/fs\n\
         zfs snapshot tank/fs@s2\n\
         zfs bookmark tank/fs@s2 '#x'\n\
         zfs list -t bookmark tank/fs\n\
         zfs list -H -o name -t bookmark -r tank\n\
         zfs set user:x=1 tank/fs@s2\n\
         zfs get -H -s local all tank/fs@s2\n\
         zfs send -R -i @nos tank@s > /tmp/f\n\
         zfs clone tank/fs@s2 tank/cl\n\
         echo hi > /tank/cl/hi\n\
         zfs snapshot tank/cl@c1\n\
         zfs send -nv -i tank/fs@s2 tank/cl@c1\n\
         zfs send tank/fs@s2 | zfs recv back/fs\n\
         zfs send -i tank/fs@s2 tank/cl@c1 | zfs recv back/fs\n\
         cat /back/fs/hi\n",
        "NAME        USED  AVAIL  REFER  MOUNTPOINT
tank/fs#x      -      -    24K  -
tank#b
tank#b4
tank#b9
tank/fs#x
tank/fs@s2\tuser:x\t1\tlocal
cannot open 'tank@nos': dataset does not exist
send from tank/fs@s2 to tank/cl@c1 estimated size is 8.11K
total estimated size is 8.11K
hi
",
    );
}

#[test]
fn commands_without_bookmarks_refuse_their_names() {
    // zfs_validate_name: a '#' where the command takes no bookmark; zfs
    // list takes one with -t bookmark (or all).
    check(
        Some("sdb=1G"),
        "zpool create tank sdb\nzfs create tank/fs\nzfs snapshot tank/fs@s\nzfs bookmark tank/fs@s tank/fs#b\n\
         zfs list tank/fs#b\nzfs list -H -o name -t bookmark tank/fs#b\nzfs send tank/fs#b > /tmp/f\nzfs rename tank/fs#b tank/fs#c\n",
        "cannot open 'tank/fs#b': bookmark delimiter '#' is not expected here\ntank/fs#b\n\
         cannot open 'tank/fs#b': bookmark delimiter '#' is not expected here\ncannot open 'tank/fs#b': bookmark delimiter '#' is not expected here\n",
    );
}
