//! A strict JSON scanner for the hot paths (capture lines, webhook bodies), without serde's
//! per-token machinery: strings are borrowed from the text when they hold no escape.
//!
//! It accepts a subset of what serde_json accepts and reads it identically. Anything it is
//! not sure of (a float, a number out of range, deep nesting, any error) is `None`: the
//! caller then parses with serde_json, which also words the error.

use std::borrow::Cow;

use serde_json::Number;

use super::bytes::{find_special, next_special, simple_run, special_bytes, RunStop};

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
        Some(match self.raw_string::<true>()? {
            // Cut at ASCII quotes: whole characters of a text that is UTF-8.
            StringRead::Plain(start, end) => Cow::Borrowed(&self.text[start..end]),
            StringRead::Decoded(bytes) => Cow::Owned(String::from_utf8(bytes).ok()?),
        })
    }

    /// A string's bytes, its escapes decoded, for a caller that needs bytes (a body) and
    /// checks them as UTF-8 itself if it must. They are UTF-8 all the same: plain runs end at
    /// ASCII bytes and escapes decode to whole characters.
    #[inline]
    pub fn string_bytes(&mut self) -> Option<Cow<'a, [u8]>> {
        Some(match self.raw_string::<true>()? {
            StringRead::Plain(start, end) => Cow::Borrowed(&self.bytes()[start..end]),
            StringRead::Decoded(bytes) => Cow::Owned(bytes),
        })
    }

    #[inline]
    fn raw_string<const FAST: bool>(&mut self) -> Option<StringRead> {
        self.eat(b'"')?;
        let bytes = self.bytes();
        let start = self.pos;
        let (at, special) = find_special(bytes, self.pos)?;
        self.pos = at;
        match special {
            b'"' => {
                self.pos += 1;
                Some(StringRead::Plain(start, at))
            }
            b'\\' => self.escaped::<FAST>(start).map(StringRead::Decoded),
            _ => None,
        }
    }

    /// The rest of a string that holds escapes, from its first backslash. `FAST`: runs of
    /// plain bytes and `\"` / `\/` escapes (JSON kept inside JSON) are decoded sixteen bytes
    /// at a time where the CPU allows; tests also run without.
    #[inline(never)]
    fn escaped<const FAST: bool>(&mut self, start: usize) -> Option<Vec<u8>> {
        let bytes = self.bytes();
        // Room for the string so far and some more: the end is not known yet.
        let mut out: Vec<u8> = Vec::with_capacity((self.pos - start + 256).next_power_of_two());
        out.extend_from_slice(&bytes[start..self.pos]);
        loop {
            if FAST {
                match simple_run(bytes, &mut self.pos, &mut out) {
                    RunStop::End => return Some(out),
                    RunStop::Invalid => return None,
                    RunStop::Other => {}
                }
            }
            // One step a byte at a time: an escape, a run of plain bytes, or the end.
            match *bytes.get(self.pos)? {
                b'\\' => {
                    let c = *bytes.get(self.pos + 1)?;
                    self.pos += 2;
                    // The common escapes first, without a jump table.
                    if c == b'"' || c == b'\\' || c == b'/' {
                        out.push(c);
                    } else {
                        self.rare_escape(c, &mut out)?;
                    }
                }
                b'"' => {
                    self.pos += 1;
                    return Some(out);
                }
                0..=0x1f => return None,
                _ => self.copy_run(&mut out),
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

/// A string read: where it lies in the text (it holds no escape), or its decoded bytes.
enum StringRead {
    Plain(usize, usize),
    Decoded(Vec<u8>),
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;

    fn string(json: &str) -> Option<Cow<'_, str>> {
        let mut s = Scanner::new(json, 0);
        let out = s.string()?;
        let whole = s.pos() == json.len();
        // The byte-at-a-time decoder reads every string the same, and stops at the same place.
        let mut slow = Scanner::new(json, 0);
        let bytes = match slow.raw_string::<false>() {
            Some(StringRead::Plain(a, b)) => Some(json.as_bytes()[a..b].to_vec()),
            Some(StringRead::Decoded(bytes)) => Some(bytes),
            None => None,
        };
        assert_eq!(bytes.as_deref(), Some(out.as_bytes()), "{json}");
        assert_eq!(slow.pos(), s.pos(), "{json}");
        whole.then_some(out)
    }

    /// Where the fast decoder stops, decodes or hands over: every escape at every offset of
    /// sixteen-byte windows, backslash runs, rare escapes after simple ones, control bytes.
    #[test]
    fn escaped_strings_read_the_same_at_every_offset() {
        let pieces = [
            r#"\""#,
            r"\/",
            r"\\",
            r"\n",
            r"\u00e9",
            r"\ud83d\ude00",
            "é",
            "😀",
            "\u{1}",
            r"\x",
            r#"""#,
            "\t",
            "\\\\\\\"",
            r#"\"\"\"\"\"\"\"\"\"\"\"\"\"\"\"\"\""#,
        ];
        for piece in pieces {
            for before in 0..140 {
                for after in [0, 1, 7, 15, 16, 17, 40, 63, 64, 65, 100] {
                    let json = format!(
                        "\"{}\\\"{}{piece}{}\"",
                        "a".repeat(before),
                        "b".repeat(before % 5),
                        "c".repeat(after)
                    );
                    let ours = string(&json).map(Cow::into_owned);
                    let theirs = serde_json::from_str::<String>(&json).ok();
                    assert_eq!(ours, theirs, "{json}");
                }
            }
        }
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

    proptest::proptest! {
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
