//! The MAC itself: HMAC-SHA256 (and legacy SHA-1) over exact bytes, fed whole or in
//! chunks, compared in constant time (`Mac::verify_slice`), and the hex that carries it.
//! Imports nothing of this crate.

use hmac::{Hmac, KeyInit, Mac};
use sha1::Sha1;
use sha2::Sha256;

pub const HEADER_SHA256: &str = "X-Hub-Signature-256";
pub const HEADER_SHA1: &str = "X-Hub-Signature";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scheme {
    Sha256,
    Sha1,
}

impl Scheme {
    pub fn as_str(self) -> &'static str {
        match self {
            Scheme::Sha256 => "sha256",
            Scheme::Sha1 => "sha1",
        }
    }
}

/// `sha256=<lowercase hex>` of HMAC-SHA256(secret, body) over the exact bytes.
pub fn sign(secret: &[u8], body: &[u8]) -> String {
    format!("sha256={}", hex(&mac(Scheme::Sha256, secret, body)))
}

/// `sha1=<lowercase hex>`, the legacy `X-Hub-Signature` value.
pub fn sign_sha1(secret: &[u8], body: &[u8]) -> String {
    format!("sha1={}", hex(&mac(Scheme::Sha1, secret, body)))
}

/// Raw MAC bytes for a scheme.
pub fn mac(scheme: Scheme, secret: &[u8], body: &[u8]) -> Vec<u8> {
    let mut m = MacStream::new(scheme, secret);
    m.update(body);
    m.finalize()
}

/// Constant-time check of `expected` against HMAC(secret, body).
pub fn mac_matches(scheme: Scheme, secret: &[u8], body: &[u8], expected: &[u8]) -> bool {
    let mut m = MacStream::new(scheme, secret);
    m.update(body);
    m.matches(expected)
}

/// An HMAC fed piece by piece, for bodies read in chunks (a 1 GiB file never sits in memory).
#[derive(Clone)]
pub struct MacStream(MacState);

#[derive(Clone)]
enum MacState {
    Sha256(Hmac<Sha256>),
    Sha1(Hmac<Sha1>),
}

impl MacStream {
    pub fn new(scheme: Scheme, secret: &[u8]) -> Self {
        MacStream(match scheme {
            Scheme::Sha256 => MacState::Sha256(
                <Hmac<Sha256> as KeyInit>::new_from_slice(secret)
                    .expect("HMAC takes any key length"),
            ),
            Scheme::Sha1 => MacState::Sha1(
                <Hmac<Sha1> as KeyInit>::new_from_slice(secret).expect("HMAC takes any key length"),
            ),
        })
    }

    pub fn update(&mut self, data: &[u8]) {
        match &mut self.0 {
            MacState::Sha256(m) => m.update(data),
            MacState::Sha1(m) => m.update(data),
        }
    }

    /// Constant-time comparison of the MAC with `expected` (it ends the stream: clone a
    /// stream first to go on with it).
    pub fn matches(self, expected: &[u8]) -> bool {
        match self.0 {
            MacState::Sha256(m) => m.verify_slice(expected).is_ok(),
            MacState::Sha1(m) => m.verify_slice(expected).is_ok(),
        }
    }

    pub fn finalize(self) -> Vec<u8> {
        match self.0 {
            MacState::Sha256(m) => m.finalize().into_bytes().to_vec(),
            MacState::Sha1(m) => m.finalize().into_bytes().to_vec(),
        }
    }
}

pub fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(DIGITS[(b >> 4) as usize] as char);
        s.push(DIGITS[(b & 15) as usize] as char);
    }
    s
}

/// Each byte's value as a hex digit, 0xff when it is not one (a table: `verify` decodes a
/// digest per request, and a branch per digit showed in its profile).
const NIBBLE: [u8; 256] = {
    let mut table = [0xff; 256];
    let mut c = 0;
    while c < 256 {
        table[c] = match c as u8 {
            b'0'..=b'9' => c as u8 - b'0',
            b'a'..=b'f' => c as u8 - b'a' + 10,
            b'A'..=b'F' => c as u8 - b'A' + 10,
            _ => 0xff,
        };
        c += 1;
    }
    table
};

pub(super) fn unhex(s: &str) -> Option<Vec<u8>> {
    let s = s.as_bytes();
    if !s.len().is_multiple_of(2) {
        return None;
    }
    let mut out = Vec::with_capacity(s.len() / 2);
    let mut bad = 0u8;
    for pair in s.chunks_exact(2) {
        let (hi, lo) = (NIBBLE[pair[0] as usize], NIBBLE[pair[1] as usize]);
        bad |= hi | lo;
        out.push((hi << 4) | (lo & 0x0f));
    }
    (bad & 0xf0 == 0).then_some(out)
}
