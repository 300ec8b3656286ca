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
    if shell == clap_complete::Shell::Bash {
        buf = fix_bash(&buf);
    }
    buf
}

/// clap_complete's bash generator mangles a hyphenated binary name (upstream clap issue
/// 6421): its word loop sets `cmd` to `cmzon__hook__subcmd__send`, but the case arms that
/// offer options and flag values read `cmzon__subcmd__hook__subcmd__send`, so nothing
/// completes after the first word. Rename the arms to what the loop sets.
fn fix_bash(script: &[u8]) -> Vec<u8> {
    String::from_utf8_lossy(script)
        .replace("cmzon__subcmd__hook__subcmd__", "cmzon__hook__subcmd__")
        .into_bytes()
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
        // Every case arm names a state the word loop can set.
        for arm in bash
            .lines()
            .map(str::trim)
            .filter(|l| l.starts_with("cmzon__") && !l.contains(',') && l.ends_with(')'))
        {
            let state = arm.trim_end_matches(')');
            assert!(bash.contains(&format!("cmd=\"{state}\"")), "dead arm {arm}");
        }
        let fish = String::from_utf8(script(Shell::Fish)).unwrap();
        assert!(fish.contains("secret-file"));
    }
}
