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
    ];
    let out = util::run(&args);
    assert_eq!(out.status.code(), Some(0));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    for (name, why) in [
        ("1-loop.rhai", "1-loop.rhai: on_packet: Too many operations"),
        ("2-recurse.rhai", "2-recurse.rhai: on_packet: Stack overflow"),
        ("3-big-string.rhai", "3-big-string.rhai: on_packet: Length of string too large"),
        ("4-big-map.rhai", "4-big-map.rhai: on_packet: Too many operations"),
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
    assert!(per_script.iter().all(|s| s["errors"] == 8 && s["calls"] == 8), "{per_script:?}");
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
