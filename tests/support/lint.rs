//! Helpers for the `lint` tests: webhook endpoints with configurable (mis)behaviour served over
//! HTTP or HTTPS (rustls, rcgen-made certificates), a JSON Schema validator for the subset the
//! committed schema uses, and a small XML well-formedness parser for the JUnit report.
#![allow(dead_code)]

use std::collections::HashSet;
use std::io::{Read, Write};
use std::net::SocketAddr;
use std::sync::atomic::AtomicBool;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use assert_cmd::Command;
use serde_json::Value;

use super::server::LocalServer;
use super::{hmac_sha256_hex, Run};

pub const SECRET: &str = "s3cret-for-lint-tests";
pub const TOKEN: &str = "verify-me-123";

use super::certs::{accept_tls, server_config, ServerCert};

// ---------------------------------------------------------------------------------------------
// Endpoints

/// How the endpoint checks signatures.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verify {
    /// HMAC over the raw body bytes (correct).
    Raw,
    /// Parse, re-serialize compactly, then HMAC (the seed's Node example:
    /// `JSON.stringify(req.body)`).
    Reserialized,
    /// Parse, re-serialize as Python's `json.dumps(json.loads(body))` does (`", "` and `": "`
    /// separators, non-ASCII as `\uXXXX`), then HMAC: a Flask or Django endpoint that
    /// verifies the re-serialized body.
    PythonDumps,
    /// No check at all.
    Nothing,
}

/// What Python's `json.dumps(value)` writes with its defaults (written here independently of
/// the crate's probe builder).
pub fn python_dumps(v: &Value) -> String {
    match v {
        Value::Object(m) => {
            let items: Vec<String> = m
                .iter()
                .map(|(k, v)| {
                    format!(
                        "{}: {}",
                        python_dumps(&Value::String(k.clone())),
                        python_dumps(v)
                    )
                })
                .collect();
            format!("{{{}}}", items.join(", "))
        }
        Value::Array(a) => {
            let items: Vec<String> = a.iter().map(python_dumps).collect();
            format!("[{}]", items.join(", "))
        }
        Value::String(s) => {
            let mut out = String::from("\"");
            for c in s.chars() {
                match c {
                    '"' => out.push_str("\\\""),
                    '\\' => out.push_str("\\\\"),
                    '\n' => out.push_str("\\n"),
                    '\r' => out.push_str("\\r"),
                    '\t' => out.push_str("\\t"),
                    '\u{8}' => out.push_str("\\b"),
                    '\u{c}' => out.push_str("\\f"),
                    c if (c as u32) < 0x20 || !c.is_ascii() => {
                        let mut units = [0u16; 2];
                        for u in c.encode_utf16(&mut units) {
                            out.push_str(&format!("\\u{u:04x}"));
                        }
                    }
                    c => out.push(c),
                }
            }
            out.push('"');
            out
        }
        other => other.to_string(),
    }
}

/// How the endpoint answers the verification GET.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Handshake {
    Correct,
    /// Answers the challenge JSON-quoted (`"123"`).
    Quoted,
    /// Echoes the challenge whatever the token.
    AnyToken,
}

#[derive(Clone, Debug)]
pub struct Behaviour {
    pub verify: Verify,
    pub handshake: Handshake,
    /// Answer every request with 301 to this Location.
    pub redirect_to: Option<String>,
    /// Wait this long before answering anything.
    pub delay: Duration,
    /// Status for a correctly signed body that is not JSON.
    pub malformed_status: u16,
    /// Answer 409 to a message id seen before.
    pub reject_duplicates: bool,
    /// Read the sender's `contacts[0].wa_id` unconditionally, as handlers written before
    /// June 2026 do: a message without it crashes the handler (500).
    pub reads_wa_id: bool,
}

impl Behaviour {
    pub fn correct() -> Behaviour {
        Behaviour {
            verify: Verify::Raw,
            handshake: Handshake::Correct,
            redirect_to: None,
            delay: Duration::ZERO,
            malformed_status: 400,
            reject_duplicates: false,
            reads_wa_id: false,
        }
    }
}

/// One recorded request.
#[derive(Clone, Debug)]
pub struct Seen {
    pub method: String,
    pub target: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

/// A running endpoint; stops when dropped.
pub struct Endpoint {
    pub url: String,
    pub addr: SocketAddr,
    pub seen: Arc<Mutex<Vec<Seen>>>,
    _server: LocalServer,
}

/// Most connections one endpoint serves (bounds every test).
const MAX_CONNECTIONS: usize = 500;

/// Serve `behaviour` on 127.0.0.1, port 0, at `/webhook`; HTTPS when `cert` is given.
pub fn serve(behaviour: Behaviour, cert: Option<&ServerCert>) -> Endpoint {
    let scheme = if cert.is_some() { "https" } else { "http" };
    let tls = cert.map(server_config);
    let seen = Arc::new(Mutex::new(Vec::new()));
    let ids = Arc::new(Mutex::new(HashSet::new()));
    let server = {
        let seen = seen.clone();
        let stop = Arc::new(AtomicBool::new(false));
        LocalServer::start_with(MAX_CONNECTIONS, stop, move |_, tcp| {
            let _ = tcp.set_read_timeout(Some(Duration::from_secs(5)));
            let _ = tcp.set_write_timeout(Some(Duration::from_secs(5)));
            match &tls {
                Some(cfg) => {
                    let Some(mut s) = accept_tls(cfg, tcp) else {
                        return;
                    };
                    if handle(&mut s, &behaviour, &seen, &ids).is_ok() {
                        s.conn.send_close_notify();
                        let _ = s.flush();
                    }
                }
                None => {
                    let mut tcp = tcp;
                    let _ = handle(&mut tcp, &behaviour, &seen, &ids);
                }
            }
        })
    };
    let url = format!("{scheme}://127.0.0.1:{}/webhook", server.addr.port());
    Endpoint {
        url,
        addr: server.addr,
        seen,
        _server: server,
    }
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < b.len() => {
                let h = std::str::from_utf8(&b[i + 1..i + 3]).unwrap_or("zz");
                match u8::from_str_radix(h, 16) {
                    Ok(v) => {
                        out.push(v);
                        i += 2;
                    }
                    Err(_) => out.push(b'%'),
                }
            }
            c => out.push(c),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn query_param(target: &str, name: &str) -> Option<String> {
    let q = target.split_once('?')?.1;
    q.split('&').find_map(|kv| {
        let (k, v) = kv.split_once('=').unwrap_or((kv, ""));
        (percent_decode(k) == name).then(|| percent_decode(v))
    })
}

fn handle<S: Read + Write>(
    s: &mut S,
    b: &Behaviour,
    seen: &Mutex<Vec<Seen>>,
    ids: &Mutex<HashSet<String>>,
) -> std::io::Result<()> {
    let mut raw = Vec::new();
    let mut buf = [0u8; 8192];
    let head_end = loop {
        if let Some(i) = find(&raw, b"\r\n\r\n") {
            break i;
        }
        let n = s.read(&mut buf)?;
        if n == 0 || raw.len() > 64 * 1024 {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
        raw.extend_from_slice(&buf[..n]);
        if raw[0] == 0x16 {
            // A TLS ClientHello on the plain port: answer like a web server does.
            s.write_all(
                b"HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n",
            )?;
            return s.flush();
        }
    };
    let head = String::from_utf8_lossy(&raw[..head_end]).into_owned();
    let mut lines = head.split("\r\n");
    let mut rl = lines.next().unwrap_or_default().split(' ');
    let method = rl.next().unwrap_or_default().to_string();
    let target = rl.next().unwrap_or_default().to_string();
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    let get = |n: &str| headers.iter().find(|(k, _)| k == n).map(|(_, v)| v.clone());
    let len: usize = get("content-length")
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    let mut body = raw[head_end + 4..].to_vec();
    while body.len() < len {
        let n = s.read(&mut buf)?;
        if n == 0 {
            break;
        }
        body.extend_from_slice(&buf[..n]);
    }
    body.truncate(len);
    seen.lock().unwrap().push(Seen {
        method: method.clone(),
        target: target.clone(),
        headers: headers.clone(),
        body: body.clone(),
    });

    if !b.delay.is_zero() {
        std::thread::sleep(b.delay);
    }
    let (status, extra, text): (u16, Vec<(String, String)>, String) =
        if let Some(loc) = &b.redirect_to {
            (301, vec![("Location".into(), loc.clone())], "moved".into())
        } else if method == "GET" {
            let mode = query_param(&target, "hub.mode");
            let token = query_param(&target, "hub.verify_token");
            let challenge = query_param(&target, "hub.challenge").unwrap_or_default();
            let token_ok = token.as_deref() == Some(TOKEN);
            match b.handshake {
                _ if mode.as_deref() != Some("subscribe") => (400, vec![], "bad mode".into()),
                Handshake::Correct if token_ok => (200, vec![], challenge),
                Handshake::Correct => (403, vec![], "Forbidden".into()),
                Handshake::Quoted => (200, vec![], format!("\"{challenge}\"")),
                Handshake::AnyToken => (200, vec![], challenge),
            }
        } else {
            post(b, ids, get("x-hub-signature-256"), &body)
        };
    let reason = match status {
        200 => "OK",
        301 => "Moved Permanently",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        409 => "Conflict",
        _ => "Internal Server Error",
    };
    let mut resp = format!(
        "HTTP/1.1 {status} {reason}\r\nContent-Type: text/plain\r\nContent-Length: {}\r\nConnection: close\r\n",
        text.len()
    );
    for (n, v) in extra {
        resp.push_str(&format!("{n}: {v}\r\n"));
    }
    resp.push_str("\r\n");
    resp.push_str(&text);
    s.write_all(resp.as_bytes())?;
    s.flush()
}

fn post(
    b: &Behaviour,
    ids: &Mutex<HashSet<String>>,
    sig: Option<String>,
    body: &[u8],
) -> (u16, Vec<(String, String)>, String) {
    let expect = |bytes: &[u8]| format!("sha256={}", hmac_sha256_hex(SECRET.as_bytes(), bytes));
    let parsed: Option<Value> = serde_json::from_slice(body).ok();
    let valid = match b.verify {
        Verify::Nothing => true,
        Verify::Raw => sig.as_deref() == Some(expect(body).as_str()),
        Verify::Reserialized => match &parsed {
            // express.json() answers 400 before the verifier runs.
            None => return (400, vec![], "Bad Request".into()),
            Some(v) => sig.as_deref() == Some(expect(&serde_json::to_vec(v).unwrap()).as_str()),
        },
        Verify::PythonDumps => match &parsed {
            // json.loads raises: Flask answers 400.
            None => return (400, vec![], "Bad Request".into()),
            Some(v) => sig.as_deref() == Some(expect(python_dumps(v).as_bytes()).as_str()),
        },
    };
    if !valid {
        return (401, vec![], "Unauthorized".into());
    }
    let Some(v) = parsed else {
        return (b.malformed_status, vec![], "cannot parse body".into());
    };
    let value = v.pointer("/entry/0/changes/0/value");
    let wa_id = value.and_then(|v| v.pointer("/contacts/0/wa_id"));
    if b.reads_wa_id && value.and_then(|v| v.get("messages")).is_some() && wa_id.is_none() {
        // `value["contacts"][0]["wa_id"]` raised KeyError: the framework answers 500.
        return (500, vec![], "KeyError: 'wa_id'".into());
    }
    if let Some(id) = v
        .pointer("/entry/0/changes/0/value/messages/0/id")
        .and_then(Value::as_str)
    {
        let fresh = ids.lock().unwrap().insert(id.to_string());
        if !fresh && b.reject_duplicates {
            return (409, vec![], "duplicate".into());
        }
    }
    (200, vec![], "OK".into())
}

// ---------------------------------------------------------------------------------------------
// Running lint

/// Run `lint` (or any command) to completion; its output must be UTF-8.
pub fn run(cmd: &mut Command) -> Run {
    Run::utf8(cmd.output().expect("cmzon-hook runs"))
}

/// The check with this id in a `--json` document.
pub fn check<'a>(doc: &'a Value, id: &str) -> &'a Value {
    doc["checks"]
        .as_array()
        .expect("checks is an array")
        .iter()
        .find(|c| c["id"] == id)
        .unwrap_or_else(|| panic!("no check `{id}` in {doc:#}"))
}

/// Assert every check's status, in order, naming the check and its message on a mismatch.
pub fn assert_verdicts(doc: &Value, expected: &[(&str, &str)]) {
    let got: Vec<(String, String, String)> = doc["checks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["id"].as_str().unwrap().to_string(),
                c["status"].as_str().unwrap().to_string(),
                c["message"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let ids: Vec<&str> = got.iter().map(|g| g.0.as_str()).collect();
    let want_ids: Vec<&str> = expected.iter().map(|e| e.0).collect();
    assert_eq!(ids, want_ids, "checks run");
    for ((id, status, msg), (_, want)) in got.iter().zip(expected) {
        assert_eq!(status, want, "check `{id}`: {msg}");
    }
}

// ---------------------------------------------------------------------------------------------
// JSON Schema (the subset the committed schema uses)

const ANNOTATIONS: &[&str] = &["$schema", "$id", "title", "description", "$defs"];

/// Validate `instance` against `schema` (resolving `$ref`s in `root`). Returns every error,
/// as `path: problem`. Panics on a keyword it does not implement, so the schema cannot drift
/// into constructs this validator would silently ignore.
pub fn validate(root: &Value, schema: &Value, instance: &Value, path: &str) -> Vec<String> {
    let mut errors = Vec::new();
    let Some(obj) = schema.as_object() else {
        panic!("schema at {path} is not an object");
    };
    for (k, v) in obj {
        match k.as_str() {
            k if ANNOTATIONS.contains(&k) => {}
            "$ref" => {
                let r = v.as_str().expect("$ref is a string");
                let ptr = r.strip_prefix('#').expect("only local $refs");
                let target = root
                    .pointer(ptr)
                    .unwrap_or_else(|| panic!("unresolvable $ref {r}"));
                errors.extend(validate(root, target, instance, path));
            }
            "type" => {
                let types: Vec<&str> = match v {
                    Value::String(s) => vec![s.as_str()],
                    Value::Array(a) => a.iter().filter_map(Value::as_str).collect(),
                    _ => panic!("bad type keyword"),
                };
                if !types.iter().any(|t| type_matches(t, instance)) {
                    errors.push(format!("{path}: expected {types:?}, got {instance}"));
                }
            }
            "enum" => {
                if !v.as_array().expect("enum array").contains(instance) {
                    errors.push(format!("{path}: {instance} not in {v}"));
                }
            }
            "const" => {
                if v != instance {
                    errors.push(format!("{path}: {instance} is not {v}"));
                }
            }
            "required" => {
                if let Some(o) = instance.as_object() {
                    for r in v.as_array().expect("required array") {
                        let r = r.as_str().unwrap();
                        if !o.contains_key(r) {
                            errors.push(format!("{path}: missing required `{r}`"));
                        }
                    }
                }
            }
            "properties" => {
                if let Some(o) = instance.as_object() {
                    for (name, sub) in v.as_object().expect("properties object") {
                        if let Some(x) = o.get(name) {
                            errors.extend(validate(root, sub, x, &format!("{path}/{name}")));
                        }
                    }
                }
            }
            "additionalProperties" => {
                if let Some(o) = instance.as_object() {
                    let known = obj.get("properties").and_then(Value::as_object);
                    for (name, x) in o {
                        if known.is_some_and(|k| k.contains_key(name)) {
                            continue;
                        }
                        match v {
                            Value::Bool(false) => {
                                errors.push(format!("{path}: unexpected property `{name}`"))
                            }
                            Value::Bool(true) => {}
                            s => errors.extend(validate(root, s, x, &format!("{path}/{name}"))),
                        }
                    }
                }
            }
            "items" => {
                if let Some(a) = instance.as_array() {
                    for (i, x) in a.iter().enumerate() {
                        errors.extend(validate(root, v, x, &format!("{path}/{i}")));
                    }
                }
            }
            "minItems" | "maxItems" => {
                if let Some(a) = instance.as_array() {
                    let n = v.as_u64().unwrap() as usize;
                    let bad = if k == "minItems" {
                        a.len() < n
                    } else {
                        a.len() > n
                    };
                    if bad {
                        errors.push(format!("{path}: {k} {n}, got {}", a.len()));
                    }
                }
            }
            "minimum" => {
                if let Some(x) = instance.as_f64() {
                    if x < v.as_f64().unwrap() {
                        errors.push(format!("{path}: {x} < minimum {v}"));
                    }
                }
            }
            "minLength" => {
                if let Some(s) = instance.as_str() {
                    if (s.chars().count() as u64) < v.as_u64().unwrap() {
                        errors.push(format!("{path}: shorter than {v}"));
                    }
                }
            }
            other => panic!("the test validator does not implement `{other}` (at {path})"),
        }
    }
    errors
}

fn type_matches(t: &str, x: &Value) -> bool {
    match t {
        "object" => x.is_object(),
        "array" => x.is_array(),
        "string" => x.is_string(),
        "number" => x.is_number(),
        "integer" => x.is_u64() || x.is_i64() || x.as_f64().is_some_and(|f| f.fract() == 0.0),
        "boolean" => x.is_boolean(),
        "null" => x.is_null(),
        other => panic!("unknown type `{other}`"),
    }
}

/// The committed schema for `lint --json`.
pub fn lint_schema() -> Value {
    let p = super::source_tree().join("tests/data/lint.schema.json");
    serde_json::from_str(&std::fs::read_to_string(p).expect("schema file")).expect("schema is JSON")
}

/// Validate a `lint --json` document against the committed schema.
pub fn schema_errors(doc: &Value) -> Vec<String> {
    let schema = lint_schema();
    validate(&schema, &schema, doc, "")
}

// ---------------------------------------------------------------------------------------------
// XML (well-formedness, enough for JUnit)

#[derive(Debug, Clone, PartialEq)]
pub struct Element {
    pub name: String,
    pub attrs: Vec<(String, String)>,
    pub children: Vec<Element>,
    pub text: String,
}

impl Element {
    pub fn attr(&self, name: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
    pub fn child(&self, name: &str) -> Option<&Element> {
        self.children.iter().find(|c| c.name == name)
    }
    pub fn all(&self, name: &str) -> Vec<&Element> {
        self.children.iter().filter(|c| c.name == name).collect()
    }
}

/// Parse an XML document (declaration, comments, elements, attributes, character data,
/// predefined and numeric entities). Any well-formedness error is an `Err`.
pub fn parse_xml(s: &str) -> Result<Element, String> {
    let mut p = XmlParser { s, i: 0 };
    p.skip_ws();
    if p.rest().starts_with("<?xml") {
        let end = p.rest().find("?>").ok_or("unterminated XML declaration")?;
        p.i += end + 2;
    }
    p.misc()?;
    let root = p.element()?;
    p.misc()?;
    if p.i != s.len() {
        return Err(format!("content after the root element at byte {}", p.i));
    }
    Ok(root)
}

struct XmlParser<'a> {
    s: &'a str,
    i: usize,
}

impl XmlParser<'_> {
    fn rest(&self) -> &str {
        &self.s[self.i..]
    }
    fn skip_ws(&mut self) {
        while self.rest().starts_with([' ', '\n', '\r', '\t']) {
            self.i += 1;
        }
    }
    fn misc(&mut self) -> Result<(), String> {
        loop {
            self.skip_ws();
            if self.rest().starts_with("<!--") {
                let end = self.rest().find("-->").ok_or("unterminated comment")?;
                self.i += end + 3;
            } else {
                return Ok(());
            }
        }
    }
    fn name(&mut self) -> Result<String, String> {
        let n: String = self
            .rest()
            .chars()
            .take_while(|c| c.is_alphanumeric() || matches!(c, '_' | '-' | '.' | ':'))
            .collect();
        if n.is_empty() || n.starts_with(|c: char| c.is_ascii_digit() || c == '-' || c == '.') {
            return Err(format!("expected a name at byte {}", self.i));
        }
        self.i += n.len();
        Ok(n)
    }
    fn expect(&mut self, t: &str) -> Result<(), String> {
        if self.rest().starts_with(t) {
            self.i += t.len();
            Ok(())
        } else {
            Err(format!("expected `{t}` at byte {}", self.i))
        }
    }
    fn decode(&self, raw: &str) -> Result<String, String> {
        let mut out = String::new();
        let mut rest = raw;
        while let Some(a) = rest.find('&') {
            out.push_str(&rest[..a]);
            let semi = rest[a..].find(';').ok_or("unterminated entity")? + a;
            let ent = &rest[a + 1..semi];
            let c = match ent {
                "amp" => '&',
                "lt" => '<',
                "gt" => '>',
                "quot" => '"',
                "apos" => '\'',
                e if e.starts_with("#x") => u32::from_str_radix(&e[2..], 16)
                    .ok()
                    .and_then(char::from_u32)
                    .ok_or(format!("bad entity &{e};"))?,
                e if e.starts_with('#') => e[1..]
                    .parse::<u32>()
                    .ok()
                    .and_then(char::from_u32)
                    .ok_or(format!("bad entity &{e};"))?,
                e => return Err(format!("unknown entity &{e};")),
            };
            out.push(c);
            rest = &rest[semi + 1..];
        }
        out.push_str(rest);
        if out
            .chars()
            .any(|c| (c as u32) < 0x20 && !matches!(c, '\t' | '\n' | '\r'))
        {
            return Err("control character in XML".into());
        }
        Ok(out)
    }
    fn element(&mut self) -> Result<Element, String> {
        self.expect("<")?;
        let name = self.name()?;
        let mut attrs: Vec<(String, String)> = Vec::new();
        loop {
            let before = self.i;
            self.skip_ws();
            if self.rest().starts_with("/>") {
                self.i += 2;
                return Ok(Element {
                    name,
                    attrs,
                    children: vec![],
                    text: String::new(),
                });
            }
            if self.rest().starts_with('>') {
                self.i += 1;
                break;
            }
            if self.i == before {
                return Err(format!(
                    "expected whitespace before an attribute at byte {}",
                    self.i
                ));
            }
            let an = self.name()?;
            self.skip_ws();
            self.expect("=")?;
            self.skip_ws();
            let q = self.rest().chars().next().ok_or("unexpected end")?;
            if q != '"' && q != '\'' {
                return Err(format!("unquoted attribute value at byte {}", self.i));
            }
            self.i += 1;
            let end = self.rest().find(q).ok_or("unterminated attribute")?;
            let raw = &self.rest()[..end];
            if raw.contains('<') {
                return Err("`<` in an attribute value".into());
            }
            let v = self.decode(raw)?;
            self.i += end + 1;
            if attrs.iter().any(|(n, _)| *n == an) {
                return Err(format!("duplicate attribute `{an}`"));
            }
            attrs.push((an, v));
        }
        let mut children = Vec::new();
        let mut text = String::new();
        loop {
            let lt = self.rest().find('<').ok_or(format!("unclosed <{name}>"))?;
            let raw = &self.rest()[..lt];
            if raw.contains('>') && raw.contains("]]>") {
                return Err("`]]>` in character data".into());
            }
            text.push_str(&self.decode(raw)?);
            self.i += lt;
            if self.rest().starts_with("</") {
                self.i += 2;
                let close = self.name()?;
                if close != name {
                    return Err(format!("</{close}> closes <{name}>"));
                }
                self.skip_ws();
                self.expect(">")?;
                return Ok(Element {
                    name,
                    attrs,
                    children,
                    text,
                });
            } else if self.rest().starts_with("<!--") {
                let end = self.rest().find("-->").ok_or("unterminated comment")?;
                self.i += end + 3;
            } else {
                children.push(self.element()?);
            }
        }
    }
}
