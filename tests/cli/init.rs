//! `init`: refuses to prompt without a terminal, writes from flags, and walks a human
//! through the questions in a real pseudo-terminal (util-linux `script`).

use crate::support::pty::Pty;
use crate::support::{cmzon, source_tree};

#[test]
fn without_a_terminal_it_names_the_flags() {
    let dir = tempfile::tempdir().unwrap();
    let out = cmzon(source_tree())
        .current_dir(dir.path())
        .arg("init")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(
        err.starts_with("cmzon-hook: error: init needs a terminal"),
        "{err}"
    );
    assert!(
        err.contains("--url") && err.contains("--secret-env"),
        "{err}"
    );
    assert!(!dir.path().join("cmzon-hook.toml").exists());
}

#[test]
fn flags_write_a_config_that_commands_then_use() {
    let dir = tempfile::tempdir().unwrap();
    let out = cmzon(source_tree())
        .current_dir(dir.path())
        .args([
            "init",
            "--url",
            "https://hooks.example/webhook",
            "--secret-env",
            "APP_SECRET",
            "--port",
            "4100",
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = std::fs::read_to_string(dir.path().join("cmzon-hook.toml")).unwrap();
    assert!(
        text.contains("url = \"https://hooks.example/webhook\""),
        "{text}"
    );
    assert!(text.contains("secret_env = \"APP_SECRET\""), "{text}");
    assert!(text.contains("port = 4100"), "{text}");

    // The written config is live: `sign` takes the secret through secret_env.
    std::fs::write(dir.path().join("b"), b"x").unwrap();
    let out = cmzon(source_tree())
        .current_dir(dir.path())
        .env("APP_SECRET", "k")
        .args(["sign", "b"])
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8(out.stdout).unwrap().trim_end(),
        cmzon_hook::webhook::signature::sign(b"k", b"x")
    );

    // A second init does not clobber it without --force.
    let out = cmzon(source_tree())
        .current_dir(dir.path())
        .args(["init", "--url", "https://other.example/"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--force"));
    let out = cmzon(source_tree())
        .current_dir(dir.path())
        .args(["init", "--force", "--url", "https://other.example/"])
        .output()
        .unwrap();
    assert!(out.status.success());
    assert!(std::fs::read_to_string(dir.path().join("cmzon-hook.toml"))
        .unwrap()
        .contains("other.example"));
}

#[test]
fn json_output_has_the_path_and_config() {
    let dir = tempfile::tempdir().unwrap();
    let out = cmzon(source_tree())
        .current_dir(dir.path())
        .args([
            "init",
            "--json",
            "-q",
            "--url",
            "https://hooks.example/w",
            "--secret-env",
            "S",
        ])
        .output()
        .unwrap();
    assert!(out.status.success());
    assert!(
        out.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["path"], "cmzon-hook.toml");
    assert_eq!(doc["config"]["url"], "https://hooks.example/w");
    assert_eq!(doc["config"]["secret_env"], "S");
}

#[test]
fn bad_flag_values_are_usage_errors() {
    let dir = tempfile::tempdir().unwrap();
    let out = cmzon(source_tree())
        .current_dir(dir.path())
        .args(["init", "--url", "not a url"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let out = cmzon(source_tree())
        .current_dir(dir.path())
        .args(["init", "--secret-env", "A-B"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(!dir.path().join("cmzon-hook.toml").exists());
}

#[test]
fn interactive_walkthrough_in_a_pty() {
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("cmzon-hook.toml");
    let exe = assert_cmd::cargo::cargo_bin("cmzon-hook");
    let mut pty = Pty::spawn(
        &format!("{} init --output {}", exe.display(), target.display()),
        &dir.path().join("typescript"),
    );
    pty.expect("Webhook URL");
    pty.send("https://hooks.example/webhook\r");
    pty.expect("Where does the webhook secret come from?");
    pty.send("\r"); // first item: an environment variable
    pty.expect("Variable name");
    pty.send("MY_APP_SECRET\r");
    pty.expect("Verify token");
    pty.send("tok-123\r");
    pty.expect("Port for");
    pty.send("4321\r");
    pty.expect("Next, try:");
    let status = pty.child.wait().unwrap();
    assert!(status.success());
    let text = std::fs::read_to_string(&target).unwrap();
    for want in [
        "url = \"https://hooks.example/webhook\"",
        "secret_env = \"MY_APP_SECRET\"",
        "verify_token = \"tok-123\"",
        "port = 4321",
    ] {
        assert!(text.contains(want), "missing {want} in:\n{text}");
    }
}

/// Issue 14 point 19: the next-steps hint points at the port (and path) the config sets.
#[test]
fn next_steps_use_the_configured_port() {
    let dir = tempfile::tempdir().unwrap();
    let out = cmzon(source_tree())
        .current_dir(dir.path())
        .args(["init", "--port", "3100"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(
        err.contains("cmzon-hook send messages --to http://127.0.0.1:3100/webhook"),
        "{err}"
    );
    assert!(!err.contains(":3000"), "{err}");

    let out = cmzon(source_tree())
        .current_dir(dir.path())
        .args(["init", "--force", "--port", "4200", "--path", "/hooks/cm"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.contains("--to http://127.0.0.1:4200/hooks/cm"), "{err}");
}
