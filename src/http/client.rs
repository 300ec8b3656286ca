//! A lean HTTP/1.1 client connection for sending many webhooks fast: one keep-alive
//! connection per worker over a std `TcpStream` (plain or rustls), the request written in one
//! piece, the response parsed in place. No redirects (a 3xx is just a response), a deadline per
//! attempt, certificates verified against the system store plus extra CAs.
//!
//! `delivery` uses it for direct connections and falls back to reqwest when a proxy is
//! configured. Knows nothing of the CLI.

use std::io::{self, Read, Write};
use std::net::{IpAddr, SocketAddr, TcpStream, ToSocketAddrs};
use std::sync::Arc;
use std::time::{Duration, Instant};

use rustls::pki_types::{CertificateDer, ServerName};

use crate::http::delivery::{Failure, FailureKind, Method, Response, MAX_RESPONSE_BODY};
use crate::http::tls::{Stream, TrustStore};

/// Largest response head accepted.
const MAX_HEAD: usize = 64 * 1024;

/// Where requests go, parsed once from a URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    pub https: bool,
    /// Host for DNS (no brackets) or its IP address.
    pub host: String,
    pub ip: Option<IpAddr>,
    pub port: u16,
    /// `Host` header value: host, plus `:port` when the URL names one.
    pub host_header: String,
    /// Origin-form request target: path and query.
    pub path: String,
    /// `host:port` for messages.
    pub display: String,
}

impl Target {
    pub fn from_url(url: &reqwest::Url) -> Option<Target> {
        let https = match url.scheme() {
            "https" => true,
            "http" => false,
            _ => return None,
        };
        let host_str = url.host_str()?;
        let bare = host_str.trim_start_matches('[').trim_end_matches(']');
        let ip = bare.parse::<IpAddr>().ok();
        let host = bare.to_string();
        let port = url.port_or_known_default()?;
        let host_header = match url.port() {
            Some(p) => format!("{host_str}:{p}"),
            None => host_str.to_string(),
        };
        let mut path = url.path().to_string();
        if let Some(q) = url.query() {
            path.push('?');
            path.push_str(q);
        }
        Some(Target {
            https,
            host,
            ip,
            port,
            display: host_header.clone(),
            host_header,
            path,
        })
    }
}

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

/// TLS client settings: the system's trust store plus `extra_roots`, or no verification at
/// all when `insecure`. HTTP/1.1 is offered by ALPN.
pub fn tls_config(
    extra_roots: &[CertificateDer<'static>],
    insecure: bool,
) -> Arc<rustls::ClientConfig> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let roots = if insecure {
        rustls::RootCertStore::empty()
    } else {
        Arc::unwrap_or_clone(TrustStore::system_plus(extra_roots).roots)
    };
    let builder = rustls::ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .unwrap_or_else(|_| {
            // The ring provider always supports the default versions.
            rustls::ClientConfig::builder_with_provider(provider.clone())
                .with_protocol_versions(rustls::DEFAULT_VERSIONS)
                .expect("ring supports TLS 1.2 and 1.3")
        });
    let mut config = builder.with_root_certificates(roots).with_no_client_auth();
    if insecure {
        config
            .dangerous()
            .set_certificate_verifier(Arc::new(AcceptAnyCert(provider)));
    }
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Arc::new(config)
}

/// `--insecure`: accept any certificate (signatures are still checked for consistency).
#[derive(Debug)]
struct AcceptAnyCert(Arc<rustls::crypto::CryptoProvider>);

impl rustls::client::danger::ServerCertVerifier for AcceptAnyCert {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: rustls::pki_types::UnixTime,
    ) -> Result<rustls::client::danger::ServerCertVerified, rustls::Error> {
        Ok(rustls::client::danger::ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<rustls::SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

/// An open connection and the socket timeout currently set on it.
struct Conn {
    stream: Stream,
    target: (String, u16, bool),
    timeout: Duration,
    /// Requests already answered on this connection.
    used: u32,
}

/// One worker's connection state: at most one keep-alive connection, reused while the
/// server allows it, plus reusable buffers.
pub struct Connection {
    conn: Option<Conn>,
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
enum Fail {
    Dns,
    Connect(io::Error),
    Tls(String),
    Timeout,
    /// Closed or reset before any response byte: on a reused connection, retry on a new one.
    Closed(io::Error),
    Io(io::Error),
    Malformed(&'static str),
}

impl Connection {
    pub fn new() -> Connection {
        Connection {
            conn: None,
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
        target: &Target,
        tls: Option<&Arc<rustls::ClientConfig>>,
        method: Method,
        headers: &[(String, String)],
        body: &[u8],
        timeout: Duration,
    ) -> Result<Response, Failure> {
        let start = Instant::now();
        let deadline = start + timeout;
        self.wbuf.clear();
        write_request(
            &mut self.wbuf,
            method,
            &target.path,
            &target.host_header,
            headers,
            body,
        );
        let key = (target.host.clone(), target.port, target.https);
        if self.conn.as_ref().is_some_and(|c| c.target != key) {
            self.conn = None;
        }
        let mut result = self.try_once(target, tls, &key, deadline);
        if let Err((Fail::Closed(_), true)) = &result {
            self.conn = None;
            result = self.try_once(target, tls, &key, deadline);
        }
        result
            .map_err(|(f, _)| {
                self.conn = None;
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
        target: &Target,
        tls: Option<&Arc<rustls::ClientConfig>>,
        key: &(String, u16, bool),
        deadline: Instant,
    ) -> Result<Response, (Fail, bool)> {
        if self.conn.is_none() {
            self.rbuf.clear();
            let stream = connect(target, tls, deadline).map_err(|f| (f, false))?;
            self.conn = Some(Conn {
                stream,
                target: key.clone(),
                timeout: Duration::ZERO,
                used: 0,
            });
        }
        let Some(conn) = self.conn.as_mut() else {
            return Err((Fail::Malformed("no connection"), false));
        };
        let reused = conn.used > 0;
        set_timeouts(conn, deadline).map_err(|f| (f, reused))?;
        if let Err(e) = conn
            .stream
            .write_all(&self.wbuf)
            .and_then(|_| conn.stream.flush())
        {
            return Err((io_fail(e, true), reused));
        }
        let mut reader = Reader {
            conn,
            buf: &mut self.rbuf,
            scratch: &mut self.scratch,
            deadline,
        };
        let parsed = reader.response().map_err(|f| (f, reused))?;
        conn.used += 1;
        if !parsed.keep_alive {
            self.conn = None;
            self.rbuf.clear();
        }
        Ok(parsed.response)
    }
}

/// Set the socket timeouts to what is left before the deadline, skipping the system call
/// when the current setting is already within 5 ms of it.
fn set_timeouts(conn: &mut Conn, deadline: Instant) -> Result<(), Fail> {
    let left = deadline.saturating_duration_since(Instant::now());
    if left.is_zero() {
        return Err(Fail::Timeout);
    }
    if conn.timeout.abs_diff(left) > Duration::from_millis(5) {
        let tcp = conn.stream.tcp();
        tcp.set_read_timeout(Some(left)).map_err(Fail::Io)?;
        tcp.set_write_timeout(Some(left)).map_err(Fail::Io)?;
        conn.timeout = left;
    }
    Ok(())
}

fn connect(
    target: &Target,
    tls: Option<&Arc<rustls::ClientConfig>>,
    deadline: Instant,
) -> Result<Stream, Fail> {
    let addrs: Vec<SocketAddr> = match target.ip {
        Some(ip) => vec![SocketAddr::new(ip, target.port)],
        None => (target.host.as_str(), target.port)
            .to_socket_addrs()
            .map_err(|_| Fail::Dns)?
            .collect(),
    };
    if addrs.is_empty() {
        return Err(Fail::Dns);
    }
    let mut last = None;
    let mut tcp = None;
    for addr in &addrs {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(Fail::Timeout);
        }
        match TcpStream::connect_timeout(addr, left) {
            Ok(s) => {
                tcp = Some(s);
                break;
            }
            Err(e) => last = Some(e),
        }
    }
    let tcp = match (tcp, last) {
        (Some(s), _) => s,
        (None, Some(e)) if is_timeout(&e) => return Err(Fail::Timeout),
        (None, Some(e)) => return Err(Fail::Connect(e)),
        (None, None) => return Err(Fail::Dns),
    };
    let _ = tcp.set_nodelay(true);
    if !target.https {
        return Ok(Stream::Plain(tcp));
    }
    let Some(config) = tls else {
        return Err(Fail::Tls("no TLS configuration".into()));
    };
    let name = match target.ip {
        Some(ip) => ServerName::IpAddress(ip.into()),
        None => ServerName::try_from(target.host.clone())
            .map_err(|_| Fail::Tls(format!("{:?} is not a valid TLS server name", target.host)))?,
    };
    let mut conn = rustls::ClientConnection::new(config.clone(), name)
        .map_err(|e| Fail::Tls(e.to_string()))?;
    let left = deadline.saturating_duration_since(Instant::now());
    if left.is_zero() {
        return Err(Fail::Timeout);
    }
    tcp.set_read_timeout(Some(left)).map_err(Fail::Io)?;
    tcp.set_write_timeout(Some(left)).map_err(Fail::Io)?;
    let mut tcp = tcp;
    while conn.is_handshaking() {
        if let Err(e) = conn.complete_io(&mut tcp) {
            if is_timeout(&e) {
                return Err(Fail::Timeout);
            }
            let msg = match e
                .get_ref()
                .and_then(|inner| inner.downcast_ref::<rustls::Error>())
            {
                Some(rustls::Error::InvalidMessage(_)) => {
                    "the server does not speak TLS here (a plain HTTP endpoint? try http://)"
                        .to_string()
                }
                Some(tls_err) => tls_err.to_string(),
                None => e.to_string(),
            };
            return Err(Fail::Tls(msg));
        }
    }
    Ok(Stream::Tls(Box::new(rustls::StreamOwned::new(conn, tcp))))
}

fn is_timeout(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
    )
}

fn io_fail(e: io::Error, before_response: bool) -> Fail {
    if is_timeout(&e) {
        return Fail::Timeout;
    }
    let closed = matches!(
        e.kind(),
        io::ErrorKind::ConnectionReset
            | io::ErrorKind::ConnectionAborted
            | io::ErrorKind::BrokenPipe
            | io::ErrorKind::UnexpectedEof
    );
    if closed && before_response {
        Fail::Closed(e)
    } else {
        Fail::Io(e)
    }
}

fn failure(target: &Target, f: Fail, latency: Duration) -> Failure {
    let host = &target.display;
    let (kind, message) = match f {
        Fail::Dns => (
            FailureKind::Dns,
            format!("cannot resolve host {}", target.host),
        ),
        Fail::Connect(e) => (
            FailureKind::Connect,
            format!("cannot connect to {host}: {e}"),
        ),
        Fail::Tls(m) => (FailureKind::Tls, format!("TLS failed with {host}: {m}")),
        Fail::Timeout => (
            FailureKind::Timeout,
            format!("{host} did not answer within the timeout"),
        ),
        Fail::Closed(e) => (
            FailureKind::Connect,
            format!("{host} closed the connection without answering: {e}"),
        ),
        Fail::Io(e) => (FailureKind::Other, format!("request to {host} failed: {e}")),
        Fail::Malformed(what) => (
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

struct Parsed {
    response: Response,
    keep_alive: bool,
}

/// Reads one response from a connection, pending bytes first.
struct Reader<'a> {
    conn: &'a mut Conn,
    buf: &'a mut Vec<u8>,
    scratch: &'a mut [u8],
    deadline: Instant,
}

impl Reader<'_> {
    /// Read more bytes into `buf`, honouring the deadline. `got_any`: part of the response has
    /// arrived already (an EOF now is a truncated response, not a closed idle connection).
    fn fill(&mut self, got_any: bool) -> Result<(), Fail> {
        set_timeouts(self.conn, self.deadline)?;
        match self.conn.stream.read(self.scratch) {
            Ok(0) => Err(if got_any {
                Fail::Io(io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    "connection closed before the response was complete",
                ))
            } else {
                Fail::Closed(io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    "connection closed",
                ))
            }),
            Ok(n) => {
                self.buf.extend_from_slice(&self.scratch[..n]);
                Ok(())
            }
            Err(e) => Err(io_fail(e, !got_any)),
        }
    }

    fn response(&mut self) -> Result<Parsed, Fail> {
        loop {
            let head_len = loop {
                if let Some(n) = find_head_end(self.buf) {
                    break n;
                }
                if self.buf.len() > MAX_HEAD {
                    return Err(Fail::Malformed("response head too large"));
                }
                let got_any = !self.buf.is_empty();
                self.fill(got_any)?;
            };
            let head = parse_head(&self.buf[..head_len])?;
            self.buf.drain(..head_len);
            if (100..200).contains(&head.status) && head.status != 101 {
                continue; // 100 Continue, 103 Early Hints: the real answer follows.
            }
            let mut body = Vec::new();
            let mut keep_alive = head.keep_alive;
            let no_body = matches!(head.status, 101 | 204 | 304);
            if no_body {
                // Nothing follows the head.
            } else if head.chunked {
                self.chunked(&mut body)?;
            } else if let Some(len) = head.content_length {
                self.exact(len, &mut body)?;
            } else {
                // Delimited by the end of the connection.
                keep_alive = false;
                loop {
                    take_body(&mut body, self.buf);
                    self.buf.clear();
                    match self.fill(true) {
                        Ok(()) => {}
                        Err(Fail::Io(e)) if e.kind() == io::ErrorKind::UnexpectedEof => break,
                        Err(e) => return Err(e),
                    }
                }
            }
            if !self.buf.is_empty() {
                keep_alive = false;
            }
            let location = head
                .headers
                .iter()
                .find(|(n, _)| n.eq_ignore_ascii_case("location"))
                .map(|(_, v)| v.clone());
            return Ok(Parsed {
                response: Response {
                    status: head.status,
                    location,
                    headers: head.headers,
                    body,
                    latency: Duration::ZERO,
                },
                keep_alive,
            });
        }
    }

    /// `len` body bytes, keeping at most [`MAX_RESPONSE_BODY`].
    fn exact(&mut self, len: usize, body: &mut Vec<u8>) -> Result<(), Fail> {
        let mut left = len;
        loop {
            let n = left.min(self.buf.len());
            take_body(body, &self.buf[..n]);
            self.buf.drain(..n);
            left -= n;
            if left == 0 {
                return Ok(());
            }
            self.fill(true)?;
        }
    }

    /// A line ending in CRLF (without it).
    fn line(&mut self) -> Result<String, Fail> {
        loop {
            if let Some(i) = self.buf.windows(2).position(|w| w == b"\r\n") {
                let line = String::from_utf8_lossy(&self.buf[..i]).into_owned();
                self.buf.drain(..i + 2);
                return Ok(line);
            }
            if self.buf.len() > MAX_HEAD {
                return Err(Fail::Malformed("line too long in chunked body"));
            }
            self.fill(true)?;
        }
    }

    fn chunked(&mut self, body: &mut Vec<u8>) -> Result<(), Fail> {
        loop {
            let line = self.line()?;
            let size_hex = line.split(';').next().unwrap_or("").trim();
            let size = usize::from_str_radix(size_hex, 16)
                .map_err(|_| Fail::Malformed("bad chunk size"))?;
            if size == 0 {
                // Trailers, until an empty line.
                while !self.line()?.is_empty() {}
                return Ok(());
            }
            self.exact(size, body)?;
            if !self.line()?.is_empty() {
                return Err(Fail::Malformed("chunk not followed by CRLF"));
            }
        }
    }
}

/// Append `data` to `body`, keeping at most [`MAX_RESPONSE_BODY`] bytes.
fn take_body(body: &mut Vec<u8>, data: &[u8]) {
    let room = MAX_RESPONSE_BODY.saturating_sub(body.len());
    body.extend_from_slice(&data[..data.len().min(room)]);
}

fn find_head_end(buf: &[u8]) -> Option<usize> {
    buf.windows(4).position(|w| w == b"\r\n\r\n").map(|i| i + 4)
}

#[derive(Debug, PartialEq, Eq)]
struct Head {
    status: u16,
    headers: Vec<(String, String)>,
    content_length: Option<usize>,
    chunked: bool,
    keep_alive: bool,
}

fn parse_head(bytes: &[u8]) -> Result<Head, Fail> {
    let text =
        std::str::from_utf8(bytes).map_err(|_| Fail::Malformed("response head is not text"))?;
    let mut lines = text.split("\r\n");
    let status_line = lines.next().unwrap_or("");
    let mut parts = status_line.splitn(3, ' ');
    let version = parts.next().unwrap_or("");
    let http10 = match version {
        "HTTP/1.1" => false,
        "HTTP/1.0" => true,
        _ => return Err(Fail::Malformed("not an HTTP/1.x status line")),
    };
    let code = parts.next().unwrap_or("");
    let status: u16 = code
        .parse()
        .ok()
        .filter(|s| (100..1000).contains(s) && code.len() == 3)
        .ok_or(Fail::Malformed("bad status code"))?;
    let mut headers = Vec::new();
    let mut content_length = None;
    let mut chunked = false;
    let mut keep_alive = !http10;
    for line in lines.filter(|l| !l.is_empty()) {
        let Some((name, value)) = line.split_once(':') else {
            return Err(Fail::Malformed("header line without `:`"));
        };
        let value = value.trim();
        if name.eq_ignore_ascii_case("content-length") {
            let n = value
                .parse::<usize>()
                .map_err(|_| Fail::Malformed("bad Content-Length"))?;
            if content_length.is_some_and(|c| c != n) {
                return Err(Fail::Malformed("conflicting Content-Length headers"));
            }
            content_length = Some(n);
        } else if name.eq_ignore_ascii_case("transfer-encoding") {
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
        headers.push((name.to_string(), value.to_string()));
    }
    Ok(Head {
        status,
        headers,
        content_length,
        chunked,
        keep_alive,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_from_urls() {
        let t = Target::from_url(&reqwest::Url::parse("http://127.0.0.1:8080/a/b?x=1").unwrap())
            .unwrap();
        assert_eq!(t.path, "/a/b?x=1");
        assert_eq!(t.host_header, "127.0.0.1:8080");
        assert_eq!(t.ip, Some("127.0.0.1".parse().unwrap()));
        assert!(!t.https);
        let t = Target::from_url(&reqwest::Url::parse("https://[::1]/").unwrap()).unwrap();
        assert_eq!(
            (t.port, t.host_header.as_str(), t.host.as_str()),
            (443, "[::1]", "::1")
        );
        let t =
            Target::from_url(&reqwest::Url::parse("https://example.com:443/h").unwrap()).unwrap();
        assert_eq!(
            (t.port, t.host_header.as_str(), t.ip),
            (443, "example.com", None)
        );
        assert!(Target::from_url(&reqwest::Url::parse("ftp://x/").unwrap()).is_none());
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
        let h =
            parse_head(b"HTTP/1.1 302 Found\r\nLocation: https://x/\r\nContent-Length: 0\r\n\r\n")
                .unwrap();
        assert_eq!(h.status, 302);
        assert_eq!(h.content_length, Some(0));
        assert!(h.keep_alive && !h.chunked);
        assert_eq!(
            h.headers[0],
            ("Location".to_string(), "https://x/".to_string())
        );
        let h = parse_head(b"HTTP/1.0 200 OK\r\n\r\n").unwrap();
        assert!(!h.keep_alive);
        let h = parse_head(
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n",
        )
        .unwrap();
        assert!(h.chunked && !h.keep_alive);
        for bad in [
            &b"HTTP/2 200 OK\r\n\r\n"[..],
            b"HTTP/1.1 20 OK\r\n\r\n",
            b"HTTP/1.1 200 OK\r\nNoColon\r\n\r\n",
            b"HTTP/1.1 200 OK\r\nContent-Length: x\r\n\r\n",
            b"HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
        ] {
            assert!(parse_head(bad).is_err());
        }
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
        let target = Target::from_url(&reqwest::Url::parse(&url).unwrap()).unwrap();
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
        let target = Target::from_url(&reqwest::Url::parse(&url).unwrap()).unwrap();
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
            Target::from_url(&reqwest::Url::parse(&format!("http://{addr}/")).unwrap()).unwrap();
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
            Target::from_url(&reqwest::Url::parse("http://no-such-host.invalid/").unwrap())
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
