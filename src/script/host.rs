//! What the engine's callbacks share with the chain: which script is running, and the
//! events it has produced so far.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use crate::event::{Alert, Event, Sent};
use crate::source::{LinkType, OwnedFrame};

/// The wire, for `hark run SCRIPT -i IFACE --inject`: packets go out as they are sent,
/// and `send_recv` waits for the answer.
pub trait Wire: Send {
    /// Puts one packet on the wire.
    fn send(&mut self, link: LinkType, data: &[u8]) -> Result<(), String>;
    /// Sends one packet and returns the first frame that answers it within `timeout`.
    fn send_recv(
        &mut self,
        link: LinkType,
        data: &[u8],
        timeout: std::time::Duration,
    ) -> Result<Option<OwnedFrame>, String>;
}

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
    /// Whether sent packets go anywhere (`--replies`, `hark run -w`).
    pub can_send: bool,
    /// Whether the running script may wait on sockets: in `hark run`, not in capture hooks.
    pub can_wait: bool,
    /// Sends made with nowhere to send them, by script file name.
    pub unsent: HashMap<Arc<str>, u64>,
    /// Packets each script may send in a second of packet time (`--send-rate`), if bounded.
    pub send_rate: Option<u64>,
    /// Per script: the second of packet time it last sent in, and how many it sent then.
    sent_in_second: HashMap<Arc<str>, (i64, u64)>,
    /// Sends over the rate, dropped, by script file name.
    pub over_rate: HashMap<Arc<str>, u64>,
    /// The wire, in `hark run -i IFACE --inject`.
    pub wire: Option<Box<dyn Wire>>,
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

    /// Queues a packet the running script sent, or counts it when it has nowhere to go;
    /// puts it on the wire at once in `hark run -i IFACE --inject`, where a failure is the
    /// script's error.
    pub fn send(&mut self, link: LinkType, data: Vec<u8>, now: f64) -> Result<(), String> {
        if let Some(rate) = self.send_rate {
            let second = now.floor() as i64;
            let entry = self.sent_in_second.entry(Arc::clone(&self.script)).or_insert((second, 0));
            if entry.0 != second {
                *entry = (second, 0);
            }
            if entry.1 >= rate {
                *self.over_rate.entry(Arc::clone(&self.script)).or_default() += 1;
                self.pending.store(true, Ordering::Release);
                return Ok(());
            }
            entry.1 += 1;
        }
        let on_wire = match self.wire.as_mut() {
            Some(wire) => {
                wire.send(link, &data)?;
                true
            }
            None => false,
        };
        if self.can_send {
            let script = Arc::clone(&self.script);
            self.events.push(Event::Sent(Sent { script, link, data }));
        } else if !on_wire {
            *self.unsent.entry(Arc::clone(&self.script)).or_default() += 1;
        }
        self.pending.store(true, Ordering::Release);
        Ok(())
    }

    /// Records an alert from the running script.
    pub fn alert(&mut self, alert: Alert) {
        self.alerts += 1;
        self.events.push(Event::Alert(alert));
        self.pending.store(true, Ordering::Release);
    }
}
