//! Ambiguous or unsupported body framing, probed with raw sockets (issue 17): the ways a proxy
//! in front of `listen` and `listen` itself could read one request differently (request
//! smuggling). RFC 9112 §6: each gets one answer carrying `Connection: close`, then the
//! connection closes cleanly (FIN, not a reset that could destroy the answer); a refused
//! delivery is still captured, marked rejected, as an oversized one is.

use std::io::{ErrorKind, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::thread;
use std::time::{Duration, Instant};

use crate::support::captures::SECRET;
use crate::support::listen::{parse_reply, Listener, Reply};
use cmzon_hook::capture::{read_captures, CapturedRequest};

const REJECTED: &str = "X-Cmzon-Hook-Rejected";
const BODY: &[u8] = br#"{"object":"whatsapp_business_account","entry":[]}"#;
/// Bytes a client still sends after the server has answered (the rest of a body it refused).
const TAIL: usize = 64 * 1024;

/// How a probed connection ended.
#[derive(Debug, PartialEq)]
enum End {
    /// FIN: every byte the server sent was read.
    Closed,
    /// A reset: what the server sent may have been destroyed before it was read.
    Reset,
    /// Still open after 5 s.
    Open,
}

struct Probe {
    replies: Vec<Reply>,
    end: End,
}

impl Probe {
    fn statuses(&self) -> Vec<u16> {
        self.replies.iter().map(|r| r.status).collect()
    }
}

/// A listener with a secret, saving to a capture file in its temp dir.
fn listener() -> (tempfile::TempDir, PathBuf, Listener) {
    let dir = tempfile::tempdir().expect("temp dir");
    let cap = dir.path().join("cap.jsonl");
    let l = Listener::start(
        dir.path(),
        &["--quiet", "--save", cap.to_str().unwrap()],
        &[("CMZON_WEBHOOK_SECRET", SECRET)],
    );
    (dir, cap, l)
}

/// Send `raw`, give the server time to answer, then send `tail` (the rest of a body the
/// server did not need, as a client still writing its request does) and read until the
/// server closes (at most 5 s). A server that closed without reading on resets the
/// connection: the writes fail, and on a real network the answer can be lost with them.
fn probe(addr: &str, raw: &[u8], tail: usize) -> Probe {
    let mut s = TcpStream::connect(addr).expect("connect to listen");
    s.write_all(raw).expect("send");
    thread::sleep(Duration::from_millis(300));
    let mut reset = false;
    for _ in 0..tail / 8192 {
        if let Err(e) = s.write_all(&[b' '; 8192]) {
            assert!(
                matches!(e.kind(), ErrorKind::ConnectionReset | ErrorKind::BrokenPipe),
                "{e}"
            );
            reset = true;
            break;
        }
        thread::sleep(Duration::from_millis(20));
    }
    let deadline = Instant::now() + Duration::from_secs(5);
    let mut out = Vec::new();
    let mut buf = [0u8; 4096];
    let end = loop {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            break End::Open;
        }
        s.set_read_timeout(Some(left)).unwrap();
        match s.read(&mut buf) {
            Ok(0) if reset => break End::Reset,
            Ok(0) => break End::Closed,
            Ok(n) => out.extend_from_slice(&buf[..n]),
            Err(e) if e.kind() == ErrorKind::ConnectionReset => break End::Reset,
            Err(_) => break End::Open,
        }
    };
    let mut replies = Vec::new();
    let mut rest = &out[..];
    while let Some(mut r) = parse_reply(rest) {
        let end = rest.windows(4).position(|w| w == b"\r\n\r\n").unwrap() + 4;
        let len: usize = r
            .header("Content-Length")
            .and_then(|v| v.parse().ok())
            .unwrap_or(rest.len() - end);
        let len = len.min(rest.len() - end);
        r.body.truncate(len);
        rest = &rest[end + len..];
        replies.push(r);
    }
    Probe { replies, end }
}

/// A signed POST head for `BODY` with `framing` headers (each ending in CRLF).
fn head(l: &Listener, version: &str, case: &str, framing: &str) -> Vec<u8> {
    let sig = cmzon_hook::webhook::signature::sign(SECRET.as_bytes(), BODY);
    format!(
        "POST {} {version}\r\nHost: x\r\nX-Case: {case}\r\nX-Hub-Signature-256: {sig}\r\n\
         {framing}\r\n",
        l.path
    )
    .into_bytes()
}

fn chunked(body: &[u8]) -> Vec<u8> {
    let mut out = format!("{:x}\r\n", body.len()).into_bytes();
    out.extend_from_slice(body);
    out.extend_from_slice(b"\r\n0\r\n\r\n");
    out
}

/// Stop the listener and read its capture file.
fn captures(l: Listener, cap: &Path) -> Vec<CapturedRequest> {
    let stopped = l.interrupt();
    assert!(
        !stopped.stderr_text().contains("panicked"),
        "{}",
        stopped.stderr_text()
    );
    read_captures(cap)
        .expect("capture readable")
        .map(|r| r.expect("capture line parses").request)
        .collect()
}

/// One answer with `status` and `Connection: close`, then a clean close; the request is
/// captured with an empty body and marked rejected with `status`.
fn assert_refused(framing: &str, version: &str, payload: &[u8], status: u16) {
    let (_dir, cap, l) = listener();
    let mut raw = head(&l, version, "refused", framing);
    raw.extend_from_slice(payload);
    let p = probe(&l.addr, &raw, TAIL);
    assert_eq!(p.statuses(), vec![status], "{framing:?}: answers");
    assert_eq!(
        p.replies[0].header("Connection"),
        Some("close"),
        "{framing:?}: the answer must say the connection closes"
    );
    assert!(
        p.replies[0].text().contains("framing"),
        "{framing:?}: {}",
        p.replies[0].text()
    );
    assert_eq!(p.end, End::Closed, "{framing:?}: not closed cleanly");
    let reqs = captures(l, &cap);
    assert_eq!(reqs.len(), 1, "{framing:?}: {reqs:#?}");
    let why = reqs[0]
        .header(REJECTED)
        .unwrap_or_else(|| panic!("{framing:?}: not marked rejected: {reqs:#?}"));
    assert!(why.starts_with(&format!("{status} ")), "{framing:?}: {why}");
    assert!(
        reqs[0].body.is_empty(),
        "{framing:?}: body read despite unusable framing"
    );
}

/// Content-Length and Transfer-Encoding: read as chunked, then the connection closes, so the
/// bytes after the last chunk are never taken as a second request (§6.1).
#[test]
fn content_length_with_chunked_is_read_chunked_and_the_connection_closes() {
    let (_dir, cap, l) = listener();
    let mut smuggled = head(
        &l,
        "HTTP/1.1",
        "smuggled",
        &format!("Content-Length: {}\r\n", BODY.len() + TAIL),
    );
    smuggled.extend_from_slice(BODY);
    let mut raw = head(
        &l,
        "HTTP/1.1",
        "te-cl",
        &format!(
            "Content-Length: {}\r\nTransfer-Encoding: chunked\r\n",
            chunked(BODY).len() + smuggled.len()
        ),
    );
    raw.extend_from_slice(&chunked(BODY));
    raw.extend_from_slice(&smuggled);
    let p = probe(&l.addr, &raw, TAIL);
    assert_eq!(p.statuses(), vec![200], "one answer, for the chunked body");
    assert_eq!(p.replies[0].header("Connection"), Some("close"));
    assert_eq!(p.end, End::Closed, "not closed cleanly");
    let reqs = captures(l, &cap);
    assert_eq!(reqs.len(), 1, "{reqs:#?}");
    assert_eq!(reqs[0].header("X-Case"), Some("te-cl"));
    assert!(reqs[0].header(REJECTED).is_none());
    assert_eq!(reqs[0].body, BODY);
}

/// Two different Content-Length values: unrecoverable, 400 and close (§6.3).
#[test]
fn conflicting_content_lengths_get_400_and_close() {
    assert_refused(
        "Content-Length: 7\r\nContent-Length: 3\r\n",
        "HTTP/1.1",
        BODY,
        400,
    );
}

/// A Content-Length that is not a number: 400 and close, not "no body" (§6.3).
#[test]
fn an_invalid_content_length_gets_400_and_close() {
    assert_refused("Content-Length: 4x\r\n", "HTTP/1.1", BODY, 400);
}

/// A transfer coding listen does not implement: 501 and close (§6.1), not a gzip body
/// verified as if it were the payload.
#[test]
fn a_coding_other_than_chunked_gets_501_and_close() {
    assert_refused(
        "Transfer-Encoding: gzip, chunked\r\n",
        "HTTP/1.1",
        &chunked(BODY),
        501,
    );
}

/// Chunked not the last coding: the body's end is unknown, 400 and close (§6.3).
#[test]
fn chunked_not_last_gets_400_and_close() {
    assert_refused(
        "Transfer-Encoding: chunked, gzip\r\n",
        "HTTP/1.1",
        &chunked(BODY),
        400,
    );
}

/// Transfer-Encoding in an HTTP/1.0 request is faulty framing (§6.1): 400 and close.
#[test]
fn transfer_encoding_in_http_1_0_gets_400_and_close() {
    assert_refused(
        "Transfer-Encoding: chunked\r\nConnection: keep-alive\r\n",
        "HTTP/1.0",
        &chunked(BODY),
        400,
    );
}

/// The same Content-Length twice is one length: answered, and the connection stays usable.
#[test]
fn a_repeated_equal_content_length_is_fine() {
    let (_dir, cap, l) = listener();
    let n = BODY.len();
    let mut raw = Vec::new();
    for (case, last) in [("first", ""), ("second", "Connection: close\r\n")] {
        raw.extend(head(
            &l,
            "HTTP/1.1",
            case,
            &format!("Content-Length: {n}\r\nContent-Length: {n}\r\n{last}"),
        ));
        raw.extend_from_slice(BODY);
    }
    let p = probe(&l.addr, &raw, 0);
    assert_eq!(p.statuses(), vec![200, 200]);
    assert_eq!(p.replies[0].header("Connection"), None);
    assert_eq!(p.end, End::Closed);
    let reqs = captures(l, &cap);
    assert_eq!(reqs.len(), 2, "{reqs:#?}");
    assert!(reqs.iter().all(|r| r.header(REJECTED).is_none()));
}
