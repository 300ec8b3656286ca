//! `lint`'s checks: stable ids, verdicts, the rules as pure functions over what the endpoint
//! did, the probe payloads, and the JSON / JUnit / human renderings of a report.
//!
//! Nothing here touches the network: `lint_run` sends the probes (through `delivery`
//! and `probe`) and hands the observed answers to the `check_*` functions.

use std::fmt::Write as _;
use std::time::Duration;

use colored::Colorize;
use serde_json::{json, Map, Value};

use crate::error::{Error, Result};
use crate::http::delivery::{self, FailureKind};
use crate::http::probe::{CertProblem, Opened, ProbeFailure, Target, Timings};
use crate::stats::{self, Bin, LatencySummary};
use crate::webhook::fixtures::{self, Layout, TokenSource};

/// Meta's published guidance for the median answer time.
pub const P50_GUIDANCE: Duration = Duration::from_millis(250);
/// Meta's published guidance: fewer than 1% over a second (we check p95).
pub const P95_GUIDANCE: Duration = Duration::from_secs(1);
/// Warn when the certificate expires within this many days.
pub const EXPIRY_WARN_DAYS: i64 = 14;
/// The text put in the raw-body probe: non-ASCII, `/` and `@`, as real messages carry.
pub const ESCAPED_TEXT: &str = "mangé / café @ 😮";

/// A check's stable id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum CheckId {
    Https,
    Tls,
    Reachable,
    Latency,
    RejectsUnsigned,
    RejectsForged,
    RawBody,
    Handshake,
    Duplicates,
    Malformed,
    Redirect,
}

impl CheckId {
    /// Every check, in the order they run and are reported.
    pub const ALL: [CheckId; 11] = [
        CheckId::Https,
        CheckId::Tls,
        CheckId::Reachable,
        CheckId::Latency,
        CheckId::RejectsUnsigned,
        CheckId::RejectsForged,
        CheckId::RawBody,
        CheckId::Handshake,
        CheckId::Duplicates,
        CheckId::Malformed,
        CheckId::Redirect,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            CheckId::Https => "https",
            CheckId::Tls => "tls",
            CheckId::Reachable => "reachable",
            CheckId::Latency => "latency",
            CheckId::RejectsUnsigned => "rejects-unsigned",
            CheckId::RejectsForged => "rejects-forged",
            CheckId::RawBody => "raw-body",
            CheckId::Handshake => "handshake",
            CheckId::Duplicates => "duplicates",
            CheckId::Malformed => "malformed",
            CheckId::Redirect => "redirect",
        }
    }

    pub fn parse(s: &str) -> Option<CheckId> {
        CheckId::ALL.into_iter().find(|c| c.as_str() == s)
    }

    /// Checks that sign their probes with the webhook secret.
    pub fn needs_secret(self) -> bool {
        matches!(
            self,
            CheckId::Reachable
                | CheckId::Latency
                | CheckId::RejectsForged
                | CheckId::RawBody
                | CheckId::Duplicates
                | CheckId::Malformed
        )
    }

    /// Checks that talk to the endpoint.
    pub fn needs_network(self) -> bool {
        self != CheckId::Https
    }
}

fn valid_ids() -> String {
    CheckId::ALL.map(CheckId::as_str).join(", ")
}

/// The checks to run, in report order: `--only` (all when empty) minus `--skip`.
pub fn select(only: &[String], skip: &[String]) -> Result<Vec<CheckId>> {
    let parse = |flag: &str, list: &[String]| -> Result<Vec<CheckId>> {
        list.iter()
            .map(|s| s.trim())
            .filter(|s| !s.is_empty())
            .map(|s| {
                CheckId::parse(s).ok_or_else(|| {
                    Error::usage(format!("unknown check id `{s}` in {flag}"))
                        .with_hint(format!("valid ids: {}", valid_ids()))
                })
            })
            .collect()
    };
    let only = parse("--only", only)?;
    let skip = parse("--skip", skip)?;
    let chosen: Vec<CheckId> = CheckId::ALL
        .into_iter()
        .filter(|c| only.is_empty() || only.contains(c))
        .filter(|c| !skip.contains(c))
        .collect();
    if chosen.is_empty() {
        return Err(Error::usage("--only/--skip leave no check to run")
            .with_hint(format!("valid ids: {}", valid_ids())));
    }
    Ok(chosen)
}

/// A check's verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Status {
    Pass,
    Warn,
    Fail,
    Skip,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Pass => "pass",
            Status::Warn => "warn",
            Status::Fail => "fail",
            Status::Skip => "skip",
        }
    }
}

/// One check's result.
#[derive(Debug, Clone, PartialEq)]
pub struct CheckResult {
    pub id: CheckId,
    pub status: Status,
    /// One line.
    pub message: String,
    /// How to fix it; set for every warn and fail.
    pub hint: Option<String>,
    pub details: Map<String, Value>,
    /// Time the check took (for JUnit).
    pub duration: Duration,
}

impl CheckResult {
    pub fn new(id: CheckId, status: Status, message: impl Into<String>) -> Self {
        CheckResult {
            id,
            status,
            message: message.into(),
            hint: None,
            details: Map::new(),
            duration: Duration::ZERO,
        }
    }
    pub fn pass(id: CheckId, message: impl Into<String>) -> Self {
        Self::new(id, Status::Pass, message)
    }
    pub fn warn(id: CheckId, message: impl Into<String>, hint: impl Into<String>) -> Self {
        Self::new(id, Status::Warn, message).hint(hint)
    }
    pub fn fail(id: CheckId, message: impl Into<String>, hint: impl Into<String>) -> Self {
        Self::new(id, Status::Fail, message).hint(hint)
    }
    pub fn skip(id: CheckId, message: impl Into<String>, hint: impl Into<String>) -> Self {
        Self::new(id, Status::Skip, message).hint(hint)
    }
    pub fn hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }
    pub fn detail(mut self, key: &str, value: impl Into<Value>) -> Self {
        self.details.insert(key.to_string(), value.into());
        self
    }
}

// ---------------------------------------------------------------------------------------------
// What the endpoint did

/// An HTTP answer to one probe.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    pub status: u16,
    pub location: Option<String>,
    pub body: Vec<u8>,
    pub elapsed: Duration,
}

/// A probe that got no HTTP answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoAnswer {
    pub kind: FailureKind,
    pub message: String,
    pub elapsed: Duration,
}

pub type Outcome = std::result::Result<Answer, NoAnswer>;

pub fn outcome_of_delivery(
    r: std::result::Result<delivery::Response, delivery::Failure>,
) -> Outcome {
    match r {
        Ok(r) => Ok(Answer {
            status: r.status,
            location: r.location,
            body: r.body,
            elapsed: r.latency,
        }),
        Err(f) => Err(NoAnswer {
            kind: f.kind,
            message: f.message,
            elapsed: f.latency,
        }),
    }
}

/// One timed latency probe.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProbeSample {
    pub outcome: Outcome,
    pub timings: Timings,
}

pub fn sample_of_probe(
    r: std::result::Result<crate::http::probe::ProbeResponse, ProbeFailure>,
) -> ProbeSample {
    match r {
        Ok(r) => ProbeSample {
            timings: r.timings,
            outcome: Ok(Answer {
                status: r.status,
                location: r.location,
                body: r.body,
                elapsed: r.timings.total,
            }),
        },
        Err(f) => ProbeSample {
            timings: f.timings,
            outcome: Err(NoAnswer {
                kind: f.kind,
                message: f.message,
                elapsed: f.timings.total,
            }),
        },
    }
}

fn is_2xx(s: u16) -> bool {
    (200..300).contains(&s)
}
fn is_3xx(s: u16) -> bool {
    (300..400).contains(&s)
}
fn is_auth_reject(s: u16) -> bool {
    s == 401 || s == 403
}

/// `200`, `301 → /x`, `timeout`: how an outcome reads in a message.
pub fn describe(o: &Outcome) -> String {
    match o {
        Ok(a) => match &a.location {
            Some(l) if is_3xx(a.status) => format!("{} → {l}", a.status),
            _ => a.status.to_string(),
        },
        Err(n) => n.kind.as_str().to_string(),
    }
}

fn outcome_json(o: &Outcome) -> Value {
    match o {
        Ok(a) => json!({
            "status": a.status,
            "location": a.location,
            "elapsed_ms": round_ms(a.elapsed),
            "body": snippet(&a.body),
        }),
        Err(n) => json!({
            "status": null,
            "error": n.kind.as_str(),
            "message": n.message,
            "elapsed_ms": round_ms(n.elapsed),
        }),
    }
}

/// Up to 200 characters of a response body, for details.
pub fn snippet(body: &[u8]) -> String {
    let s = String::from_utf8_lossy(body);
    let mut out: String = s.chars().take(200).collect();
    if s.chars().count() > 200 {
        out.push('…');
    }
    out
}

fn round_ms(d: Duration) -> f64 {
    (stats::ms(d) * 1000.0).round() / 1000.0
}

/// `12.3 ms`, `1.20 s`.
pub fn fmt_ms(d: Duration) -> String {
    let ms = stats::ms(d);
    if ms >= 1000.0 {
        format!("{:.2} s", ms / 1000.0)
    } else if ms >= 100.0 {
        format!("{ms:.0} ms")
    } else {
        format!("{ms:.1} ms")
    }
}

const REDIRECT_HINT_PREFIX: &str = "register the final URL";

fn redirect_result(id: CheckId, a: &Answer) -> CheckResult {
    let loc = a.location.as_deref().unwrap_or("(no Location header)");
    CheckResult::fail(
        id,
        format!(
            "answered {} redirect to {loc}; webhook senders do not follow redirects",
            a.status
        ),
        format!("{REDIRECT_HINT_PREFIX} ({loc}) in the dashboard so no redirect is needed"),
    )
}

fn no_answer_result(id: CheckId, n: &NoAnswer, timeout: Duration) -> CheckResult {
    match n.kind {
        FailureKind::Timeout => CheckResult::fail(
            id,
            format!("no answer within {} ({})", fmt_secs(timeout), n.message),
            "answer within 30 s: acknowledge with 2xx first, then process the event asynchronously",
        ),
        FailureKind::Tls => CheckResult::fail(
            id,
            n.message.clone(),
            "fix the certificate (see the tls check), or pass --insecure to probe anyway",
        ),
        _ => CheckResult::fail(id, n.message.clone(), CONNECT_HINT),
    }
}

const CONNECT_HINT: &str =
    "check that the endpoint is running and reachable from this machine (host, port, firewall)";

fn fmt_secs(d: Duration) -> String {
    let s = d.as_secs_f64();
    if s.fract() == 0.0 {
        format!("{s:.0} s")
    } else {
        format!("{s} s")
    }
}

// ---------------------------------------------------------------------------------------------
// The checks

/// `https`: CMzon only delivers to HTTPS.
pub fn check_https(target: &Target, allow_http: bool) -> CheckResult {
    let loopback = delivery::is_loopback_host(&target.host);
    let r = if target.https {
        CheckResult::pass(CheckId::Https, "the URL uses HTTPS")
    } else if allow_http && loopback {
        CheckResult::warn(
            CheckId::Https,
            "plain HTTP, allowed for local testing (--allow-http); CMzon will not send webhooks to HTTP endpoints",
            "serve the endpoint over HTTPS before registering it in the CMzon dashboard",
        )
    } else {
        let hint = if allow_http {
            "--allow-http only applies to loopback hosts; serve the endpoint over HTTPS (e.g. a Let's Encrypt certificate)"
        } else {
            "serve the endpoint over HTTPS (e.g. a Let's Encrypt certificate); for local testing on a loopback host pass --allow-http"
        };
        CheckResult::fail(
            CheckId::Https,
            "CMzon will not send webhooks to HTTP endpoints",
            hint,
        )
    };
    r.detail("scheme", if target.https { "https" } else { "http" })
        .detail("host", target.host.as_str())
        .detail("loopback", loopback)
}

/// Civil date (UTC) of a Unix time: `2026-01-31`.
pub fn date(unix: i64) -> String {
    // Howard Hinnant's days-to-civil.
    let z = unix.div_euclid(86_400) + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}-{m:02}-{d:02}")
}

/// RFC 3339 UTC timestamp of a Unix time.
pub fn timestamp(unix: i64) -> String {
    let s = unix.rem_euclid(86_400);
    format!(
        "{}T{:02}:{:02}:{:02}Z",
        date(unix),
        s / 3600,
        (s / 60) % 60,
        s % 60
    )
}

/// `tls`: a trusted chain, valid now and for the host, not self-signed, not about to expire.
/// `opened` is the pre-flight connection (`None` for plain HTTP). `now` is Unix seconds.
pub fn check_tls(
    target: &Target,
    opened: Option<&std::result::Result<Opened, ProbeFailure>>,
    now: i64,
) -> CheckResult {
    let id = CheckId::Tls;
    let Some(opened) = opened.filter(|_| target.https) else {
        return CheckResult::skip(
            id,
            "not an HTTPS URL (see the https check)",
            "use an https:// URL",
        );
    };
    let report = match opened {
        Ok(o) => o.tls.clone().unwrap_or_default(),
        Err(f) => match &f.tls {
            Some(r) => (**r).clone(),
            None => {
                return CheckResult::fail(id, f.message.clone(), CONNECT_HINT)
                    .detail("error", f.message.as_str())
            }
        },
    };
    let host = target.host.as_str();
    let mut problems: Vec<(String, &str)> = Vec::new();
    let leaf = report.chain.first();
    let mut details = Map::new();
    details.insert("protocol".into(), json!(report.protocol));
    details.insert("cipher_suite".into(), json!(report.cipher_suite));
    details.insert("chain_length".into(), json!(report.chain.len()));
    if let Some(leaf) = leaf {
        details.insert("subject".into(), json!(leaf.subject));
        details.insert("issuer".into(), json!(leaf.issuer));
        details.insert("names".into(), json!(leaf.names));
        details.insert("not_before".into(), json!(timestamp(leaf.not_before)));
        details.insert("not_after".into(), json!(timestamp(leaf.not_after)));
        details.insert(
            "days_left".into(),
            json!((leaf.not_after - now).div_euclid(86_400)),
        );
        details.insert("self_signed".into(), json!(leaf.self_signed));
    }
    details.insert(
        "chain_error".into(),
        json!(report.chain_error.as_ref().map(|p| p.as_str().to_string())),
    );
    details.insert(
        "name_error".into(),
        json!(report.name_error.as_ref().map(|p| p.as_str().to_string())),
    );
    details.insert("trusted".into(), json!(report.trusted()));

    if let Some(e) = &report.handshake_error {
        if report.chain.is_empty() || report.chain_error.is_none() && report.name_error.is_none() {
            problems.push((
                e.clone(),
                "check the server's TLS setup: TLS 1.2 or 1.3 with a certificate for this host",
            ));
        }
    }
    if let Some(leaf) = leaf {
        if leaf.self_signed {
            problems.push((
                format!(
                    "self-signed certificate ({}); the sender does not accept self-signed certificates",
                    leaf.subject
                ),
                "use a certificate from a public CA (e.g. Let's Encrypt)",
            ));
        }
        if leaf.not_after < now || report.chain_error == Some(CertProblem::Expired) {
            let days = (now - leaf.not_after).div_euclid(86_400);
            problems.push((
                format!(
                    "certificate expired on {} ({days} days ago)",
                    date(leaf.not_after)
                ),
                "renew the certificate and automate renewal (e.g. certbot renew)",
            ));
        } else if leaf.not_before > now || report.chain_error == Some(CertProblem::NotYetValid) {
            problems.push((
                format!("certificate is not valid before {}", date(leaf.not_before)),
                "check the server's clock and the certificate's validity dates",
            ));
        }
        if report.name_error.is_some() {
            let names = if leaf.names.is_empty() {
                "no subjectAltName".to_string()
            } else {
                format!("it is for {}", leaf.names.join(", "))
            };
            problems.push((
                format!("certificate is not valid for {host} ({names})"),
                "serve a certificate whose subjectAltName includes the endpoint's host name",
            ));
        }
        match &report.chain_error {
            None | Some(CertProblem::Expired) | Some(CertProblem::NotYetValid) => {}
            Some(CertProblem::UnknownIssuer) if leaf.self_signed => {}
            Some(CertProblem::UnknownIssuer) => problems.push((
                format!(
                    "certificate chain is not trusted: unknown issuer {}",
                    leaf.issuer
                ),
                "serve the full chain (leaf + intermediates) from a public CA; for a private CA pass --ca-cert FILE",
            )),
            Some(p) => problems.push((
                format!("certificate rejected: {}", p.as_str()),
                "serve a valid certificate chain from a public CA",
            )),
        }
    } else if report.handshake_error.is_none() {
        problems.push((
            "the server sent no certificate".into(),
            "configure a certificate for this host on the server",
        ));
    }

    let mut result = if !problems.is_empty() {
        let message = problems
            .iter()
            .map(|(m, _)| m.as_str())
            .collect::<Vec<_>>()
            .join("; ");
        let mut hints: Vec<&str> = Vec::new();
        for (_, h) in &problems {
            if !hints.contains(h) {
                hints.push(h);
            }
        }
        CheckResult::fail(id, message, hints.join("; "))
    } else {
        let leaf = leaf.expect("a chain without problems has a leaf");
        let days = (leaf.not_after - now).div_euclid(86_400);
        let protocol = report.protocol.as_deref().unwrap_or("TLS");
        if days < EXPIRY_WARN_DAYS {
            CheckResult::warn(
                id,
                format!(
                    "certificate expires in {days} days ({}), issued by {}, {protocol}",
                    date(leaf.not_after),
                    leaf.issuer
                ),
                "renew the certificate now and automate renewal (e.g. certbot renew)",
            )
        } else {
            CheckResult::pass(
                id,
                format!(
                    "valid for {host} until {} ({days} days), issued by {}, {protocol}",
                    date(leaf.not_after),
                    leaf.issuer
                ),
            )
        }
    };
    result.details = details;
    result
}

/// `reachable`: a correctly signed event gets a 2xx.
pub fn check_reachable(o: &Outcome, timeout: Duration) -> CheckResult {
    let id = CheckId::Reachable;
    let r = match o {
        Err(n) => no_answer_result(id, n, timeout),
        Ok(a) if is_2xx(a.status) => CheckResult::pass(
            id,
            format!(
                "a correctly signed event got {} in {}",
                a.status,
                fmt_ms(a.elapsed)
            ),
        ),
        Ok(a) if is_3xx(a.status) => redirect_result(id, a),
        Ok(a) if is_auth_reject(a.status) => CheckResult::fail(
            id,
            format!("a correctly signed event was rejected with {}", a.status),
            "check that the endpoint uses the same webhook secret (not the verify token) and computes the HMAC over the raw body bytes",
        ),
        Ok(a) if a.status == 404 || a.status == 405 => CheckResult::fail(
            id,
            format!("answered {} to a POST: no webhook handler at this URL", a.status),
            "check the URL's path and that the handler accepts POST",
        ),
        Ok(a) => CheckResult::fail(
            id,
            format!("answered {} to a correctly signed event", a.status),
            "answer 2xx to valid events (check the endpoint's logs); the sender retries every non-2xx answer",
        ),
    };
    r.detail("response", outcome_json(o))
}

/// Inputs of the latency check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LatencyLimits {
    pub timeout: Duration,
    pub budget: Option<Duration>,
}

/// Summary of the probes that got an answer.
pub fn latency_summary(samples: &[ProbeSample]) -> Option<(LatencySummary, Vec<Bin>)> {
    let mut h = stats::Histogram::new();
    for s in samples {
        if s.outcome.is_ok() {
            h.record(s.timings.total);
        }
    }
    if h.is_empty() {
        return None;
    }
    Some((h.summary(), h.bins(8)))
}

fn opt_ms(d: Option<Duration>) -> Value {
    d.map(|d| json!(round_ms(d))).unwrap_or(Value::Null)
}

/// `latency`: no probe over the limit; p50/p95 within the guidance and the budget.
pub fn check_latency(samples: &[ProbeSample], limits: LatencyLimits) -> CheckResult {
    let id = CheckId::Latency;
    let per_probe: Vec<Value> = samples
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let (status, error) = match &s.outcome {
                Ok(a) => (json!(a.status), Value::Null),
                Err(n) => (Value::Null, json!(n.message)),
            };
            json!({
                "n": i + 1,
                "status": status,
                "connect_ms": round_ms(s.timings.connect),
                "tls_ms": opt_ms(s.timings.tls),
                "ttfb_ms": opt_ms(s.timings.ttfb),
                "total_ms": round_ms(s.timings.total),
                "error": error,
            })
        })
        .collect();
    let summary = latency_summary(samples).map(|(s, _)| s);
    let with_details = |r: CheckResult| {
        let stat = |f: fn(&LatencySummary) -> Duration| {
            summary
                .as_ref()
                .map(|s| json!(round_ms(f(s))))
                .unwrap_or(Value::Null)
        };
        r.detail("probes", samples.len())
            .detail(
                "answered",
                samples.iter().filter(|s| s.outcome.is_ok()).count(),
            )
            .detail("timeout_ms", round_ms(limits.timeout))
            .detail("budget_ms", opt_ms(limits.budget))
            .detail("min_ms", stat(|s| s.min))
            .detail("p50_ms", stat(|s| s.p50))
            .detail("p95_ms", stat(|s| s.p95))
            .detail("max_ms", stat(|s| s.max))
            .detail("per_probe", per_probe.clone())
    };
    let n = samples.len();
    if let Some((i, s)) = samples
        .iter()
        .enumerate()
        .find(|(_, s)| s.outcome.is_err() || s.timings.total > limits.timeout)
    {
        let msg = match &s.outcome {
            Err(e) if e.kind == FailureKind::Timeout => format!(
                "probe {} of {n} got no answer within {} (the sender's limit is 30 s)",
                i + 1,
                fmt_secs(limits.timeout)
            ),
            Err(e) => format!("probe {} of {n} failed: {}", i + 1, e.message),
            Ok(_) => format!(
                "probe {} of {n} took {}, over the {} limit",
                i + 1,
                fmt_ms(s.timings.total),
                fmt_secs(limits.timeout)
            ),
        };
        let hint = match &s.outcome {
            Err(e) if e.kind != FailureKind::Timeout => CONNECT_HINT,
            _ => "answer within 30 s: acknowledge with 2xx first, then process the event asynchronously (a queue)",
        };
        return with_details(CheckResult::fail(id, msg, hint));
    }
    let Some(s) = summary else {
        return with_details(CheckResult::skip(
            id,
            "no probes were sent",
            "pass --probes N with N >= 1",
        ));
    };
    let mut over = Vec::new();
    if s.p50 > P50_GUIDANCE {
        over.push(format!("p50 {} is over 250 ms", fmt_ms(s.p50)));
    }
    if s.p95 > P95_GUIDANCE {
        over.push(format!("p95 {} is over 1 s", fmt_ms(s.p95)));
    }
    if let Some(b) = limits.budget {
        if s.p95 > b || s.p50 > b {
            let (which, v) = if s.p50 > b {
                ("p50", s.p50)
            } else {
                ("p95", s.p95)
            };
            over.push(format!(
                "{which} {} is over the budget of {}",
                fmt_ms(v),
                fmt_ms(b)
            ));
        }
    }
    let not_2xx = samples
        .iter()
        .filter(|s| matches!(&s.outcome, Ok(a) if !is_2xx(a.status)))
        .count();
    let note = if not_2xx > 0 {
        format!(" ({not_2xx} of {n} answers were not 2xx: see the other checks)")
    } else {
        String::new()
    };
    let r = if over.is_empty() {
        CheckResult::pass(
            id,
            format!(
                "p50 {}, p95 {}, max {} over {n} probes{note}",
                fmt_ms(s.p50),
                fmt_ms(s.p95),
                fmt_ms(s.max)
            ),
        )
    } else {
        CheckResult::warn(
            id,
            format!("{} ({n} probes){note}", over.join("; ")),
            "acknowledge with 2xx immediately and process the event asynchronously; keep slow I/O out of the request path",
        )
    };
    with_details(r)
}

/// How an answer to a probe that must be refused (401/403) rates.
fn rate_refusal(id: CheckId, label: &str, o: &Outcome, timeout: Duration) -> CheckResult {
    match o {
        Err(n) => no_answer_result(id, n, timeout),
        Ok(a) if is_auth_reject(a.status) => {
            CheckResult::pass(id, format!("{label} was rejected with {}", a.status))
        }
        Ok(a) if is_3xx(a.status) => redirect_result(id, a),
        Ok(a) if is_2xx(a.status) => CheckResult::fail(
            id,
            format!("{label} was accepted with {}", a.status),
            VERIFY_HINT,
        ),
        Ok(a) if a.status >= 500 => CheckResult::warn(
            id,
            format!("{label} got {} instead of 401/403", a.status),
            "answer 401 (or 403) when X-Hub-Signature-256 is missing or does not match; do not crash",
        ),
        Ok(a) => CheckResult::warn(
            id,
            format!("{label} got {} instead of 401/403", a.status),
            "answer 401 (or 403) when X-Hub-Signature-256 is missing or does not match",
        ),
    }
}

const VERIFY_HINT: &str = "verify X-Hub-Signature-256 (HMAC-SHA256 of the raw body with the webhook secret, compared in constant time) and answer 401 when it is missing or wrong";

/// `rejects-unsigned`: no signature header → 401/403.
pub fn check_rejects_unsigned(o: &Outcome, timeout: Duration) -> CheckResult {
    let id = CheckId::RejectsUnsigned;
    let r = rate_refusal(id, "an unsigned event", o, timeout);
    let r = if r.status == Status::Fail && matches!(o, Ok(a) if is_2xx(a.status)) {
        CheckResult::fail(
            id,
            format!("endpoint accepts unsigned events ({})", describe(o)),
            VERIFY_HINT,
        )
    } else {
        r
    };
    r.detail("response", outcome_json(o))
}

/// `rejects-forged`: a wrong secret and a modified body → 401/403.
pub fn check_rejects_forged(
    wrong_secret: &Outcome,
    modified_body: &Outcome,
    timeout: Duration,
) -> CheckResult {
    let id = CheckId::RejectsForged;
    let accepted: Vec<&str> = [
        ("wrong secret", wrong_secret),
        ("modified body", modified_body),
    ]
    .iter()
    .filter(|(_, o)| matches!(o, Ok(a) if is_2xx(a.status)))
    .map(|(l, _)| *l)
    .collect();
    let r = if !accepted.is_empty() {
        CheckResult::fail(
            id,
            format!(
                "endpoint accepts forged events ({}: wrong secret got {}, modified body got {})",
                accepted.join(" and "),
                describe(wrong_secret),
                describe(modified_body)
            ),
            VERIFY_HINT,
        )
    } else {
        let a = rate_refusal(
            id,
            "an event signed with a wrong secret",
            wrong_secret,
            timeout,
        );
        let b = rate_refusal(
            id,
            "an event modified after signing",
            modified_body,
            timeout,
        );
        // The worse of the two (fail > warn > pass) decides.
        let rank = |s: Status| match s {
            Status::Fail => 2,
            Status::Warn => 1,
            _ => 0,
        };
        if rank(a.status) == 0 && rank(b.status) == 0 {
            CheckResult::pass(
                id,
                format!(
                    "forged events rejected (wrong secret: {}, modified body: {})",
                    describe(wrong_secret),
                    describe(modified_body)
                ),
            )
        } else if rank(b.status) > rank(a.status) {
            b
        } else {
            a
        }
    };
    r.detail("wrong_secret", outcome_json(wrong_secret))
        .detail("modified_body", outcome_json(modified_body))
}

const RAW_BODY_HINT: &str = "compute the HMAC over the exact raw request bytes before parsing the JSON (Express: express.raw({type: 'application/json'}) or the verify callback of express.json), never over JSON.stringify(req.body)";

/// `raw-body`: a correctly signed, non-canonical body (escapes, spaces) gets a 2xx.
/// `compact` is how the compact body fared, when known.
pub fn check_raw_body(
    escaped: &Outcome,
    compact: Option<&Outcome>,
    timeout: Duration,
) -> CheckResult {
    let id = CheckId::RawBody;
    let compact_ok = matches!(compact, Some(Ok(a)) if is_2xx(a.status));
    let r = match escaped {
        Err(n) => no_answer_result(id, n, timeout),
        Ok(a) if is_2xx(a.status) => CheckResult::pass(
            id,
            format!(
                "a signed body with escaped unicode, \\/ and spaces after colons got {}",
                a.status
            ),
        ),
        Ok(a) if is_3xx(a.status) => redirect_result(id, a),
        Ok(a) if is_auth_reject(a.status) && compact_ok => CheckResult::fail(
            id,
            format!(
                "endpoint verifies re-serialized JSON instead of the raw body; real deliveries with non-ASCII text will be rejected (escaped body got {}, compact body got {})",
                a.status,
                compact.map(describe).unwrap_or_default()
            ),
            RAW_BODY_HINT,
        ),
        Ok(a) if is_auth_reject(a.status) => CheckResult::fail(
            id,
            format!(
                "a correctly signed body was rejected with {}, and so was the compact body ({}): the signature check fails for every event",
                a.status,
                compact.map(describe).unwrap_or_else(|| "not sent".into())
            ),
            "fix the reachable check first: the endpoint must use the same webhook secret and verify the raw body bytes",
        ),
        Ok(a) => CheckResult::fail(
            id,
            format!(
                "a correctly signed body with escaped unicode got {}",
                a.status
            ),
            "accept any valid JSON encoding: escaped unicode (\\u00e9), \\/ and whitespace are all valid JSON as CMzon sends it",
        ),
    };
    let r = r.detail("response", outcome_json(escaped));
    match compact {
        Some(c) => r.detail("compact_response", outcome_json(c)),
        None => r.detail("compact_response", Value::Null),
    }
}

/// `handshake`: the challenge comes back exactly; a wrong token gets 403.
pub fn check_handshake(
    good: &Outcome,
    challenge: &str,
    wrong_token: &Outcome,
    timeout: Duration,
) -> CheckResult {
    let id = CheckId::Handshake;
    let echo_hint = "when hub.mode=subscribe and hub.verify_token matches, answer 200 with the hub.challenge value as the plain-text body (no JSON, no quotes, no newline)";
    let r = match good {
        Err(n) => no_answer_result(id, n, timeout),
        Ok(a) if is_3xx(a.status) => redirect_result(id, a),
        Ok(a) if a.status != 200 => CheckResult::fail(
            id,
            format!(
                "the verification GET with the right token got {}, expected 200 with the challenge",
                a.status
            ),
            echo_hint,
        ),
        Ok(a) if a.body != challenge.as_bytes() => CheckResult::fail(
            id,
            format!(
                "the verification GET got 200 but the body is `{}`, not the challenge `{challenge}`",
                snippet(&a.body)
            ),
            echo_hint,
        ),
        Ok(_) => match wrong_token {
            Ok(w) if w.status == 403 => CheckResult::pass(
                id,
                "the challenge is echoed, and a wrong verify token gets 403",
            ),
            Ok(w) if is_3xx(w.status) => redirect_result(id, w),
            Ok(w) => CheckResult::warn(
                id,
                format!(
                    "the challenge is echoed, but a wrong verify token got {} instead of 403",
                    w.status
                ),
                "compare hub.verify_token with your token and answer 403 when it differs",
            ),
            Err(n) => no_answer_result(id, n, timeout),
        },
    };
    r.detail("challenge", challenge)
        .detail("response", outcome_json(good))
        .detail("wrong_token_response", outcome_json(wrong_token))
}

/// `duplicates`: the same delivery twice gets a 2xx both times.
pub fn check_duplicates(first: &Outcome, second: &Outcome, timeout: Duration) -> CheckResult {
    let id = CheckId::Duplicates;
    let r = match (first, second) {
        (Err(n), _) | (Ok(_), Err(n)) => no_answer_result(id, n, timeout),
        (Ok(a), _) if is_3xx(a.status) => redirect_result(id, a),
        (Ok(a), Ok(b)) if is_2xx(a.status) && is_2xx(b.status) => CheckResult::pass(
            id,
            format!(
                "the same event delivered twice got {} and {}",
                a.status, b.status
            ),
        ),
        (Ok(a), Ok(b)) if is_2xx(a.status) => CheckResult::fail(
            id,
            format!(
                "a repeated delivery got {} (the first got {}); retries and duplicates are normal and must be acknowledged",
                b.status, a.status
            ),
            "answer 2xx to events you have already processed; deduplicate on the message or status id",
        ),
        (Ok(a), _) => CheckResult::fail(
            id,
            format!(
                "the first delivery already got {} (see the reachable check)",
                a.status
            ),
            "answer 2xx to correctly signed events, including repeated ones",
        ),
    };
    r.detail("first", outcome_json(first))
        .detail("second", outcome_json(second))
}

/// `malformed`: a signed non-JSON body gets a 4xx, not a 5xx or a hang.
pub fn check_malformed(o: &Outcome, timeout: Duration) -> CheckResult {
    let id = CheckId::Malformed;
    let r = match o {
        Err(n) if n.kind == FailureKind::Timeout => CheckResult::fail(
            id,
            format!(
                "a signed body that is not JSON got no answer within {} (the endpoint hangs)",
                fmt_secs(timeout)
            ),
            "answer 400 as soon as the body fails to parse; never wait on a bad request",
        ),
        Err(n) => no_answer_result(id, n, timeout),
        Ok(a) if (400..500).contains(&a.status) => CheckResult::pass(
            id,
            format!("a signed body that is not JSON got {}", a.status),
        ),
        Ok(a) if a.status >= 500 => CheckResult::fail(
            id,
            format!(
                "a signed body that is not JSON got {}: the endpoint fails on malformed input",
                a.status
            ),
            "catch JSON parse errors and answer 400; a 5xx makes the sender retry the delivery for days",
        ),
        Ok(a) if is_3xx(a.status) => redirect_result(id, a),
        Ok(a) => CheckResult::warn(
            id,
            format!(
                "a signed body that is not JSON got {}; expected a 4xx",
                a.status
            ),
            "answer 400 to bodies that do not parse as JSON",
        ),
    };
    r.detail("response", outcome_json(o))
}

/// `redirect`: no probe got a 3xx. `seen` is every answer, labelled by the probe that got it.
pub fn check_redirect(seen: &[(String, Outcome)]) -> CheckResult {
    let id = CheckId::Redirect;
    let redirects: Vec<(&String, &Answer)> = seen
        .iter()
        .filter_map(|(l, o)| match o {
            Ok(a) if is_3xx(a.status) => Some((l, a)),
            _ => None,
        })
        .collect();
    let answered = seen.iter().filter(|(_, o)| o.is_ok()).count();
    let r = match redirects.first() {
        Some((label, a)) => {
            let loc = a.location.as_deref().unwrap_or("(no Location header)");
            CheckResult::fail(
                id,
                format!(
                    "{label} got {} redirect to {loc}; webhook senders do not follow redirects",
                    a.status
                ),
                format!("{REDIRECT_HINT_PREFIX} ({loc}) in the dashboard so no redirect is needed"),
            )
            .detail("location", loc)
        }
        None if answered == 0 => CheckResult::fail(id, "no probe got an HTTP answer", CONNECT_HINT),
        None => CheckResult::pass(id, format!("no redirects in {answered} answers")),
    };
    r.detail("answers", answered)
        .detail("redirects", redirects.len())
}

/// Where the network checks stand after the pre-flight connection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Gate {
    /// Probe away.
    Open,
    /// No connection (or no TLS session): every network check fails with this message.
    NoConnection(String),
    /// The certificate is not trusted and `--insecure` was not given: probes are not sent.
    Untrusted(String),
}

pub fn gate(opened: &std::result::Result<Opened, ProbeFailure>, insecure: bool) -> Gate {
    match opened {
        Err(f) => Gate::NoConnection(f.message.clone()),
        Ok(o) => match &o.tls {
            Some(r) if !r.trusted() && !insecure => {
                let mut why: Vec<&str> = Vec::new();
                if let Some(p) = &r.chain_error {
                    why.push(p.as_str());
                }
                if let Some(p) = &r.name_error {
                    why.push(p.as_str());
                }
                Gate::Untrusted(why.join(", "))
            }
            _ => Gate::Open,
        },
    }
}

/// The result a network check gets when the gate is closed.
pub fn gated(id: CheckId, gate: &Gate) -> Option<CheckResult> {
    match gate {
        Gate::Open => None,
        Gate::NoConnection(m) => Some(CheckResult::fail(id, m.clone(), CONNECT_HINT)),
        Gate::Untrusted(why) => Some(CheckResult::skip(
            id,
            format!(
                "not run: the certificate is not trusted ({why}), so a sender would not deliver"
            ),
            "fix the certificate (see the tls check), or pass --insecure to run this check anyway",
        )),
    }
}

/// The result of a check that needs what was not given.
pub fn missing_secret(id: CheckId) -> CheckResult {
    CheckResult::skip(
        id,
        "needs the webhook secret to sign its probes",
        format!(
            "pass --secret-file PATH or set {} to run this check",
            crate::webhook::secret::ENV_PRIMARY
        ),
    )
}

pub fn missing_verify_token() -> CheckResult {
    CheckResult::skip(
        CheckId::Handshake,
        "needs --verify-token to test the verification handshake",
        "pass --verify-token TOKEN (the verify token you enter in the CMzon dashboard)",
    )
}

// ---------------------------------------------------------------------------------------------
// Payloads

/// The `messages` fixture, rendered with fresh ids, as compact *canonical* JSON: the bytes a
/// parse-and-re-serialize verifier (`JSON.stringify(req.body)`) would reproduce. Probes that
/// test the secret use it, so `reachable` says nothing about escaping; `raw-body` sends the
/// escaped wire form of the same event and is the one check that tells the two apart.
pub fn compact_event(tokens: &mut TokenSource) -> Result<Vec<u8>> {
    let fixture = fixtures::find("messages").ok_or_else(|| fixtures::unknown("messages"))?;
    let value = fixtures::render_value(fixture, tokens, &[])?;
    serde_json::to_vec(&value).map_err(|e| Error::input(format!("cannot encode the event: {e}")))
}

const TEXT_POINTER: &str = "/entry/0/changes/0/value/messages/0/text/body";

/// The same event with non-ASCII text in the sender's wire form (fixtures' compact layout:
/// `\uXXXX` escapes and `\/`) plus a space after every colon: valid JSON whose bytes no
/// re-serializer reproduces. Signed as is.
pub fn escaped_event(compact: &[u8]) -> Vec<u8> {
    let mut v: Value = serde_json::from_slice(compact).unwrap_or_else(|_| json!({}));
    match v.pointer_mut(TEXT_POINTER) {
        Some(t) => *t = json!(ESCAPED_TEXT),
        None => {
            if let Some(o) = v.as_object_mut() {
                o.insert("note".into(), json!(ESCAPED_TEXT));
            }
        }
    }
    space_after_colons(&fixtures::serialize(&v, Layout::Compact))
}

/// Insert a space after every `:` that separates a key from its value (not inside strings).
pub fn space_after_colons(json: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(json.len() + json.len() / 8);
    let (mut in_string, mut escaped) = (false, false);
    for &b in json {
        out.push(b);
        if in_string {
            match b {
                _ if escaped => escaped = false,
                b'\\' => escaped = true,
                b'"' => in_string = false,
                _ => {}
            }
        } else if b == b'"' {
            in_string = true;
        } else if b == b':' {
            out.push(b' ');
        }
    }
    out
}

/// The event with its text changed (for "modified after signing").
pub fn modified_event(compact: &[u8]) -> Vec<u8> {
    let mut v: Value = serde_json::from_slice(compact).unwrap_or_else(|_| json!({}));
    match v.pointer_mut(TEXT_POINTER) {
        Some(t) => *t = json!("Please refund order 1337 to account 99"),
        None => {
            if let Some(o) = v.as_object_mut() {
                o.insert("tampered".into(), json!(true));
            }
        }
    }
    serde_json::to_vec(&v).unwrap_or_default()
}

/// A signed body that is not JSON: an event cut short, as a broken proxy would leave it.
pub const MALFORMED_BODY: &[u8] = b"{\"object\":\"whatsapp_business_account\",\"entry\":[{\"id\":";

// ---------------------------------------------------------------------------------------------
// The report

/// Everything `lint` found.
#[derive(Debug, Clone, PartialEq)]
pub struct Report {
    pub url: String,
    pub checks: Vec<CheckResult>,
    /// The latency probes (empty when the latency check did not run).
    pub samples: Vec<ProbeSample>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    pub pass: usize,
    pub warn: usize,
    pub fail: usize,
    pub skip: usize,
}

impl Report {
    pub fn counts(&self) -> Counts {
        let mut c = Counts::default();
        for r in &self.checks {
            match r.status {
                Status::Pass => c.pass += 1,
                Status::Warn => c.warn += 1,
                Status::Fail => c.fail += 1,
                Status::Skip => c.skip += 1,
            }
        }
        c
    }

    /// 0 when nothing failed (with `strict`: and nothing warned), else 1.
    pub fn exit_code(&self, strict: bool) -> u8 {
        let c = self.counts();
        if c.fail > 0 || (strict && c.warn > 0) {
            crate::error::exit::FAILURE
        } else {
            crate::error::exit::SUCCESS
        }
    }

    /// The `--json` document.
    pub fn to_json(&self) -> Value {
        let summary = latency_summary(&self.samples).map(|(s, _)| s);
        let stat = |f: fn(&LatencySummary) -> Duration| {
            summary
                .as_ref()
                .map(|s| json!(round_ms(f(s))))
                .unwrap_or(Value::Null)
        };
        let c = self.counts();
        json!({
            "url": self.url,
            "checks": self.checks.iter().map(|r| json!({
                "id": r.id.as_str(),
                "status": r.status.as_str(),
                "message": r.message,
                "hint": r.hint,
                "details": Value::Object(r.details.clone()),
            })).collect::<Vec<_>>(),
            "latency_ms": {
                "min": stat(|s| s.min),
                "p50": stat(|s| s.p50),
                "p95": stat(|s| s.p95),
                "max": stat(|s| s.max),
            },
            "summary": {"pass": c.pass, "warn": c.warn, "fail": c.fail, "skip": c.skip},
        })
    }

    /// JUnit XML: one testcase per check; fail → `<failure>`, skip → `<skipped/>`, warn →
    /// `<failure type="warn">` under `strict`, else a passing case with the warning in
    /// `<system-out>`.
    pub fn to_junit(&self, strict: bool) -> String {
        let c = self.counts();
        let failures = c.fail + if strict { c.warn } else { 0 };
        let total: f64 = self.checks.iter().map(|r| r.duration.as_secs_f64()).sum();
        let mut x = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
        let _ = writeln!(
            x,
            "<testsuites name=\"cmzon-hook lint\" tests=\"{}\" failures=\"{failures}\" errors=\"0\" skipped=\"{}\" time=\"{total:.3}\">",
            self.checks.len(),
            c.skip
        );
        let _ = writeln!(
            x,
            "  <testsuite name=\"cmzon-hook lint {}\" tests=\"{}\" failures=\"{failures}\" errors=\"0\" skipped=\"{}\" time=\"{total:.3}\">",
            xml_attr(&self.url),
            self.checks.len(),
            c.skip
        );
        let _ = writeln!(
            x,
            "    <properties>\n      <property name=\"url\" value=\"{}\"/>\n    </properties>",
            xml_attr(&self.url)
        );
        for r in &self.checks {
            let _ = write!(
                x,
                "    <testcase name=\"{}\" classname=\"cmzon-hook.lint\" time=\"{:.3}\"",
                r.id.as_str(),
                r.duration.as_secs_f64()
            );
            let hint = r.hint.as_deref().unwrap_or("");
            let body = format!(
                "{}: {}\nhint: {hint}\ndetails: {}",
                r.status.as_str(),
                r.message,
                Value::Object(r.details.clone())
            );
            match r.status {
                Status::Fail | Status::Warn if r.status == Status::Fail || strict => {
                    let _ = writeln!(
                        x,
                        ">\n      <failure type=\"{}\" message=\"{}\">{}</failure>\n    </testcase>",
                        r.status.as_str(),
                        xml_attr(&r.message),
                        xml_text(&body)
                    );
                }
                Status::Skip => {
                    let _ = writeln!(
                        x,
                        ">\n      <skipped message=\"{}\"/>\n    </testcase>",
                        xml_attr(&r.message)
                    );
                }
                _ => {
                    let _ = writeln!(
                        x,
                        ">\n      <system-out>{}</system-out>\n    </testcase>",
                        xml_text(&body)
                    );
                }
            }
        }
        x.push_str("  </testsuite>\n</testsuites>\n");
        x
    }

    /// The checks table: a `CHECK  RESULT  MESSAGE` header and one row per check.
    pub fn checks_table(&self) -> String {
        let mut o = String::new();
        let width = CheckId::ALL
            .iter()
            .map(|c| c.as_str().len())
            .max()
            .unwrap_or(10);
        let _ = writeln!(o, "  {:<width$}  RESULT  MESSAGE", "CHECK");
        for r in &self.checks {
            let _ = writeln!(
                o,
                "  {:<width$}  {}  {}",
                r.id.as_str(),
                verdict_label(r.status),
                r.message
            );
        }
        o
    }

    /// The human report (colors follow the global policy).
    pub fn to_human(&self, verbose: bool) -> String {
        let mut o = String::new();
        let _ = writeln!(o, "{} {}\n", "cmzon-hook lint".bold(), self.url);
        o.push_str(&self.checks_table());
        if let Some((s, bins)) = latency_summary(&self.samples) {
            let _ = writeln!(
                o,
                "\n{} over {} probes: min {}, p50 {}, p95 {}, max {}",
                "Latency".bold(),
                self.samples.len(),
                fmt_ms(s.min),
                fmt_ms(s.p50),
                fmt_ms(s.p95),
                fmt_ms(s.max)
            );
            let _ = writeln!(
                o,
                "  {:>4}  {:>6}  {:>9}  {:>9}  {:>9}  {:>9}",
                "#", "status", "connect", "tls", "ttfb", "total"
            );
            let shown = if verbose { self.samples.len() } else { 20 };
            for (i, p) in self.samples.iter().enumerate().take(shown) {
                let status = match &p.outcome {
                    Ok(a) => a.status.to_string(),
                    Err(n) => n.kind.as_str().to_string(),
                };
                let dash = || "-".to_string();
                let _ = writeln!(
                    o,
                    "  {:>4}  {:>6}  {:>9}  {:>9}  {:>9}  {:>9}",
                    i + 1,
                    status,
                    fmt_ms(p.timings.connect),
                    p.timings.tls.map(fmt_ms).unwrap_or_else(dash),
                    p.timings.ttfb.map(fmt_ms).unwrap_or_else(dash),
                    fmt_ms(p.timings.total)
                );
            }
            if self.samples.len() > shown {
                let _ = writeln!(
                    o,
                    "  … {} more (-v or --json for all)",
                    self.samples.len() - shown
                );
            }
            let _ = writeln!(o, "\n  Response time histogram:");
            o.push_str(&histogram(&bins));
        }
        let to_fix: Vec<&CheckResult> = self
            .checks
            .iter()
            .filter(|r| matches!(r.status, Status::Warn | Status::Fail))
            .collect();
        if !to_fix.is_empty() {
            let _ = writeln!(o, "\n{}", "To fix".bold());
            for r in to_fix {
                let _ = writeln!(
                    o,
                    "  {} {}: {}",
                    verdict_label(r.status),
                    r.id.as_str(),
                    r.message
                );
                if let Some(h) = &r.hint {
                    let _ = writeln!(o, "        hint: {h}");
                }
            }
        }
        let c = self.counts();
        let _ = writeln!(
            o,
            "\n{} pass, {} warn, {} fail, {} skip",
            c.pass, c.warn, c.fail, c.skip
        );
        o
    }
}

fn verdict_label(s: Status) -> String {
    let label = format!("{:<6}", s.as_str().to_ascii_uppercase());
    match s {
        Status::Pass => label.green().to_string(),
        Status::Warn => label.yellow().bold().to_string(),
        Status::Fail => label.red().bold().to_string(),
        Status::Skip => label.dimmed().to_string(),
    }
}

/// oha-style bars: `  12.3 ms [4] |■■■■`.
pub fn histogram(bins: &[Bin]) -> String {
    const WIDTH: u64 = 32;
    let max = bins.iter().map(|b| b.count).max().unwrap_or(0).max(1);
    // Enough decimals to tell neighbouring bins apart.
    let width_ms = match bins {
        [a, b, ..] => stats::ms(b.start.saturating_sub(a.start)),
        _ => 1.0,
    };
    let decimals = (0..=3)
        .find(|&d| width_ms >= 10f64.powi(-d) - 1e-9)
        .unwrap_or(3) as usize;
    let labels: Vec<String> = bins
        .iter()
        .map(|b| format!("{:.decimals$} ms", stats::ms(b.start)))
        .collect();
    let lw = labels.iter().map(|l| l.len()).max().unwrap_or(0);
    let cw = bins
        .iter()
        .map(|b| b.count.to_string().len())
        .max()
        .unwrap_or(1);
    let mut o = String::new();
    for (b, l) in bins.iter().zip(&labels) {
        let bar = "■".repeat(((b.count * WIDTH).div_ceil(max)) as usize);
        let _ = writeln!(o, "  {l:>lw$} [{:>cw$}] |{}", b.count, bar.cyan());
    }
    o
}

/// Escape text for an XML attribute value (also newlines and tabs, and characters XML 1.0
/// does not allow).
pub fn xml_attr(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            '\'' => o.push_str("&apos;"),
            '\n' => o.push_str("&#10;"),
            '\r' => o.push_str("&#13;"),
            '\t' => o.push_str("&#9;"),
            c if !xml_char_ok(c) => o.push('\u{fffd}'),
            c => o.push(c),
        }
    }
    o
}

/// Escape XML character data.
pub fn xml_text(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '\r' => o.push_str("&#13;"),
            c if !xml_char_ok(c) => o.push('\u{fffd}'),
            c => o.push(c),
        }
    }
    o
}

fn xml_char_ok(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{d7ff}' | '\u{e000}'..='\u{fffd}' | '\u{10000}'..)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::probe::{CertInfo, TlsReport};

    const T: Duration = Duration::from_secs(30);

    fn ok(status: u16) -> Outcome {
        Ok(Answer {
            status,
            location: (300..400)
                .contains(&status)
                .then(|| "https://example.com/new".to_string()),
            body: Vec::new(),
            elapsed: Duration::from_millis(5),
        })
    }

    fn timeout() -> Outcome {
        Err(NoAnswer {
            kind: FailureKind::Timeout,
            message: "127.0.0.1:1 did not answer within the timeout".into(),
            elapsed: T,
        })
    }

    fn target(url: &str) -> Target {
        Target::parse(url).unwrap()
    }

    fn every_warn_and_fail_has_a_hint(r: &CheckResult) {
        if matches!(r.status, Status::Warn | Status::Fail) {
            assert!(r.hint.as_deref().is_some_and(|h| !h.is_empty()), "{r:?}");
        }
        assert!(!r.message.is_empty() && !r.message.contains('\n'), "{r:?}");
    }

    #[test]
    fn ids_are_stable_and_round_trip() {
        let ids: Vec<&str> = CheckId::ALL.iter().map(|c| c.as_str()).collect();
        assert_eq!(
            ids,
            [
                "https",
                "tls",
                "reachable",
                "latency",
                "rejects-unsigned",
                "rejects-forged",
                "raw-body",
                "handshake",
                "duplicates",
                "malformed",
                "redirect"
            ]
        );
        for c in CheckId::ALL {
            assert_eq!(CheckId::parse(c.as_str()), Some(c));
        }
    }

    #[test]
    fn schema_lists_every_id_and_status() {
        let schema: Value =
            serde_json::from_str(include_str!("../../tests/data/lint.schema.json")).unwrap();
        let ids = schema
            .pointer("/$defs/check/properties/id/enum")
            .and_then(Value::as_array)
            .unwrap();
        let ids: Vec<&str> = ids.iter().filter_map(Value::as_str).collect();
        assert_eq!(ids, CheckId::ALL.map(CheckId::as_str));
        let st = schema
            .pointer("/$defs/check/properties/status/enum")
            .and_then(Value::as_array)
            .unwrap();
        assert_eq!(st.len(), 4);
    }

    #[test]
    fn selection() {
        let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>();
        assert_eq!(select(&[], &[]).unwrap(), CheckId::ALL.to_vec());
        assert_eq!(
            select(&s(&["tls", "https"]), &[]).unwrap(),
            vec![CheckId::Https, CheckId::Tls]
        );
        assert_eq!(select(&[], &s(&["latency"])).unwrap().len(), 10);
        let e = select(&s(&["nope"]), &[]).unwrap_err();
        assert_eq!(e.exit_code(), 2);
        assert!(e.message.contains("nope"));
        assert!(e.hint.unwrap().contains("rejects-forged"));
        assert!(select(&s(&["tls"]), &s(&["tls"])).is_err());
        assert!(select(&[], &s(&["bogus"])).is_err());
    }

    #[test]
    fn https_verdicts() {
        let r = check_https(&target("https://example.com/"), false);
        assert_eq!(r.status, Status::Pass);
        let r = check_https(&target("http://127.0.0.1:8080/"), true);
        assert_eq!(r.status, Status::Warn);
        every_warn_and_fail_has_a_hint(&r);
        let r = check_https(&target("http://127.0.0.1:8080/"), false);
        assert_eq!(r.status, Status::Fail);
        assert_eq!(r.message, "CMzon will not send webhooks to HTTP endpoints");
        let r = check_https(&target("http://example.com/"), true);
        assert_eq!(r.status, Status::Fail);
        assert!(r.hint.unwrap().contains("loopback"));
    }

    const NOW: i64 = 1_750_000_000; // 2025-06-15

    fn leaf(not_after: i64) -> CertInfo {
        CertInfo {
            subject: "CN=example.com".into(),
            issuer: "CN=Some CA".into(),
            not_before: NOW - 86_400 * 30,
            not_after,
            self_signed: false,
            is_ca: false,
            names: vec!["example.com".into()],
        }
    }

    fn opened(r: TlsReport) -> std::result::Result<Opened, ProbeFailure> {
        Ok(Opened {
            timings: Timings::default(),
            tls: Some(r),
        })
    }

    fn report(chain: Vec<CertInfo>) -> TlsReport {
        TlsReport {
            protocol: Some("TLSv1.3".into()),
            cipher_suite: Some("TLS13_AES_128_GCM_SHA256".into()),
            chain,
            ..Default::default()
        }
    }

    #[test]
    fn tls_verdicts() {
        let t = target("https://example.com/hook");
        let good = opened(report(vec![leaf(NOW + 86_400 * 90)]));
        let r = check_tls(&t, Some(&good), NOW);
        assert_eq!(r.status, Status::Pass, "{r:?}");
        assert!(r.message.contains("CN=Some CA") && r.message.contains("TLSv1.3"));
        assert!(r.message.contains("2025-09-13"), "{}", r.message);
        assert_eq!(r.details["days_left"], json!(90));

        let soon = opened(report(vec![leaf(NOW + 86_400 * 5)]));
        let r = check_tls(&t, Some(&soon), NOW);
        assert_eq!(r.status, Status::Warn);
        assert!(r.message.contains("expires in 5 days"));

        let mut rep = report(vec![leaf(NOW - 86_400 * 3)]);
        rep.chain_error = Some(CertProblem::Expired);
        let r = check_tls(&t, Some(&opened(rep)), NOW);
        assert_eq!(r.status, Status::Fail);
        assert!(r.message.contains("expired on 2025-06-12"), "{}", r.message);

        let mut rep = report(vec![leaf(NOW + 86_400 * 90)]);
        rep.name_error = Some(CertProblem::NotValidForName);
        let r = check_tls(&t, Some(&opened(rep)), NOW);
        assert_eq!(r.status, Status::Fail);
        assert!(r
            .message
            .contains("not valid for example.com (it is for example.com)"));

        let mut self_signed = leaf(NOW + 86_400 * 90);
        self_signed.self_signed = true;
        let mut rep = report(vec![self_signed]);
        rep.chain_error = Some(CertProblem::UnknownIssuer);
        let r = check_tls(&t, Some(&opened(rep)), NOW);
        assert_eq!(r.status, Status::Fail);
        assert!(
            r.message.starts_with("self-signed certificate"),
            "{}",
            r.message
        );
        assert!(!r.message.contains("unknown issuer"));

        let mut rep = report(vec![leaf(NOW + 86_400 * 90)]);
        rep.chain_error = Some(CertProblem::UnknownIssuer);
        let r = check_tls(&t, Some(&opened(rep)), NOW);
        assert!(r.message.contains("unknown issuer CN=Some CA"));
        assert!(r.hint.as_deref().unwrap().contains("--ca-cert"));

        let refused: std::result::Result<Opened, ProbeFailure> = Err(ProbeFailure {
            kind: FailureKind::Connect,
            message: "cannot connect to example.com:443: refused".into(),
            timings: Timings::default(),
            tls: None,
        });
        let r = check_tls(&t, Some(&refused), NOW);
        assert_eq!(r.status, Status::Fail);

        let r = check_tls(&target("http://127.0.0.1/"), None, NOW);
        assert_eq!(r.status, Status::Skip);
    }

    #[test]
    fn gate_decisions() {
        let mut rep = report(vec![leaf(NOW + 86_400 * 90)]);
        assert_eq!(gate(&opened(rep.clone()), false), Gate::Open);
        rep.chain_error = Some(CertProblem::UnknownIssuer);
        assert!(
            matches!(gate(&opened(rep.clone()), false), Gate::Untrusted(w) if w == "unknown issuer")
        );
        assert_eq!(gate(&opened(rep), true), Gate::Open);
        let r = gated(CheckId::Reachable, &Gate::Untrusted("expired".into())).unwrap();
        assert_eq!(r.status, Status::Skip);
        assert!(r.hint.unwrap().contains("--insecure"));
        let r = gated(CheckId::Reachable, &Gate::NoConnection("refused".into())).unwrap();
        assert_eq!(r.status, Status::Fail);
    }

    #[test]
    fn reachable_verdicts() {
        assert_eq!(check_reachable(&ok(200), T).status, Status::Pass);
        assert_eq!(check_reachable(&ok(204), T).status, Status::Pass);
        for (s, want) in [
            (401, "rejected with 401"),
            (500, "answered 500"),
            (404, "no webhook handler"),
        ] {
            let r = check_reachable(&ok(s), T);
            assert_eq!(r.status, Status::Fail);
            assert!(r.message.contains(want), "{}", r.message);
            every_warn_and_fail_has_a_hint(&r);
        }
        let r = check_reachable(&ok(301), T);
        assert!(r.message.contains("https://example.com/new"));
        let r = check_reachable(&timeout(), T);
        assert!(r.message.contains("no answer within 30 s"));
    }

    fn sample(ms: u64, status: u16) -> ProbeSample {
        ProbeSample {
            outcome: ok(status),
            timings: Timings {
                connect: Duration::from_millis(1),
                tls: None,
                ttfb: Some(Duration::from_millis(ms.saturating_sub(1))),
                total: Duration::from_millis(ms),
            },
        }
    }

    #[test]
    fn latency_verdicts() {
        let lim = LatencyLimits {
            timeout: T,
            budget: None,
        };
        let fast: Vec<_> = (1..=10).map(|i| sample(i * 10, 200)).collect();
        let r = check_latency(&fast, lim);
        assert_eq!(r.status, Status::Pass, "{r:?}");
        assert_eq!(r.details["per_probe"].as_array().unwrap().len(), 10);
        assert_eq!(r.details["max_ms"], json!(100.0));

        let slow_median: Vec<_> = (0..10).map(|_| sample(300, 200)).collect();
        let r = check_latency(&slow_median, lim);
        assert_eq!(r.status, Status::Warn);
        assert!(
            r.message.contains("p50 300 ms is over 250 ms"),
            "{}",
            r.message
        );

        let mut tail: Vec<_> = (0..18).map(|_| sample(20, 200)).collect();
        tail.extend((0..2).map(|_| sample(1500, 200)));
        let r = check_latency(&tail, lim);
        assert_eq!(r.status, Status::Warn);
        assert!(
            r.message.contains("p95 1.50 s is over 1 s"),
            "{}",
            r.message
        );

        let budget = LatencyLimits {
            timeout: T,
            budget: Some(Duration::from_millis(50)),
        };
        let r = check_latency(&fast, budget);
        assert_eq!(r.status, Status::Warn);
        assert!(
            r.message.contains("over the budget of 50.0 ms"),
            "{}",
            r.message
        );

        let mut hung = fast.clone();
        hung[3] = ProbeSample {
            outcome: timeout(),
            timings: Timings {
                total: T,
                ..Default::default()
            },
        };
        let r = check_latency(&hung, lim);
        assert_eq!(r.status, Status::Fail);
        assert!(r
            .message
            .contains("probe 4 of 10 got no answer within 30 s"));
        every_warn_and_fail_has_a_hint(&r);
    }

    #[test]
    fn refusal_verdicts() {
        assert_eq!(check_rejects_unsigned(&ok(401), T).status, Status::Pass);
        assert_eq!(check_rejects_unsigned(&ok(403), T).status, Status::Pass);
        let r = check_rejects_unsigned(&ok(200), T);
        assert_eq!(r.status, Status::Fail);
        assert!(r.message.starts_with("endpoint accepts unsigned events"));
        assert_eq!(check_rejects_unsigned(&ok(400), T).status, Status::Warn);
        assert_eq!(check_rejects_unsigned(&ok(500), T).status, Status::Warn);
        assert_eq!(check_rejects_unsigned(&ok(302), T).status, Status::Fail);

        assert_eq!(
            check_rejects_forged(&ok(401), &ok(403), T).status,
            Status::Pass
        );
        let r = check_rejects_forged(&ok(401), &ok(200), T);
        assert_eq!(r.status, Status::Fail);
        assert!(r
            .message
            .starts_with("endpoint accepts forged events (modified body"));
        let r = check_rejects_forged(&ok(401), &ok(400), T);
        assert_eq!(r.status, Status::Warn);
        assert!(r.message.contains("modified after signing"));
        for r in [
            check_rejects_forged(&ok(200), &ok(200), T),
            check_rejects_forged(&timeout(), &ok(401), T),
            check_rejects_unsigned(&ok(400), T),
        ] {
            every_warn_and_fail_has_a_hint(&r);
        }
    }

    #[test]
    fn raw_body_verdicts() {
        assert_eq!(check_raw_body(&ok(200), None, T).status, Status::Pass);
        let r = check_raw_body(&ok(401), Some(&ok(200)), T);
        assert_eq!(r.status, Status::Fail);
        assert!(r.message.starts_with("endpoint verifies re-serialized JSON instead of the raw body; real deliveries with non-ASCII text will be rejected"));
        let r = check_raw_body(&ok(401), Some(&ok(401)), T);
        assert_eq!(r.status, Status::Fail);
        assert!(r.message.contains("so was the compact body"));
        assert_eq!(
            check_raw_body(&ok(400), Some(&ok(200)), T).status,
            Status::Fail
        );
    }

    #[test]
    fn handshake_verdicts() {
        let body = |s: &str| -> Outcome {
            Ok(Answer {
                status: 200,
                location: None,
                body: s.as_bytes().to_vec(),
                elapsed: Duration::ZERO,
            })
        };
        assert_eq!(
            check_handshake(&body("42"), "42", &ok(403), T).status,
            Status::Pass
        );
        let r = check_handshake(&body("\"42\""), "42", &ok(403), T);
        assert_eq!(r.status, Status::Fail);
        assert!(r.message.contains("`\"42\"`"));
        assert_eq!(
            check_handshake(&body("42\n"), "42", &ok(403), T).status,
            Status::Fail
        );
        assert_eq!(
            check_handshake(&ok(403), "42", &ok(403), T).status,
            Status::Fail
        );
        let r = check_handshake(&body("42"), "42", &ok(200), T);
        assert_eq!(r.status, Status::Warn);
        every_warn_and_fail_has_a_hint(&r);
    }

    #[test]
    fn duplicate_and_malformed_verdicts() {
        assert_eq!(check_duplicates(&ok(200), &ok(200), T).status, Status::Pass);
        let r = check_duplicates(&ok(200), &ok(409), T);
        assert_eq!(r.status, Status::Fail);
        assert!(r.message.contains("409"));
        assert_eq!(check_duplicates(&ok(401), &ok(401), T).status, Status::Fail);

        assert_eq!(check_malformed(&ok(400), T).status, Status::Pass);
        assert_eq!(check_malformed(&ok(500), T).status, Status::Fail);
        assert_eq!(check_malformed(&ok(200), T).status, Status::Warn);
        let r = check_malformed(&timeout(), T);
        assert_eq!(r.status, Status::Fail);
        assert!(r.message.contains("hangs"));
    }

    #[test]
    fn redirect_verdicts() {
        let seen = vec![
            ("reachable".to_string(), ok(200)),
            ("rejects-unsigned".into(), ok(401)),
        ];
        assert_eq!(check_redirect(&seen).status, Status::Pass);
        let seen = vec![("reachable".to_string(), ok(308))];
        let r = check_redirect(&seen);
        assert_eq!(r.status, Status::Fail);
        assert!(r
            .message
            .contains("reachable got 308 redirect to https://example.com/new"));
        assert!(r.message.contains("do not follow redirects"));
        assert_eq!(
            check_redirect(&[("x".into(), timeout())]).status,
            Status::Fail
        );
    }

    #[test]
    fn spaces_only_between_keys_and_values() {
        let wire = br#"{"a:b":"x\":y","c":{"d":[1,"e:"]},"f":"\\"}"#;
        assert_eq!(
            space_after_colons(wire),
            br#"{"a:b": "x\":y","c": {"d": [1,"e:"]},"f": "\\"}"#.to_vec()
        );
        let v: Value = serde_json::from_str(r#"{"text":{"body":"mangé / café @ 😮"}}"#).unwrap();
        let spaced = space_after_colons(&fixtures::serialize(&v, Layout::Compact));
        assert_eq!(
            String::from_utf8(spaced.clone()).unwrap(),
            r#"{"text": {"body": "mang\u00e9 \/ caf\u00e9 @ \ud83d\ude2e"}}"#
        );
        let back: Value = serde_json::from_slice(&spaced).unwrap();
        assert_eq!(back, v);
    }

    #[test]
    fn payloads() {
        let mut tokens = TokenSource::seeded(7, 1_700_000_000);
        let a = compact_event(&mut tokens).unwrap();
        let b = compact_event(&mut tokens).unwrap();
        assert_ne!(a, b, "each event has a fresh id");
        let v: Value = serde_json::from_slice(&a).unwrap();
        assert_eq!(serde_json::to_vec(&v).unwrap(), a, "compact is canonical");
        let e = escaped_event(&a);
        let text = String::from_utf8(e.clone()).unwrap();
        assert!(text.is_ascii());
        assert!(text.contains(r"mang\u00e9 \/ caf\u00e9"), "{text}");
        assert!(text.contains("\"object\": \"whatsapp_business_account\""));
        let ev: Value = serde_json::from_slice(&e).unwrap();
        assert_eq!(ev.pointer(TEXT_POINTER), Some(&json!(ESCAPED_TEXT)));
        assert_ne!(
            serde_json::to_vec(&ev).unwrap(),
            e,
            "re-serializing changes the bytes"
        );
        let m = modified_event(&a);
        assert_ne!(m, a);
        assert!(serde_json::from_slice::<Value>(&m).is_ok());
        assert!(serde_json::from_slice::<Value>(MALFORMED_BODY).is_err());
    }

    #[test]
    fn dates() {
        assert_eq!(date(0), "1970-01-01");
        assert_eq!(date(NOW), "2025-06-15");
        assert_eq!(date(951_782_400), "2000-02-29");
        assert_eq!(date(-86_400), "1969-12-31");
        assert_eq!(timestamp(NOW), "2025-06-15T15:06:40Z");
    }

    fn sample_report() -> Report {
        Report {
            url: "https://example.com/hook?a=1&b=<2>".into(),
            checks: vec![
                check_https(&target("http://127.0.0.1/"), true),
                check_reachable(&ok(500), T),
                CheckResult::pass(CheckId::Duplicates, "fine & dandy"),
                missing_verify_token(),
            ],
            samples: (1..=5).map(|i| sample(i * 3, 200)).collect(),
        }
    }

    #[test]
    fn json_document_shape() {
        let doc = sample_report().to_json();
        let keys: Vec<&String> = doc.as_object().unwrap().keys().collect();
        assert_eq!(keys, ["url", "checks", "latency_ms", "summary"]);
        assert_eq!(
            doc["summary"],
            json!({"pass": 1, "warn": 1, "fail": 1, "skip": 1})
        );
        assert_eq!(doc["latency_ms"]["max"], json!(15.0));
        let c = &doc["checks"][0];
        let keys: Vec<&String> = c.as_object().unwrap().keys().collect();
        assert_eq!(keys, ["id", "status", "message", "hint", "details"]);
        assert_eq!(doc["checks"][2]["hint"], Value::Null);
        let empty = Report {
            url: "x".into(),
            checks: vec![],
            samples: vec![],
        };
        assert_eq!(empty.to_json()["latency_ms"]["p50"], Value::Null);
    }

    #[test]
    fn exit_codes() {
        let r = sample_report();
        assert_eq!(r.exit_code(false), 1);
        let only_warn = Report {
            checks: vec![r.checks[0].clone(), r.checks[2].clone()],
            ..r.clone()
        };
        assert_eq!(only_warn.exit_code(false), 0);
        assert_eq!(only_warn.exit_code(true), 1);
    }

    #[test]
    fn junit_escapes_and_counts() {
        let x = sample_report().to_junit(false);
        assert!(x.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites"));
        assert!(x.contains("tests=\"4\" failures=\"1\" errors=\"0\" skipped=\"1\""));
        assert!(x.contains("a=1&amp;b=&lt;2&gt;"));
        assert!(x.contains("fine &amp; dandy"));
        assert_eq!(x.matches("<testcase ").count(), 4);
        assert_eq!(x.matches("<failure ").count(), 1);
        assert_eq!(x.matches("<skipped ").count(), 1);
        let strict = sample_report().to_junit(true);
        assert_eq!(strict.matches("<failure ").count(), 2);
        assert!(strict.contains("<failure type=\"warn\""));
        assert_eq!(xml_attr("a\"b'\n\u{1}"), "a&quot;b&apos;&#10;\u{fffd}");
        assert_eq!(xml_text("<x>&\u{b}"), "&lt;x&gt;&amp;\u{fffd}");
    }

    #[test]
    fn histogram_labels_tell_bins_apart() {
        let bin = |start_us: u64, count| Bin {
            start: Duration::from_micros(start_us),
            end: Duration::from_micros(start_us),
            count,
        };
        colored::control::set_override(false);
        let h = histogram(&[bin(500, 4), bin(504, 0), bin(508, 1)]);
        assert_eq!(
            h,
            "  0.500 ms [4] |■■■■■■■■■■■■■■■■■■■■■■■■■■■■■■■■\n  0.504 ms [0] |\n  0.508 ms [1] |■■■■■■■■\n"
        );
        let h = histogram(&[bin(10_000, 1), bin(35_000, 2)]);
        assert!(h.starts_with("  10 ms [1] |"), "{h}");
        assert!(histogram(&[bin(1_000, 1)]).starts_with("  1 ms [1]"));
    }

    #[test]
    fn human_report() {
        colored::control::set_override(false);
        let h = sample_report().to_human(false);
        assert!(h.contains("  https             WARN    plain HTTP"), "{h}");
        assert!(
            h.contains("  reachable         FAIL    answered 500"),
            "{h}"
        );
        assert!(h.contains("Latency over 5 probes: min 3.0 ms"), "{h}");
        assert!(h.contains("Response time histogram:"));
        assert!(h.contains("] |■"), "{h}");
        assert!(h.contains("To fix"));
        assert!(h.contains("hint: serve the endpoint over HTTPS"));
        assert!(h.ends_with("1 pass, 1 warn, 1 fail, 1 skip\n"), "{h}");
    }
}
