//! Decoding a frame of any link type, its per-packet line in every shape hark prints, and
//! its EVE JSON, which must always parse as JSON.
#![no_main]

use libfuzzer_sys::fuzz_target;

use hark::decode::Packet;
use hark::decode::summary::LineOptions;
use hark::output::eve;
use hark::output::line::{Dump, LineSink};
use hark::source::{Frame, Timestamp};

mod common;

fuzz_target!(|data: &[u8]| {
    let Some((link, bytes)) = common::link_and_frame(data) else { return };
    let frame = Frame { ts: Timestamp::default(), link, orig_len: bytes.len() as u32 + 3, data: bytes, iface: None };
    let pkt = Packet::new(frame);
    let mut out = Vec::new();
    for (link_header, verbose, dump, dump_link) in [
        (false, 0, Dump::None, false),
        (true, 1, Dump::HexAscii, true),
        (true, 0, Dump::Ascii, false),
        (false, 2, Dump::HexAscii, false),
        (false, 3, Dump::Hex, true),
    ] {
        let options = LineOptions { link_header, verbosity: verbose, ..LineOptions::default() };
        let mut sink = LineSink { options, dump, dump_link, ..LineSink::default() };
        sink.write(&mut out, &pkt, 1);
    }
    out.clear();
    eve::write_packet(&mut out, &mut eve::Clock::default(), &pkt, 1);
    if let Err(e) = serde_json::from_slice::<serde_json::Value>(&out) {
        panic!("EVE line is not JSON ({e}): {}", String::from_utf8_lossy(&out));
    }
});
