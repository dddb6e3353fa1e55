//! Whole disks as the kernel sees them: name, transport, size, device numbers, the
//! bytes on them, and the partition table the kernel last read.
//!
//! The kernel's view (`kernel_partitions`) is kept apart from the bytes (`media`),
//! because they differ while a disk is busy: a new table can be written, but the
//! kernel keeps using the old one until the disk is free. Simplification: device
//! numbers are assigned in a fixed order instead of by probe timing.

use super::device::DevId;
use super::label::Label;
use super::media::Media;
use super::units::SECTOR_BYTES;

/// How the disk is attached, which decides its name and device numbers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transport {
    /// SATA or SCSI: `sdX`, major 8, 16 minors per disk.
    Sata,
    /// NVMe: `nvmeXnY`, major 259 (block extended) for the namespace and partitions.
    Nvme,
    /// A loop device: `loopN`, major 7; its partitions use major 259.
    Loop,
    /// A network block device of `qemu-nbd`: `nbdN`, major 43, with its
    /// partitions in its own range of minors.
    Nbd,
}

impl Transport {
    /// How the figures label the transport.
    pub fn label(self) -> &'static str {
        match self {
            Transport::Sata => "SATA",
            Transport::Nvme => "NVMe",
            Transport::Loop => "loop",
            Transport::Nbd => "NBD",
        }
    }

    /// The TRAN column of lsblk.
    pub fn tran(self) -> &'static str {
        match self {
            Transport::Sata => "sata",
            Transport::Nvme => "nvme",
            Transport::Loop | Transport::Nbd => "",
        }
    }
}

/// The major number of SCSI disks.
pub const SD_MAJOR: u32 = 8;
/// The major number of network block devices.
pub const NBD_MAJOR: u32 = 43;
/// The major number of loop devices.
pub const LOOP_MAJOR: u32 = 7;
/// The "block extended" major used by NVMe and by partitions beyond 15.
pub const BLKEXT_MAJOR: u32 = 259;
/// The device-mapper major shown for LVM volumes.
pub const DM_MAJOR: u32 = 253;

/// A partition as the kernel registered it (a line of /proc/partitions).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KernelPartition {
    /// The registry identity of the partition's block device.
    pub dev: DevId,
    pub number: u32,
    pub start_lba: u64,
    pub size_sectors: u64,
    pub major: u32,
    pub minor: u32,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Disk {
    /// The registry identity of the disk's block device.
    pub dev: DevId,
    /// Kernel name, such as `sdb` or `nvme0n1`.
    pub name: String,
    pub transport: Transport,
    pub size_bytes: u64,
    /// The model string the drive reports; image files and loop devices have none.
    pub model: Option<String>,
    pub serial: Option<String>,
    pub rotational: bool,
    pub major: u32,
    pub minor: u32,
    pub media: Media,
    pub kernel_partitions: Vec<KernelPartition>,
    pub label_cache: LabelCache,
    /// The file behind a loop device that `losetup` set up; None for a disk.
    #[cfg(feature = "loop-devices")]
    pub backing: Option<LoopBacking>,
    /// A RAID controller's logical drive rather than a disk of its own.
    #[cfg(feature = "zfs")]
    pub raid: Option<super::hwraid::HwRaid>,
}

/// The file a loop device reads and writes (`losetup FILE`), as
/// `/sys/block/loopN/loop/` describes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoopBacking {
    /// The absolute path given at setup: losetup's BACK-FILE.
    pub path: String,
    /// The UUID of the filesystem the file is on, and its inode.
    pub fs: String,
    pub ino: u64,
    /// The device numbers of that filesystem (`losetup -a`'s `[dev]`).
    pub fs_dev: (u32, u32),
    pub read_only: bool,
    /// `-P`: the kernel scans the device for partitions (LO_FLAGS_PARTSCAN).
    pub partscan: bool,
    /// `losetup -d` while the device was in use: it goes when last closed.
    pub autoclear: bool,
    /// The file was removed; the loop device keeps its inode, as the kernel does.
    pub deleted: bool,
    /// `qemu-nbd` serves the file's qcow2 guest disk rather than its bytes.
    pub qcow2: bool,
    /// A served qcow2 clone: the guest ranges its backing chain holds data
    /// in, and the backing file's size (what QEMU's writes depend on).
    pub below: Option<(Vec<(u64, u64)>, u64)>,
    /// A served clone's backing files, which QEMU opens read-only and keeps
    /// others from writing.
    pub backing_files: Vec<String>,
}

/// The table last parsed from a disk's bytes, with the media stamp it was
/// read at: lsblk and the figures ask for it many times per command, and a
/// GPT's checksums cover 16 KiB. Not part of the disk's state.
#[derive(Debug, Clone, Default)]
pub struct LabelCache(std::cell::RefCell<Option<(u64, Option<Label>)>>);

impl PartialEq for LabelCache {
    fn eq(&self, _: &LabelCache) -> bool {
        true
    }
}

impl Eq for LabelCache {}

impl Disk {
    pub fn total_sectors(&self) -> u64 {
        self.size_bytes / SECTOR_BYTES
    }

    /// The device path, such as `/dev/sdb`.
    pub fn path(&self) -> String {
        format!("/dev/{}", self.name)
    }

    /// The kernel name of partition `number`: `sdb1`, but `nvme0n1p1` and `loop0p1`
    /// because a name ending in a digit needs a separator.
    pub fn partition_name(&self, number: u32) -> String {
        partition_name(&self.name, number)
    }

    /// A warning about a GPT with one damaged copy, as libfdisk prints it.
    pub fn gpt_warning(&self) -> Option<&'static str> {
        Label::gpt_damage(&self.media, self.total_sectors()).map(|d| d.warning())
    }

    /// The label currently on the disk's bytes (not necessarily the kernel's view).
    pub fn label(&self) -> Option<Label> {
        let stamp = self.media.stamp();
        if let Some((at, label)) = self.label_cache.0.borrow().as_ref() {
            if *at == stamp {
                return label.clone();
            }
        }
        let label = Label::read_from(&self.media, self.total_sectors());
        self.label_cache.0.replace(Some((stamp, label.clone())));
        label
    }
}

/// The kernel name of partition `number` of disk `disk`.
pub fn partition_name(disk: &str, number: u32) -> String {
    if disk.ends_with(|c: char| c.is_ascii_digit()) {
        format!("{disk}p{number}")
    } else {
        format!("{disk}{number}")
    }
}

/// Reads a disk name like `sdb`, `nvme0n1` or `loop3` and says how it is attached.
pub fn transport_for_name(name: &str) -> Option<Transport> {
    if let Some(rest) = name.strip_prefix("sd") {
        return (!rest.is_empty() && rest.len() <= 2 && rest.chars().all(|c| c.is_ascii_lowercase()))
            .then_some(Transport::Sata);
    }
    if let Some(rest) = name.strip_prefix("nvme") {
        let (ctrl, ns) = rest.split_once('n')?;
        let digits = |s: &str| !s.is_empty() && s.len() <= 3 && s.chars().all(|c| c.is_ascii_digit());
        return (digits(ctrl) && digits(ns)).then_some(Transport::Nvme);
    }
    if let Some(rest) = name.strip_prefix("loop") {
        return (!rest.is_empty() && rest.len() <= 3 && rest.chars().all(|c| c.is_ascii_digit()))
            .then_some(Transport::Loop);
    }
    None
}

/// The index of an `sd` disk from its letters: `sda` is 0, `sdz` 25, `sdaa` 26.
pub fn sd_index(name: &str) -> u32 {
    let letters = name.trim_start_matches("sd").as_bytes();
    letters.iter().fold(0u32, |acc, b| acc * 26 + (b.saturating_sub(b'a') as u32 + 1)).saturating_sub(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_follow_the_kernel() {
        assert_eq!(partition_name("sdb", 1), "sdb1");
        assert_eq!(partition_name("nvme0n1", 2), "nvme0n1p2");
        assert_eq!(partition_name("loop0", 1), "loop0p1");
        assert_eq!(transport_for_name("sdc"), Some(Transport::Sata));
        assert_eq!(transport_for_name("nvme1n1"), Some(Transport::Nvme));
        assert_eq!(transport_for_name("loop7"), Some(Transport::Loop));
        assert_eq!(transport_for_name("sdb1"), None);
        assert_eq!(transport_for_name("hda"), None);
        assert_eq!(sd_index("sda"), 0);
        assert_eq!(sd_index("sdc"), 2);
    }
}
