//! What `send` shows: one line per delivery (human or NDJSON) with a progress bar, the
//! `--dry-run` listing, the end-of-run summary, and the verdict that becomes the exit code.
//! Imports the sending engine, http and the primitives; never cli or commands.

use std::io::Write;
use std::process::ExitCode;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use colored::Colorize;

use crate::error::{Error, Result};
use crate::http::delivery::Client;
use crate::http::tls;
use crate::sending::{
    self, DeliveryRecord, DeliverySettings, DeliveryTotals, Expectation, Plan, Shape,
};
use crate::stats;
use crate::terminal;
use crate::webhook::fixtures::TokenSource;

/// Where each delivery's line goes while the run lasts.
#[derive(Debug, Clone, Copy)]
pub struct DeliveryOutput {
    /// One NDJSON object per delivery on stdout.
    pub json: bool,
    /// One human line per delivery on stdout.
    pub lines: bool,
    /// A progress bar on stderr.
    pub bar: bool,
}

/// Print every request the run would send, sending nothing.
pub fn dry_run(plan: Plan<'_>, shape: &Shape<'_>, json: bool) -> Result<ExitCode> {
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

/// Run the plan ([`sending::run`]) and show each delivery as `output` says.
pub fn deliver_all(
    plan: Plan<'_>,
    shape: &Shape<'_>,
    settings: &DeliverySettings<'_>,
    client: &Client,
    output: DeliveryOutput,
    total: u64,
) -> Result<DeliveryTotals> {
    let bar = output.bar.then(|| progress_bar(total));
    let stdout_tty = terminal::stdout_is_tty();
    let out = Mutex::new((std::io::BufWriter::new(std::io::stdout()), Instant::now()));
    let expect = settings.expect;
    let on_record = |rec: &DeliveryRecord| -> Result<()> {
        if let Some(pb) = &bar {
            pb.inc(1);
        }
        if !output.json && !output.lines {
            return Ok(());
        }
        let name = plan.sources[rec.source].name();
        let line = if output.json {
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
        match (&bar, output.lines) {
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
fn human_line(r: &DeliveryRecord, source: &str, expect: Expectation) -> String {
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

/// The end of the run: the `{"summary":{...}}` NDJSON object on stdout with `--json`, else
/// (unless quiet) the summary for humans on stderr.
pub fn print_summary(
    summary: &DeliveryTotals,
    url: &str,
    json: bool,
    quiet: bool,
    interrupted: bool,
) -> Result<()> {
    if json {
        let mut out = std::io::stdout().lock();
        serde_json::to_writer(&mut out, &sending::summary_json(summary, interrupted))
            .map_err(|e| Error::from(std::io::Error::from(e)))?;
        writeln!(out)?;
        out.flush()?;
    } else if !quiet {
        eprint!("{}", human_summary(summary, url));
    }
    Ok(())
}

/// The end-of-run summary for humans (stderr).
fn human_summary(s: &DeliveryTotals, url: &str) -> String {
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
pub fn verdict(s: &DeliveryTotals, total: u64, interrupted: bool) -> Result<ExitCode> {
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
        Some("tls") if first.contains(tls::SELF_SIGNED_CA) => tls::SELF_SIGNED_CA_FIX.to_string(),
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
    fn durations_for_humans() {
        assert_eq!(fmt_duration(Duration::from_micros(1234)), "1.2 ms");
        assert_eq!(fmt_duration(Duration::from_millis(2500)), "2.50 s");
    }
}
