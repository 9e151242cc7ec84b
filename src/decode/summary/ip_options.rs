//! IPv4 options (RFC 791 §3.1, RFC 2113) as tcpdump's `-v` lists them.

use std::io::Write;

use super::read::{Bytes, Cut};

/// Appends the options in the `length` bytes after the fixed header, comma-separated;
/// `Err` when the capture ends inside them.
pub(super) fn write_ip_options(
    out: &mut Vec<u8>,
    bytes: Bytes<'_>,
    length: usize,
) -> Result<(), Cut> {
    let mut at = 0;
    let mut left = length;
    let mut separator = "";
    while left > 0 {
        out.extend_from_slice(separator.as_bytes());
        separator = ",";
        let code = bytes.u8(at)?;
        push_option_name(out, code);
        let option_len = if code == 0 || code == 1 {
            1
        } else {
            let len = usize::from(bytes.u8(at + 1)?);
            if len < 2 {
                let _ = write!(out, " [bad length {len}]");
                return Ok(());
            }
            len
        };
        if option_len > left {
            let _ = write!(out, " [bad length {option_len}]");
            return Ok(());
        }
        let option = bytes.slice(at, option_len)?;
        // tcpdump reads a route or timestamps by the option's own counts, on past its
        // end into what follows when the counts disagree.
        let rest = &bytes.data[at..];
        match code {
            0 => return Ok(()),
            68 => write_timestamps(out, rest, option_len)?,
            7 | 131 | 137 => write_route(out, rest, option_len)?,
            148 if option_len < 4 => drop(write!(out, " [bad length {option_len}]")),
            148 => {
                let value = u16::from_be_bytes([option[2], option[3]]);
                if value != 0 {
                    let _ = write!(out, " value {value}");
                }
            }
            _ => {}
        }
        at += option_len;
        left -= option_len;
    }
    Ok(())
}

fn push_option_name(out: &mut Vec<u8>, code: u8) {
    let name = match code {
        0 => "EOL",
        1 => "NOP",
        68 => "timestamp",
        130 => "security",
        7 => "RR",
        137 => "SSRR",
        131 => "LSRR",
        148 => "RA",
        82 => "traceroute",
        _ => return drop(write!(out, "unknown {code}")),
    };
    out.extend_from_slice(name.as_bytes());
}

/// A recorded or source route: the addresses, a comma after those already passed.
fn write_route(out: &mut Vec<u8>, option: &[u8], length: usize) -> Result<(), Cut> {
    if length < 3 {
        let _ = write!(out, " [bad length {length}]");
        return Ok(());
    }
    if (length + 1) & 3 != 0 {
        let _ = write!(out, " [bad length {length}]");
    }
    let ptr = usize::from(option[2]).wrapping_sub(1);
    if ptr < 3 || (ptr + 1) & 3 != 0 || ptr > length + 1 {
        let _ = write!(out, " [bad ptr {}]", option[2]);
    }
    let mut at = 3;
    while at < length {
        let a = option.get(at..at + 4).ok_or(Cut::check("ip"))?;
        let _ = write!(out, " {}.{}.{}.{}", a[0], a[1], a[2], a[3]);
        if ptr > at {
            out.push(b',');
        }
        at += 4;
    }
    Ok(())
}

/// RFC 791's timestamp option: `TS{TSONLY 1@ ^ }` and its kin.
fn write_timestamps(out: &mut Vec<u8>, option: &[u8], length: usize) -> Result<(), Cut> {
    if length < 4 {
        let _ = write!(out, "[bad length {length}]");
        return Ok(());
    }
    out.extend_from_slice(b" TS{");
    let flags = option[3];
    const TIMES_ONLY: u8 = 0;
    let hop_len = if flags & 0xf != TIMES_ONLY { 8 } else { 4 };
    if (length - 4) & (hop_len - 1) != 0 {
        let _ = write!(out, "[bad length {length}]");
    }
    let ptr = usize::from(option[2]).wrapping_sub(1);
    if ptr < 4 || (ptr.wrapping_sub(4)) & (hop_len - 1) != 0 || ptr > length + 1 {
        let _ = write!(out, "[bad ptr {}]", option[2]);
    }
    let mut at = 0;
    let kind = match flags & 0xf {
        0 => Some("TSONLY"),
        1 => Some("TS+ADDR"),
        3 => Some("PRESPEC"),
        other => {
            let _ = write!(out, "[bad ts type {other}]");
            None
        }
    };
    if let Some(kind) = kind {
        out.extend_from_slice(kind.as_bytes());
        at = 4;
        while at < length {
            let mark = if ptr == at { " ^ " } else { " " };
            let hop = option.get(at..at + hop_len).ok_or(Cut::check("ip"))?;
            let time = u32::from_be_bytes([
                hop[hop_len - 4],
                hop[hop_len - 3],
                hop[hop_len - 2],
                hop[hop_len - 1],
            ]);
            let _ = write!(out, "{mark}{time}@");
            if hop_len == 8 {
                let _ = write!(out, "{}.{}.{}.{}", hop[0], hop[1], hop[2], hop[3]);
            }
            at += hop_len;
        }
    }
    if ptr == at {
        out.extend_from_slice(b" ^ ");
    }
    if flags >> 4 != 0 {
        let _ = write!(out, " [{} hops not recorded]}} ", flags >> 4);
    } else {
        out.push(b'}');
    }
    Ok(())
}
