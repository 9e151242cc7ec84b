//! pcap and pcapng files, and either format streamed on standard input.
//!
//! A regular file is mapped into memory and read in place (`sys::mapped`: no copy at all;
//! about `cat`'s time here, where copying into buffers took 1.3–1.4 times it); pipes,
//! standard input and anything that cannot be mapped are read into hark's own buffers.
//! Either way hark hands pcap-parser's record and block parsers one record at a time, a
//! frame borrows its bytes without a copy, hark flushes its output exactly when a read may
//! block, and every error has its byte offset in the input. Memory stays flat whatever the
//! file's size: a read buffer only grows for a single record larger than itself, and a
//! mapping's pages are given back behind the reader.

use std::fs::File;
use std::io::{self, Read};

use pcap_parser::{
    parse_pcap_frame, parse_pcap_frame_be, parse_pcap_frame_modified, parse_pcap_header,
};

use super::readahead::{Chunk, HEADROOM, ReadAhead};
use super::{Error, ErrorKind, Frame, LinkType, MAX_SNAPLEN, Source, Timestamp};
use crate::sys::mapped::MappedFile;
#[cfg(test)]
use pcapng::{EPB_TYPE, OPB_TYPE, SPB_TYPE};
use pcapng::{IDB_TYPE, Interface, SHB_TYPE};

/// How far ahead of the record being read its cache lines are asked for: a page, chosen by
/// measurement (1, 2 and 4 KiB were within 5% of each other; with none, reading a mapped
/// file took 1.18 times as long).
const PREFETCH_AHEAD: usize = 4096;
const CACHE_LINE: usize = 64;
/// How far a mapping's reader moves between giving back the pages behind it (and letting
/// the thread that maps pages ahead go on).
const RELEASE_STEP: usize = 1024 * 1024;

/// A capture file or standard input, in pcap or pcapng format.
pub struct FileSource {
    input: String,
    held: Held,
    /// Unread data is `held.bytes()[start..end]`.
    start: usize,
    end: usize,
    /// The held bytes have been asked into the cache up to here.
    prefetched: usize,
    /// Input offset of the first held byte (negative while a read buffer starts with unused
    /// headroom).
    base: i64,
    /// Where a mapping's pages behind the reader are next given back.
    release_at: usize,
    /// The length a mapped file was cut to while hark read it.
    shrank_to: Option<u64>,
    eof: bool,
    /// The caller stopped the wait for input: the stream ends here, with no error.
    stopped: bool,
    total: Option<u64>,
    format: Format,
    /// Bytes of the frame handed out last, consumed at the next call.
    pending: usize,
    last_ts: Timestamp,
}

/// Where the input's bytes are.
enum Held {
    /// Read on a second thread into buffers that go round.
    Read { ahead: ReadAhead, buf: Vec<u8> },
    /// The whole file, mapped: its offsets are the held bytes' indices.
    Mapped(MappedFile),
}

impl Held {
    #[inline]
    fn bytes(&self) -> &[u8] {
        match self {
            Held::Read { buf, .. } => buf,
            Held::Mapped(map) => map.bytes(),
        }
    }
}

enum Format {
    Pcap { link: LinkType, nanos: bool, big_endian: bool, modified: bool },
    PcapNg { big_endian: bool, interfaces: Vec<Interface>, first_link: Option<LinkType> },
}

/// What one parsing step found, as owned values so the buffer can be refilled after it.
enum Step {
    Frame {
        ts: Timestamp,
        link: LinkType,
        orig_len: u32,
        data: (usize, usize),
        len: usize,
        /// pcapng: the index of its interface.
        iface: Option<usize>,
    },
    Skip(usize),
    NeedMore(usize),
}

impl FileSource {
    /// Opens a path, or standard input when `path` is `-`, and reads the file header.
    pub fn open(path: &str, before_wait: &mut dyn FnMut() -> bool) -> Result<FileSource, Error> {
        if path == "-" {
            return FileSource::from_reader(path, Box::new(io::stdin()), None, before_wait);
        }
        let file = File::open(path).map_err(|e| Error::new(path, ErrorKind::Open(e)))?;
        let meta = file.metadata().map_err(|e| Error::new(path, ErrorKind::Open(e)))?;
        if meta.is_dir() {
            return Err(Error::new(path, ErrorKind::Open(io::ErrorKind::IsADirectory.into())));
        }
        let total = meta.is_file().then_some(meta.len());
        // An empty regular file may be one that only reads (/proc) or one still being
        // written: those are read.
        if !meta.is_file() || meta.len() == 0 {
            return FileSource::from_reader(path, Box::new(file), total, before_wait);
        }
        match MappedFile::open(file) {
            Ok(map) => FileSource::start(path, Held::Mapped(map), total, before_wait),
            Err(file) => FileSource::from_reader(path, Box::new(file), total, before_wait),
        }
    }

    /// Reads a capture from any reader; `input` names it in errors.
    pub fn from_reader(
        input: &str,
        reader: Box<dyn Read + Send>,
        total: Option<u64>,
        before_wait: &mut dyn FnMut() -> bool,
    ) -> Result<FileSource, Error> {
        let ahead = ReadAhead::start(reader)
            .map_err(|e| Error::new(input, ErrorKind::Read { offset: 0, source: e }))?;
        FileSource::start(input, Held::Read { ahead, buf: Vec::new() }, total, before_wait)
    }

    fn start(
        input: &str,
        held: Held,
        total: Option<u64>,
        before_wait: &mut dyn FnMut() -> bool,
    ) -> Result<FileSource, Error> {
        let (end, release_at) = match &held {
            Held::Read { .. } => (0, usize::MAX),
            Held::Mapped(map) => (map.bytes().len(), RELEASE_STEP),
        };
        let mut source = FileSource {
            input: input.to_string(),
            held,
            start: 0,
            end,
            prefetched: 0,
            base: 0,
            release_at,
            shrank_to: None,
            eof: false,
            stopped: false,
            total,
            format: Format::PcapNg { big_endian: false, interfaces: Vec::new(), first_link: None },
            pending: 0,
            last_ts: Timestamp::default(),
        };
        source.read_header(before_wait)?;
        source.read_leading_blocks(before_wait)?;
        Ok(source)
    }

    /// Reads a pcapng file's leading section and interface blocks, so that its link type
    /// and timestamp precision are known before the first packet.
    fn read_leading_blocks(&mut self, before_wait: &mut dyn FnMut() -> bool) -> Result<(), Error> {
        if !matches!(self.format, Format::PcapNg { .. }) {
            return Ok(());
        }
        loop {
            if !self.fill(12, before_wait)? {
                return Ok(());
            }
            let data = self.available();
            let le = u32::from_le_bytes([data[0], data[1], data[2], data[3]]);
            let be = u32::from_be_bytes([data[0], data[1], data[2], data[3]]);
            if le != SHB_TYPE && le != IDB_TYPE && be != IDB_TYPE {
                return Ok(());
            }
            match self.step()? {
                Step::Skip(len) => self.start += len,
                Step::NeedMore(need) => {
                    if !self.fill(need, before_wait)? {
                        return Ok(());
                    }
                }
                Step::Frame { .. } => return Ok(()),
            }
        }
    }

    fn err(&self, kind: ErrorKind) -> Error {
        Error::new(&self.input, kind)
    }

    fn offset(&self) -> u64 {
        u64::try_from(self.base + self.start as i64).unwrap_or(0)
    }

    /// A whole little-endian classic pcap record at the front of the buffer: its time, link
    /// type, original length and where its bytes are.
    #[inline]
    fn fast_pcap_record(&mut self) -> Option<(Timestamp, LinkType, u32, usize, usize)> {
        let Format::Pcap { link, nanos, big_endian: false, modified: false } = self.format else {
            return None;
        };
        if self.start + 16 > self.end {
            return None;
        }
        let ahead = (self.start + PREFETCH_AHEAD).min(self.end);
        while self.prefetched < ahead {
            crate::sys::prefetch::prefetch(&self.held.bytes()[self.prefetched..]);
            self.prefetched += CACHE_LINE;
        }
        let h = self.held.bytes().get(self.start..self.start + 16)?;
        let word = |at: usize| u32::from_le_bytes([h[at], h[at + 1], h[at + 2], h[at + 3]]);
        let (secs, sub, caplen, orig_len) = (word(0), word(4), word(8), word(12));
        let end = self.start + 16 + caplen as usize;
        // An empty record of time zero is also what a mapped file cut short reads as: the
        // slow path tells the two apart.
        if caplen > MAX_SNAPLEN || end > self.end || (caplen | orig_len | secs) == 0 {
            return None;
        }
        let (units, nanos_per_unit) = if nanos { (1_000_000_000, 1) } else { (1_000_000, 1_000) };
        // Two 64-bit divisions a packet were a tenth of reading's time: a fraction in range
        // needs none.
        let ts = if sub < units {
            Timestamp { secs: i64::from(secs), nanos: sub * nanos_per_unit }
        } else {
            Timestamp::from_ticks(
                u64::from(secs) * u64::from(units) + u64::from(sub),
                u64::from(units),
            )
        };
        Some((ts, link, orig_len, self.start + 16, end))
    }

    /// Whether a mapped file lost bytes before `end` (it was cut short while mapped).
    #[inline]
    fn cut_through(&self, end: usize) -> bool {
        matches!(&self.held, Held::Mapped(map) if map.cut(end))
    }

    /// For a mapped file that was cut short, or whose next bytes read as zeros (what the
    /// rest of a cut page reads as, without a fault): believe the file's length now.
    fn believe_a_cut(&mut self) -> Result<(), Error> {
        let Held::Mapped(map) = &self.held else { return Ok(()) };
        let cut = map.cut(self.start + 1);
        let zeros = self.available().iter().take(16).all(|&b| b == 0);
        if !cut && !zeros {
            return Ok(());
        }
        let offset = self.offset();
        let len = map.file_len().map_err(|e| self.err(ErrorKind::Read { offset, source: e }))?;
        if len < self.end as u64 {
            self.end = (len as usize).max(self.start);
            self.shrank_to = Some(len);
        } else if cut {
            // Pages that faulted in a file as long as ever: the disk failed to read them.
            let source = io::Error::other("its pages could not be read from the disk");
            return Err(self.err(ErrorKind::Read { offset, source }));
        }
        Ok(())
    }

    /// Gives a mapping's pages behind the reader back.
    fn release_behind(&mut self) {
        if let Held::Mapped(map) = &mut self.held {
            map.reader_at(self.start);
        }
        self.release_at = self.start.saturating_add(RELEASE_STEP);
    }

    fn available(&self) -> &[u8] {
        &self.held.bytes()[self.start..self.end]
    }

    /// Makes at least `need` bytes available, or reports where the input ended.
    fn fill(&mut self, need: usize, before_wait: &mut dyn FnMut() -> bool) -> Result<bool, Error> {
        while self.end - self.start < need {
            if self.eof {
                return Ok(false);
            }
            let (ahead, buf) = match &mut self.held {
                Held::Read { ahead, buf } => (ahead, buf),
                Held::Mapped(map) => {
                    match map.follow_growth() {
                        Ok(true) => self.end = map.bytes().len(),
                        // Not sticky: a capture still being written may grow again.
                        Ok(false) => return Ok(false),
                        Err(e) => {
                            let offset = self.end as u64;
                            return Err(self.err(ErrorKind::Read { offset, source: e }));
                        }
                    }
                    continue;
                }
            };
            match ahead.next(before_wait) {
                Chunk::Eof => self.eof = true,
                Chunk::Stopped => {
                    self.eof = true;
                    self.stopped = true;
                }
                Chunk::Error(e) => {
                    let offset = self.offset() + (self.end - self.start) as u64;
                    return Err(Error::new(&self.input, ErrorKind::Read { offset, source: e }));
                }
                Chunk::Data { buf: mut next, at, len } => {
                    let kept = self.end - self.start;
                    if kept <= HEADROOM {
                        // Move the unread tail in front of the new bytes; swap buffers.
                        let new_start = at - kept;
                        next[new_start..at].copy_from_slice(&buf[self.start..self.end]);
                        self.base += self.start as i64 - new_start as i64;
                        let old = std::mem::replace(buf, next);
                        if !old.is_empty() {
                            ahead.give_back(old);
                        }
                        self.start = new_start;
                        self.end = at + len;
                        self.prefetched = new_start;
                    } else {
                        // A block larger than the headroom: grow this buffer instead.
                        buf.truncate(self.end);
                        buf.extend_from_slice(&next[at..at + len]);
                        self.end = buf.len();
                        ahead.give_back(next);
                    }
                }
            }
        }
        Ok(true)
    }

    fn read_header(&mut self, before_wait: &mut dyn FnMut() -> bool) -> Result<(), Error> {
        if !self.fill(4, before_wait)? {
            if self.end == self.start {
                return Err(self.err(ErrorKind::Empty));
            }
            let mut magic = [0u8; 4];
            let have = self.end - self.start;
            magic[..have].copy_from_slice(self.available());
            return Err(self.err(ErrorKind::NotCapture { magic }));
        }
        let mut magic = [0u8; 4];
        magic.copy_from_slice(&self.available()[..4]);
        if u32::from_le_bytes(magic) == SHB_TYPE {
            // The section header is parsed like any other block in `next_frame`.
            return Ok(());
        }
        if !matches!(
            u32::from_le_bytes(magic),
            0xa1b2_c3d4 | 0xa1b2_3c4d | 0xa1b2_cd34 | 0xd4c3_b2a1 | 0x4d3c_b2a1 | 0x34cd_b2a1
        ) {
            return Err(self.err(ErrorKind::NotCapture { magic }));
        }
        if !self.fill(24, before_wait)? {
            return Err(self.err(ErrorKind::Truncated { offset: self.offset() }));
        }
        let header = match parse_pcap_header(self.available()) {
            Ok((_, h)) => h,
            Err(_) => return Err(self.err(ErrorKind::NotCapture { magic })),
        };
        let nanos = header.is_nanosecond_precision();
        let big_endian = header.is_bigendian();
        let mut modified = header.is_modified_format();
        if !modified && !big_endian && !nanos {
            modified = patched_layout_reads_further(&self.available()[24..]);
        }
        self.format = Format::Pcap {
            link: LinkType::from_pcap_field(header.network.0 as u32),
            nanos,
            big_endian,
            modified,
        };
        self.start += 24;
        Ok(())
    }

    /// Parses the record at the front of the buffer without borrowing past the call.
    fn step(&mut self) -> Result<Step, Error> {
        let offset = self.offset();
        let base = self.held.bytes().as_ptr() as usize;
        let range_of = |d: &[u8]| {
            let s = d.as_ptr() as usize - base;
            (s, s + d.len())
        };
        let data = &self.held.bytes()[self.start..self.end];
        match &mut self.format {
            Format::Pcap { link, nanos, big_endian, modified } => {
                let record_len = if *modified { 24 } else { 16 };
                if data.len() < record_len {
                    return Ok(Step::NeedMore(record_len));
                }
                let field = |at: usize| {
                    let b = [data[at], data[at + 1], data[at + 2], data[at + 3]];
                    if *big_endian { u32::from_be_bytes(b) } else { u32::from_le_bytes(b) }
                };
                let caplen = field(8);
                if caplen > MAX_SNAPLEN {
                    let why = format!(
                        "a record claims a {caplen}-byte packet, more than the {MAX_SNAPLEN} any capture holds"
                    );
                    return Err(Error::new(&self.input, ErrorKind::Corrupt { offset, why }));
                }
                let need = record_len + caplen as usize;
                if data.len() < need {
                    return Ok(Step::NeedMore(need));
                }
                let parsed = if *modified {
                    parse_pcap_frame_modified(data)
                } else if *big_endian {
                    parse_pcap_frame_be(data)
                } else {
                    parse_pcap_frame(data)
                };
                let block = match parsed {
                    Ok((_, b)) => b,
                    Err(_) => return Ok(Step::NeedMore(need)),
                };
                let sub = u64::from(block.ts_usec);
                let ts = if *nanos {
                    Timestamp::from_ticks(
                        u64::from(block.ts_sec) * 1_000_000_000 + sub,
                        1_000_000_000,
                    )
                } else {
                    Timestamp::from_ticks(u64::from(block.ts_sec) * 1_000_000 + sub, 1_000_000)
                };
                Ok(Step::Frame {
                    ts,
                    link: *link,
                    orig_len: block.origlen,
                    data: range_of(block.data),
                    len: need,
                    iface: None,
                })
            }
            Format::PcapNg { big_endian, interfaces, first_link } => {
                let at = pcapng::At { offset, input: &self.input, last_ts: self.last_ts };
                pcapng::step(data, range_of, &at, big_endian, interfaces, first_link)
            }
        }
    }
}

/// Some patched libpcaps of 1999 wrote 24-byte record headers under the standard magic.
/// Like Wireshark, hark tries both layouts on the first records it already holds and
/// takes the patched one only when the standard one fails where the patched one does not.
fn patched_layout_reads_further(records: &[u8]) -> bool {
    let sane_records = |header_len: usize| {
        let mut at = 0;
        for n in 0..4 {
            let Some(h) = records.get(at..at + header_len) else { return (n, true) };
            let caplen = u32::from_le_bytes([h[8], h[9], h[10], h[11]]);
            if caplen > MAX_SNAPLEN {
                return (n, false);
            }
            at += header_len + caplen as usize;
        }
        (4, true)
    };
    let (standard, standard_ok) = sane_records(16);
    let (patched, _) = sane_records(24);
    !standard_ok && patched > standard
}

impl Source for FileSource {
    fn next_frame(
        &mut self,
        before_wait: &mut dyn FnMut() -> bool,
    ) -> Result<Option<Frame<'_>>, Error> {
        self.start += std::mem::take(&mut self.pending);
        if self.start >= self.release_at {
            self.release_behind();
        }
        // The common case by far, a little-endian classic pcap record that is already in the
        // buffer, is read here in a few loads; everything else goes through pcap-parser.
        if let Some((ts, link, orig_len, start, end)) = self.fast_pcap_record() {
            if !self.cut_through(end) {
                self.pending = end - self.start;
                self.last_ts = ts;
                return Ok(Some(Frame {
                    ts,
                    link,
                    orig_len,
                    data: &self.held.bytes()[start..end],
                    iface: None,
                }));
            }
        }
        loop {
            if self.start == self.end && !self.fill(1, before_wait)? {
                return match self.shrank_to {
                    Some(len) => Err(self.err(ErrorKind::Shrank { offset: self.offset(), len })),
                    None => Ok(None),
                };
            }
            self.believe_a_cut()?;
            match self.step()? {
                Step::Skip(len) => self.start += len,
                Step::NeedMore(need) => {
                    if !self.fill(need, before_wait)? {
                        let offset = self.offset();
                        return match self.shrank_to {
                            Some(len) => Err(self.err(ErrorKind::Shrank { offset, len })),
                            None if self.stopped => Ok(None),
                            None => Err(self.err(ErrorKind::Truncated { offset })),
                        };
                    }
                }
                // Its bytes are gone: the next round finds where the file ends now.
                Step::Frame { data, .. } if self.cut_through(data.1) => {}
                Step::Frame { ts, link, orig_len, data, len, iface } => {
                    self.pending = len;
                    self.last_ts = ts;
                    let iface = match (&self.format, iface) {
                        (Format::PcapNg { interfaces, .. }, Some(i)) => {
                            interfaces.get(i).map(|i| &i.described)
                        }
                        _ => None,
                    };
                    let data = &self.held.bytes()[data.0..data.1];
                    return Ok(Some(Frame { ts, link, orig_len, data, iface }));
                }
            }
        }
    }

    fn link_type(&self) -> Option<LinkType> {
        match &self.format {
            Format::Pcap { link, .. } => Some(*link),
            Format::PcapNg { first_link, .. } => *first_link,
        }
    }

    fn nanosecond_precision(&self) -> bool {
        match &self.format {
            Format::Pcap { nanos, .. } => *nanos,
            Format::PcapNg { interfaces, .. } => {
                interfaces.iter().any(|i| i.units_per_sec > 1_000_000)
            }
        }
    }

    fn progress(&self) -> (u64, Option<u64>) {
        (self.offset(), self.total)
    }
}

mod pcapng;

#[cfg(test)]
mod tests;

#[cfg(test)]
mod damaged_files;

#[cfg(test)]
mod mapped_files;
