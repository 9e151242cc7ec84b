//! The packet as scripts see it: `pkt.src`, `pkt.tcp.syn`, `pkt.dns.qname`, …
//!
//! A script gets its own copy of the frame (Rhai values must own their data). Fields are
//! decoded once, the first time any of them is read, and kept; strings are kept as Rhai's
//! shared strings so reading one twice allocates nothing. A layer the packet does not have
//! reads as `()`, so `pkt.tcp?.syn` is safe.

use std::net::IpAddr;
use std::sync::{Arc, OnceLock};

use rhai::{Blob, Dynamic, Engine, ImmutableString, Map};

use crate::decode::summary::{push_ip, push_mac};
use crate::decode::{Packet, ProtoName, Transport};
use crate::source::{Frame, LinkType, Timestamp};

/// A packet handed to a script.
#[derive(Clone)]
pub struct ScriptPacket(Arc<Inner>);

struct Inner {
    number: u64,
    ts: Timestamp,
    link: LinkType,
    orig_len: u32,
    data: Vec<u8>,
    fields: OnceLock<Fields>,
}

/// Everything a script can read, decoded in one pass.
#[derive(Default)]
struct Fields {
    proto: Option<ImmutableString>,
    src: Option<ImmutableString>,
    dst: Option<ImmutableString>,
    ports: Option<(u16, u16)>,
    payload: (usize, usize),
    flow: Option<ImmutableString>,
    eth: Option<Map>,
    vlan: Option<i64>,
    arp: Option<Map>,
    ip: Option<Map>,
    tcp: Option<Map>,
    udp: Option<Map>,
    icmp: Option<Map>,
    dns: Option<Map>,
    http: Option<Map>,
    tls: Option<Map>,
}

impl ScriptPacket {
    /// Copies a frame for a script; `number` is its 1-based position in the capture.
    pub fn new(frame: &Frame<'_>, number: u64) -> ScriptPacket {
        ScriptPacket(Arc::new(Inner {
            number,
            ts: frame.ts,
            link: frame.link,
            orig_len: frame.orig_len,
            data: frame.data.to_vec(),
            fields: OnceLock::new(),
        }))
    }

    fn fields(&self) -> &Fields {
        self.0.fields.get_or_init(|| decode_fields(&self.0))
    }

    fn opt<T: Clone + Send + Sync + 'static>(value: &Option<T>) -> Dynamic {
        value.clone().map_or(Dynamic::UNIT, Dynamic::from)
    }
}

fn text(f: impl FnOnce(&mut Vec<u8>)) -> ImmutableString {
    let mut out = Vec::new();
    f(&mut out);
    String::from_utf8_lossy(&out).into_owned().into()
}

fn ip_text(addr: IpAddr) -> ImmutableString {
    text(|o| push_ip(o, addr))
}

fn mac_text(mac: &[u8]) -> ImmutableString {
    text(|o| push_mac(o, mac))
}

fn map(entries: Vec<(&str, Dynamic)>) -> Map {
    entries.into_iter().map(|(k, v)| (k.into(), v)).collect()
}

/// TCP flags as letters, Scapy's way: `S`, `SA`, `PA`, `FA`, `R`.
fn flag_letters(flags: u16) -> ImmutableString {
    const LETTERS: [(u16, char); 8] = [
        (0x001, 'F'),
        (0x002, 'S'),
        (0x004, 'R'),
        (0x008, 'P'),
        (0x010, 'A'),
        (0x020, 'U'),
        (0x040, 'E'),
        (0x080, 'C'),
    ];
    LETTERS.iter().filter(|(bit, _)| flags & bit != 0).map(|(_, c)| *c).collect::<String>().into()
}

fn decode_fields(inner: &Inner) -> Fields {
    let frame =
        Frame { ts: inner.ts, link: inner.link, orig_len: inner.orig_len, data: &inner.data };
    let pkt = Packet::new(frame);
    let layers = pkt.layers();
    let mut f = Fields { ports: pkt.ports(), ..Fields::default() };
    f.proto = pkt.proto_name().map(|p| match p {
        ProtoName::Named("IPv6-ICMP") => "icmpv6".into(),
        ProtoName::Named(name) => name.to_lowercase().into(),
        ProtoName::Number(n) => n.to_string().into(),
    });
    f.src = pkt.src_ip().map(ip_text);
    f.dst = pkt.dst_ip().map(ip_text);
    let payload = pkt.payload();
    let start = (payload.as_ptr() as usize).saturating_sub(inner.data.as_ptr() as usize);
    f.payload = if payload.is_empty() { (0, 0) } else { (start, start + payload.len()) };
    if let (Some(src), Some(dst)) = (&f.src, &f.dst) {
        // The same key both ways: the lower endpoint first.
        let (sp, dp) = f.ports.unwrap_or((0, 0));
        let proto = f.proto.clone().unwrap_or_default();
        let a = format!("{src}:{sp}");
        let b = format!("{dst}:{dp}");
        let (lo, hi) = if a <= b { (a, b) } else { (b, a) };
        f.flow = Some(format!("{proto} {lo} {hi}").into());
    }
    if let Some(eth) = &layers.eth {
        f.eth = Some(map(vec![
            ("src", mac_text(&eth.source()).into()),
            ("dst", mac_text(&eth.destination()).into()),
            ("type", Dynamic::from(i64::from(eth.ether_type().0))),
        ]));
    }
    f.vlan = layers.vlans.first().map(|t| i64::from(t.id));
    if let Some(arp) = &layers.arp {
        f.arp = Some(map(vec![
            ("op", Dynamic::from(i64::from(arp.operation().0))),
            ("sender_mac", mac_text(arp.sender_hw_addr()).into()),
            ("sender_ip", f.src.clone().map_or(Dynamic::UNIT, Dynamic::from)),
            ("target_mac", mac_text(arp.target_hw_addr()).into()),
            ("target_ip", f.dst.clone().map_or(Dynamic::UNIT, Dynamic::from)),
        ]));
    }
    if let Some(ip) = &layers.ip {
        let (version, id, len, tos) = match ip {
            etherparse::LaxIpSlice::Ipv4(v4) => {
                let h = v4.header();
                (
                    4,
                    i64::from(h.identification()),
                    i64::from(h.total_len()),
                    i64::from(h.slice()[1]),
                )
            }
            etherparse::LaxIpSlice::Ipv6(v6) => {
                let h = v6.header();
                (6, 0, i64::from(h.payload_length()) + 40, i64::from(h.traffic_class()))
            }
        };
        f.ip = Some(map(vec![
            ("version", Dynamic::from(version as i64)),
            ("src", ScriptPacket::opt(&f.src)),
            ("dst", ScriptPacket::opt(&f.dst)),
            ("ttl", Dynamic::from(i64::from(pkt.ip_ttl().unwrap_or(0)))),
            ("proto", Dynamic::from(i64::from(pkt.ip_proto().unwrap_or(0)))),
            ("id", Dynamic::from(id)),
            ("len", Dynamic::from(len)),
            ("tos", Dynamic::from(tos)),
        ]));
    }
    let (sport, dport) = f.ports.map_or((Dynamic::UNIT, Dynamic::UNIT), |(s, d)| {
        (Dynamic::from(i64::from(s)), Dynamic::from(i64::from(d)))
    });
    match &layers.transport {
        Transport::Tcp(t) => {
            let flags = pkt.tcp_flags().unwrap_or(0);
            let bit = |b: u16| Dynamic::from(flags & b != 0);
            f.tcp = Some(map(vec![
                ("sport", sport),
                ("dport", dport),
                ("seq", Dynamic::from(i64::from(t.sequence_number()))),
                ("ack_num", Dynamic::from(i64::from(t.acknowledgment_number()))),
                ("window", Dynamic::from(i64::from(t.window_size()))),
                ("flags", flag_letters(flags).into()),
                ("fin", bit(0x01)),
                ("syn", bit(0x02)),
                ("rst", bit(0x04)),
                ("psh", bit(0x08)),
                ("ack", bit(0x10)),
                ("urg", bit(0x20)),
            ]));
        }
        Transport::Udp(u) => {
            f.udp = Some(map(vec![
                ("sport", sport),
                ("dport", dport),
                ("len", Dynamic::from(i64::from(u.length()))),
            ]));
        }
        Transport::Icmpv4(_) | Transport::Icmpv6(_) => {
            let (t, c) = pkt.icmp_type_code().unwrap_or((0, None));
            let rest = match &layers.transport {
                Transport::Icmpv4(i) => i.bytes5to8(),
                Transport::Icmpv6(i) => i.bytes5to8(),
                _ => [0; 4],
            };
            f.icmp = Some(map(vec![
                ("type", Dynamic::from(i64::from(t))),
                ("code", Dynamic::from(i64::from(c.unwrap_or(0)))),
                ("id", Dynamic::from(i64::from(u16::from_be_bytes([rest[0], rest[1]])))),
                ("seq", Dynamic::from(i64::from(u16::from_be_bytes([rest[2], rest[3]])))),
            ]));
        }
        _ => {}
    }
    if let Some(q) = pkt.dns() {
        f.dns = Some(map(vec![
            ("id", Dynamic::from(i64::from(q.id))),
            ("qr", Dynamic::from(q.qr)),
            ("qname", ImmutableString::from(q.qname).into()),
            ("qtype", Dynamic::from(i64::from(q.qtype))),
            ("answers", Dynamic::from(i64::from(q.answers))),
        ]));
    }
    if let Some(req) = pkt.http() {
        f.http = Some(map(vec![
            ("method", ImmutableString::from(req.method).into()),
            ("host", req.host.map_or(Dynamic::UNIT, |h| ImmutableString::from(h).into())),
            ("path", ImmutableString::from(req.path).into()),
        ]));
    }
    if let Some(sni) = pkt.tls_sni() {
        f.tls = Some(map(vec![("sni", ImmutableString::from(sni).into())]));
    }
    f
}

/// Registers the packet type and its getters.
pub fn register(engine: &mut Engine) {
    engine.register_type_with_name::<ScriptPacket>("Packet");
    engine.register_get("number", |p: &mut ScriptPacket| p.0.number as i64);
    engine.register_get("time", |p: &mut ScriptPacket| p.0.ts.as_f64());
    engine.register_get("len", |p: &mut ScriptPacket| i64::from(p.0.orig_len));
    engine.register_get("caplen", |p: &mut ScriptPacket| p.0.data.len() as i64);
    engine.register_get("iface", |_p: &mut ScriptPacket| Dynamic::UNIT);
    engine.register_get("proto", |p: &mut ScriptPacket| ScriptPacket::opt(&p.fields().proto));
    engine.register_get("src", |p: &mut ScriptPacket| ScriptPacket::opt(&p.fields().src));
    engine.register_get("dst", |p: &mut ScriptPacket| ScriptPacket::opt(&p.fields().dst));
    engine.register_get("sport", |p: &mut ScriptPacket| {
        p.fields().ports.map_or(Dynamic::UNIT, |(s, _)| Dynamic::from(i64::from(s)))
    });
    engine.register_get("dport", |p: &mut ScriptPacket| {
        p.fields().ports.map_or(Dynamic::UNIT, |(_, d)| Dynamic::from(i64::from(d)))
    });
    engine.register_get("flow", |p: &mut ScriptPacket| ScriptPacket::opt(&p.fields().flow));
    engine.register_get("payload", |p: &mut ScriptPacket| {
        let (a, b) = p.fields().payload;
        Dynamic::from_blob(p.0.data.get(a..b).unwrap_or_default().to_vec() as Blob)
    });
    engine.register_get("vlan", |p: &mut ScriptPacket| {
        p.fields().vlan.map_or(Dynamic::UNIT, Dynamic::from)
    });
    macro_rules! layer {
        ($name:literal, $field:ident) => {
            engine.register_get($name, |p: &mut ScriptPacket| {
                p.fields().$field.clone().map_or(Dynamic::UNIT, Dynamic::from_map)
            });
        };
    }
    layer!("eth", eth);
    layer!("arp", arp);
    layer!("ip", ip);
    layer!("tcp", tcp);
    layer!("udp", udp);
    layer!("icmp", icmp);
    layer!("dns", dns);
    layer!("http", http);
    layer!("tls", tls);
}
