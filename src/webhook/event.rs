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
//!
//! Bodies are read by a strict scanner into a flat tape (strings point into the body; one
//! vector per body), not into `serde_json::Value`; what the scanner leaves (floats, broken
//! JSON) goes to serde_json as before, which also words the errors. [`extract`] builds a
//! `Value` only for each event's `raw` object, and [`Document::events`] (the path `verify`
//! takes for every captured request) builds none. All share one extraction, generic over
//! the tree, with [`extract_value`].

use std::borrow::Cow;
use std::fmt;

use serde::ser::{Serialize, SerializeMap, Serializer};
use serde_json::{Map, Number, Value};

use crate::json::scan::{self, Scanner};
use crate::json::write::{write_key, write_str};

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

/// An event borrowed from its body (or from an [`Event`]): the same [`EventView::summary`]
/// as [`Event::summary`], and serialized (`serde`) as [`Event::to_json`].
#[derive(Debug, Clone, PartialEq)]
pub struct EventView<'a>(Fields<'a>);

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
type Found<'a, N> = (EventView<'a>, Option<N>);

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
    fn into_event<'a, N: Node<'a>>(self, raw: Option<N>) -> Event {
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

    /// See [`Event::summary`].
    pub fn summary(&self) -> String {
        let line = match &self.0 {
            Fields::Message {
                id,
                from,
                profile_name,
                kind,
                content,
                ..
            } => {
                let mut out = format!("message {kind} {id} from {from}");
                if let Some(n) = profile_name {
                    out.push_str(&format!(" ({n})"));
                }
                if !content.is_empty() {
                    out.push_str(": ");
                    out.push_str(&truncate(content, CONTENT_MAX));
                }
                out
            }
            Fields::Status {
                id,
                status,
                recipient_id,
                errors,
                ..
            } => {
                let mut out = format!("status {status} {id} → {recipient_id}");
                if !errors.is_empty() {
                    let errs: Vec<String> = errors.iter().map(ErrorEvent::describe).collect();
                    out.push_str(": ");
                    out.push_str(&truncate(&errs.join("; "), CONTENT_MAX));
                }
                out
            }
            Fields::Error(e) => format!("error {}", truncate(&e.describe(), CONTENT_MAX)),
            Fields::Other { field, summary } if field.is_empty() => {
                format!("other: {}", truncate(summary, CONTENT_MAX))
            }
            Fields::Other { field, summary } => {
                format!("other {field}: {}", truncate(summary, CONTENT_MAX))
            }
        };
        one_line(line)
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
            }
            Fields::Status {
                id,
                status,
                recipient_id,
                timestamp,
                errors,
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
            }
            Fields::Error(e) => {
                out.push(b',');
                write_error_fields(out, e);
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
            }
            Fields::Status {
                id,
                status,
                recipient_id,
                timestamp,
                errors,
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
            }
            Fields::Error(e) => ErrorJson(e).entries(&mut o)?,
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

// ---------------------------------------------------------------------------------------
// Extraction, over either tree

/// The JSON trees extraction reads, as cheap handles: `&Value` and [`At`], a slot of a
/// [`Tape`]. Both answer alike for the same text (objects keep their first key order, a
/// repeated key keeps its last value), so one extraction serves both.
trait Node<'t>: Copy + 't {
    /// An object's field (`None` for other types).
    fn get(self, key: &str) -> Option<Self>;
    fn entries(self) -> Option<impl Iterator<Item = (&'t str, Self)> + 't>;
    fn items(self) -> Option<impl ExactSizeIterator<Item = Self> + 't>;
    fn as_str(self) -> Option<&'t str>;
    fn as_number(self) -> Option<&'t Number>;
    fn as_bool(self) -> Option<bool>;
    fn is_object(self) -> bool;
    fn type_name(self) -> &'static str;
    fn to_value(self) -> Value;
    /// Compact JSON text.
    fn to_json_text(self) -> String;
}

impl<'t> Node<'t> for &'t Value {
    fn get(self, key: &str) -> Option<Self> {
        self.as_object()?.get(key)
    }
    fn entries(self) -> Option<impl Iterator<Item = (&'t str, Self)> + 't> {
        Some(self.as_object()?.iter().map(|(k, v)| (k.as_str(), v)))
    }
    fn items(self) -> Option<impl ExactSizeIterator<Item = Self> + 't> {
        Some(self.as_array()?.iter())
    }
    fn as_str(self) -> Option<&'t str> {
        Value::as_str(self)
    }
    fn as_number(self) -> Option<&'t Number> {
        match self {
            Value::Number(n) => Some(n),
            _ => None,
        }
    }
    fn as_bool(self) -> Option<bool> {
        Value::as_bool(self)
    }
    fn is_object(self) -> bool {
        Value::is_object(self)
    }
    fn type_name(self) -> &'static str {
        crate::webhook::fixtures::describe(self)
    }
    fn to_value(self) -> Value {
        self.clone()
    }
    fn to_json_text(self) -> String {
        self.to_string()
    }
}

/// A parsed JSON text as one vector, in document order: a container's slot comes first and
/// records where its slots end, then its children (an object's as key, value, key, value,
/// ...; a nested container with all of its own). Each value is written once, where it
/// belongs. Strings borrow from the text when they hold no escape. One allocation per body
/// instead of one per container.
type Tape<'a> = Vec<Slot<'a>>;

#[derive(Debug)]
#[repr(C, u64)]
enum Slot<'a> {
    Null,
    Bool(bool),
    Number(Number),
    Str(Cow<'a, str>),
    /// `len` items, in the slots up to `end` (exclusive).
    Array {
        len: usize,
        end: usize,
    },
    /// `len` key, value pairs, in the slots up to `end` (exclusive).
    Object {
        len: usize,
        end: usize,
    },
}

/// A handle on one slot of a tape.
#[derive(Clone, Copy)]
struct At<'t, 'a> {
    tape: &'t [Slot<'a>],
    i: usize,
}

impl<'t, 'a> At<'t, 'a> {
    fn root(tape: &'t [Slot<'a>]) -> Self {
        At { tape, i: 0 }
    }

    fn slot(self) -> &'t Slot<'a> {
        self.tape.get(self.i).unwrap_or(&Slot::Null)
    }

    fn at(self, i: usize) -> Self {
        At { tape: self.tape, i }
    }

    /// The slot after this value (and after all of its children).
    fn after(self) -> usize {
        match *self.slot() {
            Slot::Array { end, .. } | Slot::Object { end, .. } => end,
            _ => self.i + 1,
        }
    }

    /// A container's children, in order (an object's keys and values alternate).
    fn children(self, len: usize) -> Children<'t, 'a> {
        Children {
            next: self.at(self.i + 1),
            left: len,
        }
    }

    /// An object's keys and value handles.
    fn pairs(self) -> Option<impl Iterator<Item = (&'t str, Self)> + 't> {
        let Slot::Object { len, .. } = *self.slot() else {
            return None;
        };
        let mut children = self.children(2 * len);
        Some(std::iter::from_fn(move || {
            let key = children.next()?;
            Some((key_of(key.slot()), children.next()?))
        }))
    }
}

/// The next `left` values from `next`, each skipped over whole.
struct Children<'t, 'a> {
    next: At<'t, 'a>,
    left: usize,
}

impl<'t, 'a> Iterator for Children<'t, 'a> {
    type Item = At<'t, 'a>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.left == 0 {
            return None;
        }
        self.left -= 1;
        let this = self.next;
        self.next = this.at(this.after());
        Some(this)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.left, Some(self.left))
    }
}

impl ExactSizeIterator for Children<'_, '_> {}

/// An object key's text (keys are always strings on a tape).
fn key_of<'t>(slot: &'t Slot<'_>) -> &'t str {
    match slot {
        Slot::Str(key) => key,
        _ => "",
    }
}

impl<'t, 'a: 't> Node<'t> for At<'t, 'a> {
    fn get(self, key: &str) -> Option<Self> {
        let key = key.as_bytes();
        let (_, value) = self.pairs()?.find(|(k, _)| {
            let k = k.as_bytes();
            k.len() == key.len() && k.first() == key.first() && k == key
        })?;
        Some(value)
    }
    fn entries(self) -> Option<impl Iterator<Item = (&'t str, Self)> + 't> {
        self.pairs()
    }
    fn items(self) -> Option<impl ExactSizeIterator<Item = Self> + 't> {
        let Slot::Array { len, .. } = *self.slot() else {
            return None;
        };
        Some(self.children(len))
    }
    fn as_str(self) -> Option<&'t str> {
        match self.slot() {
            Slot::Str(s) => Some(s),
            _ => None,
        }
    }
    fn as_number(self) -> Option<&'t Number> {
        match self.slot() {
            Slot::Number(n) => Some(n),
            _ => None,
        }
    }
    fn as_bool(self) -> Option<bool> {
        match self.slot() {
            Slot::Bool(b) => Some(*b),
            _ => None,
        }
    }
    fn is_object(self) -> bool {
        matches!(self.slot(), Slot::Object { .. })
    }
    fn type_name(self) -> &'static str {
        match self.slot() {
            Slot::Null => "null",
            Slot::Bool(_) => "a boolean",
            Slot::Number(_) => "a number",
            Slot::Str(_) => "a string",
            Slot::Array { .. } => "an array",
            Slot::Object { .. } => "an object",
        }
    }
    fn to_value(self) -> Value {
        match self.slot() {
            Slot::Null => Value::Null,
            Slot::Bool(b) => Value::Bool(*b),
            Slot::Number(n) => Value::Number(n.clone()),
            Slot::Str(s) => Value::String(s.to_string()),
            Slot::Array { .. } => Value::Array(
                self.items()
                    .into_iter()
                    .flatten()
                    .map(Node::to_value)
                    .collect(),
            ),
            Slot::Object { len, .. } => {
                let mut map = Map::with_capacity(*len);
                for (k, v) in self.pairs().into_iter().flatten() {
                    map.insert(k.to_string(), v.to_value());
                }
                Value::Object(map)
            }
        }
    }
    fn to_json_text(self) -> String {
        self.to_value().to_string()
    }
}

/// A whole text read by the [`Scanner`] into a tape holding what serde_json would read, or
/// `None` (a float, deep nesting, a repeated key, an error): serde_json then reads it.
fn tape_fast(text: &str) -> Option<Tape<'_>> {
    let mut scan = Scanner::new(text, 0);
    let mut builder = TapeBuilder {
        // About one slot per eight bytes of compact JSON (a webhook body of 220 bytes holds
        // 26); a small first guess stays on the allocator's fast path.
        tape: Vec::with_capacity(text.len() / 8 + 4),
    };
    scan.ws();
    builder.value(&mut scan, 0)?;
    scan.ws();
    if scan.pos() != text.len() {
        return None;
    }
    Some(builder.tape)
}

struct TapeBuilder<'a> {
    tape: Tape<'a>,
}

impl<'a> TapeBuilder<'a> {
    /// Read one value onto the tape.
    fn value(&mut self, scan: &mut Scanner<'a>, depth: u32) -> Option<()> {
        let slot = match scan.peek()? {
            b'"' => Slot::Str(scan.string()?),
            b'{' if depth < scan::MAX_DEPTH => {
                scan.eat(b'{')?;
                scan.ws();
                let at = self.tape.len();
                self.tape.push(Slot::Null);
                let mut len = 0;
                // Where the first keys are, to look for a repeated one without walking back.
                let mut keys = [0usize; FEW_KEYS];
                if scan.eat(b'}').is_none() {
                    loop {
                        let key = scan.string()?;
                        scan.ws();
                        scan.eat(b':')?;
                        scan.ws();
                        if let Some(slot) = keys.get_mut(len) {
                            *slot = self.tape.len();
                        }
                        self.tape.push(Slot::Str(key));
                        self.value(scan, depth + 1)?;
                        len += 1;
                        if !scan.next_item(b'}')? {
                            break;
                        }
                    }
                }
                let end = self.tape.len();
                self.tape[at] = Slot::Object { len, end };
                // serde_json keeps a repeated key's first place and its last value; rather
                // than move slots about for what real payloads never do, let it read those.
                let repeated = match len {
                    0 | 1 => false,
                    2..=FEW_KEYS => repeated_among(&self.tape, &keys[..len]),
                    _ => repeated_key(At {
                        tape: &self.tape,
                        i: at,
                    }),
                };
                if repeated {
                    return None;
                }
                return Some(());
            }
            b'[' if depth < scan::MAX_DEPTH => {
                scan.eat(b'[')?;
                scan.ws();
                let at = self.tape.len();
                self.tape.push(Slot::Null);
                let mut len = 0;
                if scan.eat(b']').is_none() {
                    loop {
                        self.value(scan, depth + 1)?;
                        len += 1;
                        if !scan.next_item(b']')? {
                            break;
                        }
                    }
                }
                let end = self.tape.len();
                self.tape[at] = Slot::Array { len, end };
                return Some(());
            }
            b'n' => scan.word("null").map(|()| Slot::Null)?,
            b't' => scan.word("true").map(|()| Slot::Bool(true))?,
            b'f' => scan.word("false").map(|()| Slot::Bool(false))?,
            b'-' | b'0'..=b'9' => Slot::Number(scan.integer()?),
            _ => return None,
        };
        self.tape.push(slot);
        Some(())
    }
}

/// Objects with up to this many keys are checked for a repeated one pair by pair.
const FEW_KEYS: usize = 16;

/// Whether the keys in these slots repeat one. Most keys differ in length or at either
/// end, which is checked before their bytes are compared.
fn repeated_among(tape: &[Slot<'_>], keys: &[usize]) -> bool {
    let key = |i: usize| key_of(&tape[keys[i]]).as_bytes();
    (1..keys.len()).any(|i| {
        let a = key(i);
        (0..i).any(|j| {
            let b = key(j);
            a.len() == b.len() && a.first() == b.first() && a.last() == b.last() && a == b
        })
    })
}

/// Whether an object has a key more than once (for many keys: sorted, then compared).
fn repeated_key(object: At<'_, '_>) -> bool {
    let Some(pairs) = object.pairs() else {
        return false;
    };
    let mut keys: Vec<&str> = pairs.map(|(key, _)| key).collect();
    keys.sort_unstable();
    keys.windows(2).any(|w| w[0] == w[1])
}

/// Where [`collect`] puts what it finds: every event with its node, or just the views.
trait Sink<'a, N> {
    fn add(&mut self, found: Found<'a, N>);
    fn count(&self) -> usize;
}

impl<'a, N> Sink<'a, N> for Vec<Found<'a, N>> {
    fn add(&mut self, found: Found<'a, N>) {
        self.push(found);
    }
    fn count(&self) -> usize {
        self.len()
    }
}

impl<'a, N> Sink<'a, N> for Vec<EventView<'a>> {
    fn add(&mut self, (view, _): Found<'a, N>) {
        self.push(view);
    }
    fn count(&self) -> usize {
        self.len()
    }
}

/// Every event of a webhook, in order, into `events` (or why it is not a webhook).
fn collect<'a, N: Node<'a>, S: Sink<'a, N> + Default>(root: N) -> Result<S, ParseError> {
    if !root.is_object() {
        return Err(ParseError::NotWebhook(format!(
            "the top level is {}, not an object",
            root.type_name()
        )));
    }
    match root.get("object") {
        Some(s) if s.as_str() == Some(OBJECT) => {}
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
    let Some(entries) = root.get("entry").and_then(N::items) else {
        return Err(ParseError::NotWebhook("no \"entry\" array".to_string()));
    };
    let mut events = S::default();
    for (i, entry) in entries.enumerate() {
        match entry.get("changes").and_then(N::items) {
            Some(changes) => {
                for change in changes {
                    extract_change(change, &mut events);
                }
            }
            None => events.add(other("", format!("entry {i} has no changes array"))),
        }
    }
    Ok(events)
}

fn other<'a, N>(field: impl Into<Cow<'a, str>>, summary: String) -> Found<'a, N> {
    (
        EventView(Fields::Other {
            field: field.into(),
            summary: Cow::Owned(summary),
        }),
        None,
    )
}

/// Keys of `value` that carry no events of their own.
const ENVELOPE_KEYS: &[&str] = &["messaging_product", "metadata", "contacts"];

fn extract_change<'a, N: Node<'a>>(change: N, events: &mut impl Sink<'a, N>) {
    let field = str_of(change, "field").unwrap_or_default();
    let value = change.get("value");
    let Some(entries) = value.and_then(N::entries) else {
        events.add(other(field, "change without a value object".to_string()));
        return;
    };
    let contacts = value.map(contacts_of).unwrap_or_default();
    let before = events.count();
    let mut unknown: Vec<(&str, N)> = Vec::new();
    for (key, items) in entries {
        match (key, items.items()) {
            ("messages", Some(items)) => items.for_each(|m| events.add(message(m, &contacts))),
            ("statuses", Some(items)) => items.for_each(|s| events.add(status(s))),
            ("errors", Some(items)) => items.for_each(|e| {
                let view = Fields::Error(Cow::Owned(error_event(e)));
                events.add((EventView(view), None));
            }),
            (k, _) if ENVELOPE_KEYS.contains(&k) => {}
            _ => unknown.push((key, items)),
        }
    }
    let nothing_known = events.count() == before;
    let unknown_data = unknown
        .iter()
        .any(|(_, v)| v.items().is_some_and(|a| a.len() > 0) || v.is_object());
    if nothing_known || unknown_data {
        let summary = if unknown.is_empty() {
            "no messages, statuses or errors".to_string()
        } else {
            unknown
                .iter()
                .map(|(k, v)| format!("{k}={}", short_json(*v)))
                .collect::<Vec<_>>()
                .join(" ")
        };
        events.add(other(field, summary));
    }
}

/// `(wa_id, profile name)` pairs from `value.contacts`.
fn contacts_of<'a, N: Node<'a>>(value: N) -> Vec<(Cow<'a, str>, Cow<'a, str>)> {
    let Some(contacts) = value.get("contacts").and_then(N::items) else {
        return Vec::new();
    };
    contacts
        .filter_map(|c| {
            let name = c.get("profile").and_then(|p| str_of(p, "name"))?;
            Some((str_of(c, "wa_id").unwrap_or_default(), name))
        })
        .collect()
}

fn message<'a, N: Node<'a>>(m: N, contacts: &[(Cow<'a, str>, Cow<'a, str>)]) -> Found<'a, N> {
    if !m.is_object() {
        let summary = format!("message is {}, not an object", m.type_name());
        return other("messages", summary);
    }
    let from = str_of(m, "from").unwrap_or_default();
    let kind = str_of(m, "type").unwrap_or(Cow::Borrowed("unknown"));
    let profile_name = contacts
        .iter()
        .find(|(wa_id, _)| *wa_id == from)
        .or(match contacts {
            [only] => Some(only),
            _ => None,
        })
        .map(|(_, name)| name.clone());
    let view = Fields::Message {
        id: str_of(m, "id").unwrap_or_default(),
        content: message_content(&kind, m),
        from,
        profile_name,
        timestamp: str_of(m, "timestamp"),
        kind,
        context_id: context_of(m),
    };
    (EventView(view), Some(m))
}

/// `context.id`: the message a message replies or reacts to.
fn context_of<'a, N: Node<'a>>(m: N) -> Option<Cow<'a, str>> {
    m.get("context").and_then(|c| str_of(c, "id"))
}

/// A non-empty string (or number, boolean) field.
fn text_of<'a, N: Node<'a>>(v: Option<N>, key: &str) -> Option<Cow<'a, str>> {
    v.and_then(|v| str_of(v, key)).filter(|s| !s.is_empty())
}

fn message_content<'a, N: Node<'a>>(kind: &str, m: N) -> Cow<'a, str> {
    let body = m.get(kind);
    let s = |v: Option<N>, k: &str| text_of(v, k);
    let flag = |k: &str| body.and_then(|b| b.get(k)).and_then(N::as_bool) == Some(true);
    match kind {
        "text" => s(body, "body").unwrap_or_default(),
        "image" | "video" | "audio" | "document" | "sticker" => {
            let mut parts = vec![s(body, "mime_type").unwrap_or_else(|| kind.to_string().into())];
            parts.extend(s(body, "filename"));
            if flag("voice") {
                parts.push("(voice)".into());
            }
            if flag("animated") {
                parts.push("(animated)".into());
            }
            parts.extend(s(body, "caption").map(|c| format!("\"{c}\"").into()));
            parts.join(" ").into()
        }
        "location" => {
            let field = |k: &str| body.and_then(|b| b.get(k));
            let coords = match (field("latitude"), field("longitude")) {
                (Some(lat), Some(long)) => Some(format!(
                    "({}, {})",
                    scalar_text(lat).unwrap_or_default(),
                    scalar_text(long).unwrap_or_default()
                )),
                _ => None,
            };
            let place: Vec<Cow<'_, str>> = [s(body, "name"), s(body, "address")]
                .into_iter()
                .flatten()
                .collect();
            match (place.is_empty(), coords) {
                (false, Some(c)) => format!("{} {c}", place.join(", ")).into(),
                (false, None) => place.join(", ").into(),
                (true, Some(c)) => c
                    .trim_matches(|ch| ch == '(' || ch == ')')
                    .to_string()
                    .into(),
                (true, None) => Cow::Borrowed(""),
            }
        }
        "contacts" => body
            .and_then(N::items)
            .map(|cs| {
                cs.filter_map(|c| {
                    let name = c.get("name");
                    name?;
                    s(name, "formatted_name").or_else(|| {
                        let parts: Vec<Cow<'_, str>> =
                            [s(name, "first_name"), s(name, "last_name")]
                                .into_iter()
                                .flatten()
                                .collect();
                        (!parts.is_empty()).then(|| parts.join(" ").into())
                    })
                })
                .collect::<Vec<_>>()
                .join(", ")
                .into()
            })
            .unwrap_or_default(),
        "interactive" => {
            let itype = s(body, "type").unwrap_or_default();
            let reply = body.and_then(|b| b.get(&itype));
            match (s(reply, "title"), s(reply, "description")) {
                (Some(t), Some(d)) => format!("{t} ({d})").into(),
                (Some(t), None) => t,
                _ => {
                    let text = s(reply, "body")
                        .or_else(|| s(reply, "name"))
                        .or_else(|| reply.and_then(first_text));
                    match text {
                        Some(t) => format!("{itype}: {t}").into(),
                        None => itype,
                    }
                }
            }
        }
        "button" => s(body, "text")
            .or_else(|| s(body, "payload"))
            .unwrap_or_default(),
        "reaction" => {
            let target = s(body, "message_id").unwrap_or(Cow::Borrowed("?"));
            match s(body, "emoji") {
                Some(e) => format!("{e} to {target}").into(),
                None => format!("removed reaction to {target}").into(),
            }
        }
        "order" => order_content(body).into(),
        "system" => s(body, "body").unwrap_or_default(),
        "unsupported" => m
            .get("errors")
            .and_then(N::items)
            .and_then(|mut errors| errors.next())
            .map(|e| error_event(e).title.into())
            .unwrap_or(Cow::Borrowed("unsupported message type")),
        _ => body.and_then(first_text).unwrap_or_default(),
    }
}

fn order_content<'a, N: Node<'a>>(order: Option<N>) -> String {
    let items = order
        .and_then(|o| o.get("product_items"))
        .and_then(N::items);
    let mut count = 0.0;
    let mut total = 0.0;
    let mut currencies: Vec<Cow<'_, str>> = Vec::new();
    for item in items.into_iter().flatten() {
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
    if let Some(text) = text_of(order, "text") {
        out.push_str(": ");
        out.push_str(&text);
    }
    out
}

fn status<'a, N: Node<'a>>(s: N) -> Found<'a, N> {
    if !s.is_object() {
        let summary = format!("status is {}, not an object", s.type_name());
        return other("statuses", summary);
    }
    let view = Fields::Status {
        id: str_of(s, "id").unwrap_or_default(),
        status: str_of(s, "status").unwrap_or(Cow::Borrowed("unknown")),
        recipient_id: str_of(s, "recipient_id").unwrap_or_default(),
        timestamp: str_of(s, "timestamp"),
        errors: Cow::Owned(
            s.get("errors")
                .and_then(N::items)
                .map(|es| es.map(error_event).collect())
                .unwrap_or_default(),
        ),
    };
    (EventView(view), Some(s))
}

fn error_event<'a, N: Node<'a>>(e: N) -> ErrorEvent {
    let message = str_of(e, "message").filter(|s| !s.is_empty());
    let title = str_of(e, "title")
        .filter(|s| !s.is_empty())
        .or_else(|| message.clone())
        .unwrap_or(Cow::Borrowed("unknown error"));
    let code = e
        .get("code")
        .and_then(|c| match (c.as_number(), c.as_str()) {
            (Some(n), _) => n.as_i64(),
            (_, Some(s)) => s.trim().parse().ok(),
            _ => None,
        });
    ErrorEvent {
        code,
        title: title.into_owned(),
        message: message.map(Cow::into_owned),
        details: text_of(e.get("error_data"), "details").map(Cow::into_owned),
    }
}

impl ErrorEvent {
    pub fn to_json(&self) -> Value {
        serde_json::to_value(ErrorJson(self)).unwrap_or_default()
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
        context_of(&self.raw).map(Cow::into_owned)
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
        serde_json::to_value(self.view()).unwrap_or_default()
    }

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
            },
            Event::Status(s) => Fields::Status {
                id: Cow::Borrowed(&s.id),
                status: Cow::Borrowed(&s.status),
                recipient_id: Cow::Borrowed(&s.recipient_id),
                timestamp: s.timestamp.as_deref().map(Cow::Borrowed),
                errors: Cow::Borrowed(&s.errors),
            },
            Event::Error(e) => Fields::Error(Cow::Borrowed(e)),
            Event::Other { field, summary } => Fields::Other {
                field: Cow::Borrowed(field),
                summary: Cow::Borrowed(summary),
            },
        })
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
        self.view().summary()
    }

    /// Message or status id used to spot duplicate deliveries (`None` for errors).
    /// `message:<id>` / `status:<id>:<status>`: one message legitimately gets a `sent`, a
    /// `delivered` and a `read` status with the same id.
    pub fn dedup_key(&self) -> Option<String> {
        self.view().dedup_key()
    }
}

/// Longest content shown in a summary, in chars.
const CONTENT_MAX: usize = 160;

fn truncate(s: &str, max: usize) -> Cow<'_, str> {
    if s.len() <= max || s.chars().count() <= max {
        return Cow::Borrowed(s);
    }
    let mut out: String = s.chars().take(max - 1).collect();
    out.push('…');
    Cow::Owned(out)
}

fn one_line(s: String) -> String {
    if !s.chars().any(char::is_control) {
        return s;
    }
    s.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

/// A string, or a number/bool as text.
fn scalar_text<'a, N: Node<'a>>(v: N) -> Option<Cow<'a, str>> {
    if let Some(s) = v.as_str() {
        return Some(Cow::Borrowed(s));
    }
    if let Some(n) = v.as_number() {
        return Some(Cow::Owned(n.to_string()));
    }
    v.as_bool().map(|b| Cow::Owned(b.to_string()))
}

fn str_of<'a, N: Node<'a>>(v: N, key: &str) -> Option<Cow<'a, str>> {
    v.get(key).and_then(scalar_text)
}

fn number_of<'a, N: Node<'a>>(v: N) -> Option<f64> {
    match (v.as_number(), v.as_str()) {
        (Some(n), _) => n.as_f64(),
        (_, Some(s)) => s.trim().parse().ok(),
        _ => None,
    }
}

/// The first non-empty text in a value: likely keys first, then depth-first.
fn first_text<'a, N: Node<'a>>(v: N) -> Option<Cow<'a, str>> {
    if let Some(s) = v.as_str() {
        return (!s.is_empty()).then_some(Cow::Borrowed(s));
    }
    if v.is_object() {
        return ["body", "text", "caption", "title", "name", "description"]
            .iter()
            .find_map(|k| v.get(k).and_then(N::as_str).filter(|s| !s.is_empty()))
            .map(Cow::Borrowed)
            .or_else(|| v.entries()?.find_map(|(_, v)| first_text(v)));
    }
    v.items()?.find_map(first_text)
}

/// Compact JSON, cut to a readable length.
fn short_json<'a, N: Node<'a>>(v: N) -> String {
    match v.as_str() {
        Some(s) => truncate(s, 60).into_owned(),
        None => truncate(&v.to_json_text(), 60).into_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::webhook::fixtures::{self, Layout, TokenSource};
    use serde_json::json;

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

    /// What `extract` gave when it parsed into `serde_json::Value` (the reference).
    fn via_value(body: &[u8]) -> Result<Vec<Event>, ParseError> {
        let root: Value =
            serde_json::from_slice(body).map_err(|e| ParseError::NotJson(e.to_string()))?;
        extract_value(&root)
    }

    /// `extract`, `extract_value` and `Document::events` agree on a body, event for event.
    fn same_everywhere(body: &[u8]) -> Result<(), String> {
        let owned = extract(body);
        if owned != via_value(body) {
            return Err(format!(
                "extract {owned:?} != via Value {:?}",
                via_value(body)
            ));
        }
        let views = Document::parse(body).and_then(|d| {
            let views = d.events()?;
            for v in &views {
                let mut written = Vec::new();
                v.write_json(&mut written);
                assert_eq!(
                    String::from_utf8(written).unwrap(),
                    serde_json::to_string(v).unwrap()
                );
            }
            Ok(views
                .iter()
                .map(|v| {
                    (
                        v.summary(),
                        serde_json::to_value(v).unwrap(),
                        v.kind_str(),
                        v.dedup_key(),
                    )
                })
                .collect::<Vec<_>>())
        });
        let want = owned.map(|events| {
            events
                .iter()
                .map(|e| (e.summary(), e.to_json(), e.kind_str(), e.dedup_key()))
                .collect::<Vec<_>>()
        });
        if views != want {
            return Err(format!("views {views:?} != events {want:?}"));
        }
        Ok(())
    }

    #[test]
    fn borrowed_tree_matches_value_on_odd_json() {
        let cases: &[&[u8]] = &[
            // A repeated key keeps its first position and its last value.
            br#"{"object":"page","object":"whatsapp_business_account","entry":[{"changes":[{"value":{"messages":[{"type":"text","text":{"body":"a"},"text":{"body":"b"}}],"zz":{"a":1},"messages":[{"type":"x","x":"second"}]}}]}]}"#,
            br#"{"object":"whatsapp_business_account","entry":[{"changes":[{"value":{"k1":1,"k2":2,"k3":3,"k4":4,"k5":5,"k6":6,"k7":7,"k8":8,"k9":9,"k10":10,"k11":11,"k12":12,"k13":13,"k14":14,"k15":15,"k16":16,"k1":[1],"k17":{}}}]}]}"#,
            br#"{"object":"whatsapp_business_account","entry":[{"changes":[{"field":"f\u00e9","value":{"messages":[{"type":"t\u0065xt","text":{"body":"caf\u00e9 \ud83d\ude00"},"context":{"id":7}}],"n":[1e400,-0,1.5e-7,18446744073709551615,-9223372036854775808]}}]}]}"#,
            br#"{"object":"whatsapp_business_account","entry":[{"changes":[{"value":{"messages":[{"type":"location","location":{"latitude":1e2,"longitude":-0.0}}]}}]}]} "#,
            b"\"\\ud800\"",
            b"{\"a\":\"\xff\"}",
            b"[1,2",
            b"{} x",
            b"",
        ];
        for body in cases {
            same_everywhere(body)
                .unwrap_or_else(|e| panic!("{}: {e}", String::from_utf8_lossy(body)));
        }
    }

    #[test]
    fn fixtures_are_read_without_serde() {
        for f in fixtures::catalogue() {
            let body = fixtures::render(
                f,
                &mut TokenSource::seeded(1, 1_718_000_000),
                &[],
                Layout::Compact,
            )
            .unwrap();
            let text = std::str::from_utf8(&body).unwrap();
            let theirs: Value = serde_json::from_str(text).unwrap();
            match tape_fast(text) {
                Some(tape) => assert_eq!(At::root(&tape).to_value(), theirs, "{}", f.name),
                // Only floats are left to serde_json.
                None => assert!(text.contains('.'), "{}: {text}", f.name),
            }
        }
        // Deep nesting is left to serde_json, and its recursion limit.
        for depth in [100, 200] {
            let deep = format!("{}{}", "[".repeat(depth), "]".repeat(depth));
            assert!(tape_fast(&deep).is_none());
            assert_eq!(extract(deep.as_bytes()), via_value(deep.as_bytes()));
        }
        assert!(
            matches!(extract(&[b'['; 200]), Err(ParseError::NotJson(e)) if e.contains("recursion"))
        );
    }

    fn json_text() -> impl proptest::strategy::Strategy<Value = String> {
        use proptest::prelude::*;
        let key = prop::sample::select(vec![
            "object",
            "entry",
            "changes",
            "value",
            "field",
            "messages",
            "statuses",
            "errors",
            "contacts",
            "profile",
            "name",
            "wa_id",
            "id",
            "from",
            "type",
            "text",
            "body",
            "context",
            "timestamp",
            "status",
            "recipient_id",
            "code",
            "title",
            "message",
            "error_data",
            "details",
            "image",
            "caption",
            "voice",
            "location",
            "latitude",
            "longitude",
            "interactive",
            "button_reply",
            "list_reply",
            "description",
            "reaction",
            "emoji",
            "message_id",
            "order",
            "product_items",
            "quantity",
            "item_price",
            "currency",
            "unsupported",
            "metadata",
            "formatted_name",
            "first_name",
            "te\\u0078t",
        ]);
        let leaf = prop_oneof![
            Just("null".to_string()),
            Just("true".to_string()),
            Just("false".to_string()),
            any::<i64>().prop_map(|n| n.to_string()),
            any::<u64>().prop_map(|n| n.to_string()),
            (-1e6f64..1e6).prop_map(|f| format!("{f:e}")),
            "[a-zé😀\\\\\"\n\t -]{0,12}".prop_map(|s| serde_json::to_string(&s).unwrap()),
            key.clone().prop_map(|k| format!("\"{k}\"")),
        ];
        leaf.prop_recursive(4, 48, 6, move |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..5)
                    .prop_map(|items| format!("[{}]", items.join(","))),
                prop::collection::vec((key.clone(), inner), 0..7).prop_map(|fields| {
                    let fields: Vec<String> =
                        fields.iter().map(|(k, v)| format!("\"{k}\":{v}")).collect();
                    format!("{{{}}}", fields.join(","))
                }),
            ]
        })
    }

    proptest::proptest! {
        #[test]
        fn borrowed_tree_matches_value_on_webhooks(
            m in json_text(), s in json_text(), c in json_text(), e in json_text(),
            x in json_text(), k in "[a-z]{1,3}", change in json_text(),
        ) {
            let body = format!(
                r#"{{"object":"whatsapp_business_account","entry":[{{"changes":[{{"field":"messages","value":{{"contacts":[{c}],"messages":[{m},{{"type":"text","text":{m}}}],"statuses":[{s}],"errors":[{e}],"{k}":{x}}}}},{change}]}},{x}]}}"#
            );
            if let Err(err) = same_everywhere(body.as_bytes()) {
                proptest::prop_assert!(false, "{body}: {err}");
            }
        }

        #[test]
        fn scanner_reads_what_serde_reads(text in json_text()) {
            if let Some(tape) = tape_fast(&text) {
                let theirs: Value = serde_json::from_str(&text).unwrap();
                proptest::prop_assert_eq!(At::root(&tape).to_value(), theirs, "{}", text);
            }
        }

        #[test]
        fn borrowed_tree_matches_value_on_any_json(text in json_text()) {
            if let Err(err) = same_everywhere(text.as_bytes()) {
                proptest::prop_assert!(false, "{text}: {err}");
            }
        }

        #[test]
        fn borrowed_tree_matches_value_on_any_bytes(body in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..64)) {
            if let Err(err) = same_everywhere(&body) {
                proptest::prop_assert!(false, "{body:?}: {err}");
            }
        }
    }
}
