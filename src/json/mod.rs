//! JSON for the hot paths: a strict scanner and the writers.

pub mod scan;
