//! `cmzon-hook completions SHELL`: print a completion script generated from the CLI itself.
//! The scripts committed under `completions/` are checked current by `tests/cli/docs.rs`.

use std::io::Write;
use std::process::ExitCode;

use clap::CommandFactory;

use crate::cli::{Cli, CompletionsArgs};
use crate::error::Result;

pub fn run(args: &CompletionsArgs) -> Result<ExitCode> {
    let script = script(args.shell);
    let mut out = std::io::stdout().lock();
    out.write_all(&script)?;
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

/// The completion script for `shell`, as bytes.
pub fn script(shell: clap_complete::Shell) -> Vec<u8> {
    let mut cmd = Cli::command();
    let mut buf = Vec::new();
    clap_complete::generate(shell, &mut cmd, "cmzon-hook", &mut buf);
    buf
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap_complete::Shell;

    #[test]
    fn scripts_mention_every_subcommand() {
        let bash = String::from_utf8(script(Shell::Bash)).unwrap();
        for sub in [
            "sign",
            "fixtures",
            "send",
            "listen",
            "verify",
            "lint",
            "completions",
            "man",
        ] {
            assert!(bash.contains(sub), "bash completion lacks {sub}");
        }
        let fish = String::from_utf8(script(Shell::Fish)).unwrap();
        assert!(fish.contains("secret-file"));
    }
}
