//! cmzon-hook JSONL captures: one request per line, as `listen --save` writes them. The
//! reader hands out blocks of whole lines (so that `verify` parses them on several threads)
//! and reads a well-formed line without serde; the writer is the one that writes a capture
//! line, byte for byte what serde_json writes for the same fields.

use std::borrow::Cow;
use std::fs::{File, OpenOptions};
use std::io::{self, BufRead, Write};
use std::path::Path;
use std::sync::{Arc, Mutex, PoisonError};

use base64::Engine;
use serde::Deserialize;

use super::file::Truncated;
use super::{decode_base64, json_message, CapturedRequest, Located, RequestRef};
use crate::error::{Error, Result};
use crate::json::scan::Scanner;
use crate::json::write::{write_str, write_u64};

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
    body: Option<BodyField<'a>>,
    #[serde(default, borrow)]
    body_base64: Option<Text<'a>>,
}

/// The `body` string as the request's bytes: [`jsonl_in_fast`] decodes it straight to bytes
/// (whoever parses the body checks it as UTF-8), serde through [`Text`].
#[derive(Debug)]
struct BodyField<'a>(Cow<'a, [u8]>);

impl<'de: 'a, 'a> Deserialize<'de> for BodyField<'a> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        Ok(BodyField(match Text::deserialize(d)?.0 {
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

/// A JSONL capture read as blocks of whole lines (each block is what one read brought, so a
/// capture that grows line by line on a pipe is still seen line by line). Yields a read
/// error once, then ends.
pub struct JsonlBlocks<R = Box<dyn BufRead + Send>> {
    name: Arc<str>,
    reader: R,
    /// Lines handed out so far (blank ones included).
    line_no: u64,
    done: bool,
}

/// One read's worth: a block is at most this (unless a line is longer), so handing blocks
/// to other threads costs little next to parsing them.
pub(super) const BLOCK_SIZE: usize = 1 << 18;

/// Whole lines of a JSONL capture and the number of the line before them.
#[derive(Debug, Clone)]
pub struct JsonlBlock {
    name: Arc<str>,
    first_line: u64,
    data: Vec<u8>,
}

impl<R: BufRead> Iterator for JsonlBlocks<R> {
    type Item = Result<JsonlBlock>;

    fn next(&mut self) -> Option<Result<JsonlBlock>> {
        if self.done {
            return None;
        }
        let mut data = Vec::new();
        loop {
            let chunk = match self.reader.fill_buf() {
                Ok(chunk) => chunk,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => {
                    // A line cut by the error is dropped with it, as `read_until` does.
                    self.done = true;
                    if let Some(cut) = Truncated::error_of(&e) {
                        return Some(Err(cut));
                    }
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
            match memchr::memrchr(b'\n', chunk) {
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
        Some(Ok(self.block(data)))
    }
}

impl<R: BufRead> JsonlBlocks<R> {
    /// Blocks of `reader`, a capture called `name` of which `line_no` lines (blank ones, or
    /// a byte order mark) were already read.
    pub(super) fn new(name: &str, reader: R, line_no: u64) -> Self {
        JsonlBlocks {
            name: name.into(),
            reader,
            line_no,
            done: false,
        }
    }
}

impl<R: BufRead + Send + 'static> JsonlBlocks<R> {
    /// The same blocks over a boxed reader: the type [`super::open_captures`] returns.
    pub(super) fn boxed(self) -> JsonlBlocks {
        JsonlBlocks {
            name: self.name,
            reader: Box::new(self.reader),
            line_no: self.line_no,
            done: self.done,
        }
    }
}

impl<R> JsonlBlocks<R> {
    /// The next block, numbered after the lines handed out before it.
    fn block(&mut self, data: Vec<u8>) -> JsonlBlock {
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
    /// [`super::read_captures`] gives for that line.
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

/// [`super::read_captures`]'s JSONL reader: owned requests, one block of lines at a time.
pub(super) struct JsonlReader<R> {
    blocks: JsonlBlocks<R>,
    pending: std::vec::IntoIter<Result<Located>>,
}

impl<R: BufRead> JsonlReader<R> {
    pub(super) fn new(blocks: JsonlBlocks<R>) -> Self {
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
                        source: match r.id {
                            Some(id) => format!("{}#{id}", block.name),
                            None => format!("{}:{line}", block.name),
                        },
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
        (Some(BodyField(body)), None) => body,
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
            7 => body = nullable(scan, |scan| scan.string_bytes().map(BodyField))?,
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
        Some(s) => write_str(out, s),
        None => out.extend_from_slice(b"null"),
    };
    let key = |out: &mut Vec<u8>, field: usize| {
        out.push(if field == 0 { b'{' } else { b',' });
        out.extend_from_slice(LINE_KEYS[field].as_bytes());
    };
    key(out, 0);
    match request.id {
        Some(n) => write_u64(out, n),
        None => out.extend_from_slice(b"null"),
    }
    key(out, 1);
    opt_str(out, request.received_at.as_deref());
    key(out, 2);
    opt_str(out, request.remote_addr.as_deref());
    key(out, 3);
    write_str(out, &request.method);
    key(out, 4);
    write_str(out, &request.path);
    key(out, 5);
    write_str(out, &request.query);
    key(out, 6);
    out.push(b'[');
    for (i, (name, value)) in request.headers.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        out.push(b'[');
        write_str(out, name);
        out.push(b',');
        write_str(out, value);
        out.push(b']');
    }
    out.push(b']');
    match std::str::from_utf8(&request.body) {
        Ok(text) => {
            key(out, 7);
            write_str(out, text);
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

    /// The largest `id` among the last lines of an existing capture (lines written by
    /// concurrent requests may be slightly out of order, so a window of lines is read, not
    /// only the last one), or 0. `listen --save` continues numbering after it, so a file
    /// appended to by several runs keeps one number per request.
    pub fn last_id(path: &Path) -> u64 {
        use std::io::{Read, Seek, SeekFrom};
        let Ok(mut file) = File::open(path) else {
            return 0;
        };
        let size = file.metadata().map(|m| m.len()).unwrap_or(0);
        let mut window: u64 = 1 << 20;
        loop {
            let start = size.saturating_sub(window);
            let mut tail = Vec::new();
            if file.seek(SeekFrom::Start(start)).is_err()
                || (&mut file).take(window).read_to_end(&mut tail).is_err()
            {
                return 0;
            }
            // Line starts: after each line feed, and the window's start when it is the file's.
            let starts = (start == 0).then_some(0).into_iter().chain(
                tail.iter()
                    .enumerate()
                    .filter(|(_, &b)| b == b'\n')
                    .map(|(i, _)| i + 1),
            );
            let max = starts
                .filter_map(|at| {
                    let rest = tail.get(at..)?.strip_prefix(b"{\"id\":")?;
                    let digits = rest.iter().take_while(|b| b.is_ascii_digit()).count();
                    std::str::from_utf8(&rest[..digits])
                        .ok()?
                        .parse::<u64>()
                        .ok()
                })
                .max();
            if let Some(max) = max {
                return max;
            }
            if start == 0 {
                return 0;
            }
            window = window.saturating_mul(4);
        }
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

#[cfg(test)]
mod tests {
    use super::super::open::{open_from, Detected};
    use super::super::read_captures_from;
    use super::super::testing::{err_of, ok, read, sample};
    use super::*;
    use serde::Serialize;
    use serde_json::Value;
    use std::io::{BufReader, Cursor, Read};

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
    fn last_id_is_the_largest_among_the_last_lines() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c.jsonl");
        assert_eq!(CaptureWriter::last_id(&path), 0, "no file");
        std::fs::write(&path, "").unwrap();
        assert_eq!(CaptureWriter::last_id(&path), 0, "empty file");
        let mut text = String::new();
        for id in [3, 9, 4] {
            let mut r = sample();
            r.id = Some(id);
            text.push_str(&(to_jsonl_line(&r) + "\n"));
        }
        // A last line longer than the first window read.
        let mut long = sample();
        long.id = None;
        long.body = vec![b'x'; 3 << 20];
        text.push_str(&(to_jsonl_line(&long) + "\n"));
        std::fs::write(&path, text).unwrap();
        assert_eq!(CaptureWriter::last_id(&path), 9);
    }

    #[test]
    fn jsonl_round_trips_exactly() {
        let text = sample();
        let mut binary = sample();
        binary.id = Some(8);
        binary.body = vec![0xff, 0xfe, b'{', 0x80, b'\n', 0];
        let mut empty = sample();
        empty.id = None;
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
            ["cap.jsonl#7", "cap.jsonl#8", "cap.jsonl:3"],
            "listen's id when the line has one, else the line number"
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
        let mut unnumbered = sample();
        unnumbered.id = None;
        let line = to_jsonl_line(&unnumbered);
        let data = format!("\n\n{line}\n\n{line}\r\n");
        let got = ok("c.jsonl", data.as_bytes());
        assert_eq!(got[0].source, "c.jsonl:3");
        assert_eq!(got[1].source, "c.jsonl:5");
        assert_eq!(got[1].request, unnumbered);
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
        let mut unnumbered = sample();
        unnumbered.id = None;
        let good = to_jsonl_line(&unnumbered);
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
        assert_eq!(whole[3].as_ref().unwrap().request, unnumbered);
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
        let Detected::Jsonl(blocks) = open_from("b.jsonl", Cursor::new(data.into_bytes())).unwrap()
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
}
