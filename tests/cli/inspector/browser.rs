//! The inspector page (`listen --ui`) in a real headless Chromium, used as a person would:
//! `tests/browser/inspector.mjs` drives Debian's `/usr/bin/chromium` through playwright-core
//! (pinned in `tests/browser/package-lock.json`; `bash .ci/run` installs it). This side starts
//! the real binary, sends real fixtures before the page opens, runs the script, and checks
//! what the page produced (the copied curl command's request, the exported JSONL) with the
//! binary itself.
//!
//! `CMZON_HOOK_SCREENSHOT=1 cargo test --test cli inspector::browser` also rewrites
//! `tests/data/inspector.png`, the screenshot README shows.

use crate::support::{
    self,
    listen::{App, Listener, PATIENCE},
};

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use serde_json::Value;

const SECRET: &str = "Zq9-inspector-browser-secret";
const CHROMIUM: &str = "/usr/bin/chromium";

/// What the browser test needs besides cargo; `None` when all is there, else what is missing.
fn missing_tools() -> Option<String> {
    let mut missing = Vec::new();
    let node = Command::new("node").arg("--version").output();
    if !node.is_ok_and(|o| o.status.success()) {
        missing.push("node");
    }
    if !Path::new(CHROMIUM).exists() {
        missing.push(CHROMIUM);
    }
    if !browser_dir()
        .join("node_modules/playwright-core/package.json")
        .exists()
    {
        missing.push("tests/browser/node_modules");
    }
    (!missing.is_empty()).then(|| missing.join(", "))
}

fn browser_dir() -> PathBuf {
    support::source_tree().join("tests/browser")
}

/// True when the test must not run: tools are missing and `CMZON_HOOK_SKIP_BROWSER=1` asks
/// for the skip explicitly. Missing tools without it fail the test, naming `bash .ci/run`.
fn skip() -> bool {
    let Some(missing) = missing_tools() else {
        return false;
    };
    if std::env::var("CMZON_HOOK_SKIP_BROWSER").is_ok_and(|v| v == "1") {
        eprintln!("skipped: browser test needs {missing} (CMZON_HOOK_SKIP_BROWSER=1)");
        return true;
    }
    panic!(
        "the browser test needs {missing}: run `bash .ci/run` (or `npm ci --prefix tests/browser`), or set CMZON_HOOK_SKIP_BROWSER=1 to skip it"
    );
}

/// `Inspector: http://127.0.0.1:PORT/` from listen's stderr.
fn inspector_url(l: &Listener) -> String {
    let lines = l.stderr.wait_for("the Inspector: line", |ls| {
        ls.iter().any(|x| x.starts_with("Inspector: "))
    });
    let line = lines
        .iter()
        .find(|x| x.starts_with("Inspector: "))
        .expect("found");
    let url = line["Inspector: ".len()..].trim().to_string();
    assert!(url.starts_with("http://127.0.0.1:"), "{line}");
    url
}

/// `cmzon-hook send NAME --to URL --secret KEY --expect EXPECT`, asserting its exit 0.
fn send(dir: &Path, url: &str, name: &str, key: &str, expect: &str) {
    send_with(dir, url, &[name], key, expect);
}

/// [`send`] with more arguments.
fn send_with(dir: &Path, url: &str, args: &[&str], key: &str, expect: &str) {
    support::cmzon(dir)
        .arg("send")
        .args(args)
        .args(["--to", url, "--secret", key, "--expect", expect])
        .assert()
        .success();
}

/// Run `node tests/browser/SCRIPT` with `envs`; its `RESULT` JSON, after asserting it passed.
fn run_script(script: &str, dir: &Path, l: &Listener, envs: &[(&str, &std::ffi::OsStr)]) -> Value {
    let started = Instant::now();
    let mut cmd = assert_cmd::Command::new("node");
    cmd.arg(browser_dir().join(script))
        .current_dir(dir)
        .env("CMZON_HOOK_TEST_SECRET", SECRET)
        .env("CHROMIUM", CHROMIUM)
        .env_remove("CMZON_WEBHOOK_SECRET")
        .timeout(Duration::from_secs(240));
    for (k, v) in envs {
        cmd.env(k, v);
    }
    let out = cmd.output().expect("node runs");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(
        out.status.success(),
        "tests/browser/{script} failed ({:?}):\n{stdout}\n{stderr}\nlisten stderr:\n{}",
        out.status,
        l.stderr.snapshot().join("\n")
    );
    eprintln!(
        "tests/browser/{script} took {:.1} s:\n{stdout}",
        started.elapsed().as_secs_f64()
    );
    stdout
        .lines()
        .find_map(|x| x.strip_prefix("RESULT "))
        .map(|j| serde_json::from_str(j).expect("RESULT is JSON"))
        .unwrap_or_else(|| panic!("no RESULT line:\n{stdout}"))
}

#[test]
fn the_page_lists_opens_replays_filters_copies_and_exports() {
    if skip() {
        return;
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let l = Listener::start(
        dir.path(),
        &["--ui", "--ui-port", "0", "--secret", SECRET, "--json"],
        &[],
    );
    let inspector = inspector_url(&l);

    // Before the page opens: several kinds, one forged (wrong secret), one unsigned and not
    // UTF-8, one delivered twice. Numbers #1..#8 in this order.
    send(dir.path(), &l.url, "messages", SECRET, "2xx");
    send(dir.path(), &l.url, "message_text", SECRET, "2xx");
    send(dir.path(), &l.url, "status_delivered", SECRET, "2xx");
    send(dir.path(), &l.url, "message_image", "not-the-secret", "401");
    let reply = l.post(
        b"{\"bytes\":\"\xff\xfe not UTF-8\"}",
        &[("Content-Type", "application/json")],
    );
    assert_eq!(reply.status, 401, "unsigned is refused: {}", reply.text());
    send(dir.path(), &l.url, "errors", SECRET, "2xx");
    send_with(
        dir.path(),
        &l.url,
        &["message_reaction", "--duplicate", "1"],
        SECRET,
        "2xx",
    );
    l.wait_stdout(8);

    let export = dir.path().join("export.jsonl");
    let export_checked = dir.path().join("checked.jsonl");
    let har_path = dir.path().join("export.har");
    let screenshot = support::source_tree().join("tests/data/inspector.png");
    let take_screenshot = std::env::var("CMZON_HOOK_SCREENSHOT").is_ok_and(|v| v == "1");
    let result = run_script(
        "inspector.mjs",
        dir.path(),
        &l,
        &[
            ("INSPECTOR_URL", inspector.as_ref()),
            ("WEBHOOK_URL", l.url.as_ref()),
            (
                "CMZON_HOOK_BIN",
                assert_cmd::cargo::cargo_bin("cmzon-hook").as_os_str(),
            ),
            ("EXPORT_PATH", export.as_os_str()),
            ("EXPORT_CHECKED_PATH", export_checked.as_os_str()),
            ("HAR_PATH", har_path.as_os_str()),
            (
                "SCREENSHOT_PATH",
                if take_screenshot {
                    screenshot.as_os_str()
                } else {
                    "".as_ref()
                },
            ),
        ],
    );

    // The curl command the page copied reached listen and was valid there, not only on the page.
    let curl_id = result["curl_id"].as_u64().expect("curl_id");
    let records: Vec<Value> = l
        .stdout
        .snapshot()
        .iter()
        .filter_map(|x| serde_json::from_str(x).ok())
        .collect();
    let curl_rec = records
        .iter()
        .find(|r| r["id"].as_u64() == Some(curl_id))
        .unwrap_or_else(|| panic!("listen printed no #{curl_id}: {records:?}"));
    assert_eq!(curl_rec["signature"], "valid", "{curl_rec}");
    assert_eq!(curl_rec["status"], 200, "{curl_rec}");

    // The exported JSONL (the valid ones, filtered on the page) verifies with the secret.
    let exported = result["exported"].as_u64().expect("exported count");
    assert!(exported >= 5, "{result}");
    let text = std::fs::read_to_string(&export).expect("export saved");
    assert_eq!(text.lines().count() as u64, exported, "{text}");
    assert!(!text.contains(SECRET), "the export carries the secret");
    let verify = support::cmzon(dir.path())
        .args(["verify", "--secret", SECRET])
        .arg(&export)
        .output()
        .expect("verify runs");
    assert!(
        verify.status.success(),
        "verify of the page's export failed:\n{}\n{}",
        String::from_utf8_lossy(&verify.stdout),
        String::from_utf8_lossy(&verify.stderr)
    );
    // The checked ones only, as captured.
    let checked: Vec<Value> = std::fs::read_to_string(&export_checked)
        .expect("checked export saved")
        .lines()
        .map(|x| serde_json::from_str(x).expect("a capture line"))
        .collect();
    let ids: Vec<u64> = checked.iter().filter_map(|c| c["id"].as_u64()).collect();
    assert_eq!(ids, [1, 2], "{checked:?}");
    // HAR 1.2 with one entry per exported request.
    let har: Value = serde_json::from_str(&std::fs::read_to_string(&har_path).expect("HAR saved"))
        .expect("the HAR is JSON");
    assert_eq!(har["log"]["version"], "1.2", "{har}");
    assert_eq!(
        har["log"]["entries"].as_array().map(Vec::len),
        Some(exported as usize),
        "{har}"
    );
    if take_screenshot {
        let size = std::fs::metadata(&screenshot)
            .expect("screenshot written")
            .len();
        assert!(size < 300 * 1024, "screenshot is {size} bytes");
    }
}

/// A capture line as `listen --save` writes it, signed with [`SECRET`].
fn capture_line(id: u64, body: &str) -> String {
    let sig = format!(
        "sha256={}",
        support::hmac_sha256_hex(SECRET.as_bytes(), body.as_bytes())
    );
    serde_json::json!({
        "id": id,
        "received_at": "2026-12-01T09:00:00.000Z",
        "remote_addr": "127.0.0.1:40000",
        "method": "POST",
        "path": "/webhook",
        "query": "",
        "headers": [
            ["Host", "127.0.0.1:3000"],
            ["Content-Type", "application/json"],
            ["X-Hub-Signature-256", sig],
            ["Content-Length", body.len().to_string()],
        ],
        "body": body,
    })
    .to_string()
}

#[test]
fn saved_history_the_dropped_notice_and_forwarding_show_on_the_page() {
    if skip() {
        return;
    }
    let dir = tempfile::tempdir().expect("temp dir");
    // An earlier run's capture with more requests than the inspector keeps (10,000).
    let saved: u64 = 10_003;
    let cap = dir.path().join("cap.jsonl");
    let mut text = String::new();
    for id in 1..=saved {
        let body = format!(r#"{{"object":"whatsapp_business_account","entry":[],"n":{id}}}"#);
        text.push_str(&capture_line(id, &body));
        text.push('\n');
    }
    std::fs::write(&cap, text).expect("capture written");
    let app = App::start(200, "app says ok");
    let cap_arg = cap.to_str().expect("UTF-8 path");
    let l = Listener::start(
        dir.path(),
        &[
            "--ui",
            "--ui-port",
            "0",
            "--secret",
            SECRET,
            "--save",
            cap_arg,
            "--forward-to",
            &app.url,
        ],
        &[],
    );
    let inspector = inspector_url(&l);
    send(dir.path(), &l.url, "messages", SECRET, "2xx");
    let (_, live_body) = app
        .received
        .recv_timeout(PATIENCE)
        .expect("the app got the live one");
    let live = saved + 1;
    // 10,003 loaded and one live: the 4 oldest are out of view.
    let dropped = saved + 1 - 10_000;
    let result = run_script(
        "history.mjs",
        dir.path(),
        &l,
        &[
            ("INSPECTOR_URL", inspector.as_ref()),
            ("LIVE_ID", live.to_string().as_ref()),
            ("WEBHOOK_URL", l.url.as_ref()),
            (
                "CMZON_HOOK_BIN",
                assert_cmd::cargo::cargo_bin("cmzon-hook").as_os_str(),
            ),
            ("DROPPED", dropped.to_string().as_ref()),
        ],
    );
    assert!(
        result["replay_id"].as_u64().is_some_and(|id| id > live),
        "{result}"
    );
    // The replay reached the app re-signed, the body byte for byte.
    let (headers, body) = app
        .received
        .recv_timeout(PATIENCE)
        .expect("the app got the replay");
    assert_eq!(body, live_body, "the replay's body is the original's");
    let sig = headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case("X-Hub-Signature-256"))
        .map(|(_, v)| v.clone());
    assert_eq!(
        sig,
        Some(format!(
            "sha256={}",
            support::hmac_sha256_hex(SECRET.as_bytes(), &body)
        )),
        "re-signed with the secret"
    );
}
