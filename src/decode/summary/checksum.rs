//! Internet checksums (RFC 1071) as `-v` judges them.

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

/// The value a checksum field should hold for `bytes` (the field, at `field`, counted as
/// zero) added to `pseudo`, a pseudo-header's sum (RFC 9293 §3.1, RFC 768, RFC 8200 §8.1).
/// UDP sends a computed zero as all ones (RFC 768); `udp` says so.
pub(super) fn expected_checksum(pseudo: u64, bytes: &[u8], field: usize, udp: bool) -> Option<u16> {
    let mut sum = ones_sum(pseudo, bytes.get(..field)?);
    sum = ones_sum(sum, bytes.get(field + 2..)?);
    let checksum = !fold(sum);
    Some(if udp && checksum == 0 { 0xffff } else { checksum })
}

/// The pseudo-header sum of an IPv4 header for `proto` and a segment of `len` bytes; a
/// source route's last hop stands in for the destination, as RFC 791 has it.
pub(super) fn ipv4_pseudo_sum(header: &[u8], proto: u8, len: usize) -> u64 {
    let dst = final_destination(header.get(20..).unwrap_or_default())
        .unwrap_or([header[16], header[17], header[18], header[19]]);
    ones_sum(ones_sum(0, &header[12..16]), &dst) + u64::from(proto) + len as u64
}

/// The pseudo-header sum of IPv6 addresses for `proto` and `len` bytes.
pub(super) fn ipv6_pseudo_sum(src: &[u8], dst: &[u8], proto: u8, len: usize) -> u64 {
    ones_sum(ones_sum(0, src), dst) + u64::from(proto) + len as u64
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
        assert_eq!(fold(ones_sum(0, &header)), 0xffff);
        let mut bad = header;
        bad[10] = 0;
        assert_ne!(fold(ones_sum(0, &bad)), 0xffff);
    }
}
