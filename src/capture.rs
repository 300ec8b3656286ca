//! Captured requests: the model, readers for cmzon-hook JSONL, HAR 1.2 and raw HTTP/1.1,
//! and the JSONL writer `listen --save` uses.

use std::path::Path;

use crate::error::Result;

/// One request as it travelled: headers in received order with original case (repeats kept)
/// and the exact body bytes.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CapturedRequest {
    pub id: Option<u64>,
    pub received_at: Option<String>,
    pub remote_addr: Option<String>,
    pub method: String,
    pub path: String,
    pub query: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl CapturedRequest {
    /// First header with this name, matched case-insensitively.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
    pub fn header_pairs(&self) -> impl Iterator<Item = (&str, &str)> {
        self.headers.iter().map(|(n, v)| (n.as_str(), v.as_str()))
    }
}

/// A request and where it came from: `file:line` (JSONL) or `file#entry` (HAR, raw).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Located {
    pub source: String,
    pub request: CapturedRequest,
}

/// Detected capture format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Jsonl,
    Har,
    RawHttp,
}

/// Read every request of a capture file, detecting the format from content. JSONL is
/// streamed: one request in memory at a time. Filled in by the capture work.
pub fn read_captures(path: &Path) -> Result<Box<dyn Iterator<Item = Result<Located>>>> {
    todo!("capture work: {}", path.display())
}

/// One capture JSONL line (no trailing newline) for a request.
pub fn to_jsonl_line(request: &CapturedRequest) -> String {
    todo!("capture work: {request:?}")
}

/// Appends requests to a capture JSONL file: one `write_all` of a whole line per request,
/// flushed per request, serialized by a mutex so concurrent requests never interleave.
pub struct CaptureWriter {
    file: std::sync::Mutex<std::fs::File>,
}

impl CaptureWriter {
    /// Open (create or append) a capture file.
    pub fn open(path: &Path) -> Result<CaptureWriter> {
        todo!("capture work: {}", path.display())
    }

    /// Append one request as one line.
    pub fn append(&self, request: &CapturedRequest) -> std::io::Result<()> {
        let _ = &self.file;
        todo!("capture work: {request:?}")
    }
}
