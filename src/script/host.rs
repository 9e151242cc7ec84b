//! What the engine's callbacks share with the chain: which script is running, and the
//! events it has produced so far.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use crate::event::{Alert, Event};

/// The state behind `alert()`, `log()` and `print()`.
#[derive(Default)]
pub struct Host {
    /// The running script's file name, SHA-256 prefix and version.
    pub script: Arc<str>,
    pub script_sha256: Arc<str>,
    pub rev: u32,
    /// Alerts raised so far, for the running script's count.
    pub alerts: u64,
    /// Events raised since the chain last collected them.
    pub events: Vec<Event>,
    /// Set when `events` gains one, so the chain can skip the lock when there are none.
    pub pending: Arc<AtomicBool>,
    /// Evictions from each script's tables, by script file name.
    pub evictions: HashMap<String, Arc<AtomicU64>>,
}

impl Host {
    /// Records a log line from the running script.
    pub fn log(&mut self, text: String) {
        let script = self.script.to_string();
        self.events.push(Event::Log { script, text });
        self.pending.store(true, Ordering::Release);
    }

    /// The eviction counter of the running script's tables.
    pub fn evictions(&mut self) -> Arc<AtomicU64> {
        Arc::clone(self.evictions.entry(self.script.to_string()).or_default())
    }

    /// Records an alert from the running script.
    pub fn alert(&mut self, alert: Alert) {
        self.alerts += 1;
        self.events.push(Event::Alert(alert));
        self.pending.store(true, Ordering::Release);
    }
}
