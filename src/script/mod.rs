//! The script chain: Rhai scripts that see each packet, in file-name order.
//!
//! Each script's hooks are optional (`on_start`, `on_packet(pkt)`, `on_tick(now)`,
//! `on_stop`); `this` is the script's own map, kept across calls. A `const FILTER` in tcpdump
//! syntax gates `on_packet` natively, so a script only runs for the packets it wants. A
//! script that errs or runs out of its budget is stopped for that call only: the error is
//! counted and reported (the first few, then a summary at most every ten seconds) and the
//! packet goes on down the chain.
//!
//! Scripts are reloaded while packets flow (`reload` watches and compiles, `swap` puts a
//! new version in between two packets): `this` and its tables survive, `on_reload` runs.

mod api_bounded;
mod api_build;
mod api_dns;
mod api_edit;
mod api_host;
mod api_layers;
mod api_net;
mod api_packet;
mod api_table;
mod budget;
mod engine;
mod flatten;
mod host;
mod load;
mod reload;
mod runner;
mod swap;

use std::fmt::Write as _;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use rhai::{Dynamic, Engine};

use crate::event::Event;
use crate::filter::Filter;
use crate::source::{Frame, LinkType};
pub use api_host::to_json;
pub use api_packet::ScriptPacket;
use host::Host;
pub use host::Wire;
use load::{Compiled, located, script_files};
use runner::{Argument, Hook, Runner};

/// Errors of one script reported one by one before they are only counted.
const ERRORS_SHOWN: u64 = 5;
/// What a script that sends with no destination is told.
const NOWHERE: &str =
    "send: nowhere to send (use --replies FILE, or --inject to send on the capture interface)";
/// How often, at most, a summary of the errors not shown is printed.
const ERROR_SUMMARY_EVERY: Duration = Duration::from_secs(10);

/// What the chain decided for a packet.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    Pass,
    Drop,
}

/// Counters kept per script, reported in the final stats event.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ScriptStats {
    pub calls: u64,
    pub errors: u64,
    pub alerts: u64,
    /// Entries pushed out of the script's tables by their `max`.
    pub evictions: u64,
    pub time: Duration,
    /// New versions that took over, and saves that did not compile.
    pub reloads: u64,
    pub reload_errors: u64,
    /// Packets it sent past `--send-rate`, dropped.
    pub sends_dropped: u64,
    /// The most it held after a call, in bytes; whether it went past its memory budget
    /// and was stopped, and the calls refused since.
    pub memory: u64,
    pub over_budget: bool,
    pub refused: u64,
}

/// One loaded script.
pub struct Script {
    pub path: PathBuf,
    /// The file name: how alerts, logs and errors name the script.
    pub name: Arc<str>,
    /// What the running version's file held, and its SHA-256 prefix, which alerts carry.
    stamp: load::Stamp,
    sha256: Arc<str>,
    rev: u32,
    /// The compiled script, its `this`, and how its hooks are called.
    runner: Runner,
    filter: Option<Filter>,
    pub stats: ScriptStats,
    /// Time spent in the script's hooks, in ticks of the chain's timer.
    ticks: u64,
    errors_not_shown: u64,
    /// Packets it sent with nowhere to send them.
    unsent: u64,
    /// What it holds in memory, and whether it was stopped for holding too much.
    account: Option<crate::sys::alloc::Account>,
    over_budget: bool,
}

/// All scripts, the engine they share, and what they have said.
pub struct Chain {
    engine: Engine,
    host: Arc<Mutex<Host>>,
    pending: Arc<std::sync::atomic::AtomicBool>,
    /// The script whose name the host holds, and the host's alert count when last read.
    running: Option<usize>,
    alerts_seen: u64,
    clock: api_table::Clock,
    /// The last packet handed to the scripts, reused for the next if no script kept it.
    spare: Option<ScriptPacket>,
    /// Whether the last packet passed on was edited or replaced.
    rewrote: bool,
    pub scripts: Vec<Script>,
    next_tick: Option<f64>,
    tick_every: f64,
    last_summary: Instant,
    /// Times each call. It reads the CPU's counter: a call can take well under a
    /// microsecond, and the system clock costs 25 ns a read here.
    timer: quanta::Clock,
    /// Error lines waiting to be printed (`file:line:col: message`).
    pub error_lines: Vec<String>,
    /// Where new versions of the scripts arrive, and what watches for them.
    inbox: reload::Inbox,
    watcher: Option<reload::Watcher>,
    /// Scripts that left the chain while it ran: their names and final counts.
    pub removed: Vec<(Arc<str>, ScriptStats)>,
    /// The memory budget of each script, in bytes.
    script_memory: usize,
}

impl Chain {
    /// Compiles the scripts at `paths` (files or folders), in file-name order, runs their
    /// top level once and compiles their FILTERs for `link`. Every error is returned as
    /// one `file:line:col: message` line.
    pub fn load(
        paths: &[PathBuf],
        link: Option<LinkType>,
        tick_every: f64,
    ) -> Result<Chain, Vec<String>> {
        let host_state = Host::default();
        let pending = Arc::clone(&host_state.pending);
        let host = Arc::new(Mutex::new(host_state));
        let clock = api_table::Clock::default();
        let engine = engine::new(Arc::clone(&host), clock.clone());
        let mut files = Vec::new();
        let mut errors = Vec::new();
        for path in paths {
            match script_files(path) {
                Ok(found) => files.extend(found),
                Err(e) => errors.push(e),
            }
        }
        files.sort_by(|a, b| a.file_name().cmp(&b.file_name()));
        let mut scripts = Vec::new();
        for path in files {
            match load::load(&engine, &path, link) {
                Ok(compiled) => {
                    scripts.push(Script::new(&engine, compiled, engine::SCRIPT_MEMORY));
                }
                Err(e) => errors.push(e),
            }
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(Chain {
            engine,
            host,
            pending,
            running: None,
            alerts_seen: 0,
            clock,
            spare: None,
            rewrote: false,
            scripts,
            next_tick: None,
            tick_every: tick_every.max(0.001),
            last_summary: Instant::now(),
            timer: quanta::Clock::new(),
            error_lines: Vec::new(),
            inbox: reload::Inbox::default(),
            watcher: None,
            removed: Vec::new(),
            script_memory: engine::SCRIPT_MEMORY,
        })
    }

    /// Runs every `on_start`.
    pub fn start(&mut self) {
        for i in 0..self.scripts.len() {
            if self.scripts[i].runner.has(Hook::Start) {
                let _ = self.call(i, Hook::Start, Argument::Value(Dynamic::UNIT));
            }
        }
    }

    /// Runs the chain on a packet: each script whose FILTER admits it, until one drops it.
    /// A script that edits the packet or returns another passes that one on: later
    /// scripts see it, and [`Chain::rewritten`] hands it to the outputs.
    pub fn packet(&mut self, frame: &Frame<'_>, number: u64) -> Verdict {
        self.rewrote = false;
        let mut handle: Option<ScriptPacket> = None;
        for i in 0..self.scripts.len() {
            let script = &mut self.scripts[i];
            if !script.runner.has(Hook::Packet) {
                continue;
            }
            if let Some(filter) = &mut script.filter {
                // A FILTER judges the packet as the scripts before it left it.
                let admitted = match handle.as_ref().filter(|p| p.is_edited()) {
                    Some(edited) => {
                        let (link, orig_len, data) = edited.frame_parts();
                        filter.matches(&Frame { ts: frame.ts, link, orig_len, data, iface: None })
                    }
                    None => filter.matches(frame),
                };
                if !admitted {
                    continue;
                }
            }
            let packet = handle.get_or_insert_with(|| {
                // Tables expire on packet time; only a called script can see them.
                self.clock.set(frame.ts.as_f64());
                ScriptPacket::reuse(self.spare.take(), frame, number)
            });
            let outcome = self.call(i, Hook::Packet, Argument::Packet(packet));
            if packet.is_idle() {
                // The script gave its parameter a value that is not a packet, and the packet
                // went with it: the rest of the chain gets the frame again.
                *packet = ScriptPacket::new(frame, number);
            }
            match outcome {
                Ok(result) if result.as_bool() == Ok(false) => {
                    self.spare = handle;
                    return Verdict::Drop;
                }
                Ok(result) if result.is::<ScriptPacket>() => *packet = result.cast(),
                _ => {}
            }
            packet.settle();
        }
        if let Some(packet) = &handle {
            self.rewrote = packet.is_edited();
            self.spare = handle;
        }
        Verdict::Pass
    }

    /// The packet the chain passed on, when a script edited it or put another in its
    /// place: its link type, original length and bytes. `None` for a packet passed on as
    /// it was read.
    pub fn rewritten(&self) -> Option<(LinkType, u32, &[u8])> {
        if !self.rewrote {
            return None;
        }
        self.spare.as_ref().map(ScriptPacket::frame_parts)
    }

    /// Does what comes between the last packet and the next, read at `now`: new versions
    /// of the scripts go in, and `on_tick` runs once for every tick period of packet time
    /// passed. Says whether either happened, so that what they said is collected.
    pub fn between_packets(&mut self, now: f64) -> bool {
        // The one check a packet pays for hot reload.
        let reloaded = self.has_reloads();
        if reloaded {
            self.reload();
        }
        let mut next = *self.next_tick.get_or_insert(now + self.tick_every);
        let ticked = now >= next;
        while now >= next {
            self.clock.set(next);
            for i in 0..self.scripts.len() {
                if self.scripts[i].runner.has(Hook::Tick) {
                    let _ = self.call(i, Hook::Tick, Argument::Value(Dynamic::from_float(next)));
                }
            }
            next += self.tick_every;
        }
        self.next_tick = Some(next);
        ticked || reloaded
    }

    /// Runs every `on_stop`, then completes the scripts' stats. Scripts are no longer
    /// watched: what the chain ran is what its stats describe.
    pub fn stop(&mut self) {
        self.watcher = None;
        for i in 0..self.scripts.len() {
            self.stop_script(i);
        }
        self.flush_error_summary(true);
    }

    /// Runs one script's `on_stop` and completes its stats.
    fn stop_script(&mut self, i: usize) {
        if self.scripts[i].runner.has(Hook::Stop) {
            let _ = self.call(i, Hook::Stop, Argument::Value(Dynamic::UNIT));
        }
        let script = &mut self.scripts[i];
        script.stats.time = Duration::from_nanos(self.timer.delta_as_nanos(0, script.ticks));
        if let Ok(h) = self.host.lock() {
            if let Some(count) = h.evictions.get(&*script.name) {
                script.stats.evictions = count.load(std::sync::atomic::Ordering::Relaxed);
            }
        }
    }

    /// `hark run`: calls the first script's `main()` once, `args` its parameter if it takes
    /// one, with [`engine::RUN_OPERATIONS`] to spend. The error is `file:line:col: message`.
    pub fn run_main(&mut self, args: Vec<String>) -> Result<(), String> {
        self.engine.set_max_operations(engine::RUN_OPERATIONS);
        let Some(script) = self.scripts.first_mut() else {
            return Err("no script to run".into());
        };
        if let Ok(mut h) = self.host.lock() {
            h.script = Arc::clone(&script.name);
            h.script_sha256 = Arc::clone(&script.sha256);
            h.rev = script.rev;
            h.can_wait = true;
        }
        self.running = Some(0);
        let args = args.into_iter().map(Dynamic::from).collect();
        let outcome = crate::sys::alloc::charged_to(script.account.as_ref(), || {
            script.runner.call_main(&self.engine, args)
        });
        self.count_what_it_said(0);
        if let Some(overrun) = self.held_too_much(0) {
            self.stop_over_budget(0, "main", overrun);
            return Err(self.error_lines.pop().unwrap_or_default());
        }
        let script = &self.scripts[0];
        match outcome {
            None => Err(format!(
                "{}: no main() to run (hark run calls main() or main(args))",
                script.name
            )),
            Some(Ok(_)) => Ok(()),
            Some(Err(err)) if err.position().is_none() => {
                Err(format!("{}: main: {err}", script.name))
            }
            Some(Err(err)) => Err(located(&script.name, err.position(), &err)),
        }
    }

    /// Gives `pkt.iface` the capture interface's name (it is `()` when reading a file).
    /// Called before the first hook runs, so no script has the earlier getter cached.
    pub fn set_interface(&mut self, interface: &str) {
        let name = rhai::ImmutableString::from(interface);
        self.engine.register_get("iface", move |_p: &mut ScriptPacket| name.clone());
    }

    /// Puts what scripts send on `wire` at once and lets them wait for answers
    /// (`hark run -i IFACE --inject`).
    pub fn set_wire(&mut self, wire: Box<dyn Wire>) {
        if let Ok(mut h) = self.host.lock() {
            h.wire = Some(wire);
        }
    }

    /// Lets scripts' `send()` go somewhere: what they send comes out among their events.
    pub fn allow_sending(&mut self) {
        if let Ok(mut h) = self.host.lock() {
            h.can_send = true;
        }
    }

    /// Bounds what each script may send in a second of packet time; the excess is dropped
    /// and counted, so a reply rule can never flood a network.
    pub fn limit_sending(&mut self, per_second: u64) {
        if let Ok(mut h) = self.host.lock() {
            h.send_rate = Some(per_second);
        }
    }

    /// The events raised since the last call.
    pub fn take_events(&mut self) -> Vec<Event> {
        if !self.pending.load(std::sync::atomic::Ordering::Acquire) {
            return Vec::new();
        }
        self.pending.store(false, std::sync::atomic::Ordering::Release);
        match self.host.lock() {
            Ok(mut h) => std::mem::take(&mut h.events),
            Err(_) => Vec::new(),
        }
    }

    fn call(&mut self, i: usize, hook: Hook, argument: Argument<'_>) -> Result<Dynamic, ()> {
        let script = &mut self.scripts[i];
        if script.over_budget {
            script.stats.refused += 1;
            return Err(());
        }
        // The host's lock is taken only to switch scripts or to count what a call said:
        // most calls do neither.
        if self.running != Some(i) {
            if let Ok(mut h) = self.host.lock() {
                h.script = Arc::clone(&script.name);
                h.script_sha256 = Arc::clone(&script.sha256);
                h.rev = script.rev;
                self.alerts_seen = h.alerts;
            }
            self.running = Some(i);
        }
        let started = self.timer.raw();
        let result = crate::sys::alloc::charged_to(script.account.as_ref(), || {
            script.runner.call(&self.engine, hook, argument)
        });
        script.ticks += self.timer.raw().saturating_sub(started);
        script.stats.calls += 1;
        self.count_what_it_said(i);
        if let Some(overrun) = self.held_too_much(i) {
            self.stop_over_budget(i, hook.name(), overrun);
            return Err(());
        }
        let script = &mut self.scripts[i];
        match result {
            Ok(value) => Ok(value),
            Err(err) => {
                script.stats.errors += 1;
                if script.stats.errors <= ERRORS_SHOWN {
                    let what: &dyn std::fmt::Display = match *err {
                        rhai::EvalAltResult::ErrorTerminated(..)
                            if crate::sys::alloc::value_too_large() =>
                        {
                            &budget::TOO_LARGE
                        }
                        _ => &err,
                    };
                    // Budget errors carry no position: the hook at least says where.
                    let line = if err.position().is_none() {
                        format!("{}: {}: {}", script.name, hook.name(), what)
                    } else {
                        located(&script.name, err.position(), what)
                    };
                    self.error_lines.push(line);
                } else {
                    script.errors_not_shown += 1;
                }
                self.flush_error_summary(false);
                Err(())
            }
        }
    }

    /// Counts the alerts script `i` raised in its last call, and the packets it sent with
    /// nowhere to send them: an error of the script, said once.
    fn count_what_it_said(&mut self, i: usize) {
        if !self.pending.load(std::sync::atomic::Ordering::Acquire) {
            return;
        }
        let script = &mut self.scripts[i];
        if let Ok(h) = self.host.lock() {
            script.stats.alerts += h.alerts - self.alerts_seen;
            self.alerts_seen = h.alerts;
            let unsent = h.unsent.get(&*script.name).copied().unwrap_or(0);
            if unsent > script.unsent {
                if script.unsent == 0 {
                    self.error_lines.push(format!("{}: {NOWHERE}", script.name));
                }
                script.stats.errors += unsent - script.unsent;
                script.unsent = unsent;
            }
            let over = h.over_rate.get(&*script.name).copied().unwrap_or(0);
            if over > script.stats.sends_dropped {
                if script.stats.sends_dropped == 0 {
                    let rate = h.send_rate.unwrap_or(0);
                    self.error_lines.push(format!(
                        "{}: send: more than {rate} packets in a second of packet time; the rest of each such second is dropped and counted (--send-rate)",
                        script.name
                    ));
                }
                script.stats.sends_dropped = over;
            }
        }
    }

    /// Summarises errors not shown, at most every ten seconds (and at the end).
    fn flush_error_summary(&mut self, force: bool) {
        if !force && self.last_summary.elapsed() < ERROR_SUMMARY_EVERY {
            return;
        }
        self.last_summary = Instant::now();
        for script in &mut self.scripts {
            if script.errors_not_shown > 0 {
                let mut line = String::new();
                let _ = write!(
                    line,
                    "{}: {} more errors ({} in all); the first {ERRORS_SHOWN} were shown",
                    script.name, script.errors_not_shown, script.stats.errors
                );
                self.error_lines.push(line);
                script.errors_not_shown = 0;
            }
        }
    }
}

impl Script {
    fn new(engine: &Engine, compiled: Compiled, memory: usize) -> Script {
        Script {
            path: compiled.path,
            name: compiled.name,
            stamp: compiled.stamp,
            sha256: compiled.sha256,
            rev: 1,
            runner: Runner::new(engine, compiled.prepared),
            filter: compiled.filter,
            stats: ScriptStats::default(),
            ticks: 0,
            errors_not_shown: 0,
            unsent: 0,
            account: crate::sys::alloc::Account::open(memory),
            over_budget: false,
        }
    }
}

/// `hark check`: compiles each script and its FILTER; returns one line per error.
pub fn check(paths: &[PathBuf]) -> Vec<String> {
    match Chain::load(paths, None, 1.0) {
        Ok(_) => Vec::new(),
        Err(errors) => errors,
    }
}
