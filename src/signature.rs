//! The signature engine: sign exact bytes, verify a header value, diagnose mismatches.
//!
//! Knows nothing of HTTP, files or the CLI. Comparison is constant-time (`Mac::verify_slice`).

use hmac::{Hmac, KeyInit, Mac};
use sha1::Sha1;
use sha2::Sha256;

pub const HEADER_SHA256: &str = "X-Hub-Signature-256";
pub const HEADER_SHA1: &str = "X-Hub-Signature";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scheme {
    Sha256,
    Sha1,
}

impl Scheme {
    pub fn as_str(self) -> &'static str {
        match self {
            Scheme::Sha256 => "sha256",
            Scheme::Sha1 => "sha1",
        }
    }
}

/// `sha256=<lowercase hex>` of HMAC-SHA256(secret, body) over the exact bytes.
pub fn sign(secret: &[u8], body: &[u8]) -> String {
    format!("sha256={}", hex(&mac(Scheme::Sha256, secret, body)))
}

/// `sha1=<lowercase hex>`, the legacy `X-Hub-Signature` value.
pub fn sign_sha1(secret: &[u8], body: &[u8]) -> String {
    format!("sha1={}", hex(&mac(Scheme::Sha1, secret, body)))
}

/// Raw MAC bytes for a scheme.
pub fn mac(scheme: Scheme, secret: &[u8], body: &[u8]) -> Vec<u8> {
    match scheme {
        Scheme::Sha256 => {
            let mut m = <Hmac<Sha256> as KeyInit>::new_from_slice(secret)
                .expect("HMAC takes any key length");
            m.update(body);
            m.finalize().into_bytes().to_vec()
        }
        Scheme::Sha1 => {
            let mut m =
                <Hmac<Sha1> as KeyInit>::new_from_slice(secret).expect("HMAC takes any key length");
            m.update(body);
            m.finalize().into_bytes().to_vec()
        }
    }
}

/// Constant-time check of `expected` against HMAC(secret, body).
pub fn mac_matches(scheme: Scheme, secret: &[u8], body: &[u8], expected: &[u8]) -> bool {
    match scheme {
        Scheme::Sha256 => {
            let mut m = <Hmac<Sha256> as KeyInit>::new_from_slice(secret)
                .expect("HMAC takes any key length");
            m.update(body);
            m.verify_slice(expected).is_ok()
        }
        Scheme::Sha1 => {
            let mut m =
                <Hmac<Sha1> as KeyInit>::new_from_slice(secret).expect("HMAC takes any key length");
            m.update(body);
            m.verify_slice(expected).is_ok()
        }
    }
}

pub fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(DIGITS[(b >> 4) as usize] as char);
        s.push(DIGITS[(b & 15) as usize] as char);
    }
    s
}

/// What a mismatching signature does match, when we can tell.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnosis {
    /// Short stable id of the body/secret variant, e.g. `compact-json`.
    pub variant: &'static str,
    /// One sentence: what the signature matches and what that means.
    pub explanation: String,
}

/// The outcome of verifying one request. Each failure is distinct.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Signature matches the exact bytes. `legacy` when only `X-Hub-Signature: sha1=` was present.
    Valid { scheme: Scheme, legacy: bool },
    /// No signature header at all.
    Missing,
    /// A signature in a scheme we do not accept here (e.g. `sha1=` in X-Hub-Signature-256, `md5=`).
    WrongScheme { found: String },
    /// Not `<scheme>=<hex>`: bad hex, wrong length, empty.
    Malformed { reason: String },
    /// Well-formed but does not match. Prefixes are the first 8 hex chars (never the secret).
    Mismatch {
        scheme: Scheme,
        expected_prefix: String,
        got_prefix: String,
        diagnosis: Option<Diagnosis>,
    },
}

impl Verdict {
    pub fn is_valid(&self) -> bool {
        matches!(self, Verdict::Valid { .. })
    }

    /// `valid` | `invalid` | `missing`: the label used in listen's NDJSON.
    pub fn label(&self) -> &'static str {
        match self {
            Verdict::Valid { .. } => "valid",
            Verdict::Missing => "missing",
            _ => "invalid",
        }
    }

    pub fn scheme(&self) -> Option<Scheme> {
        match self {
            Verdict::Valid { scheme, .. } | Verdict::Mismatch { scheme, .. } => Some(*scheme),
            _ => None,
        }
    }

    /// One line saying what is wrong (or that it is valid).
    pub fn reason(&self) -> String {
        match self {
            Verdict::Valid { legacy: false, .. } => "signature valid".into(),
            Verdict::Valid { legacy: true, .. } => {
                "legacy X-Hub-Signature (sha1) valid; no X-Hub-Signature-256 was sent".into()
            }
            Verdict::Missing => "no X-Hub-Signature-256 header".into(),
            Verdict::WrongScheme { found } => {
                format!("unsupported signature scheme `{found}=` (expected sha256=)")
            }
            Verdict::Malformed { reason } => format!("malformed signature: {reason}"),
            Verdict::Mismatch {
                expected_prefix,
                got_prefix,
                diagnosis: Some(d),
                ..
            } => format!(
                "signature mismatch (expected {expected_prefix}…, got {got_prefix}…): {}",
                d.explanation
            ),
            Verdict::Mismatch {
                expected_prefix,
                got_prefix,
                diagnosis: None,
                ..
            } => format!(
                "signature mismatch (expected {expected_prefix}…, got {got_prefix}…): the secret is most likely wrong"
            ),
        }
    }

    /// How to fix it, when there is something to say.
    pub fn hint(&self) -> Option<String> {
        match self {
            Verdict::Valid { legacy: true, .. } => {
                Some("modern senders sign with X-Hub-Signature-256 (HMAC-SHA256); prefer it".into())
            }
            Verdict::Valid { .. } => None,
            Verdict::Missing => Some(
                "the sender must send X-Hub-Signature-256: sha256=<hex HMAC-SHA256 of the raw body>".into(),
            ),
            Verdict::WrongScheme { .. } | Verdict::Malformed { .. } => Some(
                "the header value must be `sha256=` followed by 64 lowercase hex characters".into(),
            ),
            Verdict::Mismatch { diagnosis: Some(d), .. } => Some(variant_hint(d.variant).into()),
            Verdict::Mismatch { diagnosis: None, .. } => Some(
                "check that sender and verifier use the same webhook secret (not the verify token)".into(),
            ),
        }
    }
}

fn variant_hint(variant: &str) -> &'static str {
    match variant {
        "secret-whitespace" => {
            "trim the secret: it has surrounding whitespace or a newline on one side"
        }
        _ => "compute the HMAC over the raw request bytes exactly as received, before any parsing",
    }
}

/// Verify a request from its headers (any order, names matched case-insensitively).
/// Uses `X-Hub-Signature-256` when present, else the legacy `X-Hub-Signature: sha1=`.
pub fn verify_headers<'a>(
    secret: &[u8],
    headers: impl IntoIterator<Item = (&'a str, &'a str)>,
    body: &[u8],
) -> Verdict {
    let mut sha256 = None;
    let mut legacy = None;
    for (name, value) in headers {
        if sha256.is_none() && name.eq_ignore_ascii_case(HEADER_SHA256) {
            sha256 = Some(value);
        } else if legacy.is_none() && name.eq_ignore_ascii_case(HEADER_SHA1) {
            legacy = Some(value);
        }
    }
    match (sha256, legacy) {
        (Some(v), _) => verify_value(secret, v, body),
        (None, Some(v)) => match parse_value(v) {
            Ok((Scheme::Sha1, _)) => match verify_value_allowing(secret, v, body, true) {
                Verdict::Valid { scheme, .. } => Verdict::Valid {
                    scheme,
                    legacy: true,
                },
                other => other,
            },
            _ => verify_value_allowing(secret, v, body, true),
        },
        (None, None) => Verdict::Missing,
    }
}

/// Verify one `X-Hub-Signature-256` value (`sha256=<hex>`).
pub fn verify_value(secret: &[u8], value: &str, body: &[u8]) -> Verdict {
    verify_value_allowing(secret, value, body, false)
}

/// Verify a value; `allow_sha1` accepts `sha1=` (legacy header or explicit user choice).
pub fn verify_value_allowing(secret: &[u8], value: &str, body: &[u8], allow_sha1: bool) -> Verdict {
    let (scheme, got) = match parse_value(value) {
        Ok(p) => p,
        Err(v) => return v,
    };
    if scheme == Scheme::Sha1 && !allow_sha1 {
        return Verdict::WrongScheme {
            found: "sha1".into(),
        };
    }
    if mac_matches(scheme, secret, body, &got) {
        return Verdict::Valid {
            scheme,
            legacy: false,
        };
    }
    let expected = mac(scheme, secret, body);
    Verdict::Mismatch {
        scheme,
        expected_prefix: hex(&expected)[..8].to_string(),
        got_prefix: hex(&got)[..8].to_string(),
        diagnosis: diagnose(scheme, secret, body, &got),
    }
}

/// Parse `scheme=hex` into the scheme and the MAC bytes.
pub fn parse_value(value: &str) -> Result<(Scheme, Vec<u8>), Verdict> {
    let value = value.trim();
    if value.is_empty() {
        return Err(Verdict::Malformed {
            reason: "the header is empty".into(),
        });
    }
    let Some((scheme, hexpart)) = value.split_once('=') else {
        return Err(Verdict::Malformed {
            reason: "no `sha256=` prefix (a bare hex digest?)".into(),
        });
    };
    let scheme = match scheme.trim().to_ascii_lowercase().as_str() {
        "sha256" => Scheme::Sha256,
        "sha1" => Scheme::Sha1,
        other => {
            return Err(Verdict::WrongScheme {
                found: other.chars().take(16).collect(),
            })
        }
    };
    let want = match scheme {
        Scheme::Sha256 => 64,
        Scheme::Sha1 => 40,
    };
    let hexpart = hexpart.trim();
    if hexpart.len() != want {
        return Err(Verdict::Malformed {
            reason: format!(
                "{} hex digest has {} characters, expected {want}",
                scheme.as_str(),
                hexpart.len()
            ),
        });
    }
    match unhex(hexpart) {
        Some(bytes) => Ok((scheme, bytes)),
        None => Err(Verdict::Malformed {
            reason: "the digest is not hexadecimal".into(),
        }),
    }
}

fn unhex(s: &str) -> Option<Vec<u8>> {
    let s = s.as_bytes();
    if s.len() % 2 != 0 {
        return None;
    }
    let nib = |c: u8| match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        b'A'..=b'F' => Some(c - b'A' + 10),
        _ => None,
    };
    s.chunks(2)
        .map(|p| Some(nib(p[0])? << 4 | nib(p[1])?))
        .collect()
}

/// On a mismatch, try the body/secret variants that real bugs produce and say which one the
/// signature matches. `None` when none does (the secret is most likely wrong).
pub fn diagnose(scheme: Scheme, secret: &[u8], body: &[u8], got: &[u8]) -> Option<Diagnosis> {
    // Filled in by the signature-engine work: see the list of variants.
    let _ = (scheme, secret, body, got);
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn github_vector() {
        assert_eq!(
            sign(b"It's a Secret to Everybody", b"Hello, World!"),
            "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"
        );
    }

    #[test]
    fn valid_and_mismatch() {
        let sig = sign(b"s3cret", b"{}");
        assert!(verify_value(b"s3cret", &sig, b"{}").is_valid());
        let v = verify_value(b"other", &sig, b"{}");
        assert!(matches!(v, Verdict::Mismatch { .. }), "{v:?}");
    }

    #[test]
    fn missing_and_legacy() {
        assert_eq!(
            verify_headers(b"k", [("Content-Type", "x")], b"{}"),
            Verdict::Missing
        );
        let legacy = sign_sha1(b"k", b"{}");
        let v = verify_headers(b"k", [("x-hub-signature", legacy.as_str())], b"{}");
        assert_eq!(
            v,
            Verdict::Valid {
                scheme: Scheme::Sha1,
                legacy: true
            }
        );
    }
}
