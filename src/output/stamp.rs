//! The time at the front of each line, in the forms of tcpdump's `-t` flags, in the time
//! zone tcpdump would use (`TZ`, else the system's).

use std::io::Write;

use crate::decode::summary::{push_hms, push_padded};
use crate::source::Timestamp;

/// What `-t` asked for, by how many times it was given.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum TimeForm {
    /// `10:21:47.698870`
    #[default]
    OfDay,
    /// `-t`: no time at all.
    Hidden,
    /// `-tt`: `1235470907.698870`, seconds since 1970.
    Epoch,
    /// `-ttt`: ` 00:00:00.928423`, since the line before.
    SincePrevious,
    /// `-tttt`: `2009-02-24 10:21:47.698870`.
    DateAndTime,
    /// `-ttttt`: since the first line.
    SinceFirst,
}

impl TimeForm {
    pub fn from_count(count: u8) -> TimeForm {
        match count {
            0 => TimeForm::OfDay,
            1 => TimeForm::Hidden,
            2 => TimeForm::Epoch,
            3 => TimeForm::SincePrevious,
            4 => TimeForm::DateAndTime,
            _ => TimeForm::SinceFirst,
        }
    }
}

/// Writes each line's time, keeping what the forms need between lines.
#[derive(Clone, Debug)]
pub struct LineClock {
    form: TimeForm,
    /// `--time-stamp-precision=nano`: nine digits after the point instead of six.
    nanos: bool,
    zone: jiff::tz::TimeZone,
    /// The second `prefix` was written for: a zone lookup and strftime a second, not a line.
    second: Option<i64>,
    prefix: Vec<u8>,
    /// The time the `-ttt` and `-ttttt` forms count from, in the precision's units.
    reference: Option<i128>,
}

impl Default for LineClock {
    fn default() -> LineClock {
        LineClock::new(TimeForm::OfDay, false)
    }
}

impl LineClock {
    pub fn new(form: TimeForm, nanos: bool) -> LineClock {
        LineClock {
            form,
            nanos,
            zone: jiff::tz::TimeZone::system(),
            second: None,
            prefix: Vec::new(),
            reference: None,
        }
    }

    /// Appends the time of a packet at `ts` and the space after it (nothing for `-t`).
    pub fn write(&mut self, out: &mut Vec<u8>, ts: Timestamp) {
        match self.form {
            TimeForm::Hidden => return,
            TimeForm::OfDay | TimeForm::DateAndTime => self.write_wall_clock(out, ts),
            TimeForm::Epoch => {
                if convertible(ts.secs).is_some() {
                    // tcpdump prints the low 32 bits.
                    let _ = write!(out, "{}", ts.secs as u32);
                    self.write_fraction(out, ts.nanos);
                } else {
                    out.extend_from_slice(CANNOT_CONVERT);
                }
            }
            TimeForm::SincePrevious | TimeForm::SinceFirst => self.write_delta(out, ts),
        }
        out.push(b' ');
    }

    fn write_wall_clock(&mut self, out: &mut Vec<u8>, ts: Timestamp) {
        let Some(secs) = convertible(ts.secs) else {
            out.extend_from_slice(CANNOT_CONVERT);
            return;
        };
        if self.second != Some(secs) {
            self.second = Some(secs);
            self.prefix.clear();
            let stamp = jiff::Timestamp::from_second(secs).unwrap_or(jiff::Timestamp::UNIX_EPOCH);
            let zoned = stamp.to_zoned(self.zone.clone());
            let format = match self.form {
                TimeForm::DateAndTime => "%Y-%m-%d %H:%M:%S",
                _ => "%H:%M:%S",
            };
            let _ = write!(self.prefix, "{}", zoned.strftime(format));
        }
        out.extend_from_slice(&self.prefix);
        self.write_fraction(out, ts.nanos);
    }

    /// tcpdump prints a difference as a time of day in UTC: its sign (a space when not
    /// negative), then hours modulo 24.
    fn write_delta(&mut self, out: &mut Vec<u8>, ts: Timestamp) {
        let per_sec: i128 = if self.nanos { 1_000_000_000 } else { 1_000_000 };
        let now =
            i128::from(as_libpcap_reads(ts.secs)) * per_sec + i128::from(self.units(ts.nanos));
        let reference = *self.reference.get_or_insert(now);
        if self.form == TimeForm::SincePrevious {
            self.reference = Some(now);
        }
        let delta = now - reference;
        out.push(if delta < 0 { b'-' } else { b' ' });
        let delta = delta.abs();
        let Some(secs) = i64::try_from(delta / per_sec).ok().and_then(convertible) else {
            out.extend_from_slice(CANNOT_CONVERT);
            return;
        };
        push_hms(out, secs);
        out.push(b'.');
        push_padded(out, (delta % per_sec) as u32, if self.nanos { 9 } else { 6 });
    }

    fn units(&self, nanos: u32) -> u32 {
        if self.nanos { nanos } else { nanos / 1000 }
    }

    fn write_fraction(&self, out: &mut Vec<u8>, nanos: u32) {
        out.push(b'.');
        push_padded(out, self.units(nanos), if self.nanos { 9 } else { 6 });
    }
}

/// What tcpdump prints for a time it will not convert.
const CANNOT_CONVERT: &[u8] = b"[Error converting time]";

/// tcpdump converts only a time whose low 32 bits read as a non-negative signed number.
fn convertible(secs: i64) -> Option<i64> {
    (secs as u32 & 0x8000_0000 == 0).then_some(secs)
}

/// libpcap reads a pcap record's seconds as a signed 32-bit number: a time from 2038 to
/// 2106 is one before 1970 to tcpdump, and its differences are counted from there. Later
/// times come only from pcapng's 64-bit clock, which libpcap keeps whole.
fn as_libpcap_reads(secs: i64) -> i64 {
    if (1 << 31..1 << 32).contains(&secs) { secs - (1 << 32) } else { secs }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line_times(form: TimeForm, nanos: bool, times: &[(i64, u32)]) -> Vec<String> {
        let mut clock = LineClock::new(form, nanos);
        clock.zone = jiff::tz::TimeZone::UTC;
        times
            .iter()
            .map(|&(secs, nanos)| {
                let mut out = Vec::new();
                clock.write(&mut out, Timestamp { secs, nanos });
                String::from_utf8_lossy(&out).into_owned()
            })
            .collect()
    }

    #[test]
    fn each_form_reads_as_tcpdump_prints_it() {
        let times = [(1000, 5_000), (101_000, 7_000), (1050, 999_999_000), (2_200_000_000, 0)];
        assert_eq!(
            line_times(TimeForm::SincePrevious, false, &times),
            [" 00:00:00.000000 ", " 03:46:40.000002 ", "-03:45:49.000008 ", "-07:39:06.999999 "]
        );
        assert_eq!(
            line_times(TimeForm::SinceFirst, false, &times[..3]),
            [" 00:00:00.000000 ", " 03:46:40.000002 ", " 00:00:50.999994 "]
        );
        assert_eq!(
            line_times(TimeForm::Epoch, true, &times),
            ["1000.000005000 ", "101000.000007000 ", "1050.999999000 ", "[Error converting time] "]
        );
        assert_eq!(
            line_times(TimeForm::DateAndTime, false, &times[1..2]),
            ["1970-01-02 04:03:20.000007 "]
        );
        assert_eq!(line_times(TimeForm::Hidden, false, &times[..1]), [""]);
    }
}
