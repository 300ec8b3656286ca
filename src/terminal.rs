//! Is a human there? Prompts (dialoguer) only when stdin and stderr are terminals.

use std::io::IsTerminal;

/// True when we may prompt: stdin and stderr are both terminals.
pub fn interactive() -> bool {
    std::io::stdin().is_terminal() && std::io::stderr().is_terminal()
}

/// True when stderr is a terminal (progress bars, spinners).
pub fn stderr_is_tty() -> bool {
    std::io::stderr().is_terminal()
}
