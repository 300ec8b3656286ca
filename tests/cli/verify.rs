//! `cmzon-hook verify`: every capture format, every failure reason and diagnosis variant, exit
//! codes, `--json`, and that the secret never shows up in any output.

mod identity; // usernames, business-scoped user ids, account and unknown fields (issue 15)
mod parallel; // `verify` on captures read in blocks and verified on several threads

use std::io::Write;
use std::path::Path;

use crate::support::captures::*;
use crate::support::{cmzon, Run};
use cmzon_hook::capture::CapturedRequest;
use cmzon_hook::webhook::signature::{sign, sign_sha1};
use serde_json::{json, Value};

fn dir() -> tempfile::TempDir {
    tempfile::tempdir().unwrap()
}

fn verify(dir: &Path, args: &[&str]) -> Run {
    let mut c = cmzon(dir);
    c.arg("verify").args(["--secret", SECRET]).args(args);
    run(c, SECRET)
}

fn pretty(body: &[u8], indent: &[u8]) -> Vec<u8> {
    use serde::Serialize;
    let v: Value = serde_json::from_slice(body).unwrap();
    let mut out = Vec::new();
    let fmt = serde_json::ser::PrettyFormatter::with_indent(indent);
    v.serialize(&mut serde_json::Serializer::with_formatter(&mut out, fmt))
        .unwrap();
    out
}

#[test]
fn jsonl_capture_all_valid() {
    let d = dir();
    let a = text_message("wamid.A", "Hello");
    let b = text_message("wamid.B", "mangé / café 😮");
    let mut lower = signed_request(SECRET, &b, &b);
    lower.headers[1].0 = "x-hub-signature-256".into();
    write_jsonl(
        &d.path().join("cap.jsonl"),
        &[signed_request(SECRET, &a, &a), lower],
    );
    let r = verify(d.path(), &["cap.jsonl"]);
    assert_eq!(r.code, 0, "{r:?}");
    let lines: Vec<&str> = r.stdout.lines().collect();
    assert_eq!(
        lines,
        [
            "cap.jsonl#1  ✓  message text wamid.A from 16505551234 (Alice): Hello",
            "cap.jsonl#2  ✓  message text wamid.B from 16505551234 (Alice): mangé / café 😮",
        ]
    );
    assert_eq!(r.stderr, "verified 2 requests: 2 valid, 0 invalid\n");
}

#[test]
fn quiet_drops_the_summary_only() {
    let d = dir();
    let a = text_message("wamid.A", "Hello");
    write_jsonl(&d.path().join("c.jsonl"), &[signed_request(SECRET, &a, &a)]);
    let r = verify(d.path(), &["-q", "c.jsonl"]);
    assert_eq!(r.code, 0);
    assert_eq!(r.stderr, "");
    assert!(r.stdout.starts_with("c.jsonl#1  ✓"), "{}", r.stdout);
}

#[test]
fn har_capture() {
    let d = dir();
    let good = text_message("wamid.H1", "hi");
    let compact = text_message("wamid.H2", "re-serialized");
    let reformatted = pretty(&compact, b"  ");
    let entry = |body: &[u8], sig: &str| {
        json!({
            "startedDateTime": "2024-05-01T12:00:00.000Z",
            "request": {
                "method": "POST",
                "url": "https://hooks.example.test/webhook?src=cmzon",
                "httpVersion": "HTTP/2",
                "headers": [
                    {"name": ":authority", "value": "hooks.example.test"},
                    {"name": "content-type", "value": "application/json"},
                    {"name": "x-hub-signature-256", "value": sig}
                ],
                "postData": {"mimeType": "application/json", "text": String::from_utf8(body.to_vec()).unwrap()}
            },
            "response": {"status": 200}
        })
    };
    let har = json!({"log": {"version": "1.2", "creator": {"name": "test", "version": "1"}, "entries": [
        entry(&good, &sign(SECRET.as_bytes(), &good)),
        entry(&reformatted, &sign(SECRET.as_bytes(), &compact)),
    ]}});
    std::fs::write(
        d.path().join("devtools.har"),
        serde_json::to_string_pretty(&har).unwrap(),
    )
    .unwrap();
    let r = verify(d.path(), &["devtools.har"]);
    assert_eq!(r.code, 1, "{r:?}");
    let lines: Vec<&str> = r.stdout.lines().collect();
    assert_eq!(lines.len(), 3, "{}", r.stdout);
    assert!(
        lines[0].starts_with("devtools.har#1  ✓  message text wamid.H1"),
        "{}",
        lines[0]
    );
    assert!(
        lines[1].starts_with("devtools.har#2  ✗  message text wamid.H2"),
        "{}",
        lines[1]
    );
    assert!(
        lines[1].contains("signature matches the body re-serialized as compact JSON: the sender (or a proxy) re-serialized the payload — verify the raw bytes"),
        "{}",
        lines[1]
    );
    assert!(lines[2].starts_with("    hint: "), "{}", lines[2]);
    assert_eq!(r.stderr, "verified 2 requests: 1 valid, 1 invalid\n");
}

/// Issue 14 point 8: a devtools export holds the page's other requests: only POSTs with a
/// body are verified, the rest are skipped with a count on stderr and do not fail the run.
#[test]
fn devtools_har_skips_entries_that_are_not_webhook_posts() {
    let d = dir();
    let body = text_message("wamid.D1", "from devtools");
    let har = crate::send::devtools_har(SECRET, &body);
    std::fs::write(
        d.path().join("devtools.har"),
        serde_json::to_string_pretty(&har).unwrap(),
    )
    .unwrap();
    let r = verify(d.path(), &["devtools.har"]);
    assert_eq!(r.code, 0, "{r:?}");
    let lines: Vec<&str> = r.stdout.lines().collect();
    assert_eq!(lines.len(), 1, "{}", r.stdout);
    assert!(
        lines[0].starts_with("devtools.har#4  ✓  message text wamid.D1"),
        "{}",
        lines[0]
    );
    assert_eq!(
        r.stderr,
        "devtools.har: skipped 4 HAR entries that are not webhook deliveries (only a POST with a body is): GET /, GET /app.js, OPTIONS /webhook, …\nverified 1 request: 1 valid, 0 invalid\n"
    );
    // --json keeps stdout to records; a HAR with no delivery at all is not a green light.
    let r = verify(d.path(), &["--json", "devtools.har"]);
    assert_eq!(r.code, 0);
    assert_eq!(r.json_lines().len(), 1);
    let only_gets = json!({"log": {"entries": [{"request": {"method": "GET", "url": "https://a.test/", "headers": []}}]}});
    std::fs::write(d.path().join("page.har"), only_gets.to_string()).unwrap();
    let r = verify(d.path(), &["page.har"]);
    assert_eq!(r.code, 2, "{r:?}");
    assert!(
        r.stderr.contains("page.har holds no webhook deliveries"),
        "{}",
        r.stderr
    );
}

#[test]
fn raw_http_capture_with_pipelining_and_chunks() {
    let d = dir();
    let first = text_message("wamid.R1", "raw");
    let second = text_message("wamid.R2", "chunked é");
    let mut raw = Vec::new();
    write!(
        raw,
        "POST /webhook HTTP/1.1\r\nHost: localhost:3000\r\nUser-Agent: CMzon\r\nContent-Type: application/json\r\nX-Hub-Signature-256: {}\r\nContent-Length: {}\r\n\r\n",
        sign(SECRET.as_bytes(), &first),
        first.len()
    )
    .unwrap();
    raw.extend_from_slice(&first);
    write!(
        raw,
        "POST /webhook HTTP/1.1\r\nHost: localhost:3000\r\nTransfer-Encoding: chunked\r\nX-Hub-Signature-256: {}\r\n\r\n",
        sign(SECRET.as_bytes(), &second)
    )
    .unwrap();
    for (i, chunk) in second.chunks(37).enumerate() {
        if i % 2 == 0 {
            write!(raw, "{:x};ext=1\r\n", chunk.len()).unwrap();
        } else {
            write!(raw, "{:X}\r\n", chunk.len()).unwrap();
        }
        raw.extend_from_slice(chunk);
        raw.extend_from_slice(b"\r\n");
    }
    raw.extend_from_slice(b"0\r\nX-Trailer: done\r\n\r\n");
    // No .http extension: the format comes from the content.
    std::fs::write(d.path().join("req.bin"), &raw).unwrap();
    let r = verify(d.path(), &["req.bin"]);
    assert_eq!(r.code, 0, "{r:?}");
    let lines: Vec<&str> = r.stdout.lines().collect();
    assert_eq!(lines.len(), 2);
    assert!(
        lines[0].starts_with("req.bin#1  ✓  message text wamid.R1"),
        "{}",
        lines[0]
    );
    assert!(
        lines[1].starts_with("req.bin#2  ✓  message text wamid.R2"),
        "{}",
        lines[1]
    );
}

#[test]
fn formats_are_detected_from_content_not_extension() {
    let d = dir();
    let a = text_message("wamid.X", "x");
    write_jsonl(
        &d.path().join("looks-like.har"),
        &[signed_request(SECRET, &a, &a)],
    );
    let r = verify(d.path(), &["--json", "looks-like.har"]);
    assert_eq!(r.code, 0, "{r:?}");
    assert_eq!(r.json_lines()[0]["source"], "looks-like.har#1");

    // Capture from stdin.
    let mut c = cmzon(d.path());
    c.args(["verify", "--secret", SECRET, "--json", "-"])
        .write_stdin(std::fs::read(d.path().join("looks-like.har")).unwrap());
    let r = run(c, SECRET);
    assert_eq!(r.code, 0, "{r:?}");
    assert_eq!(r.json_lines()[0]["source"], "-#1");
}

/// One capture line per failure reason; `--json` gives each its reason.
#[test]
fn each_failure_reason() {
    let d = dir();
    let body = text_message("wamid.F", "reasons");
    let sha1 = sign_sha1(SECRET.as_bytes(), &body);
    let wrong = sign(b"the-verify-token", &body);
    let ct = ("Content-Type", "application/json");
    write_jsonl(
        &d.path().join("reasons.jsonl"),
        &[
            request(&[ct], &body),
            request(&[ct, ("X-Hub-Signature-256", &sha1)], &body),
            request(&[ct, ("X-Hub-Signature-256", "sha256=xyz")], &body),
            request(&[ct, ("X-Hub-Signature-256", &"zz".repeat(32))], &body),
            request(&[ct, ("X-Hub-Signature-256", &wrong)], &body),
            request(&[ct, ("X-Hub-Signature", &sha1)], &body),
            request(&[ct, ("X-Hub-Signature-256", "md5=abcdef")], &body),
        ],
    );
    let r = verify(d.path(), &["--json", "reasons.jsonl"]);
    assert_eq!(r.code, 1, "{r:?}");
    let lines = r.json_lines();
    assert_eq!(lines.len(), 7);
    let expected_prefix =
        &cmzon_hook::webhook::signature::sign(SECRET.as_bytes(), &body)["sha256=".len()..][..8];
    let cases: [(bool, Value, &str); 7] = [
        (false, Value::Null, "no X-Hub-Signature-256 header"),
        (false, json!("sha1"), "legacy sha1 signature (it matches); CMzon signs with sha256"),
        (false, Value::Null, "malformed signature: sha256 hex digest has 3 characters, expected 64"),
        (false, Value::Null, "no `sha256=` prefix"),
        (
            false,
            json!("sha256"),
            &format!(
                "signature mismatch (expected {expected_prefix}…, got {}…): the secret is most likely wrong",
                &wrong[7..15]
            ),
        ),
        (false, json!("sha1"), "legacy sha1 signature (it matches); CMzon signs with sha256"),
        (false, Value::Null, "unsupported signature scheme `md5=`"),
    ];
    for (i, (line, (valid, scheme, reason))) in lines.iter().zip(cases).enumerate() {
        assert_eq!(line["source"], format!("reasons.jsonl#{}", i + 1));
        assert_eq!(line["valid"], valid, "{line}");
        assert_eq!(line["scheme"], scheme, "{line}");
        let got = line["reason"].as_str().unwrap();
        assert!(
            got.contains(reason),
            "line {}: {got}\n  wanted: {reason}",
            i + 1
        );
        assert!(line["hint"].is_string(), "{line}");
        assert_eq!(line["diagnosis"], Value::Null);
    }
    assert_eq!(lines[0]["events"][0]["id"], "wamid.F");
    assert_eq!(r.stderr, "verified 7 requests: 0 valid, 7 invalid\n");
    // The human view says the same things.
    let r = verify(d.path(), &["reasons.jsonl"]);
    assert_eq!(r.code, 1);
    assert!(r.stdout.contains("reasons.jsonl#1  ✗  message text wamid.F from 16505551234 (Alice): reasons — no X-Hub-Signature-256 header\n    hint: "), "{}", r.stdout);
    assert!(
        r.stdout
            .contains("reasons.jsonl#6  ✗  message text wamid.F"),
        "{}",
        r.stdout
    );
}

#[test]
fn json_output_has_the_keys_and_nothing_else_on_stdout() {
    let d = dir();
    let a = text_message("wamid.J", "json");
    write_jsonl(
        &d.path().join("c.jsonl"),
        &[
            signed_request(SECRET, &a, &a),
            signed_request("other", &a, &a),
        ],
    );
    let r = verify(d.path(), &["--json", "c.jsonl"]);
    assert_eq!(r.code, 1);
    for line in r.json_lines() {
        let obj = line.as_object().unwrap();
        for key in ["source", "valid", "scheme", "reason", "hint"] {
            assert!(obj.contains_key(key), "{key} missing: {line}");
        }
    }
    let lines = r.json_lines();
    assert_eq!(lines[0]["valid"], true);
    assert_eq!(lines[0]["reason"], "signature valid");
    assert_eq!(lines[0]["hint"], Value::Null);
    assert_eq!(lines[0]["events"][0]["kind"], "message");
    assert_eq!(lines[1]["valid"], false);
}

struct Case {
    id: &'static str,
    signed: Vec<u8>,
    captured: Vec<u8>,
}

fn body_variant_cases() -> Vec<Case> {
    let b = text_message("wamid.V", "café / 😮");
    let p = pretty(&b, b"  ");
    let crlf = String::from_utf8(p.clone())
        .unwrap()
        .replace('\n', "\r\n")
        .into_bytes();
    let case = |id, signed: &[u8], captured: &[u8]| Case {
        id,
        signed: signed.to_vec(),
        captured: captured.to_vec(),
    };
    vec![
        case("trailing-newline-added", &[&b[..], b"\n"].concat(), &b),
        case("trailing-newline-removed", &b, &[&b[..], b"\n"].concat()),
        case("crlf-to-lf", &p, &crlf),
        case("lf-to-crlf", &crlf, &p),
        case("unescaped", VECTOR_UNESCAPED, VECTOR_ESCAPED),
        case(
            "unescaped-unicode",
            "{\"a\":\"é \\/\"}".as_bytes(),
            br#"{"a":"\u00e9 \/"}"#,
        ),
        case("escaped", VECTOR_ESCAPED, VECTOR_UNESCAPED),
        case(
            "escaped-unicode",
            br#"{"a":"\u00e9 /"}"#,
            "{\"a\":\"é /\"}".as_bytes(),
        ),
        case("compact-json", &b, &p),
        case(
            "compact-json-escaped",
            br#"{"a":"\u00e9\/x","n":[1,2.5]}"#,
            "{\n  \"a\": \"é/x\",\n  \"n\": [1, 2.5]\n}".as_bytes(),
        ),
        case("pretty-json-2", &p, &b),
        case("pretty-json-4", &pretty(&b, b"    "), &b),
        case(
            "python-json",
            br#"{"a": [1, 2.0], "b": "caf\u00e9", "c": null}"#,
            "{\"a\":[1,2.0],\"b\":\"café\",\"c\":null}".as_bytes(),
        ),
    ]
}

#[test]
fn each_body_variant_is_diagnosed_in_a_capture() {
    let d = dir();
    let cases = body_variant_cases();
    let requests: Vec<CapturedRequest> = cases
        .iter()
        .map(|c| signed_request(SECRET, &c.signed, &c.captured))
        .collect();
    write_jsonl(&d.path().join("variants.jsonl"), &requests);
    let r = verify(d.path(), &["--json", "variants.jsonl"]);
    assert_eq!(r.code, 1, "{r:?}");
    let lines = r.json_lines();
    assert_eq!(lines.len(), cases.len());
    for (case, line) in cases.iter().zip(&lines) {
        assert_eq!(line["diagnosis"], case.id, "{line}");
        assert_eq!(line["valid"], false);
        let reason = line["reason"].as_str().unwrap();
        assert!(reason.contains("signature matches"), "{reason}");
        assert!(!reason.contains("secret is most likely wrong"), "{reason}");
    }
}

#[test]
fn escaping_vectors_through_body_and_signature() {
    let d = dir();
    std::fs::write(d.path().join("escaped.json"), VECTOR_ESCAPED).unwrap();
    std::fs::write(d.path().join("unescaped.json"), VECTOR_UNESCAPED).unwrap();
    let vector = |args: &[&str]| {
        let mut c = cmzon(d.path());
        c.args(["verify", "--secret", VECTOR_SECRET]).args(args);
        run(c, VECTOR_SECRET)
    };
    let r = vector(&["--body", "escaped.json", "--signature", SIG_ESCAPED]);
    assert_eq!(r.code, 0, "{r:?}");
    // Signed unescaped, received escaped (and the other way round, the classic
    // JSON.stringify(req.body) bug).
    let r = vector(&["--body", "escaped.json", "--signature", SIG_UNESCAPED]);
    assert_eq!(r.code, 1);
    assert!(r.stdout.starts_with("escaped.json  ✗  (not a WhatsApp webhook) — signature mismatch (expected 89f85910…, got 046dca3b…): signature matches the body with its \\uXXXX and \\/ escapes decoded"), "{}", r.stdout);
    let r = vector(&[
        "--json",
        "--body",
        "unescaped.json",
        "--signature",
        SIG_ESCAPED,
    ]);
    assert_eq!(r.code, 1);
    let line = &r.json_lines()[0];
    assert_eq!(line["diagnosis"], "escaped");
    assert_eq!(line["source"], "unescaped.json");
    assert!(
        line["reason"]
            .as_str()
            .unwrap()
            .contains("as CMzon/Meta send it"),
        "{line}"
    );
    // A pasted header line works as the value; stdin works as the body.
    let mut c = cmzon(d.path());
    c.args([
        "verify",
        "--secret",
        VECTOR_SECRET,
        "--body",
        "-",
        "--signature",
    ])
    .arg(format!("X-Hub-Signature-256: {SIG_MESSAGES}"))
    .write_stdin(VECTOR_MESSAGES);
    let r = run(c, VECTOR_SECRET);
    assert_eq!(r.code, 0, "{r:?}");
    assert!(
        r.stdout.starts_with("stdin  ✓  message text wamid.xxx"),
        "{}",
        r.stdout
    );
}

#[test]
fn secret_variants_are_diagnosed() {
    let d = dir();
    let body = text_message("wamid.S", "secret");
    std::fs::write(d.path().join("b.json"), &body).unwrap();
    // The verifier's secret has stray whitespace; the signer's has not.
    let sig = sign(SECRET.as_bytes(), &body);
    let mut c = cmzon(d.path());
    c.args(["verify", "--json", "--body", "b.json", "--signature", &sig])
        .args(["--secret", &format!(" {SECRET}\t")]);
    let r = run(c, SECRET);
    assert_eq!(r.code, 1);
    assert_eq!(r.json_lines()[0]["diagnosis"], "secret-trimmed");
    // The signer's secret carries a newline.
    let sig = sign(format!("{SECRET}\n").as_bytes(), &body);
    let r = verify(d.path(), &["--body", "b.json", "--signature", &sig]);
    assert_eq!(r.code, 1);
    assert!(
        r.stdout
            .contains("signature matches under the secret followed by a newline"),
        "{}",
        r.stdout
    );
}

#[test]
fn unreadable_inputs_exit_2_and_readable_requests_are_still_reported() {
    let d = dir();
    let a = text_message("wamid.U", "u");
    let good = cmzon_hook::capture::to_jsonl_line(&signed_request(SECRET, &a, &a));
    std::fs::write(
        d.path().join("cap.jsonl"),
        format!("{good}\n{{\"method\": \"POST\" \"path\"}}\n{good}\n"),
    )
    .unwrap();
    let r = verify(d.path(), &["cap.jsonl", "missing.jsonl"]);
    assert_eq!(r.code, 2, "{r:?}");
    assert_eq!(r.stdout.lines().count(), 2, "{}", r.stdout);
    assert!(r.stdout.contains("cap.jsonl:1  ✓") && r.stdout.contains("cap.jsonl:3  ✓"));
    assert!(
        r.stderr
            .contains("cmzon-hook: error: cap.jsonl:2: invalid JSON: expected"),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr
            .contains("cmzon-hook: error: cannot read missing.jsonl: no such file"),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr
            .ends_with("verified 2 requests: 2 valid, 0 invalid, 2 unreadable\n"),
        "{}",
        r.stderr
    );

    std::fs::write(d.path().join("notes.txt"), "hello\n").unwrap();
    let r = verify(d.path(), &["notes.txt"]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("notes.txt: not a capture"),
        "{}",
        r.stderr
    );

    // Invalid and unreadable together: unreadable wins.
    write_jsonl(
        &d.path().join("bad.jsonl"),
        &[signed_request("other", &a, &a)],
    );
    let r = verify(d.path(), &["bad.jsonl", "notes.txt"]);
    assert_eq!(r.code, 2);

    let r = verify(
        d.path(),
        &["--body", "nope.json", "--signature", "sha256=00"],
    );
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("cannot read nope.json: no such file"),
        "{}",
        r.stderr
    );
}

#[test]
fn usage_errors_exit_2() {
    let d = dir();
    let r = verify(d.path(), &[]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("nothing to verify"), "{}", r.stderr);
    assert!(r.stderr.contains("hint: "), "{}", r.stderr);
    let r = verify(d.path(), &["--body", "x.json"]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("--signature"), "{}", r.stderr);

    std::fs::write(d.path().join("c.jsonl"), "").unwrap();
    let mut c = cmzon(d.path());
    c.args(["verify", "c.jsonl"]);
    let r = run(c, SECRET);
    assert_eq!(r.code, 2);
    assert_eq!(r.stdout, "");
    for way in ["--secret", "--secret-file", "CMZON_WEBHOOK_SECRET"] {
        assert!(r.stderr.contains(way), "{}", r.stderr);
    }
}

#[test]
fn secret_from_file_and_env_and_never_in_output_even_verbose() {
    let d = dir();
    let a = text_message("wamid.L", "leak?");
    let mut leaky = signed_request("wrong", &a, &a);
    leaky
        .headers
        .push(("Authorization".into(), format!("Bearer {SECRET}")));
    write_jsonl(
        &d.path().join("c.jsonl"),
        &[signed_request(SECRET, &a, &a), leaky],
    );
    std::fs::write(d.path().join("secret"), format!("{SECRET}\n")).unwrap();
    let mut runs = Vec::new();
    for verbose in [&[][..], &["-v"][..], &["-vv", "--json"][..]] {
        let mut file = cmzon(d.path());
        file.args(["verify", "--secret-file", "secret", "c.jsonl"])
            .args(verbose);
        let mut primary = cmzon(d.path());
        primary
            .env("CMZON_WEBHOOK_SECRET", SECRET)
            .args(["verify", "c.jsonl"])
            .args(verbose);
        let mut fallback = cmzon(d.path());
        fallback
            .env("WEBHOOK_SECRET", SECRET)
            .args(["verify", "c.jsonl"])
            .args(verbose);
        runs.extend([file, primary, fallback]);
    }
    for c in runs {
        let r = run(c, SECRET);
        assert_eq!(r.code, 1, "{r:?}");
        assert!(
            r.stdout.contains("c.jsonl#1") && r.stdout.contains("c.jsonl#2"),
            "{r:?}"
        );
        if r.stderr.contains("Authorization") {
            assert!(r.stderr.contains("Bearer <secret>"), "{}", r.stderr);
        }
    }
    let r = verify(d.path(), &["-v", "c.jsonl"]);
    assert!(
        r.stderr.contains("  c.jsonl#1: POST /webhook, "),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr.contains("    X-Hub-Signature-256: sha256="),
        "{}",
        r.stderr
    );
}

#[test]
fn bodies_above_the_diagnosis_limit_stream_and_say_they_were_not_diagnosed() {
    let d = dir();
    let body = vec![b'a'; cmzon_hook::webhook::signature::DIAGNOSE_MAX_BODY + (1 << 20)];
    std::fs::write(d.path().join("big.bin"), &body).unwrap();
    let sig = sign(SECRET.as_bytes(), &body);
    let r = verify(d.path(), &["--body", "big.bin", "--signature", &sig]);
    assert_eq!(r.code, 0, "{r:?}");
    assert_eq!(r.stdout, "big.bin  ✓  (17.0 MiB body, not inspected)\n");
    let other = sign(b"other", &body);
    let r = verify(
        d.path(),
        &["--json", "--body", "big.bin", "--signature", &other],
    );
    assert_eq!(r.code, 1);
    let line = &r.json_lines()[0];
    assert_eq!(line["diagnosis"], "not-diagnosed");
    let reason = line["reason"].as_str().unwrap();
    assert!(
        reason.contains("larger than the 16 MiB diagnosis limit"),
        "{reason}"
    );
    assert!(!reason.contains("most likely wrong"), "{reason}");
}

/// Streaming at scale: 100,000 requests, one line each, all valid. (Timing is measured by
/// hand on a release build; a debug build is several times slower.)
#[test]
fn a_hundred_thousand_request_capture_verifies() {
    const N: u64 = 100_000;
    let d = dir();
    let path = d.path().join("big.jsonl");
    let mut out = std::io::BufWriter::new(std::fs::File::create(&path).unwrap());
    // 1,000 distinct signed bodies, cycled: neighbouring lines always differ.
    let bodies: Vec<(String, String)> = (0..1000)
        .map(|k| {
            let body = format!(
                r#"{{"object":"whatsapp_business_account","entry":[{{"id":"{k}","changes":[]}}]}}"#
            );
            (sign(SECRET.as_bytes(), body.as_bytes()), body)
        })
        .collect();
    for i in 1..=N {
        let (sig, body) = &bodies[(i % 1000) as usize];
        writeln!(
            out,
            r#"{{"id":{i},"received_at":"2024-05-01T12:00:00Z","remote_addr":"127.0.0.1:40000","method":"POST","path":"/webhook","query":"","headers":[["Content-Type","application/json"],["X-Hub-Signature-256","{sig}"]],"body":"{}"}}"#,
            body.replace('"', "\\\"")
        )
        .unwrap();
    }
    out.into_inner().unwrap().sync_all().unwrap();
    let r = verify(d.path(), &["big.jsonl"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(r.stdout.lines().count(), N as usize);
    assert_eq!(r.stdout.matches("  ✓  ").count(), N as usize);
    assert_eq!(
        r.stdout.lines().last(),
        Some("big.jsonl#100000  ✓  (no events)")
    );
    assert_eq!(
        r.stderr,
        "verified 100000 requests: 100000 valid, 0 invalid\n"
    );
}

#[test]
fn requests_listen_refused_are_reported_as_not_verified() {
    let d = dir();
    let full = text_message("wamid.R", "Hello");
    let mut cut = signed_request(SECRET, &full, &full[..full.len() / 2]);
    cut.headers.push((
        cmzon_hook::capture::REJECTED_HEADER.into(),
        "413 Payload Too Large".into(),
    ));
    write_jsonl(&d.path().join("cap.jsonl"), &[cut]);
    let r = verify(d.path(), &["cap.jsonl"]);
    assert_eq!(r.code, 1, "{r:?}");
    assert!(
        r.stdout.contains("not verified: listen refused this request before its body was complete (413 Payload Too Large)"),
        "{}",
        r.stdout
    );
    assert!(
        !r.stdout.contains("secret is most likely wrong"),
        "{}",
        r.stdout
    );
    let r = verify(d.path(), &["--json", "cap.jsonl"]);
    let line = &r.json_lines()[0];
    assert_eq!(line["valid"], false);
    assert!(line["hint"].as_str().unwrap().contains("--max-body"));
}

/// Runs `cmzon-hook ARGS` in `dir` with the test secret in the environment; its stdout.
fn shell_out(dir: &Path, args: &[&str]) -> Vec<u8> {
    let mut c = cmzon(dir);
    c.env("CMZON_WEBHOOK_SECRET", SECRET).args(args);
    let out = c.output().unwrap();
    assert!(out.status.success(), "{args:?}: {out:?}");
    out.stdout
}

/// Issue 14 point 1, the user's steps: `fixtures show message_text > p.json; tr -d '\n' <
/// p.json > d.json; verify --body d.json --signature "$(sign p.json)"` (what `curl -d @file`
/// sends) names the stripped newlines, not the secret.
#[test]
fn newlines_stripped_by_curl_d_are_diagnosed() {
    let d = dir();
    let pretty = shell_out(d.path(), &["fixtures", "show", "message_text"]);
    assert!(pretty.iter().filter(|b| **b == b'\n').count() > 5);
    std::fs::write(d.path().join("p.json"), &pretty).unwrap();
    let stripped: Vec<u8> = pretty.into_iter().filter(|b| *b != b'\n').collect();
    std::fs::write(d.path().join("d.json"), stripped).unwrap();
    let sig = String::from_utf8(shell_out(d.path(), &["sign", "p.json"])).unwrap();
    let r = verify(d.path(), &["--body", "d.json", "--signature", sig.trim()]);
    assert_eq!(r.code, 1, "{r:?}");
    assert!(
        r.stdout
            .contains("newlines removed from the body (curl -d strips them; use --data-binary)"),
        "{}",
        r.stdout
    );
    assert!(!r.stdout.contains("most likely wrong"), "{}", r.stdout);
    let r = verify(
        d.path(),
        &["--json", "--body", "d.json", "--signature", sig.trim()],
    );
    assert_eq!(r.json_lines()[0]["diagnosis"], "newlines-removed");
}

/// Issue 14 point 2: signed as Python's `json.dumps(doc, indent=2)` writes it (pretty and
/// `\uXXXX`-escaped), received as `JSON.stringify` re-serialized it (compact, raw UTF-8).
#[test]
fn two_changes_at_once_are_diagnosed_as_reserialized() {
    let d = dir();
    let compact = text_message("wamid.R", "mangé / café 😮");
    let value: Value = serde_json::from_slice(&compact).unwrap();
    let python = pretty(&serde_json::to_vec(&value).unwrap(), b"  ");
    let python = String::from_utf8(python).unwrap();
    let mut escaped = String::new();
    for c in python.chars() {
        if c.is_ascii() {
            escaped.push(c);
        } else {
            for unit in c.encode_utf16(&mut [0; 2]) {
                escaped.push_str(&format!("\\u{unit:04x}"));
            }
        }
    }
    std::fs::write(d.path().join("stringified.json"), &compact).unwrap();
    let sig = sign(SECRET.as_bytes(), escaped.as_bytes());
    let r = verify(
        d.path(),
        &["--json", "--body", "stringified.json", "--signature", &sig],
    );
    assert_eq!(r.code, 1, "{r:?}");
    let line = &r.json_lines()[0];
    assert_eq!(line["diagnosis"], "re-serialized", "{line}");
    let reason = line["reason"].as_str().unwrap();
    assert!(
        reason.contains(
            "re-serialized as pretty JSON with 2-space indentation, non-ASCII escaped as \\uXXXX"
        ),
        "{reason}"
    );
    assert!(!reason.contains("most likely wrong"), "{reason}");
}

/// Issue 14 point 3: `send --tamper bad-signature` changes the last hex character; verify
/// says the signature was altered and where, not that the secret is wrong. A truncated
/// value is named too.
#[test]
fn an_altered_or_truncated_signature_is_named() {
    let d = dir();
    let body = text_message("wamid.T", "tampered");
    std::fs::write(d.path().join("b.json"), &body).unwrap();
    let good = sign(SECRET.as_bytes(), &body);
    let mut bad = good.clone();
    let last = bad.pop().unwrap();
    bad.push(if last == '0' { '1' } else { '0' });
    let r = verify(d.path(), &["--body", "b.json", "--signature", &bad]);
    assert_eq!(r.code, 1, "{r:?}");
    assert!(
        r.stdout.contains("the signature was altered: its first 63 of 64 hex characters match the expected value and it first differs at character 64"),
        "{}",
        r.stdout
    );
    assert!(!r.stdout.contains("most likely wrong"), "{}", r.stdout);
    let r = verify(
        d.path(),
        &["--body", "b.json", "--signature", &good[..good.len() - 4]],
    );
    assert_eq!(r.code, 1, "{r:?}");
    assert!(
        r.stdout
            .contains("the signature was truncated: its 60 hex characters are the first 60 of the expected 64"),
        "{}",
        r.stdout
    );
}

/// Issue 14 point 4: `verify --signature sha1=<valid>` is a legacy signature, reported and
/// exit 1, bare or pasted under either header name.
#[test]
fn a_valid_sha1_signature_alone_fails() {
    let d = dir();
    let body = text_message("wamid.S", "legacy");
    std::fs::write(d.path().join("b.json"), &body).unwrap();
    let sha1 = sign_sha1(SECRET.as_bytes(), &body);
    for value in [
        sha1.clone(),
        format!("X-Hub-Signature: {sha1}"),
        format!("X-Hub-Signature-256: {sha1}"),
    ] {
        let r = verify(d.path(), &["--body", "b.json", "--signature", &value]);
        assert_eq!(r.code, 1, "{value}: {r:?}");
        assert!(
            r.stdout
                .contains("legacy sha1 signature (it matches); CMzon signs with sha256"),
            "{}",
            r.stdout
        );
    }
    let wrong = sign_sha1(b"other", &body);
    let r = verify(
        d.path(),
        &["--json", "--body", "b.json", "--signature", &wrong],
    );
    assert_eq!(r.code, 1, "{r:?}");
    let line = &r.json_lines()[0];
    assert_eq!(line["valid"], false);
    assert_eq!(line["scheme"], "sha1");
    assert_eq!(
        line["reason"],
        "legacy sha1 signature (it does not match); CMzon signs with sha256"
    );
}
