//! The extraction, generic over the tree: every `messages[]`, `statuses[]` and `errors[]`
//! item of every change becomes one event, in document order; anything else becomes
//! [`Fields::Other`]. Nothing is dropped.

use std::borrow::Cow;

use super::model::ErrorEvent;
use super::summary::truncate;
use super::tree::Node;
use super::view::{EventView, Fields, Ids};
use super::{ParseError, OBJECT};

/// An event and, for messages and statuses, the object it was read from (its `raw`).
pub(super) type Found<'a, N> = (EventView<'a>, Option<N>);

/// Where [`collect`] puts what it finds: every event with its node, or just the views.
pub(super) trait Collector<'a, N> {
    fn add(&mut self, found: Found<'a, N>);
    fn count(&self) -> usize;
}

impl<'a, N> Collector<'a, N> for Vec<Found<'a, N>> {
    fn add(&mut self, found: Found<'a, N>) {
        self.push(found);
    }
    fn count(&self) -> usize {
        self.len()
    }
}

impl<'a, N> Collector<'a, N> for Vec<EventView<'a>> {
    fn add(&mut self, (view, _): Found<'a, N>) {
        self.push(view);
    }
    fn count(&self) -> usize {
        self.len()
    }
}

/// Every event of a webhook, in order, into `events` (or why it is not a webhook).
pub(super) fn collect<'a, N: Node<'a>, S: Collector<'a, N> + Default>(
    root: N,
) -> Result<S, ParseError> {
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

/// The account-level fields given a one-line summary each ([`Fields::Account`]), as Meta's
/// webhook reference shapes them.
pub(super) const ACCOUNT_FIELDS: &[&str] = &[
    "account_update",
    "message_template_status_update",
    "template_category_update",
    "message_template_quality_update",
    "message_template_components_update",
    "phone_number_quality_update",
    "user_preferences",
    "smb_message_echoes",
];

fn extract_change<'a, N: Node<'a>>(change: N, events: &mut impl Collector<'a, N>) {
    let field = str_of(change, "field").unwrap_or_default();
    let value = change.get("value");
    let Some(entries) = value.and_then(N::entries) else {
        events.add(other(field, "change without a value object".to_string()));
        return;
    };
    let contacts = value.map(contacts_of).unwrap_or_default();
    if let Some(value) = value.filter(|_| ACCOUNT_FIELDS.contains(&&*field)) {
        account_events(field, value, &contacts, events);
        return;
    }
    let before = events.count();
    let mut unknown: Vec<(&str, N)> = Vec::new();
    let mut keys: Vec<&str> = Vec::new();
    for (key, items) in entries {
        keys.push(key);
        match (key, items.items()) {
            ("messages", Some(items)) => items.for_each(|m| events.add(message(m, &contacts))),
            ("statuses", Some(items)) => items.for_each(|s| events.add(status(s, &contacts))),
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
    if nothing_known {
        // A field we do not model (or one that carried nothing): its name and its keys.
        let summary = if keys.is_empty() {
            "keys: none".to_string()
        } else {
            format!("keys: {}", keys.join(", "))
        };
        events.add(other(field, summary));
    } else if unknown_data {
        let summary = unknown
            .iter()
            .map(|(k, v)| format!("{k}={}", short_json(*v)))
            .collect::<Vec<_>>()
            .join(" ");
        events.add(other(field, summary));
    }
}

/// One entry of `value.contacts`: who a message is from or a status is for.
#[derive(Default)]
pub(super) struct Contact<'a> {
    wa_id: Option<Cow<'a, str>>,
    user_id: Option<Cow<'a, str>>,
    parent_user_id: Option<Cow<'a, str>>,
    username: Option<Cow<'a, str>>,
    name: Option<Cow<'a, str>>,
}

/// Every object in `value.contacts`.
fn contacts_of<'a, N: Node<'a>>(value: N) -> Vec<Contact<'a>> {
    let Some(contacts) = value.get("contacts").and_then(N::items) else {
        return Vec::new();
    };
    contacts
        .filter(|c| c.is_object())
        .map(|c| {
            let profile = c.get("profile");
            Contact {
                wa_id: text_of(Some(c), "wa_id"),
                user_id: text_of(Some(c), "user_id"),
                parent_user_id: text_of(Some(c), "parent_user_id"),
                username: text_of(profile, "username"),
                name: profile.and_then(|p| str_of(p, "name")),
            }
        })
        .collect()
}

/// The contact for a phone number (by `wa_id`), else for a BSUID (by `user_id`), else the
/// only contact there is.
fn contact_for<'c, 'a>(
    contacts: &'c [Contact<'a>],
    phone: &str,
    user_id: Option<&str>,
) -> Option<&'c Contact<'a>> {
    let by_phone = || {
        contacts
            .iter()
            .find(|c| !phone.is_empty() && c.wa_id.as_deref() == Some(phone))
    };
    let by_user = || {
        let u = user_id.filter(|u| !u.is_empty())?;
        contacts.iter().find(|c| c.user_id.as_deref() == Some(u))
    };
    by_phone().or_else(by_user).or(match contacts {
        [only] => Some(only),
        _ => None,
    })
}

/// The ids of a person: the event's own first, then its contact's.
fn ids_of<'a>(
    own_user_id: Option<Cow<'a, str>>,
    own_parent: Option<Cow<'a, str>>,
    contact: Option<&Contact<'a>>,
) -> Ids<'a> {
    Ids {
        user_id: own_user_id.or_else(|| contact.and_then(|c| c.user_id.clone())),
        username: contact.and_then(|c| c.username.clone()),
        parent_user_id: own_parent.or_else(|| contact.and_then(|c| c.parent_user_id.clone())),
    }
}

fn message<'a, N: Node<'a>>(m: N, contacts: &[Contact<'a>]) -> Found<'a, N> {
    if !m.is_object() {
        let summary = format!("message is {}, not an object", m.type_name());
        return other("messages", summary);
    }
    let from = str_of(m, "from").unwrap_or_default();
    let kind = str_of(m, "type").unwrap_or(Cow::Borrowed("unknown"));
    // A system message has no contacts: `user_changed_user_id` names the user by its new
    // BSUID (`system.user_id`) and carries no phone number.
    let own_user_id =
        text_of(Some(m), "from_user_id").or_else(|| text_of(m.get("system"), "user_id"));
    let contact = contact_for(contacts, &from, own_user_id.as_deref());
    let view = Fields::Message {
        id: str_of(m, "id").unwrap_or_default(),
        content: message_content(&kind, m),
        profile_name: contact.and_then(|c| c.name.clone()),
        ids: ids_of(
            own_user_id,
            text_of(Some(m), "from_parent_user_id"),
            contact,
        ),
        from,
        timestamp: str_of(m, "timestamp"),
        kind,
        context_id: context_of(m),
    };
    (EventView(view), Some(m))
}

/// The events of an account-level change: one, or one per `user_preferences` item or
/// `smb_message_echoes` echo.
fn account_events<'a, N: Node<'a>>(
    field: Cow<'a, str>,
    value: N,
    contacts: &[Contact<'a>],
    events: &mut impl Collector<'a, N>,
) {
    let add = |events: &mut dyn FnMut(Found<'a, N>), summary: String, of: N| {
        let mut fields = Vec::new();
        flatten(of, String::new(), 0, &mut fields);
        events((
            EventView(Fields::Account {
                field: field.clone(),
                summary: Cow::Owned(summary),
                fields,
            }),
            None,
        ));
    };
    let mut sink = |f: Found<'a, N>| events.add(f);
    let items_of = |key: &str| value.get(key).and_then(N::items);
    match &*field {
        "user_preferences" if items_of("user_preferences").is_some() => {
            for item in items_of("user_preferences").into_iter().flatten() {
                add(&mut sink, preference_summary(item, contacts), item);
            }
        }
        "smb_message_echoes" if items_of("message_echoes").is_some() => {
            for item in items_of("message_echoes").into_iter().flatten() {
                add(&mut sink, echo_summary(item), item);
            }
        }
        _ => add(&mut sink, account_summary(&field, value), value),
    }
}

/// Most facts kept from one account change.
const MAX_FACTS: usize = 32;

/// The scalar facts of an account change as text, nested keys dotted (`ban_info.waba_ban_state`,
/// `restriction_info.0.restriction_type`), at most [`MAX_FACTS`].
fn flatten<'a, N: Node<'a>>(
    v: N,
    prefix: String,
    depth: usize,
    out: &mut Vec<(Cow<'a, str>, Cow<'a, str>)>,
) {
    for (k, child) in keyed(v) {
        if out.len() >= MAX_FACTS {
            return;
        }
        let key: Cow<'a, str> = if prefix.is_empty() {
            k
        } else {
            Cow::Owned(format!("{prefix}.{k}"))
        };
        if let Some(text) = scalar_text(child) {
            out.push((key, text));
        } else if depth < 3 {
            flatten(child, key.into_owned(), depth + 1, out);
        }
    }
}

/// The entries of an object, or of an array keyed by index (`restriction_info.0`).
fn keyed<'a, N: Node<'a>>(v: N) -> Vec<(Cow<'a, str>, N)> {
    match (v.entries(), v.items()) {
        (Some(entries), _) => entries.map(|(k, v)| (Cow::Borrowed(k), v)).collect(),
        (None, Some(items)) => items
            .enumerate()
            .map(|(i, v)| (Cow::Owned(i.to_string()), v))
            .collect(),
        _ => Vec::new(),
    }
}

/// One line for an account change, e.g. `template APPROVED  order_update (en_US)`,
/// `quality  GREEN → YELLOW  order_update (en_US)`, `account ACCOUNT_VIOLATION  SCAM`.
fn account_summary<'a, N: Node<'a>>(field: &str, v: N) -> String {
    let s = |k: &str| text_of(Some(v), k);
    let or_q = |k: &str| s(k).unwrap_or(Cow::Borrowed("?"));
    let template = match (s("message_template_name"), s("message_template_language")) {
        (Some(n), Some(l)) => format!("{n} ({l})"),
        (Some(n), None) => n.into_owned(),
        (None, _) => match s("message_template_id") {
            Some(id) => format!("template {id}"),
            None => String::new(),
        },
    };
    let mut parts: Vec<String> = match field {
        "message_template_status_update" => {
            let mut head = format!("template {}", or_q("event"));
            if let Some(r) = s("reason").filter(|r| r != "NONE") {
                head.push_str(&format!(" ({r})"));
            }
            vec![head, template]
        }
        "message_template_quality_update" => vec![
            "quality".into(),
            format!(
                "{} → {}",
                or_q("previous_quality_score"),
                or_q("new_quality_score")
            ),
            template,
        ],
        "template_category_update" => {
            let change = match (s("previous_category"), s("correct_category")) {
                (Some(p), _) => format!("{p} → {}", or_q("new_category")),
                (None, Some(c)) => format!("{} → {c} (impending)", or_q("new_category")),
                (None, None) => or_q("new_category").into_owned(),
            };
            vec!["category".into(), change, template]
        }
        "message_template_components_update" => {
            vec!["template components updated".into(), template]
        }
        "phone_number_quality_update" => {
            let limit = match (s("old_limit"), s("current_limit")) {
                (Some(o), Some(c)) => format!("limit {o} → {c}"),
                (None, Some(c)) => format!("limit {c}"),
                _ => s("max_daily_conversations_per_business")
                    .map(|m| format!("max daily {m}"))
                    .unwrap_or_default(),
            };
            vec![
                format!("phone quality {}", or_q("event")),
                s("display_phone_number")
                    .map(Cow::into_owned)
                    .unwrap_or_default(),
                limit,
            ]
        }
        _ => {
            let deep = |a: &str, b: &str| text_of(v.get(a), b);
            let restrictions: Vec<Cow<'_, str>> = v
                .get("restriction_info")
                .and_then(N::items)
                .map(|rs| {
                    rs.filter_map(|r| text_of(Some(r), "restriction_type"))
                        .collect()
                })
                .unwrap_or_default();
            let detail = match (
                deep("violation_info", "violation_type"),
                deep("ban_info", "waba_ban_state"),
            ) {
                (Some(v), _) => v.into_owned(),
                (None, Some(b)) => format!("ban {b}"),
                (None, None) => restrictions.join(", "),
            };
            let head = match s("event") {
                Some(e) => format!("account {e}"),
                None => "account".to_string(),
            };
            vec![head, detail]
        }
    };
    parts.retain(|p| !p.is_empty());
    parts.join("  ")
}

/// `marketing opt-out  US.1349…` / `marketing opt-in  16505551234` for one
/// `user_preferences` item.
fn preference_summary<'a, N: Node<'a>>(item: N, contacts: &[Contact<'a>]) -> String {
    let s = |k: &str| text_of(Some(item), k);
    let phone = s("wa_id").unwrap_or_default();
    let user_id = s("user_id");
    let contact = contact_for(contacts, &phone, user_id.as_deref());
    let ids = ids_of(user_id, s("parent_user_id"), contact);
    let who = match (&*phone, ids.username.is_some(), ids.user_id.as_deref()) {
        ("", false, Some(id)) => short_bsuid(id),
        _ => ids.who(&phone).into_owned(),
    };
    let what = match (s("category").as_deref(), s("value").as_deref()) {
        (Some("marketing_messages"), Some("stop")) => "marketing opt-out".to_string(),
        (Some("marketing_messages"), Some("resume")) => "marketing opt-in".to_string(),
        (c, v) => format!("{} {}", c.unwrap_or("preference"), v.unwrap_or("?")),
    };
    format!("{what}  {who}")
}

/// `echo text → 16505551234: See you tomorrow` for one `smb_message_echoes` echo: a message
/// the business sent from the WhatsApp Business app.
fn echo_summary<'a, N: Node<'a>>(item: N) -> String {
    let kind = text_of(Some(item), "type").unwrap_or(Cow::Borrowed("?"));
    let to = text_of(Some(item), "to").unwrap_or(Cow::Borrowed("unknown"));
    let content = message_content(&kind, item);
    if content.is_empty() {
        format!("echo {kind} → {to}")
    } else {
        format!("echo {kind} → {to}: {content}")
    }
}

/// A BSUID cut for a one-line summary: `US.13491208655302741918` → `US.1349…`.
fn short_bsuid(id: &str) -> String {
    let keep = id.find('.').map_or(4, |dot| dot + 5);
    if id.chars().count() <= keep + 2 {
        return id.to_string();
    }
    let mut out: String = id.chars().take(keep).collect();
    out.push('…');
    out
}

/// `context.id`: the message a message replies or reacts to.
pub(super) fn context_of<'a, N: Node<'a>>(m: N) -> Option<Cow<'a, str>> {
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

fn status<'a, N: Node<'a>>(s: N, contacts: &[Contact<'a>]) -> Found<'a, N> {
    if !s.is_object() {
        let summary = format!("status is {}, not an object", s.type_name());
        return other("statuses", summary);
    }
    let recipient_id = str_of(s, "recipient_id").unwrap_or_default();
    let own_user_id = text_of(Some(s), "recipient_user_id");
    let own_parent = text_of(Some(s), "parent_recipient_user_id")
        .or_else(|| text_of(Some(s), "recipient_parent_user_id"));
    let contact = contact_for(contacts, &recipient_id, own_user_id.as_deref());
    let view = Fields::Status {
        ids: ids_of(own_user_id, own_parent, contact),
        id: str_of(s, "id").unwrap_or_default(),
        status: str_of(s, "status").unwrap_or(Cow::Borrowed("unknown")),
        recipient_id,
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
