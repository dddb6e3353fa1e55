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
lvcreate -n striped -i 2 -L 30M vg
lvextend -L +10M vg/striped
lvreduce -y -L -8M vg/striped
lvrename vg pool tank
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
attach-disk nvme 20G";
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
