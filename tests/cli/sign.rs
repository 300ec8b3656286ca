//! `cmzon-hook sign`: exact output, every secret source, errors, and no secret in any output.

use crate::support::captures::*;
use crate::support::{cmzon, source_tree};

fn dir() -> tempfile::TempDir {
    tempfile::tempdir().unwrap()
}

#[test]
fn prints_exactly_the_signature_of_a_file_and_of_stdin() {
    let d = dir();
    std::fs::write(d.path().join("m.json"), VECTOR_MESSAGES).unwrap();
    let mut c = cmzon(d.path());
    c.args(["sign", "--secret", VECTOR_SECRET, "m.json"]);
    let r = run(c, VECTOR_SECRET);
    assert_eq!(r.code, 0);
    assert_eq!(r.stdout, format!("{SIG_MESSAGES}\n"));
    assert_eq!(r.stderr, "");

    for (body, sig) in [
        (VECTOR_ESCAPED, SIG_ESCAPED),
        (VECTOR_UNESCAPED, SIG_UNESCAPED),
    ] {
        for args in [
            &["sign", "--secret", VECTOR_SECRET][..],
            &["sign", "--secret", VECTOR_SECRET, "-"],
        ] {
            let mut c = cmzon(d.path());
            c.args(args).write_stdin(body);
            let r = run(c, VECTOR_SECRET);
            assert_eq!(
                (r.code, r.stdout.as_str()),
                (0, format!("{sig}\n").as_str())
            );
        }
    }

    let mut c = cmzon(d.path());
    c.args(["sign", "--secret", "It's a Secret to Everybody"])
        .write_stdin("Hello, World!");
    let r = run(c, "It's a Secret to Everybody");
    assert_eq!(
        r.stdout,
        "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17\n"
    );
}

#[test]
fn header_flag_prints_the_whole_header_line() {
    let d = dir();
    let mut c = cmzon(d.path());
    c.args(["sign", "--header", "--secret", VECTOR_SECRET])
        .write_stdin(VECTOR_MESSAGES);
    let r = run(c, VECTOR_SECRET);
    assert_eq!(r.code, 0);
    assert_eq!(r.stdout, format!("X-Hub-Signature-256: {SIG_MESSAGES}\n"));
}

#[test]
fn empty_body_is_signed_too() {
    let d = dir();
    let mut c = cmzon(d.path());
    c.args(["sign", "--secret", SECRET]).write_stdin("");
    let r = run(c, SECRET);
    assert_eq!(r.code, 0);
    assert_eq!(
        r.stdout,
        format!(
            "{}\n",
            cmzon_hook::webhook::signature::sign(SECRET.as_bytes(), b"")
        )
    );
}

#[test]
fn secret_from_every_source() {
    let d = dir();
    let want = format!(
        "{}\n",
        cmzon_hook::webhook::signature::sign(SECRET.as_bytes(), VECTOR_MESSAGES)
    );
    std::fs::write(d.path().join("body.json"), VECTOR_MESSAGES).unwrap();
    // A secret file written with echo: the trailing newline is not part of the secret.
    std::fs::write(d.path().join("secret.txt"), format!("{SECRET}\n")).unwrap();

    let mut flag = cmzon(d.path());
    flag.args(["sign", "--secret", SECRET, "body.json"]);
    let mut file = cmzon(d.path());
    file.args(["sign", "--secret-file", "secret.txt", "body.json"]);
    let mut primary = cmzon(d.path());
    primary
        .env("CMZON_WEBHOOK_SECRET", SECRET)
        .args(["sign", "body.json"]);
    let mut fallback = cmzon(d.path());
    fallback
        .env("WEBHOOK_SECRET", SECRET)
        .args(["sign", "body.json"]);
    let mut both = cmzon(d.path());
    both.env("CMZON_WEBHOOK_SECRET", SECRET)
        .env("WEBHOOK_SECRET", "not-this-one")
        .args(["sign", "body.json"]);
    let mut flag_over_env = cmzon(d.path());
    flag_over_env
        .env("CMZON_WEBHOOK_SECRET", "not-this-one")
        .args(["sign", "--secret", SECRET, "body.json"]);
    for (what, c) in [
        ("--secret", flag),
        ("--secret-file", file),
        ("CMZON_WEBHOOK_SECRET", primary),
        ("WEBHOOK_SECRET", fallback),
        ("primary env over fallback", both),
        ("flag over env", flag_over_env),
    ] {
        let r = run(c, SECRET);
        assert_eq!(r.code, 0, "{what}: {r:?}");
        assert_eq!(r.stdout, want, "{what}");
        assert_eq!(r.stderr, "", "{what}");
    }
}

#[test]
fn missing_secret_exits_2_naming_the_three_ways() {
    let d = dir();
    let mut c = cmzon(d.path());
    c.arg("sign").write_stdin("{}");
    let r = run(c, SECRET);
    assert_eq!(r.code, 2);
    assert_eq!(r.stdout, "");
    assert!(
        r.stderr
            .starts_with("cmzon-hook: error: no webhook secret given"),
        "{}",
        r.stderr
    );
    for way in ["--secret", "--secret-file", "CMZON_WEBHOOK_SECRET"] {
        assert!(r.stderr.contains(way), "{}", r.stderr);
    }
}

#[test]
fn unreadable_input_exits_2_without_the_secret() {
    let d = dir();
    let mut c = cmzon(d.path());
    c.args(["sign", "--secret", SECRET, "missing.json"]);
    let r = run(c, SECRET);
    assert_eq!(r.code, 2);
    assert_eq!(r.stdout, "");
    assert!(
        r.stderr.contains("cannot read missing.json: no such file"),
        "{}",
        r.stderr
    );

    let mut c = cmzon(d.path());
    c.args(["sign", "--secret-file", "nope.txt"])
        .write_stdin("{}");
    let r = run(c, SECRET);
    assert_eq!(r.code, 2);
    // The path is deliberately not echoed (a secret pasted as the path would leak).
    assert!(
        r.stderr
            .contains("cannot read the secret file: no such file"),
        "{}",
        r.stderr
    );
    assert!(!r.stderr.contains("nope.txt"), "{}", r.stderr);

    std::fs::write(d.path().join("empty"), "").unwrap();
    let mut c = cmzon(d.path());
    c.args(["sign", "--secret-file", "empty"]).write_stdin("{}");
    let r = run(c, SECRET);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("is empty"), "{}", r.stderr);
}

#[test]
fn a_signature_from_sign_verifies() {
    let d = dir();
    std::fs::write(
        d.path().join("b.json"),
        text_message("wamid.A", "café / 😮"),
    )
    .unwrap();
    let mut c = cmzon(d.path());
    c.args(["sign", "--secret", SECRET, "b.json"]);
    let sig = run(c, SECRET).stdout.trim().to_string();
    let mut c = cmzon(d.path());
    c.args([
        "verify",
        "--secret",
        SECRET,
        "--body",
        "b.json",
        "--signature",
        &sig,
    ]);
    let r = run(c, SECRET);
    assert_eq!(r.code, 0, "{r:?}");
    assert!(
        r.stdout.starts_with("b.json  ✓  message text wamid.A"),
        "{}",
        r.stdout
    );
}

#[test]
fn json_output_names_signature_header_and_length() {
    let out = cmzon(source_tree())
        .args(["sign", "--json", "--secret", "It's a Secret to Everybody"])
        .write_stdin("Hello, World!")
        .output()
        .unwrap();
    assert!(out.status.success());
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        doc["signature"],
        "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"
    );
    assert_eq!(doc["header"], "X-Hub-Signature-256");
    assert_eq!(doc["bytes"], 13);
}

/// Issue 14 point 22: `sign` with no argument on a terminal says it is reading the terminal
/// (instead of waiting silently), then signs what was typed.
#[test]
fn on_a_terminal_without_a_file_it_says_it_reads_stdin() {
    let dir = dir();
    let exe = assert_cmd::cargo::cargo_bin("cmzon-hook");
    let mut pty = crate::support::pty::Pty::spawn(
        &format!(
            "cd {} && {} sign --secret k",
            dir.path().display(),
            exe.display()
        ),
        &dir.path().join("typescript"),
    );
    pty.expect("reading the body from the terminal (end with Ctrl-D)");
    // The first Ctrl-D hands over "x" without a newline, the second ends the input.
    pty.send("x\u{4}\u{4}");
    pty.expect(&cmzon_hook::webhook::signature::sign(b"k", b"x"));
    assert!(pty.child.wait().unwrap().success());
}
