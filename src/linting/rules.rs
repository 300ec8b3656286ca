//! The rules: pure functions from what the endpoint did ([`super::observed`]) to each
//! network check's verdict. Nothing here touches the network; `run` sends the probes.

use std::time::Duration;

use serde_json::{json, Value};

use super::checks::{CheckId, CheckResult, CheckStatus};
use super::observed::{
    describe, fmt_ms, is_2xx, is_3xx, is_auth_reject, latency_summary, outcome_json, round_ms,
    snippet, Answer, NoAnswer, ProbeOutcome, ProbeSample,
};
use crate::http::delivery::{self, FailureKind};
use crate::http::probe::Endpoint;
use crate::stats::LatencySummary;

/// Meta's published guidance for the median answer time.
pub const P50_GUIDANCE: Duration = Duration::from_millis(250);
/// Meta's published guidance: fewer than 1% over a second (we check p95).
pub const P95_GUIDANCE: Duration = Duration::from_secs(1);

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

/// The hint for a probe that could not connect (also the gate's, in `preflight`).
pub(super) const CONNECT_HINT: &str =
    "check that the endpoint is running and reachable from this machine (host, port, firewall)";

fn fmt_secs(d: Duration) -> String {
    let s = d.as_secs_f64();
    if s.fract() == 0.0 {
        format!("{s:.0} s")
    } else {
        format!("{s} s")
    }
}

/// `https`: CMzon only delivers to HTTPS.
pub fn check_https(target: &Endpoint, allow_http: bool) -> CheckResult {
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

/// `reachable`: a correctly signed event gets a 2xx.
pub fn check_reachable(o: &ProbeOutcome, timeout: Duration) -> CheckResult {
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
fn rate_refusal(id: CheckId, label: &str, o: &ProbeOutcome, timeout: Duration) -> CheckResult {
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
pub fn check_rejects_unsigned(o: &ProbeOutcome, timeout: Duration) -> CheckResult {
    let id = CheckId::RejectsUnsigned;
    let r = rate_refusal(id, "an unsigned event", o, timeout);
    let r = if r.status == CheckStatus::Fail && matches!(o, Ok(a) if is_2xx(a.status)) {
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
    wrong_secret: &ProbeOutcome,
    modified_body: &ProbeOutcome,
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
        let rank = |s: CheckStatus| match s {
            CheckStatus::Fail => 2,
            CheckStatus::Warn => 1,
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

/// A correctly signed event was refused (`rejected`), but the same kind of event written as
/// Python's `json.dumps` writes it (`python`) was accepted: the secret is right, and the
/// endpoint verifies a re-serialized body instead of the raw bytes.
pub fn check_reserialized(
    id: CheckId,
    rejected: &ProbeOutcome,
    python: &ProbeOutcome,
) -> Option<CheckResult> {
    let (Ok(r), Ok(p)) = (rejected, python) else {
        return None;
    };
    if !is_auth_reject(r.status) || !is_2xx(p.status) {
        return None;
    }
    let what = match id {
        CheckId::RawBody => "a correctly signed body with escaped unicode, \\/ and spaces",
        _ => "a correctly signed compact event",
    };
    Some(
        CheckResult::fail(
            id,
            format!(
                "the endpoint verifies a re-serialized body, not the raw bytes: {what} got {}, but the same event re-serialized as Python's json.dumps writes it (\", \" and \": \" separators, \\uXXXX escapes) got {}; the secret is right, and real deliveries will be rejected",
                r.status, p.status
            ),
            RESERIALIZED_HINT,
        )
        .detail("reserialized_response", outcome_json(python)),
    )
}

const RESERIALIZED_HINT: &str = "compute the HMAC over the exact raw request bytes before parsing the JSON (Flask: request.get_data(); Django: request.body; FastAPI: await request.body()), never over json.dumps(json.loads(body))";

const RAW_BODY_HINT: &str = "compute the HMAC over the exact raw request bytes before parsing the JSON (Express: express.raw({type: 'application/json'}) or the verify callback of express.json), never over JSON.stringify(req.body)";

/// `raw-body`: a correctly signed, non-canonical body (escapes, spaces) gets a 2xx.
/// `compact` is how the compact body fared, when known.
pub fn check_raw_body(
    escaped: &ProbeOutcome,
    compact: Option<&ProbeOutcome>,
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
    good: &ProbeOutcome,
    challenge: &str,
    wrong_token: &ProbeOutcome,
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
pub fn check_duplicates(
    first: &ProbeOutcome,
    second: &ProbeOutcome,
    timeout: Duration,
) -> CheckResult {
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
pub fn check_malformed(o: &ProbeOutcome, timeout: Duration) -> CheckResult {
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

/// What an endpoint must not assume since WhatsApp withholds username users' phone numbers.
const USERNAME_ONLY_HINT: &str = "identify the sender by `contacts[].user_id` (the business-scoped user id); read `wa_id` and `from` only when present: since June 2026 WhatsApp withholds the phone number of users who adopted a username";

/// `username-only`: a correctly signed message from a sender with a username and no phone
/// number (no `contacts[].wa_id`, no phone in `from`) gets a 2xx.
pub fn check_username_only(o: &ProbeOutcome, timeout: Duration) -> CheckResult {
    let id = CheckId::UsernameOnly;
    const WHAT: &str =
        "a signed message from a username-only sender (no `wa_id`, no phone number in `from`)";
    let r = match o {
        Err(n) if n.kind == FailureKind::Timeout => CheckResult::fail(
            id,
            format!(
                "{WHAT} got no answer within {}: the endpoint hangs on the June 2026 change, messages without a phone number",
                fmt_secs(timeout)
            ),
            USERNAME_ONLY_HINT,
        ),
        Err(n) => no_answer_result(id, n, timeout),
        Ok(a) if is_2xx(a.status) => CheckResult::pass(id, format!("{WHAT} got {}", a.status)),
        Ok(a) if is_3xx(a.status) => redirect_result(id, a),
        Ok(a) if a.status >= 500 => CheckResult::fail(
            id,
            format!(
                "{WHAT} got {}: the endpoint fails on the June 2026 change, messages without a phone number",
                a.status
            ),
            USERNAME_ONLY_HINT,
        ),
        Ok(a) => CheckResult::fail(
            id,
            format!(
                "{WHAT} got {}: since June 2026 such messages are normal and must be acknowledged with 2xx",
                a.status
            ),
            USERNAME_ONLY_HINT,
        ),
    };
    r.detail("response", outcome_json(o))
}

/// `redirect`: no probe got a 3xx. `seen` is every answer, labelled by the probe that got it.
pub fn check_redirect(seen: &[(String, ProbeOutcome)]) -> CheckResult {
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

/// The result of a check that needs what was not given.
/// What to do when the secret is missing.
pub fn secret_hint() -> String {
    format!(
        "pass --secret-file PATH or set {} (the secret from the CMzon dashboard) to run it",
        crate::webhook::secret::ENV_PRIMARY
    )
}

/// A check that signs its probes, without the secret: not run, reported as a warning so a CI
/// job with a missing secret does not pass silently (`--strict` fails).
pub fn missing_secret(id: CheckId) -> CheckResult {
    CheckResult::warn(
        id,
        "not run: needs the webhook secret to sign its probes",
        secret_hint(),
    )
    .detail(super::checks::NOT_RUN, "no webhook secret")
}

/// `rejects-forged` without the secret: an event signed with a wrong secret must be rejected
/// whatever the real secret is; the modified-body probe needs the secret and does not run.
pub fn check_rejects_forged_without_secret(
    wrong_secret: &ProbeOutcome,
    timeout: Duration,
) -> CheckResult {
    let id = CheckId::RejectsForged;
    let r = match wrong_secret {
        Ok(a) if is_2xx(a.status) => CheckResult::fail(
            id,
            format!(
                "endpoint accepts forged events (wrong secret got {})",
                describe(wrong_secret)
            ),
            VERIFY_HINT,
        ),
        _ => {
            let r = rate_refusal(
                id,
                "an event signed with a wrong secret",
                wrong_secret,
                timeout,
            );
            if r.status == CheckStatus::Pass {
                CheckResult::warn(
                    id,
                    format!(
                        "{}; the modified-body probe did not run (it needs the webhook secret)",
                        r.message
                    ),
                    secret_hint(),
                )
            } else {
                r
            }
        }
    };
    r.detail("wrong_secret", outcome_json(wrong_secret))
        .detail("modified_body", Value::Null)
        .detail("partial", "modified-body probe not run: no webhook secret")
}

pub fn missing_verify_token() -> CheckResult {
    CheckResult::skip(
        CheckId::Handshake,
        "needs --verify-token to test the verification handshake",
        "pass --verify-token TOKEN (the verify token you enter in the CMzon dashboard)",
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::probe::Timings;
    use crate::linting::testkit::*;

    #[test]
    fn https_verdicts() {
        let r = check_https(&target("https://example.com/"), false);
        assert_eq!(r.status, CheckStatus::Pass);
        let r = check_https(&target("http://127.0.0.1:8080/"), true);
        assert_eq!(r.status, CheckStatus::Warn);
        every_warn_and_fail_has_a_hint(&r);
        let r = check_https(&target("http://127.0.0.1:8080/"), false);
        assert_eq!(r.status, CheckStatus::Fail);
        assert_eq!(r.message, "CMzon will not send webhooks to HTTP endpoints");
        let r = check_https(&target("http://example.com/"), true);
        assert_eq!(r.status, CheckStatus::Fail);
        assert!(r.hint.unwrap().contains("loopback"));
    }

    #[test]
    fn reachable_verdicts() {
        assert_eq!(check_reachable(&ok(200), T).status, CheckStatus::Pass);
        assert_eq!(check_reachable(&ok(204), T).status, CheckStatus::Pass);
        for (s, want) in [
            (401, "rejected with 401"),
            (500, "answered 500"),
            (404, "no webhook handler"),
        ] {
            let r = check_reachable(&ok(s), T);
            assert_eq!(r.status, CheckStatus::Fail);
            assert!(r.message.contains(want), "{}", r.message);
            every_warn_and_fail_has_a_hint(&r);
        }
        let r = check_reachable(&ok(301), T);
        assert!(r.message.contains("https://example.com/new"));
        let r = check_reachable(&timeout(), T);
        assert!(r.message.contains("no answer within 30 s"));
    }

    #[test]
    fn latency_verdicts() {
        let lim = LatencyLimits {
            timeout: T,
            budget: None,
        };
        let fast: Vec<_> = (1..=10).map(|i| sample(i * 10, 200)).collect();
        let r = check_latency(&fast, lim);
        assert_eq!(r.status, CheckStatus::Pass, "{r:?}");
        assert_eq!(r.details["per_probe"].as_array().unwrap().len(), 10);
        assert_eq!(r.details["max_ms"], json!(100.0));

        let slow_median: Vec<_> = (0..10).map(|_| sample(300, 200)).collect();
        let r = check_latency(&slow_median, lim);
        assert_eq!(r.status, CheckStatus::Warn);
        assert!(
            r.message.contains("p50 300 ms is over 250 ms"),
            "{}",
            r.message
        );

        let mut tail: Vec<_> = (0..18).map(|_| sample(20, 200)).collect();
        tail.extend((0..2).map(|_| sample(1500, 200)));
        let r = check_latency(&tail, lim);
        assert_eq!(r.status, CheckStatus::Warn);
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
        assert_eq!(r.status, CheckStatus::Warn);
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
        assert_eq!(r.status, CheckStatus::Fail);
        assert!(r
            .message
            .contains("probe 4 of 10 got no answer within 30 s"));
        every_warn_and_fail_has_a_hint(&r);
    }

    #[test]
    fn refusal_verdicts() {
        assert_eq!(
            check_rejects_unsigned(&ok(401), T).status,
            CheckStatus::Pass
        );
        assert_eq!(
            check_rejects_unsigned(&ok(403), T).status,
            CheckStatus::Pass
        );
        let r = check_rejects_unsigned(&ok(200), T);
        assert_eq!(r.status, CheckStatus::Fail);
        assert!(r.message.starts_with("endpoint accepts unsigned events"));
        assert_eq!(
            check_rejects_unsigned(&ok(400), T).status,
            CheckStatus::Warn
        );
        assert_eq!(
            check_rejects_unsigned(&ok(500), T).status,
            CheckStatus::Warn
        );
        assert_eq!(
            check_rejects_unsigned(&ok(302), T).status,
            CheckStatus::Fail
        );

        assert_eq!(
            check_rejects_forged(&ok(401), &ok(403), T).status,
            CheckStatus::Pass
        );
        let r = check_rejects_forged(&ok(401), &ok(200), T);
        assert_eq!(r.status, CheckStatus::Fail);
        assert!(r
            .message
            .starts_with("endpoint accepts forged events (modified body"));
        let r = check_rejects_forged(&ok(401), &ok(400), T);
        assert_eq!(r.status, CheckStatus::Warn);
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
        assert_eq!(check_raw_body(&ok(200), None, T).status, CheckStatus::Pass);
        // Both refused, a json.dumps-style event accepted: re-serialized, not the secret.
        let r = check_reserialized(CheckId::Reachable, &ok(401), &ok(200)).unwrap();
        assert_eq!(r.status, CheckStatus::Fail);
        assert!(r.message.contains("re-serialized body"), "{}", r.message);
        assert!(check_reserialized(CheckId::RawBody, &ok(401), &ok(401)).is_none());
        assert!(check_reserialized(CheckId::RawBody, &ok(500), &ok(200)).is_none());
        let r = check_raw_body(&ok(401), Some(&ok(200)), T);
        assert_eq!(r.status, CheckStatus::Fail);
        assert!(r.message.starts_with("endpoint verifies re-serialized JSON instead of the raw body; real deliveries with non-ASCII text will be rejected"));
        let r = check_raw_body(&ok(401), Some(&ok(401)), T);
        assert_eq!(r.status, CheckStatus::Fail);
        assert!(r.message.contains("so was the compact body"));
        assert_eq!(
            check_raw_body(&ok(400), Some(&ok(200)), T).status,
            CheckStatus::Fail
        );
    }

    #[test]
    fn handshake_verdicts() {
        let body = |s: &str| -> ProbeOutcome {
            Ok(Answer {
                status: 200,
                location: None,
                body: s.as_bytes().to_vec(),
                elapsed: Duration::ZERO,
            })
        };
        assert_eq!(
            check_handshake(&body("42"), "42", &ok(403), T).status,
            CheckStatus::Pass
        );
        let r = check_handshake(&body("\"42\""), "42", &ok(403), T);
        assert_eq!(r.status, CheckStatus::Fail);
        assert!(r.message.contains("`\"42\"`"));
        assert_eq!(
            check_handshake(&body("42\n"), "42", &ok(403), T).status,
            CheckStatus::Fail
        );
        assert_eq!(
            check_handshake(&ok(403), "42", &ok(403), T).status,
            CheckStatus::Fail
        );
        let r = check_handshake(&body("42"), "42", &ok(200), T);
        assert_eq!(r.status, CheckStatus::Warn);
        every_warn_and_fail_has_a_hint(&r);
    }

    #[test]
    fn username_only_verdicts() {
        assert_eq!(check_username_only(&ok(200), T).status, CheckStatus::Pass);
        for status in [500, 502] {
            let r = check_username_only(&ok(status), T);
            assert_eq!(r.status, CheckStatus::Fail);
            assert!(r.message.contains("June 2026"), "{}", r.message);
            let hint = r.hint.unwrap();
            assert!(
                hint.contains("`wa_id`") && hint.contains("`from`"),
                "{hint}"
            );
        }
        let r = check_username_only(&timeout(), T);
        assert_eq!(r.status, CheckStatus::Fail);
        assert!(r.message.contains("June 2026") && r.message.contains("no answer"));
        assert_eq!(check_username_only(&ok(400), T).status, CheckStatus::Fail);
        assert_eq!(check_username_only(&ok(401), T).status, CheckStatus::Fail);
        assert_eq!(check_username_only(&ok(301), T).status, CheckStatus::Fail);
    }

    #[test]
    fn duplicate_and_malformed_verdicts() {
        assert_eq!(
            check_duplicates(&ok(200), &ok(200), T).status,
            CheckStatus::Pass
        );
        let r = check_duplicates(&ok(200), &ok(409), T);
        assert_eq!(r.status, CheckStatus::Fail);
        assert!(r.message.contains("409"));
        assert_eq!(
            check_duplicates(&ok(401), &ok(401), T).status,
            CheckStatus::Fail
        );

        assert_eq!(check_malformed(&ok(400), T).status, CheckStatus::Pass);
        assert_eq!(check_malformed(&ok(500), T).status, CheckStatus::Fail);
        assert_eq!(check_malformed(&ok(200), T).status, CheckStatus::Warn);
        let r = check_malformed(&timeout(), T);
        assert_eq!(r.status, CheckStatus::Fail);
        assert!(r.message.contains("hangs"));
    }

    #[test]
    fn redirect_verdicts() {
        let seen = vec![
            ("reachable".to_string(), ok(200)),
            ("rejects-unsigned".into(), ok(401)),
        ];
        assert_eq!(check_redirect(&seen).status, CheckStatus::Pass);
        let seen = vec![("reachable".to_string(), ok(308))];
        let r = check_redirect(&seen);
        assert_eq!(r.status, CheckStatus::Fail);
        assert!(r
            .message
            .contains("reachable got 308 redirect to https://example.com/new"));
        assert!(r.message.contains("do not follow redirects"));
        assert_eq!(
            check_redirect(&[("x".into(), timeout())]).status,
            CheckStatus::Fail
        );
    }
}
