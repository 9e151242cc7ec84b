//! The parser: precedence, qualifier carry-over, and every error message.

use std::net::Ipv4Addr;

use super::parse;
use crate::filter::ast::{Dir, Expr, Net, Prim, Proto};

/// The expression with positions wiped, for structural comparison.
fn shape(text: &str) -> String {
    let expr = parse(text).unwrap_or_else(|e| panic!("{text}: {e}"));
    render(&expr)
}

fn render(expr: &Expr) -> String {
    match expr {
        Expr::And(a, b) => format!("({} and {})", render(a), render(b)),
        Expr::Or(a, b) => format!("({} or {})", render(a), render(b)),
        Expr::Not(a) => format!("not {}", render(a)),
        Expr::Prim(p, _) => format!("{p:?}"),
        Expr::Rel { op, lhs, rhs, .. } => format!("[{lhs:?} {op:?} {rhs:?}]"),
    }
}

fn error(text: &str) -> String {
    parse(text).map(|e| format!("parsed as {e:?}")).unwrap_or_else(|e| e.to_string())
}

fn host(addr: [u8; 4], dir: Dir) -> String {
    format!(
        "{:?}",
        Prim::Net { proto: None, dir, net: Net::V4 { addr: Ipv4Addr::from(addr), mask: u32::MAX } }
    )
}

#[test]
fn and_and_or_have_equal_precedence_from_the_left() {
    assert_eq!(shape("tcp or udp and icmp"), "((Is(Tcp) or Is(Udp)) and Is(Icmp))");
    assert_eq!(shape("tcp and udp or icmp"), "((Is(Tcp) and Is(Udp)) or Is(Icmp))");
    assert_eq!(shape("tcp or (udp and icmp)"), "(Is(Tcp) or (Is(Udp) and Is(Icmp)))");
}

#[test]
fn not_binds_tighter_than_and() {
    assert_eq!(shape("not tcp and udp"), "(not Is(Tcp) and Is(Udp))");
    assert_eq!(shape("! tcp && ! udp"), "(not Is(Tcp) and not Is(Udp))");
    assert_eq!(shape("not not arp"), "not not Is(Arp)");
}

#[test]
fn omitted_qualifiers_carry_over() {
    let a = host([10, 0, 0, 1], Dir::SrcOrDst);
    let b = host([10, 0, 0, 2], Dir::SrcOrDst);
    assert_eq!(shape("host 10.0.0.1 or 10.0.0.2"), format!("({a} or {b})"));
    assert_eq!(shape("host 10.0.0.1 and not 10.0.0.2"), format!("({a} and not {b})"));
    assert_eq!(
        shape("tcp src port 53 or 80"),
        "(Port { proto: Some(Tcp), dir: Src, lo: 53, hi: 53 } or Port { proto: Some(Tcp), dir: Src, lo: 80, hi: 80 })"
    );
    assert_eq!(shape("host 10.0.0.1 and (10.0.0.2 or 10.0.0.3)").matches("Net").count(), 3);
    // A bare address on its own is a host.
    assert_eq!(shape("10.0.0.1"), a);
}

#[test]
fn directions_and_networks() {
    assert!(shape("src or dst host 10.0.0.1").contains("SrcOrDst"));
    assert!(shape("dst and src net 10.0.0.0/8").contains("SrcAndDst"));
    assert!(shape("net 10").contains("addr: 10.0.0.0, mask: 4278190080"));
    assert!(shape("net 192.168.0.0 mask 255.255.0.0").contains("mask: 4294901760"));
    assert!(shape("ip6 net 2001:db8::/32").contains("prefix: 32"));
    assert!(
        shape("ether src 0:1:2:3:4:5").contains("EtherHost { dir: Src, mac: [0, 1, 2, 3, 4, 5] }")
    );
}

#[test]
fn protocols_and_numbers() {
    assert_eq!(
        shape("ip proto \\tcp"),
        format!("{:?}", Prim::ProtoNum { proto: Some(Proto::Ip), num: 6 })
    );
    assert_eq!(
        shape("ether proto 0x86dd"),
        format!("{:?}", Prim::ProtoNum { proto: Some(Proto::Ether), num: 0x86dd })
    );
    assert_eq!(shape("proto 017"), format!("{:?}", Prim::ProtoNum { proto: None, num: 15 }));
    assert_eq!(
        shape("tcp portrange 7000-6000"),
        format!(
            "{:?}",
            Prim::Port { proto: Some(Proto::Tcp), dir: Dir::SrcOrDst, lo: 6000, hi: 7000 }
        )
    );
    assert_eq!(
        shape("port domain"),
        format!("{:?}", Prim::Port { proto: None, dir: Dir::SrcOrDst, lo: 53, hi: 53 })
    );
}

#[test]
fn arithmetic_precedence() {
    assert_eq!(
        shape("tcp[13] & 2 | 1 != 0"),
        "[Bin(Or, Bin(And, Load { proto: Tcp, offset: Num(13), size: 1 }, Num(2)), Num(1)) Ne Num(0)]"
    );
    assert_eq!(shape("1 + 2 * 3 = 7"), "[Bin(Add, Num(1), Bin(Mul, Num(2), Num(3))) Eq Num(7)]");
    assert_eq!(
        shape("(ip[0] & 0xf) > 5"),
        "[Bin(And, Load { proto: Ip, offset: Num(0), size: 1 }, Num(15)) Gt Num(5)]"
    );
    assert_eq!(
        shape("tcp[tcpflags] & tcp-syn != 0"),
        "[Bin(And, Load { proto: Tcp, offset: Num(13), size: 1 }, Num(2)) Ne Num(0)]"
    );
    assert_eq!(shape("-1 = len"), "[Neg(Num(1)) Eq Len]");
}

#[test]
fn every_error_names_its_place() {
    let cases = [
        ("", "1:1: the expression is empty"),
        (
            "port",
            "1:5: expected a port number or name after 'port', found the end of the expression",
        ),
        ("tcp port x", "1:10: expected a port number or name after 'port', found 'x'"),
        ("portrange 10", "1:11: expected a port range like 6000-7000, found '10'"),
        (
            "host lab.example",
            "1:6: 'lab.example' is a name, and hark never resolves names (give an address)",
        ),
        ("host 10.0.0.0/8", "1:14: a host takes no '/length' (use 'net')"),
        ("net 10.0.0.1/8", "1:5: '10.0.0.1' has bits set outside its mask"),
        ("net 10.0.0.0/33", "1:14: prefix length 33 is longer than 32"),
        ("ip port 80", "1:9: 'ip' cannot qualify 'port' (use tcp, udp or sctp)"),
        ("ip6 host 10.0.0.1", "1:10: 'ip6' cannot qualify the IPv4 address '10.0.0.1'"),
        ("ip host ::1", "1:9: 'ip' cannot qualify the IPv6 address '::1'"),
        ("tcp host 10.0.0.1", "1:10: 'tcp' cannot qualify a host or network"),
        (
            "host 02:00:00:00:00:01 and ip host 02:00:00:00:00:02",
            "1:36: '02:00:00:00:00:02' is an Ethernet address; use 'ether host'",
        ),
        (
            "ether host 10.0.0.1",
            "1:12: expected an Ethernet address after 'ether', found '10.0.0.1'",
        ),
        ("tcp and", "1:8: expected a primitive, found the end of the expression"),
        (
            "tcp or 80",
            "1:8: expected a primitive after 'or' (the one before it has no qualifiers to carry over)",
        ),
        ("(tcp", "1:5: expected ')', found the end of the expression"),
        ("tcp)", "1:4: expected 'and', 'or' or the end, found ')'"),
        ("ip[1:3] = 0", "1:6: a load size must be 1, 2 or 4, not 3"),
        ("ip[1 = 0", "1:6: expected ']', found '='"),
        ("ip[0] / 0 = 1", "1:9: division by zero"),
        ("ip[0] 5", "1:7: expected a comparison (=, !=, <, <=, >, >=), found '5'"),
        ("vlan 5000", "1:6: VLAN id 5000 is out of range (0 to 4095)"),
        ("ip proto 300", "1:10: protocol 300 is out of range (0 to 255)"),
        ("ip proto bogus", "1:10: expected a protocol number or name after 'proto', found 'bogus'"),
        ("gateway 10.0.0.1", "1:1: 'gateway' is not supported by hark"),
        ("ip protochain 6", "1:4: 'protochain' is not supported by hark"),
        (
            "ip broadcast",
            "1:1: 'ip broadcast' needs the capture's netmask, which a capture file does not carry",
        ),
        ("port 53 ; rm", "1:9: unexpected character ';'"),
        (
            "tcp\n  and port",
            "2:11: expected a port number or name after 'port', found the end of the expression",
        ),
        ("ah[0] = 1", "1:1: 'ah[...]' is not supported by hark"),
    ];
    let mut wrong = Vec::new();
    for (text, want) in cases {
        let got = error(text);
        if got != want {
            wrong.push(format!("{text:?}\n  want {want}\n  got  {got}"));
        }
    }
    assert!(wrong.is_empty(), "\n{}", wrong.join("\n"));
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(3000))]

    #[test]
    fn parsing_never_panics(text in "\\PC{0,60}") {
        let _ = parse(&text);
    }

    #[test]
    fn parsing_filter_like_text_never_panics(
        words in proptest::collection::vec(
            proptest::sample::select(vec![
                "tcp", "udp", "host", "net", "port", "portrange", "src", "dst", "and", "or", "not", "(", ")",
                "[", "]", ":", "10.0.0.1", "::1", "ff:ff:ff:ff:ff:ff", "53", "0x10", "-", "+", "&", "=", "!=",
                "ip", "ip6", "ether", "proto", "vlan", "mpls", "len", "less", "greater", "/", "8", "mask",
                "tcpflags", "tcp-syn", "1-2", "\\tcp",
            ]),
            0..12,
        )
    ) {
        let _ = parse(&words.join(" "));
    }
}

#[test]
fn wlan_frame_tests_read_as_pcap_filter_spells_them() {
    let wlan = |value: u8, mask: u8| format!("{:?}", Prim::WlanType { value, mask });
    assert_eq!(shape("type mgt"), wlan(0x00, 0x0c));
    assert_eq!(shape("type data"), wlan(0x08, 0x0c));
    assert_eq!(shape("type 4"), wlan(0x04, 0x0c));
    assert_eq!(shape("type mgt subtype beacon"), wlan(0x80, 0xfc));
    assert_eq!(shape("type mgt subtype probereq"), wlan(0x40, 0xfc));
    assert_eq!(shape("type data subtype qos-data"), wlan(0x88, 0xfc));
    assert_eq!(shape("subtype deauth"), wlan(0xc0, 0xfc));
    assert_eq!(shape("subtype ack"), wlan(0xd4, 0xfc));
    assert_eq!(shape("wlan subtype beacon"), wlan(0x80, 0xfc));
    assert_eq!(shape("dir fromds"), format!("{:?}", Prim::WlanDir(2)));
    assert_eq!(shape("direction 3"), format!("{:?}", Prim::WlanDir(3)));
    let mac = [2, 0xaa, 0, 0, 0, 1];
    assert_eq!(
        shape("wlan addr2 02:aa:00:00:00:01"),
        format!("{:?}", Prim::EtherHost { dir: Dir::Addr2, mac })
    );
    assert_eq!(
        shape("wlan ta 02:aa:00:00:00:01"),
        format!("{:?}", Prim::EtherHost { dir: Dir::Ta, mac })
    );
    assert_eq!(
        shape("wlan host 02:aa:00:00:00:01"),
        format!("{:?}", Prim::EtherHost { dir: Dir::SrcOrDst, mac })
    );
}

#[test]
fn wlan_frame_tests_name_what_is_wrong() {
    assert_eq!(error("type foo"), "1:6: unknown 802.11 type name 'foo'");
    assert_eq!(error("type 0x10"), "1:6: invalid 802.11 type value 0x10");
    assert_eq!(error("type ctl subtype beacon"), "1:18: unknown 802.11 subtype name 'beacon'");
    assert_eq!(error("subtype nosuch"), "1:9: unknown 802.11 subtype name 'nosuch'");
    assert_eq!(
        error("dir sideways"),
        "1:5: unknown 802.11 direction 'sideways' (nods, tods, fromds or dstods)"
    );
    assert_eq!(
        error("wlan addr1 10.0.0.1"),
        "1:12: 802.11's address qualifiers take a MAC address, not '10.0.0.1'"
    );
    assert_eq!(error("ra port 80"), "1:9: 802.11's address qualifiers cannot qualify 'port'");
}
