//! DNS and mDNS in tcpdump's words: `0+ A? name. (32)`, `0*- 1/0/0 A 198.18.0.1 (48)`.
//!
//! hark's own DNS reader (`decode::dns`) answers scripts and stops at the first thing it
//! does not understand; a line must instead say what tcpdump says about any bytes on
//! port 53 or 5353, garbage included, down to where it gives up (`[|domain]`). So this
//! walks the message in tcpdump's order: names as it follows their pointers (only
//! backwards), sections as far as the captured bytes go.

use std::io::Write;
use std::net::{Ipv4Addr, Ipv6Addr};

use super::push::{push_duration, push_ip, push_u64};

/// The longest name tcpdump prints before it says `<DOMAIN NAME TOO LONG>`.
const NAME_MAX: u32 = 255;

/// A read past the captured bytes: tcpdump stops the line with ` [|domain]`.
struct Cut;

type Step<T> = Result<T, Cut>;

/// Prints the DNS-encoded name at `at` in `bytes` as tcpdump does, pointers measured from
/// the start of `bytes`: where the name ends, or `None` where tcpdump gives up on it.
pub(super) fn write_name(out: &mut Vec<u8>, bytes: &[u8], at: usize) -> Option<usize> {
    Msg(bytes).name(out, at).ok()
}

/// Which transport carried the message, and what `-v` asked for.
#[derive(Clone, Copy)]
pub(super) struct Carrier {
    pub over_tcp: bool,
    pub mdns: bool,
    pub verbosity: u8,
}

/// Appends the DNS part of a line for the message in `bytes` (what was captured of it)
/// whose transport claims `length` bytes.
pub(super) fn write_domain(out: &mut Vec<u8>, bytes: &[u8], length: u32, carrier: Carrier) {
    if write_message(out, bytes, length, carrier).is_err() {
        out.extend_from_slice(b" [|domain]");
    }
}

fn write_message(
    out: &mut Vec<u8>,
    mut bytes: &[u8],
    mut length: u32,
    carrier: Carrier,
) -> Step<()> {
    if carrier.over_tcp {
        // RFC 1035 §4.2.2: a TCP message starts with its own length.
        if length < 2 {
            let _ = write!(out, " [DNS over TCP: length {length} < 2] (invalid)");
            return Ok(());
        }
        length -= 2;
        let prefix = Msg(bytes).u16(0)?;
        if u32::from(prefix) != length {
            let _ = write!(out, " [prefix length({prefix}) != length({length})] (invalid)");
            return Ok(());
        }
        bytes = &bytes[2..];
        out.push(b' ');
    }
    if length < 12 {
        let _ = write!(out, "domain [length {length} < 12] (invalid)");
        return Ok(());
    }
    let msg = Msg(bytes);
    let flags = msg.u16(2)?;
    msg.u16(10)?;
    let counts = [msg.u16(4)?, msg.u16(6)?, msg.u16(8)?, msg.u16(10)?].map(u32::from);
    let [qd, an, ns, ar] = counts;
    let view = View { msg, mdns: carrier.mdns, verbosity: carrier.verbosity };
    let opcode = usize::from((flags >> 11) & 0xf);
    if flags & 0x8000 != 0 {
        let rcode = u32::from(flags & 0xf) | msg.extended_rcode(counts);
        push_u64(out, u64::from(msg.u16(0)?));
        out.extend_from_slice(OPCODES[opcode].as_bytes());
        push_rcode(out, rcode);
        let marks = [
            (0x0400, true, b'*'),
            (0x0080, false, b'-'),
            (0x0200, true, b'|'),
            (0x0020, true, b'$'),
        ];
        // Authoritative, recursion *not* available, truncated, authentic data.
        out.extend(marks.iter().filter(|(bit, set, _)| (flags & bit != 0) == *set).map(|m| m.2));
        if qd != 1 {
            let _ = write!(out, " [{qd}q]");
        }
        let mut at = 12;
        for i in 0..qd {
            if i != 0 {
                out.push(b',');
            }
            if carrier.verbosity > 1 {
                out.extend_from_slice(b" q:");
                at = view.question(out, at)?;
            } else {
                at = msg.skip_name(at).ok_or(Cut)? + 4;
            }
        }
        for (i, count) in [an, ns, ar].into_iter().enumerate() {
            out.push(if i == 0 { b' ' } else { b'/' });
            push_u64(out, u64::from(count));
        }
        at = view.records(out, at, an, "")?;
        if carrier.verbosity > 1 {
            at = view.records(out, at, ns, " ns:")?;
            view.records(out, at, ar, " ar:")?;
        }
    } else {
        push_u64(out, u64::from(msg.u16(0)?));
        out.extend_from_slice(OPCODES[opcode].as_bytes());
        if flags & 0x0100 != 0 {
            out.push(b'+');
        }
        if flags & 0x0010 != 0 {
            out.push(b'%');
        }
        // Bits a query should not have set: tcpdump shows them.
        if flags & 0x6cf != 0 {
            let _ = write!(out, " [b2&3=0x{flags:x}]");
        }
        const INVERSE_QUERY: usize = 1;
        if opcode == INVERSE_QUERY {
            if qd != 0 {
                let _ = write!(out, " [{qd}q]");
            }
            if an != 1 {
                let _ = write!(out, " [{an}a]");
            }
        } else {
            if an != 0 {
                let _ = write!(out, " [{an}a]");
            }
            if qd != 1 {
                let _ = write!(out, " [{qd}q]");
            }
        }
        if ns != 0 {
            let _ = write!(out, " [{ns}n]");
        }
        if ar != 0 {
            let _ = write!(out, " [{ar}au]");
        }
        let mut at = 12;
        for i in 0..qd {
            if i > 0 && at >= msg.end() {
                return Err(Cut);
            }
            at = view.question(out, at)?;
        }
        if carrier.verbosity > 1 {
            at = view.records(out, at, an, "")?;
            at = view.records(out, at, ns, " ns:")?;
            view.records(out, at, ar, " ar:")?;
        }
    }
    out.extend_from_slice(b" (");
    push_u64(out, u64::from(length));
    out.push(b')');
    Ok(())
}

const OPCODES: [&str; 16] = [
    "",
    " inv_q",
    " stat",
    " op3",
    " notify",
    " update",
    " op6",
    " op7",
    " op8",
    " updateA",
    " updateD",
    " updateDA",
    " updateM",
    " updateMA",
    " zoneInit",
    " zoneRef",
];

/// tcpdump's names for response codes; three of them lack the leading space in tcpdump's
/// table, and the line keeps that.
fn push_rcode(out: &mut Vec<u8>, rcode: u32) {
    const NAMES: [&str; 24] = [
        "",
        " FormErr",
        " ServFail",
        " NXDomain",
        " NotImp",
        " Refused",
        " YXDomain",
        " YXRRSet",
        " NXRRSet",
        " NotAuth",
        " NotZone",
        " Resp11",
        " Resp12",
        " Resp13",
        " Resp14",
        " NoChange",
        " BadVers",
        "Resp17",
        " Resp18",
        " Resp19",
        " Resp20",
        "Resp21",
        " Resp22",
        " BadCookie",
    ];
    match NAMES.get(rcode as usize) {
        Some(name) => out.extend_from_slice(name.as_bytes()),
        None => drop(write!(out, " Resp{}", rcode & 0xfff)),
    }
}

/// The captured bytes of a message; offsets past the end read as a cut.
#[derive(Clone, Copy)]
struct Msg<'a>(&'a [u8]);

impl Msg<'_> {
    fn end(self) -> usize {
        self.0.len()
    }

    fn has(self, at: usize, n: usize) -> bool {
        at.checked_add(n).is_some_and(|end| end <= self.0.len())
    }

    fn u8(self, at: usize) -> Step<u8> {
        self.0.get(at).copied().ok_or(Cut)
    }

    fn u16(self, at: usize) -> Step<u16> {
        Ok(u16::from_be_bytes([self.u8(at)?, self.u8(at.wrapping_add(1))?]))
    }

    fn u32(self, at: usize) -> Step<u32> {
        Ok(u32::from(self.u16(at)?) << 16 | u32::from(self.u16(at.wrapping_add(2))?))
    }

    /// Where the name at `at` ends, or `None` where it runs past the capture or uses a
    /// label type that cannot be skipped.
    fn skip_name(self, mut at: usize) -> Option<usize> {
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
    fn extended_rcode(self, [qd, an, ns, ar]: [u32; 4]) -> u32 {
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
    fn label_len(self, out: &mut Vec<u8>, at: usize) -> Option<usize> {
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
    fn name(self, out: &mut Vec<u8>, mut at: usize) -> Step<usize> {
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
    fn bit_label(self, out: &mut Vec<u8>, at: usize) -> Step<()> {
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
    fn char_string(self, out: &mut Vec<u8>, at: usize) -> Step<usize> {
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
fn print_chars(out: &mut Vec<u8>, bytes: &[u8], at: usize, n: usize) -> bool {
    let available = bytes.get(at..).unwrap_or_default();
    for &b in available.iter().take(n) {
        push_char(out, b);
    }
    available.len() < n
}

/// One byte as tcpdump prints text.
pub(super) fn push_char(out: &mut Vec<u8>, mut b: u8) {
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

/// The message with how to print it.
struct View<'a> {
    msg: Msg<'a>,
    mdns: bool,
    verbosity: u8,
}

impl View<'_> {
    fn question(&self, out: &mut Vec<u8>, at: usize) -> Step<usize> {
        let msg = self.msg;
        let fields = msg.skip_name(at).filter(|&f| msg.has(f, 4)).ok_or(Cut)?;
        out.push(b' ');
        push_type(out, msg.u16(fields)?);
        let class = msg.u16(fields + 2)?;
        self.push_class(out, class, class & 0x7fff, false);
        if self.mdns {
            // mDNS's top class bit asks for a unicast answer (RFC 6762 §5.4).
            out.extend_from_slice(if class & 0x8000 != 0 { b" (QU)" } else { b" (QM)" });
        }
        out.extend_from_slice(b"? ");
        Ok(msg.name(out, at)? + 4)
    }

    fn push_class(&self, out: &mut Vec<u8>, raw: u16, without_top_bit: u16, is_opt: bool) {
        let class = if self.mdns { without_top_bit } else { raw };
        if class != 1 && !is_opt {
            out.push(b' ');
            match class {
                3 => out.extend_from_slice(b"CHAOS"),
                4 => out.extend_from_slice(b"HS"),
                255 => out.extend_from_slice(b"ANY"),
                _ => drop(write!(out, "(Class {class})")),
            }
        }
    }

    /// `count` records from `at`, the first after `heading`, comma-separated.
    fn records(&self, out: &mut Vec<u8>, mut at: usize, count: u32, heading: &str) -> Step<usize> {
        let end = self.msg.end();
        if count == 0 {
            return Ok(at);
        }
        if !heading.is_empty() && at >= end {
            return Err(Cut);
        }
        out.extend_from_slice(heading.as_bytes());
        for i in 0..count {
            if i > 0 {
                if at >= end {
                    return Err(Cut);
                }
                out.push(b',');
            }
            at = self.record(out, at)?;
        }
        Ok(at)
    }

    fn record(&self, out: &mut Vec<u8>, at: usize) -> Step<usize> {
        let msg = self.msg;
        let fields = if self.verbosity > 0 {
            out.push(b' ');
            Some(msg.name(out, at)?)
        } else {
            msg.skip_name(at)
        };
        // tcpdump passes over a record it cannot read to the end of the capture.
        let Some(mut at) = fields.filter(|&f| msg.has(f, 10)) else { return Ok(msg.end()) };
        let kind = msg.u16(at)?;
        let class = msg.u16(at + 2)?;
        at += 4;
        const OPT: u16 = 41;
        self.push_class(out, class, class & 0x7fff, kind == OPT);
        if self.mdns && class & 0x8000 != 0 {
            out.extend_from_slice(b" (Cache flush)");
        }
        let mut opt_flags = 0;
        if kind == OPT {
            opt_flags = msg.u16(at + 2)?;
        } else if self.verbosity > 2 {
            out.extend_from_slice(b" [");
            push_duration(out, msg.u32(at)?);
            out.push(b']');
        }
        at += 4;
        let len = usize::from(msg.u16(at)?);
        at += 2;
        let rdata_end = at + len;
        out.push(b' ');
        push_type(out, kind);
        if rdata_end > msg.end() {
            return Err(Cut);
        }
        self.rdata(out, kind, class, opt_flags, at, rdata_end)?;
        Ok(rdata_end)
    }

    fn rdata(
        &self,
        out: &mut Vec<u8>,
        kind: u16,
        class: u16,
        opt_flags: u16,
        mut at: usize,
        end: usize,
    ) -> Step<()> {
        let msg = self.msg;
        let start = at;
        let need = |n: usize| if msg.has(start, n) { Ok(()) } else { Err(Cut) };
        match kind {
            1 => {
                need(4)?;
                out.push(b' ');
                push_ip(out, Ipv4Addr::from(msg.u32(at)?).into());
            }
            2 | 5 | 12 | 39 => {
                out.push(b' ');
                msg.name(out, at)?;
            }
            6 if self.verbosity > 0 => {
                out.push(b' ');
                at = msg.name(out, at)?;
                out.push(b' ');
                at = msg.name(out, at)?;
                if !msg.has(at, 20) {
                    return Err(Cut);
                }
                for i in 0..5 {
                    out.push(b' ');
                    push_u64(out, u64::from(msg.u32(at + 4 * i)?));
                }
            }
            15 => {
                out.push(b' ');
                need(2)?;
                msg.name(out, at + 2)?;
                out.push(b' ');
                push_u64(out, u64::from(msg.u16(at)?));
            }
            16 => {
                while at < end {
                    out.extend_from_slice(b" \"");
                    at = msg.char_string(out, at)?;
                    out.push(b'"');
                }
            }
            33 => {
                out.push(b' ');
                need(6)?;
                msg.name(out, at + 6)?;
                let (port, priority, weight) = (msg.u16(at + 4)?, msg.u16(at)?, msg.u16(at + 2)?);
                let _ = write!(out, ":{port} {priority} {weight}");
            }
            28 => {
                need(16)?;
                let mut octets = [0u8; 16];
                octets.copy_from_slice(&msg.0[at..at + 16]);
                let _ = write!(out, " {}", Ipv6Addr::from(octets));
            }
            38 => self.a6(out, at)?,
            256 => {
                need(end - at)?;
                let _ = write!(out, " {} {} ", msg.u16(at)?, msg.u16(at + 2)?);
                // A record shorter than its fixed fields reads on to the capture's end.
                let text = (end - at).checked_sub(4).unwrap_or(usize::MAX);
                if print_chars(out, msg.0, at + 4, text) {
                    return Err(Cut);
                }
            }
            41 => {
                let size = if self.mdns { class & 0x7fff } else { class };
                let _ = write!(out, " UDPsize={size}");
                if opt_flags & 0x8000 != 0 {
                    out.extend_from_slice(b" DO");
                }
                if at < end {
                    out.extend_from_slice(b" [");
                    while at < end {
                        at = self.edns_option(out, at)?;
                        if at < end {
                            out.push(b',');
                        }
                    }
                    out.push(b']');
                }
            }
            104 => {
                need(end - at)?;
                if print_chars(out, msg.0, at, end - at) {
                    return Err(Cut);
                }
            }
            250 if self.verbosity > 0 => {
                out.push(b' ');
                at = msg.name(out, at)? + 6;
                let _ = write!(out, " fudge={}", msg.u16(at)?);
                let mac_len = msg.u16(at + 2)?;
                let _ = write!(out, " maclen={mac_len}");
                at += 4 + usize::from(mac_len);
                let _ = write!(out, " origid={}", msg.u16(at)?);
                let _ = write!(out, " error={}", msg.u16(at + 2)?);
                let _ = write!(out, " otherlen={}", msg.u16(at + 4)?);
            }
            _ => {}
        }
        Ok(())
    }

    /// RFC 2874's A6: a prefix length, the address bits below it, the prefix's name.
    fn a6(&self, out: &mut Vec<u8>, at: usize) -> Step<()> {
        let msg = self.msg;
        let prefix_bits = usize::from(msg.u8(at)?);
        let prefix_bytes = prefix_bits / 8;
        if prefix_bits > 128 {
            let _ = write!(out, " {prefix_bits}(bad plen)");
            return Ok(());
        }
        if prefix_bits < 128 {
            let mut octets = [0u8; 16];
            for (i, octet) in octets.iter_mut().enumerate().skip(prefix_bytes) {
                *octet = msg.u8(at + 1 + i - prefix_bytes)?;
            }
            let _ = write!(out, " {prefix_bits} {}", Ipv6Addr::from(octets));
        }
        if prefix_bits > 0 {
            out.push(b' ');
            msg.name(out, at + 1 + 16 - prefix_bytes)?;
        }
        Ok(())
    }

    /// One EDNS option (RFC 6891 §6.1.2) in tcpdump's words.
    fn edns_option(&self, out: &mut Vec<u8>, at: usize) -> Step<usize> {
        let msg = self.msg;
        let code = msg.u16(at)?;
        push_edns_option_name(out, code);
        let len = usize::from(msg.u16(at + 2)?);
        let data = at + 4;
        let bytes = msg.0.get(data..data + len).ok_or(Cut)?;
        if len == 0 {
            return Ok(data);
        }
        out.push(b' ');
        let invalid = |out: &mut Vec<u8>| out.extend_from_slice(b" (invalid)");
        let u16_at = |i: usize| u16::from_be_bytes([bytes[i], bytes[i + 1]]);
        match code {
            8 => push_client_subnet(out, bytes),
            10 if len < 8 || (len > 8 && len < 16) || len > 40 => invalid(out),
            10 => {
                for (i, b) in bytes.iter().enumerate() {
                    if i == 8 {
                        out.push(b' ');
                    }
                    let _ = write!(out, "{b:02x}");
                }
            }
            11 if len != 2 => invalid(out),
            11 => drop(write!(out, "{:.1} sec", f64::from(u16_at(0)) / 10.0)),
            9 if len != 4 => invalid(out),
            9 => drop(write!(out, "{} sec", u32::from(u16_at(0)) << 16 | u32::from(u16_at(2)))),
            12 => drop(write!(out, "({len})")),
            14 if len % 2 != 0 => invalid(out),
            14 => {
                for i in (0..len).step_by(2) {
                    if i > 0 {
                        out.push(b' ');
                    }
                    push_u64(out, u64::from(u16_at(i)));
                }
            }
            5..=7 => {
                for (i, &alg) in bytes.iter().enumerate() {
                    if i > 0 {
                        out.push(b' ');
                    }
                    push_algorithm(out, code, alg);
                }
            }
            13 => {
                // The chained-query name, read within the option alone.
                let _ = Msg(bytes).name(out, 0);
            }
            _ => {
                for b in bytes {
                    let _ = write!(out, "{b:02x}");
                }
            }
        }
        Ok(data + len)
    }
}

fn push_edns_option_name(out: &mut Vec<u8>, code: u16) {
    let name = match code {
        1 => "LLQ",
        2 => "UL",
        3 => "NSID",
        5 => "DAU",
        6 => "DHU",
        7 => "N3U",
        8 => "ECS",
        9 => "EXPIRE",
        10 => "COOKIE",
        11 => "KEEPALIVE",
        12 => "PADDING",
        13 => "CHAIN",
        14 => "KEY-TAG",
        16 => "CLIENT-TAG",
        17 => "SERVER-TAG",
        _ => return drop(write!(out, "Opt{code}")),
    };
    out.extend_from_slice(name.as_bytes());
}

/// RFC 6975's algorithm lists: DNSSEC algorithms (DAU), DS hashes (DHU), NSEC3 hashes (N3U).
fn push_algorithm(out: &mut Vec<u8>, option: u16, alg: u8) {
    let name = match (option, alg) {
        (5, 0) => "DELETE",
        (5, 1) => "RSAMD5",
        (5, 2) => "DH",
        (5, 3) => "DS",
        (5, 5) => "RSASHA1",
        (5, 6) => "DSA-NSEC3-SHA1",
        (5, 7) => "RSASHA1-NSEC3-SHA1",
        (5, 8) => "RSASHA256",
        (5, 10) => "RSASHA512",
        (5, 12) => "ECC-GOST",
        (5, 13) => "ECDSAP256SHA256",
        (5, 14) => "ECDSAP384SHA384",
        (5, 15) => "ED25519",
        (5, 16) => "ED448",
        (5, 252) => "INDIRECT",
        (5, 253) => "PRIVATEDNS",
        (5, 254) => "PRIVATEOID",
        (6, 1) | (7, 1) => "SHA-1",
        (6, 2) => "SHA-256",
        (6, 3) => "GOST_R_34.11-94",
        (6, 4) => "SHA-384",
        _ => return drop(write!(out, "Alg_{alg}")),
    };
    out.extend_from_slice(name.as_bytes());
}

/// RFC 7871's client subnet: `family address/source/scope`, shown as `addr/src/scope`.
fn push_client_subnet(out: &mut Vec<u8>, bytes: &[u8]) {
    let invalid = |out: &mut Vec<u8>| out.extend_from_slice(b" (invalid)");
    let [f0, f1, source, scope, address @ ..] = bytes else { return invalid(out) };
    let width = match u16::from_be_bytes([*f0, *f1]) {
        1 => 32,
        2 => 128,
        _ => return invalid(out),
    };
    let (source, scope) = (usize::from(*source), usize::from(*scope));
    if address.len() > width / 8
        || source > width
        || scope > width
        || source.div_ceil(8) != address.len()
    {
        return invalid(out);
    }
    let mut padded = [0u8; 16];
    padded[..address.len()].copy_from_slice(address);
    let _ = if width == 32 {
        write!(
            out,
            "{}/{source}/{scope}",
            Ipv4Addr::new(padded[0], padded[1], padded[2], padded[3])
        )
    } else {
        write!(out, "{}/{source}/{scope}", Ipv6Addr::from(padded))
    };
}

/// A record or question type as tcpdump names it, `TypeN` otherwise.
fn push_type(out: &mut Vec<u8>, kind: u16) {
    const NAMES: [&str; 49] = [
        "", "A", "NS", "MD", "MF", "CNAME", "SOA", "MB", "MG", "MR", "NULL", "WKS", "PTR", "HINFO",
        "MINFO", "MX", "TXT", "RP", "AFSDB", "X25", "ISDN", "RT", "NSAP", "NSAP_PTR", "SIG", "KEY",
        "PX", "GPOS", "AAAA", "LOC", "NXT", "EID", "NIMLOC", "SRV", "ATMA", "NAPTR", "KX", "CERT",
        "A6", "DNAME", "SINK", "OPT", "APL", "DS", "SSHFP", "IPSECKEY", "RRSIG", "NSEC", "DNSKEY",
    ];
    let name = match kind {
        1..=48 => NAMES[usize::from(kind)],
        99 => "SPF",
        100 => "UINFO",
        101 => "UID",
        102 => "GID",
        103 => "UNSPEC",
        104 => "UNSPECA",
        249 => "TKEY",
        250 => "TSIG",
        251 => "IXFR",
        252 => "AXFR",
        253 => "MAILB",
        254 => "MAILA",
        255 => "ANY",
        256 => "URI",
        _ => return drop(write!(out, "Type{kind}")),
    };
    out.extend_from_slice(name.as_bytes());
}
