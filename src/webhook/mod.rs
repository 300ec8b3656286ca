//! The webhook itself, independent of any transport: signatures and their diagnosis, the
//! secret, the event model, the fixture catalogue. Imports only `json` and `error`.

pub mod event;
pub mod fixtures;
pub mod secret;
pub mod signature;
