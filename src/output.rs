//! Output policy: colors, where things go, and shared formatting helpers.
//!
//! Contract: data on stdout, diagnostics and progress on stderr. `--json` puts only JSON on
//! stdout. Color `auto` means stdout is a terminal and `NO_COLOR` is unset.

use std::io::IsTerminal;

use crate::cli::ColorChoice;

/// Decide whether to color, given the choice, whether the stream is a TTY and `NO_COLOR`.
/// Pure, so it is testable without a terminal.
pub fn use_color(choice: ColorChoice, is_tty: bool, no_color_env: Option<&str>) -> bool {
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        // https://no-color.org: set and non-empty disables color.
        ColorChoice::Auto => is_tty && no_color_env.is_none_or(|v| v.is_empty()),
    }
}

/// Apply the color policy process-wide (the `colored` crate's override).
pub fn init_color(choice: ColorChoice) -> bool {
    let on = use_color(
        choice,
        std::io::stdout().is_terminal(),
        std::env::var("NO_COLOR").ok().as_deref(),
    );
    colored::control::set_override(on);
    on
}

/// Verbosity shared by all commands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Verbosity {
    pub quiet: bool,
    pub verbose: u8,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn color_policy() {
        assert!(use_color(ColorChoice::Always, false, Some("1")));
        assert!(!use_color(ColorChoice::Never, true, None));
        assert!(use_color(ColorChoice::Auto, true, None));
        assert!(use_color(ColorChoice::Auto, true, Some("")));
        assert!(!use_color(ColorChoice::Auto, true, Some("1")));
        assert!(!use_color(ColorChoice::Auto, false, None));
    }
}
