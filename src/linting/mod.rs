//! The lint engine: checks, probes, the run and the report.

pub mod checks;
pub mod run;
