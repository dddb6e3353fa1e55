//! ZFS volumes as block devices: each volume of an imported pool is a disk
//! `zdN` (major 230), as OpenZFS's Linux module registers it, and
//! `/dev/zvol/POOL/NAME` names the same device.
//!
//! Device numbers: a volume keeps its minor while it exists; a new one takes
//! the lowest free multiple of 16 (OpenZFS hands out indexes from an ida and
//! leaves 15 minors after each for partitions). Simplified: snapshots get no
//! devices (`snapdev=hidden`, the default), partitions on a volume are not
//! registered, and a read through the device that finds a bad copy returns
//! the good one without repairing it or counting the error (`dd` and
//! `md5sum` on the device do both, through `zvol_read`).

use super::io::IoError;
use super::Machine;
use crate::core::device::{BlockDev, DevId, DevKind};
use crate::core::media::Chunk;
use crate::core::zfs::{DatasetKind, Disks, Os, Tx, ZfsError};

/// The block major of `zd` devices (`/proc/devices`: `230 zvol`).
pub const ZVOL_MAJOR: u32 = 230;

/// Minors per volume: the device and up to 15 partitions.
const ZVOL_MINORS: u32 = 16;

impl Machine {
    /// Adds a device for every volume of every imported pool.
    pub(super) fn zvol_devices(&mut self, devs: &mut Vec<BlockDev>) {
        let mut volumes: Vec<(String, u64)> = Vec::new();
        for pool in &self.zfs.pools {
            for ds in &pool.datasets {
                if let DatasetKind::Volume { size_bytes, .. } = ds.kind {
                    volumes.push((ds.name.clone(), size_bytes));
                }
            }
        }
        let old: Vec<(String, DevId, u32)> = self
            .devices
            .iter()
            .filter_map(|d| match &d.kind {
                DevKind::Zvol { dataset } if volumes.iter().any(|v| v.0 == *dataset) => Some((dataset.clone(), d.id, d.minor)),
                _ => None,
            })
            .collect();
        let mut used: Vec<u32> = old.iter().map(|o| o.2).collect();
        for (dataset, size_bytes) in volumes {
            let (id, minor) = match old.iter().find(|o| o.0 == dataset) {
                Some(o) => (o.1, o.2),
                None => {
                    let minor = (0..).map(|i| i * ZVOL_MINORS).find(|m| !used.contains(m)).unwrap_or(0);
                    used.push(minor);
                    (self.devices.new_id(), minor)
                }
            };
            let kind = DevKind::Zvol { dataset };
            devs.push(BlockDev { id, name: format!("zd{minor}"), major: ZVOL_MAJOR, minor, size_bytes, kind, slaves: Vec::new() });
        }
    }

    /// A volume device's volblocksize, which the kernel sees as its physical
    /// block and its I/O size.
    pub(super) fn zvol_block_bytes(&self, dev: DevId) -> Option<u64> {
        let vol = self.zvol_of(dev)?;
        match self.zfs.pool(super::zfs::pool_of(&vol))?.dataset(&vol)?.kind {
            DatasetKind::Volume { volblocksize, .. } => Some(volblocksize),
            DatasetKind::Filesystem => None,
        }
    }

    /// Whether the device of `name` (a volume, or any volume in a pool or
    /// under a dataset of that name) is open: mounted, swap, or held.
    pub(super) fn zvol_busy(&self, name: &str) -> bool {
        let prefix = format!("{name}/");
        self.devices.iter().any(|d| match &d.kind {
            DevKind::Zvol { dataset } => (dataset == name || dataset.starts_with(&prefix)) && self.busy(d.id).is_some(),
            _ => false,
        })
    }

    /// The written blocks of `offset..offset + len` of a volume, read
    /// without changing the machine; at most 256 MiB of them.
    pub(super) fn zvol_pieces(&self, dataset: &str, offset: u64, len: u64) -> Result<Vec<(u64, Chunk)>, IoError> {
        let ranges = self.zvol_tx(dataset, |tx, os| tx.zvol_written(os, offset, len))?;
        if ranges.iter().map(|r| r.1).sum::<u64>() > 256 << 20 {
            return Err(IoError::TooLarge);
        }
        self.zvol_tx(dataset, |tx, os| ranges.iter().map(|&(at, n)| Ok((at, Chunk::bytes(&tx.read_zvol(os, at, n)?)))).collect())
    }

    /// The volume behind a `zd` device.
    pub(super) fn zvol_of(&self, dev: DevId) -> Option<String> {
        match &self.devices.get(dev)?.kind {
            DevKind::Zvol { dataset } => Some(dataset.clone()),
            _ => None,
        }
    }

    /// Reads a volume without changing the machine.
    pub(super) fn zvol_peek(&self, dataset: &str, offset: u64, len: u64) -> Result<Vec<u8>, IoError> {
        self.zvol_tx(dataset, |tx, os| tx.read_zvol(os, offset, len))
    }

    /// Runs a read on a copy of the volume's pool, with repairs left
    /// unwritten.
    pub(super) fn zvol_tx<R>(&self, dataset: &str, op: impl FnOnce(&mut Tx, Os) -> Result<R, ZfsError>) -> Result<R, IoError> {
        let (pool, os) = self.pool_and_os(dataset).map_err(|e| IoError::Zfs(e.to_string()))?;
        let mut pool = self.zfs.pool(&pool).cloned().ok_or(IoError::NoDevice)?;
        let mut io = ReadOnly(self);
        let mut tx = Tx::new(&mut pool, &mut io, self.clock);
        op(&mut tx, os).map_err(|e| IoError::Zfs(e.to_string()))
    }
}

/// The machine's devices, with writes dropped.
struct ReadOnly<'a>(&'a Machine);

impl Disks for ReadOnly<'_> {
    fn read(&self, dev: DevId, offset: u64, len: u64) -> Option<Vec<u8>> {
        self.0.read(dev, offset, len)
    }

    fn write(&mut self, _: DevId, _: u64, _: Chunk) -> bool {
        true
    }

    fn size(&self, dev: DevId) -> u64 {
        self.0.size(dev)
    }

    fn name(&self, dev: DevId) -> String {
        self.0.name(dev)
    }

    fn read_described(&self, dev: DevId, offset: u64, len: u64) -> Option<Chunk> {
        self.0.read_described(dev, offset, len)
    }
}
