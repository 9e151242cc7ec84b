//! 802.11 frames as tcpdump prints them: radiotap's fields first (`1.0 Mb/s 2412 MHz 11b
//! -40dBm signal`), then the management frame's name and elements, the control frame's
//! addresses, or a data frame's LLC/SNAP payload, printed as on Ethernet.

use std::io::Write;

use super::ip::Ctx;
use super::network::{default_print, write_network};
use super::push::push_mac;
use super::read::{Bytes, Cut, Printed};
use super::write_ethertype;

const FLAG_CFP: u8 = 0x01;
const FLAG_SHORT_PREAMBLE: u8 = 0x02;
const FLAG_WEP: u8 = 0x04;
const FLAG_FRAGMENTED: u8 = 0x08;
const FLAG_FCS: u8 = 0x10;
const FLAG_DATA_PAD: u8 = 0x20;
const FLAG_BAD_FCS: u8 = 0x40;

/// A radiotap header and the 802.11 frame after it.
pub(super) fn write_radiotap(
    out: &mut Vec<u8>,
    ctx: &mut Ctx<'_>,
    bytes: Bytes<'_>,
    length: usize,
) -> Printed {
    let bytes = bytes.from(0, "802.11_radio");
    // tcpdump counts what it could not read as link header.
    ctx.link_len = Some(bytes.len());
    if bytes.len() < 8 {
        return Err(Cut::check("802.11_radio"));
    }
    let len = usize::from(u16::from_le_bytes([bytes.u8(2)?, bytes.u8(3)?]));
    if len < 8 || bytes.len() < len {
        return Err(Cut::check("802.11_radio"));
    }
    let header = bytes.limit(len);
    // The chain of present words, then the fields, aligned from the header's start.
    let mut words = Vec::with_capacity(2);
    let mut at = 4;
    loop {
        if at + 4 > len {
            return Err(Cut::check("802.11_radio"));
        }
        let word = header.u32(at)?.swap_bytes();
        words.push(word);
        at += 4;
        if word & (1 << 31) == 0 {
            break;
        }
    }
    let mut fields = Fields { header, at, flags: 0, first: words[0] };
    'words: for (index, &word) in words.iter().enumerate() {
        // Only the default namespace's first word names fields tcpdump prints; later
        // words of it would be bits 32 and up, which it prints as unknown.
        let bit0 = if index > 0 && words[index - 1] & (1 << 29) == 0 { 32 * index } else { 0 };
        let mut present = word;
        while present != 0 {
            let bitno = present.trailing_zeros() as usize;
            present &= present - 1;
            if bitno >= 29 {
                break;
            }
            match fields.print(out, bit0 + bitno) {
                Ok(true) => {}
                Ok(false) => break 'words,
                Err(()) => {
                    out.extend_from_slice(b" [|802.11_radio]");
                    break 'words;
                }
            }
        }
        if word & (1 << 30) != 0 {
            // A vendor namespace: tcpdump skips what it says to skip; hark stops here.
            break;
        }
    }
    let (pad, fcs) = (fields.flags & FLAG_DATA_PAD != 0, fields.flags & FLAG_FCS != 0);
    let frame = bytes.from(len, "802.11");
    let taken = write_80211(out, ctx, frame, length - len, pad, if fcs { 4 } else { 0 });
    ctx.link_len = ctx.link_len.map(|n| n + len);
    taken
}

/// The radiotap fields, read in order as tcpdump's `cpack` reads them.
struct Fields<'a> {
    header: Bytes<'a>,
    at: usize,
    flags: u8,
    first: u32,
}

impl Fields<'_> {
    /// The next `size` bytes at `align`, or `Err` when the header ends first.
    fn take(&mut self, align: usize, size: usize) -> Result<usize, ()> {
        let at = self.at.next_multiple_of(align);
        if at + size > self.header.len() {
            return Err(());
        }
        self.at = at + size;
        Ok(at)
    }

    fn u8(&mut self) -> Result<u8, ()> {
        let at = self.take(1, 1)?;
        self.header.u8(at).map_err(|_| ())
    }

    fn u16(&mut self) -> Result<u16, ()> {
        let at = self.take(2, 2)?;
        self.header.u16(at).map(u16::swap_bytes).map_err(|_| ())
    }

    fn u32(&mut self) -> Result<u32, ()> {
        let at = self.take(4, 4)?;
        self.header.u32(at).map(u32::swap_bytes).map_err(|_| ())
    }

    /// Prints one field; `Ok(false)` for a field whose size tcpdump does not know.
    fn print(&mut self, out: &mut Vec<u8>, bit: usize) -> Result<bool, ()> {
        match bit {
            0 => {
                let at = self.take(8, 8)?;
                let lo = u64::from(self.header.u32(at).map_err(|_| ())?.swap_bytes());
                let hi = u64::from(self.header.u32(at + 4).map_err(|_| ())?.swap_bytes());
                let _ = write!(out, "{}us tsft ", (hi << 32) | lo);
            }
            1 => {
                let flags = self.u8()?;
                self.flags = flags;
                for (bit, text) in [
                    (FLAG_CFP, "cfp "),
                    (FLAG_SHORT_PREAMBLE, "short preamble "),
                    (FLAG_WEP, "wep "),
                    (FLAG_FRAGMENTED, "fragmented "),
                    (FLAG_BAD_FCS, "bad-fcs "),
                ] {
                    if flags & bit != 0 {
                        out.extend_from_slice(text.as_bytes());
                    }
                }
            }
            2 => {
                let rate = self.u8()?;
                if (0x80..=0x8f).contains(&rate) {
                    let _ = write!(out, "MCS {} ", rate & 0x7f);
                } else {
                    let _ = write!(out, "{:.1} Mb/s ", 0.5 * f64::from(rate));
                }
            }
            3 => {
                let (freq, flags) = (self.u16()?, self.u16()?);
                // An extended channel field, when present, is printed in its place.
                if self.first & (1 << 18) == 0 {
                    write_channel(out, freq, u32::from(flags), self.first);
                }
            }
            4 => {
                let at = self.take(2, 2)?;
                let (set, pattern) = (self.header.u8(at), self.header.u8(at + 1));
                let _ = write!(
                    out,
                    "fhset {} fhpat {} ",
                    set.map_err(|_| ())?,
                    pattern.map_err(|_| ())?
                );
            }
            5 => {
                let _ = write!(out, "{}dBm signal ", self.u8()? as i8);
            }
            6 => {
                let _ = write!(out, "{}dBm noise ", self.u8()? as i8);
            }
            7 => {
                let _ = write!(out, "{} sq ", self.u16()?);
            }
            8 => {
                let _ = write!(out, "{} tx power ", -i32::from(self.u16()? as i16));
            }
            9 => {
                let _ = write!(out, "{}dB tx attenuation ", -i32::from(self.u16()? as i8));
            }
            10 => {
                let _ = write!(out, "{}dBm tx power ", self.u8()? as i8);
            }
            11 => {
                let _ = write!(out, "antenna {} ", self.u8()?);
            }
            12 => {
                let _ = write!(out, "{}dB signal ", self.u8()?);
            }
            13 => {
                let _ = write!(out, "{}dB noise ", self.u8()?);
            }
            14 => {
                self.u16()?;
            }
            18 => {
                let flags = self.u32()?;
                let freq = self.u16()?;
                self.u8()?;
                self.u8()?;
                write_channel(out, freq, flags, self.first);
            }
            19 => self.write_mcs(out)?,
            _ => {
                let _ = write!(out, "[bit {bit}] ");
                return Ok(false);
            }
        }
        Ok(true)
    }

    /// HT's MCS field: the rate when the index and bandwidth or guard interval are known.
    fn write_mcs(&mut self, out: &mut Vec<u8>) -> Result<(), ()> {
        let (known, flags, index) = (self.u8()?, self.u8()?, self.u8()?);
        if known & 0x02 != 0 {
            let rate = (known & 0x05 != 0).then(|| ht_rate(index, flags)).flatten();
            match rate {
                Some(rate) => {
                    let _ = write!(out, "{rate:.1} Mb/s MCS {index} ");
                }
                None => {
                    let _ = write!(out, "MCS {index} ");
                }
            }
        }
        if known & 0x01 != 0 {
            let bandwidth = ["20 MHz", "40 MHz", "20 MHz (L)", "20 MHz (U)"];
            let _ = write!(out, "{} ", bandwidth[usize::from(flags & 0x03)]);
        }
        if known & 0x04 != 0 {
            let _ = write!(out, "{} GI ", if flags & 0x04 != 0 { "short" } else { "long" });
        }
        if known & 0x08 != 0 {
            let _ = write!(out, "{} ", if flags & 0x08 != 0 { "greenfield" } else { "mixed" });
        }
        if known & 0x10 != 0 {
            let _ = write!(out, "{} FEC ", if flags & 0x10 != 0 { "LDPC" } else { "BCC" });
        }
        if known & 0x20 != 0 {
            let _ = write!(out, "RX-STBC{} ", (flags & 0x60) >> 5);
        }
        Ok(())
    }
}

/// 802.11n's rate for MCS 0–31 (equal modulation on every stream) in Mb/s.
fn ht_rate(index: u8, flags: u8) -> Option<f64> {
    // One stream's rate × 10, 20 and 40 MHz, long guard interval (802.11-2020 §19.5).
    const RATE_20: [u32; 8] = [65, 130, 195, 260, 390, 520, 585, 650];
    const RATE_40: [u32; 8] = [135, 270, 405, 540, 810, 1080, 1215, 1350];
    if index > 31 {
        return None;
    }
    let table = if flags & 0x03 == 1 { RATE_40 } else { RATE_20 };
    let rate = f64::from(table[usize::from(index % 8)] * (u32::from(index / 8) + 1)) / 10.0;
    // The short guard interval's rate is 10/9 of the long one's, rounded as 802.11 lists it.
    Some(if flags & 0x04 != 0 { (rate * 100.0 / 9.0).round() / 10.0 } else { rate })
}

/// `2412 MHz 11b`: the frequency and what the channel flags say about the PHY.
fn write_channel(out: &mut Vec<u8>, freq: u16, flags: u32, present: u32) {
    const TURBO: u32 = 0x0010;
    const CCK: u32 = 0x0020;
    const OFDM: u32 = 0x0040;
    const GHZ2: u32 = 0x0080;
    const GHZ5: u32 = 0x0100;
    const DYN: u32 = 0x0400;
    const GFSK: u32 = 0x0800;
    const HALF: u32 = 0x4000;
    const QUARTER: u32 = 0x8000;
    let is = |bits: u32| flags & bits == bits;
    let _ = write!(out, "{freq} MHz");
    if present & (1 << 19) != 0 {
        out.extend_from_slice(b" 11n");
    } else {
        let width = |out: &mut Vec<u8>, name: &str| {
            let suffix = if flags & HALF != 0 {
                "/10Mhz"
            } else if flags & QUARTER != 0 {
                "/5Mhz"
            } else {
                ""
            };
            let _ = write!(out, " {name}{suffix}");
        };
        if is(GHZ2 | GFSK) {
            out.extend_from_slice(b" FHSS");
        }
        if is(GHZ5 | OFDM) {
            width(out, "11a");
        }
        if is(GHZ2 | OFDM) || is(GHZ2 | DYN) {
            width(out, "11g");
        } else if is(GHZ2 | CCK) {
            out.extend_from_slice(b" 11b");
        }
        if flags & TURBO != 0 {
            out.extend_from_slice(b" Turbo");
        }
    }
    if flags & 0x1_0000 != 0 {
        out.extend_from_slice(b" ht/20");
    } else if flags & 0x4_0000 != 0 {
        out.extend_from_slice(b" ht/40-");
    } else if flags & 0x2_0000 != 0 {
        out.extend_from_slice(b" ht/40+");
    }
    out.push(b' ');
}

/// An 802.11 frame (from its frame control field): tcpdump's `ieee802_11_print`.
pub(super) fn write_80211(
    out: &mut Vec<u8>,
    ctx: &mut Ctx<'_>,
    bytes: Bytes<'_>,
    length: usize,
    pad: bool,
    fcs_len: usize,
) -> Printed {
    let mut bytes = bytes.from(0, "802.11");
    ctx.link_len = Some(0);
    if length < fcs_len {
        return Err(Cut::check("802.11"));
    }
    let length = length - fcs_len;
    if bytes.len() > length {
        bytes = bytes.limit(length);
    }
    if bytes.len() < 2 {
        ctx.link_len = Some(bytes.len());
        return Err(Cut::check("802.11"));
    }
    let fc = bytes.u16(0)?.swap_bytes();
    let (kind, subtype) = (((fc >> 2) & 0x03) as u8, ((fc >> 4) & 0x0f) as u8);
    let (to_ds, from_ds) = (fc & 0x0100 != 0, fc & 0x0200 != 0);
    let protected = fc & 0x4000 != 0;
    let mut header_len: usize = match kind {
        0 => 24,
        1 => match subtype {
            7 | 10 | 11 | 14 | 15 => 16,
            8 => 20,
            9 | 12 | 13 => 10,
            _ => {
                let _ = write!(out, "unknown 802.11 ctrl frame subtype ({subtype})");
                return Ok(());
            }
        },
        2 => (if to_ds && from_ds { 30 } else { 24 }) + if subtype & 0x08 != 0 { 2 } else { 0 },
        _ => {
            let _ = write!(out, "unknown 802.11 frame type ({kind})");
            return Ok(());
        }
    };
    if pad {
        header_len = header_len.next_multiple_of(4);
    }
    ctx.link_len = Some(header_len);
    if bytes.len() < header_len {
        return Err(Cut::check("802.11"));
    }
    let mac = |n: usize| bytes.slice(n, 6);
    if ctx.opts.link_header {
        write_header(out, ctx, bytes, fc, kind, subtype)?;
    }
    let body = bytes.from(header_len, "802.11");
    let body_len = length - header_len;
    match kind {
        0 => {
            if !write_management(out, ctx, mac(10)?, subtype, protected, body, body_len)? {
                return Err(Cut::check("802.11"));
            }
        }
        1 => write_control(out, ctx, bytes, subtype)?,
        _ => {
            if subtype & 0x04 != 0 {
                return Ok(());
            }
            if protected {
                out.extend_from_slice(b"Data");
                return write_wep(out, body);
            }
            let (src, dst) = match (to_ds, from_ds) {
                (false, false) => (mac(10)?, mac(4)?),
                (false, true) => (mac(16)?, mac(4)?),
                (true, false) => (mac(10)?, mac(16)?),
                (true, true) => (mac(24)?, mac(16)?),
            };
            ctx.link_len = Some(header_len + 8);
            return write_llc(out, ctx, body, body_len, src, dst);
        }
    }
    Ok(())
}

/// `-e`'s header: flags and duration with `-v`, then the addresses by their roles.
fn write_header(
    out: &mut Vec<u8>,
    ctx: &Ctx<'_>,
    bytes: Bytes<'_>,
    fc: u16,
    kind: u8,
    subtype: u8,
) -> Printed {
    if ctx.verbosity() > 0 {
        for (bit, text) in [
            (0x2000, "More Data "),
            (0x0400, "More Fragments "),
            (0x1000, "Pwr Mgmt "),
            (0x0800, "Retry "),
            (0x8000, "Strictly Ordered "),
            (0x4000, "Protected "),
        ] {
            if fc & bit != 0 {
                out.extend_from_slice(text.as_bytes());
            }
        }
        if kind != 1 || subtype != 10 {
            let _ = write!(out, "{}us ", bytes.u16(2)?.swap_bytes());
        }
    }
    let name = |out: &mut Vec<u8>, label: &str, at: usize| -> Printed {
        let _ = write!(out, "{label}:");
        push_mac(out, bytes.slice(at, 6)?);
        out.push(b' ');
        Ok(())
    };
    match kind {
        0 => {
            name(out, "BSSID", 16)?;
            name(out, "DA", 4)?;
            name(out, "SA", 10)?;
        }
        1 => match subtype {
            8 => {
                out.push(b' ');
                name(out, "RA", 4)?;
                name(out, "TA", 10)?;
                let (ctl, seq) = (bytes.u16(16)?.swap_bytes(), bytes.u16(18)?.swap_bytes());
                let _ = write!(out, "CTL({ctl:x}) SEQ({seq}) ");
            }
            9 | 12 | 13 => name(out, "RA", 4)?,
            10 => {
                name(out, "BSSID", 4)?;
                name(out, "TA", 10)?;
            }
            11 => {
                name(out, "RA", 4)?;
                name(out, "TA", 10)?;
            }
            14 | 15 => {
                name(out, "RA", 4)?;
                name(out, "BSSID", 10)?;
            }
            _ => {}
        },
        _ => {
            if subtype & 0x0b != 0 {
                out.extend_from_slice(b"CF ");
                match (subtype & 0x01 != 0, subtype & 0x02 != 0) {
                    (true, true) => out.extend_from_slice(b"Ack/Poll"),
                    (true, false) => out.extend_from_slice(b"Ack"),
                    (false, true) => out.extend_from_slice(b"Poll"),
                    (false, false) => {}
                }
                if subtype & 0x08 != 0 {
                    out.extend_from_slice(b"+QoS");
                }
                out.push(b' ');
            }
            let (to_ds, from_ds) = (fc & 0x0100 != 0, fc & 0x0200 != 0);
            match (to_ds, from_ds) {
                (false, false) => {
                    name(out, "DA", 4)?;
                    name(out, "SA", 10)?;
                    name(out, "BSSID", 16)?;
                }
                (false, true) => {
                    name(out, "DA", 4)?;
                    name(out, "BSSID", 10)?;
                    name(out, "SA", 16)?;
                }
                (true, false) => {
                    name(out, "BSSID", 4)?;
                    name(out, "SA", 10)?;
                    name(out, "DA", 16)?;
                }
                (true, true) => {
                    name(out, "RA", 4)?;
                    name(out, "TA", 10)?;
                    name(out, "DA", 16)?;
                    name(out, "SA", 24)?;
                }
            }
        }
    }
    Ok(())
}

/// WEP's (or any protected frame's) IV and key id.
fn write_wep(out: &mut Vec<u8>, body: Bytes<'_>) -> Printed {
    if !body.has(0, 4) {
        return Err(Cut::check("802.11"));
    }
    let iv = body.u32(0)?.swap_bytes();
    let _ =
        write!(out, " IV:{:3x} Pad {:x} KeyID {:x}", iv & 0xff_ffff, (iv >> 24) & 0x3f, iv >> 30);
    Ok(())
}

/// A control frame's name and, without `-e`, its addresses.
fn write_control(out: &mut Vec<u8>, ctx: &Ctx<'_>, bytes: Bytes<'_>, subtype: u8) -> Printed {
    let name = match subtype {
        7 => "Control Wrapper",
        8 => "BAR",
        9 => "BA",
        10 => "Power Save-Poll",
        11 => "Request-To-Send",
        12 => "Clear-To-Send",
        13 => "Acknowledgment",
        14 => "CF-End",
        15 => "CF-End+CF-Ack",
        _ => "Unknown Ctrl Subtype",
    };
    out.extend_from_slice(name.as_bytes());
    let e = ctx.opts.link_header;
    let addr = |out: &mut Vec<u8>, label: &str, at: usize| -> Printed {
        let _ = write!(out, " {label}:");
        push_mac(out, bytes.slice(at, 6)?);
        Ok(())
    };
    match subtype {
        8 if !e => {
            addr(out, "RA", 4)?;
            addr(out, "TA", 10)?;
            let (ctl, seq) = (bytes.u16(16)?.swap_bytes(), bytes.u16(18)?.swap_bytes());
            let _ = write!(out, " CTL({ctl:x}) SEQ({seq}) ");
        }
        10 => {
            let _ = write!(out, " AID({:x})", bytes.u16(2)?.swap_bytes());
        }
        11 if !e => {
            addr(out, "TA", 10)?;
            out.push(b' ');
        }
        9 | 12 | 13 | 14 | 15 if !e => {
            addr(out, "RA", 4)?;
            out.push(b' ');
        }
        _ => {}
    }
    Ok(())
}

/// Beacons, probes, (re)association, authentication, deauthentication, …: the name,
/// then what tcpdump shows of the body. `false` when the body is cut short.
fn write_management(
    out: &mut Vec<u8>,
    ctx: &Ctx<'_>,
    source: &[u8],
    subtype: u8,
    protected: bool,
    body: Bytes<'_>,
    length: usize,
) -> Result<bool, Cut> {
    let name = match subtype {
        0 => "Assoc Request",
        1 => "Assoc Response",
        2 => "ReAssoc Request",
        3 => "ReAssoc Response",
        4 => "Probe Request",
        5 => "Probe Response",
        8 => "Beacon",
        9 => "ATIM",
        10 => "Disassociation",
        11 => "Authentication",
        12 => "DeAuthentication",
        13 => "Action",
        other => {
            let _ = write!(out, "Unhandled Management subtype({other:x})");
            return Ok(true);
        }
    };
    out.extend_from_slice(name.as_bytes());
    if protected {
        return write_wep(out, body).map(|()| true);
    }
    let fits = |n: usize| body.has(0, n) && length >= n;
    match subtype {
        8 | 5 => {
            if !fits(12) {
                return Ok(false);
            }
            let capability = body.u16(10)?.swap_bytes();
            let elements = Elements::parse(body, 12, length - 12);
            elements.ssid(out);
            elements.rates(out);
            if subtype == 8 {
                let _ = write!(out, " {}", if capability & 0x0001 != 0 { "ESS" } else { "IBSS" });
            }
            if let Some(channel) = elements.channel {
                let _ = write!(out, " CH: {channel}");
            }
            if capability & 0x0010 != 0 {
                out.extend_from_slice(b", PRIVACY");
            }
            Ok(elements.whole)
        }
        4 | 0 => {
            let fixed = if subtype == 0 { 4 } else { 0 };
            if !fits(fixed) {
                return Ok(false);
            }
            let elements = Elements::parse(body, fixed, length - fixed);
            elements.ssid(out);
            elements.rates(out);
            Ok(elements.whole)
        }
        2 => {
            if !fits(10) {
                return Ok(false);
            }
            let elements = Elements::parse(body, 10, length - 10);
            elements.ssid(out);
            out.extend_from_slice(b" AP : ");
            push_mac(out, body.slice(4, 6)?);
            Ok(elements.whole)
        }
        1 | 3 => {
            if !fits(6) {
                return Ok(false);
            }
            let (capability, status, aid) =
                (body.u16(0)?.swap_bytes(), body.u16(2)?.swap_bytes(), body.u16(4)?.swap_bytes());
            let elements = Elements::parse(body, 6, length - 6);
            let privacy = if capability & 0x0010 != 0 { " PRIVACY " } else { "" };
            let _ = write!(out, " AID({:x}) :{privacy}: {}", (aid << 2) >> 2, status_text(status));
            Ok(elements.whole)
        }
        10 | 12 => {
            if !fits(2) {
                return Ok(false);
            }
            let reason = reason_text(body.u16(0)?.swap_bytes());
            if subtype == 10 || ctx.opts.link_header {
                let _ = write!(out, ": {reason}");
            } else {
                out.extend_from_slice(b" (");
                push_mac(out, source);
                let _ = write!(out, "): {reason}");
            }
            Ok(true)
        }
        11 => {
            if !fits(6) {
                return Ok(false);
            }
            let (algorithm, sequence, status) =
                (body.u16(0)?.swap_bytes(), body.u16(2)?.swap_bytes(), body.u16(4)?.swap_bytes());
            let elements = Elements::parse(body, 6, length - 6);
            let algorithm = match algorithm {
                0 => "Open System",
                1 => "Shared Key",
                2 => "EAP",
                _ => "Reserved",
            };
            let status = if sequence % 2 == 1 { status_text(status) } else { "" };
            let challenge = name_is_shared_challenge(algorithm, sequence);
            if challenge {
                let _ = write!(out, " ({algorithm})-{sequence:x} [Challenge Text] {status}");
            } else {
                let _ = write!(out, " ({algorithm})-{sequence:x}: {status}");
            }
            Ok(elements.whole)
        }
        13 => {
            if !fits(2) {
                return Ok(false);
            }
            if ctx.opts.link_header {
                out.extend_from_slice(b": ");
            } else {
                out.extend_from_slice(b" (");
                push_mac(out, source);
                out.extend_from_slice(b"): ");
            }
            let (category, action) = (body.u8(0)?, body.u8(1)?);
            match category {
                0 => write_act(out, "Spectrum Management ", action),
                1 => write_act(out, "QoS ", action),
                2 => write_act(out, "DLS ", action),
                127 => write_act(out, "Vendor ", action),
                3 => {
                    out.extend_from_slice(b"BA ");
                    match action {
                        0 => out.extend_from_slice(b"ADDBA Request"),
                        1 => out.extend_from_slice(b"ADDBA Response"),
                        2 => out.extend_from_slice(b"DELBA"),
                        n => write_act(out, "", n),
                    }
                }
                other => {
                    let _ = write!(out, "Reserved({other}) Act#{action}");
                }
            }
            Ok(true)
        }
        _ => Ok(true),
    }
}

fn write_act(out: &mut Vec<u8>, prefix: &str, action: u8) {
    let _ = write!(out, "{prefix}Act#{action}");
}

fn name_is_shared_challenge(algorithm: &str, sequence: u16) -> bool {
    algorithm == "Shared Key" && matches!(sequence, 2 | 3)
}

/// The elements tcpdump shows: the first SSID, the first non-empty rate set, the DS
/// channel; `whole` is false when an element runs past the frame.
struct Elements<'a> {
    ssid: Option<&'a [u8]>,
    rates: Option<&'a [u8]>,
    channel: Option<u8>,
    whole: bool,
}

impl<'a> Elements<'a> {
    fn parse(body: Bytes<'a>, mut at: usize, mut length: usize) -> Elements<'a> {
        let mut e = Elements { ssid: None, rates: None, channel: None, whole: true };
        while length != 0 {
            let (Ok(id), Ok(len)) = (body.u8(at), body.u8(at + 1)) else {
                e.whole = false;
                return e;
            };
            let len = usize::from(len);
            let Ok(value) = body.slice(at + 2, len) else {
                e.whole = false;
                return e;
            };
            if length < len + 2 {
                e.whole = false;
                return e;
            }
            match id {
                // tcpdump keeps at most 32 bytes of SSID and 15 rates, as the standard.
                0 if len > 32 => return e,
                0 if e.ssid.is_none() => e.ssid = Some(value),
                1 if len > 15 => return e,
                1 if e.rates.is_none() && len != 0 => e.rates = Some(value),
                3 if len == 1 && e.channel.is_none() => e.channel = Some(value[0]),
                _ => {}
            }
            at += 2 + len;
            length -= 2 + len;
        }
        e
    }

    /// ` (name)`, printable characters as they are and others as tcpdump escapes them.
    fn ssid(&self, out: &mut Vec<u8>) {
        let Some(ssid) = self.ssid else { return };
        out.extend_from_slice(b" (");
        for &c in ssid.iter().take_while(|&&c| c != 0) {
            super::domain::push_char(out, c);
        }
        out.push(b')');
    }

    /// ` [1.0* 2.0* … Mbit]`: each rate in Mb/s, `*` for a basic rate.
    fn rates(&self, out: &mut Vec<u8>) {
        let Some(rates) = self.rates else { return };
        for (i, &r) in rates.iter().enumerate() {
            let sep = if i == 0 { " [" } else { " " };
            let basic = if r & 0x80 != 0 { "*" } else { "" };
            let _ = write!(out, "{sep}{:.1}{basic}", 0.5 * f64::from(r & 0x7f));
        }
        out.extend_from_slice(b" Mbit]");
    }
}

/// A data frame's payload: LLC, and through SNAP the ethertype's packet.
fn write_llc(
    out: &mut Vec<u8>,
    ctx: &mut Ctx<'_>,
    body: Bytes<'_>,
    length: usize,
    src: &[u8],
    dst: &[u8],
) -> Printed {
    let body = body.from(0, "llc");
    if body.len() < 3 || length < 3 {
        out.extend_from_slice(b" [|llc]");
        default_print(out, ctx, body.slice(0, body.len())?);
        return Ok(());
    }
    let (dsap, ssap, control) = (body.u8(0)?, body.u8(1)?, body.u8(2)?);
    let snap = dsap == 0xaa && ssap == 0xaa && control == 0x03;
    if !snap {
        // Other LLC (STP, NetBIOS, …): tcpdump's names for those are not hark's yet.
        let _ = write!(out, "LLC, dsap 0x{dsap:02x}, ssap 0x{ssap:02x}, length {length}");
        return Ok(());
    }
    if ctx.opts.link_header {
        out.extend_from_slice(
            b"LLC, dsap SNAP (0xaa) Individual, ssap SNAP (0xaa) Command, ctrl 0x03: ",
        );
    }
    let snap_bytes = body.from(3, "snap");
    if snap_bytes.len() < 5 || length < 8 {
        return Err(Cut::check("snap"));
    }
    let oui = (u32::from(snap_bytes.u8(0)?) << 16) | u32::from(snap_bytes.u16(1)?);
    let ether_type = snap_bytes.u16(3)?;
    let inner_len = length - 8;
    if ctx.opts.link_header {
        let _ = write!(out, "oui {} (0x{oui:06x}), ", oui_name(oui));
        out.extend_from_slice(if oui == 0 { b"ethertype " } else { b"pid " });
        write_ethertype(out, ether_type);
        let _ = write!(out, ", length {inner_len}: ");
    }
    let known = matches!(ether_type, 0x0800 | 0x86dd | 0x0806 | 0x8035 | 0x888e | 0x8847 | 0x8848);
    if oui == 0 && known {
        return write_network(out, ctx, ether_type, body.from(8, "ether"), inner_len);
    }
    if !ctx.opts.link_header {
        push_mac(out, src);
        out.extend_from_slice(b" > ");
        push_mac(out, dst);
        out.extend_from_slice(b" SNAP, ");
        if oui == 0 {
            out.extend_from_slice(b"ethertype ");
            write_ethertype(out, ether_type);
        } else {
            let _ = write!(
                out,
                "oui {} (0x{oui:06x}), pid Unknown (0x{ether_type:04x})",
                oui_name(oui)
            );
        }
        let _ = write!(out, ", length {inner_len}: ");
    }
    // tcpdump dumps from the LLC header on.
    default_print(out, ctx, body.slice(0, body.len())?);
    Ok(())
}

fn oui_name(oui: u32) -> &'static str {
    match oui {
        0x000000 => "Ethernet",
        0x0000f8 => "Cisco",
        0x00000c => "Cisco",
        0x080007 => "Appletalk",
        _ => "Unknown",
    }
}

/// A reason code's meaning (802.11-2020 Table 9-49), as tcpdump words it.
fn reason_text(code: u16) -> &'static str {
    const REASONS: [&str; 25] = [
        "Reserved",
        "Unspecified reason",
        "Previous authentication no longer valid",
        "Deauthenticated because sending STA is leaving (or has left) IBSS or ESS",
        "Disassociated due to inactivity",
        "Disassociated because AP is unable to handle all currently  associated STAs",
        "Class 2 frame received from nonauthenticated STA",
        "Class 3 frame received from nonassociated STA",
        "Disassociated because sending STA is leaving (or has left) BSS",
        "STA requesting (re)association is not authenticated with responding STA",
        "Disassociated because the information in the Power Capability element is unacceptable",
        "Disassociated because the information in the Supported Channels element is unacceptable",
        "Disassociated due to BSS transition management",
        "Invalid element, i.e., an element defined in this standard for which the content does not meet the specifications in Clause 9",
        "Message integrity code (MIC) failure",
        "4-Way Handshake timeout",
        "Group key handshake timeout",
        "Information element in 4-Way Handshake different from (Re)AssociationRequest/Probe Response/Beacon frame",
        "Invalid group cipher",
        "Invalid pairwise cipher",
        "Invalid AKMP",
        "Unsupported RSNE version",
        "Invalid RSNE capabilities",
        "IEEE 802.1X authentication failed",
        "Cipher suite rejected because of the security policy",
    ];
    REASONS.get(usize::from(code)).copied().unwrap_or("Reserved")
}

/// A status code's meaning (802.11-2020 Table 9-50), for the common ones.
fn status_text(code: u16) -> &'static str {
    match code {
        0 => "Successful",
        1 => "Unspecified failure",
        10 => "Cannot Support all requested capabilities in the Capability Information field",
        11 => "Reassociation denied due to inability to confirm that association exists",
        12 => "Association denied due to reason outside the scope of this standard",
        13 => "Responding STA does not support the specified authentication algorithm",
        15 => "Authentication rejected because of challenge failure",
        17 => "Association denied because AP is unable to handle additional associated STAs",
        _ => "n/a",
    }
}
