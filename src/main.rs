use std::process::ExitCode;

use cmzon_hook::{commands, Result};

fn main() -> ExitCode {
    match run() {
        Ok(code) => code,
        Err(err) => err.report(),
    }
}

fn run() -> Result<ExitCode> {
    commands::run(std::env::args_os())
}
