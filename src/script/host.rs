//! What the engine's callbacks share with the chain: which script is running, and the
//! events it has produced so far.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::AtomicU64;

use crate::event::{Alert, Event};

/// The state behind `alert()`, `log()` and `print()`.
#[derive(Default)]
pub struct Host {
    /// The running script's file name, SHA-256 prefix and version.
    pub script: String,
    pub script_sha256: String,
    pub rev: u32,
    /// Events raised since the chain last collected them.
    pub events: Vec<Event>,
    /// Evictions from each script's tables, by script file name.
    pub evictions: HashMap<String, Arc<AtomicU64>>,
}

impl Host {
    /// Records a log line from the running script.
    pub fn log(&mut self, text: String) {
        let script = self.script.clone();
        self.events.push(Event::Log { script, text });
    }

    /// The eviction counter of the running script's tables.
    pub fn evictions(&mut self) -> Arc<AtomicU64> {
        Arc::clone(self.evictions.entry(self.script.clone()).or_default())
    }

    /// Records an alert from the running script.
    pub fn alert(&mut self, alert: Alert) {
        self.events.push(Event::Alert(alert));
    }
}
