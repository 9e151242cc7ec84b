//! The `hark` binary: parse the command line, run, print one line on error, exit 0/1/2.

use std::io::Write;
use std::process::ExitCode;

use clap::Parser;
use hark::cli::args::Args;
use hark::cli::config::Config;

fn main() -> ExitCode {
    let args = match Args::try_parse() {
        Ok(args) => args,
        Err(e) => return usage_error(&e),
    };
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
            ExitCode::SUCCESS
        }
        Err(e) => {
            let code = e.exit_code();
            if code != 0 {
                let _ = writeln!(std::io::stderr().lock(), "hark: {e}");
            }
            ExitCode::from(code as u8)
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
