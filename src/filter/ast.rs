//! The parsed form of a filter expression: pcap-filter(7)'s primitives, their qualifiers
//! filled in, and arithmetic relations.

use std::net::{Ipv4Addr, Ipv6Addr};

/// A boolean expression.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Expr {
    And(Box<Expr>, Box<Expr>),
    Or(Box<Expr>, Box<Expr>),
    Not(Box<Expr>),
    Prim(Prim, Pos),
    /// `arith relop arith`, e.g. `tcp[13] & 2 != 0`.
    Rel {
        op: RelOp,
        lhs: Arith,
        rhs: Arith,
        pos: Pos,
    },
}

/// Where a primitive starts in the expression, for errors found after parsing.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Pos {
    pub line: u32,
    pub col: u32,
}

/// Which address or port of a packet a primitive looks at.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Dir {
    Src,
    Dst,
    SrcOrDst,
    SrcAndDst,
    /// 802.11's addresses by position and role (`wlan addr1`, `wlan ra`): only for MACs.
    Addr1,
    Addr2,
    Addr3,
    Addr4,
    Ra,
    Ta,
}

/// A protocol qualifier (`ether`, `ip`, `tcp`, …).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Proto {
    Ether,
    Ip,
    Ip6,
    Arp,
    Rarp,
    Tcp,
    Udp,
    Sctp,
    Icmp,
    Icmp6,
    Igmp,
    Pim,
    Vrrp,
    Ah,
    Esp,
}

impl Proto {
    /// The IP protocol number of a transport qualifier.
    pub fn ip_number(self) -> Option<u8> {
        Some(match self {
            Proto::Tcp => 6,
            Proto::Udp => 17,
            Proto::Sctp => 132,
            Proto::Icmp => 1,
            Proto::Icmp6 => 58,
            Proto::Igmp => 2,
            Proto::Pim => 103,
            Proto::Vrrp => 112,
            Proto::Ah => 51,
            Proto::Esp => 50,
            Proto::Ether | Proto::Ip | Proto::Ip6 | Proto::Arp | Proto::Rarp => return None,
        })
    }

    /// The keyword that names it.
    pub fn name(self) -> &'static str {
        match self {
            Proto::Ether => "ether",
            Proto::Ip => "ip",
            Proto::Ip6 => "ip6",
            Proto::Arp => "arp",
            Proto::Rarp => "rarp",
            Proto::Tcp => "tcp",
            Proto::Udp => "udp",
            Proto::Sctp => "sctp",
            Proto::Icmp => "icmp",
            Proto::Icmp6 => "icmp6",
            Proto::Igmp => "igmp",
            Proto::Pim => "pim",
            Proto::Vrrp => "vrrp",
            Proto::Ah => "ah",
            Proto::Esp => "esp",
        }
    }
}

/// A network: an address and how many leading bits count.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Net {
    V4 { addr: Ipv4Addr, mask: u32 },
    V6 { addr: Ipv6Addr, prefix: u8 },
}

/// One primitive, with every qualifier it applies.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Prim {
    /// `[ip|ip6|arp|rarp] [dir] host ADDR`; a host is a network of full length.
    Net {
        proto: Option<Proto>,
        dir: Dir,
        net: Net,
    },
    /// `[tcp|udp|sctp] [dir] port N` and `portrange A-B` (`lo == hi` for a port).
    Port {
        proto: Option<Proto>,
        dir: Dir,
        lo: u16,
        hi: u16,
    },
    /// `ether [dir] host MAC`.
    EtherHost {
        dir: Dir,
        mac: [u8; 6],
    },
    /// `tcp`, `ip`, `arp`, … on their own.
    Is(Proto),
    /// `proto N` (IPv4 or IPv6), `ip proto N`, `ip6 proto N`, `ether proto N`.
    ProtoNum {
        proto: Option<Proto>,
        num: u32,
    },
    /// `ether broadcast` (`broadcast`).
    Broadcast,
    /// `ether multicast`, `ip multicast`, `ip6 multicast`.
    Multicast(Proto),
    /// `vlan [ID]`: shifts the offsets of every primitive after it by one tag.
    Vlan(Option<u16>),
    /// `mpls [LABEL]`: shifts the offsets of every primitive after it by one label.
    Mpls(Option<u32>),
    /// `less N`: wire length at most N.
    Less(u32),
    /// `greater N`: wire length at least N.
    Greater(u32),
    Inbound,
    Outbound,
    /// `type T [subtype S]` and `subtype S`: `(frame control byte & mask) == value`.
    WlanType {
        value: u8,
        mask: u8,
    },
    /// `dir nods|tods|fromds|dstods` (or 0–3): the frame control's DS bits.
    WlanDir(u8),
}

/// A comparison.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RelOp {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

/// An arithmetic operator (32-bit unsigned, as BPF computes).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ArithOp {
    Add,
    Sub,
    Mul,
    Div,
    Mod,
    And,
    Or,
    Xor,
    Shl,
    Shr,
}

/// An arithmetic expression.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Arith {
    Num(u32),
    /// The packet's length on the wire.
    Len,
    /// `proto[offset:size]`.
    Load {
        proto: Proto,
        offset: Box<Arith>,
        size: u8,
    },
    Bin(ArithOp, Box<Arith>, Box<Arith>),
    Neg(Box<Arith>),
}
