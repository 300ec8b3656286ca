pub mod fixtures;
pub mod lint;
