//! What `listen` shows: one compact line per event, notes under it, the NDJSON record, the
//! readiness block and the summary. Pure functions returning Strings; colors come from
//! `colored` (the policy is applied once at start-up, so these work unchanged in tests).
//!
//! Everything that came from the network is cleaned before display: control characters
//! (terminal escapes, newlines, bidi overrides) are replaced and long text is cut.

use std::fmt::Write as _;
use std::time::Duration;

use colored::Colorize;
use serde_json::Value;

use crate::json::write::{write_str, write_u64};
use crate::webhook::event::{self, ErrorEvent, EventView, Fields};
use crate::webhook::handshake::Handshake;
use crate::webhook::signature::Verdict;

/// Longest content shown on an event line, in characters.
pub const MAX_CONTENT: usize = 120;

/// The signature column of a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sig {
    Valid,
    Invalid,
    Missing,
    /// No secret configured (or the body was never read).
    Unchecked,
}

impl Sig {
    pub fn from_verdict(verdict: Option<&Verdict>) -> Sig {
        match verdict {
            None => Sig::Unchecked,
            Some(v) if v.is_valid() => Sig::Valid,
            Some(Verdict::Missing) => Sig::Missing,
            Some(_) => Sig::Invalid,
        }
    }

    /// `valid` | `invalid` | `missing` | `unchecked`: the NDJSON `signature` value.
    pub fn label(self) -> &'static str {
        match self {
            Sig::Valid => "valid",
            Sig::Invalid => "invalid",
            Sig::Missing => "missing",
            Sig::Unchecked => "unchecked",
        }
    }

    fn column(self) -> String {
        let text = format!("{:<9}", self.label());
        match self {
            Sig::Valid => text.green().to_string(),
            Sig::Invalid | Sig::Missing => text.red().bold().to_string(),
            Sig::Unchecked => text.yellow().to_string(),
        }
    }
}

/// What every line of one request shares.
#[derive(Debug, Clone, Copy)]
pub struct Ctx<'a> {
    /// `HH:MM:SS.mmm` (UTC).
    pub time: &'a str,
    pub id: u64,
    pub sig: Sig,
    /// The status answered to the sender.
    pub status: u16,
}

impl Ctx<'_> {
    fn prefix(&self) -> String {
        format!(
            "{} {} {}",
            self.time.dimmed(),
            format!("#{:<4}", self.id).dimmed(),
            self.sig.column()
        )
    }

    /// ` → 401` for anything but 200 (red unless 2xx).
    fn answer(&self) -> String {
        answer(self.status)
    }
}

fn answer(status: u16) -> String {
    if status == 200 {
        String::new()
    } else if (200..300).contains(&status) {
        format!(" → {status}")
    } else {
        format!(" → {status}").red().to_string()
    }
}

/// `HH:MM:SS.mmm` from an RFC 3339 timestamp such as `2024-05-01T12:00:01.234Z`.
pub fn clock(received_at: &str) -> &str {
    received_at.get(11..23).unwrap_or(received_at)
}

/// Replace control characters (including ESC, newlines and bidi overrides) so text from the
/// network cannot move the cursor, recolor or reorder the terminal; cut at `max` chars.
pub fn clean(text: &str, max: usize) -> String {
    let mut out = String::with_capacity(text.len().min(max.saturating_mul(4)));
    for (n, c) in text.chars().enumerate() {
        if n == max {
            out.push('…');
            break;
        }
        match c {
            '\n' | '\r' => out.push('⏎'),
            '\t' => out.push(' '),
            c if c.is_control() => out.push('\u{fffd}'),
            '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' => {
                out.push('\u{fffd}')
            }
            c => out.push(c),
        }
    }
    out
}

/// Long ids cut in the middle: `wamid.HBgL…RTcA`.
pub fn short_id(id: &str) -> String {
    let chars: Vec<char> = id.chars().collect();
    if chars.len() <= 20 {
        return clean(id, 20);
    }
    let head: String = chars[..10].iter().collect();
    let tail: String = chars[chars.len() - 6..].iter().collect();
    clean(&format!("{head}…{tail}"), 20)
}

fn kind_column(kind: &str, detail: &str) -> String {
    let text = format!("{:<22}", clean(&format!("{kind} {detail}"), 22));
    match kind {
        "message" => text.cyan().to_string(),
        "status" => text.blue().to_string(),
        "error" => text.red().to_string(),
        _ => text.magenta().to_string(),
    }
}

fn error_text(e: &ErrorEvent) -> String {
    let mut s = String::new();
    if let Some(code) = e.code {
        let _ = write!(s, "{code} ");
    }
    s.push_str(&clean(&e.title, 80));
    let detail = e.details.as_deref().or(e.message.as_deref());
    if let Some(d) = detail.filter(|d| !d.is_empty() && *d != e.title) {
        let _ = write!(s, ": {}", clean(d, MAX_CONTENT));
    }
    s
}

fn duplicate(duplicate_of: Option<u64>) -> String {
    match duplicate_of {
        Some(n) => format!("  {}", format!("duplicate of #{n}").yellow().bold()),
        None => String::new(),
    }
}

/// One line for one event: time, request id, signature, kind and type, who, content,
/// the answer when not 200, and a duplicate mark.
pub fn event_line(ctx: &Ctx<'_>, event: &EventView<'_>, duplicate_of: Option<u64>) -> String {
    format!(
        "{} {}{}{}",
        ctx.prefix(),
        event_body(event),
        ctx.answer(),
        duplicate(duplicate_of)
    )
}

/// What [`event_line`] says of the event itself (kind and type, who, content), without the
/// time, number and verdict columns, colours or the kind column's padding: the inspector's
/// summary of a request.
pub fn event_text(event: &EventView<'_>) -> String {
    let coloured = event_body(event);
    // Drop SGR sequences (`ESC [ ... m`): the text is the same with colours off.
    let mut plain = String::with_capacity(coloured.len());
    let mut chars = coloured.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' && chars.peek() == Some(&'[') {
            for c in chars.by_ref() {
                if c.is_ascii_alphabetic() {
                    break;
                }
            }
        } else {
            plain.push(c);
        }
    }
    // The kind column is padded to 22 characters for the terminal's columns.
    let (kind, rest) = plain.split_at(plain.char_indices().nth(22).map_or(plain.len(), |(i, _)| i));
    let kind = kind.trim_end();
    let rest = rest.trim_start();
    if rest.is_empty() {
        kind.to_string()
    } else {
        format!("{kind}  {rest}")
    }
}

fn event_body(event: &EventView<'_>) -> String {
    match event.fields() {
        Fields::Message {
            from,
            profile_name,
            kind,
            content,
            ..
        } => {
            let who = match profile_name {
                Some(name) if !name.is_empty() => {
                    format!("{} ({})", clean(from, 32), clean(name, 40))
                }
                _ => clean(from, 32),
            };
            let content = clean(content, MAX_CONTENT);
            let sep = if content.is_empty() { "" } else { "  " };
            format!(
                "{} {}{sep}{}",
                kind_column("message", kind),
                who.bold(),
                content
            )
        }
        Fields::Status {
            id,
            status,
            recipient_id,
            errors,
            ..
        } => {
            let failed = status == "failed" || !errors.is_empty();
            let mut rest = format!(
                "{} → {}  to {}",
                short_id(id),
                clean(status, 24),
                clean(recipient_id, 32)
            );
            for e in errors.iter() {
                let _ = write!(rest, "  {}", error_text(e));
            }
            let rest = if failed { rest.red().to_string() } else { rest };
            format!("{} {rest}", kind_column("status", status))
        }
        Fields::Error(e) => format!("{} {}", kind_column("error", ""), error_text(e).red()),
        Fields::Other { field, summary } => format!(
            "{} {}",
            kind_column("other", field),
            clean(summary, MAX_CONTENT)
        ),
    }
}

/// A delivery that parsed but carries no event, or is not a WhatsApp payload.
pub fn note_line(ctx: &Ctx<'_>, note: &str) -> String {
    format!(
        "{} {} {}{}",
        ctx.prefix(),
        kind_column("delivery", ""),
        clean(note, MAX_CONTENT).dimmed(),
        ctx.answer()
    )
}

/// A body that is not JSON.
pub fn malformed_line(ctx: &Ctx<'_>, error: &str, len: usize) -> String {
    format!(
        "{} {} {}{}",
        ctx.prefix(),
        kind_column("malformed", "JSON").red(),
        clean(&format!("{len} bytes: {error}"), MAX_CONTENT).red(),
        ctx.answer()
    )
}

/// The signature engine's reason and hint, indented under the event lines.
pub fn verdict_note(verdict: &Verdict) -> String {
    let mut s = if verdict.is_valid() {
        format!(
            "      {} {}",
            "!".yellow().bold(),
            verdict.reason().yellow()
        )
    } else {
        format!("      {} {}", "✗".red().bold(), verdict.reason().red())
    };
    if let Some(h) = verdict.hint() {
        let _ = write!(s, "\n        hint: {h}");
    }
    s
}

/// The answer to a GET handshake.
pub fn handshake_line(time: &str, id: u64, outcome: &Handshake) -> String {
    let status = outcome.status();
    // The description quotes hub.mode or hub.challenge from the query: clean it.
    let described = clean(&outcome.describe(), 200);
    let (mark, text) = match outcome {
        Handshake::Accepted { .. } => ("ok".green().to_string(), described),
        _ => (
            "refused".red().bold().to_string(),
            described.red().to_string(),
        ),
    };
    let mut s = format!(
        "{} {} {} {} {text} → {status}",
        time.dimmed(),
        format!("#{id:<4}").dimmed(),
        format!("{:<9}", "handshake").cyan(),
        mark
    );
    if let Some(h) = outcome.hint() {
        let _ = write!(s, "\n        hint: {h}");
    }
    s
}

/// A request answered without looking at events: wrong path (404), method (405), body too
/// large (413), body cut short.
pub fn refused_line(
    time: &str,
    id: u64,
    method: &str,
    path: &str,
    status: u16,
    reason: &str,
    hint: Option<&str>,
) -> String {
    let mut s = format!(
        "{} {} {} {} {}{}",
        time.dimmed(),
        format!("#{id:<4}").dimmed(),
        format!("{:<9}", "refused").red().bold(),
        clean(&format!("{method} {path}"), 60).bold(),
        clean(reason, 200).red(),
        answer(status)
    );
    if let Some(h) = hint {
        let _ = write!(s, "\n        hint: {h}");
    }
    s
}

/// The outcome of forwarding to the local app: its status and latency, or why it failed.
/// `sig` is listen's own verdict, printed next to the app's status.
pub fn forward_line(url: &str, outcome: Result<(u16, Duration), &str>, sig: Sig) -> String {
    match outcome {
        Ok((status, latency)) => {
            let code = if (200..300).contains(&status) {
                status.to_string().green().to_string()
            } else {
                status.to_string().red().to_string()
            };
            format!(
                "      ↳ {} {code} in {} (listen: {})",
                clean(url, 100).dimmed(),
                format_latency(latency),
                sig.label()
            )
        }
        Err(why) => format!(
            "      ↳ {} {} → 502",
            clean(url, 100).dimmed(),
            format!("forward failed: {}", clean(why, 200)).red()
        ),
    }
}

/// When the app's answer contradicts listen's verdict: an app accepting (2xx) an event whose
/// signature is invalid or missing, or rejecting (4xx) one listen found valid (with the app's
/// response body). `None` when they agree, or when listen has no secret.
pub fn disagreement_line(sig: Sig, app_status: u16, app_body: &[u8]) -> Option<String> {
    let text = match sig {
        Sig::Invalid | Sig::Missing if (200..300).contains(&app_status) => format!(
            "your app accepted a forged event: listen found its signature {} but the app answered {app_status}; it must verify X-Hub-Signature-256 and answer 401",
            sig.label()
        ),
        Sig::Valid if (400..500).contains(&app_status) => {
            let body = String::from_utf8_lossy(app_body);
            let body = body.trim();
            let said = if body.is_empty() {
                "no body".to_string()
            } else {
                format!("\"{}\"", clean(body, 200))
            };
            format!(
                "your app rejected an event listen found valid: it answered {app_status} ({said}); it most likely verifies a re-serialized body (verify the raw bytes) or uses another secret"
            )
        }
        _ => return None,
    };
    Some(format!("      {} {}", "✗".red().bold(), text.red()))
}

/// `850 µs`, `12.3 ms`, `1.20 s`.
pub fn format_latency(d: Duration) -> String {
    let us = d.as_micros();
    if us < 1000 {
        format!("{us} µs")
    } else if us < 1_000_000 {
        format!("{:.1} ms", us as f64 / 1000.0)
    } else {
        format!("{:.2} s", d.as_secs_f64())
    }
}

/// Request headers (`-v`), one indented line each.
pub fn headers_block(headers: &[(String, String)]) -> String {
    headers
        .iter()
        .map(|(n, v)| {
            format!(
                "        {} {}",
                format!("{}:", clean(n, 80)).dimmed(),
                clean(v, 400)
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The full body (`--raw`): pretty JSON when it parses, the text otherwise; indented.
pub fn raw_block(body: &[u8]) -> String {
    let text = match serde_json::from_slice::<Value>(body) {
        Ok(v) => serde_json::to_string_pretty(&v).unwrap_or_default(),
        Err(_) => String::from_utf8_lossy(body).into_owned(),
    };
    text.lines()
        .map(|l| format!("        {}", clean(l, usize::MAX)))
        .collect::<Vec<_>>()
        .join("\n")
}

/// One `listen --json` object (one line, no newline).
#[derive(Debug, Clone)]
pub struct RequestRecord<'a> {
    pub id: u64,
    pub received_at: &'a str,
    pub method: &'a str,
    pub path: &'a str,
    pub sig: Sig,
    pub events: &'a [EventView<'a>],
    pub duplicate_of: Option<u64>,
    pub status: u16,
    /// The signature engine's verdict (none when unchecked): its `reason`, `hint` and
    /// `diagnosis` id close the record, the same text as verify's `--json`.
    pub verdict: Option<&'a Verdict>,
}

/// `{"id":N,"received_at":..,"method":..,"path":..,"signature":..,"events":[..],
/// "duplicate_of":N|null,"status":CODE,"reason":..|null,"hint":..|null,
/// "diagnosis":..|null}` in exactly that order.
pub fn ndjson(r: &RequestRecord<'_>) -> String {
    let mut out = Vec::with_capacity(256);
    write_ndjson(&mut out, r);
    // Only JSON text (valid UTF-8 in, escapes and ASCII added) was written.
    String::from_utf8(out).unwrap_or_default()
}

/// Append [`ndjson`]'s line to `out`, byte for byte what serde_json writes for the same
/// fields (one is written per request, so without serde's per-value dispatch).
pub fn write_ndjson(out: &mut Vec<u8>, r: &RequestRecord<'_>) {
    out.extend_from_slice(b"{\"id\":");
    write_u64(out, r.id);
    out.extend_from_slice(b",\"received_at\":");
    write_str(out, r.received_at);
    out.extend_from_slice(b",\"method\":");
    write_str(out, r.method);
    out.extend_from_slice(b",\"path\":");
    write_str(out, r.path);
    out.extend_from_slice(b",\"signature\":");
    write_str(out, r.sig.label());
    out.extend_from_slice(b",\"events\":[");
    event::write_json_list(out, r.events);
    out.extend_from_slice(b"],\"duplicate_of\":");
    match r.duplicate_of {
        Some(n) => write_u64(out, n),
        None => out.extend_from_slice(b"null"),
    }
    out.extend_from_slice(b",\"status\":");
    write_u64(out, u64::from(r.status));
    let text = |out: &mut Vec<u8>, key: &[u8], value: Option<&str>| {
        out.extend_from_slice(key);
        match value {
            Some(v) => write_str(out, v),
            None => out.extend_from_slice(b"null"),
        }
    };
    text(
        out,
        b",\"reason\":",
        r.verdict.map(|v| v.reason()).as_deref(),
    );
    text(
        out,
        b",\"hint\":",
        r.verdict.and_then(|v| v.hint()).as_deref(),
    );
    text(
        out,
        b",\"diagnosis\":",
        r.verdict.and_then(Verdict::diagnosis_id),
    );
    out.push(b'}');
}

/// What the readiness block says.
#[derive(Debug, Clone, Default)]
pub struct Ready<'a> {
    /// `http://HOST:PORT/PATH` as bound.
    pub url: &'a str,
    /// Where the secret comes from (a flag or variable name, never the value).
    pub secret_source: Option<String>,
    /// Without a secret: why, when a source was named but gave nothing (e.g. `MY_APP_SECRET,
    /// named by cmzon-hook.toml, is not set`).
    pub no_secret: Option<String>,
    pub accept_invalid: bool,
    pub verify_token: bool,
    pub save: Option<String>,
    pub forward_to: Option<&'a str>,
    pub status: Option<u16>,
    pub delay_ms: u64,
    /// A `cmzon-hook send` command line to paste.
    pub send_command: String,
    /// Bound to every interface: others on the network can reach it.
    pub exposed: bool,
}

/// The readiness block for stderr. Line 1 is always `Ready: listening on URL` (scripts and
/// tests wait for it); with `brief` only that line.
pub fn ready(r: &Ready<'_>, brief: bool) -> String {
    let mut s = format!("Ready: listening on {}", r.url);
    if brief {
        return s;
    }
    let sig = match &r.secret_source {
        Some(src) if r.forward_to.is_some() => format!(
            "verified with the secret from {src}; the app answers, and where it disagrees that is flagged"
        ),
        Some(src) if r.accept_invalid => format!(
            "verified with the secret from {src}; invalid or unsigned still answered 200 (--accept-invalid)"
        ),
        Some(src) => format!(
            "verified with the secret from {src}; invalid or unsigned answered 401"
        ),
        None => match &r.no_secret {
            Some(why) => format!("unchecked (no secret: {why})"),
            None => "unchecked (no secret: pass --secret-file PATH or set CMZON_WEBHOOK_SECRET)"
                .to_string(),
        },
    };
    let _ = write!(s, "\n  signatures: {sig}");
    let hs = if r.verify_token {
        "GET handshake answered when hub.verify_token matches --verify-token"
    } else {
        "off (pass --verify-token TOKEN to answer the dashboard's Verify Webhook)"
    };
    let _ = write!(s, "\n  handshake:  {hs}");
    if let Some(p) = &r.save {
        let _ = write!(s, "\n  saving:     every POST to {p}");
    }
    if let Some(u) = r.forward_to {
        let _ = write!(
            s,
            "\n  forwarding: every POST (invalid ones too) to {u}; the app's answer is relayed"
        );
    }
    if let Some(code) = r.status {
        let _ = write!(s, "\n  answering:  every POST with {code} (--status)");
    }
    if r.delay_ms > 0 {
        let _ = write!(s, "\n  delay:      {} ms before each answer", r.delay_ms);
    }
    if r.exposed {
        let _ = write!(
            s,
            "\n  {} listening on all interfaces: anyone who can reach this machine can post to it",
            "warning:".yellow()
        );
    }
    let _ = write!(s, "\n  try:        {}", r.send_command);
    let _ = write!(s, "\n  Ctrl-C stops and prints a summary.");
    s
}

/// Counters for the closing summary.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ListenSummary {
    pub requests: u64,
    pub messages: u64,
    pub statuses: u64,
    pub errors: u64,
    pub others: u64,
    /// Invalid or missing signatures.
    pub invalid: u64,
    /// Events already seen earlier in this run.
    pub duplicates: u64,
    /// 413 and bodies cut short.
    pub rejected: u64,
    pub malformed: u64,
    pub forward_failures: u64,
    /// Forwarded events the app answered against listen's verdict.
    pub disagreements: u64,
    /// Requests appended to the capture file, and its name.
    pub saved: Option<(u64, String)>,
    /// Requests still in flight when the grace period ran out.
    pub abandoned: u64,
}

fn plural(n: u64, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// `Summary: 5 requests, 7 events (4 message, 2 status, 1 error), 1 invalid, 1 duplicate`.
pub fn summary(s: &ListenSummary) -> String {
    let events = s.messages + s.statuses + s.errors + s.others;
    let mut kinds = Vec::new();
    for (n, k) in [
        (s.messages, "message"),
        (s.statuses, "status"),
        (s.errors, "error"),
        (s.others, "other"),
    ] {
        if n > 0 {
            kinds.push(format!("{n} {k}"));
        }
    }
    let mut out = format!(
        "Summary: {}, {}",
        plural(s.requests, "request", "requests"),
        plural(events, "event", "events")
    );
    if !kinds.is_empty() {
        let _ = write!(out, " ({})", kinds.join(", "));
    }
    let _ = write!(
        out,
        ", {} invalid, {}",
        s.invalid,
        plural(s.duplicates, "duplicate", "duplicates")
    );
    for (n, what) in [
        (s.rejected, "rejected"),
        (s.malformed, "malformed"),
        (s.forward_failures, "forward failed"),
        (
            s.disagreements,
            "answered by the app against listen's verdict",
        ),
    ] {
        if n > 0 {
            let _ = write!(out, ", {n} {what}");
        }
    }
    if let Some((n, path)) = &s.saved {
        let _ = write!(
            out,
            "\n  saved {} to {path}",
            plural(*n, "request", "requests")
        );
    }
    if s.abandoned > 0 {
        let _ = write!(
            out,
            "\n  {} still in flight when the grace period ended",
            plural(s.abandoned, "request was", "requests were")
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::webhook::event::{Document, Event, Message, Status};
    use crate::webhook::signature::Scheme;

    fn plain() {
        colored::control::set_override(false);
    }

    fn ctx(sig: Sig, status: u16) -> Ctx<'static> {
        Ctx {
            time: "12:00:01.234",
            id: 7,
            sig,
            status,
        }
    }

    fn message(kind: &str, content: &str) -> Event {
        Event::Message(Message {
            id: "wamid.HBgLMTY1MDUwNzY1MjAVAgARGBI5QTNDQTVCM0Q0Q0Q2RTY3RTcA".into(),
            from: "16505076520".into(),
            profile_name: Some("Kerry Fisher".into()),
            timestamp: Some("1700000000".into()),
            kind: kind.into(),
            content: content.into(),
            raw: Value::Null,
        })
    }

    fn status(status: &str, errors: Vec<ErrorEvent>) -> Event {
        Event::Status(Status {
            id: "wamid.HBgLMTY1MDUwNzY1MjAVAgARGBI5QTNDQTVCM0Q0Q0Q2RTY3RTcA".into(),
            status: status.into(),
            recipient_id: "16505076520".into(),
            timestamp: None,
            errors,
            raw: Value::Null,
        })
    }

    fn err(code: i64, title: &str, details: &str) -> ErrorEvent {
        ErrorEvent {
            code: Some(code),
            title: title.into(),
            message: None,
            details: Some(details.into()),
        }
    }

    #[test]
    fn message_line_has_time_id_verdict_type_who_and_content() {
        plain();
        let l = event_line(
            &ctx(Sig::Valid, 200),
            &message("text", "Hello there").view(),
            None,
        );
        assert!(
            l.starts_with("12:00:01.234 #7    valid     message text"),
            "{l}"
        );
        assert!(l.contains("16505076520 (Kerry Fisher)  Hello there"), "{l}");
        assert!(!l.contains('→'), "200 is not shown: {l}");
        assert!(!l.contains('\n'));
    }

    #[test]
    fn status_lines_show_transition_and_failures() {
        plain();
        let l = event_line(
            &ctx(Sig::Valid, 200),
            &status("delivered", vec![]).view(),
            None,
        );
        assert!(
            l.contains("status delivered")
                && l.contains("wamid.HBgL…Y3RTcA → delivered  to 16505076520"),
            "{l}"
        );
        let e = err(
            131047,
            "Re-engagement message",
            "More than 24 hours have passed",
        );
        let l = event_line(
            &ctx(Sig::Valid, 200),
            &status("failed", vec![e]).view(),
            None,
        );
        assert!(
            l.contains("→ failed")
                && l.contains("131047 Re-engagement message: More than 24 hours have passed"),
            "{l}"
        );
    }

    #[test]
    fn error_and_other_lines() {
        plain();
        let l = event_line(
            &ctx(Sig::Unchecked, 200),
            &Event::Error(err(131000, "Something went wrong", "boom")).view(),
            None,
        );
        assert!(l.contains("unchecked") && l.contains("error"), "{l}");
        assert!(l.contains("131000 Something went wrong: boom"), "{l}");
        let l = event_line(
            &ctx(Sig::Valid, 200),
            &Event::Other {
                field: "account_update".into(),
                summary: "ban_info".into(),
            }
            .view(),
            None,
        );
        assert!(
            l.contains("other account_update") && l.contains("ban_info"),
            "{l}"
        );
    }

    #[test]
    fn answer_and_duplicate_marks() {
        plain();
        let l = event_line(
            &ctx(Sig::Invalid, 401),
            &message("text", "hi").view(),
            Some(3),
        );
        assert!(l.contains("invalid") && l.contains(" → 401"), "{l}");
        assert!(l.ends_with("duplicate of #3"), "{l}");
    }

    #[test]
    fn network_text_cannot_drive_the_terminal() {
        plain();
        let l = event_line(
            &ctx(Sig::Valid, 200),
            &message("text", "a\x1b[2Jb\nc\u{202e}d\u{9b}e").view(),
            None,
        );
        assert!(!l.contains('\x1b') && !l.contains('\n') && !l.contains('\u{202e}'));
        assert!(l.contains("a\u{fffd}[2Jb⏎c\u{fffd}d\u{fffd}e"), "{l}");
        let long = "x".repeat(500);
        assert_eq!(clean(&long, 10), format!("{}…", "x".repeat(10)));
    }

    #[test]
    fn verdict_note_uses_the_engines_words() {
        plain();
        let v = Verdict::Mismatch {
            scheme: Scheme::Sha256,
            expected_prefix: "1a79931c".into(),
            got_prefix: "deadbeef".into(),
            diagnosis: None,
        };
        let n = verdict_note(&v);
        assert!(
            n.contains(&*v.reason()) && n.contains(&*v.hint().unwrap()),
            "{n}"
        );
        assert!(verdict_note(&Verdict::Missing).contains("no X-Hub-Signature-256 header"));
    }

    #[test]
    fn handshake_and_refusals() {
        plain();
        let ok = handshake_line(
            "12:00:00.000",
            1,
            &Handshake::Accepted {
                challenge: "1158201444".into(),
            },
        );
        assert!(
            ok.contains("handshake") && ok.contains("ok") && ok.contains("1158201444 → 200"),
            "{ok}"
        );
        let no = handshake_line("12:00:00.000", 2, &Handshake::WrongToken);
        assert!(
            no.contains("refused") && no.contains("does not match") && no.contains("→ 403"),
            "{no}"
        );
        // hub.mode and hub.challenge come from the query: never raw on the terminal.
        let esc = handshake_line(
            "12:00:00.000",
            2,
            &Handshake::WrongMode {
                mode: Some("\u{1b}[2J\u{7}".into()),
            },
        );
        assert!(!esc.contains('\u{1b}') && !esc.contains('\u{7}'), "{esc:?}");
        let r = refused_line(
            "12:00:00.000",
            3,
            "POST",
            "/wrong",
            404,
            "no webhook here",
            Some("POST webhooks to /webhook"),
        );
        assert!(r.contains("POST /wrong no webhook here → 404"), "{r}");
        assert!(r.contains("hint: POST webhooks to /webhook"), "{r}");
    }

    #[test]
    fn forward_lines() {
        plain();
        let ok = forward_line(
            "http://127.0.0.1:8080/hook",
            Ok((200, Duration::from_micros(3200))),
            Sig::Valid,
        );
        assert!(
            ok.contains("http://127.0.0.1:8080/hook 200 in 3.2 ms (listen: valid)"),
            "{ok}"
        );
        let down = forward_line(
            "http://127.0.0.1:9/",
            Err("cannot connect to 127.0.0.1:9: refused"),
            Sig::Unchecked,
        );
        assert!(
            down.contains("forward failed: cannot connect") && down.contains("→ 502"),
            "{down}"
        );
        assert_eq!(format_latency(Duration::from_micros(850)), "850 µs");
        assert_eq!(format_latency(Duration::from_millis(1200)), "1.20 s");
    }

    #[test]
    fn headers_and_raw_blocks() {
        plain();
        let h = headers_block(&[
            ("Content-Type".into(), "application/json".into()),
            ("X-Evil".into(), "a\x1bb".into()),
        ]);
        assert_eq!(
            h,
            "        Content-Type: application/json\n        X-Evil: a\u{fffd}b"
        );
        let r = raw_block(br#"{"a":{"b":1}}"#);
        assert!(
            r.contains("        {\n          \"a\": {\n            \"b\": 1"),
            "{r}"
        );
        assert_eq!(raw_block(b"not json"), "        not json");
    }

    #[test]
    fn ndjson_has_exactly_the_documented_keys_in_order() {
        let line = ndjson(&RequestRecord {
            id: 3,
            received_at: "2024-05-01T12:00:01.234Z",
            method: "POST",
            path: "/webhook",
            sig: Sig::Missing,
            events: &[Event::Other {
                field: "f".into(),
                summary: "s".into(),
            }
            .view()],
            duplicate_of: None,
            status: 401,
            verdict: Some(&Verdict::Missing),
        });
        assert_eq!(
            line,
            r#"{"id":3,"received_at":"2024-05-01T12:00:01.234Z","method":"POST","path":"/webhook","signature":"missing","events":[{"kind":"other","field":"f","summary":"s"}],"duplicate_of":null,"status":401,"reason":"no X-Hub-Signature-256 header","hint":"the sender must send X-Hub-Signature-256: sha256=<hex HMAC-SHA256 of the raw body>","diagnosis":null}"#
        );
    }

    /// The line is written by hand: it must be what serde_json writes for the same fields.
    #[test]
    fn ndjson_is_what_serde_writes() {
        #[derive(serde::Serialize)]
        struct Reference<'a> {
            id: u64,
            received_at: &'a str,
            method: &'a str,
            path: &'a str,
            signature: &'static str,
            events: &'a [EventView<'a>],
            duplicate_of: Option<u64>,
            status: u16,
            reason: Option<String>,
            hint: Option<String>,
            diagnosis: Option<&'static str>,
        }
        let mut checked = 0;
        for fixture in crate::webhook::fixtures::catalogue() {
            let mut tokens = crate::webhook::fixtures::TokenSource::seeded(7, 1_700_000_000);
            let body = crate::webhook::fixtures::render(
                fixture,
                &mut tokens,
                &[],
                crate::webhook::fixtures::Layout::Compact,
            )
            .unwrap();
            let doc = Document::parse(&body).unwrap();
            let events = doc.events().unwrap_or_default();
            use crate::webhook::signature;
            let valid = signature::verify_value(b"k", &signature::sign(b"k", &body), &body);
            let reserialized = signature::verify_value(
                b"k",
                &signature::sign(
                    b"k",
                    format!("{}\n", String::from_utf8_lossy(&body)).as_bytes(),
                ),
                &body,
            );
            for (id, path, dup, verdict) in [
                (0, "/webhook", None, Some(&valid)),
                (u64::MAX, "/p\"a\\t\u{1}h/é", Some(u64::MAX), None),
                (1, "/webhook", None, Some(&reserialized)),
                (2, "/webhook", None, Some(&Verdict::Missing)),
            ] {
                let sig = Sig::from_verdict(verdict);
                let r = RequestRecord {
                    id,
                    received_at: "2024-05-01T12:00:01.234Z",
                    method: "POST",
                    path,
                    sig,
                    events: &events,
                    duplicate_of: dup,
                    status: 503,
                    verdict,
                };
                let want = serde_json::to_string(&Reference {
                    id,
                    received_at: r.received_at,
                    method: r.method,
                    path,
                    signature: sig.label(),
                    events: &events,
                    duplicate_of: dup,
                    status: 503,
                    reason: verdict.map(|v| v.reason().into_owned()),
                    hint: verdict.and_then(|v| v.hint()).map(|h| h.into_owned()),
                    diagnosis: verdict.and_then(Verdict::diagnosis_id),
                })
                .unwrap();
                assert_eq!(ndjson(&r), want);
                checked += events.len();
            }
        }
        assert!(checked > 20, "only {checked} events checked");
    }

    #[test]
    fn ready_block() {
        plain();
        let r = Ready {
            url: "http://127.0.0.1:4000/webhook",
            secret_source: Some("CMZON_WEBHOOK_SECRET".into()),
            verify_token: true,
            send_command: "cmzon-hook send messages --to http://127.0.0.1:4000/webhook".into(),
            ..Default::default()
        };
        let s = ready(&r, false);
        assert!(
            s.starts_with("Ready: listening on http://127.0.0.1:4000/webhook\n"),
            "{s}"
        );
        assert!(
            s.contains("secret from CMZON_WEBHOOK_SECRET") && s.contains("401"),
            "{s}"
        );
        assert!(
            s.contains("try:        cmzon-hook send messages --to http://127.0.0.1:4000/webhook")
        );
        assert_eq!(
            ready(&r, true),
            "Ready: listening on http://127.0.0.1:4000/webhook"
        );
        let s = ready(&Ready::default(), false);
        assert!(
            s.contains("unchecked") && s.contains("handshake:  off"),
            "{s}"
        );
    }

    #[test]
    fn summary_counts() {
        let s = ListenSummary {
            requests: 5,
            messages: 4,
            statuses: 2,
            errors: 1,
            invalid: 1,
            duplicates: 1,
            rejected: 1,
            saved: Some((5, "cap.jsonl".into())),
            ..Default::default()
        };
        assert_eq!(
            summary(&s),
            "Summary: 5 requests, 7 events (4 message, 2 status, 1 error), 1 invalid, 1 duplicate, 1 rejected\n  saved 5 requests to cap.jsonl"
        );
        assert_eq!(
            summary(&ListenSummary::default()),
            "Summary: 0 requests, 0 events, 0 invalid, 0 duplicates"
        );
    }

    #[test]
    fn ids_and_clock() {
        assert_eq!(short_id("wamid.short"), "wamid.short");
        assert_eq!(clock("2024-05-01T12:00:01.234Z"), "12:00:01.234");
        assert_eq!(clock("bad"), "bad");
    }
}
