//! Where packets go: per-packet lines or EVE JSON on standard output, a pcap file, and the
//! final counts.
//!
//! Output is gathered in one buffer and written in large pieces; the capture loop calls
//! [`Outputs::flush`] whenever it is about to wait for input and at least every 100 ms,
//! so programs reading hark's output see each packet promptly.

pub mod eve;
pub mod line;
pub mod pcap_writer;
pub mod remote;
pub mod rotate;
pub mod sink;
pub mod stamp;
pub mod stats;

use std::io::{self, Write};
use std::time::{Duration, Instant};

use crate::decode::Packet;
use crate::error::Error;
use crate::event::Event;
use crate::inject::Injector;
use crate::source::{Frame, Timestamp};
use line::LineSink;
use pcap_writer::PcapWriter;
use rotate::{Rotating, Written};
use stats::Stats;

/// The longest hark holds output before writing it.
pub const MAX_HOLD: Duration = Duration::from_millis(100);
/// Buffered output beyond this is written at once.
const FLUSH_AT: usize = 64 * 1024;

/// What standard output carries.
pub enum Mode {
    /// Per-packet lines.
    Lines(LineSink),
    /// EVE JSON: packet events (unless `quiet`), then a stats event.
    Json { quiet: bool },
    /// Nothing per packet.
    Quiet,
}

/// Every sink a packet reaches.
pub struct Outputs {
    mode: Mode,
    /// `--alerts DEST`: alerts, one line each, to a file, a socket or Redis.
    alerts_out: Option<sink::EveSink>,
    /// `--eve-out DEST`: the EVE stream that standard output would carry.
    eve_out: Option<sink::EveSink>,
    buf: Vec<u8>,
    stdout: Box<dyn Write>,
    /// `-w`, one file or a set of them.
    pcap: Option<Rotating>,
    /// `-G` with `-W`: the last file is done and capture ends.
    pub last_file_done: bool,
    /// `--replies FILE`: every packet scripts send.
    replies: Option<PcapWriter>,
    /// `--inject`: the wire.
    injector: Option<Injector>,
    /// Send failures already reported, so that each kind is said once.
    send_failures_said: Vec<String>,
    clock: eve::Clock,
    last_flush: Instant,
    last_ts: Option<Timestamp>,
    pub stats: Stats,
}

impl Outputs {
    pub fn new(mode: Mode, stdout: Box<dyn Write>, pcap: Option<Rotating>) -> Outputs {
        Outputs {
            mode,
            alerts_out: None,
            eve_out: None,
            buf: Vec::with_capacity(FLUSH_AT + 4096),
            stdout,
            pcap,
            last_file_done: false,
            replies: None,
            injector: None,
            send_failures_said: Vec::new(),
            clock: eve::Clock::default(),
            last_flush: Instant::now(),
            last_ts: None,
            stats: Stats::default(),
        }
    }

    /// Sends alerts to `dest` as well, one EVE line each; a remote one queues at most
    /// `queue_len` while its reader is slow or away.
    pub fn alerts_to(&mut self, dest: &sink::Destination, queue_len: usize) -> Result<(), Error> {
        let sink = sink::EveSink::open(dest, queue_len, "alerts", "alerts")?;
        if !matches!(dest, sink::Destination::File(_)) {
            self.stats.alerts_out = Some(remote::RemoteCounts::default());
        }
        self.alerts_out = Some(sink);
        Ok(())
    }

    /// Sends the EVE stream to `dest` in place of standard output.
    pub fn eve_to(&mut self, dest: &sink::Destination, queue_len: usize) -> Result<(), Error> {
        self.eve_out = Some(sink::EveSink::open(dest, queue_len, "eve-out", "events")?);
        Ok(())
    }

    /// Writes the packets scripts send to `writer` as well.
    pub fn replies_to(&mut self, writer: PcapWriter) {
        self.replies = Some(writer);
    }

    /// Names the capture interface in every event about a packet (`in_iface`).
    pub fn set_interface(&mut self, interface: &str) {
        self.clock.set_interface(interface);
    }

    /// Puts the packets scripts send on the wire as well.
    pub fn inject_to(&mut self, injector: Injector) {
        self.stats.injected = Some((0, 0));
        self.injector = Some(injector);
    }

    /// Writes what scripts said: alerts (about `place`) and log lines; and what hark said
    /// about the scripts, which is written out at once.
    pub fn events(
        &mut self,
        events: &[Event],
        place: eve::AlertPlace<'_, '_>,
    ) -> Result<(), Error> {
        let ts = match place {
            eve::AlertPlace::Packet(pkt, _) => pkt.frame().ts,
            eve::AlertPlace::Time(ts) => ts,
        };
        for event in events {
            match event {
                Event::Alert(alert) => {
                    self.stats.alerts += 1;
                    if let Some(sink) = &mut self.alerts_out {
                        let mut line = Vec::new();
                        eve::write_alert(&mut line, &mut self.clock, place, alert);
                        sink.send(line)?;
                    }
                    match &self.mode {
                        Mode::Json { .. } => {
                            eve::write_alert(&mut self.buf, &mut self.clock, place, alert)
                        }
                        Mode::Lines(_) => line::write_alert(&mut self.buf, ts, place, alert),
                        Mode::Quiet => {}
                    }
                }
                Event::Sent(sent) => {
                    if let Some(replies) = &mut self.replies {
                        let orig_len = sent.data.len() as u32;
                        let frame =
                            Frame { ts, link: sent.link, orig_len, data: &sent.data, iface: None };
                        replies.write(&frame).map_err(|e| Error::output(replies.path(), e))?;
                    }
                    if let Some(mut injector) = self.injector.take() {
                        self.send(&mut injector, sent);
                        self.injector = Some(injector);
                    }
                }
                Event::Hark(notice) => {
                    let _ = writeln!(io::stderr().lock(), "{}", notice.line());
                    if let Mode::Json { .. } = self.mode {
                        eve::write_notice(&mut self.buf, &mut self.clock, ts, notice);
                        // A reload is rare and someone is waiting to see it take effect.
                        self.flush()?;
                    }
                }
                Event::Log { script, text } => match &self.mode {
                    Mode::Lines(_) => line::write_log(&mut self.buf, ts, script, text),
                    // Standard output holds only EVE or nothing: logs go to standard error.
                    Mode::Json { .. } | Mode::Quiet => {
                        let mut stderr = io::stderr().lock();
                        let _ = writeln!(stderr, "{script}: {text}");
                    }
                },
            }
        }
        Ok(())
    }

    /// Counts a frame read from the source, whether or not it passes the filter.
    pub fn count(&mut self, frame: &Frame<'_>) {
        self.stats.packets += 1;
        self.stats.bytes += frame.data.len() as u64;
        self.last_ts = Some(frame.ts);
    }

    /// Whether any sink takes packets: with `-q` and no `-w`, none does, and a packet
    /// costs only its count.
    #[inline]
    pub fn wants_packets(&self) -> bool {
        !matches!(self.mode, Mode::Quiet) || self.pcap.is_some()
    }

    /// The capture time of the last frame counted.
    pub fn last_time(&self) -> Option<Timestamp> {
        self.last_ts
    }

    /// Sends a packet to every sink.
    pub fn packet(&mut self, pkt: &Packet<'_>, number: u64) -> Result<(), Error> {
        // Only the JSON stats report truncation; counting it costs a decode.
        if matches!(self.mode, Mode::Json { .. }) && pkt.truncated() {
            self.stats.truncated += 1;
        }
        match &mut self.mode {
            Mode::Lines(sink) => sink.write(&mut self.buf, pkt, number),
            Mode::Json { quiet: false } => {
                eve::write_packet(&mut self.buf, &mut self.clock, pkt, number)
            }
            Mode::Json { quiet: true } | Mode::Quiet => {}
        }
        if let Some(pcap) = &mut self.pcap {
            let written = pcap.write(pkt.frame()).map_err(|e| Error::output(pcap.path(), e))?;
            if let Written::LastFileDone(files) = written {
                // tcpdump's words, for the scripts that wait for them.
                let _ = writeln!(io::stderr().lock(), "Maximum file limit reached: {files}");
                self.last_file_done = true;
            }
        }
        if self.buf.len() >= FLUSH_AT {
            self.write_out()?;
        }
        Ok(())
    }

    /// Writes what is held if it has been held for [`MAX_HOLD`].
    pub fn flush_if_stale(&mut self) -> Result<(), Error> {
        if self.last_flush.elapsed() >= MAX_HOLD { self.flush() } else { Ok(()) }
    }

    /// Writes everything held, to standard output and to the pcap file.
    pub fn flush(&mut self) -> Result<(), Error> {
        for sink in [&mut self.alerts_out, &mut self.eve_out].into_iter().flatten() {
            // A rotated file is made again promptly, not at the next event.
            sink.reopen_if_asked()?;
        }
        self.write_out()?;
        if self.eve_out.is_none() {
            self.stdout.flush().map_err(Error::stdout)?;
        }
        if let Some(pcap) = &mut self.pcap {
            pcap.flush().map_err(|e| Error::output(pcap.path(), e))?;
        }
        if let Some(replies) = &mut self.replies {
            replies.flush().map_err(|e| Error::output(replies.path(), e))?;
        }
        self.last_flush = Instant::now();
        Ok(())
    }

    fn write_out(&mut self) -> Result<(), Error> {
        if self.buf.is_empty() {
            return Ok(());
        }
        // What is held is whole events, so a sink gets whole lines.
        let result = match &mut self.eve_out {
            Some(sink) => sink.send_lines(&self.buf),
            None => self.stdout.write_all(&self.buf).map_err(Error::stdout),
        };
        self.buf.clear();
        result
    }

    /// Writes the closing events and flushes every sink.
    pub fn finish(&mut self) -> Result<(), Error> {
        if let Some(sink) = self.alerts_out.take() {
            if let Some(counts) = sink.finish()? {
                self.stats.alerts_out = Some(counts);
            }
        }
        if let Mode::Json { .. } = self.mode {
            let ts = self.last_ts.unwrap_or_else(now);
            eve::write_stats(&mut self.buf, &mut self.clock, ts, &self.stats);
        }
        self.flush()?;
        if let Some(sink) = self.eve_out.take() {
            // The stats event is already queued: what its sink drops is said on standard
            // error only.
            sink.finish()?;
        }
        if let Some(pcap) = &mut self.pcap {
            pcap.finish().map_err(|e| Error::output(pcap.path(), e))?;
        }
        if let Some(replies) = &mut self.replies {
            replies.finish().map_err(|e| Error::output(replies.path(), e))?;
        }
        Ok(())
    }

    /// Sends one packet; a failure is counted, said once for each kind, and capture goes on.
    fn send(&mut self, injector: &mut Injector, sent: &crate::event::Sent) {
        let counts = self.stats.injected.get_or_insert((0, 0));
        match injector.send(sent.link, &sent.data) {
            Ok(()) => counts.0 += 1,
            Err(e) => {
                counts.1 += 1;
                if !self.send_failures_said.contains(&e.0) {
                    let _ = writeln!(
                        io::stderr().lock(),
                        "hark: {} ({}; further failures like it are counted in stats)",
                        e.0,
                        sent.script
                    );
                    self.send_failures_said.push(e.0);
                }
            }
        }
    }

    /// Frames `-w` could not hold because their link type differs from the file's.
    pub fn pcap_skipped(&self) -> u64 {
        self.pcap.as_ref().map_or(0, Rotating::skipped)
    }
}

/// The wall-clock time, for events that no packet dates.
pub fn now() -> Timestamp {
    let since =
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
    Timestamp { secs: i64::try_from(since.as_secs()).unwrap_or(0), nanos: since.subsec_nanos() }
}

/// Standard output without its line buffering: hark buffers itself.
pub fn raw_stdout() -> Box<dyn Write> {
    Box::new(RawStdout(io::stdout()))
}

struct RawStdout(io::Stdout);

impl Write for RawStdout {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        // Stdout's line buffer would split large writes at newlines; lock and pass through.
        self.0.lock().write(buf)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.0.lock().flush()
    }
}
