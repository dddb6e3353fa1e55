//! Sorting for the simulator's short lists (partitions, LVs, segments).
//!
//! The standard library's sorts are fast but large, and WebAssembly pays for a
//! copy per call site. These lists hold at most a few hundred items, so one
//! stable insertion sort behind a `dyn` comparison keeps the bundle small.

use std::cmp::Ordering;

fn insertion_sort<T>(v: &mut [T], cmp: &dyn Fn(&T, &T) -> Ordering) {
    for i in 1..v.len() {
        let mut j = i;
        while j > 0 && cmp(&v[j - 1], &v[j]) == Ordering::Greater {
            v.swap(j - 1, j);
            j -= 1;
        }
    }
}

/// Stable sorting for short slices.
pub trait SmallSort<T> {
    fn small_sort_by(&mut self, cmp: impl Fn(&T, &T) -> Ordering);
    fn small_sort_by_key<K: Ord>(&mut self, key: impl Fn(&T) -> K);
}

impl<T> SmallSort<T> for [T] {
    fn small_sort_by(&mut self, cmp: impl Fn(&T, &T) -> Ordering) {
        insertion_sort(self, &cmp);
    }

    fn small_sort_by_key<K: Ord>(&mut self, key: impl Fn(&T) -> K) {
        insertion_sort(self, &|a, b| key(a).cmp(&key(b)));
    }
}

/// Sorts a slice of ordered values.
pub fn small_sort<T: Ord>(v: &mut [T]) {
    insertion_sort(v, &|a, b| a.cmp(b));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sorts_stably() {
        let mut v = vec![(3, 'a'), (1, 'b'), (3, 'c'), (2, 'd'), (1, 'e')];
        v.small_sort_by_key(|p| p.0);
        assert_eq!(v, [(1, 'b'), (1, 'e'), (2, 'd'), (3, 'a'), (3, 'c')]);
        let mut w = vec![5, 4, 3, 2, 1, 0];
        small_sort(&mut w);
        assert_eq!(w, [0, 1, 2, 3, 4, 5]);
    }
}
