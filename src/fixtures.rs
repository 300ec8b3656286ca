//! The embedded fixture catalogue, template tokens and `--set` overrides.
//!
//! Knows nothing of HTTP or the CLI.

use crate::error::Result;

/// One catalogue entry. `template` is the file's JSON text with `{{tokens}}` inside strings.
#[derive(Debug, Clone, Copy)]
pub struct Fixture {
    pub name: &'static str,
    /// `message`, `status`, `error` or `batch`.
    pub kind: &'static str,
    pub description: &'static str,
    pub template: &'static str,
}

/// How rendered JSON is laid out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layout {
    /// Indented, for reading (`fixtures show`).
    Pretty,
    /// Compact, on one line, as `send` delivers it.
    Compact,
}

/// Source of token values: random and now by default, deterministic when seeded.
#[derive(Debug, Clone)]
pub struct TokenSource {
    pub rng: fastrand::Rng,
    /// Fixed Unix time in seconds; `None` means the real clock.
    pub now: Option<u64>,
}

impl TokenSource {
    pub fn new() -> Self {
        TokenSource {
            rng: fastrand::Rng::new(),
            now: None,
        }
    }
    pub fn seeded(seed: u64, now: u64) -> Self {
        TokenSource {
            rng: fastrand::Rng::with_seed(seed),
            now: Some(now),
        }
    }
}

impl Default for TokenSource {
    fn default() -> Self {
        Self::new()
    }
}

/// A parsed `--set PATH=VALUE`.
#[derive(Debug, Clone, PartialEq)]
pub struct SetOp {
    pub path: Vec<String>,
    pub value: serde_json::Value,
}

impl SetOp {
    pub fn parse(spec: &str) -> Result<SetOp> {
        todo!("fixtures work: parse {spec}")
    }
}

pub fn catalogue() -> &'static [Fixture] {
    &[]
}

pub fn find(name: &str) -> Option<&'static Fixture> {
    catalogue().iter().find(|f| f.name == name)
}

/// Render a fixture: fresh tokens, then `--set` overrides, in the given layout.
pub fn render(
    fixture: &Fixture,
    tokens: &mut TokenSource,
    sets: &[SetOp],
    layout: Layout,
) -> Result<Vec<u8>> {
    todo!(
        "fixtures work: render {} {tokens:?} {sets:?} {layout:?}",
        fixture.name
    )
}

/// Apply `--set` overrides to arbitrary JSON bytes (user files). Returns the bytes unchanged
/// when `sets` is empty: user bodies are never re-serialized behind their back.
pub fn apply_sets(body: &[u8], sets: &[SetOp]) -> Result<Vec<u8>> {
    if sets.is_empty() {
        return Ok(body.to_vec());
    }
    todo!("fixtures work")
}
