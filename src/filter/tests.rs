//! The compiled filter on hark's own sample frames, and on anything at all without a panic.

use proptest::prelude::*;

use super::Filter;
use crate::sample;
use crate::source::{Frame, LinkType, Timestamp};

/// The numbers (1-based) of the mix's frames that `expr` passes.
fn kept(expr: &str) -> Vec<usize> {
    let mut filter = Filter::new(expr).unwrap();
    sample::filter_mix()
        .iter()
        .enumerate()
        .filter(|(_, f)| filter.matches(&f.as_frame()))
        .map(|(i, _)| i + 1)
        .collect()
}

#[test]
fn vlan_shifts_what_follows_it() {
    // Frame 40 is a TCP SYN in VLAN 20; frame 41 is UDP in VLAN 30 inside 802.1ad tag 100.
    assert_eq!(kept("vlan 20 and tcp"), vec![40]);
    assert!(!kept("tcp").contains(&40), "a tagged frame is not plain 'tcp'");
    assert_eq!(kept("vlan 100 and vlan 30 and udp"), vec![41]);
    // The second 'vlan' looks inside the first tag, as in libpcap: frame 15 (VLAN 10)
    // passes, frame 40 (VLAN 20, one tag) does not.
    assert_eq!(kept("vlan 10 or vlan 20"), vec![15]);
}

#[test]
fn a_read_past_the_end_rejects_even_under_not() {
    // BPF rejects a packet whose load runs off its end, whatever wraps the load.
    let all = sample::filter_mix().len();
    assert!(kept("not ether[2000] = 0").is_empty());
    assert_eq!(kept("ether[0] = ether[0]").len(), all);
}

#[test]
fn fragments_keep_their_ports_only_in_the_first() {
    // Frames 30-33: a UDP datagram, its first fragment, a later fragment, a first TCP fragment.
    let udp = kept("udp port 5000");
    assert!(udp.contains(&30) && udp.contains(&31) && !udp.contains(&32));
}

#[test]
fn inbound_needs_a_cooked_link() {
    let mut filter = Filter::new("inbound").unwrap();
    let err = filter.prepare(LinkType::ETHERNET).unwrap_err();
    assert!(err.msg.contains("Linux cooked"), "{err}");
    let mut sll = vec![0u8; 16];
    sll[1] = 4;
    let frame = Frame {
        ts: Timestamp::default(),
        link: LinkType::LINUX_SLL,
        orig_len: 16,
        data: &sll,
        iface: None,
    };
    let mut out = Filter::new("outbound").unwrap();
    assert!(out.matches(&frame));
    assert!(!filter.matches(&frame));
}

#[test]
fn unknown_link_types_match_nothing_and_say_why() {
    let mut filter = Filter::new("tcp").unwrap();
    let frame = Frame {
        ts: Timestamp::default(),
        link: LinkType(147),
        orig_len: 4,
        data: &[1, 2, 3, 4],
        iface: None,
    };
    assert!(!filter.matches(&frame));
    assert_eq!(filter.refused.len(), 1);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1500))]

    #[test]
    fn the_flat_program_agrees_with_the_tree(
        expr in prop::sample::select(vec![
            "tcp dst port 22 and tcp[tcpflags] & tcp-syn != 0", "tcp or udp", "not (tcp and port 80)",
            "host 10.0.0.1 or arp", "vlan and (tcp or udp)", "ip6 and not icmp6", "icmp or (ip6 and udp)",
            "ether[12:2] = 0x800 and ether[12:2] = 0x86dd", "not ether[12:2] = 0x800 or ip[9] = 6",
        ]),
        frame in 0usize..55,
        flips in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 0..4),
    ) {
        let mut data = sample::filter_mix()[frame].data.clone();
        for (at, byte) in flips {
            let i = at.index(data.len().max(1));
            if let Some(b) = data.get_mut(i) {
                *b = byte;
            }
        }
        let expr = super::parser::parse(expr).unwrap();
        let node = super::compile::compile(&expr, LinkType::ETHERNET).unwrap();
        let program = super::program::Program::new(&node);
        let tree = node.eval(&data, data.len() as u32).unwrap_or(false);
        prop_assert_eq!(program.matches(&data, data.len() as u32), tree);
    }

    /// The same agreement on 802.11 frames (after radiotap or not), where every offset
    /// past the link header is read from the packet.
    #[test]
    fn the_flat_program_agrees_with_the_tree_on_wifi(
        expr in prop::sample::select(vec![
            "ip", "tcp port 80", "wlan src 02:cc:00:00:00:07 and udp", "type mgt or tcp[13] = 2",
            "not (dir tods and icmp)", "vlan and ip", "multicast or wlan addr4 02:cc:00:00:00:07",
        ]),
        radiotap in any::<bool>(),
        flips in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 0..6),
        cut in any::<prop::sample::Index>(),
    ) {
        // Radiotap (TSFT, flags), a QoS data frame to the DS, LLC/SNAP, IPv4, TCP.
        let mut data = vec![0u8, 0, 17, 0, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x20];
        if !radiotap {
            data.clear();
        }
        data.extend_from_slice(&[0x88, 0x01, 0, 0, 2, 0xaa, 0, 0, 0, 1, 2, 0xcc, 0, 0, 0, 7]);
        data.extend_from_slice(&[2, 0, 0, 0, 0, 1, 0x10, 0, 5, 0, 0, 0]);
        data.extend_from_slice(&[0xaa, 0xaa, 3, 0, 0, 0, 8, 0]);
        data.extend_from_slice(&[0x45, 0, 0, 40, 0, 1, 0, 0, 64, 6, 0, 0, 198, 18, 0, 7, 198, 18, 0, 1]);
        data.extend_from_slice(&[0x9c, 0x40, 0, 80, 0, 0, 0, 1, 0, 0, 0, 0, 0x50, 2, 0x20, 0, 0, 0, 0, 0]);
        for (at, byte) in flips {
            let i = at.index(data.len());
            data[i] = byte;
        }
        data.truncate(cut.index(data.len() + 1));
        let link = if radiotap { LinkType::IEEE802_11_RADIOTAP } else { LinkType::IEEE802_11 };
        let expr = super::parser::parse(expr).unwrap();
        let node = super::compile::compile(&expr, link).unwrap();
        let program = super::program::Program::new(&node);
        let tree = node.eval(&data, data.len() as u32).unwrap_or(false);
        prop_assert_eq!(program.matches(&data, data.len() as u32), tree);
    }

    #[test]
    fn evaluating_never_panics(
        expr in prop::sample::select(vec![
            "tcp", "udp port 53", "tcp[13] & 2 != 0", "ip[6:2] & 0x1fff = 0", "vlan and ip", "mpls and ip",
            "host 10.0.0.1", "net ::/0", "ether host 0:1:2:3:4:5", "len > 10", "tcp[tcp[0]] = 1",
            "ether[ether[0] * 1000] = 1", "ip[0] / ip[1] = 0", "ip[0] % ip[1] = 0", "1 << ip[0] = 0",
            "icmp6[0] = 128", "arp host 10.0.0.1", "portrange 1-100", "ip6 multicast", "broadcast",
            "wlan host 0:1:2:3:4:5", "wlan ta 0:1:2:3:4:5", "type data and tcp port 80", "subtype beacon",
            "dir tods and vlan and ip", "multicast", "tcp[tcp[0]] = 1 and type data",
        ]),
        link in prop::sample::select(vec![0u32, 1, 8, 9, 101, 104, 105, 107, 108, 113, 127, 228, 229, 242, 276, 5]),
        data in prop::collection::vec(any::<u8>(), 0..120),
    ) {
        let mut filter = Filter::new(expr).unwrap();
        let frame = Frame { ts: Timestamp::default(), link: LinkType(link), orig_len: data.len() as u32, data: &data, iface: None };
        let _ = filter.matches(&frame);
    }
}
