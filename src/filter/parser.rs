//! pcap-filter(7)'s grammar, by recursive descent.
//!
//! `and` and `or` have equal precedence and group from the left, `not` binds tighter, as
//! in libpcap. A bare address or number after `and`/`or` takes the qualifiers of the
//! primitive before it (`host a or b`, `port 53 or 80`). Host and network names are
//! refused: hark never resolves names.

use std::net::{Ipv4Addr, Ipv6Addr};

use super::ast::{Dir, Expr, Net, Pos, Prim, Proto};
use super::lexer::{Kind, Token, tokenize};
use super::{Error, names};

/// The type qualifier of a primitive.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Type {
    Host,
    Net,
    Port,
    PortRange,
}

/// The qualifiers a bare id after `and`/`or` inherits.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct Quals {
    proto: Option<Proto>,
    dir: Option<Dir>,
    kind: Option<Type>,
}

/// Parses a whole expression.
pub fn parse(text: &str) -> Result<Expr, Error> {
    let tokens = tokenize(text)?;
    let mut p = Parser { tokens, pos: 0, start: Pos::default() };
    if p.peek() == &Kind::End {
        return Err(p.error_here("the expression is empty".into()));
    }
    let (expr, _) = p.expr(Some(Quals::default()))?;
    if p.peek() != &Kind::End {
        let what = p.peek().describe();
        return Err(p.error_here(format!("expected 'and', 'or' or the end, found {what}")));
    }
    Ok(expr)
}

struct Parser {
    tokens: Vec<Token>,
    pos: usize,
    /// Where the primitive being parsed started.
    start: Pos,
}

/// Words that are keywords of the language, never an id (with `UNSUPPORTED`).
const KEYWORDS: &[&str] = &[
    "and",
    "or",
    "not",
    "src",
    "dst",
    "host",
    "net",
    "mask",
    "port",
    "portrange",
    "proto",
    "broadcast",
    "multicast",
    "less",
    "greater",
    "len",
    "vlan",
    "mpls",
    "inbound",
    "outbound",
    "ether",
    "link",
    "wlan",
    "fddi",
    "tr",
    "type",
    "subtype",
    "dir",
    "direction",
    "addr1",
    "addr2",
    "addr3",
    "addr4",
    "address1",
    "address2",
    "address3",
    "address4",
    "ra",
    "ta",
    "ip",
    "ip6",
    "arp",
    "rarp",
    "tcp",
    "udp",
    "sctp",
    "icmp",
    "icmp6",
    "igmp",
    "pim",
    "vrrp",
    "ah",
    "esp",
];

fn proto_keyword(word: &str) -> Option<Proto> {
    Some(match word {
        // As in libpcap, every link-layer name means the capture's own link layer.
        "ether" | "link" | "wlan" | "fddi" | "tr" => Proto::Ether,
        "ip" => Proto::Ip,
        "ip6" => Proto::Ip6,
        "arp" => Proto::Arp,
        "rarp" => Proto::Rarp,
        "tcp" => Proto::Tcp,
        "udp" => Proto::Udp,
        "sctp" => Proto::Sctp,
        "icmp" => Proto::Icmp,
        "icmp6" => Proto::Icmp6,
        "igmp" => Proto::Igmp,
        "pim" => Proto::Pim,
        "vrrp" => Proto::Vrrp,
        "ah" => Proto::Ah,
        "esp" => Proto::Esp,
        _ => return None,
    })
}

/// Keywords of pcap-filter(7) that hark knows but does not support; named in the error.
const UNSUPPORTED: &[&str] =
    &["gateway", "protochain", "decnet", "iso", "atalk", "ipx", "pppoed", "pppoes", "geneve"];

/// Whether a direction names an 802.11 address (`addr1`, `ra`, …), which only a MAC takes.
fn is_wlan_role(dir: Dir) -> bool {
    matches!(dir, Dir::Addr1 | Dir::Addr2 | Dir::Addr3 | Dir::Addr4 | Dir::Ra | Dir::Ta)
}

fn is_keyword(word: &str) -> bool {
    KEYWORDS.contains(&word) || UNSUPPORTED.contains(&word)
}

impl Parser {
    fn mark(&mut self) {
        let t = &self.tokens[self.pos.min(self.tokens.len() - 1)];
        self.start = Pos { line: t.line, col: t.col };
    }

    fn prim(&self, prim: Prim) -> Expr {
        Expr::Prim(prim, self.start)
    }

    fn peek(&self) -> &Kind {
        &self.tokens[self.pos.min(self.tokens.len() - 1)].kind
    }

    fn peek_at(&self, ahead: usize) -> &Kind {
        &self.tokens[(self.pos + ahead).min(self.tokens.len() - 1)].kind
    }

    fn word(&self) -> Option<&str> {
        match self.peek() {
            Kind::Word(w) => Some(w),
            _ => None,
        }
    }

    fn next(&mut self) -> Kind {
        let kind = self.peek().clone();
        if self.pos < self.tokens.len() - 1 {
            self.pos += 1;
        }
        kind
    }

    fn error_here(&self, msg: String) -> Error {
        let t = &self.tokens[self.pos.min(self.tokens.len() - 1)];
        Error::at(t.line, t.col, msg)
    }

    fn is_word(&self, w: &str) -> bool {
        self.word() == Some(w)
    }

    fn at_and(&self) -> bool {
        self.is_word("and") || self.peek() == &Kind::AndAnd
    }

    fn at_or(&self) -> bool {
        self.is_word("or") || self.peek() == &Kind::OrOr
    }

    /// Whether the next token is an id (an address, number or name) rather than a keyword.
    fn at_bare_id(&self) -> bool {
        match self.peek() {
            Kind::Word(w) => !is_keyword(w),
            Kind::Escaped(_) => true,
            _ => false,
        }
    }

    /// expr := term (('and' | 'or') (term | id))*
    fn expr(&mut self, carry: Option<Quals>) -> Result<(Expr, Option<Quals>), Error> {
        let (mut lhs, mut quals) = self.term(carry)?;
        loop {
            let is_and = if self.at_and() {
                true
            } else if self.at_or() {
                false
            } else {
                return Ok((lhs, quals));
            };
            let op_word = if is_and { "and" } else { "or" };
            self.next();
            let (rhs, q) = if self.at_bare_id() {
                match quals {
                    Some(q) => {
                        self.mark();
                        (self.id(q)?, Some(q))
                    }
                    None => {
                        return Err(self.error_here(format!(
                            "expected a primitive after '{op_word}' (the one before it has no qualifiers to carry over)"
                        )));
                    }
                }
            } else {
                self.term(None)?
            };
            quals = q;
            lhs = if is_and {
                Expr::And(Box::new(lhs), Box::new(rhs))
            } else {
                Expr::Or(Box::new(lhs), Box::new(rhs))
            };
        }
    }

    /// term := ('not' | '!') term | rterm
    fn term(&mut self, carry: Option<Quals>) -> Result<(Expr, Option<Quals>), Error> {
        if self.is_word("not") || self.peek() == &Kind::Bang {
            self.next();
            let (inner, q) = self.term(carry)?;
            return Ok((Expr::Not(Box::new(inner)), q));
        }
        self.rterm(carry)
    }

    fn rterm(&mut self, carry: Option<Quals>) -> Result<(Expr, Option<Quals>), Error> {
        self.mark();
        match self.peek().clone() {
            Kind::LParen => {
                let start = self.pos;
                self.next();
                let boolean_error = match self.expr(carry) {
                    Ok((expr, q)) => {
                        if self.peek() == &Kind::RParen && !self.relation_follows(1) {
                            self.next();
                            return Ok((expr, q));
                        }
                        self.error_here(format!("expected ')', found {}", self.peek().describe()))
                    }
                    Err(e) => e,
                };
                // Not a parenthesised expression: perhaps an arithmetic one, as in
                // "(ip[0] & 0xf) > 5". If not that either, the reading that got further
                // has the more useful error.
                self.pos = start;
                match self.relation() {
                    Ok(rel) => Ok((rel, None)),
                    Err(e) if (e.line, e.col) > (boolean_error.line, boolean_error.col) => Err(e),
                    Err(_) => Err(boolean_error),
                }
            }
            Kind::Minus => Ok((self.relation()?, None)),
            Kind::Word(w) => self.word_term(&w, carry),
            Kind::Escaped(_) => {
                let q = carry.unwrap_or_default();
                Ok((self.id(q)?, Some(q)))
            }
            Kind::End => {
                Err(self.error_here("expected a primitive, found the end of the expression".into()))
            }
            other => {
                Err(self.error_here(format!("expected a primitive, found {}", other.describe())))
            }
        }
    }

    /// Whether the token `ahead` positions on starts the rest of an arithmetic relation.
    fn relation_follows(&self, ahead: usize) -> bool {
        matches!(
            self.peek_at(ahead),
            Kind::Eq
                | Kind::Ne
                | Kind::Lt
                | Kind::Le
                | Kind::Gt
                | Kind::Ge
                | Kind::Plus
                | Kind::Minus
                | Kind::Star
                | Kind::Slash
                | Kind::Percent
                | Kind::Amp
                | Kind::Pipe
                | Kind::Caret
                | Kind::Shl
                | Kind::Shr
        )
    }

    fn word_term(&mut self, w: &str, carry: Option<Quals>) -> Result<(Expr, Option<Quals>), Error> {
        if UNSUPPORTED.contains(&w) {
            return Err(self.error_here(format!("'{w}' is not supported by hark")));
        }
        if w == "len" || w.starts_with(|c: char| c.is_ascii_digit()) && self.relation_follows(1) {
            return Ok((self.relation()?, None));
        }
        if proto_keyword(w).is_some() && self.peek_at(1) == &Kind::LBracket {
            return Ok((self.relation()?, None));
        }
        match w {
            "less" | "greater" => {
                self.next();
                let n = self.number(&format!("a length after '{w}'"))?;
                let prim = if w == "less" { Prim::Less(n) } else { Prim::Greater(n) };
                Ok((self.prim(prim), None))
            }
            "vlan" => {
                self.next();
                let id = self.optional_number()?;
                if let Some(id) = id {
                    if id > 4095 {
                        return Err(
                            self.error_before(format!("VLAN id {id} is out of range (0 to 4095)"))
                        );
                    }
                }
                Ok((self.prim(Prim::Vlan(id.map(|n| n as u16))), None))
            }
            "mpls" => {
                self.next();
                let label = self.optional_number()?;
                if let Some(label) = label {
                    if label > 0xfffff {
                        return Err(self.error_before(format!(
                            "MPLS label {label} is out of range (0 to 1048575)"
                        )));
                    }
                }
                Ok((self.prim(Prim::Mpls(label)), None))
            }
            "inbound" | "outbound" => {
                self.next();
                Ok((self.prim(if w == "inbound" { Prim::Inbound } else { Prim::Outbound }), None))
            }
            "broadcast" => {
                self.next();
                Ok((self.prim(Prim::Broadcast), None))
            }
            "type" | "subtype" | "dir" | "direction" => Ok((self.wlan_frame()?, None)),
            "multicast" => {
                self.next();
                Ok((self.prim(Prim::Multicast(Proto::Ether)), None))
            }
            _ if is_keyword(w) && !matches!(w, "and" | "or" | "not" | "mask") => self.head(),
            _ if is_keyword(w) => {
                Err(self.error_here(format!("expected a primitive, found '{w}'")))
            }
            _ => {
                let q = carry.unwrap_or_default();
                Ok((self.id(q)?, Some(q)))
            }
        }
    }

    /// head := [proto] [dir] [type] id | proto 'proto' N | proto ('broadcast'|'multicast') | proto
    fn head(&mut self) -> Result<(Expr, Option<Quals>), Error> {
        let mut quals = Quals::default();
        let proto_start = self.pos;
        if let Some(proto) = self.word().and_then(proto_keyword) {
            quals.proto = Some(proto);
            self.next();
            match self.word() {
                Some("proto") => {
                    self.next();
                    let num = self.proto_number(Some(proto))?;
                    if !matches!(proto, Proto::Ether | Proto::Ip | Proto::Ip6) {
                        return Err(Error::at_token(
                            &self.tokens[proto_start],
                            format!("'{}' cannot qualify 'proto'", proto.name()),
                        ));
                    }
                    return Ok((self.prim(Prim::ProtoNum { proto: Some(proto), num }), None));
                }
                Some("broadcast") => {
                    self.next();
                    return match proto {
                        Proto::Ether => Ok((self.prim(Prim::Broadcast), None)),
                        Proto::Ip => Err(Error::at_token(
                            &self.tokens[proto_start],
                            "'ip broadcast' needs the capture's netmask, which a capture file does not carry".into(),
                        )),
                        _ => Err(Error::at_token(&self.tokens[proto_start], format!("'{} broadcast' is not a primitive", proto.name()))),
                    };
                }
                Some("type" | "subtype" | "dir" | "direction") => {
                    return Ok((self.wlan_frame()?, None));
                }
                Some("multicast") => {
                    self.next();
                    return match proto {
                        Proto::Ether | Proto::Ip | Proto::Ip6 => {
                            Ok((self.prim(Prim::Multicast(proto)), None))
                        }
                        _ => Err(Error::at_token(
                            &self.tokens[proto_start],
                            format!("'{} multicast' is not a primitive", proto.name()),
                        )),
                    };
                }
                _ => {}
            }
        }
        quals.dir = self.dir()?;
        match self.word() {
            Some("host") => quals.kind = Some(Type::Host),
            Some("net") => quals.kind = Some(Type::Net),
            Some("port") => quals.kind = Some(Type::Port),
            Some("portrange") => quals.kind = Some(Type::PortRange),
            Some("proto") if quals.proto.is_none() && quals.dir.is_none() => {
                self.next();
                let num = self.proto_number(None)?;
                return Ok((self.prim(Prim::ProtoNum { proto: None, num }), None));
            }
            Some(w) if UNSUPPORTED.contains(&w) => {
                return Err(self.error_here(format!("'{w}' is not supported by hark")));
            }
            _ => {}
        }
        if quals.kind.is_some() {
            self.next();
        }
        if quals.kind.is_none() && quals.dir.is_none() {
            // A protocol on its own: `tcp`, `ip6`, `arp`.
            let Some(proto) = quals.proto else {
                return Err(self.error_here(format!(
                    "expected a primitive, found {}",
                    self.peek().describe()
                )));
            };
            if !self.at_bare_id() && self.peek() != &Kind::LParen {
                return Ok((self.prim(Prim::Is(proto)), None));
            }
        }
        let expr = self.id(quals)?;
        Ok((expr, Some(quals)))
    }

    /// dir := 'src' | 'dst' | 'src or dst' | 'src and dst' (either order)
    fn dir(&mut self) -> Result<Option<Dir>, Error> {
        let role = match self.word() {
            Some("addr1" | "address1") => Some(Dir::Addr1),
            Some("addr2" | "address2") => Some(Dir::Addr2),
            Some("addr3" | "address3") => Some(Dir::Addr3),
            Some("addr4" | "address4") => Some(Dir::Addr4),
            Some("ra") => Some(Dir::Ra),
            Some("ta") => Some(Dir::Ta),
            _ => None,
        };
        if role.is_some() {
            self.next();
            return Ok(role);
        }
        let first = match self.word() {
            Some("src") => Dir::Src,
            Some("dst") => Dir::Dst,
            _ => return Ok(None),
        };
        self.next();
        let joined = |k: &Kind| matches!(k, Kind::Word(w) if w == "src" || w == "dst");
        let other_is_opposite = match (first, self.peek_at(1)) {
            (Dir::Src, Kind::Word(w)) => w == "dst",
            (Dir::Dst, Kind::Word(w)) => w == "src",
            _ => false,
        };
        if other_is_opposite && joined(self.peek_at(1)) {
            if self.at_or() {
                self.next();
                self.next();
                return Ok(Some(Dir::SrcOrDst));
            }
            if self.at_and() {
                self.next();
                self.next();
                return Ok(Some(Dir::SrcAndDst));
            }
        }
        Ok(Some(first))
    }

    /// An id, or a parenthesised list of ids joined by and/or, with the given qualifiers.
    fn id(&mut self, q: Quals) -> Result<Expr, Error> {
        if q.kind.is_none() && q.proto.is_none() && q.dir.is_none() {
            self.mark();
        }
        if self.peek() == &Kind::LParen {
            self.next();
            let mut expr = self.id(q)?;
            loop {
                if self.at_and() || self.at_or() {
                    let is_and = self.at_and();
                    self.next();
                    let rhs = self.id(q)?;
                    expr = if is_and {
                        Expr::And(Box::new(expr), Box::new(rhs))
                    } else {
                        Expr::Or(Box::new(expr), Box::new(rhs))
                    };
                } else if self.peek() == &Kind::RParen {
                    self.next();
                    return Ok(expr);
                } else {
                    return Err(
                        self.error_here(format!("expected ')', found {}", self.peek().describe()))
                    );
                }
            }
        }
        let token = self.tokens[self.pos.min(self.tokens.len() - 1)].clone();
        let (text, escaped) = match &token.kind {
            Kind::Word(w) if !is_keyword(w) => (w.clone(), false),
            Kind::Escaped(w) => (w.clone(), true),
            other => {
                let what = match q.kind {
                    Some(Type::Port) => "a port number or name after 'port'".to_string(),
                    Some(Type::PortRange) => {
                        "a port range (like 6000-7000) after 'portrange'".to_string()
                    }
                    Some(Type::Net) => "a network (like 10.0.0.0/8) after 'net'".to_string(),
                    Some(Type::Host) => "an address after 'host'".to_string(),
                    _ => "an address, number or name".to_string(),
                };
                return Err(self.error_here(format!("expected {what}, found {}", other.describe())));
            }
        };
        self.next();
        let err = |msg: String| Err(Error::at_token(&token, msg));
        let port_kind = match q.kind {
            Some(Type::Port) => Some("port"),
            Some(Type::PortRange) => Some("portrange"),
            _ => None,
        };
        if let (Some(kind), Some(dir)) = (port_kind, q.dir) {
            if is_wlan_role(dir) {
                return err(format!("802.11's address qualifiers cannot qualify '{kind}'"));
            }
        }
        if let (Some(kind), Some(p)) = (port_kind, q.proto) {
            if !matches!(p, Proto::Tcp | Proto::Udp | Proto::Sctp) {
                return err(format!(
                    "'{}' cannot qualify '{kind}' (use tcp, udp or sctp)",
                    p.name()
                ));
            }
        }
        match q.kind {
            Some(Type::Port) => {
                let Some(port) = names::port(&text) else {
                    return err(format!(
                        "expected a port number or name after 'port', found '{text}'"
                    ));
                };
                Ok(self.prim(Prim::Port {
                    proto: q.proto,
                    dir: q.dir.unwrap_or(Dir::SrcOrDst),
                    lo: port,
                    hi: port,
                }))
            }
            Some(Type::PortRange) => {
                let Some((a, b)) = text
                    .split_once('-')
                    .and_then(|(a, b)| Some((names::port(a)?, names::port(b)?)))
                else {
                    return err(format!("expected a port range like 6000-7000, found '{text}'"));
                };
                let (lo, hi) = (a.min(b), a.max(b));
                Ok(self.prim(Prim::Port {
                    proto: q.proto,
                    dir: q.dir.unwrap_or(Dir::SrcOrDst),
                    lo,
                    hi,
                }))
            }
            Some(Type::Host) | Some(Type::Net) | None => {
                if escaped {
                    return err(format!("'\\{text}' names a protocol; it goes after 'proto'"));
                }
                self.address(q, &token, &text)
            }
        }
    }

    /// A host or network id: IPv4 (whole or short), IPv6, MAC, with `/len` or `mask M`.
    fn address(&mut self, q: Quals, token: &Token, text: &str) -> Result<Expr, Error> {
        let dir = q.dir.unwrap_or(Dir::SrcOrDst);
        let err = |msg: String| Err(Error::at_token(token, msg));
        if let Some(mac) = names::mac(text) {
            if !matches!(q.proto, None | Some(Proto::Ether)) || q.kind == Some(Type::Net) {
                return err(format!("'{text}' is an Ethernet address; use 'ether host'"));
            }
            return Ok(self.prim(Prim::EtherHost { dir, mac }));
        }
        if is_wlan_role(dir) {
            return err(format!("802.11's address qualifiers take a MAC address, not '{text}'"));
        }
        if q.proto == Some(Proto::Ether) {
            return err(format!("expected an Ethernet address after 'ether', found '{text}'"));
        }
        if let Some(proto) =
            q.proto.filter(|p| !matches!(p, Proto::Ip | Proto::Ip6 | Proto::Arp | Proto::Rarp))
        {
            return err(format!("'{}' cannot qualify a host or network", proto.name()));
        }
        if let Ok(v6) = text.parse::<Ipv6Addr>() {
            if matches!(q.proto, Some(Proto::Ip | Proto::Arp | Proto::Rarp)) {
                return err(format!(
                    "'{}' cannot qualify the IPv6 address '{text}'",
                    q.proto.map_or("", |p| p.name())
                ));
            }
            let prefix = self.prefix_len(128, q.kind)?;
            return Ok(self.prim(Prim::Net {
                proto: Some(Proto::Ip6),
                dir,
                net: Net::V6 { addr: v6, prefix },
            }));
        }
        let Some((addr, octets)) = names::ipv4(text) else {
            if text.chars().next().is_some_and(|c| c.is_ascii_alphabetic()) {
                return err(format!(
                    "'{text}' is a name, and hark never resolves names (give an address)"
                ));
            }
            return err(format!("'{text}' is not an address"));
        };
        if q.proto == Some(Proto::Ip6) {
            return err(format!("'ip6' cannot qualify the IPv4 address '{text}'"));
        }
        let mask = if self.peek() == &Kind::Slash {
            if q.kind == Some(Type::Host) {
                return Err(self.error_here("a host takes no '/length' (use 'net')".into()));
            }
            let len = self.prefix_len(32, Some(Type::Net))?;
            if len == 0 { 0 } else { u32::MAX << (32 - u32::from(len)) }
        } else if self.is_word("mask") {
            if q.kind == Some(Type::Host) {
                return Err(self.error_here("a host takes no 'mask' (use 'net')".into()));
            }
            self.next();
            let mask_token = self.tokens[self.pos.min(self.tokens.len() - 1)].clone();
            let mask = match &mask_token.kind {
                Kind::Word(m) => names::ipv4(m).filter(|(_, n)| *n == 4).map(|(a, _)| u32::from(a)),
                _ => None,
            };
            let Some(mask) = mask else {
                return Err(self.error_here(format!(
                    "expected a netmask like 255.255.0.0 after 'mask', found {}",
                    self.peek().describe()
                )));
            };
            self.next();
            mask
        } else {
            // As libpcap does, a short address covers what it leaves out: `net 10` and
            // `host 10.1` are 10.0.0.0/8 and 10.1.0.0/16.
            if octets >= 4 { u32::MAX } else { u32::MAX << (32 - 8 * octets) }
        };
        let value = u32::from(addr);
        if value & !mask != 0 {
            return err(format!("'{text}' has bits set outside its mask"));
        }
        Ok(self.prim(Prim::Net {
            proto: q.proto,
            dir,
            net: Net::V4 { addr: Ipv4Addr::from(value), mask },
        }))
    }

    /// An optional `/len` after an address: the full length when absent.
    fn prefix_len(&mut self, full: u8, kind: Option<Type>) -> Result<u8, Error> {
        if self.peek() != &Kind::Slash {
            return Ok(full);
        }
        if kind == Some(Type::Host) {
            return Err(self.error_here("a host takes no '/length' (use 'net')".into()));
        }
        self.next();
        let n = self.number("a prefix length after '/'")?;
        if n > u32::from(full) {
            return Err(self.error_before(format!("prefix length {n} is longer than {full}")));
        }
        Ok(n as u8)
    }

    fn error_before(&self, msg: String) -> Error {
        let t = &self.tokens[self.pos.saturating_sub(1)];
        Error::at(t.line, t.col, msg)
    }

    fn number(&mut self, what: &str) -> Result<u32, Error> {
        match self.peek().clone() {
            Kind::Word(w) => match names::number(&w) {
                Some(n) => {
                    self.next();
                    Ok(n)
                }
                None => Err(self.error_here(format!("expected {what}, found '{w}'"))),
            },
            other => Err(self.error_here(format!("expected {what}, found {}", other.describe()))),
        }
    }

    fn optional_number(&mut self) -> Result<Option<u32>, Error> {
        match self.word() {
            Some(w) if w.starts_with(|c: char| c.is_ascii_digit()) => {
                Ok(Some(self.number("a number")?))
            }
            _ => Ok(None),
        }
    }

    /// The number after `proto`: a number or a protocol name (`\tcp` or `tcp`).
    fn proto_number(&mut self, layer: Option<Proto>) -> Result<u32, Error> {
        let token = self.tokens[self.pos.min(self.tokens.len() - 1)].clone();
        let text = match &token.kind {
            Kind::Word(w) | Kind::Escaped(w) => w.clone(),
            other => {
                return Err(self.error_here(format!(
                    "expected a protocol number or name after 'proto', found {}",
                    other.describe()
                )));
            }
        };
        let value = names::number(&text).or_else(|| match layer {
            Some(Proto::Ether) => names::ethertype(&text).map(u32::from),
            _ => names::ip_protocol(&text).map(u32::from),
        });
        let Some(value) = value else {
            return Err(self.error_here(format!(
                "expected a protocol number or name after 'proto', found '{text}'"
            )));
        };
        let max = if layer == Some(Proto::Ether) { 0xffff } else { 0xff };
        if value > max {
            return Err(self.error_here(format!("protocol {value} is out of range (0 to {max})")));
        }
        self.next();
        Ok(value)
    }
}

mod arith;
#[cfg(test)]
mod tests;
mod wlan;
