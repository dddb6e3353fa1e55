//! A set of `u64` numbers stored as sorted, disjoint runs.
//!
//! Models allocation bitmaps (a thin pool's data chunks, a filesystem's blocks)
//! without a bit per unit: a run of a million allocated blocks is one entry.

use crate::core::order::VecMap;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RangeSet {
    /// start → length; runs never touch or overlap.
    runs: VecMap<u64, u64>,
    total: u64,
}

impl RangeSet {
    pub fn new() -> RangeSet {
        RangeSet::default()
    }

    /// How many numbers are in the set.
    pub fn total(&self) -> u64 {
        self.total
    }

    pub fn is_empty(&self) -> bool {
        self.total == 0
    }

    pub fn contains(&self, n: u64) -> bool {
        self.runs.floor(&n).is_some_and(|(s, l)| n < s + l)
    }

    /// The runs, in order, as (start, length).
    pub fn runs(&self) -> impl Iterator<Item = (u64, u64)> + '_ {
        self.runs.iter().map(|(s, l)| (*s, *l))
    }

    /// Adds `start..start + len`.
    pub fn insert(&mut self, start: u64, len: u64) {
        if len == 0 {
            return;
        }
        self.remove(start, len);
        let mut s = start;
        let mut l = len;
        if let Some((&ps, &pl)) = self.runs.below(&start) {
            if ps + pl == start {
                self.runs.remove(&ps);
                s = ps;
                l += pl;
            }
        }
        if let Some(&nl) = self.runs.get(&(start + len)) {
            self.runs.remove(&(start + len));
            l += nl;
        }
        self.runs.insert(s, l);
        self.total += len;
    }

    /// Removes `start..start + len` (numbers not in the set are ignored).
    pub fn remove(&mut self, start: u64, len: u64) {
        let end = start.saturating_add(len);
        let first = self.runs.floor(&start).filter(|(s, l)| **s + **l > start).map(|(s, _)| *s);
        let touched: Vec<(u64, u64)> =
            self.runs.range_between(&first.unwrap_or(start), end).map(|(s, l)| (*s, *l)).filter(|(s, l)| s + l > start).collect();
        for (s, l) in touched {
            self.runs.remove(&s);
            self.total -= l;
            if s < start {
                self.runs.insert(s, start - s);
                self.total += start - s;
            }
            if s + l > end {
                self.runs.insert(end, s + l - end);
                self.total += s + l - end;
            }
        }
    }

    /// How many numbers of `start..start + len` are in the set.
    pub fn count_in(&self, start: u64, len: u64) -> u64 {
        let end = start.saturating_add(len);
        let first = self.runs.floor(&start).map_or(start, |(s, _)| *s);
        self.runs.range_between(&first, end).map(|(s, l)| (s + l).min(end).saturating_sub(*s.max(&start))).sum()
    }

    /// The lowest `count` numbers of `0..limit` not in the set, as runs, or None
    /// when fewer are free.
    pub fn first_free(&self, count: u64, limit: u64) -> Option<Vec<(u64, u64)>> {
        self.first_free_from(0, count, limit)
    }

    /// Like `first_free`, looking from `goal` on first and then from 0.
    pub fn first_free_near(&self, goal: u64, count: u64, limit: u64) -> Option<Vec<(u64, u64)>> {
        if let Some(v) = self.first_free_from(goal, count, limit) {
            return Some(v);
        }
        let after = self.first_free_from(goal, u64::MAX, limit).unwrap_or_default();
        let found: u64 = after.iter().map(|r| r.1).sum();
        let mut v = self.first_free_from(0, count - found, goal)?;
        v.extend(after);
        Some(v)
    }

    fn first_free_from(&self, from: u64, count: u64, limit: u64) -> Option<Vec<(u64, u64)>> {
        let mut picks = Vec::new();
        let mut left = count;
        let mut cursor = from;
        let gaps = self.runs().map(|(s, l)| (s, s + l)).filter(|(_, e)| *e > from).chain(std::iter::once((u64::MAX, u64::MAX)));
        for (s, next) in gaps {
            if left == 0 || cursor >= limit {
                break;
            }
            let n = s.min(limit).saturating_sub(cursor).min(left);
            if n > 0 {
                picks.push((cursor, n));
                left -= n;
            }
            cursor = cursor.max(next);
        }
        (left == 0 || count == u64::MAX).then_some(picks)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runs_merge_and_split() {
        let mut r = RangeSet::new();
        r.insert(10, 5);
        r.insert(15, 5);
        assert_eq!(r.runs().collect::<Vec<_>>(), [(10, 10)]);
        r.remove(12, 2);
        assert_eq!(r.runs().collect::<Vec<_>>(), [(10, 2), (14, 6)]);
        assert_eq!(r.total(), 8);
        assert_eq!(r.count_in(0, 15), 3);
        assert!(r.contains(11) && !r.contains(12));
        assert_eq!(r.first_free(5, 100), Some(vec![(0, 5)]));
        assert_eq!(r.first_free(13, 100), Some(vec![(0, 10), (12, 2), (20, 1)]));
        assert_eq!(r.first_free(100, 100), None);
    }
}
