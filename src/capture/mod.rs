//! Captured requests: the model, readers for cmzon-hook JSONL, HAR 1.2 and raw HTTP/1.1,
//! and the JSONL writer `listen --save` uses.
//!
//! The format is detected from content, not from the file name:
//! - **JSONL**: the first non-blank line is a JSON object that is not a HAR document; every
//!   non-blank line is one request (`cmzon-hook listen --save` writes these). Streamed: one
//!   block of whole lines (what one read brought) in memory at a time; a bad line is reported
//!   and reading goes on with the next.
//! - **HAR 1.2**: a JSON document with `log.entries[].request` (browser devtools, mitmproxy,
//!   Charles). HTTP/2 pseudo-headers (`:authority`, ...) are dropped; `postData.text` is the
//!   body, base64-decoded when `postData.encoding` is `base64`.
//! - **Raw HTTP/1.1**: request line, headers, body framed by `Content-Length` or chunked
//!   transfer encoding (chunk extensions and trailers are accepted; trailers are not kept).
//!   Several pipelined requests may follow each other. A read error ends the file.
//!
//! Sources are `file:line` for JSONL and `file#N` (N counted from 1) for HAR entries and raw
//! requests. `-` reads stdin.

pub mod mapped;

use std::borrow::Cow;
use std::fs::{File, OpenOptions};
use std::io::{self, BufRead, BufReader, Chain, Cursor, Read, Write};
use std::path::Path;
use std::sync::{Arc, Mutex, PoisonError};

use base64::Engine;
use memmap2::Mmap;
use serde::Deserialize;
use serde_json::Value;

use crate::error::{Error, Result};
use crate::json::scan::{self, Scanner};

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

/// Last header of a captured request that `listen` refused before its body was complete
/// (413, a body cut short): `<status> <reason>`. The body holds only what arrived.
pub const REJECTED_HEADER: &str = "X-Cmzon-Hook-Rejected";

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

/// The items a capture reader yields.
pub type Captures = Box<dyn Iterator<Item = Result<Located>>>;

/// One read's worth: a JSONL block is at most this (unless a line is longer), so handing
/// blocks to other threads costs little next to parsing them.
const READ_BUFFER: usize = 1 << 18;

/// A UTF-8 byte order mark, skipped before a capture's first line.
const BOM: &[u8] = b"\xEF\xBB\xBF";

/// Read every request of a capture file (`-` for stdin), detecting the format from content.
/// JSONL is streamed: one block of lines in memory at a time.
pub fn read_captures(path: &Path) -> Result<Captures> {
    Ok(match open_captures(path)? {
        Opened::Jsonl(blocks) => Box::new(JsonlReader::new(blocks)),
        Opened::Requests(requests) => requests,
    })
}

/// Like [`read_captures`] over any reader; `name` is used in sources and errors.
pub fn read_captures_from(name: &str, reader: Box<dyn BufRead>) -> Result<Captures> {
    Ok(match open_from(name, reader)? {
        Opening::Jsonl(blocks) => Box::new(JsonlReader::new(blocks)),
        Opening::Requests(requests) => requests,
    })
}

/// A capture opened for reading, its format detected.
pub enum Opened {
    /// cmzon-hook JSONL as blocks of whole lines, to parse on any thread (in file order,
    /// the same requests and errors [`read_captures`] yields).
    Jsonl(JsonlBlocks),
    /// HAR or raw HTTP, request by request.
    Requests(Captures),
}

/// Open a capture file (`-` for stdin) like [`read_captures`], JSONL left as blocks of lines.
pub fn open_captures(path: &Path) -> Result<Opened> {
    let name = path.display().to_string();
    let reader: Box<dyn BufRead + Send> = if path == Path::new("-") {
        Box::new(BufReader::with_capacity(READ_BUFFER, io::stdin()))
    } else {
        let file = File::open(path).map_err(|e| Error::file(&name, &e))?;
        if file.metadata().is_ok_and(|m| m.is_dir()) {
            return Err(Error::input(format!("cannot read {name}: is a directory"))
                .with_hint("give capture files, not directories"));
        }
        if let Some(map) = mapped::map(&file) {
            return open_mapped(&name, map);
        }
        Box::new(BufReader::with_capacity(READ_BUFFER, file))
    };
    Ok(match open_from(&name, reader)? {
        Opening::Jsonl(blocks) => Opened::Jsonl(JsonlBlocks {
            name: blocks.name,
            reader: Box::new(blocks.reader),
            line_no: blocks.line_no,
            done: blocks.done,
            mapped: None,
        }),
        Opening::Requests(requests) => Opened::Requests(requests),
    })
}

/// [`open_captures`] over a file mapped into memory: JSONL blocks are slices of the mapping
/// (nothing copied); HAR and raw HTTP are read from it as from the file.
fn open_mapped(name: &str, map: Arc<Mmap>) -> Result<Opened> {
    Ok(
        match open_from(name, Cursor::new(MappedBytes(map.clone())))? {
            Opening::Jsonl(_) => Opened::Jsonl(JsonlBlocks {
                name: name.into(),
                reader: Box::new(io::empty()),
                line_no: 0,
                done: false,
                // Blank lines before the first request are skipped (and counted) by
                // `JsonlLines` as anywhere else; a byte order mark is skipped here.
                mapped: Some(Mapped {
                    pos: if map.starts_with(BOM) { BOM.len() } else { 0 },
                    map,
                    populated: 0,
                }),
            }),
            Opening::Requests(requests) => Opened::Requests(requests),
        },
    )
}

/// A mapping as the bytes a [`Cursor`] reads.
struct MappedBytes(Arc<Mmap>);

impl AsRef<[u8]> for MappedBytes {
    fn as_ref(&self) -> &[u8] {
        &self.0
    }
}

/// [`Opened`] over any reader (the first line already read back in front of the rest).
enum Opening<R> {
    Jsonl(JsonlBlocks<Chain<Cursor<Vec<u8>>, R>>),
    Requests(Captures),
}

fn open_from<R: BufRead + 'static>(name: &str, mut reader: R) -> Result<Opening<R>> {
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
        Format::Jsonl => Opening::Jsonl(JsonlBlocks {
            name: name.into(),
            reader: rest,
            line_no: skipped,
            done: false,
            mapped: None,
        }),
        Format::Har => Opening::Requests(read_har(name, Box::new(rest), skipped)?),
        Format::RawHttp => Opening::Requests(Box::new(RawReader {
            name: name.to_string(),
            reader: Box::new(rest),
            line_no: skipped,
            entry: 0,
            done: false,
            unframed_rest: false,
        })),
    })
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

fn read_error(name: &str, err: &io::Error) -> Error {
    Error::input(format!("cannot read {name}: {err}"))
}

/// The start of a line, printable, for error messages.
fn preview(line: &[u8]) -> String {
    let text = String::from_utf8_lossy(line.trim_ascii());
    let mut out: String = text
        .chars()
        .take(40)
        .map(|c| if c.is_control() { '?' } else { c })
        .collect();
    if text.chars().count() > 40 {
        out.push('…');
    }
    out
}

/// serde_json's message without its ` at line L column C` suffix, and the column.
fn json_message(e: &serde_json::Error) -> String {
    let text = e.to_string();
    match text.rsplit_once(" at line ") {
        Some((msg, _)) => msg.to_string(),
        None => text,
    }
}

fn decode_base64(text: &str) -> std::result::Result<Vec<u8>, String> {
    let compact: String = text.chars().filter(|c| !c.is_ascii_whitespace()).collect();
    base64::engine::general_purpose::STANDARD
        .decode(compact)
        .map_err(|e| e.to_string())
}

// ---------------------------------------------------------------------------------------
// JSONL

/// One capture line, as written by [`to_jsonl_line`]. (Its name shows in serde's messages.)
#[derive(Debug, Deserialize)]
struct JsonlIn<'a> {
    #[serde(default)]
    id: Option<u64>,
    #[serde(default, borrow)]
    received_at: Option<Text<'a>>,
    #[serde(default, borrow)]
    remote_addr: Option<Text<'a>>,
    #[serde(borrow)]
    method: Text<'a>,
    #[serde(borrow)]
    path: Text<'a>,
    #[serde(default, borrow)]
    query: Option<Text<'a>>,
    #[serde(borrow)]
    headers: Vec<(Text<'a>, Text<'a>)>,
    #[serde(default, borrow)]
    body: Option<Body<'a>>,
    #[serde(default, borrow)]
    body_base64: Option<Text<'a>>,
}

/// The `body` string as the request's bytes: [`jsonl_in_fast`] decodes it straight to bytes
/// (whoever parses the body checks it as UTF-8), serde through [`Text`].
#[derive(Debug)]
struct Body<'a>(Cow<'a, [u8]>);

impl<'de: 'a, 'a> Deserialize<'de> for Body<'a> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        Ok(Body(match Text::deserialize(d)?.0 {
            Cow::Borrowed(text) => Cow::Borrowed(text.as_bytes()),
            Cow::Owned(text) => Cow::Owned(text.into_bytes()),
        }))
    }
}

/// A JSON string, borrowed from the line when it holds no escape (serde's `Cow<str>` always
/// copies). Rejects other types as `String` does.
#[derive(Debug)]
struct Text<'a>(Cow<'a, str>);

impl<'de: 'a, 'a> Deserialize<'de> for Text<'a> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        struct TextVisitor;
        impl<'de> serde::de::Visitor<'de> for TextVisitor {
            type Value = Text<'de>;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a string")
            }
            fn visit_borrowed_str<E>(self, s: &'de str) -> std::result::Result<Text<'de>, E> {
                Ok(Text(Cow::Borrowed(s)))
            }
            fn visit_str<E>(self, s: &str) -> std::result::Result<Text<'de>, E> {
                Ok(Text(Cow::Owned(s.to_string())))
            }
            fn visit_string<E>(self, s: String) -> std::result::Result<Text<'de>, E> {
                Ok(Text(Cow::Owned(s)))
            }
        }
        d.deserialize_str(TextVisitor)
    }
}

const JSONL_HINT: &str = "each line must be one JSON object with method, path, query, headers ([[name, value], ...]) and body or body_base64, as `cmzon-hook listen --save` writes";

/// A captured request borrowing from its capture line: strings that hold no JSON escape are
/// not copied. [`RequestRef::into_owned`] gives the [`CapturedRequest`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestRef<'a> {
    pub id: Option<u64>,
    pub received_at: Option<Cow<'a, str>>,
    pub remote_addr: Option<Cow<'a, str>>,
    pub method: Cow<'a, str>,
    pub path: Cow<'a, str>,
    pub query: Cow<'a, str>,
    pub headers: Vec<(Cow<'a, str>, Cow<'a, str>)>,
    pub body: Cow<'a, [u8]>,
}

impl RequestRef<'_> {
    pub fn header_pairs(&self) -> impl Iterator<Item = (&str, &str)> {
        self.headers.iter().map(|(n, v)| (n.as_ref(), v.as_ref()))
    }

    /// Why `listen` refused this request before its body was complete, if it did.
    pub fn rejected(&self) -> Option<&str> {
        self.header_pairs()
            .find(|(n, _)| n.eq_ignore_ascii_case(REJECTED_HEADER))
            .map(|(_, v)| v)
    }

    pub fn into_owned(self) -> CapturedRequest {
        CapturedRequest {
            id: self.id,
            received_at: self.received_at.map(Cow::into_owned),
            remote_addr: self.remote_addr.map(Cow::into_owned),
            method: self.method.into_owned(),
            path: self.path.into_owned(),
            query: self.query.into_owned(),
            headers: self
                .headers
                .into_iter()
                .map(|(n, v)| (n.into_owned(), v.into_owned()))
                .collect(),
            body: self.body.into_owned(),
        }
    }
}

impl CapturedRequest {
    /// This request as a [`RequestRef`] borrowing its fields.
    pub fn borrowed(&self) -> RequestRef<'_> {
        RequestRef {
            id: self.id,
            received_at: self.received_at.as_deref().map(Cow::Borrowed),
            remote_addr: self.remote_addr.as_deref().map(Cow::Borrowed),
            method: Cow::Borrowed(&self.method),
            path: Cow::Borrowed(&self.path),
            query: Cow::Borrowed(&self.query),
            headers: self
                .headers
                .iter()
                .map(|(n, v)| (Cow::Borrowed(n.as_str()), Cow::Borrowed(v.as_str())))
                .collect(),
            body: Cow::Borrowed(&self.body),
        }
    }
}

/// A JSONL capture read as blocks of whole lines (each block is what one read brought, so a
/// capture that grows line by line on a pipe is still seen line by line). Yields a read
/// error once, then ends.
pub struct JsonlBlocks<R = Box<dyn BufRead + Send>> {
    name: Arc<str>,
    reader: R,
    /// Lines handed out so far (blank ones included).
    line_no: u64,
    done: bool,
    /// Set when the capture is a file mapped into memory: blocks are cut from it instead
    /// of read from `reader`.
    mapped: Option<Mapped>,
}

/// A mapped capture and how far into it blocks have been handed out.
struct Mapped {
    map: Arc<Mmap>,
    pos: usize,
    /// How far pages have been mapped ahead of `pos`.
    populated: usize,
}

/// Pages of a mapped capture are mapped this many bytes at a time (a multiple of the page
/// size).
const POPULATE: usize = 1 << 22;

/// Whole lines of a JSONL capture and the number of the line before them.
#[derive(Debug, Clone)]
pub struct JsonlBlock {
    name: Arc<str>,
    first_line: u64,
    data: BlockData,
}

/// A block's bytes: read into memory, or a range of a mapped file.
#[derive(Debug, Clone)]
enum BlockData {
    Read(Vec<u8>),
    Mapped(Arc<Mmap>, std::ops::Range<usize>),
}

impl std::ops::Deref for BlockData {
    type Target = [u8];

    fn deref(&self) -> &[u8] {
        match self {
            BlockData::Read(data) => data,
            BlockData::Mapped(map, range) => &map[range.clone()],
        }
    }
}

impl Mapped {
    /// The next block: about [`READ_BUFFER`] bytes of whole lines (a longer line whole),
    /// or `None` at the end.
    fn next_block(&mut self) -> Option<BlockData> {
        if self.pos == self.map.len() {
            return None;
        }
        #[cfg(target_os = "linux")]
        self.populate_ahead();
        let rest = &self.map[self.pos..];
        let len = if rest.len() <= READ_BUFFER {
            rest.len()
        } else {
            match memchr::memrchr(b'\n', &rest[..READ_BUFFER]) {
                Some(end) => end + 1,
                None => memchr::memchr(b'\n', &rest[READ_BUFFER..])
                    .map_or(rest.len(), |end| READ_BUFFER + end + 1),
            }
        };
        let range = self.pos..self.pos + len;
        self.pos += len;
        Some(BlockData::Mapped(self.map.clone(), range))
    }

    /// Map the pages of the next blocks in one call each, before anything touches them: a
    /// fault per few pages costs more (this thread then counts their lines, workers parse
    /// them). The first blocks' pages come first, so that workers start at once.
    #[cfg(target_os = "linux")]
    fn populate_ahead(&mut self) {
        let len = self.map.len();
        while self.populated < len && self.populated < self.pos + 2 * READ_BUFFER {
            let step = if self.populated == 0 {
                2 * READ_BUFFER
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

impl<R: BufRead> Iterator for JsonlBlocks<R> {
    type Item = Result<JsonlBlock>;

    fn next(&mut self) -> Option<Result<JsonlBlock>> {
        if self.done {
            return None;
        }
        if let Some(mapped) = &mut self.mapped {
            let Some(data) = mapped.next_block() else {
                self.done = true;
                return None;
            };
            return Some(Ok(self.block(data)));
        }
        let mut data = Vec::new();
        loop {
            let chunk = match self.reader.fill_buf() {
                Ok(chunk) => chunk,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => {
                    // A line cut by the error is dropped with it, as `read_until` does.
                    self.done = true;
                    let line = self.line_no + 1;
                    return Some(Err(Error::input(format!("{}:{line}: {e}", self.name))));
                }
            };
            if chunk.is_empty() {
                self.done = true;
                if data.is_empty() {
                    return None;
                }
                break;
            }
            match chunk.iter().rposition(|&b| b == b'\n') {
                Some(end) => {
                    data.extend_from_slice(&chunk[..=end]);
                    self.reader.consume(end + 1);
                    break;
                }
                None => {
                    let n = chunk.len();
                    data.extend_from_slice(chunk);
                    self.reader.consume(n);
                }
            }
        }
        Some(Ok(self.block(BlockData::Read(data))))
    }
}

impl<R> JsonlBlocks<R> {
    /// The next block, numbered after the lines handed out before it.
    fn block(&mut self, data: BlockData) -> JsonlBlock {
        let first_line = self.line_no;
        let newlines = count_newlines(&data);
        self.line_no += newlines + u64::from(!data.ends_with(b"\n"));
        JsonlBlock {
            name: self.name.clone(),
            first_line,
            data,
        }
    }
}

/// Line feeds in `data` (memchr's vectorised search: this runs over every byte of a capture
/// on the thread that hands out blocks).
fn count_newlines(data: &[u8]) -> u64 {
    memchr::memchr_iter(b'\n', data).count() as u64
}

impl JsonlBlock {
    /// The capture's name, as in sources (`name:line`).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Bytes of lines the block holds.
    pub fn size(&self) -> usize {
        self.data.len()
    }

    /// Every non-blank line's number (from 1) and its request, or the error
    /// [`read_captures`] gives for that line.
    pub fn requests(&self) -> impl Iterator<Item = (u64, Result<RequestRef<'_>>)> + '_ {
        JsonlLines {
            block: self,
            text: std::str::from_utf8(&self.data).ok(),
            pos: 0,
            line_no: self.first_line,
        }
    }
}

/// The lines of a block. A well-formed line is read by [`jsonl_in_fast`] (which also finds
/// where it ends); any other is cut at its line feed and read by serde_json.
struct JsonlLines<'a> {
    block: &'a JsonlBlock,
    /// The block as text, when it is UTF-8 (else every line takes serde_json).
    text: Option<&'a str>,
    pos: usize,
    line_no: u64,
}

impl<'a> Iterator for JsonlLines<'a> {
    type Item = (u64, Result<RequestRef<'a>>);

    fn next(&mut self) -> Option<Self::Item> {
        let data = &self.block.data;
        while self.pos < data.len() {
            self.line_no += 1;
            if let Some(text) = self.text {
                let mut scan = Scanner::new(text, self.pos);
                scan.blanks();
                match scan.peek() {
                    None => return None,
                    Some(b'\n') => {
                        self.pos = scan.pos() + 1;
                        continue;
                    }
                    Some(b'{') => {
                        let fast = jsonl_in_fast(&mut scan).and_then(|parsed| {
                            scan.blanks();
                            match scan.peek() {
                                None => Some((parsed, scan.pos())),
                                Some(b'\n') => Some((parsed, scan.pos() + 1)),
                                Some(_) => None,
                            }
                        });
                        if let Some((parsed, end)) = fast {
                            self.pos = end;
                            let request = request_from(parsed).map_err(|what| self.error(what));
                            return Some((self.line_no, request));
                        }
                    }
                    Some(_) => {}
                }
            }
            let end = data[self.pos..]
                .iter()
                .position(|&b| b == b'\n')
                .map_or(data.len(), |i| self.pos + i + 1);
            let line = &data[self.pos..end];
            self.pos = end;
            if line.trim_ascii().is_empty() {
                continue;
            }
            let request = parse_jsonl_line(line).map_err(|what| self.error(what));
            return Some((self.line_no, request));
        }
        None
    }
}

impl JsonlLines<'_> {
    fn error(&self, what: String) -> Error {
        Error::input(format!("{}:{}: {what}", self.block.name, self.line_no)).with_hint(JSONL_HINT)
    }
}

/// [`read_captures`]'s JSONL reader: owned requests, one block of lines at a time.
struct JsonlReader<R> {
    blocks: JsonlBlocks<R>,
    pending: std::vec::IntoIter<Result<Located>>,
}

impl<R: BufRead> JsonlReader<R> {
    fn new(blocks: JsonlBlocks<R>) -> Self {
        JsonlReader {
            blocks,
            pending: Vec::new().into_iter(),
        }
    }
}

impl<R: BufRead> Iterator for JsonlReader<R> {
    type Item = Result<Located>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if let Some(item) = self.pending.next() {
                return Some(item);
            }
            let block = match self.blocks.next()? {
                Ok(block) => block,
                Err(e) => return Some(Err(e)),
            };
            let items: Vec<Result<Located>> = block
                .requests()
                .map(|(line, request)| {
                    request.map(|r| Located {
                        source: format!("{}:{line}", block.name),
                        request: r.into_owned(),
                    })
                })
                .collect();
            self.pending = items.into_iter();
        }
    }
}

/// Parse one capture line; the error says what is wrong (without the location).
fn parse_jsonl_line(line: &[u8]) -> std::result::Result<RequestRef<'_>, String> {
    let parsed: JsonlIn = serde_json::from_slice(line).map_err(|e| match e.classify() {
        serde_json::error::Category::Data => {
            format!("not a capture line: {}", json_message(&e))
        }
        _ => format!("invalid JSON: {} (column {})", json_message(&e), e.column()),
    })?;
    request_from(parsed)
}

/// The request a parsed line holds, or what is wrong with its body fields.
fn request_from(parsed: JsonlIn<'_>) -> std::result::Result<RequestRef<'_>, String> {
    let body = match (parsed.body, parsed.body_base64) {
        (Some(Body(body)), None) => body,
        (None, Some(Text(b64))) => Cow::Owned(
            decode_base64(&b64).map_err(|e| format!("body_base64 is not valid base64: {e}"))?,
        ),
        (Some(_), Some(_)) => {
            return Err("has both \"body\" and \"body_base64\"; give exactly one".into())
        }
        (None, None) => return Err("missing \"body\" (or \"body_base64\")".into()),
    };
    Ok(RequestRef {
        id: parsed.id,
        received_at: parsed.received_at.map(|t| t.0),
        remote_addr: parsed.remote_addr.map(|t| t.0),
        method: parsed.method.0,
        path: parsed.path.0,
        query: parsed.query.map(|t| t.0).unwrap_or_default(),
        headers: parsed
            .headers
            .into_iter()
            .map(|(n, v)| (n.0, v.0))
            .collect(),
        body,
    })
}

/// A capture line's fields as the text before each value, in the order
/// [`write_jsonl_line`] writes them (`body_base64` in `body`'s place when the body is not
/// UTF-8); a field's place here is its number in [`jsonl_in_fast`].
const LINE_KEYS: [&str; 9] = [
    r#""id":"#,
    r#""received_at":"#,
    r#""remote_addr":"#,
    r#""method":"#,
    r#""path":"#,
    r#""query":"#,
    r#""headers":"#,
    r#""body":"#,
    r#""body_base64":"#,
];

/// A [`LINE_KEYS`] entry's name, without its quotes and colon.
fn key_name(key: &str) -> &str {
    &key[1..key.len() - 2]
}

/// A capture line read without serde, from its `{` to its `}`: the [`JsonlIn`] serde would
/// give, or `None` when the line has anything else (an unknown or repeated field, a wrong
/// type, a float id, bad JSON): serde_json then reads it and words the error.
fn jsonl_in_fast<'a>(scan: &mut Scanner<'a>) -> Option<JsonlIn<'a>> {
    fn text<'a>(scan: &mut Scanner<'a>) -> Option<Text<'a>> {
        scan.string().map(Text)
    }
    /// `null` or a value: `Some(None)` / `Some(Some(v))`.
    fn nullable<'a, T>(
        scan: &mut Scanner<'a>,
        read: impl FnOnce(&mut Scanner<'a>) -> Option<T>,
    ) -> Option<Option<T>> {
        if scan.peek() == Some(b'n') {
            scan.word("null")?;
            Some(None)
        } else {
            read(scan).map(Some)
        }
    }
    fn headers<'a>(scan: &mut Scanner<'a>) -> Option<Vec<(Text<'a>, Text<'a>)>> {
        let mut headers = Vec::with_capacity(4);
        scan.eat(b'[')?;
        scan.ws();
        if scan.eat(b']').is_some() {
            return Some(headers);
        }
        loop {
            scan.eat(b'[')?;
            scan.ws();
            let name = text(scan)?;
            scan.ws();
            scan.eat(b',')?;
            scan.ws();
            let value = text(scan)?;
            scan.ws();
            scan.eat(b']')?;
            headers.push((name, value));
            if !scan.next_item(b']')? {
                return Some(headers);
            }
        }
    }

    scan.eat(b'{')?;
    let mut seen = 0u16;
    let mut id = None;
    let (mut received_at, mut remote_addr, mut query, mut body, mut body_base64) =
        (None, None, None, None, None);
    let (mut method, mut path, mut header_list) = (None, None, None);
    let mut expected = 0;
    loop {
        scan.ws();
        // A line we wrote has its keys in `LINE_KEYS`' order: the next one is tried as text
        // first; any other key is read as a JSON string.
        let field = match LINE_KEYS.get(expected) {
            Some(key) if scan.word(key).is_some() => expected,
            _ => {
                let key = scan.string()?;
                scan.ws();
                scan.eat(b':')?;
                LINE_KEYS.iter().position(|k| key_name(k) == key)?
            }
        };
        scan.ws();
        expected = field + 1;
        if seen & (1 << field) != 0 {
            return None;
        }
        seen |= 1 << field;
        match field {
            0 => id = nullable(scan, Scanner::digits)?,
            1 => received_at = nullable(scan, text)?,
            2 => remote_addr = nullable(scan, text)?,
            3 => method = Some(text(scan)?),
            4 => path = Some(text(scan)?),
            5 => query = nullable(scan, text)?,
            6 => header_list = Some(headers(scan)?),
            7 => body = nullable(scan, |scan| scan.string_bytes().map(Body))?,
            _ => body_base64 = nullable(scan, text)?,
        }
        if !scan.next_item(b'}')? {
            break;
        }
    }
    Some(JsonlIn {
        id,
        received_at,
        remote_addr,
        method: method?,
        path: path?,
        query,
        headers: header_list?,
        body,
        body_base64,
    })
}

/// One capture JSONL line (no trailing newline) for a request: `body` when the bytes are
/// UTF-8, else `body_base64`. Reading it back gives the same request, byte for byte.
pub fn to_jsonl_line(request: &CapturedRequest) -> String {
    let mut out = Vec::with_capacity(jsonl_size_hint(request));
    write_jsonl_line(&mut out, request);
    // Only JSON text was written: UTF-8 strings, escapes and ASCII.
    String::from_utf8(out).unwrap_or_default()
}

/// About the size of a request's line: its parts plus room for escapes.
fn jsonl_size_hint(request: &CapturedRequest) -> usize {
    let headers: usize = request
        .headers
        .iter()
        .map(|(n, v)| n.len() + v.len() + 8)
        .sum();
    256 + headers + request.body.len() + request.body.len() / 4 + request.path.len()
}

/// Append [`to_jsonl_line`]'s line to `out`: the bytes serde_json writes for the same fields
/// (a test holds them equal to a serde struct's), by hand: `listen --save` writes one per
/// request.
pub fn write_jsonl_line(out: &mut Vec<u8>, request: &CapturedRequest) {
    let opt_str = |out: &mut Vec<u8>, v: Option<&str>| match v {
        Some(s) => scan::write_str(out, s),
        None => out.extend_from_slice(b"null"),
    };
    let key = |out: &mut Vec<u8>, field: usize| {
        out.push(if field == 0 { b'{' } else { b',' });
        out.extend_from_slice(LINE_KEYS[field].as_bytes());
    };
    key(out, 0);
    match request.id {
        Some(n) => scan::write_u64(out, n),
        None => out.extend_from_slice(b"null"),
    }
    key(out, 1);
    opt_str(out, request.received_at.as_deref());
    key(out, 2);
    opt_str(out, request.remote_addr.as_deref());
    key(out, 3);
    scan::write_str(out, &request.method);
    key(out, 4);
    scan::write_str(out, &request.path);
    key(out, 5);
    scan::write_str(out, &request.query);
    key(out, 6);
    out.push(b'[');
    for (i, (name, value)) in request.headers.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        out.push(b'[');
        scan::write_str(out, name);
        out.push(b',');
        scan::write_str(out, value);
        out.push(b']');
    }
    out.push(b']');
    match std::str::from_utf8(&request.body) {
        Ok(text) => {
            key(out, 7);
            scan::write_str(out, text);
        }
        Err(_) => {
            key(out, 8);
            out.push(b'"');
            let encoded = base64::engine::general_purpose::STANDARD.encode(&request.body);
            out.extend_from_slice(encoded.as_bytes());
            out.push(b'"');
        }
    }
    out.push(b'}');
}

/// Appends requests to a capture JSONL file: one `write_all` of a whole line per request,
/// serialized by a mutex so concurrent requests never interleave, whatever the target (a
/// file on any filesystem, a pipe, a terminal).
pub struct CaptureWriter {
    file: Mutex<File>,
}

impl CaptureWriter {
    /// Open (create or append) a capture file.
    pub fn open(path: &Path) -> Result<CaptureWriter> {
        let file = OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .map_err(|e| {
                Error::input(format!(
                    "cannot open capture file {} for appending: {e}",
                    path.display()
                ))
                .with_hint("give a writable file path (its directory must exist)")
            })?;
        Ok(CaptureWriter {
            file: Mutex::new(file),
        })
    }

    /// Append one request as one line.
    pub fn append(&self, request: &CapturedRequest) -> io::Result<()> {
        crate::terminal::with_line_buffer(|line| {
            line.reserve(jsonl_size_hint(request));
            write_jsonl_line(line, request);
            line.push(b'\n');
            let mut file = self.file.lock().unwrap_or_else(PoisonError::into_inner);
            file.write_all(line)
        })
    }
}

// ---------------------------------------------------------------------------------------
// HAR 1.2

fn read_har(name: &str, mut reader: Box<dyn BufRead>, skipped: u64) -> Result<Captures> {
    let mut data = Vec::new();
    reader
        .read_to_end(&mut data)
        .map_err(|e| read_error(name, &e))?;
    let doc: Value = serde_json::from_slice(&data).map_err(|e| {
        Error::input(format!(
            "{name}:{}:{}: invalid JSON: {}",
            e.line() as u64 + skipped,
            e.column(),
            json_message(&e)
        ))
        .with_hint("a HAR file is one JSON document; re-export it from devtools")
    })?;
    drop(data);
    let entries = match doc {
        Value::Object(mut map) => match map.remove("log") {
            Some(Value::Object(mut log)) => log.remove("entries"),
            _ => None,
        },
        _ => None,
    };
    let Some(Value::Array(entries)) = entries else {
        return Err(
            Error::input(format!("{name}: not a HAR file: no `log.entries` array")).with_hint(
                "JSONL captures have one request object per line; HAR files have log.entries",
            ),
        );
    };
    let name = name.to_string();
    Ok(Box::new(entries.into_iter().enumerate().map(
        move |(i, entry)| {
            let source = format!("{name}#{}", i + 1);
            har_entry(entry)
                .map(|request| Located {
                    source: source.clone(),
                    request,
                })
                .map_err(|what| {
                    Error::input(format!("{source}: {what}")).with_hint(
                        "HAR 1.2 entries need request.method, request.url and request.headers",
                    )
                })
        },
    )))
}

fn har_entry(entry: Value) -> std::result::Result<CapturedRequest, String> {
    let Value::Object(mut entry) = entry else {
        return Err("entry is not an object".into());
    };
    let received_at = match entry.remove("startedDateTime") {
        Some(Value::String(s)) => Some(s),
        _ => None,
    };
    let Some(Value::Object(mut request)) = entry.remove("request") else {
        return Err("entry has no `request` object".into());
    };
    let Some(Value::String(method)) = request.remove("method") else {
        return Err("request has no `method` string".into());
    };
    let Some(Value::String(url)) = request.remove("url") else {
        return Err("request has no `url` string".into());
    };
    let (path, query) = split_target(&url);
    let headers = match request.remove("headers") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(items)) => {
            let mut headers = Vec::with_capacity(items.len());
            for (i, item) in items.into_iter().enumerate() {
                let pair = match &item {
                    Value::Object(h) => match (h.get("name"), h.get("value")) {
                        (Some(Value::String(n)), Some(Value::String(v))) => Some((n, v)),
                        _ => None,
                    },
                    _ => None,
                };
                let Some((n, v)) = pair else {
                    return Err(format!(
                        "request.headers[{i}] is not {{\"name\": .., \"value\": ..}}"
                    ));
                };
                if !n.starts_with(':') {
                    headers.push((n.clone(), v.clone()));
                }
            }
            headers
        }
        Some(_) => return Err("request.headers is not an array".into()),
    };
    let body = match request.remove("postData") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Object(post)) => {
            let encoding = post.get("encoding").and_then(Value::as_str);
            match (post.get("text"), encoding) {
                (Some(Value::String(text)), None) => text.clone().into_bytes(),
                (Some(Value::String(text)), Some(e)) if e.eq_ignore_ascii_case("base64") => {
                    decode_base64(text)
                        .map_err(|e| format!("postData.text is not valid base64: {e}"))?
                }
                (Some(Value::String(_)), Some(other)) => {
                    return Err(format!("unsupported postData.encoding `{other}`"))
                }
                (None, _)
                    if post
                        .get("params")
                        .and_then(Value::as_array)
                        .is_some_and(|p| !p.is_empty()) =>
                {
                    return Err(
                        "postData has params but no text: the exact body bytes are not in the file"
                            .into(),
                    )
                }
                (None, _) => Vec::new(),
                (Some(_), _) => return Err("postData.text is not a string".into()),
            }
        }
        Some(_) => return Err("request.postData is not an object".into()),
    };
    Ok(CapturedRequest {
        id: None,
        received_at,
        remote_addr: None,
        method,
        path,
        query,
        headers,
        body,
    })
}

/// Split a request target or URL into path and query (fragment dropped).
fn split_target(target: &str) -> (String, String) {
    let target = target.split_once('#').map_or(target, |(t, _)| t);
    let rest = match target.find("://") {
        Some(i) if !target[..i].contains('/') => {
            let after = &target[i + 3..];
            match after.find(['/', '?']) {
                Some(j) => &after[j..],
                None => "",
            }
        }
        _ => target,
    };
    let (path, query) = rest.split_once('?').unwrap_or((rest, ""));
    let path = if path.is_empty() { "/" } else { path };
    (path.to_string(), query.to_string())
}

// ---------------------------------------------------------------------------------------
// Raw HTTP/1.1

/// Method, target and version of a request line (`POST /webhook HTTP/1.1`).
fn parse_request_line(line: &[u8]) -> std::result::Result<(String, String), String> {
    let line = line
        .strip_suffix(b"\n")
        .map(|l| l.strip_suffix(b"\r").unwrap_or(l))
        .unwrap_or(line);
    let text = std::str::from_utf8(line).map_err(|_| "the request line is not text".to_string())?;
    let mut parts = text.split(' ');
    let (Some(method), Some(target), Some(version), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(format!(
            "not an HTTP request line (`METHOD /path HTTP/1.1`): `{}`",
            preview(line)
        ));
    };
    let token = |s: &str| {
        !s.is_empty()
            && s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
    };
    if !token(method) || target.is_empty() || !matches!(version, "HTTP/1.1" | "HTTP/1.0") {
        return Err(format!(
            "not an HTTP/1.x request line (`METHOD /path HTTP/1.1`): `{}`",
            preview(line)
        ));
    }
    Ok((method.to_string(), target.to_string()))
}

struct RawReader {
    name: String,
    reader: Box<dyn BufRead>,
    /// Lines consumed so far (for error messages).
    line_no: u64,
    entry: u64,
    done: bool,
    /// The previous request had neither Content-Length nor chunked encoding.
    unframed_rest: bool,
}

const MAX_HEADER_BYTES: usize = 1 << 20;

impl RawReader {
    /// One line including its terminator; empty at end of input.
    fn line(&mut self, buf: &mut Vec<u8>) -> std::result::Result<usize, String> {
        buf.clear();
        let n = (&mut self.reader)
            .take(MAX_HEADER_BYTES as u64)
            .read_until(b'\n', buf)
            .map_err(|e| format!("read error: {e}"))?;
        if n > 0 {
            self.line_no += 1;
        }
        Ok(n)
    }

    fn at(&self, what: impl std::fmt::Display) -> String {
        format!("line {}: {what}", self.line_no)
    }

    fn read_request(&mut self) -> Option<std::result::Result<CapturedRequest, String>> {
        let mut line = Vec::new();
        loop {
            match self.line(&mut line) {
                Ok(0) => return None,
                Ok(_) if line.trim_ascii().is_empty() => continue,
                Ok(_) => break,
                Err(e) => return Some(Err(e)),
            }
        }
        self.entry += 1;
        Some(self.request_after(line))
    }

    fn request_after(&mut self, line: Vec<u8>) -> std::result::Result<CapturedRequest, String> {
        let (method, target) = parse_request_line(&line).map_err(|e| {
            if self.unframed_rest {
                self.at(format!("{e}; the request before it has no Content-Length or Transfer-Encoding: chunked, so the bytes after its headers are not a body (add `Content-Length: <bytes>`)"))
            } else {
                self.at(e)
            }
        })?;
        let (path, query) = split_target(&target);
        let mut headers: Vec<(String, String)> = Vec::new();
        let mut header_bytes = 0usize;
        let mut buf = Vec::new();
        loop {
            let n = self.line(&mut buf)?;
            if n == 0 {
                return Err(self.at("the headers end without a blank line (truncated file?)"));
            }
            header_bytes += n;
            if header_bytes > MAX_HEADER_BYTES {
                return Err(self.at("the header section is larger than 1 MiB"));
            }
            let content = buf
                .strip_suffix(b"\n")
                .map(|l| l.strip_suffix(b"\r").unwrap_or(l))
                .unwrap_or(&buf);
            if content.is_empty() {
                break;
            }
            if content[0] == b' ' || content[0] == b'\t' {
                // Obsolete line folding: continue the previous value with one space.
                let Some((_, value)) = headers.last_mut() else {
                    return Err(self.at("a folded header line comes before any header"));
                };
                value.push(' ');
                value.push_str(String::from_utf8_lossy(content.trim_ascii()).as_ref());
                continue;
            }
            let Some(colon) = content.iter().position(|&b| b == b':') else {
                return Err(self.at(format!("header line has no `:`: `{}`", preview(content))));
            };
            let name = &content[..colon];
            if name.is_empty() || name.iter().any(|b| b.is_ascii_whitespace()) {
                return Err(self.at(format!("invalid header name `{}`", preview(name))));
            }
            let value = content[colon + 1..].trim_ascii();
            headers.push((
                String::from_utf8_lossy(name).into_owned(),
                String::from_utf8_lossy(value).into_owned(),
            ));
        }

        let transfer_coding = headers
            .iter()
            .filter(|(n, _)| n.eq_ignore_ascii_case("transfer-encoding"))
            .flat_map(|(_, v)| v.split(','))
            .map(|c| c.trim().to_ascii_lowercase())
            .rfind(|c| !c.is_empty());
        let mut lengths = headers
            .iter()
            .filter(|(n, _)| n.eq_ignore_ascii_case("content-length"))
            .flat_map(|(_, v)| v.split(','))
            .map(|v| v.trim().to_string());
        let body = match transfer_coding.as_deref() {
            Some("chunked") => self.read_chunked()?,
            Some(other) => {
                return Err(self.at(format!(
                    "unsupported Transfer-Encoding `{other}`: only chunked bodies can be read"
                )))
            }
            None => match lengths.next() {
                None => {
                    self.unframed_rest = true;
                    return Ok(CapturedRequest {
                        method,
                        path,
                        query,
                        headers,
                        ..CapturedRequest::default()
                    });
                }
                Some(first) => {
                    if lengths.any(|other| other != first) {
                        return Err(self.at("conflicting Content-Length values"));
                    }
                    let len: u64 = first
                        .parse()
                        .map_err(|_| self.at(format!("invalid Content-Length `{first}`")))?;
                    self.read_exact_body(len)?
                }
            },
        };
        self.unframed_rest = false;
        Ok(CapturedRequest {
            method,
            path,
            query,
            headers,
            body,
            ..CapturedRequest::default()
        })
    }

    fn read_exact_body(&mut self, len: u64) -> std::result::Result<Vec<u8>, String> {
        let mut body = Vec::with_capacity(len.min(64 << 20) as usize);
        (&mut self.reader)
            .take(len)
            .read_to_end(&mut body)
            .map_err(|e| format!("read error: {e}"))?;
        if (body.len() as u64) < len {
            return Err(self.at(format!(
                "body truncated: Content-Length is {len} but only {} bytes follow",
                body.len()
            )));
        }
        self.line_no += body.iter().filter(|&&b| b == b'\n').count() as u64;
        Ok(body)
    }

    fn read_chunked(&mut self) -> std::result::Result<Vec<u8>, String> {
        let mut body = Vec::new();
        let mut line = Vec::new();
        loop {
            if self.line(&mut line)? == 0 {
                return Err(self.at("chunked body ends before its last (zero-size) chunk"));
            }
            let text = String::from_utf8_lossy(line.trim_ascii());
            let size_text = text.split(';').next().unwrap_or("").trim();
            let size = u64::from_str_radix(size_text, 16)
                .ok()
                .filter(|_| !size_text.starts_with('+'))
                .ok_or_else(|| {
                    self.at(format!(
                        "invalid chunk size `{}`",
                        preview(line.trim_ascii())
                    ))
                })?;
            if size == 0 {
                // Trailer fields until a blank line (or the end of the file).
                loop {
                    if self.line(&mut line)? == 0 || line.trim_ascii().is_empty() {
                        return Ok(body);
                    }
                }
            }
            let before = body.len();
            (&mut self.reader)
                .take(size)
                .read_to_end(&mut body)
                .map_err(|e| format!("read error: {e}"))?;
            let got = (body.len() - before) as u64;
            self.line_no += body[before..].iter().filter(|&&b| b == b'\n').count() as u64;
            if got < size {
                return Err(self.at(format!(
                    "chunk truncated: size {size} but only {got} bytes follow"
                )));
            }
            self.line(&mut line)?;
            if line != b"\r\n" && line != b"\n" {
                return Err(self.at(format!("expected CRLF after a {size}-byte chunk")));
            }
        }
    }
}

impl Iterator for RawReader {
    type Item = Result<Located>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        let result = self.read_request()?;
        let source = format!("{}#{}", self.name, self.entry);
        Some(match result {
            Ok(request) => Ok(Located { source, request }),
            Err(what) => {
                self.done = true;
                Err(Error::input(format!("{source}: {what}")).with_hint(
                    "a raw capture is HTTP/1.1 requests: request line, headers, blank line, body framed by Content-Length or chunked encoding",
                ))
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Serialize;

    fn read(name: &str, data: &[u8]) -> Result<Vec<Result<Located>>> {
        let reader: Box<dyn BufRead> = Box::new(Cursor::new(data.to_vec()));
        Ok(read_captures_from(name, reader)?.collect())
    }

    fn ok(name: &str, data: &[u8]) -> Vec<Located> {
        read(name, data)
            .unwrap()
            .into_iter()
            .map(|r| r.unwrap_or_else(|e| panic!("{}", e.render())))
            .collect()
    }

    fn err_of(r: &Result<Located>) -> String {
        r.as_ref().expect_err("expected an error").message.clone()
    }

    fn sample() -> CapturedRequest {
        CapturedRequest {
            id: Some(7),
            received_at: Some("2024-05-01T12:00:00Z".into()),
            remote_addr: Some("127.0.0.1:5123".into()),
            method: "POST".into(),
            path: "/webhook".into(),
            query: "a=1&b=%2F".into(),
            headers: vec![
                ("Content-Type".into(), "application/json".into()),
                ("x-hub-signature-256".into(), "sha256=00".into()),
                ("X-Dup".into(), "1".into()),
                ("x-dup".into(), "2".into()),
            ],
            body: "{\"a\":\"é/\\u00e9\"}\n".as_bytes().to_vec(),
        }
    }

    #[test]
    fn jsonl_line_has_the_exact_shape() {
        let mut r = sample();
        r.headers.truncate(1);
        r.body = b"{\"a\":1}".to_vec();
        assert_eq!(
            to_jsonl_line(&r),
            r#"{"id":7,"received_at":"2024-05-01T12:00:00Z","remote_addr":"127.0.0.1:5123","method":"POST","path":"/webhook","query":"a=1&b=%2F","headers":[["Content-Type","application/json"]],"body":"{\"a\":1}"}"#
        );
        r.body = vec![0xff, 0x00, b'a'];
        let line = to_jsonl_line(&r);
        assert!(line.ends_with(r#""body_base64":"/wBh"}"#), "{line}");
        assert!(!line.contains("\"body\":"));
    }

    #[test]
    fn jsonl_round_trips_exactly() {
        let text = sample();
        let mut binary = sample();
        binary.id = Some(8);
        binary.body = vec![0xff, 0xfe, b'{', 0x80, b'\n', 0];
        let mut empty = sample();
        empty.body.clear();
        empty.query.clear();
        let data = [&text, &binary, &empty]
            .iter()
            .map(|r| to_jsonl_line(r) + "\n")
            .collect::<String>();
        assert_eq!(data.lines().count(), 3);
        let got = ok("cap.jsonl", data.as_bytes());
        assert_eq!(
            got.iter().map(|l| l.source.as_str()).collect::<Vec<_>>(),
            ["cap.jsonl:1", "cap.jsonl:2", "cap.jsonl:3"]
        );
        assert_eq!(got[0].request, text);
        assert_eq!(got[1].request, binary);
        assert_eq!(got[2].request, empty);
        // Header order, case and repeats survive.
        assert_eq!(got[0].request.header("X-DUP"), Some("1"));
        assert_eq!(got[0].request.headers[3], ("x-dup".into(), "2".into()));
    }

    #[test]
    fn jsonl_skips_blank_lines_and_counts_them() {
        let line = to_jsonl_line(&sample());
        let data = format!("\n\n{line}\n\n{line}\r\n");
        let got = ok("c.jsonl", data.as_bytes());
        assert_eq!(got[0].source, "c.jsonl:3");
        assert_eq!(got[1].source, "c.jsonl:5");
        assert_eq!(got[1].request, sample());
    }

    #[test]
    fn jsonl_errors_name_the_line_and_continue() {
        let good = to_jsonl_line(&sample());
        let data = format!(
            "{good}\n{{\"method\":\"POST\" \"path\":\"/\"}}\n{good}\n{{\"method\":\"POST\",\"path\":\"/\",\"headers\":[]}}\n{{\"path\":\"/\",\"headers\":[],\"body\":\"\"}}\n{{\"method\":\"POST\",\"path\":\"/\",\"headers\":[],\"body\":\"\",\"body_base64\":\"\"}}\n{{\"method\":\"POST\",\"path\":\"/\",\"headers\":[],\"body_base64\":\"***\"}}\n{{\"method\":\"POST\",\"path\":\"/\",\"headers\":{{}},\"body\":\"\"}}\n"
        );
        let got = read("capture.jsonl", data.as_bytes()).unwrap();
        assert_eq!(got.len(), 8);
        assert!(got[0].is_ok() && got[2].is_ok());
        let e = err_of(&got[1]);
        assert!(
            e.starts_with("capture.jsonl:2: invalid JSON: expected"),
            "{e}"
        );
        assert!(e.contains("column"), "{e}");
        assert!(got[1]
            .as_ref()
            .unwrap_err()
            .hint
            .as_ref()
            .unwrap()
            .contains("listen --save"));
        assert_eq!(
            err_of(&got[3]),
            "capture.jsonl:4: missing \"body\" (or \"body_base64\")"
        );
        assert_eq!(
            err_of(&got[4]),
            "capture.jsonl:5: not a capture line: missing field `method`"
        );
        assert!(err_of(&got[5]).contains("both \"body\" and \"body_base64\""));
        assert!(err_of(&got[6]).starts_with("capture.jsonl:7: body_base64 is not valid base64"));
        assert!(err_of(&got[7]).starts_with("capture.jsonl:8: not a capture line: invalid type"));
    }

    /// Hands out its data a few bytes per read, then fails (or ends) where told.
    struct Trickle {
        data: Vec<u8>,
        at: usize,
        step: usize,
        fail_at: Option<usize>,
    }

    impl Read for Trickle {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            let end = self.data.len().min(self.fail_at.unwrap_or(usize::MAX));
            if self.at >= end && self.fail_at.is_some() {
                return Err(io::Error::other("disk on fire"));
            }
            let n = buf.len().min(self.step).min(end - self.at);
            buf[..n].copy_from_slice(&self.data[self.at..self.at + n]);
            self.at += n;
            self.step = self.step % 7 + 1;
            Ok(n)
        }
    }

    fn trickle(data: &[u8], fail_at: Option<usize>) -> Vec<std::result::Result<Located, String>> {
        let reader = Trickle {
            data: data.to_vec(),
            at: 0,
            step: 1,
            fail_at,
        };
        read_captures_from("t.jsonl", Box::new(BufReader::with_capacity(16, reader)))
            .unwrap()
            .map(|r| r.map_err(|e| e.message))
            .collect()
    }

    #[test]
    fn jsonl_lines_cut_across_reads_read_the_same() {
        let good = to_jsonl_line(&sample());
        let data = format!("\n{good}\r\n\n  \n{{\"method\":5}}\n{good}\n{good}");
        let whole: Vec<_> = read("t.jsonl", data.as_bytes())
            .unwrap()
            .into_iter()
            .map(|r| r.map_err(|e| e.message))
            .collect();
        assert_eq!(whole.len(), 4);
        let sources: Vec<_> = whole
            .iter()
            .map(|r| {
                r.as_ref()
                    .map(|l| l.source.as_str())
                    .map_err(String::as_str)
            })
            .collect();
        assert_eq!(
            sources,
            [
                Ok("t.jsonl:2"),
                Err("t.jsonl:5: not a capture line: invalid type: integer `5`, expected a string"),
                Ok("t.jsonl:6"),
                Ok("t.jsonl:7")
            ]
        );
        assert_eq!(whole[3].as_ref().unwrap().request, sample());
        assert_eq!(trickle(data.as_bytes(), None), whole);
    }

    #[test]
    fn jsonl_read_error_names_the_line_and_ends() {
        let good = to_jsonl_line(&sample());
        let data = format!("{good}\n{good}\n{good}\n");
        // Fails in the middle of line 3: lines 1 and 2 are read, then the error, then nothing.
        let got = trickle(data.as_bytes(), Some(2 * (good.len() + 1) + 10));
        assert_eq!(got.len(), 3, "{got:?}");
        assert!(got[0].is_ok() && got[1].is_ok());
        assert_eq!(got[2].as_ref().unwrap_err(), "t.jsonl:3: disk on fire");
    }

    #[test]
    fn jsonl_blocks_borrow_what_has_no_escapes() {
        let mut r = sample();
        r.body = b"{\"plain\":1}".to_vec();
        let data = format!("{}\n{}\n", to_jsonl_line(&r), to_jsonl_line(&sample()));
        let Opening::Jsonl(blocks) = open_from("b.jsonl", Cursor::new(data.into_bytes())).unwrap()
        else {
            panic!("not JSONL")
        };
        let blocks: Vec<JsonlBlock> = blocks.map(Result::unwrap).collect();
        let requests: Vec<(u64, RequestRef<'_>)> = blocks
            .iter()
            .flat_map(|b| b.requests())
            .map(|(line, r)| (line, r.unwrap()))
            .collect();
        assert_eq!(requests.len(), 2);
        let (line, plain) = &requests[0];
        assert_eq!(*line, 1);
        assert!(matches!(plain.method, Cow::Borrowed("POST")));
        assert!(matches!(
            plain.headers[0].1,
            Cow::Borrowed("application/json")
        ));
        assert!(
            matches!(plain.body, Cow::Owned(_)),
            "escaped quotes are unescaped"
        );
        assert_eq!(plain.clone().into_owned(), r);
        assert_eq!(requests[1].1.clone().into_owned(), sample());
        assert_eq!(sample().borrowed().into_owned(), sample());
        let headers: Vec<_> = requests[1].1.header_pairs().collect();
        assert_eq!(headers[3], ("x-dup", "2"));
    }

    #[test]
    fn jsonl_type_errors_read_as_before() {
        let line = |fields: &str| format!("{{\"method\":\"POST\",\"path\":\"/\",{fields}}}\n");
        let cases = [
            (
                line("\"headers\":[[\"a\"]],\"body\":\"\""),
                "not a capture line: invalid length 1, expected a tuple of size 2",
            ),
            (
                line("\"headers\":[],\"body\":7"),
                "not a capture line: invalid type: integer `7`, expected a string",
            ),
            (
                line("\"headers\":[],\"query\":null,\"body\":\"\",\"x\":1"),
                "",
            ),
            (
                "[1]\n".to_string(),
                "not a capture line: invalid length 3, expected struct JsonlIn with 9 elements",
            ),
            (
                "[\"POST\"]\n".to_string(),
                "not a capture line: invalid type: string \"POST\", expected u64",
            ),
        ];
        for (text, want) in cases {
            let data = format!("{}\n{text}", to_jsonl_line(&sample()));
            let got = read("e.jsonl", data.as_bytes()).unwrap();
            match &got[1] {
                Ok(l) => assert_eq!(want, "", "{}", l.source),
                Err(e) => assert_eq!(e.message, format!("e.jsonl:2: {want}")),
            }
        }
    }

    /// What the serde-free reading gives for a whole line, when it reads it.
    fn fast(line: &str) -> Option<std::result::Result<RequestRef<'_>, String>> {
        let mut scan = Scanner::new(line, 0);
        scan.blanks();
        let parsed = jsonl_in_fast(&mut scan)?;
        scan.blanks();
        if scan.peek() == Some(b'\n') {
            scan.eat(b'\n')?;
        }
        (scan.pos() == line.len()).then(|| request_from(parsed))
    }

    /// Python's `json.dumps` spacing (`", "` and `": "`) and `\uXXXX` for non-ASCII.
    fn python_style(line: &str) -> String {
        let v: Value = serde_json::from_str(line).unwrap();
        let mut out = String::new();
        fn write(v: &Value, out: &mut String) {
            match v {
                Value::Object(m) => {
                    out.push('{');
                    for (i, (k, v)) in m.iter().enumerate() {
                        if i > 0 {
                            out.push_str(", ");
                        }
                        write(&Value::String(k.clone()), out);
                        out.push_str(": ");
                        write(v, out);
                    }
                    out.push('}');
                }
                Value::Array(a) => {
                    out.push('[');
                    for (i, v) in a.iter().enumerate() {
                        if i > 0 {
                            out.push_str(", ");
                        }
                        write(v, out);
                    }
                    out.push(']');
                }
                Value::String(s) => {
                    let json = serde_json::to_string(s).unwrap();
                    for c in json.chars() {
                        if c.is_ascii() {
                            out.push(c);
                        } else {
                            let mut units = [0u16; 2];
                            for u in c.encode_utf16(&mut units) {
                                out.push_str(&format!("\\u{u:04x}"));
                            }
                        }
                    }
                }
                other => out.push_str(&other.to_string()),
            }
        }
        write(&v, &mut out);
        out
    }

    #[test]
    fn fast_reading_covers_written_and_python_lines() {
        let written = to_jsonl_line(&sample());
        let python = python_style(&written);
        assert!(
            python.contains("\\u00e9") && python.contains("\", \""),
            "{python}"
        );
        // The same fields in the opposite order: each key is then read as a string.
        let Value::Object(fields) = serde_json::from_str::<Value>(&written).unwrap() else {
            panic!("{written}")
        };
        let reversed = Value::Object(fields.into_iter().rev().collect()).to_string();
        assert!(reversed.starts_with("{\"body\":"), "{reversed}");
        for line in [
            written.clone(),
            python,
            format!("  {written} \r\n"),
            reversed,
        ] {
            let got = fast(&line).expect("read without serde").unwrap();
            assert_eq!(got.into_owned(), sample(), "{line}");
        }
        // Left to serde: an unknown field, a repeated one, a float id, a form feed.
        for line in [
            written.replacen("\"id\":7", "\"id\":7,\"extra\":1", 1),
            written.replacen("\"id\":7", "\"id\":7,\"id\":8", 1),
            written.replacen("\"id\":7", "\"id\":7.0", 1),
            format!("\x0c{written}"),
        ] {
            assert!(fast(&line).is_none(), "{line}");
        }
    }

    /// What the capture line was before it was written by hand: serde_json's bytes.
    #[derive(Serialize)]
    struct JsonlOut<'a> {
        id: Option<u64>,
        received_at: Option<&'a str>,
        remote_addr: Option<&'a str>,
        method: &'a str,
        path: &'a str,
        query: &'a str,
        headers: &'a [(String, String)],
        #[serde(skip_serializing_if = "Option::is_none")]
        body: Option<&'a str>,
        #[serde(skip_serializing_if = "Option::is_none")]
        body_base64: Option<String>,
    }

    fn serde_line(request: &CapturedRequest) -> String {
        let text = std::str::from_utf8(&request.body).ok();
        serde_json::to_string(&JsonlOut {
            id: request.id,
            received_at: request.received_at.as_deref(),
            remote_addr: request.remote_addr.as_deref(),
            method: &request.method,
            path: &request.path,
            query: &request.query,
            headers: &request.headers,
            body: text,
            body_base64: text
                .is_none()
                .then(|| base64::engine::general_purpose::STANDARD.encode(&request.body)),
        })
        .unwrap()
    }

    fn text_strategy() -> impl proptest::strategy::Strategy<Value = String> {
        "[a-zA-Z0-9 é😀\"\\\\/\u{1}\n\t{}\\[\\],:]{0,12}"
    }

    proptest::proptest! {
        #[test]
        fn written_lines_are_what_serde_writes(
            method in text_strategy(),
            path in text_strategy(),
            headers in proptest::collection::vec((text_strategy(), text_strategy()), 0..4),
            body in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..40),
            text_body in "[ -~é\u{0}-\u{1f}\u{7f}\u{2028}]{0,40}",
            id in proptest::option::of(proptest::prelude::any::<u64>()),
            received_at in proptest::option::of(text_strategy()),
            remote_addr in proptest::option::of(text_strategy()),
            binary in proptest::prelude::any::<bool>(),
        ) {
            let request = CapturedRequest {
                id,
                received_at,
                remote_addr,
                method,
                path,
                query: "a=1&b=%22".into(),
                headers,
                body: if binary { body } else { text_body.into_bytes() },
            };
            proptest::prop_assert_eq!(to_jsonl_line(&request), serde_line(&request));
        }

        #[test]
        fn fast_reading_agrees_with_serde(
            method in text_strategy(),
            path in text_strategy(),
            query in text_strategy(),
            headers in proptest::collection::vec((text_strategy(), text_strategy()), 0..4),
            body in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..40),
            id in proptest::option::of(proptest::prelude::any::<u64>()),
            python in proptest::prelude::any::<bool>(),
            edits in proptest::collection::vec((proptest::prelude::any::<proptest::sample::Index>(), 0..4usize, "[-0-9.eE{}\\[\\],:\" \tn\\\\u\x0cx]"), 0..3),
        ) {
            let request = CapturedRequest {
                id,
                received_at: None,
                remote_addr: Some("127.0.0.1:1".into()),
                method,
                path,
                query,
                headers,
                body,
            };
            let mut line = to_jsonl_line(&request);
            if python {
                line = python_style(&line);
            }
            if edits.is_empty() {
                let got = fast(&line).map(|r| r.map(RequestRef::into_owned));
                proptest::prop_assert_eq!(got, Some(Ok(request)));
            }
            for (at, op, c) in edits {
                let mut bytes = line.into_bytes();
                let i = at.index(bytes.len() + 1);
                match op {
                    0 if i < bytes.len() => { bytes.remove(i); }
                    1 => bytes.splice(i..i, c.bytes()).for_each(drop),
                    2 if i < bytes.len() => bytes.splice(i..i + 1, c.bytes()).for_each(drop),
                    _ => bytes.splice(i..i, b"\"id\":1,".iter().copied()).for_each(drop),
                }
                line = String::from_utf8_lossy(&bytes).into_owned();
            }
            if let Some(ours) = fast(&line) {
                let theirs = parse_jsonl_line(line.as_bytes());
                proptest::prop_assert_eq!(ours, theirs, "{}", line);
            }
        }
    }

    const HAR: &str = r#"{
  "log": {
    "version": "1.2",
    "creator": {"name": "WebInspector", "version": "537.36"},
    "entries": [
      {
        "startedDateTime": "2024-05-01T12:00:00.000Z",
        "request": {
          "method": "POST",
          "url": "https://example.test/webhook?x=1#frag",
          "httpVersion": "HTTP/2",
          "headers": [
            {"name": ":authority", "value": "example.test"},
            {"name": "content-type", "value": "application/json"},
            {"name": "X-Hub-Signature-256", "value": "sha256=abc"},
            {"name": "X-Dup", "value": "1"},
            {"name": "x-dup", "value": "2"}
          ],
          "postData": {"mimeType": "application/json", "text": "{\"a\":\"\u00e9\"}"}
        },
        "response": {"status": 200}
      },
      {
        "request": {
          "method": "POST",
          "url": "http://localhost:3000",
          "headers": [],
          "postData": {"mimeType": "application/octet-stream", "text": "/wBh", "encoding": "base64"}
        }
      },
      {"request": {"method": "GET", "url": "/webhook?hub.mode=subscribe", "headers": []}},
      {"response": {}},
      {"request": {"method": "POST", "url": "/", "headers": [], "postData": {"params": [{"name": "a"}]}}}
    ]
  }
}
"#;

    #[test]
    fn har_entries() {
        let got = read("dev.har", HAR.as_bytes()).unwrap();
        assert_eq!(got.len(), 5);
        let first = got[0].as_ref().unwrap();
        assert_eq!(first.source, "dev.har#1");
        let r = &first.request;
        assert_eq!(
            (r.method.as_str(), r.path.as_str(), r.query.as_str()),
            ("POST", "/webhook", "x=1")
        );
        assert_eq!(r.received_at.as_deref(), Some("2024-05-01T12:00:00.000Z"));
        assert_eq!(
            r.headers.len(),
            4,
            "pseudo-headers dropped: {:?}",
            r.headers
        );
        assert_eq!(r.headers[0].0, "content-type");
        assert_eq!(r.headers[3], ("x-dup".into(), "2".into()));
        assert_eq!(r.body, "{\"a\":\"é\"}".as_bytes());
        let second = &got[1].as_ref().unwrap().request;
        assert_eq!(second.body, vec![0xff, 0, b'a']);
        assert_eq!(second.path, "/");
        let third = &got[2].as_ref().unwrap().request;
        assert_eq!(
            (third.path.as_str(), third.query.as_str()),
            ("/webhook", "hub.mode=subscribe")
        );
        assert!(third.body.is_empty());
        assert_eq!(err_of(&got[3]), "dev.har#4: entry has no `request` object");
        assert!(err_of(&got[4]).starts_with("dev.har#5: postData has params but no text"));
    }

    #[test]
    fn har_on_one_line_and_broken_har() {
        let compact: Value = serde_json::from_str(HAR).unwrap();
        let line = serde_json::to_string(&compact).unwrap();
        let got = read("x.json", line.as_bytes()).unwrap();
        assert_eq!(got.len(), 5);
        let broken = &HAR[..HAR.len() / 2];
        let e = read("b.har", broken.as_bytes()).err().unwrap();
        assert!(e.message.starts_with("b.har:"), "{}", e.message);
        assert!(e.message.contains("invalid JSON: EOF"), "{}", e.message);
        let e = read("n.har", b"{\n\"log\": {\"version\": \"1.2\"}\n}\n")
            .err()
            .unwrap();
        assert_eq!(e.message, "n.har: not a HAR file: no `log.entries` array");
    }

    #[test]
    fn raw_request_with_content_length() {
        let data = b"POST /webhook?a=1 HTTP/1.1\r\nHost: localhost:3000\r\nContent-Type: application/json\r\nX-Hub-Signature-256: sha256=ab\r\nx-hub-signature-256:  second \r\nContent-Length: 9\r\n\r\n{\"a\":\"b\"}";
        let got = ok("req.http", data);
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].source, "req.http#1");
        let r = &got[0].request;
        assert_eq!(
            (r.method.as_str(), r.path.as_str(), r.query.as_str()),
            ("POST", "/webhook", "a=1")
        );
        assert_eq!(r.headers.len(), 5);
        assert_eq!(
            r.headers[2],
            ("X-Hub-Signature-256".into(), "sha256=ab".into())
        );
        assert_eq!(
            r.headers[3],
            ("x-hub-signature-256".into(), "second".into())
        );
        assert_eq!(r.body, b"{\"a\":\"b\"}");
    }

    #[test]
    fn raw_pipelined_with_chunked_extensions_and_trailers() {
        let mut data = Vec::new();
        data.extend_from_slice(
            b"\r\nPOST http://localhost:3000/a HTTP/1.1\nContent-Length: 3\n\nabc\r\n",
        );
        data.extend_from_slice(b"POST /b HTTP/1.1\r\nTransfer-Encoding: gzip, chunked\r\nX-Folded: one\r\n  two\r\n\r\n");
        data.extend_from_slice(b"4;name=value\r\n{\"a\"\r\n6\r\n:\"\xc3\xa9\"}\r\nA \r\n\n\r\n123456\n\r\n0;last\r\nX-Trailer: t\r\n\r\n");
        data.extend_from_slice(b"GET /c HTTP/1.0\r\n\r\n");
        let got = ok("p.http", &data);
        assert_eq!(got.len(), 3);
        assert_eq!(got[0].request.path, "/a");
        assert_eq!(got[0].request.body, b"abc");
        assert_eq!(got[1].source, "p.http#2");
        assert_eq!(
            got[1].request.body,
            "{\"a\":\"é\"}\n\r\n123456\n".as_bytes()
        );
        assert_eq!(got[1].request.header("x-folded"), Some("one two"));
        assert!(got[1].request.header("X-Trailer").is_none());
        assert_eq!(got[2].request.method, "GET");
        assert!(got[2].request.body.is_empty());
    }

    #[test]
    fn raw_malformed_inputs() {
        let cases: [(&[u8], &str); 8] = [
            (b"POST / HTTP/1.1\r\nContent-Length: 10\r\n\r\nabc", "req.http#1: line 3: body truncated: Content-Length is 10 but only 3 bytes follow"),
            (b"POST / HTTP/1.1\r\nHost localhost\r\n\r\n", "req.http#1: line 2: header line has no `:`: `Host localhost`"),
            (b"POST / HTTP/1.1\r\nHost: x\r\n", "req.http#1: line 2: the headers end without a blank line (truncated file?)"),
            (b"POST / HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n", "req.http#1: line 3: unsupported Transfer-Encoding `gzip`: only chunked bodies can be read"),
            (b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", "req.http#1: line 4: invalid chunk size `zz`"),
            (b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nab", "req.http#1: line 4: chunk truncated: size 5 but only 2 bytes follow"),
            (b"POST / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab", "req.http#1: line 4: conflicting Content-Length values"),
            (b"POST / HTTP/1.1\r\nContent-Length: x\r\n\r\n", "req.http#1: line 3: invalid Content-Length `x`"),
        ];
        for (data, want) in cases {
            let got = read("req.http", data).unwrap();
            assert_eq!(got.len(), 1, "{want}");
            let e = err_of(&got[0]);
            assert!(e.starts_with(want), "{e}\n  wanted {want}");
        }
        let got = read("req.http", b"POST / HTTP/1.1\r\nHost: x\r\n\r\n{\"a\":1}").unwrap();
        assert_eq!(got.len(), 2);
        assert!(got[0].is_ok());
        let e = err_of(&got[1]);
        assert!(
            e.contains("no Content-Length or Transfer-Encoding: chunked"),
            "{e}"
        );
        assert!(e.starts_with("req.http#2: line 4:"), "{e}");
        // After an error the reader stops.
        let got = read(
            "r",
            b"POST / HTTP/1.1\r\nbad\r\n\r\nPOST / HTTP/1.1\r\n\r\n",
        )
        .unwrap();
        assert_eq!(got.len(), 1);
    }

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

    #[test]
    fn writer_appends_whole_lines_from_many_threads() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("cap.jsonl");
        std::fs::write(&p, to_jsonl_line(&sample()) + "\n").unwrap();
        let writer = CaptureWriter::open(&p).unwrap();
        std::thread::scope(|s| {
            for t in 0..4u64 {
                let writer = &writer;
                s.spawn(move || {
                    for i in 0..25u64 {
                        let mut r = sample();
                        r.id = Some(t * 100 + i);
                        r.body = vec![b'x'; 10_000 + i as usize];
                        writer.append(&r).unwrap();
                    }
                });
            }
        });
        let got = ok("cap.jsonl", &std::fs::read(&p).unwrap());
        assert_eq!(got.len(), 101);
        assert_eq!(got[0].request, sample());
        let mut ids: Vec<u64> = got[1..].iter().map(|l| l.request.id.unwrap()).collect();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), 100);
        let e = CaptureWriter::open(&dir.path().join("no/such/dir.jsonl"))
            .err()
            .unwrap();
        assert!(
            e.message.contains("cannot open capture file"),
            "{}",
            e.message
        );
    }

    #[test]
    fn targets_split_into_path_and_query() {
        for (t, p, q) in [
            ("/webhook?a=1&b=2", "/webhook", "a=1&b=2"),
            ("/", "/", ""),
            ("https://h:8443/x/y?z#f", "/x/y", "z"),
            ("https://h?q=1", "/", "q=1"),
            ("*", "*", ""),
            ("/a?b://c", "/a", "b://c"),
        ] {
            assert_eq!(split_target(t), (p.to_string(), q.to_string()), "{t}");
        }
    }
}
