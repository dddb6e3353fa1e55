//! Golden scripts for `zfs send`'s estimates (`-n`, `-v`, `-P`) and the
//! `written@snap` property, through golden.rs' `check`.
//!
//! Both rest on `dsl_dataset_space_written`. An estimate is
//! `dmu_send_estimate_fast`'s: the logical bytes (`logicalreferenced` for a
//! full stream), less 128 bytes (a block pointer) and plus 312 (a
//! `dmu_replay_record_t`) per recordsize block, plus 624 for the BEGIN and
//! END records. Texts are libzfs' `send_print_verbose` and
//! `send_progress_thread`'s header (OpenZFS 2.2).

use super::golden::check;

const DISKS: Option<&str> = Some("sdb=1G");

/// 1 MiB in `a`, 2 MiB more in `b`, then `a` removed for `c`.
const THREE_SNAPSHOTS: &str = "zpool create tank sdb\nzfs create tank/fs\n\
    dd if=/dev/urandom of=/tank/fs/a bs=1M count=1 status=none\nzfs snapshot tank/fs@a\n\
    dd if=/dev/urandom of=/tank/fs/b bs=1M count=2 status=none\nzfs snapshot tank/fs@b\n\
    rm /tank/fs/a\nzfs snapshot tank/fs@c\n";

#[test]
fn a_full_estimate_is_the_logical_size_with_a_record_per_block() {
    // @b: 3160576 logical bytes are 24 records of 128K:
    // 3160576 - 24 * 128 + 24 * 312 + 624 = 3165616.
    // The 1M volume of 16K blocks: 1058304 + 64 * 184 + 624 = 1070704.
    check(
        DISKS,
        &format!(
            "{THREE_SNAPSHOTS}zfs get -H -p -o value logicalreferenced tank/fs@b\nzfs send -nvP tank/fs@b\nzfs send -nv tank/fs@b\n\
             zfs create -V 8M -o volblocksize=16K tank/vol\ndd if=/dev/urandom of=/dev/zvol/tank/vol bs=1M count=1 status=none\n\
             zfs snapshot tank/vol@s\nzfs get -H -p -o value logicalreferenced tank/vol@s\nzfs send -nvP tank/vol@s\n"
        ),
        "3160576
full\ttank/fs@b\t3165616
size\t3165616
full send of tank/fs@b estimated size is 3.02M
total estimated size is 3.02M
1058304
full\ttank/vol@s\t1070704
size\t1070704
",
    );
}

#[test]
fn an_incremental_estimate_counts_only_what_was_written_since() {
    // From @a to @c: b's 2M and the metadata, 2105856 logical bytes, 16
    // records. -I sends @b then @c, each from the one before, named short,
    // and totals with zfs_nicebytes where a single stream uses zfs_nicenum.
    check(
        DISKS,
        &format!(
            "{THREE_SNAPSHOTS}zfs send -nvP -i @a tank/fs@c\nzfs send -nv -i tank/fs@a tank/fs@c\n\
             zfs send -nv -I tank/fs@a tank/fs@c\nzfs send -nP -I @a tank/fs@c\nzfs send -nv -i @a tank/fs@a\n"
        ),
        "incremental\ttank/fs@a\ttank/fs@c\t2109424
size\t2109424
send from tank/fs@a to tank/fs@c estimated size is 2.01M
total estimated size is 2.01M
send from @a to tank/fs@b estimated size is 2.01M
send from @b to tank/fs@c estimated size is 7.61K
total estimated size is 2.02M
incremental\ta\ttank/fs@b\t2109424
incremental\tb\ttank/fs@c\t7792
size\t2117216
warning: cannot send 'tank/fs@a': not an earlier snapshot from the same fs
",
    );
}

#[test]
fn a_dry_run_sends_nothing_and_a_real_one_reports_on_standard_error() {
    // -n writes no stream; with -v the estimate is the output. A real send
    // prints it to standard error with the progress header; -P drops the
    // header, -vv adds BLOCKS, -V alone prints nothing.
    check(
        DISKS,
        &format!(
            "{THREE_SNAPSHOTS}zfs send -n tank/fs@b | wc -c\nzfs send -nv tank/fs@a | wc -l\n\
             zfs send -v -i @b tank/fs@c > /tmp/c.stream\nzfs send -vv tank/fs@a | zfs recv tank/copy\n\
             zfs send -P tank/fs@a > /tmp/a.stream\nzfs send -V tank/fs@a | wc -c\nzfs send -nV tank/fs@a\nzfs send -nDv tank/fs@a\nzfs send -nv tank/fs@a\n"
        ),
        "0
2
send from tank/fs@b to tank/fs@c estimated size is 7.61K
total estimated size is 7.61K
TIME        SENT   SNAPSHOT tank/fs@c
full send of tank/fs@a estimated size is 1.01M
total estimated size is 1.01M
TIME        SENT      BLOCKS    SNAPSHOT tank/fs@a
full\ttank/fs@a\t1063984
size\t1063984
1048758
WARNING: deduplicated send is no longer supported.  A regular,
non-deduplicated stream will be generated.

full send of tank/fs@a estimated size is 1.01M
total estimated size is 1.01M
full send of tank/fs@a estimated size is 1.01M
total estimated size is 1.01M
",
    );
}

#[test]
fn written_at_a_snapshot_counts_what_was_written_since_it() {
    // @c removed a's megabyte: written@a of @c is still b's 2M (what was
    // removed was not written), as @b's own `written`. Between neighbours
    // it is the `written` of the newer one. A clone counts back through its
    // origin, and since its origin it is the clone's `written`. Not
    // earlier, or no such snapshot: "-". The VALUE column is as
    // wide as the longest property name, as zprop_get_list sizes it.
    check(
        DISKS,
        &format!(
            "{THREE_SNAPSHOTS}zfs get -p written tank/fs@b tank/fs@c\nzfs get -p written@a,written@b tank/fs@c\n\
             zfs get written@a,written@c,written@nope,written#a tank/fs\nzfs list -t all -o name,written,written@a -r tank/fs\n\
             zfs clone tank/fs@b tank/copy\necho hi > /tank/copy/hi\nzfs get -H -p written@tank/fs@a,written@a,written@tank/fs@c tank/copy\n\
             zfs list -H -p -o written@tank/fs@b,written tank/copy\n"
        ),
        "NAME       PROPERTY  VALUE    SOURCE
tank/fs@b  written   2114560  -
tank/fs@c  written   14336    -
NAME       PROPERTY   VALUE      SOURCE
tank/fs@c  written@a  2114560    local
tank/fs@c  written@b  14336      local
NAME     PROPERTY      VALUE         SOURCE
tank/fs  written@a     2.02M         local
tank/fs  written@c     0B            local
tank/fs  written@nope  -             -
tank/fs  written#a     -             -
NAME       WRITTEN  WRITTEN@A
tank/fs          0      2.02M
tank/fs@a    1.03M          -
tank/fs@b    2.02M      2.02M
tank/fs@c      14K      2.02M
tank/copy\twritten@tank/fs@a\t2115584\tlocal
tank/copy\twritten@a\t-\t-
tank/copy\twritten@tank/fs@c\t-\t-
15360\t15360
",
    );
}

#[test]
fn a_replication_stream_carries_every_snapshot_of_every_filesystem_below() {
    // -R (dump_filesystems): each filesystem, parents first, each of its
    // snapshots up to the one named (the first in full, the rest from the
    // one before, named short); -i sends only the change, -I each step. A
    // receive puts the descendants below the target (with -d, below the
    // pool's name). A filesystem without the snapshot is left out with
    // libzfs' warning and the send fails.
    check(
        Some("sdb=1G,sdc=1G"),
        "zpool create tank sdb\n\
             zpool create backup sdc\n\
             zfs create tank/fs\n\
             echo a > /tank/fs/a\n\
             zfs snapshot tank/fs@a\n\
             echo b > /tank/fs/b\n\
             zfs snapshot tank/fs@b\n\
             zfs create tank/fs/kid\n\
             echo k > /tank/fs/kid/k\n\
             zfs snapshot -r tank/fs@c\n\
             zfs send -nvR tank/fs@c\n\
             zfs send -nvPR tank/fs@c\n\
             zfs send -R tank/fs@c | zfs recv -v backup/r\n\
             zfs list -t all -r -o name backup\n\
             cat /backup/r/kid/k /backup/r/b\n\
             echo c > /tank/fs/c\n\
             echo kk > /tank/fs/kid/k2\n\
             zfs snapshot -r tank/fs@d\n\
             zfs send -nvR -i @c tank/fs@d\n\
             zfs send -R -i @c tank/fs@d | zfs recv -v backup/r\n\
             zfs list -t all -r -o name backup/r\n\
             cat /backup/r/c /backup/r/kid/k2\n\
             zfs send -nvR -I @a tank/fs@d\n\
             zfs send -R tank/fs@d | zfs recv -d backup\n\
             zfs list -r -o name backup/fs\n\
             zfs snapshot tank/fs@only\n\
             zfs send -nvR tank/fs@only\n\
             zfs send -vR tank/fs@only > /tmp/s\n",
        "full send of tank/fs@a estimated size is 13.1K
send from @a to tank/fs@b estimated size is 8.11K
send from @b to tank/fs@c estimated size is 7.61K
full send of tank/fs/kid@c estimated size is 13.1K
total estimated size is 41.9K
full\ttank/fs@a\t13424
incremental\ta\ttank/fs@b\t8304
incremental\tb\ttank/fs@c\t7792
full\ttank/fs/kid@c\t13424
size\t42944
receiving full stream of tank/fs@a into backup/r@a
received 200B stream in 0.01 seconds (19.5K/sec)
receiving incremental stream of tank/fs@b into backup/r@b
received 217B stream in 0.01 seconds (21.2K/sec)
receiving incremental stream of tank/fs@c into backup/r@c
received 213B stream in 0.01 seconds (20.8K/sec)
receiving full stream of tank/fs/kid@c into backup/r/kid@c
received 204B stream in 0.01 seconds (19.9K/sec)
NAME
backup
backup/r
backup/r@a
backup/r@b
backup/r@c
backup/r/kid
backup/r/kid@c
k
b
send from @c to tank/fs@d estimated size is 8.11K
send from @c to tank/fs/kid@d estimated size is 8.11K
total estimated size is 16.2K
receiving incremental stream of tank/fs@d into backup/r@d
received 217B stream in 0.01 seconds (21.2K/sec)
receiving incremental stream of tank/fs/kid@d into backup/r/kid@d
received 223B stream in 0.01 seconds (21.8K/sec)
NAME
backup/r
backup/r@a
backup/r@b
backup/r@c
backup/r@d
backup/r/kid
backup/r/kid@c
backup/r/kid@d
c
kk
send from @a to tank/fs@b estimated size is 8.11K
send from @b to tank/fs@c estimated size is 7.61K
send from @c to tank/fs@d estimated size is 8.11K
full send of tank/fs/kid@c estimated size is 13.1K
send from @c to tank/fs/kid@d estimated size is 8.11K
total estimated size is 45.0K
NAME
backup/fs
backup/fs/kid
WARNING: could not send tank/fs/kid@only: does not exist
full send of tank/fs@a estimated size is 13.1K
send from @a to tank/fs@b estimated size is 8.11K
send from @b to tank/fs@c estimated size is 7.61K
send from @c to tank/fs@d estimated size is 8.11K
send from @d to tank/fs@only estimated size is 624B
total estimated size is 37.5K
WARNING: could not send tank/fs/kid@only: does not exist
full send of tank/fs@a estimated size is 13.1K
send from @a to tank/fs@b estimated size is 8.11K
send from @b to tank/fs@c estimated size is 7.61K
send from @c to tank/fs@d estimated size is 8.11K
send from @d to tank/fs@only estimated size is 624B
total estimated size is 37.5K
TIME        SENT   SNAPSHOT tank/fs@a
TIME        SENT   SNAPSHOT tank/fs@b
TIME        SENT   SNAPSHOT tank/fs@c
TIME        SENT   SNAPSHOT tank/fs@d
TIME        SENT   SNAPSHOT tank/fs@only
",
    );
}
