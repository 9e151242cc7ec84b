//! `packet(#{ … })`: a packet built from scratch, layer by layer, with Scapy's defaults.
//!
//! Layer keys and field names are the ones scripts read (`eth`, `vlan`, `arp`, `ip`/`ip6`,
//! `tcp`, `udp`, `icmp`/`icmp6`, `payload`). Every layer is optional; what is left out takes
//! Scapy's default: Ethernet with zero MACs (a pcap needs a link layer), TTL 64, IP id 1
//! (Scapy's, not a random one: built packets are reproducible), TCP from port 20 to 80 with
//! window 8192 and flags `S`, UDP from 53 to 53, ICMP echo request. An unknown key or a
//! value that does not fit its field is an error that names both.

use std::net::IpAddr;

use rhai::{Dynamic, Engine, EvalAltResult, Map};

use super::api_packet::ScriptPacket;
use crate::decode::build::{Arp, Eth, Icmp, Ipv4, Ipv6, Net, PacketBuf, Tcp, Transport, Udp, Vlan};
use crate::decode::reply;

const LAYERS: &str = "eth vlan arp ip ip6 tcp udp icmp icmp6 payload";

/// Registers `packet()` and the replies.
pub fn register(engine: &mut Engine) {
    engine.register_fn("packet", |spec: Map| -> Result<ScriptPacket, Box<EvalAltResult>> {
        let built = build(&spec).map_err(|e| format!("packet: {e}"))?;
        Ok(packet_of(&built))
    });
    engine.register_fn("icmp_echo_reply", |request: &mut ScriptPacket| {
        let (link, _, data) = request.frame_parts();
        if link == crate::source::LinkType::ETHERNET {
            if let Some(bytes) = reply::icmp_echo_reply_in_place(data, &request.layout()) {
                return Ok(ScriptPacket::built(link, bytes));
            }
        }
        answer("icmp_echo_reply", request, reply::icmp_echo_reply)
    });
    engine.register_fn("tcp_reset", |request: &mut ScriptPacket| {
        answer("tcp_reset", request, reply::tcp_reset)
    });
    engine.register_fn("arp_reply", |request: &mut ScriptPacket, mac: &str| {
        let mac = parse_mac(mac).ok_or_else(|| {
            format!("arp_reply: '{mac}' is not a MAC address (like 02:00:00:00:00:01)")
        })?;
        answer("arp_reply", request, |p| reply::arp_reply(p, mac))
    });
}

/// The answer `derive` makes to `request`, or a script error naming the helper.
pub(super) fn answer(
    helper: &str,
    request: &ScriptPacket,
    derive: impl Fn(&PacketBuf) -> Result<PacketBuf, String>,
) -> Result<ScriptPacket, Box<EvalAltResult>> {
    let (link, data) = request.wire();
    if link != crate::source::LinkType::ETHERNET {
        return Err(format!(
            "{helper}: only Ethernet packets can be answered (this one is link type {})",
            link.0
        )
        .into());
    }
    let parsed = PacketBuf::parse(&data).ok_or_else(|| {
        format!("{helper}: the packet is cut short, or has IPv6 extension headers or IPsec headers")
    })?;
    let built = derive(&parsed).map_err(|e| format!("{helper}: {e}"))?;
    Ok(packet_of(&built))
}

/// A script packet holding what `built` emits.
pub fn packet_of(built: &PacketBuf) -> ScriptPacket {
    ScriptPacket::built(built.link(), built.emit())
}

/// Builds the packet a `packet()` map describes.
pub fn build(spec: &Map) -> Result<PacketBuf, String> {
    for key in spec.keys() {
        if !LAYERS.split(' ').any(|k| k == key.as_str()) {
            return Err(format!("unknown layer '{key}' (the layers are {LAYERS})"));
        }
    }
    let mut buf = PacketBuf::default();
    if let Some(arp) = layer(spec, "arp")? {
        let fields =
            Fields::new("arp", arp, &["op", "sender_mac", "sender_ip", "target_mac", "target_ip"])?;
        buf.net = Net::Arp(Arp {
            op: fields.int("op", 1)?,
            sender_mac: fields.mac("sender_mac", [0; 6])?,
            sender_ip: fields.ipv4("sender_ip", [0; 4])?,
            target_mac: fields.mac("target_mac", [0; 6])?,
            target_ip: fields.ipv4("target_ip", [0; 4])?,
        });
    }
    let (ip, ip6) = (layer(spec, "ip")?, layer(spec, "ip6")?);
    if ip.is_some() && ip6.is_some() {
        return Err("both ip and ip6: a packet has one IP header here".into());
    }
    if let Some((name, map)) = ip.map(|m| ("ip", m)).or(ip6.map(|m| ("ip6", m))) {
        if matches!(buf.net, Net::Arp(_)) {
            return Err(format!("both arp and {name}: ARP carries no IP header"));
        }
        buf.net = ip_layer(name, &map)?;
    }
    let ipv6 = matches!(buf.net, Net::Ipv6(_));
    let transports: Vec<&str> =
        ["tcp", "udp", "icmp", "icmp6"].into_iter().filter(|k| spec.contains_key(*k)).collect();
    if transports.len() > 1 {
        return Err(format!(
            "both {} and {}: a packet has one transport header",
            transports[0], transports[1]
        ));
    }
    if let Some(&name) = transports.first() {
        let map = layer(spec, name)?.unwrap_or_default();
        if matches!(buf.net, Net::None) {
            // Scapy's IP() or IPv6() under a transport layer given alone.
            buf.net = ip_layer(if name == "icmp6" { "ip6" } else { "ip" }, &Map::new())?;
        }
        buf.transport = Some(transport(name, map, ipv6 || name == "icmp6")?);
    }
    if let Some(value) = spec.get("payload") {
        buf.payload = bytes_of("payload", value)?;
    }
    buf.vlans = vlans(spec.get("vlan"))?;
    let eth = layer(spec, "eth")?.unwrap_or_default();
    let fields = Fields::new("eth", eth, &["src", "dst", "type"])?;
    let (src, dst) = match buf.net {
        // An ARP request goes to everyone, a reply to whom it answers.
        Net::Arp(arp) if arp.op == 1 => (arp.sender_mac, [0xff; 6]),
        Net::Arp(arp) => (arp.sender_mac, arp.target_mac),
        _ => ([0; 6], [0; 6]),
    };
    buf.eth = Some(Eth {
        src: fields.mac("src", src)?,
        dst: fields.mac("dst", dst)?,
        ether_type: fields.opt_int("type")?,
    });
    Ok(buf)
}

/// A layer's map: absent, or a map (`#{}` for all defaults).
fn layer(spec: &Map, name: &str) -> Result<Option<Map>, String> {
    match spec.get(name) {
        None => Ok(None),
        Some(value) => match value.clone().try_cast::<Map>() {
            Some(map) => Ok(Some(map)),
            None => Err(format!("{name}: expected a map of fields, found {}", value.type_name())),
        },
    }
}

/// A layer's fields, checked against the names it has.
struct Fields<'a> {
    layer: &'a str,
    map: Map,
}

impl<'a> Fields<'a> {
    fn new(layer: &'a str, map: Map, names: &[&str]) -> Result<Fields<'a>, String> {
        for key in map.keys() {
            if !names.contains(&key.as_str()) {
                return Err(format!(
                    "{layer}: unknown field '{key}' (its fields are {})",
                    names.join(" ")
                ));
            }
        }
        Ok(Fields { layer, map })
    }

    fn get(&self, name: &str) -> Option<&Dynamic> {
        self.map.get(name).filter(|v| !v.is_unit())
    }

    fn bad(&self, name: &str, value: &Dynamic, why: &str) -> String {
        format!("{}.{name}: {value} {why}", self.layer)
    }

    /// An integer field that must fit `T`.
    fn int<T: TryFrom<i64> + Copy + num_bounds::Bounds>(
        &self,
        name: &str,
        default: T,
    ) -> Result<T, String> {
        Ok(self.opt_int(name)?.unwrap_or(default))
    }

    fn opt_int<T: TryFrom<i64> + Copy + num_bounds::Bounds>(
        &self,
        name: &str,
    ) -> Result<Option<T>, String> {
        let Some(value) = self.get(name) else { return Ok(None) };
        let Ok(n) = value.as_int() else {
            return Err(self.bad(name, value, "is not a number"));
        };
        T::try_from(n).map(Some).map_err(|_| {
            self.bad(name, value, &format!("is out of range ({} to {})", T::MIN_TEXT, T::MAX_TEXT))
        })
    }

    fn text(&self, name: &str) -> Result<Option<String>, String> {
        match self.get(name) {
            None => Ok(None),
            Some(value) if value.is_string() => Ok(Some(value.to_string())),
            Some(value) => Err(self.bad(name, value, "is not text")),
        }
    }

    fn mac(&self, name: &str, default: [u8; 6]) -> Result<[u8; 6], String> {
        let Some(text) = self.text(name)? else { return Ok(default) };
        parse_mac(&text).ok_or_else(|| {
            format!("{}.{name}: '{text}' is not a MAC address (like 02:00:00:00:00:01)", self.layer)
        })
    }

    fn ip(&self, name: &str) -> Result<Option<IpAddr>, String> {
        let Some(text) = self.text(name)? else { return Ok(None) };
        text.parse::<IpAddr>()
            .map(Some)
            .map_err(|_| format!("{}.{name}: '{text}' is not an IP address", self.layer))
    }

    fn ipv4(&self, name: &str, default: [u8; 4]) -> Result<[u8; 4], String> {
        match self.ip(name)? {
            None => Ok(default),
            Some(IpAddr::V4(a)) => Ok(a.octets()),
            Some(IpAddr::V6(a)) => {
                Err(format!("{}.{name}: {a} is IPv6; this field is IPv4", self.layer))
            }
        }
    }
}

/// The range of an integer field, for its error.
mod num_bounds {
    pub trait Bounds {
        const MIN_TEXT: &'static str;
        const MAX_TEXT: &'static str;
    }
    impl Bounds for u8 {
        const MIN_TEXT: &'static str = "0";
        const MAX_TEXT: &'static str = "255";
    }
    impl Bounds for u16 {
        const MIN_TEXT: &'static str = "0";
        const MAX_TEXT: &'static str = "65535";
    }
    impl Bounds for u32 {
        const MIN_TEXT: &'static str = "0";
        const MAX_TEXT: &'static str = "4294967295";
    }
}

pub(super) fn parse_mac(text: &str) -> Option<[u8; 6]> {
    let mut mac = [0u8; 6];
    let mut parts = text.split([':', '-']);
    for byte in &mut mac {
        let part = parts.next()?;
        if part.is_empty() || part.len() > 2 {
            return None;
        }
        *byte = u8::from_str_radix(part, 16).ok()?;
    }
    parts.next().is_none().then_some(mac)
}

/// `ip` or `ip6`: IPv6 when `ip6`, or when an address given is IPv6.
fn ip_layer(name: &str, map: &Map) -> Result<Net, String> {
    let fields = Fields::new(name, map.clone(), &["src", "dst", "ttl", "id", "tos", "proto"])?;
    let (src, dst) = (fields.ip("src")?, fields.ip("dst")?);
    let v6 =
        name == "ip6" || matches!(src, Some(IpAddr::V6(_))) || matches!(dst, Some(IpAddr::V6(_)));
    let ttl = fields.int("ttl", 64u8)?;
    let tos = fields.int("tos", 0u8)?;
    let proto = fields.opt_int::<u8>("proto")?;
    if v6 {
        let addr = |a: Option<IpAddr>, what: &str| match a {
            None => Ok(std::net::Ipv6Addr::LOCALHOST.octets()),
            Some(IpAddr::V6(a)) => Ok(a.octets()),
            Some(IpAddr::V4(a)) => {
                Err(format!("{name}.{what}: {a} is IPv4 and the other address is IPv6"))
            }
        };
        return Ok(Net::Ipv6(Ipv6 {
            src: addr(src, "src")?,
            dst: addr(dst, "dst")?,
            hop_limit: ttl,
            traffic_class: tos,
            flow_label: 0,
            next_header: proto,
        }));
    }
    let addr = |a: Option<IpAddr>| match a {
        Some(IpAddr::V4(a)) => a.octets(),
        _ => std::net::Ipv4Addr::LOCALHOST.octets(),
    };
    Ok(Net::Ipv4(Ipv4 {
        src: addr(src),
        dst: addr(dst),
        ttl,
        id: fields.int("id", 1u16)?,
        tos,
        dont_fragment: false,
        proto,
        checksum: None,
    }))
}

fn transport(name: &str, map: Map, ipv6: bool) -> Result<Transport, String> {
    match name {
        "tcp" => {
            let f = Fields::new(
                name,
                map,
                &["sport", "dport", "seq", "ack_num", "window", "flags", "checksum"],
            )?;
            let flags = match f.get("flags") {
                None => 0x002,
                Some(v) if v.is_int() => f.int("flags", 0u16)? & 0x1ff,
                Some(v) => {
                    let text = v.to_string();
                    tcp_flags(&text).ok_or_else(|| {
                        format!("tcp.flags: '{text}' is not TCP flags (letters of FSRPAUECN, like \"SA\")")
                    })?
                }
            };
            Ok(Transport::Tcp(Tcp {
                sport: f.int("sport", 20u16)?,
                dport: f.int("dport", 80u16)?,
                seq: f.int("seq", 0u32)?,
                ack_num: f.int("ack_num", 0u32)?,
                window: f.int("window", 8192u16)?,
                flags,
                checksum: f.opt_int("checksum")?,
            }))
        }
        "udp" => {
            let f = Fields::new(name, map, &["sport", "dport", "checksum"])?;
            Ok(Transport::Udp(Udp {
                sport: f.int("sport", 53u16)?,
                dport: f.int("dport", 53u16)?,
                checksum: f.opt_int("checksum")?,
            }))
        }
        _ => {
            let f = Fields::new(name, map, &["type", "code", "id", "seq", "checksum"])?;
            Ok(Transport::Icmp(Icmp {
                kind: f.int("type", if ipv6 { 128u8 } else { 8u8 })?,
                code: f.int("code", 0u8)?,
                id: f.int("id", 0u16)?,
                seq: f.int("seq", 0u16)?,
                checksum: f.opt_int("checksum")?,
            }))
        }
    }
}

/// TCP flags written as tcpdump and Scapy write them: `S`, `SA`, `FA`, `R`, …
pub(super) fn tcp_flags(text: &str) -> Option<u16> {
    let mut flags = 0;
    for c in text.chars() {
        flags |= 1 << "FSRPAUECN".find(c.to_ascii_uppercase())?;
    }
    Some(flags)
}

/// `vlan`: an id, a map `#{ id, pcp }`, or an array of those, outermost first.
fn vlans(value: Option<&Dynamic>) -> Result<Vec<Vlan>, String> {
    let Some(value) = value else { return Ok(Vec::new()) };
    let items = match value.clone().try_cast::<rhai::Array>() {
        Some(items) => items,
        None => vec![value.clone()],
    };
    items
        .into_iter()
        .map(|item| {
            let map = match item.clone().try_cast::<Map>() {
                Some(map) => map,
                None => {
                    let mut map = Map::new();
                    map.insert("id".into(), item);
                    map
                }
            };
            let f = Fields::new("vlan", map, &["id", "pcp"])?;
            let id: u16 = f.int("id", 0u16)?;
            let pcp: u8 = f.int("pcp", 0u8)?;
            if id > 4095 || pcp > 7 {
                return Err(format!(
                    "vlan: id {id} or pcp {pcp} is out of range (id 0 to 4095, pcp 0 to 7)"
                ));
            }
            Ok(Vlan { id, pcp })
        })
        .collect()
}

/// A payload: a blob, or text as its UTF-8 bytes.
fn bytes_of(name: &str, value: &Dynamic) -> Result<Vec<u8>, String> {
    if let Some(blob) = value.clone().try_cast::<rhai::Blob>() {
        return Ok(blob);
    }
    if value.is_string() {
        return Ok(value.to_string().into_bytes());
    }
    Err(format!("{name}: expected a blob or text, found {}", value.type_name()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(source: &str) -> Map {
        Engine::new().eval::<Map>(source).unwrap()
    }

    #[test]
    fn defaults_are_scapys() {
        let built =
            build(&spec("#{ ip: #{ src: \"198.18.0.7\", dst: \"198.18.0.1\" }, tcp: #{} }"))
                .unwrap();
        let Transport::Tcp(tcp) = built.transport.unwrap() else { panic!() };
        assert_eq!((tcp.sport, tcp.dport, tcp.window, tcp.flags), (20, 80, 8192, 2));
        let Net::Ipv4(ip) = built.net else { panic!() };
        assert_eq!((ip.ttl, ip.id), (64, 1));
    }

    #[test]
    fn errors_name_the_field_and_the_value() {
        let cases = [
            ("#{ tcp: #{ sport: 70000 } }", "tcp.sport: 70000 is out of range (0 to 65535)"),
            (
                "#{ tcp: #{ sprot: 1 } }",
                "tcp: unknown field 'sprot' (its fields are sport dport seq ack_num window flags checksum)",
            ),
            (
                "#{ ipv4: #{} }",
                "unknown layer 'ipv4' (the layers are eth vlan arp ip ip6 tcp udp icmp icmp6 payload)",
            ),
            (
                "#{ ip: #{ src: \"::1\", dst: \"198.18.0.1\" } }",
                "ip.dst: 198.18.0.1 is IPv4 and the other address is IPv6",
            ),
            (
                "#{ eth: #{ src: \"02:00\" } }",
                "eth.src: '02:00' is not a MAC address (like 02:00:00:00:00:01)",
            ),
            (
                "#{ tcp: #{ flags: \"SX\" } }",
                "tcp.flags: 'SX' is not TCP flags (letters of FSRPAUECN, like \"SA\")",
            ),
            (
                "#{ vlan: 5000 }",
                "vlan: id 5000 or pcp 0 is out of range (id 0 to 4095, pcp 0 to 7)",
            ),
        ];
        for (source, expected) in cases {
            assert_eq!(build(&spec(source)).unwrap_err(), expected, "{source}");
        }
    }

    #[test]
    fn flags_read_as_tcpdump_writes_them() {
        assert_eq!(tcp_flags("S"), Some(0x002));
        assert_eq!(tcp_flags("SA"), Some(0x012));
        assert_eq!(tcp_flags("FPA"), Some(0x019));
        assert_eq!(tcp_flags("x"), None);
    }
}
