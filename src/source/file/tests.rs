use super::*;

fn pcap_header(magic: u32, link: u32) -> Vec<u8> {
    let mut v = Vec::new();
    v.extend_from_slice(&magic.to_le_bytes());
    v.extend_from_slice(&2u16.to_le_bytes());
    v.extend_from_slice(&4u16.to_le_bytes());
    v.extend_from_slice(&[0; 8]);
    v.extend_from_slice(&65535u32.to_le_bytes());
    v.extend_from_slice(&link.to_le_bytes());
    v
}

fn record(sec: u32, sub: u32, data: &[u8], orig: u32) -> Vec<u8> {
    let mut v = Vec::new();
    for x in [sec, sub, data.len() as u32, orig] {
        v.extend_from_slice(&x.to_le_bytes());
    }
    v.extend_from_slice(data);
    v
}

type ReadFrame = (Timestamp, LinkType, u32, Vec<u8>);

fn read_all(bytes: Vec<u8>) -> (Vec<ReadFrame>, Option<Error>) {
    let mut out = Vec::new();
    let mut src =
        match FileSource::from_reader("t", Box::new(io::Cursor::new(bytes)), None, &mut || true) {
            Ok(s) => s,
            Err(e) => return (out, Some(e)),
        };
    loop {
        match src.next_frame(&mut || true) {
            Ok(Some(f)) => out.push((f.ts, f.link, f.orig_len, f.data.to_vec())),
            Ok(None) => return (out, None),
            Err(e) => return (out, Some(e)),
        }
    }
}

#[test]
fn reads_micro_and_nano_pcap() {
    let mut micro = pcap_header(0xa1b2_c3d4, 1);
    micro.extend(record(10, 250_000, &[1, 2, 3], 60));
    let (frames, err) = read_all(micro);
    assert!(err.is_none());
    assert_eq!(
        frames,
        vec![(Timestamp { secs: 10, nanos: 250_000_000 }, LinkType::ETHERNET, 60, vec![1, 2, 3])]
    );

    let mut nano = pcap_header(0xa1b2_3c4d, 101);
    nano.extend(record(10, 7, &[9], 1));
    let (frames, _) = read_all(nano);
    assert_eq!(frames[0].0, Timestamp { secs: 10, nanos: 7 });
    assert_eq!(frames[0].1, LinkType::RAW);
}

#[test]
fn reports_truncation_after_good_frames() {
    let mut bytes = pcap_header(0xa1b2_c3d4, 1);
    bytes.extend(record(1, 0, &[1; 20], 20));
    let mut cut = record(2, 0, &[2; 20], 20);
    cut.truncate(25);
    bytes.extend(cut);
    let (frames, err) = read_all(bytes);
    assert_eq!(frames.len(), 1);
    assert!(matches!(err.map(|e| e.kind), Some(ErrorKind::Truncated { offset: 60 })));
}

#[test]
fn refuses_what_is_not_a_capture() {
    let (_, err) = read_all(b"hello world, this is text".to_vec());
    assert!(matches!(err.map(|e| e.kind), Some(ErrorKind::NotCapture { .. })));
    let (_, err) = read_all(Vec::new());
    assert!(matches!(err.map(|e| e.kind), Some(ErrorKind::Empty)));
}

#[test]
fn a_record_larger_than_the_buffer_is_read_whole() {
    let mut bytes = pcap_header(0xa1b2_c3d4, 1);
    let big = vec![7u8; MAX_SNAPLEN as usize];
    bytes.extend(record(1, 0, &big, MAX_SNAPLEN));
    bytes.extend(record(2, 0, &[1], 1));
    let (frames, err) = read_all(bytes);
    assert!(err.is_none());
    assert_eq!(frames.len(), 2);
    assert_eq!(frames[0].3.len(), MAX_SNAPLEN as usize);
}

/// A reader that hands out one byte per call, as a slow pipe might.
struct Trickle(io::Cursor<Vec<u8>>);
impl Read for Trickle {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = buf.len().min(1);
        self.0.read(&mut buf[..n])
    }
}

#[test]
fn a_trickling_pipe_reads_the_same() {
    let mut bytes = pcap_header(0xa1b2_c3d4, 1);
    bytes.extend(record(1, 0, &[1, 2, 3, 4], 4));
    bytes.extend(record(2, 0, &[5, 6], 2));
    let mut src =
        FileSource::from_reader("-", Box::new(Trickle(io::Cursor::new(bytes))), None, &mut || true)
            .unwrap();
    let mut seen = Vec::new();
    while let Some(f) = src.next_frame(&mut || true).unwrap() {
        seen.push(f.data.to_vec());
    }
    assert_eq!(seen, vec![vec![1, 2, 3, 4], vec![5, 6]]);
}

/// A little-endian pcapng block with its length fields.
fn block(kind: u32, body: &[u8]) -> Vec<u8> {
    let len = (12 + body.len()) as u32;
    let mut v = kind.to_le_bytes().to_vec();
    v.extend_from_slice(&len.to_le_bytes());
    v.extend_from_slice(body);
    v.extend_from_slice(&len.to_le_bytes());
    v
}

#[test]
fn a_pcapng_block_larger_than_the_buffers_is_skipped_whole() {
    let mut shb = 0x1a2b_3c4du32.to_le_bytes().to_vec();
    shb.extend_from_slice(&[1, 0, 0, 0]);
    shb.extend_from_slice(&(-1i64).to_le_bytes());
    let mut bytes = block(SHB_TYPE, &shb);
    let mut idb = vec![1, 0, 0, 0];
    idb.extend_from_slice(&0u32.to_le_bytes());
    bytes.extend(block(IDB_TYPE, &idb));
    // An unknown block of 3 MiB, then one packet (EPB: if 0, ts 0:5, caplen 3, len 3).
    bytes.extend(block(0x0bad, &vec![0u8; 3 * 1024 * 1024]));
    let mut epb = vec![0u8; 4];
    epb.extend_from_slice(&0u32.to_le_bytes());
    epb.extend_from_slice(&5u32.to_le_bytes());
    epb.extend_from_slice(&3u32.to_le_bytes());
    epb.extend_from_slice(&3u32.to_le_bytes());
    epb.extend_from_slice(&[7, 8, 9, 0]);
    bytes.extend(block(EPB_TYPE, &epb));
    let (frames, err) = read_all(bytes);
    assert!(err.is_none(), "{:?}", err.map(|e| e.to_string()));
    assert_eq!(frames.len(), 1);
    assert_eq!(frames[0].3, vec![7, 8, 9]);
    assert_eq!(frames[0].0, Timestamp { secs: 0, nanos: 5_000 });
}

/// A section header, little-endian, with no options.
fn section_header() -> Vec<u8> {
    let mut shb = 0x1a2b_3c4du32.to_le_bytes().to_vec();
    shb.extend_from_slice(&[1, 0, 0, 0]);
    shb.extend_from_slice(&(-1i64).to_le_bytes());
    block(SHB_TYPE, &shb)
}

/// An interface description: link type, snap length, and an if_tsresol option.
fn interface(link: u16, snaplen: u32, tsresol: u8) -> Vec<u8> {
    let mut idb = link.to_le_bytes().to_vec();
    idb.extend_from_slice(&[0, 0]);
    idb.extend_from_slice(&snaplen.to_le_bytes());
    // if_tsresol (code 9, length 1, padded to 4), then opt_endofopt.
    idb.extend_from_slice(&[9, 0, 1, 0, tsresol, 0, 0, 0, 0, 0, 0, 0]);
    block(IDB_TYPE, &idb)
}

fn padded(data: &[u8]) -> Vec<u8> {
    let mut v = data.to_vec();
    v.resize(data.len().div_ceil(4) * 4, 0);
    v
}

#[test]
fn pcapng_interfaces_keep_their_own_link_type_and_clock() {
    let mut bytes = section_header();
    bytes.extend(interface(1, 0, 6)); // Ethernet, microseconds
    bytes.extend(interface(101, 4, 9)); // raw IP, nanoseconds, snap length 4
    let epb = |if_id: u32, ticks: u64, data: &[u8]| {
        let mut b = if_id.to_le_bytes().to_vec();
        b.extend_from_slice(&((ticks >> 32) as u32).to_le_bytes());
        b.extend_from_slice(&(ticks as u32).to_le_bytes());
        b.extend_from_slice(&(data.len() as u32).to_le_bytes());
        b.extend_from_slice(&(data.len() as u32 + 10).to_le_bytes());
        b.extend(padded(data));
        block(EPB_TYPE, &b)
    };
    bytes.extend(epb(0, 1_500_000, &[1, 2, 3]));
    bytes.extend(epb(1, 2_000_000_007, &[0x45, 0, 0]));
    // A simple packet block belongs to the first interface and has no time.
    let mut spb = 5u32.to_le_bytes().to_vec();
    spb.extend(padded(&[9, 9, 9, 9, 9]));
    bytes.extend(block(SPB_TYPE, &spb));
    // An obsolete packet block on interface 1: if_id, drops, ts, caplen, len, data.
    let mut opb = 1u16.to_le_bytes().to_vec();
    opb.extend_from_slice(&0u16.to_le_bytes());
    opb.extend_from_slice(&0u32.to_le_bytes());
    opb.extend_from_slice(&3_000_000_000u32.to_le_bytes());
    opb.extend_from_slice(&2u32.to_le_bytes());
    opb.extend_from_slice(&2u32.to_le_bytes());
    opb.extend(padded(&[0x60, 1]));
    bytes.extend(block(OPB_TYPE, &opb));
    let (frames, err) = read_all(bytes);
    assert!(err.is_none(), "{:?}", err.map(|e| e.to_string()));
    let got: Vec<(Timestamp, LinkType, u32, Vec<u8>)> = frames;
    assert_eq!(
        got,
        vec![
            (Timestamp { secs: 1, nanos: 500_000_000 }, LinkType::ETHERNET, 13, vec![1, 2, 3]),
            (Timestamp { secs: 2, nanos: 7 }, LinkType::RAW, 13, vec![0x45, 0, 0]),
            (Timestamp { secs: 2, nanos: 7 }, LinkType::ETHERNET, 5, vec![9, 9, 9, 9, 9]),
            (Timestamp { secs: 3, nanos: 0 }, LinkType::RAW, 2, vec![0x60, 1]),
        ]
    );
}

#[test]
fn a_record_cut_by_every_chunk_boundary_reads_whole() {
    // Records of every size around the chunk size, so boundaries fall everywhere.
    let mut bytes = pcap_header(0xa1b2_c3d4, 1);
    let sizes: Vec<usize> = (0..40).map(|i| 6_000 + i * 997).collect();
    for (i, &n) in sizes.iter().enumerate() {
        bytes.extend(record(i as u32, 0, &vec![i as u8; n], n as u32));
    }
    let (frames, err) = read_all(bytes);
    assert!(err.is_none());
    let got: Vec<usize> = frames.iter().map(|f| f.3.len()).collect();
    assert_eq!(got, sizes);
    assert!(frames.iter().enumerate().all(|(i, f)| f.3.iter().all(|&b| b == i as u8)));
}
