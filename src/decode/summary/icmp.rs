//! ICMP and ICMPv6 in tcpdump's words.

use std::io::Write;

use etherparse::{Icmpv4Slice, Icmpv6Slice};

pub(super) fn write_icmp(out: &mut Vec<u8>, icmp: &Icmpv4Slice<'_>, len: u64) {
    let (t, c) = (icmp.type_u8(), icmp.code_u8());
    let rest = icmp.bytes5to8();
    let id = u16::from_be_bytes([rest[0], rest[1]]);
    let seq = u16::from_be_bytes([rest[2], rest[3]]);
    let _ = match t {
        0 => write!(out, "ICMP echo reply, id {id}, seq {seq}, length {len}"),
        8 => write!(out, "ICMP echo request, id {id}, seq {seq}, length {len}"),
        3 => write!(out, "ICMP destination unreachable, code {c}, length {len}"),
        5 => write!(out, "ICMP redirect, code {c}, length {len}"),
        11 => write!(out, "ICMP time exceeded, code {c}, length {len}"),
        _ => write!(out, "ICMP type {t}, code {c}, length {len}"),
    };
}

pub(super) fn write_icmp6(out: &mut Vec<u8>, icmp: &Icmpv6Slice<'_>, len: u64) {
    let (t, c) = (icmp.type_u8(), icmp.code_u8());
    let rest = icmp.bytes5to8();
    let id = u16::from_be_bytes([rest[0], rest[1]]);
    let seq = u16::from_be_bytes([rest[2], rest[3]]);
    let name = match t {
        1 => "destination unreachable",
        2 => "packet too big",
        3 => "time exceeded",
        4 => "parameter problem",
        128 => return drop(write!(out, "ICMP6, echo request, id {id}, seq {seq}, length {len}")),
        129 => return drop(write!(out, "ICMP6, echo reply, id {id}, seq {seq}, length {len}")),
        130 => "multicast listener query",
        131 => "multicast listener report",
        133 => "router solicitation",
        134 => "router advertisement",
        135 => "neighbor solicitation",
        136 => "neighbor advertisement",
        137 => "redirect",
        143 => "multicast listener report v2",
        _ => return drop(write!(out, "ICMP6, type {t}, code {c}, length {len}")),
    };
    let _ = write!(out, "ICMP6, {name}, length {len}");
}
