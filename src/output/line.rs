//! Per-packet lines (`tcpdump -n` shape), with `-X` / `-A` dumps after each.

use std::io::Write;

use super::eve::AlertPlace;
use crate::decode::summary::{self, LineOptions};
use crate::decode::{Packet, ProtoName};
use crate::event::Alert;
use crate::source::Timestamp;

/// What follows each line.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Dump {
    #[default]
    None,
    /// `-X`: hex and ASCII.
    HexAscii,
    /// `-A`: ASCII.
    Ascii,
}

/// Writes lines in the chosen shape.
#[derive(Clone, Copy, Debug, Default)]
pub struct LineSink {
    pub options: LineOptions,
    pub dump: Dump,
}

impl LineSink {
    /// Appends the line (and dump) for one packet.
    pub fn write(&self, out: &mut Vec<u8>, pkt: &Packet<'_>) {
        summary::write_line(out, pkt, self.options);
        if self.dump == Dump::None {
            return;
        }
        let start = if self.options.link_header { 0 } else { summary::network_offset(pkt) };
        let bytes = &pkt.frame().data[start..];
        match self.dump {
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
