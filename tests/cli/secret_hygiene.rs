//! Secret hygiene. Every command runs with a recognisable secret, given by flag,
//! by file, by environment variable and through a config file, on success and failure paths
//! and with `-v`; the secret (as is, hex, base64 at any alignment, percent-encoded) must
//! appear in no stdout, no stderr and no file any command wrote (captures, JUnit reports,
//! configs written by `init`).

use crate::support;

use std::path::{Path, PathBuf};
use std::process::Stdio;

use crate::support::captures::{request, signed_request, text_message, write_jsonl};
use crate::support::faults::{assert_clean, files_under};
use crate::support::listen::{dead_url, Listener};

/// The secret every run here uses: unlike any other string in the tool.
const S: &str = "Zq-HARDEN-s3cr3t-4b1d9e77";

/// Where the secret comes from.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Src {
    None,
    Flag,
    File,
    Env,
    EnvFallback,
}

const SOURCES: [Src; 4] = [Src::Flag, Src::File, Src::Env, Src::EnvFallback];

/// Runs commands in a work directory (everything they write lands there) with inputs kept
/// apart (the secret file, hand-written configs), and checks every output as it goes.
struct Harness {
    work: tempfile::TempDir,
    inputs: tempfile::TempDir,
    secret_file: PathBuf,
    runs: std::cell::Cell<usize>,
}

struct Out {
    code: i32,
    stdout: String,
    stderr: String,
}

impl Harness {
    fn new() -> Harness {
        let work = tempfile::tempdir().unwrap();
        let inputs = tempfile::tempdir().unwrap();
        let secret_file = inputs.path().join("webhook-secret");
        std::fs::write(&secret_file, format!("{S}\n")).unwrap();
        Harness {
            work,
            inputs,
            secret_file,
            runs: std::cell::Cell::new(0),
        }
    }

    fn w(&self, name: &str) -> String {
        self.work.path().join(name).display().to_string()
    }

    fn input(&self, name: &str, bytes: &[u8]) -> String {
        let p = self.inputs.path().join(name);
        std::fs::write(&p, bytes).unwrap();
        p.display().to_string()
    }

    /// Secret arguments and environment for `src`.
    fn secret_args(&self, src: Src) -> (Vec<String>, Vec<(&'static str, String)>) {
        match src {
            Src::None => (vec![], vec![]),
            Src::Flag => (vec!["--secret".into(), S.into()], vec![]),
            Src::File => (
                vec![
                    "--secret-file".into(),
                    self.secret_file.display().to_string(),
                ],
                vec![],
            ),
            Src::Env => (vec![], vec![("CMZON_WEBHOOK_SECRET", S.to_string())]),
            Src::EnvFallback => (vec![], vec![("WEBHOOK_SECRET", S.to_string())]),
        }
    }

    /// Run `cmzon-hook ARGS` (plus the secret from `src`), check outputs, return them.
    fn run(&self, args: &[&str], src: Src, stdin: Option<&[u8]>) -> Out {
        self.run_with(args, src, stdin, &[])
    }

    /// [`Harness::run`] with extra environment variables.
    fn run_with(
        &self,
        args: &[&str],
        src: Src,
        stdin: Option<&[u8]>,
        more_env: &[(&str, &str)],
    ) -> Out {
        let (extra, env) = self.secret_args(src);
        let mut cmd = support::cmzon_process(self.work.path());
        cmd.args(args)
            .args(&extra)
            .stdin(if stdin.is_some() {
                Stdio::piped()
            } else {
                Stdio::null()
            })
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        for (k, v) in env {
            cmd.env(k, v);
        }
        cmd.envs(more_env.iter().copied());
        let mut child = cmd.spawn().expect("cmzon-hook runs");
        if let Some(bytes) = stdin {
            use std::io::Write;
            let mut i = child.stdin.take().unwrap();
            i.write_all(bytes).unwrap();
        }
        let out = child.wait_with_output().unwrap();
        self.runs.set(self.runs.get() + 1);
        let what = format!("`{}` ({src:?})", args.join(" "));
        assert_clean(&format!("stdout of {what}"), &out.stdout, S);
        assert_clean(&format!("stderr of {what}"), &out.stderr, S);
        let o = Out {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        };
        assert!(!o.stderr.contains("panicked"), "{what}: {}", o.stderr);
        o
    }

    /// Run and require an exit code.
    fn expect(&self, code: i32, args: &[&str], src: Src) -> Out {
        let o = self.run(args, src, None);
        assert_eq!(
            o.code,
            code,
            "`{}` ({src:?}):\n{}\n{}",
            args.join(" "),
            o.stdout,
            o.stderr
        );
        o
    }

    /// No file any command wrote holds the secret.
    fn check_files(&self) -> usize {
        let files = files_under(self.work.path());
        for f in &files {
            let bytes = std::fs::read(f).unwrap();
            assert_clean(&format!("file {}", f.display()), &bytes, S);
        }
        files.len()
    }
}

#[test]
fn sign_fixtures_completions_and_man_never_show_the_secret() {
    let h = Harness::new();
    let body = h.input("body.json", &text_message("wamid.S1", "hello"));
    for src in SOURCES {
        let o = h.expect(0, &["sign", &body], src);
        assert!(o.stdout.starts_with("sha256="), "{}", o.stdout);
        h.expect(0, &["sign", "--header", &body, "-vv"], src);
        h.expect(0, &["sign", "--json", &body], src);
        let o = h.run(&["sign", "-"], src, Some(b"{}"));
        assert_eq!(o.code, 0);
        // Failure paths: a missing file, a directory.
        h.expect(2, &["sign", &h.w("nope.json")], src);
        h.expect(2, &["sign", h.inputs.path().to_str().unwrap()], src);
    }
    // The secret conflicts, is empty, or its file is missing: errors name no value.
    h.expect(
        2,
        &["sign", &body, "--secret", S, "--secret-file", "x"],
        Src::None,
    );
    h.expect(2, &["sign", &body, "--secret", ""], Src::None);
    h.expect(
        2,
        &["sign", &body, "--secret-file", &h.w("missing")],
        Src::None,
    );
    h.expect(2, &["sign", &body], Src::None);

    for args in [
        vec!["fixtures", "list"],
        vec!["fixtures", "list", "--json"],
        vec!["fixtures", "show", "messages"],
        vec![
            "fixtures",
            "show",
            "messages",
            "--compact",
            "--set",
            "entry.0.id=1",
            "-v",
        ],
        vec!["completions", "bash"],
        vec!["completions", "zsh"],
        vec!["completions", "fish"],
        vec!["man"],
        vec!["--help"],
        vec!["send", "--help"],
        vec!["--version"],
    ] {
        h.expect(0, &args, Src::Env);
    }
    // demo (its own random secret): with ours in the environment, and its capture kept in
    // the work directory (TMPDIR) so that it is checked too.
    let tmp = h.work.path().display().to_string();
    for args in [
        vec!["demo", "--keep"],
        vec!["demo", "--json", "--keep", "-v"],
    ] {
        let o = h.run_with(&args, Src::Env, None, &[("TMPDIR", &tmp)]);
        assert_eq!(o.code, 0, "{}\n{}", o.stdout, o.stderr);
    }
    let o = h.run_with(
        &["demo", "--secret", S],
        Src::None,
        None,
        &[("TMPDIR", &tmp)],
    );
    assert_eq!(o.code, 2, "demo takes no secret");
    let kept = h.check_files();
    assert_eq!(
        kept, 4,
        "both kept demo captures and their secret files (the demo's own secret) were checked"
    );
    for f in files_under(h.work.path()) {
        std::fs::remove_file(f).unwrap();
    }

    h.expect(2, &["fixtures", "show", "nope"], Src::Env);
    h.expect(
        2,
        &["fixtures", "show", "messages", "--set", "a..b=1"],
        Src::Env,
    );
    h.expect(2, &["send", "--bogus-flag"], Src::Env);
    assert_eq!(h.check_files(), 0, "nothing was written");
}

#[test]
fn verify_never_shows_the_secret_on_any_verdict() {
    let h = Harness::new();
    let body = text_message("wamid.V1", "hello");
    let pretty =
        serde_json::to_vec_pretty(&serde_json::from_slice::<serde_json::Value>(&body).unwrap())
            .unwrap();
    let caps = h.inputs.path().join("cap.jsonl");
    write_jsonl(
        &caps,
        &[
            signed_request(S, &body, &body),
            signed_request("another-secret", &body, &body),
            // Diagnosable mismatches: the secret with stray whitespace, a re-serialized body.
            signed_request(&format!("{S}\n"), &body, &body),
            signed_request(&format!(" {S} "), &body, &body),
            signed_request(S, &pretty, &body),
            request(&[("X-Hub-Signature-256", "sha256=zz")], &body),
            request(&[], &body),
        ],
    );
    let caps = caps.display().to_string();
    let good = h.input("good.jsonl", b"");
    write_jsonl(Path::new(&good), &[signed_request(S, &body, &body)]);
    let garbage = h.input("garbage.jsonl", b"{\"method\": 1}\nnot json\n");
    let body_file = h.input("body.json", &body);
    let sig = cmzon_hook::webhook::signature::sign(S.as_bytes(), &body);
    let wrong = cmzon_hook::webhook::signature::sign(format!("{S} ").as_bytes(), &body);
    for src in SOURCES {
        h.expect(0, &["verify", &good], src);
        let o = h.expect(1, &["verify", &caps, "-v"], src);
        assert!(
            o.stdout.contains('✗') && o.stdout.contains('✓'),
            "{}",
            o.stdout
        );
        assert!(
            o.stdout.contains("whitespace") || o.stdout.contains("newline"),
            "the secret-with-whitespace diagnosis ran: {}",
            o.stdout
        );
        h.expect(1, &["verify", &caps, "--json"], src);
        h.expect(2, &["verify", &garbage, &caps], src);
        h.expect(
            0,
            &["verify", "--body", &body_file, "--signature", &sig],
            src,
        );
        h.expect(
            1,
            &["verify", "--body", &body_file, "--signature", &wrong, "-v"],
            src,
        );
        h.expect(
            1,
            &[
                "verify",
                "--body",
                &body_file,
                "--signature",
                &wrong,
                "--json",
            ],
            src,
        );
        h.expect(2, &["verify", &h.w("missing.jsonl")], src);
    }
    h.expect(2, &["verify", &caps], Src::None);
    assert_eq!(h.check_files(), 0);
}

#[test]
fn send_never_shows_the_secret_in_any_mode() {
    let h = Harness::new();
    let server = support::send::Server::ok();
    let failing = support::send::Server::statuses(&[500]);
    let url = server.url("/hook");
    let dead = dead_url();
    let bad = failing.url("/hook");
    let body = h.input("body.json", &text_message("wamid.X1", "hi"));
    let cap = h.input("cap.jsonl", b"");
    write_jsonl(Path::new(&cap), &[signed_request(S, b"{}", b"{}")]);
    for src in SOURCES {
        h.expect(0, &["send", "messages", "--to", &url], src);
        h.expect(0, &["send", "messages", &body, "--to", &url, "-vv"], src);
        h.expect(
            0,
            &[
                "send", "messages", "--to", &url, "--json", "--count", "3", "-c", "2",
            ],
            src,
        );
        h.expect(
            0,
            &["send", "messages", "--to", &url, "--dry-run", "-v"],
            src,
        );
        h.expect(
            0,
            &["send", "messages", "--to", &url, "--dry-run", "--json"],
            src,
        );
        h.expect(
            0,
            &["send", "--from-capture", &cap, "--to", &url, "-v"],
            src,
        );
        for tamper in [
            "bad-signature",
            "no-signature",
            "wrong-secret",
            "modified-body",
        ] {
            h.expect(
                0,
                &[
                    "send", "messages", "--to", &url, "--tamper", tamper, "--expect", "2xx", "-v",
                ],
                src,
            );
        }
        // Failing deliveries: refused, 5xx after retries, unmet --expect.
        h.expect(1, &["send", "messages", "--to", &dead, "-v"], src);
        h.expect(
            1,
            &[
                "send",
                "messages",
                "--to",
                &bad,
                "--retries",
                "1",
                "--backoff-ms",
                "1",
                "--json",
            ],
            src,
        );
        h.expect(
            1,
            &["send", "messages", "--to", &url, "--expect", "4xx", "-v"],
            src,
        );
        h.expect(2, &["send", "messages", "--to", "ftp://x", "-v"], src);
        h.expect(2, &["send", &h.w("missing.json"), "--to", &url], src);
    }
    h.expect(2, &["send", "messages", "--to", &url], Src::None);
    assert!(
        server.requests().len() > 40,
        "the deliveries really went out"
    );
    for r in server.requests() {
        assert_clean("a request on the wire", &r.raw, S);
    }
    assert_eq!(h.check_files(), 0);
}

#[test]
fn listen_and_lint_never_show_the_secret_nor_write_it() {
    let h = Harness::new();
    let body = text_message("wamid.L1", "hello");
    let pretty =
        serde_json::to_vec_pretty(&serde_json::from_slice::<serde_json::Value>(&body).unwrap())
            .unwrap();
    for (i, src) in SOURCES.into_iter().enumerate() {
        let (args, env) = h.secret_args(src);
        let cap = h.w(&format!("cap-{i}.jsonl"));
        let mut all: Vec<&str> = args.iter().map(String::as_str).collect();
        let mode: &[&str] = if i % 2 == 0 {
            &["-v", "--raw"]
        } else {
            &["--json"]
        };
        all.extend(mode);
        all.extend(["--save", &cap, "--verify-token", "tok"]);
        let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let l = Listener::start(h.work.path(), &all, &env);
        // Good, wrong-secret, whitespace-secret, re-serialized, unsigned, not JSON.
        assert_eq!(l.post_signed(S, &body).status, 200);
        assert_eq!(l.post_signed("another-secret", &body).status, 401);
        assert_eq!(l.post_signed(&format!("{S}\n"), &body).status, 401);
        let sig = cmzon_hook::webhook::signature::sign(S.as_bytes(), &pretty);
        assert_eq!(l.post(&body, &[("X-Hub-Signature-256", &sig)]).status, 401);
        assert_eq!(l.post(&body, &[]).status, 401);
        assert_eq!(l.post_signed(S, b"\xff{not json").status, 400);
        assert_eq!(
            l.request(
                "GET",
                &format!(
                    "{}?hub.mode=subscribe&hub.verify_token=tok&hub.challenge=42",
                    l.path
                ),
                &[],
                b""
            )
            .status,
            200
        );

        // lint against it: passing (same secret), and failing (another secret).
        let junit = h.w(&format!("junit-{i}.xml"));
        let o = h.run(
            &[
                "lint",
                &l.url,
                "--allow-http",
                "--probes",
                "2",
                "--timeout",
                "5",
                "--verify-token",
                "tok",
                "--junit",
                &junit,
                "-v",
            ],
            src,
            None,
        );
        assert!(o.code == 0 || o.code == 1, "{}", o.stderr);
        assert!(std::fs::read_to_string(&junit)
            .unwrap()
            .contains("<testsuite"));
        let o = h.run(
            &[
                "lint",
                &l.url,
                "--allow-http",
                "--probes",
                "2",
                "--timeout",
                "5",
                "--json",
                "--secret",
                "not-the-one",
            ],
            Src::None,
            None,
        );
        assert_eq!(o.code, 1, "a wrong secret fails lint: {}", o.stdout);
        l.wait_stdout(7);
        let stopped = l.interrupt();
        assert_clean("listen's stdout", stopped.stdout_text().as_bytes(), S);
        assert_clean("listen's stderr", stopped.stderr_text().as_bytes(), S);
        if mode[0] == "-v" {
            assert!(
                stopped.stdout_text().contains("X-Hub-Signature-256"),
                "-v shows headers"
            );
        }
        let saved = std::fs::read_to_string(&cap).unwrap();
        assert!(saved.lines().count() >= 6, "{saved}");
    }
    // lint's own failure paths.
    let dead = dead_url();
    h.expect(
        1,
        &[
            "lint",
            &dead,
            "--allow-http",
            "--probes",
            "1",
            "--timeout",
            "2",
            "-v",
        ],
        Src::Env,
    );
    h.expect(2, &["lint", "not a url"], Src::Flag);
    assert!(
        h.check_files() >= 8,
        "captures and JUnit reports were written and checked"
    );
}

#[test]
fn init_and_config_files_never_copy_or_echo_the_secret() {
    let h = Harness::new();
    let secret_file = h.secret_file.display().to_string();
    let body = h.input("body.json", b"{}");
    let expected = cmzon_hook::webhook::signature::sign(S.as_bytes(), b"{}");

    // init from flags: the config names where the secret is, never its value.
    h.expect(
        0,
        &[
            "init",
            "--url",
            "http://127.0.0.1:9/webhook",
            "--secret-file",
            &secret_file,
            "--verify-token",
            "tok",
            "--port",
            "4000",
            "-o",
            "a.toml",
        ],
        Src::Env,
    );
    h.expect(
        0,
        &[
            "init",
            "--secret-env",
            "MY_APP_SECRET",
            "-o",
            "b.toml",
            "-v",
        ],
        Src::Env,
    );
    // init takes no secret: clap refuses the flag without echoing its value.
    h.expect(2, &["init", "-o", "c.toml"], Src::Flag);
    h.expect(2, &["init", "--secret-env", "X", "-o", "a.toml"], Src::Env);
    h.expect(
        0,
        &[
            "init",
            "--secret-file",
            &secret_file,
            "-o",
            "d.toml",
            "--json",
        ],
        Src::Env,
    );
    let a = std::fs::read_to_string(h.w("a.toml")).unwrap();
    assert!(a.contains("secret_file"), "{a}");

    // Configs in use: secret_file, secret_env, and a plain (discouraged) secret.
    let o = h.expect(0, &["sign", &body, "--config", &h.w("a.toml")], Src::None);
    assert_eq!(o.stdout.trim(), expected);
    let mut cmd_env = h.run(
        &["sign", &body, "--config", &h.w("b.toml")],
        Src::None,
        None,
    );
    assert_eq!(
        cmd_env.code, 2,
        "MY_APP_SECRET is unset: {}",
        cmd_env.stderr
    );
    let plain = h.input("plain.toml", format!("secret = \"{S}\"\n").as_bytes());
    cmd_env = h.expect(0, &["sign", &body, "--config", &plain, "-v"], Src::None);
    assert_eq!(cmd_env.stdout.trim(), expected);
    assert!(
        cmd_env.stderr.contains("warning"),
        "a plain secret is warned about: {}",
        cmd_env.stderr
    );

    // Broken configs around the secret: the error names the line, not the value.
    for (i, text) in [
        format!("secret = \"{S}\nurl = \"x\"\n"),
        format!("secret = '{S}\n"),
        format!("secret = {S}\n"),
        format!("secret = \"{S}\"\nsecret = \"{S}\"\n"),
        format!("[listen]\nsecret = \"{S}\"\n"),
        format!("secret = [\"{S}\"]\n"),
        format!("secret = \"{S}\" extra\n"),
        format!("{S}\n"),
        format!("secret: \"{S}\"\n"),
    ]
    .iter()
    .enumerate()
    {
        let cfg = h.input(&format!("broken-{i}.toml"), text.as_bytes());
        let o = h.run(&["sign", &body, "--config", &cfg, "-v"], Src::None, None);
        assert_eq!(o.code, 2, "{text}: {}", o.stderr);
    }
    h.check_files();
}

/// When the secret itself is put where a variable name, a file path or a key is expected (an
/// easy slip: `secret_env = "<the secret>"`, `--secret-file "$SECRET"`), no warning or error
/// may quote it back.
#[test]
fn a_secret_put_where_a_name_or_path_belongs_is_not_echoed() {
    let h = Harness::new();
    let body = h.input("body.json", b"{}");
    let mut leaks = Vec::new();
    let cases = [
        format!("secret_env = \"{S}\"\n"),
        format!("secret_file = \"{S}\"\n"),
        format!("[{S}]\n"),
    ];
    for (i, text) in cases.iter().enumerate() {
        let cfg = h.input(&format!("misplaced-{i}.toml"), text.as_bytes());
        let out = support::cmzon_process(h.work.path())
            .args(["sign", &body, "--config", &cfg])
            .output()
            .unwrap();
        let text_out = String::from_utf8_lossy(&out.stderr).into_owned();
        if text_out.contains(S) {
            leaks.push(format!("{text:?} -> {text_out}"));
        }
    }
    let out = support::cmzon_process(h.work.path())
        .args(["sign", &body, "--secret-file", S])
        .output()
        .unwrap();
    let text_out = String::from_utf8_lossy(&out.stderr).into_owned();
    if text_out.contains(S) {
        leaks.push(format!("--secret-file SECRET -> {text_out}"));
    }
    assert!(
        leaks.is_empty(),
        "the secret was echoed:\n{}",
        leaks.join("\n")
    );
}
