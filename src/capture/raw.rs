//! Raw HTTP/1.1 captures (`nc -l 3000 > req.http`): request line, headers, a body framed by
//! `Content-Length` or chunked encoding; pipelined requests follow each other, `file#N`.

use std::io::{BufRead, Read};

use super::{preview, split_target, CapturedRequest, Located};
use crate::error::{Error, Result};

/// Method, target and version of a request line (`POST /webhook HTTP/1.1`).
pub(super) fn parse_request_line(line: &[u8]) -> std::result::Result<(String, String), String> {
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

pub(super) struct RawReader {
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
    /// Requests from `reader`, after `line_no` lines already read (for error messages).
    pub(super) fn new(name: &str, reader: Box<dyn BufRead>, line_no: u64) -> RawReader {
        RawReader {
            name: name.to_string(),
            reader,
            line_no,
            entry: 0,
            done: false,
            unframed_rest: false,
        }
    }

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
    use super::super::testing::{err_of, ok, read};

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
}
