//! The borrowed event: [`EventView`], its fields borrowed from the body (or from an
//! [`Event`]), and the way back to an owned [`Event`].

use std::borrow::Cow;

use serde_json::Value;

use super::model::{ErrorEvent, Event, Message, Status};
use super::tree::Node;

/// An event borrowed from its body (or from an [`Event`]): the same [`EventView::summary`]
/// as [`Event::summary`], and the same JSON ([`EventView::write_json`]) as [`Event::to_json`].
#[derive(Debug, Clone, PartialEq)]
pub struct EventView<'a>(pub(super) Fields<'a>);

/// An [`EventView`]'s fields, borrowed from the body where they needed no unescaping: the
/// same facts as [`Event`]'s variants (without `raw`), plus a message's `context_id`.
#[derive(Debug, Clone, PartialEq)]
pub enum Fields<'a> {
    Message {
        id: Cow<'a, str>,
        from: Cow<'a, str>,
        profile_name: Option<Cow<'a, str>>,
        timestamp: Option<Cow<'a, str>>,
        kind: Cow<'a, str>,
        content: Cow<'a, str>,
        context_id: Option<Cow<'a, str>>,
    },
    Status {
        id: Cow<'a, str>,
        status: Cow<'a, str>,
        recipient_id: Cow<'a, str>,
        timestamp: Option<Cow<'a, str>>,
        errors: Cow<'a, [ErrorEvent]>,
    },
    Error(Cow<'a, ErrorEvent>),
    Other {
        field: Cow<'a, str>,
        summary: Cow<'a, str>,
    },
}

/// An event and, for messages and statuses, the object it was read from (its `raw`).
impl<'a> EventView<'a> {
    /// The event's fields, to match on.
    pub fn fields(&self) -> &Fields<'a> {
        &self.0
    }

    /// See [`Event::dedup_key`].
    pub fn dedup_key(&self) -> Option<String> {
        match &self.0 {
            Fields::Message { id, .. } if !id.is_empty() => Some(format!("message:{id}")),
            Fields::Status { id, status, .. } if !id.is_empty() => {
                Some(format!("status:{id}:{status}"))
            }
            _ => None,
        }
    }
}

impl EventView<'_> {
    pub(super) fn into_event<'a, N: Node<'a>>(self, raw: Option<N>) -> Event {
        let raw = || raw.map(N::to_value).unwrap_or(Value::Null);
        match self.0 {
            Fields::Message {
                id,
                from,
                profile_name,
                timestamp,
                kind,
                content,
                context_id: _,
            } => Event::Message(Message {
                id: id.into_owned(),
                from: from.into_owned(),
                profile_name: profile_name.map(Cow::into_owned),
                timestamp: timestamp.map(Cow::into_owned),
                kind: kind.into_owned(),
                content: content.into_owned(),
                raw: raw(),
            }),
            Fields::Status {
                id,
                status,
                recipient_id,
                timestamp,
                errors,
            } => Event::Status(Status {
                id: id.into_owned(),
                status: status.into_owned(),
                recipient_id: recipient_id.into_owned(),
                timestamp: timestamp.map(Cow::into_owned),
                errors: errors.into_owned(),
                raw: raw(),
            }),
            Fields::Error(e) => Event::Error(e.into_owned()),
            Fields::Other { field, summary } => Event::Other {
                field: field.into_owned(),
                summary: summary.into_owned(),
            },
        }
    }

    /// `message`, `status`, `error` or `other`.
    pub fn kind_str(&self) -> &'static str {
        match self.0 {
            Fields::Message { .. } => "message",
            Fields::Status { .. } => "status",
            Fields::Error(_) => "error",
            Fields::Other { .. } => "other",
        }
    }
}
