//! The `hark` binary: parse the command line, run, print one line on error, exit 0/1/2.

use std::io::Write;
use std::process::ExitCode;

use clap::Parser;
use hark::cli::args::Args;
use hark::cli::config::Config;

fn main() -> ExitCode {
    let argv: Vec<std::ffi::OsString> = std::env::args_os().collect();
    if argv.get(1).is_some_and(|a| a == "check") {
        return check(&argv[2..]);
    }
    if argv.get(1).is_some_and(|a| a == "completions") {
        return completions(&argv[2..]);
    }
    if argv.get(1).is_some_and(|a| a == "man") && argv.len() == 2 {
        let mut stdout = std::io::stdout().lock();
        return match hark::cli::docs::man(&mut stdout).and_then(|()| stdout.flush()) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => failed(&hark::Error::stdout(e)),
        };
    }
    if argv.get(1).is_some_and(|a| a == "run") {
        if argv.len() == 2 {
            let _ = writeln!(
                std::io::stderr().lock(),
                "hark: run: no script given (usage: hark run SCRIPT [-i IFACE --inject] [-w FILE] [-- ARG...])"
            );
            return ExitCode::from(2);
        }
        let args = match hark::run::RunArgs::try_parse_from(&argv[1..]) {
            Ok(args) => args,
            Err(e) => return usage_error(&e),
        };
        return match hark::run::run(args) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => failed(&e),
        };
    }
    let args = match Args::try_parse() {
        Ok(args) => args,
        Err(e) => return usage_error(&e),
    };
    if args.list_interfaces {
        let _ = write!(std::io::stdout().lock(), "{}", hark::source::list_interfaces());
        return ExitCode::SUCCESS;
    }
    let result = Config::from_args(args).and_then(hark::app::run);
    match result {
        Ok(summary) => {
            let mut stderr = std::io::stderr().lock();
            if summary.read == summary.packets {
                let _ = writeln!(stderr, "{} packets captured", summary.packets);
            } else {
                let _ = writeln!(
                    stderr,
                    "{} packets captured ({} read)",
                    summary.packets, summary.read
                );
            }
            if let Some((received, dropped)) = summary.kernel {
                let _ = writeln!(stderr, "{received} packets received by filter");
                let _ = writeln!(stderr, "{dropped} packets dropped by kernel");
            }
            for (link, e) in &summary.refused {
                let _ = writeln!(
                    stderr,
                    "hark: filter: {e}: packets of link type {} were left out (filter them separately)",
                    link.0
                );
            }
            if summary.not_written > 0 {
                let _ = writeln!(
                    stderr,
                    "hark: {} packets not written: their link type differs from the -w file's (pcap holds one link type; split the capture by interface)",
                    summary.not_written
                );
            }
            drop(stderr);
            match &summary.lost {
                Some(e) => failed(e),
                None => ExitCode::SUCCESS,
            }
        }
        Err(e) => failed(&e),
    }
}

/// Prints an error as its one line and gives its exit status.
fn failed(e: &hark::Error) -> ExitCode {
    let code = e.exit_code();
    if code != 0 {
        let _ = writeln!(std::io::stderr().lock(), "hark: {e}");
    }
    ExitCode::from(code as u8)
}

/// `hark check PATH...`: compiles scripts and their FILTERs; one `file:line:col: message`
/// line per error on standard output; exit 1 on any error.
fn check(paths: &[std::ffi::OsString]) -> ExitCode {
    if paths.is_empty() {
        let _ = writeln!(
            std::io::stderr().lock(),
            "hark: check: no script given (usage: hark check PATH...)"
        );
        return ExitCode::from(2);
    }
    let paths: Vec<std::path::PathBuf> = paths.iter().map(std::path::PathBuf::from).collect();
    for path in &paths {
        if !path.exists() {
            let _ = writeln!(
                std::io::stderr().lock(),
                "hark: check: {}: no such file or folder (check the path)",
                path.display()
            );
            return ExitCode::from(2);
        }
    }
    let errors = hark::script::check(&paths);
    let mut stdout = std::io::stdout().lock();
    for line in &errors {
        let _ = writeln!(stdout, "{line}");
    }
    if errors.is_empty() { ExitCode::SUCCESS } else { ExitCode::from(1) }
}

/// `hark completions SHELL`: the completion script for bash, zsh or fish.
fn completions(words: &[std::ffi::OsString]) -> ExitCode {
    let shells = hark::cli::docs::SHELLS.join(", ");
    let [shell] = words else {
        let _ = writeln!(
            std::io::stderr().lock(),
            "hark: completions: name one shell (usage: hark completions {})",
            hark::cli::docs::SHELLS.join("|")
        );
        return ExitCode::from(2);
    };
    let shell = shell.to_string_lossy();
    let mut stdout = std::io::stdout().lock();
    match hark::cli::docs::completions(&shell, &mut stdout) {
        Some(Ok(())) => ExitCode::SUCCESS,
        Some(Err(e)) => failed(&hark::Error::stdout(e)),
        None => {
            let _ = writeln!(
                std::io::stderr().lock(),
                "hark: completions: {shell}: not a shell hark writes completions for ({shells})"
            );
            ExitCode::from(2)
        }
    }
}

/// Prints clap's verdict as hark's one-line usage error, or help and version as asked.
fn usage_error(e: &clap::Error) -> ExitCode {
    use clap::error::ErrorKind;
    if matches!(e.kind(), ErrorKind::DisplayHelp | ErrorKind::DisplayVersion) {
        let _ = e.print();
        return ExitCode::SUCCESS;
    }
    let rendered = e.render().to_string();
    let first = rendered.lines().next().unwrap_or("bad usage");
    let first = first.strip_prefix("error: ").unwrap_or(first);
    let _ = writeln!(std::io::stderr().lock(), "hark: {first} (see hark --help)");
    ExitCode::from(2)
}
