//! The radiotap header (radiotap.org) that monitor-mode captures put before each 802.11
//! frame: what the radio saw (channel, signal, rate), little-endian, each field aligned to
//! its own size from the start of the header.
//!
//! Written by hand: the radiotap crates on crates.io either panic on short input or have
//! not been kept up; this reads only what the bytes hold and stops at the first field it
//! does not know the size of, which is what radiotap asks of a reader.

/// The radiotap flags bit saying the frame ends in its 4-byte FCS.
pub const FLAG_FCS_AT_END: u8 = 0x10;
/// The flags bit saying the 802.11 header is padded to 32 bits.
pub const FLAG_DATA_PAD: u8 = 0x20;
/// The flags bit saying the FCS did not check out.
pub const FLAG_BAD_FCS: u8 = 0x40;

/// What hark reads from a radiotap header.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Radiotap {
    /// The header's own length: where the 802.11 frame starts.
    pub len: u16,
    /// Every present word, in order, for the first one's bits and the chain's length.
    pub present: u32,
    pub present_words: u8,
    pub tsft: Option<u64>,
    pub flags: Option<u8>,
    /// Legacy rate in 500 kb/s units.
    pub rate: Option<u8>,
    pub freq: Option<u16>,
    pub channel_flags: Option<u16>,
    pub signal: Option<i8>,
    pub noise: Option<i8>,
    pub antenna: Option<u8>,
    /// HT: known flags, flags, MCS index.
    pub mcs: Option<[u8; 3]>,
    /// VHT's 12 bytes: known, flags, bandwidth, four users' MCS/NSS, coding, group, partial AID.
    pub vht: Option<[u8; 12]>,
    /// The fields ran past the header's length, or past the captured bytes.
    pub cut: bool,
}

/// Alignment and size of each field of the default namespace, by bit (radiotap.org's list).
const FIELDS: [(u8, u8); 29] = [
    (8, 8),  // 0 TSFT
    (1, 1),  // 1 flags
    (1, 1),  // 2 rate
    (2, 4),  // 3 channel
    (2, 2),  // 4 FHSS
    (1, 1),  // 5 antenna signal (dBm)
    (1, 1),  // 6 antenna noise (dBm)
    (2, 2),  // 7 lock quality
    (2, 2),  // 8 TX attenuation
    (2, 2),  // 9 dB TX attenuation
    (1, 1),  // 10 dBm TX power
    (1, 1),  // 11 antenna
    (1, 1),  // 12 dB antenna signal
    (1, 1),  // 13 dB antenna noise
    (2, 2),  // 14 RX flags
    (2, 2),  // 15 TX flags
    (1, 1),  // 16 RTS retries
    (1, 1),  // 17 data retries
    (4, 8),  // 18 XChannel
    (1, 3),  // 19 MCS
    (4, 8),  // 20 A-MPDU status
    (2, 12), // 21 VHT
    (8, 12), // 22 timestamp
    (2, 12), // 23 HE
    (2, 12), // 24 HE-MU
    (2, 6),  // 25 HE-MU-other-user
    (1, 1),  // 26 zero-length PSDU
    (2, 4),  // 27 L-SIG
    (4, 0),  // 28 TLVs: the rest of the header, nothing after it
];

const RADIOTAP_NAMESPACE: u32 = 1 << 29;
const VENDOR_NAMESPACE: u32 = 1 << 30;
const MORE_PRESENT: u32 = 1 << 31;

/// Reads a radiotap header at the start of `data`; `None` when even its fixed 8 bytes
/// are not there, or its version is not 0.
pub fn parse(data: &[u8]) -> Option<Radiotap> {
    let fixed = data.get(..8)?;
    if fixed[0] != 0 {
        return None;
    }
    let len = u16::from_le_bytes([fixed[2], fixed[3]]);
    let header = data.get(..usize::from(len)).unwrap_or(data);
    let mut rt = Radiotap {
        len,
        present: u32::from_le_bytes([fixed[4], fixed[5], fixed[6], fixed[7]]),
        cut: header.len() < usize::from(len),
        ..Radiotap::default()
    };
    // The chain of present words; fields start after the last one.
    let mut words = Vec::with_capacity(2);
    let mut at = 4;
    loop {
        let Some(w) = header.get(at..at + 4) else {
            rt.cut = true;
            return Some(rt);
        };
        let word = u32::from_le_bytes([w[0], w[1], w[2], w[3]]);
        words.push(word);
        at += 4;
        if word & MORE_PRESENT == 0 {
            break;
        }
    }
    rt.present_words = words.len().min(usize::from(u8::MAX)) as u8;
    // Only the default namespace's fields are read: a vendor namespace says its length
    // in a header hark would have to trust, so reading stops there.
    for (index, word) in words.iter().enumerate() {
        let first_of_namespace = index == 0 || words[index - 1] & RADIOTAP_NAMESPACE != 0;
        if !first_of_namespace {
            // Bits 32 and up of the default namespace name no field yet.
            if word & !(RADIOTAP_NAMESPACE | VENDOR_NAMESPACE | MORE_PRESENT) != 0 {
                return Some(rt);
            }
        }
        for (bit, &(align, size)) in FIELDS.iter().enumerate() {
            if word & (1 << bit) == 0 {
                continue;
            }
            at = at.next_multiple_of(usize::from(align));
            if size == 0 {
                return Some(rt);
            }
            let Some(value) = header.get(at..at + usize::from(size)) else {
                rt.cut = true;
                return Some(rt);
            };
            if index == 0 {
                store(&mut rt, bit, value);
            }
            at += usize::from(size);
        }
        if word & VENDOR_NAMESPACE != 0 {
            return Some(rt);
        }
    }
    Some(rt)
}

fn store(rt: &mut Radiotap, bit: usize, v: &[u8]) {
    let le16 = |i: usize| u16::from_le_bytes([v[i], v[i + 1]]);
    match bit {
        0 => rt.tsft = Some(u64::from_le_bytes([v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7]])),
        1 => rt.flags = Some(v[0]),
        2 => rt.rate = Some(v[0]),
        3 => {
            rt.freq = Some(le16(0));
            rt.channel_flags = Some(le16(2));
        }
        5 => rt.signal = Some(v[0] as i8),
        6 => rt.noise = Some(v[0] as i8),
        11 => rt.antenna = Some(v[0]),
        19 => rt.mcs = Some([v[0], v[1], v[2]]),
        21 => {
            let mut vht = [0u8; 12];
            vht.copy_from_slice(v);
            rt.vht = Some(vht);
        }
        _ => {}
    }
}

impl Radiotap {
    /// Whether the frame after the header ends in its FCS.
    pub fn fcs_at_end(&self) -> bool {
        self.flags.is_some_and(|f| f & FLAG_FCS_AT_END != 0)
    }

    /// The MCS index: HT's when its index is known, else VHT's first user's.
    pub fn mcs_index(&self) -> Option<u8> {
        if let Some([known, _, index]) = self.mcs {
            if known & 0x02 != 0 {
                return Some(index);
            }
        }
        let vht = self.vht?;
        vht[4..8].iter().find(|user| *user & 0x0f != 0).map(|user| user >> 4)
    }

    /// The data rate in Mb/s: the legacy rate, or HT's from its MCS index, bandwidth and
    /// guard interval (802.11n's rate table; four spatial streams at most).
    pub fn rate_mbps(&self) -> Option<f64> {
        if let Some(rate) = self.rate {
            return Some(f64::from(rate) / 2.0);
        }
        let [known, flags, index] = self.mcs?;
        // Known bits: 0x01 bandwidth, 0x04 guard interval, 0x02 MCS index.
        if known & 0x02 == 0 || index > 31 {
            return None;
        }
        // Rates of one stream in 0.5 Mb/s units × 10 (so that 6.5 Mb/s is exact).
        const RATE_20: [u32; 8] = [65, 130, 195, 260, 390, 520, 585, 650];
        const RATE_40: [u32; 8] = [135, 270, 405, 540, 810, 1080, 1215, 1350];
        let forty = known & 0x01 != 0 && flags & 0x03 == 1;
        let short_gi = known & 0x04 != 0 && flags & 0x04 != 0;
        let streams = u32::from(index / 8) + 1;
        let per_stream = if forty { RATE_40 } else { RATE_20 }[usize::from(index % 8)];
        let mut rate = f64::from(per_stream * streams) / 10.0;
        if short_gi {
            rate = rate * 10.0 / 9.0;
        }
        Some(rate)
    }
}

/// The channel number of a frequency in MHz (802.11's 2.4, 5 and 6 GHz plans).
pub fn channel_of(freq: u16) -> Option<u16> {
    match freq {
        2484 => Some(14),
        2412..=2472 => Some((freq - 2407) / 5),
        5955..=7115 => Some((freq - 5950) / 5),
        5000..=5925 => Some((freq - 5000) / 5),
        4910..=4980 => Some((freq - 4000) / 5),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// TSFT, flags (FCS at end), rate, channel 2437 OFDM, signal, noise, antenna: every
    /// field at its alignment (TSFT at 8, channel at 18).
    const FULL: [u8; 25] = [
        0, 0, 25, 0, 0x6f, 0x08, 0, 0, // version, pad, length 25, present 0x0000086f
        0x15, 0xcd, 0x5b, 0x07, 0, 0, 0, 0, // TSFT 123456789
        0x10, 0x0c, // flags, rate 6 Mb/s
        0x85, 0x09, 0xc0, 0x00, // 2437 MHz, OFDM 2 GHz
        0xc9, 0xa1, 1, // -55 dBm, -95 dBm, antenna 1
    ];

    #[test]
    fn a_full_header_is_taken_apart() {
        let rt = parse(&FULL).unwrap();
        assert_eq!(rt.len, 25);
        assert_eq!(rt.tsft, Some(123_456_789));
        assert!(rt.fcs_at_end());
        assert_eq!(rt.rate_mbps(), Some(6.0));
        assert_eq!((rt.freq, rt.channel_flags), (Some(2437), Some(0x00c0)));
        assert_eq!((rt.signal, rt.noise, rt.antenna), (Some(-55), Some(-95), Some(1)));
        assert!(!rt.cut);
        assert_eq!(channel_of(2437), Some(6));
        assert_eq!(channel_of(5180), Some(36));
    }

    #[test]
    fn every_cut_reads_what_is_there() {
        for len in 0..FULL.len() {
            let rt = parse(&FULL[..len]);
            if len < 8 {
                assert!(rt.is_none());
                continue;
            }
            let rt = rt.unwrap();
            assert!(rt.cut, "cut at {len}");
            assert_eq!(rt.tsft.is_some(), len >= 16);
            assert_eq!(rt.freq.is_some(), len >= 22);
        }
    }

    #[test]
    fn a_lying_length_does_not_read_past_the_header() {
        let mut short = FULL;
        short[2] = 12; // claims 12 bytes: the TSFT does not fit
        let rt = parse(&short).unwrap();
        assert!(rt.cut);
        assert_eq!(rt.tsft, None);
        let mut long = FULL;
        long[2] = 200;
        assert!(parse(&long).unwrap().cut);
    }

    #[test]
    fn extended_present_words_are_skipped() {
        // Flags and signal, two more present words (bit 31 chains them), then the fields.
        let data = [0, 0, 18, 0, 0x22, 0, 0, 0x80, 0, 0, 0, 0x80, 0, 0, 0, 0, 0x10, 0xd8];
        let rt = parse(&data).unwrap();
        assert_eq!(rt.present_words, 3);
        assert_eq!((rt.flags, rt.signal), (Some(0x10), Some(-40)));
    }

    #[test]
    fn ht_rates_follow_the_mcs_table() {
        let rt = Radiotap { mcs: Some([0x07, 0x00, 7]), ..Radiotap::default() };
        assert_eq!(rt.rate_mbps(), Some(65.0));
        assert_eq!(rt.mcs_index(), Some(7));
        let mut vht = [0u8; 12];
        vht[5] = 0x92; // user 1: MCS 9, two streams
        let rt = Radiotap { vht: Some(vht), ..Radiotap::default() };
        assert_eq!(rt.mcs_index(), Some(9));
        let rt = Radiotap { mcs: Some([0x07, 0x05, 15]), ..Radiotap::default() };
        assert_eq!(rt.rate_mbps(), Some(300.0));
    }
}
