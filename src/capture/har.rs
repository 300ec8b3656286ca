//! HAR 1.2 captures (browser devtools, mitmproxy, Charles): the document is read whole, then
//! each `log.entries[].request` is one request, `file#N`.

use std::io::BufRead;

use serde_json::Value;

use super::{
    decode_base64, json_message, read_error, split_target, CapturedRequest, Captures, Located,
};
use crate::error::{Error, Result};

/// Entries of a HAR file that are not webhook deliveries, skipped by the reader: devtools
/// exports hold every request of a page (`GET /app.js`), and only a POST with a body is a
/// delivery.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Skipped {
    pub count: usize,
    /// The first few, as `METHOD /path` (`POST /path (no body)`).
    pub examples: Vec<String>,
}

impl Skipped {
    const EXAMPLES: usize = 3;

    /// One line for stderr, `None` when nothing was skipped.
    pub fn describe(&self, name: &str) -> Option<String> {
        if self.count == 0 {
            return None;
        }
        let mut examples = self.examples.join(", ");
        if self.count > self.examples.len() {
            examples.push_str(", …");
        }
        Some(format!(
            "{name}: skipped {} HAR entr{} that {} not webhook deliveries (only a POST with a body is): {examples}",
            self.count,
            if self.count == 1 { "y" } else { "ies" },
            if self.count == 1 { "is" } else { "are" },
        ))
    }
}

/// `Some("METHOD /path")` when a HAR entry is readable and is not a webhook delivery (not a
/// POST, or a POST without a body); `None` for a delivery or an entry the reader must report.
fn not_a_delivery(entry: &Value) -> Option<String> {
    let request = entry.get("request")?;
    let method = request.get("method")?.as_str()?;
    let url = request.get("url").and_then(Value::as_str).unwrap_or("");
    let (path, _) = split_target(url);
    if !method.eq_ignore_ascii_case("POST") {
        return Some(format!("{method} {path}"));
    }
    let body = match request.get("postData") {
        None | Some(Value::Null) => false,
        Some(post) => match post.get("text") {
            Some(Value::String(t)) => !t.is_empty(),
            // params without text, or a malformed postData: the reader reports it
            Some(_) => true,
            None => post
                .get("params")
                .and_then(Value::as_array)
                .is_some_and(|p| !p.is_empty()),
        },
    };
    (!body).then(|| format!("{method} {path} (no body)"))
}

pub(super) fn read_har(
    name: &str,
    mut reader: Box<dyn BufRead>,
    skipped: u64,
) -> Result<(Captures, Skipped)> {
    let mut data = Vec::new();
    reader
        .read_to_end(&mut data)
        .map_err(|e| read_error(name, &e))?;
    let doc: Value = serde_json::from_slice(&data).map_err(|e| {
        Error::input(format!(
            "{name}:{}:{}: invalid JSON: {}",
            e.line() as u64 + skipped,
            e.column(),
            json_message(&e)
        ))
        .with_hint("a HAR file is one JSON document; re-export it from devtools")
    })?;
    drop(data);
    let entries = match doc {
        Value::Object(mut map) => match map.remove("log") {
            Some(Value::Object(mut log)) => log.remove("entries"),
            _ => None,
        },
        _ => None,
    };
    let Some(Value::Array(entries)) = entries else {
        return Err(
            Error::input(format!("{name}: not a HAR file: no `log.entries` array")).with_hint(
                "JSONL captures have one request object per line; HAR files have log.entries",
            ),
        );
    };
    let name = name.to_string();
    let mut not_deliveries = Skipped::default();
    let deliveries: Vec<(usize, Value)> = entries
        .into_iter()
        .enumerate()
        .filter(|(_, entry)| match not_a_delivery(entry) {
            Some(what) => {
                not_deliveries.count += 1;
                if not_deliveries.examples.len() < Skipped::EXAMPLES {
                    not_deliveries.examples.push(what);
                }
                false
            }
            None => true,
        })
        .collect();
    let requests: Captures = Box::new(deliveries.into_iter().map(move |(i, entry)| {
        let source = format!("{name}#{}", i + 1);
        har_entry(entry)
            .map(|request| Located {
                source: source.clone(),
                request,
            })
            .map_err(|what| {
                Error::input(format!("{source}: {what}")).with_hint(
                    "HAR 1.2 entries need request.method, request.url and request.headers",
                )
            })
    }));
    Ok((requests, not_deliveries))
}

fn har_entry(entry: Value) -> std::result::Result<CapturedRequest, String> {
    let Value::Object(mut entry) = entry else {
        return Err("entry is not an object".into());
    };
    let received_at = match entry.remove("startedDateTime") {
        Some(Value::String(s)) => Some(s),
        _ => None,
    };
    let Some(Value::Object(mut request)) = entry.remove("request") else {
        return Err("entry has no `request` object".into());
    };
    let Some(Value::String(method)) = request.remove("method") else {
        return Err("request has no `method` string".into());
    };
    let Some(Value::String(url)) = request.remove("url") else {
        return Err("request has no `url` string".into());
    };
    let (path, query) = split_target(&url);
    let headers = match request.remove("headers") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(items)) => {
            let mut headers = Vec::with_capacity(items.len());
            for (i, item) in items.into_iter().enumerate() {
                let pair = match &item {
                    Value::Object(h) => match (h.get("name"), h.get("value")) {
                        (Some(Value::String(n)), Some(Value::String(v))) => Some((n, v)),
                        _ => None,
                    },
                    _ => None,
                };
                let Some((n, v)) = pair else {
                    return Err(format!(
                        "request.headers[{i}] is not {{\"name\": .., \"value\": ..}}"
                    ));
                };
                if !n.starts_with(':') {
                    headers.push((n.clone(), v.clone()));
                }
            }
            headers
        }
        Some(_) => return Err("request.headers is not an array".into()),
    };
    let body = match request.remove("postData") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Object(post)) => {
            let encoding = post.get("encoding").and_then(Value::as_str);
            match (post.get("text"), encoding) {
                (Some(Value::String(text)), None) => text.clone().into_bytes(),
                (Some(Value::String(text)), Some(e)) if e.eq_ignore_ascii_case("base64") => {
                    decode_base64(text)
                        .map_err(|e| format!("postData.text is not valid base64: {e}"))?
                }
                (Some(Value::String(_)), Some(other)) => {
                    return Err(format!("unsupported postData.encoding `{other}`"))
                }
                (None, _)
                    if post
                        .get("params")
                        .and_then(Value::as_array)
                        .is_some_and(|p| !p.is_empty()) =>
                {
                    return Err(
                        "postData has params but no text: the exact body bytes are not in the file"
                            .into(),
                    )
                }
                (None, _) => Vec::new(),
                (Some(_), _) => return Err("postData.text is not a string".into()),
            }
        }
        Some(_) => return Err("request.postData is not an object".into()),
    };
    Ok(CapturedRequest {
        id: None,
        received_at,
        remote_addr: None,
        method,
        path,
        query,
        headers,
        body,
    })
}

/// An answer in a HAR entry: status, headers in order, body.
pub type HarResponse<'a> = (u16, &'a [(String, String)], &'a [u8]);

/// One request for [`write_har`]: what was received and, when known, what was answered
/// (`status` alone, or the full response of the app behind `listen --forward-to`).
pub struct HarEntry<'a> {
    pub request: &'a CapturedRequest,
    /// `scheme://host:port` the request was sent to: the URL is this plus its path and query.
    pub origin: &'a str,
    pub status: Option<u16>,
    pub response: Option<HarResponse<'a>>,
}

/// A HAR 1.2 document holding `entries` (readable back by this module: bodies that are not
/// UTF-8 are base64 with `postData.encoding`).
pub fn write_har(entries: &[HarEntry<'_>]) -> String {
    use base64::Engine as _;
    use serde_json::json;
    let pairs = |h: &[(String, String)]| -> Vec<Value> {
        h.iter()
            .map(|(n, v)| json!({ "name": n, "value": v }))
            .collect()
    };
    let content_type = |h: &[(String, String)]| {
        h.iter()
            .find(|(n, _)| n.eq_ignore_ascii_case("content-type"))
            .map_or("application/octet-stream".to_string(), |(_, v)| v.clone())
    };
    let text_of = |body: &[u8]| -> (String, Option<&str>) {
        match std::str::from_utf8(body) {
            Ok(t) => (t.to_string(), None),
            Err(_) => (
                base64::engine::general_purpose::STANDARD.encode(body),
                Some("base64"),
            ),
        }
    };
    let items: Vec<Value> = entries
        .iter()
        .map(|e| {
            let r = e.request;
            let mut url = format!("{}{}", e.origin, r.path);
            if !r.query.is_empty() {
                url.push('?');
                url.push_str(&r.query);
            }
            let query: Vec<Value> = reqwest::Url::parse(&url)
                .map(|u| {
                    u.query_pairs()
                        .map(|(n, v)| json!({ "name": n, "value": v }))
                        .collect()
                })
                .unwrap_or_default();
            let mut request = json!({
                "method": r.method,
                "url": url,
                "httpVersion": "HTTP/1.1",
                "cookies": [],
                "headers": pairs(&r.headers),
                "queryString": query,
                "headersSize": -1,
                "bodySize": r.body.len(),
            });
            if !r.body.is_empty() || r.method.eq_ignore_ascii_case("POST") {
                let (text, encoding) = text_of(&r.body);
                let mut post = json!({ "mimeType": content_type(&r.headers), "text": text });
                if let Some(enc) = encoding {
                    post["encoding"] = enc.into();
                }
                request["postData"] = post;
            }
            let (status, headers, body): (u16, &[(String, String)], &[u8]) = match e.response {
                Some((s, h, b)) => (s, h, b),
                None => (e.status.unwrap_or(0), &[], &[]),
            };
            let (text, encoding) = text_of(body);
            let mut content = json!({
                "size": body.len(),
                "mimeType": content_type(headers),
                "text": text,
            });
            if let Some(enc) = encoding {
                content["encoding"] = enc.into();
            }
            let mut entry = json!({
                "startedDateTime": r.received_at.as_deref().unwrap_or("1970-01-01T00:00:00.000Z"),
                "time": 0,
                "request": request,
                "response": {
                    "status": status,
                    "statusText": "",
                    "httpVersion": "HTTP/1.1",
                    "cookies": [],
                    "headers": pairs(headers),
                    "content": content,
                    "redirectURL": "",
                    "headersSize": -1,
                    "bodySize": body.len(),
                },
                "cache": {},
                "timings": { "send": 0, "wait": 0, "receive": 0 },
            });
            if let Some(id) = r.id {
                entry["comment"] = format!("cmzon-hook #{id}").into();
            }
            entry
        })
        .collect();
    let doc = json!({ "log": {
        "version": "1.2",
        "creator": { "name": "cmzon-hook", "version": env!("CARGO_PKG_VERSION") },
        "entries": items,
    }});
    serde_json::to_string_pretty(&doc).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::super::testing::{err_of, read};
    use serde_json::Value;

    const HAR: &str = r#"{
  "log": {
    "version": "1.2",
    "creator": {"name": "WebInspector", "version": "537.36"},
    "entries": [
      {
        "startedDateTime": "2024-05-01T12:00:00.000Z",
        "request": {
          "method": "POST",
          "url": "https://example.test/webhook?x=1#frag",
          "httpVersion": "HTTP/2",
          "headers": [
            {"name": ":authority", "value": "example.test"},
            {"name": "content-type", "value": "application/json"},
            {"name": "X-Hub-Signature-256", "value": "sha256=abc"},
            {"name": "X-Dup", "value": "1"},
            {"name": "x-dup", "value": "2"}
          ],
          "postData": {"mimeType": "application/json", "text": "{\"a\":\"\u00e9\"}"}
        },
        "response": {"status": 200}
      },
      {
        "request": {
          "method": "POST",
          "url": "http://localhost:3000",
          "headers": [],
          "postData": {"mimeType": "application/octet-stream", "text": "/wBh", "encoding": "base64"}
        }
      },
      {"request": {"method": "GET", "url": "/webhook?hub.mode=subscribe", "headers": []}},
      {"response": {}},
      {"request": {"method": "POST", "url": "/", "headers": [], "postData": {"params": [{"name": "a"}]}}}
    ]
  }
}
"#;

    #[test]
    fn har_entries() {
        let got = read("dev.har", HAR.as_bytes()).unwrap();
        assert_eq!(got.len(), 4, "the GET (#3) is not a delivery");
        let first = got[0].as_ref().unwrap();
        assert_eq!(first.source, "dev.har#1");
        let r = &first.request;
        assert_eq!(
            (r.method.as_str(), r.path.as_str(), r.query.as_str()),
            ("POST", "/webhook", "x=1")
        );
        assert_eq!(r.received_at.as_deref(), Some("2024-05-01T12:00:00.000Z"));
        assert_eq!(
            r.headers.len(),
            4,
            "pseudo-headers dropped: {:?}",
            r.headers
        );
        assert_eq!(r.headers[0].0, "content-type");
        assert_eq!(r.headers[3], ("x-dup".into(), "2".into()));
        assert_eq!(r.body, "{\"a\":\"é\"}".as_bytes());
        let second = &got[1].as_ref().unwrap().request;
        assert_eq!(second.body, vec![0xff, 0, b'a']);
        assert_eq!(second.path, "/");
        assert_eq!(err_of(&got[2]), "dev.har#4: entry has no `request` object");
        assert!(err_of(&got[3]).starts_with("dev.har#5: postData has params but no text"));
    }

    #[test]
    fn entries_that_are_not_deliveries_are_skipped_and_counted() {
        let entry = |method: &str, url: &str, text: Option<&str>| {
            let mut request = serde_json::json!({"method": method, "url": url, "headers": []});
            if let Some(t) = text {
                request["postData"] =
                    serde_json::json!({"mimeType": "application/json", "text": t});
            }
            serde_json::json!({ "request": request })
        };
        let har = serde_json::json!({"log": {"entries": [
            entry("GET", "https://app.test/app.js", None),
            entry("POST", "https://app.test/webhook", Some("{\"a\":1}")),
            entry("GET", "https://app.test/", None),
            entry("POST", "https://app.test/beacon", Some("")),
            entry("OPTIONS", "https://app.test/webhook", None),
        ]}});
        let reader = std::io::Cursor::new(har.to_string().into_bytes());
        let (requests, skipped) = super::read_har("d.har", Box::new(reader), 0).unwrap();
        let got: Vec<_> = requests.map(|r| r.unwrap().source).collect();
        assert_eq!(got, ["d.har#2"], "numbered as in the file");
        assert_eq!(skipped.count, 4);
        assert_eq!(
            skipped.describe("d.har").unwrap(),
            "d.har: skipped 4 HAR entries that are not webhook deliveries (only a POST with a body is): GET /app.js, GET /, POST /beacon (no body), …"
        );
        assert_eq!(super::Skipped::default().describe("d.har"), None);
    }

    #[test]
    fn har_on_one_line_and_broken_har() {
        let compact: Value = serde_json::from_str(HAR).unwrap();
        let line = serde_json::to_string(&compact).unwrap();
        let got = read("x.json", line.as_bytes()).unwrap();
        assert_eq!(got.len(), 4);
        let broken = &HAR[..HAR.len() / 2];
        let e = read("b.har", broken.as_bytes()).err().unwrap();
        assert!(e.message.starts_with("b.har:"), "{}", e.message);
        assert!(e.message.contains("invalid JSON: EOF"), "{}", e.message);
        let e = read("n.har", b"{\n\"log\": {\"version\": \"1.2\"}\n}\n")
            .err()
            .unwrap();
        assert_eq!(e.message, "n.har: not a HAR file: no `log.entries` array");
    }

    #[test]
    fn written_har_reads_back_byte_exact() {
        let req = |body: &[u8]| super::CapturedRequest {
            id: Some(3),
            received_at: Some("2026-01-01T00:00:00.000Z".into()),
            method: "POST".into(),
            path: "/webhook".into(),
            query: "a=1".into(),
            headers: vec![
                ("Content-Type".into(), "application/json".into()),
                ("X-Hub-Signature-256".into(), "sha256=00".into()),
            ],
            body: body.to_vec(),
            ..Default::default()
        };
        let (a, b) = (req(b"{\"t\":\"caf\\u00e9\\/\"}"), req(b"\xff\x00bin"));
        let app = vec![("Content-Type".to_string(), "text/plain".to_string())];
        let doc = super::write_har(&[
            super::HarEntry {
                request: &a,
                origin: "http://127.0.0.1:3000",
                status: Some(200),
                response: Some((202, &app, b"ok")),
            },
            super::HarEntry {
                request: &b,
                origin: "http://127.0.0.1:3000",
                status: None,
                response: None,
            },
        ]);
        let v: Value = serde_json::from_str(&doc).unwrap();
        assert_eq!(v["log"]["version"], "1.2");
        assert_eq!(v["log"]["entries"][0]["response"]["status"], 202);
        let got = read("x.har", doc.as_bytes()).unwrap();
        let bodies: Vec<Vec<u8>> = got.into_iter().map(|r| r.unwrap().request.body).collect();
        assert_eq!(bodies, vec![a.body.clone(), b.body.clone()]);
    }
}
