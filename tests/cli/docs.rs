//! The completion scripts under `completions/` and the man page (`completions/cmzon-hook.1`) are generated
//! from the CLI; these tests fail when they are out of date.
//! Refresh them with: `CMZON_HOOK_UPDATE_DOCS=1 cargo test --test cli docs::`.

use crate::support::{cmzon, source_tree};

fn check_generated(args: &[&str], rel_path: &str) {
    let out = cmzon(source_tree()).args(args).output().unwrap();
    assert!(
        out.status.success(),
        "{args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!out.stdout.is_empty(), "{args:?} printed nothing");
    let path = source_tree().join(rel_path);
    if std::env::var_os("CMZON_HOOK_UPDATE_DOCS").is_some() {
        std::fs::write(&path, &out.stdout).unwrap();
        return;
    }
    let committed = std::fs::read(&path).unwrap_or_default();
    assert!(
        committed == out.stdout,
        "{rel_path} is out of date with the CLI; run: CMZON_HOOK_UPDATE_DOCS=1 cargo test --test cli docs::"
    );
}

#[test]
fn completions_are_current() {
    for (shell, file) in [
        ("bash", "completions/cmzon-hook.bash"),
        ("zsh", "completions/_cmzon-hook"),
        ("fish", "completions/cmzon-hook.fish"),
        ("powershell", "completions/_cmzon-hook.ps1"),
        ("elvish", "completions/cmzon-hook.elv"),
    ] {
        check_generated(&["completions", shell], file);
    }
}

#[test]
fn man_page_is_current() {
    check_generated(&["man"], "completions/cmzon-hook.1");
}

#[test]
fn unknown_shell_is_a_usage_error() {
    let out = cmzon(source_tree())
        .args(["completions", "tcsh"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    assert!(String::from_utf8_lossy(&out.stderr).contains("tcsh"));
}

/// What the bash completion offers for `words` (the last one being completed), driven the way
/// bash does on <TAB>: source `cmzon-hook completions bash`, set COMP_WORDS/COMP_CWORD, call
/// the function `complete -p cmzon-hook` names, print COMPREPLY.
fn bash_complete(words: &[&str]) -> Vec<String> {
    let dir = tempfile::tempdir().unwrap();
    let out = cmzon(dir.path())
        .args(["completions", "bash"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let script = dir.path().join("cmzon-hook.bash");
    std::fs::write(&script, &out.stdout).unwrap();
    let quoted: Vec<String> = words.iter().map(|w| format!("'{w}'")).collect();
    let cword = words.len() - 1;
    let prev = if cword > 0 { words[cword - 1] } else { "" };
    let cur = words[cword];
    let driver = format!(
        r#"source '{script}'
func=$(complete -p cmzon-hook | sed -n 's/.*-F \([^ ]*\) .*/\1/p')
COMP_WORDS=({words})
COMP_CWORD={cword}
COMP_LINE="${{COMP_WORDS[*]}}"
COMP_POINT=${{#COMP_LINE}}
"$func" cmzon-hook '{cur}' '{prev}'
printf '%s\n' "${{COMPREPLY[@]}}""#,
        script = script.display(),
        words = quoted.join(" "),
    );
    let out = std::process::Command::new("bash")
        .args(["--norc", "--noprofile", "-c", &driver])
        .current_dir(dir.path())
        .output()
        .expect("bash is needed for the completion test");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .filter(|l| !l.is_empty())
        .map(str::to_string)
        .collect()
}

/// Issue 14 point 20: bash completes past the first word (clap issue 6421 worked around):
/// a subcommand's flag values, its flags, and nested subcommands.
#[test]
fn bash_completes_subcommand_flags_and_values() {
    let kinds = bash_complete(&["cmzon-hook", "send", "--tamper", ""]);
    assert_eq!(
        kinds,
        [
            "bad-signature",
            "no-signature",
            "wrong-secret",
            "modified-body"
        ],
    );
    assert_eq!(
        bash_complete(&["cmzon-hook", "send", "--tamper", "wr"]),
        ["wrong-secret"]
    );
    assert_eq!(
        bash_complete(&["cmzon-hook", "send", "--tam"]),
        ["--tamper"]
    );
    assert_eq!(bash_complete(&["cmzon-hook", "fixtures", "sh"]), ["show"]);
    assert_eq!(bash_complete(&["cmzon-hook", "li"]), ["listen", "lint"]);
}

/// What a real `fish` offers for `line` with the generated script loaded (`complete -C`):
/// the candidates, without their descriptions.
fn fish_complete(line: &str) -> Vec<String> {
    let dir = tempfile::tempdir().unwrap();
    let out = cmzon(dir.path())
        .args(["completions", "fish"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let script = dir.path().join("cmzon-hook.fish");
    std::fs::write(&script, &out.stdout).unwrap();
    let driver = format!("source '{}'; complete -C '{line}'", script.display());
    let out = std::process::Command::new("fish")
        .args(["--no-config", "-c", &driver])
        .env("HOME", dir.path())
        .env("XDG_CONFIG_HOME", dir.path())
        .env("XDG_DATA_HOME", dir.path())
        .current_dir(dir.path())
        .output()
        .expect("fish is needed for the completion test (.ci/run installs it)");
    assert!(
        out.status.success(),
        "fish failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| l.split('\t').next().unwrap_or("").to_string())
        .collect()
}

#[test]
fn fish_completes_subcommand_flags_and_values() {
    assert_eq!(
        fish_complete("cmzon-hook send --tamper "),
        [
            "bad-signature",
            "modified-body",
            "no-signature",
            "wrong-secret"
        ]
    );
    assert_eq!(fish_complete("cmzon-hook send --tam"), ["--tamper"]);
    let subcommands = fish_complete("cmzon-hook li");
    assert_eq!(subcommands, ["lint", "listen"]);
}
