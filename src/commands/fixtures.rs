//! `cmzon-hook fixtures`.

use std::process::ExitCode;

use crate::cli::FixturesCommand;
use crate::error::{Error, Result};
use crate::output::Verbosity;

pub fn run(_args: &FixturesCommand, _verbosity: Verbosity) -> Result<ExitCode> {
    Err(Error::not_implemented("fixtures"))
}
