//! End-to-end tests of the `cmzon-hook` binary, one module per feature. Every test runs the
//! real binary through [`support::cmzon`] (hermetic: no ambient secret, proxy or config file)
//! against real servers the tests start on 127.0.0.1 port 0.
//!
//! Run one feature with `cargo test --test cli sign::`; the property tests of the parsers
//! live in the `properties` crate.

#[path = "../support/mod.rs"]
mod support;

mod config;
mod demo;
mod docs;
mod fixtures;
mod init;
mod inspector;
mod json_output;
mod lint;
mod listen;
mod secret_hygiene;
mod send;
mod sign;
mod usage;
mod verify;
