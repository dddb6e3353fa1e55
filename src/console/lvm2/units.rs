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
        // A fixed unit keeps its letter (`0m`, `0B`, `0S`); human units leave a space.
        return match (u.suffix, u.unit) {
            (false, _) if !matches!(u.unit, 'h' | 'H') => "0".into(),
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
    let hundredths = (bytes as u128 * 200 + div as u128) / (2 * div as u128);
    let marker = if !u.explicit && hundredths * div as u128 > bytes as u128 * 100 { "<" } else { "" };
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
    let div = 1024u128.pow(p as u32);
    let hundredths = (bytes as u128 * 200 + div) / (2 * div);
    let marker = if hundredths * div > bytes as u128 * 100 { "<" } else { "" };
    format!("{marker}{}.{:02} {}", hundredths / 100, hundredths % 100, NAMES[p])
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
