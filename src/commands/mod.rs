//! One module per subcommand: each wires the core pieces together and maps results to an
//! exit code. Commands never import each other; what two share moves into a core module.

use std::ffi::OsString;
use std::process::ExitCode;

use clap::parser::ValueSource;
use clap::{ArgMatches, CommandFactory, FromArgMatches};

use crate::cli::{Cli, Command, SecretArgs};
use crate::config::{self, Config, SecretFromConfig};
use crate::error::{Error, Result};
use crate::terminal::{self, Verbosity};
use crate::webhook::secret;

pub mod completions;
pub mod demo;
pub mod fixtures;
pub mod init;
pub mod lint;
pub mod listen;
pub mod man;
pub mod send;
pub mod sign;
pub mod verify;

/// Parse the command line (clap prints help/usage errors and exits 2 itself), apply the
/// config file beneath flags and environment, and run the command.
pub fn run(args: impl IntoIterator<Item = OsString>) -> Result<ExitCode> {
    let matches = match Cli::command().try_get_matches_from(args) {
        Ok(m) => m,
        // --help and --version print and exit 0; no subcommand prints help and exits 2.
        Err(e)
            if !e.use_stderr()
                || e.kind() == clap::error::ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand =>
        {
            e.exit()
        }
        Err(e) => return Err(usage_error(&e)),
    };
    let mut cli = Cli::from_arg_matches(&matches).map_err(|e| usage_error(&e))?;
    terminal::init_color(cli.global.color.into());
    let cwd = std::env::current_dir().unwrap_or_default();
    let loaded = Config::load(cli.global.config.as_deref(), &cwd)?;
    let warnings = apply_config(&mut cli, &matches, &loaded.config, |k| {
        std::env::var(k).ok()
    });
    if !cli.global.quiet {
        for w in warnings {
            eprintln!("cmzon-hook: warning: {w}");
        }
    }
    dispatch(cli)
}

/// A clap parse error in the tool's one error format: the first line as the message, clap's
/// tip (or the usage line) as the hint.
fn usage_error(e: &clap::Error) -> Error {
    let text = e.render().to_string();
    let mut lines = text.lines().map(str::trim).filter(|l| !l.is_empty());
    let first = lines.next().unwrap_or("invalid arguments");
    let mut message = first.strip_prefix("error: ").unwrap_or(first).to_string();
    let rest: Vec<&str> = lines.collect();
    if message.ends_with(':') {
        // "the following required arguments were not provided:" + one line per argument
        let items: Vec<&str> = rest
            .iter()
            .copied()
            .take_while(|l| !l.starts_with("Usage: ") && !l.starts_with("tip: "))
            .collect();
        message = format!("{} {}", message, items.join(", "));
    }
    let tip = rest.iter().find_map(|l| l.strip_prefix("tip: "));
    let usage = rest.iter().find_map(|l| l.strip_prefix("Usage: "));
    let hint = match (tip, usage) {
        (Some(t), _) => t.to_string(),
        (None, Some(u)) => format!("usage: {u} (see --help)"),
        (None, None) => "see `cmzon-hook --help`".to_string(),
    };
    Error::usage(message).with_hint(hint)
}

/// Run an already-configured command line.
pub fn dispatch(cli: Cli) -> Result<ExitCode> {
    let verbosity = Verbosity {
        quiet: cli.global.quiet,
        verbose: cli.global.verbose,
    };
    match cli.command {
        Command::Sign(args) => sign::run(&args),
        Command::Fixtures(cmd) => fixtures::run(&cmd, verbosity),
        Command::Send(args) => send::run(&args, verbosity),
        Command::Listen(args) => listen::run(&args, verbosity),
        Command::Verify(args) => verify::run(&args, verbosity),
        Command::Lint(args) => lint::run(&args, verbosity),
        Command::Completions(args) => completions::run(&args),
        Command::Man => man::run(),
        Command::Init(args) => init::run(&args, cli.global.config.as_deref(), verbosity),
        Command::Demo(args) => demo::run(&args, verbosity),
    }
}

/// Fill what flags and environment left unset from the config. Returns warnings to show.
/// Precedence: flags > env > config > defaults.
pub fn apply_config(
    cli: &mut Cli,
    matches: &ArgMatches,
    cfg: &Config,
    env: impl Fn(&str) -> Option<String> + Copy,
) -> Vec<String> {
    let mut warnings = Vec::new();
    let url_from_env = env(config::ENV_URL).is_some();
    let sub = matches.subcommand().map(|(_, m)| m);
    let from_flag =
        |id: &str| sub.and_then(|m| m.value_source(id)) == Some(ValueSource::CommandLine);
    let mut secret = |s: &mut SecretArgs| fill_secret(s, cfg, env, &mut warnings);
    match &mut cli.command {
        Command::Sign(a) => secret(&mut a.secret),
        Command::Verify(a) => secret(&mut a.secret),
        Command::Send(a) => {
            secret(&mut a.secret);
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
        // The demo needs nothing: its secret, token and port are its own.
        Command::Fixtures(_)
        | Command::Completions(_)
        | Command::Man
        | Command::Init(_)
        | Command::Demo(_) => {}
    }
    warnings
}

fn fill_secret(
    args: &mut SecretArgs,
    cfg: &Config,
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
    match config::secret_source(cfg, &env) {
        Some(SecretFromConfig::Value(v)) => {
            if cfg.secret_env.is_none() {
                warnings.push(
                    "the config file holds the webhook secret in plain text; prefer secret_env or secret_file"
                        .to_string(),
                );
            }
            args.secret = Some(v);
        }
        Some(SecretFromConfig::File(p)) => args.secret_file = Some(p),
        // The name is not echoed: a secret pasted where the name belongs must not leak.
        Some(SecretFromConfig::UnsetEnv(_)) => warnings.push(
            "the environment variable named by secret_env in the config file is not set"
                .to_string(),
        ),
        None => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> (Cli, ArgMatches) {
        let m = Cli::command().try_get_matches_from(args).unwrap();
        (Cli::from_arg_matches(&m).unwrap(), m)
    }

    fn cfg() -> Config {
        Config::parse(
            "url = \"https://cfg.example/webhook\"\nsecret_file = \"/cfg/secret\"\nverify_token = \"cfg-token\"\n[listen]\nport = 4000\npath = \"/cfg\"\n[lint]\nbudget_ms = 99\n",
            std::path::Path::new("c.toml"),
        )
        .unwrap()
    }

    #[test]
    fn config_fills_defaults() {
        let (mut cli, m) = parse(&["cmzon-hook", "listen"]);
        apply_config(&mut cli, &m, &cfg(), |_| None);
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
        apply_config(&mut cli, &m, &cfg(), |_| None);
        let Command::Listen(a) = cli.command else {
            panic!()
        };
        assert_eq!((a.port, a.path.as_str()), (3000, "/flag"));
        assert_eq!(a.secret.secret_file, None);
        assert_eq!(a.secret.secret.as_deref(), Some("x"));
    }

    #[test]
    fn env_beats_config() {
        let env = |k: &str| {
            matches!(k, "CMZON_WEBHOOK_URL" | "CMZON_WEBHOOK_SECRET").then(|| "e".to_string())
        };
        let (mut cli, m) = parse(&["cmzon-hook", "lint"]);
        apply_config(&mut cli, &m, &cfg(), env);
        let Command::Lint(a) = cli.command else {
            panic!()
        };
        assert_eq!(a.url, None, "the command reads CMZON_WEBHOOK_URL itself");
        assert_eq!(a.secret.secret_file, None);
        assert_eq!(a.budget, Some(99));
    }

    #[test]
    fn plain_secret_warns() {
        let c = Config {
            secret: Some("plain".into()),
            ..Default::default()
        };
        let (mut cli, m) = parse(&["cmzon-hook", "sign"]);
        let w = apply_config(&mut cli, &m, &c, |_| None);
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
