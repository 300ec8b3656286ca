//! The embedded fixture catalogue, template tokens and `--set` overrides.
//!
//! Knows nothing of HTTP or the CLI.
//!
//! # Fixtures
//! Every file under `fixtures/` is a realistic webhook delivery, pretty-printed JSON with
//! template tokens inside strings. The files are embedded in the binary ([`catalogue`]).
//!
//! # Template tokens
//! A token is `{{name}}` or `{{name:arg}}` anywhere inside a JSON string:
//!
//! | token | value |
//! |---|---|
//! | `{{wamid}}` | a fresh, unique message id in Meta's form, `wamid.HBgL…` (base64) |
//! | `{{timestamp}}` | now, Unix seconds, as a string; `{{timestamp:+86400}}` / `{{timestamp:-60}}` add an offset in seconds |
//! | `{{phone}}` | a fresh phone number / WhatsApp id: digits with the country code, no `+` |
//! | `{{uuid}}` | a fresh random UUID v4 (lowercase) |
//! | `{{media_id}}` | a fresh 16-digit media id |
//! | `{{sha256}}` | a fresh base64 SHA-256 value, as media objects carry |
//! | `{{conversation_id}}` | a fresh 32-hex-digit conversation id |
//!
//! Without an argument every occurrence gets a fresh value. With a label (`{{wamid:order}}`,
//! `{{phone:customer}}`) every occurrence of the same name and label gets the same value within
//! one render: a reaction can point at the message id of the same delivery, a contact's
//! `wa_id` can equal the message's `from`. All `{{timestamp}}` tokens of one render share one
//! clock reading. Rendering is deterministic with [`TokenSource::seeded`].
//! An unknown token is an error that names it.
//!
//! # `--set PATH=VALUE`
//! Applied after the tokens. PATH is dot-separated: object keys and array indices
//! (`entry.0.changes.0.value.messages.0.text.body`). VALUE is parsed as JSON when it is valid
//! JSON (`42`, `true`, `null`, `{"a":1}`, `"1234567890"`), otherwise taken as a string
//! (`Hi there`); quote digits to keep them a string (`from='"1234567890"'`). Every segment but
//! the last must exist; the last may name a new key of an existing object (it is appended) or
//! the index just past the end of an array (the value is appended). Keys that contain a dot
//! cannot be addressed. A path that does not exist is an error naming the nearest existing
//! prefix and what is there.
//!
//! # Layouts
//! [`Layout::Compact`] is the wire form CMzon/Meta sign and send: compact, keys in file order,
//! non-ASCII escaped as lowercase `\uXXXX` (surrogate pairs beyond the BMP) and `/` as `\/`.
//! [`Layout::Pretty`] is 2-space indented, readable UTF-8.

use std::collections::{HashMap, HashSet};
use std::io;
use std::time::{SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use serde_json::{Map, Value};

use crate::error::{Error, Result};
use crate::webhook::event::json_type_name;

/// The token list, for `fixtures --help` (long help).
pub const TOKENS_HELP: &str = "\
Template tokens (replaced in every render, inside JSON strings):
  {{wamid}}            fresh unique message id, wamid.HBgL... (Meta's base64 form)
  {{timestamp}}        now, Unix seconds as a string; {{timestamp:+86400}} adds an offset
  {{phone}}            fresh phone number / WhatsApp id (country code, no +)
  {{uuid}}             fresh random UUID v4
  {{media_id}}         fresh 16-digit media id
  {{sha256}}           fresh base64 SHA-256 value (media objects)
  {{conversation_id}}  fresh 32-hex-digit conversation id
A label reuses one value within a render: every {{wamid:answer}} in a fixture is the same id
(a reaction can point at a message of the same delivery); plain {{wamid}} is fresh each time.

--set PATH=VALUE is applied after the tokens. PATH is dot-separated keys and array indices
(entry.0.changes.0.value.messages.0.text.body). VALUE is JSON when valid (42, true, null,
{\"a\":1}, '\"123\"'), else a plain string. Only the last segment may be new: a new key of an
existing object, or the index one past the end of an array (appends).

`fixtures show NAME --compact` prints exactly the bytes `send` delivers (Meta's escaping:
\\u00e9, \\ud83d\\ude2e, \\/), with no trailing newline unless stdout is a terminal, so
`cmzon-hook fixtures show NAME --compact > body.json` can be signed and sent as is.";

/// One catalogue entry. `template` is the file's JSON text with `{{tokens}}` inside strings.
#[derive(Debug, Clone, Copy)]
pub struct Fixture {
    pub name: &'static str,
    /// `message`, `status`, `error` or `batch`.
    pub kind: &'static str,
    pub description: &'static str,
    pub template: &'static str,
}

/// How rendered JSON is laid out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layout {
    /// Indented, for reading (`fixtures show`).
    Pretty,
    /// Compact, on one line, as `send` delivers it.
    Compact,
}

/// Source of token values: random and now by default, deterministic when seeded.
#[derive(Debug, Clone)]
pub struct TokenSource {
    pub rng: fastrand::Rng,
    /// Fixed Unix time in seconds; `None` means the real clock.
    pub now: Option<u64>,
}

impl TokenSource {
    pub fn new() -> Self {
        TokenSource {
            rng: fastrand::Rng::new(),
            now: None,
        }
    }
    pub fn seeded(seed: u64, now: u64) -> Self {
        TokenSource {
            rng: fastrand::Rng::with_seed(seed),
            now: Some(now),
        }
    }

    /// The fixed time, or the real clock (Unix seconds).
    pub fn now_secs(&self) -> u64 {
        self.now.unwrap_or_else(|| {
            SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map(|d| d.as_secs())
                .unwrap_or(0)
        })
    }

    fn digits(&mut self, n: usize) -> String {
        (0..n)
            .map(|_| char::from(b'0' + self.rng.u8(0..10)))
            .collect()
    }

    fn hex(&mut self, n: usize, upper: bool) -> String {
        let set: &[u8; 16] = if upper {
            b"0123456789ABCDEF"
        } else {
            b"0123456789abcdef"
        };
        (0..n)
            .map(|_| char::from(set[self.rng.usize(0..16)]))
            .collect()
    }

    /// A phone number / WhatsApp id: country code and subscriber number, digits only.
    pub fn phone(&mut self) -> String {
        // (country code, mobile prefix, remaining digits)
        const PLANS: &[(&str, &str, usize)] = &[
            ("1", "", 10),
            ("44", "7", 9),
            ("33", "6", 8),
            ("49", "15", 9),
            ("91", "9", 9),
            ("55", "119", 8),
            ("34", "6", 8),
        ];
        let (cc, prefix, n) = PLANS[self.rng.usize(0..PLANS.len())];
        let mut rest = self.digits(n);
        if prefix.is_empty() {
            // North American numbers: area code and exchange never start with 0 or 1.
            let first = char::from(b'2' + self.rng.u8(0..8));
            rest.replace_range(0..1, &first.to_string());
        }
        format!("{cc}{prefix}{rest}")
    }

    /// A message id in Meta's form: `wamid.` + base64 of a small envelope carrying a phone
    /// number and a 20-hex-digit id (`wamid.HBgL…`).
    pub fn wamid(&mut self) -> String {
        let phone = self.phone();
        let id = self.hex(20, true);
        let mut raw = vec![0x1c, 0x18, phone.len() as u8];
        raw.extend_from_slice(phone.as_bytes());
        raw.extend_from_slice(&[0x15, 0x02, 0x00, 0x12, 0x18, id.len() as u8]);
        raw.extend_from_slice(id.as_bytes());
        raw.push(0x00);
        format!(
            "wamid.{}",
            base64::engine::general_purpose::STANDARD.encode(raw)
        )
    }

    /// A random UUID v4, lowercase, hyphenated.
    pub fn uuid(&mut self) -> String {
        let mut b = [0u8; 16];
        for x in b.iter_mut() {
            *x = self.rng.u8(..);
        }
        b[6] = (b[6] & 0x0f) | 0x40;
        b[8] = (b[8] & 0x3f) | 0x80;
        let h: String = b.iter().map(|x| format!("{x:02x}")).collect();
        format!(
            "{}-{}-{}-{}-{}",
            &h[0..8],
            &h[8..12],
            &h[12..16],
            &h[16..20],
            &h[20..32]
        )
    }

    /// A 16-digit media id.
    pub fn media_id(&mut self) -> String {
        let first = char::from(b'1' + self.rng.u8(0..9));
        format!("{first}{}", self.digits(15))
    }

    /// A base64 SHA-256-sized value (32 random bytes), as media objects carry.
    pub fn sha256(&mut self) -> String {
        let mut b = [0u8; 32];
        for x in b.iter_mut() {
            *x = self.rng.u8(..);
        }
        base64::engine::general_purpose::STANDARD.encode(b)
    }

    /// A 32-hex-digit conversation id.
    pub fn conversation_id(&mut self) -> String {
        self.hex(32, false)
    }
}

impl Default for TokenSource {
    fn default() -> Self {
        Self::new()
    }
}

/// The token names [`render`] knows.
pub const TOKEN_NAMES: &[&str] = &[
    "wamid",
    "timestamp",
    "phone",
    "uuid",
    "media_id",
    "sha256",
    "conversation_id",
];

/// A parsed `--set PATH=VALUE`.
#[derive(Debug, Clone, PartialEq)]
pub struct SetOp {
    pub path: Vec<String>,
    pub value: serde_json::Value,
}

const SET_EXAMPLE: &str = "e.g. --set entry.0.changes.0.value.messages.0.text.body=Hi";

impl SetOp {
    pub fn parse(spec: &str) -> Result<SetOp> {
        let Some((path, value)) = spec.split_once('=') else {
            return Err(
                Error::usage(format!("--set `{spec}`: expected PATH=VALUE")).with_hint(SET_EXAMPLE)
            );
        };
        if path.is_empty() {
            return Err(
                Error::usage(format!("--set `{spec}`: the path is empty")).with_hint(SET_EXAMPLE)
            );
        }
        let segments: Vec<String> = path.split('.').map(str::to_string).collect();
        if segments.iter().any(String::is_empty) {
            return Err(Error::usage(format!(
                "--set `{spec}`: the path `{path}` has an empty segment"
            ))
            .with_hint("separate keys and indices with single dots, e.g. entry.0.id"));
        }
        let value = serde_json::from_str::<Value>(value)
            .unwrap_or_else(|_| Value::String(value.to_string()));
        Ok(SetOp {
            path: segments,
            value,
        })
    }

    /// Parse every spec, stopping at the first bad one.
    pub fn parse_all<S: AsRef<str>>(specs: &[S]) -> Result<Vec<SetOp>> {
        specs.iter().map(|s| SetOp::parse(s.as_ref())).collect()
    }

    /// The dotted path, as the user wrote it.
    pub fn path_str(&self) -> String {
        self.path.join(".")
    }
}

macro_rules! fixture {
    ($name:literal, $kind:literal, $desc:literal) => {
        Fixture {
            name: $name,
            kind: $kind,
            description: $desc,
            template: include_str!(concat!("../../fixtures/", $name, ".json")),
        }
    };
}

static CATALOGUE: &[Fixture] = &[
    fixture!(
        "messages",
        "message",
        "Incoming text message: the seed's `messages` example"
    ),
    fixture!(
        "message_status",
        "status",
        "Status update (delivered): the seed's `message_status` example"
    ),
    fixture!(
        "message_errors",
        "error",
        "Out-of-band error 131026: the seed's `message_errors` example"
    ),
    fixture!(
        "message_text",
        "message",
        "Text message with accents and an emoji (escaped on the wire)"
    ),
    fixture!(
        "message_image",
        "message",
        "Image (image/jpeg) with a caption"
    ),
    fixture!(
        "message_video",
        "message",
        "Video (video/mp4) with a caption"
    ),
    fixture!(
        "message_audio",
        "message",
        "Voice note (audio/ogg, voice: true)"
    ),
    fixture!(
        "message_document",
        "message",
        "PDF document with filename and caption"
    ),
    fixture!(
        "message_sticker",
        "message",
        "Sticker (image/webp, not animated)"
    ),
    fixture!(
        "message_location",
        "message",
        "Shared location with name, address and URL"
    ),
    fixture!(
        "message_contacts",
        "message",
        "Shared contact card (name, phone, email, org, address)"
    ),
    fixture!(
        "message_button_reply",
        "message",
        "Interactive reply button tapped (button_reply)"
    ),
    fixture!(
        "message_list_reply",
        "message",
        "Interactive list row chosen (list_reply with description)"
    ),
    fixture!(
        "message_button",
        "message",
        "Template quick-reply button tapped (button, with context)"
    ),
    fixture!(
        "message_reaction",
        "message",
        "Emoji reaction to an earlier message"
    ),
    fixture!(
        "message_order",
        "message",
        "Cart order: two products from a catalog"
    ),
    fixture!(
        "message_system",
        "message",
        "System message: the customer changed their number"
    ),
    fixture!(
        "message_unsupported",
        "message",
        "Unsupported message type (error 131051)"
    ),
    fixture!(
        "status_sent",
        "status",
        "Status sent, with conversation and pricing"
    ),
    fixture!(
        "status_delivered",
        "status",
        "Status delivered, with conversation and pricing"
    ),
    fixture!("status_read", "status", "Status read"),
    fixture!(
        "status_failed",
        "status",
        "Status failed with error 131047 (re-engagement message)"
    ),
    fixture!(
        "errors",
        "error",
        "Out-of-band error 131000 (something went wrong)"
    ),
    fixture!(
        "batch",
        "batch",
        "Two entries, four changes: messages, a reaction and statuses (sent/delivered/read/failed)"
    ),
];

pub fn catalogue() -> &'static [Fixture] {
    CATALOGUE
}

pub fn find(name: &str) -> Option<&'static Fixture> {
    catalogue().iter().find(|f| f.name == name)
}

/// Every fixture name, in catalogue order.
pub fn names() -> impl Iterator<Item = &'static str> + Clone {
    catalogue().iter().map(|f| f.name)
}

/// The closest fixture name to a misspelt one, if one is close enough.
pub fn suggest(name: &str) -> Option<&'static str> {
    closest(name, names())
}

/// The "no such fixture" error, with the closest name or the list of names as hint.
pub fn unknown(name: &str) -> Error {
    let err = Error::usage(format!("no fixture named `{name}`"));
    match suggest(name) {
        Some(s) => err.with_hint(format!(
            "did you mean `{s}`? (`cmzon-hook fixtures list` shows all)"
        )),
        None => err.with_hint(format!(
            "fixtures: {}",
            names().collect::<Vec<_>>().join(", ")
        )),
    }
}

/// Render a fixture: fresh tokens, then `--set` overrides, in the given layout.
pub fn render(
    fixture: &Fixture,
    tokens: &mut TokenSource,
    sets: &[SetOp],
    layout: Layout,
) -> Result<Vec<u8>> {
    let value = render_value(fixture, tokens, sets)?;
    Ok(serialize(&value, layout))
}

/// Render a fixture to a JSON value: fresh tokens, then `--set` overrides.
pub fn render_value(fixture: &Fixture, tokens: &mut TokenSource, sets: &[SetOp]) -> Result<Value> {
    let mut value: Value = serde_json::from_str(fixture.template)
        .map_err(|e| Error::input(format!("fixture `{}` is not valid JSON: {e}", fixture.name)))?;
    let mut renderer = Renderer {
        now: tokens.now_secs(),
        tokens,
        named: HashMap::new(),
        issued: HashSet::new(),
    };
    renderer
        .value(&mut value)
        .map_err(|e| Error::input(format!("fixture `{}`: {}", fixture.name, e.message)))?;
    apply_all(&mut value, sets)?;
    Ok(value)
}

/// Apply `--set` overrides to arbitrary JSON bytes (user files). Returns the bytes unchanged
/// when `sets` is empty: user bodies are never re-serialized behind their back.
pub fn apply_sets(body: &[u8], sets: &[SetOp]) -> Result<Vec<u8>> {
    if sets.is_empty() {
        return Ok(body.to_vec());
    }
    let mut value: Value = serde_json::from_slice(body).map_err(|e| {
        Error::input(format!("cannot apply --set: the body is not JSON: {e}"))
            .with_hint("--set changes JSON payloads only; drop it to send the bytes as they are")
    })?;
    apply_all(&mut value, sets)?;
    Ok(serialize(&value, Layout::Compact))
}

/// Serialize a value in a layout (see the module doc for the exact wire form).
pub fn serialize(value: &Value, layout: Layout) -> Vec<u8> {
    let mut out = Vec::with_capacity(256);
    let res = match layout {
        Layout::Compact => {
            let mut ser = serde_json::Serializer::with_formatter(&mut out, WireFormatter);
            serde::Serialize::serialize(value, &mut ser)
        }
        Layout::Pretty => {
            let mut ser = serde_json::Serializer::pretty(&mut out);
            serde::Serialize::serialize(value, &mut ser)
        }
    };
    // Writing a `Value` (string keys, finite numbers) into a Vec cannot fail.
    res.expect("serializing a JSON value into memory cannot fail");
    out
}

/// Compact JSON with Meta's escaping: non-ASCII as lowercase `\uXXXX` (UTF-16 surrogate pairs
/// beyond the BMP) and `/` as `\/`. Quotes, backslashes and control characters are escaped by
/// serde_json's defaults (`\n`, `\t`, `\u001f`, ...), which match.
struct WireFormatter;

impl serde_json::ser::Formatter for WireFormatter {
    fn write_string_fragment<W: ?Sized + io::Write>(
        &mut self,
        writer: &mut W,
        fragment: &str,
    ) -> io::Result<()> {
        let mut start = 0;
        for (i, c) in fragment.char_indices() {
            if c.is_ascii() && c != '/' {
                continue;
            }
            writer.write_all(&fragment.as_bytes()[start..i])?;
            if c == '/' {
                writer.write_all(b"\\/")?;
            } else {
                let mut units = [0u16; 2];
                for u in c.encode_utf16(&mut units) {
                    write!(writer, "\\u{u:04x}")?;
                }
            }
            start = i + c.len_utf8();
        }
        writer.write_all(&fragment.as_bytes()[start..])
    }
}

struct Renderer<'a> {
    tokens: &'a mut TokenSource,
    now: u64,
    /// `name:label` → value, for labelled tokens.
    named: HashMap<String, String>,
    /// Every wamid handed out in this render, to keep them unique.
    issued: HashSet<String>,
}

impl Renderer<'_> {
    fn value(&mut self, v: &mut Value) -> Result<()> {
        match v {
            Value::String(s) if s.contains("{{") => {
                *s = self.string(s)?;
            }
            Value::Array(items) => {
                for item in items {
                    self.value(item)?;
                }
            }
            Value::Object(map) => {
                for (_, item) in map.iter_mut() {
                    self.value(item)?;
                }
            }
            _ => {}
        }
        Ok(())
    }

    fn string(&mut self, s: &str) -> Result<String> {
        let mut out = String::with_capacity(s.len() + 32);
        let mut rest = s;
        while let Some(open) = rest.find("{{") {
            out.push_str(&rest[..open]);
            let after = &rest[open + 2..];
            let Some(close) = after.find("}}") else {
                return Err(Error::input(format!("unterminated token in \"{s}\"")));
            };
            out.push_str(&self.token(&after[..close])?);
            rest = &after[close + 2..];
        }
        out.push_str(rest);
        Ok(out)
    }

    fn token(&mut self, spec: &str) -> Result<String> {
        let (name, arg) = match spec.split_once(':') {
            Some((n, a)) => (n, Some(a)),
            None => (spec, None),
        };
        if name == "timestamp" {
            let offset: i64 = match arg {
                None => 0,
                Some(a) => a.parse().map_err(|_| {
                    Error::input(format!(
                        "token `{{{{{spec}}}}}`: the offset must be whole seconds, e.g. +86400"
                    ))
                })?,
            };
            return Ok(self.now.saturating_add_signed(offset).to_string());
        }
        if !TOKEN_NAMES.contains(&name) {
            return Err(Error::input(format!(
                "unknown token `{{{{{spec}}}}}` (known: {})",
                TOKEN_NAMES.join(", ")
            )));
        }
        if let Some(label) = arg {
            let key = format!("{name}:{label}");
            if let Some(v) = self.named.get(&key) {
                return Ok(v.clone());
            }
            let v = self.fresh(name);
            self.named.insert(key, v.clone());
            return Ok(v);
        }
        Ok(self.fresh(name))
    }

    fn fresh(&mut self, name: &str) -> String {
        match name {
            "wamid" => loop {
                let id = self.tokens.wamid();
                if self.issued.insert(id.clone()) {
                    break id;
                }
            },
            "phone" => self.tokens.phone(),
            "uuid" => self.tokens.uuid(),
            "media_id" => self.tokens.media_id(),
            "sha256" => self.tokens.sha256(),
            "conversation_id" => self.tokens.conversation_id(),
            // `token` checked the name against TOKEN_NAMES.
            other => unreachable!("token {other} is not in TOKEN_NAMES"),
        }
    }
}

fn apply_all(value: &mut Value, sets: &[SetOp]) -> Result<()> {
    sets.iter().try_for_each(|op| apply_set(value, op))
}

/// What a JSON value is, for error messages ("a string", "an object", ...).
fn where_(prefix: &[String]) -> String {
    if prefix.is_empty() {
        "the top level".to_string()
    } else {
        format!("`{}`", prefix.join("."))
    }
}

fn keys_hint(map: &Map<String, Value>, wanted: &str) -> String {
    if map.is_empty() {
        return "the object there is empty".to_string();
    }
    let keys: Vec<&str> = map.keys().map(String::as_str).collect();
    let mut hint = format!("keys there: {}", keys.join(", "));
    if let Some(s) = closest(wanted, keys.iter().copied()) {
        hint.push_str(&format!(" (did you mean `{s}`?)"));
    }
    hint
}

fn index_hint(len: usize) -> String {
    match len {
        0 => "the array there is empty: use index 0 to append".to_string(),
        1 => "the array there has 1 item: use index 0 (or 1 to append)".to_string(),
        n => format!(
            "the array there has {n} items: use an index from 0 to {} (or {n} to append)",
            n - 1
        ),
    }
}

/// Set one value at a dot path (see the module doc for what may be created).
fn apply_set(root: &mut Value, op: &SetOp) -> Result<()> {
    let full = op.path_str();
    let err =
        |msg: String, hint: String| Error::usage(format!("--set {full}: {msg}")).with_hint(hint);
    let mut cur = root;
    for (i, seg) in op.path.iter().enumerate() {
        let last = i + 1 == op.path.len();
        let prefix = &op.path[..i];
        match cur {
            Value::Object(map) => {
                if last {
                    map.insert(seg.clone(), op.value.clone());
                    return Ok(());
                }
                if !map.contains_key(seg) {
                    let hint = keys_hint(map, seg);
                    return Err(err(
                        format!(
                            "no key `{seg}` in {} (the path exists up to there)",
                            where_(prefix)
                        ),
                        hint,
                    ));
                }
                cur = map
                    .get_mut(seg)
                    .expect("key presence was checked just above");
            }
            Value::Array(items) => {
                let Ok(idx) = seg.parse::<usize>() else {
                    return Err(err(
                        format!("{} is an array: `{seg}` is not an index", where_(prefix)),
                        index_hint(items.len()),
                    ));
                };
                if last && idx == items.len() {
                    items.push(op.value.clone());
                    return Ok(());
                }
                if idx >= items.len() {
                    return Err(err(
                        format!("index {idx} is out of range in {}", where_(prefix)),
                        index_hint(items.len()),
                    ));
                }
                if last {
                    items[idx] = op.value.clone();
                    return Ok(());
                }
                cur = &mut items[idx];
            }
            other => {
                return Err(err(
                    format!(
                        "{} is {}, not an object or array: cannot go into `{seg}`",
                        where_(prefix),
                        json_type_name(other)
                    ),
                    format!("the path exists up to {}", where_(prefix)),
                ));
            }
        }
    }
    // An empty path is rejected by SetOp::parse; a hand-built one replaces the whole document.
    *cur = op.value.clone();
    Ok(())
}

/// Levenshtein distance over chars.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0; b.len() + 1];
    for (i, ca) in a.chars().enumerate() {
        cur[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != *cb);
            cur[j + 1] = (prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()]
}

/// The candidate closest to `wanted` by edit distance when it is close enough, else the only
/// candidate that contains `wanted` (`text` → `message_text`).
fn closest<'a>(wanted: &str, candidates: impl Iterator<Item = &'a str> + Clone) -> Option<&'a str> {
    let wanted_lc = wanted.to_lowercase();
    let limit = (wanted.chars().count() / 3).max(2);
    let best = candidates
        .clone()
        .map(|c| (edit_distance(&wanted_lc, &c.to_lowercase()), c))
        .min_by_key(|(d, _)| *d);
    if let Some((d, c)) = best {
        if d <= limit {
            return Some(c);
        }
    }
    if wanted_lc.len() < 3 {
        return None;
    }
    let mut containing = candidates.filter(|c| c.to_lowercase().contains(&wanted_lc));
    match (containing.next(), containing.next()) {
        (Some(c), None) => Some(c),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: u64 = 1_718_000_000;

    /// shared/reference/vector-messages.json: the seed's `messages` example, compact, as signed
    /// in the reference test vectors.
    const VECTOR_MESSAGES: &[u8] = br#"{"object":"whatsapp_business_account","entry":[{"id":"WHATSAPP_BUSINESS_ACCOUNT_ID","changes":[{"value":{"messaging_product":"whatsapp","metadata":{"display_phone_number":"1234567890","phone_number_id":"PHONE_NUMBER_ID"},"messages":[{"from":"1234567890","id":"wamid.xxx","timestamp":"1234567890","text":{"body":"Hello, I need help with my order"},"type":"text"}]},"field":"messages"}]}]}"#;

    fn seeded() -> TokenSource {
        TokenSource::seeded(7, NOW)
    }

    fn render_str(name: &str, sets: &[SetOp], layout: Layout) -> String {
        let f = find(name).expect("fixture exists");
        String::from_utf8(render(f, &mut seeded(), sets, layout).unwrap()).unwrap()
    }

    fn tpl(template: &'static str) -> Fixture {
        Fixture {
            name: "t",
            kind: "message",
            description: "test",
            template,
        }
    }

    #[test]
    fn wire_layout_reproduces_the_escaped_vector() {
        // shared/reference/vector-escaped.json, byte for byte.
        let want: &[u8] = br#"{"text":{"body":"mang\u00e9 \/ caf\u00e9 @ \ud83d\ude2e"}}"#;
        let value: Value = serde_json::from_slice(want).unwrap();
        assert_eq!(value["text"]["body"].as_str().unwrap(), "mangé / café @ 😮");
        assert_eq!(
            String::from_utf8(serialize(&value, Layout::Compact)).unwrap(),
            String::from_utf8(want.to_vec()).unwrap()
        );
    }

    #[test]
    fn wire_layout_escapes_like_meta() {
        let v: Value = serde_json::json!({"a/b": "x/y", "q": "\"\\\n\t\u{1}\u{7f}", "e": "é—😮", "n": [1, 2.5, -3, true, null]});
        let got = String::from_utf8(serialize(&v, Layout::Compact)).unwrap();
        assert_eq!(
            got,
            // DEL (0x7f) is ASCII and stays raw, as in PHP's json_encode.
            concat!(
                r#"{"a\/b":"x\/y","q":"\"\\\n\t\u0001"#,
                "\u{7f}",
                r#"","e":"\u00e9\u2014\ud83d\ude2e","n":[1,2.5,-3,true,null]}"#
            )
        );
        assert!(got.is_ascii());
    }

    proptest::proptest! {
        /// Any string: the wire form is ASCII, has no raw `/`, and parses back to the same value.
        #[test]
        fn wire_layout_round_trips_any_string(key in "\\PC{0,8}", text in "\\PC{0,40}|[\\x00-\\x7f]{0,40}") {
            let mut map = Map::new();
            map.insert(key, Value::String(text));
            let v = Value::Object(map);
            let wire = serialize(&v, Layout::Compact);
            proptest::prop_assert!(wire.is_ascii());
            proptest::prop_assert!(!wire.windows(2).any(|w| w[1] == b'/' && w[0] != b'\\'));
            let back: Value = serde_json::from_slice(&wire).unwrap();
            proptest::prop_assert_eq!(back, v);
        }
    }

    #[test]
    fn wire_layout_keeps_key_order() {
        let v: Value = serde_json::from_str(r#"{"z":1,"a":{"y":2,"b":3}}"#).unwrap();
        assert_eq!(
            serialize(&v, Layout::Compact),
            br#"{"z":1,"a":{"y":2,"b":3}}"#
        );
    }

    #[test]
    fn pretty_layout_is_indented_utf8() {
        let v: Value = serde_json::json!({"text": {"body": "mangé / 😮"}, "n": []});
        let got = String::from_utf8(serialize(&v, Layout::Pretty)).unwrap();
        assert_eq!(
            got,
            "{\n  \"text\": {\n    \"body\": \"mangé / 😮\"\n  },\n  \"n\": []\n}"
        );
    }

    #[test]
    fn seed_messages_fixture_reproduces_the_signed_vector() {
        let want: &[u8] = VECTOR_MESSAGES;
        let sets: Vec<SetOp> = [
            r#"entry.0.changes.0.value.messages.0.from="1234567890""#,
            "entry.0.changes.0.value.messages.0.id=wamid.xxx",
            r#"entry.0.changes.0.value.messages.0.timestamp="1234567890""#,
        ]
        .iter()
        .map(|s| SetOp::parse(s).unwrap())
        .collect();
        assert_eq!(
            render_str("messages", &sets, Layout::Compact).as_bytes(),
            want
        );
    }

    #[test]
    fn rendering_is_deterministic_when_seeded() {
        let a = render_str("batch", &[], Layout::Compact);
        let b = render_str("batch", &[], Layout::Compact);
        assert_eq!(a, b);
        let f = find("batch").unwrap();
        let c = render(f, &mut TokenSource::seeded(8, NOW), &[], Layout::Compact).unwrap();
        assert_ne!(a.as_bytes(), &c[..]);
    }

    #[test]
    fn tokens_have_realistic_forms() {
        let mut t = seeded();
        for _ in 0..50 {
            let w = t.wamid();
            let b64 = w.strip_prefix("wamid.").unwrap();
            assert!(b64.starts_with("HBg"), "{w}");
            let raw = base64::engine::general_purpose::STANDARD
                .decode(b64)
                .unwrap();
            assert_eq!(&raw[..2], &[0x1c, 0x18]);
            let phone = &raw[3..3 + usize::from(raw[2])];
            assert!(phone.iter().all(u8::is_ascii_digit));

            let u = t.uuid();
            let parts: Vec<&str> = u.split('-').collect();
            assert_eq!(
                parts.iter().map(|p| p.len()).collect::<Vec<_>>(),
                [8, 4, 4, 4, 12]
            );
            assert!(parts[2].starts_with('4'), "{u}");
            assert!("89ab".contains(&parts[3][..1]), "{u}");
            assert!(u
                .chars()
                .all(|c| c == '-' || c.is_ascii_hexdigit() && !c.is_ascii_uppercase()));

            let p = t.phone();
            assert!((10..=13).contains(&p.len()), "{p}");
            assert!(p.chars().all(|c| c.is_ascii_digit()) && !p.starts_with('0'));

            let m = t.media_id();
            assert_eq!(m.len(), 16);
            assert_eq!(t.sha256().len(), 44);
            let c = t.conversation_id();
            assert_eq!(c.len(), 32);
            assert!(c.chars().all(|c| c.is_ascii_hexdigit()));
        }
    }

    #[test]
    fn plain_tokens_are_fresh_and_labelled_tokens_repeat() {
        let f = tpl(
            r#"{"a":"{{wamid}}","b":"{{wamid}}","c":"{{wamid:x}}","d":"{{wamid:x}}","e":"{{wamid:y}}",
                "p":"{{phone:c}}","q":"id {{phone:c}} / {{uuid}}"}"#,
        );
        let v = render_value(&f, &mut seeded(), &[]).unwrap();
        let s = |k: &str| v[k].as_str().unwrap().to_string();
        assert_ne!(s("a"), s("b"));
        assert_eq!(s("c"), s("d"));
        assert_ne!(s("c"), s("e"));
        assert_ne!(s("a"), s("c"));
        assert!(s("q").starts_with(&format!("id {} / ", s("p"))));
    }

    #[test]
    fn timestamps_use_the_clock_and_offsets() {
        let f = tpl(r#"{"t":"{{timestamp}}","u":"{{timestamp:+86400}}","v":"{{timestamp:-60}}"}"#);
        let v = render_value(&f, &mut seeded(), &[]).unwrap();
        assert_eq!(v["t"], "1718000000");
        assert_eq!(v["u"], "1718086400");
        assert_eq!(v["v"], "1717999940");

        let v = render_value(&f, &mut TokenSource::new(), &[]).unwrap();
        let t: u64 = v["t"].as_str().unwrap().parse().unwrap();
        assert!(t > 1_700_000_000);
    }

    #[test]
    fn unknown_and_broken_tokens_are_errors_naming_them() {
        let e = render_value(&tpl(r#"{"a":"x {{wamdi}}"}"#), &mut seeded(), &[]).unwrap_err();
        assert!(e.message.contains("{{wamdi}}"), "{}", e.message);
        assert!(e.message.contains("fixture `t`"), "{}", e.message);
        let e = render_value(&tpl(r#"{"a":"{{wamid"}"#), &mut seeded(), &[]).unwrap_err();
        assert!(e.message.contains("unterminated"), "{}", e.message);
        let e =
            render_value(&tpl(r#"{"a":"{{timestamp:soon}}"}"#), &mut seeded(), &[]).unwrap_err();
        assert!(e.message.contains("{{timestamp:soon}}"), "{}", e.message);
    }

    #[test]
    fn set_values_are_json_when_valid_else_strings() {
        let p = |s: &str| SetOp::parse(s).unwrap();
        assert_eq!(p("a.b=42").value, serde_json::json!(42));
        assert_eq!(p("a=true").value, serde_json::json!(true));
        assert_eq!(p("a=null").value, Value::Null);
        assert_eq!(p(r#"a={"x":[1]}"#).value, serde_json::json!({"x":[1]}));
        assert_eq!(p(r#"a="123""#).value, serde_json::json!("123"));
        assert_eq!(p("a=Hi there").value, serde_json::json!("Hi there"));
        assert_eq!(p("a=").value, serde_json::json!(""));
        assert_eq!(p("a=x=y").value, serde_json::json!("x=y"));
        assert_eq!(p("entry.0.id=1").path, ["entry", "0", "id"]);
    }

    #[test]
    fn set_specs_that_are_malformed_are_usage_errors() {
        for bad in ["nothing", "=1", "a..b=1", ".a=1", "a.=1"] {
            let e = SetOp::parse(bad).unwrap_err();
            assert_eq!(e.exit_code(), 2, "{bad}");
            assert!(e.message.contains(bad), "{}", e.message);
            assert!(e.hint.is_some());
        }
    }

    fn set(doc: &str, spec: &str) -> Result<Value> {
        let mut v: Value = serde_json::from_str(doc).unwrap();
        apply_set(&mut v, &SetOp::parse(spec)?)?;
        Ok(v)
    }

    #[test]
    fn set_replaces_adds_and_appends() {
        let doc = r#"{"a":{"b":[{"c":1},{"c":2}]},"z":0}"#;
        assert_eq!(set(doc, "a.b.1.c=3").unwrap()["a"]["b"][1]["c"], 3);
        let v = set(doc, "a.new=x").unwrap();
        assert_eq!(v["a"]["new"], "x");
        assert_eq!(
            serialize(&v, Layout::Compact),
            br#"{"a":{"b":[{"c":1},{"c":2}],"new":"x"},"z":0}"#
        );
        assert_eq!(
            set(doc, "a.b.2={}").unwrap()["a"]["b"][2],
            serde_json::json!({})
        );
        assert_eq!(set(doc, "a.b.0=7").unwrap()["a"]["b"][0], 7);
        // Replacing keeps the key's place.
        assert_eq!(
            serialize(&set(doc, "a=1").unwrap(), Layout::Compact),
            br#"{"a":1,"z":0}"#
        );
    }

    #[test]
    fn set_on_a_missing_path_names_the_nearest_prefix() {
        let doc = r#"{"entry":[{"changes":[{"value":{"messages":[{"text":{"body":"x"}}],"metadata":{}}}]}]}"#;
        let e = set(doc, "entry.0.changes.0.value.mesages.0.text.body=Hi").unwrap_err();
        assert!(
            e.message
                .contains("no key `mesages` in `entry.0.changes.0.value`"),
            "{}",
            e.message
        );
        let hint = e.hint.unwrap();
        assert!(hint.contains("messages, metadata"), "{hint}");
        assert!(hint.contains("did you mean `messages`"), "{hint}");

        let e = set(doc, "entry.3.id=1").unwrap_err();
        assert!(
            e.message.contains("index 3 is out of range in `entry`"),
            "{}",
            e.message
        );
        assert!(e.hint.unwrap().contains("has 1 item"));

        let e = set(doc, "entry.first.id=1").unwrap_err();
        assert!(
            e.message
                .contains("`entry` is an array: `first` is not an index"),
            "{}",
            e.message
        );

        let e = set(doc, "entry.0.changes.0.value.messages.0.text.body.x=1").unwrap_err();
        assert!(
            e.message
                .contains("`entry.0.changes.0.value.messages.0.text.body` is a string"),
            "{}",
            e.message
        );

        let e = set(doc, "nope.x=1").unwrap_err();
        assert!(
            e.message.contains("no key `nope` in the top level"),
            "{}",
            e.message
        );
        assert!(e.hint.unwrap().contains("keys there: entry"));
    }

    #[test]
    fn apply_sets_keeps_bytes_without_sets_and_writes_wire_form_with_them() {
        let body = b"{ \"a\" : \"caf\xc3\xa9\" }\n";
        assert_eq!(apply_sets(body, &[]).unwrap(), body);
        let out = apply_sets(body, &[SetOp::parse("b=x/y").unwrap()]).unwrap();
        assert_eq!(out, br#"{"a":"caf\u00e9","b":"x\/y"}"#);
        let e = apply_sets(b"not json", &[SetOp::parse("a=1").unwrap()]).unwrap_err();
        assert!(e.message.contains("not JSON"));
    }

    #[test]
    fn names_and_suggestions() {
        assert!(find("messages").is_some());
        assert!(find("nope").is_none());
        assert_eq!(suggest("mesages"), Some("messages"));
        assert_eq!(suggest("status_deliverd"), Some("status_delivered"));
        assert_eq!(suggest("text"), Some("message_text"));
        assert_eq!(suggest("zzzzzzzz"), None);
        let e = unknown("mesage_txt");
        assert_eq!(e.exit_code(), 2);
        assert!(e.hint.unwrap().contains("message_text"));
        let e = unknown("zzzzzzzz");
        assert!(e.hint.unwrap().contains("status_failed"));
    }

    #[test]
    fn edit_distances() {
        assert_eq!(edit_distance("kitten", "sitting"), 3);
        assert_eq!(edit_distance("", "abc"), 3);
        assert_eq!(edit_distance("é", "e"), 1);
    }

    #[test]
    fn every_fixture_renders_in_both_layouts() {
        for f in catalogue() {
            let compact = render(f, &mut seeded(), &[], Layout::Compact).unwrap();
            assert!(compact.is_ascii(), "{}", f.name);
            assert!(!compact.windows(2).any(|w| w == b"{{"), "{}", f.name);
            let pretty = render(f, &mut seeded(), &[], Layout::Pretty).unwrap();
            let a: Value = serde_json::from_slice(&compact).unwrap();
            let b: Value = serde_json::from_slice(&pretty).unwrap();
            assert_eq!(a, b, "{}", f.name);
            // The pretty form of a fresh render has the same shape as the file.
            let tpl: Value = serde_json::from_str(f.template).unwrap();
            assert_eq!(
                String::from_utf8(serialize(&tpl, Layout::Pretty)).unwrap() + "\n",
                f.template,
                "{} is not formatted as the pretty layout",
                f.name
            );
        }
    }
}
