//! Per-packet lines (`tcpdump -n` shape), with `-x` / `-X` / `-A` dumps after each.

use std::io::Write;

use super::eve::AlertPlace;
use super::stamp::LineClock;
use crate::decode::summary::{self, LineOptions};
use crate::decode::tcp_seq::RelativeSeqs;
use crate::decode::{Packet, ProtoName};
use crate::event::Alert;
use crate::source::Timestamp;

/// What follows each line.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Dump {
    #[default]
    None,
    /// `-x`: hex.
    Hex,
    /// `-X`: hex and ASCII.
    HexAscii,
    /// `-A`: ASCII.
    Ascii,
}

/// Writes lines in the chosen shape.
#[derive(Clone, Debug, Default)]
pub struct LineSink {
    pub options: LineOptions,
    pub dump: Dump,
    /// The dump starts at the frame's first byte (`-xx`, `-XX`, `-AA`), not at the
    /// network header.
    pub dump_link: bool,
    /// `-#`: each line starts with its packet's number.
    pub numbered: bool,
    pub clock: LineClock,
    /// TCP sequence numbers relative to their conversation's unless `-S`.
    pub relative_seqs: Option<RelativeSeqs>,
}

impl LineSink {
    /// Appends the line (and dump) for the `number`th packet read.
    pub fn write(&mut self, out: &mut Vec<u8>, pkt: &Packet<'_>, number: u64) {
        if self.numbered {
            let _ = write!(out, "{number:5}  ");
        }
        if summary::write_invalid_header(out, pkt.frame()) {
            return;
        }
        self.clock.write(out, pkt.frame().ts);
        let dump_start =
            summary::write_packet_text(out, pkt, self.options, self.relative_seqs.as_mut());
        if self.dump == Dump::None {
            return;
        }
        let start = if self.dump_link { 0 } else { dump_start.offset(pkt) };
        let bytes = &pkt.frame().data[start.min(pkt.frame().data.len())..];
        // As tcpdump, nothing after the link header means no dump (not an empty one).
        if bytes.is_empty() && !self.dump_link {
            return;
        }
        match self.dump {
            Dump::Hex => summary::write_hex(out, bytes),
            Dump::HexAscii => summary::write_hex_ascii(out, bytes),
            Dump::Ascii => summary::write_ascii(out, bytes),
            Dump::None => {}
        }
    }
}

/// Appends an alert between packet lines, after Suricata's fast.log:
/// `10:00:03.150000 ssh.rhai: alert: SSH brute force [1:2861204417:1] {TCP} a:1 -> b:22`.
pub fn write_alert(out: &mut Vec<u8>, ts: Timestamp, place: AlertPlace<'_, '_>, alert: &Alert) {
    summary::write_time_of_day(out, ts);
    let _ = write!(
        out,
        " {}: alert: {} [1:{}:{}]",
        alert.script, alert.signature, alert.signature_id, alert.rev
    );
    if let AlertPlace::Packet(pkt, _) = place {
        if let Some(proto) = pkt.proto_name() {
            match proto {
                ProtoName::Named(name) => {
                    let _ = write!(out, " {{{name}}}");
                }
                ProtoName::Number(n) => {
                    let _ = write!(out, " {{{n}}}");
                }
            }
        }
        let ports = pkt.ports();
        if let (Some(src), Some(dst)) = (pkt.src_ip(), pkt.dst_ip()) {
            out.push(b' ');
            summary::push_ip(out, src);
            if let Some((sp, _)) = ports {
                let _ = write!(out, ":{sp}");
            }
            out.extend_from_slice(b" -> ");
            summary::push_ip(out, dst);
            if let Some((_, dp)) = ports {
                let _ = write!(out, ":{dp}");
            }
        }
    }
    out.push(b'\n');
}

/// Appends a script's log line between packet lines.
pub fn write_log(out: &mut Vec<u8>, ts: Timestamp, script: &str, text: &str) {
    summary::write_time_of_day(out, ts);
    let _ = writeln!(out, " {script}: {text}");
}
