//! Sizes as the command-line tools read them.
//!
//! Models the size grammar of `truncate -s` (used by `storage-lab --disks`) and the
//! sector arithmetic shared by every layer. Simplification: only 512-byte logical
//! sectors exist; 4Kn disks are not modelled.

/// Bytes in one logical sector, the only sector size the simulator models.
pub const SECTOR_BYTES: u64 = 512;
pub const KIB: u64 = 1024;
pub const MIB: u64 = 1024 * KIB;
pub const GIB: u64 = 1024 * MIB;
pub const TIB: u64 = 1024 * GIB;

/// A size string that could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SizeError {
    /// The text is not a number with an optional unit suffix.
    Invalid(String),
    /// The size does not fit in 64 bits.
    TooLarge(String),
}

impl std::fmt::Display for SizeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SizeError::Invalid(s) => write!(f, "invalid size '{s}'"),
            SizeError::TooLarge(s) => write!(f, "size '{s}' is too large"),
        }
    }
}

/// Splits "100M" into (100, "M"). Digits only; no sign, no fraction.
fn split_number(text: &str) -> Option<(u64, &str)> {
    let end = text.find(|c: char| !c.is_ascii_digit()).unwrap_or(text.len());
    if end == 0 {
        return None;
    }
    let n = text[..end].parse::<u64>().ok()?;
    Some((n, &text[end..]))
}

/// The multiplier for a suffix in the coreutils/util-linux grammar: `K`, `KiB` are
/// powers of 1024, `KB` powers of 1000. An empty suffix means bytes.
pub fn suffix_multiplier(suffix: &str) -> Option<u64> {
    let mut chars = suffix.chars();
    let Some(letter) = chars.next() else { return Some(1) };
    let rest: String = chars.collect();
    let power = match letter.to_ascii_uppercase() {
        'K' => 1,
        'M' => 2,
        'G' => 3,
        'T' => 4,
        'P' => 5,
        'E' => 6,
        _ => return None,
    };
    let base: u64 = match rest.as_str() {
        "" | "iB" => 1024,
        "B" => 1000,
        _ => return None,
    };
    Some(base.pow(power))
}

/// Reads a size as `truncate -s` does: `500G` is 500 GiB, `1000MB` is 10^9 bytes.
pub fn parse_size_bytes(text: &str) -> Result<u64, SizeError> {
    let (n, suffix) = split_number(text).ok_or_else(|| SizeError::Invalid(text.to_string()))?;
    let mult = suffix_multiplier(suffix).ok_or_else(|| SizeError::Invalid(text.to_string()))?;
    n.checked_mul(mult).ok_or_else(|| SizeError::TooLarge(text.to_string()))
}

/// Rounds `value` up to a multiple of `step` (which must not be zero).
pub fn round_up(value: u64, step: u64) -> u64 {
    value.div_ceil(step).saturating_mul(step)
}

/// Rounds `value` down to a multiple of `step` (which must not be zero).
pub fn round_down(value: u64, step: u64) -> u64 {
    value / step * step
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn truncate_suffixes() {
        assert_eq!(parse_size_bytes("500G"), Ok(500 * GIB));
        assert_eq!(parse_size_bytes("1K"), Ok(1024));
        assert_eq!(parse_size_bytes("1KB"), Ok(1000));
        assert_eq!(parse_size_bytes("2MiB"), Ok(2 * MIB));
        assert_eq!(parse_size_bytes("7"), Ok(7));
        assert!(parse_size_bytes("G").is_err());
        assert!(parse_size_bytes("5X").is_err());
        assert!(parse_size_bytes("99999999999E").is_err());
    }
}
