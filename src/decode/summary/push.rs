//! Numbers, addresses and times appended to a line by hand: `format!` would be most of the
//! cost of a line.

use std::io::Write;
use std::net::IpAddr;

/// `HH:MM:SS` of the day `secs` falls in, in UTC.
pub fn push_hms(out: &mut Vec<u8>, secs: i64) {
    let day = secs.rem_euclid(86_400);
    push_2(out, (day / 3600) as u32);
    out.push(b':');
    push_2(out, ((day / 60) % 60) as u32);
    out.push(b':');
    push_2(out, (day % 60) as u32);
}

/// Appends an address: IPv4 by hand, IPv6 in RFC 5952 form.
pub fn push_ip(out: &mut Vec<u8>, addr: IpAddr) {
    match addr {
        IpAddr::V4(v4) => push_ipv4_bytes(out, &v4.octets()),
        IpAddr::V6(v6) => {
            let _ = write!(out, "{v6}");
        }
    }
}

fn push_ipv4_bytes(out: &mut Vec<u8>, octets: &[u8]) {
    for (i, &b) in octets.iter().enumerate() {
        if i > 0 {
            out.push(b'.');
        }
        push_octet(out, b);
    }
}

/// Appends a byte in decimal: the hottest number in a line, so it skips the general path.
fn push_octet(out: &mut Vec<u8>, b: u8) {
    if b >= 100 {
        out.extend_from_slice(&[b'0' + b / 100, b'0' + b / 10 % 10, b'0' + b % 10]);
    } else if b >= 10 {
        out.extend_from_slice(&[b'0' + b / 10, b'0' + b % 10]);
    } else {
        out.push(b'0' + b);
    }
}

/// Appends a MAC address as `aa:bb:cc:dd:ee:ff`.
pub fn push_mac(out: &mut Vec<u8>, mac: &[u8]) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    for (i, b) in mac.iter().enumerate() {
        if i > 0 {
            out.push(b':');
        }
        out.push(HEX[usize::from(b >> 4)]);
        out.push(HEX[usize::from(b & 15)]);
    }
}

/// Appends a decimal integer.
pub fn push_u64(out: &mut Vec<u8>, n: u64) {
    let mut digits = [0u8; 20];
    let mut at = digits.len();
    let mut rest = n;
    loop {
        at -= 1;
        digits[at] = b'0' + (rest % 10) as u8;
        rest /= 10;
        if rest == 0 {
            break;
        }
    }
    // Byte pushes into reserved space beat a library copy call for a handful of digits.
    out.reserve(digits.len() - at);
    for &d in &digits[at..] {
        out.push(d);
    }
}

fn push_2(out: &mut Vec<u8>, n: u32) {
    out.extend_from_slice(&[b'0' + (n / 10 % 10) as u8, b'0' + (n % 10) as u8]);
}

/// Appends `n` with leading zeros to `width` digits (at most 10).
pub fn push_padded(out: &mut Vec<u8>, n: u32, width: usize) {
    let mut digits = [b'0'; 10];
    let width = width.min(10);
    let mut rest = n;
    for d in digits[..width].iter_mut().rev() {
        *d = b'0' + (rest % 10) as u8;
        rest /= 10;
    }
    if rest > 0 {
        // Wider than asked: fall back to every digit.
        push_u64(out, u64::from(n));
    } else {
        out.extend_from_slice(&digits[..width]);
    }
}

/// The names of the bits set in `value`, comma-separated in the table's order, or
/// `none`: tcpdump's way with a flags field.
pub(super) fn flag_names(value: u32, table: &[(u32, &str)]) -> String {
    let names: Vec<&str> =
        table.iter().filter(|(bit, _)| value & bit != 0).map(|(_, name)| *name).collect();
    if names.is_empty() { "none".to_string() } else { names.join(", ") }
}

/// A duration as tcpdump shows one: `1h2m3s`.
pub(super) fn push_duration(out: &mut Vec<u8>, mut secs: u32) {
    if secs == 0 {
        out.extend_from_slice(b"0s");
        return;
    }
    for (unit, name) in
        [(31_536_000, 'y'), (604_800, 'w'), (86_400, 'd'), (3600, 'h'), (60, 'm'), (1, 's')]
    {
        if secs >= unit {
            let _ = write!(out, "{}{name}", secs / unit);
            secs %= unit;
        }
    }
}
