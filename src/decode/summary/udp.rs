//! UDP in tcpdump's words: its length verdicts, `-v`'s checksum, and what runs on it.

use std::io::Write;

use super::bootp::write_bootp;
use super::checksum::expected_checksum;
use super::domain::{Carrier, write_domain};
use super::ip::{Ctx, Net};
use super::push::push_u64;
use super::read::{Bytes, Cut, Printed};
use super::vxlan::write_vxlan;

const UDP: u8 = 17;

/// A UDP datagram of `length` bytes by the IP header's count.
pub(super) fn write_udp(
    out: &mut Vec<u8>,
    ctx: &mut Ctx<'_>,
    net: Net<'_>,
    bytes: Bytes<'_>,
    mut length: usize,
    fragmented: bool,
) -> Printed {
    let bytes = Bytes::new(bytes.data, "udp");
    let (Ok(sport), Ok(dport)) = (bytes.u16(0), bytes.u16(2)) else {
        if net.carries(UDP) {
            net.push_addresses(out);
        }
        return Err(Cut::check("udp"));
    };
    let ends = |out: &mut Vec<u8>| net.push_ends(out, UDP, sport, dport);
    if length < 8 {
        ends(out);
        let _ = write!(out, "truncated-udp {length}");
        return Ok(());
    }
    let Ok(claimed) = bytes.u16(4) else {
        ends(out);
        return Err(Cut::check("udp"));
    };
    let mut ulen = usize::from(claimed);
    // A zero length on a datagram too big for the field: RFC 2675's jumbogram.
    if ulen == 0 && length > 65_535 {
        ulen = length;
    }
    if ulen < 8 {
        ends(out);
        let _ = write!(out, "truncated-udplength {ulen}");
        return Ok(());
    }
    ulen -= 8;
    length -= 8;
    length = length.min(ulen);
    if bytes.len() < 8 {
        ends(out);
        return Err(Cut::check("udp"));
    }
    ends(out);
    if ctx.verbosity() > 0 && !ctx.opts.ignore_checksums && !fragmented {
        write_checksum_verdict(out, ctx.verbosity(), &net, bytes, length)?;
    }
    let body = bytes.from(8, "udp");
    match application(sport, dport) {
        Some(App::Domain { mdns }) => {
            let carrier = Carrier { over_tcp: false, mdns, verbosity: ctx.verbosity() };
            write_domain(out, body.data, length as u32, carrier);
        }
        Some(App::Bootp) => return write_bootp(out, body, length, ctx.verbosity()),
        Some(App::Vxlan) => return write_vxlan(out, ctx, body, length),
        Some(App::Dhcp6) => return write_dhcp6(out, body),
        // Unclaimed, or claimed by a printer of tcpdump's that hark does not have.
        Some(App::Other) | None if ulen > length && !fragmented => {
            let _ = write!(out, "UDP, bad length {ulen} > {length}");
        }
        Some(App::Other) | None => {
            out.extend_from_slice(b"UDP, length ");
            push_u64(out, ulen as u64);
        }
    }
    Ok(())
}

/// What runs on a datagram, by its ports.
enum App {
    Domain {
        mdns: bool,
    },
    Bootp,
    Dhcp6,
    Vxlan,
    /// A protocol tcpdump has a printer for and hark does not.
    Other,
}

/// Which end a port must be at to claim a datagram.
#[derive(Clone, Copy)]
enum End {
    Either,
    Source,
    Destination,
}

/// tcpdump's order of port checks, to VXLAN's: the first that matches decides, whether or
/// not hark prints that protocol.
fn application(sport: u16, dport: u16) -> Option<App> {
    use End::{Destination, Either, Source};
    const ORDER: &[(u16, End)] = &[
        (53, Either),
        (5353, Either),
        (525, Either),
        (69, Either),
        (67, Either),
        (68, Either),
        (520, Either),
        (654, Either),
        (500, Either),
        (4500, Either),
        (7500, Either),
        (8500, Either),
        (161, Either),
        (162, Either),
        (123, Either),
        (88, Either),
        (750, Either),
        (1701, Either),
        (3456, Destination),
        (2103, Either),
        (2104, Either),
        (521, Either),
        (546, Either),
        (547, Either),
        (5359, Either),
        (6696, Either),
        (6697, Either),
        (8231, Either),
        (4567, Destination),
        (496, Either),
        (1645, Either),
        (1812, Either),
        (1646, Either),
        (1813, Either),
        (1700, Either),
        (3799, Either),
        (1985, Destination),
        (921, Either),
        (646, Either),
        (698, Either),
        (3503, Either),
        (49152, Source),
        (3784, Destination),
        (4784, Destination),
        (6784, Destination),
        (3785, Destination),
        (701, Either),
        (1589, Either),
        (6343, Either),
        (12223, Either),
        (12222, Either),
        (5060, Either),
        (514, Either),
        (8472, Either),
        (4789, Either),
    ];
    // RX's port range sits between Zephyr's and RIPng's in tcpdump's order.
    let rx = |p: u16| (7000..=7009).contains(&p);
    let mut claimed = None;
    for &(port, end) in ORDER {
        if port == 521 && (rx(sport) || rx(dport)) {
            return Some(App::Other);
        }
        let hit = match end {
            Either => sport == port || dport == port,
            Source => sport == port,
            Destination => dport == port,
        };
        if hit {
            claimed = Some(port);
            break;
        }
    }
    Some(match claimed? {
        53 => App::Domain { mdns: false },
        5353 => App::Domain { mdns: true },
        67 | 68 => App::Bootp,
        546 | 547 => App::Dhcp6,
        4789 => App::Vxlan,
        _ => App::Other,
    })
}

/// DHCPv6 (RFC 8415) as tcpdump's line names it: `dhcp6 solicit`. With `-v` tcpdump lists
/// the options too, which hark leaves to its own words.
fn write_dhcp6(out: &mut Vec<u8>, body: Bytes<'_>) -> Printed {
    let b = Bytes::new(body.data, "dhcp6");
    out.extend_from_slice(b"dhcp6");
    b.check(0, 4)?;
    const NAMES: [&str; 15] = [
        "solicit",
        "advertise",
        "request",
        "confirm",
        "renew",
        "rebind",
        "reply",
        "release",
        "decline",
        "reconfigure",
        "inf-req",
        "relay-fwd",
        "relay-reply",
        "leasequery",
        "leasequery-reply",
    ];
    let kind = b.u8(0)?;
    match NAMES.get(usize::from(kind).wrapping_sub(1)) {
        Some(name) => drop(write!(out, " {name}")),
        None => drop(write!(out, " msgtype-{kind}")),
    }
    Ok(())
}

/// `[udp sum ok] `, `[bad udp cksum 0x1234 -> 0x5678!] ` or `[no cksum] `: for IPv4 only
/// from `-vv` on, as tcpdump.
fn write_checksum_verdict(
    out: &mut Vec<u8>,
    verbosity: u8,
    net: &Net<'_>,
    bytes: Bytes<'_>,
    length: usize,
) -> Printed {
    if !net.is_v6() && verbosity < 2 {
        return Ok(());
    }
    let stored = bytes.u16(6)?;
    if !net.is_v6() && stored == 0 {
        out.extend_from_slice(b"[no cksum] ");
        return Ok(());
    }
    let Ok(datagram) = bytes.slice(0, length + 8) else { return Ok(()) };
    let pseudo = net.pseudo_sum(UDP, length + 8);
    let Some(expected) = expected_checksum(pseudo, datagram, 6, true) else { return Ok(()) };
    if expected == stored {
        out.extend_from_slice(b"[udp sum ok] ");
    } else {
        let _ = write!(out, "[bad udp cksum 0x{stored:04x} -> 0x{expected:04x}!] ");
    }
    Ok(())
}
