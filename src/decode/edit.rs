//! Edits a captured frame where it lies: a field written at its offset, the payload or a
//! VLAN tag spliced in, then lengths and checksums put right.
//!
//! A script that lowers a TTL changes one byte and one checksum. Taking the packet apart
//! into a [`super::build::PacketBuf`] and emitting it again would cost a microsecond and
//! would lose what `PacketBuf` does not model (IP options, TCP options, extension headers,
//! padding); editing in place keeps every byte the script did not touch and costs a few
//! nanoseconds. Checksums are recomputed whole (not adjusted, RFC 1624) so that a packet
//! that arrived with a bad one leaves with a good one, unless the script set it itself.

use std::net::IpAddr;

use etherparse::checksum::Sum16BitWords;

use super::{Packet, Transport};
use crate::source::LinkType;

/// Where each layer of a frame starts.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Layout {
    /// The Ethernet header (always at 0 when present).
    pub eth: bool,
    /// The first 802.1Q tag's control information (priority and id), on Ethernet.
    pub vlan_tci: Option<usize>,
    pub arp: Option<usize>,
    pub ip: Option<IpAt>,
    pub l4: Option<L4At>,
    /// The transport payload's range; empty when there is none.
    pub payload: (usize, usize),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct IpAt {
    pub at: usize,
    pub v6: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct L4At {
    pub at: usize,
    pub kind: L4,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum L4 {
    Tcp,
    Udp,
    Icmp,
    Icmp6,
}

impl L4 {
    /// Where the checksum lies in the header.
    pub fn checksum_at(self) -> usize {
        match self {
            L4::Tcp => 16,
            L4::Udp => 6,
            L4::Icmp | L4::Icmp6 => 2,
        }
    }

    fn ip_number(self) -> u8 {
        match self {
            L4::Tcp => 6,
            L4::Udp => 17,
            L4::Icmp => 1,
            L4::Icmp6 => 58,
        }
    }
}

/// Checksums, one flag each.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Sums {
    pub ip: bool,
    pub l4: bool,
}

impl Sums {
    pub const BOTH: Sums = Sums { ip: true, l4: true };
    pub const IP: Sums = Sums { ip: true, l4: false };
    pub const L4: Sums = Sums { ip: false, l4: true };

    pub fn any(self) -> bool {
        self.ip || self.l4
    }

    pub fn add(&mut self, other: Sums) {
        self.ip |= other.ip;
        self.l4 |= other.l4;
    }
}

/// A field that lies beyond the captured bytes.
#[derive(Debug, PartialEq, Eq)]
pub struct CutShort;

impl Layout {
    /// Finds the layers of `pkt`, whose frame is `data`.
    pub fn of(pkt: &Packet<'_>) -> Layout {
        let data = pkt.frame().data;
        let at = |slice: &[u8]| (slice.as_ptr() as usize).saturating_sub(data.as_ptr() as usize);
        let layers = pkt.layers();
        let eth = layers.eth.is_some() && pkt.frame().link == LinkType::ETHERNET;
        let ip = layers.ip.as_ref().map(|ip| match ip {
            etherparse::LaxIpSlice::Ipv4(v4) => IpAt { at: at(v4.header().slice()), v6: false },
            etherparse::LaxIpSlice::Ipv6(v6) => IpAt { at: at(v6.header().slice()), v6: true },
        });
        let l4 = match &layers.transport {
            Transport::Tcp(t) => Some(L4At { at: at(t.slice()), kind: L4::Tcp }),
            Transport::Udp(u) => Some(L4At { at: at(u.slice()), kind: L4::Udp }),
            Transport::Icmpv4(i) => Some(L4At { at: at(i.slice()), kind: L4::Icmp }),
            Transport::Icmpv6(i) => Some(L4At { at: at(i.slice()), kind: L4::Icmp6 }),
            Transport::Partial { proto, bytes } => {
                let kind = match proto {
                    6 => Some(L4::Tcp),
                    17 => Some(L4::Udp),
                    1 => Some(L4::Icmp),
                    58 => Some(L4::Icmp6),
                    _ => None,
                };
                kind.map(|kind| L4At { at: at(bytes), kind })
            }
            Transport::None => None,
        };
        let payload = pkt.payload();
        Layout {
            eth,
            vlan_tci: (eth && !layers.vlans.is_empty()).then_some(14),
            arp: layers.arp.as_ref().map(|a| at(a.slice())),
            ip,
            l4,
            payload: if payload.is_empty() {
                (0, 0)
            } else {
                (at(payload), at(payload) + payload.len())
            },
        }
    }
}

/// Writes `bytes` at `at`.
pub fn put(data: &mut [u8], at: usize, bytes: &[u8]) -> Result<(), CutShort> {
    data.get_mut(at..at + bytes.len()).ok_or(CutShort)?.copy_from_slice(bytes);
    Ok(())
}

/// Writes an address at `at`: four bytes for IPv4, sixteen for IPv6.
pub fn put_ip(data: &mut [u8], at: usize, addr: IpAddr) -> Result<(), CutShort> {
    match addr {
        IpAddr::V4(a) => put(data, at, &a.octets()),
        IpAddr::V6(a) => put(data, at, &a.octets()),
    }
}

/// Where the IP packet ends by its own length field (past the capture if it was cut).
fn ip_end(data: &[u8], ip: IpAt) -> Option<usize> {
    let field =
        |at: usize| data.get(at..at + 2).map(|b| usize::from(u16::from_be_bytes([b[0], b[1]])));
    if ip.v6 { Some(ip.at + 40 + field(ip.at + 4)?) } else { Some(ip.at + field(ip.at + 2)?) }
}

/// Recomputes the checksums in `stale`, except those in `kept`. A transport checksum
/// is left alone when the capture does not hold the whole segment: it cannot be known.
pub fn settle(data: &mut [u8], layout: &Layout, stale: Sums, kept: Sums) {
    let Some(ip) = layout.ip else { return };
    if stale.ip && !kept.ip && !ip.v6 {
        let header_len = data.get(ip.at).map_or(0, |b| usize::from(b & 0x0f) * 4);
        if let Some(header) = data.get_mut(ip.at..ip.at + header_len) {
            header[10..12].fill(0);
            // The sum's words are read in the machine's order; `to_be` turns the result
            // into the field's value, as etherparse does.
            let sum = Sum16BitWords::new().add_slice(header).ones_complement().to_be();
            header[10..12].copy_from_slice(&sum.to_be_bytes());
        }
    }
    let Some(l4) = layout.l4 else { return };
    if !stale.l4 || kept.l4 {
        return;
    }
    let Some(end) = ip_end(data, ip).filter(|&end| end <= data.len() && end >= l4.at) else {
        return;
    };
    let at = l4.at + l4.kind.checksum_at();
    if at + 2 > end {
        return;
    }
    data[at..at + 2].fill(0);
    let segment = &data[l4.at..end];
    let mut sum = Sum16BitWords::new();
    if l4.kind != L4::Icmp {
        let (src, dst, len) = if ip.v6 { (8, 24, 16) } else { (12, 16, 4) };
        sum = sum
            .add_slice(&data[ip.at + src..ip.at + src + len])
            .add_slice(&data[ip.at + dst..ip.at + dst + len])
            .add_2bytes([0, l4.kind.ip_number()]);
        // RFC 768 and RFC 8200 §8.1: the upper-layer length, 16 bits in IPv4's pseudo
        // header and 32 in IPv6's; a segment fits 16 bits in both.
        sum = sum.add_2bytes((segment.len() as u16).to_be_bytes());
    }
    let sum = sum.add_slice(segment);
    let value = match l4.kind {
        // A UDP checksum of zero means none was computed (RFC 768).
        L4::Udp => sum.to_ones_complement_with_no_zero(),
        _ => sum.ones_complement(),
    }
    .to_be();
    data[at..at + 2].copy_from_slice(&value.to_be_bytes());
}

/// Puts `payload` in place of the transport payload and sets the IP and UDP lengths to
/// match; whatever followed the old payload (link-layer padding) stays after the new one.
pub fn splice_payload(data: &mut Vec<u8>, layout: &Layout, payload: &[u8]) {
    let Some(l4) = layout.l4 else { return };
    let (start, end) = layout.payload;
    let (start, end) = if start == end {
        let start = payload_start(data, l4).min(data.len());
        (start, start)
    } else {
        (start, end.min(data.len()))
    };
    data.splice(start..end, payload.iter().copied());
    let new_end = start + payload.len();
    if let Some(ip) = layout.ip {
        let (at, len) =
            if ip.v6 { (ip.at + 4, new_end - ip.at - 40) } else { (ip.at + 2, new_end - ip.at) };
        let _ = put(data, at, &(len.min(usize::from(u16::MAX)) as u16).to_be_bytes());
    }
    if l4.kind == L4::Udp {
        let len = (new_end - l4.at).min(usize::from(u16::MAX)) as u16;
        let _ = put(data, l4.at + 4, &len.to_be_bytes());
    }
}

/// Where a transport header with no payload ends: its own length.
pub fn payload_start(data: &[u8], l4: L4At) -> usize {
    match l4.kind {
        L4::Tcp => l4.at + data.get(l4.at + 12).map_or(20, |b| usize::from(b >> 4) * 4),
        L4::Udp | L4::Icmp | L4::Icmp6 => l4.at + 8,
    }
}

/// Tags an untagged Ethernet frame with VLAN `id`, or changes the id of its first tag
/// (keeping the priority bits).
pub fn set_vlan(data: &mut Vec<u8>, layout: &Layout, id: u16) -> Result<(), CutShort> {
    match layout.vlan_tci {
        Some(at) => {
            let tci = data.get(at..at + 2).ok_or(CutShort)?;
            let tci = (u16::from_be_bytes([tci[0], tci[1]]) & 0xf000) | (id & 0x0fff);
            put(data, at, &tci.to_be_bytes())
        }
        None if data.len() >= 14 => {
            let [hi, lo] = (id & 0x0fff).to_be_bytes();
            data.splice(12..12, [0x81, 0x00, hi, lo]);
            Ok(())
        }
        None => Err(CutShort),
    }
}

/// Takes the first VLAN tag off an Ethernet frame.
pub fn remove_vlan(data: &mut Vec<u8>, layout: &Layout) {
    if layout.vlan_tci.is_some() && data.len() >= 16 {
        data.drain(12..16);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::decode::build::test_syn;
    use crate::source::{Frame, Timestamp};

    fn layout(data: &[u8]) -> Layout {
        let frame = Frame {
            ts: Timestamp::default(),
            link: LinkType::ETHERNET,
            orig_len: 0,
            data,
            iface: None,
        };
        Layout::of(&Packet::new(frame))
    }

    #[test]
    fn fields_written_in_place_give_what_the_builder_emits() {
        let mut built = test_syn();
        let mut data = built.emit();
        let l = layout(&data);
        let ip = l.ip.unwrap().at;
        let tcp = l.l4.unwrap().at;
        put(&mut data, ip + 8, &[3]).unwrap();
        put(&mut data, tcp + 2, &443u16.to_be_bytes()).unwrap();
        settle(&mut data, &l, Sums::BOTH, Sums::default());
        if let crate::decode::build::Net::Ipv4(v4) = &mut built.net {
            v4.ttl = 3;
        }
        if let Some(crate::decode::build::Transport::Tcp(t)) = &mut built.transport {
            t.dport = 443;
        }
        assert_eq!(data, built.emit());
    }

    #[test]
    fn a_new_payload_fixes_the_lengths_and_checksums() {
        let mut built = test_syn();
        let mut data = built.emit();
        let l = layout(&data);
        splice_payload(&mut data, &l, b"hello, world");
        let l = layout(&data);
        settle(&mut data, &l, Sums::BOTH, Sums::default());
        built.payload = b"hello, world".to_vec();
        assert_eq!(data, built.emit());
    }

    #[test]
    fn a_kept_checksum_is_not_recomputed() {
        let mut data = test_syn().emit();
        let l = layout(&data);
        let tcp = l.l4.unwrap().at;
        put(&mut data, tcp + 16, &[0xbe, 0xef]).unwrap();
        put(&mut data, tcp + 2, &[0, 1]).unwrap();
        settle(&mut data, &l, Sums::BOTH, Sums::L4);
        assert_eq!(&data[tcp + 16..tcp + 18], &[0xbe, 0xef]);
    }

    #[test]
    fn a_vlan_tag_goes_on_and_comes_off() {
        let original = test_syn().emit();
        let mut data = original.clone();
        let untagged = layout(&data);
        set_vlan(&mut data, &untagged, 42).unwrap();
        let tagged = layout(&data);
        assert_eq!(tagged.vlan_tci, Some(14));
        assert_eq!(&data[12..16], &[0x81, 0x00, 0, 42]);
        set_vlan(&mut data, &tagged, 7).unwrap();
        assert_eq!(&data[14..16], &[0, 7]);
        let tagged = layout(&data);
        remove_vlan(&mut data, &tagged);
        assert_eq!(data, original);
    }

    #[test]
    fn edits_of_a_frame_cut_anywhere_never_panic() {
        let whole = test_syn().emit();
        for cut in 0..=whole.len() {
            let mut data = whole[..cut].to_vec();
            let l = layout(&data);
            let _ = put(&mut data, 30, &[1, 2, 3, 4]);
            settle(&mut data, &l, Sums::BOTH, Sums::default());
            splice_payload(&mut data, &l, b"xyz");
            let l = layout(&data);
            let _ = set_vlan(&mut data, &l, 5);
            let l = layout(&data);
            remove_vlan(&mut data, &l);
        }
    }
}
