//! BOOTP and DHCP (RFC 951, RFC 2131) as tcpdump prints them: `BOOTP/DHCP, Request from
//! 02:00:00:00:00:07, length 300`, and with `-v` the fixed fields. The options that
//! follow (RFC 2132) are left to hark's own words: tcpdump's `-v` lists them and hark's
//! does not.

use std::io::Write;

use super::domain::push_char;
use super::push::push_mac;
use super::read::{Bytes, Cut, Printed};

/// A BOOTP message of `len` bytes by the UDP header's count.
pub(super) fn write_bootp(
    out: &mut Vec<u8>,
    bytes: Bytes<'_>,
    len: usize,
    verbosity: u8,
) -> Printed {
    let b = Bytes::new(bytes.data, "bootp");
    let op = b.u8(0)?;
    out.extend_from_slice(b"BOOTP/DHCP, ");
    match op {
        1 => out.extend_from_slice(b"Request"),
        2 => out.extend_from_slice(b"Reply"),
        _ => drop(write!(out, "unknown (0x{op:02x})")),
    }
    let (hardware, hardware_len) = (b.u8(1)?, b.u8(2)?);
    let ethernet = hardware == 1 && hardware_len == 6;
    if ethernet && op == 1 {
        out.extend_from_slice(b" from ");
        push_mac(out, b.slice(28, 6)?);
    }
    let _ = write!(out, ", length {len}");
    if verbosity == 0 {
        return Ok(());
    }
    b.check(8, 2)?;
    if hardware != 1 {
        let _ = write!(out, ", htype {hardware}");
    }
    if !ethernet {
        let _ = write!(out, ", hlen {hardware_len}");
    }
    let hops = b.u8(3)?;
    if hops != 0 {
        let _ = write!(out, ", hops {hops}");
    }
    let xid = b.u32(4)?;
    if xid != 0 {
        let _ = write!(out, ", xid 0x{xid:x}");
    }
    let secs = b.u16(8)?;
    if secs != 0 {
        let _ = write!(out, ", secs {secs}");
    }
    let flags = b.u16(10)?;
    out.extend_from_slice(if flags & 0x8000 != 0 {
        b", Flags [Broadcast]"
    } else {
        b", Flags [none]"
    });
    if verbosity > 1 {
        let _ = write!(out, " (0x{flags:04x})");
    }
    for (at, name) in [(12, "Client-IP"), (16, "Your-IP"), (20, "Server-IP"), (24, "Gateway-IP")] {
        let address = b.ipv4(at)?;
        if !address.is_unspecified() {
            let _ = write!(out, "\n\t  {name} {address}");
        }
    }
    if ethernet {
        out.extend_from_slice(b"\n\t  Client-Ethernet-Address ");
        push_mac(out, b.slice(28, 6)?);
    }
    for (at, size, name) in [(44, 64, "sname"), (108, 128, "file")] {
        if b.u8(at)? != 0 {
            let _ = write!(out, "\n\t  {name} \"");
            if !write_terminated(out, b, at, size)? {
                out.push(b'"');
                return Err(Cut::check("bootp"));
            }
            out.push(b'"');
        }
    }
    Ok(())
}

/// A NUL-terminated string in a fixed field; false when the field or the capture ended
/// before the NUL.
fn write_terminated(out: &mut Vec<u8>, b: Bytes<'_>, at: usize, size: usize) -> Result<bool, Cut> {
    for i in 0..size {
        if at + i >= b.len() {
            return Ok(false);
        }
        match b.u8(at + i)? {
            0 => return Ok(true),
            c => push_char(out, c),
        }
    }
    Ok(false)
}
