//! The lint engine: which checks exist and the pure rules that judge an endpoint, the probes
//! it sends, running them against a URL, and the report in its JSON, JUnit and human forms.
//! It may import webhook, http, stats and error; never cli, commands or terminal (progress and
//! printing are the caller's).

pub mod checks;
pub mod observed;
pub mod preflight;
pub mod probes;
pub mod report;
pub mod rules;
pub mod run;

#[cfg(test)]
mod testkit;

pub use checks::{select, CheckId, CheckResult, CheckStatus};
pub use report::{LintReport, VerdictCounts};
pub use run::{LintOptions, Progress};
