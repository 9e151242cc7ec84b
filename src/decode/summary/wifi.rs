//! 802.11 frames as tcpdump prints them: the `-e` header, control frames' addresses, and
//! data frames' LLC/SNAP payload, printed as on Ethernet. Management frames are in
//! `wifi_mgmt`, the radiotap header before them in `radiotap`.

use std::io::Write;

use super::ip::Ctx;
use super::network::{default_print, has_printer, write_network};
use super::push::push_mac;
use super::read::{Bytes, Cut, Printed};
use super::wifi_mgmt::write_management;
use super::write_ethertype;

/// An 802.11 frame (from its frame control field): tcpdump's `ieee802_11_print`.
pub(super) fn write_80211(
    out: &mut Vec<u8>,
    ctx: &mut Ctx<'_>,
    bytes: Bytes<'_>,
    length: usize,
    pad: bool,
    fcs_len: usize,
) -> Printed {
    let mut bytes = bytes.from(0, "802.11");
    ctx.link_len = Some(0);
    if length < fcs_len {
        return Err(Cut::check("802.11"));
    }
    let length = length - fcs_len;
    if bytes.len() > length {
        bytes = bytes.limit(length);
    }
    if bytes.len() < 2 {
        ctx.link_len = Some(bytes.len());
        return Err(Cut::check("802.11"));
    }
    let fc = bytes.u16(0)?.swap_bytes();
    let (kind, subtype) = (((fc >> 2) & 0x03) as u8, ((fc >> 4) & 0x0f) as u8);
    let (to_ds, from_ds) = (fc & 0x0100 != 0, fc & 0x0200 != 0);
    let protected = fc & 0x4000 != 0;
    let mut header_len: usize = match kind {
        0 => 24,
        1 => match subtype {
            7 | 10 | 11 | 14 | 15 => 16,
            8 => 20,
            9 | 12 | 13 => 10,
            _ => {
                let _ = write!(out, "unknown 802.11 ctrl frame subtype ({subtype})");
                return Ok(());
            }
        },
        2 => (if to_ds && from_ds { 30 } else { 24 }) + if subtype & 0x08 != 0 { 2 } else { 0 },
        _ => {
            let _ = write!(out, "unknown 802.11 frame type ({kind})");
            return Ok(());
        }
    };
    if pad {
        header_len = header_len.next_multiple_of(4);
    }
    ctx.link_len = Some(header_len);
    if bytes.len() < header_len {
        return Err(Cut::check("802.11"));
    }
    let mac = |n: usize| bytes.slice(n, 6);
    if ctx.opts.link_header {
        write_header(out, ctx, bytes, fc, kind, subtype)?;
    }
    let body = bytes.from(header_len, "802.11");
    let body_len = length - header_len;
    match kind {
        0 => {
            if !write_management(out, ctx, mac(10)?, subtype, protected, body, body_len)? {
                return Err(Cut::check("802.11"));
            }
        }
        1 => write_control(out, ctx, bytes, subtype)?,
        _ => {
            if subtype & 0x04 != 0 {
                return Ok(());
            }
            if protected {
                out.extend_from_slice(b"Data");
                return write_wep(out, body);
            }
            let (src, dst) = match (to_ds, from_ds) {
                (false, false) => (mac(10)?, mac(4)?),
                (false, true) => (mac(16)?, mac(4)?),
                (true, false) => (mac(10)?, mac(16)?),
                (true, true) => (mac(24)?, mac(16)?),
            };
            ctx.link_len = Some(header_len + 8);
            return write_llc(out, ctx, body, body_len, src, dst);
        }
    }
    Ok(())
}

/// `-e`'s header: flags and duration with `-v`, then the addresses by their roles.
fn write_header(
    out: &mut Vec<u8>,
    ctx: &Ctx<'_>,
    bytes: Bytes<'_>,
    fc: u16,
    kind: u8,
    subtype: u8,
) -> Printed {
    if ctx.verbosity() > 0 {
        for (bit, text) in [
            (0x2000, "More Data "),
            (0x0400, "More Fragments "),
            (0x1000, "Pwr Mgmt "),
            (0x0800, "Retry "),
            (0x8000, "Strictly Ordered "),
            (0x4000, "Protected "),
        ] {
            if fc & bit != 0 {
                out.extend_from_slice(text.as_bytes());
            }
        }
        if kind != 1 || subtype != 10 {
            let _ = write!(out, "{}us ", bytes.u16(2)?.swap_bytes());
        }
    }
    let name = |out: &mut Vec<u8>, label: &str, at: usize| -> Printed {
        let _ = write!(out, "{label}:");
        push_mac(out, bytes.slice(at, 6)?);
        out.push(b' ');
        Ok(())
    };
    match kind {
        0 => {
            name(out, "BSSID", 16)?;
            name(out, "DA", 4)?;
            name(out, "SA", 10)?;
        }
        1 => match subtype {
            8 => {
                out.push(b' ');
                name(out, "RA", 4)?;
                name(out, "TA", 10)?;
                let (ctl, seq) = (bytes.u16(16)?.swap_bytes(), bytes.u16(18)?.swap_bytes());
                let _ = write!(out, "CTL({ctl:x}) SEQ({seq}) ");
            }
            9 | 12 | 13 => name(out, "RA", 4)?,
            10 => {
                name(out, "BSSID", 4)?;
                name(out, "TA", 10)?;
            }
            11 => {
                name(out, "RA", 4)?;
                name(out, "TA", 10)?;
            }
            14 | 15 => {
                name(out, "RA", 4)?;
                name(out, "BSSID", 10)?;
            }
            _ => {}
        },
        _ => {
            if subtype & 0x0b != 0 {
                out.extend_from_slice(b"CF ");
                match (subtype & 0x01 != 0, subtype & 0x02 != 0) {
                    (true, true) => out.extend_from_slice(b"Ack/Poll"),
                    (true, false) => out.extend_from_slice(b"Ack"),
                    (false, true) => out.extend_from_slice(b"Poll"),
                    (false, false) => {}
                }
                if subtype & 0x08 != 0 {
                    out.extend_from_slice(b"+QoS");
                }
                out.push(b' ');
            }
            let (to_ds, from_ds) = (fc & 0x0100 != 0, fc & 0x0200 != 0);
            match (to_ds, from_ds) {
                (false, false) => {
                    name(out, "DA", 4)?;
                    name(out, "SA", 10)?;
                    name(out, "BSSID", 16)?;
                }
                (false, true) => {
                    name(out, "DA", 4)?;
                    name(out, "BSSID", 10)?;
                    name(out, "SA", 16)?;
                }
                (true, false) => {
                    name(out, "BSSID", 4)?;
                    name(out, "SA", 10)?;
                    name(out, "DA", 16)?;
                }
                (true, true) => {
                    name(out, "RA", 4)?;
                    name(out, "TA", 10)?;
                    name(out, "DA", 16)?;
                    name(out, "SA", 24)?;
                }
            }
        }
    }
    Ok(())
}

/// WEP's (or any protected frame's) IV and key id.
pub(super) fn write_wep(out: &mut Vec<u8>, body: Bytes<'_>) -> Printed {
    if !body.has(0, 4) {
        return Err(Cut::check("802.11"));
    }
    let iv = body.u32(0)?.swap_bytes();
    let _ =
        write!(out, " IV:{:3x} Pad {:x} KeyID {:x}", iv & 0xff_ffff, (iv >> 24) & 0x3f, iv >> 30);
    Ok(())
}

/// A control frame's name and, without `-e`, its addresses.
fn write_control(out: &mut Vec<u8>, ctx: &Ctx<'_>, bytes: Bytes<'_>, subtype: u8) -> Printed {
    let name = match subtype {
        7 => "Control Wrapper",
        8 => "BAR",
        9 => "BA",
        10 => "Power Save-Poll",
        11 => "Request-To-Send",
        12 => "Clear-To-Send",
        13 => "Acknowledgment",
        14 => "CF-End",
        15 => "CF-End+CF-Ack",
        _ => "Unknown Ctrl Subtype",
    };
    out.extend_from_slice(name.as_bytes());
    let e = ctx.opts.link_header;
    let addr = |out: &mut Vec<u8>, label: &str, at: usize| -> Printed {
        let _ = write!(out, " {label}:");
        push_mac(out, bytes.slice(at, 6)?);
        Ok(())
    };
    match subtype {
        8 if !e => {
            addr(out, "RA", 4)?;
            addr(out, "TA", 10)?;
            let (ctl, seq) = (bytes.u16(16)?.swap_bytes(), bytes.u16(18)?.swap_bytes());
            let _ = write!(out, " CTL({ctl:x}) SEQ({seq}) ");
        }
        10 => {
            let _ = write!(out, " AID({:x})", bytes.u16(2)?.swap_bytes());
        }
        11 if !e => {
            addr(out, "TA", 10)?;
            out.push(b' ');
        }
        9 | 12 | 13 | 14 | 15 if !e => {
            addr(out, "RA", 4)?;
            out.push(b' ');
        }
        _ => {}
    }
    Ok(())
}

/// A data frame's payload: LLC, and through SNAP the ethertype's packet.
fn write_llc(
    out: &mut Vec<u8>,
    ctx: &mut Ctx<'_>,
    body: Bytes<'_>,
    length: usize,
    src: &[u8],
    dst: &[u8],
) -> Printed {
    let body = body.from(0, "llc");
    if body.len() < 3 || length < 3 {
        out.extend_from_slice(b" [|llc]");
        default_print(out, ctx, body.slice(0, body.len())?);
        return Ok(());
    }
    let (dsap, ssap, control) = (body.u8(0)?, body.u8(1)?, body.u8(2)?);
    let snap = dsap == 0xaa && ssap == 0xaa && control == 0x03;
    if !snap {
        // Other LLC (STP, NetBIOS, …): tcpdump's names for those are not hark's yet.
        let _ = write!(out, "LLC, dsap 0x{dsap:02x}, ssap 0x{ssap:02x}, length {length}");
        return Ok(());
    }
    if ctx.opts.link_header {
        out.extend_from_slice(
            b"LLC, dsap SNAP (0xaa) Individual, ssap SNAP (0xaa) Command, ctrl 0x03: ",
        );
    }
    let snap_bytes = body.from(3, "snap");
    if snap_bytes.len() < 5 || length < 8 {
        return Err(Cut::check("snap"));
    }
    let oui = (u32::from(snap_bytes.u8(0)?) << 16) | u32::from(snap_bytes.u16(1)?);
    let ether_type = snap_bytes.u16(3)?;
    let inner_len = length - 8;
    if ctx.opts.link_header {
        let _ = write!(out, "oui {} (0x{oui:06x}), ", oui_name(oui));
        out.extend_from_slice(if oui == 0 { b"ethertype " } else { b"pid " });
        write_ethertype(out, ether_type);
        let _ = write!(out, ", length {inner_len}: ");
    }
    let known = has_printer(ether_type);
    if oui == 0 && known {
        return write_network(out, ctx, ether_type, body.from(8, "ether"), inner_len);
    }
    if !ctx.opts.link_header {
        push_mac(out, src);
        out.extend_from_slice(b" > ");
        push_mac(out, dst);
        out.extend_from_slice(b" SNAP, ");
        if oui == 0 {
            out.extend_from_slice(b"ethertype ");
            write_ethertype(out, ether_type);
        } else {
            let _ = write!(
                out,
                "oui {} (0x{oui:06x}), pid Unknown (0x{ether_type:04x})",
                oui_name(oui)
            );
        }
        let _ = write!(out, ", length {inner_len}: ");
    }
    // tcpdump dumps from the LLC header on.
    default_print(out, ctx, body.slice(0, body.len())?);
    Ok(())
}

fn oui_name(oui: u32) -> &'static str {
    match oui {
        0x000000 => "Ethernet",
        0x0000f8 => "Cisco",
        0x00000c => "Cisco",
        0x080007 => "Appletalk",
        _ => "Unknown",
    }
}
