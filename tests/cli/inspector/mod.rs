//! `listen --ui`: the web inspector's HTTP API and its security, without a browser (the
//! browser tests live in `browser.rs`). Each test starts the real binary with `--ui
//! --ui-port 0` and talks raw HTTP/1.1 to both listeners.

mod api;
mod browser; // the page in a real headless Chromium (tests/browser/*.mjs)
mod security;

use std::io::{BufRead, BufReader, Write};
use std::net::TcpStream;
use std::path::Path;
use std::sync::mpsc;
use std::time::Duration;

use serde_json::Value;

use crate::support::listen::{exchange, Listener, Reply, PATIENCE};

/// A secret distinctive enough that finding it anywhere is a leak.
pub const SECRET: &str = "Zq7-inspector-S3CRET-never-shown-9fK";

/// A running `listen --ui` and how to reach its inspector.
pub struct Ui {
    pub listener: Listener,
    /// `127.0.0.1:PORT` of the inspector.
    pub addr: String,
    pub port: u16,
    /// The token the served page holds.
    pub token: String,
}

impl Ui {
    /// `cmzon-hook listen --port 0 --ui --ui-port 0 --json ARGS` with [`SECRET`] in the
    /// environment (unless `secret` is false).
    pub fn start(dir: &Path, args: &[&str], secret: bool) -> Ui {
        let mut all = vec!["--ui", "--ui-port", "0", "--json"];
        all.extend_from_slice(args);
        let envs: &[(&str, &str)] = if secret {
            &[("CMZON_WEBHOOK_SECRET", SECRET)]
        } else {
            &[]
        };
        let listener = Listener::start(dir, &all, envs);
        let lines = listener.stderr.wait_for("the Inspector: line", |ls| {
            ls.iter().any(|l| l.starts_with("Inspector: "))
        });
        let url = lines
            .iter()
            .find_map(|l| l.strip_prefix("Inspector: "))
            .unwrap()
            .to_string();
        let addr = url
            .strip_prefix("http://")
            .and_then(|r| r.strip_suffix('/'))
            .unwrap_or_else(|| panic!("unexpected inspector URL {url}"))
            .to_string();
        assert!(addr.starts_with("127.0.0.1:"), "{url}");
        let port = addr["127.0.0.1:".len()..].parse().unwrap();
        let mut ui = Ui {
            listener,
            addr,
            port,
            token: String::new(),
        };
        let page = ui.get("/");
        assert_eq!(page.status, 200, "{}", page.text());
        ui.token = token_of(&page.text());
        ui
    }

    /// One request to the inspector with a correct Host (unless `headers` has one).
    pub fn request(
        &self,
        method: &str,
        target: &str,
        headers: &[(&str, &str)],
        body: &[u8],
    ) -> Reply {
        let mut head = format!("{method} {target} HTTP/1.1\r\nConnection: close\r\n");
        if !headers.iter().any(|(n, _)| n.eq_ignore_ascii_case("host")) {
            head.push_str(&format!("Host: {}\r\n", self.addr));
        }
        for (n, v) in headers {
            head.push_str(&format!("{n}: {v}\r\n"));
        }
        if method == "POST" {
            head.push_str(&format!("Content-Length: {}\r\n", body.len()));
        }
        head.push_str("\r\n");
        let mut raw = head.into_bytes();
        raw.extend_from_slice(body);
        exchange(&self.addr, &raw)
    }

    pub fn get(&self, target: &str) -> Reply {
        self.request("GET", target, &[], b"")
    }

    pub fn get_json(&self, target: &str) -> Value {
        let r = self.get(target);
        assert_eq!(r.status, 200, "GET {target}: {}", r.text());
        assert_eq!(r.header("Content-Type"), Some("application/json"));
        serde_json::from_slice(&r.body)
            .unwrap_or_else(|e| panic!("GET {target}: {e}: {}", r.text()))
    }

    /// A POST the page would send: its token and its own Origin.
    pub fn post(&self, target: &str, body: &Value) -> Reply {
        let origin = format!("http://{}", self.addr);
        self.request(
            "POST",
            target,
            &[
                ("X-Cmzon-Token", &self.token),
                ("Origin", &origin),
                ("Content-Type", "application/json"),
            ],
            body.to_string().as_bytes(),
        )
    }

    pub fn post_json(&self, target: &str, body: &Value) -> Value {
        let r = self.post(target, body);
        assert_eq!(r.status, 200, "POST {target} {body}: {}", r.text());
        serde_json::from_slice(&r.body).unwrap()
    }

    /// The requests the inspector lists (newest first).
    pub fn list(&self, query: &str) -> Vec<Value> {
        self.get_json(&format!("/api/requests?{query}"))["requests"]
            .as_array()
            .unwrap()
            .clone()
    }

    /// Open `/api/events`: the answer's head, then each event as it comes.
    pub fn events(&self) -> Events {
        Events::open(&self.addr, &format!("Host: {}\r\n", self.addr))
    }
}

/// The token from the page's `<meta name="cmzon-token" content="...">`.
pub fn token_of(page: &str) -> String {
    let at = page
        .find("name=\"cmzon-token\"")
        .unwrap_or_else(|| panic!("no token meta in the page:\n{page}"));
    let rest = &page[at..];
    let start = rest.find("content=\"").unwrap() + "content=\"".len();
    let token = &rest[start..start + rest[start..].find('"').unwrap()];
    assert_eq!(token.len(), 32, "{token}");
    assert!(token.bytes().all(|b| b.is_ascii_hexdigit()), "{token}");
    token.to_string()
}

/// An open event stream: `(event, data)` pairs read on a thread.
pub struct Events {
    pub status: u16,
    pub head: String,
    rx: mpsc::Receiver<(String, String)>,
    stream: TcpStream,
}

impl Events {
    pub fn open(addr: &str, extra_head: &str) -> Events {
        let mut s = TcpStream::connect(addr).unwrap();
        s.set_read_timeout(Some(PATIENCE)).unwrap();
        write!(
            s,
            "GET /api/events HTTP/1.1\r\n{extra_head}Accept: text/event-stream\r\n\r\n"
        )
        .unwrap();
        let mut r = BufReader::new(s.try_clone().unwrap());
        let mut head = String::new();
        loop {
            let mut line = String::new();
            if r.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
                break;
            }
            head.push_str(&line);
        }
        let status = head
            .split(' ')
            .nth(1)
            .and_then(|s| s.parse().ok())
            .unwrap_or(0);
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let (mut event, mut data) = (String::new(), String::new());
            loop {
                let mut line = String::new();
                match r.read_line(&mut line) {
                    Ok(0) | Err(_) => break,
                    Ok(_) => {}
                }
                let line = line.trim_end_matches(['\r', '\n']);
                if line.is_empty() {
                    if !event.is_empty() || !data.is_empty() {
                        let _ = tx.send((std::mem::take(&mut event), std::mem::take(&mut data)));
                    }
                } else if let Some(e) = line.strip_prefix("event: ") {
                    event = e.to_string();
                } else if let Some(d) = line.strip_prefix("data: ") {
                    data = d.to_string();
                }
            }
        });
        Events {
            status,
            head,
            rx,
            stream: s,
        }
    }

    /// The next event of this kind (others skipped), bounded by [`PATIENCE`].
    pub fn next(&self, kind: &str) -> Value {
        let deadline = std::time::Instant::now() + PATIENCE;
        loop {
            let left = deadline.saturating_duration_since(std::time::Instant::now());
            let (event, data) = self
                .rx
                .recv_timeout(left.max(Duration::from_millis(1)))
                .unwrap_or_else(|_| panic!("no `{kind}` event within {PATIENCE:?}"));
            if event == kind {
                return serde_json::from_str(&data).unwrap_or_else(|e| panic!("{e}: {data}"));
            }
        }
    }

    pub fn close(self) {
        let _ = self.stream.shutdown(std::net::Shutdown::Both);
    }
}

/// The app behind `--forward-to`: answers every request 200 `app ok` and keeps each raw
/// request it saw.
pub struct App {
    pub server: crate::support::server::LocalServer,
    seen: std::sync::Arc<std::sync::Mutex<Vec<Vec<u8>>>>,
}

impl App {
    pub fn start() -> App {
        let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let s = std::sync::Arc::clone(&seen);
        let server = crate::support::server::LocalServer::start(move |_, mut stream| {
            let req = crate::support::faults::read_request(&mut stream);
            if req.is_empty() {
                return;
            }
            s.lock().unwrap().push(req);
            let _ = stream.write_all(
                b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nX-App: yes\r\nContent-Length: 6\r\nConnection: close\r\n\r\napp ok",
            );
        });
        App { server, seen }
    }

    pub fn url(&self) -> String {
        self.server.url("/app/webhook")
    }

    /// The requests seen so far, as text.
    pub fn seen(&self) -> Vec<String> {
        self.seen
            .lock()
            .unwrap()
            .iter()
            .map(|r| String::from_utf8_lossy(r).into_owned())
            .collect()
    }
}
