//! Hostile servers: `send` under fault. Servers that reset, close without answering, answer
//! garbage or half an answer, trickle, redirect, or present an expired or wrong-host
//! certificate. Each gives the documented outcome (`send --help`): exit 1 with the error
//! kind named, never a panic, never a followed redirect, retries only where documented
//! (connection errors, timeouts, 5xx; not TLS failures, not 3xx).
//!
//! The parent module `send` already covers: 5xx then 2xx with --retries, a hanging server with
//! --timeout, a 302 redirect, an untrusted CA, an unresolvable host.

use crate::support;

use std::io::Write;
use std::net::TcpStream;
use std::time::{Duration, Instant};

use crate::support::certs::{TlsServer, Validity};
use crate::support::cmzon;
use crate::support::faults::{answer, read_request, reset};
use crate::support::send::{Server, SECRET};
use crate::support::server::LocalServer;
use serde_json::Value;

struct Sent {
    code: i32,
    lines: Vec<Value>,
    stderr: String,
    took: Duration,
}

impl Sent {
    fn delivery(&self) -> &Value {
        &self.lines[0]
    }
    fn summary(&self) -> &Value {
        &self.lines.last().expect("a summary line")["summary"]
    }
    fn error(&self) -> String {
        self.delivery()["error"]
            .as_str()
            .unwrap_or_default()
            .to_string()
    }
}

/// `send messages --to URL --json ARGS` with the test secret.
fn send(url: &str, args: &[&str]) -> Sent {
    let dir = tempfile::tempdir().unwrap();
    let t = Instant::now();
    let out = cmzon(dir.path())
        .env("CMZON_WEBHOOK_SECRET", SECRET)
        .args(["send", "messages", "--to", url, "--json"])
        .args(args)
        .output()
        .expect("send runs");
    let took = t.elapsed();
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(
        !stderr.contains("panicked") && !stdout.contains(SECRET) && !stderr.contains(SECRET),
        "{stderr}"
    );
    let lines = stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON: {l}: {e}")))
        .collect();
    Sent {
        code: out.status.code().unwrap_or(-1),
        lines,
        stderr,
        took,
    }
}

fn retries(n: u32) -> [String; 4] {
    [
        "--retries".into(),
        n.to_string(),
        "--backoff-ms".into(),
        "1".into(),
    ]
}

fn refs(a: &[String]) -> Vec<&str> {
    a.iter().map(String::as_str).collect()
}

#[test]
fn a_server_that_resets_is_a_connection_error_and_is_retried() {
    let server = LocalServer::start(|_, s| reset(s));
    let r = send(&server.url("/hook"), &refs(&retries(2)));
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert_eq!(server.connections(), 3, "one attempt and two retries");
    assert_eq!(r.delivery()["attempts"], 3);
    assert_eq!(r.delivery()["ok"], false);
    assert_eq!(r.delivery()["status"], Value::Null);
    assert!(
        r.error().contains("reset") || r.error().contains("closed the connection"),
        "{}",
        r.error()
    );
    let errors = r.summary()["errors"].as_object().unwrap();
    assert_eq!(errors.values().map(|v| v.as_u64().unwrap()).sum::<u64>(), 1);
    assert!(
        errors.contains_key("connect") || errors.contains_key("other"),
        "{errors:?}"
    );

    // Reset once, then answer: the retry delivers.
    let server = LocalServer::start(|n, mut s| {
        if n == 0 {
            reset(s)
        } else {
            answer(&mut s, 200, "")
        }
    });
    let r = send(&server.url("/hook"), &refs(&retries(2)));
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(r.delivery()["attempts"], 2);
    assert_eq!(r.delivery()["status"], 200);
    assert_eq!(r.summary()["retries"], 1);
}

#[test]
fn a_server_that_closes_without_answering_names_the_cause() {
    let server = LocalServer::start(|_, mut s| {
        let _ = read_request(&mut s);
        // Orderly close, no answer.
    });
    let r = send(&server.url("/hook"), &[]);
    assert_eq!(r.code, 1);
    assert_eq!(server.connections(), 1, "no retries by default");
    assert!(
        r.error()
            .contains("closed the connection without answering"),
        "{}",
        r.error()
    );
    assert_eq!(r.summary()["errors"]["connect"], 1, "{}", r.summary());
}

#[test]
fn garbage_and_half_answers_are_failed_deliveries() {
    // (what the server writes after reading the request, what the error must say)
    let cases: [(&'static [u8], &str); 5] = [
        // Not HTTP, then EOF before any head could end.
        (
            b"SSH-2.0-OpenSSH_9.6\r\n",
            "closed before the response was complete",
        ),
        (b"SSH-2.0-OpenSSH_9.6\r\n\r\n", "invalid HTTP response"),
        (
            b"HTTP/1.1 2OO OK\r\nContent-Length: 0\r\n\r\n",
            "invalid HTTP response",
        ),
        // A status line, then a body cut short or mis-framed: the answer never completed.
        (
            b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly ten..",
            "closed before the response was complete",
        ),
        (
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
            "invalid HTTP response: bad chunk size",
        ),
    ];
    for (reply, needle) in cases {
        let server = LocalServer::start(move |_, mut s| {
            let _ = read_request(&mut s);
            let _ = s.write_all(reply);
        });
        let r = send(&server.url("/hook"), &["--timeout", "5"]);
        assert!(
            r.took < Duration::from_secs(4),
            "{:?}: took {:?}",
            String::from_utf8_lossy(reply),
            r.took
        );
        assert_eq!(r.code, 1, "{}", r.stderr);
        assert!(r.error().contains(needle), "{}", r.error());
        assert_eq!(r.delivery()["status"], Value::Null);
        assert_eq!(r.summary()["errors"]["other"], 1, "{}", r.summary());
    }

    // A head that never ends: bounded, not buffered forever.
    let server = LocalServer::start(|_, mut s| {
        let _ = read_request(&mut s);
        let _ = s.write_all(b"HTTP/1.1 200 OK\r\nX-Flood: ");
        let chunk = vec![b'a'; 64 * 1024];
        for _ in 0..64 {
            if s.write_all(&chunk).is_err() {
                break;
            }
        }
    });
    let r = send(&server.url("/hook"), &["--timeout", "5"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(r.took < Duration::from_secs(4), "took {:?}", r.took);

    // HTTP/1.0, close-delimited body: a normal success.
    let server = LocalServer::start(|_, mut s| {
        let _ = read_request(&mut s);
        let _ = s.write_all(b"HTTP/1.0 200 OK\r\n\r\nthanks");
    });
    let r = send(&server.url("/hook"), &[]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(r.delivery()["status"], 200);
}

#[test]
fn a_trickling_server_is_cut_off_at_the_timeout() {
    // One byte of the answer every 100 ms: each read succeeds, the whole takes ~4 s.
    let server = LocalServer::start(|_, mut s| {
        let _ = read_request(&mut s);
        for b in b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n" {
            if s.write_all(&[*b]).is_err() {
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    });
    let r = send(&server.url("/hook"), &["--timeout", "0.5"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(r.took < Duration::from_secs(3), "took {:?}", r.took);
    assert!(r.error().contains("timeout"), "{}", r.error());
    assert_eq!(r.summary()["errors"]["timeout"], 1);

    // Accepts, reads nothing, answers nothing: retried, each attempt bounded.
    let server = LocalServer::start(|_, s| {
        std::thread::sleep(Duration::from_secs(3));
        drop(s);
    });
    let r = send(
        &server.url("/hook"),
        &["--timeout", "0.3", "--retries", "1", "--backoff-ms", "1"],
    );
    assert_eq!(r.code, 1);
    assert_eq!(r.delivery()["attempts"], 2);
    assert!(r.took < Duration::from_secs(3), "took {:?}", r.took);
}

#[test]
fn every_redirect_is_a_failure_reported_with_its_location_and_never_retried() {
    let elsewhere = Server::ok();
    for (status, location) in [
        (301, elsewhere.url("/moved")),
        (307, elsewhere.url("/temporary")),
        (308, "/relative/path".to_string()),
    ] {
        let loc = location.clone();
        let server = Server::http(move |_, _| support::send::Action::redirect(status, &loc));
        let r = send(&server.url("/hook"), &refs(&retries(3)));
        assert_eq!(r.code, 1, "{status}");
        assert_eq!(server.requests().len(), 1, "{status}: 3xx is not retried");
        assert_eq!(r.delivery()["status"], status);
        assert_eq!(r.delivery()["attempts"], 1);
        assert!(r.error().contains(&location), "{status}: {}", r.error());
        assert_eq!(r.summary()["status"]["3xx"], 1, "{}", r.summary());
        assert!(r.stderr.contains("redirect"), "{}", r.stderr);
    }
    assert!(elsewhere.requests().is_empty(), "a redirect was followed");
}

fn tls_send(cert: &TlsServer, url: &str, extra: &[&str]) -> Sent {
    let dir = tempfile::tempdir().unwrap();
    let ca = dir.path().join("ca.pem");
    std::fs::write(&ca, &cert.ca_pem).unwrap();
    let mut args = vec!["--ca-cert", ca.to_str().unwrap()];
    args.extend_from_slice(extra);
    send(url, &args)
}

#[test]
fn expired_and_wrong_host_certificates_are_tls_failures_never_retried() {
    let expired = TlsServer::new(&["127.0.0.1", "localhost"], Validity::Expired);
    let server = Server::https(expired.server.clone(), |_, _| {
        support::send::Action::status(200)
    });
    let r = tls_send(&expired, &server.url("/hook"), &refs(&retries(2)));
    assert_eq!(r.code, 1);
    assert!(
        server.requests().is_empty(),
        "nothing sent over a bad connection"
    );
    assert_eq!(r.delivery()["attempts"], 1, "TLS failures are not retried");
    assert!(
        r.error().contains("TLS") && r.error().to_lowercase().contains("expired"),
        "{}",
        r.error()
    );
    assert_eq!(r.summary()["errors"]["tls"], 1);
    // --insecure is the documented way past it.
    let r = tls_send(&expired, &server.url("/hook"), &["--insecure"]);
    assert_eq!(r.code, 0, "{}", r.stderr);

    let other_host = TlsServer::new(&["webhooks.example.com"], Validity::Long);
    let server = Server::https(other_host.server.clone(), |_, _| {
        support::send::Action::status(200)
    });
    for url in [
        server.url("/hook"),
        server.url("/hook").replace("127.0.0.1", "localhost"),
    ] {
        let r = tls_send(&other_host, &url, &refs(&retries(2)));
        assert_eq!(r.code, 1, "{url}");
        assert_eq!(r.delivery()["attempts"], 1);
        assert!(
            r.error().contains("TLS") && r.error().contains("not valid for"),
            "{url}: {}",
            r.error()
        );
        assert_eq!(r.summary()["errors"]["tls"], 1);
    }
    assert!(server.requests().is_empty());
}

#[test]
fn wrong_scheme_either_way_is_a_clear_failure() {
    // https:// to a plain HTTP server, which answers the TLS hello with a 400 like most do.
    let plain = LocalServer::start(|_, mut s| {
        let mut hello = [0u8; 64];
        let _ = std::io::Read::read(&mut s, &mut hello);
        let _ = s.write_all(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n");
    });
    let r = send(&plain.https_url("/hook"), &[]);
    assert_eq!(r.code, 1);
    assert!(r.error().contains("does not speak TLS"), "{}", r.error());
    assert_eq!(r.summary()["errors"]["tls"], 1);

    // http:// to a TLS server: its answer is not HTTP.
    let cert = TlsServer::new(&["127.0.0.1"], Validity::Long);
    let tls = Server::https(cert.server.clone(), |_, _| {
        support::send::Action::status(200)
    });
    let r = send(
        &tls.url("/hook").replace("https://", "http://"),
        &["--timeout", "5"],
    );
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(r.took < Duration::from_secs(4));
    assert!(tls.requests().is_empty());
}

#[test]
fn faults_mid_run_do_not_stop_the_other_deliveries() {
    // Every third connection is reset; the rest answer. With keep-alive off on the server
    // side each delivery gets its own connection.
    let server = LocalServer::start(|n, mut s| {
        if n % 3 == 0 {
            reset(s)
        } else {
            answer(&mut s, 200, "")
        }
    });
    let r = send(&server.url("/hook"), &["--count", "9", "-c", "3"]);
    assert_eq!(r.code, 1, "some deliveries failed");
    let deliveries = &r.lines[..r.lines.len() - 1];
    assert_eq!(deliveries.len(), 9, "every delivery is reported");
    let ok = deliveries.iter().filter(|d| d["ok"] == true).count();
    assert!((5..=7).contains(&ok), "{ok} of 9 delivered: {deliveries:?}");
    assert_eq!(r.summary()["deliveries"], 9);
    // No connection left hanging.
    assert!(TcpStream::connect(server.addr).is_ok());
}
