//! `GET /api/events`: server-sent events, written by hand on the raw connection, one thread
//! per browser connection. The webhook path only appends to each client's bounded queue; a
//! client that falls behind has its queue cleared and gets one `resync` (at most one a
//! second: the page refetches the list), so a stalled tab never holds ingestion up or
//! memory without bound. A keep-alive comment every 15 s notices clients that went away; a
//! stop ends every stream at once.

use std::collections::VecDeque;
use std::io::Write;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

use super::guard::SECURITY_HEADERS;
use super::{api, Record};

/// Open event streams at most; one more is answered 503.
pub(super) const MAX_STREAMS: usize = 8;
/// Requests waiting for one client at most.
const QUEUE: usize = 256;
const KEEPALIVE: Duration = Duration::from_secs(15);
/// Resyncs to one client at most this often.
const RESYNC_EVERY: Duration = Duration::from_secs(1);

#[derive(Default)]
struct Queue {
    items: VecDeque<Arc<Record>>,
    resync: bool,
}

struct Client {
    queue: Mutex<Queue>,
    ready: Condvar,
}

#[derive(Default)]
pub(super) struct Streams {
    clients: Mutex<Vec<Arc<Client>>>,
    /// Open streams (checked without the lock on the webhook path).
    open: AtomicUsize,
    stopping: AtomicBool,
}

impl Streams {
    /// Offer a new request to every open stream; never waits for one.
    pub(super) fn publish(&self, rec: &Arc<Record>) {
        if self.open.load(Ordering::Relaxed) == 0 {
            return;
        }
        let clients = self.clients.lock().unwrap_or_else(|p| p.into_inner());
        for c in clients.iter() {
            let mut q = c.queue.lock().unwrap_or_else(|p| p.into_inner());
            if q.items.len() >= QUEUE {
                q.items.clear();
                q.resync = true;
            } else if !q.resync {
                q.items.push_back(Arc::clone(rec));
            }
            drop(q);
            c.ready.notify_one();
        }
    }

    /// Tell every stream to refetch (the list was cleared).
    pub(super) fn resync_all(&self) {
        let clients = self.clients.lock().unwrap_or_else(|p| p.into_inner());
        for c in clients.iter() {
            let mut q = c.queue.lock().unwrap_or_else(|p| p.into_inner());
            q.items.clear();
            q.resync = true;
            drop(q);
            c.ready.notify_one();
        }
    }

    /// End every stream (their threads leave at once; the exit does not wait for them).
    pub(super) fn stop(&self) {
        self.stopping.store(true, Ordering::SeqCst);
        let clients = self.clients.lock().unwrap_or_else(|p| p.into_inner());
        for c in clients.iter() {
            // Taking the lock orders the flag before the wake-up.
            drop(c.queue.lock().unwrap_or_else(|p| p.into_inner()));
            c.ready.notify_all();
        }
    }

    /// Start streaming to `rq` on its own thread, or give the request back when
    /// [`MAX_STREAMS`] are open.
    pub(super) fn open(
        self: &Arc<Self>,
        rq: tiny_http::Request,
    ) -> std::result::Result<(), Box<tiny_http::Request>> {
        let client = Arc::new(Client {
            queue: Mutex::new(Queue::default()),
            ready: Condvar::new(),
        });
        {
            let mut clients = self.clients.lock().unwrap_or_else(|p| p.into_inner());
            if clients.len() >= MAX_STREAMS || self.stopping.load(Ordering::SeqCst) {
                return Err(Box::new(rq));
            }
            clients.push(Arc::clone(&client));
            self.open.store(clients.len(), Ordering::SeqCst);
        }
        let streams = Arc::clone(self);
        let spawned = std::thread::Builder::new()
            .name("inspector-events".into())
            .spawn({
                let client = Arc::clone(&client);
                move || {
                    let writer = rq.into_writer();
                    streams.serve(&client, writer);
                    streams.remove(&client);
                }
            });
        if spawned.is_err() {
            self.remove(&client);
        }
        Ok(())
    }

    fn remove(&self, client: &Arc<Client>) {
        let mut clients = self.clients.lock().unwrap_or_else(|p| p.into_inner());
        clients.retain(|c| !Arc::ptr_eq(c, client));
        self.open.store(clients.len(), Ordering::SeqCst);
    }

    /// Write the stream until the client goes away or the inspector stops.
    fn serve(&self, client: &Client, mut out: Box<dyn Write + Send>) {
        let mut head = String::from(
            "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream; charset=utf-8\r\nConnection: close\r\n",
        );
        for (n, v) in SECURITY_HEADERS {
            head.push_str(&format!("{n}: {v}\r\n"));
        }
        head.push_str("\r\nretry: 2000\n: connected\n\n");
        if out
            .write_all(head.as_bytes())
            .and_then(|_| out.flush())
            .is_err()
        {
            return;
        }
        let mut last_resync: Option<Instant> = None;
        loop {
            let (items, resync) = {
                let mut q = client.queue.lock().unwrap_or_else(|p| p.into_inner());
                let deadline = Instant::now() + KEEPALIVE;
                loop {
                    if self.stopping.load(Ordering::SeqCst) {
                        return;
                    }
                    let due = q.resync && last_resync.is_none_or(|t| t.elapsed() >= RESYNC_EVERY);
                    if !q.items.is_empty() || due {
                        break;
                    }
                    let now = Instant::now();
                    if now >= deadline {
                        break;
                    }
                    // A pending (throttled) resync wakes us when it is due.
                    let wait = match (q.resync, last_resync) {
                        (true, Some(t)) => RESYNC_EVERY.saturating_sub(t.elapsed()),
                        _ => deadline - now,
                    };
                    q = client
                        .ready
                        .wait_timeout(q, wait.min(deadline - now))
                        .unwrap_or_else(|p| p.into_inner())
                        .0;
                }
                let due = q.resync && last_resync.is_none_or(|t| t.elapsed() >= RESYNC_EVERY);
                if due {
                    q.resync = false;
                    q.items.clear();
                    (Vec::new(), true)
                } else {
                    (q.items.drain(..).collect::<Vec<_>>(), false)
                }
            };
            let written = if resync {
                last_resync = Some(Instant::now());
                out.write_all(b"event: resync\ndata: {}\n\n")
                    .and_then(|_| out.flush())
            } else if items.is_empty() {
                out.write_all(b": keep-alive\n\n").and_then(|_| out.flush())
            } else {
                let mut r = Ok(());
                for rec in items {
                    let mut event = b"event: request\ndata: ".to_vec();
                    event.extend_from_slice(api::entry(&rec).to_string().as_bytes());
                    event.extend_from_slice(b"\n\n");
                    r = out.write_all(&event).and_then(|_| out.flush());
                    if r.is_err() {
                        break;
                    }
                }
                r
            };
            if written.is_err() {
                return;
            }
        }
    }
}
