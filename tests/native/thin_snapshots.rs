//! Thin snapshots (`lvcreate -s`, `lvconvert --merge`): golden scripts with
//! lvm2 2.03.16's texts (taken from its sources, since thin targets cannot be
//! captured without device-mapper; see tests/fixtures/lvm/README.md), and a
//! property test over random writes, snapshots, merges and removals.

use proptest::prelude::*;
use storage_lab::console::Shell;
use storage_lab::core::lvm::LvKind;
use storage_lab::core::media::Chunk;
use storage_lab::core::Machine;

use crate::golden::check;
use storage_lab::cli::run_script;

const VM_DISK: &str = "lvcreate -V 4G -T pve/data -n vm-100-disk-0\n";

#[test]
fn a_thin_snapshot_is_inactive_and_shares_every_chunk() {
    check(
        None,
        &format!("{VM_DISK}dd if=/dev/urandom of=/dev/pve/vm-100-disk-0 bs=1M count=64 status=none\nlvcreate -s -n snap_vm-100-disk-0_before pve/vm-100-disk-0\nlvs -a -o lv_name,lv_attr,pool_lv,origin,data_percent,lv_role pve\nlvs -o lv_name,data_percent pve/data\n"),
        "  Logical volume \"vm-100-disk-0\" created.\n  Logical volume \"snap_vm-100-disk-0_before\" created.\n  LV                        Attr       Pool Origin        Data%  Role                        \n  data                      twi-aotz--                    0.09   public                      \n  [data_tdata]              Twi-ao----                           private                     \n  [data_tmeta]              ewi-ao----                           private                     \n  [lvol0_pmspare]           ewi-------                           private                     \n  root                      -wi-ao----                           public                      \n  snap_vm-100-disk-0_before Vwi---tz-k data vm-100-disk-0        public,snapshot,thinsnapshot\n  swap                      -wi-ao----                           public                      \n  vm-100-disk-0             Vwi-a-tz-- data               1.56   public,origin,thinorigin    \n  LV   Data% \n  data 0.09  \n",
    );
}

#[test]
fn writes_after_a_snapshot_copy_shared_chunks_and_a_merge_rolls_back() {
    // 16 MiB over the snapshot's chunks take 16 MiB more of the pool; the merge
    // gives them back and the origin reads as before.
    let sum = "dd if=/dev/pve/vm-100-disk-0 bs=1M count=64 status=none | md5sum\n";
    let script = format!("{VM_DISK}dd if=/dev/urandom of=/dev/pve/vm-100-disk-0 bs=1M count=64 status=none\n{sum}lvcreate -s -n before pve/vm-100-disk-0\ndd if=/dev/zero of=/dev/pve/vm-100-disk-0 bs=1M count=16 status=none\nlvs -o lv_name,data_percent pve/data pve/vm-100-disk-0\n{sum}lvconvert --merge pve/before\nlvs -o lv_name,lv_attr,origin,data_percent pve/data pve/vm-100-disk-0\n{sum}");
    let out = run_script(None, 1, &script);
    let sums: Vec<&str> = out.lines().filter(|l| l.ends_with("  -")).collect();
    assert!(sums.len() == 3 && sums[0] == sums[2] && sums[0] != sums[1], "{out}");
    let rest: String = out.lines().filter(|l| !l.ends_with("  -")).map(|l| format!("{l}\n")).collect();
    assert_eq!(rest, "  Logical volume \"vm-100-disk-0\" created.\n  Logical volume \"before\" created.\n  LV            Data% \n  data          0.11  \n  vm-100-disk-0 1.56  \n  Volume pve/before replaced origin pve/vm-100-disk-0.\n  LV            Attr       Origin Data% \n  data          twi-aotz--        0.09  \n  vm-100-disk-0 Vwi-a-tz--        1.56  \n");
}

#[test]
fn a_merge_brings_back_the_files_of_the_moment_of_the_snapshot() {
    check(
        None,
        "lvcreate -V 1G -T pve/data -n vm-100-disk-0\nmkfs.ext4 -q /dev/pve/vm-100-disk-0\nmkdir /mnt/vm\nmount /dev/pve/vm-100-disk-0 /mnt/vm\necho before > /mnt/vm/notes.txt\nlvcreate -s -n before pve/vm-100-disk-0\necho after > /mnt/vm/notes.txt\necho new > /mnt/vm/new.txt\nlvconvert --merge pve/before\numount /mnt/vm\nlvconvert --merge pve/before\nmount /dev/pve/vm-100-disk-0 /mnt/vm\nls /mnt/vm\ncat /mnt/vm/notes.txt\n",
        "  Logical volume \"vm-100-disk-0\" created.\n  Logical volume \"before\" created.\n  pve/vm-100-disk-0 is open: a merge delayed to its next activation is not simulated here. Unmount it first.\n  Volume pve/before replaced origin pve/vm-100-disk-0.\nlost+found\nnotes.txt\nbefore\n",
    );
}

#[test]
fn snapshot_and_merge_errors_are_lvm2s() {
    check(
        None,
        &format!("{VM_DISK}lvcreate -s pve/root\nlvcreate -s pve/nothere\nlvcreate -s vm-100-disk-0\nlvcreate -s nope/vm-100-disk-0\nlvcreate -s\nlvcreate -s -n swap pve/vm-100-disk-0\nlvcreate -s -n snapshot1 pve/vm-100-disk-0\nlvcreate -s -L 1G pve/root\nlvconvert --merge pve/vm-100-disk-0\nlvconvert --merge pve/root\nlvconvert --merge pve/data\nlvconvert --mergethin pve/root\nlvconvert --merge pve/gone\nlvconvert -y pve/root\necho $?\n"),
        concat!(
            "  Logical volume \"vm-100-disk-0\" created.\n",
            "  Please specify either size or extents with snapshots.\n",
            "  Snapshot origin LV nothere not found in Volume group pve.\n",
            "  The origin name should include the volume group.\n  Run `lvcreate --help' for more information.\n",
            "  Volume group \"nope\" not found\n  Cannot process volume group nope\n",
            "  No command with matching syntax recognised.  Run 'lvcreate --help' for more information.\n",
            "  Nearest similar command has syntax:\n  lvcreate -s|--snapshot -L|--size Size[m|UNIT] LV\n  Create a COW snapshot LV of an origin LV.\n\n",
            "  Logical Volume \"swap\" already exists in volume group \"pve\"\n",
            "  Names starting \"snapshot\" are reserved. Please choose a different LV name.\n  Run `lvcreate --help' for more information.\n",
            "  Logical volume \"lvol1\" created.\n",
            "  pve/vm-100-disk-0 is not a mergeable logical volume.\n",
            "  pve/root cannot be merged because --trackchanges was not used.\n",
            "  Command on LV pve/data does not accept LV type thinpool.\n  Command not permitted on LV pve/data.\n",
            "  Command on LV pve/root does not accept LV type linear.\n  Command not permitted on LV pve/root.\n",
            "  Failed to find logical volume \"pve/gone\"\n",
            "  Only lvconvert --merge of a snapshot is simulated here.\n",
            "3\n",
        ),
    );
}

#[test]
fn an_inactive_snapshot_is_removed_without_a_question_and_outlives_its_origin() {
    check(
        None,
        &format!("{VM_DISK}dd if=/dev/urandom of=/dev/pve/vm-100-disk-0 bs=1M count=32 status=none\nlvcreate -s -n keep pve/vm-100-disk-0\nlvcreate -s pve/vm-100-disk-0\nlvs -o lv_name,origin,lv_role pve/vm-100-disk-0 pve/lvol1\nlvremove pve/lvol1\nlvremove -y pve/vm-100-disk-0\nlvs -o lv_name,lv_attr,origin,lv_role pve/keep\nlvdisplay pve/keep\nlvs -o lv_name,data_percent pve/data\n"),
        concat!(
            "  Logical volume \"vm-100-disk-0\" created.\n  Logical volume \"keep\" created.\n  Logical volume \"lvol1\" created.\n",
            "  LV            Origin        Role                                    \n",
            "  lvol1         vm-100-disk-0 public,snapshot,thinsnapshot            \n",
            "  vm-100-disk-0               public,origin,thinorigin,multithinorigin\n",
            "  Logical volume \"lvol1\" successfully removed.\n",
            "  Logical volume \"vm-100-disk-0\" successfully removed.\n",
            "  LV   Attr       Origin Role      \n",
            "  keep Vwi---tz-k        public    \n",
            "  --- Logical volume ---\n",
            "  LV Path                /dev/pve/keep\n",
            "  LV Name                keep\n",
            "  VG Name                pve\n",
            "  LV UUID                YnMTbJ-jeQo-fW9t-bfML-8GTN-QlcS-XuiW0U\n",
            "  LV Write Access        read/write\n",
            "  LV Creation host, time pve, 2026-11-25 09:00:03 +0000\n",
            "  LV Pool name           data\n",
            "  LV Status              NOT available\n",
            "  LV Size                4.00 GiB\n",
            "  Current LE             1024\n",
            "  Segments               1\n",
            "  Allocation             inherit\n",
            "  Read ahead sectors     auto\n",
            "   \n",
            "  LV   Data% \n",
            "  data 0.04  \n",
        ),
    );
}

/// A 4 MiB thin volume `t` (64 chunks of 64 KiB) in a 24 MiB pool, room for
/// it and three full copies.
fn thin_shell() -> Shell {
    let machine = Machine::with_disks(5, &[("sdb".into(), 64 << 20)]).expect("machine");
    let mut sh = Shell::new(machine);
    for line in ["pvcreate /dev/sdb", "vgcreate vg /dev/sdb", "lvcreate --type thin-pool -L 24M -n pool vg", "lvcreate -T vg/pool -V 4M -n t"] {
        let out = sh.run(line);
        assert_eq!(out.exit_status, 0, "{line}: {}{}", out.err, out.text);
    }
    sh
}

/// The whole contents of thin volume `lv`, read through its chunk map from the
/// pool's data volume (a snapshot has no device of its own: it is inactive).
fn thin_contents(sh: &Shell, lv: &str) -> Vec<u8> {
    let vg = sh.machine.lvm().vg("vg").expect("vg");
    let Some(LvKind::Thin { map, virtual_bytes, pool, .. }) = vg.lv(lv).map(|l| &l.kind) else { panic!("{lv} is no thin volume") };
    let chunk = vg.lv(pool).and_then(|p| p.pool()).expect("pool").chunk_size_bytes;
    let data = sh.machine.lv_dev("vg", &format!("{pool}_tdata")).expect("pool data device");
    let mut out = Vec::new();
    for v in 0..virtual_bytes / chunk {
        match map.lookup(v) {
            Some(pc) => out.extend(sh.machine.read_at(data, pc * chunk, chunk).expect("read")),
            None => out.extend(std::iter::repeat_n(0u8, chunk as usize)),
        }
    }
    out
}

#[derive(Debug, Clone)]
enum SnapOp {
    /// Bytes into `t`: offset in KiB, length in KiB, fill.
    Write(u16, u16, u8),
    Snapshot(u8),
    Merge(u8),
    Remove(u8),
}

fn snap_op() -> impl Strategy<Value = SnapOp> {
    prop_oneof![
        5 => (0u16..4096, 1u16..300, any::<u8>()).prop_map(|(o, l, f)| SnapOp::Write(o, l, f)),
        2 => (0u8..3).prop_map(SnapOp::Snapshot),
        1 => (0u8..3).prop_map(SnapOp::Merge),
        1 => (0u8..3).prop_map(SnapOp::Remove),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, failure_persistence: None, ..ProptestConfig::default() })]

    /// Whatever runs: `t` reads back its last writes, a snapshot's contents
    /// never change, a merge makes `t` read as the snapshot did (and leaves the
    /// other snapshots without an origin), and the pool's
    /// bookkeeping holds (every allocated chunk mapped, none mapped twice by
    /// one volume).
    #[test]
    fn snapshots_never_change_and_merges_roll_back(ops in prop::collection::vec(snap_op(), 1..30)) {
        let mut sh = thin_shell();
        let t = sh.machine.resolve("/dev/vg/t").expect("t");
        let mut live = vec![0u8; 4 << 20];
        let mut snaps: Vec<Option<Vec<u8>>> = vec![None, None, None];
        // A merge removes the old origin, so its other snapshots lose theirs
        // (lvm2's `detach_pool_lv`) and can no longer be merged.
        let mut mergeable = [false; 3];
        let mut log = String::new();
        for op in &ops {
            match *op {
                SnapOp::Write(kib, len, fill) => {
                    let at = u64::from(kib) * 1024;
                    let len = (u64::from(len) * 1024).min((4 << 20) - at);
                    let bytes: Vec<u8> = (0..len).map(|i| fill.wrapping_add((i / 7) as u8)).collect();
                    log.push_str(&format!("write {len} bytes at {at}\n"));
                    sh.machine.write_at(t, at, Chunk::bytes(&bytes)).expect("the pool has room");
                    live[at as usize..(at + len) as usize].copy_from_slice(&bytes);
                }
                SnapOp::Snapshot(k) => {
                    log.push_str(&format!("$ lvcreate -s -n s{k} vg/t\n"));
                    let out = sh.run(&format!("lvcreate -s -n s{k} vg/t"));
                    prop_assert_eq!(out.exit_status == 0, snaps[k as usize].is_none(), "{}\n{}", out.text, log);
                    if snaps[k as usize].is_none() {
                        snaps[k as usize] = Some(live.clone());
                        mergeable[k as usize] = true;
                    }
                }
                SnapOp::Merge(k) => {
                    log.push_str(&format!("$ lvconvert --merge vg/s{k}\n"));
                    let out = sh.run(&format!("lvconvert --merge vg/s{k}"));
                    let merged = snaps[k as usize].is_some() && mergeable[k as usize];
                    prop_assert_eq!(out.exit_status == 0, merged, "{}\n{}", out.text, log);
                    if merged {
                        live = snaps[k as usize].take().unwrap_or_default();
                        mergeable = [false; 3];
                    }
                }
                SnapOp::Remove(k) => {
                    log.push_str(&format!("$ lvremove vg/s{k}\n"));
                    let out = sh.run(&format!("lvremove vg/s{k}"));
                    prop_assert_eq!(out.exit_status == 0, snaps[k as usize].take().is_some(), "{}\n{}", out.text, log);
                }
            }
            prop_assert!(sh.machine.read_at(t, 0, 4 << 20).expect("read t") == live, "t after:\n{log}");
            for (k, s) in snaps.iter().enumerate() {
                if let Some(s) = s {
                    prop_assert!(thin_contents(&sh, &format!("s{k}")) == *s, "s{k} changed after:\n{log}");
                }
            }
            if let Err(e) = sh.machine.lvm().check_invariants() {
                prop_assert!(false, "{e}\n{log}");
            }
        }
    }
}

#[test]
fn qemu_io_opens_a_thin_lv_as_raw_and_a_discard_gives_whole_chunks_back() {
    // 64 KiB chunks: 1M..3M frees 32 of the 1,024 chunks written, 32M..64M
    // 512; a discard of half a chunk frees none, and a discard of a chunk the
    // snapshot shares keeps it in the pool (0.09% of 70.71g is the 64 MiB).
    check(
        None,
        &format!("{VM_DISK}qemu-io -f raw -c 'write -P 0x4f 0 64M' /dev/pve/vm-100-disk-0\nlvcreate -s -n before pve/vm-100-disk-0\nqemu-io -f raw -c 'discard 1M 2M' -c 'discard 32M 32M' -c 'discard 0 32k' -c 'read -P 0 1M 2M' -c 'read -P 0x4f 0 1M' /dev/pve/vm-100-disk-0\nlvs -o lv_name,data_percent pve/data pve/vm-100-disk-0\nlvconvert --merge pve/before\nqemu-io -f raw -c 'read -P 0x4f 0 64M' /dev/pve/vm-100-disk-0\n"),
        concat!(
            "  Logical volume \"vm-100-disk-0\" created.\n",
            "wrote 67108864/67108864 bytes at offset 0\n64 MiB, 1 ops; 00.00 sec (1.396 GiB/sec and 22.3293 ops/sec)\n",
            "  Logical volume \"before\" created.\n",
            "discard 2097152/2097152 bytes at offset 1048576\n2 MiB, 1 ops; 00.00 sec (1.353 GiB/sec and 692.9522 ops/sec)\n",
            "discard 33554432/33554432 bytes at offset 33554432\n32 MiB, 1 ops; 00.00 sec (1.394 GiB/sec and 44.6137 ops/sec)\n",
            "discard 32768/32768 bytes at offset 0\n32 KiB, 1 ops; 00.00 sec (467.499 MiB/sec and 14959.9820 ops/sec)\n",
            "read 2097152/2097152 bytes at offset 1048576\n2 MiB, 1 ops; 00.00 sec (1.353 GiB/sec and 692.9522 ops/sec)\n",
            "read 1048576/1048576 bytes at offset 0\n1 MiB, 1 ops; 00.00 sec (1.312 GiB/sec and 1343.9957 ops/sec)\n",
            "  LV            Data% \n  data          0.09  \n  vm-100-disk-0 0.73  \n",
            "  Volume pve/before replaced origin pve/vm-100-disk-0.\n",
            "read 67108864/67108864 bytes at offset 0\n64 MiB, 1 ops; 00.00 sec (1.396 GiB/sec and 22.3293 ops/sec)\n",
        ),
    );
}
