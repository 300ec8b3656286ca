//! One signed request out, the way a real webhook sender makes it: a timeout, no redirects,
//! TLS verified against the system store (plus an optional CA), proxies from the environment.
//!
//! Used by `send`, `lint` and `listen --forward-to`. Knows nothing of the CLI or printing.

use std::fmt;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use crate::error::{Error, Result};

pub const USER_AGENT: &str = concat!("cmzon-hook/", env!("CARGO_PKG_VERSION"));

/// Largest response body kept in memory (the rest is read and dropped).
pub const MAX_RESPONSE_BODY: usize = 64 * 1024;

#[derive(Debug, Clone)]
pub struct ClientOptions {
    pub timeout: Duration,
    pub ca_cert: Option<PathBuf>,
    pub insecure: bool,
}

impl Default for ClientOptions {
    fn default() -> Self {
        ClientOptions {
            timeout: Duration::from_secs(30),
            ca_cert: None,
            insecure: false,
        }
    }
}

/// Turn a `--timeout SECS` value into a Duration, rejecting nonsense.
pub fn timeout_from_secs(secs: f64) -> Result<Duration> {
    if !(secs.is_finite() && secs > 0.0 && secs <= 86_400.0) {
        return Err(Error::usage(format!(
            "--timeout must be between 0 and 86400 seconds, got {secs}"
        ))
        .with_hint("CMzon gives endpoints 30 seconds: --timeout 30"));
    }
    Ok(Duration::from_secs_f64(secs))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    Get,
    Post,
}

/// An outgoing request: exact body bytes and headers in the order given.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    pub method: Method,
    pub url: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
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

/// A blocking HTTP client configured like a webhook sender. Cheap to clone; share it across
/// threads so connections are pooled.
#[derive(Clone)]
pub struct Client {
    inner: reqwest::blocking::Client,
}

impl Client {
    pub fn new(opts: &ClientOptions) -> Result<Client> {
        let mut b = reqwest::blocking::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(opts.timeout)
            .connect_timeout(opts.timeout)
            .user_agent(USER_AGENT)
            .http1_title_case_headers()
            .pool_max_idle_per_host(256);
        if let Some(path) = &opts.ca_cert {
            let pem = std::fs::read(path).map_err(|e| {
                Error::file(path.display(), &e)
                    .with_hint("--ca-cert takes a PEM file with one or more CA certificates")
            })?;
            let certs = reqwest::Certificate::from_pem_bundle(&pem).map_err(|_| {
                Error::input(format!("{} is not a PEM certificate", path.display()))
                    .with_hint("--ca-cert takes a PEM file (-----BEGIN CERTIFICATE-----)")
            })?;
            if certs.is_empty() {
                return Err(
                    Error::input(format!("{} holds no PEM certificate", path.display()))
                        .with_hint("--ca-cert takes a PEM file (-----BEGIN CERTIFICATE-----)"),
                );
            }
            for c in certs {
                b = b.add_root_certificate(c);
            }
        }
        if opts.insecure {
            b = b.danger_accept_invalid_certs(true);
        }
        let inner = b
            .build()
            .map_err(|e| Error::usage(format!("cannot set up the HTTP client: {e}")))?;
        Ok(Client { inner })
    }

    /// Make one attempt. Never follows redirects; a 3xx comes back as a [`Response`].
    pub fn execute(&self, req: &Request) -> std::result::Result<Response, Failure> {
        let start = Instant::now();
        let mut rb = match req.method {
            Method::Get => self.inner.get(&req.url),
            Method::Post => self.inner.post(&req.url),
        };
        for (n, v) in &req.headers {
            rb = rb.header(n.as_str(), v.as_str());
        }
        if req.method == Method::Post {
            rb = rb.body(req.body.clone());
        }
        let mut resp = match rb.send() {
            Ok(r) => r,
            Err(e) => return Err(classify(&req.url, &e, start.elapsed())),
        };
        let status = resp.status().as_u16();
        let headers: Vec<(String, String)> = resp
            .headers()
            .iter()
            .map(|(n, v)| {
                (
                    n.as_str().to_string(),
                    String::from_utf8_lossy(v.as_bytes()).into_owned(),
                )
            })
            .collect();
        let location = resp
            .headers()
            .get(reqwest::header::LOCATION)
            .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned());
        let body = read_limited(&mut resp);
        Ok(Response {
            status,
            location,
            headers,
            body,
            latency: start.elapsed(),
        })
    }
}

fn read_limited(resp: &mut reqwest::blocking::Response) -> Vec<u8> {
    use std::io::Read;
    let mut body = Vec::new();
    let mut buf = [0u8; 8192];
    loop {
        match resp.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => {
                if body.len() < MAX_RESPONSE_BODY {
                    let take = n.min(MAX_RESPONSE_BODY - body.len());
                    body.extend_from_slice(&buf[..take]);
                }
            }
            // The status line already arrived; a body cut short does not change the verdict.
            Err(_) => break,
        }
    }
    body
}

/// Host (and port) of a URL for messages.
pub fn host_of(url: &str) -> String {
    reqwest::Url::parse(url)
        .ok()
        .and_then(|u| {
            u.host_str().map(|h| match u.port() {
                Some(p) => format!("{h}:{p}"),
                None => h.to_string(),
            })
        })
        .unwrap_or_else(|| url.to_string())
}

fn classify(url: &str, err: &reqwest::Error, latency: Duration) -> Failure {
    let chain = error_chain(err);
    let lower = chain.to_ascii_lowercase();
    let host = host_of(url);
    let (kind, message) = if err.is_timeout() || lower.contains("timed out") {
        (
            FailureKind::Timeout,
            format!("{host} did not answer within the timeout"),
        )
    } else if lower.contains("dns error")
        || lower.contains("failed to lookup")
        || lower.contains("name or service not known")
    {
        (FailureKind::Dns, format!("cannot resolve host {host}"))
    } else if lower.contains("certificate") || lower.contains("tls") || lower.contains("handshake")
    {
        (
            FailureKind::Tls,
            format!("TLS failed with {host}: {}", last_cause(&chain)),
        )
    } else if err.is_connect() || lower.contains("connection refused") {
        (
            FailureKind::Connect,
            format!("cannot connect to {host}: {}", last_cause(&chain)),
        )
    } else {
        (
            FailureKind::Other,
            format!("request to {host} failed: {}", last_cause(&chain)),
        )
    };
    Failure {
        kind,
        message,
        latency,
    }
}

fn error_chain(err: &dyn std::error::Error) -> String {
    let mut parts = vec![err.to_string()];
    let mut cur = err.source();
    while let Some(e) = cur {
        parts.push(e.to_string());
        cur = e.source();
    }
    parts.join(": ")
}

fn last_cause(chain: &str) -> String {
    chain.rsplit(": ").next().unwrap_or(chain).to_string()
}

/// True for hosts on this machine (127.0.0.0/8, ::1, localhost).
pub fn is_loopback_host(host: &str) -> bool {
    let h = host.trim_start_matches('[').trim_end_matches(']');
    if h.eq_ignore_ascii_case("localhost") || h.to_ascii_lowercase().ends_with(".localhost") {
        return true;
    }
    h.parse::<std::net::IpAddr>()
        .map(|ip| ip.is_loopback())
        .unwrap_or(false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_hosts() {
        for h in [
            "localhost",
            "127.0.0.1",
            "127.1.2.3",
            "[::1]",
            "::1",
            "api.localhost",
        ] {
            assert!(is_loopback_host(h), "{h}");
        }
        for h in [
            "example.com",
            "10.0.0.1",
            "192.168.1.1",
            "localhost.example.com",
        ] {
            assert!(!is_loopback_host(h), "{h}");
        }
    }

    #[test]
    fn timeouts_validated() {
        assert!(timeout_from_secs(30.0).is_ok());
        assert!(timeout_from_secs(0.0).is_err());
        assert!(timeout_from_secs(f64::NAN).is_err());
    }

    #[test]
    fn host_of_urls() {
        assert_eq!(host_of("https://a.example:8443/x"), "a.example:8443");
        assert_eq!(host_of("http://127.0.0.1/x"), "127.0.0.1");
    }
}
