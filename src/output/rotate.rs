//! `-w` split into several files as tcpdump splits them: `-C` by size, `-G` by time with
//! strftime patterns in the name, `-W` for a ring of files or a last one.
//!
//! The names are tcpdump's for the same flags (see tcpdump.c's MakeFilename): the pattern
//! formatted at the period's start, then with `-C` the file's number in the period, padded
//! to the digits of `-W`'s last number; the first file of a period carries no number unless
//! `-W` is given. A file is closed, complete, before the next is opened, and a packet is
//! never split: like tcpdump, hark checks the size before it writes a packet, so a file
//! ends with the first packet that takes it past `-C`.
//!
//! Two choices differ from tcpdump's, as its users ask: when reading a file, `-G` follows
//! the packets' time (tcpdump's follows the wall clock, so a file read in a second gives
//! one file), and periods start on the clock's multiples of SECS in the local time zone
//! (10:00:00, 10:05:00, …) unless `--no-align` asks for tcpdump's periods, which start at
//! the first packet of each.

use std::io;
use std::path::{Path, PathBuf};

use super::pcap_writer::PcapWriter;
use crate::source::{Frame, LinkType};

/// How `-w` is split, as checked from the flags.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Rotation {
    /// `-C`: a file is closed once it holds more than this many bytes.
    pub size: Option<u64>,
    /// `-G`: a new file every this many seconds.
    pub every: Option<i64>,
    /// `-W`: with `-C`, a ring of this many files; with `-G` alone, stop after this many.
    pub files: Option<u32>,
    /// Whether `-G` periods start on multiples of `every` (local time), not at a packet.
    pub aligned: bool,
    /// Whether `-G` follows the wall clock (live capture) rather than the packets' time.
    pub wall_clock: bool,
}

/// What became of a packet given to [`Rotating::write`].
#[derive(Debug, PartialEq, Eq)]
pub enum Written {
    Yes,
    /// `-G` with `-W N`: the last of N files is done; the packet was not written and
    /// capture ends.
    LastFileDone(u32),
}

/// The file format and header fields every file of the set shares.
pub struct FileKind {
    pub link: LinkType,
    pub snaplen: Option<u32>,
    pub nanos: bool,
    /// pcapng whatever the names (`--pcapng`), or as each name's extension says.
    pub pcapng: bool,
}

/// `-w` as a set of files.
pub struct Rotating {
    pattern: PathBuf,
    rotation: Rotation,
    kind: FileKind,
    current: Option<PcapWriter>,
    /// The start of the current `-G` period, in seconds.
    period_start: Option<i64>,
    /// tcpdump's Gflag_count and Cflag_count: periods begun, and files in this period.
    periods: u32,
    in_period: u32,
    /// Digits of the file number: those of `-W`'s last number (tcpdump's WflagChars).
    digits: usize,
    /// Frames the files closed so far left out (pcap holds one link type).
    skipped_before: u64,
}

impl Rotating {
    /// Checks that `pattern` formats (a bad strftime pattern is a usage error, found before
    /// any packet) and, without `-G`, creates the first file at once, as tcpdump does.
    pub fn create(pattern: &Path, rotation: Rotation, kind: FileKind) -> io::Result<Rotating> {
        let digits = rotation.files.map_or(0, |n| (n.saturating_sub(1)).to_string().len());
        let digits = if rotation.files.is_some_and(|n| n <= 1) { 0 } else { digits };
        let mut set = Rotating {
            pattern: pattern.to_path_buf(),
            rotation,
            kind,
            current: None,
            period_start: None,
            periods: 0,
            in_period: 0,
            digits,
            skipped_before: 0,
        };
        set.name_at(0)?;
        if set.rotation.every.is_none() {
            set.open()?;
        }
        Ok(set)
    }

    /// The file being written (the pattern, before the first file is made).
    pub fn path(&self) -> &Path {
        self.current.as_ref().map_or(&self.pattern, PcapWriter::path)
    }

    /// Frames left out of all the files because their link type differs from the file's.
    pub fn skipped(&self) -> u64 {
        self.skipped_before + self.current.as_ref().map_or(0, |w| w.skipped)
    }

    /// Writes a frame to the file it belongs in, opening the next file first if it is time.
    pub fn write(&mut self, frame: &Frame<'_>) -> io::Result<Written> {
        if let Some(every) = self.rotation.every {
            let now = if self.rotation.wall_clock { super::now().secs } else { frame.ts.secs };
            match self.period_start {
                None => {
                    self.period_start = Some(self.start_of_period(now, every));
                    self.open()?;
                }
                Some(start) if now - start >= every => {
                    self.close()?;
                    self.periods += 1;
                    if let Some(files) = self.rotation.files.filter(|&n| self.periods >= n) {
                        if self.rotation.size.is_none() {
                            return Ok(Written::LastFileDone(files));
                        }
                    }
                    self.period_start = Some(self.start_of_period(now, every));
                    self.in_period = 0;
                    self.open()?;
                }
                Some(_) => {}
            }
        }
        if let (Some(limit), Some(current)) = (self.rotation.size, &self.current) {
            if current.bytes > limit {
                self.close()?;
                self.in_period += 1;
                if self.rotation.files.is_some_and(|n| self.in_period >= n) {
                    self.in_period = 0;
                }
                self.open()?;
            }
        }
        if let Some(current) = &mut self.current {
            current.write(frame)?;
        }
        Ok(Written::Yes)
    }

    pub fn flush(&mut self) -> io::Result<()> {
        match &mut self.current {
            Some(current) => current.flush(),
            None => Ok(()),
        }
    }

    /// Flushes the last file; with `-G` and no packet at all, makes the one file tcpdump
    /// would have made, named for now.
    pub fn finish(&mut self) -> io::Result<()> {
        if self.current.is_none() && self.period_start.is_none() {
            if let Some(every) = self.rotation.every {
                self.period_start = Some(self.start_of_period(super::now().secs, every));
                self.open()?;
            }
        }
        self.close()
    }

    fn start_of_period(&self, now: i64, every: i64) -> i64 {
        if !self.rotation.aligned {
            return now;
        }
        // Aligned in local time, so that -G 86400 starts files at midnight where the sensor
        // is, as an operator reading the names expects.
        let offset = local_offset(now);
        (now + offset).div_euclid(every) * every - offset
    }

    fn close(&mut self) -> io::Result<()> {
        if let Some(mut current) = self.current.take() {
            current.finish()?;
            self.skipped_before += current.skipped;
        }
        Ok(())
    }

    fn open(&mut self) -> io::Result<()> {
        let path = self.name_at(self.period_start.unwrap_or(0))?;
        let kind = &self.kind;
        // The pattern's extension, not the name's: FILE.pcapng1 is pcapng too.
        let pcapng = kind.pcapng || super::pcap_writer::names_pcapng(&self.pattern);
        self.current =
            Some(PcapWriter::create_as(&path, kind.link, kind.snaplen, kind.nanos, pcapng)?);
        Ok(())
    }

    /// tcpdump's MakeFilename: strftime with `-G`, then the number with `-C`.
    fn name_at(&self, secs: i64) -> io::Result<PathBuf> {
        let pattern = self.pattern.to_string_lossy();
        let mut name = match self.rotation.every {
            Some(_) => {
                let stamp =
                    jiff::Timestamp::from_second(secs).unwrap_or(jiff::Timestamp::UNIX_EPOCH);
                let zoned = stamp.to_zoned(jiff::tz::TimeZone::system());
                jiff::fmt::strtime::format(pattern.as_bytes(), &zoned).map_err(|e| {
                    io::Error::new(io::ErrorKind::InvalidInput, format!("the -w pattern: {e}"))
                })?
            }
            None => pattern.into_owned(),
        };
        if self.rotation.size.is_some() && (self.in_period != 0 || self.digits != 0) {
            name.push_str(&format!("{:0width$}", self.in_period, width = self.digits));
        }
        Ok(PathBuf::from(name))
    }
}

/// Checks that `-w`'s name formats as a strftime pattern, for `-G`; the error is the usage
/// error's text.
pub fn check_pattern(pattern: &Path) -> Result<(), String> {
    let zoned = jiff::Timestamp::UNIX_EPOCH.to_zoned(jiff::tz::TimeZone::system());
    jiff::fmt::strtime::format(pattern.to_string_lossy().as_bytes(), &zoned).map(drop).map_err(
        |e| {
            format!("-w {}: not a strftime pattern hark can format for -G ({e})", pattern.display())
        },
    )
}

/// Seconds east of UTC in the local time zone (`TZ`) at `secs`.
fn local_offset(secs: i64) -> i64 {
    let stamp = jiff::Timestamp::from_second(secs).unwrap_or(jiff::Timestamp::UNIX_EPOCH);
    i64::from(jiff::tz::TimeZone::system().to_offset(stamp).seconds())
}

/// tcpdump's `-C`: millions of bytes, or KiB, MiB, GiB with a k, m or g after the number.
pub fn parse_size(text: &str) -> Result<u64, String> {
    let (digits, unit) = match text.char_indices().last() {
        Some((i, c)) if c.is_ascii_alphabetic() => (&text[..i], Some(c)),
        _ => (text, None),
    };
    let n: u64 = digits.parse().ok().filter(|&n| n > 0).ok_or_else(|| {
        format!("{text}: not a file size (millions of bytes, or a number with k, m or g)")
    })?;
    let unit = match unit.map(|c| c.to_ascii_lowercase()) {
        None => 1_000_000,
        Some('k') => 1 << 10,
        Some('m') => 1 << 20,
        Some('g') => 1 << 30,
        Some(c) => return Err(format!("{text}: {c} is not a unit (k, m or g)")),
    };
    n.checked_mul(unit).ok_or_else(|| format!("{text}: too large"))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Files made in `dir` by writing `n` 100-byte frames one second apart with `rotation`.
    fn names_after(rotation: Rotation, pattern: &str, n: i64) -> Vec<String> {
        let dir = tempfile::tempdir().unwrap();
        let kind =
            FileKind { link: LinkType::ETHERNET, snaplen: None, nanos: false, pcapng: false };
        let mut set = Rotating::create(&dir.path().join(pattern), rotation, kind).unwrap();
        let data = [0u8; 100];
        for secs in 0..n {
            let ts = crate::source::Timestamp { secs: 1_800_000_000 + secs, nanos: 0 };
            let frame =
                Frame { ts, link: LinkType::ETHERNET, orig_len: 100, data: &data, iface: None };
            if set.write(&frame).unwrap() != Written::Yes {
                break;
            }
        }
        set.finish().unwrap();
        let mut names: Vec<String> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    #[test]
    fn time_and_size_together_number_the_files_of_each_period() {
        // 1_800_000_000 is 08:00:00 UTC; a file past 300 bytes holds three frames.
        let both =
            Rotation { size: Some(300), every: Some(5), aligned: true, ..Rotation::default() };
        let names = names_after(both.clone(), "%H%M%S-", 7);
        assert_eq!(names, ["080000-", "080000-1", "080005-"]);
        let ring = Rotation { files: Some(2), ..both };
        assert_eq!(
            names_after(ring, "%H%M%S-", 12),
            ["080000-0", "080000-1", "080005-0", "080005-1", "080010-0"]
        );
    }

    #[test]
    fn sizes_are_tcpdumps() {
        assert_eq!(parse_size("2"), Ok(2_000_000));
        assert_eq!(parse_size("3k"), Ok(3072));
        assert_eq!(parse_size("1M"), Ok(1 << 20));
        assert_eq!(parse_size("1g"), Ok(1 << 30));
        assert!(parse_size("0").is_err());
        assert!(parse_size("1.5").is_err());
        assert!(parse_size("4t").unwrap_err().contains("t is not a unit"));
    }
}
