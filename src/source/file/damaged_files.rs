//! Capture files with random damage: reading never panics, every error names an offset
//! inside the input, and the frames before the damage are the undamaged file's frames.

use proptest::prelude::*;

use super::*;

fn corpus_files() -> Vec<Vec<u8>> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus/pcap");
    let mut files: Vec<_> =
        std::fs::read_dir(dir).map(|d| d.flatten().map(|e| e.path()).collect()).unwrap_or_default();
    files.sort();
    let mut out: Vec<Vec<u8>> = files.iter().filter_map(|p| std::fs::read(p).ok()).collect();
    // hark's own sample keeps the test meaningful without the corpus.
    let sample = crate::sample::lab_conversation();
    let mut bytes = 0xa1b2_c3d4u32.to_le_bytes().to_vec();
    bytes.extend_from_slice(&[2, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0, 0, 1, 0, 0, 0]);
    for f in &sample {
        for x in [f.ts.secs as u32, f.ts.nanos / 1000, f.data.len() as u32, f.orig_len] {
            bytes.extend_from_slice(&x.to_le_bytes());
        }
        bytes.extend_from_slice(&f.data);
    }
    out.push(bytes);
    out
}

fn read(bytes: Vec<u8>) -> (Vec<Vec<u8>>, Option<Error>) {
    let total = bytes.len() as u64;
    let source =
        FileSource::from_reader("t", Box::new(io::Cursor::new(bytes)), Some(total), &mut || true);
    read_from(source)
}

/// The same bytes as a regular file, which hark maps; errors name the input `t` as
/// [`read`]'s do.
fn read_mapped(bytes: &[u8]) -> (Vec<Vec<u8>>, Option<Error>) {
    let mut file = tempfile::NamedTempFile::new().expect("a temporary file");
    std::io::Write::write_all(&mut file, bytes).expect("written");
    let path = file.path().to_str().expect("a UTF-8 path");
    let (frames, err) = read_from(FileSource::open(path, &mut || true));
    (frames, err.map(|e| Error { input: "t".into(), ..e }))
}

fn read_from(source: Result<FileSource, Error>) -> (Vec<Vec<u8>>, Option<Error>) {
    let mut frames = Vec::new();
    let mut src = match source {
        Ok(s) => s,
        Err(e) => return (frames, Some(e)),
    };
    loop {
        match src.next_frame(&mut || true) {
            Ok(Some(f)) => frames.push(f.data.to_vec()),
            Ok(None) => return (frames, None),
            Err(e) => return (frames, Some(e)),
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn damage_is_reported_not_fatal(
        pick in any::<prop::sample::Index>(),
        flips in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..6),
        cut in any::<prop::sample::Index>(),
    ) {
        let files = corpus_files();
        let original = files[pick.index(files.len())].clone();
        let mut damaged = original.clone();
        let first_change = flips.iter().map(|(at, _)| at.index(damaged.len())).min().unwrap_or(0);
        for (at, byte) in &flips {
            let i = at.index(damaged.len());
            damaged[i] = *byte;
        }
        damaged.truncate(cut.index(damaged.len() + 1).max(first_change.min(damaged.len())));
        let size = damaged.len() as u64;
        let (mapped_frames, mapped_err) = read_mapped(&damaged);
        let (frames, err) = read(damaged);
        // A mapped file reads exactly as the same bytes through a pipe.
        prop_assert_eq!(&mapped_frames, &frames);
        prop_assert_eq!(mapped_err.map(|e| e.to_string()), err.as_ref().map(|e| e.to_string()));
        if let Some(Error { kind: ErrorKind::Truncated { offset } | ErrorKind::Corrupt { offset, .. }, .. }) = &err {
            prop_assert!(*offset <= size, "offset {} past the end {}", offset, size);
        }
        // In a classic pcap, frames wholly before the first damaged byte are read as
        // they were (past the first records, which decide the record layout).
        let classic = original.starts_with(&[0xd4, 0xc3, 0xb2, 0xa1]);
        let (good, _) = read(original);
        let ends: Vec<usize> = good
            .iter()
            .scan(24usize, |at, f| {
                *at += 16 + f.len();
                Some(*at)
            })
            .collect();
        if classic && ends.len() > 4 && first_change >= ends[3] {
            for (i, frame) in good.iter().enumerate().take_while(|(i, _)| ends[*i] <= first_change) {
                prop_assert!(i < frames.len(), "frame {} before the damage was lost", i + 1);
                prop_assert_eq!(&frames[i], frame);
            }
        }
    }
}
