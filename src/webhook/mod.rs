//! The webhook itself, independent of any transport: signatures and their diagnosis, the
//! secret, the event model, the fixture catalogue and its renderer, the verification
//! handshake. Imports only `json` and `error`; never `http`, `capture` or an engine.

pub mod event;
pub mod fixtures;
pub mod handshake;
pub mod secret;
pub mod signature;
