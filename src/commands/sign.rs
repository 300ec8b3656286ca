//! `cmzon-hook sign [FILE|-]`: print the signature of exact bytes, nothing else on stdout.

use std::fs::File;
use std::io::{self, Read, Write};
use std::path::Path;
use std::process::ExitCode;

use crate::cli::SignArgs;
use crate::error::{Error, Result};
use crate::terminal::{self, Verbosity};
use crate::webhook::secret;
use crate::webhook::signature::{self, MacStream, Scheme};

pub fn run(args: &SignArgs, verbosity: Verbosity) -> Result<ExitCode> {
    let secret = secret::require(
        args.secret.secret.as_deref(),
        args.secret.secret_file.as_deref(),
    )?;
    let mut mac = MacStream::new(Scheme::Sha256, secret.as_bytes());
    // Hash in chunks: a body of any size signs in constant memory.
    let bytes = match args.file.as_deref() {
        Some(p) if p != Path::new("-") => {
            let name = p.display();
            let file = File::open(p).map_err(|e| Error::file(&name, &e))?;
            feed(&mut mac, file).map_err(|e| Error::file(&name, &e))?
        }
        _ => {
            // Without this a user who typed `cmzon-hook sign` sees nothing and thinks it hangs.
            if terminal::stdin_is_tty() && !verbosity.quiet {
                eprintln!(
                    "cmzon-hook: reading the body from the terminal (end with Ctrl-D); to sign a file: cmzon-hook sign FILE"
                );
            }
            feed(&mut mac, io::stdin().lock())
                .map_err(|e| Error::input(format!("cannot read stdin: {e}")))?
        }
    };
    let value = format!("sha256={}", signature::hex(&mac.finalize()));
    let mut out = io::stdout().lock();
    if args.json {
        let doc = serde_json::json!({
            "signature": value,
            "header": signature::HEADER_SHA256,
            "bytes": bytes,
        });
        writeln!(out, "{doc}")?;
    } else if args.header {
        writeln!(out, "{}: {value}", signature::HEADER_SHA256)?;
    } else {
        writeln!(out, "{value}")?;
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

/// Hash everything `reader` yields; returns the number of bytes.
fn feed(mac: &mut MacStream, mut reader: impl Read) -> io::Result<u64> {
    let mut buf = vec![0u8; 1 << 20];
    let mut total = 0u64;
    loop {
        match reader.read(&mut buf) {
            Ok(0) => return Ok(total),
            Ok(n) => {
                mac.update(&buf[..n]);
                total += n as u64;
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
}
