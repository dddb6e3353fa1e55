//! The ARC through the host's own views: `/proc/spl/kstat/zfs/arcstats` and
//! `arc_summary` (OpenZFS 2.2's `cmd/arc_summary`), through golden.rs'
//! `check`. The lab host has 16 GiB of memory: `c_min` 512 MiB, `c_max`
//! 8 GiB. Files are written with compression off, so a 128K record takes
//! 131072 bytes of ARC.

use super::golden::check;

const DISKS: Option<&str> = Some("sdb=1G,sdc=1G");
const SETUP: &str = "zpool create tank mirror sdb sdc\nzfs set compression=off tank\n";
const STATS: &str = "grep -E '^(hits|misses|mru_hits|mfu_hits|size|mru_size|mfu_size|hash_elements) ' /proc/spl/kstat/zfs/arcstats\n";

fn script(body: &str) -> String {
    format!("{SETUP}{body}")
}

#[test]
fn written_blocks_are_cached_and_a_second_read_moves_them_to_the_mfu() {
    let body = format!(
        "dd if=/dev/urandom of=/tank/f bs=128K count=8 status=none\n{STATS}cat /tank/f > /dev/null\n{STATS}cat /tank/f > /dev/null\n{STATS}"
    );
    check(
        DISKS,
        &script(&body),
        "hits                            4    0
misses                          4    0
mru_hits                        4    0
mfu_hits                        4    0
hash_elements                   4    8
size                            4    1048576
mru_size                        4    1048576
mfu_size                        4    0
hits                            4    8
misses                          4    0
mru_hits                        4    8
mfu_hits                        4    0
hash_elements                   4    8
size                            4    1048576
mru_size                        4    0
mfu_size                        4    1048576
hits                            4    16
misses                          4    0
mru_hits                        4    8
mfu_hits                        4    8
hash_elements                   4    8
size                            4    1048576
mru_size                        4    0
mfu_size                        4    1048576
",
    );
}

#[test]
fn blocks_leave_the_arc_when_freed_not_while_a_snapshot_holds_them() {
    let body = "dd if=/dev/urandom of=/tank/f bs=128K count=8 status=none\nzfs snapshot tank@a\n\
                dd if=/dev/urandom of=/tank/f bs=128K count=8 conv=notrunc status=none\n\
                grep -E '^(size|hash_elements) ' /proc/spl/kstat/zfs/arcstats\n\
                zfs destroy tank@a\ngrep -E '^(size|hash_elements) ' /proc/spl/kstat/zfs/arcstats\n\
                rm /tank/f\ngrep -E '^(size|hash_elements|hash_elements_max) ' /proc/spl/kstat/zfs/arcstats\n";
    check(
        DISKS,
        &script(body),
        "hash_elements                   4    16
size                            4    2097152
hash_elements                   4    8
size                            4    1048576
hash_elements                   4    0
hash_elements_max               4    16
size                            4    0
",
    );
}

#[test]
fn destroying_a_pool_flushes_its_blocks_and_keeps_the_counters() {
    let body = "dd if=/dev/urandom of=/tank/g bs=128K count=2 status=none\ncat /tank/g > /dev/null\nzpool destroy tank\n\
                grep -E '^(hits|size|deleted|evict_l2_eligible|evict_l2_eligible_mfu|hash_elements) ' /proc/spl/kstat/zfs/arcstats\n";
    check(
        DISKS,
        &script(body),
        "hits                            4    2
deleted                         4    2
evict_l2_eligible               4    262144
evict_l2_eligible_mfu           4    262144
hash_elements                   4    0
size                            4    0
",
    );
}

/// The kstat's two header lines: id 13, named (1), 147 fields of 272 bytes,
/// created 5 s after boot, read 3 s after (the lab's clock ticks once per
/// command); the memory fields of a 16 GiB host using 1 GiB besides the ARC.
#[test]
fn arcstats_has_the_kstat_header_and_the_memory_fields() {
    check(
        Some(""),
        "head -2 /proc/spl/kstat/zfs/arcstats\ngrep -c . /proc/spl/kstat/zfs/arcstats\n\
         grep -E '^(c|c_min|c_max|arc_dnode_limit|arc_sys_free|memory_all_bytes|memory_free_bytes|memory_available_bytes|meta|pd|pm) ' /proc/spl/kstat/zfs/arcstats\n",
        "13 1 0x01 147 39984 5000000000 6000000000
name                            type data
149
meta                            4    1073741824
pd                              4    2147483648
pm                              4    2147483648
c                               4    536870912
c_min                           4    536870912
c_max                           4    8589934592
memory_all_bytes                4    17179869184
memory_free_bytes               4    16106127360
memory_available_bytes          3    15443427328
arc_dnode_limit                 4    858993459
arc_sys_free                    4    662700032
",
    );
}

#[test]
fn arc_summary_reports_sizes_and_hits() {
    let body = "dd if=/dev/urandom of=/tank/f bs=128K count=8 status=none\ncat /tank/f > /dev/null\n\
                arc_summary -s arc | head -31\narc_summary -s archits | head -22\n";
    check(
        DISKS,
        &script(body),
        "
------------------------------------------------------------------------
ZFS Subsystem Report                            Wed Nov 25 09:00:05 2026
Linux 6.8.12-4-pve                                            2.2.6-pve1
Machine: pve (x86_64)                                         2.2.6-pve1

ARC status:                                                      HEALTHY
        Memory throttle count:                                         0

ARC size (current):                                   < 0.1 %    1.0 MiB
        Target size (adaptive):                         6.2 %  512.0 MiB
        Min size (hard limit):                          6.2 %  512.0 MiB
        Max size (high water):                           16:1    8.0 GiB
        Anonymous data size:                            0.0 %    0 Bytes
        Anonymous metadata size:                        0.0 %    0 Bytes
        MFU data target:                               37.5 %  384.0 KiB
        MFU data size:                                100.0 %    1.0 MiB
        MFU ghost data size:                                     0 Bytes
        MFU metadata target:                           12.5 %  128.0 KiB
        MFU metadata size:                              0.0 %    0 Bytes
        MFU ghost metadata size:                                 0 Bytes
        MRU data target:                               37.5 %  384.0 KiB
        MRU data size:                                  0.0 %    0 Bytes
        MRU ghost data size:                                     0 Bytes
        MRU metadata target:                           12.5 %  128.0 KiB
        MRU metadata size:                              0.0 %    0 Bytes
        MRU ghost metadata size:                                 0 Bytes
        Uncached data size:                             0.0 %    0 Bytes
        Uncached metadata size:                         0.0 %    0 Bytes
        Bonus size:                                     0.0 %    0 Bytes
        Dnode cache target:                            10.0 %  819.2 MiB

------------------------------------------------------------------------
ZFS Subsystem Report                            Wed Nov 25 09:00:06 2026
Linux 6.8.12-4-pve                                            2.2.6-pve1
Machine: pve (x86_64)                                         2.2.6-pve1

ARC total accesses:                                                    8
        Total hits:                                   100.0 %          8
        Total I/O hits:                                 0.0 %          0
        Total misses:                                   0.0 %          0

ARC demand data accesses:                             100.0 %          8
        Demand data hits:                             100.0 %          8
        Demand data I/O hits:                           0.0 %          0
        Demand data misses:                             0.0 %          0

ARC demand metadata accesses:                           0.0 %          0
        Demand metadata hits:                             n/a          0
        Demand metadata I/O hits:                         n/a          0
        Demand metadata misses:                           n/a          0

ARC prefetch data accesses:                             0.0 %          0
",
    );
}

/// argparse's errors, `Error: Section ... unknown` after the header, and
/// the lab's refusal of the module-parameter sections.
#[test]
fn arc_summary_rejects_bad_options_and_sections() {
    check(
        Some(""),
        "arc_summary -x; echo $?\narc_summary -s; echo $?\narc_summary -p x; echo $?\narc_summary -s nope | tail -1; echo $?\n\
         arc_summary -s tunables; echo $?\narc_summary -s l2arc | tail -2\n",
        "usage: arc_summary [-h] [-a] [-d] [-g] [-p PAGE] [-r] [-s SECTION]
arc_summary: error: unrecognized arguments: -x
2
usage: arc_summary [-h] [-a] [-d] [-g] [-p PAGE] [-r] [-s SECTION]
arc_summary: error: argument -s/--section: expected one argument
2
usage: arc_summary [-h] [-a] [-d] [-g] [-p PAGE] [-r] [-s SECTION]
arc_summary: error: argument -p/--page: invalid int value: 'x'
2
Error: Section \"nope\" unknown
0
arc_summary: -s tunables: the lab does not model ZFS's module parameters
1
L2ARC not detected, skipping section

",
    );
}
