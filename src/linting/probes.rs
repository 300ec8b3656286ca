//! What the probes send: the signed event bodies (compact canonical, escaped wire form,
//! modified after signing) and the malformed body.

use serde_json::{json, Value};

use crate::error::{Error, Result};
use crate::json::style::{self, PYTHON_DUMPS};
use crate::webhook::fixtures::{self, Layout, TokenSource};

/// The text put in the raw-body probe: non-ASCII, `/` and `@`, as real messages carry.
pub const ESCAPED_TEXT: &str = "mangé / café @ 😮";

/// The `messages` fixture, rendered with fresh ids, as compact *canonical* JSON: the bytes a
/// parse-and-re-serialize verifier (`JSON.stringify(req.body)`) would reproduce. Probes that
/// test the secret use it, so `reachable` says nothing about escaping; `raw-body` sends the
/// escaped wire form of the same event and is the one check that tells the two apart.
pub fn compact_event(tokens: &mut TokenSource) -> Result<Vec<u8>> {
    let fixture = fixtures::find("messages").ok_or_else(|| fixtures::unknown("messages"))?;
    let value = fixtures::render_value(fixture, tokens, &[])?;
    serde_json::to_vec(&value).map_err(|e| Error::input(format!("cannot encode the event: {e}")))
}

/// A text message from a sender who adopted a username and whose phone number WhatsApp
/// withholds (the `message_username_only` fixture: no `wa_id`, no phone number in `from`),
/// rendered fresh, as compact canonical JSON like [`compact_event`].
pub fn username_only_event(tokens: &mut TokenSource) -> Result<Vec<u8>> {
    const NAME: &str = "message_username_only";
    let fixture = fixtures::find(NAME).ok_or_else(|| fixtures::unknown(NAME))?;
    let value = fixtures::render_value(fixture, tokens, &[])?;
    serde_json::to_vec(&value).map_err(|e| Error::input(format!("cannot encode the event: {e}")))
}

const TEXT_POINTER: &str = "/entry/0/changes/0/value/messages/0/text/body";

/// The same event with non-ASCII text in the sender's wire form (fixtures' compact layout:
/// `\uXXXX` escapes and `\/`) plus a space after every colon: valid JSON whose bytes no
/// re-serializer reproduces. Signed as is.
pub fn escaped_event(compact: &[u8]) -> Vec<u8> {
    let mut v: Value = serde_json::from_slice(compact).unwrap_or_else(|_| json!({}));
    match v.pointer_mut(TEXT_POINTER) {
        Some(t) => *t = json!(ESCAPED_TEXT),
        None => {
            if let Some(o) = v.as_object_mut() {
                o.insert("note".into(), json!(ESCAPED_TEXT));
            }
        }
    }
    space_after_colons(&fixtures::serialize(&v, Layout::Compact))
}

/// Insert a space after every `:` that separates a key from its value (not inside strings).
pub fn space_after_colons(json: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(json.len() + json.len() / 8);
    let (mut in_string, mut escaped) = (false, false);
    for &b in json {
        out.push(b);
        if in_string {
            match b {
                _ if escaped => escaped = false,
                b'\\' => escaped = true,
                b'"' => in_string = false,
                _ => {}
            }
        } else if b == b'"' {
            in_string = true;
        } else if b == b':' {
            out.push(b' ');
        }
    }
    out
}

/// The event as Python's `json.dumps(json.loads(body))` writes it: `", "` and `": "`
/// separators, every non-ASCII character as `\uXXXX`, `/` left alone. Signed correctly, it is
/// accepted by an endpoint that verifies that re-serialization (and by a correct one), so
/// it tells "re-serialized body" apart from "wrong secret" when the compact event is refused.
pub fn python_event(compact: &[u8]) -> Vec<u8> {
    let v: Value = serde_json::from_slice(compact).unwrap_or_else(|_| json!({}));
    style::serialize(&v, PYTHON_DUMPS)
}

/// The event with its text changed (for "modified after signing").
pub fn modified_event(compact: &[u8]) -> Vec<u8> {
    let mut v: Value = serde_json::from_slice(compact).unwrap_or_else(|_| json!({}));
    match v.pointer_mut(TEXT_POINTER) {
        Some(t) => *t = json!("Please refund order 1337 to account 99"),
        None => {
            if let Some(o) = v.as_object_mut() {
                o.insert("tampered".into(), json!(true));
            }
        }
    }
    serde_json::to_vec(&v).unwrap_or_default()
}

/// A signed body that is not JSON: an event cut short, as a broken proxy would leave it.
pub const MALFORMED_BODY: &[u8] = b"{\"object\":\"whatsapp_business_account\",\"entry\":[{\"id\":";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spaces_only_between_keys_and_values() {
        let wire = br#"{"a:b":"x\":y","c":{"d":[1,"e:"]},"f":"\\"}"#;
        assert_eq!(
            space_after_colons(wire),
            br#"{"a:b": "x\":y","c": {"d": [1,"e:"]},"f": "\\"}"#.to_vec()
        );
        let v: Value = serde_json::from_str(r#"{"text":{"body":"mangé / café @ 😮"}}"#).unwrap();
        let spaced = space_after_colons(&fixtures::serialize(&v, Layout::Compact));
        assert_eq!(
            String::from_utf8(spaced.clone()).unwrap(),
            r#"{"text": {"body": "mang\u00e9 \/ caf\u00e9 @ \ud83d\ude2e"}}"#
        );
        let back: Value = serde_json::from_slice(&spaced).unwrap();
        assert_eq!(back, v);
    }

    #[test]
    fn payloads() {
        let mut tokens = TokenSource::seeded(7, 1_700_000_000);
        let a = compact_event(&mut tokens).unwrap();
        let b = compact_event(&mut tokens).unwrap();
        assert_ne!(a, b, "each event has a fresh id");
        let v: Value = serde_json::from_slice(&a).unwrap();
        assert_eq!(serde_json::to_vec(&v).unwrap(), a, "compact is canonical");
        let e = escaped_event(&a);
        let text = String::from_utf8(e.clone()).unwrap();
        assert!(text.is_ascii());
        assert!(text.contains(r"mang\u00e9 \/ caf\u00e9"), "{text}");
        assert!(text.contains("\"object\": \"whatsapp_business_account\""));
        let ev: Value = serde_json::from_slice(&e).unwrap();
        assert_eq!(ev.pointer(TEXT_POINTER), Some(&json!(ESCAPED_TEXT)));
        assert_ne!(
            serde_json::to_vec(&ev).unwrap(),
            e,
            "re-serializing changes the bytes"
        );
        let m = modified_event(&a);
        assert_ne!(m, a);
        assert!(serde_json::from_slice::<Value>(&m).is_ok());
        assert!(serde_json::from_slice::<Value>(MALFORMED_BODY).is_err());
    }

    #[test]
    fn python_style_is_what_json_dumps_writes() {
        // python3 -c 'import json; print(json.dumps({"a": [1, "x/y"], "b": {"c": "mangé 😮"}}))'
        let v = br#"{"a":[1,"x/y"],"b":{"c":"mang\u00e9 \ud83d\ude2e"}}"#;
        assert_eq!(
            String::from_utf8(python_event(v)).unwrap(),
            r#"{"a": [1, "x/y"], "b": {"c": "mang\u00e9 \ud83d\ude2e"}}"#
        );
        let mut tokens = TokenSource::seeded(7, 1_700_000_000);
        let a = compact_event(&mut tokens).unwrap();
        let p = python_event(&a);
        assert_ne!(p, a);
        assert_eq!(
            serde_json::from_slice::<Value>(&p).unwrap(),
            serde_json::from_slice::<Value>(&a).unwrap()
        );
    }
}
