//! `POST /api/replay`: send a stored request again, to the listen endpoint itself or to the
//! forward target: as captured (exact bytes, original signature), re-signed with the
//! configured secret, edited (a new body, or fields set by path) and re-signed, or forged
//! (signed with a wrong secret, one byte of the body changed under the original signature,
//! or no signature) to see the app reject it. The secret never leaves the process.
//!
//! A replay to the endpoint carries [`super::REPLAY_HEADER`] (`<id>; mode=..; ref=..`): the
//! endpoint records it like any delivery, linked to its source, and the `ref` tells us the
//! new request's number. A replay straight to the forward target is recorded here.

use std::time::{Instant, SystemTime};

use serde::Deserialize;
use serde_json::{json, Value};

use super::{AppAnswer, ForwardInfo, Inspector, Record, REPLAY_HEADER};
use crate::capture::{CapturedRequest, REJECTED_HEADER};
use crate::http::delivery::{self, Method};
use crate::http::message;
use crate::webhook::signature::{self, HEADER_SHA1, HEADER_SHA256};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ReplayRequest {
    id: u64,
    #[serde(default = "endpoint")]
    target: String,
    #[serde(default = "as_captured")]
    mode: String,
    body: Option<String>,
    set: Option<Vec<SetField>>,
    forge: Option<String>,
}

fn endpoint() -> String {
    "endpoint".into()
}

fn as_captured() -> String {
    "as-captured".into()
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SetField {
    path: String,
    value: Value,
}

/// Headers a resend (a replay, or a `curl` reproduction) leaves out: those no resend copies
/// ([`message::set_per_hop`]), and listen's own notes.
pub(super) fn dropped_on_resend(name: &str) -> bool {
    message::set_per_hop(name)
        || name.eq_ignore_ascii_case(REJECTED_HEADER)
        || name.eq_ignore_ascii_case(REPLAY_HEADER)
}

/// Answer a replay request: (HTTP status, JSON).
pub(super) fn replay(ins: &Inspector, body: &[u8]) -> (u16, Value) {
    let ask: ReplayRequest = match serde_json::from_slice(body) {
        Ok(a) => a,
        Err(e) => {
            return err(
                400,
                format!("the replay request is not {{\"id\":N,\"target\":..,\"mode\":..}}: {e}"),
            )
        }
    };
    let Some(source) = ins.lock_store().get(ask.id) else {
        return err(404, format!("no request #{} in the inspector", ask.id));
    };
    let (headers, body) = match build(ins, &ask, &source.request()) {
        Ok(hb) => hb,
        Err(e) => return e,
    };
    let mode = match ask.mode.as_str() {
        "forged" => format!("forged-{}", ask.forge.as_deref().unwrap_or("")),
        m => m.to_string(),
    };
    let reference = super::guard::new_token().unwrap_or_else(|_| format!("{}", ask.id));
    let mut headers = headers;
    headers.push((
        REPLAY_HEADER.to_string(),
        format!("{}; mode={mode}; ref={reference}", ask.id),
    ));
    match ask.target.as_str() {
        "endpoint" => to_endpoint(ins, headers, body, &reference),
        "forward" => to_forward(ins, headers, body),
        other => err(
            400,
            format!("target must be \"endpoint\" or \"forward\", got \"{other}\""),
        ),
    }
}

fn err(status: u16, message: String) -> (u16, Value) {
    (status, json!({ "error": message }))
}

const NEEDS_SECRET: &str = "needs the webhook secret: start listen with --secret-file PATH, --secret or CMZON_WEBHOOK_SECRET";

/// Headers and body to send.
type Outgoing = (Vec<(String, String)>, Vec<u8>);

/// The headers and body to send for `ask`.
fn build(
    ins: &Inspector,
    ask: &ReplayRequest,
    source: &CapturedRequest,
) -> Result<Outgoing, (u16, Value)> {
    let mut headers: Vec<(String, String)> = source
        .headers
        .iter()
        .filter(|(n, _)| !dropped_on_resend(n))
        .cloned()
        .collect();
    let secret = || {
        ins.secret
            .as_ref()
            .ok_or_else(|| err(409, format!("{} {NEEDS_SECRET}", ask.mode)))
    };
    let body = match ask.mode.as_str() {
        "as-captured" => source.body.clone(),
        "re-signed" => {
            let s = secret()?;
            set_signature(&mut headers, Some(signature::sign(s.as_bytes(), &source.body)));
            source.body.clone()
        }
        "edited" => {
            let s = secret()?;
            let mut body = match &ask.body {
                Some(text) => text.clone().into_bytes(),
                None => source.body.clone(),
            };
            if let Some(fields) = ask.set.as_ref().filter(|f| !f.is_empty()) {
                body = set_fields(&body, fields).map_err(|e| err(400, e))?;
            }
            set_signature(&mut headers, Some(signature::sign(s.as_bytes(), &body)));
            body
        }
        "forged" => match ask.forge.as_deref() {
            Some("wrong-secret") => {
                let mut key = [0u8; 32];
                getrandom::getrandom(&mut key)
                    .map_err(|e| err(500, format!("no random key: {e}")))?;
                set_signature(&mut headers, Some(signature::sign(&key, &source.body)));
                source.body.clone()
            }
            Some("modified-body") => modify_one_byte(&source.body),
            Some("no-signature") => {
                set_signature(&mut headers, None);
                source.body.clone()
            }
            other => {
                return Err(err(
                    400,
                    format!(
                        "forge must be \"wrong-secret\", \"modified-body\" or \"no-signature\", got {}",
                        other.map_or("nothing".to_string(), |o| format!("\"{o}\""))
                    ),
                ))
            }
        },
        other => {
            return Err(err(
                400,
                format!(
                    "mode must be \"as-captured\", \"re-signed\", \"edited\" or \"forged\", got \"{other}\""
                ),
            ))
        }
    };
    Ok((headers, body))
}

/// Replace the signature headers with `value` (in the first one's place), or drop them.
fn set_signature(headers: &mut Vec<(String, String)>, value: Option<String>) {
    let at = headers.iter().position(|(n, _)| {
        n.eq_ignore_ascii_case(HEADER_SHA256) || n.eq_ignore_ascii_case(HEADER_SHA1)
    });
    headers.retain(|(n, _)| {
        !n.eq_ignore_ascii_case(HEADER_SHA256) && !n.eq_ignore_ascii_case(HEADER_SHA1)
    });
    if let Some(v) = value {
        let at = at.unwrap_or(headers.len()).min(headers.len());
        headers.insert(at, (HEADER_SHA256.to_string(), v));
    }
}

/// The body with one byte of content changed: the last letter's case flipped (or the last
/// digit changed); a space appended when there is neither.
fn modify_one_byte(body: &[u8]) -> Vec<u8> {
    let mut out = body.to_vec();
    match out.iter().rposition(u8::is_ascii_alphanumeric) {
        Some(i) if out[i].is_ascii_digit() => out[i] = b'0' + (out[i] - b'0' + 1) % 10,
        Some(i) => out[i] ^= 0x20,
        None => out.push(b' '),
    }
    out
}

/// Set each `path` (dot-separated keys, numbers index arrays) to its value.
fn set_fields(body: &[u8], fields: &[SetField]) -> Result<Vec<u8>, String> {
    let mut doc: Value = serde_json::from_slice(body)
        .map_err(|e| format!("setting fields needs a JSON body: {e}"))?;
    for f in fields {
        let mut at = &mut doc;
        let parts: Vec<&str> = f.path.split('.').filter(|p| !p.is_empty()).collect();
        if parts.is_empty() {
            return Err("an empty path sets nothing: use body to replace the whole body".into());
        }
        for (i, part) in parts.iter().enumerate() {
            let last = i + 1 == parts.len();
            let next = match at {
                Value::Array(items) => part.parse::<usize>().ok().and_then(|n| items.get_mut(n)),
                Value::Object(map) => {
                    if last && !map.contains_key(*part) {
                        map.insert(part.to_string(), Value::Null);
                    }
                    map.get_mut(*part)
                }
                _ => None,
            };
            at = next.ok_or_else(|| {
                format!(
                    "the body has no `{}` (in {})",
                    parts[..=i].join("."),
                    f.path
                )
            })?;
        }
        *at = f.value.clone();
    }
    serde_json::to_vec(&doc).map_err(|e| format!("cannot write the edited body: {e}"))
}

fn to_endpoint(
    ins: &Inspector,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
    reference: &str,
) -> (u16, Value) {
    let url = ins.endpoint_url.clone();
    ins.pending
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .insert(reference.to_string(), None);
    let sent = ins.client.execute(&delivery::Request {
        method: Method::Post,
        url: url.clone(),
        headers,
        body,
    });
    let id = ins
        .pending
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .remove(reference)
        .flatten();
    match sent {
        Ok(resp) => (
            200,
            json!({ "id": id, "status": resp.status, "target_url": url }),
        ),
        Err(f) => err(502, format!("could not reach the endpoint: {}", f.message)),
    }
}

fn to_forward(ins: &Inspector, headers: Vec<(String, String)>, body: Vec<u8>) -> (u16, Value) {
    let Some(fwd) = &ins.forward else {
        return err(
            409,
            "there is no forward target: start listen with --forward-to URL".into(),
        );
    };
    let id = ins
        .next_id
        .fetch_add(1, std::sync::atomic::Ordering::SeqCst)
        + 1;
    let url = fwd.url().to_string();
    let (path, query) = reqwest::Url::parse(&url)
        .map(|u| (u.path().to_string(), u.query().unwrap_or("").to_string()))
        .unwrap_or_default();
    let started = Instant::now();
    let outcome = fwd.execute(&headers, &body);
    let ms = started.elapsed().as_secs_f64() * 1000.0;
    let req = CapturedRequest {
        id: Some(id),
        received_at: Some(humantime::format_rfc3339_millis(SystemTime::now()).to_string()),
        remote_addr: None,
        method: "POST".into(),
        path,
        query,
        headers,
        body,
    };
    let verdict = ins.verdict_of(&req.headers, &req.body);
    let mut rec = Record::new(id, req, None);
    rec.verdict = verdict;
    let answer = match outcome {
        Ok(resp) => {
            let status = resp.status;
            rec.status = Some(status);
            rec.forward = Some(ForwardInfo {
                url: url.clone(),
                outcome: Ok(AppAnswer {
                    status,
                    headers: resp.headers,
                    body: resp.body,
                    ms,
                }),
            });
            (
                200,
                json!({ "id": id, "status": status, "target_url": url }),
            )
        }
        Err(f) => {
            rec.forward = Some(ForwardInfo {
                url: url.clone(),
                outcome: Err(f.message.clone()),
            });
            err(
                502,
                format!("could not reach the forward target: {}", f.message),
            )
        }
    };
    ins.record(rec);
    answer
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_are_set_by_path() {
        let body = br#"{"entry":[{"changes":[{"value":{"text":{"body":"hi"}}}]}]}"#;
        let got = set_fields(
            body,
            &[SetField {
                path: "entry.0.changes.0.value.text.body".into(),
                value: json!("bye"),
            }],
        )
        .unwrap();
        assert_eq!(
            got,
            br#"{"entry":[{"changes":[{"value":{"text":{"body":"bye"}}}]}]}"#
        );
        let e = set_fields(
            body,
            &[SetField {
                path: "entry.3.x".into(),
                value: json!(1),
            }],
        )
        .unwrap_err();
        assert!(e.contains("entry.3"), "{e}");
    }

    #[test]
    fn one_byte_changes_and_signatures_are_replaced_in_place() {
        assert_eq!(modify_one_byte(b"{\"a\":\"xy\"}"), b"{\"a\":\"xY\"}");
        assert_eq!(modify_one_byte(b"[9]"), b"[0]");
        assert_eq!(modify_one_byte(b"{}"), b"{} ");
        let mut h = vec![
            ("A".to_string(), "1".to_string()),
            ("x-hub-signature-256".to_string(), "sha256=00".to_string()),
            ("B".to_string(), "2".to_string()),
        ];
        set_signature(&mut h, Some("sha256=11".into()));
        assert_eq!(h[1], (HEADER_SHA256.to_string(), "sha256=11".to_string()));
        set_signature(&mut h, None);
        assert_eq!(h.len(), 2);
    }
}
