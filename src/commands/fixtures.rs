//! `cmzon-hook fixtures`: list the embedded catalogue, render one fixture.

use std::io::{IsTerminal, Write};
use std::process::ExitCode;

use colored::Colorize;
use serde_json::json;

use crate::cli::{FixturesCommand, IdentityArg};
use crate::error::Result;
use crate::terminal::Verbosity;
use crate::webhook::fixtures::{self, identity, Fixture, Layout, SetOp, TokenSource};

pub fn run(args: &FixturesCommand, verbosity: Verbosity) -> Result<ExitCode> {
    match args {
        FixturesCommand::List { json } => list(*json, verbosity.verbose > 0)?,
        FixturesCommand::Show {
            name,
            sets,
            set_json,
            compact,
            identity,
            identity_config,
        } => show(name, sets, set_json, *compact, *identity, *identity_config)?,
    }
    Ok(ExitCode::SUCCESS)
}

fn list(json: bool, verbose: bool) -> Result<()> {
    let mut out = std::io::stdout().lock();
    if json {
        for line in list_ndjson(fixtures::catalogue()) {
            writeln!(out, "{line}")?;
        }
    } else {
        let rows = list_table(fixtures::catalogue());
        if let Some((header, body)) = rows.split_first() {
            writeln!(out, "{}", header.bold())?;
            for (row, f) in body.iter().zip(fixtures::catalogue()) {
                writeln!(out, "{row}")?;
                // -v: the Meta reference page each fixture's shape follows.
                if verbose {
                    writeln!(out, "    source: {}", f.source)?;
                }
            }
        }
    }
    out.flush()?;
    Ok(())
}

fn show(
    name: &str,
    sets: &[String],
    set_json: &[String],
    compact: bool,
    flag: Option<IdentityArg>,
    config: Option<IdentityArg>,
) -> Result<()> {
    // Check everything the user typed before rendering anything.
    let fixture = fixtures::find(name).ok_or_else(|| fixtures::unknown(name))?;
    let sets = SetOp::parse_both(sets, set_json)?;
    let identity = identity::choose(
        fixture,
        flag.map(IdentityArg::identity),
        config.map(IdentityArg::identity),
    )?;
    let layout = if compact {
        Layout::Compact
    } else {
        Layout::Pretty
    };
    let body = fixtures::render_as(fixture, &mut TokenSource::new(), identity, &sets, layout)?;
    let mut out = std::io::stdout().lock();
    out.write_all(&body)?;
    // Compact output is the exact wire bytes: a newline only for a human at a terminal.
    if !compact || std::io::stdout().is_terminal() {
        out.write_all(b"\n")?;
    }
    out.flush()?;
    Ok(())
}

/// `NAME  KIND  DESCRIPTION` rows, columns aligned, header first.
fn list_table(catalogue: &[Fixture]) -> Vec<String> {
    let name_w = catalogue
        .iter()
        .map(|f| f.name.len())
        .chain(["NAME".len()])
        .max()
        .unwrap_or(0);
    let kind_w = catalogue
        .iter()
        .map(|f| f.kind.len())
        .chain(["KIND".len()])
        .max()
        .unwrap_or(0);
    std::iter::once(("NAME", "KIND", "DESCRIPTION"))
        .chain(catalogue.iter().map(|f| (f.name, f.kind, f.description)))
        .map(|(n, k, d)| format!("{n:<name_w$}  {k:<kind_w$}  {d}"))
        .collect()
}

/// One `{"name","kind","description","source"}` object per fixture.
fn list_ndjson(catalogue: &[Fixture]) -> Vec<String> {
    catalogue
        .iter()
        .map(|f| {
            json!({"name": f.name, "kind": f.kind, "description": f.description, "source": f.source})
                .to_string()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const FAKE: &[Fixture] = &[
        Fixture {
            name: "a",
            kind: "message",
            description: "First \"one\"",
            source: "https://example.com/a",
            template: "{}",
        },
        Fixture {
            name: "longer_name",
            kind: "batch",
            description: "Second",
            source: "https://example.com/b",
            template: "{}",
        },
    ];

    #[test]
    fn table_is_aligned_with_a_header() {
        assert_eq!(
            list_table(FAKE),
            [
                "NAME         KIND     DESCRIPTION",
                "a            message  First \"one\"",
                "longer_name  batch    Second",
            ]
        );
    }

    #[test]
    fn ndjson_has_name_kind_description_source_in_order() {
        assert_eq!(
            list_ndjson(FAKE),
            [
                r#"{"name":"a","kind":"message","description":"First \"one\"","source":"https://example.com/a"}"#,
                r#"{"name":"longer_name","kind":"batch","description":"Second","source":"https://example.com/b"}"#,
            ]
        );
    }
}
