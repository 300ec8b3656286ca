//! `cmzon-hook send` end to end: the real binary against recording servers on 127.0.0.1:0
//! (plain HTTP, and HTTPS with an rcgen CA).

mod hostile; // `send` against servers that misbehave

use crate::support;

use std::time::{Duration, Instant};

use crate::support::certs::{self_signed_ca, server_config, TlsServer, Validity};
use crate::support::send::{assert_no_secret, signature_valid, Action, Server, SECRET};
use crate::support::{cmzon, hmac_sha256_hex};
use serde_json::Value;

fn stdout(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn stderr(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// Run `send` with the secret and `args`, in a fresh directory.
fn send(args: &[&str]) -> std::process::Output {
    let dir = tempfile::tempdir().unwrap();
    let out = cmzon(dir.path())
        .arg("send")
        .args(["--secret", SECRET])
        .args(args)
        .write_stdin("")
        .output()
        .unwrap();
    assert_no_secret(&out);
    out
}

fn message_id(body: &[u8]) -> String {
    let v: Value = serde_json::from_slice(body).expect("body is JSON");
    v["entry"][0]["changes"][0]["value"]["messages"][0]["id"]
        .as_str()
        .expect("a message id")
        .to_string()
}

fn ndjson(out: &std::process::Output) -> Vec<Value> {
    stdout(out)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON: {l}: {e}")))
        .collect()
}

#[test]
fn delivers_a_signed_fixture_like_a_real_sender() {
    let server = Server::ok();
    let out = send(&["messages", "--to", &server.url("/hook?x=1")]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let reqs = server.requests();
    assert_eq!(reqs.len(), 1);
    let r = &reqs[0];
    assert_eq!(
        (r.method.as_str(), r.target.as_str()),
        ("POST", "/hook?x=1")
    );
    assert_eq!(r.header("Content-Type"), Some("application/json"));
    assert_eq!(
        r.header("User-Agent"),
        Some(concat!("cmzon-hook/", env!("CARGO_PKG_VERSION")))
    );
    assert_eq!(
        r.header("Content-Length"),
        Some(r.body.len().to_string().as_str())
    );
    // Independent HMAC over the exact bytes received.
    let sig = r.header("X-Hub-Signature-256").unwrap();
    assert_eq!(
        sig,
        format!("sha256={}", hmac_sha256_hex(SECRET.as_bytes(), &r.body))
    );
    // The crate's own verifier agrees.
    assert!(
        cmzon_hook::webhook::signature::verify_value(SECRET.as_bytes(), sig, &r.body).is_valid()
    );
    let v: Value = serde_json::from_slice(&r.body).unwrap();
    assert_eq!(v["object"], "whatsapp_business_account");
    assert!(!r.body.contains(&b'\n'), "compact wire bytes");
    let line = stdout(&out);
    assert!(
        line.starts_with("#1 messages") && line.contains("200"),
        "{line}"
    );
    assert!(stderr(&out).contains("1 delivery"), "{}", stderr(&out));
}

#[test]
fn tokens_are_fresh_per_delivery_and_identical_across_duplicates() {
    let server = Server::ok();
    let out = send(&[
        "messages",
        "--to",
        &server.url("/hook"),
        "--count",
        "2",
        "--duplicate",
        "2",
        "--json",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let reqs = server.requests();
    assert_eq!(reqs.len(), 6);
    for group in reqs.chunks(3) {
        for dup in &group[1..] {
            assert_eq!(
                dup.raw, group[0].raw,
                "a duplicate is the very same request"
            );
        }
        assert!(signature_valid(&group[0]));
    }
    assert_ne!(message_id(&reqs[0].body), message_id(&reqs[3].body));
    assert_ne!(
        reqs[0].header("X-Hub-Signature-256"),
        reqs[3].header("X-Hub-Signature-256")
    );
    let lines = ndjson(&out);
    assert_eq!(lines.len(), 7);
    assert_eq!(lines[6]["summary"]["duplicates"], 4);
    assert_eq!(lines[6]["summary"]["deliveries"], 6);
}

#[test]
fn retries_resend_identical_bytes_exactly_as_configured() {
    let server = Server::statuses(&[500, 500, 200]);
    let out = send(&[
        "messages",
        "--to",
        &server.url("/hook"),
        "--retries",
        "2",
        "--backoff-ms",
        "20",
        "--json",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let reqs = server.requests();
    assert_eq!(reqs.len(), 3);
    assert_eq!(reqs[1].raw, reqs[0].raw);
    assert_eq!(reqs[2].raw, reqs[0].raw);
    let lines = ndjson(&out);
    assert_eq!(lines[0]["attempts"], 3);
    assert_eq!(lines[0]["status"], 200);
    assert_eq!(lines[1]["summary"]["retries"], 2);

    // One retry is not enough: the 500 stands and the run fails.
    let server = Server::statuses(&[500, 500, 200]);
    let out = send(&[
        "messages",
        "--to",
        &server.url("/hook"),
        "--retries",
        "1",
        "--backoff-ms",
        "1",
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(server.requests().len(), 2);
    assert!(stdout(&out).contains("500"), "{}", stdout(&out));

    // No retries by default; 4xx is never retried.
    let server = Server::statuses(&[404]);
    let out = send(&["messages", "--to", &server.url("/"), "--retries", "3"]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(server.requests().len(), 1);
}

#[test]
fn redirects_are_failed_deliveries_and_never_followed() {
    let elsewhere = Server::ok();
    let location = elsewhere.url("/moved");
    let loc = location.clone();
    let server = Server::http(move |_, _| Action::redirect(302, &loc));
    let out = send(&["messages", "--to", &server.url("/hook"), "--json"]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(server.requests().len(), 1);
    assert_eq!(elsewhere.requests().len(), 0, "the redirect was followed");
    let lines = ndjson(&out);
    assert_eq!(lines[0]["status"], 302);
    assert_eq!(lines[0]["ok"], false);
    assert!(lines[0]["error"].as_str().unwrap().contains(&location));
    assert!(stderr(&out).contains("redirect"), "{}", stderr(&out));
}

#[test]
fn timeout_ends_a_hanging_delivery() {
    let server = Server::http(|_, _| Action::Hang(Duration::from_secs(10)));
    let start = Instant::now();
    let out = send(&[
        "messages",
        "--to",
        &server.url("/hook"),
        "--timeout",
        "0.5",
        "--json",
    ]);
    let took = start.elapsed();
    assert_eq!(out.status.code(), Some(1));
    assert!(took < Duration::from_secs(5), "took {took:?}");
    let lines = ndjson(&out);
    assert_eq!(lines[0]["status"], Value::Null);
    assert!(
        lines[0]["error"].as_str().unwrap().contains("timeout"),
        "{}",
        lines[0]
    );
    let latency = lines[0]["latency_ms"].as_f64().unwrap();
    assert!((450.0..4000.0).contains(&latency), "{latency}");
    assert_eq!(lines[1]["summary"]["errors"]["timeout"], 1);
}

#[test]
fn expect_and_tamper_decide_the_exit_code() {
    let server = Server::verifying();
    let url = server.url("/hook");
    let code = |args: &[&str]| {
        let mut all = vec!["messages", "--to", url.as_str()];
        all.extend_from_slice(args);
        send(&all).status.code()
    };
    assert_eq!(code(&[]), Some(0));
    assert_eq!(code(&["--expect", "200"]), Some(0));
    assert_eq!(code(&["--expect", "4xx"]), Some(1));
    for tamper in [
        "bad-signature",
        "no-signature",
        "wrong-secret",
        "modified-body",
    ] {
        assert_eq!(
            code(&["--tamper", tamper]),
            Some(0),
            "{tamper}: 4xx by default"
        );
        assert_eq!(
            code(&["--tamper", tamper, "--expect", "4xx"]),
            Some(0),
            "{tamper}"
        );
        assert_eq!(code(&["--tamper", tamper, "--expect", "401"]), Some(0));
        assert_eq!(code(&["--tamper", tamper, "--expect", "403"]), Some(1));
    }
    let reqs = server.requests();
    // 3 genuine, then 4 per tamper kind; every forged one was rejected by the checker.
    assert_eq!(reqs.len(), 3 + 4 * 4);
    assert!(reqs[..3].iter().all(signature_valid));
    assert!(reqs[3..].iter().all(|r| !signature_valid(r)));
    let unsigned = &reqs[3 + 4];
    assert_eq!(unsigned.header("X-Hub-Signature-256"), None);

    for bad in ["2xxx", "abc", "600", ""] {
        let out = send(&["messages", "--to", &url, "--expect", bad]);
        assert_eq!(out.status.code(), Some(2), "--expect {bad:?}");
    }
    assert_eq!(server.requests().len(), 19, "a usage error sends nothing");
}

/// Issue 14 point 5: an endpoint that rejects a forgery is correct, so `--tamper` alone
/// exits 0 on a 4xx and 1 when the forgery is accepted; an explicit `--expect` still wins.
#[test]
fn tamper_expects_4xx_unless_told_otherwise() {
    let verifying = Server::verifying();
    let lax = Server::ok();
    let run = |server: &Server, extra: &[&str]| {
        let url = server.url("/webhook");
        let mut args = vec!["messages", "--tamper", "wrong-secret", "--to", url.as_str()];
        args.extend_from_slice(extra);
        send(&args)
    };
    let out = run(&verifying, &[]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let out = run(&lax, &[]);
    assert_eq!(out.status.code(), Some(1), "a forgery accepted fails");
    assert!(
        stderr(&out).contains("the endpoint accepted a forged delivery (--tamper wrong-secret)"),
        "{}",
        stderr(&out)
    );
    assert_eq!(run(&verifying, &["--expect", "2xx"]).status.code(), Some(1));
    assert_eq!(run(&lax, &["--expect", "2xx"]).status.code(), Some(0));
    let help = cmzon(tempfile::tempdir().unwrap().path())
        .args(["send", "--help"])
        .output()
        .unwrap();
    assert!(
        stdout(&help).contains("4xx with --tamper"),
        "{}",
        stdout(&help)
    );
}

/// Issue 14 point 6: an unknown `--tamper` kind lists the valid kinds.
#[test]
fn unknown_tamper_kind_lists_the_kinds() {
    let out = send(&["messages", "--tamper", "foo", "--to", "http://127.0.0.1:9/"]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(
        err.contains("valid values: bad-signature, no-signature, wrong-secret, modified-body"),
        "{err}"
    );
    assert!(!err.contains("see `cmzon-hook --help`"), "{err}");
}

/// Issue 14 point 7: a capture given as a payload file stops with a hint to use
/// `--from-capture` instead of sending the whole file as one body.
#[test]
fn a_capture_given_as_a_payload_points_to_from_capture() {
    let server = Server::ok();
    let dir = tempfile::tempdir().unwrap();
    let body = support::captures::text_message("wamid.A", "hi");
    let req = captured(&body, "sha256=00");
    let jsonl = cmzon_hook::capture::to_jsonl_line(&req);
    let har = serde_json::json!({"log": {"version": "1.2", "entries": [{"request": {
        "method": "POST", "url": "https://h.test/webhook", "headers": [],
        "postData": {"mimeType": "application/json", "text": String::from_utf8(body.clone()).unwrap()}
    }}]}});
    let mut raw = format!(
        "POST /webhook HTTP/1.1\r\nHost: h\r\nContent-Length: {}\r\n\r\n",
        body.len()
    )
    .into_bytes();
    raw.extend_from_slice(&body);
    let files: [(&str, Vec<u8>, &str); 4] = [
        (
            "cap.jsonl",
            format!("{jsonl}\n{jsonl}\n").into_bytes(),
            "a cmzon-hook capture (JSONL)",
        ),
        (
            "one.jsonl",
            format!("{jsonl}\n").into_bytes(),
            "a cmzon-hook capture (JSONL)",
        ),
        (
            "devtools.har",
            serde_json::to_vec_pretty(&har).unwrap(),
            "a HAR file",
        ),
        ("req.http", raw, "a raw HTTP request"),
    ];
    for (name, bytes, kind) in files {
        let path = dir.path().join(name);
        std::fs::write(&path, bytes).unwrap();
        let out = send(&[path.to_str().unwrap(), "--to", &server.url("/webhook")]);
        assert_eq!(out.status.code(), Some(2), "{name}: {}", stderr(&out));
        let err = stderr(&out);
        assert_eq!(err.lines().count(), 2, "one error line and its hint: {err}");
        assert!(
            err.contains(&format!("is {kind}, not a webhook payload")),
            "{err}"
        );
        assert!(
            err.contains(&format!("--from-capture {}", path.display())),
            "{err}"
        );
    }
    assert!(server.requests().is_empty(), "nothing was sent");
    // A webhook body is still sent as it is.
    let plain = dir.path().join("body.json");
    std::fs::write(&plain, &body).unwrap();
    let out = send(&[plain.to_str().unwrap(), "--to", &server.url("/webhook")]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(server.requests()[0].body, body);
}

/// A browser devtools export: the page's GETs, a preflight, an empty beacon POST and one
/// webhook POST signed with `secret`.
pub(crate) fn devtools_har(secret: &str, webhook_body: &[u8]) -> serde_json::Value {
    let entry = |method: &str, url: &str, body: Option<&[u8]>| {
        let mut request = serde_json::json!({
            "method": method, "url": url, "httpVersion": "HTTP/2",
            "headers": [{"name": ":authority", "value": "app.test"}],
        });
        if let Some(b) = body {
            request["headers"].as_array_mut().unwrap().push(serde_json::json!(
                {"name": "X-Hub-Signature-256", "value": cmzon_hook::webhook::signature::sign(secret.as_bytes(), b)}
            ));
            request["postData"] = serde_json::json!(
                {"mimeType": "application/json", "text": String::from_utf8(b.to_vec()).unwrap()}
            );
        }
        serde_json::json!({"startedDateTime": "2024-05-01T12:00:00.000Z", "request": request, "response": {"status": 200}})
    };
    serde_json::json!({"log": {"version": "1.2", "creator": {"name": "WebInspector", "version": "537.36"}, "entries": [
        entry("GET", "https://app.test/", None),
        entry("GET", "https://app.test/app.js", None),
        entry("OPTIONS", "https://app.test/webhook", None),
        entry("POST", "https://app.test/webhook", Some(webhook_body)),
        entry("POST", "https://app.test/beacon", Some(b"")),
    ]}})
}

/// Issue 14 point 8: replaying a devtools HAR sends only its webhook POST, never an empty
/// POST for a GET, and says how many entries it skipped.
#[test]
fn from_capture_of_a_devtools_har_replays_only_webhook_posts() {
    let server = Server::verifying();
    let dir = tempfile::tempdir().unwrap();
    let body = support::captures::text_message("wamid.H", "hello");
    let har = dir.path().join("devtools.har");
    std::fs::write(
        &har,
        serde_json::to_vec_pretty(&devtools_har(SECRET, &body)).unwrap(),
    )
    .unwrap();
    let out = send(&[
        "--from-capture",
        har.to_str().unwrap(),
        "--to",
        &server.url("/webhook"),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let reqs = server.requests();
    assert_eq!(reqs.len(), 1, "only the webhook POST is replayed");
    assert_eq!(reqs[0].body, body);
    assert!(stdout(&out).contains("devtools.har#4"), "{}", stdout(&out));
    assert!(
        stderr(&out).contains("skipped 4 HAR entries that are not webhook deliveries"),
        "{}",
        stderr(&out)
    );
    assert!(stderr(&out).contains("GET /app.js"), "{}", stderr(&out));
}

/// Issue 14 point 9: `--set` keeps a string a string (a phone number stays "4477…"), unless
/// the value is JSON-quoted or given with `--set-json`.
#[test]
fn set_keeps_strings_strings_and_set_json_sets_json() {
    let server = Server::ok();
    let path = "entry.0.changes.0.value.messages.0.from";
    let from = |args: &[&str]| {
        let mut all = vec!["messages", "--to"];
        let url = server.url("/webhook");
        all.push(&url);
        all.extend_from_slice(args);
        let out = send(&all);
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        let body = server.requests().last().unwrap().body.clone();
        let v: Value = serde_json::from_slice(&body).unwrap();
        v["entry"][0]["changes"][0]["value"]["messages"][0]["from"].clone()
    };
    let set = format!("{path}=447700900000");
    assert_eq!(from(&["--set", &set]), serde_json::json!("447700900000"));
    let quoted = format!("{path}=\"447700900000\"");
    assert_eq!(from(&["--set", &quoted]), serde_json::json!("447700900000"));
    assert_eq!(
        from(&["--set-json", &set]),
        serde_json::json!(447700900000u64)
    );
    // Where the payload has no string, VALUE is still JSON when it parses.
    let added = "entry.0.changes.0.value.messages.0.extra=12";
    let out = send(&["messages", "--to", &server.url("/webhook"), "--set", added]);
    assert_eq!(out.status.code(), Some(0));
    let v: Value = serde_json::from_slice(&server.requests().last().unwrap().body).unwrap();
    assert_eq!(
        v["entry"][0]["changes"][0]["value"]["messages"][0]["extra"],
        12
    );
    // fixtures show agrees, and --set-json wants JSON.
    let dir = tempfile::tempdir().unwrap();
    let show = cmzon(dir.path())
        .args(["fixtures", "show", "messages", "--compact", "--set", &set])
        .output()
        .unwrap();
    assert!(
        stdout(&show).contains("\"from\":\"447700900000\""),
        "{}",
        stdout(&show)
    );
    let bad = format!("{path}=not json");
    let out = send(&[
        "messages",
        "--to",
        &server.url("/webhook"),
        "--set-json",
        &bad,
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("--set-json"), "{}", stderr(&out));
}

/// Issue 14 point 10: a self-signed certificate that is its own CA, given as `--ca-cert`,
/// is explained in plain words (no rustls internals), with mkcert and --insecure as ways out.
#[test]
fn self_signed_ca_certificate_is_explained_in_plain_words() {
    let cert = self_signed_ca(&["127.0.0.1", "localhost"]);
    let server = Server::https(server_config(&cert), |_, _| Action::status(200));
    let dir = tempfile::tempdir().unwrap();
    let pem = dir.path().join("cert.pem");
    std::fs::write(&pem, &cert.leaf_pem).unwrap();
    let url = server.url("/webhook");
    let out = send(&["messages", "--to", &url, "--ca-cert", pem.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let all = format!("{}{}", stdout(&out), stderr(&out));
    assert!(
        all.contains("self-signed and used as its own CA") && all.contains("mkcert"),
        "{all}"
    );
    assert!(all.contains("--insecure"), "{all}");
    for internal in ["Other(", "OtherError", "CaUsedAsEndEntity"] {
        assert!(!all.contains(internal), "{all}");
    }
    assert!(
        !all.contains("trust a private CA with --ca-cert"),
        "--ca-cert was given: {all}"
    );
    assert!(server.requests().is_empty());
    // The way out for local tests works.
    let out = send(&["messages", "--to", &url, "--insecure"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
}

#[test]
fn dry_run_prints_exact_requests_and_sends_nothing() {
    let server = Server::ok();
    let out = send(&[
        "messages",
        "--to",
        &server.url("/hook"),
        "--dry-run",
        "--count",
        "2",
        "-H",
        "X-Test: yes",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(server.requests().len(), 0);
    let text = stdout(&out);
    assert_eq!(text.matches("POST /hook HTTP/1.1\r\n").count(), 2, "{text}");
    assert!(text.contains(&format!("Host: {}\r\n", server.addr)));
    assert!(text.contains("X-Test: yes\r\n"));
    // Each printed signature verifies over the printed body.
    for req in text.split("POST /hook").skip(1) {
        let (head, body) = req.split_once("\r\n\r\n").unwrap();
        let body = body.trim_end_matches('\n');
        let sig = head
            .lines()
            .find_map(|l| l.strip_prefix("X-Hub-Signature-256: "))
            .unwrap()
            .trim();
        assert_eq!(
            sig,
            format!(
                "sha256={}",
                hmac_sha256_hex(SECRET.as_bytes(), body.as_bytes())
            )
        );
        let len: usize = head
            .lines()
            .find_map(|l| l.strip_prefix("Content-Length: "))
            .unwrap()
            .trim()
            .parse()
            .unwrap();
        assert_eq!(len, body.len());
    }
}

#[test]
fn json_output_is_ndjson_with_the_documented_keys() {
    let server = Server::statuses(&[200, 503, 200]);
    let out = send(&[
        "messages",
        "--to",
        &server.url("/hook"),
        "--count",
        "3",
        "--json",
    ]);
    assert_eq!(out.status.code(), Some(1));
    let lines = ndjson(&out);
    assert_eq!(lines.len(), 4);
    for (i, l) in lines[..3].iter().enumerate() {
        let keys: Vec<&str> = l.as_object().unwrap().keys().map(String::as_str).collect();
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
        assert_eq!(l["n"], i as u64 + 1);
        assert_eq!(l["source"], "messages");
        assert!(l["latency_ms"].is_number());
    }
    assert_eq!(lines[1]["status"], 503);
    assert_eq!(lines[1]["ok"], false);
    let s = &lines[3]["summary"];
    assert_eq!(s["deliveries"], 3);
    assert_eq!(s["ok"], 2);
    assert_eq!(s["status"]["5xx"], 1);
    for k in ["min", "p50", "p95", "p99", "max"] {
        assert!(s["latency_ms"][k].is_number(), "{k}");
    }
    assert!(
        !stderr(&out).contains("deliveries to"),
        "no human summary in --json mode"
    );
}

#[test]
fn no_payload_without_a_terminal_lists_fixtures_and_never_prompts() {
    let server = Server::ok();
    let out = send(&["--to", &server.url("/hook")]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(err.contains("no payload"), "{err}");
    for name in ["messages", "status_read", "batch"] {
        assert!(err.contains(name), "{name} missing: {err}");
    }
    assert!(out.stdout.is_empty());
    assert_eq!(server.requests().len(), 0);
}

#[test]
fn https_needs_the_ca_and_verifies_it() {
    let ca = TlsServer::new(&["127.0.0.1", "localhost"], Validity::Long);
    let server = Server::https(ca.server.clone(), |_, _| Action::status(200));
    let dir = tempfile::tempdir().unwrap();
    let ca_path = dir.path().join("ca.pem");
    std::fs::write(&ca_path, &ca.ca_pem).unwrap();
    let url = server.url("/hook");
    assert!(url.starts_with("https://127.0.0.1:"));

    let out = send(&[
        "messages",
        "--to",
        &url,
        "--ca-cert",
        ca_path.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let reqs = server.requests();
    assert_eq!(reqs.len(), 1);
    assert!(signature_valid(&reqs[0]));

    let out = send(&["messages", "--to", &url]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("TLS"), "{}", stderr(&out));
    assert_eq!(
        server.requests().len(),
        1,
        "nothing sent over an untrusted connection"
    );

    let local = url.replace("127.0.0.1", "localhost");
    let out = send(&[
        "messages",
        "--to",
        &local,
        "--ca-cert",
        ca_path.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));

    let out = send(&["messages", "--to", &url, "--insecure"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stderr(&out).contains("--insecure"), "{}", stderr(&out));
    assert_eq!(server.requests().len(), 3);
}

#[test]
fn unresolvable_host_is_a_failed_delivery() {
    let out = send(&["messages", "--to", "http://no-such-host.invalid/hook"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("cannot resolve host no-such-host.invalid"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn url_comes_from_flag_or_env_and_is_checked() {
    let server = Server::ok();
    let dir = tempfile::tempdir().unwrap();
    let out = cmzon(dir.path())
        .args(["send", "messages", "--secret", SECRET])
        .env("CMZON_WEBHOOK_URL", server.url("/from-env"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(server.requests()[0].target, "/from-env");

    let out = send(&["messages"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("--to"), "{}", stderr(&out));
    for bad in ["not a url", "ftp://127.0.0.1/x", "127.0.0.1:3000/hook"] {
        let out = send(&["messages", "--to", bad]);
        assert_eq!(out.status.code(), Some(2), "{bad}");
    }
}

#[test]
fn files_directories_and_stdin_are_sent_byte_exact() {
    let server = Server::verifying();
    let dir = tempfile::tempdir().unwrap();
    let payloads = dir.path().join("payloads");
    std::fs::create_dir(&payloads).unwrap();
    let b = "{\"b\": \"caf\\u00e9 \\/ @\"}\n";
    let a = "{\"a\":1}";
    std::fs::write(payloads.join("b.json"), b).unwrap();
    std::fs::write(payloads.join("a.json"), a).unwrap();
    std::fs::write(payloads.join("skip.txt"), "not json").unwrap();
    let stdin_body = "{\"from\":\"stdin\"}\r\n";
    let out = cmzon(dir.path())
        .args(["send", "--secret", SECRET, "--to", &server.url("/hook")])
        .args(["payloads", "-", "-H", "X-Extra: 1"])
        .write_stdin(stdin_body)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let reqs = server.requests();
    let bodies: Vec<&[u8]> = reqs.iter().map(|r| r.body.as_slice()).collect();
    assert_eq!(
        bodies,
        [a.as_bytes(), b.as_bytes(), stdin_body.as_bytes()],
        "name order, then stdin, bytes untouched"
    );
    assert!(reqs.iter().all(signature_valid));
    assert!(reqs.iter().all(|r| r.header("X-Extra") == Some("1")));
    let text = stdout(&out);
    assert!(
        text.contains("payloads/a.json") && text.contains("#3 stdin"),
        "{text}"
    );

    let out = send(&["nope-not-a-fixture", "--to", &server.url("/")]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("messages"),
        "lists fixtures: {}",
        stderr(&out)
    );
    let out = send(&["messages", "--to", &server.url("/"), "-H", "Bad Header"]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn set_overrides_reach_the_wire() {
    let server = Server::verifying();
    let out = send(&[
        "messages",
        "--to",
        &server.url("/"),
        "--set",
        "entry.0.id=424242",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let v: Value = serde_json::from_slice(&server.requests()[0].body).unwrap();
    // The fixture's id is a string: it stays one.
    assert_eq!(v["entry"][0]["id"], "424242");
}

#[test]
fn proxies_from_the_environment_are_honoured() {
    let proxy = Server::ok();
    let dir = tempfile::tempdir().unwrap();
    // The target port is closed: only the proxy can answer.
    let out = cmzon(dir.path())
        .args(["send", "messages", "--secret", SECRET])
        .args(["--to", "http://127.0.0.1:9/via-proxy"])
        .env("HTTP_PROXY", proxy.url(""))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let reqs = proxy.requests();
    assert_eq!(reqs.len(), 1);
    assert_eq!(reqs[0].target, "http://127.0.0.1:9/via-proxy");
    assert!(signature_valid(&reqs[0]));
}

#[test]
fn concurrency_and_count_deliver_everything_once() {
    let server = Server::verifying();
    let out = send(&[
        "messages",
        "message_text",
        "--to",
        &server.url("/hook"),
        "--count",
        "25",
        "--concurrency",
        "8",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let reqs = server.requests();
    assert_eq!(reqs.len(), 50);
    assert!(reqs.iter().all(signature_valid));
    let mut ids: Vec<String> = reqs.iter().map(|r| message_id(&r.body)).collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 50, "fresh ids on every delivery");
    // Over 20 deliveries: only the summary, unless -v.
    assert!(out.stdout.is_empty(), "{}", stdout(&out));
    let err = stderr(&out);
    assert!(
        err.contains("50 deliveries") && err.contains("p99"),
        "{err}"
    );
}

#[test]
fn rate_spaces_deliveries_evenly() {
    let server = Server::ok();
    let start = Instant::now();
    let out = send(&[
        "messages",
        "--to",
        &server.url("/"),
        "--count",
        "5",
        "--rate",
        "20",
        "-c",
        "4",
        "-q",
    ]);
    let took = start.elapsed();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(server.requests().len(), 5);
    assert!(
        took >= Duration::from_millis(200),
        "5 at 20/s took {took:?}"
    );
    assert!(
        out.stderr.is_empty(),
        "--quiet prints no summary: {}",
        stderr(&out)
    );
    let out = send(&["messages", "--to", &server.url("/"), "--rate", "0"]);
    assert_eq!(out.status.code(), Some(2));
}

fn captured(body: &[u8], signature: &str) -> cmzon_hook::capture::CapturedRequest {
    cmzon_hook::capture::CapturedRequest {
        method: "POST".into(),
        path: "/webhook".into(),
        headers: vec![
            ("Content-Type".into(), "application/json".into()),
            ("X-Hub-Signature-256".into(), signature.into()),
        ],
        body: body.to_vec(),
        ..Default::default()
    }
}

#[test]
fn from_capture_skips_requests_listen_rejected() {
    let dir = tempfile::tempdir().unwrap();
    let cap = dir.path().join("cap.jsonl");
    let good = captured(b"{\"ok\":1}", "sha256=00");
    let mut cut = captured(b"{\"trunc", "sha256=00");
    cut.headers.push((
        cmzon_hook::capture::REJECTED_HEADER.into(),
        "400 body cut short".into(),
    ));
    let lines = [&cut, &good].map(cmzon_hook::capture::to_jsonl_line);
    std::fs::write(&cap, lines.join("\n") + "\n").unwrap();
    let server = Server::verifying();
    let out = send(&[
        "--from-capture",
        cap.to_str().unwrap(),
        "--to",
        &server.url("/r"),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let reqs = server.requests();
    assert_eq!(reqs.len(), 1, "only the complete request is replayed");
    assert_eq!(reqs[0].body, b"{\"ok\":1}");
    assert!(
        stderr(&out).contains("skipping 1 request(s) listen rejected"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn from_capture_replays_exact_bodies_resigned_or_with_their_signature() {
    let escaped = support::captures::VECTOR_ESCAPED;
    let escaped_sig = "sha256=89f85910e050bb36418b9e0d410203267cfe99ea51a4fd473020c58e77ffa62f";
    let bodies: [&[u8]; 3] = [escaped, b"{\"a\": 1}\r\n", b"not json at all\xff"];
    let dir = tempfile::tempdir().unwrap();
    let cap = dir.path().join("cap.jsonl");
    let lines: Vec<String> = bodies
        .iter()
        .map(|b| cmzon_hook::capture::to_jsonl_line(&captured(b, escaped_sig)))
        .collect();
    std::fs::write(&cap, lines.join("\n") + "\n").unwrap();

    // Re-signed with the secret.
    let server = Server::verifying();
    let out = send(&[
        "--from-capture",
        cap.to_str().unwrap(),
        "--to",
        &server.url("/replay"),
        "--json",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let reqs = server.requests();
    let got: Vec<&[u8]> = reqs.iter().map(|r| r.body.as_slice()).collect();
    assert_eq!(got, bodies, "bodies replayed byte for byte");
    assert!(reqs.iter().all(signature_valid));
    let lines = ndjson(&out);
    assert!(lines[0]["source"]
        .as_str()
        .unwrap()
        .ends_with("cap.jsonl:1"));
    assert!(lines[2]["source"]
        .as_str()
        .unwrap()
        .ends_with("cap.jsonl:3"));

    // --keep-signature: the captured header goes out as it was; no secret needed.
    let server = Server::ok();
    let out = cmzon(dir.path())
        .args(["send", "--from-capture", "cap.jsonl", "--keep-signature"])
        .args(["--to", &server.url("/replay")])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let reqs = server.requests();
    assert_eq!(reqs.len(), 3);
    assert!(reqs
        .iter()
        .all(|r| r.header("X-Hub-Signature-256") == Some(escaped_sig)));
    assert!(
        cmzon_hook::webhook::signature::verify_value(b"s3cret", escaped_sig, &reqs[0].body)
            .is_valid()
    );

    // A raw HTTP capture works too; a broken capture is an input error and sends nothing.
    let raw = dir.path().join("req.http");
    let mut bytes = format!(
        "POST /webhook HTTP/1.1\r\nHost: x\r\nContent-Length: {}\r\n\r\n",
        escaped.len()
    )
    .into_bytes();
    bytes.extend_from_slice(escaped);
    std::fs::write(&raw, bytes).unwrap();
    let server = Server::verifying();
    let out = send(&[
        "--from-capture",
        raw.to_str().unwrap(),
        "--to",
        &server.url("/"),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(server.requests()[0].body, escaped);
    let broken = dir.path().join("broken.jsonl");
    std::fs::write(&broken, "{\"method\":\"POST\"}\n").unwrap();
    let out = send(&[
        "--from-capture",
        broken.to_str().unwrap(),
        "--to",
        &server.url("/"),
    ]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert_eq!(server.requests().len(), 1);
}

/// This machine's host name when it resolves only to loopback addresses (so it counts as
/// "another machine" for the checks while all traffic stays local), else `None`.
fn hostname_on_loopback() -> Option<String> {
    use std::net::ToSocketAddrs;
    // The kernel's node name, as `hostname` prints it (`uname` is in coreutils).
    let out = std::process::Command::new("uname")
        .arg("-n")
        .output()
        .ok()?;
    let name = String::from_utf8(out.stdout).ok()?.trim().to_string();
    if name.is_empty() || name.eq_ignore_ascii_case("localhost") || name.contains('.') {
        return None;
    }
    let addrs: Vec<_> = (name.as_str(), 80).to_socket_addrs().ok()?.collect();
    (!addrs.is_empty() && addrs.iter().all(|a| a.ip().is_loopback())).then_some(name)
}

#[test]
fn other_hosts_get_a_plain_http_warning_and_no_question_without_a_terminal() {
    let Some(host) = hostname_on_loopback() else {
        eprintln!("skipped: this machine's host name does not resolve to loopback only");
        return;
    };
    let server = Server::ok();
    let url = format!("http://{host}:{}/hook", server.addr.port());
    let out = send(&["messages", "--to", &url, "--count", "101", "-c", "4"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(server.requests().len(), 101, "sent without asking");
    let err = stderr(&out);
    assert!(err.contains("plain HTTP") && err.contains("HTTPS"), "{err}");
    assert!(!err.contains("[y/N]"), "{err}");
    // Loopback targets get no warning.
    let out = send(&["messages", "--to", &server.url("/hook")]);
    assert!(!stderr(&out).contains("plain HTTP"), "{}", stderr(&out));
}
