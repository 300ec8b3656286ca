//! A strict JSON scanner for the hot paths (capture lines, webhook bodies), without serde's
//! per-token machinery: strings are borrowed from the text when they hold no escape.
//!
//! It accepts a subset of what serde_json accepts and reads it identically. Anything it is
//! not sure of (a float, a number out of range, deep nesting, any error) is `None`: the
//! caller then parses with serde_json, which also words the error.

use std::borrow::Cow;

use serde_json::Number;

/// Nesting deeper than this is left to serde_json (whose own limit is 128).
pub const MAX_DEPTH: u32 = 64;

/// A position in a JSON text (valid UTF-8: callers check once, with `str::from_utf8`).
pub struct Scanner<'a> {
    text: &'a str,
    pos: usize,
}

impl<'a> Scanner<'a> {
    pub fn new(text: &'a str, pos: usize) -> Self {
        Scanner { text, pos }
    }

    pub fn pos(&self) -> usize {
        self.pos
    }

    fn bytes(&self) -> &'a [u8] {
        self.text.as_bytes()
    }

    pub fn peek(&self) -> Option<u8> {
        self.bytes().get(self.pos).copied()
    }

    /// Skip JSON whitespace (space, tab, CR, LF: serde_json's set).
    pub fn ws(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.peek() {
            self.pos += 1;
        }
    }

    /// Skip spaces, tabs and CRs, stopping at a line feed.
    pub fn blanks(&mut self) {
        while let Some(b' ' | b'\t' | b'\r') = self.peek() {
            self.pos += 1;
        }
    }

    /// Consume `c`, or fail.
    pub fn eat(&mut self, c: u8) -> Option<()> {
        if self.peek() == Some(c) {
            self.pos += 1;
            Some(())
        } else {
            None
        }
    }

    /// After an array element or object member: skip whitespace, then consume `,` (returns
    /// `true`: another item follows, whitespace after it skipped) or `close` (`false`: done).
    /// Anything else fails.
    pub fn next_item(&mut self, close: u8) -> Option<bool> {
        self.ws();
        if self.eat(b',').is_some() {
            self.ws();
            Some(true)
        } else {
            self.eat(close)?;
            Some(false)
        }
    }

    /// Consume `word` (`null`, `true`, `false`), or fail.
    pub fn word(&mut self, word: &str) -> Option<()> {
        if self.bytes()[self.pos..].starts_with(word.as_bytes()) {
            self.pos += word.len();
            Some(())
        } else {
            None
        }
    }

    /// A string, its escapes decoded; borrowed when it holds none.
    #[inline]
    pub fn string(&mut self) -> Option<Cow<'a, str>> {
        self.eat(b'"')?;
        let bytes = self.bytes();
        let start = self.pos;
        self.pos = next_special(bytes, self.pos);
        match *bytes.get(self.pos)? {
            b'"' => {
                let s = &self.text[start..self.pos];
                self.pos += 1;
                Some(Cow::Borrowed(s))
            }
            b'\\' => self.escaped(start),
            _ => None,
        }
    }

    /// The rest of a string that holds escapes, from its first backslash.
    #[inline(never)]
    fn escaped(&mut self, start: usize) -> Option<Cow<'a, str>> {
        let bytes = self.bytes();
        // Bytes, not a String: escapes are mostly `\"`, pushed as one byte. Runs end at ASCII
        // bytes and escapes are encoded whole, so `out` is UTF-8 (checked again at the end).
        // Room for the string so far and some more: the end is not known yet.
        let mut out: Vec<u8> = Vec::with_capacity((self.pos - start + 256).next_power_of_two());
        out.extend_from_slice(&bytes[start..self.pos]);
        loop {
            // At a backslash.
            let c = *bytes.get(self.pos + 1)?;
            self.pos += 2;
            // The common escapes first, without a jump table.
            if c == b'"' || c == b'\\' || c == b'/' {
                out.push(c);
            } else {
                self.rare_escape(c, &mut out)?;
            }
            self.copy_run(&mut out);
            match *bytes.get(self.pos)? {
                b'"' => {
                    self.pos += 1;
                    return String::from_utf8(out).ok().map(Cow::Owned);
                }
                b'\\' => {}
                _ => return None,
            }
        }
    }

    /// An escape other than `\"`, `\\` and `\/` (its letter just read).
    fn rare_escape(&mut self, c: u8, out: &mut Vec<u8>) -> Option<()> {
        match c {
            b'b' => out.push(b'\x08'),
            b'f' => out.push(b'\x0c'),
            b'n' => out.push(b'\n'),
            b'r' => out.push(b'\r'),
            b't' => out.push(b'\t'),
            b'u' => {
                let c = self.unicode_escape()?;
                out.extend_from_slice(c.encode_utf8(&mut [0; 4]).as_bytes());
            }
            _ => return None,
        }
        Some(())
    }

    /// Append the bytes up to the next special byte, eight at a time: each word is appended
    /// whole (a fixed-size copy, no `memcpy` call) and the excess cut off again.
    fn copy_run(&mut self, out: &mut Vec<u8>) {
        let bytes = self.bytes();
        while let Some(chunk) = bytes.get(self.pos..self.pos + 8) {
            let Ok(word) = <[u8; 8]>::try_from(chunk) else {
                break;
            };
            out.extend_from_slice(&word);
            let found = special_bytes(u64::from_le_bytes(word));
            if found != 0 {
                let keep = (found.trailing_zeros() / 8) as usize;
                out.truncate(out.len() - 8 + keep);
                self.pos += keep;
                return;
            }
            self.pos += 8;
        }
        let run = self.pos;
        self.pos = next_special(bytes, self.pos);
        out.extend_from_slice(&bytes[run..self.pos]);
    }

    /// After `\u`: one code point, surrogates paired (serde_json rejects lone ones in text).
    fn unicode_escape(&mut self) -> Option<char> {
        let n = self.hex4()?;
        match n {
            0xD800..=0xDBFF => {
                self.eat(b'\\')?;
                self.eat(b'u')?;
                let low = self.hex4()?;
                if !(0xDC00..=0xDFFF).contains(&low) {
                    return None;
                }
                char::from_u32(0x10000 + ((n - 0xD800) << 10) + (low - 0xDC00))
            }
            0xDC00..=0xDFFF => None,
            _ => char::from_u32(n),
        }
    }

    fn hex4(&mut self) -> Option<u32> {
        let digits = self.bytes().get(self.pos..self.pos + 4)?;
        let mut n = 0;
        for &d in digits {
            n = n * 16 + char::from(d).to_digit(16)?;
        }
        self.pos += 4;
        Some(n)
    }

    /// An integer as serde_json reads it: non-negative as `u64`, negative as `i64`. Floats,
    /// `-0` (a float to serde_json) and integers out of those ranges are `None`.
    pub fn integer(&mut self) -> Option<Number> {
        let negative = self.peek() == Some(b'-');
        if negative {
            self.pos += 1;
        }
        let magnitude = self.digits()?;
        if negative {
            match magnitude {
                0 => None,
                m if m <= 1 << 63 => Some(Number::from((m as i64).wrapping_neg())),
                _ => None,
            }
        } else {
            Some(Number::from(magnitude))
        }
    }

    /// Digits of a non-negative integer (no leading zero, no fraction or exponent after).
    pub fn digits(&mut self) -> Option<u64> {
        let bytes = self.bytes();
        let start = self.pos;
        let mut n: u64 = 0;
        while let Some(&d @ b'0'..=b'9') = bytes.get(self.pos) {
            n = n.checked_mul(10)?.checked_add(u64::from(d - b'0'))?;
            self.pos += 1;
        }
        let len = self.pos - start;
        if len == 0 || (len > 1 && bytes[start] == b'0') {
            return None;
        }
        match bytes.get(self.pos) {
            Some(b'.' | b'e' | b'E') => None,
            _ => Some(n),
        }
    }
}

/// Write `s` as a JSON string exactly as serde_json does: `"` and `\\` escaped, control
/// characters as `\b \f \n \r \t` or `\u00xx`, everything else as is.
pub fn write_str(out: &mut Vec<u8>, s: &str) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let bytes = s.as_bytes();
    out.push(b'"');
    let mut pos = 0;
    loop {
        let next = next_special(bytes, pos);
        out.extend_from_slice(&bytes[pos..next]);
        let Some(&b) = bytes.get(next) else {
            break;
        };
        match b {
            b'"' => out.extend_from_slice(b"\\\""),
            b'\\' => out.extend_from_slice(b"\\\\"),
            0x08 => out.extend_from_slice(b"\\b"),
            0x0c => out.extend_from_slice(b"\\f"),
            b'\n' => out.extend_from_slice(b"\\n"),
            b'\r' => out.extend_from_slice(b"\\r"),
            b'\t' => out.extend_from_slice(b"\\t"),
            _ => out.extend_from_slice(&[
                b'\\',
                b'u',
                b'0',
                b'0',
                HEX[usize::from(b >> 4)],
                HEX[usize::from(b & 0xf)],
            ]),
        }
        pos = next + 1;
    }
    out.push(b'"');
}

/// `"key":` (keys are plain ASCII).
pub fn write_key(out: &mut Vec<u8>, key: &str) {
    out.push(b'"');
    out.extend_from_slice(key.as_bytes());
    out.extend_from_slice(b"\":");
}

const ONES: u64 = u64::from_ne_bytes([1; 8]);

/// The high bit of each byte of a little-endian word that is `"`, `\\` or a control
/// character; the lowest one set is exact (higher ones may be false).
fn special_bytes(w: u64) -> u64 {
    let zero_byte = |x: u64| x.wrapping_sub(ONES) & !x;
    let quote = zero_byte(w ^ (ONES * u64::from(b'"')));
    let backslash = zero_byte(w ^ (ONES * u64::from(b'\\')));
    let control = w.wrapping_sub(ONES * 0x20) & !w;
    (quote | backslash | control) & (ONES << 7)
}

/// The first `"`, `\\` or control character at or after `pos` (or the end), eight bytes
/// at a time.
#[inline]
fn next_special(bytes: &[u8], mut pos: usize) -> usize {
    while let Some(chunk) = bytes.get(pos..pos + 8) {
        let Ok(word) = <[u8; 8]>::try_from(chunk) else {
            break;
        };
        let found = special_bytes(u64::from_le_bytes(word));
        if found != 0 {
            return pos + (found.trailing_zeros() / 8) as usize;
        }
        pos += 8;
    }
    while let Some(&b) = bytes.get(pos) {
        if matches!(b, b'"' | b'\\' | 0..=0x1f) {
            break;
        }
        pos += 1;
    }
    pos
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;

    fn string(json: &str) -> Option<Cow<'_, str>> {
        let mut s = Scanner::new(json, 0);
        let out = s.string()?;
        (s.pos() == json.len()).then_some(out)
    }

    #[test]
    fn strings_read_as_serde_json_reads_them() {
        let cases = [
            r#""plain""#,
            r#""""#,
            r#""caf\u00e9 \ud83d\ude00 \"q\" \\ \/ \b\f\n\r\t""#,
            r#""é😀 raw""#,
            r#""\u0000\u001F""#,
            r#""\ud800""#,
            r#""\udc00""#,
            r#""\ud800\u0041""#,
            r#""\ud800x""#,
            r#""\x""#,
            r#""\u12""#,
            r#""\u12g4""#,
            "\"tab\there\"",
            "\"new\nline\"",
            r#""unterminated"#,
            r#""ends with \"#,
            r#""\uDBFF\uDFFF\uABCD""#,
        ];
        for json in cases {
            let ours = string(json).map(Cow::into_owned);
            let theirs = serde_json::from_str::<String>(json).ok();
            assert_eq!(ours, theirs, "{json}");
        }
        assert!(matches!(string(r#""plain""#), Some(Cow::Borrowed("plain"))));
        assert!(matches!(string(r#""a\nb""#), Some(Cow::Owned(_))));
    }

    #[test]
    fn integers_read_as_serde_json_reads_them() {
        let cases = [
            "0",
            "7",
            "-7",
            "18446744073709551615",
            "18446744073709551616",
            "-9223372036854775808",
            "-9223372036854775809",
            "-0",
            "01",
            "1.5",
            "1e3",
            "1E3",
            "-",
            "",
        ];
        for json in cases {
            let mut s = Scanner::new(json, 0);
            let ours = s.integer().filter(|_| s.pos() == json.len());
            let theirs = serde_json::from_str::<Value>(json).ok();
            match ours {
                // Whatever we read, serde_json reads the same.
                Some(n) => assert_eq!(Some(Value::Number(n)), theirs, "{json}"),
                // We leave floats and errors to serde_json.
                None => assert!(
                    theirs.as_ref().is_none_or(|v| v.is_f64()),
                    "{json}: {theirs:?}"
                ),
            }
        }
    }

    #[test]
    fn special_bytes_are_found_at_every_offset() {
        for special in [b'"', b'\\', 0, 0x1f, b'\n'] {
            for at in 0..20 {
                let mut bytes = "aé😀b~\x7f ".repeat(3).into_bytes();
                bytes.truncate(20);
                bytes[at] = special;
                let from = at.min(3);
                assert_eq!(next_special(&bytes, from), at, "{special} at {at}");
            }
        }
        assert_eq!(next_special(b"plain text, no end", 0), 18);
        assert_eq!(next_special("é\u{80}\u{ff}".as_bytes(), 0), 6);
    }

    #[test]
    fn strings_are_written_as_serde_json_writes_them() {
        let all: String = (0u32..0x300).filter_map(char::from_u32).collect();
        for s in ["", "plain", "q\"b\\s/", "😀é\u{7f}", &all, "\u{1f}\u{0}x"] {
            let mut ours = Vec::new();
            write_str(&mut ours, s);
            assert_eq!(ours, serde_json::to_vec(s).unwrap(), "{s:?}");
        }
    }

    proptest::proptest! {
        #[test]
        fn any_str_is_written_as_serde_json_writes_it(s in "\\PC*|[\u{0}-\u{40}\\\\]*") {
            let mut ours = Vec::new();
            write_str(&mut ours, &s);
            proptest::prop_assert_eq!(ours, serde_json::to_vec(&s).unwrap());
        }

        #[test]
        fn any_string_literal_reads_as_serde_json(s in "\"([a-zé😀 \"\\\\/]|\\\\[\"\\\\/bfnrtux]|\\\\u[0-9a-fA-FdD]{4})*\"?") {
            let ours = string(&s).map(Cow::into_owned);
            let theirs = serde_json::from_str::<String>(&s).ok();
            if ours.is_some() {
                proptest::prop_assert_eq!(ours, theirs);
            }
        }
    }
}
