//! The link types beyond Ethernet's family (802.11 with and without radiotap, Cisco HDLC,
//! Frame Relay, IP over InfiniBand), decoded by hark, against Wireshark's decode of the
//! same captures, field by field: what EVE's packet events (and so scripts) say.
//!
//! SLIP is left to the line and filter tests: Wireshark does not read LINKTYPE_SLIP.

use std::collections::BTreeMap;

use serde_json::Value;

use crate::util;

/// tshark's fields, and hark's name for each (`wifi.x` inside EVE's `wifi` object).
const COLUMNS: &[(&str, &str)] = &[
    ("frame.number", "pcap_cnt"),
    ("ip.src", "src_ip"),
    ("ip.dst", "dest_ip"),
    ("ip.ttl", "ip_ttl"),
    ("ipv6.src", "src_ip6"),
    ("ipv6.dst", "dest_ip6"),
    ("tcp.srcport", "tcp_sport"),
    ("tcp.dstport", "tcp_dport"),
    ("udp.srcport", "udp_sport"),
    ("udp.dstport", "udp_dport"),
    ("icmp.type", "icmp_type"),
    ("arp.opcode", "arp_op"),
    ("dns.qry.name", "dns.rrname"),
    ("wlan.fc.type", "wifi.type"),
    ("wlan.fc.subtype", "wifi.subtype"),
    ("wlan.ra", "wifi.ra"),
    ("wlan.ta", "wifi.ta"),
    ("wlan.sa", "wifi.sa"),
    ("wlan.da", "wifi.da"),
    ("wlan.bssid", "wifi.bssid"),
    ("wlan.seq", "wifi.seq"),
    ("wlan.ssid", "wifi.ssid"),
    ("wlan.ds.current_channel", "wifi.channel"),
    ("wlan_radio.frequency", "wifi.freq"),
    ("radiotap.dbm_antsignal", "wifi.signal"),
    ("radiotap.dbm_antnoise", "wifi.noise"),
    ("wlan_radio.data_rate", "wifi.rate"),
    ("wlan.fc.retry", "wifi.retry"),
    ("wlan.fc.protected", "wifi.protected"),
    ("wlan.fixed.reason_code", "wifi.reason"),
];

/// Differences that are understood: (capture, frame, tshark field, why).
const KNOWN: &[(&str, u64, &str, &str)] = &[
    (
        "radiotap.pcap",
        33,
        "wlan_radio.data_rate",
        "the capture ends inside the radiotap header: Wireshark shows none of its fields, hark those that were \
         captured (the rate, before the cut)",
    ),
    (
        "radiotap.pcap",
        34,
        "*",
        "the capture ends 12 bytes into the 802.11 header: Wireshark shows none of a header it cannot read whole, hark \
         shows frame control and the first address, as far as the bytes go (tcpdump prints [|802.11])",
    ),
    (
        "wlan.pcap",
        34,
        "*",
        "the capture ends 12 bytes into the 802.11 header: Wireshark shows none of a header it cannot read whole, hark \
         shows frame control and the first address, as far as the bytes go (tcpdump prints [|802.11])",
    ),
];

fn known(file: &str, frame: u64, column: &str) -> bool {
    KNOWN.iter().any(|(f, n, c, _)| *f == file && *n == frame && (*c == "*" || *c == column))
}

/// 802.11 types and subtypes by the names hark gives them (pcap-filter(7)'s), as numbers.
fn subtype_number(kind: &str, name: &str) -> Option<u8> {
    const NAMES: &[(&str, &[&str])] = &[
        (
            "mgt",
            &[
                "assoc-req",
                "assoc-resp",
                "reassoc-req",
                "reassoc-resp",
                "probe-req",
                "probe-resp",
                "",
                "",
                "beacon",
                "atim",
                "disassoc",
                "auth",
                "deauth",
                "action",
            ],
        ),
        (
            "ctl",
            &[
                "",
                "",
                "",
                "",
                "",
                "",
                "",
                "",
                "block-ack-req",
                "block-ack",
                "ps-poll",
                "rts",
                "cts",
                "ack",
                "cf-end",
                "cf-end-ack",
            ],
        ),
        (
            "data",
            &[
                "data",
                "data-cf-ack",
                "data-cf-poll",
                "data-cf-ack-poll",
                "null",
                "cf-ack",
                "cf-poll",
                "cf-ack-poll",
                "qos-data",
                "qos-data-cf-ack",
                "qos-data-cf-poll",
                "qos-data-cf-ack-poll",
                "qos",
                "",
                "qos-cf-poll",
                "qos-cf-ack-poll",
            ],
        ),
    ];
    let (_, names) = NAMES.iter().find(|(k, _)| *k == kind)?;
    names.iter().position(|n| !n.is_empty() && *n == name).map(|i| i as u8)
}

/// hark's EVE packet event on tshark's columns, in tshark's notation.
fn hark_row(event: &Value) -> BTreeMap<&'static str, String> {
    let text = |v: &Value| match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(if *b { "1" } else { "0" }.to_string()),
        _ => None,
    };
    let get = |path: &str| -> Option<String> {
        let mut v = event;
        for part in path.split('.') {
            v = v.get(part)?;
        }
        text(v)
    };
    let proto = get("proto").unwrap_or_default();
    let v6 = get("src_ip").is_some_and(|a| a.contains(':'));
    let mut row = BTreeMap::new();
    for &(column, ours) in COLUMNS {
        let value = match ours {
            "src_ip" | "dest_ip" if v6 || proto == "ARP" => None,
            "src_ip6" if v6 => get("src_ip"),
            "dest_ip6" if v6 => get("dest_ip"),
            "ip_ttl" if v6 => None,
            "tcp_sport" if proto == "TCP" => get("src_port"),
            "tcp_dport" if proto == "TCP" => get("dest_port"),
            "udp_sport" if proto == "UDP" => get("src_port"),
            "udp_dport" if proto == "UDP" => get("dest_port"),
            "tcp_sport" | "tcp_dport" | "udp_sport" | "udp_dport" | "src_ip6" | "dest_ip6" => None,
            "icmp_type" if proto != "ICMP" => None,
            "wifi.type" => get("wifi.type").and_then(|t| {
                ["mgt", "ctl", "data", "ext"].iter().position(|n| *n == t).map(|i| i.to_string())
            }),
            "wifi.subtype" => get("wifi.subtype").map(|s| {
                let kind = get("wifi.type").unwrap_or_default();
                subtype_number(&kind, &s).map_or(s, |n| n.to_string())
            }),
            // Wireshark shows an SSID as hex, and an empty one not at all.
            "wifi.ssid" => get("wifi.ssid")
                .map(|s| s.bytes().map(|b| format!("{b:02x}")).collect::<String>())
                .map(|hex| if hex.is_empty() { "<MISSING>".to_string() } else { hex }),
            "wifi.rate" => get("wifi.rate").map(|r| {
                let rate: f64 = r.parse().unwrap_or(-1.0);
                if rate.fract() == 0.0 { format!("{rate:.0}") } else { format!("{rate}") }
            }),
            "wifi.reason" => {
                get("wifi.reason").map(|r| format!("0x{:04x}", r.parse::<u32>().unwrap_or(0)))
            }
            other => get(other),
        };
        if let Some(v) = value {
            row.insert(column, v);
        }
    }
    row
}

#[test]
fn link_types_decode_as_wireshark_decodes_them() {
    let test = "link_types_decode_as_wireshark_decodes_them";
    if !util::have_for(test, "tshark") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let Some(captures) = util::link_type_captures(test, dir.path()) else { return };
    let mut fields: Vec<&str> = COLUMNS.iter().map(|(c, _)| *c).collect();
    // Not compared on its own: hark's channel is the access point's when the frame says
    // it (wlan.ds.current_channel), the radio's otherwise (this).
    fields.push("wlan_radio.channel");
    let mut compared = 0;
    let mut wrong = Vec::new();
    let mut explained = 0;
    for capture in captures.iter().filter(|c| !c.ends_with("slip.pcap")) {
        let name = capture.file_name().unwrap().to_string_lossy().into_owned();
        let out = util::run(&["-r", capture.to_str().unwrap(), "--json"]);
        assert_eq!(out.status.code(), Some(0), "{name}: {}", String::from_utf8_lossy(&out.stderr));
        let events: Vec<Value> = util::eve_lines(&out.stdout)
            .into_iter()
            .filter(|e| e["event_type"] == "packet")
            .collect();
        let truth = util::tshark_fields(capture, &fields);
        let truth: Vec<&str> = truth.lines().collect();
        assert_eq!(events.len(), truth.len(), "{name}: number of frames");
        for (event, line) in events.iter().zip(&truth) {
            let mut theirs: BTreeMap<&str, String> = fields
                .iter()
                .zip(line.split('|'))
                .filter(|(_, v)| !v.is_empty())
                // Several values (a tunnel, radiotap's per-antenna fields): the first.
                .map(|(c, v)| (*c, v.split(',').next().unwrap_or_default().to_string()))
                .collect();
            if let Some(radio) = theirs.remove("wlan_radio.channel") {
                theirs.entry("wlan.ds.current_channel").or_insert(radio);
            }
            let ours = hark_row(event);
            let frame: u64 = theirs["frame.number"].parse().unwrap();
            for (column, _) in COLUMNS {
                let (t, o) = (theirs.get(column), ours.get(column));
                if t.is_none() && o.is_none() {
                    continue;
                }
                compared += 1;
                if t != o {
                    if known(&name, frame, column) {
                        explained += 1;
                    } else {
                        wrong
                            .push(format!("{name} #{frame} {column}: wireshark {t:?}, hark {o:?}"));
                    }
                }
            }
        }
    }
    eprintln!(
        "link types: {compared} cells compared with Wireshark, {explained} differences explained"
    );
    assert!(compared > 500, "only {compared} cells compared");
    assert!(wrong.is_empty(), "{} differences:\n{}", wrong.len(), wrong.join("\n"));
    assert!(explained > 0, "the listed differences no longer occur: take them off KNOWN");
}
