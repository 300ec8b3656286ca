//! Helpers for the sign/verify tests: the reference vectors, capture files, secret checks.
#![allow(dead_code)]

use std::path::Path;

use assert_cmd::Command;
use cmzon_hook::capture::{to_jsonl_line, CapturedRequest};

use super::Run;

/// A secret recognisable in any output, so tests can prove it never appears.
pub const SECRET: &str = "Zq-TEST-secret-7f3a91";

/// The reference vectors (bytes copied from the webhooks reference).
pub const VECTOR_SECRET: &str = "s3cret";
pub const VECTOR_MESSAGES: &[u8] = include_bytes!("../data/vector-messages.json");
pub const VECTOR_ESCAPED: &[u8] = include_bytes!("../data/vector-escaped.json");
pub const VECTOR_UNESCAPED: &[u8] = include_bytes!("../data/vector-unescaped.json");
pub const SIG_MESSAGES: &str =
    "sha256=1a79931c7aff73e7ac9c11657e09d99c107cf017727d1ebfe45aaa4462854f56";
pub const SIG_ESCAPED: &str =
    "sha256=89f85910e050bb36418b9e0d410203267cfe99ea51a4fd473020c58e77ffa62f";
pub const SIG_UNESCAPED: &str =
    "sha256=046dca3b7d410d0664ba6f90da0b6ac27067048a6b7e3d8c63a3554601009642";

/// Run the command and check that `secret` appears in neither stdout nor stderr.
pub fn run(mut cmd: Command, secret: &str) -> Run {
    let run = Run::lossy(cmd.output().expect("cmzon-hook runs"));
    assert!(
        !run.stdout.contains(secret) && !run.stderr.contains(secret),
        "the secret leaked: {run:?}"
    );
    run
}

/// A POST /webhook request with these headers and body.
pub fn request(headers: &[(&str, &str)], body: &[u8]) -> CapturedRequest {
    CapturedRequest {
        id: None,
        received_at: Some("2024-05-01T12:00:00Z".into()),
        remote_addr: Some("127.0.0.1:50000".into()),
        method: "POST".into(),
        path: "/webhook".into(),
        query: String::new(),
        headers: headers
            .iter()
            .map(|(n, v)| (n.to_string(), v.to_string()))
            .collect(),
        body: body.to_vec(),
    }
}

/// A request signed like CMzon does: Content-Type and X-Hub-Signature-256 over `signed`,
/// carrying `body`.
pub fn signed_request(secret: &str, signed: &[u8], body: &[u8]) -> CapturedRequest {
    let sig = cmzon_hook::webhook::signature::sign(secret.as_bytes(), signed);
    request(
        &[
            ("Content-Type", "application/json"),
            ("X-Hub-Signature-256", &sig),
        ],
        body,
    )
}

/// Write requests as a capture JSONL file.
pub fn write_jsonl(path: &Path, requests: &[CapturedRequest]) {
    let text: String = requests
        .iter()
        .enumerate()
        .map(|(i, r)| {
            let mut r = r.clone();
            r.id = Some(i as u64 + 1);
            to_jsonl_line(&r) + "\n"
        })
        .collect();
    std::fs::write(path, text).expect("capture written");
}

/// A realistic incoming text message delivery with this wamid and text.
pub fn text_message(wamid: &str, text: &str) -> Vec<u8> {
    serde_json::json!({
        "object": "whatsapp_business_account",
        "entry": [{"id": "102290129340398", "changes": [{"field": "messages", "value": {
            "messaging_product": "whatsapp",
            "metadata": {"display_phone_number": "15550783881", "phone_number_id": "106540352242922"},
            "contacts": [{"profile": {"name": "Alice"}, "wa_id": "16505551234"}],
            "messages": [{"from": "16505551234", "id": wamid, "timestamp": "1714564800",
                          "type": "text", "text": {"body": text}}]
        }}]}]
    })
    .to_string()
    .into_bytes()
}
