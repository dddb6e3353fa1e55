//! Walking the block tree: scrub, resilver, and freeing a dataset's blocks.
//!
//! A walk starts at a root pointer and follows every pointer down: indirect
//! blocks to their children, dnode blocks to each dnode's tree, the MOS's
//! dataset records to their object sets. Blocks born at or before
//! `min_birth` are skipped with their subtrees (a parent is never older than
//! its children), which is how a rollback or a destroy finds exactly the
//! blocks born since a snapshot. A scrub keeps its frontier in the pool and
//! advances a bounded number of bytes per step, so its progress can be shown
//! and a command can run between steps; a block freed meanwhile leaves the
//! frontier. Each block is visited once even when snapshots share it.
//! Simplified: resilvering is done at once, not in steps.

/// The blocks a scrub has seen: 655,360 of them for the bench's 10 GiB of
/// 16K blocks. A B-tree here, SipHash in the checksum memo, and copying
/// this set with the pool at every step made that scrub 912 ms; with
/// FxHash and no copy it takes about 670 ms.
type Visited = rustc_hash::FxHashSet<Dva>;

use super::blkptr::{Blkptr, Dva, ObjType, BLKPTR_BYTES};
use super::dmu::{Bookmark, Os, Tx};
use super::dnode::{Dnode, DslDatasetPhys, ObjsetPhys, DNODES_PER_BLOCK, DNODE_BYTES};
use super::pool::LoggedError;
use super::ZfsError;
use crate::core::event::Event;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScanState {
    Scanning,
    Finished,
    Canceled,
}

/// A scrub's progress, as `zpool status` reports it on its `scan:` line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scan {
    pub state: ScanState,
    pub start_time: u64,
    pub end_time: u64,
    /// Allocated bytes when the scrub started.
    pub to_examine_bytes: u64,
    pub examined_bytes: u64,
    pub repaired_bytes: u64,
    /// Blocks no copy of which was good.
    pub errors: u64,
    /// A resilver's record rather than a scrub's (`pss_func`): the last
    /// scan of either kind is the one `zpool status` reports.
    pub resilver: bool,
    /// When `zpool scrub -p` paused it (`pss_pass_scrub_pause`), else 0.
    pub paused_since: u64,
    /// Seconds spent paused, which the rates leave out.
    pub paused_secs: u64,
    /// Blocks this scrub found with no good copy (`spa_errlist_scrub`): the
    /// pool's error log when it finishes.
    found: Vec<LoggedError>,
    frontier: Vec<(Blkptr, Bookmark)>,
    visited: Visited,
}

impl Scan {
    /// What the scrub found so far; a canceled scrub's errors become the
    /// log (`dsl_scan_done` rotates it, complete or not).
    pub fn take_found(&mut self) -> Vec<LoggedError> {
        std::mem::take(&mut self.found)
    }

    /// A block with no good copy, met by this scrub.
    pub fn found_error(&mut self, e: LoggedError) {
        if !self.found.contains(&e) {
            self.found.push(e);
        }
    }

    /// Drops a freed block from the frontier.
    pub fn forget(&mut self, dva: &Dva) {
        self.frontier.retain(|(bp, _)| bp.dvas.first() != Some(dva));
    }
}

fn child_bms(bp: &Blkptr, at: Bookmark, bytes: &[u8]) -> Vec<(Blkptr, Bookmark)> {
    let mut out = Vec::new();
    if bp.level > 0 {
        for (i, c) in bytes.chunks_exact(BLKPTR_BYTES).enumerate() {
            let child = Blkptr::decode(c);
            if !child.is_hole() {
                out.push((child, Bookmark { level: bp.level - 1, blkid: (at.blkid << 10) + i as u64, ..at }));
            }
        }
        return out;
    }
    match bp.kind() {
        ObjType::Objset => {
            if let Some(phys) = ObjsetPhys::decode(bytes) {
                push_dnode(&mut out, &phys.meta_dnode, at.os, 0);
            }
        }
        ObjType::Dnode => {
            for (i, d) in bytes.chunks_exact(DNODE_BYTES).enumerate() {
                let dn = Dnode::decode(d);
                let obj = at.blkid * DNODES_PER_BLOCK + i as u64;
                push_dnode(&mut out, &dn, at.os, obj);
                if at.os == Os::Mos && dn.bonus_type == Some(ObjType::DslDataset) {
                    let rec = DslDatasetPhys::decode(&dn.bonus);
                    if !rec.bp.is_hole() {
                        out.push((rec.bp, Bookmark { os: Os::Ds(obj), object: 0, level: 0, blkid: u64::MAX }));
                    }
                }
            }
        }
        _ => {}
    }
    out
}

fn push_dnode(out: &mut Vec<(Blkptr, Bookmark)>, dn: &Dnode, os: Os, obj: u64) {
    if dn.is_free() {
        return;
    }
    for (i, bp) in dn.blkptrs.iter().enumerate().filter(|(_, b)| !b.is_hole()) {
        out.push((bp.clone(), Bookmark { os, object: obj, level: dn.nlevels.saturating_sub(1), blkid: i as u64 }));
    }
}

fn has_children(bp: &Blkptr) -> bool {
    bp.level > 0 || matches!(bp.kind(), ObjType::Objset | ObjType::Dnode)
}

impl Tx<'_> {
    /// Visits every block under `root` born after `min_birth`, parents first.
    pub fn walk(&mut self, root: &Blkptr, os: Os, min_birth: u64, visit: &mut dyn FnMut(&mut Tx, &Blkptr)) -> Result<(), ZfsError> {
        self.walk_blocks(root, os, min_birth, false, visit)
    }

    /// `walk`, visiting embedded blocks too (they count in a dataset's
    /// logical size, `ds_uncompressed_bytes`).
    #[cfg(feature = "zfs")]
    pub fn walk_with_embedded(&mut self, root: &Blkptr, os: Os, min_birth: u64, visit: &mut dyn FnMut(&mut Tx, &Blkptr)) -> Result<(), ZfsError> {
        self.walk_blocks(root, os, min_birth, true, visit)
    }

    fn walk_blocks(&mut self, root: &Blkptr, os: Os, min_birth: u64, embedded: bool, visit: &mut dyn FnMut(&mut Tx, &Blkptr)) -> Result<(), ZfsError> {
        let mut stack = vec![(root.clone(), Bookmark { os, object: 0, level: 0, blkid: u64::MAX })];
        while let Some((bp, at)) = stack.pop() {
            if bp.is_hole() || bp.birth_txg <= min_birth {
                continue;
            }
            // Embedded blocks have no copies to visit, and no children.
            if bp.dvas.is_empty() {
                if embedded {
                    visit(self, &bp);
                }
                continue;
            }
            visit(self, &bp);
            if has_children(&bp) {
                let bytes = self.read_bp(&bp, at)?;
                // A walk inside one dataset stays in it.
                stack.extend(child_bms(&bp, at, &bytes).into_iter().filter(|(_, b)| b.os == os || os == Os::Mos));
            }
        }
        Ok(())
    }

    /// Starts a scrub from the current uberblock.
    pub fn scrub_start(&mut self) {
        let root = self.pool.uberblock.ub_rootbp.clone();
        let to_examine = self.pool.allocated_bytes();
        let frontier = vec![(root, Bookmark { os: Os::Mos, object: 0, level: 0, blkid: u64::MAX })];
        self.pool.scan = Some(Scan {
            state: ScanState::Scanning,
            start_time: self.now,
            end_time: 0,
            to_examine_bytes: to_examine,
            examined_bytes: 0,
            repaired_bytes: 0,
            errors: 0,
            resilver: false,
            paused_since: 0,
            paused_secs: 0,
            found: Vec::new(),
            frontier,
            visited: Visited::default(),
        });
        self.events.push(Event::ScrubStarted { pool: self.pool.name.clone(), total_bytes: to_examine });
    }

    /// Scrubs blocks until `budget_bytes` are examined or none are left;
    /// returns true when the scrub has finished.
    pub fn scrub_step(&mut self, budget_bytes: u64) -> bool {
        let mut done = 0;
        while done < budget_bytes {
            let next = self.pool.scan.as_mut().and_then(|s| s.frontier.pop());
            let Some((bp, at)) = next else { break };
            done += self.scrub_block(&bp, at);
        }
        let Some(scan) = &mut self.pool.scan else { return true };
        let finished = scan.frontier.is_empty();
        let (examined, total) = (scan.examined_bytes, scan.to_examine_bytes.max(scan.examined_bytes));
        let mut found = None;
        if finished {
            scan.state = ScanState::Finished;
            scan.end_time = self.now;
            found = Some(std::mem::take(&mut scan.found));
            // A finished scan's record is cloned with the pool by every
            // later txg: it keeps the counts, not the blocks.
            scan.visited = Visited::default();
        }
        let (repaired, errors) = (scan.repaired_bytes, scan.errors);
        // `spa_errlog_sync`: a finished scrub's errors replace the log.
        if let Some(found) = found {
            self.pool.errlog = found;
        }
        let pool = self.pool.name.clone();
        self.events.push(Event::ScrubProgressed { pool: pool.clone(), examined_bytes: examined, total_bytes: total });
        if finished {
            self.events.push(Event::ScrubFinished { pool, repaired_bytes: repaired, errors });
        }
        finished
    }

    /// Reads every copy of one block, healing bad ones; queues its children.
    fn scrub_block(&mut self, bp: &Blkptr, at: Bookmark) -> u64 {
        let first = bp.dvas.first().copied();
        let Some(first) = first else { return 0 };
        let seen = self.pool.scan.as_mut().is_some_and(|s| !s.visited.insert(first));
        if seen {
            return 0;
        }
        let before = self.pool.repaired_bytes;
        self.scrubbing = true;
        let read = if !has_children(bp) && self.copies_match_memo(bp) { Ok(Vec::new()) } else { self.read_bp(bp, at) };
        self.scrubbing = false;
        let repaired = self.pool.repaired_bytes - before;
        let children = match &read {
            Ok(bytes) if has_children(bp) => child_bms(bp, at, bytes),
            _ => Vec::new(),
        };
        let Some(scan) = &mut self.pool.scan else { return 0 };
        scan.examined_bytes += bp.asize();
        scan.repaired_bytes += repaired;
        scan.errors += u64::from(read.is_err());
        scan.frontier.extend(children);
        bp.asize()
    }

    /// Whether every mirror copy of a leaf block still holds the described
    /// content it was written with, checked through the checksum memo
    /// without producing its bytes. Anything else (literal bytes, raidz1,
    /// a device that is not readable, a mismatch) takes the full read,
    /// which counts and heals.
    fn copies_match_memo(&mut self, bp: &Blkptr) -> bool {
        let alg = bp.alg();
        // The sides of a mirror usually hold the same described chunk: one
        // checksum then serves them all.
        let mut verified = None;
        for dva in &bp.dvas {
            let Some(top) = self.pool.vdevs.get(dva.vdev as usize) else { return false };
            if top.kind == super::VdevKind::Raidz1 {
                return false;
            }
            let size = bp.psize.div_ceil(top.sector()) * top.sector();
            for c in 0..top.children.len() {
                let leaf = &self.pool.vdevs[dva.vdev as usize].children[c];
                if !leaf.readable() {
                    return false;
                }
                let Some(chunk) = self.io.read_described(leaf.dev, dva.offset + super::vdev::VDEV_LABEL_START_BYTES, size) else { return false };
                self.pool.vdevs[dva.vdev as usize].children[c].io.read(size);
                let chunk = chunk.slice(0, bp.psize);
                if verified.as_ref() != Some(&chunk) {
                    if self.pool.memo.of_chunk(alg, &chunk) != bp.cksum {
                        return false;
                    }
                    verified = Some(chunk);
                }
            }
        }
        true
    }

    /// Copies to leaf `(t, c)` every block it misses, rebuilt from the
    /// other copies (mirror sides, raidz1 parity).
    pub fn resilver(&mut self, t: usize, c: usize) -> Result<u64, ZfsError> {
        let from_txg = self.pool.vdevs[t].children[c].missing_from_txg.unwrap_or(0);
        let root = self.pool.uberblock.ub_rootbp.clone();
        let mut blocks = Vec::new();
        self.walk(&root, Os::Mos, from_txg.saturating_sub(1), &mut |_, bp| blocks.push(bp.clone()))?;
        let before = self.pool.repaired_bytes;
        let leaf = self.pool.vdevs[t].children[c].dev;
        for bp in blocks.iter().filter(|b| b.dvas.iter().any(|d| d.vdev as usize == t)) {
            let good = self.read_phys(bp, Bookmark { os: Os::Mos, object: 0, level: 0, blkid: 0 })?;
            for dva in bp.dvas.iter().filter(|d| d.vdev as usize == t) {
                self.rewrite_leaf(*dva, &good, bp.psize, c);
            }
        }
        self.pool.vdevs[t].children[c].missing_from_txg = None;
        // `dsl_scan_done` rotates the error log after a resilver too; this
        // one met no block without a good copy (it would have failed).
        self.pool.errlog.clear();
        let bytes = self.pool.repaired_bytes - before;
        let dev = self.io.name(leaf);
        self.events.push(Event::Resilvered { pool: self.pool.name.clone(), dev, bytes });
        self.pool.scan = Some(Scan {
            state: ScanState::Finished,
            start_time: self.now,
            end_time: self.now,
            to_examine_bytes: bytes,
            examined_bytes: bytes,
            repaired_bytes: bytes,
            errors: 0,
            resilver: true,
            paused_since: 0,
            paused_secs: 0,
            found: Vec::new(),
            frontier: Vec::new(),
            visited: Visited::default(),
        });
        Ok(bytes)
    }
}

impl Tx<'_> {
    /// `check_filesystem`: the head and snapshots of the logged block's
    /// filesystem whose trees still point at that very block (same birth).
    pub fn error_holders(&mut self, e: LoggedError) -> Vec<Os> {
        let Os::Ds(n) = e.bookmark.os else { return vec![Os::Mos] };
        let Some(head) = self.pool.datasets.iter().find(|d| d.obj == n || d.snapshots.iter().any(|s| s.obj == n)) else { return Vec::new() };
        let family: Vec<Os> = std::iter::once(head.obj).chain(head.snapshots.iter().map(|s| s.obj)).map(Os::Ds).collect();
        family.into_iter().filter(|&os| self.parent_bp(Bookmark { os, ..e.bookmark }).is_ok_and(|bp| !bp.is_hole() && bp.birth_txg == e.birth_txg)).collect()
    }
}
