//! `verify` on a capture read in many blocks and verified on several threads: the output is
//! in file order, bad lines are reported in order, and the counts add up.

use crate::support;

use crate::support::captures::*;
use crate::support::cmzon;
use cmzon_hook::capture::to_jsonl_line;

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

    let mut c = cmzon(d.path());
    c.args(["verify", "--secret", SECRET, "--json", "cap.jsonl"]);
    let r = run(c, SECRET);
    assert_eq!(r.code, 2, "bad lines make the exit 2: {}", r.stderr);
    let lines = r.json_lines();
    assert_eq!(lines.len(), requests.len());
    for (got, (line, valid, wamid)) in lines.iter().zip(&requests) {
        assert_eq!(got["source"], format!("cap.jsonl#{line}"));
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

    let mut c = cmzon(d.path());
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
        .map(|(line, valid, _)| format!("cap.jsonl#{line} {}", if *valid { "✓" } else { "✗" }))
        .collect();
    assert_eq!(marks, want);
}

#[test]
fn stdin_capture_reads_the_same_as_the_file() {
    let d = tempfile::tempdir().unwrap();
    let (text, requests, _) = capture(1200);
    std::fs::write(d.path().join("cap.jsonl"), &text).unwrap();
    let mut c = cmzon(d.path());
    c.args(["verify", "--secret", SECRET, "--json", "-"])
        .write_stdin(text.into_bytes());
    let r = run(c, SECRET);
    let lines = r.json_lines();
    assert_eq!(lines.len(), requests.len());
    assert_eq!(lines[0]["source"], format!("-#{}", requests[0].0));
    let last = requests.last().unwrap();
    assert_eq!(lines.last().unwrap()["source"], format!("-#{}", last.0));
}

/// A capture of at least 1 MiB is mapped into memory, a smaller one (and stdin) read: both
/// must give the same lines, numbered the same, whatever the file's edges look like.
#[test]
fn mapped_capture_reads_the_same_as_stdin() {
    let d = tempfile::tempdir().unwrap();
    let (body_lines, requests, bad) = capture(3000);
    // A line longer than a block (256 KiB) in the middle.
    let long_text = "y".repeat(300 << 10);
    let long_body = text_message("wamid.long", &long_text);
    let long_line = to_jsonl_line(&signed_request(SECRET, &long_body, &long_body));
    let (head, tail) = body_lines.split_at(body_lines.len() / 2);
    let cut = tail.find('\n').unwrap() + 1;
    // A byte order mark and blank lines first, and no line feed after the last line.
    let text = format!(
        "\u{feff}\n \n{head}{}{long_line}\n{}",
        &tail[..cut],
        tail[cut..].trim_end()
    );
    assert!(text.len() > 2 << 20, "large enough to be mapped");
    std::fs::write(d.path().join("cap.jsonl"), &text).unwrap();

    let mut c = cmzon(d.path());
    c.args(["verify", "--secret", SECRET, "--json", "cap.jsonl"]);
    let mapped = run(c, SECRET);
    let mut c = cmzon(d.path());
    c.args(["verify", "--secret", SECRET, "--json", "-"])
        .write_stdin(text.clone().into_bytes());
    let read = run(c, SECRET);

    assert_eq!(mapped.code, 2, "{}", mapped.stderr);
    assert_eq!(read.code, 2, "{}", read.stderr);
    assert_eq!(
        mapped
            .stdout
            .replace("\"cap.jsonl#", "\"-#")
            .replace("\"cap.jsonl:", "\"-:"),
        read.stdout
    );
    assert_eq!(mapped.stderr.replace("cap.jsonl:", "-:"), read.stderr);
    let lines = mapped.json_lines();
    assert_eq!(lines.len(), requests.len() + 1);
    // Named by the capture's id, not the line: the blank lines before it change nothing.
    assert_eq!(lines[0]["source"], format!("cap.jsonl#{}", requests[0].0));
    let long = lines
        .iter()
        .find(|l| l["events"][0]["id"] == "wamid.long")
        .expect("the long line is read whole");
    assert_eq!(long["valid"], true);
    let last = lines.last().unwrap();
    assert_eq!(last["events"][0]["id"], requests.last().unwrap().2.as_str());
    assert!(mapped.stderr.contains(&format!("{} unreadable", bad.len())));
}

/// A mapped capture truncated while verify reads it: a clear error and exit 2 (the mapping
/// would otherwise kill the process with SIGBUS and no word of why).
#[test]
fn capture_truncated_while_mapped_is_an_error_not_a_crash() {
    use std::io::{BufRead, BufReader, Read};
    use std::process::Stdio;

    let d = tempfile::tempdir().unwrap();
    let path = d.path().join("cap.jsonl");
    let (text, _, _) = capture(4000);
    // ~30 MiB: far more than verify can have read ahead while its output is not drained.
    let big = text.repeat(30 * (1 << 20) / text.len() + 1);
    std::fs::write(&path, &big).unwrap();

    let mut c = support::cmzon_process(d.path());
    c.args(["verify", "--secret", SECRET, "--json", "cap.jsonl"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = c.spawn().unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut first = String::new();
    stdout.read_line(&mut first).unwrap();
    assert!(first.contains("\"source\":\"cap.jsonl#"), "{first}");
    // verify is now blocked writing (nobody reads its stdout) with most of the file unread.
    std::fs::File::options()
        .write(true)
        .open(&path)
        .unwrap()
        .set_len(0)
        .unwrap();
    std::io::copy(&mut stdout, &mut std::io::sink()).unwrap();
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("cmzon-hook: error: a capture file was truncated while it was being read"),
        "{stderr}"
    );
    assert!(!stderr.contains(SECRET));
}
