//! Reading on a second thread, so that copying the file from the kernel overlaps with
//! decoding and filtering what was already read.
//!
//! The reader thread fills buffers past a headroom and sends them over a bounded channel;
//! the parser moves the few bytes of a record cut by the chunk boundary into the next
//! buffer's headroom, so nothing else is copied. Used buffers go back to the reader.
//! Memory stays at a handful of buffers whatever the input's size.

use std::io::{self, Read};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, SyncSender, TryRecvError};

use super::WAIT_STEP;
use std::thread;

/// Bytes asked of each read.
pub const CHUNK: usize = 256 * 1024;
/// Space kept in front of each chunk for the tail of a record cut by the previous one:
/// room for the largest pcap record (262,144 bytes and its header).
pub const HEADROOM: usize = 264 * 1024;
/// Chunks read ahead of the parser, at most.
const IN_FLIGHT: usize = 4;

/// What the reader thread sends.
pub enum Chunk {
    /// A buffer whose bytes `HEADROOM..HEADROOM + len` were read.
    Data(Vec<u8>, usize),
    Eof,
    Error(io::Error),
    /// The caller asked to stop waiting.
    Stopped,
}

/// The parser's end of the reader thread.
pub struct ReadAhead {
    chunks: Receiver<Chunk>,
    recycle: SyncSender<Vec<u8>>,
}

impl ReadAhead {
    /// Starts reading `reader` on its own thread.
    pub fn start(mut reader: Box<dyn Read + Send>) -> io::Result<ReadAhead> {
        let (chunk_tx, chunks) = mpsc::sync_channel(IN_FLIGHT);
        let (recycle, recycled) = mpsc::sync_channel::<Vec<u8>>(IN_FLIGHT + 2);
        thread::Builder::new().name("hark-read".into()).spawn(move || {
            loop {
                let mut buf = recycled.try_recv().unwrap_or_else(|_| vec![0; HEADROOM + CHUNK]);
                let read = loop {
                    match reader.read(&mut buf[HEADROOM..]) {
                        Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                        other => break other,
                    }
                };
                let (message, last) = match read {
                    Ok(0) => (Chunk::Eof, true),
                    Ok(n) => (Chunk::Data(buf, n), false),
                    Err(e) => (Chunk::Error(e), true),
                };
                // The parser is gone (hark is ending): stop reading.
                if chunk_tx.send(message).is_err() || last {
                    return;
                }
            }
        })?;
        Ok(ReadAhead { chunks, recycle })
    }

    /// The next chunk; `before_wait` runs first if none is ready yet, and again every
    /// [`WAIT_STEP`] of waiting; when it returns false, waiting ends with `Stopped`.
    pub fn next(&self, before_wait: &mut dyn FnMut() -> bool) -> Chunk {
        match self.chunks.try_recv() {
            Ok(chunk) => return chunk,
            Err(TryRecvError::Disconnected) => return Chunk::Eof,
            Err(TryRecvError::Empty) => {}
        }
        loop {
            if !before_wait() {
                return Chunk::Stopped;
            }
            match self.chunks.recv_timeout(WAIT_STEP) {
                Ok(chunk) => return chunk,
                Err(RecvTimeoutError::Timeout) => continue,
                Err(RecvTimeoutError::Disconnected) => return Chunk::Eof,
            }
        }
    }

    /// Hands a buffer back for reuse.
    pub fn give_back(&self, buf: Vec<u8>) {
        let _ = self.recycle.try_send(buf);
    }
}
