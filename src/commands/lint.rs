//! `cmzon-hook lint`.

use std::process::ExitCode;

use crate::cli::LintArgs;
use crate::error::{Error, Result};
use crate::output::Verbosity;

pub fn run(_args: &LintArgs, _verbosity: Verbosity) -> Result<ExitCode> {
    Err(Error::not_implemented("lint"))
}
