//! `cmzon-hook listen`: a local webhook endpoint that verifies, pretty-prints, captures and
//! forwards every delivery.
//!
//! Per POST on the webhook path, in this order: read the body (bounded: `--max-body`, a
//! deadline, socket timeouts), verify the signature over the exact bytes, extract the events,
//! mark duplicates, forward to `--forward-to`, append to the capture (before answering, so
//! every 2xx has its line on disk), print, wait `--delay`, answer.
//!
//! Capture: every POST on the webhook path is appended, whatever its verdict, malformed ones
//! included. A POST refused before its body was complete (413, or the client stopped
//! sending) is recorded with what arrived (nothing for 413) plus a last header
//! [`REJECTED_HEADER`] saying why, so it is never lost silently and readers can tell it
//! apart. GETs (handshakes) and requests on other paths are printed, not captured.

use std::collections::{HashMap, VecDeque};
use std::hash::{Hash, Hasher};
use std::io::Write;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::process::ExitCode;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::mpsc::{self, Sender};
use std::sync::{Arc, Mutex, OnceLock, RwLock};
use std::time::{Duration, Instant, SystemTime};

use crate::capture::{CaptureWriter, CapturedRequest};
use crate::cli::ListenArgs;
use crate::delivery::{self, Client, ClientOptions, Method};
use crate::error::{Error, Result};
use crate::event::{self, Event, ParseError};
use crate::output::Verbosity;
use crate::printer::{self, Ctx, Record, Sig};
use crate::secret::{self, Secret, SecretSource};
use crate::server::{self, Body, Handshake, StopFlag};
use crate::signature;

/// Last header of a captured request that was refused before its body was complete.
pub const REJECTED_HEADER: &str = "X-Cmzon-Hook-Rejected";
/// Largest `--max-body` accepted (bodies are held in memory).
pub const MAX_BODY_LIMIT: u64 = 1 << 30;
/// Ids remembered for duplicate detection (oldest forgotten first): memory stays flat.
pub const DEDUP_CAPACITY: usize = 100_000;

pub fn run(args: &ListenArgs, verbosity: Verbosity) -> Result<ExitCode> {
    let settings = Settings::from_args(args)?;
    let resolved = secret::resolve_env(
        args.secret.secret.as_deref(),
        args.secret.secret_file.as_deref(),
    )?;
    let forward = match &args.forward_to {
        Some(url) => Some(Forward::new(url, args)?),
        None => None,
    };
    let capture = match &args.save {
        Some(path) => Some(CaptureWriter::open(path)?),
        None => None,
    };
    let server = server::Server::bind(&args.host, args.port)?;
    let addr = server.local_addr();
    if let Some(f) = &forward {
        f.refuse_loop(addr, &settings.path)?;
    }

    let (stop_tx, stop_rx) = mpsc::channel::<Stop>();
    let (secret_value, source) = match resolved {
        Some((s, src)) => (Some(s), Some(src)),
        None => (None, None),
    };
    let listen = Arc::new(Listen {
        settings,
        secret: secret_value,
        forward,
        capture,
        next_id: AtomicU64::new(0),
        dedup: Mutex::new(Dedup::new(DEDUP_CAPACITY)),
        stats: Stats::default(),
        stop_flag: OnceLock::new(),
        stop_tx: Mutex::new(stop_tx.clone()),
        json: args.json,
        raw: args.raw,
        verbose: verbosity.verbose > 0,
    });

    let signals = Arc::new(AtomicUsize::new(0));
    {
        let listen = Arc::clone(&listen);
        let signals = Arc::clone(&signals);
        ctrlc::set_handler(move || {
            if signals.fetch_add(1, Ordering::SeqCst) == 0 {
                let _ = stop_tx.send(Stop::Signal);
            } else {
                // Second Ctrl-C: quit now, but never in the middle of a capture line.
                let _gate = listen.capture_gate();
                std::process::exit(130);
            }
        })
        .map_err(|e| Error::failure(format!("cannot handle Ctrl-C: {e}")))?;
    }

    let handler = {
        let listen = Arc::clone(&listen);
        move |rq: tiny_http::Request| listen.handle(rq)
    };
    let pool = server.serve(args.workers, handler);
    let _ = listen.stop_flag.set(pool.stopping_flag());

    let url = format!(
        "http://{}{}",
        server::display_host_port(&addr.ip().to_string(), addr.port()),
        listen.settings.path
    );
    let ready = printer::Ready {
        url: &url,
        secret_source: source.map(|s| describe_source(s, args)),
        accept_invalid: args.accept_invalid,
        verify_token: args.verify_token.is_some(),
        save: args.save.as_ref().map(|p| p.display().to_string()),
        forward_to: args.forward_to.as_deref(),
        status: args.status,
        delay_ms: args.delay,
        send_command: send_command(
            &server::local_url(addr, &listen.settings.path),
            source,
            args,
        ),
        exposed: addr.ip().is_unspecified(),
    };
    eprintln!("{}", printer::ready(&ready, verbosity.quiet));

    let why = stop_rx.recv().unwrap_or(Stop::Signal);
    // From now on, the next Ctrl-C quits at once, whatever stopped us.
    signals.store(1, Ordering::SeqCst);
    if !verbosity.quiet {
        let what = match why {
            Stop::Signal => "stopping",
            Stop::StdoutClosed => "stdout was closed; stopping",
        };
        eprintln!("{what}: no new connections; finishing requests already received (Ctrl-C again to quit now)");
    }
    let grace = listen.grace();
    let abandoned = pool.shutdown(grace);

    // Every capture line is whole from here to the exit: a request still in flight after the
    // grace period cannot start one (the gate is never released).
    let gate = listen.capture_gate();
    let mut summary = listen.stats.summary();
    summary.abandoned = abandoned as u64;
    if let Some(path) = &args.save {
        summary.saved = Some((
            listen.stats.saved.load(Ordering::SeqCst),
            path.display().to_string(),
        ));
    }
    if !verbosity.quiet {
        eprintln!("{}", printer::summary(&summary));
    }
    std::mem::forget(gate);
    Ok(ExitCode::SUCCESS)
}

/// Why the main thread stops waiting.
#[derive(Debug, Clone, Copy)]
enum Stop {
    Signal,
    StdoutClosed,
}

/// Validated flags.
#[derive(Debug, Clone)]
struct Settings {
    path: String,
    accept_invalid: bool,
    verify_token: Option<String>,
    status: Option<u16>,
    delay: Duration,
    max_body: u64,
    forward_timeout: Option<Duration>,
}

impl Settings {
    fn from_args(args: &ListenArgs) -> Result<Settings> {
        if !args.path.starts_with('/') || args.path.contains('?') || args.path.contains('#') {
            return Err(Error::usage(format!(
                "--path must be a URL path starting with `/`, got `{}`",
                args.path
            ))
            .with_hint("for example --path /webhook"));
        }
        if args.workers == 0 || args.workers > 1024 {
            return Err(Error::usage(format!(
                "--workers must be between 1 and 1024, got {}",
                args.workers
            ))
            .with_hint("the default of 8 suits a laptop; more helps only with --forward-to"));
        }
        if let Some(code) = args.status {
            if !(200..=599).contains(&code) {
                return Err(Error::usage(format!(
                    "--status must be an HTTP status between 200 and 599, got {code}"
                ))
                .with_hint("e.g. --status 500 to see how the sender retries"));
            }
        }
        if args.max_body == 0 || args.max_body > MAX_BODY_LIMIT {
            return Err(Error::usage(format!(
                "--max-body must be between 1 and {MAX_BODY_LIMIT} bytes, got {}",
                args.max_body
            ))
            .with_hint("CMzon's payloads are at most 3 MB: the default is 3145728"));
        }
        if args.delay > 600_000 {
            return Err(Error::usage(format!(
                "--delay must be at most 600000 ms (10 minutes), got {}",
                args.delay
            ))
            .with_hint("CMzon gives up after 30 s: --delay 31000 already simulates a timeout"));
        }
        if args.json && args.raw {
            return Err(Error::usage(
                "--raw prints bodies under pretty lines; --json prints objects",
            )
            .with_hint("use one: --json for machines, --raw for people"));
        }
        let forward_timeout = match args.forward_to {
            Some(_) => Some(delivery::timeout_from_secs(args.timeout)?),
            None => None,
        };
        Ok(Settings {
            path: args.path.clone(),
            accept_invalid: args.accept_invalid,
            verify_token: args.verify_token.clone(),
            status: args.status,
            delay: Duration::from_millis(args.delay),
            max_body: args.max_body,
            forward_timeout,
        })
    }
}

/// Where the secret came from, for the readiness block (never the value).
fn describe_source(source: SecretSource, args: &ListenArgs) -> String {
    match (source, &args.secret.secret_file) {
        (SecretSource::File, Some(p)) => format!("--secret-file {}", p.display()),
        (s, _) => s.to_string(),
    }
}

/// A `cmzon-hook send` line that reaches this listener with the same secret.
fn send_command(url: &str, source: Option<SecretSource>, args: &ListenArgs) -> String {
    let mut cmd = format!("cmzon-hook send messages --to {}", shell_quote(url));
    match (source, &args.secret.secret_file) {
        (Some(SecretSource::File), Some(p)) => {
            cmd.push_str(" --secret-file ");
            cmd.push_str(&shell_quote(&p.display().to_string()));
        }
        (Some(SecretSource::Flag), _) => cmd.push_str(" --secret SECRET"),
        _ => {}
    }
    cmd
}

/// Quote for a POSIX shell when needed.
fn shell_quote(s: &str) -> String {
    let safe = !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "/:._-+=,@%".contains(c));
    if safe {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', r"'\''"))
    }
}

/// Forwarding to the local app.
struct Forward {
    url: String,
    client: Client,
}

impl Forward {
    fn new(url: &str, args: &ListenArgs) -> Result<Forward> {
        let parsed = reqwest::Url::parse(url).map_err(|e| {
            Error::usage(format!("--forward-to is not a URL: {e}"))
                .with_hint("for example --forward-to http://127.0.0.1:8080/webhook")
        })?;
        if !matches!(parsed.scheme(), "http" | "https") || parsed.host_str().is_none() {
            return Err(Error::usage(format!(
                "--forward-to must be an http:// or https:// URL, got {url}"
            ))
            .with_hint("for example --forward-to http://127.0.0.1:8080/webhook"));
        }
        let client = Client::new(&ClientOptions {
            timeout: delivery::timeout_from_secs(args.timeout)?,
            ca_cert: args.tls.ca_cert.clone(),
            insecure: args.tls.insecure,
        })?;
        if args.tls.insecure {
            eprintln!("cmzon-hook: warning: --insecure: the app's TLS certificate is not checked");
        }
        Ok(Forward {
            url: url.to_string(),
            client,
        })
    }

    /// Forwarding to ourselves would loop forever.
    fn refuse_loop(&self, addr: std::net::SocketAddr, path: &str) -> Result<()> {
        let Ok(u) = reqwest::Url::parse(&self.url) else {
            return Ok(());
        };
        let same_port = u.port_or_known_default() == Some(addr.port());
        let host_is_us = u.host_str().is_some_and(|h| {
            delivery::is_loopback_host(h)
                || h.trim_matches(|c| c == '[' || c == ']') == addr.ip().to_string()
        });
        if u.scheme() == "http" && same_port && host_is_us && u.path() == path {
            return Err(Error::usage(format!(
                "--forward-to {} is this listener itself: every delivery would loop",
                self.url
            ))
            .with_hint(
                "forward to your app's port, e.g. --forward-to http://127.0.0.1:8080/webhook",
            ));
        }
        Ok(())
    }

    /// Forward the exact body with the sender's headers (signature, content type, ...).
    fn send(&self, headers: &[(String, String)], body: &[u8]) -> Forwarded {
        let req = delivery::Request {
            method: Method::Post,
            url: self.url.clone(),
            headers: forward_headers(headers),
            body: body.to_vec(),
        };
        match self.client.execute(&req) {
            Ok(resp) => {
                let content_type = resp
                    .headers
                    .iter()
                    .find(|(n, _)| n.eq_ignore_ascii_case("content-type"))
                    .map(|(_, v)| v.clone());
                Forwarded::Answered {
                    status: resp.status,
                    latency: resp.latency,
                    body: resp.body,
                    content_type,
                }
            }
            Err(f) => Forwarded::Failed { message: f.message },
        }
    }
}

enum Forwarded {
    Answered {
        status: u16,
        latency: Duration,
        body: Vec<u8>,
        content_type: Option<String>,
    },
    Failed {
        message: String,
    },
}

/// The sender's headers minus hop-by-hop ones and those the client sets itself.
fn forward_headers(headers: &[(String, String)]) -> Vec<(String, String)> {
    const DROP: &[&str] = &[
        "host",
        "content-length",
        "transfer-encoding",
        "connection",
        "keep-alive",
        "proxy-connection",
        "proxy-authorization",
        "te",
        "trailer",
        "upgrade",
        "expect",
        "accept-encoding",
    ];
    headers
        .iter()
        .filter(|(n, _)| !DROP.iter().any(|d| n.eq_ignore_ascii_case(d)))
        .cloned()
        .collect()
}

/// Remembers message/status ids seen in this run, the oldest forgotten first.
#[derive(Debug)]
struct Dedup {
    seen: HashMap<u64, u64>,
    order: VecDeque<u64>,
    capacity: usize,
}

impl Dedup {
    fn new(capacity: usize) -> Dedup {
        Dedup {
            seen: HashMap::new(),
            order: VecDeque::new(),
            capacity: capacity.max(1),
        }
    }

    /// For each key: the request that first carried it, or `None` (and remember it as
    /// request `id`). A key repeated inside one request is a duplicate of that request.
    fn check(&mut self, keys: &[Option<String>], id: u64) -> Vec<Option<u64>> {
        keys.iter()
            .map(|key| {
                let key = key.as_deref()?;
                let h = hash_key(key);
                if let Some(first) = self.seen.get(&h) {
                    return Some(*first);
                }
                if self.order.len() == self.capacity {
                    if let Some(old) = self.order.pop_front() {
                        self.seen.remove(&old);
                    }
                }
                self.seen.insert(h, id);
                self.order.push_back(h);
                None
            })
            .collect()
    }
}

/// 64-bit digest of an id (keeps memory flat; a collision needs ~2^32 ids).
fn hash_key(key: &str) -> u64 {
    let mut h = std::collections::hash_map::DefaultHasher::new();
    key.hash(&mut h);
    h.finish()
}

#[derive(Default)]
struct Stats {
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
    saved: AtomicU64,
}

impl Stats {
    fn add(counter: &AtomicU64, n: u64) {
        counter.fetch_add(n, Ordering::Relaxed);
    }

    fn count_events(&self, events: &[Event]) {
        for e in events {
            let c = match e {
                Event::Message(_) => &self.messages,
                Event::Status(_) => &self.statuses,
                Event::Error(_) => &self.errors,
                Event::Other { .. } => &self.others,
            };
            Stats::add(c, 1);
        }
    }

    fn summary(&self) -> printer::Summary {
        let g = |c: &AtomicU64| c.load(Ordering::SeqCst);
        printer::Summary {
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
            saved: None,
            abandoned: 0,
        }
    }
}

/// Everything the workers share.
struct Listen {
    settings: Settings,
    secret: Option<Secret>,
    forward: Option<Forward>,
    capture: Option<CaptureWriter>,
    next_id: AtomicU64,
    dedup: Mutex<Dedup>,
    stats: Stats,
    stop_flag: OnceLock<StopFlag>,
    stop_tx: Mutex<Sender<Stop>>,
    json: bool,
    raw: bool,
    verbose: bool,
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
        sig: Sig,
        events: Vec<serde_json::Value>,
        dup: Option<u64>,
        status: u16,
    ) -> String {
        printer::ndjson(Record {
            id: self.id,
            received_at: self.req.received_at.as_deref().unwrap_or_default(),
            method: &self.req.method,
            path: &self.req.path,
            sig,
            events,
            duplicate_of: dup,
            status,
        })
    }
}

/// Appenders hold it shared (they run in parallel; the writer serializes the line writes
/// itself); a hard exit and the end of `run` take it exclusively, so no line is cut short.
static CAPTURE_GATE: RwLock<()> = RwLock::new(());

impl Listen {
    /// Wait for every capture line being written, and keep new ones from starting.
    fn capture_gate(&self) -> std::sync::RwLockWriteGuard<'static, ()> {
        CAPTURE_GATE.write().unwrap_or_else(|p| p.into_inner())
    }

    /// How long shutdown waits for requests in flight.
    fn grace(&self) -> Duration {
        let base = Duration::from_secs(10);
        match self.settings.forward_timeout {
            Some(t) => (base + t).min(Duration::from_secs(60)),
            None => base,
        }
    }

    fn handle(&self, rq: tiny_http::Request) {
        let id = self.next_id.fetch_add(1, Ordering::SeqCst) + 1;
        Stats::add(&self.stats.requests, 1);
        let target = rq.url().to_string();
        let (path, query) = server::split_target(&target);
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
        if inc.req.path != self.settings.path {
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
            self.emit(&text, || inc.record(Sig::Unchecked, vec![], None, 404));
            let body = format!(
                "cmzon-hook listen: nothing at {}; POST webhooks to {}\n",
                inc.req.path, self.settings.path
            );
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
                self.emit(&text, || inc.record(Sig::Unchecked, vec![], None, 405));
                let resp = tiny_http::Response::from_string("method not allowed: use POST\n")
                    .with_status_code(405)
                    .with_header(header("Allow", "GET, POST"))
                    .with_header(header("Content-Type", "text/plain; charset=utf-8"));
                let _ = rq.respond(resp);
            }
        }
    }

    fn handshake(&self, rq: tiny_http::Request, inc: &Incoming) {
        let outcome = server::handshake(&inc.req.query, self.settings.verify_token.as_deref());
        let status = outcome.status();
        let text = printer::handshake_line(inc.time(), inc.id, &outcome);
        self.emit(&text, || inc.record(Sig::Unchecked, vec![], None, status));
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
            Some(n) if n > max => Body::TooLarge { declared: Some(n) },
            _ => server::read_body(
                rq.as_reader(),
                declared,
                max,
                Instant::now() + server::BODY_DEADLINE,
            ),
        };
        match body {
            Body::Complete(body) => self.complete(rq, inc, body),
            Body::TooLarge { declared } => {
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
            Body::Incomplete {
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
        Stats::add(&self.stats.rejected, 1);
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
        self.emit(&text, || inc.record(Sig::Unchecked, vec![], None, status));
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
            Stats::add(&self.stats.invalid, 1);
        }
        let sig_ok = matches!(sig, Sig::Valid | Sig::Unchecked) || self.settings.accept_invalid;

        let parsed = catch_unwind(AssertUnwindSafe(|| event::extract(body))).unwrap_or_else(|_| {
            Err(ParseError::NotWebhook(
                "the event reader failed on this payload (a bug: please report it)".into(),
            ))
        });
        let events: &[Event] = parsed.as_deref().unwrap_or(&[]);
        self.stats.count_events(events);
        if matches!(parsed, Err(ParseError::NotJson(_))) {
            Stats::add(&self.stats.malformed, 1);
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
        Stats::add(&self.stats.duplicates, dup_count);
        let duplicate_of = dups.iter().flatten().min().copied();

        // The answer.
        let mut reply_body = b"ok\n".to_vec();
        let mut reply_type = None;
        let mut forward_note = None;
        let mut status = if !sig_ok {
            reply_body = format!("{} signature\n", sig.label()).into_bytes();
            401
        } else if let Some(f) = &self.forward {
            match f.send(&inc.req.headers, body) {
                Forwarded::Answered {
                    status,
                    latency,
                    body,
                    content_type,
                } => {
                    forward_note = Some(printer::forward_line(&f.url, Ok((status, latency))));
                    reply_body = body;
                    reply_type = content_type;
                    status
                }
                Forwarded::Failed { message } => {
                    Stats::add(&self.stats.forward_failures, 1);
                    forward_note = Some(printer::forward_line(&f.url, Err(&message)));
                    reply_body = format!(
                        "cmzon-hook listen: could not forward to {}: {message}\n",
                        f.url
                    )
                    .into_bytes();
                    502
                }
            }
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
            if self.verbose {
                lines.push(printer::headers_block(&inc.req.headers));
            }
            if self.raw {
                lines.push(printer::raw_block(body));
            }
            lines.join("\n")
        };
        let record = || {
            let events_json = events
                .iter()
                .map(|e| {
                    catch_unwind(AssertUnwindSafe(|| e.to_json()))
                        .unwrap_or(serde_json::Value::Null)
                })
                .collect();
            inc.record(sig, events_json, duplicate_of, status)
        };
        self.emit_with(text, record);

        self.wait_delay();
        respond(rq, status, reply_body, reply_type);
    }

    /// Append to the capture file (if any). Errors are reported by the caller.
    fn save(&self, req: &CapturedRequest) -> std::io::Result<()> {
        let Some(w) = &self.capture else {
            return Ok(());
        };
        let _appending = CAPTURE_GATE.read().unwrap_or_else(|p| p.into_inner());
        w.append(req)?;
        Stats::add(&self.stats.saved, 1);
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

    fn emit(&self, text: &str, record: impl FnOnce() -> String) {
        self.emit_with(|| text.to_string(), record);
    }

    /// One write of a whole block (pretty) or one NDJSON line: lines of concurrent requests
    /// never interleave. A closed stdout stops the listener like Ctrl-C.
    fn emit_with(&self, text: impl FnOnce() -> String, record: impl FnOnce() -> String) {
        let mut block = if self.json { record() } else { text() };
        block.push('\n');
        let mut out = std::io::stdout().lock();
        let r = out.write_all(block.as_bytes()).and_then(|_| out.flush());
        if let Err(e) = r {
            if e.kind() == std::io::ErrorKind::BrokenPipe {
                if let Ok(tx) = self.stop_tx.lock() {
                    let _ = tx.send(Stop::StdoutClosed);
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

    #[test]
    fn dedup_marks_the_first_request() {
        let mut d = Dedup::new(10);
        let k = |s: &str| Some(s.to_string());
        assert_eq!(d.check(&[k("a"), k("b"), None], 1), vec![None, None, None]);
        assert_eq!(d.check(&[k("b"), k("c")], 2), vec![Some(1), None]);
        assert_eq!(d.check(&[k("c"), k("c")], 3), vec![Some(2), Some(2)]);
        assert_eq!(d.check(&[k("d"), k("d")], 4), vec![None, Some(4)]);
    }

    #[test]
    fn dedup_memory_is_bounded() {
        let mut d = Dedup::new(3);
        for (i, key) in ["a", "b", "c", "d"].iter().enumerate() {
            d.check(&[Some(key.to_string())], i as u64 + 1);
        }
        assert_eq!(d.seen.len(), 3);
        assert_eq!(
            d.check(&[Some("a".into())], 9),
            vec![None],
            "a was forgotten"
        );
        assert_eq!(d.check(&[Some("d".into())], 10), vec![Some(4)]);
    }

    #[test]
    fn forwarded_headers_keep_signature_and_content() {
        let h = |n: &str, v: &str| (n.to_string(), v.to_string());
        let out = forward_headers(&[
            h("Host", "x"),
            h("Content-Type", "application/json"),
            h("X-Hub-Signature-256", "sha256=ab"),
            h("Content-Length", "2"),
            h("Connection", "keep-alive"),
            h("User-Agent", "CMzon"),
        ]);
        assert_eq!(
            out,
            vec![
                h("Content-Type", "application/json"),
                h("X-Hub-Signature-256", "sha256=ab"),
                h("User-Agent", "CMzon")
            ]
        );
    }

    #[test]
    fn quoting_for_the_send_hint() {
        assert_eq!(
            shell_quote("http://127.0.0.1:3000/webhook"),
            "http://127.0.0.1:3000/webhook"
        );
        assert_eq!(shell_quote("my secret"), "'my secret'");
        assert_eq!(shell_quote("it's"), r"'it'\''s'");
    }
}
