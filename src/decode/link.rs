//! From a link type to the first network header: where it starts and what it is.
//!
//! Ethernet is left to etherparse; the other link headers hark reads are small enough to
//! take apart here (tcpdump.org's LINKTYPE pages give each layout).

use crate::source::LinkType;

/// What follows the link header.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Next {
    /// An Ethernet II frame starting at offset 0.
    Ethernet,
    /// A payload of this ethertype starting at `offset`.
    EtherType { ether_type: u16, offset: usize },
    /// Nothing hark decodes; the frame has no layers.
    Opaque,
    /// The frame ends inside the link header.
    Short,
}

/// What a Linux cooked header says about direction (`sll_pkttype`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CookedHeader {
    pub packet_type: u16,
    pub arphrd: u16,
}

const ETHERTYPE_IPV4: u16 = 0x0800;
const ETHERTYPE_IPV6: u16 = 0x86dd;
const ETHERTYPE_MPLS: u16 = 0x8847;
const ETHERTYPE_MPLS_MULTICAST: u16 = 0x8848;

/// Where the network layer starts for a frame of `link`, and the cooked header if any.
pub fn classify(link: LinkType, data: &[u8]) -> (Next, Option<CookedHeader>) {
    match link {
        LinkType::ETHERNET => (Next::Ethernet, None),
        LinkType::RAW | LinkType::RAW_OLD_12 | LinkType::RAW_OLD_14 => (raw_ip(data, 0), None),
        // As Wireshark (and tcpdump): an IPv4 file's packet goes by its version nibble, so
        // an IPv6 packet in one is IPv6; an IPv6 file's is IPv6 whatever it says, where
        // Wireshark calls a wrong version invalid (tcpdump's lines go by the nibble for
        // both, and hark's lines follow tcpdump).
        LinkType::IPV4 => (raw_ip(data, 0), None),
        LinkType::IPV6 => (Next::EtherType { ether_type: ETHERTYPE_IPV6, offset: 0 }, None),
        LinkType::NULL | LinkType::LOOP => (loopback(data), None),
        LinkType::LINUX_SLL => linux_sll(data),
        LinkType::LINUX_SLL2 => linux_sll2(data),
        LinkType::PPP | LinkType::PPP_HDLC => (ppp(data), None),
        LinkType::C_HDLC => (cisco_hdlc(data), None),
        LinkType::FRELAY => (frame_relay(data), None),
        // libpcap's SLIP pseudo-header: direction and the compressed header's slot.
        LinkType::SLIP if data.len() < 16 => (Next::Short, None),
        LinkType::SLIP => (raw_ip(data, 16), None),
        LinkType::IPOIB => (ipoib(data), None),
        _ => (Next::Opaque, None),
    }
}

/// A bare IP packet: the version nibble says which.
fn raw_ip(data: &[u8], offset: usize) -> Next {
    match data.get(offset).map(|b| b >> 4) {
        Some(4) => Next::EtherType { ether_type: ETHERTYPE_IPV4, offset },
        Some(6) => Next::EtherType { ether_type: ETHERTYPE_IPV6, offset },
        // Unknown versions still go to the IP decoder, which reports them as it would.
        Some(_) => Next::EtherType { ether_type: ETHERTYPE_IPV4, offset },
        None => Next::Short,
    }
}

/// BSD loopback: a 4-byte address family in the writer's byte order (NULL) or network
/// order (LOOP). IPv6's family number differs between BSDs, hence the list.
fn loopback(data: &[u8]) -> Next {
    let Some(family) = data.get(..4) else { return Next::Short };
    let le = u32::from_le_bytes([family[0], family[1], family[2], family[3]]);
    let be = u32::from_be_bytes([family[0], family[1], family[2], family[3]]);
    let is = |n: u32| le == n || be == n;
    if is(2) {
        Next::EtherType { ether_type: ETHERTYPE_IPV4, offset: 4 }
    } else if is(10) || is(24) || is(28) || is(30) {
        Next::EtherType { ether_type: ETHERTYPE_IPV6, offset: 4 }
    } else {
        Next::Opaque
    }
}

/// Linux cooked capture v1: pkttype, hatype, halen, 8-byte address, protocol (16 bytes).
fn linux_sll(data: &[u8]) -> (Next, Option<CookedHeader>) {
    let Some(h) = data.get(..16) else { return (Next::Short, None) };
    let cooked = CookedHeader {
        packet_type: u16::from_be_bytes([h[0], h[1]]),
        arphrd: u16::from_be_bytes([h[2], h[3]]),
    };
    (cooked_protocol(u16::from_be_bytes([h[14], h[15]]), 16), Some(cooked))
}

/// Linux cooked capture v2: protocol, reserved, ifindex, hatype, pkttype, halen, address
/// (20 bytes).
fn linux_sll2(data: &[u8]) -> (Next, Option<CookedHeader>) {
    let Some(h) = data.get(..20) else { return (Next::Short, None) };
    let cooked =
        CookedHeader { packet_type: u16::from(h[10]), arphrd: u16::from_be_bytes([h[8], h[9]]) };
    (cooked_protocol(u16::from_be_bytes([h[0], h[1]]), 20), Some(cooked))
}

/// Protocol values below 0x0600 name 802.2 or Novell frames, which hark leaves opaque.
fn cooked_protocol(protocol: u16, offset: usize) -> Next {
    if protocol >= 0x0600 { Next::EtherType { ether_type: protocol, offset } } else { Next::Opaque }
}

/// PPP in HDLC-like framing (RFC 1662): optional ff 03, then a 1- or 2-byte protocol.
fn ppp(data: &[u8]) -> Next {
    let mut at = 0;
    if data.starts_with(&[0xff, 0x03]) {
        at = 2;
    }
    let Some(&first) = data.get(at) else { return Next::Short };
    // A protocol field whose first byte is odd was compressed to one byte (RFC 1661 §6.5).
    let (protocol, len) = if first & 1 == 1 {
        (u16::from(first), 1)
    } else {
        match data.get(at..at + 2) {
            Some(p) => (u16::from_be_bytes([p[0], p[1]]), 2),
            None => return Next::Short,
        }
    };
    let offset = at + len;
    match protocol {
        0x0021 => Next::EtherType { ether_type: ETHERTYPE_IPV4, offset },
        0x0057 => Next::EtherType { ether_type: ETHERTYPE_IPV6, offset },
        0x0281 => Next::EtherType { ether_type: ETHERTYPE_MPLS, offset },
        0x0283 => Next::EtherType { ether_type: ETHERTYPE_MPLS_MULTICAST, offset },
        _ => Next::Opaque,
    }
}

/// Cisco HDLC: address (0x0f unicast, 0x8f broadcast), control, then an ethertype.
fn cisco_hdlc(data: &[u8]) -> Next {
    let Some(h) = data.get(..4) else { return Next::Short };
    match u16::from_be_bytes([h[2], h[3]]) {
        // 0x8035 is Cisco's SLARP here, not RARP.
        0x8035 => Next::Opaque,
        protocol => cooked_protocol(protocol, 4),
    }
}

/// Frame Relay (Q.922 address, then RFC 2427's UI control byte and NLPID).
fn frame_relay(data: &[u8]) -> Next {
    // The address is 2 to 4 bytes; its last byte has the extension bit (0x01) set.
    let Some(address_len) = data.iter().take(4).position(|b| b & 0x01 == 1).map(|i| i + 1) else {
        return if data.len() < 4 { Next::Short } else { Next::Opaque };
    };
    let mut at = address_len;
    match data.get(at) {
        Some(0x03) => at += 1,
        // Cisco's encapsulation: an ethertype right after the address (tcpdump and
        // Wireshark read the ones they know).
        Some(_) => {
            return match data.get(at..at + 2) {
                Some(t) => match u16::from_be_bytes([t[0], t[1]]) {
                    t @ (ETHERTYPE_IPV4 | ETHERTYPE_IPV6 | ETHERTYPE_MPLS | 0x0806) => {
                        Next::EtherType { ether_type: t, offset: at + 2 }
                    }
                    _ => Next::Opaque,
                },
                None => Next::Short,
            };
        }
        None => return Next::Short,
    }
    // RFC 2427 §4: one padding byte may come before the NLPID.
    if data.get(at) == Some(&0x00) {
        at += 1;
    }
    match data.get(at) {
        Some(0xcc) => Next::EtherType { ether_type: ETHERTYPE_IPV4, offset: at + 1 },
        Some(0x8e) => Next::EtherType { ether_type: ETHERTYPE_IPV6, offset: at + 1 },
        // SNAP: an OUI and a protocol; OUI 0 means the protocol is an ethertype.
        Some(0x80) => match data.get(at + 1..at + 6) {
            Some([0, 0, 0, p0, p1]) => cooked_protocol(u16::from_be_bytes([*p0, *p1]), at + 6),
            Some(_) => Next::Opaque,
            None => Next::Short,
        },
        Some(_) => Next::Opaque,
        None => Next::Short,
    }
}

/// IP over InfiniBand as Linux captures it: a 40-byte global route header, then RFC 4391's
/// type and reserved fields.
fn ipoib(data: &[u8]) -> Next {
    let Some(h) = data.get(40..44) else { return Next::Short };
    cooked_protocol(u16::from_be_bytes([h[0], h[1]]), 44)
}

/// A vendor header between the link layer and the network layer, and what follows it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Shim {
    /// A payload of this ethertype at `offset`.
    EtherType { ether_type: u16, offset: usize },
    /// An Ethernet frame at `offset`.
    Ethernet { offset: usize },
    /// The frame ends inside the header.
    Short,
}

const ETHERTYPE_NSH: u16 = 0x894f;
const ETHERTYPE_ARISTA: u16 = 0xd28b;

/// NSH (RFC 8300) and Arista's timestamp header, which tcpdump and Wireshark decode
/// through; `None` for any other ethertype, or a header that names nothing hark reads.
pub fn shim(ether_type: u16, data: &[u8], offset: usize) -> Option<Shim> {
    match ether_type {
        ETHERTYPE_NSH => {
            let Some(base) = data.get(offset..offset + 4) else { return Some(Shim::Short) };
            // Length in 4-byte words, the base and service path headers included.
            let len = usize::from(base[1] & 0x3f) * 4;
            let inner = offset + len.max(8);
            if data.len() < inner {
                return Some(Shim::Short);
            }
            Some(match base[3] {
                1 => Shim::EtherType { ether_type: ETHERTYPE_IPV4, offset: inner },
                2 => Shim::EtherType { ether_type: ETHERTYPE_IPV6, offset: inner },
                3 => Shim::Ethernet { offset: inner },
                4 => Shim::EtherType { ether_type: ETHERTYPE_NSH, offset: inner },
                5 => Shim::EtherType { ether_type: ETHERTYPE_MPLS, offset: inner },
                _ => return None,
            })
        }
        ETHERTYPE_ARISTA => {
            let Some(h) = data.get(offset..offset + 4) else { return Some(Shim::Short) };
            // Subtype 1 is the timestamp header; its format nibble says 64 or 48 bits.
            let timestamp = match (u16::from_be_bytes([h[0], h[1]]), h[3] >> 4) {
                (1, 1) => 8,
                (1, 2) => 6,
                _ => return None,
            };
            let at = offset + 4 + timestamp;
            match data.get(at..at + 2) {
                Some(t) => Some(Shim::EtherType {
                    ether_type: u16::from_be_bytes([t[0], t[1]]),
                    offset: at + 2,
                }),
                None => Some(Shim::Short),
            }
        }
        _ => None,
    }
}

/// Skips an MPLS label stack (RFC 3032 §2.1) and says what the bottom label carries.
///
/// MPLS does not name its payload; like tcpdump and Wireshark, hark guesses from the
/// first nibble after the bottom of the stack. Returns the offset and the label count.
pub fn mpls(data: &[u8], mut offset: usize) -> (Next, usize) {
    let mut labels = 0;
    while let Some(entry) = data.get(offset..offset + 4) {
        labels += 1;
        offset += 4;
        if entry[2] & 1 == 1 {
            return (raw_ip(data, offset), labels);
        }
    }
    (Next::Short, labels)
}

/// Whether an ethertype is MPLS.
pub fn is_mpls(ether_type: u16) -> bool {
    ether_type == ETHERTYPE_MPLS || ether_type == ETHERTYPE_MPLS_MULTICAST
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_families_in_either_order() {
        assert_eq!(
            loopback(&[2, 0, 0, 0, 0x45]),
            Next::EtherType { ether_type: 0x0800, offset: 4 }
        );
        assert_eq!(
            loopback(&[0, 0, 0, 30, 0x60]),
            Next::EtherType { ether_type: 0x86dd, offset: 4 }
        );
        assert_eq!(loopback(&[7, 0, 0, 0]), Next::Opaque);
        assert_eq!(loopback(&[2, 0]), Next::Short);
    }

    #[test]
    fn ppp_with_and_without_hdlc_bytes() {
        assert_eq!(
            ppp(&[0xff, 0x03, 0x00, 0x21, 0x45]),
            Next::EtherType { ether_type: 0x0800, offset: 4 }
        );
        assert_eq!(ppp(&[0x00, 0x57]), Next::EtherType { ether_type: 0x86dd, offset: 2 });
        assert_eq!(ppp(&[0x21, 0x45]), Next::EtherType { ether_type: 0x0800, offset: 1 });
        assert_eq!(ppp(&[0xff, 0x03, 0x00]), Next::Short);
    }

    #[test]
    fn mpls_stops_at_bottom_of_stack() {
        let data = [0, 0, 0x10, 64, 0, 0, 0x21, 64, 0x45, 0];
        assert_eq!(mpls(&data, 0), (Next::EtherType { ether_type: 0x0800, offset: 8 }, 2));
        assert_eq!(mpls(&data[..6], 0), (Next::Short, 1));
    }

    #[test]
    fn vendor_headers_lead_to_their_payload() {
        // NSH: length 6 words (base, path, 16 bytes of context), next protocol IPv4.
        let mut nsh = vec![0x0f, 0xc6, 0x01, 0x01, 0, 0, 1, 255];
        nsh.extend_from_slice(&[0; 16]);
        nsh.push(0x45);
        assert_eq!(shim(0x894f, &nsh, 0), Some(Shim::EtherType { ether_type: 0x0800, offset: 24 }));
        assert_eq!(shim(0x894f, &nsh[..20], 0), Some(Shim::Short));
        nsh[3] = 9;
        assert_eq!(shim(0x894f, &nsh, 0), None);
        // Arista: subtype 1, UTC, 64-bit format, the timestamp, then IPv6.
        let mut arista = vec![0, 1, 1, 0x10];
        arista.extend_from_slice(&[0; 8]);
        arista.extend_from_slice(&[0x86, 0xdd]);
        assert_eq!(
            shim(0xd28b, &arista, 0),
            Some(Shim::EtherType { ether_type: 0x86dd, offset: 14 })
        );
        arista[3] = 0x20;
        assert_eq!(shim(0xd28b, &arista, 0), Some(Shim::EtherType { ether_type: 0, offset: 12 }));
        assert_eq!(shim(0xd28b, &arista[..3], 0), Some(Shim::Short));
        assert_eq!(shim(0x0800, &arista, 0), None);
    }

    #[test]
    fn wan_headers_lead_to_their_payload() {
        assert_eq!(
            cisco_hdlc(&[0x0f, 0, 0x08, 0x00, 0x45]),
            Next::EtherType { ether_type: 0x0800, offset: 4 }
        );
        assert_eq!(cisco_hdlc(&[0x8f, 0, 0x80, 0x35]), Next::Opaque);
        assert_eq!(
            frame_relay(&[0x18, 0x41, 0x03, 0xcc, 0x45]),
            Next::EtherType { ether_type: 0x0800, offset: 4 }
        );
        assert_eq!(
            frame_relay(&[0x18, 0x41, 0x03, 0x00, 0x80, 0, 0, 0, 0x86, 0xdd]),
            Next::EtherType { ether_type: 0x86dd, offset: 10 }
        );
        assert_eq!(frame_relay(&[0x18, 0x41, 0x03]), Next::Short);
        assert_eq!(frame_relay(&[0x18, 0x41, 0x07, 0xcc]), Next::Opaque);
        assert_eq!(
            frame_relay(&[0x48, 0xe1, 0x86, 0xdd, 0x60]),
            Next::EtherType { ether_type: 0x86dd, offset: 4 }
        );
        assert_eq!(classify(LinkType::SLIP, &[0u8; 15]).0, Next::Short);
        let mut slip = vec![0u8; 16];
        slip.push(0x45);
        assert_eq!(
            classify(LinkType::SLIP, &slip).0,
            Next::EtherType { ether_type: 0x0800, offset: 16 }
        );
        let mut ib = vec![0u8; 44];
        ib[40..42].copy_from_slice(&[0x86, 0xdd]);
        assert_eq!(ipoib(&ib), Next::EtherType { ether_type: 0x86dd, offset: 44 });
    }

    #[test]
    fn cooked_headers_cut_short_are_opaque() {
        for len in 0..20 {
            let data = vec![0u8; len];
            let _ = classify(LinkType::LINUX_SLL, &data);
            let _ = classify(LinkType::LINUX_SLL2, &data);
            let _ = classify(LinkType::PPP, &data);
            let _ = classify(LinkType::NULL, &data);
            for link in [LinkType::C_HDLC, LinkType::FRELAY, LinkType::IPOIB] {
                assert!(matches!(classify(link, &data).0, Next::Short | Next::Opaque));
            }
        }
        let mut sll2 = vec![0u8; 20];
        sll2[0..2].copy_from_slice(&[0x08, 0x00]);
        sll2[10] = 4;
        let (next, cooked) = classify(LinkType::LINUX_SLL2, &sll2);
        assert_eq!(next, Next::EtherType { ether_type: 0x0800, offset: 20 });
        assert_eq!(cooked.map(|c| c.packet_type), Some(4));
    }
}
