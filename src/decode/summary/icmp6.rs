//! ICMPv6 (RFC 4443) in tcpdump's words: errors with what they quote, echo, neighbour
//! and router discovery (RFC 4861) with `-v`'s options, MLD and MLDv2 (RFC 3810).

use std::io::Write;

use super::checksum::expected_checksum;
use super::domain::write_name;
use super::icmp::push_unknown_data;
use super::igmp::write_group_records;
use super::ip::{Ctx, Net};
use super::push::flag_names;
use super::read::{Bytes, Cut, Printed};

/// An ICMPv6 message of `len` bytes by the IPv6 header's count.
pub(super) fn write_icmp6(
    out: &mut Vec<u8>,
    ctx: &mut Ctx<'_>,
    net: Net<'_>,
    bytes: Bytes<'_>,
    len: usize,
    fragmented: bool,
) -> Printed {
    let b = Bytes::new(bytes.data, "icmp6");
    if len == 0 {
        out.extend_from_slice(b"ICMP6, length 0 (invalid)");
        return Ok(());
    }
    let verbosity = ctx.verbosity();
    if verbosity > 0 && !fragmented {
        if let Ok(message) = b.slice(0, len) {
            // Read as tcpdump reads it: a message too short to hold it ends the line.
            let stored = b.u16(2)?;
            let pseudo = net.pseudo_sum(58, len);
            if let Some(expected) = expected_checksum(pseudo, message, 2, false) {
                if expected == stored {
                    out.extend_from_slice(b"[icmp6 sum ok] ");
                } else {
                    let _ = write!(out, "[bad icmp6 cksum 0x{stored:04x} -> 0x{expected:04x}!] ");
                }
            }
        }
    }
    let kind = b.u8(0)?;
    out.extend_from_slice(b"ICMP6, ");
    match icmp6_type_name(kind) {
        Some(name) => out.extend_from_slice(name.as_bytes()),
        None => drop(write!(out, "unknown icmp6 type ({kind})")),
    }
    let neighbour_discovery = matches!(kind, 133..=137 | 145 | 147);
    if verbosity > 0 && neighbour_discovery {
        let _ = write!(out, ", length {len}");
    }
    let code = b.u8(1)?;
    // The quoted packet's fixed header starts after the four-byte field at 4.
    let quoted = 8;
    match kind {
        1 => {
            out.extend_from_slice(b", ");
            match code {
                0 => out.extend_from_slice(b"unreachable route"),
                1 => out.extend_from_slice(b" unreachable prohibited"),
                2 => out.extend_from_slice(b"beyond scope"),
                3 => out.extend_from_slice(b"unreachable address"),
                4 => out.extend_from_slice(b"unreachable port"),
                _ => drop(write!(out, "unknown unreach code ({code})")),
            }
            match code {
                0 | 1 | 3 => drop(write!(out, " {}", b.ipv6(quoted + 24)?)),
                2 => {
                    let dst = b.ipv6(quoted + 24)?;
                    let src = b.ipv6(quoted + 8)?;
                    let _ = write!(out, " {dst}, source address {src}");
                }
                4 => {
                    let (proto, at) = upper_layer(b, quoted)?;
                    let dport = b.u16(at + 2)?;
                    let dst = b.ipv6(quoted + 24)?;
                    let _ = match proto {
                        6 => write!(out, ", {dst} tcp port {dport}"),
                        17 => write!(out, ", {dst} udp port {dport}"),
                        _ => write!(out, ", {dst} protocol {proto} port {dport} unreachable"),
                    };
                }
                _ if verbosity <= 1 => {
                    push_unknown_data(out, "\n\t", b, len);
                    return Ok(());
                }
                _ => {}
            }
        }
        2 => drop(write!(out, ", mtu {}", b.u32(4)?)),
        3 => match code {
            0 => drop(write!(out, " for {}", b.ipv6(quoted + 24)?)),
            1 => out.extend_from_slice(b" (reassembly)"),
            _ => drop(write!(out, ", unknown code ({code})")),
        },
        4 => {
            b.check(quoted + 24, 16)?;
            let _ = match code {
                0 => write!(out, ", erroneous - octet {}", b.u32(4)?),
                1 => write!(out, ", next header - octet {}", b.u32(4)?),
                2 => write!(out, ", option - octet {}", b.u32(4)?),
                3 => write!(out, ", incomplete header chain - octet {}", b.u32(4)?),
                _ => write!(out, ", code-#{code}"),
            };
        }
        128 | 129 => drop(write!(out, ", id {}, seq {}", b.u16(4)?, b.u16(6)?)),
        130 if len == 24 => write_mld(out, b)?,
        130 if len >= 28 => {
            out.extend_from_slice(b" v2");
            write_mld2_query(out, b, len, verbosity)?;
        }
        130 => drop(write!(out, " unknown-version (len {len}) ")),
        131 | 132 => write_mld(out, b)?,
        133 if verbosity > 0 => write_nd_options(out, b, 8, len, verbosity)?,
        134 if verbosity > 0 => {
            let flags = b.u8(5)?;
            let table = [
                (0x80, "managed"),
                (0x40, "other stateful"),
                (0x20, "home agent"),
                (0x02, "ipv6 only"),
            ];
            let preference = ["medium", "high", "rsv", "low"][usize::from((flags & 0x18) >> 3)];
            let _ = write!(
                out,
                "\n\thop limit {}, Flags [{}], pref {preference}, router lifetime {}s, reachable time {}ms, retrans timer {}ms",
                b.u8(4)?,
                flag_names(u32::from(flags), &table),
                b.u16(6)?,
                b.u32(8)?,
                b.u32(12)?,
            );
            write_nd_options(out, b, 16, len, verbosity)?;
        }
        135 => {
            let _ = write!(out, ", who has {}", b.ipv6(8)?);
            if verbosity > 0 {
                write_nd_options(out, b, 24, len, verbosity)?;
            }
        }
        136 => {
            let _ = write!(out, ", tgt is {}", b.ipv6(8)?);
            if verbosity > 0 {
                let flags = b.u32(4)?;
                let table = [
                    (0x8000_0000, "router"),
                    (0x4000_0000, "solicited"),
                    (0x2000_0000, "override"),
                ];
                let _ = write!(out, ", Flags [{}]", flag_names(flags, &table));
                write_nd_options(out, b, 24, len, verbosity)?;
            }
        }
        137 => {
            let _ = write!(out, ", {}", b.ipv6(8)?);
            let _ = write!(out, " to {}", b.ipv6(24)?);
            if verbosity > 0 {
                write_nd_options(out, b, 40, len, verbosity)?;
            }
        }
        143 => write_mld2_report(out, b, len, verbosity)?,
        133 | 134 | 141 | 142 => {}
        _ => {
            let _ = write!(out, ", length {len}");
            if verbosity <= 1 {
                push_unknown_data(out, "\n\t", b, len);
            }
            return Ok(());
        }
    }
    if verbosity == 0 {
        let _ = write!(out, ", length {len}");
    }
    Ok(())
}

fn icmp6_type_name(kind: u8) -> Option<&'static str> {
    Some(match kind {
        1 => "destination unreachable",
        2 => "packet too big",
        3 => "time exceeded in-transit",
        4 => "parameter problem",
        128 => "echo request",
        129 => "echo reply",
        130 => "multicast listener query",
        131 => "multicast listener report",
        132 => "multicast listener done",
        133 => "router solicitation",
        134 => "router advertisement",
        135 => "neighbor solicitation",
        136 => "neighbor advertisement",
        137 => "redirect",
        138 => "router renumbering",
        141 => "inverse neighbor solicitation",
        142 => "inverse neighbor advertisement",
        143 => "multicast listener report v2",
        144 => "ha discovery request",
        145 => "ha discovery reply",
        146 => "mobile router solicitation",
        147 => "mobile router advertisement",
        139 => "node information query",
        140 => "node information reply",
        200 => "mtrace response",
        201 => "mtrace message",
        155 => "RPL",
        _ => return None,
    })
}

/// The protocol and offset of the transport header a quoted IPv6 packet carries, past
/// its extension headers.
fn upper_layer(b: Bytes<'_>, fixed: usize) -> Result<(u8, usize), Cut> {
    let mut next = b.u8(fixed + 6)?;
    let mut at = fixed + 40;
    loop {
        match next {
            0 | 43 | 60 => {
                next = b.u8(at)?;
                at += (usize::from(b.u8(at + 1)?) + 1) << 3;
            }
            44 => {
                next = b.u8(at)?;
                at += 8;
            }
            51 => {
                next = b.u8(at)?;
                at += (usize::from(b.u8(at + 1)?) + 2) << 2;
            }
            _ => {
                b.check(at, 4)?;
                return Ok((next, at));
            }
        }
    }
}

fn write_mld(out: &mut Vec<u8>, b: Bytes<'_>) -> Printed {
    if !b.has(0, 24) {
        return Ok(());
    }
    let _ = write!(out, "max resp delay: {} addr: {}", b.u16(4)?, b.ipv6(8)?);
    Ok(())
}

/// RFC 3810 §5.1's query.
fn write_mld2_query(out: &mut Vec<u8>, b: Bytes<'_>, len: usize, verbosity: u8) -> Printed {
    if len < 28 {
        let _ = write!(out, " [invalid len {len}]");
        return Ok(());
    }
    let code = u32::from(b.u16(4)?);
    let delay = if code < 0x8000 {
        code
    } else {
        ((code & 0x0fff) | 0x1000) << (((code & 0x7000) >> 12) + 3)
    };
    if verbosity > 0 {
        let _ = write!(out, " [max resp delay={delay}]");
    }
    let _ = write!(out, " [gaddr {}", b.ipv6(8)?);
    if verbosity > 0 {
        let flags = b.u8(24)?;
        if flags & 0x08 != 0 {
            out.extend_from_slice(b" sflag");
        }
        let robustness = flags & 0x07;
        if robustness != 0 {
            let _ = write!(out, " robustness={robustness}");
        }
        let qqic = u32::from(b.u8(25)?);
        let interval =
            if qqic < 128 { qqic } else { ((qqic & 0x0f) | 0x10) << (((qqic & 0x70) >> 4) + 3) };
        let _ = write!(out, " qqi={interval}");
    }
    let sources = usize::from(b.u16(26)?);
    if sources > 0 {
        if len < 28 + sources * 16 {
            out.extend_from_slice(b" [invalid number of sources]");
        } else if verbosity > 1 {
            out.extend_from_slice(b" {");
            for i in 0..sources {
                let _ = write!(out, " {}", b.ipv6(28 + 16 * i)?);
            }
            out.extend_from_slice(b" }");
        } else {
            let _ = write!(out, ", {sources} source(s)");
        }
    }
    out.push(b']');
    Ok(())
}

/// RFC 3810 §5.2's report: the number of records, and with `-v` each record.
fn write_mld2_report(out: &mut Vec<u8>, b: Bytes<'_>, len: usize, verbosity: u8) -> Printed {
    if len < 8 {
        let _ = write!(out, " [invalid len {len}]");
        return Ok(());
    }
    write_group_records(out, b, len, verbosity, 16, "v2")
}

/// RFC 4861 §4.6's options after `start`, one per output line.
fn write_nd_options(
    out: &mut Vec<u8>,
    b: Bytes<'_>,
    start: usize,
    len: usize,
    verbosity: u8,
) -> Printed {
    let mut at = start;
    let mut left = len as isize - start as isize;
    while at < b.len() {
        b.u8(at + 1)?;
        if left <= 0 {
            return Ok(());
        }
        let kind = b.u8(at)?;
        let units = usize::from(b.u8(at + 1)?);
        if units == 0 || at + (units << 3) > b.len() {
            return Err(Cut::check("icmp6"));
        }
        let size = units << 3;
        let name = match kind {
            1 => "source link-address",
            2 => "destination link-address",
            3 => "prefix info",
            4 => "redirected header",
            5 => "mtu",
            25 => "rdnss",
            31 => "dnssl",
            7 => "advertisement interval",
            8 => "homeagent information",
            24 => "route info",
            _ => "unknown",
        };
        let _ = write!(out, "\n\t  {name} option ({kind}), length {size} ({units}): ");
        let option = b.from(at, "icmp6");
        match kind {
            1 | 2 => {
                for (i, byte) in option.slice(2, size - 2)?.iter().enumerate() {
                    if i > 0 {
                        out.push(b':');
                    }
                    let _ = write!(out, "{byte:02x}");
                }
            }
            3 => {
                let flags = option.u8(3)?;
                let table = [(0x80, "onlink"), (0x40, "auto"), (0x20, "router")];
                let _ = write!(
                    out,
                    "{}/{}{}, Flags [{}], valid time {}, pref. time {}",
                    option.ipv6(16)?,
                    option.u8(2)?,
                    if units != 4 { "badlen" } else { "" },
                    flag_names(u32::from(flags), &table),
                    lifetime(option.u32(4)?),
                    lifetime(option.u32(8)?),
                );
            }
            4 => push_unknown_data(out, "\n\t    ", b.from(start, "icmp6"), size),
            5 => {
                let _ = write!(
                    out,
                    " {}{}",
                    option.u32(4)?,
                    if units != 1 { "bad option length" } else { "" }
                );
            }
            25 => {
                let _ = write!(out, " lifetime {}s,", option.u32(4)?);
                for i in 0..(units - 1) / 2 {
                    let _ = write!(out, " addr: {}", option.ipv6(8 + 16 * i)?);
                }
            }
            7 => drop(write!(out, " {}ms", option.u32(4)?)),
            8 => drop(write!(out, " preference {}, lifetime {}", option.u16(4)?, option.u16(6)?)),
            31 => {
                let _ = write!(out, " lifetime {}s, domain(s):", option.u32(4)?);
                // Names as DNS writes them, pointers measured from the options' start.
                let options = &b.data[start..];
                let mut name = at - start + 8;
                while name < at - start + size && *options.get(name).ok_or(Cut::jump("icmp6"))? != 0
                {
                    out.push(b' ');
                    name = write_name(out, options, name).ok_or(Cut::check("icmp6"))?;
                }
            }
            _ if verbosity <= 1 => {
                push_unknown_data(out, "\n\t  ", option.from(2, "icmp6"), size - 2);
                return Ok(());
            }
            _ => {}
        }
        if verbosity > 1 {
            push_unknown_data(out, "\n\t    ", option.from(2, "icmp6"), size - 2);
        }
        at += size;
        left -= size as isize;
    }
    Ok(())
}

fn lifetime(secs: u32) -> String {
    if secs == u32::MAX { "infinity".to_string() } else { format!("{secs}s") }
}
