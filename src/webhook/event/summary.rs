//! One plain-text line per event ([`EventView::summary`], [`Event::summary`]) and an error's
//! description: control characters become spaces, long content is cut with `…`.

use std::borrow::Cow;

use super::model::ErrorEvent;
use super::view::{EventView, Fields};

impl EventView<'_> {
    /// See [`Event::summary`].
    pub fn summary(&self) -> String {
        let line = match &self.0 {
            Fields::Message {
                id,
                from,
                profile_name,
                kind,
                content,
                ids,
                ..
            } => {
                let mut out = format!("message {kind} {id} from {}", ids.who(from));
                if let Some(n) = profile_name.as_ref().filter(|n| !n.trim().is_empty()) {
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
                ids,
                ..
            } => {
                let mut out = format!("status {status} {id} → {}", ids.who(recipient_id));
                if !errors.is_empty() {
                    let errs: Vec<String> = errors.iter().map(ErrorEvent::describe).collect();
                    out.push_str(": ");
                    out.push_str(&truncate(&errs.join("; "), CONTENT_MAX));
                }
                out
            }
            Fields::Error(e) => format!("error {}", truncate(&e.describe(), CONTENT_MAX)),
            Fields::Account { summary, .. } => truncate(summary, CONTENT_MAX).into_owned(),
            Fields::Other { field, summary } if field.is_empty() => {
                format!("other: {}", truncate(summary, CONTENT_MAX))
            }
            Fields::Other { field, summary } => {
                format!("field {field}  {}", truncate(summary, CONTENT_MAX))
            }
        };
        one_line(line)
    }
}

impl ErrorEvent {
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

/// Longest content shown in a summary, in chars.
const CONTENT_MAX: usize = 160;

pub(super) fn truncate(s: &str, max: usize) -> Cow<'_, str> {
    if s.len() <= max || s.chars().count() <= max {
        return Cow::Borrowed(s);
    }
    let mut out: String = s.chars().take(max - 1).collect();
    out.push('…');
    Cow::Owned(out)
}

pub(super) fn one_line(s: String) -> String {
    if !s.chars().any(char::is_control) {
        return s;
    }
    s.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}
