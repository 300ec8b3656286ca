//! Helpers for the hostile-input tests (`listen::hostile`, `send::hostile`,
//! `secret_hygiene`): a keep-alive HTTP/1.1 client for bursts, uniquely numbered signed
//! deliveries, the pieces a faulty server is scripted from, and a scan for a leaked secret in
//! every output and every file a command wrote. Every loop and server here is bounded in
//! count and time.
#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use base64::Engine;

/// The longest any single exchange in these tests may take.
pub const IO_TIMEOUT: Duration = Duration::from_secs(20);

// ---------------------------------------------------------------------------------------
// Deliveries with a unique id

/// The wamid of delivery `n` of run `tag`.
pub fn wamid(tag: &str, n: usize) -> String {
    format!("wamid.HARDEN-{tag}-{n:06}")
}

/// A realistic text-message delivery whose message id is [`wamid`]`(tag, n)`.
pub fn numbered_body(tag: &str, n: usize) -> Vec<u8> {
    super::captures::text_message(&wamid(tag, n), &format!("burst message {n}"))
}

/// The first message id in a delivery body, if it has one.
pub fn message_id(body: &[u8]) -> Option<String> {
    let v: serde_json::Value = serde_json::from_slice(body).ok()?;
    v.pointer("/entry/0/changes/0/value/messages/0/id")?
        .as_str()
        .map(str::to_string)
}

// ---------------------------------------------------------------------------------------
// A keep-alive client

/// One HTTP/1.1 keep-alive connection that reconnects when the server closed it.
pub struct KeepAlive {
    addr: String,
    conn: Option<BufReader<TcpStream>>,
    /// Connections opened so far.
    pub connects: usize,
}

/// A response read by [`KeepAlive`].
#[derive(Debug, Clone)]
pub struct Answer {
    pub status: u16,
    pub body: Vec<u8>,
    pub close: bool,
}

impl KeepAlive {
    pub fn new(addr: &str) -> KeepAlive {
        KeepAlive {
            addr: addr.to_string(),
            conn: None,
            connects: 0,
        }
    }

    /// POST `body` to `path` with `headers` (plus Host and Content-Length) and read the answer.
    /// An error drops the connection; the next call opens a new one.
    pub fn post(
        &mut self,
        path: &str,
        headers: &[(&str, &str)],
        body: &[u8],
    ) -> std::io::Result<Answer> {
        let r = self.try_post(path, headers, body);
        match &r {
            Ok(a) if !a.close => {}
            _ => self.conn = None,
        }
        r
    }

    fn try_post(
        &mut self,
        path: &str,
        headers: &[(&str, &str)],
        body: &[u8],
    ) -> std::io::Result<Answer> {
        if self.conn.is_none() {
            let s = TcpStream::connect(&self.addr)?;
            s.set_read_timeout(Some(IO_TIMEOUT))?;
            s.set_write_timeout(Some(IO_TIMEOUT))?;
            s.set_nodelay(true)?;
            self.conn = Some(BufReader::new(s));
            self.connects += 1;
        }
        let conn = self.conn.as_mut().expect("connected just above");
        let mut req = format!("POST {path} HTTP/1.1\r\nHost: {}\r\n", self.addr);
        for (n, v) in headers {
            req.push_str(&format!("{n}: {v}\r\n"));
        }
        req.push_str(&format!("Content-Length: {}\r\n\r\n", body.len()));
        let mut raw = req.into_bytes();
        raw.extend_from_slice(body);
        conn.get_mut().write_all(&raw)?;
        read_answer(conn)
    }
}

/// Read one `Content-Length`-framed response.
pub fn read_answer(conn: &mut impl BufRead) -> std::io::Result<Answer> {
    let bad = |what: &str| std::io::Error::new(std::io::ErrorKind::InvalidData, what.to_string());
    let mut line = String::new();
    if conn.read_line(&mut line)? == 0 {
        return Err(std::io::Error::new(
            std::io::ErrorKind::UnexpectedEof,
            "closed before the status line",
        ));
    }
    let status: u16 = line
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| bad("bad status line"))?;
    let mut len = 0usize;
    let mut close = false;
    for _ in 0..200 {
        line.clear();
        if conn.read_line(&mut line)? == 0 {
            return Err(bad("closed in the head"));
        }
        let l = line.trim_end();
        if l.is_empty() {
            let mut body = vec![0u8; len];
            conn.read_exact(&mut body)?;
            return Ok(Answer {
                status,
                body,
                close,
            });
        }
        if let Some((n, v)) = l.split_once(':') {
            if n.eq_ignore_ascii_case("content-length") {
                len = v.trim().parse().map_err(|_| bad("bad content-length"))?;
            } else if n.eq_ignore_ascii_case("connection") && v.trim().eq_ignore_ascii_case("close")
            {
                close = true;
            }
        }
    }
    Err(bad("too many header lines"))
}

/// Headers of a delivery signed with `secret` like CMzon does.
pub fn signed_headers(secret: &str, body: &[u8]) -> Vec<(&'static str, String)> {
    vec![
        ("Content-Type", "application/json".to_string()),
        (
            "X-Hub-Signature-256",
            cmzon_hook::webhook::signature::sign(secret.as_bytes(), body),
        ),
    ]
}

/// Borrowed view of [`signed_headers`].
pub fn as_refs<'a>(h: &'a [(&'static str, String)]) -> Vec<(&'a str, &'a str)> {
    h.iter().map(|(n, v)| (*n, v.as_str())).collect()
}

// ---------------------------------------------------------------------------------------
// Scripting a faulty server (see `server::LocalServer`)

/// Read a request head and its Content-Length body (bounded: 1 MiB, the stream's timeout).
/// Returns the raw bytes, or what arrived before EOF or an error.
pub fn read_request(stream: &mut TcpStream) -> Vec<u8> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 8192];
    let deadline = Instant::now() + Duration::from_secs(10);
    while Instant::now() < deadline && buf.len() < 1 << 20 {
        if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&buf[..end]).to_ascii_lowercase();
            let len: usize = head
                .lines()
                .find_map(|l| l.strip_prefix("content-length:"))
                .and_then(|v| v.trim().parse().ok())
                .unwrap_or(0);
            if buf.len() >= end + 4 + len {
                break;
            }
        }
        match stream.read(&mut chunk) {
            Ok(0) | Err(_) => break,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
    }
    buf
}

/// Close so that the peer sees a reset (RST), not an orderly FIN: unread bytes in the
/// receive buffer make Linux answer the close with RST.
pub fn reset(mut stream: TcpStream) {
    let mut first = [0u8; 16];
    let _ = stream.read(&mut first);
    // The rest of the request is still unread: dropping now sends RST.
    drop(stream);
}

/// Answer a request with `status`, an empty body, and close.
pub fn answer(stream: &mut TcpStream, status: u16, extra: &str) {
    let _ = read_request(stream);
    let _ = write!(
        stream,
        "HTTP/1.1 {status} Whatever\r\nContent-Length: 0\r\nConnection: close\r\n{extra}\r\n"
    );
    let _ = stream.flush();
}

// ---------------------------------------------------------------------------------------
// Secret leaks

/// Every form in which a leaked secret could show: as is, hex encoded, percent-encoded, and
/// base64 encoded at each of the three byte alignments (a capture stores non-UTF-8 bodies as
/// base64, and the secret could sit anywhere in such a body).
pub fn leak_forms(secret: &str) -> Vec<String> {
    let hex: String = secret.bytes().map(|b| format!("{b:02x}")).collect();
    let mut forms = vec![secret.to_string(), hex, secret.replace('-', "%2D")];
    for pad in 0..3usize {
        let mut bytes = vec![0u8; pad];
        bytes.extend_from_slice(secret.as_bytes());
        let b64 = base64::engine::general_purpose::STANDARD.encode(&bytes);
        // Characters that depend on the secret's bytes only: skip the group shared with the
        // bytes before it and the last, partial group.
        let start = if pad == 0 { 0 } else { 4 };
        let end = 4 * (bytes.len() / 3);
        if end > start + 8 {
            forms.push(b64[start..end].to_string());
        }
    }
    forms
}

/// Panic (naming `what`) when `text` holds the secret in any of [`leak_forms`].
pub fn assert_clean(what: &str, text: &[u8], secret: &str) {
    let text = String::from_utf8_lossy(text);
    for form in leak_forms(secret) {
        assert!(
            !text.contains(&form),
            "the secret leaked ({form:?}) in {what}:\n{text}"
        );
    }
}

/// Every regular file under `dir` (recursively, bounded to 10,000 entries).
pub fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut todo = vec![dir.to_path_buf()];
    while let Some(d) = todo.pop() {
        let Ok(rd) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in rd.flatten().take(10_000) {
            let p = e.path();
            if p.is_dir() {
                todo.push(p);
            } else {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}
