//! The lint report and its renderings: the `--json` document (the one writer of the schema in
//! `tests/data/lint.schema.json`), JUnit XML and the human table with the latency histogram.

use std::fmt::Write as _;
use std::time::Duration;

use colored::Colorize;
use serde_json::{json, Value};

use super::checks::{CheckId, CheckResult, CheckStatus};
use super::observed::{fmt_ms, latency_summary, round_ms, ProbeSample};
use crate::stats::{self, Bin, LatencySummary};

/// Everything `lint` found.
#[derive(Debug, Clone, PartialEq)]
pub struct LintReport {
    pub url: String,
    pub checks: Vec<CheckResult>,
    /// The latency probes (empty when the latency check did not run).
    pub samples: Vec<ProbeSample>,
}

/// How many checks got each verdict.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct VerdictCounts {
    pub pass: usize,
    pub warn: usize,
    pub fail: usize,
    pub skip: usize,
    /// Of the warnings: checks that did not run for want of the webhook secret.
    pub not_run: usize,
}

impl LintReport {
    pub fn counts(&self) -> VerdictCounts {
        let mut c = VerdictCounts::default();
        for r in &self.checks {
            match r.status {
                CheckStatus::Pass => c.pass += 1,
                CheckStatus::Warn => c.warn += 1,
                CheckStatus::Fail => c.fail += 1,
                CheckStatus::Skip => c.skip += 1,
            }
            c.not_run += usize::from(r.not_run());
        }
        c
    }

    /// "5 of 9 security checks did not run (reachable, …): …", when some did not.
    pub fn not_run_note(&self) -> Option<String> {
        let ids: Vec<&str> = self
            .checks
            .iter()
            .filter(|r| r.not_run())
            .map(|r| r.id.as_str())
            .collect();
        let partial = self
            .checks
            .iter()
            .any(|r| r.details.contains_key("partial"));
        if ids.is_empty() && !partial {
            return None;
        }
        let mut note = format!(
            "{} of {} security checks did not run ({})",
            ids.len(),
            self.checks.len(),
            ids.join(", ")
        );
        if partial {
            note.push_str(" and rejects-forged ran only its wrong-secret probe");
        }
        note.push_str(&format!(
            ": they sign events with the webhook secret, and none was given; {}",
            super::rules::secret_hint()
        ));
        Some(note)
    }

    /// 0 when nothing failed (with `strict`: and nothing warned), else 1.
    pub fn exit_code(&self, strict: bool) -> u8 {
        let c = self.counts();
        if c.fail > 0 || (strict && c.warn > 0) {
            crate::error::exit::FAILURE
        } else {
            crate::error::exit::SUCCESS
        }
    }

    /// The `--json` document.
    pub fn to_json(&self) -> Value {
        let summary = latency_summary(&self.samples).map(|(s, _)| s);
        let stat = |f: fn(&LatencySummary) -> Duration| {
            summary
                .as_ref()
                .map(|s| json!(round_ms(f(s))))
                .unwrap_or(Value::Null)
        };
        let c = self.counts();
        json!({
            "url": self.url,
            "checks": self.checks.iter().map(|r| json!({
                "id": r.id.as_str(),
                "status": r.status.as_str(),
                "message": r.message,
                "hint": r.hint,
                "details": Value::Object(r.details.clone()),
            })).collect::<Vec<_>>(),
            "latency_ms": {
                "min": stat(|s| s.min),
                "p50": stat(|s| s.p50),
                "p95": stat(|s| s.p95),
                "max": stat(|s| s.max),
            },
            "summary": {
                "pass": c.pass,
                "warn": c.warn,
                "fail": c.fail,
                "skip": c.skip,
                "not_run": c.not_run,
                "not_run_reason": self.not_run_note(),
            },
        })
    }

    /// JUnit XML: one testcase per check; fail → `<failure>`, skip → `<skipped/>`, warn →
    /// `<failure type="warn">` under `strict`, else a passing case with the warning in
    /// `<system-out>`.
    pub fn to_junit(&self, strict: bool) -> String {
        let c = self.counts();
        // A check that did not run is a failure under `strict`, else skipped.
        let failures = c.fail + if strict { c.warn } else { 0 };
        let skipped = c.skip + if strict { 0 } else { c.not_run };
        let total: f64 = self.checks.iter().map(|r| r.duration.as_secs_f64()).sum();
        let mut x = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
        let _ = writeln!(
            x,
            "<testsuites name=\"cmzon-hook lint\" tests=\"{}\" failures=\"{failures}\" errors=\"0\" skipped=\"{}\" time=\"{total:.3}\">",
            self.checks.len(),
            skipped
        );
        let _ = writeln!(
            x,
            "  <testsuite name=\"cmzon-hook lint {}\" tests=\"{}\" failures=\"{failures}\" errors=\"0\" skipped=\"{}\" time=\"{total:.3}\">",
            xml_attr(&self.url),
            self.checks.len(),
            skipped
        );
        let _ = writeln!(
            x,
            "    <properties>\n      <property name=\"url\" value=\"{}\"/>\n    </properties>",
            xml_attr(&self.url)
        );
        for r in &self.checks {
            let _ = write!(
                x,
                "    <testcase name=\"{}\" classname=\"cmzon-hook.lint\" time=\"{:.3}\"",
                r.id.as_str(),
                r.duration.as_secs_f64()
            );
            let hint = r.hint.as_deref().unwrap_or("");
            let body = format!(
                "{}: {}\nhint: {hint}\ndetails: {}",
                r.status.as_str(),
                r.message,
                Value::Object(r.details.clone())
            );
            match r.status {
                CheckStatus::Fail | CheckStatus::Warn
                    if r.status == CheckStatus::Fail || strict =>
                {
                    let _ = writeln!(
                        x,
                        ">\n      <failure type=\"{}\" message=\"{}\">{}</failure>\n    </testcase>",
                        r.status.as_str(),
                        xml_attr(&r.message),
                        xml_text(&body)
                    );
                }
                _ if r.status == CheckStatus::Skip || r.not_run() => {
                    let _ = writeln!(
                        x,
                        ">\n      <skipped message=\"{}\"/>\n    </testcase>",
                        xml_attr(&r.message)
                    );
                }
                _ => {
                    let _ = writeln!(
                        x,
                        ">\n      <system-out>{}</system-out>\n    </testcase>",
                        xml_text(&body)
                    );
                }
            }
        }
        x.push_str("  </testsuite>\n</testsuites>\n");
        x
    }

    /// The checks table: a `CHECK  RESULT  MESSAGE` header and one row per check.
    pub fn checks_table(&self) -> String {
        let mut o = String::new();
        let width = CheckId::ALL
            .iter()
            .map(|c| c.as_str().len())
            .max()
            .unwrap_or(10);
        let _ = writeln!(o, "  {:<width$}  RESULT  MESSAGE", "CHECK");
        for r in &self.checks {
            let _ = writeln!(
                o,
                "  {:<width$}  {}  {}",
                r.id.as_str(),
                verdict_label(r.status),
                r.message
            );
        }
        o
    }

    /// The human report (colors follow the global policy).
    pub fn to_human(&self, verbose: bool) -> String {
        let mut o = String::new();
        let _ = writeln!(o, "{} {}\n", "cmzon-hook lint".bold(), self.url);
        o.push_str(&self.checks_table());
        if let Some((s, bins)) = latency_summary(&self.samples) {
            let _ = writeln!(
                o,
                "\n{} over {} probes: min {}, p50 {}, p95 {}, max {}",
                "Latency".bold(),
                self.samples.len(),
                fmt_ms(s.min),
                fmt_ms(s.p50),
                fmt_ms(s.p95),
                fmt_ms(s.max)
            );
            let _ = writeln!(
                o,
                "  {:>4}  {:>6}  {:>9}  {:>9}  {:>9}  {:>9}",
                "#", "status", "connect", "tls", "ttfb", "total"
            );
            let shown = if verbose { self.samples.len() } else { 20 };
            for (i, p) in self.samples.iter().enumerate().take(shown) {
                let status = match &p.outcome {
                    Ok(a) => a.status.to_string(),
                    Err(n) => n.kind.as_str().to_string(),
                };
                let dash = || "-".to_string();
                let _ = writeln!(
                    o,
                    "  {:>4}  {:>6}  {:>9}  {:>9}  {:>9}  {:>9}",
                    i + 1,
                    status,
                    fmt_ms(p.timings.connect),
                    p.timings.tls.map(fmt_ms).unwrap_or_else(dash),
                    p.timings.ttfb.map(fmt_ms).unwrap_or_else(dash),
                    fmt_ms(p.timings.total)
                );
            }
            if self.samples.len() > shown {
                let _ = writeln!(
                    o,
                    "  … {} more (-v or --json for all)",
                    self.samples.len() - shown
                );
            }
            let _ = writeln!(o, "\n  Response time histogram:");
            o.push_str(&histogram(&bins));
        }
        let to_fix: Vec<&CheckResult> = self
            .checks
            .iter()
            .filter(|r| matches!(r.status, CheckStatus::Warn | CheckStatus::Fail))
            .collect();
        if !to_fix.is_empty() {
            let _ = writeln!(o, "\n{}", "To fix".bold());
            for r in to_fix {
                let _ = writeln!(
                    o,
                    "  {} {}: {}",
                    verdict_label(r.status),
                    r.id.as_str(),
                    r.message
                );
                if let Some(h) = &r.hint {
                    let _ = writeln!(o, "        hint: {h}");
                }
            }
        }
        if let Some(note) = self.not_run_note() {
            let _ = writeln!(o, "\n{} {note}", "warning:".yellow().bold());
        }
        let c = self.counts();
        let not_run = if c.not_run > 0 {
            format!(" ({} not run)", c.not_run)
        } else {
            String::new()
        };
        let _ = writeln!(
            o,
            "\n{} pass, {} warn{not_run}, {} fail, {} skip",
            c.pass, c.warn, c.fail, c.skip
        );
        o
    }
}

fn verdict_label(s: CheckStatus) -> String {
    let label = format!("{:<6}", s.as_str().to_ascii_uppercase());
    match s {
        CheckStatus::Pass => label.green().to_string(),
        CheckStatus::Warn => label.yellow().bold().to_string(),
        CheckStatus::Fail => label.red().bold().to_string(),
        CheckStatus::Skip => label.dimmed().to_string(),
    }
}

/// oha-style bars: `  12.3 ms [4] |■■■■`.
pub fn histogram(bins: &[Bin]) -> String {
    const WIDTH: u64 = 32;
    let max = bins.iter().map(|b| b.count).max().unwrap_or(0).max(1);
    // Enough decimals to tell neighbouring bins apart.
    let width_ms = match bins {
        [a, b, ..] => stats::ms(b.start.saturating_sub(a.start)),
        _ => 1.0,
    };
    let decimals = (0..=3)
        .find(|&d| width_ms >= 10f64.powi(-d) - 1e-9)
        .unwrap_or(3) as usize;
    let labels: Vec<String> = bins
        .iter()
        .map(|b| format!("{:.decimals$} ms", stats::ms(b.start)))
        .collect();
    let lw = labels.iter().map(|l| l.len()).max().unwrap_or(0);
    let cw = bins
        .iter()
        .map(|b| b.count.to_string().len())
        .max()
        .unwrap_or(1);
    let mut o = String::new();
    for (b, l) in bins.iter().zip(&labels) {
        let bar = "■".repeat(((b.count * WIDTH).div_ceil(max)) as usize);
        let _ = writeln!(o, "  {l:>lw$} [{:>cw$}] |{}", b.count, bar.cyan());
    }
    o
}

/// Escape text for an XML attribute value (also newlines and tabs, and characters XML 1.0
/// does not allow).
pub fn xml_attr(s: &str) -> String {
    xml_escape(s, true)
}

/// Escape XML character data.
pub fn xml_text(s: &str) -> String {
    xml_escape(s, false)
}

/// `&`, `<`, `>` and `\r` always; quotes, `\n` and `\t` too in an attribute value, where a
/// parser would otherwise end the value or normalise them to spaces. Characters XML 1.0
/// does not allow become U+FFFD.
fn xml_escape(s: &str, attribute: bool) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '\r' => o.push_str("&#13;"),
            '"' if attribute => o.push_str("&quot;"),
            '\'' if attribute => o.push_str("&apos;"),
            '\n' if attribute => o.push_str("&#10;"),
            '\t' if attribute => o.push_str("&#9;"),
            c if !xml_char_ok(c) => o.push('\u{fffd}'),
            c => o.push(c),
        }
    }
    o
}

fn xml_char_ok(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{d7ff}' | '\u{e000}'..='\u{fffd}' | '\u{10000}'..)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::linting::rules::{check_https, check_reachable, missing_verify_token};
    use crate::linting::testkit::*;

    fn sample_report() -> LintReport {
        LintReport {
            url: "https://example.com/hook?a=1&b=<2>".into(),
            checks: vec![
                check_https(&target("http://127.0.0.1/"), true),
                check_reachable(&ok(500), T),
                CheckResult::pass(CheckId::Duplicates, "fine & dandy"),
                missing_verify_token(),
            ],
            samples: (1..=5).map(|i| sample(i * 3, 200)).collect(),
        }
    }

    #[test]
    fn json_document_shape() {
        let doc = sample_report().to_json();
        let keys: Vec<&String> = doc.as_object().unwrap().keys().collect();
        assert_eq!(keys, ["url", "checks", "latency_ms", "summary"]);
        assert_eq!(
            doc["summary"],
            json!({"pass": 1, "warn": 1, "fail": 1, "skip": 1, "not_run": 0, "not_run_reason": null})
        );
        assert_eq!(doc["latency_ms"]["max"], json!(15.0));
        let c = &doc["checks"][0];
        let keys: Vec<&String> = c.as_object().unwrap().keys().collect();
        assert_eq!(keys, ["id", "status", "message", "hint", "details"]);
        assert_eq!(doc["checks"][2]["hint"], Value::Null);
        let empty = LintReport {
            url: "x".into(),
            checks: vec![],
            samples: vec![],
        };
        assert_eq!(empty.to_json()["latency_ms"]["p50"], Value::Null);
    }

    #[test]
    fn exit_codes() {
        let r = sample_report();
        assert_eq!(r.exit_code(false), 1);
        let only_warn = LintReport {
            checks: vec![r.checks[0].clone(), r.checks[2].clone()],
            ..r.clone()
        };
        assert_eq!(only_warn.exit_code(false), 0);
        assert_eq!(only_warn.exit_code(true), 1);
    }

    #[test]
    fn junit_escapes_and_counts() {
        let x = sample_report().to_junit(false);
        assert!(x.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites"));
        assert!(x.contains("tests=\"4\" failures=\"1\" errors=\"0\" skipped=\"1\""));
        assert!(x.contains("a=1&amp;b=&lt;2&gt;"));
        assert!(x.contains("fine &amp; dandy"));
        assert_eq!(x.matches("<testcase ").count(), 4);
        assert_eq!(x.matches("<failure ").count(), 1);
        assert_eq!(x.matches("<skipped ").count(), 1);
        let strict = sample_report().to_junit(true);
        assert_eq!(strict.matches("<failure ").count(), 2);
        assert!(strict.contains("<failure type=\"warn\""));
        assert_eq!(xml_attr("a\"b'\n\u{1}"), "a&quot;b&apos;&#10;\u{fffd}");
        assert_eq!(xml_text("<x>&\u{b}"), "&lt;x&gt;&amp;\u{fffd}");
    }

    #[test]
    fn histogram_labels_tell_bins_apart() {
        let bin = |start_us: u64, count| Bin {
            start: Duration::from_micros(start_us),
            end: Duration::from_micros(start_us),
            count,
        };
        colored::control::set_override(false);
        let h = histogram(&[bin(500, 4), bin(504, 0), bin(508, 1)]);
        assert_eq!(
            h,
            "  0.500 ms [4] |■■■■■■■■■■■■■■■■■■■■■■■■■■■■■■■■\n  0.504 ms [0] |\n  0.508 ms [1] |■■■■■■■■\n"
        );
        let h = histogram(&[bin(10_000, 1), bin(35_000, 2)]);
        assert!(h.starts_with("  10 ms [1] |"), "{h}");
        assert!(histogram(&[bin(1_000, 1)]).starts_with("  1 ms [1]"));
    }

    #[test]
    fn human_report() {
        colored::control::set_override(false);
        let h = sample_report().to_human(false);
        assert!(h.contains("  https             WARN    plain HTTP"), "{h}");
        assert!(
            h.contains("  reachable         FAIL    answered 500"),
            "{h}"
        );
        assert!(h.contains("Latency over 5 probes: min 3.0 ms"), "{h}");
        assert!(h.contains("Response time histogram:"));
        assert!(h.contains("] |■"), "{h}");
        assert!(h.contains("To fix"));
        assert!(h.contains("hint: serve the endpoint over HTTPS"));
        assert!(h.ends_with("1 pass, 1 warn, 1 fail, 1 skip\n"), "{h}");
    }
}
