//! A pseudo-terminal for the tests that need one (prompts, terminal-only hints): the program
//! runs under util-linux `script`, the test types into it and waits for what it prints.

use std::io::{Read, Write};
use std::process::{Command as StdCommand, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use super::AMBIENT_ENV;

/// Drives a program in a pseudo-terminal: waits for each prompt, then types the answer.
pub struct Pty {
    pub child: std::process::Child,
    rx: mpsc::Receiver<Vec<u8>>,
    seen: String,
}

impl Pty {
    /// Run `cmdline` under `script`, which records the session in `typescript`.
    pub fn spawn(cmdline: &str, typescript: &std::path::Path) -> Pty {
        // The binary runs under `script`, so `cmzon_process` cannot build this command; it
        // gets the same clean environment.
        let mut script = StdCommand::new("script");
        script.args(["-qefc", cmdline]).arg(typescript);
        for v in AMBIENT_ENV {
            script.env_remove(v);
        }
        let mut child = script
            .env("NO_COLOR", "1")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("util-linux `script` is needed for the pty test");
        let mut stdout = child.stdout.take().unwrap();
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let mut buf = [0u8; 4096];
            while let Ok(n) = stdout.read(&mut buf) {
                if n == 0 || tx.send(buf[..n].to_vec()).is_err() {
                    break;
                }
            }
        });
        Pty {
            child,
            rx,
            seen: String::new(),
        }
    }

    pub fn expect(&mut self, text: &str) {
        let deadline = Instant::now() + Duration::from_secs(30);
        while !self.seen.contains(text) {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.rx.recv_timeout(left) {
                Ok(chunk) => self.seen.push_str(&String::from_utf8_lossy(&chunk)),
                Err(_) => panic!(
                    "timed out waiting for {text:?}; screen so far:\n{}",
                    self.seen
                ),
            }
        }
        // Consume what was matched so the next expect looks at new output only.
        let at = self.seen.find(text).unwrap() + text.len();
        self.seen.drain(..at);
    }

    pub fn send(&mut self, keys: &str) {
        let stdin = self.child.stdin.as_mut().unwrap();
        stdin.write_all(keys.as_bytes()).unwrap();
        stdin.flush().unwrap();
    }
}

impl Drop for Pty {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
