//! From the link header to the network layer, as tcpdump prints it: Ethernet and its
//! VLAN tags, the other link types' `-e` prefixes, MPLS label stacks, then IPv4, IPv6
//! or ARP by the ethertype.

use std::io::Write;

use super::arp::write_arp;
use super::dump::push_default_dump;
use super::eap::write_eapol;
use super::ip::{Ctx, write_ipv4, write_ipv6};
use super::push::{push_mac, push_u64};
use super::radiotap::write_radiotap;
use super::read::{Bytes, Cut, Printed};
use super::shim::{write_arista, write_nsh};
use super::wan::{write_cisco_hdlc, write_frame_relay, write_ipoib, write_slip};
use super::wifi::write_80211;
use super::write_ethertype;
use crate::decode::Packet;
use crate::decode::link::{self, Next};
use crate::source::LinkType;

const IPV4: u16 = 0x0800;
const IPV6: u16 = 0x86dd;
const ARP: u16 = 0x0806;
const RARP: u16 = 0x8035;
const EAPOL: u16 = 0x888e;
const NSH: u16 = 0x894f;
const ARISTA: u16 = 0xd28b;

/// The line for a whole frame, after its time.
pub(super) fn write_frame(out: &mut Vec<u8>, ctx: &mut Ctx<'_>, pkt: &Packet<'_>) -> Printed {
    let frame = pkt.frame();
    let (data, length) = (frame.data, frame.orig_len as usize);
    // Nearly every line is an Ethernet frame's: it goes straight to its printer.
    if frame.link == LinkType::ETHERNET {
        return write_ethernet(out, ctx, Bytes::new(data, "ether"), length);
    }
    write_other_link(out, ctx, pkt)
}

/// The link types other than Ethernet, out of its way.
#[inline(never)]
fn write_other_link(out: &mut Vec<u8>, ctx: &mut Ctx<'_>, pkt: &Packet<'_>) -> Printed {
    let frame = pkt.frame();
    let (data, length) = (frame.data, frame.orig_len as usize);
    match frame.link {
        LinkType::IEEE802_11_RADIOTAP => {
            return write_radiotap(out, ctx, Bytes::new(data, "802.11_radio"), length);
        }
        LinkType::IEEE802_11 => {
            return write_80211(out, ctx, Bytes::new(data, "802.11"), length, false, 0);
        }
        LinkType::C_HDLC => return write_cisco_hdlc(out, ctx, Bytes::new(data, "chdlc"), length),
        LinkType::FRELAY => return write_frame_relay(out, ctx, Bytes::new(data, "fr"), length),
        LinkType::SLIP => return write_slip(out, ctx, Bytes::new(data, "slip"), length),
        LinkType::IPOIB => return write_ipoib(out, ctx, Bytes::new(data, "ipoib"), length),
        _ => {}
    }
    match link::classify(frame.link, data).0 {
        Next::Ethernet => write_ethernet(out, ctx, Bytes::new(data, "ether"), length),
        Next::EtherType { offset, .. } if is_raw_ip(frame.link) => {
            if ctx.opts.link_header {
                out.extend_from_slice(b"ip: ");
            }
            // tcpdump goes by the version nibble on these, whatever the link type says.
            let rest = Bytes::new(data, "ip").from(offset, "ip");
            match rest.u8(0)? >> 4 {
                4 => write_ipv4(out, ctx, rest, length.saturating_sub(offset)),
                6 => write_ipv6(out, ctx, rest, length.saturating_sub(offset)),
                version => {
                    let _ = write!(out, "unknown ip {version}");
                    Ok(())
                }
            }
        }
        Next::EtherType { ether_type, offset } => {
            if frame.link == LinkType::LINUX_SLL2 {
                write_sll2_prefix(out, data, ctx.opts.link_header, length, ether_type);
            } else if ctx.opts.link_header {
                write_link_prefix(out, frame.link, data, length, ether_type);
            }
            let rest = Bytes::new(data, "ether").from(offset, "ether");
            write_network(out, ctx, ether_type, rest, length.saturating_sub(offset))
        }
        Next::Opaque | Next::Short => {
            let _ = write!(out, "link-type {}, length {length}", frame.link.0);
            Ok(())
        }
    }
}

/// `-e`'s words for a link header other than Ethernet.
fn write_link_prefix(
    out: &mut Vec<u8>,
    link: LinkType,
    data: &[u8],
    length: usize,
    ether_type: u16,
) {
    match link {
        LinkType::NULL | LinkType::LOOP => {
            let raw = data.get(..4).map_or(0, |f| u32::from_ne_bytes([f[0], f[1], f[2], f[3]]));
            // The family is in the capturing host's byte order.
            let family = if raw & 0xffff_0000 != 0 { raw.swap_bytes() } else { raw };
            let name = match family {
                2 => "IPv4",
                6 => "NS",
                7 => "ISO",
                16 => "Appletalk",
                23 => "IPX",
                24 | 28 | 30 => "IPv6",
                _ => "Unknown",
            };
            let _ = write!(out, "AF {name} ({family}), length {length}: ");
        }
        LinkType::LINUX_SLL => {
            let word =
                |at: usize| data.get(at..at + 2).map_or(0, |b| u16::from_be_bytes([b[0], b[1]]));
            let _ = write!(out, "{:>3} ", packet_direction(word(0)));
            if word(4) == 6 {
                if let Some(mac) = data.get(6..12) {
                    push_mac(out, mac);
                    out.push(b' ');
                }
            }
            out.extend_from_slice(b"ethertype ");
            write_ethertype(out, ether_type);
            let _ = write!(out, ", length {length}: ");
        }
        LinkType::PPP | LinkType::PPP_HDLC => {
            // tcpdump's names for the PPP protocols hark reads through.
            let (name, code) = match ether_type {
                IPV4 => ("IP", 0x0021),
                IPV6 => ("IP6", 0x0057),
                0x8847 => ("MPLS", 0x0281),
                _ => ("MPLS", 0x0283),
            };
            let _ = write!(out, "{name} (0x{code:04x}), length {length}: ");
        }
        _ => {}
    }
}

/// What tcpdump counts as the link header of a packet its printers abandoned: only the
/// link types that count their header before printing what it carries have one.
pub(super) fn header_len_when_abandoned(link: LinkType) -> usize {
    if matches!(link, LinkType::NULL | LinkType::LOOP) { 4 } else { 0 }
}

fn is_raw_ip(link: LinkType) -> bool {
    matches!(
        link,
        LinkType::RAW
            | LinkType::RAW_OLD_12
            | LinkType::RAW_OLD_14
            | LinkType::IPV4
            | LinkType::IPV6
    )
}

/// The Linux cooked v2 header: the capturing interface's name, as this host names that
/// index (tcpdump asks the same of the host it runs on), and the direction, even
/// without `-e`.
fn write_sll2_prefix(
    out: &mut Vec<u8>,
    data: &[u8],
    link_header: bool,
    length: usize,
    ether_type: u16,
) {
    let Some(h) = data.get(..20) else { return };
    let index = u32::from_be_bytes([h[4], h[5], h[6], h[7]]);
    let name = interface_name(index).unwrap_or_else(|| "?".to_string());
    let _ = write!(out, "{name:<5} {:<3} ", packet_direction(u16::from(h[10])));
    if link_header {
        let _ = write!(out, "ifindex {index} ");
        if h[11] == 6 {
            push_mac(out, &h[12..18]);
            out.push(b' ');
        }
        out.extend_from_slice(b"ethertype ");
        write_ethertype(out, ether_type);
        let _ = write!(out, ", length {length}: ");
    }
}

/// The name this host gives interface `index`, from sysfs; read once.
fn interface_name(index: u32) -> Option<String> {
    static NAMES: std::sync::OnceLock<Vec<(u32, String)>> = std::sync::OnceLock::new();
    let names = NAMES.get_or_init(|| {
        let Ok(dir) = std::fs::read_dir("/sys/class/net") else { return Vec::new() };
        dir.filter_map(|entry| {
            let entry = entry.ok()?;
            let index = std::fs::read_to_string(entry.path().join("ifindex")).ok()?;
            Some((index.trim().parse().ok()?, entry.file_name().to_string_lossy().into_owned()))
        })
        .collect()
    });
    names.iter().find(|(i, _)| *i == index).map(|(_, name)| name.clone())
}

fn packet_direction(kind: u16) -> &'static str {
    match kind {
        0 => "In",
        1 => "B",
        2 => "M",
        3 => "P",
        4 => "Out",
        _ => "?",
    }
}

/// An Ethernet frame of `length` bytes on the wire.
pub(super) fn write_ethernet(
    out: &mut Vec<u8>,
    ctx: &mut Ctx<'_>,
    bytes: Bytes<'_>,
    length: usize,
) -> Printed {
    let caplen = bytes.len();
    if length < caplen {
        let _ = write!(out, "[length {length} < caplen {caplen}] (invalid)");
        return Ok(());
    }
    if caplen < 14 {
        return Err(Cut::check("ether"));
    }
    let (dst, src) = (&bytes.data[0..6], &bytes.data[6..12]);
    let push_addresses = |out: &mut Vec<u8>| {
        push_mac(out, src);
        out.extend_from_slice(b" > ");
        push_mac(out, dst);
        out.extend_from_slice(b", ");
    };
    let link_header = ctx.opts.link_header;
    if link_header {
        push_addresses(out);
    }
    let mut at = 12;
    let mut ether_type = bytes.u16(at)?;
    at += 2;
    let mut length_printed = false;
    let prefix = |out: &mut Vec<u8>, ether_type: u16, length_printed: &mut bool| {
        if link_header {
            out.extend_from_slice(b"ethertype ");
            write_ethertype(out, ether_type);
            if *length_printed {
                out.extend_from_slice(b", ");
            } else {
                let _ = write!(out, ", length {length}: ");
                *length_printed = true;
            }
        }
    };
    loop {
        while matches!(ether_type, 0x8100 | 0x9100 | 0x9200 | 0x88a8) {
            if bytes.len() < at + 4 || length < at + 4 {
                return Err(Cut::check("vlan"));
            }
            prefix(out, ether_type, &mut length_printed);
            if link_header {
                let tag = bytes.u16(at)?;
                let _ = write!(out, "vlan {}, p {}", tag & 0x0fff, tag >> 13);
                if tag & 0x1000 != 0 {
                    out.extend_from_slice(b", DEI");
                }
                out.extend_from_slice(b", ");
            }
            ether_type = bytes.u16(at + 2)?;
            at += 4;
        }
        if ether_type != ARISTA {
            break;
        }
        // tcpdump names Arista's header with or without -e, then starts over after it.
        if bytes.len() < at + 2 || length < at + 2 {
            return Err(Cut::check("arista"));
        }
        out.extend_from_slice(b"ethertype ");
        write_ethertype(out, ether_type);
        let _ = write!(out, ", length {length}: ");
        match write_arista(out, bytes.from(at, "arista"))? {
            Some(taken) => {
                at += taken;
                ether_type = bytes.u16(at)?;
                at += 2;
                length_printed = false;
            }
            None => {
                return write_unprinted_frame(
                    out,
                    ctx,
                    bytes.data,
                    length,
                    ether_type,
                    &bytes.data[at..],
                );
            }
        }
    }
    if ether_type <= 1500 {
        // An 802.3 length: LLC follows, which hark leaves to its own words.
        if link_header {
            out.extend_from_slice(b"802.3");
            if !length_printed {
                let _ = write!(out, ", length {}: ", usize::from(ether_type).min(length - at));
            }
        }
        let _ = write!(out, "LLC, length {}", usize::from(ether_type).min(length - at));
        return Ok(());
    }
    prefix(out, ether_type, &mut length_printed);
    if !has_printer(ether_type) {
        return write_unprinted_frame(out, ctx, bytes.data, length, ether_type, &bytes.data[at..]);
    }
    write_network(out, ctx, ether_type, bytes.from(at, "ether"), length - at)
}

/// Whether [`write_network`] has a printer for what `ether_type` carries.
pub(super) fn has_printer(ether_type: u16) -> bool {
    matches!(ether_type, IPV4 | IPV6 | ARP | RARP | EAPOL | NSH | 0x8847 | 0x8848)
}

/// No printer: tcpdump names the frame (its addresses and ethertype, unless `-e` did) and
/// dumps what follows.
fn write_unprinted_frame(
    out: &mut Vec<u8>,
    ctx: &Ctx<'_>,
    frame: &[u8],
    length: usize,
    ether_type: u16,
    rest: &[u8],
) -> Printed {
    if !ctx.opts.link_header {
        push_mac(out, &frame[6..12]);
        out.extend_from_slice(b" > ");
        push_mac(out, &frame[0..6]);
        out.extend_from_slice(b", ethertype ");
        write_ethertype(out, ether_type);
        let _ = write!(out, ", length {length}: ");
    }
    default_print(out, ctx, rest);
    Ok(())
}

/// tcpdump's dump of bytes no printer reads, unless `-x` or `-X` dumps the packet anyway.
pub(super) fn default_print(out: &mut Vec<u8>, ctx: &Ctx<'_>, bytes: &[u8]) {
    if !ctx.opts.dumps_packets {
        push_default_dump(out, bytes);
    }
}

/// What an ethertype says follows: IPv4, IPv6, ARP or an MPLS label stack.
pub(super) fn write_network(
    out: &mut Vec<u8>,
    ctx: &mut Ctx<'_>,
    ether_type: u16,
    bytes: Bytes<'_>,
    length: usize,
) -> Printed {
    match ether_type {
        IPV4 => write_ipv4(out, ctx, bytes, length),
        IPV6 => write_ipv6(out, ctx, bytes, length),
        ARP | RARP => write_arp(out, bytes, length, !ctx.opts.link_header, ctx.verbosity() > 0),
        EAPOL => write_eapol(out, bytes, ctx.verbosity()),
        NSH => write_nsh(out, ctx, bytes, length),
        0x8847 | 0x8848 => write_mpls(out, ctx, bytes, length),
        _ => {
            let _ = write!(out, "ethertype ");
            write_ethertype(out, ether_type);
            out.extend_from_slice(b", length ");
            push_u64(out, length as u64);
            Ok(())
        }
    }
}

/// RFC 3032's label stack, then the packet its bottom label carries.
fn write_mpls(
    out: &mut Vec<u8>,
    ctx: &mut Ctx<'_>,
    bytes: Bytes<'_>,
    mut length: usize,
) -> Printed {
    let bytes = Bytes::new(bytes.data, "mpls");
    let verbose = ctx.verbosity() > 0;
    out.extend_from_slice(b"MPLS");
    let mut at = 0;
    let mut depth = 0;
    let label = loop {
        if length < 4 {
            out.extend_from_slice(b" (invalid)");
            bytes.check(at, length)?;
            return Ok(());
        }
        let entry = bytes.u32(at)?;
        let label = entry >> 12;
        out.extend_from_slice(if depth > 0 && verbose { b"\n\t(label " } else { b" (label " });
        push_u64(out, u64::from(label));
        depth += 1;
        if verbose && label < 16 {
            let name = match label {
                0 => "IPv4 explicit NULL",
                1 => "router alert",
                2 => "IPv6 explicit NULL",
                3 => "implicit NULL",
                _ => "rsvd",
            };
            let _ = write!(out, " ({name})");
        }
        let _ = write!(out, ", tc {}", (entry >> 9) & 7);
        let bottom = entry & 0x100 != 0;
        if bottom {
            out.extend_from_slice(b", [S]");
        }
        let _ = write!(out, ", ttl {})", entry & 0xff);
        at += 4;
        length -= 4;
        if bottom {
            break label;
        }
    };
    let payload = bytes.from(at, "mpls");
    let version = match label {
        0 | 3 => 4,
        2 => 6,
        _ => {
            if length < 1 {
                return Ok(());
            }
            match payload.u8(0)? {
                0x45..=0x4f => 4,
                0x60..=0x6f => 6,
                _ => {
                    // Neither IPv4 nor IPv6 by its first byte: tcpdump dumps it.
                    let shown = &payload.data[..payload.len().min(length)];
                    default_print(out, ctx, shown);
                    if shown.len() < length && !ctx.opts.dumps_packets {
                        return Err(Cut::jump("mpls"));
                    }
                    return Ok(());
                }
            }
        }
    };
    out.extend_from_slice(if verbose { b"\n\t" } else { b" " });
    if version == 4 {
        write_ipv4(out, ctx, payload, length)
    } else {
        write_ipv6(out, ctx, payload, length)
    }
}
