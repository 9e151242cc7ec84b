//! hark's flags, as the user types them. The doc comment of each field is its `--help`.

use std::path::PathBuf;

use clap::Parser;

/// `--help` shows the flags that come from tcpdump apart from hark's own.
const TCPDUMP_HEADING: &str = "tcpdump's flags (its letters, its meanings)";
const HARK_HEADING: &str = "hark's own";

/// A scriptable packet sniffer: reads captures, filters them with tcpdump's language, runs
/// Rhai scripts on them, prints packets as tcpdump does or as Suricata-style EVE JSON.
#[derive(Debug, Parser)]
#[command(
    name = "hark",
    version,
    disable_help_subcommand = true,
    max_term_width = 100,
    after_help = "Also: hark check PATH...  compiles scripts and their FILTERs and prints file:line:col: message per error.\n      hark run SCRIPT [-i IFACE --inject] [-w FILE] [-- ARG...]  runs the script's main() once: what it sends goes out of IFACE, to FILE, or both.\n      hark completions bash|zsh|fish  writes a completion script; hark man writes the manual page."
)]
pub struct Args {
    /// Capture live on IFACE (promiscuous unless -p)
    #[arg(help_heading = TCPDUMP_HEADING, short = 'i', value_name = "IFACE", conflicts_with = "read")]
    pub interface: Option<String>,

    /// Read packets from a pcap or pcapng file (`-` for standard input)
    #[arg(help_heading = TCPDUMP_HEADING, short = 'r', value_name = "FILE")]
    pub read: Option<String>,

    /// List the interfaces hark can capture on (index, name, state, addresses) and exit
    #[arg(help_heading = TCPDUMP_HEADING, short = 'D')]
    pub list_interfaces: bool,

    /// Do not put the interface into promiscuous mode
    #[arg(help_heading = TCPDUMP_HEADING, short = 'p')]
    pub no_promiscuous: bool,

    /// Capture only packets received (in), sent (out), or both (inout, the default)
    #[arg(help_heading = TCPDUMP_HEADING, short = 'Q', value_name = "DIRECTION", value_parser = ["in", "out", "inout"])]
    pub direction: Option<String>,

    /// The kernel's capture buffer, in KiB (default 32768)
    #[arg(help_heading = TCPDUMP_HEADING, short = 'B', value_name = "KiB", value_parser = clap::value_parser!(u32).range(64..=4_194_304))]
    pub buffer_kib: Option<u32>,

    /// Hand packets over as they arrive rather than in batches of up to 10 ms
    #[arg(help_heading = TCPDUMP_HEADING, long = "immediate-mode")]
    pub immediate: bool,

    /// Let scripts' send() put packets on the capture interface (layer 2, or a raw IP socket)
    #[arg(help_heading = HARK_HEADING, long = "inject")]
    pub inject: bool,

    /// Once the capture and raw sockets are open, give up root and run as USER
    #[arg(help_heading = TCPDUMP_HEADING, short = 'Z', value_name = "USER")]
    pub user: Option<String>,

    /// Write the packets that come out (as scripts left them) as a pcap file, pcapng if FILE ends in .pcapng (`-` for standard output)
    #[arg(help_heading = TCPDUMP_HEADING, short = 'w', value_name = "FILE")]
    pub write: Option<PathBuf>,

    /// With -w: start a new file once one holds more than SIZE: millions of bytes, as tcpdump, or KiB, MiB, GiB with k, m, g (names FILE, FILE1, FILE2, ...)
    #[arg(help_heading = TCPDUMP_HEADING, short = 'C', value_name = "SIZE", value_parser = crate::output::rotate::parse_size)]
    pub file_size: Option<u64>,

    /// With -w: start a new file every SECS seconds (of packet time when reading a file), FILE formatted by strftime (e.g. cap-%H%M%S.pcap)
    #[arg(help_heading = TCPDUMP_HEADING, short = 'G', value_name = "SECS", value_parser = clap::value_parser!(u32).range(1..))]
    pub rotate_every: Option<u32>,

    /// With -C: a ring of N files (FILE0 ... FILE{N-1}, overwritten in turn); with -G alone: stop after N files
    #[arg(help_heading = TCPDUMP_HEADING, short = 'W', value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    pub file_count: Option<u32>,

    /// With -G: start each period at its first packet, as tcpdump does, rather than on the clock's multiples of SECS
    #[arg(help_heading = HARK_HEADING, long = "no-align")]
    pub no_align: bool,

    /// Write -w and --replies as pcapng whatever their names (a FILE ending in .pcapng is pcapng anyway)
    #[arg(help_heading = HARK_HEADING, long = "pcapng")]
    pub pcapng: bool,

    /// Stop after N packets
    #[arg(help_heading = TCPDUMP_HEADING, short = 'c', value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    pub count: Option<u64>,

    /// No per-packet lines at all (tcpdump's -q prints shorter ones); counts and alerts only
    #[arg(help_heading = TCPDUMP_HEADING, short = 'q')]
    pub quiet: bool,

    /// Standard output becomes EVE JSON lines (packets, then stats)
    #[arg(help_heading = HARK_HEADING, long = "json")]
    pub json: bool,

    /// Show the link-level header (MACs, VLAN tags, ethertype) on each line
    #[arg(help_heading = TCPDUMP_HEADING, short = 'e')]
    pub link_header: bool,

    /// Show more of each header (TTL, IP id, lengths, checksums' validity); -vv and -vvv are taken and print as -v
    #[arg(help_heading = TCPDUMP_HEADING, short = 'v', action = clap::ArgAction::Count)]
    pub verbose: u8,

    /// Follow each line with the packet in hex from its network header; -xx from its first byte
    #[arg(help_heading = TCPDUMP_HEADING, short = 'x', action = clap::ArgAction::Count, conflicts_with = "json")]
    pub hex: u8,

    /// Follow each line with the packet in hex and ASCII from its network header; -XX from its first byte
    #[arg(help_heading = TCPDUMP_HEADING, short = 'X', action = clap::ArgAction::Count, conflicts_with = "json")]
    pub hex_ascii: u8,

    /// Follow each line with the packet in ASCII from its network header; -AA from its first byte
    #[arg(help_heading = TCPDUMP_HEADING, short = 'A', action = clap::ArgAction::Count, conflicts_with = "json")]
    pub ascii: u8,

    /// The time on each line: -t none, -tt seconds since 1970, -ttt since the line before, -tttt with the date, -ttttt since the first line (local time by TZ, as tcpdump)
    #[arg(help_heading = TCPDUMP_HEADING, short = 't', action = clap::ArgAction::Count)]
    pub time_form: u8,

    /// Times on lines, and in the -w file, to the microsecond or the nanosecond (default: lines micro, -w as read)
    #[arg(help_heading = TCPDUMP_HEADING, long = "time-stamp-precision", value_name = "PRECISION", value_parser = ["micro", "nano"])]
    pub time_stamp_precision: Option<String>,

    /// Number each line, as tcpdump's -# does
    #[arg(help_heading = TCPDUMP_HEADING, short = '#', long = "number")]
    pub number: bool,

    /// Print TCP sequence numbers as they are on the wire, not relative to their conversation's first
    #[arg(help_heading = TCPDUMP_HEADING, short = 'S', long = "absolute-tcp-sequence-numbers")]
    pub absolute_seq: bool,

    /// Accepted for habit: output is flushed whenever hark waits for input
    #[arg(help_heading = TCPDUMP_HEADING, short = 'U', long = "packet-buffered")]
    pub packet_buffered: bool,

    /// Don't judge IP, TCP, UDP and ICMP checksums in -v's lines
    #[arg(help_heading = TCPDUMP_HEADING, short = 'K', long = "dont-verify-checksums")]
    pub dont_verify_checksums: bool,

    /// Keep at most N bytes of each packet captured live or written with -w (0 means 262144)
    #[arg(help_heading = HARK_HEADING, long = "snaplen", value_name = "N")]
    pub snaplen: Option<u32>,

    /// Accepted for habit, once or as tcpdump's -nn: hark never resolves names
    #[arg(help_heading = TCPDUMP_HEADING, short = 'n', action = clap::ArgAction::Count)]
    pub numeric: u8,

    /// Accepted for habit: output is flushed whenever hark waits for input
    #[arg(help_heading = TCPDUMP_HEADING, short = 'l')]
    pub line_buffered: bool,

    /// A script file or a folder of *.rhai scripts; may repeat (run in file-name order)
    #[arg(help_heading = HARK_HEADING, short = 's', value_name = "PATH")]
    pub scripts: Vec<PathBuf>,

    /// Do not watch the scripts: a saved script is not reloaded while hark runs
    #[arg(help_heading = HARK_HEADING, long = "no-reload")]
    pub no_reload: bool,

    /// Write every packet scripts send() to FILE, as pcap (pcapng if FILE ends in .pcapng)
    #[arg(help_heading = HARK_HEADING, long = "replies", value_name = "FILE")]
    pub replies: Option<PathBuf>,

    /// At most N packets sent by each script in a second of packet time; the rest are dropped
    #[arg(help_heading = HARK_HEADING, long = "send-rate", value_name = "N", default_value_t = 10_000, value_parser = clap::value_parser!(u64).range(1..))]
    pub send_rate: u64,

    /// What each script may hold in memory (e.g. 64M, 1G); a script that holds more is stopped, the rest go on
    #[arg(help_heading = HARK_HEADING, long = "script-memory", value_name = "SIZE", default_value = "256M", value_parser = super::size::parse_budget)]
    pub script_memory: usize,

    /// What all scripts together may hold in memory
    #[arg(help_heading = HARK_HEADING, long = "script-memory-total", value_name = "SIZE", default_value = "1G", value_parser = super::size::parse_budget)]
    pub script_memory_total: usize,

    /// Send alerts as EVE JSON lines to DEST: a FILE (appended, reopened on SIGHUP), unix:PATH (a stream socket), or redis://HOST:PORT/KEY?mode=list|channel|stream
    #[arg(help_heading = HARK_HEADING, long = "alerts", value_name = "DEST", value_parser = crate::output::sink::Destination::parse)]
    pub alerts: Option<crate::output::sink::Destination>,

    /// Send the EVE JSON stream (--json's, which this implies) to DEST in place of standard output: a FILE, unix:PATH or redis://HOST:PORT/KEY?mode=list|channel|stream
    #[arg(help_heading = HARK_HEADING, long = "eve-out", value_name = "DEST", value_parser = crate::output::sink::Destination::parse)]
    pub eve_out: Option<crate::output::sink::Destination>,

    /// Lines held for a slow or absent socket or Redis (--alerts, --eve-out) before the oldest are dropped
    #[arg(help_heading = HARK_HEADING, long = "alerts-queue", value_name = "N", default_value_t = 100_000, value_parser = clap::value_parser!(u64).range(1..=100_000_000))]
    pub alerts_queue: u64,

    /// Period of on_tick, in seconds of packet time
    #[arg(help_heading = HARK_HEADING, long = "tick-every", value_name = "SECS", default_value_t = 1.0)]
    pub tick_every: f64,

    /// Read the filter expression from FILE (`#` starts a comment)
    #[arg(help_heading = TCPDUMP_HEADING, short = 'F', value_name = "FILE")]
    pub filter_file: Option<PathBuf>,

    /// A tcpdump-syntax filter (pcap-filter(7)); its words are joined by spaces
    #[arg(value_name = "EXPRESSION")]
    pub expression: Vec<String>,
}
