//! Putting the packets scripts send on the wire (`--inject`).
//!
//! A frame with an Ethernet header goes out of the capture interface as it is, through
//! one pnet datalink sender opened at start (not a socket per packet); an IP packet with
//! no link header, or in a frame with no destination MAC, goes through a raw IP socket
//! bound to the interface, and the kernel routes and frames it. Every frame sent is remembered so that its copy, which the
//! interface shows as outgoing, is not fed back into the chain.

pub mod wire;

use std::io;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::sync::Arc;

use pnet_datalink::{Channel, Config, DataLinkSender};

use crate::source::LinkType;
use crate::source::live::OwnFrames;
use crate::sys::raw_socket::{RawIpSocket, send_only_packet_socket};

/// The interface's senders.
pub struct Injector {
    interface: String,
    link: LinkType,
    layer2: Option<Box<dyn DataLinkSender>>,
    ipv4: Option<RawIpSocket>,
    ipv6: Option<RawIpSocket>,
    own: Arc<OwnFrames>,
}

/// Why a packet could not be sent, as one line.
#[derive(Debug)]
pub struct SendError(pub String);

impl Injector {
    /// Opens the senders for `interface`, whose captured frames have link type `link`.
    /// All sockets are opened now, while hark may still hold the privilege they need.
    pub fn open(interface: &str, link: LinkType) -> Result<Injector, String> {
        let cannot = |what: &str, e: io::Error| {
            let fix = if e.kind() == io::ErrorKind::PermissionDenied {
                " (run as root, or grant CAP_NET_RAW: setcap cap_net_raw,cap_net_admin=eip $(which hark))"
            } else {
                ""
            };
            format!("cannot send on {interface}: {what}: {}{fix}", crate::source::io_reason(&e))
        };
        let layer2 = if link == LinkType::ETHERNET {
            let Some(iface) = pnet_datalink::interfaces().into_iter().find(|i| i.name == interface)
            else {
                return Err(format!("cannot send on {interface}: no such interface"));
            };
            let fd = send_only_packet_socket().map_err(|e| cannot("packet socket", e))?;
            let config = Config {
                write_buffer_size: 65_536,
                read_buffer_size: 64,
                promiscuous: false,
                socket_fd: Some(fd),
                ..Config::default()
            };
            match pnet_datalink::channel(&iface, config) {
                Ok(Channel::Ethernet(sender, _)) => Some(sender),
                Ok(_) => {
                    return Err(format!("cannot send on {interface}: not an Ethernet channel"));
                }
                Err(e) => return Err(cannot("packet socket", e)),
            }
        } else {
            None
        };
        let ipv4 =
            RawIpSocket::open(false, Some(interface)).map_err(|e| cannot("raw IPv4 socket", e))?;
        // IPv6 may be turned off on the host; packets for it then fail one by one.
        let ipv6 = RawIpSocket::open(true, Some(interface)).ok();
        Ok(Injector {
            interface: interface.to_string(),
            link,
            layer2,
            ipv4: Some(ipv4),
            ipv6,
            own: Arc::new(OwnFrames::default()),
        })
    }

    /// The record of frames sent, for the live source to leave out.
    pub fn own_frames(&self) -> Arc<OwnFrames> {
        Arc::clone(&self.own)
    }

    /// Sends one packet of link type `link`.
    pub fn send(&mut self, link: LinkType, data: &[u8]) -> Result<(), SendError> {
        let fail = |why: String| SendError(format!("send on {}: {why}", self.interface));
        // A frame with no destination MAC (packet()'s default) is left to the kernel to
        // route and frame, as Scapy resolves an unset Ether().dst: it goes out as IP.
        let unaddressed = data.get(..6) == Some(&[0u8; 6][..]);
        if link == LinkType::ETHERNET && !(unaddressed && ip_after_ethernet(data).is_some()) {
            if let Some(sender) = self.layer2.as_mut() {
                self.own.remember(data);
                return match sender.send_to(data, None) {
                    Some(Ok(())) => Ok(()),
                    Some(Err(e)) => Err(fail(crate::source::io_reason(&e))),
                    None => Err(fail("the frame is larger than the send buffer".into())),
                };
            }
        }
        let ip = match link {
            LinkType::ETHERNET => ip_after_ethernet(data),
            LinkType::RAW | LinkType::IPV4 | LinkType::IPV6 => Some(data),
            _ => None,
        };
        let Some(ip) = ip else {
            return Err(fail(format!(
                "a packet of link type {} cannot go out of a {} interface",
                link.0,
                self.link.name().unwrap_or("non-Ethernet")
            )));
        };
        let (socket, dst) = match destination(ip) {
            Some(dst @ IpAddr::V4(_)) => (self.ipv4.as_ref(), dst),
            Some(dst @ IpAddr::V6(_)) => (self.ipv6.as_ref(), dst),
            None => return Err(fail("the packet has no IP header to route it by".into())),
        };
        let Some(socket) = socket else {
            return Err(fail("no raw socket for this IP version (is IPv6 turned off?)".into()));
        };
        self.own.remember(ip);
        socket.send(ip, dst).map_err(|e| fail(crate::source::io_reason(&e)))
    }
}

/// The IP packet inside an Ethernet frame (after any VLAN tags).
fn ip_after_ethernet(frame: &[u8]) -> Option<&[u8]> {
    let mut offset = 12;
    loop {
        let ethertype = u16::from_be_bytes([*frame.get(offset)?, *frame.get(offset + 1)?]);
        match ethertype {
            0x8100 | 0x88a8 => offset += 4,
            0x0800 | 0x86dd => return frame.get(offset + 2..),
            _ => return None,
        }
    }
}

/// An IP packet's destination address.
fn destination(ip: &[u8]) -> Option<IpAddr> {
    match ip.first()? >> 4 {
        4 => {
            let b: [u8; 4] = ip.get(16..20)?.try_into().ok()?;
            Some(IpAddr::V4(Ipv4Addr::from(b)))
        }
        6 => {
            let b: [u8; 16] = ip.get(24..40)?.try_into().ok()?;
            Some(IpAddr::V6(Ipv6Addr::from(b)))
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ip_is_found_after_vlan_tags() {
        let mut frame = vec![0u8; 12];
        frame.extend_from_slice(&[0x81, 0x00, 0x00, 0x05, 0x08, 0x00, 0x45]);
        assert_eq!(ip_after_ethernet(&frame), Some(&[0x45][..]));
        frame[16] = 0x08;
        frame[17] = 0x06;
        assert_eq!(ip_after_ethernet(&frame), None);
    }

    #[test]
    fn destinations_come_from_the_header() {
        let mut v4 = vec![0x45u8; 20];
        v4[16..20].copy_from_slice(&[198, 18, 1, 99]);
        assert_eq!(destination(&v4), Some(IpAddr::V4(Ipv4Addr::new(198, 18, 1, 99))));
        assert_eq!(destination(&[0x45, 0, 0]), None);
    }
}
