//! The signature engine: sign exact bytes, verify a header value, diagnose mismatches.
//!
//! Knows nothing of HTTP, files or the CLI. Comparison is constant-time (`Mac::verify_slice`).

use std::borrow::Cow;

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
    let mut m = MacStream::new(scheme, secret);
    m.update(body);
    m.finalize()
}

/// Constant-time check of `expected` against HMAC(secret, body).
pub fn mac_matches(scheme: Scheme, secret: &[u8], body: &[u8], expected: &[u8]) -> bool {
    let mut m = MacStream::new(scheme, secret);
    m.update(body);
    m.matches(expected)
}

/// An HMAC fed piece by piece, for bodies read in chunks (a 1 GiB file never sits in memory).
#[derive(Clone)]
pub struct MacStream(MacState);

#[derive(Clone)]
enum MacState {
    Sha256(Hmac<Sha256>),
    Sha1(Hmac<Sha1>),
}

impl MacStream {
    pub fn new(scheme: Scheme, secret: &[u8]) -> Self {
        MacStream(match scheme {
            Scheme::Sha256 => MacState::Sha256(
                <Hmac<Sha256> as KeyInit>::new_from_slice(secret)
                    .expect("HMAC takes any key length"),
            ),
            Scheme::Sha1 => MacState::Sha1(
                <Hmac<Sha1> as KeyInit>::new_from_slice(secret).expect("HMAC takes any key length"),
            ),
        })
    }

    pub fn update(&mut self, data: &[u8]) {
        match &mut self.0 {
            MacState::Sha256(m) => m.update(data),
            MacState::Sha1(m) => m.update(data),
        }
    }

    /// Constant-time comparison of the MAC with `expected` (it ends the stream: clone a
    /// stream first to go on with it).
    pub fn matches(self, expected: &[u8]) -> bool {
        match self.0 {
            MacState::Sha256(m) => m.verify_slice(expected).is_ok(),
            MacState::Sha1(m) => m.verify_slice(expected).is_ok(),
        }
    }

    pub fn finalize(self) -> Vec<u8> {
        match self.0 {
            MacState::Sha256(m) => m.finalize().into_bytes().to_vec(),
            MacState::Sha1(m) => m.finalize().into_bytes().to_vec(),
        }
    }
}

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
/// gets the [`not_diagnosed`] diagnosis. `allow_sha1` as in [`verify_value_allowing`].
pub fn verify_reader(
    secret: &[u8],
    value: &str,
    allow_sha1: bool,
    mut reader: impl std::io::Read,
    keep_limit: usize,
) -> std::io::Result<StreamVerdict> {
    let parsed = match parse_value(value) {
        Ok((Scheme::Sha1, _)) if !allow_sha1 => Err(Verdict::WrongScheme {
            found: "sha1".into(),
        }),
        other => other,
    };
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
    let verdict = match state {
        Err(v) => v,
        Ok((m, scheme, got)) if m.clone().matches(&got) => Verdict::Valid {
            scheme,
            legacy: false,
        },
        Ok((m, scheme, got)) => match &kept {
            Some(body) => mismatch(scheme, secret, body, &got),
            None => Verdict::Mismatch {
                scheme,
                expected_prefix: hex(&m.finalize())[..8].to_string(),
                got_prefix: hex(&got)[..8].to_string(),
                diagnosis: Some(not_diagnosed(len)),
            },
        },
    };
    Ok(StreamVerdict {
        verdict,
        len,
        body: kept,
    })
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
    /// Not checked: the capture says the request was refused before its body was complete
    /// (`why` is e.g. `413 Payload Too Large`), so no signature could match.
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

    pub fn scheme(&self) -> Option<Scheme> {
        match self {
            Verdict::Valid { scheme, .. } | Verdict::Mismatch { scheme, .. } => Some(*scheme),
            _ => None,
        }
    }

    /// One line saying what is wrong (or that it is valid).
    pub fn reason(&self) -> Cow<'static, str> {
        let text = match self {
            Verdict::Valid { legacy: false, .. } => return "signature valid".into(),
            Verdict::Valid { legacy: true, .. } => {
                return "legacy X-Hub-Signature (sha1) valid; no X-Hub-Signature-256 was sent"
                    .into()
            }
            Verdict::Missing => return "no X-Hub-Signature-256 header".into(),
            Verdict::WrongScheme { found } => {
                format!("unsupported signature scheme `{found}=` (expected sha256=)")
            }
            Verdict::Malformed { reason } => format!("malformed signature: {reason}"),
            Verdict::Incomplete { why } => format!(
                "not verified: listen refused this request before its body was complete ({why})"
            ),
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
            Verdict::Valid { legacy: true, .. } => {
                Some("modern senders sign with X-Hub-Signature-256 (HMAC-SHA256); prefer it".into())
            }
            Verdict::Valid { .. } => None,
            Verdict::Missing => Some(
                "the sender must send X-Hub-Signature-256: sha256=<hex HMAC-SHA256 of the raw body>".into(),
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

fn variant_hint(variant: &str) -> &'static str {
    VARIANTS
        .iter()
        .find(|v| v.id == variant)
        .map(|v| v.hint)
        .unwrap_or(
            "compute the HMAC over the raw request bytes exactly as received, before any parsing",
        )
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
    mismatch(scheme, secret, body, &got)
}

/// The verdict for a body whose MAC is not `got`, with its diagnosis.
fn mismatch(scheme: Scheme, secret: &[u8], body: &[u8], got: &[u8]) -> Verdict {
    let expected = mac(scheme, secret, body);
    Verdict::Mismatch {
        scheme,
        expected_prefix: hex(&expected)[..8].to_string(),
        got_prefix: hex(got)[..8].to_string(),
        diagnosis: diagnose(scheme, secret, body, got),
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
    let scheme = match scheme.trim() {
        s if s.eq_ignore_ascii_case("sha256") => Scheme::Sha256,
        s if s.eq_ignore_ascii_case("sha1") => Scheme::Sha1,
        other => {
            return Err(Verdict::WrongScheme {
                found: other.to_ascii_lowercase().chars().take(16).collect(),
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
    if !s.len().is_multiple_of(2) {
        return None;
    }
    let nib = |c: u8| match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        b'A'..=b'F' => Some(c - b'A' + 10),
        _ => None,
    };
    let mut out = Vec::with_capacity(s.len() / 2);
    for pair in s.chunks_exact(2) {
        out.push(nib(pair[0])? << 4 | nib(pair[1])?);
    }
    Some(out)
}

/// Bodies larger than this are not diagnosed (real payloads are at most 3 MB): trying the
/// variants needs the body in memory several times over.
pub const DIAGNOSE_MAX_BODY: usize = 16 << 20;

/// Id of the diagnosis given when the body was too large to try the variants.
pub const NOT_DIAGNOSED: &str = "not-diagnosed";

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

/// Every variant [`diagnose`] tries, in the order it tries them (smallest change first).
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
        if body_matches(Some(serialize_json(&value, style))) {
            return Some(found(id));
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

fn push_u_escapes(c: char, out: &mut Vec<u8>) {
    let mut units = [0u16; 2];
    for unit in c.encode_utf16(&mut units) {
        out.extend_from_slice(format!("\\u{unit:04x}").as_bytes());
    }
}

/// How a serializer lays JSON out: the styles real senders and frameworks produce.
#[derive(Debug, Clone, Copy)]
struct JsonStyle {
    /// Spaces per level; 0 means all on one line.
    indent: usize,
    item_sep: &'static str,
    key_sep: &'static str,
    /// Escape every non-ASCII character (and DEL) as `\uXXXX`.
    ascii: bool,
    escape_slash: bool,
    /// Python number formatting (`1.0`, `1e-05`) instead of JavaScript's (`1`, `1e-7`).
    python: bool,
}

const JS_COMPACT: JsonStyle = JsonStyle {
    indent: 0,
    item_sep: ",",
    key_sep: ":",
    ascii: false,
    escape_slash: false,
    python: false,
};

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
    (
        "python-json",
        JsonStyle {
            indent: 0,
            item_sep: ", ",
            key_sep: ": ",
            ascii: true,
            escape_slash: false,
            python: true,
        },
    ),
];

fn serialize_json(value: &serde_json::Value, style: JsonStyle) -> Vec<u8> {
    let mut out = Vec::with_capacity(256);
    write_json(value, &style, 0, &mut out);
    out
}

fn write_json(value: &serde_json::Value, style: &JsonStyle, depth: usize, out: &mut Vec<u8>) {
    use serde_json::Value;
    let newline = |depth: usize, out: &mut Vec<u8>| {
        if style.indent > 0 {
            out.push(b'\n');
            out.resize(out.len() + style.indent * depth, b' ');
        }
    };
    match value {
        Value::Null => out.extend_from_slice(b"null"),
        Value::Bool(b) => out.extend_from_slice(if *b { b"true" } else { b"false" }),
        Value::Number(n) => out.extend_from_slice(format_number(n, style.python).as_bytes()),
        Value::String(s) => write_json_str(s, style, out),
        Value::Array(items) if items.is_empty() => out.extend_from_slice(b"[]"),
        Value::Object(map) if map.is_empty() => out.extend_from_slice(b"{}"),
        Value::Array(items) => {
            out.push(b'[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.extend_from_slice(style.item_sep.as_bytes());
                }
                newline(depth + 1, out);
                write_json(item, style, depth + 1, out);
            }
            newline(depth, out);
            out.push(b']');
        }
        Value::Object(map) => {
            out.push(b'{');
            for (i, (key, item)) in map.iter().enumerate() {
                if i > 0 {
                    out.extend_from_slice(style.item_sep.as_bytes());
                }
                newline(depth + 1, out);
                write_json_str(key, style, out);
                out.extend_from_slice(style.key_sep.as_bytes());
                write_json(item, style, depth + 1, out);
            }
            newline(depth, out);
            out.push(b'}');
        }
    }
}

fn write_json_str(s: &str, style: &JsonStyle, out: &mut Vec<u8>) {
    out.push(b'"');
    for c in s.chars() {
        match c {
            '"' => out.extend_from_slice(b"\\\""),
            '\\' => out.extend_from_slice(b"\\\\"),
            '\n' => out.extend_from_slice(b"\\n"),
            '\r' => out.extend_from_slice(b"\\r"),
            '\t' => out.extend_from_slice(b"\\t"),
            '\u{8}' => out.extend_from_slice(b"\\b"),
            '\u{c}' => out.extend_from_slice(b"\\f"),
            '/' if style.escape_slash => out.extend_from_slice(b"\\/"),
            c if c < ' ' || (style.ascii && c == '\u{7f}') => push_u_escapes(c, out),
            c if c.is_ascii() => out.push(c as u8),
            c if style.ascii => push_u_escapes(c, out),
            c => {
                let mut buf = [0u8; 4];
                out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
            }
        }
    }
    out.push(b'"');
}

/// A number as JavaScript's `String(n)` or Python's `repr` writes it.
fn format_number(n: &serde_json::Number, python: bool) -> String {
    const JS_SAFE: u64 = 1 << 53;
    if let Some(u) = n.as_u64() {
        if python || u <= JS_SAFE {
            return u.to_string();
        }
        return js_float(u as f64);
    }
    if let Some(i) = n.as_i64() {
        if python || i.unsigned_abs() <= JS_SAFE {
            return i.to_string();
        }
        return js_float(i as f64);
    }
    let f = n.as_f64().unwrap_or(0.0);
    if python {
        py_float(f)
    } else {
        js_float(f)
    }
}

/// Shortest round-trip digits of `f` (no sign) and the decimal point position `n`: the value
/// is `0.DIGITS × 10^n`.
fn shortest_digits(f: f64) -> (String, i32) {
    let sci = format!("{:e}", f.abs());
    let (mantissa, exp) = sci.split_once('e').unwrap_or((&sci, "0"));
    let digits: String = mantissa.chars().filter(|c| *c != '.').collect();
    (digits, exp.parse::<i32>().unwrap_or(0) + 1)
}

fn js_float(f: f64) -> String {
    if f == 0.0 {
        return "0".into();
    }
    let sign = if f < 0.0 { "-" } else { "" };
    let (d, n) = shortest_digits(f);
    let k = d.len() as i32;
    let body = if k <= n && n <= 21 {
        format!("{d}{}", "0".repeat((n - k) as usize))
    } else if 0 < n && n <= 21 {
        format!("{}.{}", &d[..n as usize], &d[n as usize..])
    } else if -6 < n && n <= 0 {
        format!("0.{}{d}", "0".repeat((-n) as usize))
    } else {
        scientific(&d, n, 1)
    };
    format!("{sign}{body}")
}

/// `d` (shortest digits, decimal point after `n` of them) as `D.DDDe±X`, the exponent padded
/// to `exp_width` digits (JavaScript: 1, Python: 2).
fn scientific(d: &str, n: i32, exp_width: usize) -> String {
    let e = n - 1;
    let esign = if e < 0 { '-' } else { '+' };
    let mantissa = if d.len() == 1 {
        d.to_string()
    } else {
        format!("{}.{}", &d[..1], &d[1..])
    };
    format!("{mantissa}e{esign}{:0exp_width$}", e.abs())
}

fn py_float(f: f64) -> String {
    let sign = if f.is_sign_negative() { "-" } else { "" };
    if f == 0.0 {
        return format!("{sign}0.0");
    }
    let (d, n) = shortest_digits(f);
    let k = d.len() as i32;
    let body = if -4 < n && n <= 16 {
        if n <= 0 {
            format!("0.{}{d}", "0".repeat((-n) as usize))
        } else if n >= k {
            format!("{d}{}.0", "0".repeat((n - k) as usize))
        } else {
            format!("{}.{}", &d[..n as usize], &d[n as usize..])
        }
    } else {
        scientific(&d, n, 2)
    };
    format!("{sign}{body}")
}

#[cfg(test)]
mod tests {
    use super::*;

    const MESSAGES: &[u8] = include_bytes!("../../tests/data/vector-messages.json");
    const ESCAPED: &[u8] = br#"{"text":{"body":"mang\u00e9 \/ caf\u00e9 @ \ud83d\ude2e"}}"#;
    const UNESCAPED: &[u8] = "{\"text\":{\"body\":\"mangé / café @ 😮\"}}".as_bytes();
    const SECRET: &[u8] = b"s3cret";

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
                    legacy: false
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

    #[test]
    fn sha1_in_sha256_header_is_wrong_scheme() {
        let sha1 = sign_sha1(SECRET, MESSAGES);
        let v = verify_headers(SECRET, [("X-Hub-Signature-256", sha1.as_str())], MESSAGES);
        assert_eq!(
            v,
            Verdict::WrongScheme {
                found: "sha1".into()
            }
        );
        assert!(v.reason().contains("sha1="), "{}", v.reason());
        assert_eq!(v.scheme(), None);
        assert_eq!(v.label(), "invalid");
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
        assert_eq!(
            v,
            Verdict::Valid {
                scheme: Scheme::Sha1,
                legacy: true
            }
        );
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
        // A legacy mismatch is a sha1 mismatch.
        let v = verify_headers(b"other", [("X-Hub-Signature", legacy.as_str())], b"{}");
        assert!(
            matches!(
                v,
                Verdict::Mismatch {
                    scheme: Scheme::Sha1,
                    ..
                }
            ),
            "{v:?}"
        );
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
        let r = verify_reader(SECRET, &sig, false, MESSAGES, 1 << 20).unwrap();
        assert!(r.verdict.is_valid());
        assert_eq!(r.len, MESSAGES.len() as u64);
        assert_eq!(r.body.as_deref(), Some(MESSAGES));

        // Small enough to keep: diagnosed like the in-memory path.
        let r = verify_reader(SECRET, &sign(SECRET, UNESCAPED), false, ESCAPED, 1 << 20).unwrap();
        assert_eq!(
            r.verdict,
            verify_value(SECRET, &sign(SECRET, UNESCAPED), ESCAPED)
        );

        // Too large to keep: not diagnosed, and says so.
        let r = verify_reader(SECRET, &sign(b"x", MESSAGES), false, MESSAGES, 16).unwrap();
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

        let r = verify_reader(
            SECRET,
            &sign_sha1(SECRET, MESSAGES),
            false,
            MESSAGES,
            1 << 20,
        )
        .unwrap();
        assert_eq!(
            r.verdict,
            Verdict::WrongScheme {
                found: "sha1".into()
            }
        );
        assert_eq!(r.body.as_deref(), Some(MESSAGES));
        let r = verify_reader(
            SECRET,
            &sign_sha1(SECRET, MESSAGES),
            true,
            MESSAGES,
            1 << 20,
        )
        .unwrap();
        assert_eq!(r.verdict.scheme(), Some(Scheme::Sha1));
        assert!(r.verdict.is_valid());
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
    fn number_formats() {
        for (f, js, py) in [
            (1.0, "1", "1.0"),
            (-0.5, "-0.5", "-0.5"),
            (0.0, "0", "0.0"),
            (-0.0, "0", "-0.0"),
            (37.483307, "37.483307", "37.483307"),
            (1e21, "1e+21", "1e+21"),
            (1e20, "100000000000000000000", "1e+20"),
            (1e16, "10000000000000000", "1e+16"),
            (1e15, "1000000000000000", "1000000000000000.0"),
            (1e-7, "1e-7", "1e-07"),
            (1.5e-7, "1.5e-7", "1.5e-07"),
            (0.000001, "0.000001", "1e-06"),
            (0.0001, "0.0001", "0.0001"),
            (1.5e300, "1.5e+300", "1.5e+300"),
            (123.456, "123.456", "123.456"),
        ] {
            assert_eq!(js_float(f), js, "js {f}");
            assert_eq!(py_float(f), py, "py {f}");
        }
        let big: serde_json::Value =
            serde_json::from_str("[9007199254740993, -9007199254740993, 12]").unwrap();
        assert_eq!(
            String::from_utf8(serialize_json(&big, JS_COMPACT)).unwrap(),
            "[9007199254740992,-9007199254740992,12]"
        );
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
