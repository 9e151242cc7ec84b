//! IGMP (RFC 1112, RFC 2236, RFC 3376) as tcpdump prints it: `igmp v2 report 239.1.2.3`,
//! `igmp query v3 [gaddr 239.1.2.3, 2 source(s)]`, `igmp v3 report, 1 group record(s)`.

use std::io::Write;

use super::checksum::{fold, ones_sum};
use super::push::{push_duration, push_u64};
use super::read::{Bytes, Printed};

/// An IGMP message of `len` bytes by the IP header's count.
pub(super) fn write_igmp(
    out: &mut Vec<u8>,
    bytes: Bytes<'_>,
    len: usize,
    verbosity: u8,
) -> Printed {
    let b = Bytes::new(bytes.data, "igmp");
    let kind = b.u8(0)?;
    match kind {
        0x11 => {
            out.extend_from_slice(b"igmp query");
            if len >= 12 {
                write_v3_query(out, b, len, verbosity)?;
            } else {
                let max_response = b.u8(1)?;
                if max_response != 0 {
                    out.extend_from_slice(b" v2");
                    if max_response != 100 {
                        let _ = write!(out, " [max resp time {max_response}]");
                    }
                } else {
                    out.extend_from_slice(b" v1");
                }
                if b.u32(4)? != 0 {
                    let _ = write!(out, " [gaddr {}]", b.ipv4(4)?);
                }
                if len != 8 {
                    let _ = write!(out, " [len {len}]");
                }
            }
        }
        0x12 => {
            let _ = write!(out, "igmp v1 report {}", b.ipv4(4)?);
            if len != 8 {
                let _ = write!(out, " [len {len}]");
            }
        }
        0x16 => drop(write!(out, "igmp v2 report {}", b.ipv4(4)?)),
        0x22 => {
            out.extend_from_slice(b"igmp v3 report");
            write_v3_report(out, b, len, verbosity)?;
        }
        0x17 => drop(write!(out, "igmp leave {}", b.ipv4(4)?)),
        0x1e => write_mtrace(out, b, len, "mresp")?,
        0x1f => write_mtrace(out, b, len, "mtrace")?,
        // DVMRP and PIMv1 ride on IGMP; hark names them and stops there.
        0x13 => out.extend_from_slice(b"igmp dvmrp"),
        0x14 => out.extend_from_slice(b"igmp pimv1"),
        _ => {
            out.extend_from_slice(b"igmp-");
            push_u64(out, u64::from(kind));
        }
    }
    if verbosity > 0 && len >= 4 {
        if let Ok(message) = b.slice(0, len) {
            if fold(ones_sum(0, message)) != 0xffff {
                let _ = write!(out, " bad igmp cksum {:x}!", b.u16(2)?);
            }
        }
    }
    Ok(())
}

/// RFC 3376 §4.1.1's code: a time in tenths of a second, floating-point past 127.
fn decode_time(code: u32) -> u32 {
    if code < 128 { code } else { ((code & 0x0f) | 0x10) << (((code & 0x70) >> 4) + 3) }
}

fn write_v3_query(out: &mut Vec<u8>, b: Bytes<'_>, len: usize, verbosity: u8) -> Printed {
    out.extend_from_slice(b" v3");
    if len < 12 || len & 3 != 0 {
        let _ = write!(out, " [invalid len {len}]");
        return Ok(());
    }
    let code = u32::from(b.u8(1)?);
    let tenths = decode_time(code);
    if code != 100 {
        out.extend_from_slice(b" [max resp time ");
        if tenths < 600 {
            let _ = write!(out, "{:.1}s", f64::from(tenths) * 0.1);
        } else {
            push_duration(out, tenths / 10);
        }
        out.push(b']');
    }
    if b.u32(4)? == 0 {
        return Ok(());
    }
    let _ = write!(out, " [gaddr {}", b.ipv4(4)?);
    let sources = usize::from(b.u16(10)?);
    if sources > 0 {
        if len < 12 + (sources << 2) {
            out.extend_from_slice(b" [invalid number of sources]");
        } else if verbosity > 1 {
            out.extend_from_slice(b" {");
            for i in 0..sources {
                let _ = write!(out, " {}", b.ipv4(12 + (i << 2))?);
            }
            out.extend_from_slice(b" }");
        } else {
            let _ = write!(out, ", {sources} source(s)");
        }
    }
    out.push(b']');
    Ok(())
}

fn write_v3_report(out: &mut Vec<u8>, b: Bytes<'_>, len: usize, verbosity: u8) -> Printed {
    if len < 16 || len & 3 != 0 {
        let _ = write!(out, " [invalid len {len}]");
        return Ok(());
    }
    write_group_records(out, b, len, verbosity, 4, "v3")
}

/// The group records of an IGMPv3 or MLDv2 report (RFC 3376 §4.2.4, RFC 3810 §5.2.4),
/// which differ only in the width of their addresses (`address_len`): their count, and
/// with `-v` each `[gaddr G mode, N source(s)]`, with `-vv` the sources themselves.
pub(super) fn write_group_records(
    out: &mut Vec<u8>,
    b: Bytes<'_>,
    len: usize,
    verbosity: u8,
    address_len: usize,
    version: &str,
) -> Printed {
    let groups = b.u16(6)?;
    let _ = write!(out, ", {groups} group record(s)");
    if verbosity == 0 {
        return Ok(());
    }
    let address = |at: usize| -> Result<std::net::IpAddr, super::read::Cut> {
        Ok(if address_len == 4 { b.ipv4(at)?.into() } else { b.ipv6(at)?.into() })
    };
    let record_len = 4 + address_len;
    let mut at = 8;
    for _ in 0..groups {
        if len < at + record_len {
            out.extend_from_slice(b" [invalid number of groups]");
            return Ok(());
        }
        let _ = write!(out, " [gaddr {}", address(at + 4)?);
        let kind = b.u8(at)?;
        match kind {
            1..=6 => {
                let modes = ["is_in", "is_ex", "to_in", "to_ex", "allow", "block"];
                let _ = write!(out, " {}", modes[usize::from(kind) - 1]);
            }
            _ => drop(write!(out, "  [{version}-report-#{kind}]")),
        }
        let sources = usize::from(b.u16(at + 2)?);
        if len < at + record_len + sources * address_len {
            let _ = write!(out, " [invalid number of sources {sources}]");
            return Ok(());
        }
        if verbosity == 1 {
            let _ = write!(out, ", {sources} source(s)");
        } else {
            out.extend_from_slice(b" {");
            for i in 0..sources {
                let _ = write!(out, " {}", address(at + record_len + address_len * i)?);
            }
            out.extend_from_slice(b" }");
        }
        at += record_len + sources * address_len;
        out.push(b']');
    }
    Ok(())
}

/// A multicast traceroute query or response (draft-ietf-idmr-traceroute-ipm).
fn write_mtrace(out: &mut Vec<u8>, b: Bytes<'_>, len: usize, name: &str) -> Printed {
    if len < 8 + 16 {
        let _ = write!(out, " [invalid len {len}]");
        return Ok(());
    }
    let query_id = b.u32(20)? & 0x00ff_ffff;
    let _ = write!(
        out,
        "{name} {query_id}: {} to {} reply-to {}",
        b.ipv4(8)?,
        b.ipv4(12)?,
        b.ipv4(16)?
    );
    if b.ipv4(16)?.is_multicast() {
        let _ = write!(out, " with-ttl {}", b.u8(20)?);
    }
    Ok(())
}
