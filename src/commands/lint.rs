//! `cmzon-hook lint [URL]`: will CMzon be able to deliver to this endpoint, and is it safe?
//!
//! Wires the pieces: resolves the URL, opens one pre-flight connection (`probe`) for the TLS
//! facts, sends each check's probes (status-only probes through `delivery`, timed latency
//! probes through `probe`), hands what came back to the pure `lint::check_*` rules, and prints
//! the report (human table, `--json`, `--junit FILE`). Progress goes to stderr.

use std::io::Write;
use std::net::SocketAddr;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use crate::cli::LintArgs;
use crate::config::ENV_URL;
use crate::delivery::{self, ClientOptions, Method};
use crate::error::{Error, Result};
use crate::fixtures::TokenSource;
use crate::lint::{self, CheckId, CheckResult, Gate, LatencyLimits, Outcome, ProbeSample, Report};
use crate::output::Verbosity;
use crate::probe::{self, Opened, ProbeConfig, ProbeFailure, Target, TrustStore};
use crate::secret::{self, Secret};
use crate::signature;

/// Most latency probes one run sends.
pub const MAX_PROBES: u32 = 1000;

pub fn run(args: &LintArgs, verbosity: Verbosity) -> Result<ExitCode> {
    let url = resolve_url(args.url.as_deref(), std::env::var(ENV_URL).ok())?;
    let target = Target::parse(&url)?;
    let selected = lint::select(&args.only, &args.skip)?;
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

    let progress = Progress {
        on: !verbosity.quiet,
        verbose: verbosity.verbose > 0,
    };
    let net = if selected.iter().any(|c| c.needs_network()) {
        Some(Net::open(&target, args, timeout, &progress)?)
    } else {
        None
    };
    let mut runner = Runner {
        args,
        target: &target,
        secret,
        timeout,
        tokens: TokenSource::new(),
        progress,
        net,
        seen: Vec::new(),
        compact: None,
        samples: Vec::new(),
    };
    let mut checks = Vec::with_capacity(selected.len());
    for (i, id) in selected.iter().enumerate() {
        let start = Instant::now();
        let mut r = runner.check(*id)?;
        r.duration = start.elapsed();
        if let (CheckId::Tls, Some(net)) = (id, &runner.net) {
            // The handshake happened in the pre-flight connection.
            r.duration += match &net.opened {
                Ok(o) => o.timings.total,
                Err(f) => f.timings.total,
            };
        }
        runner.progress.line(&format!(
            "[{}/{}] {}: {} ({})",
            i + 1,
            selected.len(),
            id.as_str(),
            r.status.as_str(),
            lint::fmt_ms(r.duration)
        ));
        checks.push(r);
    }
    let report = Report {
        url: target.url.clone(),
        checks,
        samples: runner.samples,
    };

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
    match arg
        .map(str::to_string)
        .or(env.filter(|v| !v.trim().is_empty()))
    {
        Some(u) => Ok(u),
        None => Err(Error::usage("no endpoint URL given").with_hint(format!(
            "pass the URL, e.g. `cmzon-hook lint https://example.com/webhook`, or set {ENV_URL}"
        ))),
    }
}

struct Progress {
    on: bool,
    verbose: bool,
}

impl Progress {
    fn line(&self, text: &str) {
        if self.on {
            let _ = writeln!(std::io::stderr().lock(), "{text}");
        }
    }
    fn detail(&self, text: &str) {
        if self.on && self.verbose {
            self.line(text);
        }
    }
}

/// The connection side: resolved addresses, the pre-flight result and both clients.
struct Net {
    addrs: Vec<SocketAddr>,
    opened: std::result::Result<Opened, ProbeFailure>,
    gate: Gate,
    probe_cfg: ProbeConfig,
    client: delivery::Client,
}

impl Net {
    fn open(
        target: &Target,
        args: &LintArgs,
        timeout: Duration,
        progress: &Progress,
    ) -> Result<Net> {
        let addrs = target.resolve()?;
        let trust = if target.https {
            TrustStore::load(args.tls.ca_cert.as_deref())?
        } else {
            TrustStore::empty()
        };
        if args.tls.insecure {
            progress.line(
                "warning: --insecure: probes are sent even when the certificate is not trusted (the tls check still reports it)",
            );
        }
        let client = delivery::Client::new(&ClientOptions {
            timeout,
            ca_cert: args.tls.ca_cert.clone(),
            insecure: args.tls.insecure,
        })?;
        progress.line(&format!("connecting to {} …", target.authority()));
        let trust = Arc::new(trust);
        let preflight = ProbeConfig {
            timeout,
            trust: trust.clone(),
            require_trusted: false,
        };
        let opened = probe::open(target, &addrs, &preflight);
        let gate = lint::gate(&opened, args.tls.insecure);
        match &gate {
            Gate::Open => {}
            Gate::NoConnection(m) => progress.line(&format!("warning: {m}")),
            Gate::Untrusted(why) => progress.line(&format!(
                "warning: the certificate is not trusted ({why}); checks that send events are skipped (--insecure runs them)"
            )),
        }
        Ok(Net {
            addrs,
            opened,
            gate,
            probe_cfg: ProbeConfig {
                timeout,
                trust,
                require_trusted: !args.tls.insecure,
            },
            client,
        })
    }
}

struct Runner<'a> {
    args: &'a LintArgs,
    target: &'a Target,
    secret: Option<Secret>,
    timeout: Duration,
    tokens: TokenSource,
    progress: Progress,
    net: Option<Net>,
    /// Every answer so far, labelled, for the redirect check.
    seen: Vec<(String, Outcome)>,
    /// How a correctly signed compact event fared (reachable; raw-body compares with it).
    compact: Option<Outcome>,
    samples: Vec<ProbeSample>,
}

fn now_unix() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

impl Runner<'_> {
    fn check(&mut self, id: CheckId) -> Result<CheckResult> {
        if id == CheckId::Https {
            return Ok(lint::check_https(self.target, self.args.allow_http));
        }
        let Some(net) = &self.net else {
            unreachable!("network checks have a connection set up");
        };
        if id == CheckId::Tls {
            let opened = self.target.https.then_some(&net.opened);
            return Ok(lint::check_tls(self.target, opened, now_unix()));
        }
        if let Some(r) = lint::gated(id, &net.gate) {
            return Ok(r);
        }
        if id.needs_secret() && self.secret.is_none() {
            return Ok(lint::missing_secret(id));
        }
        let t = self.timeout;
        Ok(match id {
            CheckId::Reachable => {
                let o = self.compact_outcome()?;
                lint::check_reachable(&o, t)
            }
            CheckId::Latency => self.latency()?,
            CheckId::RejectsUnsigned => {
                let body = lint::compact_event(&mut self.tokens)?;
                let o = self.post("rejects-unsigned", body, None);
                lint::check_rejects_unsigned(&o, t)
            }
            CheckId::RejectsForged => {
                let wrong: String = (0..32).map(|_| fastrand::alphanumeric()).collect();
                let body = lint::compact_event(&mut self.tokens)?;
                let sig = signature::sign(wrong.as_bytes(), &body);
                let a = self.post("rejects-forged (wrong secret)", body, Some(sig));
                let body = lint::compact_event(&mut self.tokens)?;
                let sig = self.sign(&body);
                let b = self.post(
                    "rejects-forged (modified body)",
                    lint::modified_event(&body),
                    Some(sig),
                );
                lint::check_rejects_forged(&a, &b, t)
            }
            CheckId::RawBody => {
                let body = lint::escaped_event(&lint::compact_event(&mut self.tokens)?);
                let sig = self.sign(&body);
                let o = self.post("raw-body", body, Some(sig));
                if matches!(&o, Ok(a) if a.status == 401 || a.status == 403) {
                    let _compact = self.compact_outcome()?;
                }
                lint::check_raw_body(&o, self.compact.as_ref(), t)
            }
            CheckId::Handshake => match self.args.verify_token.clone() {
                None => lint::missing_verify_token(),
                Some(token) => {
                    let challenge = fastrand::u32(1_000_000..u32::MAX).to_string();
                    let good = self.handshake("handshake", &token, &challenge)?;
                    let wrong_token = format!("{token}-wrong-{}", fastrand::u32(..));
                    let wrong =
                        self.handshake("handshake (wrong token)", &wrong_token, &challenge)?;
                    lint::check_handshake(&good, &challenge, &wrong, t)
                }
            },
            CheckId::Duplicates => {
                let body = lint::compact_event(&mut self.tokens)?;
                let sig = self.sign(&body);
                let a = self.post("duplicates (first)", body.clone(), Some(sig.clone()));
                let b = self.post("duplicates (again)", body, Some(sig));
                lint::check_duplicates(&a, &b, t)
            }
            CheckId::Malformed => {
                let body = lint::MALFORMED_BODY.to_vec();
                let sig = self.sign(&body);
                let o = self.post("malformed", body, Some(sig));
                lint::check_malformed(&o, t)
            }
            CheckId::Redirect => {
                if self.seen.is_empty() {
                    let body = lint::compact_event(&mut self.tokens)?;
                    let sig = self
                        .secret
                        .as_ref()
                        .map(|s| signature::sign(s.as_bytes(), &body));
                    let _answer = self.post("redirect probe", body, sig);
                }
                lint::check_redirect(&self.seen)
            }
            CheckId::Https | CheckId::Tls => unreachable!("handled above"),
        })
    }

    fn sign(&self, body: &[u8]) -> String {
        let secret = self
            .secret
            .as_ref()
            .map(Secret::as_bytes)
            .unwrap_or_default();
        signature::sign(secret, body)
    }

    fn net(&self) -> &Net {
        self.net
            .as_ref()
            .expect("network checks have a connection set up")
    }

    /// POST through `delivery`, as a sender would; `sig` is the X-Hub-Signature-256 value.
    fn post(&mut self, label: &str, body: Vec<u8>, sig: Option<String>) -> Outcome {
        let mut headers = vec![("Content-Type".to_string(), "application/json".to_string())];
        if let Some(sig) = sig {
            headers.push((signature::HEADER_SHA256.to_string(), sig));
        }
        let req = delivery::Request {
            method: Method::Post,
            url: self.target.url.clone(),
            headers,
            body,
        };
        let o = lint::outcome_of_delivery(self.net().client.execute(&req));
        self.record(label, &o);
        o
    }

    fn record(&mut self, label: &str, o: &Outcome) {
        self.progress
            .detail(&format!("    {label}: {}", lint::describe(o)));
        self.seen.push((label.to_string(), o.clone()));
    }

    fn compact_outcome(&mut self) -> Result<Outcome> {
        if let Some(o) = &self.compact {
            return Ok(o.clone());
        }
        let body = lint::compact_event(&mut self.tokens)?;
        let sig = self.sign(&body);
        let o = self.post("reachable", body, Some(sig));
        self.compact = Some(o.clone());
        Ok(o)
    }

    fn handshake(&mut self, label: &str, token: &str, challenge: &str) -> Result<Outcome> {
        let mut url = reqwest::Url::parse(&self.target.url)
            .map_err(|e| Error::usage(format!("not a valid URL: {e}")))?;
        url.query_pairs_mut()
            .append_pair("hub.mode", "subscribe")
            .append_pair("hub.verify_token", token)
            .append_pair("hub.challenge", challenge);
        let req = delivery::Request {
            method: Method::Get,
            url: url.to_string(),
            headers: Vec::new(),
            body: Vec::new(),
        };
        let o = lint::outcome_of_delivery(self.net().client.execute(&req));
        self.record(label, &o);
        Ok(o)
    }

    /// `--probes` signed POSTs, each on a fresh connection, timed phase by phase.
    fn latency(&mut self) -> Result<CheckResult> {
        let n = self.args.probes;
        for i in 1..=n {
            let body = lint::compact_event(&mut self.tokens)?;
            let req = probe::HttpRequest {
                method: Method::Post,
                path: String::new(),
                headers: vec![
                    ("Content-Type".into(), "application/json".into()),
                    (signature::HEADER_SHA256.into(), self.sign(&body)),
                ],
                body,
            };
            let net = self.net();
            let sample = lint::sample_of_probe(probe::request(
                self.target,
                &net.addrs,
                &net.probe_cfg,
                &req,
            ));
            self.progress.line(&format!(
                "    latency probe {i}/{n}: {} in {}",
                lint::describe(&sample.outcome),
                lint::fmt_ms(sample.timings.total)
            ));
            self.seen
                .push((format!("latency probe {i}"), sample.outcome.clone()));
            self.samples.push(sample);
        }
        Ok(lint::check_latency(
            &self.samples,
            LatencyLimits {
                timeout: self.timeout,
                budget: self.args.budget.map(Duration::from_millis),
            },
        ))
    }
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
