//! `cmzon-hook send`: wire payload sources, signing, the delivery engine and output together,
//! and turn the result into an exit code (0 every delivery met `--expect`, 1 not, 2 usage).

use std::io::{IsTerminal, Write};
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use colored::Colorize;

use crate::cli::{SendArgs, Tamper as CliTamper};
use crate::config;
use crate::error::{Error, Result};
use crate::http::delivery::{self, Client, ClientOptions, RetryPolicy};
use crate::input;
use crate::sending::pace::Pacer;
use crate::sending::payload::{self, Signer, Source, Tamper};
use crate::sending::{self, Expectation, Plan, Record, Settings, Shape, Summary};
use crate::stats;
use crate::terminal::{self, Verbosity};
use crate::webhook::fixtures::{self, Layout, SetOp, TokenSource};
use crate::webhook::secret;

/// Up to this many deliveries, one line per delivery is printed by default; above it only
/// the summary (unless `-v`).
pub const LINES_UP_TO: u64 = 20;

/// More requests than this to a host that is not this machine need a confirmation on a TTY.
pub const CONFIRM_ABOVE: u64 = 100;

/// Set by Ctrl-C: stop starting deliveries, finish those in flight, print the summary.
static STOP: AtomicBool = AtomicBool::new(false);

pub fn run(args: &SendArgs, verbosity: Verbosity) -> Result<ExitCode> {
    let expect = Expectation::parse(&args.expect)?;
    let timeout = delivery::timeout_from_secs(args.timeout)?;
    if args.concurrency == 0 {
        return Err(Error::usage("--concurrency must be at least 1")
            .with_hint("--concurrency 1 sends one delivery at a time"));
    }
    if args.count == 0 {
        return Err(Error::usage("--count must be at least 1")
            .with_hint("--count N sends the payload set N times"));
    }
    let pacer = args.rate.map(Pacer::new).transpose()?;
    let sets = args
        .sets
        .iter()
        .map(|s| SetOp::parse(s))
        .collect::<Result<Vec<_>>>()?;
    let headers = args
        .headers
        .iter()
        .map(|h| payload::parse_header(h))
        .collect::<Result<Vec<_>>>()?;
    let url = target_url(args.to.as_deref(), std::env::var(config::ENV_URL).ok())?;
    let parsed = delivery::parse_url(&url)?;
    let host = parsed.host_str().unwrap_or_default().to_string();

    let capture_from_stdin = args.from_capture.as_deref() == Some(std::path::Path::new("-"));
    if capture_from_stdin && args.payloads.iter().any(|p| p == "-") {
        return Err(
            Error::usage("stdin cannot be both a payload (`-`) and the capture")
                .with_hint("give the capture as a file, or the payload as a file"),
        );
    }
    let mut sources = payload::resolve(&args.payloads, &sets, &mut || input::read_bytes(None))?;
    if let Some(path) = &args.from_capture {
        let (replayed, rejected) = payload::from_capture(path, &sets)?;
        if rejected > 0 && !verbosity.quiet {
            eprintln!(
                "cmzon-hook: warning: skipping {rejected} request(s) listen rejected (413 or a body cut short): their bodies are incomplete"
            );
        }
        sources.extend(replayed);
    }
    if sources.is_empty() {
        sources.push(Source::fixture(pick_fixture()?));
    }
    check_fixtures_render(&sources, &sets)?;

    let tamper = args.tamper.map(|t| match t {
        CliTamper::BadSignature => Tamper::BadSignature,
        CliTamper::NoSignature => Tamper::NoSignature,
        CliTamper::WrongSecret => Tamper::WrongSecret,
        CliTamper::ModifiedBody => Tamper::ModifiedBody,
    });
    let secret = secret::resolve_env(
        args.secret.secret.as_deref(),
        args.secret.secret_file.as_deref(),
    )?
    .map(|(s, _)| s);
    if secret.is_none() && Signer::needs_secret(tamper, args.keep_signature, &sources) {
        return Err(secret::missing());
    }
    let signer = Signer {
        secret,
        tamper,
        keep_signature: args.keep_signature,
    };
    let shape = Shape {
        url: &url,
        sets: &sets,
        headers: &headers,
        signer: &signer,
    };
    let plan = Plan {
        sources: &sources,
        rounds: args.count,
        duplicates: args.duplicate,
    };

    if args.dry_run {
        return dry_run(plan, &shape, args.json);
    }

    let loopback = delivery::is_loopback_host(&host);
    if args.tls.insecure {
        eprintln!(
            "cmzon-hook: warning: --insecure: TLS certificates are not verified (CMzon always verifies them)"
        );
    }
    if parsed.scheme() == "http" && !loopback {
        eprintln!(
            "cmzon-hook: warning: {url} is plain HTTP: CMzon refuses HTTP endpoints and only delivers to HTTPS (sending anyway)"
        );
    }
    let total = plan.deliveries();
    if !loopback && total > CONFIRM_ABOVE && !args.yes && terminal::interactive() {
        confirm_large_send(total, &host)?;
    }

    let client = Client::new(&ClientOptions {
        timeout,
        ca_cert: args.tls.ca_cert.clone(),
        insecure: args.tls.insecure,
    })?;
    install_ctrlc();
    let settings = Settings {
        retry: RetryPolicy {
            retries: args.retries,
            backoff: Duration::from_millis(args.backoff_ms),
        },
        concurrency: args.concurrency,
        pacer: pacer.as_ref(),
        expect,
        stop: &STOP,
    };

    let mode = OutputMode {
        json: args.json,
        lines: !args.json && (verbosity.verbose > 0 || total <= LINES_UP_TO),
        bar: !args.json && !verbosity.quiet && total > 1 && terminal::stderr_is_tty(),
    };
    let summary = deliver_all(plan, &shape, &settings, &client, mode, total)?;
    let interrupted = STOP.load(Ordering::Relaxed);

    if args.json {
        let mut out = std::io::stdout().lock();
        serde_json::to_writer(&mut out, &sending::summary_json(&summary, interrupted))
            .map_err(|e| Error::from(std::io::Error::from(e)))?;
        writeln!(out)?;
        out.flush()?;
    } else if !verbosity.quiet {
        eprint!("{}", human_summary(&summary, &url));
    }
    verdict(&summary, total, interrupted)
}

/// `--to`, else `CMZON_WEBHOOK_URL`, else a usage error.
fn target_url(flag: Option<&str>, env: Option<String>) -> Result<String> {
    flag.map(str::to_string)
        .or(env.filter(|v| !v.trim().is_empty()))
        .ok_or_else(|| {
            Error::usage("no endpoint URL given").with_hint(format!(
                "pass --to URL, set {}, or put url = \"...\" in cmzon-hook.toml",
                config::ENV_URL
            ))
        })
}

/// No payload: offer the fixtures on a terminal, otherwise fail listing them.
fn pick_fixture() -> Result<&'static fixtures::Fixture> {
    let catalogue = fixtures::catalogue();
    let names = payload::fixture_names();
    if !terminal::interactive() || catalogue.is_empty() {
        return Err(Error::usage("no payload given").with_hint(format!(
            "name a fixture, a JSON file or directory, or `-` for stdin. Fixtures: {}",
            names.join(", ")
        )));
    }
    let items: Vec<String> = catalogue
        .iter()
        .map(|f| format!("{:<28} {}", f.name, f.description))
        .collect();
    let picked = dialoguer::FuzzySelect::new()
        .with_prompt("Fixture to send (type to filter)")
        .items(&items)
        .default(0)
        .interact_opt()
        .map_err(|e| Error::usage(format!("cannot show the fixture picker: {e}")))?;
    match picked {
        Some(i) => Ok(&catalogue[i]),
        None => Err(Error::usage("no fixture picked: nothing was sent")
            .with_hint("name a fixture on the command line, e.g. `send text-message --to URL`")),
    }
}

/// Render every fixture source once so a bad `--set` is a usage error before anything is sent.
fn check_fixtures_render(sources: &[Source], sets: &[SetOp]) -> Result<()> {
    let mut tokens = TokenSource::new();
    for s in sources {
        if let Source::Fixture { fixture: f, .. } = s {
            fixtures::render(f, &mut tokens, sets, Layout::Compact).map_err(|e| {
                let mut err = Error::input(format!("fixture {}: {}", f.name, e.message));
                err.hint = e.hint;
                err
            })?;
        }
    }
    Ok(())
}

fn confirm_large_send(total: u64, host: &str) -> Result<()> {
    let yes = dialoguer::Confirm::new()
        .with_prompt(format!(
            "Send {total} requests to {host}, which is not this machine?"
        ))
        .default(false)
        .interact()
        .unwrap_or(false);
    if yes {
        Ok(())
    } else {
        Err(Error::usage("cancelled: nothing was sent").with_hint("--yes skips this question"))
    }
}

fn install_ctrlc() {
    // A second Ctrl-C quits at once; failing to install (already installed) is harmless.
    let _ = ctrlc::set_handler(|| {
        if STOP.swap(true, Ordering::SeqCst) {
            crate::error::exit_interrupted();
        }
        eprintln!(
            "\ncmzon-hook: stopping after the deliveries in flight (Ctrl-C again to quit now)"
        );
    });
}

/// Print every request the run would send, sending nothing.
fn dry_run(plan: Plan<'_>, shape: &Shape<'_>, json: bool) -> Result<ExitCode> {
    let mut tokens = TokenSource::new();
    let mut rng = fastrand::Rng::new();
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    let mut first = true;
    for k in 0..plan.events() {
        let (src, n0) = plan.event(k);
        let source = &plan.sources[src];
        let req = shape.request(source, &mut tokens, &mut rng)?;
        let bytes = req.to_http1()?;
        for d in 0..=u64::from(plan.duplicates) {
            if json {
                let headers: Vec<[&str; 2]> = req
                    .headers
                    .iter()
                    .map(|(n, v)| [n.as_str(), v.as_str()])
                    .collect();
                let obj = serde_json::json!({
                    "n": n0 + d,
                    "source": source.name(),
                    "method": req.method.as_str(),
                    "url": req.url,
                    "headers": headers,
                    "body": String::from_utf8_lossy(&req.body),
                });
                serde_json::to_writer(&mut out, &obj)
                    .map_err(|e| Error::from(std::io::Error::from(e)))?;
                writeln!(out)?;
            } else {
                if !first {
                    writeln!(out)?;
                }
                out.write_all(&bytes)?;
                if !bytes.ends_with(b"\n") {
                    writeln!(out)?;
                }
            }
            first = false;
        }
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

#[derive(Debug, Clone, Copy)]
struct OutputMode {
    json: bool,
    lines: bool,
    bar: bool,
}

fn deliver_all(
    plan: Plan<'_>,
    shape: &Shape<'_>,
    settings: &Settings<'_>,
    client: &Client,
    mode: OutputMode,
    total: u64,
) -> Result<Summary> {
    let bar = mode.bar.then(|| progress_bar(total));
    let stdout_tty = std::io::stdout().is_terminal();
    let out = Mutex::new((std::io::BufWriter::new(std::io::stdout()), Instant::now()));
    let expect = settings.expect;
    let on_record = |rec: &Record| -> Result<()> {
        if let Some(pb) = &bar {
            pb.inc(1);
        }
        if !mode.json && !mode.lines {
            return Ok(());
        }
        let name = plan.sources[rec.source].name();
        let line = if mode.json {
            sending::record_json(rec, name).to_string()
        } else {
            human_line(rec, name, expect)
        };
        let mut guard = out.lock().unwrap_or_else(|p| p.into_inner());
        let (w, last_flush) = &mut *guard;
        let mut write = || -> Result<()> {
            writeln!(w, "{line}")?;
            if stdout_tty || last_flush.elapsed() > Duration::from_millis(100) {
                w.flush()?;
                *last_flush = Instant::now();
            }
            Ok(())
        };
        match (&bar, mode.lines) {
            (Some(pb), true) => pb.suspend(write),
            _ => write(),
        }
    };
    let result = sending::run(plan, shape, settings, client, &on_record);
    if let Some(pb) = bar {
        pb.finish_and_clear();
    }
    let (mut w, _) = out.into_inner().unwrap_or_else(|p| p.into_inner());
    w.flush()?;
    result
}

fn progress_bar(total: u64) -> indicatif::ProgressBar {
    let pb = indicatif::ProgressBar::with_draw_target(
        Some(total),
        indicatif::ProgressDrawTarget::stderr(),
    );
    if let Ok(style) = indicatif::ProgressStyle::with_template(
        "{bar:30.cyan/blue} {pos}/{len} deliveries · {rate} · ETA {eta}",
    ) {
        let style = style.with_key(
            "rate",
            |state: &indicatif::ProgressState, w: &mut dyn std::fmt::Write| {
                let _ = write!(w, "{:.0}/s", state.per_sec());
            },
        );
        pb.set_style(style.progress_chars("=> "));
    }
    pb
}

/// `#3 text-message → 200 OK · 4.1 ms`, with attempts and duplicates noted.
fn human_line(r: &Record, source: &str, expect: Expectation) -> String {
    let mut line = format!("#{} {source}", r.n);
    if let Some(orig) = r.duplicate_of {
        line.push_str(&format!(" (duplicate of #{orig})"));
    }
    let outcome = match (&r.error, r.status) {
        (Some(e), None) => format!("error: {}", e.message),
        _ => sending::describe(r, expect),
    };
    let outcome = if r.ok {
        outcome.green().to_string()
    } else {
        outcome.red().to_string()
    };
    line.push_str(" → ");
    line.push_str(&outcome);
    if r.attempts > 1 {
        line.push_str(&format!(" · {} attempts", r.attempts));
    }
    if r.attempts > 0 {
        line.push_str(&format!(" · {}", fmt_duration(r.latency)));
    }
    line
}

fn fmt_duration(d: Duration) -> String {
    let ms = stats::ms(d);
    if ms < 1000.0 {
        format!("{ms:.1} ms")
    } else {
        format!("{:.2} s", ms / 1000.0)
    }
}

/// The end-of-run summary for humans (stderr).
fn human_summary(s: &Summary, url: &str) -> String {
    let mut out = String::new();
    let plural = if s.deliveries == 1 { "y" } else { "ies" };
    out.push_str(&format!(
        "{} deliver{plural} to {url} in {} ({:.1}/s): {} met --expect {}",
        s.deliveries,
        fmt_duration(s.elapsed),
        s.throughput(),
        s.ok,
        s.expect
    ));
    if s.failed() > 0 {
        out.push_str(&format!(", {} did not", s.failed()).red().to_string());
    }
    out.push('\n');
    let classes: Vec<String> = (1..=5)
        .filter(|&c| s.by_class[c] > 0)
        .map(|c| format!("{c}xx {}", s.by_class[c]))
        .collect();
    if !classes.is_empty() {
        out.push_str(&format!("  status      {}\n", classes.join(" · ")));
    }
    if !s.errors.is_empty() {
        let errs: Vec<String> = s.errors.iter().map(|(k, v)| format!("{k} {v}")).collect();
        out.push_str(&format!("  errors      {}\n", errs.join(" · ")));
    }
    if s.retries > 0 {
        out.push_str(&format!("  retries     {}\n", s.retries));
    }
    if s.duplicates > 0 {
        out.push_str(&format!("  duplicates  {}\n", s.duplicates));
    }
    if !s.latency.is_empty() {
        let l = s.latency.summary();
        out.push_str(&format!(
            "  latency     min {} · p50 {} · p95 {} · p99 {} · max {}\n",
            fmt_duration(l.min),
            fmt_duration(l.p50),
            fmt_duration(l.p95),
            fmt_duration(l.p99),
            fmt_duration(l.max)
        ));
    }
    out
}

/// Exit 0 when every delivery met the expectation; otherwise one error with a fitting hint.
fn verdict(s: &Summary, total: u64, interrupted: bool) -> Result<ExitCode> {
    if interrupted {
        return Err(Error::failure(format!(
            "interrupted after {} of {total} deliveries",
            s.deliveries
        )));
    }
    if s.failed() == 0 {
        return Ok(ExitCode::SUCCESS);
    }
    let first = s.first_failure.clone().unwrap_or_default();
    let hint = match s.first_failure_kind {
        Some("dns") => "check the host name in --to (or CMZON_WEBHOOK_URL)".to_string(),
        Some("connect") => "is the endpoint running and listening on that address and port?".to_string(),
        Some("tls") => "trust a private CA with --ca-cert FILE (or skip checks while testing with --insecure)".to_string(),
        Some("timeout") => "the endpoint must answer within --timeout (CMzon allows 30 s; answer first, work later)".to_string(),
        Some("redirect") => "CMzon does not follow redirects: point --to at the final URL".to_string(),
        Some("render") => "check the --set paths against `cmzon-hook fixtures show NAME`".to_string(),
        _ => format!(
            "--expect {} sets the status every delivery must get; -v or --json shows each one",
            s.expect
        ),
    };
    let failed = s.failed();
    let what = if failed == s.deliveries && failed == 1 {
        format!("the delivery did not meet --expect {}: {first}", s.expect)
    } else {
        format!(
            "{failed} of {} deliveries did not meet --expect {}; first: {first}",
            s.deliveries, s.expect
        )
    };
    Err(Error::failure(what).with_hint(hint))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn url_from_flag_then_env() {
        assert_eq!(
            target_url(Some("http://a/"), Some("http://b/".into())).unwrap(),
            "http://a/"
        );
        assert_eq!(
            target_url(None, Some("http://b/".into())).unwrap(),
            "http://b/"
        );
        assert_eq!(
            target_url(None, Some(" ".into())).unwrap_err().exit_code(),
            2
        );
        assert_eq!(target_url(None, None).unwrap_err().exit_code(), 2);
    }

    #[test]
    fn durations_for_humans() {
        assert_eq!(fmt_duration(Duration::from_micros(1234)), "1.2 ms");
        assert_eq!(fmt_duration(Duration::from_millis(2500)), "2.50 s");
    }
}
