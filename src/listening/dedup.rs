//! Duplicate detection: the message/status ids seen in this run, bounded in memory.

use std::collections::{HashMap, VecDeque};
use std::hash::{Hash, Hasher};

/// Remembers message/status ids seen in this run, the oldest forgotten first.
#[derive(Debug)]
pub(super) struct Dedup {
    seen: HashMap<u64, u64>,
    order: VecDeque<u64>,
    capacity: usize,
}

impl Dedup {
    pub(super) fn new(capacity: usize) -> Dedup {
        Dedup {
            seen: HashMap::new(),
            order: VecDeque::new(),
            capacity: capacity.max(1),
        }
    }

    /// For each key: the request that first carried it, or `None` (and remember it as
    /// request `id`). A key repeated inside one request is a duplicate of that request.
    pub(super) fn check(&mut self, keys: &[Option<String>], id: u64) -> Vec<Option<u64>> {
        keys.iter()
            .map(|key| {
                let key = key.as_deref()?;
                let h = hash_key(key);
                if let Some(first) = self.seen.get(&h) {
                    return Some(*first);
                }
                if self.order.len() == self.capacity {
                    if let Some(old) = self.order.pop_front() {
                        self.seen.remove(&old);
                    }
                }
                self.seen.insert(h, id);
                self.order.push_back(h);
                None
            })
            .collect()
    }
}

/// 64-bit digest of an id (keeps memory flat; a collision needs ~2^32 ids).
fn hash_key(key: &str) -> u64 {
    let mut h = std::collections::hash_map::DefaultHasher::new();
    key.hash(&mut h);
    h.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dedup_marks_the_first_request() {
        let mut d = Dedup::new(10);
        let k = |s: &str| Some(s.to_string());
        assert_eq!(d.check(&[k("a"), k("b"), None], 1), vec![None, None, None]);
        assert_eq!(d.check(&[k("b"), k("c")], 2), vec![Some(1), None]);
        assert_eq!(d.check(&[k("c"), k("c")], 3), vec![Some(2), Some(2)]);
        assert_eq!(d.check(&[k("d"), k("d")], 4), vec![None, Some(4)]);
    }

    #[test]
    fn dedup_memory_is_bounded() {
        let mut d = Dedup::new(3);
        for (i, key) in ["a", "b", "c", "d"].iter().enumerate() {
            d.check(&[Some(key.to_string())], i as u64 + 1);
        }
        assert_eq!(d.seen.len(), 3);
        assert_eq!(
            d.check(&[Some("a".into())], 9),
            vec![None],
            "a was forgotten"
        );
        assert_eq!(d.check(&[Some("d".into())], 10), vec![Some(4)]);
    }
}
