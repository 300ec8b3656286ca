//! A typed, read-only view of a webhook payload: messages, statuses, errors.
//!
//! Knows nothing of printing: it extracts events and gives plain-text facts about them.

use serde_json::Value;

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

/// Extract every event from a body. Filled in by the event-model work.
pub fn extract(body: &[u8]) -> Result<Vec<Event>, ParseError> {
    let _: Value = serde_json::from_slice(body).map_err(|e| ParseError::NotJson(e.to_string()))?;
    Ok(Vec::new())
}

impl Event {
    /// The NDJSON view used by `listen --json` and `verify --json`: messages
    /// `{"kind":"message","type","id","from",("text")}`, statuses
    /// `{"kind":"status","status","id","recipient_id"}`, errors `{"kind":"error","code","title"}`.
    pub fn to_json(&self) -> Value {
        todo!("event work")
    }

    /// One plain-text line: kind, type, who, content (no colors).
    pub fn summary(&self) -> String {
        todo!("event work")
    }

    /// Message or status id used to spot duplicate deliveries (`None` for errors).
    pub fn dedup_key(&self) -> Option<String> {
        todo!("event work")
    }
}
