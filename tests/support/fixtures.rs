//! Helpers for tests that need fixture payloads or the fixture catalogue on disk.
#![allow(dead_code)]

use std::path::PathBuf;

/// The `fixtures/` directory of the source tree.
pub fn fixtures_dir() -> PathBuf {
    super::source_tree().join("fixtures")
}

/// Names of the `*.json` files under `fixtures/` (without the extension), sorted.
pub fn fixture_files() -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(fixtures_dir())
        .expect("fixtures/ is readable")
        .map(|e| e.expect("directory entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .map(|p| {
            p.file_stem()
                .expect("file name")
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    names.sort();
    names
}

/// The exact wire bytes of a fresh render of a fixture (`fixtures show NAME --compact`),
/// with `--set` overrides.
pub fn render_compact(name: &str, sets: &[&str]) -> Vec<u8> {
    let mut cmd = super::cmzon(super::source_tree());
    cmd.args(["fixtures", "show", name, "--compact"]);
    for s in sets {
        cmd.args(["--set", s]);
    }
    let out = cmd.output().expect("cmzon-hook runs");
    assert!(
        out.status.success(),
        "fixtures show {name} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}
