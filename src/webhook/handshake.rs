//! The verification handshake: the dashboard's `GET ?hub.mode=subscribe&hub.verify_token=…
//! &hub.challenge=…` on the webhook path, its query parsing and its outcome. Knows nothing of
//! the transport (the endpoint passes the query string) or of printing; imports only
//! [`super::signature`] (for the constant-time comparison).

use super::signature::{self, Scheme};

/// The first value of `name` in a query string, percent-decoded (`+` is a space).
pub fn query_param(query: &str, name: &str) -> Option<String> {
    query.split('&').find_map(|pair| {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        (percent_decode(k) == name).then(|| percent_decode(v))
    })
}

/// Decode `%XX` escapes and `+`; invalid escapes are kept as they are, invalid UTF-8 is
/// replaced.
pub fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < b.len() => match (hex_val(b[i + 1]), hex_val(b[i + 2])) {
                (Some(h), Some(l)) => {
                    out.push(h << 4 | l);
                    i += 3;
                    continue;
                }
                _ => out.push(b'%'),
            },
            c => out.push(c),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn hex_val(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        b'A'..=b'F' => Some(c - b'A' + 10),
        _ => None,
    }
}

/// The answer to a `GET` on the webhook path (the dashboard's "Verify Webhook").
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Handshake {
    /// Token matches: answer 200 with the raw challenge as text/plain.
    Accepted { challenge: String },
    /// 403: no `--verify-token` was configured.
    NotConfigured,
    /// 403: `hub.mode` is missing or not `subscribe`.
    WrongMode { mode: Option<String> },
    /// 403: `hub.verify_token` missing.
    MissingToken,
    /// 403: `hub.verify_token` does not match.
    WrongToken,
    /// 403: no `hub.challenge` to echo.
    MissingChallenge,
}

impl Handshake {
    pub fn status(&self) -> u16 {
        match self {
            Handshake::Accepted { .. } => 200,
            _ => 403,
        }
    }

    /// One line for people: what happened (never the token values).
    pub fn describe(&self) -> String {
        match self {
            Handshake::Accepted { challenge } => {
                format!(
                    "verify token matches; echoed hub.challenge={}",
                    clip(challenge, 64)
                )
            }
            Handshake::NotConfigured => {
                "verification handshake refused: no --verify-token is set".into()
            }
            Handshake::WrongMode { mode: Some(m) } => {
                format!("hub.mode is `{}`, expected `subscribe`", clip(m, 32))
            }
            Handshake::WrongMode { mode: None } => {
                "not a verification handshake: no hub.mode=subscribe in the query".into()
            }
            Handshake::MissingToken => "hub.verify_token is missing".into(),
            Handshake::WrongToken => "hub.verify_token does not match --verify-token".into(),
            Handshake::MissingChallenge => "hub.challenge is missing".into(),
        }
    }

    /// How to fix it, when there is something to say.
    pub fn hint(&self) -> Option<&'static str> {
        match self {
            Handshake::NotConfigured => {
                Some("start listen with --verify-token TOKEN (the token typed in the dashboard)")
            }
            Handshake::WrongToken => Some(
                "use the same verify token in the dashboard and --verify-token (it is not the webhook secret)",
            ),
            Handshake::WrongMode { .. } | Handshake::MissingToken | Handshake::MissingChallenge => {
                Some("the handshake is GET ?hub.mode=subscribe&hub.verify_token=TOKEN&hub.challenge=N")
            }
            Handshake::Accepted { .. } => None,
        }
    }
}

fn clip(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_string()
    } else {
        let mut t: String = s.chars().take(max).collect();
        t.push('…');
        t
    }
}

/// Decide the handshake answer for a query string. The token comparison is constant-time.
pub fn handshake(query: &str, verify_token: Option<&str>) -> Handshake {
    let mode = query_param(query, "hub.mode");
    if mode.as_deref() != Some("subscribe") {
        return Handshake::WrongMode { mode };
    }
    let Some(expected) = verify_token else {
        return Handshake::NotConfigured;
    };
    let Some(token) = query_param(query, "hub.verify_token") else {
        return Handshake::MissingToken;
    };
    if !constant_time_eq(token.as_bytes(), expected.as_bytes()) {
        return Handshake::WrongToken;
    }
    match query_param(query, "hub.challenge") {
        Some(challenge) => Handshake::Accepted { challenge },
        None => Handshake::MissingChallenge,
    }
}

/// Equality that takes the same time wherever the inputs differ (and whatever their
/// lengths): both sides go through HMAC-SHA256 under one key, then a constant-time compare.
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    const KEY: &[u8] = b"cmzon-hook constant-time comparison";
    let mb = signature::mac(Scheme::Sha256, KEY, b);
    signature::mac_matches(Scheme::Sha256, KEY, a, &mb)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_parsing() {
        let q = "hub.mode=subscribe&hub.challenge=11%2B22+3&empty&x=%zz%4";
        assert_eq!(query_param(q, "hub.mode").as_deref(), Some("subscribe"));
        assert_eq!(query_param(q, "hub.challenge").as_deref(), Some("11+22 3"));
        assert_eq!(query_param(q, "empty").as_deref(), Some(""));
        assert_eq!(query_param(q, "x").as_deref(), Some("%zz%4"));
        assert_eq!(query_param(q, "missing"), None);
        assert_eq!(percent_decode("%F0%9F%98%AE"), "😮");
        assert_eq!(percent_decode("%"), "%");
        assert_eq!(percent_decode("%4"), "%4");
        assert_eq!(percent_decode("a%41"), "aA");
    }

    #[test]
    fn handshake_outcomes() {
        let ok = "hub.mode=subscribe&hub.verify_token=Zq9tok&hub.challenge=1158201444";
        assert_eq!(
            handshake(ok, Some("Zq9tok")),
            Handshake::Accepted {
                challenge: "1158201444".into()
            }
        );
        assert_eq!(handshake(ok, Some("Zq9tok")).status(), 200);
        assert_eq!(handshake(ok, Some("other")), Handshake::WrongToken);
        assert_eq!(handshake(ok, None), Handshake::NotConfigured);
        assert_eq!(
            handshake("hub.verify_token=tok", Some("tok")),
            Handshake::WrongMode { mode: None }
        );
        assert_eq!(
            handshake("hub.mode=subscribe&hub.challenge=1", Some("tok")),
            Handshake::MissingToken
        );
        assert_eq!(
            handshake("hub.mode=subscribe&hub.verify_token=tok", Some("tok")),
            Handshake::MissingChallenge
        );
        for h in [Handshake::WrongToken, Handshake::NotConfigured] {
            assert_eq!(h.status(), 403);
            assert!(h.hint().is_some());
            assert!(!h.describe().contains("Zq9tok"));
        }
    }

    #[test]
    fn constant_time_equality() {
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"abd"));
        assert!(!constant_time_eq(b"abc", b"abcd"));
        assert!(constant_time_eq(b"", b""));
    }
}
