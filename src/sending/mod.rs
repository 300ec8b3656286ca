//! Many deliveries: a plan (sources × `--count`, each followed by `--duplicate` copies), worker
//! threads sharing one client, a steady pace, retries, and a running summary in constant
//! memory. Each finished delivery is handed to the caller as a [`DeliveryRecord`] on the caller's
//! thread (so output is never interleaved) and then forgotten.
//! Imports webhook, capture, http and the primitives; never cli, commands or another engine.
//!
//! Knows nothing of the CLI; what `send` prints is in [`report`].

pub mod pace;
pub mod payload;
pub mod report;

use std::collections::BTreeMap;
use std::fmt;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::error::{Error, Result};
use crate::http::delivery::{Client, Outcome, Request, RetryPolicy};
use crate::sending::pace::Pacer;
use crate::sending::payload::{Signer, Source};
use crate::stats::{ms, Histogram};
use crate::webhook::fixtures::{SetOp, TokenSource};

/// `--expect`: what a delivery's final status must be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expectation {
    /// A status class: 2 for 2xx, 4 for 4xx, ...
    Class(u16),
    /// One exact status code.
    Code(u16),
}

impl Expectation {
    pub fn parse(spec: &str) -> Result<Expectation> {
        let s = spec.trim().to_ascii_lowercase();
        let bad = || {
            Error::usage(format!("--expect {spec:?} is not a status class or code"))
                .with_hint("use 2xx, 4xx, 5xx (any class 1xx..5xx) or an exact code such as 401")
        };
        if let Some(d) = s.strip_suffix("xx") {
            return match d.parse::<u16>() {
                Ok(c) if (1..=5).contains(&c) && d.len() == 1 => Ok(Expectation::Class(c)),
                _ => Err(bad()),
            };
        }
        match s.parse::<u16>() {
            Ok(c) if (100..=599).contains(&c) && s.len() == 3 => Ok(Expectation::Code(c)),
            _ => Err(bad()),
        }
    }

    /// `--expect`'s default: 2xx, or 4xx for deliberately invalid deliveries (`--tamper`),
    /// which a correct endpoint rejects.
    pub fn default_for(tampered: bool) -> Expectation {
        Expectation::Class(if tampered { 4 } else { 2 })
    }

    pub fn is_met(self, status: u16) -> bool {
        match self {
            Expectation::Class(c) => status / 100 == c,
            Expectation::Code(c) => status == c,
        }
    }
}

impl fmt::Display for Expectation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Expectation::Class(c) => write!(f, "{c}xx"),
            Expectation::Code(c) => write!(f, "{c}"),
        }
    }
}

/// Why a delivery got no HTTP answer (or got a redirect).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeliveryError {
    /// `dns`, `connect`, `tls`, `timeout`, `other`, `render`, or `redirect`.
    pub kind: &'static str,
    pub message: String,
}

/// One finished delivery.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeliveryRecord {
    /// 1-based delivery number, fixed by the plan (not by completion order).
    pub n: u64,
    /// Index of the source in the plan.
    pub source: usize,
    /// For a `--duplicate` copy, the number of the delivery it repeats.
    pub duplicate_of: Option<u64>,
    pub attempts: u32,
    pub status: Option<u16>,
    /// `Location` of a 3xx answer (not followed).
    pub location: Option<String>,
    pub error: Option<DeliveryError>,
    /// The last attempt's latency.
    pub latency: Duration,
    /// The final status meets `--expect`.
    pub ok: bool,
}

/// What to send: every source once per round, each delivery followed by `duplicates` copies.
#[derive(Debug, Clone, Copy)]
pub struct Plan<'a> {
    pub sources: &'a [Source],
    pub rounds: u64,
    pub duplicates: u32,
}

impl Plan<'_> {
    /// Distinct events (render + sign once each).
    pub fn events(&self) -> u64 {
        (self.sources.len() as u64).saturating_mul(self.rounds)
    }
    /// Deliveries in all, duplicates included.
    pub fn deliveries(&self) -> u64 {
        self.events().saturating_mul(1 + u64::from(self.duplicates))
    }
    /// Event number `k` (0-based): its source index and the number of its first delivery.
    pub fn event(&self, k: u64) -> (usize, u64) {
        let src = (k % self.sources.len() as u64) as usize;
        (src, k * (1 + u64::from(self.duplicates)) + 1)
    }
}

/// How every event is turned into a request.
pub struct Shape<'a> {
    pub url: &'a str,
    pub sets: &'a [SetOp],
    pub headers: &'a [(String, String)],
    pub signer: &'a Signer,
}

impl Shape<'_> {
    /// Render, sign (or forge) and wrap one event's body.
    pub fn request(
        &self,
        source: &Source,
        tokens: &mut TokenSource,
        rng: &mut fastrand::Rng,
    ) -> Result<Request> {
        let body = source.body(tokens, self.sets)?.into_owned();
        let (body, sig) =
            self.signer
                .prepare(body, source.captured_signature(), source.is_captured(), rng);
        Ok(payload::build_request(self.url, body, sig, self.headers))
    }
}

/// How deliveries are made.
pub struct DeliverySettings<'a> {
    pub retry: RetryPolicy,
    pub concurrency: usize,
    pub pacer: Option<&'a Pacer>,
    pub expect: Expectation,
    /// Set (e.g. by Ctrl-C) to stop starting new deliveries.
    pub stop: &'a AtomicBool,
}

/// Running totals over any number of deliveries, in constant memory.
#[derive(Debug, Clone)]
pub struct DeliveryTotals {
    pub deliveries: u64,
    pub ok: u64,
    /// Final statuses by class: index 1..=5 for 1xx..5xx (0 for anything else).
    pub by_class: [u64; 6],
    /// Deliveries with no HTTP answer, by error kind.
    pub errors: BTreeMap<&'static str, u64>,
    /// Extra attempts made (attempts beyond the first, over all deliveries).
    pub retries: u64,
    pub duplicates: u64,
    pub latency: Histogram,
    pub elapsed: Duration,
    /// The lowest-numbered delivery that did not meet the expectation, described.
    pub first_failure: Option<String>,
    pub first_failure_n: Option<u64>,
    /// Its kind: an error kind (`timeout`, `redirect`, ...) or `status` for an unexpected status.
    pub first_failure_kind: Option<&'static str>,
    pub expect: Expectation,
}

impl DeliveryTotals {
    pub fn new(expect: Expectation) -> DeliveryTotals {
        DeliveryTotals {
            deliveries: 0,
            ok: 0,
            by_class: [0; 6],
            errors: BTreeMap::new(),
            retries: 0,
            duplicates: 0,
            latency: Histogram::new(),
            elapsed: Duration::ZERO,
            first_failure: None,
            first_failure_n: None,
            first_failure_kind: None,
            expect,
        }
    }

    pub fn add(&mut self, r: &DeliveryRecord, source_name: &str) {
        self.deliveries += 1;
        self.retries += u64::from(r.attempts.saturating_sub(1));
        if r.duplicate_of.is_some() {
            self.duplicates += 1;
        }
        match r.status {
            Some(s) => {
                let class = (s / 100) as usize;
                self.by_class[if class <= 5 { class } else { 0 }] += 1;
            }
            None => {
                let kind = r.error.as_ref().map_or("other", |e| e.kind);
                *self.errors.entry(kind).or_default() += 1;
            }
        }
        if r.error.as_ref().is_none_or(|e| e.kind != "render") {
            self.latency.record(r.latency);
        }
        if r.ok {
            self.ok += 1;
        } else if self.first_failure_n.is_none_or(|n| r.n < n) {
            self.first_failure = Some(format!(
                "#{} {source_name}: {}",
                r.n,
                describe(r, self.expect)
            ));
            self.first_failure_n = Some(r.n);
            self.first_failure_kind = Some(r.error.as_ref().map_or("status", |e| e.kind));
        }
    }

    /// Add another worker's totals.
    pub fn merge(&mut self, o: &DeliveryTotals) {
        self.deliveries += o.deliveries;
        self.ok += o.ok;
        for (a, b) in self.by_class.iter_mut().zip(o.by_class) {
            *a += b;
        }
        for (k, v) in &o.errors {
            *self.errors.entry(k).or_default() += v;
        }
        self.retries += o.retries;
        self.duplicates += o.duplicates;
        self.latency.merge(&o.latency);
        self.elapsed = self.elapsed.max(o.elapsed);
        if let Some(n) = o.first_failure_n {
            if self.first_failure_n.is_none_or(|m| n < m) {
                self.first_failure_n = Some(n);
                self.first_failure.clone_from(&o.first_failure);
                self.first_failure_kind = o.first_failure_kind;
            }
        }
    }

    pub fn failed(&self) -> u64 {
        self.deliveries - self.ok
    }

    /// Deliveries per second over the wall-clock time of the run.
    pub fn throughput(&self) -> f64 {
        let secs = self.elapsed.as_secs_f64();
        if secs > 0.0 {
            self.deliveries as f64 / secs
        } else {
            0.0
        }
    }
}

/// The NDJSON object for one delivery, with exactly the documented keys.
pub fn record_json(r: &DeliveryRecord, source: &str) -> serde_json::Value {
    serde_json::json!({
        "n": r.n,
        "source": source,
        "attempts": r.attempts,
        "status": r.status,
        "latency_ms": ms(r.latency),
        "ok": r.ok,
        "error": r.error.as_ref().map(|e| e.message.as_str()),
    })
}

/// The final NDJSON object: `{"summary":{...}}`.
pub fn summary_json(s: &DeliveryTotals, interrupted: bool) -> serde_json::Value {
    let lat = s.latency.summary();
    let errors: serde_json::Map<String, serde_json::Value> = s
        .errors
        .iter()
        .map(|(k, v)| ((*k).to_string(), (*v).into()))
        .collect();
    serde_json::json!({ "summary": {
        "deliveries": s.deliveries,
        "ok": s.ok,
        "failed": s.failed(),
        "expect": s.expect.to_string(),
        "status": {
            "1xx": s.by_class[1], "2xx": s.by_class[2], "3xx": s.by_class[3],
            "4xx": s.by_class[4], "5xx": s.by_class[5],
        },
        "errors": errors,
        "retries": s.retries,
        "duplicates": s.duplicates,
        "elapsed_ms": ms(s.elapsed),
        "throughput_per_s": (s.throughput() * 10.0).round() / 10.0,
        "latency_ms": {
            "min": ms(lat.min), "p50": ms(lat.p50), "p95": ms(lat.p95),
            "p99": ms(lat.p99), "max": ms(lat.max), "mean": ms(lat.mean),
        },
        "interrupted": interrupted,
    }})
}

/// One phrase for a delivery's outcome, e.g. `500 Internal Server Error (expected 2xx)`.
pub fn describe(r: &DeliveryRecord, expect: Expectation) -> String {
    match (&r.error, r.status) {
        (Some(e), _) => e.message.clone(),
        (None, Some(s)) if r.ok => status_text(s),
        (None, Some(s)) => format!("{} (expected {expect})", status_text(s)),
        (None, None) => "no answer".to_string(),
    }
}

/// `200 OK`, `418 I'm a teapot`, or just the code when it has no standard reason.
pub fn status_text(status: u16) -> String {
    match reqwest::StatusCode::from_u16(status)
        .ok()
        .and_then(|s| s.canonical_reason())
    {
        Some(reason) => format!("{status} {reason}"),
        None => status.to_string(),
    }
}

/// Turn an attempt outcome into a record.
pub fn record_of(
    n: u64,
    source: usize,
    duplicate_of: Option<u64>,
    out: Outcome,
    expect: Expectation,
) -> DeliveryRecord {
    let latency = out.latency();
    match out.result {
        Ok(resp) => {
            let redirect = (300..400).contains(&resp.status);
            let error = redirect.then(|| DeliveryError {
                kind: "redirect",
                message: format!(
                    "{} redirects to {} (not followed: a 3xx is a failed delivery)",
                    status_text(resp.status),
                    resp.location
                        .as_deref()
                        .unwrap_or("nowhere (no Location header)")
                ),
            });
            DeliveryRecord {
                n,
                source,
                duplicate_of,
                attempts: out.attempts,
                status: Some(resp.status),
                location: resp.location,
                ok: expect.is_met(resp.status),
                error,
                latency,
            }
        }
        Err(f) => DeliveryRecord {
            n,
            source,
            duplicate_of,
            attempts: out.attempts,
            status: None,
            location: None,
            error: Some(DeliveryError {
                kind: f.kind.as_str(),
                message: f.message,
            }),
            latency,
            ok: false,
        },
    }
}

fn render_failure(n: u64, source: usize, duplicate_of: Option<u64>, err: &Error) -> DeliveryRecord {
    DeliveryRecord {
        n,
        source,
        duplicate_of,
        attempts: 0,
        status: None,
        location: None,
        error: Some(DeliveryError {
            kind: "render",
            message: format!("cannot build the payload: {}", err.message),
        }),
        latency: Duration::ZERO,
        ok: false,
    }
}

/// Run the plan on `settings.concurrency` worker threads, each with its own connection.
/// `on_record` is called on the worker's thread for every finished delivery, in completion
/// order (serialize output inside it); an error from it (e.g. a closed stdout) stops the run
/// and is returned. Totals are kept per worker and merged at the end.
pub fn run(
    plan: Plan<'_>,
    shape: &Shape<'_>,
    settings: &DeliverySettings<'_>,
    client: &Client,
    on_record: &(dyn Fn(&DeliveryRecord) -> Result<()> + Sync),
) -> Result<DeliveryTotals> {
    let mut summary = DeliveryTotals::new(settings.expect);
    let events = plan.events();
    if events == 0 {
        return Ok(summary);
    }
    let next = AtomicU64::new(0);
    let stop = settings.stop;
    let failure: Mutex<Option<Error>> = Mutex::new(None);
    let workers = settings.concurrency.clamp(1, 1024).min(events as usize);
    let start = Instant::now();
    let locals: Vec<DeliveryTotals> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..workers)
            .map(|_| {
                let (next, failure) = (&next, &failure);
                scope.spawn(move || {
                    let mut local = DeliveryTotals::new(settings.expect);
                    let mut tokens = TokenSource::new();
                    let mut rng = fastrand::Rng::new();
                    let mut session = client.session();
                    let stopped = || stop.load(Ordering::Relaxed);
                    let emit = |rec: DeliveryRecord, local: &mut DeliveryTotals| -> bool {
                        local.add(&rec, plan.sources[rec.source].name());
                        if let Err(e) = on_record(&rec) {
                            stop.store(true, Ordering::Relaxed);
                            let mut slot = failure.lock().unwrap_or_else(|p| p.into_inner());
                            slot.get_or_insert(e);
                            return false;
                        }
                        true
                    };
                    'events: while !stopped() {
                        let k = next.fetch_add(1, Ordering::Relaxed);
                        if k >= events {
                            break;
                        }
                        let (src, first) = plan.event(k);
                        let req = match shape.request(&plan.sources[src], &mut tokens, &mut rng) {
                            Ok(r) => r,
                            Err(e) => {
                                for d in 0..=u64::from(plan.duplicates) {
                                    let dup = (d > 0).then_some(first);
                                    if !emit(render_failure(first + d, src, dup, &e), &mut local) {
                                        break 'events;
                                    }
                                }
                                continue;
                            }
                        };
                        for d in 0..=u64::from(plan.duplicates) {
                            if d > 0 && stopped() {
                                break;
                            }
                            if let Some(p) = settings.pacer {
                                p.wait();
                            }
                            let out = session.deliver(&req, &settings.retry, &mut rng, &stopped);
                            let dup = (d > 0).then_some(first);
                            let rec = record_of(first + d, src, dup, out, settings.expect);
                            if !emit(rec, &mut local) {
                                break 'events;
                            }
                        }
                    }
                    local
                })
            })
            .collect();
        handles.into_iter().filter_map(|h| h.join().ok()).collect()
    });
    for l in &locals {
        summary.merge(l);
    }
    summary.elapsed = start.elapsed();
    match failure.into_inner().unwrap_or_else(|p| p.into_inner()) {
        Some(e) => Err(e),
        None => Ok(summary),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::delivery::{Failure, FailureKind, Response};

    #[test]
    fn expectations_parse_and_match() {
        assert_eq!(Expectation::parse("2xx").unwrap(), Expectation::Class(2));
        assert_eq!(Expectation::parse("4XX").unwrap(), Expectation::Class(4));
        assert_eq!(Expectation::parse("401").unwrap(), Expectation::Code(401));
        for bad in ["", "2x", "6xx", "22xx", "99", "600", "abc", "+200", "0200"] {
            assert_eq!(Expectation::parse(bad).unwrap_err().exit_code(), 2, "{bad}");
        }
        assert!(Expectation::Class(2).is_met(204));
        assert!(!Expectation::Class(2).is_met(301));
        assert!(Expectation::Code(401).is_met(401));
        assert!(!Expectation::Code(401).is_met(403));
        assert_eq!(Expectation::Class(5).to_string(), "5xx");
        assert_eq!(Expectation::Code(418).to_string(), "418");
    }

    fn sources(n: usize) -> Vec<Source> {
        (0..n)
            .map(|i| Source::File {
                name: format!("f{i}"),
                body: vec![],
            })
            .collect()
    }

    #[test]
    fn plan_numbers_deliveries() {
        let s = sources(2);
        let plan = Plan {
            sources: &s,
            rounds: 3,
            duplicates: 2,
        };
        assert_eq!(plan.events(), 6);
        assert_eq!(plan.deliveries(), 18);
        assert_eq!(plan.event(0), (0, 1));
        assert_eq!(plan.event(1), (1, 4));
        assert_eq!(plan.event(2), (0, 7));
        let huge = Plan {
            sources: &s,
            rounds: u64::MAX,
            duplicates: 1,
        };
        assert_eq!(huge.deliveries(), u64::MAX);
    }

    fn outcome(status: Option<u16>, attempts: u32) -> Outcome {
        Outcome {
            attempts,
            result: match status {
                Some(s) => Ok(Response {
                    status: s,
                    location: (s / 100 == 3).then(|| "https://elsewhere.example/".to_string()),
                    headers: vec![],
                    body: vec![],
                    latency: Duration::from_millis(u64::from(s) / 10),
                }),
                None => Err(Failure {
                    kind: FailureKind::Timeout,
                    message: "127.0.0.1:1 did not answer within the timeout".into(),
                    latency: Duration::from_millis(500),
                }),
            },
        }
    }

    #[test]
    fn records_and_summary() {
        let e = Expectation::Class(2);
        let mut sum = DeliveryTotals::new(e);
        let recs = [
            record_of(1, 0, None, outcome(Some(200), 1), e),
            record_of(2, 0, Some(1), outcome(Some(200), 1), e),
            record_of(3, 0, None, outcome(Some(302), 1), e),
            record_of(4, 0, None, outcome(Some(503), 3), e),
            record_of(5, 0, None, outcome(None, 2), e),
        ];
        assert!(recs[0].ok && recs[1].ok);
        let redirect = recs[2].error.as_ref().unwrap();
        assert_eq!(redirect.kind, "redirect");
        assert!(redirect.message.contains("https://elsewhere.example/"));
        assert_eq!(
            recs[2].location.as_deref(),
            Some("https://elsewhere.example/")
        );
        assert_eq!(recs[4].error.as_ref().unwrap().kind, "timeout");
        let mut other = DeliveryTotals::new(e);
        for (i, r) in recs.iter().enumerate() {
            if i % 2 == 0 {
                sum.add(r, "f0");
            } else {
                other.add(r, "f0");
            }
        }
        assert_eq!(other.first_failure_n, Some(4));
        sum.merge(&other);
        assert_eq!(sum.deliveries, 5);
        assert_eq!(sum.ok, 2);
        assert_eq!(sum.failed(), 3);
        assert_eq!(sum.by_class[2], 2);
        assert_eq!(sum.by_class[3], 1);
        assert_eq!(sum.by_class[5], 1);
        assert_eq!(sum.errors.get("timeout"), Some(&1));
        assert_eq!(sum.retries, 3);
        assert_eq!(sum.duplicates, 1);
        assert_eq!(sum.latency.count(), 5);
        assert!(sum
            .first_failure
            .as_deref()
            .unwrap()
            .starts_with("#3 f0: 302 Found"));
        assert_eq!(
            describe(&recs[3], e),
            "503 Service Unavailable (expected 2xx)"
        );
        assert_eq!(status_text(299), "299");
        assert_eq!(sum.first_failure_kind, Some("redirect"));

        let j = record_json(&recs[4], "f0");
        let keys: Vec<&str> = j.as_object().unwrap().keys().map(String::as_str).collect();
        assert_eq!(
            keys,
            [
                "n",
                "source",
                "attempts",
                "status",
                "latency_ms",
                "ok",
                "error"
            ]
        );
        assert_eq!(j["status"], serde_json::Value::Null);
        assert_eq!(j["latency_ms"], 500.0);
        assert_eq!(j["attempts"], 2);
        assert_eq!(
            record_json(&recs[0], "f0")["error"],
            serde_json::Value::Null
        );
        let sj = summary_json(&sum, false);
        assert_eq!(sj["summary"]["deliveries"], 5);
        assert_eq!(sj["summary"]["status"]["5xx"], 1);
        assert_eq!(sj["summary"]["errors"]["timeout"], 1);
        assert_eq!(sj["summary"]["expect"], "2xx");
    }

    #[test]
    fn expect_4xx_turns_rejections_into_successes() {
        let e = Expectation::Class(4);
        assert!(record_of(1, 0, None, outcome(Some(401), 1), e).ok);
        assert!(!record_of(1, 0, None, outcome(Some(200), 1), e).ok);
        assert!(!record_of(1, 0, None, outcome(None, 1), e).ok);
    }
}
