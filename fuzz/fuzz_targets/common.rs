//! What the targets share: the link types hark decodes, picked by an input's first byte.
// Each target uses the part of this it needs.
#![allow(dead_code)]

use hark::source::LinkType;

/// Every link type hark decodes and filters.
pub const LINKS: [LinkType; 18] = [
    LinkType::NULL,
    LinkType::ETHERNET,
    LinkType::PPP,
    LinkType::RAW_OLD_12,
    LinkType::RAW_OLD_14,
    LinkType::PPP_HDLC,
    LinkType::RAW,
    LinkType::LOOP,
    LinkType::LINUX_SLL,
    LinkType::IPV4,
    LinkType::IPV6,
    LinkType::LINUX_SLL2,
    LinkType::SLIP,
    LinkType::C_HDLC,
    LinkType::IEEE802_11,
    LinkType::FRELAY,
    LinkType::IEEE802_11_RADIOTAP,
    LinkType::IPOIB,
];

/// Splits an input into a link type (its first byte) and a frame (the rest).
pub fn link_and_frame(data: &[u8]) -> Option<(LinkType, &[u8])> {
    let (&pick, frame) = data.split_first()?;
    Some((LINKS[usize::from(pick) % LINKS.len()], frame))
}
