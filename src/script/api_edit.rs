//! Writing a packet's fields: `pkt.ip.ttl = 1`, `pkt.dst = "198.18.0.9"`, `pkt.payload = …`.
//!
//! A write changes the packet's own bytes where the field lies (`decode::edit`); the
//! checksums it spoils are put right when the packet leaves the script, is sent or is
//! written, unless the script set that checksum itself. A layer's fields (`pkt.ip.ttl = 1`)
//! reach [`apply`] through `api_layers`.

use std::fmt;
use std::net::IpAddr;

use arrayvec::ArrayVec;
use rhai::{Blob, Dynamic, Engine, EvalAltResult};

use super::api_build::{parse_mac, tcp_flags};
use super::api_packet::ScriptPacket;
use crate::decode::edit::{self, CutShort, Sums};

/// A value for one field, checked for range when the script wrote it.
#[derive(Clone, Copy, Debug)]
pub enum Field {
    EthSrc([u8; 6]),
    EthDst([u8; 6]),
    ArpOp(u16),
    ArpSenderMac([u8; 6]),
    ArpTargetMac([u8; 6]),
    Src(IpAddr),
    Dst(IpAddr),
    Ttl(u8),
    Tos(u8),
    IpId(u16),
    IpChecksum(u16),
    Sport(u16),
    Dport(u16),
    Seq(u32),
    AckNum(u32),
    Window(u16),
    Flags(u16),
    TcpChecksum(u16),
    UdpChecksum(u16),
    IcmpType(u8),
    IcmpCode(u8),
    IcmpId(u16),
    IcmpSeq(u16),
    IcmpChecksum(u16),
}

impl Field {
    /// The field as a script names it.
    pub(super) fn name(self) -> &'static str {
        match self {
            Field::EthSrc(_) => "eth.src",
            Field::EthDst(_) => "eth.dst",
            Field::ArpOp(_) => "arp.op",
            Field::ArpSenderMac(_) => "arp.sender_mac",
            Field::ArpTargetMac(_) => "arp.target_mac",
            Field::Src(_) => "src",
            Field::Dst(_) => "dst",
            Field::Ttl(_) => "ip.ttl",
            Field::Tos(_) => "ip.tos",
            Field::IpId(_) => "ip.id",
            Field::IpChecksum(_) => "ip.checksum",
            Field::Sport(_) => "sport",
            Field::Dport(_) => "dport",
            Field::Seq(_) => "tcp.seq",
            Field::AckNum(_) => "tcp.ack_num",
            Field::Window(_) => "tcp.window",
            Field::Flags(_) => "tcp.flags",
            Field::TcpChecksum(_) => "tcp.checksum",
            Field::UdpChecksum(_) => "udp.checksum",
            Field::IcmpType(_) => "icmp.type",
            Field::IcmpCode(_) => "icmp.code",
            Field::IcmpId(_) => "icmp.id",
            Field::IcmpSeq(_) => "icmp.seq",
            Field::IcmpChecksum(_) => "icmp.checksum",
        }
    }
}

impl fmt::Display for Field {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mac = |f: &mut fmt::Formatter<'_>, m: &[u8; 6]| {
            let hex: Vec<String> = m.iter().map(|b| format!("{b:02x}")).collect();
            write!(f, "\"{}\"", hex.join(":"))
        };
        match self {
            Field::EthSrc(m)
            | Field::EthDst(m)
            | Field::ArpSenderMac(m)
            | Field::ArpTargetMac(m) => mac(f, m),
            Field::Src(a) | Field::Dst(a) => write!(f, "\"{a}\""),
            Field::Ttl(v) | Field::Tos(v) | Field::IcmpType(v) | Field::IcmpCode(v) => {
                write!(f, "{v}")
            }
            Field::Seq(v) | Field::AckNum(v) => write!(f, "{v}"),
            Field::ArpOp(v)
            | Field::IpId(v)
            | Field::IpChecksum(v)
            | Field::Sport(v)
            | Field::Dport(v)
            | Field::Window(v)
            | Field::Flags(v)
            | Field::TcpChecksum(v)
            | Field::UdpChecksum(v)
            | Field::IcmpId(v)
            | Field::IcmpSeq(v)
            | Field::IcmpChecksum(v) => write!(f, "{v}"),
        }
    }
}

type Outcome = Result<(), Box<EvalAltResult>>;

/// Makes one write on `pkt`'s bytes, or says why it cannot be made.
pub(super) fn apply(pkt: &mut ScriptPacket, field: Field) -> Outcome {
    let failed = |why: &str| -> Box<EvalAltResult> {
        format!("pkt.{} = {field}: {why}", field.name()).into()
    };
    let layout = pkt.layout();
    let ip = layout.ip;
    let l4 = layout.l4;
    let (at, bytes, sums, kept): (usize, ArrayVec<u8, 16>, Sums, Sums) = {
        let none = Sums::default();
        let be16 = |v: u16| ArrayVec::from_iter(v.to_be_bytes());
        let be32 = |v: u32| ArrayVec::from_iter(v.to_be_bytes());
        let byte = |v: u8| ArrayVec::from_iter([v]);
        let mac = |m: [u8; 6]| ArrayVec::from_iter(m);
        let ip4 = || match ip {
            Some(i) if !i.v6 => Ok(i),
            Some(_) => Err(failed("IPv6 has no such field")),
            None => Err(failed("the packet has no IPv4 header")),
        };
        let any_ip = || ip.ok_or_else(|| failed("the packet has no IP header"));
        let l4_of = |kinds: &[edit::L4], what: &str| {
            l4.filter(|l| kinds.contains(&l.kind))
                .ok_or_else(|| failed(&format!("the packet has no {what} header")))
        };
        let tcp = || l4_of(&[edit::L4::Tcp], "TCP");
        let udp = || l4_of(&[edit::L4::Udp], "UDP");
        let ports = || l4_of(&[edit::L4::Tcp, edit::L4::Udp], "TCP or UDP");
        let icmp = || l4_of(&[edit::L4::Icmp, edit::L4::Icmp6], "ICMP or ICMPv6");
        let eth =
            || layout.eth.then_some(0).ok_or_else(|| failed("the packet has no Ethernet header"));
        let arp = || {
            let at = layout.arp.ok_or_else(|| failed("the packet has no ARP header"))?;
            let shape = pkt.bytes().get(at + 4..at + 6);
            if shape != Some(&[6, 4][..]) {
                return Err(failed("only ARP for IPv4 over Ethernet can be changed"));
            }
            Ok(at)
        };
        match field {
            Field::EthSrc(m) => (eth()? + 6, mac(m), none, none),
            Field::EthDst(m) => (eth()?, mac(m), none, none),
            Field::ArpOp(v) => (arp()? + 6, be16(v), none, none),
            Field::ArpSenderMac(m) => (arp()? + 8, mac(m), none, none),
            Field::ArpTargetMac(m) => (arp()? + 18, mac(m), none, none),
            Field::Src(addr) | Field::Dst(addr) => {
                let source = matches!(field, Field::Src(_));
                match (ip, addr) {
                    (Some(i), IpAddr::V4(a)) if !i.v6 => (
                        i.at + if source { 12 } else { 16 },
                        ArrayVec::from_iter(a.octets()),
                        Sums::BOTH,
                        none,
                    ),
                    (Some(i), IpAddr::V6(a)) if i.v6 => (
                        i.at + if source { 8 } else { 24 },
                        ArrayVec::from_iter(a.octets()),
                        Sums::L4,
                        none,
                    ),
                    (Some(i), _) => {
                        let (has, given) = if i.v6 { ("IPv6", "IPv4") } else { ("IPv4", "IPv6") };
                        return Err(failed(&format!(
                            "an {given} address for an {has} packet (build a new packet to change the IP version)"
                        )));
                    }
                    (None, IpAddr::V4(a)) if layout.arp.is_some() => (
                        arp()? + if source { 14 } else { 24 },
                        ArrayVec::from_iter(a.octets()),
                        none,
                        none,
                    ),
                    (None, _) => return Err(failed("the packet has no IP or ARP header")),
                }
            }
            Field::Ttl(v) => {
                let i = any_ip()?;
                (i.at + if i.v6 { 7 } else { 8 }, byte(v), if i.v6 { none } else { Sums::IP }, none)
            }
            Field::Tos(v) => {
                let i = any_ip()?;
                if i.v6 {
                    // The traffic class straddles the first two bytes of an IPv6 header.
                    let head = pkt.bytes().get(i.at..i.at + 2).ok_or_else(|| failed(CUT))?;
                    let first = (head[0] & 0xf0) | (v >> 4);
                    let second = (head[1] & 0x0f) | (v << 4);
                    (i.at, ArrayVec::from_iter([first, second]), none, none)
                } else {
                    (i.at + 1, byte(v), Sums::IP, none)
                }
            }
            Field::IpId(v) => (ip4()?.at + 4, be16(v), Sums::IP, none),
            Field::IpChecksum(v) => (ip4()?.at + 10, be16(v), none, Sums::IP),
            Field::Sport(v) => (ports()?.at, be16(v), Sums::L4, none),
            Field::Dport(v) => (ports()?.at + 2, be16(v), Sums::L4, none),
            Field::Seq(v) => (tcp()?.at + 4, be32(v), Sums::L4, none),
            Field::AckNum(v) => (tcp()?.at + 8, be32(v), Sums::L4, none),
            Field::Window(v) => (tcp()?.at + 14, be16(v), Sums::L4, none),
            Field::Flags(v) => {
                let at = tcp()?.at + 12;
                let offset = pkt.bytes().get(at).ok_or_else(|| failed(CUT))?;
                // The ninth flag (NS/AE) is the low bit of the data-offset byte.
                let high = (offset & 0xfe) | ((v >> 8) as u8 & 1);
                (at, ArrayVec::from_iter([high, v as u8]), Sums::L4, none)
            }
            Field::TcpChecksum(v) => (tcp()?.at + 16, be16(v), none, Sums::L4),
            Field::UdpChecksum(v) => (udp()?.at + 6, be16(v), none, Sums::L4),
            Field::IcmpType(v) => (icmp()?.at, byte(v), Sums::L4, none),
            Field::IcmpCode(v) => (icmp()?.at + 1, byte(v), Sums::L4, none),
            Field::IcmpId(v) => (icmp()?.at + 4, be16(v), Sums::L4, none),
            Field::IcmpSeq(v) => (icmp()?.at + 6, be16(v), Sums::L4, none),
            Field::IcmpChecksum(v) => (icmp()?.at + 2, be16(v), none, Sums::L4),
        }
    };
    if at + bytes.len() > pkt.bytes().len() {
        return Err(failed(CUT));
    }
    let (inner, _) = pkt.edit(false);
    edit::put(&mut inner.data, at, &bytes).map_err(|CutShort| failed(CUT))?;
    inner.kept.add(kept);
    pkt.stale(sums);
    Ok(())
}

const CUT: &str = "the capture cut the packet short before this field";

/// A number that must fit `bits`, or an error naming the field and the value.
pub(super) fn number(name: &str, value: &Dynamic, max: u64) -> Result<u64, Box<EvalAltResult>> {
    let n = value.as_int().map_err(|_| format!("pkt.{name} = {value}: not a number"))?;
    u64::try_from(n)
        .ok()
        .filter(|&n| n <= max)
        .ok_or_else(|| format!("pkt.{name} = {n}: out of range (0 to {max})").into())
}

pub(super) fn address(name: &str, value: &Dynamic) -> Result<IpAddr, Box<EvalAltResult>> {
    value
        .clone()
        .into_immutable_string()
        .ok()
        .and_then(|text| text.parse().ok())
        .ok_or_else(|| format!("pkt.{name} = {value}: not an IP address").into())
}

pub(super) fn mac(name: &str, value: &Dynamic) -> Result<[u8; 6], Box<EvalAltResult>> {
    value.clone().into_immutable_string().ok().and_then(|text| parse_mac(&text)).ok_or_else(|| {
        format!("pkt.{name} = {value}: not a MAC address (like 02:00:00:00:00:01)").into()
    })
}

pub(super) fn flags(value: &Dynamic) -> Result<u16, Box<EvalAltResult>> {
    if value.is_int() {
        return Ok(number("tcp.flags", value, 0x1ff)? as u16);
    }
    value.clone().into_immutable_string().ok().and_then(|t| tcp_flags(&t)).ok_or_else(|| {
        format!("pkt.tcp.flags = {value}: not TCP flags (letters of FSRPAUECN, like \"SA\")").into()
    })
}

/// Registers the packet's own setters; its layers' are `api_layers`'s.
pub fn register(engine: &mut Engine) {
    engine.register_set("src", |p: &mut ScriptPacket, v: Dynamic| {
        apply(p, Field::Src(address("src", &v)?))
    });
    engine.register_set("dst", |p: &mut ScriptPacket, v: Dynamic| {
        apply(p, Field::Dst(address("dst", &v)?))
    });
    engine.register_set("sport", |p: &mut ScriptPacket, v: Dynamic| {
        apply(p, Field::Sport(number("sport", &v, 0xffff)? as u16))
    });
    engine.register_set("dport", |p: &mut ScriptPacket, v: Dynamic| {
        apply(p, Field::Dport(number("dport", &v, 0xffff)? as u16))
    });
    engine.register_set("payload", |p: &mut ScriptPacket, v: Dynamic| set_payload(p, v));
    engine.register_set("vlan", |p: &mut ScriptPacket, v: Dynamic| set_vlan(p, v));
}

/// `pkt.payload = blob or text`: the transport payload replaced, lengths and checksums
/// made to fit.
fn set_payload(pkt: &mut ScriptPacket, value: Dynamic) -> Outcome {
    let bytes: Blob = if value.is_blob() {
        value.cast::<Blob>()
    } else if value.is_string() {
        value.to_string().into_bytes()
    } else {
        return Err(format!("pkt.payload = {value}: not a blob or text").into());
    };
    replace_payload(pkt, &bytes)
}

/// Puts `bytes` in place of the transport payload, lengths and checksums made to fit.
pub fn replace_payload(pkt: &mut ScriptPacket, bytes: &[u8]) -> Outcome {
    let layout = pkt.layout();
    if layout.l4.is_none() {
        return Err("pkt.payload: the packet has no TCP, UDP or ICMP header to carry one".into());
    }
    if let (Some(ip), Some(l4)) = (layout.ip, layout.l4) {
        let fixed = if ip.v6 { 40 } else { 0 };
        let headers = edit::payload_start(pkt.bytes(), l4).saturating_sub(ip.at + fixed);
        let most = usize::from(u16::MAX).saturating_sub(headers);
        if bytes.len() > most {
            return Err(format!(
                "pkt.payload: {} bytes do not fit in one IP packet (at most {most} here)",
                bytes.len()
            )
            .into());
        }
    }
    let (inner, layout) = pkt.edit(true);
    edit::splice_payload(&mut inner.data, &layout, bytes);
    inner.orig_len = inner.data.len() as u32;
    pkt.stale(Sums::BOTH);
    Ok(())
}

/// `pkt.vlan = id` tags the packet (or changes its tag); `pkt.vlan = ()` takes the tag off.
fn set_vlan(pkt: &mut ScriptPacket, value: Dynamic) -> Outcome {
    if !pkt.layout().eth {
        return Err(format!("pkt.vlan = {value}: only Ethernet frames carry VLAN tags").into());
    }
    if value.is_unit() {
        let (inner, layout) = pkt.edit(true);
        if layout.vlan_tci.is_some() {
            edit::remove_vlan(&mut inner.data, &layout);
            inner.orig_len = inner.orig_len.saturating_sub(4);
        }
        return Ok(());
    }
    let id = number("vlan", &value, 0x0fff)? as u16;
    let (inner, layout) = pkt.edit(true);
    edit::set_vlan(&mut inner.data, &layout, id)
        .map_err(|CutShort| format!("pkt.vlan = {id}: {CUT}"))?;
    if layout.vlan_tci.is_none() {
        inner.orig_len += 4;
    }
    Ok(())
}
