//! The pre-flight connection's checks: `tls` (chain, validity, host name, expiry) and the
//! gate it sets for every check that sends an event (no connection, or an untrusted
//! certificate without `--insecure`).

use serde_json::{json, Map};

use super::checks::{CheckId, CheckResult};
use super::rules::CONNECT_HINT;
use crate::http::probe::{CertProblem, Endpoint, Preflight, ProbeFailure};
use crate::http::tls;

/// Warn when the certificate expires within this many days.
pub const EXPIRY_WARN_DAYS: i64 = 14;

/// Civil date (UTC) of a Unix time: `2026-01-31`.
pub fn date(unix: i64) -> String {
    // Howard Hinnant's days-to-civil.
    let z = unix.div_euclid(86_400) + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}-{m:02}-{d:02}")
}

/// RFC 3339 UTC timestamp of a Unix time.
pub fn timestamp(unix: i64) -> String {
    let s = unix.rem_euclid(86_400);
    format!(
        "{}T{:02}:{:02}:{:02}Z",
        date(unix),
        s / 3600,
        (s / 60) % 60,
        s % 60
    )
}

/// `tls`: a trusted chain, valid now and for the host, not self-signed, not about to expire.
/// `opened` is the pre-flight connection (`None` for plain HTTP). `now` is Unix seconds.
pub fn check_tls(
    target: &Endpoint,
    opened: Option<&std::result::Result<Preflight, ProbeFailure>>,
    now: i64,
) -> CheckResult {
    let id = CheckId::Tls;
    let Some(opened) = opened.filter(|_| target.https) else {
        return CheckResult::skip(
            id,
            "not an HTTPS URL (see the https check)",
            "use an https:// URL",
        );
    };
    let report = match opened {
        Ok(o) => o.tls.clone().unwrap_or_default(),
        Err(f) => match &f.tls {
            Some(r) => (**r).clone(),
            None => {
                return CheckResult::fail(id, f.message.clone(), CONNECT_HINT)
                    .detail("error", f.message.as_str())
            }
        },
    };
    let host = target.host.as_str();
    let mut problems: Vec<(String, &str)> = Vec::new();
    let leaf = report.chain.first();
    let mut details = Map::new();
    details.insert("protocol".into(), json!(report.protocol));
    details.insert("cipher_suite".into(), json!(report.cipher_suite));
    details.insert("chain_length".into(), json!(report.chain.len()));
    if let Some(leaf) = leaf {
        details.insert("subject".into(), json!(leaf.subject));
        details.insert("issuer".into(), json!(leaf.issuer));
        details.insert("names".into(), json!(leaf.names));
        details.insert("not_before".into(), json!(timestamp(leaf.not_before)));
        details.insert("not_after".into(), json!(timestamp(leaf.not_after)));
        details.insert(
            "days_left".into(),
            json!((leaf.not_after - now).div_euclid(86_400)),
        );
        details.insert("self_signed".into(), json!(leaf.self_signed));
    }
    details.insert(
        "chain_error".into(),
        json!(report.chain_error.as_ref().map(|p| p.as_str().to_string())),
    );
    details.insert(
        "name_error".into(),
        json!(report.name_error.as_ref().map(|p| p.as_str().to_string())),
    );
    details.insert("trusted".into(), json!(report.trusted()));

    if let Some(e) = &report.handshake_error {
        if report.chain.is_empty() || report.chain_error.is_none() && report.name_error.is_none() {
            problems.push((
                e.clone(),
                "check the server's TLS setup: TLS 1.2 or 1.3 with a certificate for this host",
            ));
        }
    }
    // A self-signed certificate that is its own CA, trusted with --ca-cert: one explanation.
    let self_signed_ca = matches!(
        &report.chain_error,
        Some(CertProblem::Other(m)) if m == tls::SELF_SIGNED_CA
    );
    if let Some(leaf) = leaf {
        if leaf.self_signed && !self_signed_ca {
            problems.push((
                format!(
                    "self-signed certificate ({}); the sender does not accept self-signed certificates",
                    leaf.subject
                ),
                "use a certificate from a public CA (e.g. Let's Encrypt)",
            ));
        }
        if leaf.not_after < now || report.chain_error == Some(CertProblem::Expired) {
            let days = (now - leaf.not_after).div_euclid(86_400);
            problems.push((
                format!(
                    "certificate expired on {} ({days} days ago)",
                    date(leaf.not_after)
                ),
                "renew the certificate and automate renewal (e.g. certbot renew)",
            ));
        } else if leaf.not_before > now || report.chain_error == Some(CertProblem::NotYetValid) {
            problems.push((
                format!("certificate is not valid before {}", date(leaf.not_before)),
                "check the server's clock and the certificate's validity dates",
            ));
        }
        if report.name_error.is_some() {
            let names = if leaf.names.is_empty() {
                "no subjectAltName".to_string()
            } else {
                format!("it is for {}", leaf.names.join(", "))
            };
            problems.push((
                format!("certificate is not valid for {host} ({names})"),
                "serve a certificate whose subjectAltName includes the endpoint's host name",
            ));
        }
        match &report.chain_error {
            None | Some(CertProblem::Expired) | Some(CertProblem::NotYetValid) => {}
            Some(CertProblem::UnknownIssuer) if leaf.self_signed => {}
            Some(CertProblem::Other(m)) if self_signed_ca => {
                problems.push((m.clone(), tls::SELF_SIGNED_CA_FIX))
            }
            Some(CertProblem::UnknownIssuer) => problems.push((
                format!(
                    "certificate chain is not trusted: unknown issuer {}",
                    leaf.issuer
                ),
                "serve the full chain (leaf + intermediates) from a public CA; for a private CA pass --ca-cert FILE",
            )),
            Some(p) => problems.push((
                format!("certificate rejected: {}", p.as_str()),
                "serve a valid certificate chain from a public CA",
            )),
        }
    } else if report.handshake_error.is_none() {
        problems.push((
            "the server sent no certificate".into(),
            "configure a certificate for this host on the server",
        ));
    }

    let mut result = if !problems.is_empty() {
        let message = problems
            .iter()
            .map(|(m, _)| m.as_str())
            .collect::<Vec<_>>()
            .join("; ");
        let mut hints: Vec<&str> = Vec::new();
        for (_, h) in &problems {
            if !hints.contains(h) {
                hints.push(h);
            }
        }
        CheckResult::fail(id, message, hints.join("; "))
    } else {
        let leaf = leaf.expect("a chain without problems has a leaf");
        let days = (leaf.not_after - now).div_euclid(86_400);
        let protocol = report.protocol.as_deref().unwrap_or("TLS");
        if days < EXPIRY_WARN_DAYS {
            CheckResult::warn(
                id,
                format!(
                    "certificate expires in {days} days ({}), issued by {}, {protocol}",
                    date(leaf.not_after),
                    leaf.issuer
                ),
                "renew the certificate now and automate renewal (e.g. certbot renew)",
            )
        } else {
            CheckResult::pass(
                id,
                format!(
                    "valid for {host} until {} ({days} days), issued by {}, {protocol}",
                    date(leaf.not_after),
                    leaf.issuer
                ),
            )
        }
    };
    result.details = details;
    result
}

/// Where the network checks stand after the pre-flight connection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Gate {
    /// Probe away.
    Open,
    /// No connection (or no TLS session): every network check fails with this message.
    NoConnection(String),
    /// The certificate is not trusted and `--insecure` was not given: probes are not sent.
    Untrusted(String),
}

/// The gate the pre-flight connection sets (`insecure`: an untrusted certificate does not close it).
pub fn gate(opened: &std::result::Result<Preflight, ProbeFailure>, insecure: bool) -> Gate {
    match opened {
        Err(f) => Gate::NoConnection(f.message.clone()),
        Ok(o) => match &o.tls {
            Some(r) if !r.trusted() && !insecure => {
                // Short reasons: the tls check gives the whole explanation, once.
                let mut why: Vec<&str> = Vec::new();
                if let Some(p) = &r.chain_error {
                    why.push(p.short());
                }
                if let Some(p) = &r.name_error {
                    why.push(p.short());
                }
                Gate::Untrusted(why.join(", "))
            }
            _ => Gate::Open,
        },
    }
}

/// The result a network check gets when the gate is closed.
pub fn gated(id: CheckId, gate: &Gate) -> Option<CheckResult> {
    match gate {
        Gate::Open => None,
        Gate::NoConnection(m) => Some(CheckResult::fail(id, m.clone(), CONNECT_HINT)),
        Gate::Untrusted(why) => Some(CheckResult::skip(
            id,
            format!(
                "not run: the certificate is not trusted ({why}), so a sender would not deliver"
            ),
            "fix the certificate (see the tls check), or pass --insecure to run this check anyway",
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::delivery::FailureKind;
    use crate::http::probe::{CertInfo, Timings, TlsReport};
    use crate::linting::checks::CheckStatus;
    use crate::linting::testkit::*;

    const NOW: i64 = 1_750_000_000; // 2025-06-15

    fn leaf(not_after: i64) -> CertInfo {
        CertInfo {
            subject: "CN=example.com".into(),
            issuer: "CN=Some CA".into(),
            not_before: NOW - 86_400 * 30,
            not_after,
            self_signed: false,
            is_ca: false,
            names: vec!["example.com".into()],
        }
    }

    fn opened(r: TlsReport) -> std::result::Result<Preflight, ProbeFailure> {
        Ok(Preflight {
            timings: Timings::default(),
            tls: Some(r),
        })
    }

    fn report(chain: Vec<CertInfo>) -> TlsReport {
        TlsReport {
            protocol: Some("TLSv1.3".into()),
            cipher_suite: Some("TLS13_AES_128_GCM_SHA256".into()),
            chain,
            ..Default::default()
        }
    }

    #[test]
    fn tls_verdicts() {
        let t = target("https://example.com/hook");
        let good = opened(report(vec![leaf(NOW + 86_400 * 90)]));
        let r = check_tls(&t, Some(&good), NOW);
        assert_eq!(r.status, CheckStatus::Pass, "{r:?}");
        assert!(r.message.contains("CN=Some CA") && r.message.contains("TLSv1.3"));
        assert!(r.message.contains("2025-09-13"), "{}", r.message);
        assert_eq!(r.details["days_left"], json!(90));

        let soon = opened(report(vec![leaf(NOW + 86_400 * 5)]));
        let r = check_tls(&t, Some(&soon), NOW);
        assert_eq!(r.status, CheckStatus::Warn);
        assert!(r.message.contains("expires in 5 days"));

        let mut rep = report(vec![leaf(NOW - 86_400 * 3)]);
        rep.chain_error = Some(CertProblem::Expired);
        let r = check_tls(&t, Some(&opened(rep)), NOW);
        assert_eq!(r.status, CheckStatus::Fail);
        assert!(r.message.contains("expired on 2025-06-12"), "{}", r.message);

        let mut rep = report(vec![leaf(NOW + 86_400 * 90)]);
        rep.name_error = Some(CertProblem::NotValidForName);
        let r = check_tls(&t, Some(&opened(rep)), NOW);
        assert_eq!(r.status, CheckStatus::Fail);
        assert!(r
            .message
            .contains("not valid for example.com (it is for example.com)"));

        let mut self_signed = leaf(NOW + 86_400 * 90);
        self_signed.self_signed = true;
        let mut rep = report(vec![self_signed]);
        rep.chain_error = Some(CertProblem::UnknownIssuer);
        let r = check_tls(&t, Some(&opened(rep)), NOW);
        assert_eq!(r.status, CheckStatus::Fail);
        assert!(
            r.message.starts_with("self-signed certificate"),
            "{}",
            r.message
        );
        assert!(!r.message.contains("unknown issuer"));

        let mut rep = report(vec![leaf(NOW + 86_400 * 90)]);
        rep.chain_error = Some(CertProblem::UnknownIssuer);
        let r = check_tls(&t, Some(&opened(rep)), NOW);
        assert!(r.message.contains("unknown issuer CN=Some CA"));
        assert!(r.hint.as_deref().unwrap().contains("--ca-cert"));

        let refused: std::result::Result<Preflight, ProbeFailure> = Err(ProbeFailure {
            kind: FailureKind::Connect,
            message: "cannot connect to example.com:443: refused".into(),
            timings: Timings::default(),
            tls: None,
        });
        let r = check_tls(&t, Some(&refused), NOW);
        assert_eq!(r.status, CheckStatus::Fail);

        let r = check_tls(&target("http://127.0.0.1/"), None, NOW);
        assert_eq!(r.status, CheckStatus::Skip);
    }

    #[test]
    fn gate_decisions() {
        let mut rep = report(vec![leaf(NOW + 86_400 * 90)]);
        assert_eq!(gate(&opened(rep.clone()), false), Gate::Open);
        rep.chain_error = Some(CertProblem::UnknownIssuer);
        assert!(
            matches!(gate(&opened(rep.clone()), false), Gate::Untrusted(w) if w == "unknown issuer")
        );
        assert_eq!(gate(&opened(rep), true), Gate::Open);
        let r = gated(CheckId::Reachable, &Gate::Untrusted("expired".into())).unwrap();
        assert_eq!(r.status, CheckStatus::Skip);
        assert!(r.hint.unwrap().contains("--insecure"));
        let r = gated(CheckId::Reachable, &Gate::NoConnection("refused".into())).unwrap();
        assert_eq!(r.status, CheckStatus::Fail);
    }

    #[test]
    fn dates() {
        assert_eq!(date(0), "1970-01-01");
        assert_eq!(date(NOW), "2025-06-15");
        assert_eq!(date(951_782_400), "2000-02-29");
        assert_eq!(date(-86_400), "1969-12-31");
        assert_eq!(timestamp(NOW), "2025-06-15T15:06:40Z");
    }
}
