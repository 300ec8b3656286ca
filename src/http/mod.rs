//! HTTP on the wire: the one outgoing client (used by `send`, `lint`'s probes and
//! `listen --forward-to`), its TLS settings, and the server transport that drives tiny_http.
//! Knows nothing of webhooks' meaning beyond bytes and headers; must not import `sending`,
//! `listening`, `linting`, `commands`, `cli` or `webhook`.
//!
//! The outgoing layers point one way, each importing only those listed before it:
//! `message` (shared types) → `tls` (trust store, rustls config) → `connect` (endpoint,
//! connect, handshake, timed link) → `wire` (request writer, response reader on `httparse`)
//! → `client` (keep-alive connection) and `probe` (timed probes for `lint`) → `delivery`
//! (the public client: pooling, retries, reqwest for proxies). `server` stands apart.

pub mod client;
pub mod connect;
pub mod delivery;
pub mod message;
pub mod probe;
pub mod server;
pub mod tls;
pub mod wire;

pub use connect::Endpoint;
