//! `listen` under keep-alive clients that open connections in bursts (Go's net/http as in
//! `hey -c 32`, Node's fetch): every connection must be served at once, not after another
//! connection ends (issue 17).
//!
//! The cause was tiny_http's connection pool (`util/task_pool.rs`): it counted a thread it had
//! just woken for one connection as still idle, so when the accept thread handed over the next
//! connection before that thread ran, the connection was queued with no thread left to take
//! it. It waited until some other connection ended: under keep-alive, the 15 s idle timeout
//! (30 s when it happened twice), or the client's own idle close (Node: ~4 s).
//!
//! The pattern, made as likely as a client can make it: idle pool threads (left by closing the
//! previous round's connections), then a burst of more new connections than there are idle
//! threads, each sending one request and then held open like a keep-alive client's. Every
//! answer must come well before the idle timeout. A queued connection only gets a thread when
//! another ends, and none ends during a round, so a stranded one cannot be missed by timing.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::thread;
use std::time::{Duration, Instant};

use crate::support::listen::{parse_reply, Listener};
use cmzon_hook::webhook::fixtures::{self, Layout, TokenSource};

/// Far below the 15 s socket timeout that used to release a stranded connection.
const ANSWER_WITHIN: Duration = Duration::from_secs(8);

fn body() -> Vec<u8> {
    let f = fixtures::find("message_text").expect("fixture message_text");
    fixtures::render(f, &mut TokenSource::new(), &[], Layout::Compact).expect("renders")
}

/// Read one response with a Content-Length from a kept-open connection, by `deadline`.
fn read_answer(s: &mut TcpStream, deadline: Instant) -> Result<u16, String> {
    let mut out = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        if let Some(end) = out.windows(4).position(|w| w == b"\r\n\r\n") {
            if let Some(r) = parse_reply(&out) {
                let len = r
                    .header("Content-Length")
                    .and_then(|v| v.parse::<usize>().ok())
                    .ok_or("answer without Content-Length")?;
                if out.len() >= end + 4 + len {
                    return Ok(r.status);
                }
            }
        }
        let left = deadline
            .checked_duration_since(Instant::now())
            .filter(|d| !d.is_zero())
            .ok_or("no answer in time")?;
        s.set_read_timeout(Some(left)).unwrap();
        match s.read(&mut buf) {
            Ok(0) => return Err("connection closed without an answer".into()),
            Ok(n) => out.extend_from_slice(&buf[..n]),
            Err(e) => return Err(format!("no answer in time ({e})")),
        }
    }
}

#[test]
fn bursts_of_keep_alive_connections_are_all_answered_at_once() {
    let dir = tempfile::tempdir().expect("temp dir");
    let l = Listener::start(dir.path(), &["--quiet"], &[]);
    let body = body();
    let mut request = format!(
        "POST {} HTTP/1.1\r\nHost: {}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
        l.path,
        l.addr,
        body.len()
    )
    .into_bytes();
    request.extend_from_slice(&body);

    let mut held: Vec<TcpStream> = Vec::new();
    // A fresh listener has a few idle pool threads; each later round first closes the
    // previous round's connections, leaving that many idle threads, then opens more.
    for (round, n) in [32usize, 64, 96].into_iter().enumerate() {
        drop(std::mem::take(&mut held));
        thread::sleep(Duration::from_millis(300));
        let mut conns: Vec<TcpStream> = (0..n)
            .map(|_| TcpStream::connect(&l.addr).expect("connect to listen"))
            .collect();
        let sent = Instant::now();
        for c in &mut conns {
            c.write_all(&request).expect("send the request");
        }
        let deadline = sent + ANSWER_WITHIN;
        let mut late = Vec::new();
        for (i, c) in conns.iter_mut().enumerate() {
            match read_answer(c, deadline) {
                Ok(200) => {}
                Ok(other) => panic!("round {round}, connection {i}: status {other}"),
                Err(e) => late.push(format!("connection {i}: {e}")),
            }
        }
        assert!(
            late.is_empty(),
            "round {round} ({n} keep-alive connections): {} of them not answered within \
             {ANSWER_WITHIN:?} (a connection was queued with no thread to serve it):\n{}",
            late.len(),
            late.join("\n")
        );
        // Kept open (keep-alive, idle) until the next round, like a client's pool.
        held = conns;
    }
}
