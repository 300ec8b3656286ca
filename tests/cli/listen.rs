//! End-to-end tests of `cmzon-hook listen`: the real binary on port 0, real HTTP.

mod framing; // ambiguous or unsupported body framing: refused or closed (issue 17)
mod hostile; // `listen` under fault (slow clients, floods, hostile bodies)
mod identity; // usernames, business-scoped user ids, account and unknown fields (issue 15)
mod keepalive; // bursts of keep-alive connections, each answered at once (issue 17)

use crate::support;

use std::io::Write;
use std::net::TcpStream;
use std::process::Command;
use std::time::{Duration, Instant};

use crate::support::listen::{capture_lines, dead_url, exchange, App, Listener, PATIENCE};
use base64::Engine as _;
use cmzon_hook::webhook::fixtures::{self, Layout, TokenSource};
use serde_json::Value;

const SECRET: &str = "Zq9-listen-test-secret";

fn tmp() -> tempfile::TempDir {
    tempfile::tempdir().expect("temp dir")
}

fn render(name: &str) -> Vec<u8> {
    let f = fixtures::find(name).unwrap_or_else(|| panic!("fixture {name}"));
    fixtures::render(f, &mut TokenSource::new(), &[], Layout::Compact).expect("renders")
}

fn env_secret() -> [(&'static str, &'static str); 1] {
    [("CMZON_WEBHOOK_SECRET", SECRET)]
}

/// The body bytes of a capture line (`body` text or `body_base64`).
fn captured_body(v: &Value) -> Vec<u8> {
    match (v.get("body"), v.get("body_base64")) {
        (Some(Value::String(s)), _) => s.as_bytes().to_vec(),
        (_, Some(Value::String(b))) => base64::engine::general_purpose::STANDARD
            .decode(b)
            .expect("base64 body"),
        _ => panic!("capture line without a body: {v}"),
    }
}

fn captured_header<'a>(v: &'a Value, name: &str) -> Option<&'a str> {
    v["headers"].as_array()?.iter().find_map(|h| {
        let pair = h.as_array()?;
        (pair.first()?.as_str()?.eq_ignore_ascii_case(name)).then(|| pair.get(1)?.as_str())?
    })
}

#[test]
fn verdicts_and_status_codes_with_a_secret() {
    let dir = tmp();
    let l = Listener::start(dir.path(), &[], &env_secret());
    let ready = l.ready_block();
    assert!(
        ready.contains("secret from CMZON_WEBHOOK_SECRET"),
        "{ready}"
    );
    assert!(
        ready.contains("cmzon-hook send messages --to http://127.0.0.1:"),
        "{ready}"
    );

    let body = render("messages");
    assert_eq!(l.post_signed(SECRET, &body).status, 200);
    let valid = l.wait_line("#1 ");
    assert!(
        valid.contains(" valid ") && valid.contains("message text"),
        "{valid}"
    );

    let wrong = l.post_signed("not-the-secret", &render("messages"));
    assert_eq!(wrong.status, 401);
    let lines = l.wait_stdout(4);
    let text = lines.join("\n");
    assert!(
        text.contains("#2    invalid") && text.contains("→ 401"),
        "{text}"
    );
    assert!(
        text.contains("signature mismatch (expected "),
        "the engine's reason: {text}"
    );
    assert!(text.contains("hint: "), "{text}");

    let unsigned = l.post(&render("messages"), &[("Content-Type", "application/json")]);
    assert_eq!(unsigned.status, 401);
    let missing = l.wait_line("#3 ");
    assert!(
        missing.contains("missing") && missing.contains("→ 401"),
        "{missing}"
    );
    l.wait_line("no X-Hub-Signature-256 header");

    let stopped = l.interrupt();
    assert!(stopped.status.success());
    assert!(
        stopped
            .stderr_text()
            .contains("Summary: 3 requests, 3 events (3 message), 2 invalid, 0 duplicates"),
        "{}",
        stopped.stderr_text()
    );
}

#[test]
fn accept_invalid_answers_200_and_no_secret_means_unchecked() {
    let dir = tmp();
    let l = Listener::start(dir.path(), &["--accept-invalid"], &env_secret());
    let r = l.post_signed("wrong", &render("messages"));
    assert_eq!(r.status, 200);
    let line = l.wait_line("#1 ");
    assert!(line.contains("invalid") && !line.contains("→"), "{line}");
    drop(l);

    let l = Listener::start(dir.path(), &[], &[]);
    assert!(l.ready_block().contains("unchecked (no secret"));
    assert_eq!(l.post(&render("messages"), &[]).status, 200);
    let line = l.wait_line("#1 ");
    assert!(
        line.contains("unchecked") && line.contains("message text"),
        "{line}"
    );
}

#[test]
fn verification_handshake() {
    let dir = tmp();
    let l = Listener::start(dir.path(), &["--verify-token", "tok-123"], &[]);
    let ok = l.request(
        "GET",
        &format!(
            "{}?hub.mode=subscribe&hub.verify_token=tok-123&hub.challenge=1158201444",
            l.path
        ),
        &[],
        b"",
    );
    assert_eq!(ok.status, 200);
    assert_eq!(ok.body, b"1158201444", "the raw challenge, nothing else");
    assert!(ok.header("Content-Type").unwrap().starts_with("text/plain"));
    let line = l.wait_line("#1 ");
    assert!(
        line.contains("handshake ok") && line.contains("1158201444 → 200"),
        "{line}"
    );

    let bad = l.request(
        "GET",
        &format!(
            "{}?hub.mode=subscribe&hub.verify_token=nope&hub.challenge=7",
            l.path
        ),
        &[],
        b"",
    );
    assert_eq!(bad.status, 403);
    assert!(!bad.text().contains('7'));
    let line = l.wait_line("#2 ");
    assert!(
        line.contains("refused") && line.contains("does not match") && line.contains("403"),
        "{line}"
    );
    drop(l);

    // Without --verify-token every handshake is refused, with a hint.
    let l = Listener::start(dir.path(), &[], &[]);
    let r = l.request(
        "GET",
        &format!(
            "{}?hub.mode=subscribe&hub.verify_token=x&hub.challenge=1",
            l.path
        ),
        &[],
        b"",
    );
    assert_eq!(r.status, 403);
    l.wait_line("no --verify-token is set");
}

/// What a line for this payload must show, read from the payload itself.
fn expected_fragments(body: &[u8]) -> Vec<Vec<String>> {
    let v: Value = serde_json::from_slice(body).unwrap();
    let s = |x: &Value| {
        x.as_str()
            .unwrap_or_default()
            .chars()
            .take(30)
            .collect::<String>()
    };
    let mut per_event = Vec::new();
    for entry in v["entry"].as_array().unwrap() {
        for change in entry["changes"].as_array().unwrap() {
            let value = &change["value"];
            // An account-level field (a template, quality or preference update) is one event.
            if change["field"] != "messages" {
                per_event.push(Vec::new());
                continue;
            }
            for m in value["messages"].as_array().into_iter().flatten() {
                let t = m["type"].as_str().unwrap();
                let mut want = vec![format!("message {t}")];
                let field = &m[t];
                match t {
                    "text" => want.push(s(&field["body"])),
                    "image" | "video" | "audio" | "document" | "sticker" => {
                        want.push(s(&field["mime_type"]));
                        if field.get("caption").is_some() {
                            want.push(s(&field["caption"]));
                        }
                    }
                    "location" => want.push(s(&field["name"])),
                    "contacts" => want.push(s(&field[0]["name"]["formatted_name"])),
                    "interactive" => {
                        let kind = field["type"].as_str().unwrap();
                        want.push(s(&field[kind]["title"]));
                    }
                    "button" => want.push(s(&field["text"])),
                    "reaction" => want.push(s(&field["emoji"])),
                    "order" => want.push(s(&field["text"])),
                    "unsupported" => want.push(s(&m["errors"][0]["title"])),
                    _ => {}
                }
                per_event.push(want);
            }
            for st in value["statuses"].as_array().into_iter().flatten() {
                let status = st["status"].as_str().unwrap();
                let mut want = vec![
                    format!("status {status}"),
                    format!("→ {status}  to {}", s(&st["recipient_id"])),
                ];
                if let Some(code) = st["errors"][0]["code"].as_i64() {
                    want.push(code.to_string());
                }
                per_event.push(want);
            }
            for e in value["errors"].as_array().into_iter().flatten() {
                per_event.push(vec![
                    "error".to_string(),
                    format!("{} {}", e["code"], s(&e["title"])),
                ]);
            }
        }
    }
    per_event
}

#[test]
fn pretty_lines_for_every_fixture() {
    let dir = tmp();
    let l = Listener::start(dir.path(), &[], &env_secret());
    let mut expected = Vec::new();
    for (i, f) in fixtures::catalogue().iter().enumerate() {
        let body = render(f.name);
        let r = l.post_signed(SECRET, &body);
        assert_eq!(r.status, 200, "{}", f.name);
        expected.push((i as u64 + 1, f.name, expected_fragments(&body)));
    }
    let total: usize = expected.iter().map(|(_, _, e)| e.len()).sum();
    let lines = l.wait_stdout(total);
    for (id, name, events) in &expected {
        let mine: Vec<&String> = lines
            .iter()
            .filter(|x| x.contains(&format!("#{id} ")))
            .collect();
        assert_eq!(
            mine.len(),
            events.len(),
            "{name}: one line per event: {mine:#?}"
        );
        for (line, want) in mine.iter().zip(events) {
            assert!(line.contains(" valid "), "{name}: {line}");
            for w in want {
                assert!(line.contains(w.as_str()), "{name}: {line:?} lacks {w:?}");
            }
            assert!(!line.contains('\u{1b}'), "NO_COLOR: {line:?}");
        }
    }
}

#[test]
fn verbose_shows_headers_and_raw_shows_the_body() {
    let dir = tmp();
    let l = Listener::start(dir.path(), &["-v", "--raw"], &[]);
    let body = render("message_text");
    l.post(
        &body,
        &[("Content-Type", "application/json"), ("X-Trace", "abc-123")],
    );
    l.wait_line("X-Trace: abc-123");
    l.wait_line("Content-Type: application/json");
    l.wait_line("\"object\": \"whatsapp_business_account\",");
    // Pretty JSON shows the text decoded, one key per line.
    let v: Value = serde_json::from_slice(&body).unwrap();
    let text = v["entry"][0]["changes"][0]["value"]["messages"][0]["text"]["body"]
        .as_str()
        .unwrap()
        .to_string();
    l.wait_line(&format!(
        "\"body\": {}",
        serde_json::to_string(&text).unwrap()
    ));
}

#[test]
fn sigterm_stops_gracefully_too() {
    let dir = tmp();
    let l = Listener::start(dir.path(), &[], &[]);
    assert_eq!(l.post(&render("messages"), &[]).status, 200);
    let st = std::process::Command::new("kill")
        .args(["-TERM", &l.pid().to_string()])
        .status()
        .unwrap();
    assert!(st.success());
    let stopped = l.wait_exit();
    assert!(stopped.status.success(), "{:?}", stopped.status);
    assert!(stopped
        .stderr_text()
        .contains("Summary: 1 request, 1 event (1 message)"));
}

#[test]
fn unknown_payloads_are_never_dropped() {
    let dir = tmp();
    let l = Listener::start(dir.path(), &[], &[]);
    let body = br#"{"object":"whatsapp_business_account","entry":[{"id":"1","changes":[{"field":"account_update","value":{"ban_info":{"waba_ban_state":"SCHEDULE_FOR_DISABLE"}}}]}]}"#;
    assert_eq!(l.post(body, &[]).status, 200);
    let line = l.wait_line("#1 ");
    assert!(
        line.contains("account") && line.ends_with("account  ban SCHEDULE_FOR_DISABLE"),
        "{line}"
    );
    assert_eq!(l.post(br#"{"object":"page","entry":[]}"#, &[]).status, 200);
    let line = l.wait_line("#2 ");
    assert!(line.contains("not a WhatsApp webhook"), "{line}");
}

#[test]
fn json_mode_prints_one_object_per_request() {
    let dir = tmp();
    let l = Listener::start(
        dir.path(),
        &["--json", "--verify-token", "t"],
        &env_secret(),
    );
    let text = render("message_text");
    l.post_signed(SECRET, &text);
    l.post_signed(SECRET, &render("status_failed"));
    l.post_signed(SECRET, &render("errors"));
    l.post(&text, &[]);
    l.request(
        "GET",
        &format!(
            "{}?hub.mode=subscribe&hub.verify_token=t&hub.challenge=5",
            l.path
        ),
        &[],
        b"",
    );
    let lines = l.wait_stdout(5);
    let objs: Vec<Value> = lines
        .iter()
        .map(|x| serde_json::from_str(x).unwrap_or_else(|e| panic!("not JSON {x:?}: {e}")))
        .collect();
    for o in &objs {
        let keys: Vec<&str> = o.as_object().unwrap().keys().map(|k| k.as_str()).collect();
        assert_eq!(
            keys,
            [
                "id",
                "received_at",
                "method",
                "path",
                "signature",
                "events",
                "duplicate_of",
                "status",
                "reason",
                "hint",
                "diagnosis"
            ]
        );
        assert!(o["received_at"].as_str().unwrap().ends_with('Z'));
    }
    let by_id = |id: u64| objs.iter().find(|o| o["id"] == id).unwrap();

    let sent: Value = serde_json::from_slice(&text).unwrap();
    let msg = &sent["entry"][0]["changes"][0]["value"]["messages"][0];
    let o = by_id(1);
    assert_eq!(
        (o["method"].as_str(), o["path"].as_str()),
        (Some("POST"), Some("/webhook"))
    );
    assert_eq!(o["signature"], "valid");
    assert_eq!(o["status"], 200);
    assert_eq!(o["duplicate_of"], Value::Null);
    assert_eq!(o["reason"], "signature valid");
    assert_eq!((&o["hint"], &o["diagnosis"]), (&Value::Null, &Value::Null));
    let e = &o["events"][0];
    assert_eq!(e["kind"], "message");
    assert_eq!(e["type"], "text");
    assert_eq!(e["id"], msg["id"]);
    assert_eq!(e["from"], msg["from"]);
    assert_eq!(e["text"], msg["text"]["body"]);

    let e = &by_id(2)["events"][0];
    assert_eq!(
        (e["kind"].as_str(), e["status"].as_str()),
        (Some("status"), Some("failed"))
    );
    assert!(e["recipient_id"].is_string() && e["id"].is_string());

    let e = &by_id(3)["events"][0];
    assert_eq!(
        (e["kind"].as_str(), e["code"].as_i64()),
        (Some("error"), Some(131000))
    );
    assert!(e["title"].is_string());

    let o = by_id(4);
    assert_eq!(
        (o["signature"].as_str(), o["status"].as_i64()),
        (Some("missing"), Some(401))
    );

    assert_eq!(o["reason"], "no X-Hub-Signature-256 header");
    assert!(o["hint"].is_string(), "{o}");

    let o = by_id(5);
    assert_eq!(
        (o["method"].as_str(), o["status"].as_i64()),
        (Some("GET"), Some(200))
    );
    assert_eq!(o["events"], serde_json::json!([]));
    assert_eq!(o["reason"], Value::Null);
}

/// `verify --json --body FILE --signature VALUE` in `dir`: its one record.
fn verify_record(dir: &std::path::Path, body: &[u8], value: &str) -> Value {
    std::fs::write(dir.join("verify-body.json"), body).unwrap();
    let mut c = support::cmzon(dir);
    c.env("CMZON_WEBHOOK_SECRET", SECRET).args([
        "verify",
        "--json",
        "--body",
        "verify-body.json",
        "--signature",
        value,
    ]);
    let out = c.output().unwrap();
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{out:?}: {e}"))
}

/// Issue 14 points 1, 3, 4 and 12 through listen: a `curl -d` delivery of a pretty body, a
/// signature corrupted by `send --tamper bad-signature`, and sha1 signatures in either header
/// get the verdicts verify gives (sha1 alone: 401), and each `--json` record carries
/// verify's `reason`, `hint` and `diagnosis` for it.
#[test]
fn json_records_carry_verifys_reason_and_diagnosis() {
    let dir = tmp();
    let l = Listener::start(dir.path(), &["--json"], &env_secret());
    let pretty = {
        let f = fixtures::find("message_text").unwrap();
        fixtures::render(f, &mut TokenSource::new(), &[], Layout::Pretty).expect("renders")
    };
    assert!(pretty.contains(&b'\n'));
    let curl_d: Vec<u8> = pretty.iter().copied().filter(|b| *b != b'\n').collect();
    let pretty_sig = cmzon_hook::webhook::signature::sign(SECRET.as_bytes(), &pretty);
    let compact = render("messages");
    let sha1 = cmzon_hook::webhook::signature::sign_sha1(SECRET.as_bytes(), &compact);
    let ct = ("Content-Type", "application/json");

    // 1: curl -d @pretty.json
    let r = l.post(&curl_d, &[ct, ("X-Hub-Signature-256", &pretty_sig)]);
    assert_eq!(r.status, 401);
    // 3: what send --tamper bad-signature sends.
    let mut send = support::cmzon(dir.path());
    send.env("CMZON_WEBHOOK_SECRET", SECRET).args([
        "send",
        "messages",
        "--tamper",
        "bad-signature",
        "--to",
        &l.url,
    ]);
    let _ = send.output().unwrap();
    // 4: a valid sha1 signature alone, in the legacy header and in the sha256 one.
    assert_eq!(
        l.post(&compact, &[ct, ("X-Hub-Signature", &sha1)]).status,
        401
    );
    assert_eq!(
        l.post(&compact, &[ct, ("X-Hub-Signature-256", &sha1)])
            .status,
        401
    );
    let lines = l.wait_stdout(4);
    let objs: Vec<Value> = lines
        .iter()
        .map(|x| serde_json::from_str(x).unwrap_or_else(|e| panic!("not JSON {x:?}: {e}")))
        .collect();
    let by_id = |id: u64| objs.iter().find(|o| o["id"] == id).unwrap().clone();
    for o in &objs {
        assert_eq!(o["signature"], "invalid", "{o}");
        assert_eq!(o["status"], 401, "{o}");
    }

    let o = by_id(1);
    assert_eq!(o["diagnosis"], "newlines-removed", "{o}");
    assert!(o["reason"]
        .as_str()
        .unwrap()
        .contains("newlines removed from the body (curl -d strips them; use --data-binary)"));
    let v = verify_record(dir.path(), &curl_d, &pretty_sig);
    assert_eq!(
        (&o["reason"], &o["hint"], &o["diagnosis"]),
        (&v["reason"], &v["hint"], &v["diagnosis"])
    );

    let o = by_id(2);
    assert_eq!(o["diagnosis"], "signature-altered", "{o}");
    let reason = o["reason"].as_str().unwrap();
    assert!(
        reason.contains("the signature was altered")
            && reason.contains("first differs at character 64"),
        "{reason}"
    );
    assert!(!reason.contains("most likely wrong"), "{reason}");

    for id in [3, 4] {
        let o = by_id(id);
        assert_eq!(
            o["reason"], "legacy sha1 signature (it matches); CMzon signs with sha256",
            "{o}"
        );
        let v = verify_record(dir.path(), &compact, &sha1);
        assert_eq!((&o["reason"], &o["hint"]), (&v["reason"], &v["hint"]));
        assert_eq!(v["valid"], false);
    }
    let stopped = l.interrupt();
    assert!(stopped.status.success());
}

#[test]
fn duplicate_deliveries_are_marked() {
    let dir = tmp();
    let l = Listener::start(dir.path(), &[], &env_secret());
    let body = render("message_text");
    let other = render("status_read");
    l.post_signed(SECRET, &body);
    l.post_signed(SECRET, &other);
    l.post_signed(SECRET, &body);
    let line = l.wait_line("#3 ");
    assert!(line.ends_with("duplicate of #1"), "{line}");
    let first = l.wait_line("#1 ");
    assert!(!first.contains("duplicate"), "{first}");
    drop(l);

    let l = Listener::start(dir.path(), &["--json"], &env_secret());
    l.post_signed(SECRET, &other);
    l.post_signed(SECRET, &body);
    l.post_signed(SECRET, &other);
    let lines = l.wait_stdout(3);
    let dups: Vec<Value> = lines
        .iter()
        .map(|x| serde_json::from_str::<Value>(x).unwrap()["duplicate_of"].clone())
        .collect();
    assert_eq!(dups, [Value::Null, Value::Null, Value::from(1)]);
    let stopped = l.interrupt();
    assert!(
        stopped.stderr_text().contains("1 duplicate"),
        "{}",
        stopped.stderr_text()
    );
}

#[test]
fn capture_is_byte_exact_and_round_trips() {
    let dir = tmp();
    let cap = dir.path().join("cap.jsonl");
    let l = Listener::start(
        dir.path(),
        &["--save", cap.to_str().unwrap()],
        &env_secret(),
    );
    let escaped = support::captures::VECTOR_ESCAPED.to_vec();
    let mut bodies = vec![
        render("messages"),
        render("batch"),
        escaped,
        b"{\"trailing\":\"newline\"}\r\n".to_vec(),
    ];
    for b in &bodies {
        assert_eq!(l.post_signed(SECRET, b).status, 200);
    }
    let stopped = l.interrupt();
    assert!(stopped.status.success());
    let lines = capture_lines(&cap);
    assert_eq!(lines.len(), bodies.len());
    for (v, b) in lines.iter().zip(&bodies) {
        assert_eq!(&captured_body(v), b, "byte-exact body");
        assert_eq!(v["method"], "POST");
        assert_eq!(v["path"], "/webhook");
        let sig = cmzon_hook::webhook::signature::sign(SECRET.as_bytes(), b);
        assert_eq!(
            captured_header(v, "X-Hub-Signature-256"),
            Some(sig.as_str())
        );
    }
    // The capture verifies with the same secret.
    let out = support::cmzon_process(dir.path())
        .args(["verify", cap.to_str().unwrap()])
        .env("CMZON_WEBHOOK_SECRET", SECRET)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "verify: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );

    // Invalid, malformed and non-UTF-8 bodies are captured too, byte for byte.
    let cap2 = dir.path().join("cap2.jsonl");
    let l = Listener::start(
        dir.path(),
        &["--save", cap2.to_str().unwrap()],
        &env_secret(),
    );
    bodies = vec![
        b"{not json".to_vec(),
        vec![0xff, 0xfe, b'{', 0x80],
        render("messages"),
    ];
    assert_eq!(l.post_signed(SECRET, &bodies[0]).status, 400);
    assert_eq!(l.post_signed(SECRET, &bodies[1]).status, 400);
    assert_eq!(l.post(&bodies[2], &[]).status, 401);
    l.wait_line("#1 ");
    let malformed = l.wait_line("malformed");
    assert!(malformed.contains("→ 400"), "{malformed}");
    drop(l);
    let lines = capture_lines(&cap2);
    assert_eq!(lines.len(), 3);
    for (v, b) in lines.iter().zip(&bodies) {
        assert_eq!(&captured_body(v), b);
    }
    assert!(
        lines[1].get("body_base64").is_some(),
        "non-UTF-8 body is base64"
    );
}

#[test]
fn forwarding_relays_exact_bytes_and_status() {
    let dir = tmp();
    let app = App::start(201, "created by app");
    let l = Listener::start(dir.path(), &["--forward-to", &app.url], &env_secret());
    let body = render("message_text");
    let r = l.post_signed(SECRET, &body);
    assert_eq!(r.status, 201, "the app's status is the answer");
    assert_eq!(r.text(), "created by app");
    let (headers, got) = app
        .received
        .recv_timeout(PATIENCE)
        .expect("app got the request");
    assert_eq!(got, body, "exact bytes forwarded");
    let h = |n: &str| {
        headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(n))
            .map(|(_, v)| v.clone())
    };
    assert_eq!(
        h("X-Hub-Signature-256"),
        Some(cmzon_hook::webhook::signature::sign(
            SECRET.as_bytes(),
            &body
        ))
    );
    assert_eq!(h("Content-Type").as_deref(), Some("application/json"));
    let note = l.wait_line("↳");
    assert!(
        note.contains(&app.url) && note.contains(" 201 in "),
        "{note}"
    );

    // Invalid signatures are forwarded too (issue 14 point 11): the app answers.
    assert_eq!(l.post_signed("wrong", &body).status, 201);
    let (_, got) = app.received.recv_timeout(PATIENCE).expect("forwarded");
    assert_eq!(got, body);
}

/// Issue 14 point 11: as a relay, listen forwards every POST byte-exact (forged, unsigned and
/// malformed ones included), the sender gets the app's answer, listen prints its own verdict
/// next to the app's status and flags an app that accepts a forged event or rejects a valid
/// one; `--forward-timeout` bounds the wait for the app.
#[test]
fn forwarding_relays_every_post_and_flags_disagreements() {
    let dir = tmp();
    let body = render("message_text");

    // An app that accepts everything: forged and unsigned events are accepted, and flagged.
    let lax = App::start(200, "ok");
    let l = Listener::start(
        dir.path(),
        &["--forward-to", &lax.url, "--accept-invalid"],
        &env_secret(),
    );
    assert!(
        l.ready_block()
            .contains("--accept-invalid has no effect with --forward-to"),
        "{}",
        l.ready_block()
    );
    let r = l.post_signed("a-forged-secret", &body);
    assert_eq!(
        (r.status, r.text().as_str()),
        (200, "ok"),
        "the app's answer"
    );
    let (headers, got) = lax.received.recv_timeout(PATIENCE).expect("forwarded");
    assert_eq!(got, body, "byte-exact");
    assert!(headers
        .iter()
        .any(|(n, _)| n.eq_ignore_ascii_case("X-Hub-Signature-256")));
    let note = l.wait_line("↳");
    assert!(
        note.contains(" 200 in ") && note.contains("(listen: invalid)"),
        "{note}"
    );
    let flag = l.wait_line("your app accepted a forged event");
    assert!(flag.contains("invalid") && flag.contains("401"), "{flag}");
    assert_eq!(l.post(&body, &[]).status, 200);
    lax.received
        .recv_timeout(PATIENCE)
        .expect("unsigned forwarded");
    l.wait_line("signature missing but the app answered 200");
    let malformed = b"{\"not json".to_vec();
    assert_eq!(l.post_signed(SECRET, &malformed).status, 200);
    assert_eq!(lax.received.recv_timeout(PATIENCE).unwrap().1, malformed);
    let stopped = l.interrupt();
    assert!(
        stopped
            .stderr_text()
            .contains("2 answered by the app against listen's verdict"),
        "{}",
        stopped.stderr_text()
    );

    // An app that rejects a valid event: its answer is relayed, with its body and a hint.
    let strict = App::start(401, "invalid signature");
    let l = Listener::start(dir.path(), &["--forward-to", &strict.url], &env_secret());
    let r = l.post_signed(SECRET, &body);
    assert_eq!((r.status, r.text().as_str()), (401, "invalid signature"));
    let note = l.wait_line("↳");
    assert!(
        note.contains(" 401 in ") && note.contains("(listen: valid)"),
        "{note}"
    );
    let flag = l.wait_line("your app rejected an event listen found valid");
    assert!(
        flag.contains("\"invalid signature\"")
            && flag.contains("re-serialized body")
            && flag.contains("another secret"),
        "{flag}"
    );
    // Agreement is not flagged: the app rejects a forged event.
    assert_eq!(l.post_signed("a-forged-secret", &body).status, 401);
    l.wait_line("(listen: invalid)");
    drop(l);

    // An app that never answers: --forward-timeout gives up, 502.
    let silent = support::server::LocalServer::start(|_, mut s| {
        use std::io::Read;
        let mut buf = [0u8; 4096];
        while matches!(s.read(&mut buf), Ok(n) if n > 0) {}
    });
    let url = silent.url("/hook");
    let l = Listener::start(
        dir.path(),
        &["--forward-to", &url, "--forward-timeout", "0.5"],
        &env_secret(),
    );
    let t = Instant::now();
    assert_eq!(l.post_signed(SECRET, &body).status, 502);
    assert!(t.elapsed() < Duration::from_secs(8), "{:?}", t.elapsed());
    l.wait_line("forward failed");
}

#[test]
fn forwarding_to_a_down_app_answers_502() {
    let dir = tmp();
    let url = dead_url();
    let l = Listener::start(dir.path(), &["--forward-to", &url], &[]);
    let r = l.post(&render("messages"), &[]);
    assert_eq!(r.status, 502);
    assert!(
        r.text().contains("could not forward to") && r.text().contains(&url),
        "{}",
        r.text()
    );
    let note = l.wait_line("forward failed");
    assert!(
        note.contains("cannot connect") && note.contains("→ 502"),
        "{note}"
    );
    let stopped = l.interrupt();
    assert!(
        stopped.stderr_text().contains("1 forward failed"),
        "{}",
        stopped.stderr_text()
    );
}

#[test]
fn status_and_delay_simulate_an_endpoint() {
    let dir = tmp();
    let l = Listener::start(dir.path(), &["--status", "503", "--delay", "300"], &[]);
    let t = Instant::now();
    let r = l.post(&render("messages"), &[]);
    let took = t.elapsed();
    assert_eq!(r.status, 503);
    assert!(
        took >= Duration::from_millis(300),
        "answered after {took:?}"
    );
    let line = l.wait_line("#1 ");
    assert!(line.contains("→ 503"), "{line}");
    assert!(l.ready_block().contains("every POST with 503"));
}

#[test]
fn limits_and_wrong_requests() {
    let dir = tmp();
    let cap = dir.path().join("cap.jsonl");
    let l = Listener::start(
        dir.path(),
        &["--max-body", "2000", "--save", cap.to_str().unwrap()],
        &[],
    );
    // 413 for a body over --max-body, recorded as rejected.
    let big = vec![b'x'; 5000];
    let r = l.post(&big, &[]);
    assert_eq!(r.status, 413);
    let line = l.wait_line("#1 ");
    assert!(
        line.contains("over --max-body 2000") && line.contains("→ 413"),
        "{line}"
    );

    // A declared giant body, then the client hangs up: 413, and the process stays up.
    let raw = format!(
        "POST {} HTTP/1.1\r\nHost: x\r\nContent-Length: 999999999999\r\n\r\n{{",
        l.path
    );
    assert_eq!(exchange(&l.addr, raw.as_bytes()).status, 413);

    // Malformed JSON: 400, printed as malformed.
    assert_eq!(l.post(b"{\"a\":", &[]).status, 400);
    l.wait_line("malformed JSON");

    // Other methods: 405 with Allow.
    let r = l.request("PUT", &l.path, &[], b"{}");
    assert_eq!(r.status, 405);
    assert_eq!(r.header("Allow"), Some("GET, POST"));

    // Wrong path: 404 naming the right one.
    let r = l.request("POST", "/hooks", &[], b"{}");
    assert_eq!(r.status, 404);
    assert!(r.text().contains("/webhook"), "{}", r.text());
    let line = l.wait_line("/hooks");
    assert!(line.contains("404"), "{line}");
    l.wait_line("point the sender at /webhook");

    // Still serving.
    assert_eq!(l.post(&render("messages"), &[]).status, 200);
    drop(l);

    let lines = capture_lines(&cap);
    let rejected: Vec<&Value> = lines
        .iter()
        .filter(|v| captured_header(v, "X-Cmzon-Hook-Rejected").is_some())
        .collect();
    assert_eq!(
        rejected.len(),
        3,
        "both 413s and the 404 recorded: {lines:#?}"
    );
    assert!(captured_header(rejected[0], "X-Cmzon-Hook-Rejected")
        .unwrap()
        .starts_with("413 "));
    assert!(captured_body(rejected[0]).is_empty());
    assert!(captured_header(rejected[2], "X-Cmzon-Hook-Rejected")
        .unwrap()
        .starts_with("404 "));
    assert_eq!(
        lines.len(),
        5,
        "two 413s, the malformed body, the 404 and the last POST"
    );
}

#[test]
fn hostile_clients_do_not_crash_or_block_it() {
    let dir = tmp();
    let cap = dir.path().join("cap.jsonl");
    let l = Listener::start(
        dir.path(),
        &["--workers", "1", "--save", cap.to_str().unwrap()],
        &[],
    );
    // A client that promises a body and stalls holds the only worker...
    let mut stalled = TcpStream::connect(&l.addr).unwrap();
    write!(
        stalled,
        "POST {} HTTP/1.1\r\nHost: x\r\nContent-Length: 5000\r\n\r\n{{\"partial\":",
        l.path
    )
    .unwrap();
    stalled.flush().unwrap();
    std::thread::sleep(Duration::from_millis(100));
    // ...yet others are served promptly.
    let t = Instant::now();
    assert_eq!(l.post(&render("messages"), &[]).status, 200);
    assert!(
        t.elapsed() < Duration::from_secs(5),
        "blocked for {:?}",
        t.elapsed()
    );

    // An endless header line: 431, not unbounded memory.
    let mut raw = format!("POST {} HTTP/1.1\r\nX-Long: ", l.path).into_bytes();
    raw.extend(std::iter::repeat_n(b'a', 40_000));
    raw.extend_from_slice(b"\r\n\r\n");
    assert_eq!(exchange(&l.addr, &raw).status, 431);
    // Garbage instead of HTTP, and a non-ASCII header.
    assert_eq!(exchange(&l.addr, b"\x16\x03\x01 hello\r\n\r\n").status, 400);
    assert_eq!(
        exchange(&l.addr, "GET /webhook HTTP/1.1\r\nX: é\r\n\r\n".as_bytes()).status,
        400
    );

    // The stalled client hangs up mid-body: recorded as rejected with what arrived.
    drop(stalled);
    let line = l.wait_line("closed the connection");
    assert!(line.contains("→ 400"), "{line}");
    assert_eq!(l.post(&render("messages"), &[]).status, 200);
    let stopped = l.interrupt();
    assert!(stopped.status.success());
    let lines = capture_lines(&cap);
    let cut = lines
        .iter()
        .find(|v| captured_header(v, "X-Cmzon-Hook-Rejected").is_some())
        .expect("the cut-short body is recorded");
    assert_eq!(captured_body(cut), b"{\"partial\":");
}

#[test]
fn graceful_shutdown_flushes_the_capture_and_summarises() {
    let dir = tmp();
    let cap = dir.path().join("cap.jsonl");
    let l = Listener::start(
        dir.path(),
        &["--save", cap.to_str().unwrap()],
        &env_secret(),
    );
    for name in ["message_text", "status_delivered", "errors"] {
        assert_eq!(l.post_signed(SECRET, &render(name)).status, 200);
    }
    l.post(&render("messages"), &[]);
    let stopped = l.interrupt();
    assert!(
        stopped.status.success(),
        "exit 0 on Ctrl-C: {:?}",
        stopped.status
    );
    let err = stopped.stderr_text();
    assert!(
        err.contains(
            "Summary: 4 requests, 4 events (2 message, 1 status, 1 error), 1 invalid, 0 duplicates"
        ),
        "{err}"
    );
    assert!(
        err.contains(&format!("saved 4 requests to {}", cap.display())),
        "{err}"
    );
    assert_eq!(capture_lines(&cap).len(), 4);
    // Nothing listens any more.
    assert!(TcpStream::connect(stopped_addr(&stopped)).is_err());
}

#[test]
fn ctrl_c_finishes_a_request_in_flight() {
    let dir = tmp();
    let cap = dir.path().join("cap.jsonl");
    let l = Listener::start(
        dir.path(),
        &["--delay", "5000", "--save", cap.to_str().unwrap()],
        &[],
    );
    let t = Instant::now();
    let reply = std::thread::scope(|s| {
        let pending = s.spawn(|| l.post(&render("messages"), &[]));
        // Printed and saved before the delay: the request is in flight.
        l.wait_line("#1 ");
        Command::new("kill")
            .args(["-INT", &l.pid().to_string()])
            .status()
            .unwrap();
        pending.join().unwrap()
    });
    assert_eq!(reply.status, 200, "the request in flight is answered");
    assert!(
        t.elapsed() < Duration::from_secs(4),
        "the delay is cut short on Ctrl-C"
    );
    let stopped = l.wait_exit();
    assert!(stopped.status.success());
    assert_eq!(capture_lines(&cap).len(), 1);
}

fn stopped_addr(s: &support::listen::Stopped) -> String {
    let ready = s.stderr.iter().find(|l| l.starts_with("Ready: ")).unwrap();
    let url = ready.trim_start_matches("Ready: listening on http://");
    url[..url.find('/').unwrap()].to_string()
}

#[test]
fn the_secret_appears_in_no_output_or_capture() {
    let dir = tmp();
    let cap = dir.path().join("cap.jsonl");
    let secret_file = dir.path().join("secret");
    std::fs::write(&secret_file, format!("{SECRET}\n")).unwrap();
    for args in [
        vec!["--secret", SECRET],
        vec!["--secret-file", secret_file.to_str().unwrap()],
    ] {
        let mut all = args.clone();
        all.extend(["-v", "--raw", "--save", cap.to_str().unwrap()]);
        let l = Listener::start(dir.path(), &all, &[]);
        l.post_signed(SECRET, &render("messages"));
        l.post_signed("wrong", &render("messages"));
        l.post(&render("messages"), &[]);
        l.post(format!("{{\"x\":\"{}\"}}", "y").as_bytes(), &[]);
        l.wait_stdout(4);
        let stopped = l.interrupt();
        let everything = format!("{}\n{}", stopped.stdout_text(), stopped.stderr_text());
        assert!(
            everything.contains("X-Hub-Signature-256"),
            "-v shows headers"
        );
        assert!(!everything.contains(SECRET), "secret leaked:\n{everything}");
    }
    let capture = std::fs::read_to_string(&cap).unwrap();
    assert!(!capture.is_empty() && !capture.contains(SECRET));
}

#[test]
fn bad_flags_are_usage_errors() {
    let dir = tmp();
    for (args, needle) in [
        (vec!["--path", "webhook"], "--path"),
        (vec!["--status", "42"], "--status"),
        (vec!["--workers", "0"], "--workers"),
        (vec!["--json", "--raw"], "--raw"),
        (vec!["--forward-to", "ftp://x"], "--forward-to"),
        (vec!["--max-body", "0"], "--max-body"),
    ] {
        let out = support::cmzon_process(dir.path())
            .arg("listen")
            .args(["--port", "0"])
            .args(&args)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.contains("cmzon-hook: error:") && err.contains(needle),
            "{args:?}: {err}"
        );
        assert!(err.contains("hint:"), "{err}");
    }
    // A port in use names the fix.
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port().to_string();
    let out = support::cmzon_process(dir.path())
        .args(["listen", "--port", &port])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("already in use"));
}

#[test]
fn concurrent_deliveries_never_interleave() {
    let dir = tmp();
    let cap = dir.path().join("cap.jsonl");
    let l = Listener::start(
        dir.path(),
        &["--save", cap.to_str().unwrap(), "--json"],
        &env_secret(),
    );
    let bodies: Vec<Vec<u8>> = (0..8).map(|_| render("batch")).collect();
    std::thread::scope(|s| {
        for b in &bodies {
            let l = &l;
            s.spawn(move || {
                for _ in 0..5 {
                    assert_eq!(l.post_signed(SECRET, b).status, 200);
                }
            });
        }
    });
    let stopped = l.interrupt();
    assert_eq!(stopped.stdout.len(), 40);
    for line in &stopped.stdout {
        let v: Value = serde_json::from_str(line).expect("whole NDJSON lines");
        assert_eq!(v["events"].as_array().unwrap().len(), 7);
    }
    let lines = capture_lines(&cap);
    assert_eq!(lines.len(), 40);
    for v in &lines {
        assert!(bodies.contains(&captured_body(v)));
    }
    let mut ids: Vec<u64> = lines.iter().map(|v| v["id"].as_u64().unwrap()).collect();
    ids.sort();
    assert_eq!(ids, (1..=40).collect::<Vec<_>>());
}

/// Issue 14 point 13: a POST to a wrong path gets 404 and is captured too (every POST is),
/// byte-exact and marked rejected with its status; `verify` reports it as not verified,
/// naming the wrong path, and `send --from-capture` skips it like other refused requests.
#[test]
fn a_post_to_a_wrong_path_is_captured_with_its_404() {
    let dir = tmp();
    let cap = dir.path().join("cap.jsonl");
    let l = Listener::start(
        dir.path(),
        &["--save", cap.to_str().unwrap()],
        &env_secret(),
    );
    let body = render("message_text");
    let sig = cmzon_hook::webhook::signature::sign(SECRET.as_bytes(), &body);
    let r = l.request(
        "POST",
        "/hooks",
        &[("X-Hub-Signature-256", sig.as_str())],
        &body,
    );
    assert_eq!(r.status, 404);
    assert!(r.text().contains("/webhook"), "{}", r.text());
    assert_eq!(l.post_signed(SECRET, &body).status, 200);
    let stopped = l.interrupt();
    assert!(
        stopped.stderr_text().contains("2 saved") || stopped.stderr_text().contains("saved 2"),
        "{}",
        stopped.stderr_text()
    );
    let lines = capture_lines(&cap);
    assert_eq!(lines.len(), 2, "{lines:#?}");
    assert_eq!(lines[0]["path"], "/hooks");
    assert_eq!(lines[0]["id"], 1);
    assert_eq!(captured_body(&lines[0]), body, "byte-exact");
    let marker = captured_header(&lines[0], "X-Cmzon-Hook-Rejected").unwrap();
    assert!(
        marker.starts_with("404 ") && marker.contains("/webhook"),
        "{marker}"
    );

    let out = support::cmzon_process(dir.path())
        .args(["verify", "cap.jsonl"])
        .env("CMZON_WEBHOOK_SECRET", SECRET)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(
        stdout.contains("not verified: listen answered 404") && stdout.contains("/hooks"),
        "{stdout}"
    );
    assert!(!stdout.contains("before its body was complete"), "{stdout}");
    assert!(stdout.contains("the webhook path"), "{stdout}");
}

/// Issue 14 point 15: with `secret_env = "MY_APP_SECRET"` in cmzon-hook.toml, the banner
/// names that source (not `--secret`), its `try:` line reads the secret the same way (and
/// works as printed), and an unset variable is named in the warning and the banner.
#[test]
fn a_secret_named_by_the_config_file_is_labelled_by_its_real_source() {
    let dir = tmp();
    std::fs::write(
        dir.path().join("cmzon-hook.toml"),
        "secret_env = \"MY_APP_SECRET\"\n",
    )
    .unwrap();
    let l = Listener::start(dir.path(), &[], &[("MY_APP_SECRET", SECRET)]);
    let ready = l.ready_block();
    assert!(
        ready.contains("secret from MY_APP_SECRET, named by cmzon-hook.toml"),
        "{ready}"
    );
    assert!(!ready.contains("--secret"), "{ready}");
    let try_line = ready
        .lines()
        .find_map(|x| x.trim().strip_prefix("try:"))
        .expect("a try: line")
        .trim()
        .to_string();
    assert_eq!(
        try_line,
        format!("cmzon-hook send messages --to {}", l.url),
        "{ready}"
    );
    // The suggested command, run as printed (same directory, same environment), delivers a
    // valid event.
    let args: Vec<&str> = try_line.split(' ').skip(1).collect();
    let out = support::cmzon_process(dir.path())
        .args(&args)
        .env("MY_APP_SECRET", SECRET)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let line = l.wait_line("#1 ");
    assert!(line.contains(" valid "), "{line}");
    drop(l);

    // The named variable unset: the warning and the banner name it.
    let l = Listener::start(dir.path(), &[], &[]);
    let ready = l.ready_block();
    assert!(
        ready
            .contains("warning: MY_APP_SECRET (named by secret_env in cmzon-hook.toml) is not set"),
        "{ready}"
    );
    assert!(
        ready.contains(
            "unchecked (no secret: MY_APP_SECRET, named by cmzon-hook.toml, is not set (or empty))"
        ),
        "{ready}"
    );
    drop(l);

    // A config named by --config: named in the banner, repeated in the try: line.
    std::fs::create_dir(dir.path().join("conf")).unwrap();
    std::fs::rename(
        dir.path().join("cmzon-hook.toml"),
        dir.path().join("conf/app.toml"),
    )
    .unwrap();
    let l = Listener::start(
        dir.path(),
        &["--config", "conf/app.toml"],
        &[("MY_APP_SECRET", SECRET)],
    );
    let ready = l.ready_block();
    assert!(
        ready.contains("secret from MY_APP_SECRET, named by conf/app.toml;"),
        "{ready}"
    );
    assert!(
        ready.contains(&format!(
            "try:        cmzon-hook send messages --to {} --config conf/app.toml",
            l.url
        )),
        "{ready}"
    );
}

/// Issue 14 point 14: listen numbers requests `#N` and not every request is captured (a GET
/// handshake is not), so verify names a listen capture's requests by their `id`
/// (`cap.jsonl#3`, the same number listen printed) and `send --from-capture cap.jsonl#3`
/// replays that one request (also `#1-3` and `#1,3`).
#[test]
fn request_numbers_match_from_listen_to_verify_to_send() {
    let dir = tmp();
    let cap = dir.path().join("cap.jsonl");
    let l = Listener::start(
        dir.path(),
        &["--save", cap.to_str().unwrap()],
        &env_secret(),
    );
    let first = render("message_text");
    let third = render("status_read");
    assert_eq!(l.post_signed(SECRET, &first).status, 200);
    assert_eq!(l.request("GET", &l.path, &[], b"").status, 403);
    assert_eq!(l.post_signed("a-forged-secret", &third).status, 401);
    let forged = l.wait_line("#3 ");
    assert!(forged.contains("invalid"), "{forged}");
    drop(l);

    let verify = |args: &[&str]| {
        let out = support::cmzon_process(dir.path())
            .arg("verify")
            .args(args)
            .env("CMZON_WEBHOOK_SECRET", SECRET)
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let text = verify(&["cap.jsonl"]);
    let line_of = |label: &str| {
        text.lines()
            .find(|x| x.starts_with(label))
            .unwrap_or_else(|| panic!("no {label} line in:\n{text}"))
            .to_string()
    };
    assert!(line_of("cap.jsonl#1 ").contains('✓'), "{text}");
    assert!(line_of("cap.jsonl#3 ").contains('✗'), "{text}");
    assert!(!text.contains("cap.jsonl:"), "{text}");

    // Replay by number: one, a range, a list.
    let app = App::start(200, "ok");
    let send = |from: &str| {
        support::cmzon_process(dir.path())
            .args(["send", "--from-capture", from, "--to", &app.url])
            .env("CMZON_WEBHOOK_SECRET", SECRET)
            .output()
            .unwrap()
    };
    let got = |n: usize| -> Vec<Vec<u8>> {
        (0..n)
            .map(|_| app.received.recv_timeout(PATIENCE).expect("app got it").1)
            .collect()
    };
    let out = send("cap.jsonl#3");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(got(1), vec![third.clone()]);
    for sel in ["cap.jsonl#1-3", "cap.jsonl#1,3"] {
        let out = send(sel);
        assert!(
            out.status.success(),
            "{sel}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert_eq!(got(2), vec![first.clone(), third.clone()], "{sel}");
    }
    assert!(app
        .received
        .recv_timeout(Duration::from_millis(200))
        .is_err());
    // #2 was the GET: not in the capture, and said so.
    let out = send("cap.jsonl#2");
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("cap.jsonl has no request #2"), "{err}");
    let out = send("cap.jsonl#x");
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("FILE#3-5"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Issue 14 point 14: a second `listen --save` on the same capture numbers after the
/// requests already there, so each `cap.jsonl#N` names one request.
#[test]
fn appending_to_a_capture_continues_its_numbers() {
    let dir = tmp();
    let cap = dir.path().join("cap.jsonl");
    let save = ["--save", cap.to_str().unwrap()];
    for _ in 0..2 {
        let l = Listener::start(dir.path(), &save, &env_secret());
        assert_eq!(l.post_signed(SECRET, &render("messages")).status, 200);
        assert_eq!(l.post_signed(SECRET, &render("messages")).status, 200);
        drop(l);
    }
    let l = Listener::start(dir.path(), &save, &env_secret());
    assert_eq!(l.post_signed(SECRET, &render("messages")).status, 200);
    let line = l.wait_line("#5 ");
    assert!(line.contains("valid"), "{line}");
    drop(l);
    let ids: Vec<u64> = capture_lines(&cap)
        .iter()
        .map(|v| v["id"].as_u64().unwrap())
        .collect();
    assert_eq!(ids, [1, 2, 3, 4, 5]);
}
