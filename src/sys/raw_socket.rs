//! Sockets for sending: a packet socket that never receives (for pnet's layer-2 sender),
//! and raw IP sockets for packets that have no link-layer header.

use std::io;
use std::net::IpAddr;
use std::os::fd::{AsRawFd, FromRawFd, IntoRawFd, OwnedFd};

use super::{last_error, set_option};

/// A packet socket whose filter accepts nothing, so that binding it for sending (pnet binds
/// with `ETH_P_ALL`) queues no copy of the interface's traffic that no one would read.
/// Returns the raw descriptor for pnet's `Config.socket_fd`; pnet owns it from then on.
pub fn send_only_packet_socket() -> io::Result<i32> {
    let accept_nothing = [libc::sock_filter { code: 0x06, jt: 0, jf: 0, k: 0 }];
    let fd = super::unbound_packet_socket(Some(&accept_nothing))?;
    Ok(fd.into_raw_fd())
}

/// A raw IP socket that sends whole IP packets, headers included, out of one interface.
pub struct RawIpSocket {
    fd: OwnedFd,
    v6: bool,
}

impl RawIpSocket {
    /// Opens a raw socket for IPv4 or IPv6 packets, bound to `interface` when given.
    pub fn open(v6: bool, interface: Option<&str>) -> io::Result<RawIpSocket> {
        let family = if v6 { libc::AF_INET6 } else { libc::AF_INET };
        // IPPROTO_RAW: the packet carries its own IP header (IP_HDRINCL is implied).
        // SAFETY: plain system call with constant arguments; the result is checked.
        let raw =
            unsafe { libc::socket(family, libc::SOCK_RAW | libc::SOCK_CLOEXEC, libc::IPPROTO_RAW) };
        if raw < 0 {
            return Err(last_error());
        }
        // SAFETY: `raw` was just opened here and is owned by nothing else.
        let fd = unsafe { OwnedFd::from_raw_fd(raw) };
        if let Some(name) = interface {
            let mut ifname = [0u8; libc::IFNAMSIZ];
            let bytes = name.as_bytes();
            if bytes.len() >= ifname.len() {
                return Err(io::Error::new(io::ErrorKind::InvalidInput, "interface name too long"));
            }
            ifname[..bytes.len()].copy_from_slice(bytes);
            set_option(fd.as_raw_fd(), libc::SOL_SOCKET, libc::SO_BINDTODEVICE, &ifname)?;
        }
        Ok(RawIpSocket { fd, v6 })
    }

    /// Sends one IP packet to `dst` (its own destination address).
    pub fn send(&self, packet: &[u8], dst: IpAddr) -> io::Result<()> {
        let rc = match (dst, self.v6) {
            (IpAddr::V4(v4), false) => {
                // SAFETY: sockaddr_in is plain data; all-zero is a valid value of it.
                let mut addr: libc::sockaddr_in = unsafe { std::mem::zeroed() };
                addr.sin_family = libc::AF_INET as libc::sa_family_t;
                addr.sin_addr.s_addr = u32::from_ne_bytes(v4.octets());
                let len = std::mem::size_of::<libc::sockaddr_in>() as libc::socklen_t;
                // SAFETY: `packet` and `addr` are valid for reads of their lengths.
                unsafe {
                    libc::sendto(
                        self.fd.as_raw_fd(),
                        packet.as_ptr().cast(),
                        packet.len(),
                        0,
                        (&addr as *const libc::sockaddr_in).cast(),
                        len,
                    )
                }
            }
            (IpAddr::V6(v6), true) => {
                // SAFETY: sockaddr_in6 is plain data; all-zero is a valid value of it.
                let mut addr: libc::sockaddr_in6 = unsafe { std::mem::zeroed() };
                addr.sin6_family = libc::AF_INET6 as libc::sa_family_t;
                addr.sin6_addr.s6_addr = v6.octets();
                let len = std::mem::size_of::<libc::sockaddr_in6>() as libc::socklen_t;
                // SAFETY: `packet` and `addr` are valid for reads of their lengths.
                unsafe {
                    libc::sendto(
                        self.fd.as_raw_fd(),
                        packet.as_ptr().cast(),
                        packet.len(),
                        0,
                        (&addr as *const libc::sockaddr_in6).cast(),
                        len,
                    )
                }
            }
            _ => {
                return Err(io::Error::new(
                    io::ErrorKind::InvalidInput,
                    "address family differs from the socket's",
                ));
            }
        };
        if rc < 0 { Err(last_error()) } else { Ok(()) }
    }
}
