//! `cmzon-hook lint [URL]`: will CMzon be able to deliver to this endpoint, and is it safe?
//!
//! Wires the pieces: resolves the URL and validates the flags, runs the checks
//! ([`crate::linting`]: probes through `crate::http`, rules in `linting::rules`), shows their
//! progress on stderr, and prints the report (human table, `--json`, `--junit FILE`).

use std::io::Write;
use std::process::ExitCode;
use std::time::Duration;

use crate::cli::LintArgs;
use crate::config::ENV_URL;
use crate::error::{Error, Result};
use crate::http::delivery;
use crate::http::probe::Endpoint;
use crate::linting::checks;
use crate::linting::run::{self, LintOptions, Progress};
use crate::terminal::Verbosity;
use crate::webhook::secret;

/// Most latency probes one run sends.
pub const MAX_PROBES: u32 = 1000;

pub fn run(args: &LintArgs, verbosity: Verbosity) -> Result<ExitCode> {
    let url = resolve_url(args.url.as_deref(), std::env::var(ENV_URL).ok())?;
    let target = Endpoint::parse(&url)?;
    let selected = checks::select(&args.only, &args.skip)?;
    let timeout = delivery::timeout_from_secs(args.timeout)?;
    if args.probes == 0 || args.probes > MAX_PROBES {
        return Err(Error::usage(format!(
            "--probes must be between 1 and {MAX_PROBES}, got {}",
            args.probes
        ))
        .with_hint("the default of 10 probes is enough for p50/p95"));
    }
    if args.budget == Some(0) {
        return Err(Error::usage("--budget must be at least 1 ms")
            .with_hint("Meta's guidance is a median under 250 ms: --budget 250"));
    }
    let secret = secret::resolve_env(
        args.secret.secret.as_deref(),
        args.secret.secret_file.as_deref(),
    )?
    .map(|(s, _)| s);

    // Create the JUnit file now: an unwritable path fails before any probe is sent.
    let junit = args
        .junit
        .as_ref()
        .map(|path| {
            std::fs::File::create(path)
                .map(|f| (path, f))
                .map_err(|e| junit_error(path, &e))
        })
        .transpose()?;

    let opts = LintOptions {
        target,
        checks: selected,
        secret,
        verify_token: args.verify_token.clone(),
        allow_http: args.allow_http,
        probes: args.probes,
        timeout,
        budget: args.budget.map(Duration::from_millis),
        ca_cert: args.tls.ca_cert.clone(),
        insecure: args.tls.insecure,
    };
    let (on, verbose) = (!verbosity.quiet, verbosity.verbose > 0);
    let progress = |p: Progress<'_>| {
        let text = match p {
            Progress::Line(t) => t,
            Progress::Detail(t) if verbose => t,
            Progress::Detail(_) => return,
        };
        if on {
            let _ = writeln!(std::io::stderr().lock(), "{text}");
        }
    };
    let report = run::run(&opts, &progress)?;

    if let Some((path, mut file)) = junit {
        file.write_all(report.to_junit(args.strict).as_bytes())
            .and_then(|_| file.flush())
            .map_err(|e| junit_error(path, &e))?;
    }
    let mut out = std::io::stdout().lock();
    if args.json {
        let doc = serde_json::to_string_pretty(&report.to_json())
            .map_err(|e| Error::input(format!("cannot encode the report: {e}")))?;
        writeln!(out, "{doc}")?;
    } else {
        write!(out, "{}", report.to_human(verbosity.verbose > 0))?;
    }
    out.flush()?;
    Ok(ExitCode::from(report.exit_code(args.strict)))
}

fn junit_error(path: &std::path::Path, e: &std::io::Error) -> Error {
    Error::input(format!("cannot write {}: {e}", path.display()))
        .with_hint("--junit takes a writable file path, e.g. --junit lint.xml")
}

/// The URL argument, else `CMZON_WEBHOOK_URL`; neither is a usage error.
pub fn resolve_url(arg: Option<&str>, env: Option<String>) -> Result<String> {
    crate::config::endpoint_url(arg, env).ok_or_else(|| {
        Error::usage("no endpoint URL given").with_hint(format!(
            "pass the URL, e.g. `cmzon-hook lint https://example.com/webhook`, or set {ENV_URL}"
        ))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn url_from_argument_or_environment() {
        assert_eq!(
            resolve_url(Some("https://a/"), Some("https://b/".into())).unwrap(),
            "https://a/"
        );
        assert_eq!(
            resolve_url(None, Some("https://b/".into())).unwrap(),
            "https://b/"
        );
        let e = resolve_url(None, Some("  ".into())).unwrap_err();
        assert_eq!(e.exit_code(), 2);
        assert!(e.hint.unwrap().contains(ENV_URL));
        assert!(resolve_url(None, None).is_err());
    }
}
