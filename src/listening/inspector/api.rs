//! The inspector's routes: the page and its assets (embedded), the JSON API over the store,
//! `curl` commands, JSONL and HAR exports, the event stream, and the state-changing POSTs
//! (replay, clear), each behind the checks in [`super::guard`].
//!
//! GETs change nothing. No answer holds the secret: only signatures (HMACs) and what was
//! received.

use std::sync::Arc;
use std::time::Instant;

use base64::Engine as _;
use serde_json::{json, Map, Value};

use super::guard::{self, SECURITY_HEADERS};
use super::store::Filter;
use super::{replay, ForwardInfo, Inspector, Record};
use crate::capture::{self, CapturedRequest, HarEntry, REJECTED_HEADER};
use crate::http::server::{self, BodyRead};
use crate::json::write::{write_str, write_u64};
use crate::terminal::shell_quote;
use crate::webhook::signature;

const INDEX_HTML: &str = include_str!("assets/index.html");
const APP_JS: &str = include_str!("assets/app.js");
const STYLE_CSS: &str = include_str!("assets/style.css");

/// Where the page's token goes: this placeholder, else a `<meta>` added after `<head>`.
const TOKEN_PLACEHOLDER: &str = "__CMZON_TOKEN__";
/// `limit` when none is given, and its largest value.
const DEFAULT_LIMIT: usize = 500;
const MAX_LIMIT: usize = super::MAX_REQUESTS;

/// Answer one request to the inspector.
pub(super) fn handle(ins: &Arc<Inspector>, mut rq: tiny_http::Request) {
    let port = ins.port.get().copied().unwrap_or(0);
    if let Err((status, why)) = guard::check_host(&rq, port) {
        return text(rq, status, &why);
    }
    if let Err((status, why)) = guard::check_origin(&rq, port) {
        return text(rq, status, &why);
    }
    let (path, query) = server::split_target(rq.url());
    let (path, query) = (path.to_string(), query.to_string());
    let method = rq.method().as_str().to_ascii_uppercase();
    if method == "POST" {
        if let Err((status, why)) = guard::check_token(&rq, &ins.token) {
            return text(rq, status, &why);
        }
        let body = match read_body(&mut rq, ins.max_api_body) {
            Ok(b) => b,
            Err((status, why)) => return json_error(rq, status, &why),
        };
        let (status, value) = match path.as_str() {
            "/api/replay" => replay::replay(ins, &body),
            "/api/clear" => {
                let n = ins.lock_store().clear();
                ins.streams.resync_all();
                (200, json!({ "cleared": n }))
            }
            "/api/requests" | "/api/events" | "/" => {
                return method_not_allowed(rq, "GET");
            }
            _ => (404, json!({ "error": format!("nothing at {path}") })),
        };
        return json_answer(rq, status, &value);
    }
    if method != "GET" {
        return method_not_allowed(rq, "GET, POST");
    }
    let params = Params::parse(&query);
    match path.as_str() {
        "/" | "/index.html" => {
            let page = page_with_token(&ins.token);
            respond(rq, 200, "text/html; charset=utf-8", page.into_bytes(), &[]);
        }
        "/app.js" => respond(
            rq,
            200,
            "text/javascript; charset=utf-8",
            APP_JS.as_bytes().to_vec(),
            &[],
        ),
        "/style.css" => respond(
            rq,
            200,
            "text/css; charset=utf-8",
            STYLE_CSS.as_bytes().to_vec(),
            &[],
        ),
        "/api/requests" => {
            let (filter, limit) = match params.filter() {
                Ok(f) => f,
                Err(why) => return json_error(rq, 400, &why),
            };
            respond(rq, 200, "application/json", list(ins, &filter, limit), &[]);
        }
        "/api/info" => respond(rq, 200, "application/json", info(ins), &[]),
        "/api/export.jsonl" | "/api/export.har" => {
            let (filter, limit) = match params.filter() {
                Ok(f) => f,
                Err(why) => return json_error(rq, 400, &why),
            };
            let records = selected(ins, &filter, params.get("limit").map(|_| limit));
            if path.ends_with(".jsonl") {
                let mut out = Vec::new();
                for r in &records {
                    capture::write_jsonl_line(&mut out, &r.request());
                    out.push(b'\n');
                }
                let disposition = "attachment; filename=\"cmzon-hook-export.jsonl\"";
                respond(
                    rq,
                    200,
                    "application/x-ndjson; charset=utf-8",
                    out,
                    &[("Content-Disposition", disposition)],
                );
            } else {
                let requests: Vec<_> = records.iter().map(|r| r.request()).collect();
                let entries: Vec<HarEntry<'_>> = records
                    .iter()
                    .zip(&requests)
                    .map(|(r, req)| har_entry(ins, r, req))
                    .collect();
                let disposition = "attachment; filename=\"cmzon-hook-export.har\"";
                respond(
                    rq,
                    200,
                    "application/json; charset=utf-8",
                    capture::write_har(&entries).into_bytes(),
                    &[("Content-Disposition", disposition)],
                );
            }
        }
        "/api/events" => {
            if let Err(rq) = ins.streams.open(rq) {
                text(
                    *rq,
                    503,
                    &format!(
                        "too many open event streams (at most {}): close other inspector tabs",
                        super::stream::MAX_STREAMS
                    ),
                );
            }
        }
        p if p.starts_with("/api/requests/") => {
            let rest = &p["/api/requests/".len()..];
            let (id, curl) = match rest.strip_suffix("/curl") {
                Some(id) => (id, true),
                None => (rest, false),
            };
            let found = id.parse::<u64>().ok().and_then(|n| ins.lock_store().get(n));
            let Some(r) = found else {
                return json_error(rq, 404, &format!("no request #{id} in the inspector"));
            };
            let value = if curl {
                let (command, form) = curl_command(ins, &r);
                json!({ "curl": command, "body_form": form })
            } else {
                detail(ins, &r)
            };
            json_answer(rq, 200, &value);
        }
        _ => text(rq, 404, &format!("nothing at {path}")),
    }
}

/// The page with the token in its `<meta name="cmzon-token">`.
fn page_with_token(token: &str) -> String {
    if INDEX_HTML.contains(TOKEN_PLACEHOLDER) {
        return INDEX_HTML.replace(TOKEN_PLACEHOLDER, token);
    }
    let meta = format!("<meta name=\"cmzon-token\" content=\"{token}\">");
    match INDEX_HTML.to_ascii_lowercase().find("<head>") {
        Some(i) => format!(
            "{}{meta}{}",
            &INDEX_HTML[..i + "<head>".len()],
            &INDEX_HTML[i + "<head>".len()..]
        ),
        None => format!("{meta}{INDEX_HTML}"),
    }
}

/// Read a POST body of at most `max` bytes: (413 | 400, reason) otherwise.
fn read_body(rq: &mut tiny_http::Request, max: u64) -> Result<Vec<u8>, (u16, String)> {
    if rq.framing_error().is_some() {
        return Err((400, "unusable body framing".into()));
    }
    let declared = rq.body_length().map(|n| n as u64);
    match server::read_body(
        rq.as_reader(),
        declared,
        max,
        Instant::now() + server::BODY_DEADLINE,
    ) {
        BodyRead::Complete(b) => Ok(b),
        BodyRead::TooLarge { .. } => Err((
            413,
            format!("request body over the inspector's limit of {max} bytes"),
        )),
        BodyRead::Incomplete { reason, .. } => Err((400, reason)),
    }
}

/// The query string's parameters, decoded.
struct Params(Vec<(String, String)>);

impl Params {
    fn parse(query: &str) -> Params {
        let pairs = reqwest::Url::parse(&format!("http://x/?{query}"))
            .map(|u| u.query_pairs().into_owned().collect())
            .unwrap_or_default();
        Params(pairs)
    }

    fn get(&self, key: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, v)| k == key && !v.is_empty())
            .map(|(_, v)| v.as_str())
    }

    fn filter(&self) -> Result<(Filter, usize), String> {
        let verdict = self.get("verdict").map(str::to_ascii_lowercase);
        if let Some(v) = &verdict {
            if !["valid", "invalid", "missing", "unchecked"].contains(&v.as_str()) {
                return Err(format!(
                    "verdict must be valid, invalid, missing or unchecked, got `{v}`"
                ));
            }
        }
        let kind = self.get("kind").map(str::to_ascii_lowercase);
        if let Some(k) = &kind {
            if !["message", "status", "error", "account", "other"].contains(&k.as_str()) {
                return Err(format!(
                    "kind must be message, status, error, account or other, got `{k}`"
                ));
            }
        }
        let status = self.get("status").map(str::to_string);
        if let Some(s) = &status {
            let class = s.len() == 3
                && s.as_bytes()[0].is_ascii_digit()
                && s[1..].eq_ignore_ascii_case("xx");
            if !class && s.parse::<u16>().is_err() {
                return Err(format!(
                    "status must be a code such as 200 or a class such as 4xx, got `{s}`"
                ));
            }
        }
        let limit = match self.get("limit") {
            None => DEFAULT_LIMIT,
            Some(l) => match l.parse::<usize>() {
                Ok(n) if n >= 1 => n.min(MAX_LIMIT),
                _ => return Err(format!("limit must be a number from 1 to {MAX_LIMIT}")),
            },
        };
        let ids = match self.get("ids") {
            None => None,
            Some(list) => Some(
                list.split(',')
                    .filter(|s| !s.trim().is_empty())
                    .map(|s| s.trim().parse::<u64>())
                    .collect::<Result<Vec<_>, _>>()
                    .map_err(|_| "ids must be request numbers separated by commas".to_string())?,
            ),
        };
        Ok((
            Filter {
                verdict,
                kind,
                kind_type: self.get("type").map(str::to_string),
                status,
                q: self.get("q").map(str::to_lowercase),
                ids,
            },
            limit,
        ))
    }
}

/// `{"requests": [newest first], "total": matching, "dropped": N}`.
/// What the page needs to know of this run: where the webhook endpoint listens (for the
/// empty list's `send` command), whether a secret is configured (re-signing and edits need
/// one) and where `--forward-to` points. Never the secret itself.
fn info(ins: &Inspector) -> Vec<u8> {
    let forward_to = ins.forward.as_ref().map(|f| f.url.clone());
    // `send` finds the secret where listen did when it came from CMZON_WEBHOOK_SECRET or the
    // config; the page never knows it.
    let try_send = format!(
        "cmzon-hook send messages --to {}",
        shell_quote(&ins.endpoint_url)
    );
    json!({
        "webhook_url": ins.endpoint_url,
        "secret": ins.secret.is_some(),
        "forward_to": forward_to,
        "try": try_send,
    })
    .to_string()
    .into_bytes()
}

fn list(ins: &Inspector, filter: &Filter, limit: usize) -> Vec<u8> {
    let (all, dropped) = {
        let store = ins.lock_store();
        (store.all(), store.dropped())
    };
    let mut total = 0usize;
    let mut out = b"{\"requests\":[".to_vec();
    for r in all.iter().rev() {
        if filter.matches(r) {
            if total < limit {
                if total > 0 {
                    out.push(b',');
                }
                write_entry(&mut out, r);
            }
            total += 1;
        }
    }
    out.extend_from_slice(b"],\"total\":");
    write_u64(&mut out, total as u64);
    out.extend_from_slice(b",\"dropped\":");
    write_u64(&mut out, dropped);
    out.push(b'}');
    out
}

/// The requests a filter selects, oldest first (the order of a capture), the newest `limit`.
fn selected(ins: &Inspector, filter: &Filter, limit: Option<usize>) -> Vec<Arc<Record>> {
    let all = ins.lock_store().all();
    let mut picked: Vec<Arc<Record>> = all.into_iter().filter(|r| filter.matches(r)).collect();
    if let Some(n) = limit {
        let skip = picked.len().saturating_sub(n);
        picked.drain(..skip);
    }
    picked
}

/// The list's view of one request, as a JSON value (see [`write_entry`]).
pub(super) fn entry(r: &Record) -> Value {
    let mut out = Vec::new();
    write_entry(&mut out, r);
    serde_json::from_slice(&out).unwrap_or(Value::Null)
}

/// Append the list's view of one request as JSON: written by hand, since the events are
/// already JSON (listen's `--json` event writer) and a tab refetching the list or following
/// the stream asks for many.
pub(super) fn write_entry(out: &mut Vec<u8>, r: &Record) {
    let d = r.derived();
    let opt_u64 = |out: &mut Vec<u8>, v: Option<u64>| match v {
        Some(n) => write_u64(out, n),
        None => out.extend_from_slice(b"null"),
    };
    let opt_str = |out: &mut Vec<u8>, v: Option<&str>| match v {
        Some(s) => write_str(out, s),
        None => out.extend_from_slice(b"null"),
    };
    let list = |out: &mut Vec<u8>, items: &mut dyn Iterator<Item = &str>| {
        out.push(b'[');
        for (i, s) in items.enumerate() {
            if i > 0 {
                out.push(b',');
            }
            write_str(out, s);
        }
        out.push(b']');
    };
    out.extend_from_slice(b"{\"id\":");
    write_u64(out, r.id);
    out.extend_from_slice(b",\"received_at\":");
    opt_str(out, r.req.received_at());
    out.extend_from_slice(b",\"method\":");
    write_str(out, r.req.method());
    out.extend_from_slice(b",\"path\":");
    write_str(out, r.req.path());
    out.extend_from_slice(b",\"signature\":");
    write_str(out, r.sig().label());
    out.extend_from_slice(b",\"status\":");
    opt_u64(out, r.status.map(u64::from));
    out.extend_from_slice(b",\"summary\":");
    write_str(out, &d.summary);
    out.extend_from_slice(b",\"events\":");
    out.extend_from_slice(d.events_json.as_bytes());
    out.extend_from_slice(b",\"kinds\":");
    list(out, &mut d.kinds.iter().copied());
    out.extend_from_slice(b",\"types\":");
    list(out, &mut d.types.iter().map(String::as_str));
    out.extend_from_slice(b",\"duplicate_of\":");
    opt_u64(out, r.duplicate_of);
    out.extend_from_slice(b",\"replay_of\":");
    opt_u64(out, r.replay.as_ref().map(|t| t.of));
    out.extend_from_slice(b",\"replay_mode\":");
    opt_str(out, r.replay.as_ref().and_then(|t| t.mode.as_deref()));
    out.extend_from_slice(b",\"forward\":");
    let forward = match &r.forward {
        None => Value::Null,
        Some(ForwardInfo {
            url,
            outcome: Ok(a),
        }) => json!({ "url": url, "status": a.status, "ms": round_ms(a.ms) }),
        Some(ForwardInfo {
            url,
            outcome: Err(e),
        }) => json!({ "url": url, "error": e }),
    };
    out.extend_from_slice(forward.to_string().as_bytes());
    out.extend_from_slice(b",\"size\":");
    write_u64(out, r.req.body.len() as u64);
    out.extend_from_slice(b",\"history\":");
    out.extend_from_slice(if r.history { b"true" } else { b"false" });
    out.push(b'}');
}

fn round_ms(ms: f64) -> f64 {
    (ms * 10.0).round() / 10.0
}

/// Everything about one request.
fn detail(ins: &Inspector, r: &Record) -> Value {
    let mut v = entry(r);
    let body = &r.req.body;
    let text = std::str::from_utf8(body).ok();
    let received = r
        .req
        .header(signature::HEADER_SHA256)
        .or_else(|| r.req.header(signature::HEADER_SHA1))
        .map(str::to_string);
    let expected = match (&ins.secret, r.req.method()) {
        (Some(s), "POST") if r.req.header(REJECTED_HEADER).is_none() => {
            Some(signature::sign(s.as_bytes(), body))
        }
        _ => None,
    };
    let verdict = r.verdict.as_ref().map(|v| {
        json!({
            "valid": v.is_valid(),
            "reason": v.reason(),
            "hint": v.hint(),
            "diagnosis": v.diagnosis_id(),
        })
    });
    let forward_response = match &r.forward {
        Some(ForwardInfo { outcome: Ok(a), .. }) => json!({
            "status": a.status,
            "headers": a.headers.iter().map(|(n, v)| json!([n, v])).collect::<Vec<_>>(),
            "body_text": String::from_utf8_lossy(&a.body),
            "ms": round_ms(a.ms),
        }),
        _ => Value::Null,
    };
    if let Value::Object(m) = &mut v {
        let extra: Map<String, Value> = [
            (
                "headers",
                r.req
                    .headers()
                    .map(|(n, v)| json!([n, v]))
                    .collect::<Vec<_>>()
                    .into(),
            ),
            ("query", r.req.query().into()),
            ("body_text", text.map(str::to_string).into()),
            (
                "body_base64",
                base64::engine::general_purpose::STANDARD
                    .encode(body)
                    .into(),
            ),
            (
                "body_hex",
                match text {
                    Some(_) => Value::Null,
                    None => signature::hex(body).into(),
                },
            ),
            ("verdict", verdict.unwrap_or(Value::Null)),
            ("signature_received", received.into()),
            ("signature_expected", expected.into()),
            ("forward_response", forward_response),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect();
        m.extend(extra);
    }
    v
}

/// A `curl` command sending this request again to the listen endpoint, body exact:
/// `--data-binary 'TEXT'` ("argument"), or for bytes that are not UTF-8 (or text curl would
/// read as a file name, `@...`) `printf 'ESCAPES' | curl ... --data-binary @-` ("stdin").
fn curl_command(ins: &Inspector, r: &Record) -> (String, &'static str) {
    let mut url = format!("{}{}", ins.endpoint_origin(), r.req.path());
    if !r.req.query().is_empty() {
        url.push('?');
        url.push_str(r.req.query());
    }
    let mut cmd = format!("curl -sS -X {} {}", r.req.method(), shell_quote(&url));
    for (n, v) in r.req.headers() {
        if replay::dropped_on_resend(n) {
            continue;
        }
        // `Name;` is how curl sends a header with an empty value.
        let h = if v.is_empty() {
            format!("{n};")
        } else {
            format!("{n}: {v}")
        };
        cmd.push_str(" -H ");
        cmd.push_str(&shell_quote(&h));
    }
    let body = &r.req.body;
    match std::str::from_utf8(body) {
        Ok(t) if !t.starts_with('@') => {
            cmd.push_str(" --data-binary ");
            cmd.push_str(&format!("'{}'", t.replace('\'', r"'\''")));
            (cmd, "argument")
        }
        _ => {
            let mut fmt = String::with_capacity(body.len() * 2);
            for &b in body {
                match b {
                    b'%' => fmt.push_str("%%"),
                    b'\\' => fmt.push_str("\\\\"),
                    0x20..=0x7e => fmt.push(b as char),
                    _ => fmt.push_str(&format!("\\{b:03o}")),
                }
            }
            (
                format!(
                    "printf {} | {cmd} --data-binary @-",
                    format_args!("'{}'", fmt.replace('\'', r"'\''"))
                ),
                "stdin",
            )
        }
    }
}

fn har_entry<'a>(ins: &'a Inspector, r: &'a Record, req: &'a CapturedRequest) -> HarEntry<'a> {
    let response = match &r.forward {
        Some(ForwardInfo { outcome: Ok(a), .. }) => Some((a.status, &a.headers[..], &a.body[..])),
        _ => None,
    };
    HarEntry {
        request: req,
        origin: ins.endpoint_origin(),
        status: r.status,
        response,
    }
}

fn with_headers<R: std::io::Read>(
    mut resp: tiny_http::Response<R>,
    content_type: &str,
    extra: &[(&str, &str)],
) -> tiny_http::Response<R> {
    let ct = [("Content-Type", content_type)];
    let all = SECURITY_HEADERS.iter().chain(extra.iter()).chain(ct.iter());
    for (n, v) in all {
        if let Ok(h) = tiny_http::Header::from_bytes(n.as_bytes(), v.as_bytes()) {
            resp.add_header(h);
        }
    }
    resp
}

fn respond(
    rq: tiny_http::Request,
    status: u16,
    content_type: &str,
    body: Vec<u8>,
    extra: &[(&str, &str)],
) {
    let resp = tiny_http::Response::from_data(body)
        .with_status_code(status)
        .with_chunked_threshold(usize::MAX);
    let _ = rq.respond(with_headers(resp, content_type, extra));
}

fn text(rq: tiny_http::Request, status: u16, why: &str) {
    respond(
        rq,
        status,
        "text/plain; charset=utf-8",
        format!("{why}\n").into_bytes(),
        &[],
    );
}

fn method_not_allowed(rq: tiny_http::Request, allow: &str) {
    respond(
        rq,
        405,
        "text/plain; charset=utf-8",
        b"method not allowed\n".to_vec(),
        &[("Allow", allow)],
    );
}

fn json_answer(rq: tiny_http::Request, status: u16, value: &Value) {
    respond(
        rq,
        status,
        "application/json",
        value.to_string().into_bytes(),
        &[],
    );
}

fn json_error(rq: tiny_http::Request, status: u16, why: &str) {
    json_answer(rq, status, &json!({ "error": why }));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_page_gets_its_token() {
        let page = page_with_token("0123abcd");
        assert!(
            page.contains("<meta name=\"cmzon-token\" content=\"0123abcd\">"),
            "{page}"
        );
        assert!(!page.contains(TOKEN_PLACEHOLDER));
    }

    #[test]
    fn entries_are_json_with_every_field() {
        use super::super::{AppAnswer, ReplayTag};
        use crate::capture::CapturedRequest;
        let mut r = Record::new(
            7,
            CapturedRequest {
                id: Some(7),
                received_at: Some("2026-12-06T18:00:00.123Z".into()),
                method: "POST".into(),
                path: "/we\"bhook\u{1}".into(),
                body: b"{\"object\":\"whatsapp_business_account\",\"entry\":[]}".to_vec(),
                ..CapturedRequest::default()
            },
            Some(401),
        );
        r.duplicate_of = Some(3);
        r.replay = Some(ReplayTag {
            of: 2,
            mode: Some("re-signed".into()),
            reference: None,
        });
        r.forward = Some(ForwardInfo {
            url: "http://127.0.0.1:9/x".into(),
            outcome: Ok(AppAnswer {
                status: 202,
                headers: vec![],
                body: vec![],
                ms: 12.345,
            }),
        });
        let v = entry(&r);
        assert_eq!(v["id"], 7);
        assert_eq!(v["path"], "/we\"bhook\u{1}");
        assert_eq!(v["status"], 401);
        assert_eq!(v["signature"], "unchecked");
        assert_eq!(v["events"], json!([]));
        assert_eq!(
            (v["duplicate_of"].as_u64(), v["replay_of"].as_u64()),
            (Some(3), Some(2))
        );
        assert_eq!(v["replay_mode"], "re-signed");
        assert_eq!(
            v["forward"],
            json!({"url": "http://127.0.0.1:9/x", "status": 202, "ms": 12.3})
        );
        assert_eq!(
            (v["size"].as_u64(), v["history"].as_bool()),
            (Some(49), Some(false))
        );
        assert_eq!(v["kinds"], json!([]));
    }

    #[test]
    fn params_decode_and_check() {
        let p = Params::parse("verdict=invalid&q=caf%C3%A9&status=4xx&limit=20000&ids=1,%202");
        let (f, limit) = p.filter().unwrap();
        assert_eq!(f.verdict.as_deref(), Some("invalid"));
        assert_eq!(f.q.as_deref(), Some("café"));
        assert_eq!(f.ids, Some(vec![1, 2]));
        assert_eq!(limit, MAX_LIMIT);
        assert!(Params::parse("verdict=nope").filter().is_err());
        assert!(Params::parse("status=abc").filter().is_err());
        assert!(Params::parse("limit=0").filter().is_err());
    }
}
