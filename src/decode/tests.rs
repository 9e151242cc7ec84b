//! Decoding never panics: every frame of the shared corpus and of hark's sample, cut at
//! every length, and randomly mutated frames, decode and print.

use proptest::prelude::*;

use super::Packet;
use super::summary::{LineOptions, write_hex_ascii, write_line};
use crate::output::eve::{Clock, write_packet};
use crate::source::{FileSource, Frame, LinkType, OwnedFrame, Source, Timestamp};

/// Decodes a frame every way hark can show it.
fn exercise(frame: Frame<'_>) {
    let pkt = Packet::new(frame);
    let mut out = Vec::new();
    // Each -v level reads more of the packet, so each gets its own walk.
    for verbosity in 0..=3 {
        let options =
            LineOptions { link_header: verbosity % 2 == 1, verbosity, ..LineOptions::default() };
        write_line(&mut out, &pkt, options);
    }
    write_packet(&mut out, &mut Clock::default(), &pkt, 1);
    let _ = (pkt.dns(), pkt.http(), pkt.tls_sni(), pkt.payload(), pkt.truncated());
}

fn every_cut(frame: &OwnedFrame) {
    write_hex_ascii(&mut Vec::new(), &frame.data);
    for len in 0..=frame.data.len() {
        exercise(Frame { data: &frame.data[..len], ..frame.as_frame() });
    }
}

fn corpus_frames() -> Option<Vec<OwnedFrame>> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus/pcap");
    let entries = std::fs::read_dir(&dir).ok()?;
    let mut frames = Vec::new();
    for entry in entries.flatten() {
        let path = entry.path();
        let Ok(mut src) = FileSource::open(path.to_str()?, &mut || true) else { continue };
        while let Ok(Some(f)) = src.next_frame(&mut || true) {
            frames.push(OwnedFrame {
                ts: f.ts,
                link: f.link,
                orig_len: f.orig_len,
                data: f.data.to_vec(),
            });
        }
    }
    Some(frames)
}

#[test]
fn corpus_frames_cut_at_every_length() {
    let Some(frames) = corpus_frames() else {
        assert!(std::env::var("CI").is_err(), "the corpus must be beside the repository under CI");
        eprintln!(
            "SKIPPED corpus_frames_cut_at_every_length: ../shared/corpus is not beside the repository"
        );
        return;
    };
    assert!(frames.len() > 600, "read {} corpus frames", frames.len());
    for frame in &frames {
        every_cut(frame);
        // The same bytes under every link type hark knows.
        for link in [0, 1, 8, 9, 101, 104, 105, 107, 108, 113, 127, 228, 229, 242, 276, 147] {
            exercise(Frame { link: LinkType(link), ..frame.as_frame() });
        }
    }
}

#[test]
fn sample_frames_cut_at_every_length() {
    for frame in crate::sample::lab_conversation() {
        every_cut(&frame);
    }
}

fn link_type() -> impl Strategy<Value = LinkType> {
    prop::sample::select(vec![
        0u32, 1, 8, 9, 12, 14, 101, 104, 105, 107, 108, 113, 127, 228, 229, 242, 276, 999,
    ])
    .prop_map(LinkType)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn random_bytes_never_panic(link in link_type(), data in prop::collection::vec(any::<u8>(), 0..200)) {
        exercise(Frame { ts: Timestamp::default(), link, orig_len: data.len() as u32, data: &data, iface: None });
    }

    #[test]
    fn mutated_sample_frames_never_panic(
        index in 0usize..29,
        flips in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..8),
        cut in any::<prop::sample::Index>(),
    ) {
        let frames = crate::sample::lab_conversation();
        let mut frame = frames[index % frames.len()].clone();
        for (at, byte) in flips {
            let i = at.index(frame.data.len());
            frame.data[i] = byte;
        }
        let len = cut.index(frame.data.len() + 1);
        frame.data.truncate(len);
        exercise(frame.as_frame());
    }
}

/// Found by the decode fuzz target: an ICMPv6 message its IPv6 header says is one byte
/// long, whose checksum `-v` went to read past that byte.
#[test]
fn a_one_byte_icmp6_message_under_v_ends_its_line_cut_short() {
    let mut frame = vec![0x33, 0x33, 0, 0, 0, 1, 0xb0, 0xa8, 0x6e, 0x04, 0xd6, 0xe8, 0x86, 0xdd];
    frame.extend_from_slice(&[0x60, 0, 0, 0, 0, 1, 58, 0]);
    frame.extend_from_slice(&[0u8; 32]);
    frame.push(0xfe);
    let pkt = Packet::new(Frame {
        ts: Timestamp::default(),
        link: LinkType::ETHERNET,
        orig_len: frame.len() as u32,
        data: &frame,
        iface: None,
    });
    let mut out = Vec::new();
    write_line(&mut out, &pkt, LineOptions { verbosity: 1, ..LineOptions::default() });
    let line = String::from_utf8(out).unwrap();
    // tcpdump's text for it: the addresses, then the cut.
    assert!(line.ends_with(":: > :::  [|icmp6]\n"), "{line}");
}
