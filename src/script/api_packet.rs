//! The packet as scripts see it: `pkt.src`, `pkt.tcp.syn`, `pkt.dns.qname`, …
//!
//! A script gets its own copy of the frame (Rhai values must own their data). Its layers
//! are taken apart once, the first time any field is read; text (addresses, names) is made
//! only when asked for and then kept as Rhai's shared strings, so reading one twice
//! allocates nothing. Layers are small views with getters, not maps built in advance. A
//! layer the packet does not have reads as `()`, so `pkt.tcp?.syn` is safe.

use std::net::IpAddr;
use std::sync::{Arc, LazyLock, OnceLock};

use rhai::{Blob, Dynamic, Engine, ImmutableString, Map};

use crate::decode::edit::{self, Layout, Sums};
use crate::decode::summary::{push_ip, push_mac};
use crate::decode::{Packet, ProtoName, Transport};
use crate::source::{Frame, LinkType, Timestamp};

/// The empty packet a hook's parameter holds between calls, shared.
static IDLE: LazyLock<ScriptPacket> = LazyLock::new(|| {
    let frame = Frame {
        ts: Timestamp::default(),
        link: LinkType::ETHERNET,
        orig_len: 0,
        data: &[],
        iface: None,
    };
    ScriptPacket::new(&frame, 0)
});

/// A packet handed to a script.
#[derive(Clone)]
pub struct ScriptPacket(Arc<Inner>);

#[derive(Clone)]
pub(super) struct Inner {
    number: u64,
    ts: Timestamp,
    link: LinkType,
    pub(super) orig_len: u32,
    pub(super) data: Vec<u8>,
    /// Not the frame as read: a script changed it, or built it.
    edited: bool,
    /// Checksums an edit made wrong, and those a script set itself (which stay as set).
    stale: Sums,
    pub(super) kept: Sums,
    /// Where the layers lie, kept through edits that move none of them, so that an edited
    /// packet is not taken apart again to have its checksums put right.
    layout: Option<Layout>,
    core: OnceLock<Core>,
    src: OnceLock<Dynamic>,
    dst: OnceLock<Dynamic>,
    proto: OnceLock<Dynamic>,
    flow: OnceLock<Dynamic>,
    app: OnceLock<App>,
}

/// The numeric fields, read in one pass over the layers.
#[derive(Clone, Default)]
pub(super) struct Core {
    layout: Layout,
    src: Option<IpAddr>,
    dst: Option<IpAddr>,
    proto: Option<ProtoName>,
    ports: Option<(u16, u16)>,
    payload: (usize, usize),
    vlan: Option<u16>,
    pub(super) eth: Option<([u8; 6], [u8; 6], u16)>,
    pub(super) arp: Option<Arp>,
    pub(super) ip: Option<Ip>,
    pub(super) tcp: Option<Tcp>,
    pub(super) udp_len: Option<u16>,
    pub(super) icmp: Option<[u16; 4]>,
}

#[derive(Clone, Copy, Default)]
pub(super) struct Arp {
    pub(super) op: u16,
    pub(super) sender_mac: [u8; 6],
    pub(super) target_mac: [u8; 6],
}

#[derive(Clone, Copy, Default)]
pub(super) struct Ip {
    pub(super) version: u8,
    pub(super) ttl: u8,
    pub(super) proto: u8,
    pub(super) id: u16,
    pub(super) len: u32,
    pub(super) tos: u8,
}

#[derive(Clone, Copy, Default)]
pub(super) struct Tcp {
    pub(super) seq: u32,
    pub(super) ack_num: u32,
    pub(super) window: u16,
    pub(super) flags: u16,
}

/// The application-layer fields, parsed only when a script asks for one.
#[derive(Clone, Default)]
struct App {
    dns: Option<Map>,
    http: Option<Map>,
    tls: Option<Map>,
    wifi: Option<Map>,
}

impl Inner {
    fn new(frame: &Frame<'_>, number: u64, data: Vec<u8>) -> Inner {
        Inner {
            number,
            ts: frame.ts,
            link: frame.link,
            orig_len: frame.orig_len,
            data,
            edited: false,
            stale: Sums::default(),
            kept: Sums::default(),
            layout: None,
            core: OnceLock::new(),
            src: OnceLock::new(),
            dst: OnceLock::new(),
            proto: OnceLock::new(),
            flow: OnceLock::new(),
            app: OnceLock::new(),
        }
    }

    /// Lets go of every field read from the bytes, which have changed.
    fn forget(&mut self) {
        self.core = OnceLock::new();
        self.src = OnceLock::new();
        self.dst = OnceLock::new();
        self.proto = OnceLock::new();
        self.flow = OnceLock::new();
        self.app = OnceLock::new();
    }
}

impl ScriptPacket {
    /// Copies a frame for a script; `number` is its 1-based position in the capture.
    pub fn new(frame: &Frame<'_>, number: u64) -> ScriptPacket {
        ScriptPacket(Arc::new(Inner::new(frame, number, frame.data.to_vec())))
    }

    /// A frame captured for a script outside the capture loop (`send_recv`'s answer).
    pub fn captured(frame: crate::source::OwnedFrame) -> ScriptPacket {
        let view = Frame {
            ts: frame.ts,
            link: frame.link,
            orig_len: frame.orig_len,
            data: &[],
            iface: None,
        };
        ScriptPacket(Arc::new(Inner::new(&view, 0, frame.data)))
    }

    /// A packet built by a script: not a frame that was read.
    pub fn built(link: LinkType, data: Vec<u8>) -> ScriptPacket {
        let frame = Frame {
            ts: Timestamp::default(),
            link,
            orig_len: data.len() as u32,
            data: &[],
            iface: None,
        };
        let mut inner = Inner::new(&frame, 0, data);
        inner.edited = true;
        ScriptPacket(Arc::new(inner))
    }

    /// The packet's link type and bytes, as they would be sent: checksums put right.
    pub fn wire(&self) -> (LinkType, Vec<u8>) {
        let mut data = self.0.data.clone();
        if self.0.stale.any() {
            edit::settle(&mut data, &self.layout(), self.0.stale, self.0.kept);
        }
        (self.0.link, data)
    }

    /// Whether a script changed or built this packet.
    pub fn is_edited(&self) -> bool {
        self.0.edited
    }

    /// The link type, original length and bytes of an edited packet, as `-w` writes them.
    pub fn frame_parts(&self) -> (LinkType, u32, &[u8]) {
        (self.0.link, self.0.orig_len, &self.0.data)
    }

    /// A copy of its own, sharing nothing.
    pub fn copy(&self) -> ScriptPacket {
        ScriptPacket(Arc::new((*self.0).clone()))
    }

    /// Whether this is the empty packet [`ScriptPacket::idle`] hands out.
    pub fn is_idle(&self) -> bool {
        Arc::ptr_eq(&self.0, &IDLE.0)
    }

    /// The bytes, to change, and where their layers lie; `moves` when the edit inserts or
    /// removes bytes. Another holder of the packet keeps the bytes as they were (a script
    /// that kept `pkt` in `this` keeps that one).
    pub(super) fn edit(&mut self, moves: bool) -> (&mut Inner, Layout) {
        let layout = self.layout();
        let inner = Arc::make_mut(&mut self.0);
        inner.edited = true;
        inner.forget();
        inner.layout = (!moves).then_some(layout);
        (inner, layout)
    }

    /// Marks checksums that an edit made wrong.
    pub(super) fn stale(&mut self, sums: Sums) {
        Arc::make_mut(&mut self.0).stale.add(sums);
    }

    /// Puts the checksums that edits made wrong right, unless a script set them itself.
    pub fn settle(&mut self) {
        if !self.0.stale.any() {
            return;
        }
        let layout = self.layout();
        let inner = Arc::make_mut(&mut self.0);
        edit::settle(&mut inner.data, &layout, inner.stale, inner.kept);
        inner.stale = Sums::default();
    }

    /// Where the layers lie in the bytes.
    pub fn layout(&self) -> Layout {
        self.0.layout.unwrap_or_else(|| self.core().layout)
    }

    /// The bytes as they are now.
    pub(super) fn bytes(&self) -> &[u8] {
        &self.0.data
    }

    /// Which packet this is: two values with the same id are the same packet.
    pub fn id(&self) -> usize {
        Arc::as_ptr(&self.0) as usize
    }

    /// How many values hold this packet.
    #[cfg(test)]
    pub fn holders(&self) -> usize {
        Arc::strong_count(&self.0)
    }

    /// A packet with nothing in it, shared: what a hook's parameter holds between calls.
    pub fn idle() -> ScriptPacket {
        IDLE.clone()
    }

    /// Like `new`, but reuses `old` and its buffer when no script holds on to it: most
    /// scripts keep nothing of a packet, and the allocations are a fair share of a call.
    pub fn reuse(old: Option<ScriptPacket>, frame: &Frame<'_>, number: u64) -> ScriptPacket {
        if let Some(mut packet) = old {
            if let Some(inner) = Arc::get_mut(&mut packet.0) {
                let mut data = std::mem::take(&mut inner.data);
                data.clear();
                data.extend_from_slice(frame.data);
                *inner = Inner::new(frame, number, data);
                return packet;
            }
        }
        ScriptPacket::new(frame, number)
    }

    pub(super) fn view(&self) -> Packet<'_> {
        let i = &self.0;
        Packet::new(Frame {
            ts: i.ts,
            link: i.link,
            orig_len: i.orig_len,
            data: &i.data,
            iface: None,
        })
    }

    pub(super) fn core(&self) -> &Core {
        self.0.core.get_or_init(|| read_core(&self.view(), &self.0.data))
    }

    fn app(&self) -> &App {
        self.0.app.get_or_init(|| read_app(&self.view()))
    }

    pub(super) fn src(&self) -> Dynamic {
        self.0
            .src
            .get_or_init(|| self.core().src.map_or(Dynamic::UNIT, |a| ip_text(a).into()))
            .clone()
    }

    pub(super) fn dst(&self) -> Dynamic {
        self.0
            .dst
            .get_or_init(|| self.core().dst.map_or(Dynamic::UNIT, |a| ip_text(a).into()))
            .clone()
    }

    fn proto(&self) -> Dynamic {
        self.0
            .proto
            .get_or_init(|| {
                self.core().proto.map_or(Dynamic::UNIT, |p| {
                    let name: ImmutableString = match p {
                        ProtoName::Named("IPv6-ICMP") => "icmpv6".into(),
                        ProtoName::Named(name) => name.to_lowercase().into(),
                        ProtoName::Number(n) => n.to_string().into(),
                    };
                    name.into()
                })
            })
            .clone()
    }

    /// One text key per flow, the same in both directions: the lower endpoint first.
    fn flow(&self) -> Dynamic {
        self.0
            .flow
            .get_or_init(|| {
                let (src, dst) = (self.src(), self.dst());
                if src.is_unit() || dst.is_unit() {
                    return Dynamic::UNIT;
                }
                let (sp, dp) = self.core().ports.unwrap_or((0, 0));
                let a = format!("{src}:{sp}");
                let b = format!("{dst}:{dp}");
                let (lo, hi) = if a <= b { (a, b) } else { (b, a) };
                let key: ImmutableString = format!("{} {lo} {hi}", self.proto()).into();
                key.into()
            })
            .clone()
    }
}

fn ip_text(addr: IpAddr) -> ImmutableString {
    let mut out = Vec::new();
    push_ip(&mut out, addr);
    String::from_utf8_lossy(&out).into_owned().into()
}

pub(super) fn mac_text(mac: &[u8]) -> Dynamic {
    let mut out = Vec::new();
    push_mac(&mut out, mac);
    ImmutableString::from(String::from_utf8_lossy(&out).into_owned()).into()
}

fn read_core(pkt: &Packet<'_>, data: &[u8]) -> Core {
    let layers = pkt.layers();
    let mut c = Core {
        layout: Layout::of(pkt),
        src: pkt.src_ip(),
        dst: pkt.dst_ip(),
        proto: pkt.proto_name(),
        ports: pkt.ports(),
        ..Core::default()
    };
    let payload = pkt.payload();
    let start = (payload.as_ptr() as usize).saturating_sub(data.as_ptr() as usize);
    c.payload = if payload.is_empty() { (0, 0) } else { (start, start + payload.len()) };
    c.vlan = layers.vlans.first().map(|t| t.id);
    c.eth = layers.eth.as_ref().map(|e| (e.source(), e.destination(), e.ether_type().0));
    c.arp = pkt.arp().map(|a| {
        let mac = |b: &[u8]| {
            let mut m = [0u8; 6];
            if let Some(src) = b.get(..6) {
                m.copy_from_slice(src);
            }
            m
        };
        Arp { op: a.operation, sender_mac: mac(a.sender_hw), target_mac: mac(a.target_hw) }
    });
    c.ip = layers.ip.as_ref().map(|ip| {
        let (version, id, len, tos) = match ip {
            etherparse::LaxIpSlice::Ipv4(v4) => {
                let h = v4.header();
                (4, h.identification(), u32::from(h.total_len()), h.slice()[1])
            }
            etherparse::LaxIpSlice::Ipv6(v6) => {
                let h = v6.header();
                (6, 0, u32::from(h.payload_length()) + 40, h.traffic_class())
            }
        };
        Ip {
            version,
            ttl: pkt.ip_ttl().unwrap_or(0),
            proto: pkt.ip_proto().unwrap_or(0),
            id,
            len,
            tos,
        }
    });
    match &layers.transport {
        Transport::Tcp(t) => {
            c.tcp = Some(Tcp {
                seq: t.sequence_number(),
                ack_num: t.acknowledgment_number(),
                window: t.window_size(),
                flags: pkt.tcp_flags().unwrap_or(0),
            });
        }
        Transport::Udp(u) => c.udp_len = Some(u.length()),
        Transport::Icmpv4(_) | Transport::Icmpv6(_) => {
            let (t, code) = pkt.icmp_type_code().unwrap_or((0, None));
            let rest = match &layers.transport {
                Transport::Icmpv4(i) => i.bytes5to8(),
                Transport::Icmpv6(i) => i.bytes5to8(),
                _ => [0; 4],
            };
            c.icmp = Some([
                u16::from(t),
                u16::from(code.unwrap_or(0)),
                u16::from_be_bytes([rest[0], rest[1]]),
                u16::from_be_bytes([rest[2], rest[3]]),
            ]);
        }
        _ => {}
    }
    c
}

fn read_app(pkt: &Packet<'_>) -> App {
    let map = |entries: Vec<(&str, Dynamic)>| -> Map {
        entries.into_iter().map(|(k, v)| (k.into(), v)).collect()
    };
    App {
        dns: pkt.dns_message().and_then(super::api_dns::dns_map),
        http: pkt.http().map(|r| {
            map(vec![
                ("method", ImmutableString::from(r.method).into()),
                ("host", r.host.map_or(Dynamic::UNIT, |h| ImmutableString::from(h).into())),
                ("path", ImmutableString::from(r.path).into()),
            ])
        }),
        tls: pkt.tls_sni().map(|sni| map(vec![("sni", ImmutableString::from(sni).into())])),
        wifi: pkt.wifi().as_ref().map(wifi_map),
    }
}

/// `pkt.wifi`: the 802.11 fields the frame has, named as EVE's `wifi` names them.
fn wifi_map(wifi: &crate::decode::wifi::Wifi<'_>) -> Map {
    use crate::decode::wifi::Field;
    wifi.fields()
        .into_iter()
        .map(|(name, value)| {
            let value = match value {
                Field::Int(n) => Dynamic::from_int(n),
                Field::Float(x) => Dynamic::from_float(x),
                Field::Bool(b) => Dynamic::from_bool(b),
                Field::Text(t) => ImmutableString::from(t).into(),
                Field::Bytes(b) => {
                    ImmutableString::from(String::from_utf8_lossy(b).as_ref()).into()
                }
                Field::Mac(m) => mac_text(&m),
            };
            (name.into(), value)
        })
        .collect()
}

pub(super) fn int(v: impl Into<i64>) -> Dynamic {
    Dynamic::from(v.into())
}

pub(super) fn ports(p: &ScriptPacket) -> (Dynamic, Dynamic) {
    p.core().ports.map_or((Dynamic::UNIT, Dynamic::UNIT), |(s, d)| (int(s), int(d)))
}

/// Registers the packet type and its own getters; its layers are `api_layers`'s.
pub fn register(engine: &mut Engine) {
    engine.register_type_with_name::<ScriptPacket>("Packet");
    engine.register_get("number", |p: &mut ScriptPacket| p.0.number as i64);
    engine.register_get("time", |p: &mut ScriptPacket| p.0.ts.as_f64());
    engine.register_get("len", |p: &mut ScriptPacket| i64::from(p.0.orig_len));
    engine.register_get("caplen", |p: &mut ScriptPacket| p.0.data.len() as i64);
    engine.register_get("iface", |_p: &mut ScriptPacket| Dynamic::UNIT);
    engine.register_get("proto", |p: &mut ScriptPacket| p.proto());
    engine.register_get("src", |p: &mut ScriptPacket| p.src());
    engine.register_get("dst", |p: &mut ScriptPacket| p.dst());
    engine.register_get("sport", |p: &mut ScriptPacket| ports(p).0);
    engine.register_get("dport", |p: &mut ScriptPacket| ports(p).1);
    engine.register_get("flow", |p: &mut ScriptPacket| p.flow());
    engine.register_get("vlan", |p: &mut ScriptPacket| p.core().vlan.map_or(Dynamic::UNIT, int));
    engine.register_get("payload", |p: &mut ScriptPacket| {
        let (a, b) = p.core().payload;
        Dynamic::from_blob(p.0.data.get(a..b).unwrap_or_default().to_vec() as Blob)
    });
    engine.register_get("dns", |p: &mut ScriptPacket| {
        p.app().dns.clone().map_or(Dynamic::UNIT, Dynamic::from_map)
    });
    engine.register_get("http", |p: &mut ScriptPacket| {
        p.app().http.clone().map_or(Dynamic::UNIT, Dynamic::from_map)
    });
    engine.register_get("tls", |p: &mut ScriptPacket| {
        p.app().tls.clone().map_or(Dynamic::UNIT, Dynamic::from_map)
    });
    engine.register_get("wifi", |p: &mut ScriptPacket| {
        p.app().wifi.clone().map_or(Dynamic::UNIT, Dynamic::from_map)
    });
}
