//! The inspector's security model, checked without a browser: a page in the same browser
//! is the attacker (DNS rebinding, cross-site POSTs), the secret never leaves the process,
//! the inspector is never reachable from another machine, and its resources are bounded.

use serde_json::json;
use tempfile::TempDir;

use super::{App, Events, Ui, SECRET};
use crate::support::captures::text_message;
use crate::support::faults::assert_clean;

#[test]
fn a_foreign_host_is_refused_with_421_on_every_route() {
    let dir = TempDir::new().unwrap();
    let ui = Ui::start(dir.path(), &[], true);
    let evil = "rebind.attacker.example:80".to_string();
    let other_port = format!("127.0.0.1:{}", ui.port.wrapping_add(1));
    for host in [evil.as_str(), other_port.as_str(), "localhost", ""] {
        for target in [
            "/",
            "/app.js",
            "/api/requests",
            "/api/requests/1",
            "/api/events",
        ] {
            let r = ui.request("GET", target, &[("Host", host)], b"");
            assert_eq!(
                r.status,
                421,
                "GET {target} with Host {host:?}: {}",
                r.text()
            );
        }
        let r = ui.request(
            "POST",
            "/api/clear",
            &[("Host", host), ("X-Cmzon-Token", &ui.token)],
            b"{}",
        );
        assert_eq!(r.status, 421, "POST with Host {host:?}");
    }
    // Its own names are fine.
    let localhost = format!("localhost:{}", ui.port);
    assert_eq!(
        ui.request("GET", "/api/requests", &[("Host", &localhost)], b"")
            .status,
        200
    );
    assert_eq!(ui.get("/api/requests").status, 200);
}

#[test]
fn state_changing_requests_need_the_token_and_the_own_origin_and_send_nothing() {
    let dir = TempDir::new().unwrap();
    let app = App::start();
    let ui = Ui::start(dir.path(), &["--forward-to", &app.url()], true);
    let body = text_message("wamid.SEC1", "hello");
    assert_eq!(ui.listener.post_signed(SECRET, &body).status, 200);
    ui.listener.wait_stdout(1);
    assert_eq!(app.seen().len(), 1);

    let own = format!("http://{}", ui.addr);
    let replay = json!({"id": 1, "target": "endpoint", "mode": "re-signed"}).to_string();
    let forward = json!({"id": 1, "target": "forward", "mode": "as-captured"}).to_string();
    let refused: Vec<(&str, Vec<(&str, &str)>)> = vec![
        ("no token", vec![("Origin", own.as_str())]),
        (
            "a wrong token",
            vec![
                ("Origin", own.as_str()),
                ("X-Cmzon-Token", "0123456789abcdef0123456789abcdef"),
            ],
        ),
        (
            "a foreign Origin",
            vec![
                ("Origin", "http://attacker.example"),
                ("X-Cmzon-Token", ui.token.as_str()),
            ],
        ),
        (
            "a lookalike Origin",
            vec![
                ("Origin", "http://127.0.0.1:1"),
                ("X-Cmzon-Token", ui.token.as_str()),
            ],
        ),
        (
            "a null Origin",
            vec![("Origin", "null"), ("X-Cmzon-Token", ui.token.as_str())],
        ),
    ];
    for (what, headers) in &refused {
        for (target, payload) in [
            ("/api/replay", replay.as_str()),
            ("/api/replay", forward.as_str()),
            ("/api/clear", "{}"),
        ] {
            let mut h = headers.clone();
            h.push(("Content-Type", "application/json"));
            let r = ui.request("POST", target, &h, payload.as_bytes());
            assert_eq!(r.status, 403, "POST {target} with {what}: {}", r.text());
        }
    }
    // A GET does not replay either.
    assert_eq!(ui.request("GET", "/api/replay", &[], b"").status, 404);
    // Nothing was sent: neither the endpoint nor the app saw another request, nothing cleared.
    assert_eq!(app.seen().len(), 1, "{:?}", app.seen());
    assert_eq!(ui.list("").len(), 1);
    // The page's own request with its token works (so the refusals above were not luck).
    let done = ui.post_json("/api/replay", &serde_json::from_str(&replay).unwrap());
    assert_eq!(done["status"], 200);
    assert_eq!(app.seen().len(), 2);
    let stopped = ui.listener.interrupt();
    assert_eq!(stopped.stdout.len(), 2, "{}", stopped.stdout_text());
}

#[test]
fn the_secret_is_in_no_answer_of_any_route() {
    let dir = TempDir::new().unwrap();
    let app = App::start();
    let ui = Ui::start(
        dir.path(),
        &["--forward-to", &app.url(), "--save", "cap.jsonl"],
        true,
    );
    // Valid, invalid (signed with a wrong secret), unsigned, and a body holding bytes that
    // are not UTF-8.
    ui.listener
        .post_signed(SECRET, &text_message("wamid.L1", "valid one"));
    ui.listener
        .post_signed("not-the-secret", &text_message("wamid.L2", "invalid one"));
    ui.listener.post(&text_message("wamid.L3", "unsigned"), &[]);
    ui.listener.post_signed(SECRET, b"\xff\xfe binary \x00");
    ui.listener.wait_stdout(4);
    let events = ui.events();
    let mut answers = Vec::new();
    for mode in [
        json!({"id": 1, "mode": "as-captured"}),
        json!({"id": 1, "mode": "re-signed"}),
        json!({"id": 1, "mode": "edited", "body": "{\"edited\":true}"}),
        json!({"id": 1, "mode": "forged", "forge": "wrong-secret"}),
        json!({"id": 1, "mode": "forged", "forge": "modified-body"}),
        json!({"id": 1, "mode": "forged", "forge": "no-signature"}),
        json!({"id": 1, "target": "forward", "mode": "re-signed"}),
        json!({"id": 99, "mode": "re-signed"}),
        json!({"id": 1, "mode": "bogus"}),
    ] {
        answers.push((
            format!("POST /api/replay {mode}"),
            ui.post("/api/replay", &mode),
        ));
    }
    events.next("request");
    let ids: Vec<u64> = ui
        .list("")
        .iter()
        .map(|e| e["id"].as_u64().unwrap())
        .collect();
    assert!(ids.len() >= 10, "{ids:?}");
    let mut targets = vec![
        "/".to_string(),
        "/app.js".into(),
        "/style.css".into(),
        "/api/requests".into(),
        "/api/requests?q=valid".into(),
        "/api/export.jsonl".into(),
        "/api/export.har".into(),
        "/api/requests/424242".into(),
        "/nothing".into(),
    ];
    for id in &ids {
        targets.push(format!("/api/requests/{id}"));
        targets.push(format!("/api/requests/{id}/curl"));
    }
    for t in &targets {
        answers.push((format!("GET {t}"), ui.get(t)));
    }
    for (what, r) in &answers {
        assert_clean(what, &r.body, SECRET);
        let head: String = r
            .headers
            .iter()
            .map(|(n, v)| format!("{n}: {v}\n"))
            .collect();
        assert_clean(&format!("{what} (headers)"), head.as_bytes(), SECRET);
    }
    events.close();
    let raw = Events::open(&ui.addr, &format!("Host: {}\r\n", ui.addr));
    assert_clean("the event stream's head", raw.head.as_bytes(), SECRET);
    raw.close();
    let stopped = ui.listener.interrupt();
    assert_clean("stdout", stopped.stdout_text().as_bytes(), SECRET);
    assert_clean("stderr", stopped.stderr_text().as_bytes(), SECRET);
}

/// The local IPv4 address of this machine's default route, if it has one that is not
/// loopback (no packet is sent: connecting a UDP socket only picks the route).
fn other_local_address() -> Option<std::net::IpAddr> {
    let s = std::net::UdpSocket::bind("0.0.0.0:0").ok()?;
    s.connect("192.0.2.1:9").ok()?;
    let ip = s.local_addr().ok()?.ip();
    (!ip.is_loopback() && !ip.is_unspecified()).then_some(ip)
}

/// The local address of the socket listening on `port`, from /proc/net/tcp (Linux).
fn listening_address(port: u16) -> Option<String> {
    let table = std::fs::read_to_string("/proc/net/tcp").ok()?;
    table.lines().skip(1).find_map(|l| {
        let cols: Vec<&str> = l.split_whitespace().collect();
        let (addr, state) = (cols.get(1)?, cols.get(3)?);
        let (ip, p) = addr.split_once(':')?;
        (*state == "0A" && u16::from_str_radix(p, 16).ok()? == port).then(|| {
            let n = u32::from_str_radix(ip, 16).unwrap_or(0);
            std::net::Ipv4Addr::from(n.to_le_bytes()).to_string()
        })
    })
}

#[test]
fn host_0_0_0_0_exposes_the_webhook_port_but_not_the_inspector() {
    let dir = TempDir::new().unwrap();
    let ui = Ui::start(dir.path(), &["--host", "0.0.0.0"], true);
    assert!(ui.listener.url.contains("0.0.0.0"), "{}", ui.listener.url);
    let webhook_port: u16 = ui
        .listener
        .addr
        .rsplit(':')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    if cfg!(target_os = "linux") {
        assert_eq!(listening_address(webhook_port).as_deref(), Some("0.0.0.0"));
        assert_eq!(listening_address(ui.port).as_deref(), Some("127.0.0.1"));
    }
    if let Some(ip) = other_local_address() {
        let timeout = std::time::Duration::from_secs(5);
        // The webhook port answers on that address (so the check below can fail) ...
        assert!(
            std::net::TcpStream::connect_timeout(&(ip, webhook_port).into(), timeout).is_ok(),
            "the webhook port is not reachable on {ip}"
        );
        // ... the inspector does not.
        assert!(
            std::net::TcpStream::connect_timeout(&(ip, ui.port).into(), timeout).is_err(),
            "the inspector is reachable on {ip}:{}",
            ui.port
        );
    }
    assert_eq!(ui.get("/api/requests").status, 200);
}

#[test]
fn a_ninth_event_stream_gets_503_and_an_oversized_post_413() {
    let dir = TempDir::new().unwrap();
    let ui = Ui::start(dir.path(), &["--max-body", "1000"], true);
    let open: Vec<Events> = (0..8).map(|_| ui.events()).collect();
    for e in &open {
        assert_eq!(e.status, 200, "{}", e.head);
        assert!(e.head.contains("text/event-stream"), "{}", e.head);
    }
    let ninth = ui.events();
    assert_eq!(ninth.status, 503, "{}", ninth.head);
    ninth.close();
    // Closing one makes room again (its thread notices the closed connection).
    let mut open = open;
    open.pop().unwrap().close();
    let deadline = std::time::Instant::now() + crate::support::listen::PATIENCE;
    loop {
        // A new request is written to every stream: the closed one fails and leaves.
        ui.listener
            .post_signed(SECRET, &text_message("wamid.ROOM", "room"));
        let e = ui.events();
        if e.status == 200 {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "no room after closing a stream"
        );
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    // API bodies are bounded by max(1 MiB, --max-body).
    let before = ui.list("").len();
    let big = vec![b'x'; (1 << 20) + 10];
    let r = ui.request(
        "POST",
        "/api/replay",
        &[
            ("X-Cmzon-Token", &ui.token),
            ("Content-Type", "application/json"),
        ],
        &big,
    );
    assert_eq!(r.status, 413, "{}", r.text());
    assert_eq!(ui.list("").len(), before, "nothing was replayed");
    for e in open {
        e.close();
    }
    // Open streams do not hold up the exit.
    let _keep = ui.events();
    let started = std::time::Instant::now();
    let stopped = ui.listener.interrupt();
    assert!(stopped.status.success());
    assert!(
        started.elapsed() < std::time::Duration::from_secs(10),
        "{:?}",
        started.elapsed()
    );
}

#[test]
fn every_answer_carries_the_no_store_nosniff_and_csp_headers() {
    let dir = TempDir::new().unwrap();
    let ui = Ui::start(dir.path(), &[], true);
    for t in ["/", "/app.js", "/style.css", "/api/requests", "/nothing"] {
        let r = ui.get(t);
        assert_eq!(r.header("Cache-Control"), Some("no-store"), "{t}");
        assert_eq!(r.header("X-Content-Type-Options"), Some("nosniff"), "{t}");
        let csp = r.header("Content-Security-Policy").unwrap_or("");
        assert!(
            csp.contains("frame-ancestors 'none'") && csp.contains("script-src 'self'"),
            "{t}: {csp}"
        );
    }
    let e = ui.events();
    assert!(e.head.contains("Cache-Control: no-store"), "{}", e.head);
    e.close();
    // The token is per run.
    let dir2 = TempDir::new().unwrap();
    let other = Ui::start(dir2.path(), &[], true);
    assert_ne!(ui.token, other.token);
    // A foreign Origin on the event stream is refused too.
    let refused = Events::open(
        &ui.addr,
        &format!("Host: {}\r\nOrigin: http://attacker.example\r\n", ui.addr),
    );
    assert_eq!(refused.status, 403, "{}", refused.head);
}
