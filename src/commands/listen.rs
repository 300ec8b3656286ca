//! `cmzon-hook listen`: a local webhook endpoint that verifies, pretty-prints, captures and
//! forwards every delivery.
//!
//! The endpoint itself lives in [`crate::listening`]; this command validates the flags,
//! prints the readiness block, stops on Ctrl-C (a second Ctrl-C quits at once, never in the
//! middle of a capture line) or when stdout is closed, and prints the summary.

use std::process::ExitCode;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use crate::cli::ListenArgs;
use crate::error::{Error, Result};
use crate::http::delivery::{self, ClientOptions};
use crate::listening::inspector::InspectorOptions;
use crate::listening::printer;
use crate::listening::{self, EndpointConfig, Forward, OutputFormat, StopReason, MAX_BODY_LIMIT};
use crate::terminal::{shell_quote, Verbosity};
use crate::webhook::secret::{self, ConfigSecretKind, SecretSource};

pub fn run(args: &ListenArgs, verbosity: Verbosity) -> Result<ExitCode> {
    validate(args)?;
    let resolved = secret::resolve_env(
        args.secret.secret.as_deref(),
        args.secret.secret_file.as_deref(),
    )?;
    let forward = match &args.forward_to {
        Some(url) => {
            let f = Forward::new(
                url,
                &ClientOptions {
                    timeout: delivery::timeout_from_secs(args.timeout)?,
                    ca_cert: args.tls.ca_cert.clone(),
                    insecure: args.tls.insecure,
                },
            )?;
            if args.accept_invalid && !verbosity.quiet {
                eprintln!(
                    "cmzon-hook: warning: --accept-invalid has no effect with --forward-to: every POST is forwarded and the app's answer relayed"
                );
            }
            if args.tls.insecure {
                eprintln!(
                    "cmzon-hook: warning: --insecure: the app's TLS certificate is not checked"
                );
            }
            Some(f)
        }
        None => None,
    };
    let (secret_value, source) = match resolved {
        Some((s, src)) => (Some(s), Some(src)),
        None => (None, None),
    };
    let running = listening::start(EndpointConfig {
        host: args.host.clone(),
        port: args.port,
        path: args.path.clone(),
        workers: args.workers,
        secret: secret_value,
        accept_invalid: args.accept_invalid,
        verify_token: args.verify_token.clone(),
        status: args.status,
        delay: Duration::from_millis(args.delay),
        max_body: args.max_body,
        forward,
        save: args.save.clone(),
        output: OutputFormat {
            json: args.json,
            raw: args.raw,
            verbose: verbosity.verbose > 0,
        },
        sink: listening::stdout_sink(),
        inspector: args.ui.then_some(InspectorOptions { port: args.ui_port }),
    })?;

    let signals = Arc::new(AtomicUsize::new(0));
    {
        let stopper = running.stopper();
        let signals = Arc::clone(&signals);
        ctrlc::set_handler(move || {
            if signals.fetch_add(1, Ordering::SeqCst) == 0 {
                stopper.stop();
            } else {
                // Second Ctrl-C: quit now, but never in the middle of a capture line.
                stopper.seal_capture();
                crate::error::exit_interrupted();
            }
        })
        .map_err(|e| Error::failure(format!("cannot handle Ctrl-C: {e}")))?;
    }

    let addr = running.addr();
    let url = running.url();
    let ready = printer::Ready {
        url: &url,
        secret_source: source.map(|s| describe_source(s, args)),
        no_secret: args
            .secret
            .from_config
            .as_ref()
            .filter(|_| source.is_none())
            .map(|c| match c.kind {
                ConfigSecretKind::UnsetEnv(Some(_)) => {
                    format!("{}, is not set (or empty)", c.describe())
                }
                _ => format!("{} gave none", c.describe()),
            }),
        accept_invalid: args.accept_invalid,
        verify_token: args.verify_token.is_some(),
        save: args.save.as_ref().map(|p| p.display().to_string()),
        forward_to: args.forward_to.as_deref(),
        status: args.status,
        delay_ms: args.delay,
        send_command: send_command(&running.local_url(), source, args),
        exposed: addr.ip().is_unspecified(),
    };
    eprintln!("{}", printer::ready(&ready, verbosity.quiet));
    if let Some(url) = running.inspector_url() {
        // Always printed (with -q too): it is where the user goes next.
        eprintln!("Inspector: {url}");
    }

    let why = running.wait();
    // From now on, the next Ctrl-C quits at once, whatever stopped us.
    signals.store(1, Ordering::SeqCst);
    if !verbosity.quiet {
        let what = match why {
            StopReason::Requested => "stopping",
            StopReason::OutputClosed => "stdout was closed; stopping",
        };
        eprintln!("{what}: no new connections; finishing requests already received (Ctrl-C again to quit now)");
    }
    let grace = running.grace();
    // Every capture line is whole from here to the exit: a request still in flight after the
    // grace period cannot start one (the capture is sealed).
    let summary = running.stop(grace);
    if !verbosity.quiet {
        eprintln!("{}", printer::summary(&summary));
    }
    Ok(ExitCode::SUCCESS)
}

/// Check the flags the endpoint cannot check itself, with hints a person can act on.
fn validate(args: &ListenArgs) -> Result<()> {
    if !args.path.starts_with('/') || args.path.contains('?') || args.path.contains('#') {
        return Err(Error::usage(format!(
            "--path must be a URL path starting with `/`, got `{}`",
            args.path
        ))
        .with_hint("for example --path /webhook"));
    }
    if args.workers == 0 || args.workers > 1024 {
        return Err(Error::usage(format!(
            "--workers must be between 1 and 1024, got {}",
            args.workers
        ))
        .with_hint("the default of 8 suits a laptop; more helps only with --forward-to"));
    }
    if let Some(code) = args.status {
        if !(200..=599).contains(&code) {
            return Err(Error::usage(format!(
                "--status must be an HTTP status between 200 and 599, got {code}"
            ))
            .with_hint("e.g. --status 500 to see how the sender retries"));
        }
    }
    if args.max_body == 0 || args.max_body > MAX_BODY_LIMIT {
        return Err(Error::usage(format!(
            "--max-body must be between 1 and {MAX_BODY_LIMIT} bytes, got {}",
            args.max_body
        ))
        .with_hint("CMzon's payloads are at most 3 MB: the default is 3145728"));
    }
    if args.delay > 600_000 {
        return Err(Error::usage(format!(
            "--delay must be at most 600000 ms (10 minutes), got {}",
            args.delay
        ))
        .with_hint("CMzon gives up after 30 s: --delay 31000 already simulates a timeout"));
    }
    if args.json && args.raw {
        return Err(
            Error::usage("--raw prints bodies under pretty lines; --json prints objects")
                .with_hint("use one: --json for machines, --raw for people"),
        );
    }
    if args.forward_to.is_some() {
        delivery::timeout_from_secs(args.timeout)?;
    }
    Ok(())
}

/// Where the secret came from, for the readiness block (never the value): the config file's
/// source by name (`MY_APP_SECRET, named by cmzon-hook.toml`) when it gave the secret.
fn describe_source(source: SecretSource, args: &ListenArgs) -> String {
    if let Some(c) = &args.secret.from_config {
        return c.describe();
    }
    match (source, &args.secret.secret_file) {
        (SecretSource::File, Some(p)) => format!("--secret-file {}", p.display()),
        (s, _) => s.to_string(),
    }
}

/// A `cmzon-hook send` line that reaches this listener reading the secret the same way: the
/// same flag, the same variable (nothing to add) or the same config file.
fn send_command(url: &str, source: Option<SecretSource>, args: &ListenArgs) -> String {
    let mut cmd = format!("cmzon-hook send messages --to {}", shell_quote(url));
    if let Some(c) = &args.secret.from_config {
        if source.is_some() {
            if c.explicit {
                cmd.push_str(" --config ");
                cmd.push_str(&shell_quote(&c.origin));
            }
            return cmd;
        }
    }
    match (source, &args.secret.secret_file) {
        (Some(SecretSource::File), Some(p)) => {
            cmd.push_str(" --secret-file ");
            cmd.push_str(&shell_quote(&p.display().to_string()));
        }
        (Some(SecretSource::Flag), _) => cmd.push_str(" --secret SECRET"),
        _ => {}
    }
    cmd
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoting_for_the_send_hint() {
        assert_eq!(
            shell_quote("http://127.0.0.1:3000/webhook"),
            "http://127.0.0.1:3000/webhook"
        );
        assert_eq!(shell_quote("my secret"), "'my secret'");
        assert_eq!(shell_quote("it's"), r"'it'\''s'");
    }
}
