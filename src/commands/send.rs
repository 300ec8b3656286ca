//! `cmzon-hook send`.

use std::process::ExitCode;

use crate::cli::SendArgs;
use crate::error::{Error, Result};
use crate::output::Verbosity;

pub fn run(_args: &SendArgs, _verbosity: Verbosity) -> Result<ExitCode> {
    Err(Error::not_implemented("send"))
}
