//! Running the lint checks against an endpoint: one pre-flight connection (`probe`) for the
//! TLS facts, each check's probes (status-only probes through `delivery`, timed latency
//! probes through `probe`), and what came back handed to the pure `check_*` rules
//! ([`super::rules`], [`super::preflight`]).
//!
//! Knows nothing of the CLI or printing: progress is reported to the caller's callback, and
//! the [`LintReport`] is the caller's to print (`lint`, `demo`).

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use crate::error::{Error, Result};
use crate::http::delivery::{self, ClientOptions, Method};
use crate::http::probe::{self, Endpoint, Preflight, ProbeConfig, ProbeFailure, TrustStore};
use crate::linting::checks::{CheckId, CheckResult};
use crate::linting::observed::{self, ProbeOutcome, ProbeSample};
use crate::linting::preflight::{self, Gate};
use crate::linting::probes;
use crate::linting::report::LintReport;
use crate::linting::rules::{self, LatencyLimits};
use crate::webhook::fixtures::TokenSource;
use crate::webhook::secret::Secret;
use crate::webhook::signature;

/// What to check and how.
#[derive(Debug)]
pub struct LintOptions {
    pub target: Endpoint,
    /// The checks to run, in order (see [`super::checks::select`]).
    pub checks: Vec<CheckId>,
    pub secret: Option<Secret>,
    /// Enables the handshake check.
    pub verify_token: Option<String>,
    /// Plain HTTP on a loopback host is a warning instead of a failure.
    pub allow_http: bool,
    /// Signed latency probes (1..).
    pub probes: u32,
    /// Per probe.
    pub timeout: Duration,
    /// Warn when p50 or p95 latency exceeds it.
    pub budget: Option<Duration>,
    pub ca_cert: Option<PathBuf>,
    pub insecure: bool,
}

/// A progress note for the caller to show (or not).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Progress<'a> {
    /// Steps and warnings: connecting, each latency probe, each check's result.
    Line(&'a str),
    /// Every answer, labelled (worth showing with -v).
    Detail(&'a str),
}

/// Run `opts.checks` against `opts.target`, calling `progress` as they go.
pub fn run(opts: &LintOptions, progress: &dyn Fn(Progress<'_>)) -> Result<LintReport> {
    let net = if opts.checks.iter().any(|c| c.needs_network()) {
        Some(Net::open(opts, progress)?)
    } else {
        None
    };
    let unsigned: Vec<&str> = opts
        .checks
        .iter()
        .filter(|c| c.needs_secret() && opts.secret.is_none())
        .map(|c| c.as_str())
        .collect();
    if !unsigned.is_empty() {
        progress(Progress::Line(&format!(
            "warning: no webhook secret: {} of {} checks will not run ({}); {}",
            unsigned.len(),
            opts.checks.len(),
            unsigned.join(", "),
            rules::secret_hint()
        )));
    }
    let mut runner = Runner {
        opts,
        tokens: TokenSource::new(),
        progress,
        net,
        seen: Vec::new(),
        compact: None,
        python: None,
        samples: Vec::new(),
    };
    let selected = &opts.checks;
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
        progress(Progress::Line(&format!(
            "[{}/{}] {}: {} ({})",
            i + 1,
            selected.len(),
            id.as_str(),
            r.status.as_str(),
            observed::fmt_ms(r.duration)
        )));
        checks.push(r);
    }
    Ok(LintReport {
        url: opts.target.url.clone(),
        checks,
        samples: runner.samples,
    })
}

/// The connection side: resolved addresses, the pre-flight result and both clients.
struct Net {
    addrs: Vec<SocketAddr>,
    opened: std::result::Result<Preflight, ProbeFailure>,
    gate: Gate,
    probe_cfg: ProbeConfig,
    client: delivery::Client,
}

impl Net {
    fn open(opts: &LintOptions, progress: &dyn Fn(Progress<'_>)) -> Result<Net> {
        let (target, timeout) = (&opts.target, opts.timeout);
        let addrs = target.resolve()?;
        let trust = if target.https {
            TrustStore::load(opts.ca_cert.as_deref())?
        } else {
            TrustStore::empty()
        };
        if opts.insecure {
            progress(Progress::Line(
                "warning: --insecure: probes are sent even when the certificate is not trusted (the tls check still reports it)",
            ));
        }
        let trust = Arc::new(trust);
        // The status-only probes trust the same roots: the CA bundle is loaded once per run.
        let client = delivery::Client::with_trust(
            &ClientOptions {
                timeout,
                ca_cert: opts.ca_cert.clone(),
                insecure: opts.insecure,
            },
            target.https.then(|| trust.clone()),
        )?;
        progress(Progress::Line(&format!(
            "connecting to {} …",
            target.authority()
        )));
        let preflight = ProbeConfig {
            timeout,
            trust: trust.clone(),
            require_trusted: false,
        };
        let opened = probe::open(target, &addrs, &preflight);
        let gate = preflight::gate(&opened, opts.insecure);
        match &gate {
            Gate::Open => {}
            Gate::NoConnection(m) => progress(Progress::Line(&format!("warning: {m}"))),
            Gate::Untrusted(why) => progress(Progress::Line(&format!(
                "warning: the certificate is not trusted ({why}); checks that send events are skipped (--insecure runs them)"
            ))),
        }
        Ok(Net {
            addrs,
            opened,
            gate,
            probe_cfg: ProbeConfig {
                timeout,
                trust,
                require_trusted: !opts.insecure,
            },
            client,
        })
    }
}

struct Runner<'a> {
    opts: &'a LintOptions,
    tokens: TokenSource,
    progress: &'a dyn Fn(Progress<'_>),
    net: Option<Net>,
    /// Every answer so far, labelled, for the redirect check.
    seen: Vec<(String, ProbeOutcome)>,
    /// How a correctly signed compact event fared (reachable; raw-body compares with it).
    compact: Option<ProbeOutcome>,
    /// How a correctly signed event in Python's `json.dumps` style fared, once sent.
    python: Option<ProbeOutcome>,
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
            return Ok(rules::check_https(&self.opts.target, self.opts.allow_http));
        }
        let Some(net) = &self.net else {
            unreachable!("network checks have a connection set up");
        };
        if id == CheckId::Tls {
            let opened = self.opts.target.https.then_some(&net.opened);
            return Ok(preflight::check_tls(&self.opts.target, opened, now_unix()));
        }
        if let Some(r) = preflight::gated(id, &net.gate) {
            return Ok(r);
        }
        if id.needs_secret() && self.opts.secret.is_none() {
            return Ok(rules::missing_secret(id));
        }
        let t = self.opts.timeout;
        Ok(match id {
            CheckId::Reachable => {
                let o = self.compact_outcome()?;
                let r = rules::check_reachable(&o, t);
                self.reserialized(id, &o)?
                    .unwrap_or(r)
                    .detail("response", observed::outcome_json(&o))
            }
            CheckId::Latency => self.latency()?,
            CheckId::RejectsUnsigned => {
                let body = probes::compact_event(&mut self.tokens)?;
                let o = self.post("rejects-unsigned", body, None);
                rules::check_rejects_unsigned(&o, t)
            }
            CheckId::RejectsForged => {
                let wrong: String = (0..32).map(|_| fastrand::alphanumeric()).collect();
                let body = probes::compact_event(&mut self.tokens)?;
                let sig = signature::sign(wrong.as_bytes(), &body);
                let a = self.post("rejects-forged (wrong secret)", body, Some(sig));
                if self.opts.secret.is_none() {
                    return Ok(rules::check_rejects_forged_without_secret(&a, t));
                }
                let body = probes::compact_event(&mut self.tokens)?;
                let sig = self.sign(&body);
                let b = self.post(
                    "rejects-forged (modified body)",
                    probes::modified_event(&body),
                    Some(sig),
                );
                rules::check_rejects_forged(&a, &b, t)
            }
            CheckId::RawBody => {
                let body = probes::escaped_event(&probes::compact_event(&mut self.tokens)?);
                let sig = self.sign(&body);
                let o = self.post("raw-body", body, Some(sig));
                if matches!(&o, Ok(a) if a.status == 401 || a.status == 403) {
                    let _compact = self.compact_outcome()?;
                }
                let r = rules::check_raw_body(&o, self.compact.as_ref(), t);
                // Both refused reads like a wrong secret: tell a re-serializing verifier apart.
                let compact = self.compact.clone();
                match compact {
                    Some(c) if matches!(&c, Ok(a) if a.status == 401 || a.status == 403) => {
                        match self.reserialized(id, &o)? {
                            Some(mut d) => {
                                d.details.extend(r.details);
                                d
                            }
                            None => r,
                        }
                    }
                    _ => r,
                }
            }
            CheckId::Handshake => match self.opts.verify_token.clone() {
                None => rules::missing_verify_token(),
                Some(token) => {
                    let challenge = fastrand::u32(1_000_000..u32::MAX).to_string();
                    let good = self.handshake("handshake", &token, &challenge)?;
                    let wrong_token = format!("{token}-wrong-{}", fastrand::u32(..));
                    let wrong =
                        self.handshake("handshake (wrong token)", &wrong_token, &challenge)?;
                    rules::check_handshake(&good, &challenge, &wrong, t)
                }
            },
            CheckId::Duplicates => {
                let body = probes::compact_event(&mut self.tokens)?;
                let sig = self.sign(&body);
                let a = self.post("duplicates (first)", body.clone(), Some(sig.clone()));
                let b = self.post("duplicates (again)", body, Some(sig));
                rules::check_duplicates(&a, &b, t)
            }
            CheckId::Malformed => {
                let body = probes::MALFORMED_BODY.to_vec();
                let sig = self.sign(&body);
                let o = self.post("malformed", body, Some(sig));
                rules::check_malformed(&o, t)
            }
            CheckId::UsernameOnly => {
                let body = probes::username_only_event(&mut self.tokens)?;
                let sig = self.sign(&body);
                let o = self.post("username-only", body, Some(sig));
                rules::check_username_only(&o, t)
            }
            CheckId::Redirect => {
                if self.seen.is_empty() {
                    let body = probes::compact_event(&mut self.tokens)?;
                    let sig = self
                        .opts
                        .secret
                        .as_ref()
                        .map(|s| signature::sign(s.as_bytes(), &body));
                    let _answer = self.post("redirect probe", body, sig);
                }
                rules::check_redirect(&self.seen)
            }
            CheckId::Https | CheckId::Tls => unreachable!("handled above"),
        })
    }

    fn sign(&self, body: &[u8]) -> String {
        let secret = self
            .opts
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
    fn post(&mut self, label: &str, body: Vec<u8>, sig: Option<String>) -> ProbeOutcome {
        let mut headers = vec![("Content-Type".to_string(), "application/json".to_string())];
        if let Some(sig) = sig {
            headers.push((signature::HEADER_SHA256.to_string(), sig));
        }
        let req = delivery::Request {
            method: Method::Post,
            url: self.opts.target.url.clone(),
            headers,
            body,
        };
        let o = observed::outcome_of_delivery(self.net().client.execute(&req));
        self.record(label, &o);
        o
    }

    fn record(&mut self, label: &str, o: &ProbeOutcome) {
        (self.progress)(Progress::Detail(&format!(
            "    {label}: {}",
            observed::describe(o)
        )));
        self.seen.push((label.to_string(), o.clone()));
    }

    fn compact_outcome(&mut self) -> Result<ProbeOutcome> {
        if let Some(o) = &self.compact {
            return Ok(o.clone());
        }
        let body = probes::compact_event(&mut self.tokens)?;
        let sig = self.sign(&body);
        let o = self.post("reachable", body, Some(sig));
        self.compact = Some(o.clone());
        Ok(o)
    }

    /// When `rejected` (a correctly signed event) was refused with 401/403: send the same kind
    /// of event as Python's `json.dumps` writes it, once per run, and if that is accepted,
    /// the verdict that the endpoint verifies a re-serialized body.
    fn reserialized(
        &mut self,
        id: CheckId,
        rejected: &ProbeOutcome,
    ) -> Result<Option<CheckResult>> {
        if !matches!(rejected, Ok(a) if a.status == 401 || a.status == 403) {
            return Ok(None);
        }
        let python = match &self.python {
            Some(o) => o.clone(),
            None => {
                let body = probes::python_event(&probes::compact_event(&mut self.tokens)?);
                let sig = self.sign(&body);
                let o = self.post("re-serialized (json.dumps style)", body, Some(sig));
                self.python = Some(o.clone());
                o
            }
        };
        Ok(rules::check_reserialized(id, rejected, &python))
    }

    fn handshake(&mut self, label: &str, token: &str, challenge: &str) -> Result<ProbeOutcome> {
        let mut url = reqwest::Url::parse(&self.opts.target.url)
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
        let o = observed::outcome_of_delivery(self.net().client.execute(&req));
        self.record(label, &o);
        Ok(o)
    }

    /// `--probes` signed POSTs, each on a fresh connection, timed phase by phase.
    fn latency(&mut self) -> Result<CheckResult> {
        let n = self.opts.probes;
        for i in 1..=n {
            let body = probes::compact_event(&mut self.tokens)?;
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
            let sample = observed::sample_of_probe(probe::request(
                &self.opts.target,
                &net.addrs,
                &net.probe_cfg,
                &req,
            ));
            (self.progress)(Progress::Line(&format!(
                "    latency probe {i}/{n}: {} in {}",
                observed::describe(&sample.outcome),
                observed::fmt_ms(sample.timings.total)
            )));
            self.seen
                .push((format!("latency probe {i}"), sample.outcome.clone()));
            self.samples.push(sample);
        }
        Ok(rules::check_latency(
            &self.samples,
            LatencyLimits {
                timeout: self.opts.timeout,
                budget: self.opts.budget,
            },
        ))
    }
}
