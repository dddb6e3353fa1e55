//! Golden scripts: (disks, seed, script) → exact output, through one `check`.
//!
//! Expected texts follow the real tools (util-linux 2.38.1, lvm2 2.03.16,
//! e2fsprogs 1.47.0); where a real capture exists it is in tests/fixtures and
//! replayed by `fixtures.rs` instead.

use storage_lab::cli::run_script;

/// Runs `script` on a machine with `disks` (None: the lab machine) and compares
/// the whole output.
pub(crate) fn check(disks: Option<&str>, script: &str, expected: &str) {
    let actual = run_script(disks, 1, script);
    bless(expected, &actual);
    assert_eq!(actual, expected, "\n--- script\n{script}\n--- actual\n{actual}");
}

/// With `STORAGE_LAB_BLESS=DIR`, a differing output is written to DIR as a
/// pair of files for `tests/bless.py`, which puts it in the source after a
/// model change; the diff is then reviewed like any other.
fn bless(expected: &str, actual: &str) {
    let Some(dir) = std::env::var_os("STORAGE_LAB_BLESS") else { return };
    if expected != actual {
        let name = format!("{:016x}", expected.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)));
        let dir = std::path::Path::new(&dir);
        std::fs::create_dir_all(dir).expect("bless dir");
        std::fs::write(dir.join(format!("{name}.expected")), expected).expect("bless");
        std::fs::write(dir.join(format!("{name}.actual")), actual).expect("bless");
    }
}

/// Like `check`, for the lines of output that contain `needle`.
fn check_lines(disks: Option<&str>, script: &str, needle: &str, expected: &[&str]) {
    let actual = run_script(disks, 1, script);
    let lines: Vec<&str> = actual.lines().filter(|l| l.contains(needle)).collect();
    assert_eq!(lines, expected, "\n--- script\n{script}\n--- actual\n{actual}");
}

#[test]
fn unknown_commands_and_sudo() {
    check(Some("sdb=1G"), "frobnicate --now\nsudo lsblk -o NAME,SIZE\n", "bash: frobnicate: command not found\nNAME SIZE\nsdb    1G\n");
}

#[test]
fn missing_devices_get_the_real_errors() {
    check(
        Some("sdb=1G"),
        "lsblk /dev/sdz\nfdisk -l /dev/sdz\npvcreate /dev/sdz\n",
        "lsblk: /dev/sdz: not a block device\nfdisk: cannot open /dev/sdz: No such file or directory\n  No device found for /dev/sdz.\n",
    );
}

#[test]
fn history_lists_commands_not_answers() {
    check(Some("sdb=1G"), "lsblk -d -o NAME\nfdisk /dev/sdb\nq\nhistory\n", &format!(
        "NAME\nsdb\n{}  1  lsblk -d -o NAME\n    2  fdisk /dev/sdb\n    3  history\n",
        storage_lab::cli::run_script(Some("sdb=1G"), 1, "fdisk /dev/sdb\nq\n").to_string() + "  "
    ));
}

#[test]
fn partitions_on_a_disk_in_use_stay_until_the_kernel_can_reread() {
    // On the lab host sda holds the root LV and /boot/efi is sda2: deleting
    // sda2 is written, but the kernel cannot drop it, so lsblk still lists it.
    check_lines(None, "fdisk /dev/sda\nd\n2\nw\nlsblk -o NAME /dev/sda\nfdisk -l /dev/sda\n", "sda2", &["├─sda2"]);
    check_lines(
        None,
        "fdisk /dev/sda\nd\n2\nw\n",
        "old partitions",
        &["The kernel still uses the old partitions. The new table will be used at the next reboot. "],
    );
    check_lines(
        None,
        "fdisk /dev/sda\nd\n2\nw\n",
        "Failed",
        &["Failed to remove partition 2 from system: Device or resource busy"],
    );
}

/// A new partition over an old filesystem: libfdisk probes its sectors and
/// fdisk and sfdisk name what they find (`ask_for_wipe`, `wipe_partition`).
/// Input that is no terminal gets no question, so the signature stays. The
/// warning resets fdisk's info count: `w`'s first line then starts a new one.
#[test]
fn a_new_partition_over_an_old_filesystem_is_named() {
    let setup = "sfdisk -q /dev/sdb\nlabel: dos\n,100M\n,100M\nwrite\nmkfs.ext4 -q /dev/sdb1\npvcreate /dev/sdb2 > /dev/null\n";
    check(
        Some("sdb=1G"),
        &format!("{setup}fdisk /dev/sdb\nd\n1\nn\np\n1\n\n\nw\n"),
        "\nWelcome to fdisk (util-linux 2.38.1).\nChanges will remain in memory only, until you decide to write them.\nBe careful before using the write command.\n\n\n\
Command (m for help): Partition number (1,2, default 2): \nPartition 1 has been deleted.\n\n\
Command (m for help): Partition type\n   p   primary (1 primary, 0 extended, 3 free)\n   e   extended (container for logical partitions)\n\
Select (default p): Partition number (1,3,4, default 1): First sector (2048-2097151, default 2048): Last sector, +/-sectors or +/-size{K,M,G,T,P} (2048-206847, default 206847): \n\
Created a new partition 1 of type 'Linux' and of size 100 MiB.\nPartition #1 contains a ext4 signature.\n\n\
Command (m for help): \nThe partition table has been altered.\nCalling ioctl() to re-read partition table.\nSyncing disks.\n\n",
    );
    let sfdisk = "sfdisk /dev/sdb <<EOF\nlabel: dos\n,50M\n,400M\nEOF\n";
    check_lines(Some("sdb=1G"), &format!("{setup}{sfdisk}"), "Partition #", &["Partition #1 contains a ext4 signature."]);
    let past_it = "sfdisk /dev/sdb <<EOF\nlabel: dos\nstart=2048000, size=10M\nEOF\n";
    check_lines(Some("sdb=1G"), &format!("{setup}{past_it}"), "Partition #", &[]);
    let over_the_pv = "sfdisk /dev/sdb <<EOF\nlabel: gpt\n,100M\n,100M\nEOF\n";
    check_lines(Some("sdb=1G"), &format!("{setup}{over_the_pv}"), "Partition #", &["Partition #1 contains a ext4 signature.", "Partition #2 contains a LVM2_member signature."]);
}

/// Checked against parted 3.5 and sfdisk 2.38.1 on loop devices: `name`
/// commits without parted's /etc/fstab reminder, and on msdos fails on the
/// label before the number; sfdisk -N into an unused slot does not probe it.
#[test]
fn parted_name_and_sfdisk_n_stay_quiet() {
    check(
        Some("sdb=1G,sdc=1G"),
        "sfdisk -q /dev/sdb <<EOF\nlabel: gpt\n,100M\nEOF\nparted /dev/sdb name 1 data\necho $?\nparted -s /dev/sdc mklabel msdos\nparted /dev/sdc name 2 data\n\
mkfs.ext4 -q /dev/sdb1\nsfdisk -q --delete /dev/sdb 1\necho 'start=2048,size=400M' | sfdisk -q -N 1 /dev/sdb\n",
        "0\nError: msdos disk labels do not support partition name.\n\r                                                                          \rwarning: /dev/sdb: partition 1 is not defined yet\n",
    );
}

#[test]
fn an_unused_disk_is_reread_at_once() {
    check(
        Some("sdb=1G"),
        "sfdisk /dev/sdb\nlabel: gpt\n,100M\nwrite\nlsblk /dev/sdb\n",
        &(storage_lab::cli::run_script(Some("sdb=1G"), 1, "sfdisk /dev/sdb\nlabel: gpt\n,100M\nwrite\n")
            + "NAME   MAJ:MIN RM  SIZE RO TYPE MOUNTPOINTS\nsdb      8:16   0    1G  0 disk \n└─sdb1   8:17   0  100M  0 part \n"),
    );
}

#[test]
fn nvme_partitions_take_block_extended_numbers() {
    check_lines(Some("nvme0n1=256G,nvme1n1=256G"), "sfdisk /dev/nvme1n1\nlabel: gpt\n,,L\nwrite\nlsblk -o NAME,MAJ:MIN\n", "└─nvme1n1p1", &["└─nvme1n1p1 259:2  "]);
}

#[test]
fn echo_marks_each_command() {
    check(Some("sdb=1G"), "lsblk -d -o NAME\n\nlsblk -d -o SIZE\n", "NAME\nsdb\nSIZE\n  1G\n");
    let out = storage_lab::cli::run(
        &storage_lab::cli::parse_args(&["--echo".into(), "--disks".into(), "sdb=1G".into()]).unwrap(),
        "lsblk -d -o NAME\nfdisk /dev/sdb\nq\n",
    )
    .unwrap();
    assert!(out.starts_with("# lsblk -d -o NAME\nNAME\nsdb\n# fdisk /dev/sdb\n"), "{out}");
    assert!(!out.contains("# q"), "answers to fdisk are not commands: {out}");
}

#[test]
fn same_seed_same_bytes_different_seed_different_ids() {
    let script = "fdisk /dev/sdb\ng\nn\n\n\n+10M\nw\nsfdisk --dump /dev/sdb\npvcreate /dev/sdb1\npvs -o pv_name,pv_uuid\n";
    let a = run_script(Some("sdb=1G"), 42, script);
    let b = run_script(Some("sdb=1G"), 42, script);
    let c = run_script(Some("sdb=1G"), 43, script);
    assert_eq!(a, b);
    assert_ne!(a, c);
}

#[test]
fn the_lab_host_looks_like_a_fresh_proxmox_install() {
    // lvs pads every column, numbers right-aligned, percentages left-aligned
    // (as `lvs` prints `10.42  1.03` on a PVE host).
    let row = |lv: &str, attr: &str, size: &str, data: &str, meta: &str| {
        format!("  {lv:<4} {:<3} {attr:<10} {size:>6} {:<4} {:<6} {data:<6} {meta:<6} {:<4} {:<3} {:<8} {:<7}\n", "pve", "", "", "", "", "", "")
    };
    let expected = format!(
        "  LV   VG  Attr       LSize  Pool Origin Data%  Meta%  Move Log Cpy%Sync Convert\n{}{}{}",
        row("data", "twi-a-tz--", "70.71g", "0.00", "0.30"),
        row("root", "-wi-ao----", "32.00g", "", ""),
        row("swap", "-wi-ao----", "8.00g", "", "")
    );
    check(None, "lvs\n", &expected);
    check_lines(None, "lsblk -o NAME,MOUNTPOINTS\n", "[SWAP]", &["  ├─pve-swap       [SWAP]"]);
}

#[test]
fn course_lvm_sequence_on_the_lab_host() {
    check(
        None,
        "sudo pvcreate /dev/sdb\nsudo vgcreate data_vg /dev/sdb\nsudo lvcreate -n my_volume -L 10G data_vg\nsudo vgs\nsudo lvs data_vg\n",
        "  Physical volume \"/dev/sdb\" successfully created.\n  Volume group \"data_vg\" successfully created\n  Logical volume \"my_volume\" created.\n  VG      #PV #LV #SN Attr   VSize    VFree   \n  data_vg   1   1   0 wz--n- <500.00g <490.00g\n  pve       1   3   0 wz--n- <127.00g   16.00g\n  LV        VG      Attr       LSize  Pool Origin Data%  Meta%  Move Log Cpy%Sync Convert\n  my_volume data_vg -wi-a----- 10.00g                                                    \n",
    );
}

#[test]
fn lvs_show_under_their_pv_in_lsblk() {
    check_lines(
        None,
        "pvcreate /dev/sdb\nvgcreate data_vg /dev/sdb\nlvcreate -n my_volume -L 10G data_vg\nlsblk /dev/sdb\n",
        "└─data_vg",
        &["└─data_vg-my_volume 253:5    0   10G  0 lvm  "],
    );
}

#[test]
fn a_pv_partition_is_in_use_for_the_reread_once_an_lv_holds_it() {
    // A bare PV is only a label: nothing holds the partition open, so the
    // kernel re-reads the table. An LV on it is a device-mapper holder, so
    // the disk is in use.
    let setup = "sfdisk /dev/sdb\nlabel: gpt\n,5G\nwrite\npvcreate /dev/sdb1\n";
    let repartition = "fdisk /dev/sdb\nn\n\n\n\nw\n";
    check_lines(Some("sdb=10G"), &format!("{setup}{repartition}"), "disks.", &["Syncing disks.", "Syncing disks."]);
    // Then fdisk adds the new partition alone (BLKPG), which the kernel takes.
    check_lines(
        Some("sdb=10G"),
        &format!("{setup}vgcreate vg /dev/sdb1\nlvcreate -n lv -L 1G vg\n{repartition}lsblk -o NAME /dev/sdb\n"),
        "─sdb",
        &["├─sdb1", "└─sdb2"],
    );
}

#[test]
fn shrinking_an_lv_under_a_filesystem_destroys_it_and_dash_r_does_not() {
    let setup = "pvcreate /dev/sdb\nvgcreate vg /dev/sdb\nlvcreate -n lv -L 4G vg\nmkfs.ext4 /dev/vg/lv\n";
    // Without -r: lvm2 warns, asks, shrinks; the 4G filesystem no longer fits.
    check_lines(
        Some("sdb=10G"),
        &format!("{setup}lvreduce -L 2G vg/lv\ny\nmount /dev/vg/lv /mnt\n"),
        "mount:",
        &["mount: /mnt: wrong fs type, bad option, bad superblock on /dev/mapper/vg-lv, missing codepage or helper program, or other error."],
    );
    check_lines(
        Some("sdb=10G"),
        &format!("{setup}lvreduce -L 2G vg/lv\ny\n"),
        "WARNING",
        &["  WARNING: Reducing active logical volume to 2.00 GiB."],
    );
    // With -r the filesystem is shrunk first and mounts afterwards.
    let out = run_script(Some("sdb=10G"), 1, &format!("{setup}lvreduce -r -L 2G vg/lv\nmount /dev/vg/lv /mnt\nlsblk -o NAME,MOUNTPOINTS /dev/vg/lv\n"));
    assert!(out.contains("Resizing the filesystem on /dev/mapper/vg-lv to 524288 (4k) blocks."), "{out}");
    assert!(out.ends_with("NAME  MOUNTPOINTS\nvg-lv /mnt\n"), "{out}");
}

#[test]
fn thin_pool_overcommit_and_filling() {
    let out = run_script(
        Some("sdb=10G"),
        1,
        "vgcreate vg /dev/sdb\nlvcreate --type thin-pool -L 1G -n pool vg\nlvcreate -T vg/pool -V 5G -n thin1\ndd if=/dev/zero of=/dev/vg/thin1 bs=1M count=512\nlvs -o lv_name,data_percent vg/pool vg/thin1\ndd if=/dev/zero of=/dev/vg/thin1 bs=1M count=2048\nlvs -o lv_name,lv_attr,data_percent vg/pool\n",
    );
    assert!(out.contains("  WARNING: Sum of all thin volume sizes (5.00 GiB) exceeds the size of thin pool vg/pool (1.00 GiB).\n"), "{out}");
    // Percent columns are left-aligned in lvm2 reports (libdm aligns only numbers and sizes right).
    assert!(out.contains("  pool  50.00 \n  thin1 10.00 \n"), "{out}");
    assert!(out.contains("dd: error writing '/dev/vg/thin1': Input/output error\n"), "{out}");
    assert!(out.contains("  pool twi-aotzD- 100.00\n"), "{out}");
}

#[test]
fn bad_input_never_changes_state() {
    let long = "x".repeat(5000);
    // As in bash, an open quote takes the lines after it, up to the end of input.
    let out = run_script(Some("sdb=1G"), 1, &format!("{long}\n\u{1}\u{2}junk\nlsblk -d -o NAME\necho 'unterminated\nlsblk\n"));
    assert_eq!(
        out,
        "storage-lab: line too long (5000 characters; the limit is 4096)\nbash: ??junk: command not found\nNAME\nsdb\nbash: unexpected EOF while looking for matching `''\n"
    );
}

#[test]
fn attach_disk_names_the_next_free_device() {
    check(
        None,
        "attach-disk sata 64G\nattach-disk nvme 128G\nlsblk -d -o NAME,SIZE,TRAN\n",
        "sd 2:0:0:0: [sdd] 134217728 512-byte logical blocks: (69 GB/64 GiB)\nsd 2:0:0:0: [sdd] Attached SCSI disk\nnvme nvme2: 268435456 512-byte logical blocks: (137 GB/128 GiB)\nNAME     SIZE TRAN\nsda      128G sata\nsdb      500G sata\nsdc      500G sata\nsdd       64G sata\nzd0       32G \nnvme0n1  256G nvme\nnvme1n1  256G nvme\nnvme2n1  128G nvme\n",
    );
}

#[test]
fn lsblk_on_the_lab_host_shows_pves_lvm_tree() {
    // The shape of `lsblk` on a fresh Proxmox VE 8 install on one disk: LVs in
    // device-mapper minor order, the thin pool under both _tmeta and _tdata.
    check(
        None,
        "lsblk /dev/sda\n",
        "NAME               MAJ:MIN RM  SIZE RO TYPE MOUNTPOINTS
sda                  8:0    0  128G  0 disk 
├─sda1               8:1    0 1007K  0 part 
├─sda2               8:2    0    1G  0 part /boot/efi
└─sda3               8:3    0  127G  0 part 
  ├─pve-swap       253:0    0    8G  0 lvm  [SWAP]
  ├─pve-root       253:1    0   32G  0 lvm  /
  ├─pve-data_tmeta 253:2    0  144M  0 lvm  
  │ └─pve-data     253:4    0 70.7G  0 lvm  
  └─pve-data_tdata 253:3    0 70.7G  0 lvm  
    └─pve-data     253:4    0 70.7G  0 lvm  
",
    );
}

/// Checked against lvm2 2.03.16 on a loop device: a fixed unit keeps its
/// letter on zero, human units print `0 `, --nosuffix prints `0`.
#[test]
fn zero_sizes_keep_the_unit_letter() {
    check_lines(
        Some("sdb=1G"),
        "pvcreate /dev/sdb\nvgcreate v /dev/sdb\nlvcreate -l 100%FREE -n a v\npvs --units m -o pv_free,pv_size\npvs --units b -o pv_free,pv_size\npvs --units s -o pv_free,pv_size\npvs --units M -o pv_free,pv_size\npvs --units k -o pv_free,pv_size\npvs --units h -o pv_free,pv_size\n",
        "  0",
        &["     0m 1020.00m", "     0B 1069547520B", "     0S 2088960S", "     0M 1069.55M", "     0k 1044480.00k", "     0  1020.00m"],
    );
}

/// Checked against lvm2 2.03.16: sizes read as C's strtod reads them, exponents included.
#[test]
fn sizes_take_exponents_as_strtod_does() {
    check_lines(
        Some("sdb=1G"),
        "pvcreate /dev/sdb\nvgcreate v /dev/sdb\nlvcreate -L 1e2M -n a v\nlvcreate -L 1.5e1m -n b v\nlvcreate -L 1e2 -n c v\nlvcreate -L 2E1M -n d v\nlvs --units m\n",
        "-wi-a-----",
        &["  a    v  -wi-a----- 100.00m                                                    ", "  b    v  -wi-a-----  16.00m                                                    ", "  c    v  -wi-a----- 100.00m                                                    ", "  d    v  -wi-a-----  20.00m                                                    "],
    );
}

/// Checked against fdisk 2.38.1 on an image with the same table.
#[test]
fn fdisk_and_sfdisk_list_the_columns_asked_for() {
    let script = "printf 'label: dos\\n,100M,,*\\n,\\n' | sfdisk /dev/sdb >/dev/null
fdisk -l -o Device,Attrs,Boot,Sectors,Cylinders,Start-C/H/S,End-C/H/S,Id /dev/sdb
fdisk -l -o device,size /dev/sdb
sfdisk -l -o Device,Bogus /dev/sdb
";
    let out = run_script(Some("sdb=1G"), 1, script);
    let table: Vec<&str> = out.lines().filter(|l| l.starts_with("Device") || l.starts_with("/dev/sdb") || l.starts_with("sfdisk:")).collect();
    assert_eq!(
        table,
        [
            "Device     Attrs Boot Sectors Cylinders Start-C/H/S End-C/H/S Id",
            "/dev/sdb1     80 *     204800        13     0/32/33 12/223/19 83",
            "/dev/sdb2             1890304       118   12/223/20 130/138/8 83",
            "Device      Size",
            "/dev/sdb1   100M",
            "/dev/sdb2   923M",
            "sfdisk: dos unknown column: Bogus",
        ]
    );
}

/// Checked against sfdisk 2.38.1: first-lba and last-lba bound a GPT's
/// usable sectors, and the last partition ends at the grain below last-lba.
#[test]
fn sfdisk_honours_first_and_last_lba() {
    check_lines(
        Some("sdb=1G"),
        "sfdisk /dev/sdb <<EOF\nlabel: gpt\nunit: sectors\nfirst-lba: 4096\nlast-lba: 1000000\n,100M\n,\nEOF\nsfdisk -d /dev/sdb\n",
        "lba:",
        &["first-lba: 4096", "last-lba: 1000000"],
    );
    check_lines(
        Some("sdb=1G"),
        "printf 'label: gpt\\nfirst-lba: 4096\\nlast-lba: 1000000\\n,100M\\n,\\n' | sfdisk /dev/sdb >/dev/null\nfdisk -l /dev/sdb\n",
        "/dev/sdb2",
        &["/dev/sdb2  208896 999423  790528  386M Linux filesystem"],
    );
}

/// Checked against lvm2 2.03.16 on two loop devices (whose LVs were inactive
/// there, so `-wi-XX----`; here they are active).
#[test]
fn segment_reports_and_maps() {
    let setup = "pvcreate /dev/sdb /dev/sdc\nvgcreate v /dev/sdb /dev/sdc\nlvcreate -L 1.5G -n a v\n";
    check_lines(
        Some("sdb=1G,sdc=1G"),
        &format!("{setup}lvs --segments\nlvs --segments -o +seg_pe_ranges v\n"),
        "linear",
        &[
            "  a    v  -wi-a-----    1 linear 1020.00m",
            "  a    v  -wi-a-----    1 linear  516.00m",
            "  a    v  -wi-a-----    1 linear 1020.00m /dev/sdb:0-254",
            "  a    v  -wi-a-----    1 linear  516.00m /dev/sdc:0-128",
        ],
    );
    let out = run_script(Some("sdb=1G,sdc=1G"), 1, &format!("{setup}lvdisplay -m v/a\n"));
    let maps = &out[out.find("  --- Segments ---").expect("a segment map")..];
    assert_eq!(
        maps,
        "  --- Segments ---\n  Logical extents 0 to 254:\n    Type\t\tlinear\n    Physical volume\t/dev/sdb\n    Physical extents\t0 to 254\n   \n  Logical extents 255 to 383:\n    Type\t\tlinear\n    Physical volume\t/dev/sdc\n    Physical extents\t0 to 128\n   \n   \n"
    );
}

#[test]
fn lsblk_queue_columns() {
    // Loop devices as lsblk 2.38.1 showed one on the capture machine (its
    // kernel's read-ahead of 2560 KiB aside: the lab's kernel keeps 128).
    check(
        Some("loop0=100M"),
        "lsblk -o NAME,SCHED,RQ-SIZE,SUBSYSTEMS,ZONED,ZONE-SZ,ZONE-NR,DISC-GRAN,DISC-MAX,DISC-ZERO,WSAME /dev/loop0\n\
         lsblk -J -b -o NAME,MIN-IO,RQ-SIZE,DISC-MAX,DISC-ZERO,ZONE-OMAX /dev/loop0\n",
        "NAME  SCHED RQ-SIZE SUBSYSTEMS ZONED ZONE-SZ ZONE-NR DISC-GRAN DISC-MAX DISC-ZERO WSAME\n\
         loop0 none      128 block      none       0B       0        4K       4G         0    0B\n\
         {\n   \"blockdevices\": [\n      {\n         \"name\": \"loop0\",\n         \"min-io\": 512,\n         \"rq-size\": 128,\n         \"disc-max\": 4294966784,\n         \"disc-zero\": false,\n         \"zone-omax\": 0\n      }\n   ]\n}\n",
    );
    // SATA disks sit one per AHCI port; partitions share their disk's queue;
    // HCTL is 10 wide, lsblk's width hint.
    check_lines(
        Some("sda=1G,sdb=1G,nvme0n1=1G"),
        "sfdisk /dev/sdb <<EOF\n,\nEOF\nlsblk -o NAME,HCTL,TRAN,SCHED,RQ-SIZE,SUBSYSTEMS\n",
        "block:",
        &[
            "sda     0:0:0:0    sata mq-deadline      64 block:scsi:pci",
            "sdb     1:0:0:0    sata mq-deadline      64 block:scsi:pci",
            "└─sdb1                  mq-deadline      64 block:scsi:pci",
            "nvme0n1            nvme none           1023 block:nvme:pci",
        ],
    );
}

/// lvm2 2.03.16's stripe checks (tools/toollib.c `_validate_stripe_params`,
/// lib/metadata/lv_manip.c `_lv_create_an_lv`), in the order it makes them.
#[test]
fn stripe_options_are_checked_as_lvm2_does() {
    let setup = "vgcreate v /dev/sdb /dev/sdc >/dev/null\n";
    check(
        Some("sdb=1G,sdc=1G"),
        &format!(
            "{setup}lvcreate -n a -i 0 -L 8M v\nlvcreate -n a -i 2 -I 3k -L 8M v\nlvcreate -n a -i 2 -I -4k -L 8M v\n\
             lvcreate -n a -i x -L 8M v\nlvcreate -n a -i 3 -L 8M v\nlvcreate -n a --type linear -i 2 -L 8M v\n\
             lvcreate -n a -i 1 -I 64k -L 8M v\nlvcreate -n b -i 2 -I 8m -L 8M v\nlvs -o lv_name,stripes,stripe_size --noheadings\n"
        ),
        "  Number of stripes (0) must be between 1 and 128.\n\
         \x20 Invalid stripe size 3.00 KiB.\n\
         \x20 Negative stripesize is invalid.\n\
         \x20 Invalid argument for --stripes: x\n  Error during parsing of command line.\n\
         \x20 Using default stripesize 64.00 KiB.\n\
         \x20 Rounding size 8.00 MiB (2 extents) up to stripe boundary size 12.00 MiB (3 extents).\n\
         \x20 Number of stripes (3) must not exceed number of physical volumes (2)\n\
         \x20 Using default stripesize 64.00 KiB.\n  Cannot use stripes with linear type.\n\
         \x20 Ignoring stripesize argument with single stripe.\n  Logical volume \"a\" created.\n\
         \x20 Reducing requested stripe size 8.00 MiB to maximum, physical extent size 4.00 MiB.\n  Logical volume \"b\" created.\n\
         \x20 a       1     0 \n  b       2  4.00m\n",
    );
}

/// lvm2 2.03.16's `_lvresize_adjust_extents`: an extension repeats the last
/// segment's stripes, and sizes round to whole rows of the segment they end in.
#[test]
fn striped_lvs_resize_by_whole_rows() {
    let setup = "vgcreate v /dev/sdb /dev/sdc >/dev/null\nlvcreate -n s -i 2 -L 16M v >/dev/null\n";
    check(
        Some("sdb=1G,sdc=1G"),
        &format!("{setup}lvextend -L +4M v/s\nlvreduce -y -L -4M v/s\nlvs --segments -o +seg_pe_ranges --noheadings v/s\n"),
        "  Using stripesize of last segment 64.00 KiB\n\
         \x20 Rounding size (5 extents) up to stripe boundary size for segment (6 extents).\n\
         \x20 Size of logical volume v/s changed from 16.00 MiB (4 extents) to 24.00 MiB (6 extents).\n\
         \x20 Logical volume v/s successfully resized.\n\
         \x20 Rounding size (5 extents) up to stripe boundary size for segment (6 extents).\n\
         \x20 WARNING: Reducing active logical volume to 24.00 MiB.\n  THIS MAY DESTROY YOUR DATA (filesystem etc.)\n\
         \x20 Size of logical volume v/s unchanged from 24.00 MiB (6 extents).\n\
         \x20 Logical volume v/s successfully resized.\n\
         \x20 s    v  -wi-a-----    2 striped 24.00m /dev/sdb:0-2 /dev/sdc:0-2\n",
    );
}

/// pvcreate's layout options as lvm2 2.03.16 checks them (tools/toollib.c
/// `pvcreate_params_from_args`, lib/format_text/format-text.c
/// `_text_pv_add_metadata_area`); a second metadata area sits at the end of
/// the device, and the data area stops before it.
#[test]
fn pvcreate_layout_options() {
    check(
        Some("sdb=1G"),
        "pvcreate --pvmetadatacopies 3 /dev/sdb\npvcreate --metadatasize -1m /dev/sdb\npvcreate --dataalignment=-1m /dev/sdb\n\
         pvcreate --metadatasize 16k --dataalignment 4k /dev/sdb\npvcreate --dataalignment 2g /dev/sdb\n\
         pvcreate --pvmetadatacopies 2 --metadatasize 600m /dev/sdb\n\
         pvs -o pv_name,pv_mda_count,pv_mda_size,pe_start --units m\n",
        "  Invalid argument for --pvmetadatacopies: 3\n  Error during parsing of command line.\n\
         \x20 Metadata size may not be negative.\n\
         \x20 Physical volume data alignment may not be negative.\n\
         \x20 Metadata area size too small: 16384 bytes. It must be at least 32768 bytes.\n\
         \x20 Failed to add metadata area for new physical volume /dev/sdb\n  Failed to setup physical volume \"/dev/sdb\".\n\
         \x20 /dev/sdb: Data alignment must not exceed device size.\n  Failed to setup physical volume \"/dev/sdb\".\n\
         \x20 Physical volume \"/dev/sdb\" successfully created.\n\
         \x20 PV         #PMda PMdaSize  1st PE \n  /dev/sdb       2   423.00m 601.00m\n",
    );
}

/// vgcfgbackup without -f writes /etc/lvm/backup/VG with lvm2's "Created
/// *after*" description; one -f file for two VGs needs %s (tools/vgcfgbackup.c).
/// Neither changes the metadata's seqno.
#[test]
fn vgcfgbackup_files_and_seqno() {
    check_lines(
        Some("sdb=1G,sdc=1G"),
        "vgcreate a /dev/sdb >/dev/null\nvgcreate b /dev/sdc >/dev/null\nlvcreate -L 100M -n l a >/dev/null\n\
         vgcfgbackup\ncat /etc/lvm/backup/a /etc/lvm/backup/b | grep description\nvgcfgbackup -f /tmp/one a b\n\
         vgcfgbackup -f /tmp/%s.vg\nls /tmp\nvgs -o vg_name,vg_seqno\n",
        "",
        &[
            "  Volume group \"a\" successfully backed up.",
            "  Volume group \"b\" successfully backed up.",
            "description = \"Created *after* executing 'vgcfgbackup'\"",
            "description = \"Created *after* executing 'vgcfgbackup'\"",
            "  Volume group \"a\" successfully backed up.",
            "  VGs must be backed up into different files. Use %s in filename for VG name.",
            "  Volume group \"a\" successfully backed up.",
            "  Volume group \"b\" successfully backed up.",
            "a.vg",
            "b.vg",
            "one",
            "  VG Seq",
            "  a    2",
            "  b    1",
        ],
    );
}

/// Every report takes `-o help` (or `?`) anywhere in its field list and
/// prints lvm2's whole field list instead of a report.
#[test]
fn report_field_help() {
    let all = run_script(Some("sdb=1G"), 1, "pvs -o help\n");
    assert!(all.starts_with("  Logical Volume Fields\n") && all.ends_with("    ?                           - Show help.\n   \n"));
    for line in ["vgs -o vg_name,help", "lvs -o +?", "pvs -o pv_name,HELP"] {
        assert_eq!(run_script(Some("sdb=1G"), 1, &format!("{line}\n")), all, "{line}");
    }
}

/// A here-document typed line by line: the shell shows bash's `> ` until the
/// terminator, and sfdisk then reads the body (tabs stripped by `<<-`, blank
/// and comment lines skipped) as it reads the same lines from a pipe.
#[test]
fn an_sfdisk_here_document_typed_in_the_shell() {
    let typed = ["sfdisk /dev/sdb <<-EOF", "\tlabel: gpt", "", "\t# the system", "\t,100M", "\t,,L", "\tEOF"];
    let mut shell = storage_lab::console::Shell::new(storage_lab::core::Machine::with_disks(1, &[("sdb".into(), 1 << 30)]).expect("disk"));
    let prompts: Vec<bool> = typed
        .iter()
        .map(|line| {
            let continued = shell.input_prompt() == "> ";
            shell.run(line);
            continued
        })
        .collect();
    assert_eq!(prompts, [false, true, true, true, true, true, true]);
    assert!(!shell.is_interactive(), "the terminator ends the here-document and sfdisk");
    let piped = run_script(Some("sdb=1G"), 1, "printf 'label: gpt\\n\\n# the system\\n,100M\\n,,L\\n' | sfdisk /dev/sdb\n");
    check(Some("sdb=1G"), &format!("{}\n", typed.join("\n")), &piped);
}

/// Follows util-linux 2.38.1's sfdisk.c (not captured): `print` lists the new
/// table (numbered out of disk order here, which it says), and `abort`
/// leaves without writing.
#[test]
fn sfdisk_print_and_abort() {
    check_lines(
        Some("sdb=1G"),
        "sfdisk /dev/sdb\nlabel: gpt\n2 : start=2048, size=2048\n1 : start=8192, size=2048\nprint\nabort\nsfdisk -d /dev/sdb\n",
        "/dev/sdb",
        &[
            "Disk /dev/sdb: 1 GiB, 1073741824 bytes, 2097152 sectors",
            "/dev/sdb1: Created a new partition 2 of type 'Linux filesystem' and of size 1 MiB.",
            "/dev/sdb3: Created a new partition 1 of type 'Linux filesystem' and of size 1 MiB.",
            "/dev/sdb2: ",
            "/dev/sdb1   8192 10239    2048   1M Linux filesystem",
            "/dev/sdb2   2048  4095    2048   1M Linux filesystem",
            "/dev/sdb2: Leaving.",
            "sfdisk: /dev/sdb: does not contain a recognized partition table",
        ],
    );
}

/// Follows libfdisk 2.38.1's gpt.c (not captured): a size in sectors is
/// taken as given even over the next partition, and the write then refuses
/// the overlapping table without a word.
#[test]
fn sfdisk_never_writes_overlapping_gpt_partitions() {
    let script = "sfdisk /dev/sdb\nlabel: gpt\nstart=2048, size=10M\nstart=40960, size=1M\nstart=24576, size=20480\nwrite\nsfdisk -d /dev/sdb\n";
    check_lines(Some("sdb=1G"), script, "/dev/sdb3", &["/dev/sdb3: Created a new partition 3 of type 'Linux filesystem' and of size 10 MiB.", "/dev/sdb3  24576 45055   20480  10M Linux filesystem"]);
    check_lines(Some("sdb=1G"), script, "altered", &[]);
    check_lines(Some("sdb=1G"), script, "recognized", &["sfdisk: /dev/sdb: does not contain a recognized partition table"]);
}

/// Follows libfdisk 2.38.1's dos.c (not captured): with a 4 MiB grain the
/// logical partitions start on grain boundaries and end on the nearest one,
/// and the written EBR chain reads back.
#[test]
fn sfdisk_logical_partitions_follow_the_grain() {
    check_lines(
        Some("sdb=1G"),
        "sfdisk /dev/sdb\nlabel: dos\nlabel-id: 12abcdef\ngrain: 4M\n,100M\n,,E\n,50M\n,50M\nwrite\nfdisk -l /dev/sdb\nsfdisk -d /dev/sdb\n",
        "sdb",
        &[
            "Disk /dev/sdb: 1 GiB, 1073741824 bytes, 2097152 sectors",
            "/dev/sdb1: Created a new partition 1 of type 'Linux' and of size 100 MiB.",
            "/dev/sdb2: Created a new partition 2 of type 'Extended' and of size 920 MiB.",
            "/dev/sdb3: Created a new partition 5 of type 'Linux' and of size 52 MiB.",
            "/dev/sdb6: Created a new partition 6 of type 'Linux' and of size 52 MiB.",
            "/dev/sdb7: ",
            "/dev/sdb1         8192  212991  204800  100M 83 Linux",
            "/dev/sdb2       212992 2097151 1884160  920M  5 Extended",
            "/dev/sdb5       221184  327679  106496   52M 83 Linux",
            "/dev/sdb6       335872  442367  106496   52M 83 Linux",
            "Disk /dev/sdb: 1 GiB, 1073741824 bytes, 2097152 sectors",
            "/dev/sdb1         8192  212991  204800  100M 83 Linux",
            "/dev/sdb2       212992 2097151 1884160  920M  5 Extended",
            "/dev/sdb5       221184  327679  106496   52M 83 Linux",
            "/dev/sdb6       335872  442367  106496   52M 83 Linux",
            "device: /dev/sdb",
            "/dev/sdb1 : start=        8192, size=      204800, type=83",
            "/dev/sdb2 : start=      212992, size=     1884160, type=5",
            "/dev/sdb5 : start=      221184, size=      106496, type=83",
            "/dev/sdb6 : start=      335872, size=      106496, type=83",
        ],
    );
    check_lines(Some("sdb=1G"), "printf 'label-id: 12abcdef\\n,1M\\n' | sfdisk /dev/sdb >/dev/null\nsfdisk -d /dev/sdb\n", "label-id", &["label-id: 0x12abcdef"]);
}

#[test]
fn cp_refuses_to_copy_a_directory_into_itself() {
    // coreutils 9.1's words; the fuzzer found `cp -r / x` copying forever.
    check(
        None,
        "mkdir -p /tmp/cpx/a\ncp -r /tmp/cpx /tmp/cpx/a/b\ncd /tmp/cpx\ncp -r . sub\ncp -r /tmp/cpx /tmp/cpx/a\ncd /\ncp -a / ig\nls /tmp/cpx/a\n",
        "cp: cannot copy a directory, '/tmp/cpx', into itself, '/tmp/cpx/a/b'\n\
         cp: cannot copy a directory, '.', into itself, 'sub'\n\
         cp: cannot copy a directory, '/tmp/cpx', into itself, '/tmp/cpx/a/cpx'\n\
         cp: cannot copy a directory, '/', into itself, 'ig'\n",
    );
}

#[test]
fn rm_keeps_the_root_and_dot_directories() {
    // coreutils 9.1: --preserve-root is the default, and `.`/`..` are skipped.
    check(
        None,
        "mkdir -p /tmp/k\ncd /tmp/k\nrm -rf /\nrm -r /tmp/..\nrm -rf .\necho $?\nls -d /etc /tmp/k\n",
        "rm: it is dangerous to operate recursively on '/'\n\
         rm: use --no-preserve-root to override this failsafe\n\
         rm: refusing to remove '.' or '..' directory: skipping '/tmp/..'\n\
         rm: refusing to remove '.' or '..' directory: skipping '.'\n\
         1\n\
         /etc\n\
         /tmp/k\n",
    );
}

#[test]
fn last_status_expands_as_bash_does() {
    check(
        None,
        "false\necho $? \"$?\" '$?'\ntrue && echo $?\nls /nope; echo \"st=$?\"\necho $?\n",
        "1 1 $?\n0\nls: cannot access '/nope': No such file or directory\nst=2\n0\n",
    );
}

#[test]
fn byte_sizes_past_16_eib_are_too_big() {
    // The fuzzer's find: a byte count past u64 overflowed the multiple-of-512 hint.
    check_lines(
        Some("sdb=1G"),
        "pvcreate /dev/sdb\nvgcreate v /dev/sdb\nlvcreate -n x -L 10999999999999999999999999999999999999b v\n",
        "Size",
        &["  Size is too big (>=16EiB)."],
    );
}

#[test]
fn lvdisplay_maps_thin_pools_and_thin_volumes() {
    // lvdisplay_segments with lib/thin/thin.c's display hooks (lvm2 2.03.16
    // source; no device-mapper here to capture it).
    let out = run_script(None, 1, "lvcreate -V 10G -n vm-1 --thinpool pve/data\nlvdisplay -m pve/data pve/vm-1\n");
    let maps: Vec<&str> = out.split("  --- Segments ---\n").skip(1).map(|m| m.split("  --- Logical volume ---").next().unwrap_or("")).collect();
    assert_eq!(maps.len(), 2, "{out}");
    assert!(maps[0].starts_with("  Logical extents 0 to "), "{}", maps[0]);
    assert!(maps[0].ends_with(":\n    Type\t\tthin-pool\n    Monitoring\t\tmonitored\n    Chunk size\t\t64.00 KiB\n    Discards\t\tpassdown\n    Thin count\t\t1\n    Transaction ID\t1\n    Zero new blocks\tyes\n   \n   \n"), "{:?}", maps[0]);
    assert_eq!(maps[1], "  Virtual extents 0 to 2559:\n    Type\t\tthin\n    Device ID\t\t1\n   \n   \n");
}

#[test]
fn stat_format_widths_past_the_formatter_are_capped() {
    // The fuzzer's find: a width of 2222222222222222 overflowed Rust's formatter.
    let out = run_script(None, 1, "stat -c '%2222222222222222n' /\n");
    assert_eq!(out, format!("{:>4096}\n", "/"));
}

/// grep -w matches whole words (letters, digits and underscore are word characters) and -x
/// whole lines, with -i, -c and -v as GNU grep 3.8 gives them on the same file.
#[test]
fn grep_matches_words_and_lines() {
    check(
        None,
        "printf 'txg = 8\\ncheckpoint_txg = 0\\ntxg2 = 1\\n(txg)\\nTXG = 3\\ntxg\\n' > /root/g.txt
grep -w txg /root/g.txt
grep -x txg /root/g.txt
grep -wi txg /root/g.txt
grep -wc txg /root/g.txt
grep -wv txg /root/g.txt
grep -w xg /root/g.txt; echo $?
",
        "txg = 8\n(txg)\ntxg\ntxg\ntxg = 8\n(txg)\nTXG = 3\ntxg\n3\ncheckpoint_txg = 0\ntxg2 = 1\nTXG = 3\n1\n",
    );
}

/// wc as coreutils 9.1 counts in C.UTF-8 (each expected line from the real wc on the same
/// bytes): a word starts at a printable character after white space, NULs and other
/// controls neither start nor end one, a no-break space separates; several files get a
/// total line and a width from their total size. A sparse 10G file with 3 bytes written
/// is counted whole, its hole read as zeros.
#[test]
fn wc_counts_words_as_coreutils_and_whole_sparse_files() {
    check(
        None,
        r"printf '\0\0\0' > /root/a
printf 'a\0b c\0\0\n\0' > /root/b
printf '\x01\x02 \xff' > /root/c
printf 'é ü\n' > /root/d
printf 'x\xc2\xa0y z\n' > /root/e
printf 'hello world\nfoo\n' > /root/f
truncate -s 10G /root/g
printf 'abc' | dd of=/root/g bs=1 seek=5000000000 conv=notrunc status=none
cd /root
wc a b c d e f g
wc -l g
wc -w b d e
echo hi | wc -l
echo hi there | wc
wc f /nope
",
        "          0           0           3 a
          1           2           9 b
          0           0           4 c
          1           2           6 d
          1           3           7 e
          2           3          16 f
          0           1 10737418240 g
          5          11 10737418285 total
0 g
 2 b
 2 d
 3 e
 7 total
1
      1       2       9
wc: /nope: No such file or directory
 2  3 16 f
 2  3 16 total
",
    );
}

/// ext4's largest file is 2^32 - 1 blocks (16 TiB less 4 KiB), and truncate's size is an
/// off_t: each line's text is what coreutils 9.1 and util-linux 2.38.1 print on this
/// machine's ext4. The fuzzer found a 10E file whose zero blocks overflowed hexdump's address.
#[test]
fn files_stop_at_ext4s_largest_size() {
    check(
        None,
        "truncate -s 10E /root/b
truncate -s 9223372036854775807 /root/b
truncate -s 17592186040321 /root/b
truncate -s 17592186040320 /root/b
ls -l /root/b
fallocate -l 17T /root/c
ls -s /root/c
",
        "truncate: Invalid number: \u{2018}10E\u{2019}: Value too large for defined data type
truncate: failed to truncate '/root/b' at 9223372036854775807 bytes: File too large
truncate: failed to truncate '/root/b' at 17592186040321 bytes: File too large
-rw-r--r-- 1 root root 17592186040320 Nov 25 09:00 /root/b
fallocate: fallocate failed: File too large
0 /root/c
",
    );
}

/// tail -n 0 keeps nothing, also when the last line has no newline (the fuzzer's panic:
/// an index past the newline list); -n 1 keeps the unterminated last line, as coreutils 9.1.
#[test]
fn tail_keeps_no_lines_with_n_0() {
    check(None, "printf abc | tail -n 0; echo \"[$?]\"\nprintf 'a\\nb' | tail -n 1; echo\nprintf 'a\\nb\\n' | tail -n 0\n", "[0]\nb\n");
}

#[test]
fn md5sum_and_sha256sum_print_as_coreutils_does() {
    // Expected digests from coreutils 9.1 on the same bytes (10 MiB of zeros
    // for the sparse file); a name with a backslash is escaped and marked.
    check(
        Some("sdb=1G"),
        "echo hello > /tmp/h.txt\nmd5sum /tmp/h.txt\nsha256sum /tmp/h.txt\nprintf '' | md5sum\ntruncate -s 10M /tmp/sparse\n\
         md5sum /tmp/sparse\ncp /tmp/h.txt '/tmp/a\\b'\nmd5sum '/tmp/a\\b'\nmd5sum /nope /tmp\nmd5sum -x\n",
        "b1946ac92492d2347c6235b4d2611184  /tmp/h.txt
5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03  /tmp/h.txt
d41d8cd98f00b204e9800998ecf8427e  -
f1c9645dbc14efddc7d8a322685f26eb  /tmp/sparse
\\b1946ac92492d2347c6235b4d2611184  /tmp/a\\\\b
md5sum: /nope: No such file or directory
md5sum: /tmp: Is a directory
md5sum: invalid option -- 'x'
Try 'md5sum --help' for more information.
",
    );
}

/// fdisk on a disk with a mounted partition tells the kernel each change:
/// a new partition appears, the mounted one grows in place, and moving it
/// fails (removed and added again); partprobe then refuses it too, with
/// libparted's error, and moves it once it is unmounted.
#[test]
fn partprobe_updates_free_partitions_and_resizes_busy_ones_in_place() {
    check(
        None,
        "printf 'label: gpt\\n,100M\\n,100M\\n' | sfdisk /dev/sdb > /dev/null
mkfs.ext4 -q /dev/sdb1
mkdir /mnt/one
mount /dev/sdb1 /mnt/one
printf 'n\\n\\n\\n+50M\\nw\\n' | fdisk /dev/sdb | grep -i kernel
lsblk -o NAME,SIZE /dev/sdb
partprobe -s /dev/sdb
lsblk -o NAME,SIZE /dev/sdb
printf 'd\\n1\\nn\\n1\\n2048\\n+80M\\nw\\n' | fdisk /dev/sdb > /dev/null
partprobe /dev/sdb
lsblk -o NAME,SIZE,MOUNTPOINTS /dev/sdb1
printf 'd\\n1\\nn\\n1\\n4096\\n+50M\\nw\\n' | fdisk /dev/sdb > /dev/null
partprobe /dev/sdb
umount /mnt/one
partprobe /dev/sdb
lsblk -o NAME,SIZE /dev/sdb
lsblk -no START /dev/sdb1
",
        "This disk is currently in use - repartitioning is probably a bad idea.
It's recommended to umount all file systems, and swapoff all swap
partitions on this disk.

NAME    SIZE
sdb     500G
├─sdb1  100M
├─sdb2  100M
└─sdb3   50M
/dev/sdb: gpt partitions 1 2 3
NAME    SIZE
sdb     500G
├─sdb1  100M
├─sdb2  100M
└─sdb3   50M
This disk is currently in use - repartitioning is probably a bad idea.
It's recommended to umount all file systems, and swapoff all swap
partitions on this disk.

Partition #1 contains a ext4 signature.
NAME SIZE MOUNTPOINTS
sdb1  80M /mnt/one
This disk is currently in use - repartitioning is probably a bad idea.
It's recommended to umount all file systems, and swapoff all swap
partitions on this disk.

Failed to remove partition 1 from system: Device or resource busy
Failed to add partition 1 to system: Device or resource busy
Error: Partition(s) 1 on /dev/sdb have been written, but we have been unable to inform the kernel of the change, probably because it/they are in use.  As a result, the old partition(s) will remain in use.  You should reboot now before making further changes.
NAME    SIZE
sdb     500G
├─sdb1   50M
├─sdb2  100M
└─sdb3   50M
 4096
",
    );
}

/// `resizepart` of a mounted partition: script mode answers parted's
/// question no; typed at the console the lab goes on, and the kernel takes
/// the new size in place (BLKPG_RESIZE_PARTITION), so resize2fs can grow
/// the mounted filesystem.
#[test]
fn parted_resizepart_grows_a_mounted_partition_when_told_to() {
    check(
        Some("sdb=1G"),
        "printf 'label: gpt\\n,100M\\n' | sfdisk -q /dev/sdb
mkfs.ext4 -q /dev/sdb1
mkdir /mnt/b
mount /dev/sdb1 /mnt/b
parted -s /dev/sdb resizepart 1 400MiB
echo \"status $?\"
parted /dev/sdb resizepart 1 400MiB > /dev/null
lsblk -o NAME,SIZE,MOUNTPOINTS /dev/sdb
resize2fs /dev/sdb1 2> /dev/null | tail -n 2
df -h /mnt/b
",
        "Warning: Partition /dev/sdb1 is being used. Are you sure you want to continue?
status 1
Warning: Partition /dev/sdb1 is being used. Are you sure you want to continue?
Information: You may need to update /etc/fstab.

NAME    SIZE MOUNTPOINTS
sdb       1G 
\u{2514}\u{2500}sdb1  399M /mnt/b
The filesystem on /dev/sdb1 is now 408576 (1k) blocks long.

Filesystem      Size  Used Avail Use% Mounted on
/dev/sdb1       369M   14K  345M   1% /mnt/b
",
    );
}

#[test]
fn partprobe_rejects_unknown_options() {
    check(Some("sdb=1G"), "partprobe -é\npartprobe --nope\n", "partprobe: invalid option -- 'é'\nTry `partprobe --help' for more information.\npartprobe: unrecognized option '--nope'\nTry `partprobe --help' for more information.\n");
}

/// Options QEMU has but the lab does not model get the lab's message
/// (the rest of these errors are QEMU's own, in fixtures/files/qemu-errors).
#[test]
fn qemu_options_the_lab_lacks_are_named() {
    check(
        Some("sdb=1G"),
        "qemu-img create -q -f qcow2 a.qcow2 1G\nqemu-io -c 'read -C 0 16' a.qcow2\nqemu-io -c 'write -b 0 1' a.qcow2\nqemu-img check -q a.qcow2\nqemu-img convert a.qcow2 b.qcow2 c.raw\nqemu-io -f vdi -c 'read 0 1' a.qcow2\n\
         qemu-img create -q -f qcow2 -o compat=0.10 v2.qcow2 1G\nqemu-img create -q -f qcow2 -o refcount_bits=64,extended_l2=on v.qcow2 1G\n\
         qemu-img measure --size 1G -O qcow2 -o compression_type=zstd\nls v2.qcow2 v.qcow2\n",
        "qemu-io: the lab's options are write -P/-z/-c, read -P/-v and -q, not 'read -C'\n\
qemu-io: the lab's options are write -P/-z/-c, read -P/-v and -q, not 'write -b'\n\
qemu-img: the lab's qemu-img convert takes one source image\n\
qemu-io: can't open device a.qcow2: the lab reads raw and qcow2 images only, and this is no 'vdi' image\n\
qemu-img: v2.qcow2: the lab makes qcow2 images with compat=1.1, refcount_bits=16, compression_type=zlib, extended_l2=off and no data_file\n\
qemu-img: v.qcow2: the lab makes qcow2 images with compat=1.1, refcount_bits=16, compression_type=zlib, extended_l2=off and no data_file\n\
qemu-img: the lab makes qcow2 images with compat=1.1, refcount_bits=16, compression_type=zlib, extended_l2=off and no data_file\n\
ls: cannot access 'v2.qcow2': No such file or directory\n\
ls: cannot access 'v.qcow2': No such file or directory\n",
    );
}

/// lsblk's options the lab does not model say so, `--help` (of a tool
/// whose help the lab does not print) points to the manual, and `-S` lists the SATA disks with their SCSI addresses (the
/// fixtures' fake sysfs has none, so this is the lab's own machine).
#[test]
fn lsblk_options_the_lab_lacks_are_named() {
    check(
        None,
        "lsblk -s\nlsblk --inverse /dev/sda2\nlsblk -x SIZE\nlsblk --help\nfdisk --help\nlsblk -S -o NAME,HCTL,TYPE,TRAN\n",
        "lsblk: the lab does not model -s (see lsblk(8))\n\
lsblk: the lab does not model -s (see lsblk(8))\n\
lsblk: the lab does not model -x (see lsblk(8))\n\
lsblk: the lab does not reproduce --help; see `man lsblk`.\n\
fdisk: the lab does not reproduce --help; see `man fdisk`.\n\
NAME HCTL       TYPE TRAN\n\
sda  0:0:0:0    disk sata\n\
sdb  1:0:0:0    disk sata\n\
sdc  2:0:0:0    disk sata\n",
    );
}

#[test]
fn activating_reports_the_active_lvs_as_lvm2_does() {
    // Every LV in the lab is active (a host with device-mapper); lvm2 on this
    // machine, without it, printed the same lines with a count of 0.
    check(
        None,
        "vgchange -ay\nvgchange -a y pve nosuch\nlvchange -ay pve/root\nlvchange -ay pve/nosuch nosuch/a\nlvchange -ay\nvgchange -an pve\n",
        "  3 logical volume(s) in volume group \"pve\" now active
  3 logical volume(s) in volume group \"pve\" now active
  Volume group \"nosuch\" not found
  Cannot process volume group nosuch
  Failed to find logical volume \"pve/nosuch\"
  Volume group \"nosuch\" not found
  Cannot process volume group nosuch
  No command with matching syntax recognised.  Run 'lvchange --help' for more information.
  Nearest similar command has syntax:
  lvchange -a|--activate y|n|ay VG|LV|Tag|Select ...
  Activate or deactivate an LV.

  vgchange: activation changes are not simulated; every LV stays active.
",
    );
}


#[test]
fn resize2fs_and_e2fsck_follow_an_lv() {
    // On-line growth reports the descriptor blocks (10G: 80 groups in 2
    // blocks, 20G: 3); df then shows resize2fs's layout (the journal keeps
    // its size), and lvextend -r's fsck reads the same counts as e2fsck.
    check(
        Some("sdb=64G"),
        "pvcreate /dev/sdb
vgcreate data_vg /dev/sdb
lvcreate -n my_volume -L 10G data_vg
mkfs.ext4 -q /dev/data_vg/my_volume
mkdir /mnt/data
mount /dev/data_vg/my_volume /mnt/data
lvextend -L 20G data_vg/my_volume
resize2fs /dev/data_vg/my_volume
df -h /mnt/data
e2fsck -f /dev/data_vg/my_volume
resize2fs /dev/data_vg/my_volume 15G
umount /mnt/data
e2fsck -f /dev/data_vg/my_volume
resize2fs /dev/data_vg/my_volume 15G
e2fsck /dev/data_vg/my_volume
resize2fs -M /dev/data_vg/my_volume
lvextend -r -L 30G data_vg/my_volume
",
        "  Physical volume \"/dev/sdb\" successfully created.
  Volume group \"data_vg\" successfully created
  Logical volume \"my_volume\" created.
  Size of logical volume data_vg/my_volume changed from 10.00 GiB (2560 extents) to 20.00 GiB (5120 extents).
  Logical volume data_vg/my_volume successfully resized.
resize2fs 1.47.0 (5-Feb-2023)
Filesystem at /dev/data_vg/my_volume is mounted on /mnt/data; on-line resizing required
old_desc_blocks = 2, new_desc_blocks = 3
The filesystem on /dev/data_vg/my_volume is now 5242880 (4k) blocks long.

Filesystem                     Size  Used Avail Use% Mounted on
/dev/mapper/data_vg-my_volume   20G   24K   19G   1% /mnt/data
e2fsck 1.47.0 (5-Feb-2023)
/dev/data_vg/my_volume is mounted.
e2fsck: Cannot continue, aborting.


resize2fs 1.47.0 (5-Feb-2023)
resize2fs: On-line shrinking not supported
Filesystem at /dev/data_vg/my_volume is mounted on /mnt/data; on-line resizing required
e2fsck 1.47.0 (5-Feb-2023)
Pass 1: Checking inodes, blocks, and sizes
Pass 2: Checking directory structure
Pass 3: Checking directory connectivity
Pass 4: Checking reference counts
Pass 5: Checking group summary information
/dev/data_vg/my_volume: 11/1310720 files (0.0% non-contiguous), 109927/5242880 blocks
resize2fs 1.47.0 (5-Feb-2023)
Resizing the filesystem on /dev/data_vg/my_volume to 3932160 (4k) blocks.
The filesystem on /dev/data_vg/my_volume is now 3932160 (4k) blocks long.

e2fsck 1.47.0 (5-Feb-2023)
/dev/data_vg/my_volume: clean, 11/983040 files, 88340/3932160 blocks
resize2fs 1.47.0 (5-Feb-2023)
resize2fs: the lab does not compute a filesystem's minimum size (-M, -P)
fsck from util-linux 2.38.1
/dev/mapper/data_vg-my_volume: clean, 11/983040 files, 88340/3932160 blocks
  Size of logical volume data_vg/my_volume changed from 20.00 GiB (5120 extents) to 30.00 GiB (7680 extents).
  Logical volume data_vg/my_volume successfully resized.
resize2fs 1.47.0 (5-Feb-2023)
Resizing the filesystem on /dev/mapper/data_vg-my_volume to 7864320 (4k) blocks.
The filesystem on /dev/mapper/data_vg-my_volume is now 7864320 (4k) blocks long.

",
    );
}

#[test]
fn lvextend_r_speaks_of_small_filesystems_in_1k_blocks() {
    // mkfs.ext4 gives filesystems under 512 MiB 1 KiB blocks; fsadm's
    // resize2fs counts in them (counts checked with resize2fs and e2fsck
    // on a 100M file grown to 200M).
    check(
        Some("sdb=1G"),
        "pvcreate -q /dev/sdb
vgcreate -q data_vg /dev/sdb
lvcreate -q -n lv -L 100M data_vg
mkfs.ext4 -q /dev/data_vg/lv
lvextend -r -L +100M data_vg/lv
lvresize -r -L 150M data_vg/lv
resize2fs /dev/data_vg/lv
",
        "  Physical volume \"/dev/sdb\" successfully created.
  Volume group \"data_vg\" successfully created
  Logical volume \"lv\" created.
fsck from util-linux 2.38.1
/dev/mapper/data_vg-lv: clean, 11/25584 files, 12081/102400 blocks
  Size of logical volume data_vg/lv changed from 100.00 MiB (25 extents) to 200.00 MiB (50 extents).
  Logical volume data_vg/lv successfully resized.
resize2fs 1.47.0 (5-Feb-2023)
Resizing the filesystem on /dev/mapper/data_vg-lv to 204800 (1k) blocks.
The filesystem on /dev/mapper/data_vg-lv is now 204800 (1k) blocks long.

  Rounding size to boundary between physical extents: 152.00 MiB.
fsck from util-linux 2.38.1
/dev/mapper/data_vg-lv: clean, 11/49200 files, 18009/204800 blocks
resize2fs 1.47.0 (5-Feb-2023)
Resizing the filesystem on /dev/mapper/data_vg-lv to 155648 (1k) blocks.
The filesystem on /dev/mapper/data_vg-lv is now 155648 (1k) blocks long.

  Size of logical volume data_vg/lv changed from 200.00 MiB (50 extents) to 152.00 MiB (38 extents).
  Logical volume data_vg/lv successfully resized.
resize2fs 1.47.0 (5-Feb-2023)
The filesystem is already 155648 (1k) blocks long.  Nothing to do!

",
    );
}

#[test]
fn mount_and_findmnt_list_zfs_in_mount_order() {
    let zfs = "rw,relatime,xattr,noacl,casesensitive";
    check(
        None,
        "mkfs.ext4 -q /dev/sdb\nmkdir /mnt/x\nmount /dev/sdb /mnt/x\nzfs create rpool/isos\nzfs create rpool/data/sub\nmount\nfindmnt\nfindmnt -t zfs -n -o TARGET\nfindmnt -t noext4,zfs -o TARGET,SOURCE\nfindmnt -t xfs\necho $?\nfindmnt /rpool/isos\nfindmnt -t\nfindmnt -n -o FSTYPE,TARGET /mnt/x\n",
        &format!(
            "/dev/mapper/pve-root on / type ext4 (rw,relatime)\n\
             /dev/sda2 on /boot/efi type vfat (rw,relatime)\n\
             rpool on /rpool type zfs ({zfs})\n\
             rpool/data on /rpool/data type zfs ({zfs})\n\
             /dev/sdb on /mnt/x type ext4 (rw,relatime)\n\
             rpool/isos on /rpool/isos type zfs ({zfs})\n\
             rpool/data/sub on /rpool/data/sub type zfs ({zfs})\n\
             TARGET                SOURCE               FSTYPE OPTIONS\n\
             /                     /dev/mapper/pve-root ext4   rw,relatime\n\
             \u{251c}\u{2500}/boot/efi           /dev/sda2            vfat   rw,relatime\n\
             \u{251c}\u{2500}/rpool              rpool                zfs    {zfs}\n\
             \u{2502} \u{251c}\u{2500}/rpool/data       rpool/data           zfs    {zfs}\n\
             \u{2502} \u{2502} \u{2514}\u{2500}/rpool/data/sub rpool/data/sub       zfs    {zfs}\n\
             \u{2502} \u{2514}\u{2500}/rpool/isos       rpool/isos           zfs    {zfs}\n\
             \u{2514}\u{2500}/mnt/x              /dev/sdb             ext4   rw,relatime\n\
             /rpool\n\
             \u{251c}\u{2500}/rpool/data\n\
             \u{2502} \u{2514}\u{2500}/rpool/data/sub\n\
             \u{2514}\u{2500}/rpool/isos\n\
             TARGET    SOURCE\n\
             /boot/efi /dev/sda2\n\
             1\n\
             TARGET      SOURCE     FSTYPE OPTIONS\n\
             /rpool/isos rpool/isos zfs    {zfs}\n\
             findmnt: option requires an argument -- 't'\n\
             Try 'findmnt --help' for more information.\n\
             ext4   /mnt/x\n"
        ),
    );
}

#[test]
fn proc_lists_partitions_swaps_and_mounts() {
    check(
        Some("sdb=1G,sdc=2G"),
        "sfdisk /dev/sdb >/dev/null <<X\n,100M\n,\nX\nmkfs.ext4 -q /dev/sdb1\nmkdir /mnt/b\nmount /dev/sdb1 /mnt/b\npvcreate -q /dev/sdc\nvgcreate -q vg /dev/sdc\nlvcreate -q -n b -L 12M vg\nlvcreate -q -n a -L 8M vg\nmkswap -q /dev/vg/a\nswapon /dev/vg/a\ncat /proc/partitions\ncat /proc/swaps\ncat /proc/mounts\n",
        "  Physical volume \"/dev/sdc\" successfully created.\n  Volume group \"vg\" successfully created\n  Logical volume \"b\" created.\n  Logical volume \"a\" created.\n\
         major minor  #blocks  name\n\n   8       16    1048576 sdb\n   8       17     102400 sdb1\n   8       18     945152 sdb2\n   8       32    2097152 sdc\n 253        0      12288 dm-0\n 253        1       8192 dm-1\n\
         Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority\n/dev/dm-1                               partition\t8188\t\t0\t\t-2\n/dev/sdb1 /mnt/b ext4 rw,relatime 0 0\n",
    );
}

#[test]
fn sfdisk_checks_a_disk_in_use_unless_forced_and_can_leave_the_kernel_untold() {
    // Each new first partition starts where the mounted ext4 is.
    let sig = "Partition #1 contains a ext4 signature.\n";
    let busy = "This disk is currently in use - repartitioning is probably a bad idea.\nUmount all file systems, and swapoff all swap partitions on this disk.\nUse the --no-reread flag to suppress this check.\n\n";
    check(
        Some("sdb=1G"),
        "sfdisk -q /dev/sdb <<X\nlabel: dos\n,100M\n,100M\nX\nmkfs.ext4 -q /dev/sdb1\nmkdir /mnt/b\nmount /dev/sdb1 /mnt/b\n\
         sfdisk -q /dev/sdb <<X\n,50M\nX\necho \"status $?\"\n\
         sfdisk -q --force /dev/sdb <<X\nlabel: dos\n,100M\n,200M\nX\necho \"status $?\"\n\
         sfdisk --no-reread -q /dev/sdb <<X\nlabel: dos\n,100M\n,300M\nX\n\
         umount /mnt/b\nsfdisk --no-tell-kernel /dev/sdb <<X | tail -2\nlabel: dos\n,10M\nX\n\
         lsblk -o NAME,SIZE /dev/sdb\nsfdisk -q -l /dev/sdb\npartprobe /dev/sdb\nlsblk -o NAME,SIZE /dev/sdb\n\
         sfdisk --backup /dev/sdb\nsfdisk --wipe=sometimes /dev/sdb\n",
        &format!(
            "{busy}sfdisk: Use the --force flag to overrule all checks.\nstatus 1\n\
             {busy}{sig}Re-reading the partition table failed.: Device or resource busy\nstatus 0\n\
             {sig}Re-reading the partition table failed.: Device or resource busy\n\
             {sig}\nThe partition table has been altered.\n\
             NAME    SIZE\nsdb       1G\n\u{251c}\u{2500}sdb1  100M\n\u{2514}\u{2500}sdb2  100M\n\
             Device     Boot Start   End Sectors Size Id Type\n/dev/sdb1        2048 22527   20480  10M 83 Linux\n\
             NAME   SIZE\nsdb      1G\n\u{2514}\u{2500}sdb1  10M\n\
             sfdisk: the lab does not model -b/--backup (see sfdisk(8))\n\
             sfdisk: unsupported wipe mode\n"
        ),
    );
}

#[test]
fn qemu_img_names_the_real_commands_it_does_not_model() {
    check(
        None,
        "qemu-img amend -o compat=0.10 a.qcow2\nqemu-img bitmap --add a.qcow2 b\nqemu-img frobnicate\n",
        "qemu-img: the lab does not model 'qemu-img amend'\nqemu-img: the lab does not model 'qemu-img bitmap'\nqemu-img: Command not found: frobnicate\nTry 'qemu-img --help' for more info\n",
    );
}

#[test]
fn lvm_silent_mode_answers_no_and_drops_the_success_lines() {
    check(
        Some("sdb=1G"),
        "pvcreate -qq /dev/sdb\nvgcreate -qq vg /dev/sdb\nlvcreate -qq -n a -L 8M vg\nlvcreate -qq -n b -L 8M vg\nlvremove -qq vg\necho \"status $?\"\nlvs -qq -o lv_name\nlvremove -q -y vg/a\n",
        "Do you really want to remove active logical volume vg/a? [y/n]: [n]\n  Logical volume vg/a not removed.\n\
         Do you really want to remove active logical volume vg/b? [y/n]: [n]\n  Logical volume vg/b not removed.\n\
         status 5\n  LV  \n  a   \n  b   \n  Logical volume \"a\" successfully removed.\n",
    );
}

#[test]
fn qemu_io_read_v_dumps_sixty_four_kib_at_most() {
    check(
        None,
        "qemu-img create -q -f raw d.raw 1M\nqemu-io -f raw -c 'read -v 0 1M' d.raw | wc -l\nqemu-io -f raw -c 'read -v 1048560 16' d.raw | head -1\n",
        "4098\n000ffff0:  00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00  ................\n",
    );
}

#[test]
fn findmnt_reads_bundled_options_lists_and_finds_sources() {
    check(
        None,
        "mkfs.ext4 -q /dev/sdb\nmkdir /mnt/x\nmount /dev/sdb /mnt/x\nfindmnt -no SOURCE /mnt/x\nfindmnt /dev/sdb\nfindmnt -l -n -o TARGET\nfindmnt -r -t ext4\nfindmnt -J\n",
        "/dev/sdb\nTARGET SOURCE   FSTYPE OPTIONS\n/mnt/x /dev/sdb ext4   rw,relatime\n\
         /\n/boot/efi\n/rpool\n/rpool/data\n/mnt/x\n\
         TARGET SOURCE FSTYPE OPTIONS\n/ /dev/mapper/pve-root ext4 rw,relatime\n/mnt/x /dev/sdb ext4 rw,relatime\n\
         findmnt: the lab does not model -J (see findmnt(8))\n",
    );
}

/// `2>&1` alone leaves both streams on the terminal (the fd table once
/// swallowed them when no file was named).
#[test]
fn errors_joined_to_the_terminal_still_show() {
    check(
        None,
        "ls /nope 2>&1\necho hi 2>&1\nls /nope 1>&2\n",
        "ls: cannot access '/nope': No such file or directory\nhi\nls: cannot access '/nope': No such file or directory\n",
    );
}

/// `qemu-img commit` and `rebase` read options as QEMU 10.0.2's
/// getopt_long does (grouped letters, long names, `--help`); the texts are
/// the real tool's, run on this machine.
#[test]
fn qemu_img_commit_and_rebase_read_options_as_getopt_long() {
    check(
        None,
        "qemu-img commit -pq\nqemu-img rebase -ub\nqemu-img commit --base\nqemu-img commit --bogus x\nqemu-img commit -qx y\n\
         qemu-img commit --help | head -5\nqemu-img rebase -h | grep -c ''\n",
        "qemu-img: Expecting one image file name\nTry 'qemu-img commit --help' for more info\n\
         qemu-img rebase: option requires an argument -- 'b'\nTry 'qemu-img rebase --help' for more info\n\
         qemu-img commit: option '--base' requires an argument\nTry 'qemu-img commit --help' for more info\n\
         qemu-img commit: unrecognized option '--bogus'\nTry 'qemu-img commit --help' for more info\n\
         qemu-img commit: invalid option -- 'x'\nTry 'qemu-img commit --help' for more info\n\
         Usage:\nCommit image to its backing file.  Usage:\n\n  qemu-img commit [-f FMT | --image-opts] [-t CACHE_MODE] [-b BASE_IMG] [-d]\n        [-r RATE] [--object OBJDEF] FILENAME\n\
         39\n",
    );
}

#[test]
fn an_answer_typed_on_the_next_line_sets_the_exit_status() {
    check(
        Some("sdb=1G"),
        "mkfs.ext4 -q -F /dev/sdb\npvcreate /dev/sdb\nn\necho rc=$?\npvcreate /dev/sdb\ny\necho rc=$?\n",
        "WARNING: ext4 signature detected on /dev/sdb at offset 1080. Wipe it? [y/n]:   Aborted wiping of ext4.\n  1 existing signature left on the device.\nrc=5\nWARNING: ext4 signature detected on /dev/sdb at offset 1080. Wipe it? [y/n]:   Wiping ext4 signature on /dev/sdb.\n  Physical volume \"/dev/sdb\" successfully created.\nrc=0\n",
    );
}

/// The usual way to give a PV more room: grow its partition, then
/// `pvresize` (lvm2's messages are checked against the real tool in
/// tests/fixtures/lvm/pvresize.case); the VG gains the extents.
#[cfg(feature = "lvm-extras")]
#[test]
fn pvresize_takes_a_grown_partition() {
    check(
        Some("sdb=1G"),
        r#"parted -s /dev/sdb mklabel gpt mkpart p 1MiB 500MiB
pvcreate -q /dev/sdb1
vgcreate -q vg /dev/sdb1
lvcreate -q -L 200M -n lv vg
parted -s /dev/sdb resizepart 1 900MiB
pvresize /dev/sdb1
pvs
"#,
        r#"  Physical volume "/dev/sdb1" successfully created.
  Volume group "vg" successfully created
  Logical volume "lv" created.
  Physical volume "/dev/sdb1" changed
  1 physical volume(s) resized or updated / 0 physical volume(s) not resized
  PV         VG Fmt  Attr PSize   PFree  
  /dev/sdb1  vg lvm2 a--  896.00m 696.00m
"#,
    );
}

#[test]
fn scripts_drive_the_lab_tools_in_loops_and_stop_where_recursion_would_not() {
    check(
        Some("sdb=1G,sdc=1G"),
        "for d in sdb sdc; do\n  pvcreate /dev/$d\ndone\nvgcreate vg /dev/sdb /dev/sdc\nfor ((i = 1; i <= 2; i++)); do lvcreate -n lv$i -L ${i}00M vg; done\nlvs --noheadings -o lv_name,lv_size vg | while read name size; do echo \"$name=$size\"; done\n",
        "  Physical volume \"/dev/sdb\" successfully created.\n  Physical volume \"/dev/sdc\" successfully created.\n  Volume group \"vg\" successfully created\n  Logical volume \"lv1\" created.\n  Logical volume \"lv2\" created.\nlv1=100.00m\nlv2=200.00m\n",
    );
    // A dialog inside a loop reads no lines: fdisk sees its input end.
    check_lines(Some("sdb=1G"), "for d in sdb; do fdisk /dev/$d; done\nlsblk -n -o NAME /dev/sdb\n", "sdb", &["sdb"]);
    // Recursion that bash would take to a crash stops with our message.
    check(None, "f() { f; }; f; echo not reached\necho next\n", "storage-lab: f: functions nested too deeply (more than 64 calls)\nnext\n");
    check(None, "f() { { { f; }; }; }; f; echo not reached\necho next\n", "storage-lab: compound commands and function calls nested more than 150 deep\nnext\n");
    check(None, "while true; do :; done; echo not reached\necho next\n", "storage-lab: loop stopped after 100000 rounds\nnext\n");
}

/// Each tool writes its complaints on standard error and its listings on
/// standard output, as the real one does (checked with util-linux 2.38.1,
/// e2fsprogs 1.47.0 and losetup on this machine, streams captured apart):
/// `2>/dev/null` hides the first, `>/dev/null` the second.
#[test]
fn tools_write_errors_on_standard_error() {
    check(
        Some("sdb=1G,sdc=1G"),
        concat!(
            "lsblk /dev/nope 2>/dev/null; echo \"lsblk $?\"\n",
            "lsblk -o NAME /dev/sdb /dev/nope 2>/dev/null\n",
            "lsblk -o NAME /dev/nope 2>&1 >/dev/null\n",
            "fdisk -l /dev/nope 2>/dev/null; echo \"fdisk -l $?\"\n",
            "fdisk /dev/nope 2>/dev/null | head -2\n",
            "fdisk /dev/nope 2>&1 >/dev/null\n",
            "mkfs.ext4 /dev/nope 2>/dev/null; echo \"mkfs.ext4 $?\"\n",
            "mkfs.ext4 /dev/sdb 2>&1 >/dev/null\n",
            "mkfs.ext4 /dev/sdb 2>/dev/null | head -1\n",
            "mkswap /dev/sdc 2>/dev/null | head -1\n",
            "mkswap /dev/sdc 2>&1 >/dev/null\n",
            "mount /dev/nope /mnt 2>/dev/null; echo \"mount $?\"\n",
            "losetup -f --show /nope.img 2>/dev/null; echo \"losetup $?\"\n",
            "wipefs /dev/nope 2>/dev/null; echo \"wipefs $?\"\n",
            "blkid -o foo 2>/dev/null; echo \"blkid $?\"\n",
        ),
        concat!(
            "lsblk 32\n",
            "NAME\nsdb\n",
            "lsblk: /dev/nope: not a block device\n",
            "fdisk -l 1\n",
            "\nWelcome to fdisk (util-linux 2.38.1).\n",
            "fdisk: cannot open /dev/nope: No such file or directory\n",
            "mkfs.ext4 1\n",
            "mke2fs 1.47.0 (5-Feb-2023)\n",
            "Creating filesystem with 262144 4k blocks and 65536 inodes\n",
            "Setting up swapspace version 1, size = 1024 MiB (1073737728 bytes)\n",
            "mkswap: /dev/sdc: warning: wiping old swap signature.\n",
            "mount 32\n",
            "losetup 1\n",
            "wipefs 1\n",
            "blkid 2\n",
        ),
    );
}

#[test]
fn lvm2_writes_errors_and_questions_on_standard_error() {
    check(
        Some("sdb=1G,sdc=1G"),
        concat!(
            "pvcreate /dev/sdb 2>/dev/null\n",
            "pvcreate /dev/nope 2>/dev/null; echo \"pvcreate $?\"\n",
            "pvcreate /dev/nope 2>&1 >/dev/null\n",
            "vgcreate vg /dev/sdb /dev/sdc 2>&1 >/dev/null; echo \"vgcreate $?\"\n",
            "vgcreate vg /dev/sdb 2>/dev/null; echo \"vgcreate $?\"\n",
            "vgcreate vg /dev/sdb 2>&1 >/dev/null\n",
            "lvcreate -n a -L 5M vg 2>/dev/null\n",
            "lvcreate -n b -L 5M vg 2>&1 >/dev/null; echo \"lvcreate $?\"\n",
            "lvcreate -n big -L 5G vg 2>/dev/null; echo \"lvcreate $?\"\n",
            "lvcreate -n big -L 5G vg 2>&1 >/dev/null\n",
            "lvs nope 2>/dev/null; echo \"lvs $?\"\n",
            "lvs nope 2>&1 >/dev/null\n",
            "pvs -o bogus 2>/dev/null; echo \"pvs $?\"\n",
            "pvs -o bogus 2>&1 >/dev/null | tail -n 2\n",
            "echo n | lvremove vg/a 2>/dev/null; echo \"lvremove $?\"\n",
            "echo n | lvremove vg/a 2>&1 >/dev/null\n",
            "echo y | lvremove vg/a 2>/dev/null\n",
            "lvcreate -i3 -L 8M -n s vg 2>&1 | cat\n",
            "lvcreate -i3 -L 8M -n s vg 2>/dev/null\n",
            "lvcreate --bogus 2>/dev/null; echo \"lvcreate $?\"\n",
            "lvcreate --bogus 2>&1 >/dev/null\n",
        ),
        concat!(
            "  Physical volume \"/dev/sdb\" successfully created.\n",
            "pvcreate 5\n",
            "  No device found for /dev/nope.\n",
            "vgcreate 0\n",
            "vgcreate 5\n",
            "  A volume group called vg already exists.\n",
            "  Rounding up size to full physical extent 8.00 MiB\n",
            "  Logical volume \"a\" created.\n",
            "lvcreate 0\n",
            "lvcreate 5\n",
            "  Volume group \"vg\" has insufficient free space (506 extents): 1280 required.\n",
            "lvs 5\n",
            "  Volume group \"nope\" not found\n",
            "  Cannot process volume group nope\n",
            "pvs 5\n",
            "   \n  Unrecognised field: bogus\n",
            "lvremove 5\n",
            "Do you really want to remove active logical volume vg/a? [y/n]:   Logical volume vg/a not removed.\n",
            "  Logical volume \"a\" successfully removed.\n",
            // Standard output first, then the error, as lvm2 flushes them.
            "  Using default stripesize 64.00 KiB.\n",
            "  Rounding size 8.00 MiB (2 extents) up to stripe boundary size 12.00 MiB (3 extents).\n",
            "  Number of stripes (3) must not exceed number of physical volumes (2)\n",
            "  Using default stripesize 64.00 KiB.\n",
            "  Rounding size 8.00 MiB (2 extents) up to stripe boundary size 12.00 MiB (3 extents).\n",
            "lvcreate 3\n",
            "lvcreate: unrecognized option '--bogus'\n",
            "  Error during parsing of command line.\n",
        ),
    );
}

#[test]
fn sfdisk_and_e2fsck_write_warnings_on_standard_error() {
    check(
        Some("sdb=1G,sdc=1G"),
        concat!(
            "printf 'foo: 1\\n,100M\\nbar\\n' | sfdisk /dev/sdb 2>/dev/null | tail -3; echo \"sfdisk $?\"\n",
            "printf 'foo: 1\\n,100M\\nbar\\n' | sfdisk /dev/sdb 2>&1 >/dev/null\n",
            "sfdisk -d /dev/sdb 2>/dev/null; echo \"sfdisk -d $?\"\n",
            "sfdisk -d /dev/sdb 2>&1 >/dev/null\n",
            "printf ',100M\\n' | sfdisk -q /dev/sdc >/dev/null\n",
            "mkfs.ext4 -q /dev/sdc1\n",
            "mount /dev/sdc1 /mnt\n",
            "printf ',200M\\n' | sfdisk /dev/sdc 2>/dev/null; echo \"sfdisk busy $?\"\n",
            "printf ',200M\\n' | sfdisk /dev/sdc 2>&1 >/dev/null\n",
            "sfdisk /dev/nope 2>/dev/null; echo \"sfdisk nope $?\"\n",
            "sfdisk /dev/nope 2>&1 >/dev/null\n",
            "resize2fs /dev/sdc1 2>/dev/null; echo \"resize2fs $?\"\n",
            "resize2fs /dev/sdc1 2>&1 >/dev/null\n",
            "e2fsck -n /dev/sdb 2>/dev/null; echo \"e2fsck $?\"\n",
        ),
        concat!(
            "/dev/sdb1        2048 206847  204800  100M 83 Linux\n",
            "Leaving.\n",
            "\n",
            "sfdisk 0\n",
            "Unknown script header 'foo' -- ignore.\n",
            "line 3: unsupported command\n",
            "sfdisk -d 1\n",
            "sfdisk: /dev/sdb: does not contain a recognized partition table\n",
            "Checking that no-one is using this disk right now ... FAILED\n",
            "\n",
            "sfdisk busy 1\n",
            "This disk is currently in use - repartitioning is probably a bad idea.\n",
            "Umount all file systems, and swapoff all swap partitions on this disk.\n",
            "Use the --no-reread flag to suppress this check.\n",
            "\n",
            "sfdisk: Use the --force flag to overrule all checks.\n",
            "sfdisk nope 1\n",
            "sfdisk: cannot open /dev/nope: No such file or directory\n",
            "resize2fs 0\n",
            "resize2fs 1.47.0 (5-Feb-2023)\n",
            "The filesystem is already 102400 (1k) blocks long.  Nothing to do!\n",
            "\n",
            "ext2fs_open2: Bad magic number in super-block\n",
            "e2fsck: Superblock invalid, trying backup blocks...\n",
            "\n",
            "The superblock could not be read or does not describe a valid ext2/ext3/ext4\n",
            "filesystem.  If the device is valid and it really contains an ext2/ext3/ext4\n",
            "filesystem (and not swap or ufs or something else), then the superblock\n",
            "is corrupt, and you might try running e2fsck with an alternate superblock:\n",
            "    e2fsck -b 8193 <device>\n",
            " or\n",
            "    e2fsck -b 32768 <device>\n",
            "\n",
            "e2fsck 8\n",
        ),
    );
}

/// mke2fs prints its usage under its own name when the device is missing or
/// an option is unknown; util-linux mkswap points to its --help (both as
/// e2fsprogs 1.47 and util-linux 2.38 print them on this machine).
#[test]
fn mkfs_and_mkswap_print_their_usage() {
    check(
        Some("sdb=1G"),
        "mkfs.ext4\nmkfs.ext4 -x /dev/sdb\nmkswap\nmkswap -Q /dev/sdb\n",
        "Usage: mkfs.ext4 [-c|-l filename] [-b block-size] [-C cluster-size]
\t[-i bytes-per-inode] [-I inode-size] [-J journal-options]
\t[-G flex-group-size] [-N number-of-inodes] [-d root-directory]
\t[-m reserved-blocks-percentage] [-o creator-os]
\t[-g blocks-per-group] [-L volume-label] [-M last-mounted-directory]
\t[-O feature[,...]] [-r fs-revision] [-E extended-option[,...]]
\t[-t fs-type] [-T usage-type ] [-U UUID] [-e errors_behavior][-z undo_file]
\t[-jnqvDFSV] device [blocks-count]
mkfs.ext4: invalid option -- 'x'
Usage: mkfs.ext4 [-c|-l filename] [-b block-size] [-C cluster-size]
\t[-i bytes-per-inode] [-I inode-size] [-J journal-options]
\t[-G flex-group-size] [-N number-of-inodes] [-d root-directory]
\t[-m reserved-blocks-percentage] [-o creator-os]
\t[-g blocks-per-group] [-L volume-label] [-M last-mounted-directory]
\t[-O feature[,...]] [-r fs-revision] [-E extended-option[,...]]
\t[-t fs-type] [-T usage-type ] [-U UUID] [-e errors_behavior][-z undo_file]
\t[-jnqvDFSV] device [blocks-count]
mkswap: error: Nowhere to set up swap on?
Try 'mkswap --help' for more information.
mkswap: invalid option -- 'Q'
Try 'mkswap --help' for more information.
",
    );
}

/// `qcow2_measure()` refuses a size whose L2 tables would need more than
/// QCOW_MAX_L1_SIZE of L1 table (qemu-img 10.0.2's answers on this machine).
#[test]
fn measure_refuses_sizes_past_the_largest_l1_table() {
    check(
        None,
        "qemu-img measure --size 128G -O qcow2 -o cluster_size=512\nqemu-img measure --size 200G -O qcow2 -o cluster_size=512\nqemu-img measure --size 2P -O qcow2\nqemu-img measure --size 4P -O qcow2\n",
        "required size: 2737157632
fully allocated size: 140176111104
qemu-img: The image size is too large (try using a larger cluster size)
required size: 343650009088
fully allocated size: 2252143463694336
qemu-img: The image size is too large (try using a larger cluster size)
",
    );
}

/// fdisk on a disk in use (its O_EXCL open failed) writes, then tells the
/// kernel each change with BLKPG (libfdisk `fdisk_reread_changes`): a new
/// partition appears, an unused one goes, the mounted one stays with a
/// warning, and fdisk still syncs and exits 0.
#[test]
fn fdisk_on_a_disk_in_use_updates_the_kernel_partition_by_partition() {
    check(
        Some("sdb=1G"),
        "printf ',200M\\n,200M\\n' | sfdisk -q /dev/sdb\nmkfs.ext4 -q /dev/sdb1\nmount /dev/sdb1 /mnt\n\
         printf 'n\\np\\n3\\n\\n+100M\\nw\\n' | fdisk /dev/sdb 2>/dev/null | tail -3\n\
         printf 'd\\n1\\nd\\n2\\nw\\n' | fdisk /dev/sdb 2>&1 | tail -6; echo rc=$?\nlsblk -o NAME,SIZE,MOUNTPOINTS /dev/sdb\n",
        "Command (m for help): The partition table has been altered.\nSyncing disks.\n\n\
Command (m for help): The partition table has been altered.\n\
Failed to remove partition 1 from system: Device or resource busy\n\n\
The kernel still uses the old partitions. The new table will be used at the next reboot. \n\
Syncing disks.\n\nrc=0\n\
NAME    SIZE MOUNTPOINTS\nsdb       1G \n├─sdb1  200M /mnt\n└─sdb3  100M \n",
    );
}

/// fdisk's disk line is `size_to_human_string` with two decimals
/// (util-linux 2.38.1 on files of these sizes).
#[test]
fn fdisk_prints_the_disk_size_with_two_decimals() {
    check(
        Some("sdb=5000M,sdc=1G"),
        "fdisk -l /dev/sdb /dev/sdc | grep '^Disk /'\n",
        "Disk /dev/sdb: 4.88 GiB, 5242880000 bytes, 10240000 sectors\nDisk /dev/sdc: 1 GiB, 1073741824 bytes, 2097152 sectors\n",
    );
}

/// pvdisplay_full: extents that end exactly at the device's end (333M =
/// 1 MiB pe_start + 83 extents of 4 MiB) leave nothing "not usable"; a 1G
/// PV keeps the 4 MiB past its last extent (lvm2 2.03.16 on loop devices).
#[test]
fn pvdisplay_counts_not_usable_space_as_lvm2_does() {
    check(
        Some("sdb=333M,sdc=1G"),
        "pvcreate /dev/sdb /dev/sdc > /dev/null\nvgcreate tvg /dev/sdb /dev/sdc > /dev/null\npvdisplay | grep 'PV Size'\n",
        "  PV Size               333.00 MiB / not usable 0   \n  PV Size               1.00 GiB / not usable 4.00 MiB\n",
    );
}

/// `pvdisplay -C`, `vgdisplay -C` and `lvdisplay -C` are the reports (as
/// lvm2 2.03.16 prints them on loop devices), which take `--readonly`;
/// `lv_full_name` and `lv_active`.
#[test]
fn display_columns_are_the_reports() {
    check(
        Some("sdb=200M"),
        "pvcreate -q /dev/sdb\nvgcreate -q tvg /dev/sdb\nlvcreate -q -n l1 -L 20M tvg\nlvdisplay -C\nvgdisplay --columns --noheadings\npvdisplay -C --readonly\nlvdisplay -C -o lv_full_name,lv_active,lv_size tvg\n",
        "  Physical volume \"/dev/sdb\" successfully created.\n  Volume group \"tvg\" successfully created\n  Logical volume \"l1\" created.\n  LV   VG  Attr       LSize  Pool Origin Data%  Meta%  Move Log Cpy%Sync Convert\n  l1   tvg -wi-a----- 20.00m                                                    \n  tvg   1   1   0 wz--n- 196.00m 176.00m\n  PV         VG  Fmt  Attr PSize   PFree  \n  /dev/sdb   tvg lvm2 a--  196.00m 176.00m\n  LV     Active LSize \n  tvg/l1 active 20.00m\n",
    );
}

/// `-Z`/`--zero` with a snapshot or a thin LV: lvcreate's two refusals
/// (lvm2 2.03.16), before it looks for the VG.
#[test]
fn zeroing_snapshots_and_thin_lvs_is_refused() {
    check(
        None,
        "lvcreate -Zn -s -L 20M vg/lv1\necho $?\nlvcreate -Z n -s -l 10 vg/lv1\nlvcreate -Zn -V 1G -T vg/pool -n t\nlvcreate --zero n -V 1G --thinpool vg/pool -n t\n",
        "  Option --zero is unsupported with snapshots.\n  Run `lvcreate --help' for more information.\n3\n  Option --zero is unsupported with snapshots.\n  Run `lvcreate --help' for more information.\n  --zero is supported only with thin pool creation.\n  Run `lvcreate --help' for more information.\n  --zero is supported only with thin pool creation.\n  Run `lvcreate --help' for more information.\n",
    );
}

/// /dev/stdout and /dev/stderr name where descriptors 1 and 2 point at that
/// moment, as bash 5.2 shows on a terminal (a capture into a file cannot:
/// opening /dev/stdout there truncates the capture).
#[test]
fn dev_stdout_and_dev_stderr_are_the_streams() {
    check(
        Some("sdb=1G"),
        "echo err > /dev/stderr\necho out > /dev/stdout\necho both 2>/dev/stdout\nls /nope 2>/dev/stdout | tr a-z A-Z\n\
         echo x 1>/dev/stderr 2>/dev/null\necho y 2>/dev/null >/dev/stderr\necho z >> /dev/stderr 2>/dev/null | wc -c\n",
        "err\nout\nboth\nLS: CANNOT ACCESS '/NOPE': NO SUCH FILE OR DIRECTORY\nx\nz\n0\n",
    );
}

/// Globs in /dev match the device nodes, as on a real machine; `ls -l`
/// lines up major and minor numbers each in its own column (GNU ls).
#[test]
fn globs_find_device_nodes() {
    check(
        Some("sdb=1G,sdc=1G"),
        "ls /dev/sd*\nls -l /dev/sd?\nfor d in /dev/sd[bc]; do echo \"$d\"; done\necho /dev/nvme*\nls /dev/nope*\n",
        "/dev/sdb\n/dev/sdc\nbrw-rw---- 1 root disk 8, 16 Nov 25 09:00 /dev/sdb\nbrw-rw---- 1 root disk 8, 32 Nov 25 09:00 /dev/sdc\n/dev/sdb\n/dev/sdc\n/dev/nvme*\nls: cannot access '/dev/nope*': No such file or directory\n",
    );
    check(
        None,
        "ls -l /dev/sda /dev/sda1 /dev/nvme0n1\n",
        "brw-rw---- 1 root disk 259, 0 Nov 25 09:00 /dev/nvme0n1\nbrw-rw---- 1 root disk   8, 0 Nov 25 09:00 /dev/sda\nbrw-rw---- 1 root disk   8, 1 Nov 25 09:00 /dev/sda1\n",
    );
}

/// `$$` is the shell's process ID (the lab's one shell has a fixed one, so
/// a replay gives the same names), and `$!` is empty with no background job.
#[test]
fn special_parameters_dollar_and_bang() {
    check(
        Some("sdb=1G"),
        "echo \"pid=$$ bg=$!\"\ntmp=/tmp/x.$$; echo $tmp ${$}\necho \"$$$\" \\$$\n",
        "pid=1734 bg=\n/tmp/x.1734 1734\n1734$ $$\n",
    );
}

/// bash sets up redirections left to right: a `>` before a missing `<`
/// still makes its file, one after it is never opened.
#[test]
fn redirections_are_opened_left_to_right() {
    check(
        Some("sdb=1G"),
        "cat > o2 < /nonexist; ls o2\ncat < /nonexist > o3; ls o3\n",
        "bash: /nonexist: No such file or directory\no2\nbash: /nonexist: No such file or directory\nls: cannot access 'o3': No such file or directory\n",
    );
}

#[test]
fn a_syntax_error_leaves_status_2() {
    // As interactive bash 5.2 does (the lab's shell is interactive).
    check(
        Some("sdb=1G"),
        "if then\necho $?\n)\necho $?\ntrue\necho $?\n",
        "bash: syntax error near unexpected token `then'\n2\nbash: syntax error near unexpected token `)'\n2\n0\n",
    );
}

#[test]
fn file_names_what_a_device_holds() {
    // file 5.44's formats for an XFS superblock, an LVM2 label and a swap
    // area (checked against the real tool on loop devices); the UUIDs are
    // the lab's seeded ones.
    check(
        Some("sdb=1G,sdc=1G,sdd=100M"),
        "mkfs.xfs -q -L data /dev/sdb\npvcreate -q /dev/sdc\nmkswap -L sw1 /dev/sdd > /dev/null\nfile -s /dev/sdb /dev/sdc /dev/sdd /dev/sde\nfile /dev/sdb\n",
        "  Physical volume \"/dev/sdc\" successfully created.\n\
/dev/sdb: SGI XFS filesystem data (blksz 4096, inosz 512, v2 dirs)\n\
/dev/sdc: LVM2 PV (Linux Logical Volume Manager), UUID: VNwcJX-XYqF-Jobo-uBYD-nSDx-n2ae-xiSFvJ, size: 1073741824\n\
/dev/sdd: Linux swap file, 4k page size, little endian, version 1, size 25599 pages, 0 bad pages, LABEL=sw1, UUID=94baa0c4-82d8-489f-a02e-b3f1b8f8f0ad\n\
/dev/sde: cannot open `/dev/sde' (No such file or directory)\n\
/dev/sdb: block special (8/16)\n",
    );
}

#[test]
fn mkfs_asks_before_formatting_over_a_table_or_filesystem() {
    // mke2fs 1.47.0 on a terminal (`check_plausibility` with CHECK_FS_EXIST):
    // the texts and order as the real tool printed them under script(1).
    check(
        Some("sdb=1G,sdc=1G"),
        "parted -s /dev/sdb mklabel gpt\nmkfs.ext4 /dev/sdb\nn\necho $?\nmkfs.ext4 -q /dev/sdb\ny\nmkfs.ext4 -L data /dev/sdb\nno\nmkdir /mnt/d\nmount /dev/sdb /mnt/d\numount /mnt/d\nmkfs.ext4 -q -L x /dev/sdb\n\npvcreate -q /dev/sdc\nmkfs.ext4 -q /dev/sdc < /dev/null\nblkid -s TYPE /dev/sdc\nmkfs.ext4 -q -F /dev/sdc\n",
        "mke2fs 1.47.0 (5-Feb-2023)\nFound a gpt partition table in /dev/sdb\nProceed anyway? (y,N) \n1\n\
Found a gpt partition table in /dev/sdb\nProceed anyway? (y,N) \
mke2fs 1.47.0 (5-Feb-2023)\n/dev/sdb contains a ext4 file system\n\tcreated on Wed Nov 25 09:00:04 2026\nProceed anyway? (y,N) \n\
/dev/sdb contains a ext4 file system\n\tlast mounted on /mnt/d on Wed Nov 25 09:00:07 2026\nProceed anyway? (y,N) \n\
\x20 Physical volume \"/dev/sdc\" successfully created.\n/dev/sdc: TYPE=\"ext4\"\n\
/dev/sdc contains a ext4 file system\n\tcreated on Wed Nov 25 09:00:11 2026\n",
    );
}

#[test]
fn lvreduce_r_stops_at_the_filesystems_used_blocks() {
    // resize2fs refuses to shrink below the blocks in use (journal and
    // metadata too), fsadm fails, and lvreduce leaves the LV as it was.
    check(
        Some("sdb=1G"),
        "pvcreate -q /dev/sdb\nvgcreate -q vg0 /dev/sdb\nlvcreate -q -L 300M -n lv1 vg0\nmkfs.ext4 -q /dev/vg0/lv1\nlvreduce -r -L 12M vg0/lv1; echo $?\nlvs --noheadings -o lv_size vg0/lv1\n",
        "  Physical volume \"/dev/sdb\" successfully created.\n  Volume group \"vg0\" successfully created\n  Logical volume \"lv1\" created.\n\
fsck from util-linux 2.38.1\n/dev/mapper/vg0-lv1: clean, 11/76912 files, 29591/307200 blocks\n\
resize2fs 1.47.0 (5-Feb-2023)\nresize2fs: New size smaller than minimum (29591)\n\n\
\x20 /usr/sbin/fsadm failed: 1\n  Filesystem resize failed.\n5\n\
\x20 300.00m\n",
    );
}

#[test]
fn a_pv_under_a_new_partition_table_is_one_lvm2_no_longer_sees() {
    // libblkid takes a table in pvcreate's wiped area as newer (blkid shows
    // only PTTYPE), lvm2's filter rejects the partitioned disk, and wipefs
    // still finds the old label (checked against lvm2 2.03.16 on a loop
    // device by this stop's review).
    check(
        Some("sdb=1G"),
        "pvcreate -q /dev/sdb\nsfdisk -q /dev/sdb <<EOF\nlabel: dos\n,100M\nEOF\nblkid -s TYPE -s PTTYPE /dev/sdb\npvs\nvgcreate vg0 /dev/sdb; echo $?\nwipefs /dev/sdb\n",
        "  Physical volume \"/dev/sdb\" successfully created.\n/dev/sdb: PTTYPE=\"dos\"\n  Cannot use /dev/sdb: device is partitioned\n  Command requires all devices to be found.\n5\n\
DEVICE OFFSET TYPE        UUID                                   LABEL\n\
sdb    0x218  LVM2_member qlVNwc-JXXY-qFJo-bouB-YDnS-Dxn2-aexiSF \n\
sdb    0x1fe  dos                                                \n",
    );
}

#[test]
fn lvremove_processes_vgs_in_command_line_order() {
    // lvm2 2.03.16 on a loop device printed these lines, in this order, with
    // both streams on one pipe: a missing VG where the command line names it,
    // a VG's missing LV after its removals.
    check(
        Some("sdb=2G"),
        "pvcreate -q /dev/sdb\nvgcreate -q tv /dev/sdb\nlvcreate -q -n a -L 4M tv\nlvcreate -q -n b -L 4M tv\nlvremove -f bogus/x tv/a tv/zz\necho $?\nlvremove -f tv/b bogus/x\n",
        "  Physical volume \"/dev/sdb\" successfully created.
  Volume group \"tv\" successfully created
  Logical volume \"a\" created.
  Logical volume \"b\" created.
  Volume group \"bogus\" not found
  Cannot process volume group bogus
  Logical volume \"a\" successfully removed.
  Failed to find logical volume \"tv/zz\"
5
  Logical volume \"b\" successfully removed.
  Volume group \"bogus\" not found
  Cannot process volume group bogus
",
    );
}

#[test]
fn vgs_with_lv_fields_has_a_row_per_lv() {
    // lvm2 2.03.16 on two loop devices: LV fields make vgs report LVs (in
    // metadata order, so `a`, made last, comes last; a VG without LVs has
    // no row), segment fields its segments; --nosuffix takes the space
    // after a human-unit zero away.
    check(
        Some("sdb=2G,sdc=1G"),
        "pvcreate -q /dev/sdb /dev/sdc\nvgcreate -q tv /dev/sdb\nvgcreate -q ev /dev/sdc\n\
lvcreate -q -n b -L 200M tv\nlvcreate -q -n c -L 8M tv\nlvcreate -q -n a -L 8M tv\n\
vgs -o +lv_name\nvgs ev tv -o vg_name,lv_name,seg_size\nvgs -o vg_name,lv_name --nosuffix --units b -o +lv_size\n\
lvcreate -q -n full -l 100%FREE ev\nvgs --nosuffix\nvgs --units g\n",
        "  Physical volume \"/dev/sdb\" successfully created.
  Physical volume \"/dev/sdc\" successfully created.
  Volume group \"tv\" successfully created
  Volume group \"ev\" successfully created
  Logical volume \"b\" created.
  Logical volume \"c\" created.
  Logical volume \"a\" created.
  VG #PV #LV #SN Attr   VSize  VFree  LV  
  tv   1   3   0 wz--n- <2.00g <1.79g b   
  tv   1   3   0 wz--n- <2.00g <1.79g c   
  tv   1   3   0 wz--n- <2.00g <1.79g a   
  VG LV   SSize  
  tv b    200.00m
  tv c      8.00m
  tv a      8.00m
  VG LV   LSize    
  tv b    209715200
  tv c      8388608
  tv a      8388608
  Logical volume \"full\" created.
  VG #PV #LV #SN Attr   VSize    VFree 
  ev   1   1   0 wz--n- 1020.00m      0
  tv   1   3   0 wz--n-   <2.00g <1.79g
  VG #PV #LV #SN Attr   VSize VFree
  ev   1   1   0 wz--n- 1.00g    0g
  tv   1   3   0 wz--n- 2.00g 1.79g
",
    );
}

#[test]
fn displays_in_colon_form_and_in_the_order_named() {
    // lvm2 2.03.16 on loop devices of the same sizes (the UUIDs cut off):
    // `-c` lines as `pvdisplay_colons`, `vgdisplay_colons` and
    // `lvdisplay_colons` print them, here with the LVs active (device
    // numbers 253:N, as on a host with device-mapper); names processed in
    // the order given, a missing one reported in its turn (before what a
    // pipe holds back); lvcreate rounds the size before it reads the PV
    // list. Without device-mapper, lvm2 printed 0 and -1:-1 for the kernel's
    // fields, as the last command does.
    check(
        Some("sdb=2G,sdc=1G,sdd=100M,sde=20M"),
        "pvcreate -q /dev/sdb /dev/sdc\nvgcreate -q tv /dev/sdb\nvgcreate -q ev /dev/sdc\n\
lvcreate -q -n b -L 200M tv\nlvcreate -q -n c -L 8M tv\nlvcreate -q -n full -l 100%FREE ev\n\
lvcreate -n x -L 5M tv /dev/nope\n\
vgdisplay -c | cut -d: -f1-16\npvdisplay -c | cut -d: -f1-11\nlvdisplay -c\n\
vgdisplay -c tv nope | cut -d: -f1-16\npvcreate -q /dev/sdd\npvdisplay -c /dev/sdd | cut -d: -f1-11\n\
pvdisplay -c -m\nlvdisplay -c -m\nvgdisplay -c -s\necho $?\n\
pvdisplay -c /dev/sde /dev/sdb /dev/nope | cut -d: -f1-11\nlvdisplay -c tv/zz tv/b nope ev\necho $?\n\
vgdisplay -s ev nope tv\nlvdisplay -c --driverloaded n tv\n",
        "  Physical volume \"/dev/sdb\" successfully created.
  Physical volume \"/dev/sdc\" successfully created.
  Volume group \"tv\" successfully created
  Volume group \"ev\" successfully created
  Logical volume \"b\" created.
  Logical volume \"c\" created.
  Logical volume \"full\" created.
  Rounding up size to full physical extent 8.00 MiB
  Physical Volume \"/dev/nope\" not found in Volume Group \"tv\".
  ev:r/w:772:-1:0:1:0:-1:0:1:1:1044480:4096:255:255:0
  tv:r/w:772:-1:0:2:0:-1:0:1:1:2093056:4096:511:52:459
  /dev/sdc:ev:2097152:-1:8:8:-1:4096:255:0:255
  /dev/sdb:tv:4194304:-1:8:8:-1:4096:511:459:52
  /dev/ev/full:ev:3:1:-1:0:2088960:255:-1:0:-1:253:2
  /dev/tv/b:tv:3:1:-1:0:409600:50:-1:0:-1:253:0
  /dev/tv/c:tv:3:1:-1:0:16384:2:-1:0:-1:253:1
  Volume group \"nope\" not found
  Cannot process volume group nope
  tv:r/w:772:-1:0:2:0:-1:0:1:1:2093056:4096:511:52:459
  Physical volume \"/dev/sdd\" successfully created.
  \"/dev/sdd\" is a new physical volume of \"100.00 MiB\"
  /dev/sdd::204800:-1:0:0:-1:0:0:0:0
  Option -c not allowed with option -m
  Run `pvdisplay --help' for more information.
  Options -c and -m are incompatible.
  Run `lvdisplay --help' for more information.
  Option -c is not allowed with option -s
  Run `vgdisplay --help' for more information.
3
  Cannot use /dev/nope: device not found
  Failed to find physical volume \"/dev/sde\".
  /dev/sdb:tv:4194304:-1:8:8:-1:4096:511:459:52
  /dev/tv/b:tv:3:1:-1:0:409600:50:-1:0:-1:253:0
  Failed to find logical volume \"tv/zz\"
  Volume group \"nope\" not found
  Cannot process volume group nope
  /dev/ev/full:ev:3:1:-1:0:2088960:255:-1:0:-1:253:2
5
  \"ev\" 1020.00 MiB [1020.00 MiB used / 0    free]
  Volume group \"nope\" not found
  Cannot process volume group nope
  \"tv\" <2.00 GiB [208.00 MiB used / 1.79 GiB free]
  WARNING: Activation disabled. No device-mapper interaction will be attempted.
  /dev/tv/b:tv:3:0:-1:0:409600:50:-1:0:-1:-1:-1
  /dev/tv/c:tv:3:0:-1:0:16384:2:-1:0:-1:-1:-1
",
    );
}

#[test]
fn a_partition_shrunk_under_its_filesystem_is_caught() {
    // e2fsprogs 1.47.0 and the kernel on a loop device, the partition cut
    // from 600M to 300M under its ext4 (in this order, before any -p run,
    // which leaves the error flag that the lab does not keep).
    check(
        Some("sdb=1G"),
        "echo ',600M' | sfdisk -q /dev/sdb\nmkfs.ext4 -q /dev/sdb1\necho ',300M' | sfdisk -q /dev/sdb\n\
e2fsck -f -y /dev/sdb1\necho rc=$?\ne2fsck -n /dev/sdb1\necho rc=$?\nmount /dev/sdb1 /mnt\necho rc=$?\ne2fsck -f -p /dev/sdb1\necho rc=$?\n",
        "Partition #1 contains a ext4 signature.
e2fsck 1.47.0 (5-Feb-2023)
The filesystem size (according to the superblock) is 153600 blocks
The physical size of the device is 76800 blocks
Either the superblock or the partition table is likely to be corrupt!
Abort? yes

rc=8
e2fsck 1.47.0 (5-Feb-2023)
The filesystem size (according to the superblock) is 153600 blocks
The physical size of the device is 76800 blocks
Either the superblock or the partition table is likely to be corrupt!
Abort? no

/dev/sdb1 contains a file system with errors, check forced.
Pass 1: Checking inodes, blocks, and sizes
Pass 2: Checking directory structure
Pass 3: Checking directory connectivity
Pass 4: Checking reference counts
Pass 5: Checking group summary information
/dev/sdb1: 11/38400 files (0.0% non-contiguous), 6740/153600 blocks
rc=0
mount: /mnt: wrong fs type, bad option, bad superblock on /dev/sdb1, missing codepage or helper program, or other error.
       dmesg(1) may have more information after failed mount system call.
rc=32
/dev/sdb1: The filesystem size (according to the superblock) is 153600 blocks
The physical size of the device is 76800 blocks
Either the superblock or the partition table is likely to be corrupt!


/dev/sdb1: UNEXPECTED INCONSISTENCY; RUN fsck MANUALLY.
\t(i.e., without -a or -p options)
rc=4
",
    );
}

#[test]
fn e2fsck_names_what_it_found_instead_of_ext4() {
    // e2fsprogs 1.47.0 on loop devices, after its "superblock could not be
    // read" advice (`check_plausibility`).
    let script = "mkfs.xfs -q /dev/sdb\necho ',100M' | sfdisk -q /dev/sdc\nmkswap -q /dev/sdd\nfor d in /dev/sdb /dev/sdc /dev/sdd; do e2fsck -n $d; done\n";
    let disks = Some("sdb=600M,sdc=600M,sdd=600M");
    check_lines(disks, script, " file system", &["/dev/sdb contains a xfs file system", "/dev/sdd contains a swap file system"]);
    check_lines(disks, script, "partition table in", &["Found a dos partition table in /dev/sdc"]);
}

#[test]
fn swapon_summary_is_proc_swaps() {
    // util-linux 2.38.1 on a 200M loop device: `swapon -s` prints
    // /proc/swaps as it stands.
    check(
        Some("sdd=200M"),
        "mkswap -q /dev/sdd\nswapon /dev/sdd\nswapon -s\n",
        "Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority\n/dev/sdd                                partition\t204796\t\t0\t\t-2\n",
    );
}


#[test]
fn blockdev_and_findfs_answer_as_util_linux() {
    // util-linux 2.38.1 on a 600M loop device (the loop's read-ahead and
    // block size left out: a loop device's are not a disk's).
    check(
        Some("sdb=600M"),
        "for o in --getsize64 --getsz --getss --getpbsz --getiomin --getioopt --getro --getalignoff --getsize; do echo \"$o: $(blockdev $o /dev/sdb)\"; done\nblockdev --getsize64 /dev/nope\necho rc=$?\nblockdev\necho rc=$?\nblockdev --bogus /dev/sdb\necho rc=$?\nblockdev --getsize64 /dev/sdb /dev/sdb\nblockdev --getsz --getss /dev/sdb\nmkfs.ext4 -q -L lbl /dev/sdb\nfindfs LABEL=lbl\nfindfs LABEL=nope\necho rc=$?\nfindfs UUID=$(blkid -s UUID -o value /dev/sdb)\nfindfs bogus\necho rc=$?\nfindfs\necho rc=$?\n",
        "--getsize64: 629145600
--getsz: 1228800
--getss: 512
--getpbsz: 512
--getiomin: 512
--getioopt: 0
--getro: 0
--getalignoff: 0
--getsize: 1228800
blockdev: cannot open /dev/nope: No such file or directory
rc=1
blockdev: not enough arguments
Try 'blockdev --help' for more information.
rc=1
blockdev: Unknown command: --bogus
Try 'blockdev --help' for more information.
rc=1
629145600
629145600
1228800
512
/dev/sdb
findfs: unable to resolve 'LABEL=nope'
rc=1
/dev/sdb
bogus
rc=0
findfs: bad usage
Try 'findfs --help' for more information.
rc=2
",
    );
}

#[test]
fn parted_in_script_mode_without_a_command_does_nothing() {
    // GNU parted 3.5 on a loop device: `parted -s DEV` prints nothing and
    // exits 0.
    check(Some("sdb=100M"), "parted -s /dev/sdb\necho rc=$?\n", "rc=0\n");
}

/// resize2fs refuses a filesystem mounted since its last full check
/// (`s_lastcheck < s_mtime`) until `e2fsck -f` has run or `-f` forces it;
/// a filesystem already larger than its LV (lvreduce without -r) fails
/// mid-resize. Checked against resize2fs 1.47.0 on loop devices.
#[test]
fn resize2fs_wants_a_fresh_check_and_a_whole_filesystem() {
    check(
        Some("sdb=1G,sdc=2G"),
        "mkfs.ext4 -q /dev/sdb\nmkdir -p /mnt/a\nmount /dev/sdb /mnt/a\numount /mnt/a\nresize2fs /dev/sdb 300M; echo rc=$?\n\
         resize2fs -f /dev/sdb 400M; echo rc=$?\ne2fsck -f -y /dev/sdb >/dev/null; echo rc=$?\nresize2fs /dev/sdb 300M; echo rc=$?\n\
         pvcreate -q /dev/sdc\nvgcreate -q vg /dev/sdc\nlvcreate -q -L 1G -n lv vg\nmkfs.ext4 -q /dev/vg/lv\nlvreduce -f -L 500M vg/lv >/dev/null 2>&1\n\
         resize2fs /dev/vg/lv; echo rc=$?\n",
        "resize2fs 1.47.0 (5-Feb-2023)
Please run 'e2fsck -f /dev/sdb' first.

rc=1
resize2fs 1.47.0 (5-Feb-2023)
Resizing the filesystem on /dev/sdb to 102400 (4k) blocks.
The filesystem on /dev/sdb is now 102400 (4k) blocks long.

rc=0
e2fsck 1.47.0 (5-Feb-2023)
rc=0
resize2fs 1.47.0 (5-Feb-2023)
Resizing the filesystem on /dev/sdb to 76800 (4k) blocks.
The filesystem on /dev/sdb is now 76800 (4k) blocks long.

rc=0
  Physical volume \"/dev/sdc\" successfully created.
  Volume group \"vg\" successfully created
  Logical volume \"lv\" created.
resize2fs 1.47.0 (5-Feb-2023)
resize2fs: Invalid argument while trying to resize /dev/vg/lv
Please run 'e2fsck -fy /dev/vg/lv' to fix the filesystem
after the aborted resize operation.
Resizing the filesystem on /dev/vg/lv to 128000 (4k) blocks.
rc=1
",
    );
}

/// The kernel knows no filesystem called LVM2_member (or zfs_member, or
/// swap): mount names the type blkid found.
#[test]
fn mounting_a_physical_volume_names_its_type() {
    check(
        Some("sdb=1G"),
        "pvcreate -q /dev/sdb >/dev/null\nmkdir -p /mnt/a\nmount /dev/sdb /mnt/a; echo rc=$?\n",
        "mount: /mnt/a: unknown filesystem type 'LVM2_member'.
       dmesg(1) may have more information after failed mount system call.
rc=32
",
    );
}

/// lvm2's partition filter (`_has_partition_table`) rejects a disk whose
/// MBR has a used entry: a GPT's protective one counts, an empty DOS label
/// does not, so that PV stays. Checked with lvm2 2.03.16 on loop devices.
#[test]
fn an_empty_dos_label_keeps_the_pv_an_empty_gpt_hides_it() {
    check(
        Some("sdb=1G,sdc=1G"),
        "pvcreate -q /dev/sdb\nprintf 'o\\nw\\n' | fdisk /dev/sdb >/dev/null 2>&1\npvs\npvcreate -q /dev/sdc\nprintf 'g\\nw\\n' | fdisk /dev/sdc >/dev/null 2>&1\npvs\n",
        "  Physical volume \"/dev/sdb\" successfully created.
  PV         VG Fmt  Attr PSize PFree
  /dev/sdb      lvm2 ---  1.00g 1.00g
  Physical volume \"/dev/sdc\" successfully created.
  PV         VG Fmt  Attr PSize PFree
  /dev/sdb      lvm2 ---  1.00g 1.00g
",
    );
}

/// /etc/fstab as `mount -a [-v] [-t]`, `mount DIR` and `mount DEV` read it:
/// tags, `nofail`, `auto`, a line libmount cannot parse, a missing mount
/// point, exit statuses 0, 1, 32 and 64, and `umount` of several mounts.
/// Captured with util-linux 2.38.1 on loop devices, in a mount namespace
/// whose /etc/fstab started empty.
#[test]
fn mount_a_reads_etc_fstab() {
    check(
        Some("sdb=100M,sdc=100M"),
        r#"mkfs.ext4 -q -L data -U 11111111-2222-3333-4444-555555555555 /dev/sdb
mkfs.ext4 -q /dev/sdc
mkdir -p /mnt/a /mnt/b /mnt/c
mount -a; echo rc=$?
mount /mnt/a; echo rc=$?
echo '/dev/sdb /mnt/a ext4 defaults 0 2' >> /etc/fstab
echo 'UUID=11111111-2222-3333-4444-555555555555 /mnt/b ext4 defaults,nofail 0 2' >> /etc/fstab
echo 'LABEL=nolabel /mnt/c ext4 defaults 0 2' >> /etc/fstab
echo '/dev/sdc /mnt/nodir ext4 defaults 0 2' >> /etc/fstab
echo '/dev/sdc /mnt/c auto defaults,nofail,x-systemd.device-timeout=5 0 2' >> /etc/fstab
echo 'UUID=abc /mnt/c ext4 defaults,nofail 0 2' >> /etc/fstab
echo 'two fields' >> /etc/fstab
mount -av; echo rc=$?
findmnt -n -o TARGET,SOURCE /mnt/a
findmnt -n -o TARGET,SOURCE /mnt/c
mount -a; echo rc=$?
umount /mnt/a /mnt/b /mnt/c
mount -a -t ext4 -v; echo rc=$?
umount /mnt/a; umount /mnt/b; umount /mnt/c
mount -av -t noext4; echo rc=$?
mount /mnt/a/; echo rc=$?
mount /dev/sdc; echo rc=$?
mount LABEL=data /mnt/b; echo rc=$?
mount LABEL=nothere /mnt/b; echo rc=$?
mount /dev/sdz9 /mnt/nodir; echo rc=$?
mount /dev/sdz9 /mnt/c; echo rc=$?
mount /mnt/zz; echo rc=$?
umount /mnt/a; umount /mnt/b; umount /mnt/c
printf '/dev/sdb /mnt/nodir ext4 defaults 0 2\n' > /etc/fstab
mount -a; echo rc=$?
"#,
        r#"rc=0
mount: /mnt/a: can't find in /etc/fstab.
rc=1
mount: /etc/fstab: parse error at line 7 -- ignored
mount: /mnt/c: can't find LABEL=nolabel.
mount: /mnt/nodir: mount point does not exist.
       dmesg(1) may have more information after failed mount system call.
/mnt/a                   : successfully mounted
/mnt/b                   : successfully mounted
/mnt/c                   : successfully mounted
rc=64
/mnt/a /dev/sdb
/mnt/c /dev/sdc
mount: /etc/fstab: parse error at line 7 -- ignored
mount: /mnt/c: can't find LABEL=nolabel.
mount: /mnt/nodir: mount point does not exist.
       dmesg(1) may have more information after failed mount system call.
rc=64
mount: /etc/fstab: parse error at line 7 -- ignored
mount: /mnt/c: can't find LABEL=nolabel.
mount: /mnt/nodir: mount point does not exist.
       dmesg(1) may have more information after failed mount system call.
/mnt/a                   : successfully mounted
/mnt/b                   : successfully mounted
/mnt/c                   : ignored
rc=64
umount: /mnt/c: not mounted.
mount: /etc/fstab: parse error at line 7 -- ignored
/mnt/a                   : ignored
/mnt/b                   : ignored
/mnt/c                   : ignored
/mnt/nodir               : ignored
/mnt/c                   : successfully mounted
/mnt/c                   : ignored
rc=0
mount: /etc/fstab: parse error at line 7 -- ignored
rc=0
mount: /etc/fstab: parse error at line 7 -- ignored
mount: /mnt/nodir: mount point does not exist.
       dmesg(1) may have more information after failed mount system call.
rc=32
rc=0
mount: /mnt/b: can't find LABEL=nothere.
rc=1
mount: /mnt/nodir: mount point does not exist.
       dmesg(1) may have more information after failed mount system call.
rc=32
mount: /mnt/c: special device /dev/sdz9 does not exist.
       dmesg(1) may have more information after failed mount system call.
rc=32
mount: /etc/fstab: parse error at line 7 -- ignored
mount: /mnt/zz: can't find in /etc/fstab.
rc=1
mount: /mnt/nodir: mount point does not exist.
       dmesg(1) may have more information after failed mount system call.
rc=32
"#,
    );
}

/// Proxmox VE's installer writes the root LV, the ESP by its UUID, swap and
/// proc; `mount -av` finds them all mounted or not its business.
#[test]
fn the_lab_host_has_the_installers_fstab() {
    check(
        None,
        "cat /etc/fstab\nmount -av; echo rc=$?\n",
        "# <file system> <mount point> <type> <options> <dump> <pass>
/dev/pve/root / ext4 errors=remount-ro 0 1
UUID=FAD9-8D7F /boot/efi vfat defaults 0 1
/dev/pve/swap none swap sw 0 0
proc /proc proc defaults 0 0
/                        : ignored
/boot/efi                : already mounted
none                     : ignored
/proc                    : already mounted
rc=0
",
    );
}

/// Once it has opened a filesystem with a label, e2fsck names it by the
/// label (`ctx->device_name`). Captured with e2fsprogs 1.47.0 on a loop device.
#[test]
fn e2fsck_names_a_labelled_filesystem_by_its_label() {
    check(
        Some("sdb=100M"),
        "mkfs.ext4 -q -L data /dev/sdb\ne2fsck -n /dev/sdb\ne2fsck -fn /dev/sdb\ne2fsck -p /dev/sdb\ne2fsck -fp /dev/sdb\n",
        "e2fsck 1.47.0 (5-Feb-2023)
data: clean, 11/25584 files, 12081/102400 blocks
e2fsck 1.47.0 (5-Feb-2023)
Pass 1: Checking inodes, blocks, and sizes
Pass 2: Checking directory structure
Pass 3: Checking directory connectivity
Pass 4: Checking reference counts
Pass 5: Checking group summary information
data: 11/25584 files (0.0% non-contiguous), 12081/102400 blocks
data: clean, 11/25584 files, 12081/102400 blocks
data: 11/25584 files (0.0% non-contiguous), 12081/102400 blocks
",
    );
}

/// lvm2 refuses an option given twice unless it counts (-v, -q, -f) or
/// groups (-o, -O, -S): "Option -n/--name may not be repeated.", status 3.
/// The messages were checked with lvm2 2.03.16 on a loop device.
#[test]
fn lvm_refuses_a_repeated_option() {
    check(
        Some("sdb=100M"),
        r#"pvcreate -q /dev/sdb
vgcreate -q rvq /dev/sdb
lvcreate -n a -n b -L 8M rvq; echo rc=$?
lvcreate --name a -n b -L 8M rvq; echo rc=$?
lvcreate -y -y -n c -L 8M rvq; echo rc=$?
lvcreate --type linear --type linear -n c -L 8M rvq; echo rc=$?
lvs -a -a rvq; echo rc=$?
lvs --units m --units g rvq; echo rc=$?
lvextend -n -n -L+4M rvq/a; echo rc=$?
lvcreate -L8M -L 8M -n x -x rvq; echo rc=$?
lvs -o name -o size rvq; echo rc=$?
lvcreate -q -q -n ok -L 8M rvq; echo rc=$?
"#,
        r#"  Physical volume "/dev/sdb" successfully created.
  Volume group "rvq" successfully created
  Option -n/--name may not be repeated.
  Error during parsing of command line.
rc=3
  Option -n/--name may not be repeated.
  Error during parsing of command line.
rc=3
  Option -y/--yes may not be repeated.
  Error during parsing of command line.
rc=3
  Option --type may not be repeated.
  Error during parsing of command line.
rc=3
  Option -a/--all may not be repeated.
  Error during parsing of command line.
rc=3
  Option --units may not be repeated.
  Error during parsing of command line.
rc=3
  Option -n/--nofsck may not be repeated.
  Error during parsing of command line.
rc=3
  Option -L/--size may not be repeated.
  Error during parsing of command line.
rc=3
rc=0
rc=0
"#,
    );
}

/// A percentage with PVs named is cut to what those PVs have free
/// (`approx_alloc`), and a full PV named is refused. Checked with lvm2
/// 2.03.16 on loop devices (the Devices column there is wider).
#[test]
fn lvcreate_percent_on_named_pvs_takes_what_they_have() {
    check(
        Some("sdb=100M,sdc=1G,sdd=1G"),
        r#"pvcreate -q /dev/sdc /dev/sdd
vgcreate -q vg /dev/sdc /dev/sdd
lvcreate -l 100%FREE -n y vg /dev/sdd; echo rc=$?
lvs -o lv_name,lv_size,devices vg
lvcreate -l 100%PVS -n w vg /dev/sdd; echo rc=$?
lvcreate -l 50%VG -n v vg /dev/sdc; echo rc=$?
lvcreate -l 100%FREE -n u vg /dev/sdc; echo rc=$?
lvs -o lv_name,lv_size,devices vg
"#,
        r#"  Physical volume "/dev/sdc" successfully created.
  Physical volume "/dev/sdd" successfully created.
  Volume group "vg" successfully created
  Logical volume "y" created.
rc=0
  LV   LSize    Devices    
  y    1020.00m /dev/sdd(0)
  WARNING: No free extents on physical volume "/dev/sdd".
  No specified PVs have space available.
rc=5
  Logical volume "v" created.
rc=0
  WARNING: No free extents on physical volume "/dev/sdc".
  No specified PVs have space available.
rc=5
  LV   LSize    Devices    
  v    1020.00m /dev/sdc(0)
  y    1020.00m /dev/sdd(0)
"#,
    );
}

/// A type or option attached to its flag (`-text4`) is not `-a`: the
/// device is mounted, not /etc/fstab.
#[test]
fn an_attached_mount_type_is_not_mount_all() {
    check(
        Some("sdb=100M"),
        "mkfs.ext4 -q /dev/sdb\nmkdir /mnt/a\nmount -text4 /dev/sdb /mnt/a; echo rc=$?\nfindmnt -n /mnt/a\n",
        "rc=0\n/mnt/a /dev/sdb ext4   rw,relatime\n",
    );
}

/// Checked against parted 3.5 on loop devices: a filesystem on the whole
/// disk reads as libparted's `loop` label with one partition; an LVM PV
/// there is no filesystem parted knows, so the label stays unknown.
#[test]
fn parted_prints_a_whole_disk_filesystem_as_a_loop_label() {
    check(
        Some("sdb=2G,sdc=1G"),
        r#"mkfs.ext4 -q /dev/sdb
parted -s /dev/sdb unit MiB print free
parted -s /dev/sdb unit B print
parted -s /dev/sdb unit % print
mkswap -q /dev/sdc
parted -s /dev/sdc print
pvcreate -y -q /dev/sdc
parted -s /dev/sdc print
"#,
        r#"Model: ATA Generic SCSI (scsi)
Disk /dev/sdb: 2048MiB
Sector size (logical/physical): 512B/512B
Partition Table: loop
Disk Flags: 

Number  Start    End      Size     File system  Flags
 1      0.00MiB  2048MiB  2048MiB  ext4

Model: ATA Generic SCSI (scsi)
Disk /dev/sdb: 2147483648B
Sector size (logical/physical): 512B/512B
Partition Table: loop
Disk Flags: 

Number  Start  End          Size         File system  Flags
 1      0B     2147483647B  2147483648B  ext4

Model: ATA Generic SCSI (scsi)
Disk /dev/sdb: 100%
Sector size (logical/physical): 512B/512B
Partition Table: loop
Disk Flags: 

Number  Start  End   Size  File system  Flags
 1      0.00%  100%  100%  ext4

Model: ATA Generic SCSI (scsi)
Disk /dev/sdc: 1074MB
Sector size (logical/physical): 512B/512B
Partition Table: loop
Disk Flags: 

Number  Start  End     Size    File system     Flags
 1      0.00B  1074MB  1074MB  linux-swap(v1)

  Wiping swap signature on /dev/sdc.
  Physical volume "/dev/sdc" successfully created.
Error: /dev/sdc: unrecognised disk label
Model: ATA Generic SCSI (scsi)
Disk /dev/sdc: 1074MB
Sector size (logical/physical): 512B/512B
Partition Table: unknown
Disk Flags: 
"#,
    );
}

/// lvm2 2.03.16 (the thin VG's metadata restored into the real tools with
/// vgcfgrestore, as there is no device-mapper here): removing the last
/// pool takes its spare metadata LV along, so `vgremove -f` removes the VG
/// in one go. An active swap LV is open but holds no mounted filesystem,
/// so `lv_check_not_in_use` calls it "in use" (lib/activate/activate.c).
#[test]
fn vgremove_takes_a_thin_pool_and_its_spare_and_stops_at_swap() {
    check(
        Some("sdb=2G,sdc=2G"),
        r#"pvcreate /dev/sdb /dev/sdc
vgcreate vg0 /dev/sdb /dev/sdc
lvcreate -L 1G -T vg0/pool
lvcreate -V 2G -T vg0/pool -n thin1
lvcreate -L 100M -n data vg0
vgremove -f vg0
vgs
"#,
        r#"  Physical volume "/dev/sdb" successfully created.
  Physical volume "/dev/sdc" successfully created.
  Volume group "vg0" successfully created
  Thin pool volume with chunk size 64.00 KiB can address at most <15.88 TiB of data.
  Logical volume "pool" created.
  WARNING: Sum of all thin volume sizes (2.00 GiB) exceeds the size of thin pool vg0/pool (1.00 GiB).
  WARNING: You have not turned on protection against thin pools running out of space.
  WARNING: Set activation/thin_pool_autoextend_threshold below 100 to trigger automatic extension of thin pools before they get full.
  Logical volume "thin1" created.
  Logical volume "data" created.
  Logical volume "thin1" successfully removed.
  Logical volume "pool" successfully removed.
  Logical volume "data" successfully removed.
  Volume group "vg0" successfully removed
"#,
    );
    check(None, "vgremove -f pve\necho $?\n", "  Logical volume \"data\" successfully removed.\n  Logical volume pve/swap in use.\n5\n");
}

/// Checked against util-linux 2.38.1 on loop devices: blkid without
/// devices (and `-t`) skips a whole disk that has partitions, even after
/// it was probed by name, as libblkid's probe-all does.
#[test]
fn blkid_lists_partitions_not_their_disk() {
    check(Some("sdb=1G,sdc=1G"), r#"parted -s /dev/sdc mklabel msdos mkpart primary 1MiB 100MiB
blkid
blkid /dev/sdc
blkid
blkid -t PTTYPE=dos
"#, r#"/dev/sdc1: PARTUUID="9e806dfd-01"
/dev/sdc: PTUUID="9e806dfd" PTTYPE="dos"
/dev/sdc1: PARTUUID="9e806dfd-01"
"#);
}

/// util-linux 2.38.1: `swapoff -a` turns off every swap area silently, and
/// `-v` names each as /proc/swaps does (a loop device's swap, checked on
/// this machine); the host's own swap LV may go and come back.
#[test]
fn swapoff_all_turns_off_the_hosts_swap() {
    check(None, r#"swapoff -av
echo $?
swapon --show
swapon /dev/pve/swap
swapon --show
swapoff -v /dev/pve/swap
swapoff -a
echo $?
"#, r#"swapoff /dev/dm-0
0
NAME      TYPE      SIZE USED PRIO
/dev/dm-0 partition   8G   0B   -2
swapoff /dev/pve/swap
0
"#);
}

/// Checked against util-linux 2.38.1's fsck and e2fsprogs 1.47.0's e2label
/// on loop devices: fsck runs the type's checker (e2fsck named fsck.ext4,
/// fsck.ext2 when blkid finds nothing, fsck.xfs's note) and skips swap;
/// e2label reads and writes the superblock's 16-byte label.
#[test]
fn fsck_and_e2label_match_util_linux_and_e2fsprogs() {
    check(Some("sdb=1G,sdc=256M"), r#"mkfs.ext4 -q -L data /dev/sdb
fsck -n /dev/sdb
echo "rc=$?"
fsck -fn /dev/sdb
echo "rc=$?"
fsck -p /dev/sdb
echo "rc=$?"
fsck -a /dev/sdb
echo "rc=$?"
fsck -y -f /dev/sdb
echo "rc=$?"
fsck -N /dev/sdb
echo "rc=$?"
fsck
echo "rc=$?"
e2label /dev/sdb
echo "rc=$?"
e2label /dev/sdb newlab
echo "rc=$?"
e2label /dev/sdb
blkid /dev/sdb | grep -o 'LABEL="[^"]*"'
e2label /dev/sdb 0123456789abcdefXYZ
echo "rc=$?"
e2label /dev/sdb
e2label /dev/sdb a b
echo "rc=$?"
e2label
echo "rc=$?"
e2label /dev/nonexist
echo "rc=$?"
fsck -n /dev/sdc
echo "rc=$?"
e2label /dev/sdc
echo "rc=$?"
mkswap -q /dev/sdc
fsck -n /dev/sdc
echo "rc=$?"
e2label /dev/sdc
echo "rc=$?"
mkfs.xfs -q -f /dev/sdc
fsck /dev/sdc
echo "rc=$?"
fsck -f /dev/sdc
echo "rc=$?"
e2label /dev/sdc
echo "rc=$?"
e2fsck -fn /dev/sdb
"#, r#"fsck from util-linux 2.38.1
e2fsck 1.47.0 (5-Feb-2023)
data: clean, 11/65536 files, 12955/262144 blocks
rc=0
fsck from util-linux 2.38.1
e2fsck 1.47.0 (5-Feb-2023)
Pass 1: Checking inodes, blocks, and sizes
Pass 2: Checking directory structure
Pass 3: Checking directory connectivity
Pass 4: Checking reference counts
Pass 5: Checking group summary information
data: 11/65536 files (0.0% non-contiguous), 12955/262144 blocks
rc=0
fsck from util-linux 2.38.1
data: clean, 11/65536 files, 12955/262144 blocks
rc=0
fsck from util-linux 2.38.1
data: clean, 11/65536 files, 12955/262144 blocks
rc=0
fsck from util-linux 2.38.1
e2fsck 1.47.0 (5-Feb-2023)
Pass 1: Checking inodes, blocks, and sizes
Pass 2: Checking directory structure
Pass 3: Checking directory connectivity
Pass 4: Checking reference counts
Pass 5: Checking group summary information
data: 11/65536 files (0.0% non-contiguous), 12955/262144 blocks
rc=0
fsck from util-linux 2.38.1
[/usr/sbin/fsck.ext4 (1) -- /dev/sdb] fsck.ext4 /dev/sdb 
rc=0
fsck from util-linux 2.38.1
rc=0
data
rc=0
rc=0
newlab
LABEL="newlab"
Warning: label too long, truncating.
rc=0
0123456789abcdef
Usage: e2label device [newlabel]
rc=1
Usage: e2label device [newlabel]
rc=1
e2label: No such file or directory while trying to open /dev/nonexist
Couldn't find valid filesystem superblock.
rc=1
fsck from util-linux 2.38.1
e2fsck 1.47.0 (5-Feb-2023)
ext2fs_open2: Bad magic number in super-block
fsck.ext2: Superblock invalid, trying backup blocks...
fsck.ext2: Bad magic number in super-block while trying to open /dev/sdc

The superblock could not be read or does not describe a valid ext2/ext3/ext4
filesystem.  If the device is valid and it really contains an ext2/ext3/ext4
filesystem (and not swap or ufs or something else), then the superblock
is corrupt, and you might try running e2fsck with an alternate superblock:
    e2fsck -b 8193 <device>
 or
    e2fsck -b 32768 <device>

rc=8
e2label: Bad magic number in super-block while trying to open /dev/sdc
rc=1
fsck from util-linux 2.38.1
rc=0
e2label: Bad magic number in super-block while trying to open /dev/sdc
/dev/sdc contains a swap file system
rc=1
Filesystem must be larger than 300MB.
Usage: mkfs.xfs
/* blocksize */		[-b size=num]
/* config file */	[-c options=xxx]
/* metadata */		[-m crc=0|1,finobt=0|1,uuid=xxx,rmapbt=0|1,reflink=0|1,
			    inobtcount=0|1,bigtime=0|1]
/* data subvol */	[-d agcount=n,agsize=n,file,name=xxx,size=num,
			    (sunit=value,swidth=value|su=num,sw=num|noalign),
			    sectsize=num
/* force overwrite */	[-f]
/* inode size */	[-i perblock=n|size=num,maxpct=n,attr=0|1|2,
			    projid32bit=0|1,sparse=0|1,nrext64=0|1]
/* no discard */	[-K]
/* log subvol */	[-l agnum=n,internal,size=num,logdev=xxx,version=n
			    sunit=value|su=num,sectsize=num,lazy-count=0|1]
/* label */		[-L label (maximum 12 characters)]
/* naming */		[-n size=num,version=2|ci,ftype=0|1]
/* no-op info only */	[-N]
/* prototype file */	[-p fname]
/* quiet */		[-q]
/* realtime subvol */	[-r extsize=num,size=num,rtdev=xxx]
/* sectorsize */	[-s size=num]
/* version */		[-V]
			devicename
<devicename> is required unless -d name=xxx is given.
<num> is xxx (bytes), xxxs (sectors), xxxb (fs blocks), xxxk (xxx KiB),
      xxxm (xxx MiB), xxxg (xxx GiB), xxxt (xxx TiB) or xxxp (xxx PiB).
<value> is xxx (512 byte blocks).
fsck from util-linux 2.38.1
rc=0
fsck from util-linux 2.38.1
rc=0
e2label: Bad magic number in super-block while trying to open /dev/sdc
/dev/sdc contains a swap file system
rc=1
e2fsck 1.47.0 (5-Feb-2023)
Pass 1: Checking inodes, blocks, and sizes
Pass 2: Checking directory structure
Pass 3: Checking directory connectivity
Pass 4: Checking reference counts
Pass 5: Checking group summary information
0123456789abcdef: 11/65536 files (0.0% non-contiguous), 12955/262144 blocks
"#);
}

/// lvm2 2.03.16: `lvm COMMAND` runs the command (as `lvm pvs`), and a word
/// that names none is refused with status 2 (checked with the real lvm).
#[test]
fn lvm_runs_the_command_it_is_given() {
    check(None, "lvm foo\necho $?\nlvm pvs\nlvm vgs --noheadings -o vg_name\n", "  No such command.  Try 'lvm help'.\n2\n  PV         VG  Fmt  Attr PSize    PFree \n  /dev/sda3  pve lvm2 a--  <127.00g 16.00g\n  pve\n");
}

/// util-linux 2.38.1's mkswap names a missing device in its own words
/// (checked with the real mkswap), not mke2fs's.
#[test]
fn mkswap_on_a_missing_device() {
    check(None, "mkswap /dev/sdz\necho $?\n", "mkswap: cannot open /dev/sdz: No such file or directory\n1\n");
}

/// Checked against util-linux 2.38.1 on a loop device: `umount -v` names an
/// absolute mount point as given (libmount's fast path) and otherwise the
/// target with its source; a relative path or a trailing slash names the
/// mount point too.
#[test]
fn umount_verbose_and_relative_mount_points() {
    check(Some("sdb=256M"), r#"mkfs.ext4 -q /dev/sdb
mkdir -p /tmp/um/m1
mount /dev/sdb /tmp/um/m1
umount -v /dev/sdb
mount /dev/sdb /tmp/um/m1
umount -v /tmp/um/m1/
mount /dev/sdb /tmp/um/m1
cd /tmp/um
umount -v m1
umount -v m1
echo "status $?"
mount /dev/sdb /tmp/um/m1
umount -v /tmp/um/m1
mount /dev/sdb /tmp/um/m1
umount -vl /tmp/um/m1
mount /dev/sdb /tmp/um/m1
umount --verbose /tmp/um/m1
cd /
rm -r /tmp/um
"#, r#"umount: /tmp/um/m1 (/dev/sdb) unmounted
umount: /tmp/um/m1/ unmounted
umount: /tmp/um/m1 (/dev/sdb) unmounted
umount: m1: not mounted.
status 32
umount: /tmp/um/m1 unmounted
umount: /tmp/um/m1 (/dev/sdb) unmounted
umount: /tmp/um/m1 unmounted
"#);
}

/// util-linux 2.38.1 (checked on a loop device): a type no kernel module
/// provides fails the mount call with "unknown filesystem type", even for a
/// missing device; a missing mount point is found first, and a known type
/// that does not fit gets the usual "wrong fs type".
#[test]
fn mount_with_an_unknown_filesystem_type() {
    check(
        Some("sdb=64M"),
        "mkfs.ext4 -q /dev/sdb\nmkdir /m1\nmount -t foo /dev/sdb /m1\necho $?\nmount -t foo /dev/sdz /m1\nmount -t foo /dev/sdb /nope\nmount -t xfs /dev/sdb /m1\n",
        "mount: /m1: unknown filesystem type 'foo'.\n       dmesg(1) may have more information after failed mount system call.\n32\n\
mount: /m1: unknown filesystem type 'foo'.\n       dmesg(1) may have more information after failed mount system call.\n\
mount: /nope: mount point does not exist.\n       dmesg(1) may have more information after failed mount system call.\n\
mount: /m1: wrong fs type, bad option, bad superblock on /dev/sdb, missing codepage or helper program, or other error.\n       dmesg(1) may have more information after failed mount system call.\n",
    );
}

/// util-linux 2.38.1: swapon and swapoff take `-L`, `-U`, `LABEL=` and
/// `UUID=` for the device (UUIDs checked with the real tools on a loop
/// device; this machine has no udev, so its libblkid finds no label, which
/// Proxmox VE's does), and a tag that names nothing is "cannot find the
/// device for" what was given, status 255.
#[test]
fn swap_by_label_and_uuid() {
    check(
        Some("sdb=64M"),
        "mkswap -q -L SW /dev/sdb\nswapon -L SW\necho $?\nswapoff LABEL=SW\nswapon UUID=$(blkid -s UUID -o value /dev/sdb)\nswapon --show\nswapoff -U $(blkid -s UUID -o value /dev/sdb)\nswapon -L NOPE\necho $?\nswapoff LABEL=NOPE\nswapoff LABEL=SW\necho $?\n",
        "0\nNAME     TYPE      SIZE USED PRIO\n/dev/sdb partition  64M   0B   -2\nswapon: cannot find the device for NOPE\n255\nswapoff: cannot find the device for LABEL=NOPE\nswapoff: /dev/sdb: swapoff failed: Invalid argument\n255\n",
    );
}

/// parted 3.5 in script mode (checked on a loop device): `set N FLAG`
/// without a state toggles the flag, without a flag it fails silently, and
/// `mkpart` without words names the missing partition type on msdos only.
#[test]
fn parted_set_without_a_state_toggles() {
    check(
        Some("sdb=1G"),
        "parted -s /dev/sdb mklabel msdos\nparted -s /dev/sdb mkpart\necho $?\nparted -s /dev/sdb mkpart primary ext4 1MiB 10MiB\nparted -s /dev/sdb set 1 lvm\nparted -s /dev/sdb print | grep '^ 1'\nparted -s /dev/sdb set 1 lvm\nparted -s /dev/sdb print | grep '^ 1'\nparted -s /dev/sdb set 1\necho $?\nparted -s /dev/sdb toggle 1\necho $?\nparted -s /dev/sdb mklabel gpt\nparted -s /dev/sdb mkpart\necho $?\n",
        "Error: Expecting a partition type.\n1\n 1      1049kB  10.5MB  9437kB  primary               lvm\n 1      1049kB  10.5MB  9437kB  primary\n1\n1\n1\n",
    );
}

/// lvm2 2.03.16 (checked on loop devices): `vgreduce --removemissing`
/// finds nothing missing, `vgextend` of a VG that does not exist refuses a
/// PV of another VG first, and `-l N%ORIGIN` without a snapshot has no
/// origin.
#[cfg(feature = "lvm-extras")]
#[test]
fn vgreduce_removemissing_and_vgextend_of_a_foreign_pv() {
    check(
        Some("sdb=1G,sdc=1G"),
        "pvcreate -q /dev/sdb /dev/sdc\nvgcreate -q vg0 /dev/sdb\nlvcreate -l 10%ORIGIN -n e vg0\necho $?\nvgreduce --removemissing vg0\necho $?\nvgreduce --removemissing --force vg0\nvgreduce --removemissing vgx\necho $?\nvgreduce --removemissing\necho $?\nvgreduce --removemissing vg0 /dev/sdc\necho $?\nvgextend vgx /dev/sdb /dev/sdc\necho $?\nvgextend vgx /dev/sdc\n",
        concat!(
            "  Physical volume \"/dev/sdb\" successfully created.\n  Physical volume \"/dev/sdc\" successfully created.\n  Volume group \"vg0\" successfully created\n",
            "  Internal error: Couldn't find origin volume.\n5\n  Volume group \"vg0\" is already consistent.\n0\n  Volume group \"vg0\" is already consistent.\n",
            "  Volume group \"vgx\" not found\n  Cannot process volume group vgx\n5\n",
            "  No command with matching syntax recognised.  Run 'vgreduce --help' for more information.\n  Nearest similar command has syntax:\n  vgreduce --removemissing VG\n  Remove all missing PVs from a VG.\n\n3\n",
            "  Command does not accept argument: /dev/sdc.\n3\n",
            "  Physical volume '/dev/sdb' is already in volume group 'vg0'\n  Unable to add physical volume '/dev/sdb' to volume group 'vg0'\n  /dev/sdb: physical volume not initialized.\n5\n",
            "  Volume group \"vgx\" not found\n  Cannot process volume group vgx\n",
        ),
    );
}

/// udev's device-mapper names on Proxmox VE: /dev/mapper/NAME and
/// /dev/VG/LV are symlinks to ../dm-N (10-dm.rules, 11-dm-lvm.rules), the
/// thin pool keeps its /dev/VG link only while it is new (lvm2 2.03.16's
/// `_dev_manager_lv_mknodes`), and readlink follows them.
#[test]
fn device_mapper_links_under_dev() {
    check(
        None,
        "ls -l /dev/mapper\nls /dev/pve/\npvcreate -q /dev/sdb\nvgcreate -q data_vg /dev/sdb\nlvcreate -q -n my_volume -L 10G data_vg\nls -l /dev/data_vg/ /dev/mapper/data_vg-my_volume /dev/sdb\nreadlink /dev/data_vg/my_volume\nreadlink -f /dev/data_vg/my_volume /tmp\nreadlink /tmp\necho $?\nlvcreate -q -n vm-101-disk-0 -V 4G pve/data\nls /dev/pve\nls -ld /dev/pve\n",
        concat!(
            "total 0\ncrw------- 1 root root 10, 236 Nov 25 09:00 control\n",
            "lrwxrwxrwx 1 root root       7 Nov 25 09:00 pve-data -> ../dm-4\n",
            "lrwxrwxrwx 1 root root       7 Nov 25 09:00 pve-data_tdata -> ../dm-3\n",
            "lrwxrwxrwx 1 root root       7 Nov 25 09:00 pve-data_tmeta -> ../dm-2\n",
            "lrwxrwxrwx 1 root root       7 Nov 25 09:00 pve-root -> ../dm-1\n",
            "lrwxrwxrwx 1 root root       7 Nov 25 09:00 pve-swap -> ../dm-0\n",
            "data\nroot\nswap\n",
            "  Physical volume \"/dev/sdb\" successfully created.\n  Volume group \"data_vg\" successfully created\n  Logical volume \"my_volume\" created.\n",
            "lrwxrwxrwx 1 root root     7 Nov 25 09:00 /dev/mapper/data_vg-my_volume -> ../dm-5\n",
            "brw-rw---- 1 root disk 8, 16 Nov 25 09:00 /dev/sdb\n",
            "\n/dev/data_vg/:\ntotal 0\nlrwxrwxrwx 1 root root 7 Nov 25 09:00 my_volume -> ../dm-5\n",
            "../dm-5\n/dev/dm-5\n/tmp\n1\n",
            "  Logical volume \"vm-101-disk-0\" created.\n",
            "root\nswap\nvm-101-disk-0\n",
            "drwxr-xr-x 2 root root 100 Nov 25 09:00 /dev/pve\n",
        ),
    );
}

/// wipefs -t and -o (util-linux 2.38.1, checked on loop devices, whose
/// re-read answer is "Invalid argument" where a disk says "Success"): the
/// type filter for listing and -a, erasing at offsets with "not found"
/// after, and the option errors.
#[cfg(feature = "wipe-modes")]
#[test]
fn wipefs_types_and_offsets() {
    check(
        Some("sdb=1G,sdc=1G"),
        "mkfs.ext4 -q -F /dev/sdc\nparted -s /dev/sdb mklabel gpt\nwipefs -o 0x438 /dev/sdc; echo \"rc $?\"\nwipefs -o 0x438 /dev/sdc; echo \"rc $?\"\nwipefs -t ext4 /dev/sdc; echo \"rc $?\"\nwipefs -t ext4,gpt /dev/sdb; echo \"rc $?\"\nwipefs -t nogpt /dev/sdb; echo \"rc $?\"\nwipefs -t xfs -a /dev/sdb; echo \"rc $?\"\nwipefs -t PMBR -a /dev/sdb; echo \"rc $?\"\nwipefs -n -o 0x200 /dev/sdb; echo \"rc $?\"\nwipefs -o 512 /dev/sdb; echo \"rc $?\"\nwipefs -o 0x1fe -o 0x200 /dev/sdb; echo \"rc $?\"\nwipefs -o zz /dev/sdb; echo \"rc $?\"\nwipefs /dev/sdb; echo \"rc $?\"\nwipefs -o 0x1fe -a /dev/sdb; echo \"rc $?\"\nmkfs.ext4 -q -F /dev/sdc\nwipefs --types=noext4 -a /dev/sdc; echo \"rc $?\"\nwipefs -at ext4 /dev/sdc; echo \"rc $?\"\nwipefs /dev/sdc; echo \"rc $?\"\n",
        "/dev/sdc: 2 bytes were erased at offset 0x00000438 (ext4): 53 ef\nrc 0\nwipefs: /dev/sdc: offset 0x438 not found\nrc 0\nrc 0\nDEVICE OFFSET     TYPE UUID LABEL\nsdb    0x200      gpt       \nsdb    0x3ffffe00 gpt       \nrc 0\nDEVICE OFFSET TYPE UUID LABEL\nsdb    0x1fe  PMBR      \nrc 0\nrc 0\n/dev/sdb: 2 bytes were erased at offset 0x000001fe (PMBR): 55 aa\n/dev/sdb: calling ioctl to re-read partition table: Success\nrc 0\n/dev/sdb: 8 bytes were erased at offset 0x00000200 (gpt): 45 46 49 20 50 41 52 54\n/dev/sdb: calling ioctl to re-read partition table: Success\nrc 0\n/dev/sdb: 8 bytes were erased at offset 0x00000200 (gpt): 45 46 49 20 50 41 52 54\n/dev/sdb: calling ioctl to re-read partition table: Success\nrc 0\nwipefs: /dev/sdb: offset 0x1fe not found\nwipefs: /dev/sdb: offset 0x200 not found\nrc 0\nwipefs: invalid offset argument: 'zz': Invalid argument\nrc 1\nDEVICE OFFSET     TYPE UUID LABEL\nsdb    0x3ffffe00 gpt       \nrc 0\nwipefs: mutually exclusive arguments: --output --all --offset\nrc 1\nrc 0\n/dev/sdc: 2 bytes were erased at offset 0x00000438 (ext4): 53 ef\nrc 0\nrc 0\n",
    );
}

/// parted 3.5's align-check (checked on a loop device): script mode
/// answers with the exit status alone, otherwise "N aligned" or why not.
#[test]
fn parted_align_check() {
    check(
        Some("sdb=1G"),
        "parted -s /dev/sdb mklabel msdos mkpart primary 1MiB 10MiB\nparted -s /dev/sdb unit s mkpart primary 20481s 30000s\nparted -s /dev/sdb align-check optimal 1; echo \"rc $?\"\nparted -s /dev/sdb align-check optimal 2; echo \"rc $?\"\nparted -s /dev/sdb align-check minimal 2; echo \"rc $?\"\nparted -s /dev/sdb align-check opt 2; echo \"rc $?\"\nparted -s /dev/sdb align-check optimal 3; echo \"rc $?\"\nparted -s /dev/sdb align-check optimal; echo \"rc $?\"\nparted -s /dev/sdb align-check; echo \"rc $?\"\nparted -s /dev/sdb align-check bogus 1; echo \"rc $?\"\nparted /dev/sdb align-check optimal 1; echo \"rc $?\"\nparted /dev/sdb align-check optimal 2; echo \"rc $?\"\n",
        "Warning: The resulting partition is not properly aligned for best performance: 20481s % 2048s != 0s\nrc 0\nrc 1\nrc 0\nrc 1\nError: Partition doesn't exist.\nrc 1\nError: Expecting a partition number.\nrc 1\nError: Expecting a partition number.\nrc 1\nparted: invalid token: bogus\nrc 1\n1 aligned\nrc 0\n2 not aligned: 20481s % 2048s != 0s\nrc 0\n",
    );
}

/// coreutils 9.1's readlink -f/-e/-m on paths that are no links (checked
/// with the real readlink): -f needs the parent, -e the path, -m nothing.
#[test]
fn readlink_canonical_modes() {
    check(None, "readlink -f /dev/x; echo $?\nreadlink -e /dev/x; echo $?\nreadlink -m /nope/x; echo $?\nreadlink -f /nope/x; echo $?\nreadlink -f /tmp/\n", "/dev/x\n0\n1\n/nope/x\n0\n1\n/tmp\n");
}
