//! tcpdump's `-x`, `-X` and `-A` dumps of a packet's bytes.

use std::io::Write;

use crate::decode::Packet;

/// Appends tcpdump's `-X` dump: offset, 16 bytes in hex groups of two, then ASCII.
pub fn write_hex_ascii(out: &mut Vec<u8>, bytes: &[u8]) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    for (row, chunk) in bytes.chunks(16).enumerate() {
        let _ = write!(out, "\t0x{:04x}:  ", row * 16);
        for i in 0..16 {
            match chunk.get(i) {
                Some(b) => {
                    out.push(HEX[usize::from(b >> 4)]);
                    out.push(HEX[usize::from(b & 15)]);
                }
                None => out.extend_from_slice(b"  "),
            }
            if i % 2 == 1 {
                out.push(b' ');
            }
        }
        out.push(b' ');
        // tcpdump's -X shows a space as a dot (only graphic characters), where -A keeps it.
        out.extend(chunk.iter().map(|&b| if b.is_ascii_graphic() { b } else { b'.' }));
        out.push(b'\n');
    }
}

/// tcpdump's dump of a header it has no printer for: `-X`'s rows, each on a line of its
/// own after the packet's line.
pub(super) fn push_default_dump(out: &mut Vec<u8>, bytes: &[u8]) {
    out.push(b'\n');
    write_hex_ascii(out, bytes);
    out.pop();
}

/// Appends tcpdump's `-x` dump: 16 bytes a row in groups of two, no trailing space.
pub fn write_hex(out: &mut Vec<u8>, bytes: &[u8]) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    for (row, chunk) in bytes.chunks(16).enumerate() {
        let _ = write!(out, "\t0x{:04x}: ", row * 16);
        for pair in chunk.chunks(2) {
            out.push(b' ');
            for b in pair {
                out.push(HEX[usize::from(b >> 4)]);
                out.push(HEX[usize::from(b & 15)]);
            }
        }
        out.push(b'\n');
    }
}

/// Appends tcpdump's `-A` dump: the bytes as ASCII, keeping tabs and line breaks; a CR
/// shows as a dot only inside a line (not before a line feed, nor as one of the last
/// two bytes).
pub fn write_ascii(out: &mut Vec<u8>, bytes: &[u8]) {
    for (i, &b) in bytes.iter().enumerate() {
        let left = bytes.len() - i - 1;
        if b == b'\r' {
            if left > 1 && bytes[i + 1] != b'\n' {
                out.push(b'.');
            }
        } else if b.is_ascii_graphic() || matches!(b, b'\t' | b' ' | b'\n') {
            out.push(b);
        } else {
            out.push(b'.');
        }
    }
    out.push(b'\n');
}

/// Where the link header ends in the frame, for `-x`/`-X`/`-A`: tcpdump dumps what follows
/// it unless asked for the whole frame. Ethernet's header counts its VLAN tags, as
/// tcpdump's does; MPLS labels and what follows them are the payload.
pub fn network_offset(pkt: &Packet<'_>) -> usize {
    let data = pkt.frame().data;
    let start = match crate::decode::link::classify(pkt.frame().link, data).0 {
        crate::decode::link::Next::Ethernet => ethernet_header_len(data),
        crate::decode::link::Next::EtherType { offset, .. } => offset,
        crate::decode::link::Next::Opaque | crate::decode::link::Next::Short => 0,
    };
    start.min(data.len())
}

/// Ethernet's header with its VLAN tags, counted from the bytes (the packet's decoded
/// layers would cost a full decode per line).
fn ethernet_header_len(data: &[u8]) -> usize {
    let mut at = 12;
    while let Some(tag) = data.get(at..at + 2) {
        let ether_type = u16::from_be_bytes([tag[0], tag[1]]);
        // tcpdump counts Arista's timestamp header as part of the link header.
        if ether_type == 0xd28b {
            match crate::decode::link::shim(ether_type, data, at + 2) {
                Some(crate::decode::link::Shim::EtherType { offset, .. }) => {
                    at = offset - 2;
                    continue;
                }
                _ => break,
            }
        }
        let is_vlan = matches!(ether_type, 0x8100 | 0x9100 | 0x9200 | 0x88a8);
        if !is_vlan || data.len() < at + 2 + 4 {
            break;
        }
        at += 4;
    }
    at + 2
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_dump_pads_the_last_row() {
        let mut out = Vec::new();
        write_hex_ascii(&mut out, b"E\x00\x00\x54AB");
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "\t0x0000:  4500 0054 4142                           E..TAB\n"
        );
    }
}
