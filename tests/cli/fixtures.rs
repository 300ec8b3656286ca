//! `cmzon-hook fixtures list|show` end to end, and the catalogue's consistency with `fixtures/`.

use crate::support;

use std::collections::BTreeSet;
use std::time::{SystemTime, UNIX_EPOCH};

use crate::support::fixtures::{fixture_files, render_compact};
use crate::support::{cmzon, source_tree};
use cmzon_hook::webhook::event::{self, Event};
use cmzon_hook::webhook::fixtures::{self, Layout, TokenSource};
use serde_json::Value;

fn stdout_of(args: &[&str]) -> String {
    let out = cmzon(source_tree()).args(args).output().unwrap();
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// Runs a command that must fail with exit 2, nothing on stdout; returns stderr.
fn usage_error(args: &[&str]) -> String {
    let out = cmzon(source_tree()).args(args).output().unwrap();
    assert_eq!(out.status.code(), Some(2), "{args:?}");
    assert!(out.stdout.is_empty(), "{args:?} wrote to stdout");
    String::from_utf8(out.stderr).unwrap()
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

const MSG0: &str = "entry.0.changes.0.value.messages.0";

#[test]
fn catalogue_matches_the_fixtures_directory() {
    let files: BTreeSet<String> = fixture_files().into_iter().collect();
    let registered: BTreeSet<String> = fixtures::names().map(str::to_string).collect();
    assert_eq!(
        files, registered,
        "every fixtures/*.json is registered, and only those"
    );
    assert_eq!(
        registered.len(),
        fixtures::catalogue().len(),
        "no duplicate names"
    );
    for name in ["messages", "message_status", "message_errors"] {
        assert!(registered.contains(name), "seed example {name}");
    }
    for f in fixtures::catalogue() {
        let on_disk = std::fs::read_to_string(
            support::fixtures::fixtures_dir().join(format!("{}.json", f.name)),
        )
        .unwrap();
        assert_eq!(f.template, on_disk, "{} is embedded as on disk", f.name);
        let _: Value = serde_json::from_str(f.template)
            .unwrap_or_else(|e| panic!("{} does not parse: {e}", f.name));
        assert!(
            !f.description.trim().is_empty(),
            "{} has a description",
            f.name
        );
        assert!(
            ["message", "status", "error", "batch", "account", "echo"].contains(&f.kind),
            "{} has kind {}",
            f.name,
            f.kind
        );
    }
}

#[test]
fn every_fixture_renders_and_yields_events_of_its_kind() {
    for f in fixtures::catalogue() {
        for layout in [Layout::Compact, Layout::Pretty] {
            let body = fixtures::render(f, &mut TokenSource::seeded(3, 1_700_000_000), &[], layout)
                .unwrap();
            let text = String::from_utf8(body.clone()).unwrap();
            assert!(!text.contains("{{"), "{} {layout:?} left a token", f.name);
            let _: Value = serde_json::from_str(&text).unwrap();
            let events = event::extract(&body).unwrap();
            assert!(!events.is_empty(), "{}", f.name);
            if f.kind == "account" || f.kind == "echo" {
                // One account-level change, one event with a summary of its own (never the
                // `field <name>  keys: …` of a field the model does not know).
                let v: Value = serde_json::from_str(&text).unwrap();
                assert_ne!(
                    v["entry"][0]["changes"][0]["field"], "messages",
                    "{}",
                    f.name
                );
                assert_eq!(events.len(), 1, "{}: {events:?}", f.name);
                assert!(
                    matches!(&events[0], Event::Account { .. }),
                    "{}: {events:?}",
                    f.name
                );
                continue;
            }
            assert!(
                events.iter().all(|e| !matches!(e, Event::Other { .. })),
                "{}: {events:?}",
                f.name
            );
            match f.kind {
                "batch" => {
                    let kinds: BTreeSet<&str> = events.iter().map(Event::kind_str).collect();
                    assert!(events.len() >= 4 && kinds.len() >= 2, "{}", f.name);
                    let v: Value = serde_json::from_str(&text).unwrap();
                    assert!(v["entry"].as_array().unwrap().len() >= 2);
                }
                kind => assert!(
                    events.iter().all(|e| e.kind_str() == kind),
                    "{}: {events:?}",
                    f.name
                ),
            }
        }
        // Message fixtures carry the type their name says.
        if let Some(t) = f.name.strip_prefix("message_") {
            if let [Event::Message(m)] = event::extract(f.template.as_bytes()).unwrap().as_slice() {
                let want = match t {
                    "button_reply" | "list_reply" => "interactive",
                    "username_only" => "text",
                    other => other,
                };
                assert_eq!(m.kind, want, "{}", f.name);
            }
        }
    }
}

#[test]
fn list_prints_a_table_of_every_fixture() {
    let out = stdout_of(&["fixtures", "list"]);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), fixtures::catalogue().len() + 1);
    assert!(lines[0].starts_with("NAME"), "{}", lines[0]);
    assert!(lines[0].contains("KIND") && lines[0].contains("DESCRIPTION"));
    assert!(!out.contains('\u{1b}'), "no color when NO_COLOR is set");
    let status = lines
        .iter()
        .find(|l| l.starts_with("status_failed "))
        .expect("status_failed row");
    let cols: Vec<&str> = status.split_whitespace().collect();
    assert_eq!(cols[1], "status");
    assert!(status.contains("131047"));
    // Columns are aligned: every kind starts at the same offset.
    let offset = lines[0].find("KIND").unwrap();
    for l in &lines[1..] {
        assert_ne!(&l[offset..offset + 1], " ", "{l}");
        assert_eq!(&l[offset - 2..offset], "  ", "{l}");
    }
}

#[test]
fn list_json_is_one_object_per_fixture() {
    let out = stdout_of(&["fixtures", "list", "--json"]);
    let mut names = BTreeSet::new();
    for line in out.lines() {
        let v: Value = serde_json::from_str(line).unwrap();
        let keys: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
        assert_eq!(keys, ["name", "kind", "description", "source"]);
        let source = v["source"].as_str().unwrap();
        assert!(
            source.starts_with("https://developers.facebook.com/documentation/business-messaging/whatsapp/webhooks/reference/"),
            "{source}"
        );
        names.insert(v["name"].as_str().unwrap().to_string());
        if v["name"] == "batch" {
            assert_eq!(v["kind"], "batch");
        }
    }
    assert_eq!(names, fixture_files().into_iter().collect());
}

#[test]
fn help_documents_the_tokens() {
    let out = stdout_of(&["fixtures", "list", "--help"]);
    for token in [
        "{{wamid}}",
        "{{timestamp}}",
        "{{phone}}",
        "{{uuid}}",
        "{{wamid:answer}}",
        "{{bsuid}}",
        "{{parent_bsuid}}",
        "{{username}}",
        "{{unix}}",
    ] {
        assert!(out.contains(token), "{token} missing from help");
    }
    let show = stdout_of(&["fixtures", "show", "--help"]);
    for words in [
        "--identity <IDENTITY>",
        "username-only",
        "phone-only",
        "keep the seed's content",
        "`identity` under `[fixtures]`",
    ] {
        assert!(show.contains(words), "{words} missing from show --help");
    }
}

#[test]
fn list_verbose_names_the_meta_page_of_every_fixture() {
    let out = stdout_of(&["fixtures", "list", "-v"]);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 2 * fixtures::catalogue().len() + 1);
    for (pair, f) in lines[1..].chunks(2).zip(fixtures::catalogue()) {
        assert!(pair[0].starts_with(f.name), "{pair:?}");
        assert_eq!(pair[1], format!("    source: {}", f.source));
    }
    let system = fixtures::find("system_user_changed_user_id").unwrap();
    assert!(
        system.source.ends_with("/reference/messages/system"),
        "{}",
        system.source
    );
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("account_update ")
                && l.split_whitespace().nth(1) == Some("account")),
        "{out}"
    );
}

#[test]
fn show_renders_pretty_json_with_fresh_tokens() {
    let out = stdout_of(&["fixtures", "show", "messages"]);
    assert!(out.starts_with("{\n  \"object\": \"whatsapp_business_account\",\n"));
    assert!(out.ends_with("}\n"));
    let v: Value = serde_json::from_str(&out).unwrap();
    let m = &v["entry"][0]["changes"][0]["value"]["messages"][0];
    assert!(m["id"].as_str().unwrap().starts_with("wamid.HBg"));
    assert!(m["from"]
        .as_str()
        .unwrap()
        .chars()
        .all(|c| c.is_ascii_digit()));
    let ts: u64 = m["timestamp"].as_str().unwrap().parse().unwrap();
    assert!(ts.abs_diff(now()) < 120, "timestamp {ts} is now");
    assert_eq!(m["text"]["body"], "Hello, I need help with my order");

    let again = stdout_of(&["fixtures", "show", "messages"]);
    let w: Value = serde_json::from_str(&again).unwrap();
    assert_ne!(
        m["id"], w["entry"][0]["changes"][0]["value"]["messages"][0]["id"],
        "every render gets a fresh wamid"
    );
}

#[test]
fn pretty_output_is_readable_utf8() {
    let out = stdout_of(&["fixtures", "show", "message_text"]);
    assert!(out.contains("je voudrais changer ma commande — merci 😮"));
    assert!(!out.contains("\\u"));
}

#[test]
fn compact_output_is_the_escaped_wire_form_without_newline() {
    let body = render_compact("message_text", &[]);
    assert!(body.is_ascii());
    assert!(!body.ends_with(b"\n"));
    assert!(!body.contains(&b'\n'));
    let text = String::from_utf8(body).unwrap();
    assert!(
        text.contains(
            r#""body":"Bonjour, je voudrais changer ma commande \u2014 merci \ud83d\ude2e""#
        ),
        "{text}"
    );
    assert!(text.contains(r#""name":"Am\u00e9lie Laurent""#), "{text}");

    let loc = String::from_utf8(render_compact("message_location", &[])).unwrap();
    assert!(
        loc.contains(r#""url":"https:\/\/cafedeflore.fr\/""#),
        "{loc}"
    );
}

#[test]
fn set_reproduces_the_seed_vector_and_its_signature() {
    // The seed's example in its own (phone-only) shape: today's payload adds only the
    // `contacts` array the seed left out; everything else is the seed's bytes.
    let out = stdout_of(&[
        "fixtures",
        "show",
        "messages",
        "--compact",
        "--identity",
        "phone-only",
        "--set",
        &format!(r#"{MSG0}.from="1234567890""#),
        "--set",
        &format!("{MSG0}.id=wamid.xxx"),
        "--set",
        &format!(r#"{MSG0}.timestamp="1234567890""#),
    ]);
    let v: Value = serde_json::from_str(&out).unwrap();
    let contacts = &v["entry"][0]["changes"][0]["value"]["contacts"];
    let wa_id = contacts[0]["wa_id"].as_str().unwrap();
    assert!(wa_id.len() >= 10 && wa_id.bytes().all(|b| b.is_ascii_digit()));
    let fragment =
        format!(r#""contacts":[{{"profile":{{"name":"Sheena Nelson"}},"wa_id":"{wa_id}"}}],"#);
    assert!(out.contains(&fragment), "{out}");
    let body = out.replacen(&fragment, "", 1);
    let want = r#"{"object":"whatsapp_business_account","entry":[{"id":"WHATSAPP_BUSINESS_ACCOUNT_ID","changes":[{"value":{"messaging_product":"whatsapp","metadata":{"display_phone_number":"1234567890","phone_number_id":"PHONE_NUMBER_ID"},"messages":[{"from":"1234567890","id":"wamid.xxx","timestamp":"1234567890","text":{"body":"Hello, I need help with my order"},"type":"text"}]},"field":"messages"}]}]}"#;
    assert_eq!(body, want);
    let sig = cmzon(source_tree())
        .args(["sign", "--secret", "s3cret"])
        .write_stdin(body)
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8(sig.stdout).unwrap().trim_end(),
        "sha256=1a79931c7aff73e7ac9c11657e09d99c107cf017727d1ebfe45aaa4462854f56"
    );
}

#[test]
fn set_values_are_json_or_strings() {
    let out = stdout_of(&[
        "fixtures",
        "show",
        "message_text",
        "--set",
        &format!("{MSG0}.text.body=Hi / mangé"),
        "--set",
        &format!("{MSG0}.timestamp=42"),
        "--set",
        &format!("{MSG0}.id=7"),
        "--set-json",
        &format!("{MSG0}.id=7"),
        "--set",
        &format!(r#"{MSG0}.context={{"forwarded":true}}"#),
        "--set",
        "entry.0.changes.0.value.contacts.0.profile.name=\"007\"",
    ]);
    let v: Value = serde_json::from_str(&out).unwrap();
    let m = &v["entry"][0]["changes"][0]["value"]["messages"][0];
    assert_eq!(m["text"]["body"], "Hi / mangé");
    // Where the fixture has a string, a number stays a string (--set-json sets JSON).
    assert_eq!(m["timestamp"], "42");
    assert_eq!(m["id"], 7);
    assert_eq!(m["context"]["forwarded"], true);
    // A new key is appended after the existing ones.
    let keys: Vec<&str> = m.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(keys.last(), Some(&"context"));
    assert_eq!(
        v["entry"][0]["changes"][0]["value"]["contacts"][0]["profile"]["name"],
        "007"
    );
}

#[test]
fn set_with_a_bad_path_names_the_nearest_prefix() {
    let err = usage_error(&[
        "fixtures",
        "show",
        "messages",
        "--set",
        "entry.0.changes.0.value.mesages.0.text.body=Hi",
    ]);
    assert!(
        err.contains("no key `mesages` in `entry.0.changes.0.value`"),
        "{err}"
    );
    assert!(
        err.contains("hint: keys there: messaging_product, metadata, contacts, messages"),
        "{err}"
    );
    assert!(err.contains("did you mean `messages`?"), "{err}");

    let err = usage_error(&["fixtures", "show", "batch", "--set", "entry.9.id=1"]);
    assert!(err.contains("index 9 is out of range in `entry`"), "{err}");
    assert!(err.contains("2 items: use an index from 0 to 1"), "{err}");

    let err = usage_error(&["fixtures", "show", "messages", "--set", "object.x=1"]);
    assert!(
        err.contains("`object` is a string, not an object or array"),
        "{err}"
    );

    let err = usage_error(&["fixtures", "show", "messages", "--set", "no-equals-sign"]);
    assert!(
        err.contains("--set `no-equals-sign`: expected PATH=VALUE"),
        "{err}"
    );
    assert!(err.contains("hint: e.g. --set entry.0"), "{err}");
}

#[test]
fn unknown_fixture_names_get_a_suggestion_or_the_list() {
    let err = usage_error(&["fixtures", "show", "status_deliverd"]);
    assert!(
        err.contains("error: no fixture named `status_deliverd`"),
        "{err}"
    );
    assert!(
        err.contains("hint: did you mean `status_delivered`?"),
        "{err}"
    );

    let err = usage_error(&["fixtures", "show", "qqqqqqqqqq"]);
    assert!(
        err.contains("hint: fixtures: messages, message_status"),
        "{err}"
    );
    assert!(err.contains("batch"), "{err}");
}

#[test]
fn show_without_a_name_is_a_usage_error() {
    let err = usage_error(&["fixtures", "show"]);
    assert!(err.contains("NAME"), "{err}");
}
