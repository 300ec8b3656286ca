//! What verifying produced, written in order: [`VerifiedBatch`] holds one block's stdout
//! bytes and the stderr lines between them; [`VerifyReport`] writes batches, counts, and
//! closes with the summary line and the exit code.

use std::collections::HashSet;
use std::io::{self, BufWriter, Write};
use std::process::ExitCode;

use crate::error::{exit, Error, Result};
use crate::terminal::Verbosity;
use crate::webhook::secret::Secret;

/// What verifying some requests produced, applied in order by [`VerifyReport::apply`]: stdout
/// bytes, and the stderr lines that go between them.
#[derive(Default)]
pub struct VerifiedBatch {
    out: Vec<u8>,
    /// (offset in `out`, what to do there)
    stderr: Vec<(usize, Interjection)>,
    valid: u64,
    invalid: u64,
}

/// What goes between a batch's stdout bytes.
enum Interjection {
    Unreadable(Error),
    Note(String),
    /// `-v`: stdout is flushed after each request.
    Flush,
}

impl VerifiedBatch {
    pub(super) fn unreadable(&mut self, e: Error) {
        self.stderr
            .push((self.out.len(), Interjection::Unreadable(e)));
    }
    pub(super) fn note(&mut self, text: String) {
        self.stderr.push((self.out.len(), Interjection::Note(text)));
    }
    pub(super) fn flush_here(&mut self) {
        self.stderr.push((self.out.len(), Interjection::Flush));
    }
    pub(super) fn reserve(&mut self, bytes: usize) {
        self.out.reserve(bytes);
    }
    /// The stdout bytes, to write a request's line(s) into.
    pub(super) fn stdout(&mut self) -> &mut Vec<u8> {
        &mut self.out
    }
    pub(super) fn count(&mut self, valid: bool) {
        if valid {
            self.valid += 1;
        } else {
            self.invalid += 1;
        }
    }
}

/// Prints one line per request (stdout), errors and the summary (stderr), and counts.
pub struct VerifyReport<'a> {
    secret: &'a Secret,
    json: bool,
    verbosity: Verbosity,
    out: BufWriter<io::StdoutLock<'static>>,
    valid: u64,
    invalid: u64,
    unreadable: u64,
    hints_shown: HashSet<String>,
}

impl<'a> VerifyReport<'a> {
    /// Lines for humans, or one `--json` record per request.
    pub fn new(secret: &'a Secret, json: bool, verbosity: Verbosity) -> Self {
        VerifyReport {
            secret,
            json,
            verbosity,
            out: BufWriter::with_capacity(1 << 16, io::stdout().lock()),
            valid: 0,
            invalid: 0,
            unreadable: 0,
            hints_shown: HashSet::new(),
        }
    }

    pub fn secret(&self) -> &'a Secret {
        self.secret
    }
    pub fn json(&self) -> bool {
        self.json
    }
    pub fn verbosity(&self) -> Verbosity {
        self.verbosity
    }

    /// A batch's output: stdout bytes with stderr lines where they belong, and its counts.
    pub fn apply(&mut self, batch: VerifiedBatch) -> Result<()> {
        let mut at = 0;
        for (offset, what) in batch.stderr {
            self.out.write_all(&batch.out[at..offset])?;
            at = offset;
            match what {
                Interjection::Unreadable(e) => self.unreadable(&e)?,
                Interjection::Note(text) => self.note(&text)?,
                Interjection::Flush => self.out.flush()?,
            }
        }
        self.out.write_all(&batch.out[at..])?;
        self.valid += batch.valid;
        self.invalid += batch.invalid;
        Ok(())
    }

    /// A file or request that could not be read: reported on stderr, counted, exit 2 at the end.
    pub fn unreadable(&mut self, err: &Error) -> Result<()> {
        self.unreadable += 1;
        self.out.flush()?;
        let mut err = err.clone();
        err.message = self.secret.redact(&err.message);
        // One hint per kind of problem is enough, however many lines share it.
        if let Some(h) = &err.hint {
            if !self.hints_shown.insert(h.clone()) {
                err.hint = None;
            }
        }
        writeln!(io::stderr().lock(), "{}", err.render())?;
        Ok(())
    }

    /// Capture entries skipped because they are not webhook deliveries: one line on stderr
    /// (not with `--quiet`); they are not counted.
    pub(super) fn skipped(&mut self, line: &str) -> Result<()> {
        if self.verbosity.quiet {
            return Ok(());
        }
        self.out.flush()?;
        writeln!(io::stderr().lock(), "{}", self.secret.redact(line))?;
        Ok(())
    }

    /// A diagnostic line on stderr (`-v`), with anything that looks like the secret redacted.
    fn note(&mut self, text: &str) -> Result<()> {
        self.out.flush()?;
        writeln!(io::stderr().lock(), "{}", self.secret.redact(text))?;
        Ok(())
    }

    /// The summary line (unless `--quiet`) and the exit code: 2 when anything was
    /// unreadable, else 1 when any request was invalid, else 0.
    pub fn finish(mut self) -> Result<ExitCode> {
        self.out.flush()?;
        if !self.verbosity.quiet {
            let total = self.valid + self.invalid;
            let mut line = format!(
                "verified {total} request{}: {} valid, {} invalid",
                if total == 1 { "" } else { "s" },
                self.valid,
                self.invalid
            );
            if self.unreadable > 0 {
                line.push_str(&format!(", {} unreadable", self.unreadable));
            }
            writeln!(io::stderr().lock(), "{line}")?;
        }
        Ok(ExitCode::from(if self.unreadable > 0 {
            exit::USAGE
        } else if self.invalid > 0 {
            exit::FAILURE
        } else {
            exit::SUCCESS
        }))
    }
}
