//! Helpers shared by the integration tests, one module per area.
#![allow(dead_code)]

pub mod certs;
pub mod core;
pub mod fixtures;
pub mod harden;
pub mod lint;
pub mod listen;
pub mod send;

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

/// [`hermetic`] as a `std::process::Command`, for a test that spawns the binary and talks to
/// it while it runs (no timeout: the test owns the child).
pub fn hermetic_process(dir: &Path) -> std::process::Command {
    let mut cmd = std::process::Command::new(assert_cmd::cargo::cargo_bin("cmzon-hook"));
    for v in AMBIENT_ENV {
        cmd.env_remove(v);
    }
    cmd.env("NO_COLOR", "1").current_dir(dir);
    cmd
}

/// `cmzon-hook` run in `dir` (so no stray `cmzon-hook.toml` applies), with none of
/// [`AMBIENT_ENV`], colors off, and killed after 60 s so a hang fails instead of blocking CI.
pub fn hermetic(dir: &Path) -> assert_cmd::Command {
    let mut cmd = assert_cmd::Command::cargo_bin("cmzon-hook").expect("binary is built");
    for v in AMBIENT_ENV {
        cmd.env_remove(v);
    }
    cmd.env("NO_COLOR", "1")
        .current_dir(dir)
        .timeout(Duration::from_secs(60));
    cmd
}
