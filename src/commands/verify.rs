//! `cmzon-hook verify`: check the signature of every captured request (or of one body) and
//! explain each failure. Exit policy (also in `verify --help`): 0 all valid, 1 any invalid or
//! unsigned, 2 when any input could not be read (the readable requests are still reported).

use std::borrow::Cow;
use std::collections::HashSet;
use std::fs::File;
use std::io::{self, BufWriter, Read, Write};
use std::num::NonZeroUsize;
use std::path::Path;
use std::process::ExitCode;
use std::sync::mpsc::{sync_channel, Receiver, SyncSender};
use std::thread;
use std::time::Instant;

use colored::Colorize;

use crate::capture::{self, JsonlBlock, JsonlBlocks, Opened, RequestRef};
use crate::cli::VerifyArgs;
use crate::error::{Error, Result};
use crate::json::scan;
use crate::terminal::Verbosity;
use crate::webhook::event::{self, Document, EventView, ParseError};
use crate::webhook::secret::{self, Secret};
use crate::webhook::signature::{self, MacStream, Scheme, Verdict};

pub fn run(args: &VerifyArgs, verbosity: Verbosity) -> Result<ExitCode> {
    if args.body.is_none() && args.captures.is_empty() {
        return Err(Error::usage(
            "nothing to verify: give capture files, or --body FILE --signature VALUE",
        )
        .with_hint(
            "e.g. `cmzon-hook verify capture.jsonl` (written by `cmzon-hook listen --save capture.jsonl`) or `cmzon-hook verify --body body.json --signature sha256=...`",
        ));
    }
    let secret = secret::require(
        args.secret.secret.as_deref(),
        args.secret.secret_file.as_deref(),
    )?;
    let mut report = Report::new(&secret, args.json, verbosity);
    match (&args.body, &args.signature) {
        (Some(body), Some(value)) => verify_body(&mut report, body, value)?,
        (Some(_), None) => {
            return Err(Error::usage("--body needs --signature VALUE")
                .with_hint("pass the X-Hub-Signature-256 value, e.g. --signature sha256=..."))
        }
        _ => {
            for path in &args.captures {
                verify_capture(&mut report, path)?;
            }
        }
    }
    report.finish()
}

/// Verify one body read in chunks (a 1 GiB file is hashed, not held in memory).
fn verify_body(report: &mut Report, body: &str, value: &str) -> Result<()> {
    let (value, allow_sha1) = split_header_name(value);
    let started = Instant::now();
    let (source, result) = if body == "-" {
        let stdin = io::stdin().lock();
        let limit = signature::DIAGNOSE_MAX_BODY;
        let result = verify_stream(report.secret, value, allow_sha1, stdin, limit);
        ("stdin".to_string(), result)
    } else {
        let file = File::open(body).map_err(|e| Error::file(body, &e))?;
        // A file known to be too large to diagnose is only hashed, never copied.
        let limit = match file.metadata() {
            Ok(m) if m.len() > signature::DIAGNOSE_MAX_BODY as u64 => 0,
            _ => signature::DIAGNOSE_MAX_BODY,
        };
        let result = verify_stream(report.secret, value, allow_sha1, file, limit);
        (body.to_string(), result)
    };
    let outcome = result.map_err(|e| Error::input(format!("cannot read {source}: {e}")))?;
    let mut batch = Batch::default();
    if report.verbosity.verbose > 0 {
        batch.note(format!(
            "  {source}: {} bytes hashed in {:.1} ms",
            outcome.len,
            started.elapsed().as_secs_f64() * 1000.0
        ));
    }
    let doc = outcome.body.as_deref().map(Document::parse);
    let events = match &doc {
        Some(doc) => Events::of(doc),
        None => Events::NotRead(outcome.len),
    };
    let checker = Checker::new(report.secret, report.json, report.verbosity);
    checker.render(&mut batch, &source, &outcome.verdict, &events)?;
    report.apply(batch)
}

fn verify_stream(
    secret: &Secret,
    value: &str,
    allow_sha1: bool,
    reader: impl Read,
    keep_limit: usize,
) -> io::Result<signature::StreamVerdict> {
    signature::verify_reader(secret.as_bytes(), value, allow_sha1, reader, keep_limit)
}

/// Accept a pasted header line (`X-Hub-Signature-256: sha256=...`) as well as the bare value.
/// `sha1=` is accepted unless the value was pasted under the SHA-256 header's name.
fn split_header_name(value: &str) -> (&str, bool) {
    match value.split_once(':') {
        Some((name, rest)) if !name.contains('=') && !name.trim().is_empty() => {
            let allow_sha1 = !name.trim().eq_ignore_ascii_case(signature::HEADER_SHA256);
            (rest.trim(), allow_sha1)
        }
        _ => (value.trim(), true),
    }
}

fn verify_capture(report: &mut Report, path: &Path) -> Result<()> {
    let checker = Checker::new(report.secret, report.json, report.verbosity);
    match capture::open_captures(path) {
        Err(e) => report.unreadable(&e),
        Ok(Opened::Jsonl(blocks)) => verify_blocks(report, &checker, blocks),
        Ok(Opened::Requests(requests)) => {
            for item in requests {
                match item {
                    Ok(located) => {
                        let mut batch = Batch::default();
                        let request = located.request.borrowed();
                        checker.request(&mut batch, &located.source, &request)?;
                        report.apply(batch)?;
                    }
                    Err(e) => report.unreadable(&e)?,
                }
            }
            Ok(())
        }
    }
}

/// Blocks of JSONL handed out round-robin to this many threads at most (parsing, HMAC and
/// rendering are per request; reading and writing stay on one thread each).
const MAX_WORKERS: usize = 4;
/// Blocks queued per worker, each way: what is in flight stays bounded (a few blocks).
const QUEUE: usize = 2;

/// Verify a JSONL capture: one thread reads blocks of lines, workers verify and render them,
/// this thread writes each block's output in file order.
fn verify_blocks(report: &mut Report, checker: &Checker, blocks: JsonlBlocks) -> Result<()> {
    let workers = thread::available_parallelism()
        .map_or(1, NonZeroUsize::get)
        .min(MAX_WORKERS);
    if workers < 2 {
        for block in blocks {
            report.apply(checker.block(block)?)?;
        }
        return Ok(());
    }
    thread::scope(|scope| {
        let mut inputs: Vec<SyncSender<Result<JsonlBlock>>> = Vec::with_capacity(workers);
        let mut outputs: Vec<Receiver<Result<Batch>>> = Vec::with_capacity(workers);
        for _ in 0..workers {
            let (to_worker, work) = sync_channel::<Result<JsonlBlock>>(QUEUE);
            let (done, from_worker) = sync_channel(QUEUE);
            scope.spawn(move || {
                for block in work {
                    // A closed channel: the writer stopped (e.g. a closed pipe); so do we.
                    if done.send(checker.block(block)).is_err() {
                        break;
                    }
                }
            });
            inputs.push(to_worker);
            outputs.push(from_worker);
        }
        scope.spawn(move || {
            for (i, block) in blocks.enumerate() {
                if inputs[i % inputs.len()].send(block).is_err() {
                    break;
                }
            }
        });
        // Block i went to worker i % n: reading the workers in turn restores file order.
        // The first worker with nothing more to give marks the end of the capture.
        for i in 0.. {
            match outputs[i % outputs.len()].recv() {
                Ok(batch) => report.apply(batch?)?,
                Err(_) => break,
            }
        }
        Ok(())
    })
}

/// `-v`: the request line and headers (diagnostics, on stderr).
fn describe_request(source: &str, request: &RequestRef<'_>) -> String {
    let query = if request.query.is_empty() {
        String::new()
    } else {
        format!("?{}", request.query)
    };
    let mut text = format!(
        "  {source}: {} {}{query}, {} bytes",
        request.method,
        request.path,
        request.body.len()
    );
    for (name, value) in request.header_pairs() {
        text.push_str(&format!("\n    {name}: {value}"));
    }
    text
}

/// Verifies requests and renders their lines; shared by every worker thread.
struct Checker<'a> {
    secret: &'a Secret,
    /// HMAC-SHA256 already keyed with the secret: cloned per request.
    keyed: MacStream,
    json: bool,
    verbose: bool,
}

impl<'a> Checker<'a> {
    fn new(secret: &'a Secret, json: bool, verbosity: Verbosity) -> Self {
        Checker {
            secret,
            keyed: MacStream::new(Scheme::Sha256, secret.as_bytes()),
            json,
            verbose: verbosity.verbose > 0,
        }
    }

    /// Every request of a block (or the read error that ended the capture).
    fn block(&self, block: Result<JsonlBlock>) -> Result<Batch> {
        let mut batch = Batch::default();
        let block = match block {
            Ok(block) => block,
            Err(e) => {
                batch.unreadable(e);
                return Ok(batch);
            }
        };
        // A --json line is about as long as its capture line: one allocation per block.
        batch.out.reserve(block.size());
        // `name:line` for each request: the name written once, the number after it.
        let mut source = format!("{}:", block.name());
        let name_len = source.len();
        for (line, request) in block.requests() {
            match request {
                Ok(request) => {
                    source.truncate(name_len);
                    push_decimal(&mut source, line);
                    self.request(&mut batch, &source, &request)?;
                }
                Err(e) => batch.unreadable(e),
            }
        }
        Ok(batch)
    }

    fn request(&self, batch: &mut Batch, source: &str, request: &RequestRef<'_>) -> Result<()> {
        if self.verbose {
            batch.note(describe_request(source, request));
        }
        let verdict = self.verdict(request);
        let doc = Document::parse(&request.body);
        self.render(batch, source, &verdict, &Events::of(&doc))
    }

    /// [`signature::verify_headers`]'s verdict. The common case, a well-formed
    /// `X-Hub-Signature-256: sha256=<hex>` that matches, is checked with the keyed
    /// HMAC; anything else (and every failure) takes `verify_headers` for the full verdict.
    fn verdict(&self, request: &RequestRef<'_>) -> Verdict {
        if let Some(why) = request.rejected() {
            return Verdict::Incomplete {
                why: why.to_string(),
            };
        }
        let sha256 = request
            .header_pairs()
            .find(|(name, _)| name.eq_ignore_ascii_case(signature::HEADER_SHA256));
        if let Some((_, value)) = sha256 {
            let digest = value.trim().strip_prefix("sha256=").and_then(unhex_sha256);
            if let Some(digest) = digest {
                let mut mac = self.keyed.clone();
                mac.update(&request.body);
                if mac.matches(&digest) {
                    return Verdict::Valid {
                        scheme: Scheme::Sha256,
                        legacy: false,
                    };
                }
            }
        }
        signature::verify_headers(
            self.secret.as_bytes(),
            request.header_pairs(),
            &request.body,
        )
    }

    /// One request's line(s) into the batch, and its count.
    fn render(
        &self,
        batch: &mut Batch,
        source: &str,
        verdict: &Verdict,
        events: &Events<'_>,
    ) -> Result<()> {
        if verdict.is_valid() {
            batch.valid += 1;
        } else {
            batch.invalid += 1;
        }
        let out = &mut batch.out;
        if self.json {
            JsonLine::new(source, verdict, events).write(out);
            out.push(b'\n');
        } else {
            let mark = if verdict.is_valid() {
                "✓".green().bold()
            } else {
                "✗".red().bold()
            };
            write!(out, "{source}  {mark}  {}", events.summary())?;
            if !matches!(verdict, Verdict::Valid { legacy: false, .. }) {
                write!(out, " — {}", verdict.reason())?;
            }
            writeln!(out)?;
            if let Some(hint) = verdict.hint() {
                writeln!(out, "    {} {hint}", "hint:".dimmed())?;
            }
        }
        if self.verbose {
            batch.flush_here();
        }
        Ok(())
    }
}

/// `n` in decimal, appended (what `write!(s, "{n}")` gives, without the formatting machinery).
fn push_decimal(s: &mut String, n: u64) {
    s.push_str(scan::decimal(n, &mut [0; 20]));
}

/// `sha256=` hex digits (64, lowercase or uppercase) as bytes, without a branch per digit.
fn unhex_sha256(hex: &str) -> Option<[u8; 32]> {
    const fn nibbles() -> [u8; 256] {
        let mut table = [0xff; 256];
        let mut c = 0;
        while c < 256 {
            table[c] = match c as u8 {
                b'0'..=b'9' => c as u8 - b'0',
                b'a'..=b'f' => c as u8 - b'a' + 10,
                b'A'..=b'F' => c as u8 - b'A' + 10,
                _ => 0xff,
            };
            c += 1;
        }
        table
    }
    static NIBBLE: [u8; 256] = nibbles();
    let hex = hex.as_bytes();
    if hex.len() != 64 {
        return None;
    }
    let mut out = [0u8; 32];
    let mut bad = 0u8;
    for (byte, pair) in out.iter_mut().zip(hex.chunks_exact(2)) {
        let (hi, lo) = (NIBBLE[pair[0] as usize], NIBBLE[pair[1] as usize]);
        bad |= hi | lo;
        *byte = (hi << 4) | (lo & 0x0f);
    }
    (bad & 0xf0 == 0).then_some(out)
}

/// What verifying some requests produced, applied in order by [`Report::apply`]: stdout
/// bytes, and the stderr lines that go between them.
#[derive(Default)]
struct Batch {
    out: Vec<u8>,
    /// (offset in `out`, what to do there)
    stderr: Vec<(usize, Diag)>,
    valid: u64,
    invalid: u64,
}

enum Diag {
    Unreadable(Error),
    Note(String),
    /// `-v`: stdout is flushed after each request.
    Flush,
}

impl Batch {
    fn unreadable(&mut self, e: Error) {
        self.stderr.push((self.out.len(), Diag::Unreadable(e)));
    }
    fn note(&mut self, text: String) {
        self.stderr.push((self.out.len(), Diag::Note(text)));
    }
    fn flush_here(&mut self) {
        self.stderr.push((self.out.len(), Diag::Flush));
    }
}

/// What the body carries, for the summary and `--json`.
enum Events<'a> {
    Found(Vec<EventView<'a>>),
    Unparsed(ParseError),
    /// Too large to keep in memory: only hashed (its length).
    NotRead(u64),
}

impl<'a> Events<'a> {
    fn of(doc: &'a std::result::Result<Document<'_>, ParseError>) -> Events<'a> {
        match doc
            .as_ref()
            .map_err(Clone::clone)
            .and_then(Document::events)
        {
            Ok(events) => Events::Found(events),
            Err(e) => Events::Unparsed(e),
        }
    }

    /// One line: the first event's summary and how many more there are.
    fn summary(&self) -> String {
        match self {
            Events::Found(events) => match events.split_first() {
                None => "(no events)".into(),
                Some((first, [])) => first.summary(),
                Some((first, rest)) => format!("{} (+{} more)", first.summary(), rest.len()),
            },
            Events::Unparsed(ParseError::NotJson(_)) => "(body is not JSON)".into(),
            Events::Unparsed(ParseError::NotWebhook(_)) => "(not a WhatsApp webhook)".into(),
            Events::NotRead(len) => {
                format!("({:.1} MiB body, not inspected)", *len as f64 / 1048576.0)
            }
        }
    }

    /// The `--json` `events` array (empty when there are none to show).
    fn views(&self) -> &[EventView<'a>] {
        match self {
            Events::Found(events) => events,
            _ => &[],
        }
    }
}

/// One `--json` line. `source`, `valid`, `scheme`, `reason` and `hint` are the documented
/// interface; `diagnosis` is the stable variant id and `events` the `Event::to_json` views.
/// (Written by hand, byte for byte what serde_json writes for it: tests compare.)
#[cfg_attr(test, derive(serde::Serialize))]
struct JsonLine<'a> {
    source: &'a str,
    valid: bool,
    scheme: Option<&'static str>,
    reason: Cow<'static, str>,
    hint: Option<Cow<'static, str>>,
    diagnosis: Option<&'static str>,
    events: &'a [EventView<'a>],
}

impl<'a> JsonLine<'a> {
    fn new(source: &'a str, verdict: &Verdict, events: &'a Events<'a>) -> Self {
        JsonLine {
            source,
            valid: verdict.is_valid(),
            scheme: verdict.scheme().map(|s| s.as_str()),
            reason: verdict.reason(),
            hint: verdict.hint(),
            diagnosis: diagnosis_id(verdict),
            events: events.views(),
        }
    }

    fn write(&self, out: &mut Vec<u8>) {
        let text = |out: &mut Vec<u8>, key: &str, value: Option<&str>| {
            scan::write_key(out, key);
            match value {
                Some(v) => scan::write_str(out, v),
                None => out.extend_from_slice(b"null"),
            }
            out.push(b',');
        };
        out.push(b'{');
        text(out, "source", Some(self.source));
        // The common line, a valid SHA-256 signature, is the same from here to its events.
        const VALID: &str = r#""valid":true,"scheme":"sha256","reason":"signature valid","hint":null,"diagnosis":null,"events":["#;
        if self.valid
            && self.scheme == Some("sha256")
            && self.reason == "signature valid"
            && self.hint.is_none()
            && self.diagnosis.is_none()
        {
            out.extend_from_slice(VALID.as_bytes());
            self.write_events(out);
            return;
        }
        scan::write_key(out, "valid");
        out.extend_from_slice(if self.valid { b"true," } else { b"false," });
        text(out, "scheme", self.scheme);
        text(out, "reason", Some(&self.reason));
        text(out, "hint", self.hint.as_deref());
        text(out, "diagnosis", self.diagnosis);
        scan::write_key(out, "events");
        out.push(b'[');
        self.write_events(out);
    }

    /// The events, after `"events":[`, and the end of the line's object.
    fn write_events(&self, out: &mut Vec<u8>) {
        event::write_json_list(out, self.events);
        out.extend_from_slice(b"]}");
    }
}

/// Prints one line per request (stdout), errors and the summary (stderr), and counts.
struct Report<'a> {
    secret: &'a Secret,
    json: bool,
    verbosity: Verbosity,
    out: BufWriter<io::StdoutLock<'static>>,
    valid: u64,
    invalid: u64,
    unreadable: u64,
    hints_shown: HashSet<String>,
}

impl<'a> Report<'a> {
    fn new(secret: &'a Secret, json: bool, verbosity: Verbosity) -> Self {
        Report {
            secret,
            json,
            verbosity,
            out: BufWriter::with_capacity(1 << 16, io::stdout().lock()),
            valid: 0,
            invalid: 0,
            unreadable: 0,
            hints_shown: HashSet::new(),
        }
    }

    /// A batch's output: stdout bytes with stderr lines where they belong, and its counts.
    fn apply(&mut self, batch: Batch) -> Result<()> {
        let mut at = 0;
        for (offset, diag) in batch.stderr {
            self.out.write_all(&batch.out[at..offset])?;
            at = offset;
            match diag {
                Diag::Unreadable(e) => self.unreadable(&e)?,
                Diag::Note(text) => self.note(&text)?,
                Diag::Flush => self.out.flush()?,
            }
        }
        self.out.write_all(&batch.out[at..])?;
        self.valid += batch.valid;
        self.invalid += batch.invalid;
        Ok(())
    }

    /// A file or request that could not be read: reported on stderr, counted, exit 2 at the end.
    fn unreadable(&mut self, err: &Error) -> Result<()> {
        self.unreadable += 1;
        self.out.flush()?;
        let mut err = err.clone();
        err.message = self.secret.redact(&err.message);
        // One hint per kind of problem is enough, however many lines share it.
        if let Some(h) = &err.hint {
            if !self.hints_shown.insert(h.clone()) {
                err.hint = None;
            }
        }
        writeln!(io::stderr().lock(), "{}", err.render())?;
        Ok(())
    }

    /// A diagnostic line on stderr (`-v`), with anything that looks like the secret redacted.
    fn note(&mut self, text: &str) -> Result<()> {
        self.out.flush()?;
        writeln!(io::stderr().lock(), "{}", self.secret.redact(text))?;
        Ok(())
    }

    fn finish(mut self) -> Result<ExitCode> {
        self.out.flush()?;
        if !self.verbosity.quiet {
            let total = self.valid + self.invalid;
            let mut line = format!(
                "verified {total} request{}: {} valid, {} invalid",
                if total == 1 { "" } else { "s" },
                self.valid,
                self.invalid
            );
            if self.unreadable > 0 {
                line.push_str(&format!(", {} unreadable", self.unreadable));
            }
            writeln!(io::stderr().lock(), "{line}")?;
        }
        Ok(ExitCode::from(if self.unreadable > 0 {
            crate::error::exit::USAGE
        } else if self.invalid > 0 {
            crate::error::exit::FAILURE
        } else {
            crate::error::exit::SUCCESS
        }))
    }
}

fn diagnosis_id(verdict: &Verdict) -> Option<&'static str> {
    match verdict {
        Verdict::Mismatch {
            diagnosis: Some(d), ..
        } => Some(d.variant),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_names_are_accepted_in_signature_values() {
        assert_eq!(split_header_name("sha256=ab"), ("sha256=ab", true));
        assert_eq!(
            split_header_name("X-Hub-Signature-256: sha256=ab "),
            ("sha256=ab", false)
        );
        assert_eq!(
            split_header_name("x-hub-signature: sha1=ab"),
            ("sha1=ab", true)
        );
        assert_eq!(split_header_name(" sha1=ab"), ("sha1=ab", true));
    }

    #[test]
    fn hex_digests() {
        let hex = "00ff10AbcDEF".repeat(6);
        let hex = &hex[..64];
        assert_eq!(
            unhex_sha256(hex).map(|d| signature::hex(&d)),
            Some(hex.to_ascii_lowercase())
        );
        assert_eq!(unhex_sha256(&hex[..62]), None);
        for bad in ["g", " ", "-", "é"] {
            let s = format!("{bad}{}", &hex[bad.len()..]);
            assert_eq!(unhex_sha256(&s), None, "{s}");
        }
    }

    #[test]
    fn keyed_fast_path_gives_verify_headers_verdicts() {
        let secret = Secret::new(b"k".to_vec());
        let quiet = Verbosity {
            quiet: true,
            verbose: 0,
        };
        let checker = Checker::new(&secret, false, quiet);
        let body = br#"{"object":"whatsapp_business_account","entry":[]}"#;
        let good = signature::sign(b"k", body);
        let upper = format!("sha256={}", good[7..].to_ascii_uppercase());
        let legacy = signature::sign_sha1(b"k", body);
        let wrong = signature::sign(b"other", body);
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
            let request = RequestRef {
                id: None,
                received_at: None,
                remote_addr: None,
                method: "POST".into(),
                path: "/".into(),
                query: "".into(),
                headers: headers
                    .iter()
                    .map(|(n, v)| ((*n).into(), (*v).into()))
                    .collect(),
                body: body.as_slice().into(),
            };
            assert_eq!(
                checker.verdict(&request),
                signature::verify_headers(b"k", headers.iter().copied(), body),
                "{headers:?}"
            );
        }
    }

    #[test]
    fn json_lines_are_written_as_serde_json_writes_them() {
        let body = br#"{"object":"whatsapp_business_account","entry":[{"changes":[{"field":"messages","value":{"messages":[{"from":"1","id":"wamid.\"q\"","type":"text","text":{"body":"a\u0001b\\c"},"context":{"id":"c"}}],"statuses":[{"id":"s","status":"failed","recipient_id":"r","errors":[{"code":131047,"title":"T","message":"M"}]}],"errors":[{"title":"x"}],"calls":[1]}}]}]}"#;
        let pretty =
            serde_json::to_vec_pretty(&serde_json::from_slice::<serde_json::Value>(body).unwrap())
                .unwrap();
        let verdicts = [
            signature::verify_headers(
                b"k",
                [("X-Hub-Signature-256", signature::sign(b"k", body).as_str())],
                body,
            ),
            signature::verify_headers(
                b"k",
                [("X-Hub-Signature", signature::sign_sha1(b"k", body).as_str())],
                body,
            ),
            signature::verify_headers(
                b"k",
                [(
                    "X-Hub-Signature-256",
                    signature::sign(b"k", &pretty).as_str(),
                )],
                body,
            ),
            signature::verify_headers(b"k", [("X-Hub-Signature-256", "sha256=zz")], body),
            signature::verify_headers(b"k", [("X-Hub-Signature-256", "md5=00")], body),
            signature::verify_headers(b"k", [("Content-Type", "text/plain")], body),
        ];
        assert!(verdicts.iter().any(|v| diagnosis_id(v).is_some()));
        let docs = [
            Document::parse(body),
            Document::parse(b"{"),
            Document::parse(b"[]"),
        ];
        let mut events: Vec<Events<'_>> = docs.iter().map(Events::of).collect();
        events.push(Events::NotRead(1 << 30));
        for verdict in &verdicts {
            for events in &events {
                let line = JsonLine::new("cap \"1\".jsonl:7", verdict, events);
                let mut ours = Vec::new();
                line.write(&mut ours);
                assert_eq!(
                    String::from_utf8(ours).unwrap(),
                    serde_json::to_string(&line).unwrap()
                );
            }
        }
    }

    #[test]
    fn event_summaries() {
        let summary = |body: &[u8]| Events::of(&Document::parse(body)).summary();
        assert_eq!(summary(b"{"), "(body is not JSON)");
        assert_eq!(summary(b"{}"), "(not a WhatsApp webhook)");
        assert_eq!(
            Events::NotRead(3 << 20).summary(),
            "(3.0 MiB body, not inspected)"
        );
        let body = include_bytes!("../../tests/data/vector-messages.json");
        let s = summary(body);
        assert!(
            s.starts_with("message text wamid.xxx from 1234567890"),
            "{s}"
        );
    }
}
