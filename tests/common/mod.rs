pub mod fixtures;
pub mod listen;
