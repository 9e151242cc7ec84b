//! Per-packet lines (`tcpdump -n` shape), with `-X` / `-A` dumps after each.

use crate::decode::Packet;
use crate::decode::summary::{self, LineOptions};

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
