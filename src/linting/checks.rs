//! What a check is: the stable ids (`https`, `tls`, `reachable`, …), `--only` / `--skip`
//! selection, and a check's verdict with its message, hint and details. The rules that reach
//! a verdict live in `rules` and `preflight`.

use std::time::Duration;

use serde_json::{Map, Value};

use crate::error::{Error, Result};

/// A check's stable id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum CheckId {
    Https,
    Tls,
    Reachable,
    Latency,
    RejectsUnsigned,
    RejectsForged,
    RawBody,
    Handshake,
    Duplicates,
    Malformed,
    UsernameOnly,
    Redirect,
}

impl CheckId {
    /// Every check, in the order they run and are reported.
    pub const ALL: [CheckId; 12] = [
        CheckId::Https,
        CheckId::Tls,
        CheckId::Reachable,
        CheckId::Latency,
        CheckId::RejectsUnsigned,
        CheckId::RejectsForged,
        CheckId::RawBody,
        CheckId::Handshake,
        CheckId::Duplicates,
        CheckId::Malformed,
        CheckId::UsernameOnly,
        CheckId::Redirect,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            CheckId::Https => "https",
            CheckId::Tls => "tls",
            CheckId::Reachable => "reachable",
            CheckId::Latency => "latency",
            CheckId::RejectsUnsigned => "rejects-unsigned",
            CheckId::RejectsForged => "rejects-forged",
            CheckId::RawBody => "raw-body",
            CheckId::Handshake => "handshake",
            CheckId::Duplicates => "duplicates",
            CheckId::Malformed => "malformed",
            CheckId::UsernameOnly => "username-only",
            CheckId::Redirect => "redirect",
        }
    }

    pub fn parse(s: &str) -> Option<CheckId> {
        CheckId::ALL.into_iter().find(|c| c.as_str() == s)
    }

    /// Checks that cannot run without the webhook secret: every probe they send is
    /// correctly signed. (`rejects-forged` runs its wrong-secret probe without it.)
    pub fn needs_secret(self) -> bool {
        matches!(
            self,
            CheckId::Reachable
                | CheckId::Latency
                | CheckId::RawBody
                | CheckId::Duplicates
                | CheckId::Malformed
                | CheckId::UsernameOnly
        )
    }

    /// Checks that talk to the endpoint.
    pub fn needs_network(self) -> bool {
        self != CheckId::Https
    }
}

fn valid_ids() -> String {
    CheckId::ALL.map(CheckId::as_str).join(", ")
}

/// The checks to run, in report order: `--only` (all when empty) minus `--skip`.
pub fn select(only: &[String], skip: &[String]) -> Result<Vec<CheckId>> {
    let parse = |flag: &str, list: &[String]| -> Result<Vec<CheckId>> {
        list.iter()
            .map(|s| s.trim())
            .filter(|s| !s.is_empty())
            .map(|s| {
                CheckId::parse(s).ok_or_else(|| {
                    Error::usage(format!("unknown check id `{s}` in {flag}"))
                        .with_hint(format!("valid ids: {}", valid_ids()))
                })
            })
            .collect()
    };
    let only = parse("--only", only)?;
    let skip = parse("--skip", skip)?;
    let chosen: Vec<CheckId> = CheckId::ALL
        .into_iter()
        .filter(|c| only.is_empty() || only.contains(c))
        .filter(|c| !skip.contains(c))
        .collect();
    if chosen.is_empty() {
        return Err(Error::usage("--only/--skip leave no check to run")
            .with_hint(format!("valid ids: {}", valid_ids())));
    }
    Ok(chosen)
}

/// A check's verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum CheckStatus {
    Pass,
    Warn,
    Fail,
    Skip,
}

impl CheckStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            CheckStatus::Pass => "pass",
            CheckStatus::Warn => "warn",
            CheckStatus::Fail => "fail",
            CheckStatus::Skip => "skip",
        }
    }
}

/// One check's result.
#[derive(Debug, Clone, PartialEq)]
pub struct CheckResult {
    pub id: CheckId,
    pub status: CheckStatus,
    /// One line.
    pub message: String,
    /// How to fix it; set for every warn and fail.
    pub hint: Option<String>,
    pub details: Map<String, Value>,
    /// Time the check took (for JUnit).
    pub duration: Duration,
}

/// The `details` key marking a check that did not run for want of the webhook secret.
pub const NOT_RUN: &str = "not_run";

impl CheckResult {
    /// True for a check reported as not run (it is a warning, so `--strict` fails).
    pub fn not_run(&self) -> bool {
        self.details.contains_key(NOT_RUN)
    }

    pub fn new(id: CheckId, status: CheckStatus, message: impl Into<String>) -> Self {
        CheckResult {
            id,
            status,
            message: message.into(),
            hint: None,
            details: Map::new(),
            duration: Duration::ZERO,
        }
    }
    pub fn pass(id: CheckId, message: impl Into<String>) -> Self {
        Self::new(id, CheckStatus::Pass, message)
    }
    pub fn warn(id: CheckId, message: impl Into<String>, hint: impl Into<String>) -> Self {
        Self::new(id, CheckStatus::Warn, message).hint(hint)
    }
    pub fn fail(id: CheckId, message: impl Into<String>, hint: impl Into<String>) -> Self {
        Self::new(id, CheckStatus::Fail, message).hint(hint)
    }
    pub fn skip(id: CheckId, message: impl Into<String>, hint: impl Into<String>) -> Self {
        Self::new(id, CheckStatus::Skip, message).hint(hint)
    }
    pub fn hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }
    pub fn detail(mut self, key: &str, value: impl Into<Value>) -> Self {
        self.details.insert(key.to_string(), value.into());
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_stable_and_round_trip() {
        let ids: Vec<&str> = CheckId::ALL.iter().map(|c| c.as_str()).collect();
        assert_eq!(
            ids,
            [
                "https",
                "tls",
                "reachable",
                "latency",
                "rejects-unsigned",
                "rejects-forged",
                "raw-body",
                "handshake",
                "duplicates",
                "malformed",
                "username-only",
                "redirect"
            ]
        );
        for c in CheckId::ALL {
            assert_eq!(CheckId::parse(c.as_str()), Some(c));
        }
    }

    #[test]
    fn schema_lists_every_id_and_status() {
        let schema: Value =
            serde_json::from_str(include_str!("../../tests/data/lint.schema.json")).unwrap();
        let ids = schema
            .pointer("/$defs/check/properties/id/enum")
            .and_then(Value::as_array)
            .unwrap();
        let ids: Vec<&str> = ids.iter().filter_map(Value::as_str).collect();
        assert_eq!(ids, CheckId::ALL.map(CheckId::as_str));
        let st = schema
            .pointer("/$defs/check/properties/status/enum")
            .and_then(Value::as_array)
            .unwrap();
        assert_eq!(st.len(), 4);
    }

    #[test]
    fn selection() {
        let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>();
        assert_eq!(select(&[], &[]).unwrap(), CheckId::ALL.to_vec());
        assert_eq!(
            select(&s(&["tls", "https"]), &[]).unwrap(),
            vec![CheckId::Https, CheckId::Tls]
        );
        assert_eq!(select(&[], &s(&["latency"])).unwrap().len(), 11);
        let e = select(&s(&["nope"]), &[]).unwrap_err();
        assert_eq!(e.exit_code(), 2);
        assert!(e.message.contains("nope"));
        assert!(e.hint.unwrap().contains("rejects-forged"));
        assert!(select(&s(&["tls"]), &s(&["tls"])).is_err());
        assert!(select(&[], &s(&["bogus"])).is_err());
    }
}
