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
    let port = |p: u16| sport == p || dport == p;
    if port(53) || port(5353) {
        let carrier = Carrier { over_tcp: false, mdns: !port(53), verbosity: ctx.verbosity() };
        write_domain(out, body.data, length as u32, carrier);
    } else if port(67) || port(68) {
        return write_bootp(out, body, length, ctx.verbosity());
    } else if port(4789) {
        return write_vxlan(out, ctx, body, length);
    } else if ulen > length && !fragmented {
        let _ = write!(out, "UDP, bad length {ulen} > {length}");
    } else {
        out.extend_from_slice(b"UDP, length ");
        push_u64(out, ulen as u64);
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
