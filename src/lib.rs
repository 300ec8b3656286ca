//! cmzon-hook: sign, send, listen to, verify and lint CMzon WhatsApp Business webhooks.
//!
//! All logic lives in this library; `main.rs` only parses arguments and maps errors to exit
//! codes. Layers point one way: `commands` → (`delivery`, `capture`, `event`, `output`) →
//! (`signature`, `fixtures`, `secret`). The core never imports a command or clap.

pub mod capture;
pub mod cli;
pub mod commands;
pub mod config;
pub mod delivery;
pub mod endpoint;
pub mod error;
pub mod event;
pub mod fixtures;
pub mod http1;
pub mod input;
mod jsonscan;
pub mod lint;
pub mod lint_run;
mod mapped;
pub mod output;
pub mod payload;
pub mod printer;
pub mod probe;
pub mod ratelimit;
pub mod secret;
pub mod sender;
pub mod server;
pub mod signature;
pub mod stats;
pub mod terminal;
pub mod tls;

pub use error::{Error, ErrorKind, Result};
