//! Large JSONL captures mapped into memory (Unix only; elsewhere they are read): `verify`'s
//! workers parse blocks straight from the page cache, nothing copied.
//!
//! A mapping has one hazard that reading does not: if another process truncates the file
//! while it is mapped, touching the lost pages raises `SIGBUS`, which would kill the process
//! with no word of why. [`map`] installs a handler that says what happened and exits with
//! the input-error code instead. (`listen --save` only ever appends, so this takes a
//! truncation by something else: an editor, `> capture.jsonl`, a log rotation.)
#![allow(unsafe_code)]

use std::fs::File;
use std::ops::Range;
use std::sync::{Arc, Once};

use memmap2::Mmap;

/// Files smaller than this are read: mapping costs more than copying them.
pub(super) const MIN_LEN: u64 = 1 << 20;

/// Map `file` for reading, or `None` when it is not worth it or not possible (not a regular
/// file, small, or the mapping fails): the caller then reads it.
pub(super) fn map(file: &File) -> Option<Arc<Mmap>> {
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
const TRUNCATED: &str = "cmzon-hook: error: a capture file was truncated while it was being read; its requests past the cut cannot be verified\nhint: verify a copy (`cp capture.jsonl snapshot.jsonl`) when something else may rewrite the file\n";

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

/// A mapping as the bytes a [`std::io::Cursor`] reads (format detection, HAR, raw HTTP).
pub(super) struct MappedBytes(pub(super) Arc<Mmap>);

impl AsRef<[u8]> for MappedBytes {
    fn as_ref(&self) -> &[u8] {
        &self.0
    }
}

/// A mapped JSONL capture cut into blocks of whole lines, and how far it has been cut.
pub(super) struct MappedBlocks {
    map: Arc<Mmap>,
    pos: usize,
    /// How far pages have been mapped ahead of `pos`.
    populated: usize,
}

/// Pages of a mapped capture are mapped this many bytes at a time (a multiple of the page
/// size).
const POPULATE: usize = 1 << 22;

/// A block: a range of a mapping.
#[derive(Debug, Clone)]
pub(super) struct MappedBlock(Arc<Mmap>, Range<usize>);

impl std::ops::Deref for MappedBlock {
    type Target = [u8];

    fn deref(&self) -> &[u8] {
        &self.0[self.1.clone()]
    }
}

impl MappedBlocks {
    /// Blocks of `map`, from `pos` (after a byte order mark).
    pub(super) fn new(map: Arc<Mmap>, pos: usize) -> MappedBlocks {
        MappedBlocks {
            map,
            pos,
            populated: 0,
        }
    }

    /// The next block: about `size` bytes of whole lines (a longer line whole), or `None`
    /// at the end.
    pub(super) fn next_block(&mut self, size: usize) -> Option<MappedBlock> {
        if self.pos == self.map.len() {
            return None;
        }
        #[cfg(target_os = "linux")]
        self.populate_ahead(size);
        let rest = &self.map[self.pos..];
        let len = if rest.len() <= size {
            rest.len()
        } else {
            match memchr::memrchr(b'\n', &rest[..size]) {
                Some(end) => end + 1,
                None => {
                    memchr::memchr(b'\n', &rest[size..]).map_or(rest.len(), |end| size + end + 1)
                }
            }
        };
        let range = self.pos..self.pos + len;
        self.pos += len;
        Some(MappedBlock(self.map.clone(), range))
    }

    /// Map the pages of the next blocks in one call each, before anything touches them: a
    /// fault per few pages costs more (this thread then counts their lines, workers parse
    /// them). The first blocks' pages come first, so that workers start at once.
    #[cfg(target_os = "linux")]
    fn populate_ahead(&mut self, size: usize) {
        let len = self.map.len();
        while self.populated < len && self.populated < self.pos + 2 * size {
            let step = if self.populated == 0 {
                2 * size
            } else {
                POPULATE
            };
            let step = step.min(len - self.populated);
            // Older kernels refuse the advice: pages are then mapped as they are touched.
            let _ = self
                .map
                .advise_range(memmap2::Advice::PopulateRead, self.populated, step);
            self.populated += step;
        }
    }
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
