//! `--json` on every command that produces a result: stdout is JSON (or NDJSON) and nothing
//! else, on success and on failure. `listen --json`, `init --json` and `demo --json` are
//! covered beside their commands (the `listen`, `init` and `demo` modules).

use crate::support::cmzon;
use crate::support::listen::closed_port;
use serde_json::Value;

/// Every stdout line parses as JSON; returns them.
fn ndjson(stdout: &[u8]) -> Vec<Value> {
    let text = std::str::from_utf8(stdout).expect("stdout is UTF-8");
    assert!(!text.trim().is_empty(), "no JSON on stdout");
    text.lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
        .collect()
}

#[test]
fn sign_fixtures_verify_send_and_lint_print_only_json() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();

    let out = cmzon(d)
        .args(["sign", "--json", "--secret", "k"])
        .write_stdin("{}")
        .output()
        .unwrap();
    assert!(out.status.success());
    assert_eq!(ndjson(&out.stdout)[0]["bytes"], 2);

    let out = cmzon(d)
        .args(["fixtures", "list", "--json"])
        .output()
        .unwrap();
    let list = ndjson(&out.stdout);
    assert_eq!(list.len(), cmzon_hook::webhook::fixtures::catalogue().len());
    assert!(list
        .iter()
        .all(|f| f["name"].is_string() && f["kind"].is_string()));

    let out = cmzon(d)
        .args(["fixtures", "show", "status_failed"])
        .output()
        .unwrap();
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["object"], "whatsapp_business_account");
    let out = cmzon(d)
        .args(["fixtures", "show", "status_failed", "--compact"])
        .output()
        .unwrap();
    std::fs::write(d.join("body.json"), &out.stdout).unwrap();
    let _: Value = serde_json::from_slice(&out.stdout).unwrap();

    let body = std::fs::read(d.join("body.json")).unwrap();
    let good = cmzon_hook::capture::CapturedRequest {
        method: "POST".into(),
        path: "/webhook".into(),
        headers: vec![(
            "X-Hub-Signature-256".into(),
            cmzon_hook::webhook::signature::sign(b"k", &body),
        )],
        body: body.clone(),
        ..Default::default()
    };
    let bad = cmzon_hook::capture::CapturedRequest {
        headers: vec![],
        ..good.clone()
    };
    let lines = [&good, &bad].map(cmzon_hook::capture::to_jsonl_line);
    std::fs::write(d.join("cap.jsonl"), lines.join("\n") + "\n").unwrap();
    let out = cmzon(d)
        .args(["verify", "--json", "--secret", "k", "cap.jsonl"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let v = ndjson(&out.stdout);
    assert_eq!(
        (v[0]["valid"].clone(), v[1]["valid"].clone()),
        (Value::Bool(true), Value::Bool(false))
    );

    let url = format!("http://127.0.0.1:{}/webhook", closed_port());
    let out = cmzon(d)
        .args([
            "send",
            "status_failed",
            "--json",
            "--secret",
            "k",
            "--to",
            &url,
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let v = ndjson(&out.stdout);
    assert_eq!(v[0]["ok"], false);
    assert!(v[0]["error"].is_string());
    assert_eq!(v.last().unwrap()["summary"]["failed"], 1);

    let out = cmzon(d)
        .args([
            "send",
            "messages",
            "--dry-run",
            "--json",
            "--secret",
            "k",
            "--to",
            &url,
        ])
        .output()
        .unwrap();
    assert!(out.status.success());
    assert_eq!(ndjson(&out.stdout)[0]["method"], "POST");

    let out = cmzon(d)
        .args([
            "lint",
            &url,
            "--json",
            "--allow-http",
            "--secret",
            "k",
            "--probes",
            "1",
            "--timeout",
            "2",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["url"], url.as_str());
    assert!(doc["summary"]["fail"].as_u64().unwrap() > 0);
}
