//! libfdisk's rules (util-linux 2.38) for new labels and scripted partitions:
//! the alignment grain, a new GPT's geometry, and the first and last sector
//! of a partition that an sfdisk script line asks for. Each refusal carries
//! what libfdisk said before it (as data) and its errno; the console turns
//! them into sfdisk's text.
//!
//! Simplifications: 512-byte sectors without I/O hints (so the grain is 1 MiB
//! unless a script sets another), no cylinder units, and a logical partition's
//! EBR sits where the label model keeps it (at the extended partition's start
//! for the first logical, one grain before each later one).

pub mod dos;
#[cfg(feature = "free-space")]
pub mod free;
pub mod gpt;
#[cfg(feature = "sfdisk-options")]
pub mod resize;
pub mod wipe;

use super::label::GRAIN_SECTORS;

/// The error codes libfdisk returns, which sfdisk prints with strerror.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Errno {
    /// EINVAL
    Inval,
    /// ERANGE
    Range,
    /// ENOSPC
    NoSpc,
}

/// A message libfdisk prints on the way (fdisk_warnx or fdisk_info).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Notice {
    FirstLbaOutOfRange,
    LastLbaOutOfRange,
    /// The table cannot grow to the asked length (fdisk_gpt_set_npartitions).
    NoSpaceForTable,
    /// The table length does not fit in 32 bits of 128-byte entries.
    TooManyEntries { limit: u64 },
    SectorAlreadyUsed(u64),
    SectorAlreadyAllocated(u64),
    StartOutOfRange(u64),
    NoFreeSectors,
    NoEnoughFreeSectors,
    CouldNotCreate(u32),
    LastUsableIs { last: u64, requested: u64 },
    FirstUsableIs { first: u64, requested: u64 },
    MaximumPartitionsCreated,
    ExtendedExists,
    NoExtendedForLogical,
    PrimaryNotAvailable,
    AllPrimariesUsed,
    AllPrimarySpaceUsed,
    ReplaceAPrimary,
}

/// Why libfdisk refused, with what it said first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    pub notice: Option<Notice>,
    pub errno: Errno,
}

impl Refusal {
    pub fn silent(errno: Errno) -> Refusal {
        Refusal { notice: None, errno }
    }

    pub fn said(notice: Notice, errno: Errno) -> Refusal {
        Refusal { notice: Some(notice), errno }
    }
}

/// libfdisk's alignment context: the grain and the lowest sector that
/// aligning may return.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Align {
    pub grain_sectors: u64,
    pub first_lba: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    Up,
    Down,
    Nearest,
}

impl Default for Align {
    /// 1 MiB, as on any disk without I/O hints.
    fn default() -> Align {
        Align { grain_sectors: GRAIN_SECTORS, first_lba: GRAIN_SECTORS }
    }
}

impl Align {
    /// The device's alignment: 1 MiB, or one sector on disks of 4 MiB or less
    /// (`topology_get_grain()` and `topology_get_first_lba()`).
    pub fn for_disk(total_sectors: u64) -> Align {
        if total_sectors <= 4 * GRAIN_SECTORS {
            Align { grain_sectors: 1, first_lba: 1 }
        } else {
            Align::default()
        }
    }

    /// `alignment_required()`: a grain of one sector aligns nothing.
    pub fn required(&self) -> bool {
        self.grain_sectors > 1
    }

    fn is_aligned(&self, lba: u64) -> bool {
        lba.is_multiple_of(self.grain_sectors.max(1))
    }

    /// `fdisk_align_lba()`.
    pub fn lba(&self, lba: u64, direction: Direction) -> u64 {
        if self.is_aligned(lba) {
            return lba;
        }
        let grain = self.grain_sectors.max(1);
        if lba < self.first_lba {
            return self.first_lba;
        }
        match direction {
            Direction::Up => lba.saturating_add(grain) / grain * grain,
            Direction::Down => lba / grain * grain,
            Direction::Nearest => lba.saturating_add(grain / 2) / grain * grain,
        }
    }

    /// `fdisk_align_lba_in_range()`: `lba` aligned, kept within `start..=stop`
    /// (themselves aligned inwards when the range holds a grain).
    pub fn lba_in_range(&self, lba: u64, start: u64, stop: u64) -> u64 {
        let grain = self.grain_sectors.max(1);
        let (mut start, mut stop) = (start, stop);
        if start.saturating_add(grain) <= stop {
            start = self.lba(start, Direction::Up);
            stop = self.lba(stop, Direction::Down);
        }
        if start.saturating_add(grain) > stop {
            return lba;
        }
        self.lba(lba, Direction::Nearest).clamp(start, stop)
    }
}

/// The size an sfdisk script line gives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SizeRequest {
    /// No size: up to the end of the free area.
    Default,
    /// A number of sectors: used exactly.
    Sectors(u64),
    /// A size with a unit, in sectors: its end may move to an aligned boundary.
    Relative(u64),
}

/// A partition as a script line asks for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Request {
    /// 1-based; None takes the first free number.
    pub number: Option<u32>,
    /// None takes the default (aligned) first sector.
    pub start: Option<u64>,
    pub size: SizeRequest,
    /// The type asked for is a DOS extended partition.
    pub extended: bool,
    /// The type asked for is a GPT type string that is not a GUID.
    pub type_unreadable: bool,
}

/// Where a partition went, and what libfdisk said on the way.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Placed {
    pub number: u32,
    pub start_lba: u64,
    pub last_lba: u64,
    pub notices: Vec<Notice>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aligning_follows_libfdisk() {
        let a = Align::default();
        assert_eq!(a.lba(2049, Direction::Up), 4096);
        assert_eq!(a.lba(2049, Direction::Down), 2048);
        assert_eq!(a.lba(3072, Direction::Nearest), 4096);
        assert_eq!(a.lba(34, Direction::Down), 2048, "below first_lba");
        // The last sector of a GPT on 1 GiB: the aligned end below it.
        assert_eq!(a.lba_in_range(2097118, 208896, 2097118), 2095104);
        assert_eq!(a.lba_in_range(1048575, 208896, 1048575), 1046528);
        let grain = Align { grain_sectors: 8192, first_lba: 2048 };
        assert_eq!(grain.lba_in_range(2048, 2048, 2097118), 8192);
        assert_eq!(a.lba_in_range(5, 3, u64::MAX), 2048);
    }
}
