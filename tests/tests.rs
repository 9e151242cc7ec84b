//! hark's integration tests: one binary, a module per area, each running the real `hark`.

// Tests may unwrap and panic: a failure is the point.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

// Shared helpers: running hark, the corpus, schemas, honest skips.
mod util;

// The command line: exit codes, error lines, -c, -w, -r - from a pipe, flushing.
mod cli;

// Every shared corpus capture decoded by hark and compared with Wireshark's decode.
mod decode_corpus;

// -w split by size and time, named as tcpdump names the files.
mod rotation;

// Alerts to Redis, Unix sockets and rotated files.
mod eve_out;

// Shell completions and the manual page, read by bash and man.
mod docs;

// The filter language against tcpdump's own verdicts.
mod filter_tcpdump;

// tcpdump's flags (times, numbers, dumps, combined letters, -w's precision) against tcpdump.
mod tcpdump_flags;

// Every line of text against tcpdump's, packet by packet, with each difference explained.
mod tcpdump_lines;

// The script chain: detectors, order, drops, state, ticks, hostile scripts, `hark check`.
mod scripts;

// Hostile scripts against the memory budget: stopped, hark's peak bounded, nothing lost.
mod hostile;

// Hot reload: saves while packets flow through a pipe, folders whose scripts come and go.
mod reload;

// Building and sending packets: `packet()`, `hark run`, `send()` and `--replies`, held to
// tshark and Scapy.
mod craft;

// Reshaping packets: fields written by scripts, held to tshark and Scapy.
mod rewrite;

// DNS from scripts: queries, answers over UDP and TCP, rewritten responses.
mod dns;

// Stream and datagram sockets from `hark run`, against real servers.
mod sockets;

// The lab responders in scripts/, as shipped, held to Scapy's answers() and tshark.
mod responders;

// Live capture in a lab of network namespaces: real clients against hark's answers.
mod lab;

// The filter's classic BPF back end for the kernel, against the native predicate.
mod cbpf;
mod link_types;
