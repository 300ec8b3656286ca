//! Helpers for `send` tests: a recording HTTP/1.1 server (plain or TLS) on 127.0.0.1:0 that
//! answers from a script, keeps every request's raw bytes, and stops when dropped.
#![allow(dead_code)]

use std::io::{Read, Write};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::certs::accept_tls;
use super::server::LocalServer;

/// The secret every send test signs with.
pub const SECRET: &str = "t3st-s3cret-value";

/// What the server does with the i-th request (0-based, in arrival order).
#[derive(Debug, Clone)]
pub enum Action {
    /// Answer with this status, extra headers and body.
    Reply {
        status: u16,
        headers: Vec<(String, String)>,
        body: Vec<u8>,
    },
    /// Answer nothing for this long (bounded), then close the connection.
    Hang(Duration),
}

impl Action {
    pub fn status(status: u16) -> Action {
        Action::Reply {
            status,
            headers: vec![],
            body: vec![],
        }
    }
    pub fn redirect(status: u16, location: &str) -> Action {
        Action::Reply {
            status,
            headers: vec![("Location".into(), location.into())],
            body: vec![],
        }
    }
}

/// One request as it arrived.
#[derive(Debug, Clone)]
pub struct Recorded {
    /// Exact bytes: head and body.
    pub raw: Vec<u8>,
    pub method: String,
    pub target: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Recorded {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

type Script = Arc<dyn Fn(usize, &Recorded) -> Action + Send + Sync>;

/// A recording server. Dropping it stops accepting and joins the accept thread.
pub struct Server {
    pub addr: SocketAddr,
    pub tls: bool,
    requests: Arc<Mutex<Vec<Recorded>>>,
    // Stops accepting, and ends any `Action::Hang`, when dropped.
    _server: LocalServer,
}

impl Server {
    /// Plain HTTP, answering the i-th request (0-based) from `script`.
    pub fn http(script: impl Fn(usize, &Recorded) -> Action + Send + Sync + 'static) -> Server {
        Server::start(None, Arc::new(script))
    }

    /// HTTP answering 200 to everything.
    pub fn ok() -> Server {
        Server::http(|_, _| Action::status(200))
    }

    /// HTTP answering statuses in turn (the last one repeats).
    pub fn statuses(list: &[u16]) -> Server {
        let list = list.to_vec();
        Server::http(move |i, _| Action::status(list[i.min(list.len() - 1)]))
    }

    /// HTTP that checks the signature with [`SECRET`] like a careful endpoint: 200 when valid,
    /// 401 otherwise.
    pub fn verifying() -> Server {
        Server::http(|_, req| Action::status(if signature_valid(req) { 200 } else { 401 }))
    }

    /// HTTPS with the given rustls config.
    pub fn https(
        config: Arc<rustls::ServerConfig>,
        script: impl Fn(usize, &Recorded) -> Action + Send + Sync + 'static,
    ) -> Server {
        Server::start(Some(config), Arc::new(script))
    }

    fn start(tls: Option<Arc<rustls::ServerConfig>>, script: Script) -> Server {
        let requests = Arc::new(Mutex::new(Vec::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let is_tls = tls.is_some();
        // Bounded: at most 256 connections per server.
        let server = {
            let requests = requests.clone();
            LocalServer::start_with(256, stop.clone(), move |_, stream| {
                let _ = stream.set_read_timeout(Some(Duration::from_secs(10)));
                let _ = stream.set_nodelay(true);
                match &tls {
                    None => serve(stream, &requests, &script, &stop),
                    Some(cfg) => {
                        let Some(tls_stream) = accept_tls(cfg, stream) else {
                            return;
                        };
                        serve(tls_stream, &requests, &script, &stop)
                    }
                }
            })
        };
        Server {
            addr: server.addr,
            tls: is_tls,
            requests,
            _server: server,
        }
    }

    pub fn url(&self, path: &str) -> String {
        let scheme = if self.tls { "https" } else { "http" };
        format!("{scheme}://{}{path}", self.addr)
    }

    /// Requests received so far, in arrival order.
    pub fn requests(&self) -> Vec<Recorded> {
        self.requests.lock().unwrap().clone()
    }
}

fn serve<S: Read + Write>(
    mut stream: S,
    requests: &Mutex<Vec<Recorded>>,
    script: &Script,
    stop: &AtomicBool,
) {
    let mut buf: Vec<u8> = Vec::new();
    // Bounded: at most 10,000 requests per connection.
    for _ in 0..10_000 {
        let Some(req) = read_request(&mut stream, &mut buf) else {
            return;
        };
        let action = {
            let mut all = requests.lock().unwrap();
            let index = all.len();
            let action = script(index, &req);
            all.push(req);
            action
        };
        match action {
            Action::Reply {
                status,
                headers,
                body,
            } => {
                let mut head = format!(
                    "HTTP/1.1 {status} Whatever\r\nContent-Length: {}\r\n",
                    body.len()
                );
                for (n, v) in headers {
                    head.push_str(&format!("{n}: {v}\r\n"));
                }
                head.push_str("\r\n");
                let mut bytes = head.into_bytes();
                bytes.extend_from_slice(&body);
                if stream
                    .write_all(&bytes)
                    .and_then(|_| stream.flush())
                    .is_err()
                {
                    return;
                }
            }
            Action::Hang(d) => {
                let until = Instant::now() + d.min(Duration::from_secs(20));
                while Instant::now() < until && !stop.load(Ordering::SeqCst) {
                    std::thread::sleep(Duration::from_millis(20));
                }
                return;
            }
        }
    }
}

/// Read one request (head + Content-Length body) from `stream`, keeping leftover bytes in
/// `buf`. `None` on EOF, timeout or garbage.
fn read_request<S: Read>(stream: &mut S, buf: &mut Vec<u8>) -> Option<Recorded> {
    let mut chunk = [0u8; 16 * 1024];
    let head_end = loop {
        if let Some(i) = find(buf, b"\r\n\r\n") {
            break i + 4;
        }
        if buf.len() > 1 << 20 {
            return None;
        }
        let n = stream.read(&mut chunk).ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).into_owned();
    let mut lines = head.split("\r\n");
    let mut first = lines.next()?.split(' ');
    let method = first.next()?.to_string();
    let target = first.next()?.to_string();
    let headers: Vec<(String, String)> = lines
        .filter(|l| !l.is_empty())
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.to_string(), v.trim().to_string()))
        .collect();
    let len: usize = headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case("content-length"))
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(0);
    while buf.len() < head_end + len {
        let n = stream.read(&mut chunk).ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
    }
    let raw: Vec<u8> = buf.drain(..head_end + len).collect();
    let body = raw[head_end..].to_vec();
    Some(Recorded {
        raw,
        method,
        target,
        headers,
        body,
    })
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// Whether the request's `X-Hub-Signature-256` is HMAC-SHA256([`SECRET`], body), checked
/// independently of the crate.
pub fn signature_valid(req: &Recorded) -> bool {
    req.header("X-Hub-Signature-256")
        == Some(
            format!(
                "sha256={}",
                super::hmac_sha256_hex(SECRET.as_bytes(), &req.body)
            )
            .as_str(),
        )
}

/// Panic when the secret shows up in any output.
pub fn assert_no_secret(out: &std::process::Output) {
    for (name, bytes) in [("stdout", &out.stdout), ("stderr", &out.stderr)] {
        let text = String::from_utf8_lossy(bytes);
        assert!(
            !text.contains(SECRET),
            "the secret appears on {name}: {text}"
        );
    }
}
