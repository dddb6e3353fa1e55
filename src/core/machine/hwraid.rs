//! RAID-1 logical drives of a hardware controller (`crate::core::hwraid`):
//! setting one up, and the faults below the controller that only the lab
//! can see.

use super::{AttachError, Machine};
use crate::core::device::DevId;
use crate::core::event::Event;
use crate::core::hwraid::{HwRaid, CONTROLLER_MODEL, MEMBERS};
use crate::core::media::Chunk;

/// Why a controller operation was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RaidError {
    NoSuchDisk(String),
    NotRaid(String),
    NoSuchMember(usize),
    MemberFailed(usize),
    AlreadyDegraded(String),
    /// A consistency check compares two members; a degraded drive has one.
    Degraded(String),
    OutOfRange(u64),
    NoZfsData(String),
}

impl std::fmt::Display for RaidError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RaidError::NoSuchDisk(d) => write!(f, "{d}: no such disk"),
            RaidError::NotRaid(d) => write!(f, "{d} is a plain disk, not a RAID logical drive (attach-disk raid1 SIZE makes one)"),
            RaidError::NoSuchMember(m) => write!(f, "member {m}: a RAID-1 drive has members 0 and 1"),
            RaidError::MemberFailed(m) => write!(f, "member {m} has failed"),
            RaidError::AlreadyDegraded(d) => write!(f, "{d} is already degraded; failing its last member would lose the drive"),
            RaidError::Degraded(d) => write!(f, "{d} is degraded: a consistency check needs both members"),
            RaidError::OutOfRange(size) => write!(f, "the offset is past the drive's end ({size} bytes)"),
            RaidError::NoZfsData(d) => write!(f, "no imported ZFS pool keeps data blocks on {d}; give a byte offset to rot"),
        }
    }
}

impl Machine {
    /// Plugs in a RAID-1 logical drive over two blank disks of `member_bytes`.
    pub fn attach_raid1(&mut self, name: &str, member_bytes: u64) -> Result<Vec<Event>, AttachError> {
        let mut events = self.attach_disk(name, member_bytes, Some(CONTROLLER_MODEL.into()))?;
        let d = self.disks.iter_mut().find(|d| d.name == name).ok_or_else(|| AttachError::BadName(name.into()))?;
        d.raid = Some(HwRaid::default());
        d.media.mirror_members();
        events.push(Event::RaidDriveCreated { disk: name.into(), member_bytes: d.size_bytes });
        Ok(events)
    }

    /// The drive's target number on the controller (its SCSI address is
    /// 0:2:N:0), if the disk is a RAID logical drive.
    pub fn raid_unit(&self, dev: DevId) -> Option<usize> {
        self.disks.iter().filter(|d| d.raid.is_some()).position(|d| d.dev == dev)
    }

    /// The RAID state of the drive named `name`.
    pub fn raid_drive(&self, name: &str) -> Result<(DevId, HwRaid), RaidError> {
        let d = self.disk_named(name).ok_or_else(|| RaidError::NoSuchDisk(name.into()))?;
        let raid = d.raid.ok_or_else(|| RaidError::NotRaid(name.into()))?;
        Ok((d.dev, raid))
    }

    /// Where a member's bytes are in the drive's media, for an online member.
    fn member_media(&self, name: &str, member: usize) -> Result<(DevId, usize), RaidError> {
        let (dev, raid) = self.raid_drive(name)?;
        if member >= MEMBERS {
            return Err(RaidError::NoSuchMember(member));
        }
        let index = raid.media_index(member).ok_or(RaidError::MemberFailed(member))?;
        Ok((dev, index))
    }

    /// Flips a bit of the byte at `offset_bytes` on one member disk only.
    pub fn raid_rot(&mut self, name: &str, member: usize, offset_bytes: u64) -> Result<Vec<Event>, RaidError> {
        let (dev, index) = self.member_media(name, member)?;
        let d = self.disk_mut(dev).ok_or_else(|| RaidError::NoSuchDisk(name.into()))?;
        if offset_bytes >= d.size_bytes {
            return Err(RaidError::OutOfRange(d.size_bytes));
        }
        let copy = if index == 0 { Some(&d.media) } else { d.media.mirror() };
        let mut byte = copy.map(|m| m.read(offset_bytes, 1)).unwrap_or_else(|| vec![0]);
        byte[0] ^= 0x10;
        d.media.write_member(index, offset_bytes, Chunk::bytes(&byte));
        Ok(vec![Event::RaidMemberCorrupted { disk: name.into(), member, offset_bytes }])
    }

    /// Rots one member's copy of every ZFS data block on the drive, as
    /// `zinject -e corrupt` does on a leaf, but below the controller.
    pub fn raid_rot_zfs_data(&mut self, name: &str, member: usize) -> Result<Vec<Event>, RaidError> {
        let (dev, _) = self.member_media(name, member)?;
        let mut offsets = Vec::new();
        let pools: Vec<String> = self.zfs.pools.iter().map(|p| p.name.clone()).collect();
        for pool in pools {
            let leaves: Vec<DevId> = self.zfs.pool(&pool).map(|p| p.leaves().map(|l| l.dev).collect()).unwrap_or_default();
            for leaf in leaves {
                let Ok((_, on_leaf)) = self.zfs_data_offsets(&pool, leaf) else { continue };
                offsets.extend(on_leaf.into_iter().filter_map(|o| self.disk_offset(leaf, o)).filter(|(d, _)| *d == dev).map(|(_, o)| o));
            }
        }
        if offsets.is_empty() {
            return Err(RaidError::NoZfsData(name.into()));
        }
        let mut events = Vec::new();
        for o in offsets {
            events.extend(self.raid_rot(name, member, o)?);
        }
        Ok(events)
    }

    /// A member disk dies: the drive reads and writes the other one.
    pub fn raid_fail(&mut self, name: &str, member: usize) -> Result<Vec<Event>, RaidError> {
        let (dev, index) = self.member_media(name, member)?;
        let d = self.disk_mut(dev).ok_or_else(|| RaidError::NoSuchDisk(name.into()))?;
        let Some(raid) = d.raid.as_mut().filter(|r| r.failed.is_none()) else {
            return Err(RaidError::AlreadyDegraded(name.into()));
        };
        raid.failed = Some(member);
        d.media.fail_member(index);
        Ok(vec![Event::RaidMemberFailed { disk: name.into(), member }])
    }

    /// The byte ranges where the members differ: what the lab shows and the
    /// controller cannot see.
    pub fn raid_differences(&self, name: &str) -> Result<Vec<(u64, u64)>, RaidError> {
        let (dev, _) = self.raid_drive(name)?;
        Ok(self.disk(dev).map(|d| d.media.member_differences()).unwrap_or_default())
    }

    /// The controller's consistency check: with no checksums to judge by, it
    /// copies member 0 over member 1 wherever they differ. Returns the bytes copied.
    pub fn raid_check(&mut self, name: &str) -> Result<(u64, Vec<Event>), RaidError> {
        let (dev, raid) = self.raid_drive(name)?;
        if raid.failed.is_some() {
            return Err(RaidError::Degraded(name.into()));
        }
        let differences = self.raid_differences(name)?;
        let Some(d) = self.disk_mut(dev) else { return Ok((0, Vec::new())) };
        let mut bytes = 0;
        for (offset, len) in differences {
            let first = d.media.read(offset, len);
            d.media.write_member(1, offset, Chunk::bytes(&first));
            bytes += len;
        }
        let events = if bytes > 0 { vec![Event::RaidMembersResynced { disk: name.into(), bytes }] } else { Vec::new() };
        Ok((bytes, events))
    }
}
