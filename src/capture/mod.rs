//! Captured requests: the model (`CapturedRequest`, its borrowing twin `RequestRef`, where
//! each came from), the three file formats that hold them and the one JSONL writer
//! `listen --save` uses. Imports only primitives (error, terminal) and `json`: never an engine.
//!
//! The format is detected from content, not from the file name (`open.rs`):
//! - **JSONL** (`jsonl.rs`): the first non-blank line is a JSON object that is not a HAR
//!   document; every non-blank line is one request (`cmzon-hook listen --save` writes
//!   these). Streamed: one block of whole lines (what one read brought) in memory at a
//!   time; a bad line is reported and reading goes on with the next.
//! - **HAR 1.2** (`har.rs`): a JSON document with `log.entries[].request` (browser devtools,
//!   mitmproxy, Charles). HTTP/2 pseudo-headers (`:authority`, ...) are dropped;
//!   `postData.text` is the body, base64-decoded when `postData.encoding` is `base64`. Only a
//!   POST with a body is a webhook delivery: other entries (a devtools export holds every
//!   request of the page, `GET /app.js`) are skipped and counted ([`Skipped`]).
//! - **Raw HTTP/1.1** (`raw.rs`): request line, headers, body framed by `Content-Length` or
//!   chunked transfer encoding (chunk extensions and trailers are accepted; trailers are not
//!   kept). Several pipelined requests may follow each other. A read error ends the file.
//!
//! Sources are `file:line` for JSONL and `file#N` (N counted from 1) for HAR entries and raw
//! requests. `-` reads stdin.

mod file;
mod har;
mod jsonl;
mod open;
mod raw;
#[cfg(test)]
mod testing;

use std::borrow::Cow;
use std::io;

use base64::Engine;

use crate::error::{Error, Result};

pub use har::{write_har, HarEntry, Skipped};
pub use jsonl::{to_jsonl_line, write_jsonl_line, CaptureWriter, JsonlBlock, JsonlBlocks};
pub use open::{
    capture_kind, open_captures, read_captures, read_captures_from, read_deliveries, OpenedCapture,
};

/// One request as it travelled: headers in received order with original case (repeats kept)
/// and the exact body bytes.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CapturedRequest {
    pub id: Option<u64>,
    pub received_at: Option<String>,
    pub remote_addr: Option<String>,
    pub method: String,
    pub path: String,
    pub query: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

/// Last header of a captured request that `listen` refused: `<status> <reason>`. Before its
/// body was complete (413, a body cut short: the body holds only what arrived), or a POST to
/// another path than the webhook path (`404 …`, the body whole).
pub const REJECTED_HEADER: &str = "X-Cmzon-Hook-Rejected";

impl CapturedRequest {
    /// First header with this name, matched case-insensitively.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
    pub fn header_pairs(&self) -> impl Iterator<Item = (&str, &str)> + Clone {
        self.headers.iter().map(|(n, v)| (n.as_str(), v.as_str()))
    }
}

/// A request and where it came from: `file#id` (a JSONL line with listen's `id`, the `#7` it
/// printed), `file:line` (a JSONL line without one) or `file#entry` (HAR, raw).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Located {
    pub source: String,
    pub request: CapturedRequest,
}

/// The items a capture reader yields.
pub type Captures = Box<dyn Iterator<Item = Result<Located>>>;

/// A captured request borrowing from its capture line: strings that hold no JSON escape are
/// not copied. [`RequestRef::into_owned`] gives the [`CapturedRequest`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestRef<'a> {
    pub id: Option<u64>,
    pub received_at: Option<Cow<'a, str>>,
    pub remote_addr: Option<Cow<'a, str>>,
    pub method: Cow<'a, str>,
    pub path: Cow<'a, str>,
    pub query: Cow<'a, str>,
    pub headers: Vec<(Cow<'a, str>, Cow<'a, str>)>,
    pub body: Cow<'a, [u8]>,
}

impl RequestRef<'_> {
    pub fn header_pairs(&self) -> impl Iterator<Item = (&str, &str)> + Clone {
        self.headers.iter().map(|(n, v)| (n.as_ref(), v.as_ref()))
    }

    /// Why `listen` refused this request (see [`REJECTED_HEADER`]), if it did.
    pub fn rejected(&self) -> Option<&str> {
        self.header_pairs()
            .find(|(n, _)| n.eq_ignore_ascii_case(REJECTED_HEADER))
            .map(|(_, v)| v)
    }

    pub fn into_owned(self) -> CapturedRequest {
        CapturedRequest {
            id: self.id,
            received_at: self.received_at.map(Cow::into_owned),
            remote_addr: self.remote_addr.map(Cow::into_owned),
            method: self.method.into_owned(),
            path: self.path.into_owned(),
            query: self.query.into_owned(),
            headers: self
                .headers
                .into_iter()
                .map(|(n, v)| (n.into_owned(), v.into_owned()))
                .collect(),
            body: self.body.into_owned(),
        }
    }
}

impl CapturedRequest {
    /// This request as a [`RequestRef`] borrowing its fields.
    pub fn borrowed(&self) -> RequestRef<'_> {
        RequestRef {
            id: self.id,
            received_at: self.received_at.as_deref().map(Cow::Borrowed),
            remote_addr: self.remote_addr.as_deref().map(Cow::Borrowed),
            method: Cow::Borrowed(&self.method),
            path: Cow::Borrowed(&self.path),
            query: Cow::Borrowed(&self.query),
            headers: self
                .headers
                .iter()
                .map(|(n, v)| (Cow::Borrowed(n.as_str()), Cow::Borrowed(v.as_str())))
                .collect(),
            body: Cow::Borrowed(&self.body),
        }
    }
}

// ---------------------------------------------------------------------------------------
// Shared by the format readers

fn read_error(name: &str, err: &io::Error) -> Error {
    Error::input(format!("cannot read {name}: {err}"))
}

/// The start of a line, printable, for error messages.
fn preview(line: &[u8]) -> String {
    let text = String::from_utf8_lossy(line.trim_ascii());
    let mut out: String = text
        .chars()
        .take(40)
        .map(|c| if c.is_control() { '?' } else { c })
        .collect();
    if text.chars().count() > 40 {
        out.push('…');
    }
    out
}

/// serde_json's message without its ` at line L column C` suffix, and the column.
fn json_message(e: &serde_json::Error) -> String {
    let text = e.to_string();
    match text.rsplit_once(" at line ") {
        Some((msg, _)) => msg.to_string(),
        None => text,
    }
}

fn decode_base64(text: &str) -> std::result::Result<Vec<u8>, String> {
    let compact: String = text.chars().filter(|c| !c.is_ascii_whitespace()).collect();
    base64::engine::general_purpose::STANDARD
        .decode(compact)
        .map_err(|e| e.to_string())
}

/// Split a request target or URL into path and query (fragment dropped).
fn split_target(target: &str) -> (String, String) {
    let target = target.split_once('#').map_or(target, |(t, _)| t);
    let rest = match target.find("://") {
        Some(i) if !target[..i].contains('/') => {
            let after = &target[i + 3..];
            match after.find(['/', '?']) {
                Some(j) => &after[j..],
                None => "",
            }
        }
        _ => target,
    };
    let (path, query) = rest.split_once('?').unwrap_or((rest, ""));
    let path = if path.is_empty() { "/" } else { path };
    (path.to_string(), query.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_split_into_path_and_query() {
        for (t, p, q) in [
            ("/webhook?a=1&b=2", "/webhook", "a=1&b=2"),
            ("/", "/", ""),
            ("https://h:8443/x/y?z#f", "/x/y", "z"),
            ("https://h?q=1", "/", "q=1"),
            ("*", "*", ""),
            ("/a?b://c", "/a", "b://c"),
        ] {
            assert_eq!(split_target(t), (p.to_string(), q.to_string()), "{t}");
        }
    }
}
