//! One request's `--json` record and what its body carries ([`BodyEvents`]), shared by the
//! human line and the record.

use std::borrow::Cow;

use crate::json::write::{write_key, write_str};
use crate::webhook::event::{self, Document, EventView, ParseError};
use crate::webhook::signature::Verdict;

/// What the body carries, for the summary and `--json`.
pub enum BodyEvents<'a> {
    Found(Vec<EventView<'a>>),
    Unparsed(ParseError),
    /// Too large to keep in memory: only hashed (its length).
    NotRead(u64),
}

impl<'a> BodyEvents<'a> {
    pub fn of(doc: &'a std::result::Result<Document<'_>, ParseError>) -> BodyEvents<'a> {
        match doc
            .as_ref()
            .map_err(Clone::clone)
            .and_then(Document::events)
        {
            Ok(events) => BodyEvents::Found(events),
            Err(e) => BodyEvents::Unparsed(e),
        }
    }

    /// One line: the first event's summary and how many more there are.
    pub fn summary(&self) -> String {
        match self {
            BodyEvents::Found(events) => match events.split_first() {
                None => "(no events)".into(),
                Some((first, [])) => first.summary(),
                Some((first, rest)) => format!("{} (+{} more)", first.summary(), rest.len()),
            },
            BodyEvents::Unparsed(ParseError::NotJson(_)) => "(body is not JSON)".into(),
            BodyEvents::Unparsed(ParseError::NotWebhook(_)) => "(not a WhatsApp webhook)".into(),
            BodyEvents::NotRead(len) => {
                format!("({:.1} MiB body, not inspected)", *len as f64 / 1048576.0)
            }
        }
    }

    /// For `-v`: each event's business-scoped ids (`user_id …  parent_user_id …  username …`),
    /// for those that carry any.
    pub fn ids_lines(&self) -> Vec<String> {
        self.views()
            .iter()
            .filter_map(|e| e.ids()?.describe())
            .collect()
    }

    /// The `--json` `events` array (empty when there are none to show).
    fn views(&self) -> &[EventView<'a>] {
        match self {
            BodyEvents::Found(events) => events,
            _ => &[],
        }
    }
}

/// One `verify --json` line. `source`, `valid`, `scheme`, `reason` and `hint` are the
/// documented interface; `diagnosis` is the stable variant id and `events` the
/// `Event::to_json` views. (Written by hand, byte for byte what serde_json writes for it:
/// tests compare.)
#[cfg_attr(test, derive(serde::Serialize))]
pub struct VerifyRecord<'a> {
    source: &'a str,
    valid: bool,
    scheme: Option<&'static str>,
    reason: Cow<'static, str>,
    hint: Option<Cow<'static, str>>,
    diagnosis: Option<&'static str>,
    events: &'a [EventView<'a>],
}

impl<'a> VerifyRecord<'a> {
    pub fn new(source: &'a str, verdict: &Verdict, events: &'a BodyEvents<'a>) -> Self {
        VerifyRecord {
            source,
            valid: verdict.is_valid(),
            scheme: verdict.scheme().map(|s| s.as_str()),
            reason: verdict.reason(),
            hint: verdict.hint(),
            diagnosis: verdict.diagnosis_id(),
            events: events.views(),
        }
    }

    /// The record as one JSON object (no newline).
    pub fn write(&self, out: &mut Vec<u8>) {
        let text = |out: &mut Vec<u8>, key: &str, value: Option<&str>| {
            write_key(out, key);
            match value {
                Some(v) => write_str(out, v),
                None => out.extend_from_slice(b"null"),
            }
            out.push(b',');
        };
        out.push(b'{');
        text(out, "source", Some(self.source));
        // The common line, a valid SHA-256 signature, is the same from here to its events.
        const VALID: &str = r#""valid":true,"scheme":"sha256","reason":"signature valid","hint":null,"diagnosis":null,"events":["#;
        if self.valid
            && self.scheme == Some("sha256")
            && self.reason == "signature valid"
            && self.hint.is_none()
            && self.diagnosis.is_none()
        {
            out.extend_from_slice(VALID.as_bytes());
            self.write_events(out);
            return;
        }
        write_key(out, "valid");
        out.extend_from_slice(if self.valid { b"true," } else { b"false," });
        text(out, "scheme", self.scheme);
        text(out, "reason", Some(&self.reason));
        text(out, "hint", self.hint.as_deref());
        text(out, "diagnosis", self.diagnosis);
        write_key(out, "events");
        out.push(b'[');
        self.write_events(out);
    }

    /// The events, after `"events":[`, and the end of the line's object.
    fn write_events(&self, out: &mut Vec<u8>) {
        event::write_json_list(out, self.events);
        out.extend_from_slice(b"]}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::webhook::signature;

    #[test]
    fn json_lines_are_written_as_serde_json_writes_them() {
        let body = br#"{"object":"whatsapp_business_account","entry":[{"changes":[{"field":"messages","value":{"messages":[{"from":"1","id":"wamid.\"q\"","type":"text","text":{"body":"a\u0001b\\c"},"context":{"id":"c"}}],"statuses":[{"id":"s","status":"failed","recipient_id":"r","errors":[{"code":131047,"title":"T","message":"M"}]}],"errors":[{"title":"x"}],"calls":[1]}}]}]}"#;
        let pretty =
            serde_json::to_vec_pretty(&serde_json::from_slice::<serde_json::Value>(body).unwrap())
                .unwrap();
        let verdicts = [
            signature::verify_headers(
                b"k",
                [("X-Hub-Signature-256", signature::sign(b"k", body).as_str())],
                body,
            ),
            signature::verify_headers(
                b"k",
                [("X-Hub-Signature", signature::sign_sha1(b"k", body).as_str())],
                body,
            ),
            signature::verify_headers(
                b"k",
                [(
                    "X-Hub-Signature-256",
                    signature::sign(b"k", &pretty).as_str(),
                )],
                body,
            ),
            signature::verify_headers(b"k", [("X-Hub-Signature-256", "sha256=zz")], body),
            signature::verify_headers(b"k", [("X-Hub-Signature-256", "md5=00")], body),
            signature::verify_headers(b"k", [("Content-Type", "text/plain")], body),
        ];
        assert!(verdicts.iter().any(|v| v.diagnosis_id().is_some()));
        let docs = [
            Document::parse(body),
            Document::parse(b"{"),
            Document::parse(b"[]"),
        ];
        let mut events: Vec<BodyEvents<'_>> = docs.iter().map(BodyEvents::of).collect();
        events.push(BodyEvents::NotRead(1 << 30));
        for verdict in &verdicts {
            for events in &events {
                let line = VerifyRecord::new("cap \"1\".jsonl:7", verdict, events);
                let mut ours = Vec::new();
                line.write(&mut ours);
                assert_eq!(
                    String::from_utf8(ours).unwrap(),
                    serde_json::to_string(&line).unwrap()
                );
            }
        }
    }

    #[test]
    fn event_summaries() {
        let summary = |body: &[u8]| BodyEvents::of(&Document::parse(body)).summary();
        assert_eq!(summary(b"{"), "(body is not JSON)");
        assert_eq!(summary(b"{}"), "(not a WhatsApp webhook)");
        assert_eq!(
            BodyEvents::NotRead(3 << 20).summary(),
            "(3.0 MiB body, not inspected)"
        );
        let body = include_bytes!("../../tests/data/vector-messages.json");
        let s = summary(body);
        assert!(
            s.starts_with("message text wamid.xxx from 1234567890"),
            "{s}"
        );
    }
}
