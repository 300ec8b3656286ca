//! The owned events: what [`super::extract`] returns, each with its `raw` object.

use std::borrow::Cow;

use serde_json::Value;

use super::extract::context_of;
use super::view::{EventView, Fields, Ids};

/// One event inside a delivery (a delivery may batch many entries and changes).
#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    Message(Message),
    Status(Status),
    Error(ErrorEvent),
    /// An account-level change: `field` (e.g. `message_template_status_update`), one line
    /// (`template APPROVED  order_update (en_US)`) and the scalar facts of its value.
    Account {
        field: String,
        summary: String,
        fields: Vec<(String, String)>,
    },
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
    /// The sender's BSUID, username and parent BSUID (from `value.contacts`).
    pub ids: Ids<'static>,
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
    /// The recipient's BSUID (`recipient_user_id`), username and parent BSUID.
    pub ids: Ids<'static>,
    pub raw: Value,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ErrorEvent {
    pub code: Option<i64>,
    pub title: String,
    pub message: Option<String>,
    pub details: Option<String>,
}

impl Message {
    /// The message this one replies to or reacts to (`context.id`), when present.
    pub fn context_id(&self) -> Option<String> {
        context_of(&self.raw).map(Cow::into_owned)
    }
}

impl Event {
    /// This event as an [`EventView`], borrowing its fields.
    pub fn view(&self) -> EventView<'_> {
        EventView(match self {
            Event::Message(m) => Fields::Message {
                id: Cow::Borrowed(&m.id),
                from: Cow::Borrowed(&m.from),
                profile_name: m.profile_name.as_deref().map(Cow::Borrowed),
                timestamp: m.timestamp.as_deref().map(Cow::Borrowed),
                kind: Cow::Borrowed(&m.kind),
                content: Cow::Borrowed(&m.content),
                context_id: context_of(&m.raw),
                ids: m.ids.borrowed(),
            },
            Event::Status(s) => Fields::Status {
                id: Cow::Borrowed(&s.id),
                status: Cow::Borrowed(&s.status),
                recipient_id: Cow::Borrowed(&s.recipient_id),
                timestamp: s.timestamp.as_deref().map(Cow::Borrowed),
                errors: Cow::Borrowed(&s.errors),
                ids: s.ids.borrowed(),
            },
            Event::Error(e) => Fields::Error(Cow::Borrowed(e)),
            Event::Account {
                field,
                summary,
                fields,
            } => Fields::Account {
                field: Cow::Borrowed(field),
                summary: Cow::Borrowed(summary),
                fields: fields
                    .iter()
                    .map(|(k, v)| (Cow::Borrowed(k.as_str()), Cow::Borrowed(v.as_str())))
                    .collect(),
            },
            Event::Other { field, summary } => Fields::Other {
                field: Cow::Borrowed(field),
                summary: Cow::Borrowed(summary),
            },
        })
    }

    /// `message`, `status`, `error`, `account` or `other`.
    pub fn kind_str(&self) -> &'static str {
        match self {
            Event::Message(_) => "message",
            Event::Status(_) => "status",
            Event::Error(_) => "error",
            Event::Account { .. } => "account",
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
    /// `message text wamid.HBg… from @sheena (Sheena)` (no phone number: the username, else
    /// the BSUID, else `unknown`; never an empty sender),
    /// `status delivered wamid.HBg… → 1234567890`,
    /// `template APPROVED  order_update (en_US)` (an account event),
    /// `field foo_update  keys: a, b, c` (a field we do not know),
    /// `error 131026 Message undeliverable: The message could not be delivered (…)`.
    /// Control characters become spaces; long content is cut with `…`.
    pub fn summary(&self) -> String {
        self.view().summary()
    }

    /// Message or status id used to spot duplicate deliveries (`None` for errors, account
    /// events and others: those carry no id of their own, and two alike are two changes).
    /// `message:<id>` / `status:<id>:<status>`: one message legitimately gets a `sent`, a
    /// `delivered` and a `read` status with the same id.
    pub fn dedup_key(&self) -> Option<String> {
        self.view().dedup_key()
    }
}
