//! HTTP/1.1 on an open [`Link`]: the one request writer and the one response reader. The
//! response head is parsed by `httparse`; the body is framed by one rule (RFC 9112 §6.3):
//! no body for 1xx/204/304, chunked only when `chunked` is the *last* transfer coding, else
//! `Content-Length`, else up to the end of the connection. Interim 1xx answers are skipped.

use std::io::{self, Read};
use std::time::Instant;

use crate::http::connect::{is_timeout, Link};
use crate::http::message::{Method, MAX_RESPONSE_BODY};

/// Largest response head (status line and headers) accepted.
pub const MAX_HEAD: usize = 64 * 1024;
/// A lenient read stops after this many bytes (framing included) and keeps what it has.
const MAX_LENIENT: usize = 4 * 1024 * 1024;
/// Headers parsed without a heap allocation; more are parsed in a second pass.
const INLINE_HEADERS: usize = 64;

/// Append a request in HTTP/1.1 wire form to `out`: request line, `Host` (unless `headers`
/// has one), the headers in order, `Content-Length` for a POST, a blank line, the body.
pub fn write_request(
    out: &mut Vec<u8>,
    method: Method,
    path: &str,
    host_header: &str,
    headers: &[(String, String)],
    body: &[u8],
) {
    out.extend_from_slice(method.as_str().as_bytes());
    out.push(b' ');
    out.extend_from_slice(path.as_bytes());
    out.extend_from_slice(b" HTTP/1.1\r\n");
    if !headers.iter().any(|(n, _)| n.eq_ignore_ascii_case("host")) {
        out.extend_from_slice(b"Host: ");
        out.extend_from_slice(host_header.as_bytes());
        out.extend_from_slice(b"\r\n");
    }
    for (n, v) in headers {
        out.extend_from_slice(n.as_bytes());
        out.extend_from_slice(b": ");
        out.extend_from_slice(v.as_bytes());
        out.extend_from_slice(b"\r\n");
    }
    if method == Method::Post {
        out.extend_from_slice(b"Content-Length: ");
        out.extend_from_slice(body.len().to_string().as_bytes());
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(b"\r\n");
    out.extend_from_slice(body);
}

/// How a response's body is delimited.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BodyFraming {
    /// 1xx, 204, 304: nothing follows the head.
    Empty,
    Length(usize),
    Chunked,
    /// Up to the end of the connection.
    UntilClose,
}

/// Status line and headers of a response, with what they say about framing and reuse.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResponseHead {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub framing: BodyFraming,
    /// The server lets the connection be reused (HTTP/1.1 without `Connection: close`, or
    /// HTTP/1.0 with `keep-alive`).
    pub keep_alive: bool,
}

/// Parse a response head from the start of `raw`. `Ok(None)` until the head is complete; on
/// success also returns where the body starts. The error says what is wrong, in a few words.
pub fn parse_response_head(raw: &[u8]) -> Result<Option<(ResponseHead, usize)>, String> {
    let mut inline = [httparse::EMPTY_HEADER; INLINE_HEADERS];
    match parse_with(raw, &mut inline) {
        Err(httparse::Error::TooManyHeaders) => {}
        other => return finish(other),
    }
    // A head this large is rare: parse it again with room for any header count.
    let mut many = vec![httparse::EMPTY_HEADER; MAX_HEAD / 4];
    finish(parse_with(raw, &mut many))
}

fn finish(
    parsed: Result<Parsed<'_, '_>, httparse::Error>,
) -> Result<Option<(ResponseHead, usize)>, String> {
    match parsed.map_err(describe)? {
        Some((resp, at)) => Ok(Some((head_from(resp)?, at))),
        None => Ok(None),
    }
}

type Parsed<'h, 'b> = Option<(httparse::Response<'h, 'b>, usize)>;

fn parse_with<'h, 'b>(
    raw: &'b [u8],
    headers: &'h mut [httparse::Header<'b>],
) -> Result<Parsed<'h, 'b>, httparse::Error> {
    let mut resp = httparse::Response::new(headers);
    Ok(match resp.parse(raw)? {
        httparse::Status::Complete(at) => Some((resp, at)),
        httparse::Status::Partial => None,
    })
}

fn describe(e: httparse::Error) -> String {
    match e {
        httparse::Error::Version => "not an HTTP/1.x status line".into(),
        httparse::Error::Status => "bad status code".into(),
        other => other.to_string(),
    }
}

fn head_from(resp: httparse::Response<'_, '_>) -> Result<ResponseHead, String> {
    let status = resp.code.ok_or("bad status code")?;
    if !(100..1000).contains(&status) {
        return Err("bad status code".into());
    }
    let http10 = resp.version == Some(0);
    let mut headers = Vec::with_capacity(resp.headers.len());
    let mut content_length = None;
    let mut chunked = false;
    let mut transfer_coded = false;
    let mut keep_alive = !http10;
    for h in resp.headers.iter() {
        let value = String::from_utf8_lossy(h.value).trim().to_string();
        let name = h.name;
        if name.eq_ignore_ascii_case("content-length") {
            let n = value
                .parse::<usize>()
                .map_err(|_| "bad Content-Length".to_string())?;
            if content_length.is_some_and(|c| c != n) {
                return Err("conflicting Content-Length headers".into());
            }
            content_length = Some(n);
        } else if name.eq_ignore_ascii_case("transfer-encoding") {
            transfer_coded = true;
            // RFC 9112 §6.3: chunked framing only when chunked is the final coding.
            chunked = value
                .rsplit(',')
                .next()
                .is_some_and(|v| v.trim().eq_ignore_ascii_case("chunked"));
        } else if name.eq_ignore_ascii_case("connection") {
            for token in value.split(',') {
                let t = token.trim();
                if t.eq_ignore_ascii_case("close") {
                    keep_alive = false;
                } else if t.eq_ignore_ascii_case("keep-alive") && http10 {
                    keep_alive = true;
                }
            }
        }
        headers.push((name.to_string(), value));
    }
    let framing = if (100..200).contains(&status) || status == 204 || status == 304 {
        BodyFraming::Empty
    } else if chunked {
        BodyFraming::Chunked
    } else if transfer_coded {
        // A transfer coding other than chunked last: the body runs to the close.
        BodyFraming::UntilClose
    } else if let Some(n) = content_length {
        BodyFraming::Length(n)
    } else {
        BodyFraming::UntilClose
    };
    Ok(ResponseHead {
        status,
        headers,
        framing,
        keep_alive,
    })
}

/// Why no complete response was read.
#[derive(Debug)]
pub enum ReadFailure {
    /// The deadline passed.
    Timeout,
    /// Closed or reset before any response byte (on a reused connection: retry on a new one).
    Closed(io::Error),
    /// The connection ended after part of the response.
    Truncated,
    Io(io::Error),
    Malformed(String),
    HeadTooLarge,
}

/// A response read in full (the body capped at [`MAX_RESPONSE_BODY`]).
#[derive(Debug)]
pub struct ReceivedResponse {
    pub head: ResponseHead,
    pub body: Vec<u8>,
    /// The connection can carry the next request.
    pub reusable: bool,
}

/// Reads one response from a link, bytes left over from the previous one first.
pub struct ResponseReader<'a> {
    link: &'a mut Link,
    /// Received bytes not consumed yet (kept across responses on a keep-alive link).
    buf: &'a mut Vec<u8>,
    /// Where reads land before being appended to `buf`.
    scratch: &'a mut [u8],
    deadline: Instant,
    /// Lenient (what `lint` wants): once the head has arrived, a body cut short by the peer,
    /// or longer than 4 MiB, ends the response instead of failing it.
    lenient: bool,
    /// When the first byte of the response arrived.
    pub first_byte: Option<Instant>,
    received: usize,
}

impl<'a> ResponseReader<'a> {
    pub fn new(
        link: &'a mut Link,
        buf: &'a mut Vec<u8>,
        scratch: &'a mut [u8],
        deadline: Instant,
        lenient: bool,
    ) -> ResponseReader<'a> {
        ResponseReader {
            link,
            buf,
            scratch,
            deadline,
            lenient,
            first_byte: None,
            received: 0,
        }
    }

    /// Read more bytes into `buf`, honouring the deadline. `got_any`: part of the response has
    /// arrived already (an end now is a truncated response, not a closed idle connection).
    fn fill(&mut self, got_any: bool) -> Result<(), ReadFailure> {
        loop {
            self.link
                .arm(self.deadline)
                .map_err(|e| io_failure(e, !got_any))?;
            match self.link.read(self.scratch) {
                Ok(0) => break,
                Ok(n) => {
                    self.first_byte.get_or_insert_with(Instant::now);
                    self.received += n;
                    self.buf.extend_from_slice(&self.scratch[..n]);
                    return Ok(());
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                // A TLS peer that closes without close_notify: the end of the stream.
                Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => break,
                Err(e) => return Err(io_failure(e, !got_any)),
            }
        }
        Err(if got_any {
            ReadFailure::Truncated
        } else {
            ReadFailure::Closed(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "connection closed",
            ))
        })
    }

    /// Read the next final response (interim 1xx answers are skipped).
    pub fn response(&mut self) -> Result<ReceivedResponse, ReadFailure> {
        loop {
            let (head, at) = loop {
                match parse_response_head(self.buf) {
                    Ok(Some(parsed)) => break parsed,
                    Ok(None) => {}
                    // Judge a head once it is complete (what arrives may still end early).
                    Err(m) if head_ended(self.buf) => return Err(ReadFailure::Malformed(m)),
                    Err(_) => {}
                }
                if self.buf.len() > MAX_HEAD {
                    return Err(ReadFailure::HeadTooLarge);
                }
                let got_any = !self.buf.is_empty();
                self.fill(got_any)?;
            };
            self.buf.drain(..at);
            if (100..200).contains(&head.status) && head.status != 101 {
                continue; // 100 Continue, 103 Early Hints: the real answer follows.
            }
            let mut body = Vec::new();
            let mut reusable = head.keep_alive;
            let read = match head.framing {
                BodyFraming::Empty => Ok(()),
                BodyFraming::Length(len) => self.exact(len, &mut body),
                BodyFraming::Chunked => self.chunked(&mut body),
                BodyFraming::UntilClose => {
                    reusable = false;
                    self.until_close(&mut body)
                }
            };
            match read {
                Ok(()) => {}
                Err(ReadFailure::Truncated | ReadFailure::Io(_)) if self.lenient => {
                    // The status already arrived; a body cut short does not change a verdict.
                    take_body(&mut body, self.buf);
                    self.buf.clear();
                    reusable = false;
                }
                Err(e) => return Err(e),
            }
            if !self.buf.is_empty() {
                reusable = false;
            }
            return Ok(ReceivedResponse {
                head,
                body,
                reusable,
            });
        }
    }

    /// Body bytes that arrive until the end of the connection.
    fn until_close(&mut self, body: &mut Vec<u8>) -> Result<(), ReadFailure> {
        loop {
            take_body(body, self.buf);
            self.buf.clear();
            match self.more() {
                Ok(()) => {}
                Err(ReadFailure::Truncated) => return Ok(()),
                Err(e) => return Err(e),
            }
        }
    }

    /// More body bytes; a lenient read gives up after [`MAX_LENIENT`].
    fn more(&mut self) -> Result<(), ReadFailure> {
        if self.lenient && self.received > MAX_LENIENT {
            return Err(ReadFailure::Truncated);
        }
        self.fill(true)
    }

    /// `len` body bytes, keeping at most [`MAX_RESPONSE_BODY`].
    fn exact(&mut self, len: usize, body: &mut Vec<u8>) -> Result<(), ReadFailure> {
        let mut left = len;
        loop {
            let n = left.min(self.buf.len());
            take_body(body, &self.buf[..n]);
            self.buf.drain(..n);
            left -= n;
            if left == 0 {
                return Ok(());
            }
            self.more()?;
        }
    }

    /// A line ending in CRLF (without it).
    fn line(&mut self) -> Result<String, ReadFailure> {
        loop {
            if let Some(i) = memchr::memmem::find(self.buf, b"\r\n") {
                let line = String::from_utf8_lossy(&self.buf[..i]).into_owned();
                self.buf.drain(..i + 2);
                return Ok(line);
            }
            if self.buf.len() > MAX_HEAD {
                return Err(ReadFailure::Malformed(
                    "line too long in chunked body".into(),
                ));
            }
            self.more()?;
        }
    }

    fn chunked(&mut self, body: &mut Vec<u8>) -> Result<(), ReadFailure> {
        loop {
            let line = self.line()?;
            let size_hex = line.split(';').next().unwrap_or("").trim();
            let size = usize::from_str_radix(size_hex, 16)
                .map_err(|_| ReadFailure::Malformed("bad chunk size".into()))?;
            if size == 0 {
                // Trailers, until an empty line.
                while !self.line()?.is_empty() {}
                return Ok(());
            }
            self.exact(size, body)?;
            if !self.line()?.is_empty() {
                return Err(ReadFailure::Malformed("chunk not followed by CRLF".into()));
            }
        }
    }
}

/// A blank line has arrived: the head is complete, whether it parses or not.
fn head_ended(buf: &[u8]) -> bool {
    memchr::memmem::find(buf, b"\r\n\r\n").is_some()
}

pub fn io_failure(e: io::Error, before_response: bool) -> ReadFailure {
    if is_timeout(&e) {
        return ReadFailure::Timeout;
    }
    let closed = matches!(
        e.kind(),
        io::ErrorKind::ConnectionReset
            | io::ErrorKind::ConnectionAborted
            | io::ErrorKind::BrokenPipe
            | io::ErrorKind::UnexpectedEof
    );
    if closed && before_response {
        ReadFailure::Closed(e)
    } else {
        ReadFailure::Io(e)
    }
}

/// Append `data` to `body`, keeping at most [`MAX_RESPONSE_BODY`] bytes.
fn take_body(body: &mut Vec<u8>, data: &[u8]) {
    let room = MAX_RESPONSE_BODY.saturating_sub(body.len());
    body.extend_from_slice(&data[..data.len().min(room)]);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn head(raw: &[u8]) -> ResponseHead {
        parse_response_head(raw).unwrap().unwrap().0
    }

    #[test]
    fn request_bytes() {
        let mut out = Vec::new();
        write_request(
            &mut out,
            Method::Post,
            "/h",
            "a:1",
            &[("X-A".into(), "1".into())],
            b"{}",
        );
        assert_eq!(
            out,
            b"POST /h HTTP/1.1\r\nHost: a:1\r\nX-A: 1\r\nContent-Length: 2\r\n\r\n{}"
        );
        out.clear();
        write_request(
            &mut out,
            Method::Get,
            "/",
            "a",
            &[("host".into(), "b".into())],
            b"",
        );
        assert_eq!(out, b"GET / HTTP/1.1\r\nhost: b\r\n\r\n");
    }

    #[test]
    fn heads_parsed() {
        assert_eq!(
            parse_response_head(b"HTTP/1.1 200 OK\r\nA: b").unwrap(),
            None
        );
        let (h, at) = parse_response_head(
            b"HTTP/1.1 302 Found\r\nLocation: https://x/\r\nContent-Length: 0\r\n\r\nbody",
        )
        .unwrap()
        .unwrap();
        assert_eq!((h.status, at), (302, 63));
        assert_eq!(h.framing, BodyFraming::Length(0));
        assert!(h.keep_alive);
        assert_eq!(
            h.headers[0],
            ("Location".to_string(), "https://x/".to_string())
        );
        let h = head(b"HTTP/1.0 200 OK\r\n\r\n");
        assert!(!h.keep_alive);
        assert_eq!(h.framing, BodyFraming::UntilClose);
        assert!(head(b"HTTP/1.0 200 OK\r\nConnection: keep-alive\r\n\r\n").keep_alive);
        let h = head(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n");
        assert_eq!(h.framing, BodyFraming::Chunked);
        assert!(!h.keep_alive);
        assert_eq!(head(b"HTTP/1.1 204 No\r\n\r\n").framing, BodyFraming::Empty);
        assert_eq!(head(b"HTTP/1.1 200\r\n\r\n").status, 200);
        let many: String = (0..200).map(|i| format!("X-{i}: {i}\r\n")).collect();
        let raw = format!("HTTP/1.1 200 OK\r\n{many}\r\n");
        assert_eq!(head(raw.as_bytes()).headers.len(), 200);
        for bad in [
            &b"HTTP/2 200 OK\r\n\r\n"[..],
            b"SSH-2.0-OpenSSH\r\n\r\n",
            b"HTTP/1.1 20 OK\r\n\r\n",
            b"HTTP/1.1 2OO OK\r\n\r\n",
            b"HTTP/1.1 200 OK\r\nNoColon\r\n\r\n",
            b"HTTP/1.1 200 OK\r\nContent-Length: x\r\n\r\n",
            b"HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
        ] {
            assert!(
                parse_response_head(bad).is_err(),
                "{:?}",
                String::from_utf8_lossy(bad)
            );
        }
    }

    #[test]
    fn chunked_only_when_it_is_the_last_coding() {
        let h = head(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n");
        assert_eq!(h.framing, BodyFraming::Chunked);
        // `chunked` not last: the body runs to the close, whatever Content-Length says.
        let h = head(
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, gzip\r\nContent-Length: 3\r\n\r\n",
        );
        assert_eq!(h.framing, BodyFraming::UntilClose);
        let h = head(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: xchunkedx\r\n\r\n");
        assert_eq!(h.framing, BodyFraming::UntilClose);
    }
}
