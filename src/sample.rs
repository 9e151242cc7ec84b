//! hark's own test data: packets built from scratch with etherparse, and the small lab
//! conversation saved as `examples/sample.pcap`.
//!
//! Everything here is made by hark, so the sample capture and the test captures can be
//! regenerated at will (`cargo run --example make_sample`) and carry no one else's data.
//! Addresses come from 198.18.0.0/15 and 2001:db8::/32, set aside for such use.

use etherparse::{ArpHardwareId, ArpOperation, ArpPacket, EtherType, PacketBuilder};

use crate::source::{LinkType, OwnedFrame, Timestamp};

/// 2026-11-22T10:00:00Z, where the sample's clock starts.
pub const SAMPLE_START: i64 = 1_795_341_600;

/// The lab's client, server and resolver.
pub const CLIENT: [u8; 4] = [198, 18, 0, 7];
pub const SERVER: [u8; 4] = [198, 18, 0, 1];
pub const RESOLVER: [u8; 4] = [198, 18, 0, 53];
pub const ATTACKER: [u8; 4] = [198, 18, 0, 66];
pub const CLIENT_MAC: [u8; 6] = [0x02, 0, 0, 0, 0, 0x07];
pub const SERVER_MAC: [u8; 6] = [0x02, 0, 0, 0, 0, 0x01];
pub const ATTACKER_MAC: [u8; 6] = [0x02, 0, 0, 0, 0, 0x66];
pub const BROADCAST: [u8; 6] = [0xff; 6];

/// TCP flags for [`tcp`], as bits of the flags byte (RFC 9293 §3.1).
pub mod flags {
    pub const FIN: u8 = 0x01;
    pub const SYN: u8 = 0x02;
    pub const RST: u8 = 0x04;
    pub const PSH: u8 = 0x08;
    pub const ACK: u8 = 0x10;
}

/// An Ethernet frame holding IPv4 and TCP with the given flags.
pub fn tcp(
    macs: ([u8; 6], [u8; 6]),
    ips: ([u8; 4], [u8; 4]),
    ports: (u16, u16),
    seq: u32,
    tcp_flags: u8,
    payload: &[u8],
) -> Vec<u8> {
    let mut b = PacketBuilder::ethernet2(macs.0, macs.1)
        .ipv4(ips.0, ips.1, 64)
        .tcp(ports.0, ports.1, seq, 64240);
    if tcp_flags & flags::SYN != 0 {
        b = b.syn();
    }
    if tcp_flags & flags::FIN != 0 {
        b = b.fin();
    }
    if tcp_flags & flags::RST != 0 {
        b = b.rst();
    }
    if tcp_flags & flags::PSH != 0 {
        b = b.psh();
    }
    if tcp_flags & flags::ACK != 0 {
        b = b.ack(seq.wrapping_add(1000));
    }
    let mut out = Vec::with_capacity(b.size(payload.len()));
    // Building can only fail on a payload too large for IPv4, which no caller passes.
    let _ = b.write(&mut out, payload);
    out
}

/// An Ethernet frame holding IPv4 and UDP.
pub fn udp(
    macs: ([u8; 6], [u8; 6]),
    ips: ([u8; 4], [u8; 4]),
    ports: (u16, u16),
    payload: &[u8],
) -> Vec<u8> {
    let b = PacketBuilder::ethernet2(macs.0, macs.1).ipv4(ips.0, ips.1, 64).udp(ports.0, ports.1);
    let mut out = Vec::with_capacity(b.size(payload.len()));
    let _ = b.write(&mut out, payload);
    out
}

/// An Ethernet frame with one 802.1Q tag holding IPv4 and UDP.
pub fn vlan_udp(
    vlan: u16,
    macs: ([u8; 6], [u8; 6]),
    ips: ([u8; 4], [u8; 4]),
    ports: (u16, u16),
    payload: &[u8],
) -> Vec<u8> {
    let id = etherparse::VlanId::try_new(vlan & 0x0fff).unwrap_or(etherparse::VlanId::ZERO);
    let b = PacketBuilder::ethernet2(macs.0, macs.1)
        .single_vlan(id)
        .ipv4(ips.0, ips.1, 64)
        .udp(ports.0, ports.1);
    let mut out = Vec::with_capacity(b.size(payload.len()));
    let _ = b.write(&mut out, payload);
    out
}

/// An ICMP echo request (`reply == false`) or reply over IPv4 on Ethernet.
pub fn icmp_echo(
    macs: ([u8; 6], [u8; 6]),
    ips: ([u8; 4], [u8; 4]),
    id: u16,
    seq: u16,
    reply: bool,
) -> Vec<u8> {
    let step = PacketBuilder::ethernet2(macs.0, macs.1).ipv4(ips.0, ips.1, 64);
    let b = if reply { step.icmpv4_echo_reply(id, seq) } else { step.icmpv4_echo_request(id, seq) };
    let payload = [0x61u8; 56];
    let mut out = Vec::with_capacity(b.size(payload.len()));
    let _ = b.write(&mut out, &payload);
    out
}

/// An ICMPv6 echo request over IPv6 on Ethernet.
pub fn icmp6_echo(
    macs: ([u8; 6], [u8; 6]),
    ips: ([u8; 16], [u8; 16]),
    id: u16,
    seq: u16,
) -> Vec<u8> {
    let b = PacketBuilder::ethernet2(macs.0, macs.1)
        .ipv6(ips.0, ips.1, 64)
        .icmpv6_echo_request(id, seq);
    let payload = [0x62u8; 32];
    let mut out = Vec::with_capacity(b.size(payload.len()));
    let _ = b.write(&mut out, &payload);
    out
}

/// An ARP request (`op` 1) or reply (`op` 2) for IPv4 over Ethernet.
pub fn arp(
    macs: ([u8; 6], [u8; 6]),
    op: u16,
    sender: ([u8; 6], [u8; 4]),
    target: ([u8; 6], [u8; 4]),
) -> Vec<u8> {
    let Ok(packet) = ArpPacket::new(
        ArpHardwareId::ETHERNET,
        EtherType::IPV4,
        ArpOperation(op),
        &sender.0,
        &sender.1,
        &target.0,
        &target.1,
    ) else {
        return Vec::new();
    };
    let b = PacketBuilder::ethernet2(macs.0, macs.1).arp(packet);
    let mut out = Vec::with_capacity(b.size());
    let _ = b.write(&mut out);
    out
}

/// A DNS message with one question for `name`, type A, and (for a response) one answer.
pub fn dns_message(id: u16, name: &str, answer: Option<[u8; 4]>) -> Vec<u8> {
    let mut m = Vec::new();
    m.extend_from_slice(&id.to_be_bytes());
    m.extend_from_slice(if answer.is_some() { &[0x81, 0x80] } else { &[0x01, 0x00] });
    m.extend_from_slice(&[0, 1, 0, u8::from(answer.is_some()), 0, 0, 0, 0]);
    for label in name.split('.').filter(|l| !l.is_empty()) {
        m.push(label.len() as u8);
        m.extend_from_slice(label.as_bytes());
    }
    m.extend_from_slice(&[0, 0, 1, 0, 1]);
    if let Some(addr) = answer {
        // A pointer to the question's name (offset 12), type A, class IN, TTL 60.
        m.extend_from_slice(&[0xc0, 12, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4]);
        m.extend_from_slice(&addr);
    }
    m
}

/// A TLS 1.3 ClientHello record naming `server`, with one cipher suite and SNI only.
pub fn client_hello(server: &str) -> Vec<u8> {
    let name = server.as_bytes();
    let mut sni = Vec::new();
    sni.extend_from_slice(&((name.len() + 3) as u16).to_be_bytes());
    sni.push(0);
    sni.extend_from_slice(&(name.len() as u16).to_be_bytes());
    sni.extend_from_slice(name);
    let mut extensions = vec![0, 0];
    extensions.extend_from_slice(&(sni.len() as u16).to_be_bytes());
    extensions.extend(sni);
    let mut body = vec![3, 3];
    body.extend_from_slice(&[0x5a; 32]);
    body.extend_from_slice(&[0, 0, 2, 0x13, 0x01, 1, 0]);
    body.extend_from_slice(&(extensions.len() as u16).to_be_bytes());
    body.extend(extensions);
    let mut handshake = vec![1, 0];
    handshake.extend_from_slice(&(body.len() as u16).to_be_bytes());
    handshake.extend(body);
    let mut record = vec![22, 3, 1];
    record.extend_from_slice(&(handshake.len() as u16).to_be_bytes());
    record.extend(handshake);
    record
}

/// Wraps bytes as an Ethernet frame at `secs` + `micros`, optionally cut to `caplen`.
pub fn frame(secs: i64, micros: u32, data: Vec<u8>, caplen: Option<usize>) -> OwnedFrame {
    let orig_len = data.len() as u32;
    let mut data = data;
    if let Some(cut) = caplen {
        data.truncate(cut);
    }
    let ts =
        Timestamp { secs: secs + i64::from(micros / 1_000_000), nanos: micros % 1_000_000 * 1000 };
    OwnedFrame { ts, link: LinkType::ETHERNET, orig_len, data }
}

/// The packets of `examples/sample.pcap`: a client's ARP, DNS, HTTP, TLS and ping, an
/// IPv6 ping, an mDNS query on VLAN 10, one packet cut short, and a burst of SSH SYNs.
pub fn lab_conversation() -> Vec<OwnedFrame> {
    use flags::*;
    let t = SAMPLE_START;
    let to_server = (CLIENT_MAC, SERVER_MAC);
    let to_client = (SERVER_MAC, CLIENT_MAC);
    let up = (CLIENT, SERVER);
    let down = (SERVER, CLIENT);
    let http_get = b"GET /index.html HTTP/1.1\r\nHost: lab.example\r\nUser-Agent: curl/8.5\r\nAccept: */*\r\n\r\n";
    let http_ok = b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello";
    let mut frames = vec![
        frame(t, 0, arp((CLIENT_MAC, BROADCAST), 1, (CLIENT_MAC, CLIENT), ([0; 6], SERVER)), None),
        frame(t, 310, arp(to_client, 2, (SERVER_MAC, SERVER), (CLIENT_MAC, CLIENT)), None),
        frame(
            t,
            1_020,
            udp(
                to_server,
                (CLIENT, RESOLVER),
                (51000, 53),
                &dns_message(0x1a2b, "lab.example", None),
            ),
            None,
        ),
        frame(
            t,
            1_950,
            udp(
                to_client,
                (RESOLVER, CLIENT),
                (53, 51000),
                &dns_message(0x1a2b, "lab.example", Some(SERVER)),
            ),
            None,
        ),
        frame(t, 2_400, tcp(to_server, up, (51514, 80), 1000, SYN, &[]), None),
        frame(t, 2_650, tcp(to_client, down, (80, 51514), 5000, SYN | ACK, &[]), None),
        frame(t, 2_700, tcp(to_server, up, (51514, 80), 1001, ACK, &[]), None),
        frame(t, 2_800, tcp(to_server, up, (51514, 80), 1001, PSH | ACK, http_get), None),
        frame(t, 3_900, tcp(to_client, down, (80, 51514), 5001, PSH | ACK, http_ok), None),
        frame(t, 4_100, tcp(to_server, up, (51514, 80), 1086, FIN | ACK, &[]), None),
        frame(
            t + 1,
            0,
            tcp(to_server, up, (51600, 443), 7000, PSH | ACK, &client_hello("lab.example")),
            None,
        ),
        frame(t + 1, 500, icmp_echo(to_server, up, 0x4242, 1, false), None),
        frame(t + 1, 800, icmp_echo(to_client, down, 0x4242, 1, true), None),
        frame(
            t + 1,
            900,
            icmp6_echo(
                to_server,
                (
                    [0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 7],
                    [0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1],
                ),
                7,
                1,
            ),
            None,
        ),
        frame(
            t + 2,
            0,
            vlan_udp(
                10,
                (CLIENT_MAC, [0x01, 0, 0x5e, 0, 0, 0xfb]),
                (CLIENT, [224, 0, 0, 251]),
                (5353, 5353),
                &dns_message(0, "printer.local", None),
            ),
            None,
        ),
        frame(t + 2, 200, tcp(to_server, up, (51700, 8080), 9000, RST, &[]), None),
        // The capture kept only the first 40 bytes of this SYN: its TCP header is cut.
        frame(
            t + 2,
            400,
            tcp((ATTACKER_MAC, SERVER_MAC), (ATTACKER, SERVER), (40000, 22), 1, SYN, &[]),
            Some(40),
        ),
    ];
    for i in 0..12u16 {
        let data = tcp(
            (ATTACKER_MAC, SERVER_MAC),
            (ATTACKER, SERVER),
            (40001 + i, 22),
            100 + u32::from(i),
            SYN,
            &[],
        );
        frames.push(frame(t + 3, u32::from(i) * 150_000, data, None));
    }
    frames
}

/// Rewrites an Ethernet/IPv4 frame's IPv4 fragment field (flags and offset).
fn with_fragment(mut data: Vec<u8>, field: u16) -> Vec<u8> {
    if let Some(f) = data.get_mut(20..22) {
        f.copy_from_slice(&field.to_be_bytes());
    }
    data
}

/// Inserts an ethertype-tagged header (a VLAN tag or MPLS label) after the MAC addresses.
fn with_tag(data: &[u8], tpid: u16, tag: &[u8]) -> Vec<u8> {
    let mut out = data[..12].to_vec();
    out.extend_from_slice(&tpid.to_be_bytes());
    out.extend_from_slice(tag);
    out.extend_from_slice(&data[12..]);
    out
}

/// Gives an Ethernet/IPv4 frame four bytes of IPv4 options (NOPs), so its header is 24 long.
fn with_ip_options(data: &[u8]) -> Vec<u8> {
    let mut out = data[..34].to_vec();
    out[14] = 0x46;
    let total = u16::from_be_bytes([out[16], out[17]]).wrapping_add(4);
    out[16..18].copy_from_slice(&total.to_be_bytes());
    out.extend_from_slice(&[1, 1, 1, 1]);
    out.extend_from_slice(&data[34..]);
    out
}

/// An Ethernet/IPv6 frame with one extension header of type `ext` (8 bytes) before `proto`.
fn ipv6_with_extension(ext: u8, proto: u8, extension: [u8; 6], payload: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    out.extend_from_slice(&[0x33, 0x33, 0, 0, 0, 1]);
    out.extend_from_slice(&CLIENT_MAC);
    out.extend_from_slice(&[0x86, 0xdd, 0x60, 0, 0, 0]);
    out.extend_from_slice(&((8 + payload.len()) as u16).to_be_bytes());
    out.extend_from_slice(&[ext, 64]);
    out.extend_from_slice(&[0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 7]);
    out.extend_from_slice(&[0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]);
    out.push(proto);
    out.push(0);
    out.extend_from_slice(&extension);
    out.extend_from_slice(payload);
    out
}

/// A capture of many shapes for holding the filter to tcpdump: the lab conversation plus
/// fragments, IPv4 options, IPv6 extension headers, VLAN and QinQ tags, MPLS, GRE, ICMP
/// errors, multicast, a large frame and a runt.
pub fn filter_mix() -> Vec<OwnedFrame> {
    use flags::*;
    let t = SAMPLE_START + 10;
    let to_server = (CLIENT_MAC, SERVER_MAC);
    let ten = |last: u8| [10, 0, 0, last];
    let udp_frame = udp(to_server, (CLIENT, SERVER), (40000, 5000), &[0x55; 40]);
    let tcp_syn = tcp(to_server, (CLIENT, SERVER), (40001, 6500), 1, SYN, &[]);
    let tcp_frame = |src: [u8; 4], dst: [u8; 4], sport: u16, dport: u16, f: u8| {
        tcp(to_server, (src, dst), (sport, dport), 7, f, &[0x42; 20])
    };
    let mut gre = udp(to_server, (ten(1), ten(2)), (1, 2), &[0; 24]);
    gre[23] = 47;
    let mut unreachable = icmp_echo(to_server, (SERVER, CLIENT), 1, 1, false);
    unreachable[34] = 3;
    unreachable[35] = 3;
    let mut solicit = icmp6_echo(
        ([0x33, 0x33, 0xff, 0, 0, 1], CLIENT_MAC),
        (
            [0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 7],
            [0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0xff, 0, 0, 1],
        ),
        0,
        0,
    );
    solicit[54] = 135;
    let mut data = vec![
        udp_frame.clone(),
        with_fragment(udp_frame.clone(), 0x2000),
        with_fragment(udp_frame.clone(), 0x00b9),
        with_fragment(tcp_syn.clone(), 0x2000),
        with_ip_options(&tcp_frame(CLIENT, SERVER, 40002, 80, PSH | ACK)),
        tcp_frame(ten(1), [192, 168, 1, 11], 40003, 443, SYN),
        tcp_frame(ten(2), [192, 168, 1, 11], 443, 40004, SYN | ACK),
        tcp_frame(ten(3), ten(1), 6000, 7000, FIN | ACK),
        tcp_frame([172, 16, 0, 1], ten(2), 7001, 80, RST),
        tcp_syn.clone(),
        with_tag(&tcp_frame(CLIENT, SERVER, 40005, 22, SYN), 0x8100, &[0x00, 20]),
        with_tag(&with_tag(&udp_frame, 0x8100, &[0x00, 30]), 0x88a8, &[0x20, 0x64]),
        with_tag(&udp_frame, 0x8847, &[0x00, 0x06, 0x41, 64]),
        with_tag(
            &with_tag(&udp_frame, 0x8847, &[0x00, 0x06, 0x41, 64]),
            0x8847,
            &[0x00, 0x0c, 0x80, 64],
        ),
        gre,
        unreachable,
        solicit,
        ipv6_with_extension(0, 6, [1, 4, 0, 0, 0, 0], &tcp_syn[34..]),
        ipv6_with_extension(44, 17, [0, 0, 0, 0, 0, 1], &udp_frame[34..]),
        udp(
            (CLIENT_MAC, [0x01, 0, 0x5e, 0, 0, 0xfb]),
            (CLIENT, [224, 0, 0, 251]),
            (5353, 5353),
            &dns_message(1, "printer.local", None),
        ),
        udp(to_server, (CLIENT, RESOLVER), (53000, 53), &dns_message(7, "big.example", None)),
        tcp_frame(CLIENT, SERVER, 40010, 8080, ACK),
        tcp(to_server, (CLIENT, SERVER), (40011, 80), 9, PSH | ACK, &[0x61; 1446]),
        udp_frame[..10].to_vec(),
        udp_frame[..30].to_vec(),
        tcp_syn[..40].to_vec(),
    ];
    let mut frames = lab_conversation();
    for (i, d) in data.drain(..).enumerate() {
        frames.push(frame(t, i as u32 * 1000, d, None));
    }
    frames
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::decode::Packet;

    #[test]
    fn built_packets_decode_as_built() {
        let frames = lab_conversation();
        let dns = Packet::new(frames[2].as_frame());
        assert_eq!(dns.dns().map(|q| q.qname), Some("lab.example".to_string()));
        let get = Packet::new(frames[7].as_frame());
        assert_eq!(get.http().and_then(|r| r.host), Some("lab.example"));
        let hello = Packet::new(frames[10].as_frame());
        assert_eq!(hello.tls_sni(), Some("lab.example"));
        let vlan = Packet::new(frames[14].as_frame());
        assert_eq!(vlan.layers().vlans.iter().map(|t| t.id).collect::<Vec<_>>(), vec![10]);
        let cut = Packet::new(frames[16].as_frame());
        assert!(cut.truncated());
        assert_eq!(cut.ports(), Some((40000, 22)));
    }
}
