//! One line of text per packet, in the shape of `tcpdump -n`.
//!
//! The line is appended to a byte buffer with no allocation for the common protocols;
//! integers and IPv4 addresses are formatted by hand because `format!` would be most of
//! the cost of a line. A header cut short ends the line with ` [|proto]`, as tcpdump does.

use std::io::Write;

use etherparse::LaxIpSlice;

use super::tcp_seq::RelativeSeqs;
use super::{Layer, Packet, Transport};
use crate::source::Timestamp;

mod checksum;
mod domain;
mod dump;
mod icmp;
mod push;
mod tcp;
mod text;

pub use dump::{network_offset, write_ascii, write_hex, write_hex_ascii};
pub use push::{push_hms, push_ip, push_mac, push_padded, push_u64};
pub use tcp::push_tcp_flags;

use checksum::{ipv4_checksum_ok, transport_checksum};
use icmp::{write_icmp, write_icmp6};
use push::push_ipv4_bytes;
use tcp::{claimed_transport_len, write_tcp};

/// What a line shows beyond the default.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct LineOptions {
    /// `-e`: the link-level header (MACs, VLAN tags, ethertype).
    pub link_header: bool,
    /// `-v`, `-vv`, `-vvv`: more of each header (TTL, IP id, lengths, checksums' validity),
    /// and at each level what tcpdump adds at that level.
    pub verbosity: u8,
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
    let verbose = opts.verbosity > 0;
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
            let (sport, dport) = (tcp.source_port(), tcp.destination_port());
            let segment = tcp::Segment {
                bytes: payload.payload,
                length: claimed_transport_len(ip).unwrap_or(payload.payload.len()),
                checksum: verbose.then_some(expected),
                ends: ((ip.source_addr(), sport), (ip.destination_addr(), dport)),
            };
            write_tcp(out, segment, opts.verbosity, seqs)
        }
        Transport::Udp(udp) => {
            let header = udp.to_header();
            let claimed = u32::from(header.length);
            // tcpdump reads the datagram to the shorter of the UDP and IP lengths.
            let by_ip = claimed_transport_len(ip).map_or(u32::MAX, |l| l as u32);
            let length = claimed.min(by_ip).saturating_sub(8);
            let body = payload.payload.get(8..).unwrap_or_default();
            let port = |p: u16| header.source_port == p || header.destination_port == p;
            if port(53) || port(5353) {
                let carrier =
                    domain::Carrier { over_tcp: false, mdns: !port(53), verbosity: opts.verbosity };
                domain::write_domain(out, body, length, carrier);
            } else {
                out.extend_from_slice(b"UDP, length ");
                push_u64(out, u64::from(claimed.saturating_sub(8)));
            }
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
}
