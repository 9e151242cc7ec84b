//! Vendor headers between Ethernet and the network layer, as tcpdump prints them: NSH
//! (RFC 8300) and Arista's timestamp header.

use std::io::Write;

use super::ip::{Ctx, write_ipv4, write_ipv6};
use super::network::write_ethernet;
use super::read::{Bytes, Printed};

/// NSH's line: flags, service path and index, then the packet it carries.
pub(super) fn write_nsh(
    out: &mut Vec<u8>,
    ctx: &mut Ctx<'_>,
    bytes: Bytes<'_>,
    length: usize,
) -> Printed {
    let bytes = bytes.from(0, "nsh");
    if length < 8 {
        let _ = write!(out, " (packet length {length} < 8) (invalid)");
        return Ok(());
    }
    let base = bytes.u32(0)?;
    let (version, words, md_type, next) =
        (base >> 30, ((base >> 16) & 0x3f) as usize, (base >> 8) & 0x0f, (base & 0xff) as u8);
    let verbosity = ctx.verbosity();
    out.extend_from_slice(b"NSH, ");
    if verbosity > 1 {
        let _ = write!(out, "ver {version}, ");
    }
    if version != 0 {
        return Ok(());
    }
    let flags = if (base >> 28) & 0x03 & 0x02 != 0 { "O" } else { "none" };
    let _ = write!(out, "flags [{flags}], ");
    if verbosity > 2 {
        let _ = write!(out, "TTL {}, length {words}, md type ", (base >> 22) & 0x3f);
        match md_type {
            0 => out.extend_from_slice(b"reserved"),
            1 => out.extend_from_slice(b"1"),
            2 => out.extend_from_slice(b"2"),
            15 => out.extend_from_slice(b"experimental"),
            other => {
                let _ = write!(out, "unknown (0x{other:02x})");
            }
        }
        out.extend_from_slice(b", ");
    }
    if verbosity > 1 {
        out.extend_from_slice(b"next-protocol ");
        match next {
            1 => out.extend_from_slice(b"IPv4"),
            2 => out.extend_from_slice(b"IPv6"),
            3 => out.extend_from_slice(b"Ethernet"),
            4 => out.extend_from_slice(b"NSH"),
            5 => out.extend_from_slice(b"MPLS"),
            0xfe => out.extend_from_slice(b"Experiment 1"),
            0xff => out.extend_from_slice(b"Experiment 2"),
            other => {
                let _ = write!(out, "unknown (0x{other:02x})");
            }
        }
        out.extend_from_slice(b", ");
    }
    if length < words * 4 {
        let _ = write!(out, " (too many headers for packet length {length}) (invalid)");
        return Ok(());
    }
    let path = bytes.u32(4)?;
    let _ = write!(out, "service-path-id 0x{:06x}, service-index 0x{:x}", path >> 8, path & 0xff);
    if words < 2 {
        out.extend_from_slice(b" (less than two headers) (invalid)");
        return Ok(());
    }
    if verbosity > 2 && matches!(md_type, 1 | 2) {
        if !write_contexts(out, bytes, words, md_type)? {
            out.extend_from_slice(b" (invalid)");
            return Ok(());
        }
    } else {
        bytes.slice(8, (words - 2) * 4)?;
    }
    out.extend_from_slice(if verbosity > 0 { b"\n    " } else { b": " });
    let inner = bytes.from(words * 4, "nsh");
    let inner_len = length - words * 4;
    match next {
        1 => write_ipv4(out, ctx, inner, inner_len),
        2 => write_ipv6(out, ctx, inner, inner_len),
        3 => write_ethernet(out, ctx, inner, inner_len),
        _ => {
            out.extend_from_slice(b"ERROR: unknown-next-protocol");
            Ok(())
        }
    }
}

/// `-vvv`'s context headers: MD type 1's four words, MD type 2's TLVs. `false` when the
/// lengths do not add up (tcpdump then calls the packet invalid).
fn write_contexts(
    out: &mut Vec<u8>,
    bytes: Bytes<'_>,
    words: usize,
    md_type: u32,
) -> Result<bool, super::read::Cut> {
    let contexts = words - 2;
    if md_type == 1 {
        if words != 6 {
            out.extend_from_slice(b" (invalid length for the MD type)");
            return Ok(false);
        }
        for n in 0..contexts {
            let _ = write!(out, "\n        Context[{n:02}]: 0x{:08x}", bytes.u32(8 + 4 * n)?);
        }
        return Ok(true);
    }
    let (mut n, mut at) = (0, 8);
    while n < contexts {
        let (class, kind, len) = (bytes.u16(at)?, bytes.u8(at + 2)?, bytes.u8(at + 3)? & 0x7f);
        at += 4;
        let padded = usize::from(len).next_multiple_of(4);
        let _ = write!(out, "\n        TLV Class {class}, Type {kind}, Len {len}");
        n += 1;
        if contexts < n + padded / 4 {
            out.extend_from_slice(b" (length too big)");
            return Ok(false);
        }
        if len > 0 {
            out.extend_from_slice(b"\n            Value: ");
            for i in 0..usize::from(len) {
                let _ = write!(out, "{}{:02x}", if i == 0 { "0x" } else { ":" }, bytes.u8(at + i)?);
            }
            bytes.slice(at + usize::from(len), padded - usize::from(len))?;
            at += padded;
            n += padded / 4;
        }
    }
    Ok(true)
}

/// Arista's timestamp header, after tcpdump's `ethertype … length N: `: its subtype,
/// timescale, format and time. Returns the bytes it took, or `None` when tcpdump would
/// not know the subtype or format (and dump the frame instead).
pub(super) fn write_arista(
    out: &mut Vec<u8>,
    bytes: Bytes<'_>,
) -> Result<Option<usize>, super::read::Cut> {
    let subtype = bytes.u16(0)?;
    let _ = write!(
        out,
        "SubType {} (0x{subtype:04x}), ",
        if subtype == 1 { "Timestamp" } else { "Unknown" }
    );
    if subtype != 1 {
        return Ok(None);
    }
    let timescale = bytes.u8(2)?;
    let _ = write!(
        out,
        "Timescale {} ({timescale}), ",
        match timescale {
            0 => "TAI",
            1 => "UTC",
            _ => "Unknown",
        }
    );
    let (format, hw) = (bytes.u8(3)? >> 4, bytes.u8(3)? & 0x0f);
    let _ = write!(
        out,
        "Format {} ({format}), HwInfo {} ({hw}), Timestamp ",
        match format {
            1 => "64-bit",
            2 => "48-bit",
            _ => "Unknown",
        },
        match hw {
            0 => "R/R2",
            1 => "R3",
            _ => "Unknown",
        }
    );
    let taken = match format {
        1 => {
            let (seconds, nanos) = (bytes.u32(4)?, bytes.u32(8)?);
            let seconds = i64::from(seconds) + i64::from(nanos / 1_000_000_000);
            match jiff::Timestamp::from_second(seconds) {
                Ok(ts) => {
                    let _ = write!(out, "{}", ts.strftime("%Y-%m-%d %H:%M:%S"));
                }
                Err(_) => out.extend_from_slice(b"gmtime() error"),
            }
            let _ = write!(out, ".{:09}", nanos % 1_000_000_000);
            12
        }
        2 => {
            let (seconds, nanos) = (u64::from(bytes.u16(4)?), bytes.u32(6)?);
            let seconds = seconds + u64::from(nanos / 1_000_000_000);
            let _ = write!(out, "{seconds}.{:09}", nanos % 1_000_000_000);
            10
        }
        _ => return Ok(None),
    };
    out.extend_from_slice(b": ");
    Ok(Some(taken))
}
