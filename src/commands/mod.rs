//! One module per subcommand: each wires the core pieces together and maps results to an
//! exit code. Commands never import each other; what two share moves into a core module.

use std::ffi::OsString;
use std::process::ExitCode;

use clap::{CommandFactory, FromArgMatches};

use crate::cli::{Cli, Command};
use crate::config::{self, ConfigFile};
use crate::error::{Error, Result};
use crate::terminal::{self, Verbosity};

pub mod completions;
pub mod demo;
pub mod fixtures;
pub mod init;
pub mod lint;
pub mod listen;
pub mod man;
pub mod send;
pub mod sign;
pub mod verify;

/// Parse the command line (clap prints help/usage errors and exits 2 itself), apply the
/// config file beneath flags and environment ([`config::apply_to_cli`]), and run the command.
pub fn run(args: impl IntoIterator<Item = OsString>) -> Result<ExitCode> {
    let matches = match Cli::command().try_get_matches_from(args) {
        Ok(m) => m,
        // --help and --version print and exit 0; no subcommand prints help and exits 2.
        Err(e)
            if !e.use_stderr()
                || e.kind() == clap::error::ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand =>
        {
            e.exit()
        }
        Err(e) => return Err(usage_error(&e)),
    };
    let mut cli = Cli::from_arg_matches(&matches).map_err(|e| usage_error(&e))?;
    terminal::init_color(cli.global.color.into());
    let cwd = std::env::current_dir().unwrap_or_default();
    let loaded = ConfigFile::load(cli.global.config.as_deref(), &cwd)?;
    let warnings = config::apply_to_cli(&mut cli, &matches, &loaded.config, |k| {
        std::env::var(k).ok()
    });
    if !cli.global.quiet {
        for w in warnings {
            eprintln!("cmzon-hook: warning: {w}");
        }
    }
    dispatch(cli)
}

/// A clap parse error in the tool's one error format: the first line as the message, clap's
/// tip (or the usage line) as the hint.
fn usage_error(e: &clap::Error) -> Error {
    let text = e.render().to_string();
    let mut lines = text.lines().map(str::trim).filter(|l| !l.is_empty());
    let first = lines.next().unwrap_or("invalid arguments");
    let mut message = first.strip_prefix("error: ").unwrap_or(first).to_string();
    let rest: Vec<&str> = lines.collect();
    if message.ends_with(':') {
        // "the following required arguments were not provided:" + one line per argument
        let items: Vec<&str> = rest
            .iter()
            .copied()
            .take_while(|l| !l.starts_with("Usage: ") && !l.starts_with("tip: "))
            .collect();
        message = format!("{} {}", message, items.join(", "));
    }
    let tip = rest.iter().find_map(|l| l.strip_prefix("tip: "));
    let usage = rest.iter().find_map(|l| l.strip_prefix("Usage: "));
    // An invalid value for a flag with a fixed set of values: name them all.
    let valid = match e.get(clap::error::ContextKind::ValidValue) {
        Some(clap::error::ContextValue::Strings(values)) if !values.is_empty() => {
            Some(format!("valid values: {}", values.join(", ")))
        }
        _ => None,
    };
    let hint = match (valid, tip, usage) {
        (Some(v), Some(t), _) => format!("{v} ({t})"),
        (Some(v), None, _) => v,
        (None, Some(t), _) => t.to_string(),
        (None, None, Some(u)) => format!("usage: {u} (see --help)"),
        (None, None, None) => "see `cmzon-hook --help`".to_string(),
    };
    Error::usage(message).with_hint(hint)
}

/// Run an already-configured command line.
pub fn dispatch(cli: Cli) -> Result<ExitCode> {
    let verbosity = Verbosity {
        quiet: cli.global.quiet,
        verbose: cli.global.verbose,
    };
    match cli.command {
        Command::Sign(args) => sign::run(&args, verbosity),
        Command::Fixtures(cmd) => fixtures::run(&cmd, verbosity),
        Command::Send(args) => send::run(&args, verbosity),
        Command::Listen(args) => listen::run(&args, verbosity),
        Command::Verify(args) => verify::run(&args, verbosity),
        Command::Lint(args) => lint::run(&args, verbosity),
        Command::Completions(args) => completions::run(&args),
        Command::Man => man::run(),
        Command::Init(args) => init::run(&args, cli.global.config.as_deref(), verbosity),
        Command::Demo(args) => demo::run(&args, verbosity),
    }
}
