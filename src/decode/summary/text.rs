//! Text protocols on TCP as tcpdump shows them: `HTTP: GET / HTTP/1.1`, `SMTP: 220 ready`,
//! `SSH: SSH-2.0-OpenSSH_9.6`; with `-v`, every line of the text, one per output line.

use std::io::Write;

use super::read::{Cut, Printed};

/// A text protocol tcpdump recognises by its port.
#[derive(Clone, Copy)]
pub(super) struct TextProtocol {
    /// The name tcpdump shows in capitals, and in lower case in `[|name]`.
    name: &'static str,
    /// For request/response protocols: the requests that make a segment worth printing
    /// (a response is one whose second word is a three-digit code). `None`: every
    /// segment is text.
    requests: Option<&'static [&'static str]>,
}

const HTTP_REQUESTS: &[&str] = &[
    "GET",
    "PUT",
    "COPY",
    "HEAD",
    "LOCK",
    "MOVE",
    "POLL",
    "POST",
    "BCOPY",
    "BMOVE",
    "MKCOL",
    "TRACE",
    "LABEL",
    "MERGE",
    "DELETE",
    "SEARCH",
    "UNLOCK",
    "REPORT",
    "UPDATE",
    "NOTIFY",
    "BDELETE",
    "CONNECT",
    "OPTIONS",
    "CHECKIN",
    "PROPFIND",
    "CHECKOUT",
    "CCM_POST",
    "SUBSCRIBE",
    "PROPPATCH",
    "BPROPFIND",
    "BPROPPATCH",
    "UNCHECKOUT",
    "MKACTIVITY",
    "MKWORKSPACE",
    "UNSUBSCRIBE",
    "RPC_CONNECT",
    "VERSION-CONTROL",
    "BASELINE-CONTROL",
];

const RTSP_REQUESTS: &[&str] = &[
    "DESCRIBE",
    "ANNOUNCE",
    "GET_PARAMETER",
    "OPTIONS",
    "PAUSE",
    "PLAY",
    "RECORD",
    "REDIRECT",
    "SETUP",
    "SET_PARAMETER",
    "TEARDOWN",
];

pub(super) const SMTP: TextProtocol = TextProtocol { name: "smtp", requests: None };
pub(super) const WHOIS: TextProtocol = TextProtocol { name: "whois", requests: None };
pub(super) const FTP: TextProtocol = TextProtocol { name: "ftp", requests: None };
pub(super) const HTTP: TextProtocol = TextProtocol { name: "http", requests: Some(HTTP_REQUESTS) };
pub(super) const RTSP: TextProtocol = TextProtocol { name: "rtsp", requests: Some(RTSP_REQUESTS) };

/// Appends `: NAME: first line` (or, with `-v`, `: NAME, length: N` and each line); for a
/// request/response protocol, only `: NAME` when the segment starts neither.
/// `bytes` is what was captured of the `len` bytes the segment holds.
pub(super) fn write_text(
    out: &mut Vec<u8>,
    proto: TextProtocol,
    bytes: &[u8],
    len: usize,
    verbose: bool,
) -> Printed {
    let shown = match proto.requests {
        None => true,
        Some(requests) => starts_request_or_response(bytes, len, requests),
    };
    out.extend_from_slice(b": ");
    out.extend(proto.name.bytes().map(|b| b.to_ascii_uppercase()));
    if !shown {
        return Ok(());
    }
    if verbose {
        let _ = write!(out, ", length: {len}");
        let mut at = 0;
        while let Some(next) = text_line(out, "\n\t", proto.name, bytes, at, len)? {
            if next >= len {
                break;
            }
            at = next;
        }
    } else {
        text_line(out, ": ", proto.name, bytes, 0, len)?;
    }
    Ok(())
}

fn starts_request_or_response(bytes: &[u8], len: usize, requests: &[&str]) -> bool {
    let Some((first, next)) = token(bytes, 0, len) else { return false };
    if requests.iter().any(|r| r.eq_ignore_ascii_case(first)) {
        return true;
    }
    // A response names its version first, then a three-digit status.
    token(bytes, next, len)
        .is_some_and(|(code, _)| code.len() == 3 && code.bytes().all(|b| b.is_ascii_digit()))
}

/// The printable word at `at` and where the next one starts, as tcpdump finds them: at
/// most 127 characters, ended by white space; `None` for anything else.
fn token(bytes: &[u8], start: usize, len: usize) -> Option<(&str, usize)> {
    let mut at = start;
    while at < len {
        let c = *bytes.get(at)?;
        if matches!(c, b' ' | b'\t' | b'\r' | b'\n') {
            break;
        }
        if !(0x20..=0x7e).contains(&c) || at - start + 2 > 129 {
            return None;
        }
        at += 1;
    }
    if at == start {
        return None;
    }
    let word = std::str::from_utf8(&bytes[start..at]).ok()?;
    // Only spaces: tcpdump's skip stops at a tab, as at any character it cannot print.
    while at < len && bytes.get(at) == Some(&b' ') {
        at += 1;
    }
    Some((word, at))
}

/// Prints the line starting at `at` after `prefix`: `Ok(Some(next))` past its line end,
/// `Ok(None)` when it is not text (nothing printed) or ends the segment without a line
/// end (printed as cut short), `Err` when the captured bytes end before the segment does.
fn text_line(
    out: &mut Vec<u8>,
    prefix: &str,
    name: &'static str,
    bytes: &[u8],
    start: usize,
    len: usize,
) -> Result<Option<usize>, Cut> {
    let mut at = start;
    let cut = || Cut::jump(name);
    let (end, next) = loop {
        if at >= len {
            out.extend_from_slice(prefix.as_bytes());
            out.extend_from_slice(&bytes[start..at]);
            let _ = write!(out, " [|{name}]");
            return Ok(None);
        }
        let c = *bytes.get(at).ok_or_else(cut)?;
        match c {
            b'\n' => break (at, at + 1),
            b'\r' => {
                if at + 1 >= len {
                    return Ok(None);
                }
                if *bytes.get(at + 1).ok_or_else(cut)? != b'\n' {
                    return Ok(None);
                }
                break (at, at + 2);
            }
            b'\t' | 0x20..=0x7e => at += 1,
            _ => return Ok(None),
        }
    };
    out.extend_from_slice(prefix.as_bytes());
    out.extend_from_slice(&bytes[start..end]);
    Ok(Some(next))
}

/// Appends `: SSH: SSH-2.0-…` for a segment that starts with an SSH version line (RFC
/// 4253 §4.2), nothing for other SSH segments.
pub(super) fn write_ssh_version(out: &mut Vec<u8>, bytes: &[u8], len: usize) -> Printed {
    let cut = || Cut::jump("ssh");
    for (i, expected) in b"SSH-".iter().enumerate() {
        if bytes.get(i).ok_or_else(cut)? != expected {
            return Ok(());
        }
    }
    let mut at = 4;
    while at < len {
        match *bytes.get(at).ok_or_else(cut)? {
            b'\n' => break,
            b'\r' if at + 1 >= len => return Ok(()),
            b'\r' if *bytes.get(at + 1).ok_or_else(cut)? == b'\n' => break,
            0x20..=0x7e => at += 1,
            _ => return Ok(()),
        }
    }
    if at < len {
        out.extend_from_slice(b": SSH: ");
        out.extend_from_slice(&bytes[..at]);
    }
    Ok(())
}
