//! `cmzon-hook demo`: the one-command tour. Starts the endpoint ([`crate::listening`]) in this
//! process on a free loopback port with a fresh random secret, sends every fixture plus one
//! forged delivery to it, reads the capture back and verifies it, lints the endpoint
//! ([`crate::linting::run`]), and closes with what happened and what to run next.
//!
//! Output: the endpoint's lines, one sender line per delivery, the verification line and the
//! lint table on stdout; step headings and the closing notes on stderr. `--json`: one JSON
//! document on stdout at the end (schema in `demo --help`). Exit 0 when every step passed,
//! 1 (naming the step) otherwise. The secret is never printed.

use std::io::Write;
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use colored::Colorize;
use serde_json::Value;

use crate::capture;
use crate::cli::DemoArgs;
use crate::error::{Error, Result};
use crate::http::delivery::{Client, ClientOptions};
use crate::http::probe::Endpoint;
use crate::linting::checks;
use crate::linting::run::{self, LintOptions, Progress};
use crate::listening::printer;
use crate::listening::{self, EndpointConfig, OutputFormat, Sink};
use crate::sending::payload;
use crate::terminal::Verbosity;
use crate::webhook::fixtures;
use crate::webhook::secret::Secret;

mod check;
mod plan;
mod summary;
#[cfg(test)]
mod tests;

pub use check::{check_capture, check_line, CaptureCheck};
pub use plan::{plan, sent_line, Planned, Sent};
pub use summary::{closing, document, failed_steps, FailedStep};

use plan::{random_token, TempCapture};

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
    let mut capture = TempCapture::create(args.keep)?;
    if args.keep {
        capture.keep_secret(&secret)?;
    }

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
    let running = listening::start(EndpointConfig {
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
        inspector: None,
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
        Ok(items) => check_capture(items, &secret, &plan),
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
    let lint_opts = LintOptions {
        target: Endpoint::parse(&url)?,
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
        let kept = args.keep.then_some(&capture);
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
            if let (Some(secret), Some(command)) = (&capture.secret_path, capture.verify_command())
            {
                say(&format!(
                    "The demo's secret is kept beside it, readable by you only: {}\nVerify the capture with it (the forged delivery and lint's probes show as invalid, as they should):\n  {command}",
                    secret.display()
                ));
            }
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
