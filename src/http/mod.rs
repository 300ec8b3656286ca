//! HTTP on the wire: the outgoing client, TLS configuration, and the server transport that
//! drives tiny_http. Knows nothing of webhooks' meaning beyond bytes and headers.

pub mod client;
pub mod delivery;
pub mod probe;
pub mod server;
pub mod tls;
