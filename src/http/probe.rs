//! Timed probes for `lint`, over the same connection layer as every other request
//! ([`connect`], [`wire`]): per-request connect, TLS handshake and time-to-first-byte, the
//! peer's certificate chain and the negotiated TLS version, and the verdict on a certificate
//! it does not trust (so it can say *why*). Every probe opens its own connection
//! (`Connection: close`), like a sender's first delivery, and has one deadline.
//!
//! Certificates are always inspected; `ProbeConfig::require_trusted` decides whether an
//! untrusted peer aborts the handshake (what a real sender does) or is only reported. The
//! roots come from the run's one [`TrustStore`].

use std::io::{self, Write};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::client::{verify_server_cert_signed_by_trust_anchor, verify_server_name};
use rustls::crypto::{verify_tls12_signature, verify_tls13_signature, WebPkiSupportedAlgorithms};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::server::ParsedCertificate;
use rustls::{
    CertificateError, ClientConnection, DigitallySignedStruct, RootCertStore, SignatureScheme,
};

use crate::http::connect::{self, is_timeout, DialFailure, Link, Stream};
use crate::http::message::{header, FailureKind, Method, USER_AGENT};
use crate::http::tls;
pub use crate::http::tls::TrustStore;
use crate::http::wire::{self, ReadFailure, ResponseHead};

pub use crate::http::connect::Endpoint;

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
                other => CertProblem::Other(tls::explain_certificate(other)),
            },
            other => CertProblem::Other(tls::explain(other)),
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

    /// A few words, for places that point to the full explanation ([`CertProblem::as_str`]).
    pub fn short(&self) -> &str {
        match self {
            CertProblem::Other(s) if s == tls::SELF_SIGNED_CA => "self-signed, used as its own CA",
            other => other.as_str(),
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
    /// Up to [`MAX_RESPONSE_BODY`](crate::http::message::MAX_RESPONSE_BODY) bytes of the decoded body.
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
pub struct Preflight {
    pub timings: Timings,
    pub tls: Option<TlsReport>,
}

struct ProbeError {
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
    target: &Endpoint,
    addrs: &[SocketAddr],
    cfg: &ProbeConfig,
) -> std::result::Result<Preflight, ProbeFailure> {
    let start = Instant::now();
    let deadline = start + cfg.timeout;
    let mut timings = Timings::default();
    let mut tls = None;
    let r = connect(target, addrs, cfg, start, deadline, &mut timings, &mut tls);
    timings.total = start.elapsed();
    match r {
        Ok(_) => Ok(Preflight { timings, tls }),
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
    target: &Endpoint,
    addrs: &[SocketAddr],
    cfg: &ProbeConfig,
    req: &HttpRequest,
) -> std::result::Result<ProbeResponse, ProbeFailure> {
    let start = Instant::now();
    let deadline = start + cfg.timeout;
    let mut timings = Timings::default();
    let mut tls = None;
    let result = connect(target, addrs, cfg, start, deadline, &mut timings, &mut tls)
        .and_then(|conn| exchange(conn, target, req, deadline, &mut timings));
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
    target: &Endpoint,
    addrs: &[SocketAddr],
    cfg: &ProbeConfig,
    start: Instant,
    deadline: Instant,
    timings: &mut Timings,
    tls_out: &mut Option<TlsReport>,
) -> std::result::Result<Stream, ProbeError> {
    let authority = target.authority();
    let dialled = connect::dial(addrs, deadline);
    timings.connect = start.elapsed();
    let tcp = match dialled {
        Ok(t) => t,
        Err(DialFailure::Refused(e)) => {
            return Err(ProbeError {
                kind: FailureKind::Connect,
                message: format!("cannot connect to {authority}: {e}"),
            })
        }
        Err(DialFailure::Timeout | DialFailure::NoAddress) => {
            return Err(ProbeError {
                kind: FailureKind::Timeout,
                message: format!("cannot connect to {authority} within the timeout"),
            })
        }
    };
    if !target.https {
        return Ok(Stream::Plain(tcp));
    }

    let seen = Arc::new(Mutex::new(Seen::default()));
    let verifier = Arc::new(InspectingVerifier {
        roots: cfg.trust.roots.clone(),
        algs: tls::provider().signature_verification_algorithms,
        strict: cfg.require_trusted,
        seen: seen.clone(),
    });
    let tls_fail = |message: String| ProbeError {
        kind: FailureKind::Tls,
        message,
    };
    let config = tls::with_verifier(verifier)
        .map_err(|e| tls_fail(format!("cannot set up TLS: {}", tls::explain(&e))))?;
    let name = target.server_name().map_err(tls_fail)?;
    let tls_start = Instant::now();
    let outcome = connect::handshake(tcp, Arc::new(config), name, deadline);
    timings.tls = Some(tls_start.elapsed());
    let mut report = report_from(&seen, outcome.as_ref().ok().map(|s| &s.conn));
    match outcome {
        Ok(stream) => {
            *tls_out = Some(report);
            Ok(Stream::Tls(stream))
        }
        Err(e) => {
            let fail = if is_timeout(&e) {
                ProbeError {
                    kind: FailureKind::Timeout,
                    message: format!("TLS handshake with {authority} did not finish in time"),
                }
            } else {
                let cause = connect::tls_cause(&e)
                    .map(tls::explain)
                    .unwrap_or_else(|| e.to_string());
                tls_fail(format!("TLS handshake with {authority} failed: {cause}"))
            };
            report.handshake_error = Some(fail.message.clone());
            *tls_out = Some(report);
            Err(fail)
        }
    }
}

/// Build the request bytes: request line, `Host`, `User-Agent`, `Accept`, `Connection:
/// close`, the request's headers, `Content-Length` for a POST, blank line, body.
pub fn request_bytes(target: &Endpoint, req: &HttpRequest) -> Vec<u8> {
    let path = if req.path.is_empty() {
        target.path.as_str()
    } else {
        req.path.as_str()
    };
    let mut headers = vec![
        ("Host".to_string(), target.host_header.clone()),
        ("User-Agent".to_string(), USER_AGENT.to_string()),
        ("Accept".to_string(), "*/*".to_string()),
        ("Connection".to_string(), "close".to_string()),
    ];
    headers.extend(req.headers.iter().cloned());
    let body: &[u8] = if req.method == Method::Post {
        &req.body
    } else {
        &[]
    };
    let mut out = Vec::with_capacity(256 + body.len());
    wire::write_request(
        &mut out,
        req.method,
        path,
        &target.host_header,
        &headers,
        body,
    );
    out
}

fn exchange(
    stream: Stream,
    target: &Endpoint,
    req: &HttpRequest,
    deadline: Instant,
    timings: &mut Timings,
) -> std::result::Result<(ResponseHead, Vec<u8>), ProbeError> {
    let authority = target.authority();
    let io_fail = |e: io::Error, doing: &str| {
        if is_timeout(&e) {
            ProbeError {
                kind: FailureKind::Timeout,
                message: format!("{authority} did not answer within the timeout"),
            }
        } else {
            ProbeError {
                kind: FailureKind::Other,
                message: format!("{doing} {authority} failed: {e}"),
            }
        }
    };
    let mut link = Link::new(stream);
    let bytes = request_bytes(target, req);
    link.arm(deadline)
        .and_then(|_| link.write_all(&bytes))
        .and_then(|_| link.flush())
        .map_err(|e| io_fail(e, "sending to"))?;
    let sent = Instant::now();
    let mut buf = Vec::new();
    let mut scratch = vec![0u8; 16 * 1024];
    let mut reader = wire::ResponseReader::new(&mut link, &mut buf, &mut scratch, deadline, true);
    let got = reader.response();
    if let Some(first) = reader.first_byte {
        timings.ttfb = Some(first.duration_since(sent));
    }
    let invalid = |m: String| ProbeError {
        kind: FailureKind::Other,
        message: format!("{authority} sent an invalid HTTP response: {m}"),
    };
    match got {
        Ok(r) => Ok((r.head, r.body)),
        Err(ReadFailure::Timeout) => Err(io_fail(
            io::Error::new(io::ErrorKind::TimedOut, "timed out"),
            "reading from",
        )),
        Err(ReadFailure::Closed(e)) if e.kind() != io::ErrorKind::UnexpectedEof => {
            Err(io_fail(e, "reading from"))
        }
        Err(ReadFailure::Closed(_) | ReadFailure::Truncated | ReadFailure::Io(_)) => {
            Err(ProbeError {
                kind: FailureKind::Other,
                message: format!("{authority} closed the connection without an HTTP response"),
            })
        }
        Err(ReadFailure::Malformed(m)) => Err(invalid(m)),
        Err(ReadFailure::HeadTooLarge) => Err(ProbeError {
            kind: FailureKind::Other,
            message: format!("{authority} sent response headers over 64 KiB"),
        }),
    }
}
#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_parse() {
        let t = Endpoint::parse("https://example.com/hook?a=1#frag").unwrap();
        assert!(t.https);
        assert_eq!(t.host, "example.com");
        assert_eq!(t.port, 443);
        assert_eq!(t.path, "/hook?a=1");
        assert_eq!(t.host_header, "example.com");
        assert_eq!(t.url, "https://example.com/hook?a=1");
        let t = Endpoint::parse("http://[::1]:8080").unwrap();
        assert_eq!(t.host, "::1");
        assert_eq!(t.path, "/");
        assert_eq!(t.host_header, "[::1]:8080");
        assert_eq!(t.authority(), "[::1]:8080");
        for bad in ["", "example.com/hook", "ftp://example.com/", "https://"] {
            let e = Endpoint::parse(bad).unwrap_err();
            assert_eq!(e.exit_code(), 2, "{bad}");
        }
    }

    #[test]
    fn request_bytes_are_exact() {
        let t = Endpoint::parse("http://127.0.0.1:9/w?x=1").unwrap();
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

    /// Serve `reply` to one connection on 127.0.0.1 and probe it.
    fn probe_with(reply: &'static [u8]) -> std::result::Result<ProbeResponse, ProbeFailure> {
        use std::io::Read;
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let target = Endpoint::parse(&format!("http://{}/h", l.local_addr().unwrap())).unwrap();
        let server = std::thread::spawn(move || {
            let (mut s, _) = l.accept().unwrap();
            let mut buf = [0u8; 4096];
            let _ = s.read(&mut buf);
            let _ = s.write_all(reply);
        });
        let cfg = ProbeConfig {
            timeout: Duration::from_secs(5),
            trust: Arc::new(TrustStore::empty()),
            require_trusted: true,
        };
        let req = HttpRequest {
            method: Method::Post,
            path: String::new(),
            headers: vec![],
            body: b"{}".to_vec(),
        };
        let r = request(&target, &target.resolve().unwrap(), &cfg, &req);
        server.join().unwrap();
        r
    }

    #[test]
    fn probes_read_responses_like_the_sender_but_keep_a_cut_body() {
        let r = probe_with(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nshort").unwrap();
        assert_eq!((r.status, r.body.as_slice()), (200, &b"short"[..]));
        assert!(r.timings.ttfb.is_some());
        // One chunked rule: `chunked` not last means the body runs to the close.
        let r = probe_with(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, gzip\r\n\r\n3\r\nabc")
            .unwrap();
        assert_eq!(r.body, b"3\r\nabc");
        let e = probe_with(b"").unwrap_err();
        assert!(e
            .message
            .ends_with("closed the connection without an HTTP response"));
        let e = probe_with(b"SSH-2.0-OpenSSH\r\n\r\n").unwrap_err();
        assert!(
            e.message.contains("sent an invalid HTTP response"),
            "{}",
            e.message
        );
    }
}
