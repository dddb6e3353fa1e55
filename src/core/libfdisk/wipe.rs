//! libfdisk's collision check (`fdisk_check_collisions`) and fdisk's and
//! sfdisk's `--wipe` mode: what a new partition table would leave behind of
//! the device's old contents, and whether the write removes it.
//!
//! Simplified: the lab's dialogs read their answers as from a pipe, never
//! from a terminal, so `auto` behaves as fdisk does with piped input: it
//! removes an old partition table and leaves a filesystem's signature.

use crate::core::device::DevId;
use crate::core::machine::Machine;

/// `-w/--wipe`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum WipeMode {
    #[default]
    Auto,
    Never,
    Always,
}

impl WipeMode {
    /// `wipemode_from_string()`: the three names, in any case.
    #[cfg(feature = "wipe-modes")]
    pub fn parse(text: &str) -> Option<WipeMode> {
        [("auto", WipeMode::Auto), ("never", WipeMode::Never), ("always", WipeMode::Always)]
            .into_iter()
            .find(|(name, _)| name.eq_ignore_ascii_case(text))
            .map(|(_, mode)| mode)
    }

    /// `follow_wipe_mode()`'s choice for a collision.
    pub fn wipes(self, collision: &Collision) -> bool {
        match self {
            WipeMode::Always => true,
            WipeMode::Never => false,
            WipeMode::Auto => collision.table,
        }
    }
}

/// The first signature libblkid finds on the device: a filesystem's (or
/// another superblock's) TYPE, or else the PTTYPE of a partition table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Collision {
    pub name: &'static str,
    /// It is a partition table (libfdisk's `pt_collision`).
    pub table: bool,
}

/// `fdisk_check_collisions()` on a whole disk. A disk's own table is no
/// collision when the tool opens it (libfdisk drops a table it can read, and
/// the lab has no other kind), so only a new label asks `with_table`.
/// Without the feature `wipe-modes` (the browser) only old tables count.
pub fn check(machine: &Machine, disk: DevId, with_table: bool) -> Option<Collision> {
    #[cfg(feature = "wipe-modes")]
    if let Some(sig) = machine.probe(disk) {
        return Some(Collision { name: sig.fstype.name(), table: false });
    }
    let on_disk = machine.disk(disk).and_then(|d| d.label()).filter(|_| with_table)?;
    Some(Collision { name: on_disk.kind.name(), table: true })
}
