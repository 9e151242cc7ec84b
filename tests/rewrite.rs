//! Reshaping packets on their way through: fields written by scripts, held to tshark's
//! checksum verdicts and decode and to the bytes Scapy makes with the same edits; packets
//! no script edited are written as read; bad writes are errors naming field and value.

use std::process::Command;

use crate::util;

/// The packets to rewrite, one per case of `REWRITE` (by packet number).
const REQUESTS: &str = r#"
fn main() {
    let a = "198.18.0.7";
    let b = "198.18.0.9";
    send(packet(#{ eth: #{ src: "02:00:00:00:00:07", dst: "02:00:00:00:00:01" },
                   ip: #{ src: a, dst: b }, tcp: #{ sport: 40000, dport: 22 } }));
    send(packet(#{ ip: #{ src: a, dst: b }, tcp: #{ sport: 40001, dport: 80, flags: "PA", seq: 5 },
                   payload: "GET / HTTP/1.0\r\n\r\n" }));
    send(packet(#{ ip: #{ src: a, dst: b }, icmp: #{ id: 1, seq: 2 }, payload: "ping" }));
    send(packet(#{ ip6: #{ src: "2001:db8::7", dst: "2001:db8::1" }, icmp6: #{ id: 3, seq: 4 },
                   payload: "ping6" }));
    send(packet(#{ arp: #{ sender_mac: "02:00:00:00:00:07", sender_ip: a, target_ip: b } }));
    send(packet(#{ vlan: 10, ip: #{ src: a, dst: b }, udp: #{ sport: 5000, dport: 53 },
                   payload: "query" }));
    send(packet(#{ ip: #{ src: "2001:db8::7", dst: "2001:db8::1" }, udp: #{ sport: 7, dport: 9 },
                   payload: "six" }));
    send(packet(#{ ip: #{ src: a, dst: b }, tcp: #{ dport: 443 } }));
    send(packet(#{ ip: #{ src: a, dst: b }, udp: #{ sport: 1, dport: 2 }, payload: "tag me" }));
    send(packet(#{ vlan: 99, ip: #{ src: a, dst: b }, udp: #{ sport: 3, dport: 4 }, payload: "untag" }));
    send(packet(#{ ip: #{ src: a, dst: b }, udp: #{ sport: 5, dport: 6 }, payload: "as read" }));
}
"#;

/// The edits, by packet number. Some cases return `pkt`, some do not: both pass it on.
const REWRITE: &str = r#"
fn on_packet(pkt) {
    switch pkt.number {
        1 => {
            pkt.ip.ttl = 1; pkt.ip.tos = 0x20; pkt.ip.id = 99; pkt.src = "198.18.1.1";
            pkt.tcp.dport = 2222; pkt.tcp.seq = 7; pkt.tcp.ack_num = 8; pkt.tcp.window = 100;
            pkt.tcp.flags = "FA"; pkt.eth.dst = "02:00:00:00:00:99";
        }
        2 => { pkt.payload = "a longer payload than the request had"; return pkt; }
        3 => { pkt.icmp.id = 77; pkt.icmp.seq = 88; pkt.dst = "198.18.0.77"; pkt.icmp.type = 0; }
        4 => { pkt.ip.ttl = 5; pkt.dst = "2001:db8::99"; pkt.icmp.seq = 9; }
        5 => { pkt.arp.op = 2; pkt.arp.target_mac = "02:00:00:00:00:05"; pkt.eth.src = "02:00:00:00:00:06"; }
        6 => { pkt.vlan = 20; pkt.udp.sport = 6000; pkt.payload = blob(0); }
        7 => { pkt.ip.tos = 0xb8; pkt.udp.dport = 10; pkt.ip.ttl = pkt.ip.ttl - 1; return pkt; }
        8 => { pkt.tcp.checksum = 0x1234; pkt.ip.ttl = 2; pkt.tcp.window = 1; }
        9 => { pkt.vlan = 30; }
        10 => { pkt.vlan = (); }
    }
}
"#;

/// The same edits in Scapy: reads argv[1], writes argv[2].
const SCAPY: &str = r#"
import sys
from scapy.all import rdpcap, wrpcap, Ether, Dot1Q, IP, IPv6, TCP, UDP, ICMP, ICMPv6EchoRequest, ARP, Raw
ps = rdpcap(sys.argv[1])
def fresh(p):
    for layer, fields in ((IP, ("chksum", "len")), (IPv6, ("plen",)), (TCP, ("chksum",)),
                          (UDP, ("chksum", "len")), (ICMP, ("chksum",)), (ICMPv6EchoRequest, ("cksum",))):
        if layer in p:
            for f in fields:
                delattr(p[layer], f)
    return Ether(bytes(p))
out = []
p = ps[0]; p[IP].ttl = 1; p[IP].tos = 0x20; p[IP].id = 99; p[IP].src = "198.18.1.1"
p[TCP].dport = 2222; p[TCP].seq = 7; p[TCP].ack = 8; p[TCP].window = 100; p[TCP].flags = "FA"
p[Ether].dst = "02:00:00:00:00:99"; out.append(fresh(p))
p = ps[1]; p[TCP].remove_payload(); p[TCP].add_payload(Raw(b"a longer payload than the request had")); out.append(fresh(p))
p = ps[2]; p[ICMP].id = 77; p[ICMP].seq = 88; p[IP].dst = "198.18.0.77"; p[ICMP].type = 0; out.append(fresh(p))
p = ps[3]; p[IPv6].hlim = 5; p[IPv6].dst = "2001:db8::99"; p[ICMPv6EchoRequest].seq = 9; out.append(fresh(p))
p = ps[4]; p[ARP].op = 2; p[ARP].hwdst = "02:00:00:00:00:05"; p[Ether].src = "02:00:00:00:00:06"; out.append(p)
p = ps[5]; p[Dot1Q].vlan = 20; p[UDP].sport = 6000; p[UDP].remove_payload(); out.append(fresh(p))
p = ps[6]; p[IPv6].tc = 0xb8; p[UDP].dport = 10; p[IPv6].hlim -= 1; out.append(fresh(p))
p = ps[7]; p[IP].ttl = 2; p[TCP].window = 1; p = fresh(p); p[TCP].chksum = 0x1234; out.append(Ether(bytes(p)))
p = ps[8]; e = p[Ether]; out.append(Ether(src=e.src, dst=e.dst) / Dot1Q(vlan=30) / e.payload)
p = ps[9]; e = p[Ether]; out.append(Ether(src=e.src, dst=e.dst, type=p[Dot1Q].type) / p[Dot1Q].payload)
out.append(ps[10])
wrpcap(sys.argv[2], out)
"#;

/// Builds the requests, rewrites them; returns the folder with `in.pcap` and `out.pcap`.
fn rewritten() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let (requests, rewrite) = (dir.path().join("requests.rhai"), dir.path().join("rewrite.rhai"));
    std::fs::write(&requests, REQUESTS).unwrap();
    std::fs::write(&rewrite, REWRITE).unwrap();
    let (input, output) = (dir.path().join("in.pcap"), dir.path().join("out.pcap"));
    util::run_ok(&["run", requests.to_str().unwrap(), "-w", input.to_str().unwrap()]);
    let run = util::run_ok(&[
        "-q",
        "-r",
        input.to_str().unwrap(),
        "-s",
        rewrite.to_str().unwrap(),
        "-w",
        output.to_str().unwrap(),
    ]);
    let said = String::from_utf8_lossy(&run.stderr);
    assert!(!said.contains("rewrite.rhai"), "the script erred: {said}");
    dir
}

#[test]
fn rewritten_packets_have_good_checksums_and_the_fields_set_by_tshark() {
    if !util::have_for(
        "rewritten_packets_have_good_checksums_and_the_fields_set_by_tshark",
        "tshark",
    ) {
        return;
    }
    let dir = rewritten();
    let fields = [
        "ip.checksum.status",
        "tcp.checksum.status",
        "udp.checksum.status",
        "icmp.checksum.status",
        "icmpv6.checksum.status",
        "eth.src",
        "eth.dst",
        "vlan.id",
        "ip.src",
        "ip.dst",
        "ipv6.dst",
        "ip.ttl",
        "ipv6.hlim",
        "ip.id",
        "ip.dsfield",
        "ipv6.tclass",
        "tcp.dstport",
        "tcp.seq_raw",
        "tcp.ack_raw",
        "tcp.flags",
        "tcp.window_size_value",
        "tcp.len",
        "udp.srcport",
        "udp.dstport",
        "udp.length",
        "icmp.type",
        "icmp.ident",
        "icmp.seq",
        "icmpv6.echo.sequence_number",
        "arp.opcode",
        "arp.dst.hw_mac",
    ];
    let text = util::tshark_fields(&dir.path().join("out.pcap"), &fields);
    // Checksum status: 1 is good, 0 bad. Packet 8's TCP checksum was set on purpose.
    let z = "00:00:00:00:00:00";
    let expected = format!(
        "\
1|1||||02:00:00:00:00:07|02:00:00:00:00:99||198.18.1.1|198.18.0.9||1||0x0063|0x20||2222|7|8|0x0011|100|0|||||||||
1|1||||{z}|{z}||198.18.0.7|198.18.0.9||64||0x0001|0x00||80|5|0|0x0018|8192|37|||||||||
1|||1||{z}|{z}||198.18.0.7|198.18.0.77||64||0x0001|0x00|||||||||||0|77|88|||
||||1|{z}|{z}||||2001:db8::99||5|||0x00000000|||||||||||||9||
|||||02:00:00:00:00:06|ff:ff:ff:ff:ff:ff|||||||||||||||||||||||2|02:00:00:00:00:05
1||1|||{z}|{z}|20|198.18.0.7|198.18.0.9||64||0x0001|0x00||||||||6000|53|8||||||
||1|||{z}|{z}||||2001:db8::1||63|||0x000000b8|||||||7|10|11||||||
1|0||||{z}|{z}||198.18.0.7|198.18.0.9||2||0x0001|0x00||443|0|0|0x0002|1|0|||||||||
1||1|||{z}|{z}|30|198.18.0.7|198.18.0.9||64||0x0001|0x00||||||||1|2|14||||||
1||1|||{z}|{z}||198.18.0.7|198.18.0.9||64||0x0001|0x00||||||||3|4|13||||||
1||1|||{z}|{z}||198.18.0.7|198.18.0.9||64||0x0001|0x00||||||||5|6|15||||||
"
    );
    util::assert_same_text(&expected, &text);
}

#[test]
fn rewritten_packets_are_the_bytes_scapy_makes_with_the_same_edits() {
    let test = "rewritten_packets_are_the_bytes_scapy_makes_with_the_same_edits";
    let scapy = Command::new("python3").args(["-c", "import scapy"]).output();
    if !scapy.is_ok_and(|o| o.status.success()) {
        return util::skip(test, "python3 with scapy is not installed (pip install scapy)");
    }
    let dir = rewritten();
    let theirs = dir.path().join("scapy.pcap");
    let made = Command::new("python3")
        .args(["-c", SCAPY, dir.path().join("in.pcap").to_str().unwrap(), theirs.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(made.status.success(), "{}", String::from_utf8_lossy(&made.stderr));
    let ours = util::pcap_records(&dir.path().join("out.pcap"));
    let theirs = util::pcap_records(&theirs);
    assert_eq!(ours.len(), 11);
    assert_eq!(ours.len(), theirs.len());
    for (i, (a, b)) in ours.iter().zip(&theirs).enumerate() {
        assert_eq!(a, b, "packet {} differs from Scapy's", i + 1);
    }
}

#[test]
fn packets_no_script_edited_are_written_as_read_and_edits_read_back() {
    let dir = rewritten();
    let (input, output) = (dir.path().join("in.pcap"), dir.path().join("out.pcap"));
    let (before, after) = (util::pcap_records(&input), util::pcap_records(&output));
    assert_eq!(before[10], after[10], "the packet no case edited");
    // Reading alone changes nothing, even where a script reads every field.
    let reader = dir.path().join("read.rhai");
    std::fs::write(
        &reader,
        "fn on_packet(pkt) { let x = [pkt.ip?.ttl, pkt.tcp?.flags, pkt.payload, pkt.eth?.src]; pkt }",
    )
    .unwrap();
    let copy = dir.path().join("copy.pcap");
    let s = reader.to_str().unwrap();
    let run =
        util::run(&["-q", "-r", input.to_str().unwrap(), "-s", s, "-w", copy.to_str().unwrap()]);
    assert_eq!(run.status.code(), Some(0), "{}", String::from_utf8_lossy(&run.stderr));
    assert_eq!(std::fs::read(&copy).unwrap(), std::fs::read(&input).unwrap());
    // What was written reads back as set.
    // -S: the numbers as set, not relative to their conversation's.
    let lines = util::run(&["-S", "-r", output.to_str().unwrap(), "-c", "3"]);
    let text = String::from_utf8(lines.stdout).unwrap();
    let shown: Vec<&str> = text.lines().map(|l| l.split_once(' ').unwrap().1).collect();
    assert_eq!(
        shown,
        [
            "IP 198.18.1.1.40000 > 198.18.0.9.2222: Flags [F.], seq 7, ack 8, win 100, length 0",
            // Port 80 data that starts no request: tcpdump's `: HTTP` alone.
            "IP 198.18.0.7.40001 > 198.18.0.9.80: Flags [P.], seq 5:42, ack 0, win 8192, length 37: HTTP",
            "IP 198.18.0.7 > 198.18.0.77: ICMP echo reply, id 77, seq 88, length 12",
        ]
    );
}

#[test]
fn a_write_that_cannot_work_names_the_field_and_the_value() {
    let dir = rewritten();
    let input = dir.path().join("in.pcap");
    let cases = [
        ("pkt.ip.ttl = 300;", "pkt.ip.ttl = 300: out of range (0 to 255)"),
        (
            "pkt.dst = \"2001:db8::1\";",
            "pkt.dst = \"2001:db8::1\": an IPv6 address for an IPv4 packet",
        ),
        ("pkt.tcp.flags = \"SX\";", "pkt.tcp.flags = SX: not TCP flags"),
        ("pkt.eth.src = \"nope\";", "pkt.eth.src = nope: not a MAC address"),
        ("pkt.ip.id = -1;", "pkt.ip.id = -1: out of range (0 to 65535)"),
    ];
    for (write, said) in cases {
        let script = dir.path().join("bad.rhai");
        std::fs::write(
            &script,
            format!("const FILTER = \"tcp\";\nfn on_packet(pkt) {{ {write} }}"),
        )
        .unwrap();
        let out = dir.path().join("bad.pcap");
        let run = util::run(&[
            "-q",
            "-r",
            input.to_str().unwrap(),
            "-s",
            script.to_str().unwrap(),
            "-w",
            out.to_str().unwrap(),
        ]);
        let stderr = String::from_utf8_lossy(&run.stderr);
        assert_eq!(run.status.code(), Some(0), "{stderr}");
        assert!(stderr.contains(said), "{write}: {stderr}");
        assert!(stderr.contains("script error: bad.rhai:2:"), "{write}: {stderr}");
        // The error stops the script for that packet only: every packet is written as read.
        assert_eq!(std::fs::read(&out).unwrap(), std::fs::read(&input).unwrap(), "{write}");
    }
}

#[test]
fn a_returned_packet_takes_the_place_of_the_one_read_for_later_scripts_and_outputs() {
    let dir = rewritten();
    let input = dir.path().join("in.pcap");
    let (first, second) = (dir.path().join("10-swap.rhai"), dir.path().join("20-see.rhai"));
    std::fs::write(
        &first,
        "const FILTER = \"icmp\";\n\
         fn on_packet(pkt) { packet(#{ ip: #{ src: \"198.18.0.5\", dst: \"198.18.0.6\" }, udp: #{ sport: 1, dport: 2 } }) }",
    )
    .unwrap();
    // Its FILTER judges the packet as the first script left it.
    std::fs::write(
        &second,
        "const FILTER = \"udp port 2\";\nfn on_packet(pkt) { log(`${pkt.src} ${pkt.proto}`); }",
    )
    .unwrap();
    let out = dir.path().join("swapped.pcap");
    let run = util::run_ok(&[
        "-r",
        input.to_str().unwrap(),
        "-s",
        first.to_str().unwrap(),
        "-s",
        second.to_str().unwrap(),
        "-w",
        out.to_str().unwrap(),
        "icmp or udp port 2",
    ]);
    let text = String::from_utf8(run.stdout).unwrap();
    let logs: Vec<&str> = text.lines().filter(|l| l.contains("20-see.rhai")).collect();
    assert_eq!(logs.len(), 2, "{text}");
    assert!(logs[0].ends_with("198.18.0.5 udp"), "the built packet: {text}");
    assert!(logs[1].ends_with("198.18.0.7 udp"), "the packet read: {text}");
    let written = util::pcap_records(&out);
    assert_eq!(written.len(), 2);
    let built = &written[0];
    assert_eq!((built[23], &built[26..30]), (17, &[198, 18, 0, 5][..]), "an IPv4 UDP packet");
    assert_eq!(written[1], util::pcap_records(&input)[8]);
}

#[test]
fn a_packet_cut_short_gets_its_ip_checksum_right_and_keeps_what_was_captured() {
    if !util::have_for(
        "a_packet_cut_short_gets_its_ip_checksum_right_and_keeps_what_was_captured",
        "tshark",
    ) {
        return;
    }
    let dir = rewritten();
    let (input, cut) = (dir.path().join("in.pcap"), dir.path().join("cut.pcap"));
    let (i, c) = (input.to_str().unwrap(), cut.to_str().unwrap());
    util::run_ok(&["-q", "-r", i, "-w", c, "--snaplen", "40", "ip"]);
    let script = dir.path().join("ttl.rhai");
    std::fs::write(&script, "fn on_packet(pkt) { pkt.ip.ttl = 9; pkt.tcp?.dport = 1; }").unwrap();
    let out = dir.path().join("out-cut.pcap");
    let (s, o) = (script.to_str().unwrap(), out.to_str().unwrap());
    util::run_ok(&["-q", "-r", c, "-s", s, "-w", o]);
    let text =
        util::tshark_fields(&out, &["ip.checksum.status", "ip.ttl", "frame.cap_len", "frame.len"]);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 6, "the untagged IPv4 packets: {text}");
    assert!(lines.iter().all(|l| l.starts_with("1|9|")), "{text}");
    // Each packet keeps its captured length and the length it had on the wire.
    let before = util::pcap_records(&cut);
    let after = util::pcap_records(&out);
    for (a, b) in before.iter().zip(&after) {
        assert_eq!(a.len(), b.len());
        assert_eq!(a[..22], b[..22], "nothing before the TTL changed");
    }
}
