//! `GET /api/events`: server-sent events, written by hand on the raw connection, one thread
//! per browser connection. The webhook path only appends to each client's bounded queue; a
//! client that falls behind has its queue cleared and gets one `resync` (at most one a
//! second, one every 5 s under a sustained flood: the page refetches the list), so a stalled
//! tab never holds ingestion up or memory without bound. Requests go out in batches at most ten times a second. A keep-alive comment every 15 s notices clients that went away; a
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
/// Resyncs to one client at most this often; under a sustained flood the gap doubles up to
/// [`RESYNC_MAX`] (each resync makes the page refetch the list), and is back to this after
/// [`CALM`] without one.
const RESYNC_EVERY: Duration = Duration::from_secs(1);
const RESYNC_MAX: Duration = Duration::from_secs(5);
const CALM: Duration = Duration::from_secs(10);
/// Batches of requests to one client at most this often: under a flood a tab gets a few
/// batches, then one resync a second, instead of every request.
const BATCH_EVERY: Duration = Duration::from_millis(100);

#[derive(Default)]
struct Queue {
    items: VecDeque<Arc<Record>>,
    resync: bool,
    /// Why the resync: this client fell behind (a flood: the page stops taking events and
    /// polls) rather than the list being cleared.
    behind: bool,
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
            // Wake the writer only when there is news: the first request after it drained
            // the queue, or a resync; it paces itself otherwise.
            let wake = if q.resync {
                false
            } else if q.items.len() >= QUEUE {
                q.items.clear();
                q.resync = true;
                q.behind = true;
                true
            } else {
                q.items.push_back(Arc::clone(rec));
                q.items.len() == 1
            };
            drop(q);
            if wake {
                c.ready.notify_one();
            }
        }
    }

    /// Tell every stream to refetch (the list was cleared).
    pub(super) fn resync_all(&self) {
        let clients = self.clients.lock().unwrap_or_else(|p| p.into_inner());
        for c in clients.iter() {
            let mut q = c.queue.lock().unwrap_or_else(|p| p.into_inner());
            q.items.clear();
            q.resync = true;
            q.behind = false;
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
        let mut resync_every = RESYNC_EVERY;
        let mut last_batch: Option<Instant> = None;
        let since = |t: Option<Instant>, every: Duration| t.is_none_or(|t| t.elapsed() >= every);
        loop {
            let (items, resync) = {
                let mut q = client.queue.lock().unwrap_or_else(|p| p.into_inner());
                let deadline = Instant::now() + KEEPALIVE;
                let (resync_due, batch_due) = loop {
                    if self.stopping.load(Ordering::SeqCst) {
                        return;
                    }
                    let resync_due = q.resync && since(last_resync, resync_every);
                    let batch_due = !q.items.is_empty() && since(last_batch, BATCH_EVERY);
                    let now = Instant::now();
                    if resync_due || batch_due || now >= deadline {
                        break (resync_due, batch_due);
                    }
                    // Woken by a new request, a stop, or when something throttled is due.
                    let mut wait = deadline - now;
                    if let (true, Some(t)) = (q.resync, last_resync) {
                        wait = wait.min(resync_every.saturating_sub(t.elapsed()));
                    }
                    if let (false, Some(t)) = (q.items.is_empty(), last_batch) {
                        wait = wait.min(BATCH_EVERY.saturating_sub(t.elapsed()));
                    }
                    q = client
                        .ready
                        .wait_timeout(q, wait.max(Duration::from_millis(1)))
                        .unwrap_or_else(|p| p.into_inner())
                        .0;
                };
                if resync_due {
                    q.resync = false;
                    q.items.clear();
                    (Vec::new(), Some(std::mem::take(&mut q.behind)))
                } else if batch_due {
                    (q.items.drain(..).collect::<Vec<_>>(), None)
                } else {
                    (Vec::new(), None)
                }
            };
            if !items.is_empty() {
                last_batch = Some(Instant::now());
            }
            let written = if let Some(behind) = resync {
                resync_every = match last_resync {
                    Some(t) if t.elapsed() < CALM => (resync_every * 2).min(RESYNC_MAX),
                    _ => RESYNC_EVERY,
                };
                last_resync = Some(Instant::now());
                let event: &[u8] = if behind {
                    b"event: resync\ndata: {\"reason\":\"behind\"}\n\n"
                } else {
                    b"event: resync\ndata: {\"reason\":\"cleared\"}\n\n"
                };
                out.write_all(event).and_then(|_| out.flush())
            } else if items.is_empty() {
                out.write_all(b": keep-alive\n\n").and_then(|_| out.flush())
            } else {
                let mut r = Ok(());
                for rec in items {
                    let mut event = b"event: request\ndata: ".to_vec();
                    api::write_entry(&mut event, &rec);
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::capture::CapturedRequest;

    fn rec(id: u64) -> Arc<Record> {
        Arc::new(Record::new(id, CapturedRequest::default(), Some(200)))
    }

    fn client(s: &Streams) -> Arc<Client> {
        let c = Arc::new(Client {
            queue: Mutex::new(Queue::default()),
            ready: Condvar::new(),
        });
        let mut clients = s.clients.lock().unwrap();
        clients.push(Arc::clone(&c));
        s.open.store(clients.len(), Ordering::SeqCst);
        c
    }

    #[test]
    fn a_client_that_never_reads_holds_a_bounded_queue_and_is_told_to_resync() {
        let s = Streams::default();
        let c = client(&s);
        for i in 0..10_000 {
            s.publish(&rec(i));
        }
        let q = c.queue.lock().unwrap();
        assert!(q.resync && q.behind);
        assert!(q.items.len() <= QUEUE, "{}", q.items.len());
    }

    /// A writer the test can read while the stream writes to it.
    #[derive(Clone, Default)]
    struct Shared(Arc<Mutex<Vec<u8>>>);

    impl Write for Shared {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    impl Shared {
        fn text(&self) -> String {
            String::from_utf8(self.0.lock().unwrap().clone()).unwrap()
        }

        /// What the stream wrote once `done` holds of it (or after 10 s).
        fn wait_until(&self, done: impl Fn(&str) -> bool) -> String {
            let deadline = Instant::now() + Duration::from_secs(10);
            loop {
                let text = self.text();
                if done(&text) || Instant::now() > deadline {
                    return text;
                }
                std::thread::sleep(Duration::from_millis(5));
            }
        }
    }

    /// A stream serving one client into a [`Shared`] writer, on its own thread.
    fn serving(s: &Arc<Streams>) -> (Shared, std::thread::JoinHandle<()>) {
        let c = client(s);
        let out = Shared::default();
        let writer = {
            let (s, out) = (Arc::clone(s), out.clone());
            std::thread::spawn(move || s.serve(&c, Box::new(out)))
        };
        (out, writer)
    }

    /// A flood overflows the tab's queue: its resync says `behind`, which the page takes as
    /// its cue to stop taking events and poll (a clear says `cleared`).
    #[test]
    fn a_client_that_falls_behind_is_told_why() {
        let s = Arc::new(Streams::default());
        let (out, writer) = serving(&s);
        for i in 0..(QUEUE as u64 * 4) {
            s.publish(&rec(i));
        }
        let behind = "event: resync\ndata: {\"reason\":\"behind\"}\n\n";
        out.wait_until(|t| t.contains(behind));
        s.stop();
        writer.join().unwrap();
        let text = out.text();
        assert!(text.contains(behind), "{text}");
    }

    #[test]
    fn requests_are_streamed_as_events_and_a_stop_ends_the_stream_at_once() {
        let s = Arc::new(Streams::default());
        let (out, writer) = serving(&s);
        for i in 1..=3 {
            s.publish(&rec(i));
        }
        let text = out.wait_until(|t| t.matches("event: request\n").count() == 3);
        assert!(text.starts_with("HTTP/1.1 200 OK\r\n"), "{text}");
        assert!(text.contains("text/event-stream"), "{text}");
        assert!(text.contains("data: {\"id\":3,"), "{text}");
        s.resync_all();
        let text = out.wait_until(|t| t.contains("event: resync\n"));
        assert!(
            text.contains("event: resync\ndata: {\"reason\":\"cleared\"}\n\n"),
            "{text}"
        );
        let started = Instant::now();
        s.stop();
        writer.join().unwrap();
        assert!(started.elapsed() < Duration::from_secs(2));
    }
}
