//! A typed, read-only view of a webhook payload: messages, statuses, errors.
//!
//! Knows nothing of printing: it extracts events and gives plain-text facts about them.
//!
//! A delivery is `{"object":"whatsapp_business_account","entry":[{"id","changes":[{"field",
//! "value"}]}]}`. Every `value.messages[]`, `value.statuses[]` and `value.errors[]` item becomes
//! one [`Event`], in document order across all entries and changes. Nothing is dropped: a
//! message of a type we do not know is still a [`Message`] (its `kind` is that type), and a
//! change that carries none of the three (a template status update, a new field) becomes
//! [`Event::Other`], as does an unknown array next to them.

use std::fmt;

use serde_json::{json, Map, Value};

/// One event inside a delivery (a delivery may batch many entries and changes).
#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    Message(Message),
    Status(Status),
    Error(ErrorEvent),
    /// Something we do not model (a new field or type): never dropped.
    Other {
        field: String,
        summary: String,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub struct Message {
    pub id: String,
    pub from: String,
    /// Sender's profile name from `value.contacts`, when present.
    pub profile_name: Option<String>,
    pub timestamp: Option<String>,
    pub kind: String,
    /// The human-readable content: text body, caption, location, emoji, reply title, ...
    pub content: String,
    /// The raw message object, for `--json` consumers that want more.
    pub raw: Value,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Status {
    pub id: String,
    pub status: String,
    pub recipient_id: String,
    pub timestamp: Option<String>,
    pub errors: Vec<ErrorEvent>,
    pub raw: Value,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ErrorEvent {
    pub code: Option<i64>,
    pub title: String,
    pub message: Option<String>,
    pub details: Option<String>,
}

/// Why a body has no events.
#[derive(Debug, Clone, PartialEq)]
pub enum ParseError {
    /// Not JSON at all.
    NotJson(String),
    /// JSON, but not a `whatsapp_business_account` envelope.
    NotWebhook(String),
}

impl fmt::Display for ParseError {
    /// One line: `not JSON: <reason>` / `not a WhatsApp webhook: <reason>`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ParseError::NotJson(r) => write!(f, "not JSON: {r}"),
            ParseError::NotWebhook(r) => write!(f, "not a WhatsApp webhook: {r}"),
        }
    }
}

impl std::error::Error for ParseError {}

/// The `object` of every WhatsApp Business webhook.
pub const OBJECT: &str = "whatsapp_business_account";

/// Extract every event from a body.
pub fn extract(body: &[u8]) -> Result<Vec<Event>, ParseError> {
    let root: Value =
        serde_json::from_slice(body).map_err(|e| ParseError::NotJson(e.to_string()))?;
    extract_value(&root)
}

/// Extract every event from an already parsed body.
pub fn extract_value(root: &Value) -> Result<Vec<Event>, ParseError> {
    let Value::Object(top) = root else {
        return Err(ParseError::NotWebhook(format!(
            "the top level is {}, not an object",
            type_name(root)
        )));
    };
    match top.get("object") {
        Some(Value::String(s)) if s == OBJECT => {}
        Some(other) => {
            return Err(ParseError::NotWebhook(format!(
                "\"object\" is {}, expected \"{OBJECT}\"",
                short_json(other)
            )))
        }
        None => {
            return Err(ParseError::NotWebhook(format!(
                "no \"object\" field (expected \"{OBJECT}\")"
            )))
        }
    }
    let Some(Value::Array(entries)) = top.get("entry") else {
        return Err(ParseError::NotWebhook("no \"entry\" array".to_string()));
    };
    let mut events = Vec::new();
    for (i, entry) in entries.iter().enumerate() {
        match entry.get("changes") {
            Some(Value::Array(changes)) => {
                for change in changes {
                    extract_change(change, &mut events);
                }
            }
            _ => events.push(Event::Other {
                field: String::new(),
                summary: format!("entry {i} has no changes array"),
            }),
        }
    }
    Ok(events)
}

/// Keys of `value` that carry no events of their own.
const ENVELOPE_KEYS: &[&str] = &["messaging_product", "metadata", "contacts"];

fn extract_change(change: &Value, events: &mut Vec<Event>) {
    let field = str_of(change, "field").unwrap_or_default();
    let Some(Value::Object(value)) = change.get("value") else {
        events.push(Event::Other {
            field,
            summary: "change without a value object".to_string(),
        });
        return;
    };
    let contacts = contacts_of(value);
    let before = events.len();
    let mut unknown: Vec<(&String, &Value)> = Vec::new();
    for (key, items) in value {
        match (key.as_str(), items) {
            ("messages", Value::Array(items)) => {
                events.extend(items.iter().map(|m| message(m, &contacts)));
            }
            ("statuses", Value::Array(items)) => {
                events.extend(items.iter().map(status));
            }
            ("errors", Value::Array(items)) => {
                events.extend(items.iter().map(|e| Event::Error(error_event(e))));
            }
            (k, _) if ENVELOPE_KEYS.contains(&k) => {}
            _ => unknown.push((key, items)),
        }
    }
    let nothing_known = events.len() == before;
    let unknown_data = unknown
        .iter()
        .any(|(_, v)| matches!(v, Value::Array(a) if !a.is_empty()) || v.is_object());
    if nothing_known || unknown_data {
        let summary = if unknown.is_empty() {
            "no messages, statuses or errors".to_string()
        } else {
            unknown
                .iter()
                .map(|(k, v)| format!("{k}={}", short_json(v)))
                .collect::<Vec<_>>()
                .join(" ")
        };
        events.push(Event::Other { field, summary });
    }
}

/// `(wa_id, profile name)` pairs from `value.contacts`.
fn contacts_of(value: &Map<String, Value>) -> Vec<(String, String)> {
    let Some(Value::Array(contacts)) = value.get("contacts") else {
        return Vec::new();
    };
    contacts
        .iter()
        .filter_map(|c| {
            let name = c.get("profile").and_then(|p| str_of(p, "name"))?;
            Some((str_of(c, "wa_id").unwrap_or_default(), name))
        })
        .collect()
}

fn message(m: &Value, contacts: &[(String, String)]) -> Event {
    if !m.is_object() {
        return Event::Other {
            field: "messages".to_string(),
            summary: format!("message is {}, not an object", type_name(m)),
        };
    }
    let from = str_of(m, "from").unwrap_or_default();
    let kind = str_of(m, "type").unwrap_or_else(|| "unknown".to_string());
    let profile_name = contacts
        .iter()
        .find(|(wa_id, _)| *wa_id == from)
        .or(match contacts {
            [only] => Some(only),
            _ => None,
        })
        .map(|(_, name)| name.clone());
    Event::Message(Message {
        id: str_of(m, "id").unwrap_or_default(),
        content: message_content(&kind, m),
        from,
        profile_name,
        timestamp: str_of(m, "timestamp"),
        kind,
        raw: m.clone(),
    })
}

fn message_content(kind: &str, m: &Value) -> String {
    let body = m.get(kind).unwrap_or(&Value::Null);
    let s = |v: &Value, k: &str| str_of(v, k).filter(|s| !s.is_empty());
    match kind {
        "text" => s(body, "body").unwrap_or_default(),
        "image" | "video" | "audio" | "document" | "sticker" => {
            let mut parts = vec![s(body, "mime_type").unwrap_or_else(|| kind.to_string())];
            parts.extend(s(body, "filename"));
            if body.get("voice") == Some(&Value::Bool(true)) {
                parts.push("(voice)".to_string());
            }
            if body.get("animated") == Some(&Value::Bool(true)) {
                parts.push("(animated)".to_string());
            }
            parts.extend(s(body, "caption").map(|c| format!("\"{c}\"")));
            parts.join(" ")
        }
        "location" => {
            let coords = match (body.get("latitude"), body.get("longitude")) {
                (Some(lat), Some(long)) => Some(format!(
                    "({}, {})",
                    scalar_text(lat).unwrap_or_default(),
                    scalar_text(long).unwrap_or_default()
                )),
                _ => None,
            };
            let place: Vec<String> = [s(body, "name"), s(body, "address")]
                .into_iter()
                .flatten()
                .collect();
            match (place.is_empty(), coords) {
                (false, Some(c)) => format!("{} {c}", place.join(", ")),
                (false, None) => place.join(", "),
                (true, Some(c)) => c.trim_matches(|ch| ch == '(' || ch == ')').to_string(),
                (true, None) => String::new(),
            }
        }
        "contacts" => body
            .as_array()
            .map(|cs| {
                cs.iter()
                    .filter_map(|c| {
                        let name = c.get("name")?;
                        s(name, "formatted_name").or_else(|| {
                            let parts: Vec<String> = [s(name, "first_name"), s(name, "last_name")]
                                .into_iter()
                                .flatten()
                                .collect();
                            (!parts.is_empty()).then(|| parts.join(" "))
                        })
                    })
                    .collect::<Vec<_>>()
                    .join(", ")
            })
            .unwrap_or_default(),
        "interactive" => {
            let itype = s(body, "type").unwrap_or_default();
            let reply = body.get(&itype).unwrap_or(&Value::Null);
            match (s(reply, "title"), s(reply, "description")) {
                (Some(t), Some(d)) => format!("{t} ({d})"),
                (Some(t), None) => t,
                _ => {
                    let text = s(reply, "body")
                        .or_else(|| s(reply, "name"))
                        .or_else(|| first_text(reply));
                    match text {
                        Some(t) => format!("{itype}: {t}"),
                        None => itype,
                    }
                }
            }
        }
        "button" => s(body, "text")
            .or_else(|| s(body, "payload"))
            .unwrap_or_default(),
        "reaction" => {
            let target = s(body, "message_id").unwrap_or_else(|| "?".to_string());
            match s(body, "emoji") {
                Some(e) => format!("{e} to {target}"),
                None => format!("removed reaction to {target}"),
            }
        }
        "order" => order_content(body),
        "system" => s(body, "body").unwrap_or_default(),
        "unsupported" => m
            .get("errors")
            .and_then(|e| e.get(0))
            .map(error_event)
            .map(|e| e.title)
            .unwrap_or_else(|| "unsupported message type".to_string()),
        _ => first_text(body).unwrap_or_default(),
    }
}

fn order_content(order: &Value) -> String {
    let items = order
        .get("product_items")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or(&[]);
    let mut count = 0.0;
    let mut total = 0.0;
    let mut currencies: Vec<String> = Vec::new();
    for item in items {
        let quantity = item.get("quantity").and_then(number_of).unwrap_or(1.0);
        count += quantity;
        total += quantity * item.get("item_price").and_then(number_of).unwrap_or(0.0);
        if let Some(c) = str_of(item, "currency") {
            if !currencies.contains(&c) {
                currencies.push(c);
            }
        }
    }
    let noun = if count == 1.0 { "item" } else { "items" };
    let mut out = format!("{count} {noun}, total {total:.2}");
    match currencies.as_slice() {
        [] => {}
        [one] => {
            out.push(' ');
            out.push_str(one);
        }
        many => out.push_str(&format!(" (mixed currencies: {})", many.join(", "))),
    }
    if let Some(text) = str_of(order, "text").filter(|t| !t.is_empty()) {
        out.push_str(": ");
        out.push_str(&text);
    }
    out
}

fn status(s: &Value) -> Event {
    if !s.is_object() {
        return Event::Other {
            field: "statuses".to_string(),
            summary: format!("status is {}, not an object", type_name(s)),
        };
    }
    Event::Status(Status {
        id: str_of(s, "id").unwrap_or_default(),
        status: str_of(s, "status").unwrap_or_else(|| "unknown".to_string()),
        recipient_id: str_of(s, "recipient_id").unwrap_or_default(),
        timestamp: str_of(s, "timestamp"),
        errors: s
            .get("errors")
            .and_then(Value::as_array)
            .map(|es| es.iter().map(error_event).collect())
            .unwrap_or_default(),
        raw: s.clone(),
    })
}

fn error_event(e: &Value) -> ErrorEvent {
    let message = str_of(e, "message").filter(|s| !s.is_empty());
    let title = str_of(e, "title")
        .filter(|s| !s.is_empty())
        .or_else(|| message.clone())
        .unwrap_or_else(|| "unknown error".to_string());
    ErrorEvent {
        code: e.get("code").and_then(|c| match c {
            Value::Number(n) => n.as_i64(),
            Value::String(s) => s.trim().parse().ok(),
            _ => None,
        }),
        title,
        message,
        details: e
            .get("error_data")
            .and_then(|d| str_of(d, "details"))
            .filter(|s| !s.is_empty()),
    }
}

impl ErrorEvent {
    pub fn to_json(&self) -> Value {
        let mut o = Map::new();
        o.insert("code".into(), json!(self.code));
        o.insert("title".into(), json!(self.title));
        if let Some(m) = &self.message {
            o.insert("message".into(), json!(m));
        }
        if let Some(d) = &self.details {
            o.insert("details".into(), json!(d));
        }
        Value::Object(o)
    }

    /// `131026 Message undeliverable: <message> (<details>)`, the message left out when it
    /// only repeats the title.
    pub fn describe(&self) -> String {
        let mut out = match self.code {
            Some(c) => format!("{c} {}", self.title),
            None => self.title.clone(),
        };
        if let Some(m) = self.message.as_ref().filter(|m| **m != self.title) {
            out.push_str(": ");
            out.push_str(m);
        }
        if let Some(d) = &self.details {
            out.push_str(&format!(" ({d})"));
        }
        out
    }
}

impl Message {
    /// The message this one replies to or reacts to (`context.id`), when present.
    pub fn context_id(&self) -> Option<String> {
        self.raw.get("context").and_then(|c| str_of(c, "id"))
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
    /// `message` and `details`. [`Event::Other`] is `{"kind":"other","field","summary"}`.
    pub fn to_json(&self) -> Value {
        let mut o = Map::new();
        o.insert("kind".into(), json!(self.kind_str()));
        match self {
            Event::Message(m) => {
                o.insert("type".into(), json!(m.kind));
                o.insert("id".into(), json!(m.id));
                o.insert("from".into(), json!(m.from));
                if m.kind == "text" {
                    o.insert("text".into(), json!(m.content));
                }
                if let Some(n) = &m.profile_name {
                    o.insert("profile_name".into(), json!(n));
                }
                if let Some(t) = &m.timestamp {
                    o.insert("timestamp".into(), json!(t));
                }
                o.insert("content".into(), json!(m.content));
                if let Some(c) = m.context_id() {
                    o.insert("context_id".into(), json!(c));
                }
            }
            Event::Status(s) => {
                o.insert("status".into(), json!(s.status));
                o.insert("id".into(), json!(s.id));
                o.insert("recipient_id".into(), json!(s.recipient_id));
                if let Some(t) = &s.timestamp {
                    o.insert("timestamp".into(), json!(t));
                }
                if !s.errors.is_empty() {
                    o.insert(
                        "errors".into(),
                        Value::Array(s.errors.iter().map(ErrorEvent::to_json).collect()),
                    );
                }
            }
            Event::Error(e) => {
                if let Value::Object(rest) = e.to_json() {
                    o.extend(rest);
                }
            }
            Event::Other { field, summary } => {
                o.insert("field".into(), json!(field));
                o.insert("summary".into(), json!(summary));
            }
        }
        Value::Object(o)
    }

    /// `message`, `status`, `error` or `other`.
    pub fn kind_str(&self) -> &'static str {
        match self {
            Event::Message(_) => "message",
            Event::Status(_) => "status",
            Event::Error(_) => "error",
            Event::Other { .. } => "other",
        }
    }

    /// The message or status id, when the event has one.
    pub fn id(&self) -> Option<&str> {
        match self {
            Event::Message(m) if !m.id.is_empty() => Some(&m.id),
            Event::Status(s) if !s.id.is_empty() => Some(&s.id),
            _ => None,
        }
    }

    /// One plain-text line: kind, type, who, content (no colors), e.g.
    /// `message text wamid.HBg… from 1234567890 (Alice): Hello`,
    /// `status delivered wamid.HBg… → 1234567890`,
    /// `error 131026 Message undeliverable: The message could not be delivered (…)`.
    /// Control characters become spaces; long content is cut with `…`.
    pub fn summary(&self) -> String {
        let line = match self {
            Event::Message(m) => {
                let mut out = format!("message {} {} from {}", m.kind, m.id, m.from);
                if let Some(n) = &m.profile_name {
                    out.push_str(&format!(" ({n})"));
                }
                if !m.content.is_empty() {
                    out.push_str(": ");
                    out.push_str(&truncate(&m.content, CONTENT_MAX));
                }
                out
            }
            Event::Status(s) => {
                let mut out = format!("status {} {} → {}", s.status, s.id, s.recipient_id);
                if !s.errors.is_empty() {
                    let errs: Vec<String> = s.errors.iter().map(ErrorEvent::describe).collect();
                    out.push_str(": ");
                    out.push_str(&truncate(&errs.join("; "), CONTENT_MAX));
                }
                out
            }
            Event::Error(e) => format!("error {}", truncate(&e.describe(), CONTENT_MAX)),
            Event::Other { field, summary } if field.is_empty() => {
                format!("other: {}", truncate(summary, CONTENT_MAX))
            }
            Event::Other { field, summary } => {
                format!("other {field}: {}", truncate(summary, CONTENT_MAX))
            }
        };
        one_line(&line)
    }

    /// Message or status id used to spot duplicate deliveries (`None` for errors).
    /// `message:<id>` / `status:<id>:<status>`: one message legitimately gets a `sent`, a
    /// `delivered` and a `read` status with the same id.
    pub fn dedup_key(&self) -> Option<String> {
        match self {
            Event::Message(m) if !m.id.is_empty() => Some(format!("message:{}", m.id)),
            Event::Status(s) if !s.id.is_empty() => Some(format!("status:{}:{}", s.id, s.status)),
            _ => None,
        }
    }
}

/// Longest content shown in a summary, in chars.
const CONTENT_MAX: usize = 160;

fn truncate(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_string();
    }
    let mut out: String = s.chars().take(max - 1).collect();
    out.push('…');
    out
}

fn one_line(s: &str) -> String {
    s.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

/// A string, or a number/bool as text.
fn scalar_text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

fn str_of(v: &Value, key: &str) -> Option<String> {
    v.get(key).and_then(scalar_text)
}

fn number_of(v: &Value) -> Option<f64> {
    match v {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// The first non-empty text in a value: likely keys first, then depth-first.
fn first_text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        Value::Object(map) => ["body", "text", "caption", "title", "name", "description"]
            .iter()
            .find_map(|k| {
                map.get(*k)
                    .and_then(Value::as_str)
                    .filter(|s| !s.is_empty())
            })
            .map(str::to_string)
            .or_else(|| map.values().find_map(first_text)),
        Value::Array(items) => items.iter().find_map(first_text),
        _ => None,
    }
}

fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// Compact JSON, cut to a readable length.
fn short_json(v: &Value) -> String {
    match v {
        Value::String(s) => truncate(s, 60),
        other => truncate(&other.to_string(), 60),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures::{self, Layout, TokenSource};

    fn fixture_events(name: &str) -> Vec<Event> {
        let f = fixtures::find(name).unwrap_or_else(|| panic!("no fixture {name}"));
        let body = fixtures::render(
            f,
            &mut TokenSource::seeded(1, 1_718_000_000),
            &[],
            Layout::Compact,
        )
        .unwrap();
        extract(&body).unwrap()
    }

    fn only_message(name: &str) -> Message {
        match fixture_events(name).as_slice() {
            [Event::Message(m)] => m.clone(),
            other => panic!("{name}: expected one message, got {other:?}"),
        }
    }

    fn only_status(name: &str) -> Status {
        match fixture_events(name).as_slice() {
            [Event::Status(s)] => s.clone(),
            other => panic!("{name}: expected one status, got {other:?}"),
        }
    }

    #[test]
    fn seed_messages_example() {
        let body = br#"{"object":"whatsapp_business_account","entry":[{"id":"W","changes":[{"value":{"messaging_product":"whatsapp","metadata":{"display_phone_number":"1234567890","phone_number_id":"P"},"messages":[{"from":"1234567890","id":"wamid.xxx","timestamp":"1234567890","text":{"body":"Hello, I need help with my order"},"type":"text"}]},"field":"messages"}]}]}"#;
        let events = extract(body).unwrap();
        assert_eq!(events.len(), 1);
        let e = &events[0];
        assert_eq!(
            e.to_json(),
            json!({"kind":"message","type":"text","id":"wamid.xxx","from":"1234567890",
                   "text":"Hello, I need help with my order","timestamp":"1234567890",
                   "content":"Hello, I need help with my order"})
        );
        assert_eq!(
            e.summary(),
            "message text wamid.xxx from 1234567890: Hello, I need help with my order"
        );
        assert_eq!(e.dedup_key().as_deref(), Some("message:wamid.xxx"));
        // The first four keys are the documented ones, in order.
        let keys: Vec<String> = e.to_json().as_object().unwrap().keys().cloned().collect();
        assert_eq!(&keys[..5], ["kind", "type", "id", "from", "text"]);
    }

    #[test]
    fn seed_status_and_error_examples() {
        let s = only_status("message_status");
        assert_eq!(s.status, "delivered");
        let e = Event::Status(s.clone());
        assert_eq!(
            e.summary(),
            format!("status delivered {} → {}", s.id, s.recipient_id)
        );
        assert_eq!(e.dedup_key().unwrap(), format!("status:{}:delivered", s.id));
        let j = e.to_json();
        assert_eq!(j["kind"], "status");
        assert_eq!(j["recipient_id"], json!(s.recipient_id));
        assert!(j.get("errors").is_none());

        let events = fixture_events("message_errors");
        let [Event::Error(err)] = events.as_slice() else {
            panic!("{events:?}")
        };
        assert_eq!(err.code, Some(131026));
        assert_eq!(
            events[0].summary(),
            "error 131026 Message undeliverable: The message could not be delivered \
             (Recipient phone number is not a WhatsApp number)"
        );
        assert_eq!(
            events[0].to_json(),
            json!({"kind":"error","code":131026,"title":"Message undeliverable",
                   "message":"The message could not be delivered",
                   "details":"Recipient phone number is not a WhatsApp number"})
        );
        assert_eq!(events[0].dedup_key(), None);
    }

    #[test]
    fn text_message_with_profile_name() {
        let m = only_message("message_text");
        assert_eq!(m.kind, "text");
        assert_eq!(
            m.content,
            "Bonjour, je voudrais changer ma commande — merci 😮"
        );
        assert_eq!(m.profile_name.as_deref(), Some("Amélie Laurent"));
        assert!(m.id.starts_with("wamid.HBg"));
        assert_eq!(m.timestamp.as_deref(), Some("1718000000"));
        let e = Event::Message(m.clone());
        assert_eq!(
            e.summary(),
            format!(
                "message text {} from {} (Amélie Laurent): Bonjour, je voudrais changer ma commande — merci 😮",
                m.id, m.from
            )
        );
        assert_eq!(e.to_json()["profile_name"], "Amélie Laurent");
    }

    #[test]
    fn media_messages() {
        let cases = [
            (
                "message_image",
                "image",
                "image/jpeg \"Voici la photo du colis abîmé\"",
            ),
            (
                "message_video",
                "video",
                "video/mp4 \"Unboxing video / first try\"",
            ),
            ("message_audio", "audio", "audio/ogg; codecs=opus (voice)"),
            (
                "message_document",
                "document",
                "application/pdf facture-2024-0042.pdf \"Facture n°2024-0042\"",
            ),
            ("message_sticker", "sticker", "image/webp"),
        ];
        for (name, kind, content) in cases {
            let m = only_message(name);
            assert_eq!(m.kind, kind, "{name}");
            assert_eq!(m.content, content, "{name}");
            assert!(Event::Message(m).to_json().get("text").is_none());
        }
    }

    #[test]
    fn location_contacts_interactive_button() {
        assert_eq!(
            only_message("message_location").content,
            "Café de Flore, 172 Boulevard Saint-Germain, 75006 Paris (48.854053, 2.332613)"
        );
        assert_eq!(only_message("message_contacts").content, "Jean Dupont");
        let m = only_message("message_button_reply");
        assert_eq!(
            (m.kind.as_str(), m.content.as_str()),
            ("interactive", "Yes, deliver it")
        );
        assert!(m.context_id().unwrap().starts_with("wamid."));
        assert_eq!(
            Event::Message(m.clone()).to_json()["context_id"],
            json!(m.context_id().unwrap())
        );
        assert_eq!(
            only_message("message_list_reply").content,
            "Friday morning (Delivery between 8:00 and 12:00)"
        );
        let m = only_message("message_button");
        assert_eq!(
            (m.kind.as_str(), m.content.as_str()),
            ("button", "Track my order")
        );
    }

    #[test]
    fn reaction_order_system_unsupported() {
        let m = only_message("message_reaction");
        let target = m.raw["reaction"]["message_id"].as_str().unwrap();
        assert_eq!(m.content, format!("❤️ to {target}"));
        assert_eq!(
            only_message("message_order").content,
            "3 items, total 52.48 EUR: Livraison avant vendredi svp"
        );
        let m = only_message("message_system");
        assert!(
            m.content.starts_with("Amélie Laurent changed from "),
            "{}",
            m.content
        );
        assert_eq!(m.profile_name, None);
        assert_eq!(
            only_message("message_unsupported").content,
            "Message type unknown"
        );
    }

    #[test]
    fn removed_reaction() {
        let body = br#"{"object":"whatsapp_business_account","entry":[{"changes":[{"field":"messages","value":{"messages":[{"from":"1","id":"wamid.r","type":"reaction","reaction":{"message_id":"wamid.a","emoji":""}}]}}]}]}"#;
        let ev = extract(body).unwrap();
        assert_eq!(
            ev[0].summary(),
            "message reaction wamid.r from 1: removed reaction to wamid.a"
        );
    }

    #[test]
    fn statuses() {
        for st in ["sent", "delivered", "read"] {
            let s = only_status(&format!("status_{st}"));
            assert_eq!(s.status, st);
            assert!(s.errors.is_empty());
        }
        let s = only_status("status_failed");
        assert_eq!(s.errors.len(), 1);
        assert_eq!(s.errors[0].code, Some(131047));
        let e = Event::Status(s.clone());
        let sum = e.summary();
        assert!(
            sum.starts_with(&format!(
                "status failed {} → {}: 131047 Re-engagement message (Message failed",
                s.id, s.recipient_id
            )),
            "{sum}"
        );
        let j = e.to_json();
        assert_eq!(j["errors"][0]["code"], 131047);
        assert_eq!(j["errors"][0]["title"], "Re-engagement message");
    }

    #[test]
    fn out_of_band_errors() {
        let ev = fixture_events("errors");
        let [Event::Error(e)] = ev.as_slice() else {
            panic!("{ev:?}")
        };
        assert_eq!(e.code, Some(131000));
        assert_eq!(e.title, "Something went wrong");
        // The message repeats the title: shown once.
        assert!(ev[0]
            .summary()
            .starts_with("error 131000 Something went wrong (Unknown error."));
    }

    #[test]
    fn batch_yields_every_event_in_document_order() {
        let ev = fixture_events("batch");
        let kinds: Vec<String> = ev
            .iter()
            .map(|e| match e {
                Event::Message(m) => format!("message:{}", m.kind),
                Event::Status(s) => format!("status:{}", s.status),
                other => other.kind_str().to_string(),
            })
            .collect();
        assert_eq!(
            kinds,
            [
                "message:text",
                "message:reaction",
                "status:sent",
                "status:delivered",
                "status:read",
                "message:text",
                "status:failed"
            ]
        );
        // Labelled tokens tie the reaction and the statuses to one outgoing message.
        let Event::Message(reaction) = &ev[1] else {
            unreachable!()
        };
        let target = reaction.raw["reaction"]["message_id"].as_str().unwrap();
        assert_eq!(ev[2].id(), Some(target));
        assert_eq!(ev[4].id(), Some(target));
        // Same id, different statuses: different dedup keys.
        let keys: std::collections::HashSet<_> = ev.iter().filter_map(Event::dedup_key).collect();
        assert_eq!(keys.len(), ev.len());
        // Profile names come from each change's own contacts.
        let Event::Message(second) = &ev[5] else {
            unreachable!()
        };
        assert_eq!(second.profile_name.as_deref(), Some("Jean Dupont"));
    }

    #[test]
    fn unknown_shapes_are_never_dropped() {
        let body = br#"{"object":"whatsapp_business_account","entry":[{"id":"1","changes":[
            {"field":"message_template_status_update","value":{"event":"APPROVED","message_template_id":42,"message_template_name":"order_update"}},
            {"field":"messages","value":{"messaging_product":"whatsapp","messages":[{"from":"9","id":"wamid.n","type":"hologram","hologram":{"label":"3D hello"}}],"calls":[{"id":"c1"}]}},
            {"field":"messages","value":{"messaging_product":"whatsapp","statuses":[]}}
        ]},{"id":"2"}]}"#;
        let ev = extract(body).unwrap();
        assert_eq!(ev.len(), 5, "{ev:?}");
        assert_eq!(
            ev[0],
            Event::Other {
                field: "message_template_status_update".into(),
                summary: "event=APPROVED message_template_id=42 message_template_name=order_update"
                    .into()
            }
        );
        let Event::Message(m) = &ev[1] else {
            panic!("{ev:?}")
        };
        assert_eq!(
            (m.kind.as_str(), m.content.as_str()),
            ("hologram", "3D hello")
        );
        assert!(
            matches!(&ev[2], Event::Other { summary, .. } if summary == r#"calls=[{"id":"c1"}]"#)
        );
        assert!(
            matches!(&ev[3], Event::Other { summary, .. } if summary == "no messages, statuses or errors")
        );
        assert_eq!(ev[4].summary(), "other: entry 1 has no changes array");
        assert_eq!(
            ev[0].to_json(),
            json!({"kind":"other","field":"message_template_status_update",
                   "summary":"event=APPROVED message_template_id=42 message_template_name=order_update"})
        );
        assert_eq!(ev[0].dedup_key(), None);
    }

    #[test]
    fn odd_values_do_not_panic() {
        let body = br#"{"object":"whatsapp_business_account","entry":[{"changes":[{"value":{
            "messages":[1,{"type":"text"},{"type":"location","location":{"latitude":1.5,"longitude":"2"}},
                        {"type":"order","order":{"product_items":[{"quantity":"2","item_price":"1.5","currency":"USD"},{"currency":"EUR"}]}}],
            "statuses":[null,{"id":"x"}],"errors":[{"code":"12"},{}]}},
            {"value":[]}]}]}"#;
        let ev = extract(body).unwrap();
        let lines: Vec<String> = ev.iter().map(Event::summary).collect();
        assert_eq!(
            lines,
            [
                "other messages: message is a number, not an object",
                "message text  from ",
                "message location  from : 1.5, 2",
                "message order  from : 3 items, total 3.00 (mixed currencies: USD, EUR)",
                "other statuses: status is null, not an object",
                "status unknown x → ",
                "error 12 unknown error",
                "error unknown error",
                "other: change without a value object",
            ]
        );
        assert_eq!(ev[1].dedup_key(), None);
    }

    #[test]
    fn summaries_are_one_line_and_bounded() {
        let long = "line one\nline two\t".repeat(40);
        let body = json!({"object":"whatsapp_business_account","entry":[{"changes":[{"value":{
            "messages":[{"from":"1","id":"wamid.l","type":"text","text":{"body": long}}]}}]}]});
        let ev = extract_value(&body).unwrap();
        let s = ev[0].summary();
        assert!(!s.contains('\n') && !s.contains('\t'));
        assert!(s.ends_with('…'));
        assert!(s.chars().count() < 220);
        // The JSON view keeps the full text.
        assert_eq!(ev[0].to_json()["text"], json!(long));
    }

    #[test]
    fn bodies_that_are_not_webhooks() {
        let cases: [(&[u8], &str); 7] = [
            (b"", "not JSON: EOF while parsing"),
            (b"hello", "not JSON: expected value"),
            (
                b"[1]",
                "not a WhatsApp webhook: the top level is an array, not an object",
            ),
            (b"{}", "not a WhatsApp webhook: no \"object\" field"),
            (
                br#"{"object":"page","entry":[]}"#,
                "not a WhatsApp webhook: \"object\" is page, expected",
            ),
            (
                br#"{"object":"whatsapp_business_account"}"#,
                "not a WhatsApp webhook: no \"entry\" array",
            ),
            (b"\xff\xfe", "not JSON: "),
        ];
        for (body, want) in cases {
            let err = extract(body).unwrap_err();
            let text = err.to_string();
            assert!(text.starts_with(want), "{text} !~ {want}");
            assert!(!text.contains('\n'));
        }
        assert_eq!(
            extract(br#"{"object":"whatsapp_business_account","entry":[]}"#).unwrap(),
            []
        );
    }
}
