//! A typed, read-only view of a webhook payload: messages, statuses, errors.
//!
//! Knows nothing of printing: it extracts events and gives plain-text facts about them.
//!
//! A delivery is `{"object":"whatsapp_business_account","entry":[{"id","changes":[{"field",
//! "value"}]}]}`. Every `value.messages[]`, `value.statuses[]` and `value.errors[]` item becomes
//! one [`Event`], in document order across all entries and changes; each message and status
//! knows its sender's or recipient's BSUID, username and parent BSUID ([`Ids`], from
//! `contacts[]`). An account-level change (`message_template_status_update`,
//! `phone_number_quality_update`, `user_preferences`, ...) becomes one [`Event::Account`] with
//! a one-line summary. Nothing is dropped: a message of a type we do not know is still a
//! [`Message`] (its `kind` is that type), and a change of a field we do not know becomes
//! [`Event::Other`] naming the field and its keys, as does an unknown array next to messages.
//!
//! Bodies are read by a strict scanner into a flat tape (strings point into the body; one
//! vector per body), not into `serde_json::Value`; what the scanner leaves (floats, broken
//! JSON) goes to serde_json as before, which also words the errors. [`extract`] builds a
//! `Value` only for each event's `raw` object, and [`Document::events`] (the path `verify`
//! takes for every captured request) builds none. All share one extraction, generic over
//! the tree, with [`extract_value`].
//!
//! Files: [`model`] the owned events, [`view`] the borrowed [`EventView`], [`summary`] their
//! one-line text, [`json`] their one JSON writer, `tree` the two JSON trees read, `extract`
//! the extraction over either. Imports only `json::scan`; never the fixtures, HTTP or
//! printing.

mod extract;
mod json;
mod model;
mod summary;
mod tree;
mod view;

use std::fmt;

use serde_json::Value;

use extract::{collect, Found};
use tree::{tape_fast, At, Node, Tape};

pub use json::write_json_list;
pub use model::{ErrorEvent, Event, Message, Status};
pub use tree::json_type_name;
pub use view::{EventView, Fields, Ids};

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
    let doc = Document::parse(body)?;
    match &doc.tree {
        Tree::Tape(tape) => owned(collect(At::root(tape))?),
        Tree::Value(root) => owned(collect(root)?),
    }
}

/// Extract every event from an already parsed body.
pub fn extract_value(root: &Value) -> Result<Vec<Event>, ParseError> {
    owned(collect(root)?)
}

fn owned<'a, N: Node<'a>>(found: Vec<Found<'a, N>>) -> Result<Vec<Event>, ParseError> {
    Ok(found
        .into_iter()
        .map(|(view, raw)| view.into_event(raw))
        .collect())
}

/// A parsed body, borrowing its strings from the bytes: its events are read as
/// [`EventView`]s, with no copy of the payload. [`extract`] gives the same events, owned.
pub struct Document<'a> {
    tree: Tree<'a>,
}

enum Tree<'a> {
    /// Read by the scanner.
    Tape(Tape<'a>),
    /// What the scanner leaves to serde_json (floats, odd or broken JSON).
    Value(Value),
}

impl<'a> Document<'a> {
    /// Parse a body; the error is [`extract`]'s for a body that is not JSON.
    pub fn parse(body: &'a [u8]) -> Result<Document<'a>, ParseError> {
        let tree = match std::str::from_utf8(body).ok().and_then(tape_fast) {
            Some(tape) => Tree::Tape(tape),
            None => Tree::Value(
                serde_json::from_slice(body).map_err(|e| ParseError::NotJson(e.to_string()))?,
            ),
        };
        Ok(Document { tree })
    }

    /// The events, in [`extract`]'s order, or why the document is not a webhook.
    pub fn events(&self) -> Result<Vec<EventView<'_>>, ParseError> {
        match &self.tree {
            Tree::Tape(tape) => collect(At::root(tape)),
            Tree::Value(root) => collect(root),
        }
    }
}

#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_2026;
