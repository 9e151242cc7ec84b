//! Every capture of the shared corpus, decoded by hark, against Wireshark's decode.
//!
//! `../shared/corpus/truth/NAME.tsv` holds tshark's first occurrence of 25 fields per frame.
//! hark's EVE packet events are mapped onto the same columns and compared cell by cell.
//! Every difference must be listed in `KNOWN` with its reason, and every listed
//! difference must still occur, so the list cannot go stale.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use serde_json::Value;

use crate::util;

/// The truth files' columns, in order.
const COLUMNS: [&str; 25] = [
    "frame.number",
    "frame.len",
    "frame.cap_len",
    "eth.src",
    "eth.dst",
    "vlan.id",
    "arp.opcode",
    "ip.src",
    "ip.dst",
    "ip.proto",
    "ip.ttl",
    "ipv6.src",
    "ipv6.dst",
    "ipv6.nxt",
    "tcp.srcport",
    "tcp.dstport",
    "tcp.flags",
    "tcp.seq_raw",
    "udp.srcport",
    "udp.dstport",
    "icmp.type",
    "icmpv6.type",
    "dns.qry.name",
    "http.host",
    "tls.handshake.extensions_server_name",
];

/// The application-layer columns; the rest are L2–L4.
const APP_COLUMNS: [&str; 3] =
    ["dns.qry.name", "http.host", "tls.handshake.extensions_server_name"];

/// A difference between hark and Wireshark that is understood: where, and why.
struct Known {
    file: &'static str,
    /// Frame numbers, or empty for every frame of the file where the column differs.
    frames: &'static [u64],
    columns: &'static [&'static str],
    reason: &'static str,
}

const REASSEMBLY: &str = "Wireshark reassembles IP fragments: it shows the transport header on the frame that \
completes the datagram and none on the first fragment; hark reads each packet alone and, as tcpdump does, shows \
the header where it is, in the first fragment";
const S_TAG: &str = "Wireshark files 802.1ad (0x88a8) tags under ieee8021ad.id, so its vlan.id is the first \
802.1Q tag; hark's vlan array starts with the outermost tag of either kind";
const IPV6_NEXT: &str = "ipv6.nxt is the IPv6 header's own next-header field (an extension header here); \
hark's proto is the protocol after the extension headers, as Suricata's is";
const ENCAPSULATED: &str = "the field belongs to a packet carried inside this one (a tunnel, an ICMP error's \
quote, an OpenFlow packet-in); Wireshark's first occurrence is the inner one, and hark does not unwrap";
const SOURCE_ROUTE: &str = "Wireshark shows the last hop of a source-route option as ip.dst; hark, like \
tcpdump and Suricata, shows the header's destination address";

static KNOWN: &[Known] = &[
    Known { file: "802.1ad_QinQ.pcap", frames: &[], columns: &["vlan.id"], reason: S_TAG },
    Known { file: "arp-too-long-tha.pcap", frames: &[1], columns: &["vlan.id"], reason: S_TAG },
    Known {
        file: "defrag__bug-6887-defrag-eth-vlan-ipv4-tcp-syn__frag-eth-vlan-ip-tcp-syn.pcap",
        frames: &[1, 3],
        columns: &["tcp.srcport", "tcp.dstport", "tcp.flags", "tcp.seq_raw"],
        reason: REASSEMBLY,
    },
    Known {
        file: "defrag__bug-6887-defrag-eth-vlan-ipv6-tcp__frag-eth-vlan-ipv6-tcp.pcap",
        frames: &[1, 3],
        columns: &["tcp.srcport", "tcp.dstport", "tcp.flags", "tcp.seq_raw"],
        reason: REASSEMBLY,
    },
    Known {
        file: "exception-policy-defrag-01__ipv4frags.pcap",
        frames: &[1, 2],
        columns: &["icmp.type"],
        reason: REASSEMBLY,
    },
    Known {
        file: "defrag__bug-6887-defrag-eth-vlan-ipv6-tcp__frag-eth-vlan-ipv6-tcp.pcap",
        frames: &[],
        columns: &["ipv6.nxt"],
        reason: IPV6_NEXT,
    },
    Known { file: "icmpv6.pcap", frames: &[2, 3, 4, 5], columns: &["ipv6.nxt"], reason: IPV6_NEXT },
    Known {
        file: "ipv6-evasion__ipv6-malformed-fragments-26__frag-26.pcap",
        frames: &[4, 5, 6],
        columns: &["ipv6.nxt"],
        reason: IPV6_NEXT,
    },
    Known {
        file: "ipv6-routing-header.pcap",
        frames: &[],
        columns: &["ipv6.nxt"],
        reason: IPV6_NEXT,
    },
    Known {
        file: "ipv6-srh-ext-header.pcap",
        frames: &[1],
        columns: &["ipv6.nxt"],
        reason: IPV6_NEXT,
    },
    Known {
        file: "ipv6_jumbogram_1.pcap",
        frames: &[1],
        columns: &["ipv6.nxt"],
        reason: IPV6_NEXT,
    },
    Known {
        file: "ipv6-srh-ext-header.pcap",
        frames: &[1],
        columns: &["icmpv6.type"],
        reason: ENCAPSULATED,
    },
    Known {
        file: "mpls-traceroute.pcap",
        frames: &[2, 4, 6, 8, 10, 12, 14, 16, 18],
        columns: &["udp.srcport", "udp.dstport"],
        reason: ENCAPSULATED,
    },
    Known {
        file: "of13_ericsson.pcapng",
        frames: &[65, 68, 69],
        columns: &["udp.srcport", "udp.dstport"],
        reason: ENCAPSULATED,
    },
    Known {
        file: "vxlan.pcap",
        frames: &[],
        columns: &["icmp.type", "arp.opcode"],
        reason: ENCAPSULATED,
    },
    Known {
        file: "detect-ipopts__input.pcap",
        frames: &[2, 7],
        columns: &["ip.dst"],
        reason: SOURCE_ROUTE,
    },
    Known {
        file: "quic_handshake.pcap",
        frames: &[1],
        columns: &["tls.handshake.extensions_server_name"],
        reason: "Wireshark decrypts QUIC Initial packets to find the ClientHello; hark reads TLS over TCP only",
    },
];

/// hark's decode of one frame, on the truth file's columns.
fn hark_row(event: &Value) -> BTreeMap<&'static str, String> {
    let mut row = BTreeMap::new();
    let text = |key: &str| -> Option<String> {
        match event.get(key)? {
            Value::String(s) => Some(s.clone()),
            Value::Number(n) => Some(n.to_string()),
            Value::Bool(b) => Some(b.to_string()),
            _ => None,
        }
    };
    let mut put = |col: &'static str, value: Option<String>| {
        if let Some(v) = value {
            row.insert(col, v);
        }
    };
    put("frame.number", text("pcap_cnt"));
    put("frame.len", text("len"));
    put("frame.cap_len", text("caplen"));
    put("eth.src", text("eth_src"));
    put("eth.dst", text("eth_dst"));
    put("vlan.id", event.get("vlan").and_then(|v| v.get(0)).map(|v| v.to_string()));
    put("arp.opcode", text("arp_op"));
    let proto = text("proto");
    let proto_number = proto.as_deref().map(|p| match p {
        "TCP" => "6".to_string(),
        "UDP" => "17".to_string(),
        "ICMP" => "1".to_string(),
        "IPv6-ICMP" => "58".to_string(),
        other => other.to_string(),
    });
    let is_ip = proto.as_deref().is_some_and(|p| p != "ARP");
    let v6 = text("src_ip").is_some_and(|a| a.contains(':'));
    if is_ip {
        let (src, dst, nxt, ttl) = if v6 {
            ("ipv6.src", "ipv6.dst", "ipv6.nxt", None)
        } else {
            ("ip.src", "ip.dst", "ip.proto", Some("ip.ttl"))
        };
        put(src, text("src_ip"));
        put(dst, text("dest_ip"));
        put(nxt, proto_number);
        if let Some(ttl) = ttl {
            put(ttl, text("ip_ttl"));
        }
    }
    match proto.as_deref() {
        Some("TCP") => {
            put("tcp.srcport", text("src_port"));
            put("tcp.dstport", text("dest_port"));
            put("tcp.flags", text("tcp_flags").map(|f| format!("0x{:0>4}", f)));
            put("tcp.seq_raw", text("tcp_seq"));
        }
        Some("UDP") => {
            put("udp.srcport", text("src_port"));
            put("udp.dstport", text("dest_port"));
        }
        Some("ICMP") => put("icmp.type", text("icmp_type")),
        Some("IPv6-ICMP") => put("icmpv6.type", text("icmp_type")),
        _ => {}
    }
    let nested = |outer: &str, inner: &str| {
        event.get(outer).and_then(|o| o.get(inner)).and_then(|v| v.as_str()).map(str::to_string)
    };
    put("dns.qry.name", nested("dns", "rrname"));
    put("http.host", nested("http", "hostname"));
    put("tls.handshake.extensions_server_name", nested("tls", "sni"));
    row
}

fn truth_rows(path: &Path) -> Vec<BTreeMap<&'static str, String>> {
    let text = std::fs::read_to_string(path).unwrap();
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap().split('\t').collect();
    assert_eq!(header, COLUMNS, "unexpected columns in {}", path.display());
    lines
        .map(|line| {
            COLUMNS
                .iter()
                .zip(line.split('\t'))
                .filter(|(_, v)| !v.is_empty())
                .map(|(c, v)| (*c, v.to_string()))
                .collect()
        })
        .collect()
}

/// One cell where hark and Wireshark disagree.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Difference {
    file: String,
    frame: u64,
    column: &'static str,
    wireshark: String,
    hark: String,
}

/// Whether any of `columns` has a listed difference for this frame of `file`.
fn listed(file: &str, frame: u64, columns: &[&'static str]) -> bool {
    columns.iter().any(|column| {
        let d = Difference {
            file: file.to_string(),
            frame,
            column,
            wireshark: String::new(),
            hark: String::new(),
        };
        explanation(&d).is_some()
    })
}

fn explanation(d: &Difference) -> Option<usize> {
    KNOWN.iter().position(|k| {
        k.file == d.file
            && (k.frames.is_empty() || k.frames.contains(&d.frame))
            && k.columns.contains(&d.column)
    })
}

#[test]
fn corpus_matches_wireshark() {
    let Some(corpus) = util::corpus_for("corpus_matches_wireshark") else {
        return;
    };
    let files = util::corpus_files(&corpus);
    assert_eq!(files.len(), 64, "the corpus holds 64 captures");

    let mut differences = Vec::new();
    let (mut l2l4_cells, mut l2l4_same, mut app_cells, mut app_same) = (0, 0, 0, 0);
    for path in &files {
        let name = path.file_name().unwrap().to_str().unwrap().to_string();
        let out = util::run(&["-r", path.to_str().unwrap(), "--json"]);
        let stderr = String::from_utf8_lossy(&out.stderr);
        if name == "bug-6875-01__fuzz.pcap" {
            assert_eq!(out.status.code(), Some(1), "{name}: damaged file exits 1");
            let errors: Vec<&str> = stderr.lines().filter(|l| l.starts_with("hark: ")).collect();
            assert_eq!(errors.len(), 1, "{name}: one error line, got {stderr}");
            assert!(
                errors[0].contains("at byte 261"),
                "{name}: error names the offset: {}",
                errors[0]
            );
        } else {
            assert_eq!(out.status.code(), Some(0), "{name}: exit status, stderr: {stderr}");
            assert!(!stderr.contains("hark: "), "{name}: unexpected error: {stderr}");
        }
        assert!(!stderr.contains("panicked"), "{name}: {stderr}");

        let events = util::eve_lines(&out.stdout);
        let packets: Vec<&Value> = events.iter().filter(|e| e["event_type"] == "packet").collect();
        let stats: Vec<&Value> = events.iter().filter(|e| e["event_type"] == "stats").collect();
        assert_eq!(stats.len(), 1, "{name}: one stats event");
        assert_eq!(stats[0]["stats"]["packets"], packets.len() as u64, "{name}: stats count");

        let truth = truth_rows(&corpus.join("truth").join(format!("{name}.tsv")));
        assert_eq!(packets.len(), truth.len(), "{name}: number of frames");
        for (event, want) in packets.iter().zip(&truth) {
            let got = hark_row(event);
            let frame: u64 = want["frame.number"].parse().unwrap();
            assert_eq!(got.get("frame.number"), Some(&frame.to_string()), "{name}: frame order");
            for column in COLUMNS {
                let (w, g) = (want.get(column), got.get(column));
                if w.is_none() && g.is_none() {
                    continue;
                }
                let same = w == g;
                if APP_COLUMNS.contains(&column) {
                    app_cells += 1;
                    app_same += usize::from(same);
                } else {
                    l2l4_cells += 1;
                    l2l4_same += usize::from(same);
                }
                if !same {
                    differences.push(Difference {
                        file: name.clone(),
                        frame,
                        column,
                        wireshark: w.cloned().unwrap_or_default(),
                        hark: g.cloned().unwrap_or_default(),
                    });
                }
            }
        }
    }

    let unexplained: Vec<&Difference> =
        differences.iter().filter(|d| explanation(d).is_none()).collect();
    let used: BTreeSet<usize> = differences.iter().filter_map(explanation).collect();
    let stale: Vec<&str> =
        KNOWN.iter().enumerate().filter(|(i, _)| !used.contains(i)).map(|(_, k)| k.file).collect();
    let mut by_reason: BTreeMap<&str, usize> = BTreeMap::new();
    for d in &differences {
        if let Some(k) = explanation(d) {
            *by_reason.entry(KNOWN[k].reason).or_default() += 1;
        }
    }
    eprintln!(
        "corpus: L2-L4 {l2l4_same}/{l2l4_cells} cells equal, application {app_same}/{app_cells} equal; \
         {} differences explained:",
        differences.len() - unexplained.len()
    );
    for (reason, n) in &by_reason {
        eprintln!("  {n:4}  {reason}");
    }
    let listing: Vec<String> = unexplained
        .iter()
        .map(|d| {
            format!(
                "{} #{} {}: wireshark {:?}, hark {:?}",
                d.file, d.frame, d.column, d.wireshark, d.hark
            )
        })
        .collect();
    assert!(
        listing.is_empty(),
        "{} unexplained differences:\n{}",
        listing.len(),
        listing.join("\n")
    );
    assert!(stale.is_empty(), "listed differences that no longer occur: {stale:?}");
    let app_ratio = app_same as f64 / app_cells.max(1) as f64;
    assert!(app_ratio >= 0.95, "application cells equal: {:.1}% (goal 95%)", app_ratio * 100.0);
}

/// The per-packet lines name the addresses and ports Wireshark finds, in tcpdump's
/// `src.port > dst.port` shape (or tcpdump's other shapes, below), for every corpus frame
/// where hark and Wireshark agree on them (the differences above are left out).
#[test]
fn lines_show_wiresharks_addresses_and_ports() {
    let Some(corpus) = util::corpus_for("lines_show_wiresharks_addresses_and_ports") else {
        return;
    };
    let mut checked = 0;
    let mut wrong = Vec::new();
    let files = util::corpus_files(&corpus);
    for path in &files {
        let name = path.file_name().unwrap().to_str().unwrap().to_string();
        let out = util::run(&["-r", path.to_str().unwrap()]);
        let text = String::from_utf8_lossy(&out.stdout).into_owned();
        // A packet's line starts with its time, or is tcpdump's verdict on a record whose
        // lengths cannot be right; what tcpdump prints after a line (a dump of what no
        // printer reads, an encapsulated frame) does neither.
        let lines: Vec<&str> = text
            .lines()
            .filter(|l| {
                l.starts_with(|c: char| c.is_ascii_digit()) || l.starts_with("[Invalid header")
            })
            .collect();
        let truth = truth_rows(&corpus.join("truth").join(format!("{name}.tsv")));
        assert_eq!(lines.len(), truth.len(), "{name}: one line per frame");
        for (line, want) in lines.iter().zip(&truth) {
            let frame: u64 = want["frame.number"].parse().unwrap();
            let get = |c: &str| want.get(c).cloned();
            let (src, dst) =
                match (get("ip.src").or(get("ipv6.src")), get("ip.dst").or(get("ipv6.dst"))) {
                    (Some(s), Some(d)) => (s, d),
                    _ => continue,
                };
            let ports = match (
                get("tcp.srcport").or(get("udp.srcport")),
                get("tcp.dstport").or(get("udp.dstport")),
            ) {
                (Some(s), Some(d)) => Some((s, d)),
                _ => None,
            };
            if line.starts_with("[Invalid header") {
                continue;
            }
            if listed(
                &name,
                frame,
                &["ip.src", "ip.dst", "tcp.srcport", "tcp.dstport", "udp.srcport", "udp.dstport"],
            ) {
                continue;
            }
            let expected = match &ports {
                Some((sp, dp)) => format!(" {src}.{sp} > {dst}.{dp}:"),
                None => format!(" {src} > {dst}:"),
            };
            checked += 1;
            // As tcpdump's: after an IPv6 extension header the ports stand alone
            // (`a > b: RT6 (…) 5645 > 5642:`), and an IP header claiming less than its own
            // length gets a verdict (`bad-len 0`) in place of addresses.
            let after_extension = ports.as_ref().is_some_and(|(sp, dp)| {
                line.contains(&format!(" {src} > {dst}: "))
                    && line.contains(&format!(" {sp} > {dp}: "))
            });
            if !line.contains(&expected) && !after_extension && !line.contains(" bad-len ") {
                wrong.push(format!("{name} #{frame}: expected {expected:?} in {line:?}"));
            }
        }
    }
    eprintln!("lines: {checked} corpus lines checked against Wireshark's addresses and ports");
    assert!(checked > 500, "only {checked} lines could be checked");
    assert!(wrong.is_empty(), "{} lines disagree:\n{}", wrong.len(), wrong.join("\n"));
}

/// What a script reads from each corpus packet matches Wireshark's decode (where hark and
/// Wireshark agree at all; the differences above are left out).
#[test]
fn script_fields_match_wireshark() {
    let Some(corpus) = util::corpus_for("script_fields_match_wireshark") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let script = dir.path().join("fields.rhai");
    std::fs::write(
        &script,
        r#"fn on_packet(pkt) {
    let f = [pkt.number, pkt.src, pkt.dst, pkt.sport, pkt.dport, pkt.ip?.ttl, pkt.tcp?.flags, pkt.tcp?.seq,
             pkt.icmp?.type, pkt.dns?.qname, pkt.eth?.src, pkt.arp?.op, pkt.proto];
    let out = "";
    for v in f { out += "|"; if v != () { out += `${v}`; } }
    log(out);
}"#,
    )
    .unwrap();
    let letters = |hex: &str| -> String {
        let bits = u16::from_str_radix(hex.trim_start_matches("0x"), 16).unwrap_or(0);
        [(1, 'F'), (2, 'S'), (4, 'R'), (8, 'P'), (16, 'A'), (32, 'U'), (64, 'E'), (128, 'C')]
            .iter()
            .filter(|(b, _)| bits & b != 0)
            .map(|(_, c)| *c)
            .collect()
    };
    let files = util::corpus_files(&corpus);
    let (mut checked, mut wrong) = (0, Vec::new());
    for path in &files {
        let name = path.file_name().unwrap().to_str().unwrap().to_string();
        let out = util::run(&["-r", path.to_str().unwrap(), "-q", "-s", script.to_str().unwrap()]);
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        let rows: Vec<Vec<String>> = stderr
            .lines()
            .filter_map(|l| l.strip_prefix("fields.rhai: |"))
            .map(|l| l.split('|').map(str::to_string).collect())
            .collect();
        let truth = truth_rows(&corpus.join("truth").join(format!("{name}.tsv")));
        assert_eq!(rows.len(), truth.len(), "{name}: one call per packet: {stderr}");
        for (row, want) in rows.iter().zip(&truth) {
            let frame: u64 = want["frame.number"].parse().unwrap();
            assert_eq!(row[0], frame.to_string(), "{name}: pkt.number");
            let is_arp = row[12] == "arp";
            let v6 = want.contains_key("ipv6.src");
            let get = |c: &str| want.get(c).cloned().unwrap_or_default();
            let transport = |suffix: &str| {
                let t = get(&format!("tcp.{suffix}"));
                if t.is_empty() { get(&format!("udp.{suffix}")) } else { t }
            };
            let pairs: Vec<(&[&'static str], String, String)> = vec![
                (
                    &["ip.src", "ipv6.src"],
                    row[1].clone(),
                    if is_arp {
                        row[1].clone()
                    } else if v6 {
                        get("ipv6.src")
                    } else {
                        get("ip.src")
                    },
                ),
                (
                    &["ip.dst", "ipv6.dst"],
                    row[2].clone(),
                    if is_arp {
                        row[2].clone()
                    } else if v6 {
                        get("ipv6.dst")
                    } else {
                        get("ip.dst")
                    },
                ),
                (&["tcp.srcport", "udp.srcport"], row[3].clone(), transport("srcport")),
                (&["tcp.dstport", "udp.dstport"], row[4].clone(), transport("dstport")),
                (&["ip.ttl"], if v6 { String::new() } else { row[5].clone() }, get("ip.ttl")),
                (
                    &["tcp.flags"],
                    row[6].clone(),
                    if get("tcp.flags").is_empty() {
                        String::new()
                    } else {
                        letters(&get("tcp.flags"))
                    },
                ),
                (&["tcp.seq_raw"], row[7].clone(), get("tcp.seq_raw")),
                (
                    &["icmp.type", "icmpv6.type"],
                    row[8].clone(),
                    if get("icmp.type").is_empty() { get("icmpv6.type") } else { get("icmp.type") },
                ),
                (&["dns.qry.name"], row[9].clone(), get("dns.qry.name")),
                (&["eth.src"], row[10].clone(), get("eth.src")),
                (&["arp.opcode"], row[11].clone(), get("arp.opcode")),
            ];
            for (columns, ours, theirs) in pairs {
                let column = columns[0];
                if listed(&name, frame, columns) || (ours.is_empty() && theirs.is_empty()) {
                    continue;
                }
                checked += 1;
                if ours != theirs {
                    wrong.push(format!(
                        "{name} #{frame} {column}: wireshark {theirs:?}, script read {ours:?}"
                    ));
                }
            }
        }
    }
    eprintln!("script fields: {checked} values checked against Wireshark");
    assert!(checked > 3000, "only {checked} values could be checked");
    assert!(wrong.is_empty(), "{} values differ:\n{}", wrong.len(), wrong.join("\n"));
}

/// `-v` judges TCP checksums as tcpdump does (pseudo-header, source routes, only whole
/// segments), on every corpus capture.
#[test]
fn verbose_tcp_checksums_match_tcpdump() {
    let Some(corpus) = util::corpus_for("verbose_tcp_checksums_match_tcpdump") else {
        return;
    };
    if !util::have_for("verbose_tcp_checksums_match_tcpdump", "tcpdump") {
        return;
    }
    // "cksum 0x5b52 (correct)" or "cksum 0x209c (incorrect -> 0xe443)", in order.
    let verdicts = |text: &str| -> Vec<String> {
        text.split("cksum 0x")
            .skip(1)
            .filter_map(|rest| {
                let end = rest.find(')')?;
                let verdict = &rest[..=end];
                (verdict.contains("(correct)") || verdict.contains("(incorrect"))
                    .then(|| verdict.to_string())
            })
            .collect()
    };
    let files = util::corpus_files(&corpus);
    let mut checked = 0;
    for path in &files {
        let ours =
            String::from_utf8_lossy(&util::run(&["-v", "-r", path.to_str().unwrap()]).stdout)
                .into_owned();
        let theirs = std::process::Command::new("tcpdump")
            .env("TZ", "UTC")
            .arg("-v")
            .arg("-n")
            .arg("-r")
            .arg(path)
            .output()
            .unwrap();
        // Both print checksums of other protocols too; keep the TCP ones ("Flags [..], cksum").
        let tcp_part = |text: &str| -> String {
            text.split("Flags [")
                .skip(1)
                .map(|rest| {
                    rest.split_once("], ")
                        .map_or("", |(_, after)| after)
                        .split(", seq")
                        .next()
                        .unwrap_or("")
                        .to_string()
                        + "\n"
                })
                .collect()
        };
        let (ours, theirs) = (tcp_part(&ours), tcp_part(&String::from_utf8_lossy(&theirs.stdout)));
        let (ours, theirs) = (verdicts(&ours), verdicts(&theirs));
        checked += ours.len();
        assert_eq!(ours, theirs, "{}", path.display());
    }
    assert!(checked > 300, "only {checked} checksums were compared");
}
