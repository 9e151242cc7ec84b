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
    // The compiled program alone, as the filter holds it for Ethernet.
    let parsed = hark::filter::parser::parse(expr).expect("the expression parses");
    let node = hark::filter::compile::compile(&parsed, hark::source::LinkType::ETHERNET)
        .expect("it compiles");
    let program = hark::filter::program::Program::new(&node);
    let rounds: usize =
        std::env::var("ROUNDS").ok().and_then(|r| r.parse().ok()).unwrap_or(20_000_000);
    // The first 31,000 packets of the benchmark capture (bench-data/, made by
    // benches/compare.sh), if it is there: the traffic the end-to-end figures use.
    let mut traffic = Vec::new();
    if let Ok(mut src) = hark::source::FileSource::open("bench-data/mix-1000000.pcap", &mut || true)
    {
        use hark::source::Source;
        while let Ok(Some(f)) = src.next_frame(&mut || true) {
            traffic.push(hark::source::OwnedFrame {
                ts: f.ts,
                link: f.link,
                orig_len: f.orig_len,
                data: f.data.to_vec(),
            });
            if traffic.len() == 31_000 {
                break;
            }
        }
    }
    let mut sets = vec![
        ("SSH SYN", vec![lab[17].clone()]),
        ("HTTP GET", vec![lab[7].clone()]),
        ("test mix", frames.clone()),
    ];
    if !traffic.is_empty() {
        sets.push(("1M mix", traffic));
    }
    for (name, frames) in sets {
        let per = (rounds / frames.len()).max(1);
        let mut hits = 0u64;
        let start = Instant::now();
        for _ in 0..per {
            for f in &frames {
                hits += u64::from(program.matches(black_box(&f.data), f.orig_len));
            }
        }
        let ns = start.elapsed().as_nanos() as f64 / (per * frames.len()) as f64;
        println!("{ns:6.2} ns/packet  compiled program alone, {name:<8} (matches: {hits})");
    }
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
