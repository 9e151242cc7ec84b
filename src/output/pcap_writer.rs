//! pcap output for `-w`: the classic format (pcap(5)), one link type, buffered.
//!
//! pcap-parser reads but does not stream-write pcap; the format is a 24-byte header and a
//! 16-byte record header per packet, so hark writes it itself.

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

use crate::source::{Frame, LinkType, MAX_SNAPLEN};

/// A pcap file being written.
pub struct PcapWriter {
    path: PathBuf,
    out: BufWriter<Box<dyn Write + Send>>,
    link: LinkType,
    snaplen: u32,
    nanos: bool,
    /// Frames of another link type than the file's, which pcap cannot hold.
    pub skipped: u64,
    pub written: u64,
}

impl PcapWriter {
    /// Creates `path` (or writes to standard output for `-`) and writes the file header.
    pub fn create(
        path: &Path,
        link: LinkType,
        snaplen: Option<u32>,
        nanos: bool,
    ) -> io::Result<PcapWriter> {
        let sink: Box<dyn Write + Send> = if path == Path::new("-") {
            Box::new(io::stdout())
        } else {
            Box::new(File::create(path)?)
        };
        let snaplen = snaplen.unwrap_or(MAX_SNAPLEN);
        let mut out = BufWriter::with_capacity(128 * 1024, sink);
        let magic: u32 = if nanos { 0xa1b2_3c4d } else { 0xa1b2_c3d4 };
        out.write_all(&magic.to_le_bytes())?;
        out.write_all(&2u16.to_le_bytes())?;
        out.write_all(&4u16.to_le_bytes())?;
        out.write_all(&0i32.to_le_bytes())?;
        out.write_all(&0u32.to_le_bytes())?;
        out.write_all(&snaplen.to_le_bytes())?;
        out.write_all(&link.0.to_le_bytes())?;
        Ok(PcapWriter {
            path: path.to_path_buf(),
            out,
            link,
            snaplen,
            nanos,
            skipped: 0,
            written: 0,
        })
    }

    /// The file being written.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Appends a frame, cut to the snap length.
    pub fn write(&mut self, frame: &Frame<'_>) -> io::Result<()> {
        if frame.link != self.link {
            self.skipped += 1;
            return Ok(());
        }
        let caplen = frame.data.len().min(self.snaplen as usize);
        // pcap's 32-bit seconds cover 1970..2106; times outside are clamped, not wrapped.
        let secs = u32::try_from(frame.ts.secs.max(0)).unwrap_or(u32::MAX);
        let sub = if self.nanos { frame.ts.nanos } else { frame.ts.nanos / 1000 };
        let mut header = [0u8; 16];
        header[0..4].copy_from_slice(&secs.to_le_bytes());
        header[4..8].copy_from_slice(&sub.to_le_bytes());
        header[8..12].copy_from_slice(&(caplen as u32).to_le_bytes());
        header[12..16].copy_from_slice(&frame.orig_len.max(caplen as u32).to_le_bytes());
        self.out.write_all(&header)?;
        self.out.write_all(&frame.data[..caplen])?;
        self.written += 1;
        Ok(())
    }

    /// Pushes buffered records to the file.
    pub fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::{FileSource, Source, Timestamp};

    #[test]
    fn what_is_written_reads_back() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out.pcap");
        let mut w = PcapWriter::create(&path, LinkType::ETHERNET, Some(4), true).unwrap();
        let data = [1u8, 2, 3, 4, 5, 6];
        let ts = Timestamp { secs: 5, nanos: 42 };
        w.write(&Frame { ts, link: LinkType::ETHERNET, orig_len: 6, data: &data }).unwrap();
        w.write(&Frame { ts, link: LinkType::RAW, orig_len: 6, data: &data }).unwrap();
        w.flush().unwrap();
        assert_eq!((w.written, w.skipped), (1, 1));
        let mut src = FileSource::open(path.to_str().unwrap(), &mut || true).unwrap();
        let f = src.next_frame(&mut || true).unwrap().unwrap();
        assert_eq!((f.ts, f.orig_len, f.data), (ts, 6, &data[..4]));
        assert!(src.next_frame(&mut || true).unwrap().is_none());
    }
}
