//! `cmzon-hook man`: one roff page for the whole tool — the top-level page followed by a
//! section per subcommand with its synopsis and options. Checked current by `tests/cli/docs.rs`.

use std::io::Write;
use std::process::ExitCode;

use clap::CommandFactory;

use crate::cli::Cli;
use crate::error::Result;

pub fn run() -> Result<ExitCode> {
    let page = render()?;
    let mut out = std::io::stdout().lock();
    out.write_all(&page)?;
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

/// The whole man page as roff.
pub fn render() -> std::io::Result<Vec<u8>> {
    let mut cmd = Cli::command().disable_help_subcommand(true);
    cmd.build();
    let mut page = Vec::new();
    clap_mangen::Man::new(cmd.clone()).render(&mut page)?;
    // clap_mangen titles the after-help text "EXTRA"; ours is the exit-code table.
    let mut page = String::from_utf8_lossy(&page)
        .replace("\n.SH EXTRA\n", "\n.SH \"EXIT STATUS\"\n")
        .into_bytes();
    for sub in leaf_commands(&cmd) {
        let name = sub.get_bin_name().unwrap_or(sub.get_name()).to_string();
        writeln!(page, ".SH \"{}\"", name.to_uppercase())?;
        if let Some(about) = sub.get_long_about().or(sub.get_about()) {
            writeln!(page, "{}", escape_roff(&about.to_string()))?;
        }
        let man = clap_mangen::Man::new(sub.clone());
        let mut section = Vec::new();
        man.render_synopsis_section(&mut section)?;
        if sub.get_arguments().any(|a| !a.is_hide_set()) {
            man.render_options_section(&mut section)?;
        }
        // Nest the subcommand's sections under its own heading.
        let section = String::from_utf8_lossy(&section).replace("\n.SH ", "\n.SS ");
        let section = section
            .strip_prefix(".SH ")
            .map(|s| format!(".SS {s}"))
            .unwrap_or(section);
        page.extend_from_slice(section.as_bytes());
    }
    Ok(page)
}

/// Every runnable subcommand, depth first (`fixtures list`, `fixtures show`, `send`, ...).
fn leaf_commands(cmd: &clap::Command) -> Vec<&clap::Command> {
    let mut out = Vec::new();
    for sub in cmd.get_subcommands() {
        if sub.has_subcommands() {
            out.extend(leaf_commands(sub));
        } else {
            out.push(sub);
        }
    }
    out
}

fn escape_roff(text: &str) -> String {
    text.lines()
        .map(|l| {
            let l = l.replace('\\', "\\\\");
            if l.starts_with('.') || l.starts_with('\'') {
                format!("\\&{l}")
            } else {
                l
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_covers_every_command_and_flag() {
        let page = String::from_utf8(render().unwrap()).unwrap();
        assert!(page.contains("\n.TH cmzon-hook 1"));
        for heading in [
            "CMZON-HOOK SEND",
            "CMZON-HOOK LISTEN",
            "CMZON-HOOK FIXTURES SHOW",
            "CMZON-HOOK LINT",
        ] {
            assert!(page.contains(heading), "missing {heading}");
        }
        assert!(page.contains("secret\\-file"), "options are rendered");
    }

    #[test]
    fn roff_escaping() {
        assert_eq!(escape_roff(".x\n'y\nz\\"), "\\&.x\n\\&'y\nz\\\\");
    }
}
