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

/// A map kept as a sorted vector: for the simulator's small maps (a disk's
/// written sectors, filesystems by device) it is as fast as a B-tree and much
/// smaller in the WebAssembly bundle.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VecMap<K, V> {
    entries: Vec<(K, V)>,
}

impl<K, V> Default for VecMap<K, V> {
    fn default() -> Self {
        VecMap { entries: Vec::new() }
    }
}

impl<K: Ord, V> VecMap<K, V> {
    pub fn new() -> Self {
        Self::default()
    }

    fn find<Q: Ord + ?Sized>(&self, key: &Q) -> Result<usize, usize>
    where
        K: std::borrow::Borrow<Q>,
    {
        self.entries.binary_search_by(|(k, _)| k.borrow().cmp(key))
    }

    pub fn get<Q: Ord + ?Sized>(&self, key: &Q) -> Option<&V>
    where
        K: std::borrow::Borrow<Q>,
    {
        self.find(key).ok().map(|i| &self.entries[i].1)
    }

    pub fn get_mut<Q: Ord + ?Sized>(&mut self, key: &Q) -> Option<&mut V>
    where
        K: std::borrow::Borrow<Q>,
    {
        self.find(key).ok().map(|i| &mut self.entries[i].1)
    }

    pub fn contains_key<Q: Ord + ?Sized>(&self, key: &Q) -> bool
    where
        K: std::borrow::Borrow<Q>,
    {
        self.find(key).is_ok()
    }

    pub fn insert(&mut self, key: K, value: V) -> Option<V> {
        match self.find(&key) {
            Ok(i) => Some(std::mem::replace(&mut self.entries[i].1, value)),
            Err(i) => {
                self.entries.insert(i, (key, value));
                None
            }
        }
    }

    pub fn remove<Q: Ord + ?Sized>(&mut self, key: &Q) -> Option<V>
    where
        K: std::borrow::Borrow<Q>,
    {
        self.find(key).ok().map(|i| self.entries.remove(i).1)
    }

    pub fn retain(&mut self, mut keep: impl FnMut(&K, &mut V) -> bool) {
        self.entries.retain_mut(|(k, v)| keep(k, v));
    }

    pub fn clear(&mut self) {
        self.entries.clear();
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    pub fn iter(&self) -> impl Iterator<Item = (&K, &V)> {
        self.entries.iter().map(|(k, v)| (k, v))
    }

    pub fn iter_mut(&mut self) -> impl Iterator<Item = (&K, &mut V)> {
        self.entries.iter_mut().map(|(k, v)| (&*k, v))
    }

    pub fn keys(&self) -> impl Iterator<Item = &K> {
        self.entries.iter().map(|(k, _)| k)
    }

    pub fn values(&self) -> impl Iterator<Item = &V> {
        self.entries.iter().map(|(_, v)| v)
    }

    pub fn values_mut(&mut self) -> impl Iterator<Item = &mut V> {
        self.entries.iter_mut().map(|(_, v)| v)
    }

    pub fn into_entries(self) -> Vec<(K, V)> {
        self.entries
    }

    /// The entry with the largest key at or below `key`.
    pub fn floor(&self, key: &K) -> Option<(&K, &V)> {
        let i = match self.find(key) {
            Ok(i) => i,
            Err(0) => return None,
            Err(i) => i - 1,
        };
        self.entries.get(i).map(|(k, v)| (k, v))
    }

    /// The entry with the largest key strictly below `key`.
    pub fn below(&self, key: &K) -> Option<(&K, &V)> {
        let i = self.find(key).unwrap_or_else(|i| i).checked_sub(1)?;
        self.entries.get(i).map(|(k, v)| (k, v))
    }

    /// Entries whose keys lie in `first..end`.
    pub fn range_between(&self, first: &K, end: K) -> impl Iterator<Item = (&K, &V)> + '_ {
        let start = self.find(first).unwrap_or_else(|i| i);
        self.entries[start..].iter().take_while(move |(k, _)| *k < end).map(|(k, v)| (k, v))
    }

    /// The entry with the smallest key at or above `key`.
    pub fn ceiling(&self, key: &K) -> Option<(&K, &V)> {
        let i = self.find(key).unwrap_or_else(|i| i);
        self.entries.get(i).map(|(k, v)| (k, v))
    }

    /// Entries whose keys lie in `first..=last`.
    pub fn range_inclusive(&self, first: &K, last: K) -> impl Iterator<Item = (&K, &V)> + '_ {
        let start = self.find(first).unwrap_or_else(|i| i);
        self.entries[start..].iter().take_while(move |(k, _)| *k <= last).map(|(k, v)| (k, v))
    }
}

#[cfg(test)]
mod map_tests {
    use super::VecMap;

    #[test]
    fn behaves_like_a_map() {
        let mut m = VecMap::new();
        assert_eq!(m.insert(5, "e"), None);
        assert_eq!(m.insert(1, "a"), None);
        assert_eq!(m.insert(3, "c"), None);
        assert_eq!(m.insert(3, "C"), Some("c"));
        assert_eq!(m.get(&3), Some(&"C"));
        assert_eq!(m.iter().map(|(k, _)| *k).collect::<Vec<_>>(), [1, 3, 5]);
        assert_eq!(m.range_inclusive(&2, 5).map(|(k, _)| *k).collect::<Vec<_>>(), [3, 5]);
        assert_eq!(m.floor(&4), Some((&3, &"C")));
        assert_eq!(m.floor(&3), Some((&3, &"C")));
        assert_eq!(m.below(&3), Some((&1, &"a")));
        assert_eq!(m.floor(&0), None);
        assert_eq!(m.remove(&1), Some("a"));
        assert!(!m.contains_key(&1));
        m.retain(|k, _| *k > 3);
        assert_eq!(m.len(), 1);
    }
}
