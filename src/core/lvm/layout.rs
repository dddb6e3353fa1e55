//! Where `pvcreate` puts a PV's metadata areas and its data area, as lvm2's
//! `_text_pv_initialise` and `_text_pv_add_metadata_area` place them: the
//! first metadata area starts at 4 KiB and is stretched so the data area
//! (`pe_start`) starts on the data alignment; a second one sits at the end of
//! the device, stretched back to an aligned start.

use super::LvmError;

/// Where the first metadata area starts: after the label sectors, page aligned.
const MDA0_START_BYTES: u64 = 4096;
/// lvm2's `MDA_SIZE_MIN`: eight pages.
const MDA_SIZE_MIN_BYTES: u64 = 8 * 4096;
/// The metadata size lvm2 asks for by default (2040 sectors), so that with
/// 4 KiB pages the data area starts at exactly 1 MiB.
pub const DEFAULT_MDA_BYTES: u64 = 2040 * 512;
/// The data alignment without `--dataalignment`: 1 MiB.
pub const DEFAULT_ALIGNMENT_BYTES: u64 = 1024 * 1024;

/// A metadata area: its header sector, then the circular metadata text buffer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Mda {
    pub start_bytes: u64,
    pub size_bytes: u64,
}

/// pvcreate's layout options; zero sizes mean lvm2's defaults.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PvOptions {
    /// `--metadatasize`.
    pub metadata_size_bytes: u64,
    /// `--pvmetadatacopies` (0, 1 or 2).
    pub metadata_copies: u32,
    /// `--dataalignment`.
    pub data_alignment_bytes: u64,
}

impl Default for PvOptions {
    fn default() -> Self {
        PvOptions { metadata_size_bytes: 0, metadata_copies: 1, data_alignment_bytes: 0 }
    }
}

/// The data area's start and the metadata areas of a new PV of `dev_size` bytes.
pub fn pv_layout(dev_size: u64, o: &PvOptions) -> Result<(u64, Vec<Mda>), LvmError> {
    let alignment = if o.data_alignment_bytes == 0 { DEFAULT_ALIGNMENT_BYTES } else { o.data_alignment_bytes };
    if dev_size < alignment {
        return Err(LvmError::AlignmentExceedsDevice);
    }
    let wanted = if o.metadata_size_bytes == 0 { DEFAULT_MDA_BYTES } else { o.metadata_size_bytes };
    let mut pe_start = alignment;
    let mut mdas = Vec::new();
    if o.metadata_copies >= 1 {
        let mda0 = mda0(dev_size, wanted, alignment)?;
        pe_start = mda0.start_bytes + mda0.size_bytes;
        mdas.push(mda0);
    }
    if o.metadata_copies >= 2 {
        mdas.push(mda1(dev_size, wanted, alignment, pe_start)?);
    }
    Ok((pe_start, mdas))
}

/// The first area ends on the alignment when that fits on the device.
fn mda0(dev_size: u64, wanted: u64, alignment: u64) -> Result<Mda, LvmError> {
    let start = MDA0_START_BYTES;
    let mut size = wanted;
    let end = start.saturating_add(size);
    if !end.is_multiple_of(alignment) && end.saturating_add(alignment - end % alignment) <= dev_size {
        size += alignment - end % alignment;
    }
    let room = dev_size.saturating_sub(start);
    if size > room {
        size = if room > alignment.saturating_mul(2) {
            let s = room - alignment * 2;
            s + (alignment - (start + s) % alignment) % alignment
        } else {
            room
        };
    }
    if size > room {
        return Err(LvmError::NoSpaceForMda { index: 0 });
    }
    check_size(size, 0)?;
    Ok(Mda { start_bytes: start, size_bytes: size })
}

/// The second area ends the device and starts on the alignment when it can.
fn mda1(dev_size: u64, wanted: u64, alignment: u64, limit: u64) -> Result<Mda, LvmError> {
    if limit >= dev_size {
        return Err(LvmError::NoSpaceForMda { index: 1 });
    }
    let mut size = wanted.min(dev_size - limit);
    let adjust = (dev_size - size) % alignment;
    if adjust != 0 && size + adjust < dev_size && dev_size - size - adjust >= limit {
        size += adjust;
    }
    check_size(size, 1)?;
    Ok(Mda { start_bytes: dev_size - size, size_bytes: size })
}

fn check_size(size: u64, index: u32) -> Result<(), LvmError> {
    if size == 0 {
        return Err(LvmError::NoSpaceForMda { index });
    }
    if size < MDA_SIZE_MIN_BYTES {
        return Err(LvmError::MdaTooSmall { bytes: size });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const MIB: u64 = 1024 * 1024;
    const GIB: u64 = 1024 * MIB;

    fn layout(metadata_size_bytes: u64, metadata_copies: u32, data_alignment_bytes: u64) -> (u64, Vec<(u64, u64)>) {
        let o = PvOptions { metadata_size_bytes, metadata_copies, data_alignment_bytes };
        let (pe, mdas) = pv_layout(GIB, &o).unwrap();
        (pe, mdas.iter().map(|m| (m.start_bytes, m.size_bytes)).collect())
    }

    #[test]
    fn layouts_match_lvm2() {
        // Values from tests/fixtures/lvm/mda-pvcreate-options.case.
        assert_eq!(layout(0, 1, 0), (MIB, vec![(4096, 1044480)]));
        assert_eq!(layout(2 * MIB, 1, 0), (3 * MIB, vec![(4096, 3141632)]));
        assert_eq!(layout(0, 1, 4 * MIB), (4 * MIB, vec![(4096, 4190208)]));
        assert_eq!(layout(0, 0, 0), (MIB, vec![]));
        assert_eq!(layout(0, 2, 0), (MIB, vec![(4096, 1044480), (GIB - MIB, MIB)]));
    }

    #[test]
    fn small_areas_are_refused() {
        let o = PvOptions { metadata_size_bytes: 16 * 1024, metadata_copies: 1, data_alignment_bytes: 4096 };
        assert_eq!(pv_layout(GIB, &o), Err(LvmError::MdaTooSmall { bytes: 16 * 1024 }));
        let o = PvOptions { data_alignment_bytes: 2 * GIB, ..PvOptions::default() };
        assert_eq!(pv_layout(GIB, &o), Err(LvmError::AlignmentExceedsDevice));
    }
}
