//! pcapng blocks: the one at the front of the input, parsed into a [`Step`].

use pcap_parser::pcapng::{
    parse_enhancedpacketblock_be, parse_enhancedpacketblock_le, parse_interfacedescriptionblock_be,
    parse_interfacedescriptionblock_le, parse_sectionheaderblock, parse_simplepacketblock_be,
    parse_simplepacketblock_le,
};

use super::Step;
use crate::source::{Error, ErrorKind, InputInterface, LinkType, Timestamp};

/// pcapng blocks beyond this are taken as damage rather than buffered.
pub(super) const MAX_BLOCK_LEN: usize = 16 * 1024 * 1024;

pub(super) const SHB_TYPE: u32 = 0x0A0D_0D0A;
pub(super) const IDB_TYPE: u32 = 1;
pub(super) const OPB_TYPE: u32 = 2;
pub(super) const SPB_TYPE: u32 = 3;
pub(super) const EPB_TYPE: u32 = 6;

/// One interface a section described.
pub(super) struct Interface {
    pub(super) link: LinkType,
    pub(super) snaplen: u32,
    pub(super) units_per_sec: u64,
    pub(super) offset_secs: i64,
    pub(super) described: InputInterface,
}

/// Where the block is: its input, its byte offset, and the clock a block without a time
/// keeps.
pub(super) struct At<'a> {
    pub offset: u64,
    pub input: &'a str,
    pub last_ts: Timestamp,
}

/// Parses the block at the front of `data`; `range_of` places a slice of `data` in the
/// buffer, so that the step borrows nothing.
pub(super) fn step(
    data: &[u8],
    range_of: impl Fn(&[u8]) -> (usize, usize),
    at: &At<'_>,
    big_endian: &mut bool,
    interfaces: &mut Vec<Interface>,
    first_link: &mut Option<LinkType>,
) -> Result<Step, Error> {
    let offset = at.offset;
    if data.len() < 12 {
        return Ok(Step::NeedMore(12));
    }
    let raw_type = [data[0], data[1], data[2], data[3]];
    if u32::from_le_bytes(raw_type) == SHB_TYPE {
        // Each section fixes its own byte order, read from its byte-order magic.
        *big_endian = data[8..12] == [0x1a, 0x2b, 0x3c, 0x4d];
    }
    let word = |at: usize| {
        let b = [data[at], data[at + 1], data[at + 2], data[at + 3]];
        if *big_endian { u32::from_be_bytes(b) } else { u32::from_le_bytes(b) }
    };
    let block_type = word(0);
    let block_len = word(4) as usize;
    if block_len < 12 || block_len % 4 != 0 || block_len > MAX_BLOCK_LEN {
        let why = format!("a pcapng block has an impossible length of {block_len} bytes");
        return Err(Error::new(at.input, ErrorKind::Corrupt { offset, why }));
    }
    if data.len() < block_len {
        return Ok(Step::NeedMore(block_len));
    }
    let block = &data[..block_len];
    let corrupt = |what: &str| {
        let why = format!("a pcapng {what} block cannot be parsed");
        Err(Error::new(at.input, ErrorKind::Corrupt { offset, why }))
    };
    match block_type {
        SHB_TYPE => {
            if parse_sectionheaderblock(block).is_err() {
                return corrupt("section header");
            }
            interfaces.clear();
            Ok(Step::Skip(block_len))
        }
        IDB_TYPE => {
            let parsed = if *big_endian {
                parse_interfacedescriptionblock_be(block)
            } else {
                parse_interfacedescriptionblock_le(block)
            };
            let Ok((_, idb)) = parsed else { return corrupt("interface description") };
            let link = LinkType::from_pcap_field(u32::from(idb.linktype.0 as u16));
            first_link.get_or_insert(link);
            let units_per_sec = idb.ts_resolution().unwrap_or(1_000_000);
            let described = InputInterface {
                id: interfaces.len() as u32,
                link,
                snaplen: idb.snaplen,
                units_per_sec,
            };
            interfaces.push(Interface {
                link,
                snaplen: idb.snaplen,
                units_per_sec,
                offset_secs: idb.ts_offset(),
                described,
            });
            Ok(Step::Skip(block_len))
        }
        EPB_TYPE => {
            let parsed = if *big_endian {
                parse_enhancedpacketblock_be(block)
            } else {
                parse_enhancedpacketblock_le(block)
            };
            let Ok((_, epb)) = parsed else { return corrupt("enhanced packet") };
            let iface = interfaces.get(epb.if_id as usize);
            let ticks = (u64::from(epb.ts_high) << 32) | u64::from(epb.ts_low);
            let ts = stamp(ticks, iface);
            let cut = (epb.caplen as usize).min(epb.data.len());
            Ok(Step::Frame {
                ts,
                link: iface.map_or(LinkType(u32::MAX), |i| i.link),
                orig_len: epb.origlen,
                data: range_of(&epb.data[..cut]),
                len: block_len,
                iface: iface.map(|_| epb.if_id as usize),
            })
        }
        SPB_TYPE => {
            let parsed = if *big_endian {
                parse_simplepacketblock_be(block)
            } else {
                parse_simplepacketblock_le(block)
            };
            let Ok((_, spb)) = parsed else { return corrupt("simple packet") };
            let iface = interfaces.first();
            let mut cut = (spb.origlen as usize).min(spb.data.len());
            if let Some(i) = iface.filter(|i| i.snaplen > 0) {
                cut = cut.min(i.snaplen as usize);
            }
            // A simple packet block has no time; it keeps the clock where it was.
            Ok(Step::Frame {
                ts: at.last_ts,
                link: iface.map_or(LinkType(u32::MAX), |i| i.link),
                orig_len: spb.origlen,
                data: range_of(&spb.data[..cut]),
                len: block_len,
                iface: iface.map(|_| 0),
            })
        }
        OPB_TYPE => {
            // The obsolete packet block (pcapng draft, section "Packet Block"):
            // if_id u16, drops u16, ts_high, ts_low, caplen, origlen, data.
            if block_len < 32 {
                return corrupt("packet");
            }
            let if_id = if *big_endian {
                u16::from_be_bytes([block[8], block[9]])
            } else {
                u16::from_le_bytes([block[8], block[9]])
            };
            let ticks = (u64::from(word(12)) << 32) | u64::from(word(16));
            let caplen = word(20) as usize;
            let orig_len = word(24);
            let body = &block[28..block_len - 4];
            let iface = interfaces.get(usize::from(if_id));
            Ok(Step::Frame {
                ts: stamp(ticks, iface),
                link: iface.map_or(LinkType(u32::MAX), |i| i.link),
                orig_len,
                data: range_of(&body[..caplen.min(body.len())]),
                len: block_len,
                iface: iface.map(|_| usize::from(if_id)),
            })
        }
        _ => Ok(Step::Skip(block_len)),
    }
}

fn stamp(ticks: u64, iface: Option<&Interface>) -> Timestamp {
    let units = iface.map_or(1_000_000, |i| i.units_per_sec);
    let mut ts = Timestamp::from_ticks(ticks, units);
    if let Some(i) = iface {
        ts.secs = ts.secs.saturating_add(i.offset_secs);
    }
    ts
}
