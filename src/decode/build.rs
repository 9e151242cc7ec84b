//! The owned, editable packet: layers described field by field, emitted as bytes with
//! lengths and checksums worked out, the way a stack would send it.
//!
//! Emitting never panics: every value a [`PacketBuf`] holds fits its field by type, and a
//! payload too large for the IP length field is cut to what fits. A checksum the caller set
//! (`checksum: Some`) is written as set, so bad packets can be made on purpose; every other
//! checksum is computed, the TCP, UDP and ICMPv6 ones over the IP pseudo header (RFC 793
//! §3.1, RFC 768, RFC 8200 §8.1).

use etherparse::{
    ArpHardwareId, ArpOperation, ArpPacket, EtherType, Ethernet2Header, Icmpv4Header, Icmpv4Type,
    Icmpv6Header, Icmpv6Type, IpDscp, IpEcn, IpNumber, Ipv4Header, Ipv6FlowLabel, Ipv6Header,
    SingleVlanHeader, TcpHeader, UdpHeader, VlanId, VlanPcp,
};

use crate::source::LinkType;

/// A packet to emit, outermost layer first.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PacketBuf {
    /// Ethernet; without it the packet starts at its IP header (raw IP).
    pub eth: Option<Eth>,
    /// 802.1Q tags, outermost first.
    pub vlans: Vec<Vlan>,
    pub net: Net,
    pub transport: Option<Transport>,
    pub payload: Vec<u8>,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Eth {
    pub src: [u8; 6],
    pub dst: [u8; 6],
    /// The EtherType after the tags; `None` is the one the next layer calls for.
    pub ether_type: Option<u16>,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Vlan {
    /// 12 bits.
    pub id: u16,
    /// 3 bits.
    pub pcp: u8,
}

/// The network layer.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Net {
    #[default]
    None,
    Arp(Arp),
    Ipv4(Ipv4),
    Ipv6(Ipv6),
}

/// An ARP packet for IPv4 over Ethernet (RFC 826).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Arp {
    pub op: u16,
    pub sender_mac: [u8; 6],
    pub sender_ip: [u8; 4],
    pub target_mac: [u8; 6],
    pub target_ip: [u8; 4],
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Ipv4 {
    pub src: [u8; 4],
    pub dst: [u8; 4],
    pub ttl: u8,
    pub id: u16,
    pub tos: u8,
    pub dont_fragment: bool,
    /// The protocol field; `None` is the transport layer's number.
    pub proto: Option<u8>,
    pub checksum: Option<u16>,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Ipv6 {
    pub src: [u8; 16],
    pub dst: [u8; 16],
    pub hop_limit: u8,
    pub traffic_class: u8,
    /// 20 bits.
    pub flow_label: u32,
    /// The next-header field; `None` is the transport layer's number.
    pub next_header: Option<u8>,
}

/// The transport layer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Transport {
    Tcp(Tcp),
    Udp(Udp),
    /// ICMP over IPv4, ICMPv6 over IPv6.
    Icmp(Icmp),
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Tcp {
    pub sport: u16,
    pub dport: u16,
    pub seq: u32,
    pub ack_num: u32,
    pub window: u16,
    /// The 9 flag bits, FIN as bit 0 (RFC 9293 §3.1).
    pub flags: u16,
    pub checksum: Option<u16>,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Udp {
    pub sport: u16,
    pub dport: u16,
    pub checksum: Option<u16>,
}

/// An ICMP or ICMPv6 message whose second word is an identifier and a sequence number,
/// as echo requests and replies have (RFC 792, RFC 4443 §4).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Icmp {
    pub kind: u8,
    pub code: u8,
    pub id: u16,
    pub seq: u16,
    pub checksum: Option<u16>,
}

impl Transport {
    fn ip_number(&self, ipv6: bool) -> u8 {
        match self {
            Transport::Tcp(_) => 6,
            Transport::Udp(_) => 17,
            Transport::Icmp(_) if ipv6 => 58,
            Transport::Icmp(_) => 1,
        }
    }

    fn header_len(&self) -> usize {
        match self {
            Transport::Tcp(_) => TcpHeader::MIN_LEN,
            Transport::Udp(_) | Transport::Icmp(_) => 8,
        }
    }
}

impl PacketBuf {
    /// Takes an Ethernet frame apart into a packet that can be edited and emitted again;
    /// `None` when it is cut short or carries what `PacketBuf` cannot hold (IP options,
    /// extension headers, tunnels).
    pub fn parse(frame: &[u8]) -> Option<PacketBuf> {
        // Borrowed slices, not etherparse's owned `PacketHeaders`: those hold room for every
        // extension header, kilobytes moved for each packet taken apart.
        use etherparse::{LinkExtSlice, LinkSlice, NetSlice, SlicedPacket, TransportSlice};
        let sliced = SlicedPacket::from_ethernet(frame).ok()?;
        let mut buf = PacketBuf::default();
        if let Some(LinkSlice::Ethernet2(eth)) = &sliced.link {
            buf.eth = Some(Eth { src: eth.source(), dst: eth.destination(), ether_type: None });
        }
        for ext in &sliced.link_exts {
            let LinkExtSlice::Vlan(tag) = ext else { return None };
            buf.vlans.push(Vlan {
                id: tag.vlan_identifier().value(),
                pcp: tag.priority_code_point().value(),
            });
        }
        let mut payload: &[u8] = &[];
        buf.net = match &sliced.net {
            None => Net::None,
            Some(NetSlice::Arp(arp)) => Net::Arp(Arp {
                op: arp.operation().0,
                sender_mac: arp.sender_hw_addr().try_into().ok()?,
                sender_ip: arp.sender_protocol_addr().try_into().ok()?,
                target_mac: arp.target_hw_addr().try_into().ok()?,
                target_ip: arp.target_protocol_addr().try_into().ok()?,
            }),
            Some(NetSlice::Ipv4(v4)) => {
                let ip = v4.header();
                // IP options are left behind: no answer carries the request's.
                if !v4.extensions().is_empty() {
                    return None;
                }
                payload = v4.payload().payload;
                Net::Ipv4(Ipv4 {
                    src: ip.source(),
                    dst: ip.destination(),
                    ttl: ip.ttl(),
                    id: ip.identification(),
                    tos: (ip.dcp().value() << 2) | ip.ecn().value(),
                    dont_fragment: ip.dont_fragment(),
                    proto: Some(ip.protocol().0),
                    checksum: None,
                })
            }
            Some(NetSlice::Ipv6(v6)) => {
                if !v6.extensions().is_empty() {
                    return None;
                }
                let ip = v6.header();
                payload = v6.payload().payload;
                Net::Ipv6(Ipv6 {
                    src: ip.source(),
                    dst: ip.destination(),
                    hop_limit: ip.hop_limit(),
                    traffic_class: ip.traffic_class(),
                    flow_label: ip.flow_label().value(),
                    next_header: Some(ip.next_header().0),
                })
            }
        };
        buf.transport = match &sliced.transport {
            None => None,
            Some(TransportSlice::Tcp(tcp)) => {
                // Options (MSS, SACK, timestamps: on every real SYN) are left behind too;
                // resets and the other answers carry none.
                payload = tcp.payload();
                Some(Transport::Tcp(Tcp {
                    sport: tcp.source_port(),
                    dport: tcp.destination_port(),
                    seq: tcp.sequence_number(),
                    ack_num: tcp.acknowledgment_number(),
                    window: tcp.window_size(),
                    flags: super::tcp_flags_of(tcp.slice()) & 0x1ff,
                    checksum: None,
                }))
            }
            Some(TransportSlice::Udp(udp)) => {
                payload = udp.payload();
                Some(Transport::Udp(Udp {
                    sport: udp.source_port(),
                    dport: udp.destination_port(),
                    checksum: None,
                }))
            }
            Some(TransportSlice::Icmpv4(icmp)) => {
                payload = icmp.payload();
                Some(Transport::Icmp(icmp_of(icmp.slice())))
            }
            Some(TransportSlice::Icmpv6(icmp)) => {
                payload = icmp.payload();
                Some(Transport::Icmp(icmp_of(icmp.slice())))
            }
            Some(TransportSlice::Igmp(_)) => return None,
        };
        buf.payload = payload.to_vec();
        Some(buf)
    }

    /// The link type of the emitted bytes.
    pub fn link(&self) -> LinkType {
        if self.eth.is_some() { LinkType::ETHERNET } else { LinkType::RAW }
    }

    /// The packet as it goes on the wire.
    pub fn emit(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(64 + self.payload.len());
        if let Some(eth) = &self.eth {
            let inner = match self.net {
                Net::Arp(_) => EtherType::ARP.0,
                Net::Ipv4(_) => EtherType::IPV4.0,
                Net::Ipv6(_) => EtherType::IPV6.0,
                Net::None => 0x9000, // Ethernet loopback: a frame with nothing known after it.
            };
            let inner = eth.ether_type.unwrap_or(inner);
            let first = if self.vlans.is_empty() { inner } else { EtherType::VLAN_TAGGED_FRAME.0 };
            let header = Ethernet2Header {
                source: eth.src,
                destination: eth.dst,
                ether_type: EtherType(first),
            };
            out.extend_from_slice(&header.to_bytes());
            for (i, vlan) in self.vlans.iter().enumerate() {
                let next =
                    if i + 1 < self.vlans.len() { EtherType::VLAN_TAGGED_FRAME.0 } else { inner };
                let tag = SingleVlanHeader {
                    pcp: VlanPcp::try_new(vlan.pcp & 7).unwrap_or(VlanPcp::ZERO),
                    drop_eligible_indicator: false,
                    vlan_id: VlanId::try_new(vlan.id & 0xfff).unwrap_or(VlanId::ZERO),
                    ether_type: EtherType(next),
                };
                out.extend_from_slice(&tag.to_bytes());
            }
        }
        match &self.net {
            Net::None => out.extend_from_slice(&self.payload),
            Net::Arp(arp) => emit_arp(&mut out, arp, &self.payload),
            Net::Ipv4(ip) => self.emit_ipv4(&mut out, ip),
            Net::Ipv6(ip) => self.emit_ipv6(&mut out, ip),
        }
        out
    }

    /// The payload, cut to what the IP length field can hold after `headers` bytes.
    fn payload_within(&self, headers: usize) -> &[u8] {
        let room = usize::from(u16::MAX).saturating_sub(headers);
        &self.payload[..self.payload.len().min(room)]
    }

    fn emit_ipv4(&self, out: &mut Vec<u8>, ip: &Ipv4) {
        let transport_len = self.transport.as_ref().map_or(0, Transport::header_len);
        let payload = self.payload_within(Ipv4Header::MIN_LEN + transport_len);
        let proto = ip.proto.unwrap_or_else(|| self.transport.map_or(0xfd, |t| t.ip_number(false)));
        let body_len = (transport_len + payload.len()) as u16;
        let mut header = match Ipv4Header::new(body_len, ip.ttl, IpNumber(proto), ip.src, ip.dst) {
            Ok(header) => header,
            Err(_) => return,
        };
        header.identification = ip.id;
        header.dont_fragment = ip.dont_fragment;
        header.dscp = IpDscp::try_new(ip.tos >> 2).unwrap_or(IpDscp::ZERO);
        header.ecn = IpEcn::try_new(ip.tos & 3).unwrap_or(IpEcn::ZERO);
        header.header_checksum = ip.checksum.unwrap_or_else(|| header.calc_header_checksum());
        out.extend_from_slice(&header.to_bytes());
        let pseudo = Pseudo::V4(ip.src, ip.dst);
        emit_transport(out, self.transport.as_ref(), pseudo, payload);
    }

    fn emit_ipv6(&self, out: &mut Vec<u8>, ip: &Ipv6) {
        let transport_len = self.transport.as_ref().map_or(0, Transport::header_len);
        let payload = self.payload_within(transport_len);
        let next =
            ip.next_header.unwrap_or_else(|| self.transport.map_or(59, |t| t.ip_number(true)));
        let header = Ipv6Header {
            traffic_class: ip.traffic_class,
            flow_label: Ipv6FlowLabel::try_new(ip.flow_label & 0xf_ffff).unwrap_or_default(),
            payload_length: (transport_len + payload.len()) as u16,
            next_header: IpNumber(next),
            hop_limit: ip.hop_limit,
            source: ip.src,
            destination: ip.dst,
        };
        out.extend_from_slice(&header.to_bytes());
        emit_transport(out, self.transport.as_ref(), Pseudo::V6(ip.src, ip.dst), payload);
    }
}

/// An ICMP header's type, code and second word, from its bytes.
fn icmp_of(bytes: &[u8]) -> Icmp {
    let at = |i: usize| bytes.get(i).copied().unwrap_or(0);
    Icmp {
        kind: at(0),
        code: at(1),
        id: u16::from_be_bytes([at(4), at(5)]),
        seq: u16::from_be_bytes([at(6), at(7)]),
        checksum: None,
    }
}

/// The addresses a transport checksum covers.
#[derive(Clone, Copy)]
enum Pseudo {
    V4([u8; 4], [u8; 4]),
    V6([u8; 16], [u8; 16]),
}

fn emit_transport(
    out: &mut Vec<u8>,
    transport: Option<&Transport>,
    pseudo: Pseudo,
    payload: &[u8],
) {
    match transport {
        None => {}
        Some(Transport::Tcp(tcp)) => {
            let mut header = TcpHeader::new(tcp.sport, tcp.dport, tcp.seq, tcp.window);
            header.acknowledgment_number = tcp.ack_num;
            let bit = |n: u16| tcp.flags & (1 << n) != 0;
            (header.fin, header.syn, header.rst, header.psh) = (bit(0), bit(1), bit(2), bit(3));
            (header.ack, header.urg, header.ece, header.cwr, header.ns) =
                (bit(4), bit(5), bit(6), bit(7), bit(8));
            let computed = match pseudo {
                Pseudo::V4(src, dst) => header.calc_checksum_ipv4_raw(src, dst, payload),
                Pseudo::V6(src, dst) => header.calc_checksum_ipv6_raw(src, dst, payload),
            };
            header.checksum = tcp.checksum.unwrap_or_else(|| computed.unwrap_or(0));
            out.extend_from_slice(&header.to_bytes());
        }
        Some(Transport::Udp(udp)) => {
            let mut header = UdpHeader {
                source_port: udp.sport,
                destination_port: udp.dport,
                length: (UdpHeader::LEN + payload.len()) as u16,
                checksum: 0,
            };
            let computed = match pseudo {
                Pseudo::V4(src, dst) => header.calc_checksum_ipv4_raw(src, dst, payload),
                Pseudo::V6(src, dst) => header.calc_checksum_ipv6_raw(src, dst, payload),
            };
            header.checksum = udp.checksum.unwrap_or_else(|| computed.unwrap_or(0));
            out.extend_from_slice(&header.to_bytes());
        }
        Some(Transport::Icmp(icmp)) => {
            let [a, b] = icmp.id.to_be_bytes();
            let [c, d] = icmp.seq.to_be_bytes();
            let rest = [a, b, c, d];
            match pseudo {
                Pseudo::V4(..) => {
                    let kind = Icmpv4Type::Unknown {
                        type_u8: icmp.kind,
                        code_u8: icmp.code,
                        bytes5to8: rest,
                    };
                    let mut header = Icmpv4Header::with_checksum(kind, payload);
                    if let Some(checksum) = icmp.checksum {
                        header.checksum = checksum;
                    }
                    out.extend_from_slice(&header.to_bytes());
                }
                Pseudo::V6(src, dst) => {
                    let kind = Icmpv6Type::Unknown {
                        type_u8: icmp.kind,
                        code_u8: icmp.code,
                        bytes5to8: rest,
                    };
                    let mut header = Icmpv6Header::with_checksum(kind, src, dst, payload)
                        .unwrap_or_else(|_| Icmpv6Header::new(kind));
                    if let Some(checksum) = icmp.checksum {
                        header.checksum = checksum;
                    }
                    out.extend_from_slice(&header.to_bytes());
                }
            }
        }
    }
    out.extend_from_slice(payload);
}

fn emit_arp(out: &mut Vec<u8>, arp: &Arp, payload: &[u8]) {
    let packet = ArpPacket::new(
        ArpHardwareId::ETHERNET,
        EtherType::IPV4,
        ArpOperation(arp.op),
        &arp.sender_mac,
        &arp.sender_ip,
        &arp.target_mac,
        &arp.target_ip,
    );
    if let Ok(packet) = packet {
        out.extend_from_slice(&packet.to_bytes());
    }
    out.extend_from_slice(payload);
}

/// A SYN from 198.18.0.7:20 to 198.18.0.1:80 over Ethernet, with Scapy's defaults: the
/// tests' starting point.
#[cfg(test)]
pub(crate) fn test_syn() -> PacketBuf {
    PacketBuf {
        eth: Some(Eth { src: [2, 0, 0, 0, 0, 7], dst: [2, 0, 0, 0, 0, 1], ether_type: None }),
        vlans: vec![],
        net: Net::Ipv4(Ipv4 {
            src: [198, 18, 0, 7],
            dst: [198, 18, 0, 1],
            ttl: 64,
            id: 1,
            ..Ipv4::default()
        }),
        transport: Some(Transport::Tcp(Tcp {
            sport: 20,
            dport: 80,
            window: 8192,
            flags: 0x002,
            ..Tcp::default()
        })),
        payload: vec![],
    }
}
#[cfg(test)]
mod tests {
    use super::*;
    use crate::decode::Packet;
    use crate::source::{Frame, Timestamp};

    /// Scapy 2.8: `bytes(Ether(src="02:00:00:00:00:07", dst="02:00:00:00:00:01") /
    /// IP(src="198.18.0.7", dst="198.18.0.1") / TCP())`.
    static SCAPY_SYN: [u8; 54] = [
        0x02, 0x00, 0x00, 0x00, 0x00, 0x01, 0x02, 0x00, 0x00, 0x00, 0x00, 0x07, 0x08, 0x00, 0x45,
        0x00, 0x00, 0x28, 0x00, 0x01, 0x00, 0x00, 0x40, 0x06, 0xee, 0xa2, 0xc6, 0x12, 0x00, 0x07,
        0xc6, 0x12, 0x00, 0x01, 0x00, 0x14, 0x00, 0x50, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x50, 0x02, 0x20, 0x00, 0x03, 0x52, 0x00, 0x00,
    ];

    #[test]
    fn a_syn_is_emitted_as_scapy_builds_it() {
        assert_eq!(test_syn().emit(), SCAPY_SYN);
    }

    #[test]
    fn a_set_checksum_is_kept_and_a_computed_one_verifies() {
        let mut bad = test_syn();
        if let Some(Transport::Tcp(tcp)) = &mut bad.transport {
            tcp.checksum = Some(0xbeef);
        }
        let bytes = bad.emit();
        assert_eq!(&bytes[50..52], &[0xbe, 0xef]);
        assert_eq!(&bytes[24..26], &SCAPY_SYN[24..26], "the IP checksum is still computed");
    }

    #[test]
    fn every_layer_reads_back_as_built() {
        let mut built = test_syn();
        built.vlans = vec![Vlan { id: 100, pcp: 3 }];
        built.payload = b"hello".to_vec();
        let bytes = built.emit();
        let frame = Frame {
            ts: Timestamp::default(),
            link: LinkType::ETHERNET,
            orig_len: bytes.len() as u32,
            data: &bytes,
            iface: None,
        };
        let pkt = Packet::new(frame);
        assert_eq!(pkt.ports(), Some((20, 80)));
        assert_eq!(bytes.len(), 14 + 4 + 20 + 20 + 5);
        assert_eq!(&bytes[bytes.len() - 5..], b"hello");
    }
}
