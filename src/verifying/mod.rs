//! The verify engine: checks the signature of every captured request (or of one streamed
//! body), writes one line per request (human or `--json`), and counts them for the exit code.
//! Imports webhook, capture, json and the primitives; never cli, commands or another engine.

mod pipeline;
mod record;
mod report;

use std::fs::File;
use std::io::{self, Read};
use std::path::Path;
use std::time::Instant;

use colored::Colorize;

use crate::capture::{self, JsonlBlock, OpenedCapture, RequestRef};
use crate::error::{Error, Result};
use crate::json::write::decimal;
use crate::webhook::event::Document;
use crate::webhook::secret::Secret;
use crate::webhook::signature::{self, KeyedVerifier, Verdict};

pub use record::{BodyEvents, VerifyRecord};
pub use report::{VerifiedBatch, VerifyReport};

/// Gives each captured request its verdict: incomplete when `listen` rejected it (its body
/// was cut short), else exactly [`signature::verify_headers`]' verdict over its headers and
/// exact body. Shared by every worker thread.
pub struct CaptureVerifier<'a> {
    signature: KeyedVerifier<'a>,
}

impl<'a> CaptureVerifier<'a> {
    pub fn new(secret: &'a Secret) -> Self {
        CaptureVerifier {
            signature: KeyedVerifier::new(secret.as_bytes()),
        }
    }

    pub fn verdict(&self, request: &RequestRef<'_>) -> Verdict {
        if let Some(why) = request.rejected() {
            return Verdict::Incomplete {
                why: why.to_string(),
            };
        }
        self.signature
            .verify_headers(request.header_pairs(), &request.body)
    }
}

/// Verify one body read in chunks (a 1 GiB file is hashed, not held in memory) against a
/// signature value (`sha256=...`, or a pasted `X-Hub-Signature-256: ...` header line).
pub fn verify_body(report: &mut VerifyReport<'_>, body: &str, value: &str) -> Result<()> {
    let value = split_header_name(value);
    let secret = report.secret();
    let started = Instant::now();
    let (source, result) = if body == "-" {
        let stdin = io::stdin().lock();
        let limit = signature::DIAGNOSE_MAX_BODY;
        let result = verify_stream(secret, value, stdin, limit);
        ("stdin".to_string(), result)
    } else {
        let file = File::open(body).map_err(|e| Error::file(body, &e))?;
        // A file known to be too large to diagnose is only hashed, never copied.
        let limit = match file.metadata() {
            Ok(m) if m.len() > signature::DIAGNOSE_MAX_BODY as u64 => 0,
            _ => signature::DIAGNOSE_MAX_BODY,
        };
        let result = verify_stream(secret, value, file, limit);
        (body.to_string(), result)
    };
    let outcome = result.map_err(|e| Error::input(format!("cannot read {source}: {e}")))?;
    let mut batch = VerifiedBatch::default();
    if report.verbosity().verbose > 0 {
        batch.note(format!(
            "  {source}: {} bytes hashed in {:.1} ms",
            outcome.len,
            started.elapsed().as_secs_f64() * 1000.0
        ));
    }
    let doc = outcome.body.as_deref().map(Document::parse);
    let events = match &doc {
        Some(doc) => BodyEvents::of(doc),
        None => BodyEvents::NotRead(outcome.len),
    };
    let verifier = RequestVerifier::for_report(report);
    verifier.render(&mut batch, &source, &outcome.verdict, &events)?;
    report.apply(batch)
}

fn verify_stream(
    secret: &Secret,
    value: &str,
    reader: impl Read,
    keep_limit: usize,
) -> io::Result<signature::StreamVerdict> {
    signature::verify_reader(secret.as_bytes(), value, reader, keep_limit)
}

/// Accept a pasted header line (`X-Hub-Signature-256: sha256=...`) as well as the bare value.
/// A `sha1=` value is reported as legacy under any name, never accepted.
fn split_header_name(value: &str) -> &str {
    match value.split_once(':') {
        Some((name, rest)) if !name.contains('=') && !name.trim().is_empty() => rest.trim(),
        _ => value.trim(),
    }
}

/// Verify every request of a capture file (JSONL on worker threads, HAR and raw HTTP in
/// turn). An unreadable file or request is reported and counted, and the run goes on.
pub fn verify_capture(report: &mut VerifyReport<'_>, path: &Path) -> Result<()> {
    let verifier = RequestVerifier::for_report(report);
    match capture::open_captures(path) {
        Err(e) => report.unreadable(&e),
        Ok(OpenedCapture::Jsonl(blocks)) => pipeline::verify_blocks(report, &verifier, blocks),
        Ok(OpenedCapture::Requests(requests, skipped)) => {
            let mut read = 0;
            for item in requests {
                read += 1;
                match item {
                    Ok(located) => {
                        let mut batch = VerifiedBatch::default();
                        let request = located.request.borrowed();
                        verifier.request(&mut batch, &located.source, &request)?;
                        report.apply(batch)?;
                    }
                    Err(e) => report.unreadable(&e)?,
                }
            }
            let name = path.display().to_string();
            if read == 0 && skipped.count > 0 {
                // Nothing to verify is not a green light.
                let e = Error::input(format!(
                    "{name} holds no webhook deliveries: none of its {} entries is a POST with a body",
                    skipped.count
                ))
                .with_hint("export the HAR after the webhook POST arrived (devtools: Network, Save all as HAR)");
                return report.unreadable(&e);
            }
            match skipped.describe(&name) {
                Some(line) => report.skipped(&line),
                None => Ok(()),
            }
        }
    }
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

/// Verifies requests and renders their lines into batches; shared by every worker thread.
struct RequestVerifier<'a> {
    verifier: CaptureVerifier<'a>,
    json: bool,
    verbose: bool,
}

impl<'a> RequestVerifier<'a> {
    fn for_report(report: &VerifyReport<'a>) -> Self {
        RequestVerifier {
            verifier: CaptureVerifier::new(report.secret()),
            json: report.json(),
            verbose: report.verbosity().verbose > 0,
        }
    }

    /// Every request of a block (or the read error that ended the capture).
    fn block(&self, block: Result<JsonlBlock>) -> Result<VerifiedBatch> {
        let mut batch = VerifiedBatch::default();
        let block = match block {
            Ok(block) => block,
            Err(e) => {
                batch.unreadable(e);
                return Ok(batch);
            }
        };
        // A --json line is about as long as its capture line: one allocation per block.
        batch.reserve(block.size());
        // `name#id` for a request listen numbered (the `#7` it printed), else `name:line`:
        // the name written once, the number after it.
        let mut source = block.name().to_string();
        let name_len = source.len();
        for (line, request) in block.requests() {
            match request {
                Ok(request) => {
                    source.truncate(name_len);
                    let (mark, n) = match request.id {
                        Some(id) => ('#', id),
                        None => (':', line),
                    };
                    source.push(mark);
                    source.push_str(decimal(n, &mut [0; 20]));
                    self.request(&mut batch, &source, &request)?;
                }
                Err(e) => batch.unreadable(e),
            }
        }
        Ok(batch)
    }

    fn request(
        &self,
        batch: &mut VerifiedBatch,
        source: &str,
        request: &RequestRef<'_>,
    ) -> Result<()> {
        if self.verbose {
            batch.note(describe_request(source, request));
        }
        let verdict = self.verifier.verdict(request);
        let doc = Document::parse(&request.body);
        self.render(batch, source, &verdict, &BodyEvents::of(&doc))
    }

    /// One request's line(s) into the batch, and its count.
    fn render(
        &self,
        batch: &mut VerifiedBatch,
        source: &str,
        verdict: &Verdict,
        events: &BodyEvents<'_>,
    ) -> Result<()> {
        batch.count(verdict.is_valid());
        let out = batch.stdout();
        if self.json {
            VerifyRecord::new(source, verdict, events).write(out);
            out.push(b'\n');
        } else {
            use std::io::Write;
            let mark = if verdict.is_valid() {
                "✓".green().bold()
            } else {
                "✗".red().bold()
            };
            write!(out, "{source}  {mark}  {}", events.summary())?;
            if !verdict.is_valid() {
                write!(out, " — {}", verdict.reason())?;
            }
            writeln!(out)?;
            if let Some(hint) = verdict.hint() {
                writeln!(out, "    {} {hint}", "hint:".dimmed())?;
            }
            if self.verbose {
                for ids in events.ids_lines() {
                    writeln!(out, "    {}", ids.dimmed())?;
                }
            }
        }
        if self.verbose {
            batch.flush_here();
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_names_are_accepted_in_signature_values() {
        assert_eq!(split_header_name("sha256=ab"), "sha256=ab");
        assert_eq!(
            split_header_name("X-Hub-Signature-256: sha256=ab "),
            "sha256=ab"
        );
        assert_eq!(split_header_name("x-hub-signature: sha1=ab"), "sha1=ab");
        assert_eq!(split_header_name(" sha1=ab"), "sha1=ab");
    }

    /// The digests verify reads: 64 hex digits in either case, nothing else (what its own
    /// decoder accepted before it gave way to [`signature::parse_value`]).
    #[test]
    fn hex_digests() {
        let hex = "00ff10AbcDEF".repeat(6);
        let hex = &hex[..64];
        let digest = |hex: &str| match signature::parse_value(&format!("sha256={hex}")) {
            Ok((_, bytes)) => Some(signature::hex(&bytes)),
            Err(_) => None,
        };
        assert_eq!(digest(hex), Some(hex.to_ascii_lowercase()));
        assert_eq!(digest(&hex[..62]), None);
        for bad in ["g", " ", "-", "é"] {
            let s = format!("{bad}{}", &hex[bad.len()..]);
            assert_eq!(digest(&s), None, "{s}");
        }
    }
}
