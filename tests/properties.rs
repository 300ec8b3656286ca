//! Parsers never panic. Property tests over everything that reads input a user or
//! the network controls: signature header values, `--set` paths, capture JSONL / HAR / raw
//! HTTP readers, event extraction and the listen printer. Inputs are arbitrary bytes *and*
//! near-valid structures (real fixtures and captures, mutated), which reach far deeper into
//! the parsers than random bytes do. Errors are fine; panics, hangs and control characters
//! reaching the terminal are not. Where a real property holds (round trips, verification of
//! a fresh signature), it is checked too.
//!
//! 256 cases per property by default; `CMZON_HOOK_HEAVY=1` runs 8x as many.

#[path = "support/mod.rs"]
mod support;

use std::io::Cursor;
use std::time::Duration;

use cmzon_hook::capture::{self, to_jsonl_line, CapturedRequest};
use cmzon_hook::http::server;
use cmzon_hook::listening::printer::{self, Ctx, Sig};
use cmzon_hook::sending::payload;
use cmzon_hook::webhook::event::{self, Event};
use cmzon_hook::webhook::fixtures::{self, Layout, SetOp, TokenSource};
use cmzon_hook::webhook::handshake;
use cmzon_hook::webhook::signature::{self, Scheme, Verdict};
use proptest::prelude::*;
use proptest::test_runner::Config;
use serde_json::{json, Value};

fn config() -> Config {
    let cases = if support::heavy() { 2048 } else { 256 };
    Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    }
}

/// Colors off: every assertion below is about the text itself.
fn plain() {
    colored::control::set_override(false);
}

/// No character that could move the cursor, recolor or reorder a terminal.
fn assert_terminal_safe(what: &str, text: &str) {
    let bad = text.chars().find(|&c| {
        (c.is_control() && c != '\n')
            || matches!(c, '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
    });
    assert!(
        bad.is_none(),
        "{what} shows {bad:?} from the input: {text:?}"
    );
}

// ---------------------------------------------------------------------------------------
// Generators

/// Keys that webhook payloads, captures and HAR files use: mutations built from them reach
/// the parsers' inner branches.
const KEYS: &[&str] = &[
    "object",
    "entry",
    "changes",
    "value",
    "field",
    "messages",
    "statuses",
    "errors",
    "id",
    "from",
    "type",
    "text",
    "body",
    "contacts",
    "profile",
    "name",
    "wa_id",
    "timestamp",
    "status",
    "recipient_id",
    "code",
    "title",
    "message",
    "error_data",
    "details",
    "context",
    "image",
    "caption",
    "location",
    "latitude",
    "longitude",
    "reaction",
    "emoji",
    "interactive",
    "button_reply",
    "list_reply",
    "button",
    "order",
    "system",
    "referral",
    "metadata",
    "conversation",
    "pricing",
    "log",
    "entries",
    "request",
    "method",
    "url",
    "headers",
    "postData",
    "encoding",
    "mimeType",
    "params",
    "query",
    "path",
    "body_base64",
    "received_at",
    "remote_addr",
    "startedDateTime",
    "document",
    "filename",
    "sticker",
    "audio",
    "video",
    "product_items",
    "unsupported",
    "payload",
    "description",
];

fn arb_key() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => proptest::sample::select(KEYS).prop_map(str::to_string),
        1 => any::<String>(),
    ]
}

fn arb_text() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        Just("whatsapp_business_account".to_string()),
        Just("messages".to_string()),
        Just("text".to_string()),
        Just("base64".to_string()),
        Just(String::new()),
        Just("\u{1b}[2J\u{1b}]0;x\u{7}\r\n\u{202e}".to_string()),
        "[a-z_]{1,12}",
        "sha256=[0-9a-f]{64}",
    ]
}

fn arb_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        any::<u64>().prop_map(|n| json!(n)),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(|f| json!(f)),
        arb_text().prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::vec((arb_key(), inner), 0..6)
                .prop_map(|kv| Value::Object(kv.into_iter().collect())),
        ]
    })
}

/// Every node of a document, as JSON pointers (pre-order, bounded).
fn pointers(v: &Value) -> Vec<String> {
    fn walk(v: &Value, at: String, out: &mut Vec<String>) {
        if out.len() > 4000 {
            return;
        }
        out.push(at.clone());
        match v {
            Value::Array(items) => {
                for (i, x) in items.iter().enumerate() {
                    walk(x, format!("{at}/{i}"), out);
                }
            }
            Value::Object(map) => {
                for (k, x) in map {
                    let k = k.replace('~', "~0").replace('/', "~1");
                    walk(x, format!("{at}/{k}"), out);
                }
            }
            _ => {}
        }
    }
    let mut out = Vec::new();
    walk(v, String::new(), &mut out);
    out
}

/// A JSON-level mutation: replace the node chosen by `selector` with `with`.
fn mutate_json(doc: &mut Value, selector: usize, with: Value) {
    let ptrs = pointers(doc);
    let p = &ptrs[selector % ptrs.len()];
    if p.is_empty() {
        *doc = with;
    } else if let Some(slot) = doc.pointer_mut(p) {
        *slot = with;
    }
}

/// A byte-level mutation.
#[derive(Debug, Clone)]
enum ByteEdit {
    Flip(usize, u8),
    Insert(usize, Vec<u8>),
    Remove(usize, usize),
    Truncate(usize),
    Duplicate(usize, usize),
}

fn arb_edit() -> impl Strategy<Value = ByteEdit> {
    prop_oneof![
        (any::<usize>(), any::<u8>()).prop_map(|(i, b)| ByteEdit::Flip(i, b)),
        (
            any::<usize>(),
            prop_oneof![
                prop::collection::vec(any::<u8>(), 1..8),
                proptest::sample::select(vec![
                    b"\r\n".to_vec(),
                    b"\r\n\r\n".to_vec(),
                    b"\n".to_vec(),
                    b"{".to_vec(),
                    b"\"".to_vec(),
                    b"\\u".to_vec(),
                    b"0\r\n\r\n".to_vec(),
                    b"Content-Length: 99999999999999999999\r\n".to_vec(),
                    b"Transfer-Encoding: chunked\r\n".to_vec(),
                    b"ffffffffffffffff\r\n".to_vec(),
                    b"\xef\xbb\xbf".to_vec(),
                ]),
            ]
        )
            .prop_map(|(i, b)| ByteEdit::Insert(i, b)),
        (any::<usize>(), 1usize..16).prop_map(|(i, n)| ByteEdit::Remove(i, n)),
        any::<usize>().prop_map(ByteEdit::Truncate),
        (any::<usize>(), 1usize..64).prop_map(|(i, n)| ByteEdit::Duplicate(i, n)),
    ]
}

fn apply_edits(mut bytes: Vec<u8>, edits: &[ByteEdit]) -> Vec<u8> {
    for e in edits {
        let len = bytes.len();
        let at = |i: usize| if len == 0 { 0 } else { i % (len + 1) };
        match e {
            ByteEdit::Flip(i, b) if len > 0 => bytes[i % len] ^= b | 1,
            ByteEdit::Flip(..) => {}
            ByteEdit::Insert(i, b) => {
                let i = at(*i);
                bytes.splice(i..i, b.iter().copied());
            }
            ByteEdit::Remove(i, n) => {
                let i = at(*i);
                let end = (i + n).min(len);
                bytes.drain(i..end);
            }
            ByteEdit::Truncate(i) => bytes.truncate(at(*i)),
            ByteEdit::Duplicate(i, n) => {
                let i = at(*i);
                let end = (i + n).min(len);
                let copy = bytes[i..end].to_vec();
                bytes.splice(end..end, copy);
            }
        }
    }
    bytes
}

/// Every built-in fixture, rendered compact with fixed tokens.
fn fixture_bodies() -> Vec<Vec<u8>> {
    let mut tokens = TokenSource::seeded(7, 1_718_000_000);
    fixtures::catalogue()
        .iter()
        .map(|f| fixtures::render(f, &mut tokens, &[], Layout::Compact).expect("fixture renders"))
        .collect()
}

fn arb_fixture() -> impl Strategy<Value = Value> {
    let bodies = fixture_bodies();
    (0..bodies.len()).prop_map(move |i| serde_json::from_slice(&bodies[i]).unwrap())
}

/// A fixture with JSON-level mutations (type confusion, missing and odd fields).
fn arb_mutated_fixture() -> impl Strategy<Value = Value> {
    (
        arb_fixture(),
        prop::collection::vec((any::<usize>(), arb_json()), 1..4),
    )
        .prop_map(|(mut doc, muts)| {
            for (sel, with) in muts {
                mutate_json(&mut doc, sel, with);
            }
            doc
        })
}

fn arb_token() -> impl Strategy<Value = String> {
    "[A-Za-z][A-Za-z0-9-]{0,15}"
}

/// A request a capture can hold: header names are tokens, values are visible text.
fn arb_request() -> impl Strategy<Value = CapturedRequest> {
    (
        proptest::option::of(any::<u64>()),
        proptest::option::of(arb_text()),
        prop_oneof![
            Just("POST".to_string()),
            Just("GET".to_string()),
            "[A-Z]{1,7}"
        ],
        "/[!-~&&[^?#]]{0,30}",
        "[!-~&&[^#]]{0,30}",
        prop::collection::vec((arb_token(), "[ -~]{0,40}"), 0..6),
        prop_oneof![
            prop::collection::vec(any::<u8>(), 0..300),
            any::<String>().prop_map(String::into_bytes),
            Just(fixture_bodies()[0].clone()),
        ],
    )
        .prop_map(
            |(id, received_at, method, path, query, headers, body)| CapturedRequest {
                id,
                received_at,
                remote_addr: Some("127.0.0.1:5000".into()),
                method,
                path,
                query,
                headers: headers
                    .into_iter()
                    .map(|(n, v)| (n, v.trim().to_string()))
                    .collect(),
                body,
            },
        )
}

/// A raw HTTP/1.1 request: Content-Length framed, or chunked in the given chunk sizes.
fn raw_http(r: &CapturedRequest, chunks: Option<&[usize]>) -> Vec<u8> {
    let target = if r.query.is_empty() {
        r.path.clone()
    } else {
        format!("{}?{}", r.path, r.query)
    };
    let mut out = format!("{} {target} HTTP/1.1\r\nHost: 127.0.0.1\r\n", r.method).into_bytes();
    for (n, v) in &r.headers {
        if n.eq_ignore_ascii_case("content-length") || n.eq_ignore_ascii_case("transfer-encoding") {
            continue;
        }
        out.extend_from_slice(format!("{n}: {v}\r\n").as_bytes());
    }
    match chunks {
        None => {
            out.extend_from_slice(format!("Content-Length: {}\r\n\r\n", r.body.len()).as_bytes());
            out.extend_from_slice(&r.body);
        }
        Some(sizes) => {
            out.extend_from_slice(b"Transfer-Encoding: chunked\r\n\r\n");
            let mut rest = &r.body[..];
            for s in sizes.iter().cycle().take(r.body.len() + 1) {
                if rest.is_empty() {
                    break;
                }
                let n = (*s).clamp(1, rest.len());
                out.extend_from_slice(format!("{n:x}\r\n").as_bytes());
                out.extend_from_slice(&rest[..n]);
                out.extend_from_slice(b"\r\n");
                rest = &rest[n..];
            }
            out.extend_from_slice(b"0\r\n\r\n");
        }
    }
    out
}

fn har(requests: &[CapturedRequest]) -> Value {
    use base64::Engine;
    let entries: Vec<Value> = requests
        .iter()
        .map(|r| {
            let post = match std::str::from_utf8(&r.body) {
                Ok(t) => json!({"mimeType": "application/json", "text": t}),
                Err(_) => json!({"mimeType": "application/json", "encoding": "base64",
                    "text": base64::engine::general_purpose::STANDARD.encode(&r.body)}),
            };
            json!({"startedDateTime": "2024-05-01T12:00:00.000Z", "request": {
                "method": r.method, "url": format!("https://example.com{}", r.path),
                "httpVersion": "HTTP/1.1",
                "headers": r.headers.iter().map(|(n, v)| json!({"name": n, "value": v})).collect::<Vec<_>>(),
                "postData": post}})
        })
        .collect();
    json!({"log": {"version": "1.2", "creator": {"name": "x", "version": "1"}, "entries": entries}})
}

// ---------------------------------------------------------------------------------------
// Capture readers

/// Read a capture from bytes, through a real file as `verify` does; bounded.
fn read_file(bytes: &[u8]) -> Vec<Result<CapturedRequest, String>> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("capture");
    std::fs::write(&path, bytes).unwrap();
    match capture::read_captures(&path) {
        Err(e) => vec![Err(e.to_string())],
        Ok(it) => it
            .take(10_000)
            .map(|r| r.map(|l| l.request).map_err(|e| e.to_string()))
            .collect(),
    }
}

/// Same, from memory (faster: used where many documents are read per case).
fn read_mem(bytes: &[u8]) -> Vec<Result<CapturedRequest, String>> {
    match capture::read_captures_from("mem", Box::new(Cursor::new(bytes.to_vec()))) {
        Err(e) => vec![Err(e.to_string())],
        Ok(it) => it
            .take(10_000)
            .map(|r| r.map(|l| l.request).map_err(|e| e.to_string()))
            .collect(),
    }
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn capture_readers_take_arbitrary_bytes(bytes in prop::collection::vec(any::<u8>(), 0..2000)) {
        let _ = read_file(&bytes);
    }

    #[test]
    fn capture_readers_take_arbitrary_text_lines(
        lines in prop::collection::vec(
            prop_oneof![any::<String>(), arb_json().prop_map(|v| v.to_string())], 0..8)
    ) {
        let _ = read_mem(lines.join("\n").as_bytes());
        let _ = read_mem(lines.join("\r\n").as_bytes());
    }

    #[test]
    fn jsonl_round_trips_every_request(reqs in prop::collection::vec(arb_request(), 1..5)) {
        let text: String = reqs.iter().map(|r| to_jsonl_line(r) + "\n").collect();
        let back = read_file(text.as_bytes());
        let back: Vec<CapturedRequest> = back.into_iter().map(|r| r.unwrap()).collect();
        prop_assert_eq!(back, reqs);
    }

    #[test]
    fn mutated_jsonl_never_panics(
        reqs in prop::collection::vec(arb_request(), 1..4),
        edits in prop::collection::vec(arb_edit(), 1..6),
    ) {
        let text: String = reqs.iter().map(|r| to_jsonl_line(r) + "\n").collect();
        let _ = read_mem(&apply_edits(text.into_bytes(), &edits));
    }

    #[test]
    fn jsonl_with_json_level_mutations_never_panics(
        req in arb_request(),
        muts in prop::collection::vec((any::<usize>(), arb_json()), 1..4),
    ) {
        let mut v: Value = serde_json::from_str(&to_jsonl_line(&req)).unwrap();
        for (sel, with) in muts {
            mutate_json(&mut v, sel, with);
        }
        let _ = read_mem(format!("{v}\n{}\n", to_jsonl_line(&req)).as_bytes());
    }

    #[test]
    fn raw_http_round_trips_bodies(
        reqs in prop::collection::vec(arb_request(), 1..4),
        chunked in proptest::option::of(prop::collection::vec(1usize..64, 1..5)),
    ) {
        let reqs: Vec<CapturedRequest> =
            reqs.into_iter().map(|mut r| { r.method = "POST".into(); r }).collect();
        let raw: Vec<u8> = reqs.iter().flat_map(|r| raw_http(r, chunked.as_deref())).collect();
        let back = read_file(&raw);
        prop_assert_eq!(back.len(), reqs.len(), "{:?}", back);
        for (b, r) in back.into_iter().zip(&reqs) {
            let b = b.unwrap();
            prop_assert_eq!(&b.body, &r.body);
            prop_assert_eq!(&b.path, &r.path);
        }
    }

    #[test]
    fn mutated_raw_http_never_panics(
        req in arb_request(),
        chunked in proptest::option::of(prop::collection::vec(1usize..64, 1..5)),
        edits in prop::collection::vec(arb_edit(), 1..6),
    ) {
        let raw = raw_http(&req, chunked.as_deref());
        let _ = read_mem(&apply_edits(raw, &edits));
    }

    #[test]
    fn har_round_trips_and_mutated_har_never_panics(
        reqs in prop::collection::vec(arb_request(), 1..4),
        muts in prop::collection::vec((any::<usize>(), arb_json()), 0..4),
        edits in prop::collection::vec(arb_edit(), 0..3),
    ) {
        let doc = har(&reqs);
        let back: Vec<CapturedRequest> = read_mem(
            serde_json::to_string_pretty(&doc).unwrap().as_bytes())
            .into_iter().map(|r| r.unwrap()).collect();
        // Only a POST with a body is a webhook delivery; the other entries are skipped.
        let deliveries: Vec<&CapturedRequest> = reqs
            .iter()
            .filter(|r| r.method.eq_ignore_ascii_case("POST") && !r.body.is_empty())
            .collect();
        prop_assert_eq!(back.len(), deliveries.len());
        for (b, r) in back.iter().zip(deliveries) {
            prop_assert_eq!(&b.body, &r.body);
            prop_assert_eq!(&b.headers, &r.headers);
        }
        let mut doc = doc;
        for (sel, with) in muts {
            mutate_json(&mut doc, sel, with);
        }
        let bytes = apply_edits(serde_json::to_vec_pretty(&doc).unwrap(), &edits);
        let _ = read_mem(&bytes);
    }
}

// ---------------------------------------------------------------------------------------
// Signatures

fn arb_sig_value() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        "sha256=[0-9a-fA-F]{0,70}",
        "sha1=[0-9a-f]{38,42}",
        "(sha256|SHA256|sha1|md5|)[ =:]{0,2}[0-9a-f ]{60,68}",
        "sha256=[^\u{0}-\u{7f}]{32}",
        "\\s*sha256\\s*=\\s*[0-9a-f]{64}\\s*",
    ]
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn signature_values_never_panic(
        value in arb_sig_value(),
        secret in prop::collection::vec(any::<u8>(), 0..40),
        body in prop::collection::vec(any::<u8>(), 0..200),
    ) {
        match signature::parse_value(&value) {
            Ok((Scheme::Sha256, mac)) => prop_assert_eq!(mac.len(), 32),
            Ok((Scheme::Sha1, mac)) => prop_assert_eq!(mac.len(), 20),
            Err(v) => prop_assert!(!v.is_valid()),
        }
        let v = signature::verify_value(&secret, &value, &body);
        let _ = (v.reason(), v.hint(), v.label(), v.scheme());
        let _ = printer::verdict_note(&v);
    }

    #[test]
    fn header_lists_never_panic(
        headers in prop::collection::vec(
            (prop_oneof![
                Just("X-Hub-Signature-256".to_string()),
                Just("x-hub-signature".to_string()),
                Just("X-HUB-SIGNATURE-256".to_string()),
                any::<String>()],
             arb_sig_value()), 0..5),
        body in prop::collection::vec(any::<u8>(), 0..200),
    ) {
        let v = signature::verify_headers(
            b"k", headers.iter().map(|(n, v)| (n.as_str(), v.as_str())), &body);
        let has = headers.iter().any(|(n, _)| {
            n.eq_ignore_ascii_case("x-hub-signature-256") || n.eq_ignore_ascii_case("x-hub-signature")
        });
        prop_assert_eq!(has, v != Verdict::Missing);
        let _ = (v.reason(), v.hint());
    }

    #[test]
    fn a_fresh_signature_verifies_and_any_changed_digit_does_not(
        secret in prop::collection::vec(any::<u8>(), 1..64),
        body in prop::collection::vec(any::<u8>(), 0..500),
        at in 7usize..71,
        bump in 1u8..16,
    ) {
        let sig = signature::sign(&secret, &body);
        prop_assert!(signature::verify_value(&secret, &sig, &body).is_valid());
        prop_assert!(signature::verify_value(&secret, &sig.to_uppercase().replacen("SHA256", "sha256", 1), &body).is_valid());
        let mut bad = sig.into_bytes();
        let digit = (bad[at] as char).to_digit(16).unwrap();
        bad[at] = std::char::from_digit((digit + bump as u32) % 16, 16).unwrap() as u8;
        let bad = String::from_utf8(bad).unwrap();
        let v = signature::verify_value(&secret, &bad, &body);
        let is_mismatch = matches!(v, Verdict::Mismatch { .. });
        prop_assert!(is_mismatch, "{:?}", v);
    }

    #[test]
    fn diagnosis_never_panics_and_never_names_the_secret(
        secret in "[A-Za-z0-9]{12,24}",
        doc in arb_mutated_fixture(),
        got in prop::collection::vec(any::<u8>(), 0..40),
        variant in 0usize..4,
    ) {
        let body = serde_json::to_vec(&doc).unwrap();
        // Sign a variant of the body (pretty, trailing newline, padded secret) so the
        // diagnosis has something to find; or an arbitrary digest.
        let signed = match variant {
            0 => serde_json::to_vec_pretty(&doc).unwrap(),
            1 => [body.clone(), b"\n".to_vec()].concat(),
            _ => body.clone(),
        };
        let key = if variant == 2 { format!("{secret}\n") } else { secret.clone() };
        let mac = signature::mac(Scheme::Sha256, key.as_bytes(), &signed);
        let got = if variant == 3 { got } else { mac };
        let d = signature::diagnose(Scheme::Sha256, secret.as_bytes(), &body, &got);
        if let Some(d) = &d {
            prop_assert!(!d.explanation.contains(&secret));
        }
        let value = format!("sha256={}", signature::hex(&got));
        let v = signature::verify_value(secret.as_bytes(), &value, &body);
        prop_assert!(!v.reason().contains(&secret));
        prop_assert!(!v.hint().unwrap_or_default().contains(&secret));
        let _ = signature::unescape_json_text(&body, true);
        let _ = signature::escape_json_text(&body, false);
    }

    #[test]
    fn json_escaping_helpers_take_arbitrary_bytes(
        body in prop::collection::vec(any::<u8>(), 0..300),
        slashes in any::<bool>(),
    ) {
        let _ = signature::unescape_json_text(&body, slashes);
        let _ = signature::escape_json_text(&body, slashes);
    }
}

// ---------------------------------------------------------------------------------------
// --set paths

/// Dotted paths to existing nodes whose keys can be written in a `--set` path.
fn set_paths(v: &Value) -> Vec<Vec<String>> {
    fn walk(v: &Value, at: &mut Vec<String>, out: &mut Vec<Vec<String>>) {
        if out.len() > 2000 {
            return;
        }
        if !at.is_empty() {
            out.push(at.clone());
        }
        match v {
            Value::Array(items) => {
                for (i, x) in items.iter().enumerate() {
                    at.push(i.to_string());
                    walk(x, at, out);
                    at.pop();
                }
            }
            Value::Object(map) => {
                for (k, x) in map {
                    if k.is_empty() || k.contains('.') || k.contains('=') {
                        continue;
                    }
                    at.push(k.clone());
                    walk(x, at, out);
                    at.pop();
                }
            }
            _ => {}
        }
    }
    let mut out = Vec::new();
    walk(v, &mut Vec::new(), &mut out);
    out
}

/// Equal, except that floats may differ in their last bits (serde_json reads floats back to
/// within an ulp or so without its `float_roundtrip` feature).
fn same(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) if x.is_f64() || y.is_f64() => {
            let (x, y) = (x.as_f64().unwrap(), y.as_f64().unwrap());
            let diff = (x - y).abs();
            // Subnormals keep fewer digits: compare those absolutely.
            x == y || diff <= x.abs().max(y.abs()) * 1e-15 || diff < f64::MIN_POSITIVE
        }
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(a, b)| same(a, b))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len() && x.iter().all(|(k, v)| y.get(k).is_some_and(|w| same(v, w)))
        }
        _ => a == b,
    }
}

fn get<'a>(v: &'a Value, path: &[String]) -> Option<&'a Value> {
    path.iter().try_fold(v, |cur, seg| match cur {
        Value::Object(m) => m.get(seg),
        Value::Array(a) => seg.parse::<usize>().ok().and_then(|i| a.get(i)),
        _ => None,
    })
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn set_specs_never_panic(
        spec in prop_oneof![
            any::<String>(),
            "[a-z0-9.]{0,20}=[ -~]{0,20}",
            "(entry|0|changes|value|messages|99999999999999999999|-1|)(\\.(entry|0|1|changes|value|messages|text|body|18446744073709551616|))*=.{0,10}",
        ],
        body in prop_oneof![
            prop::collection::vec(any::<u8>(), 0..100),
            arb_mutated_fixture().prop_map(|v| serde_json::to_vec(&v).unwrap()),
            arb_json().prop_map(|v| serde_json::to_vec(&v).unwrap()),
        ],
    ) {
        if let Ok(op) = SetOp::parse(&spec) {
            prop_assert!(!op.path.is_empty() && op.path.iter().all(|s| !s.is_empty()));
            let _ = op.path_str();
            if let Ok(out) = fixtures::apply_sets(&body, std::slice::from_ref(&op)) {
                prop_assert!(serde_json::from_slice::<Value>(&out).is_ok());
            }
            for f in fixtures::catalogue().iter().take(3) {
                let _ = fixtures::render_value(f, &mut TokenSource::seeded(1, 1), std::slice::from_ref(&op));
            }
        }
        let _ = payload::parse_header(&spec);
    }

    #[test]
    fn set_on_an_existing_path_puts_the_value_there(
        doc in prop_oneof![arb_mutated_fixture(), arb_json()],
        selector in any::<usize>(),
        with in arb_json(),
    ) {
        let paths = set_paths(&doc);
        prop_assume!(!paths.is_empty());
        let path = &paths[selector % paths.len()];
        let spec = format!("{}={}", path.join("."), with);
        let op = SetOp::parse(&spec).unwrap();
        prop_assert!(same(&op.value, &with), "{:?} vs {:?}", op.value, with);
        // Where a string was, a value that is not a JSON string goes in as the text typed.
        let wanted = match (get(&doc, path), &with) {
            (Some(Value::String(_)), w) if !w.is_string() => Value::String(w.to_string()),
            _ => with.clone(),
        };
        let out = fixtures::apply_sets(&serde_json::to_vec(&doc).unwrap(), &[op]).unwrap();
        let out: Value = serde_json::from_slice(&out).unwrap();
        let got = get(&out, path);
        prop_assert!(got.is_some_and(|g| same(g, &wanted)), "{:?} at {:?}, wanted {:?}", got, path, wanted);
    }
}

// ---------------------------------------------------------------------------------------
// Events and the listen printer

fn print_everything(body: &[u8]) {
    plain();
    let ctx = Ctx {
        time: "12:00:00.000",
        id: 7,
        sig: Sig::Invalid,
        status: 401,
    };
    let parsed = event::extract(body);
    match &parsed {
        Ok(events) => {
            for (i, e) in events.iter().enumerate() {
                let summary = e.summary();
                assert!(
                    !summary.chars().any(char::is_control),
                    "summary has control characters: {summary:?}"
                );
                let j = e.to_json();
                assert_eq!(j["kind"], e.kind_str());
                let _ = (e.id(), e.dedup_key());
                if let Event::Message(m) = e {
                    let _ = m.context_id();
                }
                let view = e.view();
                let line = printer::event_line(&ctx, &view, (i % 2 == 0).then_some(3));
                assert_terminal_safe("an event line", &line);
                assert!(!line.contains('\n'), "one line per event: {line:?}");
                let record = printer::ndjson(&printer::RequestRecord {
                    id: 1,
                    received_at: "2024-05-01T12:00:00.000Z",
                    method: "POST",
                    path: "/webhook",
                    sig: Sig::Valid,
                    events: std::slice::from_ref(&view),
                    duplicate_of: None,
                    status: 200,
                    verdict: None,
                });
                let record: Value = serde_json::from_str(&record).expect("NDJSON line is JSON");
                assert_eq!(record["events"][0], j);
            }
            // What `listen` prints: the same events, borrowed from the body.
            let views = event::Document::parse(body).and_then(|d| {
                d.events()
                    .map(|v| v.iter().map(|v| v.summary()).collect::<Vec<_>>())
            });
            assert_eq!(
                views.as_ref().ok(),
                Some(&events.iter().map(Event::summary).collect::<Vec<_>>())
            );
        }
        Err(e) => {
            let line = match e {
                event::ParseError::NotJson(m) => printer::malformed_line(&ctx, m, body.len()),
                event::ParseError::NotWebhook(m) => printer::note_line(&ctx, m),
            };
            assert_terminal_safe("a note line", &line);
        }
    }
    let raw = printer::raw_block(body);
    assert_terminal_safe("the --raw block", &raw);
    // The same document, already parsed, gives the same events.
    if let Ok(v) = serde_json::from_slice::<Value>(body) {
        assert_eq!(event::extract_value(&v), parsed);
    }
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn events_from_arbitrary_bytes(body in prop::collection::vec(any::<u8>(), 0..500)) {
        print_everything(&body);
    }

    #[test]
    fn events_from_arbitrary_json(doc in arb_json()) {
        print_everything(&serde_json::to_vec(&doc).unwrap());
    }

    #[test]
    fn events_from_mutated_fixtures(doc in arb_mutated_fixture()) {
        print_everything(&serde_json::to_vec(&doc).unwrap());
        print_everything(&serde_json::to_vec_pretty(&doc).unwrap());
    }

    #[test]
    fn events_from_byte_mutated_fixtures(
        i in 0usize..64,
        edits in prop::collection::vec(arb_edit(), 1..5),
    ) {
        let bodies = fixture_bodies();
        let body = bodies[i % bodies.len()].clone();
        print_everything(&apply_edits(body, &edits));
    }

    #[test]
    fn printer_lines_stay_one_clean_line(
        text in arb_text(),
        headers in prop::collection::vec((arb_text(), arb_text()), 1..6),
        max in 0usize..200,
        query in prop_oneof![any::<String>(), "hub\\.(mode|verify_token|challenge)=[%+a-zA-Z0-9&=.]{0,30}"],
    ) {
        plain();
        let c = printer::clean(&text, max);
        assert_terminal_safe("clean()", &c);
        prop_assert!(!c.contains('\n'));
        prop_assert!(c.chars().count() <= max + 1);
        let s = printer::short_id(&text);
        assert_terminal_safe("short_id()", &s);
        prop_assert!(s.chars().count() <= 21);
        let _ = printer::clock(&text);
        let block = printer::headers_block(&headers);
        assert_terminal_safe("the -v headers block", &block);
        prop_assert_eq!(block.lines().count(), headers.len(), "one line per header: {:?}", block);
        // Method, path and reason can come from the network; hints are our own text.
        let line = printer::refused_line("12:00:00.000", 1, &text, &text, 413, &text, Some("a hint"));
        assert_terminal_safe("a refused line", &line);
        let (path, q) = server::split_target(&query);
        let _ = (path, handshake::query_param(q, "hub.mode"), handshake::percent_decode(&query));
        for token in [None, Some("tok"), Some(text.as_str())] {
            let outcome = handshake::handshake(&query, token);
            let _ = (outcome.status(), outcome.describe(), outcome.hint());
            let line = printer::handshake_line("12:00:00.000", 2, &outcome);
            assert_terminal_safe("a handshake line", &line);
        }
        let f = printer::forward_line(&text, Err(&text), printer::Sig::Invalid);
        assert_terminal_safe("a forward line", &f);
        let _ = printer::forward_line(&text, Ok((200, Duration::from_millis(3))), printer::Sig::Valid);
    }
}
