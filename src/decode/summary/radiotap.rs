//! Radiotap's fields as tcpdump prints them before an 802.11 frame: `1.0 Mb/s 2412 MHz
//! 11b -40dBm signal`, each field read at its alignment from the header's start.

use std::io::Write;

use super::ip::Ctx;
use super::read::{Bytes, Cut, Printed};
use super::wifi::write_80211;

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
            20 => {
                // A-MPDU status: reference number, flags, delimiter CRC; tcpdump shows none.
                self.u32()?;
                self.u16()?;
                self.u8()?;
                self.u8()?;
            }
            21 => self.write_vht(out)?,
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

impl Fields<'_> {
    /// VHT's users' MCS and coding, the bandwidth and guard interval when known.
    fn write_vht(&mut self, out: &mut Vec<u8>) -> Result<(), ()> {
        let known = self.u16()?;
        let (flags, bandwidth) = (self.u8()?, self.u8()?);
        let mut mcs_nss = [0u8; 4];
        for m in &mut mcs_nss {
            *m = self.u8()?;
        }
        let coding = self.u8()?;
        self.u8()?;
        self.u16()?;
        for (user, m) in mcs_nss.iter().enumerate() {
            if m & 0x0f == 0 {
                continue;
            }
            let fec = if coding & (1 << user) != 0 { "LDPC" } else { "BCC" };
            let _ = write!(out, "User {user} MCS {} {fec} FEC ", m >> 4);
        }
        if known & 0x0040 != 0 {
            const WIDTHS: [&str; 26] = [
                "20 MHz",
                "40 MHz",
                "20 MHz (L)",
                "20 MHz (U)",
                "80 MHz",
                "80 MHz (L)",
                "80 MHz (U)",
                "80 MHz (LL)",
                "80 MHz (LU)",
                "80 MHz (UL)",
                "80 MHz (UU)",
                "160 MHz",
                "160 MHz (L)",
                "160 MHz (U)",
                "160 MHz (LL)",
                "160 MHz (LU)",
                "160 MHz (UL)",
                "160 MHz (UU)",
                "160 MHz (LLL)",
                "160 MHz (LLU)",
                "160 MHz (LUL)",
                "160 MHz (UUU)",
                "160 MHz (ULL)",
                "160 MHz (ULU)",
                "160 MHz (UUL)",
                "160 MHz (UUU)",
            ];
            let index = usize::from(bandwidth & 0x1f);
            match WIDTHS.get(index) {
                Some(width) => {
                    let _ = write!(out, "{width} ");
                }
                None => {
                    let _ = write!(out, "unknown ({index}) ");
                }
            }
        }
        if known & 0x0004 != 0 {
            let _ = write!(out, "{} GI ", if flags & 0x04 != 0 { "short" } else { "long" });
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
