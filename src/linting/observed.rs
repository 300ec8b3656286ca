//! What the endpoint did: an answer (or none) to each probe and the timed latency samples,
//! taken from the HTTP layer's results, and how they read in messages, details and tables.

use std::time::Duration;

use serde_json::{json, Value};

use crate::http::delivery::{self, FailureKind};
use crate::http::probe::{ProbeFailure, Timings};
use crate::stats::{self, Bin, LatencySummary};

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

/// What one probe got: an HTTP answer, or why there was none.
pub type ProbeOutcome = std::result::Result<Answer, NoAnswer>;

/// A status-only probe's result, as `delivery` returns it.
pub fn outcome_of_delivery(
    r: std::result::Result<delivery::Response, delivery::Failure>,
) -> ProbeOutcome {
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
    pub outcome: ProbeOutcome,
    pub timings: Timings,
}

/// A timed probe's result, as `probe` returns it.
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

/// A 2xx status.
pub(super) fn is_2xx(s: u16) -> bool {
    (200..300).contains(&s)
}
/// A redirect.
pub(super) fn is_3xx(s: u16) -> bool {
    (300..400).contains(&s)
}
/// The answers to a bad signature: 401 or 403.
pub(super) fn is_auth_reject(s: u16) -> bool {
    s == 401 || s == 403
}

/// `200`, `301 → /x`, `timeout`: how an outcome reads in a message.
pub fn describe(o: &ProbeOutcome) -> String {
    match o {
        Ok(a) => match &a.location {
            Some(l) if is_3xx(a.status) => format!("{} → {l}", a.status),
            _ => a.status.to_string(),
        },
        Err(n) => n.kind.as_str().to_string(),
    }
}

/// An outcome in a check's details: status, location, time and a body snippet, or the error.
pub(super) fn outcome_json(o: &ProbeOutcome) -> Value {
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

/// Milliseconds rounded to the microsecond, for JSON.
pub(super) fn round_ms(d: Duration) -> f64 {
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
