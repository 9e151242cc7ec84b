//! ARP and RARP (RFC 826, RFC 903) as tcpdump prints them, from the raw bytes: a packet
//! with other address sizes still shows its fixed header and as much as its sizes allow.

use std::io::Write;

use super::read::{Bytes, Printed};
use super::write_ethertype_name;

/// An ARP packet; `length` is what the wire carried from its first byte.
pub(super) fn write_arp(
    out: &mut Vec<u8>,
    bytes: Bytes<'_>,
    length: usize,
    named: bool,
    verbose: bool,
) -> Printed {
    let b = Bytes::new(bytes.data, "arp");
    b.check(0, 8)?;
    let (hardware, proto, op) = (b.u16(0)?, b.u16(2)?, b.u16(6)?);
    let (hw_len, proto_len) = (usize::from(b.u8(4)?), usize::from(b.u8(5)?));
    let sender_hw = 8;
    let sender_proto = sender_hw + hw_len;
    let target_hw = sender_proto + proto_len;
    let target_proto = target_hw + hw_len;
    b.check(target_proto, proto_len)?;
    if named {
        out.extend_from_slice(b"ARP, ");
    }
    const IP: u16 = 0x0800;
    const TRAIL: u16 = 0x1000;
    let ip_like = proto == IP || proto == TRAIL;
    if !ip_like || proto_len != 4 || hw_len == 0 || verbose {
        push_hardware_name(out, hardware);
        let _ = write!(out, " (len {hw_len}), ");
        if !write_ethertype_name(out, proto) {
            let _ = write!(out, "Unknown Protocol (0x{proto:04x})");
        }
        let _ = write!(out, " (len {proto_len})");
        if !verbose {
            let _ = write!(out, ", length {length}");
            return Ok(());
        }
    }
    let protocol_address = |out: &mut Vec<u8>, at: usize| -> Printed {
        if !ip_like {
            out.extend_from_slice(b"<wrong proto type>");
        } else if proto_len != 4 {
            out.extend_from_slice(b"<wrong len>");
        } else {
            let _ = write!(out, "{}", b.ipv4(at)?);
        }
        Ok(())
    };
    let link_address = |out: &mut Vec<u8>, at: usize| -> Printed {
        let address = b.slice(at, hw_len)?;
        if address.is_empty() {
            out.extend_from_slice(b"<empty>");
        }
        for (i, byte) in address.iter().enumerate() {
            if i > 0 {
                out.push(b':');
            }
            let _ = write!(out, "{byte:02x}");
        }
        Ok(())
    };
    let op_name = match op {
        1 => "Request",
        2 => "Reply",
        3 => "Reverse Request",
        4 => "Reverse Reply",
        8 => "Inverse Request",
        9 => "Inverse Reply",
        10 => "NACK Reply",
        _ => "",
    };
    if verbose {
        out.extend_from_slice(b", ");
    }
    if op_name.is_empty() {
        let _ = write!(out, "Unknown ({op}) ");
    } else {
        let _ = write!(out, "{op_name} ");
    }
    match op {
        1 => {
            out.extend_from_slice(b"who-has ");
            protocol_address(out, target_proto)?;
            if b.slice(target_hw, hw_len)?.iter().any(|&x| x != 0) {
                out.extend_from_slice(b" (");
                link_address(out, target_hw)?;
                out.push(b')');
            }
            out.extend_from_slice(b" tell ");
            protocol_address(out, sender_proto)?;
        }
        2 => {
            protocol_address(out, sender_proto)?;
            out.extend_from_slice(b" is-at ");
            link_address(out, sender_hw)?;
        }
        3 | 8 => {
            out.extend_from_slice(b"who-is ");
            link_address(out, target_hw)?;
            out.extend_from_slice(b" tell ");
            link_address(out, sender_hw)?;
        }
        4 => {
            link_address(out, target_hw)?;
            out.extend_from_slice(b" at ");
            protocol_address(out, target_proto)?;
        }
        9 => {
            link_address(out, sender_hw)?;
            out.extend_from_slice(b" at ");
            protocol_address(out, sender_proto)?;
        }
        // tcpdump dumps the rest only with -x; the line ends here.
        _ => return Ok(()),
    }
    let _ = write!(out, ", length {length}");
    Ok(())
}

fn push_hardware_name(out: &mut Vec<u8>, hardware: u16) {
    let name = match hardware {
        1 => "Ethernet",
        6 => "TokenRing",
        7 => "ArcNet",
        15 => "FrameRelay",
        23 => "Strip",
        24 => "IEEE 1394",
        19 => "ATM",
        32 => "InfiniBand",
        _ => return drop(write!(out, "Unknown Hardware ({hardware})")),
    };
    out.extend_from_slice(name.as_bytes());
}
