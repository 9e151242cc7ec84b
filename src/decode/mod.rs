//! A borrowed, lazy view of one captured packet.
//!
//! [`Packet::new`] costs nothing; the layers are taken apart (with etherparse's lax
//! slicing) the first time anyone asks for them, and the DNS, HTTP and TLS fields only
//! when asked for themselves. Nothing is copied out of the frame.
//!
//! # No panics
//!
//! Every read is bounds-checked: a packet of any length and any content decodes as far as
//! its bytes go. A header cut short is recorded in [`Layers::cut`] and the packet is
//! [`Packet::truncated`]; nothing about a packet is an error.
//!
//! Fields describe the outermost IP header and the transport header right after it, as
//! Suricata's EVE does; tunnels and the packets quoted inside ICMP errors are not unwrapped.

pub mod answers;
pub mod build;
pub mod dns;
pub mod dns_message;
pub mod edit;
pub mod http;
pub mod link;
pub mod radiotap;
pub mod reply;
pub mod summary;
pub mod tcp_seq;
pub mod tls;
pub mod wifi;

use std::cell::OnceCell;

use arrayvec::ArrayVec;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use etherparse::{
    ArpPacketSlice, EtherType, Ethernet2Slice, Icmpv4Slice, Icmpv6Slice, LaxIpSlice,
    LaxLinkExtSlice, LaxNetSlice, LaxSlicedPacket, TcpSlice, TransportSlice, UdpSlice, err,
};

use crate::source::{Frame, LinkType};
use link::{CookedHeader, Next};

/// The layer a packet's bytes ran out in, named as tcpdump names it in ` [|name]`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Layer {
    Link,
    Vlan,
    Mpls,
    Arp,
    Ip,
    Ip6,
    Tcp,
    Udp,
    Icmp,
    Icmp6,
    Other,
}

impl Layer {
    /// The short name tcpdump uses for the layer.
    pub fn name(self) -> &'static str {
        match self {
            Layer::Link => "ether",
            Layer::Vlan => "vlan",
            Layer::Mpls => "mpls",
            Layer::Arp => "arp",
            Layer::Ip => "ip",
            Layer::Ip6 => "ip6",
            Layer::Tcp => "tcp",
            Layer::Udp => "udp",
            Layer::Icmp => "icmp",
            Layer::Icmp6 => "icmp6",
            Layer::Other => "data",
        }
    }
}

/// One 802.1Q tag.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct VlanTag {
    pub id: u16,
    pub pcp: u8,
}

/// The transport header after the outermost IP header.
#[derive(Clone, Debug)]
pub enum Transport<'a> {
    None,
    Tcp(TcpSlice<'a>),
    Udp(UdpSlice<'a>),
    Icmpv4(Icmpv4Slice<'a>),
    Icmpv6(Icmpv6Slice<'a>),
    /// A header that could not be read whole (cut short, or a TCP data offset below 5):
    /// its protocol and the bytes that are there, for the fields they still hold.
    Partial {
        proto: u8,
        bytes: &'a [u8],
    },
}

/// The layers of a packet, as far as its bytes go.
#[derive(Clone, Debug)]
pub struct Layers<'a> {
    pub eth: Option<Ethernet2Slice<'a>>,
    pub cooked: Option<CookedHeader>,
    /// 802.1Q / 802.1ad tags, outer first.
    pub vlans: ArrayVec<VlanTag, 3>,
    pub mpls_labels: usize,
    /// The ethertype after the link header and any tags.
    pub ether_type: Option<u16>,
    pub arp: Option<ArpPacketSlice<'a>>,
    pub ip: Option<LaxIpSlice<'a>>,
    /// Where an IP or ARP header the capture cut short before its end starts (`cut` says
    /// which): its bytes still hold fields, which Wireshark and tcpdump show.
    pub network_cut: Option<u32>,
    pub transport: Transport<'a>,
    /// Where the bytes ran out before a header ended.
    pub cut: Option<Layer>,
    /// True when the IP header's length claims more than was captured.
    pub ip_incomplete: bool,
}

impl Layers<'_> {
    fn empty() -> Self {
        Layers {
            eth: None,
            cooked: None,
            vlans: ArrayVec::new(),
            mpls_labels: 0,
            ether_type: None,
            arp: None,
            ip: None,
            network_cut: None,
            transport: Transport::None,
            cut: None,
            ip_incomplete: false,
        }
    }
}

/// One packet: its frame and, once asked for, its layers.
pub struct Packet<'a> {
    frame: Frame<'a>,
    layers: OnceCell<Layers<'a>>,
}

impl<'a> Packet<'a> {
    /// Wraps a frame; no decoding happens until a field is read.
    pub fn new(frame: Frame<'a>) -> Packet<'a> {
        Packet { frame, layers: OnceCell::new() }
    }

    /// The frame this view reads.
    pub fn frame(&self) -> &Frame<'a> {
        &self.frame
    }

    /// The layers, decoded on first use.
    pub fn layers(&self) -> &Layers<'a> {
        self.layers.get_or_init(|| decode(&self.frame))
    }

    /// True when the capture holds less than the packet: a header, or the payload an IP
    /// length promises, is missing.
    pub fn truncated(&self) -> bool {
        let l = self.layers();
        (self.frame.data.len() as u64) < u64::from(self.frame.orig_len)
            || l.cut.is_some()
            || l.ip_incomplete
    }

    /// The outermost IP source address, or an ARP sender's.
    pub fn src_ip(&self) -> Option<IpAddr> {
        let l = self.layers();
        if let Some(ip) = &l.ip {
            return Some(ip.source_addr());
        }
        self.address_without_ip(CutField::Source)
    }

    /// The outermost IP destination address, or an ARP target's.
    pub fn dst_ip(&self) -> Option<IpAddr> {
        let l = self.layers();
        if let Some(ip) = &l.ip {
            return Some(ip.destination_addr());
        }
        self.address_without_ip(CutField::Destination)
    }

    /// An ARP sender's or target's address, or a cut-short IP header's: the slow path of
    /// [`Packet::src_ip`] and [`Packet::dst_ip`], out of their way.
    #[inline(never)]
    fn address_without_ip(&self, field: CutField) -> Option<IpAddr> {
        match (self.arp(), field) {
            (Some(arp), CutField::Source) => arp_addr(arp.sender_proto),
            (Some(arp), CutField::Destination) => arp_addr(arp.target_proto),
            (None, _) => self.ip_cut().and_then(|h| cut_ip_field(h, field)),
        }
    }

    /// A byte of a cut-short IP header (at `v4` in IPv4's, `v6` in IPv6's), out of the
    /// way of the whole headers' path.
    #[inline(never)]
    fn cut_ip_byte(&self, v4: usize, v6: usize) -> Option<u8> {
        self.ip_cut().and_then(|h| cut_ip_byte(h, v4, v6))
    }

    /// The bytes of an IP header the capture cut short.
    fn ip_cut(&self) -> Option<&'a [u8]> {
        let l = self.layers();
        let at = l.network_cut.filter(|_| matches!(l.cut, Some(Layer::Ip | Layer::Ip6)))?;
        self.frame.data.get(at as usize..)
    }

    /// The 802.11 frame (and radiotap header) of a Wi-Fi capture. Read again when asked
    /// for rather than kept with the layers, which every other packet then moves smaller.
    pub fn wifi(&self) -> Option<wifi::Wifi<'a>> {
        let radiotap = match self.frame.link {
            LinkType::IEEE802_11_RADIOTAP => true,
            LinkType::IEEE802_11 => false,
            _ => return None,
        };
        Some(wifi::parse(self.frame.data, self.frame.orig_len, radiotap))
    }

    /// The ARP packet's fields, of a whole packet or of one cut short after its fixed
    /// 8-byte header (addresses the capture cut off are empty).
    pub fn arp(&self) -> Option<ArpFields<'_>> {
        let l = self.layers();
        if let Some(arp) = &l.arp {
            return Some(ArpFields {
                operation: arp.operation().0,
                sender_hw: arp.sender_hw_addr(),
                sender_proto: arp.sender_protocol_addr(),
                target_hw: arp.target_hw_addr(),
                target_proto: arp.target_protocol_addr(),
            });
        }
        let at = l.network_cut.filter(|_| l.cut == Some(Layer::Arp))?;
        let bytes = self.frame.data.get(at as usize..)?;
        let fixed = bytes.get(..8)?;
        let (hw, proto) = (usize::from(fixed[4]), usize::from(fixed[5]));
        let mut at = 8;
        let mut take = |len: usize| {
            let field = bytes.get(at..at + len).unwrap_or_default();
            at += len;
            field
        };
        Some(ArpFields {
            operation: u16::from_be_bytes([fixed[6], fixed[7]]),
            sender_hw: take(hw),
            sender_proto: take(proto),
            target_hw: take(hw),
            target_proto: take(proto),
        })
    }

    /// The IP protocol number after any IPv6 extension headers (of a header cut short,
    /// the one it names).
    pub fn ip_proto(&self) -> Option<u8> {
        let l = self.layers();
        match &l.ip {
            Some(ip) => Some(ip.payload().ip_number.0),
            None => self.cut_ip_byte(9, 6),
        }
    }

    /// Source and destination ports of a TCP or UDP header, even one cut short.
    pub fn ports(&self) -> Option<(u16, u16)> {
        match &self.layers().transport {
            Transport::Tcp(t) => Some((t.source_port(), t.destination_port())),
            Transport::Udp(u) => Some((u.source_port(), u.destination_port())),
            Transport::Partial { proto: 6 | 17, bytes } if bytes.len() >= 4 => Some((
                u16::from_be_bytes([bytes[0], bytes[1]]),
                u16::from_be_bytes([bytes[2], bytes[3]]),
            )),
            _ => None,
        }
    }

    /// The protocol as EVE names it: `TCP`, `UDP`, `ICMP`, `IPv6-ICMP`, `ARP`, or the IP
    /// protocol number as text.
    pub fn proto_name(&self) -> Option<ProtoName> {
        let l = self.layers();
        let proto = match &l.ip {
            Some(ip) => ip.payload().ip_number.0,
            None => return self.proto_name_without_ip(),
        };
        Some(ProtoName::from_number(proto))
    }

    /// ARP's name, or the protocol a cut-short IP header names: the slow path of
    /// [`Packet::proto_name`].
    #[inline(never)]
    fn proto_name_without_ip(&self) -> Option<ProtoName> {
        let l = self.layers();
        if l.arp.is_some() || (l.cut == Some(Layer::Arp) && l.network_cut.is_some()) {
            return Some(ProtoName::Named("ARP"));
        }
        let proto = self.ip_cut().and_then(|h| cut_ip_byte(h, 9, 6))?;
        Some(ProtoName::from_number(proto))
    }

    /// The IPv4 TTL or IPv6 hop limit.
    pub fn ip_ttl(&self) -> Option<u8> {
        let l = self.layers();
        match &l.ip {
            Some(LaxIpSlice::Ipv4(v4)) => Some(v4.header().ttl()),
            Some(LaxIpSlice::Ipv6(v6)) => Some(v6.header().hop_limit()),
            None => self.cut_ip_byte(8, 7),
        }
    }

    /// TCP's 12 flag bits (with the reserved and AE bits), even from a header cut short.
    pub fn tcp_flags(&self) -> Option<u16> {
        match &self.layers().transport {
            Transport::Tcp(t) => Some(tcp_flags_of(t.slice())),
            Transport::Partial { proto: 6, bytes } if bytes.len() >= 20 => {
                Some(tcp_flags_of(bytes))
            }
            _ => None,
        }
    }

    /// TCP's sequence number, even from a header cut short.
    pub fn tcp_seq(&self) -> Option<u32> {
        match &self.layers().transport {
            Transport::Tcp(t) => Some(t.sequence_number()),
            Transport::Partial { proto: 6, bytes } if bytes.len() >= 20 => {
                Some(u32::from_be_bytes([bytes[4], bytes[5], bytes[6], bytes[7]]))
            }
            _ => None,
        }
    }

    /// ICMP or ICMPv6 type and code (code absent when only the type byte was captured).
    pub fn icmp_type_code(&self) -> Option<(u8, Option<u8>)> {
        match &self.layers().transport {
            Transport::Icmpv4(i) => Some((i.type_u8(), Some(i.code_u8()))),
            Transport::Icmpv6(i) => Some((i.type_u8(), Some(i.code_u8()))),
            Transport::Partial { proto: 1 | 58, bytes } => {
                bytes.first().map(|&t| (t, bytes.get(1).copied()))
            }
            _ => None,
        }
    }

    /// The transport payload: after the TCP or UDP header, or after ICMP's 8 bytes.
    pub fn payload(&self) -> &'a [u8] {
        match &self.layers().transport {
            Transport::Tcp(t) => t.payload(),
            Transport::Udp(u) => u.payload(),
            Transport::Icmpv4(i) => i.payload(),
            Transport::Icmpv6(i) => i.payload(),
            Transport::Partial { .. } | Transport::None => &[],
        }
    }

    /// The first question of a DNS message on port 53 or 5353 (UDP, or TCP with its
    /// length prefix).
    pub fn dns(&self) -> Option<dns::DnsQuestion> {
        dns::parse(self.dns_message()?)
    }

    /// The DNS message a packet on port 53 or 5353 carries, without TCP's length prefix.
    pub fn dns_message(&self) -> Option<&'a [u8]> {
        let (sport, dport) = self.ports()?;
        if !dns::is_dns_port(sport) && !dns::is_dns_port(dport) {
            return None;
        }
        match &self.layers().transport {
            Transport::Udp(u) => Some(u.payload()),
            // RFC 1035 §4.2.2: a two-byte length before each message.
            Transport::Tcp(t) => t.payload().get(2..),
            _ => None,
        }
    }

    /// An HTTP request starting in this packet: over TCP, or SSDP over UDP port 1900.
    pub fn http(&self) -> Option<http::HttpRequest<'a>> {
        match &self.layers().transport {
            Transport::Tcp(t) => http::parse(t.payload()),
            Transport::Udp(u) if u.destination_port() == 1900 => http::parse(u.payload()),
            _ => None,
        }
    }

    /// The server name of a TLS ClientHello starting in this packet.
    pub fn tls_sni(&self) -> Option<&'a str> {
        match &self.layers().transport {
            Transport::Tcp(t) => tls::client_hello_sni(t.payload()),
            _ => None,
        }
    }
}

/// An ARP packet's fields (RFC 826), of any address sizes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ArpFields<'a> {
    pub operation: u16,
    pub sender_hw: &'a [u8],
    pub sender_proto: &'a [u8],
    pub target_hw: &'a [u8],
    pub target_proto: &'a [u8],
}

/// How EVE's `proto` names a protocol.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProtoName {
    Named(&'static str),
    Number(u8),
}

impl ProtoName {
    fn from_number(proto: u8) -> ProtoName {
        match proto {
            6 => ProtoName::Named("TCP"),
            17 => ProtoName::Named("UDP"),
            1 => ProtoName::Named("ICMP"),
            58 => ProtoName::Named("IPv6-ICMP"),
            n => ProtoName::Number(n),
        }
    }
}

fn tcp_flags_of(header: &[u8]) -> u16 {
    // RFC 9293 §3.1 with RFC 3168 / RFC 9768: 4 bits offset, 12 bits flags (AE first).
    u16::from_be_bytes([header[12], header[13]]) & 0x0fff
}

#[derive(Clone, Copy)]
enum CutField {
    Source,
    Destination,
}

/// An address of an IP header cut short, when its bytes were captured.
fn cut_ip_field(header: &[u8], field: CutField) -> Option<IpAddr> {
    let (v4, v6) = match field {
        CutField::Source => (12, 8),
        CutField::Destination => (16, 24),
    };
    match header.first()? >> 4 {
        4 => arp_addr(header.get(v4..v4 + 4)?),
        6 => arp_addr(header.get(v6..v6 + 16)?),
        _ => None,
    }
}

/// A byte of an IP header cut short: at `v4` in IPv4's, at `v6` in IPv6's.
fn cut_ip_byte(header: &[u8], v4: usize, v6: usize) -> Option<u8> {
    match header.first()? >> 4 {
        4 => header.get(v4).copied(),
        6 => header.get(v6).copied(),
        _ => None,
    }
}

fn arp_addr(bytes: &[u8]) -> Option<IpAddr> {
    match bytes.len() {
        4 => Some(IpAddr::V4(Ipv4Addr::new(bytes[0], bytes[1], bytes[2], bytes[3]))),
        16 => {
            let mut a = [0u8; 16];
            a.copy_from_slice(bytes);
            Some(IpAddr::V6(Ipv6Addr::from(a)))
        }
        _ => None,
    }
}

/// Takes a frame apart into its layers.
fn decode<'a>(frame: &Frame<'a>) -> Layers<'a> {
    // Filled in place and returned once: the layers are large, and every early return of
    // a value would be one more copy of them on every packet.
    let mut layers = Layers::empty();
    decode_into(&mut layers, frame);
    layers
}

fn decode_into<'a>(layers: &mut Layers<'a>, frame: &Frame<'a>) {
    let mut data = frame.data;
    let (next, cooked) = match frame.link {
        LinkType::IEEE802_11 | LinkType::IEEE802_11_RADIOTAP => {
            let radiotap = frame.link == LinkType::IEEE802_11_RADIOTAP;
            let wifi = wifi::parse(data, frame.orig_len, radiotap);
            let next = match wifi.payload {
                Some((ether_type, offset)) => Next::EtherType { ether_type, offset },
                None if wifi.cut => Next::Short,
                None => Next::Opaque,
            };
            // The FCS is not part of what the payload carries.
            data = data.get(..wifi.end).unwrap_or(data);
            (next, None)
        }
        _ => link::classify(frame.link, data),
    };
    layers.cooked = cooked;
    let (sliced, network_start) = match next {
        Next::Opaque => return,
        Next::Short => {
            layers.cut = Some(Layer::Link);
            return;
        }
        Next::Ethernet => match LaxSlicedPacket::from_ethernet(data) {
            Ok(s) => (s, 14),
            Err(_) => {
                layers.cut = Some(Layer::Link);
                return;
            }
        },
        Next::EtherType { ether_type, offset } => {
            let rest = data.get(offset..).unwrap_or_default();
            (LaxSlicedPacket::from_ether_type(EtherType(ether_type), rest), offset)
        }
    };
    absorb(layers, sliced);
    let mut network = network_start + 4 * layers.vlans.len();
    let mut ether_type = layers.ether_type;
    // Vendor headers (NSH, Arista's), possibly nested a few deep.
    for _ in 0..4 {
        let Some(shim) = ether_type.and_then(|t| link::shim(t, data, network)) else { break };
        let (inner, start) = match shim {
            link::Shim::Short => {
                layers.cut = Some(Layer::Other);
                return;
            }
            link::Shim::EtherType { ether_type, offset } => {
                let rest = data.get(offset..).unwrap_or_default();
                (LaxSlicedPacket::from_ether_type(EtherType(ether_type), rest), offset)
            }
            link::Shim::Ethernet { offset } => {
                let rest = data.get(offset..).unwrap_or_default();
                match LaxSlicedPacket::from_ethernet(rest) {
                    Ok(s) => (s, offset + 14),
                    Err(_) => {
                        layers.cut = Some(Layer::Link);
                        return;
                    }
                }
            }
        };
        let tags_before = layers.vlans.len();
        ether_type = nest(layers, inner);
        network = start + 4 * (layers.vlans.len() - tags_before);
    }
    let cut_network = matches!(layers.cut, Some(Layer::Ip | Layer::Ip6) | Some(Layer::Arp));
    if layers.ip.is_none() && layers.arp.is_none() && cut_network {
        layers.network_cut = Some(network as u32);
    }
    if ether_type.is_some_and(link::is_mpls) {
        mpls(layers, data, network);
    }
}

/// Decodes a packet carried inside this one's link layer (after a vendor header or an
/// MPLS stack): its network and transport layers replace the outer ones, while the
/// outer link header and ethertype stay, and its VLAN tags follow the outer tags.
/// Returns the inner payload's ethertype.
fn nest<'a>(layers: &mut Layers<'a>, inner: LaxSlicedPacket<'a>) -> Option<u16> {
    let (eth, mut vlans, outer_type) =
        (layers.eth.take(), std::mem::take(&mut layers.vlans), layers.ether_type);
    absorb(layers, inner);
    let inner_type = layers.ether_type;
    for tag in &layers.vlans {
        let _ = vlans.try_push(*tag);
    }
    layers.eth = eth;
    layers.vlans = vlans;
    layers.ether_type = outer_type;
    inner_type
}

/// Copies what etherparse found into `layers`.
fn absorb<'a>(layers: &mut Layers<'a>, sliced: LaxSlicedPacket<'a>) {
    if let Some(etherparse::LinkSlice::Ethernet2(eth)) = &sliced.link {
        layers.eth = Some(eth.clone());
    }
    for ext in &sliced.link_exts {
        if let LaxLinkExtSlice::Vlan(v) = ext {
            let tag =
                VlanTag { id: v.vlan_identifier().value(), pcp: v.priority_code_point().value() };
            // etherparse holds at most as many tags as `vlans` does.
            let _ = layers.vlans.try_push(tag);
        }
    }
    layers.ether_type = sliced.ether_payload().map(|p| p.ether_type.0);
    match sliced.net {
        Some(LaxNetSlice::Arp(arp)) => layers.arp = Some(arp),
        Some(LaxNetSlice::Ipv4(v4)) => layers.ip = Some(LaxIpSlice::Ipv4(v4)),
        Some(LaxNetSlice::Ipv6(v6)) => layers.ip = Some(LaxIpSlice::Ipv6(v6)),
        None => {}
    }
    // etherparse picks the IP version from the header's first nibble; a header whose
    // version contradicts its ethertype (or link type) is not that protocol at all.
    let version_mismatch = matches!(
        (&layers.ip, layers.ether_type),
        (Some(LaxIpSlice::Ipv4(_)), Some(0x86dd)) | (Some(LaxIpSlice::Ipv6(_)), Some(0x0800))
    );
    if version_mismatch {
        layers.ip = None;
        return;
    }
    if let Some(ip) = &layers.ip {
        layers.ip_incomplete = ip.payload().incomplete;
    }
    layers.transport = match sliced.transport {
        Some(TransportSlice::Tcp(t)) => Transport::Tcp(t),
        Some(TransportSlice::Udp(u)) => Transport::Udp(u),
        Some(TransportSlice::Icmpv4(i)) => Transport::Icmpv4(i),
        Some(TransportSlice::Icmpv6(i)) => Transport::Icmpv6(i),
        _ => Transport::None,
    };
    if sliced.stop_err.is_none() {
        first_fragment(layers);
    }
    if let Some((error, layer)) = &sliced.stop_err {
        stopped(layers, error, *layer);
    }
}

/// Records where etherparse ran out of bytes, and keeps a transport header it gave up on.
fn stopped(layers: &mut Layers<'_>, error: &err::packet::SliceError, layer: err::Layer) {
    use err::Layer as L;
    let ours = match layer {
        L::Ethernet2Header => Layer::Link,
        L::VlanHeader => Layer::Vlan,
        L::Arp => Layer::Arp,
        // An IP header cut short leaves etherparse with no IP layer; the ethertype says which.
        L::Ipv4Header | L::IpHeader if layers.ether_type == Some(0x86dd) => Layer::Ip6,
        L::Ipv4Header | L::IpHeader => Layer::Ip,
        L::Ipv6Header
        | L::Ipv6ExtHeader
        | L::Ipv6FragHeader
        | L::Ipv6RouteHeader
        | L::Ipv6HopByHopHeader
        | L::Ipv6DestOptionsHeader => Layer::Ip6,
        L::TcpHeader => Layer::Tcp,
        L::UdpHeader => Layer::Udp,
        L::Icmpv4 | L::Icmpv4Timestamp | L::Icmpv4TimestampReply => Layer::Icmp,
        L::Icmpv6 => Layer::Icmp6,
        _ => Layer::Other,
    };
    if matches!(error, err::packet::SliceError::Len(_)) {
        layers.cut = Some(ours);
    }
    if matches!(ours, Layer::Tcp | Layer::Udp | Layer::Icmp | Layer::Icmp6) {
        if let Some(ip) = &layers.ip {
            let payload = ip.payload();
            if !payload.fragmented {
                layers.transport =
                    Transport::Partial { proto: payload.ip_number.0, bytes: payload.payload };
            }
        }
    }
}

/// Decodes the transport header at the start of a first fragment (offset 0), as tcpdump
/// and Wireshark do when they cannot reassemble; later fragments carry no header.
fn first_fragment(layers: &mut Layers<'_>) {
    let Some(ip) = &layers.ip else { return };
    let payload = ip.payload();
    if !payload.fragmented || fragment_offset(ip) != 0 {
        return;
    }
    let bytes = payload.payload;
    let (transport, cut) = match payload.ip_number.0 {
        6 => match TcpSlice::from_slice(bytes) {
            Ok(t) => (Transport::Tcp(t), None),
            Err(err::tcp::HeaderSliceError::Len(_)) => {
                (Transport::Partial { proto: 6, bytes }, Some(Layer::Tcp))
            }
            Err(_) => (Transport::Partial { proto: 6, bytes }, None),
        },
        17 => match UdpSlice::from_slice_lax(bytes) {
            Ok(u) => (Transport::Udp(u), None),
            Err(_) => (Transport::Partial { proto: 17, bytes }, Some(Layer::Udp)),
        },
        1 => match Icmpv4Slice::from_slice(bytes) {
            Ok(i) => (Transport::Icmpv4(i), None),
            Err(_) => (Transport::Partial { proto: 1, bytes }, Some(Layer::Icmp)),
        },
        58 => match Icmpv6Slice::from_slice(bytes) {
            Ok(i) => (Transport::Icmpv6(i), None),
            Err(_) => (Transport::Partial { proto: 58, bytes }, Some(Layer::Icmp6)),
        },
        _ => return,
    };
    layers.transport = transport;
    layers.cut = layers.cut.or(cut);
}

/// The fragment offset of an IPv4 header or of an IPv6 fragment header, in 8-byte units.
pub fn fragment_offset(ip: &LaxIpSlice<'_>) -> u16 {
    match ip {
        LaxIpSlice::Ipv4(v4) => v4.header().fragments_offset().value(),
        LaxIpSlice::Ipv6(v6) => v6
            .extensions()
            .clone()
            .into_iter()
            .find_map(|ext| match ext {
                etherparse::Ipv6ExtensionSlice::Fragment(f) => Some(f.fragment_offset().value()),
                _ => None,
            })
            .unwrap_or(0),
    }
}

/// Decodes what follows an MPLS label stack that starts at `start`.
fn mpls<'a>(layers: &mut Layers<'a>, data: &'a [u8], start: usize) {
    let (next, labels) = link::mpls(data, start);
    layers.mpls_labels = labels;
    match next {
        Next::EtherType { ether_type, offset } => {
            let rest = data.get(offset..).unwrap_or_default();
            nest(layers, LaxSlicedPacket::from_ether_type(EtherType(ether_type), rest));
            if layers.ip.is_none() && matches!(layers.cut, Some(Layer::Ip | Layer::Ip6)) {
                layers.network_cut = Some(offset as u32);
            }
        }
        _ => layers.cut = Some(Layer::Mpls),
    }
}

#[cfg(test)]
mod tests;
