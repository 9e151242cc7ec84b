//! Whether one packet answers another, for `send_recv`: the rules a host's stack follows
//! when it replies, as Scapy's `answers()` states them for the common protocols.

use super::edit::Layout;
use super::{Packet, Transport};

/// Whether `reply` answers `request`: an echo reply to an echo request (same id and
/// sequence), a SYN-ACK or reset to a SYN (ports swapped, acknowledging the SYN), any TCP
/// segment or UDP datagram back on the same ports for other TCP and UDP, an ARP reply from
/// the address asked about, a DNS response with the query's id, or an ICMP error that
/// quotes the request.
pub fn answers(request: &Packet<'_>, reply: &Packet<'_>) -> bool {
    if let Some(asked) = &request.layers().arp {
        let Some(said) = &reply.layers().arp else { return false };
        return asked.operation().0 == 1
            && said.operation().0 == 2
            && said.sender_protocol_addr() == asked.target_protocol_addr();
    }
    let (Some(req_src), Some(req_dst)) = (request.src_ip(), request.dst_ip()) else {
        return false;
    };
    let (Some(rep_src), Some(rep_dst)) = (reply.src_ip(), reply.dst_ip()) else {
        return false;
    };
    if is_icmp_error(reply) {
        return quotes(reply, request);
    }
    if rep_dst != req_src || (rep_src != req_dst && !req_dst.is_multicast()) {
        return false;
    }
    match (&request.layers().transport, &reply.layers().transport) {
        (Transport::Icmpv4(q), Transport::Icmpv4(a)) => {
            q.type_u8() == 8 && a.type_u8() == 0 && q.bytes5to8() == a.bytes5to8()
        }
        (Transport::Icmpv6(q), Transport::Icmpv6(a)) => {
            let (q, a) = (q.slice(), a.slice());
            q.first() == Some(&128) && a.first() == Some(&129) && q.get(4..8) == a.get(4..8)
        }
        (Transport::Tcp(q), Transport::Tcp(a)) => {
            if (q.source_port(), q.destination_port()) != (a.destination_port(), a.source_port()) {
                return false;
            }
            if q.syn() && !q.ack() {
                let acknowledges =
                    a.ack() && a.acknowledgment_number() == q.sequence_number().wrapping_add(1);
                (a.syn() || a.rst()) && (acknowledges || a.rst() && !a.ack())
            } else {
                true
            }
        }
        (Transport::Udp(q), Transport::Udp(a)) => {
            if (q.source_port(), q.destination_port()) != (a.destination_port(), a.source_port()) {
                return false;
            }
            match (request.dns_message(), reply.dns_message()) {
                (Some(query), Some(response)) => {
                    query.get(..2) == response.get(..2)
                        && response.get(2).is_some_and(|b| b & 0x80 != 0)
                }
                _ => true,
            }
        }
        _ => false,
    }
}

/// ICMP destination unreachable, time exceeded, parameter problem (and ICMPv6's, with
/// packet too big).
fn is_icmp_error(packet: &Packet<'_>) -> bool {
    match &packet.layers().transport {
        Transport::Icmpv4(i) => matches!(i.type_u8(), 3 | 11 | 12),
        Transport::Icmpv6(i) => matches!(i.type_u8(), 1..=4),
        _ => false,
    }
}

/// Whether an ICMP error quotes `request`: the quoted IP header names the same addresses
/// and the quoted transport header's first bytes (the ports) are the request's.
fn quotes(error: &Packet<'_>, request: &Packet<'_>) -> bool {
    let layout = Layout::of(request);
    let (Some(ip), Some(l4)) = (layout.ip, layout.l4) else { return false };
    let data = request.frame().data;
    let addresses = if ip.v6 { 8..40 } else { 12..20 };
    let header_len = l4.at - ip.at;
    let quoted = error.payload();
    let same = |range: std::ops::Range<usize>, of: usize| {
        let theirs = quoted.get(range.clone());
        theirs.is_some() && theirs == data.get(range.start + of..range.end + of)
    };
    same(addresses, ip.at) && same(header_len..header_len + 4, ip.at)
}
