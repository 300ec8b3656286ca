//! JSON for the hot paths: a strict scanner (`scan`) and the writer primitives (`write`) that
//! the capture line, event, listen and verify writers share, over one set of byte kernels
//! (`bytes`); and JSON as other serializers write it (`style`: `JSON.stringify`,
//! `json.dumps`, pretty-printers). Imports nothing of the crate: every other layer may use it.

mod bytes;
pub mod scan;
pub mod style;
pub mod write;
