//! DNS from scripts: queries built with `dns_query()` (held to Scapy's bytes), answers
//! from `dns_reply()` over UDP and TCP, IPv4 and IPv6 (held to tshark's decode and
//! Scapy's `answers()`), `dns(blob)`, and answers rewritten in responses passing through.

use std::process::Command;

use crate::util;

/// Queries to answer, in this order: A, AAAA and ANY for a known name, A for an unknown
/// one, A over IPv6, and A over TCP (with its two-byte length).
const QUERIES: &str = r#"
fn main() {
    let v4 = #{ src: "198.18.0.7", dst: "198.18.0.53" };
    let v6 = #{ src: "2001:db8::7", dst: "2001:db8::53" };
    send(packet(#{ ip: v4, udp: #{ sport: 40000, dport: 53 }, payload: dns_query("h1.lab.example", "A", 1) }));
    send(packet(#{ ip: v4, udp: #{ sport: 40001, dport: 53 }, payload: dns_query("H1.lab.example.", "AAAA", 2) }));
    send(packet(#{ ip: v4, udp: #{ sport: 40002, dport: 53 }, payload: dns_query("h1.lab.example", "ANY", 3) }));
    send(packet(#{ ip: v4, udp: #{ sport: 40003, dport: 53 }, payload: dns_query("nope.lab.example", "A", 4) }));
    send(packet(#{ ip: v6, udp: #{ sport: 40004, dport: 53 }, payload: dns_query("h2.lab.example", "A", 5) }));
    let q = dns_query("h2.lab.example", "A", 6);
    let framed = blob(2);
    framed[0] = q.len() / 256;
    framed[1] = q.len() % 256;
    framed += q;
    send(packet(#{ ip: v4, tcp: #{ sport: 40005, dport: 53, flags: "PA", seq: 1000, ack_num: 5000 }, payload: framed }));
    // What dns() reads from a query it was given.
    let m = dns(dns_query("mx.lab.example", "MX", 9));
    log(`${m.id} ${m.qr} ${m.qname} ${m.qtype} ${m.answers} ${m.rcode} ${m.addrs.len()}`);
}
"#;

const ANSWER: &str = r#"
fn on_packet(pkt) {
    if pkt.dns?.qr == false {
        send(dns_reply(pkt, #{ "h1.lab.example": ["198.18.0.10", "2001:db8::10"], "h2.lab.example.": "198.18.0.11" }));
    }
}
"#;

/// Builds the queries and answers them; returns the folder with `queries.pcap` and
/// `replies.pcap`, and what `hark run` said.
fn answered() -> (tempfile::TempDir, String) {
    let dir = tempfile::tempdir().unwrap();
    let (make, answer) = (dir.path().join("queries.rhai"), dir.path().join("answer.rhai"));
    std::fs::write(&make, QUERIES).unwrap();
    std::fs::write(&answer, ANSWER).unwrap();
    let (queries, replies) = (dir.path().join("queries.pcap"), dir.path().join("replies.pcap"));
    let made = util::run_ok(&["run", make.to_str().unwrap(), "-w", queries.to_str().unwrap()]);
    let run = util::run(&[
        "-q",
        "-r",
        queries.to_str().unwrap(),
        "-s",
        answer.to_str().unwrap(),
        "--replies",
        replies.to_str().unwrap(),
    ]);
    let stderr = String::from_utf8_lossy(&run.stderr).into_owned();
    assert_eq!(run.status.code(), Some(0), "{stderr}");
    assert!(!stderr.contains("answer.rhai"), "{stderr}");
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&made.stdout),
        String::from_utf8_lossy(&made.stderr)
    );
    (dir, said)
}

const FIELDS: [&str; 13] = [
    "ip.dst",
    "ipv6.dst",
    "udp.dstport",
    "tcp.dstport",
    "udp.checksum.status",
    "tcp.checksum.status",
    "dns.id",
    "dns.flags.response",
    "dns.flags.rcode",
    "dns.qry.name",
    "dns.count.answers",
    "dns.a",
    "dns.aaaa",
];

#[test]
fn replies_answer_each_query_by_tshark() {
    if !util::have_for("replies_answer_each_query_by_tshark", "tshark") {
        return;
    }
    let (dir, said) = answered();
    assert!(said.contains("9 false mx.lab.example 15 0 0 0"), "dns() of a query: {said}");
    let text = util::tshark_fields(&dir.path().join("replies.pcap"), &FIELDS);
    let expected = "\
198.18.0.7||40000||1||0x0001|1|0|h1.lab.example|1|198.18.0.10|
198.18.0.7||40001||1||0x0002|1|0|H1.lab.example|1||2001:db8::10
198.18.0.7||40002||1||0x0003|1|0|h1.lab.example|2|198.18.0.10|2001:db8::10
198.18.0.7||40003||1||0x0004|1|3|nope.lab.example|0||
|2001:db8::7|40004||1||0x0005|1|0|h2.lab.example|1|198.18.0.11|
198.18.0.7|||40005||1|0x0006|1|0|h2.lab.example|1|198.18.0.11|
";
    util::assert_same_text(expected, &text);
}

#[test]
fn replies_are_answers_to_their_queries_by_scapy_and_queries_are_scapys_bytes() {
    let test = "replies_are_answers_to_their_queries_by_scapy_and_queries_are_scapys_bytes";
    let scapy = Command::new("python3").args(["-c", "import scapy"]).output();
    if !scapy.is_ok_and(|o| o.status.success()) {
        return util::skip(test, "python3 with scapy is not installed (pip install scapy)");
    }
    let (dir, _) = answered();
    let check = r#"
import sys
from scapy.all import rdpcap, DNS, DNSQR, UDP, TCP, Raw
queries, replies = rdpcap(sys.argv[1]), rdpcap(sys.argv[2])
assert len(queries) == len(replies) == 6, (len(queries), len(replies))
for i, (q, r) in enumerate(zip(queries, replies)):
    assert r.answers(q), f"reply {i + 1} does not answer its query"
    assert not q.answers(r)
expected = [(1, "h1.lab.example", "A"), (2, "H1.lab.example.", "AAAA"), (3, "h1.lab.example", 255),
            (4, "nope.lab.example", "A"), (5, "h2.lab.example", "A")]
for q, (id, name, qtype) in zip(queries, expected):
    ours = bytes(q[UDP].payload)
    theirs = bytes(DNS(id=id, rd=1, qd=DNSQR(qname=name, qtype=qtype)))
    assert ours == theirs, (ours, theirs)
tcp = bytes(queries[5][TCP].payload)
assert tcp[2:] == bytes(DNS(id=6, rd=1, qd=DNSQR(qname="h2.lab.example", qtype="A")))
assert int.from_bytes(tcp[:2], "big") == len(tcp) - 2
print("ok")
"#;
    let out = Command::new("python3")
        .args([
            "-c",
            check,
            dir.path().join("queries.pcap").to_str().unwrap(),
            dir.path().join("replies.pcap").to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success() && out.stdout == b"ok\n",
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn answers_rewritten_in_passing_responses_read_back_with_good_checksums() {
    if !util::have_for(
        "answers_rewritten_in_passing_responses_read_back_with_good_checksums",
        "tshark",
    ) {
        return;
    }
    let (dir, _) = answered();
    let script = dir.path().join("spoof.rhai");
    std::fs::write(
        &script,
        r#"fn on_packet(pkt) {
            if pkt.dns?.qr == true && pkt.dns.qname == "h2.lab.example" {
                pkt.dns.answers = ["198.18.0.99", "198.18.0.98"];
                log(`${pkt.dns.answers} ${pkt.dns.addrs}`);
            }
        }"#,
    )
    .unwrap();
    let (replies, out) = (dir.path().join("replies.pcap"), dir.path().join("spoofed.pcap"));
    let run = util::run(&[
        "-r",
        replies.to_str().unwrap(),
        "-s",
        script.to_str().unwrap(),
        "-w",
        out.to_str().unwrap(),
    ]);
    let stdout = String::from_utf8_lossy(&run.stdout);
    assert_eq!(run.status.code(), Some(0), "{}", String::from_utf8_lossy(&run.stderr));
    let logs: Vec<&str> = stdout.lines().filter(|l| l.contains("spoof.rhai")).collect();
    assert_eq!(logs.len(), 2, "{stdout}");
    assert!(logs.iter().all(|l| l.ends_with("2 [\"198.18.0.99\", \"198.18.0.98\"]")), "{stdout}");
    let text = util::tshark_fields(&out, &FIELDS);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 6);
    assert_eq!(
        lines[4],
        "|2001:db8::7|40004||1||0x0005|1|0|h2.lab.example|2|198.18.0.99,198.18.0.98|"
    );
    assert_eq!(
        lines[5],
        "198.18.0.7|||40005||1|0x0006|1|0|h2.lab.example|2|198.18.0.99,198.18.0.98|"
    );
    // The other responses pass as they were.
    let (before, after) = (util::pcap_records(&replies), util::pcap_records(&out));
    assert_eq!(before[..4], after[..4]);
}
