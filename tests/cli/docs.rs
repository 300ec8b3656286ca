//! The completion scripts under `completions/` and the man page (`completions/cmzon-hook.1`) are generated
//! from the CLI; these tests fail when they are out of date.
//! Refresh them with: `CMZON_HOOK_UPDATE_DOCS=1 cargo test --test cli docs::`.

use crate::support::{cmzon, source_tree};

fn check_generated(args: &[&str], rel_path: &str) {
    let out = cmzon(source_tree()).args(args).output().unwrap();
    assert!(
        out.status.success(),
        "{args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!out.stdout.is_empty(), "{args:?} printed nothing");
    let path = source_tree().join(rel_path);
    if std::env::var_os("CMZON_HOOK_UPDATE_DOCS").is_some() {
        std::fs::write(&path, &out.stdout).unwrap();
        return;
    }
    let committed = std::fs::read(&path).unwrap_or_default();
    assert!(
        committed == out.stdout,
        "{rel_path} is out of date with the CLI; run: CMZON_HOOK_UPDATE_DOCS=1 cargo test --test cli docs::"
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
    let out = cmzon(source_tree())
        .args(["completions", "tcsh"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    assert!(String::from_utf8_lossy(&out.stderr).contains("tcsh"));
}
