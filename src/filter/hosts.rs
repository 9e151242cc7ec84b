//! The primitives that name addresses, ports and bytes (`host`, `net`, `port`,
//! `portrange`, `proto[…]`), lowered as libpcap lowers them.

use std::net::Ipv6Addr;

use super::Error;
use super::ast::{Arith, ArithOp, Dir, Net, Proto, RelOp};
use super::compile::{
    Compiler, ETHERTYPE_ARP, ETHERTYPE_IP, ETHERTYPE_IPV6, ETHERTYPE_REVARP, Loc, and, or, relation,
};
use super::node::{At, Node, Val};

impl Compiler {
    pub(super) fn net_prim(
        &self,
        proto: Option<Proto>,
        dir: Dir,
        net: &Net,
    ) -> Result<Node, Error> {
        match net {
            Net::V4 { addr, mask } => {
                let addr = u32::from(*addr);
                let hostop = |ethertype: u16, src: u32, dst: u32| -> Result<Node, Error> {
                    let kind = self.linktype(ethertype)?;
                    Ok(self.directions(
                        dir,
                        || and(kind.clone(), self.masked(self.net(src), 4, *mask, addr)),
                        || and(kind.clone(), self.masked(self.net(dst), 4, *mask, addr)),
                    ))
                };
                match proto {
                    Some(Proto::Ip) => hostop(ETHERTYPE_IP, 12, 16),
                    Some(Proto::Arp) => hostop(ETHERTYPE_ARP, 14, 24),
                    Some(Proto::Rarp) => hostop(ETHERTYPE_REVARP, 14, 24),
                    _ => {
                        let ip = hostop(ETHERTYPE_IP, 12, 16)?;
                        if self.mpls_depth > 0 {
                            return Ok(ip);
                        }
                        let arp = hostop(ETHERTYPE_ARP, 14, 24)?;
                        let rarp = hostop(ETHERTYPE_REVARP, 14, 24)?;
                        Ok(or(or(ip, arp), rarp))
                    }
                }
            }
            Net::V6 { addr, prefix } => {
                let words = ipv6_words(addr);
                let masks = prefix_masks(*prefix);
                // Every word is loaded, even under a zero mask: a load past the end
                // rejects the packet, in hark as in BPF.
                let at = |base: u32| {
                    let mut node = Node::True;
                    for i in 0..4 {
                        node = and(
                            node,
                            self.masked(
                                self.net(base + 4 * i as u32),
                                4,
                                masks[i],
                                words[i] & masks[i],
                            ),
                        );
                    }
                    node
                };
                let kind = self.linktype(ETHERTYPE_IPV6)?;
                Ok(self.directions(dir, || and(kind.clone(), at(8)), || and(kind.clone(), at(24))))
            }
        }
    }

    pub(super) fn port(
        &self,
        proto: Option<Proto>,
        dir: Dir,
        lo: u16,
        hi: u16,
    ) -> Result<Node, Error> {
        let (lo, hi) = (u32::from(lo), u32::from(hi));
        let protos: Vec<u32> = match proto {
            Some(p) => vec![u32::from(p.ip_number().unwrap_or(0))],
            None => vec![6, 17, 132],
        };
        let atom = |at: &dyn Fn(u32) -> Val, offset: u32| -> Node {
            if lo == hi {
                relation(RelOp::Eq, at(offset), Val::Const(lo))
            } else {
                and(
                    relation(RelOp::Ge, at(offset), Val::Const(lo)),
                    relation(RelOp::Le, at(offset), Val::Const(hi)),
                )
            }
        };
        // IPv4: the header length comes from the packet.
        let v4_at = |offset: u32| Val::Load { at: self.after_ipv4(Val::Const(offset)), size: 2 };
        let mut v4 = Node::False;
        for &p in &protos {
            let ports = self.directions(dir, || atom(&v4_at, 0), || atom(&v4_at, 2));
            v4 = or(v4, and(and(self.field(self.net(9), 1, p), self.first_fragment()), ports));
        }
        let v4 = and(self.linktype(ETHERTYPE_IP)?, v4);
        // IPv6: ports right after the fixed header; extension headers are not followed.
        let v6_at = |offset: u32| self.load(self.net(40) + offset, 2);
        let mut v6 = Node::False;
        for &p in &protos {
            let ports = self.directions(dir, || atom(&v6_at, 0), || atom(&v6_at, 2));
            v6 = or(v6, and(self.field(self.net(6), 1, p), ports));
        }
        let v6 = and(self.linktype(ETHERTYPE_IPV6)?, v6);
        Ok(or(v4, v6))
    }

    /// Lowers arithmetic; the protocol tests a load depends on are added to `guards`.
    pub(super) fn arith(&mut self, arith: &Arith, guards: &mut Node) -> Result<Val, Error> {
        Ok(match arith {
            Arith::Num(n) => Val::Const(*n),
            Arith::Len => Val::Len,
            Arith::Neg(a) => Val::Neg(Box::new(self.arith(a, guards)?)),
            Arith::Bin(op, a, b) => {
                let a = self.arith(a, guards)?;
                let b = self.arith(b, guards)?;
                Val::Bin(*op, Box::new(a), Box::new(b))
            }
            Arith::Load { proto, offset, size } => {
                let offset = self.arith(offset, guards)?;
                let (guard, at) = match proto {
                    Proto::Ether => (Node::True, self.at(self.link_header(0), offset)),
                    Proto::Ip => (self.linktype(ETHERTYPE_IP)?, self.at(self.net(0), offset)),
                    Proto::Ip6 => (self.linktype(ETHERTYPE_IPV6)?, self.at(self.net(0), offset)),
                    Proto::Arp => (self.linktype(ETHERTYPE_ARP)?, self.at(self.net(0), offset)),
                    Proto::Rarp => (self.linktype(ETHERTYPE_REVARP)?, self.at(self.net(0), offset)),
                    Proto::Icmp6 => (self.is(Proto::Icmp6)?, self.at(self.net(40), offset)),
                    Proto::Tcp | Proto::Udp | Proto::Sctp | Proto::Icmp | Proto::Igmp => {
                        // As libpcap: the protocol (over IPv4 or IPv6), not a later
                        // fragment, and the offset past the IPv4 header's length.
                        let guard = and(self.is(*proto)?, self.first_fragment());
                        (guard, self.after_ipv4(offset))
                    }
                    other => {
                        return Err(
                            self.error(format!("'{}[...]' is not supported by hark", other.name()))
                        );
                    }
                };
                *guards = and(std::mem::replace(guards, Node::True), guard);
                Val::Load { at, size: *size }
            }
        })
    }

    pub(super) fn at(&self, base: Loc, offset: Val) -> At {
        match (self.variable(base.origin), offset) {
            (None, Val::Const(n)) => At::Fixed(base.offset.saturating_add(n)),
            (None, other) => At::Indexed { base: base.offset, offset: Box::new(other) },
            (Some(v), Val::Const(n)) => {
                At::Indexed { base: base.offset.saturating_add(n), offset: Box::new(Val::Var(v)) }
            }
            (Some(v), other) => At::Indexed {
                base: base.offset,
                offset: Box::new(Val::Bin(ArithOp::Add, Box::new(Val::Var(v)), Box::new(other))),
            },
        }
    }
}

fn ipv6_words(addr: &Ipv6Addr) -> [u32; 4] {
    let o = addr.octets();
    [0, 1, 2, 3].map(|i| u32::from_be_bytes([o[4 * i], o[4 * i + 1], o[4 * i + 2], o[4 * i + 3]]))
}

fn prefix_masks(prefix: u8) -> [u32; 4] {
    let mut left = u32::from(prefix);
    [0, 1, 2, 3].map(|_| {
        let bits = left.min(32);
        left -= bits;
        if bits == 0 { 0 } else { u32::MAX << (32 - bits) }
    })
}
