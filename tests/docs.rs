//! The completion scripts under `completions/` and the man page (`completions/cmzon-hook.1`) are generated
//! from the CLI; these tests fail when they are out of date.
//! Refresh them with: `CMZON_HOOK_UPDATE_DOCS=1 cargo test --test docs`.

use std::path::PathBuf;

use assert_cmd::Command;

fn check_generated(args: &[&str], rel_path: &str) {
    let out = Command::cargo_bin("cmzon-hook")
        .unwrap()
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!out.stdout.is_empty(), "{args:?} printed nothing");
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(rel_path);
    if std::env::var_os("CMZON_HOOK_UPDATE_DOCS").is_some() {
        std::fs::write(&path, &out.stdout).unwrap();
        return;
    }
    let committed = std::fs::read(&path).unwrap_or_default();
    assert!(
        committed == out.stdout,
        "{rel_path} is out of date with the CLI; run: CMZON_HOOK_UPDATE_DOCS=1 cargo test --test docs"
    );
}

#[test]
fn completions_are_current() {
    for (shell, file) in [
        ("bash", "completions/cmzon-hook.bash"),
        ("zsh", "completions/_cmzon-hook"),
        ("fish", "completions/cmzon-hook.fish"),
        ("powershell", "completions/_cmzon-hook.ps1"),
        ("elvish", "completions/cmzon-hook.elv"),
    ] {
        check_generated(&["completions", shell], file);
    }
}

#[test]
fn man_page_is_current() {
    check_generated(&["man"], "completions/cmzon-hook.1");
}

#[test]
fn unknown_shell_is_a_usage_error() {
    let out = Command::cargo_bin("cmzon-hook")
        .unwrap()
        .args(["completions", "tcsh"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    assert!(String::from_utf8_lossy(&out.stderr).contains("tcsh"));
}
