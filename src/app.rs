//! The capture loop: source → decode → outputs, until the input ends, `-c` is reached, or
//! Ctrl-C / SIGTERM arrives.

use std::io::{IsTerminal, Write};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::cli::config::{Config, Input, OutputChoice};
use crate::decode::Packet;
use crate::error::Error;
use crate::event::Event;
use crate::filter::Filter;
use crate::inject::Injector;
use crate::output::eve::AlertPlace;
use crate::output::pcap_writer::PcapWriter;
use crate::output::rotate::{FileKind, Rotating};
use crate::output::stats::ScriptCounts;
use crate::output::{self, Mode, Outputs};
use crate::script::{Chain, Verdict};
use crate::source::{ErrorKind, FileSource, Frame, LinkType, LiveSource, Source};

/// How often (in packets) the loop looks at the clock, the stop flag and the progress bar.
const CHECK_EVERY: u64 = 256;

/// What a finished run reports.
#[derive(Debug)]
pub struct Summary {
    /// Packets that passed the filter (all of them without one).
    pub packets: u64,
    /// Packets read from the source.
    pub read: u64,
    /// A live capture's kernel counters: packets its filter accepted, and those dropped.
    pub kernel: Option<(u64, u64)>,
    /// Why a live capture ended early (the interface went down or away), if it did.
    pub lost: Option<Error>,
    /// Link types the filter could not be compiled for; their packets did not match.
    pub refused: Vec<(LinkType, crate::filter::Error)>,
    /// Frames `-w` left out because pcap holds one link type per file.
    pub not_written: u64,
}

/// Runs hark as configured, writing to the process's standard output.
pub fn run(mut config: Config) -> Result<Summary, Error> {
    let stop = Arc::new(AtomicBool::new(false));
    for signal in [signal_hook::consts::SIGINT, signal_hook::consts::SIGTERM] {
        // The first signal ends the run tidily (output flushed, counts printed); a second
        // one ends hark at once, for a read that is blocked on a quiet pipe. Without the
        // handlers the default action still ends hark; only the tidy end is lost.
        let _ = signal_hook::flag::register_conditional_shutdown(signal, 130, Arc::clone(&stop));
        let _ = signal_hook::flag::register(signal, Arc::clone(&stop));
    }
    let (mut source, injector): (Box<dyn Source>, Option<Injector>) = match &config.input {
        Input::File(path) => (Box::new(FileSource::open(path, &mut || true)?), None),
        Input::Live(options) => {
            let mut options = options.clone();
            if let Some(filter) = &config.filter {
                let snaplen = options.snaplen.unwrap_or(crate::source::MAX_SNAPLEN);
                options.kernel_filter = filter.kernel_program(snaplen);
                if options.kernel_filter.is_none() {
                    let _ = writeln!(
                        std::io::stderr().lock(),
                        "hark: filter: the expression has no kernel (classic BPF) form here; hark filters every packet itself"
                    );
                }
            }
            let mut live = LiveSource::open(&options)?;
            let injector = if config.inject {
                let link = live.link_type().unwrap_or(LinkType::ETHERNET);
                let injector = Injector::open(&options.interface, link).map_err(Error::Inject)?;
                live.ignore_own(injector.own_frames());
                Some(injector)
            } else {
                None
            };
            (Box::new(live), injector)
        }
    };
    if let Some(user) = &config.user {
        // Everything that needs root is open: the capture socket, its ring, the senders.
        crate::sys::user::become_user(user).map_err(|e| Error::Privileges {
            user: user.clone(),
            // hark's own reasons ("no such user") as they are; the system's, as usual.
            why: match e.raw_os_error() {
                Some(_) => crate::source::io_reason(&e),
                None => e.to_string(),
            },
        })?;
    }
    if let (Some(filter), Some(link)) = (config.filter.as_mut(), source.link_type()) {
        filter.prepare(link).map_err(|e| Error::Usage(format!("filter: {e}")))?;
    }
    let mut chain = if config.scripts.is_empty() {
        None
    } else {
        let mut chain = Chain::load(&config.scripts, source.link_type(), config.tick_every)
            .map_err(Error::Scripts)?;
        chain.set_memory_budget(config.script_memory.0, config.script_memory.1);
        chain.limit_sending(config.send_rate);
        if let Some(interface) = source.interface() {
            chain.set_interface(interface);
        }
        if config.reload {
            if let Err(e) = chain.watch(&config.scripts, source.link_type()) {
                let _ = writeln!(
                    std::io::stderr().lock(),
                    "hark: cannot watch scripts: {e} (they run as loaded; saves are not reloaded)"
                );
            }
        }
        Some(chain)
    };
    let pcap = match &config.write {
        Some(path) => {
            let kind = FileKind {
                link: source.link_type().unwrap_or(LinkType::ETHERNET),
                snaplen: config.snaplen,
                nanos: config.write_nanos.unwrap_or_else(|| source.nanosecond_precision()),
                pcapng: config.pcapng,
            };
            let rotation = config.rotation.clone();
            Some(Rotating::create(path, rotation, kind).map_err(|e| Error::output(path, e))?)
        }
        None => None,
    };
    let mode = match config.output {
        OutputChoice::Lines(sink) => Mode::Lines(sink),
        OutputChoice::Json { quiet } => Mode::Json { quiet },
        OutputChoice::Quiet => Mode::Quiet,
    };
    let lines_on_terminal = matches!(mode, Mode::Lines(_)) && std::io::stdout().is_terminal();
    let mut outputs = Outputs::new(mode, output::raw_stdout(), pcap);
    if let Some(interface) = source.interface() {
        outputs.set_interface(interface);
    }
    if let Some(dest) = &config.alerts {
        outputs.alerts_to(dest, config.alerts_queue)?;
    }
    if let Some(dest) = &config.eve_out {
        outputs.eve_to(dest, config.alerts_queue)?;
    }
    if let Some(path) = &config.replies {
        let nanos = source.nanosecond_precision();
        let pcapng = config.pcapng || crate::output::pcap_writer::names_pcapng(path);
        let writer = PcapWriter::create_as(path, LinkType::ETHERNET, None, nanos, pcapng)
            .map_err(|e| Error::output(path, e))?;
        outputs.replies_to(writer);
        if let Some(chain) = chain.as_mut() {
            chain.allow_sending();
        }
    }
    if let Some(injector) = injector {
        outputs.inject_to(injector);
        if let Some(chain) = chain.as_mut() {
            chain.allow_sending();
        }
    }
    let progress = progress_bar(&*source, lines_on_terminal);
    let stages = Stages { filter: config.filter.as_mut(), chain: chain.as_mut() };
    let result = pump(&mut *source, outputs, stages, config.count, &stop, progress.as_ref());
    if let Some(bar) = progress {
        bar.finish_and_clear();
    }
    result
}

/// What stands between the source and the outputs.
pub struct Stages<'a> {
    pub filter: Option<&'a mut Filter>,
    pub chain: Option<&'a mut Chain>,
}

/// What the scripts have said since last asked: their errors are printed, one line each,
/// and their events returned.
pub(crate) fn script_output(chain: &mut Chain) -> Vec<Event> {
    if !chain.error_lines.is_empty() {
        let mut stderr = std::io::stderr().lock();
        for line in chain.error_lines.drain(..) {
            let _ = writeln!(stderr, "hark: script error: {line}");
        }
    }
    chain.take_events()
}

/// Puts the scripts' new versions in while the input is quiet and writes what they and the
/// scripts said, dated by the last packet read (the wall clock before the first).
#[cold]
fn reload(chain: &mut Chain, outputs: &mut Outputs) -> Result<(), Error> {
    chain.reload();
    let events = script_output(chain);
    let ts = outputs.last_time().unwrap_or_else(output::now);
    outputs.events(&events, AlertPlace::Time(ts))
}

/// What the loop needs while it waits for input: flush what is held, take new versions of
/// the scripts, notice Ctrl-C.
struct Idle<'a, 'c> {
    outputs: Outputs,
    chain: Option<&'c mut Chain>,
    /// An output error met while waiting, for the loop to stop on.
    flush_error: Option<Error>,
    stop: &'a AtomicBool,
    /// Live input: `on_tick` follows the wall clock while the interface is quiet.
    live: bool,
}

impl Idle<'_, '_> {
    /// Called before the source blocks and while it waits; false ends the wait.
    fn before_wait(&mut self) -> bool {
        // A quiet input is the time between two packets: take new versions now.
        if let Some(chain) = self.chain.as_deref_mut() {
            if chain.has_reloads() && self.flush_error.is_none() {
                self.flush_error = reload(chain, &mut self.outputs).err();
            }
            if self.live && self.flush_error.is_none() {
                let now = output::now();
                if chain.between_packets(now.as_f64()) {
                    let events = script_output(chain);
                    self.flush_error = self.outputs.events(&events, AlertPlace::Time(now)).err();
                }
            }
        }
        if self.flush_error.is_none() {
            self.flush_error = self.outputs.flush().err();
        }
        // Ctrl-C or SIGTERM while the input is quiet ends the wait, and the run.
        !self.stop.load(Ordering::Relaxed)
    }
}

/// Moves every frame from `source` to `outputs`.
pub fn pump<S: Source + ?Sized>(
    source: &mut S,
    mut outputs: Outputs,
    stages: Stages<'_>,
    count: Option<u64>,
    stop: &AtomicBool,
    progress: Option<&ProgressBar>,
) -> Result<Summary, Error> {
    let Stages { mut filter, mut chain } = stages;
    let mut number = 0u64;
    let mut passed = 0u64;
    if let Some(chain) = chain.as_deref_mut() {
        chain.start();
        let events = script_output(chain);
        outputs.events(&events, AlertPlace::Time(output::now()))?;
    }
    let mut last_ts = None;
    let live = source.is_live();
    let mut idle = Idle { outputs, chain, flush_error: None, stop, live };
    let outcome = loop {
        if count.is_some_and(|c| passed >= c) {
            break Ok(());
        }
        if number % CHECK_EVERY == 0 {
            if stop.load(Ordering::Relaxed) {
                break Ok(());
            }
            if let Some(bar) = progress {
                bar.set_position(source.progress().0);
            }
            if let Err(e) = idle.outputs.flush_if_stale() {
                break Err(e);
            }
        }
        // The closure holds one reference: a closure made for every packet costs what it
        // captures.
        let frame = source.next_frame(&mut || idle.before_wait());
        if let Some(e) = idle.flush_error.take() {
            break Err(e);
        }
        let outputs = &mut idle.outputs;
        let mut chain = idle.chain.as_deref_mut();
        let frame = match frame {
            Ok(Some(frame)) => frame,
            Ok(None) => break Ok(()),
            Err(e) => break Err(Error::Source(e)),
        };
        number += 1;
        if let Some(chain) = chain.as_deref_mut() {
            // Ticks follow the time of every packet read, whether or not it passes; new
            // versions of the scripts take over here too.
            if chain.between_packets(frame.ts.as_f64()) {
                let ticked = script_output(chain);
                if let Err(e) = outputs.events(&ticked, AlertPlace::Time(frame.ts)) {
                    break Err(e);
                }
            }
        }
        outputs.count(&frame);
        last_ts = Some(frame.ts);
        if let Some(filter) = filter.as_deref_mut() {
            if !filter.matches(&frame) {
                continue;
            }
        }
        // No list at all without scripts: even an empty one's drop is a call here.
        let mut events = None;
        if let Some(chain) = chain.as_deref_mut() {
            let verdict = chain.packet(&frame, number);
            let said = events.insert(script_output(chain));
            if verdict == Verdict::Drop {
                let pkt = Packet::new(frame);
                if let Err(e) = outputs.events(said, AlertPlace::Packet(&pkt, number)) {
                    break Err(e);
                }
                continue;
            }
        }
        passed += 1;
        let events = events.filter(|said| !said.is_empty());
        if events.is_none() && !outputs.wants_packets() {
            continue;
        }
        let rewritten = chain.as_deref().and_then(Chain::rewritten);
        let pkt = Packet::new(frame);
        let result = match rewritten {
            Some((link, orig_len, data)) => {
                let edited =
                    Packet::new(Frame { ts: frame.ts, link, orig_len, data, iface: frame.iface });
                outputs.packet(&edited, number)
            }
            None => outputs.packet(&pkt, number),
        };
        if let Err(e) = result {
            break Err(e);
        }
        if outputs.last_file_done {
            break Ok(());
        }
        if let Some(events) = &events {
            if let Err(e) = outputs.events(events, AlertPlace::Packet(&pkt, number)) {
                break Err(e);
            }
        }
    };
    let Idle { mut outputs, chain, .. } = idle;
    if let Some(chain) = chain {
        chain.stop();
        let events = script_output(chain);
        let ts = last_ts.unwrap_or_else(output::now);
        if !matches!(outcome, Err(Error::BrokenPipe)) {
            outputs.events(&events, AlertPlace::Time(ts))?;
        }
        let running = chain.scripts.iter().map(|s| (&s.name, &s.stats));
        let removed = chain.removed.iter().map(|(name, stats)| (name, stats));
        outputs.stats.scripts = running
            .chain(removed)
            .map(|(name, s)| ScriptCounts {
                script: name.to_string(),
                calls: s.calls,
                errors: s.errors,
                alerts: s.alerts,
                evictions: s.evictions,
                time_us: s.time.as_micros() as u64,
                reloads: s.reloads,
                reload_errors: s.reload_errors,
                sends_dropped: s.sends_dropped,
                memory_bytes: s.memory,
                over_budget: s.over_budget,
                refused: s.refused,
            })
            .collect();
    }
    outputs.stats.peak_rss = output::stats::peak_rss();
    let kernel = source.kernel_counters();
    if let Some((_, drops)) = kernel {
        outputs.stats.kernel = kernel;
        outputs.stats.dropped = drops;
    }
    // Whatever stopped the loop, what was read is written before the error is reported.
    let finished = match &outcome {
        Err(Error::BrokenPipe) => Ok(()),
        _ => outputs.finish(),
    };
    // An interface that went away ends the capture like Ctrl-C does, counts and all; the
    // reason is then reported and the run fails.
    let lost = match outcome {
        Err(Error::Source(e)) if matches!(e.kind, ErrorKind::Lost(_)) => Some(Error::Source(e)),
        other => {
            other?;
            None
        }
    };
    finished?;
    let refused = filter.map(|f| std::mem::take(&mut f.refused)).unwrap_or_default();
    Ok(Summary {
        packets: passed,
        read: number,
        kernel,
        not_written: outputs.pcap_skipped(),
        refused,
        lost,
    })
}

/// A progress bar on standard error, when it is a terminal that lines are not going to.
fn progress_bar(source: &dyn Source, lines_on_terminal: bool) -> Option<ProgressBar> {
    if !std::io::stderr().is_terminal() || lines_on_terminal || source.is_live() {
        return None;
    }
    let bar = match source.progress().1 {
        Some(total) => ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr()),
        None => ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr()),
    };
    let style =
        ProgressStyle::with_template("{bar:40} {bytes}/{total_bytes} {bytes_per_sec} eta {eta}")
            .unwrap_or_else(|_| ProgressStyle::default_bar());
    bar.set_style(style);
    Some(bar)
}
