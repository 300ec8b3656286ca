//! `cmzon-hook verify`.

use std::process::ExitCode;

use crate::cli::VerifyArgs;
use crate::error::{Error, Result};
use crate::output::Verbosity;

pub fn run(_args: &VerifyArgs, _verbosity: Verbosity) -> Result<ExitCode> {
    Err(Error::not_implemented("verify"))
}
