//! A hardware RAID controller's mirrored (RAID-1) logical drive: the
//! "hardware RAID" variant of the course's reflection question. The
//! controller keeps two copies but shows Linux one disk, so ZFS on that disk
//! sees one copy: it detects bit rot by its checksums but cannot heal it.
//!
//! Modelled: every write lands on both member disks; reads come from the
//! first member that is online (no read balancing); the controller keeps no
//! checksums, so its consistency check copies the first member over the
//! second wherever they differ, as RAID-1 controllers do, even when the
//! first holds the rotten copy. Simplified: two members, no write cache, no
//! rebuild onto a new disk, and no vendor tool: the lab's `hwraid` command
//! stands for the controller's setup screen and for the faults.

/// The model string the logical drive reports (lsblk's MODEL).
pub const CONTROLLER_MODEL: &str = "PERC H730P Mini";

/// The members of a RAID-1 logical drive.
pub const MEMBERS: usize = 2;

/// The controller's state of one logical drive. The members' bytes are the
/// drive's `Media` (the member reads come from) and its mirror.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct HwRaid {
    /// The member disk that died, if one did: the drive runs degraded on the other.
    pub failed: Option<usize>,
}

impl HwRaid {
    /// Where member `member`'s bytes are: 0 for the media reads come from,
    /// 1 for its mirror; None for a failed member.
    pub fn media_index(&self, member: usize) -> Option<usize> {
        match self.failed {
            None => Some(member),
            Some(f) if f == member => None,
            Some(_) => Some(0),
        }
    }

    /// The member reads come from.
    pub fn read_member(&self) -> usize {
        if self.failed == Some(0) { 1 } else { 0 }
    }

    /// The logical drive's state as controllers name it.
    pub fn state(&self) -> &'static str {
        if self.failed.is_some() { "Degraded" } else { "Optimal" }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failed_first_member_leaves_the_second_as_the_media() {
        let r = HwRaid { failed: Some(0) };
        assert_eq!((r.media_index(0), r.media_index(1), r.read_member(), r.state()), (None, Some(0), 1, "Degraded"));
        let r = HwRaid::default();
        assert_eq!((r.media_index(0), r.media_index(1), r.read_member(), r.state()), (Some(0), Some(1), 0, "Optimal"));
    }
}
