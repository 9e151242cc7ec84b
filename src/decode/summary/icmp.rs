//! ICMP in tcpdump's words, errors with what they quote: `ICMP 198.18.0.1 udp port 53
//! unreachable, length 36`; with `-v`, the quoted packet on a line of its own.

use std::io::Write;

use super::checksum::{expected_checksum, fold, ones_sum};
use super::ip::{Ctx, write_ipv4};
use super::push::push_u64;
use super::read::{Bytes, Cut, Printed};

/// An ICMP message of `len` bytes by the IP header's count.
pub(super) fn write_icmp(
    out: &mut Vec<u8>,
    ctx: &mut Ctx<'_>,
    bytes: Bytes<'_>,
    len: usize,
    fragmented: bool,
) -> Printed {
    let b = Bytes::new(bytes.data, "icmp");
    let (kind, code) = (b.u8(0)?, b.u8(1)?);
    if kind == 0 || kind == 8 {
        // The commonest ICMP line, built without an intermediate string.
        let (id, seq) = (b.u16(4)?, b.u16(6)?);
        out.extend_from_slice(if kind == 8 {
            b"ICMP echo request, id "
        } else {
            b"ICMP echo reply, id "
        });
        push_u64(out, u64::from(id));
        out.extend_from_slice(b", seq ");
        push_u64(out, u64::from(seq));
        out.extend_from_slice(b", length ");
        push_u64(out, len as u64);
        return write_icmp_checksum(out, ctx, b, len, fragmented);
    }
    // The quoted header's destination, and the second word's halves.
    let quoted_dst = || b.ipv4(24);
    let text = match kind {
        3 => unreachable_text(b, code)?,
        5 => {
            let (dst, gateway) = (quoted_dst()?, b.ipv4(4)?);
            match code {
                0 => format!("redirect {dst} to net {gateway}"),
                1 => format!("redirect {dst} to host {gateway}"),
                2 => format!("redirect-tos {dst} to net {gateway}"),
                3 => format!("redirect-tos {dst} to host {gateway}"),
                _ => format!("redirect-#{code} {dst} to {gateway}"),
            }
        }
        9 => router_advertisement_text(b)?,
        11 => {
            b.check(24, 4)?;
            match code {
                0 => "time exceeded in-transit".to_string(),
                1 => "ip reassembly time exceeded".to_string(),
                _ => format!("time exceeded-#{code}"),
            }
        }
        12 if code != 0 => format!("parameter problem - code {code}"),
        12 => format!("parameter problem - octet {}", b.u8(4)?),
        18 => format!("address mask is 0x{:08x}", b.u32(8)?),
        13 => format!("time stamp query id {} seq {}", b.u16(4)?, b.u16(6)?),
        14 => {
            b.check(16, 4)?;
            format!(
                "time stamp reply id {} seq {}: org {}, recv {}, xmit {}",
                b.u16(4)?,
                b.u16(6)?,
                milliseconds_of_day(b.u32(8)?),
                milliseconds_of_day(b.u32(12)?),
                milliseconds_of_day(b.u32(16)?)
            )
        }
        4 => "source quench".to_string(),
        10 => "router solicitation".to_string(),
        15 => "information request".to_string(),
        16 => "information reply".to_string(),
        17 => "address mask request".to_string(),
        _ => format!("type-#{kind}"),
    };
    let _ = write!(out, "ICMP {text}, length {len}");
    write_icmp_checksum(out, ctx, b, len, fragmented)?;
    let verbose = ctx.verbosity() > 0;
    // Errors quote the packet that caused them (RFC 792).
    if verbose && matches!(kind, 3 | 4 | 5 | 11 | 12) {
        out.extend_from_slice(b"\n\t");
        let quoted_len = usize::from(b.u16(10)?);
        let quoted = b.from(8, "ip").limit(quoted_len);
        write_ipv4(out, ctx, quoted, quoted_len)?;
    }
    const EXTENSION_AT: usize = 136;
    if verbose && len > EXTENSION_AT && matches!(kind, 3 | 11 | 12) {
        write_extensions(out, b, len)?;
    }
    Ok(())
}

/// RFC 4884's extension structure after the quoted packet's first 128 bytes, as `-v`
/// shows it; an MPLS label stack entry (RFC 4950) is spelled out.
fn write_extensions(out: &mut Vec<u8>, b: Bytes<'_>, len: usize) -> Printed {
    const AT: usize = 136;
    b.check(0, 141)?;
    let valid = |region: &[u8]| fold(ones_sum(0, region)) == 0xffff;
    // Without a length field, only a valid checksum says an extension is there.
    if b.u8(5)? == 0 {
        if let Ok(region) = b.slice(AT, len - AT) {
            if !valid(region) {
                return Ok(());
            }
        }
    }
    let version = b.u8(AT)? >> 4;
    let _ = write!(out, "\n\tICMP Multi-Part extension v{version}");
    if version != 2 {
        out.extend_from_slice(b" packet not supported");
        return Ok(());
    }
    let mut left = len - AT;
    if let Ok(region) = b.slice(AT, left) {
        let correct = if valid(region) { "" } else { "in" };
        let _ =
            write!(out, ", checksum 0x{:04x} ({correct}correct), length {left}", b.u16(AT + 2)?);
    }
    left -= 4;
    let mut at = AT + 4;
    while left > 4 {
        b.check(at, 4)?;
        let object_len = usize::from(b.u16(at)?);
        let (class, class_type) = (b.u8(at + 2)?, b.u8(at + 3)?);
        at += 4;
        let name = match class {
            1 => "MPLS Stack Entry",
            2 => "Interface Identification",
            _ => "unknown",
        };
        let _ = write!(
            out,
            "\n\t  {name} Object ({class}), Class-Type: {class_type}, length {object_len}"
        );
        left -= 4;
        if class == 0 || object_len < 4 {
            return Ok(());
        }
        let data_len = object_len - 4;
        if class == 1 && class_type == 1 {
            let entry = b.u32(at)?;
            let _ = write!(out, "\n\t    label {}, tc {}", entry >> 12, (entry >> 9) & 7);
            if entry & 0x100 != 0 {
                out.extend_from_slice(b", [S]");
            }
            let _ = write!(out, ", ttl {}", entry & 0xff);
        } else {
            push_unknown_data(out, "\n\t    ", b.from(at, "icmp"), data_len);
        }
        if left < data_len {
            break;
        }
        left -= data_len;
        at += data_len;
    }
    Ok(())
}

/// `-v`'s verdict on a bad checksum (a good one goes unsaid).
fn write_icmp_checksum(
    out: &mut Vec<u8>,
    ctx: &Ctx<'_>,
    b: Bytes<'_>,
    len: usize,
    fragmented: bool,
) -> Printed {
    if ctx.verbosity() == 0 || fragmented {
        return Ok(());
    }
    if let Ok(message) = b.slice(0, len) {
        if fold(ones_sum(0, message)) != 0xffff {
            // Read as tcpdump reads it: a message too short to hold it ends the line.
            let stored = b.u16(2)?;
            let expected = expected_checksum(0, message, 2, false).unwrap_or(stored);
            let _ = write!(out, " (wrong icmp cksum {stored:x} (->{expected:x})!)");
        }
    }
    Ok(())
}

fn unreachable_text(b: Bytes<'_>, code: u8) -> Result<String, Cut> {
    const PORT: u8 = 3;
    if code == PORT {
        b.check(17, 1)?;
        let header_len = usize::from(b.u8(8)? & 0x0f) * 4;
        let dport = b.u16(8 + header_len + 2)?;
        let dst = b.ipv4(24)?;
        return Ok(match b.u8(17)? {
            6 => format!("{dst} tcp port {dport} unreachable"),
            17 => format!("{dst} udp port {dport} unreachable"),
            proto => format!("{dst} protocol {proto} port {dport} unreachable"),
        });
    }
    let dst = b.ipv4(24)?;
    Ok(match code {
        0 => format!("net {dst} unreachable"),
        1 => format!("host {dst} unreachable"),
        2 => format!("{dst} protocol {} unreachable", b.u8(17)?),
        4 => match b.u16(6)? {
            0 => format!("{dst} unreachable - need to frag"),
            mtu => format!("{dst} unreachable - need to frag (mtu {mtu})"),
        },
        5 => format!("{dst} unreachable - source route failed"),
        6 => format!("net {dst} unreachable - unknown"),
        7 => format!("host {dst} unreachable - unknown"),
        8 => format!("{dst} unreachable - source host isolated"),
        9 => format!("net {dst} unreachable - admin prohibited"),
        10 => format!("host {dst} unreachable - admin prohibited"),
        11 => format!("net {dst} unreachable - tos prohibited"),
        12 => format!("host {dst} unreachable - tos prohibited"),
        13 => format!("host {dst} unreachable - admin prohibited filter"),
        14 => format!("host {dst} unreachable - host precedence violation"),
        15 => format!("host {dst} unreachable - precedence cutoff"),
        _ => format!("{dst} unreachable - #{code}"),
    })
}

/// RFC 1256's advertisement: lifetime, then each address with its preference.
fn router_advertisement_text(b: Bytes<'_>) -> Result<String, Cut> {
    let mut text = String::from("router advertisement");
    b.check(4, 4)?;
    let lifetime = u32::from(b.u16(6)?);
    text += &if lifetime < 60 {
        format!(" lifetime {lifetime}")
    } else if lifetime < 3600 {
        format!(" lifetime {}:{:02}", lifetime / 60, lifetime % 60)
    } else {
        format!(" lifetime {}:{:02}:{:02}", lifetime / 3600, lifetime % 3600 / 60, lifetime % 60)
    };
    let count = b.u8(4)?;
    text += &format!(" {count}:");
    let size = b.u8(5)?;
    if size != 2 {
        text += &format!(" [size {size}]");
        return Ok(text);
    }
    for i in 0..usize::from(count) {
        let at = 8 + 8 * i;
        b.check(at, 8)?;
        text += &format!(" {{{} {}}}", b.ipv4(at)?, b.u32(at + 4)?);
    }
    Ok(text)
}

/// RFC 792's timestamps: milliseconds since midnight UTC, as `HH:MM:SS.mmm`.
fn milliseconds_of_day(ms: u32) -> String {
    let secs = ms / 1000;
    format!("{:02}:{:02}:{:02}.{:03}", secs / 3600, secs / 60 % 60, secs % 60, ms % 1000)
}

/// tcpdump's hex dump of bytes it has no printer for: `ident` then rows of eight
/// two-byte groups, as far as the capture goes.
pub(super) fn push_unknown_data(out: &mut Vec<u8>, ident: &str, b: Bytes<'_>, len: usize) {
    let shown = &b.data[..b.len().min(len)];
    for (row, chunk) in shown.chunks(16).enumerate() {
        let _ = write!(out, "{ident}0x{:04x}: ", row * 16);
        for pair in chunk.chunks(2) {
            out.push(b' ');
            for byte in pair {
                let _ = write!(out, "{byte:02x}");
            }
        }
    }
}
