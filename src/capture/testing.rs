//! Helpers the capture tests share.

use std::io::{BufRead, Cursor};

use super::{read_captures_from, CapturedRequest, Located};
use crate::error::Result;

pub(super) fn read(name: &str, data: &[u8]) -> Result<Vec<Result<Located>>> {
    let reader: Box<dyn BufRead> = Box::new(Cursor::new(data.to_vec()));
    Ok(read_captures_from(name, reader)?.collect())
}

pub(super) fn ok(name: &str, data: &[u8]) -> Vec<Located> {
    read(name, data)
        .unwrap()
        .into_iter()
        .map(|r| r.unwrap_or_else(|e| panic!("{}", e.render())))
        .collect()
}

pub(super) fn err_of(r: &Result<Located>) -> String {
    r.as_ref().expect_err("expected an error").message.clone()
}

pub(super) fn sample() -> CapturedRequest {
    CapturedRequest {
        id: Some(7),
        received_at: Some("2024-05-01T12:00:00Z".into()),
        remote_addr: Some("127.0.0.1:5123".into()),
        method: "POST".into(),
        path: "/webhook".into(),
        query: "a=1&b=%2F".into(),
        headers: vec![
            ("Content-Type".into(), "application/json".into()),
            ("x-hub-signature-256".into(), "sha256=00".into()),
            ("X-Dup".into(), "1".into()),
            ("x-dup".into(), "2".into()),
        ],
        body: "{\"a\":\"é/\\u00e9\"}\n".as_bytes().to_vec(),
    }
}
