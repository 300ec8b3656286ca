//! `cmzon-hook verify`: check the signature of every captured request (or of one body) and
//! explain each failure, with the verify engine ([`crate::verifying`]). Exit policy (also in
//! `verify --help`): 0 all valid, 1 any invalid or unsigned, 2 when any input could not be
//! read (the readable requests are still reported).

use std::process::ExitCode;

use crate::cli::VerifyArgs;
use crate::error::{Error, Result};
use crate::terminal::Verbosity;
use crate::verifying::{self, VerifyReport};
use crate::webhook::secret;

pub fn run(args: &VerifyArgs, verbosity: Verbosity) -> Result<ExitCode> {
    if args.body.is_none() && args.captures.is_empty() {
        return Err(Error::usage(
            "nothing to verify: give capture files, or --body FILE --signature VALUE",
        )
        .with_hint(
            "e.g. `cmzon-hook verify capture.jsonl` (written by `cmzon-hook listen --save capture.jsonl`) or `cmzon-hook verify --body body.json --signature sha256=...`",
        ));
    }
    let secret = secret::require(
        args.secret.secret.as_deref(),
        args.secret.secret_file.as_deref(),
    )?;
    let mut report = VerifyReport::new(&secret, args.json, verbosity);
    match (&args.body, &args.signature) {
        (Some(body), Some(value)) => verifying::verify_body(&mut report, body, value)?,
        (Some(_), None) => {
            return Err(Error::usage("--body needs --signature VALUE")
                .with_hint("pass the X-Hub-Signature-256 value, e.g. --signature sha256=..."))
        }
        _ => {
            for path in &args.captures {
                verifying::verify_capture(&mut report, path)?;
            }
        }
    }
    report.finish()
}
