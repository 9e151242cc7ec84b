//! Internet checksums (RFC 1071) as `-v` judges them.

use etherparse::LaxIpSlice;

pub(super) fn ipv4_checksum_ok(header: &[u8]) -> bool {
    fold(ones_sum(0, header)) == 0xffff
}

/// Adds 16-bit big-endian words to a ones'-complement sum (RFC 1071); an odd last byte is
/// padded with zero.
pub(super) fn ones_sum(mut sum: u64, bytes: &[u8]) -> u64 {
    for pair in bytes.chunks(2) {
        sum += u64::from(u16::from_be_bytes([pair[0], *pair.get(1).unwrap_or(&0)]));
    }
    sum
}

pub(super) fn fold(mut sum: u64) -> u16 {
    while sum > 0xffff {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    sum as u16
}

/// The last hop of a loose or strict source route (RFC 791 §3.1), which the transport
/// checksum covers instead of the header's destination.
fn final_destination(mut options: &[u8]) -> Option<[u8; 4]> {
    while let Some(&kind) = options.first() {
        match kind {
            0 => return None,
            1 => options = &options[1..],
            _ => {
                let len = usize::from(*options.get(1)?);
                if len < 2 || len > options.len() {
                    return None;
                }
                if (kind == 131 || kind == 137) && len >= 7 {
                    let last = options.get(len - 4..len)?;
                    return Some([last[0], last[1], last[2], last[3]]);
                }
                options = &options[len..];
            }
        }
    }
    None
}

/// The checksum a TCP or UDP segment should carry (RFC 9293 §3.1, RFC 768, RFC 8200 §8.1):
/// the pseudo-header and the segment with its checksum field (at `field`) left out. `None`
/// when the capture does not hold the whole segment.
pub(super) fn transport_checksum(ip: &LaxIpSlice<'_>, proto: u8, field: usize) -> Option<u16> {
    let payload = ip.payload();
    if payload.incomplete || payload.fragmented {
        return None;
    }
    let segment = payload.payload;
    let len = segment.len();
    let mut sum = match ip {
        LaxIpSlice::Ipv4(v4) => {
            let h = v4.header();
            let dst = final_destination(h.options()).unwrap_or(h.destination());
            ones_sum(ones_sum(0, &h.source()), &dst) + u64::from(proto) + len as u64
        }
        LaxIpSlice::Ipv6(v6) => {
            let h = v6.header();
            ones_sum(ones_sum(0, &h.source()), &h.destination()) + u64::from(proto) + len as u64
        }
    };
    sum = ones_sum(sum, segment.get(..field)?);
    sum = ones_sum(sum, segment.get(field + 2..)?);
    let checksum = !fold(sum);
    // UDP sends a computed zero as all ones (RFC 768).
    Some(if proto == 17 && checksum == 0 { 0xffff } else { checksum })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checksum_of_a_known_header() {
        // RFC 1071's example header from a real capture: 45 00 00 73 00 00 40 00 40 11 b8 61 c0 a8 00 01 c0 a8 00 c7
        let header = [
            0x45, 0x00, 0x00, 0x73, 0x00, 0x00, 0x40, 0x00, 0x40, 0x11, 0xb8, 0x61, 0xc0, 0xa8,
            0x00, 0x01, 0xc0, 0xa8, 0x00, 0xc7,
        ];
        assert!(ipv4_checksum_ok(&header));
        let mut bad = header;
        bad[10] = 0;
        assert!(!ipv4_checksum_ok(&bad));
    }
}
