//! HAR 1.2 captures (browser devtools, mitmproxy, Charles): the document is read whole, then
//! each `log.entries[].request` is one request, `file#N`.

use std::io::BufRead;

use serde_json::Value;

use super::{
    decode_base64, json_message, read_error, split_target, CapturedRequest, Captures, Located,
};
use crate::error::{Error, Result};

pub(super) fn read_har(name: &str, mut reader: Box<dyn BufRead>, skipped: u64) -> Result<Captures> {
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
    Ok(Box::new(entries.into_iter().enumerate().map(
        move |(i, entry)| {
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
        },
    )))
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
        assert_eq!(got.len(), 5);
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
        let third = &got[2].as_ref().unwrap().request;
        assert_eq!(
            (third.path.as_str(), third.query.as_str()),
            ("/webhook", "hub.mode=subscribe")
        );
        assert!(third.body.is_empty());
        assert_eq!(err_of(&got[3]), "dev.har#4: entry has no `request` object");
        assert!(err_of(&got[4]).starts_with("dev.har#5: postData has params but no text"));
    }

    #[test]
    fn har_on_one_line_and_broken_har() {
        let compact: Value = serde_json::from_str(HAR).unwrap();
        let line = serde_json::to_string(&compact).unwrap();
        let got = read("x.json", line.as_bytes()).unwrap();
        assert_eq!(got.len(), 5);
        let broken = &HAR[..HAR.len() / 2];
        let e = read("b.har", broken.as_bytes()).err().unwrap();
        assert!(e.message.starts_with("b.har:"), "{}", e.message);
        assert!(e.message.contains("invalid JSON: EOF"), "{}", e.message);
        let e = read("n.har", b"{\n\"log\": {\"version\": \"1.2\"}\n}\n")
            .err()
            .unwrap();
        assert_eq!(e.message, "n.har: not a HAR file: no `log.entries` array");
    }
}
