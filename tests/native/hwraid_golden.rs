//! Golden scripts for the "hardware RAID" variant of the course's
//! reflection question (`attach-disk raid1`, `hwraid`): ZFS on a
//! controller's RAID-1 drive detects bit rot but cannot heal it, while the
//! same rot on a ZFS mirror heals. The `hwraid` texts are the lab's own; the
//! ZFS texts are OpenZFS 2.2's, as elsewhere.

use super::golden::check;

#[test]
fn zfs_on_a_raid_controller_detects_rot_but_cannot_heal_it() {
    // The same two flipped bits: on one member disk under the controller,
    // and (zinject) on one side of a ZFS mirror. Only the mirror repairs.
    // The controller's check then copies the rotten member over the good one.
    check(
        Some("sdb=1G,sdc=1G"),
        "attach-disk raid1 1G sdd\n\
         zpool create hw sdd\n\
         zpool create zm mirror sdb sdc\n\
         dd if=/dev/urandom of=/hw/photo.jpg bs=128K count=2 status=none\n\
         cp /hw/photo.jpg /zm/photo.jpg\n\
         md5sum /hw/photo.jpg /zm/photo.jpg\n\
         hwraid rot sdd 0\n\
         zinject -d sdb -e corrupt -T read -f 100 zm\n\
         zpool scrub hw\n\
         zpool scrub zm\n\
         zpool status -v\n\
         hwraid check sdd\n\
         hwraid show sdd\n",
        "scsi 0:2:0:0: Direct-Access     DELL     PERC H730P Mini  4.30 PQ: 0 ANSI: 5
sd 0:2:0:0: [sdd] 2097152 512-byte logical blocks: (1 GB/1 GiB)
sd 0:2:0:0: [sdd] Attached SCSI disk
hwraid: sdd is a RAID-1 logical drive over two 1 GiB member disks; Linux sees only sdd
b01d8da57adc8c027419a474fb150ae6  /hw/photo.jpg
b01d8da57adc8c027419a474fb150ae6  /zm/photo.jpg
hwraid: flipped a bit in 2 places on member 0 of sdd; the controller has no checksum to notice
Added handler 1 with the following properties:
  pool: zm
  vdev: 1b60de60cf8875d4
  pool: hw
 state: ONLINE
status: One or more devices has experienced an error resulting in data
\tcorruption.  Applications may be affected.
action: Restore the file in question if possible.  Otherwise restore the
\tentire pool from backup.
   see: https://openzfs.github.io/openzfs-docs/msg/ZFS-8000-8A
  scan: scrub repaired 0B in 00:00:00 with 2 errors on Wed Nov 25 09:00:09 2026
config:

\tNAME        STATE     READ WRITE CKSUM
\thw          ONLINE       0     0     2
\t  sdd       ONLINE       0     0     2

errors: Permanent errors have been detected in the following files:

        /hw/photo.jpg

  pool: zm
 state: ONLINE
status: One or more devices has experienced an unrecoverable error.  An
\tattempt was made to correct the error.  Applications are unaffected.
action: Determine if the device needs to be replaced, and clear the errors
\tusing 'zpool clear' or replace the device with 'zpool replace'.
   see: https://openzfs.github.io/openzfs-docs/msg/ZFS-8000-9P
  scan: scrub repaired 256K in 00:00:00 with 0 errors on Wed Nov 25 09:00:10 2026
config:

\tNAME        STATE     READ WRITE CKSUM
\tzm          ONLINE       0     0     0
\t  mirror-0  ONLINE       0     0     0
\t    sdb     ONLINE       0     0     2
\t    sdc     ONLINE       0     0     0

errors: No known data errors
hwraid: consistency check of sdd: 2 bytes inconsistent; copied member 0 over member 1 (with no checksums, the controller cannot tell which copy was right)
Controller 0: PERC H730P Mini
Logical drive sdd: RAID-1, 1 GiB, Optimal
  member 0: 1 GiB, Online (reads come from it)
  member 1: 1 GiB, Online
",
    );

}

#[test]
fn the_good_copy_was_on_the_other_member_all_along() {
    // Reads come from member 0; once it fails, member 1's good bytes are
    // read, and the file is whole again. A degraded drive keeps its last member.
    check(
        Some("sdb=1G"),
        "attach-disk raid1 1G sdd\n\
         zpool create hw sdd\n\
         dd if=/dev/urandom of=/hw/photo.jpg bs=128K count=1 status=none\n\
         md5sum /hw/photo.jpg\n\
         hwraid rot sdd 0\n\
         cat /hw/photo.jpg > /dev/null\n\
         hwraid\n\
         hwraid fail sdd 0\n\
         md5sum /hw/photo.jpg\n\
         zpool clear hw\n\
         zpool scrub hw\n\
         zpool status -x hw\n\
         hwraid\n\
         hwraid fail sdd 1\n",
        "scsi 0:2:0:0: Direct-Access     DELL     PERC H730P Mini  4.30 PQ: 0 ANSI: 5
sd 0:2:0:0: [sdd] 2097152 512-byte logical blocks: (1 GB/1 GiB)
sd 0:2:0:0: [sdd] Attached SCSI disk
hwraid: sdd is a RAID-1 logical drive over two 1 GiB member disks; Linux sees only sdd
0ed5d1000ba417d7bb02b72f887fdc4f  /hw/photo.jpg
hwraid: flipped a bit in 1 place on member 0 of sdd; the controller has no checksum to notice
cat: /hw/photo.jpg: Input/output error
Controller 0: PERC H730P Mini
Logical drive sdd: RAID-1, 1 GiB, Optimal
  member 0: 1 GiB, Online (reads come from it)
  member 1: 1 GiB, Online
  The members differ in 1 byte at 1 place. The controller keeps no checksums, so it cannot know.
hwraid: member 0 of sdd failed; sdd is Degraded and reads member 1
0ed5d1000ba417d7bb02b72f887fdc4f  /hw/photo.jpg
pool 'hw' is healthy
Controller 0: PERC H730P Mini
Logical drive sdd: RAID-1, 1 GiB, Degraded
  member 0: 1 GiB, Failed
  member 1: 1 GiB, Online
hwraid: sdd is already degraded; failing its last member would lose the drive
",
    );

}

#[test]
fn hwraid_rots_single_bytes_and_refuses_what_it_cannot_do() {
    check(
        Some("sdb=1G"),
        "hwraid\n\
         attach-disk raid1 1G sdd\n\
         hwraid rot sdd 0 4096\n\
         hexdump -C -s 4096 -n 16 /dev/sdd\n\
         hwraid show /dev/sdd\n\
         hwraid fail sdd 0\n\
         hexdump -C -s 4096 -n 16 /dev/sdd\n\
         hwraid rot sdd 0\n\
         hwraid rot sdd 1\n\
         hwraid rot sdd 2 0\n\
         hwraid rot sdd 1 2G\n\
         hwraid rot sdd 1 x\n\
         hwraid rot sdb 0\n\
         hwraid rot sdz 0\n\
         hwraid check sdd\n\
         hwraid frobnicate\n\
         lsblk -o NAME,SIZE,MODEL\n",
        "hwraid: no RAID logical drives (attach-disk raid1 SIZE adds one)
scsi 0:2:0:0: Direct-Access     DELL     PERC H730P Mini  4.30 PQ: 0 ANSI: 5
sd 0:2:0:0: [sdd] 2097152 512-byte logical blocks: (1 GB/1 GiB)
sd 0:2:0:0: [sdd] Attached SCSI disk
hwraid: sdd is a RAID-1 logical drive over two 1 GiB member disks; Linux sees only sdd
hwraid: flipped a bit in 1 place on member 0 of sdd; the controller has no checksum to notice
00001000  10 00 00 00 00 00 00 00  00 00 00 00 00 00 00 00  |................|
00001010
Controller 0: PERC H730P Mini
Logical drive sdd: RAID-1, 1 GiB, Optimal
  member 0: 1 GiB, Online (reads come from it)
  member 1: 1 GiB, Online
  The members differ in 1 byte at 1 place. The controller keeps no checksums, so it cannot know.
hwraid: member 0 of sdd failed; sdd is Degraded and reads member 1
00001000  00 00 00 00 00 00 00 00  00 00 00 00 00 00 00 00  |................|
00001010
hwraid: member 0 has failed
hwraid: no imported ZFS pool keeps data blocks on sdd; give a byte offset to rot
hwraid: member 2: a RAID-1 drive has members 0 and 1
hwraid: the offset is past the drive's end (1073741824 bytes)
hwraid: bad offset 'x'
hwraid: sdb is a plain disk, not a RAID logical drive (attach-disk raid1 SIZE makes one)
hwraid: sdz: no such disk
hwraid: sdd is degraded: a consistency check needs both members
usage: hwraid [show [DISK]]
       hwraid rot DISK MEMBER [OFFSET]   bit rot on one member disk: in every ZFS data block, or at byte OFFSET
       hwraid check DISK                 the controller's consistency check
       hwraid fail DISK MEMBER           a member disk dies
A RAID-1 logical drive comes from attach-disk raid1 SIZE.
NAME SIZE MODEL
sdb    1G 
sdd    1G PERC H730P Mini
",
    );

}

#[test]
fn a_raid_drive_is_a_scsi_disk_of_the_controller() {
    // Only sdX names; each drive has its target on the controller (0:2:N:0),
    // DELL's vendor and firmware revision, and no transport lsblk knows.
    // Members are whole numbers 0 and 1, offsets whole bytes.
    check(
        Some("sdb=1G"),
        "attach-disk raid1 1G loop7\n\
         attach-disk raid1 1G sdz extra\n\
         attach-disk raid1 1G sdd\n\
         attach-disk raid1 1G\n\
         lsblk -o NAME,TRAN,VENDOR,MODEL,HCTL,REV\n\
         parted -s /dev/sdd mklabel gpt print\n\
         hwraid rot sdd +0 10\n\
         hwraid rot sdd 0 0.5\n\
         hwraid rot sdd 0 1k\n",
        "usage: attach-disk raid1 SIZE [sdX]   (a RAID controller's drive is a SCSI disk)
usage: attach-disk raid1 SIZE [sdX]   (a RAID controller's drive is a SCSI disk)
scsi 0:2:0:0: Direct-Access     DELL     PERC H730P Mini  4.30 PQ: 0 ANSI: 5
sd 0:2:0:0: [sdd] 2097152 512-byte logical blocks: (1 GB/1 GiB)
sd 0:2:0:0: [sdd] Attached SCSI disk
hwraid: sdd is a RAID-1 logical drive over two 1 GiB member disks; Linux sees only sdd
scsi 0:2:1:0: Direct-Access     DELL     PERC H730P Mini  4.30 PQ: 0 ANSI: 5
sd 0:2:1:0: [sda] 2097152 512-byte logical blocks: (1 GB/1 GiB)
sd 0:2:1:0: [sda] Attached SCSI disk
hwraid: sda is a RAID-1 logical drive over two 1 GiB member disks; Linux sees only sda
NAME TRAN VENDOR   MODEL           HCTL       REV
sda       DELL     PERC H730P Mini 0:2:1:0    4.30
sdb  sata ATA                      1:0:0:0    2.5+
sdd       DELL     PERC H730P Mini 0:2:0:0    4.30
Model: DELL PERC H730P Mini (scsi)
Disk /dev/sdd: 1074MB
Sector size (logical/physical): 512B/512B
Partition Table: gpt
Disk Flags: 

Number  Start  End  Size  File system  Name  Flags

hwraid: member +0: a RAID-1 drive has members 0 and 1
hwraid: bad offset '0.5'
hwraid: flipped a bit in 1 place on member 0 of sdd; the controller has no checksum to notice
",
    );

}
