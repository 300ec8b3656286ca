//! Hostile input: `listen` under fault. Slow-loris connections, clients that vanish mid-body,
//! bodies at and over `--max-body`, header floods, non-UTF-8 and invalid JSON bodies, a burst
//! of keep-alive deliveries, and SIGINT in the middle of a burst. The process must stay up,
//! answer every honest delivery promptly, and leave a capture file whose every line parses.
//!
//! Quick by default; `CMZON_HOOK_HEAVY=1` runs the heavy variants (10,000-request burst,
//! 1,000 idle connections).

use crate::support;

use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;
use std::net::{Shutdown, TcpStream};
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::support::captures::SECRET;
use crate::support::faults::{
    as_refs, message_id, numbered_body, signed_headers, wamid, KeepAlive,
};
use crate::support::heavy;
use crate::support::listen::{exchange, Listener};
use cmzon_hook::capture::{read_captures, CapturedRequest};
use serde_json::Value;

const REJECTED: &str = "X-Cmzon-Hook-Rejected";

fn tmp() -> tempfile::TempDir {
    tempfile::tempdir().expect("temp dir")
}

fn env_secret() -> [(&'static str, &'static str); 1] {
    [("CMZON_WEBHOOK_SECRET", SECRET)]
}

/// Every request of a capture file, read with the crate's own reader: a line that does not
/// parse fails the test.
fn read_all(path: &Path) -> Vec<CapturedRequest> {
    read_captures(path)
        .unwrap_or_else(|e| panic!("capture unreadable: {e}"))
        .map(|r| {
            r.unwrap_or_else(|e| panic!("a capture line does not parse: {e}"))
                .request
        })
        .collect()
}

/// The `status` of every `--json` record, by request id.
fn statuses(stdout: &[String]) -> BTreeMap<u64, u16> {
    stdout
        .iter()
        .map(|l| {
            let v: Value = serde_json::from_str(l).unwrap_or_else(|e| panic!("{l}: {e}"));
            (
                v["id"].as_u64().expect("id"),
                v["status"].as_u64().expect("status") as u16,
            )
        })
        .collect()
}

fn no_panic(stderr: &str) {
    assert!(
        !stderr.contains("panicked") && !stderr.contains("RUST_BACKTRACE"),
        "listen panicked:\n{stderr}"
    );
}

#[test]
fn slow_loris_and_stalled_bodies_do_not_delay_signed_deliveries() {
    let dir = tmp();
    let cap = dir.path().join("cap.jsonl");
    let l = Listener::start(
        dir.path(),
        &["--save", cap.to_str().unwrap(), "--json"],
        &env_secret(),
    );
    let (idle_heads, stalled_bodies) = if heavy() { (1000, 120) } else { (200, 40) };

    // Connections that send half a request head and then nothing.
    let mut idle = Vec::new();
    for i in 0..idle_heads {
        let mut s = TcpStream::connect(&l.addr).expect("connect");
        write!(
            s,
            "POST {} HTTP/1.1\r\nHost: x\r\nX-Loris: {i}\r\nContent-Le",
            l.path
        )
        .unwrap();
        idle.push(s);
    }
    // Connections that send a whole head and part of the body, then nothing: each holds a
    // worker until the client goes away.
    let mut stalled = Vec::new();
    for i in 0..stalled_bodies {
        let mut s = TcpStream::connect(&l.addr).expect("connect");
        write!(
            s,
            "POST {} HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n{{\"partial\":{i},",
            l.path
        )
        .unwrap();
        stalled.push(s);
    }

    // Honest, signed deliveries are still answered promptly.
    let start = Instant::now();
    let mut slowest = Duration::ZERO;
    for n in 0..20 {
        let t = Instant::now();
        let r = l.post_signed(SECRET, &numbered_body("loris", n));
        assert_eq!(r.status, 200, "delivery {n}: {}", r.text());
        slowest = slowest.max(t.elapsed());
    }
    let total = start.elapsed();
    assert!(
        slowest < Duration::from_secs(8) && total < Duration::from_secs(15),
        "deliveries were held up: slowest {slowest:?}, all 20 in {total:?}"
    );

    // The stalled clients leave: each is recorded as rejected, with what it had sent.
    for s in &stalled {
        let _ = s.shutdown(Shutdown::Both);
    }
    drop(stalled);
    drop(idle);
    l.wait_stdout(20 + stalled_bodies);
    let stopped = l.interrupt();
    assert!(stopped.status.success(), "{}", stopped.stderr_text());
    no_panic(&stopped.stderr_text());

    let st = statuses(&stopped.stdout);
    assert_eq!(st.values().filter(|&&s| s == 200).count(), 20, "{st:?}");
    assert_eq!(
        st.values().filter(|&&s| s == 400).count(),
        stalled_bodies,
        "{st:?}"
    );
    let reqs = read_all(&cap);
    assert_eq!(reqs.len(), 20 + stalled_bodies);
    let delivered: BTreeSet<String> = reqs.iter().filter_map(|r| message_id(&r.body)).collect();
    let expected: BTreeSet<String> = (0..20).map(|n| wamid("loris", n)).collect();
    assert_eq!(delivered, expected);
    let mut partials: Vec<Vec<u8>> = reqs
        .iter()
        .filter(|r| r.header(REJECTED).is_some())
        .map(|r| {
            assert!(r.header(REJECTED).unwrap().starts_with("400 "));
            r.body.clone()
        })
        .collect();
    partials.sort();
    let mut sent: Vec<Vec<u8>> = (0..stalled_bodies)
        .map(|i| format!("{{\"partial\":{i},").into_bytes())
        .collect();
    sent.sort();
    assert_eq!(partials, sent, "each cut-short body is kept byte for byte");
}

#[test]
fn clients_that_vanish_mid_body_are_recorded_with_what_arrived() {
    let dir = tmp();
    let cap = dir.path().join("cap.jsonl");
    let l = Listener::start(
        dir.path(),
        &["--save", cap.to_str().unwrap(), "--json"],
        &env_secret(),
    );
    let body = numbered_body("vanish", 0);
    // (declared length, bytes sent before leaving, orderly close or reset)
    let cases: [(usize, usize, bool); 5] = [
        (body.len(), 0, true),
        (body.len(), 1, true),
        (body.len(), body.len() / 2, true),
        (body.len(), body.len() - 1, true),
        (body.len(), body.len() / 3, false),
    ];
    for (i, (declared, sent, orderly)) in cases.into_iter().enumerate() {
        let mut s = TcpStream::connect(&l.addr).unwrap();
        write!(
            s,
            "POST {} HTTP/1.1\r\nHost: x\r\nX-Case: {i}\r\nContent-Type: application/json\r\nContent-Length: {declared}\r\n\r\n",
            l.path
        )
        .unwrap();
        s.write_all(&body[..sent]).unwrap();
        s.flush().unwrap();
        if orderly {
            s.shutdown(Shutdown::Write).unwrap();
        } else {
            // Let the bytes arrive, then close with unread data pending: a reset.
            std::thread::sleep(Duration::from_millis(50));
        }
        drop(s);
    }
    // A chunked body cut off inside a chunk, and one cut off before the last (empty) chunk.
    for raw in [
        format!(
            "POST {} HTTP/1.1\r\nHost: x\r\nX-Case: chunk-inside\r\nTransfer-Encoding: chunked\r\n\r\n40\r\n{{\"object\":",
            l.path
        ),
        format!(
            "POST {} HTTP/1.1\r\nHost: x\r\nX-Case: chunk-last\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{{}}\r\n",
            l.path
        ),
    ] {
        let mut s = TcpStream::connect(&l.addr).unwrap();
        s.write_all(raw.as_bytes()).unwrap();
        s.shutdown(Shutdown::Write).unwrap();
        drop(s);
    }
    l.wait_stdout(cases.len() + 2);
    // Still serving.
    assert_eq!(l.post_signed(SECRET, &body).status, 200);
    l.wait_stdout(cases.len() + 3);
    let stopped = l.interrupt();
    no_panic(&stopped.stderr_text());

    let reqs = read_all(&cap);
    assert_eq!(reqs.len(), cases.len() + 3, "every POST is recorded once");
    let case = |name: &str| {
        reqs.iter()
            .find(|r| r.header("X-Case") == Some(name))
            .unwrap_or_else(|| panic!("case {name} was not recorded: {reqs:#?}"))
    };
    for (i, (_, sent, _)) in cases.iter().enumerate() {
        let r = case(&i.to_string());
        let why = r
            .header(REJECTED)
            .unwrap_or_else(|| panic!("not marked: {r:?}"));
        assert!(why.starts_with("400 "), "{why}");
        assert_eq!(r.body, body[..*sent], "{why}");
    }
    for name in ["chunk-inside", "chunk-last"] {
        let r = case(name);
        let why = r.header(REJECTED).unwrap_or_else(|| {
            panic!(
                "a chunked body cut short ({name}) was taken as complete: body {:?}",
                String::from_utf8_lossy(&r.body)
            )
        });
        assert!(why.starts_with("400 "), "{why}");
    }
    let last = reqs.last().unwrap();
    assert!(last.header(REJECTED).is_none());
    assert_eq!(last.body, body);
    let st = statuses(&stopped.stdout);
    assert_eq!(
        st.values().copied().collect::<Vec<_>>(),
        [vec![400; cases.len() + 2], vec![200]].concat()
    );
}

/// A signed delivery of exactly `len` bytes: a text message padded with spaces.
fn body_of_len(len: usize) -> Vec<u8> {
    let mut b = numbered_body("max", len);
    assert!(b.len() <= len);
    b.resize(len, b' ');
    b
}

#[test]
fn bodies_at_and_one_byte_over_max_body() {
    let dir = tmp();
    let cap = dir.path().join("cap.jsonl");
    let max = 1000usize;
    let l = Listener::start(
        dir.path(),
        &[
            "--max-body",
            &max.to_string(),
            "--save",
            cap.to_str().unwrap(),
            "--json",
        ],
        &env_secret(),
    );
    let at = body_of_len(max);
    let over = body_of_len(max + 1);

    // Content-Length framed.
    assert_eq!(l.post_signed(SECRET, &at).status, 200);
    let r = l.post_signed(SECRET, &over);
    assert_eq!(r.status, 413, "{}", r.text());
    assert!(r.text().contains("--max-body 1000"), "{}", r.text());

    // Chunked: the limit holds without a Content-Length too.
    let chunked = |body: &[u8]| {
        let sig = cmzon_hook::webhook::signature::sign(SECRET.as_bytes(), body);
        let mut raw = format!(
            "POST {} HTTP/1.1\r\nHost: x\r\nConnection: close\r\nX-Hub-Signature-256: {sig}\r\nTransfer-Encoding: chunked\r\n\r\n",
            l.path
        )
        .into_bytes();
        for part in body.chunks(300) {
            raw.extend_from_slice(format!("{:x}\r\n", part.len()).as_bytes());
            raw.extend_from_slice(part);
            raw.extend_from_slice(b"\r\n");
        }
        raw.extend_from_slice(b"0\r\n\r\n");
        exchange(&l.addr, &raw)
    };
    assert_eq!(chunked(&at).status, 200);
    assert_eq!(chunked(&over).status, 413);
    assert_eq!(l.post_signed(SECRET, &at).status, 200, "still serving");
    l.wait_stdout(5);
    let stopped = l.interrupt();
    no_panic(&stopped.stderr_text());

    let reqs = read_all(&cap);
    assert_eq!(reqs.len(), 5);
    let kinds: Vec<(Option<&str>, usize)> = reqs
        .iter()
        .map(|r| (r.header(REJECTED).map(|h| &h[..4]), r.body.len()))
        .collect();
    assert_eq!(
        kinds,
        [
            (None, max),
            (Some("413 "), 0),
            (None, max),
            (Some("413 "), 0),
            (None, max)
        ]
    );
    for r in reqs.iter().filter(|r| r.header(REJECTED).is_none()) {
        assert_eq!(r.body, at, "captured byte for byte");
    }
    assert!(
        stopped.stderr_text().contains("2 rejected"),
        "{}",
        stopped.stderr_text()
    );
}

/// A raw POST head with `extra` header lines, then a valid signed body.
fn with_headers(l: &Listener, extra: &[String]) -> Vec<u8> {
    let body = numbered_body("headers", extra.len());
    let sig = cmzon_hook::webhook::signature::sign(SECRET.as_bytes(), &body);
    let mut raw = format!(
        "POST {} HTTP/1.1\r\nHost: x\r\nConnection: close\r\nX-Hub-Signature-256: {sig}\r\nContent-Length: {}\r\n",
        l.path,
        body.len()
    );
    for h in extra {
        raw.push_str(h);
        raw.push_str("\r\n");
    }
    raw.push_str("\r\n");
    let mut raw = raw.into_bytes();
    raw.extend_from_slice(&body);
    raw
}

#[test]
fn header_floods_get_431_and_the_process_stays_up() {
    let dir = tmp();
    let cap = dir.path().join("cap.jsonl");
    let l = Listener::start(
        dir.path(),
        &["--save", cap.to_str().unwrap(), "--json"],
        &env_secret(),
    );
    // The head limits: a line of at most 16383 bytes, at most 256 headers.
    let line = |len: usize| format!("X-Long: {}", "a".repeat(len - "X-Long: ".len()));
    assert_eq!(
        exchange(&l.addr, &with_headers(&l, &[line(16_383)])).status,
        200
    );
    assert_eq!(
        exchange(&l.addr, &with_headers(&l, &[line(16_384)])).status,
        431
    );
    let many = |n: usize| (0..n).map(|i| format!("X-H{i}: v")).collect::<Vec<_>>();
    // 4 headers of our own (Host, Connection, signature, Content-Length) + 252 = 256.
    assert_eq!(exchange(&l.addr, &with_headers(&l, &many(252))).status, 200);
    assert_eq!(exchange(&l.addr, &with_headers(&l, &many(253))).status, 431);

    // Floods: thousands of headers, a megabyte-long line, many concurrent flooders.
    assert_eq!(
        exchange(&l.addr, &with_headers(&l, &many(5000))).status,
        431
    );
    assert_eq!(
        exchange(&l.addr, &with_headers(&l, &[line(1 << 20)])).status,
        431
    );
    std::thread::scope(|s| {
        for _ in 0..8 {
            s.spawn(|| {
                for _ in 0..5 {
                    assert_eq!(
                        exchange(&l.addr, &with_headers(&l, &many(3000))).status,
                        431
                    );
                }
            });
        }
    });
    // Still serving, and only the requests within the limits reached the handler.
    assert_eq!(
        l.post_signed(SECRET, &numbered_body("headers", 1)).status,
        200
    );
    l.wait_stdout(3);
    let stopped = l.interrupt();
    assert!(stopped.status.success());
    no_panic(&stopped.stderr_text());
    assert_eq!(stopped.stdout.len(), 3, "{:?}", stopped.stdout);
    let reqs = read_all(&cap);
    assert_eq!(reqs.len(), 3);
    assert!(reqs[1].headers.len() >= 256, "every header is kept");
}

#[test]
fn hostile_bodies_are_answered_captured_byte_exact_and_never_reach_the_terminal_raw() {
    let dir = tmp();
    let cap = dir.path().join("cap.jsonl");
    let l = Listener::start(
        dir.path(),
        &[
            "--save",
            cap.to_str().unwrap(),
            "-v",
            "--raw",
            "--verify-token",
            "tok",
        ],
        &env_secret(),
    );
    // Handshakes quote hub.mode and hub.challenge from the query: escapes there too.
    let r = l.request(
        "GET",
        &format!("{}?hub.mode=%1b%5b2J%00%07", l.path),
        &[],
        b"",
    );
    assert_eq!(r.status, 403);
    let challenge = "%1b%5d0%3bpwned%07%e2%80%ae";
    let r = l.request(
        "GET",
        &format!(
            "{}?hub.mode=subscribe&hub.verify_token=tok&hub.challenge={challenge}",
            l.path
        ),
        &[],
        b"",
    );
    assert_eq!(r.status, 200);
    assert_eq!(
        r.body, b"\x1b]0;pwned\x07\xe2\x80\xae",
        "the challenge is echoed as sent"
    );
    let deep_array = "[".repeat(100_000).into_bytes();
    let deep_object = "{\"a\":".repeat(50_000).into_bytes();
    let escape_text =
        support::captures::text_message("wamid.ESC", "\u{1b}[2J\u{1b}]0;pwned\u{7}\u{202e}");
    let mut escape_raw = b"\x1b[2J\x1b[31mnot json\x07".to_vec();
    escape_raw.extend_from_slice(b"\r\nX-Injected: 1");
    // (body, expected status)
    let cases: Vec<(Vec<u8>, u16)> = vec![
        (vec![0xff, 0xfe, 0x00, 0x80, 0xc3, 0x28], 400),
        (
            b"\xef\xbb\xbf{\"object\":\"whatsapp_business_account\"}".to_vec(),
            400,
        ),
        (b"{\"a\":".to_vec(), 400),
        (b"{\"a\":\"\\ud800\"}".to_vec(), 400),
        (
            b"{\"object\":\"whatsapp_business_account\",\"entry\":[1,null,{\"changes\":7}]}"
                .to_vec(),
            200,
        ),
        (b"\x00\x00\x00\x00".to_vec(), 400),
        (deep_array, 400),
        (deep_object, 400),
        (b"[]".to_vec(), 200),
        (b"1e999999".to_vec(), 400),
        (escape_raw, 400),
        (escape_text, 200),
        (Vec::new(), 400),
    ];
    for (i, (body, want)) in cases.iter().enumerate() {
        let r = l.post_signed(SECRET, body);
        assert_eq!(r.status, *want, "case {i}: {}", r.text());
    }
    l.wait_stdout(cases.len());
    let stopped = l.interrupt();
    assert!(stopped.status.success());
    let out = stopped.stdout_text();
    no_panic(&stopped.stderr_text());
    assert!(
        !out.contains('\u{1b}') && !out.contains('\u{7}') && !out.contains('\u{202e}'),
        "terminal control characters from the network reached stdout:\n{out:?}"
    );
    assert!(
        !out.contains("\nX-Injected"),
        "a body line was shown as a header"
    );

    // Byte-exact capture; non-UTF-8 bodies are stored as base64.
    let reqs = read_all(&cap);
    assert_eq!(reqs.len(), cases.len());
    for (r, (body, _)) in reqs.iter().zip(&cases) {
        assert_eq!(&r.body, body);
    }
    let text = std::fs::read_to_string(&cap).unwrap();
    let first: Value = serde_json::from_str(text.lines().next().unwrap()).unwrap();
    assert!(first.get("body").is_none(), "{first}");
    assert_eq!(first["body_base64"], "//4AgMMo");
}

/// `total` signed deliveries over `conns` keep-alive connections; returns the wamids that
/// got a 2xx. Panics on any other answer.
fn burst(l: &Listener, tag: &str, total: usize, conns: usize) -> BTreeSet<String> {
    let ok = Mutex::new(BTreeSet::new());
    std::thread::scope(|s| {
        for c in 0..conns {
            let ok = &ok;
            s.spawn(move || {
                let mut client = KeepAlive::new(&l.addr);
                let mut mine = Vec::new();
                for n in (c..total).step_by(conns) {
                    let body = numbered_body(tag, n);
                    let h = signed_headers(SECRET, &body);
                    let a = client
                        .post(&l.path, &as_refs(&h), &body)
                        .unwrap_or_else(|e| panic!("delivery {n}: {e}"));
                    assert_eq!(a.status, 200, "delivery {n}");
                    mine.push(wamid(tag, n));
                }
                assert!(
                    client.connects <= 2,
                    "keep-alive was not kept: {}",
                    client.connects
                );
                ok.lock().unwrap().extend(mine);
            });
        }
    });
    ok.into_inner().unwrap()
}

#[test]
fn a_burst_is_captured_exactly_once_per_accepted_request() {
    let dir = tmp();
    let cap = dir.path().join("cap.jsonl");
    let l = Listener::start(
        dir.path(),
        &["--save", cap.to_str().unwrap(), "--json"],
        &env_secret(),
    );
    let total = if heavy() { 10_000 } else { 2_000 };
    let t = Instant::now();
    let accepted = burst(&l, "burst", total, 4);
    let took = t.elapsed();
    assert_eq!(accepted.len(), total);
    l.wait_stdout(total);
    let stopped = l.interrupt();
    assert!(stopped.status.success());
    no_panic(&stopped.stderr_text());
    assert!(
        stopped
            .stderr_text()
            .contains(&format!("saved {total} requests")),
        "{}",
        stopped.stderr_text()
    );

    let reqs = read_all(&cap);
    assert_eq!(reqs.len(), total, "one line per accepted request");
    let mut seen = BTreeMap::new();
    for r in &reqs {
        let id = message_id(&r.body).expect("a message id in every captured body");
        *seen.entry(id).or_insert(0) += 1;
        assert!(r.header(REJECTED).is_none());
    }
    assert!(seen.values().all(|&n| n == 1), "captured twice");
    assert_eq!(seen.keys().cloned().collect::<BTreeSet<_>>(), accepted);
    let ids: BTreeSet<u64> = reqs.iter().map(|r| r.id.unwrap()).collect();
    assert_eq!(ids.len(), total, "request ids are unique");
    eprintln!("burst: {total} deliveries in {took:?}");
}

#[test]
fn sigint_mid_burst_leaves_a_whole_capture_with_every_answered_request() {
    let dir = tmp();
    let cap = dir.path().join("cap.jsonl");
    let l = Listener::start(
        dir.path(),
        &["--save", cap.to_str().unwrap(), "--json"],
        &env_secret(),
    );
    const CONNS: usize = 4;
    let per_conn = if heavy() { 5_000 } else { 1_500 };
    let answered = Mutex::new(BTreeSet::new());
    let count = AtomicUsize::new(0);
    let signalled = AtomicBool::new(false);
    let mut after_signal = 0usize;
    std::thread::scope(|s| {
        let mut handles = Vec::new();
        for c in 0..CONNS {
            let (answered, count, l) = (&answered, &count, &l);
            handles.push(s.spawn(move || {
                let mut client = KeepAlive::new(&l.addr);
                let mut mine = Vec::new();
                for k in 0..per_conn {
                    let n = c * per_conn + k;
                    let body = numbered_body("sigint", n);
                    let h = signed_headers(SECRET, &body);
                    match client.post(&l.path, &as_refs(&h), &body) {
                        Ok(a) if (200..300).contains(&a.status) => {
                            mine.push(wamid("sigint", n));
                            count.fetch_add(1, Ordering::SeqCst);
                        }
                        Ok(a) => panic!("delivery {n} answered {}", a.status),
                        // The listener went away: this connection is done.
                        Err(_) => break,
                    }
                }
                answered.lock().unwrap().extend(mine);
            }));
        }
        // Interrupt once a good part of the burst is through.
        let deadline = Instant::now() + Duration::from_secs(30);
        while count.load(Ordering::SeqCst) < 300 && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(5));
        }
        let at_signal = count.load(Ordering::SeqCst);
        assert!(at_signal >= 300, "the burst did not get going");
        std::process::Command::new("kill")
            .args(["-INT", &l.pid().to_string()])
            .status()
            .expect("kill runs");
        signalled.store(true, Ordering::SeqCst);
        for h in handles {
            h.join().expect("client thread");
        }
        after_signal = count.load(Ordering::SeqCst) - at_signal;
    });
    assert!(signalled.load(Ordering::SeqCst));
    let stopped = l.wait_exit();
    assert!(stopped.status.success(), "{}", stopped.stderr_text());
    no_panic(&stopped.stderr_text());
    let answered = answered.into_inner().unwrap();
    assert!(
        answered.len() < CONNS * per_conn,
        "SIGINT did not stop the burst"
    );

    // Every line parses; every 2xx the clients got has its line (written before answering);
    // at most one request per connection was captured but its answer lost when the process
    // exited.
    let text = std::fs::read_to_string(&cap).unwrap();
    assert!(text.ends_with('\n'), "the last line is whole");
    let reqs = read_all(&cap);
    let captured: BTreeSet<String> = reqs.iter().filter_map(|r| message_id(&r.body)).collect();
    assert_eq!(captured.len(), reqs.len(), "each request captured once");
    let missing: Vec<&String> = answered.difference(&captured).collect();
    assert!(
        missing.is_empty(),
        "answered 2xx but not captured: {missing:?}"
    );
    let unanswered = captured.len() - answered.len();
    assert!(
        unanswered <= CONNS,
        "{unanswered} captured requests got no answer (at most one in flight per connection)"
    );
    let saved = format!("saved {} requests", reqs.len());
    assert!(
        stopped.stderr_text().contains(&saved),
        "{}",
        stopped.stderr_text()
    );
    eprintln!(
        "sigint: {} answered ({after_signal} after the signal), {} captured",
        answered.len(),
        captured.len()
    );
}
