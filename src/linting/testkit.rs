//! Shared by the unit tests of the lint engine: canned answers, samples and targets.

use std::time::Duration;

use super::checks::{CheckResult, CheckStatus};
use super::observed::{Answer, NoAnswer, ProbeOutcome, ProbeSample};
use crate::http::delivery::FailureKind;
use crate::http::probe::{Endpoint, Timings};

pub const T: Duration = Duration::from_secs(30);

pub fn ok(status: u16) -> ProbeOutcome {
    Ok(Answer {
        status,
        location: (300..400)
            .contains(&status)
            .then(|| "https://example.com/new".to_string()),
        body: Vec::new(),
        elapsed: Duration::from_millis(5),
    })
}

pub fn timeout() -> ProbeOutcome {
    Err(NoAnswer {
        kind: FailureKind::Timeout,
        message: "127.0.0.1:1 did not answer within the timeout".into(),
        elapsed: T,
    })
}

pub fn target(url: &str) -> Endpoint {
    Endpoint::parse(url).unwrap()
}

pub fn every_warn_and_fail_has_a_hint(r: &CheckResult) {
    if matches!(r.status, CheckStatus::Warn | CheckStatus::Fail) {
        assert!(r.hint.as_deref().is_some_and(|h| !h.is_empty()), "{r:?}");
    }
    assert!(!r.message.is_empty() && !r.message.contains('\n'), "{r:?}");
}

pub fn sample(ms: u64, status: u16) -> ProbeSample {
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
