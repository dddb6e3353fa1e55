//! Properties of the ZFS model over random sequences of file and volume
//! writes, snapshots, rollbacks, snapshot destroys, bit rot on one device and
//! scrubs, on a mirror and on raidz1: reads return what was written (one
//! rotten side or column is always healed), snapshots never change, no live
//! block is overwritten in place, every copy matches its pointer's checksum
//! once scrubbed, allocated space is exactly the live blocks plus deferred
//! frees, and used = usedbydataset + usedbysnapshots + usedbychildren
//! (usedbydataset = referenced but for clones), and the ARC caches only
//! blocks the pool holds, its size their sum. Clones of the filesystem's
//! snapshots are written to and destroyed along the way.

use std::collections::BTreeMap;

use proptest::prelude::*;
use storage_lab::core::device::DevId;
use storage_lab::core::machine::NewDataset;
use storage_lab::core::media::Chunk;
use storage_lab::core::zfs::arc::ArcState;
use storage_lab::core::zfs::{Blkptr, Props, VdevKind};
use storage_lab::core::Machine;

const FILES: &[&str] = &["a", "b", "c"];
const VOL_BYTES: u64 = 4 << 20;

#[derive(Debug, Clone)]
enum Op {
    /// File, offset, length, fill byte.
    Write(usize, u32, u32, u8),
    /// Offset in KiB, length in KiB, seed of random content.
    Zvol(u16, u16, u64),
    Snapshot,
    /// Roll back to the n-th snapshot (newer ones are destroyed).
    Rollback(usize),
    DestroySnapshot(usize),
    /// Flips a bit of the n-th live block's first copy on the victim device.
    Rot(usize),
    Scrub,
    /// Clone the filesystem's n-th snapshot.
    Clone(usize),
    /// File, offset, length, fill byte, into the latest clone.
    CloneWrite(usize, u32, u32, u8),
    /// Destroy the n-th clone.
    DestroyClone(usize),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        5 => (0..FILES.len(), 0u32..300_000, 1u32..200_000, any::<u8>()).prop_map(|(f, o, l, b)| Op::Write(f, o, l, b)),
        2 => (0u16..3000, 1u16..1024, any::<u64>()).prop_map(|(o, l, s)| Op::Zvol(o, l, s)),
        2 => Just(Op::Snapshot),
        1 => (0usize..4).prop_map(Op::Rollback),
        1 => (0usize..4).prop_map(Op::DestroySnapshot),
        3 => any::<usize>().prop_map(Op::Rot),
        1 => Just(Op::Scrub),
        1 => (0usize..4).prop_map(Op::Clone),
        2 => (0..FILES.len(), 0u32..300_000, 1u32..200_000, any::<u8>()).prop_map(|(f, o, l, b)| Op::CloneWrite(f, o, l, b)),
        1 => (0usize..4).prop_map(Op::DestroyClone),
    ]
}

/// What the datasets should hold: file contents and the volume's bytes.
#[derive(Debug, Clone, Default, PartialEq)]
struct Shadow {
    files: BTreeMap<String, Vec<u8>>,
    vol: BTreeMap<u64, Vec<u8>>,
}

struct Lab {
    m: Machine,
    victim: DevId,
    head: Shadow,
    snaps: Vec<(String, Shadow)>,
    next_snap: u32,
    /// Clones of `tank/fs`: (name, origin snapshot, contents).
    clones: Vec<(String, String, Shadow)>,
}

fn lab(kind: VdevKind) -> Lab {
    let disks: Vec<(String, u64)> = ["sdb", "sdc", "sdd"].iter().map(|d| (d.to_string(), 1 << 30)).collect();
    let mut m = Machine::with_disks(11, &disks).expect("machine");
    let names: &[&str] = if kind == VdevKind::Mirror { &["sdb", "sdc"] } else { &["sdb", "sdc", "sdd"] };
    let devs = names.iter().map(|n| m.resolve(&format!("/dev/{n}")).expect("disk")).collect();
    m.zpool_create("tank", &[(kind, devs)], Some(12), false, Default::default()).expect("create");
    m.zfs_create("tank/fs", NewDataset::Filesystem, Props::default()).expect("fs");
    m.zfs_create("tank/vol", NewDataset::Volume { size_bytes: VOL_BYTES, volblocksize: None, sparse: true }, Props::default()).expect("vol");
    let victim = m.resolve("/dev/sdb1").expect("victim");
    Lab { m, victim, head: Shadow::default(), snaps: Vec::new(), next_snap: 0, clones: Vec::new() }
}

fn vol_expected(s: &Shadow) -> Vec<u8> {
    let mut v = vec![0u8; VOL_BYTES as usize];
    for (at, bytes) in &s.vol {
        v[*at as usize..*at as usize + bytes.len()].copy_from_slice(bytes);
    }
    v
}

/// Every part of every copy of a block: (device, offset, bytes, data offset).
fn parts(m: &Machine, bp: &Blkptr) -> Vec<Vec<(DevId, u64, Vec<u8>, Option<u64>)>> {
    let pool = m.zfs().pool("tank").expect("pool");
    bp.dvas
        .iter()
        .map(|d| {
            let top = &pool.vdevs[d.vdev as usize];
            let size = bp.psize.div_ceil(top.sector()) * top.sector();
            top.layout(d.offset, size)
                .into_iter()
                .map(|(c, off, len, at)| (top.children[c].dev, off, m.read_at(top.children[c].dev, off, len).expect("read"), at))
                .collect()
        })
        .collect()
}

/// Whether one copy's parts hold bytes matching the pointer's checksum, and
/// for raidz1 whether the parity is the XOR of the data.
fn copy_ok(bp: &Blkptr, copy: &[(DevId, u64, Vec<u8>, Option<u64>)]) -> bool {
    let mut block = Vec::new();
    let data: Vec<&Vec<u8>> = copy.iter().filter(|p| p.3.is_some()).map(|p| &p.2).collect();
    if copy.len() > 1 && copy.iter().all(|p| p.3 == Some(0)) {
        // A mirror: every side must hold the block.
        return copy.iter().all(|p| bp.alg().of(&p.2[..bp.psize as usize]) == bp.cksum);
    }
    for d in &data {
        block.extend_from_slice(d);
    }
    let cksum_ok = bp.alg().of(&block[..bp.psize as usize]) == bp.cksum;
    let parity_ok = copy.iter().filter(|p| p.3.is_none()).all(|p| {
        let mut x = vec![0u8; p.2.len()];
        for d in &data {
            for (a, b) in x.iter_mut().zip(d.iter()) {
                *a ^= *b;
            }
        }
        x == p.2
    });
    cksum_ok && parity_ok
}

impl Lab {
    fn apply(&mut self, op: &Op) {
        match op {
            Op::Write(f, off, len, b) => {
                let data = vec![*b; *len as usize];
                self.m.zfs_write_file("tank/fs", FILES[*f], u64::from(*off), Chunk::bytes(&data)).expect("write");
                let file = self.head.files.entry(FILES[*f].to_string()).or_default();
                let end = *off as usize + data.len();
                if file.len() < end {
                    file.resize(end, 0);
                }
                file[*off as usize..end].copy_from_slice(&data);
            }
            Op::Zvol(off_k, len_k, seed) => {
                let (off, len) = (u64::from(*off_k) * 1024, u64::from(*len_k) * 1024);
                let len = len.min(VOL_BYTES - off);
                let chunk = Chunk::random(*seed, len);
                self.m.zvol_write("tank/vol", off, chunk.clone()).expect("zvol write");
                // Merge into one image: inserting at a key already present
                // (offset 0 twice) would drop the older bytes from the shadow.
                let mut merged = vol_expected(&self.head);
                merged[off as usize..(off + len) as usize].copy_from_slice(&chunk.to_vec());
                self.head.vol = BTreeMap::from([(0, merged)]);
            }
            Op::Snapshot => {
                let name = format!("s{}", self.next_snap);
                self.next_snap += 1;
                self.m.zfs_snapshot(&format!("tank@{name}"), true).expect("snapshot");
                self.snaps.push((name, self.head.clone()));
            }
            Op::Rollback(i) if !self.snaps.is_empty() => {
                let i = i % self.snaps.len();
                if self.clones.iter().any(|c| self.snaps[i + 1..].iter().any(|s| s.0 == c.1)) {
                    return;
                }
                let name = self.snaps[i].0.clone();
                self.m.zfs_rollback(&format!("tank/fs@{name}"), true).expect("rollback fs");
                self.m.zfs_rollback(&format!("tank/vol@{name}"), true).expect("rollback vol");
                self.m.zfs_rollback(&format!("tank@{name}"), true).expect("rollback root");
                self.head = self.snaps[i].1.clone();
                self.snaps.truncate(i + 1);
            }
            Op::DestroySnapshot(i) if !self.snaps.is_empty() => {
                let (name, _) = self.snaps.remove(i % self.snaps.len());
                for ds in ["tank", "tank/fs", "tank/vol"] {
                    self.m.destroy(&format!("{ds}@{name}"), false, true).expect("destroy snapshot");
                }
                self.clones.retain(|c| c.1 != name);
            }
            Op::Rot(n) => {
                let blocks = self.m.zfs_blocks("tank").expect("walk");
                let bp = &blocks[n % blocks.len()];
                let copy = &parts(&self.m, bp)[0];
                if let Some((dev, off, bytes, _)) = copy.iter().find(|p| p.0 == self.victim) {
                    let mut b = bytes.clone();
                    b[0] ^= 0x10;
                    self.m.write_at(*dev, *off, Chunk::bytes(&b)).expect("rot");
                }
            }
            Op::Scrub => {
                self.m.zpool_scrub("tank").expect("scrub");
            }
            Op::Clone(i) if !self.snaps.is_empty() => {
                let (snap, shadow) = self.snaps[i % self.snaps.len()].clone();
                let name = format!("tank/c{}", self.next_snap);
                self.next_snap += 1;
                self.m.zfs_clone(&format!("tank/fs@{snap}"), &name, Props::default()).expect("clone");
                self.clones.push((name, snap, Shadow { vol: BTreeMap::new(), ..shadow }));
            }
            Op::CloneWrite(f, off, len, b) if !self.clones.is_empty() => {
                let data = vec![*b; *len as usize];
                let (name, _, shadow) = self.clones.last_mut().expect("a clone");
                self.m.zfs_write_file(name, FILES[*f], u64::from(*off), Chunk::bytes(&data)).expect("clone write");
                let file = shadow.files.entry(FILES[*f].to_string()).or_default();
                let end = (*off + *len) as usize;
                if file.len() < end {
                    file.resize(end, 0);
                }
                file[*off as usize..end].copy_from_slice(&data);
            }
            Op::DestroyClone(i) if !self.clones.is_empty() => {
                let (name, _, _) = self.clones.remove(i % self.clones.len());
                self.m.zfs_destroy(&name, true).expect("destroy clone");
            }
            _ => {}
        }
    }

    fn check_contents(&mut self) -> Result<(), String> {
        let views: Vec<(String, Shadow)> =
            std::iter::once((String::new(), self.head.clone())).chain(self.snaps.iter().map(|(n, s)| (format!("@{n}"), s.clone()))).collect();
        for (suffix, shadow) in views {
            for f in FILES {
                let got = self.m.zfs_read_file(&format!("tank/fs{suffix}"), f, 0, 1 << 20).map(|r| r.0);
                match (shadow.files.get(*f), got) {
                    (Some(want), Ok(got)) if *want == got => {}
                    (None, Err(storage_lab::core::zfs::ZfsError::NotFound)) => {}
                    (want, got) => return Err(format!("tank/fs{suffix}/{f}: want {:?} bytes, got {:?}", want.map(|w| w.len()), got.map(|g| g.len()))),
                }
            }
            let vol = self.m.zvol_read(&format!("tank/vol{suffix}"), 0, VOL_BYTES).map_err(|e| format!("vol{suffix}: {e}"))?.0;
            if vol != vol_expected(&shadow) {
                return Err(format!("tank/vol{suffix} differs"));
            }
        }
        for (name, _, shadow) in self.clones.clone() {
            for f in FILES {
                let got = self.m.zfs_read_file(&name, f, 0, 1 << 20).map(|r| r.0);
                match (shadow.files.get(*f), got) {
                    (Some(want), Ok(got)) if *want == got => {}
                    (None, Err(storage_lab::core::zfs::ZfsError::NotFound)) => {}
                    (want, got) => return Err(format!("{name}/{f}: want {:?} bytes, got {:?}", want.map(|w| w.len()), got.map(|g| g.len()))),
                }
            }
        }
        Ok(())
    }

    fn check_blocks(&mut self, scrubbed: bool) -> Result<Vec<(Blkptr, Vec<Vec<(DevId, u64, Vec<u8>, Option<u64>)>>)>, String> {
        let blocks = self.m.zfs_blocks("tank").map_err(|e| e.to_string())?;
        let mut out = Vec::new();
        for bp in blocks {
            let copies = parts(&self.m, &bp);
            for copy in &copies {
                let clean: Vec<_> = copy.iter().filter(|p| p.0 != self.victim).cloned().collect();
                let touched = clean.len() != copy.len();
                if (scrubbed || !touched) && !copy_ok(&bp, copy) {
                    return Err(format!("a copy of {:?} does not match its checksum", bp.dvas));
                }
            }
            out.push((bp, copies));
        }
        Ok(out)
    }

    fn check_space(&self) -> Result<(), String> {
        let pool = self.m.zfs().pool("tank").expect("pool");
        for ds in &pool.datasets {
            let s = pool.space(&ds.name).expect("space");
            let own_bytes_ok = ds.origin.is_some() || s.usedbydataset == s.referenced;
            if !own_bytes_ok || s.used != s.usedbydataset + s.usedbysnapshots + s.usedbychildren + s.usedbyrefreservation {
                return Err(format!("{}: {s:?}", ds.name));
            }
            // `written@` the snapshot before is the `written` of each snapshot and of the head.
            let names: Vec<String> = ds.snapshots.iter().map(|x| format!("{}@{}", ds.name, x.name)).chain([ds.name.clone()]).collect();
            for pair in names.windows(2) {
                let by_walk = pool.space_written(&pair[0], &pair[1]).map(|w| w.used_bytes);
                let written = pool.space(&pair[1]).map(|x| x.written);
                if by_walk != written {
                    return Err(format!("written@{} of {}: {by_walk:?}, written {written:?}", pair[0], pair[1]));
                }
            }
            // What was born after each snapshot, found by walking the newer
            // tree (as `written#` a bookmark counts), is what its dead lists say.
            for (i, snap) in ds.snapshots.iter().enumerate() {
                for newer in &names[i + 1..] {
                    let by_deadlists = pool.space_written(&names[i], newer).map(|w| (w.used_bytes, w.uncompressed_bytes));
                    let by_birth = self.m.zfs_written_since(newer, snap.txg).ok().map(|w| (w.used_bytes, w.uncompressed_bytes));
                    if by_deadlists != by_birth {
                        return Err(format!("written since {} in {newer}: dead lists {by_deadlists:?}, births {by_birth:?}", names[i]));
                    }
                }
            }
        }
        Ok(())
    }

    /// The ARC caches only blocks the pool still holds, and its size is
    /// the sum of its buffers.
    fn check_arc(&self, live: &[(Blkptr, Vec<Vec<(DevId, u64, Vec<u8>, Option<u64>)>>)]) -> Result<(), String> {
        let arc = &self.m.zfs().arc;
        let mut cached_bytes = 0;
        for (key, state, psize) in arc.headers() {
            if matches!(state, ArcState::MruGhost | ArcState::MfuGhost) {
                continue;
            }
            cached_bytes += psize;
            let held = live.iter().any(|(b, _)| b.birth_txg == key.birth_txg && b.dvas.first().is_some_and(|d| u64::from(d.vdev) == key.vdev && d.offset == key.offset));
            if !held {
                return Err(format!("the ARC caches a freed block {key:?}"));
            }
        }
        if cached_bytes != arc.size().bytes {
            return Err(format!("ARC size {} != its buffers' {cached_bytes}", arc.size().bytes));
        }
        Ok(())
    }

    fn check_no_leak(&mut self, live: &[(Blkptr, Vec<Vec<(DevId, u64, Vec<u8>, Option<u64>)>>)]) -> Result<(), String> {
        let pool = self.m.zfs().pool("tank").expect("pool");
        let live_bytes: u64 = live.iter().map(|(b, _)| b.asize()).sum();
        let deferred: u64 = pool.deferred_dvas().map(|d| d.asize).sum();
        if pool.allocated_bytes() != live_bytes + deferred {
            return Err(format!("allocated {} != live {live_bytes} + deferred {deferred}", pool.allocated_bytes()));
        }
        Ok(())
    }
}

/// A block still live after an operation kept its bytes (on the devices
/// that were not rotted on purpose) and no new block landed on it.
fn check_unmoved(victim: DevId, before: &[(Blkptr, Vec<Vec<(DevId, u64, Vec<u8>, Option<u64>)>>)], after: &[(Blkptr, Vec<Vec<(DevId, u64, Vec<u8>, Option<u64>)>>)]) -> Result<(), String> {
    for (bp, copies) in after {
        match before.iter().find(|(b, _)| b == bp) {
            Some((_, old)) => {
                for (o, n) in old.iter().flatten().zip(copies.iter().flatten()) {
                    if o.0 != victim && o.2 != n.2 {
                        return Err(format!("live block {:?} was overwritten in place", bp.dvas));
                    }
                }
            }
            None => {
                for d in &bp.dvas {
                    for (ob, _) in before {
                        if ob.dvas.iter().any(|o| o.vdev == d.vdev && o.offset < d.offset + d.asize && d.offset < o.offset + o.asize)
                            && after.iter().any(|(b, _)| b == ob)
                        {
                            return Err(format!("new block {:?} overlaps a live one", bp.dvas));
                        }
                    }
                }
            }
        }
    }
    Ok(())
}

fn run(kind: VdevKind, ops: &[Op]) -> Result<(), TestCaseError> {
    let mut lab = lab(kind);
    let mut before = lab.check_blocks(false).map_err(TestCaseError::fail)?;
    for op in ops {
        lab.apply(op);
        let after = lab.check_blocks(matches!(op, Op::Scrub)).map_err(|e| TestCaseError::fail(format!("after {op:?}: {e}")))?;
        if !matches!(op, Op::Rot(_)) {
            check_unmoved(lab.victim, &before, &after).map_err(|e| TestCaseError::fail(format!("after {op:?}: {e}")))?;
        }
        lab.check_no_leak(&after).map_err(|e| TestCaseError::fail(format!("after {op:?}: {e}")))?;
        lab.check_arc(&after).map_err(|e| TestCaseError::fail(format!("after {op:?}: {e}")))?;
        lab.check_space().map_err(|e| TestCaseError::fail(format!("after {op:?}: {e}")))?;
        lab.check_contents().map_err(|e| TestCaseError::fail(format!("after {op:?}: {e}")))?;
        // Reads heal: refresh the picture of the devices afterwards.
        before = lab.check_blocks(false).map_err(TestCaseError::fail)?;
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 32, ..ProptestConfig::default() })]

    #[test]
    fn mirror_invariants_hold(ops in proptest::collection::vec(op(), 1..12)) {
        run(VdevKind::Mirror, &ops)?;
    }

    #[test]
    fn raidz1_invariants_hold(ops in proptest::collection::vec(op(), 1..12)) {
        run(VdevKind::Raidz1, &ops)?;
    }
}
