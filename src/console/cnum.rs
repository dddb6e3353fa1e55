//! Numbers as C and util-linux read them: `strtol`/`strtoul` (leading blanks,
//! a sign, `0x` hex and `0` octal) and util-linux's `strtosize()` with its
//! K/M/G suffixes and fractions, quirks included. The tools that take numbers
//! from the user (hexdump, xxd, sfdisk scripts) share these.

/// The prefix of `s` that C's `strtoul(s, _, base)` would read: its magnitude,
/// whether it was negated, whether it overflowed, and where it stopped
/// (0 if it read no digits at all).
struct CNumber {
    magnitude: u64,
    negative: bool,
    overflow: bool,
    end: usize,
}

/// Base 0 reads `0x` hex, `0` octal or decimal; base 16 allows a `0x` prefix.
fn c_number(s: &str, base: u32) -> CNumber {
    let b = s.as_bytes();
    let mut i = b.iter().take_while(|&&c| c_isspace(c)).count();
    let negative = b.get(i) == Some(&b'-');
    if matches!(b.get(i), Some(b'-' | b'+')) {
        i += 1;
    }
    let hex_prefix = b.get(i) == Some(&b'0')
        && matches!(b.get(i + 1), Some(b'x' | b'X'))
        && b.get(i + 2).is_some_and(u8::is_ascii_hexdigit);
    let radix = if hex_prefix && (base == 0 || base == 16) {
        i += 2;
        16
    } else if base != 0 {
        base
    } else if b.get(i) == Some(&b'0') {
        8
    } else {
        10
    };
    let (mut magnitude, mut overflow, start) = (0u64, false, i);
    while let Some(d) = b.get(i).and_then(|&c| (c as char).to_digit(radix)) {
        match magnitude.checked_mul(radix as u64).and_then(|m| m.checked_add(d as u64)) {
            Some(m) => magnitude = m,
            None => overflow = true,
        }
        i += 1;
    }
    let end = if i == start { 0 } else { i };
    CNumber { magnitude, negative, overflow, end }
}

/// C's `isspace` in the C locale, which unlike Rust's counts the vertical tab.
pub fn c_isspace(c: u8) -> bool {
    c == b' ' || (b'\t'..=b'\r').contains(&c)
}

/// C's `strtol(s, NULL, 0)`: 0 when there is no number, clamped on overflow.
pub fn c_strtol(s: &str) -> i64 {
    let n = c_number(s, 0);
    match (n.negative, n.overflow) {
        (false, true) => i64::MAX,
        (true, true) => i64::MIN,
        (false, false) => i64::try_from(n.magnitude).unwrap_or(i64::MAX),
        (true, false) => 0i64.checked_sub_unsigned(n.magnitude).unwrap_or(i64::MIN),
    }
}

/// C's `strtoul(s, NULL, 0)`: a leading minus wraps around, as in C.
pub fn c_strtoul(s: &str) -> u64 {
    let n = c_number(s, 0);
    match (n.overflow, n.negative) {
        (true, _) => u64::MAX,
        (false, true) => n.magnitude.wrapping_neg(),
        (false, false) => n.magnitude,
    }
}

pub const EINVAL: &str = "Invalid argument";
pub const ERANGE: &str = "Numerical result out of range";

/// util-linux `strtosize()`: a C number (decimal, `0x` hex, `0` octal), then
/// optionally a fraction and one of K M G T P E Z Y (either case). `iB` after
/// the suffix, or nothing, means powers of 1024. `B` means powers of 1000.
/// Errors are the strerror text that the tool prints.
pub fn parse_size(s: &str) -> Result<u64, &'static str> {
    parse_size_power(s).map(|(bytes, _)| bytes)
}

/// `parse_size` that also returns the suffix's power (0 for a bare number,
/// 1 for K, 2 for M, ...), which tells sectors from bytes in sfdisk scripts.
pub fn parse_size_power(s: &str) -> Result<(u64, u32), &'static str> {
    if s.bytes().find(|&c| !c_isspace(c)) == Some(b'-') || s.is_empty() {
        return Err(EINVAL);
    }
    let n = c_number(s, 0);
    if n.end == 0 {
        return Err(EINVAL);
    }
    if n.overflow {
        return Err(ERANGE);
    }
    let rest = &s[n.end..];
    if rest.is_empty() {
        return Ok((n.magnitude, 0));
    }
    let (fraction, zeros, suffix) = split_fraction(rest)?;
    let (base, power) = size_suffix(suffix)?;
    let whole = scale(n.magnitude, base, power).map_err(|_| ERANGE)?;
    // util-linux ignores an overflow of the fraction's unit and goes on with
    // the last power that fitted.
    let unit = scale(1, base, power).unwrap_or_else(|fitted| fitted);
    Ok((whole.wrapping_add(fraction_of(unit, fraction, zeros)), power))
}

/// Splits `.DIGITS` off the front of a size suffix: (digits after the leading
/// zeros, number of leading zeros, what is left).
fn split_fraction(rest: &str) -> Result<(u64, u32, &str), &'static str> {
    let Some(after_point) = rest.strip_prefix('.') else {
        return Ok((0, 0, rest));
    };
    let digits = after_point.trim_start_matches('0');
    let zeros = (after_point.len() - digits.len()) as u32;
    let count = digits.bytes().take_while(u8::is_ascii_digit).count();
    let fraction = match count {
        0 => 0,
        _ => digits[..count].parse::<u64>().map_err(|_| ERANGE)?,
    };
    let suffix = &digits[count..];
    // A fraction needs a unit after it, and a lone point is not a unit either.
    if suffix.is_empty() {
        return Err(EINVAL);
    }
    Ok((fraction, zeros, suffix))
}

/// The base and power of a unit such as `K`, `MiB` or `GB`.
fn size_suffix(suffix: &str) -> Result<(u64, u32), &'static str> {
    let mut chars = suffix.chars();
    let letter = chars.next().ok_or(EINVAL)?;
    let base = match chars.as_str() {
        "" | "iB" | "ib" => 1024,
        "B" | "b" => 1000,
        _ => return Err(EINVAL),
    };
    let power = "KMGTPEZY".find(letter.to_ascii_uppercase()).filter(|_| letter.is_ascii_alphabetic());
    power.map(|p| (base, p as u32 + 1)).ok_or(EINVAL)
}

/// `x * base^power`, or the last value that fitted when that overflows.
fn scale(x: u64, base: u64, power: u32) -> Result<u64, u64> {
    (0..power).try_fold(x, |x, _| x.checked_mul(base).ok_or(x))
}

/// The next power of ten for the divisor, or one digit less of the fraction
/// when the divisor cannot grow.
fn grow_divisor(divisor: &mut u64, fraction: &mut u64) {
    match divisor.checked_mul(10) {
        Some(d) => *divisor = d,
        None => *fraction /= 10,
    }
}

/// What `1.5K`'s `.5` adds, computed digit by digit as util-linux does,
/// quirks included: `.10` counts as a whole unit, because the divisor is the
/// first power of ten that is not below the digits.
fn fraction_of(unit: u64, mut fraction: u64, zeros: u32) -> u64 {
    let mut divisor: u64 = 10;
    while divisor < fraction {
        grow_divisor(&mut divisor, &mut fraction);
    }
    for _ in 0..zeros {
        grow_divisor(&mut divisor, &mut fraction);
    }
    let (mut added, mut place) = (0u64, 1u64);
    loop {
        let digit = fraction % 10;
        let weight = divisor / place;
        fraction /= 10;
        place = place.wrapping_mul(10);
        if digit != 0 && weight / digit != 0 {
            added = added.wrapping_add(unit / (weight / digit));
        }
        if fraction == 0 {
            return added;
        }
    }
}

/// C's `strtoul(s, &end, 16)` as libfdisk checks it for a DOS disk identifier:
/// None when no digit was read or the value overflowed.
pub fn c_strtoul_hex(s: &str) -> Option<u64> {
    let n = c_number(s, 16);
    match (n.end, n.overflow, n.negative) {
        (0, _, _) | (_, true, _) => None,
        (_, false, true) => Some(n.magnitude.wrapping_neg()),
        (_, false, false) => Some(n.magnitude),
    }
}

/// C's `strtol(s, &end, 16)` as libfdisk reads a DOS type code: the whole
/// string must be read and fit in a long (an empty string reads as 0).
pub fn c_strtol_hex_whole(s: &str) -> Option<i64> {
    c_strtol_whole(s, 16)
}

/// C's `strtol(s, &end, base)` when the whole string must be a number that
/// fits in a long (QEMU's `qemu_strtol` without an end pointer; an empty
/// string reads as 0).
pub fn c_strtol_whole(s: &str, base: u32) -> Option<i64> {
    let n = c_number(s, base);
    match (n.end, n.overflow) {
        (0, _) => s.is_empty().then_some(0),
        (end, false) if end == s.len() => match n.negative {
            false => i64::try_from(n.magnitude).ok(),
            true => 0i64.checked_sub_unsigned(n.magnitude),
        },
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_sizes_like_util_linux() {
        let cases: &[(&str, Result<u64, &str>)] = &[
            ("1000", Ok(1000)),
            ("0x3e0", Ok(0x3e0)),
            ("010", Ok(8)),
            (" +16", Ok(16)),
            ("1K", Ok(1024)),
            ("1k", Ok(1024)),
            ("1KiB", Ok(1024)),
            ("1KB", Ok(1000)),
            ("2MiB", Ok(2 << 20)),
            ("1G", Ok(1 << 30)),
            ("1.5K", Ok(1536)),
            ("1.25K", Ok(1279)),
            ("1.10K", Ok(2048)),
            ("1.05K", Ok(1075)),
            ("abc", Err(EINVAL)),
            ("-1", Err(EINVAL)),
            ("", Err(EINVAL)),
            ("1Q", Err(EINVAL)),
            ("1B", Err(EINVAL)),
            ("1.5", Err(EINVAL)),
            ("08", Err(EINVAL)),
            ("1K ", Err(EINVAL)),
            ("16E", Err(ERANGE)),
            ("0Y", Ok(0)),
            ("\x0b12", Ok(12)),
            ("99999999999999999999", Err(ERANGE)),
        ];
        for &(text, expected) in cases {
            assert_eq!(parse_size(text), expected, "{text:?}");
        }
    }

    #[test]
    fn reads_hex_as_strtoul_base_16() {
        assert_eq!(c_strtoul_hex("0x12345678"), Some(0x1234_5678));
        assert_eq!(c_strtoul_hex(" 12ab zz"), Some(0x12ab));
        assert_eq!(c_strtoul_hex("xyz"), None);
        assert_eq!(c_strtoul_hex("0x"), Some(0));
        assert_eq!(c_strtoul_hex("-1"), Some(u64::MAX));
        assert_eq!(c_strtoul_hex("1ffffffffffffffff"), None);
    }
}
