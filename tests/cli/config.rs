//! Config file precedence, end to end: flags > env > cmzon-hook.toml > defaults.
//! `sign` shows which secret won, since each source holds a different secret.

use crate::support;

use assert_cmd::Command;
use cmzon_hook::webhook::signature::sign;

const BODY: &[u8] = b"{\"object\":\"whatsapp_business_account\"}";

fn cmd(dir: &std::path::Path) -> Command {
    let mut c = support::cmzon(dir);
    c.env_remove("MY_SECRET");
    c
}

fn setup() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("body.json"), BODY).unwrap();
    std::fs::write(dir.path().join("secret.txt"), "from-config-file\n").unwrap();
    std::fs::write(
        dir.path().join("cmzon-hook.toml"),
        "secret_file = \"secret.txt\"\n",
    )
    .unwrap();
    dir
}

fn signed_with(dir: &std::path::Path, c: &mut Command, extra: &[&str]) -> String {
    let out = c
        .arg("sign")
        .arg(dir.join("body.json"))
        .args(extra)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)
        .unwrap()
        .trim_end()
        .to_string()
}

#[test]
fn config_file_in_working_directory_is_used() {
    let dir = setup();
    assert_eq!(
        signed_with(dir.path(), &mut cmd(dir.path()), &[]),
        sign(b"from-config-file", BODY)
    );
}

#[test]
fn env_beats_config_and_flag_beats_env() {
    let dir = setup();
    let mut c = cmd(dir.path());
    c.env("WEBHOOK_SECRET", "from-env");
    assert_eq!(
        signed_with(dir.path(), &mut c, &[]),
        sign(b"from-env", BODY)
    );
    let mut c = cmd(dir.path());
    c.env("WEBHOOK_SECRET", "from-env");
    let got = signed_with(dir.path(), &mut c, &["--secret", "from-flag"]);
    assert_eq!(got, sign(b"from-flag", BODY));
}

#[test]
fn explicit_config_and_secret_env_indirection() {
    let dir = setup();
    let other = dir.path().join("other.toml");
    std::fs::write(&other, "secret_env = \"MY_SECRET\"\n").unwrap();
    let mut c = cmd(dir.path());
    c.env("MY_SECRET", "from-named-env");
    let got = signed_with(dir.path(), &mut c, &["--config", other.to_str().unwrap()]);
    assert_eq!(got, sign(b"from-named-env", BODY));
}

#[test]
fn plain_secret_in_config_warns_without_echoing_it() {
    let dir = setup();
    std::fs::write(
        dir.path().join("cmzon-hook.toml"),
        "secret = \"Plain-Secret-123\"\n",
    )
    .unwrap();
    let out = cmd(dir.path())
        .arg("sign")
        .arg("body.json")
        .output()
        .unwrap();
    assert!(out.status.success());
    assert_eq!(
        String::from_utf8(out.stdout).unwrap().trim_end(),
        sign(b"Plain-Secret-123", BODY)
    );
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(
        err.contains("warning") && err.contains("plain text"),
        "{err}"
    );
    assert!(!err.contains("Plain-Secret-123"));
}

#[test]
fn bad_config_is_a_usage_error_naming_file_and_line() {
    let dir = setup();
    std::fs::write(
        dir.path().join("cmzon-hook.toml"),
        "url = \"x\"\nport = 3\n",
    )
    .unwrap();
    let out = cmd(dir.path())
        .args(["sign", "body.json", "--secret", "k"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.starts_with("cmzon-hook: error: "), "{err}");
    assert!(err.contains("cmzon-hook.toml:2"), "{err}");
    assert!(err.contains("hint: "), "{err}");

    let out = cmd(dir.path())
        .args(["sign", "body.json", "--config", "missing.toml"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("missing.toml"));
}

/// Issue 14 point 18: a misspelt key is named, with the closest valid key.
#[test]
fn unknown_key_is_named_with_the_closest_valid_key() {
    let dir = setup();
    std::fs::write(
        dir.path().join("cmzon-hook.toml"),
        "secret-env = \"MY_APP_SECRET\"\n",
    )
    .unwrap();
    let out = cmd(dir.path())
        .args(["sign", "body.json", "--secret", "k"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(
        err.contains("cmzon-hook.toml:1: unknown key `secret-env` (did you mean `secret_env`?)"),
        "{err}"
    );

    std::fs::write(
        dir.path().join("cmzon-hook.toml"),
        "[listen]\nprot = 3100\n",
    )
    .unwrap();
    let out = cmd(dir.path())
        .args(["sign", "body.json", "--secret", "k"])
        .output()
        .unwrap();
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(
        err.contains("cmzon-hook.toml:2: unknown key `prot` (did you mean `port`?)"),
        "{err}"
    );

    // A key valid in another table says where it goes; a secret pasted as a key is not echoed.
    std::fs::write(dir.path().join("cmzon-hook.toml"), "port = 3100\n").unwrap();
    let out = cmd(dir.path())
        .args(["sign", "body.json", "--secret", "k"])
        .output()
        .unwrap();
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(
        err.contains("unknown key `port` (it belongs under [listen])"),
        "{err}"
    );
    std::fs::write(dir.path().join("cmzon-hook.toml"), "Zq8vK2pLm9 = 1\n").unwrap();
    let out = cmd(dir.path())
        .args(["sign", "body.json", "--secret", "k"])
        .output()
        .unwrap();
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.contains("unknown key"), "{err}");
    assert!(!err.contains("Zq8vK2pLm9"), "{err}");
}
