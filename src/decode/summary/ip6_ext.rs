//! IPv6 extension headers (RFC 8200 §4) as tcpdump names them: `HBH `, `DSTOPT `,
//! `frag (0|440) `, `RT6 (len=2, type=0 [Deprecated], segleft=1, [0]2200::1) `.

use std::io::Write;

use super::read::{Bytes, Cut};

/// A hop-by-hop header: its length in bytes. A valid jumbo payload option sets `jumbo`.
pub(super) fn write_hop_by_hop(
    out: &mut Vec<u8>,
    bytes: Bytes<'_>,
    verbosity: u8,
    payload_len: usize,
    jumbo: &mut Option<usize>,
) -> Result<usize, Cut> {
    let bytes = Bytes::new(bytes.data, "hbhopt");
    let len = (usize::from(bytes.u8(1)?) + 1) << 3;
    bytes.check(0, len)?;
    out.extend_from_slice(b"HBH ");
    let options = Options { verbose: verbosity > 0, hop_by_hop: Some(payload_len) };
    options.write(out, bytes.from(2, "hbhopt").limit(len - 2), len - 2, jumbo)?;
    Ok(len)
}

/// A destination options header: its length in bytes.
pub(super) fn write_destination_options(
    out: &mut Vec<u8>,
    bytes: Bytes<'_>,
    verbosity: u8,
) -> Result<usize, Cut> {
    let bytes = Bytes::new(bytes.data, "dstopt");
    let len = (usize::from(bytes.u8(1)?) + 1) << 3;
    bytes.check(0, len)?;
    out.extend_from_slice(b"DSTOPT ");
    if verbosity > 0 {
        let options = Options { verbose: true, hop_by_hop: None };
        options.write(out, bytes.from(2, "dstopt").limit(len - 2), len - 2, &mut None)?;
    }
    Ok(len)
}

/// A fragment header at `at` bytes into the packet: its length, or `None` for a later
/// fragment, which says nothing of the protocol above.
pub(super) fn write_fragment(
    out: &mut Vec<u8>,
    bytes: Bytes<'_>,
    verbosity: u8,
    payload_len: usize,
    at: usize,
) -> Result<Option<usize>, Cut> {
    let bytes = Bytes::new(bytes.data, "frag6");
    let offset = bytes.u16(2)? & 0xfff8;
    // The bytes this fragment carries after its fragment header, by the IPv6 length.
    let carried = (40 + payload_len as u64).wrapping_sub(at as u64).wrapping_sub(8);
    if verbosity > 0 {
        let _ = write!(out, "frag (0x{:08x}:{offset}|{carried})", bytes.u32(4)?);
    } else {
        let _ = write!(out, "frag ({offset}|{carried})");
    }
    if offset != 0 {
        return Ok(None);
    }
    out.push(b' ');
    Ok(Some(8))
}

/// A routing header: its length in bytes, or `None` for one tcpdump calls invalid.
/// `final_dst`, when given, becomes where the packet ends up as tcpdump reckons it for
/// the transport checksum: a type 0 header's last address, a segment routing header's
/// first segment (RFC 8754 lists them last hop first).
pub(super) fn write_routing(
    out: &mut Vec<u8>,
    bytes: Bytes<'_>,
    verbosity: u8,
    final_dst: Option<&mut [u8; 16]>,
) -> Result<Option<usize>, Cut> {
    let bytes = Bytes::new(bytes.data, "rt6");
    out.extend_from_slice(b"RT6");
    let len = bytes.u8(1)?;
    let _ = write!(out, " (len={len}");
    let kind = bytes.u8(2)?;
    let _ = write!(out, ", type={kind}");
    if kind == 0 {
        out.extend_from_slice(b" [Deprecated]");
    }
    let _ = write!(out, ", segleft={}", bytes.u8(3)?);
    let first_address = match kind {
        0 | 2 => {
            let reserved = bytes.u32(4)?;
            if reserved != 0 || verbosity > 0 {
                let _ = write!(out, ", rsv=0x{reserved:x}");
            }
            8
        }
        4 => {
            let _ = write!(out, ", last-entry={}", bytes.u8(4)?);
            let flags = bytes.u8(5)?;
            if flags != 0 || verbosity > 0 {
                let _ = write!(out, ", flags=0x{flags:x}");
            }
            let _ = write!(out, ", tag={:x}", bytes.u16(6)?);
            8
        }
        _ => {
            out.extend_from_slice(b" (unknown type) (invalid)");
            return Ok(None);
        }
    };
    if len % 2 == 1 {
        let _ = write!(out, " (invalid length {len}) (invalid)");
        return Ok(None);
    }
    let mut last = None;
    for i in 0..usize::from(len / 2) {
        let address = bytes.ipv6(first_address + 16 * i)?;
        let _ = write!(out, ", [{i}]{address}");
        if kind == 0 || (kind == 4 && i == 0) {
            last = Some(address);
        }
    }
    if let (Some(dst), Some(address)) = (final_dst, last) {
        *dst = address.octets();
    }
    out.extend_from_slice(b") ");
    Ok(Some((usize::from(len) + 1) << 3))
}

/// RFC 8200 §4.2's options, which tcpdump shows only with `-v`.
struct Options {
    verbose: bool,
    /// For a hop-by-hop header, the fixed header's payload length (a jumbo option is valid
    /// only there, and only when that length is zero).
    hop_by_hop: Option<usize>,
}

impl Options {
    fn write(
        &self,
        out: &mut Vec<u8>,
        bytes: Bytes<'_>,
        len: usize,
        jumbo: &mut Option<usize>,
    ) -> Result<(), Cut> {
        if len == 0 {
            return Ok(());
        }
        let trunc = Cut::check(bytes.proto);
        let mut seen_jumbo = false;
        let mut i = 0;
        while i < len {
            let kind = bytes.u8(i)?;
            let option_len = if kind == 0 {
                1
            } else if i + 1 < len {
                usize::from(bytes.u8(i + 1)?) + 2
            } else {
                return Err(trunc);
            };
            if i + option_len > len {
                return Err(trunc);
            }
            let left = len - i;
            match kind {
                0 => self.say(out, "(pad1)"),
                1 if left < 2 => return self.cut(out, "(padn: trunc)", trunc),
                1 => self.say(out, "(padn)"),
                5 if left < 4 => return self.cut(out, "(rtalert: trunc)", trunc),
                5 if bytes.u8(i + 1)? != 2 => {
                    let _ = write!(out, "(rtalert: invalid len {})", bytes.u8(i + 1)?);
                    return Err(trunc);
                }
                5 => self.say(out, &format!("(rtalert: 0x{:04x}) ", bytes.u16(i + 2)?)),
                0xc2 if left < 6 => return self.cut(out, "(jumbo: trunc)", trunc),
                0xc2 if bytes.u8(i + 1)? != 4 => {
                    let _ = write!(out, "(jumbo: invalid len {})", bytes.u8(i + 1)?);
                    return Err(trunc);
                }
                0xc2 => {
                    let jumbo_len = bytes.u32(i + 2)?;
                    // RFC 2675 §3's conditions, each with tcpdump's verdict.
                    let verdict = if seen_jumbo {
                        " - already seen"
                    } else {
                        seen_jumbo = true;
                        match self.hop_by_hop {
                            None => " - not a hop-by-hop option",
                            Some(plen) if plen != 0 => " - payload len != 0",
                            Some(_) if jumbo_len < 65_536 => " - < 65536",
                            Some(_) => {
                                *jumbo = Some(jumbo_len as usize);
                                ""
                            }
                        }
                    };
                    self.say(out, &format!("(jumbo: {jumbo_len}{verdict}) "));
                }
                0xc9 if left < 18 => return self.cut(out, "(homeaddr: trunc)", trunc),
                0xc9 if bytes.u8(i + 1)? < 16 => {
                    let _ = write!(out, "(homeaddr: invalid len {})", bytes.u8(i + 1)?);
                    return Err(trunc);
                }
                0xc9 => self.say(out, &format!("(homeaddr: {})", bytes.ipv6(i + 2)?)),
                _ if left < 2 => {
                    let _ = write!(out, "(type {kind}: trunc)");
                    return Err(trunc);
                }
                _ => self.say(out, &format!("(opt_type 0x{kind:02x}: len={})", bytes.u8(i + 1)?)),
            }
            i += option_len;
        }
        self.say(out, " ");
        Ok(())
    }

    fn say(&self, out: &mut Vec<u8>, text: &str) {
        if self.verbose {
            out.extend_from_slice(text.as_bytes());
        }
    }

    fn cut(&self, out: &mut Vec<u8>, text: &str, trunc: Cut) -> Result<(), Cut> {
        out.extend_from_slice(text.as_bytes());
        Err(trunc)
    }
}
