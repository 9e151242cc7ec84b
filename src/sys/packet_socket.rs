//! Live capture with no batching delay: an `AF_PACKET` socket read with `recvmmsg`.
//!
//! The ring of `packet_ring` hands packets over a block at a time, up to its block timeout
//! (at least 1 ms) after they arrived. That is right for watching an interface and wrong
//! for answering on it: a ping reply must leave within microseconds. This reader gets each
//! packet as soon as the kernel has it, and still takes up to [`SLOTS`] packets per system
//! call when they queue up, so a flood does not cost a call per packet.

use std::io;
use std::os::fd::{AsRawFd, OwnedFd};
use std::time::{Duration, Instant};

use super::packet_ring::{RingCounters, RingOptions, RingPacket};
use super::{last_error, set_option};

/// Packets taken per `recvmmsg`.
const SLOTS: usize = 32;
/// Room for one packet: a 64 KiB GRO frame and its link header.
const SLOT_BYTES: usize = 65_536 + 4096;
/// Room for the timestamp and auxdata control messages of one packet.
const CONTROL_BYTES: usize = 128;

/// An open packet socket and the buffers of its last batch.
pub struct PacketSocket {
    fd: OwnedFd,
    data: Vec<u8>,
    control: Vec<u64>,
    /// Per slot of the last batch: bytes kept, direction, and the control messages' fields.
    batch: Vec<RingPacket>,
    next: usize,
    generation: u64,
    counters: RingCounters,
    /// When the last batch came in, for [`BUSY_POLL`]; `None` when the reader always sleeps.
    last_packet: Option<Instant>,
}

/// How long after a packet the reader keeps asking for the next one rather than sleeping.
/// A sleeping thread takes tens to hundreds of microseconds to be woken (about 300 µs on a
/// virtual machine), several times what answering takes; polling while traffic flows keeps
/// a reply within tens of microseconds of its request, and a quiet interface still costs
/// nothing once this long has passed.
const BUSY_POLL: Duration = Duration::from_millis(20);

impl PacketSocket {
    /// Opens the socket, attaches the filter, then binds to the interface.
    pub fn open(options: &RingOptions) -> io::Result<PacketSocket> {
        let fd = super::unbound_packet_socket(options.filter.as_deref())?;
        let raw = fd.as_raw_fd();
        set_option(raw, libc::SOL_PACKET, libc::PACKET_AUXDATA, &(1 as libc::c_int))?;
        set_option(raw, libc::SOL_SOCKET, libc::SO_TIMESTAMPNS, &(1 as libc::c_int))?;
        if options.ignore_outgoing {
            let _ = set_option(
                raw,
                libc::SOL_PACKET,
                libc::PACKET_IGNORE_OUTGOING,
                &(1 as libc::c_int),
            );
        }
        let buffer = options.ring_bytes.min(i32::MAX as usize) as libc::c_int;
        // SO_RCVBUFFORCE passes the system's cap with CAP_NET_ADMIN; without it, the
        // capped size is still better than the default.
        if set_option(raw, libc::SOL_SOCKET, libc::SO_RCVBUFFORCE, &buffer).is_err() {
            let _ = set_option(raw, libc::SOL_SOCKET, libc::SO_RCVBUF, &buffer);
        }
        super::packet_ring::bind(raw, options.ifindex)?;
        if options.promiscuous {
            super::packet_ring::add_promiscuous(raw, options.ifindex)?;
        }
        Ok(PacketSocket {
            fd,
            data: vec![0; SLOTS * SLOT_BYTES],
            control: vec![0; SLOTS * CONTROL_BYTES / 8],
            batch: Vec::with_capacity(SLOTS),
            next: 0,
            generation: 0,
            counters: RingCounters::default(),
            last_packet: options.busy_poll.then(Instant::now),
        })
    }

    /// The next packet: from the last batch, or a new batch if one is queued. Never blocks.
    pub fn try_next(&mut self) -> io::Result<Option<RingPacket>> {
        if self.next == self.batch.len() && !self.receive()? {
            return Ok(None);
        }
        let packet = self.batch[self.next];
        self.next += 1;
        Ok(Some(packet))
    }

    /// The bytes of `packet`, or none if a later batch has replaced them.
    pub fn data(&self, packet: &RingPacket) -> &[u8] {
        if packet.generation != self.generation {
            return &[];
        }
        self.data.get(packet.start..packet.start + packet.caplen).unwrap_or(&[])
    }

    /// Takes whatever is queued, up to [`SLOTS`] packets; false if nothing was.
    fn receive(&mut self) -> io::Result<bool> {
        self.batch.clear();
        self.next = 0;
        self.generation += 1;
        // SAFETY: the headers are plain data; all-zero is a valid value of them.
        let mut iovecs: [libc::iovec; SLOTS] = unsafe { std::mem::zeroed() };
        // SAFETY: as above.
        let mut headers: [libc::mmsghdr; SLOTS] = unsafe { std::mem::zeroed() };
        // SAFETY: as above.
        let mut addrs: [libc::sockaddr_ll; SLOTS] = unsafe { std::mem::zeroed() };
        let data = self.data.as_mut_ptr();
        let control = self.control.as_mut_ptr().cast::<u8>();
        for i in 0..SLOTS {
            // SAFETY: slot `i` lies inside `data` and control block `i` inside `control`.
            iovecs[i] = libc::iovec {
                iov_base: unsafe { data.add(i * SLOT_BYTES) }.cast(),
                iov_len: SLOT_BYTES,
            };
            let header = &mut headers[i].msg_hdr;
            header.msg_name = (&mut addrs[i] as *mut libc::sockaddr_ll).cast();
            header.msg_namelen = std::mem::size_of::<libc::sockaddr_ll>() as libc::socklen_t;
            header.msg_iov = &mut iovecs[i];
            header.msg_iovlen = 1;
            // SAFETY: inside `control`, which is 8-byte aligned (a Vec<u64>).
            header.msg_control = unsafe { control.add(i * CONTROL_BYTES) }.cast();
            header.msg_controllen = CONTROL_BYTES as _;
        }
        // SAFETY: every header points at buffers that live across the call and are as long
        // as the header says; the kernel writes only inside them.
        let n = unsafe {
            libc::recvmmsg(
                self.fd.as_raw_fd(),
                headers.as_mut_ptr(),
                SLOTS as libc::c_uint,
                libc::MSG_DONTWAIT | libc::MSG_TRUNC,
                std::ptr::null_mut(),
            )
        };
        if n < 0 {
            let e = last_error();
            return match e.kind() {
                io::ErrorKind::WouldBlock | io::ErrorKind::Interrupted => Ok(false),
                _ => Err(e),
            };
        }
        for (i, header) in headers.iter().take(n as usize).enumerate() {
            let len = header.msg_len as usize;
            let mut packet = RingPacket {
                secs: 0,
                nanos: 0,
                len: len as u32,
                pkttype: addrs[i].sll_pkttype,
                vlan: None,
                start: i * SLOT_BYTES,
                caplen: len.min(SLOT_BYTES),
                generation: self.generation,
            };
            read_control(&header.msg_hdr, &mut packet);
            self.batch.push(packet);
        }
        if let Some(last) = self.last_packet.as_mut().filter(|_| !self.batch.is_empty()) {
            *last = Instant::now();
        }
        Ok(!self.batch.is_empty())
    }

    /// Waits until a packet is queued or `timeout` passes; a socket error (the interface
    /// went down or away) comes back as `Err`.
    pub fn wait(&mut self, timeout: Duration) -> io::Result<()> {
        if self.next < self.batch.len() {
            return Ok(());
        }
        let fd = self.fd.as_raw_fd();
        let until = Instant::now() + timeout;
        let busy_until = self.last_packet.map(|last| (last + BUSY_POLL).min(until));
        while busy_until.is_some_and(|busy_until| Instant::now() < busy_until) {
            if super::packet_ring::poll_readable(fd, Duration::ZERO)? {
                return Ok(());
            }
            // Whatever else wants the core (the peer, a tcpdump beside hark) gets it first.
            std::thread::yield_now();
        }
        let left = until.saturating_duration_since(Instant::now());
        super::packet_ring::poll_readable(fd, left).map(drop)
    }

    /// The kernel's counters so far, summed (the kernel resets its own on every read).
    pub fn counters(&mut self) -> RingCounters {
        super::packet_ring::add_kernel_counters(self.fd.as_raw_fd(), &mut self.counters);
        self.counters
    }
}

/// Fills in the kernel timestamp, the wire length and the VLAN tag from a message's
/// control data.
fn read_control(header: &libc::msghdr, packet: &mut RingPacket) {
    // SAFETY: the CMSG_* walk stays inside the control buffer the kernel filled, whose
    // length it wrote in `msg_controllen`; each payload is read unaligned as plain data.
    unsafe {
        let mut cmsg = libc::CMSG_FIRSTHDR(header);
        while !cmsg.is_null() {
            let level = (*cmsg).cmsg_level;
            let kind = (*cmsg).cmsg_type;
            let payload = libc::CMSG_DATA(cmsg);
            if level == libc::SOL_SOCKET && kind == libc::SCM_TIMESTAMPNS {
                let ts: libc::timespec = std::ptr::read_unaligned(payload.cast());
                packet.secs = ts.tv_sec as u32;
                packet.nanos = ts.tv_nsec as u32;
            } else if level == libc::SOL_PACKET && kind == libc::PACKET_AUXDATA {
                let aux: libc::tpacket_auxdata = std::ptr::read_unaligned(payload.cast());
                packet.len = aux.tp_len;
                if aux.tp_status & libc::TP_STATUS_VLAN_VALID != 0 {
                    let tpid = if aux.tp_status & libc::TP_STATUS_VLAN_TPID_VALID != 0 {
                        aux.tp_vlan_tpid
                    } else {
                        0x8100
                    };
                    packet.vlan = Some((aux.tp_vlan_tci, tpid));
                }
            }
            cmsg = libc::CMSG_NXTHDR(header, cmsg);
        }
    }
}
