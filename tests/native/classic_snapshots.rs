//! Classic (COW) LVM snapshots: dm-snapshot's exception store in the
//! snapshot's extents, lvm2's reports and messages for them, and merges.
//! lvm2 cannot create one without device-mapper, so the texts come from
//! lvm2 2.03.16 on snapshots made with `lvconvert -s` (the fixtures' README)
//! and its sources; Data% follows dm-snap-persistent's usage, worked out by
//! hand in each test's comment.

use crate::golden::check;

/// The store fills in lvm2's exception layout: 257 exceptions and the header and
/// areas make 2080 of 40960 sectors (5.08%) and of 8192 (25.39%); 1281 make
/// 10304 (25.16%) while the 4 MiB store runs out and is invalidated.
#[test]
fn a_classic_snapshot_keeps_the_origins_old_chunks_until_its_store_fills() {
    check(
        Some("sdb=1G"),
        "pvcreate /dev/sdb\nvgcreate vg /dev/sdb\nlvcreate -n lv -L 100M vg\nprintf 'AAAA' | dd of=/dev/vg/lv bs=4 count=1 conv=notrunc status=none\nlvcreate -s -L 20M -n snap vg/lv\nlvcreate -s -L 4M -n small vg/lv\nlvs vg\nvgs vg\nprintf 'BBBB' | dd of=/dev/vg/lv bs=4 count=1 conv=notrunc status=none\nhexdump -C -n 4 /dev/vg/lv\nhexdump -C -n 4 /dev/vg/snap\ndd if=/dev/zero of=/dev/vg/lv bs=1M count=1 seek=1 status=none\nlvs -o lv_name,attr,origin,data_percent,snap_percent,chunk_size vg\ndd if=/dev/zero of=/dev/vg/lv bs=1M count=4 seek=2 status=none\nlvs -o lv_name,attr,data_percent vg\ndd if=/dev/vg/small of=/dev/null bs=4k count=1\nhexdump -C -n 16 /dev/vg/snap\nlvdisplay vg/snap\nlvdisplay vg/small\nlvdisplay vg/lv\necho n | lvremove vg/lv\necho $?\nlvremove -y vg/lv\nlvs vg\n",
        "  Physical volume \"/dev/sdb\" successfully created.\n  Volume group \"vg\" successfully created\n  Logical volume \"lv\" created.\n  Logical volume \"snap\" created.\n  Logical volume \"small\" created.\n  LV    VG Attr       LSize   Pool Origin Data%  Meta%  Move Log Cpy%Sync Convert\n  lv    vg owi-a-s--- 100.00m                                                    \n  small vg swi-a-s---   4.00m      lv     0.00                                   \n  snap  vg swi-a-s---  20.00m      lv     0.00                                   \n  VG #PV #LV #SN Attr   VSize    VFree  \n  vg   1   3   2 wz--n- 1020.00m 896.00m\n00000000  42 42 42 42                                       |BBBB|\n00000004\n00000000  41 41 41 41                                       |AAAA|\n00000004\n  LV    Attr       Origin Data%  Snap%  Chunk\n  lv    owi-a-s---                         0 \n  small swi-a-s--- lv     25.39  25.39  4.00k\n  snap  swi-a-s--- lv     5.08   5.08   4.00k\n  LV    Attr       Data% \n  lv    owi-a-s---       \n  small swi-I-s--- 100.00\n  snap  swi-a-s--- 25.16 \ndd: error reading '/dev/vg/small': Input/output error\n00000000  41 41 41 41 00 00 00 00  00 00 00 00 00 00 00 00  |AAAA............|\n00000010\n  --- Logical volume ---\n  LV Path                /dev/vg/snap\n  LV Name                snap\n  VG Name                vg\n  LV UUID                9UF3c7-anHV-QO6M-twwY-oTaC-rnkw-Ab3Vwz\n  LV Write Access        read/write\n  LV Creation host, time pve, 2026-11-25 09:00:05 +0000\n  LV snapshot status     active destination for lv\n  LV Status              available\n  # open                 0\n  LV Size                100.00 MiB\n  Current LE             25\n  COW-table size         20.00 MiB\n  COW-table LE           5\n  Allocated to snapshot  25.16%\n  Snapshot chunk size    4.00 KiB\n  Segments               1\n  Allocation             inherit\n  Read ahead sectors     auto\n  - currently set to     256\n  Block device           253:1\n   \n  --- Logical volume ---\n  LV Path                /dev/vg/small\n  LV Name                small\n  VG Name                vg\n  LV UUID                ojZm7P-xpdd-vBfX-iqBP-yqcm-eg8E-aSwgUN\n  LV Write Access        read/write\n  LV Creation host, time pve, 2026-11-25 09:00:06 +0000\n  LV snapshot status     INACTIVE destination for lv\n  LV Status              available\n  # open                 0\n  LV Size                100.00 MiB\n  Current LE             25\n  COW-table size         4.00 MiB\n  COW-table LE           1\n  Snapshot chunk size    4.00 KiB\n  Segments               1\n  Allocation             inherit\n  Read ahead sectors     auto\n  - currently set to     256\n  Block device           253:2\n   \n  --- Logical volume ---\n  LV Path                /dev/vg/lv\n  LV Name                lv\n  VG Name                vg\n  LV UUID                LzSuze-rJBj-krMw-TutG-3Zu2-MFMx-D1bzu4\n  LV Write Access        read/write\n  LV Creation host, time pve, 2026-11-25 09:00:03 +0000\n  LV snapshot status     source of\n                         snap [active]\n                         small [INACTIVE]\n  LV Status              available\n  # open                 0\n  LV Size                100.00 MiB\n  Current LE             25\n  Segments               1\n  Allocation             inherit\n  Read ahead sectors     auto\n  - currently set to     256\n  Block device           253:0\n   \nDo you really want to remove active origin logical volume vg/lv with 2 snapshots(s)? [y/n]:   Logical volume vg/lv not removed.\n5\n  Logical volume \"snap\" successfully removed.\n  Logical volume \"small\" successfully removed.\n  Logical volume \"lv\" successfully removed.\n",
    );
}

/// Sizes and refusals as lvm2 2.03.16 prints them (captured with lvconvert -s
/// and --driverloaded n, tests/fixtures/lvm/README.md): the store capped at a
/// full copy (104 MiB for 100 MiB), chunk sizes, names and reports.
#[test]
fn classic_snapshot_sizes_and_errors_are_lvm2s() {
    check(
        Some("sdb=1G"),
        "pvcreate /dev/sdb\nvgcreate vg /dev/sdb\nlvcreate -n lv -L 100M vg\nlvcreate -s -L 200M -n big vg/lv\nlvcreate -s -L 10M -n odd vg/lv\nlvcreate -s -L 8M -n x vg/nosuch\nlvcreate -s -c 1024k -L 8M -n c1 vg/lv\nlvcreate -s -c 12k -L 8M -n c1 vg/lv\nlvcreate -s -L 8M -n x vg/odd\nlvcreate -s -l 50%LV -n x vg/lv\nlvcreate -s -l 10%ORIGIN vg/lv\nlvcreate -s -c 8k -L 8M -n c8 vg/lv\nlvs -o lv_name,attr,lv_size,origin,origin_size,data_percent,chunk_size,lv_role vg\nvgs -o vg_name,lv_count,snap_count vg\n",
        "  Physical volume \"/dev/sdb\" successfully created.\n  Volume group \"vg\" successfully created\n  Logical volume \"lv\" created.\n  Reducing COW size 200.00 MiB down to maximum usable size 104.00 MiB.\n  Logical volume \"big\" created.\n  Rounding up size to full physical extent 12.00 MiB\n  Logical volume \"odd\" created.\n  Snapshot origin LV nosuch not found in Volume group vg.\n  Chunk size must be a power of 2 in the range 4K to 512K.\n  Run `lvcreate --help' for more information.\n  Chunk size must be a power of 2 in the range 4K to 512K.\n  Run `lvcreate --help' for more information.\n  Snapshots of snapshots are not supported.\n  Please express size as %FREE, %ORIGIN, %PVS or %VG.\n  Logical volume \"lvol0\" created.\n  Logical volume \"c8\" created.\n  LV    Attr       LSize   Origin OSize   Data%  Chunk Role                                      \n  big   swi-a-s--- 104.00m lv     100.00m 0.00   4.00k public,snapshot,thicksnapshot             \n  c8    swi-a-s---   8.00m lv     100.00m 0.00   8.00k public,snapshot,thicksnapshot             \n  lv    owi-a-s--- 100.00m        100.00m           0  public,origin,thickorigin,multithickorigin\n  lvol0 swi-a-s---   8.00m lv     100.00m 0.00   4.00k public,snapshot,thicksnapshot             \n  odd   swi-a-s---  12.00m lv     100.00m 0.00   4.00k public,snapshot,thicksnapshot             \n  VG #LV #SN\n  vg   5   4\n",
    );
}

/// `lvconvert --merge` rolls an unmounted origin back to the snapshot, files
/// included; a mounted origin and a mount of the snapshot are refused.
#[test]
fn a_merge_brings_back_the_origins_files() {
    check(
        Some("sdb=1G"),
        "pvcreate /dev/sdb\nvgcreate vg /dev/sdb\nlvcreate -n o2 -L 40M vg\nmkfs.ext4 -q /dev/vg/o2\nmkdir -p /mnt/o2 /mnt/s2\nmount /dev/vg/o2 /mnt/o2\necho hello > /mnt/o2/a.txt\nlvcreate -s -L 12M -n s2 vg/o2\nrm /mnt/o2/a.txt\necho new > /mnt/o2/b.txt\nmount /dev/vg/s2 /mnt/s2\nlvconvert --merge vg/s2\numount /mnt/o2\nlvconvert --merge vg/s2\nmount /dev/vg/o2 /mnt/o2\nls /mnt/o2\ncat /mnt/o2/a.txt\nlvs vg\n",
        "  Physical volume \"/dev/sdb\" successfully created.\n  Volume group \"vg\" successfully created\n  Logical volume \"o2\" created.\n  Logical volume \"s2\" created.\nmount: /mnt/s2: the lab does not mount a classic snapshot (its files would be its origin's); read its bytes with dd or hexdump, or roll the origin back with lvconvert --merge.\n  vg/o2 is open: a merge delayed to its next activation is not simulated here. Unmount it first.\n  Merging of volume vg/s2 started.\n  vg/o2: Merged: 100.00%\na.txt\nlost+found\nhello\n  LV   VG Attr       LSize  Pool Origin Data%  Meta%  Move Log Cpy%Sync Convert\n  o2   vg -wi-ao---- 40.00m                                                    \n",
    );
}

/// lvm2's limits (`lv_resize`, `_lvconvert_merge_old_snapshot`): an active
/// origin keeps its size, a store grows to at most a full copy (26 extents
/// for 100 MiB of 4 KiB chunks), an invalid snapshot neither merges nor
/// reads, and lvscan names origins and snapshots; qemu-io's compressed
/// writes need whole sectors.
#[test]
fn classic_snapshot_limits_are_lvm2s() {
    check(
        Some("sdb=1G"),
        "pvcreate /dev/sdb\nvgcreate vg /dev/sdb\nlvcreate -n lv -L 100M vg\nlvcreate -s -L 8M -n snap vg/lv\nlvcreate -s -L 4M -n small vg/lv\nlvextend -L +8M vg/lv\nlvreduce -y -L 52M vg/lv\nlvextend -L 300M vg/snap\nlvextend -L +4M vg/snap\ndd if=/dev/zero of=/dev/vg/lv bs=1M count=8 status=none\nlvscan\nlvconvert --merge vg/small\ndd if=/dev/vg/small of=/dev/null bs=4k count=1\nqemu-img create -q -f qcow2 c.qcow2 1M\nqemu-io -c 'write -c 100 64k' -c 'write -c 0 1808' -c 'write -c 512 64k' c.qcow2\n",
        "  Physical volume \"/dev/sdb\" successfully created.\n  Volume group \"vg\" successfully created\n  Logical volume \"lv\" created.\n  Logical volume \"snap\" created.\n  Logical volume \"small\" created.\n  Snapshot origin volumes can be resized only while inactive: try lvchange -an.\n  Snapshot origin volumes cannot be reduced in size yet.\n  Reached maximum COW size 104.00 MiB (26 extents).\n  Size of logical volume vg/snap changed from 8.00 MiB (2 extents) to 104.00 MiB (26 extents).\n  Logical volume vg/snap successfully resized.\n  Reached maximum COW size 104.00 MiB (26 extents).\n  Size of logical volume vg/snap unchanged from 104.00 MiB (26 extents).\n  Logical volume vg/snap successfully resized.\n  ACTIVE   Original '/dev/vg/lv' [100.00 MiB] inherit\n  ACTIVE   Snapshot '/dev/vg/snap' [104.00 MiB] inherit\n  inactive Snapshot '/dev/vg/small' [4.00 MiB] inherit\n  Unable to merge invalidated snapshot LV vg/small.\ndd: error reading '/dev/vg/small': Input/output error\n100 is not a sector-aligned value for 'offset'\n1808 is not a sector-aligned value for 'count'\nwrite failed: Invalid argument\n",
    );
}
