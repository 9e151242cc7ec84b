//! The lab responders in `scripts/`, run as shipped on requests that a lab's clients send:
//! each answer is accepted by Scapy's `answers()` for its request, and nothing else is
//! answered. `lower_ttl.rhai` is held to tshark.

use std::process::Command;

use crate::util;

/// Requests as a lab's clients send them, with which responder answers each (or none).
const REQUESTS: &str = r#"
fn main() {
    let me = #{ src: "02:00:00:00:00:07", dst: "ff:ff:ff:ff:ff:ff" };
    let v4 = #{ src: "198.18.0.7", dst: "198.18.0.200" };
    // answer_ping: ARP for the ghost, and not for another host; pings to it, v4 and v6.
    send(packet(#{ eth: me, arp: #{ sender_mac: me.src, sender_ip: "198.18.0.7", target_ip: "198.18.0.200" } }));
    send(packet(#{ eth: me, arp: #{ sender_mac: me.src, sender_ip: "198.18.0.7", target_ip: "198.18.0.201" } }));
    send(packet(#{ ip: v4, icmp: #{ id: 9, seq: 1 }, payload: "ping" }));
    send(packet(#{ ip6: #{ src: "2001:db8::7", dst: "2001:db8::200" }, icmp6: #{ id: 9, seq: 2 }, payload: "ping6" }));
    send(packet(#{ ip: #{ src: "198.18.0.7", dst: "198.18.0.201" }, icmp: #{ id: 9, seq: 3 } }));
    // reset_blocked: a SYN to a blocked port, data to another, and SSH, which passes.
    send(packet(#{ ip: v4, tcp: #{ sport: 40000, dport: 23, seq: 100 } }));
    send(packet(#{ ip: v4, tcp: #{ sport: 40001, dport: 445, flags: "PA", seq: 5, ack_num: 77 }, payload: "smb" }));
    send(packet(#{ ip: v4, tcp: #{ sport: 40002, dport: 22 } }));
    // dns_answer: a known name (A and AAAA), an unknown one, over UDP.
    send(packet(#{ ip: v4, udp: #{ sport: 40003, dport: 53 }, payload: dns_query("www.lab.example", "A", 1) }));
    send(packet(#{ ip: v4, udp: #{ sport: 40004, dport: 53 }, payload: dns_query("www.lab.example", "AAAA", 2) }));
    send(packet(#{ ip: v4, udp: #{ sport: 40005, dport: 53 }, payload: dns_query("elsewhere.example", "A", 3) }));
}
"#;

/// Which requests (0-based) get an answer, in order.
const ANSWERED: [usize; 8] = [0, 2, 3, 5, 6, 8, 9, 10];

const CHECK: &str = r#"
import sys
from scapy.all import rdpcap, ARP, DNS, ICMP, ICMPv6EchoReply, TCP
requests, replies = rdpcap(sys.argv[1]), rdpcap(sys.argv[2])
answered = [int(i) for i in sys.argv[3].split(",")]
assert len(replies) == len(answered), (len(replies), len(answered))
for i, a in zip(answered, replies):
    q = requests[i]
    assert a.answers(q), (i, q.summary(), a.summary())
    if ARP in a:
        print("arp", a[ARP].op, a[ARP].hwsrc, a[ARP].psrc, a.src)
    elif ICMP in a:
        print("icmp", a[ICMP].type, a[ICMP].seq, a.src)
    elif ICMPv6EchoReply in a:
        print("icmp6", a[ICMPv6EchoReply].seq, a.src)
    elif TCP in a:
        print("tcp", a[TCP].flags, a[TCP].seq, a[TCP].ack)
    elif DNS in a:
        d = a[DNS]
        print("dns", d.id, d.rcode, [r.rdata for r in d.an] if d.an else [])
"#;

#[test]
fn the_shipped_responders_answer_what_they_should_by_scapy() {
    let test = "the_shipped_responders_answer_what_they_should_by_scapy";
    let scapy = Command::new("python3").args(["-c", "import scapy"]).output();
    if !scapy.is_ok_and(|o| o.status.success()) {
        return util::skip(test, "python3 with scapy is not installed (pip install scapy)");
    }
    let dir = tempfile::tempdir().unwrap();
    let make = dir.path().join("requests.rhai");
    std::fs::write(&make, REQUESTS).unwrap();
    let (requests, replies) = (dir.path().join("requests.pcap"), dir.path().join("replies.pcap"));
    util::run_ok(&["run", make.to_str().unwrap(), "-w", requests.to_str().unwrap()]);
    let scripts = util::root().join("scripts");
    let script = |name: &str| scripts.join(name).to_str().unwrap().to_string();
    let (ping, reset, dns) =
        (script("answer_ping.rhai"), script("reset_blocked.rhai"), script("dns_answer.rhai"));
    let run = util::run(&[
        "-q",
        "-r",
        requests.to_str().unwrap(),
        "-s",
        &ping,
        "-s",
        &reset,
        "-s",
        &dns,
        "--replies",
        replies.to_str().unwrap(),
    ]);
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert_eq!(run.status.code(), Some(0), "{stderr}");
    assert!(!stderr.contains(".rhai"), "{stderr}");
    let answered: Vec<String> = ANSWERED.iter().map(|i| i.to_string()).collect();
    let out = Command::new("python3")
        .args([
            "-c",
            CHECK,
            requests.to_str().unwrap(),
            replies.to_str().unwrap(),
            &answered.join(","),
        ])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    util::assert_same_text(
        "arp 2 02:00:00:00:02:00 198.18.0.200 02:00:00:00:02:00
icmp 0 1 02:00:00:00:02:00
icmp6 2 02:00:00:00:02:00
tcp RA 0 101
tcp R 77 0
dns 1 0 ['198.18.0.80']
dns 2 0 ['2001:db8::80']
dns 3 3 []
",
        &String::from_utf8_lossy(&out.stdout),
    );
}

#[test]
fn lower_ttl_passes_packets_one_hop_on_with_good_checksums_by_tshark() {
    if !util::have_for(
        "lower_ttl_passes_packets_one_hop_on_with_good_checksums_by_tshark",
        "tshark",
    ) {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let make = dir.path().join("ttl.rhai");
    std::fs::write(
        &make,
        "fn main() {
             for ttl in [1, 2, 64] { send(packet(#{ ip: #{ src: \"198.18.0.7\", dst: \"198.18.0.9\", ttl: ttl }, udp: #{} })); }
             send(packet(#{ ip6: #{ src: \"2001:db8::7\", dst: \"2001:db8::9\", ttl: 9 }, tcp: #{} }));
         }",
    )
    .unwrap();
    let (input, output) = (dir.path().join("in.pcap"), dir.path().join("out.pcap"));
    util::run_ok(&["run", make.to_str().unwrap(), "-w", input.to_str().unwrap()]);
    let script = util::root().join("scripts/lower_ttl.rhai");
    util::run_ok(&[
        "-q",
        "-r",
        input.to_str().unwrap(),
        "-s",
        script.to_str().unwrap(),
        "-w",
        output.to_str().unwrap(),
    ]);
    let out = Command::new("tshark")
        .args(["-r", output.to_str().unwrap(), "-o", "ip.check_checksum:TRUE", "-T", "fields"])
        .args(["-e", "ip.ttl", "-e", "ipv6.hlim", "-e", "ip.checksum.status"])
        .output()
        .unwrap();
    // TTL 1 is dropped; 2 leaves as 1, 64 as 63, hop limit 9 as 8.
    util::assert_same_text("1\t\t1\n63\t\t1\n\t8\t\n", &String::from_utf8_lossy(&out.stdout));
}
