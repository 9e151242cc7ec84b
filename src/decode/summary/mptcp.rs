//! Multipath TCP's option (RFC 8684) as tcpdump prints it inside `options [...]`:
//! `mptcp 20 capable v1 {0x1fdb5df328bc3def,0x29a6c86981ad933c}`, `mptcp 26 dss ack 9 seq 7
//! subseq 1 len 100`.

use std::io::Write;

use super::push::push_u64;
use super::read::{Bytes, Cut};

const SYN: u16 = 0x02;
const ACK: u16 = 0x10;

/// Appends what follows `mptcp` for the option in `option` (kind and length bytes
/// included); false where tcpdump finds it malformed (`[bad opt]`).
pub(super) fn write_mptcp(out: &mut Vec<u8>, option: &[u8], tcp_flags: u16) -> Result<bool, Cut> {
    let b = Bytes::new(option, "mptcp");
    let len = option.len();
    if len < 3 {
        return Ok(false);
    }
    let subtype = usize::from(b.u8(2)? >> 4).min(8);
    const NAMES: [&str; 9] =
        ["capable", "join", "dss", "add-addr", "rem-addr", "prio", "fail", "fast-close", "unknown"];
    out.push(b' ');
    push_u64(out, len as u64);
    out.push(b' ');
    out.extend_from_slice(NAMES[subtype].as_bytes());
    match subtype {
        0 => capable(out, b, len, tcp_flags),
        1 => join(out, b, len, tcp_flags),
        2 => dss(out, b, len, tcp_flags),
        3 => add_address(out, b, len),
        4 => {
            if len < 4 {
                return Ok(false);
            }
            out.extend_from_slice(b" id");
            for at in 3..len {
                out.push(b' ');
                push_u64(out, u64::from(b.u8(at)?));
            }
            Ok(true)
        }
        5 => {
            if len != 3 && len != 4 {
                return Ok(false);
            }
            out.extend_from_slice(if b.u8(2)? & 1 != 0 { b" backup" } else { b" non-backup" });
            if len == 4 {
                let _ = write!(out, " id {}", b.u8(3)?);
            }
            Ok(true)
        }
        6 if len != 12 => Ok(false),
        6 => {
            let _ = write!(out, " seq {}", u64_at(b, 4)?);
            Ok(true)
        }
        7 if len != 12 => Ok(false),
        7 => {
            let _ = write!(out, " key 0x{:x}", u64_at(b, 4)?);
            Ok(true)
        }
        _ => Ok(true),
    }
}

fn u64_at(b: Bytes<'_>, at: usize) -> Result<u64, Cut> {
    Ok(u64::from(b.u32(at)?) << 32 | u64::from(b.u32(at + 4)?))
}

fn capable(out: &mut Vec<u8>, b: Bytes<'_>, len: usize, flags: u16) -> Result<bool, Cut> {
    let in_syn = (len == 12 || len == 4) && flags & SYN != 0;
    let in_ack = (len == 20 || len == 22) && flags & (SYN | ACK) == ACK;
    if !in_syn && !in_ack {
        return Ok(false);
    }
    let version = b.u8(2)? & 0x0f;
    if version > 1 {
        let _ = write!(out, " Unknown Version ({version})");
        return Ok(true);
    }
    let _ = write!(out, " v{version}");
    if b.u8(3)? & 0x80 != 0 {
        out.extend_from_slice(b" csum");
    }
    if len == 12 || len >= 20 {
        let _ = write!(out, " {{0x{:x}", u64_at(b, 4)?);
        if len >= 20 {
            let _ = write!(out, ",0x{:x}", u64_at(b, 12)?);
        }
        out.push(b'}');
    }
    Ok(true)
}

fn join(out: &mut Vec<u8>, b: Bytes<'_>, len: usize, flags: u16) -> Result<bool, Cut> {
    let fits = (len == 12 && flags & SYN != 0)
        || (len == 16 && flags & (SYN | ACK) == SYN | ACK)
        || (len == 24 && flags & ACK != 0);
    if !fits {
        return Ok(false);
    }
    if len != 24 {
        if b.u8(2)? & 1 != 0 {
            out.extend_from_slice(b" backup");
        }
        let _ = write!(out, " id {}", b.u8(3)?);
    }
    match len {
        12 => drop(write!(out, " token 0x{:x} nonce 0x{:x}", b.u32(4)?, b.u32(8)?)),
        16 => drop(write!(out, " hmac 0x{:x} nonce 0x{:x}", u64_at(b, 4)?, b.u32(12)?)),
        _ => {
            out.extend_from_slice(b" hmac 0x");
            for byte in b.slice(4, 20)? {
                let _ = write!(out, "{byte:02x}");
            }
        }
    }
    Ok(true)
}

/// RFC 8684 §3.3's data sequence signal: the data ack and the mapping, each 4 or 8 bytes.
fn dss(out: &mut Vec<u8>, b: Bytes<'_>, len: usize, flags: u16) -> Result<bool, Cut> {
    if len < 4 || flags & SYN != 0 {
        return Ok(false);
    }
    let dss_flags = b.u8(3)?;
    if dss_flags & 0x10 != 0 {
        out.extend_from_slice(b" fin");
    }
    let mut at = 4;
    let mut left = len - 4;
    // Prints a 4- or 8-byte number at `at`; false when too few bytes are left.
    let mut number = |out: &mut Vec<u8>, wide: bool| -> Result<bool, Cut> {
        let size = if wide { 8 } else { 4 };
        if left < size {
            return Ok(false);
        }
        let value = if wide { u64_at(b, at)? } else { u64::from(b.u32(at)?) };
        push_u64(out, value);
        at += size;
        left -= size;
        Ok(true)
    };
    if dss_flags & 0x01 != 0 {
        out.extend_from_slice(b" ack ");
        if !number(out, dss_flags & 0x02 != 0)? {
            return Ok(false);
        }
    }
    if dss_flags & 0x04 != 0 {
        out.extend_from_slice(b" seq ");
        if !number(out, dss_flags & 0x08 != 0)? {
            return Ok(false);
        }
        out.extend_from_slice(b" subseq ");
        if !number(out, false)? {
            return Ok(false);
        }
        if left < 2 {
            return Ok(false);
        }
        let _ = write!(out, " len {}", b.u16(at)?);
        at += 2;
        left -= 2;
        if left >= 2 {
            let _ = write!(out, " csum 0x{:x}", b.u16(at)?);
            left -= 2;
        }
    }
    Ok(left == 0)
}

fn add_address(out: &mut Vec<u8>, b: Bytes<'_>, len: usize) -> Result<bool, Cut> {
    if ![8, 10, 16, 18, 20, 22, 28, 30].contains(&len) {
        return Ok(false);
    }
    let echo = match b.u8(2)? & 0x0f {
        0x6 => "v0-ip6",
        0x4 => "v0-ip4",
        0x1 => "v1-echo",
        0x0 => "v1",
        _ => "[bad version/echo]",
    };
    let _ = write!(out, " {echo} id {}", b.u8(3)?);
    if len <= 18 {
        let _ = write!(out, " {}", b.ipv4(4)?);
        if len == 10 || len == 18 {
            let _ = write!(out, ":{}", b.u16(8)?);
        }
        if len == 16 {
            let _ = write!(out, " hmac 0x{:x}", u64_at(b, 8)?);
        }
        if len == 18 {
            let _ = write!(out, " hmac 0x{:x}", u64_at(b, 10)?);
        }
    } else {
        let _ = write!(out, " {}", b.ipv6(4)?);
        if len == 22 || len == 30 {
            let _ = write!(out, ":{}", b.u16(20)?);
        }
        if len == 28 {
            let _ = write!(out, " hmac 0x{:x}", u64_at(b, 20)?);
        }
        if len == 30 {
            let _ = write!(out, " hmac 0x{:x}", u64_at(b, 22)?);
        }
    }
    Ok(true)
}
