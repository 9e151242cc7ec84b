//! hark's error type: one line for the user, and an exit status.

use std::fmt;
use std::io;
use std::path::Path;

use crate::source;

/// Everything that can stop hark.
#[derive(Debug)]
pub enum Error {
    /// The command line asks for something impossible (exit 2).
    Usage(String),
    /// A capture could not be read.
    Source(source::Error),
    /// An output could not be written.
    Output { what: String, source: io::Error },
    /// Standard output was closed by its reader (`| head`): not a failure.
    BrokenPipe,
    /// Scripts that cannot run: one `file:line:col: message` each (exit 2).
    Scripts(Vec<String>),
    /// A script that failed while it ran (`hark run`): `file:line:col: message` (exit 1).
    Script(String),
    /// The senders of `--inject` could not be opened: the whole line.
    Inject(String),
    /// `-Z USER` could not be done; hark refuses to go on with root.
    Privileges { user: String, why: String },
}

impl Error {
    /// An error writing standard output.
    pub fn stdout(e: io::Error) -> Error {
        if e.kind() == io::ErrorKind::BrokenPipe {
            Error::BrokenPipe
        } else {
            Error::Output { what: "standard output".into(), source: e }
        }
    }

    /// An error writing the file at `path` (`-` is standard output).
    pub fn output(path: &Path, e: io::Error) -> Error {
        if path == Path::new("-") {
            return Error::stdout(e);
        }
        Error::Output { what: path.display().to_string(), source: e }
    }

    /// The process exit status for this error.
    pub fn exit_code(&self) -> i32 {
        match self {
            Error::Usage(_) | Error::Scripts(_) => 2,
            Error::BrokenPipe => 0,
            Error::Source(_)
            | Error::Output { .. }
            | Error::Script(_)
            | Error::Inject(_)
            | Error::Privileges { .. } => 1,
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Usage(msg) => write!(f, "{msg}"),
            Error::Source(e) => write!(f, "{e}"),
            Error::Output { what, source } => {
                let fix = match source.kind() {
                    io::ErrorKind::PermissionDenied => " (check the folder's permissions)",
                    io::ErrorKind::NotFound => " (check that the folder exists)",
                    _ => "",
                };
                write!(f, "cannot write output: {what}: {}{fix}", source::io_reason(source))
            }
            Error::BrokenPipe => write!(f, "output closed"),
            // One line per script error, each read as its own "hark: script: ..." line.
            Error::Scripts(lines) => write!(f, "script: {}", lines.join("\nhark: script: ")),
            Error::Script(line) => write!(f, "script error: {line}"),
            Error::Inject(line) => write!(f, "{line}"),
            Error::Privileges { user, why } => write!(
                f,
                "cannot run as {user} (-Z): {why}; not going on with the privileges hark started with"
            ),
        }
    }
}

impl From<source::Error> for Error {
    fn from(e: source::Error) -> Error {
        Error::Source(e)
    }
}
