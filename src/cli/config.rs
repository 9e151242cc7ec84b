//! Turns [`Args`] into a checked [`Config`]: every usage error is found here, before the
//! first packet is read.

use std::path::PathBuf;

use super::args::Args;
use crate::decode::summary::LineOptions;
use crate::decode::tcp_seq::RelativeSeqs;
use crate::error::Error;
use crate::filter::Filter;
use crate::output::line::{Dump, LineSink};
use crate::output::stamp::{LineClock, TimeForm};
use crate::source::MAX_SNAPLEN;
use crate::source::live::{Direction, LiveOptions};

/// What a run does, checked.
#[derive(Debug)]
pub struct Config {
    /// Where packets come from.
    pub input: Input,
    pub write: Option<PathBuf>,
    /// Whether `-w` and `--replies` are pcapng whatever their names.
    pub pcapng: bool,
    /// `--time-stamp-precision` for `-w`: nanoseconds or not; `None` keeps the input's.
    pub write_nanos: Option<bool>,
    /// How `-w` is split into files (`-C`, `-G`, `-W`).
    pub rotation: crate::output::rotate::Rotation,
    pub count: Option<u64>,
    pub output: OutputChoice,
    pub snaplen: Option<u32>,
    /// The filter, parsed; compiled for a link type once the capture is open.
    pub filter: Option<Filter>,
    /// Script files and folders, checked to exist; loaded once the capture is open.
    pub scripts: Vec<PathBuf>,
    /// Whether saved scripts are reloaded while hark runs.
    pub reload: bool,
    pub alerts: Option<crate::output::sink::Destination>,
    /// Where the EVE stream goes in place of standard output.
    pub eve_out: Option<crate::output::sink::Destination>,
    /// How many lines a remote `--alerts` or `--eve-out` holds while its reader is away.
    pub alerts_queue: usize,
    /// Where packets scripts send are written.
    pub replies: Option<PathBuf>,
    /// Packets each script may send in a second of packet time.
    pub send_rate: u64,
    pub tick_every: f64,
    /// What each script, and all scripts together, may hold in memory, in bytes.
    pub script_memory: (usize, usize),
    /// Whether scripts' packets go out of the capture interface.
    pub inject: bool,
    /// The user to run as once the capture is open (`-Z`).
    pub user: Option<String>,
}

/// Where packets come from.
#[derive(Debug)]
pub enum Input {
    /// A capture file (`-` is standard input).
    File(String),
    Live(LiveOptions),
}

/// What goes to standard output.
#[derive(Debug, Clone)]
pub enum OutputChoice {
    Lines(LineSink),
    Json { quiet: bool },
    Quiet,
}

impl Config {
    /// Checks the flags.
    pub fn from_args(args: Args) -> Result<Config, Error> {
        // --immediate-mode is taken with -r too, as tcpdump takes it: reading a file,
        // hark hands each packet on as it is read anyway.
        let live_only = [
            (args.no_promiscuous, "-p"),
            (args.direction.is_some(), "-Q"),
            (args.buffer_kib.is_some(), "-B"),
        ];
        if args.inject && args.interface.is_none() {
            return Err(Error::Usage(
                "--inject sends on the capture interface: give one with -i IFACE (--replies FILE records what scripts send)".into(),
            ));
        }
        if args.interface.is_none() {
            if let Some((_, flag)) = live_only.iter().find(|(given, _)| *given) {
                return Err(Error::Usage(format!(
                    "{flag} applies to live capture: give an interface with -i IFACE"
                )));
            }
        }
        let rotation = rotation(&args)?;
        let snaplen = match args.snaplen {
            Some(0) => Some(MAX_SNAPLEN),
            Some(n) if n > MAX_SNAPLEN => {
                return Err(Error::Usage(format!(
                    "--snaplen {n}: too large (at most {MAX_SNAPLEN}, or 0 for that)"
                )));
            }
            other => other,
        };
        let input = match (args.read, args.interface) {
            (Some(path), _) => Input::File(path),
            (None, Some(interface)) => Input::Live(LiveOptions {
                interface,
                promiscuous: !args.no_promiscuous,
                direction: match args.direction.as_deref() {
                    Some("in") => Direction::In,
                    Some("out") => Direction::Out,
                    _ => Direction::InOut,
                },
                buffer_kib: args.buffer_kib,
                // Answers must leave within microseconds, not when a batch is handed over.
                immediate: args.immediate || args.inject,
                // Answering is what it is for; watching alone need not spend a core.
                busy_poll: args.inject,
                snaplen,
                kernel_filter: None,
            }),
            (None, None) => {
                return Err(Error::Usage(
                    "nothing to read: no capture given (use -i IFACE, -r FILE, or -r - for standard input)"
                        .into(),
                ));
            }
        };
        let to_stdout = args.write.as_deref().is_some_and(|p| p.as_os_str() == "-");
        if to_stdout && args.json && args.eve_out.is_none() {
            return Err(Error::Usage(
                "-w - and --json both want standard output (write the pcap to a file)".into(),
            ));
        }
        let nano_lines = args.time_stamp_precision.as_deref() == Some("nano");
        let output = if args.json || args.eve_out.is_some() {
            OutputChoice::Json { quiet: args.quiet }
        } else if args.quiet || to_stdout {
            OutputChoice::Quiet
        } else {
            // tcpdump's order: -X over -x over -A; each given twice starts at the link header.
            let (dump, times) = match (args.hex_ascii, args.hex, args.ascii) {
                (n, _, _) if n > 0 => (Dump::HexAscii, n),
                (_, n, _) if n > 0 => (Dump::Hex, n),
                (_, _, n) if n > 0 => (Dump::Ascii, n),
                _ => (Dump::None, 0),
            };
            let options = LineOptions {
                link_header: args.link_header,
                verbosity: args.verbose,
                ignore_checksums: args.dont_verify_checksums,
                dumps_packets: args.hex_ascii > 0 || args.hex > 0,
            };
            OutputChoice::Lines(LineSink {
                options,
                dump,
                dump_link: times > 1,
                numbered: args.number,
                clock: LineClock::new(TimeForm::from_count(args.time_form), nano_lines),
                relative_seqs: (!args.absolute_seq).then(RelativeSeqs::default),
            })
        };
        let filter = filter(&args.expression, args.filter_file.as_deref())?;
        for path in &args.scripts {
            let text = path.to_string_lossy();
            if !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()) && !path.exists() {
                return Err(Error::Usage(format!(
                    "-s {text}: -s takes a script file or folder (tcpdump's snap length is --snaplen {text})"
                )));
            }
            if !path.exists() {
                return Err(Error::Usage(format!(
                    "-s {text}: no such script file or folder (check the path)"
                )));
            }
        }
        if !(args.tick_every > 0.0 && args.tick_every.is_finite()) {
            return Err(Error::Usage(format!(
                "--tick-every {}: must be a positive number of seconds",
                args.tick_every
            )));
        }
        Ok(Config {
            input,
            write: args.write,
            count: args.count,
            output,
            snaplen,
            filter,
            scripts: args.scripts,
            reload: !args.no_reload,
            replies: args.replies,
            send_rate: args.send_rate,
            rotation,
            pcapng: args.pcapng,
            write_nanos: args.time_stamp_precision.as_deref().map(|p| p == "nano"),
            alerts: args.alerts,
            eve_out: args.eve_out,
            alerts_queue: usize::try_from(args.alerts_queue).unwrap_or(usize::MAX),
            tick_every: args.tick_every,
            script_memory: (args.script_memory, args.script_memory_total),
            inject: args.inject,
            user: args.user,
        })
    }
}

/// Parses the filter from the trailing words or from `-F FILE` (not both, as tcpdump).
fn filter(words: &[String], file: Option<&std::path::Path>) -> Result<Option<Filter>, Error> {
    let text = match (file, words.is_empty()) {
        (Some(_), false) => {
            return Err(Error::Usage(
                "filter: give the expression either after the flags or in -F FILE, not both".into(),
            ));
        }
        (Some(path), true) => std::fs::read_to_string(path).map_err(|e| {
            Error::Usage(format!(
                "filter: cannot read -F file: {}: {}",
                path.display(),
                crate::source::io_reason(&e)
            ))
        })?,
        (None, false) => words.join(" "),
        (None, true) => return Ok(None),
    };
    let uncommented: String = text.lines().map(|l| l.split('#').next().unwrap_or("")).collect();
    if uncommented.trim().is_empty() {
        // An empty -F file, like an absent expression, lets every packet through.
        return Ok(None);
    }
    Filter::new(&text).map(Some).map_err(|e| Error::Usage(format!("filter: {e}")))
}

/// `-C`, `-G`, `-W` and `--no-align`, checked against `-w`.
fn rotation(args: &Args) -> Result<crate::output::rotate::Rotation, Error> {
    let given = [
        (args.file_size.is_some(), "-C"),
        (args.rotate_every.is_some(), "-G"),
        (args.file_count.is_some(), "-W"),
        (args.no_align, "--no-align"),
    ];
    if let Some((_, flag)) = given.iter().find(|(on, _)| *on) {
        if args.write.as_deref().is_none_or(|p| p.as_os_str() == "-") {
            return Err(Error::Usage(format!(
                "{flag} splits the -w file: give one with -w FILE (not standard output)"
            )));
        }
    }
    if args.no_align && args.rotate_every.is_none() {
        return Err(Error::Usage("--no-align applies to -G SECS".into()));
    }
    if let (Some(_), Some(path)) = (args.rotate_every, &args.write) {
        crate::output::rotate::check_pattern(path).map_err(Error::Usage)?;
    }
    Ok(crate::output::rotate::Rotation {
        size: args.file_size,
        every: args.rotate_every.map(i64::from),
        files: args.file_count,
        aligned: !args.no_align,
        // Live, -G follows the wall clock; reading a file, the packets' time.
        wall_clock: args.read.is_none() && args.interface.is_some(),
    })
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::*;

    fn config(args: &[&str]) -> Result<Config, Error> {
        let mut argv = vec!["hark"];
        argv.extend_from_slice(args);
        Config::from_args(Args::try_parse_from(argv).unwrap())
    }

    #[test]
    fn lines_are_the_default() {
        let c = config(&["-r", "f.pcap", "-e", "-X"]).unwrap();
        match c.output {
            OutputChoice::Lines(sink) => {
                assert!(sink.options.link_header && sink.options.verbosity == 0);
                assert_eq!(sink.dump, Dump::HexAscii);
                assert!(!sink.dump_link, "-e does not put the link header in -X's dump");
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn writing_pcap_to_stdout_silences_lines() {
        assert!(matches!(config(&["-r", "f", "-w", "-"]).unwrap().output, OutputChoice::Quiet));
        assert!(matches!(config(&["-r", "f", "-w", "-", "--json"]), Err(Error::Usage(_))));
    }

    #[test]
    fn snaplen_zero_means_the_maximum() {
        assert_eq!(config(&["-r", "f", "--snaplen", "0"]).unwrap().snaplen, Some(MAX_SNAPLEN));
        assert!(matches!(config(&["-r", "f", "--snaplen", "300000"]), Err(Error::Usage(_))));
    }

    #[test]
    fn reading_needs_a_source() {
        let Err(Error::Usage(msg)) = config(&[]) else { panic!("expected a usage error") };
        assert!(msg.contains("-r FILE"));
    }

    #[test]
    fn live_flags_need_an_interface() {
        let Err(Error::Usage(msg)) = config(&["-r", "f", "-Q", "in"]) else {
            panic!("expected a usage error")
        };
        assert!(msg.contains("-i IFACE"), "{msg}");
        let c = config(&["-i", "veth0", "-p", "-Q", "out", "-B", "4096"]).unwrap();
        let Input::Live(live) = c.input else { panic!("expected a live input") };
        assert!(!live.promiscuous);
        assert_eq!(live.direction, Direction::Out);
        assert_eq!(live.buffer_kib, Some(4096));
    }
}
