//! The storage model: deterministic, with no web or terminal dependencies.
//!
//! A `Machine` holds disks (with real partition-table bytes), the kernel's view of
//! them, LVM and filesystems. Operations change it and return `Event`s; they never
//! print, sleep or render. Text belongs to `console`, pictures to `ui`.

pub mod crc32;
pub mod device;
pub mod disk;
pub mod event;
pub mod ext4;
pub mod gpt;
#[cfg(feature = "zfs")]
pub mod hwraid;
pub mod image;
pub mod label;
pub mod libfdisk;
pub mod lvm;
pub mod machine;
pub mod mbr;
pub mod order;
pub mod media;
pub mod parttypes;
pub mod qcow2;
pub mod ranges;
pub mod rng;
pub mod signature;
pub mod units;
pub mod vfs;
#[cfg(feature = "xfs")]
pub mod xfs;
pub mod zfs;

pub use event::Event;
pub use machine::Machine;
