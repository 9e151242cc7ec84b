//! The script chain: Rhai scripts that see each packet, in file-name order.
//!
//! Each script's hooks are optional (`on_start`, `on_packet(pkt)`, `on_tick(now)`,
//! `on_stop`); `this` is the script's own map, kept across calls. A `const FILTER` in tcpdump
//! syntax gates `on_packet` natively, so a script only runs for the packets it wants. A
//! script that errs or runs out of its budget is stopped for that call only: the error is
//! counted and reported (the first few, then a summary at most every ten seconds) and the
//! packet goes on down the chain.

mod api_host;
mod api_packet;
mod api_table;
mod engine;
mod host;
mod runner;

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use rhai::{Dynamic, Engine, ImmutableString, Position, Scope};
use sha2::{Digest, Sha256};

use crate::event::Event;
use crate::filter::Filter;
use crate::source::{Frame, LinkType};
pub use api_host::to_json;
pub use api_packet::ScriptPacket;
use host::Host;
use runner::{Argument, Hook, Runner};

/// Errors of one script reported one by one before they are only counted.
const ERRORS_SHOWN: u64 = 5;
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
}

/// One loaded script.
pub struct Script {
    pub path: PathBuf,
    /// The file name: how alerts, logs and errors name the script.
    pub name: Arc<str>,
    sha256: Arc<str>,
    rev: u32,
    /// The compiled script, its `this`, and how its hooks are called.
    runner: Runner,
    filter: Option<Filter>,
    pub stats: ScriptStats,
    /// Time spent in the script's hooks, in ticks of the chain's timer.
    ticks: u64,
    errors_not_shown: u64,
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
    pub scripts: Vec<Script>,
    next_tick: Option<f64>,
    tick_every: f64,
    last_summary: Instant,
    /// Times each call. It reads the CPU's counter: a call can take well under a
    /// microsecond, and the system clock costs 25 ns a read here.
    timer: quanta::Clock,
    /// Error lines waiting to be printed (`file:line:col: message`).
    pub error_lines: Vec<String>,
}

/// The `.rhai` files a path names: the file itself, or a folder's `*.rhai`.
pub fn script_files(path: &Path) -> Result<Vec<PathBuf>, String> {
    if path.is_dir() {
        let entries =
            std::fs::read_dir(path).map_err(|e| format!("{}: {}", path.display(), reason(&e)))?;
        let mut files: Vec<PathBuf> = entries
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|x| x == "rhai"))
            .collect();
        files.sort();
        Ok(files)
    } else {
        Ok(vec![path.to_path_buf()])
    }
}

fn reason(e: &std::io::Error) -> String {
    crate::source::io_reason(e)
}

/// `file:line:col: message` for a Rhai error found at `pos` (compiling or running).
fn located(name: &str, pos: Position, err: &dyn std::fmt::Display) -> String {
    let mut text = err.to_string();
    // Rhai appends " (line L, position C)"; hark puts the place in front instead.
    if let Some(i) = text.rfind(" (line ") {
        text.truncate(i);
    }
    at(name, pos, &text)
}

fn at(name: &str, pos: Position, message: &str) -> String {
    match (pos.line(), pos.position()) {
        (Some(line), Some(col)) => format!("{name}:{line}:{col}: {message}"),
        (Some(line), None) => format!("{name}:{line}: {message}"),
        _ => format!("{name}: {message}"),
    }
}

/// Refuses a script that someone other than its owner could change, when hark runs as
/// root: hot reload must not become a way to run code as root.
fn check_ownership(path: &Path, name: &str) -> Result<(), String> {
    use std::os::unix::fs::MetadataExt;
    // /proc/self is owned by the process's effective user: no system call needed.
    let euid = std::fs::metadata("/proc/self").map(|m| m.uid()).unwrap_or(u32::MAX);
    if euid != 0 {
        return Ok(());
    }
    let meta =
        std::fs::metadata(path).map_err(|e| format!("{name}: cannot read: {}", reason(&e)))?;
    if meta.mode() & 0o022 != 0 {
        return Err(format!(
            "{name}: refused: hark runs as root and the file is writable by its group or others (chmod go-w {})",
            path.display()
        ));
    }
    if meta.uid() != 0 {
        return Err(format!(
            "{name}: refused: hark runs as root and the file belongs to user {} (chown root {})",
            meta.uid(),
            path.display()
        ));
    }
    Ok(())
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
            match load_script(&engine, &path, link) {
                Ok(script) => scripts.push(script),
                Err(mut e) => errors.append(&mut e),
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
            scripts,
            next_tick: None,
            tick_every: tick_every.max(0.001),
            last_summary: Instant::now(),
            timer: quanta::Clock::new(),
            error_lines: Vec::new(),
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
    pub fn packet(&mut self, frame: &Frame<'_>, number: u64) -> Verdict {
        let mut handle: Option<ScriptPacket> = None;
        for i in 0..self.scripts.len() {
            let script = &mut self.scripts[i];
            if !script.runner.has(Hook::Packet) {
                continue;
            }
            if let Some(filter) = &mut script.filter {
                if !filter.matches(frame) {
                    continue;
                }
            }
            let packet = handle.get_or_insert_with(|| {
                // Tables expire on packet time; only a called script can see them.
                self.clock.set(frame.ts.as_f64());
                ScriptPacket::reuse(self.spare.take(), frame, number)
            });
            let id = packet.id();
            let outcome = self.call(i, Hook::Packet, Argument::Packet(packet));
            if packet.id() != id {
                // The script gave its parameter another value and the packet went with it:
                // the rest of the chain gets a copy of the frame of its own.
                *packet = ScriptPacket::new(frame, number);
            }
            if let Ok(result) = outcome {
                if result.as_bool() == Ok(false) {
                    self.spare = handle;
                    return Verdict::Drop;
                }
            }
        }
        if handle.is_some() {
            self.spare = handle;
        }
        Verdict::Pass
    }

    /// Calls `on_tick` once for every tick period of packet time passed by `now`; says
    /// whether a period passed.
    pub fn clock(&mut self, now: f64) -> bool {
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
        ticked
    }

    /// Runs every `on_stop`, then completes the scripts' stats.
    pub fn stop(&mut self) {
        for i in 0..self.scripts.len() {
            if self.scripts[i].runner.has(Hook::Stop) {
                let _ = self.call(i, Hook::Stop, Argument::Value(Dynamic::UNIT));
            }
        }
        for script in &mut self.scripts {
            script.stats.time = Duration::from_nanos(self.timer.delta_as_nanos(0, script.ticks));
        }
        if let Ok(h) = self.host.lock() {
            for script in &mut self.scripts {
                if let Some(count) = h.evictions.get(&*script.name) {
                    script.stats.evictions = count.load(std::sync::atomic::Ordering::Relaxed);
                }
            }
        }
        self.flush_error_summary(true);
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
        let result = script.runner.call(&self.engine, hook, argument);
        script.ticks += self.timer.raw().saturating_sub(started);
        script.stats.calls += 1;
        if self.pending.load(std::sync::atomic::Ordering::Acquire) {
            if let Ok(h) = self.host.lock() {
                script.stats.alerts += h.alerts - self.alerts_seen;
                self.alerts_seen = h.alerts;
            }
        }
        match result {
            Ok(value) => Ok(value),
            Err(err) => {
                script.stats.errors += 1;
                if script.stats.errors <= ERRORS_SHOWN {
                    // Budget errors carry no position: the hook at least says where.
                    let line = if err.position().is_none() {
                        format!("{}: {}: {}", script.name, hook.name(), err)
                    } else {
                        located(&script.name, err.position(), &err)
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

fn load_script(
    engine: &Engine,
    path: &Path,
    link: Option<LinkType>,
) -> Result<Script, Vec<String>> {
    let name: Arc<str> = path
        .file_name()
        .map_or_else(|| path.display().to_string(), |n| n.to_string_lossy().into_owned())
        .into();
    check_ownership(path, &name).map_err(|e| vec![e])?;
    let source = std::fs::read_to_string(path)
        .map_err(|e| vec![format!("{name}: cannot read: {}", reason(&e))])?;
    let ast = engine.compile(&source).map_err(|e| vec![located(&name, e.position(), &e)])?;
    // The top level runs once: it defines constants such as FILTER and LIMIT. Optimizing
    // the script again with them in scope puts their values into the functions, where
    // Rhai would otherwise not see them.
    let mut scope = Scope::new();
    engine
        .run_ast_with_scope(&mut scope, &ast)
        .map_err(|e| vec![located(&name, e.position(), &e)])?;
    let ast = engine.optimize_ast(&scope, ast, rhai::OptimizationLevel::Simple);
    let filter = match scope.get_value::<ImmutableString>("FILTER") {
        Some(text) => {
            let mut filter =
                Filter::new(&text).map_err(|e| vec![format!("{name}: FILTER: {e}")])?;
            if let Some(link) = link {
                filter.prepare(link).map_err(|e| vec![format!("{name}: FILTER: {e}")])?;
            }
            Some(filter)
        }
        None => None,
    };
    let digest = Sha256::digest(source.as_bytes());
    let sha256: String = digest.iter().take(6).map(|b| format!("{b:02x}")).collect();
    Ok(Script {
        path: path.to_path_buf(),
        name,
        sha256: sha256.into(),
        rev: 1,
        runner: Runner::new(engine, ast),
        filter,
        stats: ScriptStats::default(),
        ticks: 0,
        errors_not_shown: 0,
    })
}

/// `hark check`: compiles each script and its FILTER; returns one line per error.
pub fn check(paths: &[PathBuf]) -> Vec<String> {
    match Chain::load(paths, None, 1.0) {
        Ok(_) => Vec::new(),
        Err(errors) => errors,
    }
}
