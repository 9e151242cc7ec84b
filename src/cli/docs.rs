//! `hark completions SHELL` and `hark man`: shell completions and a manual page made from
//! the same flag definitions as `--help`, so that none of the three can drift from the
//! others.

use std::io::Write;

use clap::{Arg, Command, CommandFactory};

use super::args::Args;
use crate::run::RunArgs;

/// The shells `hark completions` writes for.
pub const SHELLS: [&str; 3] = ["bash", "zsh", "fish"];

/// hark's whole command line: the capture flags, and the words hark takes in place of a
/// capture (`check`, `run`, `completions`, `man`). The binary dispatches those words itself
/// before clap sees the flags; here they are subcommands so that shells complete them.
pub fn command() -> Command {
    Args::command()
        .subcommand(
            Command::new("check")
                .about("Compile scripts and their FILTERs; print file:line:col: message for each error")
                .arg(
                    Arg::new("PATH")
                        .num_args(1..)
                        .required(true)
                        .value_hint(clap::ValueHint::AnyPath)
                        .help("A script file, or a folder of *.rhai scripts"),
                ),
        )
        .subcommand(RunArgs::command().name("run").bin_name("hark run"))
        .subcommand(
            Command::new("completions")
                .about("Write the completion script for SHELL to standard output")
                .arg(
                    Arg::new("SHELL")
                        .required(true)
                        .value_parser(SHELLS)
                        .help("bash, zsh or fish"),
                ),
        )
        .subcommand(Command::new("man").about("Write hark's manual page (roff) to standard output"))
}

/// Writes the completion script for `shell` to `out`; `None` for a shell hark does not know.
pub fn completions(shell: &str, out: &mut dyn Write) -> Option<std::io::Result<()>> {
    use clap_complete::Shell;
    let shell = match shell {
        "bash" => Shell::Bash,
        "zsh" => Shell::Zsh,
        "fish" => Shell::Fish,
        _ => return None,
    };
    // clap_complete panics when its output fails (a closed pipe); a buffer cannot fail.
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut command(), "hark", &mut script);
    Some(out.write_all(&script))
}

/// Writes the manual page, hark(1), to `out`.
pub fn man(out: &mut dyn Write) -> std::io::Result<()> {
    let command = command();
    let page = clap_mangen::Man::new(command.clone());
    page.render_title(out)?;
    page.render_name_section(out)?;
    // clap_mangen's synopsis lists every flag without its value; tcpdump's page shows the
    // shapes a command takes, which says more.
    writeln!(out, ".SH SYNOPSIS")?;
    for shape in [
        "\\fBhark\\fR [\\fIOPTIONS\\fR] \\fB\\-r\\fR \\fIFILE\\fR|\\fB\\-i\\fR \\fIIFACE\\fR [\\fIEXPRESSION\\fR]",
        "\\fBhark check\\fR \\fIPATH\\fR...",
        "\\fBhark run\\fR \\fISCRIPT\\fR [\\fB\\-i\\fR \\fIIFACE\\fR \\fB\\-\\-inject\\fR] [\\fB\\-w\\fR \\fIFILE\\fR] [\\fB\\-\\-\\fR \\fIARG\\fR...]",
        "\\fBhark completions\\fR \\fBbash\\fR|\\fBzsh\\fR|\\fBfish\\fR",
        "\\fBhark man\\fR",
    ] {
        writeln!(out, "{shape}\n.br")?;
    }
    page.render_description_section(out)?;
    page.render_options_section(out)?;
    // clap_mangen gives a subcommand only its name and about line; each of hark's takes
    // flags of its own, so each gets its own list.
    writeln!(out, ".SH COMMANDS")?;
    for sub in command.get_subcommands() {
        writeln!(out, ".TP")?;
        writeln!(out, "\\fBhark {}\\fR", sub.get_name())?;
        if let Some(about) = sub.get_about() {
            writeln!(out, "{}", roff_text(&about.to_string()))?;
        }
        for arg in sub.get_arguments().filter(|a| !a.is_hide_set()) {
            let value_name = match arg.get_value_names() {
                Some([name, ..]) => name.to_string(),
                _ => arg.get_id().to_string(),
            };
            let value = if arg.get_action().takes_values() {
                format!(" \\fI{value_name}\\fR")
            } else {
                String::new()
            };
            let name = match (arg.get_short(), arg.get_long()) {
                (Some(s), _) => format!("\\fB\\-{s}\\fR{value}"),
                (None, Some(l)) => format!("\\fB\\-\\-{}\\fR{value}", l.replace('-', "\\-")),
                (None, None) => format!("\\fI{value_name}\\fR"),
            };
            let help = arg.get_help().map(|h| roff_text(&h.to_string())).unwrap_or_default();
            writeln!(out, ".RS\n.TP\n{name}\n{help}\n.RE")?;
        }
    }
    page.render_version_section(out)?;
    Ok(())
}

/// Text made safe for a roff line: backslashes and hyphens escaped, no leading dot.
fn roff_text(text: &str) -> String {
    let escaped = text.replace('\\', "\\e").replace('-', "\\-");
    if escaped.starts_with('.') || escaped.starts_with('\'') {
        format!("\\&{escaped}")
    } else {
        escaped
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_whole_command_line_is_consistent() {
        command().debug_assert();
    }

    #[test]
    fn roff_text_escapes_what_roff_would_read_as_requests() {
        assert_eq!(roff_text(".x -y \\z"), "\\&.x \\-y \\ez");
    }
}
