use std::process::ExitCode;

use cmzon_hook::{commands, Result};

/// mimalloc: verify allocates a few small buffers per request on every worker thread, where
/// glibc's malloc cost ~7% of the run.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    match run() {
        Ok(code) => code,
        Err(err) => err.report(),
    }
}

fn run() -> Result<ExitCode> {
    commands::run(std::env::args_os())
}
