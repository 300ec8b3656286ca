//! The vocabulary every outgoing exchange shares: the request method, the answer, why an
//! attempt got no answer, and the limits that apply to all of them. Pure data: imports nothing
//! else from `http`, so every layer above can use it.

use std::fmt;
use std::time::Duration;

/// The `User-Agent` every outgoing request carries unless the caller sets its own.
pub const USER_AGENT: &str = concat!("cmzon-hook/", env!("CARGO_PKG_VERSION"));

/// Largest response body kept in memory (the rest is read and dropped).
pub const MAX_RESPONSE_BODY: usize = 64 * 1024;

/// A header a resent request must not copy from the one it repeats: hop-by-hop (RFC 9110
/// 7.6.1), or set by the client for the request it sends (`Host`, `Content-Length`, ...).
/// Used when forwarding (`--forward-to`), replaying and writing a `curl` reproduction.
pub fn set_per_hop(name: &str) -> bool {
    const PER_HOP: &[&str] = &[
        "host",
        "content-length",
        "transfer-encoding",
        "connection",
        "keep-alive",
        "proxy-connection",
        "proxy-authorization",
        "te",
        "trailer",
        "upgrade",
        "expect",
        "accept-encoding",
    ];
    PER_HOP.iter().any(|h| name.eq_ignore_ascii_case(h))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    Get,
    Post,
}

impl Method {
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
        }
    }
}

/// The answer to one attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    pub status: u16,
    /// `Location` of a 3xx (never followed).
    pub location: Option<String>,
    pub headers: Vec<(String, String)>,
    /// Up to [`MAX_RESPONSE_BODY`] bytes of the response body.
    pub body: Vec<u8>,
    pub latency: Duration,
}

/// Why an attempt produced no HTTP response.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum FailureKind {
    Dns,
    Connect,
    Tls,
    Timeout,
    Other,
}

impl FailureKind {
    pub fn as_str(self) -> &'static str {
        match self {
            FailureKind::Dns => "dns",
            FailureKind::Connect => "connect",
            FailureKind::Tls => "tls",
            FailureKind::Timeout => "timeout",
            FailureKind::Other => "other",
        }
    }
}

/// An attempt that got no HTTP response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    pub kind: FailureKind,
    /// One line, naming the host and the cause.
    pub message: String,
    pub latency: Duration,
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

/// First value of a header, case-insensitive.
pub fn header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}
