//! The inspector's JSON API as the page uses it: the live list, one request's detail,
//! filters, replays (as captured, re-signed, edited, forged) and their links, curl commands,
//! exports readable by `verify`, history from `--save`, the bounded store and clearing.

use serde_json::{json, Value};
use tempfile::TempDir;

use super::{App, Ui, SECRET};
use crate::support::captures::{signed_request, text_message, write_jsonl};
use crate::support::cmzon;

fn entry(list: &[Value], id: u64) -> &Value {
    list.iter()
        .find(|e| e["id"] == id)
        .unwrap_or_else(|| panic!("no #{id} in {list:?}"))
}

#[test]
fn events_sent_before_and_after_the_stream_opened_are_listed_and_streamed() {
    let dir = TempDir::new().unwrap();
    let ui = Ui::start(dir.path(), &[], true);
    ui.listener
        .post_signed(SECRET, &text_message("wamid.B1", "before the tab"));
    ui.listener.wait_stdout(1);
    let events = ui.events();
    assert_eq!(events.status, 200);
    ui.listener
        .post_signed("wrong-secret", &text_message("wamid.A1", "after the tab"));
    let streamed = events.next("request");
    assert_eq!(streamed["id"], 2);
    assert_eq!(streamed["signature"], "invalid");
    assert_eq!(streamed["status"], 401);
    assert_eq!(streamed["kinds"], json!(["message"]));
    assert_eq!(streamed["types"], json!(["text"]));
    assert!(
        streamed["summary"]
            .as_str()
            .unwrap()
            .contains("after the tab"),
        "{streamed}"
    );
    assert_eq!(streamed["events"][0]["id"], "wamid.A1");

    let page = ui.get_json("/api/requests");
    assert_eq!(
        (page["total"].as_u64(), page["dropped"].as_u64()),
        (Some(2), Some(0))
    );
    let list = page["requests"].as_array().unwrap();
    assert_eq!(list[0]["id"], 2, "newest first");
    assert_eq!(list[1]["signature"], "valid");
    assert_eq!(list[1]["received_at"].as_str().unwrap().len(), 24);
    assert_eq!(list[1]["method"], "POST");
    assert_eq!(list[1]["path"], "/webhook");
    events.close();
}

#[test]
fn the_detail_shows_headers_in_order_the_exact_body_and_the_verdict_with_its_reason() {
    let dir = TempDir::new().unwrap();
    let ui = Ui::start(dir.path(), &[], true);
    // Escapes as sent: `\u00e9` and `\/` must stay visible.
    let body = br#"{"object":"whatsapp_business_account","entry":[{"id":"1","changes":[{"field":"messages","value":{"messaging_product":"whatsapp","metadata":{"display_phone_number":"1","phone_number_id":"2"},"messages":[{"from":"316","id":"wamid.D1","timestamp":"1","type":"text","text":{"body":"caf\u00e9 a\/b"}}]}}]}]}"#;
    let sig = cmzon_hook::webhook::signature::sign(b"wrong-one", body);
    ui.listener.post(
        body,
        &[
            ("x-custom-First", "1"),
            ("X-Hub-Signature-256", &sig),
            ("Content-Type", "application/json"),
        ],
    );
    ui.listener.post(b"\xff\x00 not utf-8", &[]);
    ui.listener.wait_stdout(2);
    let d = ui.get_json("/api/requests/1");
    assert_eq!(d["body_text"].as_str().unwrap().as_bytes(), body);
    assert!(d["body_text"].as_str().unwrap().contains(r"caf\u00e9 a\/b"));
    let names: Vec<&str> = d["headers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h[0].as_str().unwrap())
        .collect();
    let first = names.iter().position(|n| *n == "x-custom-First").unwrap();
    let signature = names
        .iter()
        .position(|n| *n == "X-Hub-Signature-256")
        .unwrap();
    assert!(first < signature, "received order and case: {names:?}");
    assert_eq!(d["signature"], "invalid");
    let verdict = &d["verdict"];
    assert_eq!(verdict["valid"], false);
    assert!(
        verdict["reason"]
            .as_str()
            .unwrap()
            .starts_with("signature mismatch"),
        "{verdict}"
    );
    assert!(verdict["hint"].as_str().is_some(), "{verdict}");
    assert_eq!(d["signature_received"], sig.as_str());
    assert_eq!(
        d["signature_expected"],
        cmzon_hook::webhook::signature::sign(SECRET.as_bytes(), body).as_str()
    );
    // verify says the same words.
    std::fs::write(
        dir.path().join("one.jsonl"),
        ui.get("/api/export.jsonl?ids=1").body,
    )
    .unwrap();
    let v = cmzon(dir.path())
        .args(["verify", "--json", "one.jsonl"])
        .env("CMZON_WEBHOOK_SECRET", SECRET)
        .output()
        .unwrap();
    let rec: Value = serde_json::from_slice(&v.stdout).unwrap();
    assert_eq!(rec["reason"], verdict["reason"]);

    let bin = ui.get_json("/api/requests/2");
    assert_eq!(bin["body_text"], Value::Null);
    assert_eq!(bin["body_hex"], "ff00206e6f74207574662d38");
    assert_eq!(bin["signature"], "missing");
    assert_eq!(bin["verdict"]["reason"], "no X-Hub-Signature-256 header");
    let missing = ui.get("/api/requests/77");
    assert_eq!(missing.status, 404);
    let e: Value = serde_json::from_slice(&missing.body).unwrap();
    assert!(e["error"].as_str().unwrap().contains("#77"));
}

#[test]
fn filters_by_verdict_kind_type_status_and_text() {
    let dir = TempDir::new().unwrap();
    let ui = Ui::start(dir.path(), &[], true);
    ui.listener
        .post_signed(SECRET, &text_message("wamid.F1", "Pineapple pizza"));
    ui.listener
        .post_signed("nope", &text_message("wamid.F2", "plain"));
    let status_body = crate::support::fixtures::render_compact("status_delivered", &[]);
    ui.listener.post_signed(SECRET, &status_body);
    let account_body =
        crate::support::fixtures::render_compact("message_template_quality_update", &[]);
    ui.listener.post_signed(SECRET, &account_body);
    ui.listener.wait_stdout(4);
    let ids = |q: &str| -> Vec<u64> {
        ui.list(q)
            .iter()
            .map(|e| e["id"].as_u64().unwrap())
            .collect()
    };
    assert_eq!(ids("verdict=invalid"), vec![2]);
    assert_eq!(ids("verdict=valid"), vec![4, 3, 1]);
    assert_eq!(ids("status=4xx"), vec![2]);
    assert_eq!(ids("status=200"), vec![4, 3, 1]);
    assert_eq!(ids("q=PINEAPPLE"), vec![1]);
    assert_eq!(ids("type=text"), vec![2, 1]);
    assert_eq!(ids("kind=message&verdict=valid"), vec![1]);
    // Account-level fields are their own kind, typed by their field.
    assert_eq!(ids("kind=account"), vec![4]);
    assert_eq!(ids("type=message_template_quality_update"), vec![4]);
    assert_eq!(ids("kind=other"), Vec::<u64>::new());
    assert_eq!(ids("limit=1"), vec![4]);
    let r = ui.get("/api/requests?verdict=maybe");
    assert_eq!(r.status, 400, "{}", r.text());
}

/// The page's empty state and replay choices: the endpoint's URL, whether a secret and a
/// forward target are configured, a `send` command to try; never the secret.
#[test]
fn info_names_the_endpoint_and_what_is_configured() {
    let dir = TempDir::new().unwrap();
    let ui = Ui::start(dir.path(), &[], true);
    let r = ui.get("/api/info");
    assert_eq!(r.status, 200, "{}", r.text());
    let info: Value = serde_json::from_slice(&r.body).unwrap();
    let url = info["webhook_url"].as_str().unwrap();
    assert!(
        url.starts_with("http://127.0.0.1:") && url.ends_with("/webhook"),
        "{info}"
    );
    assert_eq!(info["secret"], json!(true));
    assert_eq!(info["forward_to"], Value::Null);
    assert_eq!(
        info["try"].as_str().unwrap(),
        format!("cmzon-hook send messages --to {url}")
    );
    // The command it suggests delivers to this listener.
    let out = cmzon(dir.path())
        .args(["send", "messages", "--to", url, "--secret", SECRET])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(ui.list("").len(), 1);
}

#[test]
fn replays_reach_the_endpoint_and_are_listed_linked_to_their_source() {
    let dir = TempDir::new().unwrap();
    let ui = Ui::start(dir.path(), &["--save", "cap.jsonl"], true);
    let body = text_message("wamid.R1", "replay me");
    ui.listener.post_signed(SECRET, &body);
    ui.listener.wait_stdout(1);
    let events = ui.events();
    let cases = [
        (
            json!({"id": 1, "target": "endpoint", "mode": "as-captured"}),
            200,
            "valid",
            None,
        ),
        (json!({"id": 1, "mode": "re-signed"}), 200, "valid", None),
        (
            json!({"id": 1, "mode": "edited", "set": [{"path": "entry.0.changes.0.value.messages.0.text.body", "value": "edited text"}]}),
            200,
            "valid",
            Some("edited text"),
        ),
        (
            json!({"id": 1, "mode": "edited", "body": "{\"object\":\"whatsapp_business_account\",\"entry\":[]}"}),
            200,
            "valid",
            None,
        ),
        (
            json!({"id": 1, "mode": "forged", "forge": "wrong-secret"}),
            401,
            "invalid",
            None,
        ),
        (
            json!({"id": 1, "mode": "forged", "forge": "modified-body"}),
            401,
            "invalid",
            None,
        ),
        (
            json!({"id": 1, "mode": "forged", "forge": "no-signature"}),
            401,
            "missing",
            None,
        ),
    ];
    for (i, (ask, status, sig, text)) in cases.iter().enumerate() {
        let got = ui.post_json("/api/replay", ask);
        let id = i as u64 + 2;
        assert_eq!(got["id"], id, "{ask} -> {got}");
        assert_eq!(got["status"], *status, "{ask} -> {got}");
        assert_eq!(got["target_url"], ui.listener.url.as_str());
        let streamed = events.next("request");
        assert_eq!(streamed["id"], id);
        assert_eq!(streamed["replay_of"], 1, "{streamed}");
        if i == 0 {
            // The same delivery again: listen marks it a duplicate of the first.
            assert_eq!(streamed["duplicate_of"], 1, "{streamed}");
        }
        assert_eq!(streamed["signature"], *sig, "{ask}: {streamed}");
        let d = ui.get_json(&format!("/api/requests/{id}"));
        if let Some(t) = text {
            assert!(d["body_text"].as_str().unwrap().contains(t), "{d}");
        }
        if *sig == "invalid" {
            assert!(
                d["verdict"]["reason"]
                    .as_str()
                    .unwrap()
                    .starts_with("signature mismatch"),
                "{d}"
            );
        }
        let mode = ask["mode"].as_str().unwrap();
        assert!(d["replay_mode"].as_str().unwrap().starts_with(mode), "{d}");
    }
    // The endpoint saw each (one --json line per request), the capture holds them, and
    // verify agrees with the verdicts.
    let lines = ui.listener.wait_stdout(8);
    assert_eq!(lines.len(), 8);
    let valid = verified(dir.path(), "cap.jsonl");
    assert_eq!(
        valid,
        vec![true, true, true, true, true, false, false, false]
    );
    // Re-signing needs a secret; a missing source is 404; a bad mode 400.
    assert_eq!(
        ui.post("/api/replay", &json!({"id": 42, "mode": "re-signed"}))
            .status,
        404
    );
    assert_eq!(
        ui.post("/api/replay", &json!({"id": 1, "mode": "sideways"}))
            .status,
        400
    );
    assert_eq!(
        ui.post("/api/replay", &json!({"id": 1, "mode": "forged"}))
            .status,
        400
    );
    assert_eq!(
        ui.post("/api/replay", &json!({"id": 1, "target": "forward"}))
            .status,
        409
    );
    events.close();
}

#[test]
fn without_a_secret_re_signing_is_refused_with_a_reason_naming_the_secret() {
    let dir = TempDir::new().unwrap();
    let ui = Ui::start(dir.path(), &[], false);
    ui.listener.post(&text_message("wamid.N1", "x"), &[]);
    ui.listener.wait_stdout(1);
    for mode in ["re-signed", "edited"] {
        let r = ui.post("/api/replay", &json!({"id": 1, "mode": mode}));
        assert_eq!(r.status, 409, "{}", r.text());
        assert!(r.text().contains("--secret"), "{}", r.text());
    }
    assert_eq!(ui.list("")[0]["signature"], "unchecked");
    let got = ui.post_json("/api/replay", &json!({"id": 1, "mode": "as-captured"}));
    assert_eq!(got["status"], 200);
}

#[test]
fn a_replay_to_the_forward_target_is_recorded_with_the_apps_answer() {
    let dir = TempDir::new().unwrap();
    let app = App::start();
    let ui = Ui::start(dir.path(), &["--forward-to", &app.url()], true);
    ui.listener
        .post_signed(SECRET, &text_message("wamid.FW1", "forward me"));
    ui.listener.wait_stdout(1);
    let first = &ui.list("")[0];
    assert_eq!(first["forward"]["status"], 200, "{first}");
    assert_eq!(first["forward"]["url"], app.url().as_str());
    let d = ui.get_json("/api/requests/1");
    assert_eq!(d["forward_response"]["body_text"], "app ok");
    assert!(
        d["forward_response"]["headers"]
            .as_array()
            .unwrap()
            .iter()
            .any(|h| h[0] == "X-App"),
        "{d}"
    );

    let got = ui.post_json(
        "/api/replay",
        &json!({"id": 1, "target": "forward", "mode": "forged", "forge": "no-signature"}),
    );
    assert_eq!(
        (got["id"].as_u64(), got["status"].as_u64()),
        (Some(2), Some(200))
    );
    assert_eq!(got["target_url"], app.url().as_str());
    let seen = app.seen();
    assert_eq!(seen.len(), 2);
    assert!(
        seen[1].contains("X-Cmzon-Hook-Replay-Of: 1; mode=forged-no-signature"),
        "{}",
        seen[1]
    );
    assert!(
        !seen[1].to_ascii_lowercase().contains("x-hub-signature-256"),
        "{}",
        seen[1]
    );
    let e = entry(&ui.list(""), 2).clone();
    assert_eq!(e["replay_of"], 1);
    assert_eq!(e["signature"], "missing");
    assert_eq!(e["forward"]["status"], 200);
    assert_eq!(e["path"], "/app/webhook");
    // The endpoint itself saw only the first.
    assert_eq!(ui.listener.stdout.snapshot().len(), 1);
}

#[test]
fn copy_as_curl_reproduces_the_request_and_a_binary_body_goes_through_stdin() {
    if std::process::Command::new("curl")
        .arg("--version")
        .output()
        .is_err()
    {
        eprintln!("curl is not installed: skipping the run of the command (checked by text only)");
    }
    let dir = TempDir::new().unwrap();
    let ui = Ui::start(dir.path(), &[], true);
    let body = text_message("wamid.C1", "it's got 'quotes' and $dollars");
    ui.listener.post_signed(SECRET, &body);
    let binary: &[u8] = b"\xff%s\\n'\x00end";
    let sig = cmzon_hook::webhook::signature::sign(SECRET.as_bytes(), binary);
    ui.listener.post(binary, &[("X-Hub-Signature-256", &sig)]);
    ui.listener.wait_stdout(2);
    for (id, form) in [(1u64, "argument"), (2, "stdin")] {
        let c = ui.get_json(&format!("/api/requests/{id}/curl"));
        assert_eq!(c["body_form"], form);
        let cmd = c["curl"].as_str().unwrap();
        assert!(cmd.contains(&ui.listener.url), "{cmd}");
        assert!(cmd.contains("X-Hub-Signature-256: sha256="), "{cmd}");
        assert!(
            !cmd.contains("Content-Length") && !cmd.contains("Host:"),
            "{cmd}"
        );
        if std::process::Command::new("curl")
            .arg("--version")
            .output()
            .is_ok()
        {
            let out = std::process::Command::new("sh")
                .arg("-c")
                .arg(cmd)
                .output()
                .unwrap();
            assert!(
                out.status.success(),
                "{cmd}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
            // The binary one is signed right but is not JSON: listen says so (400).
            let answer = if id == 1 { "ok\n" } else { "malformed JSON\n" };
            assert_eq!(String::from_utf8_lossy(&out.stdout), answer, "{cmd}");
        }
    }
    if std::process::Command::new("curl")
        .arg("--version")
        .output()
        .is_ok()
    {
        let list = ui.list("");
        assert_eq!(list.len(), 4);
        let again = ui.get_json("/api/requests/4");
        assert_eq!(
            again["body_base64"],
            ui.get_json("/api/requests/2")["body_base64"]
        );
        assert_eq!(entry(&list, 3)["signature"], "valid");
        assert_eq!(entry(&list, 4)["signature"], "valid");
    }
}

#[test]
fn exports_are_a_capture_verify_reads_and_har_1_2() {
    let dir = TempDir::new().unwrap();
    let ui = Ui::start(dir.path(), &[], true);
    ui.listener
        .post_signed(SECRET, &text_message("wamid.E1", "one"));
    ui.listener
        .post_signed("wrong", &text_message("wamid.E2", "two"));
    ui.listener.post_signed(SECRET, b"\xfe\xff binary");
    ui.listener.wait_stdout(3);
    let jsonl = ui.get("/api/export.jsonl");
    assert_eq!(jsonl.status, 200);
    assert!(jsonl
        .header("Content-Disposition")
        .unwrap()
        .contains("cmzon-hook-export.jsonl"));
    std::fs::write(dir.path().join("all.jsonl"), &jsonl.body).unwrap();
    let out = cmzon(dir.path())
        .args(["verify", "--json", "all.jsonl"])
        .env("CMZON_WEBHOOK_SECRET", SECRET)
        .output()
        .unwrap();
    let recs: Vec<Value> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let valid: Vec<bool> = recs.iter().map(|r| r["valid"].as_bool().unwrap()).collect();
    assert_eq!(valid, vec![true, false, true], "{recs:?}");
    // Filtered and selected exports.
    let only: Vec<u8> = ui.get("/api/export.jsonl?verdict=invalid").body;
    assert_eq!(String::from_utf8_lossy(&only).lines().count(), 1);
    let picked = ui.get("/api/export.jsonl?ids=3,1").body;
    assert_eq!(String::from_utf8_lossy(&picked).lines().count(), 2);

    let har = ui.get("/api/export.har");
    let doc: Value = serde_json::from_slice(&har.body).expect("HAR is JSON");
    assert_eq!(doc["log"]["version"], "1.2");
    assert_eq!(doc["log"]["entries"].as_array().unwrap().len(), 3);
    assert_eq!(doc["log"]["entries"][1]["response"]["status"], 401);
    std::fs::write(dir.path().join("all.har"), &har.body).unwrap();
    let valid = verified(dir.path(), "all.har");
    assert_eq!(valid, vec![true, false, true]);
}

#[test]
fn history_loads_from_save_across_a_restart_and_numbers_continue() {
    let dir = TempDir::new().unwrap();
    let ui = Ui::start(dir.path(), &["--save", "cap.jsonl"], true);
    ui.listener
        .post_signed(SECRET, &text_message("wamid.H1", "first run"));
    ui.listener
        .post_signed("bad", &text_message("wamid.H2", "first run, forged"));
    ui.listener.wait_stdout(2);
    ui.listener.interrupt();
    let ui = Ui::start(dir.path(), &["--save", "cap.jsonl"], true);
    let list = ui.list("");
    assert_eq!(list.len(), 2, "{list:?}");
    assert_eq!(entry(&list, 1)["signature"], "valid");
    assert_eq!(entry(&list, 2)["signature"], "invalid");
    assert_eq!(entry(&list, 1)["history"], true);
    ui.listener
        .post_signed(SECRET, &text_message("wamid.H3", "second run"));
    ui.listener.wait_stdout(1);
    let list = ui.list("");
    assert_eq!(list[0]["id"], 3);
    assert_eq!(list[0]["history"], false);
    // History can be replayed like anything else.
    let got = ui.post_json("/api/replay", &json!({"id": 1, "mode": "re-signed"}));
    assert_eq!(got["id"], 4);
}

#[test]
fn the_store_is_bounded_says_what_it_dropped_and_clears() {
    let dir = TempDir::new().unwrap();
    // 10,005 requests in an earlier capture: the inspector keeps the last 10,000.
    let body = text_message("wamid.BIG", "x");
    let one = signed_request(SECRET, &body, &body);
    let many = vec![one; 10_005];
    write_jsonl(&dir.path().join("cap.jsonl"), &many);
    let ui = Ui::start(dir.path(), &["--save", "cap.jsonl"], true);
    let page = ui.get_json("/api/requests?limit=1");
    assert_eq!(page["total"], 10_000);
    assert_eq!(page["dropped"], 5);
    assert_eq!(page["requests"][0]["id"], 10_005);
    assert_eq!(ui.list("limit=20000").len(), 10_000);
    assert_eq!(ui.get("/api/requests/5").status, 404);
    assert_eq!(ui.get("/api/requests/6").status, 200);
    // A new request pushes one more out.
    ui.listener
        .post_signed(SECRET, &text_message("wamid.NEW", "new"));
    ui.listener.wait_stdout(1);
    let page = ui.get_json("/api/requests?limit=1");
    assert_eq!(
        (page["total"].as_u64(), page["dropped"].as_u64()),
        (Some(10_000), Some(6))
    );
    assert_eq!(page["requests"][0]["id"], 10_006);

    let events = ui.events();
    let cleared = ui.post_json("/api/clear", &json!({}));
    assert_eq!(cleared["cleared"], 10_000);
    events.next("resync");
    assert_eq!(ui.list("").len(), 0);
    // The capture file is untouched.
    let lines = std::fs::read_to_string(dir.path().join("cap.jsonl"))
        .unwrap()
        .lines()
        .count();
    assert_eq!(lines, 10_006);
    events.close();
}

#[test]
fn a_taken_ui_port_is_a_usage_error_naming_ui_port_0_and_ui_port_needs_ui() {
    let dir = TempDir::new().unwrap();
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port().to_string();
    let out = cmzon(dir.path())
        .args(["listen", "--port", "0", "--ui", "--ui-port", &port])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("inspector") && err.contains(&port), "{err}");
    assert!(err.contains("--ui-port 0"), "{err}");
    assert!(!err.contains("Ready:"), "{err}");
    let out = cmzon(dir.path())
        .args(["listen", "--port", "0", "--ui-port", "0"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--ui"));
}

/// `verify --json FILE` with the secret: each request's `valid`, in order.
fn verified(dir: &std::path::Path, file: &str) -> Vec<bool> {
    let out = cmzon(dir)
        .args(["verify", "--json", file])
        .env("CMZON_WEBHOOK_SECRET", SECRET)
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| {
            serde_json::from_str::<Value>(l).unwrap()["valid"]
                .as_bool()
                .unwrap()
        })
        .collect()
}
