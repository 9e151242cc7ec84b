//! A packet's layers as scripts see them: `pkt.ip` is a view of the packet, `pkt.ip.ttl` a
//! field of that view, read and written.
//!
//! Each field is listed once, with how it is read and how a write to it is made, and is
//! registered twice: on its layer's view (`let ip = pkt.ip; ip.ttl`) and on the packet under
//! the field's whole path (`ip.ttl`; `ip?.ttl` reads `()` and writes nothing when the layer
//! is missing). No script can name a path, since a property's name holds no dot; `flatten`
//! puts a path in place of `pkt.ip.ttl` where it is sure `pkt` is the packet, so that Rhai
//! makes one call where the view takes it three.
//!
//! A write through a view is only noted on it. The packet makes it when the view is handed
//! back to `pkt`'s layer setter, by which time the view has let go of the packet, so the
//! bytes are changed where they are and not copied first.

use arrayvec::ArrayVec;
use rhai::{Dynamic, Engine, EvalAltResult, ImmutableString, Variant};

use super::api_edit::{self, Field, address, flags, mac, number};
use super::api_packet::{Arp, Core, Ip, ScriptPacket, Tcp, int, mac_text, ports};

/// Writes noted on a layer view, made when the view is handed back to its packet.
pub type Pending = ArrayVec<Field, 4>;

type Failure = Box<EvalAltResult>;
type Read = fn(&ScriptPacket) -> Dynamic;
type Write = fn(&Dynamic) -> Result<Field, Failure>;

/// One field of a layer: how it is read, and how a write to it is made (none: read-only).
pub struct FieldDef {
    name: &'static str,
    read: Read,
    write: Option<Write>,
}

const fn get(name: &'static str, read: Read) -> FieldDef {
    FieldDef { name, read, write: None }
}

const fn get_set(name: &'static str, read: Read, write: Write) -> FieldDef {
    FieldDef { name, read, write: Some(write) }
}

/// A layer: its name in scripts, its name in errors, whether a packet has it, its fields.
pub struct Layer {
    name: &'static str,
    title: &'static str,
    present: fn(&Core) -> bool,
    fields: &'static [FieldDef],
}

fn eth(p: &ScriptPacket) -> ([u8; 6], [u8; 6], u16) {
    p.core().eth.unwrap_or_default()
}

fn arp(p: &ScriptPacket) -> Arp {
    p.core().arp.unwrap_or_default()
}

fn ip(p: &ScriptPacket) -> Ip {
    p.core().ip.unwrap_or_default()
}

fn tcp(p: &ScriptPacket) -> Tcp {
    p.core().tcp.unwrap_or_default()
}

fn icmp(p: &ScriptPacket) -> [u16; 4] {
    p.core().icmp.unwrap_or_default()
}

static ETH: Layer = Layer {
    name: "eth",
    title: "Ethernet",
    present: |c| c.eth.is_some(),
    fields: &[
        get_set("src", |p| mac_text(&eth(p).0), |v| Ok(Field::EthSrc(mac("eth.src", v)?))),
        get_set("dst", |p| mac_text(&eth(p).1), |v| Ok(Field::EthDst(mac("eth.dst", v)?))),
        get("type", |p| int(eth(p).2)),
    ],
};

static ARP: Layer = Layer {
    name: "arp",
    title: "ARP",
    present: |c| c.arp.is_some(),
    fields: &[
        get_set(
            "op",
            |p| int(arp(p).op),
            |v| Ok(Field::ArpOp(number("arp.op", v, 0xffff)? as u16)),
        ),
        get_set(
            "sender_mac",
            |p| mac_text(&arp(p).sender_mac),
            |v| Ok(Field::ArpSenderMac(mac("arp.sender_mac", v)?)),
        ),
        get_set(
            "target_mac",
            |p| mac_text(&arp(p).target_mac),
            |v| Ok(Field::ArpTargetMac(mac("arp.target_mac", v)?)),
        ),
        get_set("sender_ip", |p| p.src(), |v| Ok(Field::Src(address("arp.sender_ip", v)?))),
        get_set("target_ip", |p| p.dst(), |v| Ok(Field::Dst(address("arp.target_ip", v)?))),
    ],
};

static IP: Layer = Layer {
    name: "ip",
    title: "IP",
    present: |c| c.ip.is_some(),
    fields: &[
        get("version", |p| int(ip(p).version)),
        get_set("ttl", |p| int(ip(p).ttl), |v| Ok(Field::Ttl(number("ip.ttl", v, 0xff)? as u8))),
        get("proto", |p| int(ip(p).proto)),
        get_set("id", |p| int(ip(p).id), |v| Ok(Field::IpId(number("ip.id", v, 0xffff)? as u16))),
        get("len", |p| int(ip(p).len)),
        get_set("tos", |p| int(ip(p).tos), |v| Ok(Field::Tos(number("ip.tos", v, 0xff)? as u8))),
        get_set(
            "checksum",
            |p| checksum(p, Where::Ip),
            |v| Ok(Field::IpChecksum(number("ip.checksum", v, 0xffff)? as u16)),
        ),
        get_set("src", |p| p.src(), |v| Ok(Field::Src(address("ip.src", v)?))),
        get_set("dst", |p| p.dst(), |v| Ok(Field::Dst(address("ip.dst", v)?))),
    ],
};

static TCP: Layer = Layer {
    name: "tcp",
    title: "TCP",
    present: |c| c.tcp.is_some(),
    fields: &[
        get_set(
            "sport",
            |p| ports(p).0,
            |v| Ok(Field::Sport(number("tcp.sport", v, 0xffff)? as u16)),
        ),
        get_set(
            "dport",
            |p| ports(p).1,
            |v| Ok(Field::Dport(number("tcp.dport", v, 0xffff)? as u16)),
        ),
        get_set(
            "checksum",
            |p| checksum(p, Where::L4),
            |v| Ok(Field::TcpChecksum(number("tcp.checksum", v, 0xffff)? as u16)),
        ),
        get_set(
            "seq",
            |p| int(tcp(p).seq),
            |v| Ok(Field::Seq(number("tcp.seq", v, 0xffff_ffff)? as u32)),
        ),
        get_set(
            "ack_num",
            |p| int(tcp(p).ack_num),
            |v| Ok(Field::AckNum(number("tcp.ack_num", v, 0xffff_ffff)? as u32)),
        ),
        get_set(
            "window",
            |p| int(tcp(p).window),
            |v| Ok(Field::Window(number("tcp.window", v, 0xffff)? as u16)),
        ),
        get_set("flags", |p| flag_letters(tcp(p).flags).into(), |v| Ok(Field::Flags(flags(v)?))),
        get("fin", |p| (tcp(p).flags & 0x01 != 0).into()),
        get("syn", |p| (tcp(p).flags & 0x02 != 0).into()),
        get("rst", |p| (tcp(p).flags & 0x04 != 0).into()),
        get("psh", |p| (tcp(p).flags & 0x08 != 0).into()),
        get("ack", |p| (tcp(p).flags & 0x10 != 0).into()),
        get("urg", |p| (tcp(p).flags & 0x20 != 0).into()),
    ],
};

static UDP: Layer = Layer {
    name: "udp",
    title: "UDP",
    present: |c| c.udp_len.is_some(),
    fields: &[
        get_set(
            "sport",
            |p| ports(p).0,
            |v| Ok(Field::Sport(number("udp.sport", v, 0xffff)? as u16)),
        ),
        get_set(
            "dport",
            |p| ports(p).1,
            |v| Ok(Field::Dport(number("udp.dport", v, 0xffff)? as u16)),
        ),
        get_set(
            "checksum",
            |p| checksum(p, Where::L4),
            |v| Ok(Field::UdpChecksum(number("udp.checksum", v, 0xffff)? as u16)),
        ),
        get("len", |p| int(p.core().udp_len.unwrap_or(0))),
    ],
};

static ICMP: Layer = Layer {
    name: "icmp",
    title: "ICMP or ICMPv6",
    present: |c| c.icmp.is_some(),
    fields: &[
        get_set(
            "checksum",
            |p| checksum(p, Where::L4),
            |v| Ok(Field::IcmpChecksum(number("icmp.checksum", v, 0xffff)? as u16)),
        ),
        get_set(
            "type",
            |p| int(icmp(p)[0]),
            |v| Ok(Field::IcmpType(number("icmp.type", v, 0xff)? as u8)),
        ),
        get_set(
            "code",
            |p| int(icmp(p)[1]),
            |v| Ok(Field::IcmpCode(number("icmp.code", v, 0xff)? as u8)),
        ),
        get_set(
            "id",
            |p| int(icmp(p)[2]),
            |v| Ok(Field::IcmpId(number("icmp.id", v, 0xffff)? as u16)),
        ),
        get_set(
            "seq",
            |p| int(icmp(p)[3]),
            |v| Ok(Field::IcmpSeq(number("icmp.seq", v, 0xffff)? as u16)),
        ),
    ],
};

static LAYERS: [&Layer; 6] = [&ETH, &ARP, &IP, &TCP, &UDP, &ICMP];

/// Whether `pkt.<layer>.<field>` is a field, and if so whether it can be written.
pub fn field_of(layer: &str, field: &str) -> Option<Writable> {
    let layer = LAYERS.iter().find(|l| l.name == layer)?;
    let field = layer.fields.iter().find(|f| f.name == field)?;
    Some(if field.write.is_some() { Writable::Yes } else { Writable::No })
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Writable {
    Yes,
    No,
}

/// A layer's view: the packet it was read from and the writes made through it.
pub trait View: Variant + Clone {
    const NAME: &'static str;
    fn of(packet: ScriptPacket) -> Self;
    fn packet(&self) -> &ScriptPacket;
    fn pending(&mut self) -> &mut Pending;
    fn into_parts(self) -> (ScriptPacket, Pending);
}

macro_rules! view {
    ($name:ident) => {
        /// A layer of a packet, read through getters; with the writes made through it.
        #[derive(Clone)]
        pub struct $name(ScriptPacket, Pending);

        impl View for $name {
            const NAME: &'static str = stringify!($name);
            fn of(packet: ScriptPacket) -> Self {
                $name(packet, Pending::new())
            }
            fn packet(&self) -> &ScriptPacket {
                &self.0
            }
            fn pending(&mut self) -> &mut Pending {
                &mut self.1
            }
            fn into_parts(self) -> (ScriptPacket, Pending) {
                (self.0, self.1)
            }
        }
    };
}
view!(EthView);
view!(ArpView);
view!(IpView);
view!(TcpView);
view!(UdpView);
view!(IcmpView);

/// Registers every layer's view, its fields, and the fields' paths on the packet.
pub fn register(engine: &mut Engine) {
    register_layer::<EthView>(engine, &ETH);
    register_layer::<ArpView>(engine, &ARP);
    register_layer::<IpView>(engine, &IP);
    register_layer::<TcpView>(engine, &TCP);
    register_layer::<UdpView>(engine, &UDP);
    register_layer::<IcmpView>(engine, &ICMP);
}

fn register_layer<V: View>(engine: &mut Engine, layer: &'static Layer) {
    let present = layer.present;
    engine.register_type_with_name::<V>(V::NAME);
    engine.register_get(layer.name, move |p: &mut ScriptPacket| {
        if present(p.core()) { Dynamic::from(V::of(p.clone())) } else { Dynamic::UNIT }
    });
    engine.register_set(layer.name, |p: &mut ScriptPacket, view: V| {
        let (packet, pending) = view.into_parts();
        // The view's hold on the packet goes first, so that the write finds it unshared.
        drop(packet);
        pending.into_iter().try_for_each(|field| api_edit::apply(p, field))
    });
    for field in layer.fields {
        let read = field.read;
        engine.register_get(field.name, move |v: &mut V| read(v.packet()));
        if let Some(write) = field.write {
            engine.register_set(field.name, move |v: &mut V, value: Dynamic| {
                note(v.pending(), write(&value)?)
            });
        }
        // The field's paths on the packet: `ip.ttl` errs on a packet without the layer,
        // `ip?.ttl` reads `()` there and writes nothing.
        for strict in [true, false] {
            let join = if strict { "." } else { "?." };
            let path = format!("{}{join}{}", layer.name, field.name);
            engine.register_get(&path, move |p: &mut ScriptPacket| match present(p.core()) {
                true => Ok(read(p)),
                false if strict => Err(missing(layer, field, None)),
                false => Ok(Dynamic::UNIT),
            });
            let Some(write) = field.write else { continue };
            engine.register_set(&path, move |p: &mut ScriptPacket, value: Dynamic| {
                match present(p.core()) {
                    true => api_edit::apply(p, write(&value)?),
                    false if strict => Err(missing(layer, field, Some(&value))),
                    false => Ok(()),
                }
            });
        }
    }
}

/// Notes a write on a view, for when it comes back to its packet.
fn note(pending: &mut Pending, field: Field) -> Result<(), Failure> {
    pending.try_push(field).map_err(|_| {
        format!(
            "pkt.{}: too many writes through one copy of a layer; write through pkt",
            field.name()
        )
        .into()
    })
}

/// A read or write of a field of a layer the packet does not have.
fn missing(layer: &Layer, field: &FieldDef, written: Option<&Dynamic>) -> Failure {
    let (name, title) = (format!("pkt.{}.{}", layer.name, field.name), layer.title);
    match written {
        Some(value) if value.is_string() => {
            format!("{name} = \"{value}\": the packet has no {title} header")
        }
        Some(value) => format!("{name} = {value}: the packet has no {title} header"),
        None => format!(
            "{name}: the packet has no {title} header (pkt.{}?.{} reads () instead)",
            layer.name, field.name
        ),
    }
    .into()
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

enum Where {
    Ip,
    L4,
}

/// A checksum as the packet would leave the script: put right if an edit spoiled it.
fn checksum(p: &ScriptPacket, which: Where) -> Dynamic {
    let (_, data) = p.wire();
    let layout = p.layout();
    let at = match which {
        Where::Ip => layout.ip.filter(|ip| !ip.v6).map(|ip| ip.at + 10),
        Where::L4 => layout.l4.map(|l4| l4.at + l4.kind.checksum_at()),
    };
    at.and_then(|at| data.get(at..at + 2))
        .map_or(Dynamic::UNIT, |b| int(u16::from_be_bytes([b[0], b[1]])))
}
