//! One error type for the whole tool, and the single place where errors become exit codes.
//!
//! Every error carries a one-line `message` (what went wrong) and, where we know it, a `hint`
//! (how to fix it). `main` prints them as `cmzon-hook: error: <message>` / `hint: <hint>`.
//! Messages must never contain the webhook secret.

use std::fmt;
use std::io;
use std::process::ExitCode;

/// Stable exit codes, documented in README and `--help`.
pub mod exit {
    /// Everything valid, delivered, passed.
    pub const SUCCESS: u8 = 0;
    /// A check failed: invalid signature, failed delivery, failing lint check.
    pub const FAILURE: u8 = 1;
    /// Usage or input error: bad flag, unreadable/malformed input, missing secret.
    pub const USAGE: u8 = 2;
    /// Stopped at once by a second Ctrl-C (128 + SIGINT, as shells report it).
    pub const INTERRUPTED: u8 = 130;
}

/// Quit the process now with [`exit::INTERRUPTED`] (a second Ctrl-C): the caller has already
/// sealed whatever must not be left half-written.
pub fn exit_interrupted() -> ! {
    std::process::exit(i32::from(exit::INTERRUPTED))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// Bad flags or flag combinations, missing secret, not implemented: exit 2.
    Usage,
    /// Input we cannot read or parse (files, captures, fixtures): exit 2.
    Input,
    /// The thing we were asked to check failed (delivery, verification): exit 1.
    Failure,
    /// Stdout was closed by the reader (`| head`): exit 0 quietly.
    BrokenPipe,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    pub kind: ErrorKind,
    pub message: String,
    pub hint: Option<String>,
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Error {
            kind,
            message: message.into(),
            hint: None,
        }
    }
    pub fn usage(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Usage, message)
    }
    pub fn input(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Input, message)
    }
    pub fn failure(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Failure, message)
    }
    pub fn not_implemented(command: &str) -> Self {
        Self::usage(format!("`{command}` is not implemented yet"))
            .with_hint("see README.md for the commands available in this version")
    }
    pub fn with_hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    /// An I/O error on a named file, as a one-line input error.
    pub fn file(path: impl fmt::Display, err: &io::Error) -> Self {
        let what = match err.kind() {
            io::ErrorKind::NotFound => "no such file".to_string(),
            io::ErrorKind::PermissionDenied => "permission denied".to_string(),
            io::ErrorKind::IsADirectory => "is a directory".to_string(),
            _ => err.to_string(),
        };
        Self::input(format!("cannot read {path}: {what}"))
            .with_hint("check the path and that the file is readable")
    }

    pub fn exit_code(&self) -> u8 {
        match self.kind {
            ErrorKind::Usage | ErrorKind::Input => exit::USAGE,
            ErrorKind::Failure => exit::FAILURE,
            ErrorKind::BrokenPipe => exit::SUCCESS,
        }
    }

    /// Print the error in the one documented format (nothing for a broken pipe) and return
    /// the exit code to use.
    pub fn report(&self) -> ExitCode {
        if self.kind != ErrorKind::BrokenPipe {
            eprintln!("{}", self.render());
        }
        ExitCode::from(self.exit_code())
    }

    /// `cmzon-hook: error: <message>` plus `hint: <fix>` when there is one.
    pub fn render(&self) -> String {
        match &self.hint {
            Some(h) => format!("cmzon-hook: error: {}\nhint: {h}", self.message),
            None => format!("cmzon-hook: error: {}", self.message),
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Error {}

impl From<io::Error> for Error {
    /// Bare I/O errors are almost always stdout/stderr writes; a closed pipe is not an error.
    fn from(err: io::Error) -> Self {
        if err.kind() == io::ErrorKind::BrokenPipe {
            Error::new(ErrorKind::BrokenPipe, "broken pipe")
        } else {
            Error::input(format!("I/O error: {err}"))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exit_codes_by_kind() {
        assert_eq!(Error::usage("x").exit_code(), 2);
        assert_eq!(Error::input("x").exit_code(), 2);
        assert_eq!(Error::failure("x").exit_code(), 1);
        let bp: Error = io::Error::from(io::ErrorKind::BrokenPipe).into();
        assert_eq!(bp.exit_code(), 0);
    }

    #[test]
    fn render_has_one_format() {
        let e = Error::usage("bad thing").with_hint("do this");
        assert_eq!(e.render(), "cmzon-hook: error: bad thing\nhint: do this");
        assert_eq!(Error::failure("x").render(), "cmzon-hook: error: x");
    }

    #[test]
    fn file_errors_name_the_path() {
        let e = Error::file("a.json", &io::Error::from(io::ErrorKind::NotFound));
        assert_eq!(e.message, "cannot read a.json: no such file");
        assert_eq!(e.exit_code(), 2);
    }
}
