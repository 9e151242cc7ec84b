//! One line of text per packet, in the shape of `tcpdump -n`.
//!
//! The line is appended to a byte buffer with no allocation for the common protocols;
//! integers and IPv4 addresses are formatted by hand because `format!` would be most of
//! the cost of a line. A header cut short ends the line with ` [|proto]`, as tcpdump does.

use std::io::Write;
use std::net::IpAddr;

use etherparse::{Icmpv4Slice, Icmpv6Slice, LaxIpSlice, TcpSlice};

use super::tcp_seq::RelativeSeqs;
use super::{Layer, Packet, Transport};
use crate::source::Timestamp;

/// What a line shows beyond the default.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct LineOptions {
    /// `-e`: the link-level header (MACs, VLAN tags, ethertype).
    pub link_header: bool,
    /// `-v`: more of each header (TTL, IP id, lengths, checksums' validity).
    pub verbose: bool,
}

/// Appends the line for `pkt` (with its newline) to `out`, its time of day in UTC.
pub fn write_line(out: &mut Vec<u8>, pkt: &Packet<'_>, opts: LineOptions) {
    write_time_of_day(out, pkt.frame().ts);
    out.push(b' ');
    write_packet_text(out, pkt, opts, None);
}

/// Appends what follows the time on `pkt`'s line, and the newline. With `seqs`, TCP
/// sequence numbers are relative to their conversation's, as tcpdump's without `-S`.
pub fn write_packet_text(
    out: &mut Vec<u8>,
    pkt: &Packet<'_>,
    opts: LineOptions,
    seqs: Option<&mut RelativeSeqs>,
) {
    let layers = pkt.layers();
    if opts.link_header {
        write_link(out, pkt);
    }
    if layers.mpls_labels > 0 {
        out.extend_from_slice(b"MPLS, ");
    }
    if let Some(arp) = &layers.arp {
        write_arp(out, arp, !opts.link_header);
    } else if let Some(ip) = &layers.ip {
        write_ip(out, pkt, ip, opts, seqs);
    } else if let Some(et) = layers.ether_type {
        match layers.cut {
            Some(Layer::Ip) => out.extend_from_slice(b"IP"),
            Some(Layer::Ip6) => out.extend_from_slice(b"IP6"),
            _ if et == 0x0800 => out.extend_from_slice(b"IP, bad header"),
            _ if et == 0x86dd => out.extend_from_slice(b"IP6, bad header"),
            _ => {
                out.extend_from_slice(b"ethertype ");
                write_ethertype(out, et);
                out.extend_from_slice(b", length ");
                push_u64(out, u64::from(pkt.frame().orig_len));
            }
        }
    } else {
        let _ = write!(out, "link-type {}, length {}", pkt.frame().link.0, pkt.frame().orig_len);
    }
    if let Some(layer) = layers.cut {
        out.extend_from_slice(b" [|");
        out.extend_from_slice(layer.name().as_bytes());
        out.push(b']');
    }
    out.push(b'\n');
}

/// `HH:MM:SS.uuuuuu` of a UTC timestamp, as tcpdump prints it.
pub fn write_time_of_day(out: &mut Vec<u8>, ts: Timestamp) {
    push_hms(out, ts.secs);
    out.push(b'.');
    push_padded(out, ts.nanos / 1000, 6);
}

/// `HH:MM:SS` of the day `secs` falls in, in UTC.
pub fn push_hms(out: &mut Vec<u8>, secs: i64) {
    let day = secs.rem_euclid(86_400);
    push_2(out, (day / 3600) as u32);
    out.push(b':');
    push_2(out, ((day / 60) % 60) as u32);
    out.push(b':');
    push_2(out, (day % 60) as u32);
}

fn write_link(out: &mut Vec<u8>, pkt: &Packet<'_>) {
    let layers = pkt.layers();
    let Some(eth) = &layers.eth else { return };
    push_mac(out, &eth.source());
    out.extend_from_slice(b" > ");
    push_mac(out, &eth.destination());
    out.extend_from_slice(b", ethertype ");
    write_ethertype(out, eth.ether_type().0);
    out.extend_from_slice(b", length ");
    push_u64(out, u64::from(pkt.frame().orig_len));
    out.extend_from_slice(b": ");
    for (i, tag) in layers.vlans.iter().enumerate() {
        out.extend_from_slice(b"vlan ");
        push_u64(out, u64::from(tag.id));
        out.extend_from_slice(b", p ");
        push_u64(out, u64::from(tag.pcp));
        if i + 1 == layers.vlans.len() {
            if let Some(et) = layers.ether_type {
                out.extend_from_slice(b", ethertype ");
                write_ethertype(out, et);
            }
        }
        out.extend_from_slice(b", ");
    }
}

fn write_ethertype(out: &mut Vec<u8>, et: u16) {
    let name: &[u8] = match et {
        0x0800 => b"IPv4",
        0x86dd => b"IPv6",
        0x0806 => b"ARP",
        0x8100 => b"802.1Q",
        0x88a8 => b"802.1Q-QinQ",
        0x9100 => b"802.1Q-9100",
        0x8847 => b"MPLS unicast",
        0x8848 => b"MPLS multicast",
        0x88cc => b"LLDP",
        _ => b"Unknown",
    };
    out.extend_from_slice(name);
    let _ = write!(out, " (0x{et:04x})");
}

/// `named`: the line says `ARP, ` first, as tcpdump's does unless `-e` named the ethertype.
fn write_arp(out: &mut Vec<u8>, arp: &etherparse::ArpPacketSlice<'_>, named: bool) {
    let op = arp.operation().0;
    let is_ether_ipv4 = arp.hw_addr_size() == 6 && arp.proto_addr_size() == 4;
    if named {
        out.extend_from_slice(b"ARP, ");
    }
    if is_ether_ipv4 && (op == 1 || op == 2) {
        if op == 1 {
            out.extend_from_slice(b"Request who-has ");
            push_ipv4_bytes(out, arp.target_protocol_addr());
            out.extend_from_slice(b" tell ");
            push_ipv4_bytes(out, arp.sender_protocol_addr());
        } else {
            out.extend_from_slice(b"Reply ");
            push_ipv4_bytes(out, arp.sender_protocol_addr());
            out.extend_from_slice(b" is-at ");
            push_mac(out, arp.sender_hw_addr());
        }
    } else {
        let _ = write!(out, "hardware type {}, op {}", arp.hw_addr_type().0, op);
    }
    out.extend_from_slice(b", length ");
    push_u64(out, arp.slice().len() as u64);
}

fn write_ip(
    out: &mut Vec<u8>,
    pkt: &Packet<'_>,
    ip: &LaxIpSlice<'_>,
    opts: LineOptions,
    seqs: Option<&mut RelativeSeqs>,
) {
    let verbose = opts.verbose;
    let payload = ip.payload();
    // tcpdump names the protocol unless -e's ethertype already did.
    let named = !opts.link_header;
    match ip {
        LaxIpSlice::Ipv4(v4) => {
            if named {
                out.extend_from_slice(b"IP ");
            }
            if verbose {
                let h = v4.header();
                let _ = write!(
                    out,
                    "(tos 0x{:x}, ttl {}, id {}, offset {}, flags [{}], proto {} ({}), length {}, cksum {}) ",
                    h.slice()[1],
                    h.ttl(),
                    h.identification(),
                    h.fragments_offset().value() * 8,
                    match (h.dont_fragment(), h.more_fragments()) {
                        (true, true) => "DF+",
                        (true, false) => "DF",
                        (false, true) => "+",
                        (false, false) => "none",
                    },
                    proto_text(h.protocol().0),
                    h.protocol().0,
                    h.total_len(),
                    if ipv4_checksum_ok(h.slice()) { "ok" } else { "bad" },
                );
            }
        }
        LaxIpSlice::Ipv6(v6) => {
            if named {
                out.extend_from_slice(b"IP6 ");
            }
            if verbose {
                let h = v6.header();
                let _ = write!(
                    out,
                    "(hlim {}, next-header {} ({}), payload length {}) ",
                    h.hop_limit(),
                    proto_text(payload.ip_number.0),
                    payload.ip_number.0,
                    h.payload_length(),
                );
            }
        }
    }
    let ports = pkt.ports();
    push_ip(out, ip.source_addr());
    if let Some((sport, _)) = ports {
        out.push(b'.');
        push_u64(out, u64::from(sport));
    }
    out.extend_from_slice(b" > ");
    push_ip(out, ip.destination_addr());
    if let Some((_, dport)) = ports {
        out.push(b'.');
        push_u64(out, u64::from(dport));
    }
    out.extend_from_slice(b": ");
    let ip_payload_len = payload.payload.len() as u64;
    match &pkt.layers().transport {
        Transport::Tcp(tcp) => {
            let expected = if verbose { transport_checksum(ip, 6, 16) } else { None };
            let ends = ports
                .map(|(sport, dport)| ((ip.source_addr(), sport), (ip.destination_addr(), dport)));
            let claimed = claimed_transport_len(ip);
            write_tcp(out, pkt, tcp, verbose.then_some(expected), seqs.zip(ends), claimed)
        }
        Transport::Udp(udp) => {
            if let Some(q) = pkt.dns() {
                write_dns(out, &q);
            } else if let Some(req) = pkt.http() {
                let _ = write!(out, "HTTP: {} {}", req.method, req.path);
                if let Some(host) = req.host {
                    let _ = write!(out, ", Host {host}");
                }
                out.extend_from_slice(b", ");
            } else {
                out.extend_from_slice(b"UDP, ");
            }
            out.extend_from_slice(b"length ");
            push_u64(out, udp.payload().len() as u64);
        }
        Transport::Icmpv4(icmp) => write_icmp(out, icmp, ip_payload_len),
        Transport::Icmpv6(icmp) => write_icmp6(out, icmp, ip_payload_len),
        Transport::Partial { proto, .. } => {
            if pkt.layers().cut.is_some() {
                // The cut marker follows, as in tcpdump's "a.b > c.d: [|tcp]".
                out.pop();
            } else {
                let _ = write!(out, "{}, bad header", proto_text(*proto));
            }
        }
        Transport::None => {
            if payload.fragmented {
                let offset = match ip {
                    LaxIpSlice::Ipv4(v4) => u32::from(v4.header().fragments_offset().value()) * 8,
                    LaxIpSlice::Ipv6(_) => 0,
                };
                let _ = write!(
                    out,
                    "{} fragment, offset {offset}, length {ip_payload_len}",
                    proto_text(payload.ip_number.0)
                );
            } else {
                let _ = write!(out, "{}, length {ip_payload_len}", proto_text(payload.ip_number.0));
            }
        }
    }
}

/// `checksum` is `Some` with `-v`: the checksum the segment should carry, if all of it was
/// captured.
type Ends = ((IpAddr, u16), (IpAddr, u16));

/// The length of the transport segment by the IP header's own count, where it says.
fn claimed_transport_len(ip: &LaxIpSlice<'_>) -> Option<usize> {
    match ip {
        LaxIpSlice::Ipv4(v4) => {
            let h = v4.header();
            usize::from(h.total_len()).checked_sub(h.slice().len())
        }
        LaxIpSlice::Ipv6(v6) => {
            // Extension headers sit between the fixed header and the segment.
            let header_end = v6.header().slice().as_ptr() as usize + 40;
            let extensions = (v6.payload().payload.as_ptr() as usize).checked_sub(header_end)?;
            usize::from(v6.header().payload_length()).checked_sub(extensions)
        }
    }
}

fn write_tcp(
    out: &mut Vec<u8>,
    pkt: &Packet<'_>,
    tcp: &TcpSlice<'_>,
    checksum: Option<Option<u16>>,
    relative: Option<(&mut RelativeSeqs, Ends)>,
    claimed: Option<usize>,
) {
    let flags = pkt.tcp_flags().unwrap_or(0);
    out.extend_from_slice(b"Flags [");
    push_tcp_flags(out, flags);
    out.push(b']');
    if let Some(expected) = checksum {
        // tcpdump -v's words: "cksum 0x5b52 (correct)" or "(incorrect -> 0x1234)".
        let stored = tcp.checksum();
        // As tcpdump, only a checksum that can be verified is shown.
        let _ = match expected {
            Some(e) if e == stored => write!(out, ", cksum 0x{stored:04x} (correct)"),
            Some(e) => write!(out, ", cksum 0x{stored:04x} (incorrect -> 0x{e:04x})"),
            None => Ok(()),
        };
    }
    let (mut seq, mut ack) = (tcp.sequence_number(), tcp.acknowledgment_number());
    if let Some((seqs, (src, dst))) = relative {
        (seq, ack) = seqs.relative(src, dst, seq, ack, flags);
    }
    // As tcpdump: the length the IP header claims, when the capture cut the segment short.
    let length = claimed.map_or(tcp.payload().len(), |c| {
        c.saturating_sub(tcp.header_len()).max(tcp.payload().len())
    }) as u32;
    // tcpdump shows the sequence number only where it says something: data, SYN, FIN or
    // RST; with data, as the range it covers.
    const SYN_FIN_RST: u16 = 0x07;
    if length > 0 || flags & SYN_FIN_RST != 0 {
        out.extend_from_slice(b", seq ");
        push_u64(out, u64::from(seq));
        if length > 0 {
            out.push(b':');
            push_u64(out, u64::from(seq.wrapping_add(length)));
        }
    }
    if tcp.ack() {
        out.extend_from_slice(b", ack ");
        push_u64(out, u64::from(ack));
    }
    out.extend_from_slice(b", win ");
    push_u64(out, u64::from(tcp.window_size()));
    if tcp.urg() {
        out.extend_from_slice(b", urg ");
        push_u64(out, u64::from(tcp.urgent_pointer()));
    }
    out.extend_from_slice(b", length ");
    push_u64(out, u64::from(length));
    if let Some(q) = pkt.dns() {
        out.extend_from_slice(b": ");
        write_dns(out, &q);
        out.truncate(out.len() - 2);
    } else if let Some(req) = pkt.http() {
        let _ = write!(out, ": HTTP: {} {}", req.method, req.path);
        if let Some(host) = req.host {
            let _ = write!(out, ", Host {host}");
        }
    } else if let Some(sni) = pkt.tls_sni() {
        let _ = write!(out, ": TLS ClientHello, SNI {sni}");
    }
}

/// Appends tcpdump's flag letters: F S R P . U E W e, or `none`.
pub fn push_tcp_flags(out: &mut Vec<u8>, flags: u16) {
    const LETTERS: [(u16, u8); 9] = [
        (0x001, b'F'),
        (0x002, b'S'),
        (0x004, b'R'),
        (0x008, b'P'),
        (0x010, b'.'),
        (0x020, b'U'),
        (0x040, b'E'),
        (0x080, b'W'),
        (0x100, b'e'),
    ];
    if flags & 0x1ff == 0 {
        out.extend_from_slice(b"none");
    }
    out.extend(LETTERS.iter().filter(|(bit, _)| flags & bit != 0).map(|(_, c)| *c));
}

fn write_dns(out: &mut Vec<u8>, q: &super::dns::DnsQuestion) {
    out.extend_from_slice(if q.qr { b"DNS response 0x" } else { b"DNS query 0x" });
    push_hex4(out, q.id);
    out.push(b' ');
    push_qtype(out, q.qtype);
    out.extend_from_slice(b"? ");
    out.extend_from_slice(q.qname.as_bytes());
    out.extend_from_slice(b", ");
}

fn push_qtype(out: &mut Vec<u8>, qtype: u16) {
    let name: &[u8] = match qtype {
        1 => b"A",
        2 => b"NS",
        5 => b"CNAME",
        6 => b"SOA",
        12 => b"PTR",
        15 => b"MX",
        16 => b"TXT",
        28 => b"AAAA",
        33 => b"SRV",
        65 => b"HTTPS",
        255 => b"ANY",
        n => {
            out.extend_from_slice(b"TYPE");
            push_u64(out, u64::from(n));
            return;
        }
    };
    out.extend_from_slice(name);
}

fn push_hex4(out: &mut Vec<u8>, n: u16) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    for shift in [12, 8, 4, 0] {
        out.push(HEX[usize::from((n >> shift) & 15)]);
    }
}

fn write_icmp(out: &mut Vec<u8>, icmp: &Icmpv4Slice<'_>, len: u64) {
    let (t, c) = (icmp.type_u8(), icmp.code_u8());
    let rest = icmp.bytes5to8();
    let id = u16::from_be_bytes([rest[0], rest[1]]);
    let seq = u16::from_be_bytes([rest[2], rest[3]]);
    let _ = match t {
        0 => write!(out, "ICMP echo reply, id {id}, seq {seq}, length {len}"),
        8 => write!(out, "ICMP echo request, id {id}, seq {seq}, length {len}"),
        3 => write!(out, "ICMP destination unreachable, code {c}, length {len}"),
        5 => write!(out, "ICMP redirect, code {c}, length {len}"),
        11 => write!(out, "ICMP time exceeded, code {c}, length {len}"),
        _ => write!(out, "ICMP type {t}, code {c}, length {len}"),
    };
}

fn write_icmp6(out: &mut Vec<u8>, icmp: &Icmpv6Slice<'_>, len: u64) {
    let (t, c) = (icmp.type_u8(), icmp.code_u8());
    let rest = icmp.bytes5to8();
    let id = u16::from_be_bytes([rest[0], rest[1]]);
    let seq = u16::from_be_bytes([rest[2], rest[3]]);
    let name = match t {
        1 => "destination unreachable",
        2 => "packet too big",
        3 => "time exceeded",
        4 => "parameter problem",
        128 => return drop(write!(out, "ICMP6, echo request, id {id}, seq {seq}, length {len}")),
        129 => return drop(write!(out, "ICMP6, echo reply, id {id}, seq {seq}, length {len}")),
        130 => "multicast listener query",
        131 => "multicast listener report",
        133 => "router solicitation",
        134 => "router advertisement",
        135 => "neighbor solicitation",
        136 => "neighbor advertisement",
        137 => "redirect",
        143 => "multicast listener report v2",
        _ => return drop(write!(out, "ICMP6, type {t}, code {c}, length {len}")),
    };
    let _ = write!(out, "ICMP6, {name}, length {len}");
}

/// The name tcpdump gives an IP protocol, or `ip-proto-N`.
pub fn proto_text(proto: u8) -> String {
    match proto {
        1 => "ICMP".into(),
        2 => "IGMP".into(),
        4 => "IPIP".into(),
        6 => "TCP".into(),
        17 => "UDP".into(),
        41 => "IP6".into(),
        47 => "GRE".into(),
        50 => "ESP".into(),
        51 => "AH".into(),
        58 => "ICMP6".into(),
        89 => "OSPF".into(),
        103 => "PIM".into(),
        112 => "VRRP".into(),
        132 => "SCTP".into(),
        n => format!("ip-proto-{n}"),
    }
}

fn ipv4_checksum_ok(header: &[u8]) -> bool {
    fold(ones_sum(0, header)) == 0xffff
}

/// Adds 16-bit big-endian words to a ones'-complement sum (RFC 1071); an odd last byte is
/// padded with zero.
fn ones_sum(mut sum: u64, bytes: &[u8]) -> u64 {
    for pair in bytes.chunks(2) {
        sum += u64::from(u16::from_be_bytes([pair[0], *pair.get(1).unwrap_or(&0)]));
    }
    sum
}

fn fold(mut sum: u64) -> u16 {
    while sum > 0xffff {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    sum as u16
}

/// The last hop of a loose or strict source route (RFC 791 §3.1), which the transport
/// checksum covers instead of the header's destination.
fn final_destination(mut options: &[u8]) -> Option<[u8; 4]> {
    while let Some(&kind) = options.first() {
        match kind {
            0 => return None,
            1 => options = &options[1..],
            _ => {
                let len = usize::from(*options.get(1)?);
                if len < 2 || len > options.len() {
                    return None;
                }
                if (kind == 131 || kind == 137) && len >= 7 {
                    let last = options.get(len - 4..len)?;
                    return Some([last[0], last[1], last[2], last[3]]);
                }
                options = &options[len..];
            }
        }
    }
    None
}

/// The checksum a TCP or UDP segment should carry (RFC 9293 §3.1, RFC 768, RFC 8200 §8.1):
/// the pseudo-header and the segment with its checksum field (at `field`) left out. `None`
/// when the capture does not hold the whole segment.
fn transport_checksum(ip: &LaxIpSlice<'_>, proto: u8, field: usize) -> Option<u16> {
    let payload = ip.payload();
    if payload.incomplete || payload.fragmented {
        return None;
    }
    let segment = payload.payload;
    let len = segment.len();
    let mut sum = match ip {
        LaxIpSlice::Ipv4(v4) => {
            let h = v4.header();
            let dst = final_destination(h.options()).unwrap_or(h.destination());
            ones_sum(ones_sum(0, &h.source()), &dst) + u64::from(proto) + len as u64
        }
        LaxIpSlice::Ipv6(v6) => {
            let h = v6.header();
            ones_sum(ones_sum(0, &h.source()), &h.destination()) + u64::from(proto) + len as u64
        }
    };
    sum = ones_sum(sum, segment.get(..field)?);
    sum = ones_sum(sum, segment.get(field + 2..)?);
    let checksum = !fold(sum);
    // UDP sends a computed zero as all ones (RFC 768).
    Some(if proto == 17 && checksum == 0 { 0xffff } else { checksum })
}

/// Appends an address: IPv4 by hand, IPv6 in RFC 5952 form.
pub fn push_ip(out: &mut Vec<u8>, addr: IpAddr) {
    match addr {
        IpAddr::V4(v4) => push_ipv4_bytes(out, &v4.octets()),
        IpAddr::V6(v6) => {
            let _ = write!(out, "{v6}");
        }
    }
}

fn push_ipv4_bytes(out: &mut Vec<u8>, octets: &[u8]) {
    for (i, &b) in octets.iter().enumerate() {
        if i > 0 {
            out.push(b'.');
        }
        push_octet(out, b);
    }
}

/// Appends a byte in decimal: the hottest number in a line, so it skips the general path.
fn push_octet(out: &mut Vec<u8>, b: u8) {
    if b >= 100 {
        out.extend_from_slice(&[b'0' + b / 100, b'0' + b / 10 % 10, b'0' + b % 10]);
    } else if b >= 10 {
        out.extend_from_slice(&[b'0' + b / 10, b'0' + b % 10]);
    } else {
        out.push(b'0' + b);
    }
}

/// Appends a MAC address as `aa:bb:cc:dd:ee:ff`.
pub fn push_mac(out: &mut Vec<u8>, mac: &[u8]) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    for (i, b) in mac.iter().enumerate() {
        if i > 0 {
            out.push(b':');
        }
        out.push(HEX[usize::from(b >> 4)]);
        out.push(HEX[usize::from(b & 15)]);
    }
}

/// Appends a decimal integer.
pub fn push_u64(out: &mut Vec<u8>, n: u64) {
    let mut digits = [0u8; 20];
    let mut at = digits.len();
    let mut rest = n;
    loop {
        at -= 1;
        digits[at] = b'0' + (rest % 10) as u8;
        rest /= 10;
        if rest == 0 {
            break;
        }
    }
    // Byte pushes into reserved space beat a library copy call for a handful of digits.
    out.reserve(digits.len() - at);
    for &d in &digits[at..] {
        out.push(d);
    }
}

fn push_2(out: &mut Vec<u8>, n: u32) {
    out.extend_from_slice(&[b'0' + (n / 10 % 10) as u8, b'0' + (n % 10) as u8]);
}

/// Appends `n` with leading zeros to `width` digits (at most 10).
pub fn push_padded(out: &mut Vec<u8>, n: u32, width: usize) {
    let mut digits = [b'0'; 10];
    let width = width.min(10);
    let mut rest = n;
    for d in digits[..width].iter_mut().rev() {
        *d = b'0' + (rest % 10) as u8;
        rest /= 10;
    }
    if rest > 0 {
        // Wider than asked: fall back to every digit.
        push_u64(out, u64::from(n));
    } else {
        out.extend_from_slice(&digits[..width]);
    }
}

/// Appends tcpdump's `-X` dump: offset, 16 bytes in hex groups of two, then ASCII.
pub fn write_hex_ascii(out: &mut Vec<u8>, bytes: &[u8]) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    for (row, chunk) in bytes.chunks(16).enumerate() {
        let _ = write!(out, "\t0x{:04x}:  ", row * 16);
        for i in 0..16 {
            match chunk.get(i) {
                Some(b) => {
                    out.push(HEX[usize::from(b >> 4)]);
                    out.push(HEX[usize::from(b & 15)]);
                }
                None => out.extend_from_slice(b"  "),
            }
            if i % 2 == 1 {
                out.push(b' ');
            }
        }
        out.push(b' ');
        // tcpdump's -X shows a space as a dot (only graphic characters), where -A keeps it.
        out.extend(chunk.iter().map(|&b| if b.is_ascii_graphic() { b } else { b'.' }));
        out.push(b'\n');
    }
}

/// Appends tcpdump's `-x` dump: 16 bytes a row in groups of two, no trailing space.
pub fn write_hex(out: &mut Vec<u8>, bytes: &[u8]) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    for (row, chunk) in bytes.chunks(16).enumerate() {
        let _ = write!(out, "\t0x{:04x}: ", row * 16);
        for pair in chunk.chunks(2) {
            out.push(b' ');
            for b in pair {
                out.push(HEX[usize::from(b >> 4)]);
                out.push(HEX[usize::from(b & 15)]);
            }
        }
        out.push(b'\n');
    }
}

/// Appends tcpdump's `-A` dump: the bytes as ASCII, keeping line breaks.
pub fn write_ascii(out: &mut Vec<u8>, bytes: &[u8]) {
    out.extend(
        bytes.iter().filter(|&&b| b != b'\r').map(|&b| if b == b'\n' { b } else { printable(b) }),
    );
    out.push(b'\n');
}

fn printable(b: u8) -> u8 {
    if b.is_ascii_graphic() || b == b' ' { b } else { b'.' }
}

/// Where the link header ends in the frame, for `-x`/`-X`/`-A`: tcpdump dumps what follows
/// it unless asked for the whole frame. Ethernet's header counts its VLAN tags, as
/// tcpdump's does; MPLS labels and what follows them are the payload.
pub fn network_offset(pkt: &Packet<'_>) -> usize {
    let data = pkt.frame().data;
    let start = match super::link::classify(pkt.frame().link, data).0 {
        super::link::Next::Ethernet => 14 + 4 * pkt.layers().vlans.len(),
        super::link::Next::EtherType { offset, .. } => offset,
        super::link::Next::Opaque | super::link::Next::Short => 0,
    };
    start.min(data.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn time_of_day_is_utc_with_microseconds() {
        let mut out = Vec::new();
        write_time_of_day(&mut out, Timestamp { secs: 1_700_000_003, nanos: 123_456_789 });
        assert_eq!(out, b"22:13:23.123456");
        out.clear();
        write_time_of_day(&mut out, Timestamp { secs: -1, nanos: 0 });
        assert_eq!(out, b"23:59:59.000000");
    }

    #[test]
    fn flags_read_as_tcpdump_writes_them() {
        for (flags, text) in
            [(0x012, "S."), (0x018, "P."), (0x0c2, "SEW"), (0, "none"), (0x200, "none")]
        {
            let mut out = Vec::new();
            push_tcp_flags(&mut out, flags);
            assert_eq!(out, text.as_bytes(), "flags {flags:#x}");
        }
    }

    #[test]
    fn hex_dump_pads_the_last_row() {
        let mut out = Vec::new();
        write_hex_ascii(&mut out, b"E\x00\x00\x54AB");
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "\t0x0000:  4500 0054 4142                           E..TAB\n"
        );
    }

    #[test]
    fn checksum_of_a_known_header() {
        // RFC 1071's example header from a real capture: 45 00 00 73 00 00 40 00 40 11 b8 61 c0 a8 00 01 c0 a8 00 c7
        let header = [
            0x45, 0x00, 0x00, 0x73, 0x00, 0x00, 0x40, 0x00, 0x40, 0x11, 0xb8, 0x61, 0xc0, 0xa8,
            0x00, 0x01, 0xc0, 0xa8, 0x00, 0xc7,
        ];
        assert!(ipv4_checksum_ok(&header));
        let mut bad = header;
        bad[10] = 0;
        assert!(!ipv4_checksum_ok(&bad));
    }
}
