//! The lab: hark live on an interface, answering and watching real clients (ping, curl,
//! dig, nmap, hping3) in network namespaces. Root only; see `util::lab`.

use std::time::{Duration, Instant};

use crate::util::lab::{self, Lab, ROUTER_IF, script_with};
use crate::util::{have_for, temp_path};

/// The address hark answers for: no host has it.
const GHOST: &str = "198.18.1.99";

fn quoted(s: &str) -> String {
    format!("\"{s}\"")
}

#[test]
fn ping_to_a_host_that_does_not_exist_gets_its_replies() {
    let Some(lab) = Lab::new("lab ping") else { return };
    if !have_for("lab ping", "ping") {
        return;
    }
    let (dir, _) = temp_path("x");
    let script = script_with(dir.path(), "answer_ping.rhai", &[("GHOST", &quoted(GHOST))]);
    let hark = lab.hark(&["-i", ROUTER_IF, "--inject", "-q", "-s", script.to_str().unwrap()]);
    let ping = lab.run(&lab.client, "ping", &["-c", "3", "-i", "0.2", "-W", "2", GHOST]);
    let text = String::from_utf8_lossy(&ping.stdout);
    let out = lab::stop(hark, "INT");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(text.contains("3 packets transmitted, 3 received"), "{text}\nhark: {stderr}");
    assert!(text.contains(&format!("bytes from {GHOST}")), "{text}");
    // The ARP request and the three echo requests; hark's own four answers come back on
    // the interface as outgoing frames, and are left out.
    assert!(stderr.contains("4 packets captured\n8 packets received by filter"), "{stderr}");
    assert_eq!(out.status.code(), Some(0), "{stderr}");
}

#[test]
fn a_blocked_port_refuses_at_once() {
    let Some(lab) = Lab::new("lab curl") else { return };
    if !have_for("lab curl", "curl") {
        return;
    }
    let (dir, _) = temp_path("x");
    let ping = script_with(dir.path(), "answer_ping.rhai", &[("GHOST", &quoted(GHOST))]);
    let reset = script_with(dir.path(), "reset_blocked.rhai", &[("BLOCKED", "[8080]")]);
    let hark = lab.hark(&[
        "-i",
        ROUTER_IF,
        "--inject",
        "-q",
        "-s",
        ping.to_str().unwrap(),
        "-s",
        reset.to_str().unwrap(),
    ]);
    let started = Instant::now();
    let url = format!("http://{GHOST}:8080/");
    let curl = lab.run(&lab.client, "curl", &["-sS", "--max-time", "5", &url]);
    let took = started.elapsed();
    let out = lab::stop(hark, "INT");
    let said = String::from_utf8_lossy(&curl.stderr);
    // curl's exit status 7: it could not connect; the reason is the kernel's ECONNREFUSED.
    assert_eq!(
        curl.status.code(),
        Some(7),
        "{said}\nhark: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(said.contains("Connection refused") || said.contains("Couldn't connect"), "{said}");
    assert!(took < Duration::from_secs(2), "refused after {took:?}, not at once");
}

#[test]
fn dns_answers_follow_the_script_as_it_is_edited() {
    let Some(lab) = Lab::new("lab dig") else { return };
    if !have_for("lab dig", "dig") {
        return;
    }
    let (dir, _) = temp_path("x");
    let ping = script_with(dir.path(), "answer_ping.rhai", &[("GHOST", &quoted(GHOST))]);
    let names = |addr: &str| format!("#{{ \"lab.example\": \"{addr}\" }}");
    let dns = script_with(dir.path(), "dns_answer.rhai", &[("NAMES", &names("198.18.1.53"))]);
    let hark = lab.hark(&[
        "-i",
        ROUTER_IF,
        "--inject",
        "-q",
        "-s",
        ping.to_str().unwrap(),
        "-s",
        dns.to_str().unwrap(),
    ]);
    let server = format!("@{GHOST}");
    let dig = || {
        let out =
            lab.run(&lab.client, "dig", &[&server, "lab.example", "+short", "+time=2", "+tries=1"]);
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    };
    let first = dig();
    // Saved as editors save: a new file renamed over the old one.
    let edited = dir.path().join("dns_answer.rhai.new");
    let text = std::fs::read_to_string(&dns).unwrap().replace("198.18.1.53", "198.18.1.54");
    std::fs::write(&edited, text).unwrap();
    std::fs::rename(&edited, &dns).unwrap();
    std::thread::sleep(Duration::from_millis(500));
    let second = dig();
    let out = lab::stop(hark, "INT");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(first, "198.18.1.53", "hark: {stderr}");
    assert_eq!(second, "198.18.1.54", "hark: {stderr}");
    assert!(stderr.contains("reload"), "{stderr}");
}
