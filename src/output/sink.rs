//! Where EVE lines go besides standard output: a file that SIGHUP reopens (logrotate's
//! `postrotate` convention, as Suricata's), a Unix stream socket, or Redis.
//!
//! A file is written in the capture loop, one whole line per write, as `--alerts` promises
//! ("one flushed line each"), so that a line is never split between the file that was
//! renamed and the new one. (Holding lines for 100 ms, as standard output does, would make
//! an alert to a file cost less than half: 1.5 µs against 3.4 µs on the 1 M-packet mix.)
//! Sockets and Redis are written by a thread of their own behind a bounded queue
//! ([`super::remote`]): a slow or absent reader never stalls capture.

use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use super::remote::{self, Remote, RemoteCounts};
use crate::error::Error;

/// Where `--alerts` sends its lines, as the user wrote it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Destination {
    File(PathBuf),
    /// `unix:PATH`: a Unix stream socket someone listens on.
    Unix(PathBuf),
    /// `redis://…` or `rediss://…`.
    Redis(remote::RedisTarget),
}

impl Destination {
    /// Reads `--alerts DEST`; an error is the reason, for a usage error.
    pub fn parse(text: &str) -> Result<Destination, String> {
        if let Some(path) = text.strip_prefix("unix:") {
            if path.is_empty() {
                return Err("unix: needs the socket's path (unix:/run/eve.sock)".into());
            }
            return Ok(Destination::Unix(PathBuf::from(path)));
        }
        if text.starts_with("redis://") || text.starts_with("rediss://") {
            return remote::RedisTarget::parse(text).map(Destination::Redis);
        }
        Ok(Destination::File(PathBuf::from(text)))
    }
}

impl std::fmt::Display for Destination {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Destination::File(path) => write!(f, "{}", path.display()),
            Destination::Unix(path) => write!(f, "unix:{}", path.display()),
            Destination::Redis(target) => write!(f, "{target}"),
        }
    }
}

/// An open destination for EVE lines.
pub enum EveSink {
    File(ReopenedFile),
    Remote(Remote),
}

impl EveSink {
    /// Opens `dest`. A file that cannot be created is an error now; a socket or server that
    /// is not there yet is reached when it is (its thread says so and keeps trying).
    /// `flag` and `lines_are` name the sink and its lines in what hark says of them.
    pub fn open(
        dest: &Destination,
        queue_len: usize,
        flag: &'static str,
        lines_are: &'static str,
    ) -> Result<EveSink, Error> {
        match dest {
            Destination::File(path) => ReopenedFile::open(path).map(EveSink::File),
            Destination::Unix(_) | Destination::Redis(_) => {
                Ok(EveSink::Remote(Remote::start(dest.clone(), queue_len, flag, lines_are)))
            }
        }
    }

    /// Sends whole lines, each ending in a newline.
    pub fn send_lines(&mut self, lines: &[u8]) -> Result<(), Error> {
        match self {
            EveSink::File(file) => file.write_line(lines),
            EveSink::Remote(remote) => {
                for line in lines.split_inclusive(|&b| b == b'\n') {
                    remote.push(line.to_vec());
                }
                Ok(())
            }
        }
    }

    /// Sends one line, ending in a newline.
    pub fn send(&mut self, line: Vec<u8>) -> Result<(), Error> {
        match self {
            EveSink::File(file) => file.write_line(&line),
            EveSink::Remote(remote) => {
                remote.push(line);
                Ok(())
            }
        }
    }

    /// Reopens a file if SIGHUP asked for it since the last look.
    pub fn reopen_if_asked(&mut self) -> Result<(), Error> {
        match self {
            EveSink::File(file) => file.reopen_if_asked(),
            EveSink::Remote(_) => Ok(()),
        }
    }

    /// Delivers what is queued (waiting a little for a server that is away) and reports
    /// what a remote sink sent and dropped.
    pub fn finish(self) -> Result<Option<RemoteCounts>, Error> {
        match self {
            EveSink::File(_) => Ok(None),
            EveSink::Remote(remote) => Ok(Some(remote.finish())),
        }
    }
}

/// An appended file, reopened by name when SIGHUP arrives.
pub struct ReopenedFile {
    path: PathBuf,
    file: File,
    hangup: Arc<AtomicBool>,
}

impl ReopenedFile {
    fn open(path: &Path) -> Result<ReopenedFile, Error> {
        let hangup = Arc::new(AtomicBool::new(false));
        // Without the handler SIGHUP would end hark, as it ends tcpdump; with a file to
        // reopen, it means "the file was rotated".
        signal_hook::flag::register(signal_hook::consts::SIGHUP, Arc::clone(&hangup))
            .map_err(|e| Error::output(path, e))?;
        Ok(ReopenedFile { path: path.to_path_buf(), file: append(path)?, hangup })
    }

    fn write_line(&mut self, line: &[u8]) -> Result<(), Error> {
        self.reopen_if_asked()?;
        // One write of whole lines to a file opened for appending: they land whole, in the
        // file that had the name when they were made.
        self.file.write_all(line).map_err(|e| Error::output(&self.path, e))
    }

    fn reopen_if_asked(&mut self) -> Result<(), Error> {
        if self.hangup.swap(false, Ordering::Relaxed) {
            self.file = append(&self.path)?;
        }
        Ok(())
    }
}

fn append(path: &Path) -> Result<File, Error> {
    std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .map_err(|e| Error::output(path, e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn destinations_are_told_apart_by_their_prefix() {
        assert_eq!(Destination::parse("eve.json"), Ok(Destination::File("eve.json".into())));
        assert_eq!(
            Destination::parse("unix:/run/eve.sock"),
            Ok(Destination::Unix("/run/eve.sock".into()))
        );
        assert!(Destination::parse("unix:").is_err());
        assert!(matches!(Destination::parse("redis://h:1/k"), Ok(Destination::Redis(_))));
    }
}
