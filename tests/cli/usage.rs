//! Behaviour shared by every command: the error format, exit codes, help, broken pipes.

use std::process::Stdio;

use crate::support::{cmzon, cmzon_process, source_tree};

fn assert_usage_error(args: &[&str], needle: &str) {
    let out = cmzon(source_tree()).args(args).output().unwrap();
    assert_eq!(out.status.code(), Some(2), "{args:?}");
    assert!(out.stdout.is_empty(), "{args:?} wrote to stdout");
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.starts_with("cmzon-hook: error: "), "{args:?}: {err}");
    assert!(err.contains("\nhint: "), "{args:?}: {err}");
    assert!(err.contains(needle), "{args:?}: {err}");
}

#[test]
fn usage_errors_have_one_format_and_exit_2() {
    assert_usage_error(&["sign", "--bogus"], "--bogus");
    assert_usage_error(&["frobnicate"], "frobnicate");
    assert_usage_error(&["completions"], "<SHELL>");
    assert_usage_error(&["--color", "sometimes", "man"], "sometimes");
    assert_usage_error(
        &["sign", "--secret", "a", "--secret-file", "b"],
        "--secret-file",
    );
}

#[test]
fn help_and_version_exit_0_and_document_exit_codes() {
    let out = cmzon(source_tree()).arg("--help").output().unwrap();
    assert!(out.status.success());
    let help = String::from_utf8(out.stdout).unwrap();
    assert!(help.contains("Exit codes:"), "{help}");
    assert!(help.contains("CMZON_WEBHOOK_SECRET"));
    let out = cmzon(source_tree()).arg("--version").output().unwrap();
    assert!(out.status.success());
    assert!(String::from_utf8(out.stdout)
        .unwrap()
        .starts_with("cmzon-hook "));
}

#[test]
fn missing_secret_names_every_way_to_give_one() {
    let out = cmzon(source_tree())
        .env_remove("CMZON_WEBHOOK_SECRET")
        .env_remove("WEBHOOK_SECRET")
        .current_dir(tempfile::tempdir().unwrap().path())
        .arg("sign")
        .write_stdin("x")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8(out.stderr).unwrap();
    for way in [
        "--secret",
        "--secret-file",
        "CMZON_WEBHOOK_SECRET",
        "WEBHOOK_SECRET",
    ] {
        assert!(err.contains(way), "{err}");
    }
}

#[test]
fn a_closed_stdout_is_not_an_error() {
    let mut child = cmzon_process(source_tree())
        .arg("man")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take()); // the reader goes away, like `| head -0`
    let out = child.wait_with_output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "stderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        out.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn every_command_documents_its_exit_codes() {
    for cmd in [
        &["sign"][..],
        &["fixtures"],
        &["send"],
        &["listen"],
        &["verify"],
        &["lint"],
        &["completions"],
        &["man"],
        &["init"],
        &["demo"],
    ] {
        for flag in ["-h", "--help"] {
            let out = cmzon(source_tree()).args(cmd).arg(flag).output().unwrap();
            assert!(out.status.success(), "{cmd:?} {flag}");
            let help = String::from_utf8(out.stdout).unwrap();
            assert!(
                help.contains("Exit codes:") || help.contains("Exit status:"),
                "{cmd:?} {flag} lacks exit codes:\n{help}"
            );
        }
    }
}
