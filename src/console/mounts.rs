//! The mount table that `mount` without arguments, `findmnt` and
//! /proc/mounts show: ZFS filesystems among the devices' mounts, in the
//! order they were mounted.
//!
//! Simplified: only storage is mounted (no proc, sysfs, tmpfs or cgroups),
//! ext4 and vfat show `rw,relatime` (XFS its defaults), and a ZFS filesystem counts as mounted
//! when it was created (or at boot), not when its mountpoint last changed.

#[cfg(feature = "zfs")]
use crate::core::order::SmallSort;
use crate::core::machine::Machine;

/// One line of /proc/self/mountinfo, as findmnt reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MountRow {
    pub source: String,
    pub target: String,
    pub fstype: &'static str,
    pub options: &'static str,
}

/// What OpenZFS 2.2's `zpl_show_options` adds to the VFS's own options.
#[cfg(feature = "zfs")]
const ZFS_OPTIONS: &str = "rw,relatime,xattr,noacl,casesensitive";
/// The same for a filesystem with `readonly=on` (`SB_RDONLY`).
#[cfg(feature = "zfs")]
const ZFS_RO_OPTIONS: &str = "ro,relatime,xattr,noacl,casesensitive";

/// What the kernel shows for a mount with the default options: XFS (Linux
/// 6.1's `xfs_fs_show_options`) adds its inode, log-buffer and quota
/// settings; ext4 and vfat are shown as the VFS's own.
fn options_of(fstype: Option<crate::core::signature::FsType>) -> &'static str {
    #[cfg(feature = "xfs")]
    if fstype == Some(crate::core::signature::FsType::Xfs) {
        return "rw,relatime,inode64,logbufs=8,logbsize=32k,noquota";
    }
    let _ = fstype;
    "rw,relatime"
}

/// Every mount, oldest first.
pub fn table(machine: &Machine) -> Vec<MountRow> {
    let rows = machine.mounts().iter().map(|m| MountRow {
        source: machine.path(m.dev),
        target: m.target.clone(),
        fstype: machine.probe(m.dev).map_or("auto", |s| s.fstype.name()),
        options: options_of(machine.probe(m.dev).map(|s| s.fstype)),
    });
    #[cfg(feature = "zfs")]
    let rows = {
        let mut rows: Vec<(u64, MountRow)> = machine.mounts().iter().map(|m| m.since).zip(rows).collect();
        for (ds, mp, since) in machine.zfs_mounts() {
            let readonly = machine.zfs().pool(crate::core::machine::pool_of(&ds)).is_some_and(|p| p.readonly(&ds));
            let options = if readonly { ZFS_RO_OPTIONS } else { ZFS_OPTIONS };
            rows.push((since, MountRow { source: ds, target: mp, fstype: "zfs", options }));
        }
        rows.small_sort_by_key(|r| r.0);
        rows.into_iter().map(|r| r.1)
    };
    rows.collect()
}

/// `mount` without arguments.
pub fn list(machine: &Machine) -> String {
    table(machine).iter().map(|m| format!("{} on {} type {} ({})\n", m.source, m.target, m.fstype, m.options)).collect()
}
