//! Capture files written: classic pcap (pcap(5)), one link type, or pcapng when the file's
//! name ends in `.pcapng`, with an interface block for each link type it meets. Buffered.
//!
//! pcap-parser reads both formats; it writes pcapng only block by block into a new `Vec`
//! each, a per-packet allocation. The blocks hark writes are three fixed layouts (a pcap
//! header and record header; pcapng's section header, interface description and enhanced
//! packet blocks), so hark writes them itself.

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

use crate::source::{Frame, InputInterface, LinkType, MAX_SNAPLEN};

/// A pcap file being written.
pub struct PcapWriter {
    path: PathBuf,
    out: BufWriter<Box<dyn Write + Send>>,
    link: LinkType,
    snaplen: u32,
    nanos: bool,
    /// pcapng: the interface blocks written so far, by interface id: the input interface
    /// each stands for (or, for frames that name none, their link type alone) and the
    /// timestamp units it was written with.
    interfaces: Option<Vec<OutInterface>>,
    /// Frames of another link type than the file's, which pcap cannot hold.
    pub skipped: u64,
    pub written: u64,
    /// The file's size so far, buffered bytes included, as `-C` measures it.
    pub bytes: u64,
}

impl PcapWriter {
    /// Creates `path` (or writes to standard output for `-`) and writes the file header:
    /// pcapng if the name ends in `.pcapng`.
    pub fn create(
        path: &Path,
        link: LinkType,
        snaplen: Option<u32>,
        nanos: bool,
    ) -> io::Result<PcapWriter> {
        PcapWriter::create_as(path, link, snaplen, nanos, names_pcapng(path))
    }

    /// Creates `path` as pcapng or pcap, whatever its name.
    pub fn create_as(
        path: &Path,
        link: LinkType,
        snaplen: Option<u32>,
        nanos: bool,
        pcapng: bool,
    ) -> io::Result<PcapWriter> {
        let sink: Box<dyn Write + Send> = if path == Path::new("-") {
            Box::new(io::stdout())
        } else {
            Box::new(File::create(path)?)
        };
        let snaplen = snaplen.unwrap_or(MAX_SNAPLEN);
        let mut out = BufWriter::with_capacity(128 * 1024, sink);
        if pcapng {
            write_section_header(&mut out)?;
            let writer = PcapWriter {
                path: path.to_path_buf(),
                out,
                link,
                snaplen,
                nanos: true,
                interfaces: Some(Vec::new()),
                skipped: 0,
                written: 0,
                bytes: 28,
            };
            // The interface blocks wait for the frames, so that each can describe the
            // input interface its frames came from.
            return Ok(writer);
        }
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
            interfaces: None,
            skipped: 0,
            written: 0,
            bytes: 24,
        })
    }

    /// pcapng: the interface block for a frame of `link` from input interface `from`,
    /// written now if it is the first such frame.
    fn interface_for(
        &mut self,
        link: LinkType,
        from: Option<&InputInterface>,
    ) -> io::Result<(u32, u64)> {
        let key = from.map(|i| i.id);
        let interfaces = self.interfaces.get_or_insert_with(Vec::new);
        if let Some(id) = interfaces.iter().position(|i| i.link == link && i.from == key) {
            return Ok((id as u32, interfaces[id].units_per_sec));
        }
        // Keep the input interface's own resolution when it is a power of ten; otherwise
        // nanoseconds, which lose nothing of the times hark holds.
        let digits = from.and_then(|i| decimal_digits(i.units_per_sec)).unwrap_or(9);
        let units_per_sec = 10u64.pow(u32::from(digits));
        let snaplen = from.map_or(self.snaplen, |i| match i.snaplen {
            0 => self.snaplen,
            n => n.min(self.snaplen),
        });
        interfaces.push(OutInterface { from: key, link, units_per_sec });
        // An interface description block (pcapng §4.2) with one option, if_tsresol.
        let mut block = [0u8; 32];
        block[0..4].copy_from_slice(&1u32.to_le_bytes());
        block[4..8].copy_from_slice(&32u32.to_le_bytes());
        // pcapng gives the link type 16 bits; every registered one fits.
        block[8..10].copy_from_slice(&((link.0 & 0xffff) as u16).to_le_bytes());
        block[12..16].copy_from_slice(&snaplen.to_le_bytes());
        block[16..18].copy_from_slice(&9u16.to_le_bytes());
        block[18..20].copy_from_slice(&1u16.to_le_bytes());
        block[20] = digits;
        // opt_endofopt is the four zero bytes at 24..28.
        block[28..32].copy_from_slice(&32u32.to_le_bytes());
        self.out.write_all(&block)?;
        self.bytes += block.len() as u64;
        Ok(((interfaces.len() - 1) as u32, units_per_sec))
    }

    /// pcapng: an enhanced packet block (pcapng §4.3) for `frame`, cut to `caplen`.
    fn write_enhanced(&mut self, frame: &Frame<'_>, caplen: usize) -> io::Result<()> {
        let (id, units_per_sec) = self.interface_for(frame.link, frame.iface)?;
        let padded = caplen.div_ceil(4) * 4;
        let len = (32 + padded) as u32;
        let ticks = u64::try_from(frame.ts.secs.max(0)).unwrap_or(0) * units_per_sec
            + u64::from(frame.ts.nanos) / (1_000_000_000 / units_per_sec);
        let mut header = [0u8; 28];
        header[0..4].copy_from_slice(&6u32.to_le_bytes());
        header[4..8].copy_from_slice(&len.to_le_bytes());
        header[8..12].copy_from_slice(&id.to_le_bytes());
        header[12..16].copy_from_slice(&((ticks >> 32) as u32).to_le_bytes());
        header[16..20].copy_from_slice(&(ticks as u32).to_le_bytes());
        header[20..24].copy_from_slice(&(caplen as u32).to_le_bytes());
        // The length the record said, even below what it holds (as tcpdump and tshark
        // write it): a writer that "mends" it would change what was read.
        header[24..28].copy_from_slice(&frame.orig_len.to_le_bytes());
        self.out.write_all(&header)?;
        self.out.write_all(&frame.data[..caplen])?;
        self.out.write_all(&[0u8; 3][..padded - caplen])?;
        self.out.write_all(&len.to_le_bytes())?;
        self.written += 1;
        self.bytes += u64::from(len);
        Ok(())
    }

    /// The file being written.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Appends a frame, cut to the snap length.
    pub fn write(&mut self, frame: &Frame<'_>) -> io::Result<()> {
        if self.interfaces.is_some() {
            let caplen = frame.data.len().min(self.snaplen as usize);
            return self.write_enhanced(frame, caplen);
        }
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
        header[12..16].copy_from_slice(&frame.orig_len.to_le_bytes());
        self.out.write_all(&header)?;
        self.out.write_all(&frame.data[..caplen])?;
        self.written += 1;
        self.bytes += 16 + caplen as u64;
        Ok(())
    }

    /// Pushes buffered records to the file.
    pub fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }

    /// Completes the file: a pcapng file that got no frame still gets an interface block
    /// for the link type it was made for, which readers need.
    pub fn finish(&mut self) -> io::Result<()> {
        if self.interfaces.as_ref().is_some_and(Vec::is_empty) {
            self.interface_for(self.link, None)?;
        }
        self.out.flush()
    }
}

/// Whether a file name asks for pcapng: it ends in `.pcapng`, in any case.
pub fn names_pcapng(path: &Path) -> bool {
    path.extension().is_some_and(|x| x.eq_ignore_ascii_case("pcapng"))
}

/// An interface block written to a pcapng file.
struct OutInterface {
    /// The input interface it stands for, if frames named one.
    from: Option<u32>,
    link: LinkType,
    units_per_sec: u64,
}

/// `n` as a power of ten's exponent, for pcapng's if_tsresol, if it is one hark writes
/// (up to nanoseconds: hark's times hold no finer).
fn decimal_digits(n: u64) -> Option<u8> {
    (0..=9u8).find(|&d| 10u64.pow(u32::from(d)) == n)
}

/// A little-endian section header block (pcapng §4.1), version 1.0, of unknown length.
fn write_section_header(out: &mut impl Write) -> io::Result<()> {
    let mut block = [0u8; 28];
    block[0..4].copy_from_slice(&0x0a0d_0d0au32.to_le_bytes());
    block[4..8].copy_from_slice(&28u32.to_le_bytes());
    block[8..12].copy_from_slice(&0x1a2b_3c4du32.to_le_bytes());
    block[12..14].copy_from_slice(&1u16.to_le_bytes());
    block[16..24].copy_from_slice(&(-1i64).to_le_bytes());
    block[24..28].copy_from_slice(&28u32.to_le_bytes());
    out.write_all(&block)
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
        w.write(&Frame { ts, link: LinkType::ETHERNET, orig_len: 6, data: &data, iface: None })
            .unwrap();
        w.write(&Frame { ts, link: LinkType::RAW, orig_len: 6, data: &data, iface: None }).unwrap();
        w.flush().unwrap();
        assert_eq!((w.written, w.skipped), (1, 1));
        let mut src = FileSource::open(path.to_str().unwrap(), &mut || true).unwrap();
        let f = src.next_frame(&mut || true).unwrap().unwrap();
        assert_eq!((f.ts, f.orig_len, f.data), (ts, 6, &data[..4]));
        assert!(src.next_frame(&mut || true).unwrap().is_none());
    }

    #[test]
    fn a_pcapng_file_holds_every_link_type_and_reads_back() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out.pcapng");
        let mut w = PcapWriter::create(&path, LinkType::ETHERNET, None, false).unwrap();
        let data = [1u8, 2, 3, 4, 5];
        let ts = Timestamp { secs: 1_700_000_000, nanos: 123_456_789 };
        w.write(&Frame { ts, link: LinkType::ETHERNET, orig_len: 9, data: &data, iface: None })
            .unwrap();
        w.write(&Frame { ts, link: LinkType::RAW, orig_len: 5, data: &data[..4], iface: None })
            .unwrap();
        w.flush().unwrap();
        assert_eq!((w.written, w.skipped), (2, 0));
        let mut src = FileSource::open(path.to_str().unwrap(), &mut || true).unwrap();
        let f = src.next_frame(&mut || true).unwrap().unwrap();
        assert_eq!((f.ts, f.link, f.orig_len, f.data), (ts, LinkType::ETHERNET, 9, &data[..]));
        let f = src.next_frame(&mut || true).unwrap().unwrap();
        assert_eq!((f.link, f.data), (LinkType::RAW, &data[..4]));
        assert!(src.next_frame(&mut || true).unwrap().is_none());
    }
}
