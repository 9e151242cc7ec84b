//! Where packets come from: a live interface, capture files, standard input, and in-memory
//! lists for tests.
//!
//! A [`Source`] hands out one borrowed [`Frame`] at a time; the frame's bytes live in the
//! source's own buffer until the next call, so reading never copies a packet. Sources never
//! panic on bad input: damage is an [`Error`] naming the byte offset, returned after every
//! good frame before it has been handed out.

mod file;
mod interfaces;
pub mod live;
mod memory;
mod readahead;

use std::fmt;

pub use file::FileSource;
pub use interfaces::list as list_interfaces;
pub use live::{LiveOptions, LiveSource};
pub use memory::{MemorySource, OwnedFrame};

/// How long a source waits for input before asking its caller again. The caller takes
/// reloaded scripts in then, so this is part of a save's time to go live on a quiet input;
/// a wake-up every 10 ms costs nothing measurable.
pub const WAIT_STEP: std::time::Duration = std::time::Duration::from_millis(10);

/// The largest packet a capture record may claim, as libpcap's `MAXIMUM_SNAPLEN`.
pub const MAX_SNAPLEN: u32 = 262_144;

/// A capture time: seconds since the Unix epoch and nanoseconds within that second.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord)]
pub struct Timestamp {
    /// Whole seconds since 1970-01-01T00:00:00Z.
    pub secs: i64,
    /// Nanoseconds past `secs`, always below 1,000,000,000.
    pub nanos: u32,
}

impl Timestamp {
    /// Builds a timestamp from a count of `1 / units_per_sec` ticks since the epoch.
    pub fn from_ticks(ticks: u64, units_per_sec: u64) -> Timestamp {
        let units_per_sec = units_per_sec.max(1);
        let secs = ticks / units_per_sec;
        let rem = u128::from(ticks % units_per_sec);
        let nanos = (rem * 1_000_000_000 / u128::from(units_per_sec)) as u32;
        Timestamp { secs: i64::try_from(secs).unwrap_or(i64::MAX), nanos }
    }

    /// The time as float seconds, as scripts see it.
    pub fn as_f64(self) -> f64 {
        self.secs as f64 + f64::from(self.nanos) / 1e9
    }
}

/// A link-layer header type as numbered by tcpdump.org's LINKTYPE registry.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct LinkType(pub u32);

impl LinkType {
    pub const NULL: LinkType = LinkType(0);
    pub const ETHERNET: LinkType = LinkType(1);
    pub const SLIP: LinkType = LinkType(8);
    pub const PPP: LinkType = LinkType(9);
    pub const RAW_OLD_12: LinkType = LinkType(12);
    pub const RAW_OLD_14: LinkType = LinkType(14);
    pub const PPP_HDLC: LinkType = LinkType(50);
    pub const RAW: LinkType = LinkType(101);
    pub const C_HDLC: LinkType = LinkType(104);
    pub const IEEE802_11: LinkType = LinkType(105);
    pub const FRELAY: LinkType = LinkType(107);
    pub const LOOP: LinkType = LinkType(108);
    pub const LINUX_SLL: LinkType = LinkType(113);
    pub const IEEE802_11_RADIOTAP: LinkType = LinkType(127);
    pub const IPOIB: LinkType = LinkType(242);
    pub const IPV4: LinkType = LinkType(228);
    pub const IPV6: LinkType = LinkType(229);
    pub const LINUX_SLL2: LinkType = LinkType(276);

    /// Reads a pcap header's link-type field, whose upper bits may carry FCS flags.
    pub fn from_pcap_field(field: u32) -> LinkType {
        // The upper 16 bits hold the FCS length and reserved bits (pcap(5), LINKTYPE_*).
        LinkType(field & 0xffff)
    }

    /// The name tcpdump prints for this link type, if hark knows it.
    pub fn name(self) -> Option<&'static str> {
        Some(match self {
            LinkType::NULL => "NULL",
            LinkType::ETHERNET => "EN10MB",
            LinkType::PPP => "PPP",
            LinkType::RAW_OLD_12 | LinkType::RAW_OLD_14 | LinkType::RAW => "RAW",
            LinkType::PPP_HDLC => "PPP_HDLC",
            LinkType::LOOP => "LOOP",
            LinkType::LINUX_SLL => "LINUX_SLL",
            LinkType::IPV4 => "IPV4",
            LinkType::IPV6 => "IPV6",
            LinkType::LINUX_SLL2 => "LINUX_SLL2",
            LinkType::SLIP => "SLIP",
            LinkType::C_HDLC => "C_HDLC",
            LinkType::IEEE802_11 => "IEEE802_11",
            LinkType::FRELAY => "FRELAY",
            LinkType::IEEE802_11_RADIOTAP => "IEEE802_11_RADIO",
            LinkType::IPOIB => "IPOIB",
            _ => return None,
        })
    }
}

/// One captured packet, borrowed from its source's buffer.
#[derive(Clone, Copy, Debug)]
pub struct Frame<'a> {
    /// When the packet was captured.
    pub ts: Timestamp,
    /// The link type of the interface that captured it.
    pub link: LinkType,
    /// Its length on the wire, which may exceed `data.len()` when the capture cut it short.
    pub orig_len: u32,
    /// The bytes that were captured.
    pub data: &'a [u8],
    /// In a pcapng file, the interface it was captured on; `None` for pcap files, live
    /// capture and packets hark made.
    pub iface: Option<&'a InputInterface>,
}

/// A capture interface as a pcapng file describes it, for a pcapng file written from it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct InputInterface {
    /// Its number in the file's section.
    pub id: u32,
    pub link: LinkType,
    pub snaplen: u32,
    /// Timestamp units a second (10^6 for microseconds, 10^9 for nanoseconds).
    pub units_per_sec: u64,
}

/// A stream of frames.
pub trait Source {
    /// The next frame, `Ok(None)` at the end, or the damage that stops the stream.
    ///
    /// `before_wait` is called before the source blocks for more input, and again every
    /// [`WAIT_STEP`] while it waits, so that the caller can flush what it holds: readers of
    /// its output then see every packet read so far. It returns false to stop waiting:
    /// the source then ends as if the input had (Ctrl-C on a quiet pipe).
    fn next_frame(
        &mut self,
        before_wait: &mut dyn FnMut() -> bool,
    ) -> Result<Option<Frame<'_>>, Error>;

    /// The link type of the first interface, the one a pcap written from this source uses.
    fn link_type(&self) -> Option<LinkType>;

    /// Whether timestamps carry more than microsecond precision.
    fn nanosecond_precision(&self) -> bool;

    /// Bytes read so far and the total, when the total is known (for a progress bar).
    fn progress(&self) -> (u64, Option<u64>);

    /// The kernel's counts for a live capture: packets its filter accepted, and packets it
    /// dropped for want of room.
    fn kernel_counters(&mut self) -> Option<(u64, u64)> {
        None
    }

    /// The interface packets are captured on, when live.
    fn interface(&self) -> Option<&str> {
        None
    }

    /// Whether packets arrive as they happen (time is the wall clock's) rather than from
    /// a recording.
    fn is_live(&self) -> bool {
        false
    }
}

/// Why a source could not go on.
#[derive(Debug)]
pub struct Error {
    /// What was being read: a path, or `-` for standard input.
    pub input: String,
    pub kind: ErrorKind,
}

/// What went wrong with a source.
#[derive(Debug)]
pub enum ErrorKind {
    /// The file could not be opened.
    Open(std::io::Error),
    /// Reading failed part-way.
    Read { offset: u64, source: std::io::Error },
    /// The input is empty.
    Empty,
    /// The first bytes are neither a pcap nor a pcapng header.
    NotCapture { magic: [u8; 4] },
    /// The input ends inside a header or record.
    Truncated { offset: u64 },
    /// The file was cut to `len` bytes while hark read it.
    Shrank { offset: u64, len: u64 },
    /// A record makes no sense; nothing after it can be trusted.
    Corrupt { offset: u64, why: String },
    /// The interface to capture on does not exist.
    NoInterface,
    /// The interface's hardware type (`ARPHRD_*`) is not one hark captures on.
    LinkUnsupported(u32),
    /// The capture could not be opened on the interface.
    Capture(std::io::Error),
    /// The capture failed while running: the interface went down or away.
    Lost(std::io::Error),
}

impl Error {
    pub(crate) fn new(input: &str, kind: ErrorKind) -> Error {
        Error { input: input.to_string(), kind }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let input = if self.input == "-" { "standard input" } else { &self.input };
        match &self.kind {
            ErrorKind::Open(e) => {
                let fix = match e.kind() {
                    std::io::ErrorKind::NotFound => " (check the path)",
                    std::io::ErrorKind::PermissionDenied => {
                        " (check the file's permissions, or run as its owner)"
                    }
                    _ => "",
                };
                write!(f, "cannot open capture: {input}: {}{fix}", io_reason(e))
            }
            ErrorKind::Read { offset, source } => {
                write!(f, "cannot read capture: {input}: {} at byte {offset}", io_reason(source))
            }
            ErrorKind::Empty => {
                write!(
                    f,
                    "cannot read capture: {input}: it is empty (expected a pcap or pcapng file)"
                )
            }
            ErrorKind::NotCapture { magic } => write!(
                f,
                "cannot read capture: {input}: not a pcap or pcapng file (it starts with {:02x}{:02x}{:02x}{:02x})",
                magic[0], magic[1], magic[2], magic[3]
            ),
            ErrorKind::Truncated { offset } => write!(
                f,
                "capture is cut short: {input}: it ends inside a record at byte {offset} (the packets before it were read)"
            ),
            ErrorKind::Shrank { offset, len } => write!(
                f,
                "capture was cut short while hark read it: {input}: it now ends at byte {len}, inside or before the record at byte {offset} (the packets before it were read)"
            ),
            ErrorKind::Corrupt { offset, why } => write!(
                f,
                "capture is damaged: {input}: {why} at byte {offset} (the packets before it were read)"
            ),
            ErrorKind::NoInterface => {
                write!(f, "cannot capture: {input}: no such interface (hark -D lists them)")
            }
            ErrorKind::LinkUnsupported(arphrd) => write!(
                f,
                "cannot capture on {input}: its hardware type {arphrd} is not one hark reads (Ethernet, loopback, IP tunnels)"
            ),
            ErrorKind::Capture(e) if e.kind() == std::io::ErrorKind::PermissionDenied => write!(
                f,
                "cannot capture on {input}: permission denied (run as root, or grant CAP_NET_RAW and CAP_NET_ADMIN: setcap cap_net_raw,cap_net_admin=eip $(which hark))"
            ),
            ErrorKind::Capture(e) => {
                write!(f, "cannot capture on {input}: {}", live::capture_reason(e))
            }
            ErrorKind::Lost(e) => {
                write!(f, "capture ended: {input}: {}", live::capture_reason(e))
            }
        }
    }
}

/// An I/O error's reason in lower case without the "(os error N)" tail.
pub(crate) fn io_reason(e: &std::io::Error) -> String {
    let text = match e.kind() {
        std::io::ErrorKind::NotFound => "no such file".to_string(),
        std::io::ErrorKind::PermissionDenied => "permission denied".to_string(),
        std::io::ErrorKind::IsADirectory => "is a directory".to_string(),
        _ => {
            let s = e.to_string();
            match s.find(" (os error") {
                Some(i) => s[..i].to_string(),
                None => s,
            }
        }
    };
    text.to_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ticks_convert_exactly() {
        assert_eq!(
            Timestamp::from_ticks(1_500_000, 1_000_000),
            Timestamp { secs: 1, nanos: 500_000_000 }
        );
        assert_eq!(Timestamp::from_ticks(7, 1_000_000_000), Timestamp { secs: 0, nanos: 7 });
        assert_eq!(Timestamp::from_ticks(3, 0), Timestamp { secs: 3, nanos: 0 });
    }

    #[test]
    fn link_type_drops_fcs_bits() {
        assert_eq!(LinkType::from_pcap_field(0x3000_0001), LinkType::ETHERNET);
        assert_eq!(LinkType::from_pcap_field(0x3000_0065), LinkType::RAW);
    }
}
