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
    ("wlan_radio.11n.mcs_index", "wifi.mcs"),
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

/// An Ethernet frame of `ether_type` carrying `payload`, as a capture's record cut to
/// `captured` bytes (the original length kept).
fn ethernet(ether_type: u16, payload: &[u8], captured: Option<usize>) -> hark::source::OwnedFrame {
    let mut data = vec![2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 7];
    data.extend_from_slice(&ether_type.to_be_bytes());
    data.extend_from_slice(payload);
    let orig_len = data.len() as u32;
    if let Some(n) = captured {
        data.truncate(n);
    }
    hark::source::OwnedFrame {
        ts: hark::source::Timestamp::default(),
        link: hark::source::LinkType::ETHERNET,
        orig_len,
        data,
    }
}

/// A SYN from 198.18.0.7:40000 to 198.18.0.1:80, TTL 9.
fn ipv4_syn() -> Vec<u8> {
    let mut ip = vec![0x45, 0, 0, 40, 0, 1, 0, 0, 9, 6, 0, 0, 198, 18, 0, 7, 198, 18, 0, 1];
    ip.extend_from_slice(&[
        0x9c, 0x40, 0, 80, 0, 0, 0, 1, 0, 0, 0, 0, 0x50, 2, 0x20, 0, 0, 0, 0, 0,
    ]);
    ip
}

/// Writes `frames`, and returns hark's packet events and tshark's `fields` for them.
fn hark_and_tshark(
    name: &str,
    frames: &[hark::source::OwnedFrame],
    fields: &[&str],
) -> (tempfile::TempDir, Vec<Value>, Vec<Vec<String>>) {
    let (dir, path) = util::temp_path(name);
    util::write_pcap(&path, frames);
    let out = util::run(&["-r", path.to_str().unwrap(), "--json"]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let events =
        util::eve_lines(&out.stdout).into_iter().filter(|e| e["event_type"] == "packet").collect();
    let theirs = util::tshark_fields(&path, fields)
        .lines()
        .map(|l| l.split('|').map(|v| v.split(',').next().unwrap_or("").to_string()).collect())
        .collect();
    (dir, events, theirs)
}

#[test]
fn an_arp_packet_of_other_address_sizes_or_cut_short_keeps_its_arp_layer() {
    let test = "an_arp_packet_of_other_address_sizes_or_cut_short_keeps_its_arp_layer";
    if !util::have_for(test, "tshark") {
        return;
    }
    // Hardware type 6 with 8-byte addresses; then a 6/4 reply cut inside its sender address.
    let mut wide = vec![0, 6, 8, 0, 8, 4, 0, 1];
    wide.extend_from_slice(&[2, 0, 0, 0, 0, 0, 0, 7, 198, 18, 0, 7]);
    wide.extend_from_slice(&[0; 8]);
    wide.extend_from_slice(&[198, 18, 0, 1]);
    let mut reply = vec![0, 1, 8, 0, 6, 4, 0, 2, 2, 0, 0, 0, 0, 7, 198, 18, 0, 7];
    reply.extend_from_slice(&[2, 0, 0, 0, 0, 1, 198, 18, 0, 1]);
    let frames = [ethernet(0x0806, &wide, None), ethernet(0x0806, &reply, Some(14 + 12))];
    let fields = ["arp.opcode", "arp.src.proto_ipv4", "arp.dst.proto_ipv4"];
    let (_dir, ours, theirs) = hark_and_tshark("arp-sizes.pcap", &frames, &fields);
    for (event, want) in ours.iter().zip(&theirs) {
        assert_eq!(event["proto"], "ARP", "{event}");
        assert_eq!(event["arp_op"].to_string(), want[0], "{event}");
        let text = |key: &str| event[key].as_str().unwrap_or("").to_string();
        assert_eq!((text("src_ip"), text("dest_ip")), (want[1].clone(), want[2].clone()));
    }
    assert_eq!(ours.len(), 2);
}

#[test]
fn an_ip_header_cut_short_keeps_the_addresses_it_captured() {
    let test = "an_ip_header_cut_short_keeps_the_addresses_it_captured";
    if !util::have_for(test, "tshark") {
        return;
    }
    // IPv4 with a 4-byte option, cut after its addresses (before the option's end); IPv6
    // cut inside its destination address.
    let mut v4 = vec![0x46, 0, 0, 44, 0, 1, 0, 0, 17, 6, 0, 0, 198, 18, 0, 7, 198, 18, 0, 1];
    v4.extend_from_slice(&[0x94, 4, 0, 0]);
    v4.extend_from_slice(&ipv4_syn()[20..]);
    let mut v6 = vec![0x60, 0, 0, 0, 0, 20, 6, 33];
    v6.extend_from_slice(&[0x20, 1, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 7]);
    v6.extend_from_slice(&[0x20, 1, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]);
    v6.extend_from_slice(&ipv4_syn()[20..]);
    let frames = [ethernet(0x0800, &v4, Some(14 + 22)), ethernet(0x86dd, &v6, Some(14 + 30))];
    let fields = ["ip.src", "ip.dst", "ip.ttl", "ipv6.src", "ipv6.hlim"];
    let (_dir, ours, theirs) = hark_and_tshark("ip-cut.pcap", &frames, &fields);
    let text = |e: &Value, key: &str| match &e[key] {
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        _ => String::new(),
    };
    assert_eq!(
        (text(&ours[0], "src_ip"), text(&ours[0], "dest_ip"), text(&ours[0], "ip_ttl")),
        (theirs[0][0].clone(), theirs[0][1].clone(), theirs[0][2].clone())
    );
    assert_eq!(theirs[0][0], "198.18.0.7", "Wireshark shows the captured source");
    assert_eq!(
        (text(&ours[1], "src_ip"), text(&ours[1], "ip_ttl")),
        (theirs[1][3].clone(), theirs[1][4].clone())
    );
    assert_eq!(text(&ours[1], "dest_ip"), "", "the destination was not captured");
    assert!(ours.iter().all(|e| e["truncated"] == true));
}

#[test]
fn nsh_and_arista_headers_are_decoded_through() {
    let test = "nsh_and_arista_headers_are_decoded_through";
    if !util::have_for(test, "tshark") {
        return;
    }
    // NSH (MD type 2, no context) with IPv4 next; Arista's 64-bit and 48-bit timestamp
    // headers in front of IPv4 and of a VLAN tag.
    let mut nsh = vec![0x0f, 0xc2, 0x02, 0x01, 0, 0x12, 0x34, 0xfe];
    nsh.extend_from_slice(&ipv4_syn());
    let mut arista64 = vec![0, 1, 1, 0x10, 0, 0, 0, 5, 0, 0, 0, 7, 0x08, 0];
    arista64.extend_from_slice(&ipv4_syn());
    let mut arista48 = vec![0, 1, 1, 0x20, 0, 5, 0, 0, 0, 7, 0x81, 0, 0, 7, 0x08, 0];
    arista48.extend_from_slice(&ipv4_syn());
    let frames = [
        ethernet(0x894f, &nsh, None),
        ethernet(0xd28b, &arista64, None),
        ethernet(0xd28b, &arista48, None),
    ];
    let fields = ["ip.src", "ip.ttl", "tcp.dstport", "vlan.id"];
    let (_dir, ours, theirs) = hark_and_tshark("shims.pcap", &frames, &fields);
    assert_eq!(ours.len(), 3);
    for (event, want) in ours.iter().zip(&theirs) {
        assert_eq!(event["src_ip"].as_str(), Some(want[0].as_str()), "{event}");
        assert_eq!(event["ip_ttl"].to_string(), want[1], "{event}");
        assert_eq!(event["dest_port"].to_string(), want[2], "{event}");
        let vlan = event.get("vlan").map(|v| v[0].to_string()).unwrap_or_default();
        assert_eq!(vlan, want[3], "{event}");
    }
}

/// The alerts a script raises on a capture: their signatures and metadata.
fn alerts(capture: &std::path::Path, script: &str) -> Vec<Value> {
    let script = util::root().join("scripts").join(script);
    let out = util::run(&[
        "-r",
        capture.to_str().unwrap(),
        "-s",
        script.to_str().unwrap(),
        "-q",
        "--json",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    util::eve_lines(&out.stdout).into_iter().filter(|e| e["event_type"] == "alert").collect()
}

/// `capture` narrowed by a filter (through hark's own `-w`, which keeps records as read).
fn narrowed(
    capture: &std::path::Path,
    dir: &std::path::Path,
    name: &str,
    expr: &[&str],
) -> std::path::PathBuf {
    let out = dir.join(name);
    let mut args = vec!["-r", capture.to_str().unwrap(), "-q", "-w", out.to_str().unwrap()];
    args.extend_from_slice(expr);
    util::run_ok(&args);
    out
}

#[test]
fn the_deauthentication_flood_detector_alerts_on_the_flood_only() {
    let test = "the_deauthentication_flood_detector_alerts_on_the_flood_only";
    let dir = tempfile::tempdir().unwrap();
    let Some(captures) = util::link_type_captures(test, dir.path()) else { return };
    for capture in &captures[..2] {
        // Six deauthentications and a disassociation from the access point, one a second.
        let found = alerts(capture, "wifi_deauth_flood.rhai");
        assert_eq!(found.len(), 1, "{}: {found:?}", capture.display());
        let alert = &found[0]["alert"];
        assert_eq!(alert["signature"], "Wi-Fi deauthentication flood");
        assert_eq!(alert["metadata"]["transmitter"], "02:aa:00:00:00:01");
        assert_eq!(alert["metadata"]["frames"], 5);
        assert_eq!(alert["metadata"]["reason"], 7);
        // Four are not a flood.
        let few = narrowed(capture, dir.path(), "few.pcap", &["-c", "4", "subtype deauth"]);
        assert!(alerts(&few, "wifi_deauth_flood.rhai").is_empty());
    }
}

#[test]
fn the_evil_twin_detector_alerts_on_a_known_ssid_from_a_new_bssid() {
    let test = "the_evil_twin_detector_alerts_on_a_known_ssid_from_a_new_bssid";
    let dir = tempfile::tempdir().unwrap();
    let Some(captures) = util::link_type_captures(test, dir.path()) else { return };
    for capture in &captures[..2] {
        // "labnet" beaconed by 02:aa:…:01, then by 02:bb:…:66 on another channel.
        let found = alerts(capture, "wifi_evil_twin.rhai");
        assert_eq!(found.len(), 1, "{}: {found:?}", capture.display());
        let meta = &found[0]["alert"]["metadata"];
        assert_eq!(meta["ssid"], "labnet");
        assert_eq!(meta["bssid"], "02:bb:00:00:00:66");
        assert_eq!(meta["first_bssid"], "02:aa:00:00:00:01");
        // Without the twin's beacon, the same network is quiet.
        let honest =
            narrowed(capture, dir.path(), "honest.pcap", &["not wlan addr2 02:bb:00:00:00:66"]);
        assert!(alerts(&honest, "wifi_evil_twin.rhai").is_empty());
    }
}
