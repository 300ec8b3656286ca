//! How the tour ended: the steps that failed, the `--json` document, and the closing notes.

use colored::Colorize;
use serde_json::{json, Value};

use super::plan::TempCapture;
use super::{CaptureCheck, Sent};
use crate::error::Result;
use crate::linting::{CheckStatus, LintReport};
use crate::sending;

/// A step that did not pass, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FailedStep {
    pub step: u8,
    pub name: &'static str,
    pub why: String,
}

impl std::fmt::Display for FailedStep {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "step {} ({}): {}", self.step, self.name, self.why)
    }
}

/// Which steps failed: 2 any delivery not answered as expected, 3 the capture check, 4 a
/// failing lint check (warnings are fine: plain HTTP on loopback is one).
pub fn failed_steps(
    sent: &[Sent],
    check: &CaptureCheck,
    report: &Result<LintReport>,
) -> Vec<FailedStep> {
    let mut out = Vec::new();
    let bad: Vec<&Sent> = sent.iter().filter(|s| !s.ok()).collect();
    if let Some(first) = bad.first() {
        let got = match (&first.error, first.status) {
            (Some(e), _) => e.clone(),
            (None, Some(code)) => sending::status_text(code),
            (None, None) => "no answer".into(),
        };
        out.push(FailedStep {
            step: 2,
            name: "sending",
            why: format!(
                "{} of {} deliveries not answered as expected; first: {} got {got} (expected {})",
                bad.len(),
                sent.len(),
                first.what(),
                first.expected()
            ),
        });
    }
    if !check.ok() {
        let why = check
            .problems
            .first()
            .cloned()
            .unwrap_or_else(|| "the forged delivery is not in the capture as invalid".into());
        out.push(FailedStep {
            step: 3,
            name: "verifying",
            why,
        });
    }
    match report {
        Ok(r) => {
            let failing: Vec<&str> = r
                .checks
                .iter()
                .filter(|c| c.status == CheckStatus::Fail)
                .map(|c| c.id.as_str())
                .collect();
            if !failing.is_empty() {
                out.push(FailedStep {
                    step: 4,
                    name: "linting",
                    why: format!("failing checks: {}", failing.join(", ")),
                });
            }
        }
        Err(e) => out.push(FailedStep {
            step: 4,
            name: "linting",
            why: e.message.clone(),
        }),
    }
    out
}

/// The `--json` document.
pub fn document(
    url: &str,
    sent: &[Sent],
    requests: Vec<Value>,
    check: &CaptureCheck,
    kept: Option<&TempCapture>,
    report: &Result<LintReport>,
    failed: &[FailedStep],
) -> Value {
    let deliveries: Vec<Value> = sent
        .iter()
        .map(|s| {
            json!({
                "n": s.n,
                "fixture": s.fixture,
                "kind": s.kind,
                "forged": s.forged,
                "status": s.status,
                "latency_ms": (crate::stats::ms(s.latency) * 1000.0).round() / 1000.0,
                "ok": s.ok(),
                "error": s.error,
            })
        })
        .collect();
    let lint = match report {
        Ok(r) => r.to_json(),
        Err(e) => json!({ "error": e.message }),
    };
    json!({
        "ok": failed.is_empty(),
        "failed_steps": failed.iter().map(|f| json!({
            "step": f.step,
            "name": f.name,
            "why": f.why,
        })).collect::<Vec<_>>(),
        "url": url,
        "deliveries": deliveries,
        "requests": requests,
        "capture": {
            "path": kept.map(|c| c.path.display().to_string()),
            "secret_file": kept.and_then(|c| c.secret_path.as_ref()).map(|p| p.display().to_string()),
            "verify_command": kept.and_then(TempCapture::verify_command),
            "requests": check.requests,
            "valid": check.valid,
            "invalid": check.invalid,
            "ok": check.ok(),
            "problems": check.problems,
        },
        "lint": lint,
    })
}

/// "What you just saw / what to run next", for stderr.
pub fn closing(passed: bool) -> String {
    let mut s = format!("\n{}\n", "What you just saw".bold());
    s.push_str("  • listen checked each delivery's X-Hub-Signature-256 (HMAC-SHA256 of the exact body bytes) and printed its events\n");
    s.push_str("  • the forged delivery got 401: an endpoint must refuse what it cannot verify, and answer fast\n");
    s.push_str("  • the capture keeps every request byte for byte, so it can be verified (and replayed) later\n");
    s.push_str("  • lint probed the endpoint the way CMzon's deliveries will; on plain HTTP the https check can only warn\n");
    if !passed {
        s.push_str("  • …but a step failed: see the error below\n");
    }
    s.push_str(&format!("\n{}\n", "What to run next".bold()));
    for (cmd, why) in [
        (
            "cmzon-hook init",
            "write cmzon-hook.toml: your URL and where the secret comes from",
        ),
        (
            "cmzon-hook listen --save capture.jsonl",
            "your own endpoint on :3000 (secret from CMZON_WEBHOOK_SECRET)",
        ),
        (
            "cmzon-hook send messages --to http://127.0.0.1:3000/webhook",
            "deliver a fixture (`cmzon-hook fixtures list` shows them all)",
        ),
        (
            "cmzon-hook verify capture.jsonl",
            "re-check a capture and explain each bad signature",
        ),
        (
            "cmzon-hook lint https://your.app/webhook",
            "check the endpoint you will register with CMzon",
        ),
    ] {
        s.push_str(&format!("  {cmd:<62} {}\n", why.dimmed()));
    }
    s
}
