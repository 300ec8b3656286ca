//! The byte-level kernels the scanner and the writer share: finding the bytes a JSON string
//! must escape (`"`, `\\`, control characters), and decoding runs of plain bytes and `\"` /
//! `\/` escapes (JSON kept inside a JSON string).
//!
//! Eight bytes at a time in plain Rust; sixteen with SSE2 (every x86_64 CPU) and SSSE3
//! (detected at run time). The only module of `json` allowed `unsafe`: two calls into
//! functions compiled for those CPU features.

const ONES: u64 = u64::from_ne_bytes([1; 8]);

/// The high bit of each byte of a little-endian word that is `"`, `\\` or a control
/// character; the lowest one set is exact (higher ones may be false).
pub(super) fn special_bytes(w: u64) -> u64 {
    let zero_byte = |x: u64| x.wrapping_sub(ONES) & !x;
    let quote = zero_byte(w ^ (ONES * u64::from(b'"')));
    let backslash = zero_byte(w ^ (ONES * u64::from(b'\\')));
    let control = w.wrapping_sub(ONES * 0x20) & !w;
    (quote | backslash | control) & (ONES << 7)
}

/// The first `"`, `\\` or control character at or after `pos` (or the end).
#[inline]
pub(super) fn next_special(bytes: &[u8], pos: usize) -> usize {
    find_special(bytes, pos).map_or(bytes.len(), |(at, _)| at)
}

/// [`next_special`]'s position and the byte there, or `None` at the end: sixteen bytes at a
/// time where the CPU has SSE2 (every x86_64 one), else eight.
#[inline]
pub(super) fn find_special(bytes: &[u8], pos: usize) -> Option<(usize, u8)> {
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

/// Where [`simple_run`] stopped.
pub(super) enum RunStop {
    /// After the closing quote.
    End,
    /// At a control character, which a string cannot hold.
    Invalid,
    /// Before something it does not decode (or near the end of the text): the caller takes
    /// one step itself.
    Other,
}

/// Decode sixteen bytes at a time, appending to `out`, while they hold only plain bytes and
/// `\"` / `\/` escapes, up to and including the closing quote; the rest is left to the
/// caller. Without SSSE3 it does nothing ([`RunStop::Other`]).
#[inline]
pub(super) fn simple_run(bytes: &[u8], pos: &mut usize, out: &mut Vec<u8>) -> RunStop {
    simd::simple_run(bytes, pos, out)
}

#[cfg(target_arch = "x86_64")]
#[allow(unsafe_code)]
mod simd {
    use super::RunStop;
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

    pub(super) fn simple_run(bytes: &[u8], pos: &mut usize, out: &mut Vec<u8>) -> RunStop {
        if is_x86_feature_detected!("ssse3") {
            // SAFETY: the CPU has SSSE3 (just checked); that is all the function needs.
            unsafe { simple_run_ssse3(bytes, pos, out) }
        } else {
            RunStop::Other
        }
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
    fn simple_run_ssse3(bytes: &[u8], pos: &mut usize, out: &mut Vec<u8>) -> RunStop {
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
                return RunStop::Other;
            }
            let end = quote & !letters;
            let stop = if end != 0 {
                end.trailing_zeros()
            } else {
                width
            };
            let take = (1u32 << stop) - 1;
            if control & take != 0 {
                return RunStop::Invalid;
            }
            // Drop the backslashes and whatever lies from `stop` on; pack the rest, each
            // half's kept bytes at its start.
            let drop = backslash | !take;
            let (drop_lo, drop_hi) = ((drop & 0xff) as usize, ((drop >> 8) & 0xff) as usize);
            let shuffle = _mm_set_epi64x(COMPRESS_HI[drop_hi], COMPRESS_LO[drop_lo]);
            let packed = _mm_shuffle_epi8(v, shuffle);
            let lo = _mm_cvtsi128_si64(packed).to_le_bytes();
            let hi = _mm_cvtsi128_si64(_mm_unpackhi_epi64(packed, packed)).to_le_bytes();
            // Each half appended whole (a fixed-size copy) and cut back to the bytes it keeps.
            let kept = |d: usize| 8 - d.count_ones() as usize;
            let len = out.len();
            out.extend_from_slice(&lo);
            out.truncate(len + kept(drop_lo));
            let len = out.len();
            out.extend_from_slice(&hi);
            out.truncate(len + kept(drop_hi));
            *pos += stop as usize;
            if end != 0 {
                *pos += 1;
                return RunStop::End;
            }
        }
        RunStop::Other
    }
}

#[cfg(not(target_arch = "x86_64"))]
mod simd {
    use super::RunStop;

    pub(super) fn find_special(bytes: &[u8], pos: usize) -> Option<(usize, u8)> {
        super::find_special_swar(bytes, pos)
    }

    pub(super) fn simple_run(_: &[u8], _: &mut usize, _: &mut Vec<u8>) -> RunStop {
        RunStop::Other
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// This machine runs the SSE2 and SSSE3 paths the tests here and in `scan` check.
    #[test]
    #[cfg(target_arch = "x86_64")]
    fn the_sixteen_byte_paths_run_here() {
        assert!(is_x86_feature_detected!("ssse3"));
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
}
