//! `table(#{ ttl, max })`: the bounded map scripts keep per-host and per-flow state in.
//!
//! Entries expire `ttl` seconds of packet time after their last write; past `max`
//! entries the oldest written gives way, and the script's eviction counter goes up. It is
//! native Rust because a counter bump in a Rhai map is most of a script call's cost.

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use rhai::{Dynamic, Engine, Map};

/// Packet time in seconds, shared by the chain (which sets it) and every table.
#[derive(Clone, Default)]
pub struct Clock(Arc<AtomicU64>);

impl Clock {
    pub fn set(&self, now: f64) {
        self.0.store(now.to_bits(), Ordering::Relaxed);
    }

    pub fn now(&self) -> f64 {
        f64::from_bits(self.0.load(Ordering::Relaxed))
    }
}

/// A bounded map; clones share their entries, as Rhai passes it around by value.
#[derive(Clone)]
pub struct Table(Arc<Mutex<Inner>>);

struct Inner {
    ttl: f64,
    max: usize,
    clock: Clock,
    /// Key → (value, time of last write, write sequence number).
    entries: HashMap<String, (Dynamic, f64, u64)>,
    /// Write sequence number → key: the order entries were last written in.
    order: BTreeMap<u64, String>,
    next_seq: u64,
    evictions: Arc<AtomicU64>,
}

impl Inner {
    /// Drops entries whose last write is older than the ttl.
    fn expire(&mut self) {
        let now = self.clock.now();
        while let Some((&seq, key)) = self.order.iter().next() {
            let Some((_, written, _)) = self.entries.get(key) else {
                self.order.remove(&seq);
                continue;
            };
            if now - written <= self.ttl {
                break;
            }
            let key = key.clone();
            self.order.remove(&seq);
            self.entries.remove(&key);
        }
    }

    fn write(&mut self, key: String, value: Dynamic) {
        self.expire();
        if self.entries.len() == self.entries.capacity() && !self.entries.contains_key(&key) {
            // The map is about to double: a script whose budget has no room for that is
            // stopped before it happens, not after (`sys::alloc`).
            let slot = std::mem::size_of::<(String, (Dynamic, f64, u64))>() + 1;
            let growth = self.entries.capacity().max(4).saturating_mul(2 * slot);
            if growth > crate::sys::alloc::remaining() {
                crate::sys::alloc::refused(crate::sys::alloc::tighter_budget());
                return;
            }
        }
        let seq = self.next_seq;
        self.next_seq += 1;
        let now = self.clock.now();
        if let Some((_, _, old_seq)) = self.entries.insert(key.clone(), (value, now, seq)) {
            self.order.remove(&old_seq);
        }
        self.order.insert(seq, key);
        while self.entries.len() > self.max {
            let Some((&oldest, _)) = self.order.iter().next() else { break };
            if let Some(key) = self.order.remove(&oldest) {
                self.entries.remove(&key);
                self.evictions.fetch_add(1, Ordering::Relaxed);
            }
        }
    }

    fn read(&mut self, key: &str) -> Dynamic {
        self.expire();
        self.entries.get(key).map_or(Dynamic::UNIT, |(v, _, _)| v.clone())
    }
}

impl Table {
    /// A table with the given options (`ttl` seconds, default 3600; `max` entries, default
    /// 100,000), counting its evictions into `evictions`.
    pub fn new(options: &Map, clock: Clock, evictions: Arc<AtomicU64>) -> Table {
        let ttl = options
            .get("ttl")
            .and_then(|v| v.as_float().ok().or_else(|| v.as_int().ok().map(|i| i as f64)));
        let max = options.get("max").and_then(|v| v.as_int().ok());
        Table(Arc::new(Mutex::new(Inner {
            ttl: ttl.filter(|t| *t > 0.0).unwrap_or(3600.0),
            max: max.filter(|m| *m > 0).map_or(100_000, |m| m as usize),
            clock,
            entries: HashMap::new(),
            order: BTreeMap::new(),
            next_seq: 0,
            evictions,
        })))
    }

    fn with<T>(&self, f: impl FnOnce(&mut Inner) -> T, default: T) -> T {
        match self.0.lock() {
            Ok(mut inner) => f(&mut inner),
            Err(_) => default,
        }
    }
}

/// Registers the table type; `make` builds a table for the running script.
pub fn register(engine: &mut Engine, make: impl Fn(&Map) -> Table + Send + Sync + 'static) {
    engine.register_type_with_name::<Table>("Table");
    engine.register_fn("table", move |options: Map| make(&options));
    engine.register_indexer_get(|t: &mut Table, key: Dynamic| {
        t.with(|i| i.read(&key.to_string()), Dynamic::UNIT)
    });
    engine.register_indexer_set(|t: &mut Table, key: Dynamic, value: Dynamic| {
        t.with(|i| i.write(key.to_string(), value), ());
    });
    engine.register_fn("incr", |t: &mut Table, key: Dynamic| -> i64 {
        t.with(
            |i| {
                let key = key.to_string();
                let n = i.read(&key).as_int().unwrap_or(0) + 1;
                i.write(key, Dynamic::from(n));
                n
            },
            0,
        )
    });
    engine.register_fn("len", |t: &mut Table| -> i64 {
        t.with(
            |i| {
                i.expire();
                i.entries.len() as i64
            },
            0,
        )
    });
    engine.register_fn("keys", |t: &mut Table| -> rhai::Array {
        t.with(
            |i| {
                i.expire();
                i.order.values().map(|k| Dynamic::from(k.clone())).collect()
            },
            rhai::Array::new(),
        )
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(ttl: f64, max: i64) -> (Table, Clock, Arc<AtomicU64>) {
        let clock = Clock::default();
        let evictions = Arc::new(AtomicU64::new(0));
        let mut options = Map::new();
        options.insert("ttl".into(), Dynamic::from(ttl));
        options.insert("max".into(), Dynamic::from(max));
        (Table::new(&options, clock.clone(), Arc::clone(&evictions)), clock, evictions)
    }

    #[test]
    fn entries_expire_on_packet_time() {
        let (t, clock, _) = table(10.0, 100);
        clock.set(100.0);
        t.with(|i| i.write("a".into(), Dynamic::from(1_i64)), ());
        clock.set(110.0);
        assert_eq!(t.with(|i| i.read("a").as_int().ok(), None), Some(1));
        clock.set(110.5);
        assert!(t.with(|i| i.read("a").is_unit(), false));
    }

    #[test]
    fn the_oldest_write_gives_way_past_max() {
        let (t, clock, evictions) = table(60.0, 2);
        clock.set(1.0);
        for key in ["a", "b", "a", "c"] {
            t.with(|i| i.write(key.into(), Dynamic::from(0_i64)), ());
        }
        // "b" was written least recently.
        let keys: Vec<String> = t.with(|i| i.order.values().cloned().collect(), Vec::new());
        assert_eq!(keys, vec!["a".to_string(), "c".to_string()]);
        assert_eq!(evictions.load(Ordering::Relaxed), 1);
    }
}
