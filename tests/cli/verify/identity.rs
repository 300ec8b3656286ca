//! `verify` on today's payloads (issue 15): senders known by username or business-scoped user
//! id only, an account-level field and a field no one knows yet, in lines, `-v` and `--json`.

use serde_json::Value;

use super::{dir, verify};
use crate::support::captures::*;

const USERNAME_ONLY: &[u8] = include_bytes!("../../data/events2026-username-only.json");
const BSUID_ONLY: &[u8] = include_bytes!("../../data/events2026-bsuid-only.json");
const TEMPLATE_STATUS: &[u8] = include_bytes!("../../data/events2026-template-status.json");
const UNKNOWN_FIELD: &[u8] = include_bytes!("../../data/events2026-unknown-field.json");

fn capture(d: &std::path::Path) {
    let requests: Vec<_> = [USERNAME_ONLY, BSUID_ONLY, TEMPLATE_STATUS, UNKNOWN_FIELD]
        .iter()
        .map(|b| signed_request(SECRET, b, b))
        .collect();
    write_jsonl(&d.join("c.jsonl"), &requests);
}

#[test]
fn lines_name_usernames_bsuids_account_events_and_unknown_fields() {
    let d = dir();
    capture(d.path());
    let r = verify(d.path(), &["c.jsonl"]);
    assert_eq!(r.code, 0, "{r:?}");
    assert_eq!(
        r.stdout.lines().collect::<Vec<_>>(),
        [
            "c.jsonl#1  ✓  message text wamid.USERNAME0001 from @sheena (Sheena Nelson): Hello from a username",
            "c.jsonl#2  ✓  message text wamid.BSUID0001 from BR.1502576394655843: Oi",
            "c.jsonl#3  ✓  template APPROVED  order_update (en_US)",
            "c.jsonl#4  ✓  field foo_update  keys: a, b, c",
        ]
    );
    // -v adds the ids under the line of each event that carries them.
    let r = verify(d.path(), &["-v", "c.jsonl"]);
    assert_eq!(r.code, 0, "{r:?}");
    assert!(
        r.stdout.contains(
            "    user_id US.13491208655302741918  parent_user_id US.ENT.11815799212886844830  username @sheena\n"
        ),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout.contains("    user_id BR.1502576394655843\n"),
        "{}",
        r.stdout
    );
}

#[test]
fn json_events_carry_the_ids_and_account_fields() {
    let d = dir();
    capture(d.path());
    let r = verify(d.path(), &["--json", "c.jsonl"]);
    assert_eq!(r.code, 0, "{r:?}");
    let objs: Vec<Value> = r
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(objs.len(), 4);
    let e = &objs[0]["events"][0];
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
    let e = &objs[1]["events"][0];
    assert_eq!(
        (&e["user_id"], &e["username"], &e["parent_user_id"]),
        (
            &Value::from("BR.1502576394655843"),
            &Value::Null,
            &Value::Null
        )
    );
    let e = &objs[2]["events"][0];
    assert_eq!(
        (&e["kind"], &e["field"], &e["summary"]),
        (
            &Value::from("account"),
            &Value::from("message_template_status_update"),
            &Value::from("template APPROVED  order_update (en_US)")
        )
    );
    assert_eq!(e["fields"]["event"], "APPROVED");
    let e = &objs[3]["events"][0];
    assert_eq!(
        (&e["kind"], &e["field"], &e["summary"]),
        (
            &Value::from("other"),
            &Value::from("foo_update"),
            &Value::from("keys: a, b, c")
        )
    );
}
