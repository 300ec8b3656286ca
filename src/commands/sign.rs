//! `cmzon-hook sign [FILE|-]`: print the signature of exact bytes, nothing else on stdout.

use std::io::Write;
use std::process::ExitCode;

use crate::cli::SignArgs;
use crate::error::Result;
use crate::{input, secret, signature};

pub fn run(args: &SignArgs) -> Result<ExitCode> {
    let secret = secret::require(
        args.secret.secret.as_deref(),
        args.secret.secret_file.as_deref(),
    )?;
    let body = input::read_bytes(args.file.as_deref())?;
    let value = signature::sign(secret.as_bytes(), &body);
    let mut out = std::io::stdout().lock();
    if args.header {
        writeln!(out, "{}: {value}", signature::HEADER_SHA256)?;
    } else {
        writeln!(out, "{value}")?;
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}
