//! `cmzon-hook send`: wire payload sources, signing, the sending engine ([`crate::sending`])
//! and its report together, and turn the result into an exit code (0 every delivery met
//! `--expect`, 1 not, 2 usage).

use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use crate::cli::{IdentityArg, SendArgs, TamperArg};
use crate::config;
use crate::error::{Error, Result};
use crate::http::delivery::{self, Client, ClientOptions, RetryPolicy};
use crate::input;
use crate::sending::pace::Pacer;
use crate::sending::payload::{self, Signer, Source, Tamper};
use crate::sending::report::{self, DeliveryOutput};
use crate::sending::{DeliverySettings, Expectation, Plan, Shape};
use crate::terminal::{self, Verbosity};
use crate::webhook::fixtures::{self, identity, Identity, Layout, SetOp, TokenSource};
use crate::webhook::secret;

/// Up to this many deliveries, one line per delivery is printed by default; above it only
/// the summary (unless `-v`).
pub const LINES_UP_TO: u64 = 20;

/// More requests than this to a host that is not this machine need a confirmation on a TTY.
pub const CONFIRM_ABOVE: u64 = 100;

/// Set by Ctrl-C: stop starting deliveries, finish those in flight, print the summary.
static STOP: AtomicBool = AtomicBool::new(false);

pub fn run(args: &SendArgs, verbosity: Verbosity) -> Result<ExitCode> {
    let expect = match &args.expect {
        Some(spec) => Expectation::parse(spec)?,
        None => Expectation::default_for(args.tamper.is_some()),
    };
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
    let sets = SetOp::parse_both(&args.sets, &args.set_json)?;
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
        let replay = payload::from_capture(path, &sets)?;
        if !verbosity.quiet {
            if replay.rejected > 0 {
                eprintln!(
                    "cmzon-hook: warning: skipping {} request(s) listen rejected (413, a body cut short, or 404: posted to another path)",
                    replay.rejected
                );
            }
            if let Some(line) = replay.skipped.describe(&path.display().to_string()) {
                eprintln!("cmzon-hook: {line}");
            }
        }
        sources.extend(replay.sources);
    }
    if sources.is_empty() {
        sources.push(Source::fixture(pick_fixture()?));
    }
    let sources = apply_identity(
        sources,
        args.identity.map(IdentityArg::identity),
        args.identity_config.map(IdentityArg::identity),
    )?;
    check_fixtures_render(&sources, &sets)?;

    let tamper = args.tamper.map(|t| match t {
        TamperArg::BadSignature => Tamper::BadSignature,
        TamperArg::NoSignature => Tamper::NoSignature,
        TamperArg::WrongSecret => Tamper::WrongSecret,
        TamperArg::ModifiedBody => Tamper::ModifiedBody,
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
        return report::dry_run(plan, &shape, args.json);
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
    let settings = DeliverySettings {
        retry: RetryPolicy {
            retries: args.retries,
            backoff: Duration::from_millis(args.backoff_ms),
        },
        concurrency: args.concurrency,
        pacer: pacer.as_ref(),
        expect,
        stop: &STOP,
    };

    let output = DeliveryOutput {
        json: args.json,
        lines: !args.json && (verbosity.verbose > 0 || total <= LINES_UP_TO),
        bar: !args.json && !verbosity.quiet && total > 1 && terminal::stderr_is_tty(),
    };
    let summary = report::deliver_all(plan, &shape, &settings, &client, output, total)?;
    let interrupted = STOP.load(Ordering::Relaxed);
    report::print_summary(&summary, &url, args.json, verbosity.quiet, interrupted)?;
    report::verdict(&summary, total, interrupted).map_err(|mut e| {
        if let (Some(kind), Some("status")) = (args.tamper, summary.first_failure_kind) {
            if summary.expect == Expectation::default_for(true) {
                e.hint = Some(format!(
                    "the endpoint accepted a forged delivery (--tamper {}): it must verify X-Hub-Signature-256 over the raw body and answer 401 or 403",
                    tamper_name(kind)
                ));
            }
        }
        e
    })
}

fn tamper_name(kind: TamperArg) -> String {
    use clap::ValueEnum;
    kind.to_possible_value()
        .map(|v| v.get_name().to_string())
        .unwrap_or_default()
}

/// `--to`, else `CMZON_WEBHOOK_URL`, else a usage error.
fn target_url(flag: Option<&str>, env: Option<String>) -> Result<String> {
    config::endpoint_url(flag, env).ok_or_else(|| {
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

/// `--identity` (else `[fixtures] identity`) on every fixture source. An explicit flag that
/// cannot apply, to a fixture (an error or account-level field) or to a file or capture (sent
/// byte for byte), is a usage error before anything is sent; the config's default applies
/// where it can and leaves the rest as they are.
fn apply_identity(
    sources: Vec<Source>,
    flag: Option<Identity>,
    config: Option<Identity>,
) -> Result<Vec<Source>> {
    sources
        .into_iter()
        .map(|s| match &s {
            Source::Fixture { fixture, .. } => {
                let identity = identity::choose(fixture, flag, config)?;
                Ok(s.with_identity(identity))
            }
            _ => match flag {
                Some(i) if i != Identity::Both => Err(Error::usage(format!(
                    "--identity {} applies to fixtures only: `{}` is sent byte for byte",
                    i.name(),
                    s.name()
                ))
                .with_hint("name a fixture (`cmzon-hook fixtures list`), or drop --identity")),
                _ => Ok(s),
            },
        })
        .collect()
}

/// Render every fixture source once so a bad `--set` is a usage error before anything is sent.
fn check_fixtures_render(sources: &[Source], sets: &[SetOp]) -> Result<()> {
    let mut tokens = TokenSource::new();
    for s in sources {
        if let Source::Fixture {
            fixture: f,
            identity,
            ..
        } = s
        {
            fixtures::render_as(f, &mut tokens, *identity, sets, Layout::Compact).map_err(|e| {
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
}
