//! The output units of du and df: gnulib's `human_options`, which reads
//! `-B SIZE`/`--block-size=SIZE` (`1K`, `4096`, `M`, `MB`, `MiB`,
//! `human-readable`, `si`), and `human_readable`, which prints an amount in
//! them. A size written without digits (`-BM`) puts its unit after every
//! amount (`3M`). Simplified: no digit grouping (`'` is read and ignored,
//! as in the C locale), no BLOCK_SIZE variables, decimal numbers only.

use crate::console::fmt::coreutils_human_ceil;
use crate::core::units::suffix_multiplier;

/// How amounts of bytes are printed.
#[derive(Clone, PartialEq, Eq)]
pub struct Units {
    /// Bytes per printed unit; 1 with `human`.
    pub block: u64,
    /// 1024 (`-h`) or 1000 (`--si`) for autoscaled sizes such as `3.1M`; 0 otherwise.
    pub human: u64,
    /// The unit printed after every amount when the block size was given as
    /// a unit alone (`-BM`: `M`, `-BKB`: `kB`, `-BMiB`: `MiB`), else empty.
    suffix: String,
}

/// Why a block size was refused, as gnulib's `xstrtol_fatal` words it.
pub enum Bad {
    Invalid,
    Suffix,
    TooLarge,
}

impl Units {
    pub const KIB: Units = Units::blocks(1024);
    pub const HUMAN: Units = Units { block: 1, human: 1024, suffix: String::new() };
    pub const SI: Units = Units { block: 1, human: 1000, suffix: String::new() };

    pub const fn blocks(bytes: u64) -> Units {
        Units { block: bytes, human: 0, suffix: String::new() }
    }

    /// `spec` as `-B` reads it.
    pub fn parse(spec: &str) -> Result<Units, Bad> {
        let spec = spec.strip_prefix('\'').unwrap_or(spec);
        if !spec.is_empty() && "human-readable".starts_with(spec) {
            return Ok(Units::HUMAN);
        }
        if !spec.is_empty() && "si".starts_with(spec) {
            return Ok(Units::SI);
        }
        let digits = spec.find(|c: char| !c.is_ascii_digit()).unwrap_or(spec.len());
        let (number, unit) = spec.split_at(digits);
        let n = match number {
            "" if unit.starts_with(|c| "eEgGkKmMpPtTYZ".contains(c)) => 1,
            "" => return Err(Bad::Invalid),
            _ => number.parse::<u64>().map_err(|_| Bad::TooLarge)?,
        };
        // `Y` and `Z` are units gnulib knows, beyond 64 bits.
        let multiplier = match suffix_multiplier(unit) {
            Some(m) => m,
            None if unit.starts_with(['Y', 'Z']) => return Err(Bad::TooLarge),
            None => return Err(Bad::Suffix),
        };
        let block = n.checked_mul(multiplier).ok_or(Bad::TooLarge)?;
        if block == 0 {
            return Err(Bad::Invalid);
        }
        // The unit as human_readable prints it: `K` for `k`, `kB` for `KB`.
        let mut suffix = unit.to_ascii_uppercase().replace("IB", "iB");
        if suffix == "KB" {
            suffix = "kB".into();
        }
        Ok(Units { block, human: 0, suffix: if number.is_empty() { suffix } else { String::new() } })
    }

    /// `bytes` in these units, rounded up as du and df round.
    pub fn amount(&self, bytes: u64) -> String {
        if self.human > 0 {
            let (n, e) = coreutils_human_ceil(bytes, self.human);
            return format!("{n}{}", unit_letter(e, self.human));
        }
        format!("{}{}", bytes.div_ceil(self.block), self.suffix)
    }

    /// df's size heading without `-blocks`: `1K`, `1M`, `4K`, `1kB`, `1B`
    /// (df picks the base that divides the block size more often).
    pub fn heading(&self) -> String {
        let (mut q1000, mut q1024) = (self.block, self.block);
        let (mut by1000, mut by1024);
        loop {
            by1000 = q1000 % 1000 == 0;
            by1024 = q1024 % 1024 == 0;
            q1000 /= 1000;
            q1024 /= 1024;
            if !(by1000 && by1024) {
                break;
            }
        }
        let base_1024 = if by1000 == by1024 { !self.suffix.is_empty() && (!self.suffix.ends_with('B') || self.suffix.ends_with("iB")) } else { by1024 };
        let base = if base_1024 { 1024 } else { 1000 };
        let (n, e) = coreutils_human_ceil(self.block, base);
        let n = n.strip_suffix(".0").unwrap_or(&n).to_string();
        format!("{n}{}{}", unit_letter(e, base), if base_1024 { "" } else { "B" })
    }
}

fn unit_letter(exponent: usize, base: u64) -> &'static str {
    match exponent {
        1 if base == 1000 => "k",
        e => ["", "K", "M", "G", "T", "P", "E", "Z", "Y"][e.min(8)],
    }
}

/// The message for a refused block size: `option` is `-B` or `--block-size`.
pub fn refusal(prog: &str, option: &str, spec: &str, why: Bad) -> String {
    let spec = crate::console::printable(spec);
    match why {
        Bad::Invalid => format!("{prog}: invalid {option} argument '{spec}'\n"),
        Bad::Suffix => format!("{prog}: invalid suffix in {option} argument '{spec}'\n"),
        Bad::TooLarge => format!("{prog}: {option} argument '{spec}' too large\n"),
    }
}
