//! `listen --ui`: a local web inspector on its own listener, bound to 127.0.0.1 only (whatever
//! `--host` says). The endpoint hands each finished request to [`Inspector::record`] (a
//! bounded store and a non-blocking fan-out: the webhook path never waits for a browser);
//! the page and its JSON API read the store, replay requests through the HTTP client, and
//! follow new requests over server-sent events.
//!
//! Files: this one the handle the endpoint feeds, the records and the server's start/stop;
//! [`store`] the bounded history and its filters; [`api`] the routes and their JSON; [`stream`]
//! the event-stream fan-out with bounded per-client queues; [`guard`] Host, Origin, token and
//! the response headers every answer carries; [`replay`] replays, edits and forgeries.
//! Imports webhook, capture, http, json and the primitives; never `cli` or `commands`.

mod api;
mod guard;
mod replay;
mod store;
mod stream;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::PathBuf;
use std::sync::atomic::AtomicU64;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use crate::capture::{self, CapturedRequest, REJECTED_HEADER};
use crate::error::{Error, Result};
use crate::http::delivery::{Client, ClientOptions};
use crate::http::server::{self, Pool};
use crate::listening::printer::{self, Sig};
use crate::listening::Forward;
use crate::webhook::event::{self, Document, EventView, Fields, ParseError};
use crate::webhook::secret::Secret;
use crate::webhook::signature::{self, Verdict};

use store::Store;
use stream::Streams;

/// The header a replay sent to the endpoint carries: `<source id>; mode=<mode>; ref=<ref>`.
/// Kept in the capture (it is visible), forwarded to the app like any other header.
pub const REPLAY_HEADER: &str = "X-Cmzon-Hook-Replay-Of";
/// The default `--ui-port` (ngrok's own inspector takes 4040).
pub const DEFAULT_PORT: u16 = 4041;
/// Requests kept in memory (oldest dropped first).
pub const MAX_REQUESTS: usize = 10_000;
/// Bytes of requests kept in memory (bodies, headers, the app's answers), oldest dropped first.
pub const MAX_BYTES: usize = 256 << 20;

/// `listen --ui`'s settings.
#[derive(Debug, Clone, Copy)]
pub struct InspectorOptions {
    /// 0 picks a free port.
    pub port: u16,
}

/// What the inspector needs from the endpoint it shows.
pub(super) struct Wiring {
    pub secret: Option<Secret>,
    /// The URL a local sender reaches the endpoint at.
    pub endpoint_url: String,
    pub forward: Option<Arc<Forward>>,
    /// The endpoint's request numbering, shared: a replay straight to the forward target is
    /// numbered like any request.
    pub next_id: Arc<AtomicU64>,
    /// `--max-body`: the API accepts bodies up to max(1 MiB, this).
    pub max_body: u64,
    /// `--save`: its requests are loaded on start.
    pub save: Option<PathBuf>,
}

/// How a request came to be replayed (parsed from [`REPLAY_HEADER`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct ReplayTag {
    pub of: u64,
    pub mode: Option<String>,
    pub reference: Option<String>,
}

impl ReplayTag {
    fn parse(headers: &[(String, String)]) -> Option<ReplayTag> {
        let value = headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(REPLAY_HEADER))
            .map(|(_, v)| v)?;
        let mut parts = value.split(';').map(str::trim);
        let of = parts.next()?.parse().ok()?;
        let mut tag = ReplayTag {
            of,
            mode: None,
            reference: None,
        };
        for p in parts {
            match p.split_once('=') {
                Some(("mode", m)) => tag.mode = Some(m.to_string()),
                Some(("ref", r)) => tag.reference = Some(r.to_string()),
                _ => {}
            }
        }
        Some(tag)
    }
}

/// The app's answer to a forwarded request.
#[derive(Debug, Clone)]
pub(super) struct AppAnswer {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    pub ms: f64,
}

/// Forwarding of one request: the target and what came back.
#[derive(Debug, Clone)]
pub(super) struct ForwardInfo {
    pub url: String,
    pub outcome: std::result::Result<AppAnswer, String>,
}

/// One request as the inspector shows it.
pub(super) struct Record {
    pub id: u64,
    pub req: CapturedRequest,
    /// What listen answered (`None` for history loaded from a capture: it has no answers).
    pub status: Option<u16>,
    pub verdict: Option<Verdict>,
    /// Why listen refused it, or what it was (a handshake), when there are no events to say.
    pub note: Option<String>,
    pub duplicate_of: Option<u64>,
    pub replay: Option<ReplayTag>,
    pub forward: Option<ForwardInfo>,
    /// Loaded from `--save` on start.
    pub history: bool,
    derived: OnceLock<Derived>,
}

/// What is read from the body, once, when first shown (never on the webhook path).
pub(super) struct Derived {
    /// `[...]`: listen's `--json` event objects.
    pub events_json: String,
    pub kinds: Vec<&'static str>,
    pub types: Vec<String>,
    pub summary: String,
}

impl Record {
    pub(super) fn new(id: u64, req: CapturedRequest, status: Option<u16>) -> Record {
        let replay = ReplayTag::parse(&req.headers);
        Record {
            id,
            req,
            status,
            verdict: None,
            note: None,
            duplicate_of: None,
            replay,
            forward: None,
            history: false,
            derived: OnceLock::new(),
        }
    }

    pub(super) fn sig(&self) -> Sig {
        Sig::from_verdict(self.verdict.as_ref())
    }

    /// Memory it holds, about.
    fn bytes(&self) -> usize {
        let headers: usize = self
            .req
            .headers
            .iter()
            .map(|(n, v)| n.len() + v.len() + 48)
            .sum();
        let forward = match &self.forward {
            Some(ForwardInfo { outcome: Ok(a), .. }) => {
                a.body.len()
                    + a.headers
                        .iter()
                        .map(|(n, v)| n.len() + v.len())
                        .sum::<usize>()
            }
            _ => 0,
        };
        // The body, and about as much again for its events once shown.
        512 + headers + 2 * self.req.body.len() + forward
    }

    pub(super) fn derived(&self) -> &Derived {
        self.derived
            .get_or_init(|| derive(&self.req.body, self.note.as_deref()))
    }
}

fn derive(body: &[u8], note: Option<&str>) -> Derived {
    let parsed = catch_unwind(AssertUnwindSafe(|| {
        Document::parse(body).and_then(|doc| {
            let events = doc.events()?;
            let mut json = Vec::with_capacity(body.len() / 2 + 16);
            json.push(b'[');
            event::write_json_list(&mut json, &events);
            json.push(b']');
            let kinds_types = events.iter().map(kind_and_type).collect::<Vec<_>>();
            let summary = events.first().map(printer::event_text);
            Ok((json, kinds_types, summary))
        })
    }));
    let (json, kinds_types, summary) = match parsed {
        Ok(Ok(t)) => t,
        Ok(Err(ParseError::NotJson(e))) => (
            b"[]".to_vec(),
            Vec::new(),
            Some(format!("malformed JSON ({} bytes): {e}", body.len())),
        ),
        Ok(Err(ParseError::NotWebhook(e))) => (
            b"[]".to_vec(),
            Vec::new(),
            Some(format!("not a WhatsApp webhook: {e}")),
        ),
        Err(_) => (
            b"[]".to_vec(),
            Vec::new(),
            Some("the event reader failed on this payload (a bug: please report it)".into()),
        ),
    };
    let mut kinds: Vec<&'static str> = Vec::new();
    let mut types: Vec<String> = Vec::new();
    let more = kinds_types.len().saturating_sub(1);
    for (k, t) in kinds_types {
        if !kinds.contains(&k) {
            kinds.push(k);
        }
        if !t.is_empty() && !types.contains(&t) {
            types.push(t);
        }
    }
    let summary = match (note, summary) {
        (Some(n), _) => n.to_string(),
        (None, Some(s)) if more > 0 => format!("{s} (+{more} more)"),
        (None, Some(s)) => s,
        (None, None) => "no events in this delivery".to_string(),
    };
    Derived {
        events_json: String::from_utf8(json).unwrap_or_else(|_| "[]".into()),
        kinds,
        types,
        summary,
    }
}

/// An event's kind and type: `message`/`text`, `status`/`delivered`, `error`/its code,
/// `other`/its field.
fn kind_and_type(e: &EventView<'_>) -> (&'static str, String) {
    let t = match e.fields() {
        Fields::Message { kind, .. } => kind.to_string(),
        Fields::Status { status, .. } => status.to_string(),
        Fields::Error(err) => err.code.map(|c| c.to_string()).unwrap_or_default(),
        Fields::Other { field, .. } => field.to_string(),
    };
    (e.kind_str(), t)
}

/// The handle the endpoint feeds, shared with the inspector's server.
pub struct Inspector {
    store: Mutex<Store>,
    streams: Arc<Streams>,
    /// Replays in flight, by their `ref`: the id the endpoint gave each, once recorded.
    pending: Mutex<HashMap<String, Option<u64>>>,
    secret: Option<Secret>,
    endpoint_url: String,
    /// `http://127.0.0.1:PORT` of the endpoint (curl commands and HAR URLs).
    endpoint_origin: String,
    forward: Option<Arc<Forward>>,
    next_id: Arc<AtomicU64>,
    /// Largest body the API accepts.
    max_api_body: u64,
    /// Sends replays to the endpoint.
    client: Client,
    token: String,
    port: OnceLock<u16>,
}

impl Inspector {
    /// Take one finished request: stored (the oldest dropped past the limits) and offered
    /// to each open event stream without waiting for any.
    pub(super) fn record(&self, rec: Record) {
        if let Some(r) = rec.replay.as_ref().and_then(|t| t.reference.as_ref()) {
            let mut pending = self.pending.lock().unwrap_or_else(|p| p.into_inner());
            if let Some(slot) = pending.get_mut(r) {
                *slot = Some(rec.id);
            }
        }
        let rec = Arc::new(rec);
        let gone = self.lock_store().push(Arc::clone(&rec));
        self.streams.publish(&rec);
        // The oldest request is freed here, not under the store's lock.
        drop(gone);
    }

    fn endpoint_origin(&self) -> &str {
        &self.endpoint_origin
    }

    fn lock_store(&self) -> std::sync::MutexGuard<'_, Store> {
        self.store.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The verdict listen would give these headers and body (none without a secret).
    fn verdict_of(&self, headers: &[(String, String)], body: &[u8]) -> Option<Verdict> {
        let s = self.secret.as_ref()?;
        if let Some((_, why)) = headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(REJECTED_HEADER))
        {
            return Some(Verdict::Incomplete { why: why.clone() });
        }
        Some(signature::verify_headers(
            s.as_bytes(),
            headers.iter().map(|(n, v)| (n.as_str(), v.as_str())),
            body,
        ))
    }

    /// Load the requests of a capture (`--save` from an earlier run) as history.
    fn load_history(&self, path: &std::path::Path) {
        if !path.is_file() || std::fs::metadata(path).map_or(true, |m| m.len() == 0) {
            return;
        }
        let Ok(requests) = capture::read_captures(path) else {
            return;
        };
        let mut store = self.lock_store();
        for located in requests.flatten() {
            let req = located.request;
            let id = req.id.unwrap_or(0);
            let status = req
                .header(REJECTED_HEADER)
                .and_then(|v| v.split(' ').next())
                .and_then(|s| s.parse().ok());
            let note = req.header(REJECTED_HEADER).map(|v| format!("refused: {v}"));
            let verdict = if req.method == "POST" {
                self.verdict_of(&req.headers, &req.body)
            } else {
                None
            };
            let mut rec = Record::new(id, req, status);
            rec.verdict = verdict;
            rec.note = note;
            rec.history = true;
            drop(store.push(Arc::new(rec)));
        }
    }
}

/// A started inspector: its own listener and worker pool.
pub(super) struct RunningInspector {
    pool: Pool,
    addr: SocketAddr,
    streams: Arc<Streams>,
}

impl RunningInspector {
    pub(super) fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Stop accepting, end every event stream (open ones do not hold the exit up).
    pub(super) fn stop(self) {
        self.streams.stop();
        self.pool.shutdown(Duration::from_secs(2));
    }
}

/// Bind 127.0.0.1:`port` and start serving the inspector for the endpoint in `wiring`.
pub(super) fn start(
    options: InspectorOptions,
    wiring: Wiring,
) -> Result<(Arc<Inspector>, RunningInspector)> {
    let server = server::Server::bind("127.0.0.1", options.port).map_err(|e| {
        Error::usage(format!("cannot start the inspector: {}", e.message))
            .with_hint("choose another --ui-port, or --ui-port 0 for a free one")
    })?;
    let addr = server.local_addr();
    let client = Client::new(&ClientOptions {
        timeout: Duration::from_secs(60),
        ..ClientOptions::default()
    })?;
    let streams = Arc::new(Streams::default());
    let inspector = Arc::new(Inspector {
        store: Mutex::new(Store::new(MAX_REQUESTS, MAX_BYTES)),
        streams: Arc::clone(&streams),
        pending: Mutex::new(HashMap::new()),
        secret: wiring.secret,
        endpoint_origin: reqwest::Url::parse(&wiring.endpoint_url)
            .map(|u| u.origin().ascii_serialization())
            .unwrap_or_default(),
        endpoint_url: wiring.endpoint_url,
        forward: wiring.forward,
        next_id: wiring.next_id,
        max_api_body: wiring.max_body.max(1 << 20),
        client,
        token: guard::new_token()?,
        port: OnceLock::new(),
    });
    let _ = inspector.port.set(addr.port());
    if let Some(path) = &wiring.save {
        inspector.load_history(path);
    }
    let handler = {
        let inspector = Arc::clone(&inspector);
        move |rq: tiny_http::Request| api::handle(&inspector, rq)
    };
    let pool = server.serve(4, handler);
    Ok((
        inspector,
        RunningInspector {
            pool,
            addr,
            streams,
        },
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replay_tags_parse_from_the_header() {
        let h = |v: &str| vec![("x-cmzon-hook-replay-of".to_string(), v.to_string())];
        assert_eq!(
            ReplayTag::parse(&h("7; mode=re-signed; ref=ab12")),
            Some(ReplayTag {
                of: 7,
                mode: Some("re-signed".into()),
                reference: Some("ab12".into())
            })
        );
        assert_eq!(ReplayTag::parse(&h("12")).map(|t| t.of), Some(12));
        assert_eq!(ReplayTag::parse(&h("x")), None);
        assert_eq!(ReplayTag::parse(&[]), None);
    }

    #[test]
    fn derived_facts_come_from_the_body_and_notes_win() {
        let body = br#"{"object":"whatsapp_business_account","entry":[{"id":"1","changes":[{"field":"messages","value":{"messaging_product":"whatsapp","metadata":{"display_phone_number":"1","phone_number_id":"2"},"messages":[{"from":"316","id":"wamid.A","timestamp":"1","type":"text","text":{"body":"hi"}}]}}]}]}"#;
        let d = derive(body, None);
        assert_eq!(d.kinds, vec!["message"]);
        assert_eq!(d.types, vec!["text".to_string()]);
        // listen's event line without its time, number and verdict columns.
        assert_eq!(d.summary, "message text  316  hi");
        assert!(d.events_json.starts_with("[{"), "{}", d.events_json);
        let d = derive(b"{not json", None);
        assert!(d.summary.starts_with("malformed JSON"), "{}", d.summary);
        assert_eq!(d.events_json, "[]");
        assert_eq!(derive(b"", Some("refused: 413")).summary, "refused: 413");
    }
}
