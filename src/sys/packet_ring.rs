//! Live capture: an `AF_PACKET` socket with a `TPACKET_V3` receive ring.
//!
//! Why a ring of hark's own rather than pnet's receiver: pnet reads one packet per
//! `recvfrom` into a buffer and drops the socket address that says a packet's direction,
//! and it has no kernel timestamps or counters. The ring gives all three, and the kernel
//! hands over a whole block of packets per wake-up, so a busy interface costs no system
//! call per packet: that is what keeps the kernel's drop counter at zero where a
//! per-packet reader falls behind. pnet still lists interfaces and sends frames.
//!
//! The ring is shared memory the kernel writes into: a block belongs to hark from the
//! moment its status says `TP_STATUS_USER` until hark writes `TP_STATUS_KERNEL` back.
//! Packets handed out borrow the ring mutably, so a block is only given back once nothing
//! refers into it.

use std::io;
use std::os::fd::{AsRawFd, OwnedFd};
use std::ptr::NonNull;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use super::{last_error, set_option};

/// What the socket captures and how much kernel memory it holds packets in.
#[derive(Clone, Debug)]
pub struct RingOptions {
    pub ifindex: u32,
    pub promiscuous: bool,
    /// Ask the kernel not to pass outgoing packets at all (`-Q in`).
    pub ignore_outgoing: bool,
    /// The ring's size in bytes (`-B`), rounded to whole blocks.
    pub ring_bytes: usize,
    /// How long the kernel may hold a part-filled block before handing it over.
    pub block_timeout: Duration,
    /// For the one-by-one reader: poll for a while after each packet before sleeping.
    pub busy_poll: bool,
    /// A classic BPF program the kernel runs on every packet before copying it.
    pub filter: Option<Vec<libc::sock_filter>>,
}

/// One packet in the ring. Its bytes are read with [`PacketRing::data`] until the reader
/// moves past its block; after that they read as empty, never as the kernel's newer data.
#[derive(Clone, Copy, Debug)]
pub struct RingPacket {
    pub secs: u32,
    pub nanos: u32,
    /// The packet's length on the wire.
    pub len: u32,
    /// The kernel's `sll_pkttype` (`PACKET_OUTGOING` for packets this host sent).
    pub pkttype: u8,
    /// The 802.1Q tag the kernel took off the frame, if any: (TCI, TPID).
    pub vlan: Option<(u16, u16)>,
    /// Offset of the packet's first byte in the reader's buffer, and how many bytes were
    /// kept.
    pub(super) start: usize,
    pub(super) caplen: usize,
    /// Which hold of a block (or batch) this packet belongs to.
    pub(super) generation: u64,
}

/// The kernel's counters since the socket was opened.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RingCounters {
    /// Packets the socket's filter accepted (including those then dropped).
    pub received: u64,
    /// Packets dropped because the ring was full.
    pub dropped: u64,
}

/// Where the reader is inside the block it holds.
#[derive(Clone, Copy, Debug)]
struct Cursor {
    /// Offset of the next packet header from the block's start.
    offset: usize,
    /// Packets of the block not yet handed out.
    left: u32,
}

/// An open packet socket and its mapped receive ring.
pub struct PacketRing {
    fd: OwnedFd,
    map: NonNull<u8>,
    map_len: usize,
    block_size: usize,
    blocks: usize,
    /// The block the reader is on or waits for.
    current: usize,
    /// Set while the reader holds `current`.
    cursor: Option<Cursor>,
    /// Counts blocks given back, so that a packet of an earlier block is known as stale.
    generation: u64,
    counters: RingCounters,
}

// SAFETY: the mapping belongs to this ring alone and is only reached through `&mut self`
// or through packets that borrow the ring; moving it to another thread moves all of that.
unsafe impl Send for PacketRing {}

/// The largest block: a GRO frame of 64 KiB and its headers always fit in one.
const MAX_BLOCK: usize = 1 << 20;
const MIN_BLOCK: usize = 128 << 10;

impl PacketRing {
    /// Opens the socket, attaches the filter, maps the ring, then binds to the interface,
    /// so that no packet of another interface or outside the filter is ever queued.
    pub fn open(options: &RingOptions) -> io::Result<PacketRing> {
        let fd = super::unbound_packet_socket(options.filter.as_deref())?;
        let raw = fd.as_raw_fd();
        set_option(
            raw,
            libc::SOL_PACKET,
            libc::PACKET_VERSION,
            &(libc::tpacket_versions::TPACKET_V3 as libc::c_int),
        )?;
        if options.ignore_outgoing {
            // Older kernels (before 4.20) lack it; the reader then drops them itself.
            let _ = set_option(
                raw,
                libc::SOL_PACKET,
                libc::PACKET_IGNORE_OUTGOING,
                &(1 as libc::c_int),
            );
        }
        let (block_size, blocks) = ring_shape(options.ring_bytes);
        let frame_size = 2048u32;
        let request = libc::tpacket_req3 {
            tp_block_size: block_size as u32,
            tp_block_nr: blocks as u32,
            tp_frame_size: frame_size,
            tp_frame_nr: (block_size / frame_size as usize * blocks) as u32,
            tp_retire_blk_tov: options.block_timeout.as_millis().clamp(1, 1000) as u32,
            tp_sizeof_priv: 0,
            tp_feature_req_word: 0,
        };
        set_option(raw, libc::SOL_PACKET, libc::PACKET_RX_RING, &request)?;
        let map_len = block_size * blocks;
        // SAFETY: a fresh shared mapping of the ring the kernel just allocated for this
        // socket; its length is exactly the ring's. The kernel keeps the pages alive until
        // `munmap` in `drop`, whatever happens to the interface.
        let map = unsafe {
            libc::mmap(
                std::ptr::null_mut(),
                map_len,
                libc::PROT_READ | libc::PROT_WRITE,
                libc::MAP_SHARED,
                raw,
                0,
            )
        };
        if map == libc::MAP_FAILED {
            return Err(last_error());
        }
        let Some(map) = NonNull::new(map.cast::<u8>()) else {
            return Err(io::Error::other("the kernel mapped the ring at address 0"));
        };
        let ring = PacketRing {
            fd,
            map,
            map_len,
            block_size,
            blocks,
            current: 0,
            cursor: None,
            generation: 0,
            counters: RingCounters::default(),
        };
        bind(raw, options.ifindex)?;
        if options.promiscuous {
            add_promiscuous(raw, options.ifindex)?;
        }
        Ok(ring)
    }

    /// The next packet if one is ready; never blocks and makes no system call.
    pub fn try_next(&mut self) -> Option<RingPacket> {
        if let Some(cursor) = self.cursor {
            if cursor.left == 0 {
                self.give_back_current();
            }
        }
        if self.cursor.is_none() {
            let header = self.block_header(self.current);
            if header.status().load(Ordering::Acquire) & libc::TP_STATUS_USER == 0 {
                return None;
            }
            let packets = header.num_pkts();
            let first = header.offset_to_first_pkt() as usize;
            self.cursor = Some(Cursor { offset: first, left: packets });
            if packets == 0 {
                return None;
            }
        }
        let mut cursor = self.cursor?;
        cursor.left -= 1;
        let block = self.current * self.block_size;
        let place = self.locate(block, cursor.offset);
        // A header that points outside its block: skip the rest of the block rather than
        // read past it.
        cursor = match &place {
            Some((_, next)) => Cursor { offset: *next, left: cursor.left },
            None => Cursor { offset: cursor.offset, left: 0 },
        };
        self.cursor = Some(cursor);
        place.map(|(packet, _)| packet)
    }

    /// The bytes of `packet`, or none if the reader has moved past its block.
    pub fn data(&self, packet: &RingPacket) -> &[u8] {
        if packet.generation != self.generation {
            return &[];
        }
        // SAFETY: the packet's block is still held by user space (same generation: not
        // given back since), and `start..start + caplen` was checked to lie inside it when
        // the packet was located. The kernel does not write a block user space holds, and
        // giving it back needs `&mut self`, which this borrow rules out.
        unsafe { std::slice::from_raw_parts(self.map.as_ptr().add(packet.start), packet.caplen) }
    }

    /// Reads the header of the packet `offset` bytes into the block at `block`: where its
    /// bytes are and where the next packet's header is. `None` if the kernel's offsets
    /// point outside the block.
    fn locate(&self, block: usize, offset: usize) -> Option<(RingPacket, usize)> {
        let header_len = std::mem::size_of::<libc::tpacket3_hdr>();
        let sll_offset = offset + align16(header_len);
        if sll_offset + std::mem::size_of::<libc::sockaddr_ll>() > self.block_size {
            return None;
        }
        // SAFETY: the header lies inside the mapping (checked above) in a block user space
        // owns; read_unaligned needs no alignment.
        let header: libc::tpacket3_hdr =
            unsafe { std::ptr::read_unaligned(self.map.as_ptr().add(block + offset).cast()) };
        let mac = header.tp_mac as usize;
        let caplen = header.tp_snaplen as usize;
        if offset + mac + caplen > self.block_size {
            return None;
        }
        // SAFETY: inside the block, checked above; plain data.
        let sll: libc::sockaddr_ll =
            unsafe { std::ptr::read_unaligned(self.map.as_ptr().add(block + sll_offset).cast()) };
        let vlan = (header.tp_status & libc::TP_STATUS_VLAN_VALID != 0).then(|| {
            let tpid = if header.tp_status & libc::TP_STATUS_VLAN_TPID_VALID != 0 {
                header.hv1.tp_vlan_tpid
            } else {
                0x8100
            };
            (header.hv1.tp_vlan_tci as u16, tpid)
        });
        let next = match header.tp_next_offset {
            0 => self.block_size,
            n => offset + n as usize,
        };
        let packet = RingPacket {
            secs: header.tp_sec,
            nanos: header.tp_nsec,
            len: header.tp_len,
            pkttype: sll.sll_pkttype,
            vlan,
            start: block + offset + mac,
            caplen,
            generation: self.generation,
        };
        Some((packet, next))
    }

    /// Waits until a block is ready or `timeout` passes. An error the socket holds (the
    /// interface went down or away) comes back as `Err`.
    pub fn wait(&mut self, timeout: Duration) -> io::Result<()> {
        if self.cursor.is_some_and(|c| c.left == 0) {
            self.give_back_current();
        }
        if self.block_header(self.current).status().load(Ordering::Acquire) & libc::TP_STATUS_USER
            != 0
        {
            return Ok(());
        }
        poll_readable(self.fd.as_raw_fd(), timeout).map(drop)
    }

    /// The kernel's counters so far. The kernel resets its own on every read, so they are
    /// summed here.
    pub fn counters(&mut self) -> RingCounters {
        add_kernel_counters(self.fd.as_raw_fd(), &mut self.counters);
        self.counters
    }

    /// Hands the block the reader holds back to the kernel and moves to the next.
    fn give_back_current(&mut self) {
        self.block_header(self.current).status().store(libc::TP_STATUS_KERNEL, Ordering::Release);
        self.cursor = None;
        self.generation += 1;
        self.current = (self.current + 1) % self.blocks;
    }

    fn block_header(&self, index: usize) -> BlockHeader<'_> {
        // SAFETY: `index < blocks`, so the block lies inside the mapping.
        let start = unsafe { self.map.as_ptr().add(index * self.block_size) };
        BlockHeader { start, _ring: std::marker::PhantomData }
    }
}

impl Drop for PacketRing {
    fn drop(&mut self) {
        // SAFETY: the mapping made in `open`, unmapped once; no packet borrows it any more
        // (they borrow `self`).
        unsafe {
            libc::munmap(self.map.as_ptr().cast(), self.map_len);
        }
    }
}

/// A block's descriptor, read in place: the kernel writes `block_status` concurrently.
struct BlockHeader<'a> {
    start: *mut u8,
    _ring: std::marker::PhantomData<&'a PacketRing>,
}

impl BlockHeader<'_> {
    fn status(&self) -> &AtomicU32 {
        let offset = std::mem::offset_of!(libc::tpacket_block_desc, hdr);
        // SAFETY: `block_status` is the first u32 of the header union, 4-byte aligned in a
        // page-aligned block; both the kernel and hark access it atomically.
        unsafe { AtomicU32::from_ptr(self.start.add(offset).cast()) }
    }

    fn v1(&self) -> libc::tpacket_hdr_v1 {
        let offset = std::mem::offset_of!(libc::tpacket_block_desc, hdr);
        // SAFETY: inside the block; read only once its status said user space owns it.
        unsafe { std::ptr::read_unaligned(self.start.add(offset).cast()) }
    }

    fn num_pkts(&self) -> u32 {
        self.v1().num_pkts
    }

    fn offset_to_first_pkt(&self) -> u32 {
        self.v1().offset_to_first_pkt
    }
}

/// Binds a packet socket to one interface, for all protocols.
pub(super) fn bind(fd: libc::c_int, ifindex: u32) -> io::Result<()> {
    // SAFETY: sockaddr_ll is plain data; all-zero is a valid value of it.
    let mut addr: libc::sockaddr_ll = unsafe { std::mem::zeroed() };
    addr.sll_family = libc::AF_PACKET as libc::c_ushort;
    addr.sll_protocol = (libc::ETH_P_ALL as u16).to_be();
    addr.sll_ifindex = ifindex as libc::c_int;
    let len = std::mem::size_of::<libc::sockaddr_ll>() as libc::socklen_t;
    // SAFETY: `addr` is a valid sockaddr_ll of `len` bytes, read by the kernel only.
    let rc = unsafe { libc::bind(fd, (&addr as *const libc::sockaddr_ll).cast(), len) };
    if rc == 0 { Ok(()) } else { Err(last_error()) }
}

/// Puts the interface into promiscuous mode for as long as the socket is open.
pub(super) fn add_promiscuous(fd: libc::c_int, ifindex: u32) -> io::Result<()> {
    let request = libc::packet_mreq {
        mr_ifindex: ifindex as libc::c_int,
        mr_type: libc::PACKET_MR_PROMISC as libc::c_ushort,
        mr_alen: 0,
        mr_address: [0; 8],
    };
    set_option(fd, libc::SOL_PACKET, libc::PACKET_ADD_MEMBERSHIP, &request)
}

/// Waits until the socket is readable or `timeout` passes, and says whether it is; the
/// socket's pending error (the interface went down or away) comes back as `Err`.
pub(super) fn poll_readable(fd: libc::c_int, timeout: Duration) -> io::Result<bool> {
    let mut poll = libc::pollfd { fd, events: libc::POLLIN | libc::POLLERR, revents: 0 };
    let millis = timeout.as_millis().min(i32::MAX as u128) as libc::c_int;
    // SAFETY: one valid pollfd for the length of the call.
    let rc = unsafe { libc::poll(&mut poll, 1, millis) };
    if rc < 0 {
        let e = last_error();
        return if e.kind() == io::ErrorKind::Interrupted { Ok(false) } else { Err(e) };
    }
    if poll.revents & (libc::POLLERR | libc::POLLHUP | libc::POLLNVAL) != 0 {
        let mut error: libc::c_int = 0;
        let mut len = std::mem::size_of::<libc::c_int>() as libc::socklen_t;
        // SAFETY: `error` and `len` are valid for writes of their size.
        let rc = unsafe {
            libc::getsockopt(
                fd,
                libc::SOL_SOCKET,
                libc::SO_ERROR,
                (&mut error as *mut libc::c_int).cast(),
                &mut len,
            )
        };
        if rc == 0 && error != 0 {
            return Err(io::Error::from_raw_os_error(error));
        }
    }
    Ok(rc > 0)
}

/// Adds the kernel's counters since the last read to `total` (the kernel resets its own
/// on every read).
pub(super) fn add_kernel_counters(fd: libc::c_int, total: &mut RingCounters) {
    let mut stats = libc::tpacket_stats_v3 { tp_packets: 0, tp_drops: 0, tp_freeze_q_cnt: 0 };
    let mut len = std::mem::size_of::<libc::tpacket_stats_v3>() as libc::socklen_t;
    // SAFETY: `stats` and `len` are valid for writes of their size; a socket without a
    // ring fills in the first two fields only, which `len` says.
    let rc = unsafe {
        libc::getsockopt(
            fd,
            libc::SOL_PACKET,
            libc::PACKET_STATISTICS,
            (&mut stats as *mut libc::tpacket_stats_v3).cast(),
            &mut len,
        )
    };
    if rc == 0 {
        // The kernel's tp_packets already counts the dropped ones.
        total.received += u64::from(stats.tp_packets);
        total.dropped += u64::from(stats.tp_drops);
    }
}

/// Splits the ring into blocks: large ones (fewer wake-ups) unless the ring is small.
fn ring_shape(ring_bytes: usize) -> (usize, usize) {
    let block = if ring_bytes >= 4 * MAX_BLOCK { MAX_BLOCK } else { MIN_BLOCK };
    let blocks = (ring_bytes / block).max(2);
    (block, blocks)
}

fn align16(n: usize) -> usize {
    (n + 15) & !15
}

/// Attaches a classic BPF program to the socket.
pub(super) fn attach_filter(fd: libc::c_int, program: &[libc::sock_filter]) -> io::Result<()> {
    let Ok(len) = u16::try_from(program.len()) else {
        return Err(io::Error::other("the filter program is too long for the kernel"));
    };
    let fprog = libc::sock_fprog { len, filter: program.as_ptr().cast_mut() };
    set_option(fd, libc::SOL_SOCKET, libc::SO_ATTACH_FILTER, &fprog)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rings_are_whole_blocks() {
        assert_eq!(ring_shape(32 << 20), (MAX_BLOCK, 32));
        assert_eq!(ring_shape(2 << 20), (MIN_BLOCK, 16));
        assert_eq!(ring_shape(1000), (MIN_BLOCK, 2));
    }
}
