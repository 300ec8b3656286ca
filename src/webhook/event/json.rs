//! The one JSON writer for an event: [`EventView::write_json`], byte for byte what
//! serde_json writes for the same object (a test compares them on generated events). Written
//! by hand because `listen --json` and `verify --json` write one per request; the owned
//! [`Event::to_json`] reads this writer's output back. serde appears only in the tests.

use serde_json::Value;

use super::model::{ErrorEvent, Event};
use super::view::{EventView, Fields, Ids};
use crate::json::write::{write_key, write_str};

/// `,"user_id":…,"username":…,"parent_user_id":…`, `null` for what is absent.
fn write_ids(out: &mut Vec<u8>, ids: &Ids<'_>) {
    for (key, value) in [
        (&br#","user_id":"#[..], &ids.user_id),
        (br#","username":"#, &ids.username),
        (br#","parent_user_id":"#, &ids.parent_user_id),
    ] {
        out.extend_from_slice(key);
        match value {
            Some(v) => write_str(out, v),
            None => out.extend_from_slice(b"null"),
        }
    }
}

impl EventView<'_> {
    /// Append this view's JSON, byte for byte what `serde_json::to_writer` writes for it
    /// (without serde's per-value dispatch: `verify --json` writes one per request).
    pub fn write_json(&self, out: &mut Vec<u8>) {
        // `,"key":` is written whole (keys are plain ASCII), then the value.
        let field = |out: &mut Vec<u8>, key: &[u8], value: &str| {
            out.extend_from_slice(key);
            write_str(out, value);
        };
        out.extend_from_slice(match self.0 {
            Fields::Message { .. } => br#"{"kind":"message""#,
            Fields::Status { .. } => br#"{"kind":"status""#,
            Fields::Error(_) => br#"{"kind":"error""#,
            Fields::Account { .. } => br#"{"kind":"account""#,
            Fields::Other { .. } => br#"{"kind":"other""#,
        });
        match &self.0 {
            Fields::Message {
                id,
                from,
                profile_name,
                timestamp,
                kind,
                content,
                context_id,
                ids,
            } => {
                field(out, br#","type":"#, kind);
                field(out, br#","id":"#, id);
                field(out, br#","from":"#, from);
                if kind == "text" {
                    field(out, br#","text":"#, content);
                }
                if let Some(n) = profile_name {
                    field(out, br#","profile_name":"#, n);
                }
                if let Some(t) = timestamp {
                    field(out, br#","timestamp":"#, t);
                }
                field(out, br#","content":"#, content);
                if let Some(c) = context_id {
                    field(out, br#","context_id":"#, c);
                }
                write_ids(out, ids);
            }
            Fields::Status {
                id,
                status,
                recipient_id,
                timestamp,
                errors,
                ids,
            } => {
                field(out, br#","status":"#, status);
                field(out, br#","id":"#, id);
                field(out, br#","recipient_id":"#, recipient_id);
                if let Some(t) = timestamp {
                    field(out, br#","timestamp":"#, t);
                }
                if !errors.is_empty() {
                    out.push(b',');
                    write_key(out, "errors");
                    out.push(b'[');
                    for (i, e) in errors.iter().enumerate() {
                        if i > 0 {
                            out.push(b',');
                        }
                        out.push(b'{');
                        write_error_fields(out, e);
                        out.push(b'}');
                    }
                    out.push(b']');
                }
                write_ids(out, ids);
            }
            Fields::Error(e) => {
                out.push(b',');
                write_error_fields(out, e);
            }
            Fields::Account {
                field: f,
                summary,
                fields,
            } => {
                field(out, br#","field":"#, f);
                field(out, br#","summary":"#, summary);
                out.extend_from_slice(br#","fields":{"#);
                for (i, (k, v)) in fields.iter().enumerate() {
                    if i > 0 {
                        out.push(b',');
                    }
                    write_str(out, k);
                    out.push(b':');
                    write_str(out, v);
                }
                out.push(b'}');
            }
            Fields::Other { field: f, summary } => {
                field(out, br#","field":"#, f);
                field(out, br#","summary":"#, summary);
            }
        }
        out.push(b'}');
    }
}

/// The events' JSON objects, comma-separated (what goes between an array's brackets).
pub fn write_json_list(out: &mut Vec<u8>, events: &[EventView<'_>]) {
    for (i, event) in events.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        event.write_json(out);
    }
}

/// `"code":…,"title":…` and the optional `message`, `details` ([`ErrorJson`]'s fields).
fn write_error_fields(out: &mut Vec<u8>, e: &ErrorEvent) {
    write_key(out, "code");
    match e.code {
        Some(code) => out.extend_from_slice(code.to_string().as_bytes()),
        None => out.extend_from_slice(b"null"),
    }
    out.push(b',');
    write_key(out, "title");
    write_str(out, &e.title);
    for (key, value) in [("message", &e.message), ("details", &e.details)] {
        if let Some(v) = value {
            out.push(b',');
            write_key(out, key);
            write_str(out, v);
        }
    }
}

impl ErrorEvent {
    /// `{"code","title"}` plus `message` and `details` when present.
    pub fn to_json(&self) -> Value {
        let mut out = vec![b'{'];
        write_error_fields(&mut out, self);
        out.push(b'}');
        serde_json::from_slice(&out).unwrap_or_default()
    }
}

impl Event {
    /// The NDJSON view used by `listen --json` and `verify --json`: messages
    /// `{"kind":"message","type","id","from",("text")}`, statuses
    /// `{"kind":"status","status","id","recipient_id"}`, errors `{"kind":"error","code","title"}`.
    ///
    /// Beyond those: messages add `profile_name`, `timestamp`, `content` (the human-readable
    /// content for every type) and `context_id` when present; statuses add `timestamp` and
    /// `errors` (`[{"code","title","message","details"}]`) when there are any; errors add
    /// `message` and `details`. Messages and statuses end with the sender's or recipient's
    /// `user_id`, `username` and `parent_user_id` (`null` when absent). [`Event::Account`]
    /// is `{"kind":"account","field","summary","fields":{..}}` (`fields` the value's scalar
    /// facts as text, nested keys dotted), [`Event::Other`] `{"kind":"other","field","summary"}`.
    pub fn to_json(&self) -> Value {
        let mut out = Vec::new();
        self.view().write_json(&mut out);
        serde_json::from_slice(&out).unwrap_or_default()
    }
}

/// The serde twin of [`EventView::write_json`], only for tests to compare with (here and in
/// the writers that embed events: listen's NDJSON record, verify's line).
#[cfg(test)]
mod serde_twin {
    use serde::ser::{Serialize, SerializeMap, Serializer};

    use super::super::model::ErrorEvent;
    use super::super::view::{EventView, Fields, Ids};

    fn ids<M: SerializeMap>(o: &mut M, ids: &Ids<'_>) -> Result<(), M::Error> {
        o.serialize_entry("user_id", &ids.user_id)?;
        o.serialize_entry("username", &ids.username)?;
        o.serialize_entry("parent_user_id", &ids.parent_user_id)
    }

    /// An account event's `fields`, in order.
    struct Pairs<'a>(&'a [(std::borrow::Cow<'a, str>, std::borrow::Cow<'a, str>)]);

    impl Serialize for Pairs<'_> {
        fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
            let mut o = serializer.serialize_map(Some(self.0.len()))?;
            for (k, v) in self.0 {
                o.serialize_entry(k, v)?;
            }
            o.end()
        }
    }

    impl Serialize for EventView<'_> {
        /// The [`Event::to_json`] object, key for key.
        fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
            let mut o = serializer.serialize_map(None)?;
            o.serialize_entry("kind", self.kind_str())?;
            match &self.0 {
                Fields::Message {
                    id,
                    from,
                    profile_name,
                    timestamp,
                    kind,
                    content,
                    context_id,
                    ids: i,
                } => {
                    o.serialize_entry("type", kind)?;
                    o.serialize_entry("id", id)?;
                    o.serialize_entry("from", from)?;
                    if kind == "text" {
                        o.serialize_entry("text", content)?;
                    }
                    if let Some(n) = profile_name {
                        o.serialize_entry("profile_name", n)?;
                    }
                    if let Some(t) = timestamp {
                        o.serialize_entry("timestamp", t)?;
                    }
                    o.serialize_entry("content", content)?;
                    if let Some(c) = context_id {
                        o.serialize_entry("context_id", c)?;
                    }
                    ids(&mut o, i)?;
                }
                Fields::Status {
                    id,
                    status,
                    recipient_id,
                    timestamp,
                    errors,
                    ids: i,
                } => {
                    o.serialize_entry("status", status)?;
                    o.serialize_entry("id", id)?;
                    o.serialize_entry("recipient_id", recipient_id)?;
                    if let Some(t) = timestamp {
                        o.serialize_entry("timestamp", t)?;
                    }
                    if !errors.is_empty() {
                        let errors: Vec<ErrorJson<'_>> = errors.iter().map(ErrorJson).collect();
                        o.serialize_entry("errors", &errors)?;
                    }
                    ids(&mut o, i)?;
                }
                Fields::Error(e) => ErrorJson(e).entries(&mut o)?,
                Fields::Account {
                    field,
                    summary,
                    fields,
                } => {
                    o.serialize_entry("field", field)?;
                    o.serialize_entry("summary", summary)?;
                    o.serialize_entry("fields", &Pairs(fields))?;
                }
                Fields::Other { field, summary } => {
                    o.serialize_entry("field", field)?;
                    o.serialize_entry("summary", summary)?;
                }
            }
            o.end()
        }
    }

    /// [`ErrorEvent::to_json`], serialized.
    struct ErrorJson<'a>(&'a ErrorEvent);

    impl ErrorJson<'_> {
        fn entries<M: SerializeMap>(&self, o: &mut M) -> Result<(), M::Error> {
            let e = self.0;
            o.serialize_entry("code", &e.code)?;
            o.serialize_entry("title", &e.title)?;
            if let Some(m) = &e.message {
                o.serialize_entry("message", m)?;
            }
            if let Some(d) = &e.details {
                o.serialize_entry("details", d)?;
            }
            Ok(())
        }
    }

    impl Serialize for ErrorJson<'_> {
        fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
            let mut o = serializer.serialize_map(None)?;
            self.entries(&mut o)?;
            o.end()
        }
    }
}

#[cfg(test)]
mod tests {
    use std::borrow::Cow;

    use proptest::prelude::*;

    use super::super::model::ErrorEvent;
    use super::super::view::{EventView, Fields, Ids};
    use super::write_json_list;

    fn ids() -> impl Strategy<Value = Ids<'static>> {
        (maybe(), maybe(), maybe()).prop_map(|(user_id, username, parent_user_id)| Ids {
            user_id,
            username,
            parent_user_id,
        })
    }

    /// Text with what a writer must escape: quotes, backslashes, control characters, and
    /// what it must not (`/`, non-ASCII, U+2028).
    fn text() -> impl Strategy<Value = String> {
        "[a-zA-Z0-9 é😀\"\\\\/\\x00-\\x1f\\x7f\\x{2028}]{0,12}"
    }

    fn maybe() -> impl Strategy<Value = Option<Cow<'static, str>>> {
        proptest::option::of(text().prop_map(Cow::Owned))
    }

    fn error() -> impl Strategy<Value = ErrorEvent> {
        (
            any::<Option<i64>>(),
            text(),
            proptest::option::of(text()),
            proptest::option::of(text()),
        )
            .prop_map(|(code, title, message, details)| ErrorEvent {
                code,
                title,
                message,
                details,
            })
    }

    fn fields() -> impl Strategy<Value = Fields<'static>> {
        let kind = prop_oneof![Just("text".to_string()), text()];
        prop_oneof![
            (
                (text(), text(), maybe(), maybe()),
                (kind, text(), maybe(), ids())
            )
                .prop_map(
                    |((id, from, profile_name, timestamp), (kind, content, context_id, ids))| {
                        Fields::Message {
                            id: id.into(),
                            from: from.into(),
                            profile_name,
                            timestamp,
                            kind: kind.into(),
                            content: content.into(),
                            context_id,
                            ids,
                        }
                    }
                ),
            (
                text(),
                text(),
                text(),
                maybe(),
                proptest::collection::vec(error(), 0..3),
                ids()
            )
                .prop_map(|(id, status, recipient_id, timestamp, errors, ids)| {
                    Fields::Status {
                        id: id.into(),
                        status: status.into(),
                        recipient_id: recipient_id.into(),
                        timestamp,
                        errors: Cow::Owned(errors),
                        ids,
                    }
                }),
            error().prop_map(|e| Fields::Error(Cow::Owned(e))),
            (
                text(),
                text(),
                proptest::collection::vec((text(), text()), 0..4)
            )
                .prop_map(|(field, summary, fields)| Fields::Account {
                    field: field.into(),
                    summary: summary.into(),
                    fields: fields
                        .into_iter()
                        .map(|(k, v)| (Cow::Owned(k), Cow::Owned(v)))
                        .collect(),
                }),
            (text(), text()).prop_map(|(field, summary)| Fields::Other {
                field: field.into(),
                summary: summary.into(),
            }),
        ]
    }

    proptest::proptest! {
        /// The hand-written writer is byte for byte serde_json's, on generated events.
        #[test]
        fn the_writer_writes_what_serde_writes(
            events in proptest::collection::vec(fields(), 0..4)
        ) {
            let views: Vec<EventView<'_>> = events.into_iter().map(EventView).collect();
            let mut written = Vec::new();
            write_json_list(&mut written, &views);
            let written = format!("[{}]", String::from_utf8(written).unwrap());
            prop_assert_eq!(written, serde_json::to_string(&views).unwrap());
            for view in &views {
                let owned = view.clone().into_event::<&serde_json::Value>(None);
                prop_assert_eq!(owned.to_json(), serde_json::to_value(owned.view()).unwrap());
            }
        }
    }
}
