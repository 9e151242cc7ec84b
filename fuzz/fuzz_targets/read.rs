//! The capture readers: bytes in, frames out, through the code `-r -` reads a pipe with.
//! Every frame handed out must lie inside the input, and damage must end the read with an
//! error, never a panic or a hang.
#![no_main]

use libfuzzer_sys::fuzz_target;

use hark::source::Source;
use hark::source::FileSource;

fuzz_target!(|data: &[u8]| {
    let reader = Box::new(std::io::Cursor::new(data.to_vec()));
    let Ok(mut source) = FileSource::from_reader("fuzz", reader, None, &mut || true) else {
        return;
    };
    let mut captured = 0usize;
    while let Ok(Some(frame)) = source.next_frame(&mut || true) {
        captured += frame.data.len();
        assert!(captured <= data.len(), "more bytes out than in");
        let _ = hark::decode::Packet::new(frame).layers().ip.is_some();
    }
});
