//! From the parsed expression to a predicate over a frame's bytes, for one link type.
//!
//! Each primitive is lowered to the same tests libpcap's code generator emits (gencode.c),
//! in the same order, so that hark's verdict is tcpdump's on every packet, surprises
//! included: `vlan` and `mpls` move every later primitive's offsets, whatever the
//! and/or structure; `tcp[…]` reads relative to the IPv4 header length and never matches
//! a non-first fragment; IPv6 ports are only found right after the fixed header; and a
//! read past the captured bytes rejects the packet outright, as BPF does.

use super::Error;
use super::ast::{ArithOp, Dir, Expr, Pos, Prim, Proto, RelOp};
use super::node::{At, Base, FieldTest, Node, Val};
use super::wlan::{self, Variable};
use crate::source::LinkType;

pub(super) const ETHERTYPE_IP: u16 = 0x0800;
pub(super) const ETHERTYPE_ARP: u16 = 0x0806;
pub(super) const ETHERTYPE_REVARP: u16 = 0x8035;
pub(super) const ETHERTYPE_IPV6: u16 = 0x86dd;
pub(super) const ETHERTYPE_8021Q: u16 = 0x8100;
pub(super) const ETHERTYPE_8021AD: u16 = 0x88a8;
pub(super) const ETHERTYPE_8021QINQ: u16 = 0x9100;
pub(super) const ETHERTYPE_MPLS: u16 = 0x8847;
pub(super) const IPPROTO_FRAGMENT: u32 = 44;

/// How a link type carries its network protocol.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Link {
    Ethernet,
    Sll,
    Sll2,
    /// Raw IP: the version nibble tells.
    Raw,
    Ipv4Only,
    Ipv6Only,
    /// BSD loopback: a 4-byte address family, in the writer's byte order.
    Null,
    /// OpenBSD loopback: the family in network byte order.
    Loop,
    Ppp,
    CiscoHdlc,
    FrameRelay,
    /// libpcap's 16-byte SLIP pseudo-header, then IP.
    Slip,
    /// 802.11, after a radiotap header or not: variable offsets, read from each packet.
    Wlan {
        radiotap: bool,
    },
    IpOverInfiniband,
}

/// Where a header starts: libpcap's offset bases.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Origin {
    /// A fixed offset from the start of the frame.
    Frame,
    /// The 802.11 header, after a radiotap header of any length.
    LinkHeader,
    /// What follows the 802.11 header (its LLC header), wherever that is.
    LinkPayload,
}

/// An offset from an origin.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Loc {
    pub(super) origin: Origin,
    pub(super) offset: u32,
}

impl std::ops::Add<u32> for Loc {
    type Output = Loc;
    fn add(self, n: u32) -> Loc {
        Loc { offset: self.offset.saturating_add(n), ..self }
    }
}

impl std::ops::Sub<u32> for Loc {
    type Output = Loc;
    fn sub(self, n: u32) -> Loc {
        Loc { offset: self.offset.saturating_sub(n), ..self }
    }
}

/// The compiler's state: libpcap's offsets, which `vlan` and `mpls` move as they are met.
pub(super) struct Compiler {
    link: Link,
    link_type: LinkType,
    /// Offset of the link-layer type field, if the link has one.
    linktype_off: Option<u32>,
    /// Offset of the link-layer payload.
    linkpl: u32,
    /// Extra network-layer offset inside the payload (MPLS labels).
    nl: u32,
    pub(super) mpls_depth: u32,
    pos: Pos,
    /// Which of libpcap's per-packet offsets the program reads (802.11), so that they
    /// are computed first, as libpcap's program does, before any test.
    uses_header: std::cell::Cell<bool>,
    uses_payload: std::cell::Cell<bool>,
}

/// Compiles `expr` for frames of `link_type`.
pub fn compile(expr: &Expr, link_type: LinkType) -> Result<Node, Error> {
    let (link, linktype_off, linkpl) = match link_type {
        LinkType::ETHERNET => (Link::Ethernet, Some(12), 14),
        LinkType::LINUX_SLL => (Link::Sll, Some(14), 16),
        LinkType::LINUX_SLL2 => (Link::Sll2, Some(0), 20),
        LinkType::RAW | LinkType::RAW_OLD_12 | LinkType::RAW_OLD_14 => (Link::Raw, None, 0),
        LinkType::IPV4 => (Link::Ipv4Only, None, 0),
        LinkType::IPV6 => (Link::Ipv6Only, None, 0),
        LinkType::NULL => (Link::Null, Some(0), 4),
        LinkType::LOOP => (Link::Loop, Some(0), 4),
        LinkType::PPP | LinkType::PPP_HDLC => (Link::Ppp, Some(2), 4),
        LinkType::C_HDLC => (Link::CiscoHdlc, Some(2), 4),
        // libpcap reads Frame Relay's network layer at offset 0 (gencode.c says so, XXX
        // and all); hark does the same, so that its verdicts stay tcpdump's.
        LinkType::FRELAY => (Link::FrameRelay, None, 0),
        LinkType::SLIP => (Link::Slip, None, 16),
        LinkType::IEEE802_11 => (Link::Wlan { radiotap: false }, None, 0),
        LinkType::IEEE802_11_RADIOTAP => (Link::Wlan { radiotap: true }, None, 0),
        LinkType::IPOIB => (Link::IpOverInfiniband, None, 44),
        other => {
            return Err(Error::at(
                1,
                1,
                format!(
                    "hark cannot filter packets of link type {} (it filters Ethernet, Linux cooked, raw IP, loopback, PPP, Cisco HDLC, Frame Relay, SLIP and 802.11)",
                    other.0
                ),
            ));
        }
    };
    let mut c = Compiler {
        link,
        link_type,
        linktype_off,
        linkpl,
        // 802.11's network layer is after its 8-byte LLC/SNAP header.
        nl: if matches!(link, Link::Wlan { .. }) { 8 } else { 0 },
        mpls_depth: 0,
        pos: Pos::default(),
        uses_header: std::cell::Cell::new(false),
        uses_payload: std::cell::Cell::new(false),
    };
    let body = c.expr(expr)?;
    // libpcap computes the offsets it needs at the very start: a packet too short for
    // them is rejected, whatever the expression.
    let Link::Wlan { radiotap } = link else { return Ok(body) };
    let first = if c.uses_payload.get() {
        Some(Variable::WlanPayload { radiotap })
    } else if c.uses_header.get() && radiotap {
        Some(Variable::RadiotapLength)
    } else {
        None
    };
    Ok(match first {
        Some(v) => and(Node::Rel { op: RelOp::Ge, lhs: Val::Var(v), rhs: Val::Const(0) }, body),
        None => body,
    })
}

pub(super) fn and(a: Node, b: Node) -> Node {
    match (&a, &b) {
        (Node::True, _) => b,
        (_, Node::True) => a,
        _ => Node::And(Box::new(a), Box::new(b)),
    }
}

pub(super) fn or(a: Node, b: Node) -> Node {
    match (&a, &b) {
        (Node::False, _) => b,
        (_, Node::False) => a,
        _ => Node::Or(Box::new(a), Box::new(b)),
    }
}

pub(super) fn not(a: Node) -> Node {
    match a {
        Node::True => Node::False,
        Node::False => Node::True,
        other => Node::Not(Box::new(other)),
    }
}

fn field(offset: u32, size: u8, value: u32) -> Node {
    Node::Field(FieldTest { at: Base::Fixed(offset), size, mask: u32::MAX, op: RelOp::Eq, value })
}

fn masked(offset: u32, size: u8, mask: u32, value: u32) -> Node {
    Node::Field(FieldTest { at: Base::Fixed(offset), size, mask, op: RelOp::Eq, value })
}

/// A comparison, as a [`Node::Field`] when it is `load [& mask] op constant`.
pub(super) fn relation(op: RelOp, lhs: Val, rhs: Val) -> Node {
    let base = |at: &At| match at {
        At::Fixed(o) => Some(Base::Fixed(*o)),
        At::AfterIpv4 { base, offset } => match **offset {
            Val::Const(k) => Some(Base::AfterIpv4 { base: *base, offset: k }),
            _ => None,
        },
        At::Indexed { .. } => None,
    };
    let simple = match (&lhs, &rhs) {
        (Val::Load { at, size }, Val::Const(value)) => {
            base(at).map(|b| (b, *size, u32::MAX, *value))
        }
        (Val::Bin(ArithOp::And, a, m), Val::Const(value)) => match (&**a, &**m) {
            (Val::Load { at, size }, Val::Const(mask)) => {
                base(at).map(|b| (b, *size, *mask, *value))
            }
            _ => None,
        },
        _ => None,
    };
    match simple {
        Some((at, size, mask, value)) => Node::Field(FieldTest { at, size, mask, op, value }),
        None => Node::Rel { op, lhs, rhs },
    }
}

impl Compiler {
    pub(super) fn error(&self, msg: String) -> Error {
        Error::at(self.pos.line, self.pos.col, msg)
    }

    /// Where a network-layer field is.
    pub(super) fn net(&self, offset: u32) -> Loc {
        match self.link {
            Link::Wlan { .. } => {
                Loc { origin: Origin::LinkPayload, offset: self.linkpl + self.nl + offset }
            }
            _ => Loc { origin: Origin::Frame, offset: self.linkpl + self.nl + offset },
        }
    }

    /// Where a field of the link-layer header is (`ether[…]`, 802.11's addresses).
    pub(super) fn link_header(&self, offset: u32) -> Loc {
        match self.link {
            Link::Wlan { .. } => Loc { origin: Origin::LinkHeader, offset },
            _ => Loc { origin: Origin::Frame, offset },
        }
    }

    /// Where a field of 802.11's LLC header is.
    pub(super) fn llc(&self, offset: u32) -> Loc {
        Loc { origin: Origin::LinkPayload, offset: self.linkpl + offset }
    }

    /// The per-packet offset an origin adds, if any, noting that the program needs it.
    pub(super) fn variable(&self, origin: Origin) -> Option<Variable> {
        let Link::Wlan { radiotap } = self.link else { return None };
        match origin {
            Origin::Frame => None,
            Origin::LinkHeader if !radiotap => None,
            Origin::LinkHeader => {
                self.uses_header.set(true);
                Some(Variable::RadiotapLength)
            }
            Origin::LinkPayload => {
                self.uses_payload.set(true);
                Some(Variable::WlanPayload { radiotap })
            }
        }
    }

    /// A load of `size` bytes at `loc`.
    pub(super) fn load(&self, loc: Loc, size: u8) -> Val {
        let at = match self.variable(loc.origin) {
            None => At::Fixed(loc.offset),
            Some(v) => At::Indexed { base: loc.offset, offset: Box::new(Val::Var(v)) },
        };
        Val::Load { at, size }
    }

    /// `(load & mask) op value` at `loc`.
    pub(super) fn test(&self, loc: Loc, size: u8, mask: u32, op: RelOp, value: u32) -> Node {
        match self.variable(loc.origin) {
            None => Node::Field(FieldTest { at: Base::Fixed(loc.offset), size, mask, op, value }),
            Some(_) => {
                let mut lhs = self.load(loc, size);
                if mask != u32::MAX {
                    lhs = Val::Bin(ArithOp::And, Box::new(lhs), Box::new(Val::Const(mask)));
                }
                Node::Rel { op, lhs, rhs: Val::Const(value) }
            }
        }
    }

    pub(super) fn field(&self, loc: Loc, size: u8, value: u32) -> Node {
        self.test(loc, size, u32::MAX, RelOp::Eq, value)
    }

    pub(super) fn masked(&self, loc: Loc, size: u8, mask: u32, value: u32) -> Node {
        self.test(loc, size, mask, RelOp::Eq, value)
    }

    /// Where a field `offset` bytes past the IPv4 header (whose length the packet says) is.
    pub(super) fn after_ipv4(&self, offset: Val) -> At {
        let base = self.net(0);
        let Some(start) = self.variable(base.origin) else {
            return At::AfterIpv4 { base: base.offset, offset: Box::new(offset) };
        };
        // libpcap's variable form: the payload's offset plus 4 × the header length nibble.
        let nibble =
            Val::Bin(ArithOp::And, Box::new(self.load(base, 1)), Box::new(Val::Const(0x0f)));
        let header_len = Val::Bin(ArithOp::Shl, Box::new(nibble), Box::new(Val::Const(2)));
        let past = Val::Bin(ArithOp::Add, Box::new(Val::Var(start)), Box::new(header_len));
        At::Indexed {
            base: base.offset,
            offset: Box::new(Val::Bin(ArithOp::Add, Box::new(past), Box::new(offset))),
        }
    }

    pub(super) fn expr(&mut self, expr: &Expr) -> Result<Node, Error> {
        Ok(match expr {
            // Left before right: the order libpcap generates code in, which decides
            // what a `vlan` or `mpls` in the left part shifts in the right part.
            Expr::And(a, b) => {
                let a = self.expr(a)?;
                and(a, self.expr(b)?)
            }
            Expr::Or(a, b) => {
                let a = self.expr(a)?;
                or(a, self.expr(b)?)
            }
            Expr::Not(a) => not(self.expr(a)?),
            Expr::Prim(prim, pos) => {
                self.pos = *pos;
                self.prim(prim)?
            }
            Expr::Rel { op, lhs, rhs, pos } => {
                self.pos = *pos;
                let mut guards = Node::True;
                let l = self.arith(lhs, &mut guards)?;
                let r = self.arith(rhs, &mut guards)?;
                and(guards, relation(*op, l, r))
            }
        })
    }

    /// libpcap's gen_linktype: is the network protocol `ethertype`?
    pub(super) fn linktype(&self, ethertype: u16) -> Result<Node, Error> {
        let v = u32::from(ethertype);
        if self.mpls_depth > 0 {
            // After `mpls`: the bottom-of-stack bit of the last label, and the IP version.
            let version = match ethertype {
                ETHERTYPE_IP => 0x40,
                ETHERTYPE_IPV6 => 0x60,
                _ => {
                    return Err(self.error(format!(
                        "hark cannot match ethertype 0x{ethertype:04x} inside MPLS"
                    )));
                }
            };
            return Ok(and(
                self.masked(self.net(0) - 2, 1, 0x01, 0x01),
                self.masked(self.net(0), 1, 0xf0, version),
            ));
        }
        Ok(match self.link {
            Link::Ethernet | Link::Sll | Link::Sll2 => {
                if ethertype <= 1500 {
                    return Err(self.error(format!(
                        "ethertype {ethertype} is an 802.3 length; hark does not match 802.2 LLC frames"
                    )));
                }
                field(self.linktype_off.unwrap_or(12), 2, v)
            }
            // libpcap tests SLIP's version nibble at offset 0 too, in the pseudo-header.
            Link::Raw | Link::Slip => match ethertype {
                ETHERTYPE_IP => masked(0, 1, 0xf0, 0x40),
                ETHERTYPE_IPV6 => masked(0, 1, 0xf0, 0x60),
                _ => Node::False,
            },
            Link::Ipv4Only => {
                if ethertype == ETHERTYPE_IP {
                    Node::True
                } else {
                    Node::False
                }
            }
            Link::Ipv6Only => {
                if ethertype == ETHERTYPE_IPV6 {
                    Node::True
                } else {
                    Node::False
                }
            }
            Link::Null | Link::Loop => {
                let families: &[u32] = match ethertype {
                    ETHERTYPE_IP => &[2],
                    // The BSDs disagree on AF_INET6: NetBSD/OpenBSD 24, FreeBSD 28, macOS 30.
                    ETHERTYPE_IPV6 => &[24, 28, 30],
                    _ => &[],
                };
                let mut node = Node::False;
                for &f in families {
                    let mut test = field(0, 4, f);
                    if self.link == Link::Null {
                        // NULL's family is in the writer's byte order.
                        test = or(test, field(0, 4, f.swap_bytes()));
                    }
                    node = or(node, test);
                }
                node
            }
            Link::Ppp => {
                let ppp = match ethertype {
                    ETHERTYPE_IP => 0x0021,
                    ETHERTYPE_IPV6 => 0x0057,
                    ETHERTYPE_MPLS => 0x0281,
                    other => u32::from(other),
                };
                field(2, 2, ppp)
            }
            Link::CiscoHdlc => field(2, 2, v),
            // After the 2-byte address: UI control and the NLPID.
            Link::FrameRelay => match ethertype {
                ETHERTYPE_IP => field(2, 2, 0x03cc),
                ETHERTYPE_IPV6 => field(2, 2, 0x038e),
                _ => Node::False,
            },
            Link::Wlan { .. } => {
                let llc = match ethertype {
                    // SAPs of 802.2 that libpcap matches in both DSAP and SSAP.
                    0x06 | 0xf0 | 0xfe => self.field(self.llc(0), 2, (v << 8) | v),
                    0..=1500 => self.field(self.llc(0), 1, v),
                    _ => self.field(self.llc(6), 2, v),
                };
                and(wlan::data_frame(self), llc)
            }
            Link::IpOverInfiniband => {
                return Err(self.error(
                    "hark, like tcpdump, does not filter IP over InfiniBand by protocol (link[…] and len work)"
                        .into(),
                ));
            }
        })
    }

    /// libpcap's gen_proto: is the IP protocol `v` (for IPv6, also after one fragment header)?
    pub(super) fn proto(&self, v: u32, layer: Option<Proto>) -> Result<Node, Error> {
        let v4 = || -> Result<Node, Error> {
            Ok(and(self.linktype(ETHERTYPE_IP)?, self.field(self.net(9), 1, v)))
        };
        let v6 = || -> Result<Node, Error> {
            let after_fragment =
                and(self.field(self.net(6), 1, IPPROTO_FRAGMENT), self.field(self.net(40), 1, v));
            Ok(and(
                self.linktype(ETHERTYPE_IPV6)?,
                or(self.field(self.net(6), 1, v), after_fragment),
            ))
        };
        match layer {
            Some(Proto::Ip) => v4(),
            Some(Proto::Ip6) => v6(),
            Some(Proto::Ether) => self.linktype(v as u16),
            _ => Ok(or(v4()?, v6()?)),
        }
    }

    /// A protocol named on its own (`tcp`, `ip6`, `arp`).
    pub(super) fn is(&self, proto: Proto) -> Result<Node, Error> {
        match proto {
            Proto::Ip => self.linktype(ETHERTYPE_IP),
            Proto::Ip6 => self.linktype(ETHERTYPE_IPV6),
            Proto::Arp => self.linktype(ETHERTYPE_ARP),
            Proto::Rarp => self.linktype(ETHERTYPE_REVARP),
            Proto::Icmp | Proto::Igmp | Proto::Vrrp => self.proto(u32::from(proto.ip_number().unwrap_or(0)), Some(Proto::Ip)),
            Proto::Icmp6 => self.proto(58, Some(Proto::Ip6)),
            Proto::Tcp | Proto::Udp | Proto::Sctp | Proto::Pim | Proto::Ah | Proto::Esp => {
                self.proto(u32::from(proto.ip_number().unwrap_or(0)), None)
            }
            Proto::Ether => Err(self.error("'ether' on its own is not a primitive (did you mean 'ether host' or 'ether proto'?)".into())),
        }
    }

    /// "Not a fragment other than the first": IPv4's fragment offset is zero.
    pub(super) fn first_fragment(&self) -> Node {
        self.masked(self.net(6), 2, 0x1fff, 0)
    }

    pub(super) fn prim(&mut self, prim: &Prim) -> Result<Node, Error> {
        match prim {
            Prim::Is(proto) => self.is(*proto),
            Prim::ProtoNum { proto, num } => self.proto(*num, *proto),
            Prim::Net { proto, dir, net } => self.net_prim(*proto, *dir, net),
            Prim::Port { proto, dir, lo, hi } => self.port(*proto, *dir, *lo, *hi),
            Prim::EtherHost { dir, mac } if matches!(self.link, Link::Wlan { .. }) => {
                wlan::host(self, *dir, mac)
            }
            Prim::Broadcast if matches!(self.link, Link::Wlan { .. }) => {
                wlan::host(self, Dir::Dst, &[0xff; 6])
            }
            Prim::Multicast(Proto::Ether) if matches!(self.link, Link::Wlan { .. }) => {
                Ok(wlan::multicast(self))
            }
            Prim::WlanType { value, mask } => {
                self.require_wlan("type")?;
                Ok(self.masked(self.link_header(0), 1, u32::from(*mask), u32::from(*value)))
            }
            Prim::WlanDir(d) => {
                self.require_wlan("dir")?;
                Ok(self.masked(self.link_header(1), 1, 0x03, u32::from(*d)))
            }
            Prim::EtherHost { dir, mac } => {
                self.require_ethernet("ether host")?;
                if !matches!(dir, Dir::Src | Dir::Dst | Dir::SrcOrDst | Dir::SrcAndDst) {
                    return Err(self.error(
                        "802.11's address qualifiers (addr1–addr4, ra, ta) need 802.11 frames"
                            .into(),
                    ));
                }
                // libpcap compares the last four bytes first, then the first two.
                let at = |offset: u32| {
                    and(
                        field(offset + 2, 4, u32::from_be_bytes([mac[2], mac[3], mac[4], mac[5]])),
                        field(offset, 2, u32::from(u16::from_be_bytes([mac[0], mac[1]]))),
                    )
                };
                Ok(self.directions(*dir, || at(6), || at(0)))
            }
            Prim::Broadcast => {
                self.require_ethernet("broadcast")?;
                Ok(and(field(2, 4, u32::MAX), field(0, 2, 0xffff)))
            }
            Prim::Multicast(Proto::Ip) => Ok(and(
                self.linktype(ETHERTYPE_IP)?,
                self.test(self.net(16), 1, u32::MAX, RelOp::Ge, 224),
            )),
            Prim::Multicast(Proto::Ip6) => {
                Ok(and(self.linktype(ETHERTYPE_IPV6)?, self.field(self.net(24), 1, 255)))
            }
            Prim::Multicast(_) => {
                self.require_ethernet("multicast")?;
                Ok(Node::Field(FieldTest {
                    at: Base::Fixed(0),
                    size: 1,
                    mask: 1,
                    op: RelOp::Ne,
                    value: 0,
                }))
            }
            Prim::Vlan(id) if matches!(self.link, Link::Wlan { .. }) => {
                // libpcap's tag inside the SNAP payload: each tag moves what follows by 4.
                let mut node = or(
                    or(self.linktype(ETHERTYPE_8021Q)?, self.linktype(ETHERTYPE_8021AD)?),
                    self.linktype(ETHERTYPE_8021QINQ)?,
                );
                if let Some(id) = id {
                    node = and(node, self.masked(self.net(0), 2, 0x0fff, u32::from(*id)));
                }
                self.linkpl += 4;
                Ok(node)
            }
            Prim::Vlan(id) => {
                self.require_ethernet("vlan")?;
                if self.mpls_depth > 0 {
                    return Err(self.error("'vlan' after 'mpls' is not supported".into()));
                }
                let tpid = self.linktype_off.unwrap_or(12);
                let mut node = or(
                    or(
                        field(tpid, 2, u32::from(ETHERTYPE_8021Q)),
                        field(tpid, 2, u32::from(ETHERTYPE_8021AD)),
                    ),
                    field(tpid, 2, u32::from(ETHERTYPE_8021QINQ)),
                );
                if let Some(id) = id {
                    node = and(node, masked(self.linkpl, 2, 0x0fff, u32::from(*id)));
                }
                self.linktype_off = Some(tpid + 4);
                self.linkpl += 4;
                Ok(node)
            }
            Prim::Mpls(label) => {
                let mut node = if self.mpls_depth > 0 {
                    // A further label: the one before it is not the bottom of the stack.
                    self.masked(self.net(0) - 2, 1, 0x01, 0)
                } else {
                    match self.link {
                        Link::Ethernet | Link::CiscoHdlc => self.linktype(ETHERTYPE_MPLS)?,
                        Link::Ppp => field(2, 2, 0x0281),
                        _ => {
                            return Err(self.error(format!(
                                "'mpls' is not supported on link type {}",
                                self.link_type.0
                            )));
                        }
                    }
                };
                if let Some(label) = label {
                    node = and(node, self.masked(self.net(0), 4, 0xffff_f000, label << 12));
                }
                self.nl += 4;
                self.mpls_depth += 1;
                Ok(node)
            }
            Prim::Less(n) => Ok(Node::Rel { op: RelOp::Le, lhs: Val::Len, rhs: Val::Const(*n) }),
            Prim::Greater(n) => Ok(Node::Rel { op: RelOp::Ge, lhs: Val::Len, rhs: Val::Const(*n) }),
            Prim::Inbound | Prim::Outbound => {
                // Linux's PACKET_OUTGOING is packet type 4.
                let test = match self.link {
                    Link::Sll => field(0, 2, 4),
                    Link::Sll2 => field(10, 1, 4),
                    _ => {
                        return Err(self.error(format!(
                            "'inbound' and 'outbound' need a link type that records direction (Linux cooked), not {}",
                            self.link_type.0
                        )));
                    }
                };
                Ok(if matches!(prim, Prim::Outbound) { test } else { not(test) })
            }
        }
    }

    pub(super) fn require_wlan(&self, what: &str) -> Result<(), Error> {
        if matches!(self.link, Link::Wlan { .. }) {
            Ok(())
        } else {
            Err(self.error(format!(
                "'{what}' tests 802.11 frames, and this capture's link type is {}",
                self.link_type.0
            )))
        }
    }

    pub(super) fn require_ethernet(&self, what: &str) -> Result<(), Error> {
        if self.link == Link::Ethernet {
            Ok(())
        } else {
            Err(self.error(format!(
                "'{what}' needs Ethernet frames, and this capture's link type is {}",
                self.link_type.0
            )))
        }
    }

    /// Combines a source and a destination test as `dir` asks. 802.11's address
    /// qualifiers have no meaning here; the parser gives them to MAC addresses only, and
    /// [`wlan::host`] reads those.
    pub(super) fn directions(
        &self,
        dir: Dir,
        src: impl Fn() -> Node,
        dst: impl Fn() -> Node,
    ) -> Node {
        match dir {
            Dir::Src => src(),
            Dir::Dst => dst(),
            Dir::SrcAndDst => and(src(), dst()),
            Dir::SrcOrDst
            | Dir::Addr1
            | Dir::Addr2
            | Dir::Addr3
            | Dir::Addr4
            | Dir::Ra
            | Dir::Ta => or(src(), dst()),
        }
    }
}
