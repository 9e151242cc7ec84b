//! `hark completions` and `hark man`, checked by the shells and the man reader that use them.

use std::process::Command;

use crate::util::{have_for, run_ok, temp_path};

/// What bash's completion offers for `words`, the last of them being completed, with hark's
/// script sourced as bash-completion would source it.
fn bash_completes(script: &std::path::Path, words: &[&str]) -> Vec<String> {
    let quoted: Vec<String> = words.iter().map(|w| format!("'{w}'")).collect();
    let program = format!(
        "source '{}'; COMP_WORDS=({}); COMP_CWORD={}; COMP_LINE='{}'; COMP_POINT=${{#COMP_LINE}}; \
         complete -p hark >/dev/null || exit 3; \
         _hark hark '{}' '{}'; printf '%s\\n' \"${{COMPREPLY[@]}}\"",
        script.display(),
        quoted.join(" "),
        words.len() - 1,
        words.join(" "),
        words[words.len() - 1],
        words[words.len().saturating_sub(2)],
    );
    let out = Command::new("bash").args(["--norc", "-c", &program]).output().unwrap();
    assert!(out.status.success(), "bash: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap().lines().map(str::to_owned).collect()
}

#[test]
fn bash_completes_hark_flags_words_and_shells() {
    if !have_for("bash_completes_hark_flags_words_and_shells", "bash") {
        return;
    }
    let (_dir, script) = temp_path("hark.bash");
    std::fs::write(&script, run_ok(&["completions", "bash"]).stdout).unwrap();
    // Both are offered; bash puts their common prefix, --alerts, on the line.
    assert_eq!(bash_completes(&script, &["hark", "--al"]), ["--alerts", "--alerts-queue"]);
    assert_eq!(bash_completes(&script, &["hark", "--no-r"]), ["--no-reload"]);
    assert_eq!(
        bash_completes(&script, &["hark", "--script-mem"]),
        ["--script-memory", "--script-memory-total"]
    );
    assert_eq!(bash_completes(&script, &["hark", "compl"]), ["completions"]);
    let shells = bash_completes(&script, &["hark", "completions", ""]);
    for shell in ["bash", "zsh", "fish"] {
        assert!(shells.iter().any(|s| s == shell), "{shell} not offered: {shells:?}");
    }
    assert_eq!(bash_completes(&script, &["hark", "run", "--inj"]), ["--inject"]);
}

#[test]
fn zsh_and_fish_scripts_name_every_flag() {
    let help = String::from_utf8(run_ok(&["--help"]).stdout).unwrap();
    for shell in ["zsh", "fish"] {
        let script = String::from_utf8(run_ok(&["completions", shell]).stdout).unwrap();
        for long in help.split_whitespace().filter_map(|w| w.strip_prefix("--")) {
            let long = long.trim_end_matches(|c: char| !c.is_ascii_alphanumeric());
            if !long.is_empty() {
                assert!(script.contains(long), "{shell}: --{long} missing");
            }
        }
    }
}

#[test]
fn an_unknown_shell_is_a_usage_error() {
    let out = crate::util::run(&["completions", "tcsh"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8(out.stderr).unwrap();
    assert_eq!(
        err,
        "hark: completions: tcsh: not a shell hark writes completions for (bash, zsh, fish)\n"
    );
}

#[test]
fn the_man_page_renders_without_warnings_and_names_every_flag() {
    if !have_for("the_man_page_renders_without_warnings_and_names_every_flag", "man") {
        return;
    }
    let (_dir, page) = temp_path("hark.1");
    std::fs::write(&page, run_ok(&["man"]).stdout).unwrap();
    let out = Command::new("man")
        .args(["--warnings", "-l"])
        .arg(&page)
        .env("MANWIDTH", "100")
        .env("MAN_KEEP_FORMATTING", "0")
        .env("LC_ALL", "C.UTF-8")
        .output()
        .unwrap();
    assert!(out.status.success());
    assert_eq!(String::from_utf8_lossy(&out.stderr), "", "groff warned");
    let text = without_overstrike(&String::from_utf8(out.stdout).unwrap());
    for section in ["NAME", "SYNOPSIS", "OPTIONS", "COMMANDS"] {
        assert!(text.lines().any(|l| l == section), "no {section} section");
    }
    let help = String::from_utf8(run_ok(&["--help"]).stdout).unwrap();
    for long in help.split_whitespace().filter(|w| w.starts_with("--")) {
        let long = long.trim_end_matches(|c: char| !c.is_ascii_alphanumeric());
        // man hyphenates long words at the margin; the flag is whole in its own entry.
        assert!(text.contains(long), "{long} missing from the page");
    }
    assert!(text.contains("hark run SCRIPT"));
}

/// Text as seen: man's bold and underline are a character, a backspace, and another.
fn without_overstrike(text: &str) -> String {
    let mut seen = String::new();
    for c in text.chars() {
        if c == '\u{8}' {
            seen.pop();
        } else {
            seen.push(c);
        }
    }
    seen
}
