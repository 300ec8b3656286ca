//! The borrowed event: [`EventView`], its fields borrowed from the body (or from an
//! [`Event`]), and the way back to an owned [`Event`].

use std::borrow::Cow;

use serde_json::Value;

use super::model::{ErrorEvent, Event, Message, Status};
use super::tree::Node;

/// Who a message is from or a status is for, beyond the phone number: the business-scoped
/// user id (`user_id`, e.g. `US.13491208655302741918`), the username (`@sheena`) and the
/// parent BSUID (`US.ENT.…`), each when the payload carries it.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Ids<'a> {
    pub user_id: Option<Cow<'a, str>>,
    pub username: Option<Cow<'a, str>>,
    pub parent_user_id: Option<Cow<'a, str>>,
}

impl Ids<'_> {
    /// The owned twin.
    pub fn into_owned(self) -> Ids<'static> {
        Ids {
            user_id: self.user_id.map(|s| Cow::Owned(s.into_owned())),
            username: self.username.map(|s| Cow::Owned(s.into_owned())),
            parent_user_id: self.parent_user_id.map(|s| Cow::Owned(s.into_owned())),
        }
    }

    /// Borrowed from an owned one.
    pub fn borrowed(&self) -> Ids<'_> {
        Ids {
            user_id: self.user_id.as_deref().map(Cow::Borrowed),
            username: self.username.as_deref().map(Cow::Borrowed),
            parent_user_id: self.parent_user_id.as_deref().map(Cow::Borrowed),
        }
    }

    /// How a person is shown: the phone number when there is one, else `@username` (one `@`
    /// even when the payload carries it), else the BSUID, else `unknown`; never empty.
    pub fn who<'s>(&'s self, phone: &'s str) -> Cow<'s, str> {
        let present = |s: &'s Option<Cow<'_, str>>| s.as_deref().filter(|s| !s.trim().is_empty());
        if !phone.is_empty() {
            Cow::Borrowed(phone)
        } else if let Some(u) = present(&self.username) {
            Cow::Owned(format!("@{}", u.trim_start_matches('@')))
        } else if let Some(id) = present(&self.user_id) {
            Cow::Borrowed(id)
        } else {
            Cow::Borrowed("unknown")
        }
    }

    /// `user_id US.1349…  parent_user_id US.ENT.…  username @sheena`, what is present (the
    /// `-v` line; control characters become spaces), or `None`.
    pub fn describe(&self) -> Option<String> {
        let parts: Vec<String> = [
            ("user_id", &self.user_id),
            ("parent_user_id", &self.parent_user_id),
            ("username", &self.username),
        ]
        .into_iter()
        .filter_map(|(k, v)| {
            v.as_deref()
                .filter(|v| !v.is_empty())
                .map(|v| format!("{k} {v}"))
        })
        .collect();
        (!parts.is_empty()).then(|| super::summary::one_line(parts.join("  ")))
    }
}

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
        /// The sender's BSUID, username and parent BSUID (from `contacts`).
        ids: Ids<'a>,
    },
    Status {
        id: Cow<'a, str>,
        status: Cow<'a, str>,
        recipient_id: Cow<'a, str>,
        timestamp: Option<Cow<'a, str>>,
        errors: Cow<'a, [ErrorEvent]>,
        /// The recipient's BSUID, username and parent BSUID.
        ids: Ids<'a>,
    },
    Error(Cow<'a, ErrorEvent>),
    /// An account-level change (a template's status, a number's quality, a marketing
    /// opt-out, ...): its field, one line, and the facts the line was made of.
    Account {
        field: Cow<'a, str>,
        summary: Cow<'a, str>,
        fields: Vec<(Cow<'a, str>, Cow<'a, str>)>,
    },
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
                ids,
            } => Event::Message(Message {
                id: id.into_owned(),
                from: from.into_owned(),
                profile_name: profile_name.map(Cow::into_owned),
                timestamp: timestamp.map(Cow::into_owned),
                kind: kind.into_owned(),
                content: content.into_owned(),
                ids: ids.into_owned(),
                raw: raw(),
            }),
            Fields::Status {
                id,
                status,
                recipient_id,
                timestamp,
                errors,
                ids,
            } => Event::Status(Status {
                id: id.into_owned(),
                status: status.into_owned(),
                recipient_id: recipient_id.into_owned(),
                timestamp: timestamp.map(Cow::into_owned),
                errors: errors.into_owned(),
                ids: ids.into_owned(),
                raw: raw(),
            }),
            Fields::Error(e) => Event::Error(e.into_owned()),
            Fields::Account {
                field,
                summary,
                fields,
            } => Event::Account {
                field: field.into_owned(),
                summary: summary.into_owned(),
                fields: fields
                    .into_iter()
                    .map(|(k, v)| (k.into_owned(), v.into_owned()))
                    .collect(),
            },
            Fields::Other { field, summary } => Event::Other {
                field: field.into_owned(),
                summary: summary.into_owned(),
            },
        }
    }

    /// `message`, `status`, `error`, `account` or `other`.
    pub fn kind_str(&self) -> &'static str {
        match self.0 {
            Fields::Message { .. } => "message",
            Fields::Status { .. } => "status",
            Fields::Error(_) => "error",
            Fields::Account { .. } => "account",
            Fields::Other { .. } => "other",
        }
    }

    /// The sender's or recipient's ids (`None` for other kinds).
    pub fn ids(&self) -> Option<&Ids<'_>> {
        match &self.0 {
            Fields::Message { ids, .. } | Fields::Status { ids, .. } => Some(ids),
            _ => None,
        }
    }
}
