//! Striping (`-i`, `-I`): lvm2's checks of the options and its rounding of
//! sizes to whole stripes, for lvcreate and for resizing striped LVs.

use super::*;
use crate::console::Output;
use crate::core::lvm::{Lv, Striping, Vg};

/// lvm2's `MAX_STRIPES`.
const MAX_STRIPES: u64 = 128;
/// The stripe size without `-I`: 64 KiB.
const DEFAULT_STRIPE_BYTES: u64 = 64 * 1024;

/// lvm2's `get_stripe_params`: the striping `-i` and `-I` ask for, and the
/// notes printed while checking them.
pub(super) fn stripe_params(a: &Args) -> Result<(Striping, String), Output> {
    let mut t = String::new();
    let stripes = a.stripes.unwrap_or(1);
    let invalid = |line: String| {
        let mut t = String::new();
        err_msg(&mut t, &line);
        Output { text: t, exit_status: 3, ..Output::default() }
    };
    if a.stripe_size.as_ref().is_some_and(|s| s.sign == Sign::Minus) {
        return Err(invalid("Negative stripesize is invalid.".into()));
    }
    if !(1..=MAX_STRIPES).contains(&stripes) {
        return Err(invalid(format!("Number of stripes ({stripes}) must be between 1 and {MAX_STRIPES}.")));
    }
    // Only lvm2's definitions with -i take -I.
    if let (None, Some(v)) = (a.stripes, &a.stripe_size_text) {
        return Err(invalid(format!("Command does not accept option: --stripesize {v}.")));
    }
    let mut size_sectors = a.stripe_size.as_ref().map_or(0, |s| s.sectors);
    if stripes == 1 {
        if size_sectors != 0 {
            msg(&mut t, "Ignoring stripesize argument with single stripe.");
        }
        return Ok((Striping::LINEAR, t));
    }
    if size_sectors == 0 {
        size_sectors = DEFAULT_STRIPE_BYTES / 512;
        msg(&mut t, &format!("Using default stripesize {}.", long_size(DEFAULT_STRIPE_BYTES)));
    }
    if size_sectors > 1 << 31 {
        return Err(invalid(format!("Stripe size cannot be larger than {}.", long_size(1 << 39))));
    }
    if size_sectors < 8 || !size_sectors.is_power_of_two() {
        return Err(invalid(format!("Invalid stripe size {}.", long_size(size_sectors * 512))));
    }
    Ok((Striping { stripes, stripe_size_bytes: size_sectors * 512 }, t))
}

/// `-l N%...` of a striped LV that would not fit rounded up is rounded down
/// to whole stripes (lvm2's `_update_extents_params`).
pub(super) fn round_percent_down(t: &mut String, extents: u64, s: Striping, extent_bytes: u64, free: u64) -> u64 {
    let row = s.stripes * (s.stripe_size_bytes / extent_bytes.max(1)).max(1);
    let rest = extents % row;
    if s.stripes < 2 || rest == 0 || free >= extents - rest + row {
        return extents;
    }
    msg(t, &format!("Rounding size ({extents} extents) down to stripe boundary size ({} extents)", extents - rest));
    extents - rest
}

/// lvm2's `_lv_create_an_lv` for a striped LV: the stripe size is at most an
/// extent, the size whole rows, and each stripe needs its own PV.
pub(super) fn fit_stripes(t: &mut String, vg: &Vg, extents: u64, mut s: Striping) -> Result<(u64, Striping), ()> {
    let extent = vg.extent_size_bytes;
    if s.stripes < 2 {
        return Ok((extents, s));
    }
    if s.stripe_size_bytes > extent {
        msg(t, &format!("Reducing requested stripe size {} to maximum, physical extent size {}.", long_size(s.stripe_size_bytes), long_size(extent)));
        s.stripe_size_bytes = extent;
    }
    let rest = extents % s.stripes;
    let rounded = if rest == 0 { extents } else { extents + s.stripes - rest };
    if rest != 0 {
        msg(t, &format!(
            "Rounding size {} ({extents} extents) up to stripe boundary size {} ({rounded} extents).",
            long_size(extents.saturating_mul(extent)),
            long_size(rounded.saturating_mul(extent))
        ));
    }
    if s.stripes > vg.pvs.len() as u64 {
        err_msg(t, &format!("Number of stripes ({}) must not exceed number of physical volumes ({})", s.stripes, vg.pvs.len()));
        return Err(());
    }
    Ok((rounded, s))
}

/// A resize of an LV with striped segments keeps whole rows: growing repeats
/// the last segment's stripes, shrinking keeps whole rows of the segment the
/// new end falls in (lvm2's `_lvresize_adjust_extents`).
pub(super) fn round_resize(t: &mut String, lv: &Lv, current: u64, new_extents: u64, percent: bool, free: u64) -> u64 {
    let (seg_size, stripes) = if new_extents > current {
        (new_extents - current, lv.segments.last().map_or(1, |s| s.stripes()))
    } else {
        match lv.segments.iter().find(|s| new_extents <= s.le_start + s.extent_count) {
            Some(s) => (new_extents.saturating_sub(s.le_start), s.stripes()),
            None => return new_extents,
        }
    };
    let rest = seg_size % stripes;
    if stripes < 2 || rest == 0 {
        return new_extents;
    }
    let up = new_extents - rest + stripes;
    if new_extents < current || !percent || free >= up - current {
        msg(t, &format!("Rounding size ({new_extents} extents) up to stripe boundary size for segment ({up} extents)."));
        return up;
    }
    msg(t, &format!("Rounding size ({new_extents} extents) down to stripe boundary size for segment ({} extents)", new_extents - rest));
    new_extents - rest
}

/// lvextend's note when it takes the striping of the LV's last segment.
pub(super) fn last_segment_note(t: &mut String, lv: &Lv) {
    if let Some(s) = lv.segments.last().filter(|s| s.stripes() > 1) {
        msg(t, &format!("Using stripesize of last segment {}", long_size(s.stripe_size_bytes)));
    }
}
