//! The inspector page (`listen --ui`) in a real headless Chromium, used as a person would:
//! `tests/browser/inspector.mjs` drives Debian's `/usr/bin/chromium` through playwright-core
//! (pinned in `tests/browser/package-lock.json`; `bash .ci/run` installs it). This side starts
//! the real binary, sends real fixtures before the page opens, runs the script, and checks
//! what the page produced (the copied curl command's request, the exported JSONL) with the
//! binary itself.
//!
//! `CMZON_HOOK_SCREENSHOT=1 cargo test --test cli inspector::browser` also rewrites
//! `tests/data/inspector.png`, the screenshot README shows.

use crate::support::{self, listen::Listener};

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
    support::cmzon(dir)
        .args([
            "send", name, "--to", url, "--secret", key, "--expect", expect,
        ])
        .assert()
        .success();
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
    // UTF-8. Numbers #1..#7 in this order.
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
    send(dir.path(), &l.url, "message_reaction", SECRET, "2xx");
    l.wait_stdout(7);

    let export = dir.path().join("export.jsonl");
    let screenshot = support::source_tree().join("tests/data/inspector.png");
    let take_screenshot = std::env::var("CMZON_HOOK_SCREENSHOT").is_ok_and(|v| v == "1");
    let started = Instant::now();
    let out = assert_cmd::Command::new("node")
        .arg(browser_dir().join("inspector.mjs"))
        .current_dir(dir.path())
        .env("INSPECTOR_URL", &inspector)
        .env("WEBHOOK_URL", &l.url)
        .env("CMZON_HOOK_BIN", assert_cmd::cargo::cargo_bin("cmzon-hook"))
        .env("CMZON_HOOK_TEST_SECRET", SECRET)
        .env("EXPORT_PATH", &export)
        .env(
            "SCREENSHOT_PATH",
            if take_screenshot {
                screenshot.as_os_str()
            } else {
                "".as_ref()
            },
        )
        .env("CHROMIUM", CHROMIUM)
        .env_remove("CMZON_WEBHOOK_SECRET")
        .timeout(Duration::from_secs(240))
        .output()
        .expect("node runs");
    let took = started.elapsed();
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(
        out.status.success(),
        "tests/browser/inspector.mjs failed ({:?}):\n{stdout}\n{stderr}\nlisten stderr:\n{}",
        out.status,
        l.stderr.snapshot().join("\n")
    );
    eprintln!("browser steps took {:.1} s:\n{stdout}", took.as_secs_f64());
    let result: Value = stdout
        .lines()
        .find_map(|x| x.strip_prefix("RESULT "))
        .map(|j| serde_json::from_str(j).expect("RESULT is JSON"))
        .unwrap_or_else(|| panic!("no RESULT line:\n{stdout}"));

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
    if take_screenshot {
        let size = std::fs::metadata(&screenshot)
            .expect("screenshot written")
            .len();
        assert!(size < 300 * 1024, "screenshot is {size} bytes");
    }
}
