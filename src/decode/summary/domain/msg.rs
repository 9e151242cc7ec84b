//! A DNS message's bytes as tcpdump reads them: bounds, names and their pointers, text.

use std::io::Write;

use super::{Cut, NAME_MAX, Step};

/// The captured bytes of a message; offsets past the end read as a cut.
#[derive(Clone, Copy)]
pub(super) struct Msg<'a>(pub(super) &'a [u8]);

impl Msg<'_> {
    pub(super) fn end(self) -> usize {
        self.0.len()
    }

    pub(super) fn has(self, at: usize, n: usize) -> bool {
        at.checked_add(n).is_some_and(|end| end <= self.0.len())
    }

    pub(super) fn u8(self, at: usize) -> Step<u8> {
        self.0.get(at).copied().ok_or(Cut)
    }

    pub(super) fn u16(self, at: usize) -> Step<u16> {
        Ok(u16::from_be_bytes([self.u8(at)?, self.u8(at.wrapping_add(1))?]))
    }

    pub(super) fn u32(self, at: usize) -> Step<u32> {
        Ok(u32::from(self.u16(at)?) << 16 | u32::from(self.u16(at.wrapping_add(2))?))
    }

    /// Where the name at `at` ends, or `None` where it runs past the capture or uses a
    /// label type that cannot be skipped.
    pub(super) fn skip_name(self, mut at: usize) -> Option<usize> {
        let mut label = *self.0.get(at)?;
        at += 1;
        while label != 0 {
            match label & 0xc0 {
                0xc0 => return Some(at + 1),
                0x40 => {
                    if label & 0x3f != 1 {
                        return None;
                    }
                    let bits = bit_count(*self.0.get(at)?);
                    at += 1 + bits.div_ceil(8);
                }
                0x80 => return None,
                _ => at += usize::from(label),
            }
            label = *self.0.get(at)?;
            at += 1;
        }
        Some(at)
    }

    /// The high bits of the response code an EDNS OPT record carries (RFC 6891 §6.1.3),
    /// found the way tcpdump finds it: skipping every record before the additional one.
    pub(super) fn extended_rcode(self, [qd, an, ns, ar]: [u32; 4]) -> u32 {
        let end = self.end();
        let mut at = 12;
        for _ in 0..qd {
            let Some(next) = self.skip_name(at) else { return 0 };
            at = next + 4;
            if at >= end {
                return 0;
            }
        }
        for _ in 0..an.saturating_add(ns) {
            let Some(next) = self.skip_name(at) else { return 0 };
            at = next + 8;
            let Ok(rdlen) = self.u16(at) else { return 0 };
            at += 2 + usize::from(rdlen);
            if at >= end {
                return 0;
            }
        }
        for _ in 0..ar {
            let Some(next) = self.skip_name(at) else { return 0 };
            let Ok(kind) = self.u16(next) else { return 0 };
            at = next + 4;
            let Ok(high) = self.u8(at) else { return 0 };
            if kind == 41 {
                return u32::from(high) << 4;
            }
            at += 4;
            let Ok(rdlen) = self.u16(at) else { return 0 };
            at += 2 + usize::from(rdlen);
            if at >= end {
                return 0;
            }
        }
        0
    }

    /// The length of the label at `at` as tcpdump counts it (a pointer's whole first
    /// byte), printing what it cannot read; `None` ends the name.
    pub(super) fn label_len(self, out: &mut Vec<u8>, at: usize) -> Option<usize> {
        let label = *self.0.get(at)?;
        match label & 0xc0 {
            0x40 => {
                let elt = label & 0x3f;
                if elt != 1 {
                    let _ = write!(out, "<ELT {elt}>");
                    return None;
                }
                Some(bit_count(*self.0.get(at + 1)?).div_ceil(8) + 1)
            }
            0x80 => {
                out.extend_from_slice(b"<BAD LABEL TYPE>");
                None
            }
            _ => Some(usize::from(label)),
        }
    }

    /// Prints the name at `at` with its trailing dot; returns where the name ends in the
    /// message (after its first pointer, if any). `Err` for a name tcpdump gives up on.
    pub(super) fn name(self, out: &mut Vec<u8>, mut at: usize) -> Step<usize> {
        let mut len = self.label_len(out, at).ok_or(Cut)?;
        let mut max_offset = at;
        let mut label = self.u8(at)?;
        at += 1;
        let mut compressed = false;
        // Where the name ends in the message: after its labels, or after its first pointer.
        let mut resume = (label & 0xc0 != 0xc0).then_some(at + len);
        if label == 0 {
            out.push(b'.');
            return resume.ok_or(Cut);
        }
        let mut chars: u32 = 0;
        while label != 0 && at < self.end() {
            match label & 0xc0 {
                0xc0 => {
                    if !compressed {
                        resume = Some(at + 1);
                        compressed = true;
                    }
                    let offset = usize::from(u16::from_be_bytes([label, self.u8(at)?]) & 0x3fff);
                    // A pointer must point backwards, or names could loop.
                    if offset >= max_offset {
                        out.extend_from_slice(b"<BAD PTR>");
                        return Err(Cut);
                    }
                    max_offset = offset;
                    at = offset;
                    label = self.u8(at)?;
                    len = self.label_len(out, at).ok_or(Cut)?;
                    at += 1;
                    continue;
                }
                0x40 => {
                    if label & 0x3f != 1 {
                        let _ = write!(out, "<ELT {}>", label & 0x3f);
                        return Err(Cut);
                    }
                    self.bit_label(out, at)?;
                }
                0x80 => {
                    out.extend_from_slice(b"<BAD LABEL TYPE>");
                    return Err(Cut);
                }
                _ => {
                    let room = NAME_MAX.saturating_sub(chars) as usize;
                    if print_chars(out, self.0, at, len.min(room)) {
                        return Err(Cut);
                    }
                    chars = chars.saturating_add(len as u32);
                }
            }
            at += len;
            if chars <= NAME_MAX {
                out.push(b'.');
            }
            chars = chars.saturating_add(1);
            label = self.u8(at)?;
            len = self.label_len(out, at).ok_or(Cut)?;
            at += 1;
            if !compressed {
                resume = resume.map(|r| r + len + 1);
            }
        }
        if chars > NAME_MAX {
            out.extend_from_slice(b"<DOMAIN NAME TOO LONG>");
        }
        resume.ok_or(Cut)
    }

    /// An RFC 2673 bit-string label, as `\[x0a/12]`.
    pub(super) fn bit_label(self, out: &mut Vec<u8>, at: usize) -> Step<()> {
        let bits = bit_count(self.u8(at)?);
        out.extend_from_slice(b"\\[x");
        let mut byte = at + 1;
        let mut left = bits;
        while left > 7 {
            let _ = write!(out, "{:02x}", self.u8(byte)?);
            left -= 8;
            byte += 1;
        }
        if left > 4 {
            let _ = write!(out, "{:02x}", self.u8(byte)? & (0xffu8 << (8 - left)));
        } else if left > 0 {
            let _ = write!(out, "{:1x}", (self.u8(byte)? >> 4) & (0x0f << (4 - left)));
        }
        let _ = write!(out, "/{bits}]");
        Ok(())
    }

    /// A `<character-string>`: a length byte and that many characters.
    pub(super) fn char_string(self, out: &mut Vec<u8>, at: usize) -> Step<usize> {
        let len = usize::from(self.u8(at)?);
        if print_chars(out, self.0, at + 1, len) {
            return Err(Cut);
        }
        Ok(at + 1 + len)
    }
}

/// An RFC 2673 bit count: zero means 256.
fn bit_count(byte: u8) -> usize {
    if byte == 0 { 256 } else { usize::from(byte) }
}

/// Prints `n` bytes from `at` as tcpdump shows text: `M-` for the high bit, `^` for a
/// control character. True when the capture ended first.
pub(super) fn print_chars(out: &mut Vec<u8>, bytes: &[u8], at: usize, n: usize) -> bool {
    let available = bytes.get(at..).unwrap_or_default();
    for &b in available.iter().take(n) {
        push_char(out, b);
    }
    available.len() < n
}

/// One byte as tcpdump prints text.
pub(in crate::decode::summary) fn push_char(out: &mut Vec<u8>, mut b: u8) {
    if !b.is_ascii() {
        b &= 0x7f;
        out.extend_from_slice(b"M-");
    }
    if !(0x20..=0x7e).contains(&b) {
        b ^= 0x40;
        out.push(b'^');
    }
    out.push(b);
}
