//! One transaction group: the dirty buffers of an operation and their sync.
//!
//! An operation reads blocks through `Tx` (each verified against its
//! parent's pointer) and changes them only in memory. `sync` then writes
//! the dirty blocks bottom-up: each object's data blocks, its indirect
//! blocks, its dnode (in a block of the meta-dnode), the object set block,
//! the dataset's record in the MOS, the MOS's own blocks, and last the
//! uberblock. Every block is written to newly allocated space; the pointer to
//! it goes into its parent, which is therefore rewritten too. The old
//! blocks are killed: freed, or kept on the dataset's dead list when a
//! snapshot still holds them (birth txg at or before the latest snapshot's).

use std::collections::{BTreeMap, BTreeSet};

use super::blkptr::{Blkptr, ObjType, BLKPTR_BYTES};
use super::dnode::{Dnode, DslDatasetPhys, ObjsetPhys, BPS_PER_INDIRECT_SHIFT, DNODES_PER_BLOCK, DNODE_BYTES, INDBLKSHIFT};
use super::pool::Pool;
use super::{Disks, ZfsError};
use crate::core::event::{Event, ZBlock};
use crate::core::media::Chunk;

/// Which object set a block belongs to: the pool's MOS, or the one a
/// dataset's (or snapshot's) record in the MOS points at.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Os {
    Mos,
    /// The MOS object number of the dataset's `dsl_dataset_phys_t`.
    Ds(u64),
}

/// A block's place in the tree (`zbookmark_phys_t`), for the error log.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Bookmark {
    pub os: Os,
    pub object: u64,
    pub level: u8,
    pub blkid: u64,
}

/// A block's contents in memory: bytes, or described content a write handed
/// over whole (never materialised except to checksum it).
#[derive(Debug, Clone)]
pub(super) enum Buf {
    Bytes(Vec<u8>),
    Described(Chunk),
}

impl Buf {
    pub fn len(&self) -> u64 {
        match self {
            Buf::Bytes(b) => b.len() as u64,
            Buf::Described(c) => c.len,
        }
    }

    pub fn to_vec(&self) -> Vec<u8> {
        match self {
            Buf::Bytes(b) => b.clone(),
            Buf::Described(c) => c.to_vec(),
        }
    }

    /// Whether every byte is zero.
    pub fn is_zero(&self) -> bool {
        match self {
            Buf::Bytes(b) => is_zero(b),
            Buf::Described(c) => c.is_zero(),
        }
    }

    /// Whether it is seeded random content, which no compressor shrinks.
    pub fn is_random(&self) -> bool {
        matches!(self, Buf::Described(c) if c.is_random())
    }

    pub fn to_chunk(&self) -> Chunk {
        match self {
            Buf::Bytes(b) => Chunk::bytes(b),
            Buf::Described(c) => c.clone(),
        }
    }
}

#[derive(Debug)]
struct Dbuf {
    buf: Buf,
    /// The pointer the block had before this txg (a hole for a new block).
    old: Blkptr,
    dirty: bool,
}

/// One transaction group being assembled (or a read-only pass over a pool).
pub struct Tx<'a> {
    pub pool: &'a mut Pool,
    pub io: &'a mut dyn Disks,
    pub txg: u64,
    pub now: u64,
    dbufs: BTreeMap<Bookmark, Dbuf>,
    dnodes: BTreeMap<(Os, u64), Dnode>,
    dirty_dnodes: BTreeSet<(Os, u64)>,
    objsets: BTreeMap<Os, (ObjsetPhys, Blkptr)>,
    dirty_os: BTreeSet<Os>,
    /// Set when the syncing MOS gets its new root pointer.
    new_root: Option<Blkptr>,
    pub events: Vec<Event>,
    /// Whether a read is a scrub's: every copy is read and checked.
    pub scrubbing: bool,
    /// Whether new objects come from another CPU's chunk of object numbers.
    pub other_cpu: bool,
    /// The ARC that data reads and writes go through; none for passes that
    /// leave no trace (a read on a copy of the pool). Shared with the
    /// machine's copies until a block goes through it (`arc_mut`), so a txg
    /// that touches no data (a scrub step) never copies it.
    #[cfg(feature = "zfs")]
    pub arc: Option<&'a mut std::rc::Rc<super::arc::Arc>>,
}

fn bm(os: Os, object: u64, level: u8, blkid: u64) -> Bookmark {
    Bookmark { os, object, level, blkid }
}

fn is_zero(b: &[u8]) -> bool {
    b.iter().all(|x| *x == 0)
}

impl<'a> Tx<'a> {
    pub fn new(pool: &'a mut Pool, io: &'a mut dyn Disks, now: u64) -> Tx<'a> {
        let txg = pool.txg + 1;
        pool.release_deferred(txg);
        Tx {
            pool,
            io,
            txg,
            now,
            dbufs: BTreeMap::new(),
            dnodes: BTreeMap::new(),
            dirty_dnodes: BTreeSet::new(),
            objsets: BTreeMap::new(),
            dirty_os: BTreeSet::new(),
            new_root: None,
            events: Vec::new(),
            scrubbing: false,
            other_cpu: false,
            #[cfg(feature = "zfs")]
            arc: None,
        }
    }

    pub fn is_dirty(&self) -> bool {
        !self.dirty_os.is_empty()
    }

    /// An object set's header, read through its parent pointer.
    fn objset(&mut self, os: Os) -> Result<&mut (ObjsetPhys, Blkptr), ZfsError> {
        if !self.objsets.contains_key(&os) {
            let bp = match os {
                Os::Mos => self.pool.uberblock.ub_rootbp.clone(),
                Os::Ds(n) => DslDatasetPhys::decode(&self.dnode(Os::Mos, n)?.bonus).bp,
            };
            let bytes = self.read_bp(&bp, bm(os, 0, 0, u64::MAX))?;
            let phys = ObjsetPhys::decode(&bytes).ok_or(ZfsError::Io)?;
            self.objsets.insert(os, (phys, bp));
        }
        self.objsets.get_mut(&os).ok_or(ZfsError::Io)
    }

    /// Starts a new, empty object set (its block is written at sync).
    pub fn create_objset(&mut self, os: Os, phys: ObjsetPhys) {
        self.objsets.insert(os, (phys, Blkptr::hole()));
        self.dirty_os.insert(os);
    }

    /// The current root pointer of an object set (after any sync).
    pub fn objset_bp(&mut self, os: Os) -> Result<Blkptr, ZfsError> {
        Ok(self.objset(os)?.1.clone())
    }

    /// Object `obj`'s dnode (object 0 is the meta-dnode).
    pub fn dnode(&mut self, os: Os, obj: u64) -> Result<Dnode, ZfsError> {
        if obj == 0 {
            return Ok(self.objset(os)?.0.meta_dnode.clone());
        }
        if let Some(d) = self.dnodes.get(&(os, obj)) {
            return Ok(d.clone());
        }
        let key = bm(os, 0, 0, obj / DNODES_PER_BLOCK);
        let meta = self.dnode(os, 0)?;
        let d = if key.blkid >= meta.capacity_blocks() {
            Dnode::default()
        } else {
            let block = self.read(key)?;
            let at = (obj % DNODES_PER_BLOCK) as usize * DNODE_BYTES;
            Dnode::decode(&block[at..at + DNODE_BYTES])
        };
        self.dnodes.insert((os, obj), d.clone());
        Ok(d)
    }

    /// Replaces a dnode; it is written at sync.
    pub fn set_dnode(&mut self, os: Os, obj: u64, d: Dnode) -> Result<(), ZfsError> {
        if obj == 0 {
            self.objset(os)?.0.meta_dnode = d;
        } else {
            self.dnodes.insert((os, obj), d);
            self.dirty_dnodes.insert((os, obj));
        }
        self.dirty_os.insert(os);
        Ok(())
    }

    /// The pointer to a block, from its parent (or its dnode at the top).
    pub(super) fn parent_bp(&mut self, key: Bookmark) -> Result<Blkptr, ZfsError> {
        let dn = self.dnode(key.os, key.object)?;
        if key.level + 1 == dn.nlevels {
            return Ok(dn.top(key.blkid));
        }
        if key.level >= dn.nlevels {
            return Ok(Blkptr::hole());
        }
        let parent = bm(key.os, key.object, key.level + 1, key.blkid >> BPS_PER_INDIRECT_SHIFT);
        self.load(parent)?;
        let at = (key.blkid & ((1 << BPS_PER_INDIRECT_SHIFT) - 1)) as usize * BLKPTR_BYTES;
        Ok(match &self.dbufs[&parent].buf {
            Buf::Bytes(b) => Blkptr::decode(&b[at..at + BLKPTR_BYTES]),
            Buf::Described(c) => Blkptr::decode(&c.slice(at as u64, BLKPTR_BYTES as u64).to_vec()),
        })
    }

    /// Brings a block into memory: a hole reads as zeros of the block's size.
    fn load(&mut self, key: Bookmark) -> Result<(), ZfsError> {
        if self.dbufs.contains_key(&key) {
            return Ok(());
        }
        let bp = self.parent_bp(key)?;
        let size = self.dnode(key.os, key.object)?.block_bytes(key.level);
        let buf = if bp.is_hole() { Buf::Described(Chunk::zeros(size)) } else { Buf::Bytes(self.read_bp(&bp, key)?) };
        self.dbufs.insert(key, Dbuf { buf, old: bp, dirty: false });
        Ok(())
    }

    /// A block's bytes.
    pub fn read(&mut self, key: Bookmark) -> Result<Vec<u8>, ZfsError> {
        self.load(key)?;
        Ok(self.dbufs[&key].buf.to_vec())
    }

    /// Makes room for level-0 block `blkid`: adds levels, raises `max_blkid`.
    fn prepare(&mut self, os: Os, obj: u64, blkid: u64) -> Result<(), ZfsError> {
        let mut dn = self.dnode(os, obj)?;
        while blkid >= dn.capacity_blocks() {
            // `dnode_increase_indirection`: the top pointers move into a new indirect block.
            let mut top = vec![0u8; 1 << INDBLKSHIFT];
            for (i, bp) in dn.blkptrs.iter_mut().enumerate() {
                top[i * BLKPTR_BYTES..][..BLKPTR_BYTES].copy_from_slice(&std::mem::take(bp).encode());
            }
            self.dbufs.insert(bm(os, obj, dn.nlevels, 0), Dbuf { buf: Buf::Bytes(top), old: Blkptr::hole(), dirty: true });
            dn.nlevels += 1;
        }
        dn.max_blkid = dn.max_blkid.max(blkid);
        self.set_dnode(os, obj, dn)
    }

    /// Replaces a whole level-0 block.
    pub(super) fn write(&mut self, os: Os, obj: u64, blkid: u64, buf: Buf) -> Result<(), ZfsError> {
        self.prepare(os, obj, blkid)?;
        let key = bm(os, obj, 0, blkid);
        let old = match self.dbufs.remove(&key) {
            Some(d) => d.old,
            None => self.parent_bp(key)?,
        };
        self.dbufs.insert(key, Dbuf { buf, old, dirty: true });
        Ok(())
    }

    /// A level-0 (or any) block's bytes to change in place in memory.
    pub fn modify(&mut self, key: Bookmark) -> Result<&mut Vec<u8>, ZfsError> {
        if key.level == 0 {
            self.prepare(key.os, key.object, key.blkid)?;
        }
        self.load(key)?;
        self.dirty_os.insert(key.os);
        let d = self.dbufs.get_mut(&key).ok_or(ZfsError::Io)?;
        d.dirty = true;
        if let Buf::Described(c) = &d.buf {
            d.buf = Buf::Bytes(c.to_vec());
        }
        match &mut d.buf {
            Buf::Bytes(b) => Ok(b),
            Buf::Described(_) => Err(ZfsError::Io),
        }
    }

    /// Marks the MOS changed, so the txg commits (a vdev or property change).
    pub fn touch_mos(&mut self) {
        self.dirty_os.insert(Os::Mos);
    }

    /// Forgets a cached object set (its root pointer was replaced).
    pub fn forget_objset(&mut self, os: Os) {
        self.objsets.remove(&os);
        self.dbufs.retain(|k, _| k.os != os);
        self.dnodes.retain(|k, _| k.0 != os);
        self.dirty_dnodes.retain(|k| k.0 != os);
        self.dirty_os.remove(&os);
    }

    /// Forgets the buffers of an object (it is being freed).
    pub fn drop_object(&mut self, os: Os, obj: u64) {
        self.dbufs.retain(|k, _| !(k.os == os && k.object == obj));
    }

    /// Writes every dirty block, parents after children, and a new uberblock.
    pub fn sync(&mut self) -> Result<(), ZfsError> {
        if !self.is_dirty() {
            return Ok(());
        }
        let datasets: Vec<Os> = self.dirty_os.iter().copied().filter(|o| *o != Os::Mos).collect();
        for os in datasets {
            self.sync_objset(os)?;
        }
        self.sync_objset(Os::Mos)?;
        let root = self.new_root.take().ok_or(ZfsError::Io)?;
        self.write_uberblock(root);
        self.pool.txg = self.txg;
        self.dirty_os.clear();
        Ok(())
    }

    fn sync_objset(&mut self, os: Os) -> Result<(), ZfsError> {
        let objects: Vec<u64> = self.dbufs.iter().filter(|(k, d)| k.os == os && d.dirty && k.object != 0).map(|(k, _)| k.object).collect();
        let objects: BTreeSet<u64> = objects.into_iter().collect();
        for obj in objects {
            self.sync_object(os, obj)?;
        }
        let dnodes: Vec<u64> = self.dirty_dnodes.iter().filter(|(o, _)| *o == os).map(|(_, n)| *n).collect();
        for obj in dnodes {
            let d = self.dnodes[&(os, obj)].encode();
            let key = bm(os, 0, 0, obj / DNODES_PER_BLOCK);
            let block = self.modify(key)?;
            let at = (obj % DNODES_PER_BLOCK) as usize * DNODE_BYTES;
            block[at..at + DNODE_BYTES].copy_from_slice(&d);
            self.dirty_dnodes.remove(&(os, obj));
        }
        self.sync_object(os, 0)?;
        let (phys, old) = self.objset(os)?.clone();
        let new = self.write_new(bm(os, 0, 0, u64::MAX), ObjType::Objset, 0, Buf::Bytes(phys.encode()))?;
        self.kill(os, &old);
        self.pointer_event(os, &new, "dataset");
        self.objset(os)?.1 = new.clone();
        match os {
            Os::Mos => self.new_root = Some(new),
            Os::Ds(n) => self.set_root(n, new)?,
        }
        Ok(())
    }

    /// Points a dataset's MOS record at its new object set.
    fn set_root(&mut self, obj: u64, bp: Blkptr) -> Result<(), ZfsError> {
        let mut dn = self.dnode(Os::Mos, obj)?;
        let mut rec = DslDatasetPhys::decode(&dn.bonus);
        rec.bp = bp;
        if let Some(ds) = self.pool.head_by_obj(obj) {
            rec.referenced_bytes = ds.referenced_bytes;
            rec.unique_bytes = self.pool.unique_bytes(ds);
        }
        dn.bonus = rec.encode();
        self.set_dnode(Os::Mos, obj, dn)
    }

    fn sync_object(&mut self, os: Os, obj: u64) -> Result<(), ZfsError> {
        let mut dn = self.dnode(os, obj)?;
        let obj_type = if obj == 0 { ObjType::Dnode } else { dn.kind() };
        for level in 0..dn.nlevels {
            let keys: Vec<Bookmark> =
                self.dbufs.iter().filter(|(k, d)| k.os == os && k.object == obj && k.level == level && d.dirty).map(|(k, _)| *k).collect();
            for key in keys {
                let d = self.dbufs.get_mut(&key).ok_or(ZfsError::Io)?;
                d.dirty = false;
                let (buf, old) = (d.buf.clone(), d.old.clone());
                let new = self.write_new(key, obj_type, level, buf)?;
                dn.used_bytes = (dn.used_bytes + self.pool.dsize(&new)).saturating_sub(self.pool.dsize(&old));
                self.kill(os, &old);
                if let Some(d) = self.dbufs.get_mut(&key) {
                    d.old = new.clone();
                }
                if level + 1 == dn.nlevels {
                    *dn.blkptrs.get_mut(key.blkid as usize).ok_or(ZfsError::Io)? = new.clone();
                    self.pointer_event(os, &new, "dnode");
                } else {
                    let parent = bm(os, obj, level + 1, key.blkid >> BPS_PER_INDIRECT_SHIFT);
                    let at = (key.blkid & ((1 << BPS_PER_INDIRECT_SHIFT) - 1)) as usize * BLKPTR_BYTES;
                    self.modify(parent)?[at..at + BLKPTR_BYTES].copy_from_slice(&new.encode());
                    self.pointer_event(os, &new, "indirect");
                }
            }
        }
        // The meta-dnode's own changes live in the object set block.
        if obj == 0 {
            self.objset(os)?.0.meta_dnode = dn;
            Ok(())
        } else {
            self.dnodes.insert((os, obj), dn);
            self.dirty_dnodes.insert((os, obj));
            Ok(())
        }
    }

    /// Writes one block to new space; an indirect block of holes is a hole.
    fn write_new(&mut self, key: Bookmark, obj_type: ObjType, level: u8, buf: Buf) -> Result<Blkptr, ZfsError> {
        if level > 0 {
            if let Buf::Bytes(b) = &buf {
                if is_zero(b) {
                    return Ok(Blkptr::hole());
                }
            }
        }
        let fill = match (&buf, level) {
            (Buf::Bytes(b), l) if l > 0 => b.chunks_exact(BLKPTR_BYTES).map(|c| Blkptr::decode(c).fill).sum(),
            _ => 1,
        };
        let bp = self.write_block(key, obj_type, level, buf, fill)?;
        if let Os::Ds(n) = key.os {
            let dsize = self.pool.dsize(&bp);
            if let Some(ds) = self.pool.head_by_obj_mut(n) {
                ds.referenced_bytes += dsize;
                ds.logical_referenced_bytes += bp.ucsize();
                ds.compressed_referenced_bytes += bp.compressed_size();
            }
        }
        Ok(bp)
    }

    /// Gives up a block this txg replaced: freed, or kept for a snapshot.
    pub fn kill(&mut self, os: Os, bp: &Blkptr) {
        // An embedded block (no DVA) is not a hole: the head counted its
        // logical size (`write_new`), and a snapshot keeps it.
        if bp.is_hole() {
            return;
        }
        let Os::Ds(n) = os else {
            self.free(os, bp);
            return;
        };
        let dsize = self.pool.dsize(bp);
        let Some(ds) = self.pool.head_by_obj_mut(n) else { return };
        ds.referenced_bytes = ds.referenced_bytes.saturating_sub(dsize);
        ds.logical_referenced_bytes = ds.logical_referenced_bytes.saturating_sub(bp.ucsize());
        ds.compressed_referenced_bytes = ds.compressed_referenced_bytes.saturating_sub(bp.compressed_size());
        if bp.birth_txg > ds.prev_snap_txg() {
            self.free(os, bp);
            return;
        }
        ds.deadlist.push(bp.clone());
        if bp.dvas.is_empty() {
            return;
        }
        let snapshot = ds.snapshots.last().map(|s| format!("{}@{}", ds.name, s.name)).unwrap_or_default();
        let block = self.zblock(os, bp);
        self.events.push(Event::BlockRetained { block, snapshot });
    }

    /// Returns a block's space to the pool once the deferral has passed.
    pub fn free(&mut self, os: Os, bp: &Blkptr) {
        // An embedded block has no space to give back.
        if bp.dvas.is_empty() {
            return;
        }
        #[cfg(feature = "zfs")]
        if let Some(key) = super::arc_key(self.pool, bp).filter(|_| bp.is_data()) {
            self.arc_mut().map(|arc| arc.freed(&key));
        }
        for d in &bp.dvas {
            self.pool.defer_free(self.txg, *d);
        }
        let block = self.zblock(os, bp);
        self.events.push(Event::BlockFreed { block });
    }

    /// A block as events name it.
    pub fn zblock(&self, os: Os, bp: &Blkptr) -> ZBlock {
        ZBlock {
            pool: self.pool.name.clone(),
            dataset: self.pool.os_name(os),
            kind: block_kind(bp),
            level: bp.level,
            birth_txg: bp.birth_txg,
            dvas: bp.dvas.iter().map(|d| (d.vdev, d.offset, d.asize)).collect(),
        }
    }

    fn pointer_event(&mut self, os: Os, bp: &Blkptr, parent: &'static str) {
        if bp.dvas.is_empty() {
            return;
        }
        let child = self.zblock(os, bp);
        self.events.push(Event::PointerRewritten { child, parent, checksum: bp.cksum.0 });
    }

    /// Every writable leaf's labels get the config of the vdev tree as it now is.
    /// Rewrites every label's config now (`zpool export` and `import`
    /// change the pool's state in them).
    #[cfg(feature = "zfs")]
    pub fn relabel(&mut self) {
        self.write_configs();
    }

    fn write_configs(&mut self) {
        let mut counted = Vec::new();
        for (t, top) in self.pool.vdevs.iter().enumerate() {
            for (c, leaf) in top.children.iter().enumerate().filter(|(_, l)| l.writable()) {
                let io = &*self.io;
                let bytes = super::nvlist::encode(&super::label::config(self.pool, t, c, &|d| io.name(d)));
                let size = self.io.size(leaf.dev);
                for l in super::label::label_offsets(size) {
                    let _ = self.io.write(leaf.dev, l + super::label::VDEV_PHYS_OFFSET, Chunk::bytes(&bytes));
                }
                counted.push((t, c, bytes.len() as u64));
            }
        }
        for (t, c, len) in counted {
            for _ in 0..4 {
                self.pool.vdevs[t].children[c].io.wrote(len);
            }
        }
    }

    fn write_uberblock(&mut self, root: Blkptr) {
        let ub = super::label::Uberblock { ub_txg: self.txg, ub_guid_sum: self.pool.guid_sum(), ub_timestamp: self.now, ub_rootbp: root };
        let slot = super::label::slot_bytes(self.pool.ashift);
        if self.pool.uberblock.ub_guid_sum != ub.ub_guid_sum {
            self.write_configs();
        }
        for leaf in self.pool.vdevs.iter_mut().flat_map(|v| v.children.iter_mut()).filter(|l| l.writable()) {
            let size = self.io.size(leaf.dev);
            for off in super::label::slot_offsets(size, self.pool.ashift, self.txg) {
                let _ = self.io.write(leaf.dev, off, Chunk::bytes(&ub.encode(slot, off)));
                leaf.io.wrote(slot);
            }
        }
        let root = ub.ub_rootbp.dvas.first().map_or((0, 0), |d| (d.vdev, d.offset));
        self.events.push(Event::UberblockWritten { pool: self.pool.name.clone(), txg: self.txg, root });
        self.pool.uberblock = ub;
    }
}

/// What a block holds, in the words the figures use.
pub fn block_kind(bp: &Blkptr) -> &'static str {
    if bp.level > 0 {
        return "indirect";
    }
    match bp.kind() {
        ObjType::PlainFileContents | ObjType::Zvol => "data",
        ObjType::Dnode => "dnode",
        ObjType::Objset => "objset",
        ObjType::DirectoryContents
        | ObjType::MasterNode
        | ObjType::ZvolProp
        | ObjType::ObjectDirectory
        | ObjType::UnlinkedSet
        | ObjType::SaMasterNode
        | ObjType::SaAttrRegistration
        | ObjType::SaAttrLayouts => "zap",
        ObjType::DslDataset => "dataset",
        ObjType::Znode | ObjType::Sa | ObjType::None => "other",
    }
}
