//! One signed request out, the way a real webhook sender makes it: a timeout, no redirects,
//! TLS verified against the system store (plus an optional CA), proxies from the environment,
//! retries with backoff. Used by `send`, `lint` and `listen --forward-to`; knows nothing of the
//! CLI or printing.
//!
//! Requests go over this crate's own connection layer (`client` on `connect` and `wire`).
//! reqwest is used only where it earns its place: when `HTTP(S)_PROXY`/`ALL_PROXY` configures a
//! proxy for the URL's scheme (reqwest honours those and `NO_PROXY`), with the same TLS settings.

use std::path::PathBuf;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use rustls::pki_types::CertificateDer;

use crate::error::{Error, Result};
use crate::http::client::Connection;
use crate::http::connect::Endpoint;
pub use crate::http::message::{
    Failure, FailureKind, Method, Response, MAX_RESPONSE_BODY, USER_AGENT,
};
use crate::http::tls::{self, TrustStore};
use crate::http::wire;

/// How requests are made: the timeout, and the trust settings.
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

/// An outgoing request: exact body bytes and headers in the order given.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    pub method: Method,
    pub url: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Request {
    /// The request as it travels over HTTP/1.1: request line, `Host`, the headers in order,
    /// `Content-Length` for a POST, a blank line, then the exact body bytes. Used by
    /// `send --dry-run`; errors when the URL cannot be parsed.
    pub fn to_http1(&self) -> Result<Vec<u8>> {
        let url = parse_url(&self.url)?;
        let target = Endpoint::from_url(&url).ok_or_else(|| {
            Error::usage(format!("cannot send to {}", self.url))
                .with_hint("use an http:// or https:// URL")
        })?;
        let mut out = Vec::with_capacity(256 + self.body.len());
        wire::write_request(
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

/// A blocking HTTP client configured like a webhook sender. Cheap to clone; share it across
/// threads so connections are reused.
///
/// [`Client::execute`] makes one request on a pooled keep-alive connection; for many requests
/// from worker threads, [`Client::session`] gives each worker its own. Either goes through
/// reqwest instead when a proxy is configured for the URL's scheme.
#[derive(Clone)]
pub struct Client {
    settings: Arc<ClientSettings>,
}

/// What every connection of a [`Client`] shares.
struct ClientSettings {
    timeout: Duration,
    insecure: bool,
    /// The run's trust store, when the caller loaded it already.
    trust: Option<Arc<TrustStore>>,
    /// `--ca-cert` certificates (when the trust store is ours to load).
    extra_roots: Vec<CertificateDer<'static>>,
    /// Built on the first HTTPS connection (loading the system trust store takes a moment).
    tls: OnceLock<Arc<rustls::ClientConfig>>,
    proxy_http: bool,
    proxy_https: bool,
    /// reqwest, built on first use: only for proxied requests.
    proxied: OnceLock<std::result::Result<reqwest::blocking::Client, String>>,
    /// Idle keep-alive connections for [`Client::execute`].
    idle: Mutex<Vec<Connection>>,
}

/// Idle connections kept for [`Client::execute`].
const MAX_IDLE: usize = 64;

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
    /// A client that loads the system trust store (plus `--ca-cert`) when it first needs it.
    pub fn new(opts: &ClientOptions) -> Result<Client> {
        Client::with_trust(opts, None)
    }

    /// A client that uses `trust` (the run's trust store, already loaded) when given one; with
    /// `None` it loads the system store plus `opts.ca_cert` itself, on first need.
    pub fn with_trust(opts: &ClientOptions, trust: Option<Arc<TrustStore>>) -> Result<Client> {
        let mut extra_roots = Vec::new();
        if let (None, Some(path)) = (&trust, &opts.ca_cert) {
            extra_roots = tls::read_ca_cert(path)?;
        }
        let env = |k: &str| std::env::var(k).ok();
        Ok(Client {
            settings: Arc::new(ClientSettings {
                timeout: opts.timeout,
                insecure: opts.insecure,
                trust,
                extra_roots,
                tls: OnceLock::new(),
                proxy_http: proxy_configured(false, env),
                proxy_https: proxy_configured(true, env),
                proxied: OnceLock::new(),
                idle: Mutex::new(Vec::new()),
            }),
        })
    }

    /// A per-thread session with its own keep-alive connection.
    pub fn session(&self) -> Session<'_> {
        Session {
            client: self,
            conn: Connection::new(),
            target: None,
        }
    }

    /// Make one attempt. Never follows redirects; a 3xx comes back as a [`Response`].
    pub fn execute(&self, req: &Request) -> std::result::Result<Response, Failure> {
        let target = reqwest::Url::parse(&req.url)
            .ok()
            .and_then(|u| Endpoint::from_url(&u));
        let Some(target) = target.filter(|t| !self.settings.proxied_for(t)) else {
            return self.execute_proxied(req);
        };
        let mut conn = self
            .settings
            .idle
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .pop()
            .unwrap_or_default();
        // What reqwest adds to every request, kept for endpoints that look at them.
        let mut headers = req.headers.clone();
        for (name, value) in [("User-Agent", USER_AGENT), ("Accept", "*/*")] {
            if !headers.iter().any(|(n, _)| n.eq_ignore_ascii_case(name)) {
                headers.push((name.to_string(), value.to_string()));
            }
        }
        let result = conn.exchange(
            &target,
            self.settings.tls_for(&target),
            req.method,
            &headers,
            &req.body,
            self.settings.timeout,
        );
        let mut idle = self.settings.idle.lock().unwrap_or_else(|p| p.into_inner());
        if idle.len() < MAX_IDLE {
            idle.push(conn);
        }
        result
    }

    /// One attempt through reqwest (proxies from the environment).
    fn execute_proxied(&self, req: &Request) -> std::result::Result<Response, Failure> {
        let start = Instant::now();
        let inner = match self.settings.proxied() {
            Ok(c) => c,
            Err(m) => {
                return Err(Failure {
                    kind: FailureKind::Other,
                    message: m.clone(),
                    latency: start.elapsed(),
                })
            }
        };
        let mut rb = match req.method {
            Method::Get => inner.get(&req.url),
            Method::Post => inner.post(&req.url),
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

impl ClientSettings {
    /// A proxy is configured for the endpoint's scheme.
    fn proxied_for(&self, target: &Endpoint) -> bool {
        if target.https {
            self.proxy_https
        } else {
            self.proxy_http
        }
    }

    /// The TLS settings, for an HTTPS endpoint.
    fn tls_for(&self, target: &Endpoint) -> Option<&Arc<rustls::ClientConfig>> {
        target.https.then(|| self.tls())
    }

    fn tls(&self) -> &Arc<rustls::ClientConfig> {
        self.tls.get_or_init(|| match &self.trust {
            Some(trust) => tls::sender_config(trust, self.insecure),
            None => tls::sender_config(&TrustStore::system_plus(&self.extra_roots), self.insecure),
        })
    }

    fn proxied(&self) -> &std::result::Result<reqwest::blocking::Client, String> {
        self.proxied.get_or_init(|| {
            reqwest::blocking::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .timeout(self.timeout)
                .connect_timeout(self.timeout)
                .user_agent(USER_AGENT)
                .http1_title_case_headers()
                .pool_max_idle_per_host(256)
                .use_preconfigured_tls(rustls::ClientConfig::clone(self.tls()))
                .build()
                .map_err(|e| format!("cannot set up the HTTP client: {e}"))
        })
    }
}

/// One worker's way to the endpoint: a direct keep-alive HTTP/1.1 connection, or the shared
/// reqwest client when a proxy is configured for the URL's scheme.
pub struct Session<'a> {
    client: &'a Client,
    conn: Connection,
    /// The last URL and its parsed target (`None`: not directly reachable, use reqwest).
    target: Option<(String, Option<Endpoint>)>,
}

impl Session<'_> {
    /// Make one attempt. Never follows redirects; a 3xx comes back as a [`Response`].
    pub fn execute(&mut self, req: &Request) -> std::result::Result<Response, Failure> {
        if self.target.as_ref().is_none_or(|(u, _)| *u != req.url) {
            let parsed = reqwest::Url::parse(&req.url)
                .ok()
                .and_then(|u| Endpoint::from_url(&u));
            self.target = Some((req.url.clone(), parsed));
        }
        let settings = &self.client.settings;
        let target = match self.target.as_ref().and_then(|(_, t)| t.as_ref()) {
            Some(t) if !settings.proxied_for(t) => t,
            _ => return self.client.execute_proxied(req),
        };
        self.conn.exchange(
            target,
            settings.tls_for(target),
            req.method,
            &req.headers,
            &req.body,
            settings.timeout,
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
    } else if let Some(tls_err) = rustls_cause(err) {
        (
            FailureKind::Tls,
            format!("TLS failed with {host}: {}", tls::explain(tls_err)),
        )
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

/// The rustls error somewhere in an error's chain of sources (reqwest wraps it in hyper and
/// I/O errors).
fn rustls_cause<'e>(err: &'e (dyn std::error::Error + 'static)) -> Option<&'e rustls::Error> {
    let mut cur = Some(err);
    while let Some(e) = cur {
        if let Some(t) = e.downcast_ref::<rustls::Error>() {
            return Some(t);
        }
        if let Some(t) = e
            .downcast_ref::<std::io::Error>()
            .and_then(|io| io.get_ref())
            .and_then(|inner| inner.downcast_ref::<rustls::Error>())
        {
            return Some(t);
        }
        cur = e.source();
    }
    None
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

    #[test]
    fn execute_goes_direct_on_one_kept_connection_with_reqwests_default_headers() {
        use std::io::{Read, Write};
        if proxy_configured(false, |k| std::env::var(k).ok()) {
            return; // a proxy from the environment would take the request instead
        }
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}/h", l.local_addr().unwrap());
        let server = std::thread::spawn(move || {
            let (mut s, _) = l.accept().unwrap();
            let mut heads = Vec::new();
            for _ in 0..2 {
                let mut buf = [0u8; 4096];
                let n = s.read(&mut buf).unwrap();
                heads.push(String::from_utf8_lossy(&buf[..n]).into_owned());
                s.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
                    .unwrap();
            }
            heads
        });
        let client = Client::new(&ClientOptions::default()).unwrap();
        let req = Request {
            method: Method::Post,
            url,
            headers: vec![("Content-Type".into(), "application/json".into())],
            body: b"{}".to_vec(),
        };
        for _ in 0..2 {
            let r = client.execute(&req).unwrap();
            assert_eq!((r.status, r.body.as_slice()), (200, &b"ok"[..]));
        }
        let heads = server.join().unwrap();
        assert!(
            heads[1].contains(&format!("\r\nUser-Agent: {USER_AGENT}\r\nAccept: */*\r\n")),
            "{}",
            heads[1]
        );
    }
}
