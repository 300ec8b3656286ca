//! The receiving transport: a tiny_http server whose worker pool a stalled client cannot
//! exhaust, bounded body reads, and the request target split into path and query.
//!
//! Knows nothing of webhooks, the CLI or printing: `listen` supplies a handler and decides
//! what to say (the verification handshake is [`crate::webhook::handshake`]).

use std::io::Read;
use std::net::{SocketAddr, TcpListener, ToSocketAddrs};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use crate::error::{Error, Result};

/// Per-connection socket timeouts: the longest we wait for a byte from a client (idle
/// keep-alive included) and for a client to take our answer.
pub const READ_TIMEOUT: Duration = Duration::from_secs(15);
pub const WRITE_TIMEOUT: Duration = Duration::from_secs(15);
/// The longest a whole body may take to arrive (CMzon gives an endpoint 30 s to answer).
pub const BODY_DEADLINE: Duration = Duration::from_secs(30);
/// A worker busy on one request for longer than this counts as stalled and is replaced, so
/// slow clients (or `--delay`) never starve the others.
pub const STALL_AFTER: Duration = Duration::from_millis(500);
/// Stalled workers we replace at most, beyond the configured pool size.
pub const MAX_EXTRA_WORKERS: usize = 256;

/// A bound, listening server. Requests queue until [`Server::serve`] starts the pool.
pub struct Server {
    inner: Arc<tiny_http::Server>,
    addr: SocketAddr,
}

impl Server {
    /// Bind `host:port` (`port` 0 picks a free one). Errors name the address and the fix.
    pub fn bind(host: &str, port: u16) -> Result<Server> {
        let addrs: Vec<SocketAddr> = (host, port)
            .to_socket_addrs()
            .map_err(|e| {
                Error::usage(format!("cannot resolve --host {host}: {e}"))
                    .with_hint("use an IP address such as 127.0.0.1 or ::1, or localhost")
            })?
            .collect();
        let listener = TcpListener::bind(&addrs[..]).map_err(|e| bind_error(host, port, &e))?;
        let addr = listener
            .local_addr()
            .map_err(|e| Error::failure(format!("cannot read the bound address: {e}")))?;
        let limits = tiny_http::ConnectionLimits {
            read_timeout: Some(READ_TIMEOUT),
            write_timeout: Some(WRITE_TIMEOUT),
        };
        let inner = tiny_http::Server::from_listener_with_limits(listener, None, limits)
            .map_err(|e| Error::failure(format!("cannot start the HTTP server: {e}")))?;
        Ok(Server {
            inner: Arc::new(inner),
            addr,
        })
    }

    /// The address actually bound (the real port when 0 was asked for).
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// Start `workers` threads running `handler` on each request. A worker busy for longer
    /// than [`STALL_AFTER`] is replaced (up to [`MAX_EXTRA_WORKERS`] extra), so a stalled
    /// client or a slow answer never blocks the rest. A panic in `handler` answers 500 and
    /// the worker carries on.
    pub fn serve<H>(self, workers: usize, handler: H) -> Pool
    where
        H: Fn(tiny_http::Request) + Send + Sync + 'static,
    {
        let shared = Arc::new(PoolState {
            server: self.inner,
            handler: Box::new(handler),
            min: workers.max(1),
            max: workers.max(1) + MAX_EXTRA_WORKERS,
            stopping: AtomicBool::new(false),
            slots: Mutex::new(Vec::new()),
            alive: AtomicUsize::new(0),
            epoch: Instant::now(),
        });
        for _ in 0..shared.min {
            spawn_worker(&shared);
        }
        let sup = Arc::clone(&shared);
        let supervisor = thread::Builder::new()
            .name("listen-supervisor".into())
            .spawn(move || supervise(&sup))
            .ok();
        Pool { shared, supervisor }
    }
}

fn bind_error(host: &str, port: u16, e: &std::io::Error) -> Error {
    use std::io::ErrorKind;
    let what = format!("cannot listen on {}", display_host_port(host, port));
    match e.kind() {
        ErrorKind::AddrInUse => Error::usage(format!("{what}: the port is already in use"))
            .with_hint(
                "stop the other program, choose another --port, or use --port 0 for a free one",
            ),
        ErrorKind::AddrNotAvailable => {
            Error::usage(format!("{what}: this machine has no such address"))
                .with_hint("use 127.0.0.1 (this machine only) or 0.0.0.0 (all interfaces)")
        }
        ErrorKind::PermissionDenied => Error::usage(format!("{what}: permission denied"))
            .with_hint("ports below 1024 need privileges: use a port such as 3000"),
        _ => Error::usage(format!("{what}: {e}")).with_hint("check --host and --port"),
    }
}

/// `host:port`, with brackets around IPv6 addresses.
pub fn display_host_port(host: &str, port: u16) -> String {
    if host.contains(':') && !host.starts_with('[') {
        format!("[{host}]:{port}")
    } else {
        format!("{host}:{port}")
    }
}

/// The URL a local sender should use for `addr`: unspecified addresses (0.0.0.0, ::) become
/// the loopback address of the same family.
pub fn local_url(addr: SocketAddr, path: &str) -> String {
    let ip = match addr {
        SocketAddr::V4(a) if a.ip().is_unspecified() => "127.0.0.1".to_string(),
        SocketAddr::V6(a) if a.ip().is_unspecified() => "[::1]".to_string(),
        SocketAddr::V4(a) => a.ip().to_string(),
        SocketAddr::V6(a) => format!("[{}]", a.ip()),
    };
    format!("http://{ip}:{}{path}", addr.port())
}

struct PoolState {
    server: Arc<tiny_http::Server>,
    #[allow(clippy::type_complexity)]
    handler: Box<dyn Fn(tiny_http::Request) + Send + Sync>,
    min: usize,
    max: usize,
    stopping: AtomicBool,
    /// One slot per live worker: the time (ms since `epoch`, +1) it started its current
    /// request, 0 when idle.
    slots: Mutex<Vec<Arc<AtomicU64>>>,
    alive: AtomicUsize,
    epoch: Instant,
}

impl PoolState {
    fn now_ms(&self) -> u64 {
        self.epoch.elapsed().as_millis() as u64 + 1
    }

    /// Workers busy on one request for longer than [`STALL_AFTER`].
    fn stalled(&self, slots: &[Arc<AtomicU64>]) -> usize {
        let now = self.now_ms();
        let limit = STALL_AFTER.as_millis() as u64;
        slots
            .iter()
            .filter(|s| {
                let since = s.load(Ordering::Relaxed);
                since != 0 && now.saturating_sub(since) > limit
            })
            .count()
    }

    fn lock_slots(&self) -> std::sync::MutexGuard<'_, Vec<Arc<AtomicU64>>> {
        self.slots.lock().unwrap_or_else(|p| p.into_inner())
    }
}

fn spawn_worker(shared: &Arc<PoolState>) {
    let slot = Arc::new(AtomicU64::new(0));
    shared.lock_slots().push(Arc::clone(&slot));
    shared.alive.fetch_add(1, Ordering::SeqCst);
    let sh = Arc::clone(shared);
    let s = Arc::clone(&slot);
    let spawned = thread::Builder::new()
        .name("listen-worker".into())
        .spawn(move || work(&sh, &s));
    if spawned.is_err() {
        retire(shared, &slot);
    }
}

fn retire(shared: &PoolState, slot: &Arc<AtomicU64>) {
    let mut slots = shared.lock_slots();
    slots.retain(|s| !Arc::ptr_eq(s, slot));
    shared.alive.fetch_sub(1, Ordering::SeqCst);
}

fn work(shared: &Arc<PoolState>, slot: &Arc<AtomicU64>) {
    loop {
        let next = if shared.stopping.load(Ordering::SeqCst) {
            // Graceful stop: finish what was already received, then leave.
            match shared.server.try_recv() {
                Ok(Some(rq)) => Some(rq),
                _ => break,
            }
        } else {
            match shared.server.recv_timeout(Duration::from_millis(100)) {
                Ok(rq) => rq,
                Err(_) => {
                    thread::sleep(Duration::from_millis(10));
                    None
                }
            }
        };
        let Some(rq) = next else {
            if surplus(shared, slot) {
                return;
            }
            continue;
        };
        slot.store(shared.now_ms(), Ordering::Relaxed);
        // A panic drops the request, whose Drop answers 500; the worker carries on.
        let _ = catch_unwind(AssertUnwindSafe(|| (shared.handler)(rq)));
        slot.store(0, Ordering::Relaxed);
        if surplus(shared, slot) {
            return;
        }
    }
    retire(shared, slot);
}

/// After a stall ends, extra workers leave again: true (and retired) when there are more
/// healthy workers than the pool size.
fn surplus(shared: &PoolState, slot: &Arc<AtomicU64>) -> bool {
    if shared.alive.load(Ordering::SeqCst) <= shared.min {
        return false;
    }
    let mut slots = shared.lock_slots();
    let healthy = slots.len() - shared.stalled(&slots);
    if healthy > shared.min {
        slots.retain(|s| !Arc::ptr_eq(s, slot));
        shared.alive.fetch_sub(1, Ordering::SeqCst);
        return true;
    }
    false
}

fn supervise(shared: &Arc<PoolState>) {
    while !shared.stopping.load(Ordering::SeqCst) {
        thread::sleep(Duration::from_millis(50));
        let missing = {
            let slots = shared.lock_slots();
            let healthy = slots.len() - shared.stalled(&slots);
            let room = shared.max.saturating_sub(slots.len());
            shared.min.saturating_sub(healthy).min(room)
        };
        for _ in 0..missing {
            spawn_worker(shared);
        }
    }
}

/// The running worker pool.
pub struct Pool {
    shared: Arc<PoolState>,
    supervisor: Option<thread::JoinHandle<()>>,
}

impl Pool {
    /// Workers alive now (the pool size plus replacements for stalled ones).
    pub fn workers(&self) -> usize {
        self.shared.alive.load(Ordering::SeqCst)
    }

    /// Stop accepting connections, let the workers answer every request already received,
    /// and wait for them up to `grace`. Returns how many workers were still busy when the
    /// grace ran out (0 when everything finished).
    pub fn shutdown(mut self, grace: Duration) -> usize {
        self.shared.stopping.store(true, Ordering::SeqCst);
        self.shared.server.stop_accepting();
        if let Some(h) = self.supervisor.take() {
            let _ = h.join();
        }
        let deadline = Instant::now() + grace;
        while self.shared.alive.load(Ordering::SeqCst) > 0 && Instant::now() < deadline {
            thread::sleep(Duration::from_millis(5));
        }
        self.shared.alive.load(Ordering::SeqCst)
    }

    /// True once [`Pool::shutdown`] has begun (handlers use it to cut `--delay` short).
    pub fn stopping_flag(&self) -> StopFlag {
        StopFlag(Arc::clone(&self.shared))
    }
}

/// A cheap handle telling whether the pool is shutting down.
#[derive(Clone)]
pub struct StopFlag(Arc<PoolState>);

impl StopFlag {
    pub fn is_set(&self) -> bool {
        self.0.stopping.load(Ordering::SeqCst)
    }
}

/// The outcome of reading a request body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BodyRead {
    /// Every byte, exactly as sent.
    Complete(Vec<u8>),
    /// More than the limit: `declared` when Content-Length said so (nothing was read),
    /// otherwise the body grew past the limit while reading.
    TooLarge { declared: Option<u64> },
    /// The client stopped sending: what arrived, and why it stopped.
    Incomplete {
        partial: Vec<u8>,
        timed_out: bool,
        reason: String,
    },
}

/// Read a body of at most `max` bytes. `declared` is the Content-Length, if any: a larger
/// declaration is refused before reading. Stops at `deadline` (checked before each read;
/// each read is bounded by the socket's read timeout).
pub fn read_body(
    reader: &mut dyn Read,
    declared: Option<u64>,
    max: u64,
    deadline: Instant,
) -> BodyRead {
    if let Some(n) = declared {
        if n > max {
            return BodyRead::TooLarge { declared: Some(n) };
        }
    }
    let cap = declared.unwrap_or(0).min(max).min(1 << 20) as usize;
    let mut body = Vec::with_capacity(cap);
    let mut timed = Deadline {
        inner: reader,
        deadline,
        passed: false,
    };
    // One byte past the limit is enough to know the body is over it. `read_to_end` reads
    // into the vector's spare room (nothing zeroed per request) and keeps what arrived
    // before an error.
    let read = (&mut timed)
        .take(max.saturating_add(1))
        .read_to_end(&mut body);
    if body.len() as u64 > max {
        return BodyRead::TooLarge { declared: None };
    }
    if let Err(e) = read {
        let (timed_out, reason) = if timed.passed {
            (
                true,
                format!(
                    "the body took longer than {} s to arrive",
                    BODY_DEADLINE.as_secs()
                ),
            )
        } else if matches!(
            e.kind(),
            std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
        ) {
            (
                true,
                format!(
                    "the client sent nothing for {} s in the middle of the body",
                    READ_TIMEOUT.as_secs()
                ),
            )
        } else {
            (false, format!("reading the body failed: {e}"))
        };
        return BodyRead::Incomplete {
            partial: body,
            timed_out,
            reason,
        };
    }
    match declared {
        Some(n) if (body.len() as u64) < n => BodyRead::Incomplete {
            reason: format!(
                "the client closed the connection after {} of {n} bytes",
                body.len()
            ),
            partial: body,
            timed_out: false,
        },
        _ => BodyRead::Complete(body),
    }
}

/// A reader that fails with `TimedOut` once `deadline` has passed (checked before each
/// read), and says so in `passed`.
struct Deadline<'r> {
    inner: &'r mut dyn Read,
    deadline: Instant,
    passed: bool,
}

impl Read for Deadline<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if Instant::now() > self.deadline {
            self.passed = true;
            return Err(std::io::ErrorKind::TimedOut.into());
        }
        self.inner.read(buf)
    }
}

/// Split a request target into path and query (without the `?`).
pub fn split_target(target: &str) -> (&str, &str) {
    match target.split_once('?') {
        Some((p, q)) => (p, q),
        None => (target, ""),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Cursor;

    fn far() -> Instant {
        Instant::now() + Duration::from_secs(60)
    }

    #[test]
    fn body_complete_and_limits() {
        let mut r = Cursor::new(b"hello".to_vec());
        assert_eq!(
            read_body(&mut r, Some(5), 5, far()),
            BodyRead::Complete(b"hello".to_vec())
        );
        let mut r = Cursor::new(b"hello".to_vec());
        assert_eq!(
            read_body(&mut r, Some(5), 4, far()),
            BodyRead::TooLarge { declared: Some(5) }
        );
        // Chunked: no declaration, grows past the limit while reading.
        let mut r = Cursor::new(vec![b'x'; 100]);
        assert_eq!(
            read_body(&mut r, None, 99, far()),
            BodyRead::TooLarge { declared: None }
        );
        let mut r = Cursor::new(vec![b'x'; 100]);
        assert!(
            matches!(read_body(&mut r, None, 100, far()), BodyRead::Complete(b) if b.len() == 100)
        );
    }

    #[test]
    fn body_cut_short_is_incomplete() {
        let mut r = Cursor::new(b"abc".to_vec());
        match read_body(&mut r, Some(10), 100, far()) {
            BodyRead::Incomplete {
                partial, reason, ..
            } => {
                assert_eq!(partial, b"abc");
                assert!(reason.contains("3 of 10"), "{reason}");
            }
            other => panic!("{other:?}"),
        }
        struct Stalls;
        impl Read for Stalls {
            fn read(&mut self, _: &mut [u8]) -> std::io::Result<usize> {
                Err(std::io::ErrorKind::WouldBlock.into())
            }
        }
        assert!(matches!(
            read_body(&mut Stalls, Some(10), 100, far()),
            BodyRead::Incomplete {
                timed_out: true,
                ..
            }
        ));
        let past = Instant::now() - Duration::from_millis(1);
        assert!(matches!(
            read_body(&mut Cursor::new(b"x".to_vec()), Some(1), 100, past),
            BodyRead::Incomplete {
                timed_out: true,
                ..
            }
        ));
    }

    #[test]
    fn query_parsing() {
        assert_eq!(split_target("/webhook?a=1"), ("/webhook", "a=1"));
        assert_eq!(split_target("/webhook"), ("/webhook", ""));
    }

    #[test]
    fn urls_for_senders() {
        let a: SocketAddr = "0.0.0.0:3000".parse().unwrap();
        assert_eq!(local_url(a, "/webhook"), "http://127.0.0.1:3000/webhook");
        let a: SocketAddr = "[::]:3000".parse().unwrap();
        assert_eq!(local_url(a, "/w"), "http://[::1]:3000/w");
        let a: SocketAddr = "[::1]:80".parse().unwrap();
        assert_eq!(local_url(a, "/w"), "http://[::1]:80/w");
        assert_eq!(display_host_port("::1", 1), "[::1]:1");
        assert_eq!(display_host_port("localhost", 1), "localhost:1");
    }

    #[test]
    fn pool_serves_and_replaces_stalled_workers() {
        let server = Server::bind("127.0.0.1", 0).unwrap();
        let addr = server.local_addr();
        let pool = server.serve(1, |rq: tiny_http::Request| {
            if rq.url() == "/slow" {
                thread::sleep(Duration::from_millis(1500));
            }
            if rq.url() == "/panic" {
                panic!("handler bug");
            }
            let _ = rq.respond(tiny_http::Response::from_string("ok"));
        });
        let get = move |path: &str| -> String {
            use std::io::Write;
            let mut s = std::net::TcpStream::connect(addr).unwrap();
            s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
            write!(
                s,
                "GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
            )
            .unwrap();
            let mut out = String::new();
            let _ = s.read_to_string(&mut out);
            out
        };
        let slow = thread::spawn(move || get("/slow"));
        thread::sleep(Duration::from_millis(100));
        let t = Instant::now();
        assert!(get("/fast").starts_with("HTTP/1.1 200"));
        assert!(
            t.elapsed() < Duration::from_millis(1400),
            "the one worker was stalled and not replaced: {:?}",
            t.elapsed()
        );
        assert!(get("/panic").starts_with("HTTP/1.1 500"));
        assert!(get("/fast").starts_with("HTTP/1.1 200"));
        assert!(slow.join().unwrap().starts_with("HTTP/1.1 200"));
        assert_eq!(pool.shutdown(Duration::from_secs(5)), 0);
        assert!(
            std::net::TcpStream::connect(addr).is_err(),
            "still accepting"
        );
    }
}
