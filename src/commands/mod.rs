//! One module per subcommand: each wires the core pieces together and maps results to an
//! exit code. Commands never import each other; what two share moves into a core module.

use std::process::ExitCode;

use crate::cli::{Cli, Command};
use crate::error::Result;
use crate::output::{self, Verbosity};

pub mod completions;
pub mod fixtures;
pub mod lint;
pub mod listen;
pub mod man;
pub mod send;
pub mod sign;
pub mod verify;

/// Run the parsed command line.
pub fn dispatch(cli: Cli) -> Result<ExitCode> {
    output::init_color(cli.global.color);
    let verbosity = Verbosity {
        quiet: cli.global.quiet,
        verbose: cli.global.verbose,
    };
    match cli.command {
        Command::Sign(args) => sign::run(&args),
        Command::Fixtures(cmd) => fixtures::run(&cmd, verbosity),
        Command::Send(args) => send::run(&args, verbosity),
        Command::Listen(args) => listen::run(&args, verbosity),
        Command::Verify(args) => verify::run(&args, verbosity),
        Command::Lint(args) => lint::run(&args, verbosity),
        Command::Completions(args) => completions::run(&args),
        Command::Man => man::run(),
    }
}
