//! Each script's memory budget: a script that holds more than its share (or pushes all
//! scripts past theirs) is stopped, its state released, and its later calls refused and
//! counted, while the rest of the chain and the capture go on.
//!
//! What a script holds is known from the allocator (`sys::alloc`): every block allocated
//! while its hooks run is charged to it until freed, wherever that happens. The engine
//! stops a script at the first operation after it went over; the chain then lets go of
//! what it kept.

use super::Chain;
use crate::sys::alloc;

impl Chain {
    /// Bounds what each script may hold, and all scripts together, in bytes.
    pub fn set_memory_budget(&mut self, per_script: usize, all_scripts: usize) {
        self.script_memory = per_script;
        for script in &self.scripts {
            if let Some(account) = &script.account {
                account.set_budget(per_script);
            }
        }
        alloc::set_budget_for_all(all_scripts);
    }

    /// Which budget script `i` went past in its last call, if any; notes what it holds.
    pub(super) fn held_too_much(&mut self, i: usize) -> Option<alloc::Overrun> {
        let script = &mut self.scripts[i];
        let account = script.account.as_ref()?;
        script.stats.memory = script.stats.memory.max(account.held() as u64);
        alloc::over_budget()
    }

    /// Stops script `i`, which went over a budget while running `hook`.
    pub(super) fn stop_over_budget(&mut self, i: usize, hook: &str, overrun: alloc::Overrun) {
        let script = &mut self.scripts[i];
        let whose = match overrun {
            alloc::Overrun::Own => {
                let budget = script.account.as_ref().map_or(0, alloc::Account::budget);
                format!("its memory budget of {} (--script-memory)", size(budget))
            }
            alloc::Overrun::All => format!(
                "the memory budget of all scripts, {} (--script-memory-total)",
                size(alloc::budget_for_all())
            ),
        };
        script.runner.release(&self.engine);
        script.over_budget = true;
        script.stats.over_budget = true;
        script.stats.errors += 1;
        let line = format!(
            "{}: {hook}: went past {whose}: stopped and its state released; its later calls are refused (a new version starts it again)",
            script.name,
        );
        self.error_lines.push(line);
    }
}

/// What a call that made one value past `alloc::MAX_VALUE` is told.
pub const TOO_LARGE: &str = "a string, array or blob went past 64 MiB, the most one value may hold";

/// A size as people read it: `256 MiB`, `1.5 GiB`, `812 KiB`.
pub fn size(bytes: usize) -> String {
    const UNITS: [&str; 4] = ["bytes", "KiB", "MiB", "GiB"];
    let mut value = bytes as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit + 1 < UNITS.len() {
        value /= 1024.0;
        unit += 1;
    }
    if unit == 0 || value.fract() == 0.0 {
        format!("{value:.0} {}", UNITS[unit])
    } else {
        format!("{value:.1} {}", UNITS[unit])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sample;

    /// A chain of one script, `source`, from a file of its own.
    fn chain(source: &str) -> (tempfile::TempDir, Chain) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state.rhai");
        std::fs::write(&path, source).unwrap();
        let mut chain = Chain::load(&[path], None, 1.0).unwrap();
        chain.start();
        (dir, chain)
    }

    /// Runs `packets` more packets through the chain; the script's time in them, in ns.
    fn run(chain: &mut Chain, packets: u64) -> u64 {
        let frame = sample::lab_conversation().swap_remove(0);
        let before = chain.scripts[0].ticks;
        for n in 0..packets {
            chain.packet(&frame.as_frame(), n);
        }
        chain.timer.delta_as_nanos(before, chain.scripts[0].ticks)
    }

    #[test]
    fn a_write_into_a_large_this_costs_what_one_into_a_small_one_does() {
        let (_dir, mut chain) = chain(
            "fn on_start() { this.tries = #{}; this.n = 0; }\n\
             fn on_packet(pkt) { this.n += 1; this.tries[`k${this.n}`] = this.n; }\n",
        );
        let first = run(&mut chain, 1_000);
        run(&mut chain, 78_000);
        let last = run(&mut chain, 1_000);
        let script = &chain.scripts[0];
        assert_eq!((script.stats.errors, script.stats.calls), (0, 80_001));
        // Walking the whole map on each write made the last thousand about 40 times dearer
        // than the first; what stays is the map's depth, and caches.
        eprintln!("first 1k: {} ns a packet; 80k-th 1k: {} ns a packet", first / 1000, last / 1000);
        assert!(last < 4 * first, "first 1k {first} ns, last 1k {last} ns");
    }

    #[test]
    fn values_a_script_keeps_are_not_bounded_together() {
        // 20,000 names of 20-odd bytes: about 450 KiB of strings in one map of `this`.
        let (_dir, mut chain) = chain(
            "fn on_start() { this.names = #{}; this.n = 0; }\n\
             fn on_packet(pkt) { this.n += 1; this.names[`h${this.n}`] = `host-${this.n}.lab.example`; }\n\
             fn on_stop() { if this.names.len() != 20000 { throw \"lost names\"; } }\n",
        );
        run(&mut chain, 20_000);
        chain.stop();
        assert_eq!(chain.scripts[0].stats.errors, 0, "{:?}", chain.error_lines);
    }

    #[test]
    fn a_script_past_its_budget_is_stopped_and_the_chain_goes_on() {
        let dir = tempfile::tempdir().unwrap();
        let hog = dir.path().join("1-hog.rhai");
        let counter = dir.path().join("2-counter.rhai");
        std::fs::write(
            &hog,
            "fn on_start() { this.keep = []; }\n\
            fn on_packet(pkt) { this.keep.push(blob(100000)); }\n",
        )
        .unwrap();
        std::fs::write(
            &counter,
            "fn on_start() { this.n = 0; }\n\
            fn on_packet(pkt) { this.n += 1; }\n\
            fn on_stop() { if this.n != 200 { throw `saw ${this.n}`; } }\n",
        )
        .unwrap();
        let mut chain = Chain::load(&[dir.path().to_path_buf()], None, 1.0).unwrap();
        chain.set_memory_budget(4 << 20, 0);
        chain.start();
        run(&mut chain, 200);
        let hog = &chain.scripts[0];
        let held = hog.account.as_ref().unwrap().held();
        chain.stop();
        let hog = &chain.scripts[0].stats;
        // 4 MiB hold 41 blobs of 100,000 bytes: the 42nd packet asked for more (and `on_start` ran).
        assert!(hog.over_budget, "{hog:?} held {held} {:?}", chain.error_lines);
        assert_eq!((hog.calls, hog.errors, hog.refused), (43, 1, 158));
        // The 42nd blob was refused before it was made: the script never held more.
        assert!(hog.memory > 4_000_000 && hog.memory <= 4 << 20, "{}", hog.memory);
        // What it kept was let go.
        assert!(held < 64 << 10, "still holds {held} bytes");
        assert!(
            chain.error_lines.iter().any(|l| {
                l.starts_with(
            "1-hog.rhai: on_packet: went past its memory budget of 4 MiB (--script-memory): stopped"
        )
            }),
            "{:?}",
            chain.error_lines
        );
        assert_eq!(chain.scripts[1].stats.errors, 0, "{:?}", chain.error_lines);
    }

    #[test]
    fn a_blob_past_the_budget_is_refused_before_it_is_made() {
        let (_dir, mut chain) = chain("fn on_packet(pkt) { let b = blob(1 << 40); }\n");
        chain.set_memory_budget(4 << 20, 0);
        run(&mut chain, 3);
        let stats = &chain.scripts[0].stats;
        assert_eq!((stats.calls, stats.errors, stats.refused), (1, 1, 2));
        assert!(stats.over_budget && stats.memory < 1 << 20, "{stats:?}");
    }

    #[test]
    fn one_value_past_the_largest_errs_the_call_and_the_script_goes_on() {
        let (_dir, mut chain) = chain("fn on_packet(pkt) { let s = \"x\"; loop { s += s; } }\n");
        run(&mut chain, 3);
        let stats = &chain.scripts[0].stats;
        assert_eq!((stats.calls, stats.errors, stats.over_budget), (3, 3, false), "{stats:?}");
        assert_eq!(chain.error_lines[0], format!("state.rhai:1:43: {TOO_LARGE}"));
        assert_eq!(alloc::MAX_VALUE, 64 << 20, "the message names the size");
    }

    #[test]
    fn sizes_read_as_people_write_them() {
        assert_eq!(size(256 << 20), "256 MiB");
        assert_eq!(size(3 << 29), "1.5 GiB");
        assert_eq!(size(812 * 1024), "812 KiB");
        assert_eq!(size(100), "100 bytes");
    }
}
