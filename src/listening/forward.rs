//! `listen --forward-to`: each delivery passed on to the local app, exact body and the
//! sender's headers (minus hop-by-hop ones), and the app's answer brought back.

use std::time::Duration;

use crate::error::{Error, Result};
use crate::http::delivery::{self, Client, ClientOptions, Method};
use crate::http::message;

/// Forwarding to the local app.
pub struct Forward {
    pub(super) url: String,
    client: Client,
    pub(super) timeout: Duration,
}

impl Forward {
    /// A forward target: an http(s) URL, with the client it is reached through.
    pub fn new(url: &str, client: &ClientOptions) -> Result<Forward> {
        let parsed = reqwest::Url::parse(url).map_err(|e| {
            Error::usage(format!("--forward-to is not a URL: {e}"))
                .with_hint("for example --forward-to http://127.0.0.1:8080/webhook")
        })?;
        if !matches!(parsed.scheme(), "http" | "https") || parsed.host_str().is_none() {
            return Err(Error::usage(format!(
                "--forward-to must be an http:// or https:// URL, got {url}"
            ))
            .with_hint("for example --forward-to http://127.0.0.1:8080/webhook"));
        }
        let timeout = client.timeout;
        let client = Client::new(client)?;
        Ok(Forward {
            url: url.to_string(),
            client,
            timeout,
        })
    }

    pub fn url(&self) -> &str {
        &self.url
    }

    /// Forwarding to ourselves would loop forever.
    pub(super) fn refuse_loop(&self, addr: std::net::SocketAddr, path: &str) -> Result<()> {
        let Ok(u) = reqwest::Url::parse(&self.url) else {
            return Ok(());
        };
        let same_port = u.port_or_known_default() == Some(addr.port());
        let host_is_us = u.host_str().is_some_and(|h| {
            delivery::is_loopback_host(h)
                || h.trim_matches(|c| c == '[' || c == ']') == addr.ip().to_string()
        });
        if u.scheme() == "http" && same_port && host_is_us && u.path() == path {
            return Err(Error::usage(format!(
                "--forward-to {} is this listener itself: every delivery would loop",
                self.url
            ))
            .with_hint(
                "forward to your app's port, e.g. --forward-to http://127.0.0.1:8080/webhook",
            ));
        }
        Ok(())
    }

    /// Forward the exact body with the sender's headers (signature, content type, ...).
    pub(super) fn send(&self, headers: &[(String, String)], body: &[u8]) -> Forwarded {
        match self.execute(headers, body) {
            Ok(resp) => {
                let content_type = resp
                    .headers
                    .iter()
                    .find(|(n, _)| n.eq_ignore_ascii_case("content-type"))
                    .map(|(_, v)| v.clone());
                Forwarded::Answered {
                    status: resp.status,
                    latency: resp.latency,
                    body: resp.body,
                    content_type,
                    headers: resp.headers,
                }
            }
            Err(f) => Forwarded::Failed { message: f.message },
        }
    }
}

impl Forward {
    /// One POST of `body` with the sender's `headers` (minus hop-by-hop ones) to the app.
    pub(super) fn execute(
        &self,
        headers: &[(String, String)],
        body: &[u8],
    ) -> std::result::Result<message::Response, message::Failure> {
        self.client.execute(&delivery::Request {
            method: Method::Post,
            url: self.url.clone(),
            headers: forward_headers(headers),
            body: body.to_vec(),
        })
    }
}

pub(super) enum Forwarded {
    Answered {
        status: u16,
        latency: Duration,
        body: Vec<u8>,
        content_type: Option<String>,
        /// The app's answer headers, in order.
        headers: Vec<(String, String)>,
    },
    Failed {
        message: String,
    },
}

/// The sender's headers minus hop-by-hop ones and those the client sets itself.
fn forward_headers(headers: &[(String, String)]) -> Vec<(String, String)> {
    headers
        .iter()
        .filter(|(n, _)| !message::set_per_hop(n))
        .cloned()
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forwarded_headers_keep_signature_and_content() {
        let h = |n: &str, v: &str| (n.to_string(), v.to_string());
        let out = forward_headers(&[
            h("Host", "x"),
            h("Content-Type", "application/json"),
            h("X-Hub-Signature-256", "sha256=ab"),
            h("Content-Length", "2"),
            h("Connection", "keep-alive"),
            h("User-Agent", "CMzon"),
        ]);
        assert_eq!(
            out,
            vec![
                h("Content-Type", "application/json"),
                h("X-Hub-Signature-256", "sha256=ab"),
                h("User-Agent", "CMzon")
            ]
        );
    }
}
