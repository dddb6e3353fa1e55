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
        frac = (frac + 50) / 100;
        if frac == 10 {
            dec += 1;
            frac = 0;
        }
    }
    let number = if frac > 0 { format!("{dec}.{frac}") } else { dec.to_string() };
    match style {
        SizeStyle::Letter => format!("{number}{letter}"),
        SizeStyle::Iec if letter == 'B' => format!("{number} B"),
        SizeStyle::Iec => format!("{number} {letter}iB"),
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
                let head = if self.show_header { self.headers[i].chars().count() } else { 0 };
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
    fn ranges() {
        assert_eq!(number_ranges(&[1, 2, 3, 4]), "1-4");
        assert_eq!(number_ranges(&[3, 4]), "3,4");
        assert_eq!(number_ranges(&[1, 2]), "1,2");
        assert_eq!(number_ranges(&[2, 3, 4, 7]), "2-4,7");
    }
}
