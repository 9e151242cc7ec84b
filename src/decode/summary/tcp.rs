//! TCP in tcpdump's words: flags, sequence range, ack, window, options, length.

use std::io::Write;
use std::net::IpAddr;

use etherparse::{LaxIpSlice, TcpSlice};

use super::push::push_u64;
use super::write_dns;
use crate::decode::Packet;
use crate::decode::tcp_seq::RelativeSeqs;

/// `checksum` is `Some` with `-v`: the checksum the segment should carry, if all of it was
/// captured.
type Ends = ((IpAddr, u16), (IpAddr, u16));

/// The length of the transport segment by the IP header's own count, where it says.
pub(super) fn claimed_transport_len(ip: &LaxIpSlice<'_>) -> Option<usize> {
    match ip {
        LaxIpSlice::Ipv4(v4) => {
            let h = v4.header();
            usize::from(h.total_len()).checked_sub(h.slice().len())
        }
        LaxIpSlice::Ipv6(v6) => {
            // Extension headers sit between the fixed header and the segment.
            let header_end = v6.header().slice().as_ptr() as usize + 40;
            let extensions = (v6.payload().payload.as_ptr() as usize).checked_sub(header_end)?;
            usize::from(v6.header().payload_length()).checked_sub(extensions)
        }
    }
}

pub(super) fn write_tcp(
    out: &mut Vec<u8>,
    pkt: &Packet<'_>,
    tcp: &TcpSlice<'_>,
    checksum: Option<Option<u16>>,
    relative: Option<(&mut RelativeSeqs, Ends)>,
    claimed: Option<usize>,
) {
    let flags = pkt.tcp_flags().unwrap_or(0);
    out.extend_from_slice(b"Flags [");
    push_tcp_flags(out, flags);
    out.push(b']');
    if let Some(expected) = checksum {
        // tcpdump -v's words: "cksum 0x5b52 (correct)" or "(incorrect -> 0x1234)".
        let stored = tcp.checksum();
        // As tcpdump, only a checksum that can be verified is shown.
        let _ = match expected {
            Some(e) if e == stored => write!(out, ", cksum 0x{stored:04x} (correct)"),
            Some(e) => write!(out, ", cksum 0x{stored:04x} (incorrect -> 0x{e:04x})"),
            None => Ok(()),
        };
    }
    let (mut seq, mut ack) = (tcp.sequence_number(), tcp.acknowledgment_number());
    if let Some((seqs, (src, dst))) = relative {
        (seq, ack) = seqs.relative(src, dst, seq, ack, flags);
    }
    // As tcpdump: the length the IP header claims, when the capture cut the segment short.
    let length = claimed.map_or(tcp.payload().len(), |c| {
        c.saturating_sub(tcp.header_len()).max(tcp.payload().len())
    }) as u32;
    // tcpdump shows the sequence number only where it says something: data, SYN, FIN or
    // RST; with data, as the range it covers.
    const SYN_FIN_RST: u16 = 0x07;
    if length > 0 || flags & SYN_FIN_RST != 0 {
        out.extend_from_slice(b", seq ");
        push_u64(out, u64::from(seq));
        if length > 0 {
            out.push(b':');
            push_u64(out, u64::from(seq.wrapping_add(length)));
        }
    }
    if tcp.ack() {
        out.extend_from_slice(b", ack ");
        push_u64(out, u64::from(ack));
    }
    out.extend_from_slice(b", win ");
    push_u64(out, u64::from(tcp.window_size()));
    if tcp.urg() {
        out.extend_from_slice(b", urg ");
        push_u64(out, u64::from(tcp.urgent_pointer()));
    }
    out.extend_from_slice(b", length ");
    push_u64(out, u64::from(length));
    if let Some(q) = pkt.dns() {
        out.extend_from_slice(b": ");
        write_dns(out, &q);
        out.truncate(out.len() - 2);
    } else if let Some(req) = pkt.http() {
        let _ = write!(out, ": HTTP: {} {}", req.method, req.path);
        if let Some(host) = req.host {
            let _ = write!(out, ", Host {host}");
        }
    } else if let Some(sni) = pkt.tls_sni() {
        let _ = write!(out, ": TLS ClientHello, SNI {sni}");
    }
}

/// Appends tcpdump's flag letters: F S R P . U E W e, or `none`.
pub fn push_tcp_flags(out: &mut Vec<u8>, flags: u16) {
    const LETTERS: [(u16, u8); 9] = [
        (0x001, b'F'),
        (0x002, b'S'),
        (0x004, b'R'),
        (0x008, b'P'),
        (0x010, b'.'),
        (0x020, b'U'),
        (0x040, b'E'),
        (0x080, b'W'),
        (0x100, b'e'),
    ];
    if flags & 0x1ff == 0 {
        out.extend_from_slice(b"none");
    }
    out.extend(LETTERS.iter().filter(|(bit, _)| flags & bit != 0).map(|(_, c)| *c));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_read_as_tcpdump_writes_them() {
        for (flags, text) in
            [(0x012, "S."), (0x018, "P."), (0x0c2, "SEW"), (0, "none"), (0x200, "none")]
        {
            let mut out = Vec::new();
            push_tcp_flags(&mut out, flags);
            assert_eq!(out, text.as_bytes(), "flags {flags:#x}");
        }
    }
}
