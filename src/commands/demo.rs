//! `cmzon-hook demo`: the one-command tour. Starts the endpoint ([`crate::listening`]) in this
//! process on a free loopback port with a fresh random secret, sends every fixture plus one
//! forged delivery to it, reads the capture back and verifies it, lints the endpoint
//! ([`crate::linting::run`]), and closes with what happened and what to run next.
//!
//! Output: the endpoint's lines, one sender line per delivery, the verification line and the
//! lint table on stdout; step headings and the closing notes on stderr. `--json`: one JSON
//! document on stdout at the end (schema in `demo --help`). Exit 0 when every step passed,
//! 1 (naming the step) otherwise. The secret is never printed.

use std::collections::HashMap;
use std::fs::OpenOptions;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use colored::Colorize;
use serde_json::{json, Value};

use crate::capture::{self, Located};
use crate::cli::DemoArgs;
use crate::error::{Error, Result};
use crate::http::delivery::{self, Client, ClientOptions};
use crate::http::probe::Target;
use crate::linting::checks::{self, Report};
use crate::linting::run::{self, Progress};
use crate::listening::printer;
use crate::listening::{self, Config, OutputFormat, Sink};
use crate::sending;
use crate::sending::payload;
use crate::terminal::Verbosity;
use crate::webhook::fixtures::{self, Layout, TokenSource};
use crate::webhook::secret::Secret;
use crate::webhook::signature;

/// The webhook path of the demo endpoint.
pub const PATH: &str = "/webhook";
/// The fixture the forged delivery is made from.
pub const FORGED_FIXTURE: &str = "messages";
/// Per request, for the sender and lint (everything is local: generous, still bounded).
const TIMEOUT: Duration = Duration::from_secs(10);
/// Lint's latency probes: enough for p50/p95 on loopback, few enough to stay quick.
const LINT_PROBES: u32 = 5;
/// Grace for requests in flight when the endpoint stops (there should be none).
const STOP_GRACE: Duration = Duration::from_secs(2);

pub fn run(args: &DemoArgs, verbosity: Verbosity) -> Result<ExitCode> {
    let say = |text: &str| {
        if !verbosity.quiet {
            let _ = writeln!(std::io::stderr().lock(), "{text}");
        }
    };
    let secret = Secret::new(random_token(32));
    let verify_token = random_token(16);
    let capture = TempCapture::create(args.keep)?;

    // The endpoint's lines: to stdout (pretty), or collected for the JSON document; muted
    // while lint probes it, so its table reads on its own.
    let muted = Arc::new(AtomicBool::new(false));
    let records: Arc<Mutex<Vec<String>>> = Arc::default();
    let sink: Sink = {
        let (muted, records) = (Arc::clone(&muted), Arc::clone(&records));
        let stdout = listening::stdout_sink();
        let json = args.json;
        Box::new(move |block: &str| {
            if muted.load(Ordering::SeqCst) {
                Ok(())
            } else if json {
                let mut r = records.lock().unwrap_or_else(|p| p.into_inner());
                r.push(block.trim_end().to_string());
                Ok(())
            } else {
                stdout(block)
            }
        })
    };
    let running = listening::start(Config {
        host: "127.0.0.1".into(),
        port: args.port,
        path: PATH.into(),
        workers: 4,
        secret: Some(secret.clone()),
        accept_invalid: false,
        verify_token: Some(verify_token.clone()),
        status: None,
        delay: Duration::ZERO,
        max_body: 3 * 1024 * 1024,
        forward: None,
        save: Some(capture.path.clone()),
        output: OutputFormat {
            json: args.json,
            raw: false,
            verbose: verbosity.verbose > 0,
        },
        sink,
    })
    .map_err(|e| match args.port {
        0 => e,
        _ => e.with_hint("choose another --port, or leave it out for a free one"),
    })?;
    {
        // Ctrl-C: no capture line cut short; the temporary capture goes with us.
        let stopper = running.stopper();
        let (path, keep) = (capture.path.clone(), args.keep);
        ctrlc::set_handler(move || {
            stopper.seal_capture();
            if !keep {
                let _ = std::fs::remove_file(&path);
            }
            crate::error::exit_interrupted();
        })
        .map_err(|e| Error::failure(format!("cannot handle Ctrl-C: {e}")))?;
    }
    let url = running.local_url();
    let fixtures = fixtures::catalogue();

    say(&format!(
        "{} one webhook round trip on this machine, nothing to set up",
        "cmzon-hook demo:".bold()
    ));
    say(&heading(&format!("1. listening on {url}")));
    say("   like `cmzon-hook listen`, in this process: a fresh random secret (never shown), saving every POST to a temporary capture");
    say(&heading(&format!(
        "2. sending {} fixtures + 1 forged",
        fixtures.len()
    )));
    say("   like `cmzon-hook send`: each fixture with fresh ids, signed with the secret; the last one signed with a wrong secret");

    // 2. Send, one at a time: the endpoint prints each request before it answers, so its
    // lines and the sender's line alternate in order.
    let plan = plan(fixtures, &secret)?;
    let client = Client::new(&ClientOptions {
        timeout: TIMEOUT,
        ..ClientOptions::default()
    })?;
    let mut session = client.session();
    let mut sent = Vec::with_capacity(plan.len());
    for (i, p) in plan.iter().enumerate() {
        let req = payload::build_request(&url, p.body.clone(), Some(p.signature.clone()), &[]);
        let s = Sent::of(i as u64 + 1, p, session.execute(&req));
        if !args.json {
            let mut out = std::io::stdout().lock();
            writeln!(out, "{}", sent_line(&s))?;
            out.flush()?;
        }
        sent.push(s);
    }

    // 3. Verify what the endpoint saved.
    say(&heading("3. verifying the capture"));
    say("   like `cmzon-hook verify`: every request read back from the capture, its signature checked over the exact bytes");
    let check = match capture::read_captures(&capture.path) {
        Ok(items) => check_capture(items, secret.as_bytes(), &plan),
        Err(e) => CaptureCheck::unreadable(&e.message),
    };
    if !args.json {
        let mut out = std::io::stdout().lock();
        writeln!(out, "{}", check_line(&check))?;
        out.flush()?;
    }

    // 4. Lint the endpoint.
    muted.store(true, Ordering::SeqCst);
    say(&heading("4. linting the endpoint"));
    say("   like `cmzon-hook lint --allow-http`: reachable, latency, rejects unsigned and forged events, raw body, handshake, ...");
    let lint_opts = run::Options {
        target: Target::parse(&url)?,
        checks: checks::select(&[], &[])?,
        secret: Some(secret.clone()),
        verify_token: Some(verify_token),
        allow_http: true,
        probes: LINT_PROBES,
        timeout: TIMEOUT,
        budget: None,
        ca_cert: None,
        insecure: false,
    };
    let progress = |p: Progress<'_>| {
        if let Progress::Line(t) = p {
            if verbosity.verbose > 0 && !verbosity.quiet {
                let _ = writeln!(std::io::stderr().lock(), "   {t}");
            }
        }
    };
    let report = run::run(&lint_opts, &progress);
    if let (false, Ok(r)) = (args.json, &report) {
        let c = r.counts();
        let mut out = std::io::stdout().lock();
        write!(out, "{}", r.checks_table())?;
        writeln!(
            out,
            "  {} pass, {} warn, {} fail, {} skip",
            c.pass, c.warn, c.fail, c.skip
        )?;
        out.flush()?;
    }
    let summary = running.stop(STOP_GRACE);
    if verbosity.verbose > 0 {
        say(&format!("   endpoint: {}", printer::summary(&summary)));
    }

    let failed = failed_steps(&sent, &check, &report);
    if args.json {
        let requests = records
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .iter()
            .map(|l| serde_json::from_str(l).unwrap_or(Value::Null))
            .collect();
        let kept = args.keep.then_some(capture.path.as_path());
        let doc = document(&url, &sent, requests, &check, kept, &report, &failed);
        let text = serde_json::to_string_pretty(&doc)
            .map_err(|e| Error::input(format!("cannot encode the summary: {e}")))?;
        let mut out = std::io::stdout().lock();
        writeln!(out, "{text}")?;
        out.flush()?;
    }
    if !verbosity.quiet {
        eprint!("{}", closing(failed.is_empty()));
        if args.keep {
            say(&format!(
                "The capture is kept: {} (it also holds lint's probes; replay it with `cmzon-hook send --from-capture {} --to URL`, which re-signs with your secret)",
                capture.path.display(),
                capture.path.display()
            ));
        }
    }
    drop(capture);
    if failed.is_empty() {
        say(&format!("{} every step passed", "demo:".bold()));
        return Ok(ExitCode::SUCCESS);
    }
    let what: Vec<String> = failed.iter().map(|f| f.to_string()).collect();
    Err(Error::failure(format!("the demo failed: {}", what.join("; "))).with_hint(
        "something on this machine interferes with loopback HTTP (a proxy in HTTP_PROXY?), or this is a bug: run `cmzon-hook demo -v` and report what it prints",
    ))
}

fn heading(text: &str) -> String {
    format!("\n{}", text.bold())
}

/// Letters and digits from a fresh random source.
fn random_token(len: usize) -> String {
    let mut rng = fastrand::Rng::new();
    (0..len).map(|_| rng.alphanumeric()).collect()
}

/// A capture file of our own in the temp directory (created new, never an existing file),
/// removed on drop unless kept.
struct TempCapture {
    path: PathBuf,
    keep: bool,
}

impl TempCapture {
    fn create(keep: bool) -> Result<TempCapture> {
        let dir = std::env::temp_dir();
        let mut last = None;
        for _ in 0..8 {
            let path = dir.join(format!(
                "cmzon-hook-demo-{}-{}.jsonl",
                std::process::id(),
                random_token(8)
            ));
            match OpenOptions::new().write(true).create_new(true).open(&path) {
                Ok(_) => return Ok(TempCapture { path, keep }),
                Err(e) => last = Some(e),
            }
        }
        let e = last.unwrap_or_else(|| std::io::Error::other("no attempt made"));
        Err(Error::input(format!(
            "cannot create a capture file in {}: {e}",
            dir.display()
        ))
        .with_hint("set TMPDIR to a writable directory"))
    }
}

impl Drop for TempCapture {
    fn drop(&mut self) {
        if !self.keep {
            let _ = std::fs::remove_file(&self.path);
        }
    }
}

/// One delivery of the tour, ready to send.
#[derive(Debug, Clone)]
pub struct Planned {
    /// The fixture it was rendered from.
    pub fixture: &'static str,
    pub kind: &'static str,
    /// Signed with a wrong secret: the endpoint must answer 401.
    pub forged: bool,
    pub body: Vec<u8>,
    pub signature: String,
}

/// Every fixture, rendered fresh and signed with `secret`, then the forged delivery.
pub fn plan(catalogue: &'static [fixtures::Fixture], secret: &Secret) -> Result<Vec<Planned>> {
    let mut tokens = TokenSource::new();
    let mut out = Vec::with_capacity(catalogue.len() + 1);
    for f in catalogue {
        let body = fixtures::render(f, &mut tokens, &[], Layout::Compact)?;
        out.push(Planned {
            fixture: f.name,
            kind: f.kind,
            forged: false,
            signature: signature::sign(secret.as_bytes(), &body),
            body,
        });
    }
    let f = fixtures::find(FORGED_FIXTURE).ok_or_else(|| fixtures::unknown(FORGED_FIXTURE))?;
    let body = fixtures::render(f, &mut tokens, &[], Layout::Compact)?;
    let mut wrong = random_token(32);
    while wrong.as_bytes() == secret.as_bytes() {
        wrong = random_token(32);
    }
    out.push(Planned {
        fixture: f.name,
        kind: f.kind,
        forged: true,
        signature: signature::sign(wrong.as_bytes(), &body),
        body,
    });
    Ok(out)
}

/// What the sender got for one delivery.
#[derive(Debug, Clone, PartialEq)]
pub struct Sent {
    pub n: u64,
    pub fixture: &'static str,
    pub kind: &'static str,
    pub forged: bool,
    pub status: Option<u16>,
    pub latency: Duration,
    /// Why there was no answer.
    pub error: Option<String>,
}

impl Sent {
    fn of(
        n: u64,
        p: &Planned,
        result: std::result::Result<delivery::Response, delivery::Failure>,
    ) -> Sent {
        let (status, latency, error) = match result {
            Ok(r) => (Some(r.status), r.latency, None),
            Err(f) => (None, f.latency, Some(f.message)),
        };
        Sent {
            n,
            fixture: p.fixture,
            kind: p.kind,
            forged: p.forged,
            status,
            latency,
            error,
        }
    }

    /// A fixture must get 2xx; the forged delivery exactly 401.
    pub fn ok(&self) -> bool {
        match (self.forged, self.status) {
            (false, Some(s)) => (200..300).contains(&s),
            (true, Some(s)) => s == 401,
            (_, None) => false,
        }
    }

    fn expected(&self) -> &'static str {
        if self.forged {
            "401"
        } else {
            "2xx"
        }
    }

    /// `messages (message)` or `forged messages (signed with a wrong secret)`.
    fn what(&self) -> String {
        if self.forged {
            format!("forged {} (signed with a wrong secret)", self.fixture)
        } else {
            format!("{} ({})", self.fixture, self.kind)
        }
    }
}

/// The sender's side of one delivery, under the endpoint's lines:
/// `      → sent messages (message): 200 OK in 1.2 ms`.
pub fn sent_line(s: &Sent) -> String {
    let answer = match (&s.error, s.status) {
        (Some(e), _) => format!("no answer: {}", printer::clean(e, 200)),
        (None, Some(code)) => sending::status_text(code),
        (None, None) => "no answer".to_string(),
    };
    let mut line = format!(
        "      {} sent {}: {answer} in {}",
        "→".dimmed(),
        s.what(),
        printer::format_latency(s.latency)
    );
    if !s.ok() {
        line = format!(
            "{}  {}",
            line.red(),
            format!("✗ expected {}", s.expected()).red().bold()
        );
    } else if s.forged {
        line.push_str(&format!("  {}", "✓ rejected, as it must be".green()));
    }
    line
}

/// The capture read back: counts and every problem found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CaptureCheck {
    /// Requests read.
    pub requests: u64,
    pub valid: u64,
    pub invalid: u64,
    /// The forged delivery was found and its signature is invalid.
    pub forged_invalid: bool,
    pub problems: Vec<String>,
}

impl CaptureCheck {
    fn unreadable(why: &str) -> CaptureCheck {
        CaptureCheck {
            problems: vec![format!("the capture cannot be read: {why}")],
            ..CaptureCheck::default()
        }
    }

    pub fn ok(&self) -> bool {
        self.problems.is_empty() && self.forged_invalid
    }
}

/// Check a capture against the deliveries sent: each one is there exactly once with its
/// exact body (matched by bytes), each fixture's signature is valid, the forged one's is not,
/// and nothing else is there.
pub fn check_capture(
    items: impl Iterator<Item = Result<Located>>,
    secret: &[u8],
    plan: &[Planned],
) -> CaptureCheck {
    let by_body: HashMap<&[u8], usize> = plan
        .iter()
        .enumerate()
        .map(|(i, p)| (p.body.as_slice(), i))
        .collect();
    let mut seen = vec![0u32; plan.len()];
    let mut c = CaptureCheck::default();
    for item in items {
        let located = match item {
            Ok(l) => l,
            Err(e) => {
                c.problems.push(e.message);
                continue;
            }
        };
        c.requests += 1;
        let req = &located.request;
        let verdict = signature::verify_headers(secret, req.header_pairs(), &req.body);
        if verdict.is_valid() {
            c.valid += 1;
        } else {
            c.invalid += 1;
        }
        let Some(&i) = by_body.get(req.body.as_slice()) else {
            c.problems.push(format!(
                "{}: a request the demo did not send ({} {}, {} bytes)",
                located.source,
                req.method,
                req.path,
                req.body.len()
            ));
            continue;
        };
        seen[i] += 1;
        let p = &plan[i];
        match (p.forged, verdict.is_valid()) {
            (true, false) => c.forged_invalid = true,
            (true, true) => c.problems.push(format!(
                "{}: the forged delivery verifies as valid",
                located.source
            )),
            (false, true) => {}
            (false, false) => c.problems.push(format!(
                "{}: {} does not verify: {}",
                located.source,
                p.fixture,
                verdict.reason()
            )),
        }
    }
    for (p, n) in plan.iter().zip(&seen) {
        let what = if p.forged {
            format!("the forged {}", p.fixture)
        } else {
            p.fixture.to_string()
        };
        match n {
            1 => {}
            0 => c
                .problems
                .push(format!("{what} is missing from the capture")),
            n => c
                .problems
                .push(format!("{what} is in the capture {n} times")),
        }
    }
    c
}

/// `      ✓ capture verified: 25 requests read back byte for byte; 24 valid, 1 invalid (the forged one)`.
pub fn check_line(c: &CaptureCheck) -> String {
    if c.ok() {
        return format!(
            "      {} capture verified: {} requests read back byte for byte; {} valid, {} invalid (the forged one, as it must be)",
            "✓".green().bold(),
            c.requests,
            c.valid,
            c.invalid
        );
    }
    let mut s = format!(
        "      {} capture not verified: {} requests read back; {} valid, {} invalid",
        "✗".red().bold(),
        c.requests,
        c.valid,
        c.invalid
    );
    if !c.forged_invalid && c.problems.is_empty() {
        s.push_str("\n        the forged delivery is not in the capture as invalid");
    }
    for p in c.problems.iter().take(10) {
        s.push_str(&format!("\n        {}", p.red()));
    }
    if c.problems.len() > 10 {
        s.push_str(&format!("\n        … {} more", c.problems.len() - 10));
    }
    s
}

/// A step that did not pass, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FailedStep {
    pub step: u8,
    pub name: &'static str,
    pub why: String,
}

impl std::fmt::Display for FailedStep {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "step {} ({}): {}", self.step, self.name, self.why)
    }
}

/// Which steps failed: 2 any delivery not answered as expected, 3 the capture check, 4 a
/// failing lint check (warnings are fine: plain HTTP on loopback is one).
pub fn failed_steps(
    sent: &[Sent],
    check: &CaptureCheck,
    report: &Result<Report>,
) -> Vec<FailedStep> {
    let mut out = Vec::new();
    let bad: Vec<&Sent> = sent.iter().filter(|s| !s.ok()).collect();
    if let Some(first) = bad.first() {
        let got = match (&first.error, first.status) {
            (Some(e), _) => e.clone(),
            (None, Some(code)) => sending::status_text(code),
            (None, None) => "no answer".into(),
        };
        out.push(FailedStep {
            step: 2,
            name: "sending",
            why: format!(
                "{} of {} deliveries not answered as expected; first: {} got {got} (expected {})",
                bad.len(),
                sent.len(),
                first.what(),
                first.expected()
            ),
        });
    }
    if !check.ok() {
        let why = check
            .problems
            .first()
            .cloned()
            .unwrap_or_else(|| "the forged delivery is not in the capture as invalid".into());
        out.push(FailedStep {
            step: 3,
            name: "verifying",
            why,
        });
    }
    match report {
        Ok(r) => {
            let failing: Vec<&str> = r
                .checks
                .iter()
                .filter(|c| c.status == checks::Status::Fail)
                .map(|c| c.id.as_str())
                .collect();
            if !failing.is_empty() {
                out.push(FailedStep {
                    step: 4,
                    name: "linting",
                    why: format!("failing checks: {}", failing.join(", ")),
                });
            }
        }
        Err(e) => out.push(FailedStep {
            step: 4,
            name: "linting",
            why: e.message.clone(),
        }),
    }
    out
}

/// The `--json` document.
pub fn document(
    url: &str,
    sent: &[Sent],
    requests: Vec<Value>,
    check: &CaptureCheck,
    kept: Option<&Path>,
    report: &Result<Report>,
    failed: &[FailedStep],
) -> Value {
    let deliveries: Vec<Value> = sent
        .iter()
        .map(|s| {
            json!({
                "n": s.n,
                "fixture": s.fixture,
                "kind": s.kind,
                "forged": s.forged,
                "status": s.status,
                "latency_ms": (crate::stats::ms(s.latency) * 1000.0).round() / 1000.0,
                "ok": s.ok(),
                "error": s.error,
            })
        })
        .collect();
    let lint = match report {
        Ok(r) => r.to_json(),
        Err(e) => json!({ "error": e.message }),
    };
    json!({
        "ok": failed.is_empty(),
        "failed_steps": failed.iter().map(|f| json!({
            "step": f.step,
            "name": f.name,
            "why": f.why,
        })).collect::<Vec<_>>(),
        "url": url,
        "deliveries": deliveries,
        "requests": requests,
        "capture": {
            "path": kept.map(|p| p.display().to_string()),
            "requests": check.requests,
            "valid": check.valid,
            "invalid": check.invalid,
            "ok": check.ok(),
            "problems": check.problems,
        },
        "lint": lint,
    })
}

/// "What you just saw / what to run next", for stderr.
pub fn closing(passed: bool) -> String {
    let mut s = format!("\n{}\n", "What you just saw".bold());
    s.push_str("  • listen checked each delivery's X-Hub-Signature-256 (HMAC-SHA256 of the exact body bytes) and printed its events\n");
    s.push_str("  • the forged delivery got 401: an endpoint must refuse what it cannot verify, and answer fast\n");
    s.push_str("  • the capture keeps every request byte for byte, so it can be verified (and replayed) later\n");
    s.push_str("  • lint probed the endpoint the way CMzon's deliveries will; on plain HTTP the https check can only warn\n");
    if !passed {
        s.push_str("  • …but a step failed: see the error below\n");
    }
    s.push_str(&format!("\n{}\n", "What to run next".bold()));
    for (cmd, why) in [
        (
            "cmzon-hook init",
            "write cmzon-hook.toml: your URL and where the secret comes from",
        ),
        (
            "cmzon-hook listen --save capture.jsonl",
            "your own endpoint on :3000 (secret from CMZON_WEBHOOK_SECRET)",
        ),
        (
            "cmzon-hook send messages --to http://127.0.0.1:3000/webhook",
            "deliver a fixture (`cmzon-hook fixtures list` shows them all)",
        ),
        (
            "cmzon-hook verify capture.jsonl",
            "re-check a capture and explain each bad signature",
        ),
        (
            "cmzon-hook lint https://your.app/webhook",
            "check the endpoint you will register with CMzon",
        ),
    ] {
        s.push_str(&format!("  {cmd:<62} {}\n", why.dimmed()));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::capture::CapturedRequest;

    fn secret() -> Secret {
        Secret::new("demo-unit-secret")
    }

    fn located(n: usize, p: &Planned) -> Result<Located> {
        Ok(Located {
            source: format!("c.jsonl:{n}"),
            request: CapturedRequest {
                method: "POST".into(),
                path: PATH.into(),
                headers: vec![(signature::HEADER_SHA256.to_string(), p.signature.clone())],
                body: p.body.clone(),
                ..CapturedRequest::default()
            },
        })
    }

    #[test]
    fn the_plan_is_every_fixture_then_one_forgery() {
        let s = secret();
        let plan = plan(fixtures::catalogue(), &s).unwrap();
        assert_eq!(plan.len(), fixtures::catalogue().len() + 1);
        for (p, f) in plan.iter().zip(fixtures::catalogue()) {
            assert_eq!((p.fixture, p.kind, p.forged), (f.name, f.kind, false));
            assert!(signature::verify_value(s.as_bytes(), &p.signature, &p.body).is_valid());
        }
        let last = plan.last().unwrap();
        assert!(last.forged);
        assert_eq!(last.fixture, FORGED_FIXTURE);
        assert!(!signature::verify_value(s.as_bytes(), &last.signature, &last.body).is_valid());
    }

    #[test]
    fn a_faithful_capture_verifies() {
        let s = secret();
        let plan = plan(fixtures::catalogue(), &s).unwrap();
        let items = plan.iter().enumerate().map(|(i, p)| located(i + 1, p));
        let c = check_capture(items, s.as_bytes(), &plan);
        assert!(c.ok(), "{c:?}");
        assert_eq!(c.requests, plan.len() as u64);
        assert_eq!((c.valid, c.invalid), (plan.len() as u64 - 1, 1));
        assert!(check_line(&c).contains("capture verified"));
    }

    #[test]
    fn missing_changed_repeated_and_foreign_requests_are_problems() {
        let s = secret();
        let plan = plan(fixtures::catalogue(), &s).unwrap();
        let mut items: Vec<Result<Located>> = plan
            .iter()
            .enumerate()
            .map(|(i, p)| located(i + 1, p))
            .collect();
        let _first = items.remove(0); // the first fixture is missing
        items.push(located(99, &plan[1])); // the second one twice
        if let Ok(l) = &mut items[2] {
            // a body changed after signing: not a body the demo sent
            l.request.body.push(b' ');
        }
        items.push(Err(Error::input("c.jsonl:100: not JSON")));
        let c = check_capture(items.into_iter(), s.as_bytes(), &plan);
        assert!(!c.ok());
        let all = c.problems.join("\n");
        assert!(all.contains("messages is missing"), "{all}");
        assert!(all.contains("in the capture 2 times"), "{all}");
        assert!(all.contains("did not send"), "{all}");
        assert!(all.contains("not JSON"), "{all}");
        assert!(check_line(&c).contains("not verified"));
    }

    #[test]
    fn a_forgery_that_verifies_or_is_absent_fails_the_check() {
        let s = secret();
        let plan = plan(fixtures::catalogue(), &s).unwrap();
        let n = plan.len();
        // Verified with the wrong secret: the fixtures fail and the forgery... still fails.
        let wrong = check_capture(
            plan.iter().enumerate().map(|(i, p)| located(i + 1, p)),
            b"other",
            &plan,
        );
        assert!(!wrong.ok());
        assert_eq!(wrong.valid, 0);
        // Without the forgery.
        let c = check_capture(
            plan[..n - 1]
                .iter()
                .enumerate()
                .map(|(i, p)| located(i + 1, p)),
            s.as_bytes(),
            &plan,
        );
        assert!(!c.forged_invalid && !c.ok());
    }

    fn sent(forged: bool, status: Option<u16>) -> Sent {
        Sent {
            n: 1,
            fixture: "messages",
            kind: "message",
            forged,
            status,
            latency: Duration::from_micros(1500),
            error: status.is_none().then(|| "connection refused".to_string()),
        }
    }

    #[test]
    fn deliveries_are_judged_by_what_they_are() {
        assert!(sent(false, Some(200)).ok() && sent(false, Some(204)).ok());
        assert!(!sent(false, Some(401)).ok() && !sent(false, None).ok());
        assert!(sent(true, Some(401)).ok());
        assert!(!sent(true, Some(200)).ok() && !sent(true, Some(403)).ok());
        colored::control::set_override(false);
        assert_eq!(
            sent_line(&sent(false, Some(200))),
            "      → sent messages (message): 200 OK in 1.5 ms"
        );
        assert!(sent_line(&sent(true, Some(401))).contains("401 Unauthorized"));
        assert!(sent_line(&sent(true, Some(200))).contains("✗ expected 401"));
        assert!(sent_line(&sent(false, None)).contains("no answer: connection refused"));
    }

    #[test]
    fn failed_steps_name_the_step() {
        let ok_check = CaptureCheck {
            requests: 2,
            valid: 1,
            invalid: 1,
            forged_invalid: true,
            problems: vec![],
        };
        let report = Ok(Report {
            url: "http://127.0.0.1:1/webhook".into(),
            checks: vec![],
            samples: vec![],
        });
        let good = [sent(false, Some(200)), sent(true, Some(401))];
        assert!(failed_steps(&good, &ok_check, &report).is_empty());
        let bad = [sent(false, Some(500)), sent(true, Some(200))];
        let f = failed_steps(&bad, &CaptureCheck::default(), &Err(Error::failure("x")));
        let steps: Vec<u8> = f.iter().map(|s| s.step).collect();
        assert_eq!(steps, [2, 3, 4]);
        assert!(
            f[0].to_string().starts_with("step 2 (sending): 2 of 2"),
            "{}",
            f[0]
        );
        assert!(f[0].why.contains("500 Internal Server Error"));

        let doc = document(
            "http://127.0.0.1:1/webhook",
            &good,
            vec![],
            &ok_check,
            None,
            &report,
            &[],
        );
        assert_eq!(doc["ok"], true);
        assert_eq!(doc["deliveries"][1]["forged"], true);
        assert_eq!(doc["deliveries"][0]["latency_ms"], 1.5);
        assert_eq!(doc["capture"]["path"], Value::Null);
    }
}
