//! A small, timed HTTP/1.1 client over `std::net::TcpStream` (+ rustls), for `lint`.
//!
//! `delivery` sends webhooks the way a sender does and hides the connection; `lint` also needs
//! what `delivery` cannot show: per-request connect, TLS handshake and time-to-first-byte, the
//! peer's certificate chain and the negotiated TLS version, and the verdict on a certificate
//! it does not trust (so it can say *why*). Every probe opens its own connection
//! (`Connection: close`), like a sender's first delivery, and has one deadline.
//!
//! Certificates are always inspected; `ProbeConfig::require_trusted` decides whether an
//! untrusted peer aborts the handshake (what a real sender does) or is only reported.

use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpStream, ToSocketAddrs};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::client::{verify_server_cert_signed_by_trust_anchor, verify_server_name};
use rustls::crypto::{verify_tls12_signature, verify_tls13_signature, WebPkiSupportedAlgorithms};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::server::ParsedCertificate;
use rustls::{
    CertificateError, ClientConfig, ClientConnection, DigitallySignedStruct, RootCertStore,
    SignatureScheme,
};

use crate::error::{Error, Result};
use crate::http::delivery::{FailureKind, Method, MAX_RESPONSE_BODY, USER_AGENT};
use crate::http::tls::Stream;
pub use crate::http::tls::TrustStore;

/// Largest response head (status line + headers) accepted.
const MAX_HEAD: usize = 64 * 1024;
/// Largest raw response read (framing included); the rest is not waited for.
const MAX_RAW: usize = 4 * 1024 * 1024;

/// Where an endpoint URL points: what a probe needs to connect and address it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    pub url: String,
    pub https: bool,
    /// Host without IPv6 brackets.
    pub host: String,
    pub port: u16,
    /// Path and query, as sent in the request line.
    pub path: String,
    /// Value of the `Host` header (brackets for IPv6, port when not the default).
    pub host_header: String,
}

impl Target {
    /// Parse an endpoint URL. Anything but an absolute http(s) URL with a host is a usage error.
    pub fn parse(url: &str) -> Result<Target> {
        let hint = "give the full endpoint URL, e.g. https://example.com/webhook";
        let u = reqwest::Url::parse(url.trim())
            .map_err(|e| Error::usage(format!("not a valid URL `{url}`: {e}")).with_hint(hint))?;
        let https = match u.scheme() {
            "https" => true,
            "http" => false,
            other => {
                return Err(
                    Error::usage(format!("unsupported URL scheme `{other}:` in `{url}`"))
                        .with_hint(hint),
                )
            }
        };
        let host = match u.host_str() {
            Some(h) if !h.is_empty() => h.trim_start_matches('[').trim_end_matches(']').to_string(),
            _ => {
                return Err(Error::usage(format!("URL `{url}` has no host")).with_hint(hint));
            }
        };
        let port = u
            .port_or_known_default()
            .unwrap_or(if https { 443 } else { 80 });
        let bracketed = if host.contains(':') {
            format!("[{host}]")
        } else {
            host.clone()
        };
        let host_header = match u.port() {
            Some(p) => format!("{bracketed}:{p}"),
            None => bracketed,
        };
        let mut path = u.path().to_string();
        if let Some(q) = u.query() {
            path.push('?');
            path.push_str(q);
        }
        let mut clean = u.clone();
        clean.set_fragment(None);
        Ok(Target {
            url: clean.to_string(),
            https,
            host,
            port,
            path,
            host_header,
        })
    }

    /// `host:port` for messages.
    pub fn authority(&self) -> String {
        if self.host.contains(':') {
            format!("[{}]:{}", self.host, self.port)
        } else {
            format!("{}:{}", self.host, self.port)
        }
    }

    /// Resolve the host. A host that does not resolve is a usage error (exit 2): the URL is
    /// wrong, not the endpoint.
    pub fn resolve(&self) -> Result<Vec<SocketAddr>> {
        let hint = "check the host name in the URL (and this machine's DNS)";
        let addrs: Vec<SocketAddr> = (self.host.as_str(), self.port)
            .to_socket_addrs()
            .map_err(|e| {
                Error::usage(format!("cannot resolve host {}: {e}", self.host)).with_hint(hint)
            })?
            .collect();
        if addrs.is_empty() {
            return Err(
                Error::usage(format!("host {} has no addresses", self.host)).with_hint(hint)
            );
        }
        Ok(addrs)
    }
}

/// Why a certificate chain is not acceptable.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CertProblem {
    Expired,
    NotYetValid,
    UnknownIssuer,
    NotValidForName,
    BadSignature,
    Revoked,
    Other(String),
}

impl CertProblem {
    fn from_rustls(err: &rustls::Error) -> CertProblem {
        match err {
            rustls::Error::InvalidCertificate(c) => match c {
                CertificateError::Expired | CertificateError::ExpiredContext { .. } => {
                    CertProblem::Expired
                }
                CertificateError::NotValidYet | CertificateError::NotValidYetContext { .. } => {
                    CertProblem::NotYetValid
                }
                CertificateError::UnknownIssuer => CertProblem::UnknownIssuer,
                CertificateError::NotValidForName
                | CertificateError::NotValidForNameContext { .. } => CertProblem::NotValidForName,
                CertificateError::BadSignature => CertProblem::BadSignature,
                CertificateError::Revoked => CertProblem::Revoked,
                other => CertProblem::Other(format!("{other:?}")),
            },
            other => CertProblem::Other(other.to_string()),
        }
    }

    pub fn as_str(&self) -> &str {
        match self {
            CertProblem::Expired => "expired",
            CertProblem::NotYetValid => "not yet valid",
            CertProblem::UnknownIssuer => "unknown issuer",
            CertProblem::NotValidForName => "not valid for this host",
            CertProblem::BadSignature => "bad signature",
            CertProblem::Revoked => "revoked",
            CertProblem::Other(s) => s,
        }
    }
}

/// What one certificate says about itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertInfo {
    pub subject: String,
    pub issuer: String,
    /// Unix seconds.
    pub not_before: i64,
    /// Unix seconds.
    pub not_after: i64,
    /// Issuer and subject are the same name.
    pub self_signed: bool,
    pub is_ca: bool,
    /// subjectAltName DNS names and IP addresses.
    pub names: Vec<String>,
}

/// Parse a DER certificate for display. `None` when it does not parse.
pub fn parse_cert(der: &[u8]) -> Option<CertInfo> {
    let (_, cert) = x509_parser::parse_x509_certificate(der).ok()?;
    let mut names = Vec::new();
    if let Ok(Some(san)) = cert.subject_alternative_name() {
        for n in &san.value.general_names {
            match n {
                x509_parser::extensions::GeneralName::DNSName(d) => names.push(d.to_string()),
                x509_parser::extensions::GeneralName::IPAddress(b) => {
                    if let Ok(a) = <[u8; 4]>::try_from(*b) {
                        names.push(std::net::Ipv4Addr::from(a).to_string());
                    } else if let Ok(a) = <[u8; 16]>::try_from(*b) {
                        names.push(std::net::Ipv6Addr::from(a).to_string());
                    }
                }
                _ => {}
            }
        }
    }
    Some(CertInfo {
        subject: cert.subject().to_string(),
        issuer: cert.issuer().to_string(),
        not_before: cert.validity().not_before.timestamp(),
        not_after: cert.validity().not_after.timestamp(),
        self_signed: cert.subject().as_raw() == cert.issuer().as_raw(),
        is_ca: cert.is_ca(),
        names,
    })
}

/// What a TLS handshake showed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TlsReport {
    /// e.g. `TLSv1.3`; `None` when the handshake did not finish.
    pub protocol: Option<String>,
    pub cipher_suite: Option<String>,
    /// The peer's chain as sent, leaf first.
    pub chain: Vec<CertInfo>,
    /// Chain verification against the trust store (expiry included).
    pub chain_error: Option<CertProblem>,
    /// Leaf validity for the host name.
    pub name_error: Option<CertProblem>,
    /// The handshake itself failed (protocol, alert, I/O), after or before the certificate.
    pub handshake_error: Option<String>,
}

impl TlsReport {
    /// The chain is trusted, valid now and for the host, and the handshake finished.
    pub fn trusted(&self) -> bool {
        !self.chain.is_empty()
            && self.chain_error.is_none()
            && self.name_error.is_none()
            && self.handshake_error.is_none()
    }
}

#[derive(Debug, Default)]
struct Seen {
    chain: Vec<Vec<u8>>,
    chain_error: Option<rustls::Error>,
    name_error: Option<rustls::Error>,
}

/// Verifies like a sender would, remembers everything it saw, and only aborts the handshake
/// when `strict`.
#[derive(Debug)]
struct InspectingVerifier {
    roots: Arc<RootCertStore>,
    algs: WebPkiSupportedAlgorithms,
    strict: bool,
    seen: Arc<Mutex<Seen>>,
}

impl ServerCertVerifier for InspectingVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        now: UnixTime,
    ) -> std::result::Result<ServerCertVerified, rustls::Error> {
        let (chain_error, name_error) = match ParsedCertificate::try_from(end_entity) {
            Ok(parsed) => (
                verify_server_cert_signed_by_trust_anchor(
                    &parsed,
                    &self.roots,
                    intermediates,
                    now,
                    self.algs.all,
                )
                .err(),
                verify_server_name(&parsed, server_name).err(),
            ),
            Err(e) => (Some(e), None),
        };
        let first = chain_error.clone().or_else(|| name_error.clone());
        {
            let mut seen = self.seen.lock().unwrap_or_else(|p| p.into_inner());
            seen.chain = std::iter::once(end_entity)
                .chain(intermediates)
                .map(|c| c.as_ref().to_vec())
                .collect();
            seen.chain_error = chain_error;
            seen.name_error = name_error;
        }
        match first {
            Some(e) if self.strict => Err(e),
            _ => Ok(ServerCertVerified::assertion()),
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> std::result::Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls12_signature(message, cert, dss, &self.algs)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> std::result::Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls13_signature(message, cert, dss, &self.algs)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.algs.supported_schemes()
    }
}

/// How probes connect.
#[derive(Debug, Clone)]
pub struct ProbeConfig {
    /// The whole probe (connect, handshake, request, response) must fit in this.
    pub timeout: Duration,
    pub trust: Arc<TrustStore>,
    /// Abort the handshake on an untrusted certificate, as a sender does. When false the
    /// problem is only reported in the [`TlsReport`].
    pub require_trusted: bool,
}

/// Per-probe timings.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Timings {
    /// TCP connect (all addresses tried).
    pub connect: Duration,
    /// TLS handshake; `None` for plain HTTP.
    pub tls: Option<Duration>,
    /// From the request fully written to the first response byte.
    pub ttfb: Option<Duration>,
    /// From the start of the connect to the end of the response.
    pub total: Duration,
}

/// A request to send on a fresh connection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpRequest {
    pub method: Method,
    /// Path and query; empty means the target's.
    pub path: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProbeResponse {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub location: Option<String>,
    /// Up to [`MAX_RESPONSE_BODY`] bytes of the decoded body.
    pub body: Vec<u8>,
    pub timings: Timings,
    pub tls: Option<TlsReport>,
}

/// A probe that got no HTTP response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProbeFailure {
    pub kind: FailureKind,
    /// One line naming the host and the cause.
    pub message: String,
    /// What was measured before the failure; `total` is the time spent.
    pub timings: Timings,
    /// What the handshake showed, when it got that far (boxed: failures stay small).
    pub tls: Option<Box<TlsReport>>,
}

/// A connection that was opened (and, for HTTPS, handshaken) without sending anything.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Opened {
    pub timings: Timings,
    pub tls: Option<TlsReport>,
}

/// Socket timeouts so that the next blocking call ends by `deadline`.
fn arm(tcp: &TcpStream, deadline: Instant) -> io::Result<()> {
    let left = deadline.saturating_duration_since(Instant::now());
    if left.is_zero() {
        return Err(io::Error::new(io::ErrorKind::TimedOut, "deadline passed"));
    }
    tcp.set_read_timeout(Some(left))?;
    tcp.set_write_timeout(Some(left))
}

fn is_timeout(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::TimedOut | io::ErrorKind::WouldBlock
    )
}

struct Fail {
    kind: FailureKind,
    message: String,
}

fn protocol_name(v: rustls::ProtocolVersion) -> String {
    match v {
        rustls::ProtocolVersion::TLSv1_3 => "TLSv1.3".into(),
        rustls::ProtocolVersion::TLSv1_2 => "TLSv1.2".into(),
        other => format!("{other:?}"),
    }
}

fn report_from(seen: &Mutex<Seen>, conn: Option<&ClientConnection>) -> TlsReport {
    let seen = seen.lock().unwrap_or_else(|p| p.into_inner());
    TlsReport {
        protocol: conn.and_then(|c| c.protocol_version()).map(protocol_name),
        cipher_suite: conn
            .and_then(|c| c.negotiated_cipher_suite())
            .map(|s| format!("{:?}", s.suite())),
        chain: seen.chain.iter().filter_map(|d| parse_cert(d)).collect(),
        chain_error: seen.chain_error.as_ref().map(CertProblem::from_rustls),
        name_error: seen.name_error.as_ref().map(CertProblem::from_rustls),
        handshake_error: None,
    }
}

/// Connect (and handshake) without sending a request: what the `tls` check and the
/// reachability pre-flight need.
pub fn open(
    target: &Target,
    addrs: &[SocketAddr],
    cfg: &ProbeConfig,
) -> std::result::Result<Opened, ProbeFailure> {
    let start = Instant::now();
    let deadline = start + cfg.timeout;
    let mut timings = Timings::default();
    let mut tls = None;
    let r = connect(target, addrs, cfg, start, deadline, &mut timings, &mut tls);
    timings.total = start.elapsed();
    match r {
        Ok(_) => Ok(Opened { timings, tls }),
        Err(f) => Err(ProbeFailure {
            kind: f.kind,
            message: f.message,
            timings,
            tls: tls.map(Box::new),
        }),
    }
}

/// Send one request on a fresh connection and read the whole answer, timed.
pub fn request(
    target: &Target,
    addrs: &[SocketAddr],
    cfg: &ProbeConfig,
    req: &HttpRequest,
) -> std::result::Result<ProbeResponse, ProbeFailure> {
    let start = Instant::now();
    let deadline = start + cfg.timeout;
    let mut timings = Timings::default();
    let mut tls = None;
    let result = connect(target, addrs, cfg, start, deadline, &mut timings, &mut tls)
        .and_then(|mut conn| exchange(&mut conn, target, req, deadline, &mut timings));
    timings.total = start.elapsed();
    match result {
        Ok(head_body) => {
            let (head, body) = head_body;
            let location = header(&head.headers, "location").map(str::to_string);
            Ok(ProbeResponse {
                status: head.status,
                headers: head.headers,
                location,
                body,
                timings,
                tls,
            })
        }
        Err(f) => Err(ProbeFailure {
            kind: f.kind,
            message: f.message,
            timings,
            tls: tls.map(Box::new),
        }),
    }
}

fn connect(
    target: &Target,
    addrs: &[SocketAddr],
    cfg: &ProbeConfig,
    start: Instant,
    deadline: Instant,
    timings: &mut Timings,
    tls_out: &mut Option<TlsReport>,
) -> std::result::Result<Stream, Fail> {
    let authority = target.authority();
    let mut last: Option<io::Error> = None;
    let mut tcp = None;
    for addr in addrs {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            break;
        }
        match TcpStream::connect_timeout(addr, left) {
            Ok(s) => {
                tcp = Some(s);
                break;
            }
            Err(e) => last = Some(e),
        }
    }
    timings.connect = start.elapsed();
    let tcp = match tcp {
        Some(t) => t,
        None => {
            return Err(match last {
                Some(e) if !is_timeout(&e) => Fail {
                    kind: FailureKind::Connect,
                    message: format!("cannot connect to {authority}: {e}"),
                },
                _ => Fail {
                    kind: FailureKind::Timeout,
                    message: format!("cannot connect to {authority} within the timeout"),
                },
            })
        }
    };
    let _ = tcp.set_nodelay(true);
    if !target.https {
        return Ok(Stream::Plain(tcp));
    }

    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let seen = Arc::new(Mutex::new(Seen::default()));
    let verifier = Arc::new(InspectingVerifier {
        roots: cfg.trust.roots.clone(),
        algs: provider.signature_verification_algorithms,
        strict: cfg.require_trusted,
        seen: seen.clone(),
    });
    let tls_fail = |message: String| Fail {
        kind: FailureKind::Tls,
        message,
    };
    let config = ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| tls_fail(format!("cannot set up TLS: {e}")))?
        .dangerous()
        .with_custom_certificate_verifier(verifier)
        .with_no_client_auth();
    let name = ServerName::try_from(target.host.clone())
        .map_err(|_| tls_fail(format!("`{}` is not a valid TLS server name", target.host)))?;
    let conn = ClientConnection::new(Arc::new(config), name)
        .map_err(|e| tls_fail(format!("cannot start TLS with {authority}: {e}")))?;
    let tls_start = Instant::now();
    let mut stream = rustls::StreamOwned::new(conn, tcp);
    let mut outcome = Ok(());
    while stream.conn.is_handshaking() {
        if let Err(e) = arm(&stream.sock, deadline) {
            outcome = Err(e);
            break;
        }
        if let Err(e) = stream.conn.complete_io(&mut stream.sock) {
            outcome = Err(e);
            break;
        }
    }
    timings.tls = Some(tls_start.elapsed());
    let mut report = report_from(&seen, outcome.is_ok().then_some(&stream.conn));
    match outcome {
        Ok(()) => {
            *tls_out = Some(report);
            Ok(Stream::Tls(Box::new(stream)))
        }
        Err(e) => {
            let fail = if is_timeout(&e) {
                Fail {
                    kind: FailureKind::Timeout,
                    message: format!("TLS handshake with {authority} did not finish in time"),
                }
            } else {
                let cause = e
                    .get_ref()
                    .and_then(|i| i.downcast_ref::<rustls::Error>())
                    .map(|t| t.to_string())
                    .unwrap_or_else(|| e.to_string());
                tls_fail(format!("TLS handshake with {authority} failed: {cause}"))
            };
            report.handshake_error = Some(fail.message.clone());
            *tls_out = Some(report);
            Err(fail)
        }
    }
}

/// Build the request bytes: request line, headers, blank line, body.
pub fn request_bytes(target: &Target, req: &HttpRequest) -> Vec<u8> {
    let method = match req.method {
        Method::Get => "GET",
        Method::Post => "POST",
    };
    let path = if req.path.is_empty() {
        target.path.as_str()
    } else {
        req.path.as_str()
    };
    let mut head = format!(
        "{method} {path} HTTP/1.1\r\nHost: {}\r\nUser-Agent: {USER_AGENT}\r\nAccept: */*\r\nConnection: close\r\n",
        target.host_header
    );
    for (n, v) in &req.headers {
        head.push_str(n);
        head.push_str(": ");
        head.push_str(v);
        head.push_str("\r\n");
    }
    if req.method == Method::Post {
        head.push_str(&format!("Content-Length: {}\r\n", req.body.len()));
    }
    head.push_str("\r\n");
    let mut out = head.into_bytes();
    if req.method == Method::Post {
        out.extend_from_slice(&req.body);
    }
    out
}

fn exchange(
    conn: &mut Stream,
    target: &Target,
    req: &HttpRequest,
    deadline: Instant,
    timings: &mut Timings,
) -> std::result::Result<(Head, Vec<u8>), Fail> {
    let authority = target.authority();
    let io_fail = |e: io::Error, doing: &str| {
        if is_timeout(&e) {
            Fail {
                kind: FailureKind::Timeout,
                message: format!("{authority} did not answer within the timeout"),
            }
        } else {
            Fail {
                kind: FailureKind::Other,
                message: format!("{doing} {authority} failed: {e}"),
            }
        }
    };
    let bytes = request_bytes(target, req);
    arm(conn.tcp(), deadline).map_err(|e| io_fail(e, "sending to"))?;
    conn.write_all(&bytes)
        .and_then(|_| conn.flush())
        .map_err(|e| io_fail(e, "sending to"))?;
    let sent = Instant::now();

    let mut raw: Vec<u8> = Vec::new();
    let mut buf = [0u8; 16 * 1024];
    let mut head: Option<(Head, usize)> = None;
    loop {
        arm(conn.tcp(), deadline).map_err(|e| io_fail(e, "reading from"))?;
        let n = match conn.read(&mut buf) {
            Ok(n) => n,
            // A TLS peer that closes without close_notify: treat as the end of the stream.
            Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => 0,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) if !raw.is_empty() && !is_timeout(&e) => 0,
            Err(e) => return Err(io_fail(e, "reading from")),
        };
        if n > 0 && timings.ttfb.is_none() {
            timings.ttfb = Some(sent.elapsed());
        }
        raw.extend_from_slice(&buf[..n]);
        if head.is_none() {
            match parse_head(&raw) {
                Ok(Some(h)) => {
                    if (100..200).contains(&h.0.status) && h.0.status != 101 {
                        // Interim response (100 Continue): drop it and read on.
                        raw.drain(..h.1);
                        continue;
                    }
                    head = Some(h)
                }
                Ok(None) if raw.len() > MAX_HEAD => {
                    return Err(Fail {
                        kind: FailureKind::Other,
                        message: format!("{authority} sent response headers over 64 KiB"),
                    })
                }
                Ok(None) => {}
                Err(m) => {
                    return Err(Fail {
                        kind: FailureKind::Other,
                        message: format!("{authority} sent an invalid HTTP response: {m}"),
                    })
                }
            }
        }
        if let Some((h, at)) = &head {
            let eof = n == 0;
            match body_state(h, &raw[*at..], eof) {
                BodyState::Complete(mut body) => {
                    body.truncate(MAX_RESPONSE_BODY);
                    let (h, _) = head.take().unwrap_or_else(|| unreachable!());
                    return Ok((h, body));
                }
                BodyState::Incomplete if eof || raw.len() > MAX_RAW => {
                    // The status already arrived; a body cut short does not change a verdict.
                    let mut body = raw[*at..].to_vec();
                    body.truncate(MAX_RESPONSE_BODY);
                    let (h, _) = head.take().unwrap_or_else(|| unreachable!());
                    return Ok((h, body));
                }
                BodyState::Incomplete => {}
            }
        } else if n == 0 {
            return Err(Fail {
                kind: FailureKind::Other,
                message: format!("{authority} closed the connection without an HTTP response"),
            });
        }
    }
}

/// Status line and headers of a response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Head {
    pub status: u16,
    pub headers: Vec<(String, String)>,
}

/// Parse a response head from the start of `raw`. `Ok(None)` until the blank line arrives;
/// on success also returns where the body starts.
pub fn parse_head(raw: &[u8]) -> std::result::Result<Option<(Head, usize)>, String> {
    let Some(end) = find(raw, b"\r\n\r\n") else {
        return Ok(None);
    };
    let text = String::from_utf8_lossy(&raw[..end]);
    let mut lines = text.split("\r\n");
    let status_line = lines.next().unwrap_or_default();
    let mut parts = status_line.splitn(3, ' ');
    let version = parts.next().unwrap_or_default();
    if !version.starts_with("HTTP/1.") {
        return Err(format!("bad status line `{}`", truncate(status_line, 60)));
    }
    let status = parts
        .next()
        .and_then(|s| s.parse::<u16>().ok())
        .filter(|s| (100..=999).contains(s))
        .ok_or_else(|| format!("bad status line `{}`", truncate(status_line, 60)))?;
    let mut headers = Vec::new();
    for line in lines {
        let Some((n, v)) = line.split_once(':') else {
            return Err(format!("bad header line `{}`", truncate(line, 60)));
        };
        headers.push((n.trim().to_string(), v.trim().to_string()));
    }
    Ok(Some((Head { status, headers }, end + 4)))
}

fn truncate(s: &str, n: usize) -> String {
    s.chars().take(n).collect()
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// First value of a header, case-insensitive.
pub fn header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

#[derive(Debug, PartialEq, Eq)]
enum BodyState {
    Complete(Vec<u8>),
    Incomplete,
}

/// Is the body in `rest` complete under the response's framing?
fn body_state(head: &Head, rest: &[u8], eof: bool) -> BodyState {
    let s = head.status;
    if (100..200).contains(&s) || s == 204 || s == 304 {
        return BodyState::Complete(Vec::new());
    }
    let chunked = header(&head.headers, "transfer-encoding")
        .map(|v| v.to_ascii_lowercase().contains("chunked"))
        .unwrap_or(false);
    if chunked {
        return match decode_chunked(rest) {
            Some(body) => BodyState::Complete(body),
            None => BodyState::Incomplete,
        };
    }
    if let Some(len) = header(&head.headers, "content-length").and_then(|v| v.parse::<usize>().ok())
    {
        return if rest.len() >= len {
            BodyState::Complete(rest[..len].to_vec())
        } else {
            BodyState::Incomplete
        };
    }
    if eof {
        BodyState::Complete(rest.to_vec())
    } else {
        BodyState::Incomplete
    }
}

/// Decode a complete chunked body; `None` while incomplete or invalid.
pub fn decode_chunked(mut rest: &[u8]) -> Option<Vec<u8>> {
    let mut body = Vec::new();
    loop {
        let line_end = find(rest, b"\r\n")?;
        let line = std::str::from_utf8(&rest[..line_end]).ok()?;
        let size_hex = line.split(';').next()?.trim();
        let size = usize::from_str_radix(size_hex, 16).ok()?;
        rest = &rest[line_end + 2..];
        if size == 0 {
            // Trailers (ignored) end with an empty line.
            let mut r = rest;
            loop {
                let e = find(r, b"\r\n")?;
                if e == 0 {
                    return Some(body);
                }
                r = &r[e + 2..];
            }
        }
        if rest.len() < size + 2 {
            return None;
        }
        body.extend_from_slice(&rest[..size]);
        rest = &rest[size + 2..];
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_parse() {
        let t = Target::parse("https://example.com/hook?a=1#frag").unwrap();
        assert!(t.https);
        assert_eq!(t.host, "example.com");
        assert_eq!(t.port, 443);
        assert_eq!(t.path, "/hook?a=1");
        assert_eq!(t.host_header, "example.com");
        assert_eq!(t.url, "https://example.com/hook?a=1");
        let t = Target::parse("http://[::1]:8080").unwrap();
        assert_eq!(t.host, "::1");
        assert_eq!(t.path, "/");
        assert_eq!(t.host_header, "[::1]:8080");
        assert_eq!(t.authority(), "[::1]:8080");
        for bad in ["", "example.com/hook", "ftp://example.com/", "https://"] {
            let e = Target::parse(bad).unwrap_err();
            assert_eq!(e.exit_code(), 2, "{bad}");
        }
    }

    #[test]
    fn request_bytes_are_exact() {
        let t = Target::parse("http://127.0.0.1:9/w?x=1").unwrap();
        let req = HttpRequest {
            method: Method::Post,
            path: String::new(),
            headers: vec![("X-Hub-Signature-256".into(), "sha256=ab".into())],
            body: b"{}".to_vec(),
        };
        let s = String::from_utf8(request_bytes(&t, &req)).unwrap();
        assert!(
            s.starts_with("POST /w?x=1 HTTP/1.1\r\nHost: 127.0.0.1:9\r\n"),
            "{s}"
        );
        assert!(s.contains("\r\nX-Hub-Signature-256: sha256=ab\r\n"));
        assert!(s.ends_with("Content-Length: 2\r\n\r\n{}"));
        let get = HttpRequest {
            method: Method::Get,
            path: "/w?hub.mode=subscribe".into(),
            headers: vec![],
            body: vec![],
        };
        let s = String::from_utf8(request_bytes(&t, &get)).unwrap();
        assert!(s.starts_with("GET /w?hub.mode=subscribe HTTP/1.1\r\n"));
        assert!(!s.contains("Content-Length"));
    }

    #[test]
    fn heads_parse() {
        assert_eq!(parse_head(b"HTTP/1.1 200 OK\r\nA: b").unwrap(), None);
        let (h, at) = parse_head(b"HTTP/1.1 301 Moved\r\nLocation: /x\r\n\r\nbody")
            .unwrap()
            .unwrap();
        assert_eq!(h.status, 301);
        assert_eq!(header(&h.headers, "LOCATION"), Some("/x"));
        assert_eq!(at, 36);
        assert!(parse_head(b"SSH-2.0-OpenSSH\r\n\r\n").is_err());
        assert!(parse_head(b"HTTP/1.1 abc\r\n\r\n").is_err());
    }

    #[test]
    fn chunked_bodies_decode() {
        assert_eq!(
            decode_chunked(b"4\r\nWiki\r\n5;x=y\r\npedia\r\n0\r\n\r\n"),
            Some(b"Wikipedia".to_vec())
        );
        assert_eq!(decode_chunked(b"4\r\nWiki\r\n"), None);
        assert_eq!(decode_chunked(b"0\r\nT: 1\r\n\r\n"), Some(vec![]));
        assert_eq!(decode_chunked(b"zz\r\n"), None);
    }

    #[test]
    fn body_framing() {
        let h = |hs: &[(&str, &str)], status| Head {
            status,
            headers: hs
                .iter()
                .map(|(a, b)| (a.to_string(), b.to_string()))
                .collect(),
        };
        let cl = h(&[("Content-Length", "3")], 200);
        assert_eq!(body_state(&cl, b"ab", false), BodyState::Incomplete);
        assert_eq!(
            body_state(&cl, b"abcd", false),
            BodyState::Complete(b"abc".to_vec())
        );
        let close = h(&[], 200);
        assert_eq!(body_state(&close, b"ab", false), BodyState::Incomplete);
        assert_eq!(
            body_state(&close, b"ab", true),
            BodyState::Complete(b"ab".to_vec())
        );
        assert_eq!(
            body_state(&h(&[], 204), b"", false),
            BodyState::Complete(vec![])
        );
    }

    #[test]
    fn pem_trust_store() {
        assert!(TrustStore::from_pem(b"not pem").is_err());
        assert!(TrustStore::from_pem(b"").is_err());
    }

    #[test]
    fn cert_problems_classified() {
        let e = rustls::Error::InvalidCertificate(CertificateError::Expired);
        assert_eq!(CertProblem::from_rustls(&e), CertProblem::Expired);
        let e = rustls::Error::InvalidCertificate(CertificateError::UnknownIssuer);
        assert_eq!(CertProblem::from_rustls(&e), CertProblem::UnknownIssuer);
        let e = rustls::Error::InvalidCertificate(CertificateError::NotValidForName);
        assert_eq!(CertProblem::from_rustls(&e), CertProblem::NotValidForName);
    }
}
