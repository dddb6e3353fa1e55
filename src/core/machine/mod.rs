//! One host's storage: its disks, the kernel's block devices, LVM, and the
//! filesystems, mounts and swap areas above them.
//!
//! `Machine` is the state the interpreter replays commands on. Its fields are
//! private: the console reads it through accessors and changes it only through
//! operations that return `Result<Vec<Event>, _>`. After every change of
//! topology (a partition table re-read, an LV created) the device registry is
//! derived again, so it never drifts from the disks and the LVM metadata.
//! Submodules: `devices` (registry, paths, the "in use" rule, lsblk's tree),
//! `io` (reads and writes through every layer), `partitions` (tables and the
//! kernel's view of them), `volumes` (LVM with its on-disk labels), `storage`
//! (filesystems, mounts, swap), `lab` (the default lab host).

mod devices;
pub mod files;
mod io;
mod lab;
#[cfg(feature = "loop-devices")]
pub mod loops;
#[cfg(not(feature = "loop-devices"))]
mod loops {
    //! Without the `loop-devices` feature no disk has a backing file.
    use super::Machine;
    use crate::core::device::DevId;

    impl Machine {
        pub(super) fn partscan_refused(&self, _: DevId) -> bool {
            false
        }
        pub(super) fn nbd_part_shift(&self) -> u32 {
            5
        }
        pub fn image_served(&self, _: &str) -> bool {
            false
        }
        pub fn image_backs_served(&self, _: &str) -> bool {
            false
        }
        pub(super) fn write_label_bytes(&mut self, disk: DevId, label: &crate::core::label::Label) {
            if let Some(d) = self.disk_mut(disk) {
                label.write_to(&mut d.media);
            }
        }
        pub(super) fn mirror_from_file(&mut self, _: &str, _: u64, _: u64, _: u64) {}
        pub(super) fn loop_file_removed(&mut self, _: &str, _: u64) {}
    }
}
mod partitions;
#[cfg(feature = "classic-snapshots")]
mod snapshots;
mod storage;
mod volumes;
pub mod zfs;
mod zfs_files;
#[cfg(feature = "zfs")]
mod hwraid;
#[cfg(feature = "zfs")]
mod zfs_import;
#[cfg(feature = "zfs")]
mod zfs_bookmarks;
#[cfg(feature = "zfs")]
mod zfs_holds;
#[cfg(feature = "zfs")]
mod zvols;

pub use devices::{BlockNode, Busy};
pub use io::{IoError, IoFailure};
pub use partitions::{PartitionChange, Reread};
pub use files::{FileStat, Found};
pub use storage::{Filesystem, FsError, Mount, NewFs};
#[cfg(feature = "zfs")]
pub use zfs_import::ImportError;
#[cfg(feature = "zfs")]
pub use zfs_holds::HoldError;
pub use zfs::{pool_of, NewDataset, SCRUB_BYTES_PER_SECOND, ZFS_WRITE_LIMIT_BYTES};

use super::device::{DevId, Registry};
use super::disk::{self, Disk, Transport, BLKEXT_MAJOR, LOOP_MAJOR, SD_MAJOR};
use super::event::Event;
use super::gpt::Guid;
use super::lvm::{self, Lvm};
use super::media::Media;
use super::rng::Rng;
use super::units::{MIB, SECTOR_BYTES};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Machine {
    hostname: String,
    /// The kernel's release and version, as `uname -r` and `uname -v` print them.
    kernel: (String, String),
    disks: Vec<Disk>,
    lvm: Lvm,
    devices: Registry,
    /// Filesystem contents, keyed by the UUID their superblock carries.
    filesystems: Vec<Filesystem>,
    /// A thin snapshot's filesystem contents as they were when it was taken,
    /// keyed by the snapshot LV's UUID: its bytes share chunks with the origin,
    /// and a merge brings both back together.
    #[cfg(feature = "thin-snapshots")]
    snapshot_trees: Vec<(String, Filesystem)>,
    mounts: Vec<Mount>,
    swaps: Vec<DevId>,
    rng: Rng,
    next_blkext_minor: u32,
    /// The lab's clock, in seconds since the epoch; every command ticks it.
    clock: u64,
    /// The UUID of a memory-backed root filesystem, on machines without a root disk.
    rootfs: Option<String>,
    /// Imported ZFS pools.
    zfs: crate::core::zfs::Zfs,
    /// Files written through their loop devices since the shell last asked
    /// (`take_loop_writes`), so Figure 5 redraws those images.
    #[cfg(feature = "loop-devices")]
    loop_writes: Vec<String>,
    /// `modprobe nbd max_part=N`: None while the nbd module is not loaded.
    #[cfg(feature = "loop-devices")]
    nbd_max_part: Option<u32>,
    /// Signatures already probed, kept while the bytes under them stay the same.
    #[cfg(feature = "zfs")]
    probe_cache: devices::ProbeCache,
}

/// When every lab machine boots: 2026-11-25 09:00:00 UTC.
pub const BOOT_TIME: u64 = 1_795_597_200;

/// Why a disk could not be attached.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AttachError {
    BadName(String),
    NameTaken(String),
    TooSmall(String),
}

impl std::fmt::Display for AttachError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            AttachError::BadName(n) => write!(f, "'{n}' is not a disk name like sdb, nvme0n1 or loop0"),
            AttachError::NameTaken(n) => write!(f, "a disk named {n} already exists"),
            AttachError::TooSmall(n) => write!(f, "disk {n} must be at least 1 MiB"),
        }
    }
}

impl Machine {
    /// A host with no disks.
    pub fn empty(seed: u64) -> Machine {
        Machine {
            hostname: "pve".into(),
            kernel: ("6.8.12-4-pve".into(), "#1 SMP PREEMPT_DYNAMIC PMX 6.8.12-4 (2024-11-06T15:04Z)".into()),
            disks: Vec::new(),
            lvm: Lvm::default(),
            devices: Registry::default(),
            filesystems: Vec::new(),
            #[cfg(feature = "thin-snapshots")]
            snapshot_trees: Vec::new(),
            mounts: Vec::new(),
            swaps: Vec::new(),
            rng: Rng::new(seed),
            next_blkext_minor: 0,
            clock: BOOT_TIME,
            rootfs: None,
            zfs: Default::default(),
            #[cfg(feature = "loop-devices")]
            loop_writes: Vec::new(),
            #[cfg(feature = "loop-devices")]
            nbd_max_part: None,
            #[cfg(feature = "zfs")]
            probe_cache: Default::default(),
        }
    }

    /// The lab clock, in seconds since the epoch.
    pub fn now(&self) -> u64 {
        self.clock
    }

    /// Sets the clock (for reproducing a capture made at a known time).
    pub fn set_clock(&mut self, secs: u64) {
        self.clock = secs;
    }

    /// One command's worth of time passes; a scrub under way goes on.
    pub fn tick(&mut self) {
        self.clock += 1;
        self.advance_scrubs();
    }

    /// `secs` seconds pass (`sleep`): scrubs go on while there are any.
    pub fn pass_time(&mut self, secs: u64) {
        for done in 0..secs {
            if !self.scrubbing() {
                self.clock += secs - done;
                return;
            }
            self.tick();
        }
    }

    /// A host with only the given blank disks (`--disks sdb=500G,...`).
    pub fn with_disks(seed: u64, disks: &[(String, u64)]) -> Result<Machine, AttachError> {
        let mut m = Machine::empty(seed);
        for (name, size) in disks {
            m.attach_disk(name, *size, None)?;
        }
        m.install_memory_root();
        Ok(m)
    }

    pub fn hostname(&self) -> &str {
        &self.hostname
    }

    /// `uname -a` without the trailing `GNU/Linux`: what lvm2 records as its host.
    /// The kernel's release, as `uname -r` prints it.
    pub fn kernel_release(&self) -> &str {
        &self.kernel.0
    }

    pub fn uname(&self) -> String {
        format!("Linux {} {} {} x86_64", self.hostname, self.kernel.0, self.kernel.1)
    }

    /// Sets the host name and kernel (for reproducing a capture made elsewhere).
    pub fn set_host(&mut self, hostname: &str, release: &str, version: &str) {
        self.hostname = hostname.into();
        self.kernel = (release.into(), version.into());
    }

    pub fn disks(&self) -> &[Disk] {
        &self.disks
    }

    pub fn disk(&self, dev: DevId) -> Option<&Disk> {
        self.disks.iter().find(|d| d.dev == dev)
    }

    pub fn disk_named(&self, name: &str) -> Option<&Disk> {
        self.disks.iter().find(|d| d.name == name)
    }

    pub(crate) fn disk_mut(&mut self, dev: DevId) -> Option<&mut Disk> {
        self.disks.iter_mut().find(|d| d.dev == dev)
    }

    pub fn lvm(&self) -> &Lvm {
        &self.lvm
    }

    pub fn devices(&self) -> &Registry {
        &self.devices
    }

    pub fn mounts(&self) -> &[Mount] {
        &self.mounts
    }

    pub fn swaps(&self) -> &[DevId] {
        &self.swaps
    }

    pub fn filesystems(&self) -> &[Filesystem] {
        &self.filesystems
    }

    /// Plugs in a blank disk named `name`.
    pub fn attach_disk(&mut self, name: &str, size_bytes: u64, model: Option<String>) -> Result<Vec<Event>, AttachError> {
        let transport = disk::transport_for_name(name).ok_or_else(|| AttachError::BadName(name.into()))?;
        if self.disk_named(name).is_some() {
            return Err(AttachError::NameTaken(name.into()));
        }
        if size_bytes < MIB {
            return Err(AttachError::TooSmall(name.into()));
        }
        self.add_disk(name, transport, size_bytes, model);
        let size_bytes = size_bytes / SECTOR_BYTES * SECTOR_BYTES;
        Ok(vec![Event::DiskAttached { disk: name.into(), transport: transport.label(), size_bytes }])
    }

    /// Adds a blank disk (or loop device) to the machine and the registry.
    pub(super) fn add_disk(&mut self, name: &str, transport: Transport, size_bytes: u64, model: Option<String>) {
        let (major, minor) = match transport {
            Transport::Sata => (SD_MAJOR, disk::sd_index(name) * 16),
            Transport::Nvme => (BLKEXT_MAJOR, self.take_blkext_minor()),
            Transport::Loop => (LOOP_MAJOR, name.trim_start_matches("loop").parse().unwrap_or(0)),
            Transport::Nbd => (disk::NBD_MAJOR, name.trim_start_matches("nbd").parse::<u32>().unwrap_or(0) << self.nbd_part_shift()),
        };
        let serial = model.as_ref().map(|_| format!("{:016X}", self.rng.next_u64()));
        let dev = self.devices.new_id();
        self.disks.push(Disk {
            dev,
            name: name.into(),
            transport,
            size_bytes: size_bytes / SECTOR_BYTES * SECTOR_BYTES,
            model,
            serial,
            rotational: transport == Transport::Sata,
            major,
            minor,
            media: Media::default(),
            kernel_partitions: Vec::new(),
            label_cache: Default::default(),
            #[cfg(feature = "loop-devices")]
            backing: None,
            #[cfg(feature = "zfs")]
            raid: None,
        });
        self.refresh();
    }

    /// The next free name for a new disk of `transport` (`sdd`, `nvme2n1`).
    pub fn next_disk_name(&self, transport: Transport) -> String {
        let taken = |n: &str| self.disk_named(n).is_some();
        match transport {
            Transport::Sata => (0..26u8).map(|i| format!("sd{}", (b'a' + i) as char)).find(|n| !taken(n)),
            Transport::Nvme => (0..100).map(|i| format!("nvme{i}n1")).find(|n| !taken(n)),
            Transport::Loop => (0..100).map(|i| format!("loop{i}")).find(|n| !taken(n)),
            Transport::Nbd => (0..16).map(|i| format!("nbd{i}")).find(|n| !taken(n)),
        }
        .unwrap_or_else(|| "sdzz".into())
    }

    fn take_blkext_minor(&mut self) -> u32 {
        let m = self.next_blkext_minor;
        self.next_blkext_minor += 1;
        m
    }

    /// A fresh random 32-bit DOS disk identifier.
    pub fn new_dos_signature(&mut self) -> u32 {
        self.rng.next_u32()
    }

    pub fn new_guid(&mut self) -> Guid {
        Guid::from_uuid_bytes(self.rng.uuid_v4())
    }

    pub fn new_lvm_uuid(&mut self) -> String {
        let rng = &mut self.rng;
        lvm::format_lvm_uuid(&mut || rng.next_u64())
    }

    /// A filesystem UUID in the lowercase text form blkid prints.
    pub fn new_fs_uuid(&mut self) -> String {
        Guid::from_uuid_bytes(self.rng.uuid_v4()).to_string().to_ascii_lowercase()
    }

    /// A seed for a run of pseudo-random data (`dd if=/dev/urandom`).
    pub fn new_data_seed(&mut self) -> u64 {
        self.rng.next_u64()
    }
}

/// The device-mapper name of an LV: dashes in either name are doubled.
pub fn dm_name(vg: &str, lv: &str) -> String {
    format!("{}-{}", vg.replace('-', "--"), lv.replace('-', "--"))
}
