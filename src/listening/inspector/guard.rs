//! What keeps a web page in the same browser out: the `Host` must name this listener (DNS
//! rebinding), an `Origin` must be the inspector's own, and every state-changing request
//! carries the per-run token only the served page holds. Every answer carries the headers
//! that keep it out of caches, frames and content sniffing.

use crate::error::{Error, Result};

/// The header the page sends the token in.
pub(super) const TOKEN_HEADER: &str = "X-Cmzon-Token";

/// Headers on every answer.
pub(super) const SECURITY_HEADERS: &[(&str, &str)] = &[
    ("Cache-Control", "no-store"),
    ("X-Content-Type-Options", "nosniff"),
    ("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'"),
    ("X-Frame-Options", "DENY"),
    ("Referrer-Policy", "no-referrer"),
    ("Cross-Origin-Resource-Policy", "same-origin"),
];

/// 32 hex characters from the operating system's CSPRNG.
pub(super) fn new_token() -> Result<String> {
    let mut bytes = [0u8; 16];
    getrandom::getrandom(&mut bytes).map_err(|e| {
        Error::failure(format!(
            "cannot start the inspector: no random numbers from the system: {e}"
        ))
    })?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

fn header<'a>(rq: &'a tiny_http::Request, name: &str) -> Option<&'a str> {
    rq.headers()
        .iter()
        .find(|h| h.field.as_str().as_str().eq_ignore_ascii_case(name))
        .map(|h| h.value.as_str())
}

/// Why a request is refused, as (status, plain-text reason).
pub(super) type Refusal = (u16, String);

/// `Host` is `127.0.0.1:PORT` or `localhost:PORT`, else 421.
pub(super) fn check_host(rq: &tiny_http::Request, port: u16) -> std::result::Result<(), Refusal> {
    let host = header(rq, "Host").unwrap_or("");
    let ok = [format!("127.0.0.1:{port}"), format!("localhost:{port}")]
        .iter()
        .any(|h| h.eq_ignore_ascii_case(host));
    if ok {
        Ok(())
    } else {
        Err((
            421,
            format!(
                "the inspector answers only to Host 127.0.0.1:{port} or localhost:{port}, not `{}`",
                host.chars().take(100).collect::<String>()
            ),
        ))
    }
}

/// An `Origin`, when sent, is the inspector's own; else 403.
pub(super) fn check_origin(rq: &tiny_http::Request, port: u16) -> std::result::Result<(), Refusal> {
    let Some(origin) = header(rq, "Origin") else {
        return Ok(());
    };
    let ok = [
        format!("http://127.0.0.1:{port}"),
        format!("http://localhost:{port}"),
    ]
    .iter()
    .any(|o| o.eq_ignore_ascii_case(origin));
    if ok {
        Ok(())
    } else {
        Err((
            403,
            "requests from another origin are refused: open the inspector's own page".to_string(),
        ))
    }
}

/// The state-changing request carries the page's token; else 403.
pub(super) fn check_token(
    rq: &tiny_http::Request,
    token: &str,
) -> std::result::Result<(), Refusal> {
    let got = header(rq, TOKEN_HEADER).unwrap_or("");
    // Constant time over the token's length: its bytes are not guessable one by one.
    let same = got.len() == token.len()
        && got
            .bytes()
            .zip(token.bytes())
            .fold(0u8, |acc, (a, b)| acc | (a ^ b))
            == 0;
    if same {
        Ok(())
    } else {
        Err((
            403,
            format!("missing or wrong {TOKEN_HEADER}: reload the inspector's page"),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_32_hex_chars_and_differ() {
        let a = new_token().unwrap();
        let b = new_token().unwrap();
        assert_eq!(a.len(), 32);
        assert!(a.bytes().all(|c| c.is_ascii_hexdigit()));
        assert_ne!(a, b);
    }
}
