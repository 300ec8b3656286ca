//! What `send` delivers: payload sources (fixture names, JSON files, directories, stdin,
//! captured requests), the body of each delivery, its signature (or a deliberate forgery),
//! and the request around it.
//!
//! Bytes are the truth: a file or a captured body goes out exactly as read (unless `--set`
//! changes it on purpose); a fixture is rendered afresh for every delivery so its ids differ.
//! Knows nothing of the CLI or printing.

use std::borrow::Cow;
use std::path::{Path, PathBuf};

use crate::capture;
use crate::error::{Error, Result};
use crate::http::delivery::{Method, Request, USER_AGENT};
use crate::webhook::fixtures::{
    self, CompiledFixture, Fixture, Identity, Layout, SetOp, TokenSource,
};
use crate::webhook::secret::Secret;
use crate::webhook::signature::{self, HEADER_SHA256};

/// One payload to deliver.
#[derive(Debug, Clone)]
pub enum Source {
    /// A catalogue fixture, rendered with fresh tokens (and `--set`) for each delivery.
    /// `compiled` is its fast renderer (see [`CompiledFixture`]), when the template allows.
    Fixture {
        fixture: &'static Fixture,
        compiled: Option<Box<CompiledFixture>>,
        /// `--identity`, applied after the tokens and before `--set`.
        identity: Identity,
    },
    /// A file's (or stdin's) bytes, `--set` already applied.
    File { name: String, body: Vec<u8> },
    /// A request read from a capture: its exact body and the signature it carried.
    Captured {
        name: String,
        body: Vec<u8>,
        signature: Option<String>,
    },
}

impl Source {
    /// A fixture source, with its template compiled for fast rendering.
    pub fn fixture(fixture: &'static Fixture) -> Source {
        Source::Fixture {
            fixture,
            compiled: CompiledFixture::compile(fixture).map(Box::new),
            identity: Identity::Both,
        }
    }

    /// This source with `identity` when it is a fixture (the fast path renders only the
    /// default identity, so another one renders the ordinary way). Files and captures are
    /// sent byte for byte and stay as they are.
    pub fn with_identity(self, identity: Identity) -> Source {
        match self {
            Source::Fixture {
                fixture, compiled, ..
            } => Source::Fixture {
                fixture,
                compiled: compiled.filter(|_| identity == Identity::Both),
                identity,
            },
            other => other,
        }
    }

    /// Short name for output: the fixture name, the path as given, `stdin`, or `file:line`.
    pub fn name(&self) -> &str {
        match self {
            Source::Fixture { fixture, .. } => fixture.name,
            Source::File { name, .. } | Source::Captured { name, .. } => name,
        }
    }

    /// The body of one delivery. Fixtures get fresh tokens on every call.
    pub fn body(&self, tokens: &mut TokenSource, sets: &[SetOp]) -> Result<Cow<'_, [u8]>> {
        match self {
            Source::Fixture {
                compiled: Some(c), ..
            } if sets.is_empty() => Ok(Cow::Owned(c.render(tokens))),
            Source::Fixture {
                fixture, identity, ..
            } => fixtures::render_as(fixture, tokens, *identity, sets, Layout::Compact)
                .map(Cow::Owned),
            Source::File { body, .. } | Source::Captured { body, .. } => {
                Ok(Cow::Borrowed(body.as_slice()))
            }
        }
    }

    /// The signature the capture carried (only for captured requests).
    pub fn captured_signature(&self) -> Option<&str> {
        match self {
            Source::Captured { signature, .. } => signature.as_deref(),
            _ => None,
        }
    }

    pub fn is_captured(&self) -> bool {
        matches!(self, Source::Captured { .. })
    }
}

/// Turn the positional arguments into sources, in order. Each argument is, in this order of
/// precedence: `-` (stdin, at most once), a fixture name (a bare name without `/`; write
/// `./name` for a file of the same name), a directory (its `*.json` files in name order, not
/// recursive), or a file. `--set` is applied to file bodies here, once.
pub fn resolve(
    args: &[String],
    sets: &[SetOp],
    read_stdin: &mut dyn FnMut() -> Result<Vec<u8>>,
) -> Result<Vec<Source>> {
    let mut out = Vec::new();
    let mut stdin_used = false;
    for arg in args {
        if arg == "-" {
            if stdin_used {
                return Err(Error::usage("`-` (stdin) is given more than once")
                    .with_hint("stdin can be read only once: give `-` once"));
            }
            stdin_used = true;
            let body = read_stdin()?;
            out.push(file_source("stdin".to_string(), body, sets)?);
            continue;
        }
        if !arg.contains('/') && !arg.contains(std::path::MAIN_SEPARATOR) {
            if let Some(f) = fixtures::find(arg) {
                out.push(Source::fixture(f));
                continue;
            }
        }
        let path = Path::new(arg);
        if path.is_dir() {
            let files = json_files_in(path)?;
            if files.is_empty() {
                return Err(
                    Error::input(format!("directory {arg} holds no .json files"))
                        .with_hint("send reads the *.json files directly inside a directory"),
                );
            }
            for f in files {
                let body = std::fs::read(&f).map_err(|e| Error::file(f.display(), &e))?;
                out.push(file_source(f.display().to_string(), body, sets)?);
            }
        } else if path.exists() {
            let body = std::fs::read(path).map_err(|e| Error::file(arg, &e))?;
            out.push(file_source(arg.clone(), body, sets)?);
        } else {
            return Err(
                Error::input(format!("{arg:?} is neither a fixture name nor a file"))
                    .with_hint(format!("fixtures: {}", fixture_names().join(", "))),
            );
        }
    }
    Ok(out)
}

fn file_source(name: String, body: Vec<u8>, sets: &[SetOp]) -> Result<Source> {
    if let Some(kind) = capture::capture_kind(&body) {
        let path = if name == "stdin" { "-" } else { name.as_str() };
        return Err(Error::usage(format!(
            "{name} is {kind}, not a webhook payload: send would deliver the whole file as one body"
        ))
        .with_hint(format!(
            "replay the requests it holds with `cmzon-hook send --from-capture {path} --to URL`"
        )));
    }
    let body = fixtures::apply_sets(&body, sets).map_err(|e| {
        let mut err = Error::input(format!("{name}: {}", e.message));
        err.hint = e.hint;
        err
    })?;
    Ok(Source::File { name, body })
}

/// The `*.json` files directly inside `dir`, sorted by file name.
pub fn json_files_in(dir: &Path) -> Result<Vec<PathBuf>> {
    let rd = std::fs::read_dir(dir).map_err(|e| Error::file(dir.display(), &e))?;
    let mut files = Vec::new();
    for entry in rd {
        let entry = entry.map_err(|e| Error::file(dir.display(), &e))?;
        let p = entry.path();
        let is_json = p
            .extension()
            .is_some_and(|x| x.eq_ignore_ascii_case("json"));
        if is_json && p.is_file() {
            files.push(p);
        }
    }
    files.sort_by(|a, b| a.file_name().cmp(&b.file_name()));
    Ok(files)
}

/// Which requests of a capture `--from-capture FILE#…` replays: numbers and ranges
/// (`#7`, `#3-5`, `#2,7`, mixed), matched against the number after `#` in the request's
/// label (a listen capture's `id`, a HAR or raw file's entry).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Selection {
    ranges: Vec<(u64, u64)>,
    text: String,
}

impl Selection {
    fn parse(text: &str) -> Option<Selection> {
        let mut ranges = Vec::new();
        for item in text.split(',') {
            let item = item.trim();
            let (a, b) = match item.split_once('-') {
                Some((a, b)) => (a.trim().parse().ok()?, b.trim().parse().ok()?),
                None => {
                    let n = item.parse().ok()?;
                    (n, n)
                }
            };
            if a == 0 || b < a {
                return None;
            }
            ranges.push((a, b));
        }
        Some(Selection {
            ranges,
            text: text.to_string(),
        })
    }

    fn contains(&self, n: u64) -> bool {
        self.ranges.iter().any(|&(a, b)| (a..=b).contains(&n))
    }
}

/// Split `cap.jsonl#7` into the file and the selection. A path that names an existing file
/// as given (a `#` in its name) is the file; `-` (stdin) takes no selection.
pub fn split_capture_selector(path: &Path) -> Result<(PathBuf, Option<Selection>)> {
    let text = path.to_string_lossy();
    if path.exists() || text == "-" {
        return Ok((path.to_path_buf(), None));
    }
    let Some((file, sel)) = text.rsplit_once('#') else {
        return Ok((path.to_path_buf(), None));
    };
    let selection = Selection::parse(sel).ok_or_else(|| {
        Error::usage(format!(
            "`#{sel}` after the capture file is not a request number, range or list"
        ))
        .with_hint("use FILE#7, FILE#3-5 or FILE#2,7: the numbers listen prints and verify shows (cap.jsonl#7)")
    })?;
    Ok((PathBuf::from(file), Some(selection)))
}

/// The number after `#` in a request's label (`cap.jsonl#7` → 7), if it has one.
fn label_number(source: &str) -> Option<u64> {
    source.rsplit_once('#')?.1.parse().ok()
}

/// Every request of a capture file as a source (`FILE#…` only the requests selected):
/// exact body, captured signature kept aside. Requests `listen` refused (marked with
/// [`crate::capture::REJECTED_HEADER`]: 413 or a body cut short, whose bodies are incomplete,
/// or a 404 POST to another path) are not replayed, nor are HAR entries that are not webhook
/// deliveries (`GET /app.js`); [`Replay`] counts both.
pub fn from_capture(path: &Path, sets: &[SetOp]) -> Result<Replay> {
    let (path, selection) = split_capture_selector(path)?;
    let path = path.as_path();
    let mut out = Vec::new();
    let mut rejected = 0;
    let mut found: Vec<u64> = Vec::new();
    let (requests, skipped) = capture::read_deliveries(path)?;
    for item in requests {
        let located = item?;
        if let Some(sel) = &selection {
            match label_number(&located.source) {
                Some(n) if sel.contains(n) => found.push(n),
                _ => continue,
            }
        }
        if located
            .request
            .header(crate::capture::REJECTED_HEADER)
            .is_some()
        {
            rejected += 1;
            continue;
        }
        let signature = located.request.header(HEADER_SHA256).map(str::to_string);
        let body = fixtures::apply_sets(&located.request.body, sets)?;
        out.push(Source::Captured {
            name: located.source,
            body,
            signature,
        });
    }
    if let Some(sel) = &selection {
        // Each single number must be there; a range must match something.
        let missing: Vec<String> = sel
            .ranges
            .iter()
            .filter(|&&(a, b)| !found.iter().any(|n| (a..=b).contains(n)))
            .map(|&(a, b)| {
                if a == b {
                    format!("#{a}")
                } else {
                    format!("#{a}-{b}")
                }
            })
            .collect();
        if !missing.is_empty() {
            return Err(Error::input(format!(
                "{} has no request {} (asked for #{})",
                path.display(),
                missing.join(", "),
                sel.text
            ))
            .with_hint(format!(
                "the numbers are listen's #N, as `cmzon-hook verify {}` labels them ({}#N)",
                path.display(),
                path.display()
            )));
        }
    }
    if out.is_empty() {
        let what = if rejected > 0 {
            format!(
                "{} holds only requests listen rejected ({rejected})",
                path.display()
            )
        } else if skipped.count > 0 {
            format!(
                "{} holds no webhook deliveries: none of its {} entries is a POST with a body",
                path.display(),
                skipped.count
            )
        } else {
            format!("{} holds no requests", path.display())
        };
        return Err(Error::input(what).with_hint(
            "--from-capture reads cmzon-hook JSONL (listen --save), HAR 1.2 or a raw HTTP request",
        ));
    }
    Ok(Replay {
        sources: out,
        rejected,
        skipped,
    })
}

/// What `--from-capture` replays, and what it leaves out.
#[derive(Debug)]
pub struct Replay {
    pub sources: Vec<Source>,
    /// Requests listen rejected (413, a body cut short, a 404 POST to another path): not replayed.
    pub rejected: usize,
    /// HAR entries that are not webhook deliveries (not a POST with a body).
    pub skipped: capture::Skipped,
}

/// Names of every catalogue fixture, in catalogue order.
pub fn fixture_names() -> Vec<&'static str> {
    fixtures::catalogue().iter().map(|f| f.name).collect()
}

/// A deliberately invalid delivery.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tamper {
    /// A well-formed `sha256=` value that does not match.
    BadSignature,
    /// No signature header.
    NoSignature,
    /// Signed with a random secret.
    WrongSecret,
    /// Signed correctly, then the body is changed.
    ModifiedBody,
}

/// How each body is signed.
#[derive(Debug, Clone)]
pub struct Signer {
    pub secret: Option<Secret>,
    pub tamper: Option<Tamper>,
    /// For captured requests: send the captured signature instead of signing.
    pub keep_signature: bool,
}

impl Signer {
    /// Whether signing `sources` needs the webhook secret (so a missing one is an error).
    pub fn needs_secret(tamper: Option<Tamper>, keep_signature: bool, sources: &[Source]) -> bool {
        match tamper {
            Some(Tamper::NoSignature | Tamper::WrongSecret | Tamper::BadSignature) => false,
            Some(Tamper::ModifiedBody) | None => {
                sources.iter().any(|s| !(keep_signature && s.is_captured()))
            }
        }
    }

    /// The body to send and its `X-Hub-Signature-256` value (`None`: no header).
    pub fn prepare(
        &self,
        body: Vec<u8>,
        captured_signature: Option<&str>,
        is_captured: bool,
        rng: &mut fastrand::Rng,
    ) -> (Vec<u8>, Option<String>) {
        let genuine = |body: &[u8]| -> Option<String> {
            if self.keep_signature && is_captured {
                captured_signature.map(str::to_string)
            } else {
                self.secret
                    .as_ref()
                    .map(|s| signature::sign(s.as_bytes(), body))
            }
        };
        match self.tamper {
            None => {
                let sig = genuine(&body);
                (body, sig)
            }
            Some(Tamper::NoSignature) => (body, None),
            Some(Tamper::WrongSecret) => {
                let mut key = [0u8; 32];
                rng.fill(&mut key);
                let sig = signature::sign(&key, &body);
                (body, Some(sig))
            }
            Some(Tamper::BadSignature) => {
                let sig = match genuine(&body) {
                    Some(s) => corrupt_signature(&s),
                    None => {
                        let mut mac = [0u8; 32];
                        rng.fill(&mut mac);
                        format!("sha256={}", signature::hex(&mac))
                    }
                };
                (body, Some(sig))
            }
            Some(Tamper::ModifiedBody) => {
                let sig = genuine(&body);
                (modify_body(&body), sig)
            }
        }
    }
}

/// Flip the last hex digit: still well-formed, never equal.
pub fn corrupt_signature(sig: &str) -> String {
    let mut s = sig.to_string();
    if let Some(last) = s.pop() {
        s.push(if last == '0' { '1' } else { '0' });
    }
    s
}

/// Change a body after signing so that it stays valid JSON (the endpoint must reject it on
/// the signature, not on parsing) and differs in content, not only in whitespace: an object
/// gains a leading `"tampered":true` member; anything else gets a trailing space.
pub fn modify_body(body: &[u8]) -> Vec<u8> {
    let start = body.iter().position(|b| !b.is_ascii_whitespace());
    if let Some(i) = start.filter(|&i| body[i] == b'{') {
        let rest = &body[i + 1..];
        let empty = rest
            .iter()
            .find(|b| !b.is_ascii_whitespace())
            .is_some_and(|&b| b == b'}');
        let mut out = Vec::with_capacity(body.len() + 18);
        out.extend_from_slice(&body[..=i]);
        out.extend_from_slice(if empty {
            b"\"tampered\":true"
        } else {
            b"\"tampered\":true,"
        });
        out.extend_from_slice(rest);
        return out;
    }
    let mut out = body.to_vec();
    out.push(b' ');
    out
}

/// Parse `--header 'Name: value'`. Names must be HTTP tokens; values one line. Framing headers
/// (`Content-Length`, `Transfer-Encoding`) are computed from the body and cannot be set.
pub fn parse_header(spec: &str) -> Result<(String, String)> {
    let hint = "write --header 'Name: value', e.g. --header 'X-Request-Id: 42'";
    let Some((name, value)) = spec.split_once(':') else {
        return Err(Error::usage(format!("--header {spec:?} has no `:`")).with_hint(hint));
    };
    let name = name.trim();
    let value = value.trim();
    let is_tchar = |c: char| c.is_ascii_alphanumeric() || "!#$%&'*+-.^_`|~".contains(c);
    if name.is_empty() || !name.chars().all(is_tchar) {
        return Err(Error::usage(format!(
            "--header {spec:?}: {name:?} is not a valid header name"
        ))
        .with_hint(hint));
    }
    if value.chars().any(|c| c == '\r' || c == '\n' || c == '\0') {
        return Err(
            Error::usage(format!("--header {name}: the value must be a single line"))
                .with_hint(hint),
        );
    }
    if name.eq_ignore_ascii_case("content-length") || name.eq_ignore_ascii_case("transfer-encoding")
    {
        return Err(Error::usage(format!(
            "--header {name} cannot be set: it is computed from the body"
        ))
        .with_hint("leave framing headers to cmzon-hook"));
    }
    Ok((name.to_string(), value.to_string()))
}

/// The request for one delivery: `POST`, `Content-Type: application/json`, `User-Agent`,
/// `Accept: */*`, the signature, then `extra` headers (an extra header with the name of a
/// default one replaces it in place).
pub fn build_request(
    url: &str,
    body: Vec<u8>,
    signature: Option<String>,
    extra: &[(String, String)],
) -> Request {
    let mut headers: Vec<(String, String)> = Vec::with_capacity(4 + extra.len());
    headers.push(("Content-Type".into(), "application/json".into()));
    headers.push(("User-Agent".into(), USER_AGENT.into()));
    headers.push(("Accept".into(), "*/*".into()));
    if let Some(sig) = signature {
        headers.push((HEADER_SHA256.into(), sig));
    }
    for (n, v) in extra {
        match headers.iter_mut().find(|(h, _)| h.eq_ignore_ascii_case(n)) {
            Some(slot) => slot.1.clone_from(v),
            None => headers.push((n.clone(), v.clone())),
        }
    }
    Request {
        method: Method::Post,
        url: url.to_string(),
        headers,
        body,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header<'a>(req: &'a Request, name: &str) -> Option<&'a str> {
        req.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    #[test]
    fn headers_parsed_and_checked() {
        assert_eq!(
            parse_header("X-Id:  42 ").unwrap(),
            ("X-Id".to_string(), "42".to_string())
        );
        assert_eq!(
            parse_header("X-Url: http://a:1/b").unwrap().1,
            "http://a:1/b"
        );
        for bad in [
            "NoColon",
            ": v",
            "Bad Name: v",
            "Content-Length: 3",
            "X: a\nb",
        ] {
            assert_eq!(parse_header(bad).unwrap_err().exit_code(), 2, "{bad}");
        }
    }

    #[test]
    fn request_has_the_sender_headers() {
        let sig = signature::sign(b"k", b"{}");
        let req = build_request(
            "http://127.0.0.1/x",
            b"{}".to_vec(),
            Some(sig.clone()),
            &[
                ("X-Extra".into(), "1".into()),
                ("content-type".into(), "text/plain".into()),
            ],
        );
        assert_eq!(req.method, Method::Post);
        assert_eq!(header(&req, "Content-Type"), Some("text/plain"));
        assert_eq!(header(&req, "User-Agent"), Some(USER_AGENT));
        assert_eq!(header(&req, HEADER_SHA256), Some(sig.as_str()));
        assert_eq!(header(&req, "X-Extra"), Some("1"));
        assert_eq!(req.headers.len(), 5);
        let unsigned = build_request("http://h/", vec![], None, &[]);
        assert_eq!(header(&unsigned, HEADER_SHA256), None);
    }

    #[test]
    fn body_modification_keeps_json_and_changes_content() {
        let cases: [(&[u8], &[u8]); 4] = [
            (b"{\"a\":1}", b"{\"tampered\":true,\"a\":1}"),
            (b"{}", b"{\"tampered\":true}"),
            (b"  { }\n", b"  {\"tampered\":true }\n"),
            (b"[1]", b"[1] "),
        ];
        for (input, want) in cases {
            let got = modify_body(input);
            assert_eq!(got, want);
            if input != b"[1]" {
                serde_json::from_slice::<serde_json::Value>(&got).unwrap();
            }
        }
    }

    fn signer(tamper: Option<Tamper>) -> Signer {
        Signer {
            secret: Some(Secret::new("s3cret")),
            tamper,
            keep_signature: false,
        }
    }

    #[test]
    fn genuine_and_tampered_signatures() {
        let body = b"{\"x\":1}".to_vec();
        let good = signature::sign(b"s3cret", &body);
        let mut rng = fastrand::Rng::with_seed(3);
        let (b, s) = signer(None).prepare(body.clone(), None, false, &mut rng);
        assert_eq!(
            (b.as_slice(), s.as_deref()),
            (body.as_slice(), Some(good.as_str()))
        );

        let (_, s) = signer(Some(Tamper::NoSignature)).prepare(body.clone(), None, false, &mut rng);
        assert_eq!(s, None);

        for t in [Tamper::BadSignature, Tamper::WrongSecret] {
            let (b, s) = signer(Some(t)).prepare(body.clone(), None, false, &mut rng);
            let s = s.unwrap();
            assert_eq!(b, body);
            assert!(s.starts_with("sha256=") && s.len() == 71, "{s}");
            assert!(
                !signature::verify_value(b"s3cret", &s, &body).is_valid(),
                "{t:?}"
            );
        }

        let (b, s) =
            signer(Some(Tamper::ModifiedBody)).prepare(body.clone(), None, false, &mut rng);
        assert_eq!(s.as_deref(), Some(good.as_str()));
        assert_ne!(b, body);
        assert!(!signature::verify_value(b"s3cret", &good, &b).is_valid());

        // No secret: a bad signature is random but well-formed.
        let nosecret = Signer {
            secret: None,
            tamper: Some(Tamper::BadSignature),
            keep_signature: false,
        };
        let (_, s) = nosecret.prepare(body.clone(), None, false, &mut rng);
        assert_eq!(s.unwrap().len(), 71);
    }

    #[test]
    fn captured_signature_kept_or_resigned() {
        let mut rng = fastrand::Rng::with_seed(1);
        let body = b"{}".to_vec();
        let keep = Signer {
            secret: None,
            tamper: None,
            keep_signature: true,
        };
        let (_, s) = keep.prepare(body.clone(), Some("sha256=abc"), true, &mut rng);
        assert_eq!(s.as_deref(), Some("sha256=abc"));
        let (_, s) = signer(None).prepare(body.clone(), Some("sha256=abc"), true, &mut rng);
        assert_eq!(s, Some(signature::sign(b"s3cret", &body)));
    }

    #[test]
    fn secret_needed_unless_forging_or_keeping() {
        let cap = Source::Captured {
            name: "c:1".into(),
            body: vec![],
            signature: None,
        };
        let file = Source::File {
            name: "f".into(),
            body: vec![],
        };
        assert!(Signer::needs_secret(
            None,
            false,
            std::slice::from_ref(&cap)
        ));
        assert!(!Signer::needs_secret(
            None,
            true,
            std::slice::from_ref(&cap)
        ));
        assert!(Signer::needs_secret(None, true, &[cap, file.clone()]));
        assert!(!Signer::needs_secret(
            Some(Tamper::NoSignature),
            false,
            std::slice::from_ref(&file)
        ));
        assert!(Signer::needs_secret(
            Some(Tamper::ModifiedBody),
            false,
            &[file]
        ));
    }

    #[test]
    fn resolve_files_dirs_and_stdin() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        std::fs::write(d.join("b.json"), "{\"b\":1}").unwrap();
        std::fs::write(d.join("a.json"), "{\"a\":1}").unwrap();
        std::fs::write(d.join("notes.txt"), "x").unwrap();
        let single = d.join("a.json").display().to_string();
        let args = vec![d.display().to_string(), "-".to_string(), single.clone()];
        let mut stdin = || Ok(b"{\"s\":1}\n".to_vec());
        let got = resolve(&args, &[], &mut stdin).unwrap();
        let names: Vec<&str> = got.iter().map(Source::name).collect();
        assert_eq!(names.len(), 4);
        assert!(names[0].ends_with("a.json") && names[1].ends_with("b.json"));
        assert_eq!(names[2], "stdin");
        assert_eq!(names[3], single);
        let mut tokens = TokenSource::seeded(1, 1);
        assert_eq!(&*got[2].body(&mut tokens, &[]).unwrap(), b"{\"s\":1}\n");

        let twice = vec!["-".to_string(), "-".to_string()];
        assert_eq!(resolve(&twice, &[], &mut stdin).unwrap_err().exit_code(), 2);
        let missing = vec![d.join("nope.json").display().to_string()];
        assert_eq!(
            resolve(&missing, &[], &mut stdin).unwrap_err().exit_code(),
            2
        );
        let empty = tempfile::tempdir().unwrap();
        let args = vec![empty.path().display().to_string()];
        assert_eq!(resolve(&args, &[], &mut stdin).unwrap_err().exit_code(), 2);
    }
}
