//! `cmzon-hook listen`.

use std::process::ExitCode;

use crate::cli::ListenArgs;
use crate::error::{Error, Result};
use crate::output::Verbosity;

pub fn run(_args: &ListenArgs, _verbosity: Verbosity) -> Result<ExitCode> {
    Err(Error::not_implemented("listen"))
}
