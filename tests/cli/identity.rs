//! `--identity both|username-only|phone-only` (and `[fixtures] identity`) end to end: what
//! `fixtures show` prints and what `send` delivers to a real local server.

use crate::support::send::{signature_valid, Server, SECRET};
use crate::support::{cmzon, source_tree};
use cmzon_hook::webhook::fixtures::{self, TokenSource};
use serde_json::Value;

fn run(dir: &std::path::Path, args: &[&str]) -> std::process::Output {
    cmzon(dir).args(args).write_stdin("").output().unwrap()
}

fn show(args: &[&str]) -> Value {
    let mut all = vec!["fixtures", "show"];
    all.extend_from_slice(args);
    all.push("--compact");
    let out = run(source_tree(), &all);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

fn value(doc: &Value, change: usize) -> &Value {
    &doc["entry"][0]["changes"][change]["value"]
}

fn has_key(v: &Value, key: &str) -> bool {
    match v {
        Value::Object(m) => m.contains_key(key) || m.values().any(|x| has_key(x, key)),
        Value::Array(a) => a.iter().any(|x| has_key(x, key)),
        _ => false,
    }
}

fn is_bsuid(s: &str) -> bool {
    s.split_once('.').is_some_and(|(cc, rest)| {
        cc.len() == 2
            && cc.bytes().all(|b| b.is_ascii_uppercase())
            && !rest.is_empty()
            && rest.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'.')
    })
}

/// Runs of 8 or more digits in a string.
/// Words of 8 or more digits (a leading `+` allowed): how a phone number stands in a value or a
/// text. Digits inside a larger token (a UUID's `58569427-246a-…`, base64) are not one.
fn digit_runs(s: &str) -> Vec<&str> {
    s.split(|c: char| !(c.is_ascii_alphanumeric() || c == '-' || c == '+'))
        .map(|w| w.trim_start_matches('+'))
        .filter(|w| w.len() >= 8 && w.chars().all(|c| c.is_ascii_digit()))
        .collect()
}

/// Every string leaf that could hold the user's phone number and holds 8+ digits in a row.
/// Ids, clocks, hashes and the business's own numbers are not the user's: they are skipped.
fn phone_shaped(v: &Value, key: &str, business: &[String], out: &mut Vec<String>) {
    const NOT_THE_USER: &[&str] = &[
        "id",
        "timestamp",
        "expiration_timestamp",
        "phone_number_id",
        "display_phone_number",
        "message_id",
        "catalog_id",
        "product_retailer_id",
        "sha256",
        "user_id",
        "recipient_user_id",
        "parent_user_id",
    ];
    match v {
        Value::String(s) => {
            if NOT_THE_USER.contains(&key) || is_bsuid(s) || business.contains(s) {
                return;
            }
            // A BSUID inside a text (a system message's body) is not a phone number.
            let without_bsuids: Vec<&str> = s
                .split_whitespace()
                .filter(|w| !is_bsuid(w.trim_matches(|c: char| !c.is_ascii_alphanumeric())))
                .collect();
            if !digit_runs(&without_bsuids.join(" ")).is_empty() {
                out.push(format!("{key}: {s}"));
            }
        }
        Value::Array(a) => a.iter().for_each(|x| phone_shaped(x, key, business, out)),
        Value::Object(m) => m
            .iter()
            .for_each(|(k, x)| phone_shaped(x, k, business, out)),
        _ => {}
    }
}

#[test]
fn show_renders_the_three_shapes() {
    let both = show(&["message_text"]);
    let c = &value(&both, 0)["contacts"][0];
    let phone = c["wa_id"].as_str().unwrap();
    let bsuid = c["user_id"].as_str().unwrap();
    assert!(is_bsuid(bsuid), "{c}");
    assert!(bsuid.starts_with(TokenSource::country_of(phone)), "{c}");
    assert!(
        c["parent_user_id"].as_str().unwrap().contains(".ENT."),
        "{c}"
    );
    assert_eq!(value(&both, 0)["messages"][0]["from"], phone);
    assert!(c["profile"].get("username").is_none(), "{c}");
    assert_eq!(
        show(&["message_text", "--identity", "both"])["object"],
        both["object"]
    );

    let user = show(&["message_text", "--identity", "username-only"]);
    let c = &value(&user, 0)["contacts"][0];
    assert!(is_bsuid(c["user_id"].as_str().unwrap()), "{c}");
    assert!(
        c["profile"]["username"].as_str().unwrap().starts_with('@'),
        "{c}"
    );
    assert!(!has_key(&user, "wa_id") && value(&user, 0)["messages"][0].get("from").is_none());

    let phone_only = show(&["message_status", "--identity", "phone-only"]);
    for key in ["user_id", "recipient_user_id", "parent_user_id", "username"] {
        assert!(!has_key(&phone_only, key), "{key}: {phone_only}");
    }
    assert!(
        value(&phone_only, 0).get("contacts").is_none(),
        "{phone_only}"
    );
    assert!(value(&phone_only, 0)["statuses"][0]["recipient_id"].is_string());
    // Today's status carries the recipient's BSUID and a contacts array.
    let status = show(&["message_status"]);
    let (s, c) = (
        &value(&status, 0)["statuses"][0],
        &value(&status, 0)["contacts"][0],
    );
    assert_eq!(s["recipient_user_id"], c["user_id"]);
    assert_eq!(s["recipient_id"], c["wa_id"]);
}

#[test]
fn username_only_leaves_no_phone_number_in_any_message_or_status_fixture() {
    let mut checked = 0;
    for f in fixtures::catalogue()
        .iter()
        .filter(|f| matches!(f.kind, "message" | "status" | "batch"))
    {
        let out = run(
            source_tree(),
            &[
                "fixtures",
                "show",
                f.name,
                "--identity",
                "username-only",
                "--compact",
            ],
        );
        if f.name == "message_system" {
            // A phone-number change cannot be username-only: exit 2, saying why.
            assert_eq!(out.status.code(), Some(2));
            let err = String::from_utf8_lossy(&out.stderr);
            assert!(err.contains("`message_system`") && err.contains("phone-number change"));
            continue;
        }
        assert_eq!(out.status.code(), Some(0), "{}", f.name);
        let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
        assert!(!has_key(&doc, "wa_id"), "{}: {doc}", f.name);
        assert!(!has_key(&doc, "recipient_id"), "{}: {doc}", f.name);
        let mut business = Vec::new();
        for entry in doc["entry"].as_array().unwrap() {
            for change in entry["changes"].as_array().unwrap() {
                let v = &change["value"];
                business.extend(
                    v["metadata"]["display_phone_number"]
                        .as_str()
                        .map(String::from),
                );
                for m in v["messages"].as_array().into_iter().flatten() {
                    assert!(m.get("from").is_none(), "{}: {m}", f.name);
                }
                for c in v["contacts"].as_array().into_iter().flatten() {
                    assert!(is_bsuid(c["user_id"].as_str().unwrap()), "{}: {c}", f.name);
                    let u = c["profile"]["username"].as_str().unwrap_or_default();
                    assert!(u.starts_with('@'), "{}: {c}", f.name);
                }
            }
        }
        let mut found = Vec::new();
        phone_shaped(&doc, "", &business, &mut found);
        assert!(found.is_empty(), "{}: {found:?}", f.name);
        checked += 1;
    }
    assert!(
        checked >= 23,
        "every message and status fixture but message_system: {checked}"
    );
}

#[test]
fn an_identity_that_cannot_apply_is_a_usage_error_naming_the_fixture() {
    for (name, identity) in [
        ("errors", "username-only"),
        ("account_update", "phone-only"),
        ("message_username_only", "phone-only"),
    ] {
        let out = run(
            source_tree(),
            &["fixtures", "show", name, "--identity", identity],
        );
        assert_eq!(out.status.code(), Some(2), "{name}");
        assert!(out.stdout.is_empty());
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.lines().next().unwrap().contains(&format!(
                "--identity {identity} does not apply to fixture `{name}`"
            )),
            "{err}"
        );
    }
    let out = run(
        source_tree(),
        &["fixtures", "show", "messages", "--identity", "phone"],
    );
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("username-only") && err.contains("phone-only"),
        "{err}"
    );
}

#[test]
fn config_sets_the_default_and_the_flag_wins() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("cmzon-hook.toml"),
        "[fixtures]\nidentity = \"username-only\"\n",
    )
    .unwrap();
    let show_in = |args: &[&str]| {
        let out = run(dir.path(), args);
        assert_eq!(
            out.status.code(),
            Some(0),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice::<Value>(&out.stdout).unwrap()
    };
    let doc = show_in(&["fixtures", "show", "message_text", "--compact"]);
    assert!(
        !has_key(&doc, "wa_id") && has_key(&doc, "username"),
        "{doc}"
    );
    let doc = show_in(&["fixtures", "show", "message_text", "--identity", "both"]);
    assert!(has_key(&doc, "wa_id"), "{doc}");
    // The default applies where it can: an error fixture renders as it is.
    let doc = show_in(&["fixtures", "show", "errors"]);
    assert_eq!(value(&doc, 0)["errors"][0]["code"], 131000);

    // And send uses it.
    let server = Server::ok();
    let out = cmzon(dir.path())
        .args([
            "send",
            "message_text",
            "--secret",
            SECRET,
            "--to",
            &server.url("/h"),
        ])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let body: Value = serde_json::from_slice(&server.requests()[0].body).unwrap();
    assert!(
        !has_key(&body, "wa_id") && has_key(&body, "user_id"),
        "{body}"
    );

    std::fs::write(
        dir.path().join("cmzon-hook.toml"),
        "[fixtures]\nidentity = \"usernames\"\n",
    )
    .unwrap();
    let out = run(dir.path(), &["fixtures", "show", "message_text"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(
            "cmzon-hook.toml:2: [fixtures] identity must be both, username-only or phone-only"
        ),
        "{err}"
    );
}

#[test]
fn send_delivers_each_shape_signed() {
    let server = Server::ok();
    for identity in ["both", "username-only", "phone-only"] {
        let out = cmzon(source_tree())
            .args([
                "send",
                "batch",
                "--secret",
                SECRET,
                "--to",
                &server.url("/h"),
            ])
            .args(["--identity", identity])
            .output()
            .unwrap();
        assert_eq!(
            out.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let reqs = server.requests();
    assert_eq!(reqs.len(), 3);
    let docs: Vec<Value> = reqs
        .iter()
        .map(|r| {
            assert!(signature_valid(r));
            assert!(r.body.is_ascii(), "escaped on the wire");
            serde_json::from_slice(&r.body).unwrap()
        })
        .collect();
    assert!(has_key(&docs[0], "wa_id") && has_key(&docs[0], "recipient_user_id"));
    assert!(!has_key(&docs[1], "wa_id") && !has_key(&docs[1], "recipient_id"));
    assert!(has_key(&docs[1], "username") && has_key(&docs[1], "recipient_user_id"));
    assert!(has_key(&docs[2], "wa_id") && !has_key(&docs[2], "user_id"));
    assert!(!has_key(&docs[2], "recipient_user_id"));
}

#[test]
fn send_renders_bsuids_fresh_for_every_delivery() {
    let server = Server::ok();
    let out = cmzon(source_tree())
        .args(["send", "message_text", "--count", "3", "--secret", SECRET])
        .args(["--to", &server.url("/h")])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut ids = Vec::new();
    for r in server.requests() {
        let doc: Value = serde_json::from_slice(&r.body).unwrap();
        let c = &value(&doc, 0)["contacts"][0];
        let (phone, bsuid) = (c["wa_id"].as_str().unwrap(), c["user_id"].as_str().unwrap());
        assert!(
            bsuid.starts_with(&format!("{}.", TokenSource::country_of(phone))),
            "{c}"
        );
        let parent = c["parent_user_id"].as_str().unwrap();
        assert!(parent.starts_with(&format!("{}.ENT.", TokenSource::country_of(phone))));
        ids.push(bsuid.to_string());
    }
    assert_eq!(ids.len(), 3);
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 3, "fresh per delivery: {ids:?}");
}

#[test]
fn send_refuses_an_identity_it_cannot_apply_before_sending_anything() {
    let server = Server::ok();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("body.json"), br#"{"a":1}"#).unwrap();
    for args in [
        &["messages", "account_update", "--identity", "username-only"][..],
        &["body.json", "--identity", "phone-only"][..],
    ] {
        let out = cmzon(dir.path())
            .arg("send")
            .args(args)
            .args(["--secret", SECRET, "--to", &server.url("/h")])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains("--identity"), "{err}");
    }
    assert!(server.requests().is_empty());
    // A file is sent byte for byte with the default identity.
    let out = cmzon(dir.path())
        .args([
            "send",
            "body.json",
            "--identity",
            "both",
            "--secret",
            SECRET,
        ])
        .args(["--to", &server.url("/h")])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(server.requests()[0].body, br#"{"a":1}"#);
}
