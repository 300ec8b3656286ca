//! The ceiling for `bench/listen.sh`: a bare tiny_http sink with the same server, socket
//! limits and worker model as `cmzon-hook listen`, and nothing else: read the body, answer 200.
//!
//! `cargo run --release --example listen_sink -- [PORT] [WORKERS]`; prints the same
//! `Ready: listening on http://HOST:PORT/webhook` line as listen.

use std::net::TcpListener;
use std::sync::Arc;
use std::thread;
use std::time::Duration;

fn main() {
    let mut args = std::env::args().skip(1);
    let port: u16 = args.next().and_then(|p| p.parse().ok()).unwrap_or(0);
    let workers: usize = args.next().and_then(|w| w.parse().ok()).unwrap_or(8);
    let listener = TcpListener::bind(("127.0.0.1", port)).expect("bind 127.0.0.1");
    let addr = listener.local_addr().expect("local address");
    let limits = tiny_http::ConnectionLimits {
        read_timeout: Some(Duration::from_secs(15)),
        write_timeout: Some(Duration::from_secs(15)),
    };
    let server = Arc::new(
        tiny_http::Server::from_listener_with_limits(listener, None, limits).expect("server"),
    );
    eprintln!("Ready: listening on http://{addr}/webhook");
    let handles: Vec<_> = (0..workers.max(1))
        .map(|_| {
            let server = Arc::clone(&server);
            thread::spawn(move || {
                while let Ok(mut rq) = server.recv() {
                    let mut body = Vec::new();
                    let _ = rq.as_reader().read_to_end(&mut body);
                    let _ = rq.respond(tiny_http::Response::from_string("ok\n"));
                }
            })
        })
        .collect();
    for h in handles {
        let _ = h.join();
    }
}
