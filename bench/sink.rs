//! A minimal, fast HTTP/1.1 sink for `bench/send.sh`: answers every request `200 OK` with an
//! empty body, keeps connections alive, one thread per connection, std only.
//!
//! Usage: `sink [ADDR] [MAX_SECONDS]` (defaults `127.0.0.1:0`, 600). Prints `Ready: http://ADDR`
//! on stdout once listening, and prints the number of requests served on exit. Loopback only;
//! it exits by itself after MAX_SECONDS.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

const RESPONSE: &[u8] = b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n";

fn main() {
    let mut args = std::env::args().skip(1);
    let addr = args.next().unwrap_or_else(|| "127.0.0.1:0".to_string());
    let max_secs: u64 = args.next().and_then(|s| s.parse().ok()).unwrap_or(600);
    let listener = match TcpListener::bind(&addr) {
        Ok(l) => l,
        Err(e) => {
            eprintln!("sink: cannot bind {addr}: {e}");
            std::process::exit(2);
        }
    };
    let local = listener.local_addr().expect("local addr");
    if !local.ip().is_loopback() {
        eprintln!("sink: refusing to listen on a non-loopback address {local}");
        std::process::exit(2);
    }
    println!("Ready: http://{local}");
    let _ = std::io::stdout().flush();
    let served = Arc::new(AtomicU64::new(0));
    {
        let served = served.clone();
        std::thread::spawn(move || {
            std::thread::sleep(Duration::from_secs(max_secs));
            eprintln!("sink: served {} requests", served.load(Ordering::Relaxed));
            std::process::exit(0);
        });
    }
    for stream in listener.incoming().flatten() {
        let served = served.clone();
        std::thread::spawn(move || handle(stream, &served));
    }
}

fn handle(mut stream: TcpStream, served: &AtomicU64) {
    let _ = stream.set_nodelay(true);
    let mut buf = vec![0u8; 64 * 1024];
    let mut filled = 0usize;
    loop {
        // Parse as many complete requests as the buffer holds.
        let mut start = 0usize;
        let mut responses = 0usize;
        while let Some((head_end, body_len)) = parse_head(&buf[start..filled]) {
            let total = head_end + body_len;
            if filled - start < total {
                break;
            }
            start += total;
            responses += 1;
        }
        if responses > 0 {
            served.fetch_add(responses as u64, Ordering::Relaxed);
            let out = RESPONSE.repeat(responses);
            if stream.write_all(&out).is_err() {
                return;
            }
        }
        buf.copy_within(start..filled, 0);
        filled -= start;
        if filled == buf.len() {
            buf.resize(buf.len() * 2, 0);
        }
        match stream.read(&mut buf[filled..]) {
            Ok(0) | Err(_) => return,
            Ok(n) => filled += n,
        }
    }
}

/// `(head length, Content-Length)` once the head is complete.
fn parse_head(b: &[u8]) -> Option<(usize, usize)> {
    let end = b.windows(4).position(|w| w == b"\r\n\r\n")? + 4;
    let mut len = 0usize;
    for line in b[..end].split(|&c| c == b'\n') {
        if line.len() > 15 && line[..15].eq_ignore_ascii_case(b"content-length:") {
            len = std::str::from_utf8(&line[15..])
                .ok()
                .and_then(|s| s.trim().parse().ok())
                .unwrap_or(0);
        }
    }
    Some((end, len))
}
