//! The local webhook endpoint behind `listen` (and `demo`): verifies, pretty-prints,
//! captures and forwards every delivery. Knows nothing of the CLI: the caller validates its
//! flags into an [`EndpointConfig`], starts the endpoint, decides where its lines go (a [`Sink`]) and
//! when to stop ([`RunningEndpoint::wait`] / [`Stopper`]). Imports webhook, capture, http,
//! json and the primitives; never cli, commands or another engine.
//!
//! Per POST on the webhook path, in this order: read the body (bounded: `max_body`, a
//! deadline, socket timeouts), verify the signature over the exact bytes, extract the events,
//! mark duplicates, forward, append to the capture (before answering, so every 2xx has its
//! line on disk), emit the lines, wait `delay`, answer.
//!
//! Capture: every POST is appended, whatever its verdict, malformed ones included. A POST
//! refused before its body was complete (413, unusable framing: 400/501, or the client
//! stopped sending) is recorded with what arrived (nothing for 413 and framing) plus a last
//! header [`REJECTED_HEADER`] saying why, so it is never lost silently and readers can tell
//! it apart; a POST to another path than the webhook path is read whole, answered 404 and
//! recorded the same way (`404 /x is not the webhook path /webhook`). Other methods (GET
//! handshakes included) are printed, not captured.
//!
//! Stopping: [`RunningEndpoint::stop`] stops accepting, waits up to a grace period for the
//! requests already received, waits for every capture line being written and then *seals*
//! the capture: no line starts after that, so a process may exit at once without leaving a
//! line cut short. [`Stopper::seal_capture`] does the same from a signal handler.

//!
//! Files: this one the endpoint and its request handling, [`printer`] what it prints,
//! [`forward`] `--forward-to`, `dedup` duplicate detection, [`inspector`] `--ui` (each
//! finished request is handed to it without waiting: see there). Imports webhook, capture
//! and http; never `cli` or `commands`.

mod dedup;
mod forward;
pub mod inspector;
pub mod printer;

use std::io::Write;
use std::net::SocketAddr;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc::{self, Receiver, Sender};
use std::sync::{Arc, Mutex, OnceLock, RwLock};
use std::time::{Duration, Instant, SystemTime};

use crate::capture::{CaptureWriter, CapturedRequest, REJECTED_HEADER};
use crate::error::Result;
use crate::http::server::{self, BodyRead, Pool, StopFlag};
use crate::listening::printer::{Ctx, RequestRecord, Sig};
use crate::webhook::event::{Document, EventView, Fields, ParseError};
use crate::webhook::handshake::{self, Handshake};
use crate::webhook::secret::Secret;
use crate::webhook::signature;

use dedup::Dedup;
use forward::Forwarded;
use inspector::{AppAnswer, ForwardInfo, Inspector, InspectorOptions, Record, RunningInspector};

pub use forward::Forward;

/// Largest `max_body` accepted (bodies are held in memory).
pub const MAX_BODY_LIMIT: u64 = 1 << 30;
/// Ids remembered for duplicate detection (oldest forgotten first): memory stays flat.
pub const DEDUP_CAPACITY: usize = 100_000;

/// Where the endpoint's output goes: called with one whole block (pretty lines of one
/// request, or one NDJSON line) ending in `\n`, from worker threads, one call per request.
/// A `BrokenPipe` error asks the endpoint to stop ([`StopReason::OutputClosed`]).
pub type Sink = Box<dyn Fn(&str) -> std::io::Result<()> + Send + Sync>;

/// A sink writing each block to stdout in one write (blocks of concurrent requests never
/// interleave).
pub fn stdout_sink() -> Sink {
    Box::new(|block: &str| {
        let mut out = std::io::stdout().lock();
        out.write_all(block.as_bytes())?;
        out.flush()
    })
}

/// What each request prints.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct OutputFormat {
    /// One NDJSON object per request instead of pretty lines.
    pub json: bool,
    /// The pretty JSON body under each event line.
    pub raw: bool,
    /// The request headers under each event line.
    pub verbose: bool,
}

/// Everything an endpoint needs, already validated by the caller.
pub struct EndpointConfig {
    pub host: String,
    /// 0 picks a free port.
    pub port: u16,
    /// The webhook path, starting with `/`.
    pub path: String,
    /// Worker threads (1..=1024).
    pub workers: usize,
    /// Verify signatures with it; `None`: signatures are not checked.
    pub secret: Option<Secret>,
    /// Answer 200 even to invalid or missing signatures (when listen answers itself: with
    /// `forward`, the app's answer is relayed whatever the verdict).
    pub accept_invalid: bool,
    /// Answer the GET verification handshake when `hub.verify_token` matches.
    pub verify_token: Option<String>,
    /// Answer every POST with this status.
    pub status: Option<u16>,
    /// Wait this long before answering (cut short by a stop).
    pub delay: Duration,
    /// Largest accepted body (1..=[`MAX_BODY_LIMIT`]); larger ones get 413.
    pub max_body: u64,
    /// Forward every POST here (invalid ones included) and relay the app's answer.
    pub forward: Option<Forward>,
    /// Append every POST to this capture file (JSONL).
    pub save: Option<PathBuf>,
    pub output: OutputFormat,
    pub sink: Sink,
    /// Serve the web inspector (`--ui`) on 127.0.0.1.
    pub inspector: Option<InspectorOptions>,
}

/// Why [`RunningEndpoint::wait`] returned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StopReason {
    /// [`Stopper::stop`] was called (e.g. on Ctrl-C).
    Requested,
    /// The sink reported a closed output (`BrokenPipe`).
    OutputClosed,
}

/// A started endpoint: serving on its worker pool until [`RunningEndpoint::stop`].
pub struct RunningEndpoint {
    shared: Arc<EndpointState>,
    pool: Pool,
    addr: SocketAddr,
    stop_tx: Sender<StopReason>,
    stop_rx: Receiver<StopReason>,
    save: Option<PathBuf>,
    inspector: Option<RunningInspector>,
}

/// A cheap, clonable handle for stopping from elsewhere (a signal handler, another thread).
#[derive(Clone)]
pub struct Stopper {
    shared: Arc<EndpointState>,
    tx: Sender<StopReason>,
}

impl Stopper {
    /// Make [`RunningEndpoint::wait`] return [`StopReason::Requested`].
    pub fn stop(&self) {
        let _ = self.tx.send(StopReason::Requested);
    }

    /// Wait for the capture lines being written and keep new ones from starting, so the
    /// process can exit now without a line cut short.
    pub fn seal_capture(&self) {
        self.shared.seal_capture();
    }
}

/// Bind, check the forward target is not ourselves, and start serving.
pub fn start(config: EndpointConfig) -> Result<RunningEndpoint> {
    let EndpointConfig {
        host,
        port,
        path,
        workers,
        secret,
        accept_invalid,
        verify_token,
        status,
        delay,
        max_body,
        forward,
        save,
        output,
        sink,
        inspector,
    } = config;
    let capture = match &save {
        Some(p) => Some(CaptureWriter::open(p)?),
        None => None,
    };
    // Appending to a capture: number after its requests, so `cap.jsonl#N` names one request.
    let first_id = save.as_deref().map_or(0, CaptureWriter::last_id);
    let server = server::Server::bind(&host, port)?;
    let addr = server.local_addr();
    if let Some(f) = &forward {
        f.refuse_loop(addr, &path)?;
    }
    let forward = forward.map(Arc::new);
    let next_id = Arc::new(AtomicU64::new(first_id));
    let (inspector, running_inspector) = match inspector {
        Some(options) => {
            let (i, r) = inspector::start(
                options,
                inspector::Wiring {
                    secret: secret.clone(),
                    endpoint_url: server::local_url(addr, &path),
                    forward: forward.clone(),
                    next_id: Arc::clone(&next_id),
                    max_body,
                    save: save.clone(),
                },
            )?;
            (Some(i), Some(r))
        }
        None => (None, None),
    };
    let (stop_tx, stop_rx) = mpsc::channel::<StopReason>();
    let shared = Arc::new(EndpointState {
        settings: EndpointSettings {
            path,
            accept_invalid,
            verify_token,
            status,
            delay,
            max_body,
        },
        secret,
        forward,
        capture,
        gate: RwLock::new(()),
        sealed: AtomicBool::new(false),
        next_id,
        dedup: Mutex::new(Dedup::new(DEDUP_CAPACITY)),
        stats: Counters::default(),
        stop_flag: OnceLock::new(),
        stop_tx: Mutex::new(stop_tx.clone()),
        output,
        sink,
        inspector,
    });
    let handler = {
        let shared = Arc::clone(&shared);
        move |rq: tiny_http::Request| shared.handle(rq)
    };
    let pool = server.serve(workers, handler);
    let _ = shared.stop_flag.set(pool.stopping_flag());
    Ok(RunningEndpoint {
        shared,
        pool,
        addr,
        stop_tx,
        stop_rx,
        save,
        inspector: running_inspector,
    })
}

impl RunningEndpoint {
    /// The address actually bound (the real port when 0 was asked for).
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://HOST:PORT/PATH` as bound (an unspecified address stays unspecified).
    pub fn url(&self) -> String {
        format!(
            "http://{}{}",
            server::display_host_port(&self.addr.ip().to_string(), self.addr.port()),
            self.shared.settings.path
        )
    }

    /// `http://127.0.0.1:PORT/`: the inspector's page, with `--ui`.
    pub fn inspector_url(&self) -> Option<String> {
        self.inspector
            .as_ref()
            .map(|i| format!("http://127.0.0.1:{}/", i.addr().port()))
    }

    /// The address the inspector is bound to, with `--ui` (always 127.0.0.1).
    pub fn inspector_addr(&self) -> Option<SocketAddr> {
        self.inspector.as_ref().map(RunningInspector::addr)
    }

    /// The URL a sender on this machine should use (0.0.0.0 and :: become loopback).
    pub fn local_url(&self) -> String {
        server::local_url(self.addr, &self.shared.settings.path)
    }

    pub fn stopper(&self) -> Stopper {
        Stopper {
            shared: Arc::clone(&self.shared),
            tx: self.stop_tx.clone(),
        }
    }

    /// Block until a [`Stopper`] asks to stop or the sink's output is closed.
    pub fn wait(&self) -> StopReason {
        self.stop_rx.recv().unwrap_or(StopReason::Requested)
    }

    /// How long [`RunningEndpoint::stop`] should wait for requests in flight: 10 s, plus the
    /// forward timeout when forwarding (at most 60 s).
    pub fn grace(&self) -> Duration {
        let base = Duration::from_secs(10);
        match &self.shared.forward {
            Some(f) => (base + f.timeout).min(Duration::from_secs(60)),
            None => base,
        }
    }

    /// Counters so far (the request count includes requests still being handled).
    pub fn summary(&self) -> printer::ListenSummary {
        summary_of(&self.shared, self.save.as_deref())
    }

    /// Stop accepting, let requests already received finish (up to `grace`), seal the
    /// capture, and return the counters. Requests still running after `grace` are counted
    /// as abandoned; they can no longer append to the capture.
    pub fn stop(mut self, grace: Duration) -> printer::ListenSummary {
        // Open event streams end at once; a replay in flight finishes or is cut off.
        if let Some(i) = self.inspector.take() {
            i.stop();
        }
        let abandoned = self.pool.shutdown(grace);
        self.shared.seal_capture();
        let mut summary = summary_of(&self.shared, self.save.as_deref());
        summary.abandoned = abandoned as u64;
        summary
    }

    /// The capture file, if any.
    pub fn save_path(&self) -> Option<&std::path::Path> {
        self.save.as_deref()
    }
}

fn summary_of(shared: &EndpointState, save: Option<&std::path::Path>) -> printer::ListenSummary {
    let mut summary = shared.stats.summary();
    if let Some(path) = save {
        summary.saved = Some((
            shared.stats.saved.load(Ordering::SeqCst),
            path.display().to_string(),
        ));
    }
    summary
}

/// Validated settings the handlers read.
#[derive(Debug, Clone)]
struct EndpointSettings {
    path: String,
    accept_invalid: bool,
    verify_token: Option<String>,
    status: Option<u16>,
    delay: Duration,
    max_body: u64,
}

#[derive(Default)]
struct Counters {
    requests: AtomicU64,
    messages: AtomicU64,
    statuses: AtomicU64,
    errors: AtomicU64,
    others: AtomicU64,
    invalid: AtomicU64,
    duplicates: AtomicU64,
    rejected: AtomicU64,
    malformed: AtomicU64,
    forward_failures: AtomicU64,
    /// Forwarded events the app answered against listen's verdict.
    disagreements: AtomicU64,
    saved: AtomicU64,
}

impl Counters {
    fn add(counter: &AtomicU64, n: u64) {
        counter.fetch_add(n, Ordering::Relaxed);
    }

    fn count_events(&self, events: &[EventView<'_>]) {
        for e in events {
            let c = match e.fields() {
                Fields::Message { .. } => &self.messages,
                Fields::Status { .. } => &self.statuses,
                Fields::Error(_) => &self.errors,
                Fields::Other { .. } => &self.others,
            };
            Counters::add(c, 1);
        }
    }

    fn summary(&self) -> printer::ListenSummary {
        let g = |c: &AtomicU64| c.load(Ordering::SeqCst);
        printer::ListenSummary {
            requests: g(&self.requests),
            messages: g(&self.messages),
            statuses: g(&self.statuses),
            errors: g(&self.errors),
            others: g(&self.others),
            invalid: g(&self.invalid),
            duplicates: g(&self.duplicates),
            rejected: g(&self.rejected),
            malformed: g(&self.malformed),
            forward_failures: g(&self.forward_failures),
            disagreements: g(&self.disagreements),
            saved: None,
            abandoned: 0,
        }
    }
}

/// Everything the workers share.
struct EndpointState {
    settings: EndpointSettings,
    secret: Option<Secret>,
    forward: Option<Arc<Forward>>,
    capture: Option<CaptureWriter>,
    /// Appenders hold it shared (they run in parallel; the writer serializes the line
    /// writes itself); sealing takes it exclusively, so no line is cut short.
    gate: RwLock<()>,
    /// Set once sealed: no capture line starts any more.
    sealed: AtomicBool,
    next_id: Arc<AtomicU64>,
    dedup: Mutex<Dedup>,
    stats: Counters,
    stop_flag: OnceLock<StopFlag>,
    stop_tx: Mutex<Sender<StopReason>>,
    output: OutputFormat,
    sink: Sink,
    /// `--ui`: every finished request is handed to it.
    inspector: Option<Arc<Inspector>>,
}

/// One request as received: its number and the capture record (the body is filled in once
/// read), so the capture is written without copying anything.
struct Incoming {
    id: u64,
    req: CapturedRequest,
}

impl Incoming {
    fn time(&self) -> &str {
        printer::clock(self.req.received_at.as_deref().unwrap_or_default())
    }

    fn record(
        &self,
        out: &mut Vec<u8>,
        verdict: Option<&signature::Verdict>,
        events: &[EventView<'_>],
        dup: Option<u64>,
        status: u16,
    ) {
        printer::write_ndjson(
            out,
            &RequestRecord {
                id: self.id,
                received_at: self.req.received_at.as_deref().unwrap_or_default(),
                method: &self.req.method,
                path: &self.req.path,
                sig: Sig::from_verdict(verdict),
                events,
                duplicate_of: dup,
                status,
                verdict,
            },
        )
    }
}

impl EndpointState {
    /// Hand a finished request to the inspector (`--ui`): cheap, never waits for a browser.
    fn inspect(
        &self,
        req: impl FnOnce() -> CapturedRequest,
        id: u64,
        status: u16,
        note: Option<String>,
    ) {
        if let Some(i) = &self.inspector {
            let mut rec = Record::new(id, req(), Some(status));
            rec.note = note;
            i.record(rec);
        }
    }

    /// Wait for every capture line being written, and keep new ones from starting.
    fn seal_capture(&self) {
        let _all = self.gate.write().unwrap_or_else(|p| p.into_inner());
        self.sealed.store(true, Ordering::SeqCst);
    }

    fn handle(&self, rq: tiny_http::Request) {
        let id = self.next_id.fetch_add(1, Ordering::SeqCst) + 1;
        Counters::add(&self.stats.requests, 1);
        let (path, query) = server::split_target(rq.url());
        let inc = Incoming {
            id,
            req: CapturedRequest {
                id: Some(id),
                received_at: Some(humantime::format_rfc3339_millis(SystemTime::now()).to_string()),
                remote_addr: rq.remote_addr().map(|a| a.to_string()),
                method: rq.method().as_str().to_string(),
                path: path.to_string(),
                query: query.to_string(),
                headers: rq
                    .headers()
                    .iter()
                    .map(|h| (h.field.as_str().to_string(), h.value.as_str().to_string()))
                    .collect(),
                body: Vec::new(),
            },
        };
        // Ambiguous or unsupported body framing (RFC 9112 §6): 400 or 501, nothing of the
        // body is read, the connection closes; a delivery is still captured, marked rejected.
        if let Some((status, why)) = rq.framing_error() {
            let reason = format!("unusable body framing: {why}");
            let hint = "send one Content-Length, or Transfer-Encoding: chunked alone";
            if inc.req.method == "POST" {
                return self.rejected(rq, inc, status, &reason, Vec::new(), hint);
            }
            let text = printer::refused_line(
                inc.time(),
                id,
                &inc.req.method,
                &inc.req.path,
                status,
                &reason,
                Some(hint),
            );
            self.emit(&text, |out| inc.record(out, None, &[], None, status));
            self.inspect(|| inc.req, id, status, Some(format!("refused: {reason}")));
            respond(rq, status, format!("{reason}\n").into_bytes(), None);
            return;
        }
        // A POST to another path is read and captured like a delivery, then answered 404.
        if inc.req.path != self.settings.path && inc.req.method != "POST" {
            let hint = format!("webhooks go to {} on this listener", self.settings.path);
            let text = printer::refused_line(
                inc.time(),
                id,
                &inc.req.method,
                &inc.req.path,
                404,
                "nothing here",
                Some(&hint),
            );
            self.emit(&text, |out| inc.record(out, None, &[], None, 404));
            let body = format!(
                "cmzon-hook listen: nothing at {}; POST webhooks to {}\n",
                inc.req.path, self.settings.path
            );
            self.inspect(|| inc.req, id, 404, Some(format!("nothing here: {hint}")));
            respond(rq, 404, body.into_bytes(), None);
            return;
        }
        match inc.req.method.as_str() {
            "POST" => self.delivery(rq, inc),
            "GET" => self.handshake(rq, &inc),
            _ => {
                let text = printer::refused_line(
                    inc.time(),
                    id,
                    &inc.req.method,
                    &inc.req.path,
                    405,
                    "method not allowed",
                    Some("webhooks are POSTed; the verification handshake is a GET"),
                );
                self.emit(&text, |out| inc.record(out, None, &[], None, 405));
                self.inspect(|| inc.req, id, 405, Some("method not allowed".into()));
                let resp = tiny_http::Response::from_string("method not allowed: use POST\n")
                    .with_status_code(405)
                    .with_header(header("Allow", "GET, POST"))
                    .with_header(header("Content-Type", "text/plain; charset=utf-8"));
                let _ = rq.respond(resp);
            }
        }
    }

    fn handshake(&self, rq: tiny_http::Request, inc: &Incoming) {
        let outcome = handshake::handshake(&inc.req.query, self.settings.verify_token.as_deref());
        let status = outcome.status();
        let text = printer::handshake_line(inc.time(), inc.id, &outcome);
        self.emit(&text, |out| inc.record(out, None, &[], None, status));
        self.inspect(
            || inc.req.clone(),
            inc.id,
            status,
            Some(format!("verification handshake: {}", outcome.describe())),
        );
        match outcome {
            Handshake::Accepted { challenge } => respond(rq, 200, challenge.into_bytes(), None),
            _ => respond(rq, 403, b"forbidden\n".to_vec(), None),
        }
    }

    fn delivery(&self, mut rq: tiny_http::Request, inc: Incoming) {
        let declared = rq.body_length().map(|n| n as u64);
        let max = self.settings.max_body;
        let body = match declared {
            // Refuse before touching the body (no `100 Continue` is sent for it).
            Some(n) if n > max => BodyRead::TooLarge { declared: Some(n) },
            _ => server::read_body(
                rq.as_reader(),
                declared,
                max,
                Instant::now() + server::BODY_DEADLINE,
            ),
        };
        match body {
            BodyRead::Complete(body) if inc.req.path != self.settings.path => {
                let reason = format!(
                    "{} is not the webhook path {}",
                    inc.req.path, self.settings.path
                );
                let hint = format!(
                    "point the sender at {} (a POST to another path is captured, marked 404)",
                    self.settings.path
                );
                self.rejected(rq, inc, 404, &reason, body, &hint);
            }
            BodyRead::Complete(body) => self.complete(rq, inc, body),
            BodyRead::TooLarge { declared } => {
                let reason = match declared {
                    Some(n) => format!("body of {n} bytes is over --max-body {max}"),
                    None => format!("body grew past --max-body {max} bytes"),
                };
                self.rejected(
                    rq,
                    inc,
                    413,
                    &reason,
                    Vec::new(),
                    "raise --max-body (CMzon's payloads are up to 3 MB)",
                );
            }
            BodyRead::Incomplete {
                partial,
                timed_out,
                reason,
            } => {
                let status = if timed_out { 408 } else { 400 };
                self.rejected(
                    rq,
                    inc,
                    status,
                    &reason,
                    partial,
                    "the sender stopped sending: check its network, proxy or timeout",
                );
            }
        }
    }

    /// A POST refused before its body was complete: recorded as rejected, printed, answered.
    fn rejected(
        &self,
        rq: tiny_http::Request,
        mut inc: Incoming,
        status: u16,
        reason: &str,
        partial: Vec<u8>,
        hint: &str,
    ) {
        Counters::add(&self.stats.rejected, 1);
        inc.req.body = partial;
        inc.req
            .headers
            .push((REJECTED_HEADER.to_string(), format!("{status} {reason}")));
        let saved = self.save(&inc.req);
        let mut text = printer::refused_line(
            inc.time(),
            inc.id,
            &inc.req.method,
            &inc.req.path,
            status,
            reason,
            Some(hint),
        );
        if let Err(e) = saved {
            text.push('\n');
            text.push_str(&capture_failed_note(&e));
        }
        self.emit(&text, |out| inc.record(out, None, &[], None, status));
        self.inspect(
            || inc.req,
            inc.id,
            status,
            Some(format!("refused: {reason}")),
        );
        respond(rq, status, format!("{reason}\n").into_bytes(), None);
    }

    fn complete(&self, rq: tiny_http::Request, mut inc: Incoming, body: Vec<u8>) {
        inc.req.body = body;
        let inc = inc;
        let body = &inc.req.body;
        let verdict = self.secret.as_ref().map(|s| {
            signature::verify_headers(
                s.as_bytes(),
                inc.req
                    .headers
                    .iter()
                    .map(|(n, v)| (n.as_str(), v.as_str())),
                body,
            )
        });
        let sig = Sig::from_verdict(verdict.as_ref());
        if matches!(sig, Sig::Invalid | Sig::Missing) {
            Counters::add(&self.stats.invalid, 1);
        }
        let sig_ok = matches!(sig, Sig::Valid | Sig::Unchecked) || self.settings.accept_invalid;

        // Events borrow their strings from the body: nothing is copied into a `Value`.
        let reader_bug = || {
            ParseError::NotWebhook(
                "the event reader failed on this payload (a bug: please report it)".into(),
            )
        };
        let doc = catch_unwind(AssertUnwindSafe(|| Document::parse(body)))
            .unwrap_or_else(|_| Err(reader_bug()));
        let parsed = match &doc {
            Ok(doc) => catch_unwind(AssertUnwindSafe(|| doc.events()))
                .unwrap_or_else(|_| Err(reader_bug())),
            Err(e) => Err(e.clone()),
        };
        let events: &[EventView<'_>] = parsed.as_deref().unwrap_or(&[]);
        self.stats.count_events(events);
        if matches!(parsed, Err(ParseError::NotJson(_))) {
            Counters::add(&self.stats.malformed, 1);
        }

        // Duplicates: only deliveries a real endpoint would accept count as "seen".
        let dups: Vec<Option<u64>> = if sig_ok && !events.is_empty() {
            let keys: Vec<Option<String>> = events
                .iter()
                .map(|e| catch_unwind(AssertUnwindSafe(|| e.dedup_key())).unwrap_or(None))
                .collect();
            let mut d = self.dedup.lock().unwrap_or_else(|p| p.into_inner());
            d.check(&keys, inc.id)
        } else {
            vec![None; events.len()]
        };
        let dup_count = dups.iter().flatten().count() as u64;
        Counters::add(&self.stats.duplicates, dup_count);
        let duplicate_of = dups.iter().flatten().min().copied();

        // The answer.
        let mut reply_body = b"ok\n".to_vec();
        let mut reply_type = None;
        let mut forward_note = None;
        let mut forward_info = None;
        // A relay forwards every POST, whatever listen thinks of it: the app answers.
        let mut status = if let Some(f) = &self.forward {
            match f.send(&inc.req.headers, body) {
                Forwarded::Answered {
                    status,
                    latency,
                    body,
                    content_type,
                    headers,
                } => {
                    if self.inspector.is_some() {
                        forward_info = Some(ForwardInfo {
                            url: f.url.clone(),
                            outcome: Ok(AppAnswer {
                                status,
                                headers,
                                body: body.clone(),
                                ms: latency.as_secs_f64() * 1000.0,
                            }),
                        });
                    }
                    let mut note = printer::forward_line(&f.url, Ok((status, latency)), sig);
                    if let Some(d) = printer::disagreement_line(sig, status, &body) {
                        Counters::add(&self.stats.disagreements, 1);
                        note.push('\n');
                        note.push_str(&d);
                    }
                    forward_note = Some(note);
                    reply_body = body;
                    reply_type = content_type;
                    status
                }
                Forwarded::Failed { message } => {
                    Counters::add(&self.stats.forward_failures, 1);
                    if self.inspector.is_some() {
                        forward_info = Some(ForwardInfo {
                            url: f.url.clone(),
                            outcome: Err(message.clone()),
                        });
                    }
                    forward_note = Some(printer::forward_line(&f.url, Err(&message), sig));
                    reply_body = format!(
                        "cmzon-hook listen: could not forward to {}: {message}\n",
                        f.url
                    )
                    .into_bytes();
                    502
                }
            }
        } else if !sig_ok {
            reply_body = format!("{} signature\n", sig.label()).into_bytes();
            401
        } else if let Err(ParseError::NotJson(_)) = &parsed {
            reply_body = b"malformed JSON\n".to_vec();
            400
        } else {
            200
        };
        if let Some(code) = self.settings.status {
            status = code;
        }

        // On disk before the sender hears back: a 2xx always has its capture line.
        let saved = self.save(&inc.req);
        if saved.is_err() && (200..300).contains(&status) {
            status = 503;
            reply_body = b"cmzon-hook listen: could not save the request\n".to_vec();
        }

        let ctx = Ctx {
            time: inc.time(),
            id: inc.id,
            sig,
            status,
        };
        let text = || {
            let mut lines: Vec<String> = Vec::new();
            match &parsed {
                Ok(evs) if evs.is_empty() => {
                    lines.push(printer::note_line(&ctx, "no events in this delivery"))
                }
                Ok(evs) => {
                    for (e, d) in evs.iter().zip(&dups) {
                        lines.push(printer::event_line(&ctx, e, *d));
                    }
                }
                Err(ParseError::NotJson(e)) => {
                    lines.push(printer::malformed_line(&ctx, e, body.len()))
                }
                Err(ParseError::NotWebhook(e)) => lines.push(printer::note_line(
                    &ctx,
                    &format!("not a WhatsApp webhook: {e}"),
                )),
            }
            if let Some(v) = verdict
                .as_ref()
                .filter(|v| !v.is_valid() || v.hint().is_some())
            {
                lines.push(printer::verdict_note(v));
            }
            if let Some(f) = &forward_note {
                lines.push(f.clone());
            }
            if let Err(e) = &saved {
                lines.push(capture_failed_note(e));
            }
            if self.output.verbose {
                lines.push(printer::headers_block(&inc.req.headers));
            }
            if self.output.raw {
                lines.push(printer::raw_block(body));
            }
            lines.join("\n")
        };
        let record = |out: &mut Vec<u8>| {
            let start = out.len();
            let written = catch_unwind(AssertUnwindSafe(|| {
                inc.record(out, verdict.as_ref(), events, duplicate_of, status)
            }));
            if written.is_err() {
                out.truncate(start);
                inc.record(out, verdict.as_ref(), &[], duplicate_of, status);
            }
        };
        self.emit_with(text, record);
        drop(parsed);
        drop(doc);
        if let Some(i) = &self.inspector {
            let mut rec = Record::new(inc.id, inc.req, Some(status));
            rec.verdict = verdict;
            rec.duplicate_of = duplicate_of;
            rec.forward = forward_info;
            i.record(rec);
        }

        self.wait_delay();
        respond(rq, status, reply_body, reply_type);
    }

    /// Append to the capture file (if any). Errors are reported by the caller.
    fn save(&self, req: &CapturedRequest) -> std::io::Result<()> {
        let Some(w) = &self.capture else {
            return Ok(());
        };
        let _appending = self.gate.read().unwrap_or_else(|p| p.into_inner());
        if self.sealed.load(Ordering::SeqCst) {
            return Err(std::io::Error::other("the listener is stopping"));
        }
        w.append(req)?;
        Counters::add(&self.stats.saved, 1);
        Ok(())
    }

    fn wait_delay(&self) {
        let end = Instant::now() + self.settings.delay;
        while Instant::now() < end {
            if self.stop_flag.get().is_some_and(|f| f.is_set()) {
                return;
            }
            std::thread::sleep((end - Instant::now()).min(Duration::from_millis(50)));
        }
    }

    fn emit(&self, text: &str, record: impl FnOnce(&mut Vec<u8>)) {
        self.emit_with(|| text.to_string(), record);
    }

    /// One sink call with a whole block (pretty) or one NDJSON line, so lines of concurrent
    /// requests never interleave. A closed output stops the endpoint like Ctrl-C.
    fn emit_with(&self, text: impl FnOnce() -> String, record: impl FnOnce(&mut Vec<u8>)) {
        let written = crate::terminal::with_line_buffer(|block| {
            if self.output.json {
                record(block);
            } else {
                block.extend_from_slice(text().as_bytes());
            }
            block.push(b'\n');
            // Both writers only write UTF-8 (strings, escapes and ASCII).
            match std::str::from_utf8(block) {
                Ok(text) => (self.sink)(text),
                Err(_) => (self.sink)(&String::from_utf8_lossy(block)),
            }
        });
        if let Err(e) = written {
            if e.kind() == std::io::ErrorKind::BrokenPipe {
                if let Ok(tx) = self.stop_tx.lock() {
                    let _ = tx.send(StopReason::OutputClosed);
                }
            }
        }
    }
}

fn capture_failed_note(e: &std::io::Error) -> String {
    use colored::Colorize;
    format!(
        "      {} {}",
        "✗".red().bold(),
        format!("could not append to the capture file: {e} (answered 503 so the sender retries)")
            .red()
    )
}

fn header(name: &str, value: &str) -> tiny_http::Header {
    // Both are ASCII constants or values we produced; fall back to a harmless header.
    tiny_http::Header::from_bytes(name.as_bytes(), value.as_bytes())
        .unwrap_or_else(|_| tiny_http::Header::from_bytes("X-Invalid", "1").expect("ascii"))
}

/// Answer, ignoring a client that has gone away.
fn respond(rq: tiny_http::Request, status: u16, body: Vec<u8>, content_type: Option<String>) {
    let ct = content_type
        .filter(|v| v.is_ascii())
        .unwrap_or_else(|| "text/plain; charset=utf-8".to_string());
    let resp = tiny_http::Response::from_data(body)
        .with_status_code(status)
        .with_header(header("Content-Type", &ct));
    let _ = rq.respond(resp);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::delivery::{self, Client, ClientOptions, Method};

    fn config(sink: Sink, save: Option<PathBuf>) -> EndpointConfig {
        EndpointConfig {
            host: "127.0.0.1".into(),
            port: 0,
            path: "/hook".into(),
            workers: 2,
            secret: Some(Secret::new("s3cret")),
            accept_invalid: false,
            verify_token: None,
            status: None,
            delay: Duration::ZERO,
            max_body: 1 << 20,
            forward: None,
            save,
            output: OutputFormat {
                json: true,
                ..OutputFormat::default()
            },
            sink,
            inspector: None,
        }
    }

    fn post(url: &str, body: &[u8], secret: &[u8]) -> u16 {
        let client = Client::new(&ClientOptions {
            timeout: Duration::from_secs(5),
            ..ClientOptions::default()
        })
        .unwrap();
        let req = delivery::Request {
            method: Method::Post,
            url: url.to_string(),
            headers: vec![(
                signature::HEADER_SHA256.to_string(),
                signature::sign(secret, body),
            )],
            body: body.to_vec(),
        };
        client.execute(&req).unwrap().status
    }

    #[test]
    fn started_endpoint_verifies_emits_to_the_sink_and_stops() {
        let lines = Arc::new(Mutex::new(Vec::<String>::new()));
        let sink: Sink = {
            let lines = Arc::clone(&lines);
            Box::new(move |block: &str| {
                lines.lock().unwrap().push(block.to_string());
                Ok(())
            })
        };
        let dir = std::env::temp_dir().join(format!("cmzon-endpoint-{}", fastrand::u64(..)));
        std::fs::create_dir_all(&dir).unwrap();
        let save = dir.join("c.jsonl");
        let running = start(config(sink, Some(save.clone()))).unwrap();
        let url = running.local_url();
        assert!(url.starts_with("http://127.0.0.1:") && url.ends_with("/hook"));
        assert_eq!(running.url(), url);
        assert_eq!(post(&url, b"{}", b"s3cret"), 200);
        assert_eq!(post(&url, b"{}", b"wrong"), 401);
        let stopper = running.stopper();
        stopper.stop();
        assert_eq!(running.wait(), StopReason::Requested);
        let summary = running.stop(Duration::from_secs(5));
        assert_eq!((summary.requests, summary.invalid), (2, 1));
        assert_eq!(summary.saved, Some((2, save.display().to_string())));
        let lines = lines.lock().unwrap();
        assert_eq!(lines.len(), 2);
        let first: serde_json::Value = serde_json::from_str(lines[0].trim_end()).unwrap();
        assert_eq!(
            (first["signature"].as_str(), first["status"].as_u64()),
            (Some("valid"), Some(200))
        );
        assert!(lines[1].contains("\"status\":401"));
        assert_eq!(std::fs::read_to_string(&save).unwrap().lines().count(), 2);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_sealed_capture_refuses_new_lines_and_a_closed_output_stops() {
        let sink: Sink = Box::new(|_: &str| Err(std::io::ErrorKind::BrokenPipe.into()));
        let dir = std::env::temp_dir().join(format!("cmzon-endpoint-{}", fastrand::u64(..)));
        std::fs::create_dir_all(&dir).unwrap();
        let save = dir.join("c.jsonl");
        let running = start(config(sink, Some(save.clone()))).unwrap();
        running.stopper().seal_capture();
        // Not saved, so not a 2xx: the sender would retry.
        assert_eq!(post(&running.local_url(), b"{}", b"s3cret"), 503);
        assert_eq!(running.wait(), StopReason::OutputClosed);
        let summary = running.stop(Duration::from_secs(5));
        assert_eq!(summary.saved, Some((0, save.display().to_string())));
        assert_eq!(std::fs::read_to_string(&save).unwrap(), "");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
