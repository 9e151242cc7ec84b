//! What a DNS record's data says, in tcpdump's words, and tcpdump's names for types,
//! EDNS options and algorithms.

use std::io::Write;
use std::net::{Ipv4Addr, Ipv6Addr};

use super::super::push::{push_ip, push_u64};
use super::msg::{Msg, print_chars};
use super::{Cut, Step, View};

impl View<'_> {
    pub(super) fn rdata(
        &self,
        out: &mut Vec<u8>,
        kind: u16,
        class: u16,
        opt_flags: u16,
        mut at: usize,
        end: usize,
    ) -> Step<()> {
        let msg = self.msg;
        let start = at;
        let need = |n: usize| if msg.has(start, n) { Ok(()) } else { Err(Cut) };
        match kind {
            1 => {
                need(4)?;
                out.push(b' ');
                push_ip(out, Ipv4Addr::from(msg.u32(at)?).into());
            }
            2 | 5 | 12 | 39 => {
                out.push(b' ');
                msg.name(out, at)?;
            }
            6 if self.verbosity > 0 => {
                out.push(b' ');
                at = msg.name(out, at)?;
                out.push(b' ');
                at = msg.name(out, at)?;
                if !msg.has(at, 20) {
                    return Err(Cut);
                }
                for i in 0..5 {
                    out.push(b' ');
                    push_u64(out, u64::from(msg.u32(at + 4 * i)?));
                }
            }
            15 => {
                out.push(b' ');
                need(2)?;
                msg.name(out, at + 2)?;
                out.push(b' ');
                push_u64(out, u64::from(msg.u16(at)?));
            }
            16 => {
                while at < end {
                    out.extend_from_slice(b" \"");
                    at = msg.char_string(out, at)?;
                    out.push(b'"');
                }
            }
            33 => {
                out.push(b' ');
                need(6)?;
                msg.name(out, at + 6)?;
                let (port, priority, weight) = (msg.u16(at + 4)?, msg.u16(at)?, msg.u16(at + 2)?);
                let _ = write!(out, ":{port} {priority} {weight}");
            }
            28 => {
                need(16)?;
                let mut octets = [0u8; 16];
                octets.copy_from_slice(&msg.0[at..at + 16]);
                let _ = write!(out, " {}", Ipv6Addr::from(octets));
            }
            38 => self.a6(out, at)?,
            256 => {
                need(end - at)?;
                let _ = write!(out, " {} {} ", msg.u16(at)?, msg.u16(at + 2)?);
                // A record shorter than its fixed fields reads on to the capture's end.
                let text = (end - at).checked_sub(4).unwrap_or(usize::MAX);
                if print_chars(out, msg.0, at + 4, text) {
                    return Err(Cut);
                }
            }
            41 => {
                let size = if self.mdns { class & 0x7fff } else { class };
                let _ = write!(out, " UDPsize={size}");
                if opt_flags & 0x8000 != 0 {
                    out.extend_from_slice(b" DO");
                }
                if at < end {
                    out.extend_from_slice(b" [");
                    while at < end {
                        at = self.edns_option(out, at)?;
                        if at < end {
                            out.push(b',');
                        }
                    }
                    out.push(b']');
                }
            }
            104 => {
                need(end - at)?;
                if print_chars(out, msg.0, at, end - at) {
                    return Err(Cut);
                }
            }
            250 if self.verbosity > 0 => {
                out.push(b' ');
                at = msg.name(out, at)? + 6;
                let _ = write!(out, " fudge={}", msg.u16(at)?);
                let mac_len = msg.u16(at + 2)?;
                let _ = write!(out, " maclen={mac_len}");
                at += 4 + usize::from(mac_len);
                let _ = write!(out, " origid={}", msg.u16(at)?);
                let _ = write!(out, " error={}", msg.u16(at + 2)?);
                let _ = write!(out, " otherlen={}", msg.u16(at + 4)?);
            }
            _ => {}
        }
        Ok(())
    }

    /// RFC 2874's A6: a prefix length, the address bits below it, the prefix's name.
    fn a6(&self, out: &mut Vec<u8>, at: usize) -> Step<()> {
        let msg = self.msg;
        let prefix_bits = usize::from(msg.u8(at)?);
        let prefix_bytes = prefix_bits / 8;
        if prefix_bits > 128 {
            let _ = write!(out, " {prefix_bits}(bad plen)");
            return Ok(());
        }
        if prefix_bits < 128 {
            let mut octets = [0u8; 16];
            for (i, octet) in octets.iter_mut().enumerate().skip(prefix_bytes) {
                *octet = msg.u8(at + 1 + i - prefix_bytes)?;
            }
            let _ = write!(out, " {prefix_bits} {}", Ipv6Addr::from(octets));
        }
        if prefix_bits > 0 {
            out.push(b' ');
            msg.name(out, at + 1 + 16 - prefix_bytes)?;
        }
        Ok(())
    }

    /// One EDNS option (RFC 6891 §6.1.2) in tcpdump's words.
    fn edns_option(&self, out: &mut Vec<u8>, at: usize) -> Step<usize> {
        let msg = self.msg;
        let code = msg.u16(at)?;
        push_edns_option_name(out, code);
        let len = usize::from(msg.u16(at + 2)?);
        let data = at + 4;
        let bytes = msg.0.get(data..data + len).ok_or(Cut)?;
        if len == 0 {
            return Ok(data);
        }
        out.push(b' ');
        let invalid = |out: &mut Vec<u8>| out.extend_from_slice(b" (invalid)");
        let u16_at = |i: usize| u16::from_be_bytes([bytes[i], bytes[i + 1]]);
        match code {
            8 => push_client_subnet(out, bytes),
            10 if len < 8 || (len > 8 && len < 16) || len > 40 => invalid(out),
            10 => {
                for (i, b) in bytes.iter().enumerate() {
                    if i == 8 {
                        out.push(b' ');
                    }
                    let _ = write!(out, "{b:02x}");
                }
            }
            11 if len != 2 => invalid(out),
            11 => drop(write!(out, "{:.1} sec", f64::from(u16_at(0)) / 10.0)),
            9 if len != 4 => invalid(out),
            9 => drop(write!(out, "{} sec", u32::from(u16_at(0)) << 16 | u32::from(u16_at(2)))),
            12 => drop(write!(out, "({len})")),
            14 if len % 2 != 0 => invalid(out),
            14 => {
                for i in (0..len).step_by(2) {
                    if i > 0 {
                        out.push(b' ');
                    }
                    push_u64(out, u64::from(u16_at(i)));
                }
            }
            5..=7 => {
                for (i, &alg) in bytes.iter().enumerate() {
                    if i > 0 {
                        out.push(b' ');
                    }
                    push_algorithm(out, code, alg);
                }
            }
            13 => {
                // The chained-query name, read within the option alone.
                let _ = Msg(bytes).name(out, 0);
            }
            _ => {
                for b in bytes {
                    let _ = write!(out, "{b:02x}");
                }
            }
        }
        Ok(data + len)
    }
}

fn push_edns_option_name(out: &mut Vec<u8>, code: u16) {
    let name = match code {
        1 => "LLQ",
        2 => "UL",
        3 => "NSID",
        5 => "DAU",
        6 => "DHU",
        7 => "N3U",
        8 => "ECS",
        9 => "EXPIRE",
        10 => "COOKIE",
        11 => "KEEPALIVE",
        12 => "PADDING",
        13 => "CHAIN",
        14 => "KEY-TAG",
        16 => "CLIENT-TAG",
        17 => "SERVER-TAG",
        _ => return drop(write!(out, "Opt{code}")),
    };
    out.extend_from_slice(name.as_bytes());
}

/// RFC 6975's algorithm lists: DNSSEC algorithms (DAU), DS hashes (DHU), NSEC3 hashes (N3U).
fn push_algorithm(out: &mut Vec<u8>, option: u16, alg: u8) {
    let name = match (option, alg) {
        (5, 0) => "DELETE",
        (5, 1) => "RSAMD5",
        (5, 2) => "DH",
        (5, 3) => "DS",
        (5, 5) => "RSASHA1",
        (5, 6) => "DSA-NSEC3-SHA1",
        (5, 7) => "RSASHA1-NSEC3-SHA1",
        (5, 8) => "RSASHA256",
        (5, 10) => "RSASHA512",
        (5, 12) => "ECC-GOST",
        (5, 13) => "ECDSAP256SHA256",
        (5, 14) => "ECDSAP384SHA384",
        (5, 15) => "ED25519",
        (5, 16) => "ED448",
        (5, 252) => "INDIRECT",
        (5, 253) => "PRIVATEDNS",
        (5, 254) => "PRIVATEOID",
        (6, 1) | (7, 1) => "SHA-1",
        (6, 2) => "SHA-256",
        (6, 3) => "GOST_R_34.11-94",
        (6, 4) => "SHA-384",
        _ => return drop(write!(out, "Alg_{alg}")),
    };
    out.extend_from_slice(name.as_bytes());
}

/// RFC 7871's client subnet: `family address/source/scope`, shown as `addr/src/scope`.
fn push_client_subnet(out: &mut Vec<u8>, bytes: &[u8]) {
    let invalid = |out: &mut Vec<u8>| out.extend_from_slice(b" (invalid)");
    let [f0, f1, source, scope, address @ ..] = bytes else { return invalid(out) };
    let width = match u16::from_be_bytes([*f0, *f1]) {
        1 => 32,
        2 => 128,
        _ => return invalid(out),
    };
    let (source, scope) = (usize::from(*source), usize::from(*scope));
    if address.len() > width / 8
        || source > width
        || scope > width
        || source.div_ceil(8) != address.len()
    {
        return invalid(out);
    }
    let mut padded = [0u8; 16];
    padded[..address.len()].copy_from_slice(address);
    let _ = if width == 32 {
        write!(
            out,
            "{}/{source}/{scope}",
            Ipv4Addr::new(padded[0], padded[1], padded[2], padded[3])
        )
    } else {
        write!(out, "{}/{source}/{scope}", Ipv6Addr::from(padded))
    };
}

/// A record or question type as tcpdump names it, `TypeN` otherwise.
pub(super) fn push_type(out: &mut Vec<u8>, kind: u16) {
    const NAMES: [&str; 49] = [
        "", "A", "NS", "MD", "MF", "CNAME", "SOA", "MB", "MG", "MR", "NULL", "WKS", "PTR", "HINFO",
        "MINFO", "MX", "TXT", "RP", "AFSDB", "X25", "ISDN", "RT", "NSAP", "NSAP_PTR", "SIG", "KEY",
        "PX", "GPOS", "AAAA", "LOC", "NXT", "EID", "NIMLOC", "SRV", "ATMA", "NAPTR", "KX", "CERT",
        "A6", "DNAME", "SINK", "OPT", "APL", "DS", "SSHFP", "IPSECKEY", "RRSIG", "NSEC", "DNSKEY",
    ];
    let name = match kind {
        1..=48 => NAMES[usize::from(kind)],
        99 => "SPF",
        100 => "UINFO",
        101 => "UID",
        102 => "GID",
        103 => "UNSPEC",
        104 => "UNSPECA",
        249 => "TKEY",
        250 => "TSIG",
        251 => "IXFR",
        252 => "AXFR",
        253 => "MAILB",
        254 => "MAILA",
        255 => "ANY",
        256 => "URI",
        _ => return drop(write!(out, "Type{kind}")),
    };
    out.extend_from_slice(name.as_bytes());
}
