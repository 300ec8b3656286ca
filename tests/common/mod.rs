pub mod core;
pub mod fixtures;
pub mod lint;
pub mod listen;
pub mod send;
