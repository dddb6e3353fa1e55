//! Behaviour of the ZFS model on a machine's real block I/O: pools, the
//! copy-on-write tree, snapshots, accounting and self-healing.

use crate::core::device::DevId;
use crate::core::event::Event;
use crate::core::machine::Machine;
use crate::core::media::Chunk;
use crate::core::zfs::VdevKind;

const GIB: u64 = 1 << 30;

fn machine(disks: &[&str]) -> Machine {
    let list: Vec<(String, u64)> = disks.iter().map(|d| (d.to_string(), GIB)).collect();
    Machine::with_disks(7, &list).expect("machine")
}

fn dev(m: &Machine, name: &str) -> DevId {
    m.resolve(&format!("/dev/{name}")).expect("device")
}

fn pool(m: &mut Machine, kind: VdevKind, disks: &[&str]) {
    let devs = disks.iter().map(|d| dev(m, d)).collect();
    if let Err(e) = m.zpool_create("tank", &[(kind, devs)], Some(12), false) {
        panic!("zpool create: {e:?}");
    }
}

#[test]
fn a_file_written_reads_back() {
    let mut m = machine(&["sdb", "sdc"]);
    pool(&mut m, VdevKind::Mirror, &["sdb", "sdc"]);
    m.zfs_write_file("tank", "notes.txt", 0, Chunk::bytes(b"hello zfs\n")).expect("write");
    let (data, _) = m.zfs_read_file("tank", "notes.txt", 0, 100).expect("read");
    assert_eq!(data, b"hello zfs\n");
}
