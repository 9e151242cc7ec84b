//! The lab: hark live on an interface, answering and watching real clients (ping, curl,
//! dig, nmap, hping3) in network namespaces. Root only; see `util::lab`.

use std::time::{Duration, Instant};

use crate::util::lab::{self, CLIENT_IF, CLIENT_IP, Lab, ROUTER_IF, ROUTER_IP, script_with};
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
    let hark = responder(&lab, &[&script], &[]);
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
    let hark = responder(&lab, &[&ping, &reset], &[]);
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
    let hark = responder(&lab, &[&ping, &dns], &[]);
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

/// hark answering on the router's interface with `scripts`, quiet, `extra` flags added.
fn responder(lab: &Lab, scripts: &[&std::path::Path], extra: &[&str]) -> std::process::Child {
    let mut args = vec!["-i", ROUTER_IF, "--inject", "-q"];
    args.extend_from_slice(extra);
    for script in scripts {
        args.extend(["-s", script.to_str().unwrap()]);
    }
    lab.hark(&args)
}

/// python3's web server on the router's port 8000, serving `dir`.
fn web_server(lab: &Lab, dir: &std::path::Path) -> std::process::Child {
    lab.command(&lab.router, "python3", &["-m", "http.server", "8000", "--bind", ROUTER_IP])
        .current_dir(dir)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap()
}

/// The alerts of an `--alerts` file, every line checked to be whole JSON.
fn alerts_in(path: &std::path::Path) -> Vec<serde_json::Value> {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    assert!(text.is_empty() || text.ends_with('\n'), "the alert file ends inside a line");
    text.lines().map(|l| serde_json::from_str(l).expect("each alert line is whole JSON")).collect()
}

#[test]
fn a_syn_scan_raises_one_alert_and_a_plain_session_none() {
    let Some(lab) = Lab::new("lab nmap") else { return };
    if !have_for("lab nmap", "nmap") || !have_for("lab nmap", "curl") {
        return;
    }
    let (dir, alerts) = temp_path("alerts.json");
    let script = crate::util::root().join("scripts/tcp_portscan.rhai");
    let args = [
        "-i",
        ROUTER_IF,
        "-q",
        "--alerts",
        alerts.to_str().unwrap(),
        "-s",
        script.to_str().unwrap(),
    ];

    // A real web server in the router namespace, and a client that fetches from it.
    let mut server = web_server(&lab, dir.path());
    let hark = lab.hark(&args);
    let url = format!("http://{ROUTER_IP}:8000/");
    let mut fetched = false;
    for _ in 0..50 {
        if lab.run(&lab.client, "curl", &["-sf", "--max-time", "2", &url]).status.success() {
            fetched = true;
            for _ in 0..5 {
                lab.run_ok(&lab.client, "curl", &["-sf", "--max-time", "2", &url]);
            }
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let out = lab::stop(hark, "INT");
    let _ = server.kill();
    let _ = server.wait();
    assert!(fetched, "the web server never answered");
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(
        alerts_in(&alerts),
        vec![] as Vec<serde_json::Value>,
        "a plain session raised an alert"
    );

    let hark = lab.hark(&args);
    let nmap = lab.run(
        &lab.client,
        "nmap",
        &["-sS", "-n", "-Pn", "-p", "1-200", "--max-retries", "0", "-T4", ROUTER_IP],
    );
    assert!(nmap.status.success(), "{}", String::from_utf8_lossy(&nmap.stderr));
    std::thread::sleep(Duration::from_millis(200));
    let out = lab::stop(hark, "INT");
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let alerts = alerts_in(&alerts);
    assert_eq!(alerts.len(), 1, "{alerts:?}");
    assert_eq!(alerts[0]["alert"]["signature"], "TCP SYN port scan");
    assert_eq!(alerts[0]["src_ip"], CLIENT_IP);
    assert_eq!(alerts[0]["in_iface"], ROUTER_IF);
}

#[test]
fn a_syn_flood_is_answered_within_the_send_rate() {
    let Some(lab) = Lab::new("lab hping3") else { return };
    if !have_for("lab hping3", "hping3") || !have_for("lab hping3", "tcpdump") {
        return;
    }
    const RATE: usize = 40;
    let (dir, client_pcap) = temp_path("client.pcap");
    let ping = script_with(dir.path(), "answer_ping.rhai", &[("GHOST", &quoted(GHOST))]);
    let reset = script_with(dir.path(), "reset_blocked.rhai", &[("BLOCKED", "[8080]")]);
    let tcpdump = lab.spawn_capture(
        &lab.client,
        "tcpdump",
        &["-i", CLIENT_IF, "-n", "-w", client_pcap.to_str().unwrap(), "tcp"],
    );
    let rate = RATE.to_string();
    let hark = responder(&lab, &[&ping, &reset], &["--send-rate", &rate]);
    // 400 SYNs a second for 2.5 seconds, each from the next source port.
    let flood = lab.run(
        &lab.client,
        "hping3",
        &["-q", "-S", "-p", "8080", "-i", "u2500", "-c", "1000", GHOST],
    );
    std::thread::sleep(Duration::from_millis(200));
    let hark_out = lab::stop(hark, "INT");
    lab::stop(tcpdump, "INT");
    assert!(
        flood.status.success() || flood.status.code() == Some(1),
        "{}",
        String::from_utf8_lossy(&flood.stderr)
    );

    // Each reset is dated by the SYN it answers (the rate is per second of packet time).
    let lines = crate::util::tshark_fields(
        &client_pcap,
        &["frame.time_epoch", "tcp.flags.reset", "tcp.srcport", "tcp.dstport"],
    );
    // The client's clock dates the SYNs here; hark's rate follows its own capture's stamps.
    // A SYN within 2 ms of a second's edge may fall in the other second for hark, so such
    // resets are counted apart, and allowed only as that slack.
    let mut syn_time = std::collections::HashMap::new();
    let mut per_second: std::collections::BTreeMap<i64, (usize, usize)> = Default::default();
    let mut syns = 0;
    for line in lines.lines() {
        let f: Vec<&str> = line.split('|').collect();
        let time = f[0].parse::<f64>().unwrap();
        if f[1] == "True" || f[1] == "1" {
            let time = syn_time.get(f[3]).copied().unwrap_or(time);
            let into_second = time - time.floor();
            let near_edge = !(0.002..=0.998).contains(&into_second);
            let counts = per_second.entry(time.floor() as i64).or_default();
            if near_edge { counts.1 += 1 } else { counts.0 += 1 }
        } else {
            syns += 1;
            syn_time.insert(f[2].to_string(), time);
        }
    }
    let resets: usize = per_second.values().map(|(clear, edge)| clear + edge).sum();
    assert!(syns >= 900, "the flood sent {syns} SYNs");
    assert!(
        resets >= RATE,
        "only {resets} resets: {per_second:?}\n{}",
        String::from_utf8_lossy(&hark_out.stderr)
    );
    for (second, (clear, edge)) in &per_second {
        assert!(*clear <= RATE, "{clear} resets answer the SYNs of second {second}: over {RATE}");
        assert!(
            clear + edge <= RATE + edge.min(&2),
            "{} resets answer the SYNs of second {second}: over {RATE} by more than its edges",
            clear + edge
        );
    }
}

#[test]
fn sigterm_mid_traffic_leaves_whole_outputs_and_the_counts_tcpdump_saw() {
    let Some(lab) = Lab::new("lab sigterm") else { return };
    if !have_for("lab sigterm", "tcpdump")
        || !have_for("lab sigterm", "hping3")
        || !have_for("lab sigterm", "tshark")
    {
        return;
    }
    let (dir, hark_pcap) = temp_path("hark.pcap");
    let tcpdump_pcap = dir.path().join("tcpdump.pcap");
    let alerts = dir.path().join("alerts.json");
    let detector = script_with(dir.path(), "tcp_portscan.rhai", &[("PORTS", "5")]);
    let tcpdump = lab.spawn_capture(
        &lab.router,
        "tcpdump",
        &["-i", ROUTER_IF, "-n", "-w", tcpdump_pcap.to_str().unwrap()],
    );
    let hark = lab.hark(&[
        "-i",
        ROUTER_IF,
        "-q",
        "-w",
        hark_pcap.to_str().unwrap(),
        "--alerts",
        alerts.to_str().unwrap(),
        "-s",
        detector.to_str().unwrap(),
    ]);
    // SYNs to one port after another (the router's kernel resets each), 2,000 a second.
    let mut flood = lab
        .command(
            &lab.client,
            "hping3",
            &["-q", "-S", "-p", "++1", "-i", "u500", "-c", "4000", ROUTER_IP],
        )
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(800));
    let hark_out = lab::stop(hark, "TERM");
    let _ = flood.wait();
    std::thread::sleep(Duration::from_millis(100));
    lab::stop(tcpdump, "INT");

    let stderr = String::from_utf8_lossy(&hark_out.stderr);
    assert_eq!(hark_out.status.code(), Some(0), "{stderr}");
    assert!(!alerts_in(&alerts).is_empty(), "the scan raised no alert");
    let read_back = std::process::Command::new("tshark")
        .args(["-r", hark_pcap.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(read_back.status.success(), "tshark: {}", String::from_utf8_lossy(&read_back.stderr));
    let theirs = crate::util::pcap_records(&tcpdump_pcap);
    let ours = crate::util::pcap_records(&hark_pcap);
    let captured: usize = stderr
        .lines()
        .find_map(|l| l.strip_suffix(" packets captured"))
        .and_then(|n| n.parse().ok())
        .expect("the closing count");
    assert_eq!(captured, ours.len(), "{stderr}");
    assert!(stderr.contains("0 packets dropped by kernel"), "{stderr}");
    assert!(
        ours.len() > 500 && ours.len() < theirs.len(),
        "hark {} tcpdump {}",
        ours.len(),
        theirs.len()
    );
    // What hark saw is exactly what tcpdump saw over the same span: nothing missed.
    let start = theirs
        .iter()
        .position(|f| *f == ours[0])
        .expect("hark's first packet is in tcpdump's capture");
    assert_eq!(
        &theirs[start..start + ours.len()],
        &ours[..],
        "hark's packets differ from tcpdump's over the same span"
    );
}

/// hark copied where an unprivileged user can run it, in a folder anyone may write.
fn hark_for_anyone(dir: &std::path::Path) -> std::path::PathBuf {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o777)).unwrap();
    let copy = dir.join("hark");
    std::fs::copy(env!("CARGO_BIN_EXE_hark"), &copy).unwrap();
    std::fs::set_permissions(&copy, std::fs::Permissions::from_mode(0o755)).unwrap();
    copy
}

#[test]
fn capturing_without_the_privilege_names_the_fix() {
    let Some(lab) = Lab::new("lab no privilege") else { return };
    if !have_for("lab no privilege", "setpriv") {
        return;
    }
    let (dir, _) = temp_path("x");
    let hark = hark_for_anyone(dir.path());
    let out = lab.run(
        &lab.router,
        "setpriv",
        &[
            "--reuid=nobody",
            "--regid=nogroup",
            "--clear-groups",
            hark.to_str().unwrap(),
            "-i",
            ROUTER_IF,
        ],
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert_eq!(
        stderr.trim_end(),
        "hark: cannot capture on r0: permission denied (run as root, or grant CAP_NET_RAW and \
         CAP_NET_ADMIN: setcap cap_net_raw,cap_net_admin=eip $(which hark))"
    );
}

#[test]
fn dash_z_gives_up_root_once_the_capture_is_open() {
    let Some(lab) = Lab::new("lab -Z") else { return };
    let (dir, _) = temp_path("x");
    hark_for_anyone(dir.path());
    let pcap = dir.path().join("out.pcap");
    let hark =
        lab.hark(&["-i", ROUTER_IF, "-Z", "nobody", "-c", "2", "-w", pcap.to_str().unwrap()]);
    lab.run_ok(&lab.client, "ping", &["-c", "1", "-W", "2", ROUTER_IP]);
    let out = hark.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    // The file was made after the switch, so it belongs to nobody, as tcpdump's -Z does it.
    use std::os::unix::fs::MetadataExt;
    let nobody = std::process::Command::new("id").args(["-u", "nobody"]).output().unwrap();
    let nobody: u32 = String::from_utf8_lossy(&nobody.stdout).trim().parse().unwrap();
    assert_eq!(std::fs::metadata(&pcap).unwrap().uid(), nobody);
    assert_eq!(crate::util::pcap_records(&pcap).len(), 2);

    let out = lab.run(
        &lab.router,
        env!("CARGO_BIN_EXE_hark"),
        &["-i", ROUTER_IF, "-Z", "no-such-user-here"],
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.starts_with("hark: cannot run as no-such-user-here (-Z): no such user;"),
        "{stderr}"
    );
}

#[test]
fn an_interface_going_down_ends_the_capture_cleanly() {
    let Some(lab) = Lab::new("lab link down") else { return };
    let (dir, pcap) = temp_path("out.pcap");
    let stopper = script_with(dir.path(), "top_talkers.rhai", &[]);
    let hark = lab.hark(&[
        "-i",
        ROUTER_IF,
        "-q",
        "-w",
        pcap.to_str().unwrap(),
        "--json",
        "-s",
        stopper.to_str().unwrap(),
    ]);
    lab.run_ok(&lab.client, "ping", &["-c", "2", "-i", "0.2", "-W", "2", ROUTER_IP]);
    lab.run_ok(&lab.router, "ip", &["link", "set", ROUTER_IF, "down"]);
    let out = hark.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("6 packets captured\n"), "{stderr}");
    assert!(stderr.ends_with("hark: capture ended: r0: the interface is down\n"), "{stderr}");
    // on_stop ran (the script's report: an ARP request and two echo requests, 42 + 2 × 98
    // bytes) and the stats event came out.
    assert!(stderr.contains("top_talkers.rhai: 198.18.1.1 sent 238 bytes"), "{stderr}");
    let events = crate::util::eve_lines(&out.stdout);
    assert_eq!(events.last().unwrap()["event_type"], "stats");
    assert_eq!(events.last().unwrap()["stats"]["capture"]["kernel_drops"], 0);
    assert_eq!(crate::util::pcap_records(&pcap).len(), 6);
}

#[test]
fn send_recv_gets_the_answers_a_real_host_gives() {
    let Some(lab) = Lab::new("lab send_recv") else { return };
    let (dir, _) = temp_path("x");
    let mut server = web_server(&lab, dir.path());
    let url = format!("http://{ROUTER_IP}:8000/");
    let up = (0..50).any(|_| {
        std::thread::sleep(Duration::from_millis(100));
        lab.run(&lab.client, "curl", &["-sf", "--max-time", "1", &url]).status.success()
    });
    let probe = crate::util::root().join("scripts/probe.rhai");
    let out = lab.run(
        &lab.client,
        env!("CARGO_BIN_EXE_hark"),
        &[
            "run",
            probe.to_str().unwrap(),
            "-i",
            CLIENT_IF,
            "--inject",
            "--",
            CLIENT_IP,
            ROUTER_IP,
            "8000",
            "8001",
        ],
    );
    let _ = server.kill();
    let _ = server.wait();
    assert!(up, "the web server never answered");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    // The router's own kernel answers: the echo, the listening port's SYN-ACK, the closed
    // port's reset, each acknowledging the SYN's sequence number 1000.
    assert!(stderr.contains("probe.rhai: 198.18.1.2: echo reply id 7 seq 1\n"), "{stderr}");
    assert!(stderr.contains("probe.rhai: 198.18.1.2:8000: SA ack 1001\n"), "{stderr}");
    assert!(stderr.contains("probe.rhai: 198.18.1.2:8001: RA ack 1001\n"), "{stderr}");
}

#[test]
fn the_kernel_drops_what_the_filter_does_not_want() {
    let Some(lab) = Lab::new("lab kernel filter") else { return };
    let hark = lab.hark(&["-i", ROUTER_IF, "-q", "icmp"]);
    // Two echo requests and their replies, and the ARP exchange before them.
    lab.run_ok(&lab.client, "ping", &["-c", "2", "-i", "0.2", "-W", "2", ROUTER_IP]);
    let out = lab::stop(hark, "INT");
    let stderr = String::from_utf8_lossy(&out.stderr);
    // The kernel's count is of what its filter let through: the ARP frames never reached
    // hark, so the filter ran in the kernel, not only in hark.
    assert!(stderr.contains("4 packets captured\n4 packets received by filter\n"), "{stderr}");
    assert!(!stderr.contains("no kernel"), "{stderr}");
}

#[test]
fn direction_and_snap_length_apply_live() {
    let Some(lab) = Lab::new("lab -Q") else { return };
    let (dir, pcap) = temp_path("out.pcap");
    let _keep = dir;
    let hark = lab.hark(&[
        "-i",
        ROUTER_IF,
        "-Q",
        "out",
        "--snaplen",
        "60",
        "-w",
        pcap.to_str().unwrap(),
        "icmp",
    ]);
    lab.run_ok(&lab.client, "ping", &["-c", "3", "-i", "0.2", "-W", "2", ROUTER_IP]);
    let out = lab::stop(hark, "INT");
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    // Only what the router sent: its three echo replies, each cut to 60 of its 98 bytes.
    let fields = crate::util::tshark_fields(&pcap, &["icmp.type", "frame.cap_len", "frame.len"]);
    assert_eq!(fields, "0|60|98\n".repeat(3));
}

#[test]
fn ticks_follow_the_wall_clock_on_a_quiet_interface() {
    let Some(lab) = Lab::new("lab ticks") else { return };
    let (dir, _) = temp_path("x");
    let script = dir.path().join("tick.rhai");
    std::fs::write(&script, "fn on_tick(now) { log(`tick`); }\n").unwrap();
    let hark = lab.hark(&["-i", ROUTER_IF, "-q", "-s", script.to_str().unwrap()]);
    // Not one packet: only the clock can make the ticks.
    std::thread::sleep(Duration::from_millis(2600));
    let out = lab::stop(hark, "INT");
    // With -q, script logs go to standard error.
    let stderr = String::from_utf8_lossy(&out.stderr);
    let ticks = stderr.lines().filter(|l| *l == "tick.rhai: tick").count();
    assert!((2..=3).contains(&ticks), "{ticks} ticks in 2.6 s: {stderr}");
}

#[test]
fn send_recv_gets_the_arp_reply_of_a_real_host() {
    let Some(lab) = Lab::new("lab send_recv arp") else { return };
    let (dir, _) = temp_path("x");
    let mac = |ns: &str, dev: &str| {
        let out = lab.run_ok(ns, "cat", &[&format!("/sys/class/net/{dev}/address")]);
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    };
    let (ours, theirs) = (mac(&lab.client, CLIENT_IF), mac(&lab.router, ROUTER_IF));
    let script = dir.path().join("arp.rhai");
    std::fs::write(
        &script,
        r#"fn main(args) {
    let ask = packet(#{ eth: #{ src: args[0], dst: "ff:ff:ff:ff:ff:ff" },
                        arp: #{ sender_mac: args[0], sender_ip: args[1], target_ip: args[2] } });
    let answer = send_recv(ask, 1000);
    log(if answer == () { "no answer" } else { `is-at ${answer.arp.sender_mac}` });
}
"#,
    )
    .unwrap();
    let out = lab.run(
        &lab.client,
        env!("CARGO_BIN_EXE_hark"),
        &[
            "run",
            script.to_str().unwrap(),
            "-i",
            CLIENT_IF,
            "--inject",
            "--",
            &ours,
            CLIENT_IP,
            ROUTER_IP,
        ],
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert_eq!(stderr.trim_end(), format!("arp.rhai: is-at {theirs}"));
}
