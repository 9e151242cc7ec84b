//! An in-memory source: frames held in a list, for tests and for hark's own sample data.

use super::{Error, Frame, LinkType, Source, Timestamp};

/// A frame owned by a [`MemorySource`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OwnedFrame {
    pub ts: Timestamp,
    pub link: LinkType,
    pub orig_len: u32,
    pub data: Vec<u8>,
}

impl OwnedFrame {
    /// Borrows the frame as the pipeline sees it.
    pub fn as_frame(&self) -> Frame<'_> {
        Frame {
            ts: self.ts,
            link: self.link,
            orig_len: self.orig_len,
            data: &self.data,
            iface: None,
        }
    }
}

/// Frames from a list, in order.
pub struct MemorySource {
    frames: Vec<OwnedFrame>,
    next: usize,
}

impl MemorySource {
    pub fn new(frames: Vec<OwnedFrame>) -> MemorySource {
        MemorySource { frames, next: 0 }
    }
}

impl Source for MemorySource {
    fn next_frame(
        &mut self,
        _before_wait: &mut dyn FnMut() -> bool,
    ) -> Result<Option<Frame<'_>>, Error> {
        let frame = self.frames.get(self.next);
        self.next += 1;
        Ok(frame.map(OwnedFrame::as_frame))
    }

    fn link_type(&self) -> Option<LinkType> {
        self.frames.first().map(|f| f.link)
    }

    fn nanosecond_precision(&self) -> bool {
        self.frames.iter().any(|f| f.ts.nanos % 1000 != 0)
    }

    fn progress(&self) -> (u64, Option<u64>) {
        (self.next as u64, Some(self.frames.len() as u64))
    }
}
