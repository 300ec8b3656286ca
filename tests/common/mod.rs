pub mod fixtures;
pub mod send;
