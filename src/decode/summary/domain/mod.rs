//! DNS and mDNS in tcpdump's words: `0+ A? name. (32)`, `0*- 1/0/0 A 198.18.0.1 (48)`.
//!
//! hark's own DNS reader (`decode::dns`) answers scripts and stops at the first thing it
//! does not understand; a line must instead say what tcpdump says about any bytes on
//! port 53 or 5353, garbage included, down to where it gives up (`[|domain]`). So this
//! walks the message in tcpdump's order: names as it follows their pointers (only
//! backwards), sections as far as the captured bytes go.

use std::io::Write;

use super::push::{push_duration, push_u64};

mod msg;
mod rdata;

use msg::Msg;
pub(super) use msg::push_char;
use rdata::push_type;

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
}
