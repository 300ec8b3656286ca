//! One signed request out, the way a real webhook sender makes it: a timeout, no redirects,
//! TLS verified against the system store (plus an optional CA), proxies from the environment.
//!
//! Used by `send`, `lint` and `listen --forward-to`. Knows nothing of the CLI or printing.

use std::fmt;
use std::path::PathBuf;
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::CertificateDer;

use crate::error::{Error, Result};
use crate::http::client;

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

impl Method {
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
        }
    }
}

impl Request {
    /// The request as it travels over HTTP/1.1: request line, `Host`, the headers in order,
    /// `Content-Length` for a POST, a blank line, then the exact body bytes. Used by
    /// `send --dry-run`; errors when the URL cannot be parsed.
    pub fn to_http1(&self) -> Result<Vec<u8>> {
        let url = parse_url(&self.url)?;
        let target = client::Target::from_url(&url).ok_or_else(|| {
            Error::usage(format!("cannot send to {}", self.url))
                .with_hint("use an http:// or https:// URL")
        })?;
        let mut out = Vec::with_capacity(256 + self.body.len());
        client::write_request(
            &mut out,
            self.method,
            &target.path,
            &target.host_header,
            &self.headers,
            &self.body,
        );
        Ok(out)
    }
}

/// Parse and check a webhook URL: `http` or `https` with a host. A usage error otherwise.
pub fn parse_url(url: &str) -> Result<reqwest::Url> {
    let hint =
        "give a full URL such as https://example.com/webhook or http://127.0.0.1:3000/webhook";
    let parsed = reqwest::Url::parse(url)
        .map_err(|e| Error::usage(format!("invalid URL {url:?}: {e}")).with_hint(hint))?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err(Error::usage(format!(
            "unsupported URL scheme {:?} in {url:?}: webhooks use https (or http for local tests)",
            parsed.scheme()
        ))
        .with_hint(hint));
    }
    if parsed.host_str().is_none_or(str::is_empty) {
        return Err(Error::usage(format!("URL {url:?} has no host")).with_hint(hint));
    }
    Ok(parsed)
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
///
/// [`Client::execute`] goes through reqwest (pooled, proxies honoured). For many requests from
/// worker threads, [`Client::session`] gives each worker its own lean keep-alive HTTP/1.1
/// connection ([`http1`]) and falls back to reqwest when a proxy is configured for the scheme.
#[derive(Clone)]
pub struct Client {
    inner: reqwest::blocking::Client,
    direct: Arc<Direct>,
}

/// Settings for direct (proxy-less) connections.
struct Direct {
    timeout: Duration,
    extra_roots: Vec<CertificateDer<'static>>,
    insecure: bool,
    /// Built on the first HTTPS connection (loading the system trust store takes a moment).
    tls: OnceLock<Arc<rustls::ClientConfig>>,
    proxy_http: bool,
    proxy_https: bool,
}

/// Whether the standard proxy variables configure a proxy for this scheme.
pub fn proxy_configured(https: bool, env: impl Fn(&str) -> Option<String>) -> bool {
    let names: [&str; 4] = if https {
        ["HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy"]
    } else {
        ["HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy"]
    };
    names
        .iter()
        .any(|n| env(n).is_some_and(|v| !v.trim().is_empty()))
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
        let mut extra_roots = Vec::new();
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
            extra_roots = CertificateDer::pem_slice_iter(&pem)
                .collect::<std::result::Result<Vec<_>, _>>()
                .map_err(|_| {
                    Error::input(format!("{} is not a PEM certificate", path.display()))
                        .with_hint("--ca-cert takes a PEM file (-----BEGIN CERTIFICATE-----)")
                })?;
        }
        if opts.insecure {
            b = b.danger_accept_invalid_certs(true);
        }
        let inner = b
            .build()
            .map_err(|e| Error::usage(format!("cannot set up the HTTP client: {e}")))?;
        let env = |k: &str| std::env::var(k).ok();
        Ok(Client {
            inner,
            direct: Arc::new(Direct {
                timeout: opts.timeout,
                extra_roots,
                insecure: opts.insecure,
                tls: OnceLock::new(),
                proxy_http: proxy_configured(false, env),
                proxy_https: proxy_configured(true, env),
            }),
        })
    }

    /// A per-thread session with its own keep-alive connection.
    pub fn session(&self) -> Session<'_> {
        Session {
            client: self,
            conn: client::Connection::new(),
            target: None,
        }
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

/// One worker's way to the endpoint: a direct keep-alive HTTP/1.1 connection, or the shared
/// reqwest client when a proxy is configured for the URL's scheme.
pub struct Session<'a> {
    client: &'a Client,
    conn: client::Connection,
    /// The last URL and its parsed target (`None`: not directly reachable, use reqwest).
    target: Option<(String, Option<client::Target>)>,
}

impl Session<'_> {
    /// Make one attempt. Never follows redirects; a 3xx comes back as a [`Response`].
    pub fn execute(&mut self, req: &Request) -> std::result::Result<Response, Failure> {
        if self.target.as_ref().is_none_or(|(u, _)| *u != req.url) {
            let parsed = reqwest::Url::parse(&req.url)
                .ok()
                .and_then(|u| client::Target::from_url(&u));
            self.target = Some((req.url.clone(), parsed));
        }
        let direct = &self.client.direct;
        let target = match self.target.as_ref().and_then(|(_, t)| t.as_ref()) {
            Some(t)
                if !(if t.https {
                    direct.proxy_https
                } else {
                    direct.proxy_http
                }) =>
            {
                t
            }
            _ => return self.client.execute(req),
        };
        let tls = target.https.then(|| {
            direct
                .tls
                .get_or_init(|| client::tls_config(&direct.extra_roots, direct.insecure))
        });
        self.conn.exchange(
            target,
            tls,
            req.method,
            &req.headers,
            &req.body,
            direct.timeout,
        )
    }

    /// Deliver `req` with retries, sleeping for real between attempts.
    pub fn deliver(
        &mut self,
        req: &Request,
        policy: &RetryPolicy,
        rng: &mut fastrand::Rng,
        stop: &dyn Fn() -> bool,
    ) -> Outcome {
        deliver_with(policy, rng, || self.execute(req), std::thread::sleep, stop)
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

/// How a failed attempt is retried: `retries` more attempts at most, waiting an exponentially
/// growing, jittered delay (`backoff`, 2×, 4×, ... capped at [`MAX_BACKOFF`]) before each.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    pub retries: u32,
    pub backoff: Duration,
}

/// Longest wait between two attempts, whatever the base and the attempt number.
pub const MAX_BACKOFF: Duration = Duration::from_secs(60);

impl RetryPolicy {
    /// No retries: one attempt per delivery.
    pub const NONE: RetryPolicy = RetryPolicy {
        retries: 0,
        backoff: Duration::ZERO,
    };

    /// The wait before retry number `retry` (1 for the first retry): `backoff · 2^(retry-1)`,
    /// capped, then scaled by a random factor in [0.5, 1.0] ("equal jitter") so that many
    /// senders retrying together spread out.
    pub fn delay(&self, retry: u32, rng: &mut fastrand::Rng) -> Duration {
        let exp = retry.saturating_sub(1).min(30);
        let full = self
            .backoff
            .saturating_mul(1u32 << exp)
            .min(MAX_BACKOFF.max(self.backoff));
        full.mul_f64(0.5 + 0.5 * rng.f64())
    }
}

/// Whether an attempt's result is worth retrying, as a webhook sender would: connection
/// errors, timeouts and 5xx answers. TLS failures (a certificate problem does not fix itself)
/// and every other status (2xx done, 3xx/4xx final) are not.
pub fn should_retry(result: &std::result::Result<Response, Failure>) -> bool {
    match result {
        Ok(r) => (500..600).contains(&r.status),
        Err(f) => f.kind != FailureKind::Tls,
    }
}

/// The end of one delivery: how many attempts it took and the last attempt's result.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    pub attempts: u32,
    pub result: std::result::Result<Response, Failure>,
}

impl Outcome {
    /// Latency of the last attempt (what the endpoint took to answer, or to fail).
    pub fn latency(&self) -> Duration {
        match &self.result {
            Ok(r) => r.latency,
            Err(f) => f.latency,
        }
    }
    pub fn status(&self) -> Option<u16> {
        self.result.as_ref().ok().map(|r| r.status)
    }
}

/// Deliver one request under a retry policy. Every attempt sends the very same `Request`
/// (byte-identical body and signature), as a real redelivery does. `attempt` makes one attempt
/// and `sleep` waits between attempts; both are injected so the loop is testable without a
/// network or a clock. `stop` is polled before each retry (Ctrl-C): when it says stop, the last
/// result is kept.
pub fn deliver_with<A, S>(
    policy: &RetryPolicy,
    rng: &mut fastrand::Rng,
    mut attempt: A,
    mut sleep: S,
    stop: &dyn Fn() -> bool,
) -> Outcome
where
    A: FnMut() -> std::result::Result<Response, Failure>,
    S: FnMut(Duration),
{
    let mut attempts = 1;
    let mut result = attempt();
    while attempts <= policy.retries && should_retry(&result) && !stop() {
        sleep(policy.delay(attempts, rng));
        if stop() {
            break;
        }
        attempts += 1;
        result = attempt();
    }
    Outcome { attempts, result }
}

impl Client {
    /// Deliver `req` with retries, sleeping for real between attempts.
    pub fn deliver(
        &self,
        req: &Request,
        policy: &RetryPolicy,
        rng: &mut fastrand::Rng,
        stop: &dyn Fn() -> bool,
    ) -> Outcome {
        deliver_with(policy, rng, || self.execute(req), std::thread::sleep, stop)
    }
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

    fn resp(status: u16) -> std::result::Result<Response, Failure> {
        Ok(Response {
            status,
            location: None,
            headers: vec![],
            body: vec![],
            latency: Duration::from_millis(1),
        })
    }

    fn fail(kind: FailureKind) -> std::result::Result<Response, Failure> {
        Err(Failure {
            kind,
            message: "x".into(),
            latency: Duration::from_millis(2),
        })
    }

    #[test]
    fn retry_decisions() {
        assert!(should_retry(&resp(500)));
        assert!(should_retry(&resp(503)));
        assert!(!should_retry(&resp(200)));
        assert!(!should_retry(&resp(302)));
        assert!(!should_retry(&resp(404)));
        assert!(should_retry(&fail(FailureKind::Connect)));
        assert!(should_retry(&fail(FailureKind::Timeout)));
        assert!(!should_retry(&fail(FailureKind::Tls)));
    }

    #[test]
    fn backoff_grows_exponentially_with_jitter() {
        let p = RetryPolicy {
            retries: 5,
            backoff: Duration::from_millis(100),
        };
        let mut rng = fastrand::Rng::with_seed(7);
        for retry in 1..=5u32 {
            let full = 100u64 << (retry - 1);
            for _ in 0..50 {
                let d = p.delay(retry, &mut rng).as_millis() as u64;
                assert!(d >= full / 2 && d <= full, "retry {retry}: {d} ms");
            }
        }
        let big = RetryPolicy {
            retries: 100,
            backoff: Duration::from_secs(1),
        };
        assert!(big.delay(60, &mut rng) <= MAX_BACKOFF);
        assert_eq!(RetryPolicy::NONE.delay(1, &mut rng), Duration::ZERO);
    }

    #[test]
    fn deliver_retries_exactly_as_configured() {
        let script = [resp(500), fail(FailureKind::Timeout), resp(200), resp(200)];
        let mut i = 0;
        let mut slept = Vec::new();
        let p = RetryPolicy {
            retries: 5,
            backoff: Duration::from_millis(10),
        };
        let mut rng = fastrand::Rng::with_seed(1);
        let out = deliver_with(
            &p,
            &mut rng,
            || {
                i += 1;
                script[i - 1].clone()
            },
            |d| slept.push(d),
            &|| false,
        );
        assert_eq!(out.attempts, 3);
        assert_eq!(out.status(), Some(200));
        assert_eq!(slept.len(), 2);
        assert!(slept[1] >= Duration::from_millis(10));

        // Retries exhausted: the last result stands.
        let mut n = 0;
        let p = RetryPolicy {
            retries: 2,
            backoff: Duration::ZERO,
        };
        let out = deliver_with(
            &p,
            &mut rng,
            || {
                n += 1;
                resp(502)
            },
            |_| {},
            &|| false,
        );
        assert_eq!((n, out.attempts, out.status()), (3, 3, Some(502)));

        // Non-retryable answers end at once; stop ends retries.
        let out = deliver_with(&p, &mut rng, || resp(404), |_| {}, &|| false);
        assert_eq!(out.attempts, 1);
        let out = deliver_with(&p, &mut rng, || resp(500), |_| {}, &|| true);
        assert_eq!(out.attempts, 1);
        assert_eq!(out.latency(), Duration::from_millis(1));
    }

    #[test]
    fn http1_rendering_is_exact() {
        let req = Request {
            method: Method::Post,
            url: "http://127.0.0.1:8080/hook?a=1".into(),
            headers: vec![("Content-Type".into(), "application/json".into())],
            body: b"{\"x\":1}".to_vec(),
        };
        assert_eq!(
            String::from_utf8(req.to_http1().unwrap()).unwrap(),
            "POST /hook?a=1 HTTP/1.1\r\nHost: 127.0.0.1:8080\r\nContent-Type: application/json\r\nContent-Length: 7\r\n\r\n{\"x\":1}"
        );
    }

    #[test]
    fn urls_checked() {
        assert!(parse_url("https://example.com/webhook").is_ok());
        assert!(parse_url("http://[::1]:3000/").is_ok());
        for bad in [
            "example.com/webhook",
            "ftp://example.com/",
            "http://",
            "not a url",
            "",
        ] {
            let e = parse_url(bad).unwrap_err();
            assert_eq!(e.exit_code(), 2, "{bad}");
        }
    }

    #[test]
    fn proxies_detected_per_scheme() {
        let env = |k: &str| (k == "https_proxy").then(|| "http://127.0.0.1:1".to_string());
        assert!(proxy_configured(true, env));
        assert!(!proxy_configured(false, env));
        let all = |k: &str| (k == "ALL_PROXY").then(|| "http://127.0.0.1:1".to_string());
        assert!(proxy_configured(false, all));
        let empty = |k: &str| (k == "HTTP_PROXY").then(String::new);
        assert!(!proxy_configured(false, empty));
    }

    #[test]
    fn host_of_urls() {
        assert_eq!(host_of("https://a.example:8443/x"), "a.example:8443");
        assert_eq!(host_of("http://127.0.0.1/x"), "127.0.0.1");
    }
}
