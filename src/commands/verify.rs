//! `cmzon-hook verify`: check the signature of every captured request (or of one body) and
//! explain each failure. Exit policy (also in `verify --help`): 0 all valid, 1 any invalid or
//! unsigned, 2 when any input could not be read (the readable requests are still reported).

use std::collections::HashSet;
use std::fs::File;
use std::io::{self, BufWriter, Read, Write};
use std::path::Path;
use std::process::ExitCode;
use std::time::Instant;

use colored::Colorize;
use serde::Serialize;
use serde_json::Value;

use crate::capture::{self, CapturedRequest};
use crate::cli::VerifyArgs;
use crate::error::{Error, Result};
use crate::event::{self, ParseError};
use crate::output::Verbosity;
use crate::secret::{self, Secret};
use crate::signature::{self, Verdict};

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
    if report.verbosity.verbose > 0 {
        report.note(&format!(
            "  {source}: {} bytes hashed in {:.1} ms",
            outcome.len,
            started.elapsed().as_secs_f64() * 1000.0
        ))?;
    }
    let events = match &outcome.body {
        Some(bytes) => Events::of(bytes),
        None => Events::NotRead(outcome.len),
    };
    report.request(&source, &outcome.verdict, &events)
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
    let requests = match capture::read_captures(path) {
        Ok(r) => r,
        Err(e) => return report.unreadable(&e),
    };
    for item in requests {
        match item {
            Ok(located) => {
                let request = &located.request;
                if report.verbosity.verbose > 0 {
                    report.note(&describe_request(&located.source, request))?;
                }
                let verdict = signature::verify_headers(
                    report.secret.as_bytes(),
                    request.header_pairs(),
                    &request.body,
                );
                report.request(&located.source, &verdict, &Events::of(&request.body))?;
            }
            Err(e) => report.unreadable(&e)?,
        }
    }
    Ok(())
}

/// `-v`: the request line and headers (diagnostics, on stderr).
fn describe_request(source: &str, request: &CapturedRequest) -> String {
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
    for (name, value) in &request.headers {
        text.push_str(&format!("\n    {name}: {value}"));
    }
    text
}

/// What the body carries, for the summary and `--json`.
enum Events {
    Found(Vec<event::Event>),
    Unparsed(ParseError),
    /// Too large to keep in memory: only hashed (its length).
    NotRead(u64),
}

impl Events {
    fn of(body: &[u8]) -> Events {
        match event::extract(body) {
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

    fn to_json(&self) -> Value {
        match self {
            Events::Found(events) => Value::Array(events.iter().map(|e| e.to_json()).collect()),
            _ => Value::Array(Vec::new()),
        }
    }
}

/// One `--json` line. `source`, `valid`, `scheme`, `reason` and `hint` are the documented
/// interface; `diagnosis` is the stable variant id and `events` the `Event::to_json` views.
#[derive(Serialize)]
struct JsonLine<'a> {
    source: &'a str,
    valid: bool,
    scheme: Option<&'static str>,
    reason: String,
    hint: Option<String>,
    diagnosis: Option<&'static str>,
    events: Value,
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

    fn request(&mut self, source: &str, verdict: &Verdict, events: &Events) -> Result<()> {
        if verdict.is_valid() {
            self.valid += 1;
        } else {
            self.invalid += 1;
        }
        if self.json {
            let line = JsonLine {
                source,
                valid: verdict.is_valid(),
                scheme: verdict.scheme().map(|s| s.as_str()),
                reason: verdict.reason(),
                hint: verdict.hint(),
                diagnosis: diagnosis_id(verdict),
                events: events.to_json(),
            };
            serde_json::to_writer(&mut self.out, &line).map_err(io::Error::from)?;
            self.out.write_all(b"\n")?;
            return Ok(());
        }
        let mark = if verdict.is_valid() {
            "✓".green().bold()
        } else {
            "✗".red().bold()
        };
        write!(self.out, "{source}  {mark}  {}", events.summary())?;
        if !matches!(verdict, Verdict::Valid { legacy: false, .. }) {
            write!(self.out, " — {}", verdict.reason())?;
        }
        writeln!(self.out)?;
        if let Some(hint) = verdict.hint() {
            writeln!(self.out, "    {} {hint}", "hint:".dimmed())?;
        }
        if self.verbosity.verbose > 0 {
            self.out.flush()?;
        }
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
    fn event_summaries() {
        assert_eq!(Events::of(b"{").summary(), "(body is not JSON)");
        assert_eq!(Events::of(b"{}").summary(), "(not a WhatsApp webhook)");
        assert_eq!(
            Events::NotRead(3 << 20).summary(),
            "(3.0 MiB body, not inspected)"
        );
        let body = include_bytes!("../../tests/data/vector-messages.json");
        let s = Events::of(body).summary();
        assert!(
            s.starts_with("message text wamid.xxx from 1234567890"),
            "{s}"
        );
    }
}
