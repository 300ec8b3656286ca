//! Step 3: the capture read back and checked against the deliveries sent, each request's
//! verdict given by the verify engine ([`crate::verifying::CaptureVerifier`]).

use std::collections::HashMap;

use colored::Colorize;

use super::Planned;
use crate::capture::Located;
use crate::error::Result;
use crate::verifying;
use crate::webhook::secret::Secret;

/// The capture read back: counts and every problem found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CaptureCheck {
    /// Requests read.
    pub requests: u64,
    pub valid: u64,
    pub invalid: u64,
    /// The forged delivery was found and its signature is invalid.
    pub forged_invalid: bool,
    pub problems: Vec<String>,
}

impl CaptureCheck {
    pub(super) fn unreadable(why: &str) -> CaptureCheck {
        CaptureCheck {
            problems: vec![format!("the capture cannot be read: {why}")],
            ..CaptureCheck::default()
        }
    }

    pub fn ok(&self) -> bool {
        self.problems.is_empty() && self.forged_invalid
    }
}

/// Check a capture against the deliveries sent: each one is there exactly once with its
/// exact body (matched by bytes), each fixture's signature is valid, the forged one's is not,
/// and nothing else is there.
pub fn check_capture(
    items: impl Iterator<Item = Result<Located>>,
    secret: &Secret,
    plan: &[Planned],
) -> CaptureCheck {
    let by_body: HashMap<&[u8], usize> = plan
        .iter()
        .enumerate()
        .map(|(i, p)| (p.body.as_slice(), i))
        .collect();
    let verifier = verifying::CaptureVerifier::new(secret);
    let mut seen = vec![0u32; plan.len()];
    let mut c = CaptureCheck::default();
    for item in items {
        let located = match item {
            Ok(l) => l,
            Err(e) => {
                c.problems.push(e.message);
                continue;
            }
        };
        c.requests += 1;
        let req = &located.request;
        let verdict = verifier.verdict(&req.borrowed());
        if verdict.is_valid() {
            c.valid += 1;
        } else {
            c.invalid += 1;
        }
        let Some(&i) = by_body.get(req.body.as_slice()) else {
            c.problems.push(format!(
                "{}: a request the demo did not send ({} {}, {} bytes)",
                located.source,
                req.method,
                req.path,
                req.body.len()
            ));
            continue;
        };
        seen[i] += 1;
        let p = &plan[i];
        match (p.forged, verdict.is_valid()) {
            (true, false) => c.forged_invalid = true,
            (true, true) => c.problems.push(format!(
                "{}: the forged delivery verifies as valid",
                located.source
            )),
            (false, true) => {}
            (false, false) => c.problems.push(format!(
                "{}: {} does not verify: {}",
                located.source,
                p.fixture,
                verdict.reason()
            )),
        }
    }
    for (p, n) in plan.iter().zip(&seen) {
        let what = if p.forged {
            format!("the forged {}", p.fixture)
        } else {
            p.fixture.to_string()
        };
        match n {
            1 => {}
            0 => c
                .problems
                .push(format!("{what} is missing from the capture")),
            n => c
                .problems
                .push(format!("{what} is in the capture {n} times")),
        }
    }
    c
}

/// `      ✓ capture verified: 25 requests read back byte for byte; 24 valid, 1 invalid (the forged one)`.
pub fn check_line(c: &CaptureCheck) -> String {
    if c.ok() {
        return format!(
            "      {} capture verified: {} requests read back byte for byte; {} valid, {} invalid (the forged one, as it must be)",
            "✓".green().bold(),
            c.requests,
            c.valid,
            c.invalid
        );
    }
    let mut s = format!(
        "      {} capture not verified: {} requests read back; {} valid, {} invalid",
        "✗".red().bold(),
        c.requests,
        c.valid,
        c.invalid
    );
    if !c.forged_invalid && c.problems.is_empty() {
        s.push_str("\n        the forged delivery is not in the capture as invalid");
    }
    for p in c.problems.iter().take(10) {
        s.push_str(&format!("\n        {}", p.red()));
    }
    if c.problems.len() > 10 {
        s.push_str(&format!("\n        … {} more", c.problems.len() - 10));
    }
    s
}
