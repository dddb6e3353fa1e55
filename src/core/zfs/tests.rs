//! Behaviour of the ZFS model on a machine's real block I/O: pools, the
//! copy-on-write tree, snapshots, accounting and self-healing. Expected
//! values come from the bytes written, from ZFS's documented rules, or are
//! worked out in the comments; none is computed by the code under test.

use crate::core::device::DevId;
use crate::core::event::Event;
use crate::core::machine::{Busy, Machine};
use crate::core::media::Chunk;
use crate::core::zfs::{Blkptr, Dva, LeafState, Props, VdevKind, ZfsError};

const GIB: u64 = 1 << 30;
const MIB: u64 = 1 << 20;

fn machine(disks: &[&str]) -> Machine {
    let list: Vec<(String, u64)> = disks.iter().map(|d| (d.to_string(), GIB)).collect();
    Machine::with_disks(7, &list).expect("machine")
}

fn dev(m: &Machine, name: &str) -> DevId {
    m.resolve(&format!("/dev/{name}")).expect("device")
}

fn pool(m: &mut Machine, kind: VdevKind, disks: &[&str]) {
    let devs = disks.iter().map(|d| dev(m, d)).collect();
    if let Err(e) = m.zpool_create("tank", &[(kind, devs)], Some(12), false, Props::default()) {
        panic!("zpool create: {e:?}");
    }
    // Uncompressed, so that the short test files get data blocks of their
    // own: with compression on, ZFS embeds them in their block pointers.
    m.zfs_set("tank", "compression", "off").expect("compression=off");
}

fn write(m: &mut Machine, path: &str, data: &[u8]) {
    m.zfs_write_file("tank", path, 0, Chunk::bytes(data)).expect("write");
}

fn read(m: &mut Machine, ds: &str, path: &str) -> Result<Vec<u8>, ZfsError> {
    m.zfs_read_file(ds, path, 0, 16 * MIB).map(|r| r.0)
}

/// The leaf parts of one copy: (device, offset, bytes).
fn parts(m: &Machine, dva: &Dva, psize: u64) -> Vec<(DevId, u64, Vec<u8>)> {
    let top = &m.zfs().pool("tank").expect("pool").vdevs[dva.vdev as usize];
    let size = psize.div_ceil(top.sector()) * top.sector();
    top.layout(dva.offset, size).into_iter().map(|(c, off, len, _)| (top.children[c].dev, off, m.read_at(top.children[c].dev, off, len).expect("read"))).collect()
}

/// The data blocks of a dataset's file contents, as (bp) in the tree.
fn data_blocks(m: &mut Machine) -> Vec<Blkptr> {
    m.zfs_blocks("tank").expect("walk").into_iter().filter(|b| b.level == 0 && b.kind() == crate::core::zfs::ObjType::PlainFileContents).collect()
}

/// Flips one bit in every leaf part of the first copy of `bp` on `dev`.
fn rot(m: &mut Machine, bp: &Blkptr, dev: DevId) {
    for (d, off, bytes) in parts(m, &bp.dvas[0], bp.psize) {
        if d == dev {
            let mut b = bytes.clone();
            b[10] ^= 0x40;
            m.write_at(d, off, Chunk::bytes(&b)).expect("rot");
        }
    }
}

fn count(events: &[Event], f: impl Fn(&Event) -> bool) -> usize {
    events.iter().filter(|e| f(e)).count()
}

#[test]
fn a_file_written_reads_back_and_its_disks_are_in_use() {
    let mut m = machine(&["sdb", "sdc"]);
    pool(&mut m, VdevKind::Mirror, &["sdb", "sdc"]);
    write(&mut m, "notes.txt", b"hello zfs\n");
    assert_eq!(read(&mut m, "tank", "notes.txt").expect("read"), b"hello zfs\n");
    // zpool create on a whole disk makes partition 1 for ZFS and partition 9.
    let sdb1 = dev(&m, "sdb1");
    assert!(m.resolve("/dev/sdb9").is_some());
    assert_eq!(m.busy(sdb1), Some(Busy::Pool { pool: "tank".into() }));
    assert!(m.disk_busy(dev(&m, "sdb")));
}

#[test]
fn a_write_allocates_new_blocks_and_rewrites_parents_up_to_a_new_uberblock() {
    let mut m = machine(&["sdb"]);
    pool(&mut m, VdevKind::Disk, &["sdb"]);
    write(&mut m, "f", &[1u8; 4096]);
    let before = m.zfs_blocks("tank").expect("walk");
    let txg = m.zfs().pool("tank").expect("pool").txg;
    let events = m.zfs_write_file("tank", "f", 0, Chunk::bytes(&[2u8; 4096])).expect("write");
    let after = m.zfs_blocks("tank").expect("walk");
    // One txg, ending with the uberblock, which is also on disk.
    let last = events.last().expect("events");
    assert!(matches!(last, Event::UberblockWritten { txg: t, .. } if *t == txg + 1));
    assert_eq!(m.zfs_disk_uberblock("tank").map(|u| u.ub_txg), Some(txg + 1));
    // Data, dnode block, object set, MOS dnode block, MOS object set: each new.
    for kind in ["data", "dnode", "objset"] {
        assert!(count(&events, |e| matches!(e, Event::BlockAllocated { block } if block.kind == kind)) >= 1, "{kind}");
    }
    let old_dvas: Vec<Dva> = before.iter().flat_map(|b| b.dvas.clone()).collect();
    for b in after.iter().filter(|b| b.birth_txg == txg + 1) {
        for d in &b.dvas {
            assert!(old_dvas.iter().all(|o| o.vdev != d.vdev || o.offset + o.asize <= d.offset || d.offset + d.asize <= o.offset), "new block over a live one");
        }
    }
}

#[test]
fn metadata_gets_an_extra_copy_and_the_mos_three() {
    let mut m = machine(&["sdb"]);
    pool(&mut m, VdevKind::Disk, &["sdb"]);
    write(&mut m, "f", b"x");
    for b in m.zfs_blocks("tank").expect("walk") {
        let want = match b.kind() {
            crate::core::zfs::ObjType::PlainFileContents if b.level == 0 => 1,
            _ if b.birth_txg > 0 && b.dvas.len() == 3 => 3,
            _ => 2,
        };
        assert_eq!(b.dvas.len(), want, "{b:?}");
    }
}

#[test]
fn a_mirror_heals_a_rotten_side_and_counts_it() {
    let mut m = machine(&["sdb", "sdc"]);
    pool(&mut m, VdevKind::Mirror, &["sdb", "sdc"]);
    let data: Vec<u8> = (0..20000u32).map(|i| (i * 7) as u8).collect();
    write(&mut m, "f", &data);
    let (sdb1, sdc1) = (dev(&m, "sdb1"), dev(&m, "sdc1"));
    for b in data_blocks(&mut m) {
        rot(&mut m, &b, sdb1);
        rot(&mut m, &b, sdc1);
        // Both sides rotten: lost.
    }
    assert_eq!(read(&mut m, "tank", "f"), Err(ZfsError::Io));
    assert_eq!(m.zfs().pool("tank").expect("pool").errlog.len(), 1);

    let mut m = machine(&["sdb", "sdc"]);
    pool(&mut m, VdevKind::Mirror, &["sdb", "sdc"]);
    write(&mut m, "f", &data);
    let blocks = data_blocks(&mut m);
    // ZFS reads one side of a mirror; the lab picks it by the block's offset
    // in 1 MiB stripes, so rot the side the read goes to.
    let sides = [dev(&m, "sdb1"), dev(&m, "sdc1")];
    let read_side = (blocks[0].dvas[0].offset >> 20) as usize % 2;
    for b in &blocks {
        rot(&mut m, b, sides[read_side]);
    }
    let (got, events) = m.zfs_read_file("tank", "f", 0, 1 << 20).expect("read heals");
    assert_eq!(got, data);
    assert_eq!(count(&events, |e| matches!(e, Event::ChecksumMismatch { .. })), 1);
    assert_eq!(count(&events, |e| matches!(e, Event::BlockHealed { .. })), 1);
    let p = m.zfs().pool("tank").expect("pool");
    let mut want = [0, 0];
    want[read_side] = 1;
    assert_eq!(p.vdevs[0].children.iter().map(|l| l.errors.cksum).collect::<Vec<_>>(), want);
    // The bad side now holds the good bytes.
    let healed = parts(&m, &blocks[0].dvas[0], blocks[0].psize);
    assert_eq!(healed[read_side].2[..data.len()], data[..]);
}

#[test]
fn raidz1_rebuilds_a_rotten_column_from_xor_parity() {
    let mut m = machine(&["sdb", "sdc", "sdd"]);
    pool(&mut m, VdevKind::Raidz1, &["sdb", "sdc", "sdd"]);
    let data: Vec<u8> = (0..100_000u32).map(|i| (i % 251) as u8).collect();
    write(&mut m, "f", &data);
    for b in data_blocks(&mut m) {
        // Rot the first data column (layout entry 1) of each block.
        let (d, off, bytes) = parts(&m, &b.dvas[0], b.psize)[1].clone();
        let mut r = bytes;
        r[0] ^= 0xff;
        m.write_at(d, off, Chunk::bytes(&r)).expect("rot");
    }
    let (got, events) = m.zfs_read_file("tank", "f", 0, 1 << 20).expect("read");
    assert_eq!(got, data);
    assert!(count(&events, |e| matches!(e, Event::BlockHealed { .. })) >= 1);
    // Parity is the XOR of the data columns on disk.
    let b = &data_blocks(&mut m)[0];
    let cols = parts(&m, &b.dvas[0], b.psize);
    let refs: Vec<&[u8]> = cols[1..].iter().map(|c| c.2.as_slice()).collect();
    let mut xor = vec![0u8; cols[0].2.len()];
    for c in refs {
        for (x, y) in xor.iter_mut().zip(c) {
            *x ^= *y;
        }
    }
    assert_eq!(xor, cols[0].2);
}

#[test]
fn copies_2_heals_a_single_disk_and_copies_1_loses_the_data() {
    let mut m = machine(&["sdb"]);
    pool(&mut m, VdevKind::Disk, &["sdb"]);
    m.zfs_create("tank/two", crate::core::machine::NewDataset::Filesystem, Props { copies: Some(2), ..Props::default() }).expect("create");
    m.zfs_write_file("tank/two", "f", 0, Chunk::bytes(b"precious")).expect("write");
    write(&mut m, "g", b"single");
    let sdb1 = dev(&m, "sdb1");
    for b in data_blocks(&mut m) {
        rot(&mut m, &b, sdb1);
    }
    assert_eq!(m.zfs_read_file("tank/two", "f", 0, 100).expect("healed").0, b"precious");
    assert_eq!(read(&mut m, "tank", "g"), Err(ZfsError::Io));
}

#[test]
fn snapshots_are_immutable_and_rollback_restores_the_bytes() {
    let mut m = machine(&["sdb"]);
    pool(&mut m, VdevKind::Disk, &["sdb"]);
    write(&mut m, "f", b"before");
    m.zfs_snapshot("tank@one", false).expect("snapshot");
    write(&mut m, "f", b"AFTER!");
    write(&mut m, "new", b"later file");
    assert_eq!(read(&mut m, "tank@one", "f").expect("snap"), b"before");
    assert_eq!(read(&mut m, "tank@one", "new"), Err(ZfsError::NotFound));
    m.zfs_snapshot("tank@two", false).expect("snapshot");
    let err = m.zfs_rollback("tank@one", false).expect_err("newer snapshot");
    assert_eq!(err.to_string(), "cannot rollback to 'tank@one': more recent snapshots or bookmarks exist");
    assert_eq!(err, ZfsError::MoreRecentSnapshots { target: "tank@one".into(), snapshots: vec!["tank@two".into()] });
    m.zfs_rollback("tank@one", true).expect("rollback -r");
    assert_eq!(read(&mut m, "tank", "f").expect("head"), b"before");
    assert_eq!(read(&mut m, "tank", "new"), Err(ZfsError::NotFound));
    assert!(m.zfs().pool("tank").expect("pool").dataset("tank").expect("ds").snapshot("two").is_none());
}

#[test]
fn snapshot_space_follows_zfs_accounting() {
    let mut m = machine(&["sdb"]);
    pool(&mut m, VdevKind::Disk, &["sdb"]);
    write(&mut m, "f", &[5u8; 128 * 1024]);
    m.zfs_snapshot("tank@s", false).expect("snapshot");
    let p = m.zfs().pool("tank").expect("pool");
    let (head, snap) = (p.space("tank").expect("head"), p.space("tank@s").expect("snap"));
    // A new snapshot uses nothing and refers to what the head refers to.
    assert_eq!((snap.used, snap.referenced, snap.available), (0, head.referenced, None));
    // Overwriting the 128 KiB record moves it to the snapshot (ashift 12:
    // 128 KiB allocated, uncompressed data).
    write(&mut m, "f", &[6u8; 128 * 1024]);
    let p = m.zfs().pool("tank").expect("pool");
    let snap = p.space("tank@s").expect("snap");
    assert!(snap.used >= 128 * 1024, "{snap:?}");
    let head = p.space("tank").expect("head");
    assert_eq!(head.usedbysnapshots, snap.used);
    assert_eq!(head.used, head.referenced + head.usedbysnapshots + head.usedbychildren);
    // Destroying the snapshot frees exactly what it held.
    let events = m.zfs_destroy("tank@s", false).expect("destroy");
    let freed: u64 = events.iter().filter_map(|e| if let Event::BlockFreed { block } = e { (block.dataset == "tank").then(|| block.dvas.iter().map(|d| d.2).sum::<u64>()) } else { None }).sum();
    assert_eq!(freed, snap.used);
    assert_eq!(m.zfs().pool("tank").expect("pool").space("tank").expect("head").usedbysnapshots, 0);
}

#[test]
fn sha256_is_selectable_and_verified() {
    let mut m = machine(&["sdb"]);
    pool(&mut m, VdevKind::Disk, &["sdb"]);
    m.zfs_set("tank", "checksum", "sha256").expect("set");
    write(&mut m, "f", b"abc");
    let b = &data_blocks(&mut m)[0];
    assert_eq!(b.checksum, Some(crate::core::zfs::ChecksumAlg::Sha256));
    // The block is "abc" padded to 512 bytes; its SHA-256, from the sha2 crate.
    let mut padded = b"abc".to_vec();
    padded.resize(512, 0);
    let digest = <sha2::Sha256 as sha2::Digest>::digest(&padded);
    assert_eq!(b.cksum.0[0], u64::from_be_bytes(digest[..8].try_into().expect("8 bytes")));
}

#[test]
fn scrub_repairs_in_steps_and_clear_resets_the_counters() {
    let mut m = machine(&["sdb", "sdc"]);
    pool(&mut m, VdevKind::Mirror, &["sdb", "sdc"]);
    write(&mut m, "f", &[9u8; 300_000]);
    let sdc1 = dev(&m, "sdc1");
    let blocks = data_blocks(&mut m);
    for b in &blocks {
        rot(&mut m, b, sdc1);
    }
    let events = m.zpool_scrub("tank").expect("scrub");
    let steps = count(&events, |e| matches!(e, Event::ScrubProgressed { .. }));
    assert!(steps >= 2, "{steps} steps");
    let p = m.zfs().pool("tank").expect("pool");
    let scan = p.scan.as_ref().expect("scan");
    assert_eq!(scan.errors, 0);
    assert_eq!(scan.repaired_bytes, blocks.iter().map(|b| b.psize.div_ceil(4096) * 4096).sum::<u64>());
    assert_eq!(p.vdevs[0].children[1].errors.cksum, blocks.len() as u64);
    m.zpool_clear("tank").expect("clear");
    assert_eq!(m.zfs().pool("tank").expect("pool").vdevs[0].children[1].errors.cksum, 0);
    // A second scrub finds nothing to repair.
    m.zpool_scrub("tank").expect("scrub");
    assert_eq!(m.zfs().pool("tank").expect("pool").scan.as_ref().map(|s| s.repaired_bytes), Some(0));
}

#[test]
fn attach_detach_offline_online_and_replace_keep_the_data() {
    let mut m = machine(&["sdb", "sdc", "sdd"]);
    pool(&mut m, VdevKind::Disk, &["sdb"]);
    write(&mut m, "f", b"mirror me");
    let (sdb1, sdc) = (dev(&m, "sdb1"), dev(&m, "sdc"));
    m.zpool_attach("tank", sdb1, sdc, false).expect("attach");
    assert_eq!(m.zfs().pool("tank").expect("pool").vdevs[0].kind, VdevKind::Mirror);
    // The new side alone can serve the data.
    m.zpool_offline("tank", sdb1).expect("offline");
    assert_eq!(m.zfs().pool("tank").expect("pool").health(), "DEGRADED");
    assert_eq!(read(&mut m, "tank", "f").expect("read"), b"mirror me");
    write(&mut m, "g", b"written while degraded");
    let sdc1 = dev(&m, "sdc1");
    assert_eq!(m.zpool_offline("tank", sdc1), Err(ZfsError::NoValidReplicas(sdc1)));
    m.zpool_online("tank", sdb1).expect("online");
    m.zpool_offline("tank", sdc1).expect("offline the other");
    assert_eq!(read(&mut m, "tank", "g").expect("resilvered"), b"written while degraded");
    m.zpool_online("tank", sdc1).expect("online");
    let sdd = dev(&m, "sdd");
    m.zpool_replace("tank", sdb1, sdd, false).expect("replace");
    let p = m.zfs().pool("tank").expect("pool");
    assert!(p.find_leaf(sdb1).is_none() && p.find_leaf(sdd).is_some());
    assert_eq!(m.busy(sdb1), None);
    m.zpool_detach("tank", sdc1).expect("detach");
    assert_eq!(m.zfs().pool("tank").expect("pool").vdevs[0].kind, VdevKind::Disk);
    assert_eq!(read(&mut m, "tank", "g").expect("read"), b"written while degraded");
    assert_eq!(m.zfs().pool("tank").expect("pool").vdevs[0].children[0].state, LeafState::Online);
}

#[test]
fn a_large_zvol_write_of_described_content_stays_described() {
    let mut m = machine(&["sdb"]);
    pool(&mut m, VdevKind::Disk, &["sdb"]);
    m.zfs_create("tank/vol", crate::core::machine::NewDataset::Volume { size_bytes: 512 * MIB, volblocksize: None, sparse: true }, Props::default()).expect("zvol");
    let chunk = Chunk::random(42, 256 * MIB);
    m.zvol_write("tank/vol", 0, chunk.clone()).expect("dd");
    let extents: usize = m.disks().iter().map(|d| d.media.extent_count()).sum();
    let literal: u64 = m.disks()[0].media.written_bytes();
    assert!(extents < 20_000, "{extents} extents");
    // Indirect blocks are literal (128 bytes per 16K block, compressed);
    // the data itself is one described extent.
    assert!(literal >= 256 * MIB && extents < 1000, "{literal} bytes in {extents} extents");
    let (back, _) = m.zvol_read("tank/vol", 100 * MIB + 5, 70_000).expect("read");
    assert_eq!(back, chunk.slice(100 * MIB + 5, 70_000).to_vec());
    // Unwritten space reads as zeros.
    assert_eq!(m.zvol_read("tank/vol", 300 * MIB, 4096).expect("hole").0, vec![0u8; 4096]);
}

#[test]
fn a_non_sparse_zvol_reserves_its_size() {
    let mut m = machine(&["sdb"]);
    pool(&mut m, VdevKind::Disk, &["sdb"]);
    let before = m.zfs().pool("tank").expect("pool").space("tank").expect("root").available.expect("avail");
    m.zfs_create("tank/vol", crate::core::machine::NewDataset::Volume { size_bytes: 64 * MIB, volblocksize: None, sparse: false }, Props::default()).expect("zvol");
    let p = m.zfs().pool("tank").expect("pool");
    let vol = p.space("tank/vol").expect("vol");
    // zvol_volsize_to_reservation for 64 MiB of 16 KiB blocks, one copy:
    // 4096 blocks need 4 L1 and 1 L2 indirect: (7 + 4 + 1) * 2 * 128 KiB extra.
    assert_eq!(p.dataset("tank/vol").and_then(|d| d.props.refreservation), Some(64 * MIB + 12 * 2 * 128 * 1024));
    assert_eq!(vol.used, vol.referenced + vol.usedbyrefreservation);
    assert!(p.space("tank").expect("root").available.expect("avail") < before - 64 * MIB);
}
