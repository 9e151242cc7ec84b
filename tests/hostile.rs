//! Hostile scripts against the memory budget: each is stopped when it holds more than
//! `--script-memory`, hark's own peak memory (the kernel's high-water mark, which hark
//! reads from /proc/self/status into its stats) stays under the budget plus a fixed
//! margin, every packet still reaches `-w`, and the stats say what happened.

use std::path::Path;

use serde_json::Value;

use crate::util;

/// Packets in the test capture: 20 s of packet time, a packet a millisecond.
const PACKETS: usize = 20_000;
/// What hark itself may hold beyond the scripts' budget: its code, buffers, the engine,
/// and what the allocator keeps of memory already freed.
const MARGIN: u64 = 48 << 20;

/// Writes the test capture: the sample's packets over and over.
fn capture(dir: &Path) -> String {
    let sample = hark::sample::lab_conversation();
    let frames: Vec<_> = (0..PACKETS)
        .map(|i| {
            let mut frame = sample[i % sample.len()].clone();
            frame.ts = hark::source::Timestamp {
                secs: 1_795_341_600 + (i / 1000) as i64,
                nanos: (i % 1000) as u32 * 1_000_000,
            };
            frame
        })
        .collect();
    let path = dir.join("many.pcap");
    util::write_pcap(&path, &frames);
    path.to_str().unwrap().to_string()
}

/// Runs hark with `scripts` (name, text) and `flags` on the test capture; returns its
/// stderr, its stats and how many packets reached `-w`.
fn run(scripts: &[(&str, &str)], flags: &[&str]) -> (String, Value, u64) {
    let dir = tempfile::tempdir().unwrap();
    let input = capture(dir.path());
    for (name, text) in scripts {
        std::fs::write(dir.path().join(name), text).unwrap();
    }
    let folder = dir.path().join("scripts");
    std::fs::create_dir(&folder).unwrap();
    for (name, _) in scripts {
        std::fs::rename(dir.path().join(name), folder.join(name)).unwrap();
    }
    let written = dir.path().join("out.pcap");
    let (folder, written_arg) = (folder.to_str().unwrap(), written.to_str().unwrap());
    let mut args = vec!["-r", &input, "-q", "--json", "-w", written_arg, "-s", folder];
    args.extend_from_slice(flags);
    let out = util::run(&args);
    let stderr = String::from_utf8_lossy(&out.stderr).to_string();
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    let events = util::eve_lines(&out.stdout);
    let stats = events.iter().find(|e| e["event_type"] == "stats").expect("stats")["stats"].clone();
    let back = util::run(&["-r", written_arg, "-q", "--json"]);
    let kept = util::eve_lines(&back.stdout)[0]["stats"]["packets"].as_u64().unwrap();
    (stderr, stats, kept)
}

fn script_stats<'a>(stats: &'a Value, name: &str) -> &'a Value {
    stats["scripts"].as_array().unwrap().iter().find(|s| s["script"] == name).unwrap()
}

/// Scripts that would hold ever more, in the ways a script can.
const HOGS: [(&str, &str); 4] = [
    (
        "table.rhai",
        "fn on_start() { this.t = table(#{ ttl: 100000, max: 1000000000 }); this.n = 0; }\n\
         fn on_packet(pkt) { for i in 0..2000 { this.n += 1; this.t[`k${this.n}`] = this.n; } }\n",
    ),
    (
        "maps.rhai",
        "fn on_start() { this.m = #{}; this.n = 0; }\n\
         fn on_packet(pkt) { for i in 0..200 { this.n += 1;\n\
           this.m[`k${this.n}`] = #{ a: #{ b: `value-${this.n}`, c: [1, 2, 3] } }; } }\n",
    ),
    (
        "doubling.rhai",
        "fn on_start() { this.s = \"x\"; }\nfn on_packet(pkt) { this.s += this.s; }\n",
    ),
    (
        "closures.rhai",
        "fn on_start() { this.keep = []; }\n\
         fn on_packet(pkt) {\n\
           let everything = [];\n\
           for i in 0..100 { everything.push(`payload-${i}-${this.keep.len()}`); }\n\
           let f = |x| everything.len() + x;\n\
           this.keep.push(f);\n\
         }\n",
    ),
];

#[test]
fn each_way_of_holding_ever_more_is_stopped_at_the_budget() {
    let (_, quiet, _) = run(&[("idle.rhai", "fn on_packet(pkt) { }\n")], &[]);
    let baseline = quiet["peak_rss_bytes"].as_u64().unwrap();
    for (name, text) in HOGS {
        let (stderr, stats, kept) = run(&[(name, text)], &["--script-memory", "32M"]);
        let line = format!(
            "hark: script error: {name}: on_packet: went past its memory budget of 32 MiB (--script-memory): stopped and its state released"
        );
        assert!(stderr.contains(&line), "{name}: {stderr}");
        let own = script_stats(&stats, name);
        assert_eq!(own["over_budget"], true, "{name}: {own}");
        let (calls, refused) = (own["calls"].as_u64().unwrap(), own["refused"].as_u64().unwrap());
        // `on_start`, the packets it ran on, and the refused rest.
        assert_eq!(calls + refused, 1 + PACKETS as u64, "{name}: {own}");
        assert!(refused > 0, "{name}: {own}");
        let peak = stats["peak_rss_bytes"].as_u64().unwrap();
        eprintln!("{name}: peak {} MiB (idle {} MiB)", peak >> 20, baseline >> 20);
        assert!(peak < (32 << 20) + MARGIN, "{name}: peak {peak} bytes");
        assert_eq!(kept, PACKETS as u64, "{name}: packets written");
    }
}

#[test]
fn all_scripts_together_are_held_to_their_total() {
    let hog = HOGS[0].1;
    let (stderr, stats, kept) = run(
        &[("a.rhai", hog), ("b.rhai", hog)],
        &["--script-memory", "64M", "--script-memory-total", "40M"],
    );
    assert!(
        stderr.contains(
            "past the memory budget of all scripts, 40 MiB (--script-memory-total): stopped"
        ),
        "{stderr}"
    );
    let stopped =
        ["a.rhai", "b.rhai"].map(|name| script_stats(&stats, name)["over_budget"] == true);
    assert!(stopped.iter().any(|s| *s), "{stats}");
    assert!(stats["peak_rss_bytes"].as_u64().unwrap() < (40 << 20) + MARGIN, "{stats}");
    assert_eq!(kept, PACKETS as u64);
}

#[test]
fn a_tick_that_never_ends_is_stopped_every_time() {
    let (stderr, stats, kept) = run(
        &[("spin.rhai", "fn on_tick(now) { let n = 0; loop { n += 1; } }\n")],
        &["--tick-every", "0.5"],
    );
    let own = script_stats(&stats, "spin.rhai");
    // 20 s of packet time less a millisecond, a tick each half second after the first
    // packet: 39 ticks, each of which runs out of operations.
    assert_eq!((own["calls"].clone(), own["errors"].clone()), (39.into(), 39.into()), "{own}");
    assert!(stderr.contains("spin.rhai:1:42: Too many operations"), "{stderr}");
    assert_eq!(kept, PACKETS as u64);
}

#[test]
fn a_budget_too_small_to_start_is_a_usage_error() {
    let out = util::run(&["-r", "x.pcap", "--script-memory", "100K"]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("100K: a script needs at least 1M"), "{stderr}");
}

#[test]
fn scripts_reach_no_file_process_or_module() {
    let sample = util::root().join("examples/sample.pcap");
    let sample = sample.to_str().unwrap();
    // Refused when compiled: no module can be loaded, `eval` is off.
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("import.rhai"), "import \"/etc/passwd\" as p;\n").unwrap();
    std::fs::write(dir.path().join("eval.rhai"), "fn on_packet(pkt) { eval(\"1\") }\n").unwrap();
    let out = util::run(&["-r", sample, "-q", "-s", dir.path().to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("import.rhai:1:8: Module not found: /etc/passwd"), "{stderr}");
    assert!(stderr.contains("eval.rhai:1:21: reserved keyword 'eval' is disabled"), "{stderr}");
    // Nothing that reaches files or processes exists to be called.
    let dir = tempfile::tempdir().unwrap();
    for (name, call) in
        [("open.rhai", "open_file(\"/etc/shadow\")"), ("system.rhai", "system(\"id\")")]
    {
        std::fs::write(dir.path().join(name), format!("fn on_start() {{ {call} }}\n")).unwrap();
    }
    let out = util::run(&["-r", sample, "-q", "-s", dir.path().to_str().unwrap()]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(
            "open.rhai:1:17: Function not found: open_file (&str | ImmutableString | String)"
        ),
        "{stderr}"
    );
    assert!(stderr.contains("system.rhai:1:17: Function not found: system"), "{stderr}");
}
