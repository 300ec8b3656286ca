//! Capture files mapped into memory: `verify` reads a large JSONL capture without copying it
//! (no `read` into a buffer, no copy into blocks), its workers parsing straight from the page
//! cache.
//!
//! A mapping has one hazard that reading does not: if another process truncates the file
//! while it is mapped, touching the lost pages raises `SIGBUS`, which would kill the process
//! with no word of why. [`map`] installs a handler that says what happened and exits with
//! the input-error code instead. (`listen --save` only ever appends, so this takes a
//! truncation by something else: an editor, `> capture.jsonl`, a log rotation.)

use std::fs::File;
use std::sync::{Arc, Once};

use memmap2::Mmap;

/// Files smaller than this are read: mapping costs more than copying them.
pub const MIN_LEN: u64 = 1 << 20;

/// Map `file` for reading, or `None` when it is not worth it or not possible (not a regular
/// file, small, or the mapping fails): the caller then reads it.
pub fn map(file: &File) -> Option<Arc<Mmap>> {
    let meta = file.metadata().ok()?;
    if !meta.is_file() || meta.len() < MIN_LEN || usize::try_from(meta.len()).is_err() {
        return None;
    }
    guard_truncation();
    // SAFETY: the mapping is read-only and private to this process; the bytes are only read
    // through `&[u8]`, never assumed to stay valid UTF-8 or unchanged across reads (each
    // block is validated where it is parsed). The one way the mapping can go bad under us is
    // the file shrinking, which raises SIGBUS: `guard_truncation` turns that into a clear
    // error and exit code 2 rather than undefined behaviour being observed.
    let map = unsafe { Mmap::map(file) }.ok()?;
    // Read front to back: let the kernel read ahead and drop pages behind us.
    let _ = map.advise(memmap2::Advice::Sequential);
    Some(Arc::new(map))
}

/// What a `SIGBUS` prints (a mapped capture lost pages: it was truncated while being read).
pub const TRUNCATED: &str = "cmzon-hook: error: a capture file was truncated while it was being read; its requests past the cut cannot be verified\nhint: verify a copy (`cp capture.jsonl snapshot.jsonl`) when something else may rewrite the file\n";

fn guard_truncation() {
    static INSTALL: Once = Once::new();
    INSTALL.call_once(|| {
        extern "C" fn on_sigbus(_: libc::c_int) {
            // Only async-signal-safe calls: one write, then _exit (no unwinding, no flush).
            // SAFETY: `TRUNCATED` is a static buffer of the given length; `_exit` never returns.
            unsafe {
                libc::write(2, TRUNCATED.as_ptr().cast(), TRUNCATED.len());
                libc::_exit(i32::from(crate::error::exit::USAGE));
            }
        }
        // SAFETY: installs a handler that only calls async-signal-safe functions.
        unsafe {
            let handler: extern "C" fn(libc::c_int) = on_sigbus;
            libc::signal(libc::SIGBUS, handler as libc::sighandler_t);
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    #[test]
    fn large_regular_files_are_mapped_small_ones_read() {
        let dir = tempfile::tempdir().unwrap();
        let big = dir.path().join("big.jsonl");
        let mut f = File::create(&big).unwrap();
        let line = b"{\"a\":1}\n";
        for _ in 0..(MIN_LEN as usize / line.len() + 1) {
            f.write_all(line).unwrap();
        }
        drop(f);
        let map = map(&File::open(&big).unwrap()).expect("a large file is mapped");
        assert!(map.starts_with(line) && map.len() as u64 > MIN_LEN);

        let small = dir.path().join("small.jsonl");
        std::fs::write(&small, line).unwrap();
        assert!(super::map(&File::open(&small).unwrap()).is_none());
        assert!(super::map(&File::open(dir.path()).unwrap()).is_none());
    }
}
