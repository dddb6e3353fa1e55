//! The figures' view-models and the animation timeline, checked natively: the
//! frame after each event of a command, and the invariant that playing a
//! command's events over the scene before it gives the scene after it.

use storage_lab::console::session::parse_disks;
use storage_lab::console::Shell;
use storage_lab::core::Machine;
use storage_lab::view::{self, figures, FigureId, Scene, Timeline};

fn shell(disks: &str, setup: &str) -> Shell {
    let machine = Machine::with_disks(1, &parse_disks(disks).expect("disks")).expect("machine");
    let mut shell = Shell::new(machine);
    for line in setup.lines() {
        shell.run(line);
    }
    shell
}

/// One line per tree row and per PV strip, as a student would read the figures.
fn describe(scene: &Scene) -> String {
    let mut out = String::new();
    for d in view::disk_views(scene) {
        let parts: Vec<String> = d.parts.iter().map(|p| format!("{} {:?} {}", p.name, p.state, p.size_text)).collect();
        out.push_str(&format!("disk {} {}: {}\n", d.name, d.label.unwrap_or("no table"), parts.join(", ")));
    }
    for r in view::tree(scene) {
        let mounts = if r.mounts.is_empty() { String::new() } else { format!(" on {}", r.mounts.join(",")) };
        out.push_str(&format!("{}{} {} {} {}{mounts}\n", "  ".repeat(r.depth), r.name, r.kind, r.size_text, r.what).replace("  \n", "\n").replace(" \n", "\n"));
    }
    let fig = view::lvm_figure(scene);
    for vg in &fig.vgs {
        out.push_str(&format!("VG {} {} free {}\n", vg.name, vg.size_text, vg.free_text));
        for pv in &vg.pvs {
            let runs: Vec<String> = pv.runs.iter().map(|r| format!("{}:{}+{}", r.lv.as_deref().unwrap_or("free"), r.first_pe, r.count)).collect();
            out.push_str(&format!("  PV {} {}\n", pv.device, runs.join(" ")));
        }
        for lv in &vg.lvs {
            out.push_str(&format!("  LV {} {} {}\n", lv.name, lv.kind, lv.size_text));
        }
    }
    for i in view::image_views(scene) {
        out.push_str(&format!("image {} {} {}: ls {} du {} data {} meta {}\n", i.name, i.format, i.virtual_text, i.file_text, i.alloc_text, i.data_text, i.meta_text));
    }
    if let Some(l) = view::lookup_view(scene) {
        out.push_str(&format!("lookup {}\n", l.steps.join(" → ")));
    }
    out
}

/// Runs `line` and returns, for each frame after the first, its caption and
/// what changed in the description.
fn frames(shell: &mut Shell, line: &str) -> (Timeline, Vec<String>) {
    let before = Scene::of(shell);
    let out = shell.run(line);
    let timeline = Timeline::new(before, out.events);
    let mut steps = Vec::new();
    let mut last = describe(&timeline.frame(0));
    for k in 1..=timeline.len() {
        let now = describe(&timeline.frame(k));
        let added: Vec<&str> = now.lines().filter(|l| !last.lines().any(|o| o == *l)).collect();
        let gone: Vec<&str> = last.lines().filter(|l| !now.lines().any(|n| n == *l)).collect();
        let mut s = timeline.caption(k).unwrap_or_default();
        for g in gone {
            s.push_str(&format!("\n  - {}", g.trim()));
        }
        for a in added {
            s.push_str(&format!("\n  + {}", a.trim()));
        }
        steps.push(s);
        last = now;
    }
    (timeline, steps)
}

fn check_frames(disks: &str, setup: &str, line: &str, expected: &[&str]) {
    let mut sh = shell(disks, setup);
    let (timeline, steps) = frames(&mut sh, line);
    assert_eq!(steps, expected, "\n--- frames of `{line}`\n{}", steps.join("\n"));
    let last = timeline.frame(timeline.len()).without_focus();
    assert_eq!(last, Scene::of(&sh), "the last frame is the state after `{line}`");
}

#[test]
fn lvcreate_frames_show_the_lv_then_its_extents() {
    check_frames(
        "sdb=1G,sdc=1G",
        "pvcreate /dev/sdb /dev/sdc\nvgcreate data_vg /dev/sdb /dev/sdc",
        "lvcreate -n my_volume -L 1.5G data_vg",
        &[
            "data_vg/my_volume is created: a logical volume.\n  + LV my_volume linear 0B",
            // 255 extents of 4 MiB fit on a 1 GiB PV after its 1 MiB of metadata.
            "data_vg/my_volume gets extents 0–254 on /dev/sdb.\n  - VG data_vg 2G free 2G\n  - PV /dev/sdb free:0+255\n  - LV my_volume linear 0B\n  + data_vg-my_volume lvm 1020M\n  + VG data_vg 2G free 1020M\n  + PV /dev/sdb my_volume:0+255\n  + LV my_volume linear 1020M",
            // 1.5 GiB is 384 extents: the other 129 come from sdc, and lsblk
            // shows the LV under both PVs.
            "data_vg/my_volume gets extents 0–128 on /dev/sdc.\n  - data_vg-my_volume lvm 1020M\n  - VG data_vg 2G free 1020M\n  - PV /dev/sdc free:0+255\n  - LV my_volume linear 1020M\n  + data_vg-my_volume lvm 1.5G\n  + data_vg-my_volume lvm 1.5G\n  + VG data_vg 2G free 504M\n  + PV /dev/sdc my_volume:0+129 free:129+126\n  + LV my_volume linear 1.5G",
        ],
    );
}

#[test]
fn dd_over_the_mbr_destroys_the_table_but_not_the_kernel_view() {
    check_frames(
        "sdb=1G",
        "sfdisk /dev/sdb\nlabel: dos\n,100M\n,\nwrite",
        "dd if=/dev/zero of=/dev/sdb bs=512 count=1",
        &[
            "512 B are written to /dev/sdb at byte 0.",
            // The table is gone from the bytes; the kernel keeps both partitions.
            "The bytes that held /dev/sdb's partition table were overwritten: no table is left on the disk.\n  - disk sdb dos: sdb1 Active 100M, sdb2 Active 923M\n  + disk sdb no table: sdb1 Stale 100M, sdb2 Stale 923M",
        ],
    );
}

#[test]
fn stepping_back_returns_to_the_scene_before_the_command() {
    let mut sh = shell("sdb=1G", "pvcreate /dev/sdb\nvgcreate vg /dev/sdb");
    let before = Scene::of(&sh);
    let (timeline, _) = frames(&mut sh, "lvcreate -n a -L 100M vg");
    assert_eq!(timeline.len(), 2);
    assert_ne!(timeline.frame(1).without_focus(), before);
    assert_eq!(timeline.frame(0), before, "frame 0 is the scene before the command");
    assert_eq!(timeline.frame(2).without_focus(), Scene::of(&sh));
}

/// Every command of a long lab session: playing its events over the scene
/// before it gives the scene after it.
#[test]
fn events_carry_the_scene_from_before_to_after_every_command() {
    let script = "sfdisk /dev/sdb\nlabel: gpt\n,200M\n,300M\n,\nwrite
mkfs.ext4 /dev/sdb1
mkdir /mnt/a
mount /dev/sdb1 /mnt/a
mkswap /dev/sdb2
swapon /dev/sdb2
pvcreate /dev/sdb3 /dev/sdc
vgcreate vg /dev/sdb3
vgextend vg /dev/sdc
lvcreate -n data -L 600M vg
lvextend -L +200M vg/data
mkfs.ext4 /dev/vg/data
lvreduce -f -L -100M vg/data
lvcreate --type thin-pool -L 200M -n pool vg
lvcreate -T vg/pool -V 1G -n thin1
dd if=/dev/urandom of=/dev/vg/thin1 bs=1M count=50
lvcreate -s -n snap1 vg/thin1
lvcreate -s -n snap2 vg/thin1
dd if=/dev/zero of=/dev/vg/thin1 bs=1M count=20
lvremove vg/snap2
lvconvert --merge vg/snap1
lvcreate -s -n snap3 vg/thin1
dd if=/dev/zero of=/dev/vg/thin1 bs=1M count=5
mkfs.ext4 -q /dev/vg/thin1
lvcreate -s -n snap4 vg/thin1
lvreduce -y -L -512M vg/thin1
lvcreate -n striped -i 2 -L 30M vg
lvextend -L +10M vg/striped
lvreduce -y -L -8M vg/striped
lvrename vg pool tank
vgrename vg vg2
vgrename vg2 vg
lvremove -y vg/thin1
lvremove -y vg/data
lvremove -y vg/striped
vgreduce vg /dev/sdc
pvremove /dev/sdc
umount /mnt/a
swapoff /dev/sdb2
dd if=/dev/zero of=/dev/sdb bs=512 count=34
fdisk /dev/sdb
o
n
p
1

+100M
w
wipefs -a /dev/sdb1
attach-disk nvme 20G
mkdir -p /var/lib/vz/images/100
qemu-img create -f qcow2 /var/lib/vz/images/100/a.qcow2 1G
qemu-img create -f raw /var/lib/vz/images/100/a.raw 1G
qemu-io -c 'write -P 0x11 0 64k' -c 'write -P 0x22 512M 128k' /var/lib/vz/images/100/a.qcow2
qemu-io -c 'write -P 0x11 0 64k' /var/lib/vz/images/100/a.raw
qemu-io -c 'read 512M 4k' /var/lib/vz/images/100/a.qcow2
qemu-io -c 'discard 0 64k' /var/lib/vz/images/100/a.qcow2
qemu-img resize /var/lib/vz/images/100/a.qcow2 +1G
qemu-img convert -f qcow2 -O raw /var/lib/vz/images/100/a.qcow2 /var/lib/vz/images/100/b.raw
rm /var/lib/vz/images/100/a.raw
losetup -fP --show /var/lib/vz/images/100/b.raw
sfdisk /dev/loop0
label: dos
,100M
,
write
mkfs.ext4 /dev/loop0p1
mount /dev/loop0p1 /mnt/a
echo hello > /mnt/a/x
losetup -d /dev/loop0
umount /mnt/a
losetup -f --show /var/lib/vz/images/100/a.qcow2
qemu-io -c 'write -P 0x33 0 64k' /var/lib/vz/images/100/a.qcow2
dd if=/dev/zero of=/dev/loop0 bs=1k count=1
losetup -D
modprobe nbd max_part=8
qemu-nbd -c /dev/nbd0 /var/lib/vz/images/100/a.qcow2
sfdisk /dev/nbd0
label: gpt
,100M
,
write
mkfs.ext4 /dev/nbd0p1
mount /dev/nbd0p1 /mnt/a
echo hello > /mnt/a/x
umount /mnt/a
qemu-nbd -d /dev/nbd0
mount /dev/sdb1 /mnt/a
fdisk /dev/sdb
n


+50M
w
partprobe
umount /mnt/a";
    let mut sh = shell("sdb=1G,sdc=1G", "");
    let mut in_dialog = String::new();
    for line in script.lines() {
        let before = Scene::of(&sh);
        let out = sh.run(line);
        let mut played = before.clone();
        for e in &out.events {
            played.apply(e);
        }
        if sh.is_interactive() {
            in_dialog = line.to_string();
        }
        assert_eq!(played.without_focus(), Scene::of(&sh), "after `{line}` (in `{in_dialog}`): {:?}", out.events);
    }
}

#[test]
fn commands_bring_their_figure_on_screen() {
    let mut sh = shell("sdb=1G", "");
    let home = |sh: &mut Shell, line: &str| figures::follow(&sh.run(line).events);
    assert_eq!(home(&mut sh, "pvcreate /dev/sdb"), Some(FigureId::Lvm));
    assert_eq!(home(&mut sh, "vgcreate vg /dev/sdb"), Some(FigureId::Lvm));
    assert_eq!(home(&mut sh, "lvcreate -n a -L 100M vg"), Some(FigureId::Lvm));
    assert_eq!(home(&mut sh, "mkfs.ext4 /dev/vg/a"), None, "mkfs leaves the figure where it is");
    assert_eq!(home(&mut sh, "attach-disk sata 10G"), Some(FigureId::Blocks));
    assert_eq!(home(&mut sh, "lsblk"), None);
}

#[test]
fn extended_and_boot_partitions_are_not_offered_to_pvcreate() {
    let sh = shell(
        "sdb=1G,sdc=1G",
        "parted -s /dev/sdb mklabel msdos mkpart extended 1MiB 100% mkpart logical 2MiB 100MiB\nprintf 'label: gpt\\n,1M,21686148-6449-6E6F-744E-656564454649\\n,100M,U\\n,\\n' | sfdisk /dev/sdc",
    );
    let fig = view::lvm_figure(&Scene::of(&sh));
    assert_eq!(fig.candidates, ["/dev/sdb5", "/dev/sdc3"]);
}

/// The New partition button's lines, typed into fdisk in each state a disk
/// can be in, create exactly one partition of the asked size and close fdisk.
#[test]
fn new_partition_lines_follow_fdisks_prompts() {
    let states = [
        ("blank disk", ""),
        ("GPT with one partition", "printf 'label: gpt\\n,100M\\n' | sfdisk /dev/sdb"),
        ("DOS, empty", "printf 'label: dos\\n' | sfdisk /dev/sdb"),
        ("DOS, three primaries", "printf 'label: dos\\n,100M\\n,100M\\n,100M\\n' | sfdisk /dev/sdb"),
        ("DOS, extended in slot 4", "printf 'label: dos\\n,100M\\n,100M\\n,100M\\n,,E\\n' | sfdisk /dev/sdb"),
        ("DOS, primary and extended", "printf 'label: dos\\n,100M\\n,500M,E\\n' | sfdisk /dev/sdb"),
    ];
    for (what, setup) in states {
        let mut sh = shell("sdb=1G", setup);
        let before = sh.machine.disks()[0].label().map_or(0, |l| l.partitions.len());
        let disk = view::disk_views(&Scene::of(&sh)).into_iter().find(|d| d.name == "sdb").expect("sdb");
        let lines = view::blocks::new_partition_lines(&disk, "+10M").expect("fdisk can add a partition");
        let mut log = String::new();
        for l in lines.iter().chain(std::iter::once(&"w".to_string())) {
            let out = sh.run(l);
            log.push_str(&format!("{l}\n{}{}", out.err, out.text));
        }
        assert!(!sh.is_interactive(), "{what}: fdisk still open\n{log}");
        let label = sh.machine.disks()[0].label().expect("a table");
        assert_eq!(label.partitions.len(), before + 1, "{what}\n{log}");
        assert!(label.partitions.iter().any(|p| p.size_sectors == 20480), "{what}: no 10 MiB partition\n{log}");
    }
    let full = shell("sdb=1G", "printf 'label: dos\\n,100M\\n,100M\\n,100M\\n,100M\\n' | sfdisk /dev/sdb");
    let disk = view::disk_views(&Scene::of(&full)).into_iter().find(|d| d.name == "sdb").expect("sdb");
    assert_eq!(view::blocks::new_partition_lines(&disk, "+10M"), None, "four primaries leave nothing to add");
}

const QCOW2: &str = "/var/lib/vz/images/100/vm-100-disk-0.qcow2";

/// Expected values from the real qemu-img 10.0.2 and qemu-io: `qemu-img map
/// --output=json` gives the data offsets (327680 and 458752), `hexdump` of
/// the L1 table at 0x30000 the L2 tables (0x40000 and 0x60000), `ls -l` the
/// length (589824).
#[test]
fn figure5_places_qcow2s_clusters_where_qemu_puts_them() {
    use storage_lab::core::image::Area::*;
    let mut sh = shell("sdb=1G", &format!("mkdir -p /var/lib/vz/images/100\nqemu-img create -f qcow2 {QCOW2} 1G"));
    sh.run(&format!("qemu-io -c 'write -P 0x11 0 64k' -c 'write -P 0x22 512M 128k' {QCOW2}"));
    let s = Scene::of(&sh);
    let l = &s.images[0];
    assert_eq!((l.qcow2, l.virtual_bytes, l.file_bytes, l.cluster_bytes), (true, 1 << 30, 589824, 65536));
    assert_eq!(l.data, vec![(0, 327680, 65536), (512 << 20, 458752, 131072)]);
    let k = 65536;
    assert_eq!(l.meta, vec![(0, k, Header), (0x10000, k, RefcountTable), (0x20000, k, RefcountBlock), (0x30000, k, L1), (0x40000, k, L2), (0x60000, k, L2)]);
    let view = &view::image_views(&s)[0];
    assert_eq!(view.host.len(), 8, "six metadata clusters and two runs of data: {:?}", view.host);
    assert_eq!(view.guest[1].start, 0.5, "the second write starts half way into the guest disk");
    use view::SegKind::{Data as D, Header as H, L1 as T1, L2 as T2, Refcount as R};
    assert_eq!(view.first_clusters, [H, R, R, T1, T2, D, T2, D, D].map(Some), "the file's nine clusters in order");
    let before = Scene::of(&sh);
    let read = sh.run(&format!("qemu-io -c 'read 512M 4k' {QCOW2}"));
    let timeline = Timeline::new(before, read.events);
    let walk = view::lookup_view(&timeline.frame(timeline.len())).expect("a walk");
    assert_eq!(walk.clusters, [3, 6, 7], "the read touches the L1 table, the second L2 table and the data cluster");
}

#[test]
fn a_qcow2_read_steps_through_l1_then_l2_then_the_cluster() {
    check_frames(
        "sdb=1G",
        &format!("mkdir -p /var/lib/vz/images/100\nqemu-img create -f qcow2 {QCOW2} 1G\nqemu-io -c 'write -P 0x11 0 64k' -c 'write -P 0x22 512M 128k' {QCOW2}"),
        &format!("qemu-io -c 'read -P 0x22 512M 4k' -c 'read 256M 4k' {QCOW2}"),
        &[
            "The guest reads its disk at byte 536870912 of vm-100-disk-0.qcow2.\n  + lookup guest byte 0x20000000",
            // Guest cluster 8192 is entry 0 of the second L2 table (8192
            // entries of 8 bytes fit in a 64 KiB cluster).
            "L1 entry 1 points to the L2 table at file offset 0x60000.\n  - lookup guest byte 0x20000000\n  + lookup guest byte 0x20000000 → L1[1] → L2 table at 0x60000",
            "L2 entry 0 points to the data cluster at file offset 0x70000: one more read gets the bytes.\n  - lookup guest byte 0x20000000 → L1[1] → L2 table at 0x60000\n  + lookup guest byte 0x20000000 → L1[1] → L2 table at 0x60000 → L2[0] → cluster at 0x70000",
            "The guest reads its disk at byte 268435456 of vm-100-disk-0.qcow2.\n  - lookup guest byte 0x20000000 → L1[1] → L2 table at 0x60000 → L2[0] → cluster at 0x70000\n  + lookup guest byte 0x10000000",
            // 256 MiB is guest cluster 4096: L2 table 0 exists, its entry does not.
            "L1 entry 0 points to the L2 table at file offset 0x40000.\n  - lookup guest byte 0x10000000\n  + lookup guest byte 0x10000000 → L1[0] → L2 table at 0x40000",
            "L2 entry 4096 is empty: the cluster was never written, so the guest reads zeros.\n  - lookup guest byte 0x10000000 → L1[0] → L2 table at 0x40000\n  + lookup guest byte 0x10000000 → L1[0] → L2 table at 0x40000 → L2[4096] is empty: zeros",
        ],
    );
}

#[test]
fn raw_and_qcow2_writes_show_their_host_space() {
    let raw = "/var/lib/vz/images/100/vm-100-disk-1.raw";
    check_frames(
        "sdb=1G",
        &format!("mkdir -p /var/lib/vz/images/100\nqemu-img create -f qcow2 {QCOW2} 1G\nqemu-img create -f raw {raw} 1G"),
        &format!("qemu-io -c 'write -P 0x11 0 1M' {raw}"),
        // A sparse raw file: 1 MiB of blocks for 1 GiB of length. `du -B1`
        // of the real one: 4096 after create (qemu-img writes the first
        // block to probe alignment), 1048576 after the write.
        &["vm-100-disk-1.raw (raw, 1 GiB virtual) now takes 1 MiB on the host; ls -l says 1 GiB.\n  - image vm-100-disk-1.raw raw 1 GiB: ls 1 GiB du 4 KiB data 4 KiB meta none\n  + image vm-100-disk-1.raw raw 1 GiB: ls 1 GiB du 1 MiB data 1 MiB meta none"],
    );
    let mut sh = shell("sdb=1G", &format!("mkdir -p /var/lib/vz/images/100\nqemu-img create -f qcow2 {QCOW2} 1G\nqemu-img create -f raw {raw} 1G\nqemu-io -c 'write -P 0x11 0 1M' {raw}"));
    sh.run(&format!("qemu-io -c 'write -P 0x11 0 1M' {QCOW2}"));
    let rows = view::summary(&Scene::of(&sh)).expect("a raw and a qcow2 image");
    let text: Vec<String> = rows.iter().map(|r| format!("{}: {} | {}", r.feature, r.raw, r.qcow2)).collect();
    assert_eq!(
        text,
        [
            "Performance: direct: guest offset = file offset, no lookup | one L1 and one L2 entry per cluster looked up (1 L2 table(s), 320 KiB of metadata)",
            // qemu-img info on the real image: disk size 1.25 MiB (16 data
            // clusters and 4 of metadata, with the header).
            "Space usage: 1 MiB on disk for 1 GiB virtual (sparse: holes cost nothing) | 1.3 MiB on disk for 1 GiB virtual: grows cluster by cluster",
            "Snapshots: none inside: no metadata to hold them; take them below (LVM-thin, ZFS zvol) | internal: 0 in the file's snapshot table",
            "Portability: a plain byte stream any tool can read or dd | needs a qcow2 reader (header QFI\\xfb, 64 KiB clusters)",
        ]
    );
}

/// Proxmox VE's default for qcow2 disks. Expected values from the real
/// qemu-img 10.0.2: `qemu-img map --output=json` puts guest 0 at 327680 and
/// guest 512 MiB at 537264128, both `"zero": true, "data": true`; `du -B1`
/// says 331776 (324 KiB); `ls -l` 1074135040.
#[test]
fn figure5_shows_metadata_preallocation_as_mapped_holes() {
    let mut sh = shell("sdb=1G", "mkdir -p /var/lib/vz/images/100");
    sh.run(&format!("qemu-img create -f qcow2 -o preallocation=metadata {QCOW2} 1G"));
    let s = Scene::of(&sh);
    let l = &s.images[0];
    assert_eq!((l.file_bytes, l.alloc_bytes), (1074135040, 331776));
    assert!(l.data.is_empty(), "{:?}", l.data);
    assert_eq!(l.unwritten, vec![(0, 327680, 512 << 20), (512 << 20, 537264128, 512 << 20)]);
    sh.run(&format!("qemu-io -c 'write -P 1 0 64k' {QCOW2}"));
    let view = &view::image_views(&Scene::of(&sh))[0];
    assert_eq!(view.data_text, "64 KiB (+1023.9 MiB mapped, not written)");
}

/// Figure 5's plot, one line per image, (step, bytes `du -B1` counts). The
/// expected bytes are the real qemu-img 10.0.2's on ext4: 200704 for a new
/// 1 GiB qcow2, 1314816 after 1 MiB at 0, 5574656 after 4 MiB more at
/// 512 MiB (a second L2 table); 4096 then 1048576 for the sparse raw file.
fn plot_lines(log: &view::SpaceLog, frame: &Scene) -> Vec<String> {
    log.at(frame).iter().map(|s| format!("{} {}: {:?}", if s.qcow2 { "qcow2" } else { "raw" }, s.virtual_bytes, s.points)).collect()
}

#[test]
fn figure5_plots_host_space_after_every_command_that_changes_an_image() {
    let raw = "/var/lib/vz/images/100/vm-100-disk-1.raw";
    let mut sh = shell("sdb=1G", "");
    let mut log = view::SpaceLog::default();
    for line in [
        "mkdir -p /var/lib/vz/images/100".to_string(),
        format!("qemu-img create -f qcow2 {QCOW2} 1G"),
        format!("qemu-img create -f raw {raw} 1G"),
        format!("qemu-io -c 'write -P 0x11 0 1M' {raw}"),
        format!("qemu-io -c 'write -P 0x11 0 1M' {QCOW2}"),
        // Reads and listings change nothing: no step.
        format!("qemu-io -c 'read 0 4k' {QCOW2}"),
        format!("ls -l {raw}"),
    ] {
        log.record(&sh.run(&line).events);
    }
    assert_eq!(log.steps, 4);
    // The raw line is drawn on to the latest step.
    assert_eq!(plot_lines(&log, &Scene::of(&sh)), ["qcow2 1073741824: [(1, 200704), (4, 1314816)]", "raw 1073741824: [(2, 4096), (3, 1048576), (4, 1048576)]"]);

    // While the next write animates, its point shows the frame's size: the
    // old one until the image is laid out again, then the new one.
    let before = Scene::of(&sh);
    let out = sh.run(&format!("qemu-io -c 'write -P 0x66 512M 4M' {QCOW2}"));
    log.record(&out.events);
    let timeline = Timeline::new(before, out.events);
    assert_eq!(plot_lines(&log, &timeline.frame(0))[0], "qcow2 1073741824: [(1, 200704), (4, 1314816), (5, 1314816)]");
    assert_eq!(plot_lines(&log, &timeline.frame(timeline.len()))[0], "qcow2 1073741824: [(1, 200704), (4, 1314816), (5, 5574656)]");

    // A removed image's line goes; a new one starts at the step it is made.
    log.record(&sh.run(&format!("rm {raw}")).events);
    log.record(&sh.run(&format!("qemu-img create -f raw -o preallocation=full {raw} 1G")).events);
    // A fully preallocated raw file: 1 GiB of data and one ext4 extent
    // block, 1073745920 bytes as `du -B1` says of the real one.
    assert_eq!(plot_lines(&log, &Scene::of(&sh)), ["qcow2 1073741824: [(1, 200704), (4, 1314816), (5, 5574656), (6, 5574656)]", "raw 1073741824: [(6, 1073745920)]"]);
}

#[test]
fn figure5_plot_keeps_the_latest_points_of_a_long_session() {
    let mut sh = shell("sdb=1G", "mkdir -p /var/lib/vz/images/100");
    let mut log = view::SpaceLog::default();
    log.record(&sh.run(&format!("qemu-img create -f qcow2 {QCOW2} 1G")).events);
    for n in 0..60 {
        log.record(&sh.run(&format!("qemu-io -c 'write -P 0x11 {}M 64k' {QCOW2}", n * 8)).events);
    }
    let line = &log.series[0].points;
    assert_eq!((line.len(), line[0].0, line[line.len() - 1].0), (view::images::SPACE_POINTS, 61 - view::images::SPACE_POINTS as u32 + 1, 61));
}

/// An internal snapshot in Figure 5, at the offsets the real qemu-img
/// 10.0.2 and qemu-io use (read from the file's header, L1 and L2 tables):
/// `snapshot -c` copies the L1 table to 0x60000 and leaves the data
/// cluster at 0x50000 shared (its L2 entry without `QCOW_OFLAG_COPIED`);
/// the next write copies the L2 table to 0x80000 and the data to 0x90000,
/// and 0x50000 is then kept only for the snapshot.
#[test]
fn figure5_shows_a_snapshots_l1_copy_shared_and_kept_clusters() {
    use storage_lab::core::image::Area::*;
    use view::SegKind::{Data as D, Header as H, Held, L1 as T1, L2 as T2, Refcount as R, Shared, Snapshots as S};
    let mut sh = shell("sdb=1G", &format!("mkdir -p /var/lib/vz/images/100\nqemu-img create -f qcow2 {QCOW2} 1G"));
    sh.run(&format!("qemu-io -c 'write -P 0x11 0 64k' {QCOW2}"));
    sh.run(&format!("qemu-img snapshot -c s1 {QCOW2}"));
    let s = Scene::of(&sh);
    assert_eq!((s.images[0].shared.clone(), s.images[0].held.clone()), (vec![0x50000], vec![]));
    assert_eq!(view::image_views(&s)[0].first_clusters, [H, R, R, T1, T2, Shared, T1, S].map(Some));
    sh.run(&format!("qemu-io -c 'write -P 0x22 0 64k' {QCOW2}"));
    let s = Scene::of(&sh);
    let l = &s.images[0];
    let k = 65536;
    assert_eq!(l.meta, vec![(0, k, Header), (0x10000, k, RefcountTable), (0x20000, k, RefcountBlock), (0x30000, k, L1), (0x40000, k, L2), (0x60000, k, SnapshotL1), (0x70000, k, Snapshots), (0x80000, k, L2)]);
    assert_eq!((l.data.clone(), l.shared.clone(), l.held.clone()), (vec![(0, 0x90000, k)], vec![], vec![0x50000]));
    assert_eq!(view::image_views(&s)[0].first_clusters, [H, R, R, T1, T2, Held, T1, S, T2, D].map(Some));
}

#[test]
fn figure5_shows_a_raw_disk_on_lvm_thin_its_snapshot_and_what_thin_provisioning_promises() {
    let mut sh = Shell::new(Machine::lab(1));
    let thin = "/dev/pve/vm-102-disk-0";
    for line in [
        "mkdir -p /var/lib/vz/images/100".to_string(),
        format!("qemu-img create -f qcow2 {QCOW2} 1G"),
        "lvcreate -V 1G -T pve/data -n vm-102-disk-0".into(),
        format!("qemu-io -f raw -c 'write -P 0x4f 0 64M' {thin}"),
        "lvcreate -s -n snap_vm-102-disk-0_before_update pve/vm-102-disk-0".into(),
        format!("qemu-io -f raw -c 'write -P 0x66 0 4M' {thin}"),
    ] {
        sh.run(&line);
    }
    let describe = |sh: &Shell| {
        let scene = Scene::of(sh);
        let t = view::thin_view(&scene).expect("thin LVs in pve/data");
        let mut lines: Vec<String> = t.lvs.iter().map(|l| format!("{} {} virtual, {} mapped ({:.4}){}", l.name, l.virtual_text, l.mapped_text, l.mapped_fraction, if l.snapshot { ", snapshot" } else { "" })).collect();
        lines.push(format!("{} · in use {} ({:.6})", t.pool_text, t.used_text, t.used_fraction));
        lines.extend(view::promises(&scene));
        lines
    };
    // The pool is lvs's 70.71g (75,925,798,912 bytes); 68 MiB of it is in
    // use: the 64 MiB both LVs map, and the 4 MiB written after the snapshot
    // (64 KiB chunks). The qcow2 file takes 196 KiB (`du` of a new 1 GiB
    // image made by the real qemu-img).
    assert_eq!(
        describe(&sh),
        [
            "vm-102-disk-0 1 GiB virtual, 64 MiB mapped (0.0625)",
            "snap_vm-102-disk-0_before_update 1 GiB virtual, 64 MiB mapped (0.0625), snapshot",
            "pve/data: 70.7 GiB · in use 68 MiB (0.09%) (0.000939)",
            "Image files: 1 GiB promised on the 32 GiB root file system (pve-root), 3% of it; they take 196 KiB.",
            "LVM-thin: 2 GiB promised on pve/data: 70.7 GiB, 3% of it; in use 68 MiB (0.09%).",
        ]
    );
    sh.run("lvcreate -V 100G -T pve/data -n vm-103-disk-0");
    assert_eq!(describe(&sh).last().map(String::as_str), Some("LVM-thin: 102 GiB promised on pve/data: 70.7 GiB, 144% of it: over-committed, a write may find the pool full; in use 68 MiB (0.09%)."));
    sh.run("qemu-img create -f raw /var/lib/vz/images/100/vm-100-disk-1.raw 1G");
    let rows = view::summary(&Scene::of(&sh)).expect("a raw and a qcow2 image");
    assert_eq!(rows[2].raw, "none inside: no metadata to hold them; from below, on LVM-thin: snap_vm-102-disk-0_before_update");
    // The merge swings the origin back: the 4 MiB copied go back to the pool.
    sh.run("lvconvert --merge pve/snap_vm-102-disk-0_before_update");
    let after = describe(&sh);
    assert_eq!(after[..2], ["vm-102-disk-0 1 GiB virtual, 64 MiB mapped (0.0625)", "vm-103-disk-0 100 GiB virtual, 0 B mapped (0.0000)"]);
    assert_eq!(after[2], "pve/data: 70.7 GiB · in use 64 MiB (0.09%) (0.000884)");
}
