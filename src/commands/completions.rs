//! `cmzon-hook completions SHELL`.

use std::process::ExitCode;

use crate::cli::CompletionsArgs;
use crate::error::{Error, Result};

pub fn run(_args: &CompletionsArgs) -> Result<ExitCode> {
    Err(Error::not_implemented("completions"))
}
