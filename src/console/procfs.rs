//! The kernel's text files about storage, as `cat` and the other readers see
//! them: `/proc/partitions` (genhd.c's `show_partition`), `/proc/swaps`
//! (swapfile.c's `swap_show`) and `/proc/mounts` (also `/etc/mtab`).
//!
//! Simplified: the devices are listed in the order the lab created them
//! (the kernel's is the order it registered them, which is the same for
//! devices made during the lab); swap is never used, and /proc/mounts lists
//! storage only, like `mount`.

use crate::core::device::{BlockDev, DevKind};
use crate::core::machine::Machine;
use crate::core::order::SmallSort;

/// The file's contents, or None when `path` is not one of them.
pub fn read(machine: &Machine, path: &str) -> Option<String> {
    match path {
        "/proc/partitions" => Some(partitions(machine)),
        "/proc/swaps" => Some(swaps(machine)),
        "/proc/mounts" | "/proc/self/mounts" | "/etc/mtab" => Some(mounts(machine)),
        #[cfg(feature = "zfs")]
        "/proc/spl/kstat/zfs/arcstats" => Some(super::zfs::arcstats_file(machine)),
        _ => None,
    }
}

/// Every disk with a size, each followed by its partitions, sizes in KiB.
fn partitions(machine: &Machine) -> String {
    let mut text = String::from("major minor  #blocks  name\n\n");
    let devices = machine.devices();
    let line = |d: &BlockDev| format!("{:4}  {:7} {:10} {}\n", d.major, d.minor, d.size_bytes >> 10, d.kernel_name());
    let wholes: Vec<&BlockDev> = devices.iter().filter(|d| !matches!(d.kind, DevKind::Partition { .. }) && d.size_bytes > 0).collect();
    // Device-mapper registers devices as they are activated, in the order of
    // their minors; the lab's registry keeps an LV's id across activations.
    let mut dm: Vec<&BlockDev> = wholes.iter().copied().filter(|d| d.is_dm()).collect();
    dm.small_sort_by_key(|d| d.minor);
    let mut dm = dm.into_iter();
    for disk in wholes {
        let disk = if disk.is_dm() { dm.next().unwrap_or(disk) } else { disk };
        text.push_str(&line(disk));
        let mut parts: Vec<(u32, &BlockDev)> = devices
            .iter()
            .filter_map(|p| match p.kind {
                DevKind::Partition { disk: of, number, .. } if of == disk.id && p.size_bytes > 0 => Some((number, p)),
                _ => None,
            })
            .collect();
        parts.small_sort_by_key(|p| p.0);
        for (_, p) in parts {
            text.push_str(&line(p));
        }
    }
    text
}

/// The active swap areas: their usable size (every page after the header)
/// in KiB, none of it used, priorities from -2 down.
pub(crate) fn swaps(machine: &Machine) -> String {
    let mut text = String::from("Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority\n");
    for (i, dev) in machine.swaps().iter().enumerate() {
        let name = machine.devices().get(*dev).map_or_else(|| machine.path(*dev), |d| format!("/dev/{}", d.kernel_name()));
        let pad = 40usize.saturating_sub(name.len()).max(1);
        let size_kib = (machine.size_of(*dev) / 4096).saturating_sub(1) * 4;
        let tab = if size_kib < 10_000_000 { "\t" } else { "" };
        text.push_str(&format!("{name}{}partition\t{size_kib}\t{tab}0\t\t-{}\n", " ".repeat(pad), i + 2));
    }
    text
}

/// One line per mount: source, target, type, options and two zeros.
fn mounts(machine: &Machine) -> String {
    super::mounts::table(machine).iter().map(|m| format!("{} {} {} {} 0 0\n", m.source, m.target, m.fstype, m.options)).collect()
}
