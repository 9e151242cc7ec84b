//! The wire for `hark run SCRIPT -i IFACE --inject`: what the script sends goes out of
//! IFACE at once, and `send_recv` reads IFACE for the answer.

use std::time::{Duration, Instant};

use super::Injector;
use crate::decode::Packet;
use crate::decode::answers::answers;
use crate::script::Wire;
use crate::source::{Frame, LinkType, LiveOptions, LiveSource, OwnedFrame, Source};

/// An interface to send on and to listen on for answers.
pub struct LiveWire {
    injector: Injector,
    capture: LiveSource,
}

impl LiveWire {
    /// Opens the capture first, so that no answer can come back before it listens.
    pub fn open(interface: &str) -> Result<LiveWire, crate::Error> {
        let options = LiveOptions {
            interface: interface.to_string(),
            promiscuous: false,
            direction: crate::source::live::Direction::In,
            buffer_kib: Some(4096),
            immediate: true,
            busy_poll: true,
            snaplen: None,
            kernel_filter: None,
        };
        let mut capture = LiveSource::open(&options)?;
        let link = capture.link_type().unwrap_or(LinkType::ETHERNET);
        let injector = Injector::open(interface, link).map_err(crate::Error::Inject)?;
        capture.ignore_own(injector.own_frames());
        Ok(LiveWire { injector, capture })
    }
}

impl Wire for LiveWire {
    fn send(&mut self, link: LinkType, data: &[u8]) -> Result<(), String> {
        self.injector.send(link, data).map_err(|e| e.0)
    }

    fn send_recv(
        &mut self,
        link: LinkType,
        data: &[u8],
        timeout: Duration,
    ) -> Result<Option<OwnedFrame>, String> {
        // What arrived before the request cannot answer it.
        while let Ok(Some(_)) = self.capture.next_frame(&mut || false) {}
        self.send(link, data)?;
        let request = Packet::new(Frame {
            ts: Default::default(),
            link,
            orig_len: data.len() as u32,
            data,
            iface: None,
        });
        let deadline = Instant::now() + timeout;
        loop {
            let mut in_time = || Instant::now() < deadline;
            match self.capture.next_frame(&mut in_time) {
                Ok(Some(frame)) => {
                    if answers(&request, &Packet::new(frame)) {
                        return Ok(Some(OwnedFrame {
                            ts: frame.ts,
                            link: frame.link,
                            orig_len: frame.orig_len,
                            data: frame.data.to_vec(),
                        }));
                    }
                    if Instant::now() >= deadline {
                        return Ok(None);
                    }
                }
                Ok(None) => return Ok(None),
                Err(e) => return Err(e.to_string()),
            }
        }
    }
}
