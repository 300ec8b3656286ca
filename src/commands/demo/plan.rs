//! The tour's deliveries: every fixture rendered and signed by the sending engine
//! ([`crate::sending::payload`]), one forged; what the sender got for each; and the
//! temporary capture the endpoint saves them to.

use std::fs::OpenOptions;
use std::path::PathBuf;
use std::time::Duration;

use colored::Colorize;

use super::FORGED_FIXTURE;
use crate::error::{Error, Result};
use crate::http::delivery;
use crate::listening::printer;
use crate::sending;
use crate::sending::payload::{Signer, Source, Tamper};
use crate::terminal::shell_quote;
use crate::webhook::fixtures::{self, TokenSource};
use crate::webhook::secret::Secret;

/// Letters and digits from a fresh random source.
pub(super) fn random_token(len: usize) -> String {
    let mut rng = fastrand::Rng::new();
    (0..len).map(|_| rng.alphanumeric()).collect()
}

/// A capture file of our own in the temp directory (created new, never an existing file),
/// removed on drop unless kept.
pub struct TempCapture {
    pub(super) path: PathBuf,
    keep: bool,
    /// With `--keep`: the demo's random secret beside the capture (0600), so it can be
    /// verified later.
    pub(super) secret_path: Option<PathBuf>,
}

impl TempCapture {
    pub(super) fn create(keep: bool) -> Result<TempCapture> {
        let dir = std::env::temp_dir();
        let mut last = None;
        for _ in 0..8 {
            let path = dir.join(format!(
                "cmzon-hook-demo-{}-{}.jsonl",
                std::process::id(),
                random_token(8)
            ));
            match OpenOptions::new().write(true).create_new(true).open(&path) {
                Ok(_) => {
                    return Ok(TempCapture {
                        path,
                        keep,
                        secret_path: None,
                    })
                }
                Err(e) => last = Some(e),
            }
        }
        let e = last.unwrap_or_else(|| std::io::Error::other("no attempt made"));
        Err(Error::input(format!(
            "cannot create a capture file in {}: {e}",
            dir.display()
        ))
        .with_hint("set TMPDIR to a writable directory"))
    }
}

impl TempCapture {
    /// Write `secret` to `<capture>.secret` beside the capture, readable by its owner only
    /// (created new, never an existing file), without a trailing newline.
    pub(super) fn keep_secret(&mut self, secret: &Secret) -> Result<()> {
        use std::io::Write;
        let path = self.path.with_extension("secret");
        let mut options = OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let cannot = |e: std::io::Error| {
            Error::input(format!(
                "cannot write the secret file {}: {e}",
                path.display()
            ))
            .with_hint("set TMPDIR to a writable directory")
        };
        let mut file = options.open(&path).map_err(cannot)?;
        self.secret_path = Some(path.clone());
        file.write_all(secret.as_bytes()).map_err(cannot)?;
        Ok(())
    }

    /// The command that verifies the kept capture with the kept secret.
    pub(super) fn verify_command(&self) -> Option<String> {
        let secret = self.secret_path.as_ref()?;
        Some(format!(
            "cmzon-hook verify {} --secret-file {}",
            shell_quote(&self.path.display().to_string()),
            shell_quote(&secret.display().to_string())
        ))
    }
}

impl Drop for TempCapture {
    fn drop(&mut self) {
        if !self.keep {
            let _ = std::fs::remove_file(&self.path);
            if let Some(p) = &self.secret_path {
                let _ = std::fs::remove_file(p);
            }
        }
    }
}

/// One delivery of the tour, ready to send.
#[derive(Debug, Clone)]
pub struct Planned {
    /// The fixture it was rendered from.
    pub fixture: &'static str,
    pub kind: &'static str,
    /// Signed with a wrong secret: the endpoint must answer 401.
    pub forged: bool,
    pub body: Vec<u8>,
    pub signature: String,
}

/// Every fixture, rendered fresh and signed with `secret`, then the forged delivery: the
/// bodies and signatures `send` would make ([`Source::fixture`], [`Signer`], and
/// [`Tamper::WrongSecret`] for the forgery).
pub fn plan(catalogue: &'static [fixtures::Fixture], secret: &Secret) -> Result<Vec<Planned>> {
    let genuine = Signer {
        secret: Some(secret.clone()),
        tamper: None,
        keep_signature: false,
    };
    let forger = Signer {
        secret: None,
        tamper: Some(Tamper::WrongSecret),
        keep_signature: false,
    };
    let mut tokens = TokenSource::new();
    let mut rng = fastrand::Rng::new();
    let mut planned = |fixture: &'static fixtures::Fixture, signer: &Signer| -> Result<Planned> {
        let source = Source::fixture(fixture);
        let body = source.body(&mut tokens, &[])?.into_owned();
        let (body, signature) = signer.prepare(body, None, false, &mut rng);
        Ok(Planned {
            fixture: fixture.name,
            kind: fixture.kind,
            forged: signer.tamper.is_some(),
            body,
            signature: signature.unwrap_or_default(),
        })
    };
    let mut out = Vec::with_capacity(catalogue.len() + 1);
    for f in catalogue {
        out.push(planned(f, &genuine)?);
    }
    let f = fixtures::find(FORGED_FIXTURE).ok_or_else(|| fixtures::unknown(FORGED_FIXTURE))?;
    out.push(planned(f, &forger)?);
    Ok(out)
}

/// What the sender got for one delivery.
#[derive(Debug, Clone, PartialEq)]
pub struct Sent {
    pub n: u64,
    pub fixture: &'static str,
    pub kind: &'static str,
    pub forged: bool,
    pub status: Option<u16>,
    pub latency: Duration,
    /// Why there was no answer.
    pub error: Option<String>,
}

impl Sent {
    pub(super) fn of(
        n: u64,
        p: &Planned,
        result: std::result::Result<delivery::Response, delivery::Failure>,
    ) -> Sent {
        let (status, latency, error) = match result {
            Ok(r) => (Some(r.status), r.latency, None),
            Err(f) => (None, f.latency, Some(f.message)),
        };
        Sent {
            n,
            fixture: p.fixture,
            kind: p.kind,
            forged: p.forged,
            status,
            latency,
            error,
        }
    }

    /// A fixture must get 2xx; the forged delivery exactly 401.
    pub fn ok(&self) -> bool {
        match (self.forged, self.status) {
            (false, Some(s)) => (200..300).contains(&s),
            (true, Some(s)) => s == 401,
            (_, None) => false,
        }
    }

    pub(super) fn expected(&self) -> &'static str {
        if self.forged {
            "401"
        } else {
            "2xx"
        }
    }

    /// `messages (message)` or `forged messages (signed with a wrong secret)`.
    pub(super) fn what(&self) -> String {
        if self.forged {
            format!("forged {} (signed with a wrong secret)", self.fixture)
        } else {
            format!("{} ({})", self.fixture, self.kind)
        }
    }
}

/// The sender's side of one delivery, under the endpoint's lines:
/// `      → sent messages (message): 200 OK in 1.2 ms`.
pub fn sent_line(s: &Sent) -> String {
    let answer = match (&s.error, s.status) {
        (Some(e), _) => format!("no answer: {}", printer::clean(e, 200)),
        (None, Some(code)) => sending::status_text(code),
        (None, None) => "no answer".to_string(),
    };
    let mut line = format!(
        "      {} sent {}: {answer} in {}",
        "→".dimmed(),
        s.what(),
        printer::format_latency(s.latency)
    );
    if !s.ok() {
        line = format!(
            "{}  {}",
            line.red(),
            format!("✗ expected {}", s.expected()).red().bold()
        );
    } else if s.forged {
        line.push_str(&format!("  {}", "✓ rejected, as it must be".green()));
    }
    line
}
