//! TCP in tcpdump's words: flags, sequence range, ack, window, options, length.

use std::io::Write;

use super::checksum::expected_checksum;
use super::domain::{Carrier, push_char, write_domain};
use super::ip::{Ctx, Net};
use super::mptcp::write_mptcp;
use super::push::{push_ip, push_u64};
use super::read::{Cut, Printed};
use super::text::{FTP, HTTP, RTSP, SMTP, WHOIS, write_ssh_version, write_text};

const TCP: u8 = 6;

/// A TCP segment: `bytes` is what was captured of it, `length` its length by the IP
/// header's count.
pub(super) fn write_tcp(
    out: &mut Vec<u8>,
    ctx: &mut Ctx<'_>,
    net: Net<'_>,
    bytes: &[u8],
    length: usize,
    fragmented: bool,
) -> Printed {
    let Some(ports) = bytes.get(..4) else {
        push_ip(out, net.src());
        out.extend_from_slice(b" > ");
        push_ip(out, net.dst());
        out.push(b':');
        return Err(Cut::check("tcp"));
    };
    let (sport, dport) =
        (u16::from_be_bytes([ports[0], ports[1]]), u16::from_be_bytes([ports[2], ports[3]]));
    net.push_ends(out, TCP, sport, dport);
    let header = bytes.get(..20).ok_or(Cut::check("tcp"))?;
    let word = |at: usize| u16::from_be_bytes([header[at], header[at + 1]]);
    let long = |at: usize| u32::from(word(at)) << 16 | u32::from(word(at + 2));
    let header_len = usize::from(header[12] >> 4) * 4;
    if header_len < 20 {
        let _ = write!(
            out,
            " tcp {} [bad hdr length {header_len} - too short, < 20]",
            (length as u32).wrapping_sub(header_len as u32)
        );
        return Ok(());
    }
    let flags = u16::from_be_bytes([header[12], header[13]]) & 0x0fff;
    out.extend_from_slice(b"Flags [");
    push_tcp_flags(out, flags);
    out.push(b']');
    let (mut seq, mut ack, mut sack_base) = (long(4), long(8), 0);
    if let Some(seqs) = ctx.seqs.as_deref_mut() {
        let (src, dst) = ((net.src(), sport), (net.dst(), dport));
        (seq, ack, sack_base) = seqs.relative(src, dst, seq, ack, flags);
    }
    if header_len > length {
        let _ = write!(out, " [bad hdr length {header_len} - too long, > {length}]");
        return Ok(());
    }
    let verbosity = ctx.verbosity();
    if verbosity > 0 && !ctx.opts.ignore_checksums && !fragmented {
        // As tcpdump, only a checksum that can be verified is shown.
        let expected = bytes
            .get(..length)
            .and_then(|segment| expected_checksum(net.pseudo_sum(TCP, length), segment, 16, false));
        if let Some(expected) = expected {
            let stored = word(16);
            let _ = if expected == stored {
                write!(out, ", cksum 0x{stored:04x} (correct)")
            } else {
                write!(out, ", cksum 0x{stored:04x} (incorrect -> 0x{expected:04x})")
            };
        }
    }
    let length = length - header_len;
    // tcpdump shows the sequence number only where it says something: data, SYN, FIN or
    // RST (or always, with -vv); with data, as the range it covers.
    const SYN_FIN_RST: u16 = 0x07;
    if verbosity > 1 || length > 0 || flags & SYN_FIN_RST != 0 {
        out.extend_from_slice(b", seq ");
        push_u64(out, u64::from(seq));
        if length > 0 {
            out.push(b':');
            push_u64(out, u64::from(seq.wrapping_add(length as u32)));
        }
    }
    const ACK: u16 = 0x10;
    const URG: u16 = 0x20;
    const RST: u16 = 0x04;
    if flags & ACK != 0 {
        out.extend_from_slice(b", ack ");
        push_u64(out, u64::from(ack));
    }
    out.extend_from_slice(b", win ");
    push_u64(out, u64::from(word(14)));
    if flags & URG != 0 {
        out.extend_from_slice(b", urg ");
        push_u64(out, u64::from(word(18)));
    }
    if header_len > 20 {
        let options = &bytes[20..bytes.len().min(header_len)];
        if !write_options(out, options, header_len - 20, sack_base, flags)? {
            return Ok(());
        }
    }
    out.extend_from_slice(b", length ");
    push_u64(out, length as u64);
    if length == 0 {
        return Ok(());
    }
    let Some(data) = bytes.get(header_len..) else {
        let _ = write!(out, " [remaining caplen({}) < header length({header_len})]", bytes.len());
        return Err(Cut::jump("tcp"));
    };
    if flags & RST != 0 && verbosity > 0 {
        write_reset_text(out, data, length);
        return Ok(());
    }
    // tcpdump tries the ports in this order and the first that either end uses decides,
    // whether or not hark has that printer (telnet, BGP, PPTP, Redis, NetBIOS, SMB, BEEP
    // and OpenFlow it leaves to its own summary, where the line ends here).
    const ORDER: [u16; 18] =
        [23, 25, 43, 179, 1723, 6379, 22, 139, 445, 10288, 6633, 6653, 21, 80, 8080, 554, 8554, 53];
    let text = match ORDER.into_iter().find(|&p| sport == p || dport == p) {
        Some(25) => SMTP,
        Some(43) => WHOIS,
        Some(21) => FTP,
        Some(80 | 8080) => HTTP,
        Some(554 | 8554) => RTSP,
        Some(22) => return write_ssh_version(out, data, length),
        Some(53) => {
            let carrier = Carrier { over_tcp: true, mdns: false, verbosity };
            write_domain(out, data, length as u32, carrier);
            return Ok(());
        }
        _ => return Ok(()),
    };
    write_text(out, text, data, length, verbosity > 0)
}

/// The text a reset carries (RFC 9293 §3.5.3 suggests a reason), as `-v` shows it.
fn write_reset_text(out: &mut Vec<u8>, data: &[u8], length: usize) {
    const MOST: usize = 30;
    out.extend_from_slice(if data.len() >= length { b" [RST" } else { b" [!RST" });
    if length > MOST {
        out.push(b'+');
    }
    out.push(b' ');
    for &b in data.iter().take(length.min(MOST)) {
        push_char(out, b);
    }
    out.push(b']');
}

/// Appends `, options [mss 1460,sackOK,TS val 1 ecr 0,nop,wscale 7]`. `options` is what
/// was captured of the `room` bytes the header leaves for them. False when the line ends
/// with them (`[bad opt]`, or cut short where tcpdump checked first).
fn write_options(
    out: &mut Vec<u8>,
    options: &[u8],
    room: usize,
    sack_base: u32,
    tcp_flags: u16,
) -> Result<bool, Cut> {
    out.extend_from_slice(b", options [");
    let mut left = room;
    let mut at = 0;
    let mut first = true;
    while left > 0 {
        if !first {
            out.push(b',');
        }
        let result = write_option(out, options, &mut at, &mut left, sack_base, tcp_flags);
        match result {
            Ok(OptionEnd::More) => first = false,
            Ok(OptionEnd::List) => break,
            Err(OptionFault::Bad) => {
                // tcpdump closes the list only after a first option.
                out.extend_from_slice(if first { b"[bad opt]" } else { b"[bad opt]]" });
                return Ok(false);
            }
            Err(OptionFault::Cut { closes: true }) => {
                out.extend_from_slice(b" [|tcp]");
                if !first {
                    out.push(b'>');
                }
                return Ok(false);
            }
            Err(OptionFault::Cut { closes: false }) => return Err(Cut::jump("tcp")),
        }
    }
    out.push(b']');
    Ok(true)
}

enum OptionEnd {
    More,
    /// An end-of-list option.
    List,
}

enum OptionFault {
    /// A length that does not fit: `[bad opt]`.
    Bad,
    /// The capture ended inside the options; `closes` where tcpdump's own check caught it
    /// (and so prints a closing `>`), not its byte reader.
    Cut { closes: bool },
}

/// One option at `*at`, by RFC 9293 §3.2 and the RFCs of each kind.
fn write_option(
    out: &mut Vec<u8>,
    options: &[u8],
    at: &mut usize,
    left: &mut usize,
    sack_base: u32,
    tcp_flags: u16,
) -> Result<OptionEnd, OptionFault> {
    let byte = |i: usize| options.get(i).copied().ok_or(OptionFault::Cut { closes: false });
    let kind = byte(*at)?;
    *at += 1;
    const END: u8 = 0;
    const NOP: u8 = 1;
    let len = if kind == END || kind == NOP {
        1
    } else {
        let len = usize::from(byte(*at)?);
        *at += 1;
        if len < 2 || len > *left {
            return Err(OptionFault::Bad);
        }
        *left -= 1;
        len
    };
    *left -= 1;
    let start = *at;
    let left_now = *left;
    // Bytes the option's own length promises, and that the capture holds.
    let need = |n: usize| {
        if n > left_now {
            Err(OptionFault::Bad)
        } else if start + n > options.len() {
            Err(OptionFault::Cut { closes: true })
        } else {
            Ok(&options[start..start + n])
        }
    };
    let be32 = |b: &[u8]| u32::from_be_bytes([b[0], b[1], b[2], b[3]]);
    push_option_name(out, kind);
    let data_len = match kind {
        2 => {
            let d = need(2)?;
            out.push(b' ');
            push_u64(out, u64::from(u16::from_be_bytes([d[0], d[1]])));
            2
        }
        3 => {
            out.push(b' ');
            push_u64(out, u64::from(need(1)?[0]));
            1
        }
        5 => {
            let data_len = len - 2;
            if data_len % 8 != 0 {
                out.extend_from_slice(b" invalid sack");
            } else {
                let _ = write!(out, " {} ", data_len / 8);
                for i in (0..data_len).step_by(8) {
                    let edge_start = be32(&need(i + 4)?[i..]).wrapping_sub(sack_base);
                    let edge_end = be32(&need(i + 8)?[i + 4..]).wrapping_sub(sack_base);
                    let _ = write!(out, "{{{edge_start}:{edge_end}}}");
                }
            }
            data_len
        }
        6 | 7 | 11..=13 => {
            let _ = write!(out, " {}", be32(need(4)?));
            4
        }
        8 => {
            let d = need(8)?;
            out.extend_from_slice(b" val ");
            push_u64(out, u64::from(be32(d)));
            out.extend_from_slice(b" ecr ");
            push_u64(out, u64::from(be32(&d[4..])));
            8
        }
        19 => {
            // RFC 2385's digest: hark takes no secret (tcpdump's -M), so cannot check it.
            out.extend_from_slice(b" shared secret not supplied with -M, can't check - ");
            need(16)?.iter().for_each(|b| drop(write!(out, "{b:02x}")));
            16
        }
        20 => {
            let d = need(2)?;
            let _ = write!(out, " cap {:02x} id {}", d[0], d[1]);
            2
        }
        28 => {
            let d = need(2)?;
            let raw = u16::from_be_bytes([d[0], d[1]]);
            // RFC 5482: the low bit says minutes.
            let secs = if raw & 1 != 0 { u32::from(raw >> 1) * 60 } else { u32::from(raw >> 1) };
            let _ = write!(out, " 0x{raw:x} {secs}");
            2
        }
        29 => {
            let data_len = len - 2;
            if data_len < 2 {
                out.extend_from_slice(b" (invalid)");
            } else {
                let _ = write!(out, " keyid {}", need(1)?[0]);
                let _ = write!(out, " rnextkeyid {}", need(2)?[1]);
                if data_len > 2 {
                    out.extend_from_slice(b" mac 0x");
                    for i in 2..data_len {
                        let _ = write!(out, "{:02x}", need(i + 1)?[i]);
                    }
                }
            }
            data_len
        }
        30 => {
            need(len - 2)?;
            let option = &options[start - 2..start + len - 2];
            match write_mptcp(out, option, tcp_flags) {
                Ok(true) => {}
                Ok(false) => return Err(OptionFault::Bad),
                Err(_) => return Err(OptionFault::Cut { closes: false }),
            }
            len - 2
        }
        34 => {
            let data = need(len - 2)?;
            out.push(b' ');
            push_fast_open(out, data);
            len - 2
        }
        254 => {
            let data = need(len - 2)?;
            let [m0, m1, rest @ ..] = data else { return Err(OptionFault::Bad) };
            out.push(b'-');
            // RFC 6994's experiment identifier; RFC 7413's fast open has 0xf989.
            match u16::from_be_bytes([*m0, *m1]) {
                0xf989 => {
                    out.extend_from_slice(b"tfo");
                    push_fast_open(out, rest);
                }
                magic => drop(write!(out, "{magic:04x}")),
            }
            len - 2
        }
        END | NOP | 4 => 0,
        _ => {
            let data_len = len - 2;
            if data_len > 0 {
                out.extend_from_slice(b" 0x");
            }
            for i in 0..data_len {
                let _ = write!(out, "{:02x}", need(i + 1)?[i]);
            }
            data_len
        }
    };
    *at += data_len;
    *left -= data_len;
    let spelled = data_len + if kind == END || kind == NOP { 1 } else { 2 };
    if spelled != len {
        let _ = write!(out, "[len {len}]");
    }
    Ok(if kind == END { OptionEnd::List } else { OptionEnd::More })
}

fn push_option_name(out: &mut Vec<u8>, kind: u8) {
    let name = match kind {
        0 => "eol",
        1 => "nop",
        2 => "mss",
        3 => "wscale",
        4 => "sackOK",
        5 => "sack",
        6 => "echo",
        7 => "echoreply",
        8 => "TS",
        11 => "cc",
        12 => "ccnew",
        13 => "",
        19 => "md5",
        20 => "scps",
        28 => "uto",
        29 => "tcp-ao",
        30 => "mptcp",
        34 => "tfo",
        254 => "exp",
        _ => return drop(write!(out, "unknown-{kind}")),
    };
    out.extend_from_slice(name.as_bytes());
}

/// RFC 7413's cookie, or its request when empty.
fn push_fast_open(out: &mut Vec<u8>, cookie: &[u8]) {
    if cookie.is_empty() {
        out.extend_from_slice(b" cookiereq");
    } else if cookie.len() % 2 != 0 || cookie.len() < 4 || cookie.len() > 16 {
        out.extend_from_slice(b" (invalid)");
    } else {
        out.extend_from_slice(b" cookie ");
        cookie.iter().for_each(|b| drop(write!(out, "{b:02x}")));
    }
}

/// Appends tcpdump's flag letters: F S R P . U E W e, or `none`.
pub fn push_tcp_flags(out: &mut Vec<u8>, flags: u16) {
    const LETTERS: [(u16, u8); 9] = [
        (0x001, b'F'),
        (0x002, b'S'),
        (0x004, b'R'),
        (0x008, b'P'),
        (0x010, b'.'),
        (0x020, b'U'),
        (0x040, b'E'),
        (0x080, b'W'),
        (0x100, b'e'),
    ];
    if flags & 0x1ff == 0 {
        out.extend_from_slice(b"none");
    }
    out.extend(LETTERS.iter().filter(|(bit, _)| flags & bit != 0).map(|(_, c)| *c));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_read_as_tcpdump_writes_them() {
        for (flags, text) in
            [(0x012, "S."), (0x018, "P."), (0x0c2, "SEW"), (0, "none"), (0x200, "none")]
        {
            let mut out = Vec::new();
            push_tcp_flags(&mut out, flags);
            assert_eq!(out, text.as_bytes(), "flags {flags:#x}");
        }
    }
}
