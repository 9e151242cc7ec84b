//! One line of text per packet, in the shape of `tcpdump -n`.
//!
//! The line is appended to a byte buffer with no allocation for the common protocols;
//! integers and IPv4 addresses are formatted by hand because `format!` would be most of
//! the cost of a line. A header cut short ends the line with ` [|proto]`, as tcpdump does.

use std::io::Write;

use super::Packet;
use super::tcp_seq::RelativeSeqs;
use crate::source::Timestamp;

mod arp;
mod bootp;
mod checksum;
mod domain;
mod dump;
mod eap;
mod icmp;
mod icmp6;
mod igmp;
mod ip;
mod ip6_ext;
mod ip_options;
mod mptcp;
mod network;
mod push;
mod radiotap;
mod read;
mod shim;
mod tcp;
mod text;
mod udp;
mod vxlan;
mod wan;
mod wifi;
mod wifi_mgmt;

pub use dump::{network_offset, write_ascii, write_hex, write_hex_ascii};
pub use push::{push_hms, push_ip, push_mac, push_padded, push_u64};
pub use tcp::push_tcp_flags;

/// What a line shows beyond the default.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct LineOptions {
    /// `-e`: the link-level header (MACs, VLAN tags, ethertype).
    pub link_header: bool,
    /// `-v`, `-vv`, `-vvv`: more of each header (TTL, IP id, lengths, checksums' validity),
    /// and at each level what tcpdump adds at that level.
    pub verbosity: u8,
    /// `-K`: no checksum verdicts.
    pub ignore_checksums: bool,
    /// `-x` or `-X`: the packet is dumped whole, so no printer dumps the part it cannot
    /// read.
    pub dumps_packets: bool,
}

/// Appends the line for `pkt` (with its newline) to `out`, its time of day in UTC.
pub fn write_line(out: &mut Vec<u8>, pkt: &Packet<'_>, opts: LineOptions) {
    write_time_of_day(out, pkt.frame().ts);
    out.push(b' ');
    write_packet_text(out, pkt, opts, None);
}

/// Appends what follows the time on `pkt`'s line, and the newline. With `seqs`, TCP
/// sequence numbers are relative to their conversation's, as tcpdump's without `-S`.
/// Returns where tcpdump's `-x` would start: after the link header (counted only when
/// asked for, since most lines have no dump), or at the frame's start when a printer
/// abandoned the packet (see `read::Cut`).
pub fn write_packet_text(
    out: &mut Vec<u8>,
    pkt: &Packet<'_>,
    opts: LineOptions,
    seqs: Option<&mut RelativeSeqs>,
) -> DumpStart {
    let mut ctx = ip::Ctx { opts, seqs, link_len: None };
    let mut abandoned = false;
    if let Err(cut) = network::write_frame(out, &mut ctx, pkt) {
        out.extend_from_slice(b" [|");
        out.extend_from_slice(cut.proto.as_bytes());
        out.push(b']');
        abandoned = cut.jumped;
    }
    out.push(b'\n');
    DumpStart { abandoned, link_len: ctx.link_len }
}

/// tcpdump's verdict on a record whose lengths cannot be right (`[Invalid header: len(34)
/// < caplen(35)]`), printed in place of the packet's line, time and all. Returns whether
/// it printed one.
#[inline]
pub fn write_invalid_header(out: &mut Vec<u8>, frame: &crate::source::Frame<'_>) -> bool {
    let (caplen, len) = (frame.data.len() as u32, frame.orig_len);
    if caplen != 0 && caplen <= len && len <= LARGEST {
        return false;
    }
    write_invalid_lengths(out, caplen, len);
    true
}

/// tcpdump's MAXIMUM_SNAPLEN.
const LARGEST: u32 = 262_144;

#[cold]
fn write_invalid_lengths(out: &mut Vec<u8>, caplen: u32, len: u32) {
    let mut problems = Vec::new();
    if caplen == 0 {
        problems.push("caplen==0".to_string());
    }
    if len == 0 {
        problems.push("len==0".to_string());
    } else if len < caplen {
        problems.push(format!("len({len}) < caplen({caplen})"));
    }
    if caplen > LARGEST {
        problems.push(format!("caplen({caplen}) > {LARGEST}"));
    }
    if len > LARGEST {
        problems.push(format!("len({len}) > {LARGEST}"));
    }
    let _ = writeln!(out, "[Invalid header: {}]", problems.join(", "));
}

/// Where a packet's `-x`/`-X`/`-A` dump starts, as tcpdump's would.
#[derive(Clone, Copy, Debug)]
pub struct DumpStart {
    abandoned: bool,
    link_len: Option<usize>,
}

impl DumpStart {
    /// The offset in `pkt`'s frame.
    pub fn offset(self, pkt: &Packet<'_>) -> usize {
        if self.abandoned {
            network::header_len_when_abandoned(pkt.frame().link)
        } else if let Some(len) = self.link_len {
            len.min(pkt.frame().data.len())
        } else {
            network_offset(pkt)
        }
    }
}

/// `HH:MM:SS.uuuuuu` of a UTC timestamp, as tcpdump prints it.
pub fn write_time_of_day(out: &mut Vec<u8>, ts: Timestamp) {
    push_hms(out, ts.secs);
    out.push(b'.');
    push_padded(out, ts.nanos / 1000, 6);
}

/// Appends tcpdump's name for an ethertype; false (nothing appended) for one it has none for.
pub(super) fn write_ethertype_name(out: &mut Vec<u8>, et: u16) -> bool {
    let name: &[u8] = match et {
        0x0800 => b"IPv4",
        0x86dd => b"IPv6",
        0x0806 => b"ARP",
        0x8100 => b"802.1Q",
        0x88a8 => b"802.1Q-QinQ",
        0x9100 => b"802.1Q-9100",
        0x8847 => b"MPLS unicast",
        0x8848 => b"MPLS multicast",
        0x9200 => b"802.1Q-9200",
        0x88e5 => b"802.1AE MACsec",
        0x8035 => b"Reverse ARP",
        0x6558 => b"TEB",
        0x809b => b"Appletalk",
        0x80f3 => b"Appletalk ARP",
        0x8137 => b"IPX",
        0x880b => b"PPP",
        0x8808 => b"MPCP",
        0x8809 => b"Slow Protocols",
        0x8863 => b"PPPoE D",
        0x8864 => b"PPPoE S",
        0x888e => b"EAPOL",
        0x8899 => b"Realtek protocols",
        0x886f => b"MS NLB heartbeat",
        0x8870 => b"Jumbo",
        0x894f => b"NSH",
        0xd28b => b"Arista Vendor Specific Protocol",
        0x9000 => b"Loopback",
        0x8902 => b"CFM",
        0x88cc => b"LLDP",
        0x88a2 => b"AoE",
        0x88f7 => b"PTP",
        _ => return false,
    };
    out.extend_from_slice(name);
    true
}

/// `IPv4 (0x0800)`, or `Unknown (0x1234)`.
pub(super) fn write_ethertype(out: &mut Vec<u8>, et: u16) {
    if !write_ethertype_name(out, et) {
        out.extend_from_slice(b"Unknown");
    }
    let _ = write!(out, " (0x{et:04x})");
}

/// `named`: the line says `ARP, ` first, as tcpdump's does unless `-e` named the ethertype.
/// The name tcpdump gives an IP protocol, or `ip-proto-N`.
pub fn proto_text(proto: u8) -> String {
    match proto {
        1 => "ICMP".into(),
        2 => "IGMP".into(),
        4 => "IPIP".into(),
        6 => "TCP".into(),
        17 => "UDP".into(),
        41 => "IP6".into(),
        47 => "GRE".into(),
        50 => "ESP".into(),
        51 => "AH".into(),
        58 => "ICMP6".into(),
        89 => "OSPF".into(),
        103 => "PIM".into(),
        112 => "VRRP".into(),
        132 => "SCTP".into(),
        n => format!("ip-proto-{n}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn time_of_day_is_utc_with_microseconds() {
        let mut out = Vec::new();
        write_time_of_day(&mut out, Timestamp { secs: 1_700_000_003, nanos: 123_456_789 });
        assert_eq!(out, b"22:13:23.123456");
        out.clear();
        write_time_of_day(&mut out, Timestamp { secs: -1, nanos: 0 });
        assert_eq!(out, b"23:59:59.000000");
    }
}
