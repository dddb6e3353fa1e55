//! Vdev labels and the uberblock ring.
//!
//! Every leaf carries four 256 KiB labels, two at the front and two at the
//! end. The last 128 KiB of each label is a ring of uberblock slots; the
//! uberblock of txg `t` goes to slot `t mod slots`, so older roots survive
//! until the ring wraps, and an import picks the valid uberblock with the
//! highest txg. Each slot ends with an embedded checksum (`zio_eck_t`): SHA-256
//! over the slot, computed with the checksum field holding the slot's offset.
//! Between them, at 16 KiB, each label holds the pool's configuration as an
//! XDR name/value list (`vdev_phys_t`): the pool's name and GUID, the leaf's
//! GUID and its top-level vdev's tree, which is what libblkid reads to call
//! the device a `zfs_member`. It is rewritten when the vdev tree changes.
//! Simplified: the config leaves out the host name and id, the metaslab
//! array, devid and `features_for_read`; its embedded checksum and the boot
//! area are left zero.

use super::blkptr::Blkptr;
use super::checksum::{sha256, Cksum};
use super::dnode::{get64, put64};
use super::nvlist::{NvValue, Nvlist};
use super::pool::{Pool, TXG_INITIAL};
use super::vdev::VdevKind;
use crate::core::device::DevId;
use super::vdev::VDEV_LABEL_BYTES;

pub const UBERBLOCK_MAGIC: u64 = 0x00ba_b10c;
pub const SPA_VERSION_FEATURES: u64 = 5000;
const ZEC_MAGIC: u64 = 0x0210_da7a_b10c_7a11;
const RING_OFFSET: u64 = 128 * 1024;
/// Where in a label its config list starts.
pub const VDEV_PHYS_OFFSET: u64 = 16 * 1024;
const RING_BYTES: u64 = 128 * 1024;

/// The root of the pool at one txg.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Uberblock {
    pub ub_txg: u64,
    pub ub_guid_sum: u64,
    pub ub_timestamp: u64,
    /// Points at the MOS's object set block.
    pub ub_rootbp: Blkptr,
}

/// Bytes of one uberblock slot: `1 << MIN(MAX(ashift, 10), 13)`.
pub fn slot_bytes(ashift: u8) -> u64 {
    1 << ashift.clamp(10, 13)
}

/// Byte offsets of the four labels on a leaf of `dev_bytes`.
pub fn label_offsets(dev_bytes: u64) -> [u64; 4] {
    let size = dev_bytes / VDEV_LABEL_BYTES * VDEV_LABEL_BYTES;
    [0, VDEV_LABEL_BYTES, size - 2 * VDEV_LABEL_BYTES, size - VDEV_LABEL_BYTES]
}

/// Byte offsets on the leaf of the slot for `txg`, one per label.
pub fn slot_offsets(dev_bytes: u64, ashift: u8, txg: u64) -> [u64; 4] {
    let slot = slot_bytes(ashift);
    let index = txg % (RING_BYTES / slot);
    label_offsets(dev_bytes).map(|l| l + RING_OFFSET + index * slot)
}

/// Every slot offset of every label, for an import scanning the rings.
pub fn all_slot_offsets(dev_bytes: u64, ashift: u8) -> Vec<u64> {
    let slot = slot_bytes(ashift);
    label_offsets(dev_bytes).iter().flat_map(|l| (0..RING_BYTES / slot).map(move |i| l + RING_OFFSET + i * slot)).collect()
}

impl Uberblock {
    /// The slot's bytes as written at `offset` on the leaf.
    pub fn encode(&self, slot_bytes: u64, offset: u64) -> Vec<u8> {
        let mut b = vec![0u8; slot_bytes as usize];
        put64(&mut b, 0, UBERBLOCK_MAGIC);
        put64(&mut b, 8, SPA_VERSION_FEATURES);
        put64(&mut b, 16, self.ub_txg);
        put64(&mut b, 24, self.ub_guid_sum);
        put64(&mut b, 32, self.ub_timestamp);
        b[40..168].copy_from_slice(&self.ub_rootbp.encode());
        let eck = b.len() - 40;
        put64(&mut b, eck, ZEC_MAGIC);
        let verifier = Cksum([offset, 0, 0, 0]);
        set_cksum(&mut b, eck + 8, verifier);
        let sum = sha256(&b);
        set_cksum(&mut b, eck + 8, sum);
        b
    }

    /// Decodes a slot read from `offset`; `None` unless magic and checksum hold.
    pub fn decode(b: &[u8], offset: u64) -> Option<Uberblock> {
        if b.len() < 1024 || get64(b, 0) != UBERBLOCK_MAGIC {
            return None;
        }
        let eck = b.len() - 40;
        let stored = Cksum([get64(b, eck + 8), get64(b, eck + 16), get64(b, eck + 24), get64(b, eck + 32)]);
        let mut copy = b.to_vec();
        set_cksum(&mut copy, eck + 8, Cksum([offset, 0, 0, 0]));
        if get64(b, eck) != ZEC_MAGIC || sha256(&copy) != stored {
            return None;
        }
        Some(Uberblock { ub_txg: get64(b, 16), ub_guid_sum: get64(b, 24), ub_timestamp: get64(b, 32), ub_rootbp: Blkptr::decode(&b[40..168]) })
    }
}

/// The config `vdev_label_init` writes on leaf `c` of top-level vdev `t`, with
/// device paths from `path`.
pub fn config(pool: &Pool, t: usize, c: usize, path: &dyn Fn(DevId) -> String) -> Nvlist {
    let top = &pool.vdevs[t];
    let leaf = &top.children[c];
    let child = |i: usize| -> Nvlist {
        let l = &top.children[i];
        vec![
            ("type", NvValue::Str("disk".into())),
            ("id", NvValue::U64(i as u64)),
            ("guid", NvValue::U64(l.guid)),
            ("path", NvValue::Str(format!("/dev/{}", path(l.dev)))),
            ("whole_disk", NvValue::U64(u64::from(l.whole_disk.is_some()))),
            ("create_txg", NvValue::U64(TXG_INITIAL)),
        ]
    };
    let shape = |mut tree: Nvlist| {
        tree.extend([
            ("metaslab_shift", NvValue::U64(u64::from(top.ms_shift))),
            ("ashift", NvValue::U64(u64::from(top.ashift))),
            ("asize", NvValue::U64(top.asize)),
            ("is_log", NvValue::U64(0)),
            ("create_txg", NvValue::U64(TXG_INITIAL)),
        ]);
        tree
    };
    let (top_guid, tree) = match top.kind {
        VdevKind::Disk => (leaf.guid, shape(child(c).into_iter().filter(|(k, _)| *k != "create_txg").collect())),
        kind => {
            let mut tree = vec![("type", NvValue::Str(if kind == VdevKind::Raidz1 { "raidz" } else { "mirror" }.into()))];
            if kind == VdevKind::Raidz1 {
                tree.push(("nparity", NvValue::U64(1)));
            }
            tree.extend([("id", NvValue::U64(u64::from(top.id))), ("guid", NvValue::U64(top.guid))]);
            let mut tree = shape(tree);
            tree.push(("children", NvValue::Lists((0..top.children.len()).map(child).collect())));
            (top.guid, tree)
        }
    };
    vec![
        ("version", NvValue::U64(SPA_VERSION_FEATURES)),
        ("name", NvValue::Str(pool.name.clone())),
        ("state", NvValue::U64(pool_state(pool))),
        ("txg", NvValue::U64(pool.txg.max(TXG_INITIAL))),
        ("pool_guid", NvValue::U64(pool.guid)),
        ("errata", NvValue::U64(0)),
        ("top_guid", NvValue::U64(top_guid)),
        ("guid", NvValue::U64(leaf.guid)),
        ("vdev_children", NvValue::U64(pool.vdevs.len() as u64)),
        ("vdev_tree", NvValue::List(tree)),
    ]
}

/// `POOL_STATE_ACTIVE` (0), `POOL_STATE_EXPORTED` (1) once exported, or
/// `POOL_STATE_DESTROYED` (2).
#[cfg(feature = "zfs")]
fn pool_state(pool: &Pool) -> u64 {
    if pool.destroyed {
        2
    } else {
        u64::from(pool.exported)
    }
}

/// Without the `zfs` feature no pool is ever exported.
#[cfg(not(feature = "zfs"))]
fn pool_state(_: &Pool) -> u64 {
    0
}

fn set_cksum(b: &mut [u8], at: usize, c: Cksum) {
    for (i, w) in c.0.iter().enumerate() {
        put64(b, at + 8 * i, *w);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slots_verify_only_at_their_own_offset() {
        let ub = Uberblock { ub_txg: 5, ub_guid_sum: 11, ub_timestamp: 99, ub_rootbp: Blkptr::hole() };
        let b = ub.encode(4096, 139264);
        assert_eq!(Uberblock::decode(&b, 139264), Some(ub));
        assert_eq!(Uberblock::decode(&b, 143360), None);
        let mut rotten = b.clone();
        rotten[20] ^= 1;
        assert_eq!(Uberblock::decode(&rotten, 139264), None);
    }

    #[test]
    fn txg_picks_a_slot_of_the_ring() {
        // ashift 12: 4 KiB slots, 32 of them; txg 33 uses slot 1 of each label.
        let offs = slot_offsets(1 << 30, 12, 33);
        assert_eq!(offs[0], 128 * 1024 + 4096);
        assert_eq!(offs[3], (1 << 30) - 256 * 1024 + 128 * 1024 + 4096);
    }
}
