//! `verify` on a capture read in many blocks and verified on several threads: the output is
//! in file order, bad lines are reported in order, and the counts add up.

mod common;

use cmzon_hook::capture::to_jsonl_line;
use common::core::*;

/// A capture of `n` lines: mostly signed text messages (every 7th signed with another
/// secret), some blank lines and some lines that are not JSON. Returns the text, the
/// (line number, valid, wamid) of each request, and the line numbers of the bad lines.
fn capture(n: usize) -> (String, Vec<(usize, bool, String)>, Vec<usize>) {
    let mut text = String::new();
    let mut requests = Vec::new();
    let mut bad = Vec::new();
    for i in 0..n {
        let line = i + 1;
        if i % 997 == 500 {
            text.push_str("{\"method\": not json\n");
            bad.push(line);
        } else if i % 613 == 0 {
            text.push_str("  \n");
        } else {
            let wamid = format!("wamid.{i}");
            let body = text_message(
                &wamid,
                &format!("n°{i} \"quoted\" \\ {}", "x".repeat(i % 50)),
            );
            let valid = i % 7 != 3;
            let secret = if valid { SECRET } else { "another-secret" };
            let mut request = signed_request(secret, &body, &body);
            request.id = Some(line as u64);
            text.push_str(&to_jsonl_line(&request));
            text.push_str(if i % 5 == 0 { "\r\n" } else { "\n" });
            requests.push((line, valid, wamid));
        }
    }
    (text, requests, bad)
}

#[test]
fn large_capture_is_reported_in_file_order() {
    let d = tempfile::tempdir().unwrap();
    let (text, requests, bad) = capture(4000);
    assert!(text.len() > 1 << 21, "spans many read blocks");
    std::fs::write(d.path().join("cap.jsonl"), &text).unwrap();

    let mut c = cmd(d.path());
    c.args(["verify", "--secret", SECRET, "--json", "cap.jsonl"]);
    let r = run(c, SECRET);
    assert_eq!(r.code, 2, "bad lines make the exit 2: {}", r.stderr);
    let lines = r.json_lines();
    assert_eq!(lines.len(), requests.len());
    for (got, (line, valid, wamid)) in lines.iter().zip(&requests) {
        assert_eq!(got["source"], format!("cap.jsonl:{line}"));
        assert_eq!(got["valid"], *valid, "{got}");
        assert_eq!(got["events"][0]["id"], wamid.as_str(), "{got}");
    }
    let reported: Vec<&str> = r
        .stderr
        .lines()
        .filter_map(|l| l.strip_prefix("cmzon-hook: error: "))
        .collect();
    assert_eq!(reported.len(), bad.len(), "{}", r.stderr);
    for (msg, line) in reported.iter().zip(&bad) {
        assert!(
            msg.starts_with(&format!("cap.jsonl:{line}: invalid JSON")),
            "{msg}"
        );
    }
    let invalid = requests.iter().filter(|(_, v, _)| !v).count();
    let summary = format!(
        "verified {} requests: {} valid, {invalid} invalid, {} unreadable",
        requests.len(),
        requests.len() - invalid,
        bad.len()
    );
    assert!(r.stderr.contains(&summary), "{}", r.stderr);

    let mut c = cmd(d.path());
    c.args(["verify", "--secret", SECRET, "cap.jsonl"]);
    let human = run(c, SECRET);
    let marks: Vec<String> = human
        .stdout
        .lines()
        .filter(|l| !l.starts_with("    hint:"))
        .map(|l| l.split("  ").take(2).collect::<Vec<_>>().join(" "))
        .collect();
    let want: Vec<String> = requests
        .iter()
        .map(|(line, valid, _)| format!("cap.jsonl:{line} {}", if *valid { "✓" } else { "✗" }))
        .collect();
    assert_eq!(marks, want);
}

#[test]
fn stdin_capture_reads_the_same_as_the_file() {
    let d = tempfile::tempdir().unwrap();
    let (text, requests, _) = capture(1200);
    std::fs::write(d.path().join("cap.jsonl"), &text).unwrap();
    let mut c = cmd(d.path());
    c.args(["verify", "--secret", SECRET, "--json", "-"])
        .write_stdin(text.into_bytes());
    let r = run(c, SECRET);
    let lines = r.json_lines();
    assert_eq!(lines.len(), requests.len());
    assert_eq!(lines[0]["source"], format!("-:{}", requests[0].0));
    let last = requests.last().unwrap();
    assert_eq!(lines.last().unwrap()["source"], format!("-:{}", last.0));
}
