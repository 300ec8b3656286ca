//! `listen` on today's payloads (issue 15): senders known by username or business-scoped
//! user id only, account-level fields and fields no one knows yet, on the terminal, with
//! `-v` and in `--json`.

use serde_json::Value;

use super::{env_secret, tmp, SECRET};
use crate::support::listen::Listener;

const USERNAME_ONLY: &[u8] = include_bytes!("../../data/events2026-username-only.json");
const BSUID_ONLY: &[u8] = include_bytes!("../../data/events2026-bsuid-only.json");
const TEMPLATE_STATUS: &[u8] = include_bytes!("../../data/events2026-template-status.json");
const UNKNOWN_FIELD: &[u8] = include_bytes!("../../data/events2026-unknown-field.json");

#[test]
fn senders_without_a_phone_number_and_account_events_are_printed() {
    let dir = tmp();
    let l = Listener::start(dir.path(), &["-v"], &env_secret());
    for body in [USERNAME_ONLY, BSUID_ONLY, TEMPLATE_STATUS, UNKNOWN_FIELD] {
        assert_eq!(l.post_signed(SECRET, body).status, 200);
    }
    let line = l.wait_line("#1 ");
    assert!(
        line.contains("message text")
            && line.contains("@sheena (Sheena Nelson)  Hello from a username"),
        "{line}"
    );
    assert!(!line.contains("@@"), "{line}");
    // -v shows the ids under the event line.
    let ids = l.wait_line("user_id US.13491208655302741918");
    assert!(
        ids.contains("parent_user_id US.ENT.11815799212886844830")
            && ids.contains("username @sheena"),
        "{ids}"
    );
    let line = l.wait_line("#2 ");
    assert!(line.ends_with("BR.1502576394655843  Oi"), "{line}");
    assert!(!line.contains("()"), "{line}");
    let line = l.wait_line("#3 ");
    assert!(
        line.contains("account") && line.ends_with(" template APPROVED  order_update (en_US)"),
        "{line}"
    );
    let line = l.wait_line("#4 ");
    assert!(line.ends_with(" field foo_update  keys: a, b, c"), "{line}");
    let stopped = l.interrupt();
    let err = stopped.stderr_text();
    assert!(
        err.contains("Summary: 4 requests, 4 events (2 message, 1 account, 1 other)"),
        "{err}"
    );
}

#[test]
fn a_username_only_message_delivered_twice_is_a_duplicate() {
    let dir = tmp();
    let l = Listener::start(dir.path(), &[], &env_secret());
    l.post_signed(SECRET, USERNAME_ONLY);
    l.wait_line("#1 ");
    l.post_signed(SECRET, USERNAME_ONLY);
    let line = l.wait_line("#2 ");
    assert!(line.ends_with("duplicate of #1"), "{line}");
    // Two alike account changes are two changes, not a redelivery.
    l.post_signed(SECRET, TEMPLATE_STATUS);
    l.wait_line("#3 ");
    l.post_signed(SECRET, TEMPLATE_STATUS);
    let line = l.wait_line("#4 ");
    assert!(!line.contains("duplicate"), "{line}");
}

#[test]
fn json_records_carry_the_ids_and_account_fields() {
    let dir = tmp();
    let l = Listener::start(dir.path(), &["--json"], &env_secret());
    for body in [USERNAME_ONLY, BSUID_ONLY, TEMPLATE_STATUS, UNKNOWN_FIELD] {
        l.post_signed(SECRET, body);
    }
    let objs: Vec<Value> = l
        .wait_stdout(4)
        .iter()
        .map(|x| serde_json::from_str(x).unwrap_or_else(|e| panic!("not JSON {x:?}: {e}")))
        .collect();
    let event = |id: u64| objs.iter().find(|o| o["id"] == id).unwrap()["events"][0].clone();
    let e = event(1);
    let keys: Vec<&str> = e.as_object().unwrap().keys().map(|k| k.as_str()).collect();
    assert_eq!(
        keys,
        [
            "kind",
            "type",
            "id",
            "from",
            "text",
            "profile_name",
            "timestamp",
            "content",
            "user_id",
            "username",
            "parent_user_id"
        ]
    );
    assert_eq!(
        (
            &e["from"],
            &e["user_id"],
            &e["username"],
            &e["parent_user_id"]
        ),
        (
            &Value::from(""),
            &Value::from("US.13491208655302741918"),
            &Value::from("@sheena"),
            &Value::from("US.ENT.11815799212886844830")
        )
    );
    let e = event(2);
    assert_eq!(
        (&e["user_id"], &e["username"], &e["parent_user_id"]),
        (
            &Value::from("BR.1502576394655843"),
            &Value::Null,
            &Value::Null
        )
    );
    let e = event(3);
    assert_eq!(e["kind"], "account");
    assert_eq!(e["field"], "message_template_status_update");
    assert_eq!(e["summary"], "template APPROVED  order_update (en_US)");
    assert_eq!(e["fields"]["message_template_name"], "order_update");
    assert_eq!(e["fields"]["message_template_id"], "1689556908129832");
    let e = event(4);
    assert_eq!(
        e,
        serde_json::json!({"kind":"other","field":"foo_update","summary":"keys: a, b, c"})
    );
}
