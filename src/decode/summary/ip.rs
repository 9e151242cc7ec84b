//! IPv4 and IPv6 in tcpdump's words, from the raw bytes: tcpdump's verdicts on damaged
//! headers (`bad-hlen`, `truncated-ip - N bytes missing!`, `version error`) depend on
//! checks made in its order, which a parser that refuses a damaged header cannot give.

use std::io::Write;
use std::net::IpAddr;

use super::checksum::{fold, ipv4_pseudo_sum, ipv6_pseudo_sum, ones_sum};
use super::icmp::write_icmp;
use super::icmp6::write_icmp6;
use super::igmp::write_igmp;
use super::ip6_ext::{write_destination_options, write_fragment, write_hop_by_hop, write_routing};
use super::push::{flag_names, push_ip, push_u64};
use super::read::{Bytes, Cut, Printed};
use super::tcp::write_tcp;
use super::udp::write_udp;
use super::{LineOptions, proto_text};
use crate::decode::tcp_seq::RelativeSeqs;

/// What every printer of a line shares: the flags, and the TCP conversations seen.
pub(super) struct Ctx<'s> {
    pub opts: LineOptions,
    pub seqs: Option<&'s mut RelativeSeqs>,
    /// The link header's length as tcpdump counts it for `-x`, when the link printer
    /// knows it better than the decoder (802.11's, which depends on how far it printed).
    pub link_len: Option<usize>,
}

impl Ctx<'_> {
    pub(super) fn verbosity(&self) -> u8 {
        self.opts.verbosity
    }

    /// tcpdump names the protocol unless `-e`'s ethertype already did.
    fn named(&self) -> bool {
        !self.opts.link_header
    }
}

/// The network header a transport segment came in, for its addresses and checksum.
#[derive(Clone, Copy)]
pub(super) enum Net<'a> {
    /// The whole IPv4 header, options included.
    V4(&'a [u8]),
    /// The fixed IPv6 header, and the destination a routing header ends at.
    V6 { header: &'a [u8], final_dst: [u8; 16] },
}

impl Net<'_> {
    pub(super) fn src(&self) -> IpAddr {
        match self {
            Net::V4(h) => IpAddr::from([h[12], h[13], h[14], h[15]]),
            Net::V6 { header, .. } => IpAddr::from(octets16(&header[8..24])),
        }
    }

    pub(super) fn dst(&self) -> IpAddr {
        match self {
            Net::V4(h) => IpAddr::from([h[16], h[17], h[18], h[19]]),
            Net::V6 { header, .. } => IpAddr::from(octets16(&header[24..40])),
        }
    }

    /// Whether the IP header's own protocol field names `proto`: tcpdump shows addresses
    /// with the ports only then, and bare ports after an extension header.
    pub(super) fn carries(&self, proto: u8) -> bool {
        match self {
            Net::V4(h) => h[9] == proto,
            Net::V6 { header, .. } => header[6] == proto,
        }
    }

    pub(super) fn is_v6(&self) -> bool {
        matches!(self, Net::V6 { .. })
    }

    /// The pseudo-header sum for a `proto` segment of `len` bytes.
    pub(super) fn pseudo_sum(&self, proto: u8, len: usize) -> u64 {
        match self {
            Net::V4(h) => ipv4_pseudo_sum(h, proto, len),
            Net::V6 { header, final_dst } => ipv6_pseudo_sum(&header[8..24], final_dst, proto, len),
        }
    }

    /// `src > dst: `, the addresses alone.
    pub(super) fn push_addresses(&self, out: &mut Vec<u8>) {
        push_ip(out, self.src());
        out.extend_from_slice(b" > ");
        push_ip(out, self.dst());
        out.extend_from_slice(b": ");
    }

    /// `src.sport > dst.dport: `, or `sport > dport: ` after an extension header.
    pub(super) fn push_ends(&self, out: &mut Vec<u8>, proto: u8, sport: u16, dport: u16) {
        let full = self.carries(proto);
        if full {
            push_ip(out, self.src());
            out.push(b'.');
        }
        push_u64(out, u64::from(sport));
        out.extend_from_slice(b" > ");
        if full {
            push_ip(out, self.dst());
            out.push(b'.');
        }
        push_u64(out, u64::from(dport));
        out.extend_from_slice(b": ");
    }
}

fn octets16(b: &[u8]) -> [u8; 16] {
    let mut o = [0u8; 16];
    o.copy_from_slice(&b[..16]);
    o
}

const TCP: u8 = 6;
const UDP: u8 = 17;
const DCCP: u8 = 33;
const SCTP: u8 = 132;

/// An IPv4 packet; `length` is what the wire carried from its first byte.
pub(super) fn write_ipv4(
    out: &mut Vec<u8>,
    ctx: &mut Ctx<'_>,
    bytes: Bytes<'_>,
    length: usize,
) -> Printed {
    let bytes = Bytes::new(bytes.data, "ip");
    let version = bytes.u8(0)? >> 4;
    if version != 4 {
        if version == 6 {
            out.extend_from_slice(b"IP6, wrong link-layer encapsulation");
        } else {
            let _ = write!(out, "IP{version}");
        }
        out.extend_from_slice(b" (invalid)");
        return Ok(());
    }
    if ctx.named() {
        out.extend_from_slice(b"IP ");
    }
    bytes.check(0, 20)?;
    let header = &bytes.data[..20];
    if length < 20 {
        let _ = write!(out, "truncated-ip {length}");
        return Ok(());
    }
    let header_len = usize::from(header[0] & 0x0f) * 4;
    if header_len < 20 {
        let _ = write!(out, "bad-hlen {header_len}");
        return Ok(());
    }
    let total = usize::from(u16::from_be_bytes([header[2], header[3]]));
    if length < total {
        let _ = write!(out, "truncated-ip - {} bytes missing! ", total - length);
    }
    if total < header_len {
        let _ = write!(out, "bad-len {total}");
        return Ok(());
    }
    // Bytes past the IP length (Ethernet padding) belong to no protocol above.
    let bytes = bytes.limit(total);
    let offset_field = u16::from_be_bytes([header[6], header[7]]);
    let proto = header[9];
    let (src, dst) = (
        IpAddr::from([header[12], header[13], header[14], header[15]]),
        IpAddr::from([header[16], header[17], header[18], header[19]]),
    );
    if ctx.verbosity() > 0 {
        let truncated = write_ipv4_verbose(out, bytes, header_len, !ctx.opts.ignore_checksums)?;
        out.extend_from_slice(b")\n    ");
        if truncated {
            push_pair(out, src, dst);
            return Err(Cut::check("ip"));
        }
    }
    let fragment_offset = usize::from(offset_field & 0x1fff) * 8;
    if fragment_offset != 0 {
        // Not the first fragment: the transport header is in another one.
        push_ip(out, src);
        out.extend_from_slice(b" > ");
        push_ip(out, dst);
        let _ = write!(out, ": ip-proto-{proto}");
        return Ok(());
    }
    if ![TCP, UDP, SCTP, DCCP].contains(&proto) {
        push_pair(out, src, dst);
    }
    if bytes.len() < header_len {
        let _ = write!(out, " [remaining caplen({}) < header length({header_len})]", bytes.len());
        return Err(Cut::jump("ip"));
    }
    let net = Net::V4(&bytes.data[..header_len]);
    let more_fragments = offset_field & 0x2000 != 0;
    demux(out, ctx, net, bytes.from(header_len, "ip"), total - header_len, more_fragments, proto)
}

fn push_pair(out: &mut Vec<u8>, src: IpAddr, dst: IpAddr) {
    push_ip(out, src);
    out.extend_from_slice(b" > ");
    push_ip(out, dst);
    out.extend_from_slice(b": ");
}

/// `(tos 0x0, ttl 64, id 1, offset 0, flags [DF], proto TCP (6), length 60` and the
/// options and a bad checksum (unless `-K`); true when the options were cut short.
fn write_ipv4_verbose(
    out: &mut Vec<u8>,
    bytes: Bytes<'_>,
    header_len: usize,
    judge_checksum: bool,
) -> Result<bool, Cut> {
    let h = bytes.slice(0, 20)?;
    let tos = h[1];
    let _ = write!(out, "(tos 0x{tos:x}");
    // RFC 3168's ECN field.
    out.extend_from_slice(match tos & 3 {
        1 => b",ECT(1)" as &[u8],
        2 => b",ECT(0)",
        3 => b",CE",
        _ => b"",
    });
    if h[8] >= 1 {
        let _ = write!(out, ", ttl {}", h[8]);
    }
    let offset_field = u16::from_be_bytes([h[6], h[7]]);
    let flags =
        flag_names(u32::from(offset_field), &[(0x2000, "+"), (0x4000, "DF"), (0x8000, "rsvd")]);
    let _ = write!(
        out,
        ", id {}, offset {}, flags [{}], proto {} ({}), length {}",
        u16::from_be_bytes([h[4], h[5]]),
        usize::from(offset_field & 0x1fff) * 8,
        flags,
        long_proto_name(h[9]),
        h[9],
        u16::from_be_bytes([h[2], h[3]]),
    );
    let mut truncated = false;
    if header_len > 20 {
        out.extend_from_slice(b", options (");
        if super::ip_options::write_ip_options(out, bytes.from(20, "ip"), header_len - 20).is_err()
        {
            out.extend_from_slice(b" [truncated-option]");
            truncated = true;
        }
        out.push(b')');
    }
    if let Some(header) = bytes.slice(0, header_len).ok().filter(|_| judge_checksum) {
        let sum = !fold(ones_sum(0, header));
        if sum != 0 {
            let stored = u16::from_be_bytes([header[10], header[11]]);
            let mut zeroed = header.to_vec();
            zeroed[10..12].fill(0);
            let _ = write!(out, ", bad cksum {stored:x} (->{:x})!", !fold(ones_sum(0, &zeroed)));
        }
    }
    Ok(truncated)
}

/// tcpdump's long protocol names, for `-v`'s `proto TCP (6)`.
fn long_proto_name(proto: u8) -> &'static str {
    match proto {
        0 => "Options",
        1 => "ICMP",
        2 => "IGMP",
        4 => "IPIP",
        6 => "TCP",
        8 => "EGP",
        9 => "IGRP",
        17 => "UDP",
        33 => "DCCP",
        41 => "IPv6",
        43 => "Routing",
        44 => "Fragment",
        46 => "RSVP",
        47 => "GRE",
        50 => "ESP",
        51 => "AH",
        55 => "Mobile IP",
        58 => "ICMPv6",
        62 => "Mobile IP (old)",
        88 => "EIGRP",
        89 => "OSPF",
        103 => "PIM",
        108 => "Compressed IP",
        112 => "VRRP",
        113 => "PGM",
        132 => "SCTP",
        135 => "Mobility",
        143 => "Ethernet",
        _ => "unknown",
    }
}

/// An IPv6 packet and its extension headers; `length` is what the wire carried.
pub(super) fn write_ipv6(
    out: &mut Vec<u8>,
    ctx: &mut Ctx<'_>,
    bytes: Bytes<'_>,
    length: usize,
) -> Printed {
    let bytes = Bytes::new(bytes.data, "ip6");
    bytes.check(0, 40)?;
    let fixed = &bytes.data[..40];
    if length < 40 {
        let _ = write!(out, "truncated-ip6 {length}");
        return Ok(());
    }
    if ctx.named() {
        out.extend_from_slice(b"IP6 ");
    }
    let version = fixed[0] >> 4;
    if version != 6 {
        let _ = write!(out, "version error: {version} != 6");
        return Ok(());
    }
    let mut payload_len = usize::from(u16::from_be_bytes([fixed[4], fixed[5]]));
    let mut len = if payload_len != 0 {
        let len = payload_len + 40;
        if length < len {
            let _ = write!(out, "truncated-ip6 - {} bytes missing!", len - length);
        }
        len
    } else {
        // A jumbogram's length is in a hop-by-hop option (RFC 2675).
        length + 40
    };
    let mut next = fixed[6];
    if ctx.verbosity() > 0 {
        let flow = u32::from_be_bytes([fixed[0], fixed[1], fixed[2], fixed[3]]);
        out.push(b'(');
        if flow & 0x0ff0_0000 != 0 {
            let _ = write!(out, "class 0x{:02x}, ", (flow & 0x0ff0_0000) >> 20);
        }
        if flow & 0x000f_ffff != 0 {
            let _ = write!(out, "flowlabel 0x{:05x}, ", flow & 0x000f_ffff);
        }
        let _ = write!(
            out,
            "hlim {}, next-header {} ({next}) payload length: {payload_len}) ",
            fixed[7],
            long_proto_name(next),
        );
    }
    let bytes = bytes.limit(len);
    let mut final_dst = octets16(&fixed[24..40]);
    let (mut at, mut advance, mut total_advance) = (0usize, 40usize, 0usize);
    let (mut previous, mut found_extension, mut found_hop_by_hop) = (255u8, false, false);
    let mut jumbo = None;
    let mut fragmented = false;
    let mut routed = false;
    while at < bytes.len() && advance > 0 {
        if len < advance {
            return Err(Cut::check("ip6"));
        }
        at += advance;
        len -= advance;
        total_advance += advance;
        if at == 40 && ![TCP, UDP, DCCP, SCTP].contains(&next) {
            let net = Net::V6 { header: fixed, final_dst };
            net.push_addresses(out);
        }
        let here = bytes.from(at, "ip6");
        match next {
            0 => {
                if found_hop_by_hop {
                    out.extend_from_slice(
                        b"[The Hop-by-Hop Options header was already found] (invalid)",
                    );
                    return Ok(());
                }
                if previous != 255 {
                    out.extend_from_slice(
                        b"[The Hop-by-Hop Options header don't follow the IPv6 header] (invalid)",
                    );
                    return Ok(());
                }
                advance = write_hop_by_hop(out, here, ctx.verbosity(), payload_len, &mut jumbo)?;
                if payload_len == 0 && jumbo.is_none() {
                    out.extend_from_slice(
                        b"[No valid Jumbo Payload Hop-by-Hop option found] (invalid)",
                    );
                    return Ok(());
                }
                found_hop_by_hop = true;
            }
            60 => advance = write_destination_options(out, here, ctx.verbosity())?,
            44 => {
                let Some(step) = write_fragment(out, here, ctx.verbosity(), payload_len, at)?
                else {
                    return Ok(());
                };
                if bytes.len() <= at + step {
                    return Ok(());
                }
                advance = step;
                fragmented = true;
            }
            43 => {
                here.check(0, 1)?;
                // Only the first routing header says where the packet goes, for tcpdump.
                let first = (!routed).then_some(&mut final_dst);
                routed = true;
                let Some(step) = write_routing(out, here, ctx.verbosity(), first)? else {
                    return Ok(());
                };
                advance = step;
            }
            _ => {
                if let Some(jumbo_len) = jumbo {
                    payload_len = jumbo_len;
                    let whole = payload_len + 40;
                    if whole < total_advance {
                        return Err(Cut::check("ip6"));
                    }
                    if length < whole {
                        let _ = write!(out, "truncated-ip6 - {} bytes missing!", whole - length);
                    }
                    len = whole - total_advance;
                } else if payload_len == 0 {
                    if found_extension {
                        return Err(Cut::check("ip6"));
                    }
                    len = 0;
                }
                let net = Net::V6 { header: fixed, final_dst };
                let body = bytes.from(at, "ip6");
                return demux(out, ctx, net, body, len, fragmented, next);
            }
        }
        found_extension = true;
        next = here.u8(0)?;
        previous = next;
    }
    Ok(())
}

/// The protocol above IP, as tcpdump's demultiplexer hands it on.
fn demux(
    out: &mut Vec<u8>,
    ctx: &mut Ctx<'_>,
    net: Net<'_>,
    body: Bytes<'_>,
    len: usize,
    fragmented: bool,
    proto: u8,
) -> Printed {
    match proto {
        TCP => write_tcp(out, ctx, net, body.data, len, fragmented),
        UDP => write_udp(out, ctx, net, body, len, fragmented),
        1 if net.is_v6() => requires(out, "ICMP", "IPv4"),
        1 => write_icmp(out, ctx, body, len, fragmented),
        58 if !net.is_v6() => requires(out, "ICMPv6", "IPv6"),
        58 => write_icmp6(out, ctx, net, body, len, fragmented),
        2 if net.is_v6() => requires(out, "IGMP", "IPv4"),
        2 => write_igmp(out, body, len, ctx.verbosity()),
        4 => write_ipv4(out, ctx, body, len),
        41 => write_ipv6(out, ctx, body, len),
        59 => {
            out.extend_from_slice(b"no next header");
            Ok(())
        }
        77 => {
            let _ = write!(out, " nd {len}");
            Ok(())
        }
        // Protocols tcpdump has printers for and hark summarises in its own words.
        8 | 9 | 33 | 46 | 47 | 50 | 51 | 55 | 88 | 89 | 103 | 108 | 112 | 113 | 132 | 143 => {
            let _ = write!(out, "{}, length {len}", proto_text(proto));
            Ok(())
        }
        _ => {
            let _ = write!(out, " ip-proto-{proto} {len}");
            Ok(())
        }
    }
}

fn requires(out: &mut Vec<u8>, proto: &str, version: &str) -> Printed {
    let _ = write!(out, "[{proto} requires {version}] (invalid)");
    Ok(())
}
