//! Time per packet of a compiled filter on frames already in memory (no I/O):
//! `cargo bench --bench filter`. Reports nanoseconds per evaluation for a few expressions
//! over hark's generated mix of packets.

// A benchmark may stop at a bad expression: it is ours, fixed in the list below.
#![allow(clippy::expect_used)]

use std::hint::black_box;
use std::time::Instant;

use hark::filter::Filter;

fn main() {
    let frames = hark::sample::filter_mix();
    // One packet over and over: a SYN to port 22 (it matches) and an HTTP request (it does not).
    let lab = hark::sample::lab_conversation();
    let expr = "tcp dst port 22 and tcp[tcpflags] & tcp-syn != 0";
    for (name, frame) in [("SSH SYN", &lab[17]), ("HTTP GET", &lab[7])] {
        let mut filter = Filter::new(expr).expect("the expression parses");
        let rounds: usize =
            std::env::var("ROUNDS").ok().and_then(|r| r.parse().ok()).unwrap_or(20_000_000);
        let mut hits = 0u64;
        let start = Instant::now();
        for _ in 0..rounds {
            hits += u64::from(filter.matches(black_box(&frame.as_frame())));
        }
        let ns = start.elapsed().as_nanos() as f64 / rounds as f64;
        println!("{ns:6.2} ns/packet  {expr:<52} (one {name} packet, matches: {})", hits > 0);
    }
    let rounds = 200_000;
    for expr in [
        "tcp dst port 22 and tcp[tcpflags] & tcp-syn != 0",
        "tcp",
        "host 198.18.0.7",
        "udp and not port 53",
        "vlan and udp",
        "ether[0] = 2",
    ] {
        let mut filter = Filter::new(expr).expect("the expression parses");
        let mut hits = 0u64;
        // Warm up, and compile for the link type.
        for f in &frames {
            hits += u64::from(filter.matches(&f.as_frame()));
        }
        let start = Instant::now();
        for _ in 0..rounds {
            for f in &frames {
                hits += u64::from(filter.matches(black_box(&f.as_frame())));
            }
        }
        let evals = (rounds * frames.len()) as f64;
        let ns = start.elapsed().as_nanos() as f64 / evals;
        println!(
            "{ns:6.2} ns/packet  {expr:<52} ({} of {} frames match)",
            hits / (rounds as u64 + 1),
            frames.len()
        );
    }
}
