//! `cmzon-hook.toml`: per-project defaults. Precedence, highest first:
//! command-line flags > environment variables > config file > built-in defaults
//! ([`apply_to_cli`] fills a parsed command line from the file).
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
//!
//! [fixtures]
//! identity = "username-only"            # fixtures show / send --identity
//! ```

use std::path::{Path, PathBuf};

use clap::parser::ValueSource;
use clap::ArgMatches;
use serde::{Deserialize, Serialize};

use crate::cli::{Cli, Command, FixturesCommand, IdentityArg, SecretArgs};
use crate::error::{Error, Result};
use crate::webhook::fixtures::Identity;
use crate::webhook::secret::{self, ConfigSecret, ConfigSecretKind};

/// The file looked for in the working directory when `--config` is not given.
pub const FILE_NAME: &str = "cmzon-hook.toml";
/// Environment variable giving the endpoint URL (below flags, above the config).
pub const ENV_URL: &str = "CMZON_WEBHOOK_URL";

/// The endpoint URL `send` and `lint` use: the command line's, else a non-blank
/// [`ENV_URL`] (the config file's `url` reaches the command line before this).
pub fn endpoint_url(flag: Option<&str>, env: Option<String>) -> Option<String> {
    flag.map(str::to_string)
        .or(env.filter(|v| !v.trim().is_empty()))
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConfigFile {
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
    #[serde(default, skip_serializing_if = "FixturesConfig::is_empty")]
    pub fixtures: FixturesConfig,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FixturesConfig {
    /// `both`, `username-only` or `phone-only`: the default of `--identity`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identity: Option<String>,
}

impl FixturesConfig {
    fn is_empty(&self) -> bool {
        self == &FixturesConfig::default()
    }

    /// The configured identity (checked valid by [`ConfigFile::parse`]).
    pub fn identity(&self) -> Option<Identity> {
        self.identity.as_deref().and_then(Identity::parse)
    }
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
pub struct LoadedConfig {
    pub config: ConfigFile,
    pub path: Option<PathBuf>,
}

impl ConfigFile {
    /// Parse TOML text; errors name the file and the line.
    pub fn parse(text: &str, origin: &Path) -> Result<ConfigFile> {
        let config: ConfigFile = toml::from_str(text).map_err(|e| {
            let line = e
                .span()
                .map(|s| format!(":{}", text.as_bytes()[..s.start.min(text.len())].iter().filter(|&&b| b == b'\n').count() + 1))
                .unwrap_or_default();
            let msg = scrub(e.message().lines().next().unwrap_or("invalid TOML"));
            Error::input(format!("{}{line}: {msg}", origin.display())).with_hint(
                "keys: url, secret_env, secret_file, secret, verify_token, [listen] host/port/path, [lint] budget_ms, [fixtures] identity",
            )
        })?;
        if let Some(value) = &config.fixtures.identity {
            if Identity::parse(value).is_none() {
                // The line of the key, without echoing the value.
                let line = text
                    .lines()
                    .position(|l| l.trim_start().starts_with("identity"))
                    .map(|i| format!(":{}", i + 1))
                    .unwrap_or_default();
                return Err(Error::input(format!(
                    "{}{line}: [fixtures] identity must be both, username-only or phone-only",
                    origin.display()
                ))
                .with_hint("e.g. identity = \"username-only\" under [fixtures]"));
            }
        }
        Ok(config)
    }

    /// Load `explicit` (must exist), else `./cmzon-hook.toml` when present, else defaults.
    pub fn load(explicit: Option<&Path>, cwd: &Path) -> Result<LoadedConfig> {
        let path = match explicit {
            Some(p) => p.to_path_buf(),
            None => {
                let p = cwd.join(FILE_NAME);
                if !p.is_file() {
                    return Ok(LoadedConfig::default());
                }
                p
            }
        };
        let text = std::fs::read_to_string(&path).map_err(|e| {
            Error::file(path.display(), &e)
                .with_hint("--config must name a readable cmzon-hook.toml")
        })?;
        let mut config = ConfigFile::parse(&text, &path)?;
        if let (Some(f), Some(dir)) = (&config.secret_file, path.parent()) {
            if f.is_relative() {
                config.secret_file = Some(dir.join(f));
            }
        }
        Ok(LoadedConfig {
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
    if let Some(rest) = msg.strip_prefix("unknown field `") {
        return unknown_key(rest);
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

/// "unknown key `secrett` (did you mean `secret`?)" from the rest of serde's message
/// ("secrett`, expected one of `url`, `secret`, …"). The key is named only when it reads like
/// a key: a misplaced secret (`hunter2 = 1`, a pasted token) stays unnamed.
fn unknown_key(rest: &str) -> String {
    let Some((key, tail)) = rest.split_once('`') else {
        return "unknown key".to_string();
    };
    let valid: Vec<&str> = tail
        .split('`')
        .skip(1)
        .step_by(2)
        .filter(|k| !k.is_empty())
        .collect();
    let closest = valid
        .iter()
        .map(|v| (strsim::jaro_winkler(&key.to_ascii_lowercase(), v), *v))
        .filter(|(score, _)| *score >= 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, v)| v);
    let key_like = key.len() <= 32
        && key
            .chars()
            .all(|c| c.is_ascii_alphabetic() || c == '_' || c == '-' || c == '.');
    let named = if key_like {
        format!("unknown key `{key}`")
    } else {
        "unknown key (not shown: it looks like a secret)".to_string()
    };
    let table = [
        ("host", "[listen]"),
        ("port", "[listen]"),
        ("path", "[listen]"),
        ("budget_ms", "[lint]"),
        ("identity", "[fixtures]"),
    ]
    .iter()
    .find(|(k, _)| *k == key && !valid.contains(k));
    if let Some((_, table)) = table {
        return format!("{named} (it belongs under {table})");
    }
    match (closest, valid.is_empty()) {
        (Some(v), _) => format!("{named} (did you mean `{v}`?)"),
        (None, false) => format!("{named}; valid keys here: {}", valid.join(", ")),
        (None, true) => named,
    }
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
    config: &ConfigFile,
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

/// Fill what flags and environment left unset from the config. Returns warnings to show.
/// Precedence: flags > env > config > defaults.
pub fn apply_to_cli(
    cli: &mut Cli,
    matches: &ArgMatches,
    cfg: &ConfigFile,
    env: impl Fn(&str) -> Option<String> + Copy,
) -> Vec<String> {
    let mut warnings = Vec::new();
    let url_from_env = env(ENV_URL).is_some();
    let sub = matches.subcommand().map(|(_, m)| m);
    let from_flag =
        |id: &str| sub.and_then(|m| m.value_source(id)) == Some(ValueSource::CommandLine);
    let explicit = cli.global.config.clone();
    let mut secret =
        |s: &mut SecretArgs| fill_secret(s, cfg, explicit.as_deref(), env, &mut warnings);
    match &mut cli.command {
        Command::Sign(a) => secret(&mut a.secret),
        Command::Verify(a) => secret(&mut a.secret),
        Command::Send(a) => {
            secret(&mut a.secret);
            a.identity_config = cfg.fixtures.identity().map(IdentityArg::from_identity);
            if a.to.is_none() && !url_from_env {
                a.to.clone_from(&cfg.url);
            }
        }
        Command::Lint(a) => {
            secret(&mut a.secret);
            if a.url.is_none() && !url_from_env {
                a.url.clone_from(&cfg.url);
            }
            if a.verify_token.is_none() {
                a.verify_token.clone_from(&cfg.verify_token);
            }
            if a.budget.is_none() {
                a.budget = cfg.lint.budget_ms;
            }
        }
        Command::Listen(a) => {
            secret(&mut a.secret);
            if a.verify_token.is_none() {
                a.verify_token.clone_from(&cfg.verify_token);
            }
            if let (Some(h), false) = (&cfg.listen.host, from_flag("host")) {
                a.host.clone_from(h);
            }
            if let (Some(p), false) = (cfg.listen.port, from_flag("port")) {
                a.port = p;
            }
            if let (Some(p), false) = (&cfg.listen.path, from_flag("path")) {
                a.path.clone_from(p);
            }
        }
        Command::Fixtures(a) => {
            if let FixturesCommand::Show {
                identity_config, ..
            } = a
            {
                *identity_config = cfg.fixtures.identity().map(IdentityArg::from_identity);
            }
        }
        // The demo needs nothing: its secret, token and port are its own.
        Command::Completions(_) | Command::Man | Command::Init(_) | Command::Demo(_) => {}
    }
    warnings
}

fn fill_secret(
    args: &mut SecretArgs,
    cfg: &ConfigFile,
    explicit: Option<&Path>,
    env: impl Fn(&str) -> Option<String>,
    warnings: &mut Vec<String>,
) {
    let given = args.secret.is_some()
        || args.secret_file.is_some()
        || env(secret::ENV_PRIMARY).is_some()
        || env(secret::ENV_FALLBACK).is_some();
    if given {
        return;
    }
    let kind = match secret_source(cfg, &env) {
        // An empty variable gives no secret; the warning below names it (not `--secret`).
        Some(SecretFromConfig::Value(v)) if v.is_empty() && cfg.secret_env.is_some() => {
            let name = cfg.secret_env.clone().unwrap_or_default();
            ConfigSecretKind::UnsetEnv(secret::looks_like_env_name(&name).then_some(name))
        }
        Some(SecretFromConfig::Value(v)) => {
            let kind = match &cfg.secret_env {
                Some(name) => ConfigSecretKind::Env(name.clone()),
                None => {
                    warnings.push(
                        "the config file holds the webhook secret in plain text; prefer secret_env or secret_file"
                            .to_string(),
                    );
                    ConfigSecretKind::Plain
                }
            };
            args.secret = Some(v);
            kind
        }
        Some(SecretFromConfig::File(p)) => {
            args.secret_file = Some(p.clone());
            ConfigSecretKind::File(p)
        }
        // The name is echoed only when it looks like one: a secret pasted where the name
        // belongs must not leak.
        Some(SecretFromConfig::UnsetEnv(name)) => {
            ConfigSecretKind::UnsetEnv(secret::looks_like_env_name(&name).then_some(name))
        }
        None => return,
    };
    let from = ConfigSecret {
        kind,
        origin: match explicit {
            Some(p) => p.display().to_string(),
            None => FILE_NAME.to_string(),
        },
        explicit: explicit.is_some(),
    };
    if let Some(w) = from.unset_warning() {
        warnings.push(w);
    }
    args.from_config = Some(from);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_full_config() {
        let c = ConfigFile::parse(
            "url = \"https://x.example/webhook\"\nsecret_env = \"S\"\nverify_token = \"t\"\n[listen]\nport = 4000\npath = \"/hook\"\n[lint]\nbudget_ms = 100\n",
            Path::new("c.toml"),
        )
        .unwrap();
        assert_eq!(c.url.as_deref(), Some("https://x.example/webhook"));
        assert_eq!(c.listen.port, Some(4000));
        assert_eq!(c.lint.budget_ms, Some(100));
        assert_eq!(ConfigFile::parse(&c.to_toml(), Path::new("c")).unwrap(), c);
    }

    #[test]
    fn messages_do_not_echo_user_text() {
        assert_eq!(
            scrub("unknown field `hunter2`, expected one of `url`"),
            "unknown key (not shown: it looks like a secret); valid keys here: url"
        );
        assert!(!scrub("unknown field `s3cr3t-Xy9`, expected one of `secret`").contains("s3cr3t"),);
        assert_eq!(
            scrub("invalid type: string \"hunter2\", expected u16"),
            "invalid type: string \"…\", expected u16"
        );
        let e = ConfigFile::parse("port = 1\n[listen]\nport = \"hunter2\"\n", Path::new("c"))
            .unwrap_err();
        assert!(!e.message.contains("hunter2"), "{}", e.message);
    }

    #[test]
    fn unknown_keys_are_errors_with_line() {
        let e =
            ConfigFile::parse("url = \"a\"\nsecrett = \"x\"\n", Path::new("c.toml")).unwrap_err();
        assert!(e.message.starts_with("c.toml:2:"), "{}", e.message);
        assert!(
            e.message
                .ends_with("unknown key `secrett` (did you mean `secret`?)"),
            "{}",
            e.message
        );
        assert_eq!(e.exit_code(), 2);
        let e = ConfigFile::parse("[listen]\nprot = 1\n", Path::new("c")).unwrap_err();
        assert!(
            e.message
                .ends_with("unknown key `prot` (did you mean `port`?)"),
            "{}",
            e.message
        );
    }

    #[test]
    fn secret_source_order() {
        let mut c = ConfigFile {
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
        assert_eq!(secret_source(&ConfigFile::default(), |_| None), None);
    }

    #[test]
    fn load_resolves_relative_secret_file_and_missing_default() {
        let dir = tempfile::tempdir().unwrap();
        assert!(ConfigFile::load(None, dir.path()).unwrap().path.is_none());
        std::fs::write(dir.path().join(FILE_NAME), "secret_file = \"s.txt\"\n").unwrap();
        let l = ConfigFile::load(None, dir.path()).unwrap();
        assert_eq!(l.config.secret_file, Some(dir.path().join("s.txt")));
        assert!(ConfigFile::load(Some(&dir.path().join("nope.toml")), dir.path()).is_err());
    }

    /// Flags > env > config > defaults, applied to parsed command lines.
    mod applied {
        use super::*;
        use clap::{CommandFactory, FromArgMatches};

        fn parse(args: &[&str]) -> (Cli, ArgMatches) {
            let m = Cli::command().try_get_matches_from(args).unwrap();
            (Cli::from_arg_matches(&m).unwrap(), m)
        }

        fn cfg() -> ConfigFile {
            ConfigFile::parse(
                "url = \"https://cfg.example/webhook\"\nsecret_file = \"/cfg/secret\"\nverify_token = \"cfg-token\"\n[listen]\nport = 4000\npath = \"/cfg\"\n[lint]\nbudget_ms = 99\n",
                std::path::Path::new("c.toml"),
            )
            .unwrap()
        }

        #[test]
        fn config_fills_defaults() {
            let (mut cli, m) = parse(&["cmzon-hook", "listen"]);
            apply_to_cli(&mut cli, &m, &cfg(), |_| None);
            let Command::Listen(a) = cli.command else {
                panic!()
            };
            assert_eq!((a.port, a.path.as_str()), (4000, "/cfg"));
            assert_eq!(a.verify_token.as_deref(), Some("cfg-token"));
            assert_eq!(
                a.secret.secret_file.as_deref(),
                Some(std::path::Path::new("/cfg/secret"))
            );
        }

        #[test]
        fn fixtures_identity_reaches_send_and_show_and_is_checked() {
            let cfg = ConfigFile::parse(
                "[fixtures]\nidentity = \"phone-only\"\n",
                std::path::Path::new("c.toml"),
            )
            .unwrap();
            let (mut cli, m) = parse(&["cmzon-hook", "send", "messages"]);
            apply_to_cli(&mut cli, &m, &cfg, |_| None);
            let Command::Send(a) = cli.command else {
                panic!()
            };
            assert_eq!(a.identity_config, Some(IdentityArg::PhoneOnly));
            assert_eq!(a.identity, None);
            let (mut cli, m) =
                parse(&["cmzon-hook", "fixtures", "show", "x", "--identity", "both"]);
            apply_to_cli(&mut cli, &m, &cfg, |_| None);
            let Command::Fixtures(FixturesCommand::Show {
                identity,
                identity_config,
                ..
            }) = cli.command
            else {
                panic!()
            };
            assert_eq!(
                (identity, identity_config),
                (Some(IdentityArg::Both), Some(IdentityArg::PhoneOnly))
            );
            let e = ConfigFile::parse(
                "url = \"x\"\n[fixtures]\nidentity = \"hunter2\"\n",
                std::path::Path::new("c.toml"),
            )
            .unwrap_err();
            assert_eq!(
                e.message,
                "c.toml:3: [fixtures] identity must be both, username-only or phone-only"
            );
            let e =
                ConfigFile::parse("identity = \"both\"\n", std::path::Path::new("c")).unwrap_err();
            assert!(
                e.message.contains("belongs under [fixtures]"),
                "{}",
                e.message
            );
        }

        #[test]
        fn flags_beat_config() {
            let (mut cli, m) = parse(&[
                "cmzon-hook",
                "listen",
                "--port",
                "3000",
                "--path",
                "/flag",
                "--secret",
                "x",
            ]);
            apply_to_cli(&mut cli, &m, &cfg(), |_| None);
            let Command::Listen(a) = cli.command else {
                panic!()
            };
            assert_eq!((a.port, a.path.as_str()), (3000, "/flag"));
            assert_eq!(a.secret.secret_file, None);
            assert_eq!(a.secret.secret.as_deref(), Some("x"));
        }

        #[test]
        fn secret_env_is_named_as_the_source_set_unset_or_empty() {
            let c = ConfigFile {
                secret_env: Some("MY_APP_SECRET".into()),
                ..ConfigFile::default()
            };
            for (value, secret, warned) in [
                (Some("s3cret"), Some("s3cret"), false),
                (None, None, true),
                (Some(""), None, true),
            ] {
                let env = move |k: &str| (k == "MY_APP_SECRET").then_some(value)?.map(String::from);
                let (mut cli, m) = parse(&["cmzon-hook", "listen"]);
                let w = apply_to_cli(&mut cli, &m, &c, env);
                let Command::Listen(a) = cli.command else {
                    panic!()
                };
                assert_eq!(a.secret.secret.as_deref(), secret, "{value:?}");
                let from = a.secret.from_config.expect("named by the config");
                assert!(from
                    .describe()
                    .starts_with("MY_APP_SECRET, named by cmzon-hook.toml"));
                assert_eq!(
                    w.iter().any(|w| w.starts_with(
                        "MY_APP_SECRET (named by secret_env in cmzon-hook.toml) is not set"
                    )),
                    warned,
                    "{value:?}: {w:?}"
                );
            }
        }

        #[test]
        fn env_beats_config() {
            let env = |k: &str| {
                matches!(k, "CMZON_WEBHOOK_URL" | "CMZON_WEBHOOK_SECRET").then(|| "e".to_string())
            };
            let (mut cli, m) = parse(&["cmzon-hook", "lint"]);
            apply_to_cli(&mut cli, &m, &cfg(), env);
            let Command::Lint(a) = cli.command else {
                panic!()
            };
            assert_eq!(a.url, None, "the command reads CMZON_WEBHOOK_URL itself");
            assert_eq!(a.secret.secret_file, None);
            assert_eq!(a.budget, Some(99));
        }

        #[test]
        fn plain_secret_warns() {
            let c = ConfigFile {
                secret: Some("plain".into()),
                ..Default::default()
            };
            let (mut cli, m) = parse(&["cmzon-hook", "sign"]);
            let w = apply_to_cli(&mut cli, &m, &c, |_| None);
            assert_eq!(w.len(), 1);
            assert!(
                !w[0].contains("plain\""),
                "warning must not echo the secret"
            );
            let Command::Sign(a) = cli.command else {
                panic!()
            };
            assert_eq!(a.secret.secret.as_deref(), Some("plain"));
        }
    }
}
