pub mod core;
pub mod fixtures;
pub mod harden;
pub mod lint;
pub mod listen;
pub mod send;
