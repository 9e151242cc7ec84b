//! The filter held to tcpdump: for every expression, `hark -w` and `tcpdump -w` must write
//! the same packets from every capture of the corpus (grouped by link type) and from
//! hark's generated mix.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use hark::source::{FileSource, OwnedFrame, Source};

use crate::util;

/// Expressions covering every primitive, operator and qualifier hark supports.
pub const EXPRESSIONS: &[&str] = &[
    // The issue's list.
    "tcp",
    "udp",
    "icmp",
    "arp",
    "ip6",
    "not ip",
    "host 192.168.1.11",
    "src net 10.0.0.0/8",
    "dst port 53",
    "port 80 or port 443",
    "tcp portrange 6000-7000",
    "tcp[tcpflags] & tcp-syn != 0",
    "tcp[tcpflags] & (tcp-syn|tcp-fin) != 0",
    "icmp[icmptype] == icmp-echo",
    "ip[8] > 100",
    "ip[6:2] & 0x3fff != 0",
    "less 128",
    "greater 1400",
    "ether dst ff:ff:ff:ff:ff:ff",
    "vlan",
    "vlan and udp",
    "ip6 and icmp6",
    "udp and not port 53",
    "(src host 10.0.0.1 or src host 10.0.0.2) and tcp",
    "ip proto 47",
    "ether proto 0x86dd",
    "len >= 1000",
    "tcp[12] & 0xf0 > 0x50",
    // Protocols and protocol numbers.
    "ip",
    "arp or rarp",
    "sctp",
    "igmp",
    "icmp6",
    "ip proto \\udp",
    "ip6 proto 58",
    "ip6 proto 6",
    "proto 17",
    "proto \\tcp",
    "ether proto \\arp",
    "ether proto \\ip6",
    "ip and not ip6",
    // Hosts and networks.
    "host 198.18.0.7",
    "src host 198.18.0.7",
    "dst host 198.18.0.1",
    "ip host 198.18.0.53",
    "arp host 198.18.0.1",
    "src and dst net 198.18.0.0/16",
    "src or dst net 192.168",
    "net 10",
    "net 10.0.0.0 mask 255.0.0.0",
    "dst net 127.0.0.0/8",
    "host 198.18.0.7 or 198.18.0.1",
    "host 10.0.0.1 and not 10.0.0.2",
    "host ::1",
    "ip6 host 2001:db8::7",
    "net 2001:db8::/32",
    "ip6 src net fe80::/10",
    "dst host ff02::1:ff00:1",
    // Ports.
    "port 53 or 80",
    "tcp port 80 or 443",
    "src port 53",
    "dst portrange 1-1023",
    "udp portrange 5000-6000",
    "port domain",
    "tcp dst port http",
    "src port 443 and dst port 40004",
    "tcp dst port 22 and tcp[tcpflags] & tcp-syn != 0",
    // Link layer.
    "ether host 02:00:00:00:00:07",
    "ether src 02:00:00:00:00:01",
    "ether dst 33:33:00:00:00:01",
    "broadcast",
    "multicast",
    "ether multicast",
    "ip multicast",
    "ip6 multicast",
    "ether broadcast and arp",
    // VLAN and MPLS, and how they shift what follows.
    "vlan 10",
    "vlan 20 and tcp",
    "vlan and vlan",
    "vlan and ip",
    "vlan 10 or vlan 20",
    "vlan 100 and vlan 30",
    "not vlan and udp",
    "mpls",
    "mpls and ip",
    "mpls 100",
    "mpls 100 and mpls 200 and udp",
    // Lengths.
    "less 64",
    "greater 100",
    "len < 60",
    "len = 42",
    "len - 14 > 1400",
    // Byte access and arithmetic.
    "ip[9] = 6",
    "ip[0] & 0xf > 5",
    "ip6[6] = 58",
    "arp[7] = 1",
    "ether[12:2] = 0x0806",
    "udp[4:2] > 100",
    "icmp[0] = 0",
    "tcp[0:2] = 80",
    "tcp[2:2] < 1024",
    "tcp[13] & 2 != 0 and not tcp[13] & 16 != 0",
    "not tcp[100] = 1",
    "not ether[2000] = 0",
    "ip[2:2] - 20 > 1000",
    "ip[2:2] * 2 > 100",
    "ip[2:2] / 2 > 100",
    "ip[2:2] % 7 = 3",
    "ip[2:2] >> 8 = 0",
    "1 << 3 = 8",
    "-1 = 0xffffffff",
    "ip[1] ^ 0xff = 0xff",
    "ip[0] | 1 = 0x45",
    "(ip[0] & 0xf) * 4 > 20",
    "ether[ip[0] & 0] = 2",
    "tcp[tcp[12] >> 4] = 0",
    // Boolean structure.
    "not (tcp or udp)",
    "!tcp && !udp",
    "tcp || udp",
    "icmp or arp and not ip6",
    "not not arp",
    // 802.11 (through radiotap or not): frame control, addresses by role, and IP through
    // the LLC header.
    "wlan host 02:aa:00:00:00:01",
    "wlan src 02:cc:00:00:00:07",
    "wlan dst ff:ff:ff:ff:ff:ff",
    "wlan src and dst 02:aa:00:00:00:01",
    "wlan addr1 02:aa:00:00:00:01",
    "wlan addr2 02:cc:00:00:00:07",
    "wlan addr3 02:aa:00:00:00:01",
    "wlan addr4 02:cc:00:00:00:07",
    "wlan ra 02:cc:00:00:00:07",
    "wlan ta 02:aa:00:00:00:01",
    "type mgt",
    "type ctl",
    "type data",
    "type mgt subtype beacon",
    "type mgt subtype probe-req",
    "type data subtype qos-data",
    "type ctl subtype ack",
    "subtype deauth",
    "subtype disassoc or subtype deauth",
    "wlan type mgt and not subtype beacon",
    "type 8",
    "type mgt subtype 0xc0",
    "dir nods",
    "dir tods",
    "dir fromds",
    "dir dstods",
    "dir 1 and ip",
    "type data and tcp port 80",
    "type mgt and ether[4:4] = 0xffffffff",
];

fn read_frames(path: &Path) -> Vec<(u32, Vec<u8>)> {
    let mut src = FileSource::open(path.to_str().unwrap(), &mut || true).unwrap();
    let mut out = Vec::new();
    while let Ok(Some(f)) = src.next_frame(&mut || true) {
        out.push((f.orig_len, f.data.to_vec()));
    }
    out
}

/// The corpus's frames, one pcap per link type, plus the generated mix.
fn inputs(dir: &Path) -> Vec<PathBuf> {
    let mut by_link: BTreeMap<u32, Vec<OwnedFrame>> = BTreeMap::new();
    if let Some(corpus) = util::corpus() {
        let files = util::corpus_files(&corpus);
        for path in files {
            let Ok(mut src) = FileSource::open(path.to_str().unwrap(), &mut || true) else {
                continue;
            };
            while let Ok(Some(f)) = src.next_frame(&mut || true) {
                let frame = OwnedFrame {
                    ts: f.ts,
                    link: f.link,
                    orig_len: f.orig_len,
                    data: f.data.to_vec(),
                };
                by_link.entry(f.link.0).or_default().push(frame);
            }
        }
    }
    let mut paths = Vec::new();
    for (link, frames) in by_link {
        let path = dir.join(format!("corpus-link{link}.pcap"));
        util::write_pcap(&path, &frames);
        paths.push(path);
    }
    let mix = dir.join("mix.pcap");
    util::write_pcap(&mix, &hark::sample::filter_mix());
    paths.push(mix);
    if let Some(links) = util::link_type_captures("filter_matches_tcpdump_everywhere", dir) {
        paths.extend(links);
    }
    paths
}

enum Verdict {
    Same,
    BothRefused,
    TcpdumpRefused,
    Differ(String),
}

fn compare(dir: &Path, input: &Path, expr: &str, n: usize) -> Verdict {
    let theirs = dir.join(format!("tcpdump-{n}.pcap"));
    let ours = dir.join(format!("hark-{n}.pcap"));
    let tcpdump = Command::new("tcpdump")
        .arg("-r")
        .arg(input)
        .arg("-w")
        .arg(&theirs)
        .arg(expr)
        .output()
        .unwrap();
    let hark = util::hark()
        .arg("-r")
        .arg(input)
        .arg("-q")
        .arg("-w")
        .arg(&ours)
        .arg(expr)
        .output()
        .unwrap();
    let hark_err = String::from_utf8_lossy(&hark.stderr).into_owned();
    // tcpdump refuses an expression its optimizer proves can match nothing on this link
    // type; that is a verdict too: no packet.
    let rejects_all =
        String::from_utf8_lossy(&tcpdump.stderr).contains("expression rejects all packets");
    if rejects_all {
        if !hark.status.success() {
            return Verdict::Differ(format!(
                "tcpdump finds it matches nothing, hark says: {hark_err}"
            ));
        }
        let kept = read_frames(&ours);
        return if kept.is_empty() {
            Verdict::Same
        } else {
            Verdict::Differ(format!(
                "tcpdump finds it matches nothing, hark kept {} packets",
                kept.len()
            ))
        };
    }
    if !tcpdump.status.success() {
        return if hark.status.success() { Verdict::TcpdumpRefused } else { Verdict::BothRefused };
    }
    if !hark.status.success() {
        return Verdict::Differ(format!("tcpdump accepts it, hark says: {hark_err}"));
    }
    let (t, h) = (read_frames(&theirs), read_frames(&ours));
    if t == h {
        return Verdict::Same;
    }
    let all = read_frames(input);
    let index = |frames: &[(u32, Vec<u8>)]| -> Vec<usize> {
        frames.iter().filter_map(|f| all.iter().position(|a| a == f).map(|i| i + 1)).collect()
    };
    Verdict::Differ(format!("tcpdump kept frames {:?}, hark kept {:?}", index(&t), index(&h)))
}

#[test]
fn filter_matches_tcpdump_everywhere() {
    if !util::have_for("filter_matches_tcpdump_everywhere", "tcpdump") {
        return;
    }
    if util::corpus_for("filter_matches_tcpdump_everywhere").is_none() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let inputs = inputs(dir.path());
    let jobs: Vec<(usize, &PathBuf, &str)> = inputs
        .iter()
        .flat_map(|input| EXPRESSIONS.iter().map(move |e| (input, *e)))
        .enumerate()
        .map(|(n, (input, e))| (n, input, e))
        .collect();
    let results: Vec<(String, Verdict)> = std::thread::scope(|scope| {
        let workers: Vec<_> = jobs
            .chunks(jobs.len().div_ceil(2))
            .map(|chunk| {
                let dir = dir.path();
                scope.spawn(move || {
                    chunk
                        .iter()
                        .map(|(n, input, expr)| {
                            let name = input.file_name().unwrap().to_string_lossy();
                            (format!("{name}: {expr}"), compare(dir, input, expr, *n))
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        workers.into_iter().flat_map(|w| w.join().unwrap()).collect()
    });
    let mut counts = [0usize; 3];
    let mut failures = Vec::new();
    for (what, verdict) in &results {
        match verdict {
            Verdict::Same => counts[0] += 1,
            Verdict::BothRefused => counts[1] += 1,
            Verdict::TcpdumpRefused => counts[2] += 1,
            Verdict::Differ(why) => failures.push(format!("{what}: {why}")),
        }
    }
    eprintln!(
        "filter: {} comparisons over {} captures: {} identical, {} refused by both, {} refused by tcpdump only",
        results.len(),
        inputs.len(),
        counts[0],
        counts[1],
        counts[2]
    );
    assert!(
        failures.is_empty(),
        "{} mismatches with tcpdump:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert!(counts[0] > results.len() / 2, "most comparisons must have run");
}
