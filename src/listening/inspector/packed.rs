//! A request as the inspector keeps it: its strings and headers in one buffer and its body,
//! so holding 10,000 of them costs a few allocations each, and dropping the oldest (on the
//! webhook path) frees a few blocks instead of one per header name and value. Rebuilt as a
//! [`CapturedRequest`] when exported or replayed.

use crate::capture::CapturedRequest;

pub(super) struct Packed {
    /// received_at, remote_addr, method, path, query, then each header's name and value.
    text: String,
    /// Where each piece of `text` ends.
    ends: Vec<u32>,
    has_received_at: bool,
    has_remote_addr: bool,
    pub body: Vec<u8>,
}

const FIXED: usize = 5;

impl Packed {
    pub(super) fn new(req: CapturedRequest) -> Packed {
        let CapturedRequest {
            id: _,
            received_at,
            remote_addr,
            method,
            path,
            query,
            headers,
            body,
        } = req;
        let len = [&received_at, &remote_addr]
            .iter()
            .map(|s| s.as_ref().map_or(0, String::len))
            .sum::<usize>()
            + method.len()
            + path.len()
            + query.len()
            + headers
                .iter()
                .map(|(n, v)| n.len() + v.len())
                .sum::<usize>();
        let mut text = String::with_capacity(len);
        let mut ends = Vec::with_capacity(FIXED + 2 * headers.len());
        let mut put = |s: &str| {
            text.push_str(s);
            ends.push(text.len() as u32);
        };
        put(received_at.as_deref().unwrap_or(""));
        put(remote_addr.as_deref().unwrap_or(""));
        put(&method);
        put(&path);
        put(&query);
        for (n, v) in &headers {
            put(n);
            put(v);
        }
        Packed {
            text,
            ends,
            has_received_at: received_at.is_some(),
            has_remote_addr: remote_addr.is_some(),
            body,
        }
    }

    fn piece(&self, i: usize) -> &str {
        let start = if i == 0 { 0 } else { self.ends[i - 1] as usize };
        &self.text[start..self.ends[i] as usize]
    }

    pub(super) fn received_at(&self) -> Option<&str> {
        self.has_received_at.then(|| self.piece(0))
    }

    fn remote_addr(&self) -> Option<&str> {
        self.has_remote_addr.then(|| self.piece(1))
    }

    pub(super) fn method(&self) -> &str {
        self.piece(2)
    }

    pub(super) fn path(&self) -> &str {
        self.piece(3)
    }

    pub(super) fn query(&self) -> &str {
        self.piece(4)
    }

    /// Headers in received order and case.
    pub(super) fn headers(&self) -> impl Iterator<Item = (&str, &str)> + Clone + '_ {
        (FIXED..self.ends.len())
            .step_by(2)
            .map(|i| (self.piece(i), self.piece(i + 1)))
    }

    /// The first header of this name (any case).
    pub(super) fn header(&self, name: &str) -> Option<&str> {
        self.headers()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v)
    }

    /// Memory it holds, about.
    pub(super) fn size(&self) -> usize {
        self.text.len() + 4 * self.ends.len() + self.body.len()
    }

    /// The request again, numbered `id`.
    pub(super) fn to_captured(&self, id: u64) -> CapturedRequest {
        CapturedRequest {
            id: Some(id),
            received_at: self.received_at().map(str::to_string),
            remote_addr: self.remote_addr().map(str::to_string),
            method: self.method().to_string(),
            path: self.path().to_string(),
            query: self.query().to_string(),
            headers: self
                .headers()
                .map(|(n, v)| (n.to_string(), v.to_string()))
                .collect(),
            body: self.body.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_packed_request_comes_back_the_same() {
        let req = CapturedRequest {
            id: Some(9),
            received_at: Some("2026-12-06T18:00:00.000Z".into()),
            remote_addr: None,
            method: "POST".into(),
            path: "/webhook".into(),
            query: "a=1".into(),
            headers: vec![
                ("Host".into(), "x".into()),
                ("X-Empty".into(), String::new()),
                ("x-hub-signature-256".into(), "sha256=00".into()),
            ],
            body: b"\xff body".to_vec(),
        };
        let p = Packed::new(req.clone());
        assert_eq!(p.to_captured(9), req);
        assert_eq!(p.header("X-HUB-SIGNATURE-256"), Some("sha256=00"));
        assert_eq!(p.headers().count(), 3);
        let empty = Packed::new(CapturedRequest::default());
        assert_eq!(empty.to_captured(1).headers.len(), 0);
        assert_eq!(empty.received_at(), None);
    }
}
