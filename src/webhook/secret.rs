//! Where the webhook secret comes from, and keeping it out of every output.
//!
//! Order: `--secret`, `--secret-file` (one trailing newline stripped), env
//! `CMZON_WEBHOOK_SECRET`, env `WEBHOOK_SECRET` (the name CMzon's examples use).

use std::fmt;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

pub const ENV_PRIMARY: &str = "CMZON_WEBHOOK_SECRET";
pub const ENV_FALLBACK: &str = "WEBHOOK_SECRET";

/// The secret's bytes. `Debug` is redacted and there is deliberately no `Display`.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(Vec<u8>);

impl Secret {
    pub fn new(bytes: impl Into<Vec<u8>>) -> Self {
        Secret(bytes.into())
    }
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }
    /// Replace any occurrence of the secret in `text` (belt and braces for messages built
    /// from third-party errors).
    pub fn redact(&self, text: &str) -> String {
        match std::str::from_utf8(&self.0) {
            Ok(s) if !s.is_empty() => text.replace(s, "<secret>"),
            _ => text.to_string(),
        }
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}

/// Where the config file put the secret (no flag or standard variable gave one), so messages
/// name the real source (`MY_APP_SECRET, named by cmzon-hook.toml`) and suggested commands
/// read it the same way.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigSecret {
    pub kind: ConfigSecretKind,
    /// The config file as the user gave it: `cmzon-hook.toml`, or the `--config` path.
    pub origin: String,
    /// `--config` was given: a suggested command must repeat it.
    pub explicit: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConfigSecretKind {
    /// `secret_env = "NAME"`, and NAME is set.
    Env(String),
    /// `secret_env` names a variable that is not set (or empty). `None` when the name does not
    /// look like a variable name (the secret itself may have been pasted there): not echoed.
    UnsetEnv(Option<String>),
    /// `secret_file = "PATH"` (resolved against the config file's directory).
    File(PathBuf),
    /// `secret = "…"`: the secret in the file itself (discouraged).
    Plain,
}

impl ConfigSecret {
    /// The source in words, e.g. `MY_APP_SECRET, named by cmzon-hook.toml` (never the value).
    pub fn describe(&self) -> String {
        let origin = &self.origin;
        match &self.kind {
            ConfigSecretKind::Env(name) | ConfigSecretKind::UnsetEnv(Some(name)) => {
                format!("{name}, named by {origin}")
            }
            ConfigSecretKind::UnsetEnv(None) => {
                format!("the variable named by secret_env in {origin}")
            }
            ConfigSecretKind::File(p) => format!("{}, named by {origin}", p.display()),
            ConfigSecretKind::Plain => format!("the secret written in {origin}"),
        }
    }

    /// The warning when `secret_env` names a variable that is not set; `None` otherwise.
    pub fn unset_warning(&self) -> Option<String> {
        let origin = &self.origin;
        match &self.kind {
            ConfigSecretKind::UnsetEnv(Some(name)) => Some(format!(
                "{name} (named by secret_env in {origin}) is not set (or empty): export {name}, or pass --secret-file PATH"
            )),
            // The name is not echoed: a secret pasted where the name belongs must not leak.
            ConfigSecretKind::UnsetEnv(None) => Some(format!(
                "the environment variable named by secret_env in {origin} is not set or empty (its name is not shown: it does not look like a variable name; is the secret itself written there?)"
            )),
            _ => None,
        }
    }
}

/// Whether `name` looks like an environment variable's name as people write them
/// (`MY_APP_SECRET`): upper-case letters, digits and `_`, not starting with a digit. Only such
/// names are echoed in messages.
pub fn looks_like_env_name(name: &str) -> bool {
    let mut chars = name.chars();
    name.len() <= 64
        && chars
            .next()
            .is_some_and(|c| c.is_ascii_uppercase() || c == '_')
        && chars.all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
}

/// Where a secret was found, for messages (never the value).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SecretSource {
    Flag,
    File,
    EnvPrimary,
    EnvFallback,
}

impl fmt::Display for SecretSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            SecretSource::Flag => "--secret",
            SecretSource::File => "--secret-file",
            SecretSource::EnvPrimary => ENV_PRIMARY,
            SecretSource::EnvFallback => ENV_FALLBACK,
        })
    }
}

/// Resolve the secret from the flags and an environment lookup (injected for tests).
/// Returns `Ok(None)` when no source is set.
pub fn resolve(
    flag: Option<&str>,
    file: Option<&Path>,
    env: impl Fn(&str) -> Option<String>,
) -> Result<Option<(Secret, SecretSource)>> {
    if let Some(s) = flag {
        return non_empty(s.as_bytes().to_vec(), SecretSource::Flag).map(Some);
    }
    if let Some(path) = file {
        // The path is not echoed: a secret pasted where the path belongs must not leak.
        let mut bytes = std::fs::read(path).map_err(|e| {
            let what = Error::file("the secret file", &e).message;
            Error::input(format!(
                "{what} (from --secret-file or secret_file in the config)"
            ))
            .with_hint("--secret-file must name a readable file holding the secret")
        })?;
        if bytes.ends_with(b"\n") {
            bytes.pop();
            if bytes.ends_with(b"\r") {
                bytes.pop();
            }
        }
        return non_empty(bytes, SecretSource::File).map(Some);
    }
    for (name, source) in [
        (ENV_PRIMARY, SecretSource::EnvPrimary),
        (ENV_FALLBACK, SecretSource::EnvFallback),
    ] {
        if let Some(v) = env(name) {
            return non_empty(v.into_bytes(), source).map(Some);
        }
    }
    Ok(None)
}

/// Resolve from the real process environment.
pub fn resolve_env(
    flag: Option<&str>,
    file: Option<&Path>,
) -> Result<Option<(Secret, SecretSource)>> {
    resolve(flag, file, |k| std::env::var(k).ok())
}

/// Like [`resolve_env`] but a missing secret is a usage error naming every way to give one.
pub fn require(flag: Option<&str>, file: Option<&Path>) -> Result<Secret> {
    resolve_env(flag, file)?.map(|(s, _)| s).ok_or_else(missing)
}

/// The error for a command that needs a secret and has none.
pub fn missing() -> Error {
    Error::usage("no webhook secret given").with_hint(format!(
        "pass --secret SECRET, --secret-file PATH, or set {ENV_PRIMARY} (or {ENV_FALLBACK})"
    ))
}

fn non_empty(bytes: Vec<u8>, source: SecretSource) -> Result<(Secret, SecretSource)> {
    if bytes.is_empty() {
        return Err(
            Error::usage(format!("the webhook secret from {source} is empty"))
                .with_hint("give the secret CMzon shows in the dashboard's webhook settings"),
        );
    }
    Ok((Secret(bytes), source))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn no_env(_: &str) -> Option<String> {
        None
    }

    #[test]
    fn only_names_that_look_like_variables_are_echoed() {
        assert!(looks_like_env_name("MY_APP_SECRET"));
        assert!(looks_like_env_name("_S1"));
        for not in ["", "1ABC", "Zq-HARDEN-s3cr3t", "whsec_abc", "A B"] {
            assert!(!looks_like_env_name(not), "{not}");
        }
        let c = ConfigSecret {
            kind: ConfigSecretKind::UnsetEnv(None),
            origin: "cmzon-hook.toml".into(),
            explicit: false,
        };
        assert!(c
            .unset_warning()
            .unwrap()
            .contains("secret_env in cmzon-hook.toml"));
    }

    #[test]
    fn flag_wins_over_env() {
        let (s, src) = resolve(Some("flag"), None, |_| Some("env".into()))
            .unwrap()
            .unwrap();
        assert_eq!(s.as_bytes(), b"flag");
        assert_eq!(src, SecretSource::Flag);
    }

    #[test]
    fn primary_env_wins_over_fallback() {
        let env = |k: &str| match k {
            ENV_PRIMARY => Some("primary".to_string()),
            ENV_FALLBACK => Some("fallback".to_string()),
            _ => None,
        };
        let (s, src) = resolve(None, None, env).unwrap().unwrap();
        assert_eq!(s.as_bytes(), b"primary");
        assert_eq!(src, SecretSource::EnvPrimary);
        let env = |k: &str| (k == ENV_FALLBACK).then(|| "fallback".to_string());
        let (s, _) = resolve(None, None, env).unwrap().unwrap();
        assert_eq!(s.as_bytes(), b"fallback");
    }

    #[test]
    fn file_strips_one_trailing_newline() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("s");
        std::fs::write(&p, "abc \r\n").unwrap();
        let (s, _) = resolve(None, Some(&p), no_env).unwrap().unwrap();
        assert_eq!(s.as_bytes(), b"abc ");
        std::fs::write(&p, "abc\n\n").unwrap();
        let (s, _) = resolve(None, Some(&p), no_env).unwrap().unwrap();
        assert_eq!(s.as_bytes(), b"abc\n");
    }

    #[test]
    fn none_and_empty() {
        assert!(resolve(None, None, no_env).unwrap().is_none());
        let e = resolve(Some(""), None, no_env).unwrap_err();
        assert_eq!(e.exit_code(), 2);
        let m = missing();
        let text = format!("{} {}", m.message, m.hint.unwrap());
        for way in ["--secret", "--secret-file", ENV_PRIMARY] {
            assert!(text.contains(way), "{text}");
        }
    }

    #[test]
    fn debug_and_redact_hide_value() {
        let s = Secret::new("hunter2");
        assert!(!format!("{s:?}").contains("hunter2"));
        assert_eq!(s.redact("x hunter2 y"), "x <secret> y");
    }
}
