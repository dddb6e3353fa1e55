//! Properties of block I/O through every layer, over random sequences of
//! writes (through the API and through dd), LVM changes and file operations:
//! a read returns what was last written, no two devices share a disk sector
//! unless one sits on the other, and memory grows with extents, not bytes.

use proptest::prelude::*;
use storage_lab::console::Shell;
use storage_lab::core::device::{DevId, DevKind, LvRole};
use storage_lab::core::media::Chunk;
use storage_lab::core::Machine;

/// The devices written to: leaves of the stack that share no sectors.
const LEAVES: &[&str] = &["/dev/sdb1", "/dev/sdb2", "/dev/vg/lin", "/dev/vg/str", "/dev/vg/thin1", "/dev/vg/thin2"];

fn stacked() -> Shell {
    let machine = Machine::with_disks(3, &[("sdb".into(), 64 << 20), ("sdc".into(), 64 << 20), ("sdd".into(), 64 << 20)]).expect("machine");
    let mut sh = Shell::new(machine);
    for line in [
        "printf 'label: gpt\\n,16M\\n,\\n' | sfdisk /dev/sdb",
        "pvcreate /dev/sdc /dev/sdd",
        "vgcreate vg /dev/sdc /dev/sdd",
        "lvcreate -n lin -L 20M vg",
        "lvcreate -n str -i 2 -I 4k -L 8M vg",
        "lvcreate --type thin-pool -L 40M -n pool vg",
        "lvcreate -T vg/pool -V 64M -n thin1",
        "lvcreate -T vg/pool -V 64M -n thin2",
    ] {
        let out = sh.run(line);
        assert_eq!(out.exit_status, 0, "{line}: {}{}", out.err, out.text);
    }
    sh
}

#[derive(Debug, Clone)]
enum Op {
    /// Bytes through the API: leaf, offset (fraction of its size), length, fill byte.
    Write(usize, u16, u16, u8),
    /// A run of a dd pattern through the shell: leaf, offset in KiB, count of 4 KiB blocks, source.
    Dd(usize, u16, u8, bool),
    /// The linear and striped LVs grow; their old bytes stay where they were.
    Extend,
    /// A new LV takes free extents (which read as zeros on these fresh disks).
    Create(u8),
    /// A file on a filesystem elsewhere (the root of the lab is in memory).
    File(u16),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        6 => (0..LEAVES.len(), any::<u16>(), 1u16..9000, any::<u8>()).prop_map(|(d, o, l, b)| Op::Write(d, o, l, b)),
        3 => (0..LEAVES.len(), 0u16..8192, 1u8..64, any::<bool>()).prop_map(|(d, o, n, z)| Op::Dd(d, o, n, z)),
        1 => Just(Op::Extend),
        1 => (0u8..4).prop_map(Op::Create),
        1 => (1u16..2000).prop_map(Op::File),
    ]
}

/// What each leaf should hold: (offset, bytes) in write order.
type Shadow = Vec<Vec<(u64, Vec<u8>)>>;

fn expected(shadow: &[(u64, Vec<u8>)], offset: u64, len: u64) -> Vec<u8> {
    let mut out = vec![0u8; len as usize];
    for (at, bytes) in shadow {
        for (i, b) in bytes.iter().enumerate() {
            let pos = at + i as u64;
            if pos >= offset && pos < offset + len {
                out[(pos - offset) as usize] = *b;
            }
        }
    }
    out
}

fn leaf(sh: &Shell, i: usize) -> DevId {
    sh.machine.resolve(LEAVES[i]).expect("leaf device")
}

fn disk_extents(m: &Machine) -> usize {
    m.disks().iter().map(|d| d.media.extent_count()).sum()
}

/// Pairs of devices whose disk ranges overlap although neither holds the
/// other. A pool's own devices only pass I/O through to its data volume, whose
/// chunks the thin volumes own, so they are left out.
fn shared_sectors(m: &Machine) -> Vec<String> {
    let pass_through = |k: &DevKind| matches!(k, DevKind::Lv { role: LvRole::Pool | LvRole::TPool, .. });
    let devs: Vec<DevId> = m.devices().iter().filter(|d| !pass_through(&d.kind)).map(|d| d.id).collect();
    let mut bad = Vec::new();
    for (i, a) in devs.iter().enumerate() {
        for b in &devs[i + 1..] {
            let related = m.devices().lower_closure(*a).contains(b) || m.devices().lower_closure(*b).contains(a);
            if related {
                continue;
            }
            let (ra, rb) = (m.disk_ranges(*a), m.disk_ranges(*b));
            let overlap = ra.iter().any(|x| rb.iter().any(|y| x.0 == y.0 && x.1 < y.1 + y.2 && y.1 < x.1 + x.2));
            if overlap {
                bad.push(format!("{} and {}", m.path(*a), m.path(*b)));
            }
        }
    }
    bad
}

fn apply(sh: &mut Shell, shadow: &mut Shadow, op: &Op, log: &mut String) {
    match *op {
        Op::Write(d, frac, len, fill) => {
            let id = leaf(sh, d);
            let size = sh.machine.size_of(id);
            let len = u64::from(len).min(size);
            let at = (size - len) * u64::from(frac) / u64::from(u16::MAX);
            let bytes: Vec<u8> = (0..len).map(|i| fill.wrapping_add(i as u8)).collect();
            log.push_str(&format!("write {} at {at}, {len} bytes\n", LEAVES[d]));
            match sh.machine.write_at(id, at, Chunk::bytes(&bytes)) {
                Ok(_) => shadow[d].push((at, bytes)),
                // A full pool takes the part it had room for.
                Err(f) => shadow[d].push((at, bytes[..f.written as usize].to_vec())),
            }
        }
        Op::Dd(d, kib, count, zero) => {
            let src = if zero { "/dev/zero" } else { "/dev/urandom" };
            let line = format!("dd if={src} of={} bs=4k count={count} seek={} conv=notrunc status=none", LEAVES[d], u64::from(kib) / 4);
            log.push_str(&format!("$ {line}\n"));
            let at = u64::from(kib) / 4 * 4096;
            let id = leaf(sh, d);
            let len = (u64::from(count) * 4096).min(sh.machine.size_of(id).saturating_sub(at));
            let out = sh.run(&line);
            // A full pool fails the write part-way; what landed still counts.
            if len > 0 {
                // What dd wrote is read once, right after, and becomes the expectation.
                let written = sh.machine.read_at(id, at, len).expect("read after dd");
                if zero && out.exit_status == 0 {
                    assert!(written.iter().all(|b| *b == 0), "dd from /dev/zero wrote non-zero bytes");
                }
                shadow[d].push((at, written));
            }
        }
        Op::Extend => {
            log.push_str("$ lvextend -L +4M vg/lin\n$ lvextend -L +8M vg/str\n");
            sh.run("lvextend -L +4M vg/lin");
            sh.run("lvextend -L +8M vg/str");
        }
        Op::Create(n) => {
            log.push_str(&format!("$ lvcreate -n extra{n} -L 4M vg\n"));
            sh.run(&format!("lvcreate -n extra{n} -L 4M vg"));
        }
        Op::File(kib) => {
            let line = format!("dd if=/dev/urandom of=/root/f bs=1k count={kib} status=none");
            log.push_str(&format!("$ {line}\n"));
            sh.run(&line);
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn reads_return_the_last_write_through_every_layer(ops in prop::collection::vec(op(), 1..40)) {
        let mut sh = stacked();
        let mut shadow: Shadow = vec![Vec::new(); LEAVES.len()];
        let mut log = String::new();
        let start_extents = disk_extents(&sh.machine);
        let mut writes = 0usize;
        for op in &ops {
            apply(&mut sh, &mut shadow, op, &mut log);
            writes += usize::from(matches!(op, Op::Write(..) | Op::Dd(..) | Op::File(..)));
            for (d, writes_here) in shadow.iter().enumerate() {
                let id = leaf(&sh, d);
                let size = sh.machine.size_of(id);
                for (at, bytes) in writes_here.iter().rev().take(3) {
                    let want = expected(writes_here, *at, bytes.len() as u64);
                    let got = sh.machine.read_at(id, *at, bytes.len() as u64).expect("read");
                    prop_assert!(got == want, "{} at {at} (size {size}) after:\n{log}", LEAVES[d]);
                }
            }
            let shared = shared_sectors(&sh.machine);
            prop_assert!(shared.is_empty(), "devices share sectors: {shared:?}\n{log}");
        }
        // Each write splits at most one extent in two and adds one.
        let grown = disk_extents(&sh.machine).saturating_sub(start_extents);
        prop_assert!(grown <= 3 * writes + 8, "{grown} extents for {writes} writes\n{log}");
    }
}

#[test]
fn ten_gibibytes_of_random_data_cost_a_few_extents() {
    let machine = Machine::with_disks(1, &[("sdb".into(), 20 << 30)]).expect("machine");
    let mut sh = Shell::new(machine);
    let before = disk_extents(&sh.machine);
    let out = sh.run("dd if=/dev/urandom of=/dev/sdb bs=1M count=10240");
    assert_eq!(out.exit_status, 0, "{}", out.err);
    assert!(disk_extents(&sh.machine) - before <= 2, "{} extents", disk_extents(&sh.machine));
    let sample = sh.machine.read_at(sh.machine.resolve("/dev/sdb").unwrap(), 5 << 30, 64).unwrap();
    assert!(sample.iter().any(|b| *b != 0), "the bytes are produced on demand");
}

#[test]
fn a_stream_through_a_striped_lv_costs_an_extent_per_disk() {
    let machine = Machine::with_disks(1, &[("sdb".into(), 2 << 30), ("sdc".into(), 2 << 30)]).expect("machine");
    let mut sh = Shell::new(machine);
    for line in ["vgcreate vg /dev/sdb /dev/sdc", "lvcreate -n s -i 2 -l 100%FREE vg", "dd if=/dev/urandom of=/dev/vg/s bs=1M count=2000"] {
        let out = sh.run(line);
        assert_eq!(out.exit_status, 0, "{line}: {}{}", out.err, out.text);
    }
    assert!(disk_extents(&sh.machine) <= 8, "{} extents", disk_extents(&sh.machine));
}
