//! The signature engine: sign exact bytes, verify a header value (or a stream), and say
//! why a signature fails ([`diagnosis`]). Comparison is constant-time ([`digest`]).
//! Knows nothing of HTTP, files or the CLI; imports only `json` (how other serializers
//! write JSON, for the diagnosis).

mod diagnosis;
mod digest;

use std::borrow::Cow;

use diagnosis::variant_hint;
pub use diagnosis::{
    diagnose, escape_json_text, not_diagnosed, unescape_json_text, Diagnosis, VariantInfo,
    DIAGNOSE_MAX_BODY, NOT_DIAGNOSED, SIGNATURE_ALTERED, VARIANTS,
};
use digest::unhex;
pub use digest::{
    hex, mac, mac_matches, sign, sign_sha1, MacStream, Scheme, HEADER_SHA1, HEADER_SHA256,
};

/// The result of verifying a body read from a stream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StreamVerdict {
    pub verdict: Verdict,
    /// Bytes read.
    pub len: u64,
    /// The body, when it fit in `keep_limit` bytes (for diagnosis and event summaries).
    pub body: Option<Vec<u8>>,
}

/// Verify a signature value over everything `reader` yields, hashing in 1 MiB chunks. Keeps
/// the body in memory only while it is at most `keep_limit` bytes; a larger mismatching body
/// gets the [`not_diagnosed`] diagnosis. A `sha1=` value is hashed too, to say whether it
/// matches, and is never valid ([`Verdict::LegacySha1`]).
pub fn verify_reader(
    secret: &[u8],
    value: &str,
    mut reader: impl std::io::Read,
    keep_limit: usize,
) -> std::io::Result<StreamVerdict> {
    // A digest of the wrong length is still hashed against, to tell a truncated signature:
    // `malformed` keeps its verdict while `got` stays empty.
    let mut malformed = None;
    let parsed = parse_value(value).or_else(|v| match odd_length_digest(value) {
        Some((scheme, _)) => {
            malformed = Some(v);
            Ok((scheme, Vec::new()))
        }
        None => Err(v),
    });
    let mut state = parsed.map(|(scheme, got)| (MacStream::new(scheme, secret), scheme, got));
    let mut kept = Some(Vec::new());
    let mut buf = vec![0u8; 1 << 20];
    let mut len = 0u64;
    loop {
        let n = match reader.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        len += n as u64;
        if let Ok((m, _, _)) = state.as_mut() {
            m.update(&buf[..n]);
        }
        if let Some(k) = kept.as_mut() {
            if k.len() + n <= keep_limit {
                k.extend_from_slice(&buf[..n]);
            } else {
                kept = None;
            }
        }
    }
    let verdict = match (state, malformed) {
        (Err(v), _) => v,
        (Ok((m, _, _)), Some(v)) => wrong_length(value, &hex(&m.finalize())).unwrap_or(v),
        (Ok((m, Scheme::Sha1, got)), None) => Verdict::LegacySha1 {
            matches: m.matches(&got),
        },
        (Ok((m, scheme, got)), None) if m.clone().matches(&got) => Verdict::Valid { scheme },
        (Ok((m, scheme, got)), None) => match &kept {
            Some(body) => mismatch(scheme, secret, body, &got),
            None => {
                let expected = hex(&m.finalize());
                Verdict::Mismatch {
                    scheme,
                    expected_prefix: expected[..8].to_string(),
                    got_prefix: hex(&got)[..8].to_string(),
                    diagnosis: Some(altered(&expected, &hex(&got)).unwrap_or(not_diagnosed(len))),
                }
            }
        },
    };
    Ok(StreamVerdict {
        verdict,
        len,
        body: kept,
    })
}

/// The outcome of verifying one request. Each failure is distinct.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// A `sha256=` signature matches the exact bytes.
    Valid { scheme: Scheme },
    /// The only signature is a legacy `sha1=` one (in any header, or given to verify): never
    /// valid, since CMzon signs with `X-Hub-Signature-256: sha256=`. `matches` says whether
    /// it is the right HMAC-SHA1 of the body.
    LegacySha1 { matches: bool },
    /// No signature header at all.
    Missing,
    /// A signature in a scheme we do not know (e.g. `md5=`); `sha1=` is [`Verdict::LegacySha1`].
    WrongScheme { found: String },
    /// Not `<scheme>=<hex>`: bad hex, wrong length, empty.
    Malformed { reason: String },
    /// Not checked: the capture says listen refused the request (`why` is e.g.
    /// `413 Payload Too Large`): before its body was complete, so no signature could match,
    /// or (`404 …`) because it was POSTed to another path than the webhook path.
    Incomplete { why: String },
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

    /// The stable id of the mismatch's diagnosis (e.g. `compact-json`), the `diagnosis` of
    /// verify's and listen's `--json` records.
    pub fn diagnosis_id(&self) -> Option<&'static str> {
        match self {
            Verdict::Mismatch {
                diagnosis: Some(d), ..
            } => Some(d.variant),
            _ => None,
        }
    }

    pub fn scheme(&self) -> Option<Scheme> {
        match self {
            Verdict::Valid { scheme, .. } | Verdict::Mismatch { scheme, .. } => Some(*scheme),
            Verdict::LegacySha1 { .. } => Some(Scheme::Sha1),
            _ => None,
        }
    }

    /// One line saying what is wrong (or that it is valid).
    pub fn reason(&self) -> Cow<'static, str> {
        let text = match self {
            Verdict::Valid { .. } => return "signature valid".into(),
            Verdict::LegacySha1 { matches: true } => {
                return "legacy sha1 signature (it matches); CMzon signs with sha256".into()
            }
            Verdict::LegacySha1 { matches: false } => {
                return "legacy sha1 signature (it does not match); CMzon signs with sha256".into()
            }
            Verdict::Missing => return "no X-Hub-Signature-256 header".into(),
            Verdict::WrongScheme { found } => {
                format!("unsupported signature scheme `{found}=` (expected sha256=)")
            }
            Verdict::Malformed { reason } => format!("malformed signature: {reason}"),
            Verdict::Incomplete { why } => match why.strip_prefix("404 ") {
                Some(wrong_path) => format!("not verified: listen answered 404: {wrong_path}"),
                None => format!(
                    "not verified: listen refused this request before its body was complete ({why})"
                ),
            },
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
        };
        Cow::Owned(text)
    }

    /// How to fix it, when there is something to say.
    pub fn hint(&self) -> Option<Cow<'static, str>> {
        match self {
            Verdict::LegacySha1 { .. } => Some(
                "a sha1 signature alone is never accepted: send X-Hub-Signature-256: sha256=<hex HMAC-SHA256 of the raw body>".into(),
            ),
            Verdict::Valid { .. } => None,
            Verdict::Missing => Some(
                "the sender must send X-Hub-Signature-256: sha256=<hex HMAC-SHA256 of the raw body>".into(),
            ),
            Verdict::Incomplete { why } if why.starts_with("404 ") => Some(
                "the sender posted to the wrong path: point it at the webhook path (send --from-capture skips this request)"
                    .into(),
            ),
            Verdict::Incomplete { .. } => Some(
                "the delivery never reached a handler; resend it (for 413, raise listen --max-body)"
                    .into(),
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

/// Verify a request from its headers (any order, names matched case-insensitively).
/// Uses `X-Hub-Signature-256` when present, else the legacy `X-Hub-Signature` (whose `sha1=`
/// value is reported, never accepted: [`Verdict::LegacySha1`]).
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
        (Some(v), _) | (None, Some(v)) => verify_value(secret, v, body),
        (None, None) => Verdict::Missing,
    }
}

/// [`verify_headers`] for many requests under one secret: the HMAC is keyed once and cloned
/// per request (keying it afresh for each of 100,000 captured requests made `verify` a fifth
/// slower). The common case, the first `X-Hub-Signature-256` holding a `sha256=` value that
/// matches, is answered from the keyed HMAC; anything else (every failure included) takes
/// [`verify_headers`] for the full verdict and its diagnosis. Tests check both agree.
#[derive(Clone)]
pub struct KeyedVerifier<'a> {
    secret: &'a [u8],
    keyed: MacStream,
}

impl<'a> KeyedVerifier<'a> {
    pub fn new(secret: &'a [u8]) -> Self {
        KeyedVerifier {
            secret,
            keyed: MacStream::new(Scheme::Sha256, secret),
        }
    }

    /// Exactly [`verify_headers`]' verdict.
    pub fn verify_headers<'h>(
        &self,
        headers: impl IntoIterator<Item = (&'h str, &'h str)> + Clone,
        body: &[u8],
    ) -> Verdict {
        let sha256 = headers
            .clone()
            .into_iter()
            .find(|(name, _)| name.eq_ignore_ascii_case(HEADER_SHA256));
        if let Some((_, value)) = sha256 {
            if let Ok((Scheme::Sha256, digest)) = parse_value(value) {
                let mut mac = self.keyed.clone();
                mac.update(body);
                if mac.matches(&digest) {
                    return Verdict::Valid {
                        scheme: Scheme::Sha256,
                    };
                }
            }
        }
        verify_headers(self.secret, headers, body)
    }
}

/// Verify one signature value (`sha256=<hex>`). A `sha1=` value is checked and reported,
/// never valid ([`Verdict::LegacySha1`]); a digest of the wrong length that is the start of
/// the expected one is reported as truncated.
pub fn verify_value(secret: &[u8], value: &str, body: &[u8]) -> Verdict {
    let (scheme, got) = match parse_value(value) {
        Ok(p) => p,
        Err(v) => {
            return match odd_length_digest(value) {
                Some((scheme, _)) => {
                    wrong_length(value, &hex(&mac(scheme, secret, body))).unwrap_or(v)
                }
                None => v,
            }
        }
    };
    if scheme == Scheme::Sha1 {
        return Verdict::LegacySha1 {
            matches: mac_matches(scheme, secret, body, &got),
        };
    }
    if mac_matches(scheme, secret, body, &got) {
        return Verdict::Valid { scheme };
    }
    mismatch(scheme, secret, body, &got)
}

/// Hex characters two digests share before they first differ.
fn common_hex_prefix(a: &str, b: &str) -> usize {
    a.bytes()
        .zip(b.bytes())
        .take_while(|(x, y)| x.eq_ignore_ascii_case(y))
        .count()
}

/// Shared leading hex characters from which a signature is taken to be an altered copy of
/// the right one rather than one made with another secret (a chance of 1 in 16^8).
const ALTERED_PREFIX: usize = 8;

/// `scheme=hex` whose hex part is hexadecimal but not the scheme's length: the scheme and
/// the hex text.
fn odd_length_digest(value: &str) -> Option<(Scheme, &str)> {
    let (scheme, hexpart) = value.trim().split_once('=')?;
    let scheme = match scheme.trim() {
        s if s.eq_ignore_ascii_case("sha256") => Scheme::Sha256,
        s if s.eq_ignore_ascii_case("sha1") => Scheme::Sha1,
        _ => return None,
    };
    let hexpart = hexpart.trim();
    let want = scheme_hex_len(scheme);
    (hexpart.len() != want
        && hexpart.len() >= ALTERED_PREFIX
        && hexpart.bytes().all(|b| b.is_ascii_hexdigit()))
    .then_some((scheme, hexpart))
}

fn scheme_hex_len(scheme: Scheme) -> usize {
    match scheme {
        Scheme::Sha256 => 64,
        Scheme::Sha1 => 40,
    }
}

/// The verdict for a digest of the wrong length that starts like `expected` (the right
/// digest's hex): truncated, or extended, or altered, with where it first differs.
fn wrong_length(value: &str, expected: &str) -> Option<Verdict> {
    let (scheme, hexpart) = odd_length_digest(value)?;
    let shared = common_hex_prefix(hexpart, expected);
    if shared < ALTERED_PREFIX {
        return None;
    }
    let want = expected.len();
    let len = hexpart.len();
    let what = if shared == len {
        format!(
            "the signature was truncated: its {len} hex characters are the first {len} of the expected {want}"
        )
    } else if shared == want {
        format!(
            "the signature has {} extra characters after the expected {want}",
            len - want
        )
    } else {
        format!(
            "the signature was altered: {len} hex characters instead of {want}, first differing from the expected value at character {}",
            shared + 1
        )
    };
    Some(Verdict::Malformed {
        reason: format!("{} digest of the wrong length: {what}", scheme.as_str()),
    })
}

/// The verdict for a body whose MAC is not `got`, with its diagnosis.
fn mismatch(scheme: Scheme, secret: &[u8], body: &[u8], got: &[u8]) -> Verdict {
    let expected = hex(&mac(scheme, secret, body));
    let got_hex = hex(got);
    let diagnosis = altered(&expected, &got_hex).or_else(|| diagnose(scheme, secret, body, got));
    Verdict::Mismatch {
        scheme,
        expected_prefix: expected[..8].to_string(),
        got_prefix: got_hex[..8].to_string(),
        diagnosis,
    }
}

/// A signature that shares a long prefix with the expected one was altered (a character
/// changed in transit or by hand), not made with another secret: say where they first differ.
fn altered(expected: &str, got: &str) -> Option<Diagnosis> {
    let shared = common_hex_prefix(expected, got);
    if shared < ALTERED_PREFIX {
        return None;
    }
    let from = shared.saturating_sub(4);
    let to = (shared + 4).min(expected.len());
    Some(Diagnosis {
        variant: SIGNATURE_ALTERED,
        explanation: format!(
            "the signature was altered: its first {shared} of {} hex characters match the expected value and it first differs at character {} (expected …{}…, got …{}…)",
            expected.len(),
            shared + 1,
            &expected[from..to],
            &got[from..to],
        ),
    })
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
    let scheme = match scheme.trim() {
        s if s.eq_ignore_ascii_case("sha256") => Scheme::Sha256,
        s if s.eq_ignore_ascii_case("sha1") => Scheme::Sha1,
        other => {
            return Err(Verdict::WrongScheme {
                found: other.to_ascii_lowercase().chars().take(16).collect(),
            })
        }
    };
    let want = scheme_hex_len(scheme);
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keyed_verifier_gives_verify_headers_verdicts() {
        let verifier = KeyedVerifier::new(b"k");
        let body = br#"{"object":"whatsapp_business_account","entry":[]}"#;
        let good = sign(b"k", body);
        let upper = format!("sha256={}", good[7..].to_ascii_uppercase());
        let legacy = sign_sha1(b"k", body);
        let wrong = sign(b"other", body);
        let scheme_case = format!("SHA256={}", &good[7..]);
        let cases: Vec<Vec<(&str, &str)>> = vec![
            vec![("X-Hub-Signature-256", &good)],
            vec![("x-hub-signature-256", &upper)],
            vec![("X-Hub-Signature-256", " sha256 = 00 ")],
            vec![
                ("X-Hub-Signature-256", &wrong),
                ("X-Hub-Signature-256", &good),
            ],
            vec![("X-Hub-Signature-256", &legacy)],
            vec![("X-Hub-Signature", &legacy)],
            vec![
                ("X-Hub-Signature", &legacy),
                ("X-Hub-Signature-256", &wrong),
            ],
            vec![("Content-Type", "application/json")],
            vec![("X-Hub-Signature-256", &scheme_case)],
        ];
        for headers in cases {
            assert_eq!(
                verifier.verify_headers(headers.iter().copied(), body),
                verify_headers(b"k", headers.iter().copied(), body),
                "{headers:?}"
            );
        }
        assert!(verifier
            .verify_headers([("X-Hub-Signature-256", good.as_str())], body)
            .is_valid());
    }

    pub(crate) const MESSAGES: &[u8] = include_bytes!("../../../tests/data/vector-messages.json");
    pub(crate) const ESCAPED: &[u8] =
        br#"{"text":{"body":"mang\u00e9 \/ caf\u00e9 @ \ud83d\ude2e"}}"#;
    pub(crate) const UNESCAPED: &[u8] = "{\"text\":{\"body\":\"mangé / café @ 😮\"}}".as_bytes();
    pub(crate) const SECRET: &[u8] = b"s3cret";

    #[test]
    fn github_vector() {
        assert_eq!(
            sign(b"It's a Secret to Everybody", b"Hello, World!"),
            "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"
        );
    }

    #[test]
    fn reference_vectors() {
        assert_eq!(
            sign(SECRET, MESSAGES),
            "sha256=1a79931c7aff73e7ac9c11657e09d99c107cf017727d1ebfe45aaa4462854f56"
        );
        assert_eq!(
            sign(SECRET, ESCAPED),
            "sha256=89f85910e050bb36418b9e0d410203267cfe99ea51a4fd473020c58e77ffa62f"
        );
        assert_eq!(
            sign(SECRET, UNESCAPED),
            "sha256=046dca3b7d410d0664ba6f90da0b6ac27067048a6b7e3d8c63a3554601009642"
        );
        for body in [MESSAGES, ESCAPED, UNESCAPED] {
            let v = verify_value(SECRET, &sign(SECRET, body), body);
            assert_eq!(
                v,
                Verdict::Valid {
                    scheme: Scheme::Sha256,
                }
            );
            assert_eq!(v.reason(), "signature valid");
            assert_eq!(v.hint(), None);
        }
    }

    #[test]
    fn valid_and_mismatch() {
        let sig = sign(b"s3cret", b"{}");
        assert!(verify_value(b"s3cret", &sig, b"{}").is_valid());
        let v = verify_value(b"other", &sig, b"{}");
        assert!(matches!(v, Verdict::Mismatch { .. }), "{v:?}");
    }

    #[test]
    fn no_reason_or_hint_contains_the_secret() {
        let secret: &[u8] = b"Zebra-Secret-9f3";
        let cases: Vec<(Vec<u8>, &[u8], String)> = vec![
            (MESSAGES.to_vec(), MESSAGES, sign(secret, MESSAGES)),
            (MESSAGES.to_vec(), MESSAGES, sign(b"other", MESSAGES)),
            (UNESCAPED.to_vec(), ESCAPED, sign(secret, UNESCAPED)),
            (ESCAPED.to_vec(), UNESCAPED, sign(secret, ESCAPED)),
            (
                MESSAGES.to_vec(),
                MESSAGES,
                sign(b"Zebra-Secret-9f3\n", MESSAGES),
            ),
            (MESSAGES.to_vec(), MESSAGES, "sha1=abc".into()),
            (MESSAGES.to_vec(), MESSAGES, "md5=abc".into()),
            (MESSAGES.to_vec(), MESSAGES, String::new()),
        ];
        let needle = "Zebra-Secret";
        for (_, captured, sig) in &cases {
            for s in [secret, b" Zebra-Secret-9f3 "] {
                let v = verify_value(s, sig, captured);
                let text = format!("{} {:?} {v:?}", v.reason(), v.hint());
                assert!(!text.contains(needle), "{text}");
            }
        }
        for v in VARIANTS {
            assert!(!v.explanation.contains(needle) && !v.hint.contains(needle));
        }
    }

    #[test]
    fn header_name_is_case_insensitive() {
        let sig = sign(SECRET, MESSAGES);
        for name in [
            "X-Hub-Signature-256",
            "x-hub-signature-256",
            "X-HUB-SIGNATURE-256",
        ] {
            let v = verify_headers(
                SECRET,
                [("Content-Type", "application/json"), (name, sig.as_str())],
                MESSAGES,
            );
            assert!(v.is_valid(), "{name}: {v:?}");
        }
    }

    /// Issue 14 point 4: a sha1 signature is reported the same way in either header and as
    /// a bare value, matching or not, and is never valid.
    #[test]
    fn sha1_is_legacy_and_never_valid_in_any_header() {
        let sha1 = sign_sha1(SECRET, MESSAGES);
        let wrong = sign_sha1(b"other", MESSAGES);
        for name in ["X-Hub-Signature-256", "X-Hub-Signature", "x-hub-signature"] {
            let v = verify_headers(SECRET, [(name, sha1.as_str())], MESSAGES);
            assert_eq!(v, Verdict::LegacySha1 { matches: true }, "{name}");
            assert_eq!(
                v.reason(),
                "legacy sha1 signature (it matches); CMzon signs with sha256"
            );
            assert!(v.hint().unwrap().contains("X-Hub-Signature-256: sha256="));
            assert_eq!(v.scheme(), Some(Scheme::Sha1));
            assert_eq!(v.label(), "invalid");
            let v = verify_headers(SECRET, [(name, wrong.as_str())], MESSAGES);
            assert_eq!(
                v.reason(),
                "legacy sha1 signature (it does not match); CMzon signs with sha256"
            );
            assert!(!v.is_valid());
        }
        assert_eq!(
            verify_value(SECRET, &sha1, MESSAGES),
            Verdict::LegacySha1 { matches: true }
        );
        let v = verify_value(SECRET, "md5=0123", MESSAGES);
        assert_eq!(
            v,
            Verdict::WrongScheme {
                found: "md5".into()
            }
        );
    }

    #[test]
    fn missing_and_legacy() {
        assert_eq!(
            verify_headers(b"k", [("Content-Type", "x")], b"{}"),
            Verdict::Missing
        );
        assert_eq!(Verdict::Missing.label(), "missing");
        let legacy = sign_sha1(b"k", b"{}");
        let v = verify_headers(b"k", [("x-hub-signature", legacy.as_str())], b"{}");
        assert_eq!(v, Verdict::LegacySha1 { matches: true });
        assert!(v.reason().contains("legacy"));
        // When both are present the SHA-256 header decides.
        let bad = sign(b"other", b"{}");
        let v = verify_headers(
            b"k",
            [
                ("X-Hub-Signature", legacy.as_str()),
                ("X-Hub-Signature-256", bad.as_str()),
            ],
            b"{}",
        );
        assert!(
            matches!(
                v,
                Verdict::Mismatch {
                    scheme: Scheme::Sha256,
                    ..
                }
            ),
            "{v:?}"
        );
        // A legacy mismatch is a legacy signature that does not match.
        let v = verify_headers(b"other", [("X-Hub-Signature", legacy.as_str())], b"{}");
        assert_eq!(v, Verdict::LegacySha1 { matches: false });
        // A sha256 value in the legacy header is checked like any sha256 value.
        let v = verify_headers(
            b"k",
            [("X-Hub-Signature", sign(b"k", b"{}").as_str())],
            b"{}",
        );
        assert!(v.is_valid(), "{v:?}");
    }

    #[test]
    fn malformed_values() {
        let cases = [
            ("", "empty"),
            ("   ", "empty"),
            ("sha256=", "0 characters"),
            ("sha256=abc", "3 characters"),
            (&*format!("sha256={}", "g".repeat(64)), "not hexadecimal"),
            (&*format!("sha256={}", "a".repeat(66)), "66 characters"),
            (&*"a".repeat(64), "no `sha256=` prefix"),
        ];
        for (value, what) in cases {
            let v = verify_value(SECRET, value, MESSAGES);
            match &v {
                Verdict::Malformed { reason } => {
                    assert!(reason.contains(what), "{value}: {reason}")
                }
                other => panic!("{value}: {other:?}"),
            }
            assert!(v.hint().unwrap().contains("64 lowercase hex"));
        }
        // Upper-case hex is still hex.
        let sig = sign(SECRET, MESSAGES)
            .to_uppercase()
            .replace("SHA256", "sha256");
        assert!(verify_value(SECRET, &sig, MESSAGES).is_valid());
    }

    #[test]
    fn stream_verification() {
        let sig = sign(SECRET, MESSAGES);
        let r = verify_reader(SECRET, &sig, MESSAGES, 1 << 20).unwrap();
        assert!(r.verdict.is_valid());
        assert_eq!(r.len, MESSAGES.len() as u64);
        assert_eq!(r.body.as_deref(), Some(MESSAGES));

        // Small enough to keep: diagnosed like the in-memory path.
        let r = verify_reader(SECRET, &sign(SECRET, UNESCAPED), ESCAPED, 1 << 20).unwrap();
        assert_eq!(
            r.verdict,
            verify_value(SECRET, &sign(SECRET, UNESCAPED), ESCAPED)
        );

        // Too large to keep: not diagnosed, and says so.
        let r = verify_reader(SECRET, &sign(b"x", MESSAGES), MESSAGES, 16).unwrap();
        assert_eq!(r.body, None);
        match &r.verdict {
            Verdict::Mismatch {
                diagnosis: Some(d),
                expected_prefix,
                ..
            } => {
                assert_eq!(d.variant, NOT_DIAGNOSED);
                assert_eq!(expected_prefix, &sign(SECRET, MESSAGES)[7..15]);
            }
            other => panic!("{other:?}"),
        }

        let r = verify_reader(SECRET, &sign_sha1(SECRET, MESSAGES), MESSAGES, 1 << 20).unwrap();
        assert_eq!(r.verdict, Verdict::LegacySha1 { matches: true });
        assert_eq!(r.body.as_deref(), Some(MESSAGES));
        let r = verify_reader(SECRET, &sign_sha1(b"x", MESSAGES), MESSAGES, 16).unwrap();
        assert_eq!(r.verdict, Verdict::LegacySha1 { matches: false });

        // A truncated or altered signature is told from the stream as from memory.
        let good = sign(SECRET, MESSAGES);
        for value in [&good[..good.len() - 3], &corrupt(&good)] {
            let r = verify_reader(SECRET, value, MESSAGES, 1 << 20).unwrap();
            assert_eq!(r.verdict, verify_value(SECRET, value, MESSAGES), "{value}");
            let r = verify_reader(SECRET, value, MESSAGES, 16).unwrap();
            assert!(
                r.verdict.reason().contains("signature was"),
                "{:?}",
                r.verdict
            );
        }
    }

    /// What `send --tamper bad-signature` does: the last hex character changed.
    fn corrupt(sig: &str) -> String {
        let mut s = sig.to_string();
        let last = s.pop().unwrap();
        s.push(if last == '0' { '1' } else { '0' });
        s
    }

    /// Issue 14 point 3: a corrupted signature is not blamed on the secret; the reason says
    /// where the values first differ.
    #[test]
    fn altered_signature_is_not_a_wrong_secret() {
        let good = sign(SECRET, MESSAGES);
        let v = verify_value(SECRET, &corrupt(&good), MESSAGES);
        assert_eq!(v.diagnosis_id(), Some(SIGNATURE_ALTERED));
        let reason = v.reason();
        assert!(!reason.contains("secret is most likely wrong"), "{reason}");
        assert!(
            reason.contains("the signature was altered: its first 63 of 64 hex characters match the expected value and it first differs at character 64"),
            "{reason}"
        );
        assert!(
            reason.contains(&format!("expected …{}…", &good[good.len() - 5..])),
            "{reason}"
        );
        assert!(v.hint().unwrap().contains("the secret is right"));
        // A change in the middle.
        let mut mid = good.clone().into_bytes();
        mid[7 + 20] = if mid[7 + 20] == b'a' { b'b' } else { b'a' };
        let v = verify_value(SECRET, std::str::from_utf8(&mid).unwrap(), MESSAGES);
        assert!(
            v.reason().contains("first differs at character 21"),
            "{}",
            v.reason()
        );

        // Truncated: a prefix of the expected value.
        let v = verify_value(SECRET, &good[..good.len() - 2], MESSAGES);
        assert_eq!(
            v.reason(),
            "malformed signature: sha256 digest of the wrong length: the signature was truncated: its 62 hex characters are the first 62 of the expected 64"
        );
        let v = verify_value(SECRET, &format!("{good}ab"), MESSAGES);
        assert!(v.reason().contains("2 extra characters"), "{}", v.reason());
        // A short value unrelated to the expected one stays a plain length error.
        let v = verify_value(SECRET, "sha256=abc", MESSAGES);
        assert_eq!(
            v.reason(),
            "malformed signature: sha256 hex digest has 3 characters, expected 64"
        );
        // Another secret shares no long prefix: still the secret.
        let v = verify_value(SECRET, &sign(b"other", MESSAGES), MESSAGES);
        assert!(v.reason().contains("the secret is most likely wrong"));
    }
}
