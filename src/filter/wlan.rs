//! 802.11 in the filter, as libpcap compiles it (gencode.c): the offsets a program reads
//! from each packet before it tests anything, and the frame-control tests of `wlan host`,
//! `wlan addr1`…, `broadcast` and `multicast` in libpcap's order.

use super::Error;
use super::ast::{Dir, RelOp};
use super::compile::{Compiler, and, not, or};
use super::node::{Node, Reject, load};

/// An offset libpcap's program computes from the packet before its tests.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Variable {
    /// The radiotap header's length (little-endian, at offset 2): where 802.11 starts.
    RadiotapLength,
    /// Where the 802.11 header ends: 24 bytes, 2 more for a QoS data frame, rounded up to
    /// 4 when radiotap's flags say the driver padded it. (libpcap does not count a fourth
    /// address or an HT control field; neither does this, so the verdicts stay tcpdump's.)
    WlanPayload { radiotap: bool },
}

impl Variable {
    /// The value, or `Reject` when a byte it reads is not there (BPF's verdict too).
    pub fn eval(self, data: &[u8]) -> Result<u32, Reject> {
        match self {
            Variable::RadiotapLength => Ok((load(data, 3, 1)? << 8) | load(data, 2, 1)?),
            Variable::WlanPayload { radiotap } => {
                let header = if radiotap { Variable::RadiotapLength.eval(data)? } else { 0 };
                let mut payload = header.wrapping_add(24);
                let fc = load(data, header, 1)?;
                let is_data = fc & 0x08 != 0 && fc & 0x04 == 0;
                if !is_data {
                    return Ok(payload);
                }
                if fc & 0x80 != 0 {
                    payload = payload.wrapping_add(2);
                }
                if radiotap {
                    // The present word, loaded big-endian as BPF loads it: flags (bit 1)
                    // and TSFT (bit 0) are in its first byte, the extension bit in its last.
                    let present = load(data, 4, 4)?;
                    if present & 0x0200_0000 != 0 && present & 0x0000_0080 == 0 {
                        let flags_at = if present & 0x0100_0000 != 0 { 16 } else { 8 };
                        if load(data, flags_at, 1)? & 0x20 != 0 {
                            payload = payload.wrapping_add(3) & !3;
                        }
                    }
                }
                Ok(payload)
            }
        }
    }
}

/// `link[0] & bits != 0` on frame control's first byte.
fn fc0_has(c: &Compiler, bits: u32) -> Node {
    c.test(c.link_header(0), 1, bits, RelOp::Ne, 0)
}

/// `link[1] & bits != 0` on frame control's flags.
fn fc1_has(c: &Compiler, bits: u32) -> Node {
    c.test(c.link_header(1), 1, bits, RelOp::Ne, 0)
}

const TO_DS: u32 = 0x01;
const FROM_DS: u32 = 0x02;
const DATA: u32 = 0x08;
const CONTROL_OR_EXT: u32 = 0x04;

/// libpcap's gen_check_802_11_data_frame: type bits say data (0x08 set, 0x04 clear).
pub(super) fn data_frame(c: &Compiler) -> Node {
    and(not(fc0_has(c, CONTROL_OR_EXT)), fc0_has(c, DATA))
}

/// A MAC compared as libpcap compares one: its last four bytes, then its first two.
fn mac_at(c: &Compiler, offset: u32, mac: &[u8; 6]) -> Node {
    and(
        c.test(
            c.link_header(offset + 2),
            4,
            u32::MAX,
            RelOp::Eq,
            u32::from_be_bytes([mac[2], mac[3], mac[4], mac[5]]),
        ),
        c.test(
            c.link_header(offset),
            2,
            u32::MAX,
            RelOp::Eq,
            u32::from(u16::from_be_bytes([mac[0], mac[1]])),
        ),
    )
}

/// Not a CTS or ACK (which carry no address 2), or not a control frame at all.
fn has_address_2(c: &Compiler) -> Node {
    let type_is = |value: u32, mask: u32| c.test(c.link_header(0), 1, mask, RelOp::Eq, value);
    let not_control = not(type_is(0x04, 0x0c));
    let not_cts_or_ack = and(not(type_is(0xc0, 0xf0)), not(type_is(0xd0, 0xf0)));
    or(not_control, not_cts_or_ack)
}

/// The source address, wherever the DS bits put it.
fn source(c: &Compiler, test: &dyn Fn(u32) -> Node) -> Node {
    let by_to_ds = or(and(not(fc1_has(c, TO_DS)), test(16)), and(fc1_has(c, TO_DS), test(24)));
    let by_from_ds =
        or(and(not(fc1_has(c, FROM_DS)), test(10)), and(fc1_has(c, FROM_DS), by_to_ds));
    let by_type = or(and(not(fc0_has(c, DATA)), test(10)), and(fc0_has(c, DATA), by_from_ds));
    and(not(fc0_has(c, CONTROL_OR_EXT)), by_type)
}

/// The destination address, wherever the DS bits put it.
fn destination(c: &Compiler, test: &dyn Fn(u32) -> Node) -> Node {
    let by_to_ds = or(and(not(fc1_has(c, TO_DS)), test(4)), and(fc1_has(c, TO_DS), test(16)));
    let by_type = or(and(not(fc0_has(c, DATA)), test(4)), and(fc0_has(c, DATA), by_to_ds));
    and(not(fc0_has(c, CONTROL_OR_EXT)), by_type)
}

/// libpcap's gen_wlanhostop: `wlan host|src|dst|addr1…|ra|ta MAC`.
pub(super) fn host(c: &Compiler, dir: Dir, mac: &[u8; 6]) -> Result<Node, Error> {
    let is = |offset: u32| mac_at(c, offset, mac);
    Ok(match dir {
        Dir::Src => source(c, &is),
        Dir::Dst => destination(c, &is),
        Dir::SrcAndDst => and(source(c, &is), destination(c, &is)),
        Dir::SrcOrDst => or(source(c, &is), destination(c, &is)),
        Dir::Addr1 => is(4),
        Dir::Addr2 => and(has_address_2(c), is(10)),
        Dir::Addr3 => {
            let not_control = not(c.test(c.link_header(0), 1, 0x0c, RelOp::Eq, 0x04));
            and(not_control, is(16))
        }
        Dir::Addr4 => and(c.test(c.link_header(1), 1, 0x03, RelOp::Eq, 0x03), is(24)),
        Dir::Ra => and(fc0_has(c, DATA), is(4)),
        Dir::Ta => and(and(fc0_has(c, DATA), has_address_2(c)), is(10)),
    })
}

/// libpcap's `multicast` on 802.11: the group bit of the destination address.
pub(super) fn multicast(c: &Compiler) -> Node {
    let group = |offset: u32| c.test(c.link_header(offset), 1, 1, RelOp::Ne, 0);
    destination(c, &group)
}
