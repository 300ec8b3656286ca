//! The inspector's history: the last [`super::MAX_REQUESTS`] requests within a byte budget,
//! oldest dropped first (counted, so the page can say so), and the filters the API offers.

use std::collections::VecDeque;
use std::sync::Arc;

use super::Record;

pub(super) struct Store {
    /// Each request with the bytes it was counted for (its memory is not touched again
    /// until it is shown or dropped).
    items: VecDeque<(Arc<Record>, usize)>,
    bytes: usize,
    dropped: u64,
    max_items: usize,
    max_bytes: usize,
}

impl Store {
    pub(super) fn new(max_items: usize, max_bytes: usize) -> Store {
        Store {
            items: VecDeque::new(),
            bytes: 0,
            dropped: 0,
            max_items: max_items.max(1),
            max_bytes,
        }
    }

    /// Keep `rec`, dropping the oldest past the limits (never `rec` itself). Returns what
    /// was dropped, to be freed by the caller once the lock is released.
    pub(super) fn push(&mut self, rec: Arc<Record>) -> Vec<Arc<Record>> {
        let size = rec.bytes();
        self.bytes += size;
        self.items.push_back((rec, size));
        let mut gone = Vec::new();
        while self.items.len() > self.max_items
            || (self.bytes > self.max_bytes && self.items.len() > 1)
        {
            if let Some((old, size)) = self.items.pop_front() {
                self.bytes = self.bytes.saturating_sub(size);
                self.dropped += 1;
                gone.push(old);
            }
        }
        gone
    }

    /// Forget everything in memory; returns how many requests were forgotten.
    pub(super) fn clear(&mut self) -> usize {
        let n = self.items.len();
        self.items.clear();
        self.bytes = 0;
        self.dropped = 0;
        n
    }

    /// Requests dropped from view to stay within the limits.
    pub(super) fn dropped(&self) -> u64 {
        self.dropped
    }

    #[cfg(test)]
    pub(super) fn len(&self) -> usize {
        self.items.len()
    }

    pub(super) fn get(&self, id: u64) -> Option<Arc<Record>> {
        self.items
            .iter()
            .rev()
            .find(|(r, _)| r.id == id)
            .map(|(r, _)| Arc::clone(r))
    }

    /// Every request, oldest first (cheap: reference counts).
    pub(super) fn all(&self) -> Vec<Arc<Record>> {
        self.items.iter().map(|(r, _)| Arc::clone(r)).collect()
    }
}

/// The API's filters (`verdict`, `kind`, `type`, `status`, `q`, `ids`); empty matches all.
#[derive(Debug, Default, Clone)]
pub(super) struct Filter {
    pub verdict: Option<String>,
    pub kind: Option<String>,
    pub kind_type: Option<String>,
    pub status: Option<String>,
    /// Lower-cased.
    pub q: Option<String>,
    pub ids: Option<Vec<u64>>,
}

impl Filter {
    pub(super) fn matches(&self, r: &Record) -> bool {
        if let Some(ids) = &self.ids {
            if !ids.contains(&r.id) {
                return false;
            }
        }
        if let Some(v) = &self.verdict {
            if r.sig().label() != v {
                return false;
            }
        }
        if let Some(s) = &self.status {
            let Some(status) = r.status else {
                return false;
            };
            let ok = match s.as_bytes() {
                [c, b'x', b'x'] | [c, b'X', b'X'] => status / 100 == u16::from(c - b'0'),
                _ => s.parse::<u16>() == Ok(status),
            };
            if !ok {
                return false;
            }
        }
        if self.kind.is_some() || self.kind_type.is_some() {
            let d = r.derived();
            if let Some(k) = &self.kind {
                if !d.kinds.iter().any(|x| x == k) {
                    return false;
                }
            }
            if let Some(t) = &self.kind_type {
                if !d.types.iter().any(|x| x.eq_ignore_ascii_case(t)) {
                    return false;
                }
            }
        }
        if let Some(q) = &self.q {
            if !contains_ci(&r.req.body, q.as_bytes())
                && !contains_ci(r.derived().summary.as_bytes(), q.as_bytes())
                && !contains_ci(r.req.path.as_bytes(), q.as_bytes())
            {
                return false;
            }
        }
        true
    }
}

/// `needle` (lower-case) in `hay`, ignoring ASCII case.
fn contains_ci(hay: &[u8], needle: &[u8]) -> bool {
    if needle.is_empty() {
        return true;
    }
    hay.windows(needle.len()).any(|w| {
        w.iter()
            .zip(needle)
            .all(|(a, b)| a.to_ascii_lowercase() == *b)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::capture::CapturedRequest;

    fn rec(id: u64, body: &str, status: u16) -> Arc<Record> {
        Arc::new(Record::new(
            id,
            CapturedRequest {
                id: Some(id),
                method: "POST".into(),
                path: "/webhook".into(),
                body: body.as_bytes().to_vec(),
                ..CapturedRequest::default()
            },
            Some(status),
        ))
    }

    #[test]
    fn the_oldest_are_dropped_and_counted() {
        let mut s = Store::new(3, usize::MAX);
        for i in 1..=5 {
            s.push(rec(i, "{}", 200));
        }
        assert_eq!(s.len(), 3);
        assert_eq!(s.dropped(), 2);
        assert!(s.get(2).is_none() && s.get(3).is_some());
        let mut s = Store::new(100, 4000);
        for i in 1..=10 {
            s.push(rec(i, &"x".repeat(1000), 200));
        }
        assert!(s.len() < 10 && s.len() >= 1, "{}", s.len());
        assert_eq!(s.dropped() as usize + s.len(), 10);
        let n = s.all().len();
        assert_eq!(s.clear(), n);
        assert_eq!((s.len(), s.dropped()), (0, 0));
    }

    #[test]
    fn filters_by_status_class_and_text() {
        let f = Filter {
            status: Some("4xx".into()),
            ..Filter::default()
        };
        assert!(f.matches(&rec(1, "{}", 401)) && !f.matches(&rec(1, "{}", 200)));
        let f = Filter {
            status: Some("200".into()),
            q: Some("héllo".to_lowercase()),
            ..Filter::default()
        };
        assert!(f.matches(&rec(1, "say HéLLO", 200)));
        assert!(!f.matches(&rec(1, "say bye", 200)));
    }
}
