//! The demo's steps, judged without a network.

use std::time::Duration;

use serde_json::Value;

use super::*;
use crate::capture::{CapturedRequest, Located};
use crate::error::Error;
use crate::linting::LintReport;
use crate::webhook::signature;

fn secret() -> Secret {
    Secret::new("demo-unit-secret")
}

fn located(n: usize, p: &Planned) -> Result<Located> {
    Ok(Located {
        source: format!("c.jsonl:{n}"),
        request: CapturedRequest {
            method: "POST".into(),
            path: PATH.into(),
            headers: vec![(signature::HEADER_SHA256.to_string(), p.signature.clone())],
            body: p.body.clone(),
            ..CapturedRequest::default()
        },
    })
}

#[test]
fn the_plan_is_every_fixture_then_one_forgery() {
    let s = secret();
    let plan = plan(fixtures::catalogue(), &s).unwrap();
    assert_eq!(plan.len(), fixtures::catalogue().len() + 1);
    for (p, f) in plan.iter().zip(fixtures::catalogue()) {
        assert_eq!((p.fixture, p.kind, p.forged), (f.name, f.kind, false));
        assert!(signature::verify_value(s.as_bytes(), &p.signature, &p.body).is_valid());
    }
    let last = plan.last().unwrap();
    assert!(last.forged);
    assert_eq!(last.fixture, FORGED_FIXTURE);
    assert!(!signature::verify_value(s.as_bytes(), &last.signature, &last.body).is_valid());
}

#[test]
fn a_faithful_capture_verifies() {
    let s = secret();
    let plan = plan(fixtures::catalogue(), &s).unwrap();
    let items = plan.iter().enumerate().map(|(i, p)| located(i + 1, p));
    let c = check_capture(items, &s, &plan);
    assert!(c.ok(), "{c:?}");
    assert_eq!(c.requests, plan.len() as u64);
    assert_eq!((c.valid, c.invalid), (plan.len() as u64 - 1, 1));
    assert!(check_line(&c).contains("capture verified"));
}

#[test]
fn missing_changed_repeated_and_foreign_requests_are_problems() {
    let s = secret();
    let plan = plan(fixtures::catalogue(), &s).unwrap();
    let mut items: Vec<Result<Located>> = plan
        .iter()
        .enumerate()
        .map(|(i, p)| located(i + 1, p))
        .collect();
    let _first = items.remove(0); // the first fixture is missing
    items.push(located(99, &plan[1])); // the second one twice
    if let Ok(l) = &mut items[2] {
        // a body changed after signing: not a body the demo sent
        l.request.body.push(b' ');
    }
    items.push(Err(Error::input("c.jsonl:100: not JSON")));
    let c = check_capture(items.into_iter(), &s, &plan);
    assert!(!c.ok());
    let all = c.problems.join("\n");
    assert!(all.contains("messages is missing"), "{all}");
    assert!(all.contains("in the capture 2 times"), "{all}");
    assert!(all.contains("did not send"), "{all}");
    assert!(all.contains("not JSON"), "{all}");
    assert!(check_line(&c).contains("not verified"));
}

#[test]
fn a_forgery_that_verifies_or_is_absent_fails_the_check() {
    let s = secret();
    let plan = plan(fixtures::catalogue(), &s).unwrap();
    let n = plan.len();
    // Verified with the wrong secret: the fixtures fail and the forgery... still fails.
    let wrong = check_capture(
        plan.iter().enumerate().map(|(i, p)| located(i + 1, p)),
        &Secret::new("other"),
        &plan,
    );
    assert!(!wrong.ok());
    assert_eq!(wrong.valid, 0);
    // Without the forgery.
    let c = check_capture(
        plan[..n - 1]
            .iter()
            .enumerate()
            .map(|(i, p)| located(i + 1, p)),
        &s,
        &plan,
    );
    assert!(!c.forged_invalid && !c.ok());
}

fn sent(forged: bool, status: Option<u16>) -> Sent {
    Sent {
        n: 1,
        fixture: "messages",
        kind: "message",
        forged,
        status,
        latency: Duration::from_micros(1500),
        error: status.is_none().then(|| "connection refused".to_string()),
    }
}

#[test]
fn deliveries_are_judged_by_what_they_are() {
    assert!(sent(false, Some(200)).ok() && sent(false, Some(204)).ok());
    assert!(!sent(false, Some(401)).ok() && !sent(false, None).ok());
    assert!(sent(true, Some(401)).ok());
    assert!(!sent(true, Some(200)).ok() && !sent(true, Some(403)).ok());
    colored::control::set_override(false);
    assert_eq!(
        sent_line(&sent(false, Some(200))),
        "      → sent messages (message): 200 OK in 1.5 ms"
    );
    assert!(sent_line(&sent(true, Some(401))).contains("401 Unauthorized"));
    assert!(sent_line(&sent(true, Some(200))).contains("✗ expected 401"));
    assert!(sent_line(&sent(false, None)).contains("no answer: connection refused"));
}

#[test]
fn failed_steps_name_the_step() {
    let ok_check = CaptureCheck {
        requests: 2,
        valid: 1,
        invalid: 1,
        forged_invalid: true,
        problems: vec![],
    };
    let report = Ok(LintReport {
        url: "http://127.0.0.1:1/webhook".into(),
        checks: vec![],
        samples: vec![],
    });
    let good = [sent(false, Some(200)), sent(true, Some(401))];
    assert!(failed_steps(&good, &ok_check, &report).is_empty());
    let bad = [sent(false, Some(500)), sent(true, Some(200))];
    let f = failed_steps(&bad, &CaptureCheck::default(), &Err(Error::failure("x")));
    let steps: Vec<u8> = f.iter().map(|s| s.step).collect();
    assert_eq!(steps, [2, 3, 4]);
    assert!(
        f[0].to_string().starts_with("step 2 (sending): 2 of 2"),
        "{}",
        f[0]
    );
    assert!(f[0].why.contains("500 Internal Server Error"));

    let doc = document(
        "http://127.0.0.1:1/webhook",
        &good,
        vec![],
        &ok_check,
        None,
        &report,
        &[],
    );
    assert_eq!(doc["ok"], true);
    assert_eq!(doc["deliveries"][1]["forged"], true);
    assert_eq!(doc["deliveries"][0]["latency_ms"], 1.5);
    assert_eq!(doc["capture"]["path"], Value::Null);
}
