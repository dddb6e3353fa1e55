//! lvm2's size and percentage formats: `--units`, `<10.00g`, `4.00 MiB`, `0.01`.



/// How sizes are shown (`--units`, `--nosuffix`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Units {
    pub unit: char,
    /// `--units` was given (other than r/R): no `<` rounding marks.
    pub explicit: bool,
    pub suffix: bool,
}

impl Default for Units {
    fn default() -> Self {
        Units { unit: 'h', explicit: false, suffix: true }
    }
}

/// lvm2's short size form: `<10.00g`, `512.00m`, `0 `.
pub fn short_size(bytes: u64, u: Units) -> String {
    let suffix = u.suffix || matches!(u.unit, 'h' | 'H');
    if bytes == 0 {
        // A fixed unit keeps its letter (`0m`, `0B`, `0S`); human units leave
        // a space, unless --nosuffix (which keeps their other suffixes).
        return match (u.suffix, u.unit) {
            (false, _) => "0".into(),
            (_, 'h' | 'H') => "0 ".into(),
            (_, 'b') => "0B".into(),
            (_, 's') => "0S".into(),
            (_, c) => format!("0{c}"),
        };
    }
    let (base, letters): (u64, &[u8]) = if u.unit.is_ascii_uppercase() { (1000, b"BKMGTPE") } else { (1024, b"bkmgtpe") };
    let (div, letter) = match u.unit.to_ascii_lowercase() {
        'b' => return if suffix { format!("{bytes}B") } else { bytes.to_string() },
        's' => return if suffix { format!("{}S", bytes / 512) } else { (bytes / 512).to_string() },
        'h' => {
            let mut p = 6u32;
            while p > 1 && bytes < base.pow(p) {
                p -= 1;
            }
            (base.pow(p), letters[p as usize] as char)
        }
        c => {
            let p = b"bkmgtpe".iter().position(|x| *x as char == c).unwrap_or(3) as u32;
            (base.pow(p), letters[p as usize] as char)
        }
    };
    let (hundredths, up) = hundredths(bytes, div);
    let marker = if !u.explicit && up { "<" } else { "" };
    let number = format!("{}.{:02}", hundredths / 100, hundredths % 100);
    if suffix {
        format!("{marker}{number}{letter}")
    } else {
        format!("{marker}{number}")
    }
}

/// lvm2's long size form in messages and displays: `<10.00 GiB`, `4.00 MiB`.
pub fn long_size(bytes: u64) -> String {
    if bytes == 0 {
        return "0   ".into();
    }
    const NAMES: [&str; 7] = ["B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"];
    let mut p = 6usize;
    while p > 1 && bytes < 1024u64.pow(p as u32) {
        p -= 1;
    }
    let (hundredths, up) = hundredths(bytes, 1024u64.pow(p as u32));
    let marker = if up { "<" } else { "" };
    format!("{marker}{}.{:02} {}", hundredths / 100, hundredths % 100, NAMES[p])
}

/// `long_size` under `--units` (and `--nosuffix`), as lvm2's displays
/// print it. The browser leaves `--units` to the reports (feature
/// `lvm-extras`).
pub fn long_size_as(u: Units, bytes: u64) -> String {
    #[cfg(feature = "lvm-extras")]
    if u != Units::default() {
        return long_size_in(bytes, u);
    }
    let _ = u;
    long_size(bytes)
}

/// libdevmapper's `dm_size_to_string` with `DM_SIZE_LONG`: `1020.00 MiB`,
/// `1069.55 MB`, `1069547520 B `, `2088960 Se`, `0 MiB`; only `r`/`R`
/// mark a rounded-up size with `<`.
#[cfg(feature = "lvm-extras")]
fn long_size_in(bytes: u64, u: Units) -> String {
    const IEC: [&str; 7] = [" B", " KiB", " MiB", " GiB", " TiB", " PiB", " EiB"];
    const SI: [&str; 7] = [" B ", " kB", " MB", " GB", " TB", " PB", " EB"];
    let human = matches!(u.unit, 'h' | 'H');
    if bytes == 0 && human {
        return if u.suffix { "0   ".into() } else { "0".into() };
    }
    let (base, names) = if u.unit.is_ascii_uppercase() { (1000u64, SI) } else { (1024, IEC) };
    let (div, name) = match u.unit.to_ascii_lowercase() {
        'b' => (1, " B "),
        's' => (512, " Se"),
        'h' => {
            let mut p = 6;
            while p > 0 && bytes < base.pow(p) {
                p -= 1;
            }
            (base.pow(p), names[p as usize])
        }
        c => {
            let p = b"bkmgtpe".iter().position(|x| *x as char == c).unwrap_or(1);
            (base.pow(p as u32), names[p])
        }
    };
    let suffix = if u.suffix || human { name } else { "" };
    if bytes == 0 || div == 1 || div == 512 {
        return format!("{}{suffix}", bytes / div);
    }
    let (h, up) = hundredths(bytes, div);
    let marker = if human && !u.explicit && up { "<" } else { "" };
    format!("{marker}{}.{:02}{suffix}", h / 100, h % 100)
}

/// `bytes / div` in hundredths as `printf("%.2f")` rounds it (half to even:
/// 1.125 GiB prints 1.12), and whether that rounded up, which is when
/// lvm2's `_close_enough(floorl(d), nearbyintl(d))` adds its `<`.
/// Exact for powers of 1024; for powers of 1000 a tie is taken as exact,
/// where printf sees the nearest double.
fn hundredths(bytes: u64, div: u64) -> (u128, bool) {
    let (n, d) = (u128::from(bytes) * 100, u128::from(div));
    let (q, r) = (n / d, n % d);
    let up = 2 * r > d || (2 * r == d && q % 2 == 1);
    (q + u128::from(up), up)
}

/// lvm2's percentages (Data%, Meta%, "Allocated pool data"): `dm_make_percent`,
/// then `dm_percent_to_round_float(.., 2)` printed as `%.2f`, so a barely used
/// pool shows 0.01 and a nearly full one 99.99, never 0.00 or 100.00.
pub(super) fn percent_text(numerator: u64, denominator: u64) -> String {
    const ONE: i64 = 1_000_000;
    const HUNDRED: i64 = 100 * ONE;
    let p: i64 = if denominator == 0 || numerator == denominator {
        HUNDRED
    } else if numerator == 0 {
        0
    } else {
        match (HUNDRED as f64 * (numerator as f64 / denominator as f64)) as i64 {
            HUNDRED => HUNDRED - 1,
            0 => 1,
            v => v.min(i64::from(i32::MAX)),
        }
    };
    percent_value_text(p)
}

/// Formats a `dm_percent_t` (1% = 1,000,000) as lvm2 does.
pub(super) fn percent_value_text(p: i64) -> String {
    const ONE: i64 = 1_000_000;
    const HUNDRED: i64 = 100 * ONE;
    let r = ONE as f32 * 0.01f32;
    let mut f = p as f32 / ONE as f32 + 0.0;
    if (p as f32) < r && p > 0 {
        f = 0.01;
    } else if (p as f32) > (HUNDRED as f32 - r) && p < HUNDRED {
        f = (HUNDRED as f32 - r) / ONE as f32;
    }
    crate::console::fmt::fixed(f64::from(f), 2)
}
