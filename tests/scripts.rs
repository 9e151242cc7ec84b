//! The script chain, run by the real `hark`: detectors on captures built by hark's
//! generator, chain order and drops, FILTER gating, state, ticks, hostile scripts, and
//! `hark check`. Every alert line is checked against Suricata's own schema.

use std::path::{Path, PathBuf};

use hark::sample::{
    self, ATTACKER, ATTACKER_MAC, SAMPLE_START, SERVER, SERVER_MAC, flags::*, frame, tcp,
};
use serde_json::Value;

use crate::util;

fn sample_pcap() -> String {
    util::root().join("examples/sample.pcap").to_str().unwrap().to_string()
}

fn script(name: &str) -> String {
    util::root().join("scripts").join(name).to_str().unwrap().to_string()
}

/// Writes scripts into a fresh folder; returns the folder (kept alive by the guard).
fn folder(files: &[(&str, &str)]) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    for (name, text) in files {
        std::fs::write(dir.path().join(name), text).unwrap();
    }
    let path = dir.path().to_path_buf();
    (dir, path)
}

fn alerts(events: &[Value]) -> Vec<&Value> {
    events.iter().filter(|e| e["event_type"] == "alert").collect()
}

fn stats(events: &[Value]) -> &Value {
    &events.iter().find(|e| e["event_type"] == "stats").expect("a stats event")["stats"]
}

/// A capture of `n` SYNs to port 22 from one source, 0.1 s apart.
fn syn_burst(dir: &Path, n: u16) -> String {
    let frames: Vec<_> = (0..n)
        .map(|i| {
            let data = tcp(
                (ATTACKER_MAC, SERVER_MAC),
                (ATTACKER, SERVER),
                (41000 + i, 22),
                u32::from(i),
                SYN,
                &[],
            );
            frame(SAMPLE_START, u32::from(i) * 100_000, data, None)
        })
        .collect();
    let path = dir.join(format!("syn-{n}.pcap"));
    util::write_pcap(&path, &frames);
    path.to_str().unwrap().to_string()
}

#[test]
fn ssh_bruteforce_alerts_once_at_the_tenth_attempt() {
    let out =
        util::run(&["-r", &sample_pcap(), "-s", &script("ssh_bruteforce.rhai"), "-q", "--json"]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let events = util::eve_lines(&out.stdout);
    let found = alerts(&events);
    assert_eq!(found.len(), 1);
    let a = found[0];
    assert_eq!(a["alert"]["signature"], "SSH brute force");
    assert_eq!(a["src_ip"], "198.18.0.66");
    assert_eq!(a["dest_port"], 22);
    // Frames 18 to 29 are the SYNs; the tenth is frame 27. The cut SYN (17) has no flags.
    assert_eq!(a["pcap_cnt"], 27);
    assert_eq!(a["alert"]["severity"], 2);
    assert_eq!(a["alert"]["metadata"]["attempts"], 10);
    assert_eq!(a["alert"]["context"]["script"], "ssh_bruteforce.rhai");
    assert_eq!(stats(&events)["alerts"], 1);
}

#[test]
fn ssh_bruteforce_stays_silent_below_its_limit() {
    let dir = tempfile::tempdir().unwrap();
    let nine = syn_burst(dir.path(), 9);
    let out = util::run(&["-r", &nine, "-s", &script("ssh_bruteforce.rhai"), "-q", "--json"]);
    let events = util::eve_lines(&out.stdout);
    assert!(alerts(&events).is_empty());
    let ten = syn_burst(dir.path(), 10);
    let out = util::run(&["-r", &ten, "-s", &script("ssh_bruteforce.rhai"), "-q", "--json"]);
    let events = util::eve_lines(&out.stdout);
    assert_eq!(alerts(&events).len(), 1);
    assert_eq!(alerts(&events)[0]["pcap_cnt"], 10);
}

#[test]
fn alerts_file_holds_one_line_per_alert_and_lines_show_them() {
    let (_dir, path) = util::temp_path("alerts.json");
    let out = util::run(&[
        "-r",
        &sample_pcap(),
        "-s",
        &script("ssh_bruteforce.rhai"),
        "--alerts",
        path.to_str().unwrap(),
        "tcp port 22",
    ]);
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    // The alert follows the line of the packet that raised it.
    let at = lines
        .iter()
        .position(|l| l.contains("ssh_bruteforce.rhai: alert: SSH brute force"))
        .unwrap();
    assert!(lines[at - 1].contains("198.18.0.66.40010 > 198.18.0.1.22"), "{text}");
    assert!(lines[at].contains("{TCP} 198.18.0.66:40010 -> 198.18.0.1:22"), "{text}");
    let file = std::fs::read(&path).unwrap();
    let events = util::eve_lines(&file);
    assert_eq!(events.len(), 1);
    // Appending: a second run adds its alert after the first.
    util::run(&[
        "-r",
        &sample_pcap(),
        "-q",
        "-s",
        &script("ssh_bruteforce.rhai"),
        "--alerts",
        path.to_str().unwrap(),
    ]);
    assert_eq!(util::eve_lines(&std::fs::read(&path).unwrap()).len(), 2);
}

#[test]
fn chain_runs_in_file_name_order_and_a_drop_ends_it() {
    let (_dir, scripts) = folder(&[
        ("50-log.rhai", "fn on_packet(pkt) { log(`saw ${pkt.proto}`); }"),
        ("10-drop-arp.rhai", "fn on_packet(pkt) { if pkt.proto == \"arp\" { return false; } }"),
    ]);
    let (_out_dir, written) = util::temp_path("kept.pcap");
    let out = util::run(&[
        "-r",
        &sample_pcap(),
        "-s",
        scripts.to_str().unwrap(),
        "-w",
        written.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(!text.contains("ARP"), "dropped packets are not shown: {text}");
    assert!(!text.contains("saw arp"), "a drop ends the chain: {text}");
    assert_eq!(text.matches("50-log.rhai: saw ").count(), 27, "{text}");
    // Logs sit between packet lines, after the packet they speak of.
    let lines: Vec<&str> = text.lines().collect();
    assert!(
        lines[0].contains(" IP 198.18.0.7.51000 > ") && lines[1].ends_with("50-log.rhai: saw udp"),
        "{text}"
    );
    let back = util::run(&["-r", written.to_str().unwrap(), "-q", "--json"]);
    assert_eq!(util::eve_lines(&back.stdout)[0]["stats"]["packets"], 27);
}

#[test]
fn filter_gates_on_packet_and_this_persists() {
    let (_dir, scripts) = folder(&[(
        "count.rhai",
        r#"
        const FILTER = "udp";
        fn on_start() { this.udp = 0; this.ticks = 0; }
        fn on_packet(pkt) { this.udp += 1; }
        fn on_tick(now) { this.ticks += 1; }
        fn on_stop() { log(`udp=${this.udp} ticks=${this.ticks}`); }
        "#,
    )]);
    let out = util::run(&["-r", &sample_pcap(), "-s", scripts.to_str().unwrap(), "-q", "--json"]);
    assert_eq!(out.status.code(), Some(0));
    // The two DNS packets are UDP; the mDNS query is in a VLAN, which plain "udp" does
    // not match (as in tcpdump). The capture spans 4.65 s of packet time: 4 ticks.
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "count.rhai: udp=2 ticks=4\n29 packets captured\n"
    );
    let events = util::eve_lines(&out.stdout);
    let per_script = &stats(&events)["scripts"][0];
    assert_eq!(per_script["script"], "count.rhai");
    // on_start, 2 packets, 4 ticks, on_stop.
    assert_eq!(per_script["calls"], 8);
}

#[test]
fn a_packet_a_script_keeps_stays_that_packet() {
    // hark reuses a packet's storage for the next one when no script holds on to it; a
    // packet or layer kept in `this` must still read as itself at the end.
    let (_dir, scripts) = folder(&[(
        "keep.rhai",
        r#"
        fn describe(p, ip) { `${p.number} ${p.src} ${p.len} ${ip.ttl} ${ip.dst}` }
        fn on_packet(pkt) {
            if pkt.number == 3 { this.pkt = pkt; this.then = describe(pkt, pkt.ip); }
            if pkt.number == 5 { this.ip = pkt.ip; this.ip_then = `${pkt.ip.ttl} ${pkt.ip.dst}`; }
        }
        fn on_stop() {
            log(`${this.then} | ${describe(this.pkt, this.pkt.ip)}`);
            log(`${this.ip_then} | ${this.ip.ttl} ${this.ip.dst}`);
        }
        "#,
    )]);
    let out = util::run(&["-r", &sample_pcap(), "-s", scripts.to_str().unwrap(), "-q"]);
    assert_eq!(out.status.code(), Some(0));
    let stderr = String::from_utf8_lossy(&out.stderr);
    let lines: Vec<&str> = stderr.lines().collect();
    assert_eq!(lines.len(), 3, "{stderr}");
    for line in &lines[..2] {
        let (then, now) = line.trim_start_matches("keep.rhai: ").split_once(" | ").unwrap();
        assert_eq!(then, now, "{line}");
    }
    assert!(lines[0].starts_with("keep.rhai: 3 "), "{stderr}");
}

#[test]
fn a_script_that_replaces_its_packet_leaves_the_next_one_whole() {
    let (_dir, scripts) = folder(&[
        (
            "1-replace.rhai",
            r#"
            fn on_packet(pkt) { if pkt.number % 2 == 0 { this.kept = pkt; } pkt = (); }
            fn on_stop() { log(`kept ${this.kept.number} ${this.kept.len}`); }
            "#,
        ),
        (
            "2-count.rhai",
            r#"
            fn on_start() { this.n = 0; this.sum = 0; this.bytes = 0; }
            fn on_packet(pkt) { this.n += 1; this.sum += pkt.number; this.bytes += pkt.len; }
            fn on_stop() { log(`${this.n} ${this.sum} ${this.bytes}`); }
            "#,
        ),
    ]);
    let out = util::run(&["-r", &sample_pcap(), "-s", scripts.to_str().unwrap(), "-q"]);
    assert_eq!(out.status.code(), Some(0));
    // The sizes of the sample's frames, as its pcap records give them.
    let bytes = std::fs::read(sample_pcap()).unwrap();
    let (mut at, mut lens) = (24, Vec::new());
    while at + 16 <= bytes.len() {
        let caplen = u32::from_le_bytes(bytes[at + 8..at + 12].try_into().unwrap()) as usize;
        lens.push(u32::from_le_bytes(bytes[at + 12..at + 16].try_into().unwrap()));
        at += 16 + caplen;
    }
    let total: u32 = lens.iter().sum();
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        format!(
            "1-replace.rhai: kept 28 {}\n2-count.rhai: 29 435 {total}\n29 packets captured\n",
            lens[27]
        )
    );
}

#[test]
fn on_stop_runs_when_count_is_reached() {
    let (_dir, scripts) = folder(&[("stop.rhai", "fn on_stop() { log(\"stopped\"); }")]);
    let out = util::run(&["-r", &sample_pcap(), "-s", scripts.to_str().unwrap(), "-c", "2", "-q"]);
    assert_eq!(String::from_utf8_lossy(&out.stderr), "stop.rhai: stopped\n2 packets captured\n");
}

#[test]
fn hostile_scripts_are_contained_and_nothing_is_lost() {
    let (_dir, scripts) = folder(&[
        ("1-loop.rhai", "fn on_packet(pkt) { loop { } }"),
        ("2-recurse.rhai", "fn deep(n) { deep(n + 1) } fn on_packet(pkt) { deep(0) }"),
        ("3-big-string.rhai", "fn on_packet(pkt) { let s = \"x\"; loop { s += s; } }"),
        (
            "4-big-map.rhai",
            "fn on_packet(pkt) { let m = #{}; let i = 0; loop { m[`k${i}`] = i; i += 1; } }",
        ),
        ("5-error.rhai", "fn on_packet(pkt) { pkt.no_such_field.boom }"),
    ]);
    let (_out_dir, written) = util::temp_path("all.pcap");
    let args = [
        "-r",
        &sample_pcap(),
        "-c",
        "8",
        "-s",
        scripts.to_str().unwrap(),
        "-q",
        "--json",
        "-w",
        written.to_str().unwrap(),
        "--script-memory",
        "16M",
    ];
    let out = util::run(&args);
    assert_eq!(out.status.code(), Some(0));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    // The string outgrows the budget in its first call: stopped, its later calls refused.
    assert!(stderr.contains("hark: script error: 3-big-string.rhai: on_packet: went past its memory budget of 16 MiB (--script-memory): stopped"), "{stderr}");
    assert_eq!(stderr.matches("3-big-string.rhai").count(), 1, "{stderr}");
    for (name, why) in [
        // Each at the place the limit was hit: the loop, the call.
        ("1-loop.rhai", "1-loop.rhai:1:26: Too many operations"),
        ("2-recurse.rhai", "2-recurse.rhai:1:48: Stack overflow"),
        ("4-big-map.rhai", "4-big-map.rhai:1:68: Too many operations"),
        ("5-error.rhai", "5-error.rhai:1:25: Unknown property 'no_such_field'"),
    ] {
        assert!(
            stderr.contains(&format!("hark: script error: {why}")),
            "{name} reported: {stderr}"
        );
        assert!(
            stderr.contains(&format!("{name}: 3 more errors (8 in all)")),
            "{name} summarised: {stderr}"
        );
        assert_eq!(
            stderr.matches(&format!("hark: script error: {name}:")).count(),
            6,
            "{name}: 5 errors and a summary"
        );
    }
    let events = util::eve_lines(&out.stdout);
    let per_script = stats(&events)["scripts"].as_array().unwrap().clone();
    assert_eq!(per_script.len(), 5);
    let counts = |s: &Value| (s["calls"].clone(), s["errors"].clone(), s["refused"].clone());
    for script in &per_script {
        let expected = if script["script"] == "3-big-string.rhai" { (1, 1, 7) } else { (8, 8, 0) };
        let expected = (expected.0.into(), expected.1.into(), expected.2.into());
        assert_eq!(counts(script), expected, "{script}");
    }
    // Every packet went on down the chain and into the file.
    let back = util::run(&["-r", written.to_str().unwrap(), "-q", "--json"]);
    assert_eq!(util::eve_lines(&back.stdout)[0]["stats"]["packets"], 8);
}

#[test]
fn bad_scripts_stop_hark_before_any_packet() {
    let (_dir, scripts) =
        folder(&[("bad.rhai", "const FILTER = \"tcp port\";\nfn on_packet(pkt) {}\n")]);
    let out = util::run(&["-r", &sample_pcap(), "-s", scripts.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "hark: script: bad.rhai: FILTER: 1:9: expected a port number or name after 'port', found the end of the expression\n"
    );
    let out = util::run(&["-r", &sample_pcap(), "-s", "96"]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "hark: -s 96: -s takes a script file or folder (tcpdump's snap length is --snaplen 96)\n"
    );
}

#[test]
fn check_reports_every_error_byte_for_byte() {
    let (_dir, scripts) = folder(&[
        ("a-syntax.rhai", "fn on_packet(pkt) {\n    let x = ;\n}\n"),
        ("b-filter.rhai", "const FILTER = \"host lab.example\";\nfn on_packet(pkt) {}\n"),
        ("c-good.rhai", "fn on_packet(pkt) { true }\n"),
        ("d-unclosed.rhai", "fn on_start() {\n    this.x = #{ a: 1\n}\n"),
        ("e-toplevel.rhai", "let y = 1 / 0;\n"),
    ]);
    let out = util::hark().arg("check").arg(&scripts).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    util::assert_same_text(
        "a-syntax.rhai:2:13: Unexpected ';'\n\
         b-filter.rhai: FILTER: 1:6: 'lab.example' is a name, and hark never resolves names (give an address)\n\
         d-unclosed.rhai:4:1: Expecting ';' to terminate this statement\n\
         e-toplevel.rhai:1:11: Division by zero: 1 / 0\n",
        &String::from_utf8_lossy(&out.stdout),
    );
    let out = util::hark().args(["check", &script("ssh_bruteforce.rhai")]).output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert!(out.stdout.is_empty());
}

#[test]
fn every_shipped_script_compiles() {
    let out = util::hark().arg("check").arg(util::root().join("scripts")).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stdout));
    let _ = sample::lab_conversation();
}

/// Runs one shipped script on frames built here; returns the EVE lines and standard error.
fn run_script(name: &str, frames: &[hark::source::OwnedFrame]) -> (Vec<Value>, String) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("input.pcap");
    util::write_pcap(&path, frames);
    let out = util::run(&["-r", path.to_str().unwrap(), "-s", &script(name), "-q", "--json"]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    (util::eve_lines(&out.stdout), String::from_utf8_lossy(&out.stderr).into_owned())
}

fn syn(src: [u8; 4], dport: u16, at_ms: u32) -> hark::source::OwnedFrame {
    let data = tcp((ATTACKER_MAC, SERVER_MAC), (src, SERVER), (50000, dport), 1, SYN, &[]);
    frame(SAMPLE_START, at_ms * 1000, data, None)
}

#[test]
fn port_scan_alerts_at_the_twentieth_port_within_the_window() {
    // 25 ports in 2.5 s: the alert comes with the 20th distinct port, once.
    let fast: Vec<_> = (0..25).map(|i| syn(ATTACKER, 1000 + i, u32::from(i) * 100)).collect();
    let (events, _) = run_script("tcp_portscan.rhai", &fast);
    let found = alerts(&events);
    assert_eq!(found.len(), 1);
    assert_eq!(found[0]["pcap_cnt"], 20);
    assert_eq!(found[0]["alert"]["metadata"]["ports"], 20);
    // 25 ports at one every 4 s never has 20 within 10 s; nor do 40 SYNs to one port.
    let slow: Vec<_> = (0..25).map(|i| syn(ATTACKER, 1000 + i, u32::from(i) * 4000)).collect();
    assert!(alerts(&run_script("tcp_portscan.rhai", &slow).0).is_empty());
    let one_port: Vec<_> = (0..40u32).map(|i| syn(ATTACKER, 443, i * 10)).collect();
    assert!(alerts(&run_script("tcp_portscan.rhai", &one_port).0).is_empty());
}

#[test]
fn arp_spoof_alerts_when_a_mac_changes() {
    use hark::sample::{CLIENT, CLIENT_MAC, arp};
    let reply = |mac: [u8; 6], at_ms: u32| {
        frame(
            SAMPLE_START,
            at_ms * 1000,
            arp((mac, CLIENT_MAC), 2, (mac, SERVER), (CLIENT_MAC, CLIENT)),
            None,
        )
    };
    let frames = vec![
        reply(SERVER_MAC, 0),
        reply(SERVER_MAC, 100),
        reply(ATTACKER_MAC, 200),
        reply(ATTACKER_MAC, 300),
    ];
    let (events, _) = run_script("arp_spoof.rhai", &frames);
    let found = alerts(&events);
    assert_eq!(found.len(), 1);
    assert_eq!(found[0]["pcap_cnt"], 3);
    assert_eq!(found[0]["alert"]["metadata"]["was"], "02:00:00:00:00:01");
    assert_eq!(found[0]["alert"]["metadata"]["now"], "02:00:00:00:00:66");
    assert!(alerts(&run_script("arp_spoof.rhai", &frames[..2]).0).is_empty());
}

#[test]
fn ping_sweep_alerts_at_the_tenth_host() {
    use hark::sample::icmp_echo;
    let ping = |last: u8, at_ms: u32, reply: bool| {
        frame(
            SAMPLE_START,
            at_ms * 1000,
            icmp_echo((ATTACKER_MAC, SERVER_MAC), (ATTACKER, [198, 18, 1, last]), 1, 1, reply),
            None,
        )
    };
    let sweep: Vec<_> = (1..=12).map(|h| ping(h, u32::from(h) * 50, false)).collect();
    let (events, _) = run_script("ping_sweep.rhai", &sweep);
    assert_eq!(alerts(&events).len(), 1);
    assert_eq!(alerts(&events)[0]["pcap_cnt"], 10);
    // Replies, and many pings to one host, are no sweep.
    let replies: Vec<_> = (1..=12).map(|h| ping(h, u32::from(h) * 50, true)).collect();
    assert!(alerts(&run_script("ping_sweep.rhai", &replies).0).is_empty());
    let one_host: Vec<_> = (0..30).map(|i| ping(9, i * 50, false)).collect();
    assert!(alerts(&run_script("ping_sweep.rhai", &one_host).0).is_empty());
}

#[test]
fn dns_logger_logs_each_query_and_alerts_on_watched_names() {
    use hark::sample::{CLIENT, CLIENT_MAC, RESOLVER, dns_message, udp};
    let query = |id: u16, name: &str, at_ms: u32| {
        frame(
            SAMPLE_START,
            at_ms * 1000,
            udp(
                (CLIENT_MAC, SERVER_MAC),
                (CLIENT, RESOLVER),
                (53000 + id, 53),
                &dns_message(id, name, None),
            ),
            None,
        )
    };
    let answer = frame(
        SAMPLE_START,
        500_000,
        udp(
            (SERVER_MAC, CLIENT_MAC),
            (RESOLVER, CLIENT),
            (53, 53001),
            &dns_message(1, "lab.example", Some(SERVER)),
        ),
        None,
    );
    let frames = vec![
        query(1, "lab.example", 0),
        answer,
        query(2, "www.evil.example", 600),
        query(3, "notevil.example", 700),
    ];
    let (events, stderr) = run_script("dns_logger.rhai", &frames);
    assert_eq!(
        stderr,
        "dns_logger.rhai: 198.18.0.7 asks lab.example\n\
         dns_logger.rhai: 198.18.0.7 asks www.evil.example\n\
         dns_logger.rhai: 198.18.0.7 asks notevil.example\n4 packets captured\n"
    );
    let found = alerts(&events);
    assert_eq!(found.len(), 1);
    assert_eq!(found[0]["alert"]["metadata"]["qname"], "www.evil.example");
    assert_eq!(found[0]["pcap_cnt"], 3);
}

#[test]
fn ttl_anomaly_alerts_once_when_a_source_moves() {
    let mut frames: Vec<_> = (0..5).map(|i| syn(ATTACKER, 80, i * 10)).collect();
    let mut odd = syn(ATTACKER, 80, 100);
    odd.data[22] = 120; // IPv4 TTL
    frames.push(odd.clone());
    frames.push(odd);
    let (events, _) = run_script("ttl_anomaly.rhai", &frames);
    let found = alerts(&events);
    assert_eq!(found.len(), 1);
    assert_eq!(found[0]["pcap_cnt"], 6);
    assert_eq!(found[0]["alert"]["metadata"]["usual"], 64);
    assert_eq!(found[0]["alert"]["metadata"]["seen"], 120);
    // The sample's hosts keep their TTL.
    assert!(alerts(&run_script("ttl_anomaly.rhai", &sample::lab_conversation()).0).is_empty());
}

#[test]
fn noise_dropper_drops_arp_and_mdns_only() {
    let (_dir, written) = util::temp_path("quiet.pcap");
    let out = util::run(&[
        "-r",
        &sample_pcap(),
        "-s",
        &script("10-drop-noise.rhai"),
        "-q",
        "-w",
        written.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(0));
    // The sample holds two ARP frames and one mDNS query (in VLAN 10).
    assert_eq!(String::from_utf8_lossy(&out.stderr), "26 packets captured (29 read)\n");
    let text = String::from_utf8(util::run(&["-r", written.to_str().unwrap()]).stdout).unwrap();
    assert!(!text.contains("ARP") && !text.contains("5353"), "{text}");
}

#[test]
fn top_talkers_lists_sources_by_bytes() {
    // The truth, from the frames as built: bytes on the wire by source address.
    let mut totals: std::collections::BTreeMap<String, u64> = Default::default();
    for f in sample::lab_conversation() {
        let pkt = hark::decode::Packet::new(f.as_frame());
        if let Some(src) = pkt.src_ip() {
            *totals.entry(src.to_string()).or_default() += u64::from(f.orig_len);
        }
    }
    let mut rows: Vec<(u64, String)> = totals.into_iter().map(|(h, b)| (b, h)).collect();
    rows.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    let mut expected: String = rows
        .iter()
        .take(5)
        .map(|(b, h)| format!("top_talkers.rhai: {h} sent {b} bytes\n"))
        .collect();
    expected.push_str("29 packets captured\n");
    let (_, stderr) = run_script("top_talkers.rhai", &sample::lab_conversation());
    util::assert_same_text(&expected, &stderr);
}

#[test]
fn tables_count_their_evictions() {
    let (_dir, scripts) = folder(&[(
        "small.rhai",
        "fn on_start() { this.t = table(#{ ttl: 60, max: 3 }); }\nfn on_packet(pkt) { this.t.incr(pkt.number); }\n",
    )]);
    let out = util::run(&["-r", &sample_pcap(), "-s", scripts.to_str().unwrap(), "-q", "--json"]);
    let events = util::eve_lines(&out.stdout);
    // 29 distinct keys into 3 places: 26 give way.
    assert_eq!(stats(&events)["scripts"][0]["evictions"], 26);
}

/// Feeds the sample to hark on a pipe left open, then sends `signal` once every packet has
/// been seen; returns hark's exit status, standard error and the alerts file.
fn interrupted(signal: &str) -> (Option<i32>, String, Vec<u8>) {
    use std::io::Write;
    use std::process::Stdio;
    let (_dir, scripts) = folder(&[(
        "every.rhai",
        "fn on_packet(pkt) { alert(\"seen\", #{ n: pkt.number }); }\nfn on_stop() { log(\"stopped\"); }\n",
    )]);
    let (_alerts_dir, alerts_path) = util::temp_path("alerts.json");
    let mut child = util::hark()
        .args([
            "-r",
            "-",
            "-q",
            "-s",
            scripts.to_str().unwrap(),
            "--alerts",
            alerts_path.to_str().unwrap(),
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    stdin.write_all(&std::fs::read(sample_pcap()).unwrap()).unwrap();
    stdin.flush().unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while std::fs::read_to_string(&alerts_path).map_or(0, |t| t.lines().count()) < 29 {
        assert!(std::time::Instant::now() < deadline, "hark did not see the packets");
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let status = std::process::Command::new("kill")
        .args([signal, &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let out = child.wait_with_output().unwrap();
    drop(stdin);
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
        std::fs::read(&alerts_path).unwrap(),
    )
}

#[test]
fn on_stop_runs_on_sigint_and_sigterm_with_whole_alert_lines() {
    for signal in ["-INT", "-TERM"] {
        let (code, stderr, alerts_file) = interrupted(signal);
        assert_eq!(code, Some(0), "{signal}: {stderr}");
        assert_eq!(stderr, "every.rhai: stopped\n29 packets captured\n", "{signal}");
        assert!(alerts_file.ends_with(b"\n"), "{signal}: the last alert line is whole");
        assert_eq!(util::eve_lines(&alerts_file).len(), 29, "{signal}");
    }
}

#[test]
fn as_root_scripts_others_could_change_are_refused() {
    use std::os::unix::fs::PermissionsExt;
    if !util::root_for(
        "as_root_scripts_others_could_change_are_refused",
        "the check only applies when hark runs as root",
    ) {
        return;
    }
    let (_dir, scripts) = folder(&[
        ("open.rhai", "fn on_packet(pkt) {}\n"),
        ("theirs.rhai", "fn on_packet(pkt) {}\n"),
    ]);
    let open = scripts.join("open.rhai");
    std::fs::set_permissions(&open, std::fs::Permissions::from_mode(0o666)).unwrap();
    let out = util::run(&["-r", &sample_pcap(), "-s", open.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        format!(
            "hark: script: open.rhai: refused: hark runs as root and the file is writable by its group or others (chmod go-w {})\n",
            open.display()
        )
    );
    let theirs = scripts.join("theirs.rhai");
    std::os::unix::fs::chown(&theirs, Some(65534), None).unwrap();
    let out = util::run(&["-r", &sample_pcap(), "-s", theirs.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr)
            .contains("theirs.rhai: refused: hark runs as root and the file belongs to user 65534")
    );
}
