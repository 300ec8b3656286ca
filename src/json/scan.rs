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
        Some(match self.raw_string::<true>()? {
            // Cut at ASCII quotes: whole characters of a text that is UTF-8.
            Raw::Plain(start, end) => Cow::Borrowed(&self.text[start..end]),
            Raw::Decoded(bytes) => Cow::Owned(String::from_utf8(bytes).ok()?),
        })
    }

    /// A string's bytes, its escapes decoded, for a caller that needs bytes (a body) and
    /// checks them as UTF-8 itself if it must. They are UTF-8 all the same: plain runs end at
    /// ASCII bytes and escapes decode to whole characters.
    #[inline]
    pub fn string_bytes(&mut self) -> Option<Cow<'a, [u8]>> {
        Some(match self.raw_string::<true>()? {
            Raw::Plain(start, end) => Cow::Borrowed(&self.bytes()[start..end]),
            Raw::Decoded(bytes) => Cow::Owned(bytes),
        })
    }

    #[inline]
    fn raw_string<const FAST: bool>(&mut self) -> Option<Raw> {
        self.eat(b'"')?;
        let bytes = self.bytes();
        let start = self.pos;
        let (at, special) = find_special(bytes, self.pos)?;
        self.pos = at;
        match special {
            b'"' => {
                self.pos += 1;
                Some(Raw::Plain(start, at))
            }
            b'\\' => self.escaped::<FAST>(start).map(Raw::Decoded),
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
                match simd::simple_run(bytes, &mut self.pos, &mut out) {
                    Run::End => return Some(out),
                    Run::Invalid => return None,
                    Run::Other => {}
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

/// Write `s` as a JSON string exactly as serde_json does: `"` and `\\` escaped, control
/// characters as `\b \f \n \r \t` or `\u00xx`, everything else as is.
pub fn write_str(out: &mut Vec<u8>, s: &str) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let bytes = s.as_bytes();
    if write_short_plain(out, bytes) {
        return;
    }
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

/// [`write_str`] for a string of 4 to 16 bytes with nothing to escape (an event's ids,
/// numbers, names and short texts): its first and last words are checked and written whole,
/// overlapping, instead of scanned and copied with `memcpy`. `false`: nothing written.
#[inline]
fn write_short_plain(out: &mut Vec<u8>, bytes: &[u8]) -> bool {
    /// With `N`-byte words (N = 8 for 8 to 16 bytes, 4 for 4 to 7).
    fn plain<const N: usize>(out: &mut Vec<u8>, bytes: &[u8]) -> bool {
        let len = bytes.len();
        let (Some(first), Some(last)) = (bytes.first_chunk::<N>(), bytes.last_chunk::<N>()) else {
            return false;
        };
        // Each word padded with spaces (never special) to eight bytes.
        let word = |part: &[u8; N]| {
            let mut w = [b' '; 8];
            w[..N].copy_from_slice(part);
            u64::from_le_bytes(w)
        };
        if special_bytes(word(first)) | special_bytes(word(last)) != 0 {
            return false;
        }
        out.reserve(len + 2);
        out.push(b'"');
        let start = out.len();
        out.extend_from_slice(first);
        out.truncate(start + len - N);
        out.extend_from_slice(last);
        out.push(b'"');
        true
    }
    match bytes.len() {
        8..=16 => plain::<8>(out, bytes),
        4..=7 => plain::<4>(out, bytes),
        _ => false,
    }
}

/// `n` in decimal, in `buf` (what `format!("{n}")` gives, without the formatting machinery:
/// one is written per line of NDJSON).
pub fn decimal(mut n: u64, buf: &mut [u8; 20]) -> &str {
    let mut at = buf.len();
    loop {
        at -= 1;
        buf[at] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    std::str::from_utf8(&buf[at..]).unwrap_or_default()
}

/// `n` in decimal, appended.
pub fn write_u64(out: &mut Vec<u8>, n: u64) {
    out.extend_from_slice(decimal(n, &mut [0; 20]).as_bytes());
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
fn next_special(bytes: &[u8], pos: usize) -> usize {
    find_special(bytes, pos).map_or(bytes.len(), |(at, _)| at)
}

/// [`next_special`]'s position and the byte there, or `None` at the end: sixteen bytes at a
/// time where the CPU has SSE2 (every x86_64 one), else eight.
#[inline]
fn find_special(bytes: &[u8], pos: usize) -> Option<(usize, u8)> {
    simd::find_special(bytes, pos)
}

/// [`find_special`] eight bytes at a time (the byte taken from the word already read).
#[inline]
fn find_special_swar(bytes: &[u8], mut pos: usize) -> Option<(usize, u8)> {
    while let Some(chunk) = bytes.get(pos..pos + 8) {
        let Ok(word) = <[u8; 8]>::try_from(chunk) else {
            break;
        };
        let word = u64::from_le_bytes(word);
        let found = special_bytes(word);
        if found != 0 {
            let bit = found.trailing_zeros();
            return Some((pos + (bit / 8) as usize, (word >> (bit & !7)) as u8));
        }
        pos += 8;
    }
    while let Some(&b) = bytes.get(pos) {
        if matches!(b, b'"' | b'\\' | 0..=0x1f) {
            return Some((pos, b));
        }
        pos += 1;
    }
    None
}

/// A string read: where it lies in the text (it holds no escape), or its decoded bytes.
enum Raw {
    Plain(usize, usize),
    Decoded(Vec<u8>),
}

/// How [`simd::simple_run`] stopped.
enum Run {
    /// After the closing quote.
    End,
    /// At a control character, which a string cannot hold.
    Invalid,
    /// Before something it does not decode (or near the end of the text): the caller takes
    /// one step itself.
    Other,
}

#[cfg(target_arch = "x86_64")]
mod simd {
    use super::Run;
    use std::arch::x86_64::*;

    /// Sixteen bytes as a vector (two loads the compiler joins; no raw pointer).
    #[inline]
    #[target_feature(enable = "sse2")]
    fn load(chunk: &[u8]) -> __m128i {
        let word = |i: usize| {
            let mut eight = [0; 8];
            eight.copy_from_slice(&chunk[i..i + 8]);
            i64::from_le_bytes(eight)
        };
        _mm_set_epi64x(word(8), word(0))
    }

    #[inline]
    pub(super) fn find_special(bytes: &[u8], pos: usize) -> Option<(usize, u8)> {
        // SAFETY: SSE2 is part of the x86_64 baseline: every x86_64 CPU has it.
        unsafe { find_special_sse2(bytes, pos) }
    }

    /// The first `"`, `\\` or control byte at or after `pos`, sixteen bytes at a time.
    #[inline]
    #[target_feature(enable = "sse2")]
    fn find_special_sse2(bytes: &[u8], mut pos: usize) -> Option<(usize, u8)> {
        while let Some(chunk) = bytes.get(pos..pos + 16) {
            let v = load(chunk);
            let quote = _mm_cmpeq_epi8(v, _mm_set1_epi8(b'"' as i8));
            let backslash = _mm_cmpeq_epi8(v, _mm_set1_epi8(b'\\' as i8));
            let control = _mm_cmpeq_epi8(_mm_min_epu8(v, _mm_set1_epi8(0x1f)), v);
            let found = _mm_movemask_epi8(_mm_or_si128(_mm_or_si128(quote, backslash), control));
            if found != 0 {
                let at = found.trailing_zeros() as usize;
                return Some((pos + at, chunk[at]));
            }
            pos += 16;
        }
        super::find_special_swar(bytes, pos)
    }

    #[cfg(test)]
    thread_local! {
        /// Set by tests to run the SSSE3 decoder alone on a CPU that has AVX-512.
        pub(super) static NO_AVX512: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
    }

    fn avx512() -> bool {
        #[cfg(test)]
        if NO_AVX512.with(std::cell::Cell::get) {
            return false;
        }
        is_x86_feature_detected!("avx512vbmi2") && is_x86_feature_detected!("avx512bw")
    }

    /// Decode sixty-four (AVX-512) or sixteen (SSSE3) bytes at a time while they hold only
    /// plain bytes and `\"` / `\/` escapes, up to and including the closing quote; the rest is
    /// left to the caller.
    pub(super) fn simple_run(bytes: &[u8], pos: &mut usize, out: &mut Vec<u8>) -> Run {
        if avx512() {
            // SAFETY: the CPU has AVX-512 BW and VBMI2 (just checked); SSSE3 comes with them.
            match unsafe { simple_run_avx512(bytes, pos, out) } {
                Run::Other => unsafe { simple_run_ssse3(bytes, pos, out) },
                done => done,
            }
        } else if is_x86_feature_detected!("ssse3") {
            // SAFETY: the CPU has SSSE3 (just checked); that is all the function needs.
            unsafe { simple_run_ssse3(bytes, pos, out) }
        } else {
            Run::Other
        }
    }

    /// [`simple_run_ssse3`] sixty-four bytes at a time, the bytes kept packed by one
    /// `vpcompressb` (a body kept in a capture line has an escaped quote every few bytes).
    /// Leaves the last bytes of the text, and whatever it does not decode, to the caller.
    #[target_feature(enable = "avx512f,avx512bw,avx512vbmi2")]
    fn simple_run_avx512(bytes: &[u8], pos: &mut usize, out: &mut Vec<u8>) -> Run {
        while let Some(chunk) = bytes.get(*pos..*pos + 64) {
            // SAFETY: `chunk` is 64 readable bytes; the load needs no alignment.
            let v = unsafe { _mm512_loadu_si512(chunk.as_ptr().cast()) };
            let eq = |c: u8| _mm512_cmpeq_epi8_mask(v, _mm512_set1_epi8(c as i8));
            let (quote, slash) = (eq(b'"'), eq(b'/'));
            let control = _mm512_cmple_epu8_mask(v, _mm512_set1_epi8(0x1f));
            // A backslash in the last byte: its escape is decoded with the next bytes.
            let (backslash, width) = match eq(b'\\') {
                b if b >> 63 != 0 => (b & !(1 << 63), 63),
                b => (b, 64),
            };
            // As in `simple_run_ssse3`: only `\"` and `\/` are decoded here.
            let letters = backslash << 1;
            if backslash & letters != 0 || letters & !(quote | slash) != 0 {
                return Run::Other;
            }
            let end = quote & !letters;
            let stop = if end != 0 {
                end.trailing_zeros()
            } else {
                width
            };
            let take = if stop == 64 { !0 } else { (1u64 << stop) - 1 };
            if control & take != 0 {
                return Run::Invalid;
            }
            let keep = take & !backslash;
            let packed = _mm512_maskz_compress_epi8(keep, v);
            out.reserve(64);
            let len = out.len();
            // SAFETY: `reserve(64)` left room for the 64-byte store after `len`; `set_len`
            // covers only the `keep.count_ones()` bytes packed at its start.
            unsafe {
                _mm512_storeu_si512(out.as_mut_ptr().add(len).cast(), packed);
                out.set_len(len + keep.count_ones() as usize);
            }
            *pos += stop as usize;
            if end != 0 {
                *pos += 1;
                return Run::End;
            }
        }
        Run::Other
    }

    /// For each 8-bit mask of bytes to drop from eight at `base`, the positions of the bytes
    /// kept, in order (the rest 0x80: a shuffle writes zero there), as a shuffle's half.
    const fn compress_table(base: u8) -> [i64; 256] {
        let mut table = [0; 256];
        let mut mask = 0;
        while mask < 256 {
            let mut lanes = [0x80u8; 8];
            let (mut kept, mut i) = (0, 0);
            while i < 8 {
                if mask & (1 << i) == 0 {
                    lanes[kept] = base + i as u8;
                    kept += 1;
                }
                i += 1;
            }
            table[mask] = i64::from_le_bytes(lanes);
            mask += 1;
        }
        table
    }
    static COMPRESS_LO: [i64; 256] = compress_table(0);
    static COMPRESS_HI: [i64; 256] = compress_table(8);

    #[target_feature(enable = "ssse3")]
    fn simple_run_ssse3(bytes: &[u8], pos: &mut usize, out: &mut Vec<u8>) -> Run {
        while let Some(chunk) = bytes.get(*pos..*pos + 16) {
            let v = load(chunk);
            let eq = |c: u8| _mm_movemask_epi8(_mm_cmpeq_epi8(v, _mm_set1_epi8(c as i8))) as u32;
            let (quote, slash) = (eq(b'"'), eq(b'/'));
            let control =
                _mm_movemask_epi8(_mm_cmpeq_epi8(_mm_min_epu8(v, _mm_set1_epi8(0x1f)), v)) as u32;
            // A backslash in the last byte: its escape is decoded with the next sixteen.
            let (backslash, width) = match eq(b'\\') {
                b if b & 0x8000 != 0 => (b & 0x7fff, 15),
                b => (b, 16),
            };
            // The byte after each backslash is its escape's letter: only `"` and `/` are
            // decoded here (a backslash after a backslash, `\\`, is left to the caller too).
            let letters = backslash << 1;
            if backslash & letters != 0 || letters & !(quote | slash) != 0 {
                return Run::Other;
            }
            let end = quote & !letters;
            let stop = if end != 0 {
                end.trailing_zeros()
            } else {
                width
            };
            let take = (1u32 << stop) - 1;
            if control & take != 0 {
                return Run::Invalid;
            }
            // Drop the backslashes and whatever lies from `stop` on; pack the rest.
            let drop = backslash | !take;
            let (drop_lo, drop_hi) = ((drop & 0xff) as usize, ((drop >> 8) & 0xff) as usize);
            let shuffle = _mm_set_epi64x(COMPRESS_HI[drop_hi], COMPRESS_LO[drop_lo]);
            let packed = _mm_shuffle_epi8(v, shuffle);
            let kept = |d: usize| 8 - d.count_ones() as usize;
            let (kept_lo, kept_hi) = (kept(drop_lo), kept(drop_hi));
            // Each half's eight bytes stored whole, the high half's after the bytes the low
            // half keeps; the length then covers only the bytes kept.
            out.reserve(16);
            let len = out.len();
            // SAFETY: `reserve(16)` left room for sixteen bytes after `len`, and the stores
            // write at most `kept_lo + 8 <= 16` of them (unaligned stores, as the intrinsics
            // allow). `set_len` then covers `kept_lo + kept_hi` bytes, all written here.
            unsafe {
                let at = out.as_mut_ptr().add(len);
                _mm_storel_epi64(at.cast(), packed);
                _mm_storel_epi64(at.add(kept_lo).cast(), _mm_unpackhi_epi64(packed, packed));
                out.set_len(len + kept_lo + kept_hi);
            }
            *pos += stop as usize;
            if end != 0 {
                *pos += 1;
                return Run::End;
            }
        }
        Run::Other
    }
}

#[cfg(not(target_arch = "x86_64"))]
mod simd {
    use super::Run;

    pub(super) fn find_special(bytes: &[u8], pos: usize) -> Option<(usize, u8)> {
        super::find_special_swar(bytes, pos)
    }

    pub(super) fn simple_run(_: &[u8], _: &mut usize, _: &mut Vec<u8>) -> Run {
        Run::Other
    }
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
            Some(Raw::Plain(a, b)) => Some(json.as_bytes()[a..b].to_vec()),
            Some(Raw::Decoded(bytes)) => Some(bytes),
            None => None,
        };
        assert_eq!(bytes.as_deref(), Some(out.as_bytes()), "{json}");
        assert_eq!(slow.pos(), s.pos(), "{json}");
        whole.then_some(out)
    }

    #[test]
    fn decimals() {
        for n in [0, 7, 10, 99, 100, 123_456, u64::MAX] {
            assert_eq!(decimal(n, &mut [0; 20]), n.to_string());
            let mut out = b"line ".to_vec();
            write_u64(&mut out, n);
            assert_eq!(out, format!("line {n}").into_bytes());
        }
    }

    /// Where the fast decoders stop, decode or hand over: every escape at every offset of two
    /// 64-byte windows, backslash runs, rare escapes after simple ones, control bytes.
    #[test]
    fn escaped_strings_read_the_same_at_every_offset() {
        every_offset_reads_the_same();
        // The SSSE3 decoder alone, as on a CPU without AVX-512.
        #[cfg(target_arch = "x86_64")]
        {
            simd::NO_AVX512.with(|off| off.set(true));
            every_offset_reads_the_same();
            simd::NO_AVX512.with(|off| off.set(false));
        }
    }

    fn every_offset_reads_the_same() {
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
    fn sixteen_at_a_time_finds_what_eight_at_a_time_finds() {
        let alphabet = b"ab\"\\\x00\x1f \x7f\xc3\xa9~";
        let mut seed = 7u32;
        for len in 0..70 {
            let bytes: Vec<u8> = (0..len)
                .map(|_| {
                    seed = seed.wrapping_mul(1_103_515_245).wrapping_add(12_345);
                    // Mostly plain bytes, so that runs cross sixteen-byte windows.
                    let r = (seed >> 16) as usize;
                    if r.is_multiple_of(9) {
                        alphabet[r % alphabet.len()]
                    } else {
                        b'a' + (r % 26) as u8
                    }
                })
                .collect();
            for from in 0..=len {
                assert_eq!(
                    find_special(&bytes, from),
                    find_special_swar(&bytes, from),
                    "{bytes:?} from {from}"
                );
            }
        }
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

    /// Every length around the short path's (4 to 16 bytes), plain and with a special byte at
    /// each place, appended after what `out` already holds.
    #[test]
    fn short_strings_are_written_as_serde_json_writes_them() {
        for len in 0..=20 {
            let plain: String = "abcdéfghijklmnopqrstu".chars().take(len).collect();
            let mut cases = vec![plain.clone()];
            for at in 0..len {
                for special in ['"', '\\', '\n', '\u{1}'] {
                    let mut chars: Vec<char> = plain.chars().collect();
                    chars[at] = special;
                    cases.push(chars.into_iter().collect());
                }
            }
            for s in cases {
                let mut ours = b"[1,".to_vec();
                write_str(&mut ours, &s);
                let mut theirs = b"[1,".to_vec();
                theirs.extend(serde_json::to_vec(&s).unwrap());
                assert_eq!(ours, theirs, "{s:?}");
            }
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
