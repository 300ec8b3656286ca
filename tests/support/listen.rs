//! Helpers for `listen` tests: start the real binary on port 0, wait for its `Ready:` line,
//! talk raw HTTP/1.1 to it, collect its output, stop it with SIGINT. Every child is killed
//! when its guard drops, even when a test fails.
#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, ChildStdout, Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::sync::{Arc, Condvar, Mutex};
use std::thread;
use std::time::{Duration, Instant};

/// How long anything in these tests may take before we call it a failure.
pub const PATIENCE: Duration = Duration::from_secs(20);

/// Lines a child wrote, shared with the thread reading them.
#[derive(Default)]
pub struct Lines {
    lines: Mutex<(Vec<String>, bool)>,
    changed: Condvar,
}

impl Lines {
    fn push(&self, line: String) {
        self.lines.lock().unwrap().0.push(line);
        self.changed.notify_all();
    }

    /// The stream ended (the child exited or closed it).
    fn close(&self) {
        self.lines.lock().unwrap().1 = true;
        self.changed.notify_all();
    }

    pub fn snapshot(&self) -> Vec<String> {
        self.lines.lock().unwrap().0.clone()
    }

    /// Wait (bounded by [`PATIENCE`]) until `pred` holds for the lines so far.
    pub fn wait_for(&self, what: &str, pred: impl Fn(&[String]) -> bool) -> Vec<String> {
        let deadline = Instant::now() + PATIENCE;
        let mut state = self.lines.lock().unwrap();
        loop {
            if pred(&state.0) {
                return state.0.clone();
            }
            let now = Instant::now();
            assert!(
                now < deadline && !state.1,
                "{} waiting for {what}; got:\n{}",
                if state.1 {
                    "stream closed"
                } else {
                    "timed out"
                },
                state.0.join("\n")
            );
            state = self.changed.wait_timeout(state, deadline - now).unwrap().0;
        }
    }
}

fn pump(reader: impl Read + Send + 'static, sink: Arc<Lines>) -> thread::JoinHandle<()> {
    thread::spawn(move || {
        let mut r = BufReader::new(reader);
        let mut buf = Vec::new();
        loop {
            buf.clear();
            match r.read_until(b'\n', &mut buf) {
                Ok(0) | Err(_) => {
                    sink.close();
                    break;
                }
                Ok(_) => {
                    let line = String::from_utf8_lossy(&buf);
                    sink.push(line.trim_end_matches(['\n', '\r']).to_string());
                }
            }
        }
    })
}

/// A running `cmzon-hook listen`.
pub struct Listener {
    child: Option<Child>,
    /// `http://127.0.0.1:PORT/PATH` from the `Ready:` line.
    pub url: String,
    /// `127.0.0.1:PORT`.
    pub addr: String,
    /// `/PATH`.
    pub path: String,
    pub stdout: Arc<Lines>,
    pub stderr: Arc<Lines>,
    pumps: Vec<thread::JoinHandle<()>>,
}

/// How a listener ended.
pub struct Stopped {
    pub status: ExitStatus,
    pub stdout: Vec<String>,
    pub stderr: Vec<String>,
}

impl Stopped {
    pub fn stdout_text(&self) -> String {
        self.stdout.join("\n")
    }
    pub fn stderr_text(&self) -> String {
        self.stderr.join("\n")
    }
}

impl Listener {
    /// `cmzon-hook listen --port 0 ARGS` with color off, no secret from the environment and
    /// `cwd` as working directory (so no stray config file applies), plus `envs`.
    pub fn start(cwd: &Path, args: &[&str], envs: &[(&str, &str)]) -> Listener {
        let mut cmd = super::cmzon_process(cwd);
        cmd.arg("listen")
            .args(["--port", "0"])
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        for (k, v) in envs {
            cmd.env(k, v);
        }
        let mut child = cmd.spawn().expect("cmzon-hook listen starts");
        let stdout: ChildStdout = child.stdout.take().expect("piped stdout");
        let stderr = child.stderr.take().expect("piped stderr");
        let out_lines = Arc::new(Lines::default());
        let err_lines = Arc::new(Lines::default());
        let pumps = vec![
            pump(stdout, Arc::clone(&out_lines)),
            pump(stderr, Arc::clone(&err_lines)),
        ];
        let mut l = Listener {
            child: Some(child),
            url: String::new(),
            addr: String::new(),
            path: String::new(),
            stdout: out_lines,
            stderr: err_lines,
            pumps,
        };
        let lines = l.stderr.wait_for("the Ready: line", |ls| {
            ls.iter().any(|x| x.starts_with("Ready: "))
                || ls.iter().any(|x| x.starts_with("cmzon-hook: error"))
        });
        let ready = lines
            .iter()
            .find(|x| x.starts_with("Ready: listening on http://"))
            .unwrap_or_else(|| panic!("listen did not start:\n{}", lines.join("\n")));
        l.url = ready["Ready: listening on ".len()..].trim().to_string();
        let rest = &l.url["http://".len()..];
        let slash = rest.find('/').expect("URL has a path");
        l.addr = rest[..slash].to_string();
        l.path = rest[slash..].to_string();
        l
    }

    pub fn pid(&self) -> u32 {
        self.child.as_ref().expect("running").id()
    }

    /// Send SIGINT (like Ctrl-C) and wait for the exit, bounded by [`PATIENCE`].
    pub fn interrupt(mut self) -> Stopped {
        let st = Command::new("kill")
            .args(["-INT", &self.pid().to_string()])
            .status()
            .expect("kill runs");
        assert!(st.success(), "kill -INT failed");
        self.wait()
    }

    /// Wait for the exit (after a signal sent some other way), bounded by [`PATIENCE`].
    pub fn wait_exit(mut self) -> Stopped {
        self.wait()
    }

    fn wait(&mut self) -> Stopped {
        let mut child = self.child.take().expect("running");
        let deadline = Instant::now() + PATIENCE;
        let status = loop {
            if let Some(s) = child.try_wait().expect("try_wait") {
                break s;
            }
            if Instant::now() > deadline {
                let _ = child.kill();
                let _ = child.wait();
                panic!(
                    "listen did not exit within {PATIENCE:?}; stderr:\n{}",
                    self.stderr.snapshot().join("\n")
                );
            }
            thread::sleep(Duration::from_millis(10));
        };
        for p in self.pumps.drain(..) {
            let _ = p.join();
        }
        Stopped {
            status,
            stdout: self.stdout.snapshot(),
            stderr: self.stderr.snapshot(),
        }
    }

    /// The whole readiness block (it ends with the `Ctrl-C stops` line).
    pub fn ready_block(&self) -> String {
        self.stderr
            .wait_for("the readiness block", |ls| {
                ls.iter().any(|l| l.contains("Ctrl-C stops"))
            })
            .join("\n")
    }

    /// Wait until stdout has at least `n` lines.
    pub fn wait_stdout(&self, n: usize) -> Vec<String> {
        self.stdout
            .wait_for(&format!("{n} stdout lines"), |ls| ls.len() >= n)
    }

    /// Wait until some stdout line contains `needle`.
    pub fn wait_line(&self, needle: &str) -> String {
        let lines = self
            .stdout
            .wait_for(&format!("a line with {needle:?}"), |ls| {
                ls.iter().any(|l| l.contains(needle))
            });
        lines
            .into_iter()
            .find(|l| l.contains(needle))
            .expect("found")
    }

    pub fn post(&self, body: &[u8], headers: &[(&str, &str)]) -> Reply {
        self.request("POST", &self.path, headers, body)
    }

    /// POST with `X-Hub-Signature-256` computed with `secret`.
    pub fn post_signed(&self, secret: &str, body: &[u8]) -> Reply {
        let sig = cmzon_hook::webhook::signature::sign(secret.as_bytes(), body);
        self.post(
            body,
            &[
                ("Content-Type", "application/json"),
                ("X-Hub-Signature-256", &sig),
            ],
        )
    }

    pub fn request(
        &self,
        method: &str,
        target: &str,
        headers: &[(&str, &str)],
        body: &[u8],
    ) -> Reply {
        let mut head = format!(
            "{method} {target} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n",
            self.addr
        );
        for (n, v) in headers {
            head.push_str(&format!("{n}: {v}\r\n"));
        }
        if method != "GET" || !body.is_empty() {
            head.push_str(&format!("Content-Length: {}\r\n", body.len()));
        }
        head.push_str("\r\n");
        let mut raw = head.into_bytes();
        raw.extend_from_slice(body);
        exchange(&self.addr, &raw)
    }
}

impl Drop for Listener {
    fn drop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

/// A parsed HTTP response.
#[derive(Debug, Clone)]
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Reply {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// Write raw bytes and read one answer: up to its Content-Length, or to EOF without one.
pub fn exchange(addr: &str, raw: &[u8]) -> Reply {
    let mut s = TcpStream::connect(addr).expect("connect to listen");
    s.set_read_timeout(Some(PATIENCE)).unwrap();
    // The server may answer (413, 431) before taking everything: a failed write is fine.
    let _ = s.write_all(raw);
    let mut out = Vec::new();
    let mut buf = [0u8; 8192];
    loop {
        if let Some(end) = out.windows(4).position(|w| w == b"\r\n\r\n") {
            if let Some(r) = parse_reply(&out) {
                if let Some(len) = r
                    .header("Content-Length")
                    .and_then(|v| v.parse::<usize>().ok())
                {
                    if out.len() >= end + 4 + len {
                        out.truncate(end + 4 + len);
                        break;
                    }
                }
            }
        }
        match s.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => out.extend_from_slice(&buf[..n]),
        }
    }
    parse_reply(&out)
        .unwrap_or_else(|| panic!("not an HTTP response: {:?}", String::from_utf8_lossy(&out)))
}

/// Parse a `Content-Length` (or close-delimited) HTTP/1.1 response.
pub fn parse_reply(raw: &[u8]) -> Option<Reply> {
    let end = raw.windows(4).position(|w| w == b"\r\n\r\n")?;
    let head = std::str::from_utf8(&raw[..end]).ok()?;
    let mut lines = head.split("\r\n");
    let status = lines.next()?.split(' ').nth(1)?.parse().ok()?;
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_string(), v.trim().to_string()))
        .collect();
    Some(Reply {
        status,
        headers,
        body: raw[end + 4..].to_vec(),
    })
}

/// One request the app received: headers and body.
pub type Received = (Vec<(String, String)>, Vec<u8>);

/// A local "app" for `--forward-to`: answers every request with `status` and `body`, and
/// hands each request it got (headers, body) to the test.
pub struct App {
    pub url: String,
    pub received: mpsc::Receiver<Received>,
    server: Arc<tiny_http::Server>,
}

impl App {
    pub fn start(status: u16, body: &'static str) -> App {
        let server = Arc::new(tiny_http::Server::http("127.0.0.1:0").expect("app binds"));
        let port = server.server_addr().to_ip().expect("ip").port();
        let (tx, rx) = mpsc::channel();
        let s = Arc::clone(&server);
        thread::spawn(move || {
            for _ in 0..1000 {
                let Ok(Some(mut rq)) = s.recv_timeout(PATIENCE) else {
                    break;
                };
                let headers = rq
                    .headers()
                    .iter()
                    .map(|h| (h.field.as_str().to_string(), h.value.as_str().to_string()))
                    .collect();
                let mut b = Vec::new();
                let _ = rq.as_reader().read_to_end(&mut b);
                let _ = tx.send((headers, b));
                let resp = tiny_http::Response::from_string(body).with_status_code(status);
                let _ = rq.respond(resp);
            }
        });
        App {
            url: format!("http://127.0.0.1:{port}/hook"),
            received: rx,
            server,
        }
    }
}

impl Drop for App {
    fn drop(&mut self) {
        self.server.unblock();
    }
}

/// A loopback port with nothing listening on it (bound on port 0, then released).
pub fn closed_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    l.local_addr().unwrap().port()
}

/// A loopback URL where nothing listens.
pub fn dead_url() -> String {
    format!("http://127.0.0.1:{}/hook", closed_port())
}

/// The capture file's lines, parsed.
pub fn capture_lines(path: &Path) -> Vec<serde_json::Value> {
    let text = std::fs::read_to_string(path).expect("capture file is readable");
    text.lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("torn line {l:?}: {e}")))
        .collect()
}
