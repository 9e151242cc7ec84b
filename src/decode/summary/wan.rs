//! WAN and serial-line link types as tcpdump prints them: Cisco HDLC (and its SLARP
//! keepalives), Frame Relay's Q.922 header and NLPID, libpcap's SLIP pseudo-header, and
//! IP over InfiniBand's.

use std::io::Write;

use super::ip::{Ctx, write_ipv4, write_ipv6};
use super::network::{default_print, has_printer, write_network};
use super::read::{Bytes, Cut, Printed};
use super::write_ethertype;

const IPV4: u16 = 0x0800;
const IPV6: u16 = 0x86dd;
const SLARP: u16 = 0x8035;

/// Cisco HDLC: address, control, protocol; `-e` names the address and the protocol.
pub(super) fn write_cisco_hdlc(
    out: &mut Vec<u8>,
    ctx: &mut Ctx<'_>,
    bytes: Bytes<'_>,
    length: usize,
) -> Printed {
    let bytes = bytes.from(0, "chdlc");
    ctx.link_len = Some(4);
    if length < 4 {
        ctx.link_len = Some(bytes.len());
        return Err(Cut::check("chdlc"));
    }
    let proto = bytes.u16(2)?;
    if ctx.opts.link_header {
        match bytes.u8(0)? {
            0x0f => out.extend_from_slice(b"unicast"),
            0x8f => out.extend_from_slice(b"bcast"),
            other => {
                let _ = write!(out, "0x{other:02x}");
            }
        }
        out.extend_from_slice(b", ethertype ");
        write_ethertype(out, proto);
        let _ = write!(out, ", length {length}: ");
    }
    let (body, body_len) = (bytes.from(4, "chdlc"), length - 4);
    match proto {
        IPV4 | IPV6 | 0x8847 | 0x8848 => write_network(out, ctx, proto, body, body_len),
        SLARP => write_slarp(out, ctx, body, body_len),
        _ => {
            if !ctx.opts.link_header {
                let _ = write!(out, "unknown CHDLC protocol (0x{proto:04x})");
            }
            Ok(())
        }
    }
}

/// Cisco's serial line address resolution: requests, replies and keepalives.
fn write_slarp(out: &mut Vec<u8>, ctx: &Ctx<'_>, bytes: Bytes<'_>, length: usize) -> Printed {
    let bytes = bytes.from(0, "chdlc_slarp");
    let _ = write!(out, "SLARP (length: {length}), ");
    if length < 14 {
        return Err(Cut::check("chdlc_slarp"));
    }
    bytes.slice(0, 14)?;
    match bytes.u32(0)? {
        0 => out.extend_from_slice(b"request"),
        1 => {
            let _ = write!(out, "reply {}/{}", bytes.ipv4(4)?, bytes.ipv4(8)?);
        }
        2 => {
            let _ = write!(
                out,
                "keepalive: mineseen=0x{:08x}, yourseen=0x{:08x}, reliability=0x{:04x}",
                bytes.u32(4)?,
                bytes.u32(8)?,
                bytes.u16(12)?
            );
            if length >= 18 {
                let mut secs = bytes.u32(14)? / 1000;
                let mut mins = secs / 60;
                secs -= mins * 60;
                let mut hours = mins / 60;
                mins -= hours * 60;
                let days = hours / 24;
                hours -= days * 24;
                let _ = write!(out, ", link uptime={days}d{hours}h{mins}m{secs}s");
            }
        }
        code => {
            let _ = write!(out, "0x{code:02x} unknown");
            if ctx.verbosity() <= 1 {
                write_unknown_data(out, bytes.from(4, "chdlc_slarp"), length - 4)?;
            }
        }
    }
    if length > 18 && ctx.verbosity() > 0 {
        let _ = write!(out, ", (trailing junk: {} bytes)", length - 18);
    }
    if ctx.verbosity() > 1 {
        write_unknown_data(out, bytes.from(4, "chdlc_slarp"), length - 4)?;
    }
    Ok(())
}

/// tcpdump's `print_unknown_data`: `-x`'s hex rows, each on a line of its own after `\n`.
fn write_unknown_data(out: &mut Vec<u8>, bytes: Bytes<'_>, length: usize) -> Printed {
    let data = bytes.slice(0, length.min(bytes.len()))?;
    if !data.is_empty() {
        out.push(b'\n');
        super::write_hex(out, data);
        out.pop();
    }
    Ok(())
}

/// Frame Relay (RFC 2427 over Q.922): `-e`'s header, then the NLPID's protocol.
pub(super) fn write_frame_relay(
    out: &mut Vec<u8>,
    ctx: &mut Ctx<'_>,
    bytes: Bytes<'_>,
    length: usize,
) -> Printed {
    let bytes = bytes.from(0, "fr");
    if bytes.len() < 4 {
        ctx.link_len = Some(bytes.len());
        return Err(Cut::check("fr"));
    }
    ctx.link_len = Some(0);
    let Some(q922) = Q922::parse(bytes, length)? else {
        out.extend_from_slice(b"Q.922, invalid address");
        return Ok(());
    };
    let at = q922.len;
    if length < at + 2 {
        return Err(Cut::check("fr"));
    }
    if bytes.u8(at)? != 0x03 && q922.dlci != 0 {
        // Cisco's encapsulation: an ethertype where the UI control byte would be.
        let ether_type = bytes.u16(at)?;
        if ctx.opts.link_header {
            q922.write(out, length, ether_type);
        }
        if has_printer(ether_type) {
            ctx.link_len = Some(at + 2);
            return write_network(out, ctx, ether_type, bytes.from(at + 2, "fr"), length - at - 2);
        }
        let _ = write!(out, "UI {:02x}! ", bytes.u8(at)?);
    }
    let padded = bytes.u8(at + 1)? == 0;
    if padded && q922.len != 3 {
        out.extend_from_slice(b"Pad! ");
    } else if !padded && q922.len == 3 {
        out.extend_from_slice(b"No pad! ");
    }
    let header_len = at + 2 + usize::from(padded);
    let nlpid = bytes.u8(header_len - 1)?;
    if length < header_len {
        return Err(Cut::check("fr"));
    }
    if ctx.opts.link_header {
        q922.write(out, length, u16::from(nlpid));
    }
    ctx.link_len = Some(header_len);
    let (body, body_len) = (bytes.from(header_len, "fr"), length - header_len);
    match nlpid {
        0xcc => write_ipv4(out, ctx, body, body_len),
        0x8e => write_ipv6(out, ctx, body, body_len),
        0x80 => {
            let snap = body.from(0, "snap");
            if !snap.has(0, 5) || body_len < 5 {
                return Err(Cut::check("snap"));
            }
            let (oui, ether_type) =
                ((u32::from(snap.u8(0)?) << 16) | u32::from(snap.u16(1)?), snap.u16(3)?);
            if ctx.opts.link_header {
                let _ = write!(
                    out,
                    "oui {} (0x{oui:06x}), {} ",
                    if oui == 0 { "Ethernet" } else { "Unknown" },
                    if oui == 0 { "ethertype" } else { "pid" }
                );
                write_ethertype(out, ether_type);
                let _ = write!(out, ", length {}: ", body_len - 5);
            }
            if oui == 0 && has_printer(ether_type) {
                return write_network(out, ctx, ether_type, snap.from(5, "ether"), body_len - 5);
            }
            if !ctx.opts.link_header {
                q922.write(out, length, u16::from(nlpid));
            }
            default_print(out, ctx, bytes.slice(0, bytes.len())?);
            Ok(())
        }
        _ => {
            if !ctx.opts.link_header {
                q922.write(out, length, u16::from(nlpid));
            }
            default_print(out, ctx, body.slice(0, body.len())?);
            Ok(())
        }
    }
}

/// A Q.922 address: its length (2 to 4 bytes), DLCI and flags.
struct Q922 {
    len: usize,
    dlci: u32,
    flags: u32,
}

impl Q922 {
    /// `None` for an address whose extension bits say it is not one.
    fn parse(bytes: Bytes<'_>, length: usize) -> Result<Option<Q922>, Cut> {
        let (b0, b1) = (bytes.u8(0)?, bytes.u8(1)?);
        if b0 & 0x01 != 0 || length < 2 {
            return Ok(None);
        }
        let mut q = Q922 {
            len: 2,
            dlci: (u32::from(b0 & 0xfc) << 2) | (u32::from(b1 & 0xf0) >> 4),
            flags: (u32::from(b0 & 0x02) << 24) | (u32::from(b1 & 0x0e) << 16),
        };
        if b1 & 0x01 != 0 {
            return Ok(Some(q));
        }
        // 3- and 4-byte addresses carry more DLCI bits.
        let mut at = 2;
        q.len = 3;
        if bytes.u8(at)? & 0x01 == 0 {
            q.len = 4;
            at += 1;
        }
        let last = bytes.u8(at)?;
        if last & 0x01 == 0 {
            return Ok(None);
        }
        if q.len == 4 {
            q.dlci = (q.dlci << 7) | (u32::from(bytes.u8(2)?) >> 1);
        }
        q.dlci = (q.dlci << 6) | (u32::from(last & 0xfc) >> 2);
        q.flags |= u32::from(last & 0x02);
        Ok(Some(q))
    }

    /// tcpdump's `Q.922, hdr-len …, DLCI …, Flags […], NLPID … (0x..), length N: `.
    fn write(&self, out: &mut Vec<u8>, length: usize, nlpid: u16) {
        let mut flags = Vec::new();
        for (bit, name) in [
            (0x0200_0000, "C!"),
            (0x0002_0000, "DE"),
            (0x0004_0000, "BECN"),
            (0x0008_0000, "FECN"),
            (0x0000_0002, "sdlcore"),
        ] {
            if self.flags & bit != 0 {
                flags.push(name);
            }
        }
        let flags = if flags.is_empty() { "none".to_string() } else { flags.join(", ") };
        let _ = write!(out, "Q.922, hdr-len {}, DLCI {}, Flags [{flags}], ", self.len, self.dlci);
        if nlpid <= 0xff {
            let name = match nlpid {
                0xcc => "IPv4",
                0x8e => "IPv6",
                0x80 => "SNAP",
                0x81 => "CLNP",
                0x82 => "ES-IS",
                0x83 => "IS-IS",
                0x08 => "Q.933",
                0xb1 => "FRF.15",
                0xcf => "PPP",
                0x00 => "NULL",
                _ => "unknown",
            };
            let _ = write!(out, "NLPID {name} (0x{nlpid:02x}), length {length}: ");
        } else {
            out.extend_from_slice(b"cisco-ethertype ");
            write_ethertype(out, nlpid);
            let _ = write!(out, ", length {length}: ");
        }
    }
}

/// SLIP, as libpcap frames it: a 16-byte pseudo-header (direction, the compressed
/// header's type), then IP.
pub(super) fn write_slip(
    out: &mut Vec<u8>,
    ctx: &mut Ctx<'_>,
    bytes: Bytes<'_>,
    length: usize,
) -> Printed {
    let bytes = bytes.from(0, "slip");
    bytes.slice(0, 16)?;
    ctx.link_len = Some(16);
    let length = length.saturating_sub(16);
    if ctx.opts.link_header {
        let direction = bytes.u8(0)?;
        match direction {
            0 => out.extend_from_slice(b"I "),
            1 => out.extend_from_slice(b"O "),
            other => {
                let _ = write!(out, "Invalid direction {other} ");
            }
        }
        let kind = bytes.u8(1)?;
        match kind & 0xf0 {
            0x40 => {
                let _ = write!(out, "ip {}: ", length + 16);
            }
            _ if direction > 1 => {}
            _ if kind & 0x80 != 0 => {
                // Van Jacobson's compressed TCP: hark prints none of its deltas.
                out.extend_from_slice(b"ctcp: ");
            }
            _ => {
                let _ = write!(out, "slip-{kind}!: ");
            }
        }
    }
    let ip = bytes.from(16, "ip");
    // tcpdump reads the version while it still calls the packet SLIP.
    match bytes.u8(16)? >> 4 {
        4 => write_ipv4(out, ctx, ip, length),
        6 => write_ipv6(out, ctx, ip, length),
        version => {
            let _ = write!(out, "ip v{version}");
            Ok(())
        }
    }
}

/// IP over InfiniBand as Linux captures it: a 40-byte route header, then RFC 4391's type.
pub(super) fn write_ipoib(
    out: &mut Vec<u8>,
    ctx: &mut Ctx<'_>,
    bytes: Bytes<'_>,
    length: usize,
) -> Printed {
    let bytes = bytes.from(0, "ipoib");
    if bytes.len() < 44 || length < 44 {
        ctx.link_len = Some(bytes.len().min(length));
        return Err(Cut::check("ipoib"));
    }
    ctx.link_len = Some(44);
    let ether_type = bytes.u16(40)?;
    let header = |out: &mut Vec<u8>| {
        out.extend_from_slice(b", ethertype ");
        write_ethertype(out, ether_type);
        let _ = write!(out, ", length {length}: ");
    };
    if ctx.opts.link_header {
        out.extend_from_slice(b"IPOIB");
        header(out);
    }
    if has_printer(ether_type) {
        return write_network(out, ctx, ether_type, bytes.from(44, "ether"), length - 44);
    }
    if !ctx.opts.link_header {
        header(out);
    }
    default_print(out, ctx, bytes.slice(44, bytes.len() - 44)?);
    Ok(())
}
