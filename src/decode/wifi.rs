//! IEEE 802.11 frames, with or without a radiotap header in front: frame control,
//! addresses by role, sequence number, QoS control, the management fields detectors read
//! (SSID, channel, reason code), and the LLC/SNAP header that carries IP in data frames.
//!
//! etherparse does not read 802.11, and no well-kept crate reads it without copying, so
//! this is written by hand from IEEE 802.11-2020 §9.2–9.4, every read bounds-checked.

use super::radiotap::{self, FLAG_DATA_PAD, Radiotap};

pub const TYPE_MGMT: u8 = 0;
pub const TYPE_CTRL: u8 = 1;
pub const TYPE_DATA: u8 = 2;

pub const SUBTYPE_ASSOC_REQ: u8 = 0;
pub const SUBTYPE_REASSOC_REQ: u8 = 2;
pub const SUBTYPE_PROBE_REQ: u8 = 4;
pub const SUBTYPE_PROBE_RESP: u8 = 5;
pub const SUBTYPE_BEACON: u8 = 8;
pub const SUBTYPE_DISASSOC: u8 = 10;
pub const SUBTYPE_DEAUTH: u8 = 12;

const FLAG_TO_DS: u8 = 0x01;
const FLAG_FROM_DS: u8 = 0x02;
const FLAG_RETRY: u8 = 0x08;
const FLAG_PROTECTED: u8 = 0x40;
const FLAG_ORDER: u8 = 0x80;

/// One 802.11 frame as far as its bytes go.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Wifi<'a> {
    pub radiotap: Option<Radiotap>,
    /// Where the 802.11 frame starts in the capture (after radiotap).
    pub start: usize,
    /// Frame control's two bytes, when captured.
    pub fc: Option<[u8; 2]>,
    pub addrs: [Option<[u8; 6]>; 4],
    pub seq: Option<u16>,
    pub qos: Option<u16>,
    pub ssid: Option<&'a [u8]>,
    /// The DS parameter set's channel (beacons, probe responses).
    pub ds_channel: Option<u8>,
    /// A deauthentication's or disassociation's reason code.
    pub reason: Option<u16>,
    /// The ethertype and capture offset of the payload an LLC/SNAP header names.
    pub payload: Option<(u16, usize)>,
    /// Where the frame's own bytes end: before the FCS when one is there.
    pub end: usize,
    /// A header or element ran past the captured bytes.
    pub cut: bool,
}

/// Reads an 802.11 frame from a capture; `radiotap` when the link type puts a radiotap
/// header first. `orig_len` says whether the capture holds the frame's end (and its FCS).
pub fn parse(data: &[u8], orig_len: u32, radiotap: bool) -> Wifi<'_> {
    let mut wifi = Wifi { end: data.len(), ..Wifi::default() };
    if radiotap {
        let Some(rt) = radiotap::parse(data) else {
            wifi.cut = true;
            return wifi;
        };
        wifi.start = usize::from(rt.len);
        wifi.radiotap = Some(rt);
        if rt.cut {
            wifi.cut = true;
            return wifi;
        }
    }
    let whole = data.len() as u64 >= u64::from(orig_len);
    if whole && wifi.radiotap.is_some_and(|rt| rt.fcs_at_end()) {
        wifi.end = data.len().saturating_sub(4).max(wifi.start);
    }
    let frame = data.get(wifi.start..wifi.end).unwrap_or_default();
    header(&mut wifi, frame, whole);
    wifi
}

/// Takes apart the MAC header of `frame` (which starts at `wifi.start`) and its body.
fn header<'a>(wifi: &mut Wifi<'a>, frame: &'a [u8], whole: bool) {
    let Some(fc) = frame.get(..2) else {
        wifi.cut = true;
        return;
    };
    wifi.fc = Some([fc[0], fc[1]]);
    let addr = |n: usize| -> Option<[u8; 6]> {
        // Address 4 comes after the sequence control field.
        let at = if n == 3 { 24 } else { 4 + 6 * n };
        frame.get(at..at + 6).map(|a| [a[0], a[1], a[2], a[3], a[4], a[5]])
    };
    let (kind, subtype, flags) = (wifi.kind(), wifi.subtype(), fc[1]);
    let four_addresses = flags & (FLAG_TO_DS | FLAG_FROM_DS) == FLAG_TO_DS | FLAG_FROM_DS;
    let addresses = match kind {
        TYPE_CTRL => match subtype {
            // CTS, ACK and the control wrapper name the receiver only.
            7 | 12 | 13 => 1,
            _ => 2,
        },
        TYPE_DATA if four_addresses => 4,
        TYPE_MGMT | TYPE_DATA => 3,
        _ => 0,
    };
    for n in 0..addresses {
        wifi.addrs[n] = addr(n);
    }
    if kind == TYPE_CTRL || addresses == 0 {
        let len = 4 + 6 * addresses;
        wifi.cut = frame.len() < len;
        return;
    }
    let mut len = 24;
    wifi.seq = frame.get(22..24).map(|s| u16::from_le_bytes([s[0], s[1]]) >> 4);
    if kind == TYPE_DATA {
        if four_addresses {
            len += 6;
        }
        if subtype & 0x08 != 0 {
            wifi.qos = frame.get(len..len + 2).map(|q| u16::from_le_bytes([q[0], q[1]]));
            len += 2;
            if flags & FLAG_ORDER != 0 {
                len += 4;
            }
        }
    } else if flags & FLAG_ORDER != 0 {
        len += 4;
    }
    if frame.len() < len {
        wifi.cut = true;
        return;
    }
    if wifi.radiotap.is_some_and(|rt| rt.flags.is_some_and(|f| f & FLAG_DATA_PAD != 0)) {
        len = len.next_multiple_of(4);
    }
    let body = frame.get(len..).unwrap_or_default();
    match kind {
        TYPE_MGMT => management(wifi, subtype, body),
        _ => data_payload(wifi, subtype, flags, body, wifi.start + len, whole),
    }
}

/// The fixed fields and elements of a management frame's body.
fn management<'a>(wifi: &mut Wifi<'a>, subtype: u8, body: &'a [u8]) {
    let fixed = match subtype {
        SUBTYPE_BEACON | SUBTYPE_PROBE_RESP => 12,
        SUBTYPE_PROBE_REQ => 0,
        SUBTYPE_ASSOC_REQ => 4,
        SUBTYPE_REASSOC_REQ => 10,
        SUBTYPE_DEAUTH | SUBTYPE_DISASSOC => {
            match body.get(..2) {
                Some(r) => wifi.reason = Some(u16::from_le_bytes([r[0], r[1]])),
                None => wifi.cut = true,
            }
            return;
        }
        _ => return,
    };
    let Some(mut elements) = body.get(fixed..) else {
        wifi.cut = true;
        return;
    };
    while !elements.is_empty() {
        let [id, len, rest @ ..] = elements else {
            wifi.cut = true;
            return;
        };
        let Some(value) = rest.get(..usize::from(*len)) else {
            wifi.cut = true;
            return;
        };
        match id {
            0 if wifi.ssid.is_none() => wifi.ssid = Some(value),
            3 if wifi.ds_channel.is_none() => wifi.ds_channel = value.first().copied(),
            _ => {}
        }
        elements = &rest[usize::from(*len)..];
    }
}

/// The LLC/SNAP header of a data frame that carries data in the clear (RFC 1042 and
/// 802.1H bridge tunnel encapsulation).
fn data_payload(wifi: &mut Wifi<'_>, subtype: u8, flags: u8, body: &[u8], at: usize, whole: bool) {
    let carries_data = subtype & 0x04 == 0;
    let amsdu = wifi.qos.is_some_and(|q| q & 0x80 != 0);
    if !carries_data || flags & FLAG_PROTECTED != 0 || amsdu {
        return;
    }
    match body {
        [0xaa, 0xaa, 0x03, 0x00, 0x00, 0x00 | 0xf8, t0, t1, ..] => {
            wifi.payload = Some((u16::from_be_bytes([*t0, *t1]), at + 8));
        }
        // Shorter than an LLC/SNAP header: the capture cut it, or it carries none.
        _ if body.len() < 8 && !whole => wifi.cut = true,
        _ => {}
    }
}

/// Frame types by the names pcap-filter(7) gives them (and hark's scripts and EVE use).
pub const TYPE_NAMES: [&str; 4] = ["mgt", "ctl", "data", "ext"];

/// Subtypes by type, as pcap-filter(7) names them; the few it leaves unnamed are named
/// after the standard.
pub const SUBTYPE_NAMES: &[(u8, u8, &str)] = &[
    (TYPE_MGMT, 0, "assoc-req"),
    (TYPE_MGMT, 1, "assoc-resp"),
    (TYPE_MGMT, 2, "reassoc-req"),
    (TYPE_MGMT, 3, "reassoc-resp"),
    (TYPE_MGMT, 4, "probe-req"),
    (TYPE_MGMT, 5, "probe-resp"),
    (TYPE_MGMT, 8, "beacon"),
    (TYPE_MGMT, 9, "atim"),
    (TYPE_MGMT, 10, "disassoc"),
    (TYPE_MGMT, 11, "auth"),
    (TYPE_MGMT, 12, "deauth"),
    (TYPE_MGMT, 13, "action"),
    (TYPE_CTRL, 8, "block-ack-req"),
    (TYPE_CTRL, 9, "block-ack"),
    (TYPE_CTRL, 10, "ps-poll"),
    (TYPE_CTRL, 11, "rts"),
    (TYPE_CTRL, 12, "cts"),
    (TYPE_CTRL, 13, "ack"),
    (TYPE_CTRL, 14, "cf-end"),
    (TYPE_CTRL, 15, "cf-end-ack"),
    (TYPE_DATA, 0, "data"),
    (TYPE_DATA, 1, "data-cf-ack"),
    (TYPE_DATA, 2, "data-cf-poll"),
    (TYPE_DATA, 3, "data-cf-ack-poll"),
    (TYPE_DATA, 4, "null"),
    (TYPE_DATA, 5, "cf-ack"),
    (TYPE_DATA, 6, "cf-poll"),
    (TYPE_DATA, 7, "cf-ack-poll"),
    (TYPE_DATA, 8, "qos-data"),
    (TYPE_DATA, 9, "qos-data-cf-ack"),
    (TYPE_DATA, 10, "qos-data-cf-poll"),
    (TYPE_DATA, 11, "qos-data-cf-ack-poll"),
    (TYPE_DATA, 12, "qos"),
    (TYPE_DATA, 14, "qos-cf-poll"),
    (TYPE_DATA, 15, "qos-cf-ack-poll"),
];

/// One field of [`Wifi::fields`].
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Field<'a> {
    Int(i64),
    Float(f64),
    Bool(bool),
    Text(&'a str),
    Mac([u8; 6]),
    /// An SSID: bytes that are text nearly always, but not always.
    Bytes(&'a [u8]),
}

impl Wifi<'_> {
    /// The frame's fields as scripts (`pkt.wifi`) and EVE (`wifi`) name them, those the
    /// frame has, in a fixed order.
    pub fn fields(&self) -> Vec<(&'static str, Field<'_>)> {
        let mut out = Vec::with_capacity(18);
        if self.fc.is_some() {
            let (kind, subtype) = (self.kind(), self.subtype());
            out.push(("type", Field::Text(TYPE_NAMES[usize::from(kind)])));
            match SUBTYPE_NAMES.iter().find(|(t, s, _)| *t == kind && *s == subtype) {
                Some((_, _, name)) => out.push(("subtype", Field::Text(name))),
                None => out.push(("subtype", Field::Int(i64::from(subtype)))),
            }
        }
        if let Some(ssid) = self.ssid {
            out.push(("ssid", Field::Bytes(ssid)));
        }
        let roles = [
            ("bssid", self.bssid()),
            ("ra", self.ra()),
            ("ta", self.ta()),
            ("sa", self.sa()),
            ("da", self.da()),
        ];
        for (name, mac) in roles {
            if let Some(mac) = mac {
                out.push((name, Field::Mac(mac)));
            }
        }
        if let Some(seq) = self.seq {
            out.push(("seq", Field::Int(i64::from(seq))));
        }
        if let Some(channel) = self.channel() {
            out.push(("channel", Field::Int(i64::from(channel))));
        }
        if let Some(rt) = &self.radiotap {
            if let Some(freq) = rt.freq {
                out.push(("freq", Field::Int(i64::from(freq))));
            }
            if let Some(signal) = rt.signal {
                out.push(("signal", Field::Int(i64::from(signal))));
            }
            if let Some(noise) = rt.noise {
                out.push(("noise", Field::Int(i64::from(noise))));
            }
            if let Some(rate) = rt.rate_mbps() {
                out.push(("rate", Field::Float(rate)));
            }
            if let Some(mcs) = rt.mcs_index() {
                out.push(("mcs", Field::Int(i64::from(mcs))));
            }
        }
        if self.fc.is_some() {
            out.push(("retry", Field::Bool(self.retry())));
            out.push(("protected", Field::Bool(self.protected())));
        }
        if let Some(reason) = self.reason {
            out.push(("reason", Field::Int(i64::from(reason))));
        }
        out
    }

    /// The frame type: 0 management, 1 control, 2 data, 3 extension.
    pub fn kind(&self) -> u8 {
        self.fc.map_or(0, |fc| (fc[0] >> 2) & 0x03)
    }

    pub fn subtype(&self) -> u8 {
        self.fc.map_or(0, |fc| fc[0] >> 4)
    }

    fn flags(&self) -> u8 {
        self.fc.map_or(0, |fc| fc[1])
    }

    pub fn to_ds(&self) -> bool {
        self.flags() & FLAG_TO_DS != 0
    }

    pub fn from_ds(&self) -> bool {
        self.flags() & FLAG_FROM_DS != 0
    }

    pub fn retry(&self) -> bool {
        self.flags() & FLAG_RETRY != 0
    }

    pub fn protected(&self) -> bool {
        self.flags() & FLAG_PROTECTED != 0
    }

    /// The receiver: address 1 in every frame.
    pub fn ra(&self) -> Option<[u8; 6]> {
        self.addrs[0]
    }

    /// The transmitter: address 2 where the frame has one.
    pub fn ta(&self) -> Option<[u8; 6]> {
        self.addrs[1]
    }

    /// The destination, by the DS bits (802.11-2020 Table 9-26).
    pub fn da(&self) -> Option<[u8; 6]> {
        match (self.kind(), self.to_ds()) {
            (TYPE_MGMT, _) | (TYPE_DATA, false) => self.addrs[0],
            (TYPE_DATA, true) => self.addrs[2],
            _ => None,
        }
    }

    /// The source, by the DS bits.
    pub fn sa(&self) -> Option<[u8; 6]> {
        match (self.kind(), self.to_ds(), self.from_ds()) {
            (TYPE_MGMT, _, _) | (TYPE_DATA, _, false) => self.addrs[1],
            (TYPE_DATA, false, true) => self.addrs[2],
            (TYPE_DATA, true, true) => self.addrs[3],
            _ => None,
        }
    }

    /// The BSS the frame belongs to; a frame between access points (both DS bits) has none.
    pub fn bssid(&self) -> Option<[u8; 6]> {
        match (self.kind(), self.to_ds(), self.from_ds()) {
            (TYPE_MGMT, _, _) | (TYPE_DATA, false, false) => self.addrs[2],
            (TYPE_DATA, true, false) => self.addrs[0],
            (TYPE_DATA, false, true) => self.addrs[1],
            _ => None,
        }
    }

    /// The channel: what the access point announces, else the radio's frequency's.
    pub fn channel(&self) -> Option<u16> {
        self.ds_channel
            .map(u16::from)
            .or_else(|| self.radiotap.and_then(|rt| rt.freq).and_then(radiotap::channel_of))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const AP: [u8; 6] = [2, 0xaa, 0, 0, 0, 1];
    const STA: [u8; 6] = [2, 0xcc, 0, 0, 0, 7];

    /// A beacon from AP for SSID "lab" on channel 6, sequence number 5.
    fn beacon() -> Vec<u8> {
        let mut f = vec![0x80, 0x00, 0, 0];
        f.extend_from_slice(&[0xff; 6]);
        f.extend_from_slice(&AP);
        f.extend_from_slice(&AP);
        f.extend_from_slice(&[0x50, 0x00]);
        f.extend_from_slice(&[0; 8]);
        f.extend_from_slice(&[100, 0, 0x11, 0x04]);
        f.extend_from_slice(&[0, 3, b'l', b'a', b'b', 3, 1, 6]);
        f
    }

    /// A QoS data frame to the DS carrying an IPv4 packet's first byte.
    fn qos_data() -> Vec<u8> {
        let mut f = vec![0x88, 0x01, 0, 0];
        f.extend_from_slice(&AP);
        f.extend_from_slice(&STA);
        f.extend_from_slice(&[2, 0, 0, 0, 0, 1]);
        f.extend_from_slice(&[0x10, 0x00, 0x05, 0x00]);
        f.extend_from_slice(&[0xaa, 0xaa, 0x03, 0, 0, 0, 0x08, 0x00, 0x45]);
        f
    }

    #[test]
    fn a_beacon_is_taken_apart() {
        let data = beacon();
        let w = parse(&data, data.len() as u32, false);
        assert_eq!((w.kind(), w.subtype()), (TYPE_MGMT, SUBTYPE_BEACON));
        assert_eq!(
            (w.ra(), w.ta(), w.bssid(), w.sa()),
            (Some([0xff; 6]), Some(AP), Some(AP), Some(AP))
        );
        assert_eq!(w.seq, Some(5));
        assert_eq!(w.ssid, Some(&b"lab"[..]));
        assert_eq!(w.channel(), Some(6));
        assert!(!w.cut);
    }

    #[test]
    fn a_qos_data_frame_leads_to_its_payload() {
        let data = qos_data();
        let w = parse(&data, data.len() as u32, false);
        assert_eq!((w.kind(), w.subtype()), (TYPE_DATA, 8));
        assert_eq!((w.bssid(), w.sa(), w.da()), (Some(AP), Some(STA), Some([2, 0, 0, 0, 0, 1])));
        assert_eq!(w.qos, Some(5));
        assert_eq!(w.payload, Some((0x0800, 34)));
    }

    #[test]
    fn every_cut_reads_what_is_there() {
        // A beacon cut between two elements, or before the first, looks whole.
        let cases = [(beacon(), vec![36, 41]), (qos_data(), vec![34])];
        for (frame, whole_looking) in cases {
            for len in 0..frame.len() {
                let w = parse(&frame[..len], frame.len() as u32, false);
                assert_eq!(w.cut, !whole_looking.contains(&len), "cut at {len}");
                assert_eq!(w.payload.is_some(), len >= 34 && frame[0] == 0x88);
                assert_eq!(w.fc.is_some(), len >= 2);
                assert_eq!(w.addrs[0].is_some(), len >= 10);
            }
        }
    }

    #[test]
    fn a_lying_element_length_stops_the_walk() {
        let mut data = beacon();
        let ssid_len = data.len() - 7;
        data[ssid_len] = 200;
        let w = parse(&data, data.len() as u32, false);
        assert!(w.cut);
        assert_eq!(w.ssid, None);
    }

    #[test]
    fn radiotap_fcs_is_left_out_of_the_frame() {
        // Radiotap: flags (FCS at end); then the data frame and four FCS bytes.
        let mut data = vec![0, 0, 9, 0, 0x02, 0, 0, 0, 0x10];
        data.extend_from_slice(&qos_data());
        data.extend_from_slice(&[1, 2, 3, 4]);
        let w = parse(&data, data.len() as u32, true);
        assert_eq!(w.start, 9);
        assert_eq!(w.end, data.len() - 4);
        assert_eq!(w.payload, Some((0x0800, 9 + 34)));
        // Cut by the capture: the FCS is not in the captured bytes.
        let w = parse(&data[..data.len() - 2], data.len() as u32, true);
        assert_eq!(w.end, data.len() - 2);
    }
}
