//! cmzon-hook: sign, send, listen to, verify and lint CMzon WhatsApp Business webhooks.
//!
//! All logic lives in this library; `main.rs` only parses arguments and maps errors to exit
//! codes. README's Development section has the module map and the import rule.

pub mod capture;
pub mod cli;
pub mod commands;
pub mod config;
pub mod error;
pub mod http;
pub mod input;
mod json;
pub mod linting;
pub mod listening;
pub mod sending;
pub mod stats;
pub mod terminal;
pub mod verifying;
pub mod webhook;

pub use error::{Error, ErrorKind, Result};
