//! Number and table formatting shared by the tool imitations.
//!
//! `human_size` is util-linux's `size_to_human_string`: powers of 1024, one
//! decimal rounded half-up, ".0" dropped. `Table` is a small libsmartcols: columns
//! padded to their widest cell, numbers right-aligned, and the last column never
//! padded, which is why lsblk lines can end in a space.

/// The suffix styles util-linux uses.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum SizeStyle {
    /// `100M`, as in lsblk's SIZE and fdisk's Size column.
    Letter,
    /// `100 MiB`, as in fdisk's messages.
    Iec,
    /// `822.98 MiB`: two decimals (`SIZE_DECIMAL_2DIGITS`), as in fdisk's
    /// "Disk /dev/sdb: 1.99 GiB" line and its free-space listing.
    Iec2,
}

/// util-linux's size_to_human_string.
pub fn human_size(bytes: u64, style: SizeStyle) -> String {
    const LETTERS: &[u8] = b"BKMGTPE";
    let mut exp = 0u32;
    while exp < 60 && bytes >= 1u64 << (exp + 10) {
        exp += 10;
    }
    let letter = LETTERS[(exp / 10) as usize] as char;
    let mut dec = if exp > 0 { bytes >> exp } else { bytes };
    let mut frac = if exp > 0 { bytes & ((1u64 << exp) - 1) } else { 0 };
    if frac > 0 {
        frac = if frac >= u64::MAX / 1000 {
            ((frac / 1024) * 1000) / (1u64 << (exp - 10))
        } else {
            (frac * 1000) / (1u64 << exp)
        };
        // Hundredths, rounded to tenths unless two digits are asked for.
        frac = if style == SizeStyle::Iec2 { (frac + 5) / 10 } else { (frac + 50) / 100 * 10 };
        if frac == 100 {
            dec += 1;
            frac = 0;
        }
    }
    let number = match frac {
        0 => dec.to_string(),
        f if f % 10 == 0 => format!("{dec}.{}", f / 10),
        f => format!("{dec}.{f:02}"),
    };
    match style {
        SizeStyle::Letter => format!("{number}{letter}"),
        _ if letter == 'B' => format!("{number} B"),
        _ => format!("{number} {letter}iB"),
    }
}

/// How a column lines up.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Align {
    Left,
    Right,
}

/// A table rendered the way libsmartcols renders it for lsblk and fdisk.
pub struct Table {
    pub headers: Vec<String>,
    pub aligns: Vec<Align>,
    pub rows: Vec<Vec<String>>,
    pub show_header: bool,
    /// libsmartcols width hints: a column whose data is at least as wide as its
    /// header is widened to its hint.
    pub hints: Vec<usize>,
}

impl Table {
    pub fn new(columns: &[(&str, Align)]) -> Table {
        Table {
            headers: columns.iter().map(|c| c.0.to_string()).collect(),
            aligns: columns.iter().map(|c| c.1).collect(),
            rows: Vec::new(),
            show_header: true,
            hints: vec![0; columns.len()],
        }
    }

    pub fn push(&mut self, row: Vec<String>) {
        self.rows.push(row);
    }

    fn widths(&self) -> Vec<usize> {
        (0..self.headers.len())
            .map(|i| {
                let data = self.rows.iter().map(|r| r.get(i).map_or(0, |c| c.chars().count())).max().unwrap_or(0);
                // libsmartcols sizes columns by their headings even with -n.
                let head = self.headers[i].chars().count();
                let hint = self.hints.get(i).copied().unwrap_or(0);
                if data < head {
                    head
                } else {
                    data.max(hint)
                }
            })
            .collect()
    }

    fn line(&self, cells: &[String], widths: &[usize], out: &mut String) {
        let last = widths.len().saturating_sub(1);
        for (i, w) in widths.iter().enumerate() {
            let cell = cells.get(i).map(String::as_str).unwrap_or("");
            let pad = w.saturating_sub(cell.chars().count());
            if i > 0 {
                out.push(' ');
            }
            match self.aligns[i] {
                // libsmartcols pads an empty cell as it fills the rest of a
                // column, which it never does in the last one.
                Align::Right if cell.is_empty() && i == last => {}
                Align::Right => {
                    out.extend(std::iter::repeat_n(' ', pad));
                    out.push_str(cell);
                }
                Align::Left => {
                    out.push_str(cell);
                    if i != last {
                        out.extend(std::iter::repeat_n(' ', pad));
                    }
                }
            }
        }
        out.push('\n');
    }

    pub fn render(&self) -> String {
        let widths = self.widths();
        let mut out = String::new();
        if self.show_header {
            self.line(&self.headers, &widths, &mut out);
        }
        for r in &self.rows {
            self.line(r, &widths, &mut out);
        }
        out
    }
}

/// Quotes a string for JSON output.
pub fn json_string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Formats a list of partition numbers as fdisk does: runs of three or more
/// collapse to `a-b`, the rest are comma-separated.
pub fn number_ranges(numbers: &[u32]) -> String {
    let mut parts = Vec::new();
    let mut i = 0;
    while i < numbers.len() {
        let mut j = i;
        while j + 1 < numbers.len() && numbers[j + 1] == numbers[j] + 1 {
            j += 1;
        }
        if j - i >= 2 {
            parts.push(format!("{}-{}", numbers[i], numbers[j]));
        } else {
            for n in &numbers[i..=j] {
                parts.push(n.to_string());
            }
        }
        i = j + 1;
    }
    parts.join(",")
}

/// `printf("%.*f")`: the exact decimal value of `v`, rounded half to even at
/// `decimals` places. Written out so that the bundle needs no float formatting.
pub fn fixed(v: f64, decimals: usize) -> String {
    if v.is_nan() {
        return "nan".into();
    }
    if v.is_infinite() {
        return if v < 0.0 { "-inf".into() } else { "inf".into() };
    }
    let negative = v.is_sign_negative() && v != 0.0;
    let bits = v.abs().to_bits();
    let exp = ((bits >> 52) & 0x7ff) as i32;
    let frac = bits & ((1u64 << 52) - 1);
    let (mantissa, e) = if exp == 0 { (frac, -1074) } else { (frac | (1u64 << 52), exp - 1075) };
    let scale = 10u128.pow(decimals.min(18) as u32);
    let scaled: u128 = if e >= 0 {
        if e > 60 {
            return format!("{}{}", if negative { "-" } else { "" }, v.abs() as u128);
        }
        (u128::from(mantissa) << e) * scale
    } else {
        let shift = (-e) as u32;
        if shift >= 127 {
            0
        } else {
            let num = u128::from(mantissa) * scale;
            let q = num >> shift;
            let r = num - (q << shift);
            let half = 1u128 << (shift - 1);
            if r > half || (r == half && q & 1 == 1) { q + 1 } else { q }
        }
    };
    let digits = scaled.to_string();
    let digits = if digits.len() <= decimals { format!("{}{digits}", "0".repeat(decimals + 1 - digits.len())) } else { digits };
    let (int, dec) = digits.split_at(digits.len() - decimals);
    let sign = if negative && scaled != 0 { "-" } else { "" };
    if decimals == 0 {
        format!("{sign}{int}")
    } else {
        format!("{sign}{int}.{dec}")
    }
}

/// C's `%g` (six significant digits) for values from 1e-4 to below 1e6,
/// where it prints no exponent; trailing zeros are dropped.
pub fn printf_g(v: f64) -> String {
    let a = v.abs();
    let mut x: i32 = 0;
    while x < 5 && a >= 10f64.powi(x + 1) {
        x += 1;
    }
    while x > -4 && a < 10f64.powi(x) {
        x -= 1;
    }
    let mut s = fixed(v, (5 - x) as usize);
    // Rounding up to the next power of ten adds a digit: one decimal fewer.
    if s.bytes().filter(u8::is_ascii_digit).skip_while(|b| *b == b'0').count() > 6 && x < 5 {
        s = fixed(v, (4 - x).max(0) as usize);
    }
    if s.contains('.') {
        s = s.trim_end_matches('0').trim_end_matches('.').to_string();
    }
    s
}

/// Parses `12`, `1.5`, `.5` or `12.` (no exponent) as a number.
pub fn parse_decimal(text: &str) -> Option<f64> {
    let (int, frac) = text.split_once('.').unwrap_or((text, ""));
    if (int.is_empty() && frac.is_empty()) || !int.chars().chain(frac.chars()).all(|c| c.is_ascii_digit()) {
        return None;
    }
    let whole = int.chars().fold(0f64, |acc, c| acc * 10.0 + f64::from(c as u8 - b'0'));
    let (num, den) = frac.chars().take(18).fold((0u64, 1u64), |(n, d), c| (n * 10 + u64::from(c as u8 - b'0'), d * 10));
    Some(whole + num as f64 / den as f64)
}

/// gnulib's `human_readable` with `human_autoscale | human_round_to_nearest`,
/// as dd prints sizes: powers of `base` (1000 or 1024), one decimal below 10,
/// halves rounded to even. Returns the number and its exponent.
pub fn coreutils_human(n: u64, base: u64) -> (String, usize) {
    human_readable(n, base, false)
}

/// The same with `human_ceiling`, as ls, du and df print sizes with -h.
pub fn coreutils_human_ceil(n: u64, base: u64) -> (String, usize) {
    human_readable(n, base, true)
}

/// `ls -h`/`du -h`/`df -h` text: `4.1K`, `974M`, `0`.
pub fn human_ceil_text(n: u64) -> String {
    let (num, e) = coreutils_human_ceil(n, 1024);
    format!("{num}{}", ["", "K", "M", "G", "T", "P", "E", "Z", "Y"][e.min(8)])
}

fn human_readable(n: u64, base: u64, ceiling: bool) -> (String, usize) {
    let mut amt = n;
    let mut tenths = 0u64;
    // 0: exact, 1: below half, 2: exactly half, 3: above half.
    let mut rounding = 0u64;
    let mut exponent = 0usize;
    if amt >= base {
        while amt >= base && exponent < 8 {
            let r10 = (amt % base) * 10 + tenths;
            let r2 = (r10 % base) * 2 + (rounding >> 1);
            amt /= base;
            tenths = r10 / base;
            rounding = if r2 < base { u64::from(r2 + rounding != 0) } else { 2 + u64::from(base < r2 + rounding) };
            exponent += 1;
        }
        if amt < 10 {
            let up = if ceiling { rounding > 0 } else { 2 < rounding + (tenths & 1) };
            if up {
                tenths += 1;
                rounding = 0;
                if tenths == 10 {
                    amt += 1;
                    tenths = 0;
                }
            }
            if amt < 10 {
                return (format!("{amt}.{tenths}"), exponent);
            }
        }
    }
    let up = if ceiling { 0 < tenths + rounding } else { 5 < tenths + u64::from(0 < rounding + (amt & 1)) };
    if up {
        amt += 1;
        if amt == base && exponent < 8 {
            return ("1.0".into(), exponent + 1);
        }
    }
    (amt.to_string(), exponent)
}

/// Seconds since the epoch as UTC (year, month 1-12, day, hour, minute, second).
pub fn civil(secs: u64) -> (i64, u32, u32, u32, u32, u32) {
    let days = (secs / 86400) as i64;
    let rem = secs % 86400;
    // Howard Hinnant's days-to-civil algorithm.
    let z = days + 719468;
    let era = z.div_euclid(146097);
    let doe = z - era * 146097;
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d, (rem / 3600) as u32, (rem / 60 % 60) as u32, (rem % 60) as u32)
}

/// C's `ctime` without its newline: `Wed Dec  2 03:08:24 2026` (UTC).
pub fn ctime(secs: u64) -> String {
    const DAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
    const MONTHS: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
    let (y, m, d, h, min, s) = civil(secs);
    let day = DAYS[(secs / 86400 % 7) as usize];
    format!("{day} {} {d:>2} {h:02}:{min:02}:{s:02} {y}", MONTHS[(m as usize).saturating_sub(1) % 12])
}

/// ls's date column for a recent file: `Nov 25 09:00`.
pub fn ls_date(secs: u64) -> String {
    const MONTHS: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
    let (_, m, d, h, min, _) = civil(secs);
    format!("{} {d:>2} {h:02}:{min:02}", MONTHS[(m - 1) as usize])
}

/// C's `%g` of `units * 10^-9` (6 significant digits), from an integer count
/// of nanoseconds, so no float formatting is needed.
pub fn printf_g_nanos(nanos: u64) -> String {
    if nanos == 0 {
        return "0".into();
    }
    let digits = nanos.to_string();
    // Round to 6 significant digits, half to even as glibc does.
    let (mut sig, mut exp10) = if digits.len() > 6 {
        let keep: u64 = digits[..6].parse().unwrap_or(0);
        let rest = &digits[6..];
        let first = rest.as_bytes()[0] - b'0';
        let tail_nonzero = rest[1..].bytes().any(|b| b != b'0');
        let up = first > 5 || first == 5 && (tail_nonzero || keep % 2 == 1);
        (keep + u64::from(up), digits.len() as i64 - 6)
    } else {
        (nanos, 0)
    };
    if sig >= 1_000_000 {
        sig /= 10;
        exp10 += 1;
    }
    // value = sig * 10^(exp10 - 9); its decimal exponent:
    let sig_digits = sig.to_string();
    let x = sig_digits.len() as i64 - 1 + exp10 - 9;
    let mantissa_digits = sig_digits.trim_end_matches('0');
    if x < -4 || x >= 6 {
        let (head, tail) = mantissa_digits.split_at(1);
        let dot = if tail.is_empty() { String::new() } else { format!(".{tail}") };
        return format!("{head}{dot}e{}{:02}", if x < 0 { '-' } else { '+' }, x.abs());
    }
    let point = sig_digits.len() as i64 + exp10 - 9;
    let all = if point <= 0 { format!("0.{}{}", "0".repeat((-point) as usize), sig_digits) } else if point as usize >= sig_digits.len() {
        format!("{sig_digits}{}", "0".repeat(point as usize - sig_digits.len()))
    } else {
        format!("{}.{}", &sig_digits[..point as usize], &sig_digits[point as usize..])
    };
    if all.contains('.') {
        all.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        all
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_match_util_linux() {
        assert_eq!(human_size(500 << 30, SizeStyle::Letter), "500G");
        assert_eq!(human_size(1031168, SizeStyle::Letter), "1007K");
        assert_eq!(human_size(1888256 * 512, SizeStyle::Iec), "922 MiB");
        assert_eq!(human_size(1 << 30, SizeStyle::Iec), "1 GiB");
        assert_eq!(human_size(512, SizeStyle::Letter), "512B");
        assert_eq!(human_size(1u64 << 40, SizeStyle::Letter), "1T");
        assert_eq!(human_size(u64::MAX, SizeStyle::Letter), "16E");
    }

    #[test]
    fn fixed_matches_printf() {
        assert_eq!(fixed(0.125, 2), "0.12");
        assert_eq!(fixed(0.375, 2), "0.38");
        assert_eq!(fixed(1.0, 2), "1.00");
        assert_eq!(fixed(1049.0, 0), "1049");
        assert_eq!(fixed(2.5, 0), "2");
        assert_eq!(fixed(105.0 - 1e-9, 1), "105.0");
        assert_eq!(fixed(0.0049, 2), "0.00");
        assert_eq!(fixed(-1.25, 1), "-1.2");
        assert_eq!(fixed(1e20, 1), "100000000000000000000.0");
        for (v, g) in [(4.0, "4"), (1.5, "1.5"), (0.5, "0.5"), (1023.99951171875, "1024"), (0.0009765625, "0.000976562"), (568.0, "568")] {
            assert_eq!(printf_g(v), g);
        }
        assert_eq!(parse_decimal("1.5"), Some(1.5));
        assert_eq!(parse_decimal("12."), Some(12.0));
        assert_eq!(parse_decimal(".5"), Some(0.5));
        assert_eq!(parse_decimal("."), None);
        assert_eq!(parse_decimal("1e3"), None);
    }

    #[test]
    fn coreutils_rounding() {
        let si = |n| coreutils_human(n, 1000);
        let iec = |n| coreutils_human(n, 1024);
        assert_eq!(si(1250), ("1.2".into(), 1));
        assert_eq!(si(11500), ("12".into(), 1));
        assert_eq!(iec(1792), ("1.8".into(), 1));
        assert_eq!(si(9999), ("10".into(), 1));
        assert_eq!(si(999999), ("1.0".into(), 2));
        assert_eq!(iec(1048575), ("1.0".into(), 2));
        assert_eq!(iec(999999), ("977".into(), 1));
        assert_eq!(si(1073741824), ("1.1".into(), 3));
        assert_eq!(human_ceil_text(4097), "4.1K");
        assert_eq!(human_ceil_text(1020702720), "974M");
        assert_eq!(human_ceil_text(1136 * 1024), "1.2M");
        assert_eq!(human_ceil_text(100), "100");
        assert_eq!(ls_date(1_795_597_200), "Nov 25 09:00");
        assert_eq!(civil(1_700_000_000), (2023, 11, 14, 22, 13, 20));
        assert_eq!(printf_g_nanos(9525120), "0.00952512");
        assert_eq!(printf_g_nanos(47711), "4.7711e-05");
        assert_eq!(printf_g_nanos(3657770000), "3.65777");
        assert_eq!(printf_g_nanos(1_000_000_000), "1");
    }

    #[test]
    fn ranges() {
        assert_eq!(number_ranges(&[1, 2, 3, 4]), "1-4");
        assert_eq!(number_ranges(&[3, 4]), "3,4");
        assert_eq!(number_ranges(&[1, 2]), "1,2");
        assert_eq!(number_ranges(&[2, 3, 4, 7]), "2-4,7");
    }
}
