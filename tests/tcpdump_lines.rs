//! Every line hark prints, held to tcpdump's byte for byte: each capture of the shared
//! corpus and of four generated ones (the benchmarks' mix, the scapy-built cases of
//! `tests/captures/tcpdump_cases.py`, hark's own lab conversation and filter mix) read by
//! `TZ=UTC tcpdump -nn` and by hark with the same flags, packet by packet.
//!
//! A packet whose text differs must be one of the differences listed below, each with
//! its reason; a listed difference that no packet shows any more fails the test, so the
//! list stays true.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::util::{self, corpus_files, corpus_for, hark, have_for, temp_path, write_pcap};

/// The flag sets compared, each with `-#` added so that every packet's text starts with
/// its number.
const FLAG_SETS: &[&[&str]] = &[
    &[],
    &["-S"],
    &["-v"],
    &["-vv"],
    &["-vvv"],
    &["-e"],
    &["-e", "-v"],
    &["-tttt"],
    &["-x"],
    &["-XX"],
    &["-A"],
    &["-vv", "-K"],
    &["-U", "--immediate-mode"],
];

/// Packets whose text differs from tcpdump's on purpose: the capture, a string found in
/// tcpdump's text of the packet (empty: any packet of the capture), and why.
const KNOWN: &[(&str, &str, &str)] = &[
    ("of13_ericsson.pcapng", "OpenFlow", "OpenFlow: hark's line ends at the TCP length"),
    ("OSPFv2_Capture_FINAL.pcapng", "OSPFv2", "OSPF: hark's own summary, `OSPF, length N`"),
    ("eapon1.pcap", "Vendor-rfc1048", "DHCP's options (-v): tcpdump lists them, hark does not"),
    (
        "dhcp-option-108.pcapng",
        "Vendor-rfc1048",
        "DHCP's options (-v): tcpdump lists them, hark does not",
    ),
    (
        "dhcp-rfc3004.pcap",
        "Vendor-rfc1048",
        "DHCP's options (-v): tcpdump lists them, hark does not",
    ),
    (
        "bootp_asan.pcap",
        "",
        "the record holds 90 bytes where the file's snap length is 53: libpcap cuts the \
         record to 53, hark reads all 90, as Wireshark does",
    ),
    ("dhcpv6-ia-na.pcap", "(xid=", "DHCPv6's options (-v): tcpdump lists them, hark does not"),
    ("pptp.pcap", "pptp", "PPTP: hark's line ends at the TCP length"),
    ("pptp.pcap", "GRE", "GRE: hark's own summary, `GRE, length N`"),
    ("filter-mix.pcap", "GRE", "GRE: hark's own summary, `GRE, length N`"),
    ("bgp-role.pcapng", "BGP", "BGP: hark's line ends at the TCP length"),
    ("unaligned-nfs-1.pcap", "NFS", "NFS: hark's own summary, `UDP, length N`"),
    (
        "accecn_handshake.pcap",
        "Flags [",
        "hark names AccECN's AE flag `e` (RFC 9768), as tcpdump's later releases do",
    ),
    (
        "bug-6875-01__fuzz.pcap",
        "",
        "the records read in the patched 24-byte layout, as Wireshark reads them; libpcap \
         takes the standard layout and so other bytes",
    ),
    (
        "timestamp_invalid_nano.pcap",
        "",
        "a fraction field of a second or more: tcpdump prints the field as it is \
         (`10.1000000`), hark carries it into the seconds, as Wireshark does",
    ),
];

/// A packet's text: its numbered first line and the lines that follow it.
type Packets = Vec<Vec<String>>;

fn packets(output: &[u8]) -> Packets {
    let mut packets: Packets = Vec::new();
    for line in String::from_utf8_lossy(output).lines() {
        // `-#` puts the number right-aligned in five columns, then two spaces.
        let numbered = line.len() > 7
            && line[..5].trim_start().chars().all(|c| c.is_ascii_digit())
            && !line[..5].trim_start().is_empty()
            && &line[5..7] == "  ";
        match packets.last_mut() {
            Some(packet) if !numbered => packet.push(line.to_string()),
            _ => packets.push(vec![line.to_string()]),
        }
    }
    packets
}

fn run(program: Command, flags: &[&str], capture: &Path) -> Packets {
    let mut program = program;
    program.env("TZ", "UTC").args(["-nn", "-#"]).args(flags).arg("-r").arg(capture);
    let out = program.output().expect("runs");
    packets(&out.stdout)
}

/// The benchmarks' mix (its every distinct frame), the scapy-built cases, hark's own
/// generator's lab conversation and filter mix (fragments, tags, labels, extension
/// headers, runts), and the captures of the other link types (802.11, WAN); `None`
/// (skipped) without scapy.
fn generated(test: &str, dir: &Path) -> Option<Vec<PathBuf>> {
    let scapy = Command::new("python3").args(["-c", "import scapy"]).output();
    if !scapy.is_ok_and(|o| o.status.success()) {
        util::skip(test, "python3 with scapy is not installed (pip install scapy)");
        return None;
    }
    let mix = dir.join("mix.pcap");
    let cases = dir.join("cases.pcap");
    let gen_mix = util::root().join("../shared/tools/gen_mix.py");
    // 3,200 packets hold each of the mix's distinct frames at least once.
    let made = Command::new("python3").arg(&gen_mix).arg(&mix).arg("3200").output().unwrap();
    assert!(made.status.success(), "{}", String::from_utf8_lossy(&made.stderr));
    let script = util::root().join("tests/captures/tcpdump_cases.py");
    let made = Command::new("python3").arg(script).arg(&cases).output().unwrap();
    assert!(made.status.success(), "{}", String::from_utf8_lossy(&made.stderr));
    let lab = dir.join("lab.pcap");
    write_pcap(&lab, &hark::sample::lab_conversation());
    let filter_mix = dir.join("filter-mix.pcap");
    write_pcap(&filter_mix, &hark::sample::filter_mix());
    let mut files = vec![mix, cases, lab, filter_mix];
    let links = dir.join("links");
    std::fs::create_dir_all(&links).unwrap();
    files.extend(util::link_type_captures(test, &links)?);
    Some(files)
}

fn name(file: &Path) -> String {
    file.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default()
}

/// Lines compared and lines identical, per group of captures.
#[derive(Default)]
struct Share {
    identical: usize,
    total: usize,
}

#[test]
fn every_line_reads_as_tcpdumps() {
    let test = "every_line_reads_as_tcpdumps";
    if !have_for(test, "tcpdump") {
        return;
    }
    let Some(corpus) = corpus_for(test) else { return };
    let (dir, _) = temp_path("lines");
    let Some(generated) = generated(test, dir.path()) else { return };
    let groups = [("corpus", corpus_files(&corpus)), ("generated", generated)];
    let mut explained = vec![0usize; KNOWN.len()];
    let mut unexplained = Vec::new();
    let mut shares: BTreeMap<(&str, String), Share> = BTreeMap::new();
    for (group, files) in &groups {
        for file in files {
            let file_name = name(file);
            for flags in FLAG_SETS {
                let theirs = run(Command::new("tcpdump"), flags, file);
                let ours = run(hark(), flags, file);
                let share = shares.entry((group, flags.join(" "))).or_default();
                for (i, their_packet) in theirs.iter().enumerate() {
                    let our_packet = ours.get(i).map_or(&[][..], Vec::as_slice);
                    share.total += their_packet.len();
                    share.identical +=
                        their_packet.iter().zip(our_packet).filter(|(a, b)| a == b).count();
                    if their_packet.as_slice() == our_packet {
                        continue;
                    }
                    let reason = KNOWN.iter().position(|(known_file, marker, _)| {
                        *known_file == file_name
                            && their_packet.iter().any(|line| line.contains(marker))
                    });
                    match reason {
                        Some(k) => explained[k] += 1,
                        None => {
                            let none = String::new();
                            let padded = our_packet.iter().chain(std::iter::repeat(&none));
                            let first = their_packet.iter().zip(padded).find(|(a, b)| a != b);
                            unexplained.push(format!(
                                "{file_name} {flags:?} packet {}:\n  tcpdump: {:?}\n  hark:    {:?}",
                                i + 1,
                                first.map(|f| f.0),
                                first.map(|f| f.1)
                            ));
                        }
                    }
                }
                if ours.len() > theirs.len() {
                    let reason = KNOWN.iter().position(|(f, m, _)| *f == file_name && m.is_empty());
                    match reason {
                        Some(k) => explained[k] += 1,
                        None => unexplained.push(format!(
                            "{file_name} {flags:?}: hark printed {} packets, tcpdump {}",
                            ours.len(),
                            theirs.len()
                        )),
                    }
                }
            }
        }
    }
    for ((group, flags), share) in &shares {
        eprintln!(
            "{group} [{flags}]: {}/{} lines identical ({:.1}%)",
            share.identical,
            share.total,
            100.0 * share.identical as f64 / share.total.max(1) as f64
        );
    }
    let shown: Vec<_> = unexplained.iter().take(40).collect();
    assert!(
        unexplained.is_empty(),
        "{} packets differ from tcpdump's text:\n{shown:#?}",
        unexplained.len()
    );
    let gone: Vec<_> = KNOWN
        .iter()
        .zip(&explained)
        .filter(|(_, n)| **n == 0)
        .map(|((file, marker, _), _)| format!("{file} ({marker:?})"))
        .collect();
    assert!(gone.is_empty(), "no longer differ, take off the list: {gone:?}");
}
