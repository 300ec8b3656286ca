//! End-to-end tests of `cmzon-hook demo`: the real binary runs the whole tour (endpoint,
//! deliveries, capture verification, lint) on a free loopback port and must finish by itself.

use std::net::TcpListener;
use std::path::Path;
use std::time::{Duration, Instant};

use crate::support::cmzon;
use assert_cmd::Command;
use cmzon_hook::webhook::fixtures;
use serde_json::Value;

/// The demo takes well under a second; this only bounds a hang.
const BOUND: Duration = Duration::from_secs(60);

/// `demo` with colors off, no proxy, and its temporary capture in `tmp`.
fn demo(tmp: &Path) -> Command {
    let mut c = cmzon(tmp);
    c.arg("demo")
        .env("TMPDIR", tmp)
        .env_remove("HTTP_PROXY")
        .env_remove("http_proxy")
        .env_remove("ALL_PROXY")
        .env_remove("all_proxy")
        .timeout(BOUND);
    c
}

/// An endpoint line: `TIME #N VERDICT KIND ...`, split into words.
fn endpoint_lines(stdout: &str, n: usize) -> Vec<Vec<&str>> {
    let id = format!("#{n}");
    stdout
        .lines()
        .map(|l| l.split_whitespace().collect::<Vec<_>>())
        .filter(|w| w.len() > 3 && w[1] == id && w[0].contains(':'))
        .collect()
}

fn files_in(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect()
}

#[test]
fn the_tour_shows_every_fixture_rejects_the_forgery_verifies_and_lints() {
    let tmp = tempfile::tempdir().unwrap();
    let started = Instant::now();
    let out = demo(tmp.path()).output().unwrap();
    let took = started.elapsed();
    let stdout = String::from_utf8(out.stdout).unwrap();
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "stdout:\n{stdout}\nstderr:\n{stderr}"
    );
    assert!(took < Duration::from_secs(30), "the demo took {took:?}");

    let catalogue = fixtures::catalogue();
    for (i, f) in catalogue.iter().enumerate() {
        let n = i + 1;
        // The endpoint's view: request #n, verified, with an event of the fixture's kind.
        let lines = endpoint_lines(&stdout, n);
        assert!(
            !lines.is_empty(),
            "no endpoint line for #{n} ({}):\n{stdout}",
            f.name
        );
        for w in &lines {
            assert_eq!(w[2], "valid", "#{n} {}: {w:?}", f.name);
            let answered = w[w.len() - 2] == "→" && w[w.len() - 1].parse::<u16>().is_ok();
            assert!(!answered, "#{n} {} was not answered 200: {w:?}", f.name);
        }
        let kinds: Vec<&str> = lines.iter().map(|w| w[3]).collect();
        match f.kind {
            "batch" => assert!(
                kinds.contains(&"message") && kinds.contains(&"status"),
                "{}: {kinds:?}",
                f.name
            ),
            // One line for the one account-level change (its wording is the event model's).
            "account" | "echo" => assert_eq!(kinds, ["account"], "{}", f.name),
            kind => assert!(kinds.iter().all(|k| *k == kind), "{}: {kinds:?}", f.name),
        }
        // The sender's view, named.
        let sent = format!("→ sent {} ({}): 200 OK in ", f.name, f.kind);
        assert!(stdout.contains(&sent), "missing `{sent}`:\n{stdout}");
    }

    // The forgery: the endpoint says invalid and answers 401, the sender sees the 401.
    let forged = endpoint_lines(&stdout, catalogue.len() + 1);
    assert_eq!(forged.len(), 1, "{stdout}");
    assert_eq!(forged[0][2], "invalid", "{forged:?}");
    assert_eq!(forged[0].last(), Some(&"401"), "{forged:?}");
    assert!(stdout.contains("signature mismatch"), "{stdout}");
    assert!(
        stdout
            .contains("→ sent forged messages (signed with a wrong secret): 401 Unauthorized in "),
        "{stdout}"
    );
    assert!(stdout.contains("✓ rejected, as it must be"), "{stdout}");
    assert!(endpoint_lines(&stdout, catalogue.len() + 2).is_empty());

    // The capture, read back.
    let verified = format!(
        "✓ capture verified: {} requests read back byte for byte; {} valid, 1 invalid",
        catalogue.len() + 1,
        catalogue.len()
    );
    assert!(
        stdout.contains(&verified),
        "missing `{verified}`:\n{stdout}"
    );

    // Lint: the table, HTTPS only a warning on loopback, nothing failing.
    assert!(
        stdout.contains("CHECK             RESULT  MESSAGE"),
        "{stdout}"
    );
    for check in [
        "reachable",
        "rejects-unsigned",
        "rejects-forged",
        "handshake",
    ] {
        assert!(
            stdout
                .lines()
                .any(|l| l.split_whitespace().take(2).eq([check, "PASS"])),
            "{check} did not pass:\n{stdout}"
        );
    }
    assert!(
        stdout.contains("https             WARN    plain HTTP"),
        "{stdout}"
    );
    let counts = stdout
        .lines()
        .find(|l| l.contains(" pass, ") && l.contains(" fail, "))
        .unwrap_or_else(|| panic!("no lint summary:\n{stdout}"));
    assert!(counts.contains(" 1 warn, 0 fail, "), "{counts}");

    // The narrative, on stderr only.
    for heading in [
        "1. listening on http://127.0.0.1:".to_string(),
        format!("2. sending {} fixtures + 1 forged", catalogue.len()),
        "3. verifying the capture".to_string(),
        "4. linting the endpoint".to_string(),
        "What you just saw".to_string(),
        "What to run next".to_string(),
        "demo: every step passed".to_string(),
    ] {
        assert!(stderr.contains(&heading), "missing `{heading}`:\n{stderr}");
        assert!(!stdout.contains(&heading), "`{heading}` on stdout");
    }
    // The temporary capture is gone.
    assert_eq!(files_in(tmp.path()), Vec::<String>::new());
}

#[test]
fn json_is_one_document_and_keep_keeps_the_capture() {
    let tmp = tempfile::tempdir().unwrap();
    let out = demo(tmp.path())
        .args(["--json", "--keep", "-q"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert_eq!(stderr, "", "-q: nothing on stderr");
    let doc: Value = serde_json::from_slice(&out.stdout).expect("stdout is one JSON document");
    let n = fixtures::catalogue().len();
    assert_eq!(doc["ok"], true, "{doc}");
    assert_eq!(doc["failed_steps"], Value::Array(vec![]));
    assert!(doc["url"]
        .as_str()
        .unwrap()
        .starts_with("http://127.0.0.1:"));

    let deliveries = doc["deliveries"].as_array().unwrap();
    assert_eq!(deliveries.len(), n + 1);
    for (d, f) in deliveries.iter().zip(fixtures::catalogue()) {
        assert_eq!(
            (d["fixture"].as_str(), d["kind"].as_str()),
            (Some(f.name), Some(f.kind))
        );
        assert_eq!(
            (d["status"].as_u64(), d["ok"].as_bool()),
            (Some(200), Some(true)),
            "{d}"
        );
    }
    let forged = &deliveries[n];
    assert_eq!(
        (forged["forged"].as_bool(), forged["status"].as_u64()),
        (Some(true), Some(401))
    );

    // The endpoint's own records (the `listen --json` schema), one per delivery.
    let requests = doc["requests"].as_array().unwrap();
    assert_eq!(requests.len(), n + 1);
    for (i, r) in requests.iter().enumerate() {
        let (sig, status) = if i < n {
            ("valid", 200)
        } else {
            ("invalid", 401)
        };
        assert_eq!(r["id"].as_u64(), Some(i as u64 + 1), "{r}");
        assert_eq!(
            (r["signature"].as_str(), r["status"].as_u64()),
            (Some(sig), Some(status))
        );
        assert!(!r["events"].as_array().unwrap().is_empty(), "{r}");
    }

    let capture = &doc["capture"];
    assert_eq!(capture["ok"], true, "{capture}");
    assert_eq!(
        (
            capture["requests"].as_u64(),
            capture["valid"].as_u64(),
            capture["invalid"].as_u64()
        ),
        (Some(n as u64 + 1), Some(n as u64), Some(1))
    );
    let kept = Path::new(capture["path"].as_str().expect("--keep gives the path"));
    let secret_file = capture["secret_file"]
        .as_str()
        .expect("--keep keeps the secret");
    assert_eq!(Path::new(secret_file).parent(), Some(tmp.path()));
    assert!(capture["verify_command"]
        .as_str()
        .unwrap()
        .ends_with(&format!("--secret-file {secret_file}")));
    assert_eq!(kept.parent(), Some(tmp.path()));
    let lines = std::fs::read_to_string(kept).unwrap();
    assert!(
        lines.lines().count() > n,
        "the deliveries and lint's probes"
    );

    assert_eq!(doc["lint"]["summary"]["fail"], 0, "{}", doc["lint"]);
    assert_eq!(doc["lint"]["checks"][0]["id"], "https");
    assert_eq!(doc["lint"]["checks"][0]["status"], "warn");
}

#[test]
fn a_port_in_use_is_a_usage_error() {
    let tmp = tempfile::tempdir().unwrap();
    let taken = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port().to_string();
    let out = demo(tmp.path()).args(["--port", &port]).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("cmzon-hook: error: cannot listen on 127.0.0.1:"),
        "{stderr}"
    );
    assert!(stderr.contains("already in use"), "{stderr}");
    assert!(stderr.contains("hint: "), "{stderr}");
    assert!(out.stdout.is_empty());
    assert_eq!(files_in(tmp.path()), Vec::<String>::new());
}

/// Issue 14 point 21: `demo --keep` keeps the random secret in a 0600 file beside the capture
/// and prints the exact verify command, which then verifies the tour's deliveries.
#[test]
fn keep_keeps_the_secret_and_prints_the_verify_command() {
    let tmp = tempfile::tempdir().unwrap();
    let out = demo(tmp.path()).arg("--keep").output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    let command = stderr
        .lines()
        .map(str::trim)
        .find(|l| l.starts_with("cmzon-hook verify ") && l.contains("--secret-file"))
        .unwrap_or_else(|| panic!("no verify command in:\n{stderr}"));
    let words: Vec<&str> = command.split(' ').collect();
    assert_eq!(words.len(), 5, "{command}");
    assert_eq!(words[3], "--secret-file", "{command}");
    let (capture, secret) = (Path::new(words[2]), Path::new(words[4]));
    assert_eq!(capture.parent(), Some(tmp.path()));
    assert_eq!(secret.parent(), Some(tmp.path()));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(secret).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "{mode:o}");
    }
    // The secret itself is never printed.
    let value = std::fs::read_to_string(secret).unwrap();
    assert!(value.len() >= 32 && !stderr.contains(&value));
    assert!(!String::from_utf8_lossy(&out.stdout).contains(&value));

    // The printed command works: every fixture delivery verifies valid with the kept secret.
    let out = cmzon(tmp.path())
        .args(&words[1..])
        .arg("--json")
        .output()
        .unwrap();
    let records: Vec<Value> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let valid = records.iter().filter(|r| r["valid"] == true).count();
    assert!(
        valid >= fixtures::catalogue().len(),
        "{valid} valid of {}: {}",
        records.len(),
        String::from_utf8_lossy(&out.stdout)
    );
}
