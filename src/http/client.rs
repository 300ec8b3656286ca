//! A keep-alive HTTP/1.1 connection for sending many webhooks fast: one per worker (and a
//! small pool of them for one-off requests), the request written in one piece, the response
//! read by [`wire`]. No redirects (a 3xx is just a response), a deadline per attempt, a reused
//! connection that the server closed while idle replaced once, transparently.
//!
//! Failures come back as [`Failure`]s worded for `send`, `lint` and `listen --forward-to`.

use std::io::{self, Write};
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::http::connect::{self, tls_cause, DialFailure, Endpoint, Link, Stream};
use crate::http::message::{Failure, FailureKind, Method, Response};
use crate::http::wire::{self, ReadFailure};

/// An open connection and where it goes.
struct LiveConnection {
    link: Link,
    to: (String, u16, bool),
    /// Requests already answered on this connection.
    used: u32,
}

/// One worker's connection state: at most one keep-alive connection, reused while the
/// server allows it, plus reusable buffers.
pub struct Connection {
    open: Option<LiveConnection>,
    /// The request being sent.
    wbuf: Vec<u8>,
    /// Received bytes not parsed yet.
    rbuf: Vec<u8>,
    /// Where reads land before being appended to `rbuf` (allocated and zeroed once).
    scratch: Box<[u8]>,
}

impl Default for Connection {
    fn default() -> Self {
        Self::new()
    }
}

/// Why an exchange failed, before it becomes a [`Failure`].
#[derive(Debug)]
enum ExchangeError {
    Dns,
    Connect(io::Error),
    Tls(String),
    Timeout,
    /// Closed or reset before any response byte: on a reused connection, retry on a new one.
    Closed(io::Error),
    Io(io::Error),
    Malformed(String),
}

impl From<ReadFailure> for ExchangeError {
    fn from(f: ReadFailure) -> ExchangeError {
        match f {
            ReadFailure::Timeout => ExchangeError::Timeout,
            ReadFailure::Closed(e) => ExchangeError::Closed(e),
            ReadFailure::Truncated => ExchangeError::Io(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "connection closed before the response was complete",
            )),
            ReadFailure::Io(e) => ExchangeError::Io(e),
            ReadFailure::Malformed(m) => ExchangeError::Malformed(m),
            ReadFailure::HeadTooLarge => ExchangeError::Malformed("response head too large".into()),
        }
    }
}

impl Connection {
    pub fn new() -> Connection {
        Connection {
            open: None,
            wbuf: Vec::with_capacity(4096),
            rbuf: Vec::with_capacity(16 * 1024),
            scratch: vec![0u8; 16 * 1024].into_boxed_slice(),
        }
    }

    /// Send one request and read its response within `timeout`. A reused connection that turns
    /// out closed by the server (before answering) is replaced once, transparently.
    #[allow(clippy::too_many_arguments)]
    pub fn exchange(
        &mut self,
        target: &Endpoint,
        tls: Option<&Arc<rustls::ClientConfig>>,
        method: Method,
        headers: &[(String, String)],
        body: &[u8],
        timeout: Duration,
    ) -> Result<Response, Failure> {
        let start = Instant::now();
        let deadline = start + timeout;
        self.wbuf.clear();
        wire::write_request(
            &mut self.wbuf,
            method,
            &target.path,
            &target.host_header,
            headers,
            body,
        );
        let key = (target.host.clone(), target.port, target.https);
        if self.open.as_ref().is_some_and(|c| c.to != key) {
            self.open = None;
        }
        let mut result = self.try_once(target, tls, &key, deadline);
        if let Err((ExchangeError::Closed(_), true)) = &result {
            self.open = None;
            result = self.try_once(target, tls, &key, deadline);
        }
        result
            .map_err(|(f, _)| {
                self.open = None;
                failure(target, f, start.elapsed())
            })
            .map(|mut r| {
                r.latency = start.elapsed();
                r
            })
    }

    /// One try; the error says whether the connection had been used before.
    fn try_once(
        &mut self,
        target: &Endpoint,
        tls: Option<&Arc<rustls::ClientConfig>>,
        key: &(String, u16, bool),
        deadline: Instant,
    ) -> Result<Response, (ExchangeError, bool)> {
        if self.open.is_none() {
            self.rbuf.clear();
            let stream = open(target, tls, deadline).map_err(|f| (f, false))?;
            self.open = Some(LiveConnection {
                link: Link::new(stream),
                to: key.clone(),
                used: 0,
            });
        }
        let Some(open) = self.open.as_mut() else {
            return Err((ExchangeError::Malformed("no connection".into()), false));
        };
        let reused = open.used > 0;
        let sent = open
            .link
            .arm(deadline)
            .and_then(|_| open.link.write_all(&self.wbuf))
            .and_then(|_| open.link.flush());
        if let Err(e) = sent {
            return Err((ExchangeError::from(wire::io_failure(e, true)), reused));
        }
        let mut reader = wire::ResponseReader::new(
            &mut open.link,
            &mut self.rbuf,
            &mut self.scratch,
            deadline,
            false,
        );
        let got = reader
            .response()
            .map_err(|f| (ExchangeError::from(f), reused))?;
        open.used += 1;
        if !got.reusable {
            self.open = None;
            self.rbuf.clear();
        }
        let location =
            crate::http::message::header(&got.head.headers, "location").map(str::to_string);
        Ok(Response {
            status: got.head.status,
            location,
            headers: got.head.headers,
            body: got.body,
            latency: Duration::ZERO,
        })
    }
}

/// Resolve, connect and (for HTTPS) handshake before `deadline`.
fn open(
    target: &Endpoint,
    tls: Option<&Arc<rustls::ClientConfig>>,
    deadline: Instant,
) -> Result<Stream, ExchangeError> {
    let addrs = target.addresses().map_err(|_| ExchangeError::Dns)?;
    let tcp = connect::dial(&addrs, deadline).map_err(|f| match f {
        DialFailure::NoAddress => ExchangeError::Dns,
        DialFailure::Timeout => ExchangeError::Timeout,
        DialFailure::Refused(e) => ExchangeError::Connect(e),
    })?;
    if !target.https {
        return Ok(Stream::Plain(tcp));
    }
    let Some(config) = tls else {
        return Err(ExchangeError::Tls("no TLS configuration".into()));
    };
    let name = target.server_name().map_err(|_| {
        ExchangeError::Tls(format!("{:?} is not a valid TLS server name", target.host))
    })?;
    match connect::handshake(tcp, config.clone(), name, deadline) {
        Ok(s) => Ok(Stream::Tls(s)),
        Err(e) if connect::is_timeout(&e) => Err(ExchangeError::Timeout),
        Err(e) => Err(ExchangeError::Tls(match tls_cause(&e) {
            Some(tls_err) => crate::http::tls::explain(tls_err),
            None => e.to_string(),
        })),
    }
}

fn failure(target: &Endpoint, f: ExchangeError, latency: Duration) -> Failure {
    let host = &target.host_header;
    let (kind, message) = match f {
        ExchangeError::Dns => (
            FailureKind::Dns,
            format!("cannot resolve host {}", target.host),
        ),
        ExchangeError::Connect(e) => (
            FailureKind::Connect,
            format!("cannot connect to {host}: {e}"),
        ),
        ExchangeError::Tls(m) => (FailureKind::Tls, format!("TLS failed with {host}: {m}")),
        ExchangeError::Timeout => (
            FailureKind::Timeout,
            format!("{host} did not answer within the timeout"),
        ),
        ExchangeError::Closed(e) => (
            FailureKind::Connect,
            format!("{host} closed the connection without answering: {e}"),
        ),
        ExchangeError::Io(e) => (FailureKind::Other, format!("request to {host} failed: {e}")),
        ExchangeError::Malformed(what) => (
            FailureKind::Other,
            format!("{host} sent an invalid HTTP response: {what}"),
        ),
    };
    Failure {
        kind,
        message,
        latency,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    #[test]
    fn targets_from_urls() {
        let t = Endpoint::from_url(&reqwest::Url::parse("http://127.0.0.1:8080/a/b?x=1").unwrap())
            .unwrap();
        assert_eq!(t.path, "/a/b?x=1");
        assert_eq!(t.host_header, "127.0.0.1:8080");
        assert_eq!(t.ip, Some("127.0.0.1".parse().unwrap()));
        assert!(!t.https);
        let t = Endpoint::from_url(&reqwest::Url::parse("https://[::1]/").unwrap()).unwrap();
        assert_eq!(
            (t.port, t.host_header.as_str(), t.host.as_str()),
            (443, "[::1]", "::1")
        );
        let t =
            Endpoint::from_url(&reqwest::Url::parse("https://example.com:443/h").unwrap()).unwrap();
        assert_eq!(
            (t.port, t.host_header.as_str(), t.ip),
            (443, "example.com", None)
        );
        assert!(Endpoint::from_url(&reqwest::Url::parse("ftp://x/").unwrap()).is_none());
    }

    /// Serve canned bytes on 127.0.0.1 to one connection and exchange one request.
    fn exchange_with(reply: &'static [u8]) -> Result<Response, Failure> {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}/h", l.local_addr().unwrap());
        let server = std::thread::spawn(move || {
            let (mut s, _) = l.accept().unwrap();
            let mut buf = [0u8; 4096];
            let _ = s.read(&mut buf);
            let _ = s.write_all(reply);
        });
        let target = Endpoint::from_url(&reqwest::Url::parse(&url).unwrap()).unwrap();
        let mut c = Connection::new();
        let r = c.exchange(
            &target,
            None,
            Method::Post,
            &[],
            b"{}",
            Duration::from_secs(5),
        );
        server.join().unwrap();
        r
    }

    #[test]
    fn bodies_by_length_chunks_and_close() {
        let r = exchange_with(b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello").unwrap();
        assert_eq!((r.status, r.body.as_slice()), (200, &b"hello"[..]));
        let r = exchange_with(
            b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 201 Created\r\nTransfer-Encoding: chunked\r\n\r\n3;x=1\r\nabc\r\n2\r\nde\r\n0\r\nT: 1\r\n\r\n",
        )
        .unwrap();
        assert_eq!((r.status, r.body.as_slice()), (201, &b"abcde"[..]));
        let r = exchange_with(b"HTTP/1.0 500 Oops\r\n\r\nall of it").unwrap();
        assert_eq!((r.status, r.body.as_slice()), (500, &b"all of it"[..]));
        let e = exchange_with(b"garbage\r\n\r\n").unwrap_err();
        assert_eq!(e.kind, FailureKind::Other);
        let e = exchange_with(b"").unwrap_err();
        assert_eq!(e.kind, FailureKind::Connect, "{e:?}");
    }

    #[test]
    fn keep_alive_reuse_and_transparent_reconnect_after_server_close() {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}/h", l.local_addr().unwrap());
        let server = std::thread::spawn(move || {
            let mut conns = 0;
            // Connection 1 answers two requests, then closes while idle; connection 2 answers one.
            for answers in [2, 1] {
                let (mut s, _) = l.accept().unwrap();
                conns += 1;
                for _ in 0..answers {
                    let mut buf = [0u8; 4096];
                    let _ = s.read(&mut buf);
                    s.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
                        .unwrap();
                }
            }
            conns
        });
        let target = Endpoint::from_url(&reqwest::Url::parse(&url).unwrap()).unwrap();
        let mut c = Connection::new();
        for _ in 0..3 {
            let r = c
                .exchange(
                    &target,
                    None,
                    Method::Post,
                    &[],
                    b"{}",
                    Duration::from_secs(5),
                )
                .unwrap();
            assert_eq!((r.status, r.body.as_slice()), (200, &b"ok"[..]));
        }
        assert_eq!(server.join().unwrap(), 2, "one reconnect, no more");
    }

    #[test]
    fn refused_and_unresolvable() {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = l.local_addr().unwrap();
        drop(l);
        let target =
            Endpoint::from_url(&reqwest::Url::parse(&format!("http://{addr}/")).unwrap()).unwrap();
        let mut c = Connection::new();
        let e = c
            .exchange(
                &target,
                None,
                Method::Post,
                &[],
                b"",
                Duration::from_secs(2),
            )
            .unwrap_err();
        assert_eq!(e.kind, FailureKind::Connect, "{e:?}");
        let target =
            Endpoint::from_url(&reqwest::Url::parse("http://no-such-host.invalid/").unwrap())
                .unwrap();
        let e = c
            .exchange(
                &target,
                None,
                Method::Post,
                &[],
                b"",
                Duration::from_secs(5),
            )
            .unwrap_err();
        assert_eq!(e.kind, FailureKind::Dns);
        assert_eq!(e.message, "cannot resolve host no-such-host.invalid");
    }
}
