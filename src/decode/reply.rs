//! Answers derived from a request, as the host it was sent to would answer: addresses and
//! ports swapped, the fields that tie an answer to its question copied or worked out.
//!
//! Each takes the request taken apart ([`PacketBuf::parse`]) and says why when the request
//! is not one it answers.

use std::net::IpAddr;

use super::build::{Arp, Eth, Icmp, Net, PacketBuf, Tcp, Transport, Udp};
use super::dns_message;
use super::edit::{L4, Layout, Sums, settle};

/// The TTL and hop limit of answers, Linux's default.
const TTL: u8 = 64;

/// Swaps the request's Ethernet and IP addresses, keeping its VLAN tags.
fn turned(request: &PacketBuf) -> PacketBuf {
    let mut reply = request.clone();
    if let Some(eth) = &mut reply.eth {
        *eth = Eth { src: eth.dst, dst: eth.src, ether_type: eth.ether_type };
    }
    match &mut reply.net {
        Net::Ipv4(ip) => {
            (ip.src, ip.dst) = (ip.dst, ip.src);
            (ip.ttl, ip.id, ip.checksum) = (TTL, 0, None);
        }
        Net::Ipv6(ip) => {
            (ip.src, ip.dst) = (ip.dst, ip.src);
            ip.hop_limit = TTL;
        }
        Net::Arp(_) | Net::None => {}
    }
    reply
}

/// The echo reply to an ICMP or ICMPv6 echo request: same id, sequence number and data
/// (RFC 792, RFC 4443 §4.2).
pub fn icmp_echo_reply(request: &PacketBuf) -> Result<PacketBuf, String> {
    let ipv6 = matches!(request.net, Net::Ipv6(_));
    let wanted = if ipv6 { 128 } else { 8 };
    match request.transport {
        Some(Transport::Icmp(icmp)) if icmp.kind == wanted && icmp.code == 0 => {
            let mut reply = turned(request);
            let kind = if ipv6 { 129 } else { 0 };
            reply.transport = Some(Transport::Icmp(Icmp { kind, checksum: None, ..icmp }));
            Ok(reply)
        }
        _ => Err("the packet is not an ICMP or ICMPv6 echo request".into()),
    }
}

/// The same echo reply made from the request's bytes where they lie, for a request over
/// Ethernet: the fields that change are written in place and the checksums computed, with
/// no taking apart and putting together. IP options and extension headers are kept, and
/// link-layer padding is left behind. `None` when the bytes are not a whole echo request.
pub fn icmp_echo_reply_in_place(data: &[u8], layout: &Layout) -> Option<Vec<u8>> {
    let (ip, l4) = (layout.ip?, layout.l4?);
    let (request, reply) = match l4.kind {
        L4::Icmp if !ip.v6 => (8, 0),
        L4::Icmp6 if ip.v6 => (128, 129),
        _ => return None,
    };
    if !layout.eth || data.get(l4.at)? != &request || data.get(l4.at + 1)? != &0 {
        return None;
    }
    let end = if ip.v6 {
        ip.at + 40 + usize::from(u16::from_be_bytes([*data.get(ip.at + 4)?, *data.get(ip.at + 5)?]))
    } else {
        ip.at + usize::from(u16::from_be_bytes([*data.get(ip.at + 2)?, *data.get(ip.at + 3)?]))
    };
    if end > data.len() || end < l4.at + 8 {
        return None;
    }
    let mut out = data[..end].to_vec();
    out.copy_within(0..6, 6);
    out[..6].copy_from_slice(&data[6..12]);
    let (src, len) = if ip.v6 { (ip.at + 8, 16) } else { (ip.at + 12, 4) };
    out.copy_within(src..src + len, src + len);
    out[src..src + len].copy_from_slice(&data[src + len..src + 2 * len]);
    if ip.v6 {
        out[ip.at + 7] = TTL;
    } else {
        out[ip.at + 8] = TTL;
        out[ip.at + 4..ip.at + 6].fill(0);
    }
    out[l4.at] = reply;
    settle(&mut out, layout, Sums::BOTH, Sums::default());
    Some(out)
}

/// The ARP reply to a request: `mac` is at the address asked for (RFC 826).
pub fn arp_reply(request: &PacketBuf, mac: [u8; 6]) -> Result<PacketBuf, String> {
    let Net::Arp(asked) = request.net else {
        return Err("the packet is not an ARP request".into());
    };
    if asked.op != 1 {
        return Err(format!("the packet is ARP operation {}, not a request (1)", asked.op));
    }
    let mut reply = request.clone();
    reply.eth = Some(Eth { src: mac, dst: asked.sender_mac, ether_type: None });
    reply.net = Net::Arp(Arp {
        op: 2,
        sender_mac: mac,
        sender_ip: asked.target_ip,
        target_mac: asked.sender_mac,
        target_ip: asked.sender_ip,
    });
    reply.payload.clear();
    Ok(reply)
}

/// The reset a TCP stack sends for a segment to a port with no listener (RFC 9293
/// §3.10.7.1): to a segment with ACK, a RST whose sequence number is that ACK; to one
/// without, a RST|ACK acknowledging everything the segment occupied (its data, SYN, FIN).
pub fn tcp_reset(request: &PacketBuf) -> Result<PacketBuf, String> {
    let Some(Transport::Tcp(segment)) = request.transport else {
        return Err("the packet is not TCP".into());
    };
    const FIN: u16 = 0x001;
    const SYN: u16 = 0x002;
    const RST: u16 = 0x004;
    const ACK: u16 = 0x010;
    if segment.flags & RST != 0 {
        return Err("the packet is itself a reset, which is never answered".into());
    }
    let mut reply = turned(request);
    let (seq, ack_num, flags) = if segment.flags & ACK != 0 {
        (segment.ack_num, 0, RST)
    } else {
        let occupied = request.payload.len() as u32
            + u32::from(segment.flags & SYN != 0)
            + u32::from(segment.flags & FIN != 0);
        (0, segment.seq.wrapping_add(occupied), RST | ACK)
    };
    reply.transport = Some(Transport::Tcp(Tcp {
        sport: segment.dport,
        dport: segment.sport,
        seq,
        ack_num,
        window: 0,
        flags,
        checksum: None,
    }));
    reply.payload.clear();
    Ok(reply)
}

/// The DNS response to a query over UDP or TCP (RFC 1035 §4.2): the answers `lookup` finds
/// for the name asked, NXDOMAIN for a name it does not know; over TCP with its two-byte
/// length, acknowledging the query, as the server's next segment.
pub fn dns_reply(
    request: &PacketBuf,
    lookup: impl Fn(&str) -> Option<Vec<IpAddr>>,
) -> Result<PacketBuf, String> {
    let over_tcp = match request.transport {
        Some(Transport::Udp(_)) => false,
        Some(Transport::Tcp(_)) => true,
        _ => return Err("the packet is not a DNS query over UDP or TCP".into()),
    };
    let query =
        if over_tcp { request.payload.get(2..).unwrap_or_default() } else { &request.payload };
    let message = dns_message::answer(query, lookup)?;
    let mut reply = turned(request);
    match request.transport {
        Some(Transport::Udp(udp)) => {
            reply.transport =
                Some(Transport::Udp(Udp { sport: udp.dport, dport: udp.sport, checksum: None }));
            reply.payload = message;
        }
        Some(Transport::Tcp(segment)) => {
            const PSH_ACK: u16 = 0x018;
            reply.transport = Some(Transport::Tcp(Tcp {
                sport: segment.dport,
                dport: segment.sport,
                seq: segment.ack_num,
                ack_num: segment.seq.wrapping_add(request.payload.len() as u32),
                window: segment.window,
                flags: PSH_ACK,
                checksum: None,
            }));
            let len = u16::try_from(message.len()).map_err(|_| "the response is too long")?;
            reply.payload = len.to_be_bytes().into_iter().chain(message).collect();
        }
        _ => {}
    }
    Ok(reply)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A segment from port 1 to 2 with seq 100, ack 7 and TTL 3, so a reply's own values show.
    fn segment(flags: u16, payload: &[u8]) -> PacketBuf {
        let mut request = crate::decode::build::test_syn();
        if let Net::Ipv4(ip) = &mut request.net {
            ip.ttl = 3;
        }
        let tcp = Tcp { sport: 1, dport: 2, seq: 100, ack_num: 7, flags, ..Tcp::default() };
        request.transport = Some(Transport::Tcp(tcp));
        request.payload = payload.to_vec();
        request
    }

    #[test]
    fn a_reset_acknowledges_what_a_segment_without_ack_occupied() {
        // FIN and three bytes of data: four sequence numbers.
        let reply = tcp_reset(&segment(0x001, b"abc")).unwrap();
        let Some(Transport::Tcp(rst)) = reply.transport else { panic!() };
        assert_eq!((rst.seq, rst.ack_num, rst.flags, rst.sport, rst.dport), (0, 104, 0x014, 2, 1));
        let Net::Ipv4(ip) = reply.net else { panic!() };
        assert_eq!((ip.src, ip.dst, ip.ttl), ([198, 18, 0, 1], [198, 18, 0, 7], 64));
        assert!(reply.payload.is_empty());
    }

    #[test]
    fn a_reset_is_never_answered_and_other_protocols_are_refused() {
        assert!(tcp_reset(&segment(0x004, b"")).is_err());
        assert_eq!(
            icmp_echo_reply(&segment(0x002, b"")).unwrap_err(),
            "the packet is not an ICMP or ICMPv6 echo request"
        );
        assert_eq!(
            arp_reply(&segment(0x002, b""), [0; 6]).unwrap_err(),
            "the packet is not an ARP request"
        );
    }

    #[test]
    fn an_echo_reply_made_in_place_is_the_one_built_for_both_ip_versions() {
        for ipv6 in [false, true] {
            let mut request = crate::decode::build::test_syn();
            if ipv6 {
                request.net = Net::Ipv6(crate::decode::build::Ipv6 {
                    src: [0x20, 1, 0xd, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 7],
                    dst: [0x20, 1, 0xd, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1],
                    hop_limit: 3,
                    ..Default::default()
                });
            }
            let kind = if ipv6 { 128 } else { 8 };
            request.transport =
                Some(Transport::Icmp(Icmp { kind, id: 7, seq: 9, ..Icmp::default() }));
            request.payload = b"ping data".to_vec();
            let mut bytes = request.emit();
            // Ethernet padding after the IP packet is not answered.
            bytes.extend_from_slice(&[0; 6]);
            let frame = crate::source::Frame {
                ts: crate::source::Timestamp::default(),
                link: crate::source::LinkType::ETHERNET,
                orig_len: bytes.len() as u32,
                data: &bytes,
                iface: None,
            };
            let layout = Layout::of(&crate::decode::Packet::new(frame));
            let in_place = icmp_echo_reply_in_place(&bytes, &layout).unwrap();
            assert_eq!(in_place, icmp_echo_reply(&request).unwrap().emit(), "IPv6: {ipv6}");
        }
        let syn = crate::decode::build::test_syn().emit();
        let frame = crate::source::Frame {
            ts: crate::source::Timestamp::default(),
            link: crate::source::LinkType::ETHERNET,
            orig_len: syn.len() as u32,
            data: &syn,
            iface: None,
        };
        assert_eq!(
            icmp_echo_reply_in_place(&syn, &Layout::of(&crate::decode::Packet::new(frame))),
            None
        );
    }

    #[test]
    fn a_parsed_packet_emits_the_bytes_it_came_from() {
        let bytes = segment(0x018, b"hello").emit();
        assert_eq!(PacketBuf::parse(&bytes).unwrap().emit(), bytes);
    }

    #[test]
    fn a_syn_with_options_is_reset() {
        // A SYN as Linux sends it (curl to port 8080): MSS, SACK, timestamps, window scale.
        let hex = concat!(
            "020000000200",
            "22e0ebe4a779",
            "0800",
            "4500003c6bed400040064046c6120101c6120163",
            "9a381f9058d4810600000000a002faf08eb70000",
            "020405b40402080ae6ddd911000000000103030a",
        );
        let digits: Vec<u8> = hex.bytes().filter(u8::is_ascii_hexdigit).collect();
        let bytes: Vec<u8> = digits
            .chunks(2)
            .map(|pair| u8::from_str_radix(std::str::from_utf8(pair).unwrap(), 16).unwrap())
            .collect();
        assert_eq!(bytes.len(), 74);
        let request = PacketBuf::parse(&bytes).expect("a SYN with options is taken apart");
        let reset = tcp_reset(&request).unwrap();
        let Some(Transport::Tcp(tcp)) = reset.transport else { panic!("not TCP") };
        assert_eq!((tcp.sport, tcp.dport), (8080, 0x9a38));
        assert_eq!(tcp.ack_num, 0x58d4_8106 + 1);
        assert_eq!(tcp.flags, 0x014);
    }
}
