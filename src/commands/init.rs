//! `cmzon-hook init`: write a `cmzon-hook.toml`, by asking on a terminal or from flags.
//! Without a terminal and without flags it fails (exit 2) naming the flags to use.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use dialoguer::{Confirm, Input, Select};

use crate::cli::InitArgs;
use crate::config::{self, ConfigFile, ListenConfig};
use crate::error::{Error, Result};
use crate::terminal::{self, Verbosity};

pub fn run(args: &InitArgs, config_flag: Option<&Path>, verbosity: Verbosity) -> Result<ExitCode> {
    let target = args
        .output
        .clone()
        .or_else(|| config_flag.map(Path::to_path_buf))
        .unwrap_or_else(|| PathBuf::from(config::FILE_NAME));
    let from_flags = args.url.is_some()
        || args.secret_env.is_some()
        || args.secret_file.is_some()
        || args.verify_token.is_some()
        || args.port.is_some()
        || args.path.is_some();
    let config = if from_flags {
        config_from_flags(args)?
    } else if terminal::interactive() {
        ask(&target)?
    } else {
        return Err(Error::usage("init needs a terminal to ask its questions").with_hint(
            "pass the answers as flags instead: cmzon-hook init --url URL --secret-env NAME [--verify-token TOKEN] [--port N]",
        ));
    };
    if target.exists() && !args.force {
        let overwrite = terminal::interactive()
            && !from_flags
            && Confirm::new()
                .with_prompt(format!("{} exists. Overwrite it?", target.display()))
                .default(false)
                .interact()
                .map_err(prompt_error)?;
        if !overwrite {
            return Err(Error::usage(format!("{} already exists", target.display()))
                .with_hint("pass --force to overwrite it, or --output to write elsewhere"));
        }
    }
    std::fs::write(&target, render(&config))
        .map_err(|e| Error::input(format!("cannot write {}: {e}", target.display())))?;
    if !verbosity.quiet {
        eprintln!("{}", next_steps(&target, &config));
    }
    let mut out = std::io::stdout().lock();
    if args.json {
        let doc = serde_json::json!({ "path": target.display().to_string(), "config": config });
        writeln!(out, "{doc}")?;
    } else {
        writeln!(out, "{}", target.display())?;
    }
    Ok(ExitCode::SUCCESS)
}

fn config_from_flags(args: &InitArgs) -> Result<ConfigFile> {
    if let Some(url) = &args.url {
        validate_url(url).map_err(|m| Error::usage(format!("--url {m}")))?;
    }
    if let Some(name) = &args.secret_env {
        validate_env_name(name).map_err(|m| Error::usage(format!("--secret-env {m}")))?;
    }
    Ok(ConfigFile {
        url: args.url.clone(),
        secret_env: args.secret_env.clone(),
        secret_file: args.secret_file.clone(),
        secret: None,
        verify_token: args.verify_token.clone(),
        listen: ListenConfig {
            host: None,
            port: args.port,
            path: args.path.clone(),
        },
        lint: Default::default(),
        fixtures: Default::default(),
    })
}

fn prompt_error(e: dialoguer::Error) -> Error {
    Error::usage(format!("prompt failed: {e}"))
        .with_hint("run init with flags instead (see `cmzon-hook init --help`)")
}

fn ask(target: &Path) -> Result<ConfigFile> {
    eprintln!(
        "This writes {} for this project. Flags and environment variables still win over it.\n",
        target.display()
    );
    let url: String = Input::new()
        .with_prompt("Webhook URL to test (send/lint), empty for none")
        .allow_empty(true)
        .validate_with(|s: &String| {
            if s.is_empty() {
                Ok(())
            } else {
                validate_url(s)
            }
        })
        .interact_text()
        .map_err(prompt_error)?;
    let choice = Select::new()
        .with_prompt("Where does the webhook secret come from?")
        .items(["an environment variable", "a file", "nowhere yet"])
        .default(0)
        .interact()
        .map_err(prompt_error)?;
    let (secret_env, secret_file) = match choice {
        0 => {
            let name: String = Input::new()
                .with_prompt("Variable name")
                .default(crate::webhook::secret::ENV_PRIMARY.to_string())
                .validate_with(|s: &String| validate_env_name(s))
                .interact_text()
                .map_err(prompt_error)?;
            (Some(name), None)
        }
        1 => {
            let path: String = Input::new()
                .with_prompt("Path of the secret file")
                .interact_text()
                .map_err(prompt_error)?;
            (None, Some(PathBuf::from(path)))
        }
        _ => (None, None),
    };
    let token: String = Input::new()
        .with_prompt("Verify token for the GET handshake, empty for none")
        .allow_empty(true)
        .interact_text()
        .map_err(prompt_error)?;
    let port: u16 = Input::new()
        .with_prompt("Port for `cmzon-hook listen`")
        .default(3000)
        .interact_text()
        .map_err(prompt_error)?;
    Ok(ConfigFile {
        url: (!url.is_empty()).then_some(url),
        secret_env,
        secret_file,
        secret: None,
        verify_token: (!token.is_empty()).then_some(token),
        listen: ListenConfig {
            host: None,
            port: Some(port),
            path: None,
        },
        lint: Default::default(),
        fixtures: Default::default(),
    })
}

fn validate_url(s: &str) -> std::result::Result<(), String> {
    match reqwest::Url::parse(s) {
        Ok(u) if matches!(u.scheme(), "http" | "https") && u.host_str().is_some() => Ok(()),
        _ => Err(format!(
            "`{s}` is not an http(s) URL (e.g. https://example.com/webhook)"
        )),
    }
}

fn validate_env_name(s: &str) -> std::result::Result<(), String> {
    let ok = !s.is_empty()
        && !s.starts_with(|c: char| c.is_ascii_digit())
        && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    if ok {
        Ok(())
    } else {
        Err(format!(
            "`{s}` is not an environment variable name (letters, digits, _)"
        ))
    }
}

/// The file's text: a header comment and the TOML.
pub fn render(config: &ConfigFile) -> String {
    format!(
        "# cmzon-hook configuration (written by `cmzon-hook init`).\n# Precedence: flags > environment > this file > defaults.\n{}",
        config.to_toml()
    )
}

fn next_steps(target: &Path, c: &ConfigFile) -> String {
    let mut s = format!("Wrote {}. Next, try:\n", target.display());
    if let Some(name) = &c.secret_env {
        s.push_str(&format!(
            "  export {name}=...           # the secret from the CMzon dashboard\n"
        ));
    }
    s.push_str(
        "  cmzon-hook listen            # a local endpoint that verifies and prints events\n",
    );
    if c.url.is_some() {
        s.push_str("  cmzon-hook send messages     # deliver a signed test event to your URL\n");
        s.push_str("  cmzon-hook lint              # check your endpoint before registering it\n");
    } else {
        // The address `cmzon-hook listen` will serve with this config.
        let port = c.listen.port.unwrap_or(3000);
        let path = c.listen.path.as_deref().unwrap_or("/webhook");
        let sep = if path.starts_with('/') { "" } else { "/" };
        s.push_str(&format!(
            "  cmzon-hook send messages --to http://127.0.0.1:{port}{sep}{path}\n"
        ));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validators() {
        assert!(validate_url("https://a.example/webhook").is_ok());
        assert!(validate_url("ftp://a").is_err());
        assert!(validate_url("nonsense").is_err());
        assert!(validate_env_name("MY_SECRET_2").is_ok());
        for bad in ["", "2X", "A-B", "A B"] {
            assert!(validate_env_name(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn rendered_file_round_trips() {
        let c = ConfigFile {
            url: Some("https://a.example/w".into()),
            secret_env: Some("S".into()),
            ..Default::default()
        };
        let text = render(&c);
        assert_eq!(ConfigFile::parse(&text, Path::new("x")).unwrap(), c);
    }
}
