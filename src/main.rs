use std::process::ExitCode;

use clap::Parser;
use cmzon_hook::{cli::Cli, commands, Result};

fn main() -> ExitCode {
    match run() {
        Ok(code) => code,
        Err(err) => err.report(),
    }
}

fn run() -> Result<ExitCode> {
    let cli = Cli::parse();
    commands::dispatch(cli)
}
