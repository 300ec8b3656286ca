pub mod core;
pub mod fixtures;
