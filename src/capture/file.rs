//! Capture files read from disk: plainly, in large reads, and checked against their length
//! when opened, so that a capture cut short while it is read (an editor, `> capture.jsonl`,
//! a log rotation) is an error rather than a quietly shorter capture. (`listen --save` only
//! ever appends: a file that grows is read to its new end.)

use std::fmt;
use std::fs::File;
use std::io::{self, Read};

use crate::error::Error;

/// A capture file and how much of it has been read.
pub(super) struct CaptureFile {
    file: File,
    len_at_open: u64,
    read: u64,
}

impl CaptureFile {
    pub(super) fn new(file: File) -> CaptureFile {
        let len_at_open = file.metadata().map_or(0, |m| m.len());
        CaptureFile {
            file,
            len_at_open,
            read: 0,
        }
    }
}

impl Read for CaptureFile {
    /// The file's bytes; its end before the length it had when opened is [`Truncated`].
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.file.read(buf)?;
        self.read += n as u64;
        if n == 0 && !buf.is_empty() && self.read < self.len_at_open {
            return Err(io::Error::new(io::ErrorKind::UnexpectedEof, Truncated));
        }
        Ok(n)
    }
}

/// The read error of a capture file that became shorter while it was being read.
#[derive(Debug)]
pub(super) struct Truncated;

impl fmt::Display for Truncated {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the file was truncated while it was being read")
    }
}

impl std::error::Error for Truncated {}

impl Truncated {
    /// The error to report when `err` is [`Truncated`]: what was read stays valid, the
    /// requests past the cut are lost.
    pub(super) fn error_of(err: &io::Error) -> Option<Error> {
        err.get_ref().filter(|e| e.is::<Truncated>()).map(|_| {
            Error::input(
                "a capture file was truncated while it was being read; its requests past the cut cannot be verified",
            )
            .with_hint(
                "verify a copy (`cp capture.jsonl snapshot.jsonl`) when something else may rewrite the file",
            )
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    #[test]
    fn a_file_cut_while_read_is_an_error_one_that_grows_is_read_whole() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("cap.jsonl");
        std::fs::write(&path, b"0123456789").unwrap();

        let mut cut = CaptureFile::new(File::open(&path).unwrap());
        let mut four = [0; 4];
        cut.read_exact(&mut four).unwrap();
        File::options()
            .write(true)
            .open(&path)
            .unwrap()
            .set_len(2)
            .unwrap();
        let e = cut.read(&mut four).unwrap_err();
        let error = Truncated::error_of(&e).expect("a truncation");
        assert!(error.message.starts_with("a capture file was truncated"));
        assert_eq!(error.exit_code(), 2);

        std::fs::write(&path, b"0123").unwrap();
        let mut grown = CaptureFile::new(File::open(&path).unwrap());
        let mut more = File::options().append(true).open(&path).unwrap();
        more.write_all(b"4567").unwrap();
        let mut all = Vec::new();
        grown.read_to_end(&mut all).unwrap();
        assert_eq!(all, b"01234567");

        let e = io::Error::other("disk on fire");
        assert!(Truncated::error_of(&e).is_none());
    }
}
