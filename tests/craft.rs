//! Building and sending packets: `packet()` under `hark run -w`, held to tshark's checksum
//! verdicts and decode and to the bytes Scapy builds from the same fields; `send()` into
//! `--replies` while a capture is read, and with nowhere to send.

use std::path::Path;
use std::process::Command;

use crate::util;

/// The packets the craft script sends, one `packet()` map each, in the order sent. Scapy
/// builds the same from `SCAPY` below.
const CRAFT: &str = r#"
fn main(args) {
    let dst = args[0];
    send(packet(#{ eth: #{ src: "02:00:00:00:00:07", dst: "02:00:00:00:00:01" },
                   ip: #{ src: "198.18.0.7", dst: dst }, tcp: #{ dport: 22 } }));
    send(packet(#{ ip: #{ src: "198.18.0.7", dst: dst, id: 7, ttl: 9, tos: 16 },
                   tcp: #{ sport: 40000, dport: 80, seq: 1000, ack_num: 2000, flags: "PA", window: 512 },
                   payload: "GET / HTTP/1.0\r\n\r\n" }));
    send(packet(#{ ip: #{ src: "198.18.0.7", dst: dst }, icmp: #{ id: 1, seq: 2 }, payload: "ping" }));
    send(packet(#{ ip6: #{ src: "2001:db8::7", dst: "2001:db8::1" }, icmp6: #{ id: 3, seq: 4 },
                   payload: "ping6" }));
    send(packet(#{ arp: #{ sender_mac: "02:00:00:00:00:07", sender_ip: "198.18.0.7", target_ip: dst } }));
    send(packet(#{ vlan: 10, ip: #{ src: "198.18.0.7", dst: dst }, udp: #{ sport: 5000, dport: 53 },
                   payload: "q" }));
    send(packet(#{ ip: #{ src: "2001:db8::7", dst: "2001:db8::1", ttl: 3 },
                   udp: #{ sport: 7, dport: 9 }, payload: "six" }));
    // A bad checksum, on purpose.
    send(packet(#{ ip: #{ src: "198.18.0.7", dst: dst }, tcp: #{ checksum: 0xbeef } }));
}
"#;

/// The same packets in Scapy, written to the pcap named by argv[1].
const SCAPY: &str = r#"
import sys
from scapy.all import Ether, IP, IPv6, TCP, UDP, ICMP, ICMPv6EchoRequest, ARP, Dot1Q, wrpcap
dst = "198.18.0.9"
z = "00:00:00:00:00:00"
packets = [
    Ether(src="02:00:00:00:00:07", dst="02:00:00:00:00:01") / IP(src="198.18.0.7", dst=dst) / TCP(dport=22),
    Ether(src=z, dst=z) / IP(src="198.18.0.7", dst=dst, id=7, ttl=9, tos=16)
        / TCP(sport=40000, dport=80, seq=1000, ack=2000, flags="PA", window=512) / b"GET / HTTP/1.0\r\n\r\n",
    Ether(src=z, dst=z) / IP(src="198.18.0.7", dst=dst) / ICMP(id=1, seq=2) / b"ping",
    Ether(src=z, dst=z) / IPv6(src="2001:db8::7", dst="2001:db8::1") / ICMPv6EchoRequest(id=3, seq=4, data=b"ping6"),
    Ether(src="02:00:00:00:00:07", dst="ff:ff:ff:ff:ff:ff")
        / ARP(hwsrc="02:00:00:00:00:07", psrc="198.18.0.7", hwdst=z, pdst=dst),
    Ether(src=z, dst=z) / Dot1Q(vlan=10) / IP(src="198.18.0.7", dst=dst) / UDP(sport=5000, dport=53) / b"q",
    Ether(src=z, dst=z) / IPv6(src="2001:db8::7", dst="2001:db8::1", hlim=3) / UDP(sport=7, dport=9) / b"six",
    Ether(src=z, dst=z) / IP(src="198.18.0.7", dst=dst) / TCP(chksum=0xbeef),
]
wrpcap(sys.argv[1], packets)
"#;

/// Runs `script` over `capture` with EVE on standard output and its sends written to
/// `replies`; `more` are further flags.
fn answering(capture: &Path, script: &Path, replies: &Path, more: &[&str]) -> std::process::Output {
    let mut args =
        vec!["-r", capture.to_str().unwrap(), "--json", "-q", "-s", script.to_str().unwrap()];
    args.extend(["--replies", replies.to_str().unwrap()]);
    args.extend(more);
    util::run(&args)
}

/// `hark run SCRIPT -w OUT -- 198.18.0.9`.
fn run_for_lab_host(script: &Path, out: &Path) -> std::process::Output {
    util::run(&["run", script.to_str().unwrap(), "-w", out.to_str().unwrap(), "--", "198.18.0.9"])
}

/// Runs the craft script; returns the folder holding `sent.pcap`.
fn crafted() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let script = dir.path().join("craft.rhai");
    std::fs::write(&script, CRAFT).unwrap();
    let out = dir.path().join("sent.pcap");
    let run = run_for_lab_host(&script, &out);
    assert_eq!(run.status.code(), Some(0), "{}", String::from_utf8_lossy(&run.stderr));
    dir
}

#[test]
fn crafted_packets_have_good_checksums_and_their_fields_by_tshark() {
    if !util::have_for("crafted_packets_have_good_checksums_and_their_fields_by_tshark", "tshark") {
        return;
    }
    let dir = crafted();
    let fields = [
        "frame.protocols",
        "ip.checksum.status",
        "tcp.checksum.status",
        "udp.checksum.status",
        "icmp.checksum.status",
        "icmpv6.checksum.status",
        "ip.src",
        "ip.dst",
        "ip.ttl",
        "ip.id",
        "ip.dsfield",
        "ipv6.hlim",
        "tcp.srcport",
        "tcp.dstport",
        "tcp.seq_raw",
        "tcp.ack_raw",
        "tcp.flags",
        "tcp.window_size_value",
        "udp.srcport",
        "udp.dstport",
        "icmp.ident",
        "icmp.seq",
        "icmpv6.echo.identifier",
        "icmpv6.echo.sequence_number",
        "arp.opcode",
        "arp.src.hw_mac",
        "arp.dst.proto_ipv4",
        "vlan.id",
    ];
    let text = util::tshark_fields(&dir.path().join("sent.pcap"), &fields);
    // Checksum status: 1 is good, 0 bad; tshark always checks ICMP's and ICMPv6's.
    let expected = "\
eth:ethertype:ip:tcp|1|1||||198.18.0.7|198.18.0.9|64|0x0001|0x00||20|22|0|0|0x0002|8192||||||||||
eth:ethertype:ip:tcp:http|1|1||||198.18.0.7|198.18.0.9|9|0x0007|0x10||40000|80|1000|2000|0x0018|512||||||||||
eth:ethertype:ip:icmp:data|1|||1||198.18.0.7|198.18.0.9|64|0x0001|0x00||||||||||1|2||||||
eth:ethertype:ipv6:icmpv6:data|||||1||||||64|||||||||||0x0003|4||||
eth:ethertype:arp||||||||||||||||||||||||1|02:00:00:00:00:07|198.18.0.9|
eth:ethertype:vlan:ethertype:ip:udp:dns|1||1|||198.18.0.7|198.18.0.9|64|0x0001|0x00||||||||5000|53||||||||10
eth:ethertype:ipv6:udp:echo|||1||||||||3|||||||7|9||||||||
eth:ethertype:ip:tcp|1|0||||198.18.0.7|198.18.0.9|64|0x0001|0x00||20|80|0|0|0x0002|8192||||||||||
";
    util::assert_same_text(expected, &text);
}

#[test]
fn crafted_packets_are_the_bytes_scapy_builds() {
    let test = "crafted_packets_are_the_bytes_scapy_builds";
    let scapy = Command::new("python3").args(["-c", "import scapy"]).output();
    if !scapy.is_ok_and(|o| o.status.success()) {
        return util::skip(test, "python3 with scapy is not installed (pip install scapy)");
    }
    let dir = crafted();
    let theirs = dir.path().join("scapy.pcap");
    let made =
        Command::new("python3").args(["-c", SCAPY, theirs.to_str().unwrap()]).output().unwrap();
    assert!(made.status.success(), "{}", String::from_utf8_lossy(&made.stderr));
    let (ours, theirs) =
        (util::pcap_records(&dir.path().join("sent.pcap")), util::pcap_records(&theirs));
    assert_eq!(ours.len(), 8);
    for (i, (a, b)) in ours.iter().zip(&theirs).enumerate() {
        assert_eq!(a, b, "packet {} differs from Scapy's", i + 1);
    }
    assert_eq!(ours.len(), theirs.len());
}

#[test]
fn sent_packets_go_to_replies_and_nowhere_is_said_once() {
    let dir = tempfile::tempdir().unwrap();
    let script = dir.path().join("answer.rhai");
    // For every ICMP echo request, a packet back to its sender.
    std::fs::write(
        &script,
        "const FILTER = \"icmp[icmptype] == icmp-echo\";\n\
         fn on_packet(pkt) { send(packet(#{ ip: #{ src: pkt.dst, dst: pkt.src }, icmp: #{ type: 0, id: pkt.icmp.id, seq: pkt.icmp.seq } })); }\n",
    )
    .unwrap();
    let sample = util::root().join("examples/sample.pcap");
    let replies = dir.path().join("replies.pcap");
    let written = dir.path().join("w.pcap");
    let run = answering(&sample, &script, &replies, &[]);
    assert_eq!(run.status.code(), Some(0), "{}", String::from_utf8_lossy(&run.stderr));
    let requests: Vec<Vec<u8>> = util::pcap_records(&sample)
        .into_iter()
        .filter(|p| p.len() > 34 && p[12..14] == [8, 0] && p[23] == 1 && p[34] == 8)
        .collect();
    let answers = util::pcap_records(&replies);
    assert!(!requests.is_empty());
    assert_eq!(answers.len(), requests.len(), "one answer per echo request");
    for (request, answer) in requests.iter().zip(&answers) {
        assert_eq!(answer[34], 0, "an echo reply");
        assert_eq!(&answer[26..30], &request[30..34], "from the request's destination");
        assert_eq!(&answer[30..34], &request[26..30], "to the request's source");
        assert_eq!(&answer[38..42], &request[38..42], "with its id and seq");
    }
    // Named .pcapng, the same answers in pcapng, as tcpdump reads both.
    let replies_ng = dir.path().join("replies.pcapng");
    let run = answering(&sample, &script, &replies_ng, &[]);
    assert_eq!(run.status.code(), Some(0), "{}", String::from_utf8_lossy(&run.stderr));
    assert_eq!(std::fs::read(&replies_ng).unwrap()[..4], [0x0a, 0x0d, 0x0d, 0x0a]);
    if util::have_for("sent_packets_go_to_replies (pcapng read back)", "tcpdump") {
        let read = |path: &Path| {
            let out = Command::new("tcpdump")
                .args(["-nn", "-tt", "-XX", "-r"])
                .arg(path)
                .output()
                .unwrap();
            assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
            String::from_utf8(out.stdout).unwrap()
        };
        util::assert_same_text(&read(&replies), &read(&replies_ng));
    }
    // With nowhere to send: one line, every send counted, the capture unchanged.
    let plain = dir.path().join("plain.pcap");
    util::run(&["-r", sample.to_str().unwrap(), "-q", "-w", plain.to_str().unwrap()]);
    let run = util::run(&[
        "-r",
        sample.to_str().unwrap(),
        "--json",
        "-q",
        "-s",
        script.to_str().unwrap(),
        "-w",
        written.to_str().unwrap(),
    ]);
    assert_eq!(run.status.code(), Some(0));
    assert_eq!(
        String::from_utf8_lossy(&run.stderr),
        "hark: script error: answer.rhai: send: nowhere to send (use --replies FILE, or --inject to send on the capture interface)\n29 packets captured\n"
    );
    let events = util::eve_lines(&run.stdout);
    let stats = &events.last().unwrap()["stats"]["scripts"][0];
    assert_eq!(stats["errors"], requests.len());
    assert_eq!(std::fs::read(&written).unwrap(), std::fs::read(&plain).unwrap());
}

#[test]
fn run_reports_what_went_wrong_in_one_line() {
    let dir = tempfile::tempdir().unwrap();
    let cases = [
        (
            "fn main() { let x = 1; x.nope(); }\n",
            1,
            "hark: script error: s.rhai:1:26: Function not found: nope (i64)\n",
        ),
        (
            "fn on_start() {}\n",
            1,
            "hark: script error: s.rhai: no main() to run (hark run calls main() or main(args))\n",
        ),
        (
            "fn main() { packet(#{ tcp: #{ sport: 99999 } }); }\n",
            1,
            "hark: script error: s.rhai:1:13: Runtime error: packet: tcp.sport: 99999 is out of range (0 to 65535)\n",
        ),
        ("fn main() { log(\"hello\"); }\n", 0, "s.rhai: hello\n"),
        ("fn main(args) { log(args); }\n", 0, "s.rhai: [\"a\", \"b c\"]\n"),
    ];
    let script = dir.path().join("s.rhai");
    for (text, code, stderr) in cases {
        std::fs::write(&script, text).unwrap();
        let run = util::run(&["run", script.to_str().unwrap(), "--", "a", "b c"]);
        assert_eq!(run.status.code(), Some(code), "{text}");
        assert_eq!(String::from_utf8_lossy(&run.stderr), stderr, "{text}");
    }
    let run = util::run(&["run"]);
    assert_eq!(run.status.code(), Some(2));
    assert_eq!(
        String::from_utf8_lossy(&run.stderr),
        "hark: run: no script given (usage: hark run SCRIPT [-i IFACE --inject] [-w FILE] [-- ARG...])\n"
    );
}

#[test]
fn the_shipped_craft_script_makes_what_tcpdump_reads() {
    if !util::have_for("the_shipped_craft_script_makes_what_tcpdump_reads", "tcpdump") {
        return;
    }
    let (_dir, out) = util::temp_path("crafted.pcap");
    let script = util::root().join("scripts/craft.rhai");
    let run = run_for_lab_host(&script, &out);
    assert_eq!(String::from_utf8_lossy(&run.stderr), "craft.rhai: 4 packets for 198.18.0.9\n");
    let read =
        Command::new("tcpdump").args(["-n", "-t", "-r", out.to_str().unwrap()]).output().unwrap();
    util::assert_same_text(
        "IP 198.18.0.7.40000 > 198.18.0.9.22: Flags [S], seq 0, win 8192, length 0
IP 198.18.0.7 > 198.18.0.9: ICMP echo request, id 1, seq 1, length 12
ARP, Request who-has 198.18.0.9 tell 198.18.0.7, length 28
IP 198.18.0.7.40001 > 198.18.0.9.53: 1+ A? www.lab.example. (33)
",
        &String::from_utf8_lossy(&read.stdout),
    );
}

/// Checks each answer against its request with Scapy's own `answers()`, then prints the
/// fields the tests compare: the kind, and seq/ack, id/seq or the ARP addresses.
const SCAPY_ANSWERS: &str = r#"
import sys
from scapy.all import rdpcap, TCP, ICMP, ICMPv6EchoReply, ARP, IP, IPv6
requests, replies = rdpcap(sys.argv[1]), rdpcap(sys.argv[2])
assert len(requests) == len(replies), (len(requests), len(replies))
for q, a in zip(requests, replies):
    assert a.answers(q), (q.summary(), a.summary())
    if TCP in a:
        print("tcp", a[TCP].flags, a[TCP].seq, a[TCP].ack, a[TCP].sport, a[TCP].dport)
    elif ICMP in a:
        print("icmp", a[ICMP].type, a[ICMP].id, a[ICMP].seq, bytes(a[ICMP].payload) == bytes(q[ICMP].payload))
    elif ICMPv6EchoReply in a:
        r = a[ICMPv6EchoReply]
        print("icmp6", r.id, r.seq, r.data == q.data, a[IPv6].src, a[IPv6].dst)
    elif ARP in a:
        print("arp", a[ARP].op, a[ARP].hwsrc, a[ARP].psrc, a[ARP].hwdst, a[ARP].pdst, a.dst)
"#;

#[test]
fn replies_answer_their_requests_by_scapy() {
    use hark::sample::{
        ATTACKER, ATTACKER_MAC, CLIENT, CLIENT_MAC, SAMPLE_START, SERVER, SERVER_MAC, arp,
        flags::*, frame, icmp_echo, icmp6_echo, tcp,
    };
    let test = "replies_answer_their_requests_by_scapy";
    let scapy = Command::new("python3").args(["-c", "import scapy"]).output();
    if !scapy.is_ok_and(|o| o.status.success()) {
        return util::skip(test, "python3 with scapy is not installed (pip install scapy)");
    }
    let v6 = |last: u8| {
        let mut a = [0u8; 16];
        a[..4].copy_from_slice(&[0x20, 0x01, 0x0d, 0xb8]);
        a[15] = last;
        a
    };
    let requests = [
        icmp_echo((CLIENT_MAC, SERVER_MAC), (CLIENT, SERVER), 0x4242, 7, false),
        icmp6_echo((CLIENT_MAC, SERVER_MAC), (v6(7), v6(1)), 9, 3),
        arp((CLIENT_MAC, [0xff; 6]), 1, (CLIENT_MAC, CLIENT), ([0; 6], [198, 18, 0, 99])),
        tcp((ATTACKER_MAC, SERVER_MAC), (ATTACKER, SERVER), (40000, 23), 1000, SYN, &[]),
        // The generator acknowledges seq + 1000: 6000, which the reset must take as its seq.
        tcp((CLIENT_MAC, SERVER_MAC), (CLIENT, SERVER), (51000, 80), 5000, PSH | ACK, b"GET /"),
    ];
    let frames: Vec<_> = requests
        .into_iter()
        .enumerate()
        .map(|(i, data)| frame(SAMPLE_START, i as u32 * 1000, data, None))
        .collect();
    let dir = tempfile::tempdir().unwrap();
    let capture = dir.path().join("requests.pcap");
    util::write_pcap(&capture, &frames);
    let script = dir.path().join("answer.rhai");
    std::fs::write(
        &script,
        r#"fn on_packet(pkt) {
    if pkt.proto == "tcp" { send(tcp_reset(pkt)); }
    else if pkt.proto == "arp" { send(arp_reply(pkt, "02:00:00:00:00:99")); }
    else { send(icmp_echo_reply(pkt)); }
}
"#,
    )
    .unwrap();
    let replies = dir.path().join("replies.pcap");
    let run = answering(&capture, &script, &replies, &[]);
    assert_eq!(run.status.code(), Some(0), "{}", String::from_utf8_lossy(&run.stderr));
    let checked = Command::new("python3")
        .args(["-c", SCAPY_ANSWERS, capture.to_str().unwrap(), replies.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(checked.status.success(), "{}", String::from_utf8_lossy(&checked.stderr));
    util::assert_same_text(
        "icmp 0 16962 7 True
icmp6 9 3 True 2001:db8::1 2001:db8::7
arp 2 02:00:00:00:00:99 198.18.0.99 02:00:00:00:00:07 198.18.0.7 02:00:00:00:00:07
tcp RA 0 1001 23 40000
tcp R 6000 0 80 51000
",
        &String::from_utf8_lossy(&checked.stdout),
    );
}

#[test]
fn a_flood_of_requests_gets_at_most_the_send_rate_a_second() {
    use hark::sample::{CLIENT, CLIENT_MAC, SAMPLE_START, SERVER, SERVER_MAC, frame, icmp_echo};
    // 1,000 echo requests over two seconds of packet time: 500 a second.
    let frames: Vec<_> = (0..1000u32)
        .map(|i| {
            let data = icmp_echo((CLIENT_MAC, SERVER_MAC), (CLIENT, SERVER), 1, i as u16, false);
            frame(SAMPLE_START + i64::from(i / 500), (i % 500) * 2000, data, None)
        })
        .collect();
    let dir = tempfile::tempdir().unwrap();
    let capture = dir.path().join("flood.pcap");
    util::write_pcap(&capture, &frames);
    let script = dir.path().join("echo.rhai");
    std::fs::write(&script, "fn on_packet(pkt) { send(icmp_echo_reply(pkt)); }\n").unwrap();
    let replies = dir.path().join("replies.pcap");
    let run = answering(&capture, &script, &replies, &["--send-rate", "100"]);
    assert_eq!(run.status.code(), Some(0));
    assert_eq!(
        String::from_utf8_lossy(&run.stderr),
        "hark: script error: echo.rhai: send: more than 100 packets in a second of packet time; the rest of each such second is dropped and counted (--send-rate)\n1000 packets captured\n"
    );
    // The first 100 of each second are answered: sequence numbers 0..100 and 500..600.
    let seqs: Vec<u16> =
        util::pcap_records(&replies).iter().map(|r| u16::from_be_bytes([r[40], r[41]])).collect();
    let expected: Vec<u16> = (0..100).chain(500..600).collect();
    assert_eq!(seqs, expected);
    let events = util::eve_lines(&run.stdout);
    let stats = &events.last().unwrap()["stats"]["scripts"][0];
    assert_eq!((&stats["sends_dropped"], &stats["errors"]), (&800.into(), &0.into()));
}
