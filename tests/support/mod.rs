//! Helpers shared by the integration tests, one module per area: the one way to start the
//! binary ([`cmzon`], [`cmzon_process`]), its outcome ([`Run`]), the one independent HMAC,
//! and the servers and certificates the tests run against (all on 127.0.0.1 port 0).
#![allow(dead_code)]

pub mod captures;
pub mod certs;
pub mod faults;
pub mod fixtures;
pub mod lint;
pub mod listen;
pub mod pty;
pub mod send;
pub mod server;

use std::path::Path;
use std::time::Duration;

/// Environment variables a developer's shell may carry that would change what the binary does.
pub const AMBIENT_ENV: [&str; 9] = [
    "CMZON_WEBHOOK_SECRET",
    "WEBHOOK_SECRET",
    "CMZON_WEBHOOK_URL",
    "HTTP_PROXY",
    "HTTPS_PROXY",
    "ALL_PROXY",
    "http_proxy",
    "https_proxy",
    "all_proxy",
];

/// `CMZON_HOOK_HEAVY=1` turns on the heavier variants (bigger bursts, more connections, 8x
/// the property-test cases).
pub fn heavy() -> bool {
    std::env::var("CMZON_HOOK_HEAVY").is_ok_and(|v| v == "1")
}

/// The package root (`CARGO_MANIFEST_DIR`): where `fixtures/`, `completions/` and
/// `tests/data/` live, and the directory `cargo test` runs tests in.
pub fn source_tree() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The one builder for `cmzon-hook` children the test talks to while they run (listeners,
/// pipes): run in `dir` (so no stray `cmzon-hook.toml` applies), with none of
/// [`AMBIENT_ENV`] and colors off. No timeout: the test owns the child.
pub fn cmzon_process(dir: &Path) -> std::process::Command {
    let mut cmd = std::process::Command::new(assert_cmd::cargo::cargo_bin("cmzon-hook"));
    for v in AMBIENT_ENV {
        cmd.env_remove(v);
    }
    cmd.env("NO_COLOR", "1").current_dir(dir);
    cmd
}

/// [`cmzon_process`] as an `assert_cmd::Command` for a run to completion (stdin, asserts),
/// killed after 60 s so a hang fails instead of blocking CI.
pub fn cmzon(dir: &Path) -> assert_cmd::Command {
    let mut cmd = assert_cmd::Command::from_std(cmzon_process(dir));
    cmd.timeout(Duration::from_secs(60));
    cmd
}

/// What a run printed, and how it ended.
#[derive(Debug)]
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    /// The outcome, with any non-UTF-8 output replaced (for tests that feed hostile bytes).
    pub fn lossy(out: std::process::Output) -> Run {
        Run {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }

    /// The outcome; panics unless stdout and stderr are UTF-8.
    pub fn utf8(out: std::process::Output) -> Run {
        Run {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8(out.stdout).expect("stdout is UTF-8"),
            stderr: String::from_utf8(out.stderr).expect("stderr is UTF-8"),
        }
    }

    /// Stdout as one JSON document (panics, showing both streams, when it is not).
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| {
            panic!(
                "stdout is not one JSON document ({e}):\n{}\nstderr:\n{}",
                self.stdout, self.stderr
            )
        })
    }

    /// Stdout as JSON values, one per line (panics on a non-JSON line).
    pub fn json_lines(&self) -> Vec<serde_json::Value> {
        self.stdout
            .lines()
            .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON: {l}: {e}")))
            .collect()
    }
}

/// Lowercase hex HMAC-SHA256, computed with the `hmac` crate, independently of the crate
/// under test.
pub fn hmac_sha256_hex(key: &[u8], body: &[u8]) -> String {
    use hmac::{KeyInit, Mac};
    let mut m = <hmac::Hmac<sha2::Sha256> as KeyInit>::new_from_slice(key).unwrap();
    m.update(body);
    m.finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}
