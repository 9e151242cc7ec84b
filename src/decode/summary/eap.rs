//! EAPOL and EAP (IEEE 802.1X, RFC 3748) as tcpdump prints them: `EAPOL key (3) v1, len
//! 57`; with `-v`, an EAP packet's code, id and, on a line of its own, its method.

use std::io::Write;

use super::domain::push_char;
use super::push::flag_names;
use super::read::{Bytes, Printed};

/// An EAPOL frame.
pub(super) fn write_eapol(out: &mut Vec<u8>, bytes: Bytes<'_>, verbosity: u8) -> Printed {
    let b = Bytes::new(bytes.data, "eap");
    b.check(0, 4)?;
    let kind = b.u8(1)?;
    let name = match kind {
        0 => "EAP packet",
        1 => "EAPOL start",
        2 => "EAPOL logoff",
        3 => "EAPOL key",
        4 => "Encapsulated ASF alert",
        _ => "unknown",
    };
    let len = usize::from(b.u16(2)?);
    let _ = write!(out, "{name} ({kind}) v{}, len {len}", b.u8(0)?);
    if verbosity == 0 || kind != 0 {
        return Ok(());
    }
    if len == 0 {
        out.extend_from_slice(b" [|eap]");
        return Ok(());
    }
    out.extend_from_slice(b", ");
    write_eap(out, b.from(4, "eap"), len)
}

fn write_eap(out: &mut Vec<u8>, b: Bytes<'_>, length: usize) -> Printed {
    let code = b.u8(0)?;
    let len = usize::from(b.u16(2)?);
    if len != length {
        out.extend_from_slice(b"EAP fragment?");
        return Ok(());
    }
    let code_name = match code {
        1 => "Request",
        2 => "Response",
        3 => "Success",
        4 => "Failure",
        _ => "unknown",
    };
    let _ = write!(out, "{code_name} ({code}), id {}, len {len}", b.u8(1)?);
    if len < 4 {
        out.extend_from_slice(b" (too short for EAP header)");
        return Ok(());
    }
    if !b.has(0, len) {
        out.extend_from_slice(b" [|eap]");
        return Ok(());
    }
    if code != 1 && code != 2 {
        return Ok(());
    }
    if len < 5 {
        out.extend_from_slice(b" (too short for EAP request/response)");
        return Ok(());
    }
    let method = b.u8(4)?;
    let _ = write!(out, "\n\t\t Type {} ({method})", method_name(method));
    let short = |out: &mut Vec<u8>, what: &str| {
        let _ = write!(out, " (too short for EAP {what} request/response)");
    };
    match method {
        1 if len > 5 => {
            out.extend_from_slice(b", Identity: ");
            write_until_nul(out, b, 5, len - 5)?;
        }
        2 if len < 6 => short(out, "Notification"),
        2 => {
            out.extend_from_slice(b", Notification: ");
            write_until_nul(out, b, 5, len - 5)?;
        }
        3 if len < 6 => short(out, "Legacy NAK"),
        3 => {
            for at in 5..len {
                let offered = b.u8(at)?;
                let separator = if at == 5 { "" } else { "," };
                let _ = write!(out, "{separator} {} ({offered})", method_name(offered));
            }
        }
        13 | 21 | 43 if len < 6 => {
            short(out, if method == 43 { "FAST" } else { "TLS/TTLS" });
        }
        13 | 21 | 43 => {
            let flags = b.u8(5)?;
            if method == 21 {
                let _ = write!(out, " TTLSv{}", flags & 7);
            } else if method == 43 {
                let _ = write!(out, " FASTv{}", flags & 7);
            }
            let table = [(0x80, "L bit"), (0x40, "More fragments bit"), (0x20, "Start bit")];
            let names = flag_names(u32::from(flags), &table);
            let _ = write!(out, " flags [{names}] 0x{flags:02x}");
            if flags & 0x80 != 0 {
                if len < 10 {
                    let what = if method == 43 { "FAST" } else { "TLS/TTLS" };
                    let _ = write!(out, " (too short for EAP {what} request/response with length)");
                    return Ok(());
                }
                let _ = write!(out, ", len {}", b.u32(6)?);
            }
        }
        18 | 23 if len < 6 => short(out, "SIM/AKA"),
        18 | 23 => {
            let subtype = b.u8(5)?;
            let name = match subtype {
                1 => "Challenge",
                2 => "Auth reject",
                4 => "Sync failure",
                5 => "Identity",
                10 => "Start",
                11 => "Challenge",
                12 => "Notification",
                13 => "Reauth",
                14 => "Client error",
                _ => "unknown",
            };
            let _ = write!(out, " subtype [{name}] 0x{subtype:02x}");
        }
        _ => {}
    }
    Ok(())
}

fn method_name(method: u8) -> &'static str {
    match method {
        0 => "No proposed",
        1 => "Identity",
        2 => "Notification",
        3 => "Nak",
        4 => "MD5-challenge",
        5 => "OTP",
        6 => "GTC",
        13 => "TLS",
        18 => "SIM",
        21 => "TTLS",
        23 => "AKA",
        43 => "FAST",
        254 => "Expanded types",
        255 => "Experimental",
        _ => "unknown",
    }
}

/// Text of at most `n` bytes from `at`, ending at a NUL.
fn write_until_nul(out: &mut Vec<u8>, b: Bytes<'_>, at: usize, n: usize) -> Printed {
    for i in 0..n {
        match b.u8(at + i)? {
            0 => break,
            c => push_char(out, c),
        }
    }
    Ok(())
}
