//! The terminal: colour choice, whether a human is there (TTY detection, so whether we may
//! prompt or draw progress), and the per-thread line buffer that output is written into.
//!
//! Contract: data on stdout, diagnostics and progress on stderr. `--json` puts only JSON on
//! stdout. Colour `auto` means stdout is a terminal and `NO_COLOR` is unset. A primitive:
//! imports nothing of this crate (the CLI converts its `--color` flag into [`ColorChoice`]).

use std::cell::RefCell;
use std::io::IsTerminal;

/// When to colour output (`--color`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

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

/// True when we may prompt (dialoguer): stdin and stderr are both terminals.
pub fn interactive() -> bool {
    std::io::stdin().is_terminal() && std::io::stderr().is_terminal()
}

/// True when stderr is a terminal (progress bars, spinners).
pub fn stderr_is_tty() -> bool {
    std::io::stderr().is_terminal()
}

/// True when stdin is a terminal (a command reading it would wait for typing).
pub fn stdin_is_tty() -> bool {
    std::io::stdin().is_terminal()
}

/// True when stdout is a terminal (flush each line at once).
pub fn stdout_is_tty() -> bool {
    std::io::stdout().is_terminal()
}

/// Run `write` on an empty byte buffer this thread keeps between calls, so a line written
/// per request (a capture line, an NDJSON line) costs no allocation. Should the buffer be in
/// use (a caller inside another), a fresh one is lent. Once one huge request has grown it
/// past 1 MiB it is let go, so memory stays flat.
pub fn with_line_buffer<R>(write: impl FnOnce(&mut Vec<u8>) -> R) -> R {
    const KEEP: usize = 1 << 20;
    thread_local! {
        static LINE: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
    }
    LINE.with(|line| match line.try_borrow_mut() {
        Ok(mut buffer) => {
            buffer.clear();
            let result = write(&mut buffer);
            if buffer.capacity() > KEEP {
                *buffer = Vec::new();
            }
            result
        }
        Err(_) => write(&mut Vec::new()),
    })
}

/// Verbosity shared by all commands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Verbosity {
    pub quiet: bool,
    pub verbose: u8,
}

/// Quote for a POSIX shell when needed, for the commands we print for the user to run.
pub fn shell_quote(s: &str) -> String {
    let safe = !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "/:._-+=,@%".contains(c));
    if safe {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', r"'\''"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shell_quote_quotes_only_what_needs_it() {
        assert_eq!(
            shell_quote("http://127.0.0.1:3000/webhook"),
            "http://127.0.0.1:3000/webhook"
        );
        assert_eq!(shell_quote("my cap.jsonl"), "'my cap.jsonl'");
        assert_eq!(shell_quote("it's"), r"'it'\''s'");
        assert_eq!(shell_quote(""), "''");
    }

    #[test]
    fn line_buffers_are_empty_reused_and_lent_when_busy() {
        let outer = with_line_buffer(|line| {
            line.extend_from_slice(b"outer");
            // Inside a call, another gets a buffer of its own.
            let inner = with_line_buffer(|inner| {
                assert!(inner.is_empty());
                inner.push(b'x');
                inner.as_ptr()
            });
            assert_ne!(inner, line.as_ptr());
            line.as_ptr()
        });
        // The next call gets the kept buffer back, emptied.
        with_line_buffer(|line| {
            assert!(line.is_empty());
            assert_eq!(line.as_ptr(), outer);
            line.resize(2 << 20, 0);
        });
        // Grown past 1 MiB: let go.
        with_line_buffer(|line| assert!(line.capacity() < 1 << 20));
    }

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
