//! The hand-written JSON writer primitives every hot-path writer shares (a capture line, an
//! event, a verify record, a listen record): each writes exactly the bytes serde_json writes
//! for the same value, which the tests here hold on generated inputs.

use super::bytes::{next_special, special_bytes};

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimals() {
        for n in [0, 7, 10, 99, 100, 123_456, u64::MAX] {
            assert_eq!(decimal(n, &mut [0; 20]), n.to_string());
            let mut out = b"line ".to_vec();
            write_u64(&mut out, n);
            assert_eq!(out, format!("line {n}").into_bytes());
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
    }
}
