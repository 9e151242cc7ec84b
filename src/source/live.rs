//! Live capture from a network interface (`-i`), through the packet ring in `sys/`.
//!
//! The frames are the kernel's, with its timestamps: what the interface carried, in the
//! direction asked for (`-Q`), cut to the snap length, with the VLAN tag the kernel took
//! off put back in place (as libpcap does), and never a frame hark itself sent.

use std::collections::VecDeque;
use std::hash::{Hash, Hasher};
use std::io;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::{Error, ErrorKind, Frame, LinkType, MAX_SNAPLEN, Source, Timestamp, WAIT_STEP};
use crate::sys::packet_ring::{PacketRing, RingCounters, RingOptions, RingPacket};
use crate::sys::packet_socket::PacketSocket;

/// Which packets of the interface are captured (`-Q`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Direction {
    In,
    Out,
    #[default]
    InOut,
}

/// How to open a live capture.
#[derive(Clone, Debug)]
pub struct LiveOptions {
    pub interface: String,
    pub promiscuous: bool,
    pub direction: Direction,
    /// The kernel buffer (`-B`, in KiB).
    pub buffer_kib: Option<u32>,
    /// Hand packets over as they arrive rather than in batches (`--immediate-mode`, and
    /// always when answering with `--inject`).
    pub immediate: bool,
    /// With `immediate`: keep asking for the next packet for a while after each one
    /// rather than sleeping, so that an answer does not wait for the thread to wake.
    pub busy_poll: bool,
    pub snaplen: Option<u32>,
    /// A classic BPF program for Ethernet frames, for the kernel to run before copying a
    /// packet (left out on other link types).
    pub kernel_filter: Option<Vec<crate::filter::cbpf::Insn>>,
}

/// The ring's size unless `-B` says: large enough that a burst at line rate on a veth
/// waits while scripts run, small enough for a laptop.
const DEFAULT_RING_KIB: u32 = 32 * 1024;

/// How long a stopped capture waits for the packets the kernel still holds: twice the
/// ring's block timeout.
const DRAIN: Duration = Duration::from_millis(20);

/// Frames hark sent recently, so that their copies coming back from the interface are
/// recognised by their bytes and left out of the chain (no reply loops).
#[derive(Default)]
pub struct OwnFrames {
    recent: Mutex<VecDeque<u64>>,
}

/// How many sent frames are remembered; a copy comes back within microseconds.
const OWN_FRAMES_KEPT: usize = 4096;

impl OwnFrames {
    /// Remembers a frame about to be sent: the whole frame, or its IP packet when the
    /// kernel adds the link header (a raw IP socket).
    pub fn remember(&self, bytes: &[u8]) {
        if let Ok(mut recent) = self.recent.lock() {
            if recent.len() == OWN_FRAMES_KEPT {
                recent.pop_front();
            }
            recent.push_back(fingerprint(bytes));
        }
    }

    /// Whether `frame` (an outgoing one) is one hark sent; forgets it if so.
    fn take(&self, frame: &[u8], link_header: usize) -> bool {
        let Ok(mut recent) = self.recent.lock() else { return false };
        if recent.is_empty() {
            return false;
        }
        let whole = fingerprint(frame);
        let ip = frame.get(link_header..).map(fingerprint);
        match recent.iter().position(|&f| f == whole || Some(f) == ip) {
            Some(i) => {
                recent.remove(i);
                true
            }
            None => false,
        }
    }
}

fn fingerprint(bytes: &[u8]) -> u64 {
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    bytes.hash(&mut hasher);
    hasher.finish()
}

/// How packets come up from the kernel: a block of them at a time through the shared
/// ring (the cheapest way to keep up with a busy interface), or each as soon as it arrives
/// (for answering: a block can wait a millisecond or more before it is handed over).
enum Receiver {
    Ring(PacketRing),
    Immediate(PacketSocket),
}

impl Receiver {
    fn try_next(&mut self) -> io::Result<Option<RingPacket>> {
        match self {
            Receiver::Ring(ring) => Ok(ring.try_next()),
            Receiver::Immediate(socket) => socket.try_next(),
        }
    }

    fn data(&self, packet: &RingPacket) -> &[u8] {
        match self {
            Receiver::Ring(ring) => ring.data(packet),
            Receiver::Immediate(socket) => socket.data(packet),
        }
    }

    fn wait(&mut self, timeout: Duration) -> io::Result<()> {
        match self {
            Receiver::Ring(ring) => ring.wait(timeout),
            Receiver::Immediate(socket) => socket.wait(timeout),
        }
    }

    fn counters(&mut self) -> RingCounters {
        match self {
            Receiver::Ring(ring) => ring.counters(),
            Receiver::Immediate(socket) => socket.counters(),
        }
    }
}

/// A network interface being captured on.
pub struct LiveSource {
    ring: Receiver,
    interface: String,
    link: LinkType,
    snaplen: usize,
    direction: Direction,
    /// Loopback shows every packet twice (out, then in); the outgoing copy is left out.
    loopback: bool,
    own: Option<Arc<OwnFrames>>,
    /// A frame with its VLAN tag put back.
    tagged: Vec<u8>,
    /// Once the caller has said stop: until when packets the kernel still holds in a
    /// part-filled block are taken.
    drain_until: Option<Instant>,
    /// The error that ended the capture, reported once the last packets are out.
    failed: Option<(io::Error, Instant)>,
    bytes: u64,
}

impl LiveSource {
    /// Opens a capture on `options.interface`.
    pub fn open(options: &LiveOptions) -> Result<LiveSource, Error> {
        let name = &options.interface;
        let fail = |kind| Error::new(name, kind);
        let (ifindex, arphrd) = interface_info(name).ok_or_else(|| fail(ErrorKind::NoInterface))?;
        let link = match arphrd {
            // Ethernet, and loopback, which Linux frames with an all-zero Ethernet header.
            1 | 772 => LinkType::ETHERNET,
            // Tunnels and point-to-point devices with no link header: the IP packet.
            65534 | 768 | 776 | 778 => LinkType::RAW,
            other => return Err(fail(ErrorKind::LinkUnsupported(other))),
        };
        let ring_bytes = options.buffer_kib.unwrap_or(DEFAULT_RING_KIB) as usize * 1024;
        let ring_options = RingOptions {
            ifindex,
            promiscuous: options.promiscuous,
            ignore_outgoing: options.direction == Direction::In,
            ring_bytes,
            block_timeout: Duration::from_millis(10),
            busy_poll: options.busy_poll,
            filter: options.kernel_filter.as_ref().filter(|_| link == LinkType::ETHERNET).map(
                |p| {
                    p.iter()
                        .map(|i| libc::sock_filter { code: i.code, jt: i.jt, jf: i.jf, k: i.k })
                        .collect()
                },
            ),
        };
        let ring = if options.immediate {
            PacketSocket::open(&ring_options).map(Receiver::Immediate)
        } else {
            PacketRing::open(&ring_options).map(Receiver::Ring)
        };
        let ring = ring.map_err(|e| fail(ErrorKind::Capture(e)))?;
        Ok(LiveSource {
            ring,
            interface: name.clone(),
            link,
            snaplen: options.snaplen.unwrap_or(MAX_SNAPLEN) as usize,
            direction: options.direction,
            loopback: arphrd == 772,
            own: None,
            tagged: Vec::new(),
            drain_until: None,
            failed: None,
            bytes: 0,
        })
    }

    /// Leaves out frames that hark itself sends, as `own` records them.
    pub fn ignore_own(&mut self, own: Arc<OwnFrames>) {
        self.own = Some(own);
    }

    /// Whether a packet the ring holds is one to hand out.
    fn wanted(&self, packet: &RingPacket) -> bool {
        let outgoing = packet.pkttype == libc::PACKET_OUTGOING;
        let by_direction = match self.direction {
            Direction::In => !outgoing,
            Direction::Out => outgoing,
            Direction::InOut => true,
        };
        if !by_direction || (outgoing && self.loopback) {
            return false;
        }
        if outgoing {
            if let Some(own) = &self.own {
                let link_header = if self.link == LinkType::ETHERNET { 14 } else { 0 };
                return !own.take(self.ring.data(packet), link_header);
            }
        }
        true
    }
}

impl Source for LiveSource {
    fn next_frame(
        &mut self,
        before_wait: &mut dyn FnMut() -> bool,
    ) -> Result<Option<Frame<'_>>, Error> {
        let lost = |e| Error::new(&self.interface, ErrorKind::Lost(e));
        let packet = loop {
            match self.ring.try_next().map_err(lost)? {
                Some(packet) if self.wanted(&packet) => break packet,
                Some(_) => continue,
                None => {}
            }
            if !before_wait() {
                // Ctrl-C on a quiet interface: what arrived just before it is still in a
                // block the kernel hands over within its timeout; take it, then end.
                let until = *self.drain_until.get_or_insert_with(|| Instant::now() + DRAIN);
                if Instant::now() >= until {
                    return Ok(None);
                }
            }
            // The interface went down: packets still in a part-filled block come out when
            // its timeout retires it; then the error ends the capture.
            if let Some((e, until)) = self.failed.take() {
                if Instant::now() >= until {
                    return Err(lost(e));
                }
                self.failed = Some((e, until));
                std::thread::sleep(Duration::from_millis(1));
                continue;
            }
            if let Err(e) = self.ring.wait(WAIT_STEP) {
                self.failed = Some((e, Instant::now() + DRAIN));
            }
        };
        let ts = Timestamp { secs: i64::from(packet.secs), nanos: packet.nanos };
        let data = self.ring.data(&packet);
        let mut orig_len = packet.len;
        let data = match packet.vlan {
            Some((tci, tpid)) if self.link == LinkType::ETHERNET && data.len() >= 12 => {
                self.tagged.clear();
                self.tagged.extend_from_slice(&data[..12]);
                self.tagged.extend_from_slice(&tpid.to_be_bytes());
                self.tagged.extend_from_slice(&tci.to_be_bytes());
                self.tagged.extend_from_slice(&data[12..]);
                orig_len += 4;
                &self.tagged[..]
            }
            _ => data,
        };
        let data = &data[..data.len().min(self.snaplen)];
        self.bytes += data.len() as u64;
        Ok(Some(Frame { ts, link: self.link, orig_len, data, iface: None }))
    }

    fn link_type(&self) -> Option<LinkType> {
        Some(self.link)
    }

    fn nanosecond_precision(&self) -> bool {
        // The kernel's times are in nanoseconds, but pcap files are written in
        // microseconds, as tcpdump writes them, so that every reader takes them.
        false
    }

    fn progress(&self) -> (u64, Option<u64>) {
        (self.bytes, None)
    }

    fn kernel_counters(&mut self) -> Option<(u64, u64)> {
        let counters = self.ring.counters();
        Some((counters.received, counters.dropped))
    }

    fn is_live(&self) -> bool {
        true
    }

    fn interface(&self) -> Option<&str> {
        Some(&self.interface)
    }
}

/// An interface's index and hardware type (`ARPHRD_*`), from sysfs.
fn interface_info(name: &str) -> Option<(u32, u32)> {
    if name.is_empty() || name.contains('/') || name.starts_with('.') {
        return None;
    }
    let read = |file: &str| -> Option<u32> {
        let text = std::fs::read_to_string(format!("/sys/class/net/{name}/{file}")).ok()?;
        text.trim().parse().ok()
    };
    Some((read("ifindex")?, read("type")?))
}

/// The reason an I/O error gives, for a live interface.
pub(crate) fn capture_reason(e: &io::Error) -> String {
    match e.raw_os_error() {
        Some(libc::ENETDOWN) => "the interface is down".into(),
        Some(libc::ENXIO) | Some(libc::ENODEV) => "the interface is gone".into(),
        _ => super::io_reason(e),
    }
}
