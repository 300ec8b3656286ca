//! Opening a capture: a file (read by [`CaptureFile`]) or stdin, its format detected from its
//! first non-blank line, handed to the JSONL, HAR or raw HTTP reader.

use std::fs::File;
use std::io::{self, BufRead, BufReader, Chain, Cursor, Read};
use std::path::Path;

use serde_json::Value;

use super::file::CaptureFile;
use super::har::{read_har, Skipped};
use super::jsonl::{JsonlBlocks, JsonlReader, BLOCK_SIZE};
use super::raw::{parse_request_line, RawReader};
use super::{preview, read_error, Captures};
use crate::error::{Error, Result};

/// A capture's format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Format {
    Jsonl,
    Har,
    RawHttp,
}

/// A UTF-8 byte order mark, skipped before a capture's first line.
const BOM: &[u8] = b"\xEF\xBB\xBF";

/// Read every request of a capture file (`-` for stdin), detecting the format from content.
/// JSONL is streamed: one block of lines in memory at a time.
/// HAR entries that are not webhook deliveries are skipped ([`read_deliveries`] counts them).
pub fn read_captures(path: &Path) -> Result<Captures> {
    Ok(read_deliveries(path)?.0)
}

/// Like [`read_captures`], with the HAR entries skipped because they are not webhook
/// deliveries (not a POST with a body).
pub fn read_deliveries(path: &Path) -> Result<(Captures, Skipped)> {
    Ok(match open_captures(path)? {
        OpenedCapture::Jsonl(blocks) => (Box::new(JsonlReader::new(blocks)), Skipped::default()),
        OpenedCapture::Requests(requests, skipped) => (requests, skipped),
    })
}

/// Like [`read_captures`] over any reader; `name` is used in sources and errors.
pub fn read_captures_from(name: &str, reader: Box<dyn BufRead>) -> Result<Captures> {
    Ok(match open_from(name, reader)? {
        Detected::Jsonl(blocks) => Box::new(JsonlReader::new(blocks)),
        Detected::Requests(requests, _) => requests,
    })
}

/// A capture opened for reading, its format detected.
pub enum OpenedCapture {
    /// cmzon-hook JSONL as blocks of whole lines, to parse on any thread (in file order,
    /// the same requests and errors [`read_captures`] yields).
    Jsonl(JsonlBlocks),
    /// HAR or raw HTTP, request by request, and the HAR entries skipped because they are not
    /// webhook deliveries.
    Requests(Captures, Skipped),
}

/// Open a capture file (`-` for stdin) like [`read_captures`], JSONL left as blocks of lines.
pub fn open_captures(path: &Path) -> Result<OpenedCapture> {
    let name = path.display().to_string();
    let reader: Box<dyn BufRead + Send> = if path == Path::new("-") {
        Box::new(BufReader::with_capacity(BLOCK_SIZE, io::stdin()))
    } else {
        let file = File::open(path).map_err(|e| Error::file(&name, &e))?;
        if file.metadata().is_ok_and(|m| m.is_dir()) {
            return Err(Error::input(format!("cannot read {name}: is a directory"))
                .with_hint("give capture files, not directories"));
        }
        Box::new(BufReader::with_capacity(BLOCK_SIZE, CaptureFile::new(file)))
    };
    Ok(match open_from(&name, reader)? {
        Detected::Jsonl(blocks) => OpenedCapture::Jsonl(blocks.boxed()),
        Detected::Requests(requests, skipped) => OpenedCapture::Requests(requests, skipped),
    })
}

/// A capture's format, detected from its first non-blank line, and its reader for that
/// format (the first line read back in front of the rest).
pub(super) enum Detected<R> {
    Jsonl(JsonlBlocks<Chain<Cursor<Vec<u8>>, R>>),
    Requests(Captures, Skipped),
}

pub(super) fn open_from<R: BufRead + 'static>(name: &str, mut reader: R) -> Result<Detected<R>> {
    let mut first = Vec::new();
    let mut skipped = 0u64;
    loop {
        first.clear();
        let n = reader
            .read_until(b'\n', &mut first)
            .map_err(|e| read_error(name, &e))?;
        if n == 0 {
            return Err(Error::input(format!("{name}: the capture is empty")).with_hint(
                "capture requests with `cmzon-hook listen --save FILE`, or export a HAR from devtools",
            ));
        }
        if skipped == 0 && first.starts_with(BOM) {
            first.drain(..BOM.len());
        }
        if first.trim_ascii().is_empty() {
            skipped += 1;
            continue;
        }
        break;
    }
    let format = detect(&first).ok_or_else(|| {
        Error::input(format!(
            "{name}: not a capture: expected cmzon-hook JSONL, a HAR 1.2 document, or a raw HTTP/1.1 request (line {} starts `{}`)",
            skipped + 1,
            preview(&first)
        ))
        .with_hint(
            "`cmzon-hook listen --save FILE` writes JSONL, devtools export HAR, `nc -l 3000 > req.http` saves raw HTTP",
        )
    })?;
    let rest = Cursor::new(first).chain(reader);
    Ok(match format {
        Format::Jsonl => Detected::Jsonl(JsonlBlocks::new(name, rest, skipped)),
        Format::Har => {
            let (requests, not_deliveries) = read_har(name, Box::new(rest), skipped)?;
            Detected::Requests(requests, not_deliveries)
        }
        Format::RawHttp => Detected::Requests(
            Box::new(RawReader::new(name, Box::new(rest), skipped)),
            Skipped::default(),
        ),
    })
}

/// What `bytes` are when they hold a capture rather than one webhook body (a capture file
/// given as a payload): "a cmzon-hook capture (JSONL)", "a HAR file" or "a raw HTTP
/// request"; `None` for anything else. A JSONL capture is recognised by its first line, an
/// object with `method`, `path` and `headers`; a HAR file by `log.entries`.
pub fn capture_kind(bytes: &[u8]) -> Option<&'static str> {
    const JSONL: &str = "a cmzon-hook capture (JSONL)";
    const HAR: &str = "a HAR file";
    let bytes = bytes.strip_prefix(BOM).unwrap_or(bytes);
    let first = bytes
        .split_inclusive(|&b| b == b'\n')
        .find(|l| !l.trim_ascii().is_empty())?;
    let line = first.trim_ascii();
    let is_har = |map: &serde_json::Map<String, Value>| {
        map.get("log")
            .and_then(|log| log.get("entries"))
            .is_some_and(Value::is_array)
    };
    if line.starts_with(b"{") {
        let doc = match serde_json::from_slice::<Value>(line) {
            Ok(v) => v,
            // A document over several lines: only a HAR file is a capture.
            Err(e) if e.is_eof() => {
                return match serde_json::from_slice::<Value>(bytes) {
                    Ok(Value::Object(map)) if is_har(&map) => Some(HAR),
                    _ => None,
                }
            }
            Err(_) => return None,
        };
        let Value::Object(map) = doc else {
            return None;
        };
        if is_har(&map) {
            return Some(HAR);
        }
        let capture_line = ["method", "path", "headers"]
            .iter()
            .all(|k| map.contains_key(*k))
            && (map.contains_key("body") || map.contains_key("body_base64"));
        return capture_line.then_some(JSONL);
    }
    parse_request_line(first).ok().map(|_| "a raw HTTP request")
}

/// Decide the format from the first non-blank line.
fn detect(first: &[u8]) -> Option<Format> {
    let line = first.trim_ascii();
    if line.starts_with(b"{") {
        if line == b"{" {
            return Some(Format::Har);
        }
        return Some(match serde_json::from_slice::<Value>(line) {
            Ok(Value::Object(map)) if map.contains_key("log") => Format::Har,
            Ok(_) => Format::Jsonl,
            // A document that goes on over several lines.
            Err(e) if e.is_eof() => Format::Har,
            Err(_) => Format::Jsonl,
        });
    }
    parse_request_line(first).ok().map(|_| Format::RawHttp)
}

#[cfg(test)]
mod tests {
    use super::super::testing::read;
    use super::super::{testing::sample, to_jsonl_line};
    use super::*;

    #[test]
    fn unrecognised_and_empty_files() {
        let e = read("notes.txt", b"hello world\n").err().unwrap();
        assert!(
            e.message.starts_with("notes.txt: not a capture"),
            "{}",
            e.message
        );
        assert!(e.message.contains("`hello world`"));
        let e = read("empty.jsonl", b"\n  \n").err().unwrap();
        assert_eq!(e.message, "empty.jsonl: the capture is empty");
        assert_eq!(e.exit_code(), 2);
    }

    #[test]
    fn files_and_bom() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("cap.txt");
        std::fs::write(&p, format!("\u{feff}{}\n", to_jsonl_line(&sample()))).unwrap();
        let got: Vec<_> = read_captures(&p).unwrap().collect();
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].as_ref().unwrap().request, sample());
        let e = read_captures(&dir.path().join("missing.jsonl"))
            .err()
            .unwrap();
        assert!(
            e.message.contains("missing.jsonl: no such file"),
            "{}",
            e.message
        );
        let e = read_captures(dir.path()).err().unwrap();
        assert!(e.message.contains("is a directory"), "{}", e.message);
    }
}
