//! `cmzon-hook lint` end to end: the real binary against endpoints the tests start on port 0,
//! over HTTP and HTTPS (rcgen certificates served by rustls), with each misbehaviour the
//! checks exist for. Every run's `--json` document is validated against the committed schema.

use crate::support;

use std::path::Path;
use std::time::Duration;

use crate::support::certs::{self_signed, self_signed_ca, Ca, Validity};
use crate::support::lint::{
    assert_verdicts, check, parse_xml, run, schema_errors, serve, Behaviour, Handshake, Verify,
    SECRET, TOKEN,
};
use crate::support::{cmzon, hmac_sha256_hex, Run};
use serde_json::{json, Value};

const IDS: [&str; 12] = [
    "https",
    "tls",
    "reachable",
    "latency",
    "rejects-unsigned",
    "rejects-forged",
    "raw-body",
    "handshake",
    "duplicates",
    "malformed",
    "username-only",
    "redirect",
];

/// Every check with `default`, except the ones named.
fn expect(
    default: &'static str,
    except: &[(&'static str, &'static str)],
) -> Vec<(&'static str, &'static str)> {
    IDS.iter()
        .map(|id| {
            let s = except
                .iter()
                .find(|(i, _)| i == id)
                .map(|(_, s)| *s)
                .unwrap_or(default);
            (*id, s)
        })
        .collect()
}

/// `lint URL --json --verify-token TOKEN` (and `--probes 3` unless given) with the secret in the environment, plus
/// `extra`. Checks the stdout/stderr contract and the schema on the way.
fn lint(dir: &Path, url: &str, extra: &[&str]) -> (Run, Value) {
    let mut cmd = cmzon(dir);
    cmd.args(["lint", url, "--json", "--verify-token", TOKEN]);
    if !extra.contains(&"--probes") {
        cmd.args(["--probes", "3"]);
    }
    cmd.args(extra).env("CMZON_WEBHOOK_SECRET", SECRET);
    let r = run(&mut cmd);
    let doc = r.json();
    let errors = schema_errors(&doc);
    assert!(errors.is_empty(), "schema errors: {errors:#?}\n{doc:#}");
    assert!(
        r.stderr.contains("[1/"),
        "progress goes to stderr: {}",
        r.stderr
    );
    (r, doc)
}

fn message(doc: &Value, id: &str) -> String {
    check(doc, id)["message"].as_str().unwrap().to_string()
}

fn tmp() -> tempfile::TempDir {
    tempfile::tempdir().unwrap()
}

const HTTP_OK: [(&str, &str); 2] = [("https", "warn"), ("tls", "skip")];

#[test]
fn correct_endpoint_over_http_passes_everything_but_https() {
    let dir = tmp();
    let ep = serve(Behaviour::correct(), None);
    let (r, doc) = lint(dir.path(), &ep.url, &["--allow-http"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_verdicts(&doc, &expect("pass", &HTTP_OK));
    assert_eq!(doc["url"], json!(ep.url));
    assert_eq!(
        doc["summary"],
        json!({"pass": 10, "warn": 1, "fail": 0, "skip": 1, "not_run": 0, "not_run_reason": null})
    );
    assert!(message(&doc, "https").contains("CMzon will not send webhooks to HTTP endpoints"));
    assert!(check(&doc, "https")["hint"]
        .as_str()
        .unwrap()
        .contains("HTTPS"));

    // Latency: per-probe phases, summary ordered.
    let lat = check(&doc, "latency");
    let probes = lat["details"]["per_probe"].as_array().unwrap();
    assert_eq!(probes.len(), 3);
    for p in probes {
        assert_eq!(p["status"], json!(200));
        assert!(p["connect_ms"].is_number() && p["ttfb_ms"].is_number());
        assert!(p["tls_ms"].is_null(), "no TLS over HTTP");
        assert!(p["total_ms"].as_f64().unwrap() >= p["ttfb_ms"].as_f64().unwrap());
    }
    let l = &doc["latency_ms"];
    let v = |k: &str| l[k].as_f64().unwrap();
    assert!(v("min") <= v("p50") && v("p50") <= v("p95") && v("p95") <= v("max"));

    // What the endpoint saw is what a sender sends.
    let seen = ep.seen.lock().unwrap();
    let sig = |s: &support::lint::Seen| {
        s.headers
            .iter()
            .find(|(n, _)| n == "x-hub-signature-256")
            .map(|(_, v)| v.clone())
    };
    let raw_body = seen
        .iter()
        .find(|s| String::from_utf8_lossy(&s.body).contains("\\u00e9"))
        .expect("the raw-body probe arrived");
    let text = String::from_utf8(raw_body.body.clone()).unwrap();
    assert!(text.is_ascii() && text.contains("\\/") && text.contains("\"object\": \""));
    assert_eq!(
        sig(raw_body),
        Some(format!(
            "sha256={}",
            hmac_sha256_hex(SECRET.as_bytes(), &raw_body.body)
        )),
        "signed over the exact bytes"
    );
    assert!(
        seen.iter().any(|s| s.method == "POST" && sig(s).is_none()),
        "an unsigned probe"
    );
    let get = seen
        .iter()
        .find(|s| s.method == "GET")
        .expect("handshake GET");
    assert!(get.target.contains("hub.mode=subscribe"));
    assert!(get.target.contains(&format!("hub.verify_token={TOKEN}")));
    assert!(seen.iter().all(|s| s.target.starts_with("/webhook")));
}

#[test]
fn warnings_fail_only_under_strict() {
    let dir = tmp();
    let url = "http://127.0.0.1:9/webhook";
    let (r, doc) = lint(dir.path(), url, &["--allow-http", "--only", "https"]);
    assert_eq!(r.code, 0);
    assert_verdicts(&doc, &[("https", "warn")]);
    let (r, _) = lint(
        dir.path(),
        url,
        &["--allow-http", "--only", "https", "--strict"],
    );
    assert_eq!(r.code, 1);
    let (r, doc) = lint(dir.path(), url, &["--only", "https"]);
    assert_eq!(r.code, 1);
    assert_verdicts(&doc, &[("https", "fail")]);
    assert_eq!(
        message(&doc, "https"),
        "CMzon will not send webhooks to HTTP endpoints"
    );
    assert!(doc["latency_ms"]["p50"].is_null());
}

#[test]
fn correct_endpoint_over_https_with_a_private_ca_passes_everything() {
    let dir = tmp();
    let ca = Ca::new();
    let cert = ca.leaf(&["localhost", "127.0.0.1"], Validity::Long);
    let ep = serve(Behaviour::correct(), Some(&cert));
    let ca_path = ca.write(dir.path());
    let (r, doc) = lint(
        dir.path(),
        &ep.url,
        &["--ca-cert", ca_path.to_str().unwrap()],
    );
    assert_eq!(r.code, 0, "{}\n{doc:#}", r.stderr);
    assert_verdicts(&doc, &expect("pass", &[]));
    let tls = check(&doc, "tls");
    let d = &tls["details"];
    assert_eq!(d["protocol"], json!("TLSv1.3"));
    assert!(d["issuer"].as_str().unwrap().contains("cmzon-hook test CA"));
    assert_eq!(d["trusted"], json!(true));
    assert_eq!(d["self_signed"], json!(false));
    assert!(d["names"].as_array().unwrap().contains(&json!("127.0.0.1")));
    assert!(d["not_after"].as_str().unwrap().starts_with("4096-"));
    let m = tls["message"].as_str().unwrap();
    assert!(
        m.contains("issued by") && m.contains("TLSv1.3") && m.contains("4096-"),
        "{m}"
    );
    for p in check(&doc, "latency")["details"]["per_probe"]
        .as_array()
        .unwrap()
    {
        assert!(
            p["tls_ms"].as_f64().unwrap() > 0.0,
            "TLS handshake timed: {p}"
        );
    }
}

fn untrusted(tls_msg_part: &str, run: (Run, Value)) {
    let (r, doc) = run;
    assert_eq!(r.code, 1);
    assert_verdicts(&doc, &expect("skip", &[("https", "pass"), ("tls", "fail")]));
    let m = message(&doc, "tls");
    assert!(m.contains(tls_msg_part), "{m}");
    assert!(message(&doc, "reachable").starts_with("not run: the certificate is not trusted"));
    assert!(check(&doc, "reachable")["hint"]
        .as_str()
        .unwrap()
        .contains("--insecure"));
}

#[test]
fn expired_certificate_fails_tls_and_holds_back_the_probes() {
    let dir = tmp();
    let ca = Ca::new();
    let cert = ca.leaf(&["localhost", "127.0.0.1"], Validity::Expired);
    let ep = serve(Behaviour::correct(), Some(&cert));
    let ca_path = ca.write(dir.path());
    let ca_arg = ca_path.to_str().unwrap();
    untrusted(
        "certificate expired on 2020-01-01",
        lint(dir.path(), &ep.url, &["--ca-cert", ca_arg]),
    );
    assert!(
        ep.seen.lock().unwrap().is_empty(),
        "no event sent to an untrusted peer"
    );

    // --insecure runs the probes anyway; tls still fails.
    let (r, doc) = lint(
        dir.path(),
        &ep.url,
        &[
            "--ca-cert",
            ca_arg,
            "--insecure",
            "--only",
            "tls,reachable,rejects-unsigned",
        ],
    );
    assert_eq!(r.code, 1);
    assert_verdicts(
        &doc,
        &[
            ("tls", "fail"),
            ("reachable", "pass"),
            ("rejects-unsigned", "pass"),
        ],
    );
    assert!(r.stderr.contains("--insecure"), "{}", r.stderr);
}

#[test]
fn certificate_for_another_host_fails_tls() {
    let dir = tmp();
    let ca = Ca::new();
    let cert = ca.leaf(&["wrong.example"], Validity::Long);
    let ep = serve(Behaviour::correct(), Some(&cert));
    let ca_path = ca.write(dir.path());
    untrusted(
        "certificate is not valid for 127.0.0.1 (it is for wrong.example)",
        lint(
            dir.path(),
            &ep.url,
            &["--ca-cert", ca_path.to_str().unwrap()],
        ),
    );
}

#[test]
fn self_signed_certificate_fails_tls() {
    let dir = tmp();
    let cert = self_signed(&["localhost", "127.0.0.1"]);
    let ep = serve(Behaviour::correct(), Some(&cert));
    let run = lint(dir.path(), &ep.url, &[]);
    assert_eq!(check(&run.1, "tls")["details"]["self_signed"], json!(true));
    untrusted("self-signed certificate", run);
}

/// Issue 14 point 10: a self-signed certificate that is its own CA, given as `--ca-cert`, is
/// explained once, in plain words, and no rustls internals reach the report.
#[test]
fn self_signed_ca_given_as_ca_cert_is_explained_once() {
    let dir = tmp();
    let cert = self_signed_ca(&["localhost", "127.0.0.1"]);
    let ep = serve(Behaviour::correct(), Some(&cert));
    let pem = dir.path().join("cert.pem");
    std::fs::write(&pem, &cert.leaf_pem).unwrap();
    let pem_arg = pem.to_str().unwrap();
    let (r, doc) = lint(dir.path(), &ep.url, &["--ca-cert", pem_arg]);
    assert_eq!(r.code, 1);
    let text = format!("{}{}", r.stdout, r.stderr);
    for internal in ["Other(", "OtherError", "CaUsedAsEndEntity"] {
        assert!(!text.contains(internal), "{text}");
    }
    let m = message(&doc, "tls");
    assert!(m.contains("self-signed and used as its own CA"), "{m}");
    let hint = check(&doc, "tls")["hint"].as_str().unwrap().to_string();
    assert!(hint.contains("mkcert"), "{hint}");

    let mut cmd = cmzon(dir.path());
    cmd.args(["lint", &ep.url, "--verify-token", TOKEN, "--probes", "3"])
        .args(["--ca-cert", pem_arg])
        .env("CMZON_WEBHOOK_SECRET", SECRET);
    let human = run(&mut cmd);
    assert_eq!(human.code, 1);
    let text = format!("{}{}", human.stdout, human.stderr);
    // Explained in the tls check (its table row and "To fix"); elsewhere only named.
    let explanation = "make a CA and a separate server certificate";
    assert_eq!(
        human.stdout.matches(explanation).count(),
        2,
        "{}",
        human.stdout
    );
    assert!(!human.stderr.contains(explanation), "{}", human.stderr);
    for internal in ["Other(", "OtherError", "CaUsedAsEndEntity"] {
        assert!(!text.contains(internal), "{text}");
    }
}

#[test]
fn certificate_expiring_soon_warns() {
    let dir = tmp();
    let ca = Ca::new();
    let cert = ca.leaf(&["127.0.0.1"], Validity::EndsInDays(5));
    let ep = serve(Behaviour::correct(), Some(&cert));
    let ca_path = ca.write(dir.path());
    let (r, doc) = lint(
        dir.path(),
        &ep.url,
        &["--ca-cert", ca_path.to_str().unwrap(), "--strict"],
    );
    assert_verdicts(&doc, &expect("pass", &[("tls", "warn")]));
    // The leaf ends at 00:00 UTC five days from today: 4 days and some hours away.
    let m = message(&doc, "tls");
    assert!(
        m.contains("expires in 4 days") || m.contains("expires in 5 days"),
        "{m}"
    );
    assert_eq!(r.code, 1, "--strict fails on the warning");
}

#[test]
fn endpoint_accepting_unsigned_and_forged_events_fails_both() {
    let dir = tmp();
    let ep = serve(
        Behaviour {
            verify: Verify::Nothing,
            ..Behaviour::correct()
        },
        None,
    );
    let (r, doc) = lint(dir.path(), &ep.url, &["--allow-http"]);
    assert_eq!(r.code, 1);
    assert_verdicts(
        &doc,
        &expect(
            "pass",
            &[
                ("https", "warn"),
                ("tls", "skip"),
                ("rejects-unsigned", "fail"),
                ("rejects-forged", "fail"),
            ],
        ),
    );
    assert!(message(&doc, "rejects-unsigned").starts_with("endpoint accepts unsigned events"));
    assert!(message(&doc, "rejects-forged").starts_with("endpoint accepts forged events"));
    assert!(message(&doc, "rejects-forged").contains("wrong secret and modified body"));
}

#[test]
fn endpoint_verifying_reserialized_json_fails_raw_body() {
    let dir = tmp();
    let ep = serve(
        Behaviour {
            verify: Verify::Reserialized,
            ..Behaviour::correct()
        },
        None,
    );
    let (r, doc) = lint(dir.path(), &ep.url, &["--allow-http"]);
    assert_eq!(r.code, 1);
    assert_verdicts(
        &doc,
        &expect(
            "pass",
            &[("https", "warn"), ("tls", "skip"), ("raw-body", "fail")],
        ),
    );
    let m = message(&doc, "raw-body");
    assert!(
        m.starts_with("endpoint verifies re-serialized JSON instead of the raw body; real deliveries with non-ASCII text will be rejected"),
        "{m}"
    );
    let d = &check(&doc, "raw-body")["details"];
    assert_eq!(d["response"]["status"], json!(401));
    assert_eq!(d["compact_response"]["status"], json!(200));
    assert!(check(&doc, "raw-body")["hint"]
        .as_str()
        .unwrap()
        .contains("raw request bytes"));
}

#[test]
fn redirecting_endpoint_fails_redirect_and_names_the_location() {
    let dir = tmp();
    let ep = serve(
        Behaviour {
            redirect_to: Some("https://hooks.example.com/final".into()),
            ..Behaviour::correct()
        },
        None,
    );
    let (r, doc) = lint(dir.path(), &ep.url, &["--allow-http"]);
    assert_eq!(r.code, 1);
    assert_verdicts(
        &doc,
        &expect(
            "fail",
            &[("https", "warn"), ("tls", "skip"), ("latency", "pass")],
        ),
    );
    assert_eq!(
        message(&doc, "redirect"),
        "reachable got 301 redirect to https://hooks.example.com/final; webhook senders do not follow redirects"
    );
    assert_eq!(
        check(&doc, "redirect")["details"]["location"],
        json!("https://hooks.example.com/final")
    );
    assert!(message(&doc, "reachable").contains("redirect to https://hooks.example.com/final"));
    assert!(check(&doc, "redirect")["hint"]
        .as_str()
        .unwrap()
        .contains("https://hooks.example.com/final"));
}

#[test]
fn slow_endpoint_warns_over_the_budget() {
    let dir = tmp();
    let ep = serve(
        Behaviour {
            delay: Duration::from_millis(40),
            ..Behaviour::correct()
        },
        None,
    );
    let (r, doc) = lint(dir.path(), &ep.url, &["--allow-http", "--budget", "10"]);
    assert_eq!(r.code, 0, "warnings do not fail without --strict");
    assert_verdicts(
        &doc,
        &expect(
            "pass",
            &[("https", "warn"), ("tls", "skip"), ("latency", "warn")],
        ),
    );
    let m = message(&doc, "latency");
    assert!(m.contains("over the budget of 10.0 ms"), "{m}");
    assert!(doc["latency_ms"]["min"].as_f64().unwrap() >= 40.0);
    assert_eq!(check(&doc, "latency")["details"]["budget_ms"], json!(10.0));
}

#[test]
fn endpoint_slower_than_the_timeout_fails() {
    let dir = tmp();
    let ep = serve(
        Behaviour {
            delay: Duration::from_millis(700),
            ..Behaviour::correct()
        },
        None,
    );
    let (r, doc) = lint(
        dir.path(),
        &ep.url,
        &["--allow-http", "--timeout", "0.2", "--probes", "2"],
    );
    assert_eq!(r.code, 1);
    assert_verdicts(&doc, &expect("fail", &HTTP_OK));
    assert!(message(&doc, "latency").contains("probe 1 of 2 got no answer within 0.2 s"));
    assert!(message(&doc, "malformed").contains("the endpoint hangs"));
    assert!(message(&doc, "reachable").starts_with("no answer within 0.2 s"));
    assert_eq!(message(&doc, "redirect"), "no probe got an HTTP answer");
    assert!(doc["latency_ms"]["p50"].is_null());
}

#[test]
fn endpoint_failing_on_malformed_input_fails_malformed() {
    let dir = tmp();
    let ep = serve(
        Behaviour {
            malformed_status: 500,
            ..Behaviour::correct()
        },
        None,
    );
    let (r, doc) = lint(dir.path(), &ep.url, &["--allow-http"]);
    assert_eq!(r.code, 1);
    assert_verdicts(
        &doc,
        &expect(
            "pass",
            &[("https", "warn"), ("tls", "skip"), ("malformed", "fail")],
        ),
    );
    assert!(message(&doc, "malformed").contains("got 500"));
}

#[test]
fn wrong_handshakes_fail_or_warn() {
    let dir = tmp();
    let ep = serve(
        Behaviour {
            handshake: Handshake::Quoted,
            ..Behaviour::correct()
        },
        None,
    );
    let (r, doc) = lint(dir.path(), &ep.url, &["--allow-http"]);
    assert_eq!(r.code, 1);
    assert_verdicts(
        &doc,
        &expect(
            "pass",
            &[("https", "warn"), ("tls", "skip"), ("handshake", "fail")],
        ),
    );
    let m = message(&doc, "handshake");
    assert!(m.contains("but the body is `\""), "{m}");

    let ep = serve(
        Behaviour {
            handshake: Handshake::AnyToken,
            ..Behaviour::correct()
        },
        None,
    );
    let (r, doc) = lint(
        dir.path(),
        &ep.url,
        &["--allow-http", "--only", "handshake"],
    );
    assert_eq!(r.code, 0);
    assert_verdicts(&doc, &[("handshake", "warn")]);
    assert!(message(&doc, "handshake").contains("a wrong verify token got 200 instead of 403"));
}

#[test]
fn endpoint_rejecting_duplicates_fails_duplicates() {
    let dir = tmp();
    let ep = serve(
        Behaviour {
            reject_duplicates: true,
            ..Behaviour::correct()
        },
        None,
    );
    let (r, doc) = lint(dir.path(), &ep.url, &["--allow-http"]);
    assert_eq!(r.code, 1);
    assert_verdicts(
        &doc,
        &expect(
            "pass",
            &[("https", "warn"), ("tls", "skip"), ("duplicates", "fail")],
        ),
    );
    assert!(message(&doc, "duplicates").contains("a repeated delivery got 409"));
}

/// Issue 15: since June 2026 WhatsApp withholds the phone number of users who adopted a
/// username. A handler that reads `contacts[0].wa_id` unconditionally crashes on their
/// messages; `username-only` sends one, correctly signed, and must see a 2xx.
#[test]
fn endpoint_reading_wa_id_unconditionally_fails_username_only() {
    let dir = tmp();
    let ep = serve(
        Behaviour {
            reads_wa_id: true,
            ..Behaviour::correct()
        },
        None,
    );
    let junit = dir.path().join("lint.xml");
    let (r, doc) = lint(
        dir.path(),
        &ep.url,
        &["--allow-http", "--junit", junit.to_str().unwrap()],
    );
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert_verdicts(
        &doc,
        &expect(
            "pass",
            &[
                ("https", "warn"),
                ("tls", "skip"),
                ("username-only", "fail"),
            ],
        ),
    );
    let c = check(&doc, "username-only");
    let msg = c["message"].as_str().unwrap();
    assert!(
        msg.contains("got 500") && msg.contains("June 2026"),
        "{msg}"
    );
    let hint = c["hint"].as_str().unwrap();
    assert!(
        hint.contains("`wa_id`") && hint.contains("`from`") && hint.contains("user_id"),
        "{hint}"
    );
    assert_eq!(c["details"]["response"]["status"], 500);
    // The probe was a correctly signed message with a BSUID and a username, no phone number.
    let seen = ep.seen.lock().unwrap();
    let probe = seen
        .iter()
        .filter_map(|s| serde_json::from_slice::<Value>(&s.body).ok())
        .find(|v| {
            v.pointer("/entry/0/changes/0/value/messages").is_some()
                && v.pointer("/entry/0/changes/0/value/contacts/0/wa_id")
                    .is_none()
        })
        .expect("a username-only message reached the endpoint");
    let contact = &probe["entry"][0]["changes"][0]["value"]["contacts"][0];
    assert!(contact["user_id"].is_string(), "{contact}");
    assert!(contact["profile"]["username"].is_string(), "{contact}");
    let from = probe["entry"][0]["changes"][0]["value"]["messages"][0]["from"].as_str();
    assert!(
        from.is_none_or(|f| !f.chars().all(|c| c.is_ascii_digit())),
        "no phone number in `from`: {from:?}"
    );
    // JUnit carries the failure with the same message.
    let xml = std::fs::read_to_string(&junit).unwrap();
    let root = parse_xml(&xml).unwrap_or_else(|e| panic!("{e}\n{xml}"));
    let case = root
        .child("testsuite")
        .unwrap()
        .all("testcase")
        .into_iter()
        .find(|c| c.attr("name") == Some("username-only"))
        .expect("a username-only testcase");
    assert_eq!(
        case.child("failure").and_then(|f| f.attr("message")),
        Some(msg)
    );

    // The same handler reading `wa_id` only when present passes.
    let ok = serve(Behaviour::correct(), None);
    let (r, doc) = lint(
        dir.path(),
        &ok.url,
        &["--allow-http", "--only", "username-only"],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_verdicts(&doc, &[("username-only", "pass")]);
}

/// Issue 14 point 16: `lint URL --skip https --strict` without a secret used to skip 8 of 11
/// checks and exit 0. Checks that need no secret run (an unsigned event, and one signed with
/// a wrong secret, must be rejected whatever the real secret is); the others are reported as
/// not run, with a warning, so `--strict` fails and the summary says how many and why.
#[test]
fn without_secret_the_signed_checks_do_not_run_and_strict_fails() {
    let dir = tmp();
    let ep = serve(Behaviour::correct(), None);
    let junit = dir.path().join("lint.xml");
    let r = run(cmzon(dir.path()).args([
        "lint",
        &ep.url,
        "--skip",
        "https",
        "--strict",
        "--json",
        "--junit",
        junit.to_str().unwrap(),
    ]));
    assert_eq!(
        r.code, 1,
        "--strict fails when checks did not run: {}",
        r.stderr
    );
    let doc = r.json();
    assert!(schema_errors(&doc).is_empty(), "{:#?}", schema_errors(&doc));
    let not_run = [
        "reachable",
        "latency",
        "raw-body",
        "duplicates",
        "malformed",
        "username-only",
    ];
    let mut want: Vec<(&str, &str)> = vec![("tls", "skip")];
    want.extend(not_run.iter().map(|id| (*id, "warn")));
    want.extend([
        ("rejects-unsigned", "pass"),
        ("rejects-forged", "warn"),
        ("handshake", "skip"),
        ("redirect", "pass"),
    ]);
    want.sort_by_key(|(id, _)| IDS.iter().position(|i| i == id));
    assert_verdicts(&doc, &want);
    for id in not_run {
        let c = check(&doc, id);
        assert_eq!(
            c["message"],
            "not run: needs the webhook secret to sign its probes"
        );
        assert!(c["hint"].as_str().unwrap().contains("CMZON_WEBHOOK_SECRET"));
        assert_eq!(c["details"]["not_run"], "no webhook secret");
    }
    // The wrong-secret probe ran, and was rejected; the modified-body probe could not.
    assert!(
        message(&doc, "rejects-forged")
            .starts_with("an event signed with a wrong secret was rejected with 401"),
        "{}",
        message(&doc, "rejects-forged")
    );
    assert_eq!(
        check(&doc, "rejects-forged")["details"]["wrong_secret"]["status"],
        401
    );
    assert_eq!(doc["summary"]["not_run"], 6);
    let reason = doc["summary"]["not_run_reason"].as_str().unwrap();
    assert!(
        reason.starts_with("6 of 11 security checks did not run (reachable, latency, raw-body, duplicates, malformed, username-only)"),
        "{reason}"
    );
    assert!(reason.contains("none was given"), "{reason}");
    assert!(
        r.stderr
            .contains("warning: no webhook secret: 6 of 11 checks will not run"),
        "{}",
        r.stderr
    );
    assert!(doc["latency_ms"]["max"].is_null());
    // The endpoint saw only unsigned and wrong-secret probes.
    assert!(ep.seen.lock().unwrap().iter().all(|s| s.method == "POST"));

    // JUnit: failures under --strict.
    let xml = std::fs::read_to_string(&junit).unwrap();
    assert!(xml.contains("failures=\"7\""), "{xml}");

    // Without --strict: exit 0, the human report says what did not run.
    let r = run(cmzon(dir.path()).args(["lint", &ep.url, "--allow-http"]));
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stdout
            .contains("warning: 6 of 12 security checks did not run"),
        "{}",
        r.stdout
    );
    assert!(r.stdout.contains("(6 not run)"), "{}", r.stdout);
}

/// Without the secret, an endpoint that verifies nothing is still caught: the unsigned and
/// the wrong-secret events are accepted.
#[test]
fn without_secret_an_endpoint_that_accepts_forgeries_fails() {
    let dir = tmp();
    let ep = serve(
        Behaviour {
            verify: Verify::Nothing,
            ..Behaviour::correct()
        },
        None,
    );
    let r = run(cmzon(dir.path()).args(["lint", &ep.url, "--json", "--allow-http"]));
    assert_eq!(r.code, 1, "{}", r.stderr);
    let doc = r.json();
    assert_eq!(check(&doc, "rejects-unsigned")["status"], "fail");
    assert_eq!(check(&doc, "rejects-forged")["status"], "fail");
    assert!(message(&doc, "rejects-forged")
        .contains("endpoint accepts forged events (wrong secret got 200"));
}

#[test]
fn unreachable_endpoint_fails_every_network_check() {
    let dir = tmp();
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let url = format!("http://127.0.0.1:{port}/webhook");
    let (r, doc) = lint(dir.path(), &url, &["--allow-http"]);
    assert_eq!(r.code, 1);
    assert_verdicts(&doc, &expect("fail", &HTTP_OK));
    assert!(message(&doc, "reachable").starts_with(&format!("cannot connect to 127.0.0.1:{port}")));

    let url = format!("https://127.0.0.1:{port}/webhook");
    let (_, doc) = lint(dir.path(), &url, &["--only", "https,tls,reachable"]);
    assert_verdicts(
        &doc,
        &[("https", "pass"), ("tls", "fail"), ("reachable", "fail")],
    );
}

#[test]
fn https_url_on_a_plain_http_server_fails_the_handshake() {
    let dir = tmp();
    let ep = serve(Behaviour::correct(), None);
    let url = ep.url.replace("http://", "https://");
    let (r, doc) = lint(dir.path(), &url, &["--only", "tls,reachable,redirect"]);
    assert_eq!(r.code, 1);
    assert_verdicts(
        &doc,
        &[("tls", "fail"), ("reachable", "fail"), ("redirect", "fail")],
    );
    let m = message(&doc, "tls");
    assert!(m.starts_with("TLS handshake with 127.0.0.1:"), "{m}");
    assert_eq!(message(&doc, "reachable"), m);
}

#[test]
fn unwritable_junit_path_fails_before_probing() {
    let dir = tmp();
    let ep = serve(Behaviour::correct(), None);
    let bad = dir.path().join("no-such-dir").join("lint.xml");
    let e = usage_error(
        dir.path(),
        &[
            "lint",
            &ep.url,
            "--allow-http",
            "--junit",
            bad.to_str().unwrap(),
        ],
    );
    assert!(e.contains("cannot write") && e.contains("lint.xml"), "{e}");
    assert!(ep.seen.lock().unwrap().is_empty(), "nothing was sent");
}

fn usage_error(dir: &Path, args: &[&str]) -> String {
    let r = run(cmzon(dir).args(args));
    assert_eq!(r.code, 2, "{args:?}: {}", r.stderr);
    assert!(r.stdout.is_empty(), "{args:?} wrote to stdout");
    assert!(r.stderr.contains("hint:"), "{}", r.stderr);
    r.stderr
}

/// A host that cannot resolve is an input error (exit 2, as README's table says), not a
/// failed check: nothing was probed. `.invalid` never resolves (RFC 6761).
#[test]
fn unresolvable_host_exits_2_before_probing() {
    let dir = tmp();
    for extra in [&[][..], &["--json"][..]] {
        let mut args = vec!["lint", "https://no-such-host.invalid/webhook"];
        args.extend_from_slice(extra);
        let e = usage_error(dir.path(), &args);
        assert!(
            e.contains("cannot resolve host no-such-host.invalid"),
            "{args:?}: {e}"
        );
    }
}

#[test]
fn usage_errors_exit_2() {
    let dir = tmp();
    let d = dir.path();
    let e = usage_error(d, &["lint", "http://127.0.0.1:9/", "--only", "tls,nope"]);
    assert!(e.contains("unknown check id `nope`"), "{e}");
    assert!(e.contains(&format!("valid ids: {}", IDS.join(", "))), "{e}");
    let e = usage_error(d, &["lint", "http://127.0.0.1:9/", "--skip", "bogus"]);
    assert!(e.contains("`bogus`"));
    let e = usage_error(d, &["lint"]);
    assert!(
        e.contains("no endpoint URL") && e.contains("CMZON_WEBHOOK_URL"),
        "{e}"
    );
    let e = usage_error(d, &["lint", "not a url"]);
    assert!(e.contains("not a valid URL"), "{e}");
    let e = usage_error(d, &["lint", "ftp://127.0.0.1/hook"]);
    assert!(e.contains("unsupported URL scheme"), "{e}");
    usage_error(d, &["lint", "http://127.0.0.1:9/", "--probes", "0"]);
    usage_error(d, &["lint", "http://127.0.0.1:9/", "--timeout", "0"]);
    usage_error(
        d,
        &[
            "lint",
            "http://127.0.0.1:9/",
            "--only",
            "https",
            "--skip",
            "https",
        ],
    );
    let missing = d.join("missing.pem");
    let e = usage_error(
        d,
        &[
            "lint",
            "https://127.0.0.1:9/",
            "--ca-cert",
            missing.to_str().unwrap(),
        ],
    );
    assert!(e.contains("missing.pem"), "{e}");
}

#[test]
fn url_comes_from_the_environment() {
    let dir = tmp();
    let r = run(cmzon(dir.path())
        .args(["lint", "--json", "--only", "https", "--allow-http"])
        .env("CMZON_WEBHOOK_URL", "http://localhost:8080/hook"));
    assert_eq!(r.code, 0, "{}", r.stderr);
    let doc = r.json();
    assert_eq!(doc["url"], json!("http://localhost:8080/hook"));
    assert_verdicts(&doc, &[("https", "warn")]);
}

#[test]
fn human_report_has_table_latency_histogram_and_hints() {
    let dir = tmp();
    let ep = serve(
        Behaviour {
            verify: Verify::Reserialized,
            ..Behaviour::correct()
        },
        None,
    );
    let r = run(cmzon(dir.path())
        .args([
            "lint",
            &ep.url,
            "--allow-http",
            "--probes",
            "4",
            "--verify-token",
            TOKEN,
        ])
        .env("CMZON_WEBHOOK_SECRET", SECRET));
    assert_eq!(r.code, 1, "{}", r.stderr);
    let out = &r.stdout;
    assert!(
        out.starts_with(&format!("cmzon-hook lint {}\n", ep.url)),
        "{out}"
    );
    assert!(out.contains("CHECK             RESULT  MESSAGE"), "{out}");
    assert!(
        out.contains("\n  https             WARN    plain HTTP"),
        "{out}"
    );
    assert!(out.contains("\n  reachable         PASS    a correctly signed event got 200"));
    assert!(out.contains("\n  raw-body          FAIL    endpoint verifies re-serialized JSON"));
    assert!(out.contains("\n  tls               SKIP    not an HTTPS URL"));
    assert!(out.contains("Latency over 4 probes: min "), "{out}");
    assert!(out.contains("connect") && out.contains("ttfb"));
    assert!(out.contains("Response time histogram:"));
    assert!(out.contains("] |■"), "{out}");
    let fix = out.split("To fix").nth(1).expect("a To fix section");
    assert!(
        fix.contains("WARN   https:") && fix.contains("FAIL   raw-body:"),
        "{fix}"
    );
    assert!(fix.contains("hint: compute the HMAC over the exact raw request bytes"));
    assert!(out.ends_with("9 pass, 1 warn, 1 fail, 1 skip\n"), "{out}");
    assert!(!out.contains("[1/12]"), "progress stays off stdout");
    assert!(r.stderr.contains("[1/12] https: warn"), "{}", r.stderr);
    assert!(r.stderr.contains("latency probe 4/4"));
    assert!(!out.contains('\u{1b}'), "no color when NO_COLOR is set");

    let r = run(cmzon(dir.path())
        .args([
            "lint",
            &ep.url,
            "--allow-http",
            "--only",
            "https,rejects-unsigned",
            "-q",
        ])
        .args(["--color", "always"])
        .env_remove("NO_COLOR"));
    assert!(r.stderr.is_empty(), "-q: {}", r.stderr);
    assert!(
        r.stdout.contains("\u{1b}["),
        "colored verdicts: {}",
        r.stdout
    );
}

#[test]
fn junit_report_parses_and_matches_the_verdicts() {
    let dir = tmp();
    let ep = serve(
        Behaviour {
            verify: Verify::Nothing,
            ..Behaviour::correct()
        },
        None,
    );
    let url = format!("{}?a=1&b=2", ep.url);
    let junit = dir.path().join("lint.xml");
    let (r, doc) = lint(
        dir.path(),
        &url,
        &["--allow-http", "--junit", junit.to_str().unwrap()],
    );
    assert_eq!(r.code, 1);
    assert_eq!(doc["summary"]["fail"], json!(2));
    let xml = std::fs::read_to_string(&junit).unwrap();
    let root = parse_xml(&xml).unwrap_or_else(|e| panic!("{e}\n{xml}"));
    assert_eq!(root.name, "testsuites");
    assert_eq!(root.attr("tests"), Some("12"));
    assert_eq!(root.attr("failures"), Some("2"));
    assert_eq!(root.attr("skipped"), Some("1"));
    let suite = root.child("testsuite").expect("a testsuite");
    assert_eq!(
        suite.attr("name"),
        Some(format!("cmzon-hook lint {url}").as_str())
    );
    let cases = suite.all("testcase");
    let names: Vec<&str> = cases.iter().filter_map(|c| c.attr("name")).collect();
    assert_eq!(names, IDS);
    for c in &cases {
        let id = c.attr("name").unwrap();
        let want = check(&doc, id)["status"].as_str().unwrap();
        let failure = c.child("failure");
        assert_eq!(failure.is_some(), want == "fail", "{id}");
        assert_eq!(c.child("skipped").is_some(), want == "skip", "{id}");
        if let Some(f) = failure {
            assert_eq!(f.attr("message"), check(&doc, id)["message"].as_str());
            assert!(f.text.contains("hint: "), "{id}: {}", f.text);
        }
        assert!(c.attr("time").unwrap().parse::<f64>().is_ok());
    }
    let https = cases[0].child("system-out").expect("warn in system-out");
    assert!(https.text.starts_with("warn: plain HTTP"));

    // --strict turns the warning into a failure in the report too.
    let (_, _) = lint(
        dir.path(),
        &url,
        &[
            "--allow-http",
            "--only",
            "https,tls",
            "--strict",
            "--junit",
            junit.to_str().unwrap(),
        ],
    );
    let root = parse_xml(&std::fs::read_to_string(&junit).unwrap()).unwrap();
    let suite = root.child("testsuite").unwrap();
    let https = suite.all("testcase")[0];
    assert_eq!(
        https.child("failure").and_then(|f| f.attr("type")),
        Some("warn")
    );
    assert_eq!(root.attr("failures"), Some("1"));
}

#[test]
fn xml_checker_rejects_malformed_documents() {
    assert!(parse_xml("<?xml version=\"1.0\"?>\n<a x=\"1&amp;2\"><b/>t&lt;</a>\n").is_ok());
    for bad in [
        "<a><b></a>",
        "<a>&</a>",
        "<a>x & y</a>",
        "<a x=\"1\" x=\"2\"/>",
        "<a x=1/>",
        "<a/><b/>",
        "<a>",
        "<a x=\"<\"/>",
        "<a>\u{1}</a>",
    ] {
        assert!(parse_xml(bad).is_err(), "accepted {bad:?}");
    }
}

#[test]
fn schema_rejects_documents_of_another_shape() {
    let dir = tmp();
    let (_, doc) = lint(
        dir.path(),
        "http://127.0.0.1:9/",
        &["--allow-http", "--only", "https"],
    );
    assert!(schema_errors(&doc).is_empty());
    type Mutation = fn(&mut Value);
    let mutations: [(&str, Mutation); 9] = [
        ("no summary", |d| {
            d.as_object_mut().unwrap().remove("summary");
        }),
        ("extra top-level key", |d| d["extra"] = json!(1)),
        ("unknown status", |d| d["checks"][0]["status"] = json!("ok")),
        ("unknown id", |d| d["checks"][0]["id"] = json!("speed")),
        ("hint not a string", |d| d["checks"][0]["hint"] = json!(5)),
        ("details not an object", |d| {
            d["checks"][0]["details"] = json!([])
        }),
        ("latency as text", |d| {
            d["latency_ms"]["p50"] = json!("fast")
        }),
        ("negative count", |d| d["summary"]["pass"] = json!(-1)),
        ("no checks", |d| d["checks"] = json!([])),
    ];
    for (what, m) in mutations {
        let mut d = doc.clone();
        m(&mut d);
        assert!(!schema_errors(&d).is_empty(), "schema accepted: {what}");
    }
}

/// Issue 14 point 17: an endpoint that verifies `json.dumps(json.loads(body))` refuses both
/// the compact and the escaped event; lint used to say "fails for every event", which reads
/// like a wrong secret. It now says the endpoint verifies a re-serialized body.
#[test]
fn python_reserializing_endpoint_is_named_not_blamed_on_the_secret() {
    // The test endpoint's re-serializer is Python's, byte for byte.
    let v: Value = serde_json::from_str(r#"{"a":[1,"x/y"],"b":{"c":"mangé 😮\n"}}"#).unwrap();
    // python3 -c 'import json; print(json.dumps({"a": [1, "x/y"], "b": {"c": "mangé 😮\n"}}))'
    assert_eq!(
        support::lint::python_dumps(&v),
        r#"{"a": [1, "x/y"], "b": {"c": "mang\u00e9 \ud83d\ude2e\n"}}"#
    );

    let dir = tmp();
    let ep = serve(
        Behaviour {
            verify: Verify::PythonDumps,
            ..Behaviour::correct()
        },
        None,
    );
    let (r, doc) = lint(
        dir.path(),
        &ep.url,
        &["--allow-http", "--only", "reachable,raw-body"],
    );
    assert_eq!(r.code, 1);
    assert_verdicts(&doc, &[("reachable", "fail"), ("raw-body", "fail")]);
    for id in ["reachable", "raw-body"] {
        let m = message(&doc, id);
        assert!(
            m.starts_with("the endpoint verifies a re-serialized body, not the raw bytes"),
            "{id}: {m}"
        );
        assert!(m.contains("the secret is right"), "{id}: {m}");
        assert!(!m.contains("fails for every event"), "{id}: {m}");
        let c = check(&doc, id);
        assert!(c["hint"].as_str().unwrap().contains("raw request bytes"));
        assert_eq!(c["details"]["reserialized_response"]["status"], 200);
    }
    assert!(message(&doc, "reachable").contains("a correctly signed compact event got 401"));

    // With the wrong secret, the same endpoint still reads as a wrong secret.
    let r = run(cmzon(dir.path())
        .args([
            "lint",
            &ep.url,
            "--json",
            "--allow-http",
            "--only",
            "reachable,raw-body",
        ])
        .env("CMZON_WEBHOOK_SECRET", "not-the-secret"));
    let doc = r.json();
    assert!(message(&doc, "raw-body").contains("fails for every event"));
    assert!(!message(&doc, "reachable").contains("re-serialized"));
}
