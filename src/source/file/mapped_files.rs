//! Regular files are mapped: a file cut short or grown while mapped, and the memory a large
//! mapped file holds while it is read.

use std::io::{Seek, Write};

use super::*;

const PAGE: usize = 4096;

/// A classic pcap of `count` records of `len` bytes, each record's bytes its index + 1, so
/// that a record read as zeros is told from a real one. Returns the bytes and each record's
/// end.
fn capture(count: usize, len: usize) -> (Vec<u8>, Vec<usize>) {
    let mut bytes = 0xa1b2_c3d4u32.to_le_bytes().to_vec();
    bytes.extend_from_slice(&[2, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0, 0, 1, 0, 0, 0]);
    let mut ends = Vec::new();
    for i in 0..count {
        for x in [i as u32 + 1, 0, len as u32, len as u32] {
            bytes.extend_from_slice(&x.to_le_bytes());
        }
        bytes.extend(std::iter::repeat_n((i % 255) as u8 + 1, len));
        ends.push(bytes.len());
    }
    (bytes, ends)
}

fn file_of(bytes: &[u8]) -> tempfile::NamedTempFile {
    let mut file = tempfile::NamedTempFile::new().expect("a temporary file");
    file.write_all(bytes).expect("written");
    file.flush().expect("flushed");
    file
}

fn open(file: &tempfile::NamedTempFile) -> FileSource {
    let source = FileSource::open(file.path().to_str().expect("a UTF-8 path"), &mut || true);
    let source = source.unwrap_or_else(|e| panic!("{e}"));
    assert!(matches!(source.held, Held::Mapped(_)), "a regular file is mapped");
    source
}

/// Reads on to the end: each frame's first byte if the frame is whole (all its bytes the
/// same), 0 if not, and the error, if any.
fn read_on(source: &mut FileSource) -> (Vec<u8>, Option<Error>) {
    let mut firsts = Vec::new();
    loop {
        match source.next_frame(&mut || true) {
            Ok(Some(frame)) => {
                let whole = frame.data.iter().all(|&b| b == frame.data[0]);
                firsts.push(if whole { frame.data[0] } else { 0 });
            }
            Ok(None) => return (firsts, None),
            Err(e) => return (firsts, Some(e)),
        }
    }
}

#[test]
fn a_file_cut_short_while_mapped_ends_in_an_error_after_its_good_records() {
    // Cut inside a page (the rest of that page then reads as zeros, with no fault) and on
    // a page boundary (every page past it faults).
    for cut_to in [1_000_000 + 123, 256 * PAGE] {
        let (bytes, ends) = capture(3_000, 1_000);
        let file = file_of(&bytes);
        let mut source = open(&file);
        for _ in 0..100 {
            assert!(matches!(source.next_frame(&mut || true), Ok(Some(_))));
        }
        file.as_file().set_len(cut_to as u64).expect("cut");
        let (firsts, err) = read_on(&mut source);
        let whole = ends.iter().filter(|&&end| end <= cut_to).count();
        // Every record wholly before the cut is read as written; the one the cut goes
        // through may be read with its lost bytes as zeros, never one after it.
        let expected: Vec<u8> = (100..whole).map(|i| (i % 255) as u8 + 1).collect();
        assert_eq!(firsts[..expected.len()], expected[..], "cut to {cut_to}");
        assert!(firsts[expected.len()..].iter().all(|&b| b == 0), "cut to {cut_to}: not whole");
        assert!(firsts.len() <= expected.len() + 1, "cut to {cut_to}: {} read", firsts.len());
        let err = err.unwrap_or_else(|| panic!("cut to {cut_to}: no error"));
        assert!(
            matches!(err.kind, ErrorKind::Shrank { len, .. } if len == cut_to as u64),
            "cut to {cut_to}: {err}"
        );
        assert!(err.to_string().contains("cut short while hark read it"), "{err}");
    }
}

#[test]
fn a_file_that_grows_while_mapped_is_read_to_its_new_end() {
    let (bytes, ends) = capture(40, 3_000);
    let file = file_of(&bytes[..ends[19]]);
    let mut source = open(&file);
    let (firsts, err) = read_on(&mut source);
    assert!(err.is_none());
    assert_eq!(firsts.len(), 20);
    // Appended as a capture still being written is: a record, then one cut in two.
    let mut appender = file.reopen().expect("reopened");
    appender.seek(io::SeekFrom::End(0)).expect("at the end");
    appender.write_all(&bytes[ends[19]..ends[30] + 100]).expect("appended");
    let (more, err) = read_on(&mut source);
    assert_eq!(more, (20..31).map(|i| i as u8 + 1).collect::<Vec<_>>());
    assert!(
        matches!(err.map(|e| e.kind), Some(ErrorKind::Truncated { offset }) if offset == ends[30] as u64)
    );
}

/// The pages of mapped files this process holds, in KiB.
fn rss_file_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let line = status.lines().find(|l| l.starts_with("RssFile:")).unwrap_or("RssFile: 0 kB");
    line.split_whitespace().nth(1).and_then(|n| n.parse().ok()).unwrap_or(0)
}

#[test]
fn a_large_mapped_file_does_not_stay_in_memory_as_it_is_read() {
    let (bytes, _) = capture(64_000, 1_000);
    let file = file_of(&bytes);
    drop(bytes);
    let mut source = open(&file);
    let before = rss_file_kib();
    let mut most = 0;
    for read in 0.. {
        match source.next_frame(&mut || true) {
            Ok(Some(_)) => {}
            Ok(None) => break,
            Err(e) => panic!("{e}"),
        }
        if read % 1_000 == 0 {
            most = most.max(rss_file_kib().saturating_sub(before));
        }
    }
    // 64 MB read; what stays mapped is at most the release step and the kernel's read-ahead.
    assert!(most < 24 * 1024, "{most} KiB of the file held while reading it");
}
