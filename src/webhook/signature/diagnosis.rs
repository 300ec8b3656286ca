//! Why a signature fails: on a mismatch, try the body and secret variants that real bugs
//! produce (a stripped newline, newlines stripped by `curl -d`, CRLF, re-escaped or
//! re-serialized JSON, several of these at once, a trimmed secret) and name the one the
//! signature matches. Imports only the MAC primitives ([`super::digest`]).

use super::digest::{mac_matches, MacStream, Scheme};
use crate::json::style::{
    push_u_escapes, serialize as serialize_json, JsonStyle, JS_COMPACT, PYTHON_DUMPS,
};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnosis {
    /// Short stable id of the body/secret variant, e.g. `compact-json`.
    pub variant: &'static str,
    /// One sentence: what the signature matches and what that means.
    pub explanation: String,
}

pub(super) fn variant_hint(variant: &str) -> &'static str {
    VARIANTS
        .iter()
        .find(|v| v.id == variant)
        .map(|v| v.hint)
        .unwrap_or(
            "compute the HMAC over the raw request bytes exactly as received, before any parsing",
        )
}

/// Bodies larger than this are not diagnosed (real payloads are at most 3 MB): trying the
/// variants needs the body in memory several times over.
pub const DIAGNOSE_MAX_BODY: usize = 16 << 20;

/// Id of the diagnosis given when the body was too large to try the variants.
pub const NOT_DIAGNOSED: &str = "not-diagnosed";

/// Id of the diagnosis given when the received signature shares a long prefix with the
/// expected one: it was altered, not made with another secret.
pub const SIGNATURE_ALTERED: &str = "signature-altered";

/// One body/secret variant that [`diagnose`] tries: a stable id, what a match means, the fix.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VariantInfo {
    pub id: &'static str,
    /// The sentence [`Diagnosis::explanation`] carries when this variant matches.
    pub explanation: &'static str,
    pub hint: &'static str,
}

const RAW_BYTES_HINT: &str =
    "sign and verify the exact bytes that travel: never parse and re-serialize the body (JSON.stringify, json.dumps) before signing or verifying";

/// Every diagnosis: the variants [`diagnose`] tries, in the order it tries them (smallest
/// change first; `newlines-removed` is any JSON re-serialization whose newlines, taken out,
/// give the body), then [`SIGNATURE_ALTERED`] (decided before [`diagnose`], from the two
/// signatures) and [`NOT_DIAGNOSED`].
pub const VARIANTS: &[VariantInfo] = &[
    VariantInfo {
        id: "trailing-newline-added",
        explanation: "signature matches the body plus a trailing newline: the signed bytes ended in a newline that was stripped before the body arrived (curl -d strips newlines, --data-binary keeps them)",
        hint: "send and capture the body byte-exact: use curl --data-binary @file, not -d",
    },
    VariantInfo {
        id: "trailing-newline-removed",
        explanation: "signature matches the body without its trailing newline: a newline was appended after signing (an editor saving the file, echo or println adding one)",
        hint: "do not add a newline after signing; write bodies and captures byte-exact (printf, not echo)",
    },
    VariantInfo {
        id: "crlf-to-lf",
        explanation: "signature matches the body with CRLF line endings turned into LF: line endings were converted to CRLF after signing (Postman, a Windows tool, git autocrlf)",
        hint: "keep line endings untouched: send the file as binary and disable CRLF conversion",
    },
    VariantInfo {
        id: "lf-to-crlf",
        explanation: "signature matches the body with LF line endings turned into CRLF: line endings were converted to LF after signing (an editor, git autocrlf)",
        hint: "keep line endings untouched: send the file as binary and disable CRLF conversion",
    },
    VariantInfo {
        id: "unescaped",
        explanation: "signature matches the body with its \\uXXXX and \\/ escapes decoded to raw UTF-8: the signer signed an unescaped re-serialization (JSON.stringify style), not these bytes — verify the raw bytes",
        hint: RAW_BYTES_HINT,
    },
    VariantInfo {
        id: "unescaped-unicode",
        explanation: "signature matches the body with its \\uXXXX escapes decoded to raw UTF-8: the signer signed a re-serialization with different escaping, not these bytes — verify the raw bytes",
        hint: RAW_BYTES_HINT,
    },
    VariantInfo {
        id: "escaped",
        explanation: "signature matches the body with non-ASCII escaped as \\uXXXX and `/` as `\\/`, as CMzon/Meta send it: this body was decoded and re-serialized after it was signed (e.g. taken from a parsed req.body) — verify the raw request bytes",
        hint: "verify the raw request bytes as received (express.raw, request.get_data()), not a re-serialized parsed body",
    },
    VariantInfo {
        id: "escaped-unicode",
        explanation: "signature matches the body with non-ASCII escaped as \\uXXXX, as CMzon/Meta send it: this body was decoded and re-serialized after it was signed (e.g. taken from a parsed req.body) — verify the raw request bytes",
        hint: "verify the raw request bytes as received (express.raw, request.get_data()), not a re-serialized parsed body",
    },
    VariantInfo {
        id: "secret-trimmed",
        explanation: "signature matches under the secret with its surrounding whitespace trimmed: the secret given here has leading or trailing whitespace the signer's has not",
        hint: "remove the whitespace around the secret (a space or newline pasted with it)",
    },
    VariantInfo {
        id: "secret-with-newline",
        explanation: "signature matches under the secret followed by a newline: the signer's secret carries a trailing newline (read raw from a file written with echo)",
        hint: "strip the trailing newline from the signer's secret (e.g. .trim() it, or write the file with printf)",
    },
    VariantInfo {
        id: "compact-json",
        explanation: "signature matches the body re-serialized as compact JSON: the sender (or a proxy) re-serialized the payload — verify the raw bytes",
        hint: RAW_BYTES_HINT,
    },
    VariantInfo {
        id: "compact-json-escaped",
        explanation: "signature matches the body re-serialized as compact JSON with non-ASCII and `/` escaped, the form CMzon/Meta send: this body is a reformatted copy (pretty-printed log, devtools view), not the bytes that were signed — verify the raw bytes",
        hint: "capture the raw request bytes (cmzon-hook listen --save), not a formatted copy of the payload",
    },
    VariantInfo {
        id: "pretty-json-2",
        explanation: "signature matches the body re-serialized as pretty JSON with 2-space indentation (JSON.stringify(body, null, 2)): the sender (or a proxy) re-serialized the payload — verify the raw bytes",
        hint: RAW_BYTES_HINT,
    },
    VariantInfo {
        id: "pretty-json-4",
        explanation: "signature matches the body re-serialized as pretty JSON with 4-space indentation: the sender (or a proxy) re-serialized the payload — verify the raw bytes",
        hint: RAW_BYTES_HINT,
    },
    VariantInfo {
        id: "python-json",
        explanation: "signature matches the body re-serialized by Python's json.dumps defaults (\", \" and \": \" separators, non-ASCII as \\uXXXX): the sender (or a proxy) re-serialized the payload — verify the raw bytes",
        hint: "in Python, compute the HMAC over the raw body (request.get_data(), await request.body()), not json.dumps(request.json)",
    },
    VariantInfo {
        id: "newlines-removed",
        explanation: "signature matches the body with its line breaks put back: newlines removed from the body (curl -d strips them; use --data-binary)",
        hint: "send the body byte-exact: use curl --data-binary @file, not -d (which strips every newline)",
    },
    VariantInfo {
        id: "re-serialized",
        explanation: "signature matches the same JSON written differently (layout, escaping or final newline): the body was re-serialized between signing and here — verify the raw bytes",
        hint: RAW_BYTES_HINT,
    },
    VariantInfo {
        id: SIGNATURE_ALTERED,
        explanation: "the signature was altered: it matches the expected value for a long prefix and then differs, so the secret is right but the signature was changed or truncated on its way",
        hint: "pass the signature header through unchanged (no truncation, no editing); the secret is right",
    },
    VariantInfo {
        id: NOT_DIAGNOSED,
        explanation: "not diagnosed: the body is too large to try the usual variants",
        hint: "check the secret first, then that the body is the exact bytes that were signed",
    },
];

fn found(id: &'static str) -> Diagnosis {
    let info = VARIANTS
        .iter()
        .find(|v| v.id == id)
        .expect("every tried variant is listed in VARIANTS");
    Diagnosis {
        variant: info.id,
        explanation: info.explanation.to_string(),
    }
}

/// The diagnosis for a mismatching body too large to diagnose (`len` bytes): says so
/// instead of blaming the secret.
pub fn not_diagnosed(len: u64) -> Diagnosis {
    Diagnosis {
        variant: NOT_DIAGNOSED,
        explanation: format!(
            "not diagnosed: the body ({:.1} MiB) is larger than the {} MiB diagnosis limit; the secret may be wrong or the body changed after signing",
            len as f64 / (1024.0 * 1024.0),
            DIAGNOSE_MAX_BODY >> 20
        ),
    }
}

/// On a mismatch, try the body/secret variants that real bugs produce (see [`VARIANTS`]) and
/// say which one the signature matches. `None` when none does (the secret is most likely
/// wrong). Bodies above [`DIAGNOSE_MAX_BODY`] are not tried: the answer is then
/// [`not_diagnosed`], never a silent `None`.
///
/// Each candidate is compared in constant time; candidates equal to `body` are skipped, and the
/// body is parsed as JSON at most once (only when no textual variant matched).
pub fn diagnose(scheme: Scheme, secret: &[u8], body: &[u8], got: &[u8]) -> Option<Diagnosis> {
    if body.len() > DIAGNOSE_MAX_BODY {
        return Some(not_diagnosed(body.len() as u64));
    }
    let body_matches = |candidate: Option<Vec<u8>>| {
        candidate.is_some_and(|c| c != body && mac_matches(scheme, secret, &c, got))
    };
    type Transform = fn(&[u8]) -> Option<Vec<u8>>;
    let textual: [(&'static str, Transform); 8] = [
        ("trailing-newline-added", |b| Some([b, b"\n"].concat())),
        ("trailing-newline-removed", strip_trailing_newline),
        ("crlf-to-lf", crlf_to_lf),
        ("lf-to-crlf", lf_to_crlf),
        ("unescaped", |b| Some(unescape_json_text(b, true))),
        ("unescaped-unicode", |b| Some(unescape_json_text(b, false))),
        ("escaped", |b| escape_json_text(b, true)),
        ("escaped-unicode", |b| escape_json_text(b, false)),
    ];
    for (id, transform) in textual {
        if body_matches(transform(body)) {
            return Some(found(id));
        }
    }

    let trimmed = secret.trim_ascii();
    if !trimmed.is_empty() && trimmed != secret && mac_matches(scheme, trimmed, body, got) {
        return Some(found("secret-trimmed"));
    }
    for newline in [&b"\n"[..], b"\r\n"] {
        if mac_matches(scheme, &[secret, newline].concat(), body, got) {
            return Some(found("secret-with-newline"));
        }
    }

    let value: serde_json::Value = serde_json::from_slice(body).ok()?;
    for (id, style) in JSON_STYLES {
        let candidate = serialize_json(&value, style);
        if body_matches(Some(candidate.clone())) {
            return Some(if newlines_removed(&candidate, body) {
                found("newlines-removed")
            } else {
                found(id)
            });
        }
    }
    reserialized(scheme, secret, body, &value, got)
}

/// `body` is `candidate` with every line break taken out (what `curl -d @file` sends).
fn newlines_removed(candidate: &[u8], body: &[u8]) -> bool {
    candidate.contains(&b'\n')
        && candidate
            .iter()
            .filter(|b| **b != b'\n' && **b != b'\r')
            .eq(body.iter())
}

/// Layouts tried in combination: compact, Python's spaced one-liner, 2- and 4-space pretty.
const LAYOUTS: [(usize, &str, &str, &str); 4] = [
    (0, ",", ":", "compact JSON"),
    (
        0,
        ", ",
        ": ",
        "one-line JSON with \", \" and \": \" separators",
    ),
    (2, ",", ": ", "pretty JSON with 2-space indentation"),
    (4, ",", ": ", "pretty JSON with 4-space indentation"),
];

/// Two or more changes at once: try every layout × escaping of non-ASCII × escaping of `/`
/// × number format × final newline (64 HMACs over at most 32 serializations) and, when one
/// matches, say which combination (or that newlines were stripped from it).
fn reserialized(
    scheme: Scheme,
    secret: &[u8],
    body: &[u8],
    value: &serde_json::Value,
    got: &[u8],
) -> Option<Diagnosis> {
    let mut tried: Vec<u64> = Vec::new();
    for (indent, item_sep, key_sep, layout) in LAYOUTS {
        for ascii in [false, true] {
            for escape_slash in [false, true] {
                for python in [false, true] {
                    let style = JsonStyle {
                        indent,
                        item_sep,
                        key_sep,
                        ascii,
                        escape_slash,
                        python,
                    };
                    let candidate = serialize_json(value, style);
                    let fingerprint = {
                        use std::hash::{Hash, Hasher};
                        let mut h = std::collections::hash_map::DefaultHasher::new();
                        candidate.hash(&mut h);
                        h.finish()
                    };
                    if tried.contains(&fingerprint) {
                        continue;
                    }
                    tried.push(fingerprint);
                    let mut mac = MacStream::new(scheme, secret);
                    mac.update(&candidate);
                    for newline in [false, true] {
                        let matched = if newline {
                            let mut m = mac.clone();
                            m.update(b"\n");
                            m.matches(got)
                        } else {
                            candidate != body && mac.clone().matches(got)
                        };
                        if !matched {
                            continue;
                        }
                        let mut full = candidate.clone();
                        if newline {
                            full.push(b'\n');
                        }
                        if newlines_removed(&full, body) {
                            return Some(found("newlines-removed"));
                        }
                        let mut how = vec![layout.to_string()];
                        how.push(if ascii {
                            "non-ASCII escaped as \\uXXXX".into()
                        } else {
                            "non-ASCII as raw UTF-8".into()
                        });
                        if escape_slash {
                            how.push("`/` escaped as `\\/`".into());
                        }
                        if python {
                            how.push("Python number format".into());
                        }
                        if newline {
                            how.push("a final newline".into());
                        }
                        return Some(Diagnosis {
                            variant: "re-serialized",
                            explanation: format!(
                                "signature matches the body re-serialized as {}: the same JSON written differently (e.g. signed with json.dumps(doc, indent=2), re-serialized with JSON.stringify) — verify the raw bytes",
                                how.join(", ")
                            ),
                        });
                    }
                }
            }
        }
    }
    None
}

fn strip_trailing_newline(body: &[u8]) -> Option<Vec<u8>> {
    body.strip_suffix(b"\r\n")
        .or_else(|| body.strip_suffix(b"\n"))
        .map(<[u8]>::to_vec)
}

fn crlf_to_lf(body: &[u8]) -> Option<Vec<u8>> {
    if !body.windows(2).any(|w| w == b"\r\n") {
        return None;
    }
    let mut out = Vec::with_capacity(body.len());
    let mut i = 0;
    while i < body.len() {
        if body[i] == b'\r' && body.get(i + 1) == Some(&b'\n') {
            i += 1;
            continue;
        }
        out.push(body[i]);
        i += 1;
    }
    Some(out)
}

fn lf_to_crlf(body: &[u8]) -> Option<Vec<u8>> {
    let bare = |i: usize| body[i] == b'\n' && (i == 0 || body[i - 1] != b'\r');
    if !(0..body.len()).any(bare) {
        return None;
    }
    let mut out = Vec::with_capacity(body.len() + body.len() / 16);
    for (i, &b) in body.iter().enumerate() {
        if bare(i) {
            out.push(b'\r');
        }
        out.push(b);
    }
    Some(out)
}

fn hex4(bytes: &[u8]) -> Option<u16> {
    let s = std::str::from_utf8(bytes.get(..4)?).ok()?;
    if !s.bytes().all(|c| c.is_ascii_hexdigit()) {
        return None;
    }
    u16::from_str_radix(s, 16).ok()
}

/// Textually decode `\uXXXX` escapes (surrogate pairs included) to UTF-8, and `\/` to `/` when
/// `slashes`. Escapes a serializer must keep (quote, backslash, control characters, lone
/// surrogates) stay as they are, so the result is what a non-escaping serializer emits.
pub fn unescape_json_text(body: &[u8], slashes: bool) -> Vec<u8> {
    let mut out = Vec::with_capacity(body.len());
    let mut i = 0;
    while i < body.len() {
        if body[i] != b'\\' || i + 1 >= body.len() {
            out.push(body[i]);
            i += 1;
            continue;
        }
        match body[i + 1] {
            b'/' if slashes => {
                out.push(b'/');
                i += 2;
            }
            b'u' => {
                let Some(unit) = hex4(&body[i + 2..]) else {
                    out.extend_from_slice(&body[i..i + 2]);
                    i += 2;
                    continue;
                };
                let mut len = 6;
                let code = match unit {
                    0xD800..=0xDBFF => {
                        let low = body
                            .get(i + 6..i + 8)
                            .filter(|p| *p == b"\\u")
                            .and_then(|_| hex4(&body[i + 8..]))
                            .filter(|l| (0xDC00..=0xDFFF).contains(l));
                        match low {
                            Some(low) => {
                                len = 12;
                                Some(
                                    0x10000
                                        + ((u32::from(unit) - 0xD800) << 10)
                                        + (u32::from(low) - 0xDC00),
                                )
                            }
                            None => None,
                        }
                    }
                    0xDC00..=0xDFFF => None,
                    _ => Some(u32::from(unit)),
                };
                match code.and_then(char::from_u32) {
                    Some(c) if c >= ' ' && c != '"' && c != '\\' => {
                        let mut buf = [0u8; 4];
                        out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
                    }
                    _ => out.extend_from_slice(&body[i..i + len]),
                }
                i += len;
            }
            _ => {
                out.extend_from_slice(&body[i..i + 2]);
                i += 2;
            }
        }
    }
    out
}

/// Textually escape non-ASCII characters as lowercase `\uXXXX` (surrogate pairs for emoji), and
/// `/` as `\/` when `slashes`, leaving existing escapes alone. `None` when not UTF-8.
pub fn escape_json_text(body: &[u8], slashes: bool) -> Option<Vec<u8>> {
    let text = std::str::from_utf8(body).ok()?;
    let mut out = Vec::with_capacity(body.len() + body.len() / 8);
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                out.push(b'\\');
                if let Some(next) = chars.next() {
                    let mut buf = [0u8; 4];
                    out.extend_from_slice(next.encode_utf8(&mut buf).as_bytes());
                }
            }
            '/' if slashes => out.extend_from_slice(b"\\/"),
            c if c.is_ascii() => out.push(c as u8),
            c => push_u_escapes(c, &mut out),
        }
    }
    Some(out)
}

const JSON_STYLES: [(&str, JsonStyle); 5] = [
    ("compact-json", JS_COMPACT),
    (
        "compact-json-escaped",
        JsonStyle {
            ascii: true,
            escape_slash: true,
            ..JS_COMPACT
        },
    ),
    (
        "pretty-json-2",
        JsonStyle {
            indent: 2,
            key_sep: ": ",
            ..JS_COMPACT
        },
    ),
    (
        "pretty-json-4",
        JsonStyle {
            indent: 4,
            key_sep: ": ",
            ..JS_COMPACT
        },
    ),
    ("python-json", PYTHON_DUMPS),
];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::webhook::signature::tests::{ESCAPED, MESSAGES, SECRET, UNESCAPED};
    use crate::webhook::signature::{hex, mac, sign, verify_value, Verdict};

    /// Verify `captured` against a signature made over `signed` and return the variant id.
    fn diagnosed(signer_secret: &[u8], signed: &[u8], secret: &[u8], captured: &[u8]) -> String {
        let v = verify_value(secret, &sign(signer_secret, signed), captured);
        match &v {
            Verdict::Mismatch {
                diagnosis: Some(d), ..
            } => {
                assert!(v.reason().contains(&d.explanation), "{}", v.reason());
                assert!(d.explanation.starts_with("signature matches"), "{d:?}");
                d.variant.to_string()
            }
            other => panic!("expected a diagnosed mismatch, got {other:?}"),
        }
    }

    fn body_variant(signed: &[u8], captured: &[u8]) -> String {
        diagnosed(SECRET, signed, SECRET, captured)
    }

    #[test]
    fn escaped_capture_signed_unescaped_is_unescaped_reserialization() {
        let id = body_variant(UNESCAPED, ESCAPED);
        assert!(id == "unescaped" || id == "compact-json", "{id}");
        // The real signature over the escaped body: a verifier holding the unescaped form.
        assert_eq!(body_variant(ESCAPED, UNESCAPED), "escaped");
    }

    #[test]
    fn messages_vector_pretty_printed_is_compact() {
        let value: serde_json::Value = serde_json::from_slice(MESSAGES).unwrap();
        let pretty = serde_json::to_vec_pretty(&value).unwrap();
        assert_eq!(body_variant(MESSAGES, &pretty), "compact-json");
    }

    #[test]
    fn variant_trailing_newline_added() {
        assert_eq!(
            body_variant(b"{\"a\":1}\n", b"{\"a\":1}"),
            "trailing-newline-added"
        );
    }

    #[test]
    fn variant_trailing_newline_removed() {
        assert_eq!(
            body_variant(b"{\"a\":1}", b"{\"a\":1}\n"),
            "trailing-newline-removed"
        );
        assert_eq!(
            body_variant(b"{\"a\":1}", b"{\"a\":1}\r\n"),
            "trailing-newline-removed"
        );
    }

    #[test]
    fn variant_crlf_to_lf() {
        assert_eq!(
            body_variant(b"{\n\"a\": 1,\n\"b\": 2}", b"{\r\n\"a\": 1,\r\n\"b\": 2}"),
            "crlf-to-lf"
        );
    }

    #[test]
    fn variant_lf_to_crlf() {
        assert_eq!(
            body_variant(b"{\r\n\"a\": 1,\r\n\"b\": 2}", b"{\n\"a\": 1,\n\"b\": 2}"),
            "lf-to-crlf"
        );
    }

    #[test]
    fn variant_unescaped() {
        assert_eq!(body_variant(UNESCAPED, ESCAPED), "unescaped");
    }

    #[test]
    fn variant_unescaped_unicode() {
        assert_eq!(
            body_variant("{\"a\": \"é \\/\"}".as_bytes(), br#"{"a": "\u00e9 \/"}"#),
            "unescaped-unicode"
        );
    }

    #[test]
    fn variant_escaped() {
        assert_eq!(body_variant(ESCAPED, UNESCAPED), "escaped");
    }

    #[test]
    fn variant_escaped_unicode() {
        assert_eq!(
            body_variant(
                br#"{"a": "\u00e9 / \ud83d\ude2e"}"#,
                "{\"a\": \"é / 😮\"}".as_bytes()
            ),
            "escaped-unicode"
        );
    }

    #[test]
    fn variant_secret_trimmed() {
        assert_eq!(
            diagnosed(SECRET, MESSAGES, b" s3cret\t", MESSAGES),
            "secret-trimmed"
        );
    }

    #[test]
    fn variant_secret_with_newline() {
        assert_eq!(
            diagnosed(b"s3cret\n", MESSAGES, SECRET, MESSAGES),
            "secret-with-newline"
        );
        assert_eq!(
            diagnosed(b"s3cret\r\n", MESSAGES, SECRET, MESSAGES),
            "secret-with-newline"
        );
    }

    #[test]
    fn variant_compact_json() {
        let captured = "{ \"a\": [1, 2.5, 1.0e2, -0.0], \"b\": \"é/\\\"\" }".as_bytes();
        let signed = "{\"a\":[1,2.5,100,0],\"b\":\"é/\\\"\"}".as_bytes();
        assert_eq!(body_variant(signed, captured), "compact-json");
    }

    #[test]
    fn variant_compact_json_escaped() {
        let captured = "{\n  \"a\": \"é/😮\",\n  \"n\": 1\n}".as_bytes();
        let signed = br#"{"a":"\u00e9\/\ud83d\ude2e","n":1}"#;
        assert_eq!(body_variant(signed, captured), "compact-json-escaped");
    }

    #[test]
    fn variant_pretty_json_2() {
        let captured = b"{\"a\":[1,{\"b\":null}],\"c\":{},\"d\":[]}";
        let signed = b"{\n  \"a\": [\n    1,\n    {\n      \"b\": null\n    }\n  ],\n  \"c\": {},\n  \"d\": []\n}";
        assert_eq!(body_variant(signed, captured), "pretty-json-2");
    }

    #[test]
    fn variant_pretty_json_4() {
        let captured = b"{\"a\":[1,true]}";
        let signed = b"{\n    \"a\": [\n        1,\n        true\n    ]\n}";
        assert_eq!(body_variant(signed, captured), "pretty-json-4");
    }

    #[test]
    fn variant_python_json() {
        let captured = "{\"a\":[1,2.0],\"b\":\"é\\u0001\",\"c\":1e-7,\"d\":\"x/y\"}".as_bytes();
        let signed = br#"{"a": [1, 2.0], "b": "\u00e9\u0001", "c": 1e-07, "d": "x/y"}"#;
        assert_eq!(body_variant(signed, captured), "python-json");
    }

    /// Issue 14 point 1: `curl -d @pretty.json` strips every newline, indentation stays.
    #[test]
    fn variant_newlines_removed() {
        let value: serde_json::Value = serde_json::from_slice(MESSAGES).unwrap();
        for indent in [&b"  "[..], b"    "] {
            let mut pretty = Vec::new();
            let fmt = serde_json::ser::PrettyFormatter::with_indent(indent);
            serde::Serialize::serialize(
                &value,
                &mut serde_json::Serializer::with_formatter(&mut pretty, fmt),
            )
            .unwrap();
            for signed in [pretty.clone(), [&pretty[..], b"\n"].concat()] {
                let curl_d: Vec<u8> = signed.iter().copied().filter(|b| *b != b'\n').collect();
                assert_eq!(body_variant(&signed, &curl_d), "newlines-removed");
                let v = verify_value(SECRET, &sign(SECRET, &signed), &curl_d);
                assert!(v.reason().contains(
                    "newlines removed from the body (curl -d strips them; use --data-binary)"
                ));
                assert!(v.hint().unwrap().contains("--data-binary"));
            }
        }
    }

    /// Issue 14 point 2: two changes at once. Signed as Python's `json.dumps(doc, indent=2)`
    /// (pretty, `\uXXXX`), received as `JSON.stringify` wrote it (compact, raw UTF-8).
    #[test]
    fn variant_re_serialized() {
        let received = "{\"a\":\"é/😮\",\"n\":[1,2.5],\"o\":{}}".as_bytes();
        let python_indent_2 =
            b"{\n  \"a\": \"\\u00e9/\\ud83d\\ude2e\",\n  \"n\": [\n    1,\n    2.5\n  ],\n  \"o\": {}\n}";
        assert_eq!(body_variant(python_indent_2, received), "re-serialized");
        let v = verify_value(SECRET, &sign(SECRET, python_indent_2), received);
        assert!(
            v.reason().contains(
                "re-serialized as pretty JSON with 2-space indentation, non-ASCII escaped as \\uXXXX:"
            ),
            "{}",
            v.reason()
        );
        // The other way round, with `\/` and a final newline as well.
        let signed = b"{\"a\":\"\\u00e9\\/\\ud83d\\ude2e\",\"n\":[1,2.5],\"o\":{}}\n";
        let received = "{\n    \"a\": \"é/😮\",\n    \"n\": [1, 2.5],\n    \"o\": {}\n}".as_bytes();
        assert_eq!(body_variant(signed, received), "re-serialized");
        let v = verify_value(SECRET, &sign(SECRET, signed), received);
        assert!(
            v.reason().contains(
                "compact JSON, non-ASCII escaped as \\uXXXX, `/` escaped as `\\/`, a final newline"
            ),
            "{}",
            v.reason()
        );
        // Same JSON under another secret: still the secret.
        let v = verify_value(SECRET, &sign(b"other", python_indent_2), received);
        assert!(v.reason().contains("the secret is most likely wrong"));
    }

    #[test]
    fn every_variant_has_a_test_and_unique_id() {
        let mut ids: Vec<_> = VARIANTS.iter().map(|v| v.id).collect();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), VARIANTS.len());
        for v in VARIANTS {
            assert!(v.explanation.len() > 20 && v.hint.len() > 20, "{v:?}");
            assert_eq!(variant_hint(v.id), v.hint);
        }
    }

    #[test]
    fn wrong_secret_is_not_diagnosed_and_gives_prefixes() {
        let sig = sign(b"the-real-secret", MESSAGES);
        let v = verify_value(b"the-verify-token", &sig, MESSAGES);
        let expected = hex(&mac(Scheme::Sha256, b"the-verify-token", MESSAGES));
        match &v {
            Verdict::Mismatch {
                expected_prefix,
                got_prefix,
                diagnosis,
                scheme,
            } => {
                assert_eq!(*scheme, Scheme::Sha256);
                assert_eq!(diagnosis, &None);
                assert_eq!(expected_prefix, &expected[..8]);
                assert_eq!(got_prefix, &sig[7..15]);
            }
            other => panic!("{other:?}"),
        }
        let reason = v.reason();
        assert!(
            reason.contains("the secret is most likely wrong"),
            "{reason}"
        );
        assert!(reason.contains(&expected[..8]), "{reason}");
        assert!(reason.contains(&sig[7..15]), "{reason}");
        assert!(v.hint().unwrap().contains("verify token"));
    }

    #[test]
    fn variants_equal_to_the_body_are_skipped() {
        // A compact body: its compact re-serialization is the body itself and must not be
        // reported as matching (the signature over it is not a mismatch at all).
        let got = mac(Scheme::Sha256, SECRET, MESSAGES);
        assert_eq!(diagnose(Scheme::Sha256, SECRET, MESSAGES, &got), None);
    }

    #[test]
    fn huge_bodies_are_not_diagnosed_but_say_so() {
        let body = vec![b' '; DIAGNOSE_MAX_BODY + 1];
        let d = diagnose(Scheme::Sha256, SECRET, &body, &[0u8; 32]).unwrap();
        assert_eq!(d.variant, NOT_DIAGNOSED);
        assert!(
            d.explanation.contains("diagnosis limit"),
            "{}",
            d.explanation
        );
        assert!(!d.explanation.contains("most likely wrong"));
    }

    #[test]
    fn unescape_keeps_escapes_a_serializer_must_keep() {
        let input = br#"["\u00e9\/", "\\u00e9", "\u000a\u0022\u005c", "\ud83d", "\ude2e", "\ud83d\ude2e", "\u0040", "\uZZZZ", "\"]"#;
        let out = unescape_json_text(input, true);
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "[\"é/\", \"\\\\u00e9\", \"\\u000a\\u0022\\u005c\", \"\\ud83d\", \"\\ude2e\", \"😮\", \"@\", \"\\uZZZZ\", \"\\\"]"
        );
        assert_eq!(
            unescape_json_text(br#""\/\u00e9""#, false),
            "\"\\/é\"".as_bytes()
        );
    }

    #[test]
    fn escape_leaves_existing_escapes() {
        let input = "\"a\\/b\\u00e9é/\\\\/😮\"".as_bytes();
        assert_eq!(
            escape_json_text(input, true).unwrap(),
            br#""a\/b\u00e9\u00e9\/\\\/\ud83d\ude2e""#
        );
        assert_eq!(escape_json_text(b"\xff", true), None);
    }

    #[test]
    fn text_transforms_only_when_they_change_something() {
        assert_eq!(crlf_to_lf(b"a\nb"), None);
        assert_eq!(crlf_to_lf(b"a\r\nb\r"), Some(b"a\nb\r".to_vec()));
        assert_eq!(lf_to_crlf(b"a\r\nb"), None);
        assert_eq!(lf_to_crlf(b"\na\r\nb\n"), Some(b"\r\na\r\nb\r\n".to_vec()));
        assert_eq!(strip_trailing_newline(b"a"), None);
    }
}
