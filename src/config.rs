//! `cmzon-hook.toml`: per-project defaults. Precedence, highest first:
//! command-line flags > environment variables > config file > built-in defaults.
//!
//! The config never needs to hold the secret: it names where the secret comes from
//! (`secret_env`, an environment variable, or `secret_file`). A plain `secret` is accepted
//! with a warning, because config files end up in repositories.
//!
//! ```toml
//! url = "https://example.com/webhook"   # send --to / lint URL
//! secret_env = "MY_APP_WEBHOOK_SECRET"  # or: secret_file = ".secrets/webhook"
//! verify_token = "my-verify-token"      # listen/lint --verify-token
//!
//! [listen]
//! host = "127.0.0.1"
//! port = 3000
//! path = "/webhook"
//!
//! [lint]
//! budget_ms = 250
//! ```

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// The file looked for in the working directory when `--config` is not given.
pub const FILE_NAME: &str = "cmzon-hook.toml";
/// Environment variable giving the endpoint URL (below flags, above the config).
pub const ENV_URL: &str = "CMZON_WEBHOOK_URL";

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// Name of an environment variable holding the secret.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret_env: Option<String>,
    /// Path of a file holding the secret (relative to the config file).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret_file: Option<PathBuf>,
    /// The secret itself: discouraged, warned about.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verify_token: Option<String>,
    #[serde(default, skip_serializing_if = "ListenConfig::is_empty")]
    pub listen: ListenConfig,
    #[serde(default, skip_serializing_if = "LintConfig::is_empty")]
    pub lint: LintConfig,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ListenConfig {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub host: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub port: Option<u16>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
}

impl ListenConfig {
    fn is_empty(&self) -> bool {
        self == &ListenConfig::default()
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LintConfig {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub budget_ms: Option<u64>,
}

impl LintConfig {
    fn is_empty(&self) -> bool {
        self == &LintConfig::default()
    }
}

/// A loaded config and the file it came from.
#[derive(Debug, Clone, Default)]
pub struct Loaded {
    pub config: Config,
    pub path: Option<PathBuf>,
}

impl Config {
    /// Parse TOML text; errors name the file and the line.
    pub fn parse(text: &str, origin: &Path) -> Result<Config> {
        toml::from_str(text).map_err(|e| {
            let line = e
                .span()
                .map(|s| format!(":{}", text.as_bytes()[..s.start.min(text.len())].iter().filter(|&&b| b == b'\n').count() + 1))
                .unwrap_or_default();
            let msg = scrub(e.message().lines().next().unwrap_or("invalid TOML"));
            Error::input(format!("{}{line}: {msg}", origin.display())).with_hint(
                "keys: url, secret_env, secret_file, secret, verify_token, [listen] host/port/path, [lint] budget_ms",
            )
        })
    }

    /// Load `explicit` (must exist), else `./cmzon-hook.toml` when present, else defaults.
    pub fn load(explicit: Option<&Path>, cwd: &Path) -> Result<Loaded> {
        let path = match explicit {
            Some(p) => p.to_path_buf(),
            None => {
                let p = cwd.join(FILE_NAME);
                if !p.is_file() {
                    return Ok(Loaded::default());
                }
                p
            }
        };
        let text = std::fs::read_to_string(&path).map_err(|e| {
            Error::file(path.display(), &e)
                .with_hint("--config must name a readable cmzon-hook.toml")
        })?;
        let mut config = Config::parse(&text, &path)?;
        if let (Some(f), Some(dir)) = (&config.secret_file, path.parent()) {
            if f.is_relative() {
                config.secret_file = Some(dir.join(f));
            }
        }
        Ok(Loaded {
            config,
            path: Some(path),
        })
    }

    /// Render as TOML (what `init` writes).
    pub fn to_toml(&self) -> String {
        toml::to_string(self).unwrap_or_default()
    }
}

/// A TOML/serde message without the user's own text: a misplaced secret (as a key, or as a
/// value of the wrong type) must not be echoed back into logs.
fn scrub(msg: &str) -> String {
    if msg.starts_with("unknown field `") {
        return "unknown key".to_string();
    }
    // serde quotes offending values: invalid type: string "…", expected u16
    let mut out = String::with_capacity(msg.len());
    let mut rest = msg;
    while let Some(i) = rest.find('"') {
        out.push_str(&rest[..i]);
        match rest[i + 1..].find('"') {
            Some(j) => {
                out.push_str("\"…\"");
                rest = &rest[i + 1 + j + 1..];
            }
            None => {
                rest = "";
            }
        }
    }
    out.push_str(rest);
    out
}

/// Resolved secret source from the config, used only when no flag and no standard env var
/// gave one. `env` is injected for tests.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SecretFromConfig {
    /// Value read from the variable named by `secret_env`.
    Value(String),
    File(PathBuf),
    /// `secret_env` names a variable that is not set.
    UnsetEnv(String),
}

pub fn secret_source(
    config: &Config,
    env: impl Fn(&str) -> Option<String>,
) -> Option<SecretFromConfig> {
    if let Some(name) = &config.secret_env {
        return Some(match env(name) {
            Some(v) => SecretFromConfig::Value(v),
            None => SecretFromConfig::UnsetEnv(name.clone()),
        });
    }
    if let Some(f) = &config.secret_file {
        return Some(SecretFromConfig::File(f.clone()));
    }
    config.secret.clone().map(SecretFromConfig::Value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_full_config() {
        let c = Config::parse(
            "url = \"https://x.example/webhook\"\nsecret_env = \"S\"\nverify_token = \"t\"\n[listen]\nport = 4000\npath = \"/hook\"\n[lint]\nbudget_ms = 100\n",
            Path::new("c.toml"),
        )
        .unwrap();
        assert_eq!(c.url.as_deref(), Some("https://x.example/webhook"));
        assert_eq!(c.listen.port, Some(4000));
        assert_eq!(c.lint.budget_ms, Some(100));
        assert_eq!(Config::parse(&c.to_toml(), Path::new("c")).unwrap(), c);
    }

    #[test]
    fn messages_do_not_echo_user_text() {
        assert_eq!(
            scrub("unknown field `hunter2`, expected one of `url`"),
            "unknown key"
        );
        assert_eq!(
            scrub("invalid type: string \"hunter2\", expected u16"),
            "invalid type: string \"…\", expected u16"
        );
        let e =
            Config::parse("port = 1\n[listen]\nport = \"hunter2\"\n", Path::new("c")).unwrap_err();
        assert!(!e.message.contains("hunter2"), "{}", e.message);
    }

    #[test]
    fn unknown_keys_are_errors_with_line() {
        let e = Config::parse("url = \"a\"\nsecrett = \"x\"\n", Path::new("c.toml")).unwrap_err();
        assert!(e.message.starts_with("c.toml:2:"), "{}", e.message);
        assert_eq!(e.exit_code(), 2);
    }

    #[test]
    fn secret_source_order() {
        let mut c = Config {
            secret_env: Some("MINE".into()),
            secret_file: Some("f".into()),
            ..Default::default()
        };
        let env = |k: &str| (k == "MINE").then(|| "v".to_string());
        assert_eq!(
            secret_source(&c, env),
            Some(SecretFromConfig::Value("v".into()))
        );
        assert_eq!(
            secret_source(&c, |_| None),
            Some(SecretFromConfig::UnsetEnv("MINE".into()))
        );
        c.secret_env = None;
        assert_eq!(
            secret_source(&c, |_| None),
            Some(SecretFromConfig::File("f".into()))
        );
        assert_eq!(secret_source(&Config::default(), |_| None), None);
    }

    #[test]
    fn load_resolves_relative_secret_file_and_missing_default() {
        let dir = tempfile::tempdir().unwrap();
        assert!(Config::load(None, dir.path()).unwrap().path.is_none());
        std::fs::write(dir.path().join(FILE_NAME), "secret_file = \"s.txt\"\n").unwrap();
        let l = Config::load(None, dir.path()).unwrap();
        assert_eq!(l.config.secret_file, Some(dir.path().join("s.txt")));
        assert!(Config::load(Some(&dir.path().join("nope.toml")), dir.path()).is_err());
    }
}
